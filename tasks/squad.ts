// SQUAD sequencing tasks: the leader schedule, posting a batch as leader (or as a member after the grace period), and
// the keeper's seed duty. A slot's leader is drawn stake-weighted from the allocations counted in the epoch before the
// slot's, with the rollup's seed of the slot's epoch, set in the epoch before by commit and reveal: the first batch of
// an epoch (or squad reveal-seed) commits the next epoch's seed to the prevrandao of a block SEED_DELAY blocks ahead,
// and a reveal in exactly that block (squad reveal-seed, or a batch landing in it) sets it; a target missed leaves the
// next epoch the latest seed. The slots of the current epoch are fixed; those of the next are once its seed is revealed
// (or, at the latest, when it begins); a slot further on is shown as drawn now and may change (an allocation changed now
// counts in the next epoch, and the seed is not revealed yet).
import { scanFrom } from "./lib/addressBook";
import { id, isHexString, ZeroAddress } from "ethers";
import { confirm, fail, formatAlt, formatTime, output, preflight, signerFor, txLine, areaTask } from "./lib/cli";
import { eventsOf, formatBps, latestTime, operatorSets, parseWhole, slashingManager } from "./lib/restaking";
import { parseRollup, rollupFactory } from "./lib/rollups";
import {
  censorshipRefusal,
  duration,
  forcedItems,
  missRefusal,
  registeredSet,
  reportableMisses,
  serviceContract,
  slashRefusal,
  squadContext,
  when,
} from "./lib/services";
import { altToken } from "./lib/genesis";

/** The most slots one schedule call reads (a view: bounded to stay under a node's call gas cap). */
const MAX_SLOTS = 500;

areaTask(
  "squad schedule",
  "Prints the SQUAD leaders of the next slots of a rollup (those of a later epoch may change until its seed is revealed in the epoch before it)",
)
  .addParam("rollup", "Rollup address or chain ID")
  .addOptionalParam("slots", "How many slots, from the current one", "10")
  .addFlag("json", "Print the result as JSON")
  .setAction(async (args: { rollup: string; slots: string; json: boolean }, hre) => {
    const count = parseWhole(args.slots, "--slots", { positive: true });
    if (count > BigInt(MAX_SLOTS)) fail(`--slots is at most ${MAX_SLOTS}`);
    const rollup = await (await parseRollup(hre, await rollupFactory(hre), args.rollup)).getAddress();
    const squad = await serviceContract(hre, "squad");
    await registeredSet(hre, squad, rollup, "squad");
    const [slotLength, gracePeriod] = await squad.parameters();
    const first = await squad.currentSlot();
    const leaders = await squad.schedule(rollup, first, count);
    const now = await latestTime(hre);
    const slots = leaders.map((leader, i) => {
      const slot = first + BigInt(i);
      return { slot, start: Number(slot * slotLength), openToAllAt: Number(slot * slotLength + gracePeriod), leader };
    });
    return output(args.json, { rollup, slotLength, gracePeriod, slots }, () => [
      `SQUAD schedule of ${rollup} (slots of ${duration(slotLength)}, open to every member after ${duration(gracePeriod)}):`,
      ...slots.map(
        (s) =>
          `  slot ${s.slot} from ${when(s.start, now)}: ${s.leader === ZeroAddress ? "no leader (any member)" : s.leader}`,
      ),
    ]);
  });

