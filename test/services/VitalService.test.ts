import { ZeroHash } from "ethers";
// VITAL verification (contracts/services/VitalService.sol): a member of a rollup's VITAL set challenges an output with an
// ALT bond while the set is live; the operators with stake counted in the set in the challenge's epoch (read from
// OperatorSets' checkpoints, with no per-epoch transaction) vote with that stake; the vote that brings
// "invalid" to two thirds of the set's stake of that epoch invalidates the output (and every later one) and reports the
// proposer; a vote short of it fails at the deadline (bond to the treasury); the "valid" voters of an invalidated output
// are reported by address. End to end on the in-process network with the staged deployment of test/helpers/services.ts:
// the real OperatorSets, RestakingRegistry, SlashingManager and Rollup.
//
// Member stakes are chosen so that members {0, 1, 2} hold exactly two thirds of the set's stake and members {0, 1, 3}
// one wei less; every expected value below is derived from the contracts' rules in bigint math.
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import type { Rollup } from "../../typechain-types";
import { ALT } from "../helpers/constants";
import { DAY, HOUR, nextEpoch } from "../helpers/time";
import {
  addOperators,
  createRollup,
  deployServices,
  launchRollup,
  setParams,
  SERVICE,
  type Operator,
} from "../helpers/services";
import { challengerShare, templateStruct } from "../helpers/rollups";
import { outputRootOf } from "../../tasks/lib/rollups";

const coder = ethers.AbiCoder.defaultAbiCoder();

const BPS = 10_000n;
/** VitalService.Result */
const Result = { None: 0n, Open: 1n, Invalidated: 2n, Failed: 3n, Void: 4n } as const;
/** VitalService.Vote */
const Vote = { None: 0n, Valid: 1n, Invalid: 2n, ValidReported: 3n } as const;
/** IRollup.OutputStatus */
const OutputStatus = { None: 0n, Proposed: 1n, FastFinalized: 2n, Finalized: 3n } as const;
/** ISlashingManager.Status */
const SlashStatus = { None: 0n, Pending: 1n, Vetoed: 2n, Executed: 3n } as const;
/** The slash reasons: Solidity string literals as bytes32 (left-aligned, zero-padded). */
const INVALID_OUTPUT = ethers.encodeBytes32String("VITAL_INVALID_OUTPUT");
const VOTED_VALID = ethers.encodeBytes32String("VITAL_VOTED_FOR_INVALID_OUTPUT");
/** OP Stack template (test/helpers/rollups.ts defaults): outputs every 1,800 L2 blocks, a 7-day challenge period. */
const OUTPUT_INTERVAL = 1_800n;
const CHALLENGE_PERIOD = 7n * BigInt(DAY);
/** The state roots the fixture proposes for outputs 0, 1 and 2. */
const STATE_ROOTS = [ethers.id("vital-root-0"), ethers.id("vital-root-1"), ethers.id("vital-root-2")];
const l2BlockOf = (index: number) => OUTPUT_INTERVAL * BigInt(index + 1);
/** The output root of state root `stateRoot` proposed as output `index` on `parentRoot`, before any batch. */
const boundRoot = (index: number, stateRoot: string, parentRoot: string) =>
  outputRootOf({ l2BlockNumber: l2BlockOf(index), stateRoot, batchCount: 0n, batchRoot: ethers.ZeroHash, parentRoot });
/** The output roots of the fixture's outputs 0, 1 and 2 (each bound to the one before): what VITAL judges. */
const ROOTS = STATE_ROOTS.reduce<string[]>(
  (roots, stateRoot, i) => [...roots, boundRoot(i, stateRoot, i === 0 ? ethers.ZeroHash : roots[i - 1])],
  [],
);
/**
 * The epoch the fixture proposes in, the first its members' allocations count in (not epoch 0, so an epoch of 0 is never
 * a default value).
 */
const FIXTURE_EPOCH = 2n;

/**
 * Allocations of members 0..4 to each set (fresh pools: each operator's stake is twice its allocation exactly). Total
 * 18,000 ALT: two thirds are 12,000 ALT = members {0, 1, 2} exactly; members {0, 1, 3} hold one wei less (checkpoints
 * count allocations to the wei). Member 4 proposes the outputs of the fixture's first rollup.
 */
const STAKES = [6_000n * ALT, 4_000n * ALT, 2_000n * ALT, 2_000n * ALT - 1n, 4_000n * ALT + 1n];
const TOTAL_STAKE = STAKES.reduce((a, b) => a + b, 0n);
const QUORUM = [0, 1, 2];
const SHORT = [0, 1, 3];
const PROPOSER = 4;
const stakeOf = (indexes: number[]) => indexes.reduce((sum, i) => sum + STAKES[i], 0n);
/** VitalService evidence of an output: keccak256(abi.encode(challengeId, rollup, l2BlockNumber, root)). */
const evidenceOf = (challengeId: bigint, rollup: string, l2BlockNumber: bigint, root: string) =>
  ethers.keccak256(
    coder.encode(["uint256", "address", "uint64", "bytes32"], [challengeId, rollup, l2BlockNumber, root]),
  );

