// Random sequences over one ephemeral rollup's bridge — deposits of ETH and an ERC20, batches including them, L2
// withdrawals, honest and dishonest outputs (a dishonest one adds a withdrawal of 1,000 ETH to the attacker), finality
// (the model's VITAL invalidates every dishonest output before its challenge period ends), claims of any withdrawal
// (the attacker's too), time jumps, and after the rollup retires the refund of every deposit it never included —
// against a model of the L2. Every claim's outcome is predicted (paid, or the exact refusal), and after every step, per
// asset:
//   the portal holds exactly what was deposited less what was claimed and refunded, which is exactly what it owes:
//   the L2 balances of included deposits + the withdrawals not claimed + the deposits neither included nor refunded
//   ("portal assets ≥ claims on finalized outputs + unpaid deposits", with equality on an honest L2);
//   the attacker's withdrawals are never paid.
// PROPERTY_RUNS changes the number of runs (default 10); PROPERTY_SEED=<seed> PROPERTY_PATH=<path> reproduce a failure.
import { expect } from "chai";
import { ethers } from "hardhat";
import fc from "fast-check";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { id, parseEther, ZeroAddress } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { MockERC20, Portal } from "../../typechain-types";
import { DAY, HOUR } from "../helpers/time";
import { createRollup, deployRollups } from "../helpers/rollups";
import { coverageRunning } from "../helpers/coverage";
import { outputRootOf } from "../../tasks/lib/rollups";
import { treeAt, withdrawalHash, type L2Withdrawal } from "../../tasks/lib/withdrawals";

const RUNS = Number(process.env.PROPERTY_RUNS ?? 10);
const SEED = process.env.PROPERTY_SEED === undefined ? undefined : Number(process.env.PROPERTY_SEED);
const PATH = process.env.PROPERTY_PATH;

const CHALLENGE = 7 * DAY;
const WINDOW = 7 * DAY;
const LIFETIME = 40 * DAY;
const INTERVAL = 1_800n;
const USERS = 4;
const STOLEN = parseEther("1000");
const OutputStatus = { Proposed: 1n, FastFinalized: 2n, Finalized: 3n } as const;

type Action =
  | { kind: "deposit"; user: number; erc20: boolean; amount: bigint }
  | { kind: "batch" }
  | { kind: "withdraw"; user: number; erc20: boolean; percent: number; to: number }
  | { kind: "propose"; honest: boolean }
  | { kind: "finality" }
  | { kind: "claim"; pick: number; byRecipient: boolean }
  | { kind: "warp"; seconds: number };

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  fc.record({
    kind: fc.constant("deposit" as const),
    user: fc.nat(USERS - 1),
    erc20: fc.boolean(),
    amount: fc.bigInt(1n, parseEther("5")),
  }),
  fc.record({ kind: fc.constant("batch" as const) }),
  fc.record({
    kind: fc.constant("withdraw" as const),
    user: fc.nat(USERS - 1),
    erc20: fc.boolean(),
    percent: fc.integer({ min: 1, max: 100 }),
    to: fc.nat(USERS - 1),
  }),
  fc.record({ kind: fc.constant("propose" as const), honest: fc.boolean() }),
  fc.record({ kind: fc.constant("finality" as const) }),
  fc.record({ kind: fc.constant("claim" as const), pick: fc.nat(1_000), byRecipient: fc.boolean() }),
  fc.record({ kind: fc.constant("warp" as const), seconds: fc.integer({ min: HOUR, max: 8 * DAY }) }),
);

