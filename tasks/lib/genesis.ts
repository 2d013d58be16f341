// Address-book keys of the genesis deployment (Ignition future ids) and typed handles to its contracts.
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { AltToken, MerkleAirdrop, VestingFactory, VestingPosition } from "../../typechain-types";
import { addressOf, loadAddressBook } from "./addressBook";
import { confirm, fail, formatAlt, parseAddress, signerFor } from "./cli";

export const GENESIS_KEYS = {
  token: "Genesis#AltToken",
  vestingFactory: "Genesis#VestingFactory",
  airdrop: "Genesis#MerkleAirdrop",
} as const;

export const VESTING_KEY_PREFIX = "Genesis#Vesting_";

export async function altToken(hre: HardhatRuntimeEnvironment): Promise<AltToken> {
  return hre.ethers.getContractAt("AltToken", await addressOf(hre, GENESIS_KEYS.token)) as Promise<AltToken>;
}

export async function vestingFactory(hre: HardhatRuntimeEnvironment): Promise<VestingFactory> {
  const address = await addressOf(hre, GENESIS_KEYS.vestingFactory);
  return hre.ethers.getContractAt("VestingFactory", address) as Promise<VestingFactory>;
}

export async function merkleAirdrop(hre: HardhatRuntimeEnvironment): Promise<MerkleAirdrop> {
  return hre.ethers.getContractAt(
    "MerkleAirdrop",
    await addressOf(hre, GENESIS_KEYS.airdrop),
  ) as Promise<MerkleAirdrop>;
}

export function vestingPosition(hre: HardhatRuntimeEnvironment, address: string): Promise<VestingPosition> {
  return hre.ethers.getContractAt("VestingPosition", address) as Promise<VestingPosition>;
}

/** Ends the task, in one line naming both, if `owner` holds less than `amount` ALT. */
export async function requireAlt(token: AltToken, owner: string, amount: bigint): Promise<void> {
  const balance = await token.balanceOf(owner);
  if (balance < amount) fail(`${owner} holds ${formatAlt(balance)}; this needs ${formatAlt(amount)}`);
}

/** Genesis category of each recorded vesting position, by address. */
export async function genesisCategories(hre: HardhatRuntimeEnvironment): Promise<Map<string, string>> {
  const book = await loadAddressBook(hre);
  return new Map(
    Object.entries(book)
      .filter(([key]) => key.startsWith(VESTING_KEY_PREFIX))
      .map(([key, address]) => [address.toLowerCase(), key.slice(VESTING_KEY_PREFIX.length)]),
  );
}

/** Delegates the ALT votes of `from` (default: the first account) to `to`; reports the delegatee's votes after. */
export async function delegateVotes(hre: HardhatRuntimeEnvironment, to: string, from?: string) {
  const delegatee = parseAddress(to, "--to");
  const signer = await signerFor(hre, from);
  const token = await altToken(hre);
  const tx = await confirm(token.connect(signer).delegate(delegatee));
  return { delegator: await signer.getAddress(), delegatee, votes: await token.getVotes(delegatee), tx };
}
