// `npx hardhat ignition deploy deploy/modules/Restaking.ts [--network <name>]`: the genesis, then the restaking
// contracts, from deploy/parameters/<network>.json (or $ALT_PARAMETERS); a broken file is refused before deploying.
import hre from "hardhat";
import { HardhatPluginError } from "hardhat/plugins";
import { buildProtocolModules } from "../lib/protocol";
import { loadParameters } from "../lib/parameters";

function modules() {
  try {
    return buildProtocolModules(loadParameters(hre.network.name));
  } catch (e) {
    throw new HardhatPluginError("alt-protocol", (e as Error).message);
  }
}

export default modules().restaking;
