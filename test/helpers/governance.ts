// The whole protocol deployed as a real deployment does, governance stage included: the Ignition entry module built
// from deploy/parameters/hardhat.json (the timelock is the treasury and ends owning every contract).
import hre, { ignition } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { buildProtocolModule } from "../../deploy/lib/protocol";
import type { GovernanceConfig } from "../../deploy/lib/governance";
import type { ProtocolParameters } from "../../deploy/lib/parameters";
import type {
  AltGovernor,
  AltToken,
  MachService,
  MerkleAirdrop,
  OperatorSets,
  RestakingRegistry,
  RewardsDistributor,
  Rollup,
  RollupFactory,
  SlashingManager,
  SquadService,
  TimelockController,
  VestingFactory,
  VestingPosition,
  VitalService,
} from "../../typechain-types";
import { hardhatParameters } from "./parameters";

export interface GovernanceDeployment {
  parameters: ProtocolParameters;
  config: GovernanceConfig;
  token: AltToken;
  vestingFactory: VestingFactory;
  airdrop: MerkleAirdrop;
  /** Vesting position per allocation category (the Treasury's beneficiary and delegate is the timelock). */
  positions: Record<string, VestingPosition>;
  registry: RestakingRegistry;
  operatorSets: OperatorSets;
  slashingManager: SlashingManager;
  rewards: RewardsDistributor;
  rollupFactory: RollupFactory;
  /** The implementation every template of hardhat.json clones. */
  rollupImplementation: Rollup;
  /** The restaked services (UUPS proxies): slashers, OperatorSets services and the rollup factory's services. */
  machService: MachService;
  vitalService: VitalService;
  squadService: SquadService;
  timelock: TimelockController;
  governor: AltGovernor;
  /** Ignition's account 0: deployed everything, holds no role afterwards. */
  deployer: HardhatEthersSigner;
  /** The security council (account 8): proposal guardian and slash vetoer. */
  council: HardhatEthersSigner;
  /**
   * The genesis delegates, largest first: each vesting beneficiary votes its locked allocation (hardhat.json accounts 2
   * ProtocolDevelopment 2B, 3 Investors 1.85B, 4 Ecosystem 1.445B, 5 Team 1.5B, 6 Advisors 0.5B, 7 Launchpool 0.5B).
   */
  signers: HardhatEthersSigner[];
}

type Deployed = Record<string, { getAddress(): Promise<string> }>;

export async function deployGovernance(
  parameters: ProtocolParameters = hardhatParameters(),
): Promise<GovernanceDeployment> {
  const built = buildProtocolModule(parameters, "governance");
  const result = (await ignition.deploy(built.module)) as unknown as Deployed;
  const at = async <T>(name: string, key: string) =>
    (await hre.ethers.getContractAt(name, await result[key].getAddress())) as unknown as T;
  const positions: Record<string, VestingPosition> = {};
  for (const category of built.genesisConfig.categories) {
    positions[category] = await at<VestingPosition>("VestingPosition", category);
  }
  const signers = await hre.ethers.getSigners();
  return {
    parameters,
    config: built.governanceConfig!,
    token: await at<AltToken>("AltToken", "token"),
    vestingFactory: await at<VestingFactory>("VestingFactory", "vestingFactory"),
    airdrop: await at<MerkleAirdrop>("MerkleAirdrop", "airdrop"),
    positions,
    registry: await at<RestakingRegistry>("RestakingRegistry", "registry"),
    operatorSets: await at<OperatorSets>("OperatorSets", "operatorSets"),
    slashingManager: await at<SlashingManager>("SlashingManager", "slashingManager"),
    rewards: await at<RewardsDistributor>("RewardsDistributor", "rewardsDistributor"),
    rollupFactory: await at<RollupFactory>("RollupFactory", "rollupFactory"),
    rollupImplementation: await at<Rollup>("Rollup", "rollupImplementation"),
    machService: await at<MachService>("MachService", "machService"),
    vitalService: await at<VitalService>("VitalService", "vitalService"),
    squadService: await at<SquadService>("SquadService", "squadService"),
    timelock: await at<TimelockController>("TimelockController", "timelock"),
    governor: await at<AltGovernor>("AltGovernor", "governor"),
    deployer: signers[0],
    council: signers.find((s) => s.address === built.restakingConfig!.council)!,
    signers,
  };
}
