// Restaking parameters (registry, operator sets, slashing manager, rewards distributor): validated before deploying.
import { fieldValidators } from "./validate";

export interface RestakingInput {
  /** Security council: vetoes slash requests. */
  council: string;
  /** Owner of the four contracts; defaults to the deployer until governance takes over. */
  owner?: string;
  withdrawalDelay: string | number;
  commissionDelay: string | number;
  epochLength: string | number;
  /** How much more than a member's allocation a newcomer must allocate to replace it in a full set. */
  churnMarginBps: number;
  vetoWindow: string | number;
  /** Share of each executed slash paid to the reporter. */
  reporterBps: number;
  /** Rolling window of the 30 % slashing cap per (operator, set). */
  slashWindow: string | number;
  /** Share of each fee distribution paid to the treasury. */
  protocolShareBps: number;
}

export interface RestakingConfig {
  council: string;
  owner?: string;
  treasury: string;
  withdrawalDelay: number;
  commissionDelay: number;
  epochLength: number;
  churnMarginBps: number;
  vetoWindow: number;
  reporterBps: number;
  slashWindow: number;
  protocolShareBps: number;
}

export class RestakingParameterError extends Error {}

function fail(message: string): never {
  throw new RestakingParameterError(`restaking parameters: ${message}`);
}

const { address, delay } = fieldValidators(fail);

function bps(value: unknown, field: string, max: number): number {
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > max) {
    fail(`${field} must be a whole number of bps from 0 to ${max}, not ${String(value)}`);
  }
  return value as number;
}

/** Validates the restaking section; `treasury` is the genesis treasury (one treasury for the protocol). */
export function resolveRestaking(input: RestakingInput, treasury: string): RestakingConfig {
  if (input === undefined || input === null) fail("the restaking section is missing");
  const config: RestakingConfig = {
    council: address(input.council, "council"),
    owner: input.owner === undefined ? undefined : address(input.owner, "owner"),
    treasury,
    withdrawalDelay: delay(input.withdrawalDelay, "withdrawalDelay"),
    commissionDelay: delay(input.commissionDelay, "commissionDelay"),
    epochLength: delay(input.epochLength, "epochLength", 1),
    churnMarginBps: bps(input.churnMarginBps, "churnMarginBps", 10_000),
    vetoWindow: delay(input.vetoWindow, "vetoWindow"),
    reporterBps: bps(input.reporterBps, "reporterBps", 5_000),
    slashWindow: delay(input.slashWindow, "slashWindow", 1),
    protocolShareBps: bps(input.protocolShareBps, "protocolShareBps", 5_000),
  };
  if (config.withdrawalDelay < config.vetoWindow) {
    fail(`withdrawalDelay (${config.withdrawalDelay}s) must be at least the vetoWindow (${config.vetoWindow}s)`);
  }
  return config;
}
