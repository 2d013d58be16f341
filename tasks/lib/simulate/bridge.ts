// The rollups' users on the bridge: each rollup has a few users who deposit ETH and ALT to its portal (queued, and
// credited on L2 once a batch includes them), withdraw on L2 (each output commits to the cumulative withdrawals tree up
// to its block), and claim on L1: ALT fast against a MACH-certified output when the portal's fast limit allows (the claim
// simulated first), everything else once an output covering it is Finalized. The L2 is a model (balances, withdrawals),
// the L1 side is the real portal; its holdings are checked against what it owes. An ephemeral rollup's last output
// withdraws every balance; one of its users claims only after the rollup retired, and a deposit it never included is
// refunded then (the escape hatch).
import { Interface, MaxUint256, ZeroAddress, type LogDescription } from "ethers";
import type { AltToken, Portal } from "../../../typechain-types";
import { leafOf, treeAt, withdrawalHash, WithdrawalsTree, type L2Withdrawal } from "../withdrawals";
import type { CallTarget, MinedReceipt } from "./chain";
import { OUTPUT, type Ledger, type OutputRecord } from "./ledger";
import type { BridgeAsset, BridgeReport, BridgeRow, FastOutputRow, LatencyRow, ScriptedKind } from "./report";
import { Names, Rng } from "./rng";

/** Bridge users per rollup. */
export const BRIDGE_USERS = 3;
const ALT = 10n ** 18n;
const ETH = 10n ** 18n;
/** ALT each bridge user holds on L1 at the start (funded at setup). */
export const BRIDGE_USER_ALT = 200_000n * ALT;

/** What the bridge needs of the simulation. */
export interface BridgeHost {
  ledger: Ledger;
  token: AltToken;
  actor(address: string): Promise<void>;
  call(from: string, contract: CallTarget, fn: string, args: unknown[], action: string, value?: bigint): Promise<void>;
  simulate(from: string, contract: CallTarget, fn: string, args: unknown[]): Promise<string | undefined>;
  note(kind: ScriptedKind, detail: string): void;
  /** The run's epoch of a timestamp. */
  epochOf(t: number): number;
}

/** One rollup as the bridge sees it. */
export interface BridgeRollup {
  name: string;
  address: string;
  portal: Portal;
  interval: bigint;
  optimistic: boolean;
  /** Expiry timestamp (0: permanent). */
  expiry: number;
}

interface Deposit {
  queueIndex: bigint;
  from: string;
  to: string;
  token: string;
  amount: bigint;
}

interface Made extends L2Withdrawal {
  /** When it was made (the step before the output that first commits to it). */
  madeAt: number;
  /** Claimed only once the rollup retired (one user of an ephemeral rollup: the escape hatch's claim). */
  late: boolean;
  /** When and how it was claimed, and whether its rollup had retired by then. */
  claimed?: { at: number; fast: boolean; retired: boolean };
}

interface L2 {
  r: BridgeRollup;
  users: string[];
  balances: Map<string, Record<BridgeAsset, bigint>>;
  /** Deposits queued and not included yet, in queue order. */
  queued: Deposit[];
  deposits: number;
  included: number;
  refunded: number;
  withdrawals: Made[];
  /** Withdrawals refused a fast claim at least once (PortalFastLimit). */
  fastRefused: Set<string>;
  /** ALT claimed fast, by output (`index:root`: an index is reused after an invalidation). */
  fastUsed: Map<string, bigint>;
  /** The scripted forged withdrawal (the bad output's), once proposed, and whether its claim was tried. */
  forged?: { w: L2Withdrawal; output: number; tried: boolean };
  /** Its final output's withdrawals are made (an ephemeral rollup settling). */
  drained: boolean;
  /** Its escape hatch is noted (retired, every withdrawal claimed, every deposit included or refunded). */
  escaped: boolean;
}

const ASSETS: BridgeAsset[] = ["ETH", "ALT"];

export class Bridge {
  private readonly rng: Rng;
  private readonly names: Names;
  private readonly l2 = new Map<string, L2>();
  /** The same models by portal address (lower case). */
  private readonly byPortal = new Map<string, L2>();
  private readonly portalInterface: Interface;
  private readonly rollupInterface: Interface;
  private readonly alt: string;
  private readonly latencies: { rollup: string; path: LatencyRow["path"]; seconds: number }[] = [];
  /** The withdrawal whose `FastWithdrawal` the portal just emitted (its `WithdrawalClaimed` follows). */
  private fastHash?: string;

