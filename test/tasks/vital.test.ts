// The VITAL tasks (tasks/vital.ts) against the staged deployment of `servicesTaskFixture`: a challenge with its bond
// (approved by the task or beforehand) of a set live in the current epoch, votes with the stake counted in the set in the
// challenge's epoch (read from OperatorSets' checkpoints) up to the two thirds that invalidate the output and report
// the proposer when it is an operator, and the resolution of a vote that ended short. The bond is followed from balance
// to balance and every record (challenge, vote, output, slash request) is read back from the contracts.
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, ZeroHash, encodeBytes32String, id, keccak256 } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { servicesTaskFixture, OPERATOR_STAKES, type TaskOperator } from "../helpers/serviceTasks";
import { createRollup } from "../helpers/services";
import { OUTPUT_BOND, SERVICE, challengerShare } from "../helpers/rollups";
import { ALT } from "../helpers/constants";
import { DAY, nextEpoch } from "../helpers/time";
import {
  asJson,
  expectRefused,
  expectTaskFailure,
  isoTime,
  load,
  runTask,
  task,
  expectTx,
  transaction,
} from "../helpers/tasks";
import { formatAlt, relativeTime } from "../../tasks/lib/cli";
import { outputRootOf } from "../../tasks/lib/rollups";

const coder = AbiCoder.defaultAbiCoder();

/** The state roots of the fixture's outputs 0 and 1 (their output roots, bound by the rollup, are `roots`). */
const STATE_ROOTS = [id("vital-task-root-0"), id("vital-task-root-1")];
/** VitalService.Result, VitalService.Vote, ISlashingManager.Status */
const Result = { Open: 1n, Invalidated: 2n, Failed: 3n, Void: 4n } as const;
const Vote = { None: 0n, Valid: 1n, Invalid: 2n, ValidReported: 3n } as const;
const SlashStatus = { Pending: 1n } as const;
const INVALID_OUTPUT = encodeBytes32String("VITAL_INVALID_OUTPUT");
/** deploy/parameters/hardhat.json services.vital */
const BOND = 10_000n * ALT;
/** hardhat.json: the output bond of the optimistic templates. */
const BOND_REWARD = challengerShare(OUTPUT_BOND);
const VOTING_PERIOD = BigInt(DAY);
const PROPOSER_BPS = 1_000n;

interface TxReport {
  hash: string;
  gasUsed: string;
  block: number;
}

interface ChallengeResult {
  challengeId: bigint;
  rollup: string;
  outputIndex: bigint;
  bond: bigint;
  epoch: bigint;
  deadline: bigint;
  approval?: TxReport;
  tx: TxReport;
}

interface VoteResult {
  challengeId: bigint;
  voter: string;
  invalid: boolean;
  invalidStake: bigint;
  validStake: bigint;
  result: string;
  tx: TxReport;
}

interface ResolveResult {
  challengeId: bigint;
  result: string;
  tx: TxReport;
}

const txLine = (what: string, tx: TxReport) => `${what}: tx ${tx.hash} (gas ${tx.gasUsed}, block ${tx.block})`;
/** A time as the tasks print it, relative to `now` (a block's time). */
const at = (t: bigint, now: bigint) => `${isoTime(t)} (${relativeTime(Number(t), Number(now))})`;
const latest = async () => BigInt(await time.latest());
const blockTime = async (block: number) => BigInt((await hre.ethers.provider.getBlock(block))!.timestamp);

