// The seed adversary (issue 18, finding 4): an operator of rollup-0's SQUAD set that takes the rollup's seed duty over to
// steer its share of the leader schedule, as the grinding attack on the old seed did (the first batch of an epoch mixed
// its own block's prevrandao into the next seed: its poster could compute the next schedule for each block of its slot
// and post in the best one, or withhold). What a caller of SquadService can still choose: the block of the commitment
// (`commitSeed`: the seed will mix the prevrandao of the block SEED_DELAY later, which nobody knows yet), and whether it
// reveals in that block (`revealSeed`: the seed is then keccak256(latest seed, that prevrandao, epoch), whoever reveals;
// withheld by everyone, the epoch inherits the latest seed). Each epoch it commits the next epoch's seed itself, at a
// block it picks; in the target block, whose prevrandao it sees, it counts the slots it would lead under the seed a
// reveal gives and under the inherited one, and withholds its reveal when the inherited one leads it more. A reveal is
// anyone's: the keeper reveals in that block then. The result: the slots it leads (the leaders SquadService draws,
// computed here from the chain's seeds and allocations) against the slots its share of the stake would lead.
import { AbiCoder, keccak256, ZeroAddress } from "ethers";
import type { OperatorSets, SquadService } from "../../../typechain-types";
import type { Chain, MinedReceipt } from "./chain";
import type { SeedAdversaryResult } from "./report";
import { Rng } from "./rng";

const coder = AbiCoder.defaultAbiCoder();
/** Seeds are stored in 208 bits (SquadService: uint208 of the keccak). */
const SEED_MASK = (1n << 208n) - 1n;
/** The commitment's block is one of this many next blocks: whichever it picks, it cannot compute the seed. */
const BLOCK_CHOICES = 4;

/** SquadService's seed of `epoch` revealed with `prevrandao` after `latest`. */
function mixSeed(latest: bigint, prevrandao: bigint | string, epoch: bigint): bigint {
  return BigInt(keccak256(coder.encode(["uint256", "uint256", "uint256"], [latest, prevrandao, epoch]))) & SEED_MASK;
}

export interface AdversaryContext {
  chain: Chain;
  squad: SquadService;
  sets: OperatorSets;
  /** Folds what was mined into the ledger (the engine's step end). */
  observe: () => MinedReceipt[];
  keeper: string;
  /** The chain's epoch of the run's epoch 1, and the run's epochs: seeds committed for later ones are not counted. */
  firstChainEpoch: bigint;
  epochs: number;
}

export class SeedAdversary {
  private readonly rng: Rng;
  /** The chain epochs whose seed it committed, and the seed their target block revealed. */
  private readonly committed: { epoch: bigint; seed: bigint }[] = [];
  /** Target blocks in which it withheld its reveal, and the slots it would have led more had nobody revealed. */
  private withheld = 0;
  private sought = 0;

  constructor(
    private readonly x: AdversaryContext,
    seed: string,
    private readonly name: string,
    private readonly address: string,
    private readonly rollupName: string,
    private readonly rollup: string,
    private readonly setId: bigint,
  ) {
    this.rng = new Rng(`${seed}:seed-adversary`);
  }

  /**
   * Its move of the epoch, before any batch of it: the commitment of the next epoch's seed at a block it picks (empty
   * blocks mined before it), then the target block, mined up to, where it reveals or withholds (the keeper reveals).
   * Nothing if the next epoch's seed is committed already.
   */
  async play() {
    const { chain, squad, sets } = this.x;
    const next = (await sets.currentEpoch()) + 1n;
    if ((await squad.seedCommitment(this.rollup)).epoch === next) return;
    // the seed it can compute before the target block is the inherited one, the same from every block: it picks one
    await chain.mineUntil((await chain.blockNumber()) + 1 + this.rng.int(BLOCK_CHOICES));
    await chain.call(this.address, squad, "commitSeed", [this.rollup], "SQUAD: commit seed (adversary)");
    const [, target] = await squad.seedCommitment(this.rollup);
    await chain.mineUntil(Number(target));
    // in the target block it sees the prevrandao: the seed a reveal gives, against the one the epoch inherits
    const prevrandao = await chain.seedNextBlock();
    const inherited = await squad.seedAt(this.rollup, next);
    const revealed = mixSeed(inherited, prevrandao, next);
    this.committed.push({ epoch: next, seed: revealed });
    const draw = await this.drawOf(next - 1n);
    const slots = await this.slotsOf(next);
    const led = (seed: bigint) => slots.filter((slot) => draw.leader(this.random(seed, slot)) === this.address).length;
    const [withReveal, withoutReveal] = [led(revealed), led(inherited)];
    if (withReveal >= withoutReveal) {
      await chain.call(this.address, squad, "revealSeed", [this.rollup], "SQUAD: reveal seed (adversary)");
    } else {
      // anyone reveals in that block: the keeper does
      this.withheld++;
      this.sought += withoutReveal - withReveal;
      await chain.call(this.x.keeper, squad, "revealSeed", [this.rollup], "SQUAD: reveal seed");
    }
    this.x.observe();
  }

