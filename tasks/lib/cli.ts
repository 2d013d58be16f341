// What every task shares: one-line failures, argument parsing, the acting signer, and output (text or --json).
import { scope, task } from "hardhat/config";
import type { ConfigurableTaskDefinition } from "hardhat/types";
import { HardhatPluginError } from "hardhat/plugins";
import { HardhatError } from "hardhat/internal/core/errors";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { ContractTransactionResponse, Signer, TransactionRequest } from "ethers";
import { formatUnits, getAddress, isAddress } from "ethers";
import { existsSync, statSync, writeFileSync } from "fs";
import path from "path";
import { parseDuration, parseTokenAmount } from "../../deploy/lib/units";

export const PLUGIN = "alt-protocol";

/** Ends a task with one clear line (see `oneLineFailures`: no stack trace on any terminal). */
export function fail(message: string): never {
  throw new HardhatPluginError(PLUGIN, message);
}

/**
 * The task areas, each a Hardhat scope: `npx hardhat <area> <action>`; `npx hardhat help` lists the areas with these
 * descriptions and `npx hardhat <area> --help` (or `npx hardhat help <area>`) an area's tasks.
 */
export const AREAS = {
  deploy: "Deploy the protocol in stages and check a deployment against its parameter file",
  gov: "Governance: delegate, propose (simulated first), vote, queue, execute, inspect, export to a Safe",
  token: "The ALT token: balances and votes, transfers, approvals, delegation",
  vesting: "Vesting positions: list, release, delegate, hand over, revoke, sweep, create",
  airdrop: "The airdrop: build a Merkle tree, claim, sweep after the deadline",
  operator: "Operators: register, commission, information, the list of all",
  stake: "Restaking: deposit, request and complete unstakes, positions",
  slash: "Slash requests: list, veto (council), execute, claim and burn proceeds",
  rewards: "Rewards: pending, claim, settle",
  rollup: "Rollups: templates, create, information, batches, forced queue, outputs, lifetime, ownership",
  bridge: "Rollup bridges (portals): deposit, deposits, withdrawals, withdrawals root, prove, claim, refund",
  service: "Restaked services' operator sets: join, allocate, leave, remove, information",
  squad: "SQUAD sequencing: schedule, batches, seeds, miss and censorship reports",
  mach: "MACH fast finality: BLS keys, attestations, certificates, alerts, equivocations, invalid certificates",
  vital: "VITAL challenges: challenge, vote, resolve, report voters, list",
  time: "A local node's clock (Hardhat chains only)",
  keeper: "The keeper: every permissionless duty that is due, once (tick), in a loop (run), or one duty",
  keystore: "Encrypted JSON keystores to act with (--keystore on every task that sends)",
} as const;
export type Area = keyof typeof AREAS;

/** The definition of our task `name` (`"<area> <action>"`, or a task without area such as `simulate`). */
export function areaTask(name: string, description?: string): ConfigurableTaskDefinition {
  const [area, action] = name.split(" ");
  if (action === undefined) return task(name, description);
  if (!(area in AREAS)) throw new Error(`task ${name}: unknown area ${area}`);
  return scope(area, AREAS[area as Area]).task(action, description);
}

/** Every task of ours that is defined: `"<area> <action>"` for each scoped task, and `simulate`. */
export function ourTasks(hre: { scopes: Record<string, { tasks: Record<string, unknown> }> }): string[] {
  const scoped = Object.keys(AREAS).flatMap((area) =>
    Object.keys(hre.scopes[area]?.tasks ?? {}).map((action) => `${area} ${action}`),
  );
  return [...scoped, "simulate"];
}

/**
 * Makes every failure of `names` print one line when it is the task named on the command line, on every terminal:
 * Hardhat shows stack traces by default on what it takes for a CI server, which includes Linux without a display (SSH,
 * containers). The line is Hardhat's own ("Error in plugin alt-protocol: …"), or "Error: …" and a hint for an
 * unexpected error; the exit code 1; `--show-stack-traces` (or `--verbose`) shows the trace as Hardhat does. A task run by another task
 * or by the tests (`hre.run`) throws as before.
 */
