// Address-book keys of the rollup factory deployment (Ignition future ids) and typed handles to its contracts.
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Rollup, RollupFactory } from "../../typechain-types";
import { addressOf } from "./addressBook";

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