  constructor(
    private readonly host: BridgeHost,
    seed: string,
    rollups: BridgeRollup[],
    portalInterface: Interface,
    rollupInterface: Interface,
  ) {
    // a stream of its own: the rest of the run draws what it drew before the bridge existed
    this.rng = new Rng(`${seed}:bridge`);
    this.names = new Names(seed);
    this.portalInterface = portalInterface;
    this.rollupInterface = rollupInterface;
    this.alt = host.token.target as string;
    rollups.forEach((r, k) => {
      const users = [...Array(BRIDGE_USERS).keys()].map((j) => this.names.address(`bridge-user:${k}:${j}`));
      const l2: L2 = {
        r,
        users,
        balances: new Map(users.map((u) => [u, { ETH: 0n, ALT: 0n }])),
        queued: [],
        deposits: 0,
        included: 0,
        refunded: 0,
        withdrawals: [],
        fastRefused: new Set(),
        fastUsed: new Map(),
        drained: false,
        escaped: false,
      };
      this.l2.set(r.address.toLowerCase(), l2);
      this.byPortal.set((r.portal.target as string).toLowerCase(), l2);
    });
  }

  /** Each user is funded with ALT by `funder` and approves its rollup's portal (for good: ALT claimed back is deposited
   *  again). */
  async setup(funder: string) {
    for (const { r, users } of this.l2.values()) {
      for (const user of users) {
        await this.host.actor(user);
        await this.host.call(funder, this.host.token, "transfer", [user, BRIDGE_USER_ALT], "setup: fund actor");
        await this.host.call(user, this.host.token, "approve", [r.portal.target, MaxUint256], "setup: approve");
      }
    }
  }

  private of(rollup: string): L2 {
    return this.l2.get(rollup.toLowerCase())!;
  }

  /**
   * Each user of each rollup that takes deposits at `t` (`open`) deposits with even odds: ETH (0.1 to 5) or ALT (1,000
   * to 20,000, what it still holds on L1). `late`: only ephemeral rollups, one deposit each (after their last batch
   * before expiry: never included, refunded after retirement).
   */
  async deposits(open: (address: string) => boolean, late = false) {
    for (const l2 of this.l2.values()) {
      if (!open(l2.r.address) || (late && l2.r.expiry === 0)) continue;
      for (const user of late ? l2.users.slice(0, 1) : l2.users) {
        if (!late && !this.rng.chance(0.5)) continue;
        if (this.rng.chance(0.4)) {
          const amount = (ETH * this.rng.logUniform(100, 5_000)) / 1_000n;
          await this.host.call(user, l2.r.portal, "depositETH", [user], "bridge: deposit ETH", amount);
        } else {
          const held = await this.host.token.balanceOf(user);
          const amount = this.rng.logUniform(1_000, 20_000) * ALT;
          if (amount > held) continue;
          await this.host.call(user, l2.r.portal, "depositERC20", [this.alt, amount, user], "bridge: deposit ALT");
        }
      }
    }
  }

  /** Queue items `rollup`'s next batch must include: every deposit queued and not included yet. */
  pending(rollup: string): number {
    return this.of(rollup)?.queued.length ?? 0;
  }

  /**
   * Users withdraw on L2 in the epoch's block (the rollup's output interval times the epoch: the block its output of
   * the epoch covers when none was delayed), each with odds 0.4: a random part of one asset.
   */
  withdraw(e: number, t: number, live: (address: string) => boolean) {
    for (const l2 of this.l2.values()) {
      if (!live(l2.r.address) || l2.drained) continue;
      for (const user of l2.users) {
        if (!this.rng.chance(0.4)) continue;
        const balance = l2.balances.get(user)!;
        const held = ASSETS.filter((a) => balance[a] !== 0n);
        if (held.length === 0) continue;
        const asset = this.rng.pick(held);
        const part = this.rng.chance(0.3) ? balance[asset] : (balance[asset] * BigInt(1 + this.rng.int(9))) / 10n;
        if (part !== 0n) this.make(l2, user, asset, part, l2.r.interval * BigInt(e), t);
      }
    }
  }

