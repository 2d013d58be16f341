// `npx hardhat ignition deploy deploy/modules/Genesis.ts [--network <name>]`
// Reads deploy/parameters/<network>.json (or $ALT_PARAMETERS) and refuses an invalid table before deploying anything.
import hre from "hardhat";
import { HardhatPluginError } from "hardhat/plugins";
import { resolveGenesis } from "../lib/genesis";
import { buildGenesisModule } from "../lib/genesisModule";
import { loadParameters } from "../lib/parameters";

function genesisConfig() {
  try {
    return resolveGenesis(loadParameters(hre.network.name).genesis);
  } catch (e) {
    throw new HardhatPluginError("alt-protocol", (e as Error).message);
  }
}

export default buildGenesisModule(genesisConfig());
