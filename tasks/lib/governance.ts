// Governance: address-book keys and typed handles, actions decoded for humans, the simulation of a proposal through
// every stage (on a Hardhat chain, under a snapshot it always reverts) and Safe Transaction Builder batches.
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { FunctionFragment, ParamType, Signer } from "ethers";
import {
  AbiCoder,
  dataSlice,
  formatEther,
  getAddress,
  id as keccakText,
  Interface,
  isHexString,
  toBeHex,
} from "ethers";
import type { AltGovernor, TimelockController } from "../../typechain-types";
import { addressOf, loadAddressBook, type AddressBook, scanStart } from "./addressBook";
import { fail, formatAlt, formatTime, revertReason } from "./cli";
import { altToken } from "./genesis";
import {
  artifactOfKey,
  IMPLEMENTATION_PLACEHOLDER,
  newProposalId,
  prepareProposal,
  type PreparedAction,
  type PreparedProposal,
  type ProposalFile,
} from "./proposal";
import { formatBps } from "./restaking";

export const GOVERNANCE_KEYS = {
  timelock: "Timelock#TimelockController",
  governor: "Governance#AltGovernor",
} as const;

export async function governor(hre: HardhatRuntimeEnvironment): Promise<AltGovernor> {
  const address = await addressOf(hre, GOVERNANCE_KEYS.governor);
  return hre.ethers.getContractAt("AltGovernor", address) as unknown as Promise<AltGovernor>;
}

export async function timelock(hre: HardhatRuntimeEnvironment): Promise<TimelockController> {
  const address = await addressOf(hre, GOVERNANCE_KEYS.timelock);
  return hre.ethers.getContractAt("TimelockController", address) as unknown as Promise<TimelockController>;
}

// ---------------------------------------------------------------------------------------------------------------------
// Decoding actions and refusals with the ABIs of the address book's contracts

/** A duration, every unit shown (nothing lost): "21d", "1d 4h 0m 5s" is written "1d 4h 5s"; 0 is "0s". */
export function formatDuration(seconds: bigint | number): string {
  let rest = BigInt(seconds);
  if (rest === 0n) return "0s";
  const parts: string[] = [];
  for (const [unit, size] of [
    ["d", 86_400n],
    ["h", 3_600n],
    ["m", 60n],
    ["s", 1n],
  ] as const) {
    if (rest >= size) {
      parts.push(`${rest / size}${unit}`);
      rest %= size;
    }
  }
  return parts.join(" ");
}

/** Parameter names (lower case, trailing "_" dropped) that hold a duration in seconds, a time, basis points. */
const DURATION = /(delay|period|age|window|duration|extension|cliff|jailtime|length)$/;
const TIMESTAMP = /^(until|deadline|expiry|newexpiry|start|end|since)$/;
const BPS = /(bps|quorumnumerator)$/;
/** ALT amounts: every amount of the token and the vesting contracts, and the governor's proposal threshold. */
const ALT_CONTRACTS = /^(AltToken|VestingFactory|Vesting_.*)$/;
const ALT_AMOUNT = /^(amount|value|total|allocated|newproposalthreshold)$/;

export interface Decoder {
  /** The address book's name of `address` ("RestakingRegistry"), if it has one. */
  label(address: string): string | undefined;
  /** `RestakingRegistry.setDelays(21d, 7d)`; an unknown target or function: `<target> <selector>`. */
  call(target: string, data: string, value?: bigint): string;
  /** A revert's data as `ErrorName(arg, …)`, decoded with every ABI of the book; undefined if none knows it. */
  revert(data: string): string | undefined;
  /** A contract call's refusal on one line: its revert data decoded, else what the node said. */
  reasonOf(error: unknown): string | undefined;
  /** The ABI of the book's contract at `address`. */
  abiOf(address: string): Interface | undefined;
}

