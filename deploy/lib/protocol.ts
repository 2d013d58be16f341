// The protocol's modules built from one parameter set, in dependency order, sharing one genesis module.
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { resolveGenesis } from "./genesis";
import { buildGenesisModule } from "./genesisModule";
import type { ProtocolParameters } from "./parameters";
import { resolveRestaking } from "./restaking";
import { buildRestakingModule } from "./restakingModule";

/** Validates every section first (nothing is built from a broken file), then builds the modules. */
export function buildProtocolModules(parameters: ProtocolParameters) {
  const genesisConfig = resolveGenesis(parameters.genesis);
  const restakingConfig = resolveRestaking(parameters.restaking, genesisConfig.treasury);
  const genesis = buildGenesisModule(genesisConfig);
  const restaking = buildRestakingModule(restakingConfig, genesis);
  return { genesisConfig, restakingConfig, genesis, restaking };
}

/** One entry module over every protocol module, exposing all their contracts. */
export function buildProtocolModule(parameters: ProtocolParameters) {
  const built = buildProtocolModules(parameters);
  const module = buildModule("Protocol", (m) => ({ ...m.useModule(built.genesis), ...m.useModule(built.restaking) }));
  return { ...built, module };
}
