// Registers every task area; each file holds one area.
import { HardhatContext } from "hardhat/internal/context";
import { areaTask, dryRunOption, oneLineFailures, ourTasks } from "./lib/cli";
import { keystoreOption } from "./lib/keys";
import { scanningWith } from "./lib/addressBook";
import "./deploy";
import "./deployCheck";
import "./governance";
import "./token";
import "./vesting";
import "./airdrop";
import "./operator";
import "./stake";
import "./slash";
import "./rewards";
import "./rollup";
import "./bridge";
import "./services";
import "./squad";
import "./mach";
import "./vital";
import "./simulate";
import "./time";
import "./keeper";
import "./keystore";

// Every task above (each area a Hardhat scope: tasks/lib/cli.ts AREAS), and `simulate`.
const dsl = HardhatContext.getHardhatContext().tasksDSL;
const ours = ourTasks({ scopes: dsl.getScopesDefinitions() });
const definition = (name: string) => {
  const [area, action] = name.split(" ");
  return action === undefined ? dsl.getTaskDefinitions()[name] : dsl.getScopesDefinitions()[area].tasks[action];
};
// every task above that acts as an account can act as an encrypted keystore's (tasks/lib/keys.ts)
keystoreOption(ours, (name) => definition(name).paramDefinitions.from !== undefined);
// every task above that sends, and has no dry run of its own, can stop before its first transaction (tasks/lib/cli.ts)
dryRunOption(ours, (name) => {
  const params = definition(name).paramDefinitions;
  return params.from !== undefined && params.dryRun === undefined;
});
// every task above scans events from its deployment's first block (tasks/lib/addressBook.ts scanStart)
for (const name of ours) areaTask(name).setAction((args, hre, runSuper) => (scanningWith(hre), runSuper(args)));
// every task above fails in one line on the command line, whatever the terminal (tasks/lib/cli.ts)
oneLineFailures(ours);
