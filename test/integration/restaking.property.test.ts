// Random sequences over the whole restaking layer — registry, slashing manager, operator sets and rewards distributor —
// against an exact model: 3 operators × 2 assets (ALT and a MockERC20 "LST" of weight 2) × 8 stakers. Every step's
// outcome is predicted by the model (success with its exact events, or the exact custom error with its arguments), and
// after every step these invariants are checked against the chain:
//   (a) every pool's assets cover the claims of all its shares, active and queued; the registry holds the pools' assets,
//       the unclaimed slash proceeds (reporter shares, and the treasury's part of the LST) and the slashed ALT not yet
//       burned (altToBurn);
//   (b) no withdrawal completes before its unlockAt or while its operator has a pending slash;
//   (c) slashes stay within the per-offence cap and the 30 % rolling-window cap per (operator, set) (windowSlashedBps
//       equals the model), and each piece of evidence is accepted once per (slasher, operator, reason)
//       (isEvidenceUsed equals the model);
//   (d) every token is conserved exactly: registry, stakers, fee payer, operators, treasury, reporters, distributor and
//       the ALT burned by slashes account for every wei the run started with;
//   (e) rewards (lazily settled: fees credited per set and epoch, operators settled over the stretches their allocation
//       and their stakers' reward units were constant, stakers paid by their units): the registry's reward units
//       (unitsOf, unitRate, operatorUnitsAt, stakerUnitsAt: an operator's units are its stakers' sum), the sets' reward
//       per stake, the operators' settlement (settledUntil, rewardPerUnitBefore), the stakers' claimedUntil, owedScaled
//       (the treasury's with each credit's protocol share and rounding remainder) and claimable all equal the model; the
//       identity holds exactly, in scaled units: credited * 1e18 == paid * 1e18 + sum of owedScaled + what settled
//       stakers have not claimed + what is credited and not yet settled; claimable never adds up to more than the distributor holds, nor exceeds what a
//       claim pays; a claim that pays nothing yet moves one of the account's walks on (claimedUntil) keeps that
//       progress (no Claimed, no transfer), one that does neither is refused. After the drain (everyone settled in a
//       later epoch, every staker with a whole wei claimed):
//       credited * 1e18 == paid * 1e18 + sum of owedScaled + the stakers' unclaimed fractions, exactly.
//   (f) allocations (unique stake), against the model of OperatorSets: every (set, operator) allocation, pending
//       deallocation and freeAt, the epoch-keyed histories (allocationAt, setStakeAt) and the per-operator totals equal
//       the model exactly; an operator's allocations never sum above its active stake; encumbered == sum(allocated +
//       pendingFree) and freeStake == max(0, stake - encumbered); setStakeAt(set, e) == sum of the members'
//       allocationAt(set, op, e); what an operator's allocations count in epoch e, summed over all sets, never exceeds
//       the operator's stake at the start of e (one stake is not counted twice); and no deallocation is freed (no
//       freeStake comes back) before its freeAt or while its operator has a pending slash (what a slash takes from a
//       deallocation is no release).
//   (g) slashing is scoped to an operator set: a request names one of its service's sets in which the operator has
//       something slashable (recorded: `slashable`); its execution takes floor(allocated * bps / 1e4) +
//       floor(pendingFree * bps / 1e4) from the set (the pending part only if its freeAt is after the request), in all at
//       most floor(slashable * bps / 1e4), the allocation first; and that value, at most floor(totalValue * bps / 1e4),
//       from the operator's pools, the same fraction value / totalValue of each (totalValue = Σ totalAssets * weight,
//       queued shares included), exactly as the model predicts; it never touches the operator's other sets'
//       allocations, unless its remaining active stake is below its allocated sum afterwards, in which case (and only
//       then) every allocation shrinks pro rata (checked against the chain at every execution). Stake is refused
//       (RegistryOperatorJailed) while a slash request against its operator is pending.
//   (h) the draw index, against its model (an operator whose counted allocation becomes non-zero takes the next
//       position, one whose allocation drops to 0 gives its position to the last one): in the current and the next
//       epoch, each bucket's total (read from OperatorSets' storage) is the sum of the allocations at its positions and
//       the buckets sum to setStakeAt; in every epoch read, drawAt gives each operator with a counted allocation the
//       first and the last random of its range (the ranges laid end to end in position order), the set's stake wraps
//       to the first position, and a set that counts nothing draws nobody. Jailed operators and allocations below the
//       set's minimum are drawn like any other.
// In the fixture the last staker stakes ALT with every operator and each operator allocates part of it to both sets
// (operator 2 below set 1's minimum, raised after the joins); the run starts at the first epoch those count in.
// Each run starts from the fixture's saved chain state and ends with a drain (execute every pending slash, complete
// every withdrawal, free every due deallocation, settle every operator in every set in a later epoch, claim every whole
// wei and all slash proceeds) followed by a last check. Actions choose actors by index;
// most pick among what the model says exists (held positions, pending withdrawals and requests, accounts owed a wei or
// slash proceeds, evidence already sent), the rest are arbitrary and often invalid, and then must revert with the right
// custom error. A hand-written example sequence runs first.
// Reproduce a failure with PROPERTY_SEED=<seed> PROPERTY_PATH=<path> (both printed by fast-check); PROPERTY_RUNS changes
// the number of runs (default 15; CI's deep step runs 60), PROPERTY_STATS=1 prints how often each (action, outcome) occurred.
import assert from "node:assert/strict";
import { expect } from "chai";
import { ethers } from "hardhat";
import fc from "fast-check";
import { loadFixture, setBalance, setCode, time } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, type BaseContract, type ContractTransactionResponse, type Interface, keccak256 } from "ethers";
import type { MockERC20, MockService } from "../../typechain-types";
import { deployProtocol } from "../helpers/protocol";
import { ALT } from "../helpers/constants";
import { DAY, HOUR, days } from "../helpers/time";
import { coverageRunning } from "../helpers/coverage";

// ------------------------------------------------------------------------------------------------ parameters

const OPERATORS = 3;
const ASSETS = 2;
const STAKERS = 8;
const ACCOUNTS = STAKERS + OPERATORS + 1; // stakers, operators, treasury: everyone who can be owed rewards

const SCALE = 10n ** 18n;
const BPS = 10_000n;
const VIRTUAL_SHARES = 10n ** 6n;
const VIRTUAL_ASSETS = 1n;
const WINDOW_CAP_BPS = 3_000;
/** OperatorSets' draw index: positions in buckets of BUCKET, BUCKETS of them (MAX_SET_SIZE 256). */
const BUCKET = 16;
const BUCKETS = 16;
const MAX_REQUESTS_PER_WINDOW = 16;

const LST_WEIGHT = 2n * SCALE;
const LST_CAP = 1_500_000n * ALT;
const LST_FUNDED = 1_000_000n * ALT;
const WEIGHTS = [SCALE, LST_WEIGHT];
const COMMISSION_BPS = [0n, 500n, 2_000n];
/** Two services, both slashers: the first capped at 10 % per offence, the second at the full 30 %. */
const SLASHERS = [
  { maxBps: 1_000, maxEvidenceAge: days(3) },
  { maxBps: 3_000, maxEvidenceAge: days(12) }, // veto window (2d) + 12d == withdrawal delay (14d): the longest allowed
];
/** Set 0 takes any allocation; set 1 only allocations of at least 1,000 ALT-equivalent. */
const SET_MIN_STAKE = [0n, 1_000n * ALT];
/** In the fixture, the last staker stakes SETUP_STAKE[o] ALT with operator o, ... */
const SETUP_STAKER = STAKERS - 1;
const SETUP_STAKE = [2_000n * ALT, 1_500n * ALT, 600n * ALT];
/**
 * ... and operator o joins set k with SETUP_ALLOCATION[k][o]: operator 0 allocates all its stake, operator 1 leaves
 * 200 ALT free, operator 2 joins set 1 before its minimum is raised and stays below it.
 */
const SETUP_ALLOCATION = [
  [800n * ALT, 300n * ALT, 300n * ALT],
  [1_200n * ALT, 1_000n * ALT, 200n * ALT],
];
/** The offences a request can name: the evidence is accepted once per (slasher, operator, reason). */
const REASONS = [ethers.id("double-sign"), ethers.id("invalid-output")];
/** The n-th fresh piece of evidence of a run (a per-run counter keeps every fresh hash distinct). */
const evidenceHash = (n: number) => ethers.id(`evidence ${n}`);
/** Who can claim slash proceeds: the two reporters, then the treasury. */
const PAYEES = 3;
/** Where claimed proceeds can go: the reporters, the treasury and the stakers (tracked in both balance maps). */
const RECIPIENTS = PAYEES + STAKERS;

const RUNS = Number(process.env.PROPERTY_RUNS ?? 15);
const SEED = process.env.PROPERTY_SEED === undefined ? undefined : Number(process.env.PROPERTY_SEED);
const PATH = process.env.PROPERTY_PATH;

const coder = AbiCoder.defaultAbiCoder();
const WITHDRAWAL_TUPLE =
  "tuple(address staker,address operator,uint8 assetId,uint128 shares,uint48 unlockAt,uint64 nonce)";
/** RewardsDistributor.CLAIM_STEPS: the changes a claim walks per (operator, set). */
const CLAIM_STEPS = 64;
/** No bound on the changes walked (the model's own sums). */
const ALL_STEPS = Number.MAX_SAFE_INTEGER;

/** Where the read lens (see readGroups) lives, and its runtime code: a loop over (target, length, calldata) records. */
const LENS = "0x00000000000000000000000000000000001e4500";
const LENS_CODE = `0x${[
  "5f5f", //               00 PUSH0 PUSH0                                   [o = 0, i = 0]
  "5b", //                 02 loop: JUMPDEST
  "368110600c57", //       03 CALLDATASIZE DUP2 LT PUSH1 body JUMPI         if i < calldatasize goto body
  "505ff3", //             09 POP PUSH0 RETURN                              return(0, o)
  "5b", //                 0c body: JUMPDEST                                [o, i]
  "803560601c", //         0d DUP1 CALLDATALOAD PUSH1 96 SHR                [o, i, target]
  "816014013560f01c", //   12 DUP2 PUSH1 20 ADD CALLDATALOAD PUSH1 240 SHR  [o, i, target, len]
  "80836016018537", //     1a DUP1 DUP4 PUSH1 22 ADD DUP6 CALLDATACOPY     memory[o..] = calldata[i + 22..][:len]
  "5f848281855afa", //     21 PUSH0 DUP5 DUP3 DUP2 DUP6 GAS STATICCALL      staticcall(gas, target, o, len, o, 0)
  "602e575f5ffd", //       28 PUSH1 next JUMPI PUSH0 PUSH0 REVERT           revert if it failed
  "5b", //                 2e next: JUMPDEST                                [o, i, target, len]
  "601601905001", //       2f PUSH1 22 ADD SWAP1 POP ADD                    [o, i + 22 + len]
  "3d5f833e", //           35 RETURNDATASIZE PUSH0 DUP4 RETURNDATACOPY      memory[o..] = returndata
  "903d0190", //           39 SWAP1 RETURNDATASIZE ADD SWAP1                [o + returndatasize, i]
  "600256", //             3d PUSH1 loop JUMP
].join("")}`;

// ------------------------------------------------------------------------------------------------ actions

type Amount =
  | { kind: "tiny"; value: bigint } // wei
  | { kind: "units"; value: bigint } // whole tokens
  | { kind: "ppm"; value: number } // of the payer's balance
  | { kind: "zero" };
type Part = { kind: "ppm"; value: number } | { kind: "all" } | { kind: "over" } | { kind: "zero" };
/**
 * The target of an allocate, from the model's state: `free` is the operator's free stake once the set's due
 * deallocation is released (as the contract computes it), `allocated` the current allocation, `min` the set's minimum.
 */
type AllocAmount =
  | { kind: "upPpm"; value: number } // allocated + ppm of free
  | { kind: "allFree" } // allocated + free: exactly everything
  | { kind: "overFree" } // allocated + free + 1: SetsInsufficientFreeStake (unless below min)
  | { kind: "downPpm"; value: number } // ppm of allocated
  | { kind: "min" } // exactly the minimum
  | { kind: "belowMin" } // min - 1 (0 for a set without minimum)
  | { kind: "same" } // no change: only releases a due deallocation
  | { kind: "units"; value: bigint }; // whole tokens, whatever the state

type Action =
  | { kind: "stake"; staker: number; operator: number; asset: number; amount: Amount }
  // fromState: pick among what the model says exists (held positions, pending withdrawals, accounts owed a wei),
  // else use the explicit choice (which may well be empty, to exercise the refusals)
  | {
      kind: "requestUnstake";
      fromState: boolean;
      pick: number;
      staker: number;
      operator: number;
      asset: number;
      part: Part;
    }
  | {
      kind: "completeUnstake";
      fromState: boolean;
      pick: number;
      when: "now" | "justBefore" | "unlock";
      byOther: boolean;
    }
  | {
      kind: "requestSlash";
      operator: number;
      slasher: number;
      // the set named: the slasher's own (set i is slasher i's), the other slasher's (SlashingNotSetService) or one that
      // does not exist (SetsUnknownSet)
      target: "own" | "other" | "unknown";
      bps: number;
      evidence: "fresh" | "oldest" | "tooOld" | "future";
      agePpm: number;
      reporter: number;
      reason: number;
      // the evidence hash: a fresh one, or one sent before (accepted or refused) by the same slasher against the same
      // operator ("pair": refused if a request with it and the same reason was accepted, even if vetoed since) or by
      // anyone against anyone ("any"), picked by `pick`; fresh when there is none to reuse
      reuse: "none" | "pair" | "any";
      pick: number;
    }
  | { kind: "veto"; fromState: boolean; pick: number; when: "now" | "lastMoment" | "closed"; byOutsider: boolean }
  | { kind: "execute"; fromState: boolean; pick: number; when: "now" | "justBefore" | "ready" }
  | { kind: "creditFees"; set: number; amount: Amount }
  // fromState: a pair (operator, set) with epochs to settle, if any; maxSteps 0 is refused
  | { kind: "settle"; fromState: boolean; pick: number; operator: number; set: number; maxSteps: number }
  // mask: bit (operator * 2 + set) names the pair (operator, set) claimed from; fromState: an account a claim pays
  | { kind: "claim"; fromState: boolean; pick: number; account: number; mask: number }
  // payee: a reporter or the treasury (PAYEES); asset ASSETS is unknown; `to` indexes RECIPIENTS unless toSelf
  | {
      kind: "claimProceeds";
      fromState: boolean;
      pick: number;
      payee: number;
      asset: number;
      toSelf: boolean;
      to: number;
    }
  // operator OPERATORS is the outsider, a member of no set
  | { kind: "allocate"; set: number; operator: number; amount: AllocAmount }
  | { kind: "syncAllocations"; operator: number }
  | { kind: "warp"; seconds: number }
  // burns the slashed ALT set aside by executions (anyone)
  | { kind: "burnSlashedAlt"; caller: number }
  | { kind: "noop" }; // what any step can shrink to (see actionArb), so counterexamples keep only the steps that matter

const stakerArb = fc.integer({ min: 0, max: STAKERS - 1 });
const operatorArb = fc.integer({ min: 0, max: OPERATORS - 1 });
const assetArb = fc.integer({ min: 0, max: ASSETS - 1 });
const pickArb = fc.nat({ max: 1_000 });
/** true one time in ten, or nine times in ten */
const rarely = fc.oneof({ arbitrary: fc.constant(false), weight: 9 }, { arbitrary: fc.constant(true), weight: 1 });
const usually = rarely.map((b) => !b);
const ppmArb = fc.integer({ min: 1, max: 1_000_000 });

const amountArb: fc.Arbitrary<Amount> = fc.oneof(
  {
    arbitrary: fc.record({ kind: fc.constant("tiny" as const), value: fc.bigInt({ min: 1n, max: 1_000n }) }),
    weight: 2,
  },
  {
    arbitrary: fc.record({ kind: fc.constant("units" as const), value: fc.bigInt({ min: 1n, max: 50_000n }) }),
    weight: 4,
  },
  { arbitrary: fc.record({ kind: fc.constant("ppm" as const), value: ppmArb }), weight: 2 },
  { arbitrary: fc.constant({ kind: "zero" as const }), weight: 1 },
);

const feeArb: fc.Arbitrary<Amount> = fc.oneof(
  {
    arbitrary: fc.record({ kind: fc.constant("tiny" as const), value: fc.bigInt({ min: 1n, max: 1_000n }) }),
    weight: 2,
  },
  {
    arbitrary: fc.record({ kind: fc.constant("units" as const), value: fc.bigInt({ min: 1n, max: 10_000n }) }),
    weight: 5,
  },
  { arbitrary: fc.constant({ kind: "zero" as const }), weight: 1 },
);

const partArb: fc.Arbitrary<Part> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant("ppm" as const), value: ppmArb }), weight: 5 },
  { arbitrary: fc.constant({ kind: "all" as const }), weight: 2 },
  { arbitrary: fc.constant({ kind: "over" as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: "zero" as const }), weight: 1 },
);

