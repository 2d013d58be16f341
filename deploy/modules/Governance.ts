// `npx hardhat ignition deploy deploy/modules/Governance.ts [--network <name>]`: the whole protocol, then the governor;
// every owner role ends with the timelock.
// Reads deploy/parameters/<network>.json (or $ALT_PARAMETERS); a broken file is refused before deploying anything.
import hre from "hardhat";
import { networkModules } from "../lib/protocol";

export default networkModules(hre.network.name, "governance").governance!;
