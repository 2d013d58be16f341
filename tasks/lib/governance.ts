// Address-book keys of the governance deployment (Ignition future ids) and typed handles to its contracts.
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { AltGovernor, TimelockController } from "../../typechain-types";
import { addressOf } from "./addressBook";

export const GOVERNANCE_KEYS = {
  timelock: "Timelock#TimelockController",
  governor: "Governance#AltGovernor",
} as const;

export async function governor(hre: HardhatRuntimeEnvironment): Promise<AltGovernor> {
  const address = await addressOf(hre, GOVERNANCE_KEYS.governor);
  return hre.ethers.getContractAt("AltGovernor", address) as unknown as Promise<AltGovernor>;
}

export async function timelock(hre: HardhatRuntimeEnvironment): Promise<TimelockController> {
  const address = await addressOf(hre, GOVERNANCE_KEYS.timelock);
  return hre.ethers.getContractAt("TimelockController", address) as unknown as Promise<TimelockController>;
}
