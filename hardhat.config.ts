import { extendEnvironment, HardhatUserConfig, subtask, vars } from "hardhat/config";
import {
  TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD,
  TASK_TEST_GET_TEST_FILES,
  TASK_TEST_SETUP_TEST_ENVIRONMENT,
} from "hardhat/builtin-tasks/task-names";
import { HardhatPluginError } from "hardhat/plugins";
import path from "path";
import "@nomicfoundation/hardhat-toolbox";
import "@openzeppelin/hardhat-upgrades";
import { withCappedGasEstimation } from "./config/gasEstimation";
import { parseBuildInfoOnce } from "./config/ignitionBuildInfo";
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

/// Ignition deployments parse each build-info file once per process (config/ignitionBuildInfo.ts says why).
parseBuildInfoOnce();

/// `npx hardhat test` without file arguments runs every test but the JSON-RPC end-to-end ones under test/e2e, which
/// start their own `npx hardhat node` and run tasks as subprocesses: `npm run test:e2e` runs those.
export const E2E_DIR = path.join("test", "e2e");
subtask(TASK_TEST_GET_TEST_FILES, async (args: { testFiles: string[] }, hre, runSuper) => {
  const files: string[] = await runSuper(args);
  if (args.testFiles.length > 0) return files;
  const e2e = path.join(hre.config.paths.root, E2E_DIR) + path.sep;
  return files.filter((file) => !file.startsWith(e2e));
});

/// Public networks: the RPC URL and the deployer's key are Hardhat configuration variables
/// (`npx hardhat vars set SEPOLIA_RPC_URL`, `npx hardhat vars set DEPLOYER_PRIVATE_KEY`), never files of the repository.
const PUBLIC_NETWORKS: Record<string, number> = { sepolia: 11155111, holesky: 17000, hoodi: 560048, mainnet: 1 };
const rpcUrlVar = (network: string) => `${network.toUpperCase()}_RPC_URL`;
/// Stands for an unset URL; the environment refuses the network (below) before anything connects to it.
const UNSET_URL = "http://rpc-url-not-set.invalid";

const publicNetworks = Object.fromEntries(
  Object.entries(PUBLIC_NETWORKS).map(([name, chainId]) => [
    name,
    {
      url: vars.get(rpcUrlVar(name), UNSET_URL),
      chainId,
      accounts: vars.has("DEPLOYER_PRIVATE_KEY") ? [vars.get("DEPLOYER_PRIVATE_KEY")] : [],
    },
  ]),
);

/// The in-process network (tests, tasks, `npx hardhat node`) estimates gas within Osaka's transaction gas cap, as public
/// nodes do (config/gasEstimation.ts says why). `hardhat coverage` replaces the provider before it runs the tests, so the
/// test environment's setup wraps that one too.
const HARDHAT_NETWORK = "hardhat";
subtask(TASK_TEST_SETUP_TEST_ENVIRONMENT, async (_, hre, runSuper) => {
  if (hre.network.name === HARDHAT_NETWORK) hre.network.provider = withCappedGasEstimation(hre.network.provider);
  await runSuper();
});

extendEnvironment((hre) => {
  const name = hre.network.name;
  if (name === HARDHAT_NETWORK) hre.network.provider = withCappedGasEstimation(hre.network.provider);
  if (name in PUBLIC_NETWORKS && !vars.has(rpcUrlVar(name))) {
    throw new HardhatPluginError(
      "alt-protocol",
      `network ${name} needs its RPC URL: npx hardhat vars set ${rpcUrlVar(name)}`,
    );
  }
});

/// Optimised for many calls (10,000 runs); the governor, called rarely and close to the 24 KiB code-size limit at that
/// setting, for size (200 runs); the operator sets (with their checkpoints and draw index), above the limit at 10,000
/// runs, at 1,000 runs (24,280 bytes), and so MACH (with the BLS library: 25,379 bytes at 10,000 runs; its certificates'
/// gas is the precompiles'), the registry (with its reward-unit checkpoints: 25,815 bytes at 10,000 runs, 22,771 at
/// 1,000) and the rollup (with its portal, queue and outputs: 24,534 bytes at 10,000 runs before its fast-withdrawal
/// limits, 21,595 with them at 1,000, for ~0.05 % more gas).
const compiler = (runs: number) => ({
  version: SOLC_VERSION,
  settings: { evmVersion: "cancun", optimizer: { enabled: true, runs } },
});

const config: HardhatUserConfig = {
  solidity: {
    compilers: [compiler(10_000)],
    overrides: {
      "contracts/governance/AltGovernor.sol": compiler(200),
      "contracts/restaking/OperatorSets.sol": compiler(1_000),
      "contracts/restaking/RestakingRegistry.sol": compiler(1_000),
      "contracts/services/MachService.sol": compiler(1_000),
      "contracts/rollups/Rollup.sol": compiler(1_000),
      // the test-only upgrade targets, which extend OperatorSets and the registry among others
      "contracts/mocks/UpgradeMocks.sol": compiler(500),
    },
  },
  paths: {
    ignition: "deploy",
  },
  networks: {
    // Osaka, the hardfork of mainnet and the public testnets: its transaction gas cap of 2^24 (EIP-7825) holds in every
    // test. HARDHAT_CHAIN_ID and LOCALHOST_RPC_URL (as HARDHAT_VAR_… environment variables) let the end-to-end test run
    // its own `npx hardhat node` on another port and chain ID, so its deployment records never touch a developer's.
    hardhat: { hardfork: "osaka", chainId: Number(vars.get("HARDHAT_CHAIN_ID", "31337")) },
    localhost: { url: vars.get("LOCALHOST_RPC_URL", "http://127.0.0.1:8545") },
    ...publicNetworks,
  },
  // `npx hardhat ignition verify chain-<id>` publishes the deployed sources (the key: `npx hardhat vars set ETHERSCAN_API_KEY`)
  etherscan: { apiKey: vars.get("ETHERSCAN_API_KEY", "") },
  gasReporter: {
    enabled: process.env.REPORT_GAS === "true",
    offline: true,
  },
  // Two workers (mocha's parallel mode, one test file at a time each, both cores busy); `hardhat coverage` runs serially
  // (.solcover.js), as its instrumentation needs one process.
  mocha: {
    timeout: 120_000,
    parallel: true,
    jobs: 2,
  },
  typechain: {
    outDir: "typechain-types",
    target: "ethers-v6",
  },
};

export default config;
