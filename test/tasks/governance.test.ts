import { expect } from "chai";
import hre from "hardhat";
import { HardhatPluginError } from "hardhat/plugins";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { existsSync, readFileSync } from "fs";
import { createServer, type Server } from "http";
import type { AddressInfo } from "net";
import path from "path";
import {
  AbiCoder,
  dataSlice,
  getAddress,
  id,
  Interface,
  keccak256,
  toBeHex,
  toUtf8Bytes,
  ZeroAddress,
  ZeroHash,
} from "ethers";
import type { AddressBook } from "../../tasks/lib/addressBook";
import { relativeTime } from "../../tasks/lib/cli";
import type { ProposalView } from "../../tasks/governance";
import type { PreparedAction } from "../../tasks/lib/proposal";
import {
  checkActionsByCalls,
  clientVersion,
  loadDecoder,
  requireSimulable,
  type SafeBatch,
  type SimulationReport,
} from "../../tasks/lib/governance";
import { prepareProposal } from "../../tasks/lib/proposal";
import type {
  AltGovernor,
  AltToken,
  OperatorSets,
  RestakingRegistry,
  RestakingRegistryV2,
  RewardsDistributor,
  SlashingManager,
  TimelockController,
  VestingFactory,
  VestingPosition,
} from "../../typechain-types";
import { ALT } from "../helpers/constants";
import { days } from "../helpers/time";
import { coverageRunning } from "../helpers/coverage";
import { hardhatCli, terminalEnv, type CliRun } from "../helpers/cli";
import {
  asJson,
  expectRefused,
  expectTaskFailure,
  isoTime,
  load,
  runTask,
  task,
  tempDir,
  transaction,
} from "../helpers/tasks";

const ROOT = path.join(__dirname, "..", "..");
const PROPOSALS = path.join(ROOT, "deploy", "proposals");
const WITHDRAWAL_DELAY_FILE = path.join(PROPOSALS, "withdrawal-delay.json");
const SLASHER_FILE = path.join(PROPOSALS, "register-slasher.json");
const UPGRADE_FILE = path.join(PROPOSALS, "upgrade-registry.json");
const readJson = (file: string) => JSON.parse(readFileSync(file, "utf8"));
const descriptionOf = (file: string): string => readJson(file).description;

/** deploy/parameters/hardhat.json, governance section and supply. */
const SUPPLY = 10_000_000_000n * ALT;
const TREASURY_VOTES = (SUPPLY * 2_150n) / 10_000n; // the Treasury position, delegated to the timelock
const QUORUM = ((SUPPLY - TREASURY_VOTES) * 400n) / 10_000n;
const THRESHOLD = 10_000_000n * ALT;
const VOTING_DELAY = days(1);
const VOTING_PERIOD = days(7);
const TIMELOCK_DELAY = days(2);
const QUEUE_PERIOD = days(14);
/** The genesis delegates' votes: each vesting beneficiary votes its position's balance. */
const VOTES = {
  protocolDevelopment: (SUPPLY * 2_000n) / 10_000n, // account 2
  investors: (SUPPLY * 1_850n) / 10_000n, // account 3
  ecosystem: (SUPPLY * 1_500n) / 10_000n - 55_000_000n * ALT, // account 4: the airdrop was funded from it
  team: (SUPPLY * 1_500n) / 10_000n, // account 5
  advisors: (SUPPLY * 500n) / 10_000n, // account 6
  launchpool: (SUPPLY * 500n) / 10_000n, // account 7
};
const WITHDRAWAL_DELAY = 1_209_600n; // 14d, hardhat.json
const NEW_WITHDRAWAL_DELAY = 1_814_400n; // 21d, withdrawal-delay.json
const SEVEN_DAYS = 604_800n;
const SLASHER = "0x000000000000000000000000000000000000A17e";
/** An owner-only call on a proxy (the registry's `transferOwnership`), the example action of the refusal tests. */
const NEW_OWNER = "0x000000000000000000000000000000000000bEEF";
const OWNER_CALL = { function: "transferOwnership", args: [NEW_OWNER] };
const IMPLEMENTATION_SLOT = "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc";
const BOOK_KEYS = [
  "Genesis#AltToken",
  "Genesis#VestingFactory",
  "Genesis#MerkleAirdrop",
  ...["Treasury", "ProtocolDevelopment", "Investors", "Ecosystem", "Team", "Advisors", "Launchpool"].map(
    (c) => `Genesis#Vesting_${c}`,
  ),
  "Restaking#RestakingRegistry",
  "Restaking#OperatorSets",
  "Restaking#SlashingManager",
  "Restaking#RewardsDistributor",
  "Restaking#BlsKeyRegistry",
  "Rollups#RollupFactory",
  "Rollups#Rollup",
  "Rollups#Portal",
  "Rollups#MockVerifier",
  "Services#MachService",
  "Services#VitalService",
  "Services#SquadService",
  "Timelock#TimelockController",
  "Governance#AltGovernor",
];
/** IGovernor.ProposalState values. */
const STATE = {
  Pending: 0n,
  Active: 1n,
  Canceled: 2n,
  Defeated: 3n,
  Succeeded: 4n,
  Queued: 5n,
  Expired: 6n,
  Executed: 7n,
};

interface TxReport {
  hash: string;
  gasUsed: string;
  block: number;
}

interface DelegateResult {
  delegator: string;
  delegatee: string;
  votes: bigint;
  proposalThreshold: bigint;
  canPropose: boolean;
  tx: TxReport;
}

interface ProposeResult {
  id: string;
  proposer: string;
  description: string;
  actions: PreparedAction[];
  implementations: Record<string, string>;
  voteStart: number;
  voteEnd: number;
  tx: TxReport;
}

interface DryRunResult {
  dryRun: true;
  from: string;
  to: string;
  value: bigint;
  data: string;
  id: string;
}

interface VoteResult {
  id: string;
  voter: string;
  support: string;
  weight: bigint;
  reason: string;
  relayer?: string;
  tx: TxReport;
}

const coder = AbiCoder.defaultAbiCoder();

/** OpenZeppelin Governor's hashProposal, computed here. */
function proposalIdOf(targets: string[], values: bigint[], calldatas: string[], description: string): bigint {
  const encoded = coder.encode(
    ["address[]", "uint256[]", "bytes[]", "bytes32"],
    [targets, values, calldatas, id(description)],
  );
  return BigInt(keccak256(encoded));
}

/** The timelock operation GovernorTimelockControl schedules: salt = bytes20(governor) ^ descriptionHash. */
function operationIdOf(
  governor: string,
  targets: string[],
  values: bigint[],
  calldatas: string[],
  description: string,
): string {
  const salt = toBeHex((BigInt(governor) << 96n) ^ BigInt(id(description)), 32);
  const encoded = coder.encode(
    ["address[]", "uint256[]", "bytes[]", "bytes32", "bytes32"],
    [targets, values, calldatas, ZeroHash, salt],
  );
  return keccak256(encoded);
}

/** `promise` fails with this project's one-line HardhatPluginError, exactly `message`. */
async function expectRejected(promise: Promise<unknown>, message: string) {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  expect(HardhatPluginError.isHardhatPluginError(error), String(error)).to.equal(true);
  expect((error as HardhatPluginError).message).to.equal(message);
}

const txLine = (what: string, tx: TxReport) => `${what}: tx ${tx.hash} (gas ${tx.gasUsed}, block ${tx.block})`;
const blockTime = async (hash: string) =>
  (await hre.ethers.provider.getBlock((await hre.ethers.provider.getTransactionReceipt(hash))!.blockNumber))!.timestamp;
const implementationOf = async (proxy: string) =>
  getAddress(dataSlice(await hre.ethers.provider.getStorage(proxy, IMPLEMENTATION_SLOT), 12));

