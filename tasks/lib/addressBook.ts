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
