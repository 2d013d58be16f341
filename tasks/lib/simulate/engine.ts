// The whole restaked-rollup economy on the in-process network: the protocol deployed as a real deployment is (Ignition,
// a parameter file), the seeded world set up on it, then epoch after epoch of fees, SQUAD slots, outputs,
// MACH certificates, VITAL challenges, slashes, withdrawals, reward claims, rollup expiry and a governance proposal.
// Each step of an epoch starts at a fixed time into the epoch (its transactions one second apart); the report
// is folded from the chain's events. MACH is played with BLS: each operator registers a BLS key (seeded) at setup, and
// certificates are quorums (one aggregate signature, the set's other members as non-signers).
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { AbiCoder, getBytes, keccak256, MaxUint256, isAddress, ZeroAddress, ZeroHash, type Interface } from "ethers";
import type {
  AltGovernor,
  AltToken,
  BlsKeyRegistry,
  MachService,
  OperatorSets,
  Portal,
  RestakingRegistry,
  RewardsDistributor,
  Rollup,
  RollupFactory,
  SlashingManager,
  SquadService,
  VestingPosition,
  VitalService,
} from "../../../typechain-types";
import { fail, formatAlt } from "../cli";
import { deployProtocol } from "../deployment";
import { altToken, VESTING_KEY_PREFIX } from "../genesis";
import { governor as governorOf } from "../governance";
import { blsKeyRegistry, operatorSets, restakingRegistry, rewardsDistributor, slashingManager } from "../restaking";
import { blsPublicKey, buildQuorum, keyAt, keyRegistration, MACH_DOMAIN, signDigest } from "../mach";
import { encodeG1, hashToG1 } from "../bls";
import { rollupFactory } from "../rollups";
import { serviceContract } from "../services";
import { SeedAdversary } from "./adversary";
import { Bridge, BRIDGE_USER_ALT, BRIDGE_USERS } from "./bridge";
import { Chain, type CallTarget, type MinedReceipt } from "./chain";
import { GovernanceThread } from "./governance";
import { CHALLENGE, Ledger, OUTPUT, VOTE, protocolInterface } from "./ledger";
import type { EpochPoint, OperatorRow, RollupRow, SeedAdversaryResult, SimulationReport } from "./report";
import { Names, Rng } from "./rng";
import {
  challengeDelay,
  drawWorld,
  SCRIPT,
  SERVICE,
  SERVICE_NAMES,
  validateOptions,
  stakerTotal,
  type OperatorPlan,
  type RollupPlan,
  type SimulateOptions,
  type Timings,
  type World,
} from "./world";
import { DA_LAYERS } from "../../../deploy/lib/rollups";
import type { ProtocolParameters } from "../../../deploy/lib/parameters";

/** The simulation's calendar starts here (2100-01-01T00:00:00Z), whatever the wall clock says: runs are repeatable. */
export const START_TIME = 4_102_444_800;
/** Seconds between two setup steps. */
const SETUP_GAP = 12;
/** The most outputs a proposer behind the L2 proposes in one step. */
const CATCH_UP = 16;
const HOUR = 3_600;

type ServiceName = (typeof SERVICE_NAMES)[number];
type Service = VitalService | MachService | SquadService;

interface LiveRollup {
  plan: RollupPlan;
  address: string;
  contract: Rollup;
  interval: bigint;
  challengePeriod: number;
  thresholdBps: bigint;
  expiry: number;
  settlesAt: number;
  paidUntil: number;
  lastStreamed: number;
  sets: Partial<Record<ServiceName, bigint>>;
  expiryNoted: boolean;
  settled: boolean;
  /** Its final output (the one after its expiry, covering the blocks up to it) is proposed. */
  finalProposed: boolean;
  /** The security council's pause (the scripted one): when it began and until when. */
  pause?: { from: number; until: number };
}

export interface SimulationRun {
  options: SimulateOptions;
  /** A parameter file other than the network's (deploy/parameters/hardhat.json). */
  parameters?: string;
  /** Called after each epoch. */
  onEpoch?: (epoch: number, detail: string) => void;
}

/** Reads and checks the parameter file and the options before anything is sent. */
async function prepare(hre: HardhatRuntimeEnvironment, run: SimulationRun) {
  if (hre.network.name !== "hardhat") fail("simulate runs on the in-process hardhat network only: drop --network");
  const { loadParameters, withDeployer } = await import("../../../deploy/lib/parameters");
  const { buildProtocolModules } = await import("../../../deploy/lib/protocol");
  const [deployer] = await hre.ethers.getSigners();
  let parameters: ProtocolParameters;
  let built: ReturnType<typeof buildProtocolModules>;
  try {
    parameters = withDeployer(loadParameters(hre.network.name, run.parameters), deployer.address);
    built = buildProtocolModules(parameters, "governance");
  } catch (e) {
    fail((e as Error).message);
  }
  const restaking = built.restakingConfig!;
  const rollups = built.rollupsConfig!;
  const services = built.servicesConfig!;
  const governance = built.governanceConfig!;
  const timings: Timings = {
    epochLength: restaking.epochLength,
    withdrawalDelay: restaking.withdrawalDelay,
    vetoWindow: restaking.vetoWindow,
    settlementWindow: rollups.settlementWindow,
    challengePeriod: Math.max(0, ...rollups.templates.filter((t) => t.proofSystem === 0).map((t) => t.challengePeriod)),
    governance:
      governance.votingDelay + governance.votingPeriod + governance.lateQuorumExtension + governance.timelockDelay,
    vitalVotingPeriod: services.vital.votingPeriod,
  };
  validateOptions(run.options, timings);
  const world = drawWorld(run.options, rollups.templates, services.maxSize);

  // the actors are funded from an allocation unlocked at genesis (Launchpool in the shipped parameters)
  const { positions, categories } = built.genesisConfig;
  const unlocked = positions
    .map((p, i) => ({ p, category: categories[i] }))
    .filter(({ p }) => p.cliffDuration === 0 && p.duration === 0)
    .sort((a, b) => (a.p.amount > b.p.amount ? -1 : a.p.amount < b.p.amount ? 1 : 0));
  if (unlocked.length === 0) {
    fail(
      "simulate funds its actors from an allocation unlocked at genesis (cliff 0, duration 0); the parameters have none",
    );
  }
  const funding = unlocked[0];
  const needed = fundingNeeded(world, run.options.epochs, restaking.epochLength, rollups, services.vital.bond);
  if (needed > funding.p.amount) {
    fail(
      `the ${funding.category} allocation (${formatAlt(funding.p.amount)}) cannot fund this world ` +
        `(${formatAlt(needed)}): lower --operators, --stakers or --rollups`,
    );
  }
  // genesis delegates vote the proposal ("timelock" placeholders and the zero address left out)
  const delegates = [...new Set(positions.map((p) => p.delegatee))].filter(
    (d) => isAddress(d) && d !== ZeroAddress && d !== built.genesisConfig.treasury,
  );
  return { world, timings, funding, delegates, services };
}

/**
 * ALT the world needs: stakes, bonds for challenges, rollup creation fees, prepaid service fees, output bonds and the
 * bridge users' ALT.
 */
function fundingNeeded(
  world: World,
  epochs: number,
  epochLength: number,
  rollups: { feePerServicePerSecond: bigint; templates: { creationFee: bigint; outputBond: bigint }[] },
  bond: bigint,
): bigint {
  let total = BigInt(world.rollups.length * BRIDGE_USERS) * BRIDGE_USER_ALT;
  for (const op of world.operators) total += op.stake + (op.honest ? 2n * bond : 0n);
  for (const s of world.stakers) total += stakerTotal(s);
  for (const r of world.rollups) {
    const t = rollups.templates[r.templateId];
    total += t.creationFee + prepaid(rollups.feePerServicePerSecond, r, epochs, epochLength);
    total += outputBonds(r, t.outputBond, epochs);
  }
  return total;
}

/**
 * What `r`'s proposer holds for its output bonds (a rollup with VITAL bonds each output until it finalizes): one per
 * output of the run, so it never runs short whatever finalizes when.
 */
