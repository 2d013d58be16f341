// Staker tasks: deposit, request an unstake, complete withdrawals, list positions.
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { confirm, fail, formatAlt, output, parseAddress, preflight, signerFor, txLine, areaTask } from "./lib/cli";
import { refusalExplainer } from "./lib/sets";
import type { TxReport } from "./lib/cli";
import { signPermit } from "./lib/signatures";
import {
  erc20,
  eventsOf,
  formatAsset,
  formatWhen,
  latestTime,
  listAssets,
  parseOperator,
  parseRoot,
  parseTokenUnits,
  parseWhole,
  requestedWithdrawals,
  toWithdrawal,
  resolveAsset,
  restakingRegistry,
  stakedPools,
  type AssetInfo,
  type RequestedWithdrawal,
  type Withdrawal,
} from "./lib/restaking";
import type { AltToken, RestakingRegistry } from "../typechain-types";

/** What `value` of `asset` counts for in ALT: its weight (1e18 = 1:1; ALT is 1:1). */
const altValueOf = (asset: AssetInfo, value: bigint) => (asset.id === 0 ? value : (value * asset.weight) / 10n ** 18n);

/** The registry's virtual shares and assets: a pool share is worth (totalAssets + 1) / (totalShares + 1e6). */
const VIRTUAL_SHARES = 10n ** 6n;
const VIRTUAL_ASSETS = 1n;

/** How long a permit signed by stake deposit stays valid. */
const PERMIT_LIFETIME = 3600;

export type DepositMethod = "stake" | "permit" | "approve";

export interface DepositResult {
  staker: string;
  operator: string;
  assetId: number;
  symbol: string;
  amount: bigint;
  shares: bigint;
  /** stake: the allowance sufficed; permit: stakeWithPermit (ALT); approve: an approval was sent first. */
  method: DepositMethod;
  approveTx: TxReport | null;
  tx: TxReport;
}

export interface UnstakeRequestResult {
  root: string;
  staker: string;
  operator: string;
  assetId: number;
  symbol: string;
  shares: bigint;
  /** What the shares are worth now; what is paid is their value at completion (after any slash). */
  value: bigint;
  unlockAt: number;
  withdrawal: Withdrawal;
  tx: TxReport;
}

export interface CompletedWithdrawal {
  root: string;
  operator: string;
  assetId: number;
  symbol: string;
  shares: bigint;
  amount: bigint;
  tx: TxReport;
}

export interface WaitingWithdrawal {
  root: string;
  operator: string;
  unlockAt: number;
  reason: "locked" | "operator jailed";
}

export interface CompleteResult {
  staker: string;
  completed: CompletedWithdrawal[];
  waiting: WaitingWithdrawal[];
}

export interface PoolPosition {
  operator: string;
  assetId: number;
  symbol: string;
  shares: bigint;
  /** What the shares are worth now, in the asset's units. */
  value: bigint;
  /** What `value` counts for in ALT (the asset's weight; ALT is 1:1). */
  altValue: bigint;
}

export interface PendingWithdrawal {
  root: string;
  operator: string;
  assetId: number;
  symbol: string;
  shares: bigint;
  value: bigint;
  /** What `value` counts for in ALT (the asset's weight; ALT is 1:1). */
  altValue: bigint;
  unlockAt: number;
  operatorJailed: boolean;
  ready: boolean;
}

export interface Positions {
  staker: string;
  pools: PoolPosition[];
  pending: PendingWithdrawal[];
}

const exactlyOne = (...given: boolean[]) => given.filter(Boolean).length === 1;

/** The shares whose value is at least `amount` at the pool's current price (rounded up). */
async function sharesFor(registry: RestakingRegistry, operator: string, assetId: number, amount: bigint) {
  const p = await registry.pool(operator, assetId);
  const numerator = amount * (p.totalShares + VIRTUAL_SHARES);
  const denominator = p.totalAssets + VIRTUAL_ASSETS;
  return (numerator + denominator - 1n) / denominator;
}

/** Pending withdrawals of `staker` (requested, not completed), with whether each can complete now. */
async function pendingWithdrawals(registry: RestakingRegistry, staker: string, now: number) {
  const pending: (RequestedWithdrawal & { ready: boolean; jailed: boolean })[] = [];
  for (const r of await requestedWithdrawals(registry, { staker })) {
    if (!(await registry.isPendingWithdrawal(r.root))) continue;
    const jailed = await registry.isJailed(r.withdrawal.operator);
    pending.push({ ...r, jailed, ready: now >= Number(r.withdrawal.unlockAt) && !jailed });
  }
  return pending;
}

