// Durations for tests, the same units the parameter files use.
export { MINUTE, HOUR, DAY, MONTH, YEAR } from "../../deploy/lib/units";
import { DAY, MONTH } from "../../deploy/lib/units";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { OperatorSets } from "../../typechain-types";

export const days = (n: number) => n * DAY;
export const months = (n: number) => n * MONTH;

/** Moves the chain to the start of the next epoch of `sets` (allocations made before it count from then on); returns it. */
export async function nextEpoch(sets: Pick<OperatorSets, "currentEpoch" | "epochStart">): Promise<bigint> {
  const epoch = (await sets.currentEpoch()) + 1n;
  await time.increaseTo(await sets.epochStart(epoch));
  return epoch;
}
