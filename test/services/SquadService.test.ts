// SQUAD decentralised sequencing (contracts/services/SquadService.sol): slots of 5 minutes, a leader per slot drawn by
// stake from the allocations counted in the epoch before the slot's (OperatorSets.drawAt) with the rollup's seed for the
// slot's epoch, committed in the epoch before (by its first batch, or commitSeed) to the prevrandao of a block
// SEED_DELAY blocks ahead and revealed in that block (revealSeed, or a batch landing in it); batches posted
// through the service (which holds the rollup's sequencer role), misses reported and counted over two epochs and jailed
// (a slot is judged by the jails of its own time: a jail's slots never count towards the next one), forced-inclusion
// items turned into censorship slash requests. The protocol is the staged
// deployment of test/helpers/services.ts; every block that matters is mined at a timestamp the test fixes, and every
// leader, seed, deadline, slot and slashed amount is computed independently in bigint math (the draw replayed here from
// the members' allocations in the set's draw-index order).
import { expect } from "chai";
import { queuedHash } from "../../tasks/lib/rollups";
import { ethers } from "hardhat";
import { loadFixture, mine, setPrevRandao, takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, encodeBytes32String, id, keccak256 } from "ethers";
import type { ContractTransactionResponse } from "ethers";
import { ALT } from "../helpers/constants";
import { coverageRunning } from "../helpers/coverage";
import { DAY, HOUR, nextEpoch } from "../helpers/time";
import { SERVICE, addOperators, deployServices, launchRollup } from "../helpers/services";
import { createParams } from "../helpers/rollups";
import type { Operator } from "../helpers/services";
import { drawFrom, slotRandom } from "../helpers/draw";

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
/** "restaking": veto window 2 days, reporter share 10 %, a newcomer beats the member it replaces by 10 %. */
const VETO_WINDOW = BigInt(2 * DAY);
const REPORTER_BPS = 1_000n;
const CHURN_MARGIN_BPS = 1_000n;
const BPS = 10_000n;
/** Rollup.INCLUSION_DELAY. */
const INCLUSION_DELAY = BigInt(12 * HOUR);
/** SquadService keeps a rollup's seeds in a Checkpoints.Trace208: the mixed hash truncated to 208 bits. */
const SEED_MASK = 2n ** 208n - 1n;
/** SquadService.SEED_DELAY: blocks from a seed's commitment to the block whose prevrandao it mixes in. */
const SEED_DELAY = 64n;
/** RestakingRegistry virtual shares and assets: a fresh pool mints amount * 1e6 shares for its first deposit. */
const VIRTUAL_SHARES = 10n ** 6n;
const VIRTUAL_ASSETS = 1n;
const CENSORSHIP = encodeBytes32String("SQUAD_SKIPPED_FORCED_INCLUSION");

/** Self-stakes of the four members: 10 %, 20 %, 30 % and 40 % of the set's stake. */
const STAKES = [10_000n * ALT, 20_000n * ALT, 30_000n * ALT, 40_000n * ALT];
const TOTAL_STAKE = STAKES.reduce((a, b) => a + b, 0n);
/** What each member allocates to each of the two SQUAD sets: half its stake. */
const ALLOCATIONS = STAKES.map((stake) => stake / 2n);
/** What the four allocations add up to in each set: 50,000 ALT. */
const SET_STAKE = ALLOCATIONS.reduce((a, b) => a + b, 0n);
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
/** The evidence of a censorship report: keccak256(abi.encode(rollup, queueIndex, txHash, slot)), with the hash as the
 * rollup keeps it (its first 26 bytes). */
const censorshipEvidence = (rollup: string, queueIndex: bigint, txHash: string, slot: bigint) =>
  keccak256(coder.encode(["address", "uint256", "bytes26", "uint256"], [rollup, queueIndex, queuedHash(txHash), slot]));
/** OperatorSets.setIdOf(service, bytes32(rollup)). */
const setIdOf = (service: string, rollup: string) =>
  BigInt(keccak256(coder.encode(["address", "bytes32"], [service, ethers.zeroPadValue(rollup, 32)])));
/** RestakingRegistry._toAmount: shares * (assets + 1) / (shares + 1e6), rounded down. */
const toAmount = (shares: bigint, totalShares: bigint, totalAssets: bigint) =>
  (shares * (totalAssets + VIRTUAL_ASSETS)) / (totalShares + VIRTUAL_SHARES);

/** An operator with an allocation counted in an epoch, and that allocation: one position of a set's draw index. */
interface Entry {
  operator: string;
  allocation: bigint;
}

/**
 * The leaders of `slots` (all of one epoch) of `rollup`, drawn here with the epoch's `seed` from `entries`: what counted
 * in the epoch before theirs, in draw-index order.
 */
const drawLeaders = (rollup: string, entries: Entry[], seed: bigint, slots: bigint[]) =>
  slots.map((slot) => drawFrom(entries, slotRandom(seed, rollup, slot)));

/**
 * The seed of `epoch` a reveal sets: keccak256(abi.encode(latest seed, prevrandao of the committed block, epoch)), its
 * low 208 bits.
 */
const mixSeed = (seed: bigint, prevRandao: string | bigint, epoch: bigint) =>
  BigInt(keccak256(coder.encode(["uint256", "uint256", "uint256"], [seed, prevRandao, epoch]))) & SEED_MASK;

/**
 * The prevrandao of the block a transaction was mined in: the block's mixHash field (the provider's Block leaves its
 * `prevRandao` null, so the raw block is read).
 */
async function prevRandaoOf(tx: Promise<ContractTransactionResponse>): Promise<string> {
  const receipt = (await (await tx).wait())!;
  const block = await ethers.provider.send("eth_getBlockByNumber", [ethers.toQuantity(receipt.blockNumber), false]);
  expect(block.mixHash).to.match(/^0x[0-9a-f]{64}$/);
  return block.mixHash;
}

/**
 * Under coverage the instrumented contracts run far slower and the coverage run keeps what every step hit: the tests
 * that draw whole epochs of slots (hundreds of `drawAt` calls each) would take minutes each and exhaust the heap. They
 * run in the ordinary test run; under coverage the lighter tests below still reach every line of the draw.
 */
function skipUnderCoverage(test: Mocha.Context) {
  if (coverageRunning()) test.skip();
}

