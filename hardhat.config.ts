import { HardhatUserConfig, subtask, vars } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import { HardhatPluginError } from "hardhat/plugins";
import "@nomicfoundation/hardhat-toolbox";
import "@openzeppelin/hardhat-upgrades";
import "./tasks";

/// The one compiler this project builds with: the npm `solc` package pinned in package.json (SPEC 1).
export const SOLC_VERSION = "0.8.28";

// Hermetic builds: hand Hardhat the solc-js build from node_modules instead of downloading a compiler.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }) => {
  if (args.solcVersion !== SOLC_VERSION) {
    throw new HardhatPluginError(
      "alt-protocol",
      `only solc ${SOLC_VERSION} (npm package) is available, not ${args.solcVersion}`,
    );
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc");
  return {
    compilerPath: require.resolve("solc/soljson.js"),
    isSolcJs: true,
    version: args.solcVersion,
    longVersion: solc.version(),
  };
});

/// Public networks are configured only when their RPC URL variable is set (`npx hardhat vars set SEPOLIA_RPC_URL`).
function publicNetwork(name: string, chainId: number) {
  const urlVar = `${name.toUpperCase()}_RPC_URL`;
  if (!vars.has(urlVar)) return {};
  return {
    [name]: {
      url: vars.get(urlVar),
      chainId,
      accounts: vars.has("DEPLOYER_PRIVATE_KEY") ? [vars.get("DEPLOYER_PRIVATE_KEY")] : [],
    },
  };
}

/// Optimised for many calls (10,000 runs); the governor, called rarely and close to the 24 KiB code-size limit at that
/// setting, for size (200 runs).
const compiler = (runs: number) => ({
  version: SOLC_VERSION,
  settings: { evmVersion: "cancun", optimizer: { enabled: true, runs } },
});

const config: HardhatUserConfig = {
  solidity: {
    compilers: [compiler(10_000)],
    overrides: { "contracts/governance/AltGovernor.sol": compiler(200) },
  },
  paths: {
    ignition: "deploy",
  },
  networks: {
    // Prague, not Hardhat's default Osaka: under Osaka's 2^24 transaction gas cap (EIP-7825) Hardhat's gas estimation
    // of a call that guards a try/catch with gasleft() (VitalService.vote) overshoots the cap and fails.
    hardhat: { hardfork: "prague" },
    localhost: { url: "http://127.0.0.1:8545" },
    ...publicNetwork("sepolia", 11155111),
    ...publicNetwork("holesky", 17000),
    ...publicNetwork("hoodi", 560048),
    ...publicNetwork("mainnet", 1),
  },
  gasReporter: {
    enabled: process.env.REPORT_GAS === "true",
    offline: true,
  },
  mocha: {
    timeout: 120_000,
  },
  typechain: {
    outDir: "typechain-types",
    target: "ethers-v6",
  },
};

export default config;
