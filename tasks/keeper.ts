// Keeper tasks: one command for every permissionless duty that is due (tasks/lib/keeper.ts): one pass (keeper tick),
// a loop of passes (keeper run, stopped by Ctrl-C after the current pass), or one duty (keeper <duty>).
import { scanFrom } from "./lib/addressBook";
import type { ConfigurableTaskDefinition, HardhatRuntimeEnvironment } from "hardhat/types";
import type { Signer } from "ethers";
import { failureLine, fail, formatTime, output, parseSeconds, signerFor, txLine, areaTask } from "./lib/cli";
import { parseWhole } from "./lib/restaking";
import {
  availableDuties,
  DUTIES,
  isAction,
  parseDuties,
  tick,
  type Duty,
  type KeeperOptions,
  type TickResult,
} from "./lib/keeper";

interface CommonArgs {
  from?: string;
  fromBlock: string;
  maxActions: string;
  streamWindow: string;
  settleLag: string;
  settleSteps: string;
  json: boolean;
}

const DESCRIPTIONS: Record<Duty, string> = {
  seeds:
    "Commits the next epoch's SQUAD seed of each SQUAD rollup if nothing has, or reveals it in the committed block",
  "stream-fees": "Streams each rollup's fees in the last --stream-window of the epoch, once per epoch",
  resolve: "Resolves VITAL challenges past their deadline, and retries deferred invalidations",
  "report-voters":
    'Reports the "valid" voters of VITAL challenges that invalidated their output (the keeper as reporter)',
  finalize: "Finalizes optimistic outputs past their challenge period with no open challenge, in order",
  "execute-slashes": "Executes slash requests past their veto window",
  "recover-slashes":
    "Moves into each rollup's portal the ALT its MACH signers' invalid-certificate slashes credited to it",
  "report-misses": "Reports SQUAD slots their leader left empty (reportable, leader not excused)",
  "force-include":
    "Forces overdue queue items into rollups (the fees to the keeper; on SQUAD rollups once censorship is provable)",
  "report-censorship": "Reports the SQUAD leaders of slots that skipped a queue item later forced in",
  "settle-rollups": "Settles (retires) ephemeral rollups past their settlement window",
  "settle-rewards": "Settles the rewards of (operator, set) pairs at least --settle-lag epochs behind",
};

function withCommonParams(definition: ConfigurableTaskDefinition): ConfigurableTaskDefinition {
  return definition
    .addOptionalParam("from", "Account to act as (default: the first account)")
    .addOptionalParam(
      "fromBlock",
      "Block from which events are scanned (challenges, slash requests, faults, allocations)",
      "0",
    )
    .addOptionalParam("maxActions", "Most transactions one pass sends (the rest waits for the next)", "50")
    .addOptionalParam("streamWindow", "stream-fees: how long before an epoch's end fees are streamed", "10m")
    .addOptionalParam("settleLag", "settle-rewards: epochs a pair's settlement may lag before it is settled", "1")
    .addOptionalParam("settleSteps", "settle-rewards: the most allocation or unit changes one settlement walks", "64")
    .addFlag("json", "Print the result as JSON");
}

async function parseOptions(
  hre: HardhatRuntimeEnvironment,
  args: CommonArgs,
  duties: Duty[],
  explicit: boolean,
): Promise<KeeperOptions> {
  return {
    duties,
    explicit,
    fromBlock: await scanFrom(hre, Number(parseWhole(args.fromBlock, "--from-block"))),
    maxActions: Number(parseWhole(args.maxActions, "--max-actions", { positive: true })),
    streamWindow: parseSeconds(args.streamWindow, "--stream-window"),
    settleLag: parseWhole(args.settleLag, "--settle-lag"),
    settleSteps: parseWhole(args.settleSteps, "--settle-steps", { positive: true }),
  };
}

/** The lines of one pass: one per transaction (with its gas) or refusal; says so when nothing was due. */
export function tickLines(result: TickResult): string[] {
  const lines = result.unavailable.map((u) => `${u.duty}: left out (${u.reason})`);
  for (const r of result.records) {
    lines.push(isAction(r) ? txLine(`${r.duty}: ${r.what}`, r.tx) : `${r.duty}: ${r.what}: skipped (${r.skipped})`);
  }
  if (result.records.length === 0) {
    lines.push(`nothing due at block ${result.block} (${formatTime(result.time)}): nothing sent`);
  }
  if (result.truncated) lines.push(`--max-actions reached after ${result.sent} transactions: the rest waits`);
  return lines;
}

