// SQUAD decentralised sequencing (contracts/services/SquadService.sol): slots of 5 minutes, a leader per slot drawn by
// stake from the snapshot of the slot's epoch, batches posted through the service (which holds the rollup's sequencer
// role), misses reported and jailed, forced-inclusion items turned into censorship slash requests. The protocol is the
// staged deployment of test/helpers/services.ts; every block that matters is mined at a timestamp the test fixes, and
// every leader, deadline, slot and slashed amount is computed independently in bigint math.
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, encodeBytes32String, id, keccak256 } from "ethers";
import { ALT } from "../helpers/constants";
import { coverageRunning } from "../helpers/coverage";
import { DAY, HOUR, nextEpoch } from "../helpers/time";
import {
  SERVICE,
  addOperators,
  createRollup,
  deployServices,
  joinAndSnapshot,
  launchRollup,
} from "../helpers/services";
import type { Operator, ServicesDeployment } from "../helpers/services";

const coder = ethers.AbiCoder.defaultAbiCoder();

/** deploy/parameters/hardhat.json "services.squad": 5-minute slots, 2-minute grace, 5 misses jail for 7 days. */
const SLOT = 300n;
const GRACE = 120n;
const MAX_MISSES = 5n;
const JAIL_TIME = BigInt(7 * DAY);
const CENSORSHIP_BPS = 500n;
/** "services": every set the services create. */
const MIN_STAKE = 1_000n * ALT;
const MAX_SIZE = 64n;
/** "services": a live set counts at least one operator and 1,000 ALT in the epoch. */
const MIN_MEMBERS = 1n;
const MIN_TOTAL_STAKE = 1_000n * ALT;
/** "restaking": veto window 2 days, reporter share 10 %. */
const VETO_WINDOW = BigInt(2 * DAY);
const REPORTER_BPS = 1_000n;
const BPS = 10_000n;
/** Rollup.INCLUSION_DELAY. */
const INCLUSION_DELAY = BigInt(12 * HOUR);
/** OperatorSets.STAKE_UNIT: snapshot stakes are whole multiples of 1e9 wei. */
const STAKE_UNIT = 10n ** 9n;
/** RestakingRegistry virtual shares and assets: a fresh pool mints amount * 1e6 shares for its first deposit. */
const VIRTUAL_SHARES = 10n ** 6n;
const VIRTUAL_ASSETS = 1n;
const CENSORSHIP = encodeBytes32String("SQUAD_SKIPPED_FORCED_INCLUSION");

/** Self-stakes of the four members: 10 %, 20 %, 30 % and 40 % of the set's stake. */
const STAKES = [10_000n * ALT, 20_000n * ALT, 30_000n * ALT, 40_000n * ALT];
const TOTAL_STAKE = STAKES.reduce((a, b) => a + b, 0n);
/** What each member allocates to each of the two SQUAD sets: half its stake. */
const ALLOCATIONS = STAKES.map((stake) => stake / 2n);
/** Queue fees (odd amounts, so a fee that went astray would show). */
const FEES = [3n * ALT + 1n, 5n * ALT + 7n];
const TX_HASHES = [id("squad-tx-0"), id("squad-tx-1")];
const COMMITMENT = id("squad-batch-0");
const COMMITMENT_2 = id("squad-batch-1");
const COMMITMENT_3 = id("squad-batch-2");

const startOf = (slot: bigint) => slot * SLOT;
/** keccak256(abi.encode(previous root, commitment, queue head after)): the rollup's next batch root. */
const batchRootOf = (previous: string, commitment: string, queueHead: bigint) =>
  keccak256(coder.encode(["bytes32", "bytes32", "uint256"], [previous, commitment, queueHead]));
/** The evidence of a censorship report: keccak256(abi.encode(rollup, queueIndex, txHash, slot)). */
const censorshipEvidence = (rollup: string, queueIndex: bigint, txHash: string, slot: bigint) =>
  keccak256(coder.encode(["address", "uint256", "bytes32", "uint256"], [rollup, queueIndex, txHash, slot]));
/** OperatorSets.setIdOf(service, bytes32(rollup)). */
const setIdOf = (service: string, rollup: string) =>
  BigInt(keccak256(coder.encode(["address", "bytes32"], [service, ethers.zeroPadValue(rollup, 32)])));
/** RestakingRegistry._toAmount: shares * (assets + 1) / (shares + 1e6), rounded down. */
const toAmount = (shares: bigint, totalShares: bigint, totalAssets: bigint) =>
  (shares * (totalAssets + VIRTUAL_ASSETS)) / (totalShares + VIRTUAL_SHARES);

