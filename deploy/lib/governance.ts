// Governance parameters (governor and timelock, SPEC 3.8): validated before deploying.
import { parseDuration, parseTokenAmount } from "./units";
import { GENESIS_SUPPLY } from "./genesis";

export interface GovernanceInput {
  /** Whole ALT of votes needed to propose. */
  proposalThreshold: string;
  /** Share of the votable supply (total supply less the treasury's votes) that must vote for or abstain. */
  quorumBps: number;
  votingDelay: string | number;
  votingPeriod: string | number;
  /** A vote that reaches quorum less than this before the deadline pushes the deadline to now plus this. */
  lateQuorumExtension: string | number;
  /** The timelock's minimum delay between queueing and executing a proposal. */
  timelockDelay: string | number;
}

export interface GovernanceConfig {
  proposalThreshold: bigint;
  quorumBps: number;
  votingDelay: number;
  votingPeriod: number;
  lateQuorumExtension: number;
  timelockDelay: number;
}

const MAX_UINT32 = 2 ** 32 - 1;
const MAX_DELAY = 365 * 24 * 3600;

export class GovernanceParameterError extends Error {}

function fail(message: string): never {
  throw new GovernanceParameterError(`governance parameters: ${message}`);
}

function seconds(value: unknown, field: string, min = 0): number {
  let parsed: number;
  try {
    parsed = parseDuration(value as string | number);
  } catch (e) {
    fail(`${field}: ${(e as Error).message}`);
  }
  if (parsed < min || parsed > MAX_DELAY)
    fail(`${field} must be between ${min} and ${MAX_DELAY} seconds, not ${parsed}`);
  return parsed;
}

/** Validates the governance section. */
export function resolveGovernance(input: GovernanceInput | undefined): GovernanceConfig {
  if (input === undefined || input === null || typeof input !== "object") fail("the governance section is missing");
  let proposalThreshold: bigint;
  try {
    proposalThreshold = parseTokenAmount(input.proposalThreshold);
  } catch (e) {
    fail(`proposalThreshold: ${(e as Error).message}`);
  }
  if (proposalThreshold > GENESIS_SUPPLY) fail("proposalThreshold is larger than the ALT supply");
  const quorumBps = input.quorumBps;
  if (!Number.isInteger(quorumBps) || quorumBps < 1 || quorumBps > 10_000) {
    fail(`quorumBps must be a whole number of bps from 1 to 10000, not ${String(quorumBps)}`);
  }
  const votingPeriod = seconds(input.votingPeriod, "votingPeriod", 1);
  if (votingPeriod > MAX_UINT32) fail("votingPeriod does not fit the governor's uint32");
  return {
    proposalThreshold,
    quorumBps,
    votingDelay: seconds(input.votingDelay, "votingDelay"),
    votingPeriod,
    lateQuorumExtension: seconds(input.lateQuorumExtension, "lateQuorumExtension"),
    timelockDelay: seconds(input.timelockDelay, "timelockDelay"),
  };
}
