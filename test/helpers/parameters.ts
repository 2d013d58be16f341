// Parameter sets of the tests: the in-process network's file as it is, and its staged form for unit tests.
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import os from "os";
import path from "path";
import { PARAMETERS_DIR, type ProtocolParameters } from "../../deploy/lib/parameters";
import { TIMELOCK } from "../../deploy/lib/timelock";

/** Hardhat account 1: the treasury of the staged parameter set. */
export const STAGED_TREASURY = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

/** A fresh copy of deploy/parameters/hardhat.json, the real shape: the timelock is the treasury and owns everything. */
export function hardhatParameters(): ProtocolParameters {
  return JSON.parse(readFileSync(path.join(PARAMETERS_DIR, "hardhat.json"), "utf8"));
}

/**
 * hardhat.json without its governance section, "timelock" replaced by account 1: the genesis and restaking stages with
 * the deployer as owner and a treasury the tests can sign as. Unit and integration suites of those stages use it.
 */
export function stagedParameters(): ProtocolParameters {
  const { governance: _governance, ...staged } = hardhatParameters();
  const text = JSON.stringify(staged).replaceAll(JSON.stringify(TIMELOCK), JSON.stringify(STAGED_TREASURY));
  return JSON.parse(text);
}

let stagedFile: string | undefined;

/** `stagedParameters()` written to a temporary file, for tasks that take `--parameters`. */
export function stagedParametersFile(): string {
  if (stagedFile === undefined) {
    stagedFile = path.join(mkdtempSync(path.join(os.tmpdir(), "alt-staged-")), "staged.json");
    writeFileSync(stagedFile, JSON.stringify(stagedParameters(), null, 2));
  }
  return stagedFile;
}