const outputBonds = (r: RollupPlan, bond: bigint, epochs: number) =>
  r.services & SERVICE.VITAL ? bond * BigInt(epochs + 2) : 0n;

const serviceCount = (services: number) => (services & 1) + ((services >> 1) & 1) + ((services >> 2) & 1);

/** RollupFactory.MIN_PREPAID_DURATION: a permanent rollup prepays at least this long. */
const MIN_PREPAID_DURATION = 30 * 86_400;

/**
 * A rollup prepays the whole run (two epochs spare), at least the factory's minimum; an ephemeral one is refunded
 * what its expiry leaves unused when it settles.
 */
function prepaid(rate: bigint, plan: RollupPlan, epochs: number, epochLength: number) {
  const seconds = Math.max((epochs + 2) * epochLength, MIN_PREPAID_DURATION);
  return rate * BigInt(serviceCount(plan.services) * seconds);
}

export async function simulate(hre: HardhatRuntimeEnvironment, run: SimulationRun): Promise<SimulationReport> {
  const started = Date.now();
  const { world, timings, funding, delegates, services } = await prepare(hre, run);
  const names = new Names(run.options.seed);
  const abi = await protocolInterface(hre);
  const chain = new Chain(hre, abi, (n) => names.hash(`block:${n}`));
  await chain.reset();
  await chain.pinned(START_TIME, () => deployProtocol(hre, "governance", run.parameters));
  const sim = await Simulation.create(hre, chain, world, run, timings, delegates, services.vital.bond, abi);
  await sim.setup(funding.category, funding.p.beneficiary);
  for (let e = 1; e <= run.options.epochs; e++) {
    await sim.epoch(e);
    run.onEpoch?.(e, `${chain.actions.toLocaleString("en-US")} transactions`);
  }
  const report = await sim.report();
  const wallSeconds = Math.round((Date.now() - started) / 100) / 10;
  report.run = {
    startedAt: new Date(started).toISOString(),
    wallSeconds,
    actions: chain.actions,
    actionsPerSecond: Math.round(chain.actions / wallSeconds),
  };
  return report;
}

class Simulation {
  private readonly rng: Rng;
  private readonly names: Names;
  private readonly ledger: Ledger;
  private readonly live: LiveRollup[] = [];
  private readonly stakeBefore = new Map<string, bigint>();
  private readonly points: EpochPoint[] = [];
  private governance!: GovernanceThread;
  private genesis = 0;
  /** The chain's epoch number of the simulation's epoch 1. */
  private firstEpoch = 0;
  private readonly keeper: string;
  /** SquadService's slot length and grace period (s), read once at setup. */
  private squadTiming = { slotLength: 0, gracePeriod: 0 };
  /** Each operator's plan by its address. */
  private readonly operatorAt = new Map<string, OperatorPlan>();
  /** The sets each operator joined, by its address, in the order it joined them: its rewards' (operator, set) pairs. */
  private readonly setsOf = new Map<string, bigint[]>();
  /** The outputs proposed in the current epoch, by rollup: their indexes, and whether it is the scripted bad one. */
  private readonly proposed = new Map<LiveRollup, { indexes: number[]; bad: boolean }>();
  /** Rollup-epochs so far: each epoch, the rollups not retired at its first step and with at least one service set. */
  private rollupEpochs = 0;
  /**
   * The scripted bad output once proposed: its rollup and index, the epoch it is challenged in (late enough for the
   * council's pause to outlast its challenge period), and how its paused challenge went.
   */
  private scripted?: { r: LiveRollup; index: number; challengeEpoch: number; resumed: boolean };
  /** Challenges whose output's proposer tried to finalize it (refused): one attempt each. */
  private readonly refusedFinality = new Set<bigint>();
  /** The operator that grinds rollup-0's SQUAD seed (the second dishonest one, else the first), from epoch 1. */
  private adversary?: SeedAdversary;
  /** The rollups' users: deposits, withdrawals and claims through the portals (created once the rollups exist). */
  private bridge?: Bridge;

  private constructor(
    private readonly hre: HardhatRuntimeEnvironment,
    private readonly chain: Chain,
    private readonly world: World,
    private readonly run: SimulationRun,
    private readonly timings: Timings,
    private readonly c: {
      token: AltToken;
      registry: RestakingRegistry;
      sets: OperatorSets;
      slashing: SlashingManager;
      rewards: RewardsDistributor;
      keys: BlsKeyRegistry;
      factory: RollupFactory;
      governor: AltGovernor;
      services: Record<ServiceName, Service>;
    },
    private readonly bond: bigint,
    abi: Interface,
  ) {
    this.rng = new Rng(`${run.options.seed}:run`);
    this.names = new Names(run.options.seed);
    this.keeper = this.names.address("keeper");
    for (const op of world.operators) this.operatorAt.set(op.address, op);
    const serviceByAddress = new Map<string, ServiceName>();
    for (const name of SERVICE_NAMES) serviceByAddress.set(c.services[name].target as string, name);
    this.ledger = new Ledger(
      abi,
      (address) => this.operatorAt.get(address)?.name ?? this.rollupName(address) ?? address,
      (slasher) => serviceByAddress.get(slasher) ?? "other",
    );
  }

  static async create(
    hre: HardhatRuntimeEnvironment,
    chain: Chain,
    world: World,
    run: SimulationRun,
    timings: Timings,
    delegates: string[],
    bond: bigint,
    abi: Interface,
  ) {
    const contracts = {
      token: await altToken(hre),
      registry: await restakingRegistry(hre),
      sets: await operatorSets(hre),
      slashing: await slashingManager(hre),
      rewards: await rewardsDistributor(hre),
      keys: await blsKeyRegistry(hre),
      factory: await rollupFactory(hre),
      governor: await governorOf(hre),
      services: {
        VITAL: await serviceContract(hre, "vital"),
        MACH: await serviceContract(hre, "mach"),
        SQUAD: await serviceContract(hre, "squad"),
      } as Record<ServiceName, Service>,
    };
    const sim = new Simulation(hre, chain, world, run, timings, contracts, bond, abi);
    sim.governance = new GovernanceThread(
      hre,
      chain,
      contracts.governor,
      contracts.token,
      contracts.rewards,
      delegates,
    );
    return sim;
  }

  private rollupName(address: string) {
    return this.live.find((r) => r.address === address)?.plan.name;
  }

  // ================================================================= sending

  private call(from: string, contract: CallTarget, fn: string, args: unknown[], action: string) {
    return this.chain.call(from, contract, fn, args, action);
  }

  /** Starts a step: what is sent next is mined at `t`. */
  private at(t: number) {
    this.chain.at(t);
  }

  /** Ends a step: the events of what it mined are folded into the ledger. */
  private observe(): MinedReceipt[] {
    const mined = this.chain.take();
    this.ledger.observe(mined);
    this.bridge?.observe(mined);
    return mined;
  }

  private epochStart(e: number) {
    return this.genesis + (this.firstEpoch + e - 1) * this.timings.epochLength;
  }

  // ================================================================= setup

