// Operator tasks: register, inspect, change the commission.
import { scanFrom } from "./lib/addressBook";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { confirm, fail, formatAlt, output, signerFor, txLine, areaTask } from "./lib/cli";
import {
  eventsOf,
  formatAsset,
  formatBps,
  formatWhen,
  latestTime,
  listAssets,
  operatorSets,
  parseOperator,
  parseWhole,
  restakingRegistry,
  type AssetInfo,
} from "./lib/restaking";
import { formatSetId, refusalExplainer, setNames, type SetNames } from "./lib/sets";
import type { RestakingRegistry } from "../typechain-types";

/** The commission is given in basis points: 100 bps = 1 %, at most the registry's MAX_COMMISSION_BPS (2000 = 20 %). */
async function parseCommission(registry: RestakingRegistry, value: string): Promise<number> {
  const max = Number(await registry.MAX_COMMISSION_BPS());
  const text = String(value).trim();
  if (!/^\d+$/.test(text) || Number(text) > max) {
    fail(`--commission must be a whole number of bps from 0 to ${max} (100 bps = 1 %), not ${text}`);
  }
  return Number(text);
}

export interface PoolView {
  assetId: number;
  symbol: string;
  token: string;
  totalShares: bigint;
  queuedShares: bigint;
  activeShares: bigint;
  totalAssets: bigint;
  /** What the active (not queued) shares are worth now. */
  activeAssets: bigint;
  /** What the queued shares are worth now (they stay slashable until completed). */
  queuedAssets: bigint;
}

export interface OperatorInfo {
  operator: string;
  registered: boolean;
  metadataURI: string;
  commission: { bps: bigint; pending: { bps: bigint; effectiveAt: number } | null };
  pools: PoolView[];
  /** ALT-equivalent stake: active pool value times asset weight. */
  stake: bigint;
  pendingSlashes: bigint;
  jailed: boolean;
}

async function poolView(registry: RestakingRegistry, operator: string, asset: AssetInfo): Promise<PoolView> {
  const p = await registry.pool(operator, asset.id);
  const activeShares = p.totalShares - p.queuedShares;
  return {
    assetId: asset.id,
    symbol: asset.symbol,
    token: asset.token,
    totalShares: p.totalShares,
    queuedShares: p.queuedShares,
    activeShares,
    totalAssets: p.totalAssets,
    activeAssets: activeShares === 0n ? 0n : await registry.sharesToAmount(operator, asset.id, activeShares),
    queuedAssets: p.queuedShares === 0n ? 0n : await registry.sharesToAmount(operator, asset.id, p.queuedShares),
  };
}

/** Everything the registry knows of `operator`; pending changes and the metadata URI come from its latest events. */
export async function describeOperator(hre: HardhatRuntimeEnvironment, operator: string): Promise<OperatorInfo> {
  const registry = await restakingRegistry(hre);
  const now = await latestTime(hre);
  const latest = <T extends { blockNumber: number; index: number }>(events: T[]): T | undefined =>
    [...events].sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index).pop();

  const uriEvent = latest([
    ...(await registry.queryFilter(registry.filters.OperatorRegistered(operator))),
    ...(await registry.queryFilter(registry.filters.OperatorMetadataURIUpdated(operator))),
  ]);
  const commissionEvent = latest(await registry.queryFilter(registry.filters.CommissionChanged(operator)));
  const pendingCommission =
    commissionEvent && Number(commissionEvent.args.effectiveAt) > now
      ? { bps: commissionEvent.args.bps, effectiveAt: Number(commissionEvent.args.effectiveAt) }
      : null;

  const pools: PoolView[] = [];
  for (const asset of await listAssets(hre, registry)) pools.push(await poolView(registry, operator, asset));
  const pendingSlashes = await registry.pendingSlashes(operator);
  return {
    operator,
    registered: true,
    metadataURI: uriEvent?.args.metadataURI ?? "",
    commission: { bps: await registry.commissionOf(operator), pending: pendingCommission },
    pools,
    stake: await registry.operatorStake(operator),
    pendingSlashes,
    jailed: pendingSlashes !== 0n,
  };
}

