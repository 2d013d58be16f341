// Deployment tasks.
import { task } from "hardhat/config";
import { fail, output } from "./lib/cli";
import { recordInProcess, type AddressBook } from "./lib/addressBook";
import { GENESIS_KEYS, VESTING_KEY_PREFIX } from "./lib/genesis";

task("deploy:genesis", "Deploys the ALT token, vesting positions of every allocation and the airdrop (Ignition)")
  .addOptionalParam("parameters", "Parameter file (default: deploy/parameters/<network>.json)")
  .addFlag("json", "Print the address book as JSON")
  .setAction(async (args: { parameters?: string; json: boolean }, hre) => {
    const { resolveGenesis } = await import("../deploy/lib/genesis");
    const { loadParameters } = await import("../deploy/lib/parameters");
    const { buildGenesisModule } = await import("../deploy/lib/genesisModule");
    if (args.parameters !== undefined) process.env.ALT_PARAMETERS = args.parameters;

    let config;
    try {
      config = resolveGenesis(loadParameters(hre.network.name).genesis);
    } catch (e) {
      fail((e as Error).message); // a missing file, bad JSON or a broken rule: nothing has been sent yet
    } finally {
      if (args.parameters !== undefined) delete process.env.ALT_PARAMETERS;
    }
    if (hre.network.name === "hardhat" && !args.json) {
      console.warn("warning: the in-process hardhat network is ephemeral; this deployment ends with the process");
    }

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
