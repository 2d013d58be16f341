// The keeper tasks (tasks/keeper.ts, tasks/lib/keeper.ts) against the staged deployment of `servicesTaskFixture`:
// rollup 5001 (VITAL + MACH, proposer: its creator) registered in VITAL and rollup 5002 (SQUAD-sequenced) in SQUAD,
// operators 0..3 members of both sets, whose allocations count in the fixture's epoch and the one before (so SQUAD's
// slots have leaders). Each duty is given due work and run as keeper <duty>; its on-chain effect and its action records
// are checked, and so is what is not due yet (left alone, the keeper's nonce unchanged). keeper tick runs several duties
// in one pass, keeper run passes in a loop, and an item another account takes between the keeper's read and its
// simulation is a skip record while the rest is done.
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { id, ZeroHash } from "ethers";
import { parseDuration } from "../../deploy/lib/units";
import { ALT } from "../helpers/constants";
import { stagedParameters } from "../helpers/parameters";
import { OUTPUT_BOND, SERVICE } from "../helpers/rollups";
import { servicesTaskFixture, OPERATOR_STAKES } from "../helpers/serviceTasks";
import { createRollup } from "../helpers/services";
import { expectRefused, expectTaskFailure, expectTx, load, runTask } from "../helpers/tasks";
import { DAY, nextEpoch } from "../helpers/time";
import type { KeeperAction, KeeperRecord, TickResult } from "../../tasks/lib/keeper";
import type { RunResult } from "../../tasks/keeper";

const parameters = stagedParameters();
const SLOT = BigInt(parseDuration(parameters.services!.squad.slotLength));
const CHALLENGE_PERIOD = 7n * BigInt(DAY);
const VETO_WINDOW = BigInt(parseDuration(parameters.restaking.vetoWindow));
const SETTLEMENT_WINDOW = BigInt(parseDuration(parameters.rollups!.settlementWindow));
/** The default --stream-window. */
const STREAM_WINDOW = 600n;
const Result = { Open: 1n, Invalidated: 2n, Failed: 3n } as const;
const Vote = { ValidReported: 3n } as const;
const SlashStatus = { Pending: 1n, Executed: 3n } as const;
const OutputStatus = { Proposed: 1n, Finalized: 3n } as const;

