// The services Ignition module: SQUAD, VITAL and MACH (UUPS proxies), each allowed to create operator sets, registered
// as a slasher with its own per-offence cap, and set in the rollup factory.
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { IgnitionModule } from "@nomicfoundation/ignition-core";
import type { ServicesConfig } from "./services";
import { deployProxied } from "./proxy";
import { addressResolver, type TimelockModule } from "./timelock";

/** `treasury` receives forfeited VITAL bonds. */
export function buildServicesModule(
  config: ServicesConfig,
  treasury: string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  restaking: IgnitionModule<string, string, any>,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  rollups: IgnitionModule<string, string, any>,
  timelockModule?: TimelockModule,
) {
  return buildModule("Services", (m) => {
    const deployer = m.getAccount(0);
    const { registry, operatorSets, slashingManager, blsKeyRegistry } = m.useModule(restaking);
    const { rollupFactory } = m.useModule(rollups);
    const base = {
      owner: deployer,
      factory: rollupFactory,
      sets: operatorSets,
      registry,
      slashing: slashingManager,
      defaults: {
        minStake: config.minStake,
        maxSize: config.maxSize,
        minMembers: config.minMembers,
        minTotalStake: config.minTotalStake,
      },
    };
    const { mach: machConfig, vital: vitalConfig, squad: squadConfig } = config;
    const machService = deployProxied(m, "MachService", [
      base,
      blsKeyRegistry,
      machConfig.equivocationBps,
      machConfig.invalidCertificateBps,
    ]);
    const vitalService = deployProxied(m, "VitalService", [
      base,
      addressResolver(m, timelockModule)(treasury),
      vitalConfig.bond,
      vitalConfig.votingPeriod,
      vitalConfig.proposerBps,
      vitalConfig.voterBps,
    ]);
    const squadService = deployProxied(m, "SquadService", [
      base,
      squadConfig.slotLength,
      squadConfig.gracePeriod,
      squadConfig.maxMisses,
      squadConfig.jailTime,
      squadConfig.censorshipBps,
    ]);
    const services = { machService, vitalService, squadService };
    const caps = { machService: machConfig.capBps, vitalService: vitalConfig.capBps, squadService: squadConfig.capBps };
    for (const [name, service] of Object.entries(services)) {
      m.call(operatorSets, "setService", [service, true], { id: `AllowSets_${name}` });
      m.call(slashingManager, "setSlasher", [service, caps[name as keyof typeof caps], config.maxEvidenceAge], {
        id: `SetSlasher_${name}`,
      });
    }
    m.call(rollupFactory, "setServices", [vitalService, machService, squadService], { id: "SetFactoryServices" });
    return services;
  });
}
