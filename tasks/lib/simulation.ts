// gov:simulate: a proposal taken through every stage on the in-process network by impersonated delegates, reporting
// the events of its execution and the state it changed. No private key is needed.
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { FunctionFragment, Signer } from "ethers";
import { dataSlice, getAddress, Interface, toBeHex } from "ethers";
import type { AltGovernor } from "../../typechain-types";
import { loadAddressBook, type AddressBook } from "./addressBook";
import { confirm, fail, formatAlt } from "./cli";
import { deployProtocol } from "./deployment";
import { altToken } from "./genesis";
import { GOVERNANCE_KEYS, governor as governorOf } from "./governance";
import { artifactOfKey, newProposalId, prepareProposal, type ProposalFile } from "./proposal";

/** ERC-1967 implementation slot: an upgrade shows as a change of it. */
const IMPLEMENTATION_SLOT = "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc";

export interface SimulationReport {
  id: string;
  /** Whether the protocol was deployed from parameters first (nothing was deployed in this process). */
  deployed: boolean;
  proposer: string;
  voters: { voter: string; weight: bigint }[];
  stages: { state: string; time: number; detail: string }[];
  /** The execution's events, decoded where the emitter is in the address book: "Contract.Event(arg=value, ...)". */
  events: string[];
  /** Every argument-free view of each target, and its ERC-1967 implementation, that differs after execution. */
  changes: { contract: string; field: string; before: string; after: string }[];
}

async function impersonate(hre: HardhatRuntimeEnvironment, address: string): Promise<Signer> {
  await hre.network.provider.send("hardhat_setBalance", [address, toBeHex(10n ** 20n)]);
  return hre.ethers.getImpersonatedSigner(address);
}

/** Mines an empty block at `timestamp` unless the chain is already there. */
async function advanceTo(hre: HardhatRuntimeEnvironment, timestamp: number) {
  const latest = (await hre.ethers.provider.getBlock("latest"))!.timestamp;
  if (timestamp <= latest) return;
  await hre.network.provider.send("evm_setNextBlockTimestamp", [timestamp]);
  await hre.network.provider.send("evm_mine");
}

/** Every address that ever received delegated ALT votes, by current votes, largest first (the timelock left out). */
async function delegatesByVotes(hre: HardhatRuntimeEnvironment, timelock: string) {
  const token = await altToken(hre);
  const events = await token.queryFilter(token.filters.DelegateVotesChanged());
  const delegates = [...new Set(events.map((e) => e.args.delegate))].filter((d) => d !== timelock);
  const withVotes = await Promise.all(delegates.map(async (d) => ({ voter: d, weight: await token.getVotes(d) })));
  return withVotes
    .filter((d) => d.weight > 0n)
    .sort((a, b) => (a.weight > b.weight ? -1 : a.weight < b.weight ? 1 : 0));
}

