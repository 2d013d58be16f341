// The address book: what a deployment recorded for the selected network. Ignition keeps it in
// deploy/deployments/chain-<id>/deployed_addresses.json; deployments to the in-process `hardhat` network are kept in
// memory for the life of the process (they vanish with it).
import { existsSync, readFileSync } from "fs";
import path from "path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { fail } from "./cli";

export type AddressBook = Record<string, string>;

let inProcess: AddressBook | undefined;

export function deploymentDir(hre: HardhatRuntimeEnvironment, chainId: bigint): string {
  return path.join(hre.config.paths.ignition, "deployments", `chain-${chainId}`);
}

/** Records addresses deployed to the in-process network (other networks are recorded by Ignition on disk). */
export function recordInProcess(addresses: AddressBook): void {
  inProcess = { ...inProcess, ...addresses };
}

export async function loadAddressBook(hre: HardhatRuntimeEnvironment): Promise<AddressBook> {
  if (hre.network.name === "hardhat") {
    if (!inProcess)
      fail(
        "nothing is deployed on the in-process hardhat network: run deploy genesis first in the same process, or use --network localhost",
      );
    return inProcess;
  }
  const { chainId } = await hre.ethers.provider.getNetwork();
  const file = path.join(deploymentDir(hre, chainId), "deployed_addresses.json");
  if (!existsSync(file))
    fail(`no deployment recorded for network ${hre.network.name} (chain ${chainId}): ${file} is missing`);
  return JSON.parse(readFileSync(file, "utf8")) as AddressBook;
}

/** The address recorded under `key` (an Ignition future id such as "Genesis#AltToken"), checked to hold code. */
export async function addressOf(hre: HardhatRuntimeEnvironment, key: string): Promise<string> {
  const address = (await loadAddressBook(hre))[key];
  if (!address) fail(`the deployment of network ${hre.network.name} has no ${key}`);
  if ((await hre.ethers.provider.getCode(address)) === "0x") {
    fail(`no contract at ${address} (${key}) on ${hre.network.name}: the deployment records are stale (chain reset?)`);
  }
  return address;
}

const startBlocks = new Map<bigint, number>();

/**
 * The block event scans of the deployment's contracts start at: the deployment's first block (nothing of it exists
 * before), read from the receipts Ignition journaled in deploy/deployments/chain-<id>/journal.jsonl, and at least
 * `fromBlock` (a task's --from-block). 0 on the in-process network or without a journal. On a long public chain this
 * keeps `eth_getLogs` within the blocks that can hold the protocol's events.
 */
export async function scanFrom(hre: HardhatRuntimeEnvironment, fromBlock = 0): Promise<number> {
  if (hre.network.name === "hardhat") return fromBlock;
  const { chainId } = await hre.ethers.provider.getNetwork();
  if (!startBlocks.has(chainId)) {
    const file = path.join(deploymentDir(hre, chainId), "journal.jsonl");
    startBlocks.set(chainId, existsSync(file) ? firstJournaledBlock(readFileSync(file, "utf8")) : 0);
  }
  return Math.max(fromBlock, startBlocks.get(chainId)!);
}

let taskHre: HardhatRuntimeEnvironment | undefined;

/** Records the runtime environment of the task being run, for `scanStart` (tasks/index.ts sets it for every task). */
export const scanningWith = (hre: HardhatRuntimeEnvironment) => (taskHre = hre);

/** `scanFrom` for the running task: the block its event scans start at (0 outside a task). */
export const scanStart = async (): Promise<number> => (taskHre === undefined ? 0 : scanFrom(taskHre));

/** The lowest block of the receipts (TRANSACTION_CONFIRM entries) of an Ignition journal; 0 if it has none. */
export function firstJournaledBlock(journal: string): number {
  let first: number | undefined;
  for (const line of journal.split("\n")) {
    if (!line.includes('"TRANSACTION_CONFIRM"')) continue;
    try {
      const block = (JSON.parse(line) as { receipt?: { blockNumber?: unknown } }).receipt?.blockNumber;
      if (typeof block === "number" && (first === undefined || block < first)) first = block;
    } catch {
      // a line an interrupted deployment cut short: the others still date the deployment
    }
  }
  return first ?? 0;
}
