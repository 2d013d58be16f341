// Governance tasks: delegate, propose from a JSON file of actions, vote (also by signature), queue, execute, cancel,
// status, list, and a dry run on the in-process network that impersonates delegates.
import { task } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Signer } from "ethers";
import {
  confirm,
  fail,
  formatAlt,
  formatTime,
  output,
  relativeTime,
  signerFor,
  txLine,
  type TxReport,
} from "./lib/cli";
import { altToken, delegateVotes } from "./lib/genesis";
import { governor as governorOf } from "./lib/governance";
import { newProposalId, prepareProposal, readProposalFile, type PreparedAction } from "./lib/proposal";
import { latestTime, parseWhole } from "./lib/restaking";
import { signBallot } from "./lib/signatures";
import { simulateProposal } from "./lib/simulation";
import type { AltGovernor } from "../typechain-types";

/** IGovernor.ProposalState, by value. */
export const STATES = [
  "Pending",
  "Active",
  "Canceled",
  "Defeated",
  "Succeeded",
  "Queued",
  "Expired",
  "Executed",
] as const;
export type ProposalStateName = (typeof STATES)[number];

/** GovernorCountingSimple's support values. */
const SUPPORT: Record<string, number> = { against: 0, for: 1, abstain: 2 };

const at = (timestamp: number, now: number) => `${formatTime(timestamp)} (${relativeTime(timestamp, now)})`;

/** A proposal by --id (decimal or 0x id, or "latest"), refused unless the governor knows it. */
async function proposalId(governor: AltGovernor, value: string): Promise<bigint> {
  const count = await governor.proposalCount();
  if (value === "latest") {
    if (count === 0n) fail("there are no proposals yet");
    return (await governor.proposalDetailsAt(count - 1n)).proposalId;
  }
  const id = /^0x[0-9a-fA-F]{1,64}$/.test(value) ? BigInt(value) : parseWhole(value, "--id");
  if ((await governor.proposalSnapshot(id)) === 0n) fail(`unknown proposal ${id}`);
  return id;
}

async function stateOf(governor: AltGovernor, id: bigint): Promise<ProposalStateName> {
  return STATES[Number(await governor.state(id))];
}

/** Refuses unless the proposal is in `expected`, saying what it is and what comes next. */
async function requireState(hre: HardhatRuntimeEnvironment, governor: AltGovernor, id: bigint, expected: string) {
  const state = await stateOf(governor, id);
  if (state === expected) return;
  const now = await latestTime(hre);
  const hint =
    state === "Pending"
      ? `: voting starts ${at(Number(await governor.proposalSnapshot(id)) + 1, now)}`
      : state === "Active"
        ? `: voting ends ${at(Number(await governor.proposalDeadline(id)) + 1, now)}`
        : "";
  fail(`proposal ${id} is ${state}, not ${expected}${hint}`);
}

/** Refuses unless the vote, mined in the next block (a second later at least), lands while voting is open. */
async function requireVoting(hre: HardhatRuntimeEnvironment, governor: AltGovernor, id: bigint) {
  const state = await stateOf(governor, id);
  const now = await latestTime(hre);
  const snapshot = Number(await governor.proposalSnapshot(id));
  const deadline = Number(await governor.proposalDeadline(id));
  if (state === "Pending" && now + 1 <= snapshot) {
    fail(`proposal ${id} is Pending, not Active: voting starts ${at(snapshot + 1, now)}`);
  }
  if (state !== "Pending" && state !== "Active") fail(`proposal ${id} is ${state}, not Active`);
  if (now + 1 > deadline) fail(`proposal ${id} is Active, but voting closes at ${formatTime(deadline)}: too late`);
}

export interface ProposalView {
  id: string;
  state: ProposalStateName;
  proposer: string;
  description: string;
  /** Votes count from this timestamp (the snapshot) on; voting opens the second after it. */
  snapshot: number;
  deadline: number;
  eta: number;
  votes: { for: bigint; against: bigint; abstain: bigint };
  /** At the snapshot; while the proposal is Pending, today's quorum. */
  quorum: bigint;
  quorumReached: boolean;
  actions: { target: string; value: bigint; calldata: string }[];
}

/** Descriptions and proposers of every proposal, from ProposalCreated events (the chain stores only their hash). */
async function createdEvents(governor: AltGovernor) {
  const events = await governor.queryFilter(governor.filters.ProposalCreated());
  return new Map(events.map((e) => [e.args.proposalId, e.args]));
}

