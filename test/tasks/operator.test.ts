import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import path from "path";
import { Wallet, ZeroAddress } from "ethers";
import type { ProtocolParameters } from "../../deploy/lib/parameters";
import { stagedParameters, stagedParametersFile } from "../helpers/parameters";
import { recordInProcess, type AddressBook } from "../../tasks/lib/addressBook";
import { RESTAKING_KEYS } from "../../tasks/lib/restaking";
import type { OperatorInfo } from "../../tasks/operator";
import { formatAlt } from "../../tasks/lib/cli";
import { servicesTaskFixture } from "../helpers/serviceTasks";
import type {
  AltToken,
  BlsKeyRegistry,
  MockERC20,
  OperatorSets,
  RestakingRegistry,
  RewardsDistributor,
  SlashingManager,
  VestingPosition,
} from "../../typechain-types";
import { ALT } from "../helpers/constants";
import { days } from "../helpers/time";
import {
  TASK_FUNDED_ALT,
  asJson,
  expectRefused,
  isoTime,
  load,
  restakingTaskFixture,
  runTask,
  task,
  tempDir,
  transaction,
} from "../helpers/tasks";

/** ALT the fixture gives each of hardhat accounts 10..15 (from the Launchpool, released whole at TGE). */
const FUNDED = TASK_FUNDED_ALT;
/** The registry's virtual shares: a share is worth (totalAssets + 1) / (totalShares + 1e6). */
const VIRTUAL_SHARES = 10n ** 6n;
const sharesFor = (amount: bigint, totalShares: bigint, totalAssets: bigint) =>
  (amount * (totalShares + VIRTUAL_SHARES)) / (totalAssets + 1n);
const valueOf = (shares: bigint, totalShares: bigint, totalAssets: bigint) =>
  (shares * (totalAssets + 1n)) / (totalShares + VIRTUAL_SHARES);

const GENESIS_KEYS = [
  "Genesis#AltToken",
  "Genesis#VestingFactory",
  "Genesis#MerkleAirdrop",
  ...["Treasury", "ProtocolDevelopment", "Investors", "Ecosystem", "Team", "Advisors", "Launchpool"].map(
    (c) => `Genesis#Vesting_${c}`,
  ),
];
const BOOK_KEYS = [
  ...GENESIS_KEYS,
  "Restaking#RestakingRegistry",
  "Restaking#OperatorSets",
  "Restaking#SlashingManager",
  "Restaking#RewardsDistributor",
  "Restaking#BlsKeyRegistry",
];

interface RegisterResult {
  operator: string;
  metadataURI: string;
  commissionBps: number;
  tx: { hash: string; gasUsed: string; block: number };
}

interface SetCommissionResult {
  operator: string;
  previousBps: bigint;
  bps: number;
  effectiveAt: number;
  immediate: boolean;
  tx: { hash: string; gasUsed: string; block: number };
}

const blockTimestamp = async (block: number) => (await hre.ethers.provider.getBlock(block))!.timestamp;

/** The staged parameter set the restaking task fixture deploys (a fresh copy to break one rule of). */
const hardhatParameters = stagedParameters;

