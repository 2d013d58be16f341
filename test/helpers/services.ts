// The protocol deployed up to the restaked services (staged parameters: the deployer owns everything), operators with
// their BLS keys, rollups registered in their services, and MACH attestations and quorums.
import hre, { ignition } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { id, Wallet } from "ethers";
import { buildProtocolModule } from "../../deploy/lib/protocol";
import type { ProtocolParameters } from "../../deploy/lib/parameters";
import type { ServicesConfig } from "../../deploy/lib/services";
import type { IRollupFactory } from "../../typechain-types/contracts/rollups/RollupFactory";
import type {
  AltToken,
  BlsKeyRegistry,
  MachService,
  OperatorSets,
  RestakingRegistry,
  RewardsDistributor,
  Rollup,
  RollupFactory,
  SlashingManager,
  SquadService,
  VestingPosition,
  VitalService,
} from "../../typechain-types";
import { ALT } from "./constants";
import { stagedParameters } from "./parameters";
import { nextEpoch } from "./time";
import { createRollup, SERVICE } from "./rollups";
import { blsSecretFrom, buildQuorum, keyRegistration, signDigest, type Quorum } from "../../tasks/lib/mach";

/** A rollup `creator` launches from the factory (commit, then create; prepaying its services), registered with none. */
export { createRollup };

export interface ServicesDeployment {
  parameters: ProtocolParameters;
  config: ServicesConfig;
  token: AltToken;
  registry: RestakingRegistry;
  operatorSets: OperatorSets;
  slashingManager: SlashingManager;
  rewards: RewardsDistributor;
  blsKeys: BlsKeyRegistry;
  factory: RollupFactory;
  mach: MachService;
  vital: VitalService;
  squad: SquadService;
  /** Owner of everything (staged deployment). */
  deployer: HardhatEthersSigner;
  council: HardhatEthersSigner;
  /** Account 1: the treasury (receives failed VITAL bonds). */
  treasury: HardhatEthersSigner;
  /** The Launchpool beneficiary, whose unlocked ALT funds operators and users. */
  funder: HardhatEthersSigner;
  /** Accounts 10..15: rollup owners (10M ALT each, the factory approved). */
  users: HardhatEthersSigner[];
}

/** An operator: its account (a fresh wallet with ETH) and its BLS secret key. */
export interface Operator {
  account: Wallet;
  address: string;
  bls: bigint;
}

type Deployed = Record<string, { getAddress(): Promise<string> }>;

export async function deployServices(parameters: ProtocolParameters = stagedParameters()): Promise<ServicesDeployment> {
  const built = buildProtocolModule(parameters, "services");
  const result = (await ignition.deploy(built.module)) as unknown as Deployed;
  const at = async <T>(name: string, key: string) =>
    (await hre.ethers.getContractAt(name, await result[key].getAddress())) as unknown as T;
  const signers = await hre.ethers.getSigners();
  const byAddress = (address: string) => signers.find((s) => s.address === address)!;
  const token = await at<AltToken>("AltToken", "token");
  const factory = await at<RollupFactory>("RollupFactory", "rollupFactory");
  const launchpool = await at<VestingPosition>("VestingPosition", "Launchpool");
  await (await launchpool.release()).wait();
  const funder = byAddress(await launchpool.beneficiary());
  const users = signers.slice(10, 16);
  for (const user of users) {
    await (await token.connect(funder).transfer(user.address, 10_000_000n * ALT)).wait();
    await (await token.connect(user).approve(await factory.getAddress(), 10_000_000n * ALT)).wait();
  }
  return {
    parameters,
    config: built.servicesConfig!,
    token,
    registry: await at<RestakingRegistry>("RestakingRegistry", "registry"),
    operatorSets: await at<OperatorSets>("OperatorSets", "operatorSets"),
    slashingManager: await at<SlashingManager>("SlashingManager", "slashingManager"),
    rewards: await at<RewardsDistributor>("RewardsDistributor", "rewardsDistributor"),
    blsKeys: await at<BlsKeyRegistry>("BlsKeyRegistry", "blsKeyRegistry"),
    factory,
    mach: await at<MachService>("MachService", "machService"),
    vital: await at<VitalService>("VitalService", "vitalService"),
    squad: await at<SquadService>("SquadService", "squadService"),
    deployer: signers[0],
    council: byAddress(built.restakingConfig!.council),
    treasury: byAddress(built.genesisConfig.treasury),
    funder,
    users,
  };
}

/**
 * Registers operators `label-0..label-(n-1)` (fresh wallets funded with ETH and ALT), each with a BLS key (so it may
 * join MACH sets), and staking `stakes[i]` ALT to itself.
 */
export async function addOperators(d: ServicesDeployment, label: string, stakes: bigint[]): Promise<Operator[]> {
  const operators: Operator[] = [];
  const registry = await d.registry.getAddress();
  for (let i = 0; i < stakes.length; i++) {
    const account = new Wallet(id(`alt-test-operator:${label}:${i}`), hre.ethers.provider);
    await hre.network.provider.send("hardhat_setBalance", [account.address, "0x56BC75E2D63100000"]);
    await (await d.token.connect(d.funder).transfer(account.address, stakes[i])).wait();
    await (await d.token.connect(account).approve(registry, stakes[i])).wait();
    await (await d.registry.connect(account).registerOperator(`ipfs://${label}-${i}`, 0)).wait();
    await (await d.registry.connect(account).stake(account.address, 0, stakes[i])).wait();
    const bls = blsSecretFrom(`alt-test-bls:${label}:${i}`);
    const registration = await keyRegistration(d.blsKeys, account.address, bls);
    await (await d.blsKeys.connect(account).registerKey(registration.publicKey, registration.proof)).wait();
    operators.push({ account, address: account.address, bls });
  }
  return operators;
}

