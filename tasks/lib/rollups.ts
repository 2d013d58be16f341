// Address-book keys of the rollup factory deployment (Ignition future ids), typed handles to its contracts, and the
// rollup and ALT-payment checks the rollup and service tasks share, and the readiness checks of a rollup's actions
// (batches, outputs to finalize, reclaimable fees) that the rollup tasks and a keeper share.
import { readFileSync } from "fs";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Signer } from "ethers";
import { AbiCoder, ZeroAddress, ZeroHash, getBytes, isHexString, keccak256, dataSlice } from "ethers";
import type { Rollup, RollupFactory } from "../../typechain-types";
import { addressOf } from "./addressBook";
import {
  approveFor,
  confirm,
  fail,
  formatAlt,
  formatTime,
  parseAddress,
  prepareApproval,
  preflight,
  relativeTime,
  type TxReport,
} from "./cli";
import { altToken, requireAlt } from "./genesis";
import { latestTime, parseWhole } from "./restaking";

export const ROLLUP_KEYS = {
  factory: "Rollups#RollupFactory",
  implementation: "Rollups#Rollup",
  portal: "Rollups#Portal",
  mockVerifier: "Rollups#MockVerifier",
} as const;

export async function rollupFactory(hre: HardhatRuntimeEnvironment): Promise<RollupFactory> {
  const address = await addressOf(hre, ROLLUP_KEYS.factory);
  return hre.ethers.getContractAt("RollupFactory", address) as unknown as Promise<RollupFactory>;
}

export function rollupAt(hre: HardhatRuntimeEnvironment, address: string): Promise<Rollup> {
  return hre.ethers.getContractAt("Rollup", address) as unknown as Promise<Rollup>;
}

/** A rollup by address or chain ID. */
export async function parseRollup(
  hre: HardhatRuntimeEnvironment,
  factory: RollupFactory,
  value: string,
): Promise<Rollup> {
  let address: string;
  if (/^\d+$/.test(value)) {
    address = await factory.rollupByChainId(value);
    if (address === ZeroAddress) fail(`no rollup has chain ID ${value}`);
  } else {
    address = parseAddress(value, "--rollup");
    // a factory rollup is the one its chain ID names (the same check the services make)
    let chainId: bigint | undefined;
    if ((await hre.ethers.provider.getCode(address)) !== "0x") {
      chainId = await (await rollupAt(hre, address)).chainId().catch(() => undefined);
    }
    if (chainId === undefined || (await factory.rollupByChainId(chainId)) !== address) {
      fail(`${address} is not a rollup of the factory`);
    }
  }
  return rollupAt(hre, address);
}

/** What an output root commits to (see IRollup.Output): the L2 state root, the batch chain at proposal, the parent. */
export interface OutputParts {
  l2BlockNumber: bigint | number;
  stateRoot: string;
  /** The root of the L2's withdrawals so far (tasks/lib/withdrawals.ts); zero when it has made none. */
  withdrawalsRoot?: string;
  batchCount: bigint | number;
  batchRoot: string;
  /** The previous live output's root; zero for output 0. */
  parentRoot?: string;
}

/** The output root the rollup stores:
 * keccak256(abi.encode(l2, stateRoot, withdrawalsRoot, batchCount, batchRoot, parentRoot)). */
export function outputRootOf(p: OutputParts): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["uint64", "bytes32", "bytes32", "uint64", "bytes32", "bytes32"],
      [
        p.l2BlockNumber,
        p.stateRoot,
        p.withdrawalsRoot ?? ZeroHash,
        p.batchCount,
        p.batchRoot,
        p.parentRoot ?? ZeroHash,
      ],
    ),
  );
}

export const OUTPUT_STATUS = ["None", "Proposed", "FastFinalized", "Finalized"] as const;

/** What a rollup keeps of a queued hash (`QueuedTx.txHash`, and what a forced batch commits to): its first 26 bytes. */
export const queuedHash = (txHash: string) => dataSlice(txHash, 0, 26);

