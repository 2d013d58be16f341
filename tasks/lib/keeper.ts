// The keeper: every permissionless duty of the protocol that is due, found from chain state, each transaction simulated
// (`staticCall`) right before it is sent. One item's refusal (another keeper got there first, a state the reads did not
// foresee) is a skip record with the decoded reason; the other items go on. Duties, in the order a tick runs them:
// seeds first (a reveal must land in one exact block, before any other transaction of the tick moves the chain on),
// then fees, VITAL, finality, slashes, SQUAD reports, settlement and rewards.
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { HardhatPluginError } from "hardhat/plugins";
import type { BaseContract, Signer } from "ethers";
import type {
  OperatorSets,
  RestakingRegistry,
  RewardsDistributor,
  Rollup,
  RollupFactory,
  SlashingManager,
  SquadService,
  VitalService,
} from "../../typechain-types";
import { SERVICES } from "../../deploy/lib/rollups";
import { loadAddressBook } from "./addressBook";
import { confirm, fail, formatAlt, revertReason, type TxReport } from "./cli";
import { operatorSets, RESTAKING_KEYS, restakingRegistry, rewardsDistributor, slashingManager } from "./restaking";
import { ROLLUP_KEYS, rollupAt, rollupFactory } from "./rollups";
import { formatSetId, setNames } from "./sets";
import {
  SERVICE_KEYS,
  censorshipRefusal,
  forcedItems,
  reportableMisses,
  serviceContract,
  squadContext,
} from "./services";

/** Every duty, in the order a tick runs them. */
export const DUTIES = [
  "seeds",
  "stream-fees",
  "resolve",
  "report-voters",
  "finalize",
  "execute-slashes",
  "recover-slashes",
  "report-misses",
  "force-include",
  "report-censorship",
  "settle-rollups",
  "settle-rewards",
] as const;
export type Duty = (typeof DUTIES)[number];

/** A transaction the keeper sent. */
export interface KeeperAction {
  duty: Duty;
  /** What it acted on: a rollup's address, `challenge <id>`, `slash request <id>`, `<operator> set <setId>`. */
  target: string;
  what: string;
  tx: TxReport;
}

/** An item found due whose simulation (or transaction) the contracts refused: nothing was sent for it. */
export interface KeeperSkip {
  duty: Duty;
  target: string;
  what: string;
  skipped: string;
}

export type KeeperRecord = KeeperAction | KeeperSkip;

export interface KeeperOptions {
  duties: Duty[];
  /** Duties chosen by the caller: a missing deployment fails them instead of leaving them out. */
  explicit: boolean;
  fromBlock: number;
  maxActions: number;
  /** Seconds before an epoch's end from which fees are streamed. */
  streamWindow: number;
  settleLag: bigint;
  settleSteps: bigint;
}

export interface TickResult {
  account: string;
  /** The latest block and its time when the tick began. */
  block: number;
  time: number;
  duties: Duty[];
  /** Duties left out: their contracts are not deployed on this network. */
  unavailable: { duty: Duty; reason: string }[];
  records: KeeperRecord[];
  /** Transactions sent. */
  sent: number;
  /** --max-actions was reached: what is still due waits for the next tick. */
  truncated: boolean;
}

/** What the duties share during one tick. */
interface Tick {
  hre: HardhatRuntimeEnvironment;
  signer: Signer;
  options: KeeperOptions;
  now: number;
  records: KeeperRecord[];
  sent: number;
  truncated: boolean;
  cache: Map<string, Promise<unknown>>;
}

const isAction = (r: KeeperRecord): r is KeeperAction => "tx" in r;
export { isAction };

/** The address-book keys each duty needs. */
const NEEDS: Record<Duty, string[]> = {
  seeds: [ROLLUP_KEYS.factory, SERVICE_KEYS.squad],
  "stream-fees": [ROLLUP_KEYS.factory, RESTAKING_KEYS.operatorSets],
  resolve: [SERVICE_KEYS.vital],
  "report-voters": [SERVICE_KEYS.vital, RESTAKING_KEYS.slashingManager],
  finalize: [ROLLUP_KEYS.factory],
  "execute-slashes": [RESTAKING_KEYS.slashingManager],
  "recover-slashes": [ROLLUP_KEYS.factory, RESTAKING_KEYS.registry],
  "report-misses": [ROLLUP_KEYS.factory, SERVICE_KEYS.squad],
  "force-include": [ROLLUP_KEYS.factory],
  "report-censorship": [ROLLUP_KEYS.factory, SERVICE_KEYS.squad, RESTAKING_KEYS.slashingManager],
  "settle-rollups": [ROLLUP_KEYS.factory],
  "settle-rewards": [RESTAKING_KEYS.operatorSets, RESTAKING_KEYS.rewardsDistributor],
};

