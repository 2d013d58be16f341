// deploy check: reads the deployed configuration back from the chain and compares every value with the parameter file
// the deployment used (and the BLS key registry's wiring, which has no parameter, with the address book). One line per
// value. A value that differs because an executed governance proposal changed it is drift: reported with the proposal,
// not a failure. Any other difference, or a section of the file whose stage is not deployed, fails. State that moves
// in normal use is compared with what moved it (the airdrop's balance: the amount less the claims and the sweep).
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { Interface, getAddress } from "ethers";
import { GENESIS_SUPPLY, type GenesisConfig, type PositionParams } from "../deploy/lib/genesis";
import type { GovernanceConfig } from "../deploy/lib/governance";
import type { ProtocolParameters } from "../deploy/lib/parameters";
import type { Stage } from "../deploy/lib/protocol";
import type { RestakingConfig } from "../deploy/lib/restaking";
import { DA_LAYERS, MOCK_VERIFIER, PROOF_SYSTEMS, STACKS, VMS, type RollupsConfig } from "../deploy/lib/rollups";
import type { ServicesConfig } from "../deploy/lib/services";
import { TIMELOCK } from "../deploy/lib/timelock";
import { formatDuration } from "../deploy/lib/units";
import { addressOf, loadAddressBook, type AddressBook } from "./lib/addressBook";
import { fail, formatAlt, formatTime, output, signerFor, areaTask } from "./lib/cli";
import {
  altToken,
  GENESIS_KEYS,
  merkleAirdrop,
  VESTING_KEY_PREFIX,
  vestingFactory,
  vestingPosition,
} from "./lib/genesis";
import { GOVERNANCE_KEYS, governor, timelock } from "./lib/governance";
import {
  blsKeyRegistry,
  operatorSets,
  restakingRegistry,
  rewardsDistributor,
  RESTAKING_KEYS,
  slashingManager,
} from "./lib/restaking";
import { ROLLUP_KEYS, rollupAt, rollupFactory } from "./lib/rollups";
import { SERVICE_KEYS, SERVICE_NAMES, serviceContract } from "./lib/services";

export interface Difference {
  what: string;
  chain: string;
  parameters: string;
}

/** A value an executed governance proposal changed: the latest such proposal with an action on its contract. */
export interface Drift extends Difference {
  proposalId: string;
  /** The block the proposal was executed in. */
  executedIn: number;
  /** The proposal's action on the value's contract: `Contract.function`. */
  action: string;
}

export interface CheckReport {
  /** How many values were compared (a stage or position that is not deployed counts as one). */
  checked: number;
  /** Values that differ from the parameter file with no executed proposal to explain them: the check fails. */
  differences: Difference[];
  /** Values that differ because an executed proposal changed them: reported, not a failure. */
  drift: Drift[];
}

// ------------------------------------------------------------------ values and how they are printed

type Value = bigint | number | string | boolean;
type Format = (value: Value) => string;

const alt: Format = (v) => formatAlt(BigInt(v));
const seconds: Format = (v) => formatDuration(Number(v));
const time: Format = (v) => formatTime(BigInt(v));
const bps: Format = (v) => `${v} bps`;
const named =
  (names: readonly string[]): Format =>
  (v) =>
    names[Number(v)] ?? `unknown (${v})`;
const daLayers: Format = (v) => `${v} (${DA_LAYERS.filter((_, bit) => (Number(v) >> bit) & 1).join(", ")})`;

/** Numbers as bigints and hex (addresses, roots) in lower case, so a chain value and a parameter compare as equal. */
const normalize = (v: Value) =>
  typeof v === "number" ? BigInt(v) : typeof v === "string" && /^0x[0-9a-fA-F]+$/.test(v) ? v.toLowerCase() : v;

/** One compared value: `[field, chain, parameters, format]`. */
type Row = [string, Value, Value, Format?];

