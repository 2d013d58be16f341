import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { id, toBeHex, Wallet } from "ethers";
import { recordInProcess } from "../../tasks/lib/addressBook";
import { RESTAKING_KEYS } from "../../tasks/lib/restaking";
import type { PendingRewards, RewardPair, SettleResult } from "../../tasks/rewards";
import type { MockService } from "../../typechain-types";
import { ALT } from "../helpers/constants";
import { formatAlt } from "../../tasks/lib/cli";
import { asJson, expectRefused, load, restakingTaskFixture, runTask, task, transaction } from "../helpers/tasks";
import { nextEpoch } from "../helpers/time";

const SCALE = 10n ** 18n;
const BPS = 10_000n;
const PROTOCOL_SHARE_BPS = 1_000n;
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
  pairs: RewardPair[];
  tx: { hash: string; gasUsed: string; block: number };
}

describe("rewards tasks", function () {
  /**
   * `operator` (500 bps) staked by alice (1,000 ALT) and bob (3,000 ALT); `other` (1,000 bps) by carol (2,000 ALT) and
   * alice (500 ALT). A MockService (allowed by the owner) runs a set both joined with all their stake. In the next
   * epoch (the first their allocations and their stakers' units count in) 1,000 ALT of fees are credited; then that
   * epoch ends, so its fees can be settled. Nothing is settled yet.
   */
  async function creditedFixture() {
    const f = await loadFixture(restakingTaskFixture);
    const { registry, sets, rewards, token, deployer, operator, other, alice, bob, carol, payer } = f;
    await (await registry.connect(operator).registerOperator("ipfs://op", 500)).wait();
    await (await registry.connect(other).registerOperator("ipfs://other", 1000)).wait();
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
    // both allocate all their stake (the value of their pool): it counts from the next epoch
    await (await sets.connect(operator).join(setId, await sets.freeStake(operator.address))).wait();
    await (await sets.connect(other).join(setId, await sets.freeStake(other.address))).wait();
    const epoch = await nextEpoch(sets);
    await (await token.connect(payer).approve(await rewards.getAddress(), FEES)).wait();
    await (await rewards.connect(payer).creditFees(setId, FEES)).wait();
    await nextEpoch(sets);

    // what settling the epoch owes, computed from the deposits alone (scaled by SCALE)
    const allocations = {
      operator: pools.operator.value(pools.operator.shares),
      other: pools.other.value(pools.other.shares),
    };
    const stakeCounted = allocations.operator + allocations.other;
    const amountScaled = FEES * SCALE;
    const protocolScaled = (amountScaled * PROTOCOL_SHARE_BPS) / BPS;
    const rest = amountScaled - protocolScaled;
    const perStake = rest / stakeCounted;
    // the division's rounding remainder goes to the treasury with the protocol share
    const remainder = rest - perStake * stakeCounted;
    // units: one per wei of ALT staked (no slash, so the unit rate is 1); `perStake`: the rise in reward per stake over
    // the stretch settled (allocations and units constant over it)
    const split = (allocation: bigint, commissionBps: bigint, units: bigint, perStake: bigint) => {
      const earned = allocation * perStake;
      const stakersPart = earned - (earned * commissionBps) / BPS;
      const perUnit = stakersPart / units;
      return { earned, perUnit, toStakers: perUnit * units, toOperator: earned - perUnit * units };
    };
    const settleModel = (perStake: bigint) => ({
      op: split(allocations.operator, 500n, 4_000n * ALT, perStake),
      ot: split(allocations.other, 1_000n, 2_500n * ALT, perStake),
    });
    const { op, ot } = settleModel(perStake);
    const owed = {
      treasury: protocolScaled + remainder,
      operator: op.toOperator,
      other: ot.toOperator,
      alice: 1_000n * ALT * op.perUnit + 500n * ALT * ot.perUnit,
      aliceOp: 1_000n * ALT * op.perUnit,
      bob: 3_000n * ALT * op.perUnit,
      carol: 2_000n * ALT * ot.perUnit,
    };
    return {
      ...f,
      service,
      setId,
      epoch,
      pools,
      shares,
      allocations,
      stakeCounted,
      protocolScaled,
      perStake,
      remainder,
      settleModel,
      op,
      ot,
      owed,
    };
  }

  it("credits the fees over the allocations the model predicts, the remainder owed to the treasury", async function () {
    const { sets, rewards, setId, epoch, operator, other, allocations, protocolScaled, remainder, owed, op, ot } =
      await load(creditedFixture);
    expect(await sets.allocationAt(setId, operator.address, epoch)).to.equal(allocations.operator);
    expect(await sets.allocationAt(setId, other.address, epoch)).to.equal(allocations.other);
    expect(await sets.setStakeAt(setId, epoch)).to.equal(allocations.operator + allocations.other);
    // 900 ALT (scaled) over 6,500 ALT of stake leaves 3,500 wei (scaled): the treasury's, with the protocol share
    expect(allocations.operator + allocations.other).to.equal(6_500n * ALT);
    expect(remainder).to.equal(3_500n * SCALE);
    expect(owed.treasury).to.equal(protocolScaled + remainder);
    expect(await rewards.owedScaled(await rewards.treasury())).to.equal(owed.treasury);
    // everything credited is accounted for once the epoch is settled and claimed
    expect(owed.treasury + op.earned + ot.earned).to.equal(FEES * SCALE);
    expect(op.toOperator + op.toStakers).to.equal(op.earned);
    expect(owed.aliceOp + owed.bob).to.equal(op.toStakers);
    expect(owed.alice - owed.aliceOp + owed.carol).to.equal(ot.toStakers);
  });

  describe("rewards pending", function () {
    it("shows a staker's claimable wei over every (operator, set) pair, simulating the claim that settles them", async function () {
      const { rewards, setId, operator, other, alice, owed } = await load(creditedFixture);
      const pending = await task<PendingRewards>("rewards pending", { account: alice.address, json: true });
      expect(pending).to.deep.equal({
        account: alice.address,
        claimable: owed.alice / SCALE,
        owedScaled: 0n,
        owed: 0n,
        settled: 0n,
        pairs: [
          { operator: operator.address, setId, set: null },
          { operator: other.address, setId, set: null },
        ],
        isOperator: false,
        isTreasury: false,
      });
      expect(owed.alice / SCALE).to.be.greaterThan(0n);
      // a view: nothing was settled
      expect(await rewards.settledUntil(operator.address, setId)).to.equal(0n);
    });

    it("counts settled epochs in what is claimable before settling", async function () {
      const { rewards, setId, operator, other, alice, owed } = await load(creditedFixture);
      await (await rewards.settle(operator.address, setId, 64)).wait();
      const pending = await task<PendingRewards>("rewards pending", { account: alice.address, json: true });
      expect(pending.settled).to.equal(owed.aliceOp / SCALE);
      expect(pending.claimable).to.equal(owed.alice / SCALE);
      await (await rewards.settle(other.address, setId, 64)).wait();
      const after = await task<PendingRewards>("rewards pending", { account: alice.address, json: true });
      expect(after.settled).to.equal(owed.alice / SCALE);
      expect(after.claimable).to.equal(owed.alice / SCALE);
    });

    it("includes an operator's commission, owed once its set is settled", async function () {
      const { rewards, setId, operator, other, owed } = await load(creditedFixture);
      for (const [account, scaled] of [
        [operator, owed.operator],
        [other, owed.other],
      ] as const) {
        const pending = await task<PendingRewards>("rewards pending", { account: account.address, json: true });
        expect(pending).to.deep.include({
          claimable: scaled / SCALE,
          owedScaled: 0n,
          owed: 0n,
          settled: 0n,
          isOperator: true,
          isTreasury: false,
        });
        expect(pending.pairs).to.deep.equal([{ operator: account.address, setId, set: null }]);
        await (await rewards.settle(account.address, setId, 64)).wait();
        expect(await task<PendingRewards>("rewards pending", { account: account.address, json: true })).to.deep.include(
          { claimable: scaled / SCALE, owedScaled: scaled, owed: scaled / SCALE, settled: scaled / SCALE },
        );
      }
    });

    it("includes the treasury's protocol share (10 % of the fees) and the credit's rounding remainder, owed at the credit", async function () {
      const { treasury, owed } = await load(creditedFixture);
      const { result, lines } = await runTask<PendingRewards>("rewards pending", {
        account: treasury.address,
        json: false,
      });
      // 100 ALT and the 3,500 wei of the 900 ALT the stake's 6,500 ALT did not divide
      const whole = 100n * ALT + 3_500n;
      expect(owed.treasury).to.equal(whole * SCALE);
      expect(result).to.deep.include({
        claimable: whole,
        owedScaled: whole * SCALE,
        owed: whole,
        settled: whole,
        isTreasury: true,
      });
      expect(result.pairs).to.deep.equal([]);
      expect(lines).to.deep.equal([
        `${treasury.address} can claim 100.0000000000000035 ALT (100000000000000003500 wei) as the treasury`,
        "  owed 100.0000000000000035 ALT, claimable before settling 100.0000000000000035 ALT",
      ]);
    });

    it("prints a staker's pairs in text mode", async function () {
      const { setId, operator, other, bob, owed } = await load(creditedFixture);
      const { result, lines } = await runTask<PendingRewards>("rewards pending", { account: bob.address, json: false });
      expect(result.claimable).to.equal(owed.bob / SCALE);
      expect(lines).to.deep.equal([
        `${bob.address} can claim ${formatAlt(owed.bob / SCALE)} (${owed.bob / SCALE} wei)`,
        "  owed 0 ALT, claimable before settling 0 ALT",
        `  operator ${operator.address} set ${toBeHex(setId, 32)}`,
      ]);
      expect(lines.join("\n")).to.not.include(other.address);
    });

    it("leaves out fees credited in the current epoch: they settle once it is over", async function () {
      const { rewards, sets, token, setId, payer, alice, owed } = await load(creditedFixture);
      await (await token.connect(payer).approve(await rewards.getAddress(), FEES)).wait();
      await (await rewards.connect(payer).creditFees(setId, FEES)).wait();
      const now = await task<PendingRewards>("rewards pending", { account: alice.address, json: true });
      expect(now.claimable).to.equal(owed.alice / SCALE);
      await nextEpoch(sets);
      const later = await task<PendingRewards>("rewards pending", { account: alice.address, json: true });
      expect(later.claimable).to.be.greaterThan(owed.alice / SCALE);
    });

    it("keeps the pairs of a staker that queued all its shares: it earned the epochs they counted in", async function () {
      const { registry, setId, operator, other, bob, shares, owed } = await load(creditedFixture);
      await (await registry.connect(bob).requestUnstake(operator.address, 0, shares.bobOp)).wait();
      expect(await registry.unitsOf(bob.address, operator.address, 0)).to.equal(0n);
      const pending = await task<PendingRewards>("rewards pending", { account: bob.address, json: true });
      expect(pending.claimable).to.equal(owed.bob / SCALE);
      expect(pending.pairs).to.deep.equal([{ operator: operator.address, setId, set: null }]);
      expect(pending.pairs.some((p) => p.operator === other.address)).to.equal(false);
    });

    it("shows nothing for an account without rewards, by default the first account", async function () {
      const { deployer } = await load(creditedFixture);
      const { result, lines } = await runTask<PendingRewards>("rewards pending", { json: false });
      expect(result).to.deep.equal({
        account: deployer.address,
        claimable: 0n,
        owedScaled: 0n,
        owed: 0n,
        settled: 0n,
        pairs: [],
        isOperator: false,
        isTreasury: false,
      });
      expect(lines).to.deep.equal([
        `${deployer.address} can claim 0 ALT (0 wei)`,
        "  owed 0 ALT, claimable before settling 0 ALT",
      ]);
    });

    it("prints exactly the returned data as JSON with --json", async function () {
      const { alice, owed } = await load(creditedFixture);
      const { result, lines } = await runTask<PendingRewards>("rewards pending", {
        account: alice.address,
        json: true,
      });
      expect(JSON.parse(lines.join("\n"))).to.deep.equal(asJson(result));
      expect(JSON.parse(lines.join("\n")).claimable).to.equal((owed.alice / SCALE).toString());
    });

    it("refuses when the deployment has no rewards distributor", async function () {
      const { book, alice } = await load(creditedFixture);
      recordInProcess({ [RESTAKING_KEYS.rewardsDistributor]: undefined as unknown as string });
      try {
        await expectRefused(
          "rewards pending",
          { account: alice.address, json: true },
          "the deployment of network hardhat has no Restaking#RewardsDistributor: run deploy restaking first",
        );
      } finally {
        recordInProcess(book);
      }
    });

    it("refuses a malformed --account", async function () {
      await load(creditedFixture);
      await expectRefused(
        "rewards pending",
        { account: "0x123", json: true },
        "--account is not a valid address: 0x123",
      );
    });
  });

  describe("rewards claim", function () {
    it("settles every pair the sender has rewards in and pays the whole wei, keeping the fraction owed", async function () {
      const { rewards, token, setId, operator, other, alice, owed, op, ot } = await load(creditedFixture);
      const before = await token.balanceOf(alice.address);
      const { result, lines } = await runTask<ClaimResult>("rewards claim", { from: alice.address, json: false });
      const amount = owed.alice / SCALE;
      expect(result.account).to.equal(alice.address);
      expect(result.amount).to.equal(amount);
      expect(result.pairs).to.deep.equal([
        { operator: operator.address, setId, set: null },
        { operator: other.address, setId, set: null },
      ]);
      const tx = await transaction(result.tx.hash);
      expect(tx.from).to.equal(alice.address);
      const [operators, setIds] = rewards.interface.decodeFunctionData("claim", tx.data);
      expect(operators).to.deep.equal([operator.address, other.address]);
      expect(setIds).to.deep.equal([setId, setId]);
      const epoch = await rewards.settledUntil(operator.address, setId);
      await expect(tx)
        .to.emit(rewards, "Settled")
        .withArgs(operator.address, setId, 0n, epoch, op.toOperator, op.toStakers)
        .and.to.emit(rewards, "Settled")
        .withArgs(other.address, setId, 0n, epoch, ot.toOperator, ot.toStakers)
        .and.to.emit(rewards, "Accrued")
        .withArgs(alice.address, operator.address, setId, 0n, epoch, owed.aliceOp)
        .and.to.emit(rewards, "Claimed")
        .withArgs(alice.address, amount);
      expect((await token.balanceOf(alice.address)) - before).to.equal(amount);
      expect(await rewards.owedScaled(alice.address)).to.equal(owed.alice - amount * SCALE);
      expect(await rewards.claimable(alice.address, [operator.address, other.address], [setId, setId])).to.equal(0n);
      // the operators' commission was settled on the way
      expect(await rewards.owedScaled(operator.address)).to.equal(owed.operator);
      expect(await rewards.owedScaled(other.address)).to.equal(owed.other);
      const { hash, gasUsed, block } = result.tx;
      expect(lines).to.deep.equal([
        `claimed ${formatAlt(amount)} for ${alice.address}: tx ${hash} (gas ${gasUsed}, block ${block})`,
      ]);
    });

    it("pays an operator its commission and the treasury its share", async function () {
      const { token, setId, operator, treasury, owed } = await load(creditedFixture);
      for (const [account, scaled, pairs] of [
        [operator, owed.operator, [{ operator: operator.address, setId, set: null }]],
        [treasury, owed.treasury, []],
      ] as const) {
        const before = await token.balanceOf(account.address);
        const result = await task<ClaimResult>("rewards claim", { from: account.address, json: true });
        expect(result.amount).to.equal(scaled / SCALE);
        expect(result.pairs).to.deep.equal(pairs);
        expect((await token.balanceOf(account.address)) - before).to.equal(scaled / SCALE);
      }
    });

    it("pays a staker that queued all its shares in a credited epoch for that epoch: they still counted in it", async function () {
      const f = await load(creditedFixture);
      const { registry, rewards, sets, token, setId, operator, bob, payer, shares } = f;
      // a second credit in the epoch after the first, in which bob queues all its shares
      await (await token.connect(payer).approve(await rewards.getAddress(), FEES)).wait();
      await (await rewards.connect(payer).creditFees(setId, FEES)).wait();
      await (await registry.connect(bob).requestUnstake(operator.address, 0, shares.bobOp)).wait();
      await nextEpoch(sets);
      // both epochs make one stretch (allocations and units changed from the current one): one split over both credits
      const second = (FEES * SCALE - f.protocolScaled) / f.stakeCounted;
      const { op } = f.settleModel(f.perStake + second);
      const before = await token.balanceOf(bob.address);
      const result = await task<ClaimResult>("rewards claim", { from: bob.address, json: true });
      expect(result.amount).to.equal((3_000n * ALT * op.perUnit) / SCALE);
      expect((await token.balanceOf(bob.address)) - before).to.equal(result.amount);
      // nothing more: its units no longer count
      await (await token.connect(payer).approve(await rewards.getAddress(), FEES)).wait();
      await (await rewards.connect(payer).creditFees(setId, FEES)).wait();
      await nextEpoch(sets);
      await expectRefused("rewards claim", { from: bob.address, json: true }, `nothing to claim for ${bob.address}`);
    });

    it("refuses an account with nothing to claim, and a second claim of a whole-wei share", async function () {
      const { deployer, treasury } = await load(creditedFixture);
      await expectRefused("rewards claim", { json: true }, `nothing to claim for ${deployer.address}`);
      await task("rewards claim", { from: treasury.address, json: true });
      await expectRefused(
        "rewards claim",
        { from: treasury.address, json: true },
        `nothing to claim for ${treasury.address}`,
      );
    });

    it("refuses a staker whose units have not counted in a credited epoch yet", async function () {
      const { registry, rewards, token, setId, operator, payer } = await load(creditedFixture);
      await (await token.connect(payer).approve(await registry.getAddress(), ALT)).wait();
      await (await registry.connect(payer).stake(operator.address, 0, ALT)).wait();
      await (await token.connect(payer).approve(await rewards.getAddress(), FEES)).wait();
      await (await rewards.connect(payer).creditFees(setId, FEES)).wait(); // its units count from the next epoch
      await expectRefused(
        "rewards claim",
        { from: payer.address, json: true },
        `nothing to claim for ${payer.address}`,
      );
    });

    it("refuses a --from that is not an account of the network", async function () {
      await load(creditedFixture);
      const stranger = Wallet.createRandom().address;
      await expectRefused(
        "rewards claim",
        { from: stranger, json: true },
        `--from ${stranger} is not an account of network hardhat`,
      );
    });
  });

  describe("rewards settle", function () {
    it("settles an operator in a set up to the current epoch: commission owed, the rest to its stakers", async function () {
      const { rewards, sets, setId, operator, deployer, op, owed } = await load(creditedFixture);
      const current = await sets.currentEpoch();
      const { result, lines } = await runTask<SettleResult>("rewards settle", {
        operator: operator.address,
        set: setId.toString(),
        json: false,
      });
      expect(result).to.deep.include({
        operator: operator.address,
        setId,
        set: null,
        from: 0n,
        until: current,
        currentEpoch: current,
        toOperatorScaled: op.toOperator,
        toStakersScaled: op.toStakers,
      });
      const tx = await transaction(result.tx.hash);
      expect(tx.from).to.equal(deployer.address);
      expect(rewards.interface.decodeFunctionData("settle", tx.data)).to.deep.equal([operator.address, setId, 64n]);
      await expect(tx)
        .to.emit(rewards, "Settled")
        .withArgs(operator.address, setId, 0n, current, op.toOperator, op.toStakers);
      expect(await rewards.settledUntil(operator.address, setId)).to.equal(current);
      expect(await rewards.owedScaled(operator.address)).to.equal(owed.operator);
      const { hash, gasUsed, block } = result.tx;
      expect(lines).to.deep.equal([
        `settled ${operator.address} in set ${toBeHex(setId, 32)}, epochs 0 to ${current - 1n}: ` +
          `${formatAlt(op.toOperator / SCALE)} to the operator, ${formatAlt(op.toStakers / SCALE)} to its stakers: ` +
          `tx ${hash} (gas ${gasUsed}, block ${block})`,
      ]);
    });

    it("stops at the last change read when a history has --steps changes: run again for the rest", async function () {
      const { rewards, sets, setId, epoch, other, alice, ot } = await load(creditedFixture);
      const current = await sets.currentEpoch();
      // one allocation change and one change of the stakers' units, both keyed at the credited epoch
      const first = await runTask<SettleResult>("rewards settle", {
        operator: other.address,
        set: toBeHex(setId, 32),
        steps: "1",
        from: alice.address,
        json: false,
      });
      expect(first.result).to.deep.include({ from: 0n, until: epoch, toOperatorScaled: 0n, toStakersScaled: 0n });
      expect(
        rewards.interface.decodeFunctionData("settle", (await transaction(first.result.tx.hash)).data)[2],
      ).to.equal(1n);
      expect(first.lines[0]).to.include(`, epochs 0 to ${epoch - 1n}: 0 ALT to the operator, 0 ALT to its stakers; `);
      expect(first.lines[0]).to.include(`; ${current - epoch} epoch(s) left, run it again: tx `);
      const second = await task<SettleResult>("rewards settle", {
        operator: other.address,
        set: setId.toString(),
        steps: "1",
        json: true,
      });
      expect(second).to.deep.include({
        from: epoch,
        until: current,
        toOperatorScaled: ot.toOperator,
        toStakersScaled: ot.toStakers,
      });
    });

    it("refuses when the operator is settled up to the current epoch, sending nothing", async function () {
      const { sets, setId, operator } = await load(creditedFixture);
      await task("rewards settle", { operator: operator.address, set: setId.toString(), json: true });
      await expectRefused(
        "rewards settle",
        { operator: operator.address, set: setId.toString(), json: true },
        `nothing to settle: ${operator.address} is settled in set ${toBeHex(setId, 32)} up to the current epoch ` +
          `${await sets.currentEpoch()} (an epoch settles once it is over)`,
      );
    });

    it("refuses a bad --steps, a malformed or unknown --set and an account that is not an operator", async function () {
      const { setId, operator, alice } = await load(creditedFixture);
      const args = { operator: operator.address, set: setId.toString(), json: true };
      await expectRefused("rewards settle", { ...args, steps: "0" }, "--steps must be a positive whole number, not 0");
      await expectRefused("rewards settle", { ...args, steps: "x" }, "--steps must be a positive whole number, not x");
      await expectRefused(
        "rewards settle",
        { ...args, set: "rollup-1" },
        "--set must be a set as SERVICE/CHAINID (e.g. MACH/5002), in decimal or in 0x hex, not rollup-1",
      );
      await expectRefused("rewards settle", { ...args, set: "7" }, `there is no operator set ${toBeHex(7n, 32)}`);
      await expectRefused(
        "rewards settle",
        { ...args, operator: alice.address },
        `${alice.address} is not a registered operator`,
      );
    });
  });
});
