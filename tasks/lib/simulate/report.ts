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

/** The categories of gas, in the report's and the summary's column order. */
export const GAS_CATEGORIES = ["setup", "staking", "rewards", "duties", "upkeep", "governance", "bridge"] as const;
export type GasCategory = (typeof GAS_CATEGORIES)[number];

/**
 * The category of every action name the simulation sends (engine.ts, governance.ts): the one place they are classified.
 *
 * - setup: one-off lifecycle transactions: funding, approvals, operator registration (its BLS key included), rollup
 *   commitment and creation, registration with services, joining sets, and a rollup's settlement (its retirement, once);
 * - staking: a staker's or operator's own ALT: stake, unstake and a reporter's claim of slash proceeds;
 * - rewards: reward claims, each settling its (operator, set) pairs first: pulled by the accounts paid, whenever they
 *   choose, never needed for a service to stay live or paid;
 * - duties: the services' and rollups' work, per batch, output or incident: SQUAD and central batches, outputs
 *   (proposed, proven, finalized), MACH certificates, VITAL challenges, votes and resolutions, reports, slash execution;
 * - upkeep: what must be sent every epoch for a rollup's services to stay live and paid, whatever happens on it: its
 *   fees streamed (credited to each of its sets in O(1), and settled lazily by claims: rewards need nothing every
 *   epoch); nothing is sent per set, since what counts in an epoch is read from OperatorSets' checkpoints and SQUAD's
 *   leader seed is fixed by the batches;
 * - governance: the proposal's life, and the security council's pause of a rollup;
 * - bridge: the rollups' users: deposits to a portal, withdrawals claimed from it (fast or normal), and deposits
 *   refunded after a rollup retired.
 */
export const ACTION_CATEGORIES: Readonly<Record<string, GasCategory>> = {
  "setup: release allocation": "setup",
  "setup: fund actor": "setup",
  "setup: approve": "setup",
  "operator: register": "setup",
  "operator: register BLS key": "setup",
  "rollup: commit": "setup",
  "rollup: create": "setup",
  "rollup: register with service": "setup",
  "service: join": "setup",
  "rollup: settle": "setup",
  stake: "staking",
  "unstake: request": "staking",
  "unstake: complete": "staking",
  "rewards: claim": "rewards",
  "slash: claim proceeds": "staking",
  "SQUAD: post batch": "duties",
  "SQUAD: post batch (backup)": "duties",
  "SQUAD: report miss": "duties",
  "SQUAD: commit seed": "duties",
  "SQUAD: reveal seed": "duties",
  "SQUAD: commit seed (adversary)": "duties",
  "SQUAD: reveal seed (adversary)": "duties",
  "rollup: append batch (central sequencer)": "duties",
  "rollup: propose output": "duties",
  "rollup: prove output (validity)": "duties",
  "rollup: finalize output": "duties",
  "MACH: certify": "duties",
  "MACH: prove equivocation": "duties",
  "VITAL: challenge": "duties",
  "VITAL: vote": "duties",
  "VITAL: report voters": "duties",
  "VITAL: resolve": "duties",
  "slash: execute": "duties",
  "slash: burn ALT": "duties",
  "rollup: stream fees": "upkeep",
  "governance: propose": "governance",
  "governance: vote": "governance",
  "governance: queue": "governance",
  "governance: execute": "governance",
  "council: pause rollup": "governance",
  "bridge: deposit ETH": "bridge",
  "bridge: deposit ALT": "bridge",
  "bridge: claim withdrawal": "bridge",
  "bridge: claim withdrawal (fast)": "bridge",
  "bridge: refund deposit": "bridge",
};

/** The category of `action`; an action name missing from ACTION_CATEGORIES throws (it must be classified). */
export function categoryOf(action: string): GasCategory {
  if (!Object.prototype.hasOwnProperty.call(ACTION_CATEGORIES, action)) {
    throw new Error(
      `the action "${action}" has no gas category: add it to ACTION_CATEGORIES (tasks/lib/simulate/report.ts)`,
    );
  }
  return ACTION_CATEGORIES[action];
}

/** Gas per category of one epoch's transactions (epoch 0: setup). */
export interface EpochGas {
  epoch: number;
  byCategory: Record<GasCategory, number>;
}

/** The gas budget of upkeep per rollup-epoch that the summary compares the run's figure with. */
export const UPKEEP_BUDGET = 200_000;

/**
 * The upkeep's cost per rollup-epoch. `rollupEpochs` counts, epoch by epoch, the rollups that get upkeep: not retired
 * when the epoch's first step runs (a rollup settled in that step is not counted) and with at least one service set.
 */