  /**
   * The slots it leads in the epochs it seeded within the run, against its share of the stake drawn from in each (its
   * allocation over the set's, in the epoch before): the expected count and its standard deviation, slot by slot.
   */
  async result(): Promise<SeedAdversaryResult> {
    const { squad, sets } = this.x;
    let slots = 0;
    let led = 0;
    let fair = 0;
    let variance = 0;
    const perEpoch: SeedAdversaryResult["perEpoch"] = [];
    for (const { epoch, seed } of this.committed) {
      const runEpoch = Number(epoch - this.x.firstChainEpoch) + 1;
      if (runEpoch > this.x.epochs) continue;
      // the seed its move led to is the one the chain keeps, whoever revealed it
      const kept = await squad.seedAt(this.rollup, epoch);
      if (kept !== seed) throw new Error(`the seed of epoch ${epoch} is not the one its target block revealed`);
      // no leaders unless the set is live in the epoch and in the one before (drawn from)
      if (!(await sets.isLive(this.setId, epoch)) || !(await sets.isLive(this.setId, epoch - 1n))) continue;
      const draw = await this.drawOf(epoch - 1n);
      const leaders = (await this.slotsOf(epoch)).map((slot) => draw.leader(this.random(seed, slot)));
      const share = Number((draw.allocationOf(this.address) * 1_000_000_000n) / draw.total) / 1e9;
      const own = leaders.filter((l) => l === this.address).length;
      perEpoch.push({ epoch: runEpoch, slots: leaders.length, led: own });
      slots += leaders.length;
      led += own;
      fair += leaders.length * share;
      variance += leaders.length * share * (1 - share);
    }
    const round = (value: number) => Math.round(value * 100) / 100;
    return {
      operator: this.name,
      rollup: this.rollupName,
      epochs: perEpoch.length,
      slots,
      led,
      fair: round(fair),
      sigma: round(Math.sqrt(variance)),
      commits: this.committed.length,
      withheld: this.withheld,
      sought: this.sought,
      perEpoch,
    };
  }

  private random(seed: bigint, slot: bigint) {
    return BigInt(keccak256(coder.encode(["uint256", "address", "uint256"], [seed, this.rollup, slot])));
  }

  /** The slots of `epoch` (slot n starts at n × slotLength). */
  private async slotsOf(epoch: bigint): Promise<bigint[]> {
    const { squad, sets } = this.x;
    const [slotLength] = await squad.parameters();
    const [start, end] = await Promise.all([sets.epochStart(epoch), sets.epochStart(epoch + 1n)]);
    const first = (start + slotLength - 1n) / slotLength;
    const after = (end + slotLength - 1n) / slotLength;
    return Array.from({ length: Number(after - first) }, (_, i) => first + BigInt(i));
  }

  /**
   * OperatorSets.drawAt over the allocations counted in `epoch`, computed here (the contract's `schedule` of a whole
   * epoch costs seconds of EVM): in the order the members joined (the draw index's, as nobody leaves a set in the
   * simulation), each taking its allocation of `random % total`.
   */
  private async drawOf(epoch: bigint) {
    const { sets } = this.x;
    const members = [...(await sets.members(this.setId))];
    const [allocations, total] = await Promise.all([
      sets.allocationsAt(this.setId, members, epoch),
      sets.setStakeAt(this.setId, epoch),
    ]);
    if (allocations.reduce((sum, a) => sum + a, 0n) !== total) {
      throw new Error(`the members' allocations in epoch ${epoch} do not add up to the set's stake`);
    }
    return {
      total,
      allocationOf: (operator: string) => allocations[members.indexOf(operator)] ?? 0n,
      leader: (random: bigint): string => {
        if (total === 0n) return ZeroAddress;
        let target = random % total;
        for (const [i, allocation] of allocations.entries()) {
          if (target < allocation) return members[i];
          target -= allocation;
        }
        return ZeroAddress;
      },
    };
  }
}
