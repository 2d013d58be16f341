// Slashing tasks: list requests, veto one (the security council), execute one after its veto window, claim the
// proceeds of executed slashes (reporters, the treasury), burn the slashed ALT they set aside.
import { scanStart } from "./lib/addressBook";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { confirm, fail, output, parseAddress, preflight, signerFor, txLine, type TxReport, areaTask } from "./lib/cli";
import {
  eventsOf,
  formatAsset,
  formatBps,
  formatWhen,
  latestTime,
  listAssets,
  parseOperator,
  parseWhole,
  restakingRegistry,
  slashingManager,
} from "./lib/restaking";
import type { SlashingManager } from "../typechain-types";
import { formatSetId, refusalExplainer, setNames, type SetNames } from "./lib/sets";

/** ISlashingManager.Status, by value. */
export const STATUS = ["none", "pending", "vetoed", "executed"] as const;
export type SlashStatus = (typeof STATUS)[number];

export interface SlashRequestView {
  id: number;
  status: SlashStatus;
  operator: string;
  /** The operator set whose allocation the request slashes (the slasher's own set). */
  setId: bigint;
  /** The set's short name ("MACH/5002"), null for a set no service of the deployment knows. */
  set: string | null;
  bps: bigint;
  slasher: string;
  reason: string;
  evidenceHash: string;
  reporter: string;
  requestedAt: number;
  executableAt: number;
  /** Pending and past its veto window: anyone may execute it now. */
  executable: boolean;
}

export interface SlashAmount {
  assetId: number;
  symbol: string;
  amount: bigint;
  reporterAmount: bigint;
}

async function describeRequests(hre: HardhatRuntimeEnvironment, manager: SlashingManager, names: SetNames) {
  const now = await latestTime(hre);
  const events = new Map(
    (await manager.queryFilter(manager.filters.SlashRequested(), await scanStart())).map((e) => [
      Number(e.args.requestId),
      e.args,
    ]),
  );
  const count = Number(await manager.requestCount());
  const views: SlashRequestView[] = [];
  for (let id = 0; id < count; id++) {
    const r = await manager.request(id);
    const event = events.get(id);
    const status = STATUS[Number(r.status)];
    views.push({
      id,
      status,
      operator: r.operator,
      setId: r.setId,
      set: names.byId.get(r.setId)?.name ?? null,
      bps: r.bps,
      slasher: event?.slasher ?? "",
      reason: event?.reason ?? "",
      evidenceHash: event?.evidenceHash ?? "",
      reporter: r.reporter,
      requestedAt: Number(r.requestedAt),
      executableAt: Number(r.executableAt),
      executable: status === "pending" && now >= Number(r.executableAt),
    });
  }
  return views;
}

/** A request by --id, refused unless it exists and is pending. */
async function pendingRequest(hre: HardhatRuntimeEnvironment, manager: SlashingManager, value: string) {
  const id = parseWhole(value, "--id");
  const count = await manager.requestCount();
  if (id >= count) fail(`unknown slash request ${id} (there are ${count})`);
  const request = await manager.request(id);
  const status = STATUS[Number(request.status)];
  if (status !== "pending") fail(`slash request ${id} is ${status}, not pending`);
  return { id, request };
}

areaTask("slash list", "Lists slash requests: status, operator, set, bps, executable time, reporter")
  .addOptionalParam("operator", "Only requests against this operator")
  .addFlag("pending", "Only pending requests")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { operator?: string; pending: boolean; json: boolean }, hre) => {
    const manager = await slashingManager(hre);
    const operator =
      args.operator === undefined ? undefined : await parseOperator(await restakingRegistry(hre), args.operator);
    const names = await setNames(hre);
    const now = await latestTime(hre);
    const views = (await describeRequests(hre, manager, names)).filter(
      (v) => (operator === undefined || v.operator === operator) && (!args.pending || v.status === "pending"),
    );
    return output(args.json, views, () =>
      views.length === 0
        ? ["no slash requests"]
        : views.map(
            (v) =>
              `#${v.id} ${v.status}${v.executable ? " (executable)" : ""}: ${formatBps(v.bps)} of ${v.operator}` +
              `'s allocation to set ${formatSetId(v.setId, names)}, executable from ${formatWhen(v.executableAt, now)}` +
              `, reporter ${v.reporter}, slasher ${v.slasher}`,
          ),
    );
  });

