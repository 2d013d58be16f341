// AltGovernor and its timelock as deployed (SPEC 3.8): the whole protocol deployed through the same Ignition module a
// real deployment uses (test/helpers/governance.ts), then driven proposal by proposal.
import { expect } from "chai";
import { ethers, upgrades } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { AbiCoder, id, keccak256, toBeHex, ZeroAddress, ZeroHash, type ContractTransactionResponse } from "ethers";
import { deployGovernance } from "../helpers/governance";
import { ALT, GENESIS_SUPPLY } from "../helpers/constants";
import { days, HOUR } from "../helpers/time";
import { signBallot } from "../../tasks/lib/signatures";

// ------------------------------------------------------------------------------------------------ parameters

const VOTING_DELAY = BigInt(days(1));
const VOTING_PERIOD = BigInt(days(7));
const LATE_QUORUM_EXTENSION = BigInt(days(2));
const TIMELOCK_DELAY = BigInt(days(2));
const QUEUE_PERIOD = BigInt(days(14));
const THRESHOLD = 10_000_000n * ALT;
const QUORUM_BPS = 400n;
const BPS = 10_000n;

/** The Treasury vesting position (21.5 %): beneficiary and delegate = the timelock. */
const TREASURY_VOTES = 2_150_000_000n * ALT;
/** 4 % of (10B - 2.15B). */
const QUORUM = 314_000_000n * ALT;

// The genesis delegates' votes (their vesting positions delegate the locked ALT to them).
const DEV_VOTES = 2_000_000_000n * ALT; // account 2, ProtocolDevelopment
const INVESTOR_VOTES = 1_850_000_000n * ALT; // account 3, Investors (6-month cliff)
const ECOSYSTEM_VOTES = 1_445_000_000n * ALT; // account 4, Ecosystem (1.5B less the 55M airdrop)
const TEAM_VOTES = 1_500_000_000n * ALT; // account 5, Team
const ADVISOR_VOTES = 500_000_000n * ALT; // account 6, Advisors
const LAUNCHPOOL = 500_000_000n * ALT; // account 7, unlocked at TGE

/** What the fresh proposer receives from the Launchpool beneficiary. */
const PROPOSER_ALT = 20_000_000n * ALT;
/** The abstainer holds one wei less than what, with the proposer's votes, makes the quorum exactly. */
const ABSTAINER_ALT = QUORUM - PROPOSER_ALT - 1n;

// IGovernor.ProposalState
const Pending = 0;
const Active = 1;
const Canceled = 2;
const Defeated = 3;
const Succeeded = 4;
const Queued = 5;
const Expired = 6;
const Executed = 7;

// GovernorCountingSimple.VoteType
const Against = 0;
const For = 1;
const Abstain = 2;

/** A bitmap of proposal (or timelock operation) states, as `_encodeStateBitmap` builds it. */
const bitmap = (...states: number[]) =>
  toBeHex(
    states.reduce((m, s) => m | (1n << BigInt(s)), 0n),
    32,
  );
/** What `_cancel` accepts: every state but Canceled, Expired and Executed. */
const CANCELLABLE = bitmap(Pending, Active, Defeated, Succeeded, Queued);
/** TimelockController.OperationState.Ready */
const TIMELOCK_READY = bitmap(2);

const PROPOSER_ROLE = id("PROPOSER_ROLE");
const CANCELLER_ROLE = id("CANCELLER_ROLE");
const EXECUTOR_ROLE = id("EXECUTOR_ROLE");
const DEFAULT_ADMIN_ROLE = ZeroHash;

/** The withdrawal delay the lifecycle proposal sets (deploy/proposals/withdrawal-delay.json). */
const NEW_WITHDRAWAL_DELAY = BigInt(days(21));
const OPERATOR_URI = "ipfs://governance-upgrade-operator";

const abi = AbiCoder.defaultAbiCoder();

// ------------------------------------------------------------------------------------------------ helpers

interface Action {
  target: string;
  data: string;
}

interface Proposal {
  id: bigint;
  targets: string[];
  values: bigint[];
  calldatas: string[];
  description: string;
  descriptionHash: string;
  snapshot: bigint;
  deadline: bigint;
  tx: ContractTransactionResponse;
}

/** OpenZeppelin Governor's proposal id, computed here independently. */
function proposalId(targets: string[], values: bigint[], calldatas: string[], descriptionHash: string): bigint {
  return BigInt(
    keccak256(
      abi.encode(["address[]", "uint256[]", "bytes[]", "bytes32"], [targets, values, calldatas, descriptionHash]),
    ),
  );
}

/** GovernorTimelockControl's timelock operation id: salt = bytes20(governor) ^ descriptionHash, no predecessor. */
function timelockOperationId(governor: string, p: Proposal): string {
  const salt = toBeHex((BigInt(governor) << 96n) ^ BigInt(p.descriptionHash), 32);
  return keccak256(
    abi.encode(
      ["address[]", "uint256[]", "bytes[]", "bytes32", "bytes32"],
      [p.targets, p.values, p.calldatas, ZeroHash, salt],
    ),
  );
}

const withProposer = (text: string, proposer: HardhatEthersSigner) => `${text}#proposer=${proposer.address}`;

async function latestTimestamp(): Promise<bigint> {
  return BigInt(await time.latest());
}

async function blockTimestamp(tx: ContractTransactionResponse): Promise<bigint> {
  const receipt = await tx.wait();
  return BigInt((await receipt!.getBlock()).timestamp);
}

/** Holders of `role` on the timelock, replayed from every RoleGranted / RoleRevoked it ever emitted. */
async function roleHolders(f: Fixture, role: string): Promise<string[]> {
  const granted = await f.timelock.queryFilter(f.timelock.filters.RoleGranted(role), 0);
  const revoked = await f.timelock.queryFilter(f.timelock.filters.RoleRevoked(role), 0);
  const events = [...granted.map((e) => ({ e, on: true })), ...revoked.map((e) => ({ e, on: false }))].sort(
    (a, b) => a.e.blockNumber - b.e.blockNumber || a.e.index - b.e.index,
  );
  const holders = new Set<string>();
  for (const { e, on } of events) {
    if (on) holders.add(e.args.account);
    else holders.delete(e.args.account);
  }
  return [...holders];
}

// ------------------------------------------------------------------------------------------------ fixtures

/**
 * The deployed protocol, and a fresh proposer: the Launchpool position (unlocked at TGE) is released to its
 * beneficiary (account 7), who sends 20M ALT to the proposer, 314M - 20M - 1 wei to the abstainer and 1 wei to `dust`;
 * each of them self-delegates.
 */
async function governanceFixture() {
  const deployment = await deployGovernance();
  const { token, positions, signers } = deployment;
  const [, , dev, investor, ecosystem, team, advisor, launchpool] = signers;
  const [proposer, relayer, outsider, abstainer, dust, operator] = signers.slice(10);
  await positions.Launchpool.release();
  for (const [holder, amount] of [
    [proposer, PROPOSER_ALT],
    [abstainer, ABSTAINER_ALT],
    [dust, 1n],
  ] as const) {
    await token.connect(launchpool).transfer(holder, amount);
    await token.connect(holder).delegate(holder);
  }
  return {
    ...deployment,
    dev,
    investor,
    ecosystem,
    team,
    advisor,
    launchpool,
    proposer,
    relayer,
    outsider,
    abstainer,
    dust,
    operator,
    governorAddress: await deployment.governor.getAddress(),
    timelockAddress: await deployment.timelock.getAddress(),
    registryAddress: await deployment.registry.getAddress(),
  };
}

type Fixture = Awaited<ReturnType<typeof governanceFixture>>;

