// `npx hardhat ignition deploy deploy/modules/Services.ts [--network <name>]`: the genesis, restaking, rollups, then
// the SQUAD, VITAL and MACH services (registered slashers, set in the factory), owned by the deployer.
// Reads deploy/parameters/<network>.json (or $ALT_PARAMETERS); a broken file is refused before deploying anything.
import hre from "hardhat";
import { networkModules } from "../lib/protocol";

export default networkModules(hre.network.name, "services").services!;