async function describe(
  governor: AltGovernor,
  id: bigint,
  created: Awaited<ReturnType<typeof createdEvents>>,
): Promise<ProposalView> {
  const [targets, values, calldatas] = await governor.proposalDetails(id);
  const [against, forVotes, abstain] = await governor.proposalVotes(id);
  const snapshot = Number(await governor.proposalSnapshot(id));
  // before its snapshot a proposal's quorum is not fixed yet: today's is shown
  const quorum = await governor.quorum(Math.min(snapshot, Number(await governor.clock()) - 1));
  return {
    id: id.toString(),
    state: await stateOf(governor, id),
    proposer: await governor.proposalProposer(id),
    description: created.get(id)?.description ?? "",
    snapshot,
    deadline: Number(await governor.proposalDeadline(id)),
    eta: Number(await governor.proposalEta(id)),
    votes: { for: forVotes, against, abstain },
    quorum,
    quorumReached: forVotes + abstain >= quorum,
    actions: targets.map((target, i) => ({ target, value: values[i], calldata: calldatas[i] })),
  };
}

const title = (description: string) => description.split("\n")[0].replace(/#proposer=0x[0-9a-fA-F]{40}$/, "");

task("gov:delegate", "Delegates the sender's ALT votes (to itself to vote directly) and shows the voting power")
  .addParam("to", "Delegatee")
  .addOptionalParam("from", "Acting account (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { to: string; from?: string; json: boolean }, hre) => {
    const result = await delegateVotes(hre, args.to, args.from);
    const governor = await governorOf(hre);
    const threshold = await governor.proposalThreshold();
    const view = { ...result, proposalThreshold: threshold, canPropose: result.votes >= threshold };
    return output(args.json, view, () => [
      txLine(`${result.delegator} delegated to ${result.delegatee}`, result.tx),
      `  ${result.delegatee} now has ${formatAlt(result.votes)} of votes` +
        ` (proposing needs ${formatAlt(threshold)}; votes count for proposals created from the next block)`,
    ]);
  });

task("gov:propose", "Proposes the actions of a JSON file (validated against the ABIs before anything is sent)")
  .addParam("file", "Proposal file: {description, actions: [{contract, function, args, value}], implementations?}")
  .addOptionalParam("from", "Proposer account (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { file: string; from?: string; json: boolean }, hre) => {
    const file = readProposalFile(args.file);
    const governor = await governorOf(hre);
    const signer = await signerFor(hre, args.from);
    const proposer = await signer.getAddress();
    // the governor counts the votes at its clock - 1 in the proposing block: at least those of the latest block
    const votes = await (await altToken(hre)).getVotes(proposer);
    const threshold = await governor.proposalThreshold();
    if (votes < threshold) {
      fail(`${proposer} has ${formatAlt(votes)} of votes; proposing needs ${formatAlt(threshold)} (delegate first)`);
    }
    const prepared = await prepareProposal(hre, file, proposer, signer);
    const id = await newProposalId(governor, prepared);
    const tx = await confirm(
      governor.connect(signer).propose(prepared.targets, prepared.values, prepared.calldatas, prepared.description),
    );
    const now = await latestTime(hre);
    const result = {
      id: id.toString(),
      proposer,
      description: prepared.description,
      actions: prepared.actions,
      implementations: prepared.implementations,
      voteStart: Number(await governor.proposalSnapshot(id)) + 1,
      voteEnd: Number(await governor.proposalDeadline(id)),
      tx,
    };
    return output(args.json, result, () => [
      txLine(`proposed ${id}`, tx),
      ...Object.entries(prepared.implementations).map(([name, address]) => `  implementation ${name}: ${address}`),
      ...prepared.actions.map((a, i) => `  ${i + 1}. ${formatAction(a)}`),
      `  voting from ${at(result.voteStart, now)} to ${at(result.voteEnd, now)}`,
    ]);
  });

export function formatAction(a: PreparedAction): string {
  const value = a.value > 0n ? ` with ${a.value} wei` : "";
  return `${a.contract}.${a.signature.split("(")[0]}(${a.args.map((v) => JSON.stringify(v)).join(", ")})${value}`;
}

