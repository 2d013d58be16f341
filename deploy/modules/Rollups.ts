// `npx hardhat ignition deploy deploy/modules/Rollups.ts [--network <name>]`: the genesis, restaking, then the rollup
// factory with the parameter file's templates, owned by the deployer.
// Reads deploy/parameters/<network>.json (or $ALT_PARAMETERS); a broken file is refused before deploying anything.
import hre from "hardhat";
import { networkModules } from "../lib/protocol";

export default networkModules(hre.network.name, "rollups").rollups!;
