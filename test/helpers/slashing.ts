// The set-scoped slash formula, computed in the tests from chain state read before an execution.
import type { OperatorSets, RestakingRegistry } from "../../typechain-types";

const BPS = 10_000n;
const WEIGHT_UNIT = 10n ** 18n;

/** What executing a request takes, by the set-scoped formula, from the state read before the execution. */
export interface ExpectedSlash {
  /** floor(allocated * bps / 10,000), at most maxValue */
  fromAllocated: bigint;
  /** floor(pendingFree * bps / 10,000) if the deallocation was not yet free when the request was made (else 0), at
   *  most what maxValue leaves */
  fromPending: bigint;
  /** fromAllocated + fromPending, at most bps of the pools' total value */
  value: bigint;
  /** totalAssets of each of the operator's pools (queued shares included) */
  totals: bigint[];
  /** the pools' ALT-equivalent value */
  totalValue: bigint;
  /** mulDiv(totals[i], value, totalValue) */
  amounts: bigint[];
  /** ALT-equivalent value of the amounts taken */
  takenValue: bigint;
}

/** Each asset's weight (ALT's is 1e18 for good). */
export async function weightsOf(registry: RestakingRegistry): Promise<bigint[]> {
  const count = Number(await registry.assetCount());
  const weights: bigint[] = [];
  for (let i = 0; i < count; i++) weights.push(i === 0 ? WEIGHT_UNIT : (await registry.asset(i)).weight);
  return weights;
}

/**
 * The set-scoped slash of `bps` of `operator`'s allocation to `setId` by a request made at `requestedAt` when
 * `slashable` was at stake there (the request's `slashable`; omitted: no such bound): the operator sets cut
 * fromAllocated = min(floor(allocated * bps / 1e4), maxValue) and fromPending = (freeAt > requestedAt ?
 * floor(pendingFree * bps / 1e4) : 0) within what maxValue leaves, maxValue = floor(slashable * bps / 1e4); the
 * registry takes their sum, at most floor(totalValue * bps / 1e4), each pool losing mulDiv(totalAssets_i, value,
 * totalValue).
 */
export async function expectedSlash(
  registry: RestakingRegistry,
  operatorSets: OperatorSets,
  operator: string,
  setId: bigint,
  bps: bigint | number,
  requestedAt: bigint,
  slashable?: bigint,
): Promise<ExpectedSlash> {
  const fraction = BigInt(bps);
  const a = await operatorSets.allocation(setId, operator);
  const maxValue = slashable === undefined ? undefined : (slashable * fraction) / BPS;
  const atMost = (x: bigint, limit: bigint | undefined) => (limit !== undefined && x > limit ? limit : x);
  const fromAllocated = atMost((a.allocated * fraction) / BPS, maxValue);
  const pending = a.freeAt > requestedAt ? (a.pendingFree * fraction) / BPS : 0n;
  const fromPending = atMost(pending, maxValue === undefined ? undefined : maxValue - fromAllocated);
  const weights = await weightsOf(registry);
  const totals: bigint[] = [];
  let totalValue = 0n;
  for (const [i, weight] of weights.entries()) {
    const total = (await registry.pool(operator, i)).totalAssets;
    totals.push(total);
    totalValue += (total * weight) / WEIGHT_UNIT;
  }
  const value = atMost(fromAllocated + fromPending, (totalValue * fraction) / BPS);
  const amounts = totals.map((total) => (totalValue === 0n ? 0n : (total * value) / totalValue));
  const takenValue = amounts.reduce((sum, amount, i) => sum + (amount * weights[i]) / WEIGHT_UNIT, 0n);
  return { fromAllocated, fromPending, value, totals, totalValue, amounts, takenValue };
}