/** Collects every comparison: the printed lines, the count and the differences. */
class Comparison {
  readonly lines: string[] = [];
  readonly differences: Difference[] = [];
  readonly drift: Drift[] = [];
  checked = 0;

  /** `explain(what)`: the executed proposal that changed the value `what` names, if any (see `proposalChanges`). */
  constructor(private readonly explain: (what: string) => Omit<Drift, keyof Difference> | undefined) {}

  compare(what: string, chain: Value, expected: Value, format: Format = String, note = "") {
    if (normalize(chain) === normalize(expected)) {
      this.checked++;
      this.lines.push(`  ${what}: ok (${format(chain)}${note})`);
      return;
    }
    const cause = this.explain(what);
    if (cause === undefined) return this.differ(what, format(chain), format(expected));
    this.checked++;
    this.drift.push({ what, chain: format(chain), parameters: format(expected), ...cause });
    this.lines.push(
      `  ${what}: drift: chain ${format(chain)}, parameters ${format(expected)} (changed by proposal ` +
        `${cause.proposalId}, executed in block ${cause.executedIn}: ${cause.action})`,
    );
  }

  /** `compare` for each row, each named `<prefix>.<field>`. */
  rows(prefix: string, rows: Row[]) {
    for (const [field, chain, expected, format] of rows) this.compare(`${prefix}.${field}`, chain, expected, format);
  }

  /** A difference found without reading a value (something the parameters name is not deployed). */
  differ(what: string, chain: string, parameters: string) {
    this.checked++;
    this.differences.push({ what, chain, parameters });
    this.lines.push(`  ${what}: DIFFERENT: chain ${chain}, parameters ${parameters}`);
  }
}

interface Context {
  hre: HardhatRuntimeEnvironment;
  book: AddressBook;
  check: Comparison;
  /** A parameter-file address as deployed: "timelock" is the timelock of the address book. */
  address(value: string): string;
  /** The owner of a section's contracts: the timelock when the file has governance, else `owner` or the deployer. */
  owner(sectionOwner?: string): string;
}

/** The address-book keys a stage records; a missing one means the stage is not deployed. */
const STAGE_KEYS: Record<Stage, string[]> = {
  genesis: Object.values(GENESIS_KEYS),
  restaking: Object.values(RESTAKING_KEYS),
  rollups: [ROLLUP_KEYS.factory, ROLLUP_KEYS.implementation, ROLLUP_KEYS.portal],
  services: Object.values(SERVICE_KEYS),
  governance: Object.values(GOVERNANCE_KEYS),
};
const STAGES = Object.keys(STAGE_KEYS) as Stage[];

/** Whether `stage` is in the address book; if not, records the difference. */
function deployed({ book, check }: Context, stage: Stage): boolean {
  const missing = STAGE_KEYS[stage].find((key) => book[key] === undefined);
  if (missing === undefined) return true;
  check.differ(`${stage} stage`, `not deployed (no ${missing} in the address book)`, `a ${stage} section`);
  return false;
}

/**
 * Timestamp of the block whose transaction deployed the contract at `address` (an account's deployment, as Ignition
 * sends them). The first block holding its code (a binary search of eth_getCode at past blocks), confirmed by a receipt
 * of that block naming the contract; unconfirmed (a node that keeps no past state, or a Hardhat node after an
 * `evm_revert`: `gov propose` and `gov simulate` revert their simulation, and past code then reads as empty), the
 * blocks are read one by one, up to MAX_SCANNED_BLOCKS.
 */
async function creationTime(hre: HardhatRuntimeEnvironment, address: string): Promise<number> {
  const provider = hre.ethers.provider;
  const latest = await provider.getBlockNumber();
  let [low, high] = [0, latest];
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if ((await provider.getCode(address, middle)) === "0x") low = middle + 1;
    else high = middle;
  }
  if (await createdIn(hre, low, address)) return (await provider.getBlock(low))!.timestamp;
  if (latest > MAX_SCANNED_BLOCKS) {
    fail(`cannot tell when ${address} was deployed: the node keeps no past state (use an archive node)`);
  }
  for (let block = 0; block <= latest; block++) {
    if (await createdIn(hre, block, address)) return (await provider.getBlock(block))!.timestamp;
  }
  fail(`no transaction of this chain deployed ${address}`);
}

