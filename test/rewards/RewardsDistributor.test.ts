import { expect } from "chai";
import { ethers, upgrades } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse, Interface } from "ethers";
import type { AltToken, OperatorSets, RestakingRegistry, RewardsDistributor } from "../../typechain-types";
import { ALT } from "../helpers/constants";
import { days, nextEpoch } from "../helpers/time";
import { deployProtocol } from "../helpers/protocol";
import { expectedSlash, type ExpectedSlash } from "../helpers/slashing";

const SCALE = 10n ** 18n;
const BPS = 10_000n;
const RATE_UNIT = 10n ** 18n;
const WEIGHT_UNIT = 10n ** 18n;
const VIRTUAL_SHARES = 1_000_000n;
const VIRTUAL_ASSETS = 1n;
const CLAIM_STEPS = 64n;
const ALT_WEIGHT = 10n ** 18n;
const LST_WEIGHT = 2n * 10n ** 18n;
const PROTOCOL_BPS = 1_000n; // hardhat.json
const OP1_COMMISSION = 1_000n;
const OP2_COMMISSION = 500n;
const MIN_STAKE = 100n * ALT;

// Odd amounts, so every floor has a remainder.
const ALICE_ALT = 1_234_567_890_123_456_789_012n;
const BOB_LST = 321_987_654_321_000_000_777n;
const CAROL_ALT = 777_000_000_000_000_000_555n;
/** What op1 and op2 allocate to the set: less than their stake, so stakers can leave without shrinking it. */
const ALLOC1 = 1_111_111_111_111_111_111_111n;
const ALLOC2 = 555_555_555_555_555_555_557n;
const FEES = 1_000n * ALT + 7n;
const REASON = ethers.id("double signing");

type Signer = HardhatEthersSigner;

// ================================================================= the model

/** An epoch-keyed checkpoint trace (OpenZeppelin's Trace208): [key, value] pairs in increasing key order. */
type Trace = [bigint, bigint][];

const latest = (t: Trace | undefined) => (t === undefined || t.length === 0 ? 0n : t[t.length - 1][1]);

/** The value of the latest checkpoint keyed at or before `epoch` (0 if none): `upperLookupRecent`. */
function lookup(t: Trace | undefined, epoch: bigint): bigint {
  if (t === undefined) return 0n;
  for (let i = t.length - 1; i >= 0; i--) if (t[i][0] <= epoch) return t[i][1];
  return 0n;
}

/** `push`: a new checkpoint, or the last one rewritten when keyed at the same epoch. */
function push(t: Trace, key: bigint, value: bigint) {
  const last = t[t.length - 1];
  if (last !== undefined && last[0] > key) throw new Error("model: unordered checkpoint");
  if (last !== undefined && last[0] === key) last[1] = value;
  else t.push([key, value]);
}

/** CheckpointWindow.window: the value in force at `from`, then at most `max` changes keyed in (from, until). */
function window(t: Trace | undefined, from: bigint, until: bigint, max: bigint) {
  const keys: bigint[] = [];
  const values: bigint[] = [];
  for (const [key, value] of t ?? []) {
    if (key <= from) continue;
    if (BigInt(keys.length) >= max || key >= until) break;
    keys.push(key);
    values.push(value);
  }
  return { start: lookup(t, from), keys, values };
}

/** A registry pool, priced as the spec says: a share is worth (totalAssets + 1) / (totalShares + 1e6). */
interface PoolModel {
  totalShares: bigint;
  totalAssets: bigint;
  queued: bigint;
}

const toAmount = (p: PoolModel, shares: bigint) =>
  (shares * (p.totalAssets + VIRTUAL_ASSETS)) / (p.totalShares + VIRTUAL_SHARES);

/** Everything the model tracks: plain data, so `structuredClone` copies it (fixtures hand each test its own copy). */
interface ModelState {
  epoch: bigint;
  treasury: string;
  protocolBps: bigint;
  /** by asset id, as the registry has them now */
  weights: bigint[];
  /** setId -> the cumulative reward per stake, keyed by the epoch whose credits it includes */
  rewardPerStake: Record<string, Trace>;
  /** `${setId}|${operator}` -> allocation, keyed by the epoch it counts from */
  allocations: Record<string, Trace>;
  operatorUnits: Record<string, Trace>;
  /** `${operator}|${staker}` */
  stakerUnits: Record<string, Trace>;
  /** `${staker}|${operator}|${assetId}` */
  positions: Record<string, { shares: bigint; units: bigint }>;
  /** `${operator}|${assetId}` */
  pools: Record<string, PoolModel>;
  unitRate: Record<string, bigint>;
  commission: Record<string, bigint>;
  /** `${operator}|${setId}` -> cumulative reward per unit, keyed by the end of the stretch it includes */
  rewardPerUnit: Record<string, Trace>;
  settledUntil: Record<string, bigint>;
  /** `${staker}|${operator}|${setId}` */
  claimedUntil: Record<string, bigint>;
  owed: Record<string, bigint>;
  credited: bigint;
  paid: bigint;
}

interface SettleResult {
  from: bigint;
  until: bigint;
  toOperator: bigint;
  toStakers: bigint;
  /** false when there was nothing to settle (no event, state untouched) */
  emitted: boolean;
}

interface Accrual {
  operator: string;
  setId: bigint;
  from: bigint;
  until: bigint;
  amount: bigint;
}

/**
 * The rewards of the spec, computed in TypeScript with the contract's floors: creditFees (set level), settle
 * (operator level, in stretches of constant allocation and units), claim (staker level), plus the registry's reward
 * units and the operator sets' allocations, each counted from the epoch after its change.
 */
class RewardsModel {
  claimSteps = CLAIM_STEPS;

  constructor(public s: ModelState) {}

  static fresh(treasury: string, weights: bigint[]): RewardsModel {
    return new RewardsModel({
      epoch: 0n,
      treasury,
      protocolBps: PROTOCOL_BPS,
      weights: [...weights],
      rewardPerStake: {},
      allocations: {},
      operatorUnits: {},
      stakerUnits: {},
      positions: {},
      pools: {},
      unitRate: {},
      commission: {},
      rewardPerUnit: {},
      settledUntil: {},
      claimedUntil: {},
      owed: {},
      credited: 0n,
      paid: 0n,
    });
  }

  clone(): RewardsModel {
    const copy = new RewardsModel(structuredClone(this.s));
    copy.claimSteps = this.claimSteps;
    return copy;
  }

  // ------------------------------------------------------------ registry and operator sets

  pool(operator: string, assetId: number): PoolModel {
    return (this.s.pools[`${operator}|${assetId}`] ??= { totalShares: 0n, totalAssets: 0n, queued: 0n });
  }

  position(staker: string, operator: string, assetId: number) {
    return (this.s.positions[`${staker}|${operator}|${assetId}`] ??= { shares: 0n, units: 0n });
  }

  rateOf(operator: string): bigint {
    return this.s.unitRate[operator] ?? RATE_UNIT;
  }

  unitsOf(staker: string, operator: string, assetId: number): bigint {
    return this.position(staker, operator, assetId).units;
  }

  /** The registry's `_moveUnits`: both traces, from the next epoch on. */
  private moveUnits(operator: string, staker: string, units: bigint, add: boolean) {
    const key = this.s.epoch + 1n;
    const own = (this.s.stakerUnits[`${operator}|${staker}`] ??= []);
    const total = (this.s.operatorUnits[operator] ??= []);
    push(own, key, add ? latest(own) + units : latest(own) - units);
    push(total, key, add ? latest(total) + units : latest(total) - units);
    return { key, own: latest(own), total: latest(total) };
  }

  stake(staker: string, operator: string, assetId: number, amount: bigint) {
    const p = this.pool(operator, assetId);
    const shares = (amount * (p.totalShares + VIRTUAL_SHARES)) / (p.totalAssets + VIRTUAL_ASSETS);
    p.totalShares += shares;
    p.totalAssets += amount;
    const value = assetId === 0 ? amount : (amount * this.s.weights[assetId]) / WEIGHT_UNIT;
    const units = (value * this.rateOf(operator)) / RATE_UNIT;
    const position = this.position(staker, operator, assetId);
    position.shares += shares;
    position.units += units;
    const moved = units === 0n ? undefined : this.moveUnits(operator, staker, units, true);
    return { shares, units, moved };
  }

  requestUnstake(staker: string, operator: string, assetId: number, shares: bigint) {
    const position = this.position(staker, operator, assetId);
    if (shares > position.shares) throw new Error("model: more shares than held");
    const units = shares === position.shares ? position.units : (position.units * shares) / position.shares;
    position.shares -= shares;
    position.units -= units;
    this.pool(operator, assetId).queued += shares;
    const moved = units === 0n ? undefined : this.moveUnits(operator, staker, units, false);
    this.requireAllocationsFit(operator);
    return { units, moved };
  }

  /** The ALT-equivalent value of the operator's active stake (the registry's `operatorStake`). */
  activeValue(operator: string): bigint {
    let value = 0n;
    this.s.weights.forEach((weight, assetId) => {
      const p = this.s.pools[`${operator}|${assetId}`];
      if (p === undefined || p.totalShares === p.queued) return;
      const amount = toAmount(p, p.totalShares - p.queued);
      value += assetId === 0 ? amount : (amount * weight) / WEIGHT_UNIT;
    });
    return value;
  }

  allocatedOf(operator: string): bigint {
    return Object.entries(this.s.allocations)
      .filter(([key]) => key.endsWith(`|${operator}`))
      .reduce((sum, [, trace]) => sum + latest(trace), 0n);
  }

  /** The scenarios keep allocations within the active stake: the model does not shrink them. */
  private requireAllocationsFit(operator: string) {
    if (this.activeValue(operator) < this.allocatedOf(operator)) {
      throw new Error("model: this scenario would shrink the operator's allocations (not modelled)");
    }
  }

  allocate(setId: bigint, operator: string, amount: bigint) {
    const trace = (this.s.allocations[`${setId}|${operator}`] ??= []);
    if (latest(trace) !== amount) push(trace, this.s.epoch + 1n, amount);
  }

  allocationAt(setId: bigint, operator: string, epoch: bigint): bigint {
    return lookup(this.s.allocations[`${setId}|${operator}`], epoch);
  }

  setStakeAt(setId: bigint, epoch: bigint): bigint {
    return Object.entries(this.s.allocations)
      .filter(([key]) => key.startsWith(`${setId}|`))
      .reduce((sum, [, trace]) => sum + lookup(trace, epoch), 0n);
  }

  /** An executed slash: the allocation cut counts from the next epoch, the pools lose `amounts`, the rate rises. */
  slash(operator: string, setId: bigint, e: ExpectedSlash) {
    if (e.value < e.totalValue) {
      this.s.unitRate[operator] = (this.rateOf(operator) * e.totalValue) / (e.totalValue - e.value);
    }
    e.amounts.forEach((amount, assetId) => (this.pool(operator, assetId).totalAssets -= amount));
    this.allocate(setId, operator, latest(this.s.allocations[`${setId}|${operator}`]) - e.fromAllocated);
    this.requireAllocationsFit(operator);
  }

  // ------------------------------------------------------------ rewards

  rewardPerStakeBefore(setId: bigint, epoch: bigint): bigint {
    return epoch === 0n ? 0n : lookup(this.s.rewardPerStake[`${setId}`], epoch - 1n);
  }

  rewardPerUnitBefore(operator: string, setId: bigint, epoch: bigint): bigint {
    return lookup(this.s.rewardPerUnit[`${operator}|${setId}`], epoch);
  }

  owed(account: string): bigint {
    return this.s.owed[account] ?? 0n;
  }

  settledUntil(operator: string, setId: bigint): bigint {
    return this.s.settledUntil[`${operator}|${setId}`] ?? 0n;
  }

  claimedUntil(staker: string, operator: string, setId: bigint): bigint {
    return this.s.claimedUntil[`${staker}|${operator}|${setId}`] ?? 0n;
  }

  creditFees(setId: bigint, amount: bigint) {
    const epoch = this.s.epoch;
    const stake = this.setStakeAt(setId, epoch);
    // the contract refuses (RewardsNoStake) fees for a set that counts no stake: callers assert the revert instead
    if (stake === 0n) throw new Error(`model: set ${setId} counts no stake in epoch ${epoch}`);
    const scaled = amount * SCALE;
    const protocol = (scaled * this.s.protocolBps) / BPS;
    const rest = scaled - protocol;
    const increment = rest / stake;
    // the division's rounding remainder (below the stake) goes to the treasury with the protocol share
    const remainder = rest - increment * stake;
    this.s.owed[this.s.treasury] = this.owed(this.s.treasury) + protocol + remainder;
    if (increment !== 0n) {
      const trace = (this.s.rewardPerStake[`${setId}`] ??= []);
      push(trace, epoch, latest(trace) + increment);
    }
    this.s.credited += amount;
    return { epoch, protocol, rest, stake, increment, remainder };
  }

