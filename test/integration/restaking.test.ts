// Cross-module flows of the restaking layer: registry, operator sets, slashing manager and rewards distributor together.
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { AddressLike, BaseContract, ContractTransactionReceipt } from "ethers";
import type {
  IRestakingRegistry,
  MockService,
  OperatorSets,
  RestakingRegistry,
  SlashingManager,
} from "../../typechain-types";
import { ALT } from "../helpers/constants";
import { days, nextEpoch } from "../helpers/time";
import { deployProtocol } from "../helpers/protocol";
import { toWithdrawal } from "../../tasks/lib/restaking";

const SCALE = 10n ** 18n;
const BPS = 10_000n;
const VIRTUAL_SHARES = 1_000_000n;
const WEIGHTS = [10n ** 18n, 2n * 10n ** 18n]; // ALT, LST
const PROTOCOL_BPS = 1_000n; // hardhat.json
const REPORTER_BPS = 1_000n; // hardhat.json
const SLASH_BPS = 1_000n;
/** revalueUnits refuses units within this much (bps) of what the position is worth now. */
const REVALUE_TOLERANCE_BPS = 10n;
const MIN_STAKE = 100n * ALT;

const ALICE_ALT = 1_234_567_890_123_456_789_012n;
const BOB_LST = 321_987_654_321_000_000_777n;
const CAROL_ALT = 777_000_000_000_000_000_555n;
const DAVE_ALT = 2_000n * ALT + 13n;

// ================================================================= independent model of pools and rewards

interface PoolModel {
  totalShares: bigint;
  totalAssets: bigint;
  queued: bigint;
  weight: bigint;
}

/** Shares priced (totalAssets + 1) / (totalShares + 1e6), floors as the spec says. */
const sharesFor = (p: PoolModel, amount: bigint) => (amount * (p.totalShares + VIRTUAL_SHARES)) / (p.totalAssets + 1n);
const toAmount = (p: PoolModel, shares: bigint) => (shares * (p.totalAssets + 1n)) / (p.totalShares + VIRTUAL_SHARES);

type Signer = HardhatEthersSigner;

/** An epoch-keyed history: [key, value] pairs by increasing key; a value counts from its key on. */
type Trace = [bigint, bigint][];

/** Records `value` from epoch `key` on (replacing a value recorded at the same key). */
function push(trace: Trace, key: bigint, value: bigint) {
  const last = trace[trace.length - 1];
  if (last !== undefined && last[0] === key) last[1] = value;
  else trace.push([key, value]);
}
/** The value in force at `epoch`: the last one keyed at or before it (0 before any). */
function lookup(trace: Trace, epoch: bigint): bigint {
  let value = 0n;
  for (const [key, v] of trace) {
    if (key > epoch) break;
    value = v;
  }
  return value;
}
const latest = (trace: Trace) => (trace.length === 0 ? 0n : trace[trace.length - 1][1]);
/** The keys strictly between `from` and `until`. */
const keysIn = (trace: Trace, from: bigint, until: bigint) =>
  trace.filter(([key]) => key > from && key < until).map(([key]) => key);

/**
 * What a claim settles, accrues and pays, as its events report it; `reverted` when it is refused (RewardsZeroAmount:
 * it pays nothing and moves none of the account's walks on), then with no events and nothing changed.
 */
interface ClaimResult {
  settled: [string, bigint, bigint, bigint, bigint, bigint][]; // Settled(operator, setId, from, until, toOp, toStakers)
  accrued: [string, string, bigint, bigint, bigint, bigint][]; // Accrued(staker, operator, setId, from, until, amount)
  paid: bigint;
  reverted: boolean;
}

/** How a claim ends: it pays, it only moves the account's walks on (paying nothing), or it is refused. */
type ClaimOutcome = "pays" | "movesOn" | "refused";

/**
 * Pools, positions with their reward units, and the rewards of one operator set, computed from the rules (common to
 * the spec and the contracts' NatSpec), not read from the contracts: units = value * unitRate / 1e18 per stake, burned
 * pro rata by a request, counted from the next epoch; a credit raises the set's reward per stake of its epoch by
 * rest / stake (the remainder to the treasury, with the protocol share); an operator's settlement walks the stretches where its allocation and units are
 * constant (commission in force at settlement, the stakers' part divided by the units, the remainder to the operator);
 * a staker earns its units times the rise in reward per unit. Allocations are inputs: the harness records them as the
 * operator sets count them.
 */
class Ledger {
  readonly pools = new Map<string, PoolModel>();
  readonly positions = new Map<
    string,
    { staker: string; operator: string; asset: number; shares: bigint; units: bigint }
  >();
  readonly rates = new Map<string, bigint>();
  readonly operatorUnits = new Map<string, Trace>();
  readonly stakerUnits = new Map<string, Trace>();
  readonly allocations = new Map<string, Trace>();
  /** The set's cumulative reward per stake, keyed by the epoch of the credit that raised it. */
  readonly perStake: Trace = [];
  /** Each operator's cumulative reward per unit, keyed by the end of the stretch that raised it. */
  readonly perUnit = new Map<string, Trace>();
  readonly settledUntil = new Map<string, bigint>();
  readonly claimedUntil = new Map<string, bigint>();
  readonly owed = new Map<string, bigint>();
  /** Each asset's weight now (governance may change it: new stake and revalues use it). */
  readonly weights = [...WEIGHTS];
  credited = 0n;
  claimed = 0n;

  constructor(
    readonly treasury: string,
    readonly setId: bigint,
  ) {}

  private static trace(map: Map<string, Trace>, key: string): Trace {
    if (!map.has(key)) map.set(key, []);
    return map.get(key)!;
  }

  pool(operator: string, asset: number): PoolModel {
    const key = `${operator}/${asset}`;
    if (!this.pools.has(key))
      this.pools.set(key, { totalShares: 0n, totalAssets: 0n, queued: 0n, weight: this.weights[asset] });
    return this.pools.get(key)!;
  }

  position(staker: string, operator: string, asset: number) {
    const key = `${staker}/${operator}/${asset}`;
    if (!this.positions.has(key)) this.positions.set(key, { staker, operator, asset, shares: 0n, units: 0n });
    return this.positions.get(key)!;
  }

  rate(operator: string) {
    return this.rates.get(operator) ?? SCALE;
  }

  unitsOf(operator: string, staker?: string): Trace {
    return staker === undefined
      ? Ledger.trace(this.operatorUnits, operator)
      : Ledger.trace(this.stakerUnits, `${operator}/${staker}`);
  }

  allocationOf(operator: string): Trace {
    return Ledger.trace(this.allocations, operator);
  }

  private moveUnits(staker: string, operator: string, delta: bigint, epoch: bigint) {
    for (const trace of [this.unitsOf(operator, staker), this.unitsOf(operator)])
      push(trace, epoch + 1n, latest(trace) + delta);
  }

  /** A stake in `epoch`: shares at the pool's price, units at the operator's rate, counted from epoch + 1. */
  stake(staker: string, operator: string, asset: number, amount: bigint, epoch: bigint): bigint {
    const p = this.pool(operator, asset);
    const shares = sharesFor(p, amount);
    p.totalShares += shares;
    p.totalAssets += amount;
    const value = asset === 0 ? amount : (amount * p.weight) / SCALE;
    const units = (value * this.rate(operator)) / SCALE;
    const position = this.position(staker, operator, asset);
    position.shares += shares;
    position.units += units;
    if (units !== 0n) this.moveUnits(staker, operator, units, epoch);
    return shares;
  }

  /** An unstake request in `epoch`: the shares' units, pro rata (all with the last share), stop from epoch + 1. */
  request(staker: string, operator: string, asset: number, shares: bigint, epoch: bigint) {
    const position = this.position(staker, operator, asset);
    const burned = shares === position.shares ? position.units : (position.units * shares) / position.shares;
    position.shares -= shares;
    position.units -= burned;
    this.pool(operator, asset).queued += shares;
    if (burned !== 0n) this.moveUnits(staker, operator, -burned, epoch);
  }

  /** Governance sets `asset`'s weight: every pool of it is valued at it from now on; minted units keep theirs. */
  reweigh(asset: number, weight: bigint) {
    this.weights[asset] = weight;
    for (const [key, p] of this.pools) if (key.endsWith(`/${asset}`)) p.weight = weight;
  }

  /**
   * A revalue in `epoch`: the position's active shares valued now (the pool's price, the asset's weight now, the
   * operator's rate) replace its units from epoch + 1, unless they are within 0.1 % of them (`inLine`: refused).
   */
  revalue(staker: string, operator: string, asset: number, epoch: bigint) {
    const p = this.pool(operator, asset);
    const position = this.position(staker, operator, asset);
    const amount = toAmount(p, position.shares);
    const value = asset === 0 ? amount : (amount * p.weight) / SCALE;
    const units = (value * this.rate(operator)) / SCALE;
    const previous = position.units;
    const gap = units > previous ? units - previous : previous - units;
    if (gap * BPS <= previous * REVALUE_TOLERANCE_BPS) return { previous, units, inLine: true };
    position.units = units;
    this.moveUnits(staker, operator, units - previous, epoch);
    return { previous, units, inLine: false };
  }

  complete(operator: string, asset: number, shares: bigint): bigint {
    const p = this.pool(operator, asset);
    const amount = toAmount(p, shares);
    p.totalShares -= shares;
    p.queued -= shares;
    p.totalAssets -= amount;
    return amount;
  }