async function completeOne(
  hre: HardhatRuntimeEnvironment,
  registry: RestakingRegistry,
  signer: Awaited<ReturnType<typeof signerFor>>,
  assets: AssetInfo[],
  { root, withdrawal }: RequestedWithdrawal,
): Promise<CompletedWithdrawal> {
  const tx = await confirm(registry.connect(signer).completeUnstake(withdrawal), await refusalExplainer(hre));
  const [completed] = await eventsOf(hre, tx, registry, "UnstakeCompleted");
  const assetId = Number(withdrawal.assetId);
  return {
    root,
    operator: withdrawal.operator,
    assetId,
    symbol: assets[assetId].symbol,
    shares: withdrawal.shares,
    amount: completed.args.amount,
    tx,
  };
}

areaTask("stake deposit", "Stakes an asset with an operator (ALT by permit signature when the allowance is short)")
  .addParam("operator", "Operator address")
  .addParam("asset", "Asset id, token symbol or token address (ALT is asset 0)")
  .addParam("amount", "Amount in whole tokens (e.g. 1000 or 0.5)")
  .addFlag("approve", "Send an approval first when the allowance is short (needed for assets other than ALT)")
  .addOptionalParam("from", "Acting account, the staker (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(
    async (
      args: { operator: string; asset: string; amount: string; approve: boolean; from?: string; json: boolean },
      hre,
    ) => {
      const registry = await restakingRegistry(hre);
      const operator = await parseOperator(registry, args.operator);
      const asset = await resolveAsset(hre, registry, args.asset);
      const amount = parseTokenUnits(args.amount, asset.decimals, "--amount");
      const signer = await signerFor(hre, args.from);
      const staker = await signer.getAddress();
      const fmt = (wei: bigint) => formatAsset(asset, wei);

      // stake arriving after an offence must not pay for it: the registry refuses it while a slash request is pending
      const pendingSlashes = await registry.pendingSlashes(operator);
      if (pendingSlashes !== 0n) {
        fail(`${operator} is jailed by ${pendingSlashes} pending slash request(s): it takes no stake until they end`);
      }
      const token = await erc20(hre, asset.token);
      const balance = await token.balanceOf(staker);
      if (balance < amount)
        fail(`too little balance: ${staker} holds ${fmt(balance)}, the deposit needs ${fmt(amount)}`);
      if (asset.id !== 0 && asset.totalStaked + amount > asset.cap) {
        fail(
          `the ${asset.symbol} cap of ${fmt(asset.cap)} would be passed: ${fmt(asset.totalStaked)} staked, ${fmt(amount)} more asked`,
        );
      }
      const registryAddress = await registry.getAddress();
      const allowance = await token.allowance(staker, registryAddress);

      let method: DepositMethod = "stake";
      let approveTx: TxReport | null = null;
      let tx: TxReport;
      if (allowance >= amount) {
        tx = await confirm(registry.connect(signer).stake(operator, asset.id, amount), await refusalExplainer(hre));
      } else if (asset.id === 0 && !args.approve) {
        const alt = (await hre.ethers.getContractAt("AltToken", asset.token)) as unknown as AltToken;
        const deadline = BigInt((await latestTime(hre)) + PERMIT_LIFETIME);
        let signature;
        try {
          const nonce = await alt.nonces(staker);
          signature = await signPermit(signer, alt, {
            owner: staker,
            spender: registryAddress,
            value: amount,
            nonce,
            deadline,
          });
        } catch (e) {
          fail(
            `too little allowance: ${staker} allows the registry ${fmt(allowance)} of the ${fmt(amount)} and cannot sign a permit (${(e as Error).message.split("\n")[0]}): pass --approve`,
          );
        }
        method = "permit";
        const { v, r, s } = signature;
        tx = await confirm(
          registry.connect(signer).stakeWithPermit(operator, amount, deadline, v, r, s),
          await refusalExplainer(hre),
        );
      } else if (args.approve) {
        method = "approve";
        // the stake cannot be simulated before the approval is mined; its preconditions are read above (operator
        // registered and not jailed, the balance, the asset's cap) and the approval simulated before it is sent
        await preflight(token.connect(signer).approve.staticCall(registryAddress, amount, { blockTag: "pending" }));
        approveTx = await confirm(token.connect(signer).approve(registryAddress, amount));
        tx = await confirm(registry.connect(signer).stake(operator, asset.id, amount), await refusalExplainer(hre));
      } else {
        fail(
          `too little allowance: ${staker} allows the registry ${fmt(allowance)} of the ${fmt(amount)} and ${asset.symbol} has no permit: approve it first or pass --approve`,
        );
      }
      const [staked] = await eventsOf(hre, tx, registry, "Staked");
      const result: DepositResult = {
        staker,
        operator,
        assetId: asset.id,
        symbol: asset.symbol,
        amount,
        shares: staked.args.shares,
        method,
        approveTx,
        tx,
      };
      return output(args.json, result, () => [
        ...(approveTx ? [txLine(`approved ${fmt(amount)} to the registry`, approveTx)] : []),
        txLine(
          `staked ${fmt(amount)} with ${operator} for ${result.shares} shares${method === "permit" ? " (permit)" : ""}`,
          tx,
        ),
      ]);
    },
  );

