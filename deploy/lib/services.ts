// Restaked services parameters (SQUAD, VITAL, MACH; SPEC 3.7): validated before deploying.
import { fieldValidators } from "./validate";

export interface ServicesInput {
  /** Oldest evidence any service reports (slashing manager `maxEvidenceAge` of each service). */
  maxEvidenceAge: string | number;
  /** Minimum stake (whole ALT-equivalent) and size bound of every set the services create. */
  minStake: string;
  maxSize: number;
  /** What such a set needs counted in an epoch to be live in it: members, and total stake (whole ALT-equivalent). */
  minMembers: number;
  minTotalStake: string;
  mach: { capBps: number; equivocationBps: number; invalidCertificateBps: number };
  vital: { capBps: number; bond: string; votingPeriod: string | number; proposerBps: number; voterBps: number };
  squad: {
    capBps: number;
    slotLength: string | number;
    gracePeriod: string | number;
    maxMisses: number;
    jailTime: string | number;
    censorshipBps: number;
  };
}

export interface ServicesConfig {
  maxEvidenceAge: number;
  minStake: bigint;
  maxSize: number;
  minMembers: number;
  minTotalStake: bigint;
  mach: { capBps: number; equivocationBps: number; invalidCertificateBps: number };
  vital: { capBps: number; bond: bigint; votingPeriod: number; proposerBps: number; voterBps: number };
  squad: {
    capBps: number;
    slotLength: number;
    gracePeriod: number;
    maxMisses: number;
    jailTime: number;
    censorshipBps: number;
  };
}

export class ServicesParameterError extends Error {}

function fail(message: string): never {
  throw new ServicesParameterError(`services parameters: ${message}`);
}

const { amount, delay } = fieldValidators(fail);

/** The slashing manager caps a slasher's fraction at 30 %. */
const MAX_CAP_BPS = 3_000;

function whole(value: unknown, field: string, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
    fail(`${field} must be a whole number from ${min} to ${max}, not ${String(value)}`);
  }
  return value as number;
}

/** An offence's fraction: at least 1 bps and at most the service's cap. */
function offence(value: unknown, field: string, cap: number): number {
  return whole(value, field, 1, cap);
}

export function resolveServices(input: ServicesInput | undefined): ServicesConfig {
  if (input === undefined) fail("the services section is missing");
  const { mach, vital, squad } = input;
  if (!mach || !vital || !squad) fail("mach, vital and squad sections are required");
  const machCap = whole(mach.capBps, "mach.capBps", 1, MAX_CAP_BPS);
  const vitalCap = whole(vital.capBps, "vital.capBps", 1, MAX_CAP_BPS);
  const squadCap = whole(squad.capBps, "squad.capBps", 1, MAX_CAP_BPS);
  const slotLength = delay(squad.slotLength, "squad.slotLength", 1);
  const gracePeriod = delay(squad.gracePeriod, "squad.gracePeriod");
  if (gracePeriod >= slotLength) fail("squad.gracePeriod must be shorter than squad.slotLength");
  const maxSize = whole(input.maxSize, "maxSize", 1, 256);
  return {
    maxEvidenceAge: delay(input.maxEvidenceAge, "maxEvidenceAge", 1),
    minStake: amount(input.minStake, "minStake"),
    maxSize,
    minMembers: whole(input.minMembers, "minMembers", 0, maxSize),
    minTotalStake: amount(input.minTotalStake, "minTotalStake"),
    mach: {
      capBps: machCap,
      equivocationBps: offence(mach.equivocationBps, "mach.equivocationBps", machCap),
      invalidCertificateBps: offence(mach.invalidCertificateBps, "mach.invalidCertificateBps", machCap),
    },
    vital: {
      capBps: vitalCap,
      bond: amount(vital.bond, "vital.bond"),
      votingPeriod: delay(vital.votingPeriod, "vital.votingPeriod", 1),
      proposerBps: offence(vital.proposerBps, "vital.proposerBps", vitalCap),
      voterBps: offence(vital.voterBps, "vital.voterBps", vitalCap),
    },
    squad: {
      capBps: squadCap,
      slotLength,
      gracePeriod,
      maxMisses: whole(squad.maxMisses, "squad.maxMisses", 1, 65_535),
      jailTime: delay(squad.jailTime, "squad.jailTime"),
      censorshipBps: offence(squad.censorshipBps, "squad.censorshipBps", squadCap),
    },
  };
}
