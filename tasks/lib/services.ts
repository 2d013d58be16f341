// The restaked services in the address book, and what the service tasks share.
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { SERVICES } from "../../deploy/lib/rollups";
import { ZeroAddress, type Provider } from "ethers";
import type { MachService, OperatorSets, Rollup, SquadService, VitalService } from "../../typechain-types";
import { addressOf } from "./addressBook";
import { fail, formatAlt, formatTime, relativeTime } from "./cli";
import { operatorSets, restakingRegistry } from "./restaking";
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
    fail(`${rollup} is not registered in ${name.toUpperCase()} (service join registers it)`);
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
  // the first block mined at or after the epoch's start
  const low = await firstBlockAt(sets.runner!.provider!, await sets.epochStart(epoch));
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

// ------------------------------------------------------------------ reports (squad:, vital: and the keeper)

/** A time as the service tasks print it: ISO date and how far from `now` ("2024-…Z (in 2h 5m)"). */
export const when = (timestamp: number | bigint, now: number) =>
  `${formatTime(timestamp)} (${relativeTime(Number(timestamp), now)})`;

/**
 * The first block mined at or after `timestamp`, or the latest block if none was (a search for events from it then
 * finds none of later times): binary search over the blocks' timestamps.
 */
export async function firstBlockAt(provider: Provider, timestamp: number | bigint): Promise<number> {
  let low = 0;
  let high = await provider.getBlockNumber();
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if ((await provider.getBlock(middle))!.timestamp < Number(timestamp)) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * The slashing manager's refusals of a report's slash request in plain English (the service forwards them): evidence
 * too old, nothing allocated, the operator's window full. Undefined for any other reason.
 */
export function slashRefusal(reason: string, now: number): string | undefined {
  const [name, ...args] = reason.replace(/\)$/, "").split(/[(,]\s*/);
  switch (name) {
    case "SlashingEvidenceTooOld":
      return (
        `the offence dates from ${when(BigInt(args[0]), now)}: the slashing manager accepts evidence up to ` +
        `${duration(BigInt(args[1]))} old`
      );
    case "SlashingNothingAllocated":
      return `${args[0]} has nothing allocated to set ${args[1]} any more: nothing to slash`;
    case "SlashingTooManyRequests":
      return `${args[0]} has ${args[2]} slash requests in set ${args[1]} in the current window already: the most there can be`;
    case "SlashingWindowCapExceeded":
      return (
        `${args[0]}'s slash requests in set ${args[1]} add up to ${args[2]} bps in the current window: ` +
        `${args[3]} more would pass the cap of ${args[4]} bps`
      );
    default:
      return undefined;
  }
}

/** What a SQUAD report reads once: the contracts, the parameters and the clock (the latest block). */
export async function squadContext(hre: HardhatRuntimeEnvironment, rollupAddress: string) {
  const squad = await serviceContract(hre, "squad");
  const setId = await registeredSet(hre, squad, rollupAddress, "squad");
  const [sets, registry] = await Promise.all([operatorSets(hre), restakingRegistry(hre)]);
  const [[slotLength, gracePeriod, maxMisses, jailTime, censorshipBps], latest, epoch] = await Promise.all([
    squad.parameters(),
    hre.ethers.provider.getBlock("latest"),
    sets.currentEpoch(),
  ]);
  return {
    squad,
    sets,
    registry,
    rollup: await rollupAt(hre, rollupAddress),
    rollupAddress,
    setId,
    slotLength,
    gracePeriod,
    maxMisses,
    jailTime,
    censorshipBps,
    now: latest!.timestamp,
    epoch,
  };
}

export type SquadContext = Awaited<ReturnType<typeof squadContext>>;

/** A leader's jails for misses (SquadService's history): when each began and when the jails up to it end. */
async function jailsOf(ctx: SquadContext, leader: string) {
  const count = await ctx.squad.jailCount(ctx.rollupAddress, leader);
  const jails = [];
  for (let i = 0n; i < count; i++) {
    const [start, release] = await ctx.squad.jailAt(ctx.rollupAddress, leader, i);
    jails.push({ start, release });
  }
  return jails;
}

/**
 * Why `leader` is excused for `slot` (SquadService._excused), or undefined: jailed for misses at some moment from the
 * slot's start to the end of its grace period, or jailed now by a pending slash request. `jails` and `slashJailed`
 * may be given when read already.
 */
export async function excuse(
  ctx: SquadContext,
  leader: string,
  slot: bigint,
  jails?: { start: bigint; release: bigint }[],
  slashJailed?: boolean,
): Promise<string | undefined> {
  const start = slot * ctx.slotLength;
  // the latest jail begun by the end of the slot's grace period, valued at when the jails up to it end
  const jail = (jails ?? (await jailsOf(ctx, leader))).filter((j) => j.start <= start + ctx.gracePeriod).at(-1);
  if (jail !== undefined && jail.release > start) {
    return (
      `the leader of slot ${slot}, ${leader}, is excused: jailed for misses from ${formatTime(jail.start)} until ` +
      `${when(jail.release, ctx.now)}, in the slot's window (${formatTime(start)} to ` +
      `${formatTime(start + ctx.gracePeriod)}, its grace period's end): it could not post`
    );
  }
  if (slashJailed ?? (await ctx.registry.isJailed(leader))) {
    return `the leader of slot ${slot}, ${leader}, is excused: it is jailed now by a pending slash request`;
  }
  return undefined;
}

/** Why the rollup could not take batches throughout `slot` (SquadService._requireLiveDuring), or undefined. */
export async function notLiveDuring(ctx: SquadContext, slot: bigint): Promise<string | undefined> {
  const start = slot * ctx.slotLength;
  const [paused, resumedAt, expiry] = await Promise.all([
    ctx.rollup.paused(),
    ctx.rollup.resumedAt(),
    ctx.rollup.expiry(),
  ]);
  const where = `${ctx.rollupAddress}`;
  if (paused) return `${where} is paused: no leader is at fault while it cannot take batches`;
  if (resumedAt > start) {
    return (
      `${where} resumed from a pause at ${when(resumedAt, ctx.now)}, after slot ${slot} began ` +
      `(${formatTime(start)}): its leader is not at fault`
    );
  }
  if (expiry !== 0n && start + ctx.slotLength > expiry) {
    return `${where} expired at ${when(expiry, ctx.now)}, before slot ${slot} ended: its leader is not at fault`;
  }
  return undefined;
}

/**
 * Why the miss of `slot` cannot be reported (SquadService.reportMiss's refusals, in its order, with the figures), or
 * undefined if it can be, with its leader and epoch.
 */
export async function missRefusal(ctx: SquadContext, slot: bigint): Promise<{ refusal?: string; leader: string }> {
  const start = slot * ctx.slotLength;
  const end = start + ctx.slotLength;
  const current = BigInt(ctx.now) / ctx.slotLength;
  if (slot > current) {
    return { refusal: `slot ${slot} has not begun: it runs from ${when(start, ctx.now)}`, leader: ZeroAddress };
  }
  if (slot === current) {
    return { refusal: `slot ${slot} is not over: it ends at ${when(end, ctx.now)}`, leader: ZeroAddress };
  }
  const epoch = await ctx.sets.epochAt(start);
  if (epoch + 1n < ctx.epoch) {
    return {
      refusal:
        `slot ${slot} (epoch ${epoch}, ended ${when(end, ctx.now)}) is too old: a miss is reported in the slot's ` +
        `epoch or the next, and the current epoch is ${ctx.epoch}`,
      leader: ZeroAddress,
    };
  }
  const notLive = await notLiveDuring(ctx, slot);
  if (notLive !== undefined) return { refusal: notLive, leader: ZeroAddress };
  const leader = await ctx.squad.leaderAt(ctx.rollupAddress, slot);
  if (leader === ZeroAddress) {
    return {
      refusal: `slot ${slot} had no leader (the set is not live in epoch ${epoch} and the one before): nobody missed it`,
      leader,
    };
  }
  const excused = await excuse(ctx, leader, slot);
  if (excused !== undefined) return { refusal: excused, leader };
  const [posted, reported] = await ctx.squad.slotMarks(ctx.rollupAddress, slot);
  if (posted) return { refusal: `${leader}, the leader of slot ${slot}, posted in it: nothing was missed`, leader };
  if (reported) return { refusal: `the miss of slot ${slot} by ${leader} was reported already`, leader };
  return { leader };
}

/** The most slots SquadService.schedule reads in one call (a view: bounded to stay under a node's call gas cap). */
const SCHEDULE_CHUNK = 500n;

/**
 * The slots of `rollup` whose miss can be reported now, latest first, with their leaders: those over, of the current
 * epoch and the one before, with a leader that neither posted in it nor was reported, not excused, the rollup live
 * throughout. Marks are read from the events (`BatchPosted` by the leader, `SlotMissed`) of the window's blocks; `tally`
 * counts the slots over in the window by why they are not reportable.
 */
export async function reportableMisses(ctx: SquadContext) {
  const provider = ctx.squad.runner!.provider!;
  const fromEpoch = ctx.epoch === 0n ? 0n : ctx.epoch - 1n;
  const windowStart = fromEpoch === 0n ? 0n : await ctx.sets.epochStart(fromEpoch);
  const first = (windowStart + ctx.slotLength - 1n) / ctx.slotLength;
  const current = BigInt(ctx.now) / ctx.slotLength;
  const tally = { over: 0, noLeader: 0, posted: 0, reported: 0, excused: 0, notLive: 0 };
  if (current <= first) return { first, slots: [], tally };
  tally.over = Number(current - first);
  const leaders: string[] = [];
  for (let at = first; at < current; at += SCHEDULE_CHUNK) {
    const count = current - at < SCHEDULE_CHUNK ? current - at : SCHEDULE_CHUNK;
    leaders.push(...(await ctx.squad.schedule(ctx.rollupAddress, at, count)));
  }
  const fromBlock = await firstBlockAt(provider, first * ctx.slotLength);
  const [posts, misses] = await Promise.all([
    ctx.squad.queryFilter(ctx.squad.filters.BatchPosted(ctx.rollupAddress), fromBlock),
    ctx.squad.queryFilter(ctx.squad.filters.SlotMissed(ctx.rollupAddress), fromBlock),
  ]);
  const posted = new Set(posts.filter((e) => e.args.byLeader).map((e) => e.args.slot));
  const reported = new Set(misses.map((e) => e.args.slot));
  const excuses = new Map<string, { jails: { start: bigint; release: bigint }[]; slashJailed: boolean }>();
  const slots: { slot: bigint; leader: string }[] = [];
  for (let i = leaders.length - 1; i >= 0; i--) {
    const slot = first + BigInt(i);
    const leader = leaders[i];
    if (leader === ZeroAddress) tally.noLeader++;
    else if (posted.has(slot)) tally.posted++;
    else if (reported.has(slot)) tally.reported++;
    else {
      if (!excuses.has(leader)) {
        const [jails, slashJailed] = await Promise.all([jailsOf(ctx, leader), ctx.registry.isJailed(leader)]);
        excuses.set(leader, { jails, slashJailed });
      }
      const { jails, slashJailed } = excuses.get(leader)!;
      if ((await excuse(ctx, leader, slot, jails, slashJailed)) !== undefined) tally.excused++;
      else if ((await notLiveDuring(ctx, slot)) !== undefined) tally.notLive++;
      else slots.push({ slot, leader });
    }
  }
  return { first, slots, tally };
}

/**
 * Why SQUAD cannot report the censorship of forced-queue item `queueIndex` (SquadService.reportCensorship's refusals, in
 * its order, with the figures), or undefined if it can be; with the slot it blames and its leader.
 */
export async function censorshipRefusal(ctx: SquadContext, queueIndex: bigint) {
  const length = await ctx.rollup.queueLength();
  const slot = { slot: 0n, leader: ZeroAddress, deadline: 0n, forcedAt: 0n };
  if (queueIndex >= length) {
    return { ...slot, refusal: `${ctx.rollupAddress} has no queue item ${queueIndex}: its queue holds ${length}` };
  }
  const item = await ctx.rollup.queuedTransaction(queueIndex);
  const deadline = item.deadline;
  if (item.forcedAt === 0n) {
    const state = item.included
      ? "it was included in a batch"
      : deadline >= BigInt(ctx.now)
        ? `it is due by ${when(deadline, ctx.now)}`
        : `it is overdue since ${when(deadline, ctx.now)} but nobody forced it in yet (rollup force-include)`;
    return { ...slot, deadline, refusal: `queue item ${queueIndex} was not forced in: ${state}` };
  }
  const blamed = deadline / ctx.slotLength + 1n;
  const slotEnd = (blamed + 1n) * ctx.slotLength;
  const leader = await ctx.squad.leaderAt(ctx.rollupAddress, blamed);
  const found = { slot: blamed, leader, deadline, forcedAt: item.forcedAt };
  if (slotEnd > item.forcedAt) {
    return {
      ...found,
      refusal:
        `queue item ${queueIndex} was forced in at ${formatTime(item.forcedAt)}, before slot ${blamed}, the first ` +
        `whole slot after its deadline (${formatTime(deadline)}), ended at ${formatTime(slotEnd)}: nobody is ` +
        `provably at fault`,
    };
  }
  if (leader === ZeroAddress) {
    return {
      ...found,
      refusal: `slot ${blamed}, the first whole slot after queue item ${queueIndex}'s deadline, had no leader: nobody is provably at fault`,
    };
  }
  if (await ctx.squad.isCensorshipReported(ctx.rollupAddress, blamed)) {
    return {
      ...found,
      refusal: `the leader of slot ${blamed}, ${leader}, was reported for censorship already (one report a slot)`,
    };
  }
  const excused = await excuse(ctx, leader, blamed);
  if (excused !== undefined) return { ...found, refusal: excused };
  const notLive = await notLiveDuring(ctx, blamed);
  if (notLive !== undefined) return { ...found, refusal: notLive };
  return { ...found, refusal: undefined };
}

/** The forced-queue items of the SQUAD rollup, latest first (its `SequencerFault` events naming SQUAD as skipper). */
export async function forcedItems(ctx: SquadContext, fromBlock = 0) {
  const faults = await ctx.rollup.queryFilter(
    ctx.rollup.filters.SequencerFault(await ctx.squad.getAddress()),
    fromBlock,
  );
  return [...new Set(faults.map((e) => e.args.queueIndex))].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
}

/** VitalService.Result and VitalService.Vote by name. */
export const VITAL_RESULTS = ["None", "Open", "Invalidated", "Failed", "Void"] as const;
export const VITAL_VOTES = ["None", "Valid", "Invalid", "ValidReported"] as const;

/**
 * The voters of VITAL challenge `challengeId` from its `Voted` events (from `fromBlock`), in vote order, each with its
 * side, the stake it voted with and its vote now (`ValidReported` once reported).
 */
export async function votersOf(vital: VitalService, challengeId: bigint, fromBlock = 0) {
  const events = await vital.queryFilter(vital.filters.Voted(challengeId), fromBlock);
  const operators = events.map((e) => e.args.operator);
  const votes = await Promise.all(operators.map((operator) => vital.voteOf(challengeId, operator)));
  return events.map((e, i) => ({
    operator: e.args.operator,
    invalid: e.args.invalid,
    stake: e.args.stake,
    vote: VITAL_VOTES[Number(votes[i])],
  }));
}

/** A duration for humans: "7d", "1d 4h", "0s". */
export const duration = (seconds: number | bigint) =>
  Number(seconds) === 0 ? "0s" : relativeTime(Number(seconds), 0).replace(/^in /, "");
