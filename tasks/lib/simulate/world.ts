// Who and what the simulation plays with, drawn from the seed before anything runs: operators (stake spread, some
// dishonest), stakers delegating across them, rollups of several templates and DA layers (some ephemeral), which
// operators serve which rollup, and when the scripted events happen.
import { fail } from "../cli";
import { DA_LAYERS, STACKS, VMS, type TemplateConfig } from "../../../deploy/lib/rollups";
import { blsSecretFrom } from "../mach";
import { Names, Rng } from "./rng";

export interface SimulateOptions {
  seed: string;
  operators: number;
  /** Operators that misbehave: a bad output, an equivocation, "valid" votes for it, missed SQUAD slots. */
  dishonest: number;
  stakers: number;
  rollups: number;
  epochs: number;
}

/** The timings (seconds) of a parameter set that decide how many epochs the scripted events need. */
export interface Timings {
  epochLength: number;
  withdrawalDelay: number;
  vetoWindow: number;
  settlementWindow: number;
  /** The longest challenge period of an optimistic template. */
  challengePeriod: number;
  /** Voting delay + voting period + late-quorum extension + timelock delay. */
  governance: number;
  vitalVotingPeriod: number;
}

const HOUR = 3_600;
const DAY = 86_400;

export const LIMITS = { operators: 1_000, stakers: 100_000, rollups: 200, epochs: 365 } as const;

export const SERVICE = { VITAL: 1, MACH: 2, SQUAD: 4 } as const;
export const SERVICE_NAMES = ["VITAL", "MACH", "SQUAD"] as const;

/** The epochs (1-based) of the scripted events. */
export interface Script {
  proposal: number;
  badOutput: number;
  equivocation: number;
  /** Staker 0 requests an unstake in this epoch (the scripted withdrawal). */
  unstake: number;
  /** The ephemeral rollups expire in the middle of this epoch. */
  expiry: number;
}

// the equivocation comes first: the bad output's "valid" voters are jailed once reported, the equivocator among them
export const SCRIPT: Script = { proposal: 1, equivocation: 2, badOutput: 3, unstake: 1, expiry: 4 };

const epochsFor = (seconds: number, epochLength: number) => Math.ceil(seconds / epochLength);

/** Rollup.MAX_COUNCIL_PAUSE: the security council's longest pause, the scripted pause's length. */
export const COUNCIL_PAUSE = 3 * DAY;

/**
 * Epochs from the bad output (proposed at 2:00:30 into its epoch) to its challenge (3:00:30), for the council's pause
 * (from 4:00:00, before the vote) to outlast the output's challenge period: the fewest that do, but no more than leave
 * the challenge's vote (the VITAL voting period) within the challenge period, as VITAL requires.
 */
export function challengeDelay(t: Pick<Timings, "epochLength" | "challengePeriod" | "vitalVotingPeriod">): number {
  const outlasting = Math.ceil((t.challengePeriod - COUNCIL_PAUSE - 2 * HOUR) / t.epochLength);
  const latest = Math.floor((t.challengePeriod - t.vitalVotingPeriod - HOUR) / t.epochLength);
  return Math.max(0, Math.min(outlasting, latest));
}

/** The fewest epochs in which every scripted event can complete on these timings, and what needs them. */
export function minimumEpochs(t: Timings): { epochs: number; longest: string } {
  const needs: [number, string][] = [
    // the proposal moves on only at epoch starts: one epoch more for the rounding of the vote and of the queue
    [SCRIPT.proposal + epochsFor(t.governance, t.epochLength) + 2, "the governance proposal"],
    [SCRIPT.unstake + epochsFor(t.withdrawalDelay, t.epochLength) + 1, "the unstake (withdrawal delay)"],
    // invalidated at the start of the epoch after the pause's; its slashes executed after the veto window
    [
      SCRIPT.badOutput +
        challengeDelay(t) +
        epochsFor(COUNCIL_PAUSE, t.epochLength) +
        1 +
        epochsFor(t.vetoWindow, t.epochLength) +
        1,
      "the paused challenge's slashes (council pause, veto window)",
    ],
    [SCRIPT.expiry + epochsFor(t.settlementWindow, t.epochLength) + 1, "the ephemeral rollup's settlement"],
    [1 + epochsFor(t.challengePeriod, t.epochLength) + 1, "optimistic finality (challenge period)"],
  ];
  const [epochs, longest] = needs.reduce((a, b) => (b[0] > a[0] ? b : a));
  return { epochs, longest };
}