withCommonParams(
  areaTask("keeper tick", "One pass over every keeper duty (or --duties): what is due is simulated, then sent"),
)
  .addOptionalParam("duties", `Comma-separated duties (default: all): ${DUTIES.join(", ")}`)
  .setAction(async (args: CommonArgs & { duties?: string }, hre) => {
    const duties = args.duties === undefined ? [...DUTIES] : parseDuties(args.duties);
    const options = await parseOptions(hre, args, duties, args.duties !== undefined);
    const result = await tick(hre, await signerFor(hre, args.from), options);
    return output(args.json, result, () => tickLines(result));
  });

for (const duty of DUTIES) {
  withCommonParams(areaTask(`keeper ${duty}`, `Keeper duty: ${DESCRIPTIONS[duty]}`)).setAction(
    async (args: CommonArgs, hre) => {
      const result = await tick(hre, await signerFor(hre, args.from), await parseOptions(hre, args, [duty], true));
      return output(args.json, result, () => tickLines(result));
    },
  );
}

export interface RunResult {
  /** Passes made. */
  ticks: number;
  /** Transactions sent over all passes. */
  sent: number;
  /** Each pass, kept when --ticks bounds the run. */
  results: TickResult[];
}

withCommonParams(
  areaTask(
    "keeper run",
    "Runs keeper passes every --interval until Ctrl-C (which stops after the current pass) or --ticks passes",
  ),
)
  .addOptionalParam("duties", `Comma-separated duties (default: all): ${DUTIES.join(", ")}`)
  .addOptionalParam("interval", "Time from the start of one pass to the next (human durations: 30s, 1m)", "60s")
  .addOptionalParam("ticks", "Stop after this many passes (default: run until Ctrl-C)")
  .setAction(async (args: CommonArgs & { duties?: string; interval: string; ticks?: string }, hre) => {
    const duties = args.duties === undefined ? [...DUTIES] : parseDuties(args.duties);
    const options = await parseOptions(hre, args, duties, args.duties !== undefined);
    const interval = parseSeconds(args.interval, "--interval");
    if (interval === 0) fail("--interval must be at least 1s");
    const limit = args.ticks === undefined ? undefined : Number(parseWhole(args.ticks, "--ticks", { positive: true }));
    const signer: Signer = await signerFor(hre, args.from);
    await availableDuties(hre, options); // a duty named whose contracts are not deployed fails now, not every pass
    const run: RunResult = { ticks: 0, sent: 0, results: [] };
    let stopping = false;
    let wake: (() => void) | undefined;
    const stop = () => {
      stopping = true;
      wake?.();
      if (!args.json) console.error("stopping after the current pass (Ctrl-C again stops at once)");
    };
    process.once("SIGINT", stop);
    try {
      if (!args.json) {
        console.log(
          `keeper ${await signer.getAddress()} on ${hre.network.name}: ${duties.join(", ")} every ${interval}s` +
            (limit === undefined ? " (Ctrl-C stops)" : `, ${limit} passes`),
        );
      }
      while (!stopping && (limit === undefined || run.ticks < limit)) {
        const started = Date.now();
        run.ticks++;
        try {
          const result = await tick(hre, signer, options);
          run.sent += result.sent;
          if (limit !== undefined) run.results.push(result);
          if (args.json) {
            console.log(JSON.stringify(result, (_, v) => (typeof v === "bigint" ? v.toString() : v)));
          } else {
            console.log(`pass ${run.ticks} at block ${result.block} (${formatTime(result.time)}):`);
            for (const line of tickLines(result)) console.log(`  ${line}`);
          }
        } catch (error) {
          // a long-running keeper outlives a node's hiccup: the pass is reported and the next one comes
          console.error(`pass ${run.ticks} failed: ${failureLine(error)}`);
        }
        if (stopping || (limit !== undefined && run.ticks >= limit)) break;
        const wait = Math.max(0, interval * 1000 - (Date.now() - started));
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    } finally {
      process.removeListener("SIGINT", stop);
    }
    if (!args.json) console.log(`keeper stopped after ${run.ticks} passes: ${run.sent} transactions sent`);
    return run;
  });
