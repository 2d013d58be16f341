// Deployment tasks.
import { areaTask } from "./lib/cli";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { deployStage } from "./lib/deployment";

areaTask(
  "deploy genesis",
  "Deploys the ALT token, vesting positions of every allocation and the airdrop (and the timelock if it is the treasury)",
)
  .addOptionalParam("parameters", "Parameter file (default: deploy/parameters/<network>.json)")
  .addFlag("json", "Print the address book as JSON")
  .setAction((args: { parameters?: string; json: boolean }, hre) => deployStage(hre, "genesis", args, "genesis"));

areaTask(
  "deploy restaking",
  "Deploys the genesis, then the restaking registry, operator sets, slashing manager and rewards distributor (owned by the deployer)",
)
  .addOptionalParam("parameters", "Parameter file (default: deploy/parameters/<network>.json)")
  .addFlag("json", "Print the address book as JSON")
  .setAction((args: { parameters?: string; json: boolean }, hre) => deployStage(hre, "restaking", args, "protocol"));

areaTask(
  "deploy rollups",
  "Deploys the genesis, restaking, then the rollup factory with the templates of the parameter file (owned by the deployer)",
)
  .addOptionalParam("parameters", "Parameter file (default: deploy/parameters/<network>.json)")
  .addFlag("json", "Print the address book as JSON")
  .setAction((args: { parameters?: string; json: boolean }, hre) => deployStage(hre, "rollups", args, "protocol"));

areaTask(
  "deploy services",
  "Deploys the genesis, restaking, rollups, then the SQUAD, VITAL and MACH services wired as slashers and set in the factory (owned by the deployer)",
)
  .addOptionalParam("parameters", "Parameter file (default: deploy/parameters/<network>.json)")
  .addFlag("json", "Print the address book as JSON")
  .setAction((args: { parameters?: string; json: boolean }, hre) => deployStage(hre, "services", args, "protocol"));

areaTask(
  "deploy protocol",
  "Deploys the whole protocol (genesis, restaking, rollups, services, governance) and hands every owner role to the timelock: the release",
)
  .addOptionalParam("parameters", "Parameter file (default: deploy/parameters/<network>.json)")
  .addFlag("json", "Print the address book as JSON")
  .setAction((args: { parameters?: string; json: boolean }, hre) => deployStage(hre, "governance", args, "protocol"));

areaTask(
  "deploy governance",
  "Deploys the whole protocol with the governor, then hands every owner role to the timelock (the deployer keeps none)",
)
  .addOptionalParam("parameters", "Parameter file (default: deploy/parameters/<network>.json)")
  .addFlag("json", "Print the address book as JSON")
  .setAction((args: { parameters?: string; json: boolean }, hre) => deployStage(hre, "governance", args, "protocol"));
