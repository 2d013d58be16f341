// Vesting test helpers: the token and factory a vesting suite starts from, and the schedule computed independently of
// the contracts, for the tests to check VestingPosition against.
import { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { AltToken, VestingFactory } from "../../typechain-types";

/** A linear schedule with a cliff: unix timestamps (seconds) and the amount it vests in total. */
export interface Timing {
  start: number;
  cliff: number;
  end: number;
  total: bigint;
}

/** Independent vesting formula: nothing before the cliff, everything from the end, linear from the start between. */
export function vestedAt(s: Timing, t: number): bigint {
  if (t < s.cliff) return 0n;
  if (t >= s.end) return s.total;
  return (s.total * BigInt(t - s.start)) / BigInt(s.end - s.start);
}

/**
 * Deploys, from `owner`, an ALT token whose whole supply goes to `owner` and a VestingFactory over it owned by `owner`
 * and paying to `treasury`. Approves nothing.
 */
export async function deployTokenAndFactory(
  owner: HardhatEthersSigner,
  treasury: HardhatEthersSigner,
): Promise<{ token: AltToken; factory: VestingFactory }> {
  const token: AltToken = await ethers.deployContract("AltToken", [owner.address], owner);
  const factory: VestingFactory = await ethers.deployContract(
    "VestingFactory",
    [await token.getAddress(), treasury.address, owner.address],
    owner,
  );
  return { token, factory };
}
