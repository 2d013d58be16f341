// Registers every task area; each file holds one area.
import { HardhatContext } from "hardhat/internal/context";
import { oneLineFailures } from "./lib/cli";
import { keystoreOption } from "./lib/keys";
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
import "./services";
import "./squad";
import "./mach";
import "./vital";
import "./simulate";
import "./time";
import "./keeper";
import "./keystore";

/** The areas above (a task is named `<area>:<action>`), and `simulate`. */
const AREAS = ["deploy", "gov", "token", "vesting", "airdrop", "operator", "stake", "slash", "rewards", "rollup"];
AREAS.push("service", "squad", "mach", "vital", "time", "keeper", "keystore");
const isOurs = (name: string) => name === "simulate" || AREAS.includes(name.split(":")[0]);

const definitions = HardhatContext.getHardhatContext().tasksDSL.getTaskDefinitions();
const ours = Object.keys(definitions).filter(isOurs);
// every task above that acts as an account can act as an encrypted keystore's (tasks/lib/keys.ts)
keystoreOption(ours, (name) => definitions[name].paramDefinitions.from !== undefined);
// every task above fails in one line on the command line, whatever the terminal (tasks/lib/cli.ts)
oneLineFailures(ours);