export function oneLineFailures(names: string[]): void {
  const showTraces = process.argv.includes("--show-stack-traces") || process.argv.includes("--verbose");
  for (const name of names) {
    areaTask(name).setAction(async (args, _hre, runSuper) => {
      try {
        return await runSuper(args);
      } catch (e) {
        if (showTraces || !ranFromCommandLine(name)) throw e;
        console.error(failureLine(e));
        process.exitCode = 1;
      }
    });
  }
}

/** Whether `name` is the task this process was started for (`npx hardhat [options] <area> <action> ...`). */
function ranFromCommandLine(name: string): boolean {
  const argv = process.argv.slice(2);
  const words = name.split(" ");
  return argv.some((_, i) => words.every((word, j) => argv[i + j] === word));
}

/**
 * The line for a task's failure: a plugin's refusal as Hardhat prints it (ours are one line; another plugin's, as
 * Ignition's reconciliation errors, keep the lines that say why), or an unexpected error's first line with the hint.
 */
export function failureLine(e: unknown): string {
  if (HardhatPluginError.isHardhatPluginError(e)) return `Error in plugin ${e.pluginName}: ${e.message}`;
  if (HardhatError.isHardhatError(e)) return `Error ${e.message}`;
  const message = e instanceof Error ? e.message.split("\n")[0].trim() : String(e);
  return `Error: ${message} (run with --show-stack-traces for the trace)`;
}

/** Writes `content` to the file `out`, refusing in one line a folder that does not exist or a file it cannot write. */
export function writeOutput(out: string, content: string, options: { mode?: number } = {}): void {
  const dir = path.dirname(path.resolve(out));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) fail(`cannot write ${out}: no such directory ${dir}`);
  try {
    writeFileSync(out, content, options);
  } catch (e) {
    const { code, message } = e as NodeJS.ErrnoException;
    fail(`cannot write ${out}: ${code ?? message.replace(/\s+/g, " ")}`);
  }
}

/** Runs `parse` and turns any error it throws into a one-line task failure prefixed with `what`. */
export function parseOr<T>(what: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    fail(`${what}: ${(e as Error).message}`);
  }
}

export function parseAddress(value: string, what: string): string {
  if (!isAddress(value)) fail(`${what} is not a valid address: ${value}`);
  return getAddress(value);
}

export const parseAmount = (value: string, what: string) => parseOr(what, () => parseTokenAmount(value));
export const parseSeconds = (value: string, what: string) => parseOr(what, () => parseDuration(value));