/** The most blocks `creationTime` reads one by one. */
const MAX_SCANNED_BLOCKS = 20_000;

/** Whether a transaction of `block` deployed `address` (its receipt's contract address). */
async function createdIn(hre: HardhatRuntimeEnvironment, block: number, address: string): Promise<boolean> {
  const provider = hre.ethers.provider;
  const { transactions } = (await provider.getBlock(block))!;
  for (const hash of transactions) {
    const tx = await provider.getTransaction(hash);
    if (tx?.to !== null) continue; // not a deployment
    if ((await provider.getTransactionReceipt(hash))?.contractAddress === getAddress(address)) return true;
  }
  return false;
}

/** Timestamp of the block in which the vesting factory created `position` (its PositionCreated event). */
async function positionCreatedAt(hre: HardhatRuntimeEnvironment, position: string): Promise<number> {
  const factory = await vestingFactory(hre);
  const [created] = await factory.queryFilter(factory.filters.PositionCreated(position));
  if (created === undefined) fail(`the vesting factory created no position ${position}`);
  return (await created.getBlock()).timestamp;
}

// ------------------------------------------------------------------ stages

async function checkGenesis(ctx: Context, config: GenesisConfig) {
  const { hre, check, address } = ctx;
  const token = await altToken(hre);
  const factory = await vestingFactory(hre);
  check.compare("AltToken.totalSupply", await token.totalSupply(), GENESIS_SUPPLY, alt);
  check.rows("VestingFactory", [
    ["treasury", await factory.treasury(), address(config.treasury)],
    ["owner", await factory.owner(), ctx.owner(config.owner)],
  ]);
  for (const [i, category] of config.categories.entries()) await checkPosition(ctx, category, config.positions[i]);

  const airdrop = await merkleAirdrop(hre);
  const airdropAddress = await airdrop.getAddress();
  const claimPeriod = (await airdrop.deadline()) - BigInt(await creationTime(hre, airdropAddress));
  check.rows("MerkleAirdrop", [
    ["merkleRoot", await airdrop.merkleRoot(), config.airdrop.root],
    ["deadline - creation (claim period)", claimPeriod, config.airdrop.claimPeriod, seconds],
    ["treasury", await airdrop.treasury(), address(config.treasury)],
  ]);
  // the airdrop's balance moves with every claim and its sweep: it must be the amount less what they took
  let taken = 0n;
  for (const claim of await airdrop.queryFilter(airdrop.filters.Claimed())) taken += claim.args.amount;
  const claimed = taken;
  for (const sweep of await airdrop.queryFilter(airdrop.filters.Swept())) taken += sweep.args.amount;
  const moved =
    taken === 0n
      ? ""
      : `: ${alt(config.airdrop.amount)} less ${alt(claimed)} claimed${taken > claimed ? ` and ${alt(taken - claimed)} swept` : ""}`;
  check.compare(
    "AltToken.balanceOf(MerkleAirdrop)",
    await token.balanceOf(airdropAddress),
    BigInt(config.airdrop.amount) - taken,
    alt,
    moved,
  );
}

