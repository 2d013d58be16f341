// The restaking Ignition module: registry, operator sets, slashing manager, rewards distributor and BLS key registry, each a UUPS
// implementation behind an ERC-1967 proxy initialised in its constructor call, then wired together.
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { IgnitionModule } from "@nomicfoundation/ignition-core";
import type { RestakingConfig } from "./restaking";
import { deployProxied } from "./proxy";
import { addressResolver, type TimelockModule } from "./timelock";

type ProxyTarget = "RestakingRegistry" | "OperatorSets" | "SlashingManager" | "RewardsDistributor" | "BlsKeyRegistry";

/**
 * `genesis` is the genesis module object (one per deployment graph), whose `token` is ALT; `timelockModule` is needed
 * when the treasury is "timelock".
 */
export function buildRestakingModule(
  config: RestakingConfig,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  genesis: IgnitionModule<string, string, any>,
  timelockModule?: TimelockModule,
) {
  return buildModule("Restaking", (m) => {
    const deployer = m.getAccount(0);
    const { token } = m.useModule(genesis);
    const treasury = addressResolver(m, timelockModule)(config.treasury);

    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const proxied = (name: ProxyTarget, initArgs: any[]) => deployProxied(m, name, initArgs);

    const registry = proxied("RestakingRegistry", [deployer, token, config.withdrawalDelay, config.commissionDelay]);
    const operatorSets = proxied("OperatorSets", [deployer, registry, config.epochLength, config.churnMarginBps]);
    const slashingManager = proxied("SlashingManager", [
      deployer,
      registry,
      config.council,
      treasury,
      config.vetoWindow,
      config.reporterBps,
      config.slashWindow,
    ]);
    const rewardsDistributor = proxied("RewardsDistributor", [
      deployer,
      registry,
      operatorSets,
      treasury,
      config.protocolShareBps,
    ]);
    const blsKeyRegistry = proxied("BlsKeyRegistry", [deployer, operatorSets, registry]);
    const wired = m.call(registry, "setModules", [slashingManager, operatorSets]);

    if (config.owner !== undefined) {
      for (const contract of [registry, operatorSets, slashingManager, rewardsDistributor, blsKeyRegistry]) {
        m.call(contract, "transferOwnership", [config.owner], { after: [wired] });
      }
    }
    return { registry, operatorSets, slashingManager, rewardsDistributor, blsKeyRegistry };
  });
}