  /**
   * An ephemeral rollup's final output, at `l2Block`, commits to every balance withdrawn: its users all get out. The
   * last user claims only after the rollup retired.
   */
  drain(rollup: string, l2Block: bigint, t: number) {
    const l2 = this.of(rollup);
    if (l2.drained) return;
    l2.drained = true;
    for (const user of l2.users) {
      const balance = l2.balances.get(user)!;
      for (const asset of ASSETS) {
        if (balance[asset] !== 0n) this.make(l2, user, asset, balance[asset], l2Block, t, user === l2.users.at(-1));
      }
    }
  }

  private make(l2: L2, user: string, asset: BridgeAsset, amount: bigint, l2Block: bigint, t: number, late = false) {
    l2.balances.get(user)![asset] -= amount;
    l2.withdrawals.push({
      nonce: BigInt(l2.withdrawals.length),
      l2Block,
      sender: user,
      recipient: user,
      token: asset === "ETH" ? ZeroAddress : this.alt,
      amount,
      madeAt: t,
      late,
    });
  }

  /** The withdrawals root of `rollup`'s output at `l2Block`: every withdrawal made in blocks up to it. */
  withdrawalsRoot(rollup: string, l2Block: bigint): string {
    return treeAt(this.of(rollup).withdrawals, l2Block).root;
  }

  /**
   * The root a lying proposer commits to at `l2Block`: the true withdrawals and one it forges, to itself, of all the
   * ALT the portal holds (what it could pay). It is never paid: nobody certifies the false output, and VITAL
   * invalidates it.
   */
  async forgedRoot(rollup: string, l2Block: bigint, liar: string, output: number): Promise<string> {
    const l2 = this.of(rollup);
    const held = await this.host.token.balanceOf(l2.r.portal.target);
    const amount = held === 0n ? 1n : held;
    const w: L2Withdrawal = { nonce: 1n << 64n, l2Block, sender: liar, recipient: liar, token: this.alt, amount };
    l2.forged = { w, output, tried: false };
    return this.forgedTree(l2).root;
  }

  private forgedTree(l2: L2) {
    const honest = treeAt(l2.withdrawals, l2.forged!.w.l2Block).withdrawals;
    return new WithdrawalsTree([...honest, l2.forged!.w]);
  }

  /** Folds the portals' and rollups' bridge events of `mined` into the model. */
  observe(mined: MinedReceipt[]) {
    for (const { receipt, time } of mined) {
      for (const log of receipt.logs) {
        const l2 = this.l2.get(log.address.toLowerCase());
        const portal = this.byPortal.get(log.address.toLowerCase());
        if (l2 !== undefined) {
          const event = this.parse(this.rollupInterface, log);
          if (event?.name === "TransactionsIncluded") {
            this.include(l2, event.args.firstQueueIndex, Number(event.args.count));
          }
        } else if (portal !== undefined) {
          const event = this.parse(this.portalInterface, log);
          if (event !== undefined) this.apply(portal, event, time);
        }
      }
    }
  }

  private parse(abi: Interface, log: { topics: string[]; data: string }): LogDescription | undefined {
    try {
      return abi.parseLog(log) ?? undefined;
    } catch {
      return undefined;
    }
  }

  /** A batch included `count` queued deposits from queue item `first`: their amounts are credited on L2. */
  private include(l2: L2, first: bigint, count: number) {
    if (count > l2.queued.length || (count !== 0 && l2.queued[0].queueIndex !== first)) {
      throw new Error(`${l2.r.name} included ${count} items from ${first}: not its queued deposits`);
    }
    for (const d of l2.queued.splice(0, count)) {
      l2.balances.get(d.to)![d.token === ZeroAddress ? "ETH" : "ALT"] += d.amount;
      l2.included++;
    }
  }

