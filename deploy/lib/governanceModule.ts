// The governance Ignition module: the governor, the timelock's bootstrap, and the hand-over of every owner role in
// the protocol to the timelock. After it the deployer holds no role anywhere.
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { IgnitionModule } from "@nomicfoundation/ignition-core";
import { id, ZeroHash } from "ethers";
import type { GovernanceConfig } from "./governance";
import type { TimelockModule } from "./timelock";

export const PROPOSER_ROLE = id("PROPOSER_ROLE");
export const CANCELLER_ROLE = id("CANCELLER_ROLE");
export const DEFAULT_ADMIN_ROLE = ZeroHash;
/** Salt of the timelock's one bootstrap operation. */
export const BOOTSTRAP_SALT = id("ALT governance bootstrap");

/** The contracts whose owner becomes the timelock (every Ownable in the protocol so far). */
export const TIMELOCK_OWNED = [
  "vestingFactory",
  "registry",
  "operatorSets",
  "slashingManager",
  "rewardsDistributor",
  "blsKeyRegistry",
  "rollupFactory",
  "machService",
  "vitalService",
  "squadService",
];

/**
 * `council` is the security council (the governor's proposal guardian); `genesis`, `restaking`, `rollups`, `services`
 * and `timelockModule` are the module objects of the same deployment graph.
 */
export function buildGovernanceModule(
  config: GovernanceConfig,
  council: string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  genesis: IgnitionModule<string, string, any>,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  restaking: IgnitionModule<string, string, any>,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  rollups: IgnitionModule<string, string, any>,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  services: IgnitionModule<string, string, any>,
  timelockModule: TimelockModule,
) {
  return buildModule("Governance", (m) => {
    const deployer = m.getAccount(0);
    const { timelock } = m.useModule(timelockModule);
    const { token, vestingFactory } = m.useModule(genesis);
    const { registry, operatorSets, slashingManager, rewardsDistributor, blsKeyRegistry } = m.useModule(restaking);
    const { rollupFactory } = m.useModule(rollups);
    const { machService, vitalService, squadService } = m.useModule(services);
    const governor = m.contract("AltGovernor", [
      token,
      timelock,
      council,
      config.votingDelay,
      config.votingPeriod,
      config.proposalThreshold,
      config.quorumBps,
      config.lateQuorumExtension,
    ]);

    // The timelock delegates its votes (the treasury's ALT) to itself, so the governor can leave them out of the
    // quorum, and takes its real delay: one batch, scheduled and executed while the delay is still zero.
    const targets = [token, timelock];
    const values = [0n, 0n];
    const payloads = [
      m.encodeFunctionCall(token, "delegate", [timelock], { id: "DelegateTreasuryVotes" }),
      m.encodeFunctionCall(timelock, "updateDelay", [config.timelockDelay], { id: "SetTimelockDelay" }),
    ];
    const schedule = m.call(timelock, "scheduleBatch", [targets, values, payloads, ZeroHash, BOOTSTRAP_SALT, 0], {
      id: "ScheduleBootstrap",
    });
    const bootstrap = m.call(timelock, "executeBatch", [targets, values, payloads, ZeroHash, BOOTSTRAP_SALT], {
      id: "ExecuteBootstrap",
      after: [schedule],
    });

    const owned = {
      vestingFactory,
      registry,
      operatorSets,
      slashingManager,
      rewardsDistributor,
      blsKeyRegistry,
      rollupFactory,
      machService,
      vitalService,
      squadService,
    };
    const handovers = TIMELOCK_OWNED.map((name) =>
      // after the services are wired: their wiring calls (sets, slashers, factory) are owner calls by the deployer
      m.call(owned[name as keyof typeof owned], "transferOwnership", [timelock], {
        id: `TransferOwnership_${name}`,
        after: [services],
      }),
    );
    const grants = [
      m.call(timelock, "grantRole", [PROPOSER_ROLE, governor], { id: "GrantProposer", after: [bootstrap] }),
      m.call(timelock, "grantRole", [CANCELLER_ROLE, governor], { id: "GrantCanceller", after: [bootstrap] }),
    ];
    const after = [...grants, ...handovers];
    const revokes = [
      m.call(timelock, "revokeRole", [PROPOSER_ROLE, deployer], { id: "RevokeDeployerProposer", after }),
      m.call(timelock, "revokeRole", [CANCELLER_ROLE, deployer], { id: "RevokeDeployerCanceller", after }),
    ];
    m.call(timelock, "renounceRole", [DEFAULT_ADMIN_ROLE, deployer], { id: "RenounceDeployerAdmin", after: revokes });

    return { governor, timelock };
  });
}
