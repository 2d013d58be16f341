// Deploying a stage of the protocol through its Ignition entry module and recording the address book; shared by the
// deploy tasks and gov:simulate.
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { existsSync, readFileSync } from "fs";
import path from "path";
import { fail, output, signerFor } from "./cli";
import { deploymentDir, recordInProcess, type AddressBook } from "./addressBook";
import { GENESIS_KEYS, VESTING_KEY_PREFIX } from "./genesis";
import { RESTAKING_KEYS } from "./restaking";
import { GOVERNANCE_KEYS } from "./governance";
import { ROLLUP_KEYS } from "./rollups";
import { SERVICE_KEYS } from "./services";
import type { Stage } from "../../deploy/lib/protocol";

type Deployed = Record<string, { getAddress(): Promise<string> } | undefined>;

/** What the entry module returns, by name, and the address-book key each is recorded under (in this order). */
const BOOK_KEYS: [string, string][] = [
  ["token", GENESIS_KEYS.token],
  ["vestingFactory", GENESIS_KEYS.vestingFactory],
  ["airdrop", GENESIS_KEYS.airdrop],
  ["registry", RESTAKING_KEYS.registry],
  ["operatorSets", RESTAKING_KEYS.operatorSets],
  ["slashingManager", RESTAKING_KEYS.slashingManager],
  ["rewardsDistributor", RESTAKING_KEYS.rewardsDistributor],
  ["blsKeyRegistry", RESTAKING_KEYS.blsKeyRegistry],
  ["rollupFactory", ROLLUP_KEYS.factory],
  ["rollupImplementation", ROLLUP_KEYS.implementation],
  ["mockVerifier", ROLLUP_KEYS.mockVerifier],
  ["machService", SERVICE_KEYS.mach],
  ["vitalService", SERVICE_KEYS.vital],
  ["squadService", SERVICE_KEYS.squad],
  ["timelock", GOVERNANCE_KEYS.timelock],
  ["governor", GOVERNANCE_KEYS.governor],
];

/** The address book of a deployment: every contract the stage deployed, one vesting position per category. */
async function addressBook(result: Deployed, categories: string[]): Promise<AddressBook> {
  const book: AddressBook = {};
  const record = async (name: string, key: string) => {
    const contract = result[name];
    if (contract !== undefined) book[key] = await contract.getAddress();
  };
  for (const [name, key] of BOOK_KEYS.slice(0, 3)) await record(name, key);
  for (const category of categories) await record(category, VESTING_KEY_PREFIX + category);
  for (const [name, key] of BOOK_KEYS.slice(3)) await record(name, key);
  return book;
}

const EPHEMERAL_WARNING = "warning: the in-process hardhat network is ephemeral; this deployment ends with the process";

/**
 * Ignition resumes from the records in deploy/deployments/chain-<id>; if the chain was reset under them (a restarted
 * `npx hardhat node`), it would report the old addresses as deployed. Refuse instead of printing dead addresses.
 */
async function refuseStaleRecords(hre: HardhatRuntimeEnvironment) {
  if (hre.network.name === "hardhat") return;
  const { chainId } = await hre.ethers.provider.getNetwork();
  const file = path.join(deploymentDir(hre, chainId), "deployed_addresses.json");
  if (!existsSync(file)) return;
  let recorded: AddressBook;
  try {
    recorded = JSON.parse(readFileSync(file, "utf8")) as AddressBook;
  } catch {
    return; // cut short by an interrupted run: Ignition resumes from its journal, which it rewrites this file from
  }
  const token = recorded[GENESIS_KEYS.token];
  if (token !== undefined && (await hre.ethers.provider.getCode(token)) === "0x") {
    fail(`the records in ${path.dirname(file)} name contracts this chain does not have (reset?): remove that folder`);
  }
}

/**
 * Validates the parameter file for `stage`, deploys the stage's entry module and records its address book (in memory
 * on the in-process network); prints nothing.
 */
export async function deployProtocol(hre: HardhatRuntimeEnvironment, stage: Stage, parameters?: string) {
  const { loadParameters, withDeployer } = await import("../../deploy/lib/parameters");
  const { buildProtocolModule } = await import("../../deploy/lib/protocol");
  const deployer = await (await signerFor(hre)).getAddress(); // Ignition deploys from the first account
  let built;
  try {
    built = buildProtocolModule(withDeployer(loadParameters(hre.network.name, parameters), deployer), stage);
  } catch (e) {
    fail((e as Error).message); // a missing file, bad JSON or a broken rule in any section: nothing sent yet
  }
  await refuseStaleRecords(hre);
  const result = (await hre.ignition.deploy(built.module)) as unknown as Deployed;
  const book = await addressBook(result, built.genesisConfig.categories);
  if (hre.network.name === "hardhat") recordInProcess(book);
  return book;
}

/** The deploy tasks: `deployProtocol`, with the ephemeral-network warning and the address book printed. */
export async function deployStage(
  hre: HardhatRuntimeEnvironment,
  stage: Stage,
  args: { parameters?: string; json: boolean },
  title: string,
) {
  const book = await deployProtocol(hre, stage, args.parameters);
  return output(args.json, book, () => [
    ...(hre.network.name === "hardhat" ? [EPHEMERAL_WARNING] : []),
    `${title} deployed on ${hre.network.name}:`,
    ...Object.entries(book).map(([key, address]) => `  ${key.padEnd(36)} ${address}`),
  ]);
}
