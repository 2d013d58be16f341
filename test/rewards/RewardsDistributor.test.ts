import { expect } from "chai";
import { ethers, upgrades } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse, Interface } from "ethers";
import { ALT } from "../helpers/constants";
import { days, nextEpoch } from "../helpers/time";
import { deployProtocol } from "../helpers/protocol";
import { keyProof, keyWallet } from "../helpers/keys";

const SCALE = 10n ** 18n;
const BPS = 10_000n;
const VIRTUAL_SHARES = 1_000_000n;
const STAKE_UNIT = 10n ** 9n;
const ALT_WEIGHT = 10n ** 18n;
const LST_WEIGHT = 2n * 10n ** 18n;
const PROTOCOL_BPS = 1_000n; // hardhat.json
const OP1_COMMISSION = 1_000n;
const OP2_COMMISSION = 500n;
const MIN_STAKE = 100n * ALT;

// Odd amounts, so every floor in the split has a remainder.
const ALICE_ALT = 1_234_567_890_123_456_789_012n;
const BOB_LST = 321_987_654_321_000_000_777n;
const CAROL_ALT = 777_000_000_000_000_000_555n;
const FEES = 1_000n * ALT + 7n;

/** A registry pool, priced as the spec says: a share is worth (totalAssets + 1) / (totalShares + 1e6). */
interface PoolModel {
  totalShares: bigint;
  totalAssets: bigint;
  queued: bigint;
  weight: bigint;
}

const emptyPool = (weight: bigint): PoolModel => ({ totalShares: 0n, totalAssets: 0n, queued: 0n, weight });

/** Deposits `amount` into the model and returns the shares minted. */
function deposit(p: PoolModel, amount: bigint): bigint {
  const shares = (amount * (p.totalShares + VIRTUAL_SHARES)) / (p.totalAssets + 1n);
  p.totalShares += shares;
  p.totalAssets += amount;
  return shares;
}

const toAmount = (p: PoolModel, shares: bigint) => (shares * (p.totalAssets + 1n)) / (p.totalShares + VIRTUAL_SHARES);

/** Active (not queued) shares and their ALT-equivalent value. */
function activeValue(p: PoolModel): { active: bigint; value: bigint } {
  const active = p.totalShares - p.queued;
  return { active, value: active === 0n ? 0n : (toAmount(p, active) * p.weight) / SCALE };
}

/** The stake a snapshot records: the operator's weighted active value, floored to whole 1e9 units. */
function snapshotStake(pools: PoolModel[]): bigint {
  const total = pools.reduce((t, p) => t + activeValue(p).value, 0n);
  return (total / STAKE_UNIT) * STAKE_UNIT;
}

interface OperatorCase {
  stake: bigint;
  commissionBps: bigint;
  /** Indexed by asset id. */
  pools: PoolModel[];
}

interface OperatorSplit {
  share: bigint;
  commission: bigint;
  toStakers: bigint;
  increments: bigint[];
  allotted: bigint;
}

/**
 * The distribution, with the contract's floor order: protocol, stake pro rata, commission, pools by value, per share.
 * `carriedScaled` of `amountScaled` was carried from an earlier distribution: it paid the protocol share already.
 */
function split(amountScaled: bigint, protocolBps: bigint, operators: OperatorCase[], carriedScaled = 0n) {
  const protocol = ((amountScaled - carriedScaled) * protocolBps) / BPS;
  const rest = amountScaled - protocol;
  const totalStake = operators.reduce((t, o) => t + o.stake, 0n);
  let used = 0n;
  const results: OperatorSplit[] = operators.map((o) => {
    const share = totalStake === 0n ? 0n : (rest * o.stake) / totalStake;
    const commission = (share * o.commissionBps) / BPS;
    const toStakers = share - commission;
    const values = o.pools.map(activeValue);
    const totalValue = values.reduce((t, v) => t + v.value, 0n);
    const increments = values.map(({ active, value }) =>
      totalValue === 0n || value === 0n ? 0n : (toStakers * value) / totalValue / active,
    );
    const allotted = increments.reduce((t, inc, a) => t + inc * values[a].active, 0n);
    used += commission + allotted;
    return { share, commission, toStakers, increments, allotted };
  });
  return { protocol, rest, carried: rest - used, operators: results };
}

const keyOf = (label: string) => keyWallet(label).address;

/** Fresh models of the fixture's pools as staked (never shared between tests). */
function stakedModel() {
  const op1Pools = [emptyPool(ALT_WEIGHT), emptyPool(LST_WEIGHT)];
  const op2Pools = [emptyPool(ALT_WEIGHT), emptyPool(LST_WEIGHT)];
  const aliceShares = deposit(op1Pools[0], ALICE_ALT);
  const bobShares = deposit(op1Pools[1], BOB_LST);
  const carolShares = deposit(op2Pools[0], CAROL_ALT);
  return { op1Pools, op2Pools, aliceShares, bobShares, carolShares };
}

type Model = ReturnType<typeof stakedModel>;

/**
 * The split of `amountScaled` over the fixture's set: the operators' pools as `m` has them at distribution, their
 * snapshot stakes as `atSnapshot` had them (by default: as staked, before any change).
 */
