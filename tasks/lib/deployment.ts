// Deploying a stage of the protocol through its Ignition entry module and recording the address book; shared by the
// deploy tasks and gov simulate.
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { existsSync, readFileSync } from "fs";
import path from "path";
import {
  DeploymentResultType,
  ExecutionEventResultType,
  deploy,
  type ExecutionEventListener,
  type IgnitionModule,
} from "@nomicfoundation/ignition-core";
import {
  HardhatArtifactResolver,
  errorDeploymentResultToExceptionMessage,
  resolveDeploymentId,
} from "@nomicfoundation/hardhat-ignition/helpers";
import { fail, output, signerFor } from "./cli";
import { deploymentDir, recordInProcess, type AddressBook } from "./addressBook";
import { GENESIS_KEYS, VESTING_KEY_PREFIX } from "./genesis";
import { RESTAKING_KEYS } from "./restaking";
import { GOVERNANCE_KEYS } from "./governance";
import { ROLLUP_KEYS } from "./rollups";
import { SERVICE_KEYS } from "./services";
import type { Stage } from "../../deploy/lib/protocol";

/** The address of each contract the entry module returns, by name. */
type Deployed = Record<string, string | undefined>;

/** What the entry module returns, by name, and the address-book key each is recorded under (in this order). */
const BOOK_KEYS: [string, string][] = [
  ["token", GENESIS_KEYS.token],
  ["vestingFactory", GENESIS_KEYS.vestingFactory],
  ["airdrop", GENESIS_KEYS.airdrop],
  ["registry", RESTAKING_KEYS.registry],
  ["operatorSets", RESTAKING_KEYS.operatorSets],
  ["slashingManager", RESTAKING_KEYS.slashingManager],
  ["rewardsDistributor", RESTAKING_KEYS.rewardsDistributor],
  ["blsKeyRegistry", RESTAKING_KEYS.blsKeyRegistry],
  ["rollupFactory", ROLLUP_KEYS.factory],
  ["rollupImplementation", ROLLUP_KEYS.implementation],
  ["portalImplementation", ROLLUP_KEYS.portal],
  ["mockVerifier", ROLLUP_KEYS.mockVerifier],
  ["machService", SERVICE_KEYS.mach],
  ["vitalService", SERVICE_KEYS.vital],
  ["squadService", SERVICE_KEYS.squad],
  ["timelock", GOVERNANCE_KEYS.timelock],
  ["governor", GOVERNANCE_KEYS.governor],
];

/** The address book of a deployment: every contract the stage deployed, one vesting position per category. */
function addressBook(result: Deployed, categories: string[]): AddressBook {
  const book: AddressBook = {};
  const record = (name: string, key: string) => {
    const address = result[name];
    if (address !== undefined) book[key] = address;
  };
  for (const [name, key] of BOOK_KEYS.slice(0, 3)) record(name, key);
  for (const category of categories) record(category, VESTING_KEY_PREFIX + category);
  for (const [name, key] of BOOK_KEYS.slice(3)) record(name, key);
  return book;
}

const EPHEMERAL_WARNING = "warning: the in-process hardhat network is ephemeral; this deployment ends with the process";

/**
 * Ignition resumes from the records in deploy/deployments/chain-<id>; if the chain was reset under them (a restarted
 * `npx hardhat node`), it would report the old addresses as deployed. Refuse instead of printing dead addresses.
 */
async function refuseStaleRecords(hre: HardhatRuntimeEnvironment) {
  if (hre.network.name === "hardhat") return;
  const { chainId } = await hre.ethers.provider.getNetwork();
  const file = path.join(deploymentDir(hre, chainId), "deployed_addresses.json");
  if (!existsSync(file)) return;
  let recorded: AddressBook;
  try {
    recorded = JSON.parse(readFileSync(file, "utf8")) as AddressBook;
  } catch {
    return; // cut short by an interrupted run: Ignition resumes from its journal, which it rewrites this file from
  }
  const token = recorded[GENESIS_KEYS.token];
  if (token !== undefined && (await hre.ethers.provider.getCode(token)) === "0x") {
    fail(`the records in ${path.dirname(file)} name contracts this chain does not have (reset?): remove that folder`);
  }
}

/**
 * Validates the parameter file for `stage`, deploys the stage's entry module and records its address book (in memory
 * on the in-process network); prints nothing.
 */
export async function deployProtocol(hre: HardhatRuntimeEnvironment, stage: Stage, parameters?: string) {
  const { loadParameters, withDeployer } = await import("../../deploy/lib/parameters");
  const { buildProtocolModule } = await import("../../deploy/lib/protocol");
  const deployer = await (await signerFor(hre)).getAddress(); // Ignition deploys from the first account
  let built;
  try {
    built = buildProtocolModule(withDeployer(loadParameters(hre.network.name, parameters), deployer), stage);
  } catch (e) {
    fail((e as Error).message); // a missing file, bad JSON or a broken rule in any section: nothing sent yet
  }
  await refuseStaleRecords(hre);
  const book = addressBook(await deployModule(hre, built.module), built.genesisConfig.categories);
  if (hre.network.name === "hardhat") recordInProcess(book);
  return book;
}