  async setup(fundingCategory: string, funder: string) {
    const { token, registry, sets, factory } = this.c;
    const { operators, stakers, rollups } = this.world;
    const L = this.timings.epochLength;
    this.genesis = Number(await sets.epochStart(0));
    // the simulation's epoch 1 is the first whole epoch after setup: one second per transaction, bounded (twice over)
    // by six per operator, five per staker, seven per rollup, two per bridge user and one per set member, and the rollups'
    // commitment delay
    const members = rollups.reduce((n, r) => n + Object.values(r.members).reduce((m, list) => m + list.length, 0), 0);
    const commitDelay = Number(await factory.COMMIT_DELAY());
    const setupSeconds =
      2 *
      (4 * SETUP_GAP +
        commitDelay +
        6 * operators.length +
        5 * stakers.length +
        (7 + 2 * BRIDGE_USERS) * rollups.length +
        members);
    this.firstEpoch = Math.floor((this.chain.time + setupSeconds - this.genesis) / L) + 1;
    const nextBlock = () => this.chain.time + SETUP_GAP;
    const rate = await factory.feePerServicePerSecond();
    const [slotLength, gracePeriod] = await (this.c.services.SQUAD as SquadService).parameters();
    this.squadTiming = { slotLength: Number(slotLength), gracePeriod: Number(gracePeriod) };

    // step 1: the unlocked allocation is released to its beneficiary, who funds every actor
    this.at(nextBlock());
    const position = (await this.hre.ethers.getContractAt(
      "VestingPosition",
      await this.positionAddress(fundingCategory),
    )) as unknown as VestingPosition;
    await this.chain.actor(funder);
    await this.call(funder, position, "release", [], "setup: release allocation");
    const fund = async (to: string, amount: bigint) => {
      await this.chain.actor(to);
      await this.call(funder, token, "transfer", [to, amount], "setup: fund actor");
    };
    for (const op of operators) await fund(op.address, op.stake + (op.honest ? 2n * this.bond : 0n));
    for (const s of stakers) await fund(s.address, stakerTotal(s));
    const rollupCost = new Map<number, { fee: bigint; prepaid: bigint; expiry: number }>();
    for (const r of rollups) {
      const { creationFee: fee, outputBond } = await factory.template(r.templateId);
      const expiry = r.expiryEpoch === undefined ? 0 : this.epochStart(r.expiryEpoch) + L / 2;
      const prepay = prepaid(rate, r, this.run.options.epochs, L);
      rollupCost.set(r.index, { fee, prepaid: prepay, expiry });
      await fund(r.owner, fee + prepay);
      const bonds = outputBonds(r, outputBond, this.run.options.epochs);
      if (bonds !== 0n) await fund(r.proposer, bonds);
    }
    // each rollup owner commits to its chain ID (hidden by the salt): the creations may use the commitments
    // COMMIT_DELAY later
    for (const r of rollups) {
      const commitment = await factory.rollupCommitment(r.owner, r.chainId, this.names.hash(`salt:${r.index}`));
      await this.call(r.owner, factory, "commitRollup", [commitment], "rollup: commit");
    }
    const usableAt = this.chain.time + commitDelay;
    await this.chain.actor(this.keeper);
    this.observe();

    // step 2: operators register and stake, and register their BLS keys (with a proof of possession: a MACH join
    // without a key is refused); rollups are created (their commitments usable by then)
    this.at(Math.max(nextBlock(), usableAt));
    for (const op of operators) {
      await this.call(op.address, token, "approve", [registry.target, op.stake], "setup: approve");
      await this.call(
        op.address,
        registry,
        "registerOperator",
        [`sim://${op.name}`, op.commissionBps],
        "operator: register",
      );
      const { publicKey, proof: possession } = await keyRegistration(this.c.keys, op.address, op.bls);
      await this.call(op.address, this.c.keys, "registerKey", [publicKey, possession], "operator: register BLS key");
      await this.call(op.address, registry, "stake", [op.address, 0, op.stake], "stake");
      if (op.honest)
        await this.call(op.address, token, "approve", [this.c.services.VITAL.target, MaxUint256], "setup: approve");
    }
    for (const r of rollups) {
      const cost = rollupCost.get(r.index)!;
      const salt = this.names.hash(`salt:${r.index}`);
      await this.call(r.owner, token, "approve", [factory.target, cost.fee + cost.prepaid], "setup: approve");
      await this.call(
        r.owner,
        factory,
        "createRollup",
        [
          {
            templateId: r.templateId,
            daLayer: r.daLayer,
            daConfig: "0x",
            chainId: r.chainId,
            owner: r.owner,
            sequencer: r.services & SERVICE.SQUAD ? ZeroAddress : r.owner,
            proposer: r.proposer,
            services: r.services,
            fastFinalityBps: 0,
            expiry: cost.expiry,
            prepaidFees: cost.prepaid,
            salt,
          },
        ],
        "rollup: create",
      );
      const address = await factory.predictRollupAddress(r.owner, r.templateId, salt);
      this.ledger.track(address);
      if (r.services & SERVICE.VITAL)
        await this.call(r.proposer, token, "approve", [address, MaxUint256], "setup: approve");
      this.live.push({
        plan: r,
        address,
        contract: (await this.hre.ethers.getContractAt("Rollup", address)) as unknown as Rollup,
        interval: 0n,
        challengePeriod: 0,
        thresholdBps: 0n,
        expiry: cost.expiry,
        settlesAt: cost.expiry === 0 ? Infinity : cost.expiry + this.timings.settlementWindow,
        paidUntil: 0,
        lastStreamed: 0,
        sets: {},
        expiryNoted: false,
        settled: false,
        finalProposed: false,
      });
    }
    this.observe();
    for (const r of this.live) {
      r.interval = await this.outputInterval(r);
      r.challengePeriod = Number(await r.contract.challengePeriod());
      r.thresholdBps = await r.contract.fastFinalityBps();
      r.paidUntil = Number(await r.contract.paidUntil());
      r.lastStreamed = Number(await r.contract.lastStreamed());
    }

    // step 3: stakers delegate; each rollup is registered with its services; the bridge users are funded and approve
    // their rollup's portal
    this.at(nextBlock());
    await this.createBridge(funder);
    for (const s of stakers) {
      const total = stakerTotal(s);
      await this.call(s.address, token, "approve", [registry.target, total], "setup: approve");
      for (const d of s.delegations)
        await this.call(s.address, registry, "stake", [operators[d.operator].address, 0, d.amount], "stake");
    }
    for (const r of this.live) {
      for (const name of SERVICE_NAMES) {
        if (r.plan.members[name])
          await this.call(
            r.plan.owner,
            this.c.services[name],
            "registerRollup",
            [r.address],
            "rollup: register with service",
          );
      }
    }
    this.observe();

    // step 4: operators join the sets of the rollups they serve, each allocating an equal part of its stake to each
    this.at(nextBlock());
    const setsPerOperator = new Map<number, number>();
    for (const r of this.live) {
      for (const name of SERVICE_NAMES) {
        for (const i of r.plan.members[name] ?? []) setsPerOperator.set(i, (setsPerOperator.get(i) ?? 0) + 1);
      }
    }
    const allocation = new Map<number, bigint>();
    for (const [i, count] of setsPerOperator) {
      allocation.set(i, (await registry.operatorStake(operators[i].address)) / BigInt(count));
    }
    for (const r of this.live) {
      for (const name of SERVICE_NAMES) {
        const members = r.plan.members[name];
        if (!members) continue;
        const setId = await this.c.services[name].setIdOf(r.address);
        r.sets[name] = setId;
        for (const i of members) {
          await this.call(operators[i].address, sets, "join", [setId, allocation.get(i)!], "service: join");
          this.setsOf.set(operators[i].address, [...(this.setsOf.get(operators[i].address) ?? []), setId]);
        }
      }
    }
    this.observe();
    if (this.chain.time >= this.epochStart(1)) throw new Error("the simulation's setup ran into its first epoch");
    for (const op of operators) this.stakeBefore.set(op.address, (await registry.pool(op.address, 0)).totalAssets);
    await this.point(0);
  }

  private async createBridge(funder: string) {
    const rollups = [];
    for (const r of this.live) {
      const portal = (await this.hre.ethers.getContractAt("Portal", await r.contract.portal())) as unknown as Portal;
      rollups.push({
        name: r.plan.name,
        address: r.address,
        portal,
        interval: r.interval,
        optimistic: r.plan.optimistic,
        expiry: r.expiry,
      });
    }
    const L = this.timings.epochLength;
    this.bridge = new Bridge(
      {
        ledger: this.ledger,
        token: this.c.token,
        actor: (address) => this.chain.actor(address),
        call: (from, contract, fn, args, action, value) => this.chain.call(from, contract, fn, args, action, value),
        simulate: async (from, contract, fn, args) => (await this.chain.simulate(from, contract, fn, args)).refusal,
        note: (kind, detail) => this.ledger.note(kind, detail),
        epochOf: (t) => Math.floor((t - this.epochStart(1)) / L) + 1,
      },
      this.run.options.seed,
      rollups,
      rollups[0].portal.interface,
      this.live[0].contract.interface,
    );
    await this.bridge.setup(funder);
  }

