// SQUAD sequencing tasks: the leader schedule, and posting a batch as leader (or as a member after the grace period).
// A slot's leader is drawn stake-weighted from the allocations counted in the epoch before the slot's, with the
// rollup's seed of the slot's epoch, which the first batch posted in the epoch before fixes: an epoch's schedule is
// fixed once the first batch of the epoch before is posted (its allocations were fixed before that epoch began), or
// when it begins if no batch was (it inherits the latest seed). The slots of the current epoch are fixed; those of the
// next are once a batch is posted in this one; a slot further on is shown as drawn now and may change (an allocation
// changed now counts in the next epoch, and the seed is not fixed yet).
import { task } from "hardhat/config";
import { id, isHexString, ZeroAddress } from "ethers";
import { confirm, fail, formatAlt, formatTime, output, signerFor, txLine } from "./lib/cli";
import { parseWhole } from "./lib/restaking";
import { parseRollup, rollupFactory } from "./lib/rollups";
import { registeredSet, serviceContract } from "./lib/services";
import { altToken } from "./lib/genesis";

/** The most slots one schedule call reads (a view: bounded to stay under a node's call gas cap). */
const MAX_SLOTS = 500;

task(
  "squad:schedule",
  "Prints the SQUAD leaders of the next slots of a rollup (those of a later epoch may change until the first batch of the epoch before it)",
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