  /** A slash took `amounts` (ALT-equivalent `value` of the pools' `totalValue`): the unit rate rises by 1 / (1 - f). */
  slash(operator: string, amounts: bigint[], value: bigint, totalValue: bigint) {
    amounts.forEach((amount, asset) => (this.pool(operator, asset).totalAssets -= amount));
    if (value < totalValue) this.rates.set(operator, (this.rate(operator) * totalValue) / (totalValue - value));
  }

  credit(account: string, scaled: bigint) {
    this.owed.set(account, (this.owed.get(account) ?? 0n) + scaled);
  }

  stakeAt(epoch: bigint) {
    return [...this.allocations.values()].reduce((t, trace) => t + lookup(trace, epoch), 0n);
  }

  perStakeBefore(epoch: bigint) {
    return epoch === 0n ? 0n : lookup(this.perStake, epoch - 1n);
  }

  /** `amount` of fees credited in `epoch`. */
  creditFees(amount: bigint, epoch: bigint) {
    this.credited += amount;
    const protocol = (amount * SCALE * PROTOCOL_BPS) / BPS;
    const rest = amount * SCALE - protocol;
    const stake = this.stakeAt(epoch);
    // the contract refuses fees for a set that counts no stake (RewardsNoStake)
    if (stake === 0n) throw new Error(`ledger: the set counts no stake in epoch ${epoch}`);
    const increment = rest / stake;
    // the division's rounding remainder (below the stake) goes to the treasury with the protocol share
    const remainder = rest - increment * stake;
    this.credit(this.treasury, protocol + remainder);
    if (increment !== 0n) push(this.perStake, epoch, latest(this.perStake) + increment);
    return { protocol, remainder, increment, stake };
  }

