// Running Hardhat tasks in-process from tests: console output captured (tests stay quiet), one-line failures checked.
import hre from "hardhat";
import { expect } from "chai";
import { HardhatPluginError } from "hardhat/plugins";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import os from "os";
import path from "path";
import { PLUGIN } from "../../tasks/lib/cli";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { recordInProcess, type AddressBook } from "../../tasks/lib/addressBook";
import { RESTAKING_KEYS } from "../../tasks/lib/restaking";
import { stagedParametersFile } from "./parameters";
import type {
  AltToken,
  OperatorSets,
  RestakingRegistry,
  RewardsDistributor,
  SlashingManager,
  VestingPosition,
} from "../../typechain-types";

export interface TaskRun<T> {
  /** What the task returned (the data it printed). */
  result: T;
  /** Every line the task printed with console.log / console.warn, in order. */
  lines: string[];
}

/** Our task `name` as `hre.run` takes it: `"rollup create"` is task `create` of scope `rollup`. */
export function taskIdentifier(name: string): string | { scope: string; task: string } {
  const [scope, task] = name.split(" ");
  return task === undefined ? name : { scope, task };
}

/** Runs `name` with `args` (pass `json` explicitly), capturing console.log and console.warn while it runs. */
export async function runTask<T = unknown>(name: string, args: Record<string, unknown>): Promise<TaskRun<T>> {
  const lines: string[] = [];
  const { log, warn } = console;
  const capture = (...parts: unknown[]) => {
    lines.push(...parts.map(String).join(" ").split("\n"));
  };
  console.log = capture;
  console.warn = capture;
  try {
    const result = (await hre.run(taskIdentifier(name), args)) as T;
    return { result, lines };
  } finally {
    console.log = log;
    console.warn = warn;
  }
}

/** Runs a task and returns its result only. */
export async function task<T = unknown>(name: string, args: Record<string, unknown>): Promise<T> {
  return (await runTask<T>(name, args)).result;
}

/**
 * Runs a task that must fail with a one-line HardhatPluginError of this project (what Hardhat prints without a stack
 * trace) whose message is exactly `message` (a string) or matches it (a RegExp). Returns the error.
 */
export async function expectTaskFailure(
  name: string,
  args: Record<string, unknown>,
  message: string | RegExp,
): Promise<HardhatPluginError> {
  let error: unknown;
  try {
    await runTask(name, args);
  } catch (e) {
    error = e;
  }
  expect(error, `${name} should have failed`).to.be.instanceOf(Error);
  const description = `${(error as Error).name}: ${(error as Error).message}`;
  expect(HardhatPluginError.isHardhatPluginError(error), `not a HardhatPluginError: ${description}`).to.equal(true);
  const pluginError = error as HardhatPluginError;
  expect(pluginError.pluginName).to.equal(PLUGIN);
  if (typeof message === "string") expect(pluginError.message).to.equal(message);
  else expect(pluginError.message).to.match(message);
  expect(pluginError.message).not.to.include("\n");
  return pluginError;
}

/** Deploys the staged genesis (treasury: account 1) through the task; the fixture of the task suites. */
export async function genesisFixture(): Promise<AddressBook> {
  return task<AddressBook>("deploy genesis", { json: true, parameters: stagedParametersFile() });
}

/** Loads a fixture and re-records its address book (another suite's deployment may have replaced it). */
export async function load<T extends { book: AddressBook }>(fixture: () => Promise<T>): Promise<T> {
  const f = await loadFixture(fixture);
  recordInProcess(f.book);
  return f;
}

/** Checks a task refuses with `message` and sends nothing. */
export async function expectRefused(name: string, args: Record<string, unknown>, message: string) {
  const block = await hre.ethers.provider.getBlockNumber();
  await expectTaskFailure(name, args, message);
  expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
}

/** ALT each of accounts 10..15 receives in `restakingTaskFixture`. */
export const TASK_FUNDED_ALT = 1_000_000n * 10n ** 18n;

