// Cross-module flows of the restaking layer: registry, operator sets, slashing manager and rewards distributor together.
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { AddressLike } from "ethers";
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
import { keyProof, keyWallet } from "../helpers/keys";
import { toWithdrawal } from "../../tasks/lib/restaking";

const SCALE = 10n ** 18n;
const BPS = 10_000n;
const VIRTUAL_SHARES = 1_000_000n;
const STAKE_UNIT = 10n ** 9n;
const WEIGHTS = [10n ** 18n, 2n * 10n ** 18n]; // ALT, LST
const PROTOCOL_BPS = 1_000n; // hardhat.json
const REPORTER_BPS = 1_000n; // hardhat.json
const SLASH_BPS = 1_000n;
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

function activeValue(p: PoolModel) {
  const active = p.totalShares - p.queued;
  return { active, value: active === 0n ? 0n : (toAmount(p, active) * p.weight) / SCALE };
}

type Signer = HardhatEthersSigner;

/**
 * Pools, active shares and every account's owed rewards (scaled by 1e18), computed eagerly: at each distribution every
 * staker is credited its active shares times its pool's increment, which is what the contract's lazy settlement adds up
 * to.
 */
class Ledger {
  readonly pools = new Map<string, PoolModel>();
  readonly active = new Map<string, { staker: string; operator: string; asset: number; shares: bigint }>();
  readonly owed = new Map<string, bigint>();
  credited = 0n;
  claimed = 0n;
  pending = 0n;
  /** The part of `pending` carried from earlier distributions (it paid the protocol share already). */
  carried = 0n;

  constructor(readonly treasury: string) {}

  pool(operator: string, asset: number): PoolModel {
    const key = `${operator}/${asset}`;
    if (!this.pools.has(key))
      this.pools.set(key, { totalShares: 0n, totalAssets: 0n, queued: 0n, weight: WEIGHTS[asset] });
    return this.pools.get(key)!;
  }

  private position(staker: string, operator: string, asset: number) {
    const key = `${staker}/${operator}/${asset}`;
    if (!this.active.has(key)) this.active.set(key, { staker, operator, asset, shares: 0n });
    return this.active.get(key)!;
  }

  /** The pools `staker` ever held shares in, as claim() takes them. */
  poolsOf(staker: string): [string[], number[]] {
    const held = [...this.active.values()].filter((p) => p.staker === staker);
    return [held.map((p) => p.operator), held.map((p) => p.asset)];
  }

  sharesOf(staker: string, operator: string, asset: number) {
    return this.position(staker, operator, asset).shares;
  }

  stake(staker: string, operator: string, asset: number, amount: bigint): bigint {
    const p = this.pool(operator, asset);
    const shares = sharesFor(p, amount);
    p.totalShares += shares;
    p.totalAssets += amount;
    this.position(staker, operator, asset).shares += shares;
    return shares;
  }

  request(staker: string, operator: string, asset: number, shares: bigint) {
    this.position(staker, operator, asset).shares -= shares;
    this.pool(operator, asset).queued += shares;
  }

  complete(operator: string, asset: number, shares: bigint): bigint {
    const p = this.pool(operator, asset);
    const amount = toAmount(p, shares);
    p.totalShares -= shares;
    p.queued -= shares;
    p.totalAssets -= amount;
    return amount;
  }

  /** The stake a snapshot records now: weighted active value, floored to whole 1e9 units. */
  snapshotStake(operator: string): bigint {
    const total = WEIGHTS.reduce((t, _, a) => t + activeValue(this.pool(operator, a)).value, 0n);
    return (total / STAKE_UNIT) * STAKE_UNIT;
  }

  credit(account: string, scaled: bigint) {
    this.owed.set(account, (this.owed.get(account) ?? 0n) + scaled);
  }

  creditFees(amount: bigint) {
    this.credited += amount;
    this.pending += amount * SCALE;
  }

  /** Distributes everything pending over `entries` (snapshot stakes) with the commissions in force. */
  distribute(entries: { operator: string; stake: bigint; commissionBps: bigint }[]) {
    const amountScaled = this.pending;
    // carried fees paid the protocol share when first distributed: it is charged once per fee
    const protocol = ((amountScaled - this.carried) * PROTOCOL_BPS) / BPS;
    const rest = amountScaled - protocol;
    const totalStake = entries.reduce((t, e) => t + e.stake, 0n);
    this.credit(this.treasury, protocol);
    let used = 0n;
    const operators = entries.map((e) => {
      const share = (rest * e.stake) / totalStake;
      const commission = (share * e.commissionBps) / BPS;
      const toStakers = share - commission;
      this.credit(e.operator, commission);
      const values = WEIGHTS.map((_, a) => activeValue(this.pool(e.operator, a)));
      const totalValue = values.reduce((t, v) => t + v.value, 0n);
      let allotted = 0n;
      values.forEach(({ active, value }, a) => {
        if (totalValue === 0n || value === 0n) return;
        const increment = (toStakers * value) / totalValue / active;
        allotted += increment * active;
        for (const pos of this.active.values()) {
          if (pos.operator === e.operator && pos.asset === a) this.credit(pos.staker, pos.shares * increment);
        }
      });
      used += commission + allotted;
      return { operator: e.operator, commission, allotted };
    });
    const carried = rest - used;
    this.pending = carried;
    this.carried = carried;
    return { amountScaled, protocol, carried, operators };
  }