areaTask("stake request-unstake", "Queues shares of a pool for withdrawal; prints the withdrawal root and unlock time")
  .addParam("operator", "Operator address")
  .addParam("asset", "Asset id, token symbol or token address")
  .addOptionalParam("shares", "Number of shares to withdraw")
  .addOptionalParam(
    "amount",
    "Value to withdraw in whole tokens (converted to shares at the current price, rounded up)",
  )
  .addFlag("all", "Withdraw every active share of the pool")
  .addOptionalParam("from", "Acting account, the staker (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(
    async (
      args: {
        operator: string;
        asset: string;
        shares?: string;
        amount?: string;
        all: boolean;
        from?: string;
        json: boolean;
      },
      hre,
    ) => {
      if (!exactlyOne(args.shares !== undefined, args.amount !== undefined, args.all)) {
        fail("pass exactly one of --shares, --amount or --all");
      }
      const registry = await restakingRegistry(hre);
      const operator = await parseOperator(registry, args.operator);
      const asset = await resolveAsset(hre, registry, args.asset);
      const signer = await signerFor(hre, args.from);
      const staker = await signer.getAddress();
      const held = await registry.sharesOf(staker, operator, asset.id);

      let shares: bigint;
      let asked: string;
      if (args.shares !== undefined) {
        shares = parseWhole(args.shares, "--shares", { positive: true });
        asked = `${shares}`;
      } else if (args.amount !== undefined) {
        const amount = parseTokenUnits(args.amount, asset.decimals, "--amount");
        shares = await sharesFor(registry, operator, asset.id, amount);
        asked = `${shares} worth ${formatAsset(asset, amount)}`;
      } else {
        if (held === 0n) fail(`${staker} holds no ${asset.symbol} shares with ${operator}`);
        shares = held;
        asked = `${shares}`;
      }
      if (shares > held) {
        fail(`${staker} holds ${held} ${asset.symbol} shares with ${operator}, fewer than the ${asked} asked`);
      }
      const value = await registry.sharesToAmount(operator, asset.id, shares);

      const tx = await confirm(
        registry.connect(signer).requestUnstake(operator, asset.id, shares),
        await refusalExplainer(hre),
      );
      const now = await latestTime(hre);
      const [requested] = await eventsOf(hre, tx, registry, "UnstakeRequested");
      const withdrawal = toWithdrawal(requested.args.withdrawal);
      const result: UnstakeRequestResult = {
        root: (requested.args.root as string).toLowerCase(),
        staker,
        operator,
        assetId: asset.id,
        symbol: asset.symbol,
        shares,
        value,
        unlockAt: Number(withdrawal.unlockAt),
        withdrawal,
        tx,
      };
      return output(args.json, result, () => [
        txLine(
          `requested to unstake ${shares} ${asset.symbol} shares (${formatAsset(asset, value)} now) from ${operator}`,
          tx,
        ),
        `  root ${result.root}`,
        `  unlocks at ${formatWhen(result.unlockAt, now)}: then run stake complete --root ${result.root}`,
      ]);
    },
  );