/** --duties: a comma-separated list of duties (in any order; a tick runs them in its own). */
export function parseDuties(value: string): Duty[] {
  const names = value
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  if (names.length === 0) fail(`--duties names no duty: use ${DUTIES.join(", ")}`);
  for (const name of names) {
    if (!DUTIES.includes(name as Duty)) fail(`unknown duty ${name}: the duties are ${DUTIES.join(", ")}`);
  }
  return DUTIES.filter((duty) => names.includes(duty));
}

/**
 * The duties of `options` whose contracts the deployment has, and those left out; a duty named by the caller
 * (`explicit`) whose contracts are missing fails instead.
 */
export async function availableDuties(hre: HardhatRuntimeEnvironment, options: KeeperOptions) {
  const book = await loadAddressBook(hre);
  const unavailable: TickResult["unavailable"] = [];
  const duties: Duty[] = [];
  for (const duty of options.duties) {
    const missing = NEEDS[duty].find((key) => book[key] === undefined);
    if (missing === undefined) duties.push(duty);
    else if (options.explicit) fail(`keeper duty ${duty} needs ${missing}, not deployed on ${hre.network.name}`);
    else unavailable.push({ duty, reason: `${missing} is not deployed` });
  }
  return { duties, unavailable };
}

/** One pass over `options.duties`: what is due is simulated and sent, item by item. */
export async function tick(
  hre: HardhatRuntimeEnvironment,
  signer: Signer,
  options: KeeperOptions,
): Promise<TickResult> {
  const { duties, unavailable } = await availableDuties(hre, options);
  const latest = (await hre.ethers.provider.getBlock("latest"))!;
  const t: Tick = {
    hre,
    signer,
    options,
    now: latest.timestamp,
    records: [],
    sent: 0,
    truncated: false,
    cache: new Map(),
  };
  for (const duty of duties) {
    if (t.truncated) break;
    await RUN[duty](t);
  }
  return {
    account: await signer.getAddress(),
    block: latest.number,
    time: latest.timestamp,
    duties,
    unavailable,
    records: t.records,
    sent: t.sent,
    truncated: t.truncated,
  };
}

// ================================================================= sending

/**
 * Simulates `method(args)` of `contract` as the keeper and sends it; a refusal, in the simulation or at the gas
 * estimate of the transaction (a race lost in between), is a skip record. Returns whether it was sent. Nothing is sent
 * once the tick reached --max-actions.
 */
async function attempt(
  t: Tick,
  duty: Duty,
  target: string,
  what: string,
  contract: BaseContract,
  method: string,
  args: unknown[],
  callOverrides: Record<string, unknown> = {},
): Promise<boolean> {
  if (t.sent >= t.options.maxActions) {
    t.truncated = true;
    return false;
  }
  const fn = contract.connect(t.signer).getFunction(method);
  try {
    await fn.staticCall(...args, callOverrides);
  } catch (error) {
    const reason = revertReason(error);
    if (reason === undefined) throw error;
    t.records.push({ duty, target, what, skipped: reason });
    return false;
  }
  let tx: TxReport;
  try {
    tx = await confirm(fn.send(...args), (reason) => reason);
  } catch (error) {
    if (!HardhatPluginError.isHardhatPluginError(error)) throw error;
    t.records.push({ duty, target, what, skipped: error.message });
    return false;
  }
  t.sent++;
  t.records.push({ duty, target, what, tx });
  return true;
}

/** The value of `key` read once per tick. */
function once<T>(t: Tick, key: string, read: () => Promise<T>): Promise<T> {
  if (!t.cache.has(key)) t.cache.set(key, read());
  return t.cache.get(key) as Promise<T>;
}

