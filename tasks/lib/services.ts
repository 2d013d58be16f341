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

/**
 * The set as it counts in `epoch` (the current one), read from OperatorSets' checkpoints: each member with its
 * allocation now and the one counted in the epoch (a change counts from the next epoch), the operators that left the
 * member list in this epoch and still count in it (a leave, replacement or removal takes effect in the next epoch),
 * the stake and the number of operators counted, the liveness minimums that count, and whether the set is live.
 */
export async function setInEpoch(sets: OperatorSets, setId: bigint, epoch: bigint) {
  const members = [...(await sets.members(setId))]; // a copy: ethers' results are read-only
  const [allocations, counted, totalStake, count, [minMembers, minTotalStake], live] = await Promise.all([
    Promise.all(members.map((operator) => sets.allocation(setId, operator))),
    sets.allocationsAt(setId, members, epoch),
    sets.setStakeAt(setId, epoch),
    sets.memberCountAt(setId, epoch),
    sets.livenessAt(setId, epoch),
    sets.isLive(setId, epoch),
  ]);
  const listed = members.map((operator, i) => ({
    operator,
    allocated: allocations[i].allocated,
    counted: counted[i],
  }));
  // the count includes operators out of the member list whose allocation still counts: look for them only then
  const countedMembers = BigInt(counted.filter((stake) => stake > 0n).length);
  const left = count > countedMembers ? await leftInEpoch(sets, setId, epoch, members) : [];
  return { members: listed, left, totalStake, count, minMembers, minTotalStake, live };
}

/**
 * The operators that left `setId`'s member list during `epoch` (requested to leave, replaced or removed: each emits
 * `LeaveRequested`) and are no members now, with the allocation they still count in it (non-zero only), in the order
 * they left. An earlier leave no longer counts in `epoch`, so only the epoch's own blocks are searched.
 */
async function leftInEpoch(sets: OperatorSets, setId: bigint, epoch: bigint, members: string[]) {
  const provider = sets.runner!.provider!;
  const start = Number(await sets.epochStart(epoch));
  // the first block mined at or after the epoch's start (binary search over the blocks' timestamps)
  let low = 0;
  let high = await provider.getBlockNumber();
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if ((await provider.getBlock(middle))!.timestamp < start) low = middle + 1;
    else high = middle;
  }
  const events = await sets.queryFilter(sets.filters.LeaveRequested(setId), low);
  const operators = [...new Set(events.map((e) => e.args.operator))].filter((op) => !members.includes(op));
  const counted = await sets.allocationsAt(setId, operators, epoch);
  return operators.map((operator, i) => ({ operator, counted: counted[i] })).filter((o) => o.counted > 0n);
}

/**
 * The current epoch and what the set counts in it (its stake and how many operators), refusing unless the set is live
 * in it: the services decide nothing otherwise. Read from the checkpoints.
 */
export async function liveEpoch(sets: OperatorSets, setId: bigint) {
  const epoch = await sets.currentEpoch();
  const [total, count, live] = await Promise.all([
    sets.setStakeAt(setId, epoch),
    sets.memberCountAt(setId, epoch),
    sets.isLive(setId, epoch),
  ]);
  if (!live) fail(await notLiveIn(sets, setId, epoch, total, count));
  return { epoch, total, count };
}

/**
 * The refusal for a set not live in `epoch` (the services decide nothing on it), with what it counts (`total` and
 * `count` if read already) and the minimums that count in that epoch (a change counts from the next).
 */
export async function notLiveIn(
  sets: OperatorSets,
  setId: bigint,
  epoch: bigint,
  total?: bigint,
  count?: bigint,
): Promise<string> {
  const [stake, members, [minMembers, minTotalStake]] = await Promise.all([
    total ?? sets.setStakeAt(setId, epoch),
    count ?? sets.memberCountAt(setId, epoch),
    sets.livenessAt(setId, epoch),
  ]);
  return (
    `the set is not live in epoch ${epoch} (${members} operators, ${formatAlt(stake)} counted; it needs ` +
    `${minMembers} and ${formatAlt(minTotalStake)}, and some stake): nothing is decided on it`
  );
}