describe("Bridge properties (random sequences against a model of the L2)", function () {
  async function bridgeFixture() {
    const d = await deployRollups();
    const [creator, ...rest] = d.users;
    const users = rest.slice(0, USERS);
    const attacker = d.users[5];
    const expiry = (await time.latest()) + LIFETIME;
    const rollup = await createRollup(d, creator, { chainId: 8001, salt: id("bridge-property"), expiry });
    const portal = (await ethers.getContractAt("Portal", await rollup.portal())) as unknown as Portal;
    const token = (await ethers.deployContract("MockERC20", ["Bridged", "BRG"])) as unknown as MockERC20;
    for (const user of users) {
      await (await token.mint(user.address, parseEther("1000"))).wait();
      await (await token.connect(user).approve(await portal.getAddress(), ethers.MaxUint256)).wait();
    }
    return { d, creator, users, attacker, expiry, rollup, portal, token, tokenAddress: await token.getAddress() };
  }
  type Fixture = Awaited<ReturnType<typeof bridgeFixture>>;

  interface Deposit {
    index: bigint;
    from: string;
    to: string;
    token: string;
    amount: bigint;
    included: boolean;
    refunded: boolean;
  }
  interface Output {
    index: bigint;
    l2Block: bigint;
    withdrawals: L2Withdrawal[];
    honest: boolean;
    proposedAt: number;
    finalized: boolean;
    proof: { withdrawalsRoot: string; batchRoot: string; parentRoot: string };
  }
  interface Model {
    deposits: Deposit[];
    /** L2 balances: `${account}:${token}`. */
    l2: Map<string, bigint>;
    withdrawals: L2Withdrawal[];
    outputs: Output[];
    claimed: Set<string>;
    /** Per token: deposited, claimed, refunded. */
    flows: Map<string, { deposited: bigint; claimed: bigint; refunded: bigint }>;
    settled: boolean;
  }

  const key = (account: string, token: string) => `${account}:${token}`;
  /** How often the runs reached each outcome: the property must not hold vacuously. */
  const reached = { paid: 0, refused: 0, refunded: 0, invalidated: 0 };
  const flow = (m: Model, token: string) => {
    if (!m.flows.has(token)) m.flows.set(token, { deposited: 0n, claimed: 0n, refunded: 0n });
    return m.flows.get(token)!;
  };

  async function step(f: Fixture, m: Model, a: Action) {
    const { rollup, portal } = f;
    const now = await time.latest();
    const active = now + 1 < f.expiry;
    const tokenOf = (erc20: boolean) => (erc20 ? f.tokenAddress : ZeroAddress);
    switch (a.kind) {
      case "deposit": {
        const user = f.users[a.user];
        const token = tokenOf(a.erc20);
        const send = () =>
          a.erc20
            ? portal.connect(user).depositERC20(token, a.amount, user.address)
            : portal.connect(user).depositETH(user.address, { value: a.amount });
        if (!active) {
          await expect(send()).to.be.revertedWithCustomError(rollup, "RollupNotActive");
          return;
        }
        const index = await rollup.queueLength();
        await (await send()).wait();
        m.deposits.push({
          index,
          from: user.address,
          to: user.address,
          token,
          amount: a.amount,
          included: false,
          refunded: false,
        });
        flow(m, token).deposited += a.amount;
        return;
      }
      case "batch": {
        const pending = (await rollup.queueLength()) - (await rollup.queueHead());
        if (!active) return;
        await (await rollup.connect(f.creator).appendBatch(id(`batch ${now}`), pending)).wait();
        const head = await rollup.queueHead();
        for (const dep of m.deposits.filter((x) => !x.included && x.index < head)) {
          dep.included = true;
          m.l2.set(key(dep.to, dep.token), (m.l2.get(key(dep.to, dep.token)) ?? 0n) + dep.amount);
        }
        return;
      }
      case "withdraw": {
        const from = f.users[a.user].address;
        const token = tokenOf(a.erc20);
        const balance = m.l2.get(key(from, token)) ?? 0n;
        const amount = (balance * BigInt(a.percent)) / 100n;
        if (amount === 0n) return;
        m.l2.set(key(from, token), balance - amount);
        const last = m.outputs.length === 0 ? 0n : m.outputs[m.outputs.length - 1].l2Block;
        m.withdrawals.push({
          nonce: BigInt(m.withdrawals.length),
          l2Block: last + 1n, // made after the latest output: the next one holds it
          sender: from,
          recipient: f.users[a.to].address,
          token,
          amount,
        });
        return;
      }
      case "propose": {
        if (now + 1 >= f.expiry + WINDOW) return; // outputs are proposed until the end of settlement
        const count = await rollup.outputCount();
        const l2Block = INTERVAL * (count + 1n);
        const withdrawals = m.withdrawals.filter((w) => w.l2Block <= l2Block);
        if (!a.honest) {
          withdrawals.push({
            nonce: BigInt(1_000_000 + m.outputs.length),
            l2Block,
            sender: f.attacker.address,
            recipient: f.attacker.address,
            token: ZeroAddress,
            amount: STOLEN,
          });
        }
        const withdrawalsRoot = treeAt(withdrawals, l2Block).root;
        const stateRoot = id(`state ${l2Block} ${a.honest}`);
        const parentRoot = count === 0n ? ethers.ZeroHash : (await rollup.output(count - 1n)).root;
        await (await rollup.connect(f.creator).proposeOutput(l2Block, stateRoot, withdrawalsRoot)).wait();
        const batchRoot = await rollup.batchRoot();
        const root = outputRootOf({
          l2BlockNumber: l2Block,
          stateRoot,
          withdrawalsRoot,
          batchCount: await rollup.batchCount(),
          batchRoot,
          parentRoot,
        });
        expect((await rollup.output(count)).root).to.equal(root);
        m.outputs.push({
          index: count,
          l2Block,
          withdrawals,
          honest: a.honest,
          proposedAt: await time.latest(),
          finalized: false,
          proof: { withdrawalsRoot, batchRoot, parentRoot },
        });
        return;
      }
      case "finality": {
        // the model's VITAL: the first dishonest output is invalidated (it and every later one dropped)
        const bad = m.outputs.findIndex((o) => !o.honest);
        if (bad >= 0) {
          await (await rollup.connect(f.d.vital).invalidate(m.outputs[bad].index, f.users[0].address)).wait();
          m.outputs.splice(bad);
          reached.invalidated++;
        }
        // then every output whose challenge period is over finalizes, in order
        for (const next of m.outputs.filter((o) => !o.finalized)) {
          if ((await time.latest()) + 1 < next.proposedAt + CHALLENGE) break;
          await (await rollup.finalize(next.index)).wait();
          next.finalized = true;
        }
        return;
      }
      case "claim": {
        const all = [
          ...m.withdrawals,
          ...m.outputs.flatMap((o) => o.withdrawals.filter((w) => w.sender === f.attacker.address)),
        ];
        if (all.length === 0) return;
        const w = all[a.pick % all.length];
        const hash = withdrawalHash(w);
        const holding = m.outputs.filter((o) => o.withdrawals.some((x) => withdrawalHash(x) === hash));
        const finalized = holding.filter((o) => o.finalized);
        const output = finalized.length !== 0 ? finalized[finalized.length - 1] : holding[0];
        if (output === undefined) return; // in no live output: nothing to prove against
        const tree = treeAt(output.withdrawals, output.l2Block);
        const { l2Block: _, ...leaf } = w;
        // (the attacker sends nothing: its balance shows whether it was ever paid)
        const sender =
          a.byRecipient && w.recipient !== f.attacker.address ? await ethers.getSigner(w.recipient) : f.users[0];
        const claim = () =>
          portal.connect(sender).claimWithdrawal(leaf, output.index, output.proof, tree.proof(leaf), w.recipient);
        const live = await rollup.output(output.index);
        if (!output.finalized) {
          await expect(claim())
            .to.be.revertedWithCustomError(portal, "PortalOutputNotFinalized")
            .withArgs(output.index, live.status);
          reached.refused++;
        } else if (m.claimed.has(hash)) {
          await expect(claim()).to.be.revertedWithCustomError(portal, "PortalAlreadyClaimed").withArgs(hash);
          reached.refused++;
        } else {
          expect(w.sender, "an attacker's withdrawal in a Finalized output").to.not.equal(f.attacker.address);
          await (await claim()).wait();
          m.claimed.add(hash);
          flow(m, w.token).claimed += w.amount;
          reached.paid++;
        }
        return;
      }
      case "warp": {
        await time.increase(a.seconds);
        if (!m.settled && (await time.latest()) + 1 >= f.expiry + WINDOW) {
          // retire once every output is final (the model's VITAL took the dishonest ones)
          await step(f, m, { kind: "finality" });
          await (await rollup.settle()).wait();
          m.settled = true;
          for (const dep of m.deposits.filter((x) => !x.included)) {
            const from = await ethers.getSigner(dep.from);
            const { from: depositor, to, token, amount } = dep;
            await (
              await portal.connect(from).refundDeposit(dep.index, { from: depositor, to, token, amount }, depositor)
            ).wait();
            dep.refunded = true;
            flow(m, dep.token).refunded += dep.amount;
            reached.refunded++;
          }
        }
        return;
      }
    }
  }

  /** Per asset: the portal holds what was deposited less claims and refunds, which is exactly what it owes. */
  async function checkSolvency(f: Fixture, m: Model, at: string) {
    const portalAddress = await f.portal.getAddress();
    for (const token of [ZeroAddress, f.tokenAddress]) {
      const held =
        token === ZeroAddress
          ? await ethers.provider.getBalance(portalAddress)
          : await f.token.balanceOf(portalAddress);
      const { deposited, claimed, refunded } = flow(m, token);
      expect(held, `${at}: ${token} held`).to.equal(deposited - claimed - refunded);
      const onL2 = [...m.l2.entries()].filter(([k]) => k.endsWith(`:${token}`)).reduce((s, [, v]) => s + v, 0n);
      const unclaimed = m.withdrawals
        .filter((w) => w.token === token && !m.claimed.has(withdrawalHash(w)))
        .reduce((s, w) => s + w.amount, 0n);
      const unpaid = m.deposits
        .filter((x) => x.token === token && !x.included && !x.refunded)
        .reduce((s, x) => s + x.amount, 0n);
      expect(held, `${at}: ${token} owed`).to.equal(onL2 + unclaimed + unpaid);
    }
  }

  it("the portal always holds exactly what it owes, and pays no withdrawal of an output VITAL invalidated", async function () {
    if (coverageRunning()) this.skip();
    this.timeout(30 * 60_000);
    await fc.assert(
      fc.asyncProperty(fc.array(actionArb, { minLength: 30, maxLength: 30 }), async (actions) => {
        const f = await loadFixture(bridgeFixture);
        const attackerBefore = await ethers.provider.getBalance(f.attacker.address);
        const m: Model = {
          deposits: [],
          l2: new Map(),
          withdrawals: [],
          outputs: [],
          claimed: new Set(),
          flows: new Map(),
          settled: false,
        };
        for (const [i, a] of actions.entries()) {
          await step(f, m, a);
          await checkSolvency(f, m, `step ${i} (${a.kind})`);
        }
        // to the end of the rollup: every withdrawal made is then claimable, and every one is paid
        await step(f, m, { kind: "propose", honest: true });
        for (let i = 0; i < 3 && !m.settled; i++) await step(f, m, { kind: "warp", seconds: LIFETIME });
        await step(f, m, { kind: "finality" });
        for (const [pick] of m.withdrawals.entries()) await step(f, m, { kind: "claim", pick, byRecipient: false });
        await checkSolvency(f, m, "the end");
        expect(await ethers.provider.getBalance(f.attacker.address)).to.equal(attackerBefore);
      }),
      { numRuns: RUNS, seed: SEED, path: PATH, endOnFailure: true },
    );
    for (const [outcome, count] of Object.entries(reached))
      expect(count, `runs that reached: ${outcome}`).to.be.greaterThan(0);
  });
});