/** A vesting position's schedule: its start, then the cliff and the end as durations from the start. */
async function checkPosition(ctx: Context, category: string, expected: PositionParams) {
  const key = VESTING_KEY_PREFIX + category;
  const name = `Vesting_${category}`;
  if (ctx.book[key] === undefined) {
    return ctx.check.differ(name, `not deployed (no ${key} in the address book)`, `a ${category} allocation`);
  }
  const address = await addressOf(ctx.hre, key);
  const schedule = await (await vestingPosition(ctx.hre, address)).schedule();
  // start 0 (tge "deploy") means the timestamp of the block that created the position
  const start = expected.start === 0 ? await positionCreatedAt(ctx.hre, address) : expected.start;
  ctx.check.rows(name, [
    ["beneficiary", schedule.beneficiary, ctx.address(expected.beneficiary)],
    ["total", schedule.total, expected.amount, alt],
    ["start", schedule.start, start, time],
    ["cliff - start", schedule.cliff - schedule.start, expected.cliffDuration, seconds],
    ["end - start", schedule.end - schedule.start, expected.duration, seconds],
    ["revocable", schedule.revocable, expected.revocable],
  ]);
}

async function checkRestaking(ctx: Context, config: RestakingConfig) {
  const { hre, book, check, address } = ctx;
  const registry = await restakingRegistry(hre);
  const sets = await operatorSets(hre);
  const manager = await slashingManager(hre);
  const rewards = await rewardsDistributor(hre);
  const owner = ctx.owner(config.owner);
  check.rows("RestakingRegistry", [
    ["withdrawalDelay", await registry.withdrawalDelay(), config.withdrawalDelay, seconds],
    ["commissionDelay", await registry.commissionDelay(), config.commissionDelay, seconds],
    ["owner", await registry.owner(), owner],
  ]);
  check.rows("OperatorSets", [
    ["epochLength", await sets.epochLength(), config.epochLength, seconds],
    ["churnMarginBps", await sets.churnMarginBps(), config.churnMarginBps, bps],
    ["owner", await sets.owner(), owner],
  ]);
  check.rows("SlashingManager", [
    ["vetoer", await manager.vetoer(), config.council],
    ["vetoWindow", await manager.vetoWindow(), config.vetoWindow, seconds],
    ["reporterBps", await manager.reporterBps(), config.reporterBps, bps],
    ["windowDuration", await manager.windowDuration(), config.slashWindow, seconds],
    ["treasury", await manager.treasury(), address(config.treasury)],
    ["owner", await manager.owner(), owner],
  ]);
  check.rows("RewardsDistributor", [
    ["protocolShareBps", await rewards.protocolShareBps(), config.protocolShareBps, bps],
    ["treasury", await rewards.treasury(), address(config.treasury)],
    ["owner", await rewards.owner(), owner],
  ]);
  // no parameters of its own: its wiring, which a certificate's keys and aggregates depend on
  const keys = await blsKeyRegistry(hre);
  check.rows("BlsKeyRegistry", [
    ["operatorSets", await keys.operatorSets(), book[RESTAKING_KEYS.operatorSets]],
    ["registry", await keys.registry(), book[RESTAKING_KEYS.registry]],
    ["owner", await keys.owner(), owner],
  ]);
}