  private apply(l2: L2, event: LogDescription, time: number) {
    const a = event.args;
    switch (event.name) {
      case "DepositInitiated":
        l2.queued.push({ queueIndex: a.queueIndex, from: a.from, to: a.to, token: a.token, amount: a.amount });
        l2.deposits++;
        break;
      case "DepositRefunded":
        l2.queued = l2.queued.filter((d) => d.queueIndex !== a.queueIndex);
        l2.refunded++;
        break;
      case "FastWithdrawal":
        this.fastHash = a.withdrawalHash;
        break;
      case "WithdrawalClaimed": {
        const w = l2.withdrawals[Number(a.nonce)];
        if (w === undefined || withdrawalHash(w) !== a.withdrawalHash) throw new Error(`unknown withdrawal ${a.nonce}`);
        const fast = this.fastHash === a.withdrawalHash;
        this.fastHash = undefined;
        const record = this.host.ledger.rollup(l2.r.address);
        w.claimed = { at: time, fast, retired: record.retired };
        if (fast) {
          const key = `${a.outputIndex}:${record.outputs[Number(a.outputIndex)].root}`;
          l2.fastUsed.set(key, (l2.fastUsed.get(key) ?? 0n) + w.amount);
        }
        const path = fast ? "fast (MACH)" : l2.r.optimistic ? "normal (challenge period)" : "normal (validity proof)";
        if (!w.late) this.latencies.push({ rollup: l2.r.name, path, seconds: time - w.madeAt });
        break;
      }
    }
  }

  /**
   * Users claim what they can at `t` on each rollup not paused: against a Finalized output covering the withdrawal, or
   * for ALT against a FastFinalized one (the claim simulated first: a refusal for the fast limit waits for finality).
   * A retired rollup's deposits never included are refunded. The forged withdrawal's claim is tried once (refused).
   */
  async claims(t: number, paused: (address: string) => boolean) {
    for (const l2 of this.l2.values()) {
      if (paused(l2.r.address)) continue;
      const record = this.host.ledger.rollup(l2.r.address);
      const trees = new Map<number, WithdrawalsTree>();
      const treeOf = (index: number, o: OutputRecord) => {
        if (!trees.has(index)) {
          const tree = treeAt(l2.withdrawals, o.l2BlockNumber);
          if (tree.root !== o.proof.withdrawalsRoot) throw new Error(`${l2.r.name} output ${index}: another root`);
          trees.set(index, tree);
        }
        return trees.get(index)!;
      };
      for (const w of l2.withdrawals) {
        if (w.claimed !== undefined || (w.late && !record.retired)) continue;
        const covering = record.outputs
          .map((o, index) => ({ o, index }))
          .filter(({ o }) => o.l2BlockNumber >= w.l2Block && o.status !== OUTPUT.Proposed);
        const final = covering.find(({ o }) => o.status === OUTPUT.Finalized);
        const fast = w.token === this.alt ? covering.find(({ o }) => o.status === OUTPUT.FastFinalized) : undefined;
        const use = final ?? fast;
        if (use === undefined) continue;
        const leaf = leafOf(w);
        const args = [leaf, use.index, use.o.proof, treeOf(use.index, use.o).proof(leaf), w.recipient];
        if (use === fast) {
          const refusal = await this.host.simulate(w.recipient, l2.r.portal, "claimWithdrawal", args);
          if (refusal?.startsWith("PortalFastLimit")) {
            l2.fastRefused.add(withdrawalHash(leaf));
            continue;
          }
        }
        const action = use === fast ? "bridge: claim withdrawal (fast)" : "bridge: claim withdrawal";
        await this.host.call(w.recipient, l2.r.portal, "claimWithdrawal", args, action);
      }
      if (l2.forged !== undefined && !l2.forged.tried) await this.tryForged(l2, record.outputs[l2.forged.output]);
      if (record.retired) {
        for (const d of [...l2.queued]) {
          const deposit = { from: d.from, to: d.to, token: d.token, amount: d.amount };
          await this.host.call(
            d.from,
            l2.r.portal,
            "refundDeposit",
            [d.queueIndex, deposit, d.from],
            "bridge: refund deposit",
          );
        }
      }
    }
  }

  /** The liar tries to claim its forged withdrawal against its false output (simulated: refused), once. */
  private async tryForged(l2: L2, output: OutputRecord | undefined) {
    const f = l2.forged!;
    if (output === undefined) return;
    f.tried = true;
    const leaf = leafOf(f.w);
    const args = [leaf, f.output, output.proof, this.forgedTree(l2).proof(leaf), f.w.recipient];
    const refusal = await this.host.simulate(f.w.recipient, l2.r.portal, "claimWithdrawal", args);
    if (!refusal?.startsWith("PortalOutputNotFinalized(")) {
      throw new Error(`the forged withdrawal of ${l2.r.name} was not refused for its output: ${refusal ?? "paid"}`);
    }
    this.host.note(
      "forged-withdrawal",
      `the false output #${f.output} of ${l2.r.name} commits to a forged withdrawal of ${fmt(f.w.amount)} ALT to its ` +
        `proposer (all its portal holds): its claim is refused, ${refusal}; nobody certified the output`,
    );
  }