describe("keeper tasks", function () {
  async function keeperFixture() {
    const f = await loadFixture(servicesTaskFixture);
    const { vital, squad, sets, operators, rollupAddress, squadRollupAddress } = f;
    await (await vital.registerRollup(rollupAddress)).wait();
    await (await squad.registerRollup(squadRollupAddress)).wait();
    const vitalSet = await vital.setIdOf(rollupAddress);
    const squadSet = await squad.setIdOf(squadRollupAddress);
    for (const [i, op] of operators.entries()) {
      await (await sets.connect(op.signer).join(vitalSet, OPERATOR_STAKES[i] / 2n)).wait();
      await (await sets.connect(op.signer).join(squadSet, OPERATOR_STAKES[i] / 2n)).wait();
    }
    await nextEpoch(sets);
    // the allocations count in this epoch and the one before: SQUAD's slots of this epoch have leaders
    const epoch = await nextEpoch(sets);
    const keeper = f.signers[9];
    return { ...f, vitalSet, squadSet, epoch, keeper, managerAddress: await f.manager.getAddress() };
  }
  type Fixture = Awaited<ReturnType<typeof keeperFixture>>;

  /** Runs keeper:`name` as the fixture's keeper account (JSON). */
  const keep = async (f: Fixture, name: string, args: Record<string, unknown> = {}) =>
    (await runTask<TickResult>(`keeper ${name}`, { json: true, from: f.keeper.address, ...args })).result;
  const nonce = (f: Fixture) => hre.ethers.provider.getTransactionCount(f.keeper.address);
  const actions = (records: KeeperRecord[]) => records.filter((r): r is KeeperAction => "tx" in r);
  /** Checks a pass sent nothing: no record, the keeper's nonce unchanged. */
  async function expectNothing(f: Fixture, name: string, args: Record<string, unknown> = {}) {
    const before = await nonce(f);
    const result = await keep(f, name, args);
    expect(result.records).to.deep.equal([]);
    expect(result.sent).to.equal(0);
    expect(await nonce(f)).to.equal(before);
    return result;
  }

  /** Output 0 of rollup 5001 proposed now by its creator; its proposal time. */
  async function proposeOutput(f: Fixture, stateRoot = id("keeper-root-0")) {
    const interval = await f.rollup.outputInterval();
    const count = await f.rollup.outputCount();
    await (await f.rollup.connect(f.creator).proposeOutput(interval * (count + 1n), stateRoot, ZeroHash)).wait();
    return (await f.rollup.output(count)).proposedAt;
  }

  describe("keeper finalize", function () {
    it("finalizes an output once its challenge period is over, not a second before, and returns the bond", async function () {
      const f = await load(keeperFixture);
      const proposedAt = await proposeOutput(f);
      await time.increaseTo(proposedAt + CHALLENGE_PERIOD - 1n);
      await expectNothing(f, "finalize");
      expect((await f.rollup.output(0)).status).to.equal(OutputStatus.Proposed);

      await time.increaseTo(proposedAt + CHALLENGE_PERIOD);
      const bonded = await f.token.balanceOf(f.creator.address);
      const result = await keep(f, "finalize");
      expect(result.records).to.have.length(1);
      const [action] = actions(result.records);
      expect(action).to.deep.include({
        duty: "finalize",
        target: f.rollupAddress,
        what: `output 0 (block ${await f.rollup.outputInterval()}) finalized`,
      });
      await expectTx(action.tx, f.keeper.address, f.rollupAddress);
      expect((await f.rollup.output(0)).status).to.equal(OutputStatus.Finalized);
      expect(await f.rollup.finalizedCount()).to.equal(1n);
      expect(await f.token.balanceOf(f.creator.address)).to.equal(bonded + OUTPUT_BOND);
      await expectNothing(f, "finalize");
    });

    it("stops at an output under an open challenge, and finalizes after keeper tick resolves the challenge in the same pass", async function () {
      const f = await load(keeperFixture);
      const proposedAt = await proposeOutput(f);
      await time.increaseTo(proposedAt + CHALLENGE_PERIOD - BigInt(DAY) - 10n);
      const [, bond] = await f.vital.parameters();
      await (await f.token.connect(f.operators[0].signer).approve(await f.vital.getAddress(), bond)).wait();
      await (await f.vital.connect(f.operators[0].signer).challenge(f.rollupAddress, 0)).wait();
      const deadline = (await f.vital.challengeOf(0)).deadline;
      expect(deadline).to.be.at.most(proposedAt + CHALLENGE_PERIOD);
      // the vote is open until the deadline: nothing to resolve, and the challenged output does not finalize
      await time.increaseTo(deadline - 1n);
      await expectNothing(f, "tick", { duties: "resolve,finalize" });
      await time.increaseTo(proposedAt + CHALLENGE_PERIOD);
      const treasury = await f.token.balanceOf(f.treasury.address);
      const result = await keep(f, "tick", { duties: "finalize,resolve" });
      expect(result.duties).to.deep.equal(["resolve", "finalize"]);
      expect(result.records.map((r) => [r.duty, r.target, r.what])).to.deep.equal([
        ["resolve", "challenge 0", "challenge 0 of output 0 resolved after its vote"],
        ["finalize", f.rollupAddress, `output 0 (block ${await f.rollup.outputInterval()}) finalized`],
      ]);
      expect((await f.vital.challengeOf(0)).result).to.equal(Result.Failed);
      expect(await f.token.balanceOf(f.treasury.address)).to.equal(treasury + bond);
      expect((await f.rollup.output(0)).status).to.equal(OutputStatus.Finalized);
    });
  });

  /**
   * Output 0 of rollup 5001 challenged by operator 0 and invalidated by operators 0 and 1 (350,000 of the 500,000 ALT
   * counted), operators 2 and 3 having voted "valid" before.
   */
  async function invalidatedFixture() {
    const f = await loadFixture(keeperFixture);
    await proposeOutput(f);
    const [, bond] = await f.vital.parameters();
    const [op0, op1, op2, op3] = f.operators;
    await (await f.token.connect(op0.signer).approve(await f.vital.getAddress(), bond)).wait();
    await (await f.vital.connect(op0.signer).challenge(f.rollupAddress, 0)).wait();
    await (await f.vital.connect(op2.signer).vote(0, false)).wait();
    await (await f.vital.connect(op3.signer).vote(0, false)).wait();
    await (await f.vital.connect(op0.signer).vote(0, true)).wait();
    await (await f.vital.connect(op1.signer).vote(0, true)).wait();
    expect((await f.vital.challengeOf(0)).result).to.equal(Result.Invalidated);
    return f;
  }

  describe("keeper resolve", function () {
    it("retries an invalidation deferred by a pause once the rollup is resumed, not while it is paused", async function () {
      const f = await load(keeperFixture);
      await proposeOutput(f);
      const [, bond] = await f.vital.parameters();
      const [op0, op1] = f.operators;
      await (await f.token.connect(op0.signer).approve(await f.vital.getAddress(), bond)).wait();
      await (await f.vital.connect(op0.signer).challenge(f.rollupAddress, 0)).wait();
      const councilAddress = await f.factory.council();
      const pauser = f.signers.find((s) => s.address === councilAddress)!;
      await (await f.rollup.connect(pauser).setPaused(true)).wait();
      await (await f.vital.connect(op0.signer).vote(0, true)).wait();
      await expect(f.vital.connect(op1.signer).vote(0, true)).to.emit(f.vital, "InvalidationDeferred");
      expect((await f.vital.challengeOf(0)).result).to.equal(Result.Open);
      // paused: a retry would only be deferred again
      await expectNothing(f, "resolve");
      await (await f.rollup.connect(pauser).setPaused(false)).wait();
      const result = await keep(f, "resolve");
      expect(result.records.map((r) => [r.duty, r.target, r.what])).to.deep.equal([
        ["resolve", "challenge 0", "challenge 0 of output 0: invalidation retried"],
      ]);
      await expect(actions(result.records)[0].tx.hash).to.emit(f.rollup, "OutputsInvalidated").withArgs(0n, 1n);
      expect((await f.vital.challengeOf(0)).result).to.equal(Result.Invalidated);
      expect(await f.rollup.outputCount()).to.equal(0n);
    });
  });

  describe("keeper report-voters and keeper execute-slashes", function () {
    it("reports the members that voted valid with the keeper as reporter, then executes their slashes after the veto window", async function () {
      const f = await load(invalidatedFixture);
      const [, , op2, op3] = f.operators;
      const requests = await f.manager.requestCount();
      const result = await keep(f, "report-voters");
      const [action] = actions(result.records);
      expect(result.records).to.have.length(1);
      expect(action).to.deep.include({
        duty: "report-voters",
        target: "challenge 0",
        what: `challenge 0: 2 "valid" voter(s) reported (${op2.address}, ${op3.address})`,
      });
      const receipt = await expectTx(action.tx, f.keeper.address, await f.vital.getAddress());
      await expect(receipt!.hash)
        .to.emit(f.vital, "VoterReported")
        .withArgs(0n, op2.address, requests)
        .and.to.emit(f.vital, "VoterReported")
        .withArgs(0n, op3.address, requests + 1n);
      for (const op of [op2, op3]) expect(await f.vital.voteOf(0, op.address)).to.equal(Vote.ValidReported);
      const request = await f.manager.request(requests);
      expect(request.reporter).to.equal(f.keeper.address);
      expect(request.executableAt).to.equal(request.requestedAt + VETO_WINDOW);
      expect(request.status).to.equal(SlashStatus.Pending);
      // reported once
      await expectNothing(f, "report-voters");

      // the veto window runs: nothing to execute a second before its end
      await time.increaseTo(request.executableAt - 1n);
      await expectNothing(f, "execute-slashes");
      await time.increaseTo(request.executableAt);
      const executed = await keep(f, "execute-slashes");
      expect(executed.records.map((r) => [r.duty, r.target])).to.deep.equal([
        ["execute-slashes", `slash request ${requests}`],
        ["execute-slashes", `slash request ${requests + 1n}`],
      ]);
      for (const r of actions(executed.records)) await expectTx(r.tx, f.keeper.address, f.managerAddress);
      for (const i of [requests, requests + 1n]) {
        expect((await f.manager.request(i)).status).to.equal(SlashStatus.Executed);
      }
      // the keeper, the reporter, has a share of what was slashed
      expect(await f.registry.slashProceeds(f.keeper.address, 0)).to.be.greaterThan(0n);
      await expectNothing(f, "execute-slashes");
    });

    it("skips a request another account executed between the keeper's read and its simulation, with the reason, and executes the other", async function () {
      const f = await load(invalidatedFixture);
      const first = await f.manager.requestCount();
      await keep(f, "report-voters");
      await time.increaseTo((await f.manager.request(first)).executableAt);
      // another keeper executes the first request right before the keeper simulates it
      const provider = hre.network.provider;
      const send = provider.send.bind(provider);
      const raced = f.manager.interface.encodeFunctionData("execute", [first]);
      let done = false;
      provider.send = async (method: string, params?: unknown[]) => {
        const call = params?.[0] as { data?: string } | undefined;
        if (!done && method === "eth_call" && call?.data === raced) {
          done = true;
          await (await f.manager.connect(f.outsider).execute(first)).wait();
        }
        return send(method, params);
      };
      let result: TickResult;
      try {
        result = await keep(f, "execute-slashes");
      } finally {
        provider.send = send;
      }
      expect(done).to.equal(true);
      expect(result.records).to.have.length(2);
      expect(result.records[0]).to.deep.equal({
        duty: "execute-slashes",
        target: `slash request ${first}`,
        what: `slash request ${first} executed: ${(await f.manager.request(first)).bps} bps of ${f.operators[2].address}`,
        skipped: `SlashingNotPending(${first}, 3)`,
      });
      expect(result.records[1]).to.deep.include({ duty: "execute-slashes", target: `slash request ${first + 1n}` });
      expect(result.sent).to.equal(1);
      for (const i of [first, first + 1n]) expect((await f.manager.request(i)).status).to.equal(SlashStatus.Executed);
      const text = await runTask("keeper execute-slashes", { json: false, from: f.keeper.address });
      expect(text.lines).to.have.length(1);
      expect(text.lines[0]).to.match(/^nothing due at block \d+ \(.*\): nothing sent$/);
    });
  });

  describe("keeper stream-fees", function () {
    it("streams each rollup's fees in the last 10 minutes of the epoch, once, and not before", async function () {
      const f = await load(keeperFixture);
      const end = await f.sets.epochStart(f.epoch + 1n);
      await time.increaseTo(end - STREAM_WINDOW - 1n);
      await expectNothing(f, "stream-fees");
      await time.increaseTo(end - STREAM_WINDOW);
      const result = await keep(f, "stream-fees");
      expect(result.records.map((r) => [r.duty, r.target, r.what])).to.deep.equal([
        ["stream-fees", f.rollupAddress, `fees of epoch ${f.epoch} streamed`],
        ["stream-fees", f.squadRollupAddress, `fees of epoch ${f.epoch} streamed`],
      ]);
      for (const [i, rollup] of [f.rollup, f.squadRollup].entries()) {
        const action = actions(result.records)[i];
        const receipt = await expectTx(action.tx, f.keeper.address, await rollup.getAddress());
        const block = (await hre.ethers.provider.getBlock(receipt!.blockNumber))!;
        expect(await rollup.lastStreamed()).to.equal(BigInt(block.timestamp));
        await expect(receipt!.hash).to.emit(rollup, "FeesStreamed");
      }
      // once per epoch: not again in the same window
      await time.increaseTo(end - 60n);
      await expectNothing(f, "stream-fees");
      // a --stream-window of 20 minutes began before the streams: nothing either
      await expectNothing(f, "stream-fees", { streamWindow: "20m" });
    });
  });

  describe("keeper settle-rollups", function () {
    it("settles an ephemeral rollup once its settlement window is over, refunding its owner", async function () {
      const f = await load(keeperFixture);
      const expiry = BigInt(await time.latest()) + 10n * BigInt(DAY);
      const ephemeral = await createRollup({ factory: f.factory }, f.creator, {
        chainId: 5009,
        salt: id("keeper:ephemeral"),
        services: SERVICE.VITAL,
        expiry,
      });
      const address = await ephemeral.getAddress();
      await time.increaseTo(expiry + SETTLEMENT_WINDOW - 1n);
      await expectNothing(f, "settle-rollups");
      await time.increaseTo(expiry + SETTLEMENT_WINDOW);
      const owner = await f.token.balanceOf(f.creator.address);
      const { result, lines } = await runTask<TickResult>("keeper settle-rollups", {
        json: false,
        from: f.keeper.address,
      });
      const { tx } = actions(result.records)[0];
      expect(lines).to.deep.equal([
        `settle-rollups: settled: retired, unused fees refunded: tx ${tx.hash} (gas ${tx.gasUsed}, block ${tx.block})`,
      ]);
      expect(result.records.map((r) => [r.duty, r.target, r.what])).to.deep.equal([
        ["settle-rollups", address, "settled: retired, unused fees refunded"],
      ]);
      await expectTx(actions(result.records)[0].tx, f.keeper.address, address);
      expect(await ephemeral.status()).to.equal(2n); // Retired
      const refund = await ephemeral.refunded();
      expect(refund).to.be.greaterThan(0n);
      expect(await f.token.balanceOf(f.creator.address)).to.equal(owner + refund);
      await expectNothing(f, "settle-rollups");
    });
  });

  describe("keeper seeds", function () {
    it("commits the next epoch's seed, then reveals it in the committed block only", async function () {
      const f = await load(keeperFixture);
      const next = f.epoch + 1n;
      const result = await keep(f, "seeds");
      const [commit] = actions(result.records);
      expect(result.records).to.have.length(1);
      const target = BigInt(commit.tx.block) + 64n;
      expect(commit).to.deep.include({
        duty: "seeds",
        target: f.squadRollupAddress,
        what: `seed of epoch ${next} committed (reveal in block ${target})`,
      });
      expect(await f.squad.seedCommitment(f.squadRollupAddress)).to.deep.equal([next, target, false]);
      // committed, the target not next: nothing
      await expectNothing(f, "seeds");
      await mine(target - BigInt(await hre.ethers.provider.getBlockNumber()) - 1n);
      const revealed = await keep(f, "seeds");
      const [reveal] = actions(revealed.records);
      expect(reveal).to.deep.include({ what: `seed of epoch ${next} revealed in block ${target}` });
      expect(reveal.tx.block).to.equal(Number(target));
      await expect(reveal.tx.hash).to.emit(f.squad, "SeedRevealed");
      expect(await f.squad.seedCommitment(f.squadRollupAddress)).to.deep.equal([next, target, true]);
      await expectNothing(f, "seeds");
    });
  });

  describe("keeper report-misses and keeper report-censorship", function () {
    it("reports a slot its leader left empty once it is over, not a slot its leader posted in nor the current one", async function () {
      const f = await load(keeperFixture);
      const start = await f.sets.epochStart(f.epoch);
      const first = (start + SLOT - 1n) / SLOT;
      // the leader of the first slot posts in it
      await time.increaseTo(first * SLOT + 10n);
      const leader = await f.squad.leaderAt(f.squadRollupAddress, first);
      const poster = f.operators.find((op) => op.address === leader)!;
      await (await f.squad.connect(poster.signer).postBatch(f.squadRollupAddress, id("batch"), 0)).wait();
      // the next slot is left empty; the one after is the current one
      await time.increaseTo((first + 2n) * SLOT + 10n);
      const missed = await f.squad.leaderAt(f.squadRollupAddress, first + 1n);
      const result = await keep(f, "report-misses");
      expect(result.records.map((r) => [r.duty, r.target, r.what])).to.deep.equal([
        ["report-misses", f.squadRollupAddress, `slot ${first + 1n} missed by its leader ${missed}`],
      ]);
      await expect(actions(result.records)[0].tx.hash)
        .to.emit(f.squad, "SlotMissed")
        .withArgs(f.squadRollupAddress, first + 1n, missed, 1n);
      expect(await f.squad.slotMarks(f.squadRollupAddress, first + 1n)).to.deep.equal([false, true]);
      await expectNothing(f, "report-misses");
    });

    it("reports the leader of the first whole slot after a queue item's deadline once the item is forced in", async function () {
      const f = await load(keeperFixture);
      await (await f.token.connect(f.outsider).approve(f.squadRollupAddress, ALT)).wait();
      await (await f.squadRollup.connect(f.outsider).queueTransaction(id("skipped"), ALT)).wait();
      const item = await f.squadRollup.queuedTransaction(0);
      const slot = item.deadline / SLOT + 1n;
      // forced in during the slot: nobody provably at fault
      await time.increaseTo(slot * SLOT + 10n);
      await (await f.squadRollup.connect(f.outsider).forceInclude(1)).wait();
      await expectNothing(f, "report-censorship");
      expect((await f.squadRollup.queuedTransaction(0)).forcedAt).to.be.greaterThan(0n);

      // a second item forced in after a whole slot went by
      await (await f.token.connect(f.outsider).approve(f.squadRollupAddress, ALT)).wait();
      await (await f.squadRollup.connect(f.outsider).queueTransaction(id("censored"), ALT)).wait();
      const censored = await f.squadRollup.queuedTransaction(1);
      const blamed = censored.deadline / SLOT + 1n;
      const blamedLeader = await f.squad.leaderAt(f.squadRollupAddress, blamed);
      await time.increaseTo((blamed + 1n) * SLOT + 5n);
      await (await f.squadRollup.connect(f.outsider).forceInclude(1)).wait();
      const requests = await f.manager.requestCount();
      const result = await keep(f, "report-censorship");
      expect(result.records.map((r) => [r.duty, r.target, r.what])).to.deep.equal([
        [
          "report-censorship",
          f.squadRollupAddress,
          `queue item 1 skipped by ${blamedLeader}, leader of slot ${blamed}`,
        ],
      ]);
      await expect(actions(result.records)[0].tx.hash)
        .to.emit(f.squad, "CensorshipReported")
        .withArgs(f.squadRollupAddress, 1n, blamed, blamedLeader, requests);
      const request = await f.manager.request(requests);
      expect([request.operator, request.reporter]).to.deep.equal([blamedLeader, f.keeper.address]);
      await expectNothing(f, "report-censorship");
    });
  });

  describe("keeper force-include", function () {
    it("forces a centrally sequenced rollup's overdue items in once their deadline has passed, not at it: their fees to the keeper", async function () {
      const f = await load(keeperFixture);
      await (await f.token.connect(f.outsider).approve(f.rollupAddress, 2n * ALT)).wait();
      await (await f.rollup.connect(f.outsider).queueTransaction(id("first"), ALT)).wait();
      await (await f.rollup.connect(f.outsider).queueTransaction(id("second"), ALT)).wait();
      const [first, second] = [await f.rollup.queuedTransaction(0), await f.rollup.queuedTransaction(1)];
      const sequencer = await f.rollup.sequencerRole();
      await time.increaseTo(first.deadline);
      await expectNothing(f, "force-include");
      // one second later only the first is overdue: exactly it is forced in
      await time.increaseTo(first.deadline + 1n);
      const before = await f.token.balanceOf(f.keeper.address);
      const result = await keep(f, "force-include");
      expect(result.records.map((r) => [r.duty, r.target, r.what])).to.deep.equal([
        ["force-include", f.rollupAddress, "queue items 0 to 0 forced in (overdue: the sequencer at fault)"],
      ]);
      await expect(actions(result.records)[0].tx.hash)
        .to.emit(f.rollup, "SequencerFault")
        .withArgs(sequencer, 0n, first.deadline);
      expect(await f.token.balanceOf(f.keeper.address)).to.equal(before + ALT);
      expect(await f.rollup.queueHead()).to.equal(1n);
      if (BigInt(await time.latest()) <= second.deadline) await time.increaseTo(second.deadline + 1n);
      const next = await keep(f, "force-include");
      expect(next.records.map((r) => r.what)).to.deep.equal([
        "queue items 1 to 1 forced in (overdue: the sequencer at fault)",
      ]);
      expect(await f.rollup.queueHead()).to.equal(2n);
      await expectNothing(f, "force-include");
    });

    it("waits on a SQUAD rollup until the slot after the deadline is over, so that the same pass can report its leader", async function () {
      const f = await load(keeperFixture);
      await (await f.token.connect(f.outsider).approve(f.squadRollupAddress, ALT)).wait();
      await (await f.squadRollup.connect(f.outsider).queueTransaction(id("censored"), ALT)).wait();
      const item = await f.squadRollup.queuedTransaction(0);
      const blamed = item.deadline / SLOT + 1n;
      const leader = await f.squad.leaderAt(f.squadRollupAddress, blamed);
      // overdue, but forced in before slot `blamed` ends nobody could be proven to have censored it
      await time.increaseTo((blamed + 1n) * SLOT - 1n);
      await expectNothing(f, "force-include");
      await time.increaseTo((blamed + 1n) * SLOT);
      const requests = await f.manager.requestCount();
      const result = await keep(f, "tick", { duties: "report-censorship,force-include" });
      expect(result.records.map((r) => [r.duty, r.what])).to.deep.equal([
        ["force-include", "queue items 0 to 0 forced in (overdue: the sequencer at fault)"],
        ["report-censorship", `queue item 0 skipped by ${leader}, leader of slot ${blamed}`],
      ]);
      await expect(actions(result.records)[1].tx.hash)
        .to.emit(f.squad, "CensorshipReported")
        .withArgs(f.squadRollupAddress, 0n, blamed, leader, requests);
    });
  });

  describe("keeper settle-rewards", function () {
    it("settles every (operator, set) pair at least --settle-lag epochs behind, bounded by --max-actions", async function () {
      const f = await load(keeperFixture);
      const rewards = (await hre.ethers.getContractAt(
        "RewardsDistributor",
        f.book["Restaking#RewardsDistributor"],
      )) as unknown as import("../../typechain-types").RewardsDistributor;
      const pairs = f.operators.flatMap((op) => [f.vitalSet, f.squadSet].map((setId) => ({ op, setId })));
      for (const { op, setId } of pairs) expect(await rewards.settledUntil(op.address, setId)).to.equal(0n);
      // lagging f.epoch epochs: not enough for a lag of f.epoch + 1
      await expectNothing(f, "settle-rewards", { settleLag: String(f.epoch + 1n) });
      const bounded = await keep(f, "settle-rewards", { maxActions: "3" });
      expect(bounded.sent).to.equal(3);
      expect(bounded.truncated).to.equal(true);
      const rest = await keep(f, "settle-rewards");
      expect(rest.sent).to.equal(pairs.length - 3);
      expect(rest.truncated).to.equal(false);
      const targets = [...bounded.records, ...rest.records].map((r) => r.target).sort();
      const name = (setId: bigint) => (setId === f.vitalSet ? "VITAL/5001" : "SQUAD/5002");
      expect(targets).to.deep.equal(pairs.map(({ op, setId }) => `${op.address} set ${name(setId)}`).sort());
      for (const { op, setId } of pairs) expect(await rewards.settledUntil(op.address, setId)).to.equal(f.epoch);
      await expectNothing(f, "settle-rewards");
    });
  });

  describe("keeper tick and keeper run", function () {
    it("does every due duty in one pass; the next pass finds nothing due and sends nothing", async function () {
      const f = await load(invalidatedFixture);
      const result = await keep(f, "tick");
      expect(result.duties).to.deep.equal([
        "seeds",
        "stream-fees",
        "resolve",
        "report-voters",
        "finalize",
        "execute-slashes",
        "recover-slashes",
        "report-misses",
        "force-include",
        "report-censorship",
        "settle-rollups",
        "settle-rewards",
      ]);
      // the next epoch's seed committed, the "valid" voters reported, the 8 (operator, set) pairs settled
      expect(result.records.map((r) => r.duty)).to.deep.equal([
        "seeds",
        "report-voters",
        ...Array(8).fill("settle-rewards"),
      ]);
      expect(result.records.every((r) => "tx" in r)).to.equal(true);
      expect(result.sent).to.equal(10);
      expect((await f.squad.seedCommitment(f.squadRollupAddress))[0]).to.equal(f.epoch + 1n);
      expect(await f.vital.voteOf(0, f.operators[3].address)).to.equal(Vote.ValidReported);
      const before = await nonce(f);
      const text = await runTask("keeper tick", { json: false, from: f.keeper.address });
      expect(text.lines).to.have.length(1);
      expect(text.lines[0]).to.match(/^nothing due at block \d+ \(.*\): nothing sent$/);
      expect(await nonce(f)).to.equal(before);
    });

    it("runs --ticks passes --interval apart", async function () {
      const f = await load(keeperFixture);
      const started = Date.now();
      const { result, lines } = await runTask<RunResult>("keeper run", {
        json: false,
        from: f.keeper.address,
        duties: "seeds",
        ticks: "2",
        interval: "1s",
      });
      expect(Date.now() - started).to.be.at.least(1000);
      expect(result.ticks).to.equal(2);
      expect(result.sent).to.equal(1);
      expect(result.results.map((r) => r.records.length)).to.deep.equal([1, 0]);
      expect(lines[0]).to.equal(`keeper ${f.keeper.address} on hardhat: seeds every 1s, 2 passes`);
      expect(lines[lines.length - 1]).to.equal("keeper stopped after 2 passes: 1 transactions sent");
    });

    it("refuses an unknown duty or a bad flag before sending anything", async function () {
      const f = await load(keeperFixture);
      const args = { json: true, from: f.keeper.address };
      await expectRefused(
        "keeper tick",
        { ...args, duties: "finalize,lunch" },
        "unknown duty lunch: the duties are seeds, stream-fees, resolve, report-voters, finalize, execute-slashes, recover-slashes, report-misses, force-include, report-censorship, settle-rollups, settle-rewards",
      );
      await expectRefused(
        "keeper finalize",
        { ...args, maxActions: "0" },
        "--max-actions must be a positive whole number, not 0",
      );
      await expectTaskFailure("keeper run", { ...args, interval: "soon" }, /^--interval: invalid duration "soon"/);
    });
  });
});