describe("operator tasks and deploy restaking", function () {
  const files = tempDir("alt-restaking-task-");
  after(files.remove);

  /** The operator (account 10) registered at 500 bps; a second asset "stETH" (1:1, cap 1,000,000) for pools. */
  async function registeredFixture() {
    const f = await loadFixture(restakingTaskFixture);
    const { registry, operator, deployer, alice, bob } = f;
    await (await registry.connect(operator).registerOperator("ipfs://operator-10", 500)).wait();
    const steth = (await (
      await hre.ethers.getContractFactory("MockERC20")
    ).deploy("Staked ETH", "stETH")) as unknown as MockERC20;
    await steth.waitForDeployment();
    await (await registry.connect(deployer).addAsset(await steth.getAddress(), ALT, 1_000_000n * ALT)).wait();
    for (const account of [alice, bob]) await (await steth.mint(account.address, 10_000n * ALT)).wait();
    return { ...f, steth };
  }

  describe("deploy restaking", function () {
    it("records the genesis and the five restaking contracts, each holding code", async function () {
      const { book } = await load(restakingTaskFixture);
      expect(Object.keys(book)).to.deep.equal(BOOK_KEYS);
      expect(new Set(Object.values(book)).size).to.equal(BOOK_KEYS.length);
      for (const address of Object.values(book)) {
        expect(await hre.ethers.provider.getCode(address)).to.not.equal("0x");
      }
    });

    it("wires the contracts to each other, the genesis token, the council and the treasury", async function () {
      const { book, registry, deployer } = await load(restakingTaskFixture);
      const parameters = hardhatParameters();
      const sets = (await hre.ethers.getContractAt(
        "OperatorSets",
        book[RESTAKING_KEYS.operatorSets],
      )) as unknown as OperatorSets;
      const manager = (await hre.ethers.getContractAt(
        "SlashingManager",
        book[RESTAKING_KEYS.slashingManager],
      )) as unknown as SlashingManager;
      const rewards = (await hre.ethers.getContractAt(
        "RewardsDistributor",
        book[RESTAKING_KEYS.rewardsDistributor],
      )) as unknown as RewardsDistributor;
      expect(await registry.alt()).to.equal(book["Genesis#AltToken"]);
      expect(await registry.slashingManager()).to.equal(book[RESTAKING_KEYS.slashingManager]);
      expect(await registry.operatorSets()).to.equal(book[RESTAKING_KEYS.operatorSets]);
      expect(await registry.withdrawalDelay()).to.equal(days(14));
      expect(await sets.registry()).to.equal(book[RESTAKING_KEYS.registry]);
      expect(await manager.registry()).to.equal(book[RESTAKING_KEYS.registry]);
      expect(await manager.vetoer()).to.equal(parameters.restaking.council);
      expect(await manager.treasury()).to.equal(parameters.genesis.treasury);
      // the rewards distributor reads the registry and the operator sets; the registry no longer calls it
      expect(await rewards.registry()).to.equal(book[RESTAKING_KEYS.registry]);
      expect(await rewards.alt()).to.equal(book["Genesis#AltToken"]);
      expect(await rewards.operatorSets()).to.equal(book[RESTAKING_KEYS.operatorSets]);
      expect(await rewards.treasury()).to.equal(parameters.genesis.treasury);
      // the BLS key registry asks the registry who is an operator and hears from the operator sets who counts
      const blsKeys = (await hre.ethers.getContractAt(
        "BlsKeyRegistry",
        book[RESTAKING_KEYS.blsKeyRegistry],
      )) as unknown as BlsKeyRegistry;
      expect(await blsKeys.registry()).to.equal(book[RESTAKING_KEYS.registry]);
      expect(await blsKeys.operatorSets()).to.equal(book[RESTAKING_KEYS.operatorSets]);
      for (const contract of [registry, sets, manager, rewards, blsKeys])
        expect(await contract.owner()).to.equal(deployer.address);
    });

    it("prints the ephemeral-network warning and one line per contract in text mode", async function () {
      const { book, lines } = await load(restakingTaskFixture);
      expect(lines).to.deep.equal([
        "warning: the in-process hardhat network is ephemeral; this deployment ends with the process",
        "protocol deployed on hardhat:",
        ...BOOK_KEYS.map((key) => `  ${key.padEnd(36)} ${book[key]}`),
      ]);
    });

    it("prints exactly the returned address book as JSON with --json", async function () {
      const { book } = await load(restakingTaskFixture);
      try {
        const { result, lines } = await runTask<AddressBook>("deploy restaking", {
          json: true,
          parameters: stagedParametersFile(),
        });
        expect(JSON.parse(lines.join("\n"))).to.deep.equal(result);
        expect(Object.keys(result)).to.deep.equal(BOOK_KEYS);
        expect(result[RESTAKING_KEYS.registry]).to.not.equal(book[RESTAKING_KEYS.registry]);
      } finally {
        recordInProcess(book);
      }
    });

    /** Runs deploy restaking on a broken parameter file: one line, nothing sent. */
    async function expectBrokenFile(parameters: ProtocolParameters | string, message: string) {
      await load(restakingTaskFixture);
      const [deployer] = await hre.ethers.getSigners();
      const file = files.write(`parameters-${Math.random().toString(36).slice(2)}.json`, parameters);
      const nonce = await hre.ethers.provider.getTransactionCount(deployer.address);
      await expectRefused("deploy restaking", { parameters: file, json: true }, message.replace("<file>", file));
      expect(await hre.ethers.provider.getTransactionCount(deployer.address)).to.equal(nonce);
    }

    it("refuses a withdrawal delay shorter than the veto window before sending anything", async function () {
      const parameters = hardhatParameters();
      parameters.restaking.withdrawalDelay = "1d";
      await expectBrokenFile(
        parameters,
        "restaking parameters: withdrawalDelay (86400s) must be at least the vetoWindow (172800s)",
      );
    });

    it("refuses a zero-address council", async function () {
      const parameters = hardhatParameters();
      parameters.restaking.council = ZeroAddress;
      await expectBrokenFile(parameters, "restaking parameters: council is the zero address");
    });

    it("refuses a protocol share above 5,000 bps", async function () {
      const parameters = hardhatParameters();
      parameters.restaking.protocolShareBps = 5001;
      await expectBrokenFile(
        parameters,
        "restaking parameters: protocolShareBps must be a whole number of bps from 0 to 5000, not 5001",
      );
    });

    it("refuses a churn margin above 10,000 bps or not whole", async function () {
      for (const margin of [10_001, 2.5, -1]) {
        const parameters = hardhatParameters();
        parameters.restaking.churnMarginBps = margin;
        await expectBrokenFile(
          parameters,
          `restaking parameters: churnMarginBps must be a whole number of bps from 0 to 10000, not ${margin}`,
        );
      }
    });

    it("refuses a parameter file without a restaking section", async function () {
      const parameters = hardhatParameters() as Partial<ProtocolParameters>;
      delete parameters.restaking;
      await expectBrokenFile(
        parameters as ProtocolParameters,
        "restaking parameters: the restaking section is missing",
      );
    });

    it("refuses a broken genesis section too", async function () {
      const parameters = hardhatParameters();
      parameters.genesis.allocations[0].bps = 2149;
      await expectBrokenFile(parameters, "genesis parameters: allocations sum to 9999 bps, not 10000");
    });

    it("refuses a parameter file that does not exist or is not JSON", async function () {
      await load(restakingTaskFixture);
      const missing = files.path("missing.json");
      await expectRefused(
        "deploy restaking",
        { parameters: missing, json: true },
        `no parameter file for network hardhat: ${missing}`,
      );
      const text = '{ "restaking": ';
      let parseError = "";
      try {
        JSON.parse(text);
      } catch (e) {
        parseError = (e as Error).message;
      }
      await expectBrokenFile(text, `parameter file <file> is not valid JSON: ${parseError}`);
    });
  });

  describe("reading the restaking deployment", function () {
    it("refuses when the address book has no restaking contracts, naming deploy restaking", async function () {
      const { book, operator } = await load(registeredFixture);
      recordInProcess({ [RESTAKING_KEYS.registry]: undefined as unknown as string });
      try {
        await expectRefused(
          "operator info",
          { operator: operator.address, json: true },
          "the deployment of network hardhat has no Restaking#RestakingRegistry: run deploy restaking first",
        );
      } finally {
        recordInProcess(book);
      }
    });

    it("refuses a recorded registry address that holds no contract", async function () {
      const { book, operator } = await load(registeredFixture);
      const stale = "0x000000000000000000000000000000000000dEaD";
      recordInProcess({ [RESTAKING_KEYS.registry]: stale });
      try {
        await expectRefused(
          "operator info",
          { operator: operator.address, json: true },
          `no contract at ${stale} (Restaking#RestakingRegistry) on hardhat: the deployment records are stale (chain reset?)`,
        );
      } finally {
        recordInProcess(book);
      }
    });
  });

  describe("operator register", function () {
    it("registers the sender with its metadata URI and a commission in bps", async function () {
      const { registry, other } = await load(restakingTaskFixture);
      const result = await task<RegisterResult>("operator register", {
        uri: "https://op.example/meta.json",
        commission: "250",
        from: other.address,
        json: true,
      });
      expect(result).to.deep.equal({
        operator: other.address,
        metadataURI: "https://op.example/meta.json",
        commissionBps: 250,
        tx: result.tx,
      });
      await expect(transaction(result.tx.hash))
        .to.emit(registry, "OperatorRegistered")
        .withArgs(other.address, 250, "https://op.example/meta.json");
      expect(await registry.isOperator(other.address)).to.equal(true);
      expect(await registry.commissionOf(other.address)).to.equal(250n);
    });

    it("registers with the 2,000 bps maximum, printing three lines", async function () {
      const { registry, other } = await load(restakingTaskFixture);
      const { result, lines } = await runTask<RegisterResult>("operator register", {
        uri: "ipfs://meta",
        commission: "2000",
        from: other.address,
        json: false,
      });
      expect(await registry.commissionOf(other.address)).to.equal(2000n);
      const { hash, gasUsed, block } = result.tx;
      expect(lines).to.deep.equal([
        `registered operator ${other.address}: tx ${hash} (gas ${gasUsed}, block ${block})`,
        "  commission 2000 bps (20 %)",
        "  metadata ipfs://meta",
      ]);
    });

    it("takes no signing key: operators hold no ECDSA key (MACH's are BLS keys, registered with mach tasks; --keystore is the sender's own)", async function () {
      expect(Object.keys(hre.scopes.operator.tasks.register.paramDefinitions).sort()).to.deep.equal([
        "commission",
        "dryRun",
        "from",
        "json",
        "keystore",
        "uri",
      ]);
    });

    it("registers with a zero commission", async function () {
      const { registry, other } = await load(restakingTaskFixture);
      await task("operator register", { uri: "", commission: "0", from: other.address, json: true });
      expect(await registry.isOperator(other.address)).to.equal(true);
      expect(await registry.commissionOf(other.address)).to.equal(0n);
    });

    for (const commission of ["2001", "5%", "-1", "2.5", ""]) {
      it(`refuses the commission "${commission}"`, async function () {
        const { other } = await load(restakingTaskFixture);
        await expectRefused(
          "operator register",
          { uri: "x", commission, from: other.address, json: true },
          `--commission must be a whole number of bps from 0 to 2000 (100 bps = 1 %), not ${commission}`,
        );
      });
    }

    it("refuses a sender that is registered already", async function () {
      const { operator } = await load(registeredFixture);
      await expectRefused(
        "operator register",
        { uri: "x", commission: "100", from: operator.address, json: true },
        `${operator.address} is a registered operator already`,
      );
    });

    it("refuses a --from that is not an account of the network", async function () {
      await load(restakingTaskFixture);
      const stranger = Wallet.createRandom().address;
      await expectRefused(
        "operator register",
        { uri: "x", commission: "100", from: stranger, json: true },
        `--from ${stranger} is not an account of network hardhat`,
      );
    });
  });

  describe("operator info", function () {
    it("shows a fresh operator: URI, commission, empty pools, no stake, not jailed", async function () {
      const { operator, book, steth } = await load(registeredFixture);
      const info = await task<OperatorInfo>("operator info", { operator: operator.address.toLowerCase(), json: true });
      const emptyPool = {
        totalShares: 0n,
        queuedShares: 0n,
        activeShares: 0n,
        totalAssets: 0n,
        activeAssets: 0n,
        queuedAssets: 0n,
      };
      expect(info).to.deep.equal({
        operator: operator.address,
        registered: true,
        metadataURI: "ipfs://operator-10",
        commission: { bps: 500n, pending: null },
        pools: [
          { assetId: 0, symbol: "ALT", token: book["Genesis#AltToken"], ...emptyPool },
          { assetId: 1, symbol: "stETH", token: await steth.getAddress(), ...emptyPool },
        ],
        stake: 0n,
        pendingSlashes: 0n,
        jailed: false,
      });
    });

    it("shows every pool's shares and assets, active and queued, and the weighted stake", async function () {
      const { registry, token, steth, operator, alice, bob } = await load(registeredFixture);
      const registryAddress = await registry.getAddress();
      await (await token.connect(alice).approve(registryAddress, 3_000n * ALT)).wait();
      await (await registry.connect(alice).stake(operator.address, 0, 1_000n * ALT)).wait();
      await (await token.connect(bob).approve(registryAddress, 3_000n * ALT)).wait();
      await (await registry.connect(bob).stake(operator.address, 0, 2_000n * ALT)).wait();
      await (await steth.connect(bob).approve(registryAddress, 500n * ALT)).wait();
      await (await registry.connect(bob).stake(operator.address, 1, 500n * ALT)).wait();
      // stETH weighs half an ALT
      await (await registry.updateAsset(1, ALT / 2n, 1_000_000n * ALT)).wait();
      const aliceShares = sharesFor(1_000n * ALT, 0n, 0n);
      const bobShares = sharesFor(2_000n * ALT, aliceShares, 1_000n * ALT);
      const queued = aliceShares / 4n;
      await (await registry.connect(alice).requestUnstake(operator.address, 0, queued)).wait();

      const info = await task<OperatorInfo>("operator info", { operator: operator.address, json: true });
      const altShares = aliceShares + bobShares;
      const altAssets = 3_000n * ALT;
      const stethShares = sharesFor(500n * ALT, 0n, 0n);
      const altActive = valueOf(altShares - queued, altShares, altAssets);
      const stethActive = valueOf(stethShares, stethShares, 500n * ALT);
      expect(info.pools[0]).to.deep.include({
        totalShares: altShares,
        queuedShares: queued,
        activeShares: altShares - queued,
        totalAssets: altAssets,
        activeAssets: altActive,
        queuedAssets: valueOf(queued, altShares, altAssets),
      });
      expect(info.pools[1]).to.deep.include({
        totalShares: stethShares,
        queuedShares: 0n,
        activeShares: stethShares,
        totalAssets: 500n * ALT,
        activeAssets: stethActive,
        queuedAssets: 0n,
      });
      expect(info.stake).to.equal(altActive + stethActive / 2n);
      expect(info.stake).to.equal(await registry.operatorStake(operator.address));
    });

    it("shows the latest metadata URI", async function () {
      const { registry, operator } = await load(registeredFixture);
      await (await registry.connect(operator).setMetadataURI("ipfs://v2")).wait();
      await (await registry.connect(operator).setMetadataURI("ipfs://v3")).wait();
      const info = await task<OperatorInfo>("operator info", { operator: operator.address, json: true });
      expect(info.metadataURI).to.equal("ipfs://v3");
    });

    it("shows a pending commission increase with its effective time, then in force", async function () {
      const { registry, operator } = await load(registeredFixture);
      await (await registry.connect(operator).setCommission(900)).wait();
      const commissionAt = (await time.latest()) + days(7);

      const { result: info, lines } = await runTask<OperatorInfo>("operator info", {
        operator: operator.address,
        json: false,
      });
      expect(info.commission).to.deep.equal({ bps: 500n, pending: { bps: 900n, effectiveAt: commissionAt } });
      expect(lines).to.deep.equal([
        `operator ${operator.address}`,
        "  metadata    ipfs://operator-10",
        `  commission  500 bps (5 %), 900 bps (9 %) from ${isoTime(commissionAt)} (in 7d)`,
        "  stake       0 ALT (ALT-equivalent, active)",
        "  pool 0 ALT: 0 ALT in 0 shares (active 0 ALT in 0; queued 0 ALT in 0)",
        "  pool 1 stETH: 0 stETH in 0 shares (active 0 stETH in 0; queued 0 stETH in 0)",
      ]);

      await time.increaseTo(commissionAt);
      const later = await task<OperatorInfo>("operator info", { operator: operator.address, json: true });
      expect(later.commission).to.deep.equal({ bps: 900n, pending: null });
    });

    it("shows no pending commission after a decrease cancelled an increase", async function () {
      const { registry, operator } = await load(registeredFixture);
      await (await registry.connect(operator).setCommission(900)).wait();
      await (await registry.connect(operator).setCommission(100)).wait();
      const info = await task<OperatorInfo>("operator info", { operator: operator.address, json: true });
      expect(info.commission).to.deep.equal({ bps: 100n, pending: null });
    });

    it("prints exactly the returned data as JSON with --json", async function () {
      const { operator } = await load(registeredFixture);
      const { result, lines } = await runTask<OperatorInfo>("operator info", {
        operator: operator.address,
        json: true,
      });
      expect(JSON.parse(lines.join("\n"))).to.deep.equal(asJson(result));
      expect(JSON.parse(lines.join("\n")).commission).to.deep.equal({ bps: "500", pending: null });
    });

    it("refuses a malformed --operator", async function () {
      await load(registeredFixture);
      await expectRefused(
        "operator info",
        { operator: "0xnope", json: true },
        "--operator is not a valid address: 0xnope",
      );
    });

    it("refuses an account that is not a registered operator", async function () {
      const { alice } = await load(registeredFixture);
      await expectRefused(
        "operator info",
        { operator: alice.address, json: true },
        `${alice.address} is not a registered operator`,
      );
    });
  });

  describe("operator set-commission", function () {
    it("applies a decrease at once", async function () {
      const { registry, operator } = await load(registeredFixture);
      const { result, lines } = await runTask<SetCommissionResult>("operator set-commission", {
        commission: "300",
        from: operator.address,
        json: false,
      });
      const at = await blockTimestamp(result.tx.block);
      expect(result).to.deep.include({
        operator: operator.address,
        previousBps: 500n,
        bps: 300,
        effectiveAt: at,
        immediate: true,
      });
      await expect(transaction(result.tx.hash))
        .to.emit(registry, "CommissionChanged")
        .withArgs(operator.address, 300, at);
      expect(await registry.commissionOf(operator.address)).to.equal(300n);
      const { hash, gasUsed, block } = result.tx;
      expect(lines).to.deep.equal([
        `commission of ${operator.address}: 500 bps (5 %) -> 300 bps (3 %) (in force now): tx ${hash} (gas ${gasUsed}, block ${block})`,
      ]);
    });

    it("applies an increase after the 7-day commission delay, printing when", async function () {
      const { registry, operator } = await load(registeredFixture);
      const { result, lines } = await runTask<SetCommissionResult>("operator set-commission", {
        commission: "1500",
        from: operator.address,
        json: false,
      });
      const effectiveAt = (await blockTimestamp(result.tx.block)) + days(7);
      expect(result).to.deep.include({ previousBps: 500n, bps: 1500, effectiveAt, immediate: false });
      const { hash, gasUsed, block } = result.tx;
      expect(lines).to.deep.equal([
        `commission of ${operator.address}: 500 bps (5 %) -> 1500 bps (15 %) from ${isoTime(effectiveAt)} (in 7d): tx ${hash} (gas ${gasUsed}, block ${block})`,
      ]);
      expect(await registry.commissionOf(operator.address)).to.equal(500n);
      await time.increaseTo(effectiveAt - 1);
      expect(await registry.commissionOf(operator.address)).to.equal(500n);
      await time.increaseTo(effectiveAt);
      expect(await registry.commissionOf(operator.address)).to.equal(1500n);
    });

    it("refuses a sender that is not a registered operator", async function () {
      const { alice } = await load(registeredFixture);
      await expectRefused(
        "operator set-commission",
        { commission: "100", from: alice.address, json: true },
        `${alice.address} is not a registered operator`,
      );
    });

    it("refuses a commission above 2,000 bps", async function () {
      const { operator } = await load(registeredFixture);
      await expectRefused(
        "operator set-commission",
        { commission: "2500", from: operator.address, json: true },
        "--commission must be a whole number of bps from 0 to 2000 (100 bps = 1 %), not 2500",
      );
    });
  });

  describe("operator list", function () {
    it("lists every registered operator: commission (pending increase), stake per asset with its ALT value, no sets (JSON and text)", async function () {
      const { registry, token, steth, operator, other, alice, bob } = await load(registeredFixture);
      const registryAddress = await registry.getAddress();
      await (await token.connect(alice).approve(registryAddress, 1_000n * ALT)).wait();
      await (await registry.connect(alice).stake(operator.address, 0, 1_000n * ALT)).wait();
      await (await steth.connect(bob).approve(registryAddress, 500n * ALT)).wait();
      await (await registry.connect(bob).stake(operator.address, 1, 500n * ALT)).wait();
      // stETH weighs half an ALT
      await (await registry.updateAsset(1, ALT / 2n, 1_000_000n * ALT)).wait();
      const registered = await (await registry.connect(other).registerOperator("ipfs://other", 100)).wait();
      const raised = await (await registry.connect(other).setCommission(300)).wait();
      const effectiveAt = (await blockTimestamp(raised!.blockNumber)) + 7 * 86_400;

      const altValue = valueOf(sharesFor(1_000n * ALT, 0n, 0n), sharesFor(1_000n * ALT, 0n, 0n), 1_000n * ALT);
      const stethShares = sharesFor(500n * ALT, 0n, 0n);
      const stethValue = valueOf(stethShares, stethShares, 500n * ALT);
      const entries = await task<(OperatorInfo & { stakes: unknown[]; sets: unknown[] })[]>("operator list", {
        json: true,
      });
      expect(entries.map((e) => e.operator)).to.deep.equal([operator.address, other.address]);
      expect(entries[0].stakes).to.deep.equal([
        { assetId: 0, symbol: "ALT", amount: altValue, altValue },
        { assetId: 1, symbol: "stETH", amount: stethValue, altValue: stethValue / 2n },
      ]);
      expect(entries[0].stake).to.equal(altValue + stethValue / 2n);
      expect(entries[0].sets).to.deep.equal([]);
      expect(entries[1]).to.deep.include({
        metadataURI: "ipfs://other",
        commission: { bps: 100n, pending: { bps: 300n, effectiveAt } },
        stakes: [],
        sets: [],
        jailed: false,
      });

      const { lines } = await runTask("operator list", { json: false });
      expect(lines).to.deep.equal([
        `operator ${operator.address} ipfs://operator-10`,
        "  commission 500 bps (5 %)",
        `  stake ${formatAlt(altValue + stethValue / 2n)} (ALT-equivalent, active): ${formatAlt(altValue)}, ` +
          `${formatAlt(stethValue).replace(" ALT", " stETH")} (${formatAlt(stethValue / 2n)})`,
        "  in no set",
        `operator ${other.address} ipfs://other`,
        `  commission 100 bps (1 %), 300 bps (3 %) from ${isoTime(effectiveAt)} (in 7d)`,
        "  stake 0 ALT (ALT-equivalent, active)",
        "  in no set",
      ]);
      // --from-block: the registrations from that block on
      const later = await task<OperatorInfo[]>("operator list", {
        fromBlock: String(registered!.blockNumber),
        json: true,
      });
      expect(later.map((e) => e.operator)).to.deep.equal([other.address]);
      const none = await runTask("operator list", { fromBlock: String(registered!.blockNumber + 1), json: false });
      expect(none.lines).to.deep.equal(["no registered operators"]);
    });

    it("shows the sets an operator is in by short ID, with allocations, deallocations and leaves", async function () {
      const f = await loadFixture(servicesTaskFixture);
      recordInProcess(f.book);
      const [op0, op1] = f.operators;
      await (await f.vital.registerRollup(f.rollupAddress)).wait();
      await (await f.squad.registerRollup(f.squadRollupAddress)).wait();
      const vitalSet = await f.vital.setIdOf(f.rollupAddress);
      const squadSet = await f.squad.setIdOf(f.squadRollupAddress);
      await (await f.sets.connect(op0.signer).join(vitalSet, 100_000n * ALT)).wait();
      await (await f.sets.connect(op0.signer).join(squadSet, 50_000n * ALT)).wait();
      await (await f.sets.connect(op1.signer).join(squadSet, 10_000n * ALT)).wait();
      await (await f.sets.connect(op1.signer).requestLeave(squadSet)).wait();
      // the latest block: its deallocation is slashable for exactly the 14-day withdrawal delay from now
      await (await f.sets.connect(op0.signer).allocate(vitalSet, 60_000n * ALT)).wait();
      const { freeAt } = await f.sets.allocation(vitalSet, op0.address);
      const { leaveAt } = await f.sets.membership(squadSet, op1.address);
      const now = await time.latest();

      const entries = await task<{ operator: string; sets: unknown[] }[]>("operator list", { json: true });
      expect(entries.map((e) => e.operator)).to.deep.equal(f.operators.map((o) => o.address));
      expect(entries[0].sets).to.deep.equal([
        {
          setId: vitalSet,
          set: "VITAL/5001",
          member: true,
          allocated: 60_000n * ALT,
          pendingFree: 40_000n * ALT,
          freeAt: Number(freeAt),
          leaveAt: 0,
          jailedUntil: 0,
        },
        {
          setId: squadSet,
          set: "SQUAD/5002",
          member: true,
          allocated: 50_000n * ALT,
          pendingFree: 0n,
          freeAt: 0,
          leaveAt: 0,
          jailedUntil: 0,
        },
      ]);
      const { lines } = await runTask("operator list", { json: false });
      expect(lines.slice(0, 8)).to.deep.equal([
        `operator ${op0.address} ipfs://operator-0`,
        "  commission 0 bps (0 %)",
        "  stake 400,000 ALT (ALT-equivalent, active): 400,000 ALT",
        `  set VITAL/5001: 60,000 ALT allocated, 40,000 ALT deallocated (slashable until ${isoTime(freeAt)} (in 14d))`,
        "  set SQUAD/5002: 50,000 ALT allocated",
        `operator ${op1.address} ipfs://operator-1`,
        "  commission 0 bps (0 %)",
        "  stake 300,000 ALT (ALT-equivalent, active): 300,000 ALT",
      ]);
      expect(lines[8]).to.equal(
        `  set SQUAD/5002: 0 ALT allocated, 10,000 ALT deallocated (slashable until ${isoTime(leaveAt)} (in 13d 23h)), ` +
          `leaving (complete from ${isoTime(leaveAt)} (in 13d 23h))`,
      );
      // (the leave a block earlier: 1 second less than 14 days from now, "13d 23h" to the minute)
      expect([Number(freeAt) - now, Number(leaveAt) - now]).to.deep.equal([14 * 86_400, 14 * 86_400 - 1]);
    });
  });
});
