// Random sequences over one ephemeral rollup's bridge — deposits of ETH, an ERC20 and ALT, batches including them, L2
// withdrawals, honest and dishonest outputs (a dishonest one adds withdrawals of 1,000 ETH and 5 ALT to the attacker),
// MACH's fast finality of any Proposed output with a random cover (the model's MACH signs dishonest outputs too),
// finality (the model's VITAL invalidates every dishonest output before its challenge period ends; the invalidated
// output's signers are slashed for their cover, which is redistributed to the portal), claims of any withdrawal (the
// attacker's too; ALT fast against FastFinalized outputs), time jumps, and after the rollup retires the refund of every
// deposit it never included — against a model of the L2. Every claim's outcome is predicted (paid, or the exact
// refusal; a fast claim is paid only within its output's limit), every fast limit is the model's, and after every step,
// per asset:
//   the portal holds exactly what was deposited less what was claimed and refunded (plus, for ALT, the slashes
//   redistributed to it), which is exactly what it owes plus (ALT) what was recovered less what the attacker took fast:
//   "portal assets ≥ claims on finalized outputs + unpaid deposits" once every invalidation's slash is recovered;
//   the attacker's ETH and ERC20 withdrawals are never paid, and the ALT it takes fast against an output later
//   invalidated is never more than what slashing that output's signers recovers.
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
import { leafOf, treeAt, withdrawalHash, type L2Withdrawal } from "../../tasks/lib/withdrawals";

const RUNS = Number(process.env.PROPERTY_RUNS ?? 10);
const SEED = process.env.PROPERTY_SEED === undefined ? undefined : Number(process.env.PROPERTY_SEED);
const PATH = process.env.PROPERTY_PATH;

const CHALLENGE = 7 * DAY;
const WINDOW = 7 * DAY;
const LIFETIME = 40 * DAY;
const INTERVAL = 1_800n;
const USERS = 4;
const STOLEN = parseEther("1000");
const STOLEN_ALT = parseEther("5");
const SEED_ALT = parseEther("10");
const GWEI = 10n ** 9n;
/** Assets by number: ETH, the ERC20, ALT. */
type Asset = 0 | 1 | 2;

type Action =
  | { kind: "deposit"; user: number; asset: Asset; amount: bigint }
  | { kind: "batch" }
  | { kind: "withdraw"; user: number; asset: Asset; percent: number; to: number }
  | { kind: "propose"; honest: boolean }
  | { kind: "certify"; pick: number; cover: bigint }
  | { kind: "finality" }
  | { kind: "claim"; pick: number; byRecipient: boolean }
  | { kind: "claimFast"; pick: number }
  | { kind: "warp"; seconds: number };

const assetArb = fc.constantFrom<Asset>(0, 1, 2);
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant("deposit" as const),
      user: fc.nat(USERS - 1),
      asset: assetArb,
      amount: fc.bigInt(1n, parseEther("5")),
    }),
    weight: 2,
  },
  fc.record({ kind: fc.constant("batch" as const) }),
  {
    arbitrary: fc.record({
      kind: fc.constant("withdraw" as const),
      user: fc.nat(USERS - 1),
      asset: assetArb,
      percent: fc.integer({ min: 1, max: 100 }),
      to: fc.nat(USERS - 1),
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ kind: fc.constant("propose" as const), honest: fc.boolean() }), weight: 2 },
  // a cover of up to 20 ALT, sometimes less than one gwei (a zero limit)
  {
    arbitrary: fc.record({
      kind: fc.constant("certify" as const),
      pick: fc.nat(1_000),
      cover: fc.bigInt(0n, parseEther("20")),
    }),
    weight: 2,
  },
  fc.record({ kind: fc.constant("finality" as const) }),
  fc.record({ kind: fc.constant("claim" as const), pick: fc.nat(1_000), byRecipient: fc.boolean() }),
  // any ALT withdrawal an output MACH fast-finalized holds (the attacker's too), claimed fast
  { arbitrary: fc.record({ kind: fc.constant("claimFast" as const), pick: fc.nat(1_000) }), weight: 3 },
  fc.record({ kind: fc.constant("warp" as const), seconds: fc.integer({ min: HOUR, max: 8 * DAY }) }),
);

/**
 * Always run first (fast-check's example): an honest ALT withdrawal paid fast, then the attacker's ALT taken fast against
 * a dishonest output MACH certified on top of it, VITAL's invalidation and the signers' slash making it good, the same
 * root proposed again (never fast-finalized again) and invalidated again, a fast claim above a small cover refused (paid
 * at finality), batches to the sequence's length and a deposit never included (refunded after retirement).
 */
