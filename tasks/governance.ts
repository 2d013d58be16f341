// Governance tasks: delegate, propose from a JSON file of actions (simulated first), vote (also by signature), queue,
// execute, cancel (each with --dry-run), status and list with decoded actions, a simulation on a Hardhat chain that
// impersonates delegates, and a proposal file's actions as a Safe Transaction Builder batch.
import { scanStart } from "./lib/addressBook";
import type { ConfigurableTaskDefinition, HardhatRuntimeEnvironment } from "hardhat/types";
import type { ContractTransaction, ContractTransactionResponse, Signer } from "ethers";
import { Interface } from "ethers";
import {
  confirm,
  fail,
  formatAlt,
  formatTime,
  output,
  parseAddress,
  preflight,
  relativeTime,
  signerFor,
  txLine,
  type TxReport,
  areaTask,
  writeOutput,
} from "./lib/cli";
import { altToken, delegateVotes } from "./lib/genesis";
import {
  checkActionsByCalls,
  clientVersion,
  failureText,
  governor as governorOf,
  isHardhatClient,
  loadDecoder,
  NEXT_BLOCK,
  requireSimulable,
  safeTransaction,
  simulateProposal,
  TX_BUILDER_VERSION,
  withChecksum,
  type Decoder,
  type SafeBatch,
  type SafeBatchTransaction,
  type SimulationFailure,
} from "./lib/governance";
import { newProposalId, prepareProposal, readProposalFile } from "./lib/proposal";
import { latestTime, parseWhole } from "./lib/restaking";
import { signBallot } from "./lib/signatures";
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

/**
 * `voter`'s votes at the snapshot of proposal `id`. A vote is accepted from the second after the snapshot, so when the
 * latest block is at the snapshot itself (voting opens with the next block) the past votes cannot be read yet
 * (ERC5805FutureLookup): they are the current ones, which nothing can change at a time that has passed.
 */
async function votesAtSnapshot(hre: HardhatRuntimeEnvironment, governor: AltGovernor, voter: string, id: bigint) {
  const snapshot = await governor.proposalSnapshot(id);
  if (snapshot < BigInt(await latestTime(hre))) return governor.getVotes(voter, snapshot);
  return (await altToken(hre)).getVotes(voter);
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
  /** `call`: the action decoded with the address book's ABIs, e.g. `RestakingRegistry.setDelays(21d, 7d)`. */
  actions: { target: string; value: bigint; calldata: string; call: string }[];
}

/** Descriptions and proposers of every proposal, from ProposalCreated events (the chain stores only their hash). */
async function createdEvents(governor: AltGovernor) {
  const events = await governor.queryFilter(governor.filters.ProposalCreated(), await scanStart());
  return new Map(events.map((e) => [e.args.proposalId, e.args]));
}

async function describe(
  governor: AltGovernor,
  id: bigint,
  created: Awaited<ReturnType<typeof createdEvents>>,
  decoder: Decoder,
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
    actions: targets.map((target, i) => ({
      target,
      value: values[i],
      calldata: calldatas[i],
      call: decoder.call(target, calldatas[i], values[i]),
    })),
  };
}

/** What comes next for a proposal, with its time: voting start or end, or the eta. */
function nextLine(view: ProposalView, now: number): string | undefined {
  if (view.state === "Pending") return `voting starts ${at(view.snapshot + 1, now)}`;
  if (view.state === "Active") return `voting ends ${at(view.deadline, now)}`;
  if (view.state === "Queued") return `executable from ${at(view.eta, now)}`;
  return undefined;
}

/** A transaction a task would send, shown instead of sent (--dry-run). */
export interface DryRun {
  dryRun: true;
  from: string;
  to: string;
  value: bigint;
  data: string;
}

/**
 * Sends the call, or with `dryRun` checks it (a call from the sender: a refusal ends the task in one line) and returns
 * the exact transaction instead, sending nothing.
 */
