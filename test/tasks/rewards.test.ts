import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { id, Wallet } from "ethers";
import { recordInProcess, type AddressBook } from "../../tasks/lib/addressBook";
import { RESTAKING_KEYS } from "../../tasks/lib/restaking";
import type { PendingRewards } from "../../tasks/rewards";
import type {
  AltToken,
  MockService,
  OperatorSets,
  RestakingRegistry,
  RewardsDistributor,
  SlashingManager,
  VestingPosition,
} from "../../typechain-types";
import { ALT } from "../helpers/constants";
import { formatAlt } from "../../tasks/lib/cli";
import {
  TASK_FUNDED_ALT,
  asJson,
  expectRefused,
  load,
  restakingTaskFixture,
  runTask,
  task,
  transaction,
} from "../helpers/tasks";
import { keyProof } from "../helpers/keys";
import { nextEpoch } from "../helpers/time";

/** ALT the fixture gives each of hardhat accounts 10..15 (from the Launchpool, released whole at TGE). */
const FUNDED = TASK_FUNDED_ALT;
const SCALE = 10n ** 18n;
const BPS = 10_000n;
const PROTOCOL_SHARE_BPS = 1_000n;
const STAKE_UNIT = 10n ** 9n;
const FEES = 1_000n * ALT;

/** A pool as the registry prices it: a share is worth (totalAssets + 1) / (totalShares + 1e6). */
class PoolModel {
  shares = 0n;
  assets = 0n;
  deposit(amount: bigint): bigint {
    const minted = (amount * (this.shares + 10n ** 6n)) / (this.assets + 1n);
    this.shares += minted;
    this.assets += amount;
    return minted;
  }
  value(shares: bigint): bigint {
    return (shares * (this.assets + 1n)) / (this.shares + 10n ** 6n);
  }
}

interface ClaimResult {
  account: string;
  amount: bigint;
  pools: { operator: string; assetId: number; shares: bigint }[];
  tx: { hash: string; gasUsed: string; block: number };
}

