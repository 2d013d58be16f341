// The protocol deployed up to the rollup factory (staged parameters: the deployer owns everything), with stand-in
// services (plain accounts allowed as services in OperatorSets) and a funded rollup creator.
import hre, { ignition } from "hardhat";
import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ZeroAddress, ZeroHash, id } from "ethers";
import { buildProtocolModule } from "../../deploy/lib/protocol";
import { outputRootOf } from "../../tasks/lib/rollups";
import type { RollupsConfig } from "../../deploy/lib/rollups";
import type { ProtocolParameters } from "../../deploy/lib/parameters";
import type { IRollupFactory } from "../../typechain-types/contracts/rollups/RollupFactory";
import type {
  AltToken,
  MockVerifier,
  OperatorSets,
  RewardsDistributor,
  Rollup,
  RollupFactory,
  VestingPosition,
} from "../../typechain-types";
import { ALT } from "./constants";
import { stagedParameters } from "./parameters";
import { DAY } from "./time";

export const TEMPLATE = { OPStack: 0, OrbitEVM: 1, OrbitWASM: 2, ZKStack: 3, PolygonCDK: 4 } as const;
export const DA = { EthereumBlobs: 0, Celestia: 1, EigenDA: 2, Avail: 3 } as const;
export const SERVICE = { VITAL: 1, MACH: 2, SQUAD: 4 } as const;
/** The output bond of the shipped optimistic templates (every parameter file). */
export const OUTPUT_BOND = 1_000n * ALT;
/** Rollup.CHALLENGER_SHARE_BPS of a forfeited output bond: the challenger's part (the rest goes to the treasury). */
export const challengerShare = (bond: bigint) => (bond * 5_000n) / 10_000n;
/** ALT each of accounts 10..15 receives. */
export const ROLLUP_FUNDED_ALT = 10_000_000n * ALT;

export interface RollupsDeployment {
  parameters: ProtocolParameters;
  config: RollupsConfig;
  token: AltToken;
  factory: RollupFactory;
  implementation: Rollup;
  verifier: MockVerifier;
  operatorSets: OperatorSets;
  rewards: RewardsDistributor;
  /** Owner of everything (staged deployment). */
  deployer: HardhatEthersSigner;
  council: HardhatEthersSigner;
  /** Account 1. */
  treasury: HardhatEthersSigner;
  /** Stand-in service contracts: accounts 16, 17, 18, allowed as services in OperatorSets and set in the factory. */
  vital: HardhatEthersSigner;
  mach: HardhatEthersSigner;
  squad: HardhatEthersSigner;
  /** Accounts 10..15, each with ROLLUP_FUNDED_ALT, each having approved the factory for all of it. */
  users: HardhatEthersSigner[];
}

type Deployed = Record<string, { getAddress(): Promise<string> }>;

export async function deployRollups(parameters: ProtocolParameters = stagedParameters()): Promise<RollupsDeployment> {
  const built = buildProtocolModule(parameters, "rollups");
  const result = (await ignition.deploy(built.module)) as unknown as Deployed;
  const at = async <T>(name: string, key: string) =>
    (await hre.ethers.getContractAt(name, await result[key].getAddress())) as unknown as T;
  const signers = await hre.ethers.getSigners();
  const token = await at<AltToken>("AltToken", "token");
  const factory = await at<RollupFactory>("RollupFactory", "rollupFactory");
  const operatorSets = await at<OperatorSets>("OperatorSets", "operatorSets");
  const [deployer, treasury] = signers;
  const [vital, mach, squad] = signers.slice(16, 19);
  for (const service of [vital, mach, squad]) await (await operatorSets.setService(service.address, true)).wait();
  await (await factory.setServices(vital.address, mach.address, squad.address)).wait();

  const launchpool = await at<VestingPosition>("VestingPosition", "Launchpool");
  await (await launchpool.release()).wait();
  const funderAddress = await launchpool.beneficiary();
  const funder = signers.find((s) => s.address === funderAddress)!;
  const users = signers.slice(10, 16);
  for (const user of users) {
    await (await token.connect(funder).transfer(user.address, ROLLUP_FUNDED_ALT)).wait();
    await (await token.connect(user).approve(await factory.getAddress(), ROLLUP_FUNDED_ALT)).wait();
  }
  return {
    parameters,
    config: built.rollupsConfig!,
    token,
    factory,
    implementation: await at<Rollup>("Rollup", "rollupImplementation"),
    verifier: await at<MockVerifier>("MockVerifier", "mockVerifier"),
    operatorSets,
    rewards: await at<RewardsDistributor>("RewardsDistributor", "rewardsDistributor"),
    deployer,
    council: signers.find((s) => s.address === built.restakingConfig!.council)!,
    treasury,
    vital,
    mach,
    squad,
    users,
  };
}