areaTask("squad post-batch", "Posts a batch to a SQUAD rollup in the current slot")
  .addParam("rollup", "Rollup address or chain ID")
  .addParam("commitment", "The batch's DA commitment: 32-byte hex, or any text (hashed)")
  .addOptionalParam("include", "Forced-inclusion queue items this batch includes", "0")
  .addOptionalParam("from", "Account to act as (default: the first account)")
  .addFlag("json", "Print the result as JSON")
  .setAction(
    async (args: { rollup: string; commitment: string; include: string; from?: string; json: boolean }, hre) => {
      const include = parseWhole(args.include, "--include");
      const rollup = await (await parseRollup(hre, await rollupFactory(hre), args.rollup)).getAddress();
      const squad = await serviceContract(hre, "squad");
      await registeredSet(hre, squad, rollup, "squad");
      const signer = await signerFor(hre, args.from);
      const poster = await signer.getAddress();
      const commitment = isHexString(args.commitment, 32) ? args.commitment : id(args.commitment);
      const token = await altToken(hre);
      const before = await token.balanceOf(poster);
      const tx = await confirm(squad.connect(signer).postBatch(rollup, commitment, include));
      const fees = (await token.balanceOf(poster)) - before;
      // the slot is the one of the block the batch landed in, which may follow the latest one into another slot
      const posted = await squad.queryFilter(squad.filters.BatchPosted(rollup, undefined, poster), tx.block, tx.block);
      const { slot, byLeader } = posted[posted.length - 1].args;
      const leader = await squad.leaderAt(rollup, slot);
      return output(
        args.json,
        { rollup, slot, leader, poster, byLeader, commitment, included: include, fees, tx },
        () => [
          txLine(
            `batch ${commitment} posted in slot ${slot} ${byLeader ? "as leader" : leader === ZeroAddress ? "(no leader)" : `for leader ${leader}`}`,
            tx,
          ),
          ...(fees > 0n ? [`  inclusion fees received: ${formatAlt(fees)}`] : []),
        ],
      );
    },
  );

/** How often squad reveal-seed --wait reads the latest block. */
const WAIT_POLL_MS = 1_000;

areaTask(
  "squad reveal-seed",
  "The keeper's seed duty for a SQUAD rollup: commits the next epoch's seed if nothing has, or reveals it in the committed block",
)
  .addParam("rollup", "Rollup address or chain ID")
  .addOptionalParam("from", "Account to act as (default: the first account)")
  .addFlag(
    "wait",
    "Wait for the block before the committed one, then reveal (otherwise refuse unless it is the latest)",
  )
  .addFlag("json", "Print the result as JSON")
  .setAction(async (args: { rollup: string; from?: string; wait: boolean; json: boolean }, hre) => {
    const rollup = await (await parseRollup(hre, await rollupFactory(hre), args.rollup)).getAddress();
    const squad = await serviceContract(hre, "squad");
    await registeredSet(hre, squad, rollup, "squad");
    const sets = await operatorSets(hre);
    const signer = await signerFor(hre, args.from);
    const provider = hre.ethers.provider;
    const next = (await sets.currentEpoch()) + 1n;
    const [epoch, target, revealed] = await squad.seedCommitment(rollup);
    if (epoch !== next) {
      // nothing committed for the next epoch yet: commit it (the reveal is for a later run, in the target block)
      await preflight(squad.connect(signer).commitSeed.staticCall(rollup));
      const tx = await confirm(squad.connect(signer).commitSeed(rollup));
      const [, committed] = await squad.seedCommitment(rollup);
      return output(args.json, { rollup, epoch: next, action: "committed", target: committed, tx }, () => [
        txLine(`seed of epoch ${next} committed to the prevrandao of block ${committed}`, tx),
        `  reveal it in block ${committed}: squad reveal-seed --rollup ${rollup} --wait`,
      ]);
    }
    if (revealed) fail(`the seed of epoch ${next} of ${rollup} was revealed already (in block ${target})`);
    let latest = BigInt(await provider.getBlockNumber());
    if (latest + 1n < target && args.wait) {
      while (latest + 1n < target) {
        await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
        latest = BigInt(await provider.getBlockNumber());
      }
    }
    if (latest + 1n < target) {
      fail(`the seed of epoch ${next} is revealed in block ${target} only: the latest is ${latest} (run with --wait)`);
    }
    if (latest + 1n > target) {
      fail(`block ${target}, the seed of epoch ${next}'s, is past (latest ${latest}): epoch ${next} inherits the seed`);
    }
    await preflight(squad.connect(signer).revealSeed.staticCall(rollup, { blockTag: "pending" }));
    const tx = await confirm(squad.connect(signer).revealSeed(rollup));
    const seed = await squad.seedAt(rollup, next);
    return output(args.json, { rollup, epoch: next, action: "revealed", target, seed, tx }, () => [
      txLine(`seed of epoch ${next} revealed in block ${target}: ${seed}`, tx),
    ]);
  });