function whole(value: number, flag: string, min: number, max: number) {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    fail(`--${flag} must be a whole number from ${min} to ${max.toLocaleString("en-US")}, not ${value}`);
  }
}

/** Refuses nonsense with one line, before anything is deployed. */
export function validateOptions(o: SimulateOptions, timings: Timings) {
  // the steps of an epoch run at fixed hours into it (the last at 17:00), and votes an hour after the challenge
  if (timings.epochLength < DAY) {
    fail(
      `simulate needs epochs of at least one day (its steps run at fixed hours); these parameters have ${timings.epochLength} s`,
    );
  }
  if (timings.vitalVotingPeriod <= HOUR) {
    fail(
      `simulate needs a VITAL voting period over one hour (members vote an hour after a challenge); these parameters have ${timings.vitalVotingPeriod} s`,
    );
  }
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(o.seed)) {
    fail(`--seed must be 1 to 64 letters, digits, "-" or "_" (it names the report file), not "${o.seed}"`);
  }
  whole(o.operators, "operators", 4, LIMITS.operators);
  if (!Number.isSafeInteger(o.dishonest) || o.dishonest < 0 || o.dishonest > o.operators) {
    fail(`--dishonest must be a whole number from 0 to the number of operators (${o.operators}), not ${o.dishonest}`);
  }
  whole(o.stakers, "stakers", 1, LIMITS.stakers);
  whole(o.rollups, "rollups", 2, LIMITS.rollups);
  const { epochs, longest } = minimumEpochs(timings);
  whole(o.epochs, "epochs", 1, LIMITS.epochs);
  if (o.epochs < epochs) {
    fail(`--epochs must be at least ${epochs} on these parameters, for ${longest} to complete, not ${o.epochs}`);
  }
}

export interface OperatorPlan {
  index: number;
  name: string;
  address: string;
  /** The operator's BLS secret key (MACH attestations and certificates; its public key in BlsKeyRegistry). */
  bls: bigint;
  honest: boolean;
  /** ALT the operator stakes to itself. */
  stake: bigint;
  commissionBps: number;
  /** Chance of missing a SQUAD slot it leads. */
  missRate: number;
}

export interface StakerPlan {
  index: number;
  address: string;
  delegations: { operator: number; amount: bigint }[];
  /** Epoch in which it unstakes half of its first delegation, if it does. */
  unstakeEpoch?: number;
}

/** ALT a staker stakes in all (and is funded with). */
export const stakerTotal = (s: StakerPlan) => s.delegations.reduce((sum, d) => sum + d.amount, 0n);

export interface RollupPlan {
  index: number;
  name: string;
  chainId: number;
  templateId: number;
  template: string;
  optimistic: boolean;
  daLayer: number;
  services: number;
  owner: string;
  /** The rollup's proposer: its owner, or for rollup 0 the first dishonest operator (the scripted bad output). */
  proposer: string;
  /** Epoch in whose middle it expires (ephemeral rollups). */
  expiryEpoch?: number;
  /** Operator indexes joining its set of each service it enables. */
  members: Partial<Record<(typeof SERVICE_NAMES)[number], number[]>>;
}

export interface World {
  operators: OperatorPlan[];
  stakers: StakerPlan[];
  rollups: RollupPlan[];
  /** Operator indexes of the dishonest, in the order they take the scripted roles. */
  dishonest: number[];
}

const ALT = 10n ** 18n;

export const templateName = (t: TemplateConfig) => `${STACKS[t.stack]} ${VMS[t.vm]}`;