task("gov:vote", "Votes on an active proposal: for, against or abstain, with an optional reason; or by signature")
  .addParam("id", 'Proposal id, or "latest"')
  .addParam("support", "for, against or abstain")
  .addOptionalParam("reason", "Reason recorded with the vote")
  .addOptionalParam("from", "Voter account (default: the first account)")
  .addFlag("bySignature", "The voter signs the ballot off-chain and --relayer submits it")
  .addOptionalParam("relayer", "Account that submits a signed ballot (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(
    async (
      args: {
        id: string;
        support: string;
        reason?: string;
        from?: string;
        bySignature: boolean;
        relayer?: string;
        json: boolean;
      },
      hre,
    ) => {
      const support = SUPPORT[args.support.toLowerCase()];
      if (support === undefined) fail(`--support must be for, against or abstain, not ${args.support}`);
      if (args.relayer !== undefined && !args.bySignature) fail("--relayer only applies with --by-signature");
      const governor = await governorOf(hre);
      const id = await proposalId(governor, args.id);
      await requireVoting(hre, governor, id);
      const signer = await signerFor(hre, args.from);
      const voter = await signer.getAddress();
      if (await governor.hasVoted(id, voter)) fail(`${voter} has already voted on proposal ${id}`);
      const weight = await governor.getVotes(voter, await governor.proposalSnapshot(id));
      if (weight === 0n) fail(`${voter} had no votes at the snapshot of proposal ${id} (delegate before proposals)`);

      let tx: TxReport;
      let relayer: string | undefined;
      if (args.bySignature) {
        const submitter = await signerFor(hre, args.relayer);
        relayer = await submitter.getAddress();
        const message = { proposalId: id, support, voter, nonce: await governor.nonces(voter) };
        const signature = await signBallot(signer, governor, message, args.reason);
        tx = await confirm(
          args.reason === undefined
            ? governor.connect(submitter).castVoteBySig(id, support, voter, signature)
            : governor
                .connect(submitter)
                .castVoteWithReasonAndParamsBySig(id, support, voter, args.reason, "0x", signature),
        );
      } else {
        tx = await confirm(governor.connect(signer).castVoteWithReason(id, support, args.reason ?? ""));
      }
      const result = {
        id: id.toString(),
        voter,
        support: args.support.toLowerCase(),
        weight,
        reason: args.reason ?? "",
      };
      const report = relayer === undefined ? { ...result, tx } : { ...result, relayer, tx };
      return output(args.json, report, () => [
        txLine(`${voter} voted ${result.support} on ${id} with ${formatAlt(weight)}`, tx),
        ...(relayer === undefined ? [] : [`  signed by the voter, submitted by ${relayer}`]),
      ]);
    },
  );

/** Runs a state-checked governor call on proposal --id from --from; shared by queue, execute and cancel. */
async function actOnProposal(
  hre: HardhatRuntimeEnvironment,
  args: { id: string; from?: string },
  check: (governor: AltGovernor, id: bigint, sender: string) => Promise<void>,
  send: (governor: AltGovernor, id: bigint) => Promise<TxReport>,
) {
  const governor = await governorOf(hre);
  const id = await proposalId(governor, args.id);
  const signer: Signer = await signerFor(hre, args.from);
  await check(governor, id, await signer.getAddress());
  const tx = await send(governor.connect(signer) as AltGovernor, id);
  return { governor, id, tx };
}

const idAndFrom = (t: ReturnType<typeof task>) =>
  t
    .addParam("id", 'Proposal id, or "latest"')
    .addOptionalParam("from", "Acting account (default: the first account)")
    .addFlag("json", "Print JSON");

idAndFrom(task("gov:queue", "Queues a succeeded proposal in the timelock (anyone)")).setAction(
  async (args: { id: string; from?: string; json: boolean }, hre) => {
    const { governor, id, tx } = await actOnProposal(
      hre,
      args,
      (governor, id) => requireState(hre, governor, id, "Succeeded"),
      (governor, id) => confirm(governor["queue(uint256)"](id)),
    );
    const eta = Number(await governor.proposalEta(id));
    const now = await latestTime(hre);
    const result = { id: id.toString(), eta, tx };
    return output(args.json, result, () => [txLine(`queued ${id}`, tx), `  executable from ${at(eta, now)}`]);
  },
);

idAndFrom(task("gov:execute", "Executes a queued proposal once the timelock delay has passed (anyone)")).setAction(
  async (args: { id: string; from?: string; json: boolean }, hre) => {
    let value = 0n;
    const { id, tx } = await actOnProposal(
      hre,
      args,
      async (governor, id) => {
        await requireState(hre, governor, id, "Queued");
        const eta = Number(await governor.proposalEta(id));
        const now = await latestTime(hre);
        // mined in the next block, at least one second later
        if (now + 1 < eta) fail(`proposal ${id} is executable from ${at(eta, now)}`);
        value = (await governor.proposalDetails(id))[1].reduce((sum, v) => sum + v, 0n);
      },
      (governor, id) => confirm(governor["execute(uint256)"](id, { value })),
    );
    const result = { id: id.toString(), tx };
    return output(args.json, result, () => [txLine(`executed ${id}`, tx)]);
  },
);