/** Submits a proposal with the `#proposer=` suffix of its proposer. */
async function propose(
  f: Fixture,
  actions: Action[],
  text: string,
  proposer: HardhatEthersSigner = f.proposer,
): Promise<Proposal> {
  const targets = actions.map((a) => a.target);
  const values = actions.map(() => 0n);
  const calldatas = actions.map((a) => a.data);
  const description = withProposer(text, proposer);
  const descriptionHash = id(description);
  const tx = await f.governor.connect(proposer).propose(targets, values, calldatas, description);
  const snapshot = (await blockTimestamp(tx)) + VOTING_DELAY;
  return {
    id: proposalId(targets, values, calldatas, descriptionHash),
    targets,
    values,
    calldatas,
    description,
    descriptionHash,
    snapshot,
    deadline: snapshot + VOTING_PERIOD,
    tx,
  };
}

const setDelaysAction = (f: Fixture): Action => ({
  target: f.registryAddress,
  data: f.registry.interface.encodeFunctionData("setDelays", [NEW_WITHDRAWAL_DELAY, days(7)]),
});

const queue = (f: Fixture, p: Proposal, from: HardhatEthersSigner = f.outsider) =>
  f.governor
    .connect(from)
    ["queue(address[],uint256[],bytes[],bytes32)"](p.targets, p.values, p.calldatas, p.descriptionHash);

const execute = (f: Fixture, p: Proposal, from: HardhatEthersSigner = f.outsider) =>
  f.governor
    .connect(from)
    ["execute(address[],uint256[],bytes[],bytes32)"](p.targets, p.values, p.calldatas, p.descriptionHash);

const cancel = (f: Fixture, p: Proposal, from: HardhatEthersSigner) =>
  f.governor
    .connect(from)
    ["cancel(address[],uint256[],bytes[],bytes32)"](p.targets, p.values, p.calldatas, p.descriptionHash);

/** Votes it through (account 2 alone: 2B For), queues it and executes it at its eta. */
async function enact(f: Fixture, p: Proposal): Promise<ContractTransactionResponse> {
  if ((await latestTimestamp()) < p.snapshot + 1n) await time.increaseTo(p.snapshot + 1n);
  await f.governor.connect(f.dev).castVote(p.id, For);
  await time.increaseTo(p.deadline + 1n);
  const eta = (await blockTimestamp(await queue(f, p))) + TIMELOCK_DELAY;
  await time.setNextBlockTimestamp(eta);
  return execute(f, p);
}

/** The registry's withdrawal delay lengthened to 21 days, proposed by the fresh proposer: Pending. */
async function proposedFixture() {
  const f = await loadFixture(governanceFixture);
  const proposal = await propose(f, [setDelaysAction(f)], "Restaking: lengthen the withdrawal delay to 21 days");
  return { ...f, proposal };
}

/** The same proposal, Active, no vote cast. */
async function activeFixture() {
  const f = await loadFixture(proposedFixture);
  await time.increaseTo(f.proposal.snapshot + 1n);
  return f;
}

/** The same proposal, Succeeded (account 2 voted For, early), deadline passed, not queued. */
async function succeededFixture() {
  const f = await loadFixture(activeFixture);
  await f.governor.connect(f.dev).castVote(f.proposal.id, For);
  await time.increaseTo(f.proposal.deadline + 1n);
  return f;
}

/** The same proposal, Queued in the timelock. */
async function queuedFixture() {
  const f = await loadFixture(succeededFixture);
  const tx = await queue(f, f.proposal);
  const eta = (await blockTimestamp(tx)) + TIMELOCK_DELAY;
  return { ...f, eta, operationId: timelockOperationId(f.governorAddress, f.proposal) };
}

/** The registry proxy known to the upgrades plugin, with an operator registered before any upgrade. */
async function upgradeFixture() {
  const f = await loadFixture(governanceFixture);
  const RegistryV1 = await ethers.getContractFactory("RestakingRegistry");
  // Ignition deployed the proxy: the plugin learns of it through forceImport
  await upgrades.forceImport(f.registryAddress, RegistryV1, { kind: "uups" });
  await f.registry.connect(f.operator).registerOperator(OPERATOR_URI, 500);
  return f;
}

// ================================================================================================= tests

