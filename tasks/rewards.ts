// Rewards tasks: what an account can claim, claiming it, and settling an operator's earnings in a set. Rewards are
// claimed over (operator, set) pairs: the operators the account staked with (and the account itself, if it is an
// operator) times the sets each of them ever allocated to. A claim settles its pairs first, so what it pays is found by
// simulating it.
import { scanStart } from "./lib/addressBook";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { RewardsDistributor } from "../typechain-types";
import { confirm, fail, formatAlt, output, parseAddress, revertReason, signerFor, txLine, areaTask } from "./lib/cli";
import {
  eventsOf,
  operatorSets,
  parseOperator,
  parseWhole,
  restakingRegistry,
  rewardsDistributor,
  stakedPools,
} from "./lib/restaking";
import { formatSetId, parseSetId, readableReason, refusalExplainer, setNames, type SetNames } from "./lib/sets";

export interface RewardPair {
  operator: string;
  setId: bigint;
  /** The set's short name ("MACH/5002"), null for a set no service of the deployment knows. */
  set: string | null;
}

export interface PendingRewards {
  account: string;
  /** Whole wei a claim of the pairs would pay now (the claim simulated: it settles the pairs first). */
  claimable: bigint;
  /** Rewards credited to the account and not claimed (commission, protocol share, fractions of a wei kept), scaled. */
  owedScaled: bigint;
  /** Whole wei of `owedScaled`. */
  owed: bigint;
  /** Whole wei claimable without settling: owed plus its rewards as a staker over the epochs settled already. */
  settled: bigint;
  pairs: RewardPair[];
  isOperator: boolean;
  isTreasury: boolean;
}

/**
 * The (operator, set) pairs `account` can have rewards in: the operators it staked with (registry Staked events, first
 * stake first) and itself if it is an operator, each with every set it allocated to (AllocationUpdated events).
 */
export async function rewardPairs(
  hre: HardhatRuntimeEnvironment,
  account: string,
  names?: SetNames,
): Promise<RewardPair[]> {
  const registry = await restakingRegistry(hre);
  const sets = await operatorSets(hre);
  const operators = [...new Set((await stakedPools(registry, account)).map((p) => p.operator))];
  if (!operators.includes(account) && (await registry.isOperator(account))) operators.push(account);
  const pairs: RewardPair[] = [];
  for (const operator of operators) {
    const events = await sets.queryFilter(sets.filters.AllocationUpdated(undefined, operator), await scanStart());
    for (const setId of new Set(events.map((e) => e.args.setId))) {
      pairs.push({ operator, setId, set: names?.byId.get(setId)?.name ?? null });
    }
  }
  return pairs;
}

/** The argument lists of `claim` (and `claimable`) for `pairs`. */
const claimArgs = (pairs: RewardPair[]): [string[], bigint[]] => [
  pairs.map((p) => p.operator),
  pairs.map((p) => p.setId),
];

/**
 * What `claim` would pay `account` now: 0 when it would be refused (nothing to pay, no walk to move on) or would pay
 * nothing (it would only move a walk on, over rewards of less than a wei so far); the tasks send no such claim.
 */
async function simulateClaim(
  hre: HardhatRuntimeEnvironment,
  rewards: RewardsDistributor,
  account: string,
  pairs: RewardPair[],
  names?: SetNames,
): Promise<bigint> {
  try {
    return await rewards.connect(hre.ethers.provider).claim.staticCall(...claimArgs(pairs), { from: account });
  } catch (error) {
    const reason = revertReason(error);
    if (reason === "RewardsZeroAmount()") return 0n;
    if (reason === undefined) throw error;
    fail(`the contract refused the claim: ${readableReason(reason, names)}`);
  }
}

async function pendingRewards(
  hre: HardhatRuntimeEnvironment,
  account: string,
  names: SetNames,
): Promise<PendingRewards> {
  const registry = await restakingRegistry(hre);
  const rewards = await rewardsDistributor(hre);
  const pairs = await rewardPairs(hre, account, names);
  const owedScaled = await rewards.owedScaled(account);
  return {
    account,
    claimable: await simulateClaim(hre, rewards, account, pairs, names),
    owedScaled,
    owed: owedScaled / (await rewards.SCALE()),
    settled: await rewards.claimable(account, ...claimArgs(pairs)),
    pairs,
    isOperator: await registry.isOperator(account),
    isTreasury: (await rewards.treasury()) === account,
  };
}

areaTask(
  "rewards pending",
  "Shows what an account can claim (staking rewards, operator commission, treasury share): the claim simulated, " +
    "what is owed already, and the (operator, set) pairs it claims over",
)
  .addOptionalParam("account", "Account (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { account?: string; json: boolean }, hre) => {
    const account =
      args.account === undefined ? await (await signerFor(hre)).getAddress() : parseAddress(args.account, "--account");
    const names = await setNames(hre);
    const pending = await pendingRewards(hre, account, names);
    return output(args.json, pending, () => [
      `${account} can claim ${formatAlt(pending.claimable)} (${pending.claimable} wei)` +
        (pending.isTreasury ? " as the treasury" : pending.isOperator ? " (operator: commission included)" : ""),
      `  owed ${formatAlt(pending.owed)}, claimable before settling ${formatAlt(pending.settled)}`,
      ...pending.pairs.map((p) => `  operator ${p.operator} set ${formatSetId(p.setId, names)}`),
    ]);
  });

