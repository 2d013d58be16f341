// The protocol end to end over JSON-RPC (issue 7): a separate `npx hardhat node` (chain 31338, its own port) and every
// step a `npx hardhat <task> --network localhost --json` subprocess, as an operator would run them from a terminal.
// The whole release is deployed from deploy/parameters/localhost.json and checked (deploy check); the Launchpool
// position is released; operators and a rollup developer claim their airdrop; three operators register and stake and
// register their BLS keys (each its own secret key in $ALT_BLS_KEY), a
// SQUAD-sequenced rollup with MACH and VITAL is created, the operators join its three sets (their allocations count
// from the next epoch, SQUAD's leaders are drawn from them in the epoch after), an operator posts a batch in a slot
// without leader (it commits the next epoch's leader seed, which squad reveal-seed reveals in the committed block), the
// leader of a slot of that epoch (drawn by stake,
// recomputed here) posts a batch, the proposer proposes an output, MACH fast-finalizes it from the operators'
// attestation files (BLS signatures aggregated into one quorum); then governance lengthens the withdrawal delay
// to 21 days (delegate, propose, vote, queue, execute). Each task's JSON is asserted exactly and cross-checked on the
// chain through an ethers provider; time moves only through evm_setNextBlockTimestamp + evm_mine or time advance, to the second (and
// a second a block while mining up to a seed's committed block). A
// failed step skips the ones after it.
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync } from "fs";
import os from "os";
import path from "path";
import {
  AbiCoder,
  getAddress,
  getCreateAddress,
  getBytes,
  id,
  Interface,
  JsonRpcProvider,
  keccak256,
  toQuantity,
  ZeroAddress,
  ZeroHash,
} from "ethers";
import { PARAMETERS_DIR, type ProtocolParameters } from "../../deploy/lib/parameters";
import { parseDuration, parseTokenAmount } from "../../deploy/lib/units";
import type { AddressBook } from "../../tasks/lib/addressBook";
import {
  AltGovernor__factory,
  AltToken__factory,
  BlsKeyRegistry__factory,
  GasReserve__factory,
  MachService__factory,
  OperatorSets__factory,
  RestakingRegistry__factory,
  Rollup__factory,
  RollupFactory__factory,
  SquadService__factory,
  VestingPosition__factory,
  VitalService__factory,
} from "../../typechain-types";
import { ALT, GENESIS_SUPPLY, TOTAL_BPS } from "../helpers/constants";
import { coverageRunning } from "../helpers/coverage";
import { hardhatCli, terminalEnv } from "../helpers/cli";
import { startHardhatNode, type HardhatNode } from "../helpers/node";
import { drawFrom, slotRandom, type DrawEntry } from "../helpers/draw";
import { formatAlt, formatTime } from "../../tasks/lib/cli";
import type { CheckReport } from "../../tasks/deployCheck";
import { outputRootOf } from "../../tasks/lib/rollups";
import { blsPublicKey, blsSecretFrom, MACH_DOMAIN, signDigest, sortAddresses } from "../../tasks/lib/mach";
import { aggregateG2, decodeG1, decodeG2, encodeG2, hashToG1, publicKeyOf } from "../../tasks/lib/bls";
import { bls12_381 } from "@noble/curves/bls12-381";

const ROOT = path.join(__dirname, "..", "..");
/** The node's chain ID: not the in-process network's 31337, so its Ignition records are its own. */
const CHAIN_ID = 31338;
const DEPLOYMENTS = path.join(ROOT, "deploy", "deployments", `chain-${CHAIN_ID}`);
const PARAMETERS: ProtocolParameters = JSON.parse(readFileSync(path.join(PARAMETERS_DIR, "localhost.json"), "utf8"));
const PROOFS_FILE = path.join(ROOT, "deploy", "airdrop", "hardhat.proofs.json");
const PROOFS: { root: string; claims: Record<string, { index: number; amount: string; proof: string[] }> } = JSON.parse(
  readFileSync(PROOFS_FILE, "utf8"),
);
const PROPOSAL_FILE = path.join(ROOT, "deploy", "proposals", "withdrawal-delay.json");
const PROPOSAL: { description: string } = JSON.parse(readFileSync(PROPOSAL_FILE, "utf8"));

/** What deploy protocol records, in its order. */
const CATEGORIES = ["Treasury", "ProtocolDevelopment", "Investors", "Ecosystem", "Team", "Advisors", "Launchpool"];
const BOOK_KEYS = [
  "Genesis#AltToken",
  "Genesis#VestingFactory",
  "Genesis#MerkleAirdrop",
  ...CATEGORIES.map((c) => `Genesis#Vesting_${c}`),
  "Restaking#RestakingRegistry",
  "Restaking#OperatorSets",
  "Restaking#SlashingManager",
  "Restaking#RewardsDistributor",
  "Restaking#BlsKeyRegistry",
  "Rollups#RollupFactory",
  "Rollups#Rollup",
  "Rollups#Portal",
  "Rollups#MockVerifier",
  "Services#MachService",
  "Services#VitalService",
  "Services#SquadService",
  "Timelock#TimelockController",
  "Governance#AltGovernor",
];

const allocation = (category: string) => {
  const row = PARAMETERS.genesis.allocations.find((a) => a.category === category);
  if (!row) throw new Error(`localhost.json has no ${category} allocation`);
  return row;
};
const allocated = (category: string) => (GENESIS_SUPPLY * BigInt(allocation(category).bps)) / BigInt(TOTAL_BPS);