  /** Whether `r` takes deposits at `t`: Active (not expired, not retired) and not paused. */
  private open(r: LiveRollup, t: number) {
    return !r.settled && (r.expiry === 0 || t < r.expiry) && !this.paused(r, t);
  }

  private byAddress(address: string) {
    return this.live.find((r) => r.address === address)!;
  }

  /** The bridge users' deposits (`late`: one to each ephemeral rollup after its last batch, never included). */
  private async deposits(t: number, late = false) {
    this.at(t);
    await this.bridge!.deposits((address) => this.open(this.byAddress(address), t), late);
    this.observe();
  }

  /**
   * The bridge users' claims (and refunds once a rollup retired); a retired rollup's escape hatch is noted once all its
   * users are out.
   */
  private async bridgeClaims(t: number) {
    this.at(t);
    await this.bridge!.claims(t, (address) => this.paused(this.byAddress(address), t));
    this.observe();
    for (const r of this.live) if (r.settled) await this.bridge!.escapeHatch(r.address);
  }

  private async positionAddress(category: string) {
    const { loadAddressBook } = await import("../addressBook");
    return (await loadAddressBook(this.hre))[VESTING_KEY_PREFIX + category];
  }

  private async outputInterval(r: LiveRollup): Promise<bigint> {
    return (await this.c.factory.template(r.plan.templateId)).outputInterval;
  }

  // ================================================================= epochs

  async epoch(e: number) {
    this.ledger.epoch = e;
    this.chain.epoch = e;
    const t0 = this.epochStart(e);
    const chainEpoch = BigInt(this.firstEpoch + e - 1);
    await this.startOfEpoch(t0 + 60);
    await this.grindSeed(t0 + 30 * 60);
    await this.deposits(t0 + 45 * 60);
    await this.slot(t0 + 1 * HOUR);
    await this.revealSeeds(t0 + 1 * HOUR + 30 * 60);
    await this.proposeOutputs(t0 + 2 * HOUR + 30, e);
    await this.finality(t0 + 3 * HOUR + 30, e, chainEpoch);
    await this.bridgeClaims(t0 + 3 * HOUR + 45 * 60);
    await this.councilPause(t0 + 4 * HOUR);
    await this.votes(t0 + 4 * HOUR + 30);
    await this.reportVoters(t0 + 5 * HOUR + 30);
    await this.finalize(t0 + 6 * HOUR + 30);
    await this.bridgeClaims(t0 + 6 * HOUR + 45 * 60);
    await this.stakers(t0 + 7 * HOUR + 30, e);
    if (e === SCRIPT.proposal) {
      this.at(t0 + 8 * HOUR + 30);
      await this.governance.propose();
      this.observe();
    }
    await this.slot(t0 + 9 * HOUR);
    if (e === SCRIPT.expiry) await this.deposits(t0 + 10 * HOUR, true);
    await this.slot(t0 + 17 * HOUR);
    await this.point(e);
  }

  /** Fees streamed, due slashes executed, due withdrawals completed, rollups settled, governance. */
  private async startOfEpoch(t: number) {
    this.at(t);
    for (const r of this.live) {
      if (r.settled) continue;
      if (!r.expiryNoted && r.expiry !== 0 && t >= r.expiry) {
        r.expiryNoted = true;
        this.ledger.note(
          "expiry",
          `${r.plan.name} (chain ${r.plan.chainId}) expired; it settles after the settlement window`,
        );
      }
      if (t >= r.settlesAt) {
        await this.call(r.plan.owner, r.contract, "settle", [], "rollup: settle");
        r.settled = true;
        this.ledger.note("settlement", `${r.plan.name} settled: remaining fees streamed, escrow refunded, retired`);
        continue;
      }
      if (Object.keys(r.sets).length > 0) this.rollupEpochs++; // a rollup-epoch of upkeep: its fees streamed
      // the only upkeep: nothing is sent per set (SQUAD's leaders, MACH, VITAL and rewards read what counts in an epoch
      // from OperatorSets' checkpoints; SQUAD's leader seed is the keeper's later step, see revealSeeds)
      if (Math.min(t, r.paidUntil) > r.lastStreamed) {
        await this.call(this.keeper, r.contract, "streamFees", [], "rollup: stream fees");
        r.lastStreamed = Math.min(this.chain.time, r.paidUntil); // streamed up to its block's time
      }
    }
    // reporters take the shares of the slashes executed in earlier steps (slash proceeds are pulled, not pushed)
    for (const account of this.ledger.proceeds.keys()) {
      await this.call(account, this.c.registry, "claimSlashProceeds", [0, account], "slash: claim proceeds");
    }
    // the slashed ALT that earlier executions set aside is burned (anyone may: the keeper does)
    if ((await this.c.registry.altToBurn()) !== 0n) {
      await this.call(this.keeper, this.c.registry, "burnSlashedAlt", [], "slash: burn ALT");
    }
    for (const request of this.ledger.requests.values()) {
      if (request.status === "pending" && request.executableAt <= t) {
        await this.call(this.keeper, this.c.slashing, "execute", [request.requestId], "slash: execute");
      }
    }
    for (const w of this.ledger.withdrawals.values()) {
      // a slash executed just above has already unjailed its operator
      if (Number(w.unlockAt) <= t && !(await this.c.registry.isJailed(w.operator))) {
        await this.call(w.staker, this.c.registry, "completeUnstake", [w], "unstake: complete");
      }
    }
    for (const challenge of this.ledger.challenges.values()) {
      if (challenge.result === CHALLENGE.Open && t >= challenge.deadline) {
        await this.call(this.keeper, this.c.services.VITAL, "resolve", [challenge.id], "VITAL: resolve");
      }
    }
    await this.governance.advance(t);
    const before = this.ledger.withdrawn;
    const mined = this.observe();
    const completed = mined.filter((m) => m.action === "unstake: complete").length;
    if (completed > 0) {
      this.ledger.note(
        "unstake-completed",
        `${completed} withdrawal(s) completed: ${formatAlt(this.ledger.withdrawn - before)}`,
      );
    }
  }

  /** Members that can act in a set now: in the set, not jailed there or by a pending slash. */
  private async eligible(setId: bigint, operator: string, t: number) {
    const m = await this.c.sets.membership(setId, operator);
    return m.member && Number(m.jailedUntil) <= t && !(await this.c.registry.isJailed(operator));
  }