const allocAmountArb: fc.Arbitrary<AllocAmount> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant("upPpm" as const), value: ppmArb }), weight: 5 },
  { arbitrary: fc.constant({ kind: "allFree" as const }), weight: 2 },
  { arbitrary: fc.constant({ kind: "overFree" as const }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant("downPpm" as const), value: ppmArb }), weight: 4 },
  { arbitrary: fc.constantFrom({ kind: "min" as const }, { kind: "belowMin" as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: "same" as const }), weight: 2 },
  {
    arbitrary: fc.record({ kind: fc.constant("units" as const), value: fc.bigInt({ min: 0n, max: 5_000n }) }),
    weight: 1,
  },
);

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  // withCrossShrink: while shrinking, fast-check tries the first arbitrary in place of each step; a sequence cannot get
  // shorter than minLength, so irrelevant steps shrink to noops instead
  { withCrossShrink: true },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("burnSlashedAlt" as const),
      caller: fc.integer({ min: 0, max: PAYEES - 1 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "noop" as const }) },
  {
    weight: 7,
    arbitrary: fc.record({
      kind: fc.constant("stake" as const),
      staker: stakerArb,
      // 3 is not an operator, 2 is not an asset
      operator: fc.oneof({ arbitrary: operatorArb, weight: 15 }, { arbitrary: fc.constant(OPERATORS), weight: 1 }),
      asset: fc.oneof({ arbitrary: assetArb, weight: 15 }, { arbitrary: fc.constant(ASSETS), weight: 1 }),
      amount: amountArb,
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("requestUnstake" as const),
      fromState: usually,
      pick: pickArb,
      staker: stakerArb,
      operator: operatorArb,
      asset: assetArb,
      part: partArb,
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("completeUnstake" as const),
      fromState: usually,
      pick: pickArb,
      when: fc.constantFrom("now" as const, "justBefore" as const, "unlock" as const),
      byOther: rarely,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("requestSlash" as const),
      operator: operatorArb,
      slasher: fc.integer({ min: 0, max: SLASHERS.length - 1 }),
      target: fc.oneof(
        { arbitrary: fc.constant("own" as const), weight: 14 },
        { arbitrary: fc.constantFrom("other" as const, "unknown" as const), weight: 2 },
      ),
      bps: fc.oneof(
        { arbitrary: fc.integer({ min: 1, max: 1_000 }), weight: 6 },
        { arbitrary: fc.integer({ min: 1_001, max: 3_000 }), weight: 3 },
        { arbitrary: fc.constantFrom(0, 3_001), weight: 1 },
      ),
      evidence: fc.oneof(
        { arbitrary: fc.constant("fresh" as const), weight: 8 },
        { arbitrary: fc.constantFrom("oldest" as const, "tooOld" as const, "future" as const), weight: 2 },
      ),
      agePpm: fc.integer({ min: 0, max: 1_000_000 }),
      reporter: fc.integer({ min: 0, max: 1 }),
      reason: rarely.map((b) => (b ? 1 : 0)),
      reuse: fc.oneof(
        { arbitrary: fc.constant("none" as const), weight: 16 },
        { arbitrary: fc.constant("pair" as const), weight: 3 },
        { arbitrary: fc.constant("any" as const), weight: 1 },
      ),
      pick: pickArb,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("veto" as const),
      fromState: usually,
      pick: pickArb,
      when: fc.constantFrom("now" as const, "lastMoment" as const, "closed" as const),
      byOutsider: rarely,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("execute" as const),
      fromState: usually,
      pick: pickArb,
      when: fc.constantFrom("now" as const, "justBefore" as const, "ready" as const, "ready" as const),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("creditFees" as const),
      set: fc.integer({ min: 0, max: 1 }),
      amount: feeArb,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("settle" as const),
      fromState: usually,
      pick: pickArb,
      operator: operatorArb,
      set: fc.integer({ min: 0, max: 1 }),
      // a few changes at a time (settlement stops at the last change read), all of them, or none (refused)
      maxSteps: fc.oneof(
        { arbitrary: fc.integer({ min: 1, max: 3 }), weight: 3 },
        { arbitrary: fc.constant(CLAIM_STEPS), weight: 4 },
        { arbitrary: fc.constant(0), weight: 1 },
      ),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("claim" as const),
      fromState: usually,
      pick: pickArb,
      account: fc.integer({ min: 0, max: ACCOUNTS - 1 }),
      mask: fc.oneof(
        { arbitrary: fc.constant(63), weight: 2 },
        { arbitrary: fc.integer({ min: 0, max: 63 }), weight: 1 },
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("claimProceeds" as const),
      fromState: usually,
      pick: pickArb,
      payee: fc.integer({ min: 0, max: PAYEES - 1 }),
      // ASSETS is not an asset
      asset: fc.oneof({ arbitrary: assetArb, weight: 15 }, { arbitrary: fc.constant(ASSETS), weight: 1 }),
      toSelf: usually,
      to: fc.integer({ min: 0, max: RECIPIENTS - 1 }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("allocate" as const),
      set: fc.integer({ min: 0, max: 1 }),
      operator: fc.oneof({ arbitrary: operatorArb, weight: 15 }, { arbitrary: fc.constant(OPERATORS), weight: 1 }),
      amount: allocAmountArb,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("syncAllocations" as const), operator: operatorArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("warp" as const),
      seconds: fc.oneof(
        fc.integer({ min: 1, max: HOUR }),
        fc.integer({ min: HOUR, max: days(3) }),
        fc.constant(DAY),
        fc.integer({ min: days(3), max: days(16) }),
      ),
    }),
  },
);

/**
 * A requestSlash step of the hand-written sequence: through the slasher's own set, fresh evidence from a moment ago,
 * the first reason, no reuse.
 */
const slashRequest = (
  a: Pick<Extract<Action, { kind: "requestSlash" }>, "operator" | "slasher" | "bps" | "reporter"> &
    Partial<Extract<Action, { kind: "requestSlash" }>>,
): Action => ({
  kind: "requestSlash",
  target: "own",
  evidence: "fresh",
  agePpm: 10,
  reason: 0,
  reuse: "none",
  pick: 0,
  ...a,
});

/** A hand-written sequence run first: it reaches every success path and the boundary refusals at least once. */
const EXAMPLE: Action[] = [
  { kind: "stake", staker: 0, operator: 0, asset: 0, amount: { kind: "units", value: 1_000n } },
  { kind: "stake", staker: 1, operator: 0, asset: 1, amount: { kind: "units", value: 500n } },
  { kind: "stake", staker: 2, operator: 1, asset: 0, amount: { kind: "tiny", value: 7n } },
  { kind: "stake", staker: 3, operator: 2, asset: 1, amount: { kind: "ppm", value: 500_000 } },
  { kind: "stake", staker: 4, operator: 1, asset: 1, amount: { kind: "ppm", value: 900_000 } },
  { kind: "stake", staker: 5, operator: 0, asset: 1, amount: { kind: "ppm", value: 1_000_000 } }, // above the cap
  { kind: "creditFees", set: 0, amount: { kind: "units", value: 100n } },
  // the epochs before this one: no fees were credited in them
  { kind: "settle", fromState: false, pick: 0, operator: 0, set: 0, maxSteps: CLAIM_STEPS },
  // staker 0's stake counts from the next epoch: its claim walks the settled epochs, earning nothing, and keeps that
  // progress (paying nothing); a second one has nothing left to do: refused
  { kind: "claim", fromState: false, pick: 0, account: 0, mask: 63 },
  { kind: "claim", fromState: false, pick: 0, account: 0, mask: 63 },
  {
    kind: "requestUnstake",
    fromState: false,
    pick: 0,
    staker: 0,
    operator: 0,
    asset: 0,
    part: { kind: "ppm", value: 500_000 },
  },
  { kind: "completeUnstake", fromState: false, pick: 0, when: "justBefore", byOther: false },
  slashRequest({ operator: 0, slasher: 1, bps: 2_000, reporter: 0 }), // through set 1, slasher 1's
  { kind: "stake", staker: 2, operator: 0, asset: 0, amount: { kind: "units", value: 10n } }, // jailed: refused
  { kind: "completeUnstake", fromState: false, pick: 0, when: "unlock", byOther: false }, // jailed: the slash is still pending
  slashRequest({ operator: 0, slasher: 1, bps: 1_001, reporter: 1 }), // window cap (of operator 0 in set 1)
  { kind: "execute", fromState: false, pick: 0, when: "ready" }, // takes 20 % of set 1's allocation, set 0's untouched
  { kind: "completeUnstake", fromState: false, pick: 0, when: "now", byOther: false },
  { kind: "completeUnstake", fromState: false, pick: 0, when: "now", byOther: false }, // completed already
  slashRequest({ operator: 1, slasher: 0, bps: 500, evidence: "oldest", agePpm: 0, reporter: 1 }),
  { kind: "veto", fromState: false, pick: 1, when: "lastMoment", byOutsider: false },
  { kind: "execute", fromState: false, pick: 1, when: "now" }, // vetoed
  slashRequest({ operator: 2, slasher: 1, bps: 3_000, agePpm: 999_999, reporter: 0 }),
  { kind: "veto", fromState: false, pick: 2, when: "closed", byOutsider: false },
  { kind: "execute", fromState: false, pick: 2, when: "now" },
  { kind: "creditFees", set: 1, amount: { kind: "units", value: 50n } },
  { kind: "warp", seconds: DAY },
  { kind: "settle", fromState: false, pick: 0, operator: 2, set: 1, maxSteps: 1 }, // up to its first change only
  { kind: "settle", fromState: false, pick: 0, operator: 2, set: 1, maxSteps: 0 }, // refused
  { kind: "settle", fromState: false, pick: 0, operator: 2, set: 1, maxSteps: CLAIM_STEPS },
  { kind: "settle", fromState: false, pick: 0, operator: 2, set: 1, maxSteps: CLAIM_STEPS }, // nothing left
  { kind: "claim", fromState: false, pick: 0, account: ACCOUNTS - 1, mask: 0 }, // the treasury
  { kind: "claim", fromState: false, pick: 0, account: STAKERS + 2, mask: 0 }, // operator 2: 20 % commission
  { kind: "claim", fromState: false, pick: 0, account: SETUP_STAKER, mask: 63 }, // settles the other pairs first
  { kind: "stake", staker: 4, operator: OPERATORS, asset: 0, amount: { kind: "units", value: 1n } },
  { kind: "requestUnstake", fromState: false, pick: 0, staker: 5, operator: 0, asset: 0, part: { kind: "over" } },
  // evidence 2 (request 1, vetoed) again: refused for the same reason, accepted for another; evidence 1 (refused by
  // the window cap) again: accepted; evidence 0 (slasher 1 against operator 0) filed by slasher 0 against operator 1:
  // accepted
  slashRequest({ operator: 1, slasher: 0, bps: 500, reporter: 1, reuse: "pair" }),
  slashRequest({ operator: 1, slasher: 0, bps: 200, reporter: 1, reason: 1, reuse: "pair" }),
  slashRequest({ operator: 0, slasher: 1, bps: 500, reporter: 1, reuse: "pair", pick: 1 }),
  slashRequest({ operator: 1, slasher: 0, bps: 100, reporter: 0, reuse: "any" }),
  // reporter 0 has ALT and LST from requests 0 and 2, the treasury LST, reporter 1 nothing yet (its requests are
  // pending or vetoed)
  { kind: "claimProceeds", fromState: false, pick: 0, payee: 0, asset: 0, toSelf: true, to: 0 },
  { kind: "claimProceeds", fromState: false, pick: 0, payee: 0, asset: 0, toSelf: true, to: 0 }, // claimed already
  { kind: "claimProceeds", fromState: false, pick: 0, payee: 2, asset: 1, toSelf: false, to: PAYEES }, // to staker 0
  { kind: "claimProceeds", fromState: false, pick: 0, payee: 0, asset: 1, toSelf: false, to: 1 }, // to reporter 1
  { kind: "claimProceeds", fromState: false, pick: 0, payee: 1, asset: 1, toSelf: true, to: 0 }, // nothing
  { kind: "claimProceeds", fromState: false, pick: 0, payee: 1, asset: ASSETS, toSelf: true, to: 0 },
  // requests 0 and 2 set ALT aside to burn: burned by a reporter, then nothing is left
  { kind: "burnSlashedAlt", caller: 1 },
  { kind: "burnSlashedAlt", caller: 0 },
  // allocations: operator 0 allocated all its setup stake (less what request 0 took from set 1), the stakes above are
  // free (request 4 against it is pending)
  { kind: "allocate", set: 0, operator: 0, amount: { kind: "overFree" } },
  { kind: "allocate", set: 1, operator: 0, amount: { kind: "belowMin" } },
  { kind: "allocate", set: 0, operator: 0, amount: { kind: "downPpm", value: 750_000 } }, // 200 ALT held for 14 days
  { kind: "allocate", set: 0, operator: 0, amount: { kind: "allFree" } }, // takes the 200 ALT back first, then free stake
  { kind: "allocate", set: 0, operator: 0, amount: { kind: "downPpm", value: 750_000 } }, // a quarter held again
  { kind: "allocate", set: 0, operator: OPERATORS, amount: { kind: "same" } }, // the outsider is no member
  { kind: "allocate", set: 0, operator: 2, amount: { kind: "units", value: 0n } }, // slashable 14 days more
  { kind: "allocate", set: 0, operator: 1, amount: { kind: "downPpm", value: 500_000 } }, // 150 ALT, the same
  {
    kind: "requestUnstake",
    fromState: false,
    pick: 0,
    staker: SETUP_STAKER,
    operator: 0,
    asset: 0,
    part: { kind: "ppm", value: 500_000 },
  }, // both allocations shrink pro rata
  { kind: "syncAllocations", operator: 0 }, // nothing to do
  // request 6, through set 0, whose deallocations stay slashable; a slasher through the other's set, or a set that does
  // not exist: refused
  slashRequest({ operator: 0, slasher: 0, bps: 1_000, reporter: 0 }),
  slashRequest({ operator: 1, slasher: 0, bps: 100, reporter: 0, target: "other" }),
  slashRequest({ operator: 1, slasher: 1, bps: 100, reporter: 0, target: "unknown" }),
  { kind: "creditFees", set: 0, amount: { kind: "units", value: 10n } },
  // request 6 takes from set 0's allocation and from its deallocations (stake still in the pools): what stays active
  // no longer backs set 1's allocation, which shrinks pro rata
  { kind: "execute", fromState: false, pick: 6, when: "ready" },
  { kind: "execute", fromState: true, pick: 1, when: "ready" }, // request 4, through set 1
  { kind: "allocate", set: 0, operator: 0, amount: { kind: "same" } }, // not due yet: nothing freed
  { kind: "warp", seconds: days(15) },
  { kind: "allocate", set: 0, operator: 0, amount: { kind: "same" } }, // due: freed
  // operator 2's deallocation from set 0 is free by now: nothing left to slash there
  slashRequest({ operator: 2, slasher: 0, bps: 100, reporter: 0 }),
  // operator 1's is free too (not released: requests 3 and 5 against it are pending), so request 7 counts only its
  // allocation; a decrease after it merges into that deallocation, whose freeAt moves on, yet the execution takes no
  // more than 10 % of what the set held at the request
  slashRequest({ operator: 1, slasher: 0, bps: 1_000, reporter: 1 }),
  { kind: "allocate", set: 0, operator: 1, amount: { kind: "units", value: 0n } },
  { kind: "execute", fromState: false, pick: 7, when: "ready" },
  { kind: "creditFees", set: 0, amount: { kind: "units", value: 10n } },
  { kind: "warp", seconds: DAY },
  { kind: "claim", fromState: false, pick: 0, account: SETUP_STAKER, mask: 63 },
  { kind: "claim", fromState: true, pick: 0, account: 0, mask: 63 },
  // the draw index: operators 2 and 1 left set 0's draw (their allocations dropped to 0, each from the last position:
  // nothing moved); operator 2 comes back (the next position, after operator 0); in the next epoch operator 0's
  // allocation drops to 0: operator 2, the last, takes position 0
  { kind: "allocate", set: 0, operator: 2, amount: { kind: "units", value: 100n } },
  { kind: "warp", seconds: DAY },
  { kind: "allocate", set: 0, operator: 0, amount: { kind: "units", value: 0n } },
];

// ------------------------------------------------------------------------------------------------ model

interface PoolState {
  totalShares: bigint;
  totalAssets: bigint;
  queuedShares: bigint;
}

interface WithdrawalStruct {
  staker: string;
  operator: string;
  assetId: bigint;
  shares: bigint;
  unlockAt: bigint;
  nonce: bigint;
}

interface WithdrawalModel {
  w: WithdrawalStruct;
  root: string;
  staker: number;
  operator: number;
  asset: number;
  pending: boolean;
  completedAt?: number;
}

enum Status {
  None,
  Pending,
  Vetoed,
  Executed,
}

interface RequestModel {
  operator: number;
  slasher: number;
  set: number; // the set the request slashes through (the slasher's own)
  slashable: bigint; // what the operator had there when the request was made (allocation and deallocation not free)
  bps: number;
  requestedAt: number;
  executableAt: number;
  reporter: string;
  status: Status;
}

/**
 * A (slasher, operator, reason, evidence hash) sent with a request, accepted or refused: `used` once a request was
 * accepted.
 */
interface EvidenceModel {
  slasher: number;
  operator: number;
  reason: number;
  hash: string;
  used: boolean;
}

/** A checkpoint trace: (first epoch the value counts in, value), keys increasing, as OZ Checkpoints.Trace208. */
type Trace = [epoch: bigint, value: bigint][];

/** A set's draw index by epoch: (first epoch it counts in, the operators by position), keys increasing. */
type OrderTrace = [epoch: bigint, order: number[]][];

/** OperatorSets' Allocation of one (set, operator), and the history of what counted in each epoch. */
interface AllocationModel {
  allocated: bigint;
  pendingFree: bigint;
  freeAt: number;
  history: Trace;
}

/** The distributor's state (cloned to plan a claim: a refused claim settles nothing). */
interface RewardsModel {
  /** [set]: the cumulative reward per stake (scaled), keyed by the epoch whose credits it includes */
  perStake: Trace[];
  /** `${operator}|${set}`: the cumulative reward per unit of the operator's stakers, keyed by a stretch's end */
  perUnit: Map<string, Trace>;
  /** `${operator}|${set}`: the first epoch not settled */
  settledUntil: Map<string, bigint>;
  /** `${account}|${operator}|${set}`: the first epoch the account has not taken its rewards of */
  claimedUntil: Map<string, bigint>;
  owed: Map<string, bigint>;
}

/** What the chain showed at the last check (for the no-early-release property, which compares two checks). */
interface Observed {
  rows: { allocated: bigint; pendingFree: bigint; freeAt: bigint }[][]; // [set][operator]
  encumbered: bigint[];
}

interface Model {
  now: number;
  shares: bigint[][][]; // [staker][operator][asset], active shares
  pools: PoolState[][]; // [operator][asset]
  lstTotalStaked: bigint;
  withdrawals: WithdrawalModel[];
  nonce: bigint;
  pendingSlashes: number[];
  requests: RequestModel[];
  evidence: EvidenceModel[]; // every distinct (slasher, operator, reason, hash) sent, in order
  evidenceCount: number; // fresh hashes handed out so far
  proceeds: Map<string, bigint>; // `${account}|${asset}`: unclaimed slash proceeds, held by the registry
  alt: Map<string, bigint>; // tracked ALT balances
  lst: Map<string, bigint>;
  initialAltSum: bigint;
  initialAltSupply: bigint;
  burned: bigint;
  /** slashed ALT set aside by executions, held by the registry until burnSlashedAlt */
  toBurn: bigint;
  /** [staker][operator][asset]: the reward units of each position (RestakingRegistry.unitsOf) */
  units: bigint[][][];
  /** [operator]: units minted per ALT-equivalent staked, 1e18-scaled (raised by every slash that takes something) */
  unitRate: bigint[];
  /** [operator]: its units by epoch (keyed by the epoch they count from) */
  operatorUnits: Trace[];
  /** [operator][staker]: the staker's units in the operator by epoch */
  stakerUnits: Trace[][];
  rewards: RewardsModel;
  allocations: AllocationModel[][]; // [set][operator]
  setStake: Trace[]; // [set]: setStakeAt
  drawOrder: OrderTrace[]; // [set]: the operators with an allocation counted, by draw-index position
  setsOf: number[][]; // [operator]: OperatorSets.setsOf, in list order (the order a reduction walks)
  members: number[][]; // [set]: OperatorSets.members, in list order
  stakeHistory: Trace[]; // [operator]: the active stake, keyed like allocations (a change in epoch e counts from e + 1)
  observed?: Observed;
  /** [set][operator]: what slashes took from the deallocations since the last check (not a release, see (f)) */
  slashedPending: bigint[][];
  /** [set][operator]: what allocations took back from their own deallocations since the last check (still held) */
  takenBack: bigint[][];
  /** [operator]: what slashes took from its allocations and deallocations since the last check */
  slashedEncumbered: bigint[];
  credited: bigint;
  paid: bigint;
}

const grid = <T>(a: number, b: number, make: () => T): T[][] =>
  Array.from({ length: a }, () => Array.from({ length: b }, make));

const toAmount = (p: PoolState, shares: bigint) =>
  (shares * (p.totalAssets + VIRTUAL_ASSETS)) / (p.totalShares + VIRTUAL_SHARES);

const sum = (values: bigint[]) => values.reduce((x, y) => x + y, 0n);

const latestOf = (trace: Trace) => (trace.length === 0 ? 0n : trace[trace.length - 1][1]);

/** Checkpoints.Trace208.upperLookupRecent: the value of the last checkpoint keyed <= epoch, else 0. */
function valueAt(trace: Trace, epoch: bigint) {
  for (let i = trace.length - 1; i >= 0; --i) if (trace[i][0] <= epoch) return trace[i][1];
  return 0n;
}

/** Checkpoints.Trace208.push: a key equal to the last one overwrites it; a smaller one would revert. */
function pushCheckpoint(trace: Trace, epoch: bigint, value: bigint) {
  const last = trace[trace.length - 1];
  holds(last === undefined || last[0] <= epoch, `model: checkpoint ${epoch} after ${last?.[0]}`);
  if (last !== undefined && last[0] === epoch) last[1] = value;
  else trace.push([epoch, value]);
}

function move(balances: Map<string, bigint>, from: string, to: string, amount: bigint) {
  const before = balances.get(from)!;
  holds(before >= amount, `model: ${from} pays ${amount} from ${before}`);
  balances.set(from, before - amount);
  balances.set(to, balances.get(to)! + amount);
}

function pickAmount(choice: Amount, balance: bigint): bigint {
  const wanted =
    choice.kind === "tiny"
      ? choice.value
      : choice.kind === "units"
        ? choice.value * ALT
        : choice.kind === "ppm"
          ? (balance * BigInt(choice.value)) / 1_000_000n
          : 0n;
  return wanted < balance ? wanted : balance;
}

/** Converts numbers to bigints and ethers Results to plain arrays, so expected and decoded values compare deeply. */
function normalize(value: unknown): unknown {
  if (typeof value === "number") return BigInt(value);
  if (Array.isArray(value)) return Array.from(value, normalize);
  return value;
}

// Plain node assertions for the invariants (hundreds per step): much cheaper than chai with hardhat-chai-matchers'
// bigint-aware overrides. Chai stays for revertedWithCustomError.
const same = (actual: unknown, expected: unknown, message?: string) =>
  assert.deepStrictEqual(actual, expected, message);
const holds = (condition: boolean, message?: string) => assert.ok(condition, message);

type EventSpec = [name: string, args: unknown[]];

/** The actions that can change an operator's stake or encumbered stake, hence its freeStake. */
const CHANGES_FREE_STAKE = new Set<Action["kind"]>([
  "stake",
  "requestUnstake",
  "completeUnstake",
  "execute",
  "allocate",
  "syncAllocations",
]);

/** Stats: how often each (action, outcome) occurred over all runs. */
const stats = new Map<string, number>();
const count = (key: string) => stats.set(key, (stats.get(key) ?? 0) + 1);

// ------------------------------------------------------------------------------------------------ the suite

describe("Restaking layer properties (random sequences against a model)", function () {
  // Under solidity-coverage every step is instrumented and traced (minutes per run); the unit suites cover the code,
  // and this suite's invariants run in full in the normal test step.
  before(function () {
    if (coverageRunning()) this.skip();
  });

  async function deployRestakingSystem() {
    const base = await deployProtocol();
    const { token, registry, operatorSets, slashingManager, rewards, deployer, council, treasury, users } = base;
    const signers = await ethers.getSigners();
    const operators = signers.slice(2, 2 + OPERATORS);
    const outsider = signers[9];
    const stakers = users.slice(0, STAKERS);
    const feePayer = users[STAKERS];
    const reporters = [
      ethers.getAddress("0x00000000000000000000000000000000000ea001"),
      ethers.getAddress("0x00000000000000000000000000000000000ea002"),
    ];
    // the reporters claim their slash proceeds themselves: impersonated, with ether for gas (not a tracked token)
    const payees = [
      ...(await Promise.all(
        reporters.map(async (reporter) => {
          await setBalance(reporter, 10n ** 20n);
          return ethers.getImpersonatedSigner(reporter);
        }),
      )),
      treasury,
    ];

    const lst = (await ethers.deployContract("MockERC20", ["Liquid staked token", "LST"])) as unknown as MockERC20;
    await (await registry.connect(deployer).addAsset(await lst.getAddress(), LST_WEIGHT, LST_CAP)).wait();
    for (const [i, operator] of operators.entries()) {
      await (await registry.connect(operator).registerOperator(`ipfs://operator-${i}`, COMMISSION_BPS[i])).wait();
    }

    const services: MockService[] = [];
    const setIds: bigint[] = [];
    for (const [i, config] of SLASHERS.entries()) {
      const service = (await ethers.deployContract("MockService", [
        await operatorSets.getAddress(),
        await slashingManager.getAddress(),
      ])) as unknown as MockService;
      await (await operatorSets.connect(deployer).setService(await service.getAddress(), true)).wait();
      await (
        await slashingManager
          .connect(deployer)
          .setSlasher(await service.getAddress(), config.maxBps, config.maxEvidenceAge)
      ).wait();
      const key = ethers.id(`rollup-${i}`);
      await (await service.createSet(key, 0, 256)).wait();
      services.push(service);
      setIds.push(await operatorSets.setIdOf(await service.getAddress(), key));
    }

    const registryAddress = await registry.getAddress();
    const rewardsAddress = await rewards.getAddress();
    for (const staker of stakers) {
      await (await lst.mint(staker.address, LST_FUNDED)).wait();
      await (await token.connect(staker).approve(registryAddress, ethers.MaxUint256)).wait();
      await (await lst.connect(staker).approve(registryAddress, ethers.MaxUint256)).wait();
    }
    await (await token.connect(feePayer).approve(rewardsAddress, ethers.MaxUint256)).wait();
    await setCode(LENS, LENS_CODE);

    // operators allocate stake they have: the last staker stakes with each, then each joins both sets (every set in
    // the same order: each operator's set list is [set 0, set 1]); set 1's minimum is raised once everyone is in, so
    // operator 2's allocation there stays below it
    for (const [o, operator] of operators.entries()) {
      await (await registry.connect(stakers[SETUP_STAKER]).stake(operator.address, 0, SETUP_STAKE[o])).wait();
    }
    for (const [i, setId] of setIds.entries()) {
      for (const [o, operator] of operators.entries()) {
        await (await operatorSets.connect(operator).join(setId, SETUP_ALLOCATION[i][o])).wait();
      }
      if (SET_MIN_STAKE[i] !== 0n) await (await services[i].updateSet(setId, SET_MIN_STAKE[i], 256)).wait();
    }
    // the setup's stakes and allocations count from the next epoch: runs start there
    const setupEpoch = await operatorSets.currentEpoch();
    await time.increaseTo(await operatorSets.epochStart(setupEpoch + 1n));

    const params = {
      withdrawalDelay: Number(await registry.withdrawalDelay()),
      vetoWindow: Number(await slashingManager.vetoWindow()),
      windowDuration: Number(await slashingManager.windowDuration()),
      reporterBps: await slashingManager.reporterBps(),
      protocolShareBps: await rewards.protocolShareBps(),
      genesis: Number(await operatorSets.epochStart(0)),
      epochLength: Number(await operatorSets.epochLength()),
      setupEpoch,
    };
    const addresses = {
      token: await token.getAddress(),
      lst: await lst.getAddress(),
      registry: registryAddress,
      operatorSets: await operatorSets.getAddress(),
      slashingManager: await slashingManager.getAddress(),
      rewards: rewardsAddress,
      services: await Promise.all(services.map((s) => s.getAddress())),
    };
    return {
      token,
      lst,
      registry,
      operatorSets,
      slashingManager,
      rewards,
      council,
      treasury,
      operators,
      stakers,
      feePayer,
      outsider,
      reporters,
      payees,
      services,
      setIds,
      // a set id no service created (a request naming it reverts in OperatorSets)
      unknownSetId: await operatorSets.setIdOf(addresses.services[0], ethers.id("no such set")),
      params,
      addresses,
    };
  }

  type System = Awaited<ReturnType<typeof deployRestakingSystem>>;

  // -------------------------------------------------------------------------------------------- chain reads

  // The invariants read ~130 values after every step; one JSON-RPC request each would cost more than the step itself
  // (every request through Hardhat's provider has a fixed overhead). So they go through a lens: 64 bytes of EVM code placed with setCode, which staticcalls a list of (target, calldata) records — each
  // target (20 bytes), calldata length (2 bytes), calldata — and returns the concatenated return data, reverting if any
  // call fails. Every view read this way returns static types only (uints, bools, addresses and structs of them), so the
  // return data splits into a number of words known from the ABI.
  interface Read {
    to: string;
    data: string;
    words: number;
  }
  const encoded = new Map<string, Read>();

  function read(contract: BaseContract, to: string, fn: string, args: readonly unknown[] = []): Read {
    const key = `${to}|${fn}|${args.join(",")}`;
    let r = encoded.get(key);
    if (r === undefined) {
      const iface = contract.interface as Interface;
      const outputs = iface.getFunction(fn)!.outputs;
      const words = outputs.reduce((n, o) => n + (o.baseType === "tuple" ? o.components!.length : 1), 0);
      r = { to, data: iface.encodeFunctionData(fn, args), words };
      encoded.set(key, r);
    }
    return r;
  }

  /** Runs every read in one eth_call through the lens, at the latest block; each result as its return words. */
  async function readGroups<K extends string>(groups: Record<K, Read[]>): Promise<Record<K, bigint[][]>> {
    const keys = Object.keys(groups) as K[];
    const reads = keys.flatMap((k) => groups[k]);
    const payload = ethers.concat(reads.flatMap((r) => [r.to, ethers.toBeHex(ethers.dataLength(r.data), 2), r.data]));
    const ret: string = await ethers.provider.send("eth_call", [{ to: LENS, data: payload }, "latest"]);
    same(ret.length - 2, 64 * reads.reduce((n, r) => n + r.words, 0), "lens: return size");
    let at = 2;
    const results = reads.map((r) =>
      Array.from({ length: r.words }, () => {
        at += 64;
        return BigInt(`0x${ret.slice(at - 64, at)}`);
      }),
    );
    const out = {} as Record<K, bigint[][]>;
    let i = 0;
    for (const k of keys) {
      out[k] = results.slice(i, i + groups[k].length);
      i += groups[k].length;
    }
    return out;
  }

  const first = (rows: bigint[][]) => rows.map((row) => row[0]);

  const asAddress = (word: bigint) => ethers.getAddress(ethers.toBeHex(word, 20));

  // OperatorSets keeps the buckets' totals of its draw index in storage only (no view): they are read from its ERC-7201
  // namespace (keccak256(abi.encode(uint256(keccak256("alt.storage.OperatorSets")) - 1)) & ~0xff) — field 13 is
  // `drawIndex` (setId => DrawIndex {operators, buckets, positionPlusOne}); a bucket's total is a Checkpoints.Trace208,
  // an array of (uint48 key, uint208 value) words. One eth_call reads a list of slots: for its duration, the proxy's
  // code is replaced (a state override) by SLOT_READER, which returns sload(word) for each calldata word.
  const SETS_NAMESPACE =
    BigInt(ethers.keccak256(coder.encode(["uint256"], [BigInt(ethers.id("alt.storage.OperatorSets")) - 1n]))) & ~0xffn;
  const DRAW_INDEX_FIELD = 13n;
  const SLOT_READER = `0x${[
    "5f5b", //             00 PUSH0 JUMPDEST                      [i = 0] loop:
    "368110600b57", //     02 CALLDATASIZE DUP2 LT PUSH1 body JUMPI  if i < calldatasize goto body
    "365ff3", //           08 CALLDATASIZE PUSH0 RETURN           return(0, calldatasize)
    "5b8035548152", //     0b body: JUMPDEST DUP1 CALLDATALOAD SLOAD DUP2 MSTORE   memory[i] = sload(calldata[i])
    "602001600156", //     11 PUSH1 32 ADD PUSH1 loop JUMP        i += 32
  ].join("")}`;
  const slotOf = (...words: bigint[]) =>
    BigInt(
      ethers.keccak256(
        coder.encode(
          words.map(() => "uint256"),
          words,
        ),
      ),
    );

  /** The storage words at `slots` of OperatorSets (in one eth_call). */
  async function storageAt(s: System, slots: bigint[]): Promise<bigint[]> {
    const to = s.addresses.operatorSets;
    const data = ethers.concat(slots.map((slot) => ethers.toBeHex(slot, 32)));
    const ret: string = await ethers.provider.send("eth_call", [
      { to, data },
      "latest",
      { [to]: { code: SLOT_READER } },
    ]);
    same(ret.length - 2, 64 * slots.length, "storage reader: return size");
    return slots.map((_, i) => BigInt(`0x${ret.slice(2 + 64 * i, 2 + 64 * (i + 1))}`));
  }

  /**
   * Every bucket's total in each set, in the current epoch and the next: [set][0 current, 1 next][bucket]. Changes are
   * keyed current + 1 at the latest, so the last checkpoint gives the next epoch's total and, unless it is keyed
   * current + 1, the current one's too (else the one before it does).
   */
  async function bucketTotals(s: System, current: bigint): Promise<bigint[][][]> {
    const traces = s.setIds.flatMap((id) => {
      const drawIndex = slotOf(id, SETS_NAMESPACE + DRAW_INDEX_FIELD);
      return Array.from({ length: BUCKETS }, (_, b) => slotOf(BigInt(b), drawIndex + 1n));
    });
    const lengths = await storageAt(s, traces);
    // the last two checkpoints of each trace that has them
    const tails: bigint[] = [];
    const at: number[][] = traces.map((trace, i) => {
      const data = slotOf(trace);
      const own: number[] = [];
      for (let back = 1n; back <= 2n && back <= lengths[i]; ++back) {
        own.push(tails.length);
        tails.push(data + lengths[i] - back);
      }
      return own;
    });
    const words = tails.length === 0 ? [] : await storageAt(s, tails);
    const checkpoint = (word: bigint) => ({ key: word & (2n ** 48n - 1n), value: word >> 48n });
    return s.setIds.map((_, k) => {
      const totals = [0, 1].map(() => Array(BUCKETS).fill(0n) as bigint[]);
      for (let b = 0; b < BUCKETS; ++b) {
        const [last, before] = at[k * BUCKETS + b].map((w) => checkpoint(words[w]));
        if (last === undefined) continue;
        holds(last.key <= current + 1n, `bucket ${b} of set ${k}: a checkpoint keyed ${last.key}`);
        totals[1][b] = last.value;
        totals[0][b] = last.key <= current ? last.value : (before?.value ?? 0n);
      }
      return totals;
    });
  }

  // -------------------------------------------------------------------------------------------- tx helpers

  async function at(m: Model, desired = 0): Promise<number> {
    const t = Math.max(m.now + 1, desired);
    await time.setNextBlockTimestamp(t);
    return t;
  }

  async function expectRevert(
    call: Promise<ContractTransactionResponse>,
    contract: BaseContract,
    error: string,
    args: unknown[],
  ): Promise<string> {
    await expect(call)
      .to.be.revertedWithCustomError(contract, error)
      .withArgs(...args);
    return error;
  }

  /** Waits for the transaction and compares the full list of events each given contract emitted, in order. */
  async function expectEvents(
    call: Promise<ContractTransactionResponse>,
    expected: { contract: BaseContract; address: string; events: EventSpec[] }[],
  ): Promise<string> {
    const receipt = (await (await call).wait())!;
    for (const { contract, address, events } of expected) {
      const got = receipt.logs
        .filter((log) => log.address === address)
        .map((log) => {
          const parsed = contract.interface.parseLog(log)!;
          return [parsed.name, normalize(parsed.args)] as [string, unknown[]];
        });
      const want = events.map(([name, args]) => [name, args.map(normalize)]);
      same(got, want, `events of ${address}`);
    }
    return "ok";
  }

  // -------------------------------------------------------------------------------------------- model helpers

  async function initialModel(s: System): Promise<Model> {
    const now = await time.latest();
    const altHolders = [
      s.addresses.registry,
      s.addresses.rewards,
      ...s.stakers.map((x) => x.address),
      s.feePayer.address,
      ...s.operators.map((x) => x.address),
      s.treasury.address,
      ...s.reporters,
      s.outsider.address,
    ];
    const lstHolders = [s.addresses.registry, ...s.stakers.map((x) => x.address), s.treasury.address, ...s.reporters];
    const alt = new Map<string, bigint>();
    for (const holder of altHolders) alt.set(holder, await s.token.balanceOf(holder));
    const lst = new Map<string, bigint>();
    for (const holder of lstHolders) lst.set(holder, await s.lst.balanceOf(holder));
    // the fixture's setup: stakes into empty ALT pools, allocations (see deployRestakingSystem)
    const shares = Array.from({ length: STAKERS }, () => grid(OPERATORS, ASSETS, () => 0n));
    const pools = grid(OPERATORS, ASSETS, () => ({ totalShares: 0n, totalAssets: 0n, queuedShares: 0n }));
    const setupKey = s.params.setupEpoch + 1n;
    for (let o = 0; o < OPERATORS; ++o) {
      const minted = (SETUP_STAKE[o] * VIRTUAL_SHARES) / VIRTUAL_ASSETS;
      shares[SETUP_STAKER][o][0] = minted;
      pools[o][0] = { totalShares: minted, totalAssets: SETUP_STAKE[o], queuedShares: 0n };
    }
    const allocations = SETUP_ALLOCATION.map((row) =>
      row.map((allocated): AllocationModel => ({
        allocated,
        pendingFree: 0n,
        freeAt: 0,
        history: allocated === 0n ? [] : [[setupKey, allocated]],
      })),
    );
    return {
      now,
      shares,
      pools,
      lstTotalStaked: 0n,
      withdrawals: [],
      nonce: 0n,
      pendingSlashes: Array(OPERATORS).fill(0),
      requests: [],
      evidence: [],
      evidenceCount: 0,
      proceeds: new Map(),
      alt,
      lst,
      initialAltSum: sum([...alt.values()]),
      initialAltSupply: await s.token.totalSupply(),
      burned: 0n,
      toBurn: 0n,
      // the setup's stakes: ALT, 1:1, at the initial rate, counted from the setup's next epoch
      units: Array.from({ length: STAKERS }, (_, x) =>
        Array.from({ length: OPERATORS }, (_, o) => [x === SETUP_STAKER ? SETUP_STAKE[o] : 0n, 0n]),
      ),
      unitRate: Array(OPERATORS).fill(SCALE),
      operatorUnits: SETUP_STAKE.map((x): Trace => [[setupKey, x]]),
      stakerUnits: SETUP_STAKE.map((x) =>
        Array.from({ length: STAKERS }, (_, i): Trace => (i === SETUP_STAKER ? [[setupKey, x]] : [])),
      ),
      rewards: {
        perStake: [[], []],
        perUnit: new Map(),
        settledUntil: new Map(),
        claimedUntil: new Map(),
        owed: new Map(),
      },
      allocations,
      setStake: SETUP_ALLOCATION.map((row): Trace => [[setupKey, sum(row)]]),
      // every setup allocation is non-zero: the operators in the order they joined
      drawOrder: SETUP_ALLOCATION.map((): OrderTrace => [[setupKey, Array.from({ length: OPERATORS }, (_, o) => o)]]),
      setsOf: Array.from({ length: OPERATORS }, () => [0, 1]),
      members: [0, 1].map(() => Array.from({ length: OPERATORS }, (_, o) => o)),
      stakeHistory: SETUP_STAKE.map((x): Trace => [[setupKey, x]]),
      slashedPending: grid(SLASHERS.length, OPERATORS, () => 0n),
      takenBack: grid(SLASHERS.length, OPERATORS, () => 0n),
      slashedEncumbered: Array(OPERATORS).fill(0n),
      credited: 0n,
      paid: 0n,
    };
  }

  const accounts = (s: System) => [...s.stakers, ...s.operators, s.treasury];

  // rewards: the registry's reward units and the distributor's lazy settlement, in the model

  /** CheckpointWindow.window over a model trace: the value at `from` and the first `max` changes keyed in (from, until). */
  function traceWindow(trace: Trace, from: bigint, until: bigint, max: number) {
    const changes = trace.filter(([key]) => key > from && key < until).slice(0, max);
    return { start: valueAt(trace, from), keys: changes.map(([key]) => key), values: changes.map(([, v]) => v) };
  }

  const pairKey = (o: number, set: number) => `${o}|${set}`;

  /** The pairs (operator, set) a claim's mask names: bit o * 2 + set. */
  function pairsOf(mask: number): [number, number][] {
    const pairs: [number, number][] = [];
    for (let bit = 0; bit < OPERATORS * 2; ++bit) if ((mask >> bit) & 1) pairs.push([Math.floor(bit / 2), bit % 2]);
    return pairs;
  }
  const ALL_PAIRS = pairsOf(2 ** (OPERATORS * 2) - 1);

  /**
   * RestakingRegistry._moveUnits: `delta` units of staker `x` in operator `o`, from the epoch after the transaction's at
   * `t`; returns its UnitsChanged event.
   */
  function moveUnits(s: System, m: Model, x: number, o: number, delta: bigint, t: number): EventSpec {
    const key = epochAt(s, t) + 1n;
    const own = m.stakerUnits[o][x];
    const total = m.operatorUnits[o];
    pushCheckpoint(own, key, latestOf(own) + delta);
    pushCheckpoint(total, key, latestOf(total) + delta);
    holds(latestOf(own) >= 0n && latestOf(total) >= 0n, "model: negative units");
    return ["UnitsChanged", [s.operators[o].address, s.stakers[x].address, key, latestOf(own), latestOf(total)]];
  }

  /** rewardPerStakeBefore: the set's cumulative reward per stake from the credits of the epochs before `epoch`. */
  const perStakeBefore = (rw: RewardsModel, set: number, epoch: bigint) =>
    epoch === 0n ? 0n : valueAt(rw.perStake[set], epoch - 1n);

  const addOwed = (rw: RewardsModel, account: string, scaled: bigint) =>
    rw.owed.set(account, (rw.owed.get(account) ?? 0n) + scaled);

  /**
   * RewardsDistributor._settle: `o`'s earnings in `set` from its first unsettled epoch to `now` (exclusive), or to the
   * last change read if its allocation or units history has `maxSteps` changes in between, over the stretches where both
   * are constant: allocation * the rise in reward per stake; the commission and what the units do not divide go to the
   * operator, the rest raises the reward per unit. Nothing is earned before the operator's first allocation in the set:
   * when nothing is allocated at the first unsettled epoch, the walk (and the units' window) starts at the allocation's
   * first change (or nowhere, if none comes). Returns the Settled event's arguments (undefined: nothing to settle).
   */
  function settleModel(s: System, m: Model, rw: RewardsModel, o: number, set: number, maxSteps: number, now: bigint) {
    const key = pairKey(o, set);
    const from = rw.settledUntil.get(key) ?? 0n;
    let until = now;
    if (from >= until) return undefined;
    const allocation = traceWindow(m.allocations[set][o].history, from, until, maxSteps);
    if (allocation.keys.length === maxSteps) until = allocation.keys[maxSteps - 1];
    const start = allocation.start !== 0n ? from : allocation.keys.length === 0 ? until : allocation.keys[0];
    if (start > from) count("settle:startedAtFirstAllocation");
    const units =
      start < until
        ? traceWindow(m.operatorUnits[o], start, until, maxSteps)
        : { start: 0n, keys: [] as bigint[], values: [] as bigint[] };
    if (units.keys.length === maxSteps && units.keys[maxSteps - 1] < until) until = units.keys[maxSteps - 1];
    if (until < now) count("settle:stoppedAtMaxSteps");
    if (!rw.perUnit.has(key)) rw.perUnit.set(key, []);
    const perUnit = rw.perUnit.get(key)!;
    let allocated = allocation.start;
    let unitCount = units.start;
    let [i, j] = [0, 0];
    let toOperator = 0n;
    let toStakers = 0n;
    for (let epoch = start; epoch < until;) {
      let next = until;
      if (i < allocation.keys.length && allocation.keys[i] < next) next = allocation.keys[i];
      if (j < units.keys.length && units.keys[j] < next) next = units.keys[j];
      const earned = allocated * (perStakeBefore(rw, set, next) - perStakeBefore(rw, set, epoch));
      if (earned !== 0n) {
        const stakersPart = earned - (earned * COMMISSION_BPS[o]) / BPS;
        const increment = unitCount === 0n ? 0n : stakersPart / unitCount;
        toStakers += increment * unitCount;
        toOperator += earned - increment * unitCount;
        if (increment !== 0n) pushCheckpoint(perUnit, next, latestOf(perUnit) + increment);
        if (unitCount === 0n) count("settle:earnedWithoutUnits");
      }
      if (i < allocation.keys.length && allocation.keys[i] === next) allocated = allocation.values[i++];
      if (j < units.keys.length && units.keys[j] === next) unitCount = units.values[j++];
      epoch = next;
    }
    rw.settledUntil.set(key, until);
    if (toOperator !== 0n) addOwed(rw, s.operators[o].address, toOperator);
    return [s.operators[o].address, s.setIds[set], from, until, toOperator, toStakers];
  }

  /**
   * RewardsDistributor._earned: what `account` earned as a staker of `o` in `set` from its first unclaimed epoch to the
   * first unsettled one (or to its `maxSteps`-th unit change), its units times the rise in reward per unit.
   */
  function earnedModel(
    s: System,
    m: Model,
    rw: RewardsModel,
    account: string,
    o: number,
    set: number,
    maxSteps: number,
  ) {
    const from = rw.claimedUntil.get(`${account}|${o}|${set}`) ?? 0n;
    let until = rw.settledUntil.get(pairKey(o, set)) ?? 0n;
    if (from >= until) return { from, until: from, amount: 0n };
    const x = s.stakers.findIndex((staker) => staker.address === account);
    const w = traceWindow(x < 0 ? [] : m.stakerUnits[o][x], from, until, maxSteps);
    if (w.keys.length === maxSteps) until = w.keys[maxSteps - 1];
    const perUnit = rw.perUnit.get(pairKey(o, set)) ?? [];
    let units = w.start;
    let amount = 0n;
    let epoch = from;
    for (let i = 0; epoch < until; ++i) {
      let next = i < w.keys.length ? w.keys[i] : until;
      if (next > until) next = until;
      if (units !== 0n) amount += units * (valueAt(perUnit, next) - valueAt(perUnit, epoch));
      if (i < w.keys.length) units = w.values[i];
      epoch = next;
    }
    return { from, until, amount };
  }

  /**
   * RewardsDistributor.claim on `rw` (a clone: a refused claim changes nothing): its events, what it pays, whether it
   * moved any of the account's walks on (claimedUntil advanced for a pair) and whether it is refused. A claim that pays
   * nothing yet moves a walk on keeps that progress (and the fraction owed), emits no Claimed and returns 0; one that
   * pays nothing and moves nothing on is refused (RewardsZeroAmount).
   */
  function claimModel(s: System, m: Model, rw: RewardsModel, account: string, pairs: [number, number][], now: bigint) {
    const events: EventSpec[] = [];
    let earned = 0n;
    let progressed = false;
    for (const [o, set] of pairs) {
      const settled = settleModel(s, m, rw, o, set, CLAIM_STEPS, now);
      if (settled !== undefined) events.push(["Settled", settled]);
      const e = earnedModel(s, m, rw, account, o, set, CLAIM_STEPS);
      if (e.until === e.from) continue;
      rw.claimedUntil.set(`${account}|${o}|${set}`, e.until);
      earned += e.amount;
      progressed = true;
      events.push(["Accrued", [account, s.operators[o].address, s.setIds[set], e.from, e.until, e.amount]]);
    }
    const owed = (rw.owed.get(account) ?? 0n) + earned;
    const amount = owed / SCALE;
    rw.owed.set(account, owed - amount * SCALE);
    if (amount !== 0n) events.push(["Claimed", [account, amount]]);
    return { events, amount, progressed, reverted: amount === 0n && !progressed };
  }

  /** RewardsDistributor.claimable: owed plus the staker earnings of the settled epochs, each pair once, in wei. */
  function claimableModel(s: System, m: Model, account: string, pairs: [number, number][]) {
    const distinct = pairs.filter(([o, set], i) => pairs.findIndex(([p, k]) => p === o && k === set) === i);
    const earned = distinct.map(([o, set]) => earnedModel(s, m, m.rewards, account, o, set, CLAIM_STEPS).amount);
    return ((m.rewards.owed.get(account) ?? 0n) + sum(earned)) / SCALE;
  }

  /** What a claim of all pairs by account `i` (stakers, operators, treasury) would do now (on a clone). */
  function claimPlan(s: System, m: Model, i: number) {
    const pairs = i < STAKERS ? ALL_PAIRS : [];
    const now = epochAt(s, m.now + 1); // the claim's block
    return claimModel(s, m, structuredClone(m.rewards), accounts(s)[i].address, pairs, now);
  }

  /** What a claim of all pairs by account `i` (stakers, operators, treasury) would pay now. */
  const claimWouldPay = (s: System, m: Model, i: number) => claimPlan(s, m, i).amount;

  /** Whether account `i` is owed a whole wei with all it earned as a staker over the settled epochs (every window). */
  function wholeWeiAhead(s: System, m: Model, i: number) {
    const account = accounts(s)[i].address;
    const earned =
      i < STAKERS
        ? sum(ALL_PAIRS.map(([o, set]) => earnedModel(s, m, m.rewards, account, o, set, ALL_STEPS).amount))
        : 0n;
    return (m.rewards.owed.get(account) ?? 0n) + earned >= SCALE;
  }

  /** What settled stakers have not claimed yet (scaled), all of it. */
  function unclaimedScaled(s: System, m: Model) {
    let total = 0n;
    for (const staker of s.stakers)
      for (const [o, set] of ALL_PAIRS) total += earnedModel(s, m, m.rewards, staker.address, o, set, ALL_STEPS).amount;
    return total;
  }

  /** What is credited and not settled yet (scaled): each pair's allocation times the credits of its unsettled epochs. */
  function unsettledScaled(m: Model) {
    let total = 0n;
    for (let set = 0; set < 2; ++set) {
      const trace = m.rewards.perStake[set];
      for (const [i, [epoch, value]] of trace.entries()) {
        const increment = value - (i === 0 ? 0n : trace[i - 1][1]);
        for (let o = 0; o < OPERATORS; ++o) {
          if (epoch >= (m.rewards.settledUntil.get(pairKey(o, set)) ?? 0n)) {
            total += valueAt(m.allocations[set][o].history, epoch) * increment;
          }
        }
      }
    }
    return total;
  }

  /**
   * Non-vetoed bps and request count against `operator` through `set` within the rolling window, as
   * SlashingManager._window computes.
   */
  function windowOf(s: System, m: Model, operator: number, set: number, t: number) {
    const since = t > s.params.windowDuration ? t - s.params.windowDuration : 0;
    let bps = 0;
    let n = 0;
    const ids = m.requests.map((r, id) => ({ r, id })).filter(({ r }) => r.operator === operator && r.set === set);
    for (let i = ids.length; i > 0 && n < MAX_REQUESTS_PER_WINDOW; --i) {
      const { r } = ids[i - 1];
      if (r.requestedAt <= since) break;
      ++n;
      if (r.status !== Status.Vetoed) bps += r.bps;
    }
    return { bps, count: n };
  }

  function operatorStake(m: Model, operator: number) {
    let stake = 0n;
    for (let a = 0; a < ASSETS; ++a) {
      const p = m.pools[operator][a];
      if (p.totalShares === p.queuedShares) continue;
      stake += (toAmount(p, p.totalShares - p.queuedShares) * WEIGHTS[a]) / SCALE;
    }
    return stake;
  }

  /** operatorStake had the pools of `operator` been changed by `change` (undone before returning). */
  function operatorStakeIf(m: Model, operator: number, change: (pools: PoolState[]) => void) {
    const pools = m.pools[operator];
    const saved = pools.map((p) => ({ ...p }));
    change(pools);
    const value = operatorStake(m, operator);
    for (const [i, p] of pools.entries()) Object.assign(p, saved[i]); // in place: callers may hold these objects
    return value;
  }

  /** Records the operator's active stake after a transaction at `t` (keyed like an allocation change at `t`). */
  function noteStake(s: System, m: Model, operator: number, t: number) {
    const value = operatorStake(m, operator);
    const trace = m.stakeHistory[operator];
    if (value !== latestOf(trace)) pushCheckpoint(trace, epochAt(s, t) + 1n, value);
  }

  /** OperatorSets.allocatedOf in the model. */
  function allocatedOf(m: Model, operator: number) {
    let allocated = 0n;
    let encumbered = 0n;
    for (const row of m.allocations) {
      allocated += row[operator].allocated;
      encumbered += row[operator].allocated + row[operator].pendingFree;
    }
    return { allocated, encumbered };
  }

  interface AllocationChange {
    set: number;
    operator: number;
    allocated: bigint;
    pendingFree: bigint;
    freeAt: number;
  }

  /** The AllocationUpdated event of OperatorSets._store for `c` in a transaction at `t`. */
  const allocationEvent = (s: System, c: AllocationChange, t: number): EventSpec => [
    "AllocationUpdated",
    [s.setIds[c.set], s.operators[c.operator].address, c.allocated, c.pendingFree, c.freeAt, epochAt(s, t) + 1n],
  ];

  /** OperatorSets._store in the model: the allocation, and the checkpoints of what counts from the next epoch. */
  function applyAllocation(s: System, m: Model, c: AllocationChange, t: number) {
    const a = m.allocations[c.set][c.operator];
    const key = epochAt(s, t) + 1n;
    const previous = latestOf(a.history);
    holds(previous === a.allocated, `model: allocation history ${previous} != ${a.allocated}`);
    [a.allocated, a.pendingFree, a.freeAt] = [c.allocated, c.pendingFree, c.freeAt];
    if (previous !== c.allocated) {
      pushCheckpoint(a.history, key, c.allocated);
      const total = m.setStake[c.set];
      pushCheckpoint(total, key, latestOf(total) + c.allocated - previous);
      // the draw index: a new allocation takes the next position, one that ends gives its position to the last one
      if (previous === 0n || c.allocated === 0n) {
        const trace = m.drawOrder[c.set];
        const order = trace.length === 0 ? [] : [...trace[trace.length - 1][1]];
        if (previous === 0n) {
          order.push(c.operator);
          count("drawIndex:appended");
        } else {
          const position = order.indexOf(c.operator);
          holds(position !== -1, `model: operator ${c.operator} has no position in set ${c.set}`);
          const last = order.pop()!;
          if (position < order.length) {
            order[position] = last;
            count("drawIndex:movedLast");
          } else count("drawIndex:poppedLast");
        }
        const latest = trace[trace.length - 1];
        if (latest !== undefined && latest[0] === key) latest[1] = order;
        else trace.push([key, order]);
      }
    }
  }

  /** The draw order counted in `epoch` (the latest keyed at or before it). */
  function drawOrderAt(m: Model, set: number, epoch: bigint): number[] {
    const trace = m.drawOrder[set];
    for (let i = trace.length - 1; i >= 0; --i) if (trace[i][0] <= epoch) return trace[i][1];
    return [];
  }

  /**
   * OperatorSets._reduce in the model, for a transaction at `t` that left `operator` with `active` stake: if its
   * allocations exceed it, each (in set-list order) gives up ceil(allocated * excess / total), capped at itself, to its
   * pending deallocation, and freeAt becomes at least t + withdrawalDelay. An older deallocation already due is freed
   * first unless the operator is `jailed` (then freeAt only moves on).
   */
  function planReduce(s: System, m: Model, operator: number, active: bigint, t: number, jailed: boolean) {
    const total = allocatedOf(m, operator).allocated;
    const changes: AllocationChange[] = [];
    const events: EventSpec[] = [];
    if (total <= active) return { changes, events };
    const excess = total - active;
    const freeAt = t + s.params.withdrawalDelay;
    let reduced = 0n;
    for (const set of m.setsOf[operator]) {
      const a = m.allocations[set][operator];
      if (a.allocated === 0n) continue;
      const ceil = (a.allocated * excess + total - 1n) / total;
      const cut = ceil < a.allocated ? ceil : a.allocated;
      const releases = !jailed && a.pendingFree !== 0n && a.freeAt <= t;
      if (releases) count("reduce:releasedDue");
      const older = releases ? 0n : a.pendingFree;
      const c = {
        set,
        operator,
        allocated: a.allocated - cut,
        pendingFree: older + cut,
        freeAt: older === 0n ? freeAt : Math.max(a.freeAt, freeAt),
      };
      changes.push(c);
      events.push(allocationEvent(s, c, t));
      reduced += cut;
    }
    holds(total - reduced <= active, `model: reduced ${reduced} of ${total} to fit ${active}`);
    events.push(["AllocationsReduced", [s.operators[operator].address, reduced]]);
    return { changes, events };
  }

  function creditProceeds(m: Model, account: string, asset: number, amount: bigint) {
    const key = `${account}|${asset}`;
    m.proceeds.set(key, (m.proceeds.get(key) ?? 0n) + amount);
  }

  const proceedsOf = (m: Model, account: string, asset: number) => m.proceeds.get(`${account}|${asset}`) ?? 0n;

  /** The tracked accounts claimed proceeds can be paid to: reporters, treasury, stakers (see RECIPIENTS). */
  const recipients = (s: System) => [...s.reporters, s.treasury.address, ...s.stakers.map((x) => x.address)];

  const epochAt = (s: System, t: number) => BigInt(Math.floor((t - s.params.genesis) / s.params.epochLength));

  // -------------------------------------------------------------------------------------------- actions

  async function stake(s: System, m: Model, a: Extract<Action, { kind: "stake" }>) {
    const staker = s.stakers[a.staker];
    const operator = a.operator < OPERATORS ? s.operators[a.operator].address : s.outsider.address;
    const balances = a.asset === 1 ? m.lst : m.alt;
    const amount = pickAmount(a.amount, balances.get(staker.address)!);
    const t = await at(m);
    const call = s.registry.connect(staker).stake(operator, a.asset, amount);
    if (amount === 0n) return expectRevert(call, s.registry, "RegistryZeroAmount", []);
    if (a.operator >= OPERATORS) return expectRevert(call, s.registry, "RegistryNotOperator", [operator]);
    // stake arriving after an offence must not pay for it: refused while a slash request is pending
    if (m.pendingSlashes[a.operator] !== 0) {
      return expectRevert(call, s.registry, "RegistryOperatorJailed", [operator]);
    }
    if (a.asset >= ASSETS) return expectRevert(call, s.registry, "RegistryUnknownAsset", [a.asset]);
    if (a.asset === 1 && m.lstTotalStaked + amount > LST_CAP) {
      return expectRevert(call, s.registry, "RegistryCapExceeded", [1, LST_CAP, m.lstTotalStaked + amount]);
    }
    const pool = m.pools[a.operator][a.asset];
    const shares = (amount * (pool.totalShares + VIRTUAL_SHARES)) / (pool.totalAssets + VIRTUAL_ASSETS);
    if (shares === 0n) return expectRevert(call, s.registry, "RegistryZeroAmount", []);
    // reward units: the stake's ALT-equivalent value at the operator's unit rate, counted from the next epoch
    const value = (amount * WEIGHTS[a.asset]) / SCALE;
    const units = (value * m.unitRate[a.operator]) / SCALE;
    const events: EventSpec[] = [["Staked", [staker.address, operator, a.asset, amount, shares]]];
    if (units !== 0n) events.push(moveUnits(s, m, a.staker, a.operator, units, t));
    else count("stake:noUnits");
    const outcome = await expectEvents(call, [
      { contract: s.registry, address: s.addresses.registry, events },
      // more stake changes no allocation
      { contract: s.operatorSets, address: s.addresses.operatorSets, events: [] },
    ]);
    m.units[a.staker][a.operator][a.asset] += units;
    m.shares[a.staker][a.operator][a.asset] += shares;
    pool.totalShares += shares;
    pool.totalAssets += amount;
    if (a.asset === 1) m.lstTotalStaked += amount;
    move(balances, staker.address, s.addresses.registry, amount);
    noteStake(s, m, a.operator, t);
    return outcome;
  }

  async function requestUnstake(s: System, m: Model, a: Extract<Action, { kind: "requestUnstake" }>) {
    let [x, o, asset] = [a.staker, a.operator, a.asset];
    if (a.fromState) {
      const held: [number, number, number][] = [];
      for (let i = 0; i < STAKERS; ++i)
        for (let j = 0; j < OPERATORS; ++j)
          for (let k = 0; k < ASSETS; ++k) if (m.shares[i][j][k] !== 0n) held.push([i, j, k]);
      if (held.length !== 0) [x, o, asset] = held[a.pick % held.length];
    }
    const staker = s.stakers[x];
    const operator = s.operators[o].address;
    const held = m.shares[x][o][asset];
    const shares =
      a.part.kind === "ppm"
        ? (held * BigInt(a.part.value)) / 1_000_000n
        : a.part.kind === "all"
          ? held
          : a.part.kind === "over"
            ? held + 1n
            : 0n;
    const t = await at(m);
    const call = s.registry.connect(staker).requestUnstake(operator, asset, shares);
    if (shares === 0n) return expectRevert(call, s.registry, "RegistryZeroAmount", []);
    if (shares > held) return expectRevert(call, s.registry, "RegistryInsufficientShares", [shares, held]);
    const w: WithdrawalStruct = {
      staker: staker.address,
      operator,
      assetId: BigInt(asset),
      shares,
      unlockAt: BigInt(t + s.params.withdrawalDelay),
      nonce: m.nonce,
    };
    const tuple = [w.staker, w.operator, w.assetId, w.shares, w.unlockAt, w.nonce];
    const root = keccak256(coder.encode([WITHDRAWAL_TUPLE], [tuple]));
    // the registry tells OperatorSets the operator's new active stake: allocations above it shrink pro rata
    const active = operatorStakeIf(m, o, (pools) => (pools[asset].queuedShares += shares));
    const reduce = planReduce(s, m, o, active, t, m.pendingSlashes[o] !== 0);
    // the requested shares' units, pro rata (all of them with the last share), stop from the next epoch
    const heldUnits = m.units[x][o][asset];
    const burned = shares === held ? heldUnits : (heldUnits * shares) / held;
    const registryEvents: EventSpec[] = [["UnstakeRequested", [root, tuple]]];
    if (burned !== 0n) registryEvents.push(moveUnits(s, m, x, o, -burned, t));
    const outcome = await expectEvents(call, [
      { contract: s.registry, address: s.addresses.registry, events: registryEvents },
      { contract: s.operatorSets, address: s.addresses.operatorSets, events: reduce.events },
    ]);
    same(await s.registry.withdrawalRoot(w), root, "withdrawalRoot");
    m.units[x][o][asset] = heldUnits - burned;
    m.shares[x][o][asset] = held - shares;
    m.pools[o][asset].queuedShares += shares;
    m.nonce += 1n;
    m.withdrawals.push({ w, root, staker: x, operator: o, asset, pending: true });
    for (const c of reduce.changes) applyAllocation(s, m, c, t);
    if (reduce.changes.length !== 0) count("allocations:reducedByUnstake");
    noteStake(s, m, o, t);
    return outcome;
  }

  async function completeUnstake(s: System, m: Model, a: Extract<Action, { kind: "completeUnstake" }>) {
    if (m.withdrawals.length === 0) {
      const w = {
        staker: s.stakers[0].address,
        operator: s.operators[0].address,
        assetId: 0n,
        shares: 1n,
        unlockAt: 0n,
        nonce: 0n,
      };
      await at(m);
      const root = await s.registry.withdrawalRoot(w);
      return expectRevert(
        s.registry.connect(s.stakers[0]).completeUnstake(w),
        s.registry,
        "RegistryUnknownWithdrawal",
        [root],
      );
    }
    const pending = m.withdrawals.filter((w) => w.pending);
    const entry =
      a.fromState && pending.length !== 0
        ? pending[a.pick % pending.length]
        : m.withdrawals[a.pick % m.withdrawals.length];
    const unlockAt = Number(entry.w.unlockAt);
    const t = await at(m, a.when === "now" ? 0 : a.when === "justBefore" ? unlockAt - 1 : unlockAt);
    const caller = s.stakers[a.byOther ? (entry.staker + 1) % STAKERS : entry.staker];
    const call = s.registry.connect(caller).completeUnstake(entry.w);
    if (!entry.pending) return expectRevert(call, s.registry, "RegistryUnknownWithdrawal", [entry.root]);
    if (a.byOther) return expectRevert(call, s.registry, "RegistryNotStaker", [caller.address]);
    if (t < unlockAt) return expectRevert(call, s.registry, "RegistryWithdrawalLocked", [unlockAt]);
    if (m.pendingSlashes[entry.operator] !== 0) {
      return expectRevert(call, s.registry, "RegistryOperatorJailed", [entry.w.operator]);
    }
    const pool = m.pools[entry.operator][entry.asset];
    const amount = toAmount(pool, entry.w.shares);
    const outcome = await expectEvents(call, [
      {
        contract: s.registry,
        address: s.addresses.registry,
        events: [["UnstakeCompleted", [entry.root, entry.w.staker, entry.w.operator, amount]]],
      },
      { contract: s.operatorSets, address: s.addresses.operatorSets, events: [] },
    ]);
    pool.totalShares -= entry.w.shares;
    pool.queuedShares -= entry.w.shares;
    pool.totalAssets -= amount;
    if (entry.asset === 1) m.lstTotalStaked -= amount;
    move(entry.asset === 1 ? m.lst : m.alt, s.addresses.registry, entry.w.staker, amount);
    entry.pending = false;
    entry.completedAt = t;
    noteStake(s, m, entry.operator, t); // rounding: the active shares' value may grow by a wei
    return outcome;
  }

  async function requestSlash(s: System, m: Model, a: Extract<Action, { kind: "requestSlash" }>) {
    const { maxBps, maxEvidenceAge } = SLASHERS[a.slasher];
    const operator = s.operators[a.operator].address;
    const reporter = s.reporters[a.reporter];
    const reason = REASONS[a.reason];
    const sent =
      a.reuse === "pair"
        ? m.evidence.filter((e) => e.slasher === a.slasher && e.operator === a.operator)
        : a.reuse === "any"
          ? m.evidence
          : [];
    const hash = sent.length !== 0 ? sent[a.pick % sent.length].hash : evidenceHash(m.evidenceCount++);
    let evidence = m.evidence.find(
      (e) => e.slasher === a.slasher && e.operator === a.operator && e.reason === a.reason && e.hash === hash,
    );
    if (evidence === undefined) {
      evidence = { slasher: a.slasher, operator: a.operator, reason: a.reason, hash, used: false };
      m.evidence.push(evidence);
    }
    const t = await at(m);
    const evidenceTime =
      a.evidence === "fresh"
        ? t - Math.floor((maxEvidenceAge * a.agePpm) / 1_000_000)
        : a.evidence === "oldest"
          ? t - maxEvidenceAge
          : a.evidence === "tooOld"
            ? t - maxEvidenceAge - 1
            : t + 1;
    // set k is service k's: the slasher's own set, the other one's, or none
    const set = a.target === "own" ? a.slasher : a.target === "other" ? 1 - a.slasher : -1;
    const setId = set === -1 ? s.unknownSetId : s.setIds[set];
    const slasherAddress = s.addresses.services[a.slasher];
    const call = s.services[a.slasher].requestSlash(operator, setId, a.bps, reason, hash, reporter, evidenceTime);
    if (a.bps === 0 || a.bps > maxBps)
      return expectRevert(call, s.slashingManager, "SlashingInvalidBps", [a.bps, maxBps]);
    if (evidenceTime > t || t - evidenceTime > maxEvidenceAge) {
      return expectRevert(call, s.slashingManager, "SlashingEvidenceTooOld", [evidenceTime, maxEvidenceAge]);
    }
    // (every operator here is registered: SlashingNotOperator, checked next, cannot apply)
    // the target: a set of the calling service, in which the operator has something slashable now
    if (set === -1) return expectRevert(call, s.operatorSets, "SetsUnknownSet", [setId]);
    if (set !== a.slasher) {
      return expectRevert(call, s.slashingManager, "SlashingNotSetService", [setId, slasherAddress]);
    }
    const target = m.allocations[set][a.operator];
    const slashable = target.allocated + (target.freeAt > t ? target.pendingFree : 0n);
    if (slashable === 0n) {
      return expectRevert(call, s.slashingManager, "SlashingNothingAllocated", [operator, setId]);
    }
    if (evidence.used) return expectRevert(call, s.slashingManager, "SlashingEvidenceUsed", [operator, hash]);
    const window = windowOf(s, m, a.operator, set, t);
    if (window.count === MAX_REQUESTS_PER_WINDOW) {
      return expectRevert(call, s.slashingManager, "SlashingTooManyRequests", [
        operator,
        setId,
        MAX_REQUESTS_PER_WINDOW,
      ]);
    }
    if (window.bps + a.bps > WINDOW_CAP_BPS) {
      return expectRevert(call, s.slashingManager, "SlashingWindowCapExceeded", [
        operator,
        setId,
        window.bps,
        a.bps,
        WINDOW_CAP_BPS,
      ]);
    }
    const id = m.requests.length;
    const executableAt = t + s.params.vetoWindow;
    const outcome = await expectEvents(call, [
      {
        contract: s.slashingManager,
        address: s.addresses.slashingManager,
        events: [
          ["SlashRequested", [id, operator, slasherAddress, setId, a.bps, reason, hash, reporter, executableAt]],
        ],
      },
    ]);
    m.requests.push({
      operator: a.operator,
      slasher: a.slasher,
      set,
      slashable,
      bps: a.bps,
      requestedAt: t,
      executableAt,
      reporter,
      status: Status.Pending,
    });
    m.pendingSlashes[a.operator] += 1;
    evidence.used = true;
    return outcome;
  }

  /** A pending request if `fromState` and there is one, else any request. */
  function pickRequest(m: Model, a: { fromState: boolean; pick: number }) {
    const pending = m.requests.map((r, id) => ({ r, id })).filter(({ r }) => r.status === Status.Pending);
    return a.fromState && pending.length !== 0 ? pending[a.pick % pending.length].id : a.pick % m.requests.length;
  }

  async function veto(s: System, m: Model, a: Extract<Action, { kind: "veto" }>) {
    const caller = a.byOutsider ? s.outsider : s.council;
    if (m.requests.length === 0) {
      await at(m);
      const call = s.slashingManager.connect(caller).veto(0);
      if (a.byOutsider) return expectRevert(call, s.slashingManager, "SlashingNotVetoer", [caller.address]);
      return expectRevert(call, s.slashingManager, "SlashingUnknownRequest", [0]);
    }
    const id = pickRequest(m, a);
    const r = m.requests[id];
    const t = await at(m, a.when === "now" ? 0 : a.when === "lastMoment" ? r.executableAt - 1 : r.executableAt);
    const call = s.slashingManager.connect(caller).veto(id);
    if (a.byOutsider) return expectRevert(call, s.slashingManager, "SlashingNotVetoer", [caller.address]);
    if (r.status !== Status.Pending) return expectRevert(call, s.slashingManager, "SlashingNotPending", [id, r.status]);
    if (t >= r.executableAt) {
      return expectRevert(call, s.slashingManager, "SlashingVetoWindowClosed", [id, r.executableAt]);
    }
    const outcome = await expectEvents(call, [
      {
        contract: s.slashingManager,
        address: s.addresses.slashingManager,
        events: [["SlashVetoed", [id, s.operators[r.operator].address]]],
      },
    ]);
    r.status = Status.Vetoed;
    m.pendingSlashes[r.operator] -= 1;
    return outcome;
  }

  async function execute(s: System, m: Model, a: Extract<Action, { kind: "execute" }>) {
    if (m.requests.length === 0) {
      await at(m);
      return expectRevert(
        s.slashingManager.connect(s.outsider).execute(0),
        s.slashingManager,
        "SlashingUnknownRequest",
        [0],
      );
    }
    const id = pickRequest(m, a);
    const r = m.requests[id];
    const t = await at(m, a.when === "now" ? 0 : a.when === "justBefore" ? r.executableAt - 1 : r.executableAt);
    const call = s.slashingManager.connect(s.outsider).execute(id);
    if (r.status !== Status.Pending) return expectRevert(call, s.slashingManager, "SlashingNotPending", [id, r.status]);
    if (t < r.executableAt)
      return expectRevert(call, s.slashingManager, "SlashingVetoWindowOpen", [id, r.executableAt]);

    const o = r.operator;
    const operator = s.operators[o].address;
    const setId = s.setIds[r.set];
    // OperatorSets.slashAllocation: bps of the allocation to the request's set, and of the deallocation from it if it
    // was still slashable when the request was made (each rounded down), in all at most bps of what the set held when
    // the request was made (from the allocation first)
    const target = m.allocations[r.set][o];
    const bps = BigInt(r.bps);
    const maxValue = (r.slashable * bps) / BPS;
    const allocatedPart = (target.allocated * bps) / BPS;
    const pendingPart = target.freeAt > r.requestedAt ? (target.pendingFree * bps) / BPS : 0n;
    const fromAllocated = allocatedPart < maxValue ? allocatedPart : maxValue;
    const fromPending = pendingPart < maxValue - fromAllocated ? pendingPart : maxValue - fromAllocated;
    const cut = fromAllocated + fromPending;
    const setsEvents: EventSpec[] = [];
    const slashed: AllocationChange = {
      set: r.set,
      operator: o,
      allocated: target.allocated - fromAllocated,
      pendingFree: target.pendingFree - fromPending,
      freeAt: target.freeAt,
    };
    if (cut !== 0n) {
      setsEvents.push(["AllocationSlashed", [setId, operator, fromAllocated, fromPending]]);
      setsEvents.push(allocationEvent(s, slashed, t));
    }
    // the registry takes that value from the operator's pools, at most bps of their total value, the same fraction of
    // each: mulDiv(totalAssets, value, totalValue), totalValue the pools' weighted assets (queued shares included)
    const pools = m.pools[o];
    const totalValue = sum(pools.map((p, asset) => (p.totalAssets * WEIGHTS[asset]) / SCALE));
    const most = (totalValue * bps) / BPS;
    const value = cut < most ? cut : most;
    const amounts: bigint[] = [];
    const poolEvents: EventSpec[] = [];
    const effects: (() => void)[] = [];
    // every pool loses the fraction f = value / totalValue: the unit rate rises by 1 / (1 - f), so units minted from
    // now on weigh per ALT what the older ones do on the stake they have left
    if (value !== 0n && value < totalValue) {
      effects.push(() => (m.unitRate[o] = (m.unitRate[o] * totalValue) / (totalValue - value)));
    }
    for (let asset = 0; asset < ASSETS; ++asset) {
      const pool = pools[asset];
      const total = pool.totalAssets;
      const amount = value === 0n || total === 0n ? 0n : (total * value) / totalValue;
      amounts.push(amount);
      if (amount === 0n) continue;
      const toReporter = (amount * s.params.reporterBps) / BPS;
      poolEvents.push(["PoolSlashed", [id, operator, asset, amount, toReporter, total - amount]]);
      // nothing is paid out: the reporter's share (and the treasury's part of other assets) stays in the registry,
      // claimable; the rest of the ALT stays there too, set aside to burn
      if (toReporter !== 0n) poolEvents.push(["SlashProceedsCredited", [r.reporter, asset, toReporter]]);
      if (asset !== 0) poolEvents.push(["SlashProceedsCredited", [s.treasury.address, asset, amount - toReporter]]);
      effects.push(() => {
        pool.totalAssets = total - amount;
        if (toReporter !== 0n) creditProceeds(m, r.reporter, asset, toReporter);
        if (asset === 0) {
          m.toBurn += amount - toReporter;
        } else {
          m.lstTotalStaked -= amount;
          creditProceeds(m, s.treasury.address, asset, amount - toReporter);
        }
      });
    }
    // (g) the other sets' allocations as they were, and whether the pro-rata shrink must apply: the operator's active
    // stake after the cut below the sum of its allocations after the set's cut
    const others = m.allocations
      .map((row, k) => ({ k, before: { ...row[o], history: [] as Trace } }))
      .filter(({ k }) => k !== r.set);
    if (cut !== 0n) applyAllocation(s, m, slashed, t); // (the run stops if the chain disagrees below)
    const allocatedAfterCut = allocatedOf(m, o).allocated;
    const active = operatorStakeIf(m, o, (ps) => ps.forEach((p, asset) => (p.totalAssets -= amounts[asset])));
    const shrinks = active < allocatedAfterCut;
    // the registry un-counts the request before the operator sets shrink anything: jailed only by others
    const reduce = planReduce(s, m, o, active, t, m.pendingSlashes[o] > 1);
    holds(shrinks === (reduce.changes.length !== 0), `model: shrink ${shrinks} with ${reduce.changes.length} changes`);
    setsEvents.push(...reduce.events);
    const outcome = await expectEvents(call, [
      { contract: s.registry, address: s.addresses.registry, events: poolEvents },
      {
        contract: s.slashingManager,
        address: s.addresses.slashingManager,
        events: [["SlashExecuted", [id, operator, setId, r.bps, amounts]]],
      },
      { contract: s.operatorSets, address: s.addresses.operatorSets, events: setsEvents },
    ]);
    // (g) on the chain: every other set keeps its allocation, pending deallocation and freeAt exactly, unless the
    // shrink applies; then each gives up min(ceil(allocated * excess / allocatedAfterCut), allocated) to its
    // deallocation, whose freeAt becomes at least now + the withdrawal delay
    const excess = shrinks ? allocatedAfterCut - active : 0n;
    for (const { k, before } of others) {
      const row = await s.operatorSets.allocation(s.setIds[k], operator);
      const got = { allocated: row[0], pendingFree: row[1], freeAt: Number(row[2]) };
      if (!shrinks || before.allocated === 0n) {
        same(
          got,
          { allocated: before.allocated, pendingFree: before.pendingFree, freeAt: before.freeAt },
          `(g) set ${k} untouched`,
        );
        continue;
      }
      const ceil = (before.allocated * excess + allocatedAfterCut - 1n) / allocatedAfterCut;
      const cut = ceil < before.allocated ? ceil : before.allocated;
      // an older deallocation already due is freed first, unless another request still jails the operator
      const older =
        m.pendingSlashes[o] <= 1 && before.pendingFree !== 0n && before.freeAt <= t ? 0n : before.pendingFree;
      same(
        got,
        {
          allocated: before.allocated - cut,
          pendingFree: older + cut,
          freeAt: older === 0n ? t + s.params.withdrawalDelay : Math.max(before.freeAt, t + s.params.withdrawalDelay),
        },
        `(g) set ${k} shrunk pro rata`,
      );
    }
    count(shrinks ? "execute:otherSetsShrunk" : "execute:otherSetsUntouched");
    if (value === 0n) count("execute:nothingTaken");
    if (fromPending !== 0n) count("execute:tookPending");
    if (allocatedPart + pendingPart > maxValue) count("execute:cappedAtRequest");
    if (cut > most) count("execute:cappedAtPools");
    for (const effect of effects) effect();
    m.slashedPending[r.set][o] += fromPending;
    m.slashedEncumbered[o] += cut;
    r.status = Status.Executed;
    m.pendingSlashes[o] -= 1;
    for (const c of reduce.changes) applyAllocation(s, m, c, t);
    if (reduce.changes.length !== 0) count("allocations:reducedBySlash");
    noteStake(s, m, o, t);
    return outcome;
  }

  async function creditFees(s: System, m: Model, a: Extract<Action, { kind: "creditFees" }>) {
    const amount = pickAmount(a.amount, m.alt.get(s.feePayer.address)!);
    const setId = s.setIds[a.set];
    const t = await at(m);
    const call = s.rewards.connect(s.feePayer).creditFees(setId, amount);
    if (amount === 0n) return expectRevert(call, s.rewards, "RewardsZeroAmount", []);
    // the protocol share once; the rest over the stake the set counts in this epoch, the division's rounding remainder
    // (below the stake) to the treasury with the protocol share
    const rw = m.rewards;
    const epoch = epochAt(s, t);
    const protocolScaled = (amount * SCALE * s.params.protocolShareBps) / BPS;
    const rest = amount * SCALE - protocolScaled;
    const stake = valueAt(m.setStake[a.set], epoch);
    // a set that counts no stake in this epoch refuses the fees: nobody secured it, and they must not reach whoever is
    // counted first afterwards
    if (stake === 0n) return expectRevert(call, s.rewards, "RewardsNoStake", [setId, epoch]);
    const increment = rest / stake;
    const remainder = rest - increment * stake;
    if (remainder !== 0n) count("creditFees:remainderToTreasury");
    const outcome = await expectEvents(call, [
      {
        contract: s.rewards,
        address: s.addresses.rewards,
        events: [["FeesCredited", [setId, s.feePayer.address, epoch, amount, protocolScaled, remainder]]],
      },
    ]);
    addOwed(rw, s.treasury.address, protocolScaled + remainder);
    if (increment !== 0n) pushCheckpoint(rw.perStake[a.set], epoch, latestOf(rw.perStake[a.set]) + increment);
    m.credited += amount;
    move(m.alt, s.feePayer.address, s.addresses.rewards, amount);
    return outcome;
  }

  async function allocate(s: System, m: Model, a: Extract<Action, { kind: "allocate" }>) {
    const setId = s.setIds[a.set];
    const min = SET_MIN_STAKE[a.set];
    const t = await at(m);
    if (a.operator >= OPERATORS) {
      const call = s.operatorSets.connect(s.outsider).allocate(setId, min);
      return expectRevert(call, s.operatorSets, "SetsNotMember", [setId, s.outsider.address]);
    }
    const o = a.operator;
    const operator = s.operators[o];
    const current = m.allocations[a.set][o];
    // allocate first frees the set's deallocation if it is due and no pending slash may still take from it
    const releases = current.pendingFree !== 0n && t >= current.freeAt && m.pendingSlashes[o] === 0;
    const encumbered = allocatedOf(m, o).encumbered - (releases ? current.pendingFree : 0n);
    const stakeValue = operatorStake(m, o);
    const free = stakeValue > encumbered ? stakeValue - encumbered : 0n;
    const x = a.amount;
    const amount =
      x.kind === "upPpm"
        ? current.allocated + (free * BigInt(x.value)) / 1_000_000n
        : x.kind === "allFree"
          ? current.allocated + free
          : x.kind === "overFree"
            ? current.allocated + free + 1n
            : x.kind === "downPpm"
              ? (current.allocated * BigInt(x.value)) / 1_000_000n
              : x.kind === "min"
                ? min
                : x.kind === "belowMin"
                  ? min === 0n
                    ? 0n
                    : min - 1n
                  : x.kind === "same"
                    ? current.allocated
                    : x.value * ALT;
    const call = s.operatorSets.connect(operator).allocate(setId, amount);
    if (amount < min) return expectRevert(call, s.operatorSets, "SetsStakeTooLow", [amount, min]);
    // an increase takes back the set's own pending deallocation first (after the release above), then free stake, and
    // never allocates more than the active stake
    const pendingLeft = releases ? 0n : current.pendingFree;
    const increase = amount > current.allocated ? amount - current.allocated : 0n;
    const back = increase < pendingLeft ? increase : pendingLeft;
    if (increase - back > free) {
      return expectRevert(call, s.operatorSets, "SetsInsufficientFreeStake", [operator.address, increase - back, free]);
    }
    const allocatedSum = allocatedOf(m, o).allocated;
    const room = stakeValue > allocatedSum ? stakeValue - allocatedSum : 0n;
    if (increase > room) {
      count("allocate:refusedAboveStake");
      return expectRevert(call, s.operatorSets, "SetsInsufficientFreeStake", [operator.address, increase, room]);
    }
    const events: EventSpec[] = [];
    const released = {
      set: a.set,
      operator: o,
      allocated: current.allocated,
      pendingFree: releases ? 0n : current.pendingFree,
      freeAt: releases ? 0 : current.freeAt,
    };
    if (releases) events.push(allocationEvent(s, released, t));
    let change: AllocationChange | undefined;
    if (amount > current.allocated) {
      if (back !== 0n) count("allocate:tookBackPending");
      const pendingFree = released.pendingFree - back;
      change = { ...released, allocated: amount, pendingFree, freeAt: pendingFree === 0n ? 0 : released.freeAt };
    } else if (amount < current.allocated) {
      change = {
        ...released,
        allocated: amount,
        pendingFree: released.pendingFree + current.allocated - amount,
        freeAt: t + s.params.withdrawalDelay,
      };
    }
    if (change !== undefined) events.push(allocationEvent(s, change, t));
    const outcome = await expectEvents(call, [{ contract: s.operatorSets, address: s.addresses.operatorSets, events }]);
    if (releases) {
      count("allocations:released");
      applyAllocation(s, m, released, t);
    }
    if (change !== undefined) applyAllocation(s, m, change, t);
    m.takenBack[a.set][o] += back;
    return outcome;
  }

  async function syncAllocations(s: System, m: Model, a: Extract<Action, { kind: "syncAllocations" }>) {
    const t = await at(m);
    const call = s.operatorSets.connect(s.outsider).syncAllocations(s.operators[a.operator].address);
    const reduce = planReduce(s, m, a.operator, operatorStake(m, a.operator), t, m.pendingSlashes[a.operator] !== 0);
    const outcome = await expectEvents(call, [
      { contract: s.operatorSets, address: s.addresses.operatorSets, events: reduce.events },
    ]);
    for (const c of reduce.changes) applyAllocation(s, m, c, t);
    return outcome;
  }

  async function settle(s: System, m: Model, a: Extract<Action, { kind: "settle" }>) {
    let [o, set] = [a.operator, a.set];
    const t = await at(m);
    const now = epochAt(s, t);
    if (a.fromState) {
      const open = ALL_PAIRS.filter(([p, k]) => (m.rewards.settledUntil.get(pairKey(p, k)) ?? 0n) < now);
      if (open.length !== 0) [o, set] = open[a.pick % open.length];
    }
    const call = s.rewards.connect(s.outsider).settle(s.operators[o].address, s.setIds[set], a.maxSteps);
    if (a.maxSteps === 0) return expectRevert(call, s.rewards, "RewardsInvalidParameter", []);
    const rw = structuredClone(m.rewards);
    const settled = settleModel(s, m, rw, o, set, a.maxSteps, now);
    const outcome = await expectEvents(call, [
      {
        contract: s.rewards,
        address: s.addresses.rewards,
        events: settled === undefined ? [] : [["Settled", settled]],
      },
    ]);
    m.rewards = rw;
    return settled === undefined ? "nothingToSettle" : outcome;
  }

  /** A claim of what `account` is owed, in all: operators' commission, the treasury's share, a staker's rewards. */
  async function claim(s: System, m: Model, a: Extract<Action, { kind: "claim" }>) {
    let index = a.account;
    if (a.fromState) {
      const paid = accounts(s)
        .map((_, i) => i)
        .filter((i) => claimWouldPay(s, m, i) !== 0n);
      if (paid.length !== 0) index = paid[a.pick % paid.length];
    }
    const account = accounts(s)[index];
    const pairs = pairsOf(a.mask);
    const t = await at(m);
    // what claimable says (settled epochs only) never exceeds what the claim pays (it settles first)
    const claimable = claimableModel(s, m, account.address, pairs);
    const rw = structuredClone(m.rewards);
    const expected = claimModel(s, m, rw, account.address, pairs, epochAt(s, t));
    holds(claimable <= expected.amount, `(e) claimable ${claimable} > what a claim pays ${expected.amount}`);
    const balance = await s.token.balanceOf(account.address);
    const call = s.rewards.connect(account).claim(
      pairs.map(([o]) => s.operators[o].address),
      pairs.map(([, set]) => s.setIds[set]),
    );
    if (expected.reverted) return expectRevert(call, s.rewards, "RewardsZeroAmount", []);
    if (expected.amount > claimable) count("claim:paidMoreThanClaimable");
    // the full list of the distributor's events: Settled and Accrued, then Claimed only if it pays
    const outcome = await expectEvents(call, [
      { contract: s.rewards, address: s.addresses.rewards, events: expected.events },
    ]);
    same(await s.token.balanceOf(account.address), balance + expected.amount, "claim: the account's balance");
    // every pair's walk stands where the model's does (the invariants compare the stakers' only)
    for (const [o, set] of pairs) {
      same(
        await s.rewards.claimedUntil(account.address, s.operators[o].address, s.setIds[set]),
        rw.claimedUntil.get(`${account.address}|${o}|${set}`) ?? 0n,
        `claim: claimedUntil of pair ${o} ${set}`,
      );
    }
    m.rewards = rw;
    move(m.alt, s.addresses.rewards, account.address, expected.amount);
    m.paid += expected.amount;
    // paying nothing, the claim kept its walks' progress (claimedUntil, compared with the model after the step)
    return expected.amount === 0n ? "movedOn" : outcome;
  }

  async function claimProceeds(s: System, m: Model, a: Extract<Action, { kind: "claimProceeds" }>) {
    let [payee, asset] = [a.payee, a.asset];
    if (a.fromState) {
      const owed: [number, number][] = [];
      for (let i = 0; i < PAYEES; ++i)
        for (let k = 0; k < ASSETS; ++k) if (proceedsOf(m, s.payees[i].address, k) !== 0n) owed.push([i, k]);
      if (owed.length !== 0) [payee, asset] = owed[a.pick % owed.length];
    }
    const account = s.payees[payee].address;
    const to = a.toSelf ? account : recipients(s)[a.to];
    await at(m);
    const call = s.registry.connect(s.payees[payee]).claimSlashProceeds(asset, to);
    if (asset >= ASSETS) return expectRevert(call, s.registry, "RegistryUnknownAsset", [asset]);
    const amount = proceedsOf(m, account, asset);
    if (amount === 0n) return expectRevert(call, s.registry, "RegistryZeroAmount", []);
    const outcome = await expectEvents(call, [
      {
        contract: s.registry,
        address: s.addresses.registry,
        events: [["SlashProceedsClaimed", [account, asset, to, amount]]],
      },
    ]);
    m.proceeds.set(`${account}|${asset}`, 0n);
    move(asset === 1 ? m.lst : m.alt, s.addresses.registry, to, amount);
    return outcome;
  }

  async function burnSlashedAlt(s: System, m: Model, a: Extract<Action, { kind: "burnSlashedAlt" }>) {
    const caller = s.payees[a.caller];
    await at(m);
    const call = s.registry.connect(caller).burnSlashedAlt();
    const amount = m.toBurn;
    if (amount === 0n) return expectRevert(call, s.registry, "RegistryZeroAmount", []);
    const outcome = await expectEvents(call, [
      {
        contract: s.registry,
        address: s.addresses.registry,
        events: [["SlashedAltBurned", [caller.address, amount]]],
      },
    ]);
    m.toBurn = 0n;
    m.alt.set(s.addresses.registry, m.alt.get(s.addresses.registry)! - amount);
    m.burned += amount;
    return outcome;
  }

  async function step(s: System, m: Model, a: Action): Promise<string> {
    switch (a.kind) {
      case "stake":
        return stake(s, m, a);
      case "requestUnstake":
        return requestUnstake(s, m, a);
      case "completeUnstake":
        return completeUnstake(s, m, a);
      case "requestSlash":
        return requestSlash(s, m, a);
      case "veto":
        return veto(s, m, a);
      case "execute":
        return execute(s, m, a);
      case "creditFees":
        return creditFees(s, m, a);
      case "settle":
        return settle(s, m, a);
      case "claim":
        return claim(s, m, a);
      case "claimProceeds":
        return claimProceeds(s, m, a);
      case "burnSlashedAlt":
        return burnSlashedAlt(s, m, a);
      case "allocate":
        return allocate(s, m, a);
      case "syncAllocations":
        return syncAllocations(s, m, a);
      case "warp":
        await time.increaseTo(m.now + a.seconds);
        return "ok";
      case "noop":
        return "ok";
    }
  }

  // -------------------------------------------------------------------------------------------- invariants

  /**
   * allEpochs: read what counted in every epoch, not only in the current and the next; freeStake: read the freeStake
   * view (after the steps that can change it: through the registry's proxy, it is the costliest read here).
   */
  async function checkInvariants(
    s: System,
    m: Model,
    where: string,
    options: { allEpochs?: boolean; freeStake?: boolean } = {},
  ) {
    const { registry, rewards, slashingManager, operatorSets, token, lst, addresses } = s;
    const ops = s.operators.map((o) => o.address);
    const stakerAddresses = s.stakers.map((x) => x.address);
    const allPools: [number, number][] = [];
    for (let o = 0; o < OPERATORS; ++o) for (let a = 0; a < ASSETS; ++a) allPools.push([o, a]);

    const altHolders = [...m.alt.keys()];
    const lstHolders = [...m.lst.keys()];
    // (f, h) the epochs whose counted allocations and draws are read: the current one and the next (the latest values).
    // Every change is keyed current + 1, so an epoch's values are final once it began, and checking these two after
    // every step checks every epoch's final values (reads cost: each is a traced call); the last check reads all of
    // them: around every checkpoint.
    const current = epochAt(s, m.now);
    const epochSet = new Set<bigint>([current, current + 1n]);
    if (options.allEpochs) {
      epochSet.add(0n);
      for (const trace of [
        ...m.allocations.flat().map((a) => a.history),
        ...m.setStake,
        ...m.stakeHistory,
        ...m.operatorUnits,
        ...m.stakerUnits.flat(),
        ...m.rewards.perStake.map((trace): Trace => trace.map(([key, value]) => [key + 1n, value])), // before key + 1
        ...m.rewards.perUnit.values(),
      ]) {
        for (const [key] of trace) for (const e of [key - 1n, key]) if (e >= 0n && e <= current + 1n) epochSet.add(e);
      }
    }
    const epochs = [...epochSet].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    const setOps: [number, number][] = [];
    for (let k = 0; k < s.setIds.length; ++k) for (let o = 0; o < OPERATORS; ++o) setOps.push([k, o]);
    // (h) the draws to read, from the model: the first and the last random of each range in position order, and the
    // set's stake (which wraps to the first position; nobody when nothing counts)
    const probes: { set: number; epoch: bigint; random: bigint; drawn: string }[] = [];
    for (const e of epochs) {
      for (let k = 0; k < s.setIds.length; ++k) {
        const order = drawOrderAt(m, k, e);
        // the model's index holds exactly the operators with an allocation counted
        same(
          [...order].sort((x, y) => x - y),
          ops.flatMap((_, o) => (valueAt(m.allocations[k][o].history, e) === 0n ? [] : [o])),
          `(h) ${where}: model: set ${k} epoch ${e} draws ${order}`,
        );
        let start = 0n;
        for (const o of order) {
          const allocation = valueAt(m.allocations[k][o].history, e);
          probes.push({ set: k, epoch: e, random: start, drawn: ops[o] });
          probes.push({ set: k, epoch: e, random: start + allocation - 1n, drawn: ops[o] });
          start += allocation;
        }
        same(start, valueAt(m.setStake[k], e), `(h) ${where}: model: set ${k} epoch ${e} draws over its stake`);
        probes.push({
          set: k,
          epoch: e,
          random: start,
          drawn: order.length === 0 ? ethers.ZeroAddress : ops[order[0]],
        });
      }
    }
    const buckets = bucketTotals(s, current);
    // what every share is worth, active (as the model holds them: compared with the chain below) and queued
    const queuedOf = ([o, a]: [number, number]) =>
      m.withdrawals.filter((w) => w.pending && w.operator === o && w.asset === a).map((w) => w.w.shares);
    const claimReads = allPools.map(([o, a]) =>
      [...m.shares.map((perStaker) => perStaker[o][a]).filter((x) => x !== 0n), ...queuedOf([o, a])].map((x) =>
        read(registry, addresses.registry, "sharesToAmount", [ops[o], a, x]),
      ),
    );
    const r = await readGroups({
      claims: claimReads.flat(),
      allocation: setOps.map(([k, o]) =>
        read(operatorSets, addresses.operatorSets, "allocation", [s.setIds[k], ops[o]]),
      ),
      allocatedOf: ops.map((o) => read(operatorSets, addresses.operatorSets, "allocatedOf", [o])),
      freeStake: options.freeStake ? ops.map((o) => read(operatorSets, addresses.operatorSets, "freeStake", [o])) : [],
      allocationAt: epochs.flatMap((e) =>
        setOps.map(([k, o]) => read(operatorSets, addresses.operatorSets, "allocationAt", [s.setIds[k], ops[o], e])),
      ),
      setStakeAt: epochs.flatMap((e) =>
        s.setIds.map((id) => read(operatorSets, addresses.operatorSets, "setStakeAt", [id, e])),
      ),
      draws: probes.map((p) =>
        read(operatorSets, addresses.operatorSets, "drawAt", [s.setIds[p.set], p.epoch, p.random]),
      ),
      pools: allPools.map(([o, a]) => read(registry, addresses.registry, "pool", [ops[o], a])),
      shares: stakerAddresses.flatMap((x) =>
        allPools.map(([o, a]) => read(registry, addresses.registry, "sharesOf", [x, ops[o], a])),
      ),
      lstAsset: [read(registry, addresses.registry, "asset", [1])],
      pending: m.withdrawals.map((w) => read(registry, addresses.registry, "isPendingWithdrawal", [w.root])),
      jailed: ops.map((o) => read(registry, addresses.registry, "pendingSlashes", [o])),
      requests: m.requests.map((_, id) => read(slashingManager, addresses.slashingManager, "request", [id])),
      windows: setOps.map(([k, o]) =>
        read(slashingManager, addresses.slashingManager, "windowSlashedBps", [ops[o], s.setIds[k]]),
      ),
      evidenceUsed: m.evidence.map((e) =>
        read(slashingManager, addresses.slashingManager, "isEvidenceUsed", [
          addresses.services[e.slasher],
          ops[e.operator],
          REASONS[e.reason],
          e.hash,
        ]),
      ),
      proceeds: s.payees.flatMap((p) =>
        Array.from({ length: ASSETS }, (_, a) => read(registry, addresses.registry, "slashProceeds", [p.address, a])),
      ),
      owed: accounts(s).map((x) => read(rewards, addresses.rewards, "owedScaled", [x.address])),
      perStake: epochs.flatMap((e) =>
        s.setIds.map((id) => read(rewards, addresses.rewards, "rewardPerStakeBefore", [id, e])),
      ),
      settledUntil: ALL_PAIRS.map(([o, k]) => read(rewards, addresses.rewards, "settledUntil", [ops[o], s.setIds[k]])),
      perUnit: epochs.flatMap((e) =>
        ALL_PAIRS.map(([o, k]) => read(rewards, addresses.rewards, "rewardPerUnitBefore", [ops[o], s.setIds[k], e])),
      ),
      claimedUntil: stakerAddresses.flatMap((x) =>
        ALL_PAIRS.map(([o, k]) => read(rewards, addresses.rewards, "claimedUntil", [x, ops[o], s.setIds[k]])),
      ),
      units: stakerAddresses.flatMap((x) =>
        allPools.map(([o, a]) => read(registry, addresses.registry, "unitsOf", [x, ops[o], a])),
      ),
      unitRate: ops.map((o) => read(registry, addresses.registry, "unitRate", [o])),
      registryEpoch: [read(registry, addresses.registry, "currentEpoch")],
      operatorUnits: epochs.flatMap((e) =>
        ops.map((o) => read(registry, addresses.registry, "operatorUnitsAt", [o, e])),
      ),
      stakerUnits: epochs.flatMap((e) =>
        ops.flatMap((o) => stakerAddresses.map((x) => read(registry, addresses.registry, "stakerUnitsAt", [x, o, e]))),
      ),
      altBalances: altHolders.map((h) => read(token, addresses.token, "balanceOf", [h])),
      lstBalances: lstHolders.map((h) => read(lst, addresses.lst, "balanceOf", [h])),
      supplies: [read(token, addresses.token, "totalSupply"), read(lst, addresses.lst, "totalSupply")],
      altToBurn: [read(registry, addresses.registry, "altToBurn")],
      isJailed: ops.map((o) => read(registry, addresses.registry, "isJailed", [o])),
      operatorStake: ops.map((o) => read(registry, addresses.registry, "operatorStake", [o])),
      claimable: accounts(s).map((x) =>
        read(rewards, addresses.rewards, "claimable", [
          x.address,
          ALL_PAIRS.map(([o]) => ops[o]),
          ALL_PAIRS.map(([, k]) => s.setIds[k]),
        ]),
      ),
    });
    const shares = stakerAddresses.map((_, x) => first(r.shares.slice(x * allPools.length, (x + 1) * allPools.length)));
    const [owed, settledUntil, windows, jailedCounts] = [r.owed, r.settledUntil, r.windows, r.jailed].map(first);
    const [altBalances, lstBalances, [altSupply, lstSupply]] = [r.altBalances, r.lstBalances, r.supplies].map(first);
    const proceeds = s.payees.map((_, i) => first(r.proceeds.slice(i * ASSETS, (i + 1) * ASSETS)));
    const [pools, requests, pending, lstAsset] = [r.pools, r.requests, r.pending, r.lstAsset[0]];
    const chainNow = await time.latest();
    same(chainNow, m.now, `${where}: model clock`);

    // the chain equals the model
    const poolsOnChain = pools.map(([totalShares, totalAssets, queuedShares]) => ({
      totalShares,
      totalAssets,
      queuedShares,
    }));
    same(
      poolsOnChain,
      allPools.map(([o, a]) => m.pools[o][a]),
      `${where}: pools`,
    );
    same(
      shares,
      m.shares.map((perStaker) => allPools.map(([o, a]) => perStaker[o][a])),
      `${where}: active shares`,
    );
    same(
      proceeds,
      s.payees.map((p) => Array.from({ length: ASSETS }, (_, a) => proceedsOf(m, p.address, a))),
      `${where}: slash proceeds`,
    );

    // (a) each pool's assets cover every claim on it, active and queued, and the registry holds the pools' assets and
    // the unclaimed slash proceeds
    const holdingsOf = (i: number) => shares.map((row) => row[i]).filter((x) => x !== 0n);
    let claimAt = 0;
    const claims = claimReads.map((reads) => first(r.claims.slice(claimAt, (claimAt += reads.length))));
    for (const [i, [o, a]] of allPools.entries()) {
      const p = poolsOnChain[i];
      const holdings = holdingsOf(i);
      const queued = queuedOf([o, a]);
      same(
        claims[i],
        [...holdings, ...queued].map((x) => toAmount(p, x)),
        `${where}: sharesToAmount (${o}, ${a})`,
      );
      holds(
        sum(claims[i]) <= p.totalAssets,
        `(a) ${where}: pool (${o}, ${a}) owes ${sum(claims[i])} > ${p.totalAssets}`,
      );
      same(p.queuedShares, sum(queued), `(a) ${where}: queued shares (${o}, ${a})`);
      same(p.totalShares, sum(holdings) + sum(queued), `(a) ${where}: total shares (${o}, ${a})`);
    }
    const altPooled = sum(poolsOnChain.filter((_, i) => allPools[i][1] === 0).map((p) => p.totalAssets));
    const lstPooled = sum(poolsOnChain.filter((_, i) => allPools[i][1] === 1).map((p) => p.totalAssets));
    const registryAlt = altBalances[altHolders.indexOf(addresses.registry)];
    const registryLst = lstBalances[lstHolders.indexOf(addresses.registry)];
    const [altProceeds, lstProceeds] = [0, 1].map((a) => sum(proceeds.map((row) => row[a])));
    const [altToBurn] = first(r.altToBurn);
    holds(
      registryAlt >= altPooled + altProceeds + altToBurn,
      `(a) ${where}: registry ALT ${registryAlt} < pooled ${altPooled} + proceeds ${altProceeds} + to burn ${altToBurn}`,
    );
    holds(
      registryLst >= lstPooled + lstProceeds,
      `(a) ${where}: registry LST ${registryLst} < pooled ${lstPooled} + proceeds ${lstProceeds}`,
    );
    same(lstAsset[3], lstPooled, `(a) ${where}: LST totalStaked`);
    same(lstPooled, m.lstTotalStaked, `(a) ${where}: model LST staked`);

    // (b) nothing completes before its delay nor while its operator has a pending slash
    same(
      pending.map((r) => r[0] !== 0n),
      m.withdrawals.map((w) => w.pending),
      `(b) ${where}: pending withdrawals`,
    );
    for (const w of m.withdrawals) {
      if (w.completedAt !== undefined) {
        holds(w.completedAt >= Number(w.w.unlockAt), `(b) ${where}: completed at ${w.completedAt} < ${w.w.unlockAt}`);
      }
    }
    same(jailedCounts, m.pendingSlashes.map(BigInt), `(b) ${where}: pending slashes`);
    same(
      first(r.isJailed),
      m.pendingSlashes.map((n) => (n === 0 ? 0n : 1n)),
      `(b) ${where}: isJailed`,
    );
    same(
      first(r.operatorStake),
      s.operators.map((_, o) => operatorStake(m, o)),
      `${where}: operatorStake`,
    );

    // (c) slashes within caps: per offence, and 30 % per (operator, set) in the rolling window; (g) each request
    // through a set of its own slasher
    same(
      requests.map(([operator, bps, status, requestedAt, reporter, executableAt, setId, slashable]) => [
        asAddress(operator),
        Number(bps),
        Number(status),
        Number(requestedAt),
        asAddress(reporter),
        Number(executableAt),
        setId,
        slashable,
      ]),
      m.requests.map((r) => [
        ops[r.operator],
        r.bps,
        r.status,
        r.requestedAt,
        r.reporter,
        r.executableAt,
        s.setIds[r.set],
        r.slashable,
      ]),
      `(c) ${where}: requests`,
    );
    for (const r of m.requests) {
      holds(r.bps <= SLASHERS[r.slasher].maxBps, `(c) ${where}: request of ${r.bps} bps`);
      holds(r.set === r.slasher, `(g) ${where}: a request through set ${r.set} by slasher ${r.slasher}`);
    }
    for (const [i, [k, o]] of setOps.entries()) {
      const window = windowOf(s, m, o, k, m.now);
      holds(window.bps <= WINDOW_CAP_BPS, `(c) ${where}: operator ${o} set ${k} window ${window.bps} bps`);
      same(windows[i], BigInt(window.bps), `(c) ${where}: windowSlashedBps(${o}, set ${k})`);
    }
    same(
      first(r.evidenceUsed),
      m.evidence.map((e) => (e.used ? 1n : 0n)),
      `(c) ${where}: isEvidenceUsed`,
    );
    same(
      m.evidence.map((e) => (e.used ? 1 : 0)).reduce((x: number, y) => x + y, 0),
      m.requests.length,
      `(c) ${where}: one accepted evidence per request`,
    );

    // (d) token conservation, exactly
    same(
      altBalances,
      altHolders.map((h) => m.alt.get(h)),
      `(d) ${where}: ALT balances`,
    );
    same(
      lstBalances,
      lstHolders.map((h) => m.lst.get(h)),
      `(d) ${where}: LST balances`,
    );
    const burned = m.initialAltSupply - altSupply;
    same(burned, m.burned, `(d) ${where}: ALT burned`);
    same(sum(altBalances) + burned, m.initialAltSum, `(d) ${where}: ALT conserved`);
    same(sum(lstBalances), lstSupply, `(d) ${where}: LST conserved`);
    same(lstSupply, LST_FUNDED * BigInt(STAKERS));
    same(altToBurn, m.toBurn, `(d) ${where}: altToBurn`);
    same(registryAlt, altPooled + altProceeds + altToBurn, `(d) ${where}: registry ALT == pooled + proceeds + to burn`);
    same(registryLst, lstPooled + lstProceeds, `(d) ${where}: registry LST == pooled + proceeds`);

    // (e) rewards. The registry's reward units: each position's, the unit rates, and what counts in each epoch read
    same(first(r.registryEpoch), [current], `(e) ${where}: the registry's epoch`);
    same(
      shares.map((_, x) => first(r.units.slice(x * allPools.length, (x + 1) * allPools.length))),
      m.units.map((perStaker) => allPools.map(([o, a]) => perStaker[o][a])),
      `(e) ${where}: unitsOf`,
    );
    same(first(r.unitRate), m.unitRate, `(e) ${where}: unitRate`);
    const operatorUnits = epochs.map((_, i) => first(r.operatorUnits.slice(i * OPERATORS, (i + 1) * OPERATORS)));
    const stakerUnits = epochs.map((_, i) =>
      ops.map((_, o) => {
        const at = (i * OPERATORS + o) * STAKERS;
        return first(r.stakerUnits.slice(at, at + STAKERS));
      }),
    );
    same(
      operatorUnits,
      epochs.map((e) => m.operatorUnits.map((trace) => valueAt(trace, e))),
      `(e) ${where}: operatorUnitsAt`,
    );
    same(
      stakerUnits,
      epochs.map((e) => m.stakerUnits.map((row) => row.map((trace) => valueAt(trace, e)))),
      `(e) ${where}: stakerUnitsAt`,
    );
    for (const [i, e] of epochs.entries()) {
      for (let o = 0; o < OPERATORS; ++o) {
        // an operator's units are the sum of its stakers', in every epoch
        same(operatorUnits[i][o], sum(stakerUnits[i][o]), `(e) ${where}: operator ${o} units in epoch ${e}`);
      }
    }
    // the units a staker holds in an operator's positions are what counts from the next epoch
    for (let x = 0; x < STAKERS; ++x) {
      for (let o = 0; o < OPERATORS; ++o) {
        same(sum(m.units[x][o]), latestOf(m.stakerUnits[o][x]), `(e) ${where}: staker ${x} units in operator ${o}`);
      }
    }
    // the distributor's state
    const rw = m.rewards;
    same(
      owed,
      accounts(s).map((x) => rw.owed.get(x.address) ?? 0n),
      `(e) ${where}: owedScaled`,
    );
    same(
      epochs.map((_, i) => first(r.perStake.slice(i * s.setIds.length, (i + 1) * s.setIds.length))),
      epochs.map((e) => [0, 1].map((k) => perStakeBefore(rw, k, e))),
      `(e) ${where}: rewardPerStakeBefore`,
    );
    same(
      settledUntil,
      ALL_PAIRS.map(([o, k]) => rw.settledUntil.get(pairKey(o, k)) ?? 0n),
      `(e) ${where}: settledUntil`,
    );
    for (const until of settledUntil) holds(until <= current, `(e) ${where}: settled until ${until} > ${current}`);
    same(
      epochs.map((_, i) => first(r.perUnit.slice(i * ALL_PAIRS.length, (i + 1) * ALL_PAIRS.length))),
      epochs.map((e) => ALL_PAIRS.map(([o, k]) => valueAt(rw.perUnit.get(pairKey(o, k)) ?? [], e))),
      `(e) ${where}: rewardPerUnitBefore`,
    );
    same(
      stakerAddresses.map((_, x) => first(r.claimedUntil.slice(x * ALL_PAIRS.length, (x + 1) * ALL_PAIRS.length))),
      stakerAddresses.map((x) => ALL_PAIRS.map(([o, k]) => rw.claimedUntil.get(`${x}|${o}|${k}`) ?? 0n)),
      `(e) ${where}: claimedUntil`,
    );
    // every credited wei, exactly: paid, owed (the treasury's with the credits' remainders), earned by stakers and not
    // claimed, or credited and not settled
    same(
      m.paid * SCALE + sum(owed) + unclaimedScaled(s, m) + unsettledScaled(m),
      m.credited * SCALE,
      `(e) ${where}: credited * 1e18 == paid * 1e18 + owed + unclaimed + unsettled`,
    );
    const distributorAlt = altBalances[altHolders.indexOf(addresses.rewards)];
    same(distributorAlt, m.credited - m.paid, `(e) ${where}: distributor holds credited - paid`);
    const claimable = first(r.claimable);
    same(
      claimable,
      accounts(s).map((x) => claimableModel(s, m, x.address, ALL_PAIRS)),
      `(e) ${where}: claimable`,
    );
    holds(sum(claimable) <= distributorAlt, `(e) ${where}: claimable ${sum(claimable)} > held ${distributorAlt}`);

    // (f) allocations: the chain equals the model, exactly
    const stakeOnChain = first(r.operatorStake);
    const rows = s.setIds.map((_, k) =>
      r.allocation
        .slice(k * OPERATORS, (k + 1) * OPERATORS)
        .map(([allocated, pendingFree, freeAt]) => ({ allocated, pendingFree, freeAt })),
    );
    same(
      rows,
      m.allocations.map((row) =>
        row.map((a) => ({ allocated: a.allocated, pendingFree: a.pendingFree, freeAt: BigInt(a.freeAt) })),
      ),
      `(f) ${where}: allocations`,
    );
    const totals = r.allocatedOf.map(([allocated, encumbered]) => ({ allocated, encumbered }));
    same(
      totals,
      s.operators.map((_, o) => allocatedOf(m, o)),
      `(f) ${where}: allocatedOf`,
    );
    // freeStake as the view computes it (compared with the view when it is read)
    const free = totals.map(({ encumbered }, o) => (stakeOnChain[o] > encumbered ? stakeOnChain[o] - encumbered : 0n));
    if (options.freeStake) same(first(r.freeStake), free, `(f) ${where}: freeStake`);
    // (what counted in each epoch, [epoch][set][operator] and [epoch][set])
    const countedAt = epochs.map((_, i) =>
      s.setIds.map((_, k) =>
        first(r.allocationAt.slice(i * setOps.length + k * OPERATORS, i * setOps.length + (k + 1) * OPERATORS)),
      ),
    );
    const setStakeAt = epochs.map((_, i) => first(r.setStakeAt.slice(i * s.setIds.length, (i + 1) * s.setIds.length)));
    same(
      countedAt,
      epochs.map((e) => m.allocations.map((row) => row.map((a) => valueAt(a.history, e)))),
      `(f) ${where}: allocationAt`,
    );
    same(
      setStakeAt,
      epochs.map((e) => m.setStake.map((trace) => valueAt(trace, e))),
      `(f) ${where}: setStakeAt`,
    );
    for (let o = 0; o < OPERATORS; ++o) {
      const allocated = sum(rows.map((row) => row[o].allocated));
      const encumbered = sum(rows.map((row) => row[o].allocated + row[o].pendingFree));
      // sum of allocations <= stake
      holds(
        allocated <= stakeOnChain[o],
        `(f) ${where}: operator ${o} allocates ${allocated} > stake ${stakeOnChain[o]}`,
      );
      // encumbered == sum(allocated + pendingFree)
      same(totals[o], { allocated, encumbered }, `(f) ${where}: allocatedOf(${o}) == sum of allocations`);
    }
    for (const [i, e] of epochs.entries()) {
      for (const [k] of s.setIds.entries()) {
        // setStakeAt(set, e) == sum of the members' allocationAt(set, op, e)
        same(
          setStakeAt[i][k],
          sum(m.members[k].map((o) => countedAt[i][k][o])),
          `(f) ${where}: setStakeAt(${k}, ${e}) == sum of allocationAt`,
        );
      }
      // what counts in e was allocated before e began, within the stake the operator had then: one stake is not
      // counted twice
      for (let o = 0; o < OPERATORS; ++o) {
        const counted = sum(countedAt[i].map((row) => row[o]));
        const stakeThen = valueAt(m.stakeHistory[o], e);
        holds(
          counted <= stakeThen,
          `(f) ${where}: operator ${o} counts ${counted} in epoch ${e} with a stake of ${stakeThen}`,
        );
      }
    }
    // (h) the draw index: each operator drawn for exactly its range, in the model's position order
    same(
      first(r.draws).map(asAddress),
      probes.map((p) => p.drawn),
      `(h) ${where}: drawAt at the ends of every range`,
    );
    // and the buckets' totals, in the current and the next epoch: the allocations at their positions, summing to
    // setStakeAt
    const bucketsOnChain = await buckets;
    for (const [j, e] of [current, current + 1n].entries()) {
      for (let k = 0; k < s.setIds.length; ++k) {
        const expected: bigint[] = Array(BUCKETS).fill(0n);
        for (const [position, o] of drawOrderAt(m, k, e).entries()) {
          expected[Math.floor(position / BUCKET)] += valueAt(m.allocations[k][o].history, e);
        }
        same(bucketsOnChain[k][j], expected, `(h) ${where}: set ${k} epoch ${e} bucket totals`);
        same(
          sum(bucketsOnChain[k][j]),
          setStakeAt[epochs.indexOf(e)][k],
          `(h) ${where}: set ${k} epoch ${e}: the buckets sum to setStakeAt`,
        );
      }
    }
    // no stake leaves before its delay: a deallocation is freed (leaves encumbered) only once its freeAt passed and
    // while no slash is pending, so freeStake never grows from a decrease before then; what a slash took from an
    // allocation or a deallocation since the last check (the model's record) left it too, and is no release
    const jailedNow = first(r.isJailed);
    if (m.observed !== undefined) {
      const before = m.observed;
      for (let o = 0; o < OPERATORS; ++o) {
        let due = 0n;
        for (const [k, row] of rows.entries()) {
          const prev = before.rows[k][o];
          if (prev.freeAt <= BigInt(chainNow) && jailedNow[o] === 0n) due += prev.pendingFree;
          else {
            holds(
              row[o].pendingFree + m.slashedPending[k][o] + m.takenBack[k][o] >= prev.pendingFree,
              `(f) ${where}: operator ${o} set ${k}: ${prev.pendingFree - row[o].pendingFree} freed before ${prev.freeAt}` +
                ` (${m.slashedPending[k][o]} slashed, ${m.takenBack[k][o]} allocated again)`,
            );
          }
        }
        const encumbered = totals[o].encumbered;
        const left = due + m.slashedEncumbered[o];
        holds(
          encumbered + left >= before.encumbered[o],
          `(f) ${where}: operator ${o} encumbered ${before.encumbered[o]} -> ${encumbered}, only ${due} was due` +
            ` and ${m.slashedEncumbered[o]} slashed`,
        );
        const maxFree =
          stakeOnChain[o] > before.encumbered[o] - left ? stakeOnChain[o] - (before.encumbered[o] - left) : 0n;
        holds(free[o] <= maxFree, `(f) ${where}: operator ${o} freeStake ${free[o]} > ${maxFree}`);
      }
    }
    m.observed = { rows, encumbered: totals.map((t) => t.encumbered) };
    m.slashedPending = grid(SLASHERS.length, OPERATORS, () => 0n);
    m.takenBack = grid(SLASHERS.length, OPERATORS, () => 0n);
    m.slashedEncumbered = Array(OPERATORS).fill(0n);
  }

  // -------------------------------------------------------------------------------------------- a run

  /**
   * Executes every pending slash, completes every withdrawal, frees every due deallocation, claims every whole wei and
   * all slash proceeds, one step at a time.
   */
  async function drain(s: System, m: Model) {
    const expectOk = async (outcome: Promise<string>, what: string) => {
      same(await outcome, "ok", `drain: ${what}`);
      m.now = await time.latest();
    };
    for (const [id, r] of m.requests.entries()) {
      if (r.status === Status.Pending)
        await expectOk(execute(s, m, { kind: "execute", fromState: false, pick: id, when: "ready" }), `execute ${id}`);
    }
    for (const [i, w] of m.withdrawals.entries()) {
      if (w.pending) {
        await expectOk(
          completeUnstake(s, m, { kind: "completeUnstake", fromState: false, pick: i, when: "unlock", byOther: false }),
          `complete ${i}`,
        );
      }
    }
    // (checked here too: the releases below are then compared with the deallocations the slashes above made)
    await checkInvariants(s, m, "after draining slashes and withdrawals", { freeStake: true });
    // free every deallocation once due (no slash is pending any more); an allocation below its set's minimum cannot be
    // re-set to itself (allocate refuses it), so what it deallocated stays held
    const lastFreeAt = Math.max(...m.allocations.flat().map((a) => a.freeAt));
    if (lastFreeAt > m.now) {
      await time.increaseTo(lastFreeAt);
      m.now = await time.latest();
    }
    for (const [set, row] of m.allocations.entries()) {
      for (const [operator, a] of row.entries()) {
        if (a.pendingFree === 0n || a.allocated < SET_MIN_STAKE[set]) continue;
        const action: Action = { kind: "allocate", set, operator, amount: { kind: "same" } };
        await expectOk(allocate(s, m, action), `release ${set} ${operator}`);
        holds(a.pendingFree === 0n, `drain: set ${set} operator ${operator} still holds ${a.pendingFree}`);
      }
    }
    // settle every operator in every set in an epoch after the last credit, then claim every whole wei (the operators
    // and the treasury their owed balances, the stakers from every pair)
    const next = epochAt(s, m.now) + 1n;
    await time.increaseTo(s.params.genesis + Number(next) * s.params.epochLength);
    m.now = await time.latest();
    for (const [o, set] of ALL_PAIRS) {
      while ((m.rewards.settledUntil.get(pairKey(o, set)) ?? 0n) < epochAt(s, m.now + 1)) {
        const action: Action = { kind: "settle", fromState: false, pick: 0, operator: o, set, maxSteps: CLAIM_STEPS };
        await expectOk(settle(s, m, action), `settle ${o} ${set}`);
      }
    }
    for (let i = 0; i < ACCOUNTS; ++i) {
      const mask = i < STAKERS ? 2 ** (OPERATORS * 2) - 1 : 0;
      // again while a claim pays, or moves on (paying nothing: less than a wei per window) towards a whole wei ahead
      for (;;) {
        const plan = claimPlan(s, m, i);
        if (plan.amount === 0n && !(plan.progressed && wholeWeiAhead(s, m, i))) break;
        const outcome = await claim(s, m, { kind: "claim", fromState: false, pick: 0, account: i, mask });
        same(outcome, plan.amount === 0n ? "movedOn" : "ok", `drain: claim ${i}`);
        m.now = await time.latest();
      }
    }
    for (let payee = 0; payee < PAYEES; ++payee) {
      for (let asset = 0; asset < ASSETS; ++asset) {
        if (proceedsOf(m, s.payees[payee].address, asset) !== 0n) {
          await expectOk(
            claimProceeds(s, m, {
              kind: "claimProceeds",
              fromState: false,
              pick: 0,
              payee,
              asset,
              toSelf: true,
              to: 0,
            }),
            `claim proceeds ${payee} ${asset}`,
          );
        }
      }
    }
    if (m.toBurn !== 0n)
      await expectOk(burnSlashedAlt(s, m, { kind: "burnSlashedAlt", caller: 0 }), "burn slashed ALT");
    await checkInvariants(s, m, "after draining", { allEpochs: true, freeStake: true });
    // nothing is pending, nothing whole is owed, and the distributor keeps only fractions
    holds(
      m.withdrawals.every((w) => !w.pending),
      "drain: a withdrawal is still pending",
    );
    holds(
      [...m.proceeds.values()].every((x) => x === 0n),
      "drain: slash proceeds are still unclaimed",
    );
    const claimable = await Promise.all(
      accounts(s).map((account) =>
        s.rewards.claimable(
          account.address,
          ALL_PAIRS.map(([o]) => s.operators[o].address),
          ALL_PAIRS.map(([, set]) => s.setIds[set]),
        ),
      ),
    );
    same(claimable, Array(ACCOUNTS).fill(0n), "drain: whole wei left to claim");
    // everyone is settled up to this epoch (after every credit), and every account a claim pays has claimed: what the
    // distributor holds is the fractions owed, what stakers earned and cannot claim yet (less than a wei with what
    // they are owed), exactly
    const epoch = epochAt(s, m.now);
    const settled = await Promise.all(
      ALL_PAIRS.map(([o, set]) => s.rewards.settledUntil(s.operators[o].address, s.setIds[set])),
    );
    same(settled, Array(ALL_PAIRS.length).fill(epoch), "drain: every operator settled in every set");
    same(unsettledScaled(m), 0n, "drain: nothing credited is left unsettled");
    const owed = await Promise.all(accounts(s).map((account) => s.rewards.owedScaled(account.address)));
    for (const [i, account] of accounts(s).entries()) {
      const unclaimed =
        i < STAKERS
          ? sum(ALL_PAIRS.map(([o, set]) => earnedModel(s, m, m.rewards, account.address, o, set, ALL_STEPS).amount))
          : 0n;
      holds(owed[i] + unclaimed < SCALE, `drain: account ${i} left ${owed[i]} owed and ${unclaimed} unclaimed`);
    }
    const unclaimed = unclaimedScaled(s, m);
    same(
      m.credited * SCALE,
      m.paid * SCALE + sum(owed) + unclaimed,
      "drain: credited * 1e18 == paid * 1e18 + owed + the stakers' unclaimed fractions",
    );
    // the form without unclaimed fractions, when every staker claimed its last earnings
    if (unclaimed === 0n) {
      same(m.credited * SCALE, m.paid * SCALE + sum(owed), "drain: conservation, all claimed");
      count("drain:everyStakerClaimed");
    }
    same(await s.token.balanceOf(s.addresses.rewards), m.credited - m.paid, "drain: the distributor holds the rest");
  }

  async function runSequence(actions: Action[]) {
    const s = await loadFixture(deployRestakingSystem);
    const m = await initialModel(s);
    for (const [i, action] of actions.entries()) {
      let outcome: string;
      try {
        outcome = await step(s, m, action);
      } catch (error) {
        throw new Error(`step ${i} (${action.kind}): ${(error as Error).message}`, { cause: error });
      }
      count(`${action.kind}:${outcome}`);
      m.now = await time.latest();
      await checkInvariants(s, m, `step ${i} (${action.kind} -> ${outcome})`, {
        freeStake: CHANGES_FREE_STAKE.has(action.kind),
      });
    }
    try {
      await drain(s, m);
    } catch (error) {
      throw new Error(`drain: ${(error as Error).message}`, { cause: error });
    }
  }

  it("keeps pools covered, withdrawals delayed, slashes capped and scoped to their set, tokens conserved, rewards exact and allocations within stake over random sequences", async function () {
    this.timeout(30 * 60_000); // shrinking a counterexample replays many sequences
    // Hardhat's lazy provider proxy builds `new Error().stack` on every property access (internal/util/lazy.js), and
    // under ts-node each of those stacks is source-mapped: with stack traces on, that alone took most of the run time.
    // They are off while the property runs (every failure message names its step) and restored afterwards.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      await fc.assert(fc.asyncProperty(fc.array(actionArb, { minLength: 20, maxLength: 40 }), runSequence), {
        numRuns: RUNS,
        seed: SEED,
        path: PATH,
        examples: [[EXAMPLE]],
        includeErrorInReport: true, // mocha does not print an error's cause: the failing step and invariant
      });
    } finally {
      Error.stackTraceLimit = limit;
    }
    if (process.env.PROPERTY_STATS)
      console.log(
        [...stats.entries()]
          .sort()
          .map(([k, v]) => `${k}=${v}`)
          .join(" "),
      );
    // the sequences reached every path that matters (the example guarantees each at least once)
    for (const outcome of [
      "stake:ok",
      "stake:RegistryCapExceeded",
      "stake:RegistryOperatorJailed",
      "requestUnstake:ok",
      "completeUnstake:ok",
      "completeUnstake:RegistryWithdrawalLocked",
      "completeUnstake:RegistryOperatorJailed",
      "requestSlash:ok",
      "requestSlash:SlashingWindowCapExceeded",
      "veto:ok",
      "veto:SlashingVetoWindowClosed",
      "execute:ok",
      "creditFees:ok",
      "creditFees:remainderToTreasury",
      "settle:ok",
      "settle:stoppedAtMaxSteps",
      "settle:RewardsInvalidParameter",
      "claim:ok",
      "claim:movedOn",
      "claim:RewardsZeroAmount",
      "claim:paidMoreThanClaimable",
      "requestSlash:SlashingEvidenceUsed",
      "requestSlash:SlashingNotSetService",
      "requestSlash:SlashingNothingAllocated",
      "requestSlash:SetsUnknownSet",
      "execute:otherSetsUntouched",
      "execute:otherSetsShrunk",
      "execute:tookPending",
      "execute:cappedAtRequest",
      "claimProceeds:ok",
      "claimProceeds:RegistryZeroAmount",
      "claimProceeds:RegistryUnknownAsset",
      "burnSlashedAlt:ok",
      "burnSlashedAlt:RegistryZeroAmount",
      "allocate:ok",
      "allocate:SetsStakeTooLow",
      "allocate:SetsInsufficientFreeStake",
      "allocate:SetsNotMember",
      "allocations:released",
      "allocate:tookBackPending",
      "allocations:reducedByUnstake",
      "allocations:reducedBySlash",
      "syncAllocations:ok",
      "drawIndex:appended",
      "drawIndex:movedLast",
      "drawIndex:poppedLast",
    ]) {
      expect(stats.get(outcome) ?? 0, outcome).to.be.greaterThan(0);
    }
  });
});
