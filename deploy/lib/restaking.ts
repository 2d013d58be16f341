// Restaking parameters (registry, operator sets, slashing manager, rewards distributor): validated before deploying.
import { getAddress, isAddress, ZeroAddress } from "ethers";
import { parseDuration } from "./units";

export interface RestakingInput {
  /** Security council: vetoes slash requests. */
  council: string;
  /** Owner of the four contracts; defaults to the deployer until governance takes over. */
  owner?: string;
  withdrawalDelay: string | number;
  commissionDelay: string | number;
  signingKeyDelay: string | number;
  epochLength: string | number;
  leaveDelay: string | number;
  vetoWindow: string | number;
  /** Share of each executed slash paid to the reporter. */
  reporterBps: number;
  /** Rolling window of the 30 % per-operator slashing cap. */
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
  signingKeyDelay: number;
  epochLength: number;
  leaveDelay: number;
  vetoWindow: number;
  reporterBps: number;
  slashWindow: number;
  protocolShareBps: number;
}

const MAX_DELAY = 365 * 24 * 3600;

export class RestakingParameterError extends Error {}

function fail(message: string): never {
  throw new RestakingParameterError(`restaking parameters: ${message}`);
}

function address(value: unknown, field: string): string {
  if (typeof value !== "string" || !isAddress(value)) fail(`${field} is not an address: ${String(value)}`);
  const checksummed = getAddress(value);
  if (checksummed === ZeroAddress) fail(`${field} is the zero address`);
  return checksummed;
}

function seconds(value: unknown, field: string, { min = 0, max = MAX_DELAY } = {}): number {
  let parsed: number;
  try {
    parsed = parseDuration(value as string | number);
  } catch (e) {
    fail(`${field}: ${(e as Error).message}`);
  }
  if (parsed < min || parsed > max) fail(`${field} must be between ${min} and ${max} seconds, not ${parsed}`);
  return parsed;
}

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
    withdrawalDelay: seconds(input.withdrawalDelay, "withdrawalDelay"),
    commissionDelay: seconds(input.commissionDelay, "commissionDelay"),
    signingKeyDelay: seconds(input.signingKeyDelay, "signingKeyDelay"),
    epochLength: seconds(input.epochLength, "epochLength", { min: 1 }),
    leaveDelay: seconds(input.leaveDelay, "leaveDelay"),
    vetoWindow: seconds(input.vetoWindow, "vetoWindow"),
    reporterBps: bps(input.reporterBps, "reporterBps", 5_000),
    slashWindow: seconds(input.slashWindow, "slashWindow", { min: 1 }),
    protocolShareBps: bps(input.protocolShareBps, "protocolShareBps", 5_000),
  };
  if (config.withdrawalDelay < config.vetoWindow) {
    fail(`withdrawalDelay (${config.withdrawalDelay}s) must be at least the vetoWindow (${config.vetoWindow}s)`);
  }
  return config;
}