  /**
   * One SQUAD slot of every SQUAD rollup: the leader posts, or misses it (then a member posts after the grace period
   * and the miss is reported in the next slot); centrally sequenced rollups post their batch too.
   */
  private async slot(target: number) {
    const squad = this.c.services.SQUAD as SquadService;
    const { slotLength, gracePeriod } = this.squadTiming;
    const slot = BigInt(Math.floor(target / slotLength) + 1);
    const t = Number(slot) * slotLength + 30;
    this.at(t);
    const late: { r: LiveRollup; poster: string }[] = [];
    const missed: LiveRollup[] = [];
    for (const r of this.live) {
      if ((r.expiry !== 0 && t >= r.expiry) || this.paused(r, t)) continue; // a paused rollup takes no batch
      const commitment = this.names.hash(`batch:${r.plan.index}:${slot}`);
      const setId = r.sets.SQUAD;
      if (setId === undefined) {
        await this.call(
          r.plan.owner,
          r.contract,
          "appendBatch",
          [commitment, this.bridge!.pending(r.address)],
          "rollup: append batch (central sequencer)",
        );
        continue;
      }
      const leader = await squad.leaderAt(r.address, slot);
      if (leader === ZeroAddress) continue;
      // the backup poster: the first eligible member but the leader, in the set's member order (the chain's, which the
      // seed fixes); a jailed leader (drawn all the same: its allocation counts) leaves its slot to it at once
      const backup = async () => this.firstEligible(setId, [...(await this.c.sets.members(setId))], t, leader);
      const plan = this.operatorAt.get(leader)!;
      if (!(await this.eligible(setId, leader, t))) {
        const poster = await backup();
        if (poster) await this.postBatch(poster, r, commitment, "SQUAD: post batch (backup)");
      } else if (this.rng.chance(plan.missRate)) {
        missed.push(r);
        const poster = await backup();
        if (poster) late.push({ r, poster });
      } else {
        await this.postBatch(leader, r, commitment, "SQUAD: post batch");
      }
    }
    this.observe();
    this.at(t + gracePeriod + 10);
    for (const { r, poster } of late) {
      if (this.paused(r, t + gracePeriod + 10)) continue;
      await this.postBatch(poster, r, this.names.hash(`batch:${r.plan.index}:${slot}`), "SQUAD: post batch (backup)");
    }
    this.observe();
    this.at(t + slotLength + 40);
    for (const r of missed) {
      // a slot the rollup was paused in, at some moment up to now, is nobody's miss (SquadRollupNotLive)
      if (this.pausedDuring(r, Number(slot) * slotLength, t + slotLength + 40)) continue;
      await this.call(this.keeper, squad, "reportMiss", [r.address, slot], "SQUAD: report miss");
    }
    this.observe();
  }

  /**
   * The keeper's SQUAD seed duty: for each SQUAD rollup, commits the next epoch's seed unless a batch of this epoch did
   * (its set had no leader yet), then reveals it in the committed block (empty blocks mined up to it, its randomness
   * seeded by the run, so the leaders depend on the run's seed only). A target already past (not in these runs) leaves
   * the next epoch the latest seed.
   */
  private async revealSeeds(t: number) {
    this.at(t);
    const squad = this.c.services.SQUAD as SquadService;
    const next = (await this.c.sets.currentEpoch()) + 1n;
    const due: { r: LiveRollup; target: number }[] = [];
    for (const r of this.live) {
      if (r.sets.SQUAD === undefined || r.settled || (r.expiry !== 0 && t >= r.expiry)) continue;
      if ((await squad.seedCommitment(r.address)).epoch !== next) {
        await this.call(this.keeper, squad, "commitSeed", [r.address], "SQUAD: commit seed");
      }
      const [, target, revealed] = await squad.seedCommitment(r.address);
      if (!revealed) due.push({ r, target: Number(target) });
    }
    for (const { r, target } of due.sort((a, b) => a.target - b.target)) {
      if ((await this.hre.ethers.provider.getBlockNumber()) >= target) continue;
      await this.chain.mineUntil(target);
      await this.chain.seedNextBlock();
      await this.call(this.keeper, squad, "revealSeed", [r.address], "SQUAD: reveal seed");
    }
    this.observe();
  }

  /**
   * Posts a batch to a SQUAD rollup, its block's randomness seeded first (the epoch's first batch commits the next
   * epoch's seed; one landing in the committed block reveals it).
   */
  private async postBatch(poster: string, r: LiveRollup, commitment: string, action: string) {
    await this.chain.seedNextBlock();
    const include = this.bridge!.pending(r.address); // every deposit queued
    await this.call(poster, this.c.services.SQUAD, "postBatch", [r.address, commitment, include], action);
  }

  private async firstEligible(setId: bigint, operators: string[], t: number, except?: string) {
    for (const op of operators) if (op !== except && (await this.eligible(setId, op, t))) return op;
    return undefined;
  }

  /**
   * Each active rollup's proposer posts the next output; rollup 0's proposer lies once (the scripted bad output). An
   * expired rollup's proposer posts one final output while it settles (the blocks up to its expiry), which finalizes
   * even after the settlement window ends.
   */
  private async proposeOutputs(t: number, e: number) {
    this.at(t);
    this.proposed.clear();
    // the bridge users' withdrawals on L2 (of this epoch's block) come first
    this.bridge!.withdraw(e, t, (address) => this.open(this.byAddress(address), t));
    for (const r of this.live) {
      if (r.settled || t >= r.settlesAt || this.paused(r, t)) continue;
      const settling = r.expiry !== 0 && t >= r.expiry;
      if (settling && r.finalProposed) continue;
      const outputs = this.ledger.rollup(r.address).outputs;
      const lie = e === SCRIPT.badOutput && r.plan.index === 0 && r.plan.proposer !== r.plan.owner;
      // the L2's head: the block the epoch's output covers when none was delayed; a proposer behind it (after a pause or
      // an invalidation) catches up at once, up to CATCH_UP outputs in the step (a settling rollup posts its final one)
      const head = r.interval * BigInt(e);
      const indexes: number[] = [];
      let l2 = outputs.length === 0 ? 0n : outputs[outputs.length - 1].l2BlockNumber;
      do {
        l2 += r.interval;
        const index = outputs.length + indexes.length;
        const root = lie ? this.names.hash(`bad-root:${l2}`) : this.trueRoot(r, l2);
        if (settling) this.bridge!.drain(r.address, l2, t); // its users all withdraw in its last blocks
        const withdrawals = lie
          ? await this.bridge!.forgedRoot(r.address, l2, r.plan.proposer, index)
          : this.bridge!.withdrawalsRoot(r.address, l2);
        await this.call(
          r.plan.proposer,
          r.contract,
          "proposeOutput",
          [l2, root, withdrawals],
          "rollup: propose output",
        );
        indexes.push(index);
      } while (!settling && !lie && l2 + r.interval <= head && indexes.length < CATCH_UP);
      this.proposed.set(r, { indexes, bad: lie });
      if (indexes.length > 1) {
        this.ledger.note(
          "catch-up",
          `${r.plan.name}'s proposer, behind the L2, proposed outputs #${indexes[0]} to #${indexes.at(-1)} at once ` +
            `(blocks up to ${l2})`,
        );
      }
      if (settling) {
        r.finalProposed = true;
        this.ledger.note(
          "final-output",
          `${r.plan.name} (settling) proposed its final output #${indexes[0]}, block ${l2}: it finalizes ` +
            (r.plan.optimistic ? "when its challenge period ends, after the settlement window" : "by its proof"),
        );
      }
      if (lie) {
        const delay = challengeDelay({ ...this.timings, challengePeriod: r.challengePeriod });
        this.scripted = { r, index: indexes[0], challengeEpoch: e + delay, resumed: false };
        this.ledger.note(
          "bad-output",
          `${this.nameOf(r.plan.proposer)} proposed a false root for block ${l2} of ${r.plan.name}`,
        );
      }
    }
    this.observe();
  }

  private trueRoot(r: LiveRollup, l2: bigint) {
    return this.names.hash(`root:${r.plan.index}:${l2}`);
  }

  private nameOf(address: string) {
    return this.operatorAt.get(address)?.name ?? address;
  }

  /**
   * MACH certificates, validity proofs, the challenge of the bad output (in its challenge epoch) and the scripted
   * equivocation; nothing on a paused rollup (it takes no finality).
   */
  private async finality(t: number, e: number, chainEpoch: bigint) {
    this.at(t);
    for (const r of this.live) {
      if (t >= r.settlesAt || this.paused(r, t)) continue;
      const outputs = this.ledger.rollup(r.address).outputs;
      const { indexes, bad } = this.proposed.get(r) ?? { indexes: [], bad: false };
      if (!bad && r.sets.MACH !== undefined) {
        for (const i of indexes) await this.certify(r, i, outputs[i].l2BlockNumber, outputs[i].root, chainEpoch);
      }
      const index = indexes.at(-1) ?? -1;
      const output = outputs[index];
      const fresh = output !== undefined;
      if (!r.plan.optimistic) {
        for (let i = 0; i < outputs.length; i++) {
          if (outputs[i].status === OUTPUT.Finalized) continue;
          const proof = AbiCoder.defaultAbiCoder().encode(
            ["bytes32"],
            [
              keccak256(
                AbiCoder.defaultAbiCoder().encode(
                  ["uint256", "uint256", "bytes32"],
                  [r.plan.chainId, outputs[i].l2BlockNumber, outputs[i].root],
                ),
              ),
            ],
          );
          await this.call(r.plan.owner, r.contract, "proveOutput", [i, proof], "rollup: prove output (validity)");
        }
      }
      if (this.scripted?.r === r && e === this.scripted.challengeEpoch) await this.challenge(r, this.scripted.index, t);
      if (e === SCRIPT.equivocation && r.plan.index === 0 && fresh)
        await this.equivocate(r, index, output.l2BlockNumber, output.root, t, chainEpoch);
    }
    this.observe();
  }