/** `createRollup`, then registered with every service it enables. */
export async function launchRollup(
  d: ServicesDeployment,
  creator: HardhatEthersSigner,
  overrides: Partial<IRollupFactory.CreateParamsStruct> = {},
): Promise<Rollup> {
  const rollup = await createRollup(d, creator, overrides);
  const address = await rollup.getAddress();
  const services = Number(await rollup.services());
  if (services & SERVICE.VITAL) await (await d.vital.registerRollup(address)).wait();
  if (services & SERVICE.MACH) await (await d.mach.registerRollup(address)).wait();
  if (services & SERVICE.SQUAD) await (await d.squad.registerRollup(address)).wait();
  return rollup;
}

type Service = MachService | VitalService | SquadService;

/** RollupService.SetDefaults: a set's minimum allocation and size bound, and what it needs to be live in an epoch. */
export interface SetParams {
  minStake: bigint;
  maxSize: bigint;
  minMembers: bigint;
  minTotalStake: bigint;
}

/**
 * The set parameters the deployment gave every service (deploy/parameters "services"), with `overrides` applied: the
 * argument of `setSetDefaults` / `updateRollupSet`, and what `setDefaults()` returns (as bigints, in struct order).
 */
export function setParams(d: Pick<ServicesDeployment, "config">, overrides: Partial<SetParams> = {}): SetParams {
  return {
    minStake: d.config.minStake,
    maxSize: BigInt(d.config.maxSize),
    minMembers: BigInt(d.config.minMembers),
    minTotalStake: d.config.minTotalStake,
    ...overrides,
  };
}

/** A `SetParams` as the array the contracts' struct outputs (and events' struct arguments) compare equal to. */
export const setParamsTuple = (p: SetParams) => [p.minStake, p.maxSize, p.minMembers, p.minTotalStake];

/**
 * Every operator joins the rollup's set in `service`, allocating `amounts[i]` (default: all its free stake); then the
 * chain moves to the start of the next epoch, when the allocations count (what MACH, VITAL and SQUAD's leader draw read).
 */
export async function joinAndCount(
  d: ServicesDeployment,
  service: Service,
  rollup: string,
  operators: Operator[],
  amounts?: bigint[],
) {
  const setId = await service.setIdOf(rollup);
  for (const [i, op] of operators.entries()) {
    const amount = amounts?.[i] ?? (await d.operatorSets.freeStake(op.address));
    await (await d.operatorSets.connect(op.account).join(setId, amount)).wait();
  }
  await nextEpoch(d.operatorSets);
  return setId;
}

/** `op`'s BLS signature (G1, encoded) of the attestation of an output in `epoch`. */
export async function attest(
  mach: MachService,
  op: Pick<Operator, "bls">,
  rollup: string,
  outputIndex: bigint,
  l2BlockNumber: bigint,
  root: string,
  epoch: bigint,
) {
  return signDigest(op.bls, await mach.attestationDigest(rollup, outputIndex, l2BlockNumber, root, epoch));
}

/** Orders addresses as MACH lists non-signers: ascending by their value as a number (not by their checksummed text). */
export const byAddress = (a: string, b: string) => {
  const [x, y] = [BigInt(a), BigInt(b)];
  return x < y ? -1 : x > y ? 1 : 0;
};

/**
 * The quorum of `signers` for output `outputIndex` of `rollup` in `epoch` (default: the current one), as
 * `MachService.certify(rollup, outputIndex, quorum)` takes it: their aggregate signature, the set's aggregate key and
 * every other operator counted in the set then as a non-signer, with its key.
 */
export async function certificate(
  d: Pick<ServicesDeployment, "mach" | "operatorSets" | "blsKeys">,
  rollup: string,
  outputIndex: bigint,
  l2BlockNumber: bigint,
  root: string,
  signers: Operator[],
  epoch?: bigint,
): Promise<Quorum> {
  const e = epoch ?? (await d.operatorSets.currentEpoch());
  const setId = await d.mach.setIdOf(rollup);
  const signatures = await Promise.all(
    signers.map((op) => attest(d.mach, op, rollup, outputIndex, l2BlockNumber, root, e)),
  );
  return buildQuorum(
    d.operatorSets,
    d.blsKeys,
    setId,
    e,
    signers.map((op) => op.address),
    signatures,
  );
}

export { SERVICE };

/**
 * The `fastLimit` (wei, whole gwei) MACH gives an output certified by `signed` stake when its parent is Finalized: what
 * slashing the signers for an invalid certificate brings the portal (signed × the offence's bps; that offence pays no
 * reporter share), rounded down to gwei as the rollup stores it.
 */
export async function machFastLimit(mach: MachService, signed: bigint): Promise<bigint> {
  const [, offenceBps] = await mach.offenceBps();
  const cover = (signed * offenceBps) / 10_000n;
  return (cover / 10n ** 9n) * 10n ** 9n;
}
