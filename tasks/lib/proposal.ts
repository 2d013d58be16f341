// Proposal files: a description and a list of actions (contract, function, arguments, value), validated against the
// contracts' ABIs before anything is sent, plus the new implementations an upgrade proposal needs.
import { existsSync, readFileSync } from "fs";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { FunctionFragment, Signer } from "ethers";
import { AbiCoder, getAddress, Interface, isAddress, parseEther, id as keccakText } from "ethers";
import type { AltGovernor } from "../../typechain-types";
import { loadAddressBook, type AddressBook } from "./addressBook";
import { fail } from "./cli";

/** One call of a proposal as written in the file. */
export interface ActionInput {
  /** An address-book name ("Restaking#RestakingRegistry") or an address. */
  contract: string;
  /** The compiled contract whose ABI applies; needed only for an address the address book does not name. */
  artifact?: string;
  /** A function name, or its full signature when the name is overloaded: "setWithdrawalDelay(uint48)". */
  function: string;
  args?: unknown[];
  /** ETH sent with the call, in ether ("0.5"); default 0. */
  value?: string;
}

/** A new implementation to deploy before proposing, validated by the OpenZeppelin upgrades plugin against a proxy. */
export interface ImplementationInput {
  /** The compiled contract to deploy. */
  artifact: string;
  /** The proxy it will upgrade: an address-book name or address. */
  proxy: string;
}

export interface ProposalFile {
  description: string;
  /** Named implementations; an argument written "$<name>" is replaced by that implementation's address. */
  implementations?: Record<string, ImplementationInput>;
  actions: ActionInput[];
}

/** An action resolved against its ABI. */
export interface PreparedAction {
  target: string;
  /** Address-book name, or the artifact for an address outside the book. */
  contract: string;
  artifact: string;
  signature: string;
  args: unknown[];
  value: bigint;
  calldata: string;
}

export interface PreparedProposal {
  /** The description as proposed: the file's, with the `#proposer=` suffix that binds the id to the proposer. */
  description: string;
  descriptionHash: string;
  actions: PreparedAction[];
  targets: string[];
  values: bigint[];
  calldatas: string[];
  /** Deployed implementations by name. */
  implementations: Record<string, string>;
}

/** The artifact behind an address-book name: "Restaking#RestakingRegistry" -> RestakingRegistry. */
export function artifactOfKey(key: string): string {
  const name = key.slice(key.indexOf("#") + 1);
  return name.startsWith("Vesting_") ? "VestingPosition" : name;
}

/** The description a proposer submits: front-running protection per OpenZeppelin Governor (`#proposer=` suffix). */
export function describeFor(description: string, proposer: string): string {
  return `${description}#proposer=${getAddress(proposer)}`;
}

/** Reads and checks the file's shape; one line names the first thing wrong. */
export function readProposalFile(file: string): ProposalFile {
  if (!existsSync(file)) fail(`proposal file not found: ${file}`);
  let parsed: ProposalFile;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    fail(`proposal file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (parsed === null || typeof parsed !== "object") fail(`proposal file ${file} must hold an object`);
  if (typeof parsed.description !== "string" || parsed.description.trim() === "") {
    fail(`proposal file ${file}: "description" must be a non-empty string`);
  }
  if (parsed.description.includes("#proposer=")) {
    fail(`proposal file ${file}: the description must not carry a #proposer= suffix (the tasks add it)`);
  }
  if (!Array.isArray(parsed.actions) || parsed.actions.length === 0) {
    fail(`proposal file ${file}: "actions" must be a non-empty list`);
  }
  const implementations = parsed.implementations ?? {};
  if (typeof implementations !== "object" || Array.isArray(implementations)) {
    fail(`proposal file ${file}: "implementations" must be an object of name: {artifact, proxy}`);
  }
  for (const [name, impl] of Object.entries(implementations)) {
    if (typeof impl?.artifact !== "string" || typeof impl?.proxy !== "string") {
      fail(`proposal file ${file}: implementation ${name} needs "artifact" and "proxy"`);
    }
  }
  parsed.actions.forEach((action, i) => {
    if (action === null || typeof action !== "object") fail(`action ${i + 1} must be an object`);
    if (typeof action.contract !== "string")
      fail(`action ${i + 1}: "contract" must be an address-book name or address`);
    if (typeof action.function !== "string") fail(`action ${i + 1}: "function" must be a name or signature`);
    if (action.args !== undefined && !Array.isArray(action.args)) fail(`action ${i + 1}: "args" must be a list`);
  });
  return parsed;
}