  /**
   * The set's members with stake counted in the epoch (read from the checkpoints), and whether each is jailed by a
   * pending slash request now.
   */
  private async stakedMembers(setId: bigint, chainEpoch: bigint) {
    const members = [...(await this.c.sets.members(setId))];
    if (members.length === 0) return [];
    const [stakes, jailed] = await Promise.all([
      this.c.sets.allocationsAt(setId, members, chainEpoch),
      Promise.all(members.map((member) => this.c.registry.isJailed(member))),
    ]);
    return members
      .map((address, i) => ({ address, stake: stakes[i], jailed: jailed[i], plan: this.operatorAt.get(address)! }))
      .filter((m) => m.stake !== 0n);
  }

  /**
   * The aggregator (the rollup's owner) asks the members, in member order, for their BLS signatures of the output's
   * attestation in the epoch until their stake reaches the threshold of the set's stake counted in the epoch, and
   * submits one quorum: their aggregate signature, the set's aggregate key, and every other member counted in the
   * epoch as a non-signer with its key (read from the key registry's events). A member jailed by a pending slash
   * request is not asked (the contract would still count it: its stake in the epoch is what is at risk).
   */
  private async certify(r: LiveRollup, index: number, l2: bigint, root: string, chainEpoch: bigint) {
    const setId = r.sets.MACH!;
    const total = await this.c.sets.liveStakeAt(setId, chainEpoch); // zero: not live, nothing certifies
    if (total === 0n) return;
    const mach = this.c.services.MACH as MachService;
    const digest = await mach.attestationDigest(r.address, index, l2, root, chainEpoch);
    // each member's signature is its secret times the digest hashed to G1 (what signDigest computes): hashed once here
    const message = hashToG1(getBytes(digest), MACH_DOMAIN);
    const signers: string[] = [];
    const signatures: string[] = [];
    let signed = 0n;
    for (const m of await this.stakedMembers(setId, chainEpoch)) {
      if (m.jailed) continue; // by a pending slash request
      signers.push(m.address);
      signatures.push(encodeG1(message.multiply(m.plan.bls)));
      signed += m.stake;
      if (signed * 10_000n >= total * r.thresholdBps) break;
    }
    if (signed * 10_000n < total * r.thresholdBps) return;
    const quorum = await buildQuorum(this.c.sets, this.c.keys, setId, chainEpoch, signers, signatures);
    await this.call(r.plan.owner, mach, "certify", [r.address, index, l2, root, quorum], "MACH: certify");
  }

  /** The first honest, eligible member of the rollup's VITAL set challenges the bad output. */
  private async challenge(r: LiveRollup, index: number, t: number) {
    const setId = r.sets.VITAL!;
    for (const i of r.plan.members.VITAL!) {
      const op = this.world.operators[i];
      if (!op.honest || !(await this.eligible(setId, op.address, t))) continue;
      await this.call(op.address, this.c.services.VITAL, "challenge", [r.address, index], "VITAL: challenge");
      return;
    }
  }

  /**
   * A dishonest member signs (BLS) a second root for the block of the output it attested; an honest member proves it
   * with the two attestations and the culprit's key in their epoch (read from the key registry's events).
   */
  private async equivocate(r: LiveRollup, index: number, l2: bigint, root: string, t: number, chainEpoch: bigint) {
    const [first, second] = this.world.dishonest;
    const culprit = this.world.operators[second ?? first];
    const watcher = this.world.operators.find((op) => op.honest);
    if (culprit === undefined || watcher === undefined || !(await this.eligible(r.sets.MACH!, culprit.address, t)))
      return;
    const mach = this.c.services.MACH as MachService;
    const other = this.names.hash(`equivocation:${l2}`);
    const attestation = async (outputRoot: string) => ({
      outputIndex: index,
      l2BlockNumber: l2,
      outputRoot,
      epoch: chainEpoch,
      signature: signDigest(culprit.bls, await mach.attestationDigest(r.address, index, l2, outputRoot, chainEpoch)),
    });
    const key = await keyAt(this.c.keys, culprit.address, chainEpoch);
    if (key !== blsPublicKey(culprit.bls))
      throw new Error(`${culprit.name} signed with a key not its own in epoch ${chainEpoch}`);
    await this.call(
      watcher.address,
      mach,
      "proveEquivocation",
      [r.address, culprit.address, await attestation(root), key, await attestation(other), key],
      "MACH: prove equivocation",
    );
  }

  /** Open challenges are voted: dishonest members vote "valid" first, honest ones "invalid" until two thirds. */
  private async votes(t: number) {
    this.at(t);
    const vital = this.c.services.VITAL as VitalService;
    for (const challenge of this.ledger.challenges.values()) {
      if (challenge.result !== CHALLENGE.Open || t >= challenge.deadline) continue;
      const setId = await vital.setIdOf(challenge.rollup);
      const epoch = BigInt(challenge.epoch);
      const total = await this.c.sets.setStakeAt(setId, epoch);
      const ops = await this.stakedMembers(setId, epoch);
      const voters = ops.filter((o) => !o.plan.honest).concat(ops.filter((o) => o.plan.honest));
      let invalid = (await vital.challengeOf(challenge.id)).invalidStake;
      for (const v of voters) {
        // voted in an earlier epoch (a voting period over a day)
        if ((await vital.voteOf(challenge.id, v.address)) !== VOTE.None) continue;
        if (v.jailed) continue; // by a pending slash request: it abstains (VITAL would take its vote)
        await this.call(v.address, vital, "vote", [challenge.id, v.plan.honest], "VITAL: vote");
        if (!v.plan.honest) continue;
        invalid += v.stake;
        if (invalid * 3n >= total * 2n) break;
      }
    }
    this.observe();
  }

  /** After an invalidation, the challenger reports the members that voted "valid". */
  private async reportVoters(t: number) {
    this.at(t);
    const vital = this.c.services.VITAL as VitalService;
    for (const challenge of this.ledger.challenges.values()) {
      if (challenge.result !== CHALLENGE.Invalidated) continue;
      const c = await vital.challengeOf(challenge.id);
      const unreported = [];
      for (const address of this.operatorAt.keys()) {
        if ((await vital.voteOf(challenge.id, address)) === VOTE.Valid) unreported.push(address);
      }
      if (unreported.length !== 0)
        await this.call(c.challenger, vital, "reportVoters", [challenge.id, unreported], "VITAL: report voters");
    }
    this.observe();
  }

  /**
   * Optimistic outputs whose challenge period is over are finalized, in order: also those of a rollup past its
   * settlement window, retired or not (an output proposed before the window ended keeps its finality); not on a paused
   * rollup. An output with an open challenge stops them: its proposer tries to finalize it, refused (noted once).
   */
  private async finalize(t: number) {
    this.at(t);
    for (const r of this.live) {
      if (!r.plan.optimistic || this.paused(r, t)) continue;
      const outputs = this.ledger.rollup(r.address).outputs;
      for (let i = 0; i < outputs.length; i++) {
        if (outputs[i].status === OUTPUT.Finalized) continue;
        if (outputs[i].proposedAt + r.challengePeriod > t) break;
        const challenge = this.openChallenge(r, i);
        if (challenge !== undefined) {
          await this.finalizeChallenged(r, i, challenge, t);
          break;
        }
        await this.call(this.keeper, r.contract, "finalize", [i], "rollup: finalize output");
        if (t >= r.settlesAt) {
          this.ledger.note(
            "late-finality",
            `${r.plan.name}'s output #${i}, proposed before the end of its settlement window, finalized after it` +
              (r.settled ? " (the rollup retired)" : ""),
          );
        }
      }
    }
    this.observe();
  }