/**
 * Releases the Launchpool position (unlocked at TGE; beneficiary: account 7) of the deployment in `book` and sends
 * `amount` ALT from it to each of accounts 10..15; returns the token.
 */
export async function fundFromLaunchpool(book: AddressBook, amount: bigint): Promise<AltToken> {
  const signers = await hre.ethers.getSigners();
  const token = (await hre.ethers.getContractAt("AltToken", book["Genesis#AltToken"])) as unknown as AltToken;
  const launchpool = (await hre.ethers.getContractAt(
    "VestingPosition",
    book["Genesis#Vesting_Launchpool"],
  )) as unknown as VestingPosition;
  await (await launchpool.release()).wait();
  for (const account of signers.slice(10, 16)) {
    await (await token.connect(signers[7]).transfer(account.address, amount)).wait();
  }
  return token;
}

/**
 * The staged protocol deployed through `deploy restaking` (text mode, its printed lines kept), with accounts 10..15 funded
 * with ALT from the Launchpool position (unlocked at TGE; beneficiary: account 7); the base of the restaking task suites.
 */
export async function restakingTaskFixture() {
  const { result: book, lines } = await runTask<AddressBook>("deploy restaking", {
    json: false,
    parameters: stagedParametersFile(),
  });
  const signers = await hre.ethers.getSigners();
  const at = async <T>(name: string, key: string) => (await hre.ethers.getContractAt(name, book[key])) as unknown as T;
  const token = await fundFromLaunchpool(book, TASK_FUNDED_ALT);
  const [operator, other, alice, bob, carol, payer] = signers.slice(10, 16);
  return {
    book,
    lines,
    signers,
    token,
    registry: await at<RestakingRegistry>("RestakingRegistry", RESTAKING_KEYS.registry),
    sets: await at<OperatorSets>("OperatorSets", RESTAKING_KEYS.operatorSets),
    manager: await at<SlashingManager>("SlashingManager", RESTAKING_KEYS.slashingManager),
    rewards: await at<RewardsDistributor>("RewardsDistributor", RESTAKING_KEYS.rewardsDistributor),
    deployer: signers[0],
    treasury: signers[1],
    council: signers[8],
    operator,
    other,
    alice,
    bob,
    carol,
    payer,
  };
}

/** What --json prints for `data`: bigints as decimal strings. */
export const asJson = (data: unknown) =>
  JSON.parse(JSON.stringify(data, (_, v) => (typeof v === "bigint" ? v.toString() : v)));

/** The transaction a task reported, by hash. */
export const transaction = async (hash: string) => (await hre.ethers.provider.getTransaction(hash))!;

/**
 * A temporary directory, created on first use (so a suite filtered out by --grep leaves nothing behind), with
 * `write(name, content)` (objects are written as JSON) and `path(name)`; `remove()` deletes it.
 */
export function tempDir(prefix: string) {
  let dir: string | undefined;
  const file = (name: string) => {
    dir ??= mkdtempSync(path.join(os.tmpdir(), prefix));
    return path.join(dir, name);
  };
  return {
    path: file,
    write(name: string, content: string | object): string {
      writeFileSync(file(name), typeof content === "string" ? content : JSON.stringify(content, null, 2));
      return file(name);
    },
    remove() {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    },
  };
}

/** `new Date(t * 1000)` as the tasks print it: ISO 8601 to the second. */
export const isoTime = (timestamp: number | bigint) =>
  new Date(Number(timestamp) * 1000).toISOString().replace(".000Z", "Z");

/** The receipt of a reported transaction, checked against the report, its sender and its target. */
export async function expectTx(report: { hash: string; gasUsed: string; block: number }, from: string, to: string) {
  const receipt = (await hre.ethers.provider.getTransactionReceipt(report.hash))!;
  expect(receipt.status).to.equal(1);
  expect(receipt.from).to.equal(from);
  expect(receipt.to).to.equal(to);
  expect(report).to.deep.equal({ hash: receipt.hash, gasUsed: receipt.gasUsed.toString(), block: receipt.blockNumber });
  return receipt;
}
