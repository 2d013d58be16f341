// The protocol's timelock: deployed before the genesis (it is the treasury), handed to the governor by the
// governance module.
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { ContractFuture, IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";
import { ZeroAddress } from "ethers";

/** Written in a parameter file where an address is expected: the protocol's timelock. */
export const TIMELOCK = "timelock";

/**
 * Deploys OpenZeppelin's TimelockController in its bootstrap shape: no delay, the deployer as proposer and admin,
 * execution open to anyone. The governance module then makes it delegate its votes to itself, raises the delay, grants
 * the proposer and canceller roles to the governor and has the deployer renounce every role.
 */
export function buildTimelockModule() {
  return buildModule("Timelock", (m) => {
    const deployer = m.getAccount(0);
    const timelock = m.contract("TimelockController", [0, [deployer], [ZeroAddress], deployer]);
    return { timelock };
  });
}

export type TimelockModule = ReturnType<typeof buildTimelockModule>;

/** A parameter-file address as a contract argument: the timelock future for "timelock", else the address itself. */
function addressArgument(value: string, timelock: ContractFuture<string> | undefined) {
  if (value !== TIMELOCK) return value;
  if (timelock === undefined) throw new Error(`"${TIMELOCK}" is named as an address but no timelock is deployed`);
  return timelock;
}

/** Turns parameter-file addresses into arguments of module `m`: "timelock" is the timelock of `timelockModule`. */
export function addressResolver(m: IgnitionModuleBuilder, timelockModule: TimelockModule | undefined) {
  const timelock = timelockModule === undefined ? undefined : m.useModule(timelockModule).timelock;
  return (value: string) => addressArgument(value, timelock);
}
