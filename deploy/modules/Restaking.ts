// `npx hardhat ignition deploy deploy/modules/Restaking.ts [--network <name>]`: the genesis, then the restaking
// contracts, owned by the deployer.
// Reads deploy/parameters/<network>.json (or $ALT_PARAMETERS); a broken file is refused before deploying anything.
import hre from "hardhat";
import { networkModules } from "../lib/protocol";

export default networkModules(hre.network.name, "restaking").restaking!;