/** Template `templateId` of `factory` as a plain struct (a decoded Result cannot be passed back as an argument). */
export async function templateStruct(
  factory: RollupFactory,
  templateId: number,
): Promise<IRollupFactory.TemplateStruct> {
  const t = await factory.template(templateId);
  return {
    stack: t.stack,
    vm: t.vm,
    proofSystem: t.proofSystem,
    daLayers: t.daLayers,
    deprecated: t.deprecated,
    implementation: t.implementation,
    version: t.version,
    challengePeriod: t.challengePeriod,
    verifier: t.verifier,
    outputInterval: t.outputInterval,
    creationFee: t.creationFee,
    outputBond: t.outputBond,
  };
}

/**
 * CreateParams with sensible defaults: OP Stack on blobs, owner = proposer = `owner`, VITAL + MACH; the sequencer is
 * `owner`, or SQUAD (zero) when SQUAD is among the services (the factory refuses SQUAD with a sequencer of its own).
 */
export function createParams(
  owner: string,
  overrides: Partial<IRollupFactory.CreateParamsStruct> = {},
): IRollupFactory.CreateParamsStruct {
  const squad = (Number(overrides.services ?? 0) & SERVICE.SQUAD) !== 0;
  return {
    templateId: TEMPLATE.OPStack,
    daLayer: DA.EthereumBlobs,
    daConfig: "0x",
    chainId: 424242,
    owner,
    sequencer: squad ? ZeroAddress : owner,
    proposer: owner,
    services: SERVICE.VITAL | SERVICE.MACH,
    fastFinalityBps: 0,
    expiry: 0,
    prepaidFees: 0,
    salt: id("rollup"),
    ...overrides,
  };
}

/** RollupFactory.COMMIT_DELAY: a commitment to a creation is usable this long after it was made. */
export const COMMIT_DELAY = 60;
/** RollupFactory.COMMIT_TTL: a commitment expires this long after it was made. */
export const COMMIT_TTL = DAY;

/**
 * Commits `creator` to a rollup of `params`' chain ID and salt (`createParams`' defaults otherwise), then mines a block
 * COMMIT_DELAY later: a creation in any later block (within COMMIT_TTL) may use the commitment. Returns it.
 */
export async function commitRollup(
  factory: RollupFactory,
  creator: HardhatEthersSigner,
  params: Partial<Pick<IRollupFactory.CreateParamsStruct, "chainId" | "salt">> = {},
): Promise<string> {
  const { chainId, salt } = createParams(creator.address, params);
  const commitment = await factory.rollupCommitment(creator.address, chainId, salt);
  await (await factory.connect(creator).commitRollup(commitment)).wait();
  await time.increase(COMMIT_DELAY);
  return commitment;
}

/**
 * Creates a rollup from `creator` (prepaying what the factory requires unless given) and returns its contract. Commits
 * first (`commitRollup`) unless `creator` holds a commitment to the chain ID and salt already: a test that needs the
 * creation at an exact time commits, then sets the next block's timestamp, then calls this.
 */