function infoLines(info: OperatorInfo, assets: AssetInfo[], now: number): string[] {
  const { commission } = info;
  return [
    `operator ${info.operator}${info.jailed ? ` (jailed: ${info.pendingSlashes} pending slash requests)` : ""}`,
    `  metadata    ${info.metadataURI}`,
    `  commission  ${formatBps(commission.bps)}` +
      (commission.pending
        ? `, ${formatBps(commission.pending.bps)} from ${formatWhen(commission.pending.effectiveAt, now)}`
        : ""),
    `  stake       ${formatAsset(assets[0], info.stake)} (ALT-equivalent, active)`,
    ...info.pools.map((p) => {
      const asset = assets[p.assetId];
      return (
        `  pool ${p.assetId} ${p.symbol}: ${formatAsset(asset, p.totalAssets)} in ${p.totalShares} shares` +
        ` (active ${formatAsset(asset, p.activeAssets)} in ${p.activeShares};` +
        ` queued ${formatAsset(asset, p.queuedAssets)} in ${p.queuedShares})`
      );
    }),
  ];
}

areaTask("operator register", "Registers the sender as an operator")
  .addParam("uri", "Metadata URI (name, website, contact)")
  .addParam("commission", "Commission on rewards in basis points: 100 = 1 %, at most 2000 (20 %)")
  .addOptionalParam("from", "Acting account, the operator (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { uri: string; commission: string; from?: string; json: boolean }, hre) => {
    const registry = await restakingRegistry(hre);
    const commissionBps = await parseCommission(registry, args.commission);
    const signer = await signerFor(hre, args.from);
    const operator = await signer.getAddress();
    if (await registry.isOperator(operator)) fail(`${operator} is a registered operator already`);

    const tx = await confirm(
      registry.connect(signer).registerOperator(args.uri, commissionBps),
      await refusalExplainer(hre),
    );
    const result = { operator, metadataURI: args.uri, commissionBps, tx };
    return output(args.json, result, () => [
      txLine(`registered operator ${operator}`, tx),
      `  commission ${formatBps(commissionBps)}`,
      `  metadata ${args.uri}`,
    ]);
  });

areaTask("operator info", "Shows an operator: commission, pools, stake, pending slashes, metadata URI")
  .addParam("operator", "Operator address")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { operator: string; json: boolean }, hre) => {
    const registry = await restakingRegistry(hre);
    const operator = await parseOperator(registry, args.operator);
    const info = await describeOperator(hre, operator);
    const assets = await listAssets(hre, registry);
    const now = await latestTime(hre);
    return output(args.json, info, () => infoLines(info, assets, now));
  });

areaTask(
  "operator set-commission",
  "Changes the sender's commission (basis points): a decrease applies at once, an increase after the commission delay",
)
  .addParam("commission", "New commission in basis points: 100 = 1 %, at most 2000 (20 %)")
  .addOptionalParam("from", "Acting account, the operator (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { commission: string; from?: string; json: boolean }, hre) => {
    const registry = await restakingRegistry(hre);
    const bps = await parseCommission(registry, args.commission);
    const signer = await signerFor(hre, args.from);
    const operator = await signer.getAddress();
    if (!(await registry.isOperator(operator))) fail(`${operator} is not a registered operator`);
    const previousBps = await registry.commissionOf(operator);

    const tx = await confirm(registry.connect(signer).setCommission(bps), await refusalExplainer(hre));
    const [changed] = await eventsOf(hre, tx, registry, "CommissionChanged");
    const effectiveAt = Number(changed.args.effectiveAt);
    const now = await latestTime(hre);
    const result = { operator, previousBps, bps, effectiveAt, immediate: BigInt(bps) <= previousBps, tx };
    return output(args.json, result, () => [
      txLine(
        `commission of ${operator}: ${formatBps(previousBps)} -> ${formatBps(bps)}` +
          (result.immediate ? " (in force now)" : ` from ${formatWhen(effectiveAt, now)}`),
        tx,
      ),
    ]);
  });

/** An asset's stake in its own units and what it counts for in ALT (its weight: 1e18 = 1:1; ALT is 1:1). */
export interface StakeView {
  assetId: number;
  symbol: string;
  /** Active (not queued) value of the pool, in the asset's units. */
  amount: bigint;
  /** What `amount` counts for, in ALT wei. */
  altValue: bigint;
}

/** A set the operator is in (or is leaving), with its allocation. */
export interface OperatorSetView {
  setId: bigint;
  /** Short name ("MACH/5002"), null for a set no service of the deployment knows. */
  set: string | null;
  member: boolean;
  allocated: bigint;
  /** Deallocated and still slashable until `freeAt`. */
  pendingFree: bigint;
  freeAt: number;
  /** When a requested leave can be completed (0: none). */
  leaveAt: number;
  /** Jailed in the set until then (0: never; in the past: no longer). */
  jailedUntil: number;
}