describe("rewards tasks", function () {
  /**
   * `operator` (500 bps) staked by alice (1,000 ALT) and bob (3,000 ALT); `other` (1,000 bps) by carol (2,000 ALT) and
   * alice (500 ALT). A MockService (allowed by the owner) runs a set both joined; the epoch's snapshot is taken, 1,000
   * ALT of fees are credited and distributed.
   */
  async function distributedFixture() {
    const f = await loadFixture(restakingTaskFixture);
    const { registry, sets, rewards, token, deployer, operator, other, alice, bob, carol, payer } = f;
    await (await registry.connect(operator).registerOperator("ipfs://op", 500, operator.address, "0x")).wait();
    await (await registry.connect(other).registerOperator("ipfs://other", 1000, other.address, "0x")).wait();
    const pools = { operator: new PoolModel(), other: new PoolModel() };
    const shares = { aliceOp: 0n, bobOp: 0n, carolOther: 0n, aliceOther: 0n };
    const registryAddress = await registry.getAddress();
    const stake = async (staker: typeof alice, op: typeof operator, amount: bigint) => {
      await (await token.connect(staker).approve(registryAddress, amount)).wait();
      await (await registry.connect(staker).stake(op.address, 0, amount)).wait();
    };
    await stake(alice, operator, 1_000n * ALT);
    shares.aliceOp = pools.operator.deposit(1_000n * ALT);
    await stake(bob, operator, 3_000n * ALT);
    shares.bobOp = pools.operator.deposit(3_000n * ALT);
    await stake(carol, other, 2_000n * ALT);
    shares.carolOther = pools.other.deposit(2_000n * ALT);
    await stake(alice, other, 500n * ALT);
    shares.aliceOther = pools.other.deposit(500n * ALT);

    const service = (await (
      await hre.ethers.getContractFactory("MockService")
    ).deploy(await sets.getAddress(), await f.manager.getAddress())) as unknown as MockService;
    await service.waitForDeployment();
    await (await sets.connect(deployer).setService(await service.getAddress(), true)).wait();
    await (await service.createSet(id("rollup-1"), 0, 16)).wait();
    const setId = await sets.setIdOf(await service.getAddress(), id("rollup-1"));
    // both allocate all their stake; the snapshot of the next epoch counts it
    await (await sets.connect(operator).join(setId, await sets.freeStake(operator.address))).wait();
    await (await sets.connect(other).join(setId, await sets.freeStake(other.address))).wait();
    await nextEpoch(sets);
    await (await sets.snapshot(setId)).wait();
    const epoch = await sets.currentEpoch();
    await (await token.connect(payer).approve(await rewards.getAddress(), FEES)).wait();
    await (await rewards.connect(payer).creditFees(setId, FEES)).wait();
    await (await rewards.distribute(setId, epoch)).wait();

    // what the distribution owes, computed from the deposits alone (scaled by SCALE)
    const snapshotStake = (pool: PoolModel) => (pool.value(pool.shares) / STAKE_UNIT) * STAKE_UNIT;
    const stakes = { operator: snapshotStake(pools.operator), other: snapshotStake(pools.other) };
    const total = stakes.operator + stakes.other;
    const amountScaled = FEES * SCALE;
    const protocolScaled = (amountScaled * PROTOCOL_SHARE_BPS) / BPS;
    const rest = amountScaled - protocolScaled;
    const split = (stakeOf: bigint, commissionBps: bigint, pool: PoolModel) => {
      const share = (rest * stakeOf) / total;
      const commission = (share * commissionBps) / BPS;
      const increment = (share - commission) / pool.shares; // one pool: all of the operator's value
      return { commission, increment };
    };
    const op = split(stakes.operator, 500n, pools.operator);
    const ot = split(stakes.other, 1_000n, pools.other);
    const owed = {
      treasury: protocolScaled,
      operator: op.commission,
      other: ot.commission,
      alice: shares.aliceOp * op.increment + shares.aliceOther * ot.increment,
      aliceOp: shares.aliceOp * op.increment,
      bob: shares.bobOp * op.increment,
      carol: shares.carolOther * ot.increment,
    };
    return { ...f, service, setId, epoch, pools, shares, stakes, owed };
  }

  it("distributes over the snapshot the model predicts", async function () {
    const { sets, setId, epoch, operator, other, stakes } = await load(distributedFixture);
    const [operators, snapshotStakes] = await sets.snapshotEntries(setId, epoch);
    expect(operators).to.deep.equal([operator.address, other.address]);
    expect(snapshotStakes).to.deep.equal([stakes.operator, stakes.other]);
  });

  describe("rewards:pending", function () {
    it("shows a staker's claimable wei over every pool it staked into", async function () {
      const { operator, other, alice, shares, owed } = await load(distributedFixture);
      const pending = await task<PendingRewards>("rewards:pending", { account: alice.address, json: true });
      expect(pending).to.deep.equal({
        account: alice.address,
        claimable: owed.alice / SCALE,
        owedScaled: 0n,
        credited: 0n,
        fromPools: owed.alice / SCALE,
        pools: [
          { operator: operator.address, assetId: 0, shares: shares.aliceOp },
          { operator: other.address, assetId: 0, shares: shares.aliceOther },
        ],
        isOperator: false,
        isTreasury: false,
      });
      expect(owed.alice / SCALE).to.be.greaterThan(0n);
    });

    it("includes an operator's commission", async function () {
      const { rewards, operator, other, owed } = await load(distributedFixture);
      for (const [account, scaled] of [
        [operator, owed.operator],
        [other, owed.other],
      ] as const) {
        const pending = await task<PendingRewards>("rewards:pending", { account: account.address, json: true });
        expect(pending).to.deep.include({
          claimable: scaled / SCALE,
          owedScaled: scaled,
          credited: scaled / SCALE,
          fromPools: 0n,
          isOperator: true,
          isTreasury: false,
        });
        expect(pending.pools).to.deep.equal([]);
        expect(await rewards.owedScaled(account.address)).to.equal(scaled);
      }
    });

    it("includes the treasury's protocol share: 10 % of the fees", async function () {
      const { treasury, owed } = await load(distributedFixture);
      const { result, lines } = await runTask<PendingRewards>("rewards:pending", {
        account: treasury.address,
        json: false,
      });
      expect(owed.treasury).to.equal(100n * ALT * SCALE);
      expect(result).to.deep.include({ claimable: 100n * ALT, credited: 100n * ALT, fromPools: 0n, isTreasury: true });
      expect(lines).to.deep.equal([
        `${treasury.address} can claim 100 ALT (100000000000000000000 wei) as the treasury`,
        "  credited 100 ALT, from staking pools 0 ALT",
      ]);
    });

    it("prints a staker's pools in text mode", async function () {
      const { operator, other, bob, shares, owed } = await load(distributedFixture);
      const { result, lines } = await runTask<PendingRewards>("rewards:pending", { account: bob.address, json: false });
      expect(result.claimable).to.equal(owed.bob / SCALE);
      expect(lines).to.deep.equal([
        `${bob.address} can claim ${formatAlt(owed.bob / SCALE)} (${owed.bob / SCALE} wei)`,
        `  credited 0 ALT, from staking pools ${formatAlt(owed.bob / SCALE)}`,
        `  pool ${operator.address} asset 0: ${shares.bobOp} shares`,
      ]);
      expect(lines.join("\n")).to.not.include(other.address);
    });

    it("counts rewards settled when the staker queued its shares for withdrawal as credited", async function () {
      const { registry, other, alice, shares, owed, operator } = await load(distributedFixture);
      await (await registry.connect(alice).requestUnstake(operator.address, 0, shares.aliceOp)).wait();
      const pending = await task<PendingRewards>("rewards:pending", { account: alice.address, json: true });
      expect(pending.owedScaled).to.equal(owed.aliceOp);
      expect(pending.credited).to.equal(owed.aliceOp / SCALE);
      expect(pending.claimable).to.equal(owed.alice / SCALE);
      expect(pending.pools).to.deep.equal([{ operator: other.address, assetId: 0, shares: shares.aliceOther }]);
    });

    it("shows nothing for an account without rewards, by default the first account", async function () {
      const { deployer } = await load(distributedFixture);
      const { result, lines } = await runTask<PendingRewards>("rewards:pending", { json: false });
      expect(result).to.deep.equal({
        account: deployer.address,
        claimable: 0n,
        owedScaled: 0n,
        credited: 0n,
        fromPools: 0n,
        pools: [],
        isOperator: false,
        isTreasury: false,
      });
      expect(lines).to.deep.equal([
        `${deployer.address} can claim 0 ALT (0 wei)`,
        "  credited 0 ALT, from staking pools 0 ALT",
      ]);
    });

    it("prints exactly the returned data as JSON with --json", async function () {
      const { alice, owed } = await load(distributedFixture);
      const { result, lines } = await runTask<PendingRewards>("rewards:pending", {
        account: alice.address,
        json: true,
      });
      expect(JSON.parse(lines.join("\n"))).to.deep.equal(asJson(result));
      expect(JSON.parse(lines.join("\n")).claimable).to.equal((owed.alice / SCALE).toString());
    });

    it("refuses when the deployment has no rewards distributor", async function () {
      const { book, alice } = await load(distributedFixture);
      recordInProcess({ [RESTAKING_KEYS.rewardsDistributor]: undefined as unknown as string });
      try {
        await expectRefused(
          "rewards:pending",
          { account: alice.address, json: true },
          "the deployment of network hardhat has no Restaking#RewardsDistributor: run deploy:restaking first",
        );
      } finally {
        recordInProcess(book);
      }
    });

    it("refuses a malformed --account", async function () {
      await load(distributedFixture);
      await expectRefused(
        "rewards:pending",
        { account: "0x123", json: true },
        "--account is not a valid address: 0x123",
      );
    });
  });

  describe("rewards:claim", function () {
    it("settles every pool the sender staked into and pays the whole wei, keeping the fraction owed", async function () {
      const { rewards, token, operator, other, alice, owed } = await load(distributedFixture);
      const before = await token.balanceOf(alice.address);
      const { result, lines } = await runTask<ClaimResult>("rewards:claim", { from: alice.address, json: false });
      const amount = owed.alice / SCALE;
      expect(result.account).to.equal(alice.address);
      expect(result.amount).to.equal(amount);
      const tx = await transaction(result.tx.hash);
      expect(tx.from).to.equal(alice.address);
      const [operators, assetIds] = rewards.interface.decodeFunctionData("claim", tx.data);
      expect(operators).to.deep.equal([operator.address, other.address]);
      expect(assetIds).to.deep.equal([0n, 0n]);
      await expect(tx).to.emit(rewards, "Claimed").withArgs(alice.address, amount);
      expect((await token.balanceOf(alice.address)) - before).to.equal(amount);
      expect(await rewards.owedScaled(alice.address)).to.equal(owed.alice - amount * SCALE);
      expect(await rewards.claimable(alice.address, [operator.address, other.address], [0, 0])).to.equal(0n);
      const { hash, gasUsed, block } = result.tx;
      expect(lines).to.deep.equal([
        `claimed ${formatAlt(amount)} for ${alice.address}: tx ${hash} (gas ${gasUsed}, block ${block})`,
      ]);
    });

    it("pays an operator its commission and the treasury its share", async function () {
      const { token, operator, treasury, owed } = await load(distributedFixture);
      for (const [account, scaled] of [
        [operator, owed.operator],
        [treasury, owed.treasury],
      ] as const) {
        const before = await token.balanceOf(account.address);
        const result = await task<ClaimResult>("rewards:claim", { from: account.address, json: true });
        expect(result.amount).to.equal(scaled / SCALE);
        expect(result.pools).to.deep.equal([]);
        expect((await token.balanceOf(account.address)) - before).to.equal(scaled / SCALE);
      }
    });

    it("pays rewards settled into the balance when the sender queued all its shares", async function () {
      const { registry, token, operator, bob, shares, owed } = await load(distributedFixture);
      await (await registry.connect(bob).requestUnstake(operator.address, 0, shares.bobOp)).wait();
      const before = await token.balanceOf(bob.address);
      const result = await task<ClaimResult>("rewards:claim", { from: bob.address, json: true });
      expect(result.pools).to.deep.equal([]);
      expect(result.amount).to.equal(owed.bob / SCALE);
      expect((await token.balanceOf(bob.address)) - before).to.equal(owed.bob / SCALE);
    });

    it("refuses an account with nothing to claim, and a second claim of a whole-wei share", async function () {
      const { deployer, treasury } = await load(distributedFixture);
      await expectRefused("rewards:claim", { json: true }, `nothing to claim for ${deployer.address}`);
      await task("rewards:claim", { from: treasury.address, json: true });
      await expectRefused(
        "rewards:claim",
        { from: treasury.address, json: true },
        `nothing to claim for ${treasury.address}`,
      );
    });

    it("refuses a staker whose pools earned nothing yet", async function () {
      const { registry, rewards, token, operator, payer } = await load(distributedFixture);
      await (await token.connect(payer).approve(await registry.getAddress(), ALT)).wait();
      await (await registry.connect(payer).stake(operator.address, 0, ALT)).wait();
      expect(await rewards.claimable(payer.address, [operator.address], [0])).to.equal(0n);
      await expectRefused(
        "rewards:claim",
        { from: payer.address, json: true },
        `nothing to claim for ${payer.address}`,
      );
    });

    it("refuses a --from that is not an account of the network", async function () {
      await load(distributedFixture);
      const stranger = Wallet.createRandom().address;
      await expectRefused(
        "rewards:claim",
        { from: stranger, json: true },
        `--from ${stranger} is not an account of network hardhat`,
      );
    });
  });
});
