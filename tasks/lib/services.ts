// The restaked services in the address book, and what the service tasks share.
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { MachService, OperatorSets, SquadService, VitalService } from "../../typechain-types";
import { addressOf } from "./addressBook";
import { fail } from "./cli";

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

/** The service's set of `rollup`, refusing a rollup that is not registered in it. */
export async function registeredSet(service: ServiceContracts[ServiceName], rollup: string, name: ServiceName) {
  if (!(await service.isRegistered(rollup))) {
    fail(`${rollup} is not registered in ${name.toUpperCase()} (service:join registers it)`);
  }
  return service.setIdOf(rollup);
}

/** The operators and stakes of the set's snapshot for the current epoch, refusing when nobody has taken it. */
export async function currentSnapshot(sets: OperatorSets, setId: bigint) {
  const epoch = await sets.currentEpoch();
  if (!(await sets.hasSnapshot(setId, epoch))) fail(`no snapshot for epoch ${epoch} yet: run service:snapshot first`);
  const [operators, stakes] = await sets.snapshotEntries(setId, epoch);
  return { epoch, operators, stakes, info: await sets.snapshotInfo(setId, epoch) };
}