describe("SquadService", function () {
  /**
   * Four members (10/20/30/40 % of the stake) in the SQUAD sets of two rollups sequenced by SQUAD, plus an operator
   * that joined neither. Epoch `epoch` (the first after deployment) begins; the members join; rollup B's snapshot is
   * taken 150 s into slot `firstSlot - 1`, rollup A's exactly at the start of `firstSlot` (the last block mined).
   */
  async function squadFixture() {
    const d = await deployServices();
    const members = await addOperators(d, "squad", STAKES);
    const [outsider] = await addOperators(d, "squad-outsider", [5_000n * ALT]);
    const [owner, payer, forcer, reporter, stranger] = d.users;
    const rollup = await launchRollup(d, owner, {
      sequencer: ZeroAddress,
      services: SERVICE.SQUAD,
      chainId: 71_001,
      salt: id("squad-a"),
    });
    const other = await launchRollup(d, owner, {
      sequencer: ZeroAddress,
      services: SERVICE.SQUAD,
      chainId: 71_002,
      salt: id("squad-b"),
    });
    // a rollup sequenced by its owner without SQUAD (VITAL | MACH): never registered in SQUAD
    const plain = await launchRollup(d, owner, { chainId: 71_003, salt: id("squad-plain") });
    const rollupAddress = await rollup.getAddress();
    const otherAddress = await other.getAddress();
    const plainAddress = await plain.getAddress();
    await (await d.token.connect(payer).approve(rollupAddress, 1_000n * ALT)).wait();

    // the members join both sets, half their stake allocated to each; the allocations count from the next epoch
    const epoch = (await d.operatorSets.currentEpoch()) + 1n;
    const epochStart = await d.operatorSets.epochStart(epoch);
    const epochEnd = await d.operatorSets.epochStart(epoch + 1n);
    const setId = await d.squad.setIdOf(rollupAddress);
    const otherSetId = await d.squad.setIdOf(otherAddress);
    for (const [i, op] of members.entries()) {
      await (await d.operatorSets.connect(op.account).join(setId, ALLOCATIONS[i])).wait();
      await (await d.operatorSets.connect(op.account).join(otherSetId, ALLOCATIONS[i])).wait();
    }
    await time.increaseTo(epochStart);
    // a slot boundary more than 500 s after the last block: B's snapshot fits 150 s before it, and the slot before
    // it begins in this epoch too
    const t0 = ((BigInt(await time.latest()) + 200n) / SLOT + 2n) * SLOT;
    await time.setNextBlockTimestamp(t0 - 150n);
    await (await d.operatorSets.snapshot(otherSetId)).wait();
    await time.setNextBlockTimestamp(t0);
    await (await d.operatorSets.snapshot(setId)).wait();
    const firstSlot = t0 / SLOT;
    // the last slot that begins in `epoch` (its leader comes from this epoch's snapshot)
    const lastSlot = (epochEnd - 1n) / SLOT;
    return {
      d,
      squad: d.squad,
      members,
      outsider,
      owner,
      payer,
      forcer,
      reporter,
      stranger,
      rollup,
      other,
      rollupAddress,
      otherAddress,
      plainAddress,
      squadAddress: await d.squad.getAddress(),
      setId,
      otherSetId,
      epoch,
      epochStart,
      epochEnd,
      t0,
      firstSlot,
      lastSlot,
    };
  }

  type Fixture = Awaited<ReturnType<typeof squadFixture>>;

  const memberOf = (f: Fixture, address: string): Operator => {
    const op = f.members.find((m) => m.address === address);
    if (op === undefined) throw new Error(`${address} is not a member`);
    return op;
  };
  const otherMember = (f: Fixture, ...not: string[]): Operator => f.members.find((m) => !not.includes(m.address))!;

  /** Slots of [from, to) of `rollup` whose leader passes `pick`. */
  async function slotsWhere(f: Fixture, from: bigint, to: bigint, pick: (leader: string) => boolean, rollup?: string) {
    const leaders = await f.squad.schedule(rollup ?? f.rollupAddress, from, to - from);
    return leaders.flatMap((leader, i) => (pick(leader) ? [from + BigInt(i)] : []));
  }

  /** Slots of [from, to) led by `op`. */
  const slotsLedBy = (f: Fixture, op: Operator, from: bigint, to: bigint) =>
    slotsWhere(f, from, to, (leader) => leader === op.address);

  /** The owner sets the liveness minimums of rollup A's set (keeping the set's minimum stake and size). */
  const setMinimums = (f: Fixture, minMembers: bigint, minTotalStake: bigint) =>
    f.squad
      .connect(f.d.deployer)
      .updateRollupSet(f.rollupAddress, { minStake: MIN_STAKE, maxSize: MAX_SIZE, minMembers, minTotalStake });

  /** The slots of `epoch` that begin once `setId`'s snapshot of it was taken: those its draw may give a leader. */
  async function slotsOfEpoch(f: Fixture, setId: bigint, epoch: bigint) {
    const { takenAt } = await f.d.operatorSets.snapshotInfo(setId, epoch);
    const first = (takenAt + SLOT - 1n) / SLOT;
    const last = ((await f.d.operatorSets.epochStart(epoch + 1n)) - 1n) / SLOT;
    return Array.from({ length: Number(last - first + 1n) }, (_, i) => first + BigInt(i));
  }

  /** A slot from `from` on whose leader differs from the next slot's. */
  async function slotWithNewLeaderNext(f: Fixture, from: bigint) {
    const leaders = await f.squad.schedule(f.rollupAddress, from, 50n);
    const i = leaders.findIndex((leader, j) => j + 1 < leaders.length && leader !== leaders[j + 1]);
    return from + BigInt(i);
  }

  /**
   * The leaders OperatorSets.snapshotPick gives, computed here: target = keccak256(abi.encode(seed, rollup, slot)) mod
   * the snapshot's total stake units; the leader is the first entry whose cumulative units exceed the target. Slots
   * that began before the snapshot was taken have none. All `slots` must begin in `epoch`.
   */
  async function drawLeaders(f: Fixture, rollup: string, setId: bigint, epoch: bigint, slots: bigint[]) {
    const info = await f.d.operatorSets.snapshotInfo(setId, epoch);
    const [operators, stakes] = await f.d.operatorSets.snapshotEntries(setId, epoch);
    const cumulative: bigint[] = [];
    let units = 0n;
    for (const stake of stakes) {
      units += stake / STAKE_UNIT;
      cumulative.push(units);
    }
    expect(units * STAKE_UNIT).to.equal(info.totalStake);
    return slots.map((slot) => {
      if (info.takenAt > startOf(slot)) return ZeroAddress;
      const random = BigInt(keccak256(coder.encode(["bytes32", "address", "uint256"], [info.seed, rollup, slot])));
      const target = random % units;
      return operators[cumulative.findIndex((c) => c > target)];
    });
  }

  // ================================================================= registration

  describe("registerRollup", function () {
    it("holds the sequencer role of a SQUAD-sequenced rollup and creates its set with the defaults", async function () {
      const f = await loadFixture(squadFixture);
      expect(await f.rollup.sequencer()).to.equal(ZeroAddress);
      expect(await f.rollup.sequencerRole()).to.equal(f.squadAddress);
      expect(await f.squad.isRegistered(f.rollupAddress)).to.equal(true);
      expect(f.setId).to.equal(setIdOf(f.squadAddress, f.rollupAddress));
      const config = await f.d.operatorSets.setConfig(f.setId);
      expect(config.service).to.equal(f.squadAddress);
      expect(config.minStake).to.equal(MIN_STAKE);
      expect(config.maxSize).to.equal(MAX_SIZE);
      expect([config.minMembers, config.minTotalStake]).to.deep.equal([MIN_MEMBERS, MIN_TOTAL_STAKE]);
      expect(await f.squad.parameters()).to.deep.equal([SLOT, GRACE, MAX_MISSES, JAIL_TIME, CENSORSHIP_BPS]);
    });

    it("refuses a rollup that did not enable SQUAD and a second registration", async function () {
      const f = await loadFixture(squadFixture);
      await expect(f.squad.registerRollup(f.plainAddress))
        .to.be.revertedWithCustomError(f.squad, "ServiceNotEnabled")
        .withArgs(f.plainAddress);
      await expect(f.squad.registerRollup(f.rollupAddress))
        .to.be.revertedWithCustomError(f.squad, "ServiceAlreadyRegistered")
        .withArgs(f.rollupAddress);
    });
  });

  // ================================================================= leaders

  describe("leaderAt and schedule", function () {
    it("draws every slot's leader by stake from its epoch's snapshot with keccak256(seed, rollup, slot)", async function () {
      const f = await loadFixture(squadFixture);
      const count = f.lastSlot - f.firstSlot + 1n;
      const slots = Array.from({ length: Number(count) }, (_, i) => f.firstSlot + BigInt(i));
      for (const [rollup, setId] of [
        [f.rollupAddress, f.setId],
        [f.otherAddress, f.otherSetId],
      ] as const) {
        const expected = await drawLeaders(f, rollup, setId, f.epoch, slots);
        expect(expected).to.not.include(ZeroAddress);
        expect(await f.squad.schedule(rollup, f.firstSlot, count)).to.deep.equal(expected);
        expect(await f.squad.leaderAt(rollup, f.lastSlot)).to.equal(expected[expected.length - 1]);
      }
    });

    it("has no leader for a slot that began before the snapshot was taken", async function () {
      const f = await loadFixture(squadFixture);
      // A: taken exactly at the start of firstSlot; B: 150 s into firstSlot - 1
      expect((await f.d.operatorSets.snapshotInfo(f.setId, f.epoch)).takenAt).to.equal(startOf(f.firstSlot));
      expect((await f.d.operatorSets.snapshotInfo(f.otherSetId, f.epoch)).takenAt).to.equal(
        startOf(f.firstSlot) - 150n,
      );
      const firstOfEpoch = (f.epochStart + SLOT - 1n) / SLOT;
      expect(firstOfEpoch).to.be.lessThan(f.firstSlot);
      expect(await f.d.operatorSets.epochAt(startOf(f.firstSlot - 1n))).to.equal(f.epoch);
      for (const rollup of [f.rollupAddress, f.otherAddress]) {
        expect(await f.squad.leaderAt(rollup, f.firstSlot - 1n)).to.equal(ZeroAddress);
        expect(await f.squad.leaderAt(rollup, firstOfEpoch)).to.equal(ZeroAddress);
        expect(await f.squad.leaderAt(rollup, f.firstSlot)).to.not.equal(ZeroAddress);
      }
      const [before, first] = await f.squad.schedule(f.rollupAddress, f.firstSlot - 1n, 2n);
      expect(before).to.equal(ZeroAddress);
      expect(first).to.equal((await drawLeaders(f, f.rollupAddress, f.setId, f.epoch, [f.firstSlot]))[0]);
    });

    it("has no leader in an epoch whose snapshot was not taken, nor for an unregistered rollup", async function () {
      const f = await loadFixture(squadFixture);
      // the first slot beginning in the next epoch reads that epoch's (missing) snapshot
      expect(await f.d.operatorSets.epochAt(startOf(f.lastSlot + 1n))).to.equal(f.epoch + 1n);
      const [last, next] = await f.squad.schedule(f.rollupAddress, f.lastSlot, 2n);
      expect(last).to.equal((await drawLeaders(f, f.rollupAddress, f.setId, f.epoch, [f.lastSlot]))[0]);
      expect(last).to.not.equal(ZeroAddress);
      expect(next).to.equal(ZeroAddress);
      expect(await f.squad.leaderAt(f.plainAddress, f.firstSlot)).to.equal(ZeroAddress);
    });

    it("a slot of an epoch in which the set is not live has no leader (live at exactly the minimum operators and stake)", async function () {
      const f = await loadFixture(squadFixture);
      const total = ALLOCATIONS.reduce((a, b) => a + b, 0n);
      /**
       * A's minimums, which count from the next epoch only (the current one keeps its liveness and its leaders); then
       * the next epoch and both sets' snapshots (the same four members and stakes); the slots of that epoch from A's
       * snapshot on.
       */
      const snapshotUnder = async (minMembers: bigint, minTotalStake: bigint) => {
        const current = await f.d.operatorSets.currentEpoch();
        const liveNow = await f.d.operatorSets.isLive(f.setId, current);
        const slotsNow = await slotsOfEpoch(f, f.setId, current);
        const scheduleNow = await f.squad.schedule(f.rollupAddress, slotsNow[0], BigInt(slotsNow.length));
        await expect(setMinimums(f, minMembers, minTotalStake))
          .to.emit(f.d.operatorSets, "LivenessUpdated")
          .withArgs(f.setId, minMembers, minTotalStake);
        expect(await f.d.operatorSets.isLive(f.setId, current)).to.equal(liveNow);
        expect(await f.squad.schedule(f.rollupAddress, slotsNow[0], BigInt(slotsNow.length))).to.deep.equal(
          scheduleNow,
        );
        const epoch = await nextEpoch(f.d.operatorSets);
        expect(await f.d.operatorSets.memberCountAt(f.setId, epoch)).to.equal(4n);
        expect(await f.d.operatorSets.setStakeAt(f.setId, epoch)).to.equal(total);
        await (await f.d.operatorSets.snapshot(f.otherSetId)).wait();
        await (await f.d.operatorSets.snapshot(f.setId)).wait();
        const info = await f.d.operatorSets.snapshotInfo(f.setId, epoch);
        expect([info.size, info.totalStake]).to.deep.equal([4n, total]);
        const slots = await slotsOfEpoch(f, f.setId, epoch);
        const others = await drawLeaders(f, f.otherAddress, f.otherSetId, epoch, slots);
        expect(others).to.not.include(ZeroAddress);
        return { epoch, slots, count: BigInt(slots.length), others };
      };
      // one operator short, then one wei of stake short: no slot of the epoch has a leader; B's set is untouched
      for (const [minMembers, minTotalStake] of [
        [5n, total],
        [4n, total + 1n],
      ]) {
        const { epoch, slots, count, others } = await snapshotUnder(minMembers, minTotalStake);
        expect(await f.d.operatorSets.isLive(f.setId, epoch)).to.equal(false);
        expect(await f.d.operatorSets.isLive(f.otherSetId, epoch)).to.equal(true);
        expect(await f.squad.leaderAt(f.rollupAddress, slots[0])).to.equal(ZeroAddress);
        expect(await f.squad.leaderAt(f.rollupAddress, slots[slots.length - 1])).to.equal(ZeroAddress);
        expect(await f.squad.schedule(f.rollupAddress, slots[0], count)).to.deep.equal(slots.map(() => ZeroAddress));
        expect(await f.squad.schedule(f.otherAddress, slots[0], count)).to.deep.equal(others);
      }
      // exactly four operators and 50,000 ALT: every slot has the leader of the draw
      const { epoch, slots, count } = await snapshotUnder(4n, total);
      expect(epoch).to.equal(f.epoch + 3n);
      expect(await f.d.operatorSets.isLive(f.setId, epoch)).to.equal(true);
      const leaders = await drawLeaders(f, f.rollupAddress, f.setId, epoch, slots);
      expect(leaders).to.not.include(ZeroAddress);
      expect(await f.squad.schedule(f.rollupAddress, slots[0], count)).to.deep.equal(leaders);
      expect(await f.squad.leaderAt(f.rollupAddress, slots[slots.length - 1])).to.equal(leaders[leaders.length - 1]);
    });

    it("a slot without leader because the set is not live in its epoch: any member posts at once, nobody misses it", async function () {
      const f = await loadFixture(squadFixture);
      // one operator more than the set holds, asked in the epoch before (minimums count from the next epoch)
      await (await setMinimums(f, 5n, MIN_TOTAL_STAKE)).wait();
      expect(await f.d.operatorSets.isLive(f.setId, f.epoch)).to.equal(true);
      const epoch = await nextEpoch(f.d.operatorSets);
      await (await f.d.operatorSets.snapshot(f.setId)).wait();
      expect(await f.d.operatorSets.isLive(f.setId, epoch)).to.equal(false);
      const [first] = await slotsOfEpoch(f, f.setId, epoch);
      const slot = first + 2n;
      // the member the draw picks is nobody's leader: another member posts in the slot's first second
      const [drawn] = await drawLeaders(f, f.rollupAddress, f.setId, epoch, [slot]);
      expect(drawn).to.not.equal(ZeroAddress);
      expect(await f.squad.leaderAt(f.rollupAddress, slot)).to.equal(ZeroAddress);
      const member = otherMember(f, drawn);
      await time.setNextBlockTimestamp(startOf(slot));
      await expect(f.squad.connect(member.account).postBatch(f.rollupAddress, COMMITMENT, 0))
        .to.emit(f.squad, "BatchPosted")
        .withArgs(f.rollupAddress, slot, member.address, false);
      await time.setNextBlockTimestamp(startOf(slot + 1n));
      await expect(f.squad.reportMiss(f.rollupAddress, slot))
        .to.be.revertedWithCustomError(f.squad, "SquadNoLeader")
        .withArgs(slot);
      expect(await f.squad.slotMarks(f.rollupAddress, slot)).to.deep.equal([false, false]);
    });

    it("a change of the minimums rewrites neither a past nor the current schedule", async function () {
      const f = await loadFixture(squadFixture);
      const count = f.lastSlot - f.firstSlot + 1n;
      const slots = Array.from({ length: Number(count) }, (_, i) => f.firstSlot + BigInt(i));
      const leaders = await drawLeaders(f, f.rollupAddress, f.setId, f.epoch, slots);
      expect(leaders).to.not.include(ZeroAddress);
      expect(await f.squad.schedule(f.rollupAddress, f.firstSlot, count)).to.deep.equal(leaders);
      // slot firstSlot + 1 goes by without its leader's batch; at the start of the next one, the owner raises
      // minMembers above the set's four members
      const missed = f.firstSlot + 1n;
      await time.setNextBlockTimestamp(startOf(missed + 1n));
      await expect(setMinimums(f, 5n, MIN_TOTAL_STAKE))
        .to.emit(f.d.operatorSets, "LivenessUpdated")
        .withArgs(f.setId, 5n, MIN_TOTAL_STAKE);
      // the new minimums count from the next epoch: this one stays live and every slot keeps its leader, past, current
      // and to come
      expect(await f.d.operatorSets.isLive(f.setId, f.epoch)).to.equal(true);
      expect(await f.squad.leaderAt(f.rollupAddress, missed)).to.equal(leaders[1]);
      expect(await f.squad.leaderAt(f.rollupAddress, missed + 1n)).to.equal(leaders[2]);
      expect(await f.squad.leaderAt(f.rollupAddress, f.lastSlot)).to.equal(leaders[leaders.length - 1]);
      expect(await f.squad.schedule(f.rollupAddress, f.firstSlot, count)).to.deep.equal(leaders);
      // the slot that went by is still its leader's miss, and the current one its leader's to post in
      await expect(f.squad.reportMiss(f.rollupAddress, missed))
        .to.emit(f.squad, "SlotMissed")
        .withArgs(f.rollupAddress, missed, leaders[1], 1n);
      const current = memberOf(f, leaders[2]);
      await expect(f.squad.connect(current.account).postBatch(f.rollupAddress, COMMITMENT, 0))
        .to.emit(f.squad, "BatchPosted")
        .withArgs(f.rollupAddress, missed + 1n, current.address, true);
      // the new minimums hold from the next epoch on: its slots have no leader
      const next = await nextEpoch(f.d.operatorSets);
      await (await f.d.operatorSets.snapshot(f.setId)).wait();
      expect(await f.d.operatorSets.isLive(f.setId, next)).to.equal(false);
      const nextSlots = await slotsOfEpoch(f, f.setId, next);
      expect(await f.squad.schedule(f.rollupAddress, nextSlots[0], BigInt(nextSlots.length))).to.deep.equal(
        nextSlots.map(() => ZeroAddress),
      );
    });

    it("a slot of a snapshot without stake has no leader, though the set is live in its epoch", async function () {
      const f = await loadFixture(squadFixture);
      // a least allocation above every member's: the next snapshot lists nobody, while the four allocations still count
      await (
        await f.squad.connect(f.d.deployer).updateRollupSet(f.rollupAddress, {
          minStake: 25_000n * ALT,
          maxSize: MAX_SIZE,
          minMembers: MIN_MEMBERS,
          minTotalStake: MIN_TOTAL_STAKE,
        })
      ).wait();
      const epoch = await nextEpoch(f.d.operatorSets);
      await (await f.d.operatorSets.snapshot(f.setId)).wait();
      const info = await f.d.operatorSets.snapshotInfo(f.setId, epoch);
      expect([info.size, info.totalStake]).to.deep.equal([0n, 0n]);
      expect(await f.d.operatorSets.memberCountAt(f.setId, epoch)).to.equal(4n);
      expect(await f.d.operatorSets.isLive(f.setId, epoch)).to.equal(true);
      const slots = await slotsOfEpoch(f, f.setId, epoch);
      // no draw from an empty snapshot (which would revert): no leader
      await expect(f.d.operatorSets.snapshotPick(f.setId, epoch, 0n))
        .to.be.revertedWithCustomError(f.d.operatorSets, "SetsEmptySnapshot")
        .withArgs(f.setId, epoch);
      expect(await f.squad.leaderAt(f.rollupAddress, slots[0])).to.equal(ZeroAddress);
      expect(await f.squad.schedule(f.rollupAddress, slots[0], BigInt(slots.length))).to.deep.equal(
        slots.map(() => ZeroAddress),
      );
    });

    it("SQUAD schedules only from a snapshot that meets the epoch's minimums itself, though the epoch counts more", async function () {
      const f = await loadFixture(squadFixture);
      const total = ALLOCATIONS.reduce((a, b) => a + b, 0n);
      await (await setMinimums(f, 4n, total)).wait();
      const epoch = await nextEpoch(f.d.operatorSets);
      // a member leaves before the epoch's snapshot: the snapshot lists three, the epoch counts all four
      const leaver = f.members[0];
      await (await f.d.operatorSets.connect(leaver.account).requestLeave(f.setId)).wait();
      await (await f.d.operatorSets.snapshot(f.setId)).wait();
      expect((await f.d.operatorSets.snapshotInfo(f.setId, epoch)).size).to.equal(3n);
      expect(await f.d.operatorSets.memberCountAt(f.setId, epoch)).to.equal(4n);
      expect(await f.d.operatorSets.setStakeAt(f.setId, epoch)).to.equal(total);
      expect(await f.d.operatorSets.isLive(f.setId, epoch)).to.equal(true);
      // live for MACH and VITAL, but the three SQUAD could draw from are below the minimums: no leaders (members that
      // could never lead — one that left, jailed ones, dust — must not make a set live for SQUAD)
      const slots = await slotsOfEpoch(f, f.setId, epoch);
      expect(await f.squad.schedule(f.rollupAddress, slots[0], BigInt(slots.length))).to.deep.equal(
        slots.map(() => ZeroAddress),
      );

      // minimums the three meet count from the next epoch: then every slot has a leader among them
      const three = total - ALLOCATIONS[0];
      await (await setMinimums(f, 3n, three)).wait();
      const next = await nextEpoch(f.d.operatorSets);
      await (await f.d.operatorSets.snapshot(f.setId)).wait();
      expect(await f.d.operatorSets.memberCountAt(f.setId, next)).to.equal(3n);
      expect(await f.d.operatorSets.isLive(f.setId, next)).to.equal(true);
      const nextSlots = await slotsOfEpoch(f, f.setId, next);
      const leaders = await drawLeaders(f, f.rollupAddress, f.setId, next, nextSlots);
      expect(leaders).to.not.include(ZeroAddress);
      expect(leaders).to.not.include(leaver.address);
      expect(await f.squad.schedule(f.rollupAddress, nextSlots[0], BigInt(nextSlots.length))).to.deep.equal(leaders);
    });

    it("gives the same leaders on every call and other leaders for another rollup", async function () {
      const f = await loadFixture(squadFixture);
      const first = await f.squad.schedule(f.rollupAddress, f.firstSlot, 200n);
      await time.increase(3_600);
      expect(await f.squad.schedule(f.rollupAddress, f.firstSlot, 200n)).to.deep.equal(first);
      for (let i = 0; i < 200; i += 37) {
        expect(await f.squad.leaderAt(f.rollupAddress, f.firstSlot + BigInt(i))).to.equal(first[i]);
      }
      const other = await f.squad.schedule(f.otherAddress, f.firstSlot, 200n);
      const differing = first.filter((leader, i) => leader !== other[i]).length;
      // both draw from the same members and stakes: only the rollup in the hash differs
      expect(differing).to.be.greaterThan(0);
    });

    it("gives each operator a share of 10,000 slots within 3 points of its stake share", async function () {
      // a statistical property, not a coverage one: 10,000 instrumented draws outlast any timeout
      if (coverageRunning()) this.skip();
      const f = await loadFixture(squadFixture);
      const total = 10_000n;
      const last = f.firstSlot + total - 1n;
      const lastEpoch = await f.d.operatorSets.epochAt(startOf(last));
      // one snapshot per epoch, each taken as its epoch begins: every slot beginning in it has a leader
      for (let e = f.epoch + 1n; e <= lastEpoch; e++) {
        await time.setNextBlockTimestamp(await f.d.operatorSets.epochStart(e));
        await (await f.d.operatorSets.snapshot(f.setId)).wait();
      }
      const counts = new Map<string, bigint>();
      for (let offset = 0n; offset < total; offset += 500n) {
        const leaders = await f.squad.schedule(f.rollupAddress, f.firstSlot + offset, 500n);
        for (const leader of leaders) counts.set(leader, (counts.get(leader) ?? 0n) + 1n);
      }
      expect(counts.get(ZeroAddress)).to.equal(undefined);
      expect([...counts.values()].reduce((a, b) => a + b, 0n)).to.equal(total);
      for (let i = 0; i < f.members.length; i++) {
        const count = counts.get(f.members[i].address) ?? 0n;
        // |count / total - stake / TOTAL_STAKE| <= 3 / 100, in integers
        const deviation = count * TOTAL_STAKE - STAKES[i] * total;
        const bound = (3n * total * TOTAL_STAKE) / 100n;
        expect(deviation < 0n ? -deviation : deviation).to.be.lessThanOrEqual(bound);
      }
    });
  });

  // ================================================================= postBatch

  describe("postBatch", function () {
    it("lets the leader post in its slot", async function () {
      const f = await loadFixture(squadFixture);
      const slot = f.firstSlot + 1n;
      const leader = memberOf(f, await f.squad.leaderAt(f.rollupAddress, slot));
      const root = batchRootOf(ethers.ZeroHash, COMMITMENT, 0n);
      await time.setNextBlockTimestamp(startOf(slot) + 10n);
      await expect(f.squad.connect(leader.account).postBatch(f.rollupAddress, COMMITMENT, 0))
        .to.emit(f.squad, "BatchPosted")
        .withArgs(f.rollupAddress, slot, leader.address, true)
        .and.to.emit(f.rollup, "BatchAppended")
        .withArgs(0n, COMMITMENT, root, f.squadAddress);
      expect(await f.rollup.batchCount()).to.equal(1n);
      expect(await f.rollup.batchRoot()).to.equal(root);
      expect(await f.squad.slotMarks(f.rollupAddress, slot)).to.deep.equal([true, false]);
      expect(await f.squad.slotMarks(f.rollupAddress, slot + 1n)).to.deep.equal([false, false]);
      expect(await f.squad.currentSlot()).to.equal(slot);
    });

    it("lets the leader post up to the last second of its slot and not in the next one", async function () {
      const f = await loadFixture(squadFixture);
      const slot = await slotWithNewLeaderNext(f, f.firstSlot + 1n);
      const leader = memberOf(f, await f.squad.leaderAt(f.rollupAddress, slot));
      const nextLeader = await f.squad.leaderAt(f.rollupAddress, slot + 1n);
      await time.setNextBlockTimestamp(startOf(slot) + SLOT - 1n);
      await expect(f.squad.connect(leader.account).postBatch(f.rollupAddress, COMMITMENT, 0))
        .to.emit(f.squad, "BatchPosted")
        .withArgs(f.rollupAddress, slot, leader.address, true);
      await time.setNextBlockTimestamp(startOf(slot + 1n));
      await expect(f.squad.connect(leader.account).postBatch(f.rollupAddress, COMMITMENT_2, 0))
        .to.be.revertedWithCustomError(f.squad, "SquadNotLeader")
        .withArgs(leader.address, nextLeader);
      expect(await f.rollup.batchCount()).to.equal(1n);
    });

    it("refuses another member before the grace period and lets it post after", async function () {
      const f = await loadFixture(squadFixture);
      const slot = f.firstSlot + 2n;
      const leader = await f.squad.leaderAt(f.rollupAddress, slot);
      const member = otherMember(f, leader);
      await time.setNextBlockTimestamp(startOf(slot) + GRACE - 1n);
      await expect(f.squad.connect(member.account).postBatch(f.rollupAddress, COMMITMENT, 0))
        .to.be.revertedWithCustomError(f.squad, "SquadNotLeader")
        .withArgs(member.address, leader);
      await time.setNextBlockTimestamp(startOf(slot) + GRACE);
      await expect(f.squad.connect(member.account).postBatch(f.rollupAddress, COMMITMENT, 0))
        .to.emit(f.squad, "BatchPosted")
        .withArgs(f.rollupAddress, slot, member.address, false)
        .and.to.emit(f.rollup, "BatchAppended")
        .withArgs(0n, COMMITMENT, batchRootOf(ethers.ZeroHash, COMMITMENT, 0n), f.squadAddress);
      expect(await f.rollup.batchCount()).to.equal(1n);
      // not the leader's post: the slot stays reportable
      expect(await f.squad.slotMarks(f.rollupAddress, slot)).to.deep.equal([false, false]);
    });

    it("refuses a non-member, even after the grace period", async function () {
      const f = await loadFixture(squadFixture);
      const slot = f.firstSlot + 1n;
      await time.setNextBlockTimestamp(startOf(slot) + GRACE + 1n);
      // an operator that never joined the set
      await expect(f.squad.connect(f.outsider.account).postBatch(f.rollupAddress, COMMITMENT, 0))
        .to.be.revertedWithCustomError(f.squad, "SquadNotEligible")
        .withArgs(f.outsider.address);
      // not an operator at all
      await expect(f.squad.connect(f.stranger).postBatch(f.rollupAddress, COMMITMENT, 0))
        .to.be.revertedWithCustomError(f.squad, "SquadNotEligible")
        .withArgs(f.stranger.address);
      // a member of another rollup's set only: the member is in A's and B's sets, the outsider joins B only
      await (await f.d.operatorSets.connect(f.outsider.account).join(f.otherSetId, 5_000n * ALT)).wait();
      await expect(f.squad.connect(f.outsider.account).postBatch(f.rollupAddress, COMMITMENT, 0))
        .to.be.revertedWithCustomError(f.squad, "SquadNotEligible")
        .withArgs(f.outsider.address);
      expect(await f.rollup.batchCount()).to.equal(0n);
    });

    it("keeps a member that asked to leave serving its snapshot's slots (still slashable until it has left)", async function () {
      const f = await loadFixture(squadFixture);
      const leaving = f.members[3];
      await (await f.d.operatorSets.connect(leaving.account).requestLeave(f.setId)).wait();
      // a slot of its that begins after the latest block (a slow run, e.g. under coverage, may be well into the next)
      const next = BigInt(await time.latest()) / SLOT + 1n;
      const [own] = await slotsLedBy(f, leaving, next > f.firstSlot + 1n ? next : f.firstSlot + 1n, f.lastSlot);
      // another member must still wait for the grace period in the leaving member's slot
      const member = f.members[0];
      await time.setNextBlockTimestamp(startOf(own) + 1n);
      await expect(f.squad.connect(member.account).postBatch(f.rollupAddress, COMMITMENT, 0))
        .to.be.revertedWithCustomError(f.squad, "SquadNotLeader")
        .withArgs(member.address, leaving.address);
      await time.setNextBlockTimestamp(startOf(own) + 2n);
      await expect(f.squad.connect(leaving.account).postBatch(f.rollupAddress, COMMITMENT, 0))
        .to.emit(f.squad, "BatchPosted")
        .withArgs(f.rollupAddress, own, leaving.address, true);
      expect(await f.squad.slotMarks(f.rollupAddress, own)).to.deep.equal([true, false]);
      expect(await f.rollup.batchCount()).to.equal(1n);
      const m = await f.d.operatorSets.membership(f.setId, leaving.address);
      expect(m.member).to.equal(false);
      expect(m.leaveAt).to.be.greaterThan(BigInt(await time.latest()));
    });

    it("an operator that left stands in for nobody", async function () {
      const f = await loadFixture(squadFixture);
      const leaving = f.members[3];
      await (await f.d.operatorSets.connect(leaving.account).requestLeave(f.setId)).wait();
      const left = await f.d.operatorSets.membership(f.setId, leaving.address);
      expect(left.member).to.equal(false);
      // it has not completed leaving by the end of the next epoch: it is still bound to the set
      expect(left.leaveAt).to.be.greaterThan(await f.d.operatorSets.epochStart(f.epoch + 2n));
      // another member's slot, then one of its own after it, in this epoch's schedule
      // (slots that begin after the latest block: a slow run, e.g. under coverage, may be well into the next one)
      const next = BigInt(await time.latest()) / SLOT + 1n;
      const from = next > f.firstSlot + 1n ? next : f.firstSlot + 1n;
      const [others] = await slotsWhere(f, from, f.lastSlot, (leader) => leader !== leaving.address);
      const [own] = await slotsLedBy(f, leaving, others + 1n, f.lastSlot + 1n);
      const othersLeader = await f.squad.leaderAt(f.rollupAddress, others);
      const member = otherMember(f, othersLeader, leaving.address);

      // after the grace period of another leader's slot: refused, while a member stands in at the same second
      await time.setNextBlockTimestamp(startOf(others) + GRACE);
      await expect(f.squad.connect(leaving.account).postBatch(f.rollupAddress, COMMITMENT, 0))
        .to.be.revertedWithCustomError(f.squad, "SquadNotEligible")
        .withArgs(leaving.address);
      await time.setNextBlockTimestamp(startOf(others) + GRACE);
      await expect(f.squad.connect(member.account).postBatch(f.rollupAddress, COMMITMENT, 0))
        .to.emit(f.squad, "BatchPosted")
        .withArgs(f.rollupAddress, others, member.address, false);

      // the slot it was drawn for in this epoch's snapshot is still its own
      await time.setNextBlockTimestamp(startOf(own) + 1n);
      await expect(f.squad.connect(leaving.account).postBatch(f.rollupAddress, COMMITMENT_2, 0))
        .to.emit(f.squad, "BatchPosted")
        .withArgs(f.rollupAddress, own, leaving.address, true);
      expect(await f.squad.slotMarks(f.rollupAddress, own)).to.deep.equal([true, false]);

      // a slot without leader (the next epoch has no snapshot yet): refused, while a member posts at once
      const leaderless = (f.epochEnd + SLOT - 1n) / SLOT;
      expect(await f.squad.leaderAt(f.rollupAddress, leaderless)).to.equal(ZeroAddress);
      await time.setNextBlockTimestamp(startOf(leaderless) + 1n);
      await expect(f.squad.connect(leaving.account).postBatch(f.rollupAddress, COMMITMENT_3, 0))
        .to.be.revertedWithCustomError(f.squad, "SquadNotEligible")
        .withArgs(leaving.address);
      await time.setNextBlockTimestamp(startOf(leaderless) + 1n);
      await expect(f.squad.connect(member.account).postBatch(f.rollupAddress, COMMITMENT_3, 0))
        .to.emit(f.squad, "BatchPosted")
        .withArgs(f.rollupAddress, leaderless, member.address, false);
      expect(await f.rollup.batchCount()).to.equal(3n);
      expect((await f.d.operatorSets.membership(f.setId, leaving.address)).leaveAt).to.equal(left.leaveAt);
    });

    it("lets any eligible member post at once in a slot without leader, and never gives that slot one", async function () {
      const f = await loadFixture(squadFixture);
      // the next epoch has no snapshot yet
      const slot = (f.epochEnd + SLOT - 1n) / SLOT;
      expect(await f.squad.leaderAt(f.rollupAddress, slot)).to.equal(ZeroAddress);
      const member = f.members[0];
      await time.setNextBlockTimestamp(startOf(slot) + 1n);
      await expect(f.squad.connect(member.account).postBatch(f.rollupAddress, COMMITMENT, 0))
        .to.emit(f.squad, "BatchPosted")
        .withArgs(f.rollupAddress, slot, member.address, false);
      expect(await f.squad.slotMarks(f.rollupAddress, slot)).to.deep.equal([false, false]);
      // a snapshot taken in the middle of the next slot: that slot still has no leader, the one after has
      const takenAt = startOf(slot + 1n) + 150n;
      await time.setNextBlockTimestamp(takenAt);
      await (await f.d.operatorSets.snapshot(f.setId)).wait();
      expect(await f.squad.leaderAt(f.rollupAddress, slot + 1n)).to.equal(ZeroAddress);
      const [expected] = await drawLeaders(f, f.rollupAddress, f.setId, f.epoch + 1n, [slot + 2n]);
      expect(expected).to.not.equal(ZeroAddress);
      expect(await f.squad.leaderAt(f.rollupAddress, slot + 2n)).to.equal(expected);
      const second = f.members[1];
      await time.setNextBlockTimestamp(takenAt + 1n);
      await expect(f.squad.connect(second.account).postBatch(f.rollupAddress, COMMITMENT_2, 0))
        .to.emit(f.squad, "BatchPosted")
        .withArgs(f.rollupAddress, slot + 1n, second.address, false);
      expect(await f.rollup.batchCount()).to.equal(2n);
    });

    it("passes the fees of the queue items the leader includes on to the leader", async function () {
      const f = await loadFixture(squadFixture);
      const slot = f.firstSlot + 1n;
      const leader = memberOf(f, await f.squad.leaderAt(f.rollupAddress, slot));
      await time.setNextBlockTimestamp(startOf(slot) + 1n);
      await (await f.rollup.connect(f.payer).queueTransaction(TX_HASHES[0], FEES[0])).wait();
      await (await f.rollup.connect(f.payer).queueTransaction(TX_HASHES[1], FEES[1])).wait();
      expect(await f.d.token.balanceOf(f.squadAddress)).to.equal(0n);
      const fees = FEES[0] + FEES[1];
      const post = f.squad.connect(leader.account).postBatch(f.rollupAddress, COMMITMENT, 2);
      await expect(post).to.changeTokenBalances(
        f.d.token,
        [leader.address, f.squadAddress, f.rollupAddress],
        [fees, 0n, -fees],
      );
      await expect(post)
        .to.emit(f.squad, "BatchPosted")
        .withArgs(f.rollupAddress, slot, leader.address, true)
        .and.to.emit(f.rollup, "TransactionsIncluded")
        .withArgs(0n, 2n, f.squadAddress);
      expect(await f.d.token.balanceOf(f.squadAddress)).to.equal(0n);
      expect(await f.rollup.queueHead()).to.equal(2n);
      expect(await f.rollup.batchRoot()).to.equal(batchRootOf(ethers.ZeroHash, COMMITMENT, 2n));
      for (const i of [0n, 1n]) {
        const item = await f.rollup.queuedTransaction(i);
        expect(item.included).to.equal(true);
        expect(item.forcedAt).to.equal(0n);
      }
    });

    it("passes the fees on to a member posting after the grace period", async function () {
      const f = await loadFixture(squadFixture);
      const slot = f.firstSlot + 1n;
      const member = otherMember(f, await f.squad.leaderAt(f.rollupAddress, slot));
      await time.setNextBlockTimestamp(startOf(slot) + 1n);
      await (await f.rollup.connect(f.payer).queueTransaction(TX_HASHES[0], FEES[0])).wait();
      await (await f.rollup.connect(f.payer).queueTransaction(TX_HASHES[1], FEES[1])).wait();
      await time.setNextBlockTimestamp(startOf(slot) + GRACE);
      // the first item only: the second stays queued (not overdue)
      const post = f.squad.connect(member.account).postBatch(f.rollupAddress, COMMITMENT, 1);
      await expect(post).to.changeTokenBalances(
        f.d.token,
        [member.address, f.squadAddress, f.rollupAddress],
        [FEES[0], 0n, -FEES[0]],
      );
      await expect(post).to.emit(f.squad, "BatchPosted").withArgs(f.rollupAddress, slot, member.address, false);
      expect(await f.rollup.queueHead()).to.equal(1n);
      expect(await f.d.token.balanceOf(f.rollupAddress)).to.equal(
        (await f.rollup.escrow()) + FEES[1],
        "the rollup holds the escrow and the queued fee only",
      );
    });

    it("still applies the rollup's rule: an overdue queue item must be included", async function () {
      const f = await loadFixture(squadFixture);
      const queuedAt = startOf(f.firstSlot + 1n) + 7n;
      await time.setNextBlockTimestamp(queuedAt);
      await (await f.rollup.connect(f.payer).queueTransaction(TX_HASHES[0], FEES[0])).wait();
      const deadline = queuedAt + INCLUSION_DELAY;
      expect((await f.rollup.queuedTransaction(0n)).deadline).to.equal(deadline);
      const slot = (deadline + 1n) / SLOT;
      const leader = memberOf(f, await f.squad.leaderAt(f.rollupAddress, slot));
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(f.squad.connect(leader.account).postBatch(f.rollupAddress, COMMITMENT, 0))
        .to.be.revertedWithCustomError(f.rollup, "RollupOverdueSkipped")
        .withArgs(0n);
      await time.setNextBlockTimestamp(deadline + 2n);
      await expect(f.squad.connect(leader.account).postBatch(f.rollupAddress, COMMITMENT, 1)).to.changeTokenBalances(
        f.d.token,
        [leader.address, f.squadAddress],
        [FEES[0], 0n],
      );
      expect(await f.squad.slotMarks(f.rollupAddress, slot)).to.deep.equal([true, false]);
    });

    it("refuses a rollup that is not registered", async function () {
      const f = await loadFixture(squadFixture);
      const member = f.members[0];
      for (const rollup of [f.plainAddress, f.stranger.address]) {
        await expect(f.squad.connect(member.account).postBatch(rollup, COMMITMENT, 0))
          .to.be.revertedWithCustomError(f.squad, "ServiceNotRegistered")
          .withArgs(rollup);
      }
    });
  });

  // ================================================================= reportMiss

  describe("reportMiss", function () {
    it("records a slot its leader left empty, by anyone", async function () {
      const f = await loadFixture(squadFixture);
      const slot = f.firstSlot + 1n;
      const leader = await f.squad.leaderAt(f.rollupAddress, slot);
      await time.setNextBlockTimestamp(startOf(slot + 1n));
      await expect(f.squad.connect(f.reporter).reportMiss(f.rollupAddress, slot))
        .to.emit(f.squad, "SlotMissed")
        .withArgs(f.rollupAddress, slot, leader, 1n);
      expect(await f.squad.misses(f.rollupAddress, leader)).to.equal(1n);
      expect(await f.squad.slotMarks(f.rollupAddress, slot)).to.deep.equal([false, true]);
      // misses count per rollup
      expect(await f.squad.misses(f.otherAddress, leader)).to.equal(0n);
    });

    it("records a miss when only another member posted in the slot", async function () {
      const f = await loadFixture(squadFixture);
      const slot = f.firstSlot + 1n;
      const leader = await f.squad.leaderAt(f.rollupAddress, slot);
      const member = otherMember(f, leader);
      await time.setNextBlockTimestamp(startOf(slot) + GRACE);
      await (await f.squad.connect(member.account).postBatch(f.rollupAddress, COMMITMENT, 0)).wait();
      await time.setNextBlockTimestamp(startOf(slot + 1n));
      await expect(f.squad.connect(f.reporter).reportMiss(f.rollupAddress, slot))
        .to.emit(f.squad, "SlotMissed")
        .withArgs(f.rollupAddress, slot, leader, 1n);
    });

    it("refuses the current slot and later ones", async function () {
      const f = await loadFixture(squadFixture);
      const slot = f.firstSlot + 3n;
      await time.setNextBlockTimestamp(startOf(slot + 1n) - 1n);
      await expect(f.squad.reportMiss(f.rollupAddress, slot))
        .to.be.revertedWithCustomError(f.squad, "SquadSlotNotOver")
        .withArgs(slot);
      await time.setNextBlockTimestamp(startOf(slot + 1n));
      await expect(f.squad.reportMiss(f.rollupAddress, slot + 5n))
        .to.be.revertedWithCustomError(f.squad, "SquadSlotNotOver")
        .withArgs(slot + 5n);
      await time.setNextBlockTimestamp(startOf(slot + 1n) + 1n);
      await expect(f.squad.reportMiss(f.rollupAddress, slot)).to.emit(f.squad, "SlotMissed");
    });

    it("refuses a slot whose leader posted and a slot reported already", async function () {
      const f = await loadFixture(squadFixture);
      const posted = f.firstSlot + 1n;
      const leader = memberOf(f, await f.squad.leaderAt(f.rollupAddress, posted));
      await time.setNextBlockTimestamp(startOf(posted) + 1n);
      await (await f.squad.connect(leader.account).postBatch(f.rollupAddress, COMMITMENT, 0)).wait();
      const missed = posted + 1n;
      await time.setNextBlockTimestamp(startOf(missed + 1n));
      await expect(f.squad.reportMiss(f.rollupAddress, posted))
        .to.be.revertedWithCustomError(f.squad, "SquadNotMissed")
        .withArgs(posted);
      await (await f.squad.connect(f.reporter).reportMiss(f.rollupAddress, missed)).wait();
      await expect(f.squad.connect(f.stranger).reportMiss(f.rollupAddress, missed))
        .to.be.revertedWithCustomError(f.squad, "SquadNotMissed")
        .withArgs(missed);
      const missedLeader = await f.squad.leaderAt(f.rollupAddress, missed);
      expect(await f.squad.misses(f.rollupAddress, missedLeader)).to.equal(1n);
    });

    it("refuses a slot without leader", async function () {
      const f = await loadFixture(squadFixture);
      // before this epoch's snapshot
      await expect(f.squad.reportMiss(f.rollupAddress, f.firstSlot - 1n))
        .to.be.revertedWithCustomError(f.squad, "SquadNoLeader")
        .withArgs(f.firstSlot - 1n);
      // in the next epoch, whose snapshot nobody took
      const slot = (f.epochEnd + SLOT - 1n) / SLOT;
      await time.setNextBlockTimestamp(startOf(slot + 1n));
      await expect(f.squad.reportMiss(f.rollupAddress, slot))
        .to.be.revertedWithCustomError(f.squad, "SquadNoLeader")
        .withArgs(slot);
    });

    it("accepts slots of the previous epoch and refuses older ones", async function () {
      const f = await loadFixture(squadFixture);
      const [first, second] = [f.firstSlot + 1n, f.firstSlot + 2n];
      const nextEnd = await f.d.operatorSets.epochStart(f.epoch + 2n);
      await time.setNextBlockTimestamp(nextEnd - 1n);
      await expect(f.squad.reportMiss(f.rollupAddress, first))
        .to.emit(f.squad, "SlotMissed")
        .withArgs(f.rollupAddress, first, await f.squad.leaderAt(f.rollupAddress, first), 1n);
      await time.setNextBlockTimestamp(nextEnd);
      await expect(f.squad.reportMiss(f.rollupAddress, second))
        .to.be.revertedWithCustomError(f.squad, "SquadSlotTooOld")
        .withArgs(second);
      expect(await f.squad.slotMarks(f.rollupAddress, second)).to.deep.equal([false, false]);
    });

    it("jails a leader at maxMisses misses: it cannot post and is left out of the next snapshot", async function () {
      const f = await loadFixture(squadFixture);
      const leader = f.members[3];
      const led = await slotsLedBy(f, leader, f.firstSlot + 1n, f.lastSlot);
      const missed = led.slice(0, Number(MAX_MISSES));
      const reportAt = startOf(missed[missed.length - 1] + 1n);
      for (let i = 0; i < missed.length - 1; i++) {
        await time.setNextBlockTimestamp(reportAt + BigInt(i));
        await expect(f.squad.connect(f.reporter).reportMiss(f.rollupAddress, missed[i]))
          .to.emit(f.squad, "SlotMissed")
          .withArgs(f.rollupAddress, missed[i], leader.address, BigInt(i + 1))
          .and.not.to.emit(f.squad, "LeaderJailed");
      }
      expect(await f.squad.misses(f.rollupAddress, leader.address)).to.equal(MAX_MISSES - 1n);
      const jailAt = reportAt + MAX_MISSES;
      const until = jailAt + JAIL_TIME;
      await time.setNextBlockTimestamp(jailAt);
      await expect(f.squad.connect(f.reporter).reportMiss(f.rollupAddress, missed[missed.length - 1]))
        .to.emit(f.squad, "SlotMissed")
        .withArgs(f.rollupAddress, missed[missed.length - 1], leader.address, MAX_MISSES)
        .and.to.emit(f.squad, "LeaderJailed")
        .withArgs(f.rollupAddress, leader.address, until)
        .and.to.emit(f.d.operatorSets, "MemberJailed")
        .withArgs(f.setId, leader.address, until);
      expect(await f.squad.misses(f.rollupAddress, leader.address)).to.equal(0n);
      const membership = await f.d.operatorSets.membership(f.setId, leader.address);
      expect(membership.member).to.equal(true);
      expect(membership.jailedUntil).to.equal(until);
      // jailed in A's set only
      expect((await f.d.operatorSets.membership(f.otherSetId, leader.address)).jailedUntil).to.equal(0n);

      // it still leads its later slots of this epoch, but cannot post in them; others may at once
      const [later] = led.filter((slot) => startOf(slot) > jailAt);
      await time.setNextBlockTimestamp(startOf(later) + 1n);
      await expect(f.squad.connect(leader.account).postBatch(f.rollupAddress, COMMITMENT, 0))
        .to.be.revertedWithCustomError(f.squad, "SquadNotEligible")
        .withArgs(leader.address);
      await time.setNextBlockTimestamp(startOf(later) + 2n);
      await expect(f.squad.connect(f.members[0].account).postBatch(f.rollupAddress, COMMITMENT, 0))
        .to.emit(f.squad, "BatchPosted")
        .withArgs(f.rollupAddress, later, f.members[0].address, false);

      // the next epoch's snapshot leaves it out
      await time.setNextBlockTimestamp(f.epochEnd);
      await (await f.d.operatorSets.snapshot(f.setId)).wait();
      const [operators, stakes] = await f.d.operatorSets.snapshotEntries(f.setId, f.epoch + 1n);
      expect(operators).to.deep.equal(f.members.slice(0, 3).map((m) => m.address));
      expect(stakes).to.deep.equal(ALLOCATIONS.slice(0, 3));
      expect((await f.d.operatorSets.snapshotInfo(f.setId, f.epoch + 1n)).totalStake).to.equal(
        (TOTAL_STAKE - STAKES[3]) / 2n,
      );
      const nextSlot = (f.epochEnd + SLOT - 1n) / SLOT;
      expect(await f.squad.schedule(f.rollupAddress, nextSlot, 200n)).to.not.include(leader.address);
    });

    it("resets a leader's misses when it posts in its slot", async function () {
      const f = await loadFixture(squadFixture);
      const leader = f.members[3];
      const [first, second, third, fourth] = await slotsLedBy(f, leader, f.firstSlot + 1n, f.lastSlot);
      await time.setNextBlockTimestamp(startOf(third) + 1n);
      await (await f.squad.connect(f.reporter).reportMiss(f.rollupAddress, first)).wait();
      await (await f.squad.connect(f.reporter).reportMiss(f.rollupAddress, second)).wait();
      expect(await f.squad.misses(f.rollupAddress, leader.address)).to.equal(2n);
      await (await f.squad.connect(leader.account).postBatch(f.rollupAddress, COMMITMENT, 0)).wait();
      expect(await f.squad.misses(f.rollupAddress, leader.address)).to.equal(0n);
      expect(await f.squad.slotMarks(f.rollupAddress, third)).to.deep.equal([true, false]);
      // counting starts over
      await time.setNextBlockTimestamp(startOf(fourth + 1n));
      await expect(f.squad.reportMiss(f.rollupAddress, fourth))
        .to.emit(f.squad, "SlotMissed")
        .withArgs(f.rollupAddress, fourth, leader.address, 1n);
    });

    it("leaving is no way out of a jail: a leader still leaving is jailed in the set at maxMisses", async function () {
      const f = await loadFixture(squadFixture);
      const leader = f.members[3];
      const at = BigInt(await time.latest()) + 1n;
      await time.setNextBlockTimestamp(at);
      const leaveAt = at + (await f.d.registry.withdrawalDelay());
      await expect(f.d.operatorSets.connect(leader.account).requestLeave(f.setId))
        .to.emit(f.d.operatorSets, "LeaveRequested")
        .withArgs(f.setId, leader.address, leaveAt);
      // out of the member list, still this epoch's leader of its slots
      const missed = (await slotsLedBy(f, leader, f.firstSlot + 1n, f.lastSlot)).slice(0, Number(MAX_MISSES));
      const reportAt = startOf(missed[missed.length - 1] + 1n);
      for (let i = 0; i < missed.length - 1; i++) {
        await time.setNextBlockTimestamp(reportAt + BigInt(i));
        await (await f.squad.reportMiss(f.rollupAddress, missed[i])).wait();
      }
      const jailAt = reportAt + MAX_MISSES;
      const until = jailAt + JAIL_TIME;
      await time.setNextBlockTimestamp(jailAt);
      await expect(f.squad.reportMiss(f.rollupAddress, missed[missed.length - 1]))
        .to.emit(f.squad, "LeaderJailed")
        .withArgs(f.rollupAddress, leader.address, until)
        .and.to.emit(f.d.operatorSets, "MemberJailed")
        .withArgs(f.setId, leader.address, until);
      const membership = await f.d.operatorSets.membership(f.setId, leader.address);
      expect([membership.member, membership.leaveAt, membership.jailedUntil]).to.deep.equal([false, leaveAt, until]);
      // re-joining before the term ends is refused
      await expect(f.d.operatorSets.connect(leader.account).join(f.setId, ALLOCATIONS[3]))
        .to.be.revertedWithCustomError(f.d.operatorSets, "SetsJailed")
        .withArgs(f.setId, leader.address, until);
    });

    it("does not jail in the set a leader that has left it", async function () {
      const f = await loadFixture(squadFixture);
      const leader = f.members[3];
      // leaving waits the withdrawal delay, which outlasts an epoch (or the veto window if longer) plus every
      // slasher's evidence age: the owner (the deployer, staged) shortens the window and the ages to a minute so that
      // the leader completes leaving in the next epoch, while its slots of this one can still be reported
      const manager = f.d.slashingManager.connect(f.d.deployer);
      await (await manager.setParameters(0, await manager.reporterBps(), await manager.windowDuration())).wait();
      for (const slasher of await manager.slashers()) {
        await (await manager.setSlasher(slasher, (await manager.slasher(slasher)).maxBps, 60)).wait();
      }
      const registry = f.d.registry.connect(f.d.deployer);
      const delay = (await f.d.operatorSets.epochLength()) + 60n;
      await (
        await registry.setDelays(delay, await registry.commissionDelay(), await registry.signingKeyDelay())
      ).wait();
      await (await f.d.operatorSets.connect(leader.account).requestLeave(f.setId)).wait();
      const { leaveAt } = await f.d.operatorSets.membership(f.setId, leader.address);
      // the leave completes in the next epoch: the slots of this one are the previous epoch's, still reportable
      expect(await f.d.operatorSets.epochAt(leaveAt)).to.equal(
        (await f.d.operatorSets.epochAt(startOf(f.firstSlot))) + 1n,
      );
      await time.increaseTo(leaveAt);
      await (await f.d.operatorSets.connect(leader.account).completeLeave(f.setId)).wait();
      const missed = (await slotsLedBy(f, leader, f.firstSlot + 1n, f.lastSlot)).slice(0, Number(MAX_MISSES));
      const reportAt = BigInt(await time.latest()) + 1n;
      for (let i = 0; i < missed.length - 1; i++) {
        await time.setNextBlockTimestamp(reportAt + BigInt(i));
        await (await f.squad.reportMiss(f.rollupAddress, missed[i])).wait();
      }
      const jailAt = reportAt + MAX_MISSES;
      await time.setNextBlockTimestamp(jailAt);
      await expect(f.squad.reportMiss(f.rollupAddress, missed[missed.length - 1]))
        .to.emit(f.squad, "LeaderJailed")
        .withArgs(f.rollupAddress, leader.address, jailAt + JAIL_TIME)
        .and.not.to.emit(f.d.operatorSets, "MemberJailed");
      const membership = await f.d.operatorSets.membership(f.setId, leader.address);
      expect(membership.member).to.equal(false);
      expect(membership.jailedUntil).to.equal(0n);
      expect(await f.squad.misses(f.rollupAddress, leader.address)).to.equal(0n);
    });

    it("refuses a rollup that is not registered", async function () {
      const f = await loadFixture(squadFixture);
      await expect(f.squad.reportMiss(f.plainAddress, f.firstSlot))
        .to.be.revertedWithCustomError(f.squad, "ServiceNotRegistered")
        .withArgs(f.plainAddress);
    });
  });

  // ================================================================= reportCensorship

  describe("reportCensorship", function () {
    /**
     * Item 0 queued 10 s into firstSlot + 1; its deadline, the first whole slot after it, that slot's end and leader.
     */
    async function queueItem(f: Fixture) {
      const queuedAt = startOf(f.firstSlot + 1n) + 10n;
      await time.setNextBlockTimestamp(queuedAt);
      await (await f.rollup.connect(f.payer).queueTransaction(TX_HASHES[0], FEES[0])).wait();
      const deadline = queuedAt + INCLUSION_DELAY;
      const slot = deadline / SLOT + 1n;
      const slotEnd = startOf(slot + 1n);
      const leader = memberOf(f, await f.squad.leaderAt(f.rollupAddress, slot));
      return { deadline, slot, slotEnd, leader };
    }

    /** Item 0 forced in at `forcedAt` by the forcer (no batch was posted meanwhile). */
    async function forceAt(f: Fixture, forcedAt: bigint) {
      await time.setNextBlockTimestamp(forcedAt);
      await (await f.rollup.connect(f.forcer).forceInclude(1)).wait();
      expect((await f.rollup.queuedTransaction(0n)).forcedAt).to.equal(forcedAt);
    }

    it("requests a slash of the leader of the first whole slot after the deadline", async function () {
      const f = await loadFixture(squadFixture);
      const { deadline, slot, slotEnd, leader } = await queueItem(f);
      expect(slot).to.equal(deadline / SLOT + 1n);
      await time.setNextBlockTimestamp(slotEnd);
      await expect(f.rollup.connect(f.forcer).forceInclude(1))
        .to.emit(f.rollup, "SequencerFault")
        .withArgs(f.squadAddress, 0n, deadline);
      const requestId = await f.d.slashingManager.requestCount();
      const reportedAt = slotEnd + 10n;
      await time.setNextBlockTimestamp(reportedAt);
      await expect(f.squad.connect(f.reporter).reportCensorship(f.rollupAddress, 0n))
        .to.emit(f.d.slashingManager, "SlashRequested")
        .withArgs(
          requestId,
          leader.address,
          f.squadAddress,
          f.setId,
          CENSORSHIP_BPS,
          CENSORSHIP,
          censorshipEvidence(f.rollupAddress, 0n, TX_HASHES[0], slot),
          f.reporter.address,
          reportedAt + VETO_WINDOW,
        )
        .and.to.emit(f.squad, "CensorshipReported")
        .withArgs(f.rollupAddress, 0n, slot, leader.address, requestId);
      expect(await f.squad.CENSORSHIP()).to.equal(CENSORSHIP);
      expect(await f.squad.isCensorshipReported(f.rollupAddress, slot)).to.equal(true);
      const request = await f.d.slashingManager.request(requestId);
      expect(request.operator).to.equal(leader.address);
      expect(request.bps).to.equal(CENSORSHIP_BPS);
      expect(request.reporter).to.equal(f.reporter.address);
      expect(request.requestedAt).to.equal(reportedAt);
      // the pending request jails the leader in the registry: it cannot post, others may at once in its slots
      expect(await f.d.registry.isJailed(leader.address)).to.equal(true);
      const [later] = await slotsLedBy(f, leader, slotEnd / SLOT + 1n, f.lastSlot);
      await time.setNextBlockTimestamp(startOf(later) + 1n);
      await expect(f.squad.connect(leader.account).postBatch(f.rollupAddress, COMMITMENT, 0))
        .to.be.revertedWithCustomError(f.squad, "SquadNotEligible")
        .withArgs(leader.address);
      const member = otherMember(f, leader.address);
      await time.setNextBlockTimestamp(startOf(later) + 2n);
      await expect(f.squad.connect(member.account).postBatch(f.rollupAddress, COMMITMENT, 0))
        .to.emit(f.squad, "BatchPosted")
        .withArgs(f.rollupAddress, later, member.address, false);
    });

    it("takes exactly censorshipBps of the leader's allocation to the set once the veto window is over", async function () {
      const f = await loadFixture(squadFixture);
      const { slotEnd, leader } = await queueItem(f);
      await forceAt(f, slotEnd);
      const requestId = await f.d.slashingManager.requestCount();
      await time.setNextBlockTimestamp(slotEnd + 1n);
      await (await f.squad.connect(f.reporter).reportCensorship(f.rollupAddress, 0n)).wait();
      const stake = STAKES[f.members.indexOf(leader)];
      expect(await f.d.registry.operatorStake(leader.address)).to.equal(stake);
      const pool = await f.d.registry.pool(leader.address, 0n);
      expect(pool.totalAssets).to.equal(stake);

      const executableAt = slotEnd + 1n + VETO_WINDOW;
      await time.setNextBlockTimestamp(executableAt - 1n);
      await expect(f.d.slashingManager.execute(requestId))
        .to.be.revertedWithCustomError(f.d.slashingManager, "SlashingVetoWindowOpen")
        .withArgs(requestId, executableAt);
      // only the allocation to this rollup's set is at stake: half the leader's stake; the other half, allocated to
      // the other rollup's set, stays whole
      const allocation = ALLOCATIONS[f.members.indexOf(leader)];
      const other = await f.d.operatorSets.allocation(f.otherSetId, leader.address);
      const slashed = (allocation * CENSORSHIP_BPS) / BPS;
      const toReporter = (slashed * REPORTER_BPS) / BPS;
      const assets = await f.d.registry.assetCount();
      const amounts = Array.from({ length: Number(assets) }, (_, i) => (i === 0 ? slashed : 0n));
      const supply = await f.d.token.totalSupply();
      await time.setNextBlockTimestamp(executableAt);
      const execution = f.d.slashingManager.execute(requestId);
      await expect(execution)
        .to.emit(f.d.slashingManager, "SlashExecuted")
        .withArgs(requestId, leader.address, f.setId, CENSORSHIP_BPS, amounts)
        .and.to.emit(f.d.operatorSets, "AllocationSlashed")
        .withArgs(f.setId, leader.address, slashed, 0n);
      // the reporter's share stays in the registry until claimed; the rest is burned
      await expect(execution).to.changeTokenBalances(
        f.d.token,
        [f.reporter, await f.d.registry.getAddress()],
        [0n, -(slashed - toReporter)],
      );
      expect(await f.d.registry.slashProceeds(f.reporter.address, 0)).to.equal(toReporter);
      expect(await f.d.token.totalSupply()).to.equal(supply - (slashed - toReporter));
      const after = await f.d.registry.pool(leader.address, 0n);
      expect(after.totalAssets).to.equal(stake - slashed);
      expect(after.totalShares).to.equal(pool.totalShares);
      expect(await f.d.registry.operatorStake(leader.address)).to.equal(
        toAmount(pool.totalShares - pool.queuedShares, after.totalShares, after.totalAssets),
      );
      expect((await f.d.operatorSets.allocation(f.setId, leader.address)).allocated).to.equal(allocation - slashed);
      expect(await f.d.operatorSets.allocation(f.otherSetId, leader.address)).to.deep.equal(other);
      expect(await f.d.registry.isJailed(leader.address)).to.equal(false);
    });

    it("refuses an item the rollup included and one still queued", async function () {
      const f = await loadFixture(squadFixture);
      await queueItem(f);
      await expect(f.squad.reportCensorship(f.rollupAddress, 0n))
        .to.be.revertedWithCustomError(f.squad, "SquadNotForced")
        .withArgs(0n);
      const slot = f.firstSlot + 2n;
      const leader = memberOf(f, await f.squad.leaderAt(f.rollupAddress, slot));
      await time.setNextBlockTimestamp(startOf(slot) + 1n);
      await (await f.squad.connect(leader.account).postBatch(f.rollupAddress, COMMITMENT, 1)).wait();
      expect((await f.rollup.queuedTransaction(0n)).included).to.equal(true);
      await time.increase(INCLUSION_DELAY + 2n * SLOT);
      await expect(f.squad.reportCensorship(f.rollupAddress, 0n))
        .to.be.revertedWithCustomError(f.squad, "SquadNotForced")
        .withArgs(0n);
    });

    it("refuses an item forced in before a whole slot went by after its deadline", async function () {
      const f = await loadFixture(squadFixture);
      const { slot, slotEnd } = await queueItem(f);
      await forceAt(f, slotEnd - 1n);
      await expect(f.squad.connect(f.reporter).reportCensorship(f.rollupAddress, 0n))
        .to.be.revertedWithCustomError(f.squad, "SquadNotAttributable")
        .withArgs(0n);
      expect(await f.squad.isCensorshipReported(f.rollupAddress, slot)).to.equal(false);
    });

    it("refuses an item whose first whole slot after the deadline has no leader", async function () {
      const f = await loadFixture(squadFixture);
      // deadline 100 s into the next epoch, whose snapshot nobody takes
      const queuedAt = f.epochEnd + 100n - INCLUSION_DELAY;
      await time.setNextBlockTimestamp(queuedAt);
      await (await f.rollup.connect(f.payer).queueTransaction(TX_HASHES[0], FEES[0])).wait();
      const slot = (queuedAt + INCLUSION_DELAY) / SLOT + 1n;
      expect(await f.squad.leaderAt(f.rollupAddress, slot)).to.equal(ZeroAddress);
      await forceAt(f, startOf(slot + 1n));
      await expect(f.squad.reportCensorship(f.rollupAddress, 0n))
        .to.be.revertedWithCustomError(f.squad, "SquadNotAttributable")
        .withArgs(0n);
    });

    it("refuses a second report of the same item (one report per slot)", async function () {
      const f = await loadFixture(squadFixture);
      const { slot, slotEnd } = await queueItem(f);
      await forceAt(f, slotEnd + 30n);
      await (await f.squad.connect(f.reporter).reportCensorship(f.rollupAddress, 0n)).wait();
      const requests = await f.d.slashingManager.requestCount();
      await expect(f.squad.connect(f.stranger).reportCensorship(f.rollupAddress, 0n))
        .to.be.revertedWithCustomError(f.squad, "SquadAlreadyReported")
        .withArgs(slot);
      expect(await f.d.slashingManager.requestCount()).to.equal(requests);
    });

    it("refuses a rollup that is not registered", async function () {
      const f = await loadFixture(squadFixture);
      await expect(f.squad.reportCensorship(f.plainAddress, 0n))
        .to.be.revertedWithCustomError(f.squad, "ServiceNotRegistered")
        .withArgs(f.plainAddress);
    });

    it("does not blame the leader of a slot in which the rollup was paused", async function () {
      const f = await loadFixture(squadFixture);
      const { deadline, slot, slotEnd, leader } = await queueItem(f);
      await time.setNextBlockTimestamp(deadline - 10n);
      await (await f.rollup.connect(f.d.council).setPaused(true)).wait();
      await time.setNextBlockTimestamp(startOf(slot) + 1n);
      await expect(
        f.squad.connect(leader.account).postBatch(f.rollupAddress, COMMITMENT, 1),
      ).to.be.revertedWithCustomError(f.rollup, "RollupPaused");
      await time.setNextBlockTimestamp(slotEnd + 5n);
      await (await f.rollup.connect(f.d.council).setPaused(false)).wait();
      await forceAt(f, slotEnd + 6n);
      await expect(f.squad.connect(f.reporter).reportCensorship(f.rollupAddress, 0n))
        .to.be.revertedWithCustomError(f.squad, "SquadRollupNotLive")
        .withArgs(slot);
    });

    it("refuses to register a rollup that enables SQUAD but keeps a centralised sequencer", async function () {
      const f = await loadFixture(squadFixture);
      const central = await createRollup(f.d, f.owner, {
        services: SERVICE.SQUAD,
        chainId: 71_004,
        salt: id("squad-central"),
      });
      const centralAddress = await central.getAddress();
      expect(await central.sequencerRole()).to.equal(f.owner.address);
      await expect(f.squad.registerRollup(centralAddress))
        .to.be.revertedWithCustomError(f.squad, "SquadNotSequencer")
        .withArgs(centralAddress);
      expect(await f.squad.isRegistered(centralAddress)).to.equal(false);
    });
  });

  // ================================================================= setParameters

  describe("setParameters", function () {
    it("lets the owner change the parameters (not the slot length)", async function () {
      const f = await loadFixture(squadFixture);
      await expect(f.squad.connect(f.d.deployer).setParameters(60, 3, DAY, 1_000))
        .to.emit(f.squad, "ParametersUpdated")
        .withArgs(60n, 3n, BigInt(DAY), 1_000n);
      expect(await f.squad.parameters()).to.deep.equal([SLOT, 60n, 3n, BigInt(DAY), 1_000n]);
    });

    it("refuses anyone but the owner", async function () {
      const f = await loadFixture(squadFixture);
      await expect(f.squad.connect(f.stranger).setParameters(60, 3, DAY, 1_000))
        .to.be.revertedWithCustomError(f.squad, "OwnableUnauthorizedAccount")
        .withArgs(f.stranger.address);
    });

    it("refuses a grace period not shorter than a slot, no misses, a jail over a year and bps out of range", async function () {
      const f = await loadFixture(squadFixture);
      const owned = f.squad.connect(f.d.deployer);
      const year = 365 * DAY;
      for (const [grace, misses, jail, bps] of [
        [SLOT, 5n, JAIL_TIME, 500n],
        [SLOT + 1n, 5n, JAIL_TIME, 500n],
        [GRACE, 0n, JAIL_TIME, 500n],
        [GRACE, 5n, BigInt(year + 1), 500n],
        [GRACE, 5n, JAIL_TIME, 0n],
        [GRACE, 5n, JAIL_TIME, BPS + 1n],
      ]) {
        await expect(owned.setParameters(grace, misses, jail, bps)).to.be.revertedWithCustomError(
          f.squad,
          "ServiceInvalidParameter",
        );
      }
      // the bounds themselves are accepted
      await expect(owned.setParameters(SLOT - 1n, 1n, BigInt(year), BPS))
        .to.emit(f.squad, "ParametersUpdated")
        .withArgs(SLOT - 1n, 1n, BigInt(year), BPS);
    });

    it("applies a new grace period and maxMisses to the next posts and reports", async function () {
      const f = await loadFixture(squadFixture);
      const grace = 30n;
      await (await f.squad.connect(f.d.deployer).setParameters(grace, 1, JAIL_TIME, CENSORSHIP_BPS)).wait();
      // two slots ahead of the fixture's first, or of now if the wall clock has moved the chain past it (a slow,
      // instrumented run reverts to the fixture minutes after it was taken)
      const ahead = (BigInt(await time.latest()) + 1n) / SLOT + 2n;
      const slot = ahead > f.firstSlot + 2n ? ahead : f.firstSlot + 2n;
      expect(slot <= f.lastSlot).to.equal(true); // a slot of the fixture's epoch: its leader comes from the snapshot
      const leader = await f.squad.leaderAt(f.rollupAddress, slot);
      const member = otherMember(f, leader);
      await time.setNextBlockTimestamp(startOf(slot) + grace - 1n);
      await expect(f.squad.connect(member.account).postBatch(f.rollupAddress, COMMITMENT, 0))
        .to.be.revertedWithCustomError(f.squad, "SquadNotLeader")
        .withArgs(member.address, leader);
      await time.setNextBlockTimestamp(startOf(slot) + grace);
      await expect(f.squad.connect(member.account).postBatch(f.rollupAddress, COMMITMENT, 0))
        .to.emit(f.squad, "BatchPosted")
        .withArgs(f.rollupAddress, slot, member.address, false);
      // one miss is enough now
      const reportAt = startOf(slot + 1n);
      await time.setNextBlockTimestamp(reportAt);
      await expect(f.squad.reportMiss(f.rollupAddress, slot))
        .to.emit(f.squad, "SlotMissed")
        .withArgs(f.rollupAddress, slot, leader, 1n)
        .and.to.emit(f.squad, "LeaderJailed")
        .withArgs(f.rollupAddress, leader, reportAt + JAIL_TIME);
      expect((await f.d.operatorSets.membership(f.setId, leader)).jailedUntil).to.equal(reportAt + JAIL_TIME);
    });
  });
});