/** How many other reportable slots or items a report lists (the rest are counted). */
const LISTED = 10;

const listed = (values: bigint[]) =>
  values.slice(0, LISTED).join(", ") + (values.length > LISTED ? ` and ${values.length - LISTED} more` : "");

areaTask(
  "squad report-miss",
  "Reports a slot of a SQUAD rollup whose leader did not post in it (anyone): the miss counts towards the leader's jail",
)
  .addParam("rollup", "Rollup address or chain ID")
  .addOptionalParam("slot", "The slot (default: the latest slot whose miss can be reported)")
  .addOptionalParam("from", "Account to act as (default: the first account)")
  .addFlag("json", "Print the result as JSON")
  .setAction(async (args: { rollup: string; slot?: string; from?: string; json: boolean }, hre) => {
    const given = args.slot === undefined ? undefined : parseWhole(args.slot, "--slot");
    const rollup = await (await parseRollup(hre, await rollupFactory(hre), args.rollup)).getAddress();
    const ctx = await squadContext(hre, rollup);
    let slot: bigint;
    let others: bigint[] = [];
    if (given !== undefined) {
      slot = given;
    } else {
      const { first, slots, tally } = await reportableMisses(ctx);
      const epochs = ctx.epoch === 0n ? "epoch 0" : `epochs ${ctx.epoch - 1n} and ${ctx.epoch}`;
      if (slots.length === 0) {
        fail(
          tally.over === 0
            ? `no slot of ${epochs} is over yet: no miss to report`
            : `no missed slot of ${rollup} to report in ${epochs}: of the ${tally.over} slots over since ` +
                `${formatTime(first * ctx.slotLength)}, ${tally.posted} posted by their leader, ${tally.reported} ` +
                `reported already, ${tally.noLeader} without a leader, ${tally.excused} with their leader excused ` +
                `(jailed), ${tally.notLive} while the rollup could not take batches`,
        );
      }
      [slot, ...others] = slots.map((s) => s.slot);
    }
    // the contract's refusals, in its order, with the figures: nothing is sent
    const { refusal, leader } = await missRefusal(ctx, slot);
    if (refusal !== undefined) fail(refusal);
    const squad = ctx.squad.connect(await signerFor(hre, args.from));
    await preflight(squad.reportMiss.staticCall(rollup, slot));
    const tx = await confirm(squad.reportMiss(rollup, slot));
    const [missed] = await eventsOf(hre, tx, ctx.squad, "SlotMissed");
    const [jailed] = await eventsOf(hre, tx, ctx.squad, "LeaderJailed");
    const misses = missed.args.misses as bigint;
    const jailedUntil = jailed === undefined ? null : (jailed.args.until as bigint);
    const start = slot * ctx.slotLength;
    const now = await latestTime(hre);
    return output(
      args.json,
      { rollup, slot, start, leader, misses, maxMisses: ctx.maxMisses, jailedUntil, others, tx },
      () => [
        txLine(`miss of slot ${slot} (from ${when(start, now)}) reported: leader ${leader}`, tx),
        jailedUntil === null
          ? `  ${misses} of ${ctx.maxMisses} misses counted (its slots of this epoch and the one before): ` +
            `${ctx.maxMisses - misses} more jail it for ${duration(ctx.jailTime)}`
          : `  ${misses} misses reached ${ctx.maxMisses}: ${leader} jailed in the set until ${when(jailedUntil, now)}, ` +
            `its count cleared`,
        ...(others.length === 0
          ? []
          : [`  ${others.length} more missed slots to report: ${listed(others)} (squad report-miss --slot)`]),
      ],
    );
  });