/**
 * Deploys `module` as `hre.ignition.deploy` does (same configuration, journal folder and resumption), returning the
 * addresses of the module's results. On any network but the in-process one it reports progress on standard error,
 * one line per future as its transaction is sent and as it completes: a release sends about a hundred transactions.
 */
async function deployModule(hre: HardhatRuntimeEnvironment, module: IgnitionModule): Promise<Deployed> {
  const chainId = Number(await hre.network.provider.request({ method: "eth_chainId" }));
  const deploymentId = resolveDeploymentId(undefined, chainId);
  const inProcess = hre.network.name === "hardhat";
  const ignition = hre.config.networks[hre.network.name]?.ignition;
  const result = await deploy({
    config: hre.config.ignition,
    provider: hre.network.provider,
    deploymentDir: inProcess ? undefined : path.join(hre.config.paths.ignition, "deployments", deploymentId),
    executionEventListener: inProcess ? undefined : progressListener(),
    artifactResolver: new HardhatArtifactResolver(hre),
    ignitionModule: module,
    deploymentParameters: {},
    accounts: (await hre.network.provider.request({ method: "eth_accounts" })) as string[],
    maxFeePerGasLimit: ignition?.maxFeePerGasLimit,
    maxPriorityFeePerGas: ignition?.maxPriorityFeePerGas,
    maxRetries: hre.config.ignition.maxRetries,
    retryInterval: hre.config.ignition.retryInterval,
  });
  if (result.type !== DeploymentResultType.SUCCESSFUL_DEPLOYMENT) fail(errorDeploymentResultToExceptionMessage(result));
  const deployed: Deployed = {};
  for (const [name, future] of Object.entries(module.results)) deployed[name] = result.contracts[future.id]?.address;
  return deployed;
}

/**
 * Ignition's events as progress lines on standard error (standard output stays the result, `--json` included):
 * `[12/98] sent Rollups#RollupFactory: tx 0x…` and `[12/98] done Rollups#RollupFactory (3.1 s)`.
 */
function progressListener(): ExecutionEventListener {
  const started = new Map<string, number>();
  const position = new Map<string, number>();
  let total = 0;
  const say = (futureId: string, what: string) => console.error(`[${position.get(futureId) ?? "?"}/${total}] ${what}`);
  const handlers: Partial<ExecutionEventListener> = {
    batchInitialize: ({ batches }) => {
      batches.flat().forEach((id, i) => position.set(id, i + 1));
      total = position.size;
      console.error(
        total === 0
          ? "nothing to deploy: every step is recorded as done in the deployment's journal"
          : `deploying: ${total} steps in ${batches.length} batches (steps recorded as done are not run again)`,
      );
    },
    transactionSend: ({ futureId, hash }) => {
      started.set(futureId, Date.now());
      say(futureId, `sent ${futureId}: tx ${hash}`);
    },
    deploymentExecutionStateComplete: ({ futureId, result }) => completed(futureId, result),
    callExecutionStateComplete: ({ futureId, result }) => completed(futureId, result),
    sendDataExecutionStateComplete: ({ futureId, result }) => completed(futureId, result),
  };
  function completed(futureId: string, result: { type: ExecutionEventResultType; error?: string }) {
    const since = started.get(futureId);
    const took = since === undefined ? "" : ` (${((Date.now() - since) / 1000).toFixed(1)} s)`;
    const failed = result.type === ExecutionEventResultType.ERROR ? `FAILED: ${result.error}` : "";
    say(futureId, failed === "" ? `done ${futureId}${took}` : `${futureId} ${failed}`);
  }
  // Ignition calls a handler for every event type: the ones not listed do nothing
  return new Proxy(handlers, {
    get: (target, name: string) => target[name as keyof ExecutionEventListener] ?? (() => undefined),
  }) as ExecutionEventListener;
}

/** The deploy tasks: `deployProtocol`, with the ephemeral-network warning and the address book printed. */
export async function deployStage(
  hre: HardhatRuntimeEnvironment,
  stage: Stage,
  args: { parameters?: string; json: boolean },
  title: string,
) {
  const book = await deployProtocol(hre, stage, args.parameters);
  return output(args.json, book, () => [
    ...(hre.network.name === "hardhat" ? [EPHEMERAL_WARNING] : []),
    `${title} deployed on ${hre.network.name}:`,
    ...Object.entries(book).map(([key, address]) => `  ${key.padEnd(36)} ${address}`),
  ]);
}