/** Output `value` (an index, from --output) of `rollup`, refusing an index past its outputs. */
export async function rollupOutput(rollup: Rollup, value: string) {
  const index = parseWhole(value, "--output");
  const count = await rollup.outputCount();
  if (index >= count) fail(`the rollup has ${count} outputs: no output ${index}`);
  return { index, output: await rollup.output(index) };
}

/** Prepares paying `amount` ALT to `spender`, sending nothing: balance checked, and the approval (if the allowance is
 * short; refused without `approve`) simulated. Returns the approval to send, or undefined when none is needed. */
export async function prepareAlt(
  hre: HardhatRuntimeEnvironment,
  signer: Signer,
  spender: string,
  amount: bigint,
  approve: boolean,
): Promise<(() => Promise<TxReport>) | undefined> {
  const token = await altToken(hre);
  await requireAlt(token, await signer.getAddress(), amount);
  return prepareApproval(token, signer, spender, amount, approve, formatAlt);
}

/**
 * Pays `amount` ALT to `spender` for the transaction `simulation` checks (its `staticCall`), sending nothing before
 * both are simulated: the balance, then the transaction, then the approval, which is sent last (`approveFor`). Returns
 * the approval sent, if any.
 */
export async function payAlt(
  hre: HardhatRuntimeEnvironment,
  signer: Signer,
  spender: string,
  amount: bigint,
  approve: boolean,
  simulation: () => Promise<unknown>,
): Promise<TxReport | undefined> {
  return approveFor(await prepareAlt(hre, signer, spender, amount, approve), simulation);
}

export const ROLLUP_STATUS = ["Active", "Settling", "Retired"] as const;

/** "2025-01-01T00:00:00Z (in 2h)": a time and how far it is from `now` (the latest block's). */
export const timeAt = (timestamp: number | bigint, now: number) =>
  `${formatTime(timestamp)} (${relativeTime(Number(timestamp), now)})`;

/** A 32-byte hex value (hash, commitment). */
export function parseBytes32(value: string, what: string): string {
  if (!isHexString(value, 32)) fail(`${what} must be 32-byte hex, not ${value}`);
  return value.toLowerCase();
}

/**
 * The bytes of a file: a file of hex text ("0x…", whitespace around it ignored) is read as the bytes it spells, any
 * other file as it is.
 */
export function readBytes(file: string, what: string): Uint8Array {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (e) {
    fail(`${what}: cannot read ${file}: ${(e as Error).message.split("\n")[0]}`);
  }
  const text = raw.toString("utf8").trim();
  if (/^0x([0-9a-fA-F]{2})*$/.test(text)) return getBytes(text);
  return new Uint8Array(raw);
}

/** Exactly one of two flags giving the same thing (`--commitment` or `--data`). */
export function oneOf<T>(a: [string, T | undefined], b: [string, T | undefined]): [string, T] {
  if (a[1] !== undefined && b[1] !== undefined) fail(`pass ${a[0]} or ${b[0]}, not both`);
  if (a[1] === undefined && b[1] === undefined) fail(`pass ${a[0]} or ${b[0]}`);
  return a[1] !== undefined ? [a[0], a[1]] : [b[0], b[1] as T];
}

/**
 * Refuses unless `rollup` takes batches and queued transactions now (at the next block, after `now`): not retired,
 * not paused, Active (not past its expiry).
 */
export async function requireActive(rollup: Rollup, now: number): Promise<void> {
  const address = await rollup.getAddress();
  const status = ROLLUP_STATUS[Number(await rollup.status())];
  if (status === "Retired") fail(`rollup ${address} is retired`);
  await requireNotPaused(rollup, now);
  const expiry = Number(await rollup.expiry());
  if (status === "Settling" || (expiry !== 0 && now + 1 >= expiry)) {
    fail(`rollup ${address} expired at ${timeAt(expiry, now)}: it is Settling, not Active`);
  }
}