async function sendOrShow(
  hre: HardhatRuntimeEnvironment,
  signer: Signer,
  populate: () => Promise<ContractTransaction>,
  send: () => Promise<ContractTransactionResponse>,
  dryRun: boolean,
): Promise<TxReport | DryRun> {
  if (!dryRun) return confirm(send());
  const tx = await populate();
  const from = await signer.getAddress();
  await preflight(hre.ethers.provider.call({ ...tx, from, ...NEXT_BLOCK }));
  return { dryRun: true, from, to: tx.to, value: tx.value ?? 0n, data: tx.data };
}

const isDryRun = (tx: TxReport | DryRun): tx is DryRun => "dryRun" in tx;

const dryRunLines = (what: string, tx: DryRun, decoder: Decoder) => [
  `dry run of ${what}: nothing sent`,
  `  from  ${tx.from}`,
  `  to    ${tx.to}${decoder.label(tx.to) === undefined ? "" : ` (${decoder.label(tx.to)})`}`,
  `  value ${tx.value}`,
  `  data  ${tx.data}`,
];

const title = (description: string) => description.split("\n")[0].replace(/#proposer=0x[0-9a-fA-F]{40}$/, "");

areaTask("gov delegate", "Delegates the sender's ALT votes (to itself to vote directly) and shows the voting power")
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

areaTask("gov propose", "Proposes the actions of a JSON file, once a simulation of every stage shows they execute")
  .addParam("file", "Proposal file: {description, actions: [{contract, function, args, value}], implementations?}")
  .addOptionalParam("from", "Proposer account (default: the first account)")
  .addFlag("force", "Propose even if the simulation shows the proposal would fail (prints a warning)")
  .addFlag("dryRun", "Simulate and print the proposing transaction (to, data, value); send nothing")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { file: string; from?: string; force: boolean; dryRun: boolean; json: boolean }, hre) => {
    const file = readProposalFile(args.file);
    if (args.dryRun && Object.keys(file.implementations ?? {}).length > 0) {
      fail(
        "--dry-run cannot show a file with implementations: their addresses exist once deployed (gov simulate runs it)",
      );
    }
    const governor = await governorOf(hre);
    const signer = await signerFor(hre, args.from);
    const proposer = await signer.getAddress();
    // the governor counts the votes at its clock - 1 in the proposing block: at least those of the latest block
    const votes = await (await altToken(hre)).getVotes(proposer);
    const threshold = await governor.proposalThreshold();
    if (votes < threshold) {
      fail(`${proposer} has ${formatAlt(votes)} of votes; proposing needs ${formatAlt(threshold)} (delegate first)`);
    }
    const decoder = await loadDecoder(hre);
    const notes: string[] = [];
    let failure: SimulationFailure | undefined;
    if (isHardhatClient(await clientVersion(hre))) {
      // every stage, under a snapshot the simulation reverts
      failure = (await simulateProposal(hre, file, { proposer })).failure;
    } else {
      const checked = await prepareProposal(hre, file, proposer, undefined, { deploy: false });
      await newProposalId(governor, checked);
      const result = await checkActionsByCalls(hre, checked, decoder);
      failure = result.failure;
      const unchecked =
        result.unchecked.length === 0
          ? ""
          : ` (not action ${result.unchecked.join(", ")}: calls to the governor or to code the proposal deploys)`;
      notes.push(
        `note: ${hre.network.name} cannot impersonate: each action was checked alone as a call from the timelock ` +
          `today${unchecked}; gov simulate on a fork runs every stage`,
      );
    }
    if (failure !== undefined) {
      if (!args.force) fail(`${failureText(failure)} (simulated: nothing was sent; --force proposes anyway)`);
      notes.push(`warning: ${failureText(failure)} (simulated); proposing anyway (--force)`);
    }
    for (const note of notes) console.warn(note);

    const prepared = await prepareProposal(hre, file, proposer, signer, { deploy: !args.dryRun });
    const id = await newProposalId(governor, prepared);
    const asProposer = governor.connect(signer);
    const proposal = [prepared.targets, prepared.values, prepared.calldatas, prepared.description] as const;
    const tx = await sendOrShow(
      hre,
      signer,
      () => asProposer.propose.populateTransaction(...proposal),
      () => asProposer.propose(...proposal),
      args.dryRun,
    );
    const calls = prepared.actions.map((a, i) => `  ${i + 1}. ${decoder.call(a.target, a.calldata, a.value)}`);
    if (isDryRun(tx)) {
      const result = {
        ...tx,
        id: id.toString(),
        proposer,
        description: prepared.description,
        actions: prepared.actions,
      };
      return output(args.json, result, () => [...dryRunLines(`proposal ${id}`, tx, decoder), ...calls]);
    }
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
      ...calls,
      `  voting from ${at(result.voteStart, now)} to ${at(result.voteEnd, now)}`,
    ]);
  });

