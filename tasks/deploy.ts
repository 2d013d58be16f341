// Deployment tasks.
import { task } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { existsSync, readFileSync } from "fs";
import path from "path";
import { fail, output } from "./lib/cli";
import { deploymentDir, recordInProcess, type AddressBook } from "./lib/addressBook";
import { GENESIS_KEYS, VESTING_KEY_PREFIX } from "./lib/genesis";

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
    if (hre.network.name === "hardhat" && !args.json) {
      console.warn("warning: the in-process hardhat network is ephemeral; this deployment ends with the process");
    }

    await refuseStaleRecords(hre);
    const result = await hre.ignition.deploy(buildGenesisModule(config));
    const book: AddressBook = {
      [GENESIS_KEYS.token]: await result.token.getAddress(),
      [GENESIS_KEYS.vestingFactory]: await result.vestingFactory.getAddress(),
      [GENESIS_KEYS.airdrop]: await result.airdrop.getAddress(),
    };
    const contracts = result as unknown as Record<string, { getAddress(): Promise<string> }>;
    for (const category of config.categories) {
      book[VESTING_KEY_PREFIX + category] = await contracts[category].getAddress();
    }
    if (hre.network.name === "hardhat") recordInProcess(book);

    return output(args.json, book, () => [
      `genesis deployed on ${hre.network.name}:`,
      ...Object.entries(book).map(([key, address]) => `  ${key.padEnd(36)} ${address}`),
    ]);
  });