  // ================================================================= the council's pause, the seed adversary

  /** Whether `r` is paused (by the scripted pause) at `t`: it takes no batch, output or finality then. */
  private paused(r: LiveRollup, t: number) {
    return this.pausedDuring(r, t, t);
  }

  /** Whether `r` was paused at some moment from `from` to `to`. */
  private pausedDuring(r: LiveRollup, from: number, to: number) {
    return r.pause !== undefined && r.pause.from <= to && from < r.pause.until;
  }

  /** The open challenge of output `index` of `r`, if any (from the ledger). */
  private openChallenge(r: LiveRollup, index: number) {
    for (const c of this.ledger.challenges.values()) {
      if (c.result === CHALLENGE.Open && c.outputIndex === index && c.rollup.toLowerCase() === r.address.toLowerCase())
        return c;
    }
    return undefined;
  }

  /** A timestamp as the report gives it: the run's epoch and the time into it, "epoch 10 at 4:00:00". */
  private when(t: number) {
    const epoch = Math.floor((t - this.epochStart(1)) / this.timings.epochLength) + 1;
    const into = new Date((t - this.epochStart(epoch)) * 1000).toISOString().slice(11, 19).replace(/^0/, "");
    return `epoch ${epoch} at ${into}`;
  }

  /**
   * The proposer of an output whose challenge period is over tries to finalize it while its challenge is open (voting,
   * or decided and deferred by a pause): simulated, since the rollup refuses it (`RollupOutputChallenged`); noted once.
   */
  private async finalizeChallenged(r: LiveRollup, index: number, challenge: { id: bigint }, t: number) {
    if (this.refusedFinality.has(challenge.id)) return;
    this.refusedFinality.add(challenge.id);
    // a call runs in the latest block: one is mined now if the step has mined none yet
    if (this.chain.time < t) await this.chain.mineUntil((await this.chain.blockNumber()) + 2);
    const { refusal } = await this.chain.simulate(r.plan.proposer, r.contract, "finalize", [index]);
    if (refusal === undefined) throw new Error(`output ${index} of ${r.plan.name} would finalize while challenged`);
    const output = this.ledger.rollup(r.address).outputs[index];
    this.ledger.note(
      "finalize-refused",
      `${this.nameOf(r.plan.proposer)} tried to finalize output ${index} of ${r.plan.name}, its challenge period over ` +
        `since ${this.when(output.proposedAt + r.challengePeriod)}: refused, ${refusal}`,
    );
  }

  /**
   * The scripted pause (issue 18, finding 2): once the bad output is challenged, the security council pauses its rollup
   * before the vote, for the longest a council may (Rollup.MAX_COUNCIL_PAUSE); the challenge came late enough that the
   * pause outlasts the output's challenge period. VITAL's deciding vote, and `resolve` past the deadline, only defer the
   * invalidation (InvalidationDeferred), and the rollup finalizes nothing meanwhile. The pause lapses by itself (noted
   * at the first step after); then the proposer's finalize is refused and the keeper's next `resolve` invalidates.
   */
  private async councilPause(t: number) {
    const s = this.scripted;
    if (s === undefined || s.resumed) return;
    const { r, index } = s;
    if (r.pause !== undefined) {
      if (t < r.pause.until) return;
      s.resumed = true;
      const open = this.openChallenge(r, index);
      this.ledger.note(
        "resume",
        `${r.plan.name}'s pause lapsed at ${this.when(r.pause.until)}` +
          (open === undefined ? "" : `, challenge ${open.id} still open: the next resolve invalidates`),
      );
      return;
    }
    const challenge = this.openChallenge(r, index);
    if (challenge === undefined) return;
    this.at(t);
    const council = await this.c.factory.council();
    await this.chain.actor(council);
    await this.call(council, r.contract, "setPaused", [true], "council: pause rollup");
    this.observe();
    r.pause = { from: this.chain.time, until: Number(await r.contract.pausedUntil()) };
    const output = this.ledger.rollup(r.address).outputs[index];
    this.ledger.note(
      "pause",
      `the security council paused ${r.plan.name} during challenge ${challenge.id} until ${this.when(r.pause.until)}, ` +
        `past the end of output ${index}'s challenge period (${this.when(output.proposedAt + r.challengePeriod)})`,
    );
  }

  /** The seed adversary's move of the epoch (issue 18, finding 4; see adversary.ts), from epoch 1 on. */
  private async grindSeed(t: number) {
    if (this.adversary === undefined) {
      const [first, second] = this.world.dishonest;
      const plan = this.world.operators[second ?? first] as OperatorPlan | undefined;
      const r = this.live.find((rollup) => rollup.plan.index === 0);
      if (plan === undefined || r?.sets.SQUAD === undefined) return;
      this.adversary = new SeedAdversary(
        {
          chain: this.chain,
          squad: this.c.services.SQUAD as SquadService,
          sets: this.c.sets,
          observe: () => this.observe(),
          keeper: this.keeper,
          firstChainEpoch: BigInt(this.firstEpoch),
          epochs: this.run.options.epochs,
        },
        this.run.options.seed,
        plan.name,
        plan.address,
        r.plan.name,
        r.address,
        r.sets.SQUAD,
      );
      this.ledger.note(
        "seed-adversary",
        `${plan.name} commits ${r.plan.name}'s SQUAD seeds itself, at blocks it picks, and withholds its reveal ` +
          "when the inherited seed would lead it more",
      );
    }
    this.at(t);
    await this.adversary.play();
  }

  /**
   * Stakers unstake as planned and claim now and then; operators claim every fifth epoch; in the last epoch everyone
   * claims. A claim settles its (operator, set) pairs first, so the rewards flow without any upkeep.
   */
  private async stakers(t: number, e: number) {
    this.at(t);
    const { registry } = this.c;
    const last = e === this.run.options.epochs;
    for (const s of this.world.stakers) {
      const ops = this.delegatesOf(s);
      if (s.unstakeEpoch === e) {
        const shares = (await registry.sharesOf(s.address, ops[0], 0)) / 2n;
        if (shares > 0n)
          await this.call(s.address, registry, "requestUnstake", [ops[0], 0, shares], "unstake: request");
      }
      if (this.rng.chance(1 / 7) || last) await this.claim(s.address, ops);
    }
    if (e % 5 === 0 || last) for (const op of this.world.operators) await this.claim(op.address, [op.address]);
    this.observe();
  }

  /** The operators a staker delegated to. */
  private delegatesOf(s: World["stakers"][number]) {
    return s.delegations.map((d) => this.world.operators[d.operator].address);
  }

  /** The (operator, set) pairs of `operators`' sets, as `claim`'s two argument lists. */
  private pairs(operators: string[]): [string[], bigint[]] {
    const ops: string[] = [];
    const setIds: bigint[] = [];
    for (const op of operators) {
      for (const setId of this.setsOf.get(op) ?? []) {
        ops.push(op);
        setIds.push(setId);
      }
    }
    return [ops, setIds];
  }

  /** What `account` would be paid by claiming its pairs with `operators` now (the claim simulated; 0 if nothing). */
  private async claimable(account: string, operators: string[]): Promise<bigint> {
    const { result, refusal } = await this.chain.simulate(account, this.c.rewards, "claim", this.pairs(operators));
    if (refusal === undefined) return result[0] as bigint;
    if (refusal === "RewardsZeroAmount()") return 0n;
    throw new Error(`a claim of ${account} would be refused: ${refusal}`);
  }

  /** `account` claims its pairs with `operators` when the claim pays something (simulated first). */
  private async claim(account: string, operators: string[]) {
    if ((await this.claimable(account, operators)) === 0n) return;
    await this.call(account, this.c.rewards, "claim", this.pairs(operators), "rewards: claim");
  }