/** Reads the address book (none: an empty one) and the ABIs of its contracts. */
export async function loadDecoder(hre: HardhatRuntimeEnvironment, book?: AddressBook): Promise<Decoder> {
  if (book === undefined) {
    try {
      book = await loadAddressBook(hre);
    } catch {
      book = {};
    }
  }
  const contracts = new Map<string, { label: string; abi: Interface }>();
  const abis = new Map<string, Interface>();
  for (const [key, address] of Object.entries(book)) {
    const artifact = artifactOfKey(key);
    if (!(await hre.artifacts.artifactExists(artifact))) continue;
    if (!abis.has(artifact)) abis.set(artifact, new Interface((await hre.artifacts.readArtifact(artifact)).abi));
    contracts.set(address.toLowerCase(), { label: key.slice(key.indexOf("#") + 1), abi: abis.get(artifact)! });
  }
  const label = (address: string) => contracts.get(address.toLowerCase())?.label;

  const formatArg = (param: ParamType, value: unknown, target: string): string => {
    if (param.baseType === "array") {
      return `[${(value as unknown[]).map((v) => formatArg(param.arrayChildren!, v, target)).join(", ")}]`;
    }
    if (param.baseType === "tuple") {
      return `(${param.components!.map((c, i) => formatArg(c, (value as unknown[])[i], target)).join(", ")})`;
    }
    if (param.type === "address") {
      const address = getAddress(value as string);
      const name = label(address);
      return name === undefined ? address : `${address} (${name})`;
    }
    if (param.type.startsWith("uint") || param.type.startsWith("int")) {
      const n = BigInt(value as bigint);
      const name = param.name.replace(/_+$/, "").toLowerCase();
      if (BPS.test(name)) return formatBps(n);
      if (DURATION.test(name)) return formatDuration(n);
      if (TIMESTAMP.test(name) && n > 0n && n < 2n ** 40n) return formatTime(n);
      if (ALT_AMOUNT.test(name) && (name === "newproposalthreshold" || ALT_CONTRACTS.test(label(target) ?? ""))) {
        return formatAlt(n);
      }
      return n.toString();
    }
    if (param.type === "string") return JSON.stringify(value);
    return String(value); // bool, bytes (hex)
  };

  const call = (target: string, data: string, value = 0n): string => {
    const sent = value > 0n ? ` with ${formatEther(value)} ETH` : "";
    const known = contracts.get(target.toLowerCase());
    const parsed = known?.abi.parseTransaction({ data, value });
    if (!known || !parsed) return `${getAddress(target)} ${dataSlice(data, 0, 4)}${sent}`;
    const args = parsed.fragment.inputs.map((input, i) => formatArg(input, parsed.args[i], target));
    return `${known.label}.${parsed.name}(${args.join(", ")})${sent}`;
  };

  const revert = (data: string): string | undefined => {
    if (!isHexString(data) || data.length < 10) return undefined;
    const coder = AbiCoder.defaultAbiCoder();
    try {
      if (data.startsWith("0x08c379a0"))
        return `Error(${JSON.stringify(coder.decode(["string"], dataSlice(data, 4))[0])})`;
      if (data.startsWith("0x4e487b71")) return `Panic(${toBeHex(coder.decode(["uint256"], dataSlice(data, 4))[0])})`;
    } catch {
      return undefined;
    }
    for (const abi of abis.values()) {
      try {
        const error = abi.parseError(data);
        if (error) return `${error.name}(${error.args.map(String).join(", ")})`;
      } catch {
        // data that does not fit the error's parameters: try the next ABI
      }
    }
    return undefined;
  };

  const reasonOf = (error: unknown): string | undefined => {
    const data = revertData(error);
    const decoded = (data === undefined ? undefined : revert(data)) ?? revertReason(error);
    if (decoded !== undefined) return decoded;
    // a revert without data the node describes, e.g. "Transaction reverted: function returned an unexpected amount …"
    const line = String((error as Error)?.message ?? "").split("\n")[0];
    return /revert/i.test(line) ? line.replace(/^Error: /, "") : undefined;
  };
  const abiOf = (address: string) => contracts.get(address.toLowerCase())?.abi;
  return { label, call, revert, reasonOf, abiOf };
}

