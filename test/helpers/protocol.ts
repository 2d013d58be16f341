// Deploys the protocol as a real deployment does (Ignition modules from a parameter set) and funds test accounts.
import hre, { ignition } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { buildProtocolModule } from "../../deploy/lib/protocol";
import type { ProtocolParameters } from "../../deploy/lib/parameters";
import type { RestakingConfig } from "../../deploy/lib/restaking";
import type {
  AltToken,
  OperatorSets,
  RestakingRegistry,
  RewardsDistributor,
  SlashingManager,
  VestingPosition,
} from "../../typechain-types";
import { ALT } from "./constants";
import { stagedParameters } from "./parameters";

export interface ProtocolDeployment {
  parameters: ProtocolParameters;
  config: RestakingConfig;
  token: AltToken;
  registry: RestakingRegistry;
  operatorSets: OperatorSets;
  slashingManager: SlashingManager;
  rewards: RewardsDistributor;
  /** The genesis owner of every contract (Ignition's account 0). */
  deployer: HardhatEthersSigner;
  /** The security council of the parameter set (account 8 in hardhat.json). */
  council: HardhatEthersSigner;
  /** The treasury of the parameter set (account 1 in hardhat.json). */
  treasury: HardhatEthersSigner;
  /** Accounts 10..19, each funded with `FUNDED_ALT`. */
  users: HardhatEthersSigner[];
}

/** ALT given to each user by `deployProtocol`. */
export const FUNDED_ALT = 10_000_000n * ALT;

type Deployed = Record<string, { getAddress(): Promise<string> }>;

export async function deployProtocol(parameters: ProtocolParameters = stagedParameters()): Promise<ProtocolDeployment> {
  const built = buildProtocolModule(parameters, "restaking");
  const restakingConfig = built.restakingConfig!;
  const module = built.module;
  const result = (await ignition.deploy(module)) as unknown as Deployed;
  const at = async <T>(name: string, key: string) =>
    (await hre.ethers.getContractAt(name, await result[key].getAddress())) as unknown as T;
  const token = await at<AltToken>("AltToken", "token");
  const signers = await hre.ethers.getSigners();
  const byAddress = (address: string) => signers.find((s) => s.address === address)!;

  // The Launchpool position is unlocked at TGE: its beneficiary funds the test users.
  const launchpool = await at<VestingPosition>("VestingPosition", "Launchpool");
  const funder = byAddress(await launchpool.beneficiary());
  await (await launchpool.release()).wait();
  const users = signers.slice(10, 20);
  for (const user of users) await (await token.connect(funder).transfer(user.address, FUNDED_ALT)).wait();

  return {
    parameters,
    config: restakingConfig,
    token,
    registry: await at<RestakingRegistry>("RestakingRegistry", "registry"),
    operatorSets: await at<OperatorSets>("OperatorSets", "operatorSets"),
    slashingManager: await at<SlashingManager>("SlashingManager", "slashingManager"),
    rewards: await at<RewardsDistributor>("RewardsDistributor", "rewardsDistributor"),
    deployer: signers[0],
    council: byAddress(restakingConfig.council),
    treasury: byAddress(restakingConfig.treasury),
    users,
  };
}