areaTask(
  "rewards claim",
  "Claims the sender's rewards over every (operator, set) pair it has rewards in, settling them first; the claim is " +
    "simulated first, and not sent when it would pay nothing",
)
  .addOptionalParam("from", "Acting account (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { from?: string; json: boolean }, hre) => {
    const signer = await signerFor(hre, args.from);
    const account = await signer.getAddress();
    const rewards = await rewardsDistributor(hre);
    const names = await setNames(hre);
    const pairs = await rewardPairs(hre, account, names);
    if ((await simulateClaim(hre, rewards, account, pairs, names)) === 0n) fail(`nothing to claim for ${account}`);
    const tx = await confirm(rewards.connect(signer).claim(...claimArgs(pairs)), await refusalExplainer(hre, names));
    const [claimed] = await eventsOf(hre, tx, rewards, "Claimed");
    const result = { account, amount: claimed.args.amount as bigint, pairs, tx };
    return output(args.json, result, () => [txLine(`claimed ${formatAlt(result.amount)} for ${account}`, tx)]);
  });

export interface SettleResult {
  operator: string;
  setId: bigint;
  /** The set's short name ("MACH/5002"), null for a set no service of the deployment knows. */
  set: string | null;
  /** The epochs settled: [from, until). */
  from: bigint;
  until: bigint;
  /** The current epoch: settled up to it (exclusive) unless the walk stopped early. */
  currentEpoch: bigint;
  /** Owed to the operator (commission, and what its stakers' units could not take), scaled. */
  toOperatorScaled: bigint;
  /** Its stakers' part, scaled. */
  toStakersScaled: bigint;
  tx: { hash: string; gasUsed: string; block: number };
}

areaTask(
  "rewards settle",
  "Settles an operator's earnings in a set up to the current epoch (permissionless, for keepers: a claim settles its " +
    "own pairs); --steps bounds the changes of its allocation and of its stakers' units walked (a longer history " +
    "takes several calls)",
)
  .addParam("operator", "The operator")
  .addParam("set", "The operator set: SERVICE/CHAINID (e.g. MACH/5002), decimal or 0x hex (rewards pending lists them)")
  .addOptionalParam("steps", "Most changes walked of each history (default: CLAIM_STEPS, 64)")
  .addOptionalParam("from", "Acting account (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { operator: string; set: string; steps?: string; from?: string; json: boolean }, hre) => {
    const registry = await restakingRegistry(hre);
    const sets = await operatorSets(hre);
    const rewards = await rewardsDistributor(hre);
    const operator = await parseOperator(registry, args.operator);
    const names = await setNames(hre);
    const setId = await parseSetId(hre, args.set, "--set", names);
    const steps =
      args.steps === undefined ? await rewards.CLAIM_STEPS() : parseWhole(args.steps, "--steps", { positive: true });
    const signer = await signerFor(hre, args.from);
    try {
      await sets.setConfig(setId);
    } catch (error) {
      if (revertReason(error) === undefined) throw error;
      fail(`there is no operator set ${formatSetId(setId, names)}`);
    }
    const settledUntil = await rewards.settledUntil(operator, setId);
    const currentEpoch = await sets.currentEpoch();
    if (settledUntil >= currentEpoch) {
      fail(
        `nothing to settle: ${operator} is settled in set ${formatSetId(setId, names)} up to the current epoch ` +
          `${currentEpoch} (an epoch settles once it is over)`,
      );
    }
    const tx = await confirm(
      rewards.connect(signer).settle(operator, setId, steps),
      await refusalExplainer(hre, names),
    );
    const [settled] = await eventsOf(hre, tx, rewards, "Settled");
    const result: SettleResult = {
      operator,
      setId,
      set: names.byId.get(setId)?.name ?? null,
      from: settled.args.from,
      until: settled.args.until,
      currentEpoch,
      toOperatorScaled: settled.args.toOperatorScaled,
      toStakersScaled: settled.args.toStakersScaled,
      tx,
    };
    const scale = await rewards.SCALE();
    const left = currentEpoch - result.until;
    return output(args.json, result, () => [
      txLine(
        `settled ${operator} in set ${formatSetId(setId, names)}, epochs ${result.from} to ${result.until - 1n}: ` +
          `${formatAlt(result.toOperatorScaled / scale)} to the operator, ` +
          `${formatAlt(result.toStakersScaled / scale)} to its stakers` +
          (left > 0n ? `; ${left} epoch(s) left, run it again` : ""),
        tx,
      ),
    ]);
  });
