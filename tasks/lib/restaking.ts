// Address-book keys of the restaking deployment (Ignition future ids), typed handles to its contracts, and what the
// restaking tasks share: operator and asset resolution, token amounts, withdrawals and pools found from events.
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { BaseContract, Log, LogDescription } from "ethers";
import { formatUnits, getAddress, isAddress, isHexString, parseUnits } from "ethers";
import type {
  BlsKeyRegistry,
  IERC20Metadata,
  OperatorSets,
  RestakingRegistry,
  RewardsDistributor,
  SlashingManager,
} from "../../typechain-types";
import { addressOf, loadAddressBook, scanStart } from "./addressBook";
import { fail, formatTime, parseAddress, relativeTime, type TxReport } from "./cli";

export const RESTAKING_KEYS = {
  registry: "Restaking#RestakingRegistry",
  operatorSets: "Restaking#OperatorSets",
  slashingManager: "Restaking#SlashingManager",
  rewardsDistributor: "Restaking#RewardsDistributor",
  blsKeyRegistry: "Restaking#BlsKeyRegistry",
} as const;

/** The address recorded under a restaking key; a deployment without the restaking contracts says what to run. */
async function restakingAddress(hre: HardhatRuntimeEnvironment, key: string): Promise<string> {
  const book = await loadAddressBook(hre);
  if (book[key] === undefined) {
    fail(`the deployment of network ${hre.network.name} has no ${key}: run deploy restaking first`);
  }
  return addressOf(hre, key);
}

export async function restakingRegistry(hre: HardhatRuntimeEnvironment): Promise<RestakingRegistry> {
  const address = await restakingAddress(hre, RESTAKING_KEYS.registry);
  return hre.ethers.getContractAt("RestakingRegistry", address) as Promise<RestakingRegistry>;
}

export async function operatorSets(hre: HardhatRuntimeEnvironment): Promise<OperatorSets> {
  const address = await restakingAddress(hre, RESTAKING_KEYS.operatorSets);
  return hre.ethers.getContractAt("OperatorSets", address) as Promise<OperatorSets>;
}

export async function slashingManager(hre: HardhatRuntimeEnvironment): Promise<SlashingManager> {
  const address = await restakingAddress(hre, RESTAKING_KEYS.slashingManager);
  return hre.ethers.getContractAt("SlashingManager", address) as Promise<SlashingManager>;
}

export async function rewardsDistributor(hre: HardhatRuntimeEnvironment): Promise<RewardsDistributor> {
  const address = await restakingAddress(hre, RESTAKING_KEYS.rewardsDistributor);
  return hre.ethers.getContractAt("RewardsDistributor", address) as Promise<RewardsDistributor>;
}

export async function blsKeyRegistry(hre: HardhatRuntimeEnvironment): Promise<BlsKeyRegistry> {
  const address = await restakingAddress(hre, RESTAKING_KEYS.blsKeyRegistry);
  return hre.ethers.getContractAt("BlsKeyRegistry", address) as Promise<BlsKeyRegistry>;
}

export function erc20(hre: HardhatRuntimeEnvironment, address: string): Promise<IERC20Metadata> {
  return hre.ethers.getContractAt("IERC20Metadata", address) as Promise<IERC20Metadata>;
}

/** `timestamp` as the tasks print a date: ISO 8601 and its distance from `now`, "2027-01-01T00:00:00Z (in 2d 3h)". */
export const formatWhen = (timestamp: number | bigint, now: number) =>
  `${formatTime(timestamp)} (${relativeTime(Number(timestamp), now)})`;

/** Timestamp of the latest block: the "now" tasks compare unlock and execution times with. */
export async function latestTime(hre: HardhatRuntimeEnvironment): Promise<number> {
  return (await hre.ethers.provider.getBlock("latest"))!.timestamp;
}

// ------------------------------------------------------------------ amounts