describe("vital tasks", function () {
  /**
   * The fixture's rollup (chain 5001, proposer: its creator, no operator) and `operatorRollup` (chain 5003, VITAL only,
   * proposer: operator 3) registered in VITAL, operators 0..3 members of both sets since the epoch before (their
   * allocations count in this one); outputs 0 and 1 of the first, output 0 of the second proposed.
   */
  async function vitalFixture() {
    const f = await loadFixture(servicesTaskFixture);
    const { vital, sets, rollup, rollupAddress, creator, operators, factory } = f;
    const operatorRollup = await createRollup({ factory }, creator, {
      chainId: 5003,
      salt: id("vital-tasks:operator-proposer"),
      services: SERVICE.VITAL,
      proposer: operators[3].address,
    });
    const operatorRollupAddress = await operatorRollup.getAddress();
    // operator 3 bonds the outputs it proposes
    await (await f.token.connect(operators[3].signer).approve(operatorRollupAddress, hre.ethers.MaxUint256)).wait();
    const setIds: bigint[] = [];
    for (const address of [rollupAddress, operatorRollupAddress]) {
      await (await vital.registerRollup(address)).wait();
      const setId = await vital.setIdOf(address);
      // each operator allocates half its stake to each set
      for (const [i, op] of operators.entries()) {
        await (await sets.connect(op.signer).join(setId, OPERATOR_STAKES[i] / 2n)).wait();
      }
      setIds.push(setId);
    }
    // the start of the next epoch (the allocations count from it): a whole epoch to challenge in, never epoch 0
    const epoch = await nextEpoch(sets);
    const interval = await rollup.outputInterval();
    const blocks = [interval, 2n * interval];
    for (const [i, root] of STATE_ROOTS.entries())
      await (await rollup.connect(creator).proposeOutput(blocks[i], root, ZeroHash)).wait();
    await (await operatorRollup.connect(operators[3].signer).proposeOutput(blocks[0], STATE_ROOTS[0], ZeroHash)).wait();
    // the output roots VITAL judges: proposed before any batch, output 1 on output 0 (the same on both rollups)
    const root0 = outputRootOf({
      l2BlockNumber: blocks[0],
      stateRoot: STATE_ROOTS[0],
      batchCount: 0n,
      batchRoot: ZeroHash,
    });
    const roots = [
      root0,
      outputRootOf({
        l2BlockNumber: blocks[1],
        stateRoot: STATE_ROOTS[1],
        batchCount: 0n,
        batchRoot: ZeroHash,
        parentRoot: root0,
      }),
    ];
    // what counts in this epoch, the same in both sets: half of each operator's stake, from the checkpoints alone
    const addresses = operators.map((op) => op.address);
    const stakes = await sets.allocationsAt(setIds[0], addresses, epoch);
    expect(stakes).to.deep.equal(OPERATOR_STAKES.map((stake) => stake / 2n));
    expect(await sets.allocationsAt(setIds[1], addresses, epoch)).to.deep.equal(stakes);
    for (const setId of setIds) expect(await sets.isLive(setId, epoch)).to.equal(true);
    const councilAddress = await factory.council();
    /** The security council (an account of the network): it pauses and resumes rollups. */
    const council = f.signers.find((s) => s.address === councilAddress)!;
    return {
      ...f,
      operatorRollup,
      operatorRollupAddress,
      setIds,
      epoch,
      blocks,
      roots,
      council,
      vitalAddress: await vital.getAddress(),
      tokenAddress: await f.token.getAddress(),
      /** What `op` has counted in either set in the fixture's epoch. */
      stakeOf: (op: TaskOperator) => stakes[addresses.indexOf(op.address)],
      totalStake: await sets.setStakeAt(setIds[0], epoch),
    };
  }

  type Fixture = Awaited<ReturnType<typeof vitalFixture>>;

  /** `challenger` pays the bond and challenges output `index` of `rollup` through the contract. */
  async function challenge(f: Fixture, challenger: TaskOperator, rollup: string, index: number) {
    await (await f.token.connect(challenger.signer).approve(f.vitalAddress, BOND)).wait();
    const challengeId = await f.vital.challengeCount();
    await (await f.vital.connect(challenger.signer).challenge(rollup, index)).wait();
    return challengeId;
  }

  /** The vital fixture with challenge 0 (operator 0, output 0 of chain 5001) and 1 (operator 1, output 0 of 5003). */
  async function challengedFixture() {
    const f = await vitalFixture();
    await challenge(f, f.operators[0], f.rollupAddress, 0);
    await challenge(f, f.operators[1], f.operatorRollupAddress, 0);
    return { ...f, deadline: (await f.vital.challengeOf(0)).deadline };
  }

  const vote = async (f: Fixture, op: TaskOperator, challengeId: bigint, invalid: boolean) =>
    (await f.vital.connect(op.signer).vote(challengeId, invalid)).wait();

  /** The outsider (account 15) registers as an operator staking `stake` ALT to itself, and joins `setId` with it. */
  async function outsiderJoins(f: Fixture, setId: bigint, stake: bigint): Promise<TaskOperator> {
    const { outsider, registry } = f;
    await (await registry.connect(outsider).registerOperator("ipfs://outsider", 0)).wait();
    await (await f.token.connect(outsider).approve(await registry.getAddress(), stake)).wait();
    await (await registry.connect(outsider).stake(outsider.address, 0, stake)).wait();
    await (await f.sets.connect(outsider).join(setId, stake)).wait();
    return { signer: outsider, address: outsider.address };
  }

  describe("vital challenge", function () {
    it("approves the bond with --approve and challenges: bond moved, challenge record and event (text mode)", async function () {
      const f = await load(vitalFixture);
      const op = f.operators[0];
      const [treasury, bond, votingPeriod] = await f.vital.parameters();
      expect([treasury, bond, votingPeriod]).to.deep.equal([f.treasury.address, BOND, VOTING_PERIOD]);
      const balance = await f.token.balanceOf(op.address);
      const held = await f.token.balanceOf(f.vitalAddress);
      expect(await f.token.allowance(op.address, f.vitalAddress)).to.equal(0n);
      const { result, lines } = await runTask<ChallengeResult>("vital challenge", {
        rollup: "5001",
        output: "0",
        from: op.address,
        approve: true,
        json: false,
      });
      const approval = await expectTx(result.approval!, op.address, f.tokenAddress);
      expect((await hre.ethers.provider.getTransaction(result.approval!.hash))!.data).to.equal(
        f.token.interface.encodeFunctionData("approve", [f.vitalAddress, BOND]),
      );
      const receipt = await expectTx(result.tx, op.address, f.vitalAddress);
      expect(approval.blockNumber).to.be.lessThan(receipt.blockNumber);
      const createdAt = await blockTime(receipt.blockNumber);
      const deadline = createdAt + VOTING_PERIOD;
      expect(lines).to.deep.equal([
        txLine("bond approved", result.approval!),
        txLine("challenge 0 of output 0 (bond 10,000 ALT)", result.tx),
        `  votes with epoch ${f.epoch} stake until ${isoTime(deadline)} (in 1d)`,
      ]);
      expect(result).to.deep.equal({
        challengeId: 0n,
        rollup: f.rollupAddress,
        outputIndex: 0n,
        bond: BOND,
        epoch: f.epoch,
        deadline,
        approval: result.approval,
        tx: result.tx,
      });
      expect(await f.token.balanceOf(op.address)).to.equal(balance - BOND);
      expect(await f.token.balanceOf(f.vitalAddress)).to.equal(held + BOND);
      expect(await f.token.allowance(op.address, f.vitalAddress)).to.equal(0n);
      await expect(hre.ethers.provider.getTransaction(result.tx.hash))
        .to.emit(f.vital, "Challenged")
        .withArgs(0n, f.rollupAddress, 0n, op.address, BOND, f.epoch, deadline);
      const output = await f.rollup.output(0);
      const c = await f.vital.challengeOf(0);
      expect(c.rollup).to.equal(f.rollupAddress);
      expect(c.createdAt).to.equal(createdAt);
      expect(c.deadline).to.equal(deadline);
      expect(c.challenger).to.equal(op.address);
      expect(c.result).to.equal(Result.Open);
      expect(c.epoch).to.equal(f.epoch);
      expect(c.outputIndex).to.equal(0n);
      expect(c.l2BlockNumber).to.equal(f.blocks[0]);
      expect(c.proposedAt).to.equal(output.proposedAt);
      expect(c.bond).to.equal(BOND);
      expect(c.root).to.equal(f.roots[0]);
      expect([c.invalidStake, c.validStake]).to.deep.equal([0n, 0n]);
      for (const other of f.operators) expect(await f.vital.voteOf(0, other.address)).to.equal(Vote.None);
      expect(await f.vital.challengeCount()).to.equal(1n);
      expect(await f.vital.openChallenge(f.rollupAddress, f.blocks[0], f.roots[0])).to.deep.equal([true, 0n]);
    });

    it("challenges with the allowance given beforehand, sending no approval (--json)", async function () {
      const f = await load(vitalFixture);
      const op = f.operators[1];
      await (await f.token.connect(op.signer).approve(f.vitalAddress, 2n * BOND)).wait();
      const balance = await f.token.balanceOf(op.address);
      const block = await hre.ethers.provider.getBlockNumber();
      const { result, lines } = await runTask<ChallengeResult>("vital challenge", {
        rollup: f.rollupAddress,
        output: "1",
        from: op.address,
        approve: false,
        json: true,
      });
      const receipt = await expectTx(result.tx, op.address, f.vitalAddress);
      expect(receipt.blockNumber).to.equal(block + 1);
      const deadline = (await blockTime(receipt.blockNumber)) + VOTING_PERIOD;
      const expected = {
        challengeId: 0n,
        rollup: f.rollupAddress,
        outputIndex: 1n,
        bond: BOND,
        epoch: f.epoch,
        deadline,
        approval: undefined,
        tx: result.tx,
      };
      expect(result).to.deep.equal(expected);
      expect(JSON.parse(lines.join("\n"))).to.deep.equal(asJson(expected));
      expect(await f.token.balanceOf(op.address)).to.equal(balance - BOND);
      expect(await f.token.allowance(op.address, f.vitalAddress)).to.equal(BOND);
      const c = await f.vital.challengeOf(0);
      expect(c.challenger).to.equal(op.address);
      expect(c.outputIndex).to.equal(1n);
      expect(c.l2BlockNumber).to.equal(f.blocks[1]);
      expect(c.root).to.equal(f.roots[1]);
      expect(c.deadline).to.equal(deadline);
    });

    it("refuses a short allowance without --approve, a short balance, and bad --output and --rollup, sending nothing", async function () {
      const f = await load(vitalFixture);
      const op = f.operators[2];
      const args = { rollup: "5001", output: "0", from: op.address, approve: false, json: true };
      await expectRefused("vital challenge", args, "allowance 0 ALT is below the 10,000 ALT needed: pass --approve");
      await (await f.token.connect(op.signer).approve(f.vitalAddress, BOND - ALT / 2n)).wait();
      await expectRefused(
        "vital challenge",
        args,
        "allowance 9,999.5 ALT is below the 10,000 ALT needed: pass --approve",
      );
      // operator 3 hands all its ALT to the outsider: it holds none for the bond
      const poor = f.operators[3];
      await (
        await f.token.connect(poor.signer).transfer(f.outsider.address, await f.token.balanceOf(poor.address))
      ).wait();
      await expectRefused(
        "vital challenge",
        { ...args, from: poor.address, approve: true },
        `${poor.address} holds 0 ALT; this needs 10,000 ALT`,
      );
      expect(await f.token.allowance(poor.address, f.vitalAddress)).to.equal(0n);
      await expectRefused("vital challenge", { ...args, output: "2" }, "the rollup has 2 outputs: no output 2");
      await expectRefused("vital challenge", { ...args, output: "-1" }, "--output must be a whole number, not -1");
      await expectRefused("vital challenge", { ...args, rollup: "6000" }, "no rollup has chain ID 6000");
      await expectRefused(
        "vital challenge",
        { ...args, rollup: f.vitalAddress },
        `${f.vitalAddress} is not a rollup of the factory`,
      );
      expect(await f.vital.challengeCount()).to.equal(0n);
    });

    it("refuses a rollup not registered in VITAL", async function () {
      const f = await load(servicesTaskFixture);
      await (
        await f.rollup.connect(f.creator).proposeOutput(await f.rollup.outputInterval(), STATE_ROOTS[0], ZeroHash)
      ).wait();
      await expectRefused(
        "vital challenge",
        { rollup: "5001", output: "0", from: f.operators[0].address, approve: true, json: true },
        `${f.rollupAddress} is not registered in VITAL (service join registers it)`,
      );
    });

    it("refuses a challenger outside the rollup's VITAL set or one that left it, before approving the bond", async function () {
      const f = await load(challengedFixture);
      const [, , op2] = f.operators;
      const notActive = (address: string) => `${address} is not a member of the rollup's VITAL set`;
      const args = { rollup: "5001", output: "1", approve: true, json: true };
      // no operator (the outsider; the default account), and account 16 that holds no ALT either
      for (const from of [f.outsider.address, undefined, f.signers[16].address]) {
        await expectRefused("vital challenge", { ...args, from }, notActive(from ?? f.deployer.address));
      }
      // operator 2 left rollup 5001's set: out of the member list at once (its stake still counts in this epoch)
      await (await f.sets.connect(op2.signer).requestLeave(f.setIds[0])).wait();
      await expectRefused("vital challenge", { ...args, from: op2.address }, notActive(op2.address));
      for (const op of [f.outsider, f.deployer, op2]) {
        expect(await f.token.allowance(op.address, f.vitalAddress)).to.equal(0n);
      }
      expect(await f.vital.challengeCount()).to.equal(2n);
      // operator 2 left rollup 5001's set only
      const other = await f.sets.membership(f.setIds[1], op2.address);
      expect([other.member, other.leaveAt]).to.deep.equal([true, 0n]);
    });

    it("challenges as a member jailed by a pending slash request, as the contract does", async function () {
      const f = await load(challengedFixture);
      const [op0, op1, , op3] = f.operators;
      // operator 3 proposed the invalid output 0 of rollup 5003: the invalidation reports and jails it
      await vote(f, op0, 1n, true);
      await vote(f, op1, 1n, true);
      expect(await f.registry.isJailed(op3.address)).to.equal(true);
      expect((await f.sets.membership(f.setIds[0], op3.address)).member).to.equal(true);
      const balance = await f.token.balanceOf(op3.address);
      const { result } = await runTask<ChallengeResult>("vital challenge", {
        rollup: "5001",
        output: "1",
        from: op3.address,
        approve: true,
        json: true,
      });
      const receipt = await expectTx(result.tx, op3.address, f.vitalAddress);
      const deadline = (await blockTime(receipt.blockNumber)) + VOTING_PERIOD;
      expect(result).to.deep.equal({
        challengeId: 2n,
        rollup: f.rollupAddress,
        outputIndex: 1n,
        bond: BOND,
        epoch: f.epoch,
        deadline,
        approval: result.approval,
        tx: result.tx,
      });
      await expect(hre.ethers.provider.getTransaction(result.tx.hash))
        .to.emit(f.vital, "Challenged")
        .withArgs(2n, f.rollupAddress, 1n, op3.address, BOND, f.epoch, deadline);
      expect(await f.token.balanceOf(op3.address)).to.equal(balance - BOND);
      expect((await f.vital.challengeOf(2)).challenger).to.equal(op3.address);
    });

    it("refuses an output under challenge, naming the challenge, before sending", async function () {
      const f = await load(challengedFixture);
      const [op0, op1, op2] = f.operators;
      await (await f.token.connect(op2.signer).approve(f.vitalAddress, BOND)).wait();
      const balance = await f.token.balanceOf(op2.address);
      // output 0 of rollup 5001 is under challenge 0, output 0 of rollup 5003 under challenge 1
      await expectRefused(
        "vital challenge",
        { rollup: "5001", output: "0", from: op2.address, approve: false, json: true },
        "output 0 is under challenge 0 already",
      );
      await expectRefused(
        "vital challenge",
        { rollup: f.operatorRollupAddress, output: "0", from: op2.address, approve: true, json: false },
        "output 0 is under challenge 1 already",
      );
      // the challenger itself likewise
      await (await f.token.connect(op0.signer).approve(f.vitalAddress, BOND)).wait();
      await expectRefused(
        "vital challenge",
        { rollup: "5001", output: "0", from: op0.address, approve: false, json: true },
        "output 0 is under challenge 0 already",
      );
      expect(await f.vital.challengeCount()).to.equal(2n);
      expect(await f.token.balanceOf(op2.address)).to.equal(balance);
      // once challenge 0 failed, output 0 can be challenged again
      await vote(f, op1, 0n, false);
      await time.increaseTo(f.deadline);
      await (await f.vital.resolve(0)).wait();
      // the deadline fell in the next epoch: the set is live in it too, with the same allocations counted
      expect(await f.sets.currentEpoch()).to.equal(f.epoch + 1n);
      expect(await f.sets.isLive(f.setIds[0], f.epoch + 1n)).to.equal(true);
      expect(await f.sets.setStakeAt(f.setIds[0], f.epoch + 1n)).to.equal(
        await f.sets.setStakeAt(f.setIds[0], f.epoch),
      );
      const again = await task<ChallengeResult>("vital challenge", {
        rollup: "5001",
        output: "0",
        from: op2.address,
        approve: false,
        json: true,
      });
      expect([again.challengeId, again.outputIndex, again.epoch]).to.deep.equal([2n, 0n, await f.sets.currentEpoch()]);
      expect(await f.vital.openChallenge(f.rollupAddress, f.blocks[0], f.roots[0])).to.deep.equal([true, 2n]);
    });

    it("refuses a set that is not live in the current epoch before approving the bond, naming what it counts", async function () {
      const f = await load(vitalFixture);
      const op0 = f.operators[0];
      // the service's owner (the deployer) asks 5 operators: the change counts from the next epoch, not in this one
      const params = { minStake: 1_000n * ALT, maxSize: 64, minMembers: 5, minTotalStake: 1_000n * ALT };
      await (await f.vital.connect(f.deployer).updateRollupSet(f.rollupAddress, params)).wait();
      expect(await f.sets.isLive(f.setIds[0], f.epoch)).to.equal(true);
      const next = await nextEpoch(f.sets);
      expect([await f.sets.memberCountAt(f.setIds[0], next), await f.sets.isLive(f.setIds[0], next)]).to.deep.equal([
        4n,
        false,
      ]);
      for (const approve of [false, true]) {
        await expectRefused(
          "vital challenge",
          { rollup: "5001", output: "0", from: op0.address, approve, json: true },
          `the set is not live in epoch ${next} (4 operators, ${formatAlt(f.totalStake)} counted; it needs 5 and ` +
            `${formatAlt(1_000n * ALT)}, and some stake): nothing is decided on it`,
        );
      }
      expect(await f.token.allowance(op0.address, f.vitalAddress)).to.equal(0n);

      // an empty set: a member that joined a rollup's fresh set in this epoch counts from the next epoch only, and so do
      // the minimums the registration set (none count in this epoch: only "some stake" is missing)
      const fresh = await createRollup({ factory: f.factory }, f.creator, {
        chainId: 5004,
        salt: id("vital-tasks:empty-set"),
        services: SERVICE.VITAL,
      });
      const freshAddress = await fresh.getAddress();
      await (await f.vital.registerRollup(freshAddress)).wait();
      await (await fresh.connect(f.creator).proposeOutput(f.blocks[0], STATE_ROOTS[0], ZeroHash)).wait();
      const member = await outsiderJoins(f, await f.vital.setIdOf(freshAddress), 1_000n * ALT);
      await expectRefused(
        "vital challenge",
        { rollup: "5004", output: "0", from: member.address, approve: true, json: false },
        `the set is not live in epoch ${next} (0 operators, 0 ALT counted; it needs 0 and 0 ALT, ` +
          "and some stake): nothing is decided on it",
      );
      expect(await f.token.allowance(member.address, f.vitalAddress)).to.equal(0n);
      expect(await f.vital.challengeCount()).to.equal(0n);
    });
  });

  describe("vital vote", function () {
    it("votes valid with the stake counted in the challenge's epoch (text mode)", async function () {
      const f = await load(challengedFixture);
      const op = f.operators[2];
      const { result, lines } = await runTask<VoteResult>("vital vote", {
        challenge: "0",
        valid: true,
        invalid: false,
        from: op.address,
        json: false,
      });
      expect(lines).to.deep.equal([
        txLine("voted valid on challenge 0", result.tx),
        "  invalid 0 ALT, valid 100,000 ALT: Open",
      ]);
      await expectTx(result.tx, op.address, f.vitalAddress);
      expect((await hre.ethers.provider.getTransaction(result.tx.hash))!.data).to.equal(
        f.vital.interface.encodeFunctionData("vote", [0n, false]),
      );
      const stake = f.stakeOf(op);
      expect(stake).to.equal(OPERATOR_STAKES[2] / 2n);
      await expect(hre.ethers.provider.getTransaction(result.tx.hash))
        .to.emit(f.vital, "Voted")
        .withArgs(0n, op.address, false, stake);
      const c = await f.vital.challengeOf(0);
      expect([c.invalidStake, c.validStake]).to.deep.equal([0n, stake]);
      expect(await f.vital.voteOf(0, op.address)).to.equal(Vote.Valid);
      expect(await f.vital.voteOf(1, op.address)).to.equal(Vote.None);
      expect(c.result).to.equal(Result.Open);
    });

    it("votes invalid (--json); the vote reaching two thirds invalidates, returns the bond, no slash for a non-operator proposer", async function () {
      const f = await load(challengedFixture);
      const [op0, op1] = f.operators;
      const first = await runTask<VoteResult>("vital vote", {
        challenge: "0",
        invalid: true,
        valid: false,
        from: op0.address,
        json: true,
      });
      const firstExpected = {
        challengeId: 0n,
        voter: op0.address,
        invalid: true,
        invalidStake: f.stakeOf(op0),
        validStake: 0n,
        result: "Open",
        tx: first.result.tx,
      };
      expect(first.result).to.deep.equal(firstExpected);
      expect(JSON.parse(first.lines.join("\n"))).to.deep.equal(asJson(firstExpected));
      // 400,000 of 1,000,000 ALT: short of two thirds
      expect(f.stakeOf(op0) * 3n < f.totalStake * 2n).to.equal(true);
      await expectTx(first.result.tx, op0.address, f.vitalAddress);

      const challengerBalance = await f.token.balanceOf(op0.address);
      const held = await f.token.balanceOf(f.vitalAddress);
      const requests = await f.manager.requestCount();
      const { result } = await runTask<VoteResult>("vital vote", {
        challenge: "0",
        invalid: true,
        valid: false,
        from: op1.address,
        json: true,
      });
      const invalidStake = f.stakeOf(op0) + f.stakeOf(op1);
      // 700,000 of 1,000,000 ALT: two thirds
      expect(invalidStake * 3n >= f.totalStake * 2n).to.equal(true);
      expect(result).to.deep.equal({
        challengeId: 0n,
        voter: op1.address,
        invalid: true,
        invalidStake,
        validStake: 0n,
        result: "Invalidated",
        tx: result.tx,
      });
      const receipt = await expectTx(result.tx, op1.address, f.vitalAddress);
      const tx = hre.ethers.provider.getTransaction(result.tx.hash);
      await expect(tx)
        .to.emit(f.vital, "Resolved")
        .withArgs(0n, Result.Invalidated)
        .and.to.emit(f.rollup, "OutputsInvalidated")
        .withArgs(0n, 2n)
        .and.to.emit(f.vital, "ProposerNotSlashed")
        .withArgs(0n, f.creator.address, "0x");
      await expect(tx).not.to.emit(f.vital, "ProposerReported");
      expect(await f.registry.isOperator(f.creator.address)).to.equal(false);
      expect(await f.manager.requestCount()).to.equal(requests);
      // the bond back to the challenger
      expect(await f.token.balanceOf(op0.address)).to.equal(challengerBalance + BOND + BOND_REWARD);
      expect(await f.token.balanceOf(f.vitalAddress)).to.equal(held - BOND);
      const c = await f.vital.challengeOf(0);
      expect(c.result).to.equal(Result.Invalidated);
      expect(c.invalidStake).to.equal(invalidStake);
      for (const op of [op0, op1]) expect(await f.vital.voteOf(0, op.address)).to.equal(Vote.Invalid);
      for (const op of f.operators.slice(2)) expect(await f.vital.voteOf(0, op.address)).to.equal(Vote.None);
      // output 0 and every later one are gone
      expect(await f.rollup.outputCount()).to.equal(0n);
      expect(await f.vital.invalidatedAt(f.rollupAddress, f.blocks[0], f.roots[0])).to.equal(
        await blockTime(receipt.blockNumber),
      );
      expect(await f.vital.openChallenge(f.rollupAddress, f.blocks[0], f.roots[0])).to.deep.equal([false, 0n]);
      await expectRefused(
        "vital vote",
        { challenge: "0", invalid: true, valid: false, from: f.operators[2].address, json: true },
        "challenge 0 is Invalidated",
      );
    });

    it("reports the proposer when it is an operator: slash request with VITAL's proposer bps, the challenger as reporter", async function () {
      const f = await load(challengedFixture);
      const [op0, op1, , proposer] = f.operators;
      expect(await f.operatorRollup.proposer()).to.equal(proposer.address);
      await vote(f, op0, 1n, true);
      const requestId = await f.manager.requestCount();
      const challengerBalance = await f.token.balanceOf(op1.address);
      const { result, lines } = await runTask<VoteResult>("vital vote", {
        challenge: "1",
        invalid: true,
        valid: false,
        from: op1.address,
        json: false,
      });
      expect(lines).to.deep.equal([
        txLine("voted invalid on challenge 1", result.tx),
        "  invalid 350,000 ALT, valid 0 ALT: Invalidated",
      ]);
      const receipt = await expectTx(result.tx, op1.address, f.vitalAddress);
      const requestedAt = await blockTime(receipt.blockNumber);
      const [, , , proposerBps] = await f.vital.parameters();
      expect(proposerBps).to.equal(PROPOSER_BPS);
      const evidence = keccak256(
        coder.encode(
          ["uint256", "address", "uint64", "bytes32"],
          [1n, f.operatorRollupAddress, f.blocks[0], f.roots[0]],
        ),
      );
      const executableAt = requestedAt + (await f.manager.vetoWindow());
      await expect(hre.ethers.provider.getTransaction(result.tx.hash))
        .to.emit(f.vital, "ProposerReported")
        .withArgs(1n, proposer.address, requestId)
        .and.to.emit(f.manager, "SlashRequested")
        .withArgs(
          requestId,
          proposer.address,
          f.vitalAddress,
          await f.vital.setIdOf(f.operatorRollupAddress),
          PROPOSER_BPS,
          INVALID_OUTPUT,
          evidence,
          op1.address,
          executableAt,
        );
      const request = await f.manager.request(requestId);
      expect(request.operator).to.equal(proposer.address);
      expect(request.bps).to.equal(PROPOSER_BPS);
      expect(request.status).to.equal(SlashStatus.Pending);
      expect(request.requestedAt).to.equal(requestedAt);
      expect(request.reporter).to.equal(op1.address);
      expect(request.executableAt).to.equal(executableAt);
      expect(await f.registry.isJailed(proposer.address)).to.equal(true);
      expect(await f.operatorRollup.outputCount()).to.equal(0n);
      expect((await f.vital.challengeOf(1)).result).to.equal(Result.Invalidated);
      expect(await f.token.balanceOf(op1.address)).to.equal(challengerBalance + BOND + BOND_REWARD);
      // the other challenge is untouched
      expect((await f.vital.challengeOf(0)).result).to.equal(Result.Open);
    });

    it("requires exactly one of --invalid and --valid, and refuses unknown challenges and accounts with no stake counted", async function () {
      const f = await load(challengedFixture);
      const args = { challenge: "0", from: f.operators[2].address, json: true };
      await expectRefused(
        "vital vote",
        { ...args, invalid: false, valid: false },
        "pass exactly one of --invalid and --valid",
      );
      await expectRefused(
        "vital vote",
        { ...args, invalid: true, valid: true },
        "pass exactly one of --invalid and --valid",
      );
      await expectRefused(
        "vital vote",
        { ...args, challenge: "2", invalid: true, valid: false },
        "no challenge 2: there are 2",
      );
      await expectRefused(
        "vital vote",
        { ...args, challenge: "first", invalid: true, valid: false },
        "--challenge must be a whole number, not first",
      );
      await expectRefused(
        "vital vote",
        { ...args, from: f.outsider.address, invalid: true, valid: false },
        `${f.outsider.address} had no stake counted in the set in epoch ${f.epoch}, the challenge's: it cannot vote`,
      );
      const c = await f.vital.challengeOf(0);
      expect([c.invalidStake, c.validStake]).to.deep.equal([0n, 0n]);
    });

    it("refuses a second vote by the same member before sending, in one line, naming the vote cast", async function () {
      const f = await load(challengedFixture);
      const [op0, , op2] = f.operators;
      await vote(f, op2, 0n, false);
      await vote(f, op0, 0n, true);
      for (const [op, cast] of [
        [op2, "Valid"],
        [op0, "Invalid"],
      ] as const) {
        for (const invalid of [true, false]) {
          await expectRefused(
            "vital vote",
            { challenge: "0", invalid, valid: !invalid, from: op.address, json: true },
            `${op.address} voted on challenge 0 already (${cast})`,
          );
        }
      }
      const c = await f.vital.challengeOf(0);
      expect([c.invalidStake, c.validStake]).to.deep.equal([f.stakeOf(op0), f.stakeOf(op2)]);
      expect(await f.vital.voteOf(0, op2.address)).to.equal(Vote.Valid);
      expect(await f.vital.voteOf(0, op0.address)).to.equal(Vote.Invalid);
      // a vote on one challenge is no vote on the other
      await vote(f, op2, 1n, true);
      expect(await f.vital.voteOf(1, op2.address)).to.equal(Vote.Invalid);
    });

    it("refuses before sending an operator that joined after the challenge's epoch began, even once its stake counts", async function () {
      const f = await load(challengedFixture);
      const late = await outsiderJoins(f, f.setIds[0], 1_000n * ALT);
      const args = { challenge: "0", invalid: true, valid: false, from: late.address, json: true };
      const refusal = `${late.address} had no stake counted in the set in epoch ${f.epoch}, the challenge's: it cannot vote`;
      await expectRefused("vital vote", args, refusal);
      // the next epoch counts its allocation, but the challenge counts the stake of its own epoch
      const next = await nextEpoch(f.sets);
      expect(await f.sets.allocationAt(f.setIds[0], late.address, next)).to.equal(1_000n * ALT);
      expect(await f.sets.allocationAt(f.setIds[0], late.address, f.epoch)).to.equal(0n);
      expect(BigInt(await time.latest())).to.be.lessThan(f.deadline);
      await expectRefused("vital vote", args, refusal);
      expect(await f.vital.voteOf(0, late.address)).to.equal(Vote.None);
    });

    it("votes as a member jailed by a pending slash request, with its stake of the challenge's epoch", async function () {
      const f = await load(challengedFixture);
      const [op0, op1, , proposer] = f.operators;
      // operator 3 proposed output 0 of rollup 5003: the invalidation by challenge 1 reports and jails it
      await vote(f, op0, 1n, true);
      await vote(f, op1, 1n, true);
      expect(await f.registry.isJailed(proposer.address)).to.equal(true);
      const stake = f.stakeOf(proposer);
      expect(await f.sets.allocationAt(f.setIds[0], proposer.address, f.epoch)).to.equal(stake);
      const { result } = await runTask<VoteResult>("vital vote", {
        challenge: "0",
        invalid: true,
        valid: false,
        from: proposer.address,
        json: true,
      });
      expect(result).to.deep.equal({
        challengeId: 0n,
        voter: proposer.address,
        invalid: true,
        invalidStake: stake,
        validStake: 0n,
        result: "Open",
        tx: result.tx,
      });
      await expect(hre.ethers.provider.getTransaction(result.tx.hash))
        .to.emit(f.vital, "Voted")
        .withArgs(0n, proposer.address, true, stake);
      expect(await f.vital.voteOf(0, proposer.address)).to.equal(Vote.Invalid);
      expect(await f.registry.isJailed(proposer.address)).to.equal(true);
    });

    it("ends on the contract's refusal of a vote mined at the deadline or later, in one line", async function () {
      const f = await load(challengedFixture);
      // the latest block one second before the deadline: the vote is mined at the deadline, when voting is closed
      await time.increaseTo(f.deadline - 1n);
      await expectTaskFailure(
        "vital vote",
        { challenge: "0", invalid: true, valid: false, from: f.operators[0].address, json: true },
        `the contract refused the transaction: VitalVotingClosed(0, ${f.deadline})`,
      );
      await time.increase(3_600);
      await expectTaskFailure(
        "vital vote",
        { challenge: "0", invalid: false, valid: true, from: f.operators[1].address, json: false },
        `the contract refused the transaction: VitalVotingClosed(0, ${f.deadline})`,
      );
      const c = await f.vital.challengeOf(0);
      expect([c.invalidStake, c.validStake]).to.deep.equal([0n, 0n]);
      for (const op of f.operators.slice(0, 2)) expect(await f.vital.voteOf(0, op.address)).to.equal(Vote.None);
      expect(c.result).to.equal(Result.Open);
    });

    it("sends nothing when the contract refuses the vote", async function () {
      const f = await load(challengedFixture);
      const op = f.operators[2];
      // past the deadline: only the contract knows the vote is closed
      await time.increaseTo(f.deadline);
      const nonce = await hre.ethers.provider.getTransactionCount(op.address);
      await expectRefused(
        "vital vote",
        { challenge: "0", invalid: true, valid: false, from: op.address, json: true },
        `the contract refused the transaction: VitalVotingClosed(0, ${f.deadline})`,
      );
      expect(await hre.ethers.provider.getTransactionCount(op.address)).to.equal(nonce);
      expect(await f.vital.voteOf(0, op.address)).to.equal(Vote.None);
    });
  });

  describe("vital resolve", function () {
    it("fails a challenge short of two thirds after the deadline: the bond to the treasury (text mode)", async function () {
      const f = await load(challengedFixture);
      const [op0, , op2, op3] = f.operators;
      await vote(f, op2, 0n, false);
      await vote(f, op3, 0n, true);
      await time.increaseTo(f.deadline);
      const treasury = await f.token.balanceOf(f.treasury.address);
      const challenger = await f.token.balanceOf(op0.address);
      const held = await f.token.balanceOf(f.vitalAddress);
      const { result, lines } = await runTask<ResolveResult>("vital resolve", {
        challenge: "0",
        from: f.outsider.address,
        json: false,
      });
      expect(lines).to.deep.equal([txLine("challenge 0: Failed", result.tx)]);
      expect(result).to.deep.equal({ challengeId: 0n, result: "Failed", tx: result.tx });
      await expectTx(result.tx, f.outsider.address, f.vitalAddress);
      await expect(hre.ethers.provider.getTransaction(result.tx.hash))
        .to.emit(f.vital, "Resolved")
        .withArgs(0n, Result.Failed);
      expect(await f.token.balanceOf(f.treasury.address)).to.equal(treasury + BOND);
      expect(await f.token.balanceOf(f.vitalAddress)).to.equal(held - BOND);
      expect(await f.token.balanceOf(op0.address)).to.equal(challenger);
      const c = await f.vital.challengeOf(0);
      expect(c.result).to.equal(Result.Failed);
      expect([c.invalidStake, c.validStake]).to.deep.equal([f.stakeOf(op3), f.stakeOf(op2)]);
      expect(await f.vital.openChallenge(f.rollupAddress, f.blocks[0], f.roots[0])).to.deep.equal([false, 0n]);
      expect(await f.rollup.outputCount()).to.equal(2n);
      await expectRefused("vital resolve", { challenge: "0", json: true }, "challenge 0 is Failed");
    });

    it("voids a challenge whose output an earlier invalidation took: the bond back (--json)", async function () {
      const f = await load(challengedFixture);
      const [op0, op1, op2] = f.operators;
      const later = await challenge(f, op2, f.rollupAddress, 1);
      await vote(f, op0, 0n, true);
      await vote(f, op1, 0n, true);
      expect(await f.rollup.outputCount()).to.equal(0n);
      await time.increaseTo((await f.vital.challengeOf(later)).deadline);
      const challenger = await f.token.balanceOf(op2.address);
      const treasury = await f.token.balanceOf(f.treasury.address);
      const { result, lines } = await runTask<ResolveResult>("vital resolve", { challenge: String(later), json: true });
      const expected = { challengeId: later, result: "Void", tx: result.tx };
      expect(result).to.deep.equal(expected);
      expect(JSON.parse(lines.join("\n"))).to.deep.equal(asJson(expected));
      await expectTx(result.tx, f.deployer.address, f.vitalAddress);
      expect((await f.vital.challengeOf(later)).result).to.equal(Result.Void);
      expect(await f.token.balanceOf(op2.address)).to.equal(challenger + BOND);
      expect(await f.token.balanceOf(f.treasury.address)).to.equal(treasury);
    });

    it("ends on the chain's refusal while the vote runs, saying until when; resolves once mined at the deadline", async function () {
      const f = await load(challengedFixture);
      const [op0, , op2] = f.operators;
      await vote(f, op2, 0n, false);
      // the latest block two seconds before the deadline: the resolution would be mined one second before it
      await time.increaseTo(f.deadline - 2n);
      await expectTaskFailure(
        "vital resolve",
        { challenge: "0", json: false },
        `the vote of challenge 0 runs until ${isoTime(f.deadline)} (in 2s)`,
      );
      expect((await f.vital.challengeOf(0)).result).to.equal(Result.Open);
      await expectRefused("vital resolve", { challenge: "7", json: false }, "no challenge 7: there are 2");
      await expectRefused(
        "vital resolve",
        { challenge: "-1", json: false },
        "--challenge must be a whole number, not -1",
      );
      // mined at the deadline: the chain ends the vote (the task no longer reads the time itself)
      const treasury = await f.token.balanceOf(f.treasury.address);
      await time.setNextBlockTimestamp(f.deadline);
      const result = await task<ResolveResult>("vital resolve", { challenge: "0", from: op0.address, json: true });
      expect(await blockTime(result.tx.block)).to.equal(f.deadline);
      expect(result).to.deep.equal({ challengeId: 0n, result: "Failed", tx: result.tx });
      await expectTx(result.tx, op0.address, f.vitalAddress);
      expect(await f.token.balanceOf(f.treasury.address)).to.equal(treasury + BOND);
    });

    it("sends nothing when the chain refuses the resolution", async function () {
      const f = await load(challengedFixture);
      const nonce = await hre.ethers.provider.getTransactionCount(f.deployer.address);
      await expectRefused(
        "vital resolve",
        { challenge: "0", json: true },
        `the vote of challenge 0 runs until ${at(f.deadline, await latest())}`,
      );
      expect(await hre.ethers.provider.getTransactionCount(f.deployer.address)).to.equal(nonce);
    });

    it("retries a deferred invalidation before the deadline: deferred again while paused, then invalidated (text)", async function () {
      const f = await load(challengedFixture);
      const [op0, op1] = f.operators;
      await pause(f, f.council, true);
      const paused = f.rollup.interface.encodeErrorResult("RollupPaused", [await f.rollup.pausedUntil()]);
      await vote(f, op0, 0n, true);
      const reaching = await f.vital.connect(op1.signer).vote(0n, true);
      // two thirds, but the paused rollup refused the invalidation: deferred, the challenge open
      await expect(reaching).to.emit(f.vital, "InvalidationDeferred").withArgs(0n, paused);
      expect((await f.vital.challengeOf(0)).result).to.equal(Result.Open);
      // retried while still paused: deferred again
      const again = await runTask<ResolveResult>("vital resolve", { challenge: "0", json: false });
      expect(again.lines).to.deep.equal([txLine("challenge 0: Open", again.result.tx)]);
      await expect(hre.ethers.provider.getTransaction(again.result.tx.hash))
        .to.emit(f.vital, "InvalidationDeferred")
        .withArgs(0n, paused);
      expect(await f.rollup.outputCount()).to.equal(2n);
      // resumed: the retry invalidates, before the deadline
      await pause(f, f.council, false);
      const challenger = await f.token.balanceOf(op0.address);
      const { result, lines } = await runTask<ResolveResult>("vital resolve", {
        challenge: "0",
        from: f.outsider.address,
        json: false,
      });
      expect(lines).to.deep.equal([txLine("challenge 0: Invalidated", result.tx)]);
      expect(result).to.deep.equal({ challengeId: 0n, result: "Invalidated", tx: result.tx });
      const receipt = await expectTx(result.tx, f.outsider.address, f.vitalAddress);
      expect(await blockTime(receipt.blockNumber)).to.be.lessThan(f.deadline);
      await expect(hre.ethers.provider.getTransaction(result.tx.hash))
        .to.emit(f.vital, "Resolved")
        .withArgs(0n, Result.Invalidated)
        .and.to.emit(f.rollup, "OutputsInvalidated")
        .withArgs(0n, 2n);
      expect(await f.rollup.outputCount()).to.equal(0n);
      expect(await f.token.balanceOf(op0.address)).to.equal(challenger + BOND + BOND_REWARD);
      expect(await f.vital.invalidatedAt(f.rollupAddress, f.blocks[0], f.roots[0])).to.equal(
        await blockTime(receipt.blockNumber),
      );
      await expectRefused("vital resolve", { challenge: "0", json: true }, "challenge 0 is Invalidated");
    });

    it("keeps a decided invalidation through a pause past the deadline: deferred while paused, invalidated once the pause lapsed (--json)", async function () {
      const f = await load(challengedFixture);
      const [op0, op1] = f.operators;
      await pause(f, f.council, true);
      const until = await f.rollup.pausedUntil();
      await vote(f, op0, 0n, true);
      await vote(f, op1, 0n, true);
      await time.increaseTo(f.deadline);
      expect(BigInt(f.deadline)).to.be.lessThan(until);
      const paused = await runTask<ResolveResult>("vital resolve", { challenge: "0", json: true });
      expect(paused.result).to.deep.equal({ challengeId: 0n, result: "Open", tx: paused.result.tx });
      await expect(hre.ethers.provider.getTransaction(paused.result.tx.hash))
        .to.emit(f.vital, "InvalidationDeferred")
        .withArgs(0n, f.rollup.interface.encodeErrorResult("RollupPaused", [until]));
      expect(await f.rollup.outputCount()).to.equal(2n);
      await time.increaseTo(until);
      const challenger = await f.token.balanceOf(op0.address);
      const treasury = await f.token.balanceOf(f.treasury.address);
      const { result, lines } = await runTask<ResolveResult>("vital resolve", { challenge: "0", json: true });
      const expected = { challengeId: 0n, result: "Invalidated", tx: result.tx };
      expect(result).to.deep.equal(expected);
      expect(JSON.parse(lines.join("\n"))).to.deep.equal(asJson(expected));
      await expect(hre.ethers.provider.getTransaction(result.tx.hash))
        .to.emit(f.vital, "Resolved")
        .withArgs(0n, Result.Invalidated);
      expect(await f.token.balanceOf(op0.address)).to.equal(challenger + BOND + BOND_REWARD);
      // the rest of the forfeited output bond
      expect(await f.token.balanceOf(f.treasury.address)).to.equal(treasury + OUTPUT_BOND - BOND_REWARD);
      expect(await f.rollup.outputCount()).to.equal(0n);
    });
  });

  async function pause(f: Fixture, council: HardhatEthersSigner, paused: boolean) {
    await (await f.rollup.connect(council).setPaused(paused)).wait();
  }

  interface ReportVotersResult {
    challengeId: bigint;
    reporter: string;
    reports: { operator: string; stake: bigint; requestId: bigint; bps: bigint; executableAt: bigint }[];
    tx: TxReport;
  }

  /** Challenge 0 invalidated: operators 2 and 3 voted valid (150,000 ALT), 0 and 1 invalid (350,000 of 500,000). */
  async function invalidatedFixture() {
    const f = await challengedFixture();
    const [op0, op1, op2, op3] = f.operators;
    await vote(f, op2, 0n, false);
    await vote(f, op3, 0n, false);
    await vote(f, op0, 0n, true);
    await vote(f, op1, 0n, true);
    expect((await f.vital.challengeOf(0)).result).to.equal(Result.Invalidated);
    return f;
  }

  describe("vital report-voters", function () {
    it("reports every valid voter not reported yet by default: one slash request each, the reporter named (text)", async function () {
      const f = await load(invalidatedFixture);
      const [, , op2, op3] = f.operators;
      const reporter = f.outsider;
      const { result, lines } = await runTask<ReportVotersResult>("vital report-voters", {
        challenge: "0",
        from: reporter.address,
        fromBlock: "0",
        json: false,
      });
      const receipt = await expectTx(result.tx, reporter.address, f.vitalAddress);
      const now = await blockTime(receipt.blockNumber);
      const executableAt = now + 2n * BigInt(DAY);
      const count = await f.manager.requestCount();
      const ids = [count - 2n, count - 1n];
      expect(result).to.deep.equal({
        challengeId: 0n,
        reporter: reporter.address,
        reports: [
          { operator: op2.address, stake: f.stakeOf(op2), requestId: ids[0], bps: 500n, executableAt },
          { operator: op3.address, stake: f.stakeOf(op3), requestId: ids[1], bps: 500n, executableAt },
        ],
        tx: result.tx,
      });
      const reporterBps = await f.manager.reporterBps();
      expect(lines).to.deep.equal([
        txLine(`reported 2 valid voters of challenge 0: slash requests ${ids[0]}, ${ids[1]}`, result.tx),
        `  ${op2.address} (voted valid with 100,000 ALT): request ${ids[0]}, 500 bps (5 %) of its allocation, ` +
          `executable from ${at(executableAt, now)} unless vetoed; jailed while pending`,
        `  ${op3.address} (voted valid with 50,000 ALT): request ${ids[1]}, 500 bps (5 %) of its allocation, ` +
          `executable from ${at(executableAt, now)} unless vetoed; jailed while pending`,
        `  the reporter ${reporter.address} receives ${reporterBps} bps (${Number(reporterBps) / 100} %) of what is slashed`,
      ]);
      for (const [i, op] of [op2, op3].entries()) {
        await expect(transaction(result.tx.hash)).to.emit(f.vital, "VoterReported").withArgs(0n, op.address, ids[i]);
        expect(await f.vital.voteOf(0, op.address)).to.equal(Vote.ValidReported);
        const request = await f.manager.request(ids[i]);
        expect([request.operator, request.setId, request.bps, request.reporter, request.status]).to.deep.equal([
          op.address,
          f.setIds[0],
          500n,
          reporter.address,
          SlashStatus.Pending,
        ]);
        expect(await f.registry.isJailed(op.address)).to.equal(true);
      }
      // nobody left to report, sending nothing
      const nonce = await hre.ethers.provider.getTransactionCount(f.deployer.address);
      await expectRefused(
        "vital report-voters",
        { challenge: "0", json: true },
        `every valid voter of challenge 0 is reported already: ${op2.address}, ${op3.address}`,
      );
      await expectRefused(
        "vital report-voters",
        { challenge: "0", voters: op3.address, json: true },
        `${op3.address} was reported for challenge 0 already`,
      );
      expect(await hre.ethers.provider.getTransactionCount(f.deployer.address)).to.equal(nonce);
    });

    it("reports the --voters given (JSON)", async function () {
      const f = await load(invalidatedFixture);
      const op3 = f.operators[3];
      const result = await task<ReportVotersResult>("vital report-voters", {
        challenge: "0",
        voters: op3.address,
        fromBlock: "0",
        json: true,
      });
      expect(result.reports.map((r) => [r.operator, r.stake])).to.deep.equal([[op3.address, f.stakeOf(op3)]]);
      expect(await f.vital.voteOf(0, op3.address)).to.equal(Vote.ValidReported);
      expect(await f.vital.voteOf(0, f.operators[2].address)).to.equal(Vote.Valid);
    });

    it("refuses, sending nothing: an open or unknown challenge, no valid voter, a voter that voted invalid, did not vote or is listed twice, evidence too old", async function () {
      const f = await load(challengedFixture);
      const [op0, op1, op2] = f.operators;
      const nonce = await hre.ethers.provider.getTransactionCount(f.deployer.address);
      const args = { fromBlock: "0", json: true };
      await expectRefused(
        "vital report-voters",
        { ...args, challenge: "0" },
        `challenge 0 is Open (its vote runs until ${at(f.deadline, await latest())}): only the valid voters of a ` +
          `challenge that invalidated its output are reportable`,
      );
      await expectRefused("vital report-voters", { ...args, challenge: "2" }, "no challenge 2: there are 2");
      // challenge 1 invalidated with no valid vote
      await vote(f, op0, 1n, true);
      await vote(f, op1, 1n, true);
      await expectRefused(
        "vital report-voters",
        { ...args, challenge: "1" },
        "nobody voted valid on challenge 1: nobody to report",
      );
      await vote(f, op2, 0n, false);
      await vote(f, op0, 0n, true);
      await vote(f, op1, 0n, true);
      await expectRefused(
        "vital report-voters",
        { ...args, challenge: "0", voters: op0.address },
        `${op0.address} voted invalid on challenge 0: not reportable`,
      );
      await expectRefused(
        "vital report-voters",
        { ...args, challenge: "0", voters: `${op2.address},${f.outsider.address}` },
        `${f.outsider.address} did not vote on challenge 0: not reportable`,
      );
      await expectRefused(
        "vital report-voters",
        { ...args, challenge: "0", voters: `${op2.address}, ${op2.address}` },
        `--voters lists ${op2.address} twice`,
      );
      await expectRefused(
        "vital report-voters",
        { ...args, challenge: "0", voters: "0x12" },
        "--voters is not a valid address: 0x12",
      );
      // past the slashing manager's evidence age (10 days from the challenge)
      const { createdAt } = await f.vital.challengeOf(0);
      await time.increaseTo(createdAt + 11n * BigInt(DAY));
      await expectRefused(
        "vital report-voters",
        { ...args, challenge: "0" },
        `the offence dates from ${at(createdAt, await latest())}: the slashing manager accepts evidence up to 10d old`,
      );
      expect(await hre.ethers.provider.getTransactionCount(f.deployer.address)).to.equal(nonce);
      expect(await f.vital.voteOf(0, op2.address)).to.equal(Vote.Valid);
    });
  });

  describe("vital list", function () {
    interface Row {
      challengeId: bigint;
      rollup: string;
      outputIndex: bigint;
      challenger: string;
      result: string;
      deadline: bigint;
      invalidStake: bigint;
      invalidVotes: number;
      validStake: bigint;
      validVotes: number;
      totalStake: bigint;
    }

    it("lists every challenge with its result, deadline and the stake on each side; --open and --rollup filter (text, then JSON)", async function () {
      const f = await load(challengedFixture);
      const [op0, op1, op2] = f.operators;
      const deadline1 = (await f.vital.challengeOf(1)).deadline;
      await vote(f, op2, 0n, false);
      await vote(f, op0, 1n, true);
      await vote(f, op1, 1n, true);
      const { result, lines } = await runTask<Row[]>("vital list", { fromBlock: "0", open: false, json: false });
      const now = await latest();
      expect(lines).to.deep.equal([
        `challenge 0: output 0 (block ${f.blocks[0]}) of ${f.rollupAddress} by ${op0.address}, bond 10,000 ALT: ` +
          `Open, vote until ${at(f.deadline, now)}`,
        "  invalid 0 ALT (0 votes), valid 100,000 ALT (1 vote) of 500,000 ALT counted in epoch " +
          `${f.epoch}: two thirds invalidate`,
        `challenge 1: output 0 (block ${f.blocks[0]}) of ${f.operatorRollupAddress} by ${op1.address}, bond ` +
          `10,000 ALT: Invalidated, vote until ${at(deadline1, now)}`,
        "  invalid 350,000 ALT (2 votes), valid 0 ALT (0 votes) of 500,000 ALT counted in epoch " +
          `${f.epoch}: two thirds invalidate`,
      ]);
      expect(
        result.map((r) => [
          r.challengeId,
          r.rollup,
          r.outputIndex,
          r.challenger,
          r.result,
          r.invalidStake,
          r.validStake,
        ]),
      ).to.deep.equal([
        [0n, f.rollupAddress, 0n, op0.address, "Open", 0n, f.stakeOf(op2)],
        [1n, f.operatorRollupAddress, 0n, op1.address, "Invalidated", f.stakeOf(op0) + f.stakeOf(op1), 0n],
      ]);
      expect(result.map((r) => r.totalStake)).to.deep.equal([f.totalStake, f.totalStake]);
      const open = await task<Row[]>("vital list", { open: true, fromBlock: "0", json: true });
      expect(open.map((r) => r.challengeId)).to.deep.equal([0n]);
      const of5003 = await task<Row[]>("vital list", { rollup: "5003", open: false, fromBlock: "0", json: true });
      expect(of5003.map((r) => r.challengeId)).to.deep.equal([1n]);
      // after the deadline, the vote "ended"
      await time.increaseTo(f.deadline + 60n);
      const later = await runTask<Row[]>("vital list", { rollup: "5001", open: false, fromBlock: "0", json: false });
      expect(later.lines[0]).to.equal(
        `challenge 0: output 0 (block ${f.blocks[0]}) of ${f.rollupAddress} by ${op0.address}, bond 10,000 ALT: ` +
          `Open, vote ended ${isoTime(f.deadline)} (1m ago)`,
      );
      const none = await runTask<Row[]>("vital list", { open: true, fromBlock: "999999", json: false });
      expect(none.lines).to.deep.equal(["no open VITAL challenge from block 999999"]);
      expect(none.result).to.deep.equal([]);
      await expectRefused(
        "vital list",
        { rollup: "5009", open: false, fromBlock: "0", json: true },
        "no rollup has chain ID 5009",
      );
    });
  });
});