const FAST_STORY: Action[] = [
  { kind: "withdraw", user: 0, asset: 2, percent: 50, to: 1 },
  { kind: "propose", honest: true },
  { kind: "certify", pick: 1, cover: parseEther("20") },
  { kind: "claimFast", pick: 0 },
  { kind: "propose", honest: false },
  { kind: "certify", pick: 1, cover: parseEther("20") },
  { kind: "claimFast", pick: 0 },
  { kind: "finality" },
  { kind: "propose", honest: false },
  { kind: "certify", pick: 1, cover: parseEther("20") },
  { kind: "finality" },
  // certified with a cover of 1 ALT: 10 ALT wait for finality
  { kind: "withdraw", user: 2, asset: 2, percent: 100, to: 2 },
  { kind: "propose", honest: true },
  { kind: "certify", pick: 1, cover: parseEther("1") },
  { kind: "claimFast", pick: 0 },
];
while (FAST_STORY.length < 39) FAST_STORY.push({ kind: "batch" });
// never included: refunded after retirement
FAST_STORY.push({ kind: "deposit", user: 3, asset: 0, amount: parseEther("1") });

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
      await (await d.token.connect(user).approve(await portal.getAddress(), ethers.MaxUint256)).wait();
    }
    const altAddress = await d.token.getAddress();
    return {
      d,
      creator,
      users,
      attacker,
      expiry,
      rollup,
      portal,
      token,
      tokenAddress: await token.getAddress(),
      altAddress,
    };
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
    /** MACH's cover (wei) once it fast-finalized the output, and the output's fast limit (gwei) the model expects. */
    cover?: bigint;
    limit?: bigint;
    proof: { withdrawalsRoot: string; batchRoot: string; parentRoot: string };
  }
  /** An ALT withdrawal paid fast: against which output, how much (gwei, rounded up), and whether the attacker's. */
  interface FastClaim {
    output: Output;
    gweis: bigint;
    attacker: boolean;
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
    /** Fast claims against outputs not yet Finalized nor dropped (the true exposure). */
    pendingFast: FastClaim[];
    /** ALT the attacker took fast, in all; ALT redistributed to the portal by the slashes of invalid certificates. */
    attackerFast: bigint;
    recovered: bigint;
    invalidatedRoots: Set<string>;
  }

  const key = (account: string, token: string) => `${account}:${token}`;
  /** How often the runs reached each outcome: the property must not hold vacuously. */
  const reached = { paid: 0, refused: 0, refunded: 0, invalidated: 0, paidFast: 0, refusedFast: 0, attackerFast: 0 };
  const flow = (m: Model, token: string) => {
    if (!m.flows.has(token)) m.flows.set(token, { deposited: 0n, claimed: 0n, refunded: 0n });
    return m.flows.get(token)!;
  };

  async function step(f: Fixture, m: Model, a: Action) {
    const { rollup, portal } = f;
    const now = await time.latest();
    const active = now + 1 < f.expiry;
    const tokenOf = (asset: Asset) => [ZeroAddress, f.tokenAddress, f.altAddress][asset];
    switch (a.kind) {
      case "deposit": {
        const user = f.users[a.user];
        const token = tokenOf(a.asset);
        const send = () =>
          a.asset !== 0
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
        const token = tokenOf(a.asset);
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
          const theft = { l2Block, sender: f.attacker.address, recipient: f.attacker.address };
          const nonce = BigInt(1_000_000 + 2 * m.outputs.length);
          withdrawals.push({ ...theft, nonce, token: ZeroAddress, amount: STOLEN });
          withdrawals.push({ ...theft, nonce: nonce + 1n, token: f.altAddress, amount: STOLEN_ALT });
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
      case "certify": {
        // the model's MACH fast-finalizes any Proposed output, dishonest ones too, with its signers' cover
        if (m.settled || now + 1 >= f.expiry + WINDOW) return;
        const proposed = m.outputs.filter((o) => !o.finalized && o.cover === undefined);
        if (proposed.length === 0) return;
        // mostly the oldest (MACH certifies outputs as they come), sometimes any (a child before its parent: limit 0)
        const o = a.pick % 4 === 0 ? proposed[(a.pick >> 2) % proposed.length] : proposed[0];
        const position = m.outputs.indexOf(o);
        const parent = position === 0 ? undefined : m.outputs[position - 1];
        // its own cover if its parent is final (or it has none), at most a FastFinalized parent's, none on a Proposed one
        const own = a.cover / GWEI;
        o.limit =
          parent === undefined || parent.finalized
            ? own
            : parent.limit === undefined
              ? 0n
              : own < parent.limit
                ? own
                : parent.limit;
        const live = await rollup.output(o.index);
        if (m.invalidatedRoots.has(live.root)) {
          // proposed again after VITAL invalidated it: MACH's signatures of it never count again
          await expect(rollup.connect(f.d.mach).fastFinalize(o.index, o.l2Block, live.root, a.cover))
            .to.be.revertedWithCustomError(rollup, "RollupRootInvalidated")
            .withArgs(o.l2Block, live.root);
          o.limit = undefined;
          return;
        }
        o.cover = a.cover;
        await expect(rollup.connect(f.d.mach).fastFinalize(o.index, o.l2Block, live.root, a.cover))
          .to.emit(rollup, "OutputFastFinalized")
          .withArgs(o.index, o.limit * GWEI);
        expect((await rollup.output(o.index)).fastLimit).to.equal(o.limit);
        return;
      }
      case "finality": {
        // the model's VITAL: the first dishonest output is invalidated (it and every later one dropped)
        const bad = m.outputs.findIndex((o) => !o.honest);
        if (bad >= 0) {
          const invalid = m.outputs[bad];
          m.invalidatedRoots.add((await rollup.output(invalid.index)).root);
          await (await rollup.connect(f.d.vital).invalidate(invalid.index, f.users[0].address)).wait();
          const dropped = new Set(m.outputs.splice(bad));
          const lost = m.pendingFast.filter((c) => dropped.has(c.output));
          m.pendingFast = m.pendingFast.filter((c) => !dropped.has(c.output));
          // what was paid fast against the dropped outputs is within what slashing the invalid output's signers takes
          // (nothing fast on a chain through an output MACH never signed)
          const lostGweis = lost.reduce((sum, c) => sum + c.gweis, 0n);
          expect(lostGweis, "paid fast against dropped outputs").to.be.at.most(
            invalid.cover === undefined ? 0n : invalid.cover / GWEI,
          );
          if (invalid.cover !== undefined && invalid.cover !== 0n) {
            // the signers' slash (their cover, MACH's reportInvalidCertificate: tested against the real services in
            // MachService.test.ts) redistributed into the portal
            await (await f.d.token.connect(f.creator).transfer(await portal.getAddress(), invalid.cover)).wait();
            m.recovered += invalid.cover;
          }
          reached.invalidated++;
        }
        // then every output whose challenge period is over finalizes, in order
        for (const next of m.outputs.filter((o) => !o.finalized)) {
          if ((await time.latest()) + 1 < next.proposedAt + CHALLENGE) break;
          await (await rollup.finalize(next.index)).wait();
          next.finalized = true;
        }
        m.pendingFast = m.pendingFast.filter((c) => !c.output.finalized);
        return;
      }
      case "claimFast": {
        const all = claimable(f, m);
        const fast = all.filter(
          (w) =>
            w.token === f.altAddress &&
            !m.claimed.has(withdrawalHash(w)) &&
            m.outputs.some(
              (o) =>
                !o.finalized &&
                o.limit !== undefined &&
                o.withdrawals.some((x) => withdrawalHash(x) === withdrawalHash(w)),
            ),
        );
        if (fast.length === 0) return;
        return step(f, m, { kind: "claim", pick: all.indexOf(fast[a.pick % fast.length]), byRecipient: false });
      }
      case "claim": {
        const all = claimable(f, m);
        if (all.length === 0) return;
        const w = all[a.pick % all.length];
        const hash = withdrawalHash(w);
        const holding = m.outputs.filter((o) => o.withdrawals.some((x) => withdrawalHash(x) === hash));
        const finalized = holding.filter((o) => o.finalized);
        // ALT not yet final: against the FastFinalized output holding it with the highest limit, if any
        const alt = w.token === f.altAddress;
        const fast = alt
          ? holding
              .filter((o) => !o.finalized && o.limit !== undefined)
              .sort((x, y) => (x.limit! < y.limit! ? 1 : x.limit! > y.limit! ? -1 : 0))[0]
          : undefined;
        const output = finalized.length !== 0 ? finalized[finalized.length - 1] : (fast ?? holding[0]);
        if (output === undefined) return; // in no live output: nothing to prove against
        const tree = treeAt(output.withdrawals, output.l2Block);
        const leaf = leafOf(w);
        // (the attacker sends nothing: its balance shows whether it was ever paid)
        const sender =
          a.byRecipient && w.recipient !== f.attacker.address ? await ethers.getSigner(w.recipient) : f.users[0];
        const claim = () =>
          portal.connect(sender).claimWithdrawal(leaf, output.index, output.proof, tree.proof(leaf), w.recipient);
        const live = await rollup.output(output.index);
        const attacker = w.sender === f.attacker.address;
        if (m.claimed.has(hash)) {
          await expect(claim()).to.be.revertedWithCustomError(portal, "PortalAlreadyClaimed").withArgs(hash);
          reached.refused++;
        } else if (!output.finalized && output === fast) {
          // fast: paid only if the true exposure with it is within the output's limit; the portal's own count, settled
          // lazily, is never below the true one
          const gweis = (w.amount + GWEI - 1n) / GWEI;
          const exposure = m.pendingFast.reduce((sum, c) => sum + c.gweis, 0n);
          const limit = output.limit!;
          const held = await f.d.token.balanceOf(await portal.getAddress());
          try {
            await (await claim()).wait();
          } catch (e) {
            if ((e as Error).message.includes("ERC20InsufficientBalance")) {
              // within the limit, but more than the portal holds of ALT (an attacker took it)
              expect(w.amount, "refused while the portal holds enough").to.be.greaterThan(held);
              reached.refusedFast++;
              return;
            }
            // (the refusal, again, to check it: the portal's count is never below the true exposure with it)
            await expect(claim())
              .to.be.revertedWithCustomError(portal, "PortalFastLimit")
              .withArgs(output.index, (counted: bigint) => counted >= (exposure + gweis) * GWEI, limit * GWEI);
            reached.refusedFast++;
            return;
          }
          expect(exposure + gweis, "paid fast beyond the output's limit").to.be.at.most(limit);
          m.claimed.add(hash);
          m.pendingFast.push({ output, gweis, attacker });
          if (attacker) {
            m.attackerFast += w.amount;
            reached.attackerFast++;
          } else flow(m, w.token).claimed += w.amount;
          reached.paidFast++;
        } else if (!output.finalized) {
          await expect(claim())
            .to.be.revertedWithCustomError(portal, "PortalOutputNotFinalized")
            .withArgs(output.index, live.status);
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

  /** Every withdrawal a claim may name: the L2's, and the attacker's in live outputs. */
  function claimable(f: Fixture, m: Model): L2Withdrawal[] {
    return [
      ...m.withdrawals,
      ...m.outputs.flatMap((o) => o.withdrawals.filter((w) => w.sender === f.attacker.address)),
    ];
  }

  /** Per asset: the portal holds what was deposited less claims and refunds, which is exactly what it owes. */
  async function checkSolvency(f: Fixture, m: Model, at: string) {
    const portalAddress = await f.portal.getAddress();
    for (const token of [ZeroAddress, f.tokenAddress, f.altAddress]) {
      const held =
        token === ZeroAddress
          ? await ethers.provider.getBalance(portalAddress)
          : token === f.altAddress
            ? await f.d.token.balanceOf(portalAddress)
            : await f.token.balanceOf(portalAddress);
      const { deposited, claimed, refunded } = flow(m, token);
      // ALT: plus the slashes redistributed to the portal, less what the attacker took fast
      const [recovered, taken] = token === f.altAddress ? [m.recovered, m.attackerFast] : [0n, 0n];
      expect(held, `${at}: ${token} held`).to.equal(deposited - claimed - refunded + recovered - taken);
      const onL2 = [...m.l2.entries()].filter(([k]) => k.endsWith(`:${token}`)).reduce((s, [, v]) => s + v, 0n);
      const unclaimed = m.withdrawals
        .filter((w) => w.token === token && !m.claimed.has(withdrawalHash(w)))
        .reduce((s, w) => s + w.amount, 0n);
      const unpaid = m.deposits
        .filter((x) => x.token === token && !x.included && !x.refunded)
        .reduce((s, x) => s + x.amount, 0n);
      expect(held, `${at}: ${token} owed`).to.equal(onL2 + unclaimed + unpaid + recovered - taken);
    }
    // what the attacker took fast against outputs since invalidated was made good by their signers' slashes
    const takenFromDropped =
      m.attackerFast - m.pendingFast.filter((c) => c.attacker).reduce((s, c) => s + c.gweis, 0n) * GWEI;
    expect(takenFromDropped, `${at}: the attacker's fast ALT not made good`).to.be.at.most(m.recovered);
  }

  it("the portal always holds exactly what it owes, and pays no withdrawal of an output VITAL invalidated", async function () {
    if (coverageRunning()) this.skip();
    this.timeout(30 * 60_000);
    await fc.assert(
      fc.asyncProperty(fc.array(actionArb, { minLength: 40, maxLength: 40 }), async (actions) => {
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
          pendingFast: [],
          attackerFast: 0n,
          recovered: 0n,
          invalidatedRoots: new Set(),
        };
        // every user starts with 10 ALT on L2 (deposited, then included by a batch): ALT to withdraw, fast or not
        for (let user = 0; user < USERS; user++) {
          await step(f, m, { kind: "deposit", user, asset: 2, amount: SEED_ALT });
        }
        await step(f, m, { kind: "batch" });
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
      { numRuns: RUNS, seed: SEED, path: PATH, endOnFailure: true, examples: SEED === undefined ? [[FAST_STORY]] : [] },
    );
    for (const [outcome, count] of Object.entries(reached))
      expect(count, `runs that reached: ${outcome}`).to.be.greaterThan(0);
  });
});