areaTask("gov vote", "Votes on an active proposal: for, against or abstain, with an optional reason; or by signature")
  .addParam("id", 'Proposal id, or "latest"')
  .addParam("support", "for, against or abstain")
  .addOptionalParam("reason", "Reason recorded with the vote")
  .addOptionalParam("from", "Voter account (default: the first account)")
  .addFlag("bySignature", "The voter signs the ballot off-chain and --relayer submits it")
  .addOptionalParam("relayer", "Account that submits a signed ballot (default: the first account)")
  .addFlag("dryRun", "Print the transaction (to, data, value) that would vote; send nothing")
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
        dryRun: boolean;
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
      const weight = await votesAtSnapshot(hre, governor, voter, id);
      if (weight === 0n) fail(`${voter} had no votes at the snapshot of proposal ${id} (delegate before proposals)`);

      let tx: TxReport | DryRun;
      let relayer: string | undefined;
      if (args.bySignature) {
        const submitter = await signerFor(hre, args.relayer);
        relayer = await submitter.getAddress();
        const message = { proposalId: id, support, voter, nonce: await governor.nonces(voter) };
        const signature = await signBallot(signer, governor, message, args.reason);
        const asRelayer = governor.connect(submitter);
        tx =
          args.reason === undefined
            ? await sendOrShow(
                hre,
                submitter,
                () => asRelayer.castVoteBySig.populateTransaction(id, support, voter, signature),
                () => asRelayer.castVoteBySig(id, support, voter, signature),
                args.dryRun,
              )
            : await sendOrShow(
                hre,
                submitter,
                () =>
                  asRelayer.castVoteWithReasonAndParamsBySig.populateTransaction(
                    id,
                    support,
                    voter,
                    args.reason!,
                    "0x",
                    signature,
                  ),
                () => asRelayer.castVoteWithReasonAndParamsBySig(id, support, voter, args.reason!, "0x", signature),
                args.dryRun,
              );
      } else {
        const asVoter = governor.connect(signer);
        tx = await sendOrShow(
          hre,
          signer,
          () => asVoter.castVoteWithReason.populateTransaction(id, support, args.reason ?? ""),
          () => asVoter.castVoteWithReason(id, support, args.reason ?? ""),
          args.dryRun,
        );
      }
      const result = {
        id: id.toString(),
        voter,
        support: args.support.toLowerCase(),
        weight,
        reason: args.reason ?? "",
      };
      if (isDryRun(tx)) {
        const decoder = await loadDecoder(hre);
        const what = `${voter}'s vote ${result.support} on ${id} with ${formatAlt(weight)}`;
        return output(args.json, { ...result, ...tx }, () => dryRunLines(what, tx, decoder));
      }
      const sent = tx;
      const report = relayer === undefined ? { ...result, tx: sent } : { ...result, relayer, tx: sent };
      return output(args.json, report, () => [
        txLine(`${voter} voted ${result.support} on ${id} with ${formatAlt(weight)}`, sent),
        ...(relayer === undefined ? [] : [`  signed by the voter, submitted by ${relayer}`]),
      ]);
    },
  );

type ProposalCall = (
  governor: AltGovernor,
  id: bigint,
) => { populate: () => Promise<ContractTransaction>; send: () => Promise<ContractTransactionResponse> };

/** Runs a state-checked governor call on proposal --id from --from (or shows it: --dry-run); queue, execute, cancel. */
async function actOnProposal(
  hre: HardhatRuntimeEnvironment,
  args: { id: string; from?: string; dryRun: boolean },
  check: (governor: AltGovernor, id: bigint, sender: string) => Promise<void>,
  call: ProposalCall,
) {
  const governor = await governorOf(hre);
  const id = await proposalId(governor, args.id);
  const signer: Signer = await signerFor(hre, args.from);
  await check(governor, id, await signer.getAddress());
  const { populate, send } = call(governor.connect(signer) as AltGovernor, id);
  const tx = await sendOrShow(hre, signer, populate, send, args.dryRun);
  return { governor, id, tx };
}