  /**
   * Notes a retired rollup's escape hatch once all its users are out: every withdrawal claimed, every deposit it never
   * included refunded (then what its portal still holds).
   */
  async escapeHatch(rollup: string) {
    const l2 = this.of(rollup);
    if (l2.escaped || !this.host.ledger.rollup(rollup).retired) return;
    if (l2.queued.length !== 0 || l2.withdrawals.some((w) => w.claimed === undefined)) return;
    l2.escaped = true;
    const held = await this.held(l2);
    const after = l2.withdrawals.filter((w) => w.claimed!.retired).length;
    this.host.note(
      "escape-hatch",
      `${l2.r.name} retired: all ${l2.withdrawals.length} withdrawals claimed (${after} after retirement), ` +
        `${l2.refunded} deposit(s) never included refunded; its portal holds ${fmt(held.ETH)} ETH and ` +
        `${fmt(held.ALT)} ALT`,
    );
  }

  private async held(l2: L2): Promise<Record<BridgeAsset, bigint>> {
    const portal = l2.r.portal.target as string;
    const provider = l2.r.portal.runner!.provider!;
    return { ETH: await provider.getBalance(portal), ALT: await this.host.token.balanceOf(portal) };
  }

  /** What the portal owes per asset: L2 balances, withdrawals not claimed, deposits not included (nor refunded). */
  private owed(l2: L2): Record<BridgeAsset, bigint> {
    const owed = { ETH: 0n, ALT: 0n };
    const asset = (token: string): BridgeAsset => (token === ZeroAddress ? "ETH" : "ALT");
    for (const b of l2.balances.values()) for (const a of ASSETS) owed[a] += b[a];
    for (const w of l2.withdrawals) if (w.claimed === undefined) owed[asset(w.token)] += w.amount;
    for (const d of l2.queued) owed[asset(d.token)] += d.amount;
    return owed;
  }

  async report(): Promise<BridgeReport> {
    const rollups: BridgeRow[] = [];
    const fastOutputs: FastOutputRow[] = [];
    let fastRefused = 0;
    for (const l2 of this.l2.values()) {
      const held = await this.held(l2);
      const owed = this.owed(l2);
      const claimed = l2.withdrawals.filter((w) => w.claimed !== undefined);
      rollups.push({
        rollup: l2.r.name,
        deposits: l2.deposits,
        included: l2.included,
        refunded: l2.refunded,
        withdrawals: l2.withdrawals.length,
        claimedFast: claimed.filter((w) => w.claimed!.fast).length,
        claimedNormal: claimed.filter((w) => !w.claimed!.fast).length,
        unclaimed: l2.withdrawals.length - claimed.length,
        held: { ETH: held.ETH.toString(), ALT: held.ALT.toString() },
        owed: { ETH: owed.ETH.toString(), ALT: owed.ALT.toString() },
      });
      fastRefused += l2.fastRefused.size;
      this.host.ledger.rollup(l2.r.address).outputs.forEach((o, output) => {
        const used = l2.fastUsed.get(`${output}:${o.root}`);
        if (o.fastLimit === 0n && used === undefined) return;
        fastOutputs.push({
          rollup: l2.r.name,
          output,
          epoch: this.host.epochOf(o.proposedAt),
          limit: o.fastLimit.toString(),
          used: (used ?? 0n).toString(),
        });
      });
    }
    const paths: LatencyRow["path"][] = ["fast (MACH)", "normal (challenge period)", "normal (validity proof)"];
    const latency: LatencyRow[] = [];
    for (const { r } of this.l2.values()) {
      for (const path of paths) {
        const seconds = this.latencies.filter((l) => l.rollup === r.name && l.path === path).map((l) => l.seconds);
        if (seconds.length === 0) continue;
        seconds.sort((a, b) => a - b);
        const median = seconds[Math.floor((seconds.length - 1) / 2)];
        const [min, max] = [seconds[0], seconds[seconds.length - 1]];
        latency.push({ rollup: r.name, path, claims: seconds.length, min, median, max });
      }
    }
    return { rollups, latency, fastOutputs, fastRefused };
  }
}

/** Wei as a whole number of tokens, rounded down, with thousands separators. */
const fmt = (wei: bigint) => (wei / 10n ** 18n).toLocaleString("en-US");