const factoryOf = (t: Tick) => once<RollupFactory>(t, "factory", () => rollupFactory(t.hre));
const setsOf = (t: Tick) => once<OperatorSets>(t, "sets", () => operatorSets(t.hre));
const vitalOf = (t: Tick) => once<VitalService>(t, "vital", () => serviceContract(t.hre, "vital"));
const squadOf = (t: Tick) => once<SquadService>(t, "squad", () => serviceContract(t.hre, "squad"));
const managerOf = (t: Tick) => once<SlashingManager>(t, "manager", () => slashingManager(t.hre));
const registryOf = (t: Tick) => once<RestakingRegistry>(t, "registry", () => restakingRegistry(t.hre));
const rewardsOf = (t: Tick) => once<RewardsDistributor>(t, "rewards", () => rewardsDistributor(t.hre));

/** Every rollup of the factory (its own list, in creation order), with what the duties read of each. */
interface KnownRollup {
  address: string;
  contract: Rollup;
  services: number;
  retired: boolean;
}

function rollupsOf(t: Tick): Promise<KnownRollup[]> {
  return once(t, "rollups", async () => {
    const factory = await factoryOf(t);
    const count = Number(await factory.rollupCount());
    const addresses = await Promise.all(Array.from({ length: count }, (_, i) => factory.rollupAt(i)));
    return Promise.all(
      addresses.map(async (address) => {
        const contract = await rollupAt(t.hre, address);
        const [services, status] = await Promise.all([contract.services(), contract.status()]);
        return { address, contract, services: Number(services), retired: Number(status) === 2 };
      }),
    );
  });
}

/** The SQUAD rollups registered in the SQUAD service. */
async function squadRollups(t: Tick): Promise<KnownRollup[]> {
  const squad = await squadOf(t);
  const rollups = (await rollupsOf(t)).filter((r) => (r.services & SERVICES.SQUAD) !== 0);
  const registered = await Promise.all(rollups.map((r) => squad.isRegistered(r.address)));
  return rollups.filter((_, i) => registered[i]);
}

// ================================================================= duties

const RUN: Record<Duty, (t: Tick) => Promise<void>> = {
  seeds,
  "stream-fees": streamFees,
  resolve,
  "report-voters": reportVoters,
  finalize,
  "execute-slashes": executeSlashes,
  "recover-slashes": recoverSlashes,
  "report-misses": reportMisses,
  "force-include": forceInclude,
  "report-censorship": reportCensorship,
  "settle-rollups": settleRollups,
  "settle-rewards": settleRewards,
};

/**
 * `Rollup.streamFees()` in the last `streamWindow` seconds of each epoch, once per rollup per epoch (its last stream
 * before the window): a stream credits the epoch it is sent in (and only the time since the epoch before began), so
 * streamed at the end of an epoch the fees of the epoch go to the stake counted in it. Rollups not retired, with
 * services and a fee rate, with time to stream (up to their prepaid time).
 */
async function streamFees(t: Tick) {
  const sets = await setsOf(t);
  const epoch = await sets.epochAt(t.now);
  const end = Number(await sets.epochStart(epoch + 1n));
  const windowStart = end - t.options.streamWindow;
  if (t.now < windowStart) return;
  for (const r of await rollupsOf(t)) {
    if (r.retired || r.services === 0) continue;
    const [rate, lastStreamed, paidUntil] = await Promise.all([
      r.contract.feePerServicePerSecond(),
      r.contract.lastStreamed(),
      r.contract.paidUntil(),
    ]);
    const last = Number(lastStreamed);
    if (rate === 0n || last >= windowStart || Math.min(t.now, Number(paidUntil)) <= last) continue;
    await attempt(t, "stream-fees", r.address, `fees of epoch ${epoch} streamed`, r.contract, "streamFees", []);
  }
}

/**
 * `Rollup.finalize(index)` of optimistic rollups, in order from the first not finalized, each output past its challenge
 * period with no open VITAL challenge (one open, or decided and deferred, stops the rollup's outputs there); not on a
 * paused rollup. Retired rollups too: outputs proposed before the end of settlement keep their finality.
 */