const idAndFrom = (t: ConfigurableTaskDefinition) =>
  t
    .addParam("id", 'Proposal id, or "latest"')
    .addOptionalParam("from", "Acting account (default: the first account)")
    .addFlag("dryRun", "Print the transaction (to, data, value) that would be sent; send nothing")
    .addFlag("json", "Print JSON");

type IdArgs = { id: string; from?: string; dryRun: boolean; json: boolean };

/** A dry run's output, or the sent transaction's line. */
async function report(
  hre: HardhatRuntimeEnvironment,
  json: boolean,
  what: string,
  result: { id: string; tx: TxReport | DryRun },
  lines: (tx: TxReport) => string[],
) {
  const { tx } = result;
  if (isDryRun(tx)) {
    const decoder = await loadDecoder(hre);
    return output(json, { id: result.id, ...tx }, () => dryRunLines(`${what} ${result.id}`, tx, decoder));
  }
  return output(json, result, () => lines(tx));
}

idAndFrom(areaTask("gov queue", "Queues a succeeded proposal in the timelock (anyone)")).setAction(
  async (args: IdArgs, hre) => {
    const { governor, id, tx } = await actOnProposal(
      hre,
      args,
      (governor, id) => requireState(hre, governor, id, "Succeeded"),
      (governor, id) => ({
        populate: () => governor["queue(uint256)"].populateTransaction(id),
        send: () => governor["queue(uint256)"](id),
      }),
    );
    if (isDryRun(tx)) return report(hre, args.json, "queueing", { id: id.toString(), tx }, () => []);
    const eta = Number(await governor.proposalEta(id));
    const now = await latestTime(hre);
    const result = { id: id.toString(), eta, tx };
    return output(args.json, result, () => [txLine(`queued ${id}`, tx), `  executable from ${at(eta, now)}`]);
  },
);

idAndFrom(areaTask("gov execute", "Executes a queued proposal once the timelock delay has passed (anyone)")).setAction(
  async (args: IdArgs, hre) => {
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
      (governor, id) => ({
        populate: () => governor["execute(uint256)"].populateTransaction(id, { value }),
        send: () => governor["execute(uint256)"](id, { value }),
      }),
    );
    return report(hre, args.json, "the execution of", { id: id.toString(), tx }, (sent) => [
      txLine(`executed ${id}`, sent),
    ]);
  },
);

idAndFrom(
  areaTask("gov cancel", "Cancels a proposal: the proposal guardian (security council) any time before execution"),
).setAction(async (args: IdArgs, hre) => {
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
    (governor, id) => ({
      populate: () => governor["cancel(uint256)"].populateTransaction(id),
      send: () => governor["cancel(uint256)"](id),
    }),
  );
  return report(hre, args.json, "the cancel of", { id: id.toString(), tx }, (sent) => [txLine(`canceled ${id}`, sent)]);
});

areaTask("gov status", "Shows a proposal: state, votes, quorum, deadlines, eta and its actions decoded")
  .addParam("id", 'Proposal id, or "latest"')
  .addFlag("json", "Print JSON")
  .setAction(async (args: { id: string; json: boolean }, hre) => {
    const governor = await governorOf(hre);
    const id = await proposalId(governor, args.id);
    const view = await describe(governor, id, await createdEvents(governor), await loadDecoder(hre));
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
      ...view.actions.map((a, i) => `  ${i + 1}. ${a.call}`),
    ]);
  });