/** `wei` of a token with `decimals`, grouped by thousands: "1,234.5 stETH" (formatAlt's format for any token). */
export function formatToken(wei: bigint, decimals: number, symbol: string): string {
  const [whole, fraction] = formatUnits(wei, decimals).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${grouped}${fraction === "0" || fraction === undefined ? "" : "." + fraction} ${symbol}`;
}

/** A whole-token amount ("1000", "0.5") of a token with `decimals` into its smallest unit; positive. */
export function parseTokenUnits(value: string, decimals: number, what: string): bigint {
  const text = String(value).trim();
  const fraction = decimals === 0 ? "" : `(\\.\\d{1,${decimals}})?`;
  if (!new RegExp(`^\\d+${fraction}$`).test(text)) {
    fail(`${what}: invalid amount "${text}": expected a non-negative decimal with at most ${decimals} decimals`);
  }
  const amount = parseUnits(text, decimals);
  if (amount === 0n) fail(`${what} must be positive`);
  return amount;
}

/** A positive whole number (shares, ids), as a bigint. */
export function parseWhole(value: string, what: string, { positive = false } = {}): bigint {
  const text = String(value).trim();
  if (!/^\d+$/.test(text) || (positive && BigInt(text) === 0n)) {
    fail(`${what} must be a ${positive ? "positive " : ""}whole number, not ${text}`);
  }
  return BigInt(text);
}

export function parseRoot(value: string, what = "--root"): string {
  if (!isHexString(value, 32)) fail(`${what} is not a 32-byte hex value: ${value}`);
  return value.toLowerCase();
}

/** Basis points as "250 bps (2.5 %)". */
export const formatBps = (bps: bigint | number) => `${bps} bps (${Number(bps) / 100} %)`;

// ------------------------------------------------------------------ operators and assets

/** A registered operator's checksummed address; refuses a malformed address or an account that is not one. */
export async function parseOperator(registry: RestakingRegistry, value: string, what = "--operator"): Promise<string> {
  const operator = parseAddress(value, what);
  if (!(await registry.isOperator(operator))) fail(`${operator} is not a registered operator`);
  return operator;
}

export interface AssetInfo {
  id: number;
  token: string;
  symbol: string;
  decimals: number;
  weight: bigint;
  cap: bigint;
  totalStaked: bigint;
}

/** Every asset of the registry, by id (ALT is asset 0). */
export async function listAssets(hre: HardhatRuntimeEnvironment, registry: RestakingRegistry): Promise<AssetInfo[]> {
  const count = Number(await registry.assetCount());
  const assets: AssetInfo[] = [];
  for (let id = 0; id < count; id++) {
    const a = await registry.asset(id);
    const token = await erc20(hre, a.token);
    assets.push({
      id,
      token: a.token,
      symbol: await token.symbol(),
      decimals: Number(await token.decimals()),
      weight: a.weight,
      cap: a.cap,
      totalStaked: a.totalStaked,
    });
  }
  return assets;
}

export const assetNames = (assets: AssetInfo[]) => assets.map((a) => `${a.id} ${a.symbol}`).join(", ");

/** An asset named by id ("1"), token symbol ("stETH", any case) or token address. */
export async function resolveAsset(
  hre: HardhatRuntimeEnvironment,
  registry: RestakingRegistry,
  ref: string,
): Promise<AssetInfo> {
  const assets = await listAssets(hre, registry);
  const text = String(ref).trim();
  let found: AssetInfo[];
  if (/^\d+$/.test(text)) found = assets.filter((a) => a.id === Number(text));
  else if (isAddress(String(text))) found = assets.filter((a) => a.token === getAddress(text));
  else found = assets.filter((a) => a.symbol.toLowerCase() === text.toLowerCase());
  if (found.length === 0) fail(`unknown asset ${text} (assets: ${assetNames(assets)})`);
  if (found.length > 1) {
    fail(`asset symbol ${text} is ambiguous (ids ${found.map((a) => a.id).join(", ")}): name it by id or address`);
  }
  return found[0];
}

export const formatAsset = (asset: AssetInfo, wei: bigint) => formatToken(wei, asset.decimals, asset.symbol);

// ------------------------------------------------------------------ events

/** The events `contract` emitted in the transaction `tx`, parsed, in log order. */
export async function eventsOf(
  hre: HardhatRuntimeEnvironment,
  tx: TxReport,
  contract: BaseContract,
  name: string,
): Promise<LogDescription[]> {
  const receipt = (await hre.ethers.provider.getTransactionReceipt(tx.hash))!;
  const address = await contract.getAddress();
  return receipt.logs
    .filter((log: Log) => log.address === address)
    .map((log: Log) => contract.interface.parseLog(log))
    .filter((parsed): parsed is LogDescription => parsed !== null && parsed.name === name);
}

/** A withdrawal as the registry hashes it (the struct completeUnstake takes). */
export interface Withdrawal {
  staker: string;
  operator: string;
  assetId: bigint;
  shares: bigint;
  unlockAt: bigint;
  nonce: bigint;
}

export interface RequestedWithdrawal {
  root: string;
  withdrawal: Withdrawal;
}

/** A plain copy of a withdrawal struct (from an event's or a call's result). */
export function toWithdrawal(w: Withdrawal): Withdrawal {
  return {
    staker: w.staker,
    operator: w.operator,
    assetId: w.assetId,
    shares: w.shares,
    unlockAt: w.unlockAt,
    nonce: w.nonce,
  };
}

/**
 * Every withdrawal requested (UnstakeRequested events), oldest first, optionally only those of `staker` or the one with
 * `root`. The event carries the whole struct, so a withdrawal can always be completed from the chain's logs alone.
 */
export async function requestedWithdrawals(
  registry: RestakingRegistry,
  filter: { staker?: string; root?: string } = {},
): Promise<RequestedWithdrawal[]> {
  const events = await registry.queryFilter(registry.filters.UnstakeRequested(filter.root), await scanStart());
  return events
    .map((e) => ({ root: e.args.root.toLowerCase(), withdrawal: toWithdrawal(e.args.withdrawal) }))
    .filter((r) => filter.staker === undefined || r.withdrawal.staker === filter.staker);
}

/** The (operator, asset) pools `staker` ever staked into (registry Staked events), first stake first. */
export async function stakedPools(
  registry: RestakingRegistry,
  staker: string,
): Promise<{ operator: string; assetId: bigint }[]> {
  const events = await registry.queryFilter(registry.filters.Staked(staker), await scanStart());
  const seen = new Set<string>();
  const pools: { operator: string; assetId: bigint }[] = [];
  for (const e of events) {
    const key = `${e.args.operator}/${e.args.assetId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    pools.push({ operator: e.args.operator, assetId: e.args.assetId });
  }
  return pools;
}