async function checkRollups(ctx: Context, config: RollupsConfig, restaking: RestakingConfig) {
  const { hre, book, check } = ctx;
  const factory = await rollupFactory(hre);
  const count = await factory.templateCount();
  check.rows("RollupFactory", [
    ["feePerServicePerSecond", await factory.feePerServicePerSecond(), config.feePerServicePerSecond, alt],
    ["settlementWindow", await factory.settlementWindow(), config.settlementWindow, seconds],
    ["minQueueFee", await factory.minQueueFee(), config.minQueueFee, alt],
    ["council", await factory.council(), restaking.council],
    ["treasury", await factory.treasury(), ctx.address(restaking.treasury)],
    ["owner", await factory.owner(), ctx.owner()],
    ["templateCount", count, config.templates.length],
  ]);
  const implementation = book[ROLLUP_KEYS.implementation];
  // every rollup of the implementation creates its portal from the recorded Portal implementation
  check.rows("Rollup (implementation)", [
    [
      "portalImplementation",
      await (await rollupAt(hre, implementation)).portalImplementation(),
      book[ROLLUP_KEYS.portal],
    ],
  ]);
  const mockVerifier = book[ROLLUP_KEYS.mockVerifier] ?? `${MOCK_VERIFIER} (no ${ROLLUP_KEYS.mockVerifier} recorded)`;
  for (const [i, expected] of config.templates.entries()) {
    const at = `RollupFactory.template(${i})`;
    if (BigInt(i) >= count) {
      check.differ(at, "not registered", `a ${STACKS[expected.stack]} ${VMS[expected.vm]} template`);
      continue;
    }
    const t = await factory.template(i);
    check.rows(at, [
      ["stack", t.stack, expected.stack, named(STACKS)],
      ["vm", t.vm, expected.vm, named(VMS)],
      ["proofSystem", t.proofSystem, expected.proofSystem, named(PROOF_SYSTEMS)],
      ["daLayers", t.daLayers, expected.daLayers, daLayers],
      ["deprecated", t.deprecated, expected.deprecated],
      ["implementation", t.implementation, implementation],
      ["version", t.version, expected.version],
      ["challengePeriod", t.challengePeriod, expected.challengePeriod, seconds],
      ["verifier", t.verifier, expected.verifier === MOCK_VERIFIER ? mockVerifier : expected.verifier],
      ["outputInterval", t.outputInterval, expected.outputInterval],
      ["creationFee", t.creationFee, expected.creationFee, alt],
      ["outputBond", t.outputBond, expected.outputBond, alt],
    ]);
  }
}

const SERVICE_CONTRACTS = { mach: "MachService", vital: "VitalService", squad: "SquadService" } as const;

async function checkServices(ctx: Context, config: ServicesConfig, treasury: string) {
  const { hre, book, check } = ctx;
  const services = {
    mach: await serviceContract(hre, "mach"),
    vital: await serviceContract(hre, "vital"),
    squad: await serviceContract(hre, "squad"),
  };
  const [equivocationBps, invalidCertificateBps] = await services.mach.offenceBps();
  check.rows("MachService.offenceBps", [
    ["equivocationBps", equivocationBps, config.mach.equivocationBps, bps],
    ["invalidCertificateBps", invalidCertificateBps, config.mach.invalidCertificateBps, bps],
  ]);
  check.compare("MachService.blsKeys", await services.mach.blsKeys(), book[RESTAKING_KEYS.blsKeyRegistry]);
  const vital = await services.vital.parameters();
  check.rows("VitalService.parameters", [
    ["treasury", vital.treasury, ctx.address(treasury)],
    ["bond", vital.bond, config.vital.bond, alt],
    ["votingPeriod", vital.votingPeriod, config.vital.votingPeriod, seconds],
    ["proposerBps", vital.proposerBps, config.vital.proposerBps, bps],
    ["voterBps", vital.voterBps, config.vital.voterBps, bps],
  ]);
  const squad = await services.squad.parameters();
  check.rows("SquadService.parameters", [
    ["slotLength", squad.slotLength, config.squad.slotLength, seconds],
    ["gracePeriod", squad.gracePeriod, config.squad.gracePeriod, seconds],
    ["maxMisses", squad.maxMisses, config.squad.maxMisses],
    ["jailTime", squad.jailTime, config.squad.jailTime, seconds],
    ["censorshipBps", squad.censorshipBps, config.squad.censorshipBps, bps],
  ]);

  const manager = await slashingManager(hre);
  const sets = await operatorSets(hre);
  for (const name of SERVICE_NAMES) {
    const service = services[name];
    const contract = SERVICE_CONTRACTS[name];
    const address = await service.getAddress();
    const defaults = await service.setDefaults();
    const slasher = await manager.slasher(address);
    check.rows(contract, [
      ["setDefaults.minStake", defaults.minStake, config.minStake, alt],
      ["setDefaults.maxSize", defaults.maxSize, config.maxSize],
      ["setDefaults.minMembers", defaults.minMembers, config.minMembers],
      ["setDefaults.minTotalStake", defaults.minTotalStake, config.minTotalStake, alt],
      ["owner", await service.owner(), ctx.owner()],
    ]);
    check.rows(`SlashingManager.slasher(${contract})`, [
      ["maxBps", slasher.maxBps, config[name].capBps, bps],
      ["maxEvidenceAge", slasher.maxEvidenceAge, config.maxEvidenceAge, seconds],
    ]);
    check.compare(`OperatorSets.isService(${contract})`, await sets.isService(address), true);
  }
  const [vitalAddress, machAddress, squadAddress] = await (await rollupFactory(hre)).services();
  check.rows("RollupFactory.services", [
    ["vital", vitalAddress, book[SERVICE_KEYS.vital]],
    ["mach", machAddress, book[SERVICE_KEYS.mach]],
    ["squad", squadAddress, book[SERVICE_KEYS.squad]],
  ]);
}

