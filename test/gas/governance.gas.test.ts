// Gas snapshot of governance (suite "governance" of test/gas/snapshot.json): the proposal lifecycle of AltGovernor and
// its timelock, as deployed. See test/helpers/gas.ts.
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { id } from "ethers";
import { describeGas } from "../helpers/gas";
import { ALT } from "../helpers/constants";
import { days } from "../helpers/time";
import { deployGovernance } from "../helpers/governance";
import { signBallot } from "../../tasks/lib/signatures";

const For = 1;
const Against = 0;
const Succeeded = 4n;
const Queued = 5n;
const Executed = 7n;
const PROPOSER_ALT = 20_000_000n * ALT;
const TIMELOCK_DELAY = BigInt(days(2));
/** A 60-character reason. */
const REASON = "14 days are needed while slashing evidence can be 7 days old";

/**
 * The protocol as deployed; a fresh proposer (20M ALT from the released Launchpool position, self-delegated) has
 * proposed one action (registry.setDelays); the proposal is Active, the proposer and account 2 (2B) voted For: the For
 * tally is non-zero and the quorum was reached early (the late-quorum mark is written, no extension).
 */
async function governanceGasFixture() {
  const deployment = await deployGovernance();
  const { token, governor, registry, positions, signers } = deployment;
  const [, , dev, investor, ecosystem, team, , launchpool] = signers;
  const [proposer, relayer, executor] = signers.slice(10);
  await positions.Launchpool.release();
  await token.connect(launchpool).transfer(proposer, PROPOSER_ALT);
  await token.connect(proposer).delegate(proposer);

  const registryAddress = await registry.getAddress();
  const setDelays = (withdrawalDelay: number, text: string) => {
    const description = `${text}#proposer=${proposer.address}`;
    return {
      targets: [registryAddress],
      values: [0n],
      calldatas: [registry.interface.encodeFunctionData("setDelays", [withdrawalDelay, days(7)])],
      description,
      descriptionHash: id(description),
    };
  };
  // withdrawal-delay.json's change: a withdrawal delay must stay at least the veto window (2 days) plus the services'
  // 10-day evidence age
  const proposal = setDelays(days(21), "Restaking: lengthen the withdrawal delay to 21 days");
  await governor.connect(proposer).propose(proposal.targets, proposal.values, proposal.calldatas, proposal.description);
  const proposalId = await governor.hashProposal(
    proposal.targets,
    proposal.values,
    proposal.calldatas,
    proposal.descriptionHash,
  );
  await time.increaseTo((await governor.proposalSnapshot(proposalId)) + 1n);
  await governor.connect(proposer).castVote(proposalId, For);
  await governor.connect(dev).castVote(proposalId, For);
  return {
    ...deployment,
    dev,
    investor,
    ecosystem,
    team,
    proposer,
    relayer,
    executor,
    setDelays,
    proposal,
    proposalId,
  };
}

/** The same proposal, Succeeded (deadline passed), not queued. */
async function succeededGasFixture() {
  const f = await loadFixture(governanceGasFixture);
  await time.increaseTo((await f.governor.proposalDeadline(f.proposalId)) + 1n);
  expect(await f.governor.state(f.proposalId)).to.equal(Succeeded);
  return f;
}

/** The same proposal, Queued, its eta reached. */
async function readyGasFixture() {
  const f = await loadFixture(succeededGasFixture);
  const { proposal } = f;
  await f.governor
    .connect(f.executor)
    ["queue(address[],uint256[],bytes[],bytes32)"](
      proposal.targets,
      proposal.values,
      proposal.calldatas,
      proposal.descriptionHash,
    );
  await time.increaseTo(await f.governor.proposalEta(f.proposalId));
  expect(await f.governor.state(f.proposalId)).to.equal(Queued);
  return f;
}

describeGas("governance", __filename, (gas) => {
  it("propose, one action", async function () {
    const f = await loadFixture(governanceGasFixture);
    const next = f.setDelays(days(13), "Restaking: set the withdrawal delay to 13 days");
    await gas.recordTx(
      "propose: 1 action (registry.setDelays, 46-character description + #proposer suffix; another proposal already " +
        "stored)",
      f.governor.connect(f.proposer).propose(next.targets, next.values, next.calldatas, next.description),
    );
    expect(await f.governor.proposalCount()).to.equal(2n);
  });

  it("castVote", async function () {
    const f = await loadFixture(governanceGasFixture);
    await gas.recordTx(
      "castVote: For (For tally already non-zero, quorum already reached)",
      f.governor.connect(f.team).castVote(f.proposalId, For),
    );
    expect(await f.governor.hasVoted(f.proposalId, f.team)).to.equal(true);
  });

  it("castVoteWithReason", async function () {
    const f = await loadFixture(governanceGasFixture);
    await gas.recordTx(
      "castVoteWithReason: Against, 60-character reason (first Against vote: tally from zero; quorum already reached)",
      f.governor.connect(f.ecosystem).castVoteWithReason(f.proposalId, Against, REASON),
    );
    expect((await f.governor.proposalVotes(f.proposalId))[0]).to.be.greaterThan(0n);
  });

  it("castVoteBySig", async function () {
    const f = await loadFixture(governanceGasFixture);
    const signature = await signBallot(f.investor, f.governor, {
      proposalId: f.proposalId,
      support: For,
      voter: f.investor.address,
      nonce: 0n,
    });
    await gas.recordTx(
      "castVoteBySig: For, sent by a relayer (voter's first signature: nonce from zero; For tally already non-zero, " +
        "quorum already reached)",
      f.governor.connect(f.relayer).castVoteBySig(f.proposalId, For, f.investor.address, signature),
    );
    expect(await f.governor.nonces(f.investor)).to.equal(1n);
  });

  it("queue, one action", async function () {
    const f = await loadFixture(succeededGasFixture);
    const { proposal } = f;
    await gas.recordTx(
      "queue: 1 action (timelock scheduleBatch)",
      f.governor
        .connect(f.executor)
        ["queue(address[],uint256[],bytes[],bytes32)"](
          proposal.targets,
          proposal.values,
          proposal.calldatas,
          proposal.descriptionHash,
        ),
    );
    expect(await f.governor.proposalEta(f.proposalId)).to.equal((await time.latest()) + Number(TIMELOCK_DELAY));
  });

  it("execute, one action", async function () {
    const f = await loadFixture(readyGasFixture);
    const { proposal } = f;
    await gas.recordTx(
      "execute: 1 action (timelock executeBatch -> registry.setDelays, both delays already non-zero)",
      f.governor
        .connect(f.executor)
        ["execute(address[],uint256[],bytes[],bytes32)"](
          proposal.targets,
          proposal.values,
          proposal.calldatas,
          proposal.descriptionHash,
        ),
    );
    expect(await f.governor.state(f.proposalId)).to.equal(Executed);
    expect(await f.registry.withdrawalDelay()).to.equal(BigInt(days(21)));
  });
});