/** Refuses if `rollup` is paused at the next block. */
export async function requireNotPaused(rollup: Rollup, now: number): Promise<void> {
  const until = Number(await rollup.pausedUntil());
  if (now + 1 < until) fail(`rollup ${await rollup.getAddress()} is paused until ${timeAt(until, now)}`);
}

/**
 * The output `value` (from --index; default: the next to finalize), refused unless it is the next to finalize: outputs
 * finalize in order.
 */
export async function outputToFinalize(rollup: Rollup, value?: string) {
  const address = await rollup.getAddress();
  const [count, finalized] = [await rollup.outputCount(), await rollup.finalizedCount()];
  let index = finalized;
  if (value === undefined) {
    if (finalized === count) {
      fail(`rollup ${address} has no output waiting to finalize (${count} proposed, all finalized)`);
    }
  } else {
    index = parseWhole(value, "--index");
    if (index < finalized) fail(`output ${index} of rollup ${address} is finalized already`);
    if (index >= count) fail(`rollup ${address} has ${count} outputs: no output ${index}`);
    if (index > finalized) fail(`outputs finalize in order: output ${finalized} is the next`);
  }
  return { index, output: await rollup.output(index) };
}

/** The contract's refusals of finalize and proveOutput, for humans (the task checks the others before). */
export function explainFinality(address: string, verifier?: string) {
  return (reason: string): string | undefined => {
    const challenged = /^RollupOutputChallenged\((\d+), (\d+)\)$/.exec(reason);
    if (challenged) {
      return (
        `output ${challenged[1]} of rollup ${address} is challenged in VITAL (challenge ${challenged[2]}): it cannot ` +
        `finalize while the challenge is open`
      );
    }
    const invalid = /^RollupInvalidProof\((\d+)\)$/.exec(reason);
    if (invalid) return `the verifier ${verifier} rejects the proof of output ${invalid[1]}`;
    return undefined;
  };
}

/** A queued transaction whose fee `reclaimFee` pays back: the rollup retired, never included, a fee paid. */
export interface Reclaimable {
  index: bigint;
  payer: string;
  fee: bigint;
}

/**
 * The reclaimable item `value` (from --index) of a retired `rollup`, or (no `value`) every one `payer` paid for;
 * refused, with why, when there is none.
 */
export async function reclaimableFees(
  hre: HardhatRuntimeEnvironment,
  rollup: Rollup,
  value: string | undefined,
  payer: string,
): Promise<Reclaimable[]> {
  const address = await rollup.getAddress();
  const status = ROLLUP_STATUS[Number(await rollup.status())];
  if (status !== "Retired") {
    const expiry = Number(await rollup.expiry());
    const now = await latestTime(hre);
    const factory = await rollupFactory(hre);
    const when =
      expiry === 0
        ? "it is permanent: sunset, then settled after its settlement window"
        : `it settles from ${timeAt(expiry + Number(await factory.settlementWindow()), now)} (rollup settle)`;
    fail(`rollup ${address} is ${status}: queued fees are reclaimed once it is retired; ${when}`);
  }
  const [head, length] = [await rollup.queueHead(), await rollup.queueLength()];
  if (value !== undefined) {
    const index = parseWhole(value, "--index");
    if (index >= length) fail(`rollup ${address} has ${length} queued transactions: no queue item ${index}`);
    const item = await rollup.queuedTransaction(index);
    if (index < head) fail(`queue item ${index} was included: its fee went to whoever included it`);
    if (item.fee === 0n) fail(`queue item ${index} paid no fee`);
    if (item.included) fail(`the fee of queue item ${index} was reclaimed already`);
    return [{ index, payer: item.payer, fee: item.fee }];
  }
  const found: Reclaimable[] = [];
  for (let i = head; i < length; i++) {
    const item = await rollup.queuedTransaction(i);
    if (item.payer === payer && !item.included && item.fee !== 0n) found.push({ index: i, payer, fee: item.fee });
  }
  if (found.length === 0) fail(`${payer} has no queued fee to reclaim from rollup ${address}`);
  return found;
}
