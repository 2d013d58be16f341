// The protocol's modules built from one parameter set, in dependency order, sharing one module object per part.
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { resolveGenesis } from "./genesis";
import { buildGenesisModule } from "./genesisModule";
import { resolveGovernance } from "./governance";
import { buildGovernanceModule } from "./governanceModule";
import { HardhatPluginError } from "hardhat/plugins";
import { loadParameters, type ProtocolParameters } from "./parameters";
import { resolveRestaking } from "./restaking";
import { buildRestakingModule } from "./restakingModule";
import { resolveRollups } from "./rollups";
import { buildRollupsModule } from "./rollupsModule";
import { resolveServices } from "./services";
import { buildServicesModule } from "./servicesModule";
import { buildTimelockModule, TIMELOCK } from "./timelock";

/**
 * How far a deployment goes: the genesis alone, then restaking, then the rollup factory, then the restaked services
 * (owners stay the deployer, or the `owner` fields), or everything with governance, which hands every owner role to the
 * timelock.
 */
export type Stage = "genesis" | "restaking" | "rollups" | "services" | "governance";

const ORDER: Stage[] = ["genesis", "restaking", "rollups", "services", "governance"];
const reaches = (stage: Stage, part: Stage) => ORDER.indexOf(stage) >= ORDER.indexOf(part);

export class ProtocolParameterError extends Error {}

/** Rollup.MAX_COUNCIL_PAUSE: the security council's longest pause of a rollup, which defers an invalidation. */
const COUNCIL_PAUSE = 3 * 86_400;

function fail(message: string): never {
  throw new ProtocolParameterError(`protocol parameters: ${message}`);
}

/**
 * Validates every section the stage needs first (nothing is built from a broken file), then builds the modules.
 * A timelock is deployed whenever the file has a governance section; "timelock" as an address needs one.
 */
export function buildProtocolModules(parameters: ProtocolParameters, stage: Stage = "governance") {
  const genesisConfig = resolveGenesis(parameters.genesis);
  const restakingConfig = reaches(stage, "restaking")
    ? resolveRestaking(parameters.restaking, genesisConfig.treasury)
    : undefined;
  const rollupsConfig = reaches(stage, "rollups") ? resolveRollups(parameters.rollups) : undefined;
  const servicesConfig = reaches(stage, "services") ? resolveServices(parameters.services) : undefined;
  const hasGovernance = parameters.governance !== undefined || stage === "governance";
  const governanceConfig = hasGovernance ? resolveGovernance(parameters.governance) : undefined;

  // the registry refuses it on chain too, but only once the services are slashers: refuse it before anything is sent
  if (servicesConfig) {
    const { withdrawalDelay, vetoWindow, epochLength } = restakingConfig!;
    // stake counted in an epoch acts until it ends, though it may have left at its start: the epoch counts if longer
    const base = Math.max(vetoWindow, epochLength);
    if (withdrawalDelay < base + servicesConfig.maxEvidenceAge) {
      fail(
        `restaking.withdrawalDelay (${withdrawalDelay}s) must be at least the longer of restaking.vetoWindow and` +
          ` restaking.epochLength plus services.maxEvidenceAge (${base + servicesConfig.maxEvidenceAge}s): stake` +
          " could leave before the evidence against it expires",
      );
    }
  }

  // a fast withdrawal is covered by its MACH signers' stake: that stake must still be there when the slash for an invalid
  // certificate is requested. The latest invalidation: a certificate's epoch may be the one before (the stake leaving
  // from its start), a challenge may come at the end of the challenge period (its vote ends inside it), and a council
  // pause defers the invalidation; VITAL's voting period on top is the time left to resolve after the pause and report
  if (servicesConfig && rollupsConfig) {
    const { withdrawalDelay, epochLength } = restakingConfig!;
    const optimistic = rollupsConfig.templates.filter((t) => t.challengePeriod > 0).map((t) => t.challengePeriod);
    const latest = 2 * epochLength + Math.max(0, ...optimistic) + servicesConfig.vital.votingPeriod + COUNCIL_PAUSE;
    if (optimistic.length !== 0 && withdrawalDelay < latest) {
      fail(
        `restaking.withdrawalDelay (${withdrawalDelay}s) must be at least two restaking.epochLength plus the longest` +
          ` optimistic challengePeriod, services.vital.votingPeriod and a council pause of 3 days (${latest}s): a MACH` +
          " signer's stake could leave before an invalidation slashes it for what fast withdrawals took",
      );
    }
  }

  const namesTimelock =
    genesisConfig.treasury === TIMELOCK ||
    genesisConfig.positions.some((p) => p.beneficiary === TIMELOCK || p.delegatee === TIMELOCK);
  if (namesTimelock && !hasGovernance) fail(`"${TIMELOCK}" is named as an address but there is no governance section`);
  if (stage === "governance") {
    if (genesisConfig.owner !== undefined) fail("genesis.owner must be left out: governance gives it to the timelock");
    if (restakingConfig!.owner !== undefined) {
      fail("restaking.owner must be left out: governance gives it to the timelock");
    }
  }

  const timelock = hasGovernance ? buildTimelockModule() : undefined;
  const genesis = buildGenesisModule(genesisConfig, timelock);
  const restaking = restakingConfig && buildRestakingModule(restakingConfig, genesis, timelock);
  const rollups =
    rollupsConfig &&
    buildRollupsModule(rollupsConfig, restakingConfig!.council, genesisConfig.treasury, genesis, restaking!, timelock);
  const services =
    servicesConfig && buildServicesModule(servicesConfig, genesisConfig.treasury, restaking!, rollups!, timelock);
  const governance =
    stage === "governance"
      ? buildGovernanceModule(
          governanceConfig!,
          restakingConfig!.council,
          genesis,
          restaking!,
          rollups!,
          services!,
          timelock!,
        )
      : undefined;
  return {
    genesisConfig,
    restakingConfig,
    rollupsConfig,
    servicesConfig,
    governanceConfig,
    timelock,
    genesis,
    restaking,
    rollups,
    services,
    governance,
  };
}

/** One entry module over every module of the stage, exposing all their contracts. */
export function buildProtocolModule(parameters: ProtocolParameters, stage: Stage = "governance") {
  const built = buildProtocolModules(parameters, stage);
  const module = buildModule("Protocol", (m) => ({
    ...(built.timelock && m.useModule(built.timelock)),
    ...m.useModule(built.genesis),
    ...(built.restaking && m.useModule(built.restaking)),
    ...(built.rollups && m.useModule(built.rollups)),
    ...(built.services && m.useModule(built.services)),
    ...(built.governance && m.useModule(built.governance)),
  }));
  return { ...built, module };
}

/**
 * The modules of `stage` from the selected network's parameter file (or $ALT_PARAMETERS), for the files in
 * deploy/modules that `npx hardhat ignition deploy` takes; a broken file ends with one line before anything is sent.
 */
export function networkModules(network: string, stage: Stage) {
  try {
    return buildProtocolModules(loadParameters(network), stage);
  } catch (e) {
    throw new HardhatPluginError("alt-protocol", (e as Error).message);
  }
}
