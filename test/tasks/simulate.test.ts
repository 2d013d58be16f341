import { expect } from "chai";
import hre from "hardhat";
import { reset, takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import { existsSync, readFileSync } from "fs";
import path from "path";
import { AbiCoder, keccak256, toQuantity, ZeroAddress } from "ethers";
import { simulate } from "../../tasks/lib/simulate/engine";
import {
  ACTION_CATEGORIES,
  categoryOf,
  deterministicPart,
  GAS_CATEGORIES,
  type GasCategory,
  type SimulationReport,
} from "../../tasks/lib/simulate/report";
import { formatNumber } from "../../tasks/lib/simulate/render";
import { altToken } from "../../tasks/lib/genesis";
import { blsKeyRegistry, operatorSets, restakingRegistry, rewardsDistributor } from "../../tasks/lib/restaking";
import { rollupFactory } from "../../tasks/lib/rollups";
import { serviceContract } from "../../tasks/lib/services";
import { coverageRunning } from "../helpers/coverage";
import { expectTaskFailure, runTask, tempDir } from "../helpers/tasks";

/** The smallest world in which every scripted event happens on hardhat.json (16 epochs: the unstake's 14-day delay). */
const SMALL = { seed: "test-seed", operators: 6, dishonest: 2, stakers: 10, rollups: 3, epochs: 16 };

const sum = (...values: string[]) => values.reduce((total, v) => total + BigInt(v), 0n);
const SCALE = 10n ** 18n;
const coder = AbiCoder.defaultAbiCoder();

/**
 * From the chain's events: every account that staked (operators on themselves included) and each (operator, set)
 * pair allocated to, with the accounts staked with the operator.
 */
async function rewardAccounts() {
  const registry = await restakingRegistry(hre);
  const sets = await operatorSets(hre);
  const stakers = new Map<string, Set<string>>();
  for (const e of await registry.queryFilter(registry.filters.Staked())) {
    stakers.set(e.args.operator, (stakers.get(e.args.operator) ?? new Set()).add(e.args.staker));
  }
  const pairs: { operator: string; setId: bigint; stakers: Set<string> }[] = [];
  const seen = new Set<string>();
  for (const e of await sets.queryFilter(sets.filters.AllocationUpdated())) {
    const key = `${e.args.operator}/${e.args.setId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    pairs.push({ operator: e.args.operator, setId: e.args.setId, stakers: stakers.get(e.args.operator) ?? new Set() });
  }
  const accounts = [...new Set([...stakers.values()].flatMap((s) => [...s]))];
  return { accounts, pairs };
}

describe("simulate task", function () {
  const files = tempDir("alt-simulate-");
  const out = () => files.path("reports");
  after(files.remove);
  // the task compiles, which under coverage would swap the instrumented artifacts out; and a run exercises no contract
  // path the unit tests do not
  before(function () {
    if (coverageRunning()) this.skip();
  });
  // the simulation leaves the in-process chain in the year 2100: later suites get a fresh one
  after(async function () {
    if (!coverageRunning()) await reset();
  });

  describe("refusals (before anything is deployed)", function () {
    const refused = async (args: Record<string, unknown>, message: string | RegExp) => {
      const block = await hre.ethers.provider.getBlockNumber();
      await expectTaskFailure("simulate", { ...SMALL, out: out(), quiet: true, json: true, ...args }, message);
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
    };

    it("refuses 0 operators", async function () {
      await refused({ operators: 0 }, "--operators must be a whole number from 4 to 1,000, not 0");
    });

    it("refuses more dishonest operators than operators", async function () {
      await refused(
        { operators: 6, dishonest: 7 },
        "--dishonest must be a whole number from 0 to the number of operators (6), not 7",
      );
    });

    it("refuses fewer epochs than the scripted events need, naming the longest", async function () {
      await refused(
        { epochs: 15 },
        "--epochs must be at least 16 on these parameters, for the unstake (withdrawal delay) to complete, not 15",
      );
    });

    it("refuses a single rollup, no stakers, and a seed that cannot name a file", async function () {
      await refused({ rollups: 1 }, "--rollups must be a whole number from 2 to 200, not 1");
      await refused({ stakers: 0 }, "--stakers must be a whole number from 1 to 100,000, not 0");
      await refused(
        { seed: "../x" },
        '--seed must be 1 to 64 letters, digits, "-" or "_" (it names the report file), not "../x"',
      );
    });

    it("refuses parameters whose epochs are shorter than a day (the public testnet files)", async function () {
      await refused(
        { parameters: "deploy/parameters/sepolia.json" },
        "simulate needs epochs of at least one day (its steps run at fixed hours); these parameters have 3600 s",
      );
    });

    it("refuses a world the unlocked allocation cannot fund", async function () {
      await refused(
        { operators: 100, stakers: 50_000 },
        /^the Launchpool allocation \(500,000,000 ALT\) cannot fund this world \([\d,.]+ ALT\): lower --operators, --stakers or --rollups$/,
      );
    });
  });

  describe("a small run, twice with one seed", function () {
    this.timeout(15 * 60_000);
    let first: SimulationReport;
    let second: SimulationReport;
    let lines: string[];

    before(async function () {
      const run = await runTask<SimulationReport>("simulate", { ...SMALL, out: out(), quiet: true, json: false });
      first = run.result;
      lines = run.lines;
      second = await simulate(hre, { options: SMALL });
    });

    it("gives the same report both times, except for the run's own timing", async function () {
      expect(JSON.stringify(deterministicPart(second))).to.equal(JSON.stringify(deterministicPart(first)));
      expect(first.run.actions).to.equal(second.run.actions);
      expect(first.run.actions).to.be.greaterThan(300);
    });

    it("writes the report and the chart named by the seed, and prints the summary", async function () {
      const json = path.join(out(), "simulation-test-seed.json");
      const svg = path.join(out(), "simulation-test-seed.svg");
      expect(JSON.parse(readFileSync(json, "utf8"))).to.deep.equal(JSON.parse(JSON.stringify(first)));
      expect(existsSync(svg)).to.equal(true);
      expect(readFileSync(svg, "utf8")).to.match(/^<svg /);
      expect(lines).to.include(`report: ${json}`);
      expect(lines).to.include(`chart:  ${svg}`);
      expect(lines.some((l) => l.startsWith("Conservation"))).to.equal(true);
    });

    it("conserves stake: stake + slashed + withdrawn == deposited, and the registry holds the stake, unclaimed proceeds and the ALT to burn", async function () {
      const c = second.conservation;
      expect(sum(c.stake, c.slashed, c.withdrawn)).to.equal(BigInt(c.deposited));
      expect(BigInt(c.slashed)).to.be.greaterThan(0n);
      expect(BigInt(c.withdrawn)).to.be.greaterThan(0n);
      const token = await altToken(hre);
      const registry = await restakingRegistry(hre);
      expect(await token.balanceOf(await registry.getAddress())).to.equal(
        BigInt(c.stake) + BigInt(c.proceedsUnclaimed) + BigInt(c.altToBurn),
      );
      expect(BigInt(c.altToBurn)).to.equal(await registry.altToBurn());
      // the keeper burned what earlier executions set aside (only the last step's executions can be left)
      const burned = second.gas.find((g) => g.action === "slash: burn ALT");
      expect(burned?.count ?? 0).to.be.greaterThan(0);
      // reporters claimed in the steps after each execution: only the last step's credits can be left
      expect(second.gas.some((g) => g.action === "slash: claim proceeds")).to.equal(true);
      const last = second.epochs[second.epochs.length - 1];
      expect(second.epochs.map((p) => p.epoch)).to.deep.equal([...Array(SMALL.epochs + 1).keys()]);
      expect(last.totalStake).to.equal(c.stake);
      expect(last.slashed).to.equal(c.slashed);
    });

    it("conserves fees exactly: credited × 10^18 == paid × 10^18 + owed + unclaimed + unsettled, and the distributor holds the unpaid", async function () {
      const c = second.conservation;
      const terms = [c.rewardsOwedScaled, c.rewardsUnclaimedScaled, c.rewardsUnsettledScaled];
      expect(BigInt(c.rewardsPaid) * SCALE + sum(...terms)).to.equal(BigInt(c.feesCredited) * SCALE);
      for (const term of terms) expect(BigInt(term) >= 0n).to.equal(true);
      expect(BigInt(c.rewardsPaid)).to.be.greaterThan(0n);
      // the fees of the last epoch settle once it is over; everyone claimed in it, so no settled reward is unclaimed
      expect(BigInt(c.rewardsUnsettledScaled)).to.be.greaterThan(0n);
      expect(c.rewardsUnclaimedScaled).to.equal("0");
      const token = await altToken(hre);
      const rewards = await rewardsDistributor(hre);
      expect(await token.balanceOf(await rewards.getAddress())).to.equal(
        BigInt(c.feesCredited) - BigInt(c.rewardsPaid),
      );
      expect(second.epochs[second.epochs.length - 1].rewardsPaid).to.equal(c.rewardsPaid);
      // the terms read again from the chain: every account that staked and the treasury
      const { accounts } = await rewardAccounts();
      let owed = 0n;
      for (const account of [...accounts, await rewards.treasury()]) owed += await rewards.owedScaled(account);
      expect(owed).to.equal(BigInt(c.rewardsOwedScaled));
      const credited = await rewards.queryFilter(rewards.filters.FeesCredited());
      expect(credited.reduce((n, e) => n + e.args.amount, 0n)).to.equal(BigInt(c.feesCredited));
      // the treasury (which never claims in the run) is owed exactly every credit's protocol share and rounding
      // remainder; the remainders are not all zero
      const remainders = credited.reduce((n, e) => n + e.args.remainderScaled, 0n);
      expect(remainders).to.be.greaterThan(0n);
      expect(await rewards.owedScaled(await rewards.treasury())).to.equal(
        credited.reduce((n, e) => n + e.args.protocolShareScaled, 0n) + remainders,
      );
    });

    it("settles exactly the unsettled fees once the last epoch is over; then, everyone claimed, the distributor holds only what is owed", async function () {
      const c = second.conservation;
      const rewards = await rewardsDistributor(hre);
      const sets = await operatorSets(hre);
      const token = await altToken(hre);
      const { accounts, pairs } = await rewardAccounts();
      const restore = await takeSnapshot();
      try {
        await time.increaseTo(await sets.epochStart((await sets.currentEpoch()) + 1n));
        let settled = 0n;
        for (const { operator, setId } of pairs) {
          const receipt = (await (await rewards.settle(operator, setId, 1_000)).wait())!;
          for (const log of receipt.logs) {
            const event = rewards.interface.parseLog(log);
            if (event?.name === "Settled") settled += event.args.toOperatorScaled + event.args.toStakersScaled;
          }
        }
        expect(settled).to.equal(BigInt(c.rewardsUnsettledScaled));
        for (const account of accounts) {
          await hre.network.provider.send("hardhat_impersonateAccount", [account]);
          const signer = await hre.ethers.getSigner(account);
          const own = pairs.filter((p) => p.stakers.has(account));
          const args = [own.map((p) => p.operator), own.map((p) => p.setId)] as const;
          await (await rewards.connect(signer).claim(...args)).wait();
        }
        let owed = 0n;
        for (const account of [...accounts, await rewards.treasury()]) owed += await rewards.owedScaled(account);
        expect((await token.balanceOf(await rewards.getAddress())) * SCALE).to.equal(owed);
      } finally {
        await restore.restore();
      }
    });

    it("plays every scripted event", async function () {
      const kinds = new Set(second.events.map((e) => e.kind));
      for (const kind of [
        "proposal-created",
        "equivocation",
        "bad-output",
        "challenge",
        "invalidation",
        "slash-executed",
        "expiry",
        "final-output",
        "settlement",
        "proposal-executed",
        "unstake-completed",
        "pause",
        "invalidation-deferred",
        "resume",
        "finalize-refused",
        "seed-adversary",
        "leader-share",
        "catch-up",
        "forged-withdrawal",
        "escape-hatch",
      ]) {
        expect(kinds.has(kind as never), kind).to.equal(true);
      }
      expect(second.events.find((e) => e.kind === "equivocation")!.epoch).to.equal(2);
      expect(second.events.find((e) => e.kind === "bad-output")!.epoch).to.equal(3);
      // challenged 4 epochs later (the council's 3-day pause then outlasts the output's 7-day challenge period),
      // invalidated at the start of the epoch after the pause lapsed
      expect(second.events.find((e) => e.kind === "challenge")!.epoch).to.equal(7);
      expect(second.events.find((e) => e.kind === "invalidation")!.epoch).to.equal(11);
    });

    it("pauses the challenged rollup past the output's challenge period: the invalidation deferred, the proposer's finalize refused, invalidated after the pause", async function () {
      // the report's lines for it, exactly
      const scenario = new Set([
        "challenge",
        "pause",
        "invalidation-deferred",
        "resume",
        "finalize-refused",
        "invalidation",
      ]);
      expect(second.events.filter((e) => scenario.has(e.kind))).to.deep.equal([
        { epoch: 7, kind: "challenge", detail: "op-00 challenged output 2 of rollup-0" },
        {
          epoch: 7,
          kind: "pause",
          detail:
            "the security council paused rollup-0 during challenge 0 until epoch 10 at 4:00:00, past the end of " +
            "output 2's challenge period (epoch 10 at 2:00:30)",
        },
        {
          epoch: 7,
          kind: "invalidation-deferred",
          detail:
            "challenge 0: two thirds voted invalid while rollup-0 refuses the invalidation (RollupPaused): deferred, " +
            "the challenge stays open",
        },
        ...[9, 10].map((epoch) => ({
          epoch,
          kind: "invalidation-deferred",
          detail:
            "challenge 0: resolved past its deadline while rollup-0 refuses (RollupPaused): deferred again, the " +
            "challenge stays open, not void",
        })),
        {
          epoch: 10,
          kind: "resume",
          detail:
            "rollup-0's pause lapsed at epoch 10 at 4:00:00, challenge 0 still open: the next resolve invalidates",
        },
        {
          epoch: 10,
          kind: "finalize-refused",
          detail:
            "op-01 tried to finalize output 2 of rollup-0, its challenge period over since epoch 10 at 2:00:30: " +
            "refused, RollupOutputChallenged(2, 0)",
        },
        { epoch: 11, kind: "invalidation", detail: "challenge 0: output 2 of rollup-0 invalidated" },
      ]);
      // the chain's side: one council pause of the maximum length, through the output's challenge period
      const vital = await serviceContract(hre, "vital");
      const [challenged] = await vital.queryFilter(vital.filters.Challenged());
      const rollup = await hre.ethers.getContractAt("Rollup", challenged.args.rollup);
      const timeOf = async (event: { getBlock: () => Promise<{ timestamp: number }> }) =>
        BigInt((await event.getBlock()).timestamp);
      const paused = await rollup.queryFilter(rollup.filters.Paused());
      expect(paused).to.have.length(1);
      const until = paused[0].args.until;
      expect(until).to.equal(await rollup.pausedUntil());
      expect(until - (await timeOf(paused[0]))).to.equal(await rollup.MAX_COUNCIL_PAUSE());
      expect(await timeOf(challenged)).to.be.lessThan(await timeOf(paused[0]));
      // the bad output (the first output 2) would have been final before the pause ended
      const [proposed] = await rollup.queryFilter(rollup.filters.OutputProposed(2n));
      expect(proposed.blockNumber).to.be.lessThan(challenged.blockNumber);
      expect((await timeOf(proposed)) + (await rollup.challengePeriod())).to.be.lessThan(until);
      // the deciding vote and the two resolves past the deadline, all during the pause: deferred (RollupPaused)
      const deferred = await vital.queryFilter(vital.filters.InvalidationDeferred(0n));
      expect(deferred).to.have.length(3);
      for (const e of deferred) {
        expect(await timeOf(e)).to.be.lessThan(until);
        expect(rollup.interface.parseError(e.args.reason)!.name).to.equal("RollupPaused");
      }
      const [vote, ...resolves] = await Promise.all(deferred.map((e) => e.getTransaction()));
      expect(vital.interface.parseTransaction(vote)!.name).to.equal("vote");
      expect(resolves.map((tx) => vital.interface.parseTransaction(tx)!.name)).to.deep.equal(["resolve", "resolve"]);
      // after the pause: invalidated, the bad output and the four proposed on it dropped, the proposer reported
      const [resolved] = await vital.queryFilter(vital.filters.Resolved(0n));
      expect(resolved.args.result).to.equal(2n); // Invalidated
      expect(await timeOf(resolved)).to.be.greaterThanOrEqual(until);
      const [dropped] = await rollup.queryFilter(rollup.filters.OutputsInvalidated());
      expect([dropped.args.index, dropped.args.count]).to.deep.equal([2n, 7n]);
      expect(second.rollups[0].outputs.invalidated).to.equal(5);
      expect(await vital.queryFilter(vital.filters.ProposerReported(0n))).to.have.length(1);
      // nothing at index 2 finalized before the invalidation
      for (const e of await rollup.queryFilter(rollup.filters.OutputFinalized(2n)))
        expect(e.blockNumber).to.be.greaterThan(resolved.blockNumber);
    });

    it("plays a seed adversary: it commits and reveals rollup-0's seeds itself, withholds when it likes, and leads its stake share", async function () {
      const a = second.seedAdversary!;
      // eslint-disable-next-line @typescript-eslint/no-unused-vars
      const { perEpoch, ...totals } = a;
      expect(totals).to.deep.equal({
        operator: "op-04",
        rollup: "rollup-0",
        epochs: SMALL.epochs - 1,
        slots: 4_320,
        led: 379,
        fair: 354.89,
        sigma: 18.05,
        commits: SMALL.epochs,
        withheld: 4,
        sought: 17,
      });
      expect(second.events.filter((e) => e.kind === "leader-share")).to.deep.equal([
        {
          epoch: SMALL.epochs,
          kind: "leader-share",
          detail:
            "op-04 led 379 of 4,320 rollup-0 slots (8.77 %) in the 15 epochs it seeded vs 354.89 (8.22 %) at its " +
            "stake share, σ 18.05: +1.34σ, within 2σ",
        },
        {
          epoch: SMALL.epochs,
          kind: "leader-share",
          detail:
            "op-04 withheld 4 of its 16 reveals, seeking 17 more slots: the keeper revealed the same seeds in those " +
            "blocks, it won none",
        },
      ]);
      for (const event of second.events.filter((e) => e.kind === "leader-share"))
        expect(lines.join("\n")).to.include(event.detail);
      // on chain: every commitment of rollup-0 from epoch 2 on is the adversary's, each revealed in its target block by
      // it or, where it withheld, by the keeper
      const squad = await serviceContract(hre, "squad");
      const sets = await operatorSets(hre);
      const adversary = second.operators.find((o) => o.name === a.operator)!.address;
      const vital = await serviceContract(hre, "vital");
      const [challenged] = await vital.queryFilter(vital.filters.Challenged());
      const rollup = challenged.args.rollup;
      const commits = await squad.queryFilter(squad.filters.SeedCommitted(rollup));
      const own = [];
      for (const e of commits) if ((await e.getTransaction()).from === adversary) own.push(e);
      expect(own).to.have.length(a.commits);
      const revealers = new Map<string, number>();
      for (const e of own) {
        const [reveal] = await squad.queryFilter(squad.filters.SeedRevealed(rollup, e.args.epoch));
        expect(BigInt(reveal.blockNumber)).to.equal(e.args.target);
        const from = (await reveal.getTransaction()).from;
        revealers.set(from, (revealers.get(from) ?? 0) + 1);
      }
      expect(revealers.get(adversary)).to.equal(a.commits - a.withheld);
      expect([...revealers.keys()]).to.have.length(2); // the adversary and the keeper
      // its stake share from the chain's allocations, and its led slots by the contract's schedule in the last two
      // epochs it seeded (the report counts, epoch by epoch, the leaders SquadService draws from the chain's seeds and
      // allocations, computed off chain: a whole epoch's schedule costs seconds of EVM)
      expect(a.perEpoch.map((p) => p.epoch)).to.deep.equal([...Array(SMALL.epochs - 1).keys()].map((i) => i + 2));
      expect(a.perEpoch.reduce((n, p) => n + p.led, 0)).to.equal(a.led);
      expect(a.perEpoch.reduce((n, p) => n + p.slots, 0)).to.equal(a.slots);
      const setId = await squad.setIdOf(rollup);
      const [slotLength] = await squad.parameters();
      const firstEpoch = own[0].args.epoch - 2n; // the chain's epoch before the run's epoch 1
      let fair = 0;
      for (const p of a.perEpoch) {
        const epoch = firstEpoch + BigInt(p.epoch);
        const [allocated, total] = [
          await sets.allocationAt(setId, adversary, epoch - 1n),
          await sets.setStakeAt(setId, epoch - 1n),
        ];
        fair += p.slots * (Number((allocated * 1_000_000_000n) / total) / 1e9);
      }
      expect(Math.round(fair * 100) / 100).to.equal(a.fair);
      for (const p of a.perEpoch.slice(-2)) {
        const epoch = firstEpoch + BigInt(p.epoch);
        // the epoch's slots are those that start in it (a slot belongs to the epoch of its start)
        const first = ((await sets.epochStart(epoch)) + slotLength - 1n) / slotLength;
        const leaders = await squad.schedule(rollup, first, BigInt(p.slots));
        expect(leaders.filter((l) => l === adversary).length, `epoch ${p.epoch}`).to.equal(p.led);
      }
    });

    it("slashes the equivocator and the bad proposer after the veto window, and reports what they lost", async function () {
      const executed = second.slashes.filter((s) => s.status === "executed");
      expect(executed.map((s) => s.offence)).to.include.members(["equivocation", "invalid output"]);
      for (const s of executed) {
        const operator = second.operators.find((o) => o.name === s.operator)!;
        expect(operator.honest).to.equal(false);
        expect(BigInt(s.amount)).to.be.greaterThan(0n);
        expect(BigInt(operator.slashed)).to.be.greaterThanOrEqual(BigInt(s.amount));
        expect(BigInt(operator.stakeAfter)).to.be.lessThan(BigInt(operator.stakeBefore));
      }
      const slashedTotal = second.operators.reduce((t, o) => t + BigInt(o.slashed), 0n);
      expect(slashedTotal).to.equal(BigInt(second.conservation.slashed));
      expect(second.operators.filter((o) => o.honest).every((o) => o.slashed === "0")).to.equal(true);
    });

    describe("the bridge", function () {
      /** Each rollup's portal and its bridge events, read from the chain (not from the report). */
      async function portals() {
        const factory = await rollupFactory(hre);
        const created = await factory.queryFilter(factory.filters.RollupCreated());
        return Promise.all(
          created.map(async (e) => {
            const rollup = await hre.ethers.getContractAt("Rollup", e.args.rollup);
            const portal = await hre.ethers.getContractAt("Portal", await rollup.portal());
            return {
              rollup,
              portal,
              deposits: await portal.queryFilter(portal.filters.DepositInitiated()),
              claims: await portal.queryFilter(portal.filters.WithdrawalClaimed()),
              fast: await portal.queryFilter(portal.filters.FastWithdrawal()),
              refunds: await portal.queryFilter(portal.filters.DepositRefunded()),
            };
          }),
        );
      }

      it("moves assets through every rollup's portal, which holds exactly what it owes (the chain's events agree)", async function () {
        const alt = (await altToken(hre)).target;
        const token = await altToken(hre);
        const all = await portals();
        expect(all.map((p) => p.deposits.length)).to.deep.equal(second.bridge.rollups.map((r) => r.deposits));
        for (const [k, p] of all.entries()) {
          const row = second.bridge.rollups[k];
          expect(row.held).to.deep.equal(row.owed, row.rollup);
          expect(p.claims.length).to.equal(row.claimedFast + row.claimedNormal);
          expect(p.refunds.length).to.equal(row.refunded);
          // what came in less what went out, per asset, from the events
          const net = (asset: string) =>
            p.deposits.filter((e) => e.args.token === asset).reduce((n, e) => n + e.args.amount, 0n) -
            p.claims.filter((e) => e.args.token === asset).reduce((n, e) => n + e.args.amount, 0n) -
            p.refunds.filter((e) => e.args.token === asset).reduce((n, e) => n + e.args.amount, 0n);
          expect(await hre.ethers.provider.getBalance(p.portal.target))
            .to.equal(net(ZeroAddress))
            .and.equal(BigInt(row.held.ETH));
          expect(await token.balanceOf(p.portal.target))
            .to.equal(net(alt as string))
            .and.equal(BigInt(row.held.ALT));
        }
        expect(second.bridge.rollups.reduce((n, r) => n + r.deposits, 0)).to.be.greaterThan(20);
        expect(second.bridge.rollups.reduce((n, r) => n + r.claimedNormal, 0)).to.be.greaterThan(5);
      });

      it("pays ALT fast only against a FastFinalized output within its limit, everything else against a Finalized one", async function () {
        const alt = (await altToken(hre)).target;
        let fastClaims = 0;
        for (const p of await portals()) {
          const fastHashes = new Set(p.fast.map((e) => e.args.withdrawalHash));
          for (const e of p.fast) expect(e.args.exposure).to.be.at.most(e.args.limit);
          for (const claim of p.claims) {
            // the output as it stood in the block before the claim's (each transaction is mined in its own block)
            const output = await p.rollup.output(claim.args.outputIndex, { blockTag: claim.blockNumber - 1 });
            if (fastHashes.has(claim.args.withdrawalHash)) {
              fastClaims++;
              expect(claim.args.token).to.equal(alt);
              expect(output.status).to.equal(2n); // FastFinalized
              expect(output.fastLimit).to.be.greaterThan(0n);
            } else {
              expect(output.status).to.equal(3n); // Finalized
            }
          }
        }
        expect(fastClaims).to.equal(second.bridge.rollups.reduce((n, r) => n + r.claimedFast, 0));
        expect(fastClaims).to.be.greaterThan(0);
        // every fast claim is counted against its output's limit in the report
        const used = second.bridge.fastOutputs.reduce((n, o) => n + BigInt(o.used), 0n);
        expect(used).to.be.greaterThan(0n);
        for (const o of second.bridge.fastOutputs) expect(BigInt(o.used)).to.be.at.most(BigInt(o.limit));
      });

      it("times withdrawals: a fast claim within its epoch, a normal one of an optimistic rollup after its challenge period", function () {
        const rows = second.bridge.latency;
        const fast = rows.filter((r) => r.path === "fast (MACH)");
        const normal = rows.filter((r) => r.path === "normal (challenge period)");
        expect([fast.length, normal.length]).to.deep.equal([1, 1]); // rollup-0's: the small run's one optimistic rollup
        // made at 2:00:30 into an epoch, certified at 3:00:30, claimed at 3:45:00 (less the run's spacing of a second)
        expect(Math.min(...fast.map((r) => r.min))).to.be.lessThan(2 * 3_600);
        expect(Math.min(...normal.map((r) => r.min))).to.be.at.least(7 * 86_400);
        for (const r of rows)
          expect([r.min, r.median, r.max]).to.deep.equal([r.min, r.median, r.max].sort((a, b) => a - b));
      });

      it("refuses the forged withdrawal of the false output", function () {
        const forged = second.events.filter((e) => e.kind === "forged-withdrawal");
        expect(forged).to.have.length(1);
        expect(forged[0].epoch).to.equal(3);
        expect(forged[0].detail).to.include("its claim is refused, PortalOutputNotFinalized(2, 1)");
      });

      it("lets every user of an ephemeral rollup out after it retired: withdrawals claimed, deposits never included refunded", async function () {
        const all = await portals();
        const ephemeral = second.rollups.map((r, k) => ({ r, k })).filter(({ r }) => r.ephemeral);
        expect(ephemeral.length).to.be.greaterThan(0);
        for (const { r, k } of ephemeral) {
          const p = all[k];
          const [retired] = await p.rollup.queryFilter(p.rollup.filters.Retired());
          expect(r.state).to.equal("Retired");
          expect(await hre.ethers.provider.getBalance(p.portal.target)).to.equal(0n);
          expect(await (await altToken(hre)).balanceOf(p.portal.target)).to.equal(0n);
          expect(p.refunds.length).to.be.greaterThan(0);
          for (const e of p.refunds) expect(e.blockNumber).to.be.greaterThan(retired.blockNumber);
          expect(p.claims.filter((e) => e.blockNumber > retired.blockNumber)).to.have.length(1);
          expect(second.bridge.rollups[k].unclaimed).to.equal(0);
          const note = second.events.find((e) => e.kind === "escape-hatch" && e.detail.startsWith(`${r.name} `))!;
          expect(note.detail).to.match(
            /withdrawals claimed \(1 after retirement\), 1 deposit\(s\) never included refunded/,
          );
          expect(note.detail).to.include("its portal holds 0 ETH and 0 ALT");
        }
      });
    });

    it("has the proposer behind the L2 catch up at once after the invalidation: every output due, each certified", async function () {
      const factory = await rollupFactory(hre);
      const [created] = await factory.queryFilter(factory.filters.RollupCreated());
      const rollup = await hre.ethers.getContractAt("Rollup", created.args.rollup);
      const interval = (await factory.template(created.args.params.templateId)).outputInterval;
      // the outputs dropped at the invalidation (from #2) re-proposed in its epoch up to the L2's head (block 1,800 × 11)
      const catchUp = second.events.filter((e) => e.kind === "catch-up");
      expect(catchUp.map((e) => [e.epoch, e.detail])).to.deep.equal([
        [11, "rollup-0's proposer, behind the L2, proposed outputs #2 to #10 at once (blocks up to 19800)"],
      ]);
      expect(interval * 11n).to.equal(19_800n);
      // one output an epoch after it: the last covers the last epoch's block
      const count = await rollup.outputCount();
      expect((await rollup.output(count - 1n)).l2BlockNumber).to.equal(interval * BigInt(SMALL.epochs));
      // each caught-up output was certified after the invalidation, #2 on its Finalized parent with a limit, each later
      // one with the least of its cover and its parent's limit
      const [dropped] = await rollup.queryFilter(rollup.filters.OutputsInvalidated());
      const certified = (await rollup.queryFilter(rollup.filters.OutputFastFinalized())).filter(
        (e) => e.blockNumber > dropped.blockNumber && e.args.index >= 2n && e.args.index <= 10n,
      );
      expect(certified.map((e) => Number(e.args.index))).to.deep.equal([2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(certified[0].args.fastLimit).to.be.greaterThan(0n);
      for (let i = 1; i < certified.length; i++)
        expect(certified[i].args.fastLimit).to.be.at.most(certified[i - 1].args.fastLimit);
    });

    it("takes rollups through their lives and outputs through the finality tiers", async function () {
      const [permanent, ephemeral] = second.rollups;
      expect(permanent.services).to.deep.equal(["VITAL", "MACH", "SQUAD"]);
      // the bad output and the four proposed on it before the council's pause
      expect(permanent.outputs.invalidated).to.equal(5);
      expect(ephemeral.ephemeral).to.equal(true);
      expect(ephemeral.state).to.equal("Retired");
      expect(second.outputs.fastFinalized).to.be.greaterThan(0);
      expect(second.outputs.finalized).to.be.greaterThan(0);
      const byTier = second.rollups.reduce((n, r) => n + r.outputs.finalized, 0);
      expect(second.outputs.finalized).to.equal(byTier);
      expect(second.epochs[second.epochs.length - 1].finalizedOutputs).to.be.greaterThanOrEqual(byTier);
    });

    it("registers every operator's BLS key before its MACH joins, and certifies with BLS quorums that reach the threshold", async function () {
      const keys = await blsKeyRegistry(hre);
      const sets = await operatorSets(hre);
      const mach = await serviceContract(hre, "mach");
      // one key per operator (with its proof of possession), counting from the epoch its first allocation counts from
      const registered = await keys.queryFilter(keys.filters.KeyRegistered());
      expect(registered.map((e) => e.args.operator)).to.deep.equal(second.operators.map((o) => o.address));
      const allocations = await sets.queryFilter(sets.filters.AllocationUpdated());
      for (const e of registered) {
        const first = allocations.find((a) => a.args.operator === e.args.operator)!;
        expect(e.args.epoch).to.equal(first.args.effectiveEpoch);
        expect(await keys.keyOf(e.args.operator)).to.equal(e.args.publicKey);
      }
      // every certificate: its total is the set's live stake in its epoch, its signed stake that less its non-signers'
      // allocations, at least the rollup's threshold (6,667 bps) of it; the aggregator asked just enough members, so
      // some certificates leave members out
      const certified = await mach.queryFilter(mach.filters.Certified());
      expect(certified).to.have.length(second.gas.find((g) => g.action === "MACH: certify")!.count);
      expect(certified.length).to.equal(second.epochs[second.epochs.length - 1].fastFinalizedOutputs);
      let withNonSigners = 0;
      for (const e of certified) {
        const { rollup, epoch, nonSigners, signedStake, totalStake } = e.args;
        const setId = await mach.setIdOf(rollup);
        expect(totalStake).to.equal(await sets.liveStakeAt(setId, epoch));
        const left = nonSigners.length === 0 ? [] : await sets.allocationsAt(setId, [...nonSigners], epoch);
        expect(signedStake).to.equal(totalStake - left.reduce((n, x) => n + x, 0n));
        expect(signedStake * 10_000n).to.be.at.least(totalStake * 6_667n);
        if (nonSigners.length > 0) withNonSigners++;
      }
      expect(withNonSigners).to.be.greaterThan(0);
      // the equivocation was proven with the culprit's BLS attestations
      const proven = await mach.queryFilter(mach.filters.EquivocationProven());
      expect(proven).to.have.length(1);
      const culprit = second.operators.find((o) => o.address === proven[0].args.operator)!;
      expect(culprit.honest).to.equal(false);
      expect(second.slashes.find((s) => s.offence === "equivocation")!.operator).to.equal(culprit.name);
    });

    it("executes the governance proposal, which changes the parameter on chain", async function () {
      expect(second.proposal.state).to.equal("Executed");
      expect(second.proposal.proposedEpoch).to.equal(1);
      expect(second.proposal.executedEpoch).to.be.a("number");
      expect(await (await rewardsDistributor(hre)).protocolShareBps()).to.equal(500n);
    });

    it("counts gas per action type from the receipts", async function () {
      const actions = second.gas.map((g) => g.action);
      for (const action of [
        "MACH: certify",
        "VITAL: challenge",
        "SQUAD: post batch",
        "slash: execute",
        "rewards: claim",
      ]) {
        expect(actions, action).to.include(action);
      }
      for (const g of second.gas) expect(g.average).to.equal(Math.floor(g.gas / g.count));
      expect(second.gas.reduce((n, g) => n + g.count, 0)).to.equal(second.run.actions);
    });

    it("reveals each SQUAD rollup's seed of the next epoch in the block its first batch of an epoch (or the keeper) committed, with that block's randomness", async function () {
      const squad = await serviceContract(hre, "squad");
      const sets = await operatorSets(hre);
      const posted = await squad.queryFilter(squad.filters.BatchPosted());
      const squadBatches = second.rollups.filter((r) => r.sequencing === "SQUAD").reduce((n, r) => n + r.batches, 0);
      expect(squadBatches).to.be.greaterThan(0);
      expect(posted.length).to.equal(squadBatches);
      const committed = await squad.queryFilter(squad.filters.SeedCommitted());
      const revealed = await squad.queryFilter(squad.filters.SeedRevealed());
      const delay = await squad.SEED_DELAY();
      // one commitment a rollup an epoch, by the epoch's first batch or else the keeper's commitSeed; every one revealed
      // by the keeper in its target block (the run mines up to it)
      const squadRollups = second.rollups.filter((r) => r.sequencing === "SQUAD").length;
      expect(committed.length).to.be.greaterThan(squadRollups);
      expect(revealed.length).to.equal(committed.length);
      // the keeper's and, on rollup-0, the seed adversary's
      const count = (action: string) => second.gas.find((g) => g.action === action)?.count ?? 0;
      const keeperCommits = count("SQUAD: commit seed") + count("SQUAD: commit seed (adversary)");
      const reveals = count("SQUAD: reveal seed") + count("SQUAD: reveal seed (adversary)");
      expect(count("SQUAD: commit seed (adversary)")).to.equal(SMALL.epochs);
      expect(reveals).to.equal(revealed.length);
      const batchTxs = new Set(posted.map((e) => e.transactionHash));
      expect(committed.filter((e) => batchTxs.has(e.transactionHash)).length).to.equal(
        committed.length - keeperCommits,
      );
      // replayed in chain order: seed(e) = keccak256(abi.encode(latest seed, prevrandao of the target, e)) truncated to
      // 208 bits, revealed in the epoch before e; epochs between reveals inherit
      const mask = 2n ** 208n - 1n;
      const latest = new Map<string, bigint>();
      const randomness = new Set<string>();
      for (const [i, event] of revealed.entries()) {
        const commitment = committed[i];
        const { rollup, epoch, seed } = event.args;
        expect([commitment.args.rollup, commitment.args.epoch]).to.deep.equal([rollup, epoch]);
        expect(BigInt(event.blockNumber)).to.equal(commitment.args.target);
        expect(commitment.args.target).to.equal(BigInt(commitment.blockNumber) + delay);
        // the block's prevrandao, raw: the node returns it as mixHash
        const block = (await hre.network.provider.send("eth_getBlockByNumber", [
          toQuantity(event.blockNumber),
          false,
        ])) as { timestamp: string; mixHash: string };
        randomness.add(block.mixHash);
        // revealed in the epoch before the one it is for
        expect(await sets.epochAt(block.timestamp)).to.equal(epoch - 1n);
        expect(await squad.seedAt(rollup, epoch - 1n), `${rollup}, epoch ${epoch - 1n}`).to.equal(
          latest.get(rollup) ?? 0n,
        );
        const expected =
          BigInt(
            keccak256(
              coder.encode(["uint256", "uint256", "uint256"], [latest.get(rollup) ?? 0n, block.mixHash, epoch]),
            ),
          ) & mask;
        expect(seed).to.equal(expected);
        expect(await squad.seedAt(rollup, epoch), `${rollup}, epoch ${epoch}`).to.equal(expected);
        latest.set(rollup, expected);
      }
      expect(latest.size).to.equal(squadRollups);
      // each reveal's block had randomness of its own, seeded by the run
      expect(randomness.size).to.equal(revealed.length);
    });

    /** The gas of the report's actions of `category`, from the gas-per-action table. */
    const actionGas = (report: SimulationReport, category: GasCategory) =>
      report.gas.filter((g) => categoryOf(g.action) === category).reduce((n, g) => n + g.gas, 0);
    const gasOf = (report: SimulationReport, action: string) => report.gas.find((g) => g.action === action)?.gas ?? 0;

    it("classifies every action of the run, each category used", function () {
      for (const g of second.gas) expect(() => categoryOf(g.action), g.action).not.to.throw();
      for (const category of GAS_CATEGORIES) expect(actionGas(second, category), category).to.be.greaterThan(0);
    });

    it("counts gas per epoch by category: setup as epoch 0, the rows adding up to the gas per action", function () {
      expect(second.gasByEpoch.map((row) => row.epoch)).to.deep.equal([...Array(SMALL.epochs + 1).keys()]);
      for (const row of second.gasByEpoch) expect(Object.keys(row.byCategory)).to.deep.equal([...GAS_CATEGORIES]);
      const overEpochs = (category: GasCategory, from = 0) =>
        second.gasByEpoch.slice(from).reduce((n, row) => n + row.byCategory[category], 0);
      for (const category of GAS_CATEGORIES) {
        expect(overEpochs(category), category).to.equal(actionGas(second, category));
      }
      const total = second.gasByEpoch.reduce(
        (n, row) => n + GAS_CATEGORIES.reduce((m, c) => m + row.byCategory[c], 0),
        0,
      );
      expect(total).to.equal(second.gas.reduce((n, g) => n + g.gas, 0));
      // setup sends no reward claim, duty, upkeep or governance; after it, the only setup-category action is a settlement
      const setup = second.gasByEpoch[0].byCategory;
      expect([setup.rewards, setup.duties, setup.upkeep, setup.governance]).to.deep.equal([0, 0, 0, 0]);
      expect(setup.staking).to.equal(gasOf(second, "stake"));
      expect(overEpochs("setup", 1)).to.equal(gasOf(second, "rollup: settle"));
      // the upkeep runs every epoch
      for (const row of second.gasByEpoch.slice(1))
        expect(row.byCategory.upkeep, `epoch ${row.epoch}`).to.be.greaterThan(0);
    });

    it("gives the upkeep per rollup-epoch: the upkeep actions' gas over the epochs each rollup was not retired", function () {
      const { totalGas, rollupEpochs, perRollupEpoch } = second.upkeep;
      // the fees streamed are the only upkeep: nothing is sent per set
      expect(totalGas).to.equal(gasOf(second, "rollup: stream fees"));
      expect(totalGas).to.equal(actionGas(second, "upkeep"));
      // a rollup counts in every epoch before the one whose first step settles it
      const epochsOf = (rollup: SimulationReport["rollups"][number]) => {
        if (rollup.state !== "Retired") return SMALL.epochs;
        const settled = second.events.find((e) => e.kind === "settlement" && e.detail.startsWith(`${rollup.name} `));
        return settled!.epoch - 1;
      };
      expect(second.rollups.every((r) => r.services.length > 0)).to.equal(true);
      expect(second.rollups.some((r) => r.state === "Retired")).to.equal(true);
      expect(rollupEpochs).to.equal(second.rollups.reduce((n, r) => n + epochsOf(r), 0));
      // one stream per rollup-epoch while fees are due: every epoch for a permanent rollup; for an ephemeral one, up to
      // the first epoch that starts after its expiry (the one that notes it), whose stream reaches the expiry
      const streamsOf = (rollup: SimulationReport["rollups"][number]) => {
        if (!rollup.ephemeral) return SMALL.epochs;
        return second.events.find((e) => e.kind === "expiry" && e.detail.startsWith(`${rollup.name} `))!.epoch;
      };
      const streams = second.gas.find((g) => g.action === "rollup: stream fees")!.count;
      expect(streams).to.equal(second.rollups.reduce((n, r) => n + streamsOf(r), 0));
      expect(streams).to.be.lessThan(rollupEpochs);
      expect(perRollupEpoch).to.equal(Math.floor(totalGas / rollupEpochs));
    });

    it("prints the gas per epoch by category and the upkeep line in the summary", function () {
      const start = lines.indexOf("Gas per epoch by category");
      expect(start).to.be.greaterThan(-1);
      expect(lines[start + 1].trim().split(/\s+/)).to.deep.equal([
        "epoch",
        "setup",
        "staking",
        "rewards",
        "duties",
        "upkeep",
        "governance",
        "bridge",
        "total",
      ]);
      const rows = lines.slice(start + 3, lines.indexOf("", start)).map((line) => line.trim().split(/\s+/));
      expect(rows.map((row) => row[0])).to.deep.equal([...[...Array(SMALL.epochs + 1).keys()].map(String), "all"]);
      const byEpoch = first.gasByEpoch.map((row) => {
        const gas = GAS_CATEGORIES.map((c) => row.byCategory[c]);
        return [String(row.epoch), ...[...gas, gas.reduce((a, b) => a + b, 0)].map((g) => formatNumber(g))];
      });
      expect(rows.slice(0, -1)).to.deep.equal(byEpoch);
      const u = first.upkeep;
      expect(lines).to.include(
        `Upkeep: ${formatNumber(u.perRollupEpoch)} gas per rollup-epoch (${formatNumber(u.totalGas)} over ` +
          `${formatNumber(u.rollupEpochs)} rollup-epochs; budget 200,000)`,
      );
    });
  });
});

describe("simulate gas categories", function () {
  const sources = ["engine.ts", "governance.ts", "adversary.ts", "bridge.ts"].map((file) =>
    readFileSync(path.join("tasks/lib/simulate", file), "utf8"),
  );

  it("classifies every action name the simulation sends, and only those", function () {
    // the action names are the string literals "<subject>: <what>" of the chain calls (and "stake")
    const sent = new Set(sources.flatMap((source) => [...source.matchAll(/"([A-Za-z]+: [^"]+)"/g)].map((m) => m[1])));
    for (const action of sent) expect(() => categoryOf(action), action).not.to.throw();
    for (const action of Object.keys(ACTION_CATEGORIES)) {
      expect(
        sources.some((source) => source.includes(`"${action}"`)),
        action,
      ).to.equal(true);
    }
    expect(Object.keys(ACTION_CATEGORIES).filter((action) => !sent.has(action))).to.deep.equal(["stake"]);
  });

  it("puts the upkeep actions, and only them, in upkeep; reward claims in rewards", function () {
    const upkeep = Object.keys(ACTION_CATEGORIES).filter((action) => ACTION_CATEGORIES[action] === "upkeep");
    expect(upkeep).to.deep.equal(["rollup: stream fees"]);
    const rewards = Object.keys(ACTION_CATEGORIES).filter((action) => ACTION_CATEGORIES[action] === "rewards");
    expect(rewards).to.deep.equal(["rewards: claim"]);
    expect(new Set(Object.values(ACTION_CATEGORIES))).to.deep.equal(new Set(GAS_CATEGORIES));
  });

  it("refuses an action name it does not know, rather than guessing its category", function () {
    expect(() => categoryOf("rollup: teleport")).to.throw(
      'the action "rollup: teleport" has no gas category: add it to ACTION_CATEGORIES (tasks/lib/simulate/report.ts)',
    );
    expect(() => categoryOf("constructor")).to.throw('the action "constructor" has no gas category');
    expect(() => categoryOf("Stake")).to.throw('the action "Stake" has no gas category');
  });
});