/** ALT amounts for humans: "1,234.5 ALT". */
export function formatAlt(wei: bigint): string {
  const [whole, fraction] = formatUnits(wei, 18).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${grouped}${fraction === "0" ? "" : "." + fraction} ALT`;
}

export function formatTime(timestamp: number | bigint): string {
  return new Date(Number(timestamp) * 1000).toISOString().replace(".000Z", "Z");
}

/** "in 1d 4h" / "3h 20m ago" / "now", from `now` to `timestamp`. */
export function relativeTime(timestamp: number, now: number): string {
  const delta = timestamp - now;
  if (delta === 0) return "now";
  let rest = Math.abs(delta);
  const parts: string[] = [];
  for (const [unit, seconds] of [
    ["d", 86_400],
    ["h", 3_600],
    ["m", 60],
    ["s", 1],
  ] as const) {
    if (rest >= seconds && parts.length < 2) {
      parts.push(`${Math.floor(rest / seconds)}${unit}`);
      rest %= seconds;
    }
  }
  return delta > 0 ? `in ${parts.join(" ")}` : `${parts.join(" ")} ago`;
}

/** Whether the chain is a Hardhat network (in process, or `npx hardhat node`): one whose clock a task may move. */
export async function isHardhatChain(hre: HardhatRuntimeEnvironment): Promise<boolean> {
  const client: unknown = await hre.network.provider.send("web3_clientVersion");
  return String(client).startsWith("HardhatNetwork");
}

/** The account of `--keystore` while its task runs (tasks/lib/keys.ts): every `signerFor` returns it. */
let keystoreAccount: Signer | undefined;
export const actAs = (signer: Signer | undefined) => (keystoreAccount = signer);

/**
 * The signer a task acts as: the `--keystore` account if one is given, else `--from <address>` among the configured
 * accounts, else the first account.
 */
export async function signerFor(hre: HardhatRuntimeEnvironment, from?: string): Promise<Signer> {
  if (keystoreAccount !== undefined) return estimating(keystoreAccount);
  const signers = await hre.ethers.getSigners();
  if (signers.length === 0) {
    fail(`no account is configured for network ${hre.network.name}: npx hardhat vars set DEPLOYER_PRIVATE_KEY`);
  }
  let signer = signers[0];
  if (from !== undefined) {
    const address = parseAddress(from, "--from");
    const found = signers.find((s) => s.address === address);
    if (!found) fail(`--from ${address} is not an account of network ${hre.network.name}`);
    signer = found;
  }
  return estimating(signer);
}

const wrapped = new WeakSet<Signer>();

/** The first transaction a `--dry-run` task would have sent: it stops there, having sent nothing. */
export interface DryRunTransaction {
  from: string;
  to: string | null;
  value: string;
  data: string;
}

/** Thrown by a dry run's signer instead of sending its first transaction (see `dryRunOption`). */
class DryRunStop extends Error {
  constructor(readonly transaction: DryRunTransaction) {
    super("dry run: stopped before sending");
  }
}

let dryRunning = false;

/**
 * Adds `--dry-run` to each task of `names` that acts as an account (`--from`) and has no dry run of its own (the
 * governance tasks): the task runs its checks and simulations as usual, and stops at the first transaction it would
 * send, printing it (from, to, value, data) instead. A task that sends several transactions (an approval, then the
 * action) shows the first only: the later ones depend on it.
 */
export function dryRunOption(names: string[], applies: (name: string) => boolean): void {
  for (const name of names.filter(applies)) {
    areaTask(name)
      .addFlag("dryRun", "Run every check and simulation, then print the first transaction instead of sending it")
      .setAction(async (args: { dryRun?: boolean; json?: boolean }, _hre, runSuper) => {
        if (!args.dryRun) return runSuper(args);
        dryRunning = true;
        try {
          return await runSuper(args);
        } catch (e) {
          if (!(e instanceof DryRunStop)) throw e;
          const { transaction } = e;
          return output(args.json === true, { dryRun: true, transaction }, () => [
            "dry run: nothing was sent; the first transaction would be",
            `  from  ${transaction.from}`,
            `  to    ${transaction.to ?? "(a contract deployment)"}`,
            `  value ${transaction.value}`,
            `  data  ${transaction.data}`,
            "(every check and simulation before it passed; a later transaction of the task depends on it)",
          ]);
        } finally {
          dryRunning = false;
        }
      });
  }
}

/**
 * `signer`, estimating the gas of each transaction before sending it: a transaction the contracts refuse then fails
 * before anything is sent. (The in-process network's accounts otherwise send with a fixed gas limit, so a refused
 * transaction would be mined, reverted, and its gas paid.)
 */
function estimating<S extends Signer>(signer: S): S {
  if (wrapped.has(signer)) return signer;
  wrapped.add(signer);
  const send = signer.sendTransaction.bind(signer);
  signer.sendTransaction = async (tx: TransactionRequest) => {
    if (dryRunning) {
      const populated = await signer.populateCall(tx);
      throw new DryRunStop({
        from: await signer.getAddress(),
        to: populated.to == null ? null : String(populated.to),
        value: (populated.value ?? 0n).toString(),
        data: populated.data ?? "0x",
      });
    }
    return send(tx.gasLimit == null ? { ...tx, gasLimit: await signer.estimateGas(tx) } : tx);
  };
  return signer;
}

export interface TxReport {
  hash: string;
  gasUsed: string;
  block: number;
}

/**
 * The contract's refusal as one line, e.g. `SquadNotLeader(0x…, 0x…)`: the custom error decoded with the called
 * contract's ABI, else the node's own description (Hardhat names errors of any contract it compiled).
 */
export function revertReason(error: unknown): string | undefined {
  const hardhat = /reverted with (?:custom error|reason string|panic code) '?([^']*)'?$/.exec(
    String((error as Error)?.message),
  );
  if (hardhat) return hardhat[1];
  const e = error as { code?: string; revert?: { name: string; args: unknown[] } | null; shortMessage?: string };
  if (e?.code !== "CALL_EXCEPTION") return undefined;
  return e.revert ? `${e.revert.name}(${e.revert.args.map(String).join(", ")})` : e.shortMessage;
}

/**
 * Waits for a transaction and reports hash, gas and block. A transaction the contracts refuse fails at gas estimation,
 * before anything is sent: the task ends with the decoded refusal on one line, or what `explain` makes of it. (Refusals
 * that depend on time are left to the chain: it knows the time of the block the transaction would be in.)
 */
export async function confirm(
  tx: Promise<ContractTransactionResponse>,
  explain?: (reason: string) => string | undefined,
): Promise<TxReport> {
  let response: ContractTransactionResponse;
  try {
    response = await tx;
  } catch (error) {
    refused(error, explain);
  }
  const receipt = await response.wait();
  if (!receipt) fail("the transaction was dropped");
  return { hash: receipt.hash, gasUsed: receipt.gasUsed.toString(), block: receipt.blockNumber };
}

/**
 * Runs `call` (a `staticCall` of a transaction a task will send later) and ends the task with its refusal on one line,
 * as `confirm` does: a task that sends several transactions checks them all before it sends the first. A refusal by
 * one of the custom errors named in `expected` (one the task deals with before it sends `call`) is returned instead.
 */
export async function preflight(
  call: Promise<unknown>,
  explain?: (reason: string) => string | undefined,
  expected: string[] = [],
): Promise<string | undefined> {
  try {
    await call;
  } catch (error) {
    const reason = revertReason(error);
    if (reason !== undefined && expected.some((name) => reason.startsWith(`${name}(`))) return reason;
    refused(error, explain);
  }
  return undefined;
}

/** An ERC20 as the approval helpers need it (typechain's IERC20, AltToken, …). */
interface Approvable {
  allowance(owner: string, spender: string): Promise<bigint>;
  connect(signer: Signer): {
    approve: ((spender: string, amount: bigint) => Promise<ContractTransactionResponse>) & {
      staticCall(spender: string, amount: bigint, overrides: { blockTag: string }): Promise<boolean>;
    };
  };
}

/**
 * The approval `spender` needs from `signer` to take `amount` of `token`, simulated and not sent: undefined when the
 * allowance already covers it; without `--approve` (`approve` false) the task ends with one line. `format` writes an
 * amount with its unit ("1,000 ALT").
 */
export async function prepareApproval(
  token: Approvable,
  signer: Signer,
  spender: string,
  amount: bigint,
  approve: boolean,
  format: (amount: bigint) => string,
): Promise<(() => Promise<TxReport>) | undefined> {
  const allowance = await token.allowance(await signer.getAddress(), spender);
  if (allowance >= amount) return undefined;
  if (!approve) fail(`allowance ${format(allowance)} is below the ${format(amount)} needed: pass --approve`);
  await preflight(token.connect(signer).approve.staticCall(spender, amount, { blockTag: "pending" }));
  return () => confirm(token.connect(signer).approve(spender, amount));
}

/**
 * Simulates the paying transaction (`simulation`, its `staticCall`; refused only for the allowance when `approval` is
 * still to be sent, since the contracts take the payment after every other check), then sends the approval, if any:
 * nothing is sent before both are checked. Returns the approval sent.
 */
export async function approveFor(
  approval: (() => Promise<TxReport>) | undefined,
  simulation: () => Promise<unknown>,
  explain?: (reason: string) => string | undefined,
): Promise<TxReport | undefined> {
  await preflight(simulation(), explain, approval === undefined ? [] : ["ERC20InsufficientAllowance"]);
  return approval?.();
}

/** Ends the task with a contract's refusal, decoded, on one line; rethrows any other error. */
function refused(error: unknown, explain?: (reason: string) => string | undefined): never {
  const reason = revertReason(error);
  if (reason === undefined) throw error;
  fail(explain?.(reason) ?? `the contract refused the transaction: ${reason}`);
}

/** Prints `data` as JSON with --json, else the text lines; returns `data` so callers and tests can use it. */
export function output<T>(json: boolean, data: T, lines: () => string[]): T {
  if (json) {
    console.log(JSON.stringify(data, (_, v) => (typeof v === "bigint" ? v.toString() : v), 2));
  } else {
    for (const line of lines()) console.log(line);
  }
  return data;
}

export const txLine = (what: string, tx: TxReport) => `${what}: tx ${tx.hash} (gas ${tx.gasUsed}, block ${tx.block})`;