idAndFrom(
  task("gov:cancel", "Cancels a proposal: the proposal guardian (security council) any time before execution"),
).setAction(async (args: { id: string; from?: string; json: boolean }, hre) => {
  const { id, tx } = await actOnProposal(
    hre,
    args,
    async (governor, id, sender) => {
      const state = await stateOf(governor, id);
      if (["Canceled", "Expired", "Executed"].includes(state))
        fail(`proposal ${id} is ${state}: it cannot be canceled`);
      const guardian = await governor.proposalGuardian();
      const proposer = await governor.proposalProposer(id);
      // the cancel is mined in the next block: the proposer's right ends with the last Pending second
      const stillPending = state === "Pending" && (await latestTime(hre)) + 1 <= (await governor.proposalSnapshot(id));
      if (sender !== guardian && !(sender === proposer && stillPending)) {
        fail(`${sender} cannot cancel: only the guardian ${guardian} (the council), or the proposer while Pending`);
      }
    },
    (governor, id) => confirm(governor["cancel(uint256)"](id)),
  );
  const result = { id: id.toString(), tx };
  return output(args.json, result, () => [txLine(`canceled ${id}`, tx)]);
});

task("gov:status", "Shows a proposal: state, votes, quorum, deadlines and eta")
  .addParam("id", 'Proposal id, or "latest"')
  .addFlag("json", "Print JSON")
  .setAction(async (args: { id: string; json: boolean }, hre) => {
    const governor = await governorOf(hre);
    const id = await proposalId(governor, args.id);
    const view = await describe(governor, id, await createdEvents(governor));
    const now = await latestTime(hre);
    return output(args.json, view, () => [
      `proposal ${view.id}: ${view.state}`,
      `  ${title(view.description)}`,
      `  proposer ${view.proposer}`,
      `  voting   ${at(view.snapshot + 1, now)} to ${at(view.deadline, now)}`,
      `  votes    for ${formatAlt(view.votes.for)}, against ${formatAlt(view.votes.against)}, abstain ${formatAlt(
        view.votes.abstain,
      )}`,
      `  quorum   ${formatAlt(view.quorum)} (${view.quorumReached ? "reached" : "not reached"})`,
      view.eta === 0 ? "  eta      not queued" : `  eta      ${at(view.eta, now)}`,
      ...view.actions.map((a, i) => `  ${i + 1}. ${a.target} ${a.calldata.slice(0, 10)} value ${a.value}`),
    ]);
  });

task("gov:list", "Lists every proposal with its state")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { json: boolean }, hre) => {
    const governor = await governorOf(hre);
    const created = await createdEvents(governor);
    const count = Number(await governor.proposalCount());
    const views: ProposalView[] = [];
    for (let i = 0; i < count; i++) {
      views.push(await describe(governor, (await governor.proposalDetailsAt(i)).proposalId, created));
    }
    return output(args.json, views, () =>
      views.length === 0 ? ["no proposals"] : views.map((v) => `${v.id} ${v.state}: ${title(v.description)}`),
    );
  });

task("gov:simulate", "Dry run of a proposal file on the in-process network: impersonates delegates through every stage")
  .addParam("file", "Proposal file")
  .addOptionalParam("parameters", "Parameter file to deploy from if nothing is deployed yet")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { file: string; parameters?: string; json: boolean }, hre) => {
    if (hre.network.name !== "hardhat") {
      fail(`gov:simulate impersonates accounts: it runs on the in-process hardhat network, not ${hre.network.name}`);
    }
    const file = readProposalFile(args.file);
    const report = await simulateProposal(hre, file, args.parameters);
    return output(args.json, report, () => [
      `simulated proposal ${report.id} (${report.deployed ? "deployed from parameters first" : "existing deployment"})`,
      `  ${title(file.description)}`,
      ...report.stages.map((s) => `  ${s.state.padEnd(9)} ${formatTime(s.time)} ${s.detail}`),
      `  events of the execution:`,
      ...report.events.map((e) => `    ${e}`),
      `  state changes:`,
      ...(report.changes.length === 0
        ? ["    none read"]
        : report.changes.map((c) => `    ${c.contract}.${c.field}: ${c.before} -> ${c.after}`)),
    ]);
  });
