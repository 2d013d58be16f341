// The SQUAD sequencing tasks (tasks/squad.ts): squad schedule (the leaders of the next slots) and squad post-batch (a
// batch posted by the leader of the current slot, or by another member after the grace period or in a slot without
// leader, with forced-queue items included), against the staged deployment of `deploy services` (servicesTaskFixture:
// rollup 5002 is SQUAD-sequenced). Every leader is drawn by hand (OperatorSets.drawAt replayed over the operators'
// allocations counted in the epoch before the slot's, in draw-index order, with the rollup's seed for the slot's epoch,
// committed in the epoch before and revealed in the committed block) and checked against SquadService.leaderAt; and
// squad reveal-seed (the keeper's seed duty: commit, then reveal in the target block); slots are chosen with
// time.increaseTo (a task's transaction is mined one second after the latest block; squad post-batch reports the slot
// of the block its batch was mined in).
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, id, keccak256, toQuantity, Wallet, ZeroAddress, ZeroHash } from "ethers";
import { parseDuration } from "../../deploy/lib/units";
import { ALT } from "../helpers/constants";
import { coverageRunning } from "../helpers/coverage";
import { stagedParameters } from "../helpers/parameters";
import { OPERATOR_STAKES, servicesTaskFixture } from "../helpers/serviceTasks";
import { expectRefused, expectTaskFailure, isoTime, load, runTask, task, transaction } from "../helpers/tasks";
import { nextEpoch } from "../helpers/time";
import { drawFrom } from "../helpers/draw";
import { relativeTime } from "../../tasks/lib/cli";

const coder = AbiCoder.defaultAbiCoder();
const parameters = stagedParameters();
/** deploy/parameters/hardhat.json: SQUAD slots of 5 minutes, 2 minutes of grace; 1-day epochs. */
const SLOT = BigInt(parseDuration(parameters.services!.squad.slotLength));
const GRACE = BigInt(parseDuration(parameters.services!.squad.gracePeriod));
const EPOCH = BigInt(parseDuration(parameters.restaking.epochLength));
/** SquadService keeps a rollup's seeds in 208 bits. */
const SEED_MASK = 2n ** 208n - 1n;
/** SquadService.SEED_DELAY: blocks from a seed's commitment to the block it is revealed in. */
const SEED_DELAY = 64n;
/** tasks/squad.ts MAX_SLOTS. */
const MAX_SLOTS = 500;

interface TxReport {
  hash: string;
  gasUsed: string;
  block: number;
}

interface SlotView {
  slot: bigint;
  start: number;
  openToAllAt: number;
  leader: string;
}

interface ScheduleResult {
  rollup: string;
  slotLength: bigint;
  gracePeriod: bigint;
  slots: SlotView[];
}

interface SeedResult {
  rollup: string;
  epoch: bigint;
  action: "committed" | "revealed";
  target: bigint;
  seed?: bigint;
  tx: TxReport;
}

interface PostResult {
  rollup: string;
  slot: bigint;
  leader: string;
  poster: string;
  byLeader: boolean;
  commitment: string;
  included: bigint;
  fees: bigint;
  tx: TxReport;
}

const txLine = (what: string, tx: TxReport) => `${what}: tx ${tx.hash} (gas ${tx.gasUsed}, block ${tx.block})`;
const blockTime = async (block: number) => BigInt((await hre.ethers.provider.getBlock(block))!.timestamp);
/** A block's prevrandao: its mixHash (the provider's Block leaves `prevRandao` null). */
const prevRandao = async (block: number): Promise<string> =>
  (await hre.ethers.provider.send("eth_getBlockByNumber", [toQuantity(block), false])).mixHash;
const latest = async () => BigInt(await time.latest());
/** keccak256(abi.encode(prevRoot, commitment, queueHeadAfter)): the next head of the rollup's batch hash chain. */
const batchRootOf = (prev: string, commitment: string, queueHead: bigint) =>
  keccak256(coder.encode(["bytes32", "bytes32", "uint256"], [prev, commitment, queueHead]));
/**
 * The seed of `epoch` a reveal sets: keccak256(abi.encode(latest seed, prevrandao of the committed block, epoch)), its
 * low 208 bits.
 */
const mixSeed = (seed: bigint, randao: string, epoch: bigint) =>
  BigInt(keccak256(coder.encode(["uint256", "uint256", "uint256"], [seed, randao, epoch]))) & SEED_MASK;
/** Mines up to the block before `target`: a transaction sent next lands in it. */
const mineTo = async (target: bigint) => {
  const latestBlock = BigInt(await hre.ethers.provider.getBlockNumber());
  if (target - latestBlock > 1n) await mine(target - latestBlock - 1n);
};
const slotView = (slot: bigint, leader: string): SlotView => ({
  slot,
  start: Number(slot * SLOT),
  openToAllAt: Number(slot * SLOT + GRACE),
  leader,
});

/** An operator counted in an epoch and its allocation. */
interface Entry {
  operator: string;
  allocation: bigint;
}

/**
 * Rollup 5002 registered in SQUAD and operators 0..3 in its set in that order, all their stake allocated, in epoch
 * `joinEpoch`: their allocations count from the next epoch on, none in this one.
 */
async function joinedFixture() {
  const f = await loadFixture(servicesTaskFixture);
  await (await f.squad.registerRollup(f.squadRollupAddress)).wait();
  const setId = await f.squad.setIdOf(f.squadRollupAddress);
  for (const op of f.operators) {
    await (await f.sets.connect(op.signer).join(setId, await f.sets.freeStake(op.address))).wait();
  }
  const joinEpoch = await f.sets.currentEpoch();
  return { ...f, setId, joinEpoch, squadAddress: await f.squad.getAddress() };
}

type Joined = Awaited<ReturnType<typeof joinedFixture>>;

/**
 * The epoch after the joins has begun (`countEpoch`): the allocations count in it, but its leaders would be drawn from
 * the joins' epoch, which counted none: no slot beginning in it has a leader. The latest block is mined 100 s into slot
 * `firstSlot`.
 */
async function countedFixture() {
  const f = await loadFixture(joinedFixture);
  const countEpoch = await nextEpoch(f.sets);
  const firstSlot = (await latest()) / SLOT + 1n;
  await time.increaseTo(firstSlot * SLOT + 100n);
  return { ...f, countEpoch, firstSlot };
}

/**
 * The epoch after that has begun (`epoch`): its leaders are drawn from the allocations counted in the one before (the
 * four whole stakes), so every slot beginning in it has a leader; the latest block is mined 100 s into slot
 * `firstSlot`. No batch was posted: the seed is 0.
 */
async function drawnFixture() {
  const f = await loadFixture(countedFixture);
  const epoch = await nextEpoch(f.sets);
  const firstSlot = (await latest()) / SLOT + 1n;
  await time.increaseTo(firstSlot * SLOT + 100n);
  return { ...f, epoch, firstSlot };
}

/** The four operators' whole stakes in join order: the draw-index order while nobody left. */
const joinOrder = (f: Joined): Entry[] =>
  f.operators.map((op, i) => ({ operator: op.address, allocation: OPERATOR_STAKES[i] }));

/**
 * The leaders of `count` slots from `first`, drawn by hand. A slot of epoch E has a leader when the set is live in E
 * and in E - 1 (here: when something counts in both, the set needing one member and 1,000 ALT); it is drawn from the
 * allocations counted in E - 1, in draw-index order (`counted`; by default none up to the joins' epoch, the four whole
 * stakes in join order from the next one), with the rollup's seed for E and the random number
 * keccak256(abi.encode(seed, rollup, slot)).
 */
async function drawLeaders(
  f: Joined,
  first: bigint,
  count: number,
  counted: (epoch: bigint) => Entry[] = (epoch) => (epoch <= f.joinEpoch ? [] : joinOrder(f)),
): Promise<string[]> {
  const genesis = await f.sets.epochStart(0);
  const rollup = f.squadRollupAddress;
  const seeds = new Map<bigint, bigint>();
  const leaders: string[] = [];
  for (let i = 0n; i < BigInt(count); i++) {
    const slot = first + i;
    const start = slot * SLOT;
    const epoch = start < genesis ? 0n : (start - genesis) / EPOCH;
    if (epoch === 0n || counted(epoch).length === 0 || counted(epoch - 1n).length === 0) {
      leaders.push(ZeroAddress);
      continue;
    }
    if (!seeds.has(epoch)) seeds.set(epoch, await f.squad.seedAt(rollup, epoch));
    const random = BigInt(
      keccak256(coder.encode(["uint256", "address", "uint256"], [seeds.get(epoch)!, rollup, slot])),
    );
    leaders.push(drawFrom(counted(epoch - 1n), random));
  }
  return leaders;
}

