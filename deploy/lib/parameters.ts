// Parameter files: deploy/parameters/<network>.json, or the file named by ALT_PARAMETERS.
import { existsSync, readFileSync } from "fs";
import path from "path";
import type { GenesisInput } from "./genesis";

export interface ProtocolParameters {
  genesis: GenesisInput;
}

export const PARAMETERS_DIR = path.join(__dirname, "..", "parameters");

/** The parameter file used for `network`: $ALT_PARAMETERS if set, else deploy/parameters/<network>.json. */
export function parametersPath(network: string): string {
  return process.env.ALT_PARAMETERS ?? path.join(PARAMETERS_DIR, `${network}.json`);
}

export function loadParameters(network: string): ProtocolParameters {
  const file = parametersPath(network);
  if (!existsSync(file)) throw new Error(`no parameter file for network ${network}: ${file}`);
  try {
    return JSON.parse(readFileSync(file, "utf8")) as ProtocolParameters;
  } catch (e) {
    throw new Error(`parameter file ${file} is not valid JSON: ${(e as Error).message}`);
  }
}