async function checkGovernance({ hre, check }: Context, config: GovernanceConfig, council: string) {
  const altGovernor = await governor(hre);
  check.rows("AltGovernor", [
    ["proposalThreshold", await altGovernor.proposalThreshold(), config.proposalThreshold, alt],
    ["quorumNumerator", await altGovernor["quorumNumerator()"](), config.quorumBps, bps],
    ["votingDelay", await altGovernor.votingDelay(), config.votingDelay, seconds],
    ["votingPeriod", await altGovernor.votingPeriod(), config.votingPeriod, seconds],
    ["lateQuorumVoteExtension", await altGovernor.lateQuorumVoteExtension(), config.lateQuorumExtension, seconds],
    ["proposalGuardian", await altGovernor.proposalGuardian(), council],
  ]);
  const delay = await (await timelock(hre)).getMinDelay();
  check.compare("TimelockController.getMinDelay", delay, config.timelockDelay, seconds);
}

// ------------------------------------------------------------------ drift: what executed proposals changed

/**
 * For each contract an executed governance proposal acted on (by address), the latest such proposal: its id, the
 * block it was executed in and the action on that contract (`Contract.function`, decoded with the contract's ABI).
 * Empty without the governance stage.
 */
async function proposalChanges(hre: HardhatRuntimeEnvironment, book: AddressBook) {
  const changes = new Map<string, Omit<Drift, keyof Difference>>();
  if (book[GOVERNANCE_KEYS.governor] === undefined) return changes;
  const altGovernor = await governor(hre);
  const created = new Map<bigint, { targets: string[]; calldatas: string[] }>();
  for (const e of await altGovernor.queryFilter(altGovernor.filters.ProposalCreated())) {
    created.set(e.args.proposalId, { targets: [...e.args.targets], calldatas: [...e.args.calldatas] });
  }
  const names = new Map(Object.entries(book).map(([key, address]) => [address.toLowerCase(), key.split("#")[1]]));
  for (const e of await altGovernor.queryFilter(altGovernor.filters.ProposalExecuted())) {
    const proposal = created.get(e.args.proposalId);
    if (proposal === undefined) continue;
    for (const [i, target] of proposal.targets.entries()) {
      const name = names.get(target.toLowerCase()) ?? target;
      changes.set(target.toLowerCase(), {
        proposalId: e.args.proposalId.toString(),
        executedIn: e.blockNumber,
        action: `${name}.${await functionName(hre, name, proposal.calldatas[i])}`,
      });
    }
  }
  return changes;
}

/** The function `data` calls on the contract named `name` (an artifact name), or its selector. */
async function functionName(hre: HardhatRuntimeEnvironment, name: string, data: string): Promise<string> {
  const selector = data.slice(0, 10);
  const contract = name.startsWith("Vesting_") ? "VestingPosition" : name;
  if (!(await hre.artifacts.artifactExists(contract))) return selector;
  const { abi } = await hre.artifacts.readArtifact(contract);
  return new Interface(abi).getFunction(selector)?.name ?? selector;
}