describe("SquadService", function () {
  /**
   * Four members (10/20/30/40 % of the stake) in the SQUAD sets of two rollups sequenced by SQUAD, plus an operator
   * that joined neither. The members join both sets in epoch `epoch - 2`, in order (positions 0..3 of each set's draw
   * index); their allocations count from `counted` = `epoch - 1`, whose slots have no leader (the set was not live in
   * the epoch before it); `epoch` is the first whose leaders are drawn from them. The chain moves to the start of slot
   * `firstSlot`, a few slots into `epoch` (the last block mined). No batch was posted: every seed is 0.
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

    // the members join both sets, half their stake allocated to each; the allocations count from the next epoch,
    // whose own slots have no leader, and the leaders of the epoch after are drawn from them
    const counted = (await d.operatorSets.currentEpoch()) + 1n;
    const epoch = counted + 1n;
    const epochStart = await d.operatorSets.epochStart(epoch);
    const epochEnd = await d.operatorSets.epochStart(epoch + 1n);
    const setId = await d.squad.setIdOf(rollupAddress);
    const otherSetId = await d.squad.setIdOf(otherAddress);
    for (const [i, op] of members.entries()) {
      await (await d.operatorSets.connect(op.account).join(setId, ALLOCATIONS[i])).wait();
      await (await d.operatorSets.connect(op.account).join(otherSetId, ALLOCATIONS[i])).wait();
    }
    await time.increaseTo(epochStart);
    // a slot boundary a few slots into the epoch
    const t0 = ((BigInt(await time.latest()) + 200n) / SLOT + 2n) * SLOT;
    await time.increaseTo(t0);
    const firstSlot = t0 / SLOT;
    // the first and the last slot that begin in `epoch` (their leaders are drawn from what counts in `counted`)
    const firstOfEpoch = (epochStart + SLOT - 1n) / SLOT;
    const lastSlot = (epochEnd - 1n) / SLOT;
    // what counts in `counted` (and in `epoch`) in each set, in draw-index order: the join order
    const entries: Entry[] = members.map((m, i) => ({ operator: m.address, allocation: ALLOCATIONS[i] }));
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
      counted,
      epoch,
      epochStart,
      epochEnd,
      t0,
      firstSlot,
      firstOfEpoch,
      lastSlot,
      entries,
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

  /** The slots that begin in `epoch`: their leaders are drawn from what counts in the epoch before. */
  async function slotsOfEpoch(f: Fixture, epoch: bigint) {
    const first = ((await f.d.operatorSets.epochStart(epoch)) + SLOT - 1n) / SLOT;
    const last = ((await f.d.operatorSets.epochStart(epoch + 1n)) - 1n) / SLOT;
    return Array.from({ length: Number(last - first + 1n) }, (_, i) => first + BigInt(i));
  }

  /** `rollup`'s schedule of `slots` (consecutive). */
  const scheduleOf = (f: Fixture, slots: bigint[], rollup?: string) =>
    f.squad.schedule(rollup ?? f.rollupAddress, slots[0], BigInt(slots.length));

  /** Checks that `setId` counts exactly `entries` in `epoch`: each allocation, their number and their total. */
  async function expectCounted(f: Fixture, setId: bigint, epoch: bigint, entries: Entry[]) {
    const operators = entries.map((e) => e.operator);
    expect(await f.d.operatorSets.allocationsAt(setId, operators, epoch)).to.deep.equal(
      entries.map((e) => e.allocation),
    );
    expect(await f.d.operatorSets.memberCountAt(setId, epoch)).to.equal(BigInt(entries.length));
    expect(await f.d.operatorSets.setStakeAt(setId, epoch)).to.equal(entries.reduce((a, e) => a + e.allocation, 0n));
  }

  /** A slot from `from` on whose leader differs from the next slot's. */
  async function slotWithNewLeaderNext(f: Fixture, from: bigint) {
    const leaders = await f.squad.schedule(f.rollupAddress, from, 50n);
    const i = leaders.findIndex((leader, j) => j + 1 < leaders.length && leader !== leaders[j + 1]);
    return from + BigInt(i);
  }

  /** The leader of the slot of `timestamp` posts a batch at that second; returns the block's prevrandao. */
  async function leaderPostsAt(f: Fixture, timestamp: bigint, commitment: string) {
    const slot = timestamp / SLOT;
    const leader = memberOf(f, await f.squad.leaderAt(f.rollupAddress, slot));
    await time.setNextBlockTimestamp(timestamp);
    const tx = f.squad.connect(leader.account).postBatch(f.rollupAddress, commitment, 0);
    await expect(tx).to.emit(f.squad, "BatchPosted").withArgs(f.rollupAddress, slot, leader.address, true);
    return prevRandaoOf(tx);
  }

  /**
   * Mines up to the block before `rollup`'s committed target (unrevealed) and reveals the seed there (the stranger:
   * anyone may); checks the event and returns the prevrandao of the reveal block. Mining moves the clock a second a
   * block.
   */
  async function revealCommitted(f: Fixture, rollup?: string) {
    const address = rollup ?? f.rollupAddress;
    const [epoch, target, revealed] = await f.squad.seedCommitment(address);
    expect(revealed).to.equal(false);
    const latest = BigInt(await ethers.provider.getBlockNumber());
    expect(target).to.be.greaterThan(latest);
    if (target - latest > 1n) await mine(target - latest - 1n);
    const before = await f.squad.seedAt(address, epoch);
    const tx = f.squad.connect(f.stranger).revealSeed(address);
    const prevRandao = await prevRandaoOf(tx);
    await expect(tx)
      .to.emit(f.squad, "SeedRevealed")
      .withArgs(address, epoch, mixSeed(before, prevRandao, epoch));
    expect(await f.squad.seedCommitment(address)).to.deep.equal([epoch, target, true]);
    return prevRandao;
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
    it("draws every slot's leader by stake from the allocations counted in the epoch before its own with keccak256(seed, rollup, slot)", async function () {
      skipUnderCoverage(this);
      const f = await loadFixture(squadFixture);
      const slots = await slotsOfEpoch(f, f.epoch);
      expect([slots[0], slots[slots.length - 1]]).to.deep.equal([f.firstOfEpoch, f.lastSlot]);
      const schedules: string[][] = [];
      for (const [rollup, setId] of [
        [f.rollupAddress, f.setId],
        [f.otherAddress, f.otherSetId],
      ] as const) {
        // the four allocations count in the epoch before, and no batch was ever posted: the seed is 0
        await expectCounted(f, setId, f.counted, f.entries);
        expect(f.counted).to.equal(f.epoch - 1n);
        expect(await f.squad.seedAt(rollup, f.epoch)).to.equal(0n);
        const expected = drawLeaders(rollup, f.entries, 0n, slots);
        // every member leads some slot of the epoch: the draw reaches every position
        expect([...new Set(expected)].sort()).to.deep.equal(f.members.map((m) => m.address).sort());
        expect(await f.squad.schedule(rollup, slots[0], BigInt(slots.length))).to.deep.equal(expected);
        for (let i = 0; i < slots.length; i += 37) {
          expect(await f.squad.leaderAt(rollup, slots[i])).to.equal(expected[i]);
        }
        expect(await f.squad.leaderAt(rollup, f.lastSlot)).to.equal(expected[expected.length - 1]);
        schedules.push(expected);
      }
      // the same members and allocations in both sets: only the rollup in the hash sets the two schedules apart
      expect(schedules[0]).to.not.deep.equal(schedules[1]);
    });

    it("draws the operator whose allocation exceeds what is left of random mod the set's stake, in draw-index order", async function () {
      const f = await loadFixture(squadFixture);
      const [a0, a1, a2] = ALLOCATIONS;
      // both edges of each member's range of [0, 50,000 ALT); random past the set's stake wraps around
      const cases: [bigint, number][] = [
        [0n, 0],
        [a0 - 1n, 0],
        [a0, 1],
        [a0 + a1 - 1n, 1],
        [a0 + a1, 2],
        [a0 + a1 + a2 - 1n, 2],
        [a0 + a1 + a2, 3],
        [SET_STAKE - 1n, 3],
        [SET_STAKE, 0],
        [7n * SET_STAKE + a0 + a1, 2],
      ];
      for (const [random, index] of cases) {
        expect(drawFrom(f.entries, random)).to.equal(f.members[index].address);
        expect(await f.d.operatorSets.drawAt(f.setId, f.epoch, random)).to.equal(f.members[index].address);
      }
      const largest = 2n ** 256n - 1n;
      expect(await f.d.operatorSets.drawAt(f.setId, f.epoch, largest)).to.equal(drawFrom(f.entries, largest));
      // nothing counted in the epoch the members joined in: nobody is drawn
      expect(await f.d.operatorSets.setStakeAt(f.setId, f.counted - 1n)).to.equal(0n);
      expect(await f.d.operatorSets.drawAt(f.setId, f.counted - 1n, a0)).to.equal(ZeroAddress);
      // SQUAD draws slot s of epoch e with the random number keccak256(abi.encode(seed of e, rollup, s)) from what
      // counted in e - 1
      const slot = f.firstSlot + 1n;
      expect(await f.d.operatorSets.epochAt(startOf(slot))).to.equal(f.epoch);
      expect(await f.squad.leaderAt(f.rollupAddress, slot)).to.equal(
        await f.d.operatorSets.drawAt(f.setId, f.epoch - 1n, slotRandom(0n, f.rollupAddress, slot)),
      );
    });

    it("a slot has a leader only if the set is live in its epoch and the one before: none in the first epoch the allocations count in", async function () {
      skipUnderCoverage(this);
      const f = await loadFixture(squadFixture);
      // the allocations count from `counted`, live; nothing counted in the epoch before it
      expect(await f.d.operatorSets.isLive(f.setId, f.counted)).to.equal(true);
      expect(await f.d.operatorSets.isLive(f.setId, f.counted - 1n)).to.equal(false);
      expect(await f.d.operatorSets.setStakeAt(f.setId, f.counted - 1n)).to.equal(0n);
      // every slot of `counted` goes without leader, its last (the slot before `epoch`'s first) included
      const countedSlots = await slotsOfEpoch(f, f.counted);
      const before = f.firstOfEpoch - 1n;
      expect(countedSlots[countedSlots.length - 1]).to.equal(before);
      expect(await scheduleOf(f, countedSlots)).to.deep.equal(countedSlots.map(() => ZeroAddress));
      expect(await f.squad.leaderAt(f.rollupAddress, countedSlots[0])).to.equal(ZeroAddress);
      expect(await f.squad.leaderAt(f.rollupAddress, before)).to.equal(ZeroAddress);
      // 500 slots from `epoch`'s first run into the next epoch (the same allocations, the same seed 0): all led
      const slots = Array.from({ length: 500 }, (_, i) => f.firstOfEpoch + BigInt(i));
      expect(await f.d.operatorSets.epochAt(startOf(slots[slots.length - 1]))).to.equal(f.epoch + 1n);
      await expectCounted(f, f.setId, f.epoch, f.entries);
      expect(await f.squad.seedAt(f.rollupAddress, f.epoch + 1n)).to.equal(0n);
      const leaders = await f.squad.schedule(f.rollupAddress, before, 501n);
      expect(leaders[0]).to.equal(ZeroAddress);
      expect(leaders.slice(1)).to.not.include(ZeroAddress);
      expect(leaders.slice(1)).to.deep.equal(drawLeaders(f.rollupAddress, f.entries, 0n, slots));
      // the slots before the latest block have their leaders too: no slot of the epoch goes without
      expect(f.firstOfEpoch).to.be.lessThan(f.firstSlot);
      expect(await f.squad.leaderAt(f.rollupAddress, f.firstOfEpoch)).to.equal(leaders[1]);
      expect(await f.squad.leaderAt(f.rollupAddress, f.firstSlot - 1n)).to.equal(
        leaders[Number(f.firstSlot - 1n - before)],
      );
    });

    it("a slot has no leader in an epoch the set is not live in, nor in the epoch after it (live at exactly the minimum operators and stake)", async function () {
      skipUnderCoverage(this);
      const f = await loadFixture(squadFixture);
      /**
       * A's minimums, which count from the next epoch only (the current one keeps its liveness and its leaders); then
       * the next epoch (the same four members and allocations), its slots, and B's leaders in them (seed 0: no batch).
       */
      const epochUnder = async (minMembers: bigint, minTotalStake: bigint) => {
        const current = await f.d.operatorSets.currentEpoch();
        const liveNow = await f.d.operatorSets.isLive(f.setId, current);
        const slotsNow = await slotsOfEpoch(f, current);
        const scheduleNow = await scheduleOf(f, slotsNow);
        await expect(setMinimums(f, minMembers, minTotalStake))
          .to.emit(f.d.operatorSets, "LivenessUpdated")
          .withArgs(f.setId, minMembers, minTotalStake);
        expect(await f.d.operatorSets.isLive(f.setId, current)).to.equal(liveNow);
        expect(await scheduleOf(f, slotsNow)).to.deep.equal(scheduleNow);
        const epoch = await nextEpoch(f.d.operatorSets);
        await expectCounted(f, f.setId, epoch, f.entries);
        expect(await f.d.operatorSets.livenessAt(f.setId, epoch)).to.deep.equal([minMembers, minTotalStake]);
        const slots = await slotsOfEpoch(f, epoch);
        const others = drawLeaders(f.otherAddress, f.entries, 0n, slots);
        expect(others).to.not.include(ZeroAddress);
        return { epoch, slots, count: BigInt(slots.length), others };
      };
      /** No slot of `slots` of A has a leader; B's set, live throughout, keeps its draw. */
      const leaderless = async (slots: bigint[], count: bigint, others: string[]) => {
        expect(await f.squad.leaderAt(f.rollupAddress, slots[0])).to.equal(ZeroAddress);
        expect(await f.squad.leaderAt(f.rollupAddress, slots[slots.length - 1])).to.equal(ZeroAddress);
        expect(await f.squad.schedule(f.rollupAddress, slots[0], count)).to.deep.equal(slots.map(() => ZeroAddress));
        expect(await f.squad.schedule(f.otherAddress, slots[0], count)).to.deep.equal(others);
      };
      // one operator short, then one wei of stake short: not live, no slot of the epoch has a leader
      for (const [minMembers, minTotalStake] of [
        [5n, SET_STAKE],
        [4n, SET_STAKE + 1n],
      ]) {
        const { epoch, slots, count, others } = await epochUnder(minMembers, minTotalStake);
        expect(await f.d.operatorSets.isLive(f.setId, epoch)).to.equal(false);
        expect(await f.d.operatorSets.isLive(f.otherSetId, epoch)).to.equal(true);
        await leaderless(slots, count, others);
      }
      // exactly four operators and 50,000 ALT: live again, but the epoch before was not: still no leader
      const after = await epochUnder(4n, SET_STAKE);
      expect(after.epoch).to.equal(f.epoch + 3n);
      expect(await f.d.operatorSets.isLive(f.setId, after.epoch)).to.equal(true);
      expect(await f.d.operatorSets.isLive(f.setId, after.epoch - 1n)).to.equal(false);
      await leaderless(after.slots, after.count, after.others);
      // live two epochs running: every slot has the leader of the draw from the allocations counted in the first
      const epoch = await nextEpoch(f.d.operatorSets);
      expect(await f.d.operatorSets.isLive(f.setId, epoch)).to.equal(true);
      await expectCounted(f, f.setId, epoch - 1n, f.entries);
      const slots = await slotsOfEpoch(f, epoch);
      const count = BigInt(slots.length);
      const leaders = drawLeaders(f.rollupAddress, f.entries, 0n, slots);
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
      expect(await f.d.operatorSets.isLive(f.setId, epoch)).to.equal(false);
      const [first] = await slotsOfEpoch(f, epoch);
      const slot = first + 2n;
      // the member a draw over the four allocations counted in the epoch before (live) picks is nobody's leader:
      // another member posts in the slot's first second
      expect(await f.d.operatorSets.isLive(f.setId, epoch - 1n)).to.equal(true);
      expect(await f.squad.seedAt(f.rollupAddress, epoch)).to.equal(0n);
      const [drawn] = drawLeaders(f.rollupAddress, f.entries, 0n, [slot]);
      expect(await f.d.operatorSets.drawAt(f.setId, epoch - 1n, slotRandom(0n, f.rollupAddress, slot))).to.equal(drawn);
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
      skipUnderCoverage(this);
      const f = await loadFixture(squadFixture);
      const slots = await slotsOfEpoch(f, f.epoch);
      const leaders = drawLeaders(f.rollupAddress, f.entries, 0n, slots);
      const leaderOf = (slot: bigint) => leaders[Number(slot - slots[0])];
      expect(leaders).to.not.include(ZeroAddress);
      expect(await scheduleOf(f, slots)).to.deep.equal(leaders);
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
      expect(await f.squad.leaderAt(f.rollupAddress, missed)).to.equal(leaderOf(missed));
      expect(await f.squad.leaderAt(f.rollupAddress, missed + 1n)).to.equal(leaderOf(missed + 1n));
      expect(await f.squad.leaderAt(f.rollupAddress, f.lastSlot)).to.equal(leaderOf(f.lastSlot));
      expect(await scheduleOf(f, slots)).to.deep.equal(leaders);
      // the slot that went by is still its leader's miss, and the current one its leader's to post in
      await expect(f.squad.reportMiss(f.rollupAddress, missed))
        .to.emit(f.squad, "SlotMissed")
        .withArgs(f.rollupAddress, missed, leaderOf(missed), 1n);
      const current = memberOf(f, leaderOf(missed + 1n));
      await expect(f.squad.connect(current.account).postBatch(f.rollupAddress, COMMITMENT, 0))
        .to.emit(f.squad, "BatchPosted")
        .withArgs(f.rollupAddress, missed + 1n, current.address, true);
      // the new minimums hold from the next epoch on: its slots have no leader, nor the epoch after's (the set was not
      // live in the one before); the past epoch's keep theirs
      const next = await nextEpoch(f.d.operatorSets);
      expect(await f.d.operatorSets.isLive(f.setId, next)).to.equal(false);
      const nextSlots = await slotsOfEpoch(f, next);
      expect(await scheduleOf(f, nextSlots)).to.deep.equal(nextSlots.map(() => ZeroAddress));
      const laterSlots = await slotsOfEpoch(f, next + 1n);
      expect(await scheduleOf(f, laterSlots)).to.deep.equal(laterSlots.map(() => ZeroAddress));
      expect(await scheduleOf(f, slots)).to.deep.equal(leaders);
    });

    it("draws an operator whose allocation is below the set's minimum stake: its allocation still counts", async function () {
      skipUnderCoverage(this);
      const f = await loadFixture(squadFixture);
      // a least allocation above every member's (5,000 to 20,000 ALT): none of them could join with it now
      const minStake = 25_000n * ALT;
      await (
        await f.squad.connect(f.d.deployer).updateRollupSet(f.rollupAddress, {
          minStake,
          maxSize: MAX_SIZE,
          minMembers: MIN_MEMBERS,
          minTotalStake: MIN_TOTAL_STAKE,
        })
      ).wait();
      await expect(f.d.operatorSets.connect(f.outsider.account).join(f.setId, 5_000n * ALT))
        .to.be.revertedWithCustomError(f.d.operatorSets, "SetsStakeTooLow")
        .withArgs(5_000n * ALT, minStake);
      // the epoch after the next draws from the allocations counted in the next, all below the minimum throughout it
      await nextEpoch(f.d.operatorSets);
      const epoch = await nextEpoch(f.d.operatorSets);
      expect(epoch).to.equal(f.epoch + 2n);
      await expectCounted(f, f.setId, epoch - 1n, f.entries);
      expect((await f.d.operatorSets.setConfig(f.setId)).minStake).to.equal(minStake);
      expect(await f.d.operatorSets.isLive(f.setId, epoch)).to.equal(true);
      const slots = await slotsOfEpoch(f, epoch);
      const leaders = drawLeaders(f.rollupAddress, f.entries, 0n, slots);
      expect([...new Set(leaders)].sort()).to.deep.equal(f.members.map((m) => m.address).sort());
      expect(await scheduleOf(f, slots)).to.deep.equal(leaders);
      // and such a leader posts in its slot
      const leader = memberOf(f, leaders[2]);
      await time.setNextBlockTimestamp(startOf(slots[2]) + 1n);
      await expect(f.squad.connect(leader.account).postBatch(f.rollupAddress, COMMITMENT, 0))
        .to.emit(f.squad, "BatchPosted")
        .withArgs(f.rollupAddress, slots[2], leader.address, true);
    });

    it("a member that leaves in epoch L still leads (and posts in) its slots of L + 1, and is never drawn from L + 2 on (the last member takes its position)", async function () {
      skipUnderCoverage(this);
      const f = await loadFixture(squadFixture);
      const slots = await slotsOfEpoch(f, f.epoch);
      const before = await scheduleOf(f, slots);
      const nextSlots = await slotsOfEpoch(f, f.epoch + 1n);
      const nextBefore = await scheduleOf(f, nextSlots);
      expect(nextBefore).to.deep.equal(drawLeaders(f.rollupAddress, f.entries, 0n, nextSlots));
      const leaver = f.members[0];
      expect(before).to.include(leaver.address);
      expect(nextBefore).to.include(leaver.address);
      const at = BigInt(await time.latest()) + 1n;
      await time.setNextBlockTimestamp(at);
      const leaveAt = at + (await f.d.registry.withdrawalDelay());
      await expect(f.d.operatorSets.connect(leaver.account).requestLeave(f.setId))
        .to.emit(f.d.operatorSets, "LeaveRequested")
        .withArgs(f.setId, leaver.address, leaveAt);
      // its allocation counts until this epoch is over: this epoch's and the next one's schedules are untouched
      await expectCounted(f, f.setId, f.epoch, f.entries);
      expect(await scheduleOf(f, slots)).to.deep.equal(before);
      expect(await scheduleOf(f, nextSlots)).to.deep.equal(nextBefore);

      // L + 1: the three others count; the last of the index (members[3]) moved into the leaver's position 0
      const next = await nextEpoch(f.d.operatorSets);
      expect(next).to.equal(f.epoch + 1n);
      const three = [f.entries[3], f.entries[1], f.entries[2]];
      await expectCounted(f, f.setId, next, three);
      expect(await f.d.operatorSets.allocationAt(f.setId, leaver.address, next)).to.equal(0n);
      expect(await scheduleOf(f, nextSlots)).to.deep.equal(nextBefore);
      // still leaving (not a member), it posts as the leader of a slot of its in L + 1, the epoch's first batch
      expect(leaveAt).to.be.greaterThan(await f.d.operatorSets.epochStart(next + 1n));
      const [own] = await slotsLedBy(
        f,
        leaver,
        BigInt(await time.latest()) / SLOT + 1n,
        nextSlots[nextSlots.length - 1] + 1n,
      );
      const other = otherMember(f, leaver.address);
      await time.setNextBlockTimestamp(startOf(own) + 1n);
      await expect(f.squad.connect(other.account).postBatch(f.rollupAddress, COMMITMENT, 0))
        .to.be.revertedWithCustomError(f.squad, "SquadNotLeader")
        .withArgs(other.address, leaver.address);
      await time.setNextBlockTimestamp(startOf(own) + 2n);
      const post = f.squad.connect(leaver.account).postBatch(f.rollupAddress, COMMITMENT, 0);
      await expect(post).to.emit(f.squad, "BatchPosted").withArgs(f.rollupAddress, own, leaver.address, true);
      expect(await f.squad.slotMarks(f.rollupAddress, own)).to.deep.equal([true, false]);
      // the epoch's first batch committed the seed of L + 2; revealed in the target block
      const seed = mixSeed(0n, await revealCommitted(f), next + 1n);
      expect(await f.squad.seedAt(f.rollupAddress, next + 1n)).to.equal(seed);

      // L + 2: drawn from the three counted in L + 1, in index order
      const laterSlots = await slotsOfEpoch(f, next + 1n);
      const leaders = drawLeaders(f.rollupAddress, three, seed, laterSlots);
      expect(leaders).to.not.include(leaver.address);
      expect(leaders).to.not.include(ZeroAddress);
      // the draw follows the index order: the same three in join order would give other leaders
      expect(drawLeaders(f.rollupAddress, f.entries.slice(1), seed, laterSlots)).to.not.deep.equal(leaders);
      expect(await scheduleOf(f, laterSlots)).to.deep.equal(leaders);
      // nor in any later epoch (no batch since: the seed is inherited)
      const farSlots = await slotsOfEpoch(f, next + 5n);
      expect(await f.squad.seedAt(f.rollupAddress, next + 5n)).to.equal(seed);
      expect(await scheduleOf(f, farSlots)).to.deep.equal(drawLeaders(f.rollupAddress, three, seed, farSlots));
      expect(await scheduleOf(f, farSlots)).to.not.include(leaver.address);
    });

    it("a member replaced in a full set in epoch L still leads (and posts in) its slots of L + 1; from L + 2 the newcomer, in the last position, is drawn instead", async function () {
      skipUnderCoverage(this);
      const f = await loadFixture(squadFixture);
      // the set holds four at most: full; a newcomer with 10 % more than the smallest allocation replaces its member
      await (
        await f.squad.connect(f.d.deployer).updateRollupSet(f.rollupAddress, {
          minStake: MIN_STAKE,
          maxSize: 4n,
          minMembers: MIN_MEMBERS,
          minTotalStake: MIN_TOTAL_STAKE,
        })
      ).wait();
      const amount = 6_000n * ALT;
      const [newcomer] = await addOperators(f.d, "squad-newcomer", [amount]);
      const replaced = f.members[0];
      expect(await f.d.operatorSets.churnMarginBps()).to.equal(CHURN_MARGIN_BPS);
      expect(amount).to.be.greaterThanOrEqual((ALLOCATIONS[0] * (BPS + CHURN_MARGIN_BPS)) / BPS);
      const slots = await slotsOfEpoch(f, f.epoch);
      const before = await scheduleOf(f, slots);
      const nextSlots = await slotsOfEpoch(f, f.epoch + 1n);
      const nextBefore = drawLeaders(f.rollupAddress, f.entries, 0n, nextSlots);
      expect(await scheduleOf(f, nextSlots)).to.deep.equal(nextBefore);
      await expect(f.d.operatorSets.connect(newcomer.account).joinReplacing(f.setId, amount, replaced.address))
        .to.emit(f.d.operatorSets, "MemberReplaced")
        .withArgs(f.setId, replaced.address, newcomer.address);
      // the replaced member's allocation counts in this epoch, the newcomer's from the next: neither this epoch's
      // schedule nor the next one's changes
      expect(await f.d.operatorSets.allocationAt(f.setId, newcomer.address, f.epoch)).to.equal(0n);
      expect(await f.d.operatorSets.allocationAt(f.setId, replaced.address, f.epoch)).to.equal(ALLOCATIONS[0]);
      expect(await scheduleOf(f, slots)).to.deep.equal(before);
      expect(await scheduleOf(f, nextSlots)).to.deep.equal(nextBefore);
      expect(nextBefore).to.include(replaced.address);
      expect(nextBefore).to.not.include(newcomer.address);

      // L + 1: members 3, 1, 2 (the last moved into the freed position 0), then the newcomer count
      const epoch = await nextEpoch(f.d.operatorSets);
      const four = [f.entries[3], f.entries[1], f.entries[2], { operator: newcomer.address, allocation: amount }];
      await expectCounted(f, f.setId, epoch, four);
      expect(await scheduleOf(f, nextSlots)).to.deep.equal(nextBefore);
      // the replaced member still posts as the leader of its slots of L + 1: the newcomer waits for the grace period
      const [own] = await slotsLedBy(
        f,
        replaced,
        BigInt(await time.latest()) / SLOT + 1n,
        nextSlots[nextSlots.length - 1],
      );
      await time.setNextBlockTimestamp(startOf(own) + 1n);
      await expect(f.squad.connect(newcomer.account).postBatch(f.rollupAddress, COMMITMENT, 0))
        .to.be.revertedWithCustomError(f.squad, "SquadNotLeader")
        .withArgs(newcomer.address, replaced.address);
      await time.setNextBlockTimestamp(startOf(own) + 2n);
      const post = f.squad.connect(replaced.account).postBatch(f.rollupAddress, COMMITMENT, 0);
      await expect(post).to.emit(f.squad, "BatchPosted").withArgs(f.rollupAddress, own, replaced.address, true);
      const seed = mixSeed(0n, await revealCommitted(f), epoch + 1n);

      // L + 2: drawn from the four counted in L + 1, with the seed that batch committed (revealed)
      const later = await nextEpoch(f.d.operatorSets);
      expect(await f.squad.seedAt(f.rollupAddress, later)).to.equal(seed);
      const laterSlots = await slotsOfEpoch(f, later);
      const leaders = drawLeaders(f.rollupAddress, four, seed, laterSlots);
      expect(leaders).to.include(newcomer.address);
      expect(leaders).to.not.include(replaced.address);
      expect(await scheduleOf(f, laterSlots)).to.deep.equal(leaders);
      // and it stands in for nobody, even after the grace period
      await time.setNextBlockTimestamp(startOf(laterSlots[1]) + GRACE);
      await expect(f.squad.connect(replaced.account).postBatch(f.rollupAddress, COMMITMENT_2, 0))
        .to.be.revertedWithCustomError(f.squad, "SquadNotEligible")
        .withArgs(replaced.address);
    });

    it("changes made in epoch E - 1 after E's seed is fixed (an allocation cut, a leave and re-join to the last position) leave E's schedule and change E + 1's, drawn from E's allocations", async function () {
      skipUnderCoverage(this);
      const f = await loadFixture(squadFixture);
      // the first batch of epoch E - 1 (the fixture's) commits E's seed, revealed in the target block
      const e = f.epoch + 1n;
      await leaderPostsAt(f, startOf(f.firstSlot + 1n) + 1n, COMMITMENT);
      const seed = mixSeed(0n, await revealCommitted(f), e);
      expect(await f.squad.seedAt(f.rollupAddress, e)).to.equal(seed);
      const slots = await slotsOfEpoch(f, e);
      const scheduled = drawLeaders(f.rollupAddress, f.entries, seed, slots);
      expect(await scheduleOf(f, slots)).to.deep.equal(scheduled);
      const nextSlots = await slotsOfEpoch(f, e + 1n);
      expect(await scheduleOf(f, nextSlots)).to.deep.equal(drawLeaders(f.rollupAddress, f.entries, seed, nextSlots));

      // then, still in E - 1: members[1] cuts its allocation to 2,000 ALT (its range shrinks)...
      const cut = 2_000n * ALT;
      const [, shrinking] = f.members;
      const at = BigInt(await time.latest()) + 1n;
      await time.setNextBlockTimestamp(at);
      await expect(f.d.operatorSets.connect(shrinking.account).allocate(f.setId, cut))
        .to.emit(f.d.operatorSets, "AllocationUpdated")
        .withArgs(
          f.setId,
          shrinking.address,
          cut,
          ALLOCATIONS[1] - cut,
          at + (await f.d.registry.withdrawalDelay()),
          e,
        );
      // ...and members[0] leaves (members[3] moves into its position 0) and re-joins with its allocation: last
      const [moving] = f.members;
      await expect(f.d.operatorSets.connect(moving.account).requestLeave(f.setId)).to.emit(
        f.d.operatorSets,
        "LeaveRequested",
      );
      await expect(f.d.operatorSets.connect(moving.account).join(f.setId, ALLOCATIONS[0]))
        .to.emit(f.d.operatorSets, "Joined")
        .withArgs(f.setId, moving.address);
      const changed = [
        f.entries[3],
        { operator: shrinking.address, allocation: cut },
        f.entries[2],
        { operator: moving.address, allocation: ALLOCATIONS[0] },
      ];
      // what counts in E - 1 is untouched; E counts the changes
      await expectCounted(f, f.setId, e - 1n, f.entries);
      await expectCounted(f, f.setId, e, changed);
      // E's leaders are drawn from E - 1's allocations: its schedule is the one fixed with its seed, although a draw
      // over the changed allocations would give other leaders
      expect(drawLeaders(f.rollupAddress, changed, seed, slots)).to.not.deep.equal(scheduled);
      expect(await scheduleOf(f, slots)).to.deep.equal(scheduled);
      // E + 1's are drawn from E's: the changed allocations in the changed order
      const nextLeaders = drawLeaders(f.rollupAddress, changed, seed, nextSlots);
      expect(nextLeaders).to.not.deep.equal(drawLeaders(f.rollupAddress, f.entries, seed, nextSlots));
      // (the re-join's move matters: the same allocations in join order would give other leaders)
      const joinOrder = [changed[3], changed[1], changed[2], changed[0]];
      expect(drawLeaders(f.rollupAddress, joinOrder, seed, nextSlots)).to.not.deep.equal(nextLeaders);
      expect(await scheduleOf(f, nextSlots)).to.deep.equal(nextLeaders);
      // and so they stay once E has begun
      await nextEpoch(f.d.operatorSets);
      expect(await scheduleOf(f, slots)).to.deep.equal(scheduled);
      expect(await scheduleOf(f, nextSlots)).to.deep.equal(nextLeaders);
    });

    it("gives the same leaders on every call and other leaders for another rollup", async function () {
      skipUnderCoverage(this);
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
      // the allocations keep counting in every epoch after the first: every slot has a leader
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

    it("reads no set for a rollup that is not registered", async function () {
      const f = await loadFixture(squadFixture);
      const setId = setIdOf(f.squadAddress, f.plainAddress);
      await expect(f.squad.leaderAt(f.plainAddress, f.firstSlot))
        .to.be.revertedWithCustomError(f.d.operatorSets, "SetsUnknownSet")
        .withArgs(setId);
    });
  });

  // ================================================================= seeds

  describe("seedAt", function () {
    it("the first batch of epoch e commits seedAt(e + 1) to the block SEED_DELAY blocks on, revealed there as keccak256(latest seed, prevrandao, e + 1); later batches of e, by the leader or a standby, neither commit again nor re-roll it", async function () {
      skipUnderCoverage(this);
      const f = await loadFixture(squadFixture);
      const next = f.epoch + 1n;
      expect(await f.squad.SEED_DELAY()).to.equal(SEED_DELAY);
      expect(await f.squad.seedAt(f.rollupAddress, next)).to.equal(0n);
      expect(await f.squad.seedCommitment(f.rollupAddress)).to.deep.equal([0n, 0n, false]);
      const slot = f.firstSlot + 1n;
      const leader = memberOf(f, await f.squad.leaderAt(f.rollupAddress, slot));
      await time.setNextBlockTimestamp(startOf(slot) + 1n);
      const tx = f.squad.connect(leader.account).postBatch(f.rollupAddress, COMMITMENT, 0);
      const target = BigInt((await (await tx).wait())!.blockNumber) + SEED_DELAY;
      await expect(tx).to.emit(f.squad, "SeedCommitted").withArgs(f.rollupAddress, next, target);
      // committed, not fixed: the next epoch still inherits the latest seed
      expect(await f.squad.seedCommitment(f.rollupAddress)).to.deep.equal([next, target, false]);
      expect(await f.squad.seedAt(f.rollupAddress, next)).to.equal(0n);
      // a second batch, by the next slot's leader: no new commitment, no seed
      const second = leaderPostsAt(f, startOf(f.firstSlot + 2n) + 1n, COMMITMENT_2);
      await second;
      expect(await f.squad.seedCommitment(f.rollupAddress)).to.deep.equal([next, target, false]);
      // the reveal in the target block (anyone may)
      const seed = mixSeed(0n, await revealCommitted(f), next);
      expect(seed).to.not.equal(0n);
      expect(await f.squad.seedAt(f.rollupAddress, next)).to.equal(seed);
      // not the current epoch's; every later one's, until another reveal; per rollup (B's stay 0)
      expect(await f.squad.seedAt(f.rollupAddress, f.epoch)).to.equal(0n);
      expect(await f.squad.seedAt(f.rollupAddress, next + 5n)).to.equal(seed);
      expect(await f.squad.seedAt(f.otherAddress, next)).to.equal(0n);
      // a third batch, by a standby member after the grace period: no new commitment, the seed stays
      const third = (BigInt(await time.latest()) + SLOT) / SLOT;
      const member = otherMember(f, await f.squad.leaderAt(f.rollupAddress, third));
      await time.setNextBlockTimestamp(startOf(third) + GRACE);
      const post = f.squad.connect(member.account).postBatch(f.rollupAddress, COMMITMENT_3, 0);
      await expect(post).to.emit(f.squad, "BatchPosted").withArgs(f.rollupAddress, third, member.address, false);
      await expect(post).to.not.emit(f.squad, "SeedCommitted");
      expect(await f.rollup.batchCount()).to.equal(3n);
      expect(await f.squad.seedAt(f.rollupAddress, next)).to.equal(seed);
      expect(await f.squad.seedCommitment(f.rollupAddress)).to.deep.equal([next, target, true]);
      // the next epoch's leaders are drawn with it (from the allocations counted in this one)
      const slots = await slotsOfEpoch(f, next);
      const leaders = drawLeaders(f.rollupAddress, f.entries, seed, slots);
      expect(leaders).to.not.deep.equal(drawLeaders(f.rollupAddress, f.entries, 0n, slots));
      expect(await scheduleOf(f, slots)).to.deep.equal(leaders);
    });

    it("neither the seed nor the schedule of the current epoch changes when batches are posted or seeds revealed in it", async function () {
      skipUnderCoverage(this);
      const f = await loadFixture(squadFixture);
      const slots = await slotsOfEpoch(f, f.epoch);
      const before = await scheduleOf(f, slots);
      expect(before).to.deep.equal(drawLeaders(f.rollupAddress, f.entries, 0n, slots));
      for (const [i, commitment] of [COMMITMENT, COMMITMENT_2, COMMITMENT_3].entries()) {
        await leaderPostsAt(f, startOf(f.firstSlot + 1n + BigInt(i)) + 1n, commitment);
      }
      const seed = mixSeed(0n, await revealCommitted(f), f.epoch + 1n);
      expect(await f.rollup.batchCount()).to.equal(3n);
      expect(await f.squad.seedAt(f.rollupAddress, f.epoch)).to.equal(0n);
      expect(await scheduleOf(f, slots)).to.deep.equal(before);

      // the same in the next epoch (whose seed was revealed): a batch and a reveal in it change the epoch after only
      const epoch = await nextEpoch(f.d.operatorSets);
      expect(await f.squad.seedAt(f.rollupAddress, epoch)).to.equal(seed);
      const nextSlots = await slotsOfEpoch(f, epoch);
      const scheduled = await scheduleOf(f, nextSlots);
      expect(scheduled).to.deep.equal(drawLeaders(f.rollupAddress, f.entries, seed, nextSlots));
      await leaderPostsAt(f, startOf(nextSlots[1]) + 1n, COMMITMENT);
      const prevRandao = await revealCommitted(f);
      expect(await f.squad.seedAt(f.rollupAddress, epoch)).to.equal(seed);
      expect(await f.squad.seedAt(f.rollupAddress, epoch + 1n)).to.equal(mixSeed(seed, prevRandao, epoch + 1n));
      expect(await scheduleOf(f, nextSlots)).to.deep.equal(scheduled);
      expect(await scheduleOf(f, slots)).to.deep.equal(before);
    });

    it("an epoch's seed is revealed in the epoch before; an epoch whose seed was not revealed inherits the latest seed", async function () {
      skipUnderCoverage(this);
      const f = await loadFixture(squadFixture);
      // a batch in the last second of the epoch commits the next epoch's seed to a block the epoch never reaches; one
      // in the next second commits the epoch after's, revealed in its target block
      await leaderPostsAt(f, f.epochEnd - 1n, COMMITMENT);
      expect((await f.squad.seedCommitment(f.rollupAddress))[0]).to.equal(f.epoch + 1n);
      await leaderPostsAt(f, f.epochEnd, COMMITMENT_2);
      expect(await f.d.operatorSets.currentEpoch()).to.equal(f.epoch + 1n);
      const seed2 = mixSeed(0n, await revealCommitted(f), f.epoch + 2n);
      expect(await f.squad.seedAt(f.rollupAddress, f.epoch + 1n)).to.equal(0n);
      expect(await f.squad.seedAt(f.rollupAddress, f.epoch + 2n)).to.equal(seed2);
      // another batch in epoch + 1 leaves epoch + 2's seed
      await leaderPostsAt(f, startOf(BigInt(await time.latest()) / SLOT + 1n) + 1n, COMMITMENT_3);
      expect(await f.squad.seedAt(f.rollupAddress, f.epoch + 2n)).to.equal(seed2);
      const slots1 = await slotsOfEpoch(f, f.epoch + 1n);
      expect(await scheduleOf(f, slots1)).to.deep.equal(drawLeaders(f.rollupAddress, f.entries, 0n, slots1));
      // nothing in epoch + 2: epoch + 3 draws with the seed epoch + 2 had
      await nextEpoch(f.d.operatorSets);
      const epoch = await nextEpoch(f.d.operatorSets);
      expect(epoch).to.equal(f.epoch + 3n);
      expect(await f.squad.seedAt(f.rollupAddress, epoch)).to.equal(seed2);
      const slots = await slotsOfEpoch(f, epoch);
      expect(await scheduleOf(f, slots)).to.deep.equal(drawLeaders(f.rollupAddress, f.entries, seed2, slots));
      // the past epochs keep their seeds
      expect(await f.squad.seedAt(f.rollupAddress, f.epoch)).to.equal(0n);
      expect(await f.squad.seedAt(f.rollupAddress, f.epoch + 1n)).to.equal(0n);
      expect(await f.squad.seedAt(f.rollupAddress, f.epoch + 2n)).to.equal(seed2);
    });
  });

  // ================================================================= seed commitment and reveal

  describe("commitSeed and revealSeed", function () {
    /** A random number of this test's own (the L1's future randomness): keccak256 of a label. */
    const randao = (label: string) => BigInt(id(label));

    it("the first poster of an epoch cannot choose the next seed: every block of its slot gives the same seedAt(e + 1)", async function () {
      skipUnderCoverage(this);
      const f = await loadFixture(squadFixture);
      const next = f.epoch + 1n;
      const slot = f.firstSlot + 1n;
      const leader = memberOf(f, await f.squad.leaderAt(f.rollupAddress, slot));
      // the leader posts the epoch's first batch at one of many blocks of its slot (each with another prevrandao, and
      // after any number of empty blocks): right after its post the next seed is the inherited one, whatever the
      // block, and the seed revealed later depends on the target block's randomness only, which no post can see
      const future = randao("the L1's randomness at the target");
      const seeds: bigint[] = [];
      for (const [i, offset] of [1n, 13n, 97n, 200n, SLOT - 1n].entries()) {
        const branch = await takeSnapshot();
        if (i > 0) await mine(BigInt(i) * 3n);
        await setPrevRandao(randao(`the post's block ${i}`));
        await time.setNextBlockTimestamp(startOf(slot) + offset);
        const tx = f.squad.connect(leader.account).postBatch(f.rollupAddress, COMMITMENT, 0);
        const posted = BigInt((await (await tx).wait())!.blockNumber);
        await expect(tx)
          .to.emit(f.squad, "SeedCommitted")
          .withArgs(f.rollupAddress, next, posted + SEED_DELAY);
        expect(await f.squad.seedAt(f.rollupAddress, next)).to.equal(0n);
        expect(await f.squad.schedule(f.rollupAddress, (await slotsOfEpoch(f, next))[0], 20n)).to.deep.equal(
          drawLeaders(f.rollupAddress, f.entries, 0n, (await slotsOfEpoch(f, next)).slice(0, 20)),
        );
        await mine(SEED_DELAY - 1n);
        await setPrevRandao(future);
        await expect(f.squad.connect(f.stranger).revealSeed(f.rollupAddress))
          .to.emit(f.squad, "SeedRevealed")
          .withArgs(f.rollupAddress, next, mixSeed(0n, future, next));
        seeds.push(await f.squad.seedAt(f.rollupAddress, next));
        await branch.restore();
      }
      expect(seeds).to.deep.equal(seeds.map(() => mixSeed(0n, future, next)));
    });

    it("withholding the first batch does not change the next seed", async function () {
      skipUnderCoverage(this);
      const f = await loadFixture(squadFixture);
      const next = f.epoch + 1n;
      // a keeper commits at the epoch's start (here the fixture's first slot): the target is fixed before any batch
      const commit = f.squad.connect(f.stranger).commitSeed(f.rollupAddress);
      const target = BigInt((await (await commit).wait())!.blockNumber) + SEED_DELAY;
      await expect(commit).to.emit(f.squad, "SeedCommitted").withArgs(f.rollupAddress, next, target);
      const slot = f.firstSlot + 1n;
      const leader = memberOf(f, await f.squad.leaderAt(f.rollupAddress, slot));
      const future = randao("the L1's randomness at the keeper's target");
      const reveal = async () => {
        const latest = BigInt(await ethers.provider.getBlockNumber());
        await mine(target - latest - 1n);
        await setPrevRandao(future);
        await (await f.squad.connect(f.stranger).revealSeed(f.rollupAddress)).wait();
        return f.squad.seedAt(f.rollupAddress, next);
      };
      // the leader posts the first batch...
      const branch = await takeSnapshot();
      await time.setNextBlockTimestamp(startOf(slot) + 1n);
      await expect(f.squad.connect(leader.account).postBatch(f.rollupAddress, COMMITMENT, 0)).to.not.emit(
        f.squad,
        "SeedCommitted",
      );
      const posted = await reveal();
      await branch.restore();
      // ...or withholds it, a standby posting after the grace period instead...
      const standby = otherMember(f, leader.address);
      await time.setNextBlockTimestamp(startOf(slot) + GRACE);
      await expect(f.squad.connect(standby.account).postBatch(f.rollupAddress, COMMITMENT, 0)).to.not.emit(
        f.squad,
        "SeedCommitted",
      );
      const standIn = await reveal();
      await branch.restore();
      // ...or nobody posts at all: the same seed each time
      const none = await reveal();
      expect(posted).to.equal(mixSeed(0n, future, next));
      expect(standIn).to.equal(posted);
      expect(none).to.equal(posted);
    });

    it("a reveal outside the target block is refused; an unrevealed target leaves the seed inherited", async function () {
      const f = await loadFixture(squadFixture);
      const next = f.epoch + 1n;
      // nothing committed yet
      await expect(f.squad.connect(f.stranger).revealSeed(f.rollupAddress))
        .to.be.revertedWithCustomError(f.squad, "SquadSeedNotCommitted")
        .withArgs(next);
      const commit = f.squad.connect(f.stranger).commitSeed(f.rollupAddress);
      const target = BigInt((await (await commit).wait())!.blockNumber) + SEED_DELAY;
      // one commitment an epoch: neither a second commitSeed nor a batch replaces it
      await expect(f.squad.connect(f.stranger).commitSeed(f.rollupAddress))
        .to.be.revertedWithCustomError(f.squad, "SquadSeedCommitted")
        .withArgs(next);
      // the block after the commitment and the block before the target are refused
      await expect(f.squad.connect(f.stranger).revealSeed(f.rollupAddress))
        .to.be.revertedWithCustomError(f.squad, "SquadNotSeedBlock")
        .withArgs(target);
      await mine(target - BigInt(await ethers.provider.getBlockNumber()) - 2n);
      expect(BigInt(await ethers.provider.getBlockNumber())).to.equal(target - 2n);
      await expect(f.squad.connect(f.stranger).revealSeed(f.rollupAddress))
        .to.be.revertedWithCustomError(f.squad, "SquadNotSeedBlock")
        .withArgs(target);
      // (that refused transaction did not mine a block) the target passes unrevealed; after it, refused too
      await mine(1n);
      expect(BigInt(await ethers.provider.getBlockNumber())).to.equal(target);
      await expect(f.squad.connect(f.stranger).revealSeed(f.rollupAddress))
        .to.be.revertedWithCustomError(f.squad, "SquadNotSeedBlock")
        .withArgs(target);
      await expect(f.squad.connect(f.stranger).commitSeed(f.rollupAddress))
        .to.be.revertedWithCustomError(f.squad, "SquadSeedCommitted")
        .withArgs(next);
      // a batch after the target reveals nothing either
      await leaderPostsAt(f, startOf(BigInt(await time.latest()) / SLOT + 1n) + 1n, COMMITMENT);
      expect(await f.squad.seedCommitment(f.rollupAddress)).to.deep.equal([next, target, false]);
      // the next epoch inherits the latest seed (0) and draws with it
      const epoch = await nextEpoch(f.d.operatorSets);
      expect(await f.squad.seedAt(f.rollupAddress, epoch)).to.equal(0n);
      const slots = (await slotsOfEpoch(f, epoch)).slice(0, 30);
      expect(await scheduleOf(f, slots)).to.deep.equal(drawLeaders(f.rollupAddress, f.entries, 0n, slots));
      // not a registered rollup: neither
      await expect(f.squad.commitSeed(f.plainAddress))
        .to.be.revertedWithCustomError(f.squad, "ServiceNotRegistered")
        .withArgs(f.plainAddress);
      await expect(f.squad.revealSeed(f.plainAddress))
        .to.be.revertedWithCustomError(f.squad, "ServiceNotRegistered")
        .withArgs(f.plainAddress);
    });

    it("a reveal after the epoch ended is refused", async function () {
      const f = await loadFixture(squadFixture);
      const next = f.epoch + 1n;
      // committed SEED_DELAY blocks before the epoch's end; the chain's clock passes the end before the target
      await time.setNextBlockTimestamp(f.epochEnd - 10n);
      const commit = f.squad.connect(f.stranger).commitSeed(f.rollupAddress);
      const target = BigInt((await (await commit).wait())!.blockNumber) + SEED_DELAY;
      await time.setNextBlockTimestamp(f.epochEnd);
      await mine(target - BigInt(await ethers.provider.getBlockNumber()) - 1n);
      expect(await f.d.operatorSets.currentEpoch()).to.equal(next);
      // the target block, in the epoch the seed was for: refused, the seed stays inherited
      await expect(f.squad.connect(f.stranger).revealSeed(f.rollupAddress))
        .to.be.revertedWithCustomError(f.squad, "SquadSeedEpochBegun")
        .withArgs(next);
      expect(await f.squad.seedAt(f.rollupAddress, next)).to.equal(0n);
      expect(await f.squad.seedCommitment(f.rollupAddress)).to.deep.equal([next, target, false]);
      // the new epoch commits the one after
      await expect(f.squad.connect(f.stranger).commitSeed(f.rollupAddress)).to.emit(f.squad, "SeedCommitted");
      expect((await f.squad.seedCommitment(f.rollupAddress))[0]).to.equal(next + 1n);
    });

    it("a batch landing in the target block reveals the seed; a reveal in the same block after it is refused", async function () {
      const f = await loadFixture(squadFixture);
      const next = f.epoch + 1n;
      await leaderPostsAt(f, startOf(f.firstSlot + 1n) + 1n, COMMITMENT);
      const [, target] = await f.squad.seedCommitment(f.rollupAddress);
      await mine(target - BigInt(await ethers.provider.getBlockNumber()) - 1n);
      const future = randao("the target's randomness");
      await setPrevRandao(future);
      const slot = BigInt(await time.latest()) / SLOT + 1n;
      const leader = memberOf(f, await f.squad.leaderAt(f.rollupAddress, slot));
      await time.setNextBlockTimestamp(startOf(slot) + 1n);
      // both in the target block: the batch first
      await ethers.provider.send("evm_setAutomine", [false]);
      try {
        const post = await f.squad.connect(leader.account).postBatch(f.rollupAddress, COMMITMENT_2, 0);
        const reveal = await f.squad.connect(f.stranger).revealSeed(f.rollupAddress, { gasLimit: 200_000n });
        await mine(1n);
        const block = (await post.wait())!.blockNumber;
        expect(BigInt(block)).to.equal(target);
        await expect(post)
          .to.emit(f.squad, "SeedRevealed")
          .withArgs(f.rollupAddress, next, mixSeed(0n, future, next));
        // mined and failed: its revert data, read from the trace
        expect((await ethers.provider.getTransactionReceipt(reveal.hash))!.status).to.equal(0);
        const trace = await ethers.provider.send("debug_traceTransaction", [reveal.hash]);
        expect(trace.failed).to.equal(true);
        const error = f.squad.interface.parseError(`0x${trace.returnValue.replace(/^0x/, "")}`)!;
        expect([error.name, error.args.toArray()]).to.deep.equal(["SquadSeedRevealed", [next]]);
      } finally {
        await ethers.provider.send("evm_setAutomine", [true]);
      }
      expect(await f.squad.seedAt(f.rollupAddress, next)).to.equal(mixSeed(0n, future, next));
    });

    it("an adversary with 10 % of the stake that chooses its posting blocks and withholds when it likes leads within 3 points of its stake share", async function () {
      skipUnderCoverage(this);
      const f = await loadFixture(squadFixture);
      const adversary = f.members[0];
      const EPOCHS = 20;
      const COUNTED = 64;
      const BLOCKS = 4;
      let led = 0;
      for (let e = 0; e < EPOCHS; e++) {
        const epoch = await f.d.operatorSets.currentEpoch();
        const slots = (await slotsOfEpoch(f, epoch + 1n)).slice(0, COUNTED);
        const own = (seed: bigint) =>
          drawLeaders(f.rollupAddress, f.entries, seed, slots).filter((l) => l === adversary.address).length;
        // after the first slot's grace period any member may post: the adversary posts the epoch's first batch at one
        // of BLOCKS blocks, or withholds, whichever shows it the best next schedule (all it can see)
        const slot = BigInt(await time.latest()) / SLOT + 1n;
        await time.setNextBlockTimestamp(startOf(slot) + GRACE);
        await mine(1n);
        let best = { score: own(await f.squad.seedAt(f.rollupAddress, epoch + 1n)), blocks: -1 };
        for (let k = 0; k < BLOCKS; k++) {
          const branch = await takeSnapshot();
          if (k > 0) await mine(BigInt(k));
          await (await f.squad.connect(adversary.account).postBatch(f.rollupAddress, COMMITMENT, 0)).wait();
          const score = own(await f.squad.seedAt(f.rollupAddress, epoch + 1n));
          if (score > best.score) best = { score, blocks: k };
          await branch.restore();
        }
        // its choice; if it withheld, another member posts a few blocks later
        await mine(BigInt(best.blocks < 0 ? 5 : best.blocks));
        const poster = best.blocks < 0 ? f.members[1 + (e % 3)] : adversary;
        await (await f.squad.connect(poster.account).postBatch(f.rollupAddress, COMMITMENT, 0)).wait();
        // a keeper reveals in the target block, whose randomness nobody knew at the post
        const [, target] = await f.squad.seedCommitment(f.rollupAddress);
        await mine(target - BigInt(await ethers.provider.getBlockNumber()) - 1n);
        await setPrevRandao(randao(`epoch ${e}`));
        await (await f.squad.connect(f.stranger).revealSeed(f.rollupAddress)).wait();
        // what it leads in the next epoch's first slots, by the contract's schedule
        await time.increaseTo(await f.d.operatorSets.epochStart(epoch + 1n));
        const leaders = await scheduleOf(f, slots);
        led += leaders.filter((l) => l === adversary.address).length;
      }
      const total = BigInt(EPOCHS * COUNTED);
      // |led / total - stake / TOTAL_STAKE| <= 3 / 100, in integers
      const deviation = BigInt(led) * TOTAL_STAKE - STAKES[0] * total;
      expect(deviation < 0n ? -deviation : deviation).to.be.lessThanOrEqual((3n * total * TOTAL_STAKE) / 100n);
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

    it("keeps a member that asked to leave serving its slots of the current epoch (drawn from the epoch before; slashable until it has left)", async function () {
      skipUnderCoverage(this);
      const f = await loadFixture(squadFixture);
      const leaving = f.members[3];
      const slots = await slotsOfEpoch(f, f.epoch);
      const before = await scheduleOf(f, slots);
      await (await f.d.operatorSets.connect(leaving.account).requestLeave(f.setId)).wait();
      // its allocation counts in this epoch, not from the next one; this epoch's slots, drawn from the epoch before, are
      // still its own
      expect(await f.d.operatorSets.allocationAt(f.setId, leaving.address, f.epoch)).to.equal(ALLOCATIONS[3]);
      expect(await f.d.operatorSets.allocationAt(f.setId, leaving.address, f.epoch + 1n)).to.equal(0n);
      expect(await scheduleOf(f, slots)).to.deep.equal(before);
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
      skipUnderCoverage(this);
      const f = await loadFixture(squadFixture);
      // four operators needed from the next epoch on, in which only three will count: its slots have no leader
      await (await setMinimums(f, 4n, MIN_TOTAL_STAKE)).wait();
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

      // the slot it was drawn for in this epoch is still its own
      await time.setNextBlockTimestamp(startOf(own) + 1n);
      await expect(f.squad.connect(leaving.account).postBatch(f.rollupAddress, COMMITMENT_2, 0))
        .to.emit(f.squad, "BatchPosted")
        .withArgs(f.rollupAddress, own, leaving.address, true);
      expect(await f.squad.slotMarks(f.rollupAddress, own)).to.deep.equal([true, false]);

      // a slot without leader (the set is not live in the next epoch): refused, while a member posts at once
      const leaderless = (f.epochEnd + SLOT - 1n) / SLOT;
      expect(await f.d.operatorSets.memberCountAt(f.setId, f.epoch + 1n)).to.equal(3n);
      expect(await f.d.operatorSets.isLive(f.setId, f.epoch + 1n)).to.equal(false);
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
      skipUnderCoverage(this);
      const f = await loadFixture(squadFixture);
      // five operators needed from the next epoch on: the set, of four, is not live in it
      await (await setMinimums(f, 5n, MIN_TOTAL_STAKE)).wait();
      const slot = (f.epochEnd + SLOT - 1n) / SLOT;
      expect(await f.d.operatorSets.epochAt(startOf(slot))).to.equal(f.epoch + 1n);
      expect(await f.squad.leaderAt(f.rollupAddress, slot)).to.equal(ZeroAddress);
      const member = f.members[0];
      await time.setNextBlockTimestamp(startOf(slot) + 1n);
      const first = f.squad.connect(member.account).postBatch(f.rollupAddress, COMMITMENT, 0);
      await expect(first)
        .to.emit(f.squad, "BatchPosted")
        .withArgs(f.rollupAddress, slot, member.address, false)
        .and.to.emit(f.squad, "SeedCommitted")
        .withArgs(f.rollupAddress, f.epoch + 2n, BigInt((await (await first).wait())!.blockNumber) + SEED_DELAY);
      expect(await f.squad.slotMarks(f.rollupAddress, slot)).to.deep.equal([false, false]);
      // the minimums lowered back in that epoch count from the next one: its slots keep no leader
      await (await setMinimums(f, MIN_MEMBERS, MIN_TOTAL_STAKE)).wait();
      expect(await f.d.operatorSets.isLive(f.setId, f.epoch + 1n)).to.equal(false);
      expect(await f.squad.leaderAt(f.rollupAddress, slot)).to.equal(ZeroAddress);
      expect(await f.squad.leaderAt(f.rollupAddress, slot + 1n)).to.equal(ZeroAddress);
      const second = f.members[1];
      await time.setNextBlockTimestamp(startOf(slot + 1n) + 1n);
      const next = f.squad.connect(second.account).postBatch(f.rollupAddress, COMMITMENT_2, 0);
      await expect(next)
        .to.emit(f.squad, "BatchPosted")
        .withArgs(f.rollupAddress, slot + 1n, second.address, false);
      expect(await f.rollup.batchCount()).to.equal(2n);
      // the first of the two batches committed the seed of the epoch after, which is live again but has no leader
      // either (the set was not live in the one before): revealed in the target block
      const seed = mixSeed(0n, await revealCommitted(f), f.epoch + 2n);
      expect(await f.squad.seedAt(f.rollupAddress, f.epoch + 2n)).to.equal(seed);
      expect(await f.d.operatorSets.isLive(f.setId, f.epoch + 2n)).to.equal(true);
      const slots2 = await slotsOfEpoch(f, f.epoch + 2n);
      expect(await scheduleOf(f, slots2)).to.deep.equal(slots2.map(() => ZeroAddress));
      // the one after that draws with the seed inherited (no batch in epoch + 2) from what counted in epoch + 2
      expect(await f.squad.seedAt(f.rollupAddress, f.epoch + 3n)).to.equal(seed);
      expect(await f.d.operatorSets.isLive(f.setId, f.epoch + 3n)).to.equal(true);
      const slots = await slotsOfEpoch(f, f.epoch + 3n);
      expect(await scheduleOf(f, slots)).to.deep.equal(drawLeaders(f.rollupAddress, f.entries, seed, slots));
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

    it("refuses a slot without leader: one of an epoch in which the set, or the epoch before, is not live", async function () {
      const f = await loadFixture(squadFixture);
      // the slot before the epoch's first: of the first epoch the allocations count in, after one they did not
      const before = f.firstOfEpoch - 1n;
      expect(await f.d.operatorSets.epochAt(startOf(before))).to.equal(f.counted);
      expect(await f.d.operatorSets.isLive(f.setId, f.counted)).to.equal(true);
      expect(await f.d.operatorSets.isLive(f.setId, f.counted - 1n)).to.equal(false);
      await expect(f.squad.reportMiss(f.rollupAddress, before))
        .to.be.revertedWithCustomError(f.squad, "SquadNoLeader")
        .withArgs(before);
      // every member leaves: nothing counts in the next epoch
      for (const op of f.members) {
        await (await f.d.operatorSets.connect(op.account).requestLeave(f.setId)).wait();
      }
      expect(await f.d.operatorSets.setStakeAt(f.setId, f.epoch + 1n)).to.equal(0n);
      expect(await f.d.operatorSets.isLive(f.setId, f.epoch + 1n)).to.equal(false);
      const slot = (f.epochEnd + SLOT - 1n) / SLOT;
      await time.setNextBlockTimestamp(startOf(slot + 1n));
      await expect(f.squad.reportMiss(f.rollupAddress, slot))
        .to.be.revertedWithCustomError(f.squad, "SquadNoLeader")
        .withArgs(slot);
      expect(await f.squad.slotMarks(f.rollupAddress, slot)).to.deep.equal([false, false]);
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

    it("jails a leader at maxMisses misses: it cannot post while jailed, and its further misses are refused", async function () {
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
      expect(await f.squad.releasedAt(f.rollupAddress, leader.address)).to.equal(0n);
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
      // its release is recorded: the jail's end
      expect(await f.squad.releasedAt(f.rollupAddress, leader.address)).to.equal(until);
      // jailed in A's set only
      expect((await f.d.operatorSets.membership(f.otherSetId, leader.address)).jailedUntil).to.equal(0n);
      expect(await f.squad.releasedAt(f.otherAddress, leader.address)).to.equal(0n);

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
      // it could not post: the slot is no miss of its
      await time.setNextBlockTimestamp(startOf(later + 1n));
      await expect(f.squad.connect(f.reporter).reportMiss(f.rollupAddress, later))
        .to.be.revertedWithCustomError(f.squad, "SquadLeaderJailed")
        .withArgs(later, leader.address);
      expect(await f.squad.misses(f.rollupAddress, leader.address)).to.equal(0n);
      expect(await f.squad.slotMarks(f.rollupAddress, later)).to.deep.equal([false, false]);

      // its allocation still counts: the next epoch draws it too, and its misses there are refused as well
      const seed = await f.squad.seedAt(f.rollupAddress, f.epoch + 1n);
      const nextSlots = await slotsOfEpoch(f, f.epoch + 1n);
      const leaders = drawLeaders(f.rollupAddress, f.entries, seed, nextSlots);
      expect(await scheduleOf(f, nextSlots)).to.deep.equal(leaders);
      const nextOwn = nextSlots[leaders.indexOf(leader.address)];
      expect(startOf(nextOwn + 1n)).to.be.lessThan(until);
      await time.setNextBlockTimestamp(startOf(nextOwn + 1n));
      await expect(f.squad.reportMiss(f.rollupAddress, nextOwn))
        .to.be.revertedWithCustomError(f.squad, "SquadLeaderJailed")
        .withArgs(nextOwn, leader.address);
    });

    it("counts the misses of a leader again once its jail is over", async function () {
      const f = await loadFixture(squadFixture);
      // one miss jails, for two hours
      const jailTime = 2n * BigInt(HOUR);
      await (await f.squad.connect(f.d.deployer).setParameters(GRACE, 1, jailTime, CENSORSHIP_BPS)).wait();
      const leader = f.members[3];
      const led = await slotsLedBy(f, leader, f.firstSlot + 1n, f.lastSlot);
      const jailAt = startOf(led[0] + 1n);
      const until = jailAt + jailTime;
      await time.setNextBlockTimestamp(jailAt);
      await expect(f.squad.reportMiss(f.rollupAddress, led[0]))
        .to.emit(f.squad, "LeaderJailed")
        .withArgs(f.rollupAddress, leader.address, until);
      expect(await f.squad.releasedAt(f.rollupAddress, leader.address)).to.equal(until);
      // a slot of its that is over while the jail lasts: refused
      const during = led.find((slot) => startOf(slot) >= jailAt && startOf(slot + 1n) < until)!;
      await time.setNextBlockTimestamp(startOf(during + 1n));
      await expect(f.squad.reportMiss(f.rollupAddress, during))
        .to.be.revertedWithCustomError(f.squad, "SquadLeaderJailed")
        .withArgs(during, leader.address);
      // a slot of its after the jail: it could post, it did not; the miss counts (and jails it again)
      const after = led.find((slot) => startOf(slot) >= until)!;
      await time.setNextBlockTimestamp(startOf(after + 1n));
      await expect(f.squad.reportMiss(f.rollupAddress, after))
        .to.emit(f.squad, "SlotMissed")
        .withArgs(f.rollupAddress, after, leader.address, 1n)
        .and.to.emit(f.squad, "LeaderJailed")
        .withArgs(f.rollupAddress, leader.address, startOf(after + 1n) + jailTime);
      expect(await f.squad.slotMarks(f.rollupAddress, after)).to.deep.equal([false, true]);
      expect(await f.squad.releasedAt(f.rollupAddress, leader.address)).to.equal(startOf(after + 1n) + jailTime);
    });

    it("a jail's slots never count towards the next jail: once it is over, its slots are refused; a slot before it (it could post) and one beginning after the release count", async function () {
      const f = await loadFixture(squadFixture);
      // a jail of six hours (72 slots), within the epoch
      const jailTime = 6n * BigInt(HOUR);
      await (await f.squad.connect(f.d.deployer).setParameters(GRACE, MAX_MISSES, jailTime, CENSORSHIP_BPS)).wait();
      const leader = f.members[3];
      const led = await slotsLedBy(f, leader, f.firstSlot + 1n, f.lastSlot);
      // its first slot goes unreported (a miss: it could post in it); the next maxMisses are reported, the last at the
      // start of a slot: the jail begins and ends at slot boundaries
      const [unreported, ...rest] = led;
      const missed = rest.slice(0, Number(MAX_MISSES));
      const jailAt = startOf(missed[missed.length - 1] + 1n);
      for (const [i, slot] of missed.entries()) {
        await time.setNextBlockTimestamp(jailAt - BigInt(missed.length - 1 - i));
        await (await f.squad.connect(f.reporter).reportMiss(f.rollupAddress, slot)).wait();
      }
      const until = jailAt + jailTime;
      expect((await f.d.operatorSets.membership(f.setId, leader.address)).jailedUntil).to.equal(until);
      expect(await f.squad.releasedAt(f.rollupAddress, leader.address)).to.equal(until);
      expect(await f.squad.misses(f.rollupAddress, leader.address)).to.equal(0n);
      // nobody reports its slots while the jail lasts (enough of them for another jail); a reporter waits for the
      // release to count them
      const jailed = led.filter((slot) => startOf(slot) >= jailAt && startOf(slot) < until);
      expect(jailed.length).to.be.greaterThanOrEqual(Number(MAX_MISSES));
      expect(await f.d.operatorSets.epochAt(until)).to.equal(f.epoch);
      await time.setNextBlockTimestamp(until);
      for (const slot of jailed) {
        await expect(f.squad.connect(f.reporter).reportMiss(f.rollupAddress, slot))
          .to.be.revertedWithCustomError(f.squad, "SquadLeaderJailed")
          .withArgs(slot, leader.address);
        expect(await f.squad.slotMarks(f.rollupAddress, slot)).to.deep.equal([false, false]);
      }
      // the jail is over (not jailed now): only its record in the history keeps those slots out
      expect(BigInt(await time.latest())).to.be.greaterThanOrEqual(until);
      expect(await f.squad.jailCount(f.rollupAddress, leader.address)).to.equal(1n);
      expect(await f.squad.jailAt(f.rollupAddress, leader.address, 0n)).to.deep.equal([jailAt, until]);
      expect(await f.squad.misses(f.rollupAddress, leader.address)).to.equal(0n);
      // the slot before the jail: it could post, it did not; it counts towards the next jail (the jail cleared the
      // window)
      await expect(f.squad.connect(f.reporter).reportMiss(f.rollupAddress, unreported))
        .to.emit(f.squad, "SlotMissed")
        .withArgs(f.rollupAddress, unreported, leader.address, 1n)
        .and.not.to.emit(f.squad, "LeaderJailed");
      // a slot of its beginning after the release: it could post, it did not
      const after = led.find((slot) => startOf(slot) >= until)!;
      await time.setNextBlockTimestamp(startOf(after + 1n));
      await expect(f.squad.connect(f.reporter).reportMiss(f.rollupAddress, after))
        .to.emit(f.squad, "SlotMissed")
        .withArgs(f.rollupAddress, after, leader.address, 2n)
        .and.not.to.emit(f.squad, "LeaderJailed");
      expect(await f.squad.misses(f.rollupAddress, leader.address)).to.equal(2n);
      expect(await f.squad.releasedAt(f.rollupAddress, leader.address)).to.equal(until);
    });

    it("a leader posting in one of its slots in five is jailed: its own posts do not reset the count", async function () {
      const f = await loadFixture(squadFixture);
      const leader = f.members[3];
      // its first ten slots of the epoch: it posts in the fifth and the tenth, misses the others, each reported at
      // once; the fifth miss (its sixth slot) jails it
      const led = (await slotsLedBy(f, leader, f.firstSlot + 1n, f.lastSlot)).slice(0, 10);
      expect(startOf(led[5] + 1n)).to.be.lessThan(f.epochEnd);
      let count = 0n;
      for (const [i, slot] of led.slice(0, 6).entries()) {
        if (i % 5 === 4) {
          await time.setNextBlockTimestamp(startOf(slot) + 1n);
          await expect(f.squad.connect(leader.account).postBatch(f.rollupAddress, COMMITMENT, 0))
            .to.emit(f.squad, "BatchPosted")
            .withArgs(f.rollupAddress, slot, leader.address, true);
          expect(await f.squad.slotMarks(f.rollupAddress, slot)).to.deep.equal([true, false]);
          // its post leaves the count
          expect(await f.squad.misses(f.rollupAddress, leader.address)).to.equal(count);
          continue;
        }
        count += 1n;
        await time.setNextBlockTimestamp(startOf(slot + 1n));
        const report = f.squad.connect(f.reporter).reportMiss(f.rollupAddress, slot);
        await expect(report).to.emit(f.squad, "SlotMissed").withArgs(f.rollupAddress, slot, leader.address, count);
        if (count < MAX_MISSES) await expect(report).not.to.emit(f.squad, "LeaderJailed");
        else {
          await expect(report)
            .to.emit(f.squad, "LeaderJailed")
            .withArgs(f.rollupAddress, leader.address, startOf(slot + 1n) + JAIL_TIME);
        }
      }
      expect(count).to.equal(MAX_MISSES);
      expect((await f.d.operatorSets.membership(f.setId, leader.address)).jailedUntil).to.equal(
        startOf(led[5] + 1n) + JAIL_TIME,
      );
      // the jail cleared the window
      expect(await f.squad.misses(f.rollupAddress, leader.address)).to.equal(0n);
    });

    it("misses of two consecutive epochs add up; older ones drop out of the window", async function () {
      const f = await loadFixture(squadFixture);
      const leader = f.members[3];
      const e = f.epoch;
      const [first, second] = await slotsLedBy(f, leader, f.firstSlot + 1n, f.lastSlot);
      const nextSlots = await slotsOfEpoch(f, e + 1n);
      const [third, fourth] = await slotsLedBy(f, leader, nextSlots[0], nextSlots[nextSlots.length - 1] + 1n);
      const laterSlots = await slotsOfEpoch(f, e + 2n);
      const [fifth] = await slotsLedBy(f, leader, laterSlots[0], laterSlots[laterSlots.length - 1] + 1n);
      // two misses in epoch e, reported in e
      await time.setNextBlockTimestamp(startOf(second + 1n));
      await (await f.squad.connect(f.reporter).reportMiss(f.rollupAddress, first)).wait();
      await expect(f.squad.connect(f.reporter).reportMiss(f.rollupAddress, second))
        .to.emit(f.squad, "SlotMissed")
        .withArgs(f.rollupAddress, second, leader.address, 2n);
      // two in e + 1, reported in e + 1: the window (e + 1 and e) holds the four
      await time.setNextBlockTimestamp(startOf(third + 1n));
      await expect(f.squad.connect(f.reporter).reportMiss(f.rollupAddress, third))
        .to.emit(f.squad, "SlotMissed")
        .withArgs(f.rollupAddress, third, leader.address, 3n);
      await time.setNextBlockTimestamp(startOf(fourth + 1n));
      await expect(f.squad.connect(f.reporter).reportMiss(f.rollupAddress, fourth))
        .to.emit(f.squad, "SlotMissed")
        .withArgs(f.rollupAddress, fourth, leader.address, 4n)
        .and.not.to.emit(f.squad, "LeaderJailed");
      expect(await f.squad.misses(f.rollupAddress, leader.address)).to.equal(4n);
      // in e + 2 the misses of e drop out: the fifth miss counts three, no jail
      await time.increaseTo(await f.d.operatorSets.epochStart(e + 2n));
      expect(await f.squad.misses(f.rollupAddress, leader.address)).to.equal(2n);
      await time.setNextBlockTimestamp(startOf(fifth + 1n));
      await expect(f.squad.connect(f.reporter).reportMiss(f.rollupAddress, fifth))
        .to.emit(f.squad, "SlotMissed")
        .withArgs(f.rollupAddress, fifth, leader.address, 3n)
        .and.not.to.emit(f.squad, "LeaderJailed");
      expect(await f.squad.misses(f.rollupAddress, leader.address)).to.equal(3n);
      expect((await f.d.operatorSets.membership(f.setId, leader.address)).jailedUntil).to.equal(0n);
      // in e + 3 only the miss of e + 2 is left; in e + 4 none
      await time.increaseTo(await f.d.operatorSets.epochStart(e + 3n));
      expect(await f.squad.misses(f.rollupAddress, leader.address)).to.equal(1n);
      await time.increaseTo(await f.d.operatorSets.epochStart(e + 4n));
      expect(await f.squad.misses(f.rollupAddress, leader.address)).to.equal(0n);
      expect(await f.squad.misses(f.otherAddress, leader.address)).to.equal(0n);
    });

    it("a late report of a previous-epoch slot counts in the window", async function () {
      const f = await loadFixture(squadFixture);
      const leader = f.members[3];
      const e = f.epoch;
      const [first, second, third] = await slotsLedBy(f, leader, f.firstSlot + 1n, f.lastSlot);
      const nextSlots = await slotsOfEpoch(f, e + 1n);
      const [fourth, fifth] = await slotsLedBy(f, leader, nextSlots[0], nextSlots[nextSlots.length - 1] + 1n);
      // one miss of epoch e reported in e
      await time.setNextBlockTimestamp(startOf(first + 1n));
      await expect(f.squad.connect(f.reporter).reportMiss(f.rollupAddress, first))
        .to.emit(f.squad, "SlotMissed")
        .withArgs(f.rollupAddress, first, leader.address, 1n);
      // in e + 1: one of its slots there, then two of e reported late, count with it and with the first
      await time.setNextBlockTimestamp(startOf(fourth + 1n));
      await expect(f.squad.connect(f.reporter).reportMiss(f.rollupAddress, fourth))
        .to.emit(f.squad, "SlotMissed")
        .withArgs(f.rollupAddress, fourth, leader.address, 2n);
      await expect(f.squad.connect(f.reporter).reportMiss(f.rollupAddress, second))
        .to.emit(f.squad, "SlotMissed")
        .withArgs(f.rollupAddress, second, leader.address, 3n);
      await expect(f.squad.connect(f.reporter).reportMiss(f.rollupAddress, third))
        .to.emit(f.squad, "SlotMissed")
        .withArgs(f.rollupAddress, third, leader.address, 4n)
        .and.not.to.emit(f.squad, "LeaderJailed");
      expect(await f.squad.misses(f.rollupAddress, leader.address)).to.equal(4n);
      // the fifth jails it
      const jailAt = startOf(fifth + 1n);
      await time.setNextBlockTimestamp(jailAt);
      await expect(f.squad.connect(f.reporter).reportMiss(f.rollupAddress, fifth))
        .to.emit(f.squad, "SlotMissed")
        .withArgs(f.rollupAddress, fifth, leader.address, MAX_MISSES)
        .and.to.emit(f.squad, "LeaderJailed")
        .withArgs(f.rollupAddress, leader.address, jailAt + JAIL_TIME);
      expect(await f.squad.misses(f.rollupAddress, leader.address)).to.equal(0n);
    });

    it("counts the miss of a leader jailed for misses after the grace period of its slot, not of one jailed by its end", async function () {
      const f = await loadFixture(squadFixture);
      // one miss jails, for a minute
      const jailTime = 60n;
      await (await f.squad.connect(f.d.deployer).setParameters(GRACE, 1, jailTime, CENSORSHIP_BPS)).wait();
      const leader = f.members[3];
      const [a, b, c, d] = await slotsLedBy(f, leader, f.firstSlot + 1n, f.lastSlot);
      // a's miss jails it at the last second of b's grace period: b was open to every member, no miss of its
      const firstJail = startOf(b) + GRACE;
      await time.setNextBlockTimestamp(firstJail);
      await expect(f.squad.connect(f.reporter).reportMiss(f.rollupAddress, a))
        .to.emit(f.squad, "LeaderJailed")
        .withArgs(f.rollupAddress, leader.address, firstJail + jailTime);
      await time.setNextBlockTimestamp(startOf(b + 1n));
      await expect(f.squad.connect(f.reporter).reportMiss(f.rollupAddress, b))
        .to.be.revertedWithCustomError(f.squad, "SquadLeaderJailed")
        .withArgs(b, leader.address);
      // c's miss jails it a second after d's grace period: it had d to itself until then, the miss counts
      const secondJail = startOf(d) + GRACE + 1n;
      await time.setNextBlockTimestamp(secondJail);
      await expect(f.squad.connect(f.reporter).reportMiss(f.rollupAddress, c))
        .to.emit(f.squad, "LeaderJailed")
        .withArgs(f.rollupAddress, leader.address, secondJail + jailTime);
      const thirdJail = startOf(d + 1n);
      await time.setNextBlockTimestamp(thirdJail);
      await expect(f.squad.connect(f.reporter).reportMiss(f.rollupAddress, d))
        .to.emit(f.squad, "SlotMissed")
        .withArgs(f.rollupAddress, d, leader.address, 1n)
        .and.to.emit(f.squad, "LeaderJailed")
        .withArgs(f.rollupAddress, leader.address, thirdJail + jailTime);
      // the history: each jail from its start to its release
      expect(await f.squad.jailCount(f.rollupAddress, leader.address)).to.equal(3n);
      expect(await f.squad.jailAt(f.rollupAddress, leader.address, 0n)).to.deep.equal([
        firstJail,
        firstJail + jailTime,
      ]);
      expect(await f.squad.jailAt(f.rollupAddress, leader.address, 1n)).to.deep.equal([
        secondJail,
        secondJail + jailTime,
      ]);
      expect(await f.squad.jailAt(f.rollupAddress, leader.address, 2n)).to.deep.equal([
        thirdJail,
        thirdJail + jailTime,
      ]);
      expect(await f.squad.releasedAt(f.rollupAddress, leader.address)).to.equal(thirdJail + jailTime);
    });

    it("a miss of a slot before a jail counts while the jail lasts: a jail ending no later than the running one adds nothing to the history", async function () {
      const f = await loadFixture(squadFixture);
      // one miss jails, for two hours
      const jailTime = 2n * BigInt(HOUR);
      await (await f.squad.connect(f.d.deployer).setParameters(GRACE, 1, jailTime, CENSORSHIP_BPS)).wait();
      const leader = f.members[3];
      const [a, b, c] = await slotsLedBy(f, leader, f.firstSlot + 1n, f.lastSlot);
      const jailAt = startOf(c + 1n);
      await time.setNextBlockTimestamp(jailAt);
      await expect(f.squad.connect(f.reporter).reportMiss(f.rollupAddress, c))
        .to.emit(f.squad, "LeaderJailed")
        .withArgs(f.rollupAddress, leader.address, jailAt + jailTime);
      // a, before the jail, reported while it lasts: it could post in a, the miss counts and jails it again
      const againAt = jailAt + 10n;
      await time.setNextBlockTimestamp(againAt);
      await expect(f.squad.connect(f.reporter).reportMiss(f.rollupAddress, a))
        .to.emit(f.squad, "SlotMissed")
        .withArgs(f.rollupAddress, a, leader.address, 1n)
        .and.to.emit(f.squad, "LeaderJailed")
        .withArgs(f.rollupAddress, leader.address, againAt + jailTime)
        .and.to.emit(f.d.operatorSets, "MemberJailed")
        .withArgs(f.setId, leader.address, againAt + jailTime);
      expect(await f.squad.jailCount(f.rollupAddress, leader.address)).to.equal(2n);
      expect(await f.squad.jailAt(f.rollupAddress, leader.address, 1n)).to.deep.equal([againAt, againAt + jailTime]);
      // the owner shortens the jail: b's miss jails it for a minute, ending before the running jail: not recorded
      await (await f.squad.connect(f.d.deployer).setParameters(GRACE, 1, 60n, CENSORSHIP_BPS)).wait();
      const shortAt = againAt + 100n;
      await time.setNextBlockTimestamp(shortAt);
      await expect(f.squad.connect(f.reporter).reportMiss(f.rollupAddress, b))
        .to.emit(f.squad, "LeaderJailed")
        .withArgs(f.rollupAddress, leader.address, shortAt + 60n);
      expect(await f.squad.jailCount(f.rollupAddress, leader.address)).to.equal(2n);
      expect(await f.squad.releasedAt(f.rollupAddress, leader.address)).to.equal(againAt + jailTime);
      expect((await f.d.operatorSets.membership(f.setId, leader.address)).jailedUntil).to.equal(againAt + jailTime);
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
      await (await registry.setDelays(delay, await registry.commissionDelay())).wait();
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
      // SQUAD records the release all the same: its slots until then count no more
      expect(await f.squad.releasedAt(f.rollupAddress, leader.address)).to.equal(jailAt + JAIL_TIME);
    });

    it("no miss is counted while the rollup is paused, for a slot that began before its last resume, or for one ending past an ephemeral rollup's expiry (SquadRollupNotLive)", async function () {
      const f = await loadFixture(squadFixture);
      const reportMiss = (rollup: string, slot: bigint) => f.squad.connect(f.reporter).reportMiss(rollup, slot);
      const slot = f.firstSlot;
      expect(await f.squad.leaderAt(f.rollupAddress, slot)).to.not.equal(ZeroAddress);
      // the leader left its slot empty; the rollup is paused after it
      await time.setNextBlockTimestamp(startOf(slot + 1n) + 10n);
      await (await f.rollup.connect(f.d.council).setPaused(true)).wait();
      await expect(reportMiss(f.rollupAddress, slot))
        .to.be.revertedWithCustomError(f.squad, "SquadRollupNotLive")
        .withArgs(slot);
      // resumed: the slots that began before the resume stay refused, the one it fell in too
      const resumedAt = startOf(slot + 1n) + 20n;
      await time.setNextBlockTimestamp(resumedAt);
      await (await f.rollup.connect(f.d.council).setPaused(false)).wait();
      expect(await f.rollup.resumedAt()).to.equal(resumedAt);
      await time.increaseTo(startOf(slot + 2n));
      for (const refused of [slot, slot + 1n]) {
        await expect(reportMiss(f.rollupAddress, refused))
          .to.be.revertedWithCustomError(f.squad, "SquadRollupNotLive")
          .withArgs(refused);
      }
      // the first slot begun after the resume counts
      const after = slot + 2n;
      await time.increaseTo(startOf(after + 1n));
      await expect(reportMiss(f.rollupAddress, after))
        .to.emit(f.squad, "SlotMissed")
        .withArgs(f.rollupAddress, after, await f.squad.leaderAt(f.rollupAddress, after), 1n);

      // an ephemeral SQUAD rollup expiring in the middle of a slot: that slot is nobody's fault, the one before is judged
      const expiry = startOf(BigInt(await time.latest()) / SLOT + 3n) + SLOT / 2n;
      const ephemeral = await launchRollup(f.d, f.owner, {
        sequencer: ZeroAddress,
        services: SERVICE.SQUAD,
        chainId: 71_005,
        salt: id("squad-ephemeral"),
        expiry,
      });
      const ephemeralAddress = await ephemeral.getAddress();
      expect(await ephemeral.expiry()).to.equal(expiry);
      await time.increaseTo(expiry + SLOT);
      const last = expiry / SLOT;
      await expect(reportMiss(ephemeralAddress, last))
        .to.be.revertedWithCustomError(f.squad, "SquadRollupNotLive")
        .withArgs(last);
      // (its set has no members: the slot before passes the check and has no leader)
      await expect(reportMiss(ephemeralAddress, last - 1n))
        .to.be.revertedWithCustomError(f.squad, "SquadNoLeader")
        .withArgs(last - 1n);
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

    /** The reporter reports item 0's censorship at `reportedAt`: a slash request of `leader` for `slot`; its id. */
    async function expectCensorshipReported(f: Fixture, leader: { address: string }, slot: bigint, reportedAt: bigint) {
      const requestId = await f.d.slashingManager.requestCount();
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
      return requestId;
    }

    it("requests a slash of the leader of the first whole slot after the deadline", async function () {
      const f = await loadFixture(squadFixture);
      const { deadline, slot, slotEnd, leader } = await queueItem(f);
      expect(slot).to.equal(deadline / SLOT + 1n);
      await time.setNextBlockTimestamp(slotEnd);
      await expect(f.rollup.connect(f.forcer).forceInclude(1))
        .to.emit(f.rollup, "SequencerFault")
        .withArgs(f.squadAddress, 0n, deadline);
      const reportedAt = slotEnd + 10n;
      const requestId = await expectCensorshipReported(f, leader, slot, reportedAt);
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
      // it could not post: that slot is no miss of its
      expect((await f.d.operatorSets.membership(f.setId, leader.address)).jailedUntil).to.equal(0n);
      await time.setNextBlockTimestamp(startOf(later + 1n));
      await expect(f.squad.reportMiss(f.rollupAddress, later))
        .to.be.revertedWithCustomError(f.squad, "SquadLeaderJailed")
        .withArgs(later, leader.address);
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
      expect(await f.d.registry.altToBurn()).to.equal(0n);
      await time.setNextBlockTimestamp(executableAt);
      const execution = f.d.slashingManager.execute(requestId);
      await expect(execution)
        .to.emit(f.d.slashingManager, "SlashExecuted")
        .withArgs(requestId, leader.address, f.setId, CENSORSHIP_BPS, amounts)
        .and.to.emit(f.d.operatorSets, "AllocationSlashed")
        .withArgs(f.setId, leader.address, slashed, 0n);
      // the reporter's share stays in the registry until claimed; the rest too, set aside until anyone burns it
      await expect(execution).to.changeTokenBalances(
        f.d.token,
        [f.reporter, await f.d.registry.getAddress()],
        [0n, 0n],
      );
      expect(await f.d.registry.slashProceeds(f.reporter.address, 0)).to.equal(toReporter);
      expect(await f.d.token.totalSupply()).to.equal(supply);
      expect(await f.d.registry.altToBurn()).to.equal(slashed - toReporter);
      const burn = f.d.registry.connect(f.reporter).burnSlashedAlt();
      await expect(burn)
        .to.emit(f.d.registry, "SlashedAltBurned")
        .withArgs(f.reporter.address, slashed - toReporter);
      await expect(burn).to.changeTokenBalances(
        f.d.token,
        [f.reporter, await f.d.registry.getAddress()],
        [0n, -(slashed - toReporter)],
      );
      expect(await f.d.token.totalSupply()).to.equal(supply - (slashed - toReporter));
      expect(await f.d.registry.altToBurn()).to.equal(0n);
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
      // five operators needed from the next epoch on: the set, of four, is not live in it
      await (await setMinimums(f, 5n, MIN_TOTAL_STAKE)).wait();
      // deadline 100 s into the next epoch
      const queuedAt = f.epochEnd + 100n - INCLUSION_DELAY;
      await time.setNextBlockTimestamp(queuedAt);
      await (await f.rollup.connect(f.payer).queueTransaction(TX_HASHES[0], FEES[0])).wait();
      const slot = (queuedAt + INCLUSION_DELAY) / SLOT + 1n;
      expect(await f.d.operatorSets.epochAt(startOf(slot))).to.equal(f.epoch + 1n);
      expect(await f.d.operatorSets.isLive(f.setId, f.epoch + 1n)).to.equal(false);
      expect(await f.squad.leaderAt(f.rollupAddress, slot)).to.equal(ZeroAddress);
      await forceAt(f, startOf(slot + 1n));
      await expect(f.squad.reportCensorship(f.rollupAddress, 0n))
        .to.be.revertedWithCustomError(f.squad, "SquadNotAttributable")
        .withArgs(0n);
    });

    it("refuses to blame a leader for a slot of its SQUAD jail (the slot began before its release), even once the jail is over", async function () {
      const f = await loadFixture(squadFixture);
      const { slot, slotEnd, leader } = await queueItem(f);
      // one miss jails: the item's leader misses an earlier slot of its and is jailed for 7 days
      await (await f.squad.connect(f.d.deployer).setParameters(GRACE, 1, JAIL_TIME, CENSORSHIP_BPS)).wait();
      const [earlier] = await slotsLedBy(f, leader, f.firstSlot + 1n, slot);
      const jailAt = startOf(earlier + 1n);
      const until = jailAt + JAIL_TIME;
      await time.setNextBlockTimestamp(jailAt);
      await expect(f.squad.reportMiss(f.rollupAddress, earlier))
        .to.emit(f.squad, "LeaderJailed")
        .withArgs(f.rollupAddress, leader.address, until);
      expect(await f.squad.releasedAt(f.rollupAddress, leader.address)).to.equal(until);
      expect(startOf(slot)).to.be.lessThan(until);
      await forceAt(f, slotEnd);
      const requests = await f.d.slashingManager.requestCount();
      // while the jail lasts
      await expect(f.squad.connect(f.reporter).reportCensorship(f.rollupAddress, 0n))
        .to.be.revertedWithCustomError(f.squad, "SquadNotAttributable")
        .withArgs(0n);
      // and once it is over (not jailed now: the slot began before the release, it could not post in it)
      await time.setNextBlockTimestamp(until);
      await expect(f.squad.connect(f.reporter).reportCensorship(f.rollupAddress, 0n))
        .to.be.revertedWithCustomError(f.squad, "SquadNotAttributable")
        .withArgs(0n);
      expect((await f.d.operatorSets.membership(f.setId, leader.address)).jailedUntil).to.equal(until);
      expect(BigInt(await time.latest())).to.equal(until);
      expect(await f.d.registry.isJailed(leader.address)).to.equal(false);
      expect(await f.squad.isCensorshipReported(f.rollupAddress, slot)).to.equal(false);
      expect(await f.d.slashingManager.requestCount()).to.equal(requests);
    });

    it("blames a leader that could post in the slot although it was jailed for misses after it", async function () {
      const f = await loadFixture(squadFixture);
      const { slot, slotEnd, leader } = await queueItem(f);
      // four earlier slots of the leader, left empty, reported in the item's slot (by the leader itself, say)
      const earlier = (await slotsLedBy(f, leader, f.firstSlot + 2n, slot)).slice(-4);
      expect(earlier.length).to.equal(4);
      await time.setNextBlockTimestamp(startOf(slot) + 1n);
      for (const s of earlier) await (await f.squad.connect(leader.account).reportMiss(f.rollupAddress, s)).wait();
      expect(await f.squad.misses(f.rollupAddress, leader.address)).to.equal(MAX_MISSES - 1n);
      // it could post in the slot and did not; at the slot's end it reports its own miss of it, the fifth: jailed
      await time.setNextBlockTimestamp(slotEnd);
      await expect(f.squad.connect(leader.account).reportMiss(f.rollupAddress, slot))
        .to.emit(f.squad, "SlotMissed")
        .withArgs(f.rollupAddress, slot, leader.address, MAX_MISSES)
        .and.to.emit(f.squad, "LeaderJailed")
        .withArgs(f.rollupAddress, leader.address, slotEnd + JAIL_TIME);
      await forceAt(f, slotEnd + 1n);
      // the jail began after the slot's grace period: the censorship is the leader's, reported while it is jailed
      expect((await f.d.operatorSets.membership(f.setId, leader.address)).jailedUntil).to.equal(slotEnd + JAIL_TIME);
      await expectCensorshipReported(f, leader, slot, slotEnd + 2n);
      expect(await f.squad.isCensorshipReported(f.rollupAddress, slot)).to.equal(true);
    });

    it("a leader jailed for misses after the grace period of its slot is blamed; one jailed at the grace period's end is not", async function () {
      // one miss jails; an earlier slot of the item's leader is reported at `offset` into the item's slot
      async function jailedAt(offset: bigint) {
        const f = await loadFixture(squadFixture);
        const { slot, slotEnd, leader } = await queueItem(f);
        await (await f.squad.connect(f.d.deployer).setParameters(GRACE, 1, JAIL_TIME, CENSORSHIP_BPS)).wait();
        const [earlier] = await slotsLedBy(f, leader, f.firstSlot + 1n, slot);
        await time.setNextBlockTimestamp(startOf(slot) + offset);
        await expect(f.squad.reportMiss(f.rollupAddress, earlier))
          .to.emit(f.squad, "LeaderJailed")
          .withArgs(f.rollupAddress, leader.address, startOf(slot) + offset + JAIL_TIME);
        await forceAt(f, slotEnd);
        return { f, slot, leader };
      }
      // a second after the grace period: it had the slot to itself until then
      const late = await jailedAt(GRACE + 1n);
      const requestId = await late.f.d.slashingManager.requestCount();
      await expect(late.f.squad.connect(late.f.reporter).reportCensorship(late.f.rollupAddress, 0n))
        .to.emit(late.f.squad, "CensorshipReported")
        .withArgs(late.f.rollupAddress, 0n, late.slot, late.leader.address, requestId);
      // at the grace period's last second: the slot was open to every member from then on
      const early = await jailedAt(GRACE);
      const requests = await early.f.d.slashingManager.requestCount();
      await expect(early.f.squad.connect(early.f.reporter).reportCensorship(early.f.rollupAddress, 0n))
        .to.be.revertedWithCustomError(early.f.squad, "SquadNotAttributable")
        .withArgs(0n);
      expect(await early.f.d.slashingManager.requestCount()).to.equal(requests);
    });

    it("does not blame a leader for a slot of an earlier SQUAD jail after a later jail (nor count its miss)", async function () {
      const f = await loadFixture(squadFixture);
      const { slot, slotEnd, leader } = await queueItem(f);
      // one miss jails, for two hours, or to the whole hour after the item's slot when the leader's last slot before it
      // is further back (the schedule depends on the blocks' times): that slot is reported at its end
      const earlier = (await slotsLedBy(f, leader, f.firstSlot + 1n, slot)).slice(-1)[0];
      const firstJail = startOf(earlier + 1n);
      const hour = BigInt(HOUR);
      const toItem = startOf(slot) + SLOT - firstJail;
      const jailTime = toItem < 2n * hour ? 2n * hour : (toItem / hour + 1n) * hour;
      await (await f.squad.connect(f.d.deployer).setParameters(GRACE, 1, jailTime, CENSORSHIP_BPS)).wait();
      await time.setNextBlockTimestamp(firstJail);
      await (await f.squad.reportMiss(f.rollupAddress, earlier)).wait();
      expect(startOf(slot)).to.be.lessThan(firstJail + jailTime);
      // after the release, a slot of its missed: jailed again
      const [later] = await slotsLedBy(f, leader, (firstJail + jailTime) / SLOT, f.lastSlot);
      const secondJail = startOf(later + 1n);
      await time.setNextBlockTimestamp(secondJail);
      await expect(f.squad.reportMiss(f.rollupAddress, later))
        .to.emit(f.squad, "LeaderJailed")
        .withArgs(f.rollupAddress, leader.address, secondJail + jailTime);
      expect(await f.squad.jailCount(f.rollupAddress, leader.address)).to.equal(2n);
      expect(await f.squad.jailAt(f.rollupAddress, leader.address, 0n)).to.deep.equal([
        firstJail,
        firstJail + jailTime,
      ]);
      expect(await f.squad.jailAt(f.rollupAddress, leader.address, 1n)).to.deep.equal([
        secondJail,
        secondJail + jailTime,
      ]);
      // the item's slot was in the first jail: no censorship, no miss, during the second jail and after it
      await forceAt(f, secondJail + 1n);
      for (const at of [secondJail + 2n, secondJail + jailTime]) {
        await time.setNextBlockTimestamp(at);
        await expect(f.squad.connect(f.reporter).reportCensorship(f.rollupAddress, 0n))
          .to.be.revertedWithCustomError(f.squad, "SquadNotAttributable")
          .withArgs(0n);
        await expect(f.squad.connect(f.reporter).reportMiss(f.rollupAddress, slot))
          .to.be.revertedWithCustomError(f.squad, "SquadLeaderJailed")
          .withArgs(slot, leader.address);
      }
      expect(await f.squad.isCensorshipReported(f.rollupAddress, slot)).to.equal(false);
      expect(slotEnd).to.be.lessThan(secondJail);
    });

    it("refuses to blame a leader jailed now (by a pending slash request): it could not post, the slot was open to every member", async function () {
      const f = await loadFixture(squadFixture);
      const { slot, leader } = await queueItem(f);
      // item 1, queued so that the first whole slot after its deadline is a later slot of the same leader
      const [slot1] = await slotsLedBy(f, leader, slot + 1n, slot + 200n);
      const queuedAt = startOf(slot1 - 1n) + 10n - INCLUSION_DELAY;
      await time.setNextBlockTimestamp(queuedAt);
      await (await f.rollup.connect(f.payer).queueTransaction(TX_HASHES[1], FEES[1])).wait();
      expect((await f.rollup.queuedTransaction(1n)).deadline / SLOT + 1n).to.equal(slot1);
      // both forced in once slot1 is over
      const forcedAt = startOf(slot1 + 1n);
      await time.setNextBlockTimestamp(forcedAt);
      await (await f.rollup.connect(f.forcer).forceInclude(2)).wait();
      expect((await f.rollup.queuedTransaction(1n)).forcedAt).to.equal(forcedAt);
      // item 0's report puts a slash request against the leader: pending, it jails the leader in the registry
      const requestId = await f.d.slashingManager.requestCount();
      await expect(f.squad.connect(f.reporter).reportCensorship(f.rollupAddress, 0n))
        .to.emit(f.squad, "CensorshipReported")
        .withArgs(f.rollupAddress, 0n, slot, leader.address, requestId);
      expect(await f.d.registry.isJailed(leader.address)).to.equal(true);
      expect(await f.squad.releasedAt(f.rollupAddress, leader.address)).to.equal(0n);
      expect((await f.d.operatorSets.membership(f.setId, leader.address)).jailedUntil).to.equal(0n);
      // item 1's slot is another: not reported yet, but its leader is jailed now
      await expect(f.squad.connect(f.reporter).reportCensorship(f.rollupAddress, 1n))
        .to.be.revertedWithCustomError(f.squad, "SquadNotAttributable")
        .withArgs(1n);
      expect(await f.squad.isCensorshipReported(f.rollupAddress, slot1)).to.equal(false);
      expect(await f.d.slashingManager.requestCount()).to.equal(requestId + 1n);
    });

    it("refuses a second report of the same slot: already reported while the first request is pending, and once it is executed", async function () {
      const f = await loadFixture(squadFixture);
      const { slot, slotEnd, leader } = await queueItem(f);
      await forceAt(f, slotEnd + 30n);
      const requestId = await f.d.slashingManager.requestCount();
      const reportedAt = slotEnd + 31n;
      await time.setNextBlockTimestamp(reportedAt);
      await (await f.squad.connect(f.reporter).reportCensorship(f.rollupAddress, 0n)).wait();
      const requests = requestId + 1n;
      expect(await f.d.slashingManager.requestCount()).to.equal(requests);
      // while the request is pending (the leader jailed in the registry), the slot is reported already
      expect(await f.d.registry.isJailed(leader.address)).to.equal(true);
      await expect(f.squad.connect(f.stranger).reportCensorship(f.rollupAddress, 0n))
        .to.be.revertedWithCustomError(f.squad, "SquadAlreadyReported")
        .withArgs(slot);
      // executed, the request frees the leader; the slot stays reported
      await time.setNextBlockTimestamp(reportedAt + VETO_WINDOW);
      await (await f.d.slashingManager.execute(requestId)).wait();
      expect(await f.d.registry.isJailed(leader.address)).to.equal(false);
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

    it("never meets a SQUAD rollup with a centralised sequencer: the factory refuses to create one (SquadNotSequencer stays a second guard)", async function () {
      const f = await loadFixture(squadFixture);
      const params = createParams(f.owner.address, {
        services: SERVICE.SQUAD,
        sequencer: f.owner.address,
        chainId: 71_004,
        salt: id("squad-central"),
      });
      await expect(f.d.factory.connect(f.owner).createRollup(params))
        .to.be.revertedWithCustomError(f.d.factory, "FactorySquadWithSequencer")
        .withArgs(f.owner.address);
      expect(await f.d.factory.rollupByChainId(71_004)).to.equal(ZeroAddress);
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
      expect(slot <= f.lastSlot).to.equal(true); // a slot of the fixture's epoch, drawn with the seed 0
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