async function abiOf(hre: HardhatRuntimeEnvironment, artifact: string, what: string): Promise<Interface> {
  if (!(await hre.artifacts.artifactExists(artifact))) fail(`${what}: no compiled contract named ${artifact}`);
  return new Interface((await hre.artifacts.readArtifact(artifact)).abi);
}

/** A contract named by address-book key or address: its address, label and artifact. */
function resolveContract(book: AddressBook, value: string, artifact: string | undefined, what: string) {
  if (book[value] !== undefined)
    return { address: book[value], label: value, artifact: artifact ?? artifactOfKey(value) };
  if (!isAddress(value)) fail(`${what}: ${value} is neither an address-book name nor an address`);
  const address = getAddress(value);
  const key = Object.keys(book).find((k) => book[k] === address);
  if (key !== undefined) return { address, label: key, artifact: artifact ?? artifactOfKey(key) };
  if (artifact === undefined)
    fail(`${what}: ${address} is not in the address book: add "artifact" naming its contract`);
  return { address, label: address, artifact };
}

function findFunction(abi: Interface, name: string, artifact: string, what: string): FunctionFragment {
  const functions = abi.fragments.filter((f): f is FunctionFragment => f.type === "function");
  const matches = functions.filter((f) => f.format("sighash") === name || f.name === name);
  if (matches.length === 0) fail(`${what}: ${artifact} has no function ${name}`);
  if (matches.length > 1) {
    fail(`${what}: ${name} is overloaded in ${artifact}: write one of ${matches.map((f) => f.format("sighash"))}`);
  }
  const fragment = matches[0];
  if (fragment.constant)
    fail(`${what}: ${artifact}.${fragment.format("sighash")} is a view function: it changes nothing`);
  return fragment;
}

/** Encodes the arguments, naming the first one that does not fit its type. */
function encodeCall(fragment: FunctionFragment, args: unknown[], what: string): string {
  if (args.length !== fragment.inputs.length) {
    fail(`${what}: ${fragment.format("sighash")} takes ${fragment.inputs.length} arguments, not ${args.length}`);
  }
  fragment.inputs.forEach((input, i) => {
    try {
      AbiCoder.defaultAbiCoder().encode([input], [args[i]]);
    } catch (e) {
      const reason = (e as { shortMessage?: string }).shortMessage ?? (e as Error).message;
      fail(`${what}: argument ${i + 1} (${input.format("full")}) of ${fragment.name}: ${reason}`);
    }
  });
  return new Interface([fragment]).encodeFunctionData(fragment, args);
}

/** Replaces every argument written "$<name>" by the address of that implementation. */
function substitute(value: unknown, implementations: Record<string, string>, what: string): unknown {
  if (Array.isArray(value)) return value.map((v) => substitute(v, implementations, what));
  if (typeof value !== "string" || !value.startsWith("$")) return value;
  const address = implementations[value.slice(1)];
  if (address === undefined) fail(`${what}: ${value} names no implementation of the file`);
  return address;
}

/** The address an argument "$<name>" stands for until its implementation is deployed. */
export const IMPLEMENTATION_PLACEHOLDER = "0x000000000000000000000000000000000000dEaD";

/**
 * Checks every action against its ABI (before anything is sent), then deploys the file's implementations from
 * `deployer` after the upgrades plugin has validated each against its proxy, and encodes the calls. With
 * `deploy: false` nothing is deployed: each "$<name>" argument is IMPLEMENTATION_PLACEHOLDER.
 */