async function finalize(t: Tick) {
  // the VITAL service the rollups ask (the factory's), as Rollup.finalize does: an address without code has none
  const vitalAddress = await (await factoryOf(t)).serviceOf(SERVICES.VITAL);
  const hasCode = (await t.hre.ethers.provider.getCode(vitalAddress)) !== "0x";
  const vital = hasCode ? await t.hre.ethers.getContractAt("IVitalChallenges", vitalAddress) : undefined;
  for (const r of await rollupsOf(t)) {
    const [proofSystem, paused] = await Promise.all([r.contract.proofSystem(), r.contract.paused()]);
    if (Number(proofSystem) !== 0 || paused) continue; // IRollupFactory.ProofSystem.Optimistic
    const [finalized, count, period] = await Promise.all([
      r.contract.finalizedCount(),
      r.contract.outputCount(),
      r.contract.challengePeriod(),
    ]);
    for (let index = finalized; index < count; index++) {
      const output = await r.contract.output(index);
      if (t.now < Number(output.proposedAt + period)) break;
      if (vital !== undefined && (r.services & SERVICES.VITAL) !== 0) {
        const [open] = await vital.openChallenge(r.address, output.l2BlockNumber, output.root);
        if (open) break;
      }
      const what = `output ${index} (block ${output.l2BlockNumber}) finalized`;
      if (!(await attempt(t, "finalize", r.address, what, r.contract, "finalize", [index]))) break;
    }
  }
}

/** The VITAL challenges made from --from-block on, by id, with their state now. */
function challengesOf(t: Tick) {
  return once(t, "challenges", async () => {
    const vital = await vitalOf(t);
    const events = await vital.queryFilter(vital.filters.Challenged(), t.options.fromBlock);
    const ids = [...new Set(events.map((e) => e.args.challengeId))];
    return Promise.all(ids.map(async (id) => ({ id, challenge: await vital.challengeOf(id) })));
  });
}

const RESULT = { Open: 1, Invalidated: 2 } as const;
const VOTE_VALID = 1n;

/**
 * `VitalService.resolve(id)` for open challenges past their deadline (Failed, or Void when the output is gone), and
 * for those that reached two thirds "invalid" whose invalidation was deferred (the rollup could not take it): retried
 * at any time, except while the rollup is paused (the retry would only be deferred again).
 */
async function resolve(t: Tick) {
  const vital = await vitalOf(t);
  const sets = await setsOf(t).catch(() => undefined);
  for (const { id, challenge } of await challengesOf(t)) {
    if (Number(challenge.result) !== RESULT.Open) continue;
    const over = t.now >= Number(challenge.deadline);
    const total = sets ? await sets.setStakeAt(await vital.setIdOf(challenge.rollup), challenge.epoch) : 0n;
    const decided = sets !== undefined && challenge.invalidStake * 3n >= total * 2n;
    if (decided && (await (await rollupAt(t.hre, challenge.rollup)).paused())) continue;
    if (!over && !decided) continue;
    const what = decided
      ? `challenge ${id} of output ${challenge.outputIndex}: invalidation retried`
      : `challenge ${id} of output ${challenge.outputIndex} resolved after its vote`;
    await attempt(t, "resolve", `challenge ${id}`, what, vital, "resolve", [id]);
  }
}

/**
 * `VitalService.reportVoters(id, voters)` for each challenge that invalidated its output and has members that voted
 * "valid" and were not reported: one slash request each, the keeper as reporter (it earns the reporter share when the
 * request is executed). Not once the evidence (dated at the challenge) is older than VITAL's maximum evidence age.
 */
async function reportVoters(t: Tick) {
  const vital = await vitalOf(t);
  const maxAge = (await (await managerOf(t)).slasher(await vital.getAddress())).maxEvidenceAge;
  for (const { id, challenge } of await challengesOf(t)) {
    if (Number(challenge.result) !== RESULT.Invalidated) continue;
    if (t.now - Number(challenge.createdAt) > Number(maxAge)) continue;
    const votes = await vital.queryFilter(vital.filters.Voted(id), t.options.fromBlock);
    const valid = [...new Set(votes.filter((e) => !e.args.invalid).map((e) => e.args.operator))];
    const marks = await Promise.all(valid.map((operator) => vital.voteOf(id, operator)));
    const voters = valid.filter((_, i) => marks[i] === VOTE_VALID);
    if (voters.length === 0) continue;
    const what = `challenge ${id}: ${voters.length} "valid" voter(s) reported (${voters.join(", ")})`;
    await attempt(t, "report-voters", `challenge ${id}`, what, vital, "reportVoters", [id, voters]);
  }
}

const SLASH_PENDING = 1n;