/** The revert data an ethers or Hardhat error carries, wherever it is nested. */
function revertData(error: unknown, depth = 0): string | undefined {
  if (error === null || typeof error !== "object" || depth > 4) return undefined;
  const e = error as Record<string, unknown>;
  if (typeof e.data === "string" && isHexString(e.data) && e.data.length >= 10) return e.data;
  for (const key of ["data", "error", "info", "cause"]) {
    const found = revertData(e[key], depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------------
// Simulation: propose, vote, queue and execute with impersonated delegates, then revert

/** What the node says it is (`web3_clientVersion`): Hardhat's start with "HardhatNetwork". */
export async function clientVersion(hre: HardhatRuntimeEnvironment): Promise<string> {
  try {
    return String(await hre.network.provider.send("web3_clientVersion"));
  } catch (e) {
    fail(`cannot reach network ${hre.network.name}: ${(e as Error).message.split("\n")[0]}`);
  }
}

export const isHardhatClient = (client: string) => client.startsWith("HardhatNetwork");

/**
 * Ends `task` in one line unless the chain is a Hardhat network (in process, `npx hardhat node`, or a fork), the only
 * ones that impersonate accounts, move time and take snapshots; the line says how to simulate a real network.
 */
export async function requireSimulable(hre: HardhatRuntimeEnvironment, task: string): Promise<void> {
  const client = await clientVersion(hre);
  if (isHardhatClient(client)) return;
  const chainId = BigInt(await hre.network.provider.send("eth_chainId"));
  fail(
    `${task} impersonates delegates and moves time: it runs on a Hardhat network, not ${hre.network.name} (${client}); ` +
      `simulate on a fork: HARDHAT_VAR_HARDHAT_CHAIN_ID=${chainId} npx hardhat node --fork <RPC URL of ${hre.network.name}>, ` +
      `then --network localhost`,
  );
}

/** Runs `run` under `evm_snapshot` and always reverts to it, whether `run` returns or throws. */
export async function underSnapshot<T>(hre: HardhatRuntimeEnvironment, run: () => Promise<T>): Promise<T> {
  const snapshot: string = await hre.network.provider.send("evm_snapshot");
  try {
    return await run();
  } finally {
    await hre.network.provider.send("evm_revert", [snapshot]);
  }
}

/** Calls run as in the block a transaction would be mined in: its time, so its clock (votes count until clock - 1). */
export const NEXT_BLOCK = { blockTag: "pending" } as const;

export type SimulationStage = "propose" | "vote" | "queue" | "execute";

export interface SimulationFailure {
  stage: SimulationStage;
  /** The failing action, for the execute stage: 1-based index, its contract's name and function. */
  action?: { index: number; contract: string; function: string };
  /** The decoded custom error, e.g. `RegistryDelayTooShort(1, 1036800)`. */
  error: string;
}

/** "the proposal fails at execute, action 1 (RestakingRegistry.setDelays): RegistryDelayTooShort(1, 1036800)" */
export function failureText(f: SimulationFailure): string {
  const where = f.action ? `, action ${f.action.index} (${f.action.contract}.${f.action.function})` : "";
  return `the proposal fails at ${f.stage}${where}: ${f.error}`;
}

const shortName = (contract: string) => contract.slice(contract.indexOf("#") + 1);

function actionFailure(index: number, action: PreparedAction, error: string): SimulationFailure {
  const fn = action.signature.slice(0, action.signature.indexOf("("));
  return { stage: "execute", action: { index, contract: shortName(action.contract), function: fn }, error };
}

export interface SimulationReport {
  id: string;
  /** Whether the protocol was deployed from parameters first (nothing was deployed in this process). */
  deployed: boolean;
  proposer: string;
  voters: { voter: string; weight: bigint }[];
  /** The stages reached, with the (simulated) time of each. */
  stages: { state: string; time: number; detail: string }[];
  /** The execution's events, decoded where the emitter is in the address book: "Contract.Event(arg=value, ...)". */
  events: string[];
  /** Every argument-free view of each target, and its ERC-1967 implementation, that differs after execution. */
  changes: { contract: string; field: string; before: string; after: string }[];
  /** Why the proposal would fail; the stages stop there. */
  failure?: SimulationFailure;
}

/** ERC-1967 implementation slot: an upgrade shows as a change of it. */
const IMPLEMENTATION_SLOT = "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc";

/** Every address that ever received delegated ALT votes, by current votes, largest first (the timelock left out). */
async function delegatesByVotes(hre: HardhatRuntimeEnvironment, timelockAddress: string) {
  const token = await altToken(hre);
  const events = await token.queryFilter(token.filters.DelegateVotesChanged(), await scanStart());
  const delegates = [...new Set(events.map((e) => e.args.delegate))].filter((d) => d !== timelockAddress);
  const withVotes = await Promise.all(delegates.map(async (d) => ({ voter: d, weight: await token.getVotes(d) })));
  return withVotes
    .filter((d) => d.weight > 0n)
    .sort((a, b) => (a.weight > b.weight ? -1 : a.weight < b.weight ? 1 : 0));
}

/** Mines an empty block at `timestamp` unless the chain is already there. */
async function advanceTo(hre: HardhatRuntimeEnvironment, timestamp: number) {
  const latest = (await hre.ethers.provider.getBlock("latest"))!.timestamp;
  if (timestamp <= latest) return;
  await hre.network.provider.send("evm_setNextBlockTimestamp", [timestamp]);
  await hre.network.provider.send("evm_mine");
}

type Snapshot = Map<string, string>;

/** Reads every argument-free view of each target (and its ERC-1967 implementation) as text. */
async function readState(
  hre: HardhatRuntimeEnvironment,
  targets: { address: string; label: string; abi: Interface }[],
): Promise<Snapshot> {
  const values: Snapshot = new Map();
  for (const { address, label, abi } of targets) {
    const implementation = await hre.ethers.provider.getStorage(address, IMPLEMENTATION_SLOT);
    values.set(`${label}\u0000ERC-1967 implementation`, getAddress(dataSlice(implementation, 12)));
    const views = abi.fragments.filter(
      (f): f is FunctionFragment => f.type === "function" && (f as FunctionFragment).constant && f.inputs.length === 0,
    );
    for (const view of views) {
      try {
        const data = await hre.ethers.provider.call({ to: address, data: abi.encodeFunctionData(view) });
        values.set(`${label}\u0000${view.name}`, abi.decodeFunctionResult(view, data).toArray().join(", "));
      } catch {
        // a view that reverts in this state is not part of the report
      }
    }
  }
  return values;
}

export interface SimulationOptions {
  /** Parameter file to deploy from when nothing is deployed (in-process network only). */
  parameters?: string;
  /** The proposer (its id depends on it); default: the largest delegate. */
  proposer?: string;
  /** Whether to read the events of the execution and the targets' state before and after (gov simulate). */
  details?: boolean;
}

/**
 * Takes the file's proposal through propose, vote, queue and execute on a Hardhat chain, impersonating the proposer
 * and as many of the largest delegates as the quorum needs, under a snapshot it always reverts: the chain is left as
 * it was, whatever happens. A stage the contracts refuse ends the run with `failure` (stage, action, decoded error);
 * the execute stage's failing action is found by replaying the actions one by one from the timelock.
 * On the in-process network with nothing deployed, the protocol is deployed from `parameters` first (and kept).
 */
export async function simulateProposal(
  hre: HardhatRuntimeEnvironment,
  file: ProposalFile,
  options: SimulationOptions = {},
): Promise<SimulationReport> {
  let book: AddressBook | undefined;
  try {
    book = await loadAddressBook(hre);
  } catch (e) {
    if (hre.network.name !== "hardhat") throw e; // a node or a fork: its deployment records are the address book
  }
  const deployed = book?.[GOVERNANCE_KEYS.governor] === undefined;
  if (!deployed && options.parameters !== undefined) {
    fail("--parameters applies only when nothing is deployed yet: this process already has a governor");
  }
  if (deployed) {
    // imported here: ./deployment reads GOVERNANCE_KEYS of this module when it loads
    const { deployProtocol } = await import("./deployment");
    book = await deployProtocol(hre, "governance", options.parameters);
  }
  const decoder = await loadDecoder(hre, book);

  const impersonated = new Set<string>();
  const impersonate = async (address: string, balance = 10n ** 20n): Promise<Signer> => {
    await hre.network.provider.send("hardhat_setBalance", [address, toBeHex(balance)]);
    impersonated.add(address);
    return hre.ethers.getImpersonatedSigner(address);
  };
  try {
    return await underSnapshot(hre, () => runStages(hre, file, options, deployed, decoder, impersonate));
  } finally {
    for (const address of impersonated) await hre.network.provider.send("hardhat_stopImpersonatingAccount", [address]);
  }
}

async function runStages(
  hre: HardhatRuntimeEnvironment,
  file: ProposalFile,
  options: SimulationOptions,
  deployed: boolean,
  decoder: Decoder,
  impersonate: (address: string, balance?: bigint) => Promise<Signer>,
): Promise<SimulationReport> {
  const gov: AltGovernor = await governor(hre);
  const timelockAddress = await gov.timelock();
  const delegates = await delegatesByVotes(hre, timelockAddress);
  let proposer = options.proposer;
  if (proposer === undefined) {
    const threshold = await gov.proposalThreshold();
    if (delegates.length === 0 || delegates[0].weight < threshold) {
      fail(`no delegate holds the ${formatAlt(threshold)} of votes needed to propose`);
    }
    proposer = delegates[0].voter;
  }
  const proposerSigner = await impersonate(proposer);
  const prepared = await prepareProposal(hre, file, proposer, proposerSigner);
  const id = await newProposalId(gov, prepared);
  const report: SimulationReport = {
    id: id.toString(),
    deployed,
    proposer,
    voters: [],
    stages: [],
    events: [],
    changes: [],
  };
  const stage = async (state: string, detail: string) =>
    report.stages.push({ state, time: (await hre.ethers.provider.getBlock("latest"))!.timestamp, detail });
  /** The refusal of `call` (a staticCall), decoded; undefined if it passes. */
  const refusal = async (call: Promise<unknown>): Promise<string | undefined> => {
    try {
      await call;
      return undefined;
    } catch (e) {
      const reason = decoder.reasonOf(e);
      if (reason === undefined) throw e;
      return reason;
    }
  };
  const failed = (stageName: SimulationStage, error: string) => ({ ...report, failure: { stage: stageName, error } });

  const { targets, values, calldatas, description } = prepared;
  const asProposer = gov.connect(proposerSigner);
  let error = await refusal(asProposer.propose.staticCall(targets, values, calldatas, description, NEXT_BLOCK));
  if (error !== undefined) return failed("propose", error);
  await (await asProposer.propose(targets, values, calldatas, description)).wait();
  await stage("Pending", `proposed by ${proposer}`);

  const snapshot = Number(await gov.proposalSnapshot(id));
  await advanceTo(hre, snapshot + 1);
  const quorum = await gov.quorum(snapshot);
  let tally = 0n;
  for (const delegate of delegates) {
    if (tally >= quorum) break;
    report.voters.push(delegate);
    tally += delegate.weight;
  }
  if (tally < quorum) {
    fail(`the delegates' ${formatAlt(tally)} of votes cannot reach the quorum of ${formatAlt(quorum)}`);
  }
  for (const { voter } of report.voters) {
    const asVoter = gov.connect(await impersonate(voter));
    error = await refusal(asVoter.castVote.staticCall(id, 1, NEXT_BLOCK));
    if (error !== undefined) return failed("vote", error);
    await (await asVoter.castVote(id, 1)).wait();
  }
  await stage(
    "Active",
    `${report.voters.length} delegates voted for with ${formatAlt(tally)} (quorum ${formatAlt(quorum)})`,
  );

  await advanceTo(hre, Number(await gov.proposalDeadline(id)) + 1);
  await stage("Succeeded", "voting closed");
  error = await refusal(gov["queue(uint256)"].staticCall(id, NEXT_BLOCK));
  if (error !== undefined) return failed("queue", error);
  await (await gov["queue(uint256)"](id)).wait();
  const eta = Number(await gov.proposalEta(id));
  await stage("Queued", `executable from the timelock's eta ${eta}`);

  await advanceTo(hre, eta);
  const targetViews = [...new Set(targets.map((t) => t.toLowerCase()))].map((address) => {
    const action = prepared.actions.find((a) => a.target.toLowerCase() === address)!;
    return { address, label: decoder.label(address) ?? action.contract, abi: new Interface([]) };
  });
  if (options.details) {
    for (const target of targetViews) {
      const action = prepared.actions.find((a) => a.target.toLowerCase() === target.address)!;
      target.abi = new Interface((await hre.artifacts.readArtifact(action.artifact)).abi);
    }
  }
  const before = options.details ? await readState(hre, targetViews) : new Map();
  const value = values.reduce((sum, v) => sum + v, 0n);
  error = await refusal(gov["execute(uint256)"].staticCall(id, { value, ...NEXT_BLOCK }));
  if (error !== undefined) {
    const governorAddress = await gov.getAddress();
    const failing = await failingAction(hre, prepared, timelockAddress, governorAddress, error, decoder, impersonate);
    return { ...report, failure: failing ?? { stage: "execute", error } };
  }
  const receipt = (await (await gov["execute(uint256)"](id, { value })).wait())!;
  await stage("Executed", `${prepared.actions.length} action(s) executed by the timelock`);
  if (!options.details) return report;

  const after = await readState(hre, targetViews);
  report.events = receipt.logs.map((log) => {
    const known = decoder.label(log.address);
    const parsed = decoder.abiOf(log.address)?.parseLog(log);
    if (!known || !parsed) return `${log.address} topic ${log.topics[0]}`;
    const args = parsed.fragment.inputs.map((input, i) => `${input.name}=${parsed.args[i]}`);
    return `${known}.${parsed.name}(${args.join(", ")})`;
  });
  report.changes = [...after.entries()]
    .filter(([key, v]) => before.get(key) !== v)
    .map(([key, v]) => {
      const [contract, field] = key.split("\u0000");
      return { contract, field, before: before.get(key) ?? "", after: v };
    });
  return report;
}

/**
 * The action that fails when the actions run one after the other from the timelock (as the timelock executes them),
 * at the current (eta) time, under a snapshot it reverts: the first whose refusal is the execution's own `error` (the
 * timelock passes a target's refusal on), else the first refused; undefined if each passes. Calls to the governor
 * itself are left out: the governor accepts them only inside its own execution (`onlyGovernance`).
 */
async function failingAction(
  hre: HardhatRuntimeEnvironment,
  prepared: PreparedProposal,
  timelockAddress: string,
  governorAddress: string,
  error: string,
  decoder: Decoder,
  impersonate: (address: string, balance?: bigint) => Promise<Signer>,
): Promise<SimulationFailure | undefined> {
  return underSnapshot(hre, async () => {
    const balance = await hre.ethers.provider.getBalance(timelockAddress);
    const sent = prepared.values.reduce((sum, v) => sum + v, 0n);
    const signer = await impersonate(timelockAddress, balance + sent + 10n ** 18n);
    let first: SimulationFailure | undefined;
    for (const [i, action] of prepared.actions.entries()) {
      if (action.target.toLowerCase() === governorAddress.toLowerCase()) continue;
      const tx = { from: timelockAddress, to: action.target, data: action.calldata, value: action.value };
      try {
        await hre.ethers.provider.call({ ...tx, ...NEXT_BLOCK });
      } catch (e) {
        const reason = decoder.reasonOf(e);
        if (reason === undefined) throw e;
        if (reason === error) return actionFailure(i + 1, action, reason);
        first ??= actionFailure(i + 1, action, reason);
        continue;
      }
      await (await signer.sendTransaction({ to: tx.to, data: tx.data, value: tx.value })).wait();
    }
    return first;
  });
}

/**
 * On a network that cannot impersonate (a public one): each action as a call from the timelock on today's state, left
 * out (`unchecked`) the actions that use an implementation the proposal deploys (not there yet) and the calls to the
 * governor (it accepts them only inside its own execution). Each action is
 * checked alone, not after the ones before it, and not at the eta: a fork runs the full simulation.
 */
export async function checkActionsByCalls(
  hre: HardhatRuntimeEnvironment,
  prepared: PreparedProposal,
  decoder: Decoder,
): Promise<{ failure?: SimulationFailure; unchecked: number[] }> {
  const gov = await governor(hre);
  const [timelockAddress, governorAddress] = [await gov.timelock(), await gov.getAddress()];
  const unchecked: number[] = [];
  for (const [i, action] of prepared.actions.entries()) {
    const toGovernor = action.target.toLowerCase() === governorAddress.toLowerCase();
    if (toGovernor || JSON.stringify(action.args).includes(IMPLEMENTATION_PLACEHOLDER)) {
      unchecked.push(i + 1);
      continue;
    }
    try {
      await hre.ethers.provider.call({
        from: timelockAddress,
        to: action.target,
        data: action.calldata,
        value: action.value,
      });
    } catch (e) {
      const reason = decoder.reasonOf(e);
      if (reason === undefined) throw e;
      return { failure: actionFailure(i + 1, action, reason), unchecked };
    }
  }
  return { unchecked };
}

// ---------------------------------------------------------------------------------------------------------------------
// Safe Transaction Builder batches

export interface SafeBatchTransaction {
  to: string;
  value: string;
  data: string;
  contractMethod: { inputs: { internalType: string; name: string; type: string }[]; name: string; payable: boolean };
  contractInputsValues: Record<string, string>;
}

export interface SafeBatch {
  version: "1.0";
  chainId: string;
  createdAt: number;
  meta: {
    name: string;
    description: string;
    txBuilderVersion: string;
    createdFromSafeAddress?: string;
    checksum?: string;
  };
  transactions: SafeBatchTransaction[];
}

/** The Transaction Builder release whose batch format this writes. */
export const TX_BUILDER_VERSION = "1.18.0";

/** A value as the Transaction Builder's form takes it: decimal integers, arrays and tuples as JSON. */
function builderValue(value: unknown): string {
  const plain = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(plain) : typeof v === "bigint" ? v.toString() : ((v as object)?.toString?.() ?? v);
  if (Array.isArray(value)) return JSON.stringify(plain(value));
  return String(plain(value));
}

/** One transaction of a batch: the exact calldata, and the function and its inputs for the builder's form. */
export function safeTransaction(abi: Interface, action: PreparedAction): SafeBatchTransaction {
  const fragment = abi.getFunction(action.signature)!;
  const parsed = abi.decodeFunctionData(fragment, action.calldata);
  return {
    to: action.target,
    value: action.value.toString(),
    data: action.calldata,
    contractMethod: {
      inputs: fragment.inputs.map((input) => ({
        internalType: input.type,
        name: input.name,
        type: input.type,
      })),
      name: fragment.name,
      payable: fragment.payable,
    },
    contractInputsValues: Object.fromEntries(
      fragment.inputs.map((input, i) => [input.name || `arg${i}`, builderValue(parsed[i])]),
    ),
  };
}

/** JSON with sorted keys, as the Transaction Builder serialises a batch for its checksum (undefined as null). */
function serialiseForChecksum(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(serialiseForChecksum).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort();
    const fields = keys.map((k) => `${serialiseForChecksum((value as Record<string, unknown>)[k])},`).join("");
    return `{${JSON.stringify(keys)}${fields}}`;
  }
  return JSON.stringify(value === undefined ? null : value);
}

/** The batch with its `meta.checksum`: keccak-256 of the batch serialised with sorted keys, the name left out. */
export function withChecksum(batch: SafeBatch): SafeBatch {
  const { checksum: _ignored, ...meta } = batch.meta;
  void _ignored;
  const checksum = keccakText(serialiseForChecksum({ ...batch, meta: { ...meta, name: null } }));
  return { ...batch, meta: { ...meta, checksum } };
}
