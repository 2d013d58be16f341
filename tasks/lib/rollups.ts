// Address-book keys of the rollup factory deployment (Ignition future ids), typed handles to its contracts, and the
// rollup and ALT-payment checks the rollup and service tasks share.
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Signer } from "ethers";
import { AbiCoder, ZeroAddress, ZeroHash, keccak256 } from "ethers";
import type { Rollup, RollupFactory } from "../../typechain-types";
import { addressOf } from "./addressBook";
import { confirm, fail, formatAlt, parseAddress, type TxReport } from "./cli";
import { altToken, requireAlt } from "./genesis";
import { parseWhole } from "./restaking";

export const ROLLUP_KEYS = {
  factory: "Rollups#RollupFactory",
  implementation: "Rollups#Rollup",
  mockVerifier: "Rollups#MockVerifier",
} as const;

export async function rollupFactory(hre: HardhatRuntimeEnvironment): Promise<RollupFactory> {
  const address = await addressOf(hre, ROLLUP_KEYS.factory);
  return hre.ethers.getContractAt("RollupFactory", address) as unknown as Promise<RollupFactory>;
}

export function rollupAt(hre: HardhatRuntimeEnvironment, address: string): Promise<Rollup> {
  return hre.ethers.getContractAt("Rollup", address) as unknown as Promise<Rollup>;
}

/** A rollup by address or chain ID. */
export async function parseRollup(
  hre: HardhatRuntimeEnvironment,
  factory: RollupFactory,
  value: string,
): Promise<Rollup> {
  let address: string;
  if (/^\d+$/.test(value)) {
    address = await factory.rollupByChainId(value);
    if (address === ZeroAddress) fail(`no rollup has chain ID ${value}`);
  } else {
    address = parseAddress(value, "--rollup");
    // a factory rollup is the one its chain ID names (the same check the services make)
    let chainId: bigint | undefined;
    if ((await hre.ethers.provider.getCode(address)) !== "0x") {
      chainId = await (await rollupAt(hre, address)).chainId().catch(() => undefined);
    }
    if (chainId === undefined || (await factory.rollupByChainId(chainId)) !== address) {
      fail(`${address} is not a rollup of the factory`);
    }
  }
  return rollupAt(hre, address);
}

/** What an output root commits to (see IRollup.Output): the L2 state root, the batch chain at proposal, the parent. */
export interface OutputParts {
  l2BlockNumber: bigint | number;
  stateRoot: string;
  batchCount: bigint | number;
  batchRoot: string;
  /** The previous live output's root; zero for output 0. */
  parentRoot?: string;
}

/** The output root the rollup stores: keccak256(abi.encode(l2, stateRoot, batchCount, batchRoot, parentRoot)). */
export function outputRootOf(p: OutputParts): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["uint64", "bytes32", "uint64", "bytes32", "bytes32"],
      [p.l2BlockNumber, p.stateRoot, p.batchCount, p.batchRoot, p.parentRoot ?? ZeroHash],
    ),
  );
}

export const OUTPUT_STATUS = ["None", "Proposed", "FastFinalized", "Finalized"] as const;

/** Output `value` (an index, from --output) of `rollup`, refusing an index past its outputs. */
export async function rollupOutput(rollup: Rollup, value: string) {
  const index = parseWhole(value, "--output");
  const count = await rollup.outputCount();
  if (index >= count) fail(`the rollup has ${count} outputs: no output ${index}`);
  return { index, output: await rollup.output(index) };
}

/** Makes sure `signer` can pay `amount` ALT to `spender`: balance, then allowance (approved with --approve). */
export async function ensureAlt(
  hre: HardhatRuntimeEnvironment,
  signer: Signer,
  spender: string,
  amount: bigint,
  approve: boolean,
): Promise<TxReport | undefined> {
  const token = await altToken(hre);
  const owner = await signer.getAddress();
  await requireAlt(token, owner, amount);
  const allowance = await token.allowance(owner, spender);
  if (allowance >= amount) return undefined;
  if (!approve) fail(`allowance ${formatAlt(allowance)} is below the ${formatAlt(amount)} needed: pass --approve`);
  return confirm(token.connect(signer).approve(spender, amount));
}
