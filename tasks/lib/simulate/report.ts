// The simulation's report: plain JSON (amounts as decimal strings of wei), identical for one seed and configuration
// except `run`, which describes the run itself (when, how long, how fast).
import type { SimulateOptions } from "./world";

/** What was simulated: the options, the parameter file the protocol was deployed from and its epoch length (s). */
export interface SimulationConfig extends SimulateOptions {
  parameters: string;
  epochLength: number;
}

/** The state after each epoch (index 0 is the start, before the first epoch); cumulative counters. */
export interface EpochPoint {
  epoch: number;
  /** ALT in all pools (active and queued for withdrawal), wei. */
  totalStake: string;
  /** Rewards claimed so far, wei. */
  rewardsPaid: string;
  /** Slashed so far (executed slashes), wei. */
  slashed: string;
  /** Outputs finalized so far (challenge period over, or proven). */
  finalizedOutputs: number;
  /** Outputs fast-finalized by a MACH certificate so far. */
  fastFinalizedOutputs: number;
}

export interface OperatorRow {
  name: string;
  address: string;
  honest: boolean;
  /** ALT in the operator's pool after setup and at the end (the operator's own and its stakers'), wei. */
  stakeBefore: string;
  stakeAfter: string;
  /** Executed slashes of its pool, wei. */
  slashed: string;
  /** Commission and own-stake rewards claimed or claimable at the end, wei. */
  rewards: string;
  /** Jailed at the end (a slash request pending). */
  jailed: boolean;
}

export type SlashStatus = "executed" | "vetoed" | "pending";

export interface SlashRow {
  requestId: number;
  /** Epoch (1-based, of the run) in which it was requested. */
  epoch: number;
  operator: string;
  /** The slasher: one of the services, or "other" (a slasher governance added). */
  service: "VITAL" | "MACH" | "SQUAD" | "other";
  /** What the service reported: "invalid output", "voted valid", "equivocation", "censorship". */
  offence: string;
  bps: number;
  /** Amount slashed, wei ("0" unless executed). */
  amount: string;
  status: SlashStatus;
}

export type RollupState = "Active" | "Settling" | "Retired";

export interface RollupRow {
  name: string;
  chainId: number;
  /** "OPStack EVM", "ArbitrumOrbit WASM", ... */
  template: string;
  daLayer: string;
  /** Enabled services: "VITAL", "MACH", "SQUAD". */
  services: string[];
  /** Central sequencer (the owner) or "SQUAD". */
  sequencing: string;
  ephemeral: boolean;
  state: RollupState;
  batches: number;
  outputs: OutputTiers;
}

/** Outputs by finality tier (invalidated ones count only as invalidated). */
export interface OutputTiers {
  proposed: number;
  fastFinalized: number;
  finalized: number;
  invalidated: number;
}

export interface GasRow {
  action: string;
  count: number;
  /** Total gas of the action's transactions. */
  gas: number;
  /** Average gas per transaction, rounded down. */
  average: number;
}

/** A scripted event of the run, and when it happened. */
export interface ScriptedEvent {
  epoch: number;
  kind: ScriptedKind;
  detail: string;
}

export type ScriptedKind =
  | "bad-output"
  | "challenge"
  | "invalidation"
  | "equivocation"
  | "slash-executed"
  | "unstake-completed"
  | "expiry"
  | "settlement"
  | "proposal-created"
  | "proposal-executed";

/** The conservation laws, with every term (wei). */
export interface Conservation {
  /** stake + slashed + withdrawn == deposited. */
  deposited: string;
  stake: string;
  slashed: string;
  withdrawn: string;
  /** Reporter shares of slashed ALT not yet claimed: the registry holds stake + these. */
  proceedsUnclaimed: string;
  /** rewards paid + claimable + pending (+ sub-wei dust) == fees credited. */
  feesCredited: string;
  rewardsPaid: string;
  rewardsClaimable: string;
  /** Fees credited but not yet distributed (or carried), rounded down to wei. */
  rewardsPending: string;
  /** Fractions of a wei held by accounts and sets: feesCredited − paid − claimable − pending, less than one wei each. */
  rewardsDust: string;
}

export interface SimulationReport {
  config: SimulationConfig;
  /** A governance parameter change applied mid-run, as proposed. */
  proposal: { description: string; state: string; proposedEpoch: number; executedEpoch: number | null };
  operators: OperatorRow[];
  slashes: SlashRow[];
  rollups: RollupRow[];
  outputs: OutputTiers;
  gas: GasRow[];
  events: ScriptedEvent[];
  epochs: EpochPoint[];
  conservation: Conservation;
  /** The run itself: varies from run to run. Actions are transactions, each mined on its own block. */
  run: { startedAt: string; wallSeconds: number; actions: number; actionsPerSecond: number };
}

/** The report without `run`: what must be identical for one seed and configuration. */
export function deterministicPart(report: SimulationReport): Omit<SimulationReport, "run"> {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { run, ...rest } = report;
  return rest;
}