export async function createRollup(
  d: Pick<RollupsDeployment, "factory">,
  creator: HardhatEthersSigner,
  overrides: Partial<IRollupFactory.CreateParamsStruct> = {},
): Promise<Rollup> {
  const params = createParams(creator.address, overrides);
  const commitment = await d.factory.rollupCommitment(creator.address, params.chainId, params.salt);
  if ((await d.factory.committedAt(commitment)) === 0n) await commitRollup(d.factory, creator, params);
  if (overrides.prepaidFees === undefined) {
    params.prepaidFees = await d.factory.requiredPrepayment(params.services, params.expiry);
  }
  const predicted = await d.factory.predictRollupAddress(creator.address, params.templateId, params.salt);
  await (await d.factory.connect(creator).createRollup(params)).wait();
  return approveOutputBonds(d.factory, predicted, creator);
}

/**
 * The rollup at `address`, once its proposer, when it is `creator` (the default), has approved it for its output bonds
 * (only a rollup with VITAL on an optimistic template bonds outputs; nothing is sent otherwise).
 */
export async function approveOutputBonds(
  factory: RollupFactory,
  address: string,
  creator: HardhatEthersSigner,
): Promise<Rollup> {
  const rollup = (await hre.ethers.getContractAt("Rollup", address)) as unknown as Rollup;
  // (a stand-in implementation without outputBond, as MockLegacyRollup, bonds nothing)
  const bond = await rollup.outputBond().catch(() => 0n);
  if (bond !== 0n && (await rollup.proposer()) === creator.address) {
    const token = await hre.ethers.getContractAt("AltToken", await factory.alt());
    await (await token.connect(creator).approve(address, hre.ethers.MaxUint256)).wait();
  }
  return rollup;
}

/** The start of the epoch after the one `timestamp` falls in. */
export async function nextEpochStart(operatorSets: OperatorSets, timestamp: number): Promise<number> {
  return Number(await operatorSets.epochStart((await operatorSets.epochAt(timestamp)) + 1n));
}

/**
 * A keeper (`rollup`'s runner) streams its fees at the start of every epoch after its last stream, up to `through`, or
 * until paidUntil is streamed: a stream pays only the time since the previous epoch began, so streaming every epoch
 * lets none expire; each credits `perSecond` (the rate times the staffed services) × its seconds. The chain must still
 * be in the epoch of the last stream. Returns what was credited in all.
 */
export async function streamEachEpoch(
  operatorSets: OperatorSets,
  rollup: Rollup,
  perSecond: bigint,
  through: number,
): Promise<bigint> {
  const paidUntil = Number(await rollup.paidUntil());
  let last = Number(await rollup.lastStreamed());
  expect(await operatorSets.epochAt(await time.latest()), "still in the last stream's epoch").to.equal(
    await operatorSets.epochAt(last),
  );
  let total = 0n;
  for (
    let at = await nextEpochStart(operatorSets, last);
    at <= through && last < paidUntil;
    at = await nextEpochStart(operatorSets, at)
  ) {
    const until = Math.min(at, paidUntil);
    const credited = perSecond * BigInt(until - last);
    await time.setNextBlockTimestamp(at);
    const tx = rollup.streamFees();
    await expect(tx).to.emit(rollup, "FeesStreamed").withArgs(credited, until);
    await expect(tx).not.to.emit(rollup, "FeesExpired");
    await expect(tx).not.to.emit(rollup, "FeesNotCredited");
    total += credited;
    last = until;
  }
  return total;
}

/** The output root of a rollup's output 0: `stateRoot` at `l2BlockNumber` proposed before any batch, with no parent. */
export const firstOutputRoot = (l2BlockNumber: bigint, stateRoot: string) =>
  outputRootOf({ l2BlockNumber, stateRoot, batchCount: 0n, batchRoot: ZeroHash });
