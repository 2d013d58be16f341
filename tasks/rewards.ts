// Rewards tasks: what an account can claim, and claiming it (settling the account's pools on the way).
import { task } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { confirm, fail, formatAlt, output, parseAddress, signerFor, txLine } from "./lib/cli";
import { eventsOf, restakingRegistry, rewardsDistributor, stakedPools } from "./lib/restaking";

export interface RewardPool {
  operator: string;
  assetId: number;
  /** The account's active shares in the pool. */
  shares: bigint;
}

export interface PendingRewards {
  account: string;
  /** Whole wei claimable now: credited rewards (operator commission, treasury share, settled) plus unsettled pools. */
  claimable: bigint;
  /** Rewards credited to the account and not claimed, scaled by SCALE (1e18): fractions of a wei stay owed. */
  owedScaled: bigint;
  /** Whole wei of the credited rewards alone. */
  credited: bigint;
  /** What settling the pools adds to the claimable wei. */
  fromPools: bigint;
  pools: RewardPool[];
  isOperator: boolean;
  isTreasury: boolean;
}

/** The pools `account` holds active shares in (found from its registry Staked events), with their unsettled rewards. */
async function pendingRewards(hre: HardhatRuntimeEnvironment, account: string): Promise<PendingRewards> {
  const registry = await restakingRegistry(hre);
  const rewards = await rewardsDistributor(hre);
  const pools: RewardPool[] = [];
  for (const { operator, assetId } of await stakedPools(registry, account)) {
    const shares = await registry.sharesOf(account, operator, assetId);
    if (shares === 0n) continue; // every change of active shares settles the pool: nothing is left unsettled in it
    pools.push({ operator, assetId: Number(assetId), shares });
  }
  const owedScaled = await rewards.owedScaled(account);
  const claimable = await rewards.claimable(
    account,
    pools.map((p) => p.operator),
    pools.map((p) => p.assetId),
  );
  const credited = owedScaled / (await rewards.SCALE());
  return {
    account,
    claimable,
    owedScaled,
    credited,
    fromPools: claimable - credited,
    pools,
    isOperator: await registry.isOperator(account),
    isTreasury: (await rewards.treasury()) === account,
  };
}

task("rewards:pending", "Shows what an account can claim: staking rewards, operator commission, treasury share")
  .addOptionalParam("account", "Account (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { account?: string; json: boolean }, hre) => {
    const account =
      args.account === undefined ? await (await signerFor(hre)).getAddress() : parseAddress(args.account, "--account");
    const pending = await pendingRewards(hre, account);
    return output(args.json, pending, () => [
      `${account} can claim ${formatAlt(pending.claimable)} (${pending.claimable} wei)` +
        (pending.isTreasury ? " as the treasury" : pending.isOperator ? " (operator: commission included)" : ""),
      `  credited ${formatAlt(pending.credited)}, from staking pools ${formatAlt(pending.fromPools)}`,
      ...pending.pools.map((p) => `  pool ${p.operator} asset ${p.assetId}: ${p.shares} shares`),
    ]);
  });

task("rewards:claim", "Claims the sender's rewards, settling every pool it staked into")
  .addOptionalParam("from", "Acting account (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { from?: string; json: boolean }, hre) => {
    const signer = await signerFor(hre, args.from);
    const account = await signer.getAddress();
    const pending = await pendingRewards(hre, account);
    if (pending.claimable === 0n) fail(`nothing to claim for ${account}`);
    const rewards = await rewardsDistributor(hre);
    const tx = await confirm(
      rewards.connect(signer).claim(
        pending.pools.map((p) => p.operator),
        pending.pools.map((p) => p.assetId),
      ),
    );
    const [claimed] = await eventsOf(hre, tx, rewards, "Claimed");
    const result = { account, amount: claimed.args.amount as bigint, pools: pending.pools, tx };
    return output(args.json, result, () => [txLine(`claimed ${formatAlt(result.amount)} for ${account}`, tx)]);
  });
