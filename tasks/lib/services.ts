// The restaked services in the address book, and what the service tasks share.
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { SERVICES } from "../../deploy/lib/rollups";
import type { MachService, OperatorSets, Rollup, SquadService, VitalService } from "../../typechain-types";
import { addressOf } from "./addressBook";
import { fail, formatAlt } from "./cli";
import { rollupAt } from "./rollups";

export const SERVICE_KEYS = {
  mach: "Services#MachService",
  vital: "Services#VitalService",
  squad: "Services#SquadService",
} as const;

export type ServiceName = keyof typeof SERVICE_KEYS;
const CONTRACTS = { mach: "MachService", vital: "VitalService", squad: "SquadService" } as const;

interface ServiceContracts {
  mach: MachService;
  vital: VitalService;
  squad: SquadService;
}

export async function serviceContract<N extends ServiceName>(
  hre: HardhatRuntimeEnvironment,
  name: N,
): Promise<ServiceContracts[N]> {
  const address = await addressOf(hre, SERVICE_KEYS[name]);
  return hre.ethers.getContractAt(CONTRACTS[name], address) as unknown as Promise<ServiceContracts[N]>;
}

export const SERVICE_NAMES = Object.keys(SERVICE_KEYS) as ServiceName[];

export function parseServiceName(value: string): ServiceName {
  const name = value.toLowerCase() as ServiceName;
  if (!SERVICE_NAMES.includes(name)) fail(`--service must be one of ${SERVICE_NAMES.join(", ")}, not ${value}`);
  return name;
}

/** Refuses a rollup that did not enable service `name` (`rollup`: a factory rollup). */
export async function requireEnabled(rollup: Rollup, name: ServiceName) {
  const bit = SERVICES[name.toUpperCase() as keyof typeof SERVICES];
  if ((Number(await rollup.services()) & bit) === 0) {
    fail(`${await rollup.getAddress()} does not use ${name.toUpperCase()}`);
  }
}

/** The service's set of `rollup`, refusing a rollup that is not registered in it (or does not use the service). */
export async function registeredSet(
  hre: HardhatRuntimeEnvironment,
  service: ServiceContracts[ServiceName],
  rollup: string,
  name: ServiceName,
) {
  if (!(await service.isRegistered(rollup))) {
    await requireEnabled(await rollupAt(hre, rollup), name);
    fail(`${rollup} is not registered in ${name.toUpperCase()} (service:join registers it)`);
  }
  return service.setIdOf(rollup);
}

/** The operators and stakes of the set's snapshot for the current epoch, refusing when nobody has taken it. */
export async function currentSnapshot(sets: OperatorSets, setId: bigint) {
  const epoch = await sets.currentEpoch();
  if (!(await sets.hasSnapshot(setId, epoch))) fail(`no snapshot for epoch ${epoch} yet: run service:snapshot first`);
  const [operators, stakes] = await sets.snapshotEntries(setId, epoch);
  const info = await sets.snapshotInfo(setId, epoch);
  return { epoch, operators, stakes, info };
}

/**
 * The current epoch and what the set counts in it (its stake and how many operators), refusing unless the set is live
 * in it: the services decide nothing otherwise. Read from the checkpoints: no snapshot is needed.
 */
export async function liveEpoch(sets: OperatorSets, setId: bigint) {
  const epoch = await sets.currentEpoch();
  const [total, count, live] = await Promise.all([
    sets.setStakeAt(setId, epoch),
    sets.memberCountAt(setId, epoch),
    sets.isLive(setId, epoch),
  ]);
  if (!live) {
    // the minimums that count in this epoch (a change counts from the next)
    const [minMembers, minTotalStake] = await sets.livenessAt(setId, epoch);
    fail(
      `the set is not live in epoch ${epoch} (${count} operators, ${formatAlt(total)} counted; it needs ` +
        `${minMembers} and ${formatAlt(minTotalStake)}, and some stake): nothing is decided on it`,
    );
  }
  return { epoch, total, count };
}
