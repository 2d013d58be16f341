// Governance parameters (governor and timelock, SPEC 3.8): validated before deploying.
import { GENESIS_SUPPLY } from "./genesis";
import { fieldValidators } from "./validate";

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

export class GovernanceParameterError extends Error {}

function fail(message: string): never {
  throw new GovernanceParameterError(`governance parameters: ${message}`);
}

const { delay, amount } = fieldValidators(fail);

/** Validates the governance section. */
export function resolveGovernance(input: GovernanceInput | undefined): GovernanceConfig {
  if (input === undefined || input === null || typeof input !== "object") fail("the governance section is missing");
  const proposalThreshold = amount(input.proposalThreshold, "proposalThreshold");
  if (proposalThreshold > GENESIS_SUPPLY) fail("proposalThreshold is larger than the ALT supply");
  const quorumBps = input.quorumBps;
  if (!Number.isInteger(quorumBps) || quorumBps < 1 || quorumBps > 10_000) {
    fail(`quorumBps must be a whole number of bps from 1 to 10000, not ${String(quorumBps)}`);
  }
  const votingPeriod = delay(input.votingPeriod, "votingPeriod", 1);
  return {
    proposalThreshold,
    quorumBps,
    votingDelay: delay(input.votingDelay, "votingDelay"),
    votingPeriod,
    lateQuorumExtension: delay(input.lateQuorumExtension, "lateQuorumExtension"),
    timelockDelay: delay(input.timelockDelay, "timelockDelay"),
  };
}