describe("AltGovernor", function () {
  describe("deployment", function () {
    it("is deployed with the governance parameters of hardhat.json", async function () {
      const { governor, token, timelock, council, timelockAddress } = await loadFixture(governanceFixture);
      expect(await governor.name()).to.equal("ALT Governor");
      expect(await governor.version()).to.equal("1");
      expect(await governor.token()).to.equal(await token.getAddress());
      expect(await governor.CLOCK_MODE()).to.equal("mode=timestamp");
      expect(await token.CLOCK_MODE()).to.equal("mode=timestamp");
      expect(await governor.clock()).to.equal(await token.clock());
      expect(await governor.clock()).to.equal(await latestTimestamp());
      expect(await governor.COUNTING_MODE()).to.equal("support=bravo&quorum=for,abstain");
      expect(await governor.votingDelay()).to.equal(86_400n);
      expect(await governor.votingPeriod()).to.equal(604_800n);
      expect(await governor.proposalThreshold()).to.equal(10_000_000n * ALT);
      expect(await governor["quorumNumerator()"]()).to.equal(400n);
      expect(await governor.quorumDenominator()).to.equal(10_000n);
      expect(await governor.lateQuorumVoteExtension()).to.equal(172_800n);
      expect(await governor.proposalGuardian()).to.equal(council.address);
      expect(await governor.timelock()).to.equal(timelockAddress);
      expect(await governor.QUEUE_PERIOD()).to.equal(BigInt(14 * 24 * 3600));
      expect(await governor.proposalCount()).to.equal(0n);
      expect(await timelock.getMinDelay()).to.equal(172_800n);
      expect(await token.delegates(timelock)).to.equal(timelockAddress);
    });

    it("hands every protocol contract to the timelock", async function () {
      const f = await loadFixture(governanceFixture);
      for (const owned of [f.vestingFactory, f.registry, f.operatorSets, f.slashingManager, f.rewards]) {
        expect(await owned.owner()).to.equal(f.timelockAddress);
      }
    });
  });

  // ============================================================================================= quorum

  describe("quorum", function () {
    it("is 4 % of the total supply less the timelock's votes at a past timepoint: 314M, not 400M", async function () {
      const { governor, token, timelockAddress } = await loadFixture(governanceFixture);
      const t = await latestTimestamp();
      await time.increase(1);
      const supply = await token.getPastTotalSupply(t);
      const treasury = await token.getPastVotes(timelockAddress, t);
      expect(supply).to.equal(GENESIS_SUPPLY);
      expect(treasury).to.equal(TREASURY_VOTES);
      const expected = ((supply - treasury) * QUORUM_BPS) / BPS;
      expect(expected).to.equal(QUORUM);
      expect(await governor.quorum(t)).to.equal(expected);
      // plain GovernorVotesQuorumFraction: numerator / denominator of the whole supply
      const plain = (supply * QUORUM_BPS) / BPS;
      expect(plain).to.equal(400_000_000n * ALT);
      expect(plain - (await governor.quorum(t))).to.equal((TREASURY_VOTES * QUORUM_BPS) / BPS); // 86M
    });

    it("drops by 4 % of what reaches the timelock, from then on only (snapshot semantics)", async function () {
      const { governor, token, timelockAddress, launchpool } = await loadFixture(governanceFixture);
      const deposit = 100_000_000n * ALT;
      const before = await latestTimestamp();
      await token.connect(launchpool).transfer(timelockAddress, deposit);
      const after = await latestTimestamp();
      await time.increase(1);
      expect(await token.getPastVotes(timelockAddress, after)).to.equal(TREASURY_VOTES + deposit);
      expect(await governor.quorum(before)).to.equal(QUORUM);
      expect(await governor.quorum(after)).to.equal(((GENESIS_SUPPLY - TREASURY_VOTES - deposit) * QUORUM_BPS) / BPS);
      expect(QUORUM - (await governor.quorum(after))).to.equal((deposit * QUORUM_BPS) / BPS); // 4M
      // plain GovernorVotesQuorumFraction would not move: the total supply did not change
      expect(await token.getPastTotalSupply(after)).to.equal(await token.getPastTotalSupply(before));
    });

    it("keeps a proposal's quorum at its snapshot when ALT reaches the timelock afterwards", async function () {
      const f = await loadFixture(proposedFixture);
      await time.increaseTo(f.proposal.snapshot + 1n);
      await f.token.connect(f.launchpool).transfer(f.timelockAddress, 100_000_000n * ALT);
      await time.increase(1);
      expect(await f.governor.quorum(f.proposal.snapshot)).to.equal(QUORUM);
    });

    // `quorum(t)` leaves out the votes of `timelock()` at `t`; that holds for past timepoints only while the timelock
    // never changes, so `updateTimelock` is disabled (moving to another timelock would recompute every past quorum).
    it("refuses to move to another timelock, directly or through a proposal, so past quorums never change", async function () {
      const f = await loadFixture(governanceFixture);
      const { governor, governorAddress } = f;
      const next = await ethers.deployContract("TimelockController", [
        TIMELOCK_DELAY,
        [governorAddress],
        [ZeroAddress],
        ZeroAddress,
      ]);
      for (const account of [f.deployer, f.council, f.outsider]) {
        await expect(governor.connect(account).updateTimelock(next.target)).to.be.revertedWithCustomError(
          governor,
          "GovernorTimelockFixed",
        );
      }
      const migration = await propose(
        f,
        [{ target: governorAddress, data: governor.interface.encodeFunctionData("updateTimelock", [next.target]) }],
        "Governance: move to a new timelock",
      );
      await expect(enact(f, migration)).to.be.revertedWithCustomError(governor, "GovernorTimelockFixed");
      expect(await governor.timelock()).to.equal(f.timelockAddress);
      expect(await governor.quorum(migration.snapshot)).to.equal(QUORUM);
    });

    it("gives the timelock no votes through the governor, though the token counts 2.15B for it", async function () {
      const { governor, token, timelockAddress } = await loadFixture(governanceFixture);
      const t = await latestTimestamp();
      await time.increase(1);
      expect(await token.getVotes(timelockAddress)).to.equal(TREASURY_VOTES);
      expect(await token.getPastVotes(timelockAddress, t)).to.equal(TREASURY_VOTES);
      expect(await governor.getVotes(timelockAddress, t)).to.equal(0n);
      expect(await governor.getVotesWithParams(timelockAddress, t, "0x")).to.equal(0n);
    });

    it("counts every other delegate's votes as the token does", async function () {
      const { governor, token, dev, investor, proposer } = await loadFixture(governanceFixture);
      const t = await latestTimestamp();
      await time.increase(1);
      expect(await governor.getVotes(dev, t)).to.equal(DEV_VOTES);
      expect(await governor.getVotes(investor, t)).to.equal(INVESTOR_VOTES);
      expect(await governor.getVotes(proposer, t)).to.equal(await token.getPastVotes(proposer, t));
      expect(await governor.getVotes(proposer, t)).to.equal(PROPOSER_ALT);
    });
  });

  // ============================================================================================= lifecycle

  describe("proposal lifecycle", function () {
    it("lets a fresh account holding released Launchpool ALT propose once it has self-delegated", async function () {
      const f = await loadFixture(governanceFixture);
      const { governor, token, positions, launchpool, proposer } = f;
      // the release moved the Launchpool ALT out of the position, and with it the votes account 7 was delegated
      expect(await token.balanceOf(positions.Launchpool)).to.equal(0n);
      expect(await token.balanceOf(launchpool)).to.equal(LAUNCHPOOL - PROPOSER_ALT - ABSTAINER_ALT - 1n);
      expect(await token.getVotes(launchpool)).to.equal(0n);
      expect(await token.getVotes(proposer)).to.equal(PROPOSER_ALT);

      const action = setDelaysAction(f);
      const description = withProposer("Restaking: lengthen the withdrawal delay to 21 days", proposer);
      const at = (await latestTimestamp()) + 10n;
      await time.setNextBlockTimestamp(at);
      const expectedId = proposalId([action.target], [0n], [action.data], id(description));
      await expect(governor.connect(proposer).propose([action.target], [0n], [action.data], description))
        .to.emit(governor, "ProposalCreated")
        .withArgs(
          expectedId,
          proposer.address,
          [action.target],
          [0n],
          [""],
          [action.data],
          at + VOTING_DELAY,
          at + VOTING_DELAY + VOTING_PERIOD,
          description,
        );
      expect(await governor.hashProposal([action.target], [0n], [action.data], id(description))).to.equal(expectedId);
      expect(await governor.state(expectedId)).to.equal(Pending);
      expect(await governor.proposalProposer(expectedId)).to.equal(proposer.address);
      expect(await governor.proposalSnapshot(expectedId)).to.equal(at + VOTING_DELAY);
      expect(await governor.proposalDeadline(expectedId)).to.equal(at + VOTING_DELAY + VOTING_PERIOD);
      expect(await governor.proposalCount()).to.equal(1n);
      const details = await governor.proposalDetailsAt(0);
      expect(details.proposalId).to.equal(expectedId);
      expect(details.targets).to.deep.equal([action.target]);
      expect(details.calldatas).to.deep.equal([action.data]);
      expect(details.descriptionHash).to.equal(id(description));
    });

    it("refuses a description carrying another account's #proposer suffix", async function () {
      const f = await loadFixture(governanceFixture);
      const action = setDelaysAction(f);
      const description = withProposer("Restaking: lengthen the withdrawal delay to 21 days", f.proposer);
      // account 2 has 2B votes: the suffix alone refuses it
      await expect(f.governor.connect(f.dev).propose([action.target], [0n], [action.data], description))
        .to.be.revertedWithCustomError(f.governor, "GovernorRestrictedProposer")
        .withArgs(f.dev.address);
    });

    it("refuses a proposal from an account below the threshold, and accepts one at exactly the threshold", async function () {
      const f = await loadFixture(governanceFixture);
      const { governor, token, launchpool, outsider } = f;
      const action = setDelaysAction(f);
      const description = withProposer("Below the threshold", outsider);
      await expect(governor.connect(outsider).propose([action.target], [0n], [action.data], description))
        .to.be.revertedWithCustomError(governor, "GovernorInsufficientProposerVotes")
        .withArgs(outsider.address, 0n, THRESHOLD);

      await token.connect(launchpool).transfer(outsider, THRESHOLD - 1n);
      await token.connect(outsider).delegate(outsider);
      await expect(governor.connect(outsider).propose([action.target], [0n], [action.data], description))
        .to.be.revertedWithCustomError(governor, "GovernorInsufficientProposerVotes")
        .withArgs(outsider.address, THRESHOLD - 1n, THRESHOLD);

      await token.connect(launchpool).transfer(outsider, 1n);
      await expect(governor.connect(outsider).propose([action.target], [0n], [action.data], description)).to.emit(
        governor,
        "ProposalCreated",
      );
    });

    it("flash-loaned or just-bought votes count nothing: votes are read at the snapshot, one voting delay after the proposal", async function () {
      const f = await loadFixture(proposedFixture);
      const { governor, token, proposal, launchpool, outsider, proposer, relayer } = f;
      const loan = 100_000_000n * ALT;
      await token.connect(outsider).delegate(outsider);
      // a loan taken and repaid in the snapshot's own block leaves no votes at the snapshot
      await ethers.provider.send("evm_setAutomine", [false]);
      let borrowed: ContractTransactionResponse;
      try {
        borrowed = await token.connect(launchpool).transfer(outsider, loan, { gasLimit: 200_000n });
        await token.connect(outsider).transfer(launchpool, loan, { gasLimit: 200_000n });
        await ethers.provider.send("evm_mine", [Number(proposal.snapshot)]);
      } finally {
        await ethers.provider.send("evm_setAutomine", [true]);
      }
      expect(await blockTimestamp(borrowed)).to.equal(proposal.snapshot);
      expect(await token.balanceOf(outsider)).to.equal(0n);
      await time.increaseTo(proposal.snapshot + 1n);
      expect(await token.getPastVotes(outsider, proposal.snapshot)).to.equal(0n);
      // votes bought (and delegated) once voting is open weigh nothing either
      await token.connect(launchpool).transfer(outsider, loan);
      expect(await token.getVotes(outsider)).to.equal(loan);
      await expect(governor.connect(outsider).castVote(proposal.id, For))
        .to.emit(governor, "VoteCast")
        .withArgs(outsider.address, proposal.id, For, 0n, "");
      // nor do votes passed on after they were cast: the same ALT votes once
      await governor.connect(proposer).castVote(proposal.id, For);
      await token.connect(proposer).transfer(relayer, PROPOSER_ALT);
      await token.connect(relayer).delegate(relayer);
      await expect(governor.connect(relayer).castVote(proposal.id, For))
        .to.emit(governor, "VoteCast")
        .withArgs(relayer.address, proposal.id, For, 0n, "");
      expect(await governor.proposalVotes(proposal.id)).to.deep.equal([0n, PROPOSER_ALT, 0n]);
    });

    it("refuses a vote before the voting delay has passed", async function () {
      const { governor, proposal, dev } = await loadFixture(proposedFixture);
      // still Pending at the snapshot itself
      await time.setNextBlockTimestamp(proposal.snapshot);
      await expect(governor.connect(dev).castVote(proposal.id, For))
        .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
        .withArgs(proposal.id, Pending, bitmap(Active));
      expect(await governor.state(proposal.id)).to.equal(Pending);
      await time.increaseTo(proposal.snapshot + 1n);
      expect(await governor.state(proposal.id)).to.equal(Active);
    });

    it("counts for, against and abstain votes with exact tallies", async function () {
      const { governor, proposal, dev, ecosystem, advisor, proposer } = await loadFixture(activeFixture);
      await expect(governor.connect(dev).castVote(proposal.id, For))
        .to.emit(governor, "VoteCast")
        .withArgs(dev.address, proposal.id, For, DEV_VOTES, "");
      await governor.connect(ecosystem).castVote(proposal.id, Against);
      await governor.connect(advisor).castVote(proposal.id, Abstain);
      await governor.connect(proposer).castVote(proposal.id, For);
      const [against, forVotes, abstain] = await governor.proposalVotes(proposal.id);
      expect(against).to.equal(ECOSYSTEM_VOTES);
      expect(forVotes).to.equal(DEV_VOTES + PROPOSER_ALT);
      expect(abstain).to.equal(ADVISOR_VOTES);
      for (const voter of [dev, ecosystem, advisor, proposer]) {
        expect(await governor.hasVoted(proposal.id, voter)).to.equal(true);
      }
      await time.increaseTo(proposal.deadline + 1n);
      expect(await governor.state(proposal.id)).to.equal(Succeeded);
    });

    it("emits VoteCast with the voter's reason", async function () {
      const { governor, proposal, ecosystem } = await loadFixture(activeFixture);
      const reason = "14 days are needed while slashing evidence can be 7 days old";
      await expect(governor.connect(ecosystem).castVoteWithReason(proposal.id, Against, reason))
        .to.emit(governor, "VoteCast")
        .withArgs(ecosystem.address, proposal.id, Against, ECOSYSTEM_VOTES, reason);
    });

    it("refuses a second vote from the same account", async function () {
      const { governor, proposal, dev } = await loadFixture(activeFixture);
      await governor.connect(dev).castVote(proposal.id, For);
      await expect(governor.connect(dev).castVote(proposal.id, Against))
        .to.be.revertedWithCustomError(governor, "GovernorAlreadyCastVote")
        .withArgs(dev.address);
      await expect(governor.connect(dev).castVoteWithReason(proposal.id, For, "again"))
        .to.be.revertedWithCustomError(governor, "GovernorAlreadyCastVote")
        .withArgs(dev.address);
      expect((await governor.proposalVotes(proposal.id))[1]).to.equal(DEV_VOTES);
    });

    it("refuses an unknown vote type", async function () {
      const { governor, proposal, dev } = await loadFixture(activeFixture);
      await expect(governor.connect(dev).castVote(proposal.id, 3)).to.be.revertedWithCustomError(
        governor,
        "GovernorInvalidVoteType",
      );
    });

    it("counts a vote signed by the voter and sent (and paid for) by a relayer", async function () {
      const { governor, proposal, team, relayer } = await loadFixture(activeFixture);
      const nonce = await governor.nonces(team);
      expect(nonce).to.equal(0n);
      const signature = await signBallot(team, governor, {
        proposalId: proposal.id,
        support: For,
        voter: team.address,
        nonce,
      });
      const teamEth = await ethers.provider.getBalance(team);
      const relayerEth = await ethers.provider.getBalance(relayer);
      const tx = await governor.connect(relayer).castVoteBySig(proposal.id, For, team.address, signature);
      await expect(tx).to.emit(governor, "VoteCast").withArgs(team.address, proposal.id, For, TEAM_VOTES, "");
      const receipt = await tx.wait();
      expect(await ethers.provider.getBalance(team)).to.equal(teamEth);
      expect(await ethers.provider.getBalance(relayer)).to.equal(relayerEth - receipt!.fee);
      expect(await governor.nonces(team)).to.equal(nonce + 1n);
      expect(await governor.hasVoted(proposal.id, team)).to.equal(true);
      expect(await governor.hasVoted(proposal.id, relayer)).to.equal(false);
      expect((await governor.proposalVotes(proposal.id))[1]).to.equal(TEAM_VOTES);
    });

    it("refuses a replayed signature and a signature presented for another voter", async function () {
      const { governor, proposal, team, advisor, relayer } = await loadFixture(activeFixture);
      const ballot = { proposalId: proposal.id, support: For, voter: team.address, nonce: 0n };
      const signature = await signBallot(team, governor, ballot);
      // the team's signature presented as the advisor's vote
      await expect(governor.connect(relayer).castVoteBySig(proposal.id, For, advisor.address, signature))
        .to.be.revertedWithCustomError(governor, "GovernorInvalidSignature")
        .withArgs(advisor.address);
      // a ballot naming the advisor but signed by the team
      const forged = await signBallot(team, governor, { ...ballot, voter: advisor.address });
      await expect(governor.connect(relayer).castVoteBySig(proposal.id, For, advisor.address, forged))
        .to.be.revertedWithCustomError(governor, "GovernorInvalidSignature")
        .withArgs(advisor.address);
      // a different support than signed
      await expect(governor.connect(relayer).castVoteBySig(proposal.id, Against, team.address, signature))
        .to.be.revertedWithCustomError(governor, "GovernorInvalidSignature")
        .withArgs(team.address);

      await governor.connect(relayer).castVoteBySig(proposal.id, For, team.address, signature);
      // replayed: the nonce it signed is used
      await expect(governor.connect(relayer).castVoteBySig(proposal.id, For, team.address, signature))
        .to.be.revertedWithCustomError(governor, "GovernorInvalidSignature")
        .withArgs(team.address);
      expect(await governor.nonces(team)).to.equal(1n);
      expect(await governor.nonces(advisor)).to.equal(0n);
    });

    it("counts a signed vote with a reason (extended ballot)", async function () {
      const { governor, proposal, advisor, relayer } = await loadFixture(activeFixture);
      const reason = "abstaining: conflict of interest";
      const signature = await signBallot(
        advisor,
        governor,
        { proposalId: proposal.id, support: Abstain, voter: advisor.address, nonce: 0n },
        reason,
      );
      await expect(
        governor
          .connect(relayer)
          .castVoteWithReasonAndParamsBySig(proposal.id, Abstain, advisor.address, reason, "0x", signature),
      )
        .to.emit(governor, "VoteCast")
        .withArgs(advisor.address, proposal.id, Abstain, ADVISOR_VOTES, reason);
      expect((await governor.proposalVotes(proposal.id))[2]).to.equal(ADVISOR_VOTES);
      expect(await governor.nonces(advisor)).to.equal(1n);
    });

    it("counts in full the votes of ALT still locked in a vesting cliff", async function () {
      const { governor, token, positions, proposal, investor } = await loadFixture(activeFixture);
      const position = positions.Investors;
      expect((await position.schedule()).cliff).to.be.greaterThan(await latestTimestamp());
      expect(await position.releasable()).to.equal(0n);
      expect(await position.locked()).to.equal(INVESTOR_VOTES);
      expect(await token.balanceOf(investor)).to.equal(0n);
      await expect(governor.connect(investor).castVote(proposal.id, For))
        .to.emit(governor, "VoteCast")
        .withArgs(investor.address, proposal.id, For, INVESTOR_VOTES, "");
      expect((await governor.proposalVotes(proposal.id))[1]).to.equal(INVESTOR_VOTES);
    });

    it("refuses to queue while voting is open", async function () {
      const f = await loadFixture(activeFixture);
      await f.governor.connect(f.dev).castVote(f.proposal.id, For);
      await expect(queue(f, f.proposal))
        .to.be.revertedWithCustomError(f.governor, "GovernorUnexpectedProposalState")
        .withArgs(f.proposal.id, Active, bitmap(Succeeded));
    });

    it("queues a succeeded proposal in the timelock with an eta of now + 2 days", async function () {
      const f = await loadFixture(succeededFixture);
      const { governor, timelock, proposal } = f;
      expect(await governor.state(proposal.id)).to.equal(Succeeded);
      const operationId = timelockOperationId(f.governorAddress, proposal);
      const at = (await latestTimestamp()) + 5n;
      await time.setNextBlockTimestamp(at);
      await expect(queue(f, proposal))
        .to.emit(governor, "ProposalQueued")
        .withArgs(proposal.id, at + TIMELOCK_DELAY)
        .and.to.emit(timelock, "CallScheduled")
        .withArgs(operationId, 0n, proposal.targets[0], 0n, proposal.calldatas[0], ZeroHash, TIMELOCK_DELAY);
      expect(await governor.state(proposal.id)).to.equal(Queued);
      expect(await governor.proposalEta(proposal.id)).to.equal(at + TIMELOCK_DELAY);
      expect(await timelock.isOperationPending(operationId)).to.equal(true);
      expect(await timelock.getTimestamp(operationId)).to.equal(at + TIMELOCK_DELAY);
      await expect(queue(f, proposal))
        .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
        .withArgs(proposal.id, Queued, bitmap(Succeeded));
    });

    it("refuses to execute before the eta: the timelock's operation is not ready", async function () {
      const f = await loadFixture(queuedFixture);
      await time.setNextBlockTimestamp(f.eta - 1n);
      await expect(execute(f, f.proposal))
        .to.be.revertedWithCustomError(f.timelock, "TimelockUnexpectedOperationState")
        .withArgs(f.operationId, TIMELOCK_READY);
      expect(await f.registry.withdrawalDelay()).to.equal(BigInt(days(14)));
    });

    it("lets anyone execute at the eta: the registry's delays change and ProposalExecuted is emitted", async function () {
      const f = await loadFixture(queuedFixture);
      const { governor, timelock, registry, proposal, outsider } = f;
      expect(await registry.withdrawalDelay()).to.equal(BigInt(days(14)));
      await time.setNextBlockTimestamp(f.eta);
      await expect(execute(f, proposal, outsider))
        .to.emit(governor, "ProposalExecuted")
        .withArgs(proposal.id)
        .and.to.emit(registry, "DelaysUpdated")
        .withArgs(NEW_WITHDRAWAL_DELAY, days(7))
        .and.to.emit(timelock, "CallExecuted")
        .withArgs(f.operationId, 0n, proposal.targets[0], 0n, proposal.calldatas[0]);
      expect(await registry.withdrawalDelay()).to.equal(NEW_WITHDRAWAL_DELAY);
      expect(await governor.state(proposal.id)).to.equal(Executed);
      expect(await timelock.isOperationDone(f.operationId)).to.equal(true);
      await expect(execute(f, proposal))
        .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
        .withArgs(proposal.id, Executed, bitmap(Queued));
    });

    it("runs a slasher registration from proposal to execution through the id-based entry points", async function () {
      const f = await loadFixture(governanceFixture);
      const { governor, slashingManager, outsider } = f;
      const slasher = "0x000000000000000000000000000000000000A17e";
      const p = await propose(
        f,
        [
          {
            target: await slashingManager.getAddress(),
            data: slashingManager.interface.encodeFunctionData("setSlasher", [slasher, 1_000, days(7)]),
          },
        ],
        "Slashing: register a slasher",
      );
      await time.increaseTo(p.snapshot + 1n);
      await governor.connect(f.dev).castVote(p.id, For);
      await time.increaseTo(p.deadline + 1n);
      await governor.connect(outsider)["queue(uint256)"](p.id);
      await time.increaseTo((await governor.proposalEta(p.id)) - 1n);
      await expect(governor.connect(outsider)["execute(uint256)"](p.id))
        .to.emit(governor, "ProposalExecuted")
        .withArgs(p.id);
      const registered = await slashingManager.slasher(slasher);
      expect(registered.maxBps).to.equal(1_000n);
    });
  });

  // ============================================================================================= late quorum

  describe("late-quorum extension", function () {
    it("moves the deadline to the vote's time + 2 days when quorum is reached in the last hour", async function () {
      const { governor, proposal, dev, proposer } = await loadFixture(activeFixture);
      // below quorum: nothing happens
      await expect(governor.connect(proposer).castVote(proposal.id, For)).not.to.emit(governor, "ProposalExtended");
      expect(await governor.proposalDeadline(proposal.id)).to.equal(proposal.deadline);

      const at = proposal.deadline - BigInt(HOUR) + 1n;
      await time.setNextBlockTimestamp(at);
      await expect(governor.connect(dev).castVote(proposal.id, For))
        .to.emit(governor, "ProposalExtended")
        .withArgs(proposal.id, at + LATE_QUORUM_EXTENSION);
      expect(await governor.proposalDeadline(proposal.id)).to.equal(at + LATE_QUORUM_EXTENSION);

      // still open after the original deadline, until the extended one
      await time.increaseTo(proposal.deadline + 1n);
      expect(await governor.state(proposal.id)).to.equal(Active);
      await time.increaseTo(at + LATE_QUORUM_EXTENSION);
      expect(await governor.state(proposal.id)).to.equal(Active);
      await time.increase(1);
      expect(await governor.state(proposal.id)).to.equal(Succeeded);
    });

    it("does not extend when quorum is reached early, even if votes come in the last hour", async function () {
      const { governor, proposal, dev, ecosystem } = await loadFixture(activeFixture);
      await expect(governor.connect(dev).castVote(proposal.id, For)).not.to.emit(governor, "ProposalExtended");
      expect(await governor.proposalDeadline(proposal.id)).to.equal(proposal.deadline);
      await time.setNextBlockTimestamp(proposal.deadline - 60n);
      await expect(governor.connect(ecosystem).castVote(proposal.id, Against)).not.to.emit(
        governor,
        "ProposalExtended",
      );
      expect(await governor.proposalDeadline(proposal.id)).to.equal(proposal.deadline);
      await time.increaseTo(proposal.deadline + 1n);
      expect(await governor.state(proposal.id)).to.equal(Succeeded);
    });

    it("extends only when the vote's time + 2 days is after the deadline", async function () {
      const { governor, proposal, dev } = await loadFixture(activeFixture);
      await time.setNextBlockTimestamp(proposal.deadline - LATE_QUORUM_EXTENSION);
      await expect(governor.connect(dev).castVote(proposal.id, For)).not.to.emit(governor, "ProposalExtended");
      expect(await governor.proposalDeadline(proposal.id)).to.equal(proposal.deadline);

      const again = await loadFixture(activeFixture);
      await time.setNextBlockTimestamp(proposal.deadline - LATE_QUORUM_EXTENSION + 1n);
      await expect(again.governor.connect(again.dev).castVote(proposal.id, For))
        .to.emit(again.governor, "ProposalExtended")
        .withArgs(proposal.id, proposal.deadline + 1n);
      expect(await again.governor.proposalDeadline(proposal.id)).to.equal(proposal.deadline + 1n);
    });
  });

  // ============================================================================================= guardian

  describe("proposal guardian (the security council)", function () {
    it("cancels a Pending proposal", async function () {
      const f = await loadFixture(proposedFixture);
      expect(await f.governor.state(f.proposal.id)).to.equal(Pending);
      await expect(cancel(f, f.proposal, f.council))
        .to.emit(f.governor, "ProposalCanceled")
        .withArgs(f.proposal.id);
      expect(await f.governor.state(f.proposal.id)).to.equal(Canceled);
      await time.increaseTo(f.proposal.snapshot + 1n);
      await expect(f.governor.connect(f.dev).castVote(f.proposal.id, For))
        .to.be.revertedWithCustomError(f.governor, "GovernorUnexpectedProposalState")
        .withArgs(f.proposal.id, Canceled, bitmap(Active));
    });

    it("cancels an Active proposal (through the id-based entry point)", async function () {
      const f = await loadFixture(activeFixture);
      await f.governor.connect(f.dev).castVote(f.proposal.id, For);
      expect(await f.governor.state(f.proposal.id)).to.equal(Active);
      await expect(f.governor.connect(f.council)["cancel(uint256)"](f.proposal.id))
        .to.emit(f.governor, "ProposalCanceled")
        .withArgs(f.proposal.id);
      expect(await f.governor.state(f.proposal.id)).to.equal(Canceled);
    });

    it("cancels a Succeeded proposal, which can then not be queued", async function () {
      const f = await loadFixture(succeededFixture);
      expect(await f.governor.state(f.proposal.id)).to.equal(Succeeded);
      await expect(cancel(f, f.proposal, f.council))
        .to.emit(f.governor, "ProposalCanceled")
        .withArgs(f.proposal.id);
      expect(await f.governor.state(f.proposal.id)).to.equal(Canceled);
      await expect(queue(f, f.proposal))
        .to.be.revertedWithCustomError(f.governor, "GovernorUnexpectedProposalState")
        .withArgs(f.proposal.id, Canceled, bitmap(Succeeded));
    });

    it("cancels a Queued proposal and its timelock operation", async function () {
      const f = await loadFixture(queuedFixture);
      expect(await f.governor.state(f.proposal.id)).to.equal(Queued);
      expect(await f.timelock.isOperation(f.operationId)).to.equal(true);
      await expect(cancel(f, f.proposal, f.council))
        .to.emit(f.governor, "ProposalCanceled")
        .withArgs(f.proposal.id)
        .and.to.emit(f.timelock, "Cancelled")
        .withArgs(f.operationId);
      expect(await f.governor.state(f.proposal.id)).to.equal(Canceled);
      expect(await f.timelock.isOperation(f.operationId)).to.equal(false);
      await time.setNextBlockTimestamp(f.eta);
      await expect(execute(f, f.proposal))
        .to.be.revertedWithCustomError(f.governor, "GovernorUnexpectedProposalState")
        .withArgs(f.proposal.id, Canceled, bitmap(Queued));
      expect(await f.registry.withdrawalDelay()).to.equal(BigInt(days(14)));
    });

    it("refuses a cancellation by any other account", async function () {
      const f = await loadFixture(activeFixture);
      for (const account of [f.outsider, f.deployer, f.dev]) {
        await expect(cancel(f, f.proposal, account))
          .to.be.revertedWithCustomError(f.governor, "GovernorUnableToCancel")
          .withArgs(f.proposal.id, account.address);
      }
    });

    it("lets the proposer cancel while Pending, but not once Active", async function () {
      const f = await loadFixture(proposedFixture);
      await expect(cancel(f, f.proposal, f.proposer))
        .to.emit(f.governor, "ProposalCanceled")
        .withArgs(f.proposal.id);

      const active = await loadFixture(activeFixture);
      await expect(cancel(active, active.proposal, active.proposer))
        .to.be.revertedWithCustomError(active.governor, "GovernorUnableToCancel")
        .withArgs(active.proposal.id, active.proposer.address);
    });

    it("governance replaces the council: a proposal names a new proposal guardian and slash vetoer, and the old council cancels and vetoes nothing", async function () {
      const f = await loadFixture(governanceFixture);
      const { governor, slashingManager, council, governorAddress } = f;
      const successor = f.relayer;
      const p = await propose(
        f,
        [
          {
            target: governorAddress,
            data: governor.interface.encodeFunctionData("setProposalGuardian", [successor.address]),
          },
          {
            target: await slashingManager.getAddress(),
            data: slashingManager.interface.encodeFunctionData("setVetoer", [successor.address]),
          },
        ],
        "Governance: a new security council",
      );
      await expect(enact(f, p))
        .to.emit(governor, "ProposalGuardianSet")
        .withArgs(council.address, successor.address)
        .and.to.emit(slashingManager, "VetoerUpdated")
        .withArgs(successor.address);
      expect(await governor.proposalGuardian()).to.equal(successor.address);
      expect(await slashingManager.vetoer()).to.equal(successor.address);

      const next = await propose(f, [setDelaysAction(f)], "Restaking: lengthen the withdrawal delay to 21 days");
      await time.increaseTo(next.snapshot + 1n);
      await expect(cancel(f, next, council))
        .to.be.revertedWithCustomError(governor, "GovernorUnableToCancel")
        .withArgs(next.id, council.address);
      await expect(slashingManager.connect(council).veto(0n))
        .to.be.revertedWithCustomError(slashingManager, "SlashingNotVetoer")
        .withArgs(council.address);
      await expect(cancel(f, next, successor))
        .to.emit(governor, "ProposalCanceled")
        .withArgs(next.id);
    });

    it("cannot cancel an Executed proposal", async function () {
      const f = await loadFixture(queuedFixture);
      await time.setNextBlockTimestamp(f.eta);
      await execute(f, f.proposal);
      await expect(cancel(f, f.proposal, f.council))
        .to.be.revertedWithCustomError(f.governor, "GovernorUnexpectedProposalState")
        .withArgs(f.proposal.id, Executed, CANCELLABLE);
    });

    it("cannot cancel a proposal twice", async function () {
      const f = await loadFixture(activeFixture);
      await cancel(f, f.proposal, f.council);
      await expect(cancel(f, f.proposal, f.council))
        .to.be.revertedWithCustomError(f.governor, "GovernorUnexpectedProposalState")
        .withArgs(f.proposal.id, Canceled, CANCELLABLE);
    });
  });

  // ============================================================================================= defeat, expiry

  describe("defeat", function () {
    it("defeats a proposal with more votes against than for, which can then not be queued", async function () {
      const f = await loadFixture(activeFixture);
      await f.governor.connect(f.team).castVote(f.proposal.id, For);
      await f.governor.connect(f.dev).castVote(f.proposal.id, Against);
      await time.increaseTo(f.proposal.deadline + 1n);
      expect(await f.governor.proposalVotes(f.proposal.id)).to.deep.equal([DEV_VOTES, TEAM_VOTES, 0n]);
      expect(await f.governor.state(f.proposal.id)).to.equal(Defeated);
      await expect(queue(f, f.proposal))
        .to.be.revertedWithCustomError(f.governor, "GovernorUnexpectedProposalState")
        .withArgs(f.proposal.id, Defeated, bitmap(Succeeded));
    });

    it("defeats a proposal with more votes for than against but below the quorum", async function () {
      const f = await loadFixture(activeFixture);
      await f.governor.connect(f.proposer).castVote(f.proposal.id, For);
      await f.governor.connect(f.dust).castVote(f.proposal.id, Against);
      await time.increaseTo(f.proposal.deadline + 1n);
      expect(await f.governor.proposalVotes(f.proposal.id)).to.deep.equal([1n, PROPOSER_ALT, 0n]);
      expect(await f.governor.state(f.proposal.id)).to.equal(Defeated);
      await expect(queue(f, f.proposal))
        .to.be.revertedWithCustomError(f.governor, "GovernorUnexpectedProposalState")
        .withArgs(f.proposal.id, Defeated, bitmap(Succeeded));
    });

    it("counts abstentions toward the quorum: one wei short is defeated, exactly the quorum succeeds", async function () {
      const f = await loadFixture(activeFixture);
      await f.governor.connect(f.proposer).castVote(f.proposal.id, For);
      await f.governor.connect(f.abstainer).castVote(f.proposal.id, Abstain);
      const [, forVotes, abstain] = await f.governor.proposalVotes(f.proposal.id);
      expect(forVotes + abstain).to.equal(QUORUM - 1n);
      await time.increaseTo(f.proposal.deadline + 1n);
      expect(await f.governor.state(f.proposal.id)).to.equal(Defeated);

      const exact = await loadFixture(activeFixture);
      await exact.governor.connect(exact.proposer).castVote(exact.proposal.id, For);
      await exact.governor.connect(exact.abstainer).castVote(exact.proposal.id, Abstain);
      await exact.governor.connect(exact.dust).castVote(exact.proposal.id, For);
      await time.increaseTo(exact.proposal.deadline + 1n);
      expect(await exact.governor.quorum(exact.proposal.snapshot)).to.equal(QUORUM);
      expect(await exact.governor.state(exact.proposal.id)).to.equal(Succeeded);
    });
  });

  describe("expiry (QUEUE_PERIOD)", function () {
    it("keeps a succeeded proposal queueable until exactly deadline + 14 days", async function () {
      const f = await loadFixture(succeededFixture);
      await time.increaseTo(f.proposal.deadline + QUEUE_PERIOD);
      expect(await f.governor.clock()).to.equal(f.proposal.deadline + QUEUE_PERIOD);
      expect(await f.governor.state(f.proposal.id)).to.equal(Succeeded);

      const again = await loadFixture(succeededFixture);
      await time.setNextBlockTimestamp(f.proposal.deadline + QUEUE_PERIOD);
      await expect(queue(again, again.proposal))
        .to.emit(again.governor, "ProposalQueued")
        .withArgs(f.proposal.id, f.proposal.deadline + QUEUE_PERIOD + TIMELOCK_DELAY);
    });

    it("expires a succeeded proposal left unqueued for more than 14 days after its deadline", async function () {
      const f = await loadFixture(succeededFixture);
      await time.increaseTo(f.proposal.deadline + QUEUE_PERIOD + 1n);
      expect(await f.governor.state(f.proposal.id)).to.equal(Expired);
      await expect(queue(f, f.proposal))
        .to.be.revertedWithCustomError(f.governor, "GovernorUnexpectedProposalState")
        .withArgs(f.proposal.id, Expired, bitmap(Succeeded));
      await expect(execute(f, f.proposal))
        .to.be.revertedWithCustomError(f.governor, "GovernorUnexpectedProposalState")
        .withArgs(f.proposal.id, Expired, bitmap(Queued));
      // final: not even the guardian can cancel it
      await expect(cancel(f, f.proposal, f.council))
        .to.be.revertedWithCustomError(f.governor, "GovernorUnexpectedProposalState")
        .withArgs(f.proposal.id, Expired, CANCELLABLE);
    });

    it("counts the period from the extended deadline of a late-quorum proposal", async function () {
      const f = await loadFixture(activeFixture);
      const at = f.proposal.deadline - 60n;
      await time.setNextBlockTimestamp(at);
      await f.governor.connect(f.dev).castVote(f.proposal.id, For);
      const extended = at + LATE_QUORUM_EXTENSION;
      await time.increaseTo(f.proposal.deadline + QUEUE_PERIOD + 1n);
      expect(await f.governor.state(f.proposal.id)).to.equal(Succeeded);
      await time.increaseTo(extended + QUEUE_PERIOD + 1n);
      expect(await f.governor.state(f.proposal.id)).to.equal(Expired);
    });

    it("leaves a queued proposal executable after the period", async function () {
      const f = await loadFixture(queuedFixture);
      await time.increaseTo(f.proposal.deadline + QUEUE_PERIOD + BigInt(days(1)));
      expect(await f.governor.state(f.proposal.id)).to.equal(Queued);
      await expect(execute(f, f.proposal)).to.emit(f.governor, "ProposalExecuted").withArgs(f.proposal.id);
      expect(await f.registry.withdrawalDelay()).to.equal(NEW_WITHDRAWAL_DELAY);
    });
  });

  // ============================================================================================= timelock

  describe("timelock", function () {
    it("has no admin left but itself, the governor as only proposer and canceller, and open execution", async function () {
      const f = await loadFixture(governanceFixture);
      const { timelock, timelockAddress, governorAddress, deployer, council } = f;
      expect(await roleHolders(f, DEFAULT_ADMIN_ROLE)).to.deep.equal([timelockAddress]);
      expect(await roleHolders(f, PROPOSER_ROLE)).to.deep.equal([governorAddress]);
      expect(await roleHolders(f, CANCELLER_ROLE)).to.deep.equal([governorAddress]);
      expect(await roleHolders(f, EXECUTOR_ROLE)).to.deep.equal([ZeroAddress]);
      for (const account of [deployer.address, governorAddress, council.address]) {
        expect(await timelock.hasRole(DEFAULT_ADMIN_ROLE, account)).to.equal(false);
      }
      expect(await timelock.hasRole(DEFAULT_ADMIN_ROLE, timelockAddress)).to.equal(true);
      for (const role of [PROPOSER_ROLE, CANCELLER_ROLE, EXECUTOR_ROLE]) {
        expect(await timelock.hasRole(role, deployer)).to.equal(false);
        expect(await timelock.hasRole(role, council)).to.equal(false);
        expect(await timelock.getRoleAdmin(role)).to.equal(DEFAULT_ADMIN_ROLE);
      }
      expect(await timelock.hasRole(PROPOSER_ROLE, governorAddress)).to.equal(true);
      expect(await timelock.hasRole(CANCELLER_ROLE, governorAddress)).to.equal(true);
      expect(await timelock.hasRole(EXECUTOR_ROLE, ZeroAddress)).to.equal(true);
      expect(await timelock.hasRole(EXECUTOR_ROLE, governorAddress)).to.equal(false);
    });

    it("refuses a direct schedule, cancel or role grant by any account", async function () {
      const f = await loadFixture(governanceFixture);
      const { timelock } = f;
      const action = setDelaysAction(f);
      for (const account of [f.deployer, f.council, f.dev, f.outsider]) {
        await expect(
          timelock.connect(account).schedule(action.target, 0, action.data, ZeroHash, ZeroHash, TIMELOCK_DELAY),
        )
          .to.be.revertedWithCustomError(timelock, "AccessControlUnauthorizedAccount")
          .withArgs(account.address, PROPOSER_ROLE);
        await expect(timelock.connect(account).cancel(ZeroHash))
          .to.be.revertedWithCustomError(timelock, "AccessControlUnauthorizedAccount")
          .withArgs(account.address, CANCELLER_ROLE);
        await expect(timelock.connect(account).grantRole(PROPOSER_ROLE, account))
          .to.be.revertedWithCustomError(timelock, "AccessControlUnauthorizedAccount")
          .withArgs(account.address, DEFAULT_ADMIN_ROLE);
        await expect(timelock.connect(account).updateDelay(0))
          .to.be.revertedWithCustomError(timelock, "TimelockUnauthorizedCaller")
          .withArgs(account.address);
      }
    });

    it("refuses every governance setting outside a proposal", async function () {
      const { governor, deployer, council, dev, outsider, timelockAddress } = await loadFixture(governanceFixture);
      for (const account of [deployer, council, dev, outsider]) {
        const g = governor.connect(account);
        for (const call of [
          () => g.setVotingDelay(0),
          () => g.setVotingPeriod(1),
          () => g.setProposalThreshold(0),
          () => g.updateQuorumNumerator(1),
          () => g.setProposalGuardian(account.address),
          () => g.setLateQuorumVoteExtension(0),
          () => g.relay(timelockAddress, 0, "0x"),
        ]) {
          await expect(call())
            .to.be.revertedWithCustomError(governor, "GovernorOnlyExecutor")
            .withArgs(account.address);
        }
      }
    });

    it("changes the quorum and the late-quorum extension through a proposal", async function () {
      const f = await loadFixture(governanceFixture);
      const { governor, governorAddress } = f;
      const before = await latestTimestamp();
      const p = await propose(
        f,
        [
          { target: governorAddress, data: governor.interface.encodeFunctionData("updateQuorumNumerator", [500]) },
          {
            target: governorAddress,
            data: governor.interface.encodeFunctionData("setLateQuorumVoteExtension", [days(3)]),
          },
        ],
        "Governance: quorum 5 %, late-quorum extension 3 days",
      );
      await expect(enact(f, p))
        .to.emit(governor, "QuorumNumeratorUpdated")
        .withArgs(400n, 500n)
        .and.to.emit(governor, "LateQuorumVoteExtensionSet")
        .withArgs(LATE_QUORUM_EXTENSION, BigInt(days(3)))
        .and.to.emit(governor, "ProposalExecuted")
        .withArgs(p.id);
      const after = await latestTimestamp();
      await time.increase(1);
      expect(await governor["quorumNumerator()"]()).to.equal(500n);
      expect(await governor.lateQuorumVoteExtension()).to.equal(BigInt(days(3)));
      expect(await governor.quorum(after)).to.equal(((GENESIS_SUPPLY - TREASURY_VOTES) * 500n) / BPS);
      // the numerator is checkpointed: the past quorum is unchanged
      expect(await governor.quorum(before)).to.equal(QUORUM);
    });
  });

  // ============================================================================================= upgrades

  describe("upgrade by proposal", function () {
    it("validates RestakingRegistryV2 and refuses RestakingRegistryBadV2 in the upgrades plugin", async function () {
      const { registryAddress } = await loadFixture(upgradeFixture);
      await upgrades.validateUpgrade(registryAddress, await ethers.getContractFactory("RestakingRegistryV2"), {
        kind: "uups",
      });
      const BadV2 = await ethers.getContractFactory("RestakingRegistryBadV2");
      await expect(upgrades.validateUpgrade(registryAddress, BadV2, { kind: "uups" })).to.be.rejectedWith(
        /RestakingRegistryBadV2` is not upgrade safe[\s\S]*constructor/,
      );
    });

    it("refuses a direct upgrade by the deployer, the council or anyone else", async function () {
      const { registry, deployer, council, outsider, dev } = await loadFixture(upgradeFixture);
      const v2 = await ethers.deployContract("RestakingRegistryV2");
      for (const account of [deployer, council, outsider, dev]) {
        await expect(registry.connect(account).upgradeToAndCall(v2, "0x"))
          .to.be.revertedWithCustomError(registry, "OwnableUnauthorizedAccount")
          .withArgs(account.address);
      }
    });

    it("upgrades the registry proxy to V2 through a proposal, keeping its state", async function () {
      const f = await loadFixture(upgradeFixture);
      const { registry, registryAddress, operator, token, timelockAddress } = f;
      await upgrades.validateUpgrade(registryAddress, await ethers.getContractFactory("RestakingRegistryV2"), {
        kind: "uups",
      });
      const v2 = await ethers.deployContract("RestakingRegistryV2");
      const v2Address = await v2.getAddress();
      const v1Address = await upgrades.erc1967.getImplementationAddress(registryAddress);
      const before = {
        withdrawalDelay: await registry.withdrawalDelay(),
        slashingManager: await registry.slashingManager(),
        operatorSets: await registry.operatorSets(),
        asset: await registry.asset(0),
        assetCount: await registry.assetCount(),
      };
      const p = await propose(
        f,
        [
          {
            target: registryAddress,
            data: registry.interface.encodeFunctionData("upgradeToAndCall", [v2Address, "0x"]),
          },
        ],
        "Restaking: upgrade the registry to a new implementation",
      );
      await expect(enact(f, p))
        .to.emit(registry, "Upgraded")
        .withArgs(v2Address)
        .and.to.emit(f.governor, "ProposalExecuted")
        .withArgs(p.id);

      expect(await upgrades.erc1967.getImplementationAddress(registryAddress)).to.equal(v2Address);
      expect(v2Address).not.to.equal(v1Address);
      const upgraded = await ethers.getContractAt("RestakingRegistryV2", registryAddress);
      expect(await upgraded.version()).to.equal(2n);
      expect(await upgraded.owner()).to.equal(timelockAddress);
      expect(await upgraded.alt()).to.equal(await token.getAddress());
      expect(await upgraded.withdrawalDelay()).to.equal(before.withdrawalDelay);
      expect(await upgraded.withdrawalDelay()).to.equal(BigInt(days(14)));
      expect(await upgraded.slashingManager()).to.equal(before.slashingManager);
      expect(await upgraded.slashingManager()).to.equal(await f.slashingManager.getAddress());
      expect(await upgraded.operatorSets()).to.equal(before.operatorSets);
      expect(await upgraded.operatorSets()).to.equal(await f.operatorSets.getAddress());
      expect(await upgraded.assetCount()).to.equal(before.assetCount);
      expect(await upgraded.asset(0)).to.deep.equal(before.asset);
      expect(await upgraded.isOperator(operator)).to.equal(true);
      expect(await upgraded.commissionOf(operator)).to.equal(500n);
      // still governed: only the timelock upgrades
      await expect(upgraded.connect(f.deployer).upgradeToAndCall(v1Address, "0x"))
        .to.be.revertedWithCustomError(upgraded, "OwnableUnauthorizedAccount")
        .withArgs(f.deployer.address);
    });
  });
});