/** `SlashingManager.execute(id)` for requests (made from --from-block on) pending past their veto window. */
async function executeSlashes(t: Tick) {
  const manager = await managerOf(t);
  const events = await manager.queryFilter(manager.filters.SlashRequested(), t.options.fromBlock);
  for (const id of [...new Set(events.map((e) => e.args.requestId))]) {
    const request = await manager.request(id);
    if (request.status !== SLASH_PENDING || t.now < Number(request.executableAt)) continue;
    const what = `slash request ${id} executed: ${request.bps} bps of ${request.operator}`;
    await attempt(t, "execute-slashes", `slash request ${id}`, what, manager, "execute", [id]);
  }
}

/**
 * `Portal.recoverSlashProceeds()` for each rollup whose portal the registry credited ALT (slashes of its MACH signers
 * for invalid certificates, redirected to it): the ALT makes good the fast withdrawals lost to invalidations.
 */
async function recoverSlashes(t: Tick) {
  const registry = await registryOf(t);
  for (const r of await rollupsOf(t)) {
    const portal = await r.contract.portal();
    const amount = await registry.slashProceeds(portal, 0);
    if (amount === 0n) continue;
    const contract = await t.hre.ethers.getContractAt("Portal", portal);
    const what = `${formatAlt(amount)} recovered into the portal of ${r.address}`;
    await attempt(t, "recover-slashes", portal, what, contract, "recoverSlashProceeds", []);
  }
}

/** `Rollup.settle()` for ephemeral rollups not retired, past their expiry and settlement window. */
async function settleRollups(t: Tick) {
  for (const r of await rollupsOf(t)) {
    if (r.retired) continue;
    const [expiry, window] = await Promise.all([r.contract.expiry(), r.contract.settlementWindow()]);
    if (expiry === 0n || t.now < Number(expiry) + Number(window)) continue;
    await attempt(t, "settle-rollups", r.address, "settled: retired, unused fees refunded", r.contract, "settle", []);
  }
}

/**
 * SQUAD seeds of each SQUAD rollup still active: `revealSeed` when the next block is the committed target (first, for
 * every rollup, before any other transaction moves the chain on), then `commitSeed` when nothing has committed the
 * next epoch's seed.
 */
async function seeds(t: Tick) {
  const squad = await squadOf(t);
  const sets = await setsOf(t);
  const provider = t.hre.ethers.provider;
  const next = (await sets.currentEpoch()) + 1n;
  const rollups = [];
  for (const r of await squadRollups(t)) {
    if (Number(await r.contract.status()) !== 0) continue; // settling or retired: no more epochs to draw
    rollups.push({ r, commitment: await squad.seedCommitment(r.address) });
  }
  for (const { r, commitment } of rollups) {
    const [epoch, target, revealed] = commitment;
    if (epoch !== next || revealed) continue;
    if (BigInt(await provider.getBlockNumber()) + 1n !== target) continue;
    const what = `seed of epoch ${next} revealed in block ${target}`;
    await attempt(t, "seeds", r.address, what, squad, "revealSeed", [r.address], { blockTag: "pending" });
  }
  for (const { r, commitment } of rollups) {
    if (commitment[0] === next) continue;
    const what = `seed of epoch ${next} committed (reveal in block ${BigInt(await provider.getBlockNumber()) + 1n + 64n})`;
    await attempt(t, "seeds", r.address, what, squad, "commitSeed", [r.address]);
  }
}

/**
 * `SquadService.reportMiss(rollup, slot)` for every slot still reportable (tasks/lib/services.ts `reportableMisses`:
 * over, of the current epoch or the one before, its leader neither posted nor was reported nor is excused, the rollup
 * live throughout), oldest first.
 */
async function reportMisses(t: Tick) {
  const squad = await squadOf(t);
  for (const r of await squadRollups(t)) {
    const { slots } = await reportableMisses(await squadContext(t.hre, r.address));
    for (const { slot, leader } of [...slots].reverse()) {
      const what = `slot ${slot} missed by its leader ${leader}`;
      await attempt(t, "report-misses", r.address, what, squad, "reportMiss", [r.address, slot]);
      if (t.truncated) return;
    }
  }
}

/** The most overdue items one `forceInclude` takes: its loop is bounded by a transaction's gas. */
const FORCE_CHUNK = 100n;

/**
 * `Rollup.forceInclude(count)` on active, unpaused rollups whose queue head is overdue: the keeper earns the items'
 * fees and the sequencer is recorded at fault (`SequencerFault`). On a SQUAD-sequenced rollup an item is forced only
 * once the first whole slot after its deadline has ended: forced earlier, its leader could not be proven to have
 * censored it (SquadService.reportCensorship), and the keeper would shield the censor.
 */