export interface Upkeep {
  /** Gas of every upkeep transaction of the run. */
  totalGas: number;
  rollupEpochs: number;
  /** floor(totalGas / rollupEpochs); 0 when there are no rollup-epochs. */
  perRollupEpoch: number;
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
  | "final-output"
  | "late-finality"
  | "pause"
  | "invalidation-deferred"
  | "resume"
  | "finalize-refused"
  | "seed-adversary"
  | "leader-share"
  | "proposal-created"
  | "proposal-executed"
  | "catch-up"
  | "forged-withdrawal"
  | "escape-hatch";

/**
 * What the seed adversary (an operator of rollup-0's SQUAD set that commits the rollup's seeds itself, at blocks it
 * picks, and withholds its reveal when the inherited seed would lead it more) led, against its share of the stake.
 */
export interface SeedAdversaryResult {
  operator: string;
  rollup: string;
  /** Epochs whose seed it committed, within the run, that have leaders (the set live), and their slots. */
  epochs: number;
  slots: number;
  /** Those slots it leads (the leaders SquadService draws, computed from the seeds and allocations on chain). */
  led: number;
  /**
   * Slots it would lead at its share of the stake drawn from in each epoch (its allocation over the set's, in the epoch
   * before), and the standard deviation of its count (binomial, slot by slot), both rounded to 2 decimals.
   */
  fair: number;
  sigma: number;
  /** Its commitments, and the target blocks in which it withheld its reveal (the keeper revealed). */
  commits: number;
  withheld: number;
  /** The slots those withheld reveals sought: what it would have led more in those epochs had nobody revealed. */
  sought: number;
  /** Each epoch it seeded, within the run: its slots with a leader, and those it leads. */
  perEpoch: { epoch: number; slots: number; led: number }[];
}

/**
 * The conservation laws, with every term: wei, except the rewards terms named `…Scaled`, which are in the rewards
 * distributor's unit, wei scaled by 10^18 (its accounts keep fractions of a wei).
 */
export interface Conservation {
  /** stake + slashed + withdrawn == deposited. */
  deposited: string;
  stake: string;
  slashed: string;
  withdrawn: string;
  /** Reporter shares of slashed ALT not yet claimed: the registry holds stake + these + `altToBurn`. */
  proceedsUnclaimed: string;
  /** Slashed ALT that executions set aside and nobody has burned yet (`burnSlashedAlt`; the keeper burns each step). */
  altToBurn: string;
  /**
   * feesCredited × 10^18 == rewardsPaid × 10^18 + rewardsOwedScaled + rewardsUnclaimedScaled + rewardsUnsettledScaled,
   * exactly.
   */
  feesCredited: string;
  rewardsPaid: string;
  /**
   * Owed to the accounts and not claimed (`owedScaled`): commission, the protocol share and each credit's rounding
   * remainder (the treasury's), fractions of a wei kept.
   */
  rewardsOwedScaled: string;
  /** The stakers' part of the settlements not taken into their claims yet (`Settled` less `Accrued`). */
  rewardsUnclaimedScaled: string;
  /** Credited to epochs not settled yet: the allocations counted in them times their rise in reward per stake. */
  rewardsUnsettledScaled: string;
}

/** One rollup's bridge: its users' deposits and withdrawals, and what its portal holds against what it owes. */
export interface BridgeRow {
  rollup: string;
  /** Deposits made, included by a batch, and refunded after the rollup retired (never included). */
  deposits: number;
  included: number;
  refunded: number;
  /** Withdrawals made on L2, claimed against a FastFinalized output (ALT within its MACH cover) or a Finalized one. */
  withdrawals: number;
  claimedFast: number;
  claimedNormal: number;
  /** Made on L2 and not claimed at the end (their output not Finalized yet, or the fast limit reached). */
  unclaimed: number;
  /** Per asset ("ETH", "ALT"), wei: what the portal holds, and what it owes (L2 balances, withdrawals not claimed, and
   *  deposits not included); `held == owed` holds exactly at the end of the run. */
  held: Record<BridgeAsset, string>;
  owed: Record<BridgeAsset, string>;
}

export type BridgeAsset = "ETH" | "ALT";

/**
 * Withdrawal latency of one rollup by path: from the step the withdrawal was made on L2 (just before the output of the
 * epoch is proposed) to its claim on L1, in seconds. Claims left for after an ephemeral rollup retired (the escape
 * hatch's) are not counted: their users chose to wait.
 */
export interface LatencyRow {
  rollup: string;
  path: "fast (MACH)" | "normal (challenge period)" | "normal (validity proof)";
  claims: number;
  min: number;
  median: number;
  max: number;
}

/** A FastFinalized output's fast-withdrawal limit and the ALT claimed fast against it (wei). */
export interface FastOutputRow {
  rollup: string;
  output: number;
  epoch: number;
  limit: string;
  used: string;
}

export interface BridgeReport {
  rollups: BridgeRow[];
  latency: LatencyRow[];
  fastOutputs: FastOutputRow[];
  /** Fast claims the portal would have refused (`PortalFastLimit`, simulated first): they waited for the normal path. */
  fastRefused: number;
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
  /** Gas per category, one row per epoch from 0 (setup) to the last; the rows add up to `gas`. */
  gasByEpoch: EpochGas[];
  upkeep: Upkeep;
  events: ScriptedEvent[];
  /** The seed adversary's leader share (absent without a dishonest operator). */
  seedAdversary?: SeedAdversaryResult;
  epochs: EpochPoint[];
  conservation: Conservation;
  bridge: BridgeReport;
  /** The run itself: varies from run to run. Actions are transactions, each mined on its own block. */
  run: { startedAt: string; wallSeconds: number; actions: number; actionsPerSecond: number };
}

/** The report without `run`: what must be identical for one seed and configuration. */
export function deterministicPart(report: SimulationReport): Omit<SimulationReport, "run"> {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { run, ...rest } = report;
  return rest;
}
