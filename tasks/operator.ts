// Operator tasks: register, inspect, change the commission.
import { task } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { confirm, fail, formatTime, output, signerFor, txLine } from "./lib/cli";
import {
  eventsOf,
  formatAsset,
  formatBps,
  latestTime,
  listAssets,
  parseOperator,
  restakingRegistry,
  type AssetInfo,
} from "./lib/restaking";
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

function infoLines(info: OperatorInfo, assets: AssetInfo[]): string[] {
  const { commission } = info;
  return [
    `operator ${info.operator}${info.jailed ? ` (jailed: ${info.pendingSlashes} pending slash requests)` : ""}`,
    `  metadata    ${info.metadataURI}`,
    `  commission  ${formatBps(commission.bps)}` +
      (commission.pending
        ? `, ${formatBps(commission.pending.bps)} from ${formatTime(commission.pending.effectiveAt)}`
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

task("operator:register", "Registers the sender as an operator")
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

    const tx = await confirm(registry.connect(signer).registerOperator(args.uri, commissionBps));
    const result = { operator, metadataURI: args.uri, commissionBps, tx };
    return output(args.json, result, () => [
      txLine(`registered operator ${operator}`, tx),
      `  commission ${formatBps(commissionBps)}`,
      `  metadata ${args.uri}`,
    ]);
  });

task("operator:info", "Shows an operator: commission, pools, stake, pending slashes, metadata URI")
  .addParam("operator", "Operator address")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { operator: string; json: boolean }, hre) => {
    const registry = await restakingRegistry(hre);
    const operator = await parseOperator(registry, args.operator);
    const info = await describeOperator(hre, operator);
    const assets = await listAssets(hre, registry);
    return output(args.json, info, () => infoLines(info, assets));
  });

task(
  "operator:set-commission",
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

    const tx = await confirm(registry.connect(signer).setCommission(bps));
    const [changed] = await eventsOf(hre, tx, registry, "CommissionChanged");
    const effectiveAt = Number(changed.args.effectiveAt);
    const result = { operator, previousBps, bps, effectiveAt, immediate: BigInt(bps) <= previousBps, tx };
    return output(args.json, result, () => [
      txLine(
        `commission of ${operator}: ${formatBps(previousBps)} -> ${formatBps(bps)}` +
          (result.immediate ? " (in force now)" : ` from ${formatTime(effectiveAt)}`),
        tx,
      ),
    ]);
  });