/** Interfaces of the book's contracts by address, to decode events and read views. */
async function interfaces(hre: HardhatRuntimeEnvironment, book: AddressBook) {
  const byAddress = new Map<string, { label: string; abi: Interface }>();
  for (const [key, address] of Object.entries(book)) {
    const artifact = await hre.artifacts.readArtifact(artifactOfKey(key));
    byAddress.set(address.toLowerCase(), { label: key.slice(key.indexOf("#") + 1), abi: new Interface(artifact.abi) });
  }
  return byAddress;
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

/** Deploys from parameters if this process has no governor yet, then takes the file's proposal through every stage. */
export async function simulateProposal(
  hre: HardhatRuntimeEnvironment,
  file: ProposalFile,
  parameters?: string,
): Promise<SimulationReport> {
  let book: AddressBook | undefined;
  try {
    book = await loadAddressBook(hre);
  } catch {
    book = undefined; // nothing deployed in this process
  }
  const deployed = book?.[GOVERNANCE_KEYS.governor] === undefined;
  if (!deployed && parameters !== undefined) {
    fail("--parameters applies only when nothing is deployed yet: this process already has a governor");
  }
  if (deployed) book = await deployProtocol(hre, "governance", parameters);
  const governor: AltGovernor = await governorOf(hre);
  const timelock = await governor.timelock();

  const delegates = await delegatesByVotes(hre, timelock);
  const threshold = await governor.proposalThreshold();
  if (delegates.length === 0 || delegates[0].weight < threshold) {
    fail(`no delegate holds the ${formatAlt(threshold)} of votes needed to propose`);
  }
  const proposer = delegates[0].voter;
  const [deployer] = await hre.ethers.getSigners();
  const prepared = await prepareProposal(hre, file, proposer, deployer);
  const id = await newProposalId(governor, prepared);
  const proposerSigner = await impersonate(hre, proposer);
  const stages: SimulationReport["stages"] = [];
  const stage = async (state: string, detail: string) =>
    stages.push({ state, time: (await hre.ethers.provider.getBlock("latest"))!.timestamp, detail });

  const proposal = await confirm(
    governor
      .connect(proposerSigner)
      .propose(prepared.targets, prepared.values, prepared.calldatas, prepared.description),
  );
  await stage("Pending", `proposed by ${proposer} in tx ${proposal.hash}`);

  const snapshot = Number(await governor.proposalSnapshot(id));
  await advanceTo(hre, snapshot + 1);
  const quorum = await governor.quorum(snapshot);
  const voters: SimulationReport["voters"] = [];
  let tally = 0n;
  for (const delegate of delegates) {
    if (tally >= quorum) break;
    voters.push(delegate);
    tally += delegate.weight;
  }
  if (tally < quorum)
    fail(`the delegates' ${formatAlt(tally)} of votes cannot reach the quorum of ${formatAlt(quorum)}`);
  for (const { voter } of voters) {
    await confirm(governor.connect(await impersonate(hre, voter)).castVote(id, 1));
  }
  await stage("Active", `${voters.length} delegates voted for with ${formatAlt(tally)} (quorum ${formatAlt(quorum)})`);

  await advanceTo(hre, Number(await governor.proposalDeadline(id)) + 1);
  await stage("Succeeded", "voting closed");
  await confirm(governor["queue(uint256)"](id));
  const eta = Number(await governor.proposalEta(id));
  await stage("Queued", `executable from the timelock's eta ${eta}`);

  await advanceTo(hre, eta);
  const byAddress = await interfaces(hre, book!);
  const targets = [...new Set(prepared.targets.map((t) => t.toLowerCase()))].map((address) => {
    const known = byAddress.get(address);
    const action = prepared.actions.find((a) => a.target.toLowerCase() === address)!;
    return { address, label: known?.label ?? action.contract, abi: known?.abi ?? new Interface([]) };
  });
  const before = await readState(hre, targets);
  const value = prepared.values.reduce((sum, v) => sum + v, 0n);
  const execution = await confirm(governor["execute(uint256)"](id, { value }));
  await stage("Executed", `tx ${execution.hash}`);
  const after = await readState(hre, targets);

  const receipt = (await hre.ethers.provider.getTransactionReceipt(execution.hash))!;
  const events = receipt.logs.map((log) => {
    const known = byAddress.get(log.address.toLowerCase());
    const parsed = known?.abi.parseLog(log);
    if (!known || !parsed) return `${log.address} topic ${log.topics[0]}`;
    const args = parsed.fragment.inputs.map((input, i) => `${input.name}=${parsed.args[i]}`);
    return `${known.label}.${parsed.name}(${args.join(", ")})`;
  });
  const changes = [...after.entries()]
    .filter(([key, value]) => before.get(key) !== value)
    .map(([key, value]) => {
      const [contract, field] = key.split("\u0000");
      return { contract, field, before: before.get(key) ?? "", after: value };
    });
  return { id: id.toString(), deployed, proposer, voters, stages, events, changes };
}
