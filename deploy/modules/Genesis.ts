// `npx hardhat ignition deploy deploy/modules/Genesis.ts [--network <name>]`: the token, its vesting positions and the
// airdrop (and the timelock first when the treasury is "timelock").
// Reads deploy/parameters/<network>.json (or $ALT_PARAMETERS); a broken file is refused before deploying anything.
import hre from "hardhat";
import { networkModules } from "../lib/protocol";

export default networkModules(hre.network.name, "genesis").genesis;