  settle(operator: string, setId: bigint, maxSteps: bigint): SettleResult {
    const pair = `${operator}|${setId}`;
    const from = this.settledUntil(operator, setId);
    let until = this.s.epoch;
    if (from >= until) return { from, until: from, toOperator: 0n, toStakers: 0n, emitted: false };
    const a = window(this.s.allocations[`${setId}|${operator}`], from, until, maxSteps);
    // a window cut short stops the walk at its last change
    if (BigInt(a.keys.length) === maxSteps) until = a.keys[a.keys.length - 1];
    // nothing is earned before the first allocation: the walk (and the units' window) starts there
    const start = a.start !== 0n ? from : a.keys.length === 0 ? until : a.keys[0];
    const u =
      start < until
        ? window(this.s.operatorUnits[operator], start, until, maxSteps)
        : { start: 0n, keys: [] as bigint[], values: [] as bigint[] };
    if (BigInt(u.keys.length) === maxSteps && u.keys[u.keys.length - 1] < until) until = u.keys[u.keys.length - 1];
    const commission = this.s.commission[operator] ?? 0n;
    const perUnit = (this.s.rewardPerUnit[pair] ??= []);
    let accumulated = latest(perUnit);
    let allocation = a.start;
    let units = u.start;
    let toOperator = 0n;
    let toStakers = 0n;
    let i = 0;
    let j = 0;
    for (let epoch = start; epoch < until;) {
      let next = until;
      if (i < a.keys.length && a.keys[i] < next) next = a.keys[i];
      if (j < u.keys.length && u.keys[j] < next) next = u.keys[j];
      const earned = allocation * (this.rewardPerStakeBefore(setId, next) - this.rewardPerStakeBefore(setId, epoch));
      if (earned !== 0n) {
        const stakersPart = earned - (earned * commission) / BPS;
        const increment = units === 0n ? 0n : stakersPart / units;
        toStakers += increment * units;
        toOperator += earned - increment * units;
        if (increment !== 0n) {
          accumulated += increment;
          push(perUnit, next, accumulated);
        }
      }
      if (i < a.keys.length && a.keys[i] === next) allocation = a.values[i++];
      if (j < u.keys.length && u.keys[j] === next) units = u.values[j++];
      epoch = next;
    }
    this.s.settledUntil[pair] = until;
    this.s.owed[operator] = this.owed(operator) + toOperator;
    return { from, until, toOperator, toStakers, emitted: true };
  }

  /** What `staker` earned in the pair from its first unclaimed epoch to the first unsettled one (one window). */
  earned(staker: string, operator: string, setId: bigint) {
    const from = this.claimedUntil(staker, operator, setId);
    let until = this.settledUntil(operator, setId);
    if (from >= until) return { from, until: from, amount: 0n };
    const w = window(this.s.stakerUnits[`${operator}|${staker}`], from, until, this.claimSteps);
    if (BigInt(w.keys.length) === this.claimSteps) until = w.keys[w.keys.length - 1];
    let units = w.start;
    let epoch = from;
    let amount = 0n;
    for (let i = 0; epoch < until; i++) {
      const next = i < w.keys.length ? w.keys[i] : until;
      if (units !== 0n) {
        amount +=
          units * (this.rewardPerUnitBefore(operator, setId, next) - this.rewardPerUnitBefore(operator, setId, epoch));
      }
      if (i < w.keys.length) units = w.values[i];
      epoch = next;
    }
    return { from, until, amount };
  }

  /**
   * `claim`, like the transaction: refused (changing nothing) when it pays nothing and moves none of the account's
   * walks on; a claim that only moves a walk on keeps that progress and pays 0.
   */
  claim(account: string, operators: string[], setIds: bigint[]) {
    const saved = structuredClone(this.s);
    const settled: (SettleResult & { operator: string; setId: bigint })[] = [];
    const accrued: Accrual[] = [];
    let earned = 0n;
    operators.forEach((operator, i) => {
      const setId = setIds[i];
      settled.push({ ...this.settle(operator, setId, CLAIM_STEPS), operator, setId });
      const e = this.earned(account, operator, setId);
      if (e.until === e.from) return;
      this.s.claimedUntil[`${account}|${operator}|${setId}`] = e.until;
      earned += e.amount;
      accrued.push({ operator, setId, ...e });
    });
    const owed = this.owed(account) + earned;
    const amount = owed / SCALE;
    if (amount === 0n && accrued.length === 0) {
      // refused: nothing paid and none of the account's walks moved on
      this.s = saved;
      return { amount, reverted: true, settled: [], accrued: [] };
    }
    this.s.owed[account] = owed - amount * SCALE;
    this.s.paid += amount;
    return { amount, reverted: false, settled, accrued };
  }

  claimable(account: string, operators: string[], setIds: bigint[]): bigint {
    let owed = this.owed(account);
    const seen = new Set<string>();
    operators.forEach((operator, i) => {
      const pair = `${operator}|${setIds[i]}`;
      if (seen.has(pair)) return;
      seen.add(pair);
      owed += this.earned(account, operator, setIds[i]).amount;
    });
    return owed / SCALE;
  }
}

// ================================================================= chain and model together

interface Contracts {
  token: AltToken;
  registry: RestakingRegistry;
  operatorSets: OperatorSets;
  rewards: RewardsDistributor;
  modelState: ModelState;
}

/** How many `name` events of `contract` the transaction emitted. */
async function eventCount(tx: Promise<ContractTransactionResponse>, contract: { interface: Interface }, name: string) {
  const receipt = (await (await tx).wait())!;
  const topic = contract.interface.getEvent(name)!.topicHash;
  return receipt.logs.filter((l) => l.topics[0] === topic).length;
}

/**
 * Drives the chain and the model side by side: every action asserts the events the model predicts, with exact
 * arguments (units, fees, settlements, accruals, payments).
 */
class Harness {
  readonly m: RewardsModel;

  constructor(readonly c: Contracts) {
    this.m = new RewardsModel(structuredClone(c.modelState));
  }

  get epoch() {
    return this.m.s.epoch;
  }

  /** Moves to the start of the next epoch. */
  async nextEpoch(): Promise<bigint> {
    this.m.s.epoch = await nextEpoch(this.c.operatorSets);
    return this.m.s.epoch;
  }

  /** After a jump in time of the test's own. */
  async sync(): Promise<bigint> {
    this.m.s.epoch = await this.c.operatorSets.currentEpoch();
    return this.m.s.epoch;
  }

  async stake(staker: Signer, operator: Signer, assetId: number, amount: bigint) {
    const { registry } = this.c;
    const r = this.m.stake(staker.address, operator.address, assetId, amount);
    const tx = registry.connect(staker).stake(operator, assetId, amount);
    await expect(tx).to.emit(registry, "Staked").withArgs(staker.address, operator.address, assetId, amount, r.shares);
    if (r.moved === undefined) {
      await expect(tx).not.to.emit(registry, "UnitsChanged");
    } else {
      await expect(tx)
        .to.emit(registry, "UnitsChanged")
        .withArgs(operator.address, staker.address, r.moved.key, r.moved.own, r.moved.total);
    }
    expect(await registry.sharesOf(staker, operator, assetId)).to.equal(
      this.m.position(staker.address, operator.address, assetId).shares,
    );
    return r;
  }

  async requestUnstake(staker: Signer, operator: Signer, assetId: number, shares: bigint) {
    const { registry } = this.c;
    const r = this.m.requestUnstake(staker.address, operator.address, assetId, shares);
    const tx = registry.connect(staker).requestUnstake(operator, assetId, shares);
    if (r.moved !== undefined) {
      await expect(tx)
        .to.emit(registry, "UnitsChanged")
        .withArgs(operator.address, staker.address, r.moved.key, r.moved.own, r.moved.total);
    }
    await expect(tx).not.to.emit(this.c.operatorSets, "AllocationsReduced");
    return r;
  }

  async join(operator: Signer, setId: bigint, amount: bigint) {
    this.m.allocate(setId, operator.address, amount);
    await expect(this.c.operatorSets.connect(operator).join(setId, amount))
      .to.emit(this.c.operatorSets, "AllocationUpdated")
      .withArgs(setId, operator.address, amount, anyValue, anyValue, this.epoch + 1n);
  }

  async allocate(operator: Signer, setId: bigint, amount: bigint) {
    this.m.allocate(setId, operator.address, amount);
    await expect(this.c.operatorSets.connect(operator).allocate(setId, amount))
      .to.emit(this.c.operatorSets, "AllocationUpdated")
      .withArgs(setId, operator.address, amount, anyValue, anyValue, this.epoch + 1n);
  }

  /** A commission decrease (at once). */
  async lowerCommission(operator: Signer, bps: bigint) {
    this.m.s.commission[operator.address] = bps;
    await this.c.registry.connect(operator).setCommission(bps);
    expect(await this.c.registry.commissionOf(operator)).to.equal(bps);
  }

  async credit(payer: Signer, setId: bigint, amount: bigint) {
    const { rewards, token, operatorSets } = this.c;
    const r = this.m.creditFees(setId, amount);
    expect(await operatorSets.setStakeAt(setId, r.epoch)).to.equal(r.stake);
    const tx = rewards.connect(payer).creditFees(setId, amount);
    await expect(tx)
      .to.emit(rewards, "FeesCredited")
      .withArgs(setId, payer.address, r.epoch, amount, r.protocol, r.remainder);
    await expect(tx).to.changeTokenBalances(token, [payer, rewards], [-amount, amount]);
    expect(await rewards.owedScaled(this.m.s.treasury)).to.equal(this.m.owed(this.m.s.treasury));
    return r;
  }

  async settle(operator: Signer, setId: bigint, maxSteps: bigint, caller: Signer = operator) {
    const { rewards } = this.c;
    const r = this.m.settle(operator.address, setId, maxSteps);
    expect(await rewards.connect(caller).settle.staticCall(operator, setId, maxSteps)).to.equal(r.until);
    const tx = rewards.connect(caller).settle(operator, setId, maxSteps);
    if (r.emitted) {
      await expect(tx)
        .to.emit(rewards, "Settled")
        .withArgs(operator.address, setId, r.from, r.until, r.toOperator, r.toStakers);
    } else {
      await expect(tx).not.to.emit(rewards, "Settled");
    }
    expect(await rewards.settledUntil(operator, setId)).to.equal(r.until);
    expect(await rewards.owedScaled(operator)).to.equal(this.m.owed(operator.address));
    return r;
  }

  /**
   * Claims; returns what it paid (0 when the model says the claim reverts, which is asserted, or when it only moved
   * the account's walks on, paying nothing).
   */
  async claim(account: Signer, operators: Signer[], setIds: bigint[]): Promise<bigint> {
    const { rewards, token } = this.c;
    const r = this.m.claim(
      account.address,
      operators.map((o) => o.address),
      setIds,
    );
    const tx = rewards.connect(account).claim(operators, setIds);
    if (r.reverted) {
      await expect(tx).to.be.revertedWithCustomError(rewards, "RewardsZeroAmount");
      return 0n;
    }
    if (r.amount === 0n) await expect(tx).not.to.emit(rewards, "Claimed");
    else await expect(tx).to.emit(rewards, "Claimed").withArgs(account.address, r.amount);
    await expect(tx).to.changeTokenBalances(token, [account, rewards], [r.amount, -r.amount]);
    for (const s of r.settled.filter((s) => s.emitted)) {
      await expect(tx)
        .to.emit(rewards, "Settled")
        .withArgs(s.operator, s.setId, s.from, s.until, s.toOperator, s.toStakers);
    }
    for (const a of r.accrued) {
      await expect(tx)
        .to.emit(rewards, "Accrued")
        .withArgs(account.address, a.operator, a.setId, a.from, a.until, a.amount);
    }
    expect(await eventCount(tx, rewards, "Accrued")).to.equal(r.accrued.length);
    expect(await rewards.owedScaled(account)).to.equal(this.m.owed(account.address));
    return r.amount;
  }

  /** The distributor's views agree with the model for these pairs, sets and accounts. */
  async expectViews(pairs: [Signer, bigint][], accounts: Signer[]) {
    const { rewards } = this.c;
    for (const [operator, setId] of pairs) {
      expect(await rewards.settledUntil(operator, setId)).to.equal(this.m.settledUntil(operator.address, setId));
      for (let e = 0n; e <= this.epoch + 1n; e++) {
        expect(await rewards.rewardPerUnitBefore(operator, setId, e)).to.equal(
          this.m.rewardPerUnitBefore(operator.address, setId, e),
        );
      }
    }
    for (const setId of new Set(pairs.map(([, setId]) => setId))) {
      for (let e = 0n; e <= this.epoch + 1n; e++) {
        expect(await rewards.rewardPerStakeBefore(setId, e)).to.equal(this.m.rewardPerStakeBefore(setId, e));
      }
    }
    for (const account of accounts) {
      expect(await rewards.owedScaled(account)).to.equal(this.m.owed(account.address));
    }
  }
}

/** The split of what an operator earned in one stretch, by the spec. */
function operatorSplit(earned: bigint, commissionBps: bigint, units: bigint) {
  const commission = (earned * commissionBps) / BPS;
  const stakersPart = earned - commission;
  const increment = units === 0n ? 0n : stakersPart / units;
  const toStakers = increment * units;
  return { commission, stakersPart, increment, toStakers, toOperator: earned - toStakers };
}