/** Every actor and plan of a run; the same options and templates always give the same world. */
export function drawWorld(o: SimulateOptions, templates: TemplateConfig[], maxSetSize: number): World {
  const rng = new Rng(o.seed);
  const names = new Names(o.seed);
  const dishonest = rng.shuffled([...Array(o.operators).keys()]).slice(0, o.dishonest);
  const operators: OperatorPlan[] = [...Array(o.operators).keys()].map((i) => {
    const honest = !dishonest.includes(i);
    return {
      index: i,
      name: `op-${String(i).padStart(2, "0")}`,
      address: names.address(`operator:${i}`),
      bls: blsSecretFrom(names.hash(`bls-key:${i}`)),
      honest,
      // opportunists run smaller operations: 50k-300k ALT; honest operators 100k-2M ALT
      stake: (honest ? rng.logUniform(100_000, 2_000_000) : rng.logUniform(50_000, 300_000)) * ALT,
      commissionBps: 500 + 100 * rng.int(11),
      missRate: honest ? 0.03 : 0.3,
    };
  });

  const honestIndexes = operators.filter((op) => op.honest).map((op) => op.index);
  // stakers favour larger operators: an operator is picked with probability proportional to its own stake
  const totalStake = operators.reduce((sum, op) => sum + op.stake, 0n);
  const pickOperator = () => {
    let point = (totalStake * BigInt(rng.int(1_000_000))) / 1_000_000n;
    for (const op of operators) {
      if (point < op.stake) return op.index;
      point -= op.stake;
    }
    return operators.length - 1;
  };
  const lastUnstakeEpoch = Math.max(SCRIPT.unstake, Math.floor(o.epochs / 2));
  const stakers: StakerPlan[] = [...Array(o.stakers).keys()].map((j) => {
    const count = rng.chance(0.3) ? 2 : 1;
    const chosen = [j === 0 && honestIndexes.length > 0 ? rng.pick(honestIndexes) : pickOperator()];
    if (count === 2) chosen.push(pickOperator());
    const delegations = [...new Set(chosen)].map((operator) => ({
      operator,
      amount: rng.logUniform(1_000, 100_000) * ALT,
    }));
    const unstakeEpoch = j === 0 ? SCRIPT.unstake : rng.chance(0.15) ? 1 + rng.int(lastUnstakeEpoch) : undefined;
    return { index: j, address: names.address(`staker:${j}`), delegations, unstakeEpoch };
  });

  const usable = templates.map((t, id) => ({ t, id })).filter(({ t }) => !t.deprecated);
  const optimistic = usable.filter(({ t }) => t.proofSystem === 0);
  if (optimistic.length === 0) fail("simulate needs an optimistic template (VITAL challenges optimistic outputs)");
  // rollup 0: the two scripted dishonest operators, then the honest, then the other dishonest, up to the set size
  const everyone = [...dishonest.slice(0, 2), ...honestIndexes, ...dishonest.slice(2)].slice(0, maxSetSize);
  const someOperators = () => {
    const size = Math.min(o.operators, maxSetSize, Math.max(3, Math.round(o.operators * (0.4 + 0.5 * rng.next()))));
    return rng.shuffled([...Array(o.operators).keys()]).slice(0, size);
  };

  const rollups: RollupPlan[] = [...Array(o.rollups).keys()].map((k) => {
    const { t, id } = k === 0 ? optimistic[0] : rng.pick(usable);
    const isOptimistic = t.proofSystem === 0;
    const layers = DA_LAYERS.map((_, layer) => layer).filter((layer) => t.daLayers & (1 << layer));
    let services: number;
    if (k === 0) services = SERVICE.VITAL | SERVICE.MACH | SERVICE.SQUAD;
    else if (k === 1)
      services = (isOptimistic ? SERVICE.VITAL : 0) | SERVICE.MACH; // centrally sequenced
    else {
      services = (isOptimistic ? SERVICE.VITAL : 0) | (rng.chance(0.7) ? SERVICE.MACH : 0);
      if (rng.chance(0.5)) services |= SERVICE.SQUAD;
      if (services === 0) services = SERVICE.MACH;
    }
    const owner = names.address(`rollup-owner:${k}`);
    const badProposer = k === 0 && dishonest.length > 0 ? operators[dishonest[0]].address : undefined;
    const members: RollupPlan["members"] = {};
    SERVICE_NAMES.forEach((name, bit) => {
      if (services & (1 << bit)) members[name] = k === 0 ? everyone : someOperators();
    });
    return {
      index: k,
      name: `rollup-${k}`,
      chainId: 710_000 + k,
      templateId: id,
      template: templateName(t),
      optimistic: isOptimistic,
      daLayer: k === 0 ? layers[0] : rng.pick(layers),
      services,
      owner,
      proposer: badProposer ?? owner,
      expiryEpoch: k === 1 || (k > 1 && rng.chance(0.2)) ? SCRIPT.expiry : undefined,
      members,
    };
  });
  return { operators, stakers, rollups, dishonest };
}