const ROLLUP_CHAIN_ID = "901";
const TEMPLATE = PARAMETERS.rollups!.templates[0]; // OPStack-EVM: template 0
const SERVICES = ["VITAL", "MACH", "SQUAD"];
const SERVICE_NAMES = ["mach", "vital", "squad"] as const;
/** RollupFactory.MIN_PREPAID_DURATION: a permanent rollup prepays 30 days of its services. */
const MIN_PREPAID_DURATION = 30 * 86_400;
const PREPAID = parseTokenAmount(PARAMETERS.rollups!.feePerServicePerSecond) * 3n * BigInt(MIN_PREPAID_DURATION);
const CREATION_FEE = parseTokenAmount(TEMPLATE.creationFee);
/** RollupFactory.DEFAULT_FAST_FINALITY_BPS. */
const DEFAULT_THRESHOLD = 6667;
/** Each operator's BLS secret key, handed to the tasks in $ALT_BLS_KEY (as an operator keeps it: in its environment). */
const BLS_SECRETS = [0, 1, 2].map((i) => blsSecretFrom(`alt-e2e-operator:${i}`));
const blsEnv = (i: number) => ({ ALT_BLS_KEY: "0x" + BLS_SECRETS[i].toString(16).padStart(64, "0") });
/** What the three operators stake to themselves, in ALT. */
const STAKES = [300_000n, 200_000n, 100_000n];
/** What each operator allocates to each of the rollup's three sets: a third of its stake, in whole ALT. */
const ALLOCATIONS = STAKES.map((stake) => (stake / 3n) * ALT);
const TOTAL_ALLOCATED = ALLOCATIONS.reduce((a, b) => a + b);
/** RestakingRegistry's virtual shares: the first deposit into a pool gets amount × 1e6 shares. */
const VIRTUAL_SHARES = 10n ** 6n;
const COMMISSION_BPS = 500;
const BATCH = "ALT e2e batch 1";
const SECOND_BATCH = "ALT e2e batch 2";
/** The state root rollup propose-output proposes for L2 block 1800 (--root). */
const STATE_ROOT = id("ALT e2e output root at L2 block 1800");
const SLOT = parseDuration(PARAMETERS.services!.squad.slotLength);
const GRACE = parseDuration(PARAMETERS.services!.squad.gracePeriod);
const VOTING_DELAY = parseDuration(PARAMETERS.governance!.votingDelay);
const VOTING_PERIOD = parseDuration(PARAMETERS.governance!.votingPeriod);
const TIMELOCK_DELAY = parseDuration(PARAMETERS.governance!.timelockDelay);
const NEW_DELAYS = [1814400, 604800]; // withdrawal-delay.json: 21 days, 7 days
const coder = AbiCoder.defaultAbiCoder();
/** The rollup's batch hash chain after each batch: keccak256(abi.encode(prevRoot, commitment, queueHeadAfter)). */
const BATCH_ROOT = keccak256(coder.encode(["bytes32", "bytes32", "uint256"], [ZeroHash, id(BATCH), 0]));
const SECOND_BATCH_ROOT = keccak256(coder.encode(["bytes32", "bytes32", "uint256"], [BATCH_ROOT, id(SECOND_BATCH), 0]));
/** Output 0's root, what MACH signs: the state root bound to the two batches before it, with no parent. */
const OUTPUT_ROOT = outputRootOf({
  l2BlockNumber: BigInt(TEMPLATE.outputInterval),
  stateRoot: STATE_ROOT,
  batchCount: 2n,
  batchRoot: SECOND_BATCH_ROOT,
});
/** SquadService's seeds are checkpointed as uint208. */
const SEED_MASK = 2n ** 208n - 1n;

/** SquadService's leader of `slot`: drawFrom with keccak256(abi.encode(seed, rollup, slot)). */
const leaderOf = (entries: DrawEntry[], seed: bigint, rollup: string, slot: number) =>
  drawFrom(entries, slotRandom(seed, rollup, BigInt(slot)));

interface TxReport {
  hash: string;
  gasUsed: string;
  block: number;
}

