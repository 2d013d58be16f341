// Genesis parameters: the allocation table and schedules of SPEC 3.2, read from deploy/parameters/<network>.json,
// validated before anything is deployed, and turned into the exact values the contracts take.
import { id, ZeroAddress } from "ethers";
import { fieldValidators } from "./validate";

export const GENESIS_SUPPLY = 10_000_000_000n * 10n ** 18n;
export const TOTAL_BPS = 10_000;

/** One row of the allocation table as written in a parameter file. */
export interface AllocationInput {
  category: string;
  bps: number;
  beneficiary: string;
  cliff: string | number;
  duration: string | number;
  revocable: boolean;
  /** Where the locked balance's votes go at creation; defaults to the beneficiary. "none" leaves them undelegated. */
  delegatee?: string;
}

export interface AirdropInput {
  /** The allocation category that funds the airdrop (its position receives that much less). */
  fundedBy: string;
  /** Whole ALT. */
  amount: string;
  root: string;
  claimPeriod: string | number;
}

export interface GenesisInput {
  /** An address, or "timelock": the governance timelock (requires a governance section). */
  treasury: string;
  /** Owner of the vesting factory (the revoker); defaults to the deployer until governance takes over. */
  owner?: string;
  /** Vesting start: "deploy" (the creation block) or a unix timestamp. */
  tge: "deploy" | number;
  allocations: AllocationInput[];
  airdrop: AirdropInput;
}

/** The validated genesis, in contract units. */
export interface GenesisConfig {
  treasury: string;
  owner?: string;
  airdrop: { amount: bigint; root: string; claimPeriod: number; fundedBy: string };
  positions: PositionParams[];
  categories: string[];
}

/** The factory's `PositionParams` struct. */
export type PositionParams = {
  beneficiary: string;
  start: number;
  cliffDuration: number;
  duration: number;
  amount: bigint;
  revocable: boolean;
  delegatee: string;
  salt: string;
};

export class GenesisParameterError extends Error {}

function fail(message: string): never {
  throw new GenesisParameterError(`genesis parameters: ${message}`);
}

const { address, duration, amount } = fieldValidators(fail);

/** Salt of a genesis position: fixed per category so the addresses can be predicted from the deployer alone. */
export function genesisSalt(category: string): string {
  return id(`ALT genesis: ${category}`);
}

/** Validates a genesis section and converts it to contract values; throws GenesisParameterError on any rule broken. */
export function resolveGenesis(input: GenesisInput): GenesisConfig {
  if (input === undefined || input === null) fail("the genesis section is missing");
  const treasury = address(input.treasury, "treasury", true);
  const owner = input.owner === undefined ? undefined : address(input.owner, "owner");
  if (input.tge !== "deploy" && !(Number.isSafeInteger(input.tge) && input.tge > 0)) {
    fail(`tge must be "deploy" or a unix timestamp, not ${String(input.tge)}`);
  }
  const start = input.tge === "deploy" ? 0 : input.tge;
  if (!Array.isArray(input.allocations) || input.allocations.length === 0) fail("allocations must be a non-empty list");

  const seen = new Set<string>();
  let bpsSum = 0;
  for (const row of input.allocations) {
    if (typeof row.category !== "string" || !/^[A-Z][A-Za-z0-9]*$/.test(row.category)) {
      fail(`category names are PascalCase identifiers (they name deployment records), not ${String(row.category)}`);
    }
    if (seen.has(row.category)) fail(`category ${row.category} appears twice`);
    seen.add(row.category);
    if (!Number.isInteger(row.bps) || row.bps <= 0) fail(`${row.category}: bps must be a positive whole number`);
    if (typeof row.revocable !== "boolean") fail(`${row.category}: revocable must be true or false`);
    bpsSum += row.bps;
  }
  if (bpsSum !== TOTAL_BPS) fail(`allocations sum to ${bpsSum} bps, not ${TOTAL_BPS}`);

  const airdrop = input.airdrop;
  if (!airdrop) fail("the airdrop section is missing");
  if (!seen.has(airdrop.fundedBy)) fail(`airdrop.fundedBy names unknown category ${airdrop.fundedBy}`);
  const airdropAmount = amount(airdrop.amount, "airdrop.amount");
  if (!/^0x[0-9a-fA-F]{64}$/.test(airdrop.root ?? "")) fail(`airdrop.root is not a 32-byte hex value`);
  const claimPeriod = duration(airdrop.claimPeriod, "airdrop.claimPeriod");
  if (claimPeriod === 0) fail("airdrop.claimPeriod must be longer than zero");

  const positions = input.allocations.map((row): PositionParams => {
    const beneficiary = address(row.beneficiary, `${row.category}.beneficiary`, true);
    const cliffDuration = duration(row.cliff, `${row.category}.cliff`);
    const vestingDuration = duration(row.duration, `${row.category}.duration`);
    if (cliffDuration > vestingDuration) fail(`${row.category}: cliff is longer than the duration`);
    let amount = (GENESIS_SUPPLY * BigInt(row.bps)) / BigInt(TOTAL_BPS);
    if (row.category === airdrop.fundedBy) {
      if (airdropAmount >= amount) fail(`airdrop.amount must be less than the ${row.category} allocation`);
      amount -= airdropAmount;
    }
    const delegatee =
      row.delegatee === "none" ? ZeroAddress : address(row.delegatee ?? beneficiary, `${row.category}.delegatee`, true);
    return {
      beneficiary,
      start,
      cliffDuration,
      duration: vestingDuration,
      amount,
      revocable: row.revocable,
      delegatee,
      salt: genesisSalt(row.category),
    };
  });

  return {
    treasury,
    owner,
    airdrop: { amount: airdropAmount, root: airdrop.root, claimPeriod, fundedBy: airdrop.fundedBy },
    positions,
    categories: input.allocations.map((row) => row.category),
  };
}
