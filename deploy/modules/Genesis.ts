// `npx hardhat ignition deploy deploy/modules/Genesis.ts [--network <name>]`
// Reads deploy/parameters/<network>.json (or $ALT_PARAMETERS) and refuses an invalid table before deploying anything.
import hre from "hardhat";
import { resolveGenesis } from "../lib/genesis";
import { buildGenesisModule } from "../lib/genesisModule";
import { loadParameters } from "../lib/parameters";

export default buildGenesisModule(resolveGenesis(loadParameters(hre.network.name).genesis));