describe("RewardsDistributor", function () {
  /**
   * Two operators in one set: op1 (10 % commission) with alice's ALT and bob's LST (weight 2), op2 (5 %) with carol's
   * ALT. All of it staked, and ALLOC1 / ALLOC2 allocated, at the start of epoch E0 (the fixture's `epoch`): the units
   * and the allocations count from E0 + 1. The payer approved the distributor; stakers approved the registry.
   */
  async function rewardsFixture() {
    const protocol = await deployProtocol();
    const { token, registry, operatorSets, slashingManager, rewards, deployer, treasury, users } = protocol;
    const [op1, op2, alice, bob, carol, payer, other, dave, erin, frank] = users;

    const service = await (await ethers.getContractFactory("MockService")).deploy(operatorSets, slashingManager);
    await operatorSets.connect(deployer).setService(service, true);
    await slashingManager.connect(deployer).setSlasher(service, 1000, days(7));

    const lst = await (await ethers.getContractFactory("MockERC20")).deploy("Liquid staked ETH", "LST");
    await registry.connect(deployer).addAsset(lst, LST_WEIGHT, 10n ** 30n);
    for (const s of [bob, erin]) {
      await lst.mint(s, 10_000n * ALT);
      await lst.connect(s).approve(registry, ethers.MaxUint256);
    }
    for (const s of [alice, carol, dave, erin, frank]) await token.connect(s).approve(registry, ethers.MaxUint256);
    await token.connect(payer).approve(rewards, ethers.MaxUint256);

    for (const [op, commission, label] of [
      [op1, OP1_COMMISSION, "op1"],
      [op2, OP2_COMMISSION, "op2"],
    ] as const) {
      await registry.connect(op).registerOperator(`ipfs://${label}`, commission);
    }

    const setKey = ethers.id("rollup-1/service");
    await service.createSet(setKey, MIN_STAKE, 64);
    const setId = await operatorSets.setIdOf(service, setKey);

    const model = RewardsModel.fresh(treasury.address, [ALT_WEIGHT, LST_WEIGHT]);
    model.s.commission[op1.address] = OP1_COMMISSION;
    model.s.commission[op2.address] = OP2_COMMISSION;
    const contracts = { token, registry, operatorSets, rewards, modelState: model.s };
    const h = new Harness(contracts);
    const epoch = await h.nextEpoch();
    await h.stake(alice, op1, 0, ALICE_ALT);
    await h.stake(bob, op1, 1, BOB_LST);
    await h.stake(carol, op2, 0, CAROL_ALT);
    await h.join(op1, setId, ALLOC1);
    await h.join(op2, setId, ALLOC2);
    expect(await operatorSets.currentEpoch()).to.equal(epoch);

    return {
      ...protocol,
      ...contracts,
      modelState: h.m.s,
      service,
      lst,
      op1,
      op2,
      alice,
      bob,
      carol,
      payer,
      other,
      dave,
      erin,
      frank,
      setId,
      epoch,
    };
  }

  /** E1: FEES credited; E2: op1 and op2 settled (by `other`). */
  async function settledFixture() {
    const base = await loadFixture(rewardsFixture);
    const h = new Harness(base);
    await h.nextEpoch();
    await h.credit(base.payer, base.setId, FEES);
    await h.nextEpoch();
    await h.settle(base.op1, base.setId, CLAIM_STEPS, base.other);
    await h.settle(base.op2, base.setId, CLAIM_STEPS, base.other);
    return { ...base, modelState: h.m.s };
  }

  /**
   * A history of op1 in the set with changes of its allocation (keyed E1, E3, E5) and of its stakers' units (keyed E1,
   * E2, E4, E5), fees credited in every epoch E1–E5; the chain in E6, nothing settled.
   */
  async function historyFixture() {
    const base = await loadFixture(rewardsFixture);
    const { op1, payer, setId, dave, erin } = base;
    const h = new Harness(base);
    await h.nextEpoch(); // E1
    await h.credit(payer, setId, FEES);
    await h.stake(dave, op1, 0, 300n * ALT + 11n);
    await h.nextEpoch(); // E2
    await h.credit(payer, setId, FEES + 1n);
    await h.allocate(op1, setId, ALLOC1 + 100n * ALT);
    await h.nextEpoch(); // E3
    await h.credit(payer, setId, FEES + 2n);
    await h.stake(erin, op1, 1, 40n * ALT + 5n);
    await h.requestUnstake(dave, op1, 0, h.m.position(dave.address, op1.address, 0).shares / 2n);
    await h.nextEpoch(); // E4
    await h.credit(payer, setId, FEES + 3n);
    await h.allocate(op1, setId, ALLOC1 + 200n * ALT);
    await h.stake(dave, op1, 0, 50n * ALT + 1n);
    await h.nextEpoch(); // E5
    await h.credit(payer, setId, FEES + 4n);
    await h.nextEpoch(); // E6
    return { ...base, modelState: h.m.s };
  }

  /**
   * Dave stakes into op1 in each of 70 epochs E1–E70 (70 unit changes, keyed E2–E71) while fees are credited; in E71
   * op1 is settled in full.
   */
  async function manyChangesFixture() {
    const base = await loadFixture(rewardsFixture);
    const { op1, payer, setId, dave, other } = base;
    const h = new Harness(base);
    await h.nextEpoch();
    for (let i = 0n; i < 70n; i++) {
      await h.stake(dave, op1, 0, ALT + i);
      await h.credit(payer, setId, 10n * ALT + i);
      await h.nextEpoch();
    }
    await h.settle(op1, setId, 1_000n, other);
    return { ...base, modelState: h.m.s };
  }

  describe("initialize", function () {
    async function freshProxy() {
      const base = await loadFixture(rewardsFixture);
      const implementation = await (await ethers.getContractFactory("RewardsDistributor")).deploy();
      const Proxy = await ethers.getContractFactory("ERC1967Proxy");
      const init = (registry: string, sets: string, treasury: string, bps: number, owner = base.deployer.address) =>
        implementation.interface.encodeFunctionData("initialize", [owner, registry, sets, treasury, bps]);
      return {
        ...base,
        implementation,
        Proxy,
        init,
        registryAddress: await base.registry.getAddress(),
        setsAddress: await base.operatorSets.getAddress(),
      };
    }

    it("records the registry, its ALT, the operator sets, the treasury, the protocol share and the owner", async function () {
      const { rewards, token, registry, operatorSets, treasury, deployer } = await loadFixture(rewardsFixture);
      expect(await rewards.alt()).to.equal(await token.getAddress());
      expect(await rewards.registry()).to.equal(await registry.getAddress());
      expect(await rewards.operatorSets()).to.equal(await operatorSets.getAddress());
      expect(await rewards.treasury()).to.equal(treasury.address);
      expect(await rewards.protocolShareBps()).to.equal(PROTOCOL_BPS);
      expect(await rewards.owner()).to.equal(deployer.address);
      expect(await rewards.SCALE()).to.equal(SCALE);
      expect(await rewards.CLAIM_STEPS()).to.equal(CLAIM_STEPS);
    });

    it("refuses a zero registry, operator sets or treasury on a fresh proxy", async function () {
      const { implementation, Proxy, init, registryAddress, setsAddress, treasury } = await freshProxy();
      const Z = ethers.ZeroAddress;
      await expect(
        Proxy.deploy(implementation, init(Z, setsAddress, treasury.address, 1000)),
      ).to.be.revertedWithCustomError(implementation, "RewardsZeroAddress");
      await expect(
        Proxy.deploy(implementation, init(registryAddress, Z, treasury.address, 1000)),
      ).to.be.revertedWithCustomError(implementation, "RewardsZeroAddress");
      await expect(
        Proxy.deploy(implementation, init(registryAddress, setsAddress, Z, 1000)),
      ).to.be.revertedWithCustomError(implementation, "RewardsZeroAddress");
      await expect(Proxy.deploy(implementation, init(registryAddress, setsAddress, treasury.address, 1000, Z)))
        .to.be.revertedWithCustomError(implementation, "OwnableInvalidOwner")
        .withArgs(Z);
    });

    it("refuses a protocol share above 5000 bps and accepts exactly 5000 on a fresh proxy", async function () {
      const { implementation, Proxy, init, registryAddress, setsAddress, treasury, other } = await freshProxy();
      await expect(
        Proxy.deploy(implementation, init(registryAddress, setsAddress, treasury.address, 5001)),
      ).to.be.revertedWithCustomError(implementation, "RewardsInvalidParameter");
      const proxy = await Proxy.deploy(implementation, init(registryAddress, setsAddress, other.address, 5000));
      const fresh = await ethers.getContractAt("RewardsDistributor", await proxy.getAddress());
      await expect(proxy.deploymentTransaction()).to.emit(fresh, "ParametersUpdated").withArgs(other.address, 5000);
      expect(await fresh.protocolShareBps()).to.equal(5000n);
      expect(await fresh.treasury()).to.equal(other.address);
    });

    it("cannot be initialised again, nor through the implementation", async function () {
      const { rewards, implementation, registryAddress, setsAddress, treasury, deployer } = await freshProxy();
      await expect(
        rewards.initialize(deployer, registryAddress, setsAddress, treasury, 1000),
      ).to.be.revertedWithCustomError(rewards, "InvalidInitialization");
      await expect(
        implementation.initialize(deployer, registryAddress, setsAddress, treasury, 1000),
      ).to.be.revertedWithCustomError(implementation, "InvalidInitialization");
    });
  });

  describe("setParameters", function () {
    it("lets the owner set the treasury and the protocol share", async function () {
      const { rewards, deployer, other } = await loadFixture(rewardsFixture);
      await expect(rewards.connect(deployer).setParameters(other, 5000))
        .to.emit(rewards, "ParametersUpdated")
        .withArgs(other.address, 5000);
      expect(await rewards.treasury()).to.equal(other.address);
      expect(await rewards.protocolShareBps()).to.equal(5000n);
    });

    it("refuses anyone but the owner", async function () {
      const { rewards, other } = await loadFixture(rewardsFixture);
      await expect(rewards.connect(other).setParameters(other, 100))
        .to.be.revertedWithCustomError(rewards, "OwnableUnauthorizedAccount")
        .withArgs(other.address);
    });

    it("refuses a zero treasury and a protocol share above 5000 bps", async function () {
      const { rewards, deployer, other } = await loadFixture(rewardsFixture);
      await expect(rewards.connect(deployer).setParameters(ethers.ZeroAddress, 100)).to.be.revertedWithCustomError(
        rewards,
        "RewardsZeroAddress",
      );
      await expect(rewards.connect(deployer).setParameters(other, 5001)).to.be.revertedWithCustomError(
        rewards,
        "RewardsInvalidParameter",
      );
    });

    it("charges later credits the new protocol share, owed to the new treasury", async function () {
      const f = await loadFixture(rewardsFixture);
      const { rewards, deployer, other, treasury, payer, setId } = f;
      await rewards.connect(deployer).setParameters(other, 2500);
      const h = new Harness(f);
      h.m.s.treasury = other.address;
      h.m.s.protocolBps = 2500n;
      await h.nextEpoch();
      const r = await h.credit(payer, setId, FEES);
      expect(r.protocol).to.equal((FEES * SCALE * 2500n) / BPS);
      // 1,000 ALT + 7 wei at 2,500 bps over 1,666.67 ALT of stake: 4.65 wei of the rest (scaled) does not divide
      expect([r.protocol, r.increment, r.remainder]).to.deep.equal([
        250_000_000_000_000_000_001_750_000_000_000_000_000n,
        450_000_000_000_000_000n,
        4_650_000_000_000_000_000n,
      ]);
      // the new treasury is owed the protocol share and the remainder; the old one nothing
      expect(await rewards.owedScaled(other)).to.equal(r.protocol + r.remainder);
      expect(await rewards.owedScaled(treasury)).to.equal(0n);
    });
  });

  describe("creditFees", function () {
    it("pulls the amount, emits FeesCredited, raises rewardPerStakeBefore(setId, epoch + 1) by floor(rest / stake) and owes the remainder to the treasury", async function () {
      const { rewards, token, payer, setId, operatorSets, treasury } = await loadFixture(rewardsFixture);
      const e1 = await nextEpoch(operatorSets);
      const stake = ALLOC1 + ALLOC2;
      expect(await operatorSets.setStakeAt(setId, e1)).to.equal(stake);

      const protocol = (FEES * SCALE * PROTOCOL_BPS) / BPS;
      const rest = FEES * SCALE - protocol;
      const increment = rest / stake;
      const remainder = rest - increment * stake;
      // 1,000 ALT + 7 wei, 10% to the protocol, the rest over 1,666.67 ALT of stake: 5.58 wei (scaled) does not divide
      expect([protocol, increment, remainder]).to.deep.equal([
        100_000_000_000_000_000_000_700_000_000_000_000_000n,
        540_000_000_000_000_000n,
        5_580_000_000_000_000_000n,
      ]);
      const tx = rewards.connect(payer).creditFees(setId, FEES);
      await expect(tx).to.emit(rewards, "FeesCredited").withArgs(setId, payer.address, e1, FEES, protocol, remainder);
      await expect(tx).to.changeTokenBalances(token, [payer, rewards], [-FEES, FEES]);
      expect(await rewards.owedScaled(treasury)).to.equal(protocol + remainder);
      // the credits of e1 count in the reward per stake before e1 + 1, not before e1
      expect(await rewards.rewardPerStakeBefore(setId, e1)).to.equal(0n);
      expect(await rewards.rewardPerStakeBefore(setId, e1 + 1n)).to.equal(increment);
      expect(await rewards.rewardPerStakeBefore(setId, e1 + 5n)).to.equal(increment);
      // nothing created, nothing lost: the stake's part and the treasury's add up to the credit
      expect(increment * stake + protocol + remainder).to.equal(FEES * SCALE);

      // a second credit of the same epoch divides its own rest only (nothing waits from the first), in the same epoch;
      // its remainder joins the first at the treasury
      const second = 3n * ALT + 1n;
      const protocol2 = (second * SCALE * PROTOCOL_BPS) / BPS;
      const rest2 = second * SCALE - protocol2;
      const increment2 = rest2 / stake;
      const remainder2 = rest2 - increment2 * stake;
      expect([protocol2, increment2, remainder2]).to.deep.equal([
        300_000_000_000_000_000_100_000_000_000_000_000n,
        1_620_000_000_000_000n,
        897_840_000_000_000_000n,
      ]);
      await expect(rewards.connect(payer).creditFees(setId, second))
        .to.emit(rewards, "FeesCredited")
        .withArgs(setId, payer.address, e1, second, protocol2, remainder2);
      expect(await rewards.rewardPerStakeBefore(setId, e1 + 1n)).to.equal(increment + increment2);
      expect(await rewards.owedScaled(treasury)).to.equal(protocol + remainder + protocol2 + remainder2);
      expect(await token.balanceOf(rewards)).to.equal(FEES + second);
    });

    it("refuses a zero amount", async function () {
      const { rewards, payer, setId } = await loadFixture(rewardsFixture);
      await expect(rewards.connect(payer).creditFees(setId, 0)).to.be.revertedWithCustomError(
        rewards,
        "RewardsZeroAmount",
      );
    });

    it("refuses an unknown set", async function () {
      const { rewards, operatorSets, payer, setId } = await loadFixture(rewardsFixture);
      await expect(rewards.connect(payer).creditFees(setId + 1n, 1))
        .to.be.revertedWithCustomError(operatorSets, "SetsUnknownSet")
        .withArgs(setId + 1n);
    });

    it("refuses a payer without allowance", async function () {
      const { rewards, token, other, setId, operatorSets } = await loadFixture(rewardsFixture);
      // in an epoch where the set counts stake, so that the credit gets as far as the transfer
      const e1 = await nextEpoch(operatorSets);
      expect(await operatorSets.setStakeAt(setId, e1)).to.equal(ALLOC1 + ALLOC2);
      await expect(rewards.connect(other).creditFees(setId, 1))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
        .withArgs(await rewards.getAddress(), 0, 1);
    });

    it("a set that counts no stake refuses fees (RewardsNoStake); a credit's rounding remainder goes to the treasury, untaxed", async function () {
      const f = await loadFixture(rewardsFixture);
      const { rewards, token, operatorSets, service, payer, setId, treasury, epoch } = f;
      const h = new Harness(f);
      // E0, the epoch of the joins: the allocations count from E0 + 1, so the set counts no stake yet and refuses fees;
      // nothing moves: no transfer, nothing owed to the treasury, no reward per stake
      expect(await operatorSets.setStakeAt(setId, epoch)).to.equal(0n);
      const tx = rewards.connect(payer).creditFees(setId, FEES);
      await expect(tx).to.be.revertedWithCustomError(rewards, "RewardsNoStake").withArgs(setId, epoch);
      expect(await token.balanceOf(rewards)).to.equal(0n);
      expect(await rewards.owedScaled(treasury)).to.equal(0n);
      expect(await rewards.rewardPerStakeBefore(setId, epoch + 1n)).to.equal(0n);

      // a set that never counts stake refuses credit after credit, epoch after epoch
      const key = ethers.id("empty set");
      await service.createSet(key, MIN_STAKE, 8);
      const emptySet = await operatorSets.setIdOf(service, key);
      for (const amount of [FEES, 5n * ALT + 3n, 1n]) {
        await expect(rewards.connect(payer).creditFees(emptySet, amount))
          .to.be.revertedWithCustomError(rewards, "RewardsNoStake")
          .withArgs(emptySet, h.epoch);
        expect(await rewards.rewardPerStakeBefore(emptySet, h.epoch + 1n)).to.equal(0n);
        await h.nextEpoch();
      }
      expect(await rewards.owedScaled(treasury)).to.equal(0n);
      expect(await token.balanceOf(rewards)).to.equal(0n);

      // once the set counts stake, a credit's rounding remainder (less than the stake, scaled) is owed to the treasury
      // with the protocol share: 5.58 wei (scaled) of 1,000 ALT + 7 wei over 1,666.67 ALT of stake
      const stake = ALLOC1 + ALLOC2;
      const e1 = h.epoch;
      expect(await operatorSets.setStakeAt(setId, e1)).to.equal(stake);
      const first = await h.credit(payer, setId, FEES);
      const protocol = (FEES * SCALE * PROTOCOL_BPS) / BPS;
      expect([first.protocol, first.stake, first.increment, first.remainder]).to.deep.equal([
        protocol,
        stake,
        (FEES * SCALE - protocol) / stake,
        FEES * SCALE - protocol - first.increment * stake,
      ]);
      expect(first.remainder).to.equal(5_580_000_000_000_000_000n);
      expect(first.remainder).to.be.lessThan(stake);
      expect(await rewards.owedScaled(treasury)).to.equal(protocol + first.remainder);
      expect(await rewards.owedScaled(treasury)).to.equal(100_000_000_000_000_000_006_280_000_000_000_000_000n);

      // the next credit (a later epoch) is charged the protocol share of its own amount only and spreads its own rest
      // only: the first credit's remainder is neither spread again nor charged a protocol share (the treasury has it
      // whole); this credit's remainder joins it
      const e2 = await h.nextEpoch();
      const amount = 10n * ALT + 9n;
      const p = (amount * SCALE * PROTOCOL_BPS) / BPS;
      const rest = amount * SCALE - p;
      const increment = rest / stake;
      const r = await h.credit(payer, setId, amount);
      expect([r.protocol, r.rest, r.increment, r.remainder]).to.deep.equal([
        p,
        rest,
        increment,
        rest - increment * stake,
      ]);
      expect([r.protocol, r.increment, r.remainder]).to.deep.equal([
        1_000_000_000_000_000_000_900_000_000_000_000_000n,
        5_400_000_000_000_000n,
        8_092_800_000_000_000_000n,
      ]);
      expect(await rewards.owedScaled(treasury)).to.equal(protocol + first.remainder + p + r.remainder);
      expect(await rewards.rewardPerStakeBefore(setId, e2)).to.equal(first.increment);
      expect(await rewards.rewardPerStakeBefore(setId, e2 + 1n)).to.equal(first.increment + increment);
      expect(await token.balanceOf(rewards)).to.equal(FEES + amount);
      // every scaled unit of the two credits: the stake's part, or the treasury's
      expect((first.increment + increment) * stake + (await rewards.owedScaled(treasury))).to.equal(
        (FEES + amount) * SCALE,
      );
    });

    it("fees credited in epoch e use setStakeAt(setId, e): an allocation increase made in e does not dilute e's fees", async function () {
      const f = await loadFixture(rewardsFixture);
      const { rewards, operatorSets, payer, setId, op1, op2, other } = f;
      const h = new Harness(f);
      const e1 = await h.nextEpoch();
      const raised = ALLOC1 + 500n * ALT;
      await h.allocate(op1, setId, raised);
      expect(await operatorSets.setStakeAt(setId, e1)).to.equal(ALLOC1 + ALLOC2);
      expect(await operatorSets.setStakeAt(setId, e1 + 1n)).to.equal(raised + ALLOC2);

      const first = await h.credit(payer, setId, FEES);
      expect(first.stake).to.equal(ALLOC1 + ALLOC2);
      expect(first.increment).to.equal((FEES * SCALE - first.protocol) / (ALLOC1 + ALLOC2));
      await h.nextEpoch();
      const second = await h.credit(payer, setId, FEES);
      expect(second.stake).to.equal(raised + ALLOC2);
      expect(second.increment).to.equal((FEES * SCALE - second.protocol) / (raised + ALLOC2));
      await h.nextEpoch();

      // op1 earned e1's fees on its old allocation and e1 + 1's on the raised one
      const r1 = await h.settle(op1, setId, CLAIM_STEPS, other);
      const r2 = await h.settle(op2, setId, CLAIM_STEPS, other);
      expect(r1.toOperator + r1.toStakers).to.equal(ALLOC1 * first.increment + raised * second.increment);
      expect(r2.toOperator + r2.toStakers).to.equal(ALLOC2 * (first.increment + second.increment));
      expect(await rewards.rewardPerStakeBefore(setId, e1 + 2n)).to.equal(first.increment + second.increment);
    });
  });

  describe("creditStreamToSets", function () {
    /** An odd rate, so every amount, share and division has a remainder. */
    const PER_SECOND = 123_456_789_012_345_679n;

    /** What a credit of `amount` to a set counting `stake` gives the protocol, the stake and the treasury (scaled). */
    function creditFigures(amount: bigint, stake: bigint) {
      const protocol = (amount * SCALE * PROTOCOL_BPS) / BPS;
      const rest = amount * SCALE - protocol;
      const increment = rest / stake;
      return { protocol, rest, increment, remainder: rest - increment * stake };
    }

    /** The ALT transfers `tx` made, as [from, to, value]. */
    async function transfers(tx: Promise<ContractTransactionResponse>, token: AltToken) {
      const receipt = (await (await tx).wait())!;
      const tokenAddress = await token.getAddress();
      return receipt.logs
        .filter((log) => log.address === tokenAddress)
        .map((log) => token.interface.parseLog(log))
        .filter((parsed) => parsed?.name === "Transfer")
        .map((parsed) => [parsed!.args.from, parsed!.args.to, parsed!.args.value]);
    }

    /** One operator staked and joined to a fresh set in epoch 0: the set counts its allocation from epoch 1. */
    async function genesisFixture() {
      const protocol = await deployProtocol();
      const { token, registry, operatorSets, slashingManager, rewards, deployer, users } = protocol;
      const [op, staker, payer] = users;
      const service = await (await ethers.getContractFactory("MockService")).deploy(operatorSets, slashingManager);
      await operatorSets.connect(deployer).setService(service, true);
      await slashingManager.connect(deployer).setSlasher(service, 1000, days(7));
      await registry.connect(op).registerOperator("ipfs://genesis", 0);
      await token.connect(staker).approve(registry, ethers.MaxUint256);
      await registry.connect(staker).stake(op, 0, ALICE_ALT);
      const setKey = ethers.id("genesis/service");
      await service.createSet(setKey, MIN_STAKE, 8);
      const setId = await operatorSets.setIdOf(service, setKey);
      await operatorSets.connect(op).join(setId, ALLOC1);
      await token.connect(payer).approve(rewards, ethers.MaxUint256);
      expect(await operatorSets.currentEpoch()).to.equal(0n);
      return { ...protocol, op, payer, setId, genesis: await operatorSets.epochStart(0) };
    }

    it("credits each set that counts stake as creditFees would, perSecond × (until − paidFrom), skips a set without stake and an unknown one, in one transfer", async function () {
      const { rewards, token, operatorSets, service, payer, setId, treasury, op1 } = await loadFixture(rewardsFixture);
      // a second set with op1's allocation only, and a set nobody joined; all counted from the next epoch
      const keyB = ethers.id("rollup-1/other-service");
      await service.createSet(keyB, MIN_STAKE, 64);
      const setB = await operatorSets.setIdOf(service, keyB);
      await operatorSets.connect(op1).join(setB, MIN_STAKE);
      const keyEmpty = ethers.id("rollup-1/empty");
      await service.createSet(keyEmpty, MIN_STAKE, 64);
      const empty = await operatorSets.setIdOf(service, keyEmpty);
      const unknown = setId + 1n;
      const e1 = await nextEpoch(operatorSets);
      // a stream from two hours before e1 (within e1 - 1, which it may still pay) to six hours into e1
      const from = (await operatorSets.epochStart(e1)) - 7_200n + 3n;
      const until = (await operatorSets.epochStart(e1)) + 21_600n;
      await time.increaseTo(until);
      const amount = PER_SECOND * (until - from);

      const setIds = [setId, empty, setB, unknown];
      // bits 0 and 2: the two sets with stake; the whole stream is paid, from `from`
      const [mask, paidFrom] = await rewards
        .connect(payer)
        .creditStreamToSets.staticCall(setIds, PER_SECOND, from, until);
      expect([mask, paidFrom]).to.deep.equal([0b101n, from]);
      const [stakeA, stakeB] = [ALLOC1 + ALLOC2, MIN_STAKE];
      const a = creditFigures(amount, stakeA);
      const b = creditFigures(amount, stakeB);
      const payerBefore = await token.balanceOf(payer);
      const tx = rewards.connect(payer).creditStreamToSets(setIds, PER_SECOND, from, until);
      await expect(tx)
        .to.emit(rewards, "FeesCredited")
        .withArgs(setId, payer.address, e1, amount, a.protocol, a.remainder)
        .and.to.emit(rewards, "FeesCredited")
        .withArgs(setB, payer.address, e1, amount, b.protocol, b.remainder);
      // exactly two credits, pulled in one transfer
      const receipt = await (await tx).wait();
      const credited = receipt!.logs
        .map((log) => rewards.interface.parseLog(log))
        .filter((parsed) => parsed?.name === "FeesCredited");
      expect(credited.map((parsed) => parsed!.args.setId)).to.deep.equal([setId, setB]);
      expect(await transfers(tx, token)).to.deep.equal([[payer.address, await rewards.getAddress(), 2n * amount]]);
      expect(await token.balanceOf(payer)).to.equal(payerBefore - 2n * amount);
      expect(await token.balanceOf(rewards)).to.equal(2n * amount);
      // the treasury is owed both protocol shares and both remainders
      expect(await rewards.owedScaled(treasury)).to.equal(2n * a.protocol + a.remainder + b.remainder);
      expect(await rewards.rewardPerStakeBefore(setId, e1 + 1n)).to.equal(a.increment);
      expect(await rewards.rewardPerStakeBefore(setB, e1 + 1n)).to.equal(b.increment);
      expect(await rewards.rewardPerStakeBefore(empty, e1 + 1n)).to.equal(0n);
      // nothing created, nothing lost
      expect(a.increment * stakeA + b.increment * stakeB + (await rewards.owedScaled(treasury))).to.equal(
        2n * amount * SCALE,
      );
    });

    it("pulls nothing and credits nothing when no set can take the stream, or the rate is 0", async function () {
      const { rewards, token, operatorSets, payer, other, setId, treasury, epoch } = await loadFixture(rewardsFixture);
      // in the fixture's epoch the allocations do not count yet; `other` has given no allowance, and needs none
      const until = BigInt(await time.latest());
      const from = until - 3_600n;
      for (const caller of [payer, other]) {
        const [mask, paidFrom] = await rewards
          .connect(caller)
          .creditStreamToSets.staticCall([setId, setId + 1n], PER_SECOND, from, until);
        expect([mask, paidFrom]).to.deep.equal([0n, from]);
        const tx = rewards.connect(caller).creditStreamToSets([setId, setId + 1n], PER_SECOND, from, until);
        await expect(tx).to.not.emit(rewards, "FeesCredited");
        await expect(tx).to.changeTokenBalances(token, [caller, rewards], [0n, 0n]);
      }
      expect(await rewards.owedScaled(treasury)).to.equal(0n);
      expect(await rewards.rewardPerStakeBefore(setId, epoch + 1n)).to.equal(0n);

      // once the set counts stake: a rate of 0 credits nothing either, and returns where the time it paid (none) began
      const e1 = await nextEpoch(operatorSets);
      const now = BigInt(await time.latest());
      const [mask, paidFrom] = await rewards.connect(other).creditStreamToSets.staticCall([setId], 0n, now - 60n, now);
      expect([mask, paidFrom]).to.deep.equal([0n, now - 60n]);
      const tx = rewards.connect(other).creditStreamToSets([setId], 0n, now - 60n, now);
      await expect(tx).to.not.emit(rewards, "FeesCredited");
      await expect(tx).to.changeTokenBalances(token, [other, rewards], [0n, 0n]);
      // and no set at all credits nothing
      const [noneMask, nonePaidFrom] = await rewards
        .connect(other)
        .creditStreamToSets.staticCall([], PER_SECOND, now - 60n, now);
      expect([noneMask, nonePaidFrom]).to.deep.equal([0n, now - 60n]);
      expect(await rewards.rewardPerStakeBefore(setId, e1 + 1n)).to.equal(0n);
      expect(await rewards.owedScaled(treasury)).to.equal(0n);
    });

    it("refuses (RewardsInvalidParameter) from >= until, until in the future and more than 256 sets", async function () {
      const { rewards, token, operatorSets, payer, setId } = await loadFixture(rewardsFixture);
      await nextEpoch(operatorSets);
      const now = BigInt(await time.latest());
      const refuse = (setIds: bigint[], from: bigint, until: bigint) =>
        expect(rewards.connect(payer).creditStreamToSets(setIds, PER_SECOND, from, until))
          .to.be.revertedWithCustomError(rewards, "RewardsInvalidParameter")
          .withArgs();
      await refuse([setId], now - 10n, now - 10n);
      await refuse([setId], now - 10n, now - 11n);
      await refuse([setId], now - 10n, now + 3_600n);
      await refuse(Array<bigint>(257).fill(setId), now - 10n, now);
      expect(await token.balanceOf(rewards)).to.equal(0n);

      // at the bounds: `until` the block's own timestamp is accepted, one second later refused
      const at = now + 100n;
      await time.setNextBlockTimestamp(at);
      await refuse([setId], at - 10n, at + 1n);
      await time.setNextBlockTimestamp(at + 1n);
      const tx = rewards.connect(payer).creditStreamToSets([setId], PER_SECOND, at - 10n, at + 1n);
      await expect(tx).to.changeTokenBalances(token, [payer, rewards], [-11n * PER_SECOND, 11n * PER_SECOND]);
      // 256 sets are accepted (here all unknown: nothing credited)
      const [mask, paidFrom] = await rewards
        .connect(payer)
        .creditStreamToSets.staticCall(Array<bigint>(256).fill(setId + 1n), PER_SECOND, at - 10n, at);
      expect([mask, paidFrom]).to.deep.equal([0n, at - 10n]);
    });

    it("credits only the time since the previous epoch began: an older `from` is clamped to it and the payer keeps the rest; a stream entirely older credits nothing", async function () {
      const f = await loadFixture(rewardsFixture);
      const { rewards, token, operatorSets, payer, setId, treasury, epoch } = f;
      const h = new Harness(f);
      // the set counts stake from epoch + 1; the stream is credited in E = epoch + 3, whose previous epoch began at
      // opensAt; it was last paid at the start of `epoch`, three epochs before E
      await h.nextEpoch();
      await h.nextEpoch();
      const e = await h.nextEpoch();
      expect(e).to.equal(epoch + 3n);
      const opensAt = await operatorSets.epochStart(e - 1n);
      const from = await operatorSets.epochStart(epoch);
      const until = (await operatorSets.epochStart(e)) + 10_000n + 1n;
      await time.increaseTo(until);

      // a stream entirely older than E - 1 credits nothing, pulls nothing and returns (0, until)
      for (const old of [opensAt, opensAt - 1n]) {
        const [mask, paidFrom] = await rewards
          .connect(payer)
          .creditStreamToSets.staticCall([setId], PER_SECOND, from, old);
        expect([mask, paidFrom]).to.deep.equal([0n, old]);
        const tx = rewards.connect(payer).creditStreamToSets([setId], PER_SECOND, from, old);
        await expect(tx).to.not.emit(rewards, "FeesCredited");
        await expect(tx).to.changeTokenBalances(token, [payer, rewards], [0n, 0n]);
      }
      expect(await rewards.owedScaled(treasury)).to.equal(0n);

      // the whole stream: only [opensAt, until) is credited (two epochs' worth at most), the rest stays with the payer
      const [mask, paidFrom] = await rewards
        .connect(payer)
        .creditStreamToSets.staticCall([setId], PER_SECOND, from, until);
      expect([mask, paidFrom]).to.deep.equal([1n, opensAt]);
      const amount = PER_SECOND * (until - opensAt);
      const backlog = PER_SECOND * (until - from);
      expect(backlog - amount).to.equal(PER_SECOND * (opensAt - from));
      expect(backlog - amount).to.equal(PER_SECOND * 2n * (await operatorSets.epochLength()));
      const r = h.m.creditFees(setId, amount);
      expect(r.epoch).to.equal(e);
      const payerBefore = await token.balanceOf(payer);
      const tx = rewards.connect(payer).creditStreamToSets([setId], PER_SECOND, from, until);
      await expect(tx)
        .to.emit(rewards, "FeesCredited")
        .withArgs(setId, payer.address, e, amount, r.protocol, r.remainder);
      expect(await token.balanceOf(payer)).to.equal(payerBefore - amount);
      expect(await token.balanceOf(rewards)).to.equal(amount);
      await h.expectViews([[f.op1, setId]], [treasury]);
    });

    it("credits a stream from exactly the previous epoch's start in full; one second earlier is clamped by one second", async function () {
      const f = await loadFixture(rewardsFixture);
      const { rewards, token, operatorSets, payer, setId, treasury } = f;
      const h = new Harness(f);
      await h.nextEpoch();
      const e = await h.nextEpoch();
      const opensAt = await operatorSets.epochStart(e - 1n);
      const until = (await operatorSets.epochStart(e)) + 3_600n;
      await time.increaseTo(until);
      const amount = PER_SECOND * (until - opensAt);
      for (const from of [opensAt, opensAt - 1n]) {
        const [mask, paidFrom] = await rewards
          .connect(payer)
          .creditStreamToSets.staticCall([setId], PER_SECOND, from, until);
        expect([mask, paidFrom]).to.deep.equal([1n, opensAt]);
        const r = h.m.creditFees(setId, amount);
        const tx = rewards.connect(payer).creditStreamToSets([setId], PER_SECOND, from, until);
        await expect(tx)
          .to.emit(rewards, "FeesCredited")
          .withArgs(setId, payer.address, e, amount, r.protocol, r.remainder);
        await expect(tx).to.changeTokenBalances(token, [payer, rewards], [-amount, amount]);
      }
      await h.expectViews([[f.op1, setId]], [treasury]);
    });

    it("in epoch 0 and 1 a stream is clamped to the clock's start (genesis), not earlier", async function () {
      const { rewards, token, operatorSets, payer, setId, genesis } = await loadFixture(genesisFixture);
      // epoch 0: the set counts no stake yet, so nothing is credited; the time a stream would pay starts at genesis
      const now = BigInt(await time.latest());
      expect(now > genesis + 1n).to.equal(true);
      for (const [from, expected] of [
        [0n, genesis],
        [genesis - 1n, genesis],
        [genesis, genesis],
        [genesis + 1n, genesis + 1n],
      ]) {
        const [mask, paidFrom] = await rewards
          .connect(payer)
          .creditStreamToSets.staticCall([setId], PER_SECOND, from, now);
        expect([mask, paidFrom]).to.deep.equal([0n, expected]);
      }
      // epoch 1 (its previous epoch is 0): the set counts the allocation; a stream from before genesis pays from genesis
      const e1 = await nextEpoch(operatorSets);
      expect(e1).to.equal(1n);
      const until = (await operatorSets.epochStart(1)) + 5_000n;
      await time.increaseTo(until);
      const [mask, paidFrom] = await rewards
        .connect(payer)
        .creditStreamToSets.staticCall([setId], PER_SECOND, 0n, until);
      expect([mask, paidFrom]).to.deep.equal([1n, genesis]);
      const amount = PER_SECOND * (until - genesis);
      const r = creditFigures(amount, ALLOC1);
      const tx = rewards.connect(payer).creditStreamToSets([setId], PER_SECOND, 0n, until);
      await expect(tx)
        .to.emit(rewards, "FeesCredited")
        .withArgs(setId, payer.address, 1n, amount, r.protocol, r.remainder);
      await expect(tx).to.changeTokenBalances(token, [payer, rewards], [-amount, amount]);
      expect(await rewards.rewardPerStakeBefore(setId, 2n)).to.equal(r.increment);
    });

    it("a stake counted in one epoch takes at most two epochs of a stream", async function () {
      const f = await loadFixture(rewardsFixture);
      const { rewards, token, registry, operatorSets, payer, setId, treasury, frank, other: attacker } = f;
      const h = new Harness(f);
      const length = await operatorSets.epochLength();
      // a stream last paid at the start of the first epoch the set counts stake, then left unpaid for 30 epochs
      const streamFrom = await operatorSets.epochStart(h.epoch + 1n);
      await time.increaseTo(await operatorSets.epochStart(h.epoch + 30n));
      const before = await h.sync(); // E - 1
      // the attacker registers, is staked, and joins with ten times the set's stake in E - 1: it counts in E only
      await registry.connect(attacker).registerOperator("ipfs://attacker", 0);
      h.m.s.commission[attacker.address] = 0n;
      const honest = ALLOC1 + ALLOC2;
      const big = 10n * honest + 3n;
      await h.stake(frank, attacker, 0, big);
      await h.join(attacker, setId, big);
      const e = await h.nextEpoch();
      expect(e).to.equal(before + 1n);
      h.m.allocate(setId, attacker.address, 0n);
      await expect(operatorSets.connect(attacker).requestLeave(setId))
        .to.emit(operatorSets, "AllocationUpdated")
        .withArgs(setId, attacker.address, 0n, anyValue, anyValue, e + 1n);
      expect(await operatorSets.setStakeAt(setId, e)).to.equal(honest + big);
      expect(await operatorSets.setStakeAt(setId, e + 1n)).to.equal(honest);

      // at the end of E the whole backlog is streamed: only [start of E - 1, until) is credited, at most 2 epochs
      const opensAt = await operatorSets.epochStart(e - 1n);
      const until = (await operatorSets.epochStart(e + 1n)) - 2n;
      await time.increaseTo(until);
      const backlog = PER_SECOND * (until - streamFrom);
      const amount = PER_SECOND * (until - opensAt);
      expect(amount).to.equal(PER_SECOND * (2n * length - 2n));
      expect(backlog > 15n * amount).to.equal(true);
      const r = h.m.creditFees(setId, amount);
      expect([r.epoch, r.stake]).to.deep.equal([e, honest + big]);
      const [mask, paidFrom] = await rewards
        .connect(payer)
        .creditStreamToSets.staticCall([setId], PER_SECOND, streamFrom, until);
      expect([mask, paidFrom]).to.deep.equal([1n, opensAt]);
      const payerBefore = await token.balanceOf(payer);
      await expect(rewards.connect(payer).creditStreamToSets([setId], PER_SECOND, streamFrom, until))
        .to.emit(rewards, "FeesCredited")
        .withArgs(setId, payer.address, e, amount, r.protocol, r.remainder);
      // the payer paid two epochs' worth (less two seconds) and kept the rest of the backlog
      expect(payerBefore - (await token.balanceOf(payer))).to.equal(amount);

      // the attacker earned its share of those two epochs of fees, and nothing more
      await h.nextEpoch();
      const s = await h.settle(attacker, setId, CLAIM_STEPS, frank);
      const earned = s.toOperator + s.toStakers;
      expect(earned).to.equal(big * r.increment);
      const twoEpochs = PER_SECOND * 2n * length * SCALE;
      expect(earned <= (big * twoEpochs) / (honest + big)).to.equal(true);
      // without the window it would have taken its share of the whole backlog: over fifteen times as much
      expect(earned * 15n < (big * backlog * SCALE) / (honest + big)).to.equal(true);
      await h.expectViews(
        [
          [attacker, setId],
          [f.op1, setId],
        ],
        [treasury],
      );
    });
  });

  describe("settle", function () {
    it("splits exactly: allocation pro rata across operators, commission, units across stakers of different assets, remainders to the operator", async function () {
      const f = await loadFixture(rewardsFixture);
      const { rewards, registry, setId, op1, op2, alice, bob, carol, payer, other, treasury } = f;
      const h = new Harness(f);
      const e1 = await h.nextEpoch();
      // the LST of weight 2 minted 2 units per wei
      expect(await registry.unitsOf(bob, op1, 1)).to.equal(2n * BOB_LST);
      expect(await registry.unitsOf(alice, op1, 0)).to.equal(ALICE_ALT);
      const units1 = ALICE_ALT + 2n * BOB_LST;
      expect(await registry.operatorUnitsAt(op1, e1)).to.equal(units1);
      expect(await registry.operatorUnitsAt(op2, e1)).to.equal(CAROL_ALT);

      const credit = await h.credit(payer, setId, FEES);
      const e2 = await h.nextEpoch();
      const earned1 = ALLOC1 * credit.increment;
      const earned2 = ALLOC2 * credit.increment;
      // pro rata to the allocations, exactly
      expect(earned1 * ALLOC2).to.equal(earned2 * ALLOC1);
      const s1 = operatorSplit(earned1, OP1_COMMISSION, units1);
      const s2 = operatorSplit(earned2, OP2_COMMISSION, CAROL_ALT);
      // the divisions leave remainders, which go to the operators
      expect(s1.stakersPart % units1).to.be.greaterThan(0n);
      expect(s2.stakersPart % CAROL_ALT).to.be.greaterThan(0n);
      expect(s1.toOperator).to.equal(s1.commission + (s1.stakersPart % units1));

      // anyone settles; only the operators' and their stakers' accounts move
      for (const [op, s] of [
        [op1, s1],
        [op2, s2],
      ] as const) {
        expect(await rewards.connect(other).settle.staticCall(op, setId, CLAIM_STEPS)).to.equal(e2);
        await expect(rewards.connect(other).settle(op, setId, CLAIM_STEPS))
          .to.emit(rewards, "Settled")
          .withArgs(op.address, setId, 0, e2, s.toOperator, s.toStakers);
        h.m.settle(op.address, setId, CLAIM_STEPS);
        expect(await rewards.owedScaled(op)).to.equal(s.toOperator);
        expect(await rewards.settledUntil(op, setId)).to.equal(e2);
        expect(await rewards.rewardPerUnitBefore(op, setId, e1)).to.equal(0n);
        expect(await rewards.rewardPerUnitBefore(op, setId, e2)).to.equal(s.increment);
      }
      expect(await rewards.owedScaled(other)).to.equal(0n);
      await h.expectViews(
        [
          [op1, setId],
          [op2, setId],
        ],
        [op1, op2, treasury, other],
      );
      // nothing created, nothing lost
      expect(credit.protocol + s1.toOperator + s1.toStakers + s2.toOperator + s2.toStakers + credit.remainder).to.equal(
        FEES * SCALE,
      );

      // each staker takes units * increment: bob's LST counts twice its amount
      for (const [who, op, units, s] of [
        [alice, op1, ALICE_ALT, s1],
        [bob, op1, 2n * BOB_LST, s1],
        [carol, op2, CAROL_ALT, s2],
      ] as const) {
        const amount = units * s.increment;
        await expect(rewards.connect(who).claim([op], [setId]))
          .to.emit(rewards, "Accrued")
          .withArgs(who.address, op.address, setId, 0, e2, amount);
        h.m.claim(who.address, [op.address], [setId]);
        expect(await rewards.owedScaled(who)).to.equal(amount % SCALE);
      }
    });

    it("refuses maxSteps 0", async function () {
      const { rewards, op1, setId } = await loadFixture(settledFixture);
      await expect(rewards.settle(op1, setId, 0)).to.be.revertedWithCustomError(rewards, "RewardsInvalidParameter");
    });

    it("settling twice in the same epoch is a no-op returning the same epoch", async function () {
      const f = await loadFixture(settledFixture);
      const { rewards, op1, setId, other } = f;
      const h = new Harness(f);
      const before = {
        owed: await rewards.owedScaled(op1),
        perUnit: await rewards.rewardPerUnitBefore(op1, setId, h.epoch),
      };
      expect(await rewards.settledUntil(op1, setId)).to.equal(h.epoch);
      expect(await rewards.settle.staticCall(op1, setId, 1)).to.equal(h.epoch);
      const r = await h.settle(op1, setId, 1n, other);
      expect(r.emitted).to.equal(false);
      expect(await rewards.owedScaled(op1)).to.equal(before.owed);
      expect(await rewards.rewardPerUnitBefore(op1, setId, h.epoch)).to.equal(before.perUnit);
    });

    it("a maxSteps smaller than the number of changes stops at the last change read; calling again finishes with the total of one full settle", async function () {
      const { op1, other, setId, epoch, alice, bob, dave, erin } = await loadFixture(historyFixture);
      const e = (n: bigint) => epoch + n;
      const stakers = [alice, bob, dave, erin];

      // one full settle
      const full = new Harness(await loadFixture(historyFixture));
      const once = await full.settle(op1, setId, 1_000n, other);
      expect([once.from, once.until]).to.deep.equal([0n, e(6n)]);
      const fullClaimable = [];
      for (const s of stakers) {
        fullClaimable.push(await full.c.rewards.claimable(s, [op1], [setId]));
      }

      // the same history, two changes at a time
      const h = new Harness(await loadFixture(historyFixture));
      const steps = [];
      while ((await h.c.rewards.settledUntil(op1, setId)) < h.epoch) steps.push(await h.settle(op1, setId, 2n, other));
      // allocations change at E1, E3 (two read: stop at E3; the walk starts at E1, the first allocation, so the units'
      // window holds E2 only); then allocations at E5 and units at E4, E5 (two read: stop at E5)
      expect(steps.map((s) => [s.from, s.until])).to.deep.equal([
        [0n, e(3n)],
        [e(3n), e(5n)],
        [e(5n), e(6n)],
      ]);
      expect(steps.reduce((t, s) => t + s.toOperator, 0n)).to.equal(once.toOperator);
      expect(steps.reduce((t, s) => t + s.toStakers, 0n)).to.equal(once.toStakers);
      expect(await h.c.rewards.owedScaled(op1)).to.equal(once.toOperator);
      for (let n = 0n; n <= 7n; n++) {
        expect(await h.c.rewards.rewardPerUnitBefore(op1, setId, e(n))).to.equal(
          full.m.rewardPerUnitBefore(op1.address, setId, e(n)),
        );
      }
      for (const [i, s] of stakers.entries()) {
        expect(await h.c.rewards.claimable(s, [op1], [setId])).to.equal(fullClaimable[i]);
      }
      await h.expectViews([[op1, setId]], [op1]);
    });

    it("applies the commission in force at settlement: a decrease at once, an increase only after the delay", async function () {
      const f = await loadFixture(rewardsFixture);
      const { rewards, registry, payer, setId, op1, op2, other } = f;
      const h = new Harness(f);
      await h.nextEpoch();
      const first = await h.credit(payer, setId, FEES);
      await h.nextEpoch();
      await h.lowerCommission(op1, 0n); // at once: applies to the epochs settled from now on
      await expect(registry.connect(op2).setCommission(2000)).to.emit(registry, "CommissionChanged"); // waits 7 days
      expect(await registry.commissionOf(op2)).to.equal(OP2_COMMISSION);

      const units1 = ALICE_ALT + 2n * BOB_LST;
      const r1 = await h.settle(op1, setId, CLAIM_STEPS, other);
      const zero = operatorSplit(ALLOC1 * first.increment, 0n, units1);
      expect([r1.toOperator, r1.toStakers]).to.deep.equal([zero.toOperator, zero.toStakers]);
      expect(zero.commission).to.equal(0n);
      const r2 = await h.settle(op2, setId, CLAIM_STEPS, other);
      const five = operatorSplit(ALLOC2 * first.increment, OP2_COMMISSION, CAROL_ALT);
      expect([r2.toOperator, r2.toStakers]).to.deep.equal([five.toOperator, five.toStakers]);

      // fees of an epoch settled after the increase took effect pay the new commission
      const second = await h.credit(payer, setId, FEES);
      await time.increase(days(7));
      const later = await h.sync();
      expect(await registry.commissionOf(op2)).to.equal(2000n);
      h.m.s.commission[op2.address] = 2000n;
      const r3 = await h.settle(op2, setId, CLAIM_STEPS, other);
      expect(r3.until).to.equal(later);
      const twenty = operatorSplit(ALLOC2 * second.increment, 2000n, CAROL_ALT);
      expect([r3.toOperator, r3.toStakers]).to.deep.equal([twenty.toOperator, twenty.toStakers]);
      expect(await rewards.owedScaled(op2)).to.equal(five.toOperator + twenty.toOperator);
    });

    it("an operator with no stakers' units: everything goes to the operator", async function () {
      const f = await loadFixture(rewardsFixture);
      const { rewards, registry, operatorSets, deployer, payer, setId, other: op3, frank } = f;
      const h = new Harness(f);
      // an asset staked at a weight so low that it minted no units, then revalued by governance
      const dust = await (await ethers.getContractFactory("MockERC20")).deploy("Dust", "DST");
      await registry.connect(deployer).addAsset(dust, 1, 10n ** 30n);
      h.m.s.weights.push(1n);
      await dust.mint(frank, ALT);
      await dust.connect(frank).approve(registry, ethers.MaxUint256);
      await registry.connect(op3).registerOperator("ipfs://op3", 1500);
      h.m.s.commission[op3.address] = 1500n;
      const { units } = await h.stake(frank, op3, 2, ALT - 1n);
      expect(units).to.equal(0n);
      expect(await registry.unitsOf(frank, op3, 2)).to.equal(0n);
      await registry.connect(deployer).updateAsset(2, 1000n * ALT, 10n ** 30n);
      h.m.s.weights[2] = 1000n * ALT;
      expect(await registry.operatorStake(op3)).to.equal(h.m.activeValue(op3.address));
      const allocation = 500n * ALT + 3n;
      await h.join(op3, setId, allocation);
      expect(await operatorSets.freeStake(op3)).to.be.greaterThan(0n);

      await h.nextEpoch();
      const credit = await h.credit(payer, setId, FEES);
      await h.nextEpoch();
      expect(await registry.operatorUnitsAt(op3, h.epoch - 1n)).to.equal(0n);
      const earned = allocation * credit.increment;
      expect(earned).to.be.greaterThan(0n);
      const r = await h.settle(op3, setId, CLAIM_STEPS, frank);
      expect([r.toOperator, r.toStakers]).to.deep.equal([earned, 0n]);
      expect(await rewards.rewardPerUnitBefore(op3, setId, h.epoch)).to.equal(0n);
      expect(await h.claim(frank, [op3], [setId])).to.equal(0n);
      expect(await h.claim(op3, [], [])).to.equal(earned / SCALE);
    });
  });

  describe("claim", function () {
    it("stake that arrives and leaves within an epoch earns nothing of that epoch", async function () {
      for (const settleBetween of [false, true]) {
        const f = await loadFixture(rewardsFixture);
        const { rewards, registry, setId, op1, alice, bob, dave, payer, other } = f;
        const h = new Harness(f);
        const e1 = await h.nextEpoch();
        const units1 = ALICE_ALT + 2n * BOB_LST;
        // the just-in-time staker: a large stake, the fees, the request, all in one epoch
        const big = 1_000_000n * ALT + 17n;
        const staked = await h.stake(dave, op1, 0, big);
        expect(staked.moved).to.deep.equal({ key: e1 + 1n, own: big, total: units1 + big });
        if (settleBetween) await h.settle(op1, setId, CLAIM_STEPS, other);
        const credit = await h.credit(payer, setId, FEES);
        const left = await h.requestUnstake(dave, op1, 0, staked.shares);
        expect(left.moved).to.deep.equal({ key: e1 + 1n, own: 0n, total: units1 });
        expect(await registry.stakerUnitsAt(dave, op1, e1 + 1n)).to.equal(0n);
        expect(await registry.operatorUnitsAt(op1, e1 + 1n)).to.equal(units1);

        await h.nextEpoch();
        expect(await h.claim(dave, [op1], [setId])).to.equal(0n);
        expect(await rewards.claimable(dave, [op1], [setId])).to.equal(0n);
        // the honest stakers share op1's earnings as if the attacker had never come
        const s = operatorSplit(ALLOC1 * credit.increment, OP1_COMMISSION, units1);
        expect(await h.claim(alice, [op1], [setId])).to.equal((ALICE_ALT * s.increment) / SCALE);
        expect(await h.claim(bob, [op1], [setId])).to.equal((2n * BOB_LST * s.increment) / SCALE);
        await expect(rewards.connect(dave).claim([op1], [setId])).to.be.revertedWithCustomError(
          rewards,
          "RewardsZeroAmount",
        );
      }
    });

    it("reproduces the worked example: 100 ALT of fees, 10 ALT protocol, 81 ALT to the staker, 9 ALT commission", async function () {
      const {
        rewards,
        registry,
        operatorSets,
        service,
        token,
        treasury,
        payer,
        other: op,
        frank: staker,
        dave: jit,
      } = await loadFixture(rewardsFixture);
      await registry.connect(op).registerOperator("ipfs://example", 1000);
      await registry.connect(staker).stake(op, 0, 1000n * ALT);
      await service.createSet(ethers.id("example"), MIN_STAKE, 8);
      const exampleSet = await operatorSets.setIdOf(service, ethers.id("example"));
      await operatorSets.connect(op).join(exampleSet, 1000n * ALT);
      await nextEpoch(operatorSets);
      const shares = await registry.connect(jit).stake.staticCall(op, 0, 3000n * ALT);
      await registry.connect(jit).stake(op, 0, 3000n * ALT);
      const treasuryBefore = await rewards.owedScaled(treasury);
      await rewards.connect(payer).creditFees(exampleSet, 100n * ALT);
      expect((await rewards.owedScaled(treasury)) - treasuryBefore).to.equal(10n * ALT * SCALE);
      await registry.connect(jit).requestUnstake(op, 0, shares);
      await nextEpoch(operatorSets);
      await rewards.settle(op, exampleSet, CLAIM_STEPS);
      await expect(rewards.connect(staker).claim([op], [exampleSet]))
        .to.emit(rewards, "Claimed")
        .withArgs(staker.address, 81n * ALT);
      // the just-in-time staker's claim walks its epochs, earns nothing and pays nothing; a second one is refused
      const epoch = await operatorSets.currentEpoch();
      const jitClaim = rewards.connect(jit).claim([op], [exampleSet]);
      await expect(jitClaim).to.emit(rewards, "Accrued").withArgs(jit.address, op.address, exampleSet, 0n, epoch, 0n);
      await expect(jitClaim).not.to.emit(rewards, "Claimed");
      await expect(jitClaim).to.changeTokenBalance(token, jit, 0n);
      expect(await rewards.claimedUntil(jit, op, exampleSet)).to.equal(epoch);
      await expect(rewards.connect(jit).claim([op], [exampleSet])).to.be.revertedWithCustomError(
        rewards,
        "RewardsZeroAmount",
      );
      await expect(rewards.connect(op).claim([], []))
        .to.emit(rewards, "Claimed")
        .withArgs(op.address, 9n * ALT);
      for (const account of [staker, jit, op]) expect(await rewards.owedScaled(account)).to.equal(0n);
    });

    it("stake earns only the epochs it was counted in", async function () {
      const f = await loadFixture(rewardsFixture);
      const { rewards, registry, setId, op1, alice, dave, payer, other } = f;
      const h = new Harness(f);
      const e1 = await h.nextEpoch();
      const amount = 400n * ALT + 13n;
      const { shares } = await h.stake(dave, op1, 0, amount); // counts from e1 + 1
      await h.credit(payer, setId, FEES);
      await h.nextEpoch(); // e1 + 1
      await h.credit(payer, setId, FEES + 1n);
      await h.nextEpoch(); // e1 + 2
      await h.credit(payer, setId, FEES + 2n);
      await h.requestUnstake(dave, op1, 0, shares); // still counted (and slashable) in e1 + 2, not from e1 + 3
      expect(await registry.stakerUnitsAt(dave, op1, e1 + 2n)).to.equal(amount);
      expect(await registry.stakerUnitsAt(dave, op1, e1 + 3n)).to.equal(0n);
      await h.nextEpoch(); // e1 + 3
      await h.credit(payer, setId, FEES + 3n);
      const e5 = await h.nextEpoch();
      await h.settle(op1, setId, CLAIM_STEPS, other);

      const perUnit = async (e: bigint) => rewards.rewardPerUnitBefore(op1, setId, e);
      // every epoch paid op1's stakers something: dave could have earned in e1 and e1 + 3, had he been counted
      expect(await perUnit(e1 + 1n)).to.be.greaterThan(await perUnit(e1));
      expect(await perUnit(e5)).to.be.greaterThan(await perUnit(e1 + 3n));
      const daveEarned = amount * ((await perUnit(e1 + 3n)) - (await perUnit(e1 + 1n)));
      expect(daveEarned).to.equal(h.m.earned(dave.address, op1.address, setId).amount);
      await expect(rewards.connect(dave).claim([op1], [setId]))
        .to.emit(rewards, "Accrued")
        .withArgs(dave.address, op1.address, setId, 0, e5, daveEarned);
      h.m.claim(dave.address, [op1.address], [setId]);
      expect(await rewards.owedScaled(dave)).to.equal(daveEarned % SCALE);
      // alice was counted throughout
      const aliceEarned = ALICE_ALT * (await perUnit(e5));
      expect(await h.claim(alice, [op1], [setId])).to.equal(aliceEarned / SCALE);
    });

    it("pays floor(owed / 1e18) and keeps the fraction owed; claimable after settlement equals what claim pays", async function () {
      const f = await loadFixture(settledFixture);
      const { rewards, setId, op1, op2, alice, bob, carol } = f;
      const h = new Harness(f);
      for (const [who, op] of [
        [alice, op1],
        [bob, op1],
        [carol, op2],
      ] as const) {
        const earned = h.m.earned(who.address, op.address, setId).amount;
        expect(earned % SCALE).to.be.greaterThan(0n);
        expect(await rewards.claimable(who, [op], [setId])).to.equal(earned / SCALE);
        expect(await rewards.connect(who).claim.staticCall([op], [setId])).to.equal(earned / SCALE);
        expect(await h.claim(who, [op], [setId])).to.equal(earned / SCALE);
        expect(await rewards.owedScaled(who)).to.equal(earned % SCALE);
        expect(await rewards.claimable(who, [op], [setId])).to.equal(0n);
        // the fraction alone is not a whole wei
        await expect(rewards.connect(who).claim([op], [setId])).to.be.revertedWithCustomError(
          rewards,
          "RewardsZeroAmount",
        );
      }
      // the operators' commissions, the same way
      for (const op of [op1, op2]) {
        const owed = await rewards.owedScaled(op);
        expect(owed % SCALE).to.be.greaterThan(0n);
        expect(await rewards.claimable(op, [], [])).to.equal(owed / SCALE);
        expect(await h.claim(op, [], [])).to.equal(owed / SCALE);
        expect(await rewards.owedScaled(op)).to.equal(owed % SCALE);
        await expect(rewards.connect(op).claim([], [])).to.be.revertedWithCustomError(rewards, "RewardsZeroAmount");
      }
    });

    it("claimable counts settled epochs only: claim settles first and may pay more", async function () {
      const f = await loadFixture(settledFixture);
      const { rewards, setId, op1, alice, payer } = f;
      const h = new Harness(f);
      await h.credit(payer, setId, FEES);
      await h.nextEpoch();
      const settledOnly = h.m.claimable(alice.address, [op1.address], [setId]);
      expect(await rewards.claimable(alice, [op1], [setId])).to.equal(settledOnly);
      const paid = await rewards.connect(alice).claim.staticCall([op1], [setId]);
      expect(paid).to.be.greaterThan(settledOnly);
      expect(await h.claim(alice, [op1], [setId])).to.equal(paid);
    });

    it("pays a pair listed twice once", async function () {
      const f = await loadFixture(settledFixture);
      const { rewards, setId, op1, op2, alice } = f;
      const h = new Harness(f);
      await h.stake(alice, op2, 0, 10n * ALT); // alice stakes with op2 too (counted from the next epoch)
      const single = await rewards.connect(alice).claim.staticCall([op1], [setId]);
      expect(await rewards.claimable(alice, [op1, op1], [setId, setId])).to.equal(single);
      expect(await rewards.claimable(alice, [op1, op2, op1], [setId, setId, setId])).to.equal(single);
      expect(await h.claim(alice, [op1, op2, op1], [setId, setId, setId])).to.equal(single);
      expect(await eventCount(rewards.connect(f.bob).claim([op1, op1], [setId, setId]), rewards, "Accrued")).to.equal(
        1,
      );
    });

    it("refuses operators and set ids of different lengths", async function () {
      const { rewards, alice, op1, setId } = await loadFixture(settledFixture);
      await expect(rewards.connect(alice).claim([op1], [])).to.be.revertedWithCustomError(
        rewards,
        "RewardsLengthMismatch",
      );
      await expect(rewards.connect(alice).claim([], [setId])).to.be.revertedWithCustomError(
        rewards,
        "RewardsLengthMismatch",
      );
      await expect(rewards.claimable(alice, [op1, op1], [setId])).to.be.revertedWithCustomError(
        rewards,
        "RewardsLengthMismatch",
      );
    });

    it("refuses an account owed nothing", async function () {
      const { rewards, other, op1, setId } = await loadFixture(settledFixture);
      expect(await rewards.claimable(other, [op1], [setId])).to.equal(0n);
      // the first claim of the pair moves the account's walk on (paying nothing); then there is nothing left to do
      const until = await rewards.settledUntil(op1, setId);
      await expect(rewards.connect(other).claim([op1], [setId]))
        .to.emit(rewards, "Accrued")
        .withArgs(other.address, op1.address, setId, 0n, until, 0n)
        .and.not.to.emit(rewards, "Claimed");
      await expect(rewards.connect(other).claim([op1], [setId])).to.be.revertedWithCustomError(
        rewards,
        "RewardsZeroAmount",
      );
      await expect(rewards.connect(other).claim([], [])).to.be.revertedWithCustomError(rewards, "RewardsZeroAmount");
    });

    it("pays the treasury its protocol share and the credit's rounding remainder with claim([], [])", async function () {
      const { rewards, token, treasury } = await loadFixture(settledFixture);
      const protocol = (FEES * SCALE * PROTOCOL_BPS) / BPS;
      const rest = FEES * SCALE - protocol;
      const stake = ALLOC1 + ALLOC2;
      const owed = protocol + (rest - (rest / stake) * stake);
      // 100 ALT + 0.7 wei of protocol share and 5.58 wei of remainder: 100 ALT + 6 wei whole, 0.28 wei kept
      expect(owed).to.equal(100_000_000_000_000_000_006_280_000_000_000_000_000n);
      expect(await rewards.owedScaled(treasury)).to.equal(owed);
      expect(await rewards.claimable(treasury, [], [])).to.equal(owed / SCALE);
      const tx = rewards.connect(treasury).claim([], []);
      await expect(tx)
        .to.emit(rewards, "Claimed")
        .withArgs(treasury.address, 100n * ALT + 6n);
      await expect(tx).to.changeTokenBalances(token, [treasury, rewards], [owed / SCALE, -(owed / SCALE)]);
      expect(await rewards.owedScaled(treasury)).to.equal(280_000_000_000_000_000n);
    });

    it("a staker with more than CLAIM_STEPS unit changes claims in several calls and gets the same total", async function () {
      const f = await loadFixture(manyChangesFixture);
      const { rewards, setId, op1, dave, epoch } = f;
      const e1 = epoch + 1n;
      const h = new Harness(f);
      // what a claim without a step limit would take
      const unbounded = h.m.clone();
      unbounded.claimSteps = 1_000n;
      const total = unbounded.earned(dave.address, op1.address, setId);
      expect([total.from, total.until]).to.deep.equal([0n, h.epoch]);
      expect(total.amount).to.be.greaterThan(0n);

      // the first claim stops at dave's 64th change, the second goes on to the settled epoch
      const paid1 = await h.claim(dave, [op1], [setId]);
      expect(await rewards.claimedUntil(dave, op1, setId)).to.equal(e1 + CLAIM_STEPS);
      const paid2 = await h.claim(dave, [op1], [setId]);
      expect(await rewards.claimedUntil(dave, op1, setId)).to.equal(h.epoch);
      expect(paid1).to.be.greaterThan(0n);
      expect(paid2).to.be.greaterThan(0n);
      expect((paid1 + paid2) * SCALE + (await rewards.owedScaled(dave))).to.equal(total.amount);
      await expect(rewards.connect(dave).claim([op1], [setId])).to.be.revertedWithCustomError(
        rewards,
        "RewardsZeroAmount",
      );

      // the same history, the pair listed twice: the second listing goes on from where the first stopped
      const again = new Harness(await loadFixture(manyChangesFixture));
      const paid = await again.claim(dave, [op1, op1], [setId, setId]);
      expect(await rewards.claimedUntil(dave, op1, setId)).to.equal(again.epoch);
      expect(paid * SCALE + (await rewards.owedScaled(dave))).to.equal(total.amount);
    });

    it("rewards after a slash: the unit rate rises by 1 / (1 - f) and rewards follow the current stake value", async function () {
      const f = await loadFixture(rewardsFixture);
      const { rewards, registry, operatorSets, slashingManager, service, setId, op1, alice, bob, erin, payer, other } =
        f;
      const h = new Harness(f);
      await h.nextEpoch();
      await h.credit(payer, setId, FEES);

      const id = await slashingManager.requestCount();
      await service.requestSlash(op1, setId, 1000, REASON, ethers.id("evidence"), other, await time.latest());
      const request = await slashingManager.request(id);
      await time.increaseTo(request.executableAt);
      await h.sync();
      const expected = await expectedSlash(
        registry,
        operatorSets,
        op1.address,
        setId,
        1000,
        request.requestedAt,
        request.slashable,
      );
      expect(expected.value).to.be.greaterThan(0n);
      await expect(slashingManager.execute(id)).to.emit(slashingManager, "SlashExecuted");
      h.m.slash(op1.address, setId, expected);
      const rate = (RATE_UNIT * expected.totalValue) / (expected.totalValue - expected.value);
      expect(rate).to.be.greaterThan(RATE_UNIT);
      expect(await registry.unitRate(op1)).to.equal(rate);
      expect(h.m.rateOf(op1.address)).to.equal(rate);
      // the existing units are kept; the stake behind them lost the fraction value / totalValue
      expect(await registry.unitsOf(alice, op1, 0)).to.equal(ALICE_ALT);

      // a staker after the slash gets value * rate / 1e18 units
      const amount = 600n * ALT + 19n;
      const { units: erinUnits, shares: erinShares } = await h.stake(erin, op1, 0, amount);
      expect(erinUnits).to.equal((amount * rate) / RATE_UNIT);
      const eAfter = await h.nextEpoch();
      await h.credit(payer, setId, FEES);
      const eEnd = await h.nextEpoch();
      await h.settle(op1, setId, CLAIM_STEPS, other);

      // in the epoch after the slash, alice's and erin's rewards stand as their stakes' current values
      const increment =
        (await rewards.rewardPerUnitBefore(op1, setId, eEnd)) - (await rewards.rewardPerUnitBefore(op1, setId, eAfter));
      expect(increment).to.be.greaterThan(0n);
      const valueOf = async (who: Signer, assetId: number, weight: bigint) =>
        ((await registry.sharesToAmount(op1, assetId, await registry.sharesOf(who, op1, assetId))) * weight) /
        WEIGHT_UNIT;
      const stakes = [
        { reward: ALICE_ALT * increment, value: await valueOf(alice, 0, ALT_WEIGHT) },
        { reward: 2n * BOB_LST * increment, value: await valueOf(bob, 1, LST_WEIGHT) },
        { reward: erinUnits * increment, value: await valueOf(erin, 0, ALT_WEIGHT) },
      ];
      expect(stakes[2].value).to.equal(amount - 1n); // the share price's rounding
      // reward / value is the same for all three, to the rounding of shares and rate (1e-12 here)
      const [first] = stakes;
      for (const { reward, value } of stakes.slice(1)) {
        const [a, b] = [first.reward * value, reward * first.value];
        expect((a > b ? a - b : b - a) * 10n ** 12n).to.be.lessThan(a);
      }
      // alice's stake lost value, erin's did not: erin's units outnumber her ALT
      expect(stakes[0].value).to.be.lessThan(ALICE_ALT);
      expect(erinUnits).to.be.greaterThan(amount);

      for (const who of [alice, bob, erin]) await h.claim(who, [op1], [setId]);
      await h.claim(op1, [], []);
      await h.expectViews([[op1, setId]], [op1, alice, bob, erin]);
    });
  });

  describe("conservation", function () {
    it("rewards are conserved exactly", async function () {
      const f = await loadFixture(rewardsFixture);
      const { rewards, token, service, operatorSets, treasury, payer, other, op1, op2 } = f;
      const { alice, bob, carol, dave, erin, frank, setId: set1 } = f;
      const h = new Harness(f);
      // E0: a second set, op2 joins it; both sets count no stake yet and refuse fees (nothing credited)
      const key = ethers.id("rollup-2/service");
      await service.createSet(key, MIN_STAKE, 64);
      const set2 = await operatorSets.setIdOf(service, key);
      await h.join(op2, set2, 150n * ALT + 13n);
      for (const [setId, amount] of [
        [set1, FEES],
        [set2, 77n * ALT + 1n],
      ] as const) {
        await expect(rewards.connect(payer).creditFees(setId, amount))
          .to.be.revertedWithCustomError(rewards, "RewardsNoStake")
          .withArgs(setId, h.epoch);
      }
      // what each credit owes the treasury: its protocol share and its rounding remainder
      const credits: { protocol: bigint; remainder: bigint }[] = [];
      // E1
      await h.nextEpoch();
      credits.push(await h.credit(payer, set1, FEES));
      credits.push(await h.credit(payer, set2, 33n * ALT + 5n));
      const daveStake = await h.stake(dave, op1, 0, 250n * ALT + 3n);
      await h.stake(erin, op2, 1, 100n * ALT + 9n);
      // E2: op1 lowers its commission; frank comes and goes; carol leaves in part
      await h.nextEpoch();
      await h.lowerCommission(op1, 500n);
      const jit = await h.stake(frank, op2, 0, 1_000_000n * ALT);
      credits.push(await h.credit(payer, set1, 3n * FEES + 1n));
      await h.requestUnstake(frank, op2, 0, jit.shares);
      await h.requestUnstake(carol, op2, 0, h.m.position(carol.address, op2.address, 0).shares / 4n);
      await h.settle(op1, set1, 2n, other);
      // E3: a credit of 5 wei to set2, alice claims midway, op1 allocates more
      await h.nextEpoch();
      credits.push(await h.credit(payer, set1, FEES));
      credits.push(await h.credit(payer, set2, 5n));
      const claims = [await h.claim(alice, [op1], [set1])];
      await h.allocate(op1, set1, ALLOC1 + 100n * ALT);
      // E4
      await h.nextEpoch();
      await h.requestUnstake(dave, op1, 0, daveStake.shares / 2n);
      credits.push(await h.credit(payer, set1, FEES));
      credits.push(await h.credit(payer, set2, 21n * ALT));
      // E5
      await h.nextEpoch();
      credits.push(await h.credit(payer, set1, 7n));
      // E6: everything settled, every account claims
      await h.nextEpoch();
      const pairs: [Signer, bigint][] = [
        [op1, set1],
        [op1, set2],
        [op2, set1],
        [op2, set2],
      ];
      for (const [op, setId] of pairs) await h.settle(op, setId, 1_000n, other);
      await h.expectViews(pairs, [treasury, op1, op2]);
      const accounts = [treasury, op1, op2, alice, bob, carol, dave, erin, frank];
      for (const account of accounts) {
        claims.push(
          await h.claim(
            account,
            pairs.map(([op]) => op),
            pairs.map(([, setId]) => setId),
          ),
        );
      }
      expect(claims.filter((c) => c === 0n).length).to.equal(1); // frank, who earned nothing

      const credited = h.m.s.credited;
      const paid = claims.reduce((t, c) => t + c, 0n);
      expect(paid).to.equal(h.m.s.paid);
      let owed = 0n;
      for (const account of accounts) owed += await rewards.owedScaled(account);
      // nothing waits for a later credit: every scaled unit credited was paid or is owed
      expect(credited * SCALE).to.equal(paid * SCALE + owed);
      // the treasury took (claims[1]) and is owed exactly the protocol shares and the remainders, which were not zero
      const remainders = credits.reduce((t, c) => t + c.remainder, 0n);
      expect(remainders).to.be.greaterThan(0n);
      const toTreasury = credits.reduce((t, c) => t + c.protocol, 0n) + remainders;
      expect(claims[1] * SCALE + (await rewards.owedScaled(treasury))).to.equal(toTreasury);
      expect(await token.balanceOf(rewards)).to.equal(credited - paid);
      // and no staker has anything left to take
      for (const account of accounts) {
        expect(
          await rewards.claimable(
            account,
            pairs.map(([op]) => op),
            pairs.map(([, setId]) => setId),
          ),
        ).to.equal((await rewards.owedScaled(account)) / SCALE);
      }
    });
  });

  describe("upgrades", function () {
    /** The Ignition-deployed proxy, registered with the upgrades plugin. */
    async function importedFixture() {
      const base = await loadFixture(rewardsFixture);
      const V1 = await ethers.getContractFactory("RewardsDistributor");
      await upgrades.forceImport(await base.rewards.getAddress(), V1, { kind: "uups" });
      return base;
    }

    it("validates RewardsDistributorV2 as an upgrade of the deployed proxy", async function () {
      const { rewards } = await loadFixture(importedFixture);
      const V2 = await ethers.getContractFactory("RewardsDistributorV2");
      await upgrades.validateUpgrade(await rewards.getAddress(), V2, { kind: "uups" });
    });

    it("refuses, in the plugin, an upgrade to an implementation without the distributor's storage", async function () {
      const { rewards } = await loadFixture(importedFixture);
      const Unrelated = await ethers.getContractFactory("RestakingRegistryV2");
      await expect(
        upgrades.validateUpgrade(await rewards.getAddress(), Unrelated, { kind: "uups" }),
      ).to.be.rejectedWith(/alt\.storage\.RewardsDistributor/);
    });

    it("lets only the owner upgrade, keeping every balance and checkpoint", async function () {
      const { rewards, deployer, other, setId, op1, treasury, alice, bob } = await loadFixture(settledFixture);
      await rewards.connect(bob).claim([op1], [setId]);
      const implementation = await (await ethers.getContractFactory("RewardsDistributorV2")).deploy();
      await expect(rewards.connect(other).upgradeToAndCall(implementation, "0x"))
        .to.be.revertedWithCustomError(rewards, "OwnableUnauthorizedAccount")
        .withArgs(other.address);
      const epoch = await rewards.settledUntil(op1, setId);
      const read = async (r: RewardsDistributor) => [
        await r.rewardPerStakeBefore(setId, epoch),
        await r.rewardPerUnitBefore(op1, setId, epoch),
        await r.settledUntil(op1, setId),
        await r.claimedUntil(bob, op1, setId),
        await r.owedScaled(treasury),
        await r.owedScaled(op1),
        await r.claimable(alice, [op1], [setId]),
      ];
      const before = await read(rewards);
      expect(before.every((v) => v > 0n)).to.equal(true);
      await expect(rewards.connect(deployer).upgradeToAndCall(implementation, "0x"))
        .to.emit(rewards, "Upgraded")
        .withArgs(await implementation.getAddress());
      const v2 = await ethers.getContractAt("RewardsDistributorV2", await rewards.getAddress());
      expect(await v2.version()).to.equal(2n);
      expect(await read(v2 as unknown as RewardsDistributor)).to.deep.equal(before);
    });
  });
});
