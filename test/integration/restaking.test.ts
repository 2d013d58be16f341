// Cross-module flows of the restaking layer: registry, operator sets, slashing manager and rewards distributor together.
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { IRestakingRegistry, RestakingRegistry } from "../../typechain-types";
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
    const protocol = (amountScaled * PROTOCOL_BPS) / BPS;
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
      await expect(service.requestSlash(op1, SLASH_BPS, reason, evidence, reporter, t1 - 3600))
        .to.emit(slashingManager, "SlashRequested")
        .withArgs(
          0,
          op1.address,
          await service.getAddress(),
          SLASH_BPS,
          reason,
          evidence,
          reporter.address,
          t1 + days(2),
        );
      expect(await registry.isJailed(op1)).to.equal(true);
      expect(await registry.pendingSlashes(op1)).to.equal(1n);
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
      expect(await slashingManager.windowSlashedBps(op1)).to.equal(0n);
      await time.increase(days(1));
      await operatorSets.snapshot(setId);
      const [freedEpoch] = await operatorSets.latestSnapshotEpoch(setId);
      expect((await operatorSets.snapshotEntries(setId, freedEpoch))[0]).to.deep.equal([op1.address]);

      // 3. another request, executed by anyone once the veto window is over
      const t2 = (await time.latest()) + 100;
      await time.setNextBlockTimestamp(t2);
      await service.requestSlash(op1, SLASH_BPS, reason, ethers.id("evidence 2"), reporter, t2);
      const executableAt = t2 + days(2);
      await time.setNextBlockTimestamp(executableAt - 1);
      await expect(slashingManager.connect(other).execute(1))
        .to.be.revertedWithCustomError(slashingManager, "SlashingVetoWindowOpen")
        .withArgs(1, executableAt);

      const altSlashed = (ALICE_ALT * SLASH_BPS) / BPS;
      const altReporter = (altSlashed * REPORTER_BPS) / BPS;
      const lstSlashed = (BOB_LST * SLASH_BPS) / BPS;
      const lstReporter = (lstSlashed * REPORTER_BPS) / BPS;
      const supplyBefore = await token.totalSupply();
      await time.setNextBlockTimestamp(executableAt);
      const execution = slashingManager.connect(other).execute(1);
      await expect(execution)
        .to.emit(slashingManager, "SlashExecuted")
        .withArgs(1, op1.address, SLASH_BPS, [altSlashed, lstSlashed]);
      await expect(execution)
        .to.emit(registry, "PoolSlashed")
        .withArgs(1, op1.address, 0, altSlashed, altReporter, ALICE_ALT - altSlashed);
      await expect(execution)
        .to.emit(registry, "PoolSlashed")
        .withArgs(1, op1.address, 1, lstSlashed, lstReporter, BOB_LST - lstSlashed);
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

  describe("requested shares stay slashable", function () {
    /** alice requested all her shares; 13 days later, a slash of op1 is requested (executable 2 days later). */
    async function pendingSlashFixture() {
      const base = await loadFixture(stakedFixture);
      const { registry, service, op1, alice, reporter, aliceShares } = base;
      const withdrawal = await requestUnstake(registry, alice, op1, 0, aliceShares);
      const requestedAt = Number(withdrawal.unlockAt) - days(1);
      await time.setNextBlockTimestamp(requestedAt);
      await service.requestSlash(op1, SLASH_BPS, ethers.id("offence"), ethers.id("evidence"), reporter, requestedAt);
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
      const { token, registry, slashingManager, op1, alice, reporter, withdrawal, executableAt, aliceShares } =
        await loadFixture(pendingSlashFixture);
      await time.increaseTo(executableAt);
      const altSlashed = (ALICE_ALT * SLASH_BPS) / BPS; // the queued shares' assets are in the pool, slashed with it
      await expect(slashingManager.execute(0))
        .to.emit(registry, "PoolSlashed")
        .withArgs(0, op1.address, 0, altSlashed, (altSlashed * REPORTER_BPS) / BPS, ALICE_ALT - altSlashed);
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
      await service.requestSlash(op1, SLASH_BPS, ethers.id("offence"), ethers.id("evidence"), reporter, requestedAt);
      const op1Owed = await rewards.owedScaled(op1);
      const acc = [await rewards.accRewardPerShare(op1, 0), await rewards.accRewardPerShare(op1, 1)];
      await epochRound(777n * ALT + 1n, [op2]);
      expect(await rewards.owedScaled(op1)).to.equal(op1Owed);
      expect([await rewards.accRewardPerShare(op1, 0), await rewards.accRewardPerShare(op1, 1)]).to.deep.equal(acc);

      // executed: op1 is back with 90 % of every pool, and its stakers share by the slashed values
      await time.increaseTo((await slashingManager.request(0)).executableAt);
      await slashingManager.execute(0);
      for (const asset of [0, 1]) {
        const p = L.pool(op1.address, asset);
        p.totalAssets -= (p.totalAssets * SLASH_BPS) / BPS;
        const [, totalAssets] = await registry.pool(op1, asset);
        expect(totalAssets).to.equal(p.totalAssets);
      }
      await epochRound(2_000n * ALT + 3n, [op1, op2]);

      await claimAllAndCheckConservation();
    });
  });
});