export async function prepareProposal(
  hre: HardhatRuntimeEnvironment,
  file: ProposalFile,
  proposer: string,
  deployer: Signer | undefined,
  { deploy = true }: { deploy?: boolean } = {},
): Promise<PreparedProposal> {
  const book = await loadAddressBook(hre);
  const placeholders = Object.fromEntries(
    Object.keys(file.implementations ?? {}).map((name) => [name, IMPLEMENTATION_PLACEHOLDER]),
  );
  const resolved = [];
  for (const [i, action] of file.actions.entries()) {
    const what = `action ${i + 1}`;
    const contract = resolveContract(book, action.contract, action.artifact, what);
    const fragment = findFunction(await abiOf(hre, contract.artifact, what), action.function, contract.artifact, what);
    if ((await hre.ethers.provider.getCode(contract.address)) === "0x")
      fail(`${what}: no contract at ${contract.address}`);
    let value = 0n;
    if (action.value !== undefined) {
      try {
        value = parseEther(String(action.value));
      } catch {
        fail(`${what}: value must be an amount of ether such as "0.5", not ${String(action.value)}`);
      }
      if (value > 0n && !fragment.payable) fail(`${what}: ${fragment.format("sighash")} is not payable`);
    }
    const args = action.args ?? [];
    encodeCall(fragment, substitute(args, placeholders, what) as unknown[], what); // validate before deploying
    resolved.push({ contract, fragment, args, value, what });
  }
  for (const [name, impl] of Object.entries(file.implementations ?? {})) {
    const what = `implementation ${name}`;
    await abiOf(hre, impl.artifact, what);
    resolveContract(book, impl.proxy, undefined, what);
  }

  if (deploy && deployer === undefined && Object.keys(placeholders).length > 0) {
    fail("the proposal's implementations need an account to deploy them");
  }
  const implementations = deploy
    ? await deployImplementations(hre, book, file.implementations ?? {}, deployer!)
    : placeholders;
  const actions = resolved.map(({ contract, fragment, args, value, what }): PreparedAction => {
    const concrete = substitute(args, implementations, what) as unknown[];
    return {
      target: contract.address,
      contract: contract.label,
      artifact: contract.artifact,
      signature: fragment.format("sighash"),
      args: concrete,
      value,
      calldata: encodeCall(fragment, concrete, what),
    };
  });
  const description = describeFor(file.description, proposer);
  return {
    description,
    descriptionHash: keccakText(description),
    actions,
    targets: actions.map((a) => a.target),
    values: actions.map((a) => a.value),
    calldatas: actions.map((a) => a.calldata),
    implementations,
  };
}

/**
 * Deploys each implementation once the upgrades plugin has checked it is a safe UUPS upgrade of its proxy's current
 * implementation (storage layout, no constructor state, upgrade function kept); an unsafe one ends the task.
 */
async function deployImplementations(
  hre: HardhatRuntimeEnvironment,
  book: AddressBook,
  inputs: Record<string, ImplementationInput>,
  deployer: Signer,
): Promise<Record<string, string>> {
  const deployed: Record<string, string> = {};
  for (const [name, impl] of Object.entries(inputs)) {
    const proxy = resolveContract(book, impl.proxy, undefined, `implementation ${name}`);
    const current = await hre.ethers.getContractFactory(proxy.artifact, deployer);
    const next = await hre.ethers.getContractFactory(impl.artifact, deployer);
    try {
      await hre.upgrades.forceImport(proxy.address, current, { kind: "uups" });
      deployed[name] = (await hre.upgrades.prepareUpgrade(proxy.address, next, { kind: "uups" })) as string;
    } catch (e) {
      const message = (e as Error).message.split("\n").filter((line) => line.trim() !== "");
      fail(`implementation ${name} (${impl.artifact}) is not a safe upgrade of ${proxy.label}: ${message.join(" ")}`);
    }
  }
  return deployed;
}

/** The id the governor gives `prepared`; refused if that proposal exists already (same actions, description, proposer). */
export async function newProposalId(governor: AltGovernor, prepared: PreparedProposal): Promise<bigint> {
  const { targets, values, calldatas, descriptionHash } = prepared;
  const id = await governor.hashProposal(targets, values, calldatas, descriptionHash);
  if ((await governor.proposalSnapshot(id)) !== 0n) fail(`this proposal already exists: ${id}`);
  return id;
}
