// SQUAD sequencing tasks: the leader schedule, posting a batch as leader (or as a member after the grace period), and
// the keeper's seed duty. A slot's leader is drawn stake-weighted from the allocations counted in the epoch before the
// slot's, with the rollup's seed of the slot's epoch, set in the epoch before by commit and reveal: the first batch of
// an epoch (or squad:reveal-seed) commits the next epoch's seed to the prevrandao of a block SEED_DELAY blocks ahead,
// and a reveal in exactly that block (squad:reveal-seed, or a batch landing in it) sets it; a target missed leaves the
// next epoch the latest seed. The slots of the current epoch are fixed; those of the next are once its seed is revealed
// (or, at the latest, when it begins); a slot further on is shown as drawn now and may change (an allocation changed now
// counts in the next epoch, and the seed is not revealed yet).
import { task } from "hardhat/config";
import { id, isHexString, ZeroAddress } from "ethers";
import { confirm, fail, formatAlt, formatTime, output, preflight, signerFor, txLine } from "./lib/cli";
import { operatorSets, parseWhole } from "./lib/restaking";
import { parseRollup, rollupFactory } from "./lib/rollups";
import { registeredSet, serviceContract } from "./lib/services";
import { altToken } from "./lib/genesis";

/** The most slots one schedule call reads (a view: bounded to stay under a node's call gas cap). */
const MAX_SLOTS = 500;

task(
  "squad:schedule",
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
    const slots = leaders.map((leader, i) => {
      const slot = first + BigInt(i);
      return { slot, start: Number(slot * slotLength), openToAllAt: Number(slot * slotLength + gracePeriod), leader };
    });
    return output(args.json, { rollup, slotLength, gracePeriod, slots }, () => [
      `SQUAD schedule of ${rollup} (slots of ${slotLength}s, grace ${gracePeriod}s):`,
      ...slots.map(
        (s) =>
          `  slot ${s.slot} from ${formatTime(s.start)}: ${s.leader === ZeroAddress ? "no leader (any member)" : s.leader}`,
      ),
    ]);
  });

task("squad:post-batch", "Posts a batch to a SQUAD rollup in the current slot")
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

/** How often squad:reveal-seed --wait reads the latest block. */
const WAIT_POLL_MS = 1_000;

task(
  "squad:reveal-seed",
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
        `  reveal it in block ${committed}: squad:reveal-seed --rollup ${rollup} --wait`,
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