  /** Settles `operator` up to `now` at `commissionBps`; the Settled event's fields, or undefined if nothing to do. */
  settle(operator: string, now: bigint, commissionBps: bigint) {
    const from = this.settledUntil.get(operator) ?? 0n;
    if (from >= now) return undefined;
    const allocation = this.allocationOf(operator);
    const units = this.unitsOf(operator);
    const keys = [...new Set([...keysIn(allocation, from, now), ...keysIn(units, from, now)])].sort((a, b) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    const perUnit = Ledger.trace(this.perUnit, operator);
    let toOperator = 0n;
    let toStakers = 0n;
    let epoch = from;
    for (const next of [...keys, now]) {
      const allocated = lookup(allocation, epoch);
      const earned = allocated * (this.perStakeBefore(next) - this.perStakeBefore(epoch));
      if (earned !== 0n) {
        const stakersPart = earned - (earned * commissionBps) / BPS;
        const count = lookup(units, epoch);
        const increment = count === 0n ? 0n : stakersPart / count;
        toStakers += increment * count;
        toOperator += earned - increment * count;
        if (increment !== 0n) push(perUnit, next, latest(perUnit) + increment);
      }
      epoch = next;
    }
    this.settledUntil.set(operator, now);
    this.credit(operator, toOperator);
    return { from, until: now, toOperator, toStakers };
  }

  /** What `staker` earned as a staker of `operator` over its settled, unclaimed epochs. */
  earned(staker: string, operator: string) {
    const from = this.claimedUntil.get(`${staker}/${operator}`) ?? 0n;
    const until = this.settledUntil.get(operator) ?? 0n;
    if (from >= until) return { from, until: from, amount: 0n };
    const units = this.unitsOf(operator, staker);
    const perUnit = Ledger.trace(this.perUnit, operator);
    let amount = 0n;
    let epoch = from;
    for (const next of [...keysIn(units, from, until), until]) {
      amount += lookup(units, epoch) * (lookup(perUnit, next) - lookup(perUnit, epoch));
      epoch = next;
    }
    return { from, until, amount };
  }

  /** `claimable`: owed plus the staker earnings over settled epochs, in whole wei. */
  claimable(account: string, operators: string[]): bigint {
    const pairs = [...new Set(operators)];
    return pairs.reduce((t, op) => t + this.earned(account, op).amount, this.owed.get(account) ?? 0n) / SCALE;
  }

  /**
   * `claim` in epoch `now`, the commissions in force given by `commissionOf`. A claim that pays nothing but moves one of
   * the account's walks on (an Accrued, perhaps of 0) keeps that progress and the fraction owed; one that pays nothing
   * and moves nothing on is refused, and changes nothing (its settlements are undone with it).
   */
  claim(account: string, operators: string[], now: bigint, commissionOf: (op: string) => bigint): ClaimResult {
    const saved = this.save();
    const result: ClaimResult = { settled: [], accrued: [], paid: 0n, reverted: false };
    let earned = 0n;
    for (const op of operators) {
      const s = this.settle(op, now, commissionOf(op));
      if (s !== undefined) result.settled.push([op, this.setId, s.from, s.until, s.toOperator, s.toStakers]);
      const e = this.earned(account, op);
      if (e.until === e.from) continue;
      this.claimedUntil.set(`${account}/${op}`, e.until);
      earned += e.amount;
      result.accrued.push([account, op, this.setId, e.from, e.until, e.amount]);
    }
    const owed = (this.owed.get(account) ?? 0n) + earned;
    result.paid = owed / SCALE;
    if (result.paid === 0n && result.accrued.length === 0) {
      this.restore(saved);
      return { settled: [], accrued: [], paid: 0n, reverted: true };
    }
    this.owed.set(account, owed - result.paid * SCALE);
    this.claimed += result.paid;
    return result;
  }

  /** What a claim may change: the settlements, the walks, the owed balances (traces copied: `push` edits in place). */
  private save() {
    const copy = <T>(map: Map<string, T>, f: (v: T) => T) => new Map([...map].map(([k, v]) => [k, f(v)]));
    return {
      perUnit: copy(this.perUnit, (trace) => trace.map(([key, value]) => [key, value] as [bigint, bigint])),
      settledUntil: copy(this.settledUntil, (v) => v),
      claimedUntil: copy(this.claimedUntil, (v) => v),
      owed: copy(this.owed, (v) => v),
    };
  }

  private restore(saved: ReturnType<Ledger["save"]>) {
    const refill = <T>(map: Map<string, T>, from: Map<string, T>) => {
      map.clear();
      for (const [k, v] of from) map.set(k, v);
    };
    refill(this.perUnit, saved.perUnit);
    refill(this.settledUntil, saved.settledUntil);
    refill(this.claimedUntil, saved.claimedUntil);
    refill(this.owed, saved.owed);
  }
}

/** Requests an unstake and returns the queued withdrawal as the registry recorded it (from its event). */
async function requestUnstake(
  registry: RestakingRegistry,
  staker: Signer,
  operator: Signer,
  asset: number,
  shares: bigint,
): Promise<IRestakingRegistry.WithdrawalStruct> {
  const receipt = (await (await registry.connect(staker).requestUnstake(operator, asset, shares)).wait())!;
  for (const log of receipt.logs) {
    const parsed = registry.interface.parseLog(log);
    if (parsed?.name === "UnstakeRequested") {
      return toWithdrawal(parsed.args.withdrawal);
    }
  }
  throw new Error("no UnstakeRequested event");
}

/** The withdrawal's identifier, computed independently: keccak256 of its ABI encoding. */
function withdrawalRoot(w: IRestakingRegistry.WithdrawalStruct): string {
  return ethers.keccak256(
    ethers.AbiCoder.defaultAbiCoder().encode(
      ["tuple(address staker, address operator, uint8 assetId, uint128 shares, uint48 unlockAt, uint64 nonce)"],
      [w],
    ),
  );
}

/** The arguments of `contract`'s events named `name` in a receipt, in log order. */
function eventsOf(contract: BaseContract, receipt: ContractTransactionReceipt | null, name: string) {
  const target = (contract.target as string).toLowerCase();
  return receipt!.logs
    .filter((log) => log.address.toLowerCase() === target)
    .map((log) => contract.interface.parseLog(log))
    .filter((event) => event !== null && event.name === name)
    .map((event) => event!.args.toArray());
}

interface SlashContracts {
  registry: RestakingRegistry;
  operatorSets: OperatorSets;
  slashingManager: SlashingManager;
}

const min = (x: bigint, y: bigint) => (x < y ? x : y);

/** A SLASH_BPS request by `service` against `operator`'s allocation to `setId`, made and dated at `at`. */
const requestAt = (
  service: MockService,
  operator: AddressLike,
  setId: bigint,
  reporter: AddressLike,
  at: number,
  evidence = "evidence",
) => service.requestSlash(operator, setId, SLASH_BPS, ethers.id("offence"), ethers.id(evidence), reporter, at);

/**
 * What executing request `requestId` will take, by the rule of set-scoped slashing, from the chain's state read now
 * (before the execution). From the request's set: fromAllocated = floor(allocated * bps / 1e4) and fromPending =
 * floor(pendingFree * bps / 1e4) (only if the deallocation's freeAt is after the request), together at most
 * maxValue = floor(slashable * bps / 1e4), `slashable` being what the set held when the request was made (the
 * allocation first). From the operator's pools: that value, at most floor(totalValue * bps / 1e4), totalValue =
 * Σ totalAssets * weight / 1e18 (queued shares included); each pool loses mulDiv(totalAssets, value, totalValue), the
 * reporter floor(amount * reporterBps / 1e4) of it.
 */
async function expectedSlash(c: SlashContracts, requestId: bigint | number) {
  const r = await c.slashingManager.request(requestId);
  const a = await c.operatorSets.allocation(r.setId, r.operator);
  const maxValue = (r.slashable * r.bps) / BPS;
  const fromAllocated = min((a.allocated * r.bps) / BPS, maxValue);
  const fromPending = min(a.freeAt > r.requestedAt ? (a.pendingFree * r.bps) / BPS : 0n, maxValue - fromAllocated);
  const count = Number(await c.registry.assetCount());
  const pools = await Promise.all(Array.from({ length: count }, (_, i) => c.registry.pool(r.operator, i)));
  const weights = await Promise.all(Array.from({ length: count }, async (_, i) => (await c.registry.asset(i)).weight));
  const totalValue = pools.reduce(
    (t, p, i) => t + (i === 0 ? p.totalAssets : (p.totalAssets * weights[i]) / SCALE),
    0n,
  );
  const value = min(fromAllocated + fromPending, (totalValue * r.bps) / BPS);
  const amounts = pools.map((p) => (value === 0n ? 0n : (p.totalAssets * value) / totalValue));
  const reporterBps = r.reporter === ethers.ZeroAddress ? 0n : await c.slashingManager.reporterBps();
  const toReporter = amounts.map((x) => (x * reporterBps) / BPS);
  return {
    request: r,
    allocation: a,
    maxValue,
    fromAllocated,
    fromPending,
    value,
    totalValue,
    pools,
    weights,
    amounts,
    toReporter,
  };
}

describe("Restaking integration", function () {
  /**
   * A service allowed to create sets and to slash (1000 bps, 7-day evidence); an LST asset of weight 2; op1 (10 %)
   * and op2 (5 %) registered; every staker approved the registry, the payer approved the distributor.
   */
  async function integrationFixture() {
    const protocol = await deployProtocol();
    const { token, registry, operatorSets, slashingManager, rewards, deployer, users } = protocol;
    const [op1, op2, alice, bob, carol, dave, payer, reporter, other] = users;

    const service = await (await ethers.getContractFactory("MockService")).deploy(operatorSets, slashingManager);
    await operatorSets.connect(deployer).setService(service, true);
    await slashingManager.connect(deployer).setSlasher(service, Number(SLASH_BPS), days(7));

    const lst = await (await ethers.getContractFactory("MockERC20")).deploy("Liquid staked ETH", "LST");
    await registry.connect(deployer).addAsset(lst, WEIGHTS[1], 10n ** 30n);
    await lst.mint(bob, 10_000n * ALT);
    await lst.connect(bob).approve(registry, ethers.MaxUint256);
    for (const s of [alice, carol, dave]) await token.connect(s).approve(registry, ethers.MaxUint256);
    await token.connect(payer).approve(rewards, ethers.MaxUint256);

    await registry.connect(op1).registerOperator("ipfs://op1", 1000);
    await registry.connect(op2).registerOperator("ipfs://op2", 500);

    const setKey = ethers.id("rollup-1/service");
    await service.createSet(setKey, MIN_STAKE, 64);
    const setId = await operatorSets.setIdOf(service, setKey);
    return { ...protocol, service, lst, op1, op2, alice, bob, carol, dave, payer, reporter, other, setId };
  }

  /**
   * alice (ALT) and bob (LST) stake to op1, which joins the set with all its stake; the next epoch, which counts it,
   * began.
   */
  async function stakedFixture() {
    const base = await loadFixture(integrationFixture);
    const { registry, operatorSets, op1, alice, bob, setId } = base;
    await registry.connect(alice).stake(op1, 0, ALICE_ALT);
    await registry.connect(bob).stake(op1, 1, BOB_LST);
    await operatorSets.connect(op1).join(setId, await registry.operatorStake(op1));
    const epoch = await nextEpoch(operatorSets);
    const aliceShares = await registry.sharesOf(alice, op1, 0);
    const bobShares = await registry.sharesOf(bob, op1, 1);
    return { ...base, epoch, aliceShares, bobShares };
  }

  describe("slash lifecycle", function () {
    it("a vetoed request jails and frees the operator with its stake intact; an executed one lowers the price every withdrawal pays", async function () {
      const f = await loadFixture(stakedFixture);
      const { token, lst, registry, operatorSets, slashingManager, service, council, treasury } = f;
      const { op1, alice, bob, reporter, other, setId, epoch, aliceShares, bobShares } = f;
      expect(aliceShares).to.equal(ALICE_ALT * VIRTUAL_SHARES);
      expect(bobShares).to.equal(BOB_LST * VIRTUAL_SHARES);
      const stake = ALICE_ALT + 2n * BOB_LST;
      expect(await registry.operatorStake(op1)).to.equal(stake);
      // the set's one member, with all its stake: every draw of the epoch picks it
      expect(await operatorSets.allocationAt(setId, op1, epoch)).to.equal(stake);
      expect(await operatorSets.setStakeAt(setId, epoch)).to.equal(stake);
      expect(await operatorSets.drawAt(setId, epoch, stake - 1n)).to.equal(op1.address);

      // 1. a request jails the operator at once (it cannot act); its allocation still counts, and is still drawn
      const reason = ethers.id("double-sign");
      const evidence = ethers.id("evidence 1");
      const t1 = (await time.latest()) + 100;
      await time.setNextBlockTimestamp(t1);
      await expect(service.requestSlash(op1, setId, SLASH_BPS, reason, evidence, reporter, t1 - 3600))
        .to.emit(slashingManager, "SlashRequested")
        .withArgs(
          0,
          op1.address,
          await service.getAddress(),
          setId,
          SLASH_BPS,
          reason,
          evidence,
          reporter.address,
          t1 + days(2),
        );
      expect(await registry.isJailed(op1)).to.equal(true);
      expect(await registry.pendingSlashes(op1)).to.equal(1n);
      expect(await slashingManager.windowSlashedBps(op1, setId)).to.equal(SLASH_BPS);
      // stake arriving after the offence does not pay for it: none is taken while the request is pending
      await expect(registry.connect(alice).stake(op1, 0, ALT))
        .to.be.revertedWithCustomError(registry, "RegistryOperatorJailed")
        .withArgs(op1.address);
      await time.increase(days(1));
      const jailedEpoch = await operatorSets.currentEpoch();
      expect(jailedEpoch).to.equal(epoch + 1n);
      expect(await registry.isJailed(op1)).to.equal(true);
      expect(await operatorSets.allocationAt(setId, op1, jailedEpoch)).to.equal(stake);
      expect(await operatorSets.setStakeAt(setId, jailedEpoch)).to.equal(stake);
      expect(await operatorSets.drawAt(setId, jailedEpoch, 0n)).to.equal(op1.address);
      expect(await operatorSets.drawAt(setId, jailedEpoch, stake - 1n)).to.equal(op1.address);

      // 2. the council vetoes it: unjailed, nothing taken, its allocation unchanged in the next epoch
      await expect(slashingManager.connect(council).veto(0))
        .to.emit(slashingManager, "SlashVetoed")
        .withArgs(0, op1.address);
      expect(await registry.isJailed(op1)).to.equal(false);
      expect(await registry.pendingSlashes(op1)).to.equal(0n);
      expect((await slashingManager.request(0)).status).to.equal(2n); // Vetoed
      expect(await registry.pool(op1, 0)).to.deep.equal([ALICE_ALT * VIRTUAL_SHARES, ALICE_ALT, 0n]);
      expect(await registry.pool(op1, 1)).to.deep.equal([BOB_LST * VIRTUAL_SHARES, BOB_LST, 0n]);
      expect(await registry.operatorStake(op1)).to.equal(stake);
      expect(await slashingManager.windowSlashedBps(op1, setId)).to.equal(0n);
      expect((await operatorSets.allocation(setId, op1)).allocated).to.equal(stake);
      await time.increase(days(1));
      const freedEpoch = await operatorSets.currentEpoch();
      expect(freedEpoch).to.equal(epoch + 2n);
      expect(await operatorSets.allocationAt(setId, op1, freedEpoch)).to.equal(stake);
      expect(await operatorSets.drawAt(setId, freedEpoch, stake - 1n)).to.equal(op1.address);

      // 3. another request, executed by anyone once the veto window is over
      const t2 = (await time.latest()) + 100;
      await time.setNextBlockTimestamp(t2);
      await service.requestSlash(op1, setId, SLASH_BPS, reason, ethers.id("evidence 2"), reporter, t2);
      const executableAt = t2 + days(2);
      await time.setNextBlockTimestamp(executableAt - 1);
      await expect(slashingManager.connect(other).execute(1))
        .to.be.revertedWithCustomError(slashingManager, "SlashingVetoWindowOpen")
        .withArgs(1, executableAt);

      // op1 allocated all its stake to the set: the slash takes 10 % of it, the same fraction of each pool
      const expected = await expectedSlash(f, 1);
      expect(expected.allocation.allocated).to.equal(stake);
      expect(expected.allocation.pendingFree).to.equal(0n);
      expect(expected.request.slashable).to.equal(stake);
      expect(expected.fromPending).to.equal(0n);
      expect(expected.totalValue).to.equal(stake);
      expect(expected.value).to.equal((stake * SLASH_BPS) / BPS);
      const [altSlashed, lstSlashed] = expected.amounts;
      expect(altSlashed).to.equal((ALICE_ALT * expected.value) / stake);
      expect(lstSlashed).to.equal((BOB_LST * expected.value) / stake);
      const [altReporter, lstReporter] = expected.toReporter;
      expect(altReporter).to.equal((altSlashed * REPORTER_BPS) / BPS);
      expect(lstReporter).to.equal((lstSlashed * REPORTER_BPS) / BPS);
      const supplyBefore = await token.totalSupply();
      expect(await registry.altToBurn()).to.equal(0n);
      await time.setNextBlockTimestamp(executableAt);
      const execution = slashingManager.connect(other).execute(1);
      await expect(execution)
        .to.emit(slashingManager, "SlashExecuted")
        .withArgs(1, op1.address, setId, SLASH_BPS, [altSlashed, lstSlashed]);
      await expect(execution)
        .to.emit(operatorSets, "AllocationSlashed")
        .withArgs(setId, op1.address, expected.fromAllocated, 0n);
      await expect(execution)
        .to.emit(registry, "PoolSlashed")
        .withArgs(1, op1.address, 0, altSlashed, altReporter, ALICE_ALT - altSlashed);
      await expect(execution)
        .to.emit(registry, "PoolSlashed")
        .withArgs(1, op1.address, 1, lstSlashed, lstReporter, BOB_LST - lstSlashed);
      // what stays active (ALICE_ALT - altSlashed + 2 (BOB_LST - lstSlashed)) still backs the remaining allocation
      await expect(execution).not.to.emit(operatorSets, "AllocationsReduced");
      // nothing leaves at execution and nothing is burned: the ALT not paid to the reporter is set aside to burn, the
      // reporter and the treasury claim their shares afterwards
      await expect(execution).to.changeTokenBalances(token, [registry, reporter], [0n, 0n]);
      await expect(execution).to.changeTokenBalances(lst, [registry, reporter, treasury], [0n, 0n, 0n]);
      expect(await token.totalSupply()).to.equal(supplyBefore);
      expect(await registry.altToBurn()).to.equal(altSlashed - altReporter);
      await expect(registry.connect(reporter).claimSlashProceeds(0, reporter.address)).to.changeTokenBalances(
        token,
        [registry, reporter],
        [-altReporter, altReporter],
      );
      await expect(registry.connect(reporter).claimSlashProceeds(1, reporter.address)).to.changeTokenBalances(
        lst,
        [registry, reporter],
        [-lstReporter, lstReporter],
      );
      await expect(registry.connect(treasury).claimSlashProceeds(1, treasury.address)).to.changeTokenBalances(
        lst,
        [registry, treasury],
        [-(lstSlashed - lstReporter), lstSlashed - lstReporter],
      );
      // anyone burns the ALT not paid to the reporter
      const burn = registry.connect(alice).burnSlashedAlt();
      await expect(burn)
        .to.emit(registry, "SlashedAltBurned")
        .withArgs(alice.address, altSlashed - altReporter);
      await expect(burn).to.changeTokenBalances(token, [registry, alice], [-(altSlashed - altReporter), 0n]);
      expect(await token.totalSupply()).to.equal(supplyBefore - (altSlashed - altReporter));
      expect(await registry.altToBurn()).to.equal(0n);
      expect(await registry.isJailed(op1)).to.equal(false);
      expect(await registry.operatorStake(op1)).to.equal(ALICE_ALT - altSlashed + 2n * (BOB_LST - lstSlashed));
      expect(await operatorSets.allocation(setId, op1)).to.deep.equal([stake - expected.fromAllocated, 0n, 0n]);
      expect(await operatorSets.allocatedOf(op1)).to.deep.equal([
        stake - expected.fromAllocated,
        stake - expected.fromAllocated,
      ]);

      // 4. unstaking completes at the reduced price
      const altPool = { totalShares: aliceShares, totalAssets: ALICE_ALT - altSlashed, queued: 0n, weight: WEIGHTS[0] };
      const lstPool = { totalShares: bobShares, totalAssets: BOB_LST - lstSlashed, queued: 0n, weight: WEIGHTS[1] };
      const aliceOut = toAmount(altPool, aliceShares);
      const bobOut = toAmount(lstPool, bobShares);
      // the whole pool less at most a wei of rounding (the virtual shares' part)
      expect(aliceOut).to.be.lessThanOrEqual(ALICE_ALT - altSlashed);
      expect(aliceOut).to.be.greaterThan(ALICE_ALT - altSlashed - 2n);
      expect(aliceOut).to.be.lessThan(ALICE_ALT);
      const wAlice = await requestUnstake(registry, alice, op1, 0, aliceShares);
      const wBob = await requestUnstake(registry, bob, op1, 1, bobShares);
      await time.increaseTo(wBob.unlockAt);
      await expect(registry.connect(alice).completeUnstake(wAlice)).to.changeTokenBalances(
        token,
        [alice, registry],
        [aliceOut, -aliceOut],
      );
      await expect(registry.connect(bob).completeUnstake(wBob)).to.changeTokenBalances(
        lst,
        [bob, registry],
        [bobOut, -bobOut],
      );
      expect(await registry.pool(op1, 0)).to.deep.equal([0n, ALICE_ALT - altSlashed - aliceOut, 0n]);
      expect(await registry.pool(op1, 1)).to.deep.equal([0n, BOB_LST - lstSlashed - bobOut, 0n]);
    });
  });

  describe("slashing scoped to an operator set", function () {
    /**
     * A second service (a slasher at up to 30 %) with its own set B; alice (ALT) and bob (LST) stake to op1, which
     * allocates `toA` to the first service's set A and `toB` to set B, in that order (its set list is [A, B]).
     */
    async function twoSetsFixture(toA: (stake: bigint) => bigint, toB: (stake: bigint) => bigint) {
      const base = await loadFixture(integrationFixture);
      const { registry, operatorSets, slashingManager, deployer, op1, alice, bob, setId } = base;
      const service2 = await (await ethers.getContractFactory("MockService")).deploy(operatorSets, slashingManager);
      await operatorSets.connect(deployer).setService(service2, true);
      await slashingManager.connect(deployer).setSlasher(service2, 3_000, days(7));
      const keyB = ethers.id("rollup-2/service");
      await service2.createSet(keyB, MIN_STAKE, 64);
      const setB = await operatorSets.setIdOf(service2, keyB);
      await registry.connect(alice).stake(op1, 0, ALICE_ALT);
      await registry.connect(bob).stake(op1, 1, BOB_LST);
      const stake = await registry.operatorStake(op1);
      await operatorSets.connect(op1).join(setId, toA(stake));
      await operatorSets.connect(op1).join(setB, toB(stake));
      expect(await operatorSets.setsOf(op1)).to.deep.equal([setId, setB]);
      return { ...base, service2, setA: setId, setB, stake };
    }

    /** A quarter of op1's stake to A, half to B: a quarter stays free. */
    const quarterAndHalf = () =>
      twoSetsFixture(
        (x) => x / 4n,
        (x) => x / 2n,
      );
    /** All of op1's stake allocated: 60 % to A, the rest to B. */
    const sixtyForty = () =>
      twoSetsFixture(
        (x) => (x * 6n) / 10n,
        (x) => x - (x * 6n) / 10n,
      );

    it("refuses a request from another set's service, against an operator with nothing in the set, or for an unknown set", async function () {
      const { registry, operatorSets, slashingManager, service, service2, op1, op2, reporter, setA, setB } =
        await loadFixture(quarterAndHalf);
      const now = await time.latest();
      const request = (s: typeof service, operator: Signer, setId: bigint, evidence: string) =>
        s.requestSlash(operator, setId, SLASH_BPS, ethers.id("offence"), ethers.id(evidence), reporter, now);
      await expect(request(service2, op1, setA, "e1"))
        .to.be.revertedWithCustomError(slashingManager, "SlashingNotSetService")
        .withArgs(setA, await service2.getAddress());
      await expect(request(service, op1, setB, "e2"))
        .to.be.revertedWithCustomError(slashingManager, "SlashingNotSetService")
        .withArgs(setB, await service.getAddress());
      expect(await registry.isOperator(op2)).to.equal(true);
      await expect(request(service, op2, setA, "e3"))
        .to.be.revertedWithCustomError(slashingManager, "SlashingNothingAllocated")
        .withArgs(op2.address, setA);
      const unknown = await operatorSets.setIdOf(service, ethers.id("no such set"));
      await expect(request(service, op1, unknown, "e4"))
        .to.be.revertedWithCustomError(operatorSets, "SetsUnknownSet")
        .withArgs(unknown);
      expect(await registry.pendingSlashes(op1)).to.equal(0n);
      expect(await slashingManager.requestCount()).to.equal(0n);
    });

    it("takes only what the operator allocated to the request's set: its other set keeps its allocation", async function () {
      const f = await loadFixture(quarterAndHalf);
      const { registry, operatorSets, slashingManager, service, alice, op1, reporter, setA, setB, stake } = f;
      const allocatedA = stake / 4n;
      const allocatedB = stake / 2n;
      expect(await operatorSets.allocatedOf(op1)).to.deep.equal([allocatedA + allocatedB, allocatedA + allocatedB]);
      const requestedAt = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(requestedAt);
      await expect(requestAt(service, op1, setA, reporter, requestedAt, "e"))
        .to.emit(slashingManager, "SlashRequested")
        .withArgs(
          0,
          op1.address,
          await service.getAddress(),
          setA,
          SLASH_BPS,
          ethers.id("offence"),
          ethers.id("e"),
          reporter.address,
          requestedAt + days(2),
        );
      // the window counts per (operator, set); the jail is per operator, across its sets
      expect(await slashingManager.windowSlashedBps(op1, setA)).to.equal(SLASH_BPS);
      expect(await slashingManager.windowSlashedBps(op1, setB)).to.equal(0n);
      await expect(registry.connect(alice).stake(op1, 0, ALT))
        .to.be.revertedWithCustomError(registry, "RegistryOperatorJailed")
        .withArgs(op1.address);

      await time.increaseTo(requestedAt + days(2));
      const before = await operatorSets.allocation(setB, op1);
      const expected = await expectedSlash(f, 0);
      expect(expected.allocation).to.deep.equal([allocatedA, 0n, 0n]);
      expect(expected.request.slashable).to.equal(allocatedA);
      expect(expected.fromAllocated).to.equal((allocatedA * SLASH_BPS) / BPS);
      expect(expected.value).to.equal(expected.fromAllocated);
      expect(expected.totalValue).to.equal(stake);
      const [altSlashed, lstSlashed] = expected.amounts;
      const execution = slashingManager.execute(0);
      await expect(execution)
        .to.emit(operatorSets, "AllocationSlashed")
        .withArgs(setA, op1.address, expected.fromAllocated, 0n);
      await expect(execution)
        .to.emit(registry, "PoolSlashed")
        .withArgs(0, op1.address, 0, altSlashed, expected.toReporter[0], ALICE_ALT - altSlashed);
      await expect(execution)
        .to.emit(registry, "PoolSlashed")
        .withArgs(0, op1.address, 1, lstSlashed, expected.toReporter[1], BOB_LST - lstSlashed);
      await expect(execution)
        .to.emit(slashingManager, "SlashExecuted")
        .withArgs(0, op1.address, setA, SLASH_BPS, [altSlashed, lstSlashed]);
      await expect(execution).not.to.emit(operatorSets, "AllocationsReduced");
      // about a fortieth of every pool (10 % of a quarter), not a tenth
      expect(altSlashed).to.equal((ALICE_ALT * expected.value) / stake);
      expect(lstSlashed).to.equal((BOB_LST * expected.value) / stake);
      expect(await operatorSets.allocation(setA, op1)).to.deep.equal([allocatedA - expected.fromAllocated, 0n, 0n]);
      expect(await operatorSets.allocation(setB, op1)).to.deep.equal(before);
      expect(before).to.deep.equal([allocatedB, 0n, 0n]);
      const active = await registry.operatorStake(op1);
      expect(active).to.equal(ALICE_ALT - altSlashed + 2n * (BOB_LST - lstSlashed));
      expect(await operatorSets.allocatedOf(op1)).to.deep.equal([
        allocatedA - expected.fromAllocated + allocatedB,
        allocatedA - expected.fromAllocated + allocatedB,
      ]);
      expect(active).to.be.greaterThanOrEqual(allocatedA - expected.fromAllocated + allocatedB);
      expect(await registry.isJailed(op1)).to.equal(false);
    });

    it("takes no more than the request's share of what the set held when it was made: a later decrease merged into a deallocation already free adds nothing", async function () {
      const f = await loadFixture(quarterAndHalf);
      const { operatorSets, slashingManager, service, op1, reporter, setA, stake } = f;
      const allocatedA = stake / 4n;
      // half of A deallocated; once its delay passed it is free (not released yet: nothing released it)
      await operatorSets.connect(op1).allocate(setA, allocatedA / 2n);
      const [, pendingFree, freeAt] = await operatorSets.allocation(setA, op1);
      expect(pendingFree).to.equal(allocatedA - allocatedA / 2n);
      await time.increaseTo(freeAt);
      expect(await operatorSets.slashTarget(setA, op1)).to.deep.equal([await service.getAddress(), allocatedA / 2n]);
      const requestedAt = Number(freeAt) + 1;
      await time.setNextBlockTimestamp(requestedAt);
      await requestAt(service, op1, setA, reporter, requestedAt, "e");
      expect((await slashingManager.request(0)).slashable).to.equal(allocatedA / 2n);
      // after the request, op1 (jailed: nothing is released) deallocates more: the deallocations merge, their freeAt
      // now in the future
      await operatorSets.connect(op1).allocate(setA, allocatedA / 4n);
      const merged = await operatorSets.allocation(setA, op1);
      expect(merged.pendingFree).to.equal(allocatedA - allocatedA / 4n);
      expect(merged.freeAt).to.be.greaterThan(BigInt(requestedAt));
      await time.increaseTo(requestedAt + days(2));

      const expected = await expectedSlash(f, 0);
      expect(expected.maxValue).to.equal(((allocatedA / 2n) * SLASH_BPS) / BPS);
      expect(expected.fromAllocated).to.equal(((allocatedA / 4n) * SLASH_BPS) / BPS);
      // bps of the whole merged deallocation would pass the cap: only the rest up to it is taken
      expect((merged.pendingFree * SLASH_BPS) / BPS).to.be.greaterThan(expected.fromPending);
      expect(expected.fromPending).to.equal(expected.maxValue - expected.fromAllocated);
      expect(expected.value).to.equal(expected.maxValue);
      const execution = slashingManager.execute(0);
      await expect(execution)
        .to.emit(operatorSets, "AllocationSlashed")
        .withArgs(setA, op1.address, expected.fromAllocated, expected.fromPending);
      await expect(execution)
        .to.emit(slashingManager, "SlashExecuted")
        .withArgs(0, op1.address, setA, SLASH_BPS, expected.amounts);
      expect(await operatorSets.allocation(setA, op1)).to.deep.equal([
        merged.allocated - expected.fromAllocated,
        merged.pendingFree - expected.fromPending,
        merged.freeAt,
      ]);
    });

    it("shrinks the other set pro rata only when the remaining active stake can no longer back the allocations", async function () {
      const f = await loadFixture(sixtyForty);
      const { registry, operatorSets, slashingManager, service, alice, op1, reporter, setA, setB } = f;
      const aliceShares = await registry.sharesOf(alice, op1, 0);
      expect(aliceShares).to.equal(ALICE_ALT * VIRTUAL_SHARES);
      // alice queues a quarter of her ALT, then (a week later) another quarter: each time both allocations shrink to
      // the active stake, and the deallocated stake stays slashable until the latest request's delay passes
      const first = await requestUnstake(registry, alice, op1, 0, aliceShares / 4n);
      await time.increase(days(7));
      const second = await requestUnstake(registry, alice, op1, 0, aliceShares / 4n);
      const pendingA = await operatorSets.allocation(setA, op1);
      expect(pendingA.freeAt).to.equal(second.unlockAt);
      // the first withdrawal leaves the pools; what it deallocated from A still counts as slashable there
      await time.increaseTo(first.unlockAt);
      await registry.connect(alice).completeUnstake(first);
      const requestedAt = (await time.latest()) + 1;
      await time.setNextBlockTimestamp(requestedAt);
      await requestAt(service, op1, setA, reporter, requestedAt, "e");
      await time.increaseTo(requestedAt + days(2));

      const expected = await expectedSlash(f, 0);
      expect(expected.allocation).to.deep.equal(pendingA);
      // all of the deallocation counts (its freeAt is the second request's), the first withdrawal's part included
      expect(expected.request.slashable).to.equal(pendingA.allocated + pendingA.pendingFree);
      expect(expected.fromPending).to.equal((pendingA.pendingFree * SLASH_BPS) / BPS);
      expect(expected.value).to.equal(expected.fromAllocated + expected.fromPending);
      const b = await operatorSets.allocation(setB, op1);
      const [allocatedSum] = await operatorSets.allocatedOf(op1);
      // the active stake after the cut, from the pools as they will be (active shares at the new price)
      const activeAfter = (
        await Promise.all(
          expected.pools.map(async (p, i) => {
            const activeShares = p.totalShares - p.queuedShares;
            if (activeShares === 0n) return 0n;
            const amount =
              (activeShares * (p.totalAssets - expected.amounts[i] + 1n)) / (p.totalShares + VIRTUAL_SHARES);
            return (amount * expected.weights[i]) / SCALE;
          }),
        )
      ).reduce((x, y) => x + y, 0n);
      const allocatedAfter = allocatedSum - expected.fromAllocated;
      expect(activeAfter).to.be.lessThan(allocatedAfter);
      // OperatorSets._reduce: each set, in list order, gives up ceil(allocated * excess / total) to its deallocation
      const excess = allocatedAfter - activeAfter;
      const aAfterSlash = pendingA.allocated - expected.fromAllocated;
      const cutA = (aAfterSlash * excess + allocatedAfter - 1n) / allocatedAfter;
      const cutB = (b.allocated * excess + allocatedAfter - 1n) / allocatedAfter;
      const execution = slashingManager.execute(0);
      await expect(execution)
        .to.emit(operatorSets, "AllocationSlashed")
        .withArgs(setA, op1.address, expected.fromAllocated, expected.fromPending);
      await expect(execution)
        .to.emit(slashingManager, "SlashExecuted")
        .withArgs(0, op1.address, setA, SLASH_BPS, expected.amounts);
      await expect(execution)
        .to.emit(operatorSets, "AllocationsReduced")
        .withArgs(op1.address, cutA + cutB);
      const freeAt = BigInt(await time.latest()) + BigInt(days(14));
      expect(await operatorSets.allocation(setA, op1)).to.deep.equal([
        aAfterSlash - cutA,
        pendingA.pendingFree - expected.fromPending + cutA,
        freeAt > pendingA.freeAt ? freeAt : pendingA.freeAt,
      ]);
      expect(await operatorSets.allocation(setB, op1)).to.deep.equal([
        b.allocated - cutB,
        b.pendingFree + cutB,
        freeAt > b.freeAt ? freeAt : b.freeAt,
      ]);
      expect(await registry.operatorStake(op1)).to.equal(activeAfter);
      const [allocatedNow] = await operatorSets.allocatedOf(op1);
      expect(allocatedNow).to.equal(allocatedAfter - cutA - cutB);
      expect(allocatedNow).to.be.lessThanOrEqual(activeAfter);
    });
  });

  describe("requested shares stay slashable", function () {
    /**
     * alice requested all her shares (op1's allocation shrank to bob's stake, her part deallocated: still slashable
     * until the withdrawal delay passes); 13 days later, a slash of op1 is requested through the set (executable 2 days
     * later).
     */
    async function pendingSlashFixture() {
      const base = await loadFixture(stakedFixture);
      const { registry, operatorSets, service, op1, alice, reporter, aliceShares, setId } = base;
      const withdrawal = await requestUnstake(registry, alice, op1, 0, aliceShares);
      expect(await operatorSets.allocation(setId, op1)).to.deep.equal([2n * BOB_LST, ALICE_ALT, withdrawal.unlockAt]);
      const requestedAt = Number(withdrawal.unlockAt) - days(1);
      await time.setNextBlockTimestamp(requestedAt);
      await requestAt(service, op1, setId, reporter, requestedAt);
      return { ...base, withdrawal, executableAt: requestedAt + days(2) };
    }

    it("a queued withdrawal no longer counts as stake, yet cannot complete while a slash is pending", async function () {
      const { registry, operatorSets, op1, alice, setId, withdrawal, executableAt, bobShares } =
        await loadFixture(pendingSlashFixture);
      expect(await registry.operatorStake(op1)).to.equal(2n * BOB_LST);
      expect(bobShares).to.be.greaterThan(0n);
      expect(Number(withdrawal.unlockAt)).to.be.lessThan(executableAt);
      await time.increaseTo(withdrawal.unlockAt);
      await expect(registry.connect(alice).completeUnstake(withdrawal))
        .to.be.revertedWithCustomError(registry, "RegistryOperatorJailed")
        .withArgs(op1.address);
      // jailed, its allocation (bob's stake: alice's part was deallocated) still counts in the set, and is drawn
      const epoch = await operatorSets.currentEpoch();
      expect(await operatorSets.allocationAt(setId, op1, epoch)).to.equal(2n * BOB_LST);
      expect(await operatorSets.setStakeAt(setId, epoch)).to.equal(2n * BOB_LST);
      expect(await operatorSets.drawAt(setId, epoch, 2n * BOB_LST - 1n)).to.equal(op1.address);
    });

    it("a withdrawal requested before the slash executes pays the slashed price", async function () {
      const f = await loadFixture(pendingSlashFixture);
      const { token, registry, operatorSets, slashingManager, op1, alice, reporter, other, withdrawal, executableAt } =
        f;
      const { aliceShares, setId } = f;
      await time.increaseTo(executableAt);
      // the slash takes 10 % of the allocation and of the deallocation still pending when it was requested, from every
      // pool alike: the queued shares' assets are in the pool, slashed with it
      const expected = await expectedSlash(f, 0);
      expect(expected.request.slashable).to.equal(2n * BOB_LST + ALICE_ALT);
      expect(expected.fromAllocated).to.equal((2n * BOB_LST * SLASH_BPS) / BPS);
      expect(expected.fromPending).to.equal((ALICE_ALT * SLASH_BPS) / BPS);
      expect(expected.totalValue).to.equal(ALICE_ALT + 2n * BOB_LST);
      const [altSlashed, lstSlashed] = expected.amounts;
      const execution = slashingManager.execute(0);
      await expect(execution)
        .to.emit(operatorSets, "AllocationSlashed")
        .withArgs(setId, op1.address, expected.fromAllocated, expected.fromPending);
      await expect(execution)
        .to.emit(registry, "PoolSlashed")
        .withArgs(0, op1.address, 0, altSlashed, (altSlashed * REPORTER_BPS) / BPS, ALICE_ALT - altSlashed);
      await expect(execution)
        .to.emit(registry, "PoolSlashed")
        .withArgs(0, op1.address, 1, lstSlashed, (lstSlashed * REPORTER_BPS) / BPS, BOB_LST - lstSlashed);
      await expect(execution)
        .to.emit(slashingManager, "SlashExecuted")
        .withArgs(0, op1.address, setId, SLASH_BPS, [altSlashed, lstSlashed]);
      expect(await operatorSets.allocation(setId, op1)).to.deep.equal([
        2n * BOB_LST - expected.fromAllocated,
        ALICE_ALT - expected.fromPending,
        withdrawal.unlockAt,
      ]);
      const pool = {
        totalShares: aliceShares,
        totalAssets: ALICE_ALT - altSlashed,
        queued: aliceShares,
        weight: WEIGHTS[0],
      };
      const paid = toAmount(pool, aliceShares);
      const completion = registry.connect(alice).completeUnstake(withdrawal);
      await expect(completion)
        .to.emit(registry, "UnstakeCompleted")
        .withArgs(withdrawalRoot(withdrawal), alice.address, op1.address, paid);
      await expect(completion).to.changeTokenBalances(token, [alice, registry], [paid, -paid]);
      expect(paid).to.be.lessThan(ALICE_ALT - altSlashed + 1n);
      expect(paid).to.be.greaterThan(ALICE_ALT - altSlashed - 2n);
      // what stays: the reporter's share, until it is claimed, and the rest of the ALT slashed, until it is burned
      const toReporter = (altSlashed * REPORTER_BPS) / BPS;
      expect(await registry.slashProceeds(reporter.address, 0)).to.equal(toReporter);
      expect(await registry.altToBurn()).to.equal(altSlashed - toReporter);
      expect(await token.balanceOf(registry)).to.equal(ALICE_ALT - paid);
      const supply = await token.totalSupply();
      await expect(registry.connect(other).burnSlashedAlt())
        .to.emit(registry, "SlashedAltBurned")
        .withArgs(other.address, altSlashed - toReporter);
      expect(await token.totalSupply()).to.equal(supply - (altSlashed - toReporter));
      expect(await registry.altToBurn()).to.equal(0n);
      expect(await token.balanceOf(registry)).to.equal(ALICE_ALT - altSlashed + toReporter - paid);
    });

    it("a withdrawal completes in full once the pending slash is vetoed", async function () {
      const { token, registry, slashingManager, council, op1, alice, withdrawal, aliceShares } =
        await loadFixture(pendingSlashFixture);
      await slashingManager.connect(council).veto(0);
      await time.increaseTo(withdrawal.unlockAt);
      const pool = { totalShares: aliceShares, totalAssets: ALICE_ALT, queued: aliceShares, weight: WEIGHTS[0] };
      const paid = toAmount(pool, aliceShares);
      expect(paid).to.equal(ALICE_ALT);
      await expect(registry.connect(alice).completeUnstake(withdrawal)).to.changeTokenBalances(
        token,
        [alice, registry],
        [paid, -paid],
      );
      expect(await registry.pool(op1, 0)).to.deep.equal([0n, 0n, 0n]);
    });
  });

  describe("rewards over several epochs", function () {
    type Fixture = Awaited<ReturnType<typeof integrationFixture>>;

    /** The ledger and checked actions over it: every stake, credit and claim is compared with the ledger. */
    function harness(f: Fixture) {
      const { token, registry, operatorSets, rewards, treasury, op1, op2, payer, setId } = f;
      const L = new Ledger(treasury.address, setId);
      const commissions = new Map([
        [op1.address, 1000n],
        [op2.address, 500n],
      ]);
      const operators = [op1, op2];
      /** The operators each staker stakes with, as claim() takes them. */
      const stakedWith = new Map<string, Signer[]>();
      const now = () => operatorSets.currentEpoch();

      /** Records the allocations the operator sets count from the next epoch (after joins, requests and slashes). */
      const syncAllocations = async () => {
        const epoch = await now();
        for (const op of operators) {
          const trace = L.allocationOf(op.address);
          expect(await operatorSets.allocationAt(setId, op, epoch)).to.equal(lookup(trace, epoch));
          const next = await operatorSets.allocationAt(setId, op, epoch + 1n);
          if (next !== lookup(trace, epoch + 1n)) push(trace, epoch + 1n, next);
        }
      };

      /** The registry's units of `staker` in `operator` (position, next epoch's checkpoints) against the ledger's. */
      const expectUnits = async (staker: Signer, operator: Signer, asset: number) => {
        const next = (await now()) + 1n;
        expect(await registry.unitsOf(staker, operator, asset)).to.equal(
          L.position(staker.address, operator.address, asset).units,
        );
        expect(await registry.stakerUnitsAt(staker, operator, next)).to.equal(
          lookup(L.unitsOf(operator.address, staker.address), next),
        );
        expect(await registry.operatorUnitsAt(operator, next)).to.equal(lookup(L.unitsOf(operator.address), next));
      };

      const stake = async (staker: Signer, operator: Signer, asset: number, amount: bigint) => {
        await registry.connect(staker).stake(operator, asset, amount);
        L.stake(staker.address, operator.address, asset, amount, await now());
        const position = L.position(staker.address, operator.address, asset);
        expect(await registry.sharesOf(staker, operator, asset)).to.equal(position.shares);
        await expectUnits(staker, operator, asset);
        const list = stakedWith.get(staker.address) ?? [];
        if (!list.includes(operator)) stakedWith.set(staker.address, [...list, operator]);
      };

      const request = async (staker: Signer, operator: Signer, asset: number, shares: bigint) => {
        const withdrawal = await requestUnstake(registry, staker, operator, asset, shares);
        L.request(staker.address, operator.address, asset, shares, await now());
        expect(await registry.sharesOf(staker, operator, asset)).to.equal(
          L.position(staker.address, operator.address, asset).shares,
        );
        await expectUnits(staker, operator, asset);
        await syncAllocations();
        return withdrawal;
      };

      /** `caller` revalues `staker`'s position: the registry's events (or refusal) and units against the ledger's. */
      const revalue = async (caller: Signer, staker: Signer, operator: Signer, asset: number) => {
        const epoch = await now();
        const expected = L.revalue(staker.address, operator.address, asset, epoch);
        const tx = registry.connect(caller).revalueUnits(staker, operator, asset);
        if (expected.inLine) {
          await expect(tx)
            .to.be.revertedWithCustomError(registry, "RegistryUnitsInLine")
            .withArgs(expected.previous, expected.units);
        } else {
          await expect(tx)
            .to.emit(registry, "UnitsRevalued")
            .withArgs(staker.address, operator.address, asset, expected.previous, expected.units);
          await expect(tx)
            .to.emit(registry, "UnitsChanged")
            .withArgs(
              operator.address,
              staker.address,
              epoch + 1n,
              latest(L.unitsOf(operator.address, staker.address)),
              latest(L.unitsOf(operator.address)),
            );
        }
        await expectUnits(staker, operator, asset);
        return expected;
      };

      const join = async (operator: Signer) => {
        await operatorSets.connect(operator).join(setId, await registry.operatorStake(operator));
        await syncAllocations();
      };

      /**
       * Each member allocates all its stake to the set; in the next epoch (when that counts) `fees` are credited; checks
       * the credit against the ledger. Returns the epoch.
       */
      const epochRound = async (fees: bigint, members: Signer[]) => {
        for (const m of members) {
          const stake = await registry.operatorStake(m);
          if ((await operatorSets.allocation(setId, m)).allocated !== stake) {
            await operatorSets.connect(m).allocate(setId, stake);
          }
        }
        await syncAllocations();
        const epoch = await nextEpoch(operatorSets);
        const expected = L.creditFees(fees, epoch);
        expect(await operatorSets.setStakeAt(setId, epoch)).to.equal(expected.stake);
        expect(expected.increment).to.not.equal(0n);
        await expect(rewards.connect(payer).creditFees(setId, fees))
          .to.emit(rewards, "FeesCredited")
          .withArgs(setId, payer.address, epoch, fees, expected.protocol, expected.remainder);
        expect(expected.remainder).to.be.lessThan(expected.stake);
        expect(await rewards.rewardPerStakeBefore(setId, epoch + 1n)).to.equal(L.perStakeBefore(epoch + 1n));
        expect(await rewards.owedScaled(treasury)).to.equal(L.owed.get(treasury.address));
        return epoch;
      };

      /**
       * `account` claims from the sets' pairs of `from` (its operators by default), the ledger predicting `outcome`:
       * claimable (settled epochs only) first, then the claim's Settled, Accrued and Claimed events (none when it pays
       * nothing), the transfer, what stays owed, the walks' progress; or its refusal, which changes nothing.
       */
      const claim = async (account: Signer, from?: Signer[], outcome: ClaimOutcome = "pays") => {
        const ops = (from ?? stakedWith.get(account.address) ?? []).map((o) => o.address);
        const sets = ops.map(() => setId);
        expect(await rewards.claimable(account, ops, sets)).to.equal(L.claimable(account.address, ops));
        const epoch = await now();
        for (const op of new Set(ops)) expect(await registry.commissionOf(op)).to.equal(commissions.get(op));
        const owedBefore = await rewards.owedScaled(account);
        const expected = L.claim(account.address, ops, epoch, (op) => commissions.get(op)!);
        expect(expected.reverted ? "refused" : expected.paid === 0n ? "movesOn" : "pays").to.equal(outcome);
        if (expected.reverted) {
          const walks = await Promise.all(ops.map((op) => rewards.claimedUntil(account, op, setId)));
          await expect(rewards.connect(account).claim(ops, sets)).to.be.revertedWithCustomError(
            rewards,
            "RewardsZeroAmount",
          );
          expect(await rewards.owedScaled(account)).to.equal(owedBefore);
          expect(await Promise.all(ops.map((op) => rewards.claimedUntil(account, op, setId)))).to.deep.equal(walks);
          return expected;
        }
        expect(await rewards.connect(account).claim.staticCall(ops, sets)).to.equal(expected.paid);
        const tx = rewards.connect(account).claim(ops, sets);
        await expect(tx).to.changeTokenBalances(token, [account, rewards], [expected.paid, -expected.paid]);
        const receipt = await (await tx).wait();
        expect(eventsOf(rewards, receipt, "Settled")).to.deep.equal(expected.settled);
        expect(eventsOf(rewards, receipt, "Accrued")).to.deep.equal(expected.accrued);
        expect(eventsOf(rewards, receipt, "Claimed")).to.deep.equal(
          expected.paid === 0n ? [] : [[account.address, expected.paid]],
        );
        expect(await rewards.owedScaled(account)).to.equal(L.owed.get(account.address) ?? 0n);
        for (const op of ops) {
          expect(await rewards.settledUntil(op, setId)).to.equal(epoch);
          expect(await rewards.claimedUntil(account, op, setId)).to.equal(epoch);
        }
        return expected;
      };

      /**
       * In an epoch after the last credit: the operators, `stakers` (those who have not claimed everything yet) and the
       * treasury claim; then every fee is accounted for exactly: credited * 1e18 == claimed * 1e18 + the sum of what
       * stays owed (the treasury's share includes every credit's rounding remainder).
       */
      const claimAllAndCheckConservation = async (stakers: Signer[]) => {
        for (const op of operators) await claim(op, [op]);
        for (const s of stakers) await claim(s);
        await claim(treasury, []);
        let owedTotal = 0n;
        for (const account of [treasury, ...operators, f.alice, f.bob, f.carol, f.dave, f.other]) {
          const owed = await rewards.owedScaled(account);
          expect(owed).to.be.lessThan(SCALE);
          owedTotal += owed;
        }
        expect(owedTotal + L.claimed * SCALE).to.equal(L.credited * SCALE);
        expect(await token.balanceOf(rewards)).to.equal(L.credited - L.claimed);
      };

      return {
        L,
        commissions,
        stake,
        request,
        revalue,
        join,
        epochRound,
        claim,
        syncAllocations,
        claimAllAndCheckConservation,
      };
    }

    it("pays every account exactly through stake, unstake and commission changes, and conserves every fee", async function () {
      const f = await loadFixture(integrationFixture);
      const { token, registry, rewards, operatorSets, op1, op2, alice, bob, carol, dave, setId } = f;
      const { L, commissions, stake, request, join, epochRound, claim, claimAllAndCheckConservation } = harness(f);

      // alice (ALT) and bob (LST, weight 2) with op1; carol with op2; both operators allocate everything
      await stake(alice, op1, 0, ALICE_ALT);
      await stake(bob, op1, 1, BOB_LST);
      await stake(carol, op2, 0, CAROL_ALT);
      await join(op1);
      await join(op2);

      // epoch A: the first fees; nothing is settled before A is over
      const epochA = await epochRound(1_000n * ALT + 7n, [op1, op2]);
      expect(await rewards.claimable(alice, [op1], [setId])).to.equal(0n);
      // a claim in A settles op1 up to A (nothing was allocated before it) and walks alice's epochs before A (she
      // earned nothing in them): it pays nothing and keeps that progress; a second one has nothing left to do
      const early = await claim(alice, [op1], "movesOn");
      expect(early.settled).to.deep.equal([[op1.address, setId, 0n, epochA, 0n, 0n]]);
      expect(early.accrued).to.deep.equal([[alice.address, op1.address, setId, 0n, epochA, 0n]]);
      await claim(alice, [op1], "refused");
      // still in A: dave joins op1's ALT pool and carol queues half her shares (both count from B: op2's allocation
      // shrinks to its active stake then); op1 raises its commission (in force in 7 days), op2 lowers its own (at
      // once: it applies to whatever op2 settles from now on, A's earnings included)
      await stake(dave, op1, 0, DAVE_ALT);
      const carolQueued = L.position(carol.address, op2.address, 0).shares / 2n;
      const carolWithdrawal = await request(carol, op2, 0, carolQueued);
      expect(lookup(L.allocationOf(op2.address), epochA + 1n)).to.be.lessThan(
        lookup(L.allocationOf(op2.address), epochA),
      );
      await registry.connect(op1).setCommission(1500);
      const raisedAt = BigInt(await time.latest()) + BigInt(days(7));
      await registry.connect(op2).setCommission(200);
      commissions.set(op2.address, 200n);

      // epoch B: A is settled by the first claim that touches it; op1's raise is not in force
      const epochB = await epochRound(2_345_678_901_234_567_890_123n, [op1, op2]);
      expect(epochB).to.equal(epochA + 1n);
      await claim(op1, [op1]);
      await claim(alice);

      // epoch C: the raise is in force, for what op1 settles from now on (B included)
      await time.increaseTo(raisedAt);
      commissions.set(op1.address, 1500n);
      const epochC = await epochRound(999n * ALT + 3n, [op1, op2]);
      expect(epochC).to.be.greaterThan(epochB);
      await claim(bob);

      // carol's withdrawal completes at the unslashed price
      await time.increaseTo(carolWithdrawal.unlockAt);
      const carolOut = L.complete(op2.address, 0, carolQueued);
      await expect(registry.connect(carol).completeUnstake(carolWithdrawal)).to.changeTokenBalance(
        token,
        carol,
        carolOut,
      );

      // epoch D: after the withdrawal left the pool; then everyone claims what the ledger says
      await epochRound(500n * ALT + 1n, [op1, op2]);
      await nextEpoch(operatorSets);
      await claimAllAndCheckConservation([alice, bob, carol, dave]);
    });

    it("pays stake that arrives and leaves within an epoch nothing, and a request's stake for its epoch", async function () {
      const f = await loadFixture(integrationFixture);
      const { registry, rewards, operatorSets, op1, op2, alice, bob, carol, setId } = f;
      const { L, stake, request, join, epochRound, claim, claimAllAndCheckConservation } = harness(f);
      await stake(alice, op1, 0, ALICE_ALT);
      await stake(carol, op2, 0, CAROL_ALT);
      await join(op1);
      await join(op2);
      const epochA = await epochRound(1_000n * ALT + 7n, [op1, op2]);
      // in the credited epoch: bob stakes with op1 and requests everything out again
      await stake(bob, op1, 1, BOB_LST);
      await request(bob, op1, 1, L.position(bob.address, op1.address, 1).shares);
      // alice requests a third: her units stop from the next epoch, this one still pays all of them
      const aliceUnits = L.position(alice.address, op1.address, 0).units;
      await request(alice, op1, 0, L.position(alice.address, op1.address, 0).shares / 3n);
      await epochRound(3_000n * ALT + 1n, [op2]);
      await nextEpoch(operatorSets);
      // bob earned nothing, in any epoch
      expect(await rewards.claimable(bob, [op1], [setId])).to.equal(0n);
      await rewards.settle(op1, setId, 64);
      L.settle(op1.address, await operatorSets.currentEpoch(), 1000n);
      expect(await rewards.claimable(bob, [op1], [setId])).to.equal(0n);
      // his claim walks his epochs, earns nothing and pays nothing, and keeps that progress; a second one is refused
      const bobClaim = await claim(bob, [op1], "movesOn");
      expect(bobClaim.settled).to.deep.equal([]);
      expect(bobClaim.accrued).to.deep.equal([
        [bob.address, op1.address, setId, 0n, await operatorSets.currentEpoch(), 0n],
      ]);
      await claim(bob, [op1], "refused");
      // alice's first two epochs at her whole units, then two thirds of them
      expect(await registry.stakerUnitsAt(alice, op1, epochA)).to.equal(aliceUnits);
      expect(await registry.stakerUnitsAt(alice, op1, epochA + 1n)).to.equal(aliceUnits - aliceUnits / 3n);
      expect(await registry.stakerUnitsAt(bob, op1, epochA + 1n)).to.equal(0n);
      expect(await registry.operatorUnitsAt(op1, epochA + 1n)).to.equal(aliceUnits - aliceUnits / 3n);
      const accrued = await claim(alice);
      expect(accrued.accrued).to.have.length(1);
      await claimAllAndCheckConservation([carol]);
    });

    it("keeps paying a jailed operator's allocation; after the slash, its allocation and new stake count at the slashed value", async function () {
      const f = await loadFixture(integrationFixture);
      const { registry, operatorSets, rewards, slashingManager, service, op1, op2, alice, bob, carol, dave } = f;
      const { reporter, setId } = f;
      const { L, stake, join, epochRound, claim, syncAllocations, claimAllAndCheckConservation } = harness(f);
      await stake(alice, op1, 0, ALICE_ALT);
      await stake(bob, op1, 1, BOB_LST);
      await stake(dave, op2, 0, DAVE_ALT);
      await join(op1);
      await join(op2);
      await epochRound(1_000n * ALT + 7n, [op1, op2]);

      // a slash request jails op1: its allocation still counts (and stays slashable), so it still earns
      const requestedAt = await time.latest();
      await requestAt(service, op1, setId, reporter, requestedAt);
      expect(await registry.isJailed(op1)).to.equal(true);
      const epochB = await epochRound(777n * ALT + 1n, [op1, op2]);
      expect(await operatorSets.allocationAt(setId, op1, epochB)).to.equal(lookup(L.allocationOf(op1.address), epochB));
      await nextEpoch(operatorSets);
      const jailed = await claim(alice);
      expect(jailed.settled).to.have.length(1);
      expect(jailed.settled[0][5]).to.be.greaterThan(0n);

      // executed: op1 allocated all its stake to the set, so it is back with 90 % of it, the same fraction of every
      // pool; the unit rate rises by 1 / 0.9 so that stake arriving now weighs what the slashed stake does
      const { executableAt } = await slashingManager.request(0);
      if (executableAt > BigInt(await time.latest())) await time.increaseTo(executableAt);
      const expected = await expectedSlash(f, 0);
      expect(expected.allocation.allocated).to.equal(await registry.operatorStake(op1));
      expect(expected.fromPending).to.equal(0n);
      for (const asset of [0, 1]) {
        const p = L.pool(op1.address, asset);
        expect(expected.pools[asset].totalAssets).to.equal(p.totalAssets);
        expect(expected.weights[asset]).to.equal(WEIGHTS[asset]);
      }
      await expect(slashingManager.execute(0))
        .to.emit(slashingManager, "SlashExecuted")
        .withArgs(0, op1.address, setId, SLASH_BPS, expected.amounts);
      L.slash(op1.address, expected.amounts, expected.value, expected.totalValue);
      await syncAllocations();
      expect(await registry.unitRate(op1)).to.equal(L.rate(op1.address));
      for (const asset of [0, 1]) {
        const [, totalAssets] = await registry.pool(op1, asset);
        expect(totalAssets).to.equal(L.pool(op1.address, asset).totalAssets);
      }

      // carol stakes with op1 after the slash; the next credit is the first since alice's last claim
      await stake(carol, op1, 0, CAROL_ALT);
      const epochE = await epochRound(2_000n * ALT + 3n, [op1, op2]);
      await nextEpoch(operatorSets);
      // alice (older, slashed stake) and carol (newer) earn E's fees in proportion to what their stake is worth now
      const aliceLast = await claim(alice);
      const carolLast = await claim(carol);
      expect(aliceLast.accrued[0].slice(3, 5)).to.deep.equal([epochB + 1n, epochE + 1n]);
      expect(carolLast.accrued[0].slice(3, 5)).to.deep.equal([0n, epochE + 1n]);
      expect(await registry.stakerUnitsAt(carol, op1, epochE - 1n)).to.equal(0n);
      const aliceAmount = aliceLast.accrued[0][5];
      const carolAmount = carolLast.accrued[0][5];
      const aliceValue = await registry.sharesToAmount(op1, 0, L.position(alice.address, op1.address, 0).shares);
      const gap = aliceAmount * CAROL_ALT - carolAmount * aliceValue;
      expect((gap < 0n ? -gap : gap) * 10n ** 15n < aliceAmount * CAROL_ALT).to.equal(true);

      await claimAllAndCheckConservation([bob, dave]);
    });

    it("pays on revalued units: after a weight cut, an older LST position earns per epoch what an equal newer one does", async function () {
      const f = await loadFixture(integrationFixture);
      const { registry, lst, deployer, op1, op2, bob, carol, dave, other } = f;
      const { L, stake, revalue, join, epochRound, claim, claimAllAndCheckConservation } = harness(f);
      await lst.mint(dave, 10_000n * ALT);
      await lst.connect(dave).approve(registry, ethers.MaxUint256);
      // bob stakes LST with op1 at weight 2, carol ALT with op2; both operators allocate everything
      await stake(bob, op1, 1, BOB_LST);
      await stake(carol, op2, 0, CAROL_ALT);
      await join(op1);
      await join(op2);
      await epochRound(1_000n * ALT + 7n, [op1, op2]);

      // in A: governance cuts LST's weight to 1; dave stakes as much LST as bob: the same shares, half bob's units
      await registry.connect(deployer).updateAsset(1, SCALE, 10n ** 30n);
      L.reweigh(1, SCALE);
      await stake(dave, op1, 1, BOB_LST);
      const bobPosition = L.position(bob.address, op1.address, 1);
      const davePosition = L.position(dave.address, op1.address, 1);
      expect(davePosition.shares).to.equal(bobPosition.shares);
      expect([bobPosition.units, davePosition.units]).to.deep.equal([2n * BOB_LST, BOB_LST]);

      // B: bob's old units still count; he claims A (he alone staked then); then anyone revalues him, from C on
      const epochB = await epochRound(2_000n * ALT + 3n, [op1, op2]);
      await claim(bob);
      const revalued = await revalue(other, bob, op1, 1);
      expect(revalued).to.deep.equal({ previous: 2n * BOB_LST, units: BOB_LST, inLine: false });
      await revalue(other, bob, op1, 1); // in line now: refused
      expect(await registry.stakerUnitsAt(bob, op1, epochB)).to.equal(2n * BOB_LST);
      expect(await registry.stakerUnitsAt(dave, op1, epochB)).to.equal(BOB_LST);
      expect(await registry.stakerUnitsAt(bob, op1, epochB + 1n)).to.equal(BOB_LST);
      expect(await registry.operatorUnitsAt(op1, epochB + 1n)).to.equal(2n * BOB_LST);

      // C: B's fees paid bob twice what they paid dave
      const epochC = await epochRound(3_000n * ALT + 1n, [op1, op2]);
      const bobB = await claim(bob);
      const daveB = await claim(dave);
      expect(bobB.accrued).to.deep.equal([[bob.address, op1.address, f.setId, epochB, epochC, bobB.accrued[0][5]]]);
      expect(daveB.accrued).to.deep.equal([[dave.address, op1.address, f.setId, 0n, epochC, daveB.accrued[0][5]]]);
      expect(daveB.accrued[0][5]).to.not.equal(0n);
      expect(bobB.accrued[0][5]).to.equal(2n * daveB.accrued[0][5]);

      // D, then E: the fees of C and D pay them equally
      await epochRound(1_500n * ALT + 11n, [op1, op2]);
      const epochE = await epochRound(500n * ALT + 5n, [op1, op2]);
      const bobLater = await claim(bob);
      const daveLater = await claim(dave);
      for (const [s, later] of [
        [bob, bobLater],
        [dave, daveLater],
      ] as const) {
        expect(later.accrued).to.deep.equal([[s.address, op1.address, f.setId, epochC, epochE, later.accrued[0][5]]]);
      }
      expect(bobLater.accrued[0][5]).to.not.equal(0n);
      expect(bobLater.accrued[0][5]).to.equal(daveLater.accrued[0][5]);

      await nextEpoch(f.operatorSets);
      await claimAllAndCheckConservation([bob, dave, carol]);
    });
  });
});