  /** What a claim pays now (whole wei), leaving the fraction owed. */
  claim(account: string): bigint {
    const owed = this.owed.get(account) ?? 0n;
    const paid = owed / SCALE;
    this.owed.set(account, owed - paid * SCALE);
    this.claimed += paid;
    return paid;
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

const keyOf = (label: string) => keyWallet(label).address;

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

    await registry
      .connect(op1)
      .registerOperator("ipfs://op1", 1000, keyOf("op1 key"), await keyProof(registry, keyOf("op1 key"), op1.address));
    await registry
      .connect(op2)
      .registerOperator("ipfs://op2", 500, keyOf("op2 key"), await keyProof(registry, keyOf("op2 key"), op2.address));

    const setKey = ethers.id("rollup-1/service");
    await service.createSet(setKey, MIN_STAKE, 64);
    const setId = await operatorSets.setIdOf(service, setKey);
    return { ...protocol, service, lst, op1, op2, alice, bob, carol, dave, payer, reporter, other, setId };
  }

  /** alice (ALT) and bob (LST) stake to op1, which joins the set with all its stake; the next epoch's snapshot is taken. */
  async function stakedFixture() {
    const base = await loadFixture(integrationFixture);
    const { registry, operatorSets, op1, alice, bob, setId } = base;
    await registry.connect(alice).stake(op1, 0, ALICE_ALT);
    await registry.connect(bob).stake(op1, 1, BOB_LST);
    await operatorSets.connect(op1).join(setId, await registry.operatorStake(op1));
    await nextEpoch(operatorSets);
    await operatorSets.snapshot(setId);
    const [epoch] = await operatorSets.latestSnapshotEpoch(setId);
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
      const [, stakes] = await operatorSets.snapshotEntries(setId, epoch);
      expect(stakes).to.deep.equal([(stake / STAKE_UNIT) * STAKE_UNIT]);

      // 1. a request jails the operator at once: the next snapshot leaves it out
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
      await operatorSets.snapshot(setId);
      const [jailedEpoch] = await operatorSets.latestSnapshotEpoch(setId);
      expect(jailedEpoch).to.equal(epoch + 1n);
      expect((await operatorSets.snapshotEntries(setId, jailedEpoch))[0]).to.deep.equal([]);

      // 2. the council vetoes it: unjailed, nothing taken, back in the next snapshot
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
      await operatorSets.snapshot(setId);
      const [freedEpoch] = await operatorSets.latestSnapshotEpoch(setId);
      expect((await operatorSets.snapshotEntries(setId, freedEpoch))[0]).to.deep.equal([op1.address]);

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
      // only the burn leaves at execution; the reporter and the treasury claim their shares afterwards
      await expect(execution).to.changeTokenBalances(token, [registry, reporter], [-(altSlashed - altReporter), 0n]);
      await expect(execution).to.changeTokenBalances(lst, [registry, reporter, treasury], [0n, 0n, 0n]);
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
      // the ALT not paid to the reporter is burned
      expect(await token.totalSupply()).to.equal(supplyBefore - (altSlashed - altReporter));
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
      // the jailed operator is left out of the epoch's snapshot too
      await operatorSets.snapshot(setId);
      const [epoch] = await operatorSets.latestSnapshotEpoch(setId);
      expect((await operatorSets.snapshotEntries(setId, epoch))[0]).to.deep.equal([]);
    });

    it("a withdrawal requested before the slash executes pays the slashed price", async function () {
      const f = await loadFixture(pendingSlashFixture);
      const { token, registry, operatorSets, slashingManager, op1, alice, reporter, withdrawal, executableAt } = f;
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
      // what stays: the reporter's share, until it is claimed
      const toReporter = (altSlashed * REPORTER_BPS) / BPS;
      expect(await registry.slashProceeds(reporter.address, 0)).to.equal(toReporter);
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

    /** The ledger and checked actions over it: every claim and distribution is compared with the ledger. */
    function harness(f: Fixture) {
      const { token, registry, operatorSets, rewards, treasury, op1, op2, alice, bob, carol, dave, payer, setId } = f;
      const L = new Ledger(treasury.address);
      const stakers = [alice, bob, carol, dave];
      const accounts = [treasury, op1, op2, ...stakers];
      const commissions = new Map([
        [op1.address, 1000n],
        [op2.address, 500n],
      ]);

      const stake = async (staker: Signer, operator: Signer, asset: number, amount: bigint) => {
        await registry.connect(staker).stake(operator, asset, amount);
        L.stake(staker.address, operator.address, asset, amount);
        expect(await registry.sharesOf(staker, operator, asset)).to.equal(
          L.sharesOf(staker.address, operator.address, asset),
        );
      };

      /** Checks the claim of `account` against the ledger: claimable, Claimed, the balance change, the fraction kept. */
      const claim = async (account: Signer) => {
        const [operators, assets] = L.poolsOf(account.address);
        const expected = L.claim(account.address);
        expect(expected).to.be.greaterThan(0n);
        expect(await rewards.claimable(account, operators, assets)).to.equal(expected);
        const tx = rewards.connect(account).claim(operators, assets);
        await expect(tx).to.emit(rewards, "Claimed").withArgs(account.address, expected);
        await expect(tx).to.changeTokenBalances(token, [account, rewards], [expected, -expected]);
        expect(await rewards.owedScaled(account)).to.equal(L.owed.get(account.address));
      };

      /**
       * Each member allocates all its stake to the set; in the next epoch (when that counts) a snapshot is taken, `fees`
       * credited and distributed over it; checks the snapshot and the distribution against the ledger.
       */
      const epochRound = async (fees: bigint, members: Signer[]) => {
        for (const m of members) {
          const stake = await registry.operatorStake(m);
          if ((await operatorSets.allocation(setId, m)).allocated !== stake) {
            await operatorSets.connect(m).allocate(setId, stake);
          }
        }
        await nextEpoch(operatorSets);
        await operatorSets.snapshot(setId);
        const [epoch] = await operatorSets.latestSnapshotEpoch(setId);
        const entries = members.map((m) => ({
          operator: m.address,
          stake: L.snapshotStake(m.address),
          commissionBps: commissions.get(m.address)!,
        }));
        const [operators, stakes] = await operatorSets.snapshotEntries(setId, epoch);
        expect(operators).to.deep.equal(entries.map((e) => e.operator));
        expect(stakes).to.deep.equal(entries.map((e) => e.stake));
        await rewards.connect(payer).creditFees(setId, fees);
        L.creditFees(fees);
        const expected = L.distribute(entries);
        const tx = rewards.distribute(setId, epoch);
        await expect(tx)
          .to.emit(rewards, "Distributed")
          .withArgs(setId, epoch, expected.amountScaled / SCALE, expected.protocol / SCALE, expected.carried);
        for (const o of expected.operators) {
          await expect(tx)
            .to.emit(rewards, "OperatorRewarded")
            .withArgs(setId, epoch, o.operator, o.commission / SCALE, o.allotted / SCALE);
        }
        expect(await rewards.pendingFeesScaled(setId)).to.equal(L.pending);
        // the operators' and the treasury's rewards are credited at once
        for (const a of [treasury, op1, op2]) expect(await rewards.owedScaled(a)).to.equal(L.owed.get(a.address) ?? 0n);
        // the stakers' are settled lazily: the view settles them virtually
        for (const s of stakers) {
          const [ops, assets] = L.poolsOf(s.address);
          expect(await rewards.claimable(s, ops, assets)).to.equal((L.owed.get(s.address) ?? 0n) / SCALE);
        }
        return epoch;
      };

      /** Everyone claims, then: credited * 1e18 == sum of owed (all settled) + claimed * 1e18 + pending. */
      const claimAllAndCheckConservation = async () => {
        for (const account of accounts) await claim(account);
        let owedTotal = 0n;
        for (const account of accounts) {
          const owed = await rewards.owedScaled(account);
          expect(owed).to.be.lessThan(SCALE);
          owedTotal += owed;
        }
        const pending = await rewards.pendingFeesScaled(setId);
        expect(L.claimed).to.be.greaterThan(0n);
        expect(owedTotal + L.claimed * SCALE + pending).to.equal(L.credited * SCALE);
        expect(await token.balanceOf(rewards)).to.equal(L.credited - L.claimed);
      };

      return { L, commissions, stake, claim, epochRound, claimAllAndCheckConservation };
    }

    it("pays every account exactly through stake, unstake and commission changes, and conserves every fee", async function () {
      const f = await loadFixture(integrationFixture);
      const { token, registry, operatorSets, op1, op2, alice, bob, carol, dave, setId } = f;
      const { L, commissions, stake, claim, epochRound, claimAllAndCheckConservation } = harness(f);

      // epoch A: alice (ALT) and bob (LST, weight 2) with op1; carol with op2
      await stake(alice, op1, 0, ALICE_ALT);
      await stake(bob, op1, 1, BOB_LST);
      await stake(carol, op2, 0, CAROL_ALT);
      await operatorSets.connect(op1).join(setId, await registry.operatorStake(op1));
      await operatorSets.connect(op2).join(setId, await registry.operatorStake(op2));
      const epochA = await epochRound(1_000n * ALT + 7n, [op1, op2]);
      await claim(op1);
      await claim(alice);

      // between A and B: dave joins op1's ALT pool, carol queues half her shares, op1 raises its commission (delayed),
      // op2 lowers its own (at once)
      await stake(dave, op1, 0, DAVE_ALT);
      const carolQueued = L.sharesOf(carol.address, op2.address, 0) / 2n;
      const carolWithdrawal = await requestUnstake(registry, carol, op2, 0, carolQueued);
      L.request(carol.address, op2.address, 0, carolQueued);
      expect(await registry.sharesOf(carol, op2, 0)).to.equal(L.sharesOf(carol.address, op2.address, 0));
      await registry.connect(op1).setCommission(1500);
      const raisedAt = BigInt(await time.latest()) + BigInt(days(7));
      await registry.connect(op2).setCommission(200);
      commissions.set(op2.address, 200n);

      // epoch B: op1's raise is not in force yet
      const epochB = await epochRound(2_345_678_901_234_567_890_123n, [op1, op2]);
      expect(epochB).to.equal(epochA + 1n);
      expect(await registry.commissionOf(op1)).to.equal(1000n);
      await claim(bob);

      // epoch C: the raise is in force
      await time.increaseTo(raisedAt);
      commissions.set(op1.address, 1500n);
      const epochC = await epochRound(999n * ALT + 3n, [op1, op2]);
      expect(epochC).to.be.greaterThan(epochB);

      // carol's withdrawal completes at the unslashed price
      await time.increaseTo(carolWithdrawal.unlockAt);
      const carolOut = L.complete(op2.address, 0, carolQueued);
      await expect(registry.connect(carol).completeUnstake(carolWithdrawal)).to.changeTokenBalance(
        token,
        carol,
        carolOut,
      );

      // epoch D: after the withdrawal left the pool
      await epochRound(500n * ALT + 1n, [op1, op2]);

      // everyone claims exactly what the ledger says, and every fee is accounted for
      await claimAllAndCheckConservation();
    });

    it("leaves a jailed operator out of the rewards; after the slash, its stake and pools count at the slashed value", async function () {
      const f = await loadFixture(integrationFixture);
      const { registry, operatorSets, rewards, slashingManager, service, op1, op2, alice, bob, carol, dave } = f;
      const { reporter, setId } = f;
      const { L, stake, epochRound, claimAllAndCheckConservation } = harness(f);
      await stake(alice, op1, 0, ALICE_ALT);
      await stake(bob, op1, 1, BOB_LST);
      await stake(carol, op2, 0, CAROL_ALT);
      await stake(dave, op2, 0, DAVE_ALT);
      await operatorSets.connect(op1).join(setId, await registry.operatorStake(op1));
      await operatorSets.connect(op2).join(setId, await registry.operatorStake(op2));
      await epochRound(1_000n * ALT + 7n, [op1, op2]);

      // a slash request jails op1: the next epoch's fees go to op2 alone
      await time.increase(days(1));
      const requestedAt = await time.latest();
      await requestAt(service, op1, setId, reporter, requestedAt);
      const op1Owed = await rewards.owedScaled(op1);
      const acc = [await rewards.accRewardPerShare(op1, 0), await rewards.accRewardPerShare(op1, 1)];
      await epochRound(777n * ALT + 1n, [op2]);
      expect(await rewards.owedScaled(op1)).to.equal(op1Owed);
      expect([await rewards.accRewardPerShare(op1, 0), await rewards.accRewardPerShare(op1, 1)]).to.deep.equal(acc);

      // executed: op1 allocated all its stake to the set, so it is back with 90 % of it, the same fraction of every
      // pool, and its stakers share by the slashed values
      await time.increaseTo((await slashingManager.request(0)).executableAt);
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
      for (const asset of [0, 1]) {
        const p = L.pool(op1.address, asset);
        p.totalAssets -= expected.amounts[asset];
        const [, totalAssets] = await registry.pool(op1, asset);
        expect(totalAssets).to.equal(p.totalAssets);
      }
      await epochRound(2_000n * ALT + 3n, [op1, op2]);

      await claimAllAndCheckConservation();
    });
  });
});
