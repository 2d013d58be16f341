// Parameter files: deploy/parameters/<network>.json, or the file named by ALT_PARAMETERS.
import { existsSync, readFileSync } from "fs";
import path from "path";
import type { GenesisInput } from "./genesis";
import type { GovernanceInput } from "./governance";
import type { RestakingInput } from "./restaking";
import type { RollupsInput } from "./rollups";
import type { ServicesInput } from "./services";

export interface ProtocolParameters {
  genesis: GenesisInput;
  restaking: RestakingInput;
  rollups?: RollupsInput;
  services?: ServicesInput;
  /** Present in a real deployment: the timelock then holds the treasury and, after the governance stage, every role. */
  governance?: GovernanceInput;
}

export const PARAMETERS_DIR = path.join(__dirname, "..", "parameters");

/** The parameter file for `network`: `file` if given, else $ALT_PARAMETERS, else deploy/parameters/<network>.json. */
export function parametersPath(network: string, file?: string): string {
  return file ?? process.env.ALT_PARAMETERS ?? path.join(PARAMETERS_DIR, `${network}.json`);
}

export function loadParameters(network: string, explicitFile?: string): ProtocolParameters {
  const file = parametersPath(network, explicitFile);
  if (!existsSync(file)) throw new Error(`no parameter file for network ${network}: ${file}`);
  try {
    return JSON.parse(readFileSync(file, "utf8")) as ProtocolParameters;
  } catch (e) {
    throw new Error(`parameter file ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * The word a parameter file may put where an address is expected to mean the deploying account (the testnet files use
 * it for the council and the beneficiaries, so one key can exercise everything). Only the deploy tasks know the account.
 */
export const DEPLOYER = "deployer";

/** `parameters` with every `"deployer"` value replaced by `deployer`'s address. */
export function withDeployer(parameters: ProtocolParameters, deployer: string): ProtocolParameters {
  return JSON.parse(JSON.stringify(parameters), (_, value) => (value === DEPLOYER ? deployer : value));
}
