// The rollups Ignition module: the factory (UUPS proxy), the Rollup implementation its templates clone (and the Portal
// implementation each rollup clones as its bridge), the mock
// verifier when a template asks for it, and the templates of the parameter file.
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { IgnitionModule } from "@nomicfoundation/ignition-core";
import type { RollupsConfig } from "./rollups";
import { MOCK_VERIFIER } from "./rollups";
import { deployProxied } from "./proxy";
import { addressResolver, type TimelockModule } from "./timelock";

/** `council` is the security council (it may pause a rollup); `treasury` receives creation fees. */
export function buildRollupsModule(
  config: RollupsConfig,
  council: string,
  treasury: string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  genesis: IgnitionModule<string, string, any>,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  restaking: IgnitionModule<string, string, any>,
  timelockModule?: TimelockModule,
) {
  return buildModule("Rollups", (m) => {
    const deployer = m.getAccount(0);
    const { token } = m.useModule(genesis);
    const { operatorSets, rewardsDistributor } = m.useModule(restaking);

    const rollupFactory = deployProxied(m, "RollupFactory", [
      deployer,
      token,
      rewardsDistributor,
      operatorSets,
      addressResolver(m, timelockModule)(treasury),
      council,
      config.feePerServicePerSecond,
      config.settlementWindow,
      config.minQueueFee,
    ]);
    const portalImplementation = m.contract("Portal", [token]);
    const rollupImplementation = m.contract("Rollup", [rollupFactory, portalImplementation]);
    const needsMock = config.templates.some((t) => t.verifier === MOCK_VERIFIER);
    const mockVerifier = needsMock ? m.contract("MockVerifier") : undefined;
    config.templates.forEach((t, i) => {
      const verifier = t.verifier === MOCK_VERIFIER ? mockVerifier! : t.verifier;
      m.call(rollupFactory, "registerTemplate", [{ ...t, implementation: rollupImplementation, verifier }], {
        id: `RegisterTemplate_${i}`,
      });
    });
    return { rollupFactory, rollupImplementation, portalImplementation, ...(mockVerifier ? { mockVerifier } : {}) };
  });
}
