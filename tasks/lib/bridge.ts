// What the bridge tasks read of a rollup's portal: its deposits with their state, the live outputs with the parts a
// claim proves against, and for each withdrawal of an L2's withdrawals file where and when it can be claimed.
import { readFileSync } from "fs";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { formatUnits, ZeroAddress } from "ethers";
import type { Portal, Rollup } from "../../typechain-types";
import { scanStart } from "./addressBook";
import { fail, formatTime, parseOr } from "./cli";
import { OUTPUT_STATUS } from "./rollups";
import { leafOf, parseWithdrawals, treeAt, withdrawalHash, type L2Withdrawal, type OutputProof } from "./withdrawals";

export async function portalOf(hre: HardhatRuntimeEnvironment, rollup: Rollup): Promise<Portal> {
  return hre.ethers.getContractAt("Portal", await rollup.portal()) as unknown as Promise<Portal>;
}

/** The JSON content of `file`, refused in one line when it cannot be read or is not JSON. */
export function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    fail(`cannot read ${file}: ${(e as Error).message.split("\n")[0]}`);
  }
  return parseOr(`${file} is not valid JSON`, () => JSON.parse(text));
}

/** The withdrawals of an L2's withdrawals file (tasks/lib/withdrawals.ts `parseWithdrawals`), refused in one line. */
export function readWithdrawals(file: string): L2Withdrawal[] {
  const json = readJson(file);
  return parseOr(`${file} is not a withdrawals file`, () => parseWithdrawals(json));
}

export const DEPOSIT_STATUS = ["queued", "overdue", "included", "refundable", "refunded"] as const;

export interface DepositInfo {
  queueIndex: bigint;
  from: string;
  to: string;
  token: string;
  amount: bigint;
  deadline: number;
  status: (typeof DEPOSIT_STATUS)[number];
}

/** Every deposit of `portal` (from `DepositInitiated`), or only the one at queue index `only`, and its state now. */
export async function deposits(rollup: Rollup, portal: Portal, now: number, only?: bigint): Promise<DepositInfo[]> {
  const events = await portal.queryFilter(portal.filters.DepositInitiated(only), await scanStart());
  const [head, retired] = [await rollup.queueHead(), (await rollup.status()) === 2n];
  const found: DepositInfo[] = [];
  for (const e of events) {
    const { queueIndex, from, to, token, amount } = e.args;
    const deadline = Number((await rollup.queuedTransaction(queueIndex)).deadline);
    const status =
      queueIndex < head
        ? "included"
        : (await portal.isRefunded(queueIndex))
          ? "refunded"
          : retired
            ? "refundable"
            : deadline < now
              ? "overdue"
              : "queued";
    found.push({ queueIndex, from, to, token, amount, deadline, status });
  }
  return found;
}

/** A live output and the parts of its root a claim proves against (from its `OutputProposed`). */
export interface LiveOutput {
  index: bigint;
  l2BlockNumber: bigint;
  status: (typeof OUTPUT_STATUS)[number];
  proposedAt: number;
  proof: OutputProof;
}

/** The rollup's live outputs, each with its output proof: the latest `OutputProposed` of its index with its root. */
export async function liveOutputs(rollup: Rollup): Promise<LiveOutput[]> {
  const count = await rollup.outputCount();
  const events = await rollup.queryFilter(rollup.filters.OutputProposed(), await scanStart());
  const outputs: LiveOutput[] = [];
  for (let index = 0n; index < count; index++) {
    const o = await rollup.output(index);
    const proposed = [...events].reverse().find((e) => e.args.index === index && e.args.root === o.root);
    if (proposed === undefined) continue; // proposed before the scan's start: not provable from here
    const { withdrawalsRoot, batchRoot, parentRoot } = proposed.args;
    outputs.push({
      index,
      l2BlockNumber: o.l2BlockNumber,
      status: OUTPUT_STATUS[Number(o.status)],
      proposedAt: Number(o.proposedAt),
      proof: { withdrawalsRoot, batchRoot, parentRoot },
    });
  }
  return outputs;
}

/** Where a withdrawal stands: claimed, claimable against an output, waiting for an output to finalize, or in none. */
export interface WithdrawalState {
  withdrawal: L2Withdrawal;
  hash: string;
  status: "claimed" | "claimable" | "claimable fast" | "waiting" | "not in an output";
  /**
   * The output to claim against: the latest Finalized one holding it; else, for ALT within a FastFinalized output's
   * fast capacity, the one with the most; else the earliest live one holding it.
   */
  output?: LiveOutput;
  /** What a fast claim against `output` may take now (`Portal.fastCapacity`; a claimable fast withdrawal's). */
  fastCapacity?: bigint;
  /** When it becomes claimable (a waiting withdrawal of an optimistic rollup: its output's end of challenge period). */
  claimableAt?: number;
}

/**
 * The state of each of `withdrawals` (the L2's, from its file): an output holds a withdrawal when its withdrawals
 * root is the tree of the file's withdrawals up to its block (`treeAt`) and the withdrawal is in it; outputs whose root
 * is another tree (a file that is not this L2's, or incomplete) hold none.
 */