areaTask("gov list", "Lists every proposal with its state, what comes next and its actions decoded")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { json: boolean }, hre) => {
    const governor = await governorOf(hre);
    const created = await createdEvents(governor);
    const decoder = await loadDecoder(hre);
    const count = Number(await governor.proposalCount());
    const views: ProposalView[] = [];
    for (let i = 0; i < count; i++) {
      views.push(await describe(governor, (await governor.proposalDetailsAt(i)).proposalId, created, decoder));
    }
    const now = await latestTime(hre);
    return output(args.json, views, () =>
      views.length === 0
        ? ["no proposals"]
        : views.flatMap((v) => {
            const next = nextLine(v, now);
            return [
              `${v.id} ${v.state}: ${title(v.description)}`,
              ...(next === undefined ? [] : [`  ${next}`]),
              ...v.actions.map((a, i) => `  ${i + 1}. ${a.call}`),
            ];
          }),
    );
  });

areaTask("gov simulate", "Dry run of a proposal file on a Hardhat chain: impersonates delegates through every stage")
  .addParam("file", "Proposal file")
  .addOptionalParam("parameters", "Parameter file to deploy from if nothing is deployed yet (in-process network)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { file: string; parameters?: string; json: boolean }, hre) => {
    await requireSimulable(hre, "gov simulate");
    const file = readProposalFile(args.file);
    const report = await simulateProposal(hre, file, { parameters: args.parameters, details: true });
    if (report.failure !== undefined) fail(failureText(report.failure));
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
      `  (simulated under a snapshot: the chain is back where it was)`,
    ]);
  });

areaTask("gov export-safe", "Writes a proposal file's actions as a Safe Transaction Builder batch (JSON)")
  .addParam("proposal", "Proposal file (or a file of the security council's actions, in the same format)")
  .addParam("out", "Batch file to write")
  .addOptionalParam("safe", "The Safe that will send the batch (meta.createdFromSafeAddress)")
  .addFlag("propose", "One transaction instead: the Safe proposes the actions to the governor (needs --safe)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { proposal: string; out: string; safe?: string; propose: boolean; json: boolean }, hre) => {
    const file = readProposalFile(args.proposal);
    if (Object.keys(file.implementations ?? {}).length > 0) {
      fail(
        `proposal file ${args.proposal} has implementations: a Safe batch cannot deploy them (gov propose does); ` +
          "deploy them and write their addresses in the actions",
      );
    }
    const safe = args.safe === undefined ? undefined : parseAddress(args.safe, "--safe");
    if (args.propose && safe === undefined) fail("--propose needs --safe: the Safe is the proposer");
    const decoder = await loadDecoder(hre);
    const prepared = await prepareProposal(hre, file, safe ?? "0x0000000000000000000000000000000000000001", undefined, {
      deploy: false,
    });
    const transactions: SafeBatchTransaction[] = [];
    if (args.propose) {
      const governor = await governorOf(hre);
      await newProposalId(governor, prepared);
      const { targets, values, calldatas, description } = prepared;
      const call = await governor.propose.populateTransaction(targets, values, calldatas, description);
      const signature = "propose(address[],uint256[],bytes[],string)";
      transactions.push(
        safeTransaction(governor.interface as unknown as Interface, {
          target: call.to,
          contract: "Governance#AltGovernor",
          artifact: "AltGovernor",
          signature,
          args: [targets, values, calldatas, description],
          value: 0n,
          calldata: call.data,
        }),
      );
    } else {
      for (const action of prepared.actions) {
        const abi = new Interface((await hre.artifacts.readArtifact(action.artifact)).abi);
        transactions.push(safeTransaction(abi, action));
      }
    }
    const { chainId } = await hre.ethers.provider.getNetwork();
    const batch: SafeBatch = withChecksum({
      version: "1.0",
      chainId: chainId.toString(),
      createdAt: Date.now(),
      meta: {
        name: title(file.description),
        description: args.propose ? prepared.description : file.description,
        txBuilderVersion: TX_BUILDER_VERSION,
        ...(safe === undefined ? {} : { createdFromSafeAddress: safe }),
      },
      transactions,
    });
    writeOutput(args.out, JSON.stringify(batch, null, 2) + "\n");
    return output(args.json, batch, () => [
      `wrote ${transactions.length} transaction(s) for ${safe === undefined ? "a Safe" : `Safe ${safe}`} ` +
        `on chain ${chainId} to ${args.out}`,
      ...transactions.map((t, i) => `  ${i + 1}. ${decoder.call(t.to, t.data, BigInt(t.value))}`),
    ]);
  });