areaTask("slash veto", "Vetoes a pending slash request within its veto window (the vetoer, the security council, only)")
  .addParam("id", "Slash request id")
  .addOptionalParam("from", "Acting account, the vetoer (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { id: string; from?: string; json: boolean }, hre) => {
    const manager = await slashingManager(hre);
    const { id, request } = await pendingRequest(hre, manager, args.id);
    const signer = await signerFor(hre, args.from);
    const sender = await signer.getAddress();
    const vetoer = await manager.vetoer();
    if (sender !== vetoer) fail(`${sender} is not the vetoer: only ${vetoer} (the security council) vetoes`);
    // the veto is mined in a later block than the latest: from executableAt - 1 on, it would come too late
    const now = await latestTime(hre);
    if (now + 1 >= Number(request.executableAt)) {
      fail(`the veto window of slash request ${id} closed at ${formatWhen(request.executableAt, now)}`);
    }
    const tx = await confirm(manager.connect(signer).veto(id), await refusalExplainer(hre));
    const result = { id: Number(id), operator: request.operator, bps: request.bps, vetoer, tx };
    return output(args.json, result, () => [
      txLine(`vetoed slash request #${id} (${formatBps(request.bps)} of ${request.operator})`, tx),
    ]);
  });

areaTask("slash execute", "Executes a pending slash request once its veto window has passed (anyone)")
  .addParam("id", "Slash request id")
  .addOptionalParam("from", "Acting account (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { id: string; from?: string; json: boolean }, hre) => {
    const manager = await slashingManager(hre);
    const { id, request } = await pendingRequest(hre, manager, args.id);
    const now = await latestTime(hre);
    if (now < Number(request.executableAt)) {
      fail(`slash request ${id} is executable from ${formatWhen(request.executableAt, now)}`);
    }
    const signer = await signerFor(hre, args.from);
    const registry = await restakingRegistry(hre);
    const assets = await listAssets(hre, registry);
    const tx: TxReport = await confirm(manager.connect(signer).execute(id), await refusalExplainer(hre));
    const amounts: SlashAmount[] = (await eventsOf(hre, tx, registry, "PoolSlashed")).map((e) => ({
      assetId: Number(e.args.assetId),
      symbol: assets[Number(e.args.assetId)].symbol,
      amount: e.args.amount,
      reporterAmount: e.args.reporterAmount,
    }));
    const result = {
      id: Number(id),
      operator: request.operator,
      bps: request.bps,
      reporter: request.reporter,
      amounts,
      tx,
    };
    return output(args.json, result, () => [
      txLine(`executed slash request #${id}: ${formatBps(request.bps)} of ${request.operator}`, tx),
      ...amounts.map(
        (a) =>
          `  ${formatAsset(assets[a.assetId], a.amount)} slashed, ${formatAsset(assets[a.assetId], a.reporterAmount)} claimable by the reporter` +
          (a.assetId === 0 ? ", the rest set aside to burn (slash burn)" : ", the rest claimable by the treasury"),
      ),
    ]);
  });

export interface ProceedsClaim {
  assetId: number;
  symbol: string;
  amount: bigint;
  tx: TxReport;
}

areaTask(
  "slash claim",
  "Claims the sender's slash proceeds (reporter shares; the treasury's part of slashed non-ALT assets), every asset",
)
  .addOptionalParam("to", "Recipient (default: the acting account)")
  .addOptionalParam("from", "Acting account, the reporter or the treasury (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { to?: string; from?: string; json: boolean }, hre) => {
    const registry = await restakingRegistry(hre);
    const signer = await signerFor(hre, args.from);
    const account = await signer.getAddress();
    const to = args.to === undefined ? account : parseAddress(args.to, "--to");
    const assets = await listAssets(hre, registry);
    const owed = [];
    for (const asset of assets) {
      const amount = await registry.slashProceeds(account, asset.id);
      if (amount !== 0n) owed.push({ asset, amount });
    }
    if (owed.length === 0) fail(`nothing to claim: ${account} has no slash proceeds`);
    // every claim is checked before the first is sent
    for (const { asset } of owed) await preflight(registry.connect(signer).claimSlashProceeds.staticCall(asset.id, to));
    const claims: ProceedsClaim[] = [];
    for (const { asset, amount } of owed) {
      const tx = await confirm(registry.connect(signer).claimSlashProceeds(asset.id, to));
      claims.push({ assetId: asset.id, symbol: asset.symbol, amount, tx });
    }
    const result = { account, to, claims };
    return output(args.json, result, () =>
      claims.map((c) => txLine(`claimed ${formatAsset(assets[c.assetId], c.amount)} of slash proceeds to ${to}`, c.tx)),
    );
  });

areaTask("slash burn", "Burns the slashed ALT that executed slashes set aside (anyone)")
  .addOptionalParam("from", "Acting account (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { from?: string; json: boolean }, hre) => {
    const registry = await restakingRegistry(hre);
    const signer = await signerFor(hre, args.from);
    const amount = await registry.altToBurn();
    if (amount === 0n) fail("nothing to burn: no slashed ALT is set aside");
    await preflight(registry.connect(signer).burnSlashedAlt.staticCall());
    const tx: TxReport = await confirm(registry.connect(signer).burnSlashedAlt());
    const [alt] = await listAssets(hre, registry);
    return output(args.json, { amount, tx }, () => [txLine(`burned ${formatAsset(alt, amount)} of slashed ALT`, tx)]);
  });
