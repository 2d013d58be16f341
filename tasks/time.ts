// Moving a local Hardhat chain's clock: votes, the timelock, vesting and withdrawals wait for time.
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { fail, formatTime, isHardhatChain, output, parseSeconds, relativeTime, areaTask } from "./lib/cli";

/** ISO 8601 with its zone, a bare date (UTC midnight), or unix seconds. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2}))?$/;

/** `--to` as unix seconds. */
export function parseTime(value: string, what: string): number {
  const text = value.trim();
  const seconds = /^\d+$/.test(text) ? Number(text) : ISO_TIME.test(text) ? Date.parse(text) / 1000 : NaN;
  if (!Number.isSafeInteger(seconds)) {
    fail(`${what} must be an ISO 8601 time with its zone (2030-01-31T12:00:00Z), a date or unix seconds, not ${text}`);
  }
  return seconds;
}

interface BlockTime {
  block: number;
  timestamp: number;
}

async function latestBlock(hre: HardhatRuntimeEnvironment): Promise<BlockTime> {
  const block = (await hre.ethers.provider.getBlock("latest"))!;
  return { block: block.number, timestamp: block.timestamp };
}

areaTask("time advance", "Moves a local Hardhat chain's time forward and mines a block at the new time")
  .addOptionalParam("by", "How far to move, e.g. 7d, 2h, 30m or seconds")
  .addOptionalParam("to", "When to move to: an ISO 8601 time (2030-01-31T12:00:00Z), a date, or unix seconds")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { by?: string; to?: string; json: boolean }, hre) => {
    if ((args.by === undefined) === (args.to === undefined)) fail("pass either --by <duration> or --to <time>");
    const by = args.by === undefined ? undefined : parseSeconds(args.by, "--by");
    if (by === 0) fail("--by must be longer than 0s");
    const to = args.to === undefined ? undefined : parseTime(args.to, "--to");
    if (!(await isHardhatChain(hre))) fail("time advance moves time only on a local Hardhat chain");
    const previous = await latestBlock(hre);
    const timestamp = to ?? previous.timestamp + by!;
    if (timestamp <= previous.timestamp) {
      fail(
        `--to ${formatTime(timestamp)} is not after the latest block ${previous.block} at ` +
          `${formatTime(previous.timestamp)}: time only moves forward`,
      );
    }
    await hre.network.provider.send("evm_setNextBlockTimestamp", [timestamp]);
    await hre.network.provider.send("evm_mine");
    const latest = await latestBlock(hre);
    const result = { ...latest, advanced: latest.timestamp - previous.timestamp, previous };
    return output(args.json, result, () => [
      `block ${latest.block} at ${formatTime(latest.timestamp)}`,
      `  previous block ${previous.block} at ${formatTime(previous.timestamp)} ` +
        `(${relativeTime(previous.timestamp, latest.timestamp)})`,
    ]);
  });
