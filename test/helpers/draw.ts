/**
 * SQUAD's leader draw replayed in TypeScript, so tests check the contracts against the rule rather than against
 * themselves.
 */
import { AbiCoder, keccak256, ZeroAddress } from "ethers";

/** OperatorSets' draw index groups positions in buckets of 16 (16 buckets for its 256-member sets). */
export const DRAW_BUCKET = 16;
export const MAX_SET_SIZE = 256;

/** An operator counted in an epoch with its allocation, in draw-index order. */
export interface DrawEntry {
  operator: string;
  allocation: bigint;
}

/**
 * The position OperatorSets.drawAt draws from `entries` (the allocations counted in an epoch, in draw-index order):
 * target = random mod their total; the buckets of 16 positions are walked in order, each bucket's total taken off the
 * target until the target falls in one; that bucket's positions are walked the same way, and the position whose
 * allocation exceeds what is left is drawn. -1 when nothing is counted.
 */
export function drawPosition(entries: DrawEntry[], random: bigint): number {
  if (entries.length > MAX_SET_SIZE)
    throw new Error(`drawPosition: ${entries.length} entries, at most ${MAX_SET_SIZE}`);
  const total = entries.reduce((sum, e) => sum + e.allocation, 0n);
  if (total === 0n) return -1;
  let target = random % total;
  for (let first = 0; first < entries.length; first += DRAW_BUCKET) {
    const bucket = entries.slice(first, first + DRAW_BUCKET);
    const inBucket = bucket.reduce((sum, e) => sum + e.allocation, 0n);
    if (target >= inBucket) {
      target -= inBucket;
      continue;
    }
    for (const [i, { allocation }] of bucket.entries()) {
      if (target < allocation) return first + i;
      target -= allocation;
    }
  }
  throw new Error("drawPosition: the buckets add up to less than the total");
}

/** The operator OperatorSets.drawAt draws from `entries` (`drawPosition`); zero when nothing is counted. */
export function drawFrom(entries: DrawEntry[], random: bigint): string {
  const position = drawPosition(entries, random);
  return position < 0 ? ZeroAddress : entries[position].operator;
}

/** The random number of a SQUAD slot's draw: keccak256(abi.encode(seed, rollup, slot)). */
export const slotRandom = (seed: bigint, rollup: string, slot: bigint) =>
  BigInt(keccak256(AbiCoder.defaultAbiCoder().encode(["uint256", "address", "uint256"], [seed, rollup, slot])));