areaTask("stake complete", "Completes unlocked withdrawals: one by --root, or --all of the sender's ready ones")
  .addOptionalParam("root", "Withdrawal root printed by stake request-unstake")
  .addFlag("all", "Complete every ready withdrawal of the sender")
  .addOptionalParam("from", "Acting account, the staker (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { root?: string; all: boolean; from?: string; json: boolean }, hre) => {
    if (!exactlyOne(args.root !== undefined, args.all)) fail("pass exactly one of --root or --all");
    const root = args.root === undefined ? undefined : parseRoot(args.root);
    const registry = await restakingRegistry(hre);
    const signer = await signerFor(hre, args.from);
    const staker = await signer.getAddress();
    const now = await latestTime(hre);
    const assets = await listAssets(hre, registry);

    let ready: RequestedWithdrawal[];
    const waiting: WaitingWithdrawal[] = [];
    if (root !== undefined) {
      const [found] = await requestedWithdrawals(registry, { root });
      if (!found) fail(`unknown withdrawal root ${root}`);
      const { withdrawal } = found;
      if (!(await registry.isPendingWithdrawal(root))) fail(`withdrawal ${root} is completed already`);
      if (withdrawal.staker !== staker) fail(`withdrawal ${root} belongs to ${withdrawal.staker}, not ${staker}`);
      if (now < Number(withdrawal.unlockAt))
        fail(`withdrawal ${root} unlocks at ${formatWhen(withdrawal.unlockAt, now)}`);
      if (await registry.isJailed(withdrawal.operator)) {
        fail(`withdrawal ${root} waits: its operator ${withdrawal.operator} has a pending slash request`);
      }
      ready = [found];
    } else {
      const pending = await pendingWithdrawals(registry, staker, now);
      if (pending.length === 0) fail(`${staker} has no pending withdrawals`);
      ready = pending.filter((p) => p.ready);
      for (const p of pending.filter((p) => !p.ready)) {
        const locked = now < Number(p.withdrawal.unlockAt);
        waiting.push({
          root: p.root,
          operator: p.withdrawal.operator,
          unlockAt: Number(p.withdrawal.unlockAt),
          reason: locked ? "locked" : "operator jailed",
        });
      }
      if (ready.length === 0) {
        const locked = waiting.filter((w) => w.reason === "locked").map((w) => w.unlockAt);
        const jailed = waiting.length - locked.length;
        const reasons = [
          ...(locked.length > 0 ? [`the next unlocks at ${formatWhen(Math.min(...locked), now)}`] : []),
          ...(jailed > 0 ? [`${jailed} wait for a pending slash of their operator`] : []),
        ];
        fail(`no withdrawal of ${staker} is ready (${pending.length} pending): ${reasons.join("; ")}`);
      }
    }

    // each completion is simulated before the first is sent: no --all stops half done on a refusal it could foresee
    for (const r of ready) {
      await preflight(registry.connect(signer).completeUnstake.staticCall(r.withdrawal, { blockTag: "pending" }));
    }
    const completed: CompletedWithdrawal[] = [];
    for (const r of ready) completed.push(await completeOne(hre, registry, signer, assets, r));
    const result: CompleteResult = { staker, completed, waiting };
    return output(args.json, result, () => [
      ...completed.map((c) =>
        txLine(`completed ${c.root}: ${formatAsset(assets[c.assetId], c.amount)} from ${c.operator}`, c.tx),
      ),
      ...waiting.map(
        (w) =>
          `  waiting ${w.root}: ${w.reason === "locked" ? `unlocks at ${formatWhen(w.unlockAt, now)}` : `operator ${w.operator} has a pending slash`}`,
      ),
    ]);
  });

areaTask("stake positions", "Lists a staker's pools (shares, value now) and pending withdrawals (unlock time, ready)")
  .addOptionalParam("staker", "Staker address (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { staker?: string; json: boolean }, hre) => {
    const registry = await restakingRegistry(hre);
    const staker =
      args.staker === undefined ? await (await signerFor(hre)).getAddress() : parseAddress(args.staker, "--staker");
    const assets = await listAssets(hre, registry);
    const now = await latestTime(hre);

    const pools: PoolPosition[] = [];
    for (const { operator, assetId } of await stakedPools(registry, staker)) {
      const shares = await registry.sharesOf(staker, operator, assetId);
      if (shares === 0n) continue;
      const id = Number(assetId);
      const value = await registry.sharesToAmount(operator, assetId, shares);
      pools.push({
        operator,
        assetId: id,
        symbol: assets[id].symbol,
        shares,
        value,
        altValue: altValueOf(assets[id], value),
      });
    }
    const pending: PendingWithdrawal[] = [];
    for (const p of await pendingWithdrawals(registry, staker, now)) {
      const w = p.withdrawal;
      const id = Number(w.assetId);
      const value = await registry.sharesToAmount(w.operator, w.assetId, w.shares);
      pending.push({
        root: p.root,
        operator: w.operator,
        assetId: id,
        symbol: assets[id].symbol,
        shares: w.shares,
        value,
        altValue: altValueOf(assets[id], value),
        unlockAt: Number(w.unlockAt),
        operatorJailed: p.jailed,
        ready: p.ready,
      });
    }
    const result: Positions = { staker, pools, pending };
    // what shares are worth, in their asset and, for an asset other than ALT, in ALT
    const worth = (p: { assetId: number; value: bigint; altValue: bigint }) =>
      formatAsset(assets[p.assetId], p.value) + (p.assetId === 0 ? "" : ` (${formatAlt(p.altValue)})`);
    return output(args.json, result, () => [
      `staker ${staker}`,
      ...(pools.length === 0 ? ["  no staked pools"] : []),
      ...pools.map((p) => `  pool ${p.operator} ${p.symbol}: ${p.shares} shares, ${worth(p)} now`),
      ...pending.map(
        (p) =>
          `  withdrawal ${p.root}: ${p.shares} ${p.symbol} shares from ${p.operator}, ${worth(p)} now, ` +
          (p.ready
            ? "ready"
            : p.operatorJailed && now >= p.unlockAt
              ? "waiting for a pending slash of the operator"
              : `unlocks at ${formatWhen(p.unlockAt, now)}`),
      ),
    ]);
  });
