// The base of the service task suites: the staged protocol deployed through `deploy services`, four operators that are
// Hardhat accounts (so tasks can act as them with --from), and two factory rollups.
import hre from "hardhat";
import { id, ZeroAddress } from "ethers";
import type { AddressBook } from "../../tasks/lib/addressBook";
import { RESTAKING_KEYS } from "../../tasks/lib/restaking";
import { SERVICE_KEYS } from "../../tasks/lib/services";
import type {
  MachService,
  OperatorSets,
  RestakingRegistry,
  RollupFactory,
  SlashingManager,
  SquadService,
  VitalService,
} from "../../typechain-types";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ALT } from "./constants";
import { stagedParametersFile } from "./parameters";
import { SERVICE } from "./rollups";
import { createRollup } from "./services";
import { fundFromLaunchpool, task } from "./tasks";

/** ALT each of accounts 10..15 receives from the Launchpool position (its beneficiary: account 7). */
export const SERVICE_TASK_FUNDED = 1_000_000n * ALT;
/** What operators 0..3 (accounts 10..13) stake to themselves. */
export const OPERATOR_STAKES = [400_000n * ALT, 300_000n * ALT, 200_000n * ALT, 100_000n * ALT];

export interface TaskOperator {
  signer: HardhatEthersSigner;
  address: string;
}

export async function servicesTaskFixture() {
  const book = await task<AddressBook>("deploy services", { json: true, parameters: stagedParametersFile() });
  const signers = await hre.ethers.getSigners();
  const at = async <T>(name: string, key: string) => (await hre.ethers.getContractAt(name, book[key])) as unknown as T;
  const token = await fundFromLaunchpool(book, SERVICE_TASK_FUNDED);
  const registry = await at<RestakingRegistry>("RestakingRegistry", RESTAKING_KEYS.registry);
  const registryAddress = await registry.getAddress();
  const operators: TaskOperator[] = [];
  for (const [i, stake] of OPERATOR_STAKES.entries()) {
    const signer = signers[10 + i];
    await (await registry.connect(signer).registerOperator(`ipfs://operator-${i}`, 0)).wait();
    await (await token.connect(signer).approve(registryAddress, stake)).wait();
    await (await registry.connect(signer).stake(signer.address, 0, stake)).wait();
    operators.push({ signer, address: signer.address });
  }
  const factory = await at<RollupFactory>("RollupFactory", "Rollups#RollupFactory");
  const creator = signers[14];
  await (await token.connect(creator).approve(await factory.getAddress(), SERVICE_TASK_FUNDED)).wait();
  // VITAL and MACH on a centrally sequenced rollup (chain 5001); SQUAD on one without a sequencer (chain 5002)
  const rollup = await createRollup({ factory }, creator, { chainId: 5001, salt: id("service-tasks:vital-mach") });
  const squadRollup = await createRollup({ factory }, creator, {
    chainId: 5002,
    salt: id("service-tasks:squad"),
    services: SERVICE.SQUAD,
    sequencer: ZeroAddress,
  });
  return {
    book,
    signers,
    token,
    registry,
    sets: await at<OperatorSets>("OperatorSets", RESTAKING_KEYS.operatorSets),
    manager: await at<SlashingManager>("SlashingManager", RESTAKING_KEYS.slashingManager),
    factory,
    mach: await at<MachService>("MachService", SERVICE_KEYS.mach),
    vital: await at<VitalService>("VitalService", SERVICE_KEYS.vital),
    squad: await at<SquadService>("SquadService", SERVICE_KEYS.squad),
    rollup,
    rollupAddress: await rollup.getAddress(),
    squadRollup,
    squadRollupAddress: await squadRollup.getAddress(),
    operators,
    /** Owner of both rollups (and their proposer, and the first one's sequencer). */
    creator,
    /** Account 15: funded, no operator. */
    outsider: signers[15],
    deployer: signers[0],
    treasury: signers[1],
  };
}

export type ServicesTaskFixture = Awaited<ReturnType<typeof servicesTaskFixture>>;