async function forceInclude(t: Tick) {
  const squadAddress = await (await factoryOf(t)).serviceOf(SERVICES.SQUAD);
  for (const r of await rollupsOf(t)) {
    if (r.retired) continue;
    const [status, paused, head, length, sequencer] = await Promise.all([
      r.contract.status(),
      r.contract.paused(),
      r.contract.queueHead(),
      r.contract.queueLength(),
      r.contract.sequencerRole(),
    ]);
    if (Number(status) !== 0 || paused || head >= length) continue; // IRollup.Status.Active
    const slotLength = sequencer === squadAddress ? (await squadTiming(t)).slotLength : undefined;
    // the first item forced at the tick's time would be mined after it
    const due = (deadline: bigint) =>
      slotLength === undefined ? deadline < BigInt(t.now) : (deadline / slotLength + 2n) * slotLength <= BigInt(t.now);
    let count = 0n;
    while (count < FORCE_CHUNK && head + count < length) {
      if (!due((await r.contract.queuedTransaction(head + count)).deadline)) break;
      count++;
    }
    if (count === 0n) continue;
    const what = `queue items ${head} to ${head + count - 1n} forced in (overdue: the sequencer at fault)`;
    await attempt(t, "force-include", r.address, what, r.contract, "forceInclude", [count]);
  }
}

/** SQUAD's slot length, read once per tick. */
const squadTiming = (t: Tick) =>
  once(t, "squadTiming", async () => ({ slotLength: (await (await squadOf(t)).parameters())[0] }));

/**
 * `SquadService.reportCensorship(rollup, queueIndex)` for items SQUAD's leaders skipped (`SequencerFault`, from
 * --from-block on) that `censorshipRefusal` finds reportable: forced in a whole slot after their deadline, the leader of
 * that slot not reported, not excused, the rollup live in it; one report per slot, and not once the evidence (the
 * slot's end) is older than SQUAD's maximum evidence age.
 */
async function reportCensorship(t: Tick) {
  const squad = await squadOf(t);
  const maxAge = (await (await managerOf(t)).slasher(await squad.getAddress())).maxEvidenceAge;
  for (const r of await squadRollups(t)) {
    const ctx = await squadContext(t.hre, r.address);
    const done = new Set<bigint>();
    for (const queueIndex of (await forcedItems(ctx, t.options.fromBlock)).reverse()) {
      const { slot, leader, refusal } = await censorshipRefusal(ctx, queueIndex);
      if (refusal !== undefined || done.has(slot)) continue;
      done.add(slot);
      if (t.now - Number((slot + 1n) * ctx.slotLength) > Number(maxAge)) continue;
      const what = `queue item ${queueIndex} skipped by ${leader}, leader of slot ${slot}`;
      await attempt(t, "report-censorship", r.address, what, squad, "reportCensorship", [r.address, queueIndex]);
    }
  }
}

/**
 * `RewardsDistributor.settle(operator, setId, steps)` for every (operator, set) pair that ever had an allocation
 * (AllocationUpdated from --from-block on) whose settlement is at least --settle-lag epochs behind the current epoch,
 * with an allocation to settle over (a pair with none since it settled is left alone).
 */
async function settleRewards(t: Tick) {
  const sets = await setsOf(t);
  const rewards = await rewardsOf(t);
  const current = await sets.currentEpoch();
  const events = await sets.queryFilter(sets.filters.AllocationUpdated(), t.options.fromBlock);
  const seen = new Set<string>();
  for (const e of events) {
    const { setId, operator } = e.args;
    const key = `${operator}:${setId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const settled = await rewards.settledUntil(operator, setId);
    if (current - settled < t.options.settleLag) continue;
    const [start, keys] = await sets.allocationWindow(setId, operator, settled, current, 1n);
    if (start === 0n && keys.length === 0) continue; // no allocation in [settled, current): nothing to settle
    const set = formatSetId(setId, await once(t, "setNames", () => setNames(t.hre)));
    const target = `${operator} set ${set}`;
    const what = `rewards of ${operator} in set ${set} settled from epoch ${settled}`;
    await attempt(t, "settle-rewards", target, what, rewards, "settle", [operator, setId, t.options.settleSteps]);
  }
}