areaTask(
  "squad report-censorship",
  "Reports the SQUAD leader of the first whole slot after a forced-queue item's deadline, which skipped it (anyone): a slash request",
)
  .addParam("rollup", "Rollup address or chain ID")
  .addOptionalParam("item", "Queue index of the item forced in (default: the latest whose censorship can be reported)")
  .addOptionalParam("fromBlock", "Without --item: look for items forced in from this block", "0")
  .addOptionalParam("from", "Account to act as and be the reporter (default: the first account)")
  .addFlag("json", "Print the result as JSON")
  .setAction(async (args: { rollup: string; item?: string; fromBlock: string; from?: string; json: boolean }, hre) => {
    const given = args.item === undefined ? undefined : parseWhole(args.item, "--item");
    const fromBlock = Number(parseWhole(args.fromBlock, "--from-block"));
    const rollup = await (await parseRollup(hre, await rollupFactory(hre), args.rollup)).getAddress();
    const ctx = await squadContext(hre, rollup);
    let checked;
    let others: bigint[] = [];
    if (given !== undefined) {
      checked = { item: given, ...(await censorshipRefusal(ctx, given)) };
      if (checked.refusal !== undefined) fail(checked.refusal);
    } else {
      const forced = await forcedItems(ctx, await scanFrom(hre, fromBlock));
      if (forced.length === 0)
        fail(`no item of ${rollup}'s forced-inclusion queue was forced in: no censorship to report`);
      // one report a slot: the latest item of each slot blamed stands for it
      const reportable = [];
      const slots = new Set<bigint>();
      let latestRefusal: string | undefined;
      for (const item of forced) {
        const c = await censorshipRefusal(ctx, item);
        if (c.refusal !== undefined) latestRefusal ??= `item ${item}: ${c.refusal}`;
        else if (!slots.has(c.slot)) {
          slots.add(c.slot);
          reportable.push({ item, ...c });
        }
      }
      if (reportable.length === 0) {
        fail(
          `none of the ${forced.length} items forced into ${rollup}'s queue is reportable (the latest, ${latestRefusal})`,
        );
      }
      [checked] = reportable;
      others = reportable.slice(1).map((r) => r.item);
    }
    const { item, slot, leader, deadline, forcedAt } = checked;
    const signer = await signerFor(hre, args.from);
    const reporter = await signer.getAddress();
    const squad = ctx.squad.connect(signer);
    await preflight(squad.reportCensorship.staticCall(rollup, item), (reason) => slashRefusal(reason, ctx.now));
    const tx = await confirm(squad.reportCensorship(rollup, item), (reason) => slashRefusal(reason, ctx.now));
    const [reported] = await eventsOf(hre, tx, ctx.squad, "CensorshipReported");
    const requestId = reported.args.requestId as bigint;
    const manager = await slashingManager(hre);
    const request = await manager.request(requestId);
    const reporterBps = await manager.reporterBps();
    const now = await latestTime(hre);
    return output(
      args.json,
      {
        rollup,
        item,
        deadline,
        forcedAt,
        slot,
        leader,
        requestId,
        bps: request.bps,
        executableAt: request.executableAt,
        reporter,
        others,
        tx,
      },
      () => [
        txLine(
          `censorship of queue item ${item} reported: ${leader}, leader of slot ${slot}, slash request ${requestId}`,
          tx,
        ),
        `  item due ${formatTime(deadline)}, slot ${slot} from ${formatTime(slot * ctx.slotLength)}, forced in ${when(forcedAt, now)}`,
        `  ${formatBps(request.bps)} of its allocation to the set, executable from ${when(request.executableAt, now)} ` +
          `unless vetoed; ${leader} is jailed while the request is pending`,
        `  the reporter ${reporter} receives ${formatBps(reporterBps)} of what is slashed`,
        ...(others.length === 0
          ? []
          : [`  ${others.length} more items to report: ${listed(others)} (squad report-censorship --item)`]),
      ],
    );
  });