/** The first slot from `from` whose (hand-drawn) leader passes `accept`, and that leader. */
async function findSlot(f: Joined, from: bigint, accept: (leader: string, next: string) => boolean) {
  const leaders = await drawLeaders(f, from, 41);
  for (let i = 0; i < 40; i++) {
    if (accept(leaders[i], leaders[i + 1])) return { slot: from + BigInt(i), leader: leaders[i], next: leaders[i + 1] };
  }
  throw new Error("no such slot in the next 40");
}

/** The operators other than `leader`. */
const othersThan = (f: Joined, leader: string) => f.operators.filter((op) => op.address !== leader);

describe("squad tasks", function () {
  describe("squad schedule", function () {
    it("shows no leader in the epoch of the joins, nor in the next, whose leaders would be drawn from the joins' (JSON, 10 slots by default)", async function () {
      const f = await load(joinedFixture);
      const first = (await latest()) / SLOT;
      // the ten slots begin in the epoch of the joins, in which the set counts no stake
      expect(await f.sets.epochAt((first + 9n) * SLOT)).to.equal(f.joinEpoch);
      expect(await f.sets.isLive(f.setId, f.joinEpoch)).to.equal(false);
      const result = await task<ScheduleResult>("squad schedule", { rollup: "5002", json: true });
      const [slotLength, gracePeriod] = await f.squad.parameters();
      expect([slotLength, gracePeriod]).to.deep.equal([SLOT, GRACE]);
      expect(result).to.deep.equal({
        rollup: f.squadRollupAddress,
        slotLength: SLOT,
        gracePeriod: GRACE,
        slots: Array.from({ length: 10 }, (_, i) => slotView(first + BigInt(i), ZeroAddress)),
      });
      for (const { slot } of result.slots) {
        expect(await f.squad.leaderAt(f.squadRollupAddress, slot)).to.equal(ZeroAddress);
      }

      // the next epoch: the four whole stakes count and the set is live in it, not in the epoch before
      const g = await load(countedFixture);
      const operators = g.operators.map((op) => op.address);
      expect(await g.sets.allocationsAt(g.setId, operators, g.countEpoch)).to.deep.equal(OPERATOR_STAKES);
      expect([await g.sets.isLive(g.setId, g.countEpoch), await g.sets.isLive(g.setId, g.joinEpoch)]).to.deep.equal([
        true,
        false,
      ]);
      expect(await g.sets.epochAt((g.firstSlot + 9n) * SLOT)).to.equal(g.countEpoch);
      const counted = await task<ScheduleResult>("squad schedule", { rollup: "5002", json: true });
      expect(counted.slots).to.deep.equal(
        Array.from({ length: 10 }, (_, i) => slotView(g.firstSlot + BigInt(i), ZeroAddress)),
      );
      expect(await drawLeaders(g, g.firstSlot, 10)).to.deep.equal(counted.slots.map((s) => s.leader));
      expect(await g.squad.schedule(g.squadRollupAddress, g.firstSlot, 10)).to.deep.equal(
        counted.slots.map((s) => s.leader),
      );
    });

    it("draws every slot's leader by stake from the allocations counted in the epoch before its own (JSON)", async function () {
      const f = await load(drawnFixture);
      const first = f.firstSlot;
      expect((await latest()) / SLOT).to.equal(first);
      // what the hand draw assumes: the four whole stakes count in the epoch before, the seed is 0
      const operators = f.operators.map((op) => op.address);
      expect(await f.sets.allocationsAt(f.setId, operators, f.epoch - 1n)).to.deep.equal(OPERATOR_STAKES);
      expect(await f.squad.seedAt(f.squadRollupAddress, f.epoch)).to.equal(0n);
      const result = await task<ScheduleResult>("squad schedule", {
        rollup: f.squadRollupAddress.toLowerCase(),
        slots: "24",
        json: true,
      });
      const leaders = await drawLeaders(f, first, 24);
      expect(leaders).not.to.include(ZeroAddress);
      // stake-weighted over the whole set: 24 draws do not all fall on one operator
      expect(new Set(leaders).size).to.be.greaterThan(1);
      expect(result).to.deep.equal({
        rollup: f.squadRollupAddress,
        slotLength: SLOT,
        gracePeriod: GRACE,
        slots: leaders.map((leader, i) => slotView(first + BigInt(i), leader)),
      });
      expect(await f.squad.schedule(f.squadRollupAddress, first, 24)).to.deep.equal(leaders);
      for (const { slot, leader } of result.slots) {
        expect(await f.squad.leaderAt(f.squadRollupAddress, slot)).to.equal(leader);
      }
    });

    it("shows the next epoch's leaders drawn with the seed the first batch of an epoch committed and squad reveal-seed revealed: later batches do not re-roll it, nor change a schedule (text)", async function () {
      const f = await load(drawnFixture);
      const rollup = f.squadRollupAddress;
      const epochOne = await f.sets.epochStart(f.epoch + 1n);
      const boundary = epochOne / SLOT; // the slot in progress when the next epoch begins
      const first = boundary - 3n;
      await time.increaseTo(first * SLOT + 10n);
      // no batch yet in this epoch: the next one inherits the latest seed, 0
      expect(await f.squad.seedAt(rollup, f.epoch + 1n)).to.equal(0n);
      // the first batch of this epoch commits the next one's seed to the block SEED_DELAY blocks on
      const [leader] = await drawLeaders(f, first, 1);
      const posted = await task<PostResult>("squad post-batch", {
        rollup,
        commitment: "mix",
        from: leader,
        json: true,
      });
      expect([posted.slot, posted.byLeader]).to.deep.equal([first, true]);
      expect(await f.squad.seedCommitment(rollup)).to.deep.equal([
        f.epoch + 1n,
        BigInt(posted.tx.block) + SEED_DELAY,
        false,
      ]);
      expect(await f.squad.seedAt(rollup, f.epoch + 1n)).to.equal(0n);
      // revealed in that block, its prevrandao mixed in
      await mineTo(BigInt(posted.tx.block) + SEED_DELAY);
      const revealed = await task<SeedResult>("squad reveal-seed", { rollup, json: true });
      expect(BigInt(revealed.tx.block)).to.equal(BigInt(posted.tx.block) + SEED_DELAY);
      const seed = mixSeed(0n, await prevRandao(revealed.tx.block), f.epoch + 1n);
      expect(await f.squad.seedAt(rollup, f.epoch + 1n)).to.equal(seed);
      expect(await f.squad.seedAt(rollup, f.epoch)).to.equal(0n);
      // the leader posts again, in a block with randomness of its own: the seed stays
      const again = await task<PostResult>("squad post-batch", {
        rollup,
        commitment: "re-roll",
        from: leader,
        json: true,
      });
      expect([again.slot, again.byLeader]).to.deep.equal([first, true]);
      expect(await prevRandao(again.tx.block)).not.to.equal(await prevRandao(posted.tx.block));
      expect(await f.squad.seedAt(rollup, f.epoch + 1n)).to.equal(seed);

      const { result, lines } = await runTask<ScheduleResult>("squad schedule", {
        rollup: "5002",
        slots: "7",
        json: false,
      });
      const leaders = await drawLeaders(f, first, 7);
      expect(leaders).not.to.include(ZeroAddress);
      expect(await f.sets.epochAt((first + 6n) * SLOT)).to.equal(f.epoch + 1n);
      expect(result.slots).to.deep.equal(leaders.map((l, i) => slotView(first + BigInt(i), l)));
      // slots of 5 minutes, 2 of grace; start times relative to the latest block
      const now = Number(await latest());
      expect(lines).to.deep.equal([
        `SQUAD schedule of ${rollup} (slots of 5m, open to every member after 2m):`,
        ...leaders.map((l, i) => {
          const slot = first + BigInt(i);
          const start = `${isoTime(slot * SLOT)} (${relativeTime(Number(slot * SLOT), now)})`;
          return `  slot ${slot} from ${start}: ${l === ZeroAddress ? "no leader (any member)" : l}`;
        }),
      ]);

      // the first batch of the next epoch commits the seed of the one after, revealed, leaving its own schedule as it was
      await time.increaseTo(epochOne + 10n);
      const slot = (epochOne + 11n) / SLOT;
      const current = await f.squad.leaderAt(rollup, slot);
      expect(current).to.equal(leaders[Number(slot - first)]);
      const next = await task<PostResult>("squad post-batch", {
        rollup,
        commitment: "mix",
        from: current,
        json: true,
      });
      expect([next.slot, next.byLeader]).to.deep.equal([slot, true]);
      await mineTo(BigInt(next.tx.block) + SEED_DELAY);
      const nextSeed = await task<SeedResult>("squad reveal-seed", { rollup, json: true });
      expect(await f.squad.seedAt(rollup, f.epoch + 1n)).to.equal(seed);
      expect(await f.squad.seedAt(rollup, f.epoch + 2n)).to.equal(
        mixSeed(seed, await prevRandao(nextSeed.tx.block), f.epoch + 2n),
      );
      expect(await f.squad.schedule(rollup, first, 7)).to.deep.equal(leaders);
    });

    it(`reads up to ${MAX_SLOTS} slots at once, across epochs`, async function () {
      const f = await load(drawnFixture);
      const first = f.firstSlot;
      const result = await task<ScheduleResult>("squad schedule", {
        rollup: "5002",
        slots: String(MAX_SLOTS),
        json: true,
      });
      const leaders = await drawLeaders(f, first, MAX_SLOTS);
      // 500 slots of 5 minutes outlast the 1-day epoch: the last ones begin in the next, drawn the same way
      expect(await f.sets.epochAt((first + BigInt(MAX_SLOTS) - 1n) * SLOT)).to.equal(f.epoch + 1n);
      expect(leaders).not.to.include(ZeroAddress);
      expect(result.slots).to.deep.equal(leaders.map((leader, i) => slotView(first + BigInt(i), leader)));
    });

    it("refuses a bad --slots, an unknown rollup, one not registered in SQUAD and one that does not use it", async function () {
      const f = await load(servicesTaskFixture);
      const args = { rollup: "5002", slots: "10", json: true };
      // nobody has joined SQUAD for rollup 5002 yet; rollup 5001 is centrally sequenced
      await expectRefused(
        "squad schedule",
        args,
        `${f.squadRollupAddress} is not registered in SQUAD (service join registers it)`,
      );
      await expectRefused("squad schedule", { ...args, rollup: "5001" }, `${f.rollupAddress} does not use SQUAD`);
      await expectRefused("squad schedule", { ...args, rollup: "5003" }, "no rollup has chain ID 5003");
      const squad = await f.squad.getAddress();
      await expectRefused("squad schedule", { ...args, rollup: squad }, `${squad} is not a rollup of the factory`);
      await expectRefused("squad schedule", { ...args, rollup: "rollup" }, "--rollup is not a valid address: rollup");
      for (const slots of ["0", "2.5", "-1", "ten"]) {
        await expectRefused(
          "squad schedule",
          { ...args, slots },
          `--slots must be a positive whole number, not ${slots}`,
        );
      }
      await expectRefused(
        "squad schedule",
        { ...args, slots: String(MAX_SLOTS + 1) },
        `--slots is at most ${MAX_SLOTS}`,
      );
    });
  });

  describe("squad post-batch", function () {
    before(function () {
      // slot timing to the second: instrumented runs are too slow to land a post in its planned slot
      if (coverageRunning()) this.skip();
    });

    it("posts as the leader of the current slot, a 32-byte hex commitment as it is (JSON)", async function () {
      const f = await load(drawnFixture);
      const rollup = f.squadRollupAddress;
      const slot = f.firstSlot + 1n;
      const [leader] = await drawLeaders(f, slot, 1);
      expect(await f.squad.leaderAt(rollup, slot)).to.equal(leader);
      await time.increaseTo(slot * SLOT); // the batch is mined one second into the slot
      const commitment = id("batch 0");
      const before = await f.token.balanceOf(leader);
      const result = await task<PostResult>("squad post-batch", {
        rollup: "5002",
        commitment,
        from: leader,
        json: true,
      });
      expect(await blockTime(result.tx.block)).to.equal(slot * SLOT + 1n);
      expect(result).to.deep.equal({
        rollup,
        slot,
        leader,
        poster: leader,
        byLeader: true,
        commitment,
        included: 0n,
        fees: 0n,
        tx: result.tx,
      });
      const receipt = (await hre.ethers.provider.getTransactionReceipt(result.tx.hash))!;
      expect([receipt.from, receipt.to, receipt.status]).to.deep.equal([leader, f.squadAddress, 1]);
      expect(result.tx).to.deep.equal({
        hash: receipt.hash,
        gasUsed: receipt.gasUsed.toString(),
        block: receipt.blockNumber,
      });
      const root = batchRootOf(ZeroHash, commitment, 0n);
      await expect(transaction(result.tx.hash))
        .to.emit(f.squad, "BatchPosted")
        .withArgs(rollup, slot, leader, true)
        .and.to.emit(f.squadRollup, "BatchAppended")
        .withArgs(0, commitment, root, f.squadAddress)
        .and.not.to.emit(f.squadRollup, "TransactionsIncluded");
      expect([await f.squadRollup.batchCount(), await f.squadRollup.batchRoot()]).to.deep.equal([1n, root]);
      expect(await f.squad.slotMarks(rollup, slot)).to.deep.equal([true, false]);
      expect(await f.token.balanceOf(leader)).to.equal(before);
    });

    it("hashes a text commitment, and hex that is not 32 bytes, printing the batch (text mode)", async function () {
      const f = await load(drawnFixture);
      const rollup = f.squadRollupAddress;
      const slot = f.firstSlot + 1n;
      const [leader] = await drawLeaders(f, slot, 1);
      await time.increaseTo(slot * SLOT + 30n);
      const text = "L2 blocks 1-100 (blob 0x01)";
      const first = await runTask<PostResult>("squad post-batch", {
        rollup,
        commitment: text,
        from: leader,
        json: false,
      });
      expect(first.result.commitment).to.equal(id(text));
      expect(first.result.slot).to.equal(slot);
      expect(first.lines).to.deep.equal([
        txLine(`batch ${id(text)} posted in slot ${slot} as leader`, first.result.tx),
      ]);
      // the leader posts again in its slot; "0x1234" is not a 32-byte value: hashed as text
      const second = await runTask<PostResult>("squad post-batch", {
        rollup: "5002",
        commitment: "0x1234",
        from: leader,
        json: false,
      });
      expect(second.result.commitment).to.equal(id("0x1234"));
      expect(second.result.byLeader).to.equal(true);
      expect(second.lines).to.deep.equal([
        txLine(`batch ${id("0x1234")} posted in slot ${slot} as leader`, second.result.tx),
      ]);
      const root = batchRootOf(batchRootOf(ZeroHash, id(text), 0n), id("0x1234"), 0n);
      await expect(transaction(second.result.tx.hash))
        .to.emit(f.squadRollup, "BatchAppended")
        .withArgs(1, id("0x1234"), root, f.squadAddress);
      expect(await f.squadRollup.batchRoot()).to.equal(root);
    });

    it("lets another member post from the end of the grace period, for the leader (JSON, then text)", async function () {
      const f = await load(drawnFixture);
      const rollup = f.squadRollupAddress;
      const slot = f.firstSlot + 1n;
      const [leader] = await drawLeaders(f, slot, 1);
      const [member, another] = othersThan(f, leader);
      // mined in the first second open to all
      await time.increaseTo(slot * SLOT + GRACE - 1n);
      const commitment = id("late batch");
      const result = await task<PostResult>("squad post-batch", {
        rollup: "5002",
        commitment,
        from: member.address,
        json: true,
      });
      expect(await blockTime(result.tx.block)).to.equal(slot * SLOT + GRACE);
      expect(result).to.deep.equal({
        rollup,
        slot,
        leader,
        poster: member.address,
        byLeader: false,
        commitment,
        included: 0n,
        fees: 0n,
        tx: result.tx,
      });
      await expect(transaction(result.tx.hash))
        .to.emit(f.squad, "BatchPosted")
        .withArgs(rollup, slot, member.address, false);
      // the leader did not post: the slot stays unmarked (its miss can be reported)
      expect(await f.squad.slotMarks(rollup, slot)).to.deep.equal([false, false]);

      const { result: next, lines } = await runTask<PostResult>("squad post-batch", {
        rollup,
        commitment: "catch-up",
        from: another.address,
        json: false,
      });
      expect([next.slot, next.poster, next.byLeader]).to.deep.equal([slot, another.address, false]);
      expect(lines).to.deep.equal([
        txLine(`batch ${id("catch-up")} posted in slot ${slot} for leader ${leader}`, next.tx),
      ]);
      expect(await f.squadRollup.batchCount()).to.equal(2n);
    });

    it("lets any member post at once in a slot without leader (JSON)", async function () {
      // the epoch of the joins, in which nothing counts yet (10 s into a slot: the batch is mined before the grace
      // period ends)
      const f = await load(joinedFixture);
      const member = f.operators[3];
      const slot = (await latest()) / SLOT + 1n;
      await time.increaseTo(slot * SLOT + 10n);
      expect(await f.squad.leaderAt(f.squadRollupAddress, slot)).to.equal(ZeroAddress);
      const result = await task<PostResult>("squad post-batch", {
        rollup: "5002",
        commitment: "no leader",
        from: member.address,
        json: true,
      });
      expect(await blockTime(result.tx.block)).to.equal(slot * SLOT + 11n);
      expect(result).to.deep.equal({
        rollup: f.squadRollupAddress,
        slot,
        leader: ZeroAddress,
        poster: member.address,
        byLeader: false,
        commitment: id("no leader"),
        included: 0n,
        fees: 0n,
        tx: result.tx,
      });
      await expect(transaction(result.tx.hash))
        .to.emit(f.squad, "BatchPosted")
        .withArgs(f.squadRollupAddress, slot, member.address, false);

      // and in an epoch in which the set is not live: five operators required from the next epoch on
      const g = await load(drawnFixture);
      const defaults = await g.squad.setDefaults();
      await (
        await g.squad.connect(g.deployer).updateRollupSet(g.squadRollupAddress, {
          minStake: defaults.minStake,
          maxSize: defaults.maxSize,
          minMembers: 5n,
          minTotalStake: defaults.minTotalStake,
        })
      ).wait();
      const next = await nextEpoch(g.sets);
      expect(await g.sets.isLive(g.setId, next)).to.equal(false);
      const later = (await latest()) / SLOT + 1n;
      await time.increaseTo(later * SLOT + 10n);
      const posted = await task<PostResult>("squad post-batch", {
        rollup: "5002",
        commitment: "not live",
        from: g.operators[2].address,
        json: true,
      });
      expect(await blockTime(posted.tx.block)).to.equal(later * SLOT + 11n);
      expect([posted.slot, posted.leader, posted.poster, posted.byLeader]).to.deep.equal([
        later,
        ZeroAddress,
        g.operators[2].address,
        false,
      ]);
      expect(await g.squadRollup.batchCount()).to.equal(1n);
    });

    it("includes forced-queue items with --include, passing their fees to the poster (JSON, then text)", async function () {
      const f = await load(drawnFixture);
      const rollup = f.squadRollupAddress;
      const fees = [5n * ALT, ALT, (7n * ALT) / 2n]; // the second pays exactly the factory's minimum
      await (await f.token.connect(f.outsider).approve(rollup, 10n * ALT)).wait();
      for (const [i, fee] of fees.entries()) {
        await (await f.squadRollup.connect(f.outsider).queueTransaction(id(`forced ${i}`), fee)).wait();
      }
      const slot = f.firstSlot + 1n;
      const [leader] = await drawLeaders(f, slot, 1);
      await time.increaseTo(slot * SLOT);
      const [leaderBefore, rollupBefore] = [await f.token.balanceOf(leader), await f.token.balanceOf(rollup)];
      const commitment = id("with two forced");
      const result = await task<PostResult>("squad post-batch", {
        rollup: "5002",
        commitment,
        include: "2",
        from: leader,
        json: true,
      });
      expect(result).to.deep.equal({
        rollup,
        slot,
        leader,
        poster: leader,
        byLeader: true,
        commitment,
        included: 2n,
        fees: fees[0] + fees[1],
        tx: result.tx,
      });
      const root = batchRootOf(ZeroHash, commitment, 2n);
      await expect(transaction(result.tx.hash))
        .to.emit(f.squadRollup, "TransactionsIncluded")
        .withArgs(0, 2, f.squadAddress)
        .and.to.emit(f.squadRollup, "BatchAppended")
        .withArgs(0, commitment, root, f.squadAddress);
      expect(await f.token.balanceOf(leader)).to.equal(leaderBefore + fees[0] + fees[1]);
      expect(await f.token.balanceOf(rollup)).to.equal(rollupBefore - fees[0] - fees[1]);
      expect(await f.token.balanceOf(f.squadAddress)).to.equal(0n);
      expect(await f.squadRollup.queueHead()).to.equal(2n);
      const included = async (i: number) => (await f.squadRollup.queuedTransaction(i)).included;
      expect([await included(0), await included(1), await included(2)]).to.deep.equal([true, true, false]);

      const { result: last, lines } = await runTask<PostResult>("squad post-batch", {
        rollup,
        commitment: "the last forced item",
        include: "1",
        from: leader,
        json: false,
      });
      expect([last.included, last.fees]).to.deep.equal([1n, fees[2]]);
      expect(lines).to.deep.equal([
        txLine(`batch ${id("the last forced item")} posted in slot ${slot} as leader`, last.tx),
        "  inclusion fees received: 3.5 ALT",
      ]);
      expect(await f.token.balanceOf(leader)).to.equal(leaderBefore + fees[0] + fees[1] + fees[2]);
      expect(await f.squadRollup.queueHead()).to.equal(3n);
      expect(await f.squadRollup.batchRoot()).to.equal(batchRootOf(root, id("the last forced item"), 3n));
    });

    it("refuses a bad --include or --from, an unknown rollup, one not registered in SQUAD and one that does not use it", async function () {
      const f = await load(drawnFixture);
      const from = f.operators[0].address;
      const args = { rollup: "5002", commitment: "batch", include: "0", from, json: true };
      for (const include of ["two", "-1", "1.5", "0x1"]) {
        await expectRefused(
          "squad post-batch",
          { ...args, include },
          `--include must be a whole number, not ${include}`,
        );
      }
      await expectRefused("squad post-batch", { ...args, rollup: "5001" }, `${f.rollupAddress} does not use SQUAD`);
      await expectRefused("squad post-batch", { ...args, rollup: "77" }, "no rollup has chain ID 77");
      const token = await f.token.getAddress();
      await expectRefused("squad post-batch", { ...args, rollup: token }, `${token} is not a rollup of the factory`);
      const stranger = Wallet.createRandom().address;
      await expectRefused(
        "squad post-batch",
        { ...args, from: stranger },
        `--from ${stranger} is not an account of network hardhat`,
      );
      await expectRefused("squad post-batch", { ...args, from: "0xzz" }, "--from is not a valid address: 0xzz");
      expect(await f.squadRollup.batchCount()).to.equal(0n);

      const g = await load(servicesTaskFixture);
      await expectRefused(
        "squad post-batch",
        args,
        `${g.squadRollupAddress} is not registered in SQUAD (service join registers it)`,
      );
    });

    it("ends on the contract's refusal of a member that is not the leader before the grace period, in one line", async function () {
      const f = await load(drawnFixture);
      const slot = f.firstSlot + 1n;
      const [leader] = await drawLeaders(f, slot, 1);
      const [member] = othersThan(f, leader);
      await time.increaseTo(slot * SLOT + GRACE - 2n); // mined in the last second reserved to the leader
      await expectTaskFailure(
        "squad post-batch",
        { rollup: "5002", commitment: "too early", from: member.address, json: true },
        `the contract refused the transaction: SquadNotLeader("${member.address}", "${leader}")`,
      );
      expect(await f.squadRollup.batchCount()).to.equal(0n);
      expect(await f.squad.slotMarks(f.squadRollupAddress, slot)).to.deep.equal([false, false]);
    });

    it("sends nothing when the contract refuses the batch", async function () {
      const f = await load(drawnFixture);
      const nonce = await hre.ethers.provider.getTransactionCount(f.outsider.address);
      await expectRefused(
        "squad post-batch",
        { rollup: "5002", commitment: "intruder", from: f.outsider.address, json: true },
        `the contract refused the transaction: SquadNotEligible("${f.outsider.address}")`,
      );
      expect(await hre.ethers.provider.getTransactionCount(f.outsider.address)).to.equal(nonce);
    });

    it("ends on the contract's refusal of an account outside the rollup's SQUAD set, in one line", async function () {
      const f = await load(drawnFixture);
      // the outsider (account 15) and the default account (the deployer): in the set of no rollup
      for (const account of [f.outsider, f.deployer]) {
        expect((await f.sets.membership(f.setId, account.address)).member).to.equal(false);
        await expectTaskFailure(
          "squad post-batch",
          { rollup: "5002", commitment: "intruder", from: account.address, json: true },
          `the contract refused the transaction: SquadNotEligible("${account.address}")`,
        );
      }
      // after the grace period too, when any member may stand in for the leader
      await time.increaseTo(f.firstSlot * SLOT + GRACE);
      await expectTaskFailure(
        "squad post-batch",
        { rollup: "5002", commitment: "intruder", from: f.outsider.address, json: false },
        `the contract refused the transaction: SquadNotEligible("${f.outsider.address}")`,
      );
      expect(await f.squadRollup.batchCount()).to.equal(0n);
    });

    it("ends on the rollup's refusal of --include beyond the queue, or of a batch leaving an overdue item out", async function () {
      const f = await load(drawnFixture);
      const rollup = f.squadRollupAddress;
      const slot = f.firstSlot + 1n;
      const [leader] = await drawLeaders(f, slot, 1);
      await time.increaseTo(slot * SLOT);
      await expectTaskFailure(
        "squad post-batch",
        { rollup: "5002", commitment: "batch", include: "1", from: leader, json: true },
        "the contract refused the transaction: RollupNothingToInclude(1, 0)",
      );
      // one item waiting: two are too many
      await (await f.token.connect(f.outsider).approve(rollup, ALT)).wait();
      await (await f.squadRollup.connect(f.outsider).queueTransaction(id("forced"), ALT)).wait();
      const held = await f.token.balanceOf(rollup);
      await expectTaskFailure(
        "squad post-batch",
        { rollup: "5002", commitment: "batch", include: "2", from: leader, json: true },
        "the contract refused the transaction: RollupNothingToInclude(2, 1)",
      );
      // past the item's inclusion deadline, a batch that leaves it out (posted by a member after the grace period)
      const { deadline } = await f.squadRollup.queuedTransaction(0);
      const late = (deadline + 1n) / SLOT + 1n;
      await time.increaseTo(late * SLOT + GRACE);
      await expectTaskFailure(
        "squad post-batch",
        { rollup: "5002", commitment: "batch", from: f.operators[0].address, json: true },
        "the contract refused the transaction: RollupOverdueSkipped(0)",
      );
      expect(await f.squadRollup.batchCount()).to.equal(0n);
      expect(await f.squadRollup.queueHead()).to.equal(0n);
      expect(await f.token.balanceOf(rollup)).to.equal(held);
      // including it is accepted, its fee to the poster
      const posted = await task<PostResult>("squad post-batch", {
        rollup: "5002",
        commitment: "batch",
        include: "1",
        from: f.operators[0].address,
        json: true,
      });
      expect([posted.included, posted.fees]).to.deep.equal([1n, ALT]);
      expect(await f.squadRollup.queueHead()).to.equal(1n);
      expect(await f.token.balanceOf(rollup)).to.equal(held - ALT);
    });

    it("reports the slot the batch is mined in, when posted in the last second of the previous one", async function () {
      const f = await load(drawnFixture);
      // a slot whose leader does not lead the next one
      const { slot, next } = await findSlot(f, f.firstSlot + 1n, (leader, following) => leader !== following);
      await time.increaseTo(slot * SLOT + SLOT - 1n);
      const { result, lines } = await runTask<PostResult>("squad post-batch", {
        rollup: "5002",
        commitment: "at the boundary",
        from: next,
        json: false,
      });
      expect(await blockTime(result.tx.block)).to.equal((slot + 1n) * SLOT);
      await expect(transaction(result.tx.hash))
        .to.emit(f.squad, "BatchPosted")
        .withArgs(f.squadRollupAddress, slot + 1n, next, true);
      expect(result).to.deep.equal({
        rollup: f.squadRollupAddress,
        slot: slot + 1n,
        leader: next,
        poster: next,
        byLeader: true,
        commitment: id("at the boundary"),
        included: 0n,
        fees: 0n,
        tx: result.tx,
      });
      expect(lines).to.deep.equal([
        txLine(`batch ${id("at the boundary")} posted in slot ${slot + 1n} as leader`, result.tx),
      ]);
      expect(await f.squad.slotMarks(f.squadRollupAddress, slot + 1n)).to.deep.equal([true, false]);
      expect(await f.squad.slotMarks(f.squadRollupAddress, slot)).to.deep.equal([false, false]);
    });

    it("says there is no leader in a slot without one (text mode), a batch there committing the next epoch's seed all the same", async function () {
      // the epoch after the joins: their allocations count in it, but its leaders would be drawn from the joins' epoch,
      // which counted nothing (10 s into a slot: the batch is mined before the grace period ends)
      const f = await load(countedFixture);
      const rollup = f.squadRollupAddress;
      const member = f.operators[1];
      const slot = f.firstSlot + 1n;
      await time.increaseTo(slot * SLOT + 10n);
      expect(await f.squad.leaderAt(rollup, slot)).to.equal(ZeroAddress);
      const { result, lines } = await runTask<PostResult>("squad post-batch", {
        rollup: "5002",
        commitment: "no leader",
        from: member.address,
        json: false,
      });
      expect(await blockTime(result.tx.block)).to.equal(slot * SLOT + 11n);
      expect([result.slot, result.leader, result.byLeader]).to.deep.equal([slot, ZeroAddress, false]);
      expect(lines).to.deep.equal([txLine(`batch ${id("no leader")} posted in slot ${slot} (no leader)`, result.tx)]);
      await expect(transaction(result.tx.hash))
        .to.emit(f.squad, "BatchPosted")
        .withArgs(rollup, slot, member.address, false);
      // the first batch of the epoch committed the next one's seed: that epoch, the first with leaders, draws them with
      // the seed revealed in the committed block
      await mineTo(BigInt(result.tx.block) + SEED_DELAY);
      const revealed = await task<SeedResult>("squad reveal-seed", { rollup, json: true });
      const seed = mixSeed(0n, await prevRandao(revealed.tx.block), f.countEpoch + 1n);
      expect(await f.squad.seedAt(rollup, f.countEpoch + 1n)).to.equal(seed);
      expect(await f.squad.seedAt(rollup, f.countEpoch)).to.equal(0n);
      const next = (await f.sets.epochStart(f.countEpoch + 1n)) / SLOT + 1n;
      const leaders = await drawLeaders(f, next, 10);
      expect(leaders).not.to.include(ZeroAddress);
      expect(await f.squad.schedule(rollup, next, 10)).to.deep.equal(leaders);
    });

    it("draws an epoch's leaders from the allocations counted in the epoch before: one that leaves still leads (and posts in) the next epoch's slots, none after", async function () {
      const f = await load(drawnFixture);
      const rollup = f.squadRollupAddress;
      const [leaving, second, third, last] = f.operators;
      // operator 0 leaves in epoch E: its allocation still counts in E, none from E + 1, when the last position of the
      // draw index (operator 3's) takes its place
      await (await f.sets.connect(leaving.signer).requestLeave(f.setId)).wait();
      const operators = f.operators.map((op) => op.address);
      expect(await f.sets.allocationsAt(f.setId, operators, f.epoch)).to.deep.equal(OPERATOR_STAKES);
      expect(await f.sets.allocationsAt(f.setId, operators, f.epoch + 1n)).to.deep.equal([
        0n,
        ...OPERATOR_STAKES.slice(1),
      ]);
      const entry = (op: (typeof f.operators)[number]) => ({
        operator: op.address,
        allocation: OPERATOR_STAKES[f.operators.indexOf(op)],
      });
      const afterLeave = [last, second, third].map(entry);
      const counted = (epoch: bigint) => (epoch <= f.joinEpoch ? [] : epoch <= f.epoch ? joinOrder(f) : afterLeave);
      // the 40 slots before epoch E + 2 begins (drawn from E) and the 40 after (drawn from E + 1); no seed fixed yet
      const split = ((await f.sets.epochStart(f.epoch + 2n)) + SLOT - 1n) / SLOT;
      expect(await f.sets.epochAt((split - 1n) * SLOT)).to.equal(f.epoch + 1n);
      expect(await f.sets.epochAt(split * SLOT)).to.equal(f.epoch + 2n);
      const from = split - 40n;
      const leaders = await drawLeaders(f, from, 80, counted);
      expect(await f.squad.schedule(rollup, from, 80)).to.deep.equal(leaders);
      expect(leaders).not.to.include(ZeroAddress);
      expect(leaders.slice(0, 40)).to.include(leaving.address);
      expect(leaders.slice(40)).not.to.include(leaving.address);
      // the draw-index order counts: the three in join order would draw other leaders
      const joined = await drawLeaders(f, split, 40, (epoch) =>
        epoch <= f.epoch ? counted(epoch) : [second, third, last].map(entry),
      );
      expect(joined).not.to.deep.equal(leaders.slice(40));

      // in epoch E + 1 operator 0, not a member and still leaving, posts as the leader of a slot it was drawn for
      await nextEpoch(f.sets);
      const now = (await latest()) / SLOT + 1n;
      const drawn = await drawLeaders(f, now, 40, counted);
      const slot = now + BigInt(drawn.indexOf(leaving.address));
      expect(slot).to.be.greaterThanOrEqual(now);
      await time.increaseTo(slot * SLOT + 10n);
      const membership = await f.sets.membership(f.setId, leaving.address);
      expect(membership.member).to.equal(false);
      expect(membership.leaveAt).to.be.greaterThan(await latest());
      const posted = await task<PostResult>("squad post-batch", {
        rollup,
        commitment: "drawn before leaving",
        from: leaving.address,
        json: true,
      });
      expect([posted.slot, posted.leader, posted.poster, posted.byLeader]).to.deep.equal([
        slot,
        leaving.address,
        leaving.address,
        true,
      ]);
      expect(await f.squad.slotMarks(rollup, slot)).to.deep.equal([true, false]);
      // that batch committed the seed of E + 2 (revealed in the target block), whose leaders come from the three left,
      // never operator 0
      await mineTo(BigInt(posted.tx.block) + SEED_DELAY);
      const revealed = await task<SeedResult>("squad reveal-seed", { rollup, json: true });
      expect(await f.squad.seedAt(rollup, f.epoch + 2n)).to.equal(
        mixSeed(0n, await prevRandao(revealed.tx.block), f.epoch + 2n),
      );
      const after = await drawLeaders(f, split, 40, counted);
      expect(await f.squad.schedule(rollup, split, 40)).to.deep.equal(after);
      expect(after).not.to.include(leaving.address);
      expect(after).not.to.include(ZeroAddress);
      // from the first slot of E + 2 (the slot in progress when it begins is one of E + 1) it may not post at all
      await time.increaseTo(split * SLOT);
      await expectRefused(
        "squad post-batch",
        { rollup: "5002", commitment: "too late", from: leaving.address, json: true },
        `the contract refused the transaction: SquadNotEligible("${leaving.address}")`,
      );
      expect(await f.squadRollup.batchCount()).to.equal(1n);
    });
  });

  describe("squad reveal-seed", function () {
    it("commits the next epoch's seed when nothing has, then reveals it in the committed block only, refusing too early and twice in one line (JSON)", async function () {
      const f = await load(drawnFixture);
      const rollup = f.squadRollupAddress;
      const [keeper] = await hre.ethers.getSigners();
      const next = f.epoch + 1n;
      expect(await f.squad.seedCommitment(rollup)).to.deep.equal([0n, 0n, false]);
      const committed = await task<SeedResult>("squad reveal-seed", { rollup: "5002", json: true });
      const target = BigInt(committed.tx.block) + SEED_DELAY;
      expect(committed).to.deep.equal({ rollup, epoch: next, action: "committed", target, tx: committed.tx });
      await expect(transaction(committed.tx.hash))
        .to.emit(f.squad, "SeedCommitted")
        .withArgs(rollup, next, target)
        .and.not.to.emit(f.squad, "SeedRevealed");
      expect(await f.squad.seedCommitment(rollup)).to.deep.equal([next, target, false]);
      // the block after the commitment is not the target: refused before anything is sent
      await expectRefused(
        "squad reveal-seed",
        { rollup, json: true },
        `the seed of epoch ${next} is revealed in block ${target} only: the latest is ${committed.tx.block} (run with --wait)`,
      );
      // with the target next, revealed in it by the keeper
      await mineTo(target);
      const revealed = await task<SeedResult>("squad reveal-seed", { rollup, from: keeper.address, json: true });
      const seed = mixSeed(0n, await prevRandao(revealed.tx.block), next);
      expect(revealed).to.deep.equal({ rollup, epoch: next, action: "revealed", target, seed, tx: revealed.tx });
      expect(BigInt(revealed.tx.block)).to.equal(target);
      await expect(transaction(revealed.tx.hash)).to.emit(f.squad, "SeedRevealed").withArgs(rollup, next, seed);
      expect(await f.squad.seedAt(rollup, next)).to.equal(seed);
      expect(await f.squad.seedCommitment(rollup)).to.deep.equal([next, target, true]);
      await expectRefused(
        "squad reveal-seed",
        { rollup, json: true },
        `the seed of epoch ${next} of ${rollup} was revealed already (in block ${target})`,
      );
      // the next epoch's leaders are drawn with it
      const first = (await f.sets.epochStart(next)) / SLOT + 1n;
      expect(await f.squad.schedule(rollup, first, 10)).to.deep.equal(await drawLeaders(f, first, 10));
    });

    it("waits for the block before the target with --wait, and refuses a target gone by: the next epoch inherits the seed (text)", async function () {
      const f = await load(drawnFixture);
      const rollup = f.squadRollupAddress;
      const next = f.epoch + 1n;
      const { result: committed, lines } = await runTask<SeedResult>("squad reveal-seed", {
        rollup: "5002",
        json: false,
      });
      const target = BigInt(committed.tx.block) + SEED_DELAY;
      expect(lines).to.deep.equal([
        txLine(`seed of epoch ${next} committed to the prevrandao of block ${target}`, committed.tx),
        `  reveal it in block ${target}: squad reveal-seed --rollup ${rollup} --wait`,
      ]);
      // a target gone by unrevealed: refused, the next epoch inherits the latest seed (0)
      await mine(SEED_DELAY);
      await expectRefused(
        "squad reveal-seed",
        { rollup, json: false },
        `block ${target}, the seed of epoch ${next}'s, is past (latest ${target}): epoch ${next} inherits the seed`,
      );
      await nextEpoch(f.sets);
      expect(await f.squad.seedAt(rollup, next)).to.equal(0n);
      // in the next epoch: commit, then --wait while the blocks up to the target are mined
      const again = await task<SeedResult>("squad reveal-seed", { rollup, json: true });
      expect([again.epoch, again.action]).to.deep.equal([next + 1n, "committed"]);
      const waiting = runTask<SeedResult>("squad reveal-seed", { rollup, wait: true, json: false });
      await mineTo(again.target);
      const { result, lines: revealedLines } = await waiting;
      expect(BigInt(result.tx.block)).to.equal(again.target);
      const seed = mixSeed(0n, await prevRandao(result.tx.block), next + 1n);
      expect(result.seed).to.equal(seed);
      expect(revealedLines).to.deep.equal([
        txLine(`seed of epoch ${next + 1n} revealed in block ${again.target}: ${seed}`, result.tx),
      ]);
      expect(await f.squad.seedAt(rollup, next + 1n)).to.equal(seed);
    });

    it("refuses an unknown rollup, one not registered in SQUAD and one that does not use it", async function () {
      const f = await load(servicesTaskFixture);
      const args = { rollup: "5002", json: true };
      await expectRefused(
        "squad reveal-seed",
        args,
        `${f.squadRollupAddress} is not registered in SQUAD (service join registers it)`,
      );
      await expectRefused("squad reveal-seed", { ...args, rollup: "5001" }, `${f.rollupAddress} does not use SQUAD`);
      await expectRefused("squad reveal-seed", { ...args, rollup: "5003" }, "no rollup has chain ID 5003");
    });
  });

  describe("squad report-miss", function () {
    /** A time as the report tasks print it, relative to the block `now`. */
    const at = (t: bigint, now: bigint) => `${isoTime(t)} (${relativeTime(Number(t), Number(now))})`;

    interface MissResult {
      rollup: string;
      slot: bigint;
      start: bigint;
      leader: string;
      misses: bigint;
      maxMisses: bigint;
      jailedUntil: bigint | null;
      others: bigint[];
      tx: TxReport;
    }

    it("reports the latest missed slot by default, naming the leader, its count and the other slots to report (text)", async function () {
      const f = await load(drawnFixture);
      const rollup = f.squadRollupAddress;
      // three slots of the drawn epoch are over, nobody posted in them
      await time.increaseTo((f.firstSlot + 3n) * SLOT + 10n);
      const slot = f.firstSlot + 2n;
      const [leader] = await drawLeaders(f, slot, 1);
      expect(await f.squad.misses(rollup, leader)).to.equal(0n);
      const reporter = f.outsider;
      const { result, lines } = await runTask<MissResult>("squad report-miss", {
        rollup: "5002",
        from: reporter.address,
        json: false,
      });
      const now = await blockTime(result.tx.block);
      expect(result).to.deep.equal({
        rollup,
        slot,
        start: slot * SLOT,
        leader,
        misses: 1n,
        maxMisses: 5n,
        jailedUntil: null,
        others: [f.firstSlot + 1n, f.firstSlot],
        tx: result.tx,
      });
      expect(lines).to.deep.equal([
        txLine(`miss of slot ${slot} (from ${at(slot * SLOT, now)}) reported: leader ${leader}`, result.tx),
        "  1 of 5 misses counted (its slots of this epoch and the one before): 4 more jail it for 7d",
        `  2 more missed slots to report: ${f.firstSlot + 1n}, ${f.firstSlot} (squad report-miss --slot)`,
      ]);
      const receipt = (await hre.ethers.provider.getTransactionReceipt(result.tx.hash))!;
      expect([receipt.from, receipt.to]).to.deep.equal([reporter.address, f.squadAddress]);
      await expect(transaction(result.tx.hash))
        .to.emit(f.squad, "SlotMissed")
        .withArgs(rollup, slot, leader, 1n)
        .and.not.to.emit(f.squad, "LeaderJailed");
      expect(await f.squad.slotMarks(rollup, slot)).to.deep.equal([false, true]);
      expect(await f.squad.misses(rollup, leader)).to.equal(1n);
      // the next run takes the next latest
      const next = await task<MissResult>("squad report-miss", { rollup: "5002", json: true });
      expect([next.slot, next.others]).to.deep.equal([f.firstSlot + 1n, [f.firstSlot]]);
    });

    it("jails the leader at the fifth miss, and refuses a slot of its jail as excused, sending nothing (JSON)", async function () {
      const f = await load(drawnFixture);
      const rollup = f.squadRollupAddress;
      const leaders = await drawLeaders(f, f.firstSlot, 40);
      // the leader of the most slots among the next 40, and five of its slots
      const counts = new Map<string, number>();
      for (const l of leaders) counts.set(l, (counts.get(l) ?? 0) + 1);
      const leader = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
      const slots = leaders.flatMap((l, i) => (l === leader ? [f.firstSlot + BigInt(i)] : [])).slice(0, 5);
      expect(slots.length).to.equal(5);
      await time.increaseTo((f.firstSlot + 40n) * SLOT + 10n);
      for (const [i, slot] of slots.slice(0, 4).entries()) {
        const r = await task<MissResult>("squad report-miss", { rollup: "5002", slot: slot.toString(), json: true });
        expect([r.slot, r.leader, r.misses, r.jailedUntil]).to.deep.equal([slot, leader, BigInt(i + 1), null]);
      }
      const { result, lines } = await runTask<MissResult>("squad report-miss", {
        rollup: "5002",
        slot: slots[4].toString(),
        json: false,
      });
      const now = await blockTime(result.tx.block);
      const until = now + 7n * EPOCH;
      expect([result.misses, result.jailedUntil]).to.deep.equal([5n, until]);
      expect(lines[1]).to.equal(
        `  5 misses reached 5: ${leader} jailed in the set until ${at(until, now)}, its count cleared`,
      );
      await expect(transaction(result.tx.hash)).to.emit(f.squad, "LeaderJailed").withArgs(rollup, leader, until);
      expect(await f.squad.misses(rollup, leader)).to.equal(0n);
      expect((await f.sets.membership(f.setId, leader)).jailedUntil).to.equal(until);
      // a slot of the leader beginning in its jail: excused
      const later = (now + 10n * SLOT) / SLOT;
      const [jailedLeaders, from] = [await drawLeaders(f, later, 41), later];
      const i = jailedLeaders.indexOf(leader);
      expect(i).to.be.greaterThan(-1);
      const excused = from + BigInt(i);
      await time.increaseTo((excused + 1n) * SLOT + 1n);
      const nonce = await hre.ethers.provider.getTransactionCount(f.deployer.address);
      await expectRefused(
        "squad report-miss",
        { rollup: "5002", slot: excused.toString(), json: true },
        `the leader of slot ${excused}, ${leader}, is excused: jailed for misses from ${isoTime(now)} until ` +
          `${at(until, await latest())}, in the slot's window (${isoTime(excused * SLOT)} to ` +
          `${isoTime(excused * SLOT + GRACE)}, its grace period's end): it could not post`,
      );
      expect(await hre.ethers.provider.getTransactionCount(f.deployer.address)).to.equal(nonce);
      expect(await f.squad.slotMarks(rollup, excused)).to.deep.equal([false, false]);
    });

    it("refuses, with the figures and sending nothing: a slot not over or not begun, without leader, posted in, reported, too old, or the rollup paused", async function () {
      const f = await load(drawnFixture);
      const rollup = f.squadRollupAddress;
      const args = { rollup: "5002", json: true };
      // nothing over yet in the drawn epoch: the slots over in the window had no leader
      const windowStart = await f.sets.epochStart(f.epoch - 1n);
      const first = (windowStart + SLOT - 1n) / SLOT;
      const over = f.firstSlot - first;
      await expectRefused(
        "squad report-miss",
        args,
        `no missed slot of ${rollup} to report in epochs ${f.epoch - 1n} and ${f.epoch}: of the ${over} slots over ` +
          `since ${isoTime(first * SLOT)}, 0 posted by their leader, 0 reported already, ${over} without a leader, ` +
          `0 with their leader excused (jailed), 0 while the rollup could not take batches`,
      );
      const now = await latest();
      await expectRefused(
        "squad report-miss",
        { ...args, slot: f.firstSlot.toString() },
        `slot ${f.firstSlot} is not over: it ends at ${at((f.firstSlot + 1n) * SLOT, now)}`,
      );
      await expectRefused(
        "squad report-miss",
        { ...args, slot: (f.firstSlot + 2n).toString() },
        `slot ${f.firstSlot + 2n} has not begun: it runs from ${at((f.firstSlot + 2n) * SLOT, now)}`,
      );
      const noLeader = f.firstSlot - 1n;
      await expectRefused(
        "squad report-miss",
        { ...args, slot: noLeader.toString() },
        `slot ${noLeader} had no leader (the set is not live in epoch ${f.epoch - 1n} and the one before): nobody missed it`,
      );
      await expectRefused("squad report-miss", { ...args, slot: "x" }, "--slot must be a whole number, not x");
      // the leader of the current slot posts in it; the next slot is missed and reported
      const [leader, nextLeader] = await drawLeaders(f, f.firstSlot, 2);
      await task("squad post-batch", { rollup: "5002", commitment: "posted", from: leader, json: true });
      await time.increaseTo((f.firstSlot + 2n) * SLOT + 10n);
      await expectRefused(
        "squad report-miss",
        { ...args, slot: f.firstSlot.toString() },
        `${leader}, the leader of slot ${f.firstSlot}, posted in it: nothing was missed`,
      );
      await task("squad report-miss", args);
      await expectRefused(
        "squad report-miss",
        { ...args, slot: (f.firstSlot + 1n).toString() },
        `the miss of slot ${f.firstSlot + 1n} by ${nextLeader} was reported already`,
      );
      // paused by the council: nobody is at fault
      const councilAddress = await f.factory.council();
      const councilSigner = f.signers.find((s) => s.address === councilAddress)!;
      await time.increaseTo((f.firstSlot + 3n) * SLOT + 10n);
      await (await f.squadRollup.connect(councilSigner).setPaused(true)).wait();
      await expectRefused(
        "squad report-miss",
        { ...args, slot: (f.firstSlot + 2n).toString() },
        `${rollup} is paused: no leader is at fault while it cannot take batches`,
      );
      const resumed = BigInt((await (await f.squadRollup.connect(councilSigner).setPaused(false)).wait())!.blockNumber);
      const resumedAt = await blockTime(Number(resumed));
      await expectRefused(
        "squad report-miss",
        { ...args, slot: (f.firstSlot + 2n).toString() },
        `${rollup} resumed from a pause at ${at(resumedAt, await latest())}, after slot ${f.firstSlot + 2n} began ` +
          `(${isoTime((f.firstSlot + 2n) * SLOT)}): its leader is not at fault`,
      );
      // two epochs on, the drawn epoch's slots are too old
      await time.increaseTo(await f.sets.epochStart(f.epoch + 2n));
      const old = f.firstSlot + 3n;
      await expectRefused(
        "squad report-miss",
        { ...args, slot: old.toString() },
        `slot ${old} (epoch ${f.epoch}, ended ${at((old + 1n) * SLOT, await latest())}) is too old: a miss is ` +
          `reported in the slot's epoch or the next, and the current epoch is ${f.epoch + 2n}`,
      );
    });
  });

  describe("squad report-censorship", function () {
    const at = (t: bigint, now: bigint) => `${isoTime(t)} (${relativeTime(Number(t), Number(now))})`;

    interface CensorshipResult {
      rollup: string;
      item: bigint;
      deadline: bigint;
      forcedAt: bigint;
      slot: bigint;
      leader: string;
      requestId: bigint;
      bps: bigint;
      executableAt: bigint;
      reporter: string;
      others: bigint[];
      tx: TxReport;
    }

    /** Two items queued by the outsider in the drawn epoch; returns their deadline. */
    async function queued(f: Joined) {
      await (await f.token.connect(f.outsider).approve(f.squadRollupAddress, 2n * ALT)).wait();
      // both deadlines a minute into one slot: they blame the same one
      const delay = await f.squadRollup.INCLUSION_DELAY();
      let at = (await latest()) + 1n;
      while ((at + delay) % SLOT !== 60n) at++;
      await time.setNextBlockTimestamp(at);
      await (await f.squadRollup.connect(f.outsider).queueTransaction(id("censored 0"), ALT)).wait();
      await (await f.squadRollup.connect(f.outsider).queueTransaction(id("censored 1"), ALT)).wait();
      return (await f.squadRollup.queuedTransaction(0)).deadline;
    }

    it("reports the leader of the first whole slot after a forced item's deadline: a slash request, the reporter named (text)", async function () {
      const f = await load(drawnFixture);
      const rollup = f.squadRollupAddress;
      const deadline = await queued(f);
      const slot = deadline / SLOT + 1n;
      const [leader] = await drawLeaders(f, slot, 1);
      expect(leader).not.to.equal(ZeroAddress);
      // not forced in yet: refused, with its deadline
      await expectRefused(
        "squad report-censorship",
        { rollup: "5002", item: "0", json: true },
        `queue item 0 was not forced in: it is due by ${at(deadline, await latest())}`,
      );
      // forced in once the slot after the deadline is over
      await time.increaseTo((slot + 1n) * SLOT + 5n);
      const forced = await (await f.squadRollup.connect(f.outsider).forceInclude(2)).wait();
      const forcedAt = await blockTime(forced!.blockNumber);
      const reporter = f.outsider;
      const { result, lines } = await runTask<CensorshipResult>("squad report-censorship", {
        rollup: "5002",
        from: reporter.address,
        fromBlock: "0",
        json: false,
      });
      const now = await blockTime(result.tx.block);
      const request = await f.manager.request(result.requestId);
      const executableAt = now + 2n * EPOCH;
      expect(result).to.deep.equal({
        rollup,
        item: 1n,
        deadline: (await f.squadRollup.queuedTransaction(1)).deadline,
        forcedAt,
        slot,
        leader,
        requestId: result.requestId,
        bps: 500n,
        executableAt,
        reporter: reporter.address,
        others: [],
        tx: result.tx,
      });
      // both items blame the same slot: one report, by the later item
      expect(result.deadline / SLOT + 1n).to.equal(slot);
      expect([request.operator, request.bps, request.reporter, request.executableAt]).to.deep.equal([
        leader,
        500n,
        reporter.address,
        executableAt,
      ]);
      expect(lines).to.deep.equal([
        txLine(
          `censorship of queue item 1 reported: ${leader}, leader of slot ${slot}, slash request ${result.requestId}`,
          result.tx,
        ),
        `  item due ${isoTime(result.deadline)}, slot ${slot} from ${isoTime(slot * SLOT)}, forced in ${at(forcedAt, now)}`,
        `  500 bps (5 %) of its allocation to the set, executable from ${at(executableAt, now)} unless vetoed; ` +
          `${leader} is jailed while the request is pending`,
        `  the reporter ${reporter.address} receives ${await f.manager.reporterBps()} bps (${
          Number(await f.manager.reporterBps()) / 100
        } %) of what is slashed`,
      ]);
      await expect(transaction(result.tx.hash))
        .to.emit(f.squad, "CensorshipReported")
        .withArgs(rollup, 1n, slot, leader, result.requestId);
      expect(await f.squad.isCensorshipReported(rollup, slot)).to.equal(true);
      expect(await f.registry.isJailed(leader)).to.equal(true);
      // the slot is reported: neither item is any more
      const nonce = await hre.ethers.provider.getTransactionCount(f.deployer.address);
      await expectRefused(
        "squad report-censorship",
        { rollup: "5002", item: "0", json: true },
        `the leader of slot ${slot}, ${leader}, was reported for censorship already (one report a slot)`,
      );
      await expectRefused(
        "squad report-censorship",
        { rollup: "5002", json: true },
        `none of the 2 items forced into ${rollup}'s queue is reportable (the latest, item 1: the leader of slot ` +
          `${slot}, ${leader}, was reported for censorship already (one report a slot))`,
      );
      expect(await hre.ethers.provider.getTransactionCount(f.deployer.address)).to.equal(nonce);
    });

    it("refuses an item forced in before a whole slot went by, an unknown item, and a rollup with nothing forced, sending nothing", async function () {
      const f = await load(drawnFixture);
      const rollup = f.squadRollupAddress;
      await expectRefused(
        "squad report-censorship",
        { rollup: "5002", json: true },
        `no item of ${rollup}'s forced-inclusion queue was forced in: no censorship to report`,
      );
      await expectRefused(
        "squad report-censorship",
        { rollup: "5002", item: "0", json: true },
        `${rollup} has no queue item 0: its queue holds 0`,
      );
      const deadline = await queued(f);
      await time.increaseTo(deadline + 1n);
      const forced = await (await f.squadRollup.connect(f.outsider).forceInclude(1)).wait();
      const forcedAt = await blockTime(forced!.blockNumber);
      const slot = deadline / SLOT + 1n;
      await expectRefused(
        "squad report-censorship",
        { rollup: "5002", item: "0", json: true },
        `queue item 0 was forced in at ${isoTime(forcedAt)}, before slot ${slot}, the first whole slot after its ` +
          `deadline (${isoTime(deadline)}), ended at ${isoTime((slot + 1n) * SLOT)}: nobody is provably at fault`,
      );
      await expectRefused(
        "squad report-censorship",
        { rollup: "5002", item: "1", json: true },
        `queue item 1 was not forced in: it is overdue since ${at(
          (await f.squadRollup.queuedTransaction(1)).deadline,
          await latest(),
        )} but nobody forced it in yet (rollup force-include)`,
      );
      await expectRefused(
        "squad report-censorship",
        { rollup: "5002", item: "-1", json: true },
        "--item must be a whole number, not -1",
      );
    });
  });
});