/** The address of the contract a compared value belongs to: its name (`RestakingRegistry.withdrawalDelay`). */
function contractOf(book: AddressBook, what: string): string | undefined {
  const name = what.split(/[.( ]/)[0];
  const key = Object.keys(book).find((k) => k.split("#")[1] === name);
  return key === undefined ? undefined : book[key].toLowerCase();
}

// ------------------------------------------------------------------ the task

/** The furthest stage the file describes: how far the deployment that used it went. */
const furthestStage = (parameters: ProtocolParameters): Stage =>
  [...STAGES].reverse().find((stage) => parameters[stage] !== undefined) ?? "genesis";

export async function checkDeployment(
  hre: HardhatRuntimeEnvironment,
  args: { parameters?: string; json: boolean },
): Promise<CheckReport> {
  const { loadParameters, parametersPath, withDeployer } = await import("../deploy/lib/parameters");
  const { buildProtocolModules } = await import("../deploy/lib/protocol");
  const book = await loadAddressBook(hre);
  const deployer = await (await signerFor(hre)).getAddress(); // the deploy tasks deploy from the first account
  const file = parametersPath(hre.network.name, args.parameters);
  let built;
  try {
    const parameters = withDeployer(loadParameters(hre.network.name, args.parameters), deployer);
    built = buildProtocolModules(parameters, furthestStage(parameters)); // the deployment's own validation
  } catch (e) {
    fail((e as Error).message);
  }
  const { genesisConfig, restakingConfig, rollupsConfig, servicesConfig, governanceConfig } = built;

  const changes = await proposalChanges(hre, book);
  const check = new Comparison((what) => {
    const contract = contractOf(book, what);
    return contract === undefined ? undefined : changes.get(contract);
  });
  const address = (value: string) =>
    value === TIMELOCK ? (book[GOVERNANCE_KEYS.timelock] ?? `${TIMELOCK} (not deployed)`) : value;
  const ctx: Context = {
    hre,
    book,
    check,
    address,
    owner: (sectionOwner) => (governanceConfig ? address(TIMELOCK) : (sectionOwner ?? deployer)),
  };
  if (deployed(ctx, "genesis")) await checkGenesis(ctx, genesisConfig);
  if (restakingConfig && deployed(ctx, "restaking")) await checkRestaking(ctx, restakingConfig);
  if (rollupsConfig && deployed(ctx, "rollups")) await checkRollups(ctx, rollupsConfig, restakingConfig!);
  if (servicesConfig && deployed(ctx, "services")) await checkServices(ctx, servicesConfig, genesisConfig.treasury);
  if (governanceConfig && deployed(ctx, "governance")) {
    await checkGovernance(ctx, governanceConfig, restakingConfig!.council);
  }

  const report: CheckReport = { checked: check.checked, differences: check.differences, drift: check.drift };
  const differing = report.differences.length;
  const drifted = report.drift.length;
  const drift = drifted === 0 ? "" : ` (${drifted} changed since by executed proposals: drift)`;
  const summary =
    differing === 0
      ? `all ${report.checked} values match ${file}${drift}`
      : `${differing} of ${report.checked} values differ from ${file}${drift}`;
  output(args.json, report, () => [`deployment on ${hre.network.name} against ${file}:`, ...check.lines, summary]);
  if (differing > 0) fail(`${summary}: ${report.differences[0].what}`);
  return report;
}

areaTask(
  "deploy check",
  "Reads the deployed configuration from the chain and compares every value with the parameter file; fails on a " +
    "difference no executed proposal explains (those are reported as drift)",
)
  .addOptionalParam("parameters", "Parameter file the deployment used (default: deploy/parameters/<network>.json)")
  .addFlag("json", "Print the report (how many values were checked, every difference) as JSON")
  .setAction((args: { parameters?: string; json: boolean }, hre) => checkDeployment(hre, args));