  /**
   * Fees credited to epochs not settled yet (scaled): for each member of each set, its allocation in each epoch from
   * its first unsettled one to the current one, times the rise of the set's reward per stake in that epoch. Read from
   * the operator sets' allocation history and the distributor's reward per stake, not from what settling would pay.
   */
  private async unsettledScaled(): Promise<bigint> {
    const { rewards, sets } = this.c;
    const current = await sets.currentEpoch();
    let total = 0n;
    for (const r of this.live) {
      for (const name of SERVICE_NAMES) {
        const setId = r.sets[name];
        if (setId === undefined) continue;
        const rise = new Map<bigint, bigint>();
        for (const i of r.plan.members[name]!) {
          const op = this.world.operators[i].address;
          for (let epoch = await rewards.settledUntil(op, setId); epoch <= current; epoch++) {
            if (!rise.has(epoch)) {
              const [before, after] = await Promise.all([
                rewards.rewardPerStakeBefore(setId, epoch),
                rewards.rewardPerStakeBefore(setId, epoch + 1n),
              ]);
              rise.set(epoch, after - before);
            }
            const perStake = rise.get(epoch)!;
            if (perStake !== 0n) total += (await sets.allocationAt(setId, op, epoch)) * perStake;
          }
        }
      }
    }
    return total;
  }

  private async totalStake() {
    let total = 0n;
    for (const op of this.world.operators) total += (await this.c.registry.pool(op.address, 0)).totalAssets;
    return total;
  }

  private async point(epoch: number) {
    this.points.push({
      epoch,
      totalStake: (await this.totalStake()).toString(),
      rewardsPaid: this.ledger.rewardsPaid.toString(),
      slashed: this.ledger.slashed.toString(),
      finalizedOutputs: this.ledger.finalized,
      fastFinalizedOutputs: this.ledger.fastFinalized,
    });
  }

  // ================================================================= report

  async report(): Promise<SimulationReport> {
    const { registry, rewards } = this.c;
    const end = this.chain.time;
    const operators: OperatorRow[] = [];
    for (const op of this.world.operators) {
      operators.push({
        name: op.name,
        address: op.address,
        honest: op.honest,
        stakeBefore: this.stakeBefore.get(op.address)!.toString(),
        stakeAfter: (await registry.pool(op.address, 0)).totalAssets.toString(),
        slashed: (this.ledger.slashedOf.get(op.address) ?? 0n).toString(),
        rewards: (
          (await this.claimable(op.address, [op.address])) + (this.ledger.paidTo.get(op.address) ?? 0n)
        ).toString(),
        jailed: await registry.isJailed(op.address),
      });
    }
    // every account the distributor can owe: operators (commission), stakers (fractions of a wei) and the treasury
    // (the protocol share and each credit's rounding remainder)
    const accounts = new Set([
      ...this.world.operators.map((op) => op.address),
      ...this.world.stakers.map((s) => s.address),
      await rewards.treasury(),
    ]);
    let owed = 0n;
    for (const account of accounts) owed += await rewards.owedScaled(account);
    const rollups: RollupRow[] = [];
    for (const r of this.live) {
      const record = this.ledger.rollup(r.address);
      const count = (status: number) => record.outputs.filter((o) => o.status === status).length;
      rollups.push({
        name: r.plan.name,
        chainId: r.plan.chainId,
        template: r.plan.template,
        daLayer: DA_LAYERS[r.plan.daLayer],
        services: SERVICE_NAMES.filter((name) => r.plan.members[name]),
        sequencing: r.sets.SQUAD === undefined ? "central" : "SQUAD",
        ephemeral: r.expiry !== 0,
        state: record.retired ? "Retired" : r.expiry !== 0 && end >= r.expiry ? "Settling" : "Active",
        batches: record.batches,
        outputs: {
          proposed: count(OUTPUT.Proposed),
          fastFinalized: count(OUTPUT.FastFinalized),
          finalized: count(OUTPUT.Finalized),
          invalidated: record.invalidated,
        },
      });
    }
    const sum = (key: keyof RollupRow["outputs"]) => rollups.reduce((total, r) => total + r.outputs[key], 0);
    const l = this.ledger;
    const seedAdversary = await this.adversary?.result();
    if (seedAdversary !== undefined) for (const line of leaderShare(seedAdversary)) l.note("leader-share", line);
    const proposalState = await this.governance.state();
    const gasByEpoch = this.chain.gasByEpochReport(this.run.options.epochs);
    const upkeepGas = gasByEpoch.reduce((total, row) => total + row.byCategory.upkeep, 0);
    return {
      config: {
        ...this.run.options,
        parameters: this.run.parameters ?? `deploy/parameters/${this.hre.network.name}.json`,
        epochLength: this.timings.epochLength,
      },
      proposal: {
        description: this.governance.description,
        state: proposalState,
        proposedEpoch: l.proposal.created,
        executedEpoch: l.proposal.executed === 0 ? null : l.proposal.executed,
      },
      operators,
      slashes: [...l.requests.values()]
        .sort((a, b) => a.requestId - b.requestId)
        // eslint-disable-next-line @typescript-eslint/no-unused-vars
        .map(({ address, executableAt, ...row }) => row),
      rollups,
      outputs: {
        proposed: sum("proposed"),
        fastFinalized: sum("fastFinalized"),
        finalized: sum("finalized"),
        invalidated: sum("invalidated"),
      },
      gas: this.chain.gasReport(),
      gasByEpoch,
      upkeep: {
        totalGas: upkeepGas,
        rollupEpochs: this.rollupEpochs,
        perRollupEpoch: this.rollupEpochs === 0 ? 0 : Math.floor(upkeepGas / this.rollupEpochs),
      },
      events: l.events,
      ...(seedAdversary === undefined ? {} : { seedAdversary }),
      epochs: this.points,
      bridge: await this.bridge!.report(),
      conservation: {
        deposited: l.deposited.toString(),
        stake: (await this.totalStake()).toString(),
        slashed: l.slashed.toString(),
        withdrawn: l.withdrawn.toString(),
        proceedsUnclaimed: [...l.proceeds.values()].reduce((a, b) => a + b, 0n).toString(),
        altToBurn: (await this.c.registry.altToBurn()).toString(),
        feesCredited: l.feesCredited.toString(),
        rewardsPaid: l.rewardsPaid.toString(),
        rewardsOwedScaled: owed.toString(),
        rewardsUnclaimedScaled: (l.toStakersScaled - l.accruedScaled).toString(),
        rewardsUnsettledScaled: (await this.unsettledScaled()).toString(),
      },
      run: { startedAt: "", wallSeconds: 0, actions: 0, actionsPerSecond: 0 },
    };
  }
}

/**
 * The seed adversary's result: its led slots against its stake's, in standard deviations; what its withheld reveals
 * sought, and won.
 */
function leaderShare(a: SeedAdversaryResult): string[] {
  const percent = (slots: number) => `${(a.slots === 0 ? 0 : (100 * slots) / a.slots).toFixed(2)} %`;
  const z = a.sigma === 0 ? 0 : (a.led - a.fair) / a.sigma;
  return [
    `${a.operator} led ${formatCount(a.led)} of ${formatCount(a.slots)} ${a.rollup} slots (${percent(a.led)}) in the ` +
      `${a.epochs} epochs it seeded vs ${a.fair} (${percent(a.fair)}) at its stake share, σ ${a.sigma}: ` +
      `${z >= 0 ? "+" : ""}${z.toFixed(2)}σ, ${Math.abs(z) <= 2 ? "within" : "beyond"} 2σ`,
    a.withheld === 0
      ? `${a.operator} withheld none of its ${a.commits} reveals: each seed revealed led it at least as much as the inherited one`
      : `${a.operator} withheld ${a.withheld} of its ${a.commits} reveals, seeking ${formatCount(a.sought)} more slots: ` +
        "the keeper revealed the same seeds in those blocks, it won none",
  ];
}

const formatCount = (n: number) => n.toLocaleString("en-US");