export interface OperatorListEntry extends OperatorInfo {
  stakes: StakeView[];
  sets: OperatorSetView[];
}

const WEIGHT_UNIT = 10n ** 18n;

/** The sets `operator` is in or leaving (OperatorSets.setsOf), with allocations, leave and jail times. */
export async function setsOfOperator(
  hre: HardhatRuntimeEnvironment,
  operator: string,
  names: SetNames,
): Promise<OperatorSetView[]> {
  const sets = await operatorSets(hre);
  const views: OperatorSetView[] = [];
  for (const setId of await sets.setsOf(operator)) {
    const [m, a] = await Promise.all([sets.membership(setId, operator), sets.allocation(setId, operator)]);
    views.push({
      setId,
      set: names.byId.get(setId)?.name ?? null,
      member: m.member,
      allocated: a.allocated,
      pendingFree: a.pendingFree,
      freeAt: Number(a.freeAt),
      leaveAt: Number(m.leaveAt),
      jailedUntil: Number(m.jailedUntil),
    });
  }
  return views;
}

function listLines(entries: OperatorListEntry[], assets: AssetInfo[], names: SetNames, now: number): string[] {
  if (entries.length === 0) return ["no registered operators"];
  return entries.flatMap((e) => {
    const { commission } = e;
    return [
      `operator ${e.operator}${e.jailed ? ` (jailed: ${e.pendingSlashes} pending slash requests)` : ""}` +
        (e.metadataURI === "" ? "" : ` ${e.metadataURI}`),
      `  commission ${formatBps(commission.bps)}` +
        (commission.pending
          ? `, ${formatBps(commission.pending.bps)} from ${formatWhen(commission.pending.effectiveAt, now)}`
          : ""),
      `  stake ${formatAlt(e.stake)} (ALT-equivalent, active)` +
        (e.stakes.length === 0
          ? ""
          : ": " +
            e.stakes
              .map((s) =>
                s.assetId === 0
                  ? formatAsset(assets[0], s.amount)
                  : `${formatAsset(assets[s.assetId], s.amount)} (${formatAlt(s.altValue)})`,
              )
              .join(", ")),
      ...(e.sets.length === 0
        ? ["  in no set"]
        : e.sets.map(
            (s) =>
              `  set ${formatSetId(s.setId, names)}: ${formatAlt(s.allocated)} allocated` +
              (s.pendingFree > 0n
                ? `, ${formatAlt(s.pendingFree)} deallocated (slashable until ${formatWhen(s.freeAt, now)})`
                : "") +
              (s.member
                ? ""
                : s.leaveAt > 0
                  ? `, leaving (complete from ${formatWhen(s.leaveAt, now)})`
                  : ", not a member") +
              (s.jailedUntil > now ? `, jailed until ${formatWhen(s.jailedUntil, now)}` : ""),
          )),
    ];
  });
}

areaTask(
  "operator list",
  "Lists every registered operator (from the registry's events): stake per asset and its ALT value, commission, " +
    "the sets it is in with their allocations, and whether it is jailed",
)
  .addOptionalParam("fromBlock", "Read the registrations from this block on (default: 0)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { fromBlock?: string; json: boolean }, hre) => {
    const registry = await restakingRegistry(hre);
    const fromBlock = args.fromBlock === undefined ? 0 : Number(parseWhole(args.fromBlock, "--from-block"));
    const latest = await hre.ethers.provider.getBlockNumber();
    if (fromBlock > latest) fail(`--from-block ${fromBlock} is past the latest block ${latest}`);
    const events = await registry.queryFilter(registry.filters.OperatorRegistered(), await scanFrom(hre, fromBlock));
    const operators = [...new Set(events.map((e) => e.args.operator))];
    const assets = await listAssets(hre, registry);
    const names = await setNames(hre);
    const now = await latestTime(hre);
    const entries: OperatorListEntry[] = [];
    for (const operator of operators) {
      const info = await describeOperator(hre, operator);
      const stakes = info.pools
        .filter((p) => p.activeAssets > 0n)
        .map((p) => ({
          assetId: p.assetId,
          symbol: p.symbol,
          amount: p.activeAssets,
          altValue: p.assetId === 0 ? p.activeAssets : (p.activeAssets * assets[p.assetId].weight) / WEIGHT_UNIT,
        }));
      entries.push({ ...info, stakes, sets: await setsOfOperator(hre, operator, names) });
    }
    return output(args.json, entries, () => listLines(entries, assets, names, now));
  });