export async function withdrawalStates(
  rollup: Rollup,
  portal: Portal,
  withdrawals: L2Withdrawal[],
): Promise<WithdrawalState[]> {
  const outputs = await liveOutputs(rollup);
  const matching = outputs.filter((o) => treeAt(withdrawals, o.l2BlockNumber).root === o.proof.withdrawalsRoot);
  const optimistic = (await rollup.proofSystem()) === 0n;
  const challengePeriod = Number(await rollup.challengePeriod());
  const alt = (await portal.alt()).toLowerCase();
  const capacities = new Map<bigint, bigint>();
  for (const o of matching)
    if (o.status === "FastFinalized") capacities.set(o.index, await portal.fastCapacity(o.index));
  const states: WithdrawalState[] = [];
  for (const withdrawal of withdrawals) {
    const hash = withdrawalHash(withdrawal);
    const holding = matching.filter((o) => o.l2BlockNumber >= withdrawal.l2Block);
    const finalized = holding.filter((o) => o.status === "Finalized");
    const fast = withdrawal.token.toLowerCase() === alt ? fastest(holding, capacities, withdrawal.amount) : undefined;
    if (await portal.isClaimed(hash)) {
      states.push({ withdrawal, hash, status: "claimed" });
    } else if (finalized.length !== 0) {
      states.push({ withdrawal, hash, status: "claimable", output: finalized[finalized.length - 1] });
    } else if (fast !== undefined) {
      states.push({
        withdrawal,
        hash,
        status: "claimable fast",
        output: fast,
        fastCapacity: capacities.get(fast.index),
      });
    } else if (holding.length !== 0) {
      const output = holding[0];
      const claimableAt = optimistic ? output.proposedAt + challengePeriod : undefined;
      states.push({ withdrawal, hash, status: "waiting", output, ...(claimableAt && { claimableAt }) });
    } else {
      states.push({ withdrawal, hash, status: "not in an output" });
    }
  }
  return states;
}

/** Of `outputs`, the FastFinalized one whose fast capacity is the largest and covers `amount` (none if none does). */
function fastest(outputs: LiveOutput[], capacities: Map<bigint, bigint>, amount: bigint): LiveOutput | undefined {
  let best: LiveOutput | undefined;
  for (const o of outputs) {
    const capacity = capacities.get(o.index) ?? 0n;
    if (capacity >= amount && (best === undefined || capacity > capacities.get(best.index)!)) best = o;
  }
  return best;
}

/** The arguments of `Portal.claimWithdrawal` for `state` (claimable or waiting), to `to`. */
export function claimArguments(state: WithdrawalState, withdrawals: L2Withdrawal[], to: string) {
  const { output } = state;
  if (output === undefined) fail(`withdrawal ${state.withdrawal.nonce} is in no output yet`);
  const withdrawal = leafOf(state.withdrawal);
  const proof = treeAt(withdrawals, output.l2BlockNumber).proof(withdrawal);
  return { withdrawal, outputIndex: output.index, outputProof: output.proof, proof, to };
}

/** `amount` of `token` for display: "1.5 ETH", "30.0 BRG" (the token's decimals and symbol), or raw units and the
 * address of a token without them. */
export async function formatToken(hre: HardhatRuntimeEnvironment, token: string, amount: bigint): Promise<string> {
  if (token === ZeroAddress) return `${formatUnits(amount)} ETH`;
  const erc20 = await hre.ethers.getContractAt("IERC20Metadata", token);
  const [decimals, symbol] = [
    await erc20.decimals().catch(() => undefined),
    await erc20.symbol().catch(() => undefined),
  ];
  if (decimals === undefined || symbol === undefined) return `${amount} units of ${token}`;
  return `${formatUnits(amount, decimals)} ${symbol}`;
}

/** The portal's refusals a task cannot check before simulating, in words (else the decoded error as it is). */
export function explainPortal(reason: string): string | undefined {
  const match = /^(\w+)\((.*)\)$/.exec(reason);
  if (match === null) return undefined;
  const args = match[2].split(", ").map((a) => a.replace(/"/g, ""));
  switch (match[1]) {
    case "PortalNotPayee":
      return `only ${args[1]} may have it paid to another address, not ${args[0]}`;
    case "PortalUnsupportedToken":
      return (
        `the portal refuses token ${args[0]}: it moved ${args[2]} of the ${args[1]} units asked ` +
        "(fee-on-transfer and rebasing tokens are refused)"
      );
    case "PortalFastLimit":
      return (
        `a fast withdrawal against output ${args[0]} would bring the ALT paid out fast to ${formatUnits(args[1])}, ` +
        `above its cover of ${formatUnits(args[2])} ALT: wait for finality, or for earlier fast withdrawals to settle`
      );
    case "RegistryZeroAmount":
      return "nothing to recover: no slash of the rollup's MACH signers is credited to the portal";
    case "PortalPaused":
      return `the rollup is paused until ${formatTime(BigInt(args[0]))}: claims wait for the pause to end`;
    default:
      return undefined;
  }
}
