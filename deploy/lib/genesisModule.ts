// The genesis Ignition module as a function of validated parameters, so tests and tasks can build it from any config.
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { GenesisConfig } from "./genesis";
import { addressResolver, type TimelockModule } from "./timelock";

/**
 * Deploys the ALT token (whole supply to the deployer), the vesting factory, one vesting position per allocation
 * category and the Merkle airdrop, then hands every token out: the deployer ends with none. Addresses written as
 * "timelock" (treasury, beneficiaries, delegatees) become the timelock of `timelockModule`.
 */
export function buildGenesisModule(config: GenesisConfig, timelockModule?: TimelockModule) {
  return buildModule("Genesis", (m) => {
    const deployer = m.getAccount(0);
    const resolve = addressResolver(m, timelockModule);
    const treasury = resolve(config.treasury);

    const token = m.contract("AltToken", [deployer]);
    const vestingFactory = m.contract("VestingFactory", [token, treasury, config.owner ?? deployer]);
    const airdrop = m.contract("MerkleAirdrop", [token, config.airdrop.root, config.airdrop.claimPeriod, treasury]);

    const vestedTotal = config.positions.reduce((sum, p) => sum + p.amount, 0n);
    const positionArgs = config.positions.map((p) => ({
      ...p,
      beneficiary: resolve(p.beneficiary),
      delegatee: resolve(p.delegatee),
    }));
    const approve = m.call(token, "approve", [vestingFactory, vestedTotal]);
    const create = m.call(vestingFactory, "createPositions", [positionArgs], { after: [approve] });
    const positions = Object.fromEntries(
      config.categories.map((category, eventIndex) => {
        const address = m.readEventArgument(create, "PositionCreated", "position", {
          emitter: vestingFactory,
          eventIndex,
          id: `PositionCreated_${category}`,
        });
        return [category, m.contractAt("VestingPosition", address, { id: `Vesting_${category}` })];
      }),
    );
    m.call(token, "transfer", [airdrop, config.airdrop.amount], { id: "FundAirdrop", after: [create] });

    return { token, vestingFactory, airdrop, ...positions };
  });
}
