// Deployment tasks.
import { task } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { existsSync, readFileSync } from "fs";
import path from "path";
import { fail, output } from "./lib/cli";
import { deploymentDir, recordInProcess, type AddressBook } from "./lib/addressBook";
import { GENESIS_KEYS, VESTING_KEY_PREFIX } from "./lib/genesis";
import { RESTAKING_KEYS } from "./lib/restaking";

type Deployed = Record<string, { getAddress(): Promise<string> }>;

/** The address book of a genesis deployed by Ignition: token, factory, airdrop and one position per category. */
async function genesisBook(result: Deployed, categories: string[]): Promise<AddressBook> {
  const book: AddressBook = {
    [GENESIS_KEYS.token]: await result.token.getAddress(),
    [GENESIS_KEYS.vestingFactory]: await result.vestingFactory.getAddress(),
    [GENESIS_KEYS.airdrop]: await result.airdrop.getAddress(),
  };
  for (const category of categories) book[VESTING_KEY_PREFIX + category] = await result[category].getAddress();
  return book;
}

/** Warns that an in-process deployment ends with the process (text mode only). */
function warnEphemeral(hre: HardhatRuntimeEnvironment, json: boolean) {
  if (hre.network.name === "hardhat" && !json) {
    console.warn("warning: the in-process hardhat network is ephemeral; this deployment ends with the process");
  }
}

/**
 * Ignition resumes from the records in deploy/deployments/chain-<id>; if the chain was reset under them (a restarted
 * `npx hardhat node`), it would report the old addresses as deployed. Refuse instead of printing dead addresses.
 */
async function refuseStaleRecords(hre: HardhatRuntimeEnvironment) {
  if (hre.network.name === "hardhat") return;
  const { chainId } = await hre.ethers.provider.getNetwork();
  const file = path.join(deploymentDir(hre, chainId), "deployed_addresses.json");
  if (!existsSync(file)) return;
  const token = (JSON.parse(readFileSync(file, "utf8")) as AddressBook)[GENESIS_KEYS.token];
  if (token !== undefined && (await hre.ethers.provider.getCode(token)) === "0x") {
    fail(`the records in ${path.dirname(file)} name contracts this chain does not have (reset?): remove that folder`);
  }
}

task("deploy:genesis", "Deploys the ALT token, vesting positions of every allocation and the airdrop (Ignition)")
  .addOptionalParam("parameters", "Parameter file (default: deploy/parameters/<network>.json)")
  .addFlag("json", "Print the address book as JSON")
  .setAction(async (args: { parameters?: string; json: boolean }, hre) => {
    const { resolveGenesis } = await import("../deploy/lib/genesis");
    const { loadParameters } = await import("../deploy/lib/parameters");
    const { buildGenesisModule } = await import("../deploy/lib/genesisModule");
    let config;
    try {
      config = resolveGenesis(loadParameters(hre.network.name, args.parameters).genesis);
    } catch (e) {
      fail((e as Error).message); // a missing file, bad JSON or a broken rule: nothing has been sent yet
    }
    warnEphemeral(hre, args.json);

    await refuseStaleRecords(hre);
    const result = await hre.ignition.deploy(buildGenesisModule(config));
    const book = await genesisBook(result as unknown as Deployed, config.categories);
    if (hre.network.name === "hardhat") recordInProcess(book);

    return output(args.json, book, () => [
      `genesis deployed on ${hre.network.name}:`,
      ...Object.entries(book).map(([key, address]) => `  ${key.padEnd(36)} ${address}`),
    ]);
  });

task(
  "deploy:restaking",
  "Deploys the protocol (Ignition entry module): the genesis, then the restaking registry, operator sets, slashing manager and rewards distributor",
)
  .addOptionalParam("parameters", "Parameter file (default: deploy/parameters/<network>.json)")
  .addFlag("json", "Print the address book as JSON")
  .setAction(async (args: { parameters?: string; json: boolean }, hre) => {
    const { loadParameters } = await import("../deploy/lib/parameters");
    const { buildProtocolModule } = await import("../deploy/lib/protocol");
    let built;
    try {
      built = buildProtocolModule(loadParameters(hre.network.name, args.parameters));
    } catch (e) {
      fail((e as Error).message); // a missing file, bad JSON or a broken rule in any section: nothing sent yet
    }
    warnEphemeral(hre, args.json);

    await refuseStaleRecords(hre);
    const result = (await hre.ignition.deploy(built.module)) as unknown as Deployed;
    const book: AddressBook = {
      ...(await genesisBook(result, built.genesisConfig.categories)),
      [RESTAKING_KEYS.registry]: await result.registry.getAddress(),
      [RESTAKING_KEYS.operatorSets]: await result.operatorSets.getAddress(),
      [RESTAKING_KEYS.slashingManager]: await result.slashingManager.getAddress(),
      [RESTAKING_KEYS.rewardsDistributor]: await result.rewardsDistributor.getAddress(),
    };
    if (hre.network.name === "hardhat") recordInProcess(book);

    return output(args.json, book, () => [
      `protocol deployed on ${hre.network.name}:`,
      ...Object.entries(book).map(([key, address]) => `  ${key.padEnd(36)} ${address}`),
    ]);
  });