describe("VitalService", function () {
  async function vitalFixture() {
    const d = await deployServices();
    const { vital, operatorSets, token, funder, slashingManager } = d;
    const vitalAddress = await vital.getAddress();
    const genesis = Number(await operatorSets.epochStart(0));
    // each member stakes twice STAKES[i] and allocates STAKES[i] to each of the two rollups' sets (unique stake)
    const ops = await addOperators(
      d,
      "vital",
      STAKES.map((stake) => 2n * stake),
    );
    const creator = d.users[0];
    // the proposer of `rollup` is member 4, a registered operator; `plainRollup`'s is its creator, a plain account
    const rollup = await launchRollup(d, creator, {
      chainId: 71_001,
      salt: ethers.id("vital-operator-proposer"),
      proposer: ops[PROPOSER].address,
    });
    const plainRollup = await launchRollup(d, creator, { chainId: 71_002, salt: ethers.id("vital-plain-proposer") });
    const rollupAddress = await rollup.getAddress();
    const plainAddress = await plainRollup.getAddress();
    const { bond, votingPeriod, proposerBps, voterBps, capBps } = d.config.vital;
    // every member can pay three bonds; the proposer also bonds its outputs
    for (const op of ops) {
      await (await token.connect(funder).transfer(op.address, 3n * bond)).wait();
      await (await token.connect(op.account).approve(vitalAddress, ethers.MaxUint256)).wait();
    }
    const outputBond = await rollup.outputBond();
    await (await token.connect(funder).transfer(ops[PROPOSER].address, 3n * outputBond)).wait();
    await (await token.connect(ops[PROPOSER].account).approve(rollupAddress, ethers.MaxUint256)).wait();

    // the members join in the epoch before FIXTURE_EPOCH, so their allocations count from it; the fixture ends an hour
    // into it
    await time.increaseTo(genesis + Number(FIXTURE_EPOCH - 1n) * DAY + HOUR);
    const setId = await vital.setIdOf(rollupAddress);
    const plainSetId = await vital.setIdOf(plainAddress);
    for (const [i, op] of ops.entries()) {
      await (await operatorSets.connect(op.account).join(setId, STAKES[i])).wait();
      await (await operatorSets.connect(op.account).join(plainSetId, STAKES[i])).wait();
    }
    await time.increaseTo(genesis + Number(FIXTURE_EPOCH) * DAY + HOUR);
    for (let i = 0; i < 3; i++) {
      await (await rollup.connect(ops[PROPOSER].account).proposeOutput(l2BlockOf(i), STATE_ROOTS[i], ZeroHash)).wait();
    }
    for (let i = 0; i < 2; i++)
      await (await plainRollup.connect(creator).proposeOutput(l2BlockOf(i), STATE_ROOTS[i], ZeroHash)).wait();

    return {
      d,
      ...d,
      vitalAddress,
      genesis,
      ops,
      creator,
      rollup,
      plainRollup,
      rollupAddress,
      plainAddress,
      setId,
      plainSetId,
      bond,
      outputBond,
      bondReward: challengerShare(outputBond),
      votingPeriod: BigInt(votingPeriod),
      proposerBps: BigInt(proposerBps),
      voterBps: BigInt(voterBps),
      capBps: BigInt(capBps),
      maxEvidenceAge: BigInt(d.config.maxEvidenceAge),
      vetoWindow: await slashingManager.vetoWindow(),
      reporterBps: await slashingManager.reporterBps(),
    };
  }
  type Fixture = Awaited<ReturnType<typeof vitalFixture>>;

  /** Member `challenger` challenges output `index` of `rollup`; returns the challenge id and its stored record. */
  async function challengeOutput(f: Fixture, challenger: Operator, rollup: Rollup, index: number) {
    const id = await f.vital.challengeCount();
    await (await f.vital.connect(challenger.account).challenge(await rollup.getAddress(), index)).wait();
    return { id, c: await f.vital.challengeOf(id) };
  }

  /** Members `voters` (positions in `f.ops`) vote on challenge `id`. */
  async function castVotes(f: Fixture, id: bigint, voters: number[], invalid: boolean) {
    for (const i of voters) await (await f.vital.connect(f.ops[i].account).vote(id, invalid)).wait();
  }

  /** The addresses of members `indexes` (positions in `f.ops`): a `reportVoters` list. */
  const addressesOf = (f: Fixture, indexes: number[]) => indexes.map((i) => f.ops[i].address);

  /** How each member voted on challenge `id`, in `f.ops` order. */
  const votesOf = async (f: Fixture, id: bigint) => Promise.all(f.ops.map((op) => f.vital.voteOf(id, op.address)));

  /** The `Vote` of each member: `votes[i]` for the members listed, `None` for the others. */
  const expectedVotes = (votes: Record<number, bigint>) => STAKES.map((_, i) => votes[i] ?? Vote.None);

  /** The next block's timestamp, `delay` seconds from the latest one. */
  async function nextBlockAt(delay = 10) {
    const at = (await time.latest()) + delay;
    await time.setNextBlockTimestamp(at);
    return BigInt(at);
  }

  /**
   * The fixture, then a challenge of output 0 of `rollup` (proposer: member 4) by member 0, invalidated at exactly two
   * thirds; members 3 and 4 voted "valid" first. (Built on the fixture itself: a second fixture would be re-deployed
   * each time the tests alternate between the two.)
   */
  async function invalidatedFixture() {
    const f = await loadFixture(vitalFixture);
    const { id, c } = await challengeOutput(f, f.ops[0], f.rollup, 0);
    await castVotes(f, id, [PROPOSER, 3], false);
    const proposerRequest = await f.slashingManager.requestCount();
    await castVotes(f, id, QUORUM, true);
    return { ...f, id, createdAt: c.createdAt, proposerRequest };
  }

  describe("fixture", function () {
    it("counts each member's allocation from the fixture's epoch on, with two thirds of the stake exactly in members {0, 1, 2}", async function () {
      const f = await loadFixture(vitalFixture);
      expect(await f.operatorSets.currentEpoch()).to.equal(FIXTURE_EPOCH);
      const addresses = f.ops.map((op) => op.address);
      for (const setId of [f.setId, f.plainSetId]) {
        // joined in the epoch before: nothing counted in it, everything in the fixture's epoch, read from checkpoints
        expect(await f.operatorSets.allocationsAt(setId, addresses, FIXTURE_EPOCH - 1n)).to.deep.equal(
          STAKES.map(() => 0n),
        );
        expect(await f.operatorSets.allocationsAt(setId, addresses, FIXTURE_EPOCH)).to.deep.equal(STAKES);
        expect(await f.operatorSets.setStakeAt(setId, FIXTURE_EPOCH - 1n)).to.equal(0n);
        expect(await f.operatorSets.setStakeAt(setId, FIXTURE_EPOCH)).to.equal(TOTAL_STAKE);
        expect(await f.operatorSets.memberCountAt(setId, FIXTURE_EPOCH)).to.equal(BigInt(STAKES.length));
        expect(await f.operatorSets.isLive(setId, FIXTURE_EPOCH - 1n)).to.equal(false);
        expect(await f.operatorSets.isLive(setId, FIXTURE_EPOCH)).to.equal(true);
      }
      expect(stakeOf(QUORUM) * 3n).to.equal(TOTAL_STAKE * 2n);
      expect(stakeOf(SHORT)).to.equal(stakeOf(QUORUM) - 1n);
      expect(await f.vital.parameters()).to.deep.equal([
        f.treasury.address,
        f.bond,
        f.votingPeriod,
        f.proposerBps,
        f.voterBps,
      ]);
      expect(await f.vital.INVALID_OUTPUT()).to.equal(INVALID_OUTPUT);
      expect(await f.vital.VOTED_VALID()).to.equal(VOTED_VALID);
      expect(await f.rollup.proposer()).to.equal(f.ops[PROPOSER].address);
      expect(await f.registry.isOperator(f.ops[PROPOSER].address)).to.equal(true);
      expect(await f.plainRollup.proposer()).to.equal(f.creator.address);
      expect(await f.registry.isOperator(f.creator.address)).to.equal(false);
      expect(await f.rollup.challengePeriod()).to.equal(CHALLENGE_PERIOD);
    });
  });

  describe("registerRollup", function () {
    it("VITAL refuses to register a rollup without a challenge period (VitalNoChallengePeriod(rollup)), as one created before the factory refused them", async function () {
      const f = await loadFixture(vitalFixture);
      // a rollup implementation that reports no challenge period, behind an optimistic template the factory accepts
      const legacy = await (await ethers.getContractFactory("MockLegacyRollup")).deploy(await f.factory.getAddress());
      const templateId = await f.factory.templateCount();
      await (
        await f.factory.connect(f.deployer).registerTemplate({
          ...(await templateStruct(f.factory, 0)),
          implementation: await legacy.getAddress(),
        })
      ).wait();
      const rollup = await createRollup(f, f.creator, {
        templateId,
        chainId: 71_010,
        salt: ethers.id("vital-legacy"),
        services: SERVICE.VITAL | SERVICE.MACH,
      });
      const address = await rollup.getAddress();
      expect(await rollup.challengePeriod()).to.equal(0n);
      expect(await f.factory.rollupByChainId(71_010)).to.equal(address);
      await expect(f.vital.registerRollup(address))
        .to.be.revertedWithCustomError(f.vital, "VitalNoChallengePeriod")
        .withArgs(address);
      expect(await f.vital.isRegistered(address)).to.equal(false);
      // no set: its VITAL fee share is never credited (it stays in the rollup's escrow), and no challenge is taken
      await expect(f.vital.connect(f.ops[0].account).challenge(address, 0))
        .to.be.revertedWithCustomError(f.vital, "ServiceNotRegistered")
        .withArgs(address);
      // MACH has no such condition
      await expect(f.mach.registerRollup(address)).to.emit(f.mach, "RollupRegistered");
    });

    it("refuses to register a rollup whose challenge period is shorter than the voting period (VitalChallengePeriodTooShort), takes one as long", async function () {
      const f = await loadFixture(vitalFixture);
      const rollup = await createRollup(f, f.creator, {
        chainId: 71_011,
        salt: ethers.id("vital-short-period"),
        services: SERVICE.VITAL,
      });
      const address = await rollup.getAddress();
      expect(await rollup.challengePeriod()).to.equal(CHALLENGE_PERIOD);
      const setParameters = (votingPeriod: bigint) =>
        f.vital.setParameters(f.treasury.address, f.bond, votingPeriod, f.proposerBps, f.voterBps);
      await (await setParameters(CHALLENGE_PERIOD + 1n)).wait();
      await expect(f.vital.registerRollup(address))
        .to.be.revertedWithCustomError(f.vital, "VitalChallengePeriodTooShort")
        .withArgs(address, CHALLENGE_PERIOD, CHALLENGE_PERIOD + 1n);
      expect(await f.vital.isRegistered(address)).to.equal(false);
      await (await setParameters(CHALLENGE_PERIOD)).wait();
      const defaults = await f.vital.setDefaults();
      await expect(f.vital.registerRollup(address))
        .to.emit(f.vital, "RollupRegistered")
        .withArgs(address, await f.vital.setIdOf(address), [...defaults]);
      expect(await f.vital.isRegistered(address)).to.equal(true);
    });
  });

  describe("challenge", function () {
    it("pulls the bond from a member and opens a challenge of the output in the current epoch", async function () {
      const f = await loadFixture(vitalFixture);
      const challenger = f.ops[2];
      const output = await f.rollup.output(1);
      const challengerBefore = await f.token.balanceOf(challenger.address);
      const vitalBefore = await f.token.balanceOf(f.vitalAddress);
      const at = await nextBlockAt();
      await expect(f.vital.connect(challenger.account).challenge(f.rollupAddress, 1))
        .to.emit(f.vital, "Challenged")
        .withArgs(0n, f.rollupAddress, 1n, challenger.address, f.bond, FIXTURE_EPOCH, at + f.votingPeriod);
      expect(await f.token.balanceOf(challenger.address)).to.equal(challengerBefore - f.bond);
      expect(await f.token.balanceOf(f.vitalAddress)).to.equal(vitalBefore + f.bond);

      expect(await f.vital.challengeCount()).to.equal(1n);
      const c = await f.vital.challengeOf(0);
      expect(c.rollup).to.equal(f.rollupAddress);
      expect(c.createdAt).to.equal(at);
      expect(c.deadline).to.equal(at + f.votingPeriod);
      expect(c.challenger).to.equal(challenger.address);
      expect(c.result).to.equal(Result.Open);
      expect(c.epoch).to.equal(FIXTURE_EPOCH);
      expect(c.outputIndex).to.equal(1n);
      expect(c.l2BlockNumber).to.equal(l2BlockOf(1));
      expect(c.proposedAt).to.equal(output.proposedAt);
      expect(c.bond).to.equal(f.bond);
      expect(c.root).to.equal(ROOTS[1]);
      expect([c.invalidStake, c.validStake]).to.deep.equal([0n, 0n]);
      expect(await votesOf(f, 0n)).to.deep.equal(expectedVotes({}));
      expect(await f.vital.openChallenge(f.rollupAddress, l2BlockOf(1), ROOTS[1])).to.deep.equal([true, 0n]);
      expect(await f.vital.openChallenge(f.rollupAddress, l2BlockOf(0), ROOTS[0])).to.deep.equal([false, 0n]);
    });

    it("judges the output root bound to the batches and the previous output, not the bare state root: the challenge, its open-challenge key, the invalidation and the evidence cover it", async function () {
      const f = await loadFixture(vitalFixture);
      const output = await f.rollup.output(1);
      expect([output.root, output.stateRoot]).to.deep.equal([ROOTS[1], STATE_ROOTS[1]]);
      expect(output.root).to.not.equal(STATE_ROOTS[1]);
      const { id, c } = await challengeOutput(f, f.ops[3], f.rollup, 1);
      expect(c.root).to.equal(ROOTS[1]);
      expect(await f.vital.openChallenge(f.rollupAddress, l2BlockOf(1), ROOTS[1])).to.deep.equal([true, id]);
      expect(await f.vital.openChallenge(f.rollupAddress, l2BlockOf(1), STATE_ROOTS[1])).to.deep.equal([false, 0n]);
      const requestId = await f.slashingManager.requestCount();
      await castVotes(f, id, [0, 1], true);
      await expect(f.vital.connect(f.ops[2].account).vote(id, true))
        .to.emit(f.slashingManager, "SlashRequested")
        .withArgs(
          requestId,
          f.ops[PROPOSER].address,
          f.vitalAddress,
          f.setId,
          f.proposerBps,
          INVALID_OUTPUT,
          evidenceOf(id, f.rollupAddress, l2BlockOf(1), ROOTS[1]),
          f.ops[3].address,
          anyValue,
        );
      expect(await f.vital.invalidatedAt(f.rollupAddress, l2BlockOf(1), ROOTS[1])).to.not.equal(0n);
      expect(await f.vital.invalidatedAt(f.rollupAddress, l2BlockOf(1), STATE_ROOTS[1])).to.equal(0n);
      // the same state root re-proposed on the same batches and parent is the same output: still proven wrong
      await (
        await f.rollup.connect(f.ops[PROPOSER].account).proposeOutput(l2BlockOf(1), STATE_ROOTS[1], ZeroHash)
      ).wait();
      expect((await f.rollup.output(1)).root).to.equal(ROOTS[1]);
      expect(await f.rollup.invalidatedAt(l2BlockOf(1), ROOTS[1])).to.not.equal(0n);
    });

    it("opens a challenge whose vote ends exactly when the output's challenge period does", async function () {
      const f = await loadFixture(vitalFixture);
      const { proposedAt } = await f.rollup.output(0);
      const at = proposedAt + CHALLENGE_PERIOD - f.votingPeriod;
      // days later, with no transaction to the set since the joins: it counts the same stake and is live
      const epoch = await f.operatorSets.epochAt(at);
      expect(epoch).to.equal(FIXTURE_EPOCH + 6n);
      await time.increaseTo(at - 10n);
      expect(await f.operatorSets.setStakeAt(f.setId, epoch)).to.equal(TOTAL_STAKE);
      expect(await f.operatorSets.isLive(f.setId, epoch)).to.equal(true);
      await time.setNextBlockTimestamp(at);
      await expect(f.vital.connect(f.ops[0].account).challenge(f.rollupAddress, 0))
        .to.emit(f.vital, "Challenged")
        .withArgs(0n, f.rollupAddress, 0n, f.ops[0].address, f.bond, epoch, proposedAt + CHALLENGE_PERIOD);
    });

    it("refuses an output whose challenge period would end before the vote (after 6 of its 7 days)", async function () {
      const f = await loadFixture(vitalFixture);
      const { proposedAt } = await f.rollup.output(0);
      const at = proposedAt + CHALLENGE_PERIOD - f.votingPeriod + 1n;
      await time.increaseTo(at - 10n);
      await time.setNextBlockTimestamp(at);
      await expect(f.vital.connect(f.ops[0].account).challenge(f.rollupAddress, 0))
        .to.be.revertedWithCustomError(f.vital, "VitalNotChallengeable")
        .withArgs(f.rollupAddress, 0n, at + f.votingPeriod, proposedAt + CHALLENGE_PERIOD);
    });

    it("refuses a finalized output", async function () {
      const f = await loadFixture(vitalFixture);
      const { proposedAt } = await f.rollup.output(0);
      await time.increaseTo(proposedAt + CHALLENGE_PERIOD);
      await (await f.rollup.finalize(0)).wait();
      expect((await f.rollup.output(0)).status).to.equal(OutputStatus.Finalized);
      const at = await nextBlockAt();
      await expect(f.vital.connect(f.ops[0].account).challenge(f.rollupAddress, 0))
        .to.be.revertedWithCustomError(f.vital, "VitalNotChallengeable")
        .withArgs(f.rollupAddress, 0n, at + f.votingPeriod, proposedAt + CHALLENGE_PERIOD);
    });

    it("refuses accounts that are not members of the rollup's set: a plain account, an operator outside it", async function () {
      const f = await loadFixture(vitalFixture);
      const plain = f.users[2];
      await (await f.token.connect(plain).approve(f.vitalAddress, ethers.MaxUint256)).wait();
      await expect(f.vital.connect(plain).challenge(f.rollupAddress, 0))
        .to.be.revertedWithCustomError(f.vital, "VitalNotMember")
        .withArgs(plain.address);
      const [outsider] = await addOperators(f.d, "vital-outsider", [STAKES[0]]);
      await expect(f.vital.connect(outsider.account).challenge(f.rollupAddress, 0))
        .to.be.revertedWithCustomError(f.vital, "VitalNotMember")
        .withArgs(outsider.address);
      // a member of another rollup's set is no member of this one
      await (
        await f.operatorSets.connect(outsider.account).join(await f.vital.setIdOf(f.plainAddress), STAKES[0])
      ).wait();
      await expect(f.vital.connect(outsider.account).challenge(f.rollupAddress, 0))
        .to.be.revertedWithCustomError(f.vital, "VitalNotMember")
        .withArgs(outsider.address);
    });

    it("accepts a member that joined in the current epoch (its stake counts only from the next one)", async function () {
      const f = await loadFixture(vitalFixture);
      const [late] = await addOperators(f.d, "vital-late", [STAKES[0]]);
      await (await f.operatorSets.connect(late.account).join(f.setId, STAKES[0])).wait();
      expect(await f.operatorSets.allocationAt(f.setId, late.address, FIXTURE_EPOCH)).to.equal(0n);
      await (await f.token.connect(f.funder).transfer(late.address, f.bond)).wait();
      await (await f.token.connect(late.account).approve(f.vitalAddress, f.bond)).wait();
      const at = await nextBlockAt();
      await expect(f.vital.connect(late.account).challenge(f.rollupAddress, 0))
        .to.emit(f.vital, "Challenged")
        .withArgs(0n, f.rollupAddress, 0n, late.address, f.bond, FIXTURE_EPOCH, at + f.votingPeriod);
      expect(await f.token.balanceOf(late.address)).to.equal(0n);
    });

    it("only a current member challenges: one that left (requested, replaced or removed) cannot, yet still votes", async function () {
      const f = await loadFixture(vitalFixture);
      const [requested, replaced, removed] = [f.ops[1], f.ops[2], f.ops[3]];
      // 1. it requests to leave: out of the member list at once, bound to the set until it completes leaving
      const at = await nextBlockAt();
      const leaveAt = at + (await f.registry.withdrawalDelay());
      await expect(f.operatorSets.connect(requested.account).requestLeave(f.setId))
        .to.emit(f.operatorSets, "LeaveRequested")
        .withArgs(f.setId, requested.address, leaveAt);
      const left = await f.operatorSets.membership(f.setId, requested.address);
      expect([left.member, left.leaveAt]).to.deep.equal([false, leaveAt]);
      await expect(f.vital.connect(requested.account).challenge(f.rollupAddress, 0))
        .to.be.revertedWithCustomError(f.vital, "VitalNotMember")
        .withArgs(requested.address);

      // 2. it is replaced in the full set by a newcomer allocating its allocation plus the churn margin
      const members = await f.operatorSets.members(f.setId);
      expect(members.length).to.equal(4);
      await (await f.vital.updateRollupSet(f.rollupAddress, setParams(f.d, { maxSize: 4n }))).wait();
      const margin = await f.operatorSets.churnMarginBps();
      const needed = (STAKES[2] * (BPS + margin) + BPS - 1n) / BPS;
      expect(needed).to.equal(2_200n * ALT);
      const [newcomer] = await addOperators(f.d, "vital-newcomer", [needed]);
      await expect(f.operatorSets.connect(newcomer.account).joinReplacing(f.setId, needed, replaced.address))
        .to.emit(f.operatorSets, "MemberReplaced")
        .withArgs(f.setId, replaced.address, newcomer.address);
      expect((await f.operatorSets.membership(f.setId, replaced.address)).member).to.equal(false);
      await expect(f.vital.connect(replaced.account).challenge(f.rollupAddress, 0))
        .to.be.revertedWithCustomError(f.vital, "VitalNotMember")
        .withArgs(replaced.address);

      // 3. anyone removes it once its allocation is below the set's (raised) minimum
      await (
        await f.vital.updateRollupSet(f.rollupAddress, setParams(f.d, { minStake: 2_000n * ALT, maxSize: 4n }))
      ).wait();
      await expect(f.operatorSets.connect(f.users[3]).removeMember(f.setId, removed.address))
        .to.emit(f.operatorSets, "MemberRemoved")
        .withArgs(f.setId, removed.address, STAKES[3]);
      await expect(f.vital.connect(removed.account).challenge(f.rollupAddress, 0))
        .to.be.revertedWithCustomError(f.vital, "VitalNotMember")
        .withArgs(removed.address);
      expect(await f.vital.challengeCount()).to.equal(0n);

      // all three still vote with their allocation counted in the challenge's epoch, the one they left in
      const { id } = await challengeOutput(f, f.ops[0], f.rollup, 0);
      for (const [index, op] of [
        [1, requested],
        [2, replaced],
        [3, removed],
      ] as const) {
        expect((await f.operatorSets.allocation(f.setId, op.address)).allocated).to.equal(0n);
        await expect(f.vital.connect(op.account).vote(id, true))
          .to.emit(f.vital, "Voted")
          .withArgs(id, op.address, true, STAKES[index]);
      }
    });

    it("takes a challenge from a member jailed by a pending slash request: its bond is at stake, not a privilege", async function () {
      const f = await invalidatedFixture();
      const proposer = f.ops[PROPOSER];
      expect(await f.registry.isJailed(proposer.address)).to.equal(true);
      expect((await f.operatorSets.membership(f.plainSetId, proposer.address)).member).to.equal(true);
      const before = await f.token.balanceOf(proposer.address);
      const id = await f.vital.challengeCount();
      expect(id).to.equal(f.id + 1n);
      const at = await nextBlockAt();
      await expect(f.vital.connect(proposer.account).challenge(f.plainAddress, 0))
        .to.emit(f.vital, "Challenged")
        .withArgs(id, f.plainAddress, 0n, proposer.address, f.bond, FIXTURE_EPOCH, at + f.votingPeriod);
      expect(await f.token.balanceOf(proposer.address)).to.equal(before - f.bond);
      const c = await f.vital.challengeOf(id);
      expect([c.challenger, c.result, c.epoch]).to.deep.equal([proposer.address, Result.Open, FIXTURE_EPOCH]);
    });

    it("refuses a second challenge of an output while one is open, and takes one again once it is resolved", async function () {
      const f = await loadFixture(vitalFixture);
      const { id, c } = await challengeOutput(f, f.ops[0], f.rollup, 1);
      await expect(f.vital.connect(f.ops[1].account).challenge(f.rollupAddress, 1))
        .to.be.revertedWithCustomError(f.vital, "VitalChallengeOpen")
        .withArgs(id);
      // other outputs, and the same index of another rollup, stay challengeable
      expect((await challengeOutput(f, f.ops[1], f.rollup, 2)).id).to.equal(id + 1n);
      expect((await challengeOutput(f, f.ops[1], f.plainRollup, 1)).id).to.equal(id + 2n);
      await time.increaseTo(c.deadline);
      await (await f.vital.resolve(id)).wait();
      expect(await f.vital.openChallenge(f.rollupAddress, l2BlockOf(1), ROOTS[1])).to.deep.equal([false, 0n]);
      expect((await challengeOutput(f, f.ops[1], f.rollup, 1)).id).to.equal(id + 3n);
      expect(await f.vital.openChallenge(f.rollupAddress, l2BlockOf(1), ROOTS[1])).to.deep.equal([true, id + 3n]);
    });

    it("votes count the stake of the challenge's epoch from the checkpoints, not what counts when they are cast", async function () {
      const f = await loadFixture(vitalFixture);
      // an hour into the next epoch, with no transaction to the set since the joins
      const epoch = FIXTURE_EPOCH + 1n;
      await time.increaseTo((await f.operatorSets.epochStart(epoch)) + BigInt(HOUR));
      const { id, c } = await challengeOutput(f, f.ops[3], f.rollup, 0);
      expect(c.epoch).to.equal(epoch);

      // during the challenge's epoch, member 3 allocates 1,000 ALT more and member 2 half its allocation less: both
      // count from the next epoch only, which the challenge does not read
      const extra = 1_000n * ALT;
      const [two, three] = [f.ops[2], f.ops[3]];
      await (await f.token.connect(f.funder).transfer(three.address, extra)).wait();
      await (await f.token.connect(three.account).approve(await f.registry.getAddress(), extra)).wait();
      await (await f.registry.connect(three.account).stake(three.address, 0, extra)).wait();
      await (await f.operatorSets.connect(three.account).allocate(f.setId, STAKES[3] + extra)).wait();
      await (await f.operatorSets.connect(two.account).allocate(f.setId, STAKES[2] / 2n)).wait();
      const next = TOTAL_STAKE + extra - STAKES[2] / 2n;
      expect(await f.operatorSets.setStakeAt(f.setId, epoch + 1n)).to.equal(next);
      expect(await f.operatorSets.setStakeAt(f.setId, epoch)).to.equal(TOTAL_STAKE);

      // the votes, some cast in the next epoch, count what was allocated in the challenge's: two thirds of its stake
      await castVotes(f, id, [0, 1], true);
      await time.increaseTo(await f.operatorSets.epochStart(epoch + 1n));
      expect(await time.latest()).to.be.lessThan(Number(c.deadline));
      await expect(f.vital.connect(two.account).vote(id, true))
        .to.emit(f.vital, "Voted")
        .withArgs(id, two.address, true, STAKES[2])
        .and.to.emit(f.vital, "Resolved")
        .withArgs(id, Result.Invalidated);
      const after = await f.vital.challengeOf(id);
      expect(after.invalidStake).to.equal(stakeOf(QUORUM));
      expect(await votesOf(f, id)).to.deep.equal(expectedVotes({ 0: Vote.Invalid, 1: Vote.Invalid, 2: Vote.Invalid }));
      // what the same votes weigh in the next epoch would not have been two thirds of its stake
      const weighed = STAKES[0] + STAKES[1] + STAKES[2] / 2n;
      expect(weighed * 3n).to.be.lessThan(next * 2n);
    });

    it("refuses an output index the rollup does not have", async function () {
      const f = await loadFixture(vitalFixture);
      expect(await f.rollup.outputCount()).to.equal(3n);
      await expect(f.vital.connect(f.ops[0].account).challenge(f.rollupAddress, 3))
        .to.be.revertedWithCustomError(f.rollup, "RollupUnknownOutput")
        .withArgs(3n);
    });

    it("refuses a rollup not registered in VITAL: a factory rollup never registered, one without VITAL, an account", async function () {
      const f = await loadFixture(vitalFixture);
      const launch = async (chainId: number, services: number) =>
        (
          await createRollup(f, f.creator, { chainId, salt: ethers.id(`vital-unregistered-${chainId}`), services })
        ).getAddress();
      const unregistered = await launch(71_003, SERVICE.VITAL | SERVICE.MACH);
      const withoutVital = await launch(71_004, SERVICE.MACH);
      await expect(f.vital.registerRollup(withoutVital))
        .to.be.revertedWithCustomError(f.vital, "ServiceNotEnabled")
        .withArgs(withoutVital);
      for (const rollup of [unregistered, withoutVital, f.users[3].address]) {
        await expect(f.vital.connect(f.ops[0].account).challenge(rollup, 0))
          .to.be.revertedWithCustomError(f.vital, "ServiceNotRegistered")
          .withArgs(rollup);
      }
    });

    it("refuses a challenger that has not approved the bond", async function () {
      const f = await loadFixture(vitalFixture);
      await (await f.token.connect(f.ops[0].account).approve(f.vitalAddress, f.bond - 1n)).wait();
      await expect(f.vital.connect(f.ops[0].account).challenge(f.rollupAddress, 0))
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance")
        .withArgs(f.vitalAddress, f.bond - 1n, f.bond);
      expect(await f.vital.challengeCount()).to.equal(0n);
    });

    it("takes no ALT when the bond is zero", async function () {
      const f = await loadFixture(vitalFixture);
      await (await f.vital.setParameters(f.treasury.address, 0, f.votingPeriod, f.proposerBps, f.voterBps)).wait();
      await (await f.token.connect(f.ops[0].account).approve(f.vitalAddress, 0)).wait();
      const before = await f.token.balanceOf(f.ops[0].address);
      const at = await nextBlockAt();
      await expect(f.vital.connect(f.ops[0].account).challenge(f.rollupAddress, 0))
        .to.emit(f.vital, "Challenged")
        .withArgs(0n, f.rollupAddress, 0n, f.ops[0].address, 0n, FIXTURE_EPOCH, at + f.votingPeriod);
      expect(await f.token.balanceOf(f.ops[0].address)).to.equal(before);
      // its failure moves no ALT either
      await time.increaseTo(at + f.votingPeriod);
      const treasuryBefore = await f.token.balanceOf(f.treasury.address);
      await expect(f.vital.resolve(0)).to.emit(f.vital, "Resolved").withArgs(0n, Result.Failed);
      expect(await f.token.balanceOf(f.treasury.address)).to.equal(treasuryBefore);
    });
  });

  describe("liveness", function () {
    it("an empty or non-live set decides nothing: one member alone in a fresh set whose minimums count from the next epoch", async function () {
      const f = await loadFixture(vitalFixture);
      // a fresh rollup (its creator proposes), registered in this epoch: its set's minimums count from the next one
      const fresh = await launchRollup(f.d, f.creator, { chainId: 71_010, salt: ethers.id("vital-empty") });
      const freshAddress = await fresh.getAddress();
      const freshSetId = await f.vital.setIdOf(freshAddress);
      await (await fresh.connect(f.creator).proposeOutput(l2BlockOf(0), STATE_ROOTS[0], ZeroHash)).wait();
      const minStake = f.d.config.minStake;
      const [attacker, second] = await addOperators(f.d, "vital-attacker", [minStake, minStake]);
      await (await f.token.connect(f.funder).transfer(attacker.address, f.bond)).wait();
      await (await f.token.connect(attacker.account).approve(f.vitalAddress, f.bond)).wait();
      // governance asks two members from the next epoch on (the default asks one, which the attacker alone would be)
      await expect(f.vital.updateRollupSet(freshAddress, setParams(f.d, { minMembers: 2n })))
        .to.emit(f.operatorSets, "LivenessUpdated")
        .withArgs(freshSetId, 2n, f.d.config.minTotalStake);

      // the attacker joins alone: in this epoch nothing counts, and no minimums either (they count from the next
      // one), but a set with no stake is never live
      await expect(f.operatorSets.connect(attacker.account).join(freshSetId, minStake))
        .to.emit(f.operatorSets, "Joined")
        .withArgs(freshSetId, attacker.address);
      expect(await f.operatorSets.livenessAt(freshSetId, FIXTURE_EPOCH)).to.deep.equal([0n, 0n]);
      expect(await f.operatorSets.setStakeAt(freshSetId, FIXTURE_EPOCH)).to.equal(0n);
      expect(await f.operatorSets.memberCountAt(freshSetId, FIXTURE_EPOCH)).to.equal(0n);
      expect(await f.operatorSets.isLive(freshSetId, FIXTURE_EPOCH)).to.equal(false);
      await expect(f.vital.connect(attacker.account).challenge(freshAddress, 0))
        .to.be.revertedWithCustomError(f.vital, "ServiceSetNotLive")
        .withArgs(freshSetId, FIXTURE_EPOCH);

      // the next epoch counts its stake, all of the set's, and the minimums with it: one member of the two asked
      const next = await nextEpoch(f.operatorSets);
      expect(await f.operatorSets.setStakeAt(freshSetId, next)).to.equal(minStake);
      expect(await f.operatorSets.memberCountAt(freshSetId, next)).to.equal(1n);
      expect(await f.operatorSets.isLive(freshSetId, next)).to.equal(false);
      await expect(f.vital.connect(attacker.account).challenge(freshAddress, 0))
        .to.be.revertedWithCustomError(f.vital, "ServiceSetNotLive")
        .withArgs(freshSetId, next);

      // no challenge exists that a vote or resolve could decide on: the output stays live, the bond unpaid
      expect(await f.vital.challengeCount()).to.equal(0n);
      await expect(f.vital.resolve(0)).to.be.revertedWithCustomError(f.vital, "VitalUnknownChallenge").withArgs(0n);
      expect(await f.token.balanceOf(attacker.address)).to.equal(f.bond);
      expect(await fresh.outputCount()).to.equal(1n);
      expect((await fresh.output(0)).status).to.equal(OutputStatus.Proposed);
      expect(await f.vital.openChallenge(freshAddress, l2BlockOf(0), ROOTS[0])).to.deep.equal([false, 0n]);
      expect(await f.vital.invalidatedAt(freshAddress, l2BlockOf(0), ROOTS[0])).to.equal(0n);

      // a second member joins: the set is live from the epoch after, where both count (and the attacker holds half)
      await (await f.operatorSets.connect(second.account).join(freshSetId, minStake)).wait();
      expect(await f.operatorSets.isLive(freshSetId, next)).to.equal(false);
      const live = await nextEpoch(f.operatorSets);
      expect(await f.operatorSets.memberCountAt(freshSetId, live)).to.equal(2n);
      expect(await f.operatorSets.isLive(freshSetId, live)).to.equal(true);
      const at = await nextBlockAt();
      await expect(f.vital.connect(attacker.account).challenge(freshAddress, 0))
        .to.emit(f.vital, "Challenged")
        .withArgs(0n, freshAddress, 0n, attacker.address, f.bond, live, at + f.votingPeriod);
      // alone, it is half the stake: short of two thirds
      await expect(f.vital.connect(attacker.account).vote(0, true))
        .to.emit(f.vital, "Voted")
        .withArgs(0n, attacker.address, true, minStake);
      expect((await f.vital.challengeOf(0)).result).to.equal(Result.Open);
    });

    it("a set below its minimum operators or stake counted decides nothing (live at exactly the minimum, from the next epoch)", async function () {
      const f = await loadFixture(vitalFixture);
      expect(await f.operatorSets.memberCountAt(f.setId, FIXTURE_EPOCH)).to.equal(5n);
      expect(await f.operatorSets.setStakeAt(f.setId, FIXTURE_EPOCH)).to.equal(TOTAL_STAKE);
      expect(await f.operatorSets.isLive(f.setId, FIXTURE_EPOCH)).to.equal(true);
      /**
       * New minimums: they leave the current epoch's liveness as it was and count from the next epoch (the same five
       * members and stake), which this moves to.
       */
      const minimumsFrom = async (minMembers: bigint, minTotalStake: bigint) => {
        const current = await f.operatorSets.currentEpoch();
        const wasLive = await f.operatorSets.isLive(f.setId, current);
        await expect(f.vital.updateRollupSet(f.rollupAddress, setParams(f.d, { minMembers, minTotalStake })))
          .to.emit(f.operatorSets, "LivenessUpdated")
          .withArgs(f.setId, minMembers, minTotalStake);
        expect(await f.operatorSets.isLive(f.setId, current)).to.equal(wasLive);
        const epoch = await nextEpoch(f.operatorSets);
        expect(await f.operatorSets.memberCountAt(f.setId, epoch)).to.equal(5n);
        expect(await f.operatorSets.setStakeAt(f.setId, epoch)).to.equal(TOTAL_STAKE);
        return epoch;
      };
      const challenger = f.ops[0];
      // asked in the fixture's epoch, the first minimums do not rewrite it: it is still live and decides
      await (await f.vital.updateRollupSet(f.rollupAddress, setParams(f.d, { minMembers: 6n }))).wait();
      expect(await f.operatorSets.isLive(f.setId, FIXTURE_EPOCH)).to.equal(true);
      const { id, c } = await challengeOutput(f, f.ops[1], f.rollup, 2);
      expect([id, c.epoch]).to.deep.equal([0n, FIXTURE_EPOCH]);
      const before = await f.token.balanceOf(challenger.address);
      // one member short, then one wei of stake short
      for (const [minMembers, minTotalStake] of [
        [6n, TOTAL_STAKE],
        [5n, TOTAL_STAKE + 1n],
      ]) {
        const epoch = await minimumsFrom(minMembers, minTotalStake);
        expect(await f.operatorSets.isLive(f.setId, epoch)).to.equal(false);
        await expect(f.vital.connect(challenger.account).challenge(f.rollupAddress, 0))
          .to.be.revertedWithCustomError(f.vital, "ServiceSetNotLive")
          .withArgs(f.setId, epoch);
      }
      expect(await f.vital.challengeCount()).to.equal(1n);
      expect(await f.token.balanceOf(challenger.address)).to.equal(before);
      expect((await f.rollup.output(0)).status).to.equal(OutputStatus.Proposed);
      // exactly five members and 18,000 ALT
      const epoch = await minimumsFrom(5n, TOTAL_STAKE);
      expect(epoch).to.equal(FIXTURE_EPOCH + 3n);
      expect(await f.operatorSets.isLive(f.setId, epoch)).to.equal(true);
      const at = await nextBlockAt();
      await expect(f.vital.connect(challenger.account).challenge(f.rollupAddress, 0))
        .to.emit(f.vital, "Challenged")
        .withArgs(1n, f.rollupAddress, 0n, challenger.address, f.bond, epoch, at + f.votingPeriod);
    });
  });

  describe("vote", function () {
    it("counts the voter's allocation counted in the challenge's epoch, not its current stake or allocation", async function () {
      const f = await loadFixture(vitalFixture);
      const { id } = await challengeOutput(f, f.ops[0], f.rollup, 0);
      // member 0 stakes 1,000 ALT more after the challenge and allocates it to the set: that counts from the next epoch
      const extra = 1_000n * ALT;
      await (await f.token.connect(f.ops[0].account).approve(await f.registry.getAddress(), extra)).wait();
      await (await f.registry.connect(f.ops[0].account).stake(f.ops[0].address, 0, extra)).wait();
      await (await f.operatorSets.connect(f.ops[0].account).allocate(f.setId, STAKES[0] + extra)).wait();
      expect(await f.registry.operatorStake(f.ops[0].address)).to.equal(2n * STAKES[0] + extra);
      expect((await f.operatorSets.allocation(f.setId, f.ops[0].address)).allocated).to.equal(STAKES[0] + extra);
      expect(await f.operatorSets.allocationAt(f.setId, f.ops[0].address, FIXTURE_EPOCH + 1n)).to.equal(
        STAKES[0] + extra,
      );

      await expect(f.vital.connect(f.ops[0].account).vote(id, true))
        .to.emit(f.vital, "Voted")
        .withArgs(id, f.ops[0].address, true, STAKES[0]);
      await expect(f.vital.connect(f.ops[3].account).vote(id, false))
        .to.emit(f.vital, "Voted")
        .withArgs(id, f.ops[3].address, false, STAKES[3]);
      await expect(f.vital.connect(f.ops[PROPOSER].account).vote(id, false))
        .to.emit(f.vital, "Voted")
        .withArgs(id, f.ops[PROPOSER].address, false, STAKES[PROPOSER]);
      const c = await f.vital.challengeOf(id);
      expect(c.invalidStake).to.equal(STAKES[0]);
      expect(c.validStake).to.equal(STAKES[3] + STAKES[PROPOSER]);
      expect(await votesOf(f, id)).to.deep.equal(
        expectedVotes({ 0: Vote.Invalid, 3: Vote.Valid, [PROPOSER]: Vote.Valid }),
      );
      expect(c.result).to.equal(Result.Open);
    });

    it("an operator that joined after the challenge's epoch began cannot vote (VitalNotVoter(operator, epoch))", async function () {
      const f = await loadFixture(vitalFixture);
      // one joins in the challenge's epoch before the challenge, one after it
      const [before, after] = await addOperators(f.d, "vital-late", [STAKES[0], STAKES[0]]);
      await (await f.operatorSets.connect(before.account).join(f.setId, STAKES[0])).wait();
      const { id, c } = await challengeOutput(f, f.ops[0], f.rollup, 0);
      expect(c.epoch).to.equal(FIXTURE_EPOCH);
      await (await f.operatorSets.connect(after.account).join(f.setId, STAKES[0])).wait();
      // so does a plain account, and an operator of the set of another rollup only
      const [other] = await addOperators(f.d, "vital-other", [STAKES[0]]);
      await (await f.operatorSets.connect(other.account).join(f.plainSetId, STAKES[0])).wait();
      const refused = [before.account, after.account, f.users[2], other.account];
      for (const voter of refused) {
        await expect(f.vital.connect(voter).vote(id, true))
          .to.be.revertedWithCustomError(f.vital, "VitalNotVoter")
          .withArgs(voter.address, FIXTURE_EPOCH);
      }
      // the next epoch counts their allocations, but the challenge reads its own epoch's
      const next = await nextEpoch(f.operatorSets);
      expect(await time.latest()).to.be.lessThan(Number(c.deadline));
      for (const op of [before, after]) {
        expect(await f.operatorSets.allocationAt(f.setId, op.address, next)).to.equal(STAKES[0]);
        await expect(f.vital.connect(op.account).vote(id, true))
          .to.be.revertedWithCustomError(f.vital, "VitalNotVoter")
          .withArgs(op.address, FIXTURE_EPOCH);
        expect(await f.vital.voteOf(id, op.address)).to.equal(Vote.None);
      }
      const unchanged = await f.vital.challengeOf(id);
      expect([unchanged.invalidStake, unchanged.validStake]).to.deep.equal([0n, 0n]);
      // on a challenge of the next epoch they vote with that stake
      const { id: later } = await challengeOutput(f, f.ops[1], f.rollup, 1);
      await expect(f.vital.connect(after.account).vote(later, false))
        .to.emit(f.vital, "Voted")
        .withArgs(later, after.address, false, STAKES[0]);
    });

    it("a member that left after the challenge was opened still votes with the stake it had (its allocation counted in that epoch)", async function () {
      const f = await loadFixture(vitalFixture);
      const { id, c } = await challengeOutput(f, f.ops[0], f.rollup, 1);
      const leaver = f.ops[1];
      await expect(f.operatorSets.connect(leaver.account).requestLeave(f.setId)).to.emit(
        f.operatorSets,
        "LeaveRequested",
      );
      expect((await f.operatorSets.membership(f.setId, leaver.address)).member).to.equal(false);
      expect((await f.operatorSets.allocation(f.setId, leaver.address)).allocated).to.equal(0n);
      // its leaving counts from the next epoch: the set's stake of the challenge's epoch is unchanged
      expect(await f.operatorSets.allocationAt(f.setId, leaver.address, FIXTURE_EPOCH)).to.equal(STAKES[1]);
      expect(await f.operatorSets.setStakeAt(f.setId, FIXTURE_EPOCH)).to.equal(TOTAL_STAKE);
      expect(await f.operatorSets.setStakeAt(f.setId, FIXTURE_EPOCH + 1n)).to.equal(TOTAL_STAKE - STAKES[1]);

      // it votes in the next epoch, once it no longer counts there, with what it had in the challenge's
      const next = await nextEpoch(f.operatorSets);
      expect(await f.operatorSets.allocationAt(f.setId, leaver.address, next)).to.equal(0n);
      expect(await time.latest()).to.be.lessThan(Number(c.deadline));
      await castVotes(f, id, [0], true);
      await expect(f.vital.connect(leaver.account).vote(id, true))
        .to.emit(f.vital, "Voted")
        .withArgs(id, leaver.address, true, STAKES[1]);
      expect((await f.vital.challengeOf(id)).invalidStake).to.equal(STAKES[0] + STAKES[1]);
      // two thirds of the challenge epoch's 18,000 ALT, not of the 14,000 ALT left: member 2 completes it
      await expect(f.vital.connect(f.ops[2].account).vote(id, true))
        .to.emit(f.vital, "Resolved")
        .withArgs(id, Result.Invalidated);
      expect(await f.vital.voteOf(id, leaver.address)).to.equal(Vote.Invalid);

      // on a challenge opened in the next epoch it has nothing counted in the set: it cannot vote
      const { id: later, c: laterChallenge } = await challengeOutput(f, f.ops[0], f.rollup, 0);
      expect(laterChallenge.epoch).to.equal(next);
      await expect(f.vital.connect(leaver.account).vote(later, false))
        .to.be.revertedWithCustomError(f.vital, "VitalNotVoter")
        .withArgs(leaver.address, next);
    });

    it("refuses a second vote of a member, on either side (VitalAlreadyVoted), and keeps its first", async function () {
      const f = await loadFixture(vitalFixture);
      const { id } = await challengeOutput(f, f.ops[0], f.rollup, 0);
      await castVotes(f, id, [1], true);
      await castVotes(f, id, [3], false);
      for (const [voter, invalid] of [
        [1, true],
        [1, false],
        [3, false],
        [3, true],
      ] as const) {
        await expect(f.vital.connect(f.ops[voter].account).vote(id, invalid))
          .to.be.revertedWithCustomError(f.vital, "VitalAlreadyVoted")
          .withArgs(id, f.ops[voter].address);
      }
      const c = await f.vital.challengeOf(id);
      expect([c.invalidStake, c.validStake]).to.deep.equal([STAKES[1], STAKES[3]]);
      expect(await votesOf(f, id)).to.deep.equal(expectedVotes({ 1: Vote.Invalid, 3: Vote.Valid }));
      // a vote on one challenge is none on another
      const { id: other } = await challengeOutput(f, f.ops[0], f.plainRollup, 0);
      await expect(f.vital.connect(f.ops[1].account).vote(other, false))
        .to.emit(f.vital, "Voted")
        .withArgs(other, f.ops[1].address, false, STAKES[1]);
    });

    it("accepts votes until one second before the deadline, refuses them from the deadline on", async function () {
      const f = await loadFixture(vitalFixture);
      const { id, c } = await challengeOutput(f, f.ops[0], f.rollup, 0);
      await time.setNextBlockTimestamp(c.deadline - 1n);
      await expect(f.vital.connect(f.ops[1].account).vote(id, true))
        .to.emit(f.vital, "Voted")
        .withArgs(id, f.ops[1].address, true, STAKES[1]);
      await expect(f.vital.connect(f.ops[2].account).vote(id, true))
        .to.be.revertedWithCustomError(f.vital, "VitalVotingClosed")
        .withArgs(id, c.deadline);
    });

    it('a jailed member votes with its stake of the challenge\'s epoch, and a "valid" vote stays reportable', async function () {
      const f = await loadFixture(vitalFixture);
      const jailed = f.ops[PROPOSER];
      // a challenge of the plain rollup, whose set counts member 4's allocation in the challenge's epoch ...
      const { id } = await challengeOutput(f, f.ops[1], f.plainRollup, 0);
      // ... which gets jailed when its own output is invalidated
      const { id: other } = await challengeOutput(f, f.ops[0], f.rollup, 0);
      await castVotes(f, other, QUORUM, true);
      expect(await f.registry.pendingSlashes(jailed.address)).to.equal(1n);
      expect(await f.operatorSets.allocationAt(f.plainSetId, jailed.address, FIXTURE_EPOCH)).to.equal(STAKES[PROPOSER]);
      await expect(f.vital.connect(jailed.account).vote(id, false))
        .to.emit(f.vital, "Voted")
        .withArgs(id, jailed.address, false, STAKES[PROPOSER]);
      let c = await f.vital.challengeOf(id);
      expect([c.invalidStake, c.validStake, c.result]).to.deep.equal([0n, STAKES[PROPOSER], Result.Open]);
      expect(await f.vital.voteOf(id, jailed.address)).to.equal(Vote.Valid);

      // the output is invalidated regardless: the jailed member's "valid" vote is reported like any other
      await castVotes(f, id, QUORUM, true);
      c = await f.vital.challengeOf(id);
      expect([c.invalidStake, c.result]).to.deep.equal([stakeOf(QUORUM), Result.Invalidated]);
      const requestId = await f.slashingManager.requestCount();
      await expect(f.vital.connect(f.users[3]).reportVoters(id, [jailed.address]))
        .to.emit(f.vital, "VoterReported")
        .withArgs(id, jailed.address, requestId);
      expect((await f.slashingManager.request(requestId)).setId).to.equal(f.plainSetId);
      expect(await f.registry.pendingSlashes(jailed.address)).to.equal(2n);
      expect(await f.vital.voteOf(id, jailed.address)).to.equal(Vote.ValidReported);
    });

    it("over a third of the stake jailed by pending (later vetoed) requests does not block an invalidation", async function () {
      const f = await loadFixture(vitalFixture);
      const [one, four] = [f.ops[1], f.ops[PROPOSER]];
      // challenge A, of the proposer's (member 4's) output 0: member 1 votes "valid", the others "invalid" (member 4
      // too: its vote takes "invalid" over two thirds), which reports member 4; then member 1 is reported as a voter
      const { id: a } = await challengeOutput(f, f.ops[0], f.rollup, 0);
      await castVotes(f, a, [1], false);
      const proposerRequest = await f.slashingManager.requestCount();
      await castVotes(f, a, [0, 2, 3, PROPOSER], true);
      expect((await f.vital.challengeOf(a)).result).to.equal(Result.Invalidated);
      const voterRequest = proposerRequest + 1n;
      await expect(f.vital.reportVoters(a, [one.address]))
        .to.emit(f.vital, "VoterReported")
        .withArgs(a, one.address, voterRequest);
      for (const op of [one, four]) expect(await f.registry.pendingSlashes(op.address)).to.equal(1n);
      // the jailed members hold over a third of the plain rollup's set's stake: the others alone cannot reach two thirds
      const jailedStake = stakeOf([1, PROPOSER]);
      expect(jailedStake).to.equal(8_000n * ALT + 1n);
      expect(jailedStake * 3n).to.be.greaterThan(TOTAL_STAKE);
      expect(stakeOf([0, 2, 3]) * 3n).to.be.lessThan(TOTAL_STAKE * 2n);

      // challenge B, of the plain rollup's output 0 in the same epoch: both jailed members vote "invalid" with their
      // stake of the epoch, and members 2 and 3 take it to exactly two thirds (member 0 does not vote)
      const { id: b } = await challengeOutput(f, f.ops[0], f.plainRollup, 0);
      expect((await f.vital.challengeOf(b)).epoch).to.equal(FIXTURE_EPOCH);
      await expect(f.vital.connect(one.account).vote(b, true))
        .to.emit(f.vital, "Voted")
        .withArgs(b, one.address, true, STAKES[1]);
      await expect(f.vital.connect(four.account).vote(b, true))
        .to.emit(f.vital, "Voted")
        .withArgs(b, four.address, true, STAKES[PROPOSER]);
      await castVotes(f, b, [2], true);
      expect((await f.vital.challengeOf(b)).result).to.equal(Result.Open);
      await expect(f.vital.connect(f.ops[3].account).vote(b, true))
        .to.emit(f.vital, "Voted")
        .withArgs(b, f.ops[3].address, true, STAKES[3])
        .and.to.emit(f.vital, "Resolved")
        .withArgs(b, Result.Invalidated);
      const c = await f.vital.challengeOf(b);
      expect(c.invalidStake).to.equal(stakeOf([1, PROPOSER, 2, 3]));
      expect(c.invalidStake * 3n).to.equal(TOTAL_STAKE * 2n);
      expect(await f.plainRollup.outputCount()).to.equal(0n);

      // the council vetoes both requests: the members are free again, the invalidation stands
      for (const [requestId, op] of [
        [proposerRequest, four],
        [voterRequest, one],
      ] as const) {
        await expect(f.slashingManager.connect(f.council).veto(requestId))
          .to.emit(f.slashingManager, "SlashVetoed")
          .withArgs(requestId, op.address);
        expect(await f.registry.isJailed(op.address)).to.equal(false);
      }
      expect((await f.vital.challengeOf(b)).result).to.equal(Result.Invalidated);
      expect(await f.vital.invalidatedAt(f.plainAddress, l2BlockOf(0), ROOTS[0])).to.not.equal(0n);
      expect(await f.plainRollup.outputCount()).to.equal(0n);
    });

    it("refuses votes on a challenge that is no longer open, or does not exist", async function () {
      const f = await loadFixture(vitalFixture);
      const { id: invalidated } = await challengeOutput(f, f.ops[0], f.rollup, 0);
      await castVotes(f, invalidated, QUORUM, true);
      await expect(f.vital.connect(f.ops[3].account).vote(invalidated, true))
        .to.be.revertedWithCustomError(f.vital, "VitalNotOpen")
        .withArgs(invalidated, Result.Invalidated);
      const { id: failed, c } = await challengeOutput(f, f.ops[0], f.plainRollup, 0);
      await time.increaseTo(c.deadline);
      await (await f.vital.resolve(failed)).wait();
      await expect(f.vital.connect(f.ops[3].account).vote(failed, true))
        .to.be.revertedWithCustomError(f.vital, "VitalNotOpen")
        .withArgs(failed, Result.Failed);
      await expect(f.vital.connect(f.ops[3].account).vote(2, true))
        .to.be.revertedWithCustomError(f.vital, "VitalUnknownChallenge")
        .withArgs(2n);
    });

    it("does not invalidate one wei short of two thirds", async function () {
      const f = await loadFixture(vitalFixture);
      const { id } = await challengeOutput(f, f.ops[0], f.rollup, 0);
      expect(stakeOf(SHORT) * 3n).to.be.lessThan(TOTAL_STAKE * 2n);
      await castVotes(f, id, SHORT, true);
      // "valid" votes never count toward the two thirds
      await castVotes(f, id, [PROPOSER], false);
      const c = await f.vital.challengeOf(id);
      expect(c.result).to.equal(Result.Open);
      expect(c.invalidStake).to.equal(stakeOf(SHORT));
      expect(await votesOf(f, id)).to.deep.equal(
        expectedVotes({ 0: Vote.Invalid, 1: Vote.Invalid, 3: Vote.Invalid, [PROPOSER]: Vote.Valid }),
      );
      expect(await f.rollup.outputCount()).to.equal(3n);
      expect(await f.vital.invalidatedAt(f.rollupAddress, l2BlockOf(0), ROOTS[0])).to.equal(0n);
      expect(await f.vital.openChallenge(f.rollupAddress, l2BlockOf(0), ROOTS[0])).to.deep.equal([true, id]);
      expect(await f.registry.isJailed(f.ops[PROPOSER].address)).to.equal(false);
    });

    it("invalidates the output and every later one at exactly two thirds, returns the bond and reports the proposer", async function () {
      const f = await loadFixture(vitalFixture);
      const challenger = f.ops[3];
      const proposer = f.ops[PROPOSER];
      const output = await f.rollup.output(1);
      const { id } = await challengeOutput(f, challenger, f.rollup, 1);
      await castVotes(f, id, [0, 1], true);
      expect((await f.vital.challengeOf(id)).result).to.equal(Result.Open);

      const requestId = await f.slashingManager.requestCount();
      const challengerBefore = await f.token.balanceOf(challenger.address);
      const vitalBefore = await f.token.balanceOf(f.vitalAddress);
      const at = await nextBlockAt();
      const tx = f.vital.connect(f.ops[2].account).vote(id, true);
      await expect(tx)
        .to.emit(f.vital, "Voted")
        .withArgs(id, f.ops[2].address, true, STAKES[2])
        .and.to.emit(f.vital, "Resolved")
        .withArgs(id, Result.Invalidated)
        .and.to.emit(f.rollup, "OutputsInvalidated")
        .withArgs(1n, 3n)
        .and.to.emit(f.rollup, "OutputBondForfeited")
        .withArgs(1n, challenger.address, f.bondReward, f.outputBond - f.bondReward, f.outputBond)
        .and.to.emit(f.vital, "ProposerReported")
        .withArgs(id, proposer.address, requestId);
      await expect(tx)
        .to.emit(f.slashingManager, "SlashRequested")
        .withArgs(
          requestId,
          proposer.address,
          f.vitalAddress,
          f.setId,
          f.proposerBps,
          INVALID_OUTPUT,
          evidenceOf(id, f.rollupAddress, l2BlockOf(1), ROOTS[1]),
          challenger.address,
          at + f.vetoWindow,
        );
      await expect(tx).not.to.emit(f.vital, "ProposerNotSlashed");
      expect(await f.token.balanceOf(challenger.address)).to.equal(challengerBefore + f.bond + f.bondReward);
      expect(await f.token.balanceOf(f.vitalAddress)).to.equal(vitalBefore - f.bond);

      // output 1 and output 2 are gone, output 0 stays
      expect(await f.rollup.outputCount()).to.equal(1n);
      expect((await f.rollup.output(0)).root).to.equal(ROOTS[0]);
      await expect(f.rollup.output(1)).to.be.revertedWithCustomError(f.rollup, "RollupUnknownOutput").withArgs(1n);
      const c = await f.vital.challengeOf(id);
      expect(c.result).to.equal(Result.Invalidated);
      expect(c.invalidStake).to.equal(stakeOf(QUORUM));
      expect(await votesOf(f, id)).to.deep.equal(expectedVotes({ 0: Vote.Invalid, 1: Vote.Invalid, 2: Vote.Invalid }));
      expect(c.proposedAt).to.equal(output.proposedAt);
      expect(await f.vital.invalidatedAt(f.rollupAddress, l2BlockOf(1), ROOTS[1])).to.equal(at);
      expect(await f.vital.invalidatedAt(f.rollupAddress, l2BlockOf(0), ROOTS[0])).to.equal(0n);
      expect(await f.vital.openChallenge(f.rollupAddress, l2BlockOf(1), ROOTS[1])).to.deep.equal([false, 0n]);

      const request = await f.slashingManager.request(requestId);
      expect(request.operator).to.equal(proposer.address);
      expect(request.bps).to.equal(f.proposerBps);
      expect(request.status).to.equal(SlashStatus.Pending);
      expect(request.requestedAt).to.equal(at);
      expect(request.reporter).to.equal(challenger.address);
      expect(request.executableAt).to.equal(at + f.vetoWindow);
      expect(await f.registry.isJailed(proposer.address)).to.equal(true);

      // the proposer resumes after the last live output
      await expect(f.rollup.connect(proposer.account).proposeOutput(l2BlockOf(1), STATE_ROOTS[2], ZeroHash))
        .to.emit(f.rollup, "OutputProposed")
        .withArgs(
          1n,
          l2BlockOf(1),
          boundRoot(1, STATE_ROOTS[2], ROOTS[0]),
          STATE_ROOTS[2],
          ZeroHash,
          0n,
          ethers.ZeroHash,
          ROOTS[0],
          proposer.address,
        );
    });

    it("invalidates without a slash request when the proposer is not an operator: its output bond is forfeited all the same", async function () {
      const f = await loadFixture(vitalFixture);
      const challenger = f.ops[0];
      const { id } = await challengeOutput(f, challenger, f.plainRollup, 0);
      await castVotes(f, id, [0, 1], true);
      const requests = await f.slashingManager.requestCount();
      const challengerBefore = await f.token.balanceOf(challenger.address);
      const at = await nextBlockAt();
      const tx = f.vital.connect(f.ops[2].account).vote(id, true);
      await expect(tx)
        .to.emit(f.vital, "ProposerNotSlashed")
        .withArgs(id, f.creator.address, "0x")
        .and.to.emit(f.vital, "Resolved")
        .withArgs(id, Result.Invalidated)
        .and.to.emit(f.plainRollup, "OutputsInvalidated")
        .withArgs(0n, 2n)
        .and.to.emit(f.plainRollup, "OutputBondForfeited")
        .withArgs(0n, challenger.address, f.bondReward, f.outputBond - f.bondReward, f.outputBond);
      await expect(tx).not.to.emit(f.vital, "ProposerReported");
      await expect(tx).not.to.emit(f.slashingManager, "SlashRequested");
      expect(await f.slashingManager.requestCount()).to.equal(requests);
      expect(await f.plainRollup.outputCount()).to.equal(0n);
      expect(await f.vital.invalidatedAt(f.plainAddress, l2BlockOf(0), ROOTS[0])).to.equal(at);
      expect(await f.token.balanceOf(challenger.address)).to.equal(challengerBefore + f.bond + f.bondReward);
    });

    it("requests the proposer's slash at VITAL's cap when proposerBps is above it (the cap lowered since): the offence stays punishable", async function () {
      const f = await loadFixture(vitalFixture);
      const proposerBps = f.capBps + 1n;
      await (await f.vital.setParameters(f.treasury.address, f.bond, f.votingPeriod, proposerBps, f.voterBps)).wait();
      const { id } = await challengeOutput(f, f.ops[0], f.rollup, 0);
      await castVotes(f, id, [0, 1], true);
      const requestId = await f.slashingManager.requestCount();
      const tx = f.vital.connect(f.ops[2].account).vote(id, true);
      await expect(tx)
        .to.emit(f.vital, "ProposerReported")
        .withArgs(id, f.ops[PROPOSER].address, requestId)
        .and.to.emit(f.rollup, "OutputsInvalidated")
        .withArgs(0n, 3n);
      const request = await f.slashingManager.request(requestId);
      expect([request.operator, request.bps]).to.deep.equal([f.ops[PROPOSER].address, f.capBps]);
      await expect(tx).not.to.emit(f.vital, "ProposerNotSlashed");
      expect(await f.registry.isJailed(f.ops[PROPOSER].address)).to.equal(true);
    });

    it("dates the proposer's request at the output's proposal (refused when older than VITAL's evidence age)", async function () {
      const f = await loadFixture(vitalFixture);
      const maxAge = BigInt(DAY);
      await (await f.slashingManager.setSlasher(f.vitalAddress, f.capBps, maxAge)).wait();
      const { proposedAt } = await f.rollup.output(0);
      await time.increaseTo(proposedAt + maxAge);
      const { id } = await challengeOutput(f, f.ops[0], f.rollup, 0);
      await castVotes(f, id, [0, 1], true);
      const reason = f.slashingManager.interface.encodeErrorResult("SlashingEvidenceTooOld", [proposedAt, maxAge]);
      await expect(f.vital.connect(f.ops[2].account).vote(id, true))
        .to.emit(f.vital, "ProposerNotSlashed")
        .withArgs(id, f.ops[PROPOSER].address, reason)
        .and.to.emit(f.vital, "Resolved")
        .withArgs(id, Result.Invalidated);
      expect(await f.rollup.outputCount()).to.equal(0n);
    });

    it("defers the invalidation while the rollup is paused, and resolve carries it out once the pause is lifted", async function () {
      const f = await loadFixture(vitalFixture);
      const { id, c } = await challengeOutput(f, f.ops[0], f.rollup, 0);
      await castVotes(f, id, [0, 1], true);
      await (await f.rollup.connect(f.council).setPaused(true)).wait();
      const paused = f.rollup.interface.encodeErrorResult("RollupPaused", [await f.rollup.pausedUntil()]);
      await expect(f.vital.connect(f.ops[2].account).vote(id, true))
        .to.emit(f.vital, "InvalidationDeferred")
        .withArgs(id, paused);
      expect((await f.vital.challengeOf(id)).result).to.equal(Result.Open);
      await expect(f.vital.resolve(id)).to.emit(f.vital, "InvalidationDeferred").withArgs(id, paused);

      await (await f.rollup.connect(f.council).setPaused(false)).wait();
      expect(await time.latest()).to.be.lessThan(Number(c.deadline));
      const challengerBefore = await f.token.balanceOf(f.ops[0].address);
      await expect(f.vital.resolve(id))
        .to.emit(f.vital, "Resolved")
        .withArgs(id, Result.Invalidated)
        .and.to.emit(f.rollup, "OutputsInvalidated")
        .withArgs(0n, 3n);
      expect(await f.token.balanceOf(f.ops[0].address)).to.equal(challengerBefore + f.bond + f.bondReward);
    });

    it("a pause never turns a decided invalidation: past the deadline and the challenge period the challenge stays open, the output cannot finalize, and the invalidation and the proposer's report follow the pause", async function () {
      const f = await loadFixture(vitalFixture);
      const { id, c } = await challengeOutput(f, f.ops[0], f.rollup, 0);
      await castVotes(f, id, [0, 1], true);
      // governance holds the rollup paused past the vote's deadline and the output's challenge period
      const until = Number(c.proposedAt + CHALLENGE_PERIOD) + DAY;
      await (await f.rollup.connect(f.deployer).pauseUntil(until)).wait();
      await (await f.vital.connect(f.ops[2].account).vote(id, true)).wait();
      await time.increaseTo(Number(c.proposedAt + CHALLENGE_PERIOD));
      const treasuryBefore = await f.token.balanceOf(f.treasury.address);
      const challengerBefore = await f.token.balanceOf(f.ops[0].address);
      // past the deadline, paused: resolve (anyone's, the proposer's too) defers again, it never voids
      const paused = f.rollup.interface.encodeErrorResult("RollupPaused", [until]);
      await expect(f.vital.connect(f.ops[PROPOSER].account).resolve(id))
        .to.emit(f.vital, "InvalidationDeferred")
        .withArgs(id, paused);
      expect((await f.vital.challengeOf(id)).result).to.equal(Result.Open);
      expect(await f.vital.openChallenge(f.rollupAddress, l2BlockOf(0), ROOTS[0])).to.deep.equal([true, id]);
      // the pause over, the proposer racing to finalize first is refused: the challenge is open
      await time.increaseTo(until);
      await expect(f.rollup.finalize(0))
        .to.be.revertedWithCustomError(f.rollup, "RollupOutputChallenged")
        .withArgs(0n, id);
      const requests = await f.slashingManager.requestCount();
      await expect(f.vital.resolve(id))
        .to.emit(f.vital, "Resolved")
        .withArgs(id, Result.Invalidated)
        .and.to.emit(f.rollup, "OutputsInvalidated")
        .withArgs(0n, 3n)
        .and.to.emit(f.vital, "ProposerReported")
        .withArgs(id, f.ops[PROPOSER].address, requests);
      expect(await f.token.balanceOf(f.ops[0].address)).to.equal(challengerBefore + f.bond + f.bondReward);
      expect(await f.token.balanceOf(f.treasury.address)).to.equal(treasuryBefore + f.outputBond - f.bondReward);
      expect(await f.rollup.outputCount()).to.equal(0n);
    });

    it("finalize refuses an output with an open challenge (RollupOutputChallenged), and finalizes it once the challenge failed", async function () {
      const f = await loadFixture(vitalFixture);
      const { id, c } = await challengeOutput(f, f.ops[0], f.rollup, 0);
      await castVotes(f, id, SHORT, true);
      await time.increaseTo(Number(c.proposedAt + CHALLENGE_PERIOD));
      expect(BigInt(await time.latest())).to.be.greaterThan(c.deadline);
      // the vote is over, short of two thirds, but nobody resolved it yet
      await expect(f.rollup.finalize(0))
        .to.be.revertedWithCustomError(f.rollup, "RollupOutputChallenged")
        .withArgs(0n, id);
      await expect(f.vital.resolve(id)).to.emit(f.vital, "Resolved").withArgs(id, Result.Failed);
      await expect(f.rollup.finalize(0)).to.emit(f.rollup, "OutputFinalized").withArgs(0n);
    });

    it("voids a decided challenge the rollup refuses for good at the deadline (VITAL replaced in the factory): the bond goes back, not to the treasury", async function () {
      const f = await loadFixture(vitalFixture);
      const { id, c } = await challengeOutput(f, f.ops[0], f.rollup, 0);
      await castVotes(f, id, [0, 1], true);
      const [mach, squad] = [await f.factory.serviceOf(2), await f.factory.serviceOf(4)];
      await (await f.factory.connect(f.deployer).setServices(f.deployer.address, mach, squad)).wait();
      const refused = f.rollup.interface.encodeErrorResult("RollupNotService", [f.vitalAddress]);
      // before the deadline: deferred
      await expect(f.vital.connect(f.ops[2].account).vote(id, true))
        .to.emit(f.vital, "InvalidationDeferred")
        .withArgs(id, refused);
      await time.increaseTo(c.deadline);
      const treasuryBefore = await f.token.balanceOf(f.treasury.address);
      const challengerBefore = await f.token.balanceOf(f.ops[0].address);
      await expect(f.vital.resolve(id)).to.emit(f.vital, "Resolved").withArgs(id, Result.Void);
      expect(await f.token.balanceOf(f.treasury.address)).to.equal(treasuryBefore);
      expect(await f.token.balanceOf(f.ops[0].address)).to.equal(challengerBefore + f.bond);
      expect(await f.rollup.outputCount()).to.equal(3n);
    });

    it("voids a challenge reaching two thirds after an earlier output's invalidation took its output: bond back", async function () {
      const f = await loadFixture(vitalFixture);
      const { id: earlier } = await challengeOutput(f, f.ops[0], f.rollup, 0);
      const { id: later } = await challengeOutput(f, f.ops[1], f.rollup, 2);
      await castVotes(f, earlier, QUORUM, true);
      expect(await f.rollup.outputCount()).to.equal(0n);
      await castVotes(f, later, [0, 1], true);

      const requests = await f.slashingManager.requestCount();
      const challengerBefore = await f.token.balanceOf(f.ops[1].address);
      const vitalBefore = await f.token.balanceOf(f.vitalAddress);
      const tx = f.vital.connect(f.ops[2].account).vote(later, true);
      await expect(tx).to.emit(f.vital, "Resolved").withArgs(later, Result.Void);
      await expect(tx).not.to.emit(f.rollup, "OutputsInvalidated");
      await expect(tx).not.to.emit(f.vital, "ProposerReported");
      await expect(tx).not.to.emit(f.vital, "ProposerNotSlashed");
      expect(await f.token.balanceOf(f.ops[1].address)).to.equal(challengerBefore + f.bond);
      expect(await f.token.balanceOf(f.vitalAddress)).to.equal(vitalBefore - f.bond);
      expect(await f.slashingManager.requestCount()).to.equal(requests);
      expect((await f.vital.challengeOf(later)).result).to.equal(Result.Void);
      expect(await f.vital.invalidatedAt(f.rollupAddress, l2BlockOf(2), ROOTS[2])).to.equal(0n);
      expect(await f.vital.openChallenge(f.rollupAddress, l2BlockOf(2), ROOTS[2])).to.deep.equal([false, 0n]);
    });
    it("a voter or relayer starving VITAL's guarded calls of gas: a deciding vote that leaves less than CALL_GAS for the invalidation reverts (VitalInsufficientGas), changing nothing", async function () {
      const f = await loadFixture(vitalFixture);
      const { id } = await challengeOutput(f, f.ops[0], f.rollup, 0);
      await castVotes(f, id, [0, 1], true);
      const callGas = await f.vital.CALL_GAS();
      expect(callGas).to.equal(400_000n);
      // enough for the vote itself (about 232,000 gas), not for the guarded call's reserve
      await expect(f.vital.connect(f.ops[2].account).vote(id, true, { gasLimit: callGas }))
        .to.be.revertedWithCustomError(f.vital, "VitalInsufficientGas")
        .withArgs();
      expect((await f.vital.challengeOf(id)).result).to.equal(Result.Open);
      expect(await f.vital.voteOf(id, f.ops[2].address)).to.equal(Vote.None);
      expect(await f.rollup.outputCount()).to.equal(3n);
      // given the reserve, the same vote invalidates
      await expect(f.vital.connect(f.ops[2].account).vote(id, true))
        .to.emit(f.vital, "Resolved")
        .withArgs(id, Result.Invalidated);
      expect(await f.rollup.outputCount()).to.equal(0n);
    });
  });

  describe("resolve", function () {
    it("refuses to resolve before the deadline", async function () {
      const f = await loadFixture(vitalFixture);
      const { id, c } = await challengeOutput(f, f.ops[0], f.rollup, 0);
      await time.setNextBlockTimestamp(c.deadline - 1n);
      await expect(f.vital.resolve(id))
        .to.be.revertedWithCustomError(f.vital, "VitalVotingOpen")
        .withArgs(id, c.deadline);
      await expect(f.vital.resolve(id + 1n))
        .to.be.revertedWithCustomError(f.vital, "VitalUnknownChallenge")
        .withArgs(id + 1n);
    });

    it("fails a challenge short of two thirds at the deadline: the bond goes to the treasury", async function () {
      const f = await loadFixture(vitalFixture);
      const { id, c } = await challengeOutput(f, f.ops[0], f.rollup, 0);
      await castVotes(f, id, SHORT, true);
      const treasuryBefore = await f.token.balanceOf(f.treasury.address);
      const challengerBefore = await f.token.balanceOf(f.ops[0].address);
      const vitalBefore = await f.token.balanceOf(f.vitalAddress);
      await time.setNextBlockTimestamp(c.deadline);
      await expect(f.vital.connect(f.users[3]).resolve(id)).to.emit(f.vital, "Resolved").withArgs(id, Result.Failed);
      expect(await f.token.balanceOf(f.treasury.address)).to.equal(treasuryBefore + f.bond);
      expect(await f.token.balanceOf(f.ops[0].address)).to.equal(challengerBefore);
      expect(await f.token.balanceOf(f.vitalAddress)).to.equal(vitalBefore - f.bond);
      expect((await f.vital.challengeOf(id)).result).to.equal(Result.Failed);
      expect(await f.rollup.outputCount()).to.equal(3n);
      expect(await f.vital.openChallenge(f.rollupAddress, l2BlockOf(0), ROOTS[0])).to.deep.equal([false, 0n]);
      expect(await f.registry.isJailed(f.ops[PROPOSER].address)).to.equal(false);
      await expect(f.vital.resolve(id))
        .to.be.revertedWithCustomError(f.vital, "VitalNotOpen")
        .withArgs(id, Result.Failed);
    });

    it("voids a challenge whose output an earlier output's invalidation took: the bond goes back", async function () {
      const f = await loadFixture(vitalFixture);
      const { id: later, c } = await challengeOutput(f, f.ops[1], f.rollup, 1);
      const { id: earlier } = await challengeOutput(f, f.ops[0], f.rollup, 0);
      await castVotes(f, earlier, QUORUM, true);
      const treasuryBefore = await f.token.balanceOf(f.treasury.address);
      const challengerBefore = await f.token.balanceOf(f.ops[1].address);
      const vitalBefore = await f.token.balanceOf(f.vitalAddress);
      await time.increaseTo(c.deadline);
      await expect(f.vital.resolve(later)).to.emit(f.vital, "Resolved").withArgs(later, Result.Void);
      expect(await f.token.balanceOf(f.ops[1].address)).to.equal(challengerBefore + f.bond);
      expect(await f.token.balanceOf(f.treasury.address)).to.equal(treasuryBefore);
      expect(await f.token.balanceOf(f.vitalAddress)).to.equal(vitalBefore - f.bond);
      expect((await f.vital.challengeOf(later)).result).to.equal(Result.Void);
      expect(await f.vital.openChallenge(f.rollupAddress, l2BlockOf(1), ROOTS[1])).to.deep.equal([false, 0n]);
    });

    it("refuses an invalidated challenge", async function () {
      const f = await invalidatedFixture();
      await time.increase(DAY);
      await expect(f.vital.resolve(f.id))
        .to.be.revertedWithCustomError(f.vital, "VitalNotOpen")
        .withArgs(f.id, Result.Invalidated);
    });
  });

  describe("reportVoters", function () {
    it("reports each member that voted valid on the invalidated output: one slash request each", async function () {
      const f = await invalidatedFixture();
      const reporter = f.users[3];
      const requestId = await f.slashingManager.requestCount();
      expect(requestId).to.equal(f.proposerRequest + 1n);
      const evidence = evidenceOf(f.id, f.rollupAddress, l2BlockOf(0), ROOTS[0]);
      const at = await nextBlockAt();
      const tx = f.vital.connect(reporter).reportVoters(f.id, addressesOf(f, [3, PROPOSER]));
      await expect(tx)
        .to.emit(f.vital, "VoterReported")
        .withArgs(f.id, f.ops[3].address, requestId)
        .and.to.emit(f.vital, "VoterReported")
        .withArgs(f.id, f.ops[PROPOSER].address, requestId + 1n);
      for (const [offset, voter] of [3, PROPOSER].entries()) {
        await expect(tx)
          .to.emit(f.slashingManager, "SlashRequested")
          .withArgs(
            requestId + BigInt(offset),
            f.ops[voter].address,
            f.vitalAddress,
            f.setId,
            f.voterBps,
            VOTED_VALID,
            evidence,
            reporter.address,
            at + f.vetoWindow,
          );
        const request = await f.slashingManager.request(requestId + BigInt(offset));
        expect([request.operator, request.bps, request.status, request.requestedAt, request.reporter]).to.deep.equal([
          f.ops[voter].address,
          f.voterBps,
          SlashStatus.Pending,
          at,
          reporter.address,
        ]);
      }
      expect(await f.slashingManager.requestCount()).to.equal(requestId + 2n);
      expect(await votesOf(f, f.id)).to.deep.equal(
        expectedVotes({
          0: Vote.Invalid,
          1: Vote.Invalid,
          2: Vote.Invalid,
          3: Vote.ValidReported,
          [PROPOSER]: Vote.ValidReported,
        }),
      );
      expect(await f.registry.isJailed(f.ops[3].address)).to.equal(true);
      // member 4 is reported twice: as the proposer and as a "valid" voter
      expect(await f.registry.pendingSlashes(f.ops[PROPOSER].address)).to.equal(2n);
      expect(
        await f.slashingManager.windowSlashedBps(f.ops[PROPOSER].address, await f.vital.setIdOf(f.rollupAddress)),
      ).to.equal(f.proposerBps + f.voterBps);
    });

    it("dates the requests at the challenge: accepted at the evidence age's end, refused one second later", async function () {
      const f = await invalidatedFixture();
      await time.setNextBlockTimestamp(f.createdAt + f.maxEvidenceAge + 1n);
      await expect(f.vital.reportVoters(f.id, addressesOf(f, [3])))
        .to.be.revertedWithCustomError(f.slashingManager, "SlashingEvidenceTooOld")
        .withArgs(f.createdAt, f.maxEvidenceAge);

      const g = await invalidatedFixture();
      const requestId = await g.slashingManager.requestCount();
      await time.setNextBlockTimestamp(g.createdAt + g.maxEvidenceAge);
      await expect(g.vital.reportVoters(g.id, addressesOf(g, [3])))
        .to.emit(g.vital, "VoterReported")
        .withArgs(g.id, g.ops[3].address, requestId);
    });

    it("a vote goes None → Valid → ValidReported (and None → Invalid), one report per voter", async function () {
      const f = await loadFixture(vitalFixture);
      const { id } = await challengeOutput(f, f.ops[0], f.rollup, 0);
      expect(await votesOf(f, id)).to.deep.equal(expectedVotes({}));
      await castVotes(f, id, [3], false);
      expect(await votesOf(f, id)).to.deep.equal(expectedVotes({ 3: Vote.Valid }));
      await castVotes(f, id, QUORUM, true);
      const voted = { 0: Vote.Invalid, 1: Vote.Invalid, 2: Vote.Invalid };
      expect(await votesOf(f, id)).to.deep.equal(expectedVotes({ ...voted, 3: Vote.Valid }));
      expect((await f.vital.challengeOf(id)).result).to.equal(Result.Invalidated);
      const requestId = await f.slashingManager.requestCount();
      await expect(f.vital.reportVoters(id, addressesOf(f, [3])))
        .to.emit(f.vital, "VoterReported")
        .withArgs(id, f.ops[3].address, requestId);
      expect(await votesOf(f, id)).to.deep.equal(expectedVotes({ ...voted, 3: Vote.ValidReported }));
      expect(await f.slashingManager.requestCount()).to.equal(requestId + 1n);
    });

    it("refuses members reported already (VitalNotReportable(challengeId, operator)), the whole list with them", async function () {
      const f = await invalidatedFixture();
      const [three, proposer] = [f.ops[3].address, f.ops[PROPOSER].address];
      await (await f.vital.reportVoters(f.id, [three])).wait();
      // alone, after a reportable one, or twice in one list: the first not reportable is named, nothing is reported
      const refused: [string[], string][] = [
        [[three], three],
        [[proposer, three], three],
        [[proposer, proposer], proposer],
      ];
      for (const [voters, named] of refused) {
        await expect(f.vital.reportVoters(f.id, voters))
          .to.be.revertedWithCustomError(f.vital, "VitalNotReportable")
          .withArgs(f.id, named);
      }
      expect(await f.vital.voteOf(f.id, proposer)).to.equal(Vote.Valid);
      const requestId = await f.slashingManager.requestCount();
      await expect(f.vital.reportVoters(f.id, [proposer]))
        .to.emit(f.vital, "VoterReported")
        .withArgs(f.id, proposer, requestId);
      expect([await f.vital.voteOf(f.id, three), await f.vital.voteOf(f.id, proposer)]).to.deep.equal([
        Vote.ValidReported,
        Vote.ValidReported,
      ]);
      await expect(f.vital.reportVoters(f.id, [proposer]))
        .to.be.revertedWithCustomError(f.vital, "VitalNotReportable")
        .withArgs(f.id, proposer);
    });

    it("refuses an empty list (VitalNoVoters) and operators that voted invalid or did not vote (VitalNotReportable)", async function () {
      const f = await invalidatedFixture();
      await expect(f.vital.reportVoters(f.id, [])).to.be.revertedWithCustomError(f.vital, "VitalNoVoters");
      // an operator of the set that did not vote, a plain account, the zero address
      const [silent] = await addOperators(f.d, "vital-silent", [STAKES[0]]);
      await (await f.operatorSets.connect(silent.account).join(f.setId, STAKES[0])).wait();
      const refused: [string[], string][] = [
        [addressesOf(f, [0]), f.ops[0].address],
        [addressesOf(f, [3, 0]), f.ops[0].address],
        [addressesOf(f, QUORUM), f.ops[0].address],
        [addressesOf(f, [3, 2, PROPOSER]), f.ops[2].address],
        [[silent.address], silent.address],
        [[f.users[2].address], f.users[2].address],
        [[ethers.ZeroAddress], ethers.ZeroAddress],
      ];
      for (const [voters, named] of refused) {
        await expect(f.vital.reportVoters(f.id, voters))
          .to.be.revertedWithCustomError(f.vital, "VitalNotReportable")
          .withArgs(f.id, named);
      }
      expect(await votesOf(f, f.id)).to.deep.equal(
        expectedVotes({ 0: Vote.Invalid, 1: Vote.Invalid, 2: Vote.Invalid, 3: Vote.Valid, [PROPOSER]: Vote.Valid }),
      );
      expect(await f.vital.voteOf(f.id, silent.address)).to.equal(Vote.None);
      expect(await f.slashingManager.requestCount()).to.equal(f.proposerRequest + 1n);
    });

    it("refuses a challenge that did not invalidate its output", async function () {
      const f = await loadFixture(vitalFixture);
      // open, with a "valid" vote
      const { id: open, c } = await challengeOutput(f, f.ops[0], f.plainRollup, 0);
      await castVotes(f, open, [3], false);
      await expect(f.vital.reportVoters(open, addressesOf(f, [3])))
        .to.be.revertedWithCustomError(f.vital, "VitalNotOpen")
        .withArgs(open, Result.Open);
      // failed
      await time.increaseTo(c.deadline);
      await (await f.vital.resolve(open)).wait();
      await expect(f.vital.reportVoters(open, addressesOf(f, [3])))
        .to.be.revertedWithCustomError(f.vital, "VitalNotOpen")
        .withArgs(open, Result.Failed);
      // void: its output went with an earlier one
      const { id: later } = await challengeOutput(f, f.ops[1], f.rollup, 1);
      await castVotes(f, later, [3], false);
      const { id: earlier } = await challengeOutput(f, f.ops[0], f.rollup, 0);
      await castVotes(f, earlier, QUORUM, true);
      await castVotes(f, later, QUORUM, true);
      expect((await f.vital.challengeOf(later)).result).to.equal(Result.Void);
      await expect(f.vital.reportVoters(later, addressesOf(f, [3])))
        .to.be.revertedWithCustomError(f.vital, "VitalNotOpen")
        .withArgs(later, Result.Void);
      const unknown = await f.vital.challengeCount();
      await expect(f.vital.reportVoters(unknown, addressesOf(f, [3])))
        .to.be.revertedWithCustomError(f.vital, "VitalUnknownChallenge")
        .withArgs(unknown);
    });
  });

  describe("setParameters", function () {
    it("is only for the owner", async function () {
      const f = await loadFixture(vitalFixture);
      const outsider = f.users[1];
      await expect(
        f.vital.connect(outsider).setParameters(outsider.address, f.bond, f.votingPeriod, f.proposerBps, f.voterBps),
      )
        .to.be.revertedWithCustomError(f.vital, "OwnableUnauthorizedAccount")
        .withArgs(outsider.address);
    });

    it("updates the treasury, bond, voting period and fractions", async function () {
      const f = await loadFixture(vitalFixture);
      const treasury = f.users[4];
      const bond = 2_500n * ALT + 1n;
      const votingPeriod = BigInt(2 * DAY);
      const [proposerBps, voterBps] = [700n, 300n];
      await expect(f.vital.setParameters(treasury.address, bond, votingPeriod, proposerBps, voterBps))
        .to.emit(f.vital, "ParametersUpdated")
        .withArgs(treasury.address, bond, votingPeriod, proposerBps, voterBps);
      expect(await f.vital.parameters()).to.deep.equal([treasury.address, bond, votingPeriod, proposerBps, voterBps]);

      // the next challenge pulls the new bond and votes for the new period; its failure pays the new treasury
      const before = await f.token.balanceOf(f.ops[0].address);
      const at = await nextBlockAt();
      await expect(f.vital.connect(f.ops[0].account).challenge(f.rollupAddress, 0))
        .to.emit(f.vital, "Challenged")
        .withArgs(0n, f.rollupAddress, 0n, f.ops[0].address, bond, FIXTURE_EPOCH, at + votingPeriod);
      expect(await f.token.balanceOf(f.ops[0].address)).to.equal(before - bond);
      await time.increaseTo(at + votingPeriod);
      const treasuryBefore = await f.token.balanceOf(treasury.address);
      await (await f.vital.resolve(0)).wait();
      expect(await f.token.balanceOf(treasury.address)).to.equal(treasuryBefore + bond);

      // the new fractions are what the next invalidation and report request
      const { id } = await challengeOutput(f, f.ops[0], f.rollup, 0);
      await castVotes(f, id, [3], false);
      await castVotes(f, id, [0, 1], true);
      const requestId = await f.slashingManager.requestCount();
      await expect(f.vital.connect(f.ops[2].account).vote(id, true))
        .to.emit(f.vital, "ProposerReported")
        .withArgs(id, f.ops[PROPOSER].address, requestId);
      expect((await f.slashingManager.request(requestId)).bps).to.equal(proposerBps);
      await (await f.vital.reportVoters(id, addressesOf(f, [3]))).wait();
      expect((await f.slashingManager.request(requestId + 1n)).bps).to.equal(voterBps);
    });

    it("refuses a zero treasury, a zero or over-a-year voting period, and fractions of 0 or above 10,000 bps", async function () {
      const f = await loadFixture(vitalFixture);
      const year = BigInt(365 * DAY);
      const { treasury, bond, votingPeriod: period, proposerBps: p, voterBps: v } = f;
      const t = treasury.address;
      const refused: [string, bigint, bigint, bigint, bigint][] = [
        [ethers.ZeroAddress, bond, period, p, v],
        [t, bond, 0n, p, v],
        [t, bond, year + 1n, p, v],
        [t, bond, period, 0n, v],
        [t, bond, period, BPS + 1n, v],
        [t, bond, period, p, 0n],
        [t, bond, period, p, BPS + 1n],
      ];
      for (const args of refused) {
        await expect(f.vital.setParameters(...args)).to.be.revertedWithCustomError(f.vital, "ServiceInvalidParameter");
      }
      // the bounds themselves are accepted
      await expect(f.vital.setParameters(t, 0n, year, BPS, 1n))
        .to.emit(f.vital, "ParametersUpdated")
        .withArgs(t, 0n, year, BPS, 1n);
      await expect(f.vital.setParameters(t, bond, 1n, 1n, BPS))
        .to.emit(f.vital, "ParametersUpdated")
        .withArgs(t, bond, 1n, 1n, BPS);
    });

    it("keeps the bond an open challenge was made with", async function () {
      const f = await loadFixture(vitalFixture);
      const { id: invalidated } = await challengeOutput(f, f.ops[0], f.rollup, 0);
      const { id: failed, c } = await challengeOutput(f, f.ops[1], f.plainRollup, 0);
      const newBond = f.bond / 2n;
      await (
        await f.vital.setParameters(f.treasury.address, newBond, f.votingPeriod, f.proposerBps, f.voterBps)
      ).wait();
      expect((await f.vital.challengeOf(invalidated)).bond).to.equal(f.bond);

      const challengerBefore = await f.token.balanceOf(f.ops[0].address);
      await castVotes(f, invalidated, QUORUM, true);
      expect(await f.token.balanceOf(f.ops[0].address)).to.equal(challengerBefore + f.bond + f.bondReward);

      const treasuryBefore = await f.token.balanceOf(f.treasury.address);
      await time.increaseTo(c.deadline);
      await (await f.vital.resolve(failed)).wait();
      expect(await f.token.balanceOf(f.treasury.address)).to.equal(treasuryBefore + f.bond);
      // all bonds paid out: VITAL holds no ALT
      expect(await f.token.balanceOf(f.vitalAddress)).to.equal(0n);
    });
  });

  describe("slashing end to end", function () {
    it("jails the proposer while its request is pending (its stake counts and it votes with it), then slashes proposerBps", async function () {
      const f = await invalidatedFixture();
      const proposer = f.ops[PROPOSER].address;
      const challenger = f.ops[0].address;
      const requestId = f.proposerRequest;
      const { executableAt } = await f.slashingManager.request(requestId);
      expect(await f.registry.isJailed(proposer)).to.equal(true);
      await expect(f.slashingManager.execute(requestId))
        .to.be.revertedWithCustomError(f.slashingManager, "SlashingVetoWindowOpen")
        .withArgs(requestId, executableAt);

      // next epoch (still inside the veto window): the jailed proposer's allocation still counts in its sets, and it
      // votes with it on a challenge of that epoch
      await time.increase(DAY);
      const epoch = await f.operatorSets.currentEpoch();
      expect(epoch).to.equal(FIXTURE_EPOCH + 1n);
      expect(executableAt).to.be.greaterThan(await time.latest());
      expect(await f.operatorSets.allocationAt(f.plainSetId, proposer, epoch)).to.equal(STAKES[PROPOSER]);
      expect(await f.operatorSets.setStakeAt(f.plainSetId, epoch)).to.equal(TOTAL_STAKE);
      expect((await f.operatorSets.membership(f.plainSetId, proposer)).member).to.equal(true);
      const { id: jailedVote } = await challengeOutput(f, f.ops[1], f.plainRollup, 0);
      await expect(f.vital.connect(f.ops[PROPOSER].account).vote(jailedVote, false))
        .to.emit(f.vital, "Voted")
        .withArgs(jailedVote, proposer, false, STAKES[PROPOSER]);

      // after the veto window anyone executes: proposerBps of its pool, the reporter share claimable by the challenger,
      // the rest set aside to burn
      // the slash takes proposerBps of what the proposer allocated to this set, not of its whole (twice as large) stake
      const amount = (STAKES[PROPOSER] * f.proposerBps) / BPS;
      const toReporter = (amount * f.reporterBps) / BPS;
      const amounts = new Array<bigint>(Number(await f.registry.assetCount())).fill(0n);
      amounts[0] = amount;
      const challengerBefore = await f.token.balanceOf(challenger);
      const supplyBefore = await f.token.totalSupply();
      const registryBefore = await f.token.balanceOf(await f.registry.getAddress());
      expect(await f.registry.altToBurn()).to.equal(0n);
      await time.increaseTo(executableAt);
      const tx = f.slashingManager.connect(f.users[5]).execute(requestId);
      await expect(tx)
        .to.emit(f.slashingManager, "SlashExecuted")
        .withArgs(requestId, proposer, f.setId, f.proposerBps, amounts)
        .and.to.emit(f.operatorSets, "AllocationSlashed")
        .withArgs(f.setId, proposer, amount, 0n)
        .and.to.emit(f.registry, "PoolSlashed")
        .withArgs(requestId, proposer, 0n, amount, toReporter, 2n * STAKES[PROPOSER] - amount);
      expect(await f.registry.slashProceeds(challenger, 0)).to.equal(toReporter);
      await (await f.registry.connect(f.ops[0].account).claimSlashProceeds(0, challenger)).wait();
      expect(await f.token.balanceOf(challenger)).to.equal(challengerBefore + toReporter);
      // nothing burned yet: the rest stays in the registry until anyone burns it
      expect(await f.token.totalSupply()).to.equal(supplyBefore);
      expect(await f.registry.altToBurn()).to.equal(amount - toReporter);
      expect(await f.token.balanceOf(await f.registry.getAddress())).to.equal(registryBefore - toReporter);
      await expect(f.registry.connect(f.users[5]).burnSlashedAlt())
        .to.emit(f.registry, "SlashedAltBurned")
        .withArgs(f.users[5].address, amount - toReporter);
      expect(await f.token.totalSupply()).to.equal(supplyBefore - (amount - toReporter));
      expect(await f.registry.altToBurn()).to.equal(0n);
      expect((await f.registry.pool(proposer, 0)).totalAssets).to.equal(2n * STAKES[PROPOSER] - amount);
      expect(await f.registry.operatorStake(proposer)).to.equal(2n * STAKES[PROPOSER] - amount);
      expect((await f.slashingManager.request(requestId)).status).to.equal(SlashStatus.Executed);
      expect(await f.registry.isJailed(proposer)).to.equal(false);

      // released, it votes again, with its allocation less the slash from the epoch after the slash on (the epoch of
      // the slash still counts it whole)
      const slashedIn = await f.operatorSets.currentEpoch();
      expect((await f.operatorSets.allocation(f.setId, proposer)).allocated).to.equal(STAKES[PROPOSER] - amount);
      expect(await f.operatorSets.allocationAt(f.setId, proposer, slashedIn)).to.equal(STAKES[PROPOSER]);
      expect(await f.operatorSets.allocationAt(f.setId, proposer, slashedIn + 1n)).to.equal(STAKES[PROPOSER] - amount);
      expect(await f.operatorSets.setStakeAt(f.setId, slashedIn + 1n)).to.equal(TOTAL_STAKE - amount);
      // it proposes again after the last live output (the invalidation took all three)
      await (
        await f.rollup.connect(f.ops[PROPOSER].account).proposeOutput(l2BlockOf(0), STATE_ROOTS[1], ZeroHash)
      ).wait();
      await nextEpoch(f.operatorSets);
      const { id: later } = await challengeOutput(f, f.ops[1], f.rollup, 0);
      await expect(f.vital.connect(f.ops[PROPOSER].account).vote(later, false))
        .to.emit(f.vital, "Voted")
        .withArgs(later, proposer, false, STAKES[PROPOSER] - amount);
    });

    it("slashes reported voters voterBps after the veto window, the reporter earning the reporter share", async function () {
      const f = await invalidatedFixture();
      const reporter = f.users[3];
      const voter = f.ops[3].address;
      const requestId = await f.slashingManager.requestCount();
      await (await f.vital.connect(reporter).reportVoters(f.id, [voter])).wait();
      const { executableAt } = await f.slashingManager.request(requestId);
      expect(await f.registry.isJailed(voter)).to.equal(true);

      // next epoch: its allocation still counts, and jailed it still votes with it
      await time.increase(DAY);
      const epoch = await f.operatorSets.currentEpoch();
      expect(await f.operatorSets.allocationAt(f.plainSetId, voter, epoch)).to.equal(STAKES[3]);
      const { id } = await challengeOutput(f, f.ops[1], f.plainRollup, 0);
      await expect(f.vital.connect(f.ops[3].account).vote(id, true))
        .to.emit(f.vital, "Voted")
        .withArgs(id, voter, true, STAKES[3]);

      // voterBps of the voter's allocation to the set (half its stake)
      const amount = (STAKES[3] * f.voterBps) / BPS;
      const toReporter = (amount * f.reporterBps) / BPS;
      const reporterBefore = await f.token.balanceOf(reporter.address);
      await time.increaseTo(executableAt);
      await expect(f.slashingManager.execute(requestId))
        .to.emit(f.registry, "PoolSlashed")
        .withArgs(requestId, voter, 0n, amount, toReporter, 2n * STAKES[3] - amount);
      expect(await f.registry.slashProceeds(reporter.address, 0)).to.equal(toReporter);
      await (await f.registry.connect(reporter).claimSlashProceeds(0, reporter.address)).wait();
      expect(await f.token.balanceOf(reporter.address)).to.equal(reporterBefore + toReporter);
      expect(await f.registry.operatorStake(voter)).to.equal(2n * STAKES[3] - amount);
      expect(await f.registry.isJailed(voter)).to.equal(false);
    });
  });
});