function expectedFor(
  m: Model,
  amountScaled: bigint,
  atSnapshot: Model = stakedModel(),
  commissions = [OP1_COMMISSION, OP2_COMMISSION],
  carriedScaled = 0n,
) {
  return split(
    amountScaled,
    PROTOCOL_BPS,
    [
      { stake: snapshotStake(atSnapshot.op1Pools), commissionBps: commissions[0], pools: m.op1Pools },
      { stake: snapshotStake(atSnapshot.op2Pools), commissionBps: commissions[1], pools: m.op2Pools },
    ],
    carriedScaled,
  );
}

/** How many `name` events of `contract` the transaction emitted. */
async function eventCount(tx: ContractTransactionResponse, contract: { interface: Interface }, name: string) {
  const receipt = (await tx.wait())!;
  const topic = contract.interface.getEvent(name)!.topicHash;
  return receipt.logs.filter((l) => l.topics[0] === topic).length;
}

describe("RewardsDistributor", function () {
  /**
   * Two operators in one set: op1 (10 % commission) with an ALT pool (alice) and an LST pool of weight 2 (bob), op2
   * (5 %) with an ALT pool (carol). No snapshot yet; the payer approved the distributor.
   */
  async function rewardsFixture() {
    const protocol = await deployProtocol();
    const { token, registry, operatorSets, slashingManager, rewards, deployer, treasury, users } = protocol;
    const [op1, op2, alice, bob, carol, payer, other, dave] = users;

    const service = await (await ethers.getContractFactory("MockService")).deploy(operatorSets, slashingManager);
    await operatorSets.connect(deployer).setService(service, true);
    await slashingManager.connect(deployer).setSlasher(service, 1000, days(7));

    const lst = await (await ethers.getContractFactory("MockERC20")).deploy("Liquid staked ETH", "LST");
    await registry.connect(deployer).addAsset(lst, LST_WEIGHT, 10n ** 30n);
    await lst.mint(bob, 10_000n * ALT);
    await lst.connect(bob).approve(registry, ethers.MaxUint256);
    for (const s of [alice, carol, dave]) await token.connect(s).approve(registry, ethers.MaxUint256);
    await token.connect(payer).approve(rewards, ethers.MaxUint256);

    await registry
      .connect(op1)
      .registerOperator(
        "ipfs://op1",
        OP1_COMMISSION,
        keyOf("op1 key"),
        await keyProof(registry, keyOf("op1 key"), op1.address),
      );
    await registry
      .connect(op2)
      .registerOperator(
        "ipfs://op2",
        OP2_COMMISSION,
        keyOf("op2 key"),
        await keyProof(registry, keyOf("op2 key"), op2.address),
      );
    await registry.connect(alice).stake(op1, 0, ALICE_ALT);
    await registry.connect(bob).stake(op1, 1, BOB_LST);
    await registry.connect(carol).stake(op2, 0, CAROL_ALT);

    const setKey = ethers.id("rollup-1/service");
    await service.createSet(setKey, MIN_STAKE, 64);
    const setId = await operatorSets.setIdOf(service, setKey);
    // each operator allocates all its stake to the set (counted from the next epoch)
    await operatorSets.connect(op1).join(setId, await registry.operatorStake(op1));
    await operatorSets.connect(op2).join(setId, await registry.operatorStake(op2));

    return {
      ...protocol,
      token,
      registry,
      operatorSets,
      rewards,
      deployer,
      treasury,
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
      setId,
      model: stakedModel,
    };
  }

  /** In the next epoch (when the allocations count), a snapshot of the set was taken and FEES credited. */
  async function snapshotFixture() {
    const base = await loadFixture(rewardsFixture);
    await nextEpoch(base.operatorSets);
    await base.operatorSets.snapshot(base.setId);
    const [epoch] = await base.operatorSets.latestSnapshotEpoch(base.setId);
    await base.rewards.connect(base.payer).creditFees(base.setId, FEES);
    return { ...base, epoch };
  }

  /** FEES distributed over the snapshot. */
  async function distributedFixture() {
    const base = await loadFixture(snapshotFixture);
    await base.rewards.distribute(base.setId, base.epoch);
    return base;
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
      expect(await registry.rewardsDistributor()).to.equal(await rewards.getAddress());
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

    it("pays the protocol share of later distributions to the new treasury at the new rate", async function () {
      const { rewards, deployer, other, treasury, setId, epoch, model } = await loadFixture(snapshotFixture);
      await rewards.connect(deployer).setParameters(other, 2500);
      await rewards.distribute(setId, epoch);
      const expected = split(FEES * SCALE, 2500n, [
        { stake: snapshotStake(model().op1Pools), commissionBps: OP1_COMMISSION, pools: model().op1Pools },
        { stake: snapshotStake(model().op2Pools), commissionBps: OP2_COMMISSION, pools: model().op2Pools },
      ]);
      expect(await rewards.owedScaled(other)).to.equal(expected.protocol);
      expect(await rewards.owedScaled(treasury)).to.equal(0n);
      expect(await rewards.pendingFeesScaled(setId)).to.equal(expected.carried);
    });
  });

  describe("creditFees", function () {
    it("pulls exactly the amount, emits FeesCredited and records it scaled by 1e18", async function () {
      const { rewards, token, payer, setId } = await loadFixture(rewardsFixture);
      const tx = rewards.connect(payer).creditFees(setId, FEES);
      await expect(tx).to.emit(rewards, "FeesCredited").withArgs(setId, payer.address, FEES);
      await expect(tx).to.changeTokenBalances(token, [payer, rewards], [-FEES, FEES]);
      expect(await rewards.pendingFeesScaled(setId)).to.equal(FEES * SCALE);
    });

    it("adds later credits to what is pending", async function () {
      const { rewards, payer, other, token, setId } = await loadFixture(rewardsFixture);
      await token.connect(other).approve(rewards, 5n);
      await rewards.connect(payer).creditFees(setId, FEES);
      await rewards.connect(other).creditFees(setId, 5n);
      expect(await rewards.pendingFeesScaled(setId)).to.equal((FEES + 5n) * SCALE);
      expect(await token.balanceOf(rewards)).to.equal(FEES + 5n);
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
      const { rewards, token, other, setId } = await loadFixture(rewardsFixture);
      await expect(rewards.connect(other).creditFees(setId, 1))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
        .withArgs(await rewards.getAddress(), 0, 1);
    });
  });

  describe("distribute", function () {
    it("refuses an epoch without a snapshot", async function () {
      const { rewards, operatorSets, payer, setId } = await loadFixture(rewardsFixture);
      await rewards.connect(payer).creditFees(setId, FEES);
      await expect(rewards.distribute(setId, 5))
        .to.be.revertedWithCustomError(operatorSets, "SetsNoSnapshot")
        .withArgs(setId, 5);
    });

    it("refuses when nothing was credited", async function () {
      const { rewards, operatorSets, setId } = await loadFixture(rewardsFixture);
      await operatorSets.snapshot(setId);
      const [epoch] = await operatorSets.latestSnapshotEpoch(setId);
      await expect(rewards.distribute(setId, epoch))
        .to.be.revertedWithCustomError(rewards, "RewardsNothingToDistribute")
        .withArgs(setId);
    });

    it("records the snapshot the split is computed over", async function () {
      const { operatorSets, setId, epoch, op1, op2, model } = await loadFixture(snapshotFixture);
      const m = model();
      const [operators, stakes] = await operatorSets.snapshotEntries(setId, epoch);
      expect(operators).to.deep.equal([op1.address, op2.address]);
      expect(stakes).to.deep.equal([snapshotStake(m.op1Pools), snapshotStake(m.op2Pools)]);
      // the weight of the LST pool is counted: op1 = alice + 2 * bob, floored to 1e9 units
      expect(stakes[0]).to.equal(((ALICE_ALT + 2n * BOB_LST) / STAKE_UNIT) * STAKE_UNIT);
    });

    it("splits exactly: protocol share, stake pro rata, commission, pools by weighted value, per share", async function () {
      const { rewards, setId, epoch, treasury, op1, op2, model } = await loadFixture(snapshotFixture);
      const m = model();
      const expected = expectedFor(m, FEES * SCALE);
      await rewards.distribute(setId, epoch);

      expect(await rewards.owedScaled(treasury)).to.equal(expected.protocol);
      expect(expected.protocol).to.equal((FEES * SCALE * PROTOCOL_BPS) / BPS);
      const [e1, e2] = expected.operators;
      expect(await rewards.owedScaled(op1)).to.equal(e1.commission);
      expect(await rewards.owedScaled(op2)).to.equal(e2.commission);
      expect(await rewards.accRewardPerShare(op1, 0)).to.equal(e1.increments[0]);
      expect(await rewards.accRewardPerShare(op1, 1)).to.equal(e1.increments[1]);
      expect(await rewards.accRewardPerShare(op2, 0)).to.equal(e2.increments[0]);
      expect(await rewards.accRewardPerShare(op2, 1)).to.equal(0n);
      expect(await rewards.pendingFeesScaled(setId)).to.equal(expected.carried);
      expect(await rewards.nextEpoch(setId)).to.equal(epoch + 1n);

      // the weight-2 LST pool takes its share by value: 2 * BOB_LST against ALICE_ALT
      expect(e1.increments[1] * m.bobShares).to.be.closeTo(
        (e1.toStakers * 2n * BOB_LST) / (ALICE_ALT + 2n * BOB_LST),
        m.bobShares,
      );
      // nothing created, nothing lost, read from the chain: owed + accumulators * active shares + carried == amount
      const onChain =
        (await rewards.owedScaled(treasury)) +
        (await rewards.owedScaled(op1)) +
        (await rewards.owedScaled(op2)) +
        (await rewards.accRewardPerShare(op1, 0)) * m.aliceShares +
        (await rewards.accRewardPerShare(op1, 1)) * m.bobShares +
        (await rewards.accRewardPerShare(op2, 0)) * m.carolShares +
        (await rewards.pendingFeesScaled(setId));
      expect(onChain).to.equal(FEES * SCALE);
      expect(expected.carried).to.be.greaterThan(0n);
    });

    it("emits Distributed and OperatorRewarded with exact arguments", async function () {
      const { rewards, setId, epoch, op1, op2, model } = await loadFixture(snapshotFixture);
      const expected = expectedFor(model(), FEES * SCALE);
      const [e1, e2] = expected.operators;
      const tx = rewards.distribute(setId, epoch);
      await expect(tx)
        .to.emit(rewards, "Distributed")
        .withArgs(setId, epoch, FEES, expected.protocol / SCALE, expected.carried);
      await expect(tx)
        .to.emit(rewards, "OperatorRewarded")
        .withArgs(setId, epoch, op1.address, e1.commission / SCALE, e1.allotted / SCALE);
      await expect(tx)
        .to.emit(rewards, "OperatorRewarded")
        .withArgs(setId, epoch, op2.address, e2.commission / SCALE, e2.allotted / SCALE);
    });

    it("distributes what was carried at the next distribution", async function () {
      const { rewards, operatorSets, payer, setId, epoch, op1, op2, model } = await loadFixture(snapshotFixture);
      const first = expectedFor(model(), FEES * SCALE);
      await rewards.distribute(setId, epoch);
      await time.increase(days(1));
      await operatorSets.snapshot(setId);
      const [next] = await operatorSets.latestSnapshotEpoch(setId);
      expect(next).to.equal(epoch + 1n);

      // the carried remainder alone is enough to distribute, and pays no protocol share a second time
      const second = expectedFor(model(), first.carried, undefined, undefined, first.carried);
      expect(second.protocol).to.equal(0n);
      await expect(rewards.distribute(setId, next))
        .to.emit(rewards, "Distributed")
        .withArgs(setId, next, first.carried / SCALE, second.protocol / SCALE, second.carried);
      expect(await rewards.pendingFeesScaled(setId)).to.equal(second.carried);

      // and with new fees, the carried remainder is added to them
      await time.increase(days(1));
      await operatorSets.snapshot(setId);
      await rewards.connect(payer).creditFees(setId, 3n * ALT);
      const amount = second.carried + 3n * ALT * SCALE;
      const third = expectedFor(model(), amount, undefined, undefined, second.carried);
      await expect(rewards.distribute(setId, next + 1n))
        .to.emit(rewards, "Distributed")
        .withArgs(setId, next + 1n, amount / SCALE, third.protocol / SCALE, third.carried);
      // each distribution raised the accumulators by its own increment
      for (const [operator, index, asset] of [
        [op1, 0, 0],
        [op1, 0, 1],
        [op2, 1, 0],
      ] as const) {
        const sum = [first, second, third].reduce((t, d) => t + d.operators[index].increments[asset], 0n);
        expect(await rewards.accRewardPerShare(operator, asset)).to.equal(sum);
      }
      expect(await rewards.pendingFeesScaled(setId)).to.equal(third.carried);
    });

    it("carried fees are taxed once: fees carried through empty epochs pay the protocol share only when first distributed", async function () {
      const { rewards, operatorSets, setId, epoch, treasury, model } = await loadFixture(snapshotFixture);
      // the attack of the first version: 1,000 ALT carried over five empty epochs paid 468.56 ALT instead of 100
      const first = expectedFor(model(), FEES * SCALE);
      await rewards.distribute(setId, epoch);
      expect(await rewards.carriedFeesScaled(setId)).to.equal(first.carried);
      let carried = first.carried;
      let next = epoch + 1n;
      for (let i = 0; i < 5; i++) {
        await time.increase(days(1));
        await operatorSets.snapshot(setId);
        const again = expectedFor(model(), carried, undefined, undefined, carried);
        await expect(rewards.distribute(setId, next))
          .to.emit(rewards, "Distributed")
          .withArgs(setId, next, carried / SCALE, 0n, again.carried);
        carried = again.carried;
        next += 1n;
      }
      // the treasury has exactly the share of the one credit
      expect(await rewards.owedScaled(treasury)).to.equal((FEES * SCALE * PROTOCOL_BPS) / BPS);
      expect(await rewards.pendingFeesScaled(setId)).to.equal(carried);
      expect(await rewards.carriedFeesScaled(setId)).to.equal(carried);
    });

    it("applies the commission in force at distribution: a decrease at once, an increase only after the delay", async function () {
      const { rewards, registry, operatorSets, payer, setId, epoch, op1, op2, model } =
        await loadFixture(snapshotFixture);
      await registry.connect(op1).setCommission(2000); // increase: waits commissionDelay (7 days)
      await registry.connect(op2).setCommission(0); // decrease: at once
      const first = expectedFor(model(), FEES * SCALE, model(), [OP1_COMMISSION, 0n]);
      await rewards.distribute(setId, epoch);
      expect(await rewards.owedScaled(op1)).to.equal(first.operators[0].commission);
      expect(await rewards.owedScaled(op2)).to.equal(0n);

      await time.increase(days(7));
      await operatorSets.snapshot(setId);
      const [later] = await operatorSets.latestSnapshotEpoch(setId);
      await rewards.connect(payer).creditFees(setId, FEES);
      const second = expectedFor(model(), first.carried + FEES * SCALE, model(), [2000n, 0n], first.carried);
      await rewards.distribute(setId, later);
      expect(await rewards.owedScaled(op1)).to.equal(first.operators[0].commission + second.operators[0].commission);
      expect(second.operators[0].commission).to.equal((second.operators[0].share * 2000n) / BPS);
      expect(await rewards.owedScaled(op2)).to.equal(0n);
    });

    it("refuses an epoch already distributed, or an older one", async function () {
      const { rewards, payer, setId, epoch } = await loadFixture(distributedFixture);
      await rewards.connect(payer).creditFees(setId, FEES);
      await expect(rewards.distribute(setId, epoch))
        .to.be.revertedWithCustomError(rewards, "RewardsEpochDistributed")
        .withArgs(setId, epoch, epoch + 1n);
      if (epoch > 0n) {
        await expect(rewards.distribute(setId, epoch - 1n))
          .to.be.revertedWithCustomError(rewards, "RewardsEpochDistributed")
          .withArgs(setId, epoch - 1n, epoch + 1n);
      }
    });

    it("allows skipping epochs, and then refuses the skipped ones", async function () {
      const { rewards, operatorSets, setId, epoch, model } = await loadFixture(snapshotFixture);
      await time.increase(days(2));
      await operatorSets.snapshot(setId);
      const [later] = await operatorSets.latestSnapshotEpoch(setId);
      expect(later).to.equal(epoch + 2n);
      const expected = expectedFor(model(), FEES * SCALE);
      await expect(rewards.distribute(setId, later))
        .to.emit(rewards, "Distributed")
        .withArgs(setId, later, FEES, expected.protocol / SCALE, expected.carried);
      expect(await rewards.nextEpoch(setId)).to.equal(later + 1n);
      for (const skipped of [epoch, epoch + 1n]) {
        await expect(rewards.distribute(setId, skipped))
          .to.be.revertedWithCustomError(rewards, "RewardsEpochDistributed")
          .withArgs(setId, skipped, later + 1n);
      }
    });

    it("carries the stakers' part of an operator without active pools; its commission is still paid", async function () {
      const { rewards, registry, setId, epoch, op1, op2, carol, model } = await loadFixture(snapshotFixture);
      const m = model();
      // after the snapshot, carol (op2's only staker) queues all her shares
      await registry.connect(carol).requestUnstake(op2, 0, m.carolShares);
      m.op2Pools[0].queued = m.carolShares;
      const expected = expectedFor(m, FEES * SCALE);
      const [e1, e2] = expected.operators;
      expect(e2.allotted).to.equal(0n);
      expect(e2.commission).to.be.greaterThan(0n);

      const tx = rewards.distribute(setId, epoch);
      await expect(tx)
        .to.emit(rewards, "OperatorRewarded")
        .withArgs(setId, epoch, op2.address, e2.commission / SCALE, 0);
      await expect(tx)
        .to.emit(rewards, "Distributed")
        .withArgs(setId, epoch, FEES, expected.protocol / SCALE, expected.carried);
      expect(await rewards.owedScaled(op2)).to.equal(e2.commission);
      expect(await rewards.accRewardPerShare(op2, 0)).to.equal(0n);
      expect(await rewards.accRewardPerShare(op1, 0)).to.equal(e1.increments[0]);
      // what op2's stakers would have had waits for the next distribution
      expect(expected.carried).to.equal(expected.rest - e1.commission - e1.allotted - e2.commission);
      expect(expected.carried).to.be.greaterThan(e2.toStakers);
      expect(await rewards.pendingFeesScaled(setId)).to.equal(expected.carried);
    });

    it("carries everything but the protocol share when the snapshot is empty", async function () {
      const { rewards, operatorSets, service, payer, treasury } = await loadFixture(rewardsFixture);
      const key = ethers.id("empty set");
      await service.createSet(key, MIN_STAKE, 8);
      const emptySet = await operatorSets.setIdOf(service, key);
      await operatorSets.snapshot(emptySet);
      const [epoch] = await operatorSets.latestSnapshotEpoch(emptySet);
      await rewards.connect(payer).creditFees(emptySet, FEES);
      const protocol = (FEES * SCALE * PROTOCOL_BPS) / BPS;
      const tx = await rewards.distribute(emptySet, epoch);
      await expect(tx)
        .to.emit(rewards, "Distributed")
        .withArgs(emptySet, epoch, FEES, protocol / SCALE, FEES * SCALE - protocol);
      expect(await eventCount(tx, rewards, "OperatorRewarded")).to.equal(0);
      expect(await rewards.owedScaled(treasury)).to.equal(protocol);
      expect(await rewards.pendingFeesScaled(emptySet)).to.equal(FEES * SCALE - protocol);
    });

    it("skips an operator whose pro-rata share rounds to zero; its part is carried", async function () {
      const { rewards, registry, operatorSets, service, deployer, users, op1, dave, payer, other, model } =
        await loadFixture(rewardsFixture);
      // a heavy asset (1 wei = 1e9 ALT-equivalent) makes op1's stake dwarf a 1-gwei operator's
      const HEAVY_WEIGHT = 10n ** 27n;
      const heavy = await (await ethers.getContractFactory("MockERC20")).deploy("Heavy", "HVY");
      await registry.connect(deployer).addAsset(heavy, HEAVY_WEIGHT, 10n ** 30n);
      await heavy.mint(other, ALT);
      await heavy.connect(other).approve(registry, ALT);
      await registry.connect(other).stake(op1, 2, ALT);
      const tiny = users[8];
      await registry
        .connect(tiny)
        .registerOperator(
          "ipfs://tiny",
          0,
          keyOf("tiny key"),
          await keyProof(registry, keyOf("tiny key"), tiny.address),
        );
      await registry.connect(dave).stake(tiny, 0, STAKE_UNIT);

      const key = ethers.id("open set");
      await service.createSet(key, 0, 8);
      const openSet = await operatorSets.setIdOf(service, key);
      // op1's other stake is allocated to the first set: it allocates the heavy stake (all it has free) here
      await operatorSets.connect(op1).join(openSet, await operatorSets.freeStake(op1));
      await operatorSets.connect(tiny).join(openSet, STAKE_UNIT);
      await nextEpoch(operatorSets);
      await operatorSets.snapshot(openSet);
      const [epoch] = await operatorSets.latestSnapshotEpoch(openSet);
      await rewards.connect(payer).creditFees(openSet, 1);

      const m = model();
      const heavyPool = emptyPool(HEAVY_WEIGHT);
      deposit(heavyPool, ALT);
      const op1Pools = [...m.op1Pools, heavyPool];
      const tinyPools = [emptyPool(ALT_WEIGHT)];
      deposit(tinyPools[0], STAKE_UNIT);
      const expected = split(SCALE, PROTOCOL_BPS, [
        { stake: snapshotStake([heavyPool]), commissionBps: OP1_COMMISSION, pools: op1Pools },
        { stake: snapshotStake(tinyPools), commissionBps: 0n, pools: tinyPools },
      ]);
      expect(snapshotStake(tinyPools)).to.equal(STAKE_UNIT);
      expect(expected.operators[1].share).to.equal(0n);
      expect(expected.operators[0].share).to.be.greaterThan(0n);

      const tx = await rewards.distribute(openSet, epoch);
      await expect(tx).to.emit(rewards, "Distributed").withArgs(openSet, epoch, 1, 0, expected.carried);
      await expect(tx)
        .to.emit(rewards, "OperatorRewarded")
        .withArgs(openSet, epoch, op1.address, 0, expected.operators[0].allotted / SCALE);
      expect(await eventCount(tx, rewards, "OperatorRewarded")).to.equal(1);
      expect(await rewards.accRewardPerShare(tiny, 0)).to.equal(0n);
      expect(await rewards.accRewardPerShare(op1, 2)).to.equal(expected.operators[0].increments[2]);
      expect(await rewards.pendingFeesScaled(openSet)).to.equal(expected.carried);
    });

    it("leaves other sets' pending fees alone", async function () {
      const { rewards, operatorSets, service, payer, setId, epoch } = await loadFixture(snapshotFixture);
      const key = ethers.id("second set");
      await service.createSet(key, MIN_STAKE, 8);
      const otherSet = await operatorSets.setIdOf(service, key);
      await rewards.connect(payer).creditFees(otherSet, 42n);
      await rewards.distribute(setId, epoch);
      expect(await rewards.pendingFeesScaled(otherSet)).to.equal(42n * SCALE);
      expect(await rewards.nextEpoch(otherSet)).to.equal(0n);
    });
  });

  describe("claim", function () {
    it("pays an operator the whole wei of its commission and keeps the fraction owed", async function () {
      const { rewards, token, op1, model } = await loadFixture(distributedFixture);
      const commission = expectedFor(model(), FEES * SCALE).operators[0].commission;
      const whole = commission / SCALE;
      const fraction = commission % SCALE;
      expect(fraction).to.be.greaterThan(0n);
      expect(await rewards.claimable(op1, [], [])).to.equal(whole);
      const tx = rewards.connect(op1).claim([], []);
      await expect(tx).to.emit(rewards, "Claimed").withArgs(op1.address, whole);
      await expect(tx).to.changeTokenBalances(token, [op1, rewards], [whole, -whole]);
      expect(await rewards.owedScaled(op1)).to.equal(fraction);
      // the fraction alone is not a whole wei
      await expect(rewards.connect(op1).claim([], [])).to.be.revertedWithCustomError(rewards, "RewardsZeroAmount");
    });

    it("pays the treasury its protocol share", async function () {
      const { rewards, token, treasury } = await loadFixture(distributedFixture);
      const protocol = (FEES * SCALE * PROTOCOL_BPS) / BPS;
      const tx = rewards.connect(treasury).claim([], []);
      await expect(tx)
        .to.emit(rewards, "Claimed")
        .withArgs(treasury.address, protocol / SCALE);
      await expect(tx).to.changeTokenBalances(token, [treasury, rewards], [protocol / SCALE, -(protocol / SCALE)]);
      expect(await rewards.owedScaled(treasury)).to.equal(protocol % SCALE);
    });

    it("settles a staker's pools, pays floor(owed / 1e18) and keeps the fraction; claimable says the same", async function () {
      const { rewards, token, op1, op2, alice, bob, carol, model } = await loadFixture(distributedFixture);
      const m = model();
      const [e1, e2] = expectedFor(m, FEES * SCALE).operators;
      const cases = [
        { who: alice, operator: op1, asset: 0, owed: m.aliceShares * e1.increments[0] },
        { who: bob, operator: op1, asset: 1, owed: m.bobShares * e1.increments[1] },
        { who: carol, operator: op2, asset: 0, owed: m.carolShares * e2.increments[0] },
      ];
      for (const { who, operator, asset, owed } of cases) {
        expect(owed / SCALE).to.be.greaterThan(0n);
        // unsettled: nothing is in owedScaled yet, the view settles it virtually
        expect(await rewards.owedScaled(who)).to.equal(0n);
        expect(await rewards.claimable(who, [operator], [asset])).to.equal(owed / SCALE);
        expect(await rewards.connect(who).claim.staticCall([operator], [asset])).to.equal(owed / SCALE);
        const tx = rewards.connect(who).claim([operator], [asset]);
        await expect(tx)
          .to.emit(rewards, "Claimed")
          .withArgs(who.address, owed / SCALE);
        await expect(tx).to.changeTokenBalances(token, [who, rewards], [owed / SCALE, -(owed / SCALE)]);
        expect(await rewards.owedScaled(who)).to.equal(owed % SCALE);
        expect(await rewards.claimable(who, [operator], [asset])).to.equal(0n);
        await expect(rewards.connect(who).claim([operator], [asset])).to.be.revertedWithCustomError(
          rewards,
          "RewardsZeroAmount",
        );
      }
    });

    it("settles several pools and the account's own balance in one claim", async function () {
      const { rewards, registry, token, setId, epoch, op1, op2, alice, model } = await loadFixture(snapshotFixture);
      // after the snapshot, alice also stakes to op2
      const m = model();
      const aliceOp2 = deposit(m.op2Pools[0], 100n * ALT);
      await registry.connect(alice).stake(op2, 0, 100n * ALT);
      await rewards.distribute(setId, epoch);
      // op2's snapshot stake is carol's only, but its pool now also holds alice's shares
      const [e1, e2] = expectedFor(m, FEES * SCALE).operators;
      const owed = m.aliceShares * e1.increments[0] + aliceOp2 * e2.increments[0];
      expect(await rewards.claimable(alice, [op1, op2], [0, 0])).to.equal(owed / SCALE);
      await expect(rewards.connect(alice).claim([op1, op2], [0, 0])).to.changeTokenBalances(
        token,
        [alice, rewards],
        [owed / SCALE, -(owed / SCALE)],
      );
      expect(await rewards.owedScaled(alice)).to.equal(owed % SCALE);
    });

    it("claimable equals what claim pays when a pool is listed twice", async function () {
      const { rewards, alice, op1 } = await loadFixture(distributedFixture);
      const paid = await rewards.connect(alice).claim.staticCall([op1, op1], [0, 0]);
      expect(await rewards.claimable(alice, [op1, op1], [0, 0])).to.equal(paid);
    });

    it("refuses an account owed nothing", async function () {
      const { rewards, other, op1 } = await loadFixture(distributedFixture);
      expect(await rewards.claimable(other, [op1], [0])).to.equal(0n);
      await expect(rewards.connect(other).claim([op1], [0])).to.be.revertedWithCustomError(
        rewards,
        "RewardsZeroAmount",
      );
      await expect(rewards.connect(other).claim([], [])).to.be.revertedWithCustomError(rewards, "RewardsZeroAmount");
    });

    it("refuses operators and asset ids of different lengths", async function () {
      const { rewards, alice, op1 } = await loadFixture(distributedFixture);
      await expect(rewards.connect(alice).claim([op1], [])).to.be.revertedWithCustomError(
        rewards,
        "RewardsLengthMismatch",
      );
      await expect(rewards.connect(alice).claim([], [0])).to.be.revertedWithCustomError(
        rewards,
        "RewardsLengthMismatch",
      );
      await expect(rewards.claimable(alice, [op1, op1], [0])).to.be.revertedWithCustomError(
        rewards,
        "RewardsLengthMismatch",
      );
    });
  });

  describe("stake changes", function () {
    it("queued shares earn nothing: a staker who requested half earns on the active half only", async function () {
      const { rewards, registry, token, setId, epoch, op1, alice, dave, model } = await loadFixture(snapshotFixture);
      const m = model();
      // dave stakes as much as alice in the same pool (after the snapshot: op1's snapshot stake is unchanged)
      const daveShares = deposit(m.op1Pools[0], ALICE_ALT);
      await registry.connect(dave).stake(op1, 0, ALICE_ALT);
      expect(daveShares).to.equal(m.aliceShares);
      const half = m.aliceShares / 2n;
      await registry.connect(alice).requestUnstake(op1, 0, half);
      m.op1Pools[0].queued = half;
      await rewards.distribute(setId, epoch);

      const e1 = expectedFor(m, FEES * SCALE).operators[0];
      expect(await rewards.accRewardPerShare(op1, 0)).to.equal(e1.increments[0]);
      const aliceOwed = (m.aliceShares - half) * e1.increments[0];
      const daveOwed = daveShares * e1.increments[0];
      await expect(rewards.connect(alice).claim([op1], [0])).to.changeTokenBalance(token, alice, aliceOwed / SCALE);
      await expect(rewards.connect(dave).claim([op1], [0])).to.changeTokenBalance(token, dave, daveOwed / SCALE);
      // alice's active half earned half of what dave's whole stake earned
      expect(aliceOwed * 2n).to.be.closeTo(daveOwed, daveShares);
    });

    it("a staker who stakes after a distribution earns nothing from it, and its share of the next one", async function () {
      const { rewards, registry, operatorSets, payer, setId, epoch, op1, alice, dave, model } =
        await loadFixture(distributedFixture);
      const m = model();
      const first = expectedFor(m, FEES * SCALE);
      const daveShares = deposit(m.op1Pools[0], 500n * ALT);
      await registry.connect(dave).stake(op1, 0, 500n * ALT);
      expect(await rewards.claimable(dave, [op1], [0])).to.equal(0n);
      await expect(rewards.connect(dave).claim([op1], [0])).to.be.revertedWithCustomError(rewards, "RewardsZeroAmount");
      expect(await rewards.owedScaled(dave)).to.equal(0n);
      // op1 allocates the new stake too: it counts from the next epoch
      await operatorSets.connect(op1).allocate(setId, await registry.operatorStake(op1));

      await time.increase(days(1));
      await operatorSets.snapshot(setId);
      await rewards.connect(payer).creditFees(setId, FEES);
      await rewards.distribute(setId, epoch + 1n);
      // the second snapshot counts dave's (allocated) stake
      const second = expectedFor(m, first.carried + FEES * SCALE, m, undefined, first.carried);
      const inc1 = first.operators[0].increments[0];
      const inc2 = second.operators[0].increments[0];
      expect(await rewards.accRewardPerShare(op1, 0)).to.equal(inc1 + inc2);
      expect(await rewards.claimable(dave, [op1], [0])).to.equal((daveShares * inc2) / SCALE);
      expect(await rewards.claimable(alice, [op1], [0])).to.equal((m.aliceShares * (inc1 + inc2)) / SCALE);
    });

    it("settles what the old shares earned before a top-up", async function () {
      const { rewards, registry, op1, alice, model } = await loadFixture(distributedFixture);
      const m = model();
      const inc = expectedFor(m, FEES * SCALE).operators[0].increments[0];
      await registry.connect(alice).stake(op1, 0, 10n * ALT);
      expect(await rewards.owedScaled(alice)).to.equal(m.aliceShares * inc);
      // the new shares start at the current accumulator
      const newShares = deposit(m.op1Pools[0], 10n * ALT);
      expect(await registry.sharesOf(alice, op1, 0)).to.equal(m.aliceShares + newShares);
      expect(await rewards.claimable(alice, [op1], [0])).to.equal((m.aliceShares * inc) / SCALE);
    });

    it("settles what the shares earned before an unstake request", async function () {
      const { rewards, registry, op1, alice, model } = await loadFixture(distributedFixture);
      const m = model();
      const inc = expectedFor(m, FEES * SCALE).operators[0].increments[0];
      await registry.connect(alice).requestUnstake(op1, 0, m.aliceShares);
      expect(await rewards.owedScaled(alice)).to.equal(m.aliceShares * inc);
      expect(await rewards.claimable(alice, [op1], [0])).to.equal((m.aliceShares * inc) / SCALE);
    });

    it("onActiveSharesChanged refuses any caller but the registry", async function () {
      const { rewards, other, alice, op1 } = await loadFixture(rewardsFixture);
      await expect(rewards.connect(other).onActiveSharesChanged(alice, op1, 0, 0, 1))
        .to.be.revertedWithCustomError(rewards, "RewardsNotRegistry")
        .withArgs(other.address);
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

    it("lets only the owner upgrade, keeping every balance and accumulator", async function () {
      const { rewards, deployer, other, setId, op1, treasury, alice } = await loadFixture(distributedFixture);
      const implementation = await (await ethers.getContractFactory("RewardsDistributorV2")).deploy();
      await expect(rewards.connect(other).upgradeToAndCall(implementation, "0x"))
        .to.be.revertedWithCustomError(rewards, "OwnableUnauthorizedAccount")
        .withArgs(other.address);
      const before = {
        pending: await rewards.pendingFeesScaled(setId),
        next: await rewards.nextEpoch(setId),
        acc: await rewards.accRewardPerShare(op1, 0),
        treasury: await rewards.owedScaled(treasury),
        alice: await rewards.claimable(alice, [op1], [0]),
      };
      await expect(rewards.connect(deployer).upgradeToAndCall(implementation, "0x"))
        .to.emit(rewards, "Upgraded")
        .withArgs(await implementation.getAddress());
      const v2 = await ethers.getContractAt("RewardsDistributorV2", await rewards.getAddress());
      expect(await v2.version()).to.equal(2n);
      expect(await v2.pendingFeesScaled(setId)).to.equal(before.pending);
      expect(await v2.nextEpoch(setId)).to.equal(before.next);
      expect(await v2.accRewardPerShare(op1, 0)).to.equal(before.acc);
      expect(await v2.owedScaled(treasury)).to.equal(before.treasury);
      expect(await v2.claimable(alice, [op1], [0])).to.equal(before.alice);
    });
  });
});