describe("governance tasks", function () {
  const files = tempDir("alt-gov-task-");
  after(files.remove);

  /** Writes a proposal file (an object as JSON, or raw text) and returns its path. */
  const proposalFile = (content: object | string) =>
    files.write(`proposal-${Math.random().toString(36).slice(2)}.json`, content);
  const oneAction = (action: object) => proposalFile({ description: "One action", actions: [action] });

  /** The whole protocol with governance, deployed through deploy governance from deploy/parameters/hardhat.json. */
  async function governanceTaskFixture() {
    const { result: book, lines } = await runTask<AddressBook>("deploy governance", { json: true });
    const signers = await hre.ethers.getSigners();
    const at = async <T>(name: string, key: string) =>
      (await hre.ethers.getContractAt(name, book[key])) as unknown as T;
    return {
      book,
      lines,
      signers,
      token: await at<AltToken>("AltToken", "Genesis#AltToken"),
      vestingFactory: await at<VestingFactory>("VestingFactory", "Genesis#VestingFactory"),
      launchpool: await at<VestingPosition>("VestingPosition", "Genesis#Vesting_Launchpool"),
      registry: await at<RestakingRegistry>("RestakingRegistry", "Restaking#RestakingRegistry"),
      operatorSets: await at<OperatorSets>("OperatorSets", "Restaking#OperatorSets"),
      slashingManager: await at<SlashingManager>("SlashingManager", "Restaking#SlashingManager"),
      rewards: await at<RewardsDistributor>("RewardsDistributor", "Restaking#RewardsDistributor"),
      timelock: await at<TimelockController>("TimelockController", "Timelock#TimelockController"),
      governor: await at<AltGovernor>("AltGovernor", "Governance#AltGovernor"),
      deployer: signers[0],
      /** The genesis delegates (vesting beneficiaries). */
      proposer: signers[2],
      investor: signers[3],
      ecosystem: signers[4],
      team: signers[5],
      advisor: signers[6],
      /** The security council: proposal guardian. */
      council: signers[8],
      /** Holds no ALT and no votes. */
      outsider: signers[9],
    };
  }

  /** withdrawal-delay.json proposed through gov propose (text mode) by account 2: Pending. */
  async function proposedFixture() {
    const f = await load(governanceTaskFixture);
    const { result: proposal, lines: proposeLines } = await runTask<ProposeResult>("gov propose", {
      file: WITHDRAWAL_DELAY_FILE,
      from: f.proposer.address,
      json: false,
    });
    const proposedAt = await blockTime(proposal.tx.hash);
    const registry = await f.registry.getAddress();
    const calldata = f.registry.interface.encodeFunctionData("setDelays", [NEW_WITHDRAWAL_DELAY, SEVEN_DAYS]);
    const description = `${descriptionOf(WITHDRAWAL_DELAY_FILE)}#proposer=${f.proposer.address}`;
    return {
      ...f,
      proposal,
      proposeLines,
      proposalId: BigInt(proposal.id),
      proposedAt,
      snapshot: proposedAt + VOTING_DELAY,
      deadline: proposedAt + VOTING_DELAY + VOTING_PERIOD,
      targets: [registry],
      values: [0n],
      calldatas: [calldata],
      description,
    };
  }

  /** The proposal's first voting second. */
  async function activeFixture() {
    const f = await load(proposedFixture);
    await time.increaseTo(f.snapshot + 1);
    return f;
  }

  /** Account 2 voted for (2B ALT, above the 314M quorum); the second after the deadline. */
  async function succeededFixture() {
    const f = await load(activeFixture);
    await (await f.governor.connect(f.proposer).castVote(f.proposalId, 1)).wait();
    await time.increaseTo(f.deadline + 1);
    return f;
  }

  /** Queued in the timelock (directly on the governor). */
  async function queuedFixture() {
    const f = await load(succeededFixture);
    const receipt = await (await f.governor["queue(uint256)"](f.proposalId)).wait();
    const queuedAt = (await hre.ethers.provider.getBlock(receipt!.blockNumber))!.timestamp;
    return { ...f, queuedAt, eta: queuedAt + TIMELOCK_DELAY };
  }

  describe("deploy governance", function () {
    it("records the 24 contracts of the protocol, rollup factory, services, timelock and governor included", async function () {
      const { book, lines } = await load(governanceTaskFixture);
      expect(Object.keys(book)).to.have.members(BOOK_KEYS);
      expect(Object.keys(book)).to.have.lengthOf(24);
      expect(new Set(Object.values(book).map((a) => a.toLowerCase())).size).to.equal(24);
      for (const address of Object.values(book)) {
        expect(address).to.equal(getAddress(address));
        expect(await hre.ethers.provider.getCode(address)).to.not.equal("0x");
      }
      expect(JSON.parse(lines.join("\n"))).to.deep.equal(book);
    });

    it("hands the ten Ownables to the timelock and configures the governor from hardhat.json", async function () {
      const f = await load(governanceTaskFixture);
      const { timelock, governor, token, council, deployer } = f;
      const timelockAddress = await timelock.getAddress();
      const rollupFactory = await hre.ethers.getContractAt("RollupFactory", f.book["Rollups#RollupFactory"]);
      const blsKeys = await hre.ethers.getContractAt("BlsKeyRegistry", f.book["Restaking#BlsKeyRegistry"]);
      const services = await Promise.all(
        (["MachService", "VitalService", "SquadService"] as const).map((name) =>
          hre.ethers.getContractAt(name, f.book[`Services#${name}`]),
        ),
      );
      for (const owned of [
        f.vestingFactory,
        f.registry,
        f.operatorSets,
        f.slashingManager,
        f.rewards,
        blsKeys,
        rollupFactory,
        ...services,
      ]) {
        expect(await owned.owner()).to.equal(timelockAddress);
      }
      expect(await governor.timelock()).to.equal(timelockAddress);
      expect(await governor.token()).to.equal(await token.getAddress());
      expect(await governor.proposalGuardian()).to.equal(council.address);
      expect(await governor.votingDelay()).to.equal(BigInt(VOTING_DELAY));
      expect(await governor.votingPeriod()).to.equal(BigInt(VOTING_PERIOD));
      expect(await governor.proposalThreshold()).to.equal(THRESHOLD);
      expect(await governor.lateQuorumVoteExtension()).to.equal(BigInt(days(2)));
      expect(await governor["quorumNumerator()"]()).to.equal(400n);
      expect(await timelock.getMinDelay()).to.equal(BigInt(TIMELOCK_DELAY));
      expect(await timelock.hasRole(id("PROPOSER_ROLE"), await governor.getAddress())).to.equal(true);
      expect(await timelock.hasRole(id("CANCELLER_ROLE"), await governor.getAddress())).to.equal(true);
      expect(await timelock.hasRole(id("EXECUTOR_ROLE"), ZeroAddress)).to.equal(true);
      expect(await timelock.hasRole(ZeroHash, deployer.address)).to.equal(false);
      expect(await timelock.hasRole(id("PROPOSER_ROLE"), deployer.address)).to.equal(false);
      expect(await token.getVotes(timelockAddress)).to.equal(TREASURY_VOTES);
      expect(await governor.quorum((await time.latest()) - 1)).to.equal(QUORUM);
      expect(QUORUM).to.equal(314_000_000n * ALT);
    });
  });

  describe("gov delegate", function () {
    /** Account 7's Launchpool position (unlocked at TGE) paid out: it holds 500M ALT without votes. */
    async function releasedFixture() {
      const f = await load(governanceTaskFixture);
      await (await f.launchpool.release()).wait();
      return { ...f, holder: f.signers[7] };
    }

    it("delegates to oneself and reports the votes, the threshold and that the account can propose", async function () {
      const { token, holder } = await load(releasedFixture);
      expect(await token.balanceOf(holder.address)).to.equal(VOTES.launchpool);
      expect(await token.getVotes(holder.address)).to.equal(0n);
      const { result, lines } = await runTask<DelegateResult>("gov delegate", {
        to: holder.address.toLowerCase(),
        from: holder.address,
        json: false,
      });
      expect(result).to.deep.include({
        delegator: holder.address,
        delegatee: holder.address,
        votes: VOTES.launchpool,
        proposalThreshold: THRESHOLD,
        canPropose: true,
      });
      await expect(transaction(result.tx.hash))
        .to.emit(token, "DelegateChanged")
        .withArgs(holder.address, ZeroAddress, holder.address);
      await expect(transaction(result.tx.hash))
        .to.emit(token, "DelegateVotesChanged")
        .withArgs(holder.address, 0n, VOTES.launchpool);
      expect(await token.getVotes(holder.address)).to.equal(VOTES.launchpool);
      expect(lines).to.deep.equal([
        txLine(`${holder.address} delegated to ${holder.address}`, result.tx),
        `  ${holder.address} now has 500,000,000 ALT of votes` +
          " (proposing needs 10,000,000 ALT; votes count for proposals created from the next block)",
      ]);
    });

    it("reports an account below the threshold as unable to propose, and gov propose refuses it", async function () {
      const { token, holder, outsider } = await load(releasedFixture);
      await (await token.connect(holder).transfer(outsider.address, 5_000_000n * ALT)).wait();
      const { result } = await runTask<DelegateResult>("gov delegate", {
        to: outsider.address,
        from: outsider.address,
        json: true,
      });
      expect(result).to.deep.include({ votes: 5_000_000n * ALT, proposalThreshold: THRESHOLD, canPropose: false });
      await time.increase(10);
      await expectRefused(
        "gov propose",
        { file: WITHDRAWAL_DELAY_FILE, from: outsider.address, json: true },
        `${outsider.address} has 5,000,000 ALT of votes; proposing needs 10,000,000 ALT (delegate first)`,
      );
    });

    it("adds the sender's votes to another delegate's", async function () {
      const { token, holder, proposer } = await load(releasedFixture);
      const result = await task<DelegateResult>("gov delegate", {
        to: proposer.address,
        from: holder.address,
        json: true,
      });
      expect(result).to.deep.include({
        delegator: holder.address,
        delegatee: proposer.address,
        votes: VOTES.protocolDevelopment + VOTES.launchpool,
        canPropose: true,
      });
      expect(await token.delegates(holder.address)).to.equal(proposer.address);
      expect(await token.getVotes(holder.address)).to.equal(0n);
    });

    it("gives votes the governor counts for a proposal in the block after the delegation", async function () {
      const { governor, registry, holder } = await load(releasedFixture);
      const delegated = await task<DelegateResult>("gov delegate", {
        to: holder.address,
        from: holder.address,
        json: true,
      });
      const calldata = registry.interface.encodeFunctionData("setDelays", [NEW_WITHDRAWAL_DELAY, SEVEN_DAYS]);
      const receipt = await (
        await governor.connect(holder).propose([await registry.getAddress()], [0n], [calldata], "Fresh delegate")
      ).wait();
      expect(receipt!.blockNumber).to.equal(delegated.tx.block + 1);
      const id = proposalIdOf([await registry.getAddress()], [0n], [calldata], "Fresh delegate");
      expect(await governor.proposalProposer(id)).to.equal(holder.address);
    });

    // BUG (gov propose): the threshold check reads `governor.getVotes(proposer, governor.clock() - 1)` by eth_call,
    // where clock() is the LATEST block's timestamp: it checks the votes one second before the latest block. The
    // governor checks `getVotes(proposer, clock() - 1)` in the proposing block, whose clock() is later than the latest
    // block's, i.e. the votes at (at least) the latest block. So a delegate whose delegation is in the latest block is
    // refused ("has 0 ALT of votes; proposing needs 10,000,000 ALT (delegate first)") although the governor accepts
    // its proposal (previous test) and gov delegate just printed "votes count for proposals created from the next
    // block" (docs/governance.md: "votes count from the next block"). Checking the current votes
    // (token.getVotes(proposer), i.e. at the latest block) would match the governor.
    it("lets a fresh delegate propose through the task in the block after its delegation", async function () {
      const { holder } = await load(releasedFixture);
      await task("gov delegate", { to: holder.address, from: holder.address, json: true });
      const proposal = await task<ProposeResult>("gov propose", {
        file: WITHDRAWAL_DELAY_FILE,
        from: holder.address,
        json: true,
      });
      expect(proposal.proposer).to.equal(holder.address);
    });

    it("refuses a malformed --to", async function () {
      const { holder } = await load(releasedFixture);
      await expectRefused(
        "gov delegate",
        { to: "0x01", from: holder.address, json: true },
        "--to is not a valid address: 0x01",
      );
    });
  });

  describe("gov propose", function () {
    it("proposes the file's actions with the proposer suffix, under the id hashProposal gives", async function () {
      const f = await load(proposedFixture);
      const { governor, registry, proposer, proposal, proposalId, proposedAt, targets, values, calldatas } = f;
      const description = `${descriptionOf(WITHDRAWAL_DELAY_FILE)}#proposer=${proposer.address}`;
      expect(description).to.equal(f.description);
      const expectedId = proposalIdOf(targets, values, calldatas, description);
      expect(proposalId).to.equal(expectedId);
      expect(await governor.hashProposal(targets, values, calldatas, id(description))).to.equal(expectedId);
      expect(proposal).to.deep.equal({
        id: expectedId.toString(),
        proposer: proposer.address,
        description,
        actions: [
          {
            target: await registry.getAddress(),
            contract: "Restaking#RestakingRegistry",
            artifact: "RestakingRegistry",
            signature: "setDelays(uint48,uint48)",
            args: [1814400, 604800],
            value: 0n,
            calldata: calldatas[0],
          },
        ],
        implementations: {},
        voteStart: proposedAt + VOTING_DELAY + 1,
        voteEnd: proposedAt + VOTING_DELAY + VOTING_PERIOD,
        tx: proposal.tx,
      });
      await expect(transaction(proposal.tx.hash))
        .to.emit(governor, "ProposalCreated")
        .withArgs(
          expectedId,
          proposer.address,
          targets,
          values,
          [""],
          calldatas,
          proposedAt + VOTING_DELAY,
          proposedAt + VOTING_DELAY + VOTING_PERIOD,
          description,
        );
      expect((await transaction(proposal.tx.hash)).from).to.equal(proposer.address);
      expect(await governor.state(expectedId)).to.equal(STATE.Pending);
      expect(await governor.proposalProposer(expectedId)).to.equal(proposer.address);
      expect(await governor.proposalSnapshot(expectedId)).to.equal(BigInt(proposedAt + VOTING_DELAY));
      expect(await governor.proposalDeadline(expectedId)).to.equal(BigInt(proposedAt + VOTING_DELAY + VOTING_PERIOD));
      expect(await governor.proposalCount()).to.equal(1n);
      const details = await governor.proposalDetails(expectedId);
      expect(details[3]).to.equal(id(description));
    });

    it("ends the description on chain with #proposer=<checksummed proposer>", async function () {
      const { governor, proposer, proposal } = await load(proposedFixture);
      const [event] = await governor.queryFilter(governor.filters.ProposalCreated(), proposal.tx.block);
      const checksummed = getAddress(proposer.address.toLowerCase());
      expect(event.args.description.endsWith(`#proposer=${checksummed}`)).to.equal(true);
      expect(event.args.description).to.equal(`${descriptionOf(WITHDRAWAL_DELAY_FILE)}#proposer=${checksummed}`);
    });

    it("prints the id, the actions and the voting period in text mode", async function () {
      const { proposal, proposeLines, proposedAt } = await load(proposedFixture);
      expect(proposeLines).to.deep.equal([
        txLine(`proposed ${proposal.id}`, proposal.tx),
        "  1. RestakingRegistry.setDelays(21d, 7d)",
        `  voting from ${isoTime(proposedAt + VOTING_DELAY + 1)} (in 1d 1s) to ${isoTime(
          proposedAt + VOTING_DELAY + VOTING_PERIOD,
        )} (in 8d)`,
      ]);
    });

    it("gives the same file proposed by another delegate another id", async function () {
      const { governor, investor, targets, values, calldatas, proposalId } = await load(proposedFixture);
      const other = await task<ProposeResult>("gov propose", {
        file: WITHDRAWAL_DELAY_FILE,
        from: investor.address,
        json: true,
      });
      const description = `${descriptionOf(WITHDRAWAL_DELAY_FILE)}#proposer=${investor.address}`;
      expect(BigInt(other.id)).to.equal(proposalIdOf(targets, values, calldatas, description));
      expect(BigInt(other.id)).to.not.equal(proposalId);
      expect(await governor.proposalCount()).to.equal(2n);
    });

    it("refuses the same proposal twice", async function () {
      const { proposer, proposalId } = await load(proposedFixture);
      await expectRefused(
        "gov propose",
        { file: WITHDRAWAL_DELAY_FILE, from: proposer.address, json: true },
        `this proposal already exists: ${proposalId}`,
      );
    });

    it("accepts an address of the book instead of its name, and an outside address with its artifact", async function () {
      const { governor, registry, proposer } = await load(governanceTaskFixture);
      const address = await registry.getAddress();
      const file = oneAction({
        contract: address.toLowerCase(),
        function: "setDelays",
        args: [1814400, 604800],
      });
      const proposal = await task<ProposeResult>("gov propose", { file, from: proposer.address, json: true });
      expect(proposal.actions[0]).to.deep.include({
        target: address,
        contract: "Restaking#RestakingRegistry",
        artifact: "RestakingRegistry",
      });
      // the registry's implementation: a contract outside the address book
      const outside = await hre.upgrades.erc1967.getImplementationAddress(address);
      const noCode = "0x000000000000000000000000000000000000dEaD";
      await expectRefused(
        "gov propose",
        {
          file: oneAction({ contract: noCode, artifact: "RestakingRegistry", ...OWNER_CALL }),
          from: proposer.address,
          json: true,
        },
        `action 1: no contract at ${noCode}`,
      );
      const file2 = oneAction({
        contract: outside.toLowerCase(),
        artifact: "RestakingRegistryV2",
        function: "version",
        args: [],
      });
      // a view function is refused even with an artifact; a state-changing one is accepted
      await expectRefused(
        "gov propose",
        { file: file2, from: proposer.address, json: true },
        "action 1: RestakingRegistryV2.version() is a view function: it changes nothing",
      );
      const file3 = oneAction({
        contract: outside,
        artifact: "RestakingRegistry",
        ...OWNER_CALL,
      });
      // the implementation's owner is not the timelock: the simulation refuses it, --force proposes it
      const outsideProposal = await task<ProposeResult>("gov propose", {
        file: file3,
        from: proposer.address,
        force: true,
        json: true,
      });
      expect(outsideProposal.actions[0]).to.deep.include({
        target: outside,
        contract: outside,
        artifact: "RestakingRegistry",
        signature: "transferOwnership(address)",
        calldata: registry.interface.encodeFunctionData("transferOwnership", [NEW_OWNER]),
      });
      expect(await governor.proposalCount()).to.equal(2n);
    });

    it("sends a value, in ether, with a payable function", async function () {
      const { governor, registry, proposer } = await load(governanceTaskFixture);
      const registryAddress = await registry.getAddress();
      const target = "0x000000000000000000000000000000000000dEaD";
      const file = oneAction({
        contract: "Restaking#RestakingRegistry",
        function: "upgradeToAndCall",
        args: [target, "0x"],
        value: "0.5",
      });
      // 0xdEaD is no implementation: --force proposes what the simulation refuses
      const proposal = await task<ProposeResult>("gov propose", {
        file,
        from: proposer.address,
        force: true,
        json: true,
      });
      const calldata = registry.interface.encodeFunctionData("upgradeToAndCall", [target, "0x"]);
      expect(proposal.actions[0]).to.deep.include({ value: 5n * 10n ** 17n, calldata });
      const description = `One action#proposer=${proposer.address}`;
      expect(BigInt(proposal.id)).to.equal(proposalIdOf([registryAddress], [5n * 10n ** 17n], [calldata], description));
      expect((await governor.proposalDetails(proposal.id))[1]).to.deep.equal([5n * 10n ** 17n]);
    });

    it("deploys the validated implementation before proposing the upgrade to it", async function () {
      const { governor, registry, proposer } = await load(governanceTaskFixture);
      const registryAddress = await registry.getAddress();
      const before = await hre.ethers.provider.getBlockNumber();
      const { result, lines } = await runTask<ProposeResult>("gov propose", {
        file: UPGRADE_FILE,
        from: proposer.address,
        json: false,
      });
      const implementation = result.implementations.registryV2;
      expect(Object.keys(result.implementations)).to.deep.equal(["registryV2"]);
      expect(await hre.ethers.provider.getCode(implementation)).to.not.equal("0x");
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(before + 2); // the implementation, the proposal
      const calldata = registry.interface.encodeFunctionData("upgradeToAndCall", [implementation, "0x"]);
      expect(result.actions).to.deep.equal([
        {
          target: registryAddress,
          contract: "Restaking#RestakingRegistry",
          artifact: "RestakingRegistry",
          signature: "upgradeToAndCall(address,bytes)",
          args: [implementation, "0x"],
          value: 0n,
          calldata,
        },
      ]);
      const description = `${descriptionOf(UPGRADE_FILE)}#proposer=${proposer.address}`;
      expect(BigInt(result.id)).to.equal(proposalIdOf([registryAddress], [0n], [calldata], description));
      expect(await governor.state(result.id)).to.equal(STATE.Pending);
      // the implementation is RestakingRegistryV2's code
      const v2 = (await hre.ethers.getContractAt(
        "RestakingRegistryV2",
        implementation,
      )) as unknown as RestakingRegistryV2;
      expect(await v2.version()).to.equal(2n);
      expect(lines[1]).to.equal(`  implementation registryV2: ${implementation}`);
      expect(lines[2]).to.equal(`  1. RestakingRegistry.upgradeToAndCall(${implementation}, 0x)`);
      // the same file again: the implementation is found deployed, nothing is sent
      await expectRefused(
        "gov propose",
        { file: UPGRADE_FILE, from: proposer.address, json: true },
        `this proposal already exists: ${result.id}`,
      );
    });

    describe("simulated first", function () {
      /** A withdrawal delay of 1 s: below the slashing manager's minimum (2d veto window + 10d evidence age). */
      const DOOMED = { contract: "Restaking#RestakingRegistry", function: "setDelays", args: [1, 604800] };
      const DOOMED_LINE =
        "the proposal fails at execute, action 1 (RestakingRegistry.setDelays): RegistryDelayTooShort(1, 1036800)";

      it("refuses a proposal whose execution would fail, naming stage, action and error: nothing is sent", async function () {
        const { governor, proposer } = await load(governanceTaskFixture);
        const nonce = await hre.ethers.provider.getTransactionCount(proposer.address);
        const file = oneAction(DOOMED);
        const refusal = `${DOOMED_LINE} (simulated: nothing was sent; --force proposes anyway)`;
        await expectRefused("gov propose", { file, from: proposer.address, json: true }, refusal);
        await expectRefused("gov propose", { file, from: proposer.address, dryRun: true, json: true }, refusal);
        expect(await hre.ethers.provider.getTransactionCount(proposer.address)).to.equal(nonce);
        expect(await governor.proposalCount()).to.equal(0n);
      });

      it("proposes it with --force after a warning line, and it does fail at execution as simulated", async function () {
        const { governor, registry, proposer } = await load(governanceTaskFixture);
        const nonce = await hre.ethers.provider.getTransactionCount(proposer.address);
        const { result, lines } = await runTask<ProposeResult>("gov propose", {
          file: oneAction(DOOMED),
          from: proposer.address,
          force: true,
          json: false,
        });
        expect(lines.slice(0, 3)).to.deep.equal([
          `warning: ${DOOMED_LINE} (simulated); proposing anyway (--force)`,
          txLine(`proposed ${result.id}`, result.tx),
          "  1. RestakingRegistry.setDelays(1s, 7d)",
        ]);
        expect(await hre.ethers.provider.getTransactionCount(proposer.address)).to.equal(nonce + 1);
        expect(await governor.proposalCount()).to.equal(1n);
        expect(await governor.state(result.id)).to.equal(STATE.Pending);
        await time.increaseTo(result.voteStart);
        await (await governor.connect(proposer).castVote(result.id, 1)).wait();
        await time.increaseTo(result.voteEnd + 1);
        await (await governor["queue(uint256)"](result.id)).wait();
        await time.increaseTo(await governor.proposalEta(result.id));
        await expect(governor["execute(uint256)"](result.id))
          .to.be.revertedWithCustomError(registry, "RegistryDelayTooShort")
          .withArgs(1, 1_036_800);
      });

      it("names the failing action of several: the actions run in order, as the timelock runs them", async function () {
        const { governor, proposer } = await load(governanceTaskFixture);
        const file = proposalFile({
          description: "Three actions",
          actions: [
            { contract: "Restaking#RestakingRegistry", function: "setDelays", args: [days(30), 604800] },
            { contract: "Restaking#SlashingManager", function: "setSlasher", args: [SLASHER, 1000, days(20)] },
            { contract: "Restaking#RestakingRegistry", function: "setDelays", args: [days(21), 604800] },
          ],
        });
        // action 3 alone passes today (21d against a 12-day minimum), but after action 2 registers a slasher with a
        // 20-day evidence age the minimum is 22 days
        await expectRefused(
          "gov propose",
          { file, from: proposer.address, json: true },
          "the proposal fails at execute, action 3 (RestakingRegistry.setDelays): RegistryDelayTooShort(" +
            `${days(21)}, ${days(22)}) (simulated: nothing was sent; --force proposes anyway)`,
        );
        expect(await governor.proposalCount()).to.equal(0n);
      });

      it("--dry-run prints the exact proposing transaction and sends nothing; sent as printed, it proposes", async function () {
        const { governor, registry, proposer } = await load(governanceTaskFixture);
        const nonce = await hre.ethers.provider.getTransactionCount(proposer.address);
        const block = await hre.ethers.provider.getBlockNumber();
        const registryAddress = await registry.getAddress();
        const calldata = registry.interface.encodeFunctionData("setDelays", [NEW_WITHDRAWAL_DELAY, SEVEN_DAYS]);
        const description = `${descriptionOf(WITHDRAWAL_DELAY_FILE)}#proposer=${proposer.address}`;
        const data = governor.interface.encodeFunctionData("propose", [
          [registryAddress],
          [0n],
          [calldata],
          description,
        ]);
        const proposalId = proposalIdOf([registryAddress], [0n], [calldata], description);
        const { result, lines } = await runTask<DryRunResult>("gov propose", {
          file: WITHDRAWAL_DELAY_FILE,
          from: proposer.address,
          dryRun: true,
          json: false,
        });
        const governorAddress = await governor.getAddress();
        expect(lines).to.deep.equal([
          `dry run of proposal ${proposalId}: nothing sent`,
          `  from  ${proposer.address}`,
          `  to    ${governorAddress} (AltGovernor)`,
          "  value 0",
          `  data  ${data}`,
          "  1. RestakingRegistry.setDelays(21d, 7d)",
        ]);
        expect(result).to.deep.include({
          dryRun: true,
          from: proposer.address,
          to: governorAddress,
          value: 0n,
          data,
          id: proposalId.toString(),
        });
        expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
        expect(await hre.ethers.provider.getTransactionCount(proposer.address)).to.equal(nonce);
        expect(await governor.proposalCount()).to.equal(0n);
        await (await proposer.sendTransaction({ to: result.to, data: result.data, value: result.value })).wait();
        expect(await governor.proposalProposer(proposalId)).to.equal(proposer.address);
      });

      it("--dry-run refuses a file with implementations (their addresses exist once deployed)", async function () {
        const { proposer } = await load(governanceTaskFixture);
        await expectRefused(
          "gov propose",
          { file: UPGRADE_FILE, from: proposer.address, dryRun: true, json: true },
          "--dry-run cannot show a file with implementations: their addresses exist once deployed (gov simulate runs it)",
        );
      });

      it("on a network that cannot impersonate, checks each action alone as a call from the timelock", async function () {
        const { proposer } = await load(governanceTaskFixture);
        const decoder = await loadDecoder(hre);
        const file = {
          description: "Checked by calls",
          actions: [
            { contract: "Restaking#RestakingRegistry", function: "setDelays", args: [1814400, 604800] },
            DOOMED,
          ],
        };
        const prepared = await prepareProposal(hre, file, proposer.address, undefined, { deploy: false });
        expect(await checkActionsByCalls(hre, prepared, decoder)).to.deep.equal({
          failure: {
            stage: "execute",
            action: { index: 2, contract: "RestakingRegistry", function: "setDelays" },
            error: "RegistryDelayTooShort(1, 1036800)",
          },
          unchecked: [],
        });
        // an upgrade to an implementation the proposal deploys cannot be called before it exists
        const upgrade = await prepareProposal(hre, readJson(UPGRADE_FILE), proposer.address, undefined, {
          deploy: false,
        });
        expect(await checkActionsByCalls(hre, upgrade, decoder)).to.deep.equal({ unchecked: [1] });
      });
    });

    describe("refusals, before any transaction", function () {
      it("refuses a proposer below the threshold", async function () {
        const { outsider } = await load(governanceTaskFixture);
        await expectRefused(
          "gov propose",
          { file: WITHDRAWAL_DELAY_FILE, from: outsider.address, json: true },
          `${outsider.address} has 0 ALT of votes; proposing needs 10,000,000 ALT (delegate first)`,
        );
        const stranger = "0x000000000000000000000000000000000000dEaD";
        await expectRefused(
          "gov propose",
          { file: WITHDRAWAL_DELAY_FILE, from: stranger, json: true },
          `--from ${stranger} is not an account of network hardhat`,
        );
      });

      it("refuses an unknown contract name, and an address outside the book without an artifact", async function () {
        const { proposer } = await load(governanceTaskFixture);
        const from = proposer.address;
        await expectRefused(
          "gov propose",
          { file: oneAction({ contract: "Restaking#Nope", ...OWNER_CALL }), from, json: true },
          "action 1: Restaking#Nope is neither an address-book name nor an address",
        );
        const outside = "0x000000000000000000000000000000000000dEaD";
        await expectRefused(
          "gov propose",
          { file: oneAction({ contract: outside.toLowerCase(), ...OWNER_CALL }), from, json: true },
          `action 1: ${outside} is not in the address book: add "artifact" naming its contract`,
        );
        await expectRefused(
          "gov propose",
          { file: oneAction({ contract: outside, artifact: "Nope", ...OWNER_CALL }), from, json: true },
          "action 1: no compiled contract named Nope",
        );
      });

      it("refuses an unknown function, an overloaded name and a view function", async function () {
        const { proposer } = await load(governanceTaskFixture);
        const from = proposer.address;
        await expectRefused(
          "gov propose",
          { file: oneAction({ contract: "Restaking#RestakingRegistry", function: "nope" }), from, json: true },
          "action 1: RestakingRegistry has no function nope",
        );
        await expectRefused(
          "gov propose",
          { file: oneAction({ contract: "Governance#AltGovernor", function: "queue", args: [1] }), from, json: true },
          "action 1: queue is overloaded in AltGovernor: write one of queue(address[],uint256[],bytes[],bytes32),queue(uint256)",
        );
        await expectRefused(
          "gov propose",
          {
            file: oneAction({ contract: "Restaking#RestakingRegistry", function: "withdrawalDelay" }),
            from,
            json: true,
          },
          "action 1: RestakingRegistry.withdrawalDelay() is a view function: it changes nothing",
        );
      });

      it("accepts the full signature of an overloaded function", async function () {
        const { governor, proposer } = await load(governanceTaskFixture);
        const file = oneAction({ contract: "Governance#AltGovernor", function: "queue(uint256)", args: ["7"] });
        // proposal 7 does not exist: --force proposes what the simulation refuses
        const proposal = await task<ProposeResult>("gov propose", {
          file,
          from: proposer.address,
          force: true,
          json: true,
        });
        expect(proposal.actions[0].signature).to.equal("queue(uint256)");
        expect(proposal.actions[0].calldata).to.equal(governor.interface.encodeFunctionData("queue(uint256)", [7n]));
      });

      it("refuses a wrong argument count and an argument of the wrong type, naming it", async function () {
        const { proposer } = await load(governanceTaskFixture);
        const from = proposer.address;
        const setDelays = (args: unknown[]) =>
          oneAction({ contract: "Restaking#RestakingRegistry", function: "setDelays", args });
        await expectRefused(
          "gov propose",
          { file: setDelays([1814400, 604800, 604800]), from, json: true },
          "action 1: setDelays(uint48,uint48) takes 2 arguments, not 3",
        );
        await expectRefused(
          "gov propose",
          { file: oneAction({ contract: "Restaking#RestakingRegistry", function: "setDelays" }), from, json: true },
          "action 1: setDelays(uint48,uint48) takes 2 arguments, not 0",
        );
        await expectRefused(
          "gov propose",
          { file: setDelays(["abc", 604800]), from, json: true },
          "action 1: argument 1 (uint48 withdrawalDelay_) of setDelays: invalid BigNumberish string: Cannot convert abc to a BigInt",
        );
        await expectRefused(
          "gov propose",
          { file: setDelays([1814400, 2 ** 48]), from, json: true },
          "action 1: argument 2 (uint48 commissionDelay_) of setDelays: value out-of-bounds",
        );
      });

      it("refuses a value sent to a non-payable function, and a value that is not an amount", async function () {
        const { proposer } = await load(governanceTaskFixture);
        const from = proposer.address;
        const withValue = (value: string) =>
          oneAction({ contract: "Restaking#RestakingRegistry", ...OWNER_CALL, value });
        await expectRefused(
          "gov propose",
          { file: withValue("0.5"), from, json: true },
          "action 1: transferOwnership(address) is not payable",
        );
        await expectRefused(
          "gov propose",
          { file: withValue("half"), from, json: true },
          'action 1: value must be an amount of ether such as "0.5", not half',
        );
      });

      it("names the failing action of a file with several", async function () {
        const { proposer } = await load(governanceTaskFixture);
        const file = proposalFile({
          description: "Two actions",
          actions: [
            { contract: "Restaking#RestakingRegistry", ...OWNER_CALL },
            { contract: "Restaking#SlashingManager", function: "setSlasher", args: ["0x12", 1000, 604800] },
          ],
        });
        await expectRefused(
          "gov propose",
          { file, from: proposer.address, json: true },
          'action 2: argument 1 (address slasher_) of setSlasher: invalid address (argument="address", value="0x12", code=INVALID_ARGUMENT, version=6.17.0)',
        );
      });

      it("refuses a missing file and a file that is not JSON", async function () {
        const { proposer } = await load(governanceTaskFixture);
        const missing = files.path("missing.json");
        await expectRefused(
          "gov propose",
          { file: missing, from: proposer.address, json: true },
          `proposal file not found: ${missing}`,
        );
        const broken = proposalFile("{ description: oops");
        let parseError = "";
        try {
          JSON.parse("{ description: oops");
        } catch (e) {
          parseError = (e as Error).message;
        }
        expect(parseError).to.not.equal("");
        await expectRefused(
          "gov propose",
          { file: broken, from: proposer.address, json: true },
          `proposal file ${broken} is not valid JSON: ${parseError}`,
        );
      });

      it("refuses a description with a #proposer= suffix, an empty description and empty actions", async function () {
        const { proposer } = await load(governanceTaskFixture);
        const from = proposer.address;
        const action = { contract: "Restaking#RestakingRegistry", ...OWNER_CALL };
        const suffixed = proposalFile({ description: `Pause#proposer=${from}`, actions: [action] });
        await expectRefused(
          "gov propose",
          { file: suffixed, from, json: true },
          `proposal file ${suffixed}: the description must not carry a #proposer= suffix (the tasks add it)`,
        );
        const blank = proposalFile({ description: "  ", actions: [action] });
        await expectRefused(
          "gov propose",
          { file: blank, from, json: true },
          `proposal file ${blank}: "description" must be a non-empty string`,
        );
        const empty = proposalFile({ description: "Nothing", actions: [] });
        await expectRefused(
          "gov propose",
          { file: empty, from, json: true },
          `proposal file ${empty}: "actions" must be a non-empty list`,
        );
        const missing = proposalFile({ description: "Nothing" });
        await expectRefused(
          "gov propose",
          { file: missing, from, json: true },
          `proposal file ${missing}: "actions" must be a non-empty list`,
        );
      });

      it("refuses a $name argument that names no implementation, and an implementation without a proxy", async function () {
        const { proposer } = await load(governanceTaskFixture);
        const from = proposer.address;
        const file = oneAction({
          contract: "Restaking#RestakingRegistry",
          function: "upgradeToAndCall",
          args: ["$registryV2", "0x"],
        });
        await expectRefused(
          "gov propose",
          { file, from, json: true },
          "action 1: $registryV2 names no implementation of the file",
        );
        const noProxy = proposalFile({
          description: "Upgrade",
          implementations: { registryV2: { artifact: "RestakingRegistryV2" } },
          actions: [
            { contract: "Restaking#RestakingRegistry", function: "upgradeToAndCall", args: ["$registryV2", "0x"] },
          ],
        });
        await expectRefused(
          "gov propose",
          { file: noProxy, from, json: true },
          `proposal file ${noProxy}: implementation registryV2 needs "artifact" and "proxy"`,
        );
      });

      it("refuses an unsafe upgrade before deploying the implementation", async function () {
        const { proposer, deployer } = await load(governanceTaskFixture);
        const file = proposalFile({
          description: "Unsafe upgrade",
          implementations: { bad: { artifact: "RestakingRegistryBadV2", proxy: "Restaking#RestakingRegistry" } },
          actions: [{ contract: "Restaking#RestakingRegistry", function: "upgradeToAndCall", args: ["$bad", "0x"] }],
        });
        const block = await hre.ethers.provider.getBlockNumber();
        const nonces = [
          await hre.ethers.provider.getTransactionCount(proposer.address),
          await hre.ethers.provider.getTransactionCount(deployer.address),
        ];
        await expectTaskFailure(
          "gov propose",
          { file, from: proposer.address, json: true },
          new RegExp(
            "^implementation bad \\(RestakingRegistryBadV2\\) is not a safe upgrade of Restaking#RestakingRegistry: " +
              "Contract `contracts/mocks/UpgradeMocks.sol:RestakingRegistryBadV2` is not upgrade safe .*" +
              "Contract `RestakingRegistryBadV2` has a constructor",
          ),
        );
        expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
        expect([
          await hre.ethers.provider.getTransactionCount(proposer.address),
          await hre.ethers.provider.getTransactionCount(deployer.address),
        ]).to.deep.equal(nonces);
      });
    });
  });

  describe("gov vote", function () {
    it("votes for with a reason, with the voter's weight at the snapshot", async function () {
      const { governor, proposer, proposalId } = await load(activeFixture);
      const { result, lines } = await runTask<VoteResult>("gov vote", {
        id: proposalId.toString(),
        support: "for",
        reason: "shorter is safe",
        from: proposer.address,
        json: false,
      });
      expect(result).to.deep.equal({
        id: proposalId.toString(),
        voter: proposer.address,
        support: "for",
        weight: VOTES.protocolDevelopment,
        reason: "shorter is safe",
        tx: result.tx,
      });
      await expect(transaction(result.tx.hash))
        .to.emit(governor, "VoteCast")
        .withArgs(proposer.address, proposalId, 1, VOTES.protocolDevelopment, "shorter is safe");
      expect(await governor.proposalVotes(proposalId)).to.deep.equal([0n, VOTES.protocolDevelopment, 0n]);
      expect(await governor.hasVoted(proposalId, proposer.address)).to.equal(true);
      expect(lines).to.deep.equal([
        txLine(`${proposer.address} voted for on ${proposalId} with 2,000,000,000 ALT`, result.tx),
      ]);
    });

    it("votes from the block at the snapshot, the second before voting opens: its vote lands when voting is open", async function () {
      const { governor, proposer, proposalId, snapshot } = await load(proposedFixture);
      // the latest block at the snapshot itself: the past votes at the snapshot cannot be read yet
      await time.increaseTo(snapshot);
      const token = await hre.ethers.getContractAt("AltToken", await governor.token());
      await expect(governor.getVotes(proposer.address, snapshot)).to.be.revertedWithCustomError(
        token,
        "ERC5805FutureLookup",
      );
      const result = await task<VoteResult>("gov vote", {
        id: proposalId.toString(),
        support: "for",
        from: proposer.address,
        json: true,
      });
      expect(result.weight).to.equal(VOTES.protocolDevelopment);
      await expect(transaction(result.tx.hash))
        .to.emit(governor, "VoteCast")
        .withArgs(proposer.address, proposalId, 1, VOTES.protocolDevelopment, "");
    });

    it('votes against and abstain (any case), on "latest", with an empty reason by default', async function () {
      const { governor, investor, advisor, proposalId } = await load(activeFixture);
      const against = await task<VoteResult>("gov vote", {
        id: "latest",
        support: "AGAINST",
        from: investor.address,
        json: true,
      });
      expect(against).to.deep.include({ support: "against", weight: VOTES.investors, reason: "" });
      await expect(transaction(against.tx.hash))
        .to.emit(governor, "VoteCast")
        .withArgs(investor.address, proposalId, 0, VOTES.investors, "");
      const abstain = await task<VoteResult>("gov vote", {
        id: proposalId.toString(),
        support: "abstain",
        reason: "no opinion",
        from: advisor.address,
        json: true,
      });
      expect(abstain).to.deep.include({ support: "abstain", weight: VOTES.advisors, reason: "no opinion" });
      await expect(transaction(abstain.tx.hash))
        .to.emit(governor, "VoteCast")
        .withArgs(advisor.address, proposalId, 2, VOTES.advisors, "no opinion");
      expect(await governor.proposalVotes(proposalId)).to.deep.equal([VOTES.investors, 0n, VOTES.advisors]);
    });

    it("votes by signature with a reason: the relayer sends the transaction, the vote counts for the voter", async function () {
      const { governor, ecosystem, outsider, proposalId } = await load(activeFixture);
      const nonce = await governor.nonces(ecosystem.address);
      const { result, lines } = await runTask<VoteResult>("gov vote", {
        id: proposalId.toString(),
        support: "for",
        reason: "signed off-chain",
        from: ecosystem.address,
        bySignature: true,
        relayer: outsider.address,
        json: false,
      });
      expect(result).to.deep.equal({
        id: proposalId.toString(),
        voter: ecosystem.address,
        support: "for",
        weight: VOTES.ecosystem,
        reason: "signed off-chain",
        relayer: outsider.address,
        tx: result.tx,
      });
      const tx = await transaction(result.tx.hash);
      expect(tx.from).to.equal(outsider.address);
      expect(tx.data.slice(0, 10)).to.equal(
        governor.interface.getFunction("castVoteWithReasonAndParamsBySig")!.selector,
      );
      await expect(tx)
        .to.emit(governor, "VoteCast")
        .withArgs(ecosystem.address, proposalId, 1, VOTES.ecosystem, "signed off-chain");
      expect(await governor.hasVoted(proposalId, ecosystem.address)).to.equal(true);
      expect(await governor.hasVoted(proposalId, outsider.address)).to.equal(false);
      expect(await governor.nonces(ecosystem.address)).to.equal(nonce + 1n);
      expect(await governor.proposalVotes(proposalId)).to.deep.equal([0n, VOTES.ecosystem, 0n]);
      expect(lines).to.deep.equal([
        txLine(`${ecosystem.address} voted for on ${proposalId} with 1,445,000,000 ALT`, result.tx),
        `  signed by the voter, submitted by ${outsider.address}`,
      ]);
    });

    it("votes by signature without a reason, submitted by the first account by default", async function () {
      const { governor, deployer, team, proposalId } = await load(activeFixture);
      const result = await task<VoteResult>("gov vote", {
        id: proposalId.toString(),
        support: "against",
        from: team.address,
        bySignature: true,
        json: true,
      });
      expect(result).to.deep.include({ voter: team.address, relayer: deployer.address, weight: VOTES.team });
      const tx = await transaction(result.tx.hash);
      expect(tx.from).to.equal(deployer.address);
      expect(tx.data.slice(0, 10)).to.equal(governor.interface.getFunction("castVoteBySig")!.selector);
      await expect(tx).to.emit(governor, "VoteCast").withArgs(team.address, proposalId, 0, VOTES.team, "");
      expect(await governor.hasVoted(proposalId, deployer.address)).to.equal(false);
      expect(await governor.proposalVotes(proposalId)).to.deep.equal([VOTES.team, 0n, 0n]);
    });

    it("refuses a bad --support and --relayer without --by-signature", async function () {
      const { proposer, outsider, proposalId } = await load(activeFixture);
      await expectRefused(
        "gov vote",
        { id: proposalId.toString(), support: "yes", from: proposer.address, json: true },
        "--support must be for, against or abstain, not yes",
      );
      await expectRefused(
        "gov vote",
        { id: proposalId.toString(), support: "for", from: proposer.address, relayer: outsider.address, json: true },
        "--relayer only applies with --by-signature",
      );
    });

    it("refuses a vote while the proposal is Pending, naming when voting starts", async function () {
      const { proposer, proposalId, snapshot, proposedAt } = await load(proposedFixture);
      expect(await time.latest()).to.equal(proposedAt);
      await expectRefused(
        "gov vote",
        { id: proposalId.toString(), support: "for", from: proposer.address, json: true },
        `proposal ${proposalId} is Pending, not Active: voting starts ${isoTime(snapshot + 1)} (in 1d 1s)`,
      );
      await time.increaseTo(snapshot - 3_600);
      await expectRefused(
        "gov vote",
        { id: proposalId.toString(), support: "for", from: proposer.address, json: true },
        `proposal ${proposalId} is Pending, not Active: voting starts ${isoTime(snapshot + 1)} (in 1h 1s)`,
      );
    });

    // BUG (gov vote, and gov cancel below): the state is checked at the latest block, but the vote is mined in the next
    // one. With the latest block at the deadline (the last voting second), the check passes and the transaction reverts
    // after the deadline: the task ends with the raw "GovernorUnexpectedProposalState(<id>, 3, 0x…02)" instead of one
    // line, as gov execute does for its eta ("mined in the next block") and slash veto for its window.
    it("refuses a vote in the last second of voting, when no later block can carry it in time", async function () {
      const { proposer, proposalId, deadline } = await load(activeFixture);
      await time.increaseTo(deadline);
      const block = await hre.ethers.provider.getBlockNumber();
      await expectTaskFailure(
        "gov vote",
        { id: "latest", support: "for", from: proposer.address, json: true },
        new RegExp(`^proposal ${proposalId} `),
      );
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
    });

    it("refuses a second vote, a voter without votes at the snapshot, and a closed vote", async function () {
      const f = await load(activeFixture);
      const { governor, token, launchpool, proposer, investor, outsider, proposalId, deadline } = f;
      await task("gov vote", { id: "latest", support: "for", from: proposer.address, json: true });
      await expectRefused(
        "gov vote",
        { id: "latest", support: "against", from: proposer.address, json: true },
        `${proposer.address} has already voted on proposal ${proposalId}`,
      );
      // votes delegated after the snapshot do not count
      await (await launchpool.release()).wait();
      await (await token.connect(f.signers[7]).transfer(outsider.address, 20_000_000n * ALT)).wait();
      await (await token.connect(outsider).delegate(outsider.address)).wait();
      expect(await token.getVotes(outsider.address)).to.equal(20_000_000n * ALT);
      await expectRefused(
        "gov vote",
        { id: "latest", support: "for", from: outsider.address, json: true },
        `${outsider.address} had no votes at the snapshot of proposal ${proposalId} (delegate before proposals)`,
      );
      await time.increaseTo(deadline + 1);
      await expectRefused(
        "gov vote",
        { id: "latest", support: "for", from: investor.address, json: true },
        `proposal ${proposalId} is Succeeded, not Active`,
      );
      expect(await governor.proposalVotes(proposalId)).to.deep.equal([0n, VOTES.protocolDevelopment, 0n]);
    });

    it("refuses an unknown or malformed proposal id, and latest before any proposal", async function () {
      const { proposer } = await load(governanceTaskFixture);
      await expectRefused(
        "gov vote",
        { id: "latest", support: "for", from: proposer.address, json: true },
        "there are no proposals yet",
      );
      await expectRefused(
        "gov vote",
        { id: "12345", support: "for", from: proposer.address, json: true },
        "unknown proposal 12345",
      );
      await expectRefused(
        "gov vote",
        { id: "abc", support: "for", from: proposer.address, json: true },
        "--id must be a whole number, not abc",
      );
    });
  });

  describe("gov queue and gov execute", function () {
    it("refuses to queue while Pending or Active, naming when voting starts or ends", async function () {
      const { proposalId, snapshot, deadline } = await load(proposedFixture);
      await expectRefused(
        "gov queue",
        { id: proposalId.toString(), json: true },
        `proposal ${proposalId} is Pending, not Succeeded: voting starts ${isoTime(snapshot + 1)} (in 1d 1s)`,
      );
      await time.increaseTo(snapshot + 1);
      await expectRefused(
        "gov queue",
        { id: "latest", json: true },
        `proposal ${proposalId} is Active, not Succeeded: voting ends ${isoTime(deadline + 1)} (in 7d)`,
      );
      await time.increaseTo(deadline - 60);
      await expectRefused(
        "gov queue",
        { id: "latest", json: true },
        `proposal ${proposalId} is Active, not Succeeded: voting ends ${isoTime(deadline + 1)} (in 1m 1s)`,
      );
    });

    it("refuses to queue a defeated proposal and an expired one", async function () {
      const { proposalId, deadline } = await load(activeFixture);
      await time.increaseTo(deadline + 1); // nobody voted: no quorum
      await expectRefused(
        "gov queue",
        { id: proposalId.toString(), json: true },
        `proposal ${proposalId} is Defeated, not Succeeded`,
      );
      const f = await load(succeededFixture);
      await time.increaseTo(f.deadline + QUEUE_PERIOD + 1);
      expect(await f.governor.state(f.proposalId)).to.equal(STATE.Expired);
      await expectRefused(
        "gov queue",
        { id: f.proposalId.toString(), json: true },
        `proposal ${f.proposalId} is Expired, not Succeeded`,
      );
    });

    it("queues a succeeded proposal in the timelock, from any account, and prints when it is executable", async function () {
      const { governor, timelock, outsider, proposalId, targets, values, calldatas, description } =
        await load(succeededFixture);
      expect(await governor.state(proposalId)).to.equal(STATE.Succeeded);
      const { result, lines } = await runTask<{ id: string; eta: number; tx: TxReport }>("gov queue", {
        id: proposalId.toString(),
        from: outsider.address,
        json: false,
      });
      const queuedAt = await blockTime(result.tx.hash);
      const eta = queuedAt + TIMELOCK_DELAY;
      expect(result).to.deep.equal({ id: proposalId.toString(), eta, tx: result.tx });
      expect((await transaction(result.tx.hash)).from).to.equal(outsider.address);
      await expect(transaction(result.tx.hash)).to.emit(governor, "ProposalQueued").withArgs(proposalId, eta);
      expect(await governor.state(proposalId)).to.equal(STATE.Queued);
      expect(await governor.proposalEta(proposalId)).to.equal(BigInt(eta));
      const operation = operationIdOf(await governor.getAddress(), targets, values, calldatas, description);
      expect(await timelock.isOperationPending(operation)).to.equal(true);
      expect(await timelock.getTimestamp(operation)).to.equal(BigInt(eta));
      expect(lines).to.deep.equal([
        txLine(`queued ${proposalId}`, result.tx),
        `  executable from ${isoTime(eta)} (in 2d)`,
      ]);
    });

    it("refuses to execute a proposal that is not queued", async function () {
      const { proposalId } = await load(succeededFixture);
      await expectRefused(
        "gov execute",
        { id: proposalId.toString(), json: true },
        `proposal ${proposalId} is Succeeded, not Queued`,
      );
    });

    it("refuses to execute before the eta, naming the executable time", async function () {
      const { proposalId, eta } = await load(queuedFixture);
      await expectRefused(
        "gov execute",
        { id: proposalId.toString(), json: true },
        `proposal ${proposalId} is executable from ${isoTime(eta)} (in 2d)`,
      );
      await time.increaseTo(eta - 2); // the next block would be at eta - 1
      await expectRefused(
        "gov execute",
        { id: "latest", json: true },
        `proposal ${proposalId} is executable from ${isoTime(eta)} (in 2s)`,
      );
    });

    it("executes from the second before the eta (mined at the eta), changing the registry's delays", async function () {
      const f = await load(queuedFixture);
      const { governor, registry, timelock, outsider, proposalId, eta, targets, values, calldatas, description } = f;
      expect(await registry.withdrawalDelay()).to.equal(WITHDRAWAL_DELAY);
      await time.increaseTo(eta - 1);
      const { result, lines } = await runTask<{ id: string; tx: TxReport }>("gov execute", {
        id: proposalId.toString(),
        from: outsider.address,
        json: false,
      });
      expect(result).to.deep.equal({ id: proposalId.toString(), tx: result.tx });
      expect(await blockTime(result.tx.hash)).to.be.at.least(eta);
      const tx = await transaction(result.tx.hash);
      expect(tx.from).to.equal(outsider.address);
      await expect(tx).to.emit(governor, "ProposalExecuted").withArgs(proposalId);
      await expect(tx).to.emit(registry, "DelaysUpdated").withArgs(NEW_WITHDRAWAL_DELAY, SEVEN_DAYS);
      const operation = operationIdOf(await governor.getAddress(), targets, values, calldatas, description);
      await expect(tx).to.emit(timelock, "CallExecuted").withArgs(operation, 0, targets[0], 0, calldatas[0]);
      expect(await registry.withdrawalDelay()).to.equal(NEW_WITHDRAWAL_DELAY);
      expect(await registry.withdrawalDelay()).to.equal(1814400n);
      expect(await registry.commissionDelay()).to.equal(SEVEN_DAYS);
      expect(await governor.state(proposalId)).to.equal(STATE.Executed);
      expect(await timelock.isOperationDone(operation)).to.equal(true);
      expect(lines).to.deep.equal([txLine(`executed ${proposalId}`, result.tx)]);
      await expectRefused(
        "gov execute",
        { id: proposalId.toString(), json: true },
        `proposal ${proposalId} is Executed, not Queued`,
      );
      await expectRefused(
        "gov queue",
        { id: proposalId.toString(), json: true },
        `proposal ${proposalId} is Executed, not Succeeded`,
      );
    });

    it("refuses unknown proposals", async function () {
      await load(governanceTaskFixture);
      await expectRefused("gov queue", { id: "latest", json: true }, "there are no proposals yet");
      await expectRefused("gov execute", { id: "7", json: true }, "unknown proposal 7");
    });
  });

  describe("gov cancel", function () {
    const cannotCancel = (sender: string, council: string) =>
      `${sender} cannot cancel: only the guardian ${council} (the council), or the proposer while Pending`;

    it("lets the council cancel an active proposal", async function () {
      const { governor, council, proposalId } = await load(activeFixture);
      const { result, lines } = await runTask<{ id: string; tx: TxReport }>("gov cancel", {
        id: proposalId.toString(),
        from: council.address,
        json: false,
      });
      expect(result).to.deep.equal({ id: proposalId.toString(), tx: result.tx });
      expect((await transaction(result.tx.hash)).from).to.equal(council.address);
      await expect(transaction(result.tx.hash)).to.emit(governor, "ProposalCanceled").withArgs(proposalId);
      expect(await governor.state(proposalId)).to.equal(STATE.Canceled);
      expect(lines).to.deep.equal([txLine(`canceled ${proposalId}`, result.tx)]);
      await expectRefused(
        "gov cancel",
        { id: proposalId.toString(), from: council.address, json: true },
        `proposal ${proposalId} is Canceled: it cannot be canceled`,
      );
      await expectRefused(
        "gov vote",
        { id: proposalId.toString(), support: "for", from: council.address, json: true },
        `proposal ${proposalId} is Canceled, not Active`,
      );
    });

    it("refuses any other account, and the proposer once voting has started", async function () {
      const { council, outsider, proposer, investor, proposalId } = await load(activeFixture);
      for (const sender of [outsider, investor, proposer]) {
        await expectRefused(
          "gov cancel",
          { id: proposalId.toString(), from: sender.address, json: true },
          cannotCancel(sender.address, council.address),
        );
      }
    });

    it("lets the proposer cancel its own proposal while it is Pending, and no one else", async function () {
      const { governor, council, proposer, investor, proposalId } = await load(proposedFixture);
      await expectRefused(
        "gov cancel",
        { id: proposalId.toString(), from: investor.address, json: true },
        cannotCancel(investor.address, council.address),
      );
      const result = await task<{ id: string; tx: TxReport }>("gov cancel", {
        id: "latest",
        from: proposer.address,
        json: true,
      });
      expect((await transaction(result.tx.hash)).from).to.equal(proposer.address);
      await expect(transaction(result.tx.hash)).to.emit(governor, "ProposalCanceled").withArgs(proposalId);
      expect(await governor.state(proposalId)).to.equal(STATE.Canceled);
    });

    // BUG: as for gov vote, the proposer's right to cancel (Pending) is checked at the latest block, the cancel mined
    // in the next: with the latest block at the snapshot (the last Pending second) the task sends a cancel that
    // reverts with the raw "GovernorUnableToCancel(<id>, <proposer>)" instead of refusing in one line.
    it("refuses the proposer's cancel in the last Pending second, when it would land once voting started", async function () {
      const { council, proposer, proposalId, snapshot } = await load(proposedFixture);
      await time.increaseTo(snapshot);
      await expectRefused(
        "gov cancel",
        { id: proposalId.toString(), from: proposer.address, json: true },
        cannotCancel(proposer.address, council.address),
      );
    });

    it("lets the council cancel a queued proposal, cancelling its timelock operation", async function () {
      const { governor, timelock, council, proposalId, targets, values, calldatas, description } =
        await load(queuedFixture);
      const operation = operationIdOf(await governor.getAddress(), targets, values, calldatas, description);
      const result = await task<{ id: string; tx: TxReport }>("gov cancel", {
        id: proposalId.toString(),
        from: council.address,
        json: true,
      });
      await expect(transaction(result.tx.hash)).to.emit(timelock, "Cancelled").withArgs(operation);
      expect(await timelock.isOperation(operation)).to.equal(false);
      expect(await governor.state(proposalId)).to.equal(STATE.Canceled);
    });

    it("refuses to cancel an executed proposal", async function () {
      const { governor, council, proposalId, eta } = await load(queuedFixture);
      await time.increaseTo(eta);
      await (await governor["execute(uint256)"](proposalId)).wait();
      await expectRefused(
        "gov cancel",
        { id: proposalId.toString(), from: council.address, json: true },
        `proposal ${proposalId} is Executed: it cannot be canceled`,
      );
    });
  });

  describe("--dry-run of vote, queue, execute and cancel", function () {
    it("prints each transaction exactly (to, data, value) and sends nothing; refusals stay refusals", async function () {
      const f = await load(activeFixture);
      const { governor, proposer, council, proposalId } = f;
      const governorAddress = await governor.getAddress();
      const block = await hre.ethers.provider.getBlockNumber();
      const vote = await runTask<DryRunResult>("gov vote", {
        id: "latest",
        support: "for",
        reason: "longer is safer",
        from: proposer.address,
        bySignature: false,
        dryRun: true,
        json: false,
      });
      const voteData = governor.interface.encodeFunctionData("castVoteWithReason", [proposalId, 1, "longer is safer"]);
      expect(vote.result).to.deep.include({ dryRun: true, from: proposer.address, to: governorAddress, value: 0n });
      expect(vote.result.data).to.equal(voteData);
      expect(vote.lines).to.deep.equal([
        `dry run of ${proposer.address}'s vote for on ${proposalId} with 2,000,000,000 ALT: nothing sent`,
        `  from  ${proposer.address}`,
        `  to    ${governorAddress} (AltGovernor)`,
        "  value 0",
        `  data  ${voteData}`,
      ]);
      const cancel = await task<DryRunResult>("gov cancel", {
        id: proposalId.toString(),
        from: council.address,
        dryRun: true,
        json: true,
      });
      expect(cancel).to.deep.equal({
        id: proposalId.toString(),
        dryRun: true,
        from: council.address,
        to: governorAddress,
        value: 0n,
        data: governor.interface.encodeFunctionData("cancel(uint256)", [proposalId]),
      });
      // the state checks come first: queueing an active proposal is refused, dry run or not
      await expectTaskFailure(
        "gov queue",
        { id: "latest", dryRun: true, json: true },
        /^proposal \d+ is Active, not Succeeded: voting ends /,
      );
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
      expect(await governor.hasVoted(proposalId, proposer.address)).to.equal(false);
      expect(await governor.state(proposalId)).to.equal(STATE.Active);
    });

    it("shows the queue and the execution (with the actions' value) of a proposal at its time", async function () {
      const f = await load(queuedFixture);
      const { governor, proposalId } = f;
      const governorAddress = await governor.getAddress();
      await time.increaseTo(f.eta - 1);
      const execute = await task<DryRunResult>("gov execute", { id: "latest", dryRun: true, json: true });
      expect(execute).to.deep.equal({
        id: proposalId.toString(),
        dryRun: true,
        from: f.deployer.address,
        to: governorAddress,
        value: 0n,
        data: governor.interface.encodeFunctionData("execute(uint256)", [proposalId]),
      });
      expect(await governor.state(proposalId)).to.equal(STATE.Queued);
    });
  });

  describe("gov status and gov list", function () {
    /** What gov status reports, built from what the test knows. */
    function expectedView(
      f: Awaited<ReturnType<typeof proposedFixture>>,
      state: keyof typeof STATE,
      votes: { for: bigint; against: bigint; abstain: bigint },
      eta = 0,
    ): ProposalView {
      return {
        id: f.proposalId.toString(),
        state,
        proposer: f.proposer.address,
        description: f.description,
        snapshot: f.snapshot,
        deadline: f.deadline,
        eta,
        votes,
        quorum: QUORUM,
        quorumReached: votes.for + votes.abstain >= QUORUM,
        actions: [
          {
            target: f.targets[0],
            value: 0n,
            calldata: f.calldatas[0],
            call: "RestakingRegistry.setDelays(21d, 7d)",
          },
        ],
      };
    }
    const NO_VOTES = { for: 0n, against: 0n, abstain: 0n };

    it("shows a pending proposal with today's quorum, as JSON and as text", async function () {
      const f = await load(proposedFixture);
      const { result, lines } = await runTask<ProposalView>("gov status", { id: "latest", json: true });
      const expected = expectedView(f, "Pending", NO_VOTES);
      expect(result).to.deep.equal(expected);
      expect(JSON.parse(lines.join("\n"))).to.deep.equal(asJson(expected));
      expect(JSON.parse(lines.join("\n")).quorum).to.equal("314000000000000000000000000");
      const text = await runTask<ProposalView>("gov status", { id: f.proposalId.toString(), json: false });
      expect(text.lines).to.deep.equal([
        `proposal ${f.proposalId}: Pending`,
        "  Restaking: lengthen the withdrawal delay to 21 days",
        `  proposer ${f.proposer.address}`,
        `  voting   ${isoTime(f.snapshot + 1)} (in 1d 1s) to ${isoTime(f.deadline)} (in 8d)`,
        "  votes    for 0 ALT, against 0 ALT, abstain 0 ALT",
        "  quorum   314,000,000 ALT (not reached)",
        "  eta      not queued",
        "  1. RestakingRegistry.setDelays(21d, 7d)",
      ]);
      expect(f.calldatas[0].slice(0, 10)).to.equal(f.registry.interface.getFunction("setDelays")!.selector);
    });

    it("shows the votes and the quorum at the snapshot of an active proposal", async function () {
      const f = await load(activeFixture);
      const { governor, investor, advisor } = f;
      await (await governor.connect(investor).castVote(f.proposalId, 0)).wait();
      let view = await task<ProposalView>("gov status", { id: "latest", json: true });
      expect(view).to.deep.equal(expectedView(f, "Active", { for: 0n, against: VOTES.investors, abstain: 0n }));
      expect(view.quorumReached).to.equal(false);
      await (await governor.connect(advisor).castVote(f.proposalId, 2)).wait();
      view = await task<ProposalView>("gov status", { id: "latest", json: true });
      const votes = { for: 0n, against: VOTES.investors, abstain: VOTES.advisors };
      expect(view).to.deep.equal(expectedView(f, "Active", votes));
      expect(view.quorumReached).to.equal(true); // abstentions count toward the quorum
      expect(await governor.quorum(f.snapshot)).to.equal(QUORUM);
      const now = f.snapshot + 1 + 3_600;
      await time.increaseTo(now);
      const { lines } = await runTask("gov status", { id: "latest", json: false });
      // the deadline is 6d 22h 59m 59s away: two units shown
      expect(lines.slice(3, 6)).to.deep.equal([
        `  voting   ${isoTime(f.snapshot + 1)} (1h ago) to ${isoTime(f.deadline)} (in 6d 22h)`,
        "  votes    for 0 ALT, against 1,850,000,000 ALT, abstain 500,000,000 ALT",
        "  quorum   314,000,000 ALT (reached)",
      ]);
    });

    it("shows the eta of a queued proposal, then Executed", async function () {
      const f = await load(queuedFixture);
      const votes = { for: VOTES.protocolDevelopment, against: 0n, abstain: 0n };
      const view = await task<ProposalView>("gov status", { id: f.proposalId.toString(), json: true });
      expect(view).to.deep.equal(expectedView(f, "Queued", votes, f.eta));
      const { lines } = await runTask("gov status", { id: "latest", json: false });
      expect(lines[6]).to.equal(`  eta      ${isoTime(f.eta)} (in 2d)`);
      await time.increaseTo(f.eta);
      await (await f.governor["execute(uint256)"](f.proposalId)).wait();
      const executed = await task<ProposalView>("gov status", { id: "latest", json: true });
      expect(executed).to.deep.equal(expectedView(f, "Executed", votes, f.eta));
    });

    it("decodes each action: names of book addresses, ALT amounts, durations, basis points; else the selector", async function () {
      const { book, registry, governor, proposer } = await load(governanceTaskFixture);
      const registryAddress = await registry.getAddress();
      const outside = await hre.upgrades.erc1967.getImplementationAddress(registryAddress);
      const mach = book["Services#MachService"];
      const file = proposalFile({
        description: "Five kinds of arguments",
        actions: [
          {
            contract: "Governance#AltGovernor",
            function: "setProposalThreshold",
            args: [(5_000_000n * ALT).toString()],
          },
          { contract: "Governance#AltGovernor", function: "setVotingPeriod", args: [days(10)] },
          { contract: "Restaking#SlashingManager", function: "setSlasher", args: [mach, 500, days(1) + 3_661] },
          { contract: "Genesis#AltToken", function: "transfer", args: [SLASHER, ((3n * ALT) / 2n).toString()] },
          { contract: outside, artifact: "RestakingRegistry", ...OWNER_CALL },
        ],
      });
      // the timelock holds no ALT of its own (the treasury is a vesting position): action 4 fails, --force proposes
      const { result, lines } = await runTask<ProposeResult>("gov propose", {
        file,
        from: proposer.address,
        force: true,
        json: false,
      });
      const timelockAddress = book["Timelock#TimelockController"];
      expect(lines[0]).to.equal(
        "warning: the proposal fails at execute, action 4 (AltToken.transfer): " +
          `ERC20InsufficientBalance(${timelockAddress}, 0, 1500000000000000000) (simulated); proposing anyway (--force)`,
      );
      const decoded = [
        "AltGovernor.setProposalThreshold(5,000,000 ALT)",
        "AltGovernor.setVotingPeriod(10d)",
        `SlashingManager.setSlasher(${mach} (MachService), 500 bps (5 %), 1d 1h 1m 1s)`,
        `AltToken.transfer(${SLASHER}, 1.5 ALT)`,
        `${outside} 0xf2fde38b`,
      ];
      expect(lines.slice(2, 7)).to.deep.equal(decoded.map((d, i) => `  ${i + 1}. ${d}`));
      const status = await runTask<ProposalView>("gov status", { id: result.id, json: false });
      expect(status.lines.slice(7)).to.deep.equal(decoded.map((d, i) => `  ${i + 1}. ${d}`));
      expect(status.result.actions.map((a) => a.call)).to.deep.equal(decoded);
      expect(status.result.actions[4].calldata.slice(0, 10)).to.equal(
        registry.interface.getFunction("transferOwnership")!.selector,
      );
      expect(await governor.proposalCount()).to.equal(1n);
    });

    it("refuses an unknown proposal, and latest before any proposal", async function () {
      await load(governanceTaskFixture);
      await expectRefused("gov status", { id: "latest", json: true }, "there are no proposals yet");
      await expectRefused("gov status", { id: "1", json: true }, "unknown proposal 1");
    });

    // BUG: docs/operations.md ("`--id` is a proposal id (decimal or `0x…`) or `latest`") and the comment of
    // proposalId() in tasks/governance.ts promise the 0x form, but parseWhole accepts decimal digits only: the 0x form
    // of an id is refused with "--id must be a whole number, not 0x…" by every gov:* task that takes --id.
    it("accepts the 0x form of a proposal id, as proposalId() documents", async function () {
      const f = await load(proposedFixture);
      const view = await task<ProposalView>("gov status", { id: toBeHex(f.proposalId), json: true });
      expect(view.id).to.equal(f.proposalId.toString());
    });

    it("lists nothing before the first proposal", async function () {
      await load(governanceTaskFixture);
      const { result, lines } = await runTask<ProposalView[]>("gov list", { json: false });
      expect(result).to.deep.equal([]);
      expect(lines).to.deep.equal(["no proposals"]);
    });

    it("lists every proposal in creation order with its state, as JSON and as text", async function () {
      const f = await load(queuedFixture);
      const { governor, slashingManager, investor, ecosystem, council } = f;
      const slasher = await task<ProposeResult>("gov propose", {
        file: SLASHER_FILE,
        from: investor.address,
        json: true,
      });
      const slasherAt = await blockTime(slasher.tx.hash);
      const canceled = await task<ProposeResult>("gov propose", {
        file: oneAction({ contract: "Restaking#RestakingRegistry", ...OWNER_CALL }),
        from: ecosystem.address,
        json: true,
      });
      const canceledAt = await blockTime(canceled.tx.hash);
      await task("gov cancel", { id: canceled.id, from: council.address, json: true });
      const { result, lines } = await runTask<ProposalView[]>("gov list", { json: true });
      const slasherCall = slashingManager.interface.encodeFunctionData("setSlasher", [SLASHER, 1000, SEVEN_DAYS]);
      const ownerCall = f.registry.interface.encodeFunctionData("transferOwnership", [NEW_OWNER]);
      const expected: ProposalView[] = [
        expectedView(f, "Queued", { for: VOTES.protocolDevelopment, against: 0n, abstain: 0n }, f.eta),
        {
          id: slasher.id,
          state: "Pending",
          proposer: investor.address,
          description: `${descriptionOf(SLASHER_FILE)}#proposer=${investor.address}`,
          snapshot: slasherAt + VOTING_DELAY,
          deadline: slasherAt + VOTING_DELAY + VOTING_PERIOD,
          eta: 0,
          votes: NO_VOTES,
          quorum: QUORUM,
          quorumReached: false,
          actions: [
            {
              target: await slashingManager.getAddress(),
              value: 0n,
              calldata: slasherCall,
              call: `SlashingManager.setSlasher(${SLASHER}, 1000 bps (10 %), 7d)`,
            },
          ],
        },
        {
          id: canceled.id,
          state: "Canceled",
          proposer: ecosystem.address,
          description: `One action#proposer=${ecosystem.address}`,
          snapshot: canceledAt + VOTING_DELAY,
          deadline: canceledAt + VOTING_DELAY + VOTING_PERIOD,
          eta: 0,
          votes: NO_VOTES,
          quorum: QUORUM,
          quorumReached: false,
          actions: [
            {
              target: f.targets[0],
              value: 0n,
              calldata: ownerCall,
              call: `RestakingRegistry.transferOwnership(${NEW_OWNER})`,
            },
          ],
        },
      ];
      expect(result).to.deep.equal(expected);
      expect(JSON.parse(lines.join("\n"))).to.deep.equal(asJson(expected));
      expect(await governor.proposalCount()).to.equal(3n);
      const text = await runTask("gov list", { json: false });
      const now = (await hre.ethers.provider.getBlock("latest"))!.timestamp;
      const when = (t: number) => `${isoTime(t)} (${relativeTime(t, now)})`;
      expect(relativeTime(f.eta, now)).to.match(/^in 1d 23h$/); // two units, a few seconds less than 2 days
      expect(text.lines).to.deep.equal([
        `${f.proposalId} Queued: Restaking: lengthen the withdrawal delay to 21 days`,
        `  executable from ${when(f.eta)}`,
        "  1. RestakingRegistry.setDelays(21d, 7d)",
        `${slasher.id} Pending: Slashing: register a slasher`,
        `  voting starts ${when(slasherAt + VOTING_DELAY + 1)}`,
        `  1. SlashingManager.setSlasher(${SLASHER}, 1000 bps (10 %), 7d)`,
        `${canceled.id} Canceled: One action`,
        `  1. RestakingRegistry.transferOwnership(${NEW_OWNER})`,
      ]);
    });
  });

  describe("gov export-safe", function () {
    /** The Transaction Builder's checksum (safe-react-apps tx-builder lib/checksum.ts), written out independently. */
    function builderChecksum(batch: SafeBatch): string {
      const serialise = (value: unknown): string => {
        if (Array.isArray(value)) return `[${value.map(serialise).join(",")}]`;
        if (value !== null && typeof value === "object") {
          const keys = Object.keys(value).sort();
          return `{${JSON.stringify(keys)}${keys.map((k) => serialise((value as never)[k]) + ",").join("")}}`;
        }
        return JSON.stringify(value === undefined ? null : value);
      };
      const meta: Record<string, unknown> = { ...batch.meta, name: null };
      delete meta.checksum;
      return keccak256(toUtf8Bytes(serialise({ ...batch, meta })));
    }

    it("writes the council's actions as a Transaction Builder batch; the council sends them as written", async function () {
      const f = await load(proposedFixture);
      const { governor, council, proposalId } = f;
      const governorAddress = await governor.getAddress();
      const file = proposalFile({
        description: "Council: cancel the withdrawal-delay proposal\n\nWhy.",
        actions: [{ contract: "Governance#AltGovernor", function: "cancel(uint256)", args: [proposalId.toString()] }],
      });
      const out = files.path("council-batch.json");
      const startedAt = Date.now();
      const { result, lines } = await runTask<SafeBatch>("gov export-safe", {
        proposal: file,
        out,
        safe: council.address,
        json: false,
      });
      const written = JSON.parse(readFileSync(out, "utf8")) as SafeBatch;
      expect(written).to.deep.equal(result);
      expect(written.createdAt).to.be.within(startedAt, Date.now());
      const data = governor.interface.encodeFunctionData("cancel(uint256)", [proposalId]);
      expect(written).to.deep.equal({
        version: "1.0",
        chainId: "31337",
        createdAt: written.createdAt,
        meta: {
          name: "Council: cancel the withdrawal-delay proposal",
          description: "Council: cancel the withdrawal-delay proposal\n\nWhy.",
          txBuilderVersion: "1.18.0",
          createdFromSafeAddress: council.address,
          checksum: builderChecksum(written),
        },
        transactions: [
          {
            to: governorAddress,
            value: "0",
            data,
            contractMethod: {
              inputs: [{ internalType: "uint256", name: "proposalId", type: "uint256" }],
              name: "cancel",
              payable: false,
            },
            contractInputsValues: { proposalId: proposalId.toString() },
          },
        ],
      });
      expect(lines).to.deep.equal([
        `wrote 1 transaction(s) for Safe ${council.address} on chain 31337 to ${out}`,
        `  1. AltGovernor.cancel(${proposalId})`,
      ]);
      const [tx] = written.transactions;
      await (await council.sendTransaction({ to: tx.to, data: tx.data, value: BigInt(tx.value) })).wait();
      expect(await governor.state(proposalId)).to.equal(STATE.Canceled);
    });

    it("--propose: one transaction by which the Safe proposes the actions, bound to the Safe as proposer", async function () {
      const f = await load(governanceTaskFixture);
      const { governor, slashingManager, investor } = f;
      const out = files.path("propose-batch.json");
      const batch = await task<SafeBatch>("gov export-safe", {
        proposal: SLASHER_FILE,
        out,
        safe: investor.address, // the Safe: a delegate with votes
        propose: true,
        json: true,
      });
      const manager = await slashingManager.getAddress();
      const call = slashingManager.interface.encodeFunctionData("setSlasher", [SLASHER, 1000, SEVEN_DAYS]);
      const description = `${descriptionOf(SLASHER_FILE)}#proposer=${investor.address}`;
      const data = governor.interface.encodeFunctionData("propose", [[manager], [0n], [call], description]);
      expect(batch.meta.description).to.equal(description);
      expect(batch.transactions).to.deep.equal([
        {
          to: await governor.getAddress(),
          value: "0",
          data,
          contractMethod: {
            inputs: [
              { internalType: "address[]", name: "targets", type: "address[]" },
              { internalType: "uint256[]", name: "values", type: "uint256[]" },
              { internalType: "bytes[]", name: "calldatas", type: "bytes[]" },
              { internalType: "string", name: "description", type: "string" },
            ],
            name: "propose",
            payable: false,
          },
          contractInputsValues: {
            targets: JSON.stringify([manager]),
            values: '["0"]',
            calldatas: JSON.stringify([call]),
            description,
          },
        },
      ]);
      await (await investor.sendTransaction({ to: batch.transactions[0].to, data })).wait();
      const id = proposalIdOf([manager], [0n], [call], description);
      expect(await governor.proposalProposer(id)).to.equal(investor.address);
    });

    it("refuses a file with implementations, --propose without --safe, a bad --safe and a missing folder, writing nothing", async function () {
      await load(governanceTaskFixture);
      const out = files.path("never-written.json");
      await expectRefused(
        "gov export-safe",
        { proposal: UPGRADE_FILE, out, json: true },
        `proposal file ${UPGRADE_FILE} has implementations: a Safe batch cannot deploy them (gov propose does); ` +
          "deploy them and write their addresses in the actions",
      );
      await expectRefused(
        "gov export-safe",
        { proposal: SLASHER_FILE, out, propose: true, json: true },
        "--propose needs --safe: the Safe is the proposer",
      );
      await expectRefused(
        "gov export-safe",
        { proposal: SLASHER_FILE, out, safe: "0x1234", json: true },
        "--safe is not a valid address: 0x1234",
      );
      expect(existsSync(out)).to.equal(false);
      const missing = path.join(path.dirname(out), "no-such-folder", "batch.json");
      await expectRefused(
        "gov export-safe",
        { proposal: SLASHER_FILE, out: missing, json: true },
        `cannot write ${missing}: no such directory ${path.dirname(missing)}`,
      );
    });
  });

  describe("gov simulate", function () {
    /** What a simulation must leave unchanged: the chain's height, the sender's nonce, the proposals. */
    async function chainState(f: Awaited<ReturnType<typeof governanceTaskFixture>>) {
      return {
        block: await hre.ethers.provider.getBlockNumber(),
        time: (await hre.ethers.provider.getBlock("latest"))!.timestamp,
        nonce: await hre.ethers.provider.getTransactionCount(f.proposer.address),
        proposals: await f.governor.proposalCount(),
        withdrawalDelay: await f.registry.withdrawalDelay(),
        implementation: await implementationOf(await f.registry.getAddress()),
        slashers: [...(await f.slashingManager.slashers())],
      };
    }

    /** The report's checks every example shares: proposer, voters, the five stages and their times. */
    function expectStages(
      report: SimulationReport,
      f: Awaited<ReturnType<typeof governanceTaskFixture>>,
      description: string,
      targets: string[],
      calldatas: string[],
      startedAt: number,
    ) {
      const { proposer } = f;
      const fullDescription = `${description}#proposer=${proposer.address}`;
      const proposalId = proposalIdOf(targets, [0n], calldatas, fullDescription);
      expect(report.id).to.equal(proposalId.toString());
      expect(report.deployed).to.equal(false);
      expect(report.failure).to.equal(undefined);
      expect(report.proposer).to.equal(proposer.address); // the largest delegate
      expect(report.voters).to.deep.equal([{ voter: proposer.address, weight: VOTES.protocolDevelopment }]);
      expect(report.stages.map((s) => s.state)).to.deep.equal(["Pending", "Active", "Succeeded", "Queued", "Executed"]);
      const [pending, active, succeeded, queued, executed] = report.stages;
      expect(pending.detail).to.equal(`proposed by ${proposer.address}`);
      expect(pending.time).to.be.greaterThan(startedAt);
      const snapshot = pending.time + VOTING_DELAY;
      expect(active).to.deep.equal({
        state: "Active",
        time: active.time,
        detail: "1 delegates voted for with 2,000,000,000 ALT (quorum 314,000,000 ALT)",
      });
      expect(active.time).to.be.greaterThan(snapshot);
      expect(succeeded).to.deep.equal({
        state: "Succeeded",
        time: snapshot + VOTING_PERIOD + 1,
        detail: "voting closed",
      });
      const eta = queued.time + TIMELOCK_DELAY;
      expect(queued.detail).to.equal(`executable from the timelock's eta ${eta}`);
      expect(executed.detail).to.equal("1 action(s) executed by the timelock");
      expect(executed.time).to.be.greaterThan(eta);
      const operation = operationIdOf(f.book["Governance#AltGovernor"], targets, [0n], calldatas, fullDescription);
      return { proposalId, operation };
    }

    it("takes withdrawal-delay.json through every stage, reports what changed, and reverts it all", async function () {
      const f = await load(governanceTaskFixture);
      const { registry } = f;
      const before = await chainState(f);
      const registryAddress = await registry.getAddress();
      const calldata = registry.interface.encodeFunctionData("setDelays", [NEW_WITHDRAWAL_DELAY, SEVEN_DAYS]);
      const { result: report, lines } = await runTask<SimulationReport>("gov simulate", {
        file: WITHDRAWAL_DELAY_FILE,
        json: false,
      });
      const description = descriptionOf(WITHDRAWAL_DELAY_FILE);
      const { proposalId, operation } = expectStages(
        report,
        f,
        description,
        [registryAddress],
        [calldata],
        before.time,
      );
      expect(report.events).to.deep.equal([
        "RestakingRegistry.DelaysUpdated(withdrawalDelay=1814400, commissionDelay=604800)",
        `TimelockController.CallExecuted(id=${operation}, index=0, target=${registryAddress}, value=0, data=${calldata})`,
        `AltGovernor.ProposalExecuted(proposalId=${proposalId})`,
      ]);
      expect(report.changes).to.deep.equal([
        { contract: "RestakingRegistry", field: "withdrawalDelay", before: "1209600", after: "1814400" },
      ]);
      // evm_revert: the chain is where it was (height, nonce, proposals, the registry's delay)
      expect(await chainState(f)).to.deep.equal(before);
      expect(await registry.withdrawalDelay()).to.equal(WITHDRAWAL_DELAY);
      expect(await f.governor.proposalSnapshot(proposalId)).to.equal(0n);
      expect(lines).to.deep.equal([
        `simulated proposal ${proposalId} (existing deployment)`,
        "  Restaking: lengthen the withdrawal delay to 21 days",
        ...report.stages.map((s) => `  ${s.state.padEnd(9)} ${isoTime(s.time)} ${s.detail}`),
        "  events of the execution:",
        ...report.events.map((e) => `    ${e}`),
        "  state changes:",
        "    RestakingRegistry.withdrawalDelay: 1209600 -> 1814400",
        "  (simulated under a snapshot: the chain is back where it was)",
      ]);
      // the same file simulates again: nothing of the first run is left
      const again = await task<SimulationReport>("gov simulate", { file: WITHDRAWAL_DELAY_FILE, json: true });
      expect(again.id).to.equal(report.id);
    });

    it("takes register-slasher.json through every stage and reports the slasher set", async function () {
      const f = await load(governanceTaskFixture);
      const { slashingManager } = f;
      const before = await chainState(f);
      const manager = await slashingManager.getAddress();
      const calldata = slashingManager.interface.encodeFunctionData("setSlasher", [SLASHER, 1000, SEVEN_DAYS]);
      // the deployment registered the three services as slashers (10-day evidence age, hardhat.json)
      const services = ["Services#MachService", "Services#VitalService", "Services#SquadService"].map((k) => f.book[k]);
      expect(before.slashers).to.have.members(services);
      expect(before.slashers).to.have.lengthOf(3);
      const report = await task<SimulationReport>("gov simulate", { file: SLASHER_FILE, json: true });
      const { proposalId, operation } = expectStages(
        report,
        f,
        descriptionOf(SLASHER_FILE),
        [manager],
        [calldata],
        before.time,
      );
      expect(report.events).to.deep.equal([
        `SlashingManager.SlasherSet(slasher=${SLASHER}, maxBps=1000, maxEvidenceAge=604800)`,
        `TimelockController.CallExecuted(id=${operation}, index=0, target=${manager}, value=0, data=${calldata})`,
        `AltGovernor.ProposalExecuted(proposalId=${proposalId})`,
      ]);
      // the slasher list as the report prints an address[] (comma-joined); minWithdrawalDelay is unchanged
      expect(report.changes).to.deep.equal([
        {
          contract: "SlashingManager",
          field: "slashers",
          before: before.slashers.join(","),
          after: [...before.slashers, SLASHER].join(","),
        },
      ]);
      expect(await chainState(f)).to.deep.equal(before);
      expect((await slashingManager.slasher(SLASHER)).registered).to.equal(false);
    });

    it("takes upgrade-registry.json through every stage: the registry would run the new implementation", async function () {
      const f = await load(governanceTaskFixture);
      const { registry } = f;
      const before = await chainState(f);
      const registryAddress = await registry.getAddress();
      const report = await task<SimulationReport>("gov simulate", { file: UPGRADE_FILE, json: true });
      const upgraded = /^RestakingRegistry\.Upgraded\(implementation=(0x[0-9a-fA-F]{40})\)$/.exec(report.events[0]);
      expect(upgraded, report.events[0]).to.not.equal(null);
      const implementation = upgraded![1];
      expect(implementation).to.not.equal(before.implementation);
      const calldata = registry.interface.encodeFunctionData("upgradeToAndCall", [implementation, "0x"]);
      const { proposalId, operation } = expectStages(
        report,
        f,
        descriptionOf(UPGRADE_FILE),
        [registryAddress],
        [calldata],
        before.time,
      );
      expect(report.events).to.deep.equal([
        `RestakingRegistry.Upgraded(implementation=${implementation})`,
        `TimelockController.CallExecuted(id=${operation}, index=0, target=${registryAddress}, value=0, data=${calldata})`,
        `AltGovernor.ProposalExecuted(proposalId=${proposalId})`,
      ]);
      expect(report.changes).to.deep.equal([
        {
          contract: "RestakingRegistry",
          field: "ERC-1967 implementation",
          before: before.implementation,
          after: implementation,
        },
      ]);
      // reverted: the proxy runs the old implementation, and the simulated one was never deployed
      expect(await chainState(f)).to.deep.equal(before);
      expect(await hre.ethers.provider.getCode(implementation)).to.equal("0x");
    });

    it("refuses a proposal whose execution fails, naming the stage, the action and the error, and reverts", async function () {
      const f = await load(governanceTaskFixture);
      const before = await chainState(f);
      const file = proposalFile({
        description: "Two delay changes",
        actions: [
          { contract: "Restaking#RestakingRegistry", function: "setDelays", args: [1814400, 604800] },
          { contract: "Restaking#RestakingRegistry", function: "setDelays", args: [1, 604800] },
        ],
      });
      // the first action passes; the second is below the slashing manager's minimum (2d veto + 10d evidence)
      await expectRefused(
        "gov simulate",
        { file, json: true },
        "the proposal fails at execute, action 2 (RestakingRegistry.setDelays): RegistryDelayTooShort(1, 1036800)",
      );
      expect(await chainState(f)).to.deep.equal(before);
    });

    it("refuses a missing proposal file before anything is sent", async function () {
      await load(governanceTaskFixture);
      const missing = files.path("nothing.json");
      await expectRefused("gov simulate", { file: missing, json: true }, `proposal file not found: ${missing}`);
    });

    it("refuses a file the largest delegate has already proposed, in one line", async function () {
      const { proposalId } = await load(proposedFixture);
      await expectRefused(
        "gov simulate",
        { file: WITHDRAWAL_DELAY_FILE, json: true },
        `this proposal already exists: ${proposalId}`,
      );
    });

    describe("which chains it runs on", function () {
      /** A runtime environment whose node answers web3_clientVersion with `client` (chain 11155111). */
      const stubbed = (name: string, client: string) =>
        ({
          network: {
            name,
            provider: { send: async (method: string) => (method === "web3_clientVersion" ? client : "0xaa36a7") },
          },
        }) as unknown as typeof hre;

      it("runs on a Hardhat node or fork (web3_clientVersion HardhatNetwork/…), which the in-process network is too", async function () {
        expect(await clientVersion(hre)).to.match(/^HardhatNetwork\//);
        await requireSimulable(
          stubbed("localhost", "HardhatNetwork/2.29.0/@nomicfoundation/edr/0.12.0"),
          "gov simulate",
        );
      });

      it("refuses a real network in one line that says how to simulate it on a fork", async function () {
        await expectRejected(
          requireSimulable(stubbed("sepolia", "Geth/v1.14.11-stable/linux-amd64/go1.23.2"), "gov simulate"),
          "gov simulate impersonates delegates and moves time: it runs on a Hardhat network, not sepolia " +
            "(Geth/v1.14.11-stable/linux-amd64/go1.23.2); simulate on a fork: HARDHAT_VAR_HARDHAT_CHAIN_ID=11155111 " +
            "npx hardhat node --fork <RPC URL of sepolia>, then --network localhost",
        );
      });
    });

    describe("in a fresh process", function () {
      let simulation: Promise<CliRun>;
      let realNetwork: Promise<CliRun>;
      let rpc: Server;
      const calls: string[] = [];

      before(async function () {
        if (coverageRunning()) this.skip(); // a subprocess would recompile the shared artifacts
        // a JSON-RPC endpoint that answers as a Geth node of Sepolia would
        rpc = createServer((request, response) => {
          let body = "";
          request.on("data", (chunk) => (body += chunk));
          request.on("end", () => {
            const { id: requestId, method } = JSON.parse(body);
            calls.push(method);
            const results: Record<string, string> = {
              web3_clientVersion: "Geth/v1.14.11-stable/linux-amd64/go1.23.2",
              eth_chainId: "0xaa36a7",
              net_version: "11155111",
            };
            const reply =
              method in results
                ? { jsonrpc: "2.0", id: requestId, result: results[method] }
                : { jsonrpc: "2.0", id: requestId, error: { code: -32601, message: `no ${method} here` } };
            response.setHeader("content-type", "application/json");
            response.end(JSON.stringify(reply));
          });
        });
        await new Promise<void>((resolve) => rpc.listen(0, "127.0.0.1", resolve));
        const url = `http://127.0.0.1:${(rpc.address() as AddressInfo).port}`;
        // both processes run at once: most of their time is Hardhat starting
        simulation = hardhatCli(["gov simulate", "--file", UPGRADE_FILE, "--json"], { timeout: 180_000 });
        realNetwork = hardhatCli(["gov simulate", "--file", WITHDRAWAL_DELAY_FILE, "--network", "sepolia"], {
          env: terminalEnv({ HARDHAT_VAR_SEPOLIA_RPC_URL: url }),
          timeout: 180_000,
        });
        simulation.catch(() => undefined);
        realNetwork.catch(() => undefined);
      });

      after(function () {
        rpc?.close();
      });

      it("deploys from the parameters first when nothing is deployed, then simulates", async function () {
        const { code, stdout, stderr } = await simulation;
        expect(code, stderr).to.equal(0);
        const report = JSON.parse(stdout.slice(stdout.indexOf("{"))) as SimulationReport;
        const proposer = (await hre.ethers.getSigners())[2].address;
        expect(report.deployed).to.equal(true);
        expect(report.proposer).to.equal(proposer);
        expect(report.voters).to.deep.equal([{ voter: proposer, weight: VOTES.protocolDevelopment.toString() }]);
        expect(report.stages.map((s) => s.state)).to.deep.equal([
          "Pending",
          "Active",
          "Succeeded",
          "Queued",
          "Executed",
        ]);
        const [pending, active, succeeded, queued, executed] = report.stages;
        expect(pending.detail).to.equal(`proposed by ${proposer}`);
        expect(active.detail).to.equal("1 delegates voted for with 2,000,000,000 ALT (quorum 314,000,000 ALT)");
        expect(succeeded.time).to.equal(pending.time + VOTING_DELAY + VOTING_PERIOD + 1);
        expect(queued.detail).to.equal(`executable from the timelock's eta ${queued.time + TIMELOCK_DELAY}`);
        expect(executed.time).to.be.greaterThan(queued.time + TIMELOCK_DELAY);
        const [upgradedEvent, callExecuted, proposalExecuted] = report.events;
        const upgraded = /^RestakingRegistry\.Upgraded\(implementation=(0x[0-9a-fA-F]{40})\)$/.exec(upgradedEvent);
        expect(upgraded, upgradedEvent).to.not.equal(null);
        const implementation = upgraded![1];
        const call =
          /^TimelockController\.CallExecuted\(id=0x[0-9a-f]{64}, index=0, target=(0x[0-9a-fA-F]{40}), value=0, data=(0x[0-9a-f]+)\)$/.exec(
            callExecuted,
          );
        expect(call, callExecuted).to.not.equal(null);
        const registry = call![1];
        const calldata = new Interface(["function upgradeToAndCall(address,bytes)"]).encodeFunctionData(
          "upgradeToAndCall",
          [implementation, "0x"],
        );
        expect(call![2]).to.equal(calldata);
        const description = `${descriptionOf(UPGRADE_FILE)}#proposer=${proposer}`;
        const proposalId = proposalIdOf([registry], [0n], [calldata], description);
        expect(report.id).to.equal(proposalId.toString());
        expect(proposalExecuted).to.equal(`AltGovernor.ProposalExecuted(proposalId=${proposalId})`);
        expect(report.events).to.have.lengthOf(3);
        expect(report.changes).to.have.lengthOf(1);
        expect(report.changes[0]).to.deep.include({
          contract: "RestakingRegistry",
          field: "ERC-1967 implementation",
          after: implementation,
        });
        expect(report.changes[0].before).to.match(/^0x[0-9a-fA-F]{40}$/);
        expect(report.changes[0].before).to.not.equal(implementation);
      });

      it("refuses a real network (a Geth node of Sepolia) in one line, before reading anything else", async function () {
        const { code, stdout, stderr } = await realNetwork;
        expect(code).to.equal(1);
        expect(`${stdout}\n${stderr}`.trim()).to.equal(
          "Error in plugin alt-protocol: gov simulate impersonates delegates and moves time: it runs on a Hardhat " +
            "network, not sepolia (Geth/v1.14.11-stable/linux-amd64/go1.23.2); simulate on a fork: " +
            "HARDHAT_VAR_HARDHAT_CHAIN_ID=11155111 npx hardhat node --fork <RPC URL of sepolia>, then --network localhost",
        );
        expect(calls).to.include("web3_clientVersion");
        expect(calls.filter((m) => !["web3_clientVersion", "eth_chainId", "net_version"].includes(m))).to.deep.equal(
          [],
        );
      });
    });
  });
});