describe("protocol end to end over JSON-RPC (npx hardhat node, tasks as subprocesses)", function () {
  this.timeout(20 * 60_000);

  let node: HardhatNode | undefined;
  let provider: JsonRpcProvider;
  let attestationDir: string | undefined;
  let startedAt = 0;
  const timings: [string, number][] = [];
  let subprocesses = 0;
  let broken: string | undefined;

  // the journey's state, filled in step by step
  let accounts: string[];
  let book: AddressBook;
  let operators: string[];
  let creator: string;
  let rollup: string;
  let createdAt: number;
  let epoch: bigint;
  /** The leader seed the first batch committed for the epoch after `epoch`, revealed by squad reveal-seed. */
  let seed: bigint;
  let proposalId: string;
  let voteStart: number;
  let voteEnd: number;
  let eta: number;
  let executedIn: number;

  /**
   * Runs `npx hardhat <args> --network localhost` against the node (no key of the developer's environment: `extra` sets
   * the BLS secret key where a step needs one); refuses a failure; returns its parsed JSON.
   */
  async function hardhat<T>(args: string[], timeout = 180_000, extra: Record<string, string> = {}): Promise<T> {
    const { command, stdout, output } = await hardhatRun(args, timeout, extra);
    const start = stdout.search(/^[[{]/m);
    expect(start, `${command} printed no JSON:\n${output}`).to.be.greaterThan(-1);
    return JSON.parse(stdout.slice(start)) as T;
  }

  /** `hardhat` for a task's text output: the lines it printed. */
  const hardhatLines = async (args: string[]) => (await hardhatRun(args)).stdout.split("\n");

  async function hardhatRun(args: string[], timeout = 180_000, extra: Record<string, string> = {}) {
    const env = terminalEnv({
      HARDHAT_VAR_LOCALHOST_RPC_URL: node!.url,
      ALT_BLS_KEY: "",
      ...extra,
    });
    delete env.ALT_PARAMETERS;
    const command = `npx hardhat ${args.join(" ")} --network localhost`;
    const run = await hardhatCli([...args, "--network", "localhost"], { env, timeout });
    subprocesses++;
    expect(run.code, `${command} failed:\n${run.output}`).to.equal(0);
    return { command, ...run };
  }

  /** Checks a task's transaction report against the node's receipt: mined, successful, from and to. */
  async function expectTx(tx: TxReport, from: string, to: string) {
    const receipt = await provider.getTransactionReceipt(tx.hash);
    expect(receipt, `no receipt for ${tx.hash}`).to.not.equal(null);
    expect(tx).to.deep.equal({
      hash: receipt!.hash,
      gasUsed: receipt!.gasUsed.toString(),
      block: receipt!.blockNumber,
    });
    expect(receipt!.status).to.equal(1);
    expect(receipt!.from).to.equal(from);
    expect(receipt!.to).to.equal(to);
  }

  /** A block's timestamp, asked of the node each time (ethers reuses the answer to the same call for 250 ms). */
  const blockTime = async (block: number | "latest") =>
    Number(
      (await provider.send("eth_getBlockByNumber", [block === "latest" ? block : toQuantity(block), false])).timestamp,
    );

  /** Mines an empty block at exactly `timestamp`: the next transaction is mined after it. */
  async function mineAt(timestamp: number) {
    await provider.send("evm_setNextBlockTimestamp", [timestamp]);
    await provider.send("evm_mine", []);
    expect(await blockTime("latest")).to.equal(timestamp);
  }

  /**
   * Moves the node's time with `time advance` (`--by <duration>` or `--to <time>`): one block, mined at exactly
   * `timestamp`.
   */
  async function advance(flag: "--by" | "--to", value: string, timestamp: number) {
    const block = await provider.getBlockNumber();
    const previous = await blockTime("latest");
    const advanced = await hardhat<object>(["time advance", flag, value, "--json"]);
    expect(advanced).to.deep.equal({
      block: block + 1,
      timestamp,
      advanced: timestamp - previous,
      previous: { block, timestamp: previous },
    });
    expect([await provider.getBlockNumber(), await blockTime("latest")]).to.deep.equal([block + 1, timestamp]);
  }

  /**
   * Mines empty blocks, a second apart, up to the block before the seed's committed `target`; then squad reveal-seed
   * reveals the seed in it. Returns the task's JSON and the reveal block's prevrandao.
   */
  async function revealSeed(target: bigint) {
    const latest = BigInt(await provider.getBlockNumber());
    if (target - latest > 1n) await provider.send("hardhat_mine", [toQuantity(target - latest - 1n)]);
    const revealed = await hardhat<{ epoch: string; action: string; target: string; seed: string; tx: TxReport }>([
      "squad reveal-seed",
      "--rollup",
      ROLLUP_CHAIN_ID,
      "--json",
    ]);
    expect([revealed.action, revealed.target, revealed.tx.block]).to.deep.equal([
      "revealed",
      target.toString(),
      Number(target),
    ]);
    const block = (await provider.getBlock(revealed.tx.block))!;
    expect(block.prevRandao).to.not.equal(null);
    return { revealed, prevRandao: block.prevRandao! };
  }

  const at = <T>(factory: { connect(address: string, runner: JsonRpcProvider): T }, key: string) =>
    factory.connect(book[key], provider);
  const token = () => at(AltToken__factory, "Genesis#AltToken");
  const registry = () => at(RestakingRegistry__factory, "Restaking#RestakingRegistry");
  const sets = () => at(OperatorSets__factory, "Restaking#OperatorSets");
  const blsKeys = () => at(BlsKeyRegistry__factory, "Restaking#BlsKeyRegistry");
  const rollupFactory = () => at(RollupFactory__factory, "Rollups#RollupFactory");
  const governor = () => at(AltGovernor__factory, "Governance#AltGovernor");
  const service = (name: (typeof SERVICE_NAMES)[number]) =>
    name === "mach"
      ? at(MachService__factory, "Services#MachService")
      : name === "vital"
        ? at(VitalService__factory, "Services#VitalService")
        : at(SquadService__factory, "Services#SquadService");

  before(async function () {
    if (coverageRunning()) this.skip(); // subprocesses recompile over the instrumented artifacts
    startedAt = Date.now();
    rmSync(DEPLOYMENTS, { recursive: true, force: true });
    attestationDir = mkdtempSync(path.join(os.tmpdir(), "alt-e2e-attestations-"));
    node = await startHardhatNode({ chainId: CHAIN_ID });
    timings.push(["npx hardhat node", Date.now() - startedAt]);
    provider = new JsonRpcProvider(node.url, CHAIN_ID, { staticNetwork: true });
    expect(await provider.send("eth_chainId", [])).to.equal(`0x${CHAIN_ID.toString(16)}`);
    accounts = ((await provider.send("eth_accounts", [])) as string[]).map((a) => getAddress(a));
    operators = accounts.slice(10, 13);
    creator = accounts[13];
  });

  beforeEach(function () {
    if (broken !== undefined) this.skip(); // the journey stopped at a failed step
  });

  let stepStart = 0;
  beforeEach(() => {
    stepStart = Date.now();
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") broken = this.currentTest.title;
    if (this.currentTest?.state === "passed") timings.push([this.currentTest.title, Date.now() - stepStart]);
  });

  after(async function () {
    provider?.destroy();
    try {
      await node?.stop();
    } finally {
      rmSync(DEPLOYMENTS, { recursive: true, force: true });
      if (attestationDir !== undefined) rmSync(attestationDir, { recursive: true, force: true });
    }
    if (startedAt === 0) return;
    const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    console.log(
      [
        `      e2e over JSON-RPC: ${seconds(Date.now() - startedAt)} in all, ${subprocesses} hardhat subprocesses` +
          (broken === undefined ? "" : ` (stopped at: ${broken})`),
        ...timings.map(([step, ms]) => `        ${seconds(ms).padStart(8)}  ${step}`),
      ].join("\n"),
    );
  });

  it("the node's accounts are the parameter file's beneficiaries and council", async function () {
    expect(allocation("ProtocolDevelopment").beneficiary).to.equal(accounts[2]);
    expect(allocation("Launchpool").beneficiary).to.equal(accounts[7]);
    expect(PARAMETERS.restaking.council).to.equal(accounts[8]);
    expect(PARAMETERS.genesis.airdrop.root).to.equal(PROOFS.root);
    for (const account of [...operators, creator]) expect(PROOFS.claims[account]).to.not.equal(undefined);
  });

  it("the node runs Osaka: it refuses more gas than the cap, and estimates a call that keeps gas in reserve within it", async function () {
    const from = accounts[19]; // an account no later step uses
    const cap = 2n ** 24n;
    const deployed = await provider.send("eth_sendTransaction", [
      { from, data: GasReserve__factory.bytecode, gas: toQuantity(1_000_000) },
    ]);
    const reserve = (await provider.getTransactionReceipt(deployed))!.contractAddress!;
    const spend = (needed: bigint) => GasReserve__factory.createInterface().encodeFunctionData("spend", [needed]);
    await expect(
      provider.send("eth_sendTransaction", [{ from, to: reserve, data: spend(0n), gas: toQuantity(cap + 1n) }]),
    ).to.be.rejectedWith(`Transaction gas limit is ${cap + 1n} and exceeds transaction gas cap of ${cap}`);
    // EDR alone would probe above the cap and fail (test/toolchain/network.test.ts); the node's estimate is usable
    const estimate = BigInt(await provider.send("eth_estimateGas", [{ from, to: reserve, data: spend(3_000_000n) }]));
    expect(estimate > 3_000_000n && estimate <= cap).to.equal(true);
    const sent = await provider.send("eth_sendTransaction", [
      { from, to: reserve, data: spend(3_000_000n), gas: toQuantity(estimate) },
    ]);
    expect((await provider.getTransactionReceipt(sent))!.status).to.equal(1);
  });

  it("deploy protocol deploys the whole release from localhost.json", async function () {
    book = await hardhat<AddressBook>(["deploy protocol", "--json"], 900_000);
    expect(Object.keys(book)).to.deep.equal(BOOK_KEYS);
    expect(new Set(Object.values(book)).size).to.equal(BOOK_KEYS.length);
    const recorded = JSON.parse(readFileSync(path.join(DEPLOYMENTS, "deployed_addresses.json"), "utf8"));
    for (const key of BOOK_KEYS) {
      expect(book[key]).to.equal(getAddress(book[key]));
      expect(recorded[key], key).to.equal(book[key]);
      expect(await provider.getCode(book[key]), key).to.not.equal("0x");
    }
    const timelock = book["Timelock#TimelockController"];
    expect(await token().totalSupply()).to.equal(GENESIS_SUPPLY);
    expect(await registry().owner()).to.equal(timelock);
    expect(await rollupFactory().owner()).to.equal(timelock);
    expect(await governor().timelock()).to.equal(timelock);
    expect(await governor().proposalGuardian()).to.equal(accounts[8]);
    expect([...(await rollupFactory().services())]).to.deep.equal([
      book["Services#VitalService"],
      book["Services#MachService"],
      book["Services#SquadService"],
    ]);
  });

  it("deploy check finds every value of localhost.json on the chain", async function () {
    const report = await hardhat<CheckReport>(["deploy check", "--json"]);
    expect(Object.keys(report)).to.deep.equal(["checked", "differences", "drift"]);
    expect(report.differences).to.deep.equal([]);
    expect(report.drift).to.deep.equal([]);
    expect(report.checked).to.equal(182); // localhost.json is hardhat.json's twin: test/tasks/deployCheck.test.ts derives 182
  });

  it("vesting release releases the Launchpool position (unlocked at TGE) to its beneficiary", async function () {
    const beneficiary = accounts[7];
    const position = book["Genesis#Vesting_Launchpool"];
    const released = await hardhat<{ tx: TxReport }>([
      "vesting release",
      "--position",
      "Launchpool",
      "--from",
      beneficiary,
      "--json",
    ]);
    expect(released).to.deep.equal({
      position,
      category: "Launchpool",
      beneficiary,
      amount: allocated("Launchpool").toString(),
      tx: released.tx,
    });
    await expectTx(released.tx, beneficiary, position);
    expect(await token().balanceOf(beneficiary)).to.equal(allocated("Launchpool"));
    expect(await token().balanceOf(position)).to.equal(0n);
    // the position voted for its beneficiary; the released ALT votes only once the wallet delegates
    const schedule = await VestingPosition__factory.connect(position, provider).schedule();
    expect(schedule.released).to.equal(allocated("Launchpool"));
    expect(await token().getVotes(beneficiary)).to.equal(0n);
  });

  it("airdrop claim funds the operators and the rollup developer", async function () {
    for (const account of [...operators, creator]) {
      const claim = PROOFS.claims[account];
      const claimed = await hardhat<{ tx: TxReport }>([
        "airdrop claim",
        "--proofs",
        PROOFS_FILE,
        "--from",
        account,
        "--json",
      ]);
      expect(claimed).to.deep.equal({
        account,
        index: claim.index,
        amount: claim.amount,
        delegatee: null,
        tx: claimed.tx,
      });
      await expectTx(claimed.tx, account, book["Genesis#MerkleAirdrop"]);
      expect(await token().balanceOf(account)).to.equal(BigInt(claim.amount));
    }
  });

  it("operator register registers three operators and stake deposit stakes each one's ALT to itself", async function () {
    for (const [i, operator] of operators.entries()) {
      const uri = `ipfs://alt-e2e/operator-${i}`;
      const registered = await hardhat<{ tx: TxReport }>([
        "operator register",
        "--uri",
        uri,
        "--commission",
        String(COMMISSION_BPS),
        "--from",
        operator,
        "--json",
      ]);
      expect(registered).to.deep.equal({
        operator,
        metadataURI: uri,
        commissionBps: COMMISSION_BPS,
        tx: registered.tx,
      });
      await expectTx(registered.tx, operator, book["Restaking#RestakingRegistry"]);
      expect(await registry().isOperator(operator)).to.equal(true);
      expect(await registry().commissionOf(operator)).to.equal(BigInt(COMMISSION_BPS));

      const amount = STAKES[i] * ALT;
      const deposit = await hardhat<{ tx: TxReport }>([
        "stake deposit",
        "--operator",
        operator,
        "--asset",
        "ALT",
        "--amount",
        STAKES[i].toString(),
        "--from",
        operator,
        "--json",
      ]);
      expect(deposit).to.deep.equal({
        staker: operator,
        operator,
        assetId: 0,
        symbol: "ALT",
        amount: amount.toString(),
        shares: (amount * VIRTUAL_SHARES).toString(),
        method: "permit",
        approveTx: null,
        tx: deposit.tx,
      });
      await expectTx(deposit.tx, operator, book["Restaking#RestakingRegistry"]);
      expect(await registry().operatorStake(operator)).to.equal(amount);
      expect(await registry().sharesOf(operator, operator, 0)).to.equal(amount * VIRTUAL_SHARES);
    }
  });

  it("mach register-key registers each operator's BLS key with its proof of possession: it counts from the next epoch", async function () {
    for (const [i, operator] of operators.entries()) {
      const next = (await sets().currentEpoch()) + 1n;
      const registered = await hardhat<{ tx: TxReport }>(
        ["mach register-key", "--from", operator, "--json"],
        180_000,
        blsEnv(i),
      );
      const publicKey = blsPublicKey(BLS_SECRETS[i]);
      expect(registered).to.deep.equal({
        operator,
        publicKey,
        countsFrom: next.toString(),
        previousKey: null,
        sets: [],
        tx: registered.tx,
      });
      await expectTx(registered.tx, operator, book["Restaking#BlsKeyRegistry"]);
      expect(await blsKeys().keyOf(operator)).to.equal(publicKey);
      expect(await blsKeys().keyHashAt(operator, next - 1n)).to.equal(0n);
      expect(await blsKeys().keyHashAt(operator, next)).to.equal(BigInt(keccak256(publicKey)) & ((1n << 208n) - 1n));
    }
  });

  it("rollup create commits, then creates a rollup sequenced by SQUAD, with MACH and VITAL", async function () {
    const created = await hardhat<{ salt: string; approval: TxReport; commit: TxReport; tx: TxReport }>([
      "rollup create",
      "--template",
      "OPStack-EVM",
      "--chain-id",
      ROLLUP_CHAIN_ID,
      "--services",
      SERVICES.join(","),
      "--sequencer",
      "squad",
      "--approve",
      "--from",
      creator,
      "--json",
    ]);
    // the task's default salt is random: it reports it
    const predicted = await rollupFactory().predictRollupAddress(creator, 0, created.salt);
    expect(created).to.deep.equal({
      address: predicted,
      chainId: ROLLUP_CHAIN_ID,
      template: "OPStack-EVM",
      owner: creator,
      services: SERVICES,
      expiry: 0,
      prepaidFees: PREPAID.toString(),
      creationFee: CREATION_FEE.toString(),
      salt: created.salt,
      approval: created.approval,
      commit: created.commit,
      tx: created.tx,
    });
    await expectTx(created.approval, creator, book["Genesis#AltToken"]);
    await expectTx(created.commit, creator, book["Rollups#RollupFactory"]);
    // the node is a Hardhat chain: the task set the creation's block at the commitment's COMMIT_DELAY
    expect(await blockTime(created.tx.block)).to.equal((await blockTime(created.commit.block)) + 60);
    await expectTx(created.tx, creator, book["Rollups#RollupFactory"]);
    rollup = predicted;
    createdAt = await blockTime(created.tx.block);
    expect(await rollupFactory().rollupByChainId(ROLLUP_CHAIN_ID)).to.equal(rollup);
    expect(await Rollup__factory.connect(rollup, provider).sequencer()).to.equal(ZeroAddress);
    // the creation fee went to the treasury, the timelock; the prepayment to the rollup
    expect(await token().balanceOf(book["Timelock#TimelockController"])).to.equal(CREATION_FEE);
    expect(await token().balanceOf(rollup)).to.equal(PREPAID);
    expect(await token().balanceOf(creator)).to.equal(BigInt(PROOFS.claims[creator].amount) - CREATION_FEE - PREPAID);
  });

  it("service join joins each operator to the rollup's MACH, VITAL and SQUAD sets, a third of its stake in each", async function () {
    for (const [i, operator] of operators.entries()) {
      const third = ALLOCATIONS[i];
      for (const name of SERVICE_NAMES) {
        const contract = service(name);
        const joined = await hardhat<{ registered?: TxReport; joined: TxReport; countsFrom: string }>([
          "service join",
          "--service",
          name,
          "--rollup",
          ROLLUP_CHAIN_ID,
          "--amount",
          (third / ALT).toString(),
          "--from",
          operator,
          "--json",
        ]);
        const setId = await contract.setIdOf(rollup);
        // the first operator of each service registers the rollup's set; the allocation counts from the next epoch
        expect(joined).to.deep.equal({
          service: name,
          rollup,
          setId: setId.toString(),
          set: `${name.toUpperCase()}/${ROLLUP_CHAIN_ID}`,
          operator,
          amount: third.toString(),
          replaced: null,
          countsFrom: ((await sets().currentEpoch()) + 1n).toString(),
          ...(i === 0 && { registered: joined.registered }),
          joined: joined.joined,
        });
        expect((await sets().allocation(setId, operator)).allocated).to.equal(third);
        if (i === 0) await expectTx(joined.registered!, operator, await contract.getAddress());
        await expectTx(joined.joined, operator, book["Restaking#OperatorSets"]);
      }
    }
    for (const name of SERVICE_NAMES) {
      expect(await service(name).isRegistered(rollup)).to.equal(true);
      expect([...(await sets().members(await service(name).setIdOf(rollup)))]).to.deep.equal(operators);
    }
    // MACH's set keeps the sum of its members' BLS keys, from the epoch their allocations count in
    const machSet = await service("mach").setIdOf(rollup);
    expect(await blsKeys().aggregateKeyOf(machSet)).to.equal(
      encodeG2(aggregateG2(BLS_SECRETS.map((secret) => publicKeyOf(secret)))),
    );
  });

  it("the operators' allocations count in each set from the next epoch: live, with no transaction", async function () {
    epoch = (await sets().currentEpoch()) + 1n;
    await mineAt(Number(await sets().epochStart(epoch)));
    expect(await sets().currentEpoch()).to.equal(epoch);
    for (const name of SERVICE_NAMES) {
      const setId = await service(name).setIdOf(rollup);
      // read from the allocations' checkpoints: nothing counted in the epoch they joined in, all of it in this one
      expect(await sets().allocationsAt(setId, operators, epoch - 1n)).to.deep.equal(operators.map(() => 0n));
      expect(await sets().isLive(setId, epoch - 1n)).to.equal(false);
      expect(await sets().allocationsAt(setId, operators, epoch)).to.deep.equal(ALLOCATIONS);
      expect(await sets().setStakeAt(setId, epoch)).to.equal(TOTAL_ALLOCATED);
      expect(await sets().memberCountAt(setId, epoch)).to.equal(BigInt(operators.length));
      expect(await sets().isLive(setId, epoch)).to.equal(true);
    }
  });

  it("squad schedule shows no leader in the first epoch the allocations count; a batch any operator posts with squad post-batch commits the next epoch's seed, and squad reveal-seed reveals it in the committed block", async function () {
    const squad = at(SquadService__factory, "Services#SquadService");
    // the next slot to begin, in the epoch the allocations count: its leaders would be drawn from the epoch before,
    // which counted none
    const slot = Math.floor((await blockTime("latest")) / SLOT) + 1;
    await mineAt(slot * SLOT);
    expect(await sets().epochAt(slot * SLOT)).to.equal(epoch);
    const schedule = await hardhat<unknown>(["squad schedule", "--rollup", ROLLUP_CHAIN_ID, "--slots", "3", "--json"]);
    expect(schedule).to.deep.equal({
      rollup,
      slotLength: SLOT.toString(),
      gracePeriod: GRACE.toString(),
      slots: [0, 1, 2].map((i) => ({
        slot: (slot + i).toString(),
        start: (slot + i) * SLOT,
        openToAllAt: (slot + i) * SLOT + GRACE,
        leader: ZeroAddress,
      })),
    });
    // no batch was ever posted: every seed is 0
    expect(await squad.seedAt(rollup, epoch + 1n)).to.equal(0n);

    // a slot without leader: any member posts at once
    const poster = operators[2];
    const commitment = id(BATCH);
    const posted = await hardhat<{ tx: TxReport }>([
      "squad post-batch",
      "--rollup",
      ROLLUP_CHAIN_ID,
      "--commitment",
      BATCH,
      "--from",
      poster,
      "--json",
    ]);
    expect(posted).to.deep.equal({
      rollup,
      slot: slot.toString(),
      leader: ZeroAddress,
      poster,
      byLeader: false,
      commitment,
      included: "0",
      fees: "0",
      tx: posted.tx,
    });
    await expectTx(posted.tx, poster, await squad.getAddress());
    const r = Rollup__factory.connect(rollup, provider);
    expect(await r.batchCount()).to.equal(1n);
    expect(await r.batchRoot()).to.equal(BATCH_ROOT);
    // the first batch of the epoch committed the next epoch's seed to the block SEED_DELAY blocks on; revealed there
    const target = BigInt(posted.tx.block) + (await squad.SEED_DELAY());
    expect(await squad.seedCommitment(rollup)).to.deep.equal([epoch + 1n, target, false]);
    expect(await squad.seedAt(rollup, epoch + 1n)).to.equal(0n);
    const { revealed, prevRandao } = await revealSeed(target);
    seed = BigInt(keccak256(coder.encode(["uint256", "uint256", "uint256"], [0n, prevRandao, epoch + 1n]))) & SEED_MASK;
    expect([revealed.epoch, revealed.seed]).to.deep.equal([(epoch + 1n).toString(), seed.toString()]);
    expect(await squad.seedAt(rollup, epoch + 1n)).to.equal(seed);
    expect(await squad.seedAt(rollup, epoch)).to.equal(0n);
  });

  it("squad schedule names the leaders of the next epoch, drawn from the allocations of this one, and squad post-batch posts the leader's batch", async function () {
    const squad = at(SquadService__factory, "Services#SquadService");
    // the first slot that begins in the next epoch (an epoch need not begin at a slot's start)
    const drawn = epoch + 1n;
    const slot = Math.ceil(Number(await sets().epochStart(drawn)) / SLOT);
    await mineAt(slot * SLOT);
    expect(await sets().epochAt(slot * SLOT)).to.equal(drawn);
    expect(await sets().epochAt((slot - 1) * SLOT)).to.equal(epoch);
    // the leaders are drawn by stake from the allocations counted in the epoch before (in join order), with the seed
    // the batch posted in it committed (revealed)
    expect(await squad.seedAt(rollup, drawn)).to.equal(seed);
    const setId = await squad.setIdOf(rollup);
    expect(await sets().allocationsAt(setId, operators, epoch)).to.deep.equal(ALLOCATIONS);
    const entries = operators.map((operator, i) => ({ operator, allocation: ALLOCATIONS[i] }));
    const leaders = [...(await squad.schedule(rollup, slot, 3))];
    expect(leaders).to.deep.equal([0, 1, 2].map((i) => leaderOf(entries, seed, rollup, slot + i)));
    expect(leaders).to.not.include(ZeroAddress);
    expect(await squad.leaderAt(rollup, slot)).to.equal(leaders[0]);

    const schedule = await hardhat<unknown>(["squad schedule", "--rollup", ROLLUP_CHAIN_ID, "--slots", "3", "--json"]);
    expect(schedule).to.deep.equal({
      rollup,
      slotLength: SLOT.toString(),
      gracePeriod: GRACE.toString(),
      slots: leaders.map((leader, i) => ({
        slot: (slot + i).toString(),
        start: (slot + i) * SLOT,
        openToAllAt: (slot + i) * SLOT + GRACE,
        leader,
      })),
    });

    // the leader posts at any time of its slot (the slot lasts 5 minutes from the block mined at its start)
    const leader = leaders[0];
    const commitment = id(SECOND_BATCH);
    const posted = await hardhat<{ tx: TxReport }>([
      "squad post-batch",
      "--rollup",
      ROLLUP_CHAIN_ID,
      "--commitment",
      SECOND_BATCH,
      "--from",
      leader,
      "--json",
    ]);
    expect(posted).to.deep.equal({
      rollup,
      slot: slot.toString(),
      leader,
      poster: leader,
      byLeader: true,
      commitment,
      included: "0",
      fees: "0",
      tx: posted.tx,
    });
    await expectTx(posted.tx, leader, await squad.getAddress());
    const r = Rollup__factory.connect(rollup, provider);
    expect(await r.batchCount()).to.equal(2n);
    expect(await r.batchRoot()).to.equal(SECOND_BATCH_ROOT);
    expect((await squad.slotMarks(rollup, slot)).posted).to.equal(true);
    // the first batch of this epoch committed the next one's seed, revealed in the committed block; this epoch's seed
    // and schedule do not change
    const { prevRandao } = await revealSeed(BigInt(posted.tx.block) + (await squad.SEED_DELAY()));
    const mixed =
      BigInt(keccak256(coder.encode(["uint256", "uint256", "uint256"], [seed, prevRandao, drawn + 1n]))) & SEED_MASK;
    expect(await squad.seedAt(rollup, drawn + 1n)).to.equal(mixed);
    expect(await squad.seedAt(rollup, drawn)).to.equal(seed);
    expect([...(await squad.schedule(rollup, slot, 3))]).to.deep.equal(leaders);
  });

  it("rollup propose-output proposes the first output, by the proposer (the creator), approving its bond", async function () {
    const bond = await Rollup__factory.connect(rollup, provider).outputBond();
    const proposed = await hardhat<{ tx: TxReport; approval?: TxReport }>([
      "rollup propose-output",
      "--rollup",
      ROLLUP_CHAIN_ID,
      "--root",
      STATE_ROOT,
      "--from",
      creator,
      "--approve",
      "--json",
    ]);
    expect(proposed).to.deep.equal({
      rollup,
      index: "0",
      l2BlockNumber: TEMPLATE.outputInterval.toString(),
      root: OUTPUT_ROOT,
      stateRoot: STATE_ROOT,
      withdrawalsRoot: ZeroHash,
      batchCount: "2",
      bond: bond.toString(),
      ...(bond === 0n ? {} : { approval: proposed.approval }),
      tx: proposed.tx,
    });
    await expectTx(proposed.tx, creator, rollup);
    const output = await Rollup__factory.connect(rollup, provider).output(0);
    expect([output.l2BlockNumber, output.root, output.stateRoot, output.batchCount, output.status]).to.deep.equal([
      BigInt(TEMPLATE.outputInterval),
      OUTPUT_ROOT,
      STATE_ROOT,
      2n,
      1n, // Proposed
    ]);
  });

  it("mach attest signs each operator's attestation and mach certify fast-finalizes the output", async function () {
    const mach = book["Services#MachService"];
    const machService = MachService__factory.connect(mach, provider);
    const block = BigInt(TEMPLATE.outputInterval);
    // the epoch the squad steps left the chain in: the allocations and keys count in it
    const current = await sets().currentEpoch();
    const digest = await machService.attestationDigest(rollup, 0n, block, OUTPUT_ROOT, current);
    const message = {
      outputIndex: "0",
      l2BlockNumber: block.toString(),
      outputRoot: OUTPUT_ROOT,
      epoch: current.toString(),
    };
    // signing sends nothing: the three operators sign at once, each with its own secret key
    const attestations = await Promise.all(
      operators.map((operator, i) =>
        hardhat<{ signature: string }>(
          [
            "mach attest",
            "--rollup",
            ROLLUP_CHAIN_ID,
            "--output",
            "0",
            "--out",
            path.join(attestationDir!, `${operator}.json`),
            "--from",
            operator,
            "--json",
          ],
          180_000,
          blsEnv(i),
        ),
      ),
    );
    for (const [i, operator] of operators.entries()) {
      const attestation = attestations[i];
      // BLS signatures are deterministic: the operator's, over the contract's own digest
      expect(attestation).to.deep.equal({
        kind: "attestation",
        chainId: CHAIN_ID.toString(),
        mach,
        rollup,
        operator,
        message,
        signature: signDigest(BLS_SECRETS[i], digest),
      });
      const hashed = hashToG1(getBytes(digest), MACH_DOMAIN);
      const key = decodeG2(await blsKeys().keyOf(operator));
      expect(bls12_381.verifyShortSignature(decodeG1(attestation.signature), hashed, key)).to.equal(true);
      const file = JSON.parse(readFileSync(path.join(attestationDir!, `${operator}.json`), "utf8"));
      expect(file).to.deep.equal(attestation);
    }

    const certified = await hardhat<{ tx: TxReport }>([
      "mach certify",
      "--rollup",
      ROLLUP_CHAIN_ID,
      "--output",
      "0",
      "--attestations",
      attestationDir!,
      "--json",
    ]);
    // every member signed: no non-signer, all the stake counted
    expect(certified).to.deep.equal({
      rollup,
      output: "0",
      l2BlockNumber: block.toString(),
      root: OUTPUT_ROOT,
      epoch: current.toString(),
      signers: sortAddresses(operators),
      nonSigners: [],
      signedStake: TOTAL_ALLOCATED.toString(),
      totalStake: TOTAL_ALLOCATED.toString(),
      thresholdBps: DEFAULT_THRESHOLD.toString(),
      tx: certified.tx,
    });
    await expectTx(certified.tx, accounts[0], mach);
    const receipt = (await provider.getTransactionReceipt(certified.tx.hash))!;
    const events = receipt.logs
      .filter((log) => log.address === mach)
      .map((log) => machService.interface.parseLog(log)!)
      .filter((e) => e.name === "Certified");
    expect(events.length).to.equal(1);
    const [r, index, l2Block, root, epochOf, nonSigners, signedStake, totalStake] = events[0].args;
    expect([r, index, l2Block, root, epochOf, [...nonSigners], signedStake, totalStake]).to.deep.equal([
      rollup,
      0n,
      block,
      OUTPUT_ROOT,
      current,
      [],
      TOTAL_ALLOCATED,
      TOTAL_ALLOCATED,
    ]);

    const info = await hardhat<unknown>(["rollup info", "--rollup", ROLLUP_CHAIN_ID, "--json"]);
    const proposedAt = Number((await Rollup__factory.connect(rollup, provider).output(0)).proposedAt);
    const challengePeriod = parseDuration(TEMPLATE.challengePeriod!);
    expect(info).to.deep.equal({
      address: rollup,
      chainId: ROLLUP_CHAIN_ID,
      templateId: 0,
      owner: creator,
      pendingOwner: ZeroAddress,
      status: "Active",
      paused: false,
      pausedUntil: 0,
      daLayer: "EthereumBlobs",
      sequencer: book["Services#SquadService"], // the sequencer role of a SQUAD rollup
      proposer: creator,
      portal: getCreateAddress({ from: rollup, nonce: 1 }), // the rollup's first creation
      services: SERVICES,
      fastFinalityBps: DEFAULT_THRESHOLD,
      proofSystem: "optimistic",
      challengePeriod,
      outputBond: parseTokenAmount(TEMPLATE.outputBond!).toString(),
      expiry: 0,
      paidUntil: createdAt + MIN_PREPAID_DURATION,
      escrow: PREPAID.toString(),
      streamed: "0",
      batches: { count: "2", root: SECOND_BATCH_ROOT },
      outputs: {
        count: "1",
        finalized: "0",
        latest: {
          index: 0,
          l2BlockNumber: TEMPLATE.outputInterval.toString(),
          root: OUTPUT_ROOT,
          stateRoot: STATE_ROOT,
          batchCount: "2",
          status: "FastFinalized",
        },
        // the next to finalize: VITAL may still invalidate it until its challenge period ends
        next: { index: 0, status: "FastFinalized", proposedAt, finalizesAt: proposedAt + challengePeriod },
      },
      queue: { length: "0", included: "0", minFee: parseTokenAmount(PARAMETERS.rollups!.minQueueFee).toString() },
    });
    expect((await Rollup__factory.connect(rollup, provider).output(0)).status).to.equal(2n); // FastFinalized
  });

  it("gov delegate gives the Launchpool beneficiary its votes and gov propose proposes withdrawal-delay.json", async function () {
    const holder = accounts[7];
    const votes = allocated("Launchpool");
    const threshold = parseTokenAmount(PARAMETERS.governance!.proposalThreshold);
    const delegated = await hardhat<{ tx: TxReport }>(["gov delegate", "--to", holder, "--from", holder, "--json"]);
    expect(delegated).to.deep.equal({
      delegator: holder,
      delegatee: holder,
      votes: votes.toString(),
      tx: delegated.tx,
      proposalThreshold: threshold.toString(),
      canPropose: true,
    });
    await expectTx(delegated.tx, holder, book["Genesis#AltToken"]);
    expect(await token().getVotes(holder)).to.equal(votes);

    const proposed = await hardhat<{ tx: TxReport }>([
      "gov propose",
      "--file",
      PROPOSAL_FILE,
      "--from",
      holder,
      "--json",
    ]);
    const target = book["Restaking#RestakingRegistry"];
    const calldata = new Interface(["function setDelays(uint48,uint48)"]).encodeFunctionData("setDelays", NEW_DELAYS);
    const description = `${PROPOSAL.description}#proposer=${holder}`;
    proposalId = BigInt(
      keccak256(
        coder.encode(["address[]", "uint256[]", "bytes[]", "bytes32"], [[target], [0], [calldata], id(description)]),
      ),
    ).toString();
    const proposedAt = await blockTime(proposed.tx.block);
    voteStart = proposedAt + VOTING_DELAY + 1;
    voteEnd = proposedAt + VOTING_DELAY + VOTING_PERIOD;
    expect(proposed).to.deep.equal({
      id: proposalId,
      proposer: holder,
      description,
      actions: [
        {
          target,
          contract: "Restaking#RestakingRegistry",
          artifact: "RestakingRegistry",
          signature: "setDelays(uint48,uint48)",
          args: NEW_DELAYS,
          value: "0",
          calldata,
        },
      ],
      implementations: {},
      voteStart,
      voteEnd,
      tx: proposed.tx,
    });
    await expectTx(proposed.tx, holder, book["Governance#AltGovernor"]);
    expect(await governor().state(proposalId)).to.equal(0n); // Pending
  });

  it("gov vote votes for it once voting opens: the Launchpool and ProtocolDevelopment beneficiaries", async function () {
    await mineAt(voteStart);
    expect(await governor().state(proposalId)).to.equal(1n); // Active
    const voters = [
      { voter: accounts[7], weight: allocated("Launchpool"), reason: "" },
      // the ProtocolDevelopment position (locked) delegates to its beneficiary since the deployment
      { voter: accounts[2], weight: allocated("ProtocolDevelopment"), reason: "stakers keep time to exit" },
    ];
    for (const { voter, weight, reason } of voters) {
      const vote = await hardhat<{ tx: TxReport }>([
        "gov vote",
        "--id",
        proposalId,
        "--support",
        "for",
        ...(reason === "" ? [] : ["--reason", reason]),
        "--from",
        voter,
        "--json",
      ]);
      expect(vote).to.deep.equal({
        id: proposalId,
        voter,
        support: "for",
        weight: weight.toString(),
        reason,
        tx: vote.tx,
      });
      await expectTx(vote.tx, voter, book["Governance#AltGovernor"]);
    }
    const [against, forVotes, abstain] = await governor().proposalVotes(proposalId);
    expect([against, forVotes, abstain]).to.deep.equal([
      0n,
      allocated("Launchpool") + allocated("ProtocolDevelopment"),
      0n,
    ]);
    // 4 % of the supply less the timelock's votes: the Treasury allocation and the creation fee it received
    const snapshot = await governor().proposalSnapshot(proposalId);
    const quorum =
      ((GENESIS_SUPPLY - allocated("Treasury") - CREATION_FEE) * BigInt(PARAMETERS.governance!.quorumBps)) / 10_000n;
    expect(await governor().quorum(snapshot)).to.equal(quorum);
    expect(quorum).to.equal(313_999_960n * ALT);
    expect(await governor().proposalDeadline(proposalId)).to.equal(BigInt(voteEnd)); // quorum was not late
  });

  it("gov queue queues it in the timelock after the voting period", async function () {
    await advance("--by", `${voteEnd + 1 - (await blockTime("latest"))}s`, voteEnd + 1);
    expect(await governor().state(proposalId)).to.equal(4n); // Succeeded
    const queued = await hardhat<{ eta: number; tx: TxReport }>(["gov queue", "--id", proposalId, "--json"]);
    eta = (await blockTime(queued.tx.block)) + TIMELOCK_DELAY;
    expect(queued).to.deep.equal({ id: proposalId, eta, tx: queued.tx });
    await expectTx(queued.tx, accounts[0], book["Governance#AltGovernor"]);
    expect(await governor().state(proposalId)).to.equal(5n); // Queued
  });

  it("gov execute executes it after the timelock delay: the withdrawal delay is 21 days", async function () {
    expect(await registry().withdrawalDelay()).to.equal(BigInt(parseDuration(PARAMETERS.restaking.withdrawalDelay)));
    await advance("--to", formatTime(eta), eta);
    const executed = await hardhat<{ tx: TxReport }>(["gov execute", "--id", proposalId, "--json"]);
    expect(executed).to.deep.equal({ id: proposalId, tx: executed.tx });
    await expectTx(executed.tx, accounts[0], book["Governance#AltGovernor"]);
    expect(await governor().state(proposalId)).to.equal(7n); // Executed
    expect(await registry().withdrawalDelay()).to.equal(1814400n);
    expect(await registry().commissionDelay()).to.equal(604800n);
    executedIn = executed.tx.block;
  });

  it("deploy check still passes after the claims and the proposal: the withdrawal delay is drift, named with the proposal", async function () {
    const report = await hardhat<CheckReport>(["deploy check", "--json"]);
    expect(report.differences).to.deep.equal([]);
    expect(report.checked).to.equal(182);
    // the commission delay the proposal set is the file's 7d: only the withdrawal delay drifted
    expect(report.drift).to.deep.equal([
      {
        what: "RestakingRegistry.withdrawalDelay",
        chain: "3w",
        parameters: "2w",
        proposalId,
        executedIn,
        action: "RestakingRegistry.setDelays",
      },
    ]);
    const lines = await hardhatLines(["deploy check"]);
    const claimed = [...operators, creator].reduce((sum, account) => sum + BigInt(PROOFS.claims[account].amount), 0n);
    const airdropped = parseTokenAmount(PARAMETERS.genesis.airdrop.amount);
    expect(lines).to.include.members([
      `  AltToken.balanceOf(MerkleAirdrop): ok (${formatAlt(airdropped - claimed)}: ${formatAlt(airdropped)} less ` +
        `${formatAlt(claimed)} claimed)`,
      `  RestakingRegistry.withdrawalDelay: drift: chain 3w, parameters 2w (changed by proposal ${proposalId}, ` +
        `executed in block ${executedIn}: RestakingRegistry.setDelays)`,
      `all 182 values match ${path.join(PARAMETERS_DIR, "localhost.json")} (1 changed since by executed proposals: drift)`,
    ]);
  });

  it("token transfer sends ALT from the Launchpool beneficiary to an account that holds none", async function () {
    const [from, to] = [accounts[7], accounts[9]];
    const before = await token().balanceOf(from);
    const sent = await hardhat<{ tx: TxReport }>([
      "token transfer",
      "--to",
      to,
      "--amount",
      "1000.5",
      "--from",
      from,
      "--json",
    ]);
    expect(sent).to.deep.equal({ from, to, amount: ((10_005n * ALT) / 10n).toString(), tx: sent.tx });
    await expectTx(sent.tx, from, book["Genesis#AltToken"]);
    expect(await token().balanceOf(from)).to.equal(before - (10_005n * ALT) / 10n);
    expect(await token().balanceOf(to)).to.equal((10_005n * ALT) / 10n);
  });
});
