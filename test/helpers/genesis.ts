// Deploys the genesis exactly as a real deployment does: through the Ignition module, from a parameter set.
import hre, { ignition } from "hardhat";
import { resolveGenesis, type GenesisInput, type GenesisConfig } from "../../deploy/lib/genesis";
import { buildGenesisModule } from "../../deploy/lib/genesisModule";
import { stagedParameters } from "./parameters";
import type { AltToken, MerkleAirdrop, VestingFactory, VestingPosition } from "../../typechain-types";

export interface GenesisDeployment {
  config: GenesisConfig;
  input: GenesisInput;
  token: AltToken;
  vestingFactory: VestingFactory;
  airdrop: MerkleAirdrop;
  /** Vesting position per allocation category. */
  positions: Record<string, VestingPosition>;
  /** Timestamp of the block that created the positions (the TGE when tge is "deploy"). */
  tge: number;
}

/** The genesis section of the staged hardhat parameters (treasury: account 1). */
export function hardhatGenesisInput(): GenesisInput {
  return stagedParameters().genesis;
}

export async function deployGenesis(input: GenesisInput = hardhatGenesisInput()): Promise<GenesisDeployment> {
  const config = resolveGenesis(input);
  const result = await ignition.deploy(buildGenesisModule(config));
  const at = <T>(name: string, address: unknown) => hre.ethers.getContractAt(name, address as string) as Promise<T>;
  const token = await at<AltToken>("AltToken", await result.token.getAddress());
  const vestingFactory = await at<VestingFactory>("VestingFactory", await result.vestingFactory.getAddress());
  const airdrop = await at<MerkleAirdrop>("MerkleAirdrop", await result.airdrop.getAddress());
  const positions: Record<string, VestingPosition> = {};
  for (const category of config.categories) {
    const future = (result as unknown as Record<string, { getAddress(): Promise<string> }>)[category];
    positions[category] = await at<VestingPosition>("VestingPosition", await future.getAddress());
  }
  const tge = Number((await positions[config.categories[0]].schedule()).start);
  return { config, input, token, vestingFactory, airdrop, positions, tge };
}
