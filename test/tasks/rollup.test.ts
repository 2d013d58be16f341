// The rollup tasks (tasks/rollup.ts) against the staged deployment made by `deploy rollups` (the deployer owns the
// factory): templates, predicted addresses, creation with every option and refusal, list, info, extend, sunset, settle
// and forced inclusion. Every fee, time and address is computed independently (bigint math, CREATE2 by hand).
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  AbiCoder,
  getCreate2Address,
  getCreateAddress,
  id,
  keccak256,
  toUtf8Bytes,
  Wallet,
  ZeroAddress,
  ZeroHash,
} from "ethers";
import type { AddressBook } from "../../tasks/lib/addressBook";
import { outputRootOf, queuedHash } from "../../tasks/lib/rollups";
import type { RollupInfo, TemplateView } from "../../tasks/rollup";
import type {
  AltToken,
  OperatorSets,
  RewardsDistributor,
  Rollup,
  RollupFactory,
  VestingPosition,
} from "../../typechain-types";
import { ALT } from "../helpers/constants";
import { DAY, HOUR, days } from "../helpers/time";
import { stagedParametersFile } from "../helpers/parameters";
import { DA, OUTPUT_BOND, SERVICE, TEMPLATE, commitRollup, createParams, streamEachEpoch } from "../helpers/rollups";
import {
  asJson,
  expectRefused,
  expectTaskFailure,
  isoTime,
  load,
  runTask,
  task,
  tempDir,
  transaction,
} from "../helpers/tasks";

/** hardhat.json: the optimistic templates' output bond (rollups with VITAL bond each output). */

const coder = AbiCoder.defaultAbiCoder();

/** ALT the fixture gives each of accounts 10..13 (from the Launchpool position, account 7). */
const FUNDED = 100_000n * ALT;
/** What the fixture's operator allocates to each of the rollups' sets. */
const SET_STAKE = 1_000n * ALT;
/** deploy/parameters/hardhat.json "rollups": 0.001 ALT per service per second, 1,000 ALT per rollup, 7-day window. */
const RATE = ALT / 1_000n;
const CREATION_FEE = 1_000n * ALT;
const WINDOW = days(7);
/** RollupFactory.MIN_PREPAID_DURATION and DEFAULT_FAST_FINALITY_BPS; Rollup.INCLUSION_DELAY. */
const MIN_PREPAID = days(30);
const DEFAULT_THRESHOLD = 6_667n;
const INCLUSION_DELAY = 12 * HOUR;
/** What a permanent rollup with VITAL and MACH prepays by default: 0.001 ALT × 2 services × 30 days = 5,184 ALT. */
const PERMANENT_PREPAY = RATE * 2n * BigInt(MIN_PREPAID);
const MAX_CHAIN_ID = 2n ** 53n - 1n;
const HOST_CHAIN_ID = 31337n;
const MAX_UINT48 = 2n ** 48n - 1n;
/** RollupFactory.COMMIT_DELAY and COMMIT_TTL: a commitment is usable from 60 seconds after it was made, for a day. */
const COMMIT_DELAY = 60;
const COMMIT_TTL = days(1);
const TEMPLATE_LIST = "0 OPStack-EVM, 1 ArbitrumOrbit-EVM, 2 ArbitrumOrbit-WASM, 3 ZKStack-EVM, 4 PolygonCDK-EVM";

interface TxReport {
  hash: string;
  gasUsed: string;
  block: number;
}

interface PredictResult {
  address: string;
  creator: string;
  templateId: number;
  salt: string;
}

interface CreateResult {
  address: string;
  chainId: bigint;
  template: string;
  owner: string;
  services: string[];
  expiry: number;
  prepaidFees: bigint;
  creationFee: bigint;
  salt: string;
  approval?: TxReport;
  commit?: TxReport;
  tx: TxReport;
}

interface ListEntry {
  address: string;
  chainId: bigint;
  owner: string;
  status: string;
  expiry: number;
}

interface ExtendResult {
  rollup: string;
  expiry: number;
  cost: bigint;
  approval?: TxReport;
  tx: TxReport;
}

interface SettleResult {
  rollup: string;
  refund: bigint;
  owner: string;
  tx: TxReport;
}

interface ForceIncludeResult {
  rollup: string;
  firstIndex: bigint;
  included: bigint;
  sequencer: string;
  tx: TxReport;
}

const txLine = (what: string, tx: TxReport) => `${what}: tx ${tx.hash} (gas ${tx.gasUsed}, block ${tx.block})`;
const blockTime = async (block: number) => (await hre.ethers.provider.getBlock(block))!.timestamp;
/** keccak256(abi.encode(prevRoot, commitment, queueHeadAfter)): the next head of the batch hash chain. */
const batchRootOf = (prev: string, commitment: string, queueHead: number) =>
  keccak256(coder.encode(["bytes32", "bytes32", "uint256"], [prev, commitment, queueHead]));
/** The commitment of a forced batch: c = keccak256(abi.encode(c, bytes26(txHash))) from c = 0 over the included items
 * (the rollup keeps each hash's first 26 bytes). */
const forcedCommitmentOf = (txHashes: string[]) =>
  txHashes.reduce((c, h) => keccak256(coder.encode(["bytes32", "bytes26"], [c, queuedHash(h)])), ZeroHash);

describe("rollup tasks", function () {
  /**
   * The staged protocol deployed through `deploy rollups` (the deployer owns the factory; no services set), with
   * accounts 10..13 funded with ALT from the released Launchpool position. Account 14 holds no ALT.
   */
  async function deployedFixture() {
    const book = await task<AddressBook>("deploy rollups", { json: true, parameters: stagedParametersFile() });
    const signers = await hre.ethers.getSigners();
    const at = async <T>(name: string, key: string) =>
      (await hre.ethers.getContractAt(name, book[key])) as unknown as T;
    const token = await at<AltToken>("AltToken", "Genesis#AltToken");
    const launchpool = await at<VestingPosition>("VestingPosition", "Genesis#Vesting_Launchpool");
    await (await launchpool.release()).wait();
    for (const account of signers.slice(10, 14)) {
      await (await token.connect(signers[7]).transfer(account.address, FUNDED)).wait();
    }
    const factory = await at<RollupFactory>("RollupFactory", "Rollups#RollupFactory");
    const [alice, bob, carol, dave, poor] = signers.slice(10, 15);
    return {
      book,
      signers,
      token,
      factory,
      factoryAddress: await factory.getAddress(),
      implementation: book["Rollups#Rollup"],
      verifier: book["Rollups#MockVerifier"],
      operatorSets: await at<OperatorSets>("OperatorSets", "Restaking#OperatorSets"),
      rewards: await at<RewardsDistributor>("RewardsDistributor", "Restaking#RewardsDistributor"),
      deployer: signers[0],
      treasury: signers[1],
      alice,
      bob,
      carol,
      dave,
      poor,
      vital: signers[16],
      mach: signers[17],
      squad: signers[18],
    };
  }

  type Deployed = Awaited<ReturnType<typeof deployedFixture>>;

  /** Where the factory clones `templateId` for `creator` with `salt` (EIP-1167 init code, CREATE2, by hand). */
  function cloneAddress(f: Deployed, creator: string, templateId: number, salt: string) {
    const initCode =
      "0x3d602d80600a3d3981f3363d3d373d3d3d363d73" +
      f.implementation.slice(2).toLowerCase() +
      "5af43d82803e903d91602b57fd5bf3";
    const factorySalt = keccak256(coder.encode(["address", "uint256", "bytes32"], [creator, templateId, salt]));
    return getCreate2Address(f.factoryAddress, factorySalt, keccak256(initCode));
  }

  const rollupAt = async (address: string) => (await hre.ethers.getContractAt("Rollup", address)) as unknown as Rollup;

  /**
   * Services set (accounts 16, 17, 18, allowed in OperatorSets) and two rollups created through the factory at fixed
   * times, each with its VITAL and MACH operator sets: `permanent` (alice, OP Stack on blobs, chain 1001, the default
   * prepayment) and `ephemeral` (bob, Arbitrum Orbit WASM on Celestia, chain 1002, 30 days, exactly prepaid).
   */
  async function rollupsFixture() {
    const f = await loadFixture(deployedFixture);
    const { factory, operatorSets, deployer, alice, bob, vital, mach, squad } = f;
    for (const service of [vital, mach, squad]) {
      await (await operatorSets.connect(deployer).setService(service.address, true)).wait();
    }
    await (await factory.connect(deployer).setServices(vital.address, mach.address, squad.address)).wait();
    for (const user of [alice, bob]) await (await f.token.connect(user).approve(f.factoryAddress, FUNDED)).wait();
    await commitRollup(factory, alice, { chainId: 1001, salt: id("permanent") });
    await commitRollup(factory, bob, { chainId: 1002, salt: id("ephemeral") });

    const permanentCreatedAt = (await time.latest()) + 10;
    await time.setNextBlockTimestamp(permanentCreatedAt);
    const permanentParams = createParams(alice.address, {
      chainId: 1001,
      prepaidFees: PERMANENT_PREPAY,
      salt: id("permanent"),
    });
    await (await factory.connect(alice).createRollup(permanentParams)).wait();
    const permanent = await rollupAt(cloneAddress(f, alice.address, TEMPLATE.OPStack, id("permanent")));

    const ephemeralCreatedAt = permanentCreatedAt + 10;
    const ephemeralExpiry = ephemeralCreatedAt + MIN_PREPAID;
    const ephemeralPrepay = RATE * 2n * BigInt(MIN_PREPAID);
    await time.setNextBlockTimestamp(ephemeralCreatedAt);
    await (
      await factory.connect(bob).createRollup(
        createParams(bob.address, {
          templateId: TEMPLATE.OrbitWASM,
          daLayer: DA.Celestia,
          chainId: 1002,
          expiry: ephemeralExpiry,
          prepaidFees: ephemeralPrepay,
          salt: id("ephemeral"),
        }),
      )
    ).wait();
    const ephemeral = await rollupAt(cloneAddress(f, bob.address, TEMPLATE.OrbitWASM, id("ephemeral")));
    // VITAL's and MACH's sets for both rollups, each joined by an operator with SET_STAKE (counted from the next
    // epoch, long before any settlement here): a set that counts no stake would refuse its fees (RewardsNoStake)
    const setIds: bigint[] = [];
    for (const rollup of [permanent, ephemeral]) {
      const key = coder.encode(["address"], [await rollup.getAddress()]);
      for (const service of [vital, mach]) {
        await (await operatorSets.connect(service).createSet(key, 0, 10)).wait();
        setIds.push(await operatorSets.setIdOf(service.address, key));
      }
    }
    const registry = await hre.ethers.getContractAt("RestakingRegistry", await operatorSets.registry());
    const operator = new Wallet(id("alt-test-operator:rollup-tasks"), hre.ethers.provider);
    await setBalance(operator.address, 10n ** 20n);
    const stake = SET_STAKE * BigInt(setIds.length);
    await (await f.token.connect(f.signers[7]).transfer(operator.address, stake)).wait();
    await (await f.token.connect(operator).approve(await registry.getAddress(), stake)).wait();
    await (await registry.connect(operator).registerOperator("ipfs://rollup-tasks", 0)).wait();
    await (await registry.connect(operator).stake(operator.address, 0, stake)).wait();
    for (const setId of setIds) await (await operatorSets.connect(operator).join(setId, SET_STAKE)).wait();
    return {
      ...f,
      permanent,
      permanentAddress: await permanent.getAddress(),
      permanentCreatedAt,
      ephemeral,
      ephemeralAddress: await ephemeral.getAddress(),
      ephemeralCreatedAt,
      ephemeralExpiry,
      ephemeralPrepay,
    };
  }

  /** `permanent` with two forced-inclusion items queued by carol: 5 ALT at `queuedAt`, 7 ALT an hour later. */
  async function queuedFixture() {
    const f = await loadFixture(rollupsFixture);
    const { permanent, permanentAddress, token, carol } = f;
    await (await token.connect(carol).approve(permanentAddress, 12n * ALT)).wait();
    const queuedAt = (await time.latest()) + 10;
    await time.setNextBlockTimestamp(queuedAt);
    await (await permanent.connect(carol).queueTransaction(id("tx-0"), 5n * ALT)).wait();
    await time.setNextBlockTimestamp(queuedAt + HOUR);
    await (await permanent.connect(carol).queueTransaction(id("tx-1"), 7n * ALT)).wait();
    return { ...f, queuedAt, deadlines: [queuedAt + INCLUSION_DELAY, queuedAt + HOUR + INCLUSION_DELAY] };
  }

  describe("rollup templates", function () {
    const optimistic = {
      proofSystem: "optimistic",
      challengePeriod: days(7),
      outputInterval: 1_800n,
      outputBond: OUTPUT_BOND,
    };
    const allDa = ["EthereumBlobs", "Celestia", "EigenDA", "Avail"];

    it("returns the five templates of the parameter file with their DA layers, intervals and fees", async function () {
      const { implementation, verifier } = await load(deployedFixture);
      const views = await task<TemplateView[]>("rollup templates", { json: true });
      const common = { deprecated: false, implementation, version: 1, creationFee: CREATION_FEE };
      const validity = { proofSystem: "validity", challengePeriod: 0, verifier, outputInterval: 600n, outputBond: 0n };
      expect(views).to.deep.equal([
        {
          id: 0,
          name: "OPStack-EVM",
          stack: "OPStack",
          vm: "EVM",
          daLayers: allDa,
          ...optimistic,
          ...common,
          verifier: ZeroAddress,
        },
        {
          id: 1,
          name: "ArbitrumOrbit-EVM",
          stack: "ArbitrumOrbit",
          vm: "EVM",
          daLayers: allDa,
          ...optimistic,
          ...common,
          verifier: ZeroAddress,
        },
        {
          id: 2,
          name: "ArbitrumOrbit-WASM",
          stack: "ArbitrumOrbit",
          vm: "WASM",
          daLayers: allDa,
          ...optimistic,
          ...common,
          verifier: ZeroAddress,
        },
        {
          id: 3,
          name: "ZKStack-EVM",
          stack: "ZKStack",
          vm: "EVM",
          daLayers: ["EthereumBlobs", "Celestia", "Avail"],
          ...validity,
          ...common,
        },
        { id: 4, name: "PolygonCDK-EVM", stack: "PolygonCDK", vm: "EVM", daLayers: allDa, ...validity, ...common },
      ]);
    });

    it("prints exactly the returned data as JSON with --json", async function () {
      await load(deployedFixture);
      const { result, lines } = await runTask<TemplateView[]>("rollup templates", { json: true });
      const printed = JSON.parse(lines.join("\n"));
      expect(printed).to.deep.equal(asJson(result));
      expect(printed[0].creationFee).to.equal((1_000n * ALT).toString());
      expect(printed[3].outputInterval).to.equal("600");
    });

    it("prints one line per template, marking a deprecated one", async function () {
      const { factory, deployer } = await load(deployedFixture);
      await (await factory.connect(deployer).deprecateTemplate(TEMPLATE.OrbitEVM)).wait();
      const { result, lines } = await runTask<TemplateView[]>("rollup templates", { json: false });
      expect(result.map((t) => t.deprecated)).to.deep.equal([false, true, false, false, false]);
      const all = "EthereumBlobs, Celestia, EigenDA, Avail";
      expect(lines).to.deep.equal([
        `0 OPStack-EVM v1 optimistic: DA ${all}; output every 1800 L2 blocks; creation fee 1,000 ALT; output bond 1,000 ALT`,
        `1 ArbitrumOrbit-EVM v1 optimistic (deprecated): DA ${all}; output every 1800 L2 blocks; creation fee 1,000 ALT; output bond 1,000 ALT`,
        `2 ArbitrumOrbit-WASM v1 optimistic: DA ${all}; output every 1800 L2 blocks; creation fee 1,000 ALT; output bond 1,000 ALT`,
        "3 ZKStack-EVM v1 validity: DA EthereumBlobs, Celestia, Avail; output every 600 L2 blocks; creation fee 1,000 ALT",
        `4 PolygonCDK-EVM v1 validity: DA ${all}; output every 600 L2 blocks; creation fee 1,000 ALT`,
      ]);
    });
  });

  describe("rollup predict-address", function () {
    it("predicts the address rollup create reports and the factory records under the chain ID", async function () {
      const f = await load(deployedFixture);
      const { factory, alice } = f;
      const salt = id("my rollup");
      const expected = cloneAddress(f, alice.address, TEMPLATE.ZKStack, salt);
      const { result, lines } = await runTask<PredictResult>("rollup predict-address", {
        template: "ZKStack-EVM",
        salt: "my rollup",
        creator: alice.address.toLowerCase(),
        json: false,
      });
      expect(result).to.deep.equal({ address: expected, creator: alice.address, templateId: 3, salt });
      expect(lines).to.deep.equal([`${expected} (template ZKStack-EVM, creator ${alice.address})`]);
      expect(await hre.ethers.provider.getCode(expected)).to.equal("0x");

      const created = await task<CreateResult>("rollup create", {
        template: "3",
        chainId: "777",
        salt: "my rollup",
        services: "MACH",
        from: alice.address,
        approve: true,
        json: true,
      });
      expect(created.address).to.equal(expected);
      expect(await factory.rollupByChainId(777)).to.equal(expected);
      expect(await factory.rollupAt(0)).to.equal(expected);
      expect(await (await rollupAt(expected)).chainId()).to.equal(777n);
    });

    it("takes a 32-byte hex salt as it is and defaults the creator to the first account", async function () {
      const f = await load(deployedFixture);
      const salt = id("raw");
      const result = await task<PredictResult>("rollup predict-address", { template: "0", salt, json: true });
      expect(result).to.deep.equal({
        address: cloneAddress(f, f.deployer.address, TEMPLATE.OPStack, salt),
        creator: f.deployer.address,
        templateId: 0,
        salt,
      });
    });

    it("predicts the address from the random salt rollup create draws by default and reports", async function () {
      const f = await load(deployedFixture);
      const created: CreateResult[] = [];
      for (const chainId of ["5151", "5152"]) {
        created.push(
          await task<CreateResult>("rollup create", {
            template: "OPStack-EVM",
            chainId,
            from: f.bob.address,
            approve: true,
            json: true,
          }),
        );
      }
      const predicted = await task<PredictResult>("rollup predict-address", {
        template: "OPStack-EVM",
        salt: created[0].salt,
        creator: f.bob.address,
        json: true,
      });
      expect(created[0].address).to.equal(predicted.address);
      expect(await f.factory.rollupByChainId(5151)).to.equal(predicted.address);
      // not derived from the chain ID (whoever could guess the salt would learn the chain ID from the commitment)
      expect(created[0].salt).to.match(/^0x[0-9a-f]{64}$/);
      expect(created[1].salt).to.not.equal(created[0].salt);
      for (const salt of [id("ALT rollup 5151"), id("5151")]) expect(created[0].salt).to.not.equal(salt);
    });

    it("refuses an unknown template and a malformed creator", async function () {
      await load(deployedFixture);
      await expectRefused(
        "rollup predict-address",
        { template: "OPStack", salt: "x", json: true },
        `unknown template OPStack: one of ${TEMPLATE_LIST}`,
      );
      await expectRefused(
        "rollup predict-address",
        { template: "0", salt: "x", creator: "0x1234", json: true },
        "--creator is not a valid address: 0x1234",
      );
    });
  });

  describe("rollup create", function () {
    it("creates a permanent rollup by default, approving and prepaying the 30-day minimum", async function () {
      const f = await load(deployedFixture);
      const { factory, token, alice, treasury, factoryAddress } = f;
      expect(PERMANENT_PREPAY).to.equal(5_184n * ALT);
      const aliceBefore = await token.balanceOf(alice.address);
      const treasuryBefore = await token.balanceOf(treasury.address);
      const { result, lines } = await runTask<CreateResult>("rollup create", {
        template: "OPStack-EVM",
        chainId: "424242",
        from: alice.address,
        approve: true,
        json: false,
      });
      const salt = result.salt;
      const address = cloneAddress(f, alice.address, TEMPLATE.OPStack, salt);
      expect(result).to.deep.equal({
        address,
        chainId: 424242n,
        template: "OPStack-EVM",
        owner: alice.address,
        services: ["VITAL", "MACH"],
        expiry: 0,
        prepaidFees: PERMANENT_PREPAY,
        creationFee: CREATION_FEE,
        salt,
        approval: result.approval,
        commit: result.commit,
        tx: result.tx,
      });
      // approval, commitment, creation in three blocks in a row: the creation COMMIT_DELAY after the commitment
      const [approval, commit] = [result.approval!, result.commit!];
      expect([approval.block, commit.block]).to.deep.equal([result.tx.block - 2, result.tx.block - 1]);
      await expect(transaction(approval.hash))
        .to.emit(token, "Approval")
        .withArgs(alice.address, factoryAddress, CREATION_FEE + PERMANENT_PREPAY);
      const committedAt = await blockTime(commit.block);
      const commitment = keccak256(coder.encode(["address", "uint256", "bytes32"], [alice.address, 424242, salt]));
      await expect(transaction(commit.hash))
        .to.emit(factory, "RollupCommitted")
        .withArgs(commitment, alice.address, committedAt + COMMIT_DELAY, committedAt + COMMIT_TTL);
      expect(await blockTime(result.tx.block)).to.equal(committedAt + COMMIT_DELAY);
      expect(await factory.committedAt(commitment)).to.equal(0n); // spent
      await expect(transaction(result.tx.hash))
        .to.emit(factory, "RollupCreated")
        .withArgs(0, address, 424242, alice.address, [
          TEMPLATE.OPStack,
          DA.EthereumBlobs,
          "0x",
          424242,
          alice.address,
          alice.address,
          alice.address,
          SERVICE.VITAL | SERVICE.MACH,
          DEFAULT_THRESHOLD,
          0,
          PERMANENT_PREPAY,
          salt,
        ]);
      expect(aliceBefore - (await token.balanceOf(alice.address))).to.equal(CREATION_FEE + PERMANENT_PREPAY);
      expect((await token.balanceOf(treasury.address)) - treasuryBefore).to.equal(CREATION_FEE);
      expect(await token.balanceOf(address)).to.equal(PERMANENT_PREPAY);
      expect(await token.allowance(alice.address, factoryAddress)).to.equal(0n);

      const rollup = await rollupAt(address);
      const createdAt = await blockTime(result.tx.block);
      expect(await rollup.owner()).to.equal(alice.address);
      expect(await rollup.sequencer()).to.equal(alice.address);
      expect(await rollup.proposer()).to.equal(alice.address);
      expect(await rollup.services()).to.equal(3n);
      expect(await rollup.fastFinalityBps()).to.equal(DEFAULT_THRESHOLD);
      expect(await rollup.expiry()).to.equal(0n);
      expect(await rollup.daLayer()).to.equal(BigInt(DA.EthereumBlobs));
      expect(await rollup.paid()).to.equal(PERMANENT_PREPAY);
      expect(await rollup.paidUntil()).to.equal(BigInt(createdAt + MIN_PREPAID));
      expect(await factory.rollupCount()).to.equal(1n);
      expect(await factory.rollupByChainId(424242)).to.equal(address);

      expect(lines).to.deep.equal([
        txLine("approved the factory", approval),
        txLine(`committed to the creation (salt ${salt})`, commit),
        txLine(`created rollup ${address} (chain ID 424242, OPStack-EVM)`, result.tx),
        "  permanent; services VITAL, MACH; prepaid 5,184 ALT, creation fee 1,000 ALT",
      ]);
    });

    it("prints exactly the returned data as JSON with --json", async function () {
      const { alice } = await load(deployedFixture);
      const { result, lines } = await runTask<CreateResult>("rollup create", {
        template: "0",
        chainId: "9",
        from: alice.address,
        approve: true,
        json: true,
      });
      const printed = JSON.parse(lines.join("\n"));
      expect(printed).to.deep.equal(asJson(result));
      expect(printed.prepaidFees).to.equal(PERMANENT_PREPAY.toString());
      expect(printed.approval.hash).to.equal(result.approval!.hash);
    });

    it("sends no approval when the allowance suffices, even with --approve", async function () {
      const { token, alice, factoryAddress } = await load(deployedFixture);
      await (await token.connect(alice).approve(factoryAddress, CREATION_FEE + PERMANENT_PREPAY)).wait();
      const { result, lines } = await runTask<CreateResult>("rollup create", {
        template: "0",
        chainId: "10",
        from: alice.address,
        approve: true,
        json: false,
      });
      expect(result).not.to.have.property("approval");
      expect(lines).to.have.length(3);
      expect(await token.allowance(alice.address, factoryAddress)).to.equal(0n);
    });

    it("creates an ephemeral rollup with --lifetime: expiry 7 days after its block, 7 days of fees prepaid", async function () {
      const { factory, token, alice, factoryAddress } = await load(deployedFixture);
      await (await token.connect(alice).approve(factoryAddress, FUNDED)).wait();
      const committedAt = (await time.latest()) + 1;
      const createdAt = committedAt + COMMIT_DELAY;
      await time.setNextBlockTimestamp(committedAt);
      const { result, lines } = await runTask<CreateResult>("rollup create", {
        template: "ArbitrumOrbit-WASM",
        chainId: "3003",
        lifetime: "7d",
        from: alice.address,
        json: false,
      });
      const prepay = RATE * 2n * BigInt(days(7));
      expect(prepay).to.equal(1_209_600n * 10n ** 15n); // 1,209.6 ALT
      expect(await blockTime(result.tx.block)).to.equal(createdAt);
      expect(result.expiry).to.equal(createdAt + days(7));
      expect(result.prepaidFees).to.equal(prepay);
      expect(result.template).to.equal("ArbitrumOrbit-WASM");
      const rollup = await rollupAt(result.address);
      expect(await rollup.expiry()).to.equal(BigInt(result.expiry));
      expect(await rollup.paidUntil()).to.equal(BigInt(result.expiry));
      expect(await rollup.paid()).to.equal(prepay);
      expect(await rollup.templateId()).to.equal(2n);
      expect(await token.balanceOf(result.address)).to.equal(prepay);
      // exactly what the factory requires at that block: a second less would be refused
      const params = createParams(alice.address, {
        chainId: 3004,
        expiry: createdAt + 1 + days(7),
        prepaidFees: prepay - 1n,
      });
      await time.setNextBlockTimestamp(createdAt + 1);
      await expect(factory.connect(alice).createRollup(params))
        .to.be.revertedWithCustomError(factory, "FactoryPrepaymentTooLow")
        .withArgs(prepay - 1n, prepay);
      expect(await blockTime(result.commit!.block)).to.equal(committedAt);
      expect(lines).to.deep.equal([
        txLine(`committed to the creation (salt ${result.salt})`, result.commit!),
        txLine(`created rollup ${result.address} (chain ID 3003, ArbitrumOrbit-WASM)`, result.tx),
        `  expires ${isoTime(createdAt + days(7))}; services VITAL, MACH; prepaid 1,209.6 ALT, creation fee 1,000 ALT`,
      ]);
    });

    // Regression (rollup create, fixed): the expiry was `latest block time + 1 + lifetime`, computed before the
    // approval that --approve may send; the creation then landed a block later, so the rollup lived one second less
    // than --lifetime. The expiry is now computed from the creation block's time, which the task sets on a Hardhat
    // chain (COMMIT_DELAY after the commitment), so it is exact however slowly the chain runs.
    it("with --approve, an ephemeral rollup still expires --lifetime after its creation block", async function () {
      const { alice } = await load(deployedFixture);
      const result = await task<CreateResult>("rollup create", {
        template: "0",
        chainId: "3005",
        lifetime: "7d",
        from: alice.address,
        approve: true,
        json: true,
      });
      expect(result.approval).not.to.equal(undefined);
      expect(result.expiry).to.equal((await blockTime(result.tx.block)) + days(7));
    });

    it("sequences through SQUAD with --sequencer squad, or by default, when SQUAD is among the services", async function () {
      const { token, alice } = await load(deployedFixture);
      const prepay = RATE * 3n * BigInt(MIN_PREPAID);
      expect(prepay).to.equal(7_776n * ALT);
      for (const [chainId, sequencer] of [
        ["4004", "squad"],
        ["4014", undefined],
      ]) {
        const before = await token.balanceOf(alice.address);
        const result = await task<CreateResult>("rollup create", {
          template: "ArbitrumOrbit-WASM",
          chainId,
          sequencer,
          services: "vital, MACH,Squad",
          from: alice.address,
          approve: true,
          json: true,
        });
        expect(result.services).to.deep.equal(["VITAL", "MACH", "SQUAD"]);
        expect(result.prepaidFees).to.equal(prepay);
        const rollup = await rollupAt(result.address);
        expect(await rollup.sequencer()).to.equal(ZeroAddress);
        expect(await rollup.services()).to.equal(7n);
        expect(before - (await token.balanceOf(alice.address))).to.equal(CREATION_FEE + prepay);
      }
    });

    it("creates a rollup without restaked services with --services none: only the creation fee is paid", async function () {
      const { token, alice, treasury } = await load(deployedFixture);
      const before = await token.balanceOf(alice.address);
      const treasuryBefore = await token.balanceOf(treasury.address);
      const { result, lines } = await runTask<CreateResult>("rollup create", {
        template: "0",
        chainId: "5005",
        services: "none",
        from: alice.address,
        approve: true,
        json: false,
      });
      expect(result.services).to.deep.equal([]);
      expect(result.prepaidFees).to.equal(0n);
      const rollup = await rollupAt(result.address);
      expect(await rollup.services()).to.equal(0n);
      expect(await rollup.paidUntil()).to.equal(MAX_UINT48);
      expect(await token.balanceOf(result.address)).to.equal(0n);
      expect(before - (await token.balanceOf(alice.address))).to.equal(CREATION_FEE);
      expect((await token.balanceOf(treasury.address)) - treasuryBefore).to.equal(CREATION_FEE);
      expect(lines[3]).to.equal("  permanent; services none; prepaid 0 ALT, creation fee 1,000 ALT");
    });

    it("sets the MACH threshold with --threshold, from 5001 to 10000 bps", async function () {
      const { alice } = await load(deployedFixture);
      for (const [chainId, threshold] of [
        ["6001", 5_001n],
        ["6002", 7_500n],
        ["6003", 10_000n],
      ] as const) {
        const result = await task<CreateResult>("rollup create", {
          template: "0",
          chainId,
          threshold: threshold.toString(),
          from: alice.address,
          approve: true,
          json: true,
        });
        expect(await (await rollupAt(result.address)).fastFinalityBps()).to.equal(threshold);
      }
    });

    it("records the DA layer of --da and the configuration bytes of --da-config", async function () {
      const { factory, alice } = await load(deployedFixture);
      const result = await task<CreateResult>("rollup create", {
        template: "ZKStack-EVM",
        chainId: "7007",
        da: "Celestia",
        daConfig: "0xdeadbeef",
        services: "MACH",
        from: alice.address,
        approve: true,
        json: true,
      });
      const rollup = await rollupAt(result.address);
      expect(await rollup.daLayer()).to.equal(BigInt(DA.Celestia));
      await expect(transaction(result.tx.hash))
        .to.emit(factory, "RollupCreated")
        .withArgs(0, result.address, 7007, alice.address, [
          TEMPLATE.ZKStack,
          DA.Celestia,
          "0xdeadbeef",
          7007,
          alice.address,
          alice.address,
          alice.address,
          SERVICE.MACH,
          DEFAULT_THRESHOLD,
          0,
          PERMANENT_PREPAY / 2n,
          result.salt,
        ]);
    });

    it("gives the rollup the --owner and --proposer given; the creator pays and sequences", async function () {
      const { factory, token, alice, bob, carol } = await load(deployedFixture);
      const before = await token.balanceOf(alice.address);
      const bobBefore = await token.balanceOf(bob.address);
      const result = await task<CreateResult>("rollup create", {
        template: "0",
        chainId: "8008",
        owner: bob.address.toLowerCase(),
        proposer: carol.address,
        from: alice.address,
        approve: true,
        json: true,
      });
      expect(result.owner).to.equal(bob.address);
      const rollup = await rollupAt(result.address);
      expect(await rollup.owner()).to.equal(bob.address);
      expect(await rollup.proposer()).to.equal(carol.address);
      expect(await rollup.sequencer()).to.equal(alice.address);
      expect([...(await factory.rollupsOf(bob.address))]).to.deep.equal([result.address]);
      expect([...(await factory.rollupsOf(alice.address))]).to.deep.equal([]);
      expect(before - (await token.balanceOf(alice.address))).to.equal(CREATION_FEE + PERMANENT_PREPAY);
      expect(await token.balanceOf(bob.address)).to.equal(bobBefore);
    });

    it("hashes a text --salt and takes a 32-byte hex --salt as it is", async function () {
      const f = await load(deployedFixture);
      const hexSalt = "0x" + "ab".repeat(32);
      const text = await task<CreateResult>("rollup create", {
        template: "0",
        chainId: "9001",
        salt: "hello",
        from: f.alice.address,
        approve: true,
        json: true,
      });
      const hex = await task<CreateResult>("rollup create", {
        template: "0",
        chainId: "9002",
        salt: hexSalt,
        from: f.alice.address,
        approve: true,
        json: true,
      });
      expect(text.address).to.equal(cloneAddress(f, f.alice.address, 0, id("hello")));
      expect(hex.address).to.equal(cloneAddress(f, f.alice.address, 0, hexSalt));
      expect(hex.address).not.to.equal(cloneAddress(f, f.alice.address, 0, id(hexSalt)));
    });

    it("prepays more than the minimum with --prepay: fees paid for longer", async function () {
      const { token, alice } = await load(deployedFixture);
      const result = await task<CreateResult>("rollup create", {
        template: "0",
        chainId: "9100",
        prepay: "6000",
        from: alice.address,
        approve: true,
        json: true,
      });
      expect(result.prepaidFees).to.equal(6_000n * ALT);
      const rollup = await rollupAt(result.address);
      expect(await token.balanceOf(result.address)).to.equal(6_000n * ALT);
      // 6,000 ALT at 0.002 ALT per second: 3,000,000 seconds
      expect(await rollup.paidUntil()).to.equal(BigInt((await blockTime(result.tx.block)) + 3_000_000));
    });

    it("accepts the largest wallet-safe chain ID, 2^53 - 1", async function () {
      const { factory, alice } = await load(deployedFixture);
      const result = await task<CreateResult>("rollup create", {
        template: "0",
        chainId: MAX_CHAIN_ID.toString(),
        from: alice.address,
        approve: true,
        json: true,
      });
      expect(result.chainId).to.equal(MAX_CHAIN_ID);
      expect(await factory.rollupByChainId(MAX_CHAIN_ID)).to.equal(result.address);
    });

    it("uses the sender's live commitment to the chain ID and salt (a resumed run): sends no second one", async function () {
      const { factory, alice } = await load(deployedFixture);
      const salt = id("resumed");
      const commitment = await factory.rollupCommitment(alice, 4242, salt);
      await (await factory.connect(alice).commitRollup(commitment)).wait();
      const committedAt = await time.latest();
      const { result, lines } = await runTask<CreateResult>("rollup create", {
        template: "0",
        chainId: "4242",
        salt: "resumed",
        from: alice.address,
        approve: true,
        json: false,
      });
      expect(result).not.to.have.property("commit");
      expect(result.salt).to.equal(salt);
      // the creation waits for the commitment to be usable
      expect(await blockTime(result.tx.block)).to.equal(committedAt + COMMIT_DELAY);
      expect(await factory.rollupByChainId(4242)).to.equal(result.address);
      expect(lines.map((line) => line.split(":")[0])).to.deep.equal([
        "approved the factory",
        `created rollup ${result.address} (chain ID 4242, OPStack-EVM)`,
        "  permanent; services VITAL, MACH; prepaid 5,184 ALT, creation fee 1,000 ALT",
      ]);
    });

    it("renews the sender's expired commitment, and creates COMMIT_DELAY after the renewal", async function () {
      const { factory, alice } = await load(deployedFixture);
      const salt = id("expired");
      const commitment = await factory.rollupCommitment(alice, 4343, salt);
      await (await factory.connect(alice).commitRollup(commitment)).wait();
      await time.increase(COMMIT_TTL);
      const result = await task<CreateResult>("rollup create", {
        template: "0",
        chainId: "4343",
        salt: "expired",
        from: alice.address,
        approve: true,
        json: true,
      });
      const renewedAt = await blockTime(result.commit!.block);
      await expect(transaction(result.commit!.hash))
        .to.emit(factory, "RollupCommitted")
        .withArgs(commitment, alice.address, renewedAt + COMMIT_DELAY, renewedAt + COMMIT_TTL);
      expect(await blockTime(result.tx.block)).to.equal(renewedAt + COMMIT_DELAY);
      expect(await factory.rollupByChainId(4343)).to.equal(result.address);
    });

    describe("refusals", function () {
      const create = (overrides: Record<string, unknown>) => ({
        template: "OPStack-EVM",
        chainId: "424242",
        approve: true,
        json: true,
        ...overrides,
      });

      it("refuses an unknown template, listing the templates", async function () {
        const { alice } = await load(deployedFixture);
        for (const template of ["OPStack", "5"]) {
          await expectRefused(
            "rollup create",
            create({ template, from: alice.address }),
            `unknown template ${template}: one of ${TEMPLATE_LIST}`,
          );
        }
      });

      it("refuses a deprecated template, by id and by name", async function () {
        const { factory, deployer, alice } = await load(deployedFixture);
        await (await factory.connect(deployer).deprecateTemplate(TEMPLATE.OrbitEVM)).wait();
        for (const template of ["1", "ArbitrumOrbit-EVM"]) {
          await expectRefused(
            "rollup create",
            create({ template, from: alice.address }),
            "template 1 ArbitrumOrbit-EVM is deprecated",
          );
        }
      });

      it("refuses a DA layer the template does not support, and an unknown one", async function () {
        const { alice } = await load(deployedFixture);
        await expectRefused(
          "rollup create",
          create({ template: "ZKStack-EVM", da: "EigenDA", from: alice.address }),
          "template ZKStack-EVM does not support EigenDA: it supports EthereumBlobs, Celestia, Avail",
        );
        await expectRefused(
          "rollup create",
          create({ da: "celestia", from: alice.address }),
          "--da must be one of EthereumBlobs, Celestia, EigenDA, Avail, not celestia",
        );
      });

      it("refuses a --da-config that is not hex", async function () {
        const { alice } = await load(deployedFixture);
        await expectRefused(
          "rollup create",
          create({ daConfig: "deadbeef", from: alice.address }),
          "--da-config must be hex bytes, not deadbeef",
        );
      });

      // Regression (rollup create, fixed): `isHexString(args.daConfig)` accepts an odd number of hex digits, which
      // is not bytes; ethers then throws a TypeError ("invalid BytesLike value") with a stack trace while encoding the
      // call, instead of the one-line refusal. `isHexString(value, true)` would refuse it.
      it("refuses a --da-config with an odd number of hex digits", async function () {
        const { alice } = await load(deployedFixture);
        await expectRefused(
          "rollup create",
          create({ daConfig: "0xabc", from: alice.address }),
          "--da-config must be hex bytes, not 0xabc",
        );
      });

      it("refuses chain ID 0, the host chain's, 2^53 and a malformed one", async function () {
        const { alice } = await load(deployedFixture);
        for (const chainId of [0n, HOST_CHAIN_ID, MAX_CHAIN_ID + 1n]) {
          await expectRefused(
            "rollup create",
            create({ chainId: chainId.toString(), from: alice.address }),
            `chain ID ${chainId} is not allowed: not 0, not the host chain's (31337), at most 9007199254740991`,
          );
        }
        await expectRefused(
          "rollup create",
          create({ chainId: "-5", from: alice.address }),
          "--chain-id must be a whole number, not -5",
        );
      });

      it("refuses a chain ID taken, naming the rollup that holds it", async function () {
        const { alice, bob } = await load(deployedFixture);
        const first = await task<CreateResult>("rollup create", create({ from: alice.address }));
        await expectRefused(
          "rollup create",
          create({ from: bob.address, salt: "other" }),
          `chain ID 424242 is taken (by ${first.address}), forever`,
        );
      });

      it("refuses VITAL on a validity template, which has no challenge period (the default --services included)", async function () {
        const { factory, alice } = await load(deployedFixture);
        const refusal =
          "VITAL needs a challenge period: template ZKStack-EVM (validity) has none; leave VITAL out of --services";
        for (const services of [undefined, "VITAL", "VITAL,MACH,SQUAD"]) {
          await expectRefused(
            "rollup create",
            create({ template: "ZKStack-EVM", services, from: alice.address }),
            refusal,
          );
        }
        expect(await factory.rollupCount()).to.equal(0n);
      });

      it("refuses --sequencer squad without SQUAD among the services", async function () {
        const { alice } = await load(deployedFixture);
        await expectRefused(
          "rollup create",
          create({ sequencer: "squad", from: alice.address }),
          "--sequencer squad needs SQUAD among --services",
        );
      });

      it("refuses SQUAD with a sequencer of its own, naming --sequencer squad, and sends nothing", async function () {
        const { factory, token, alice, bob } = await load(deployedFixture);
        const before = await token.balanceOf(alice.address);
        await expectRefused(
          "rollup create",
          create({ services: "VITAL,MACH,SQUAD", sequencer: bob.address, from: alice.address }),
          "SQUAD sequences only a rollup without a sequencer of its own: use --sequencer squad (or leave it out), or " +
            "leave SQUAD out of --services",
        );
        expect(await factory.rollupCount()).to.equal(0n);
        expect(await token.balanceOf(alice.address)).to.equal(before);
      });

      it("refuses unknown --services", async function () {
        const { alice } = await load(deployedFixture);
        for (const services of ["VITAL,FOO", ""]) {
          await expectRefused(
            "rollup create",
            create({ services, from: alice.address }),
            `--services takes VITAL, MACH and SQUAD separated by commas, or none, not ${services}`,
          );
        }
      });

      it("refuses a --threshold of 5000 bps or less, above 10000 bps, or malformed", async function () {
        const { alice } = await load(deployedFixture);
        for (const threshold of ["5000", "10001"]) {
          await expectRefused(
            "rollup create",
            create({ threshold, from: alice.address }),
            `--threshold must be above 5000 and at most 10000 bps, not ${threshold}`,
          );
        }
        await expectRefused(
          "rollup create",
          create({ threshold: "66.67", from: alice.address }),
          "--threshold must be a whole number, not 66.67",
        );
      });

      it("refuses a zero or malformed --lifetime", async function () {
        const { alice } = await load(deployedFixture);
        for (const lifetime of ["0", "0d"]) {
          await expectRefused(
            "rollup create",
            create({ lifetime, from: alice.address }),
            "--lifetime must be longer than zero",
          );
        }
        await expectRefused(
          "rollup create",
          create({ lifetime: "forever", from: alice.address }),
          '--lifetime: invalid duration "forever": use seconds or a number with s, m, h, d, w, mo or y',
        );
      });

      // Regression (rollup create, fixed): a --lifetime whose expiry does not fit the factory's uint48 (e.g. 10000000y,
      // expiry ≈ 3.15e14 > 2^48 − 1) is not checked; ethers throws "TypeError: value out-of-bounds (argument=\"expiry\")"
      // with a stack trace while encoding requiredPrepayment, instead of a one-line refusal.
      it("refuses a --lifetime whose expiry does not fit in 48 bits", async function () {
        const { alice } = await load(deployedFixture);
        const block = await hre.ethers.provider.getBlockNumber();
        await expectTaskFailure(
          "rollup create",
          create({ lifetime: "10000000y", from: alice.address }),
          /^--lifetime /,
        );
        expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
      });

      it("refuses a --prepay below what the factory requires, and a malformed one", async function () {
        const { alice } = await load(deployedFixture);
        await expectRefused(
          "rollup create",
          create({ prepay: "5183.999", from: alice.address }),
          "--prepay 5,183.999 ALT is below the 5,184 ALT required",
        );
        await expectRefused(
          "rollup create",
          create({ lifetime: "1d", prepay: "172.7", from: alice.address }),
          "--prepay 172.7 ALT is below the 172.8 ALT required",
        );
        await expectRefused(
          "rollup create",
          create({ prepay: "lots", from: alice.address }),
          '--prepay: invalid amount "lots": expected a non-negative decimal',
        );
      });

      it("simulates the creation before sending anything: a refusal only the factory knows ends the task, nothing sent", async function () {
        const { factory, deployer, alice } = await load(deployedFixture);
        // a settlement window shorter than the templates' 7-day challenge period: rollup create does not check it
        await (await factory.connect(deployer).setSettlementWindow(days(7) - 1)).wait();
        const block = await hre.ethers.provider.getBlockNumber();
        await expectRefused(
          "rollup create",
          create({ from: alice.address }),
          `the contract refused the transaction: FactorySettlementWindowTooShort(${days(7) - 1}, ${days(7)})`,
        );
        expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
      });

      it("refuses a --salt the sender created a rollup of the template with already, sending nothing", async function () {
        const { alice } = await load(deployedFixture);
        const first = await task<CreateResult>("rollup create", create({ salt: "mine", from: alice.address }));
        const block = await hre.ethers.provider.getBlockNumber();
        await expectRefused(
          "rollup create",
          create({ chainId: "424243", salt: "mine", from: alice.address }),
          `${alice.address} created a rollup from template OPStack-EVM with this salt already (${first.address})`,
        );
        expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
      });

      it("refuses a creator without enough ALT for the fee and the prepayment", async function () {
        const { alice, poor } = await load(deployedFixture);
        await expectRefused(
          "rollup create",
          create({ from: poor.address }),
          `${poor.address} holds 0 ALT; this needs 6,184 ALT`,
        );
        await expectRefused(
          "rollup create",
          create({ prepay: "99000.5", from: alice.address }),
          `${alice.address} holds 100,000 ALT; this needs 100,000.5 ALT`,
        );
      });

      it("refuses a short allowance without --approve", async function () {
        const { token, alice, factoryAddress } = await load(deployedFixture);
        await expectRefused(
          "rollup create",
          create({ approve: false, from: alice.address }),
          "allowance 0 ALT is below the 6,184 ALT needed: pass --approve",
        );
        await (await token.connect(alice).approve(factoryAddress, 6_183n * ALT)).wait();
        await expectRefused(
          "rollup create",
          create({ approve: false, from: alice.address }),
          "allowance 6,183 ALT is below the 6,184 ALT needed: pass --approve",
        );
      });

      it("refuses malformed addresses and a --from that is not an account", async function () {
        const { alice } = await load(deployedFixture);
        for (const [option, flag] of [
          ["owner", "--owner"],
          ["proposer", "--proposer"],
          ["sequencer", "--sequencer"],
          ["from", "--from"],
        ]) {
          await expectRefused(
            "rollup create",
            create({ from: alice.address, [option]: "0x1234" }),
            `${flag} is not a valid address: 0x1234`,
          );
        }
        const stranger = "0x000000000000000000000000000000000000dEaD";
        await expectRefused(
          "rollup create",
          create({ from: stranger }),
          `--from ${stranger} is not an account of network hardhat`,
        );
      });

      // Regression (rollup create, fixed): the zero address passes as --owner / --proposer (parseAddress accepts
      // it); the task then sends createRollup, which reverts with FactoryZeroAddress(): a raw "VM Exception ...
      // reverted with custom error 'FactoryZeroAddress()'" with a stack trace instead of a one-line refusal (SPEC 4).
      // Two blocks are mined meanwhile: the --approve approval (the allowance stays raised) and the reverted call.
      it("refuses the zero address as --owner or --proposer", async function () {
        const { alice } = await load(deployedFixture);
        for (const option of ["owner", "proposer"]) {
          const block = await hre.ethers.provider.getBlockNumber();
          // any one-line refusal naming the option (the wording is the task's to choose)
          await expectTaskFailure("rollup create", create({ from: alice.address, [option]: ZeroAddress }), /^--/);
          expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
        }
      });
    });
  });

  describe("rollup list", function () {
    it("lists every rollup with its chain ID, status, lifetime and owner", async function () {
      const { alice, bob, permanentAddress, ephemeralAddress, ephemeralExpiry } = await load(rollupsFixture);
      const { result, lines } = await runTask<ListEntry[]>("rollup list", { json: false });
      expect(result).to.deep.equal([
        { address: permanentAddress, chainId: 1001n, owner: alice.address, status: "Active", expiry: 0 },
        { address: ephemeralAddress, chainId: 1002n, owner: bob.address, status: "Active", expiry: ephemeralExpiry },
      ]);
      expect(lines).to.deep.equal([
        `1001 ${permanentAddress} Active, permanent, owner ${alice.address}`,
        `1002 ${ephemeralAddress} Active, expires ${isoTime(ephemeralExpiry)}, owner ${bob.address}`,
      ]);
    });

    it("shows an expired rollup as Settling", async function () {
      const { ephemeralExpiry } = await load(rollupsFixture);
      await time.increaseTo(ephemeralExpiry);
      const result = await task<ListEntry[]>("rollup list", { json: true });
      expect(result.map((r) => r.status)).to.deep.equal(["Active", "Settling"]);
    });

    it("keeps only the rollups of --owner", async function () {
      const { bob, carol, ephemeralAddress } = await load(rollupsFixture);
      const result = await task<ListEntry[]>("rollup list", { owner: bob.address.toLowerCase(), json: true });
      expect(result.map((r) => r.address)).to.deep.equal([ephemeralAddress]);
      const { result: none, lines } = await runTask<ListEntry[]>("rollup list", { owner: carol.address, json: false });
      expect(none).to.deep.equal([]);
      expect(lines).to.deep.equal(["no rollups"]);
    });

    it("prints that there is none before any rollup, and JSON with --json", async function () {
      await load(deployedFixture);
      const { result, lines } = await runTask<ListEntry[]>("rollup list", { json: false });
      expect(result).to.deep.equal([]);
      expect(lines).to.deep.equal(["no rollups"]);
      await load(rollupsFixture);
      const json = await runTask<ListEntry[]>("rollup list", { json: true });
      expect(JSON.parse(json.lines.join("\n"))).to.deep.equal(asJson(json.result));
    });

    it("refuses a malformed --owner", async function () {
      await load(rollupsFixture);
      await expectRefused("rollup list", { owner: "alice", json: true }, "--owner is not a valid address: alice");
    });
  });

  describe("rollup info", function () {
    it("shows a fresh rollup, by address and by chain ID", async function () {
      const { alice, permanentAddress, permanentCreatedAt } = await load(rollupsFixture);
      const expected: RollupInfo = {
        address: permanentAddress,
        chainId: 1001n,
        templateId: 0,
        owner: alice.address,
        pendingOwner: ZeroAddress,
        status: "Active",
        paused: false,
        pausedUntil: 0,
        daLayer: "EthereumBlobs",
        sequencer: alice.address,
        proposer: alice.address,
        // the rollup's first creation
        portal: getCreateAddress({ from: permanentAddress, nonce: 1 }),
        services: ["VITAL", "MACH"],
        fastFinalityBps: 6_667,
        proofSystem: "optimistic",
        challengePeriod: days(7),
        outputBond: OUTPUT_BOND,
        expiry: 0,
        paidUntil: permanentCreatedAt + MIN_PREPAID,
        escrow: PERMANENT_PREPAY,
        streamed: 0n,
        batches: { count: 0n, root: ZeroHash },
        outputs: { count: 0n, finalized: 0n },
        queue: { length: 0n, included: 0n, minFee: ALT }, // hardhat.json's minQueueFee
      };
      const { result, lines } = await runTask<RollupInfo>("rollup info", { rollup: permanentAddress, json: true });
      expect(result).to.deep.equal(expected);
      expect(JSON.parse(lines.join("\n"))).to.deep.equal(asJson(expected));
      expect(await task<RollupInfo>("rollup info", { rollup: "1001", json: true })).to.deep.equal(expected);
      expect(
        await task<RollupInfo>("rollup info", { rollup: permanentAddress.toLowerCase(), json: true }),
      ).to.deep.equal(expected);
    });

    it("shows the batch chain and the latest output after a batch and an output", async function () {
      const { permanent, permanentAddress, permanentCreatedAt, alice, token } = await load(rollupsFixture);
      const commitment = id("batch-0");
      const stateRoot = id("output-0");
      await (await permanent.connect(alice).appendBatch(commitment, 0)).wait();
      await (await token.connect(alice).approve(permanentAddress, OUTPUT_BOND)).wait();
      const proposedAt = permanentCreatedAt + DAY;
      await time.setNextBlockTimestamp(proposedAt);
      await (await permanent.connect(alice).proposeOutput(1_800, stateRoot, ZeroHash)).wait();
      await time.increaseTo(proposedAt + 2 * HOUR); // the latest block: "now" of the relative times
      const { result, lines } = await runTask<RollupInfo>("rollup info", { rollup: "1001", json: false });
      const batchRoot = batchRootOf(ZeroHash, commitment, 0);
      expect(result.batches).to.deep.equal({ count: 1n, root: batchRoot });
      // the output root binds the state root to the batch chain at proposal (one batch) and no parent
      const root = outputRootOf({ l2BlockNumber: 1_800n, stateRoot, batchCount: 1n, batchRoot });
      const finalizesAt = proposedAt + days(7);
      expect(result.outputs).to.deep.equal({
        count: 1n,
        finalized: 0n,
        latest: { index: 0, l2BlockNumber: 1_800n, root, stateRoot, batchCount: 1n, status: "Proposed" },
        next: { index: 0, status: "Proposed", proposedAt, finalizesAt },
      });
      expect(result.queue).to.deep.equal({ length: 0n, included: 0n, minFee: ALT });
      expect(result.escrow).to.equal(PERMANENT_PREPAY);
      expect(lines).to.deep.equal([
        `rollup ${permanentAddress} (chain ID 1001, template 0): Active`,
        `  owner ${alice.address}; sequencer ${alice.address}; proposer ${alice.address}; DA EthereumBlobs`,
        "  services VITAL, MACH; fast finality at 6667 bps",
        `  bridge portal ${await permanent.portal()} (bridge deposit, bridge withdrawals)`,
        "  optimistic proofs, challenge period 1w; output bond 1,000 ALT",
        `  permanent; fees paid until ${isoTime(result.paidUntil)} (in 28d 22h); escrow 5,184 ALT, streamed 0 ALT`,
        `  batches 1 (root ${batchRootOf(ZeroHash, commitment, 0)}); forced-inclusion queue 0 (0 included; minimum fee 1 ALT)`,
        `  outputs 1 (0 finalized); latest #0 at L2 block 1800: Proposed, root ${root} (state root ${stateRoot}; batches 1)`,
        `  next to finalize #0: Proposed, proposed ${isoTime(proposedAt)} (2h ago); finalizes from ${isoTime(finalizesAt)} (in 6d 22h) (rollup finalize)`,
      ]);
    });

    it("shows the next queue deadline, the pending owner, and an output FastFinalized then Finalized by name", async function () {
      const { permanent, permanentAddress, alice, bob, token, mach, deadlines, queuedAt } = await load(queuedFixture);
      await (await permanent.connect(alice).transferOwnership(bob.address)).wait();
      await (await token.connect(alice).approve(permanentAddress, OUTPUT_BOND)).wait();
      await (await permanent.connect(alice).proposeOutput(1_800, id("state"), ZeroHash)).wait();
      const { root } = await permanent.output(0);
      await (await permanent.connect(mach).fastFinalize(0, 1_800, root, 0n)).wait();
      await time.increaseTo(queuedAt + 3 * HOUR);
      const { result, lines } = await runTask<RollupInfo>("rollup info", { rollup: "1001", json: false });
      expect(result.pendingOwner).to.equal(bob.address);
      expect(result.queue).to.deep.equal({ length: 2n, included: 0n, minFee: ALT, nextDeadline: deadlines[0] });
      expect(lines[1]).to.equal(
        `  owner ${alice.address} (offered to ${bob.address}); sequencer ${alice.address}; proposer ${alice.address}; DA EthereumBlobs`,
      );
      expect(lines[6]).to.match(
        new RegExp(
          `forced-inclusion queue 2 \\(0 included; minimum fee 1 ALT\\); next deadline ${isoTime(deadlines[0])} \\(in 9h\\)$`,
        ),
      );
      expect(lines[7]).to.match(/latest #0 at L2 block 1800: FastFinalized, /);
      expect(lines[8]).to.match(/^  next to finalize #0: FastFinalized, proposed /);
      await time.increaseTo(Number((await permanent.output(0)).proposedAt) + days(7));
      await (await permanent.finalize(0)).wait();
      const after = await runTask<RollupInfo>("rollup info", { rollup: "1001", json: false });
      expect(after.result.outputs.latest!.status).to.equal("Finalized");
      expect(after.result.outputs.next).to.equal(undefined);
      expect(after.lines).to.have.length(8);
    });

    it("shows a paused rollup with the end of its pause, and the past end once it lapsed", async function () {
      const { permanent, permanentAddress, deployer } = await load(rollupsFixture);
      const until = (await time.latest()) + 5 * 86_400;
      await (await permanent.connect(deployer).pauseUntil(until)).wait();
      await time.increaseTo(until - days(4) - 23 * HOUR);
      const { result, lines } = await runTask<RollupInfo>("rollup info", { rollup: "1001", json: false });
      expect([result.paused, result.pausedUntil]).to.deep.equal([true, until]);
      expect(lines[0]).to.equal(
        `rollup ${permanentAddress} (chain ID 1001, template 0): Active, paused until ${isoTime(until)} (in 4d 23h)`,
      );
      await time.increaseTo(until);
      const after = await runTask<RollupInfo>("rollup info", { rollup: "1001", json: false });
      expect([after.result.paused, after.result.pausedUntil]).to.deep.equal([false, until]);
      expect(after.lines[0]).to.equal(`rollup ${permanentAddress} (chain ID 1001, template 0): Active`);
    });

    it("shows the factory's minimum queue fee as it is now, for a rollup created before it changed", async function () {
      const { factory, deployer } = await load(rollupsFixture);
      await (await factory.connect(deployer).setMinQueueFee((5n * ALT) / 2n)).wait();
      const { result, lines } = await runTask<RollupInfo>("rollup info", { rollup: "1001", json: false });
      expect(result.queue).to.deep.equal({ length: 0n, included: 0n, minFee: (5n * ALT) / 2n });
      expect(lines[6]).to.match(/; forced-inclusion queue 0 \(0 included; minimum fee 2\.5 ALT\)$/);
    });

    it("shows an ephemeral rollup's expiry, and Settling once it is sunset", async function () {
      const { ephemeral, ephemeralAddress, ephemeralExpiry, ephemeralPrepay, bob } = await load(rollupsFixture);
      const { result, lines } = await runTask<RollupInfo>("rollup info", { rollup: ephemeralAddress, json: false });
      expect(result).to.deep.include({
        chainId: 1002n,
        templateId: 2,
        owner: bob.address,
        daLayer: "Celestia",
        status: "Active",
        expiry: ephemeralExpiry,
        paidUntil: ephemeralExpiry,
        escrow: ephemeralPrepay,
      });
      expect(lines[0]).to.equal(`rollup ${ephemeralAddress} (chain ID 1002, template 2): Active`);
      const left = ephemeralExpiry - (await time.latest()); // 30 days from the creation, less the fixture's blocks
      const inLeft = `in 29d ${Math.floor((left - days(29)) / HOUR)}h`;
      expect(lines[5]).to.equal(
        `  expires ${isoTime(ephemeralExpiry)} (${inLeft}); fees paid until ${isoTime(ephemeralExpiry)} (${inLeft}); escrow 5,184 ALT, streamed 0 ALT`,
      );
      expect(lines[7]).to.equal("  no outputs");
      await (await ephemeral.connect(bob).sunset()).wait();
      expect((await task<RollupInfo>("rollup info", { rollup: "1002", json: true })).status).to.equal("Settling");
    });

    it("refuses an unknown chain ID, an address that is not a rollup and a malformed one", async function () {
      const { factoryAddress, alice } = await load(rollupsFixture);
      await expectRefused("rollup info", { rollup: "999", json: true }, "no rollup has chain ID 999");
      for (const address of [factoryAddress, alice.address]) {
        await expectRefused(
          "rollup info",
          { rollup: address, json: true },
          `${address} is not a rollup of the factory`,
        );
      }
      await expectRefused("rollup info", { rollup: "0xabc", json: true }, "--rollup is not a valid address: 0xabc");
    });
  });

  describe("rollup extend", function () {
    const EXTEND_COST = RATE * 2n * BigInt(days(7)); // 1,209.6 ALT

    it("moves the expiry by --by, paying rate × services × time, approving the rollup with --approve", async function () {
      const { ephemeral, ephemeralAddress, ephemeralExpiry, ephemeralPrepay, token, bob } = await load(rollupsFixture);
      const before = await token.balanceOf(bob.address);
      const { result, lines } = await runTask<ExtendResult>("rollup extend", {
        by: "7d",
        rollup: "1002",
        from: bob.address,
        approve: true,
        json: false,
      });
      const expiry = ephemeralExpiry + days(7);
      expect(result).to.deep.equal({
        rollup: ephemeralAddress,
        expiry,
        cost: EXTEND_COST,
        approval: result.approval,
        tx: result.tx,
      });
      await expect(transaction(result.approval!.hash))
        .to.emit(token, "Approval")
        .withArgs(bob.address, ephemeralAddress, EXTEND_COST);
      await expect(transaction(result.tx.hash)).to.emit(ephemeral, "Extended").withArgs(expiry, EXTEND_COST);
      expect(await ephemeral.expiry()).to.equal(BigInt(expiry));
      expect(await ephemeral.paidUntil()).to.equal(BigInt(expiry));
      expect(await ephemeral.paid()).to.equal(ephemeralPrepay + EXTEND_COST);
      expect(before - (await token.balanceOf(bob.address))).to.equal(EXTEND_COST);
      expect(await token.balanceOf(ephemeralAddress)).to.equal(ephemeralPrepay + EXTEND_COST);
      expect(lines).to.deep.equal([
        txLine("approved the rollup", result.approval!),
        txLine(`extended to ${isoTime(expiry)} for 1,209.6 ALT`, result.tx),
      ]);
    });

    it("needs --approve when the allowance of the rollup is short, and no approval when it suffices", async function () {
      const { ephemeral, ephemeralAddress, ephemeralExpiry, token, bob } = await load(rollupsFixture);
      await expectRefused(
        "rollup extend",
        { by: "7d", rollup: ephemeralAddress, from: bob.address, json: true },
        "allowance 0 ALT is below the 1,209.6 ALT needed: pass --approve",
      );
      await (await token.connect(bob).approve(ephemeralAddress, EXTEND_COST)).wait();
      const result = await task<ExtendResult>("rollup extend", {
        by: "7d",
        rollup: ephemeralAddress,
        from: bob.address,
        json: true,
      });
      expect(result).not.to.have.property("approval");
      expect(await ephemeral.expiry()).to.equal(BigInt(ephemeralExpiry + days(7)));
    });

    it("refuses a permanent rollup", async function () {
      const { alice, permanentAddress } = await load(rollupsFixture);
      await expectRefused(
        "rollup extend",
        { by: "7d", rollup: "1001", from: alice.address, approve: true, json: true },
        `rollup ${permanentAddress} is permanent: there is no expiry to extend`,
      );
    });

    it("refuses an account that is not the owner", async function () {
      const { bob, carol, ephemeralAddress } = await load(rollupsFixture);
      await expectRefused(
        "rollup extend",
        { by: "7d", rollup: "1002", from: carol.address, approve: true, json: true },
        `${carol.address} is not the owner of ${ephemeralAddress} (${bob.address} is)`,
      );
    });

    it("refuses --by 0 and a malformed --by", async function () {
      const { bob } = await load(rollupsFixture);
      await expectRefused(
        "rollup extend",
        { by: "0", rollup: "1002", from: bob.address, approve: true, json: true },
        "--by must be longer than zero",
      );
      await expectRefused(
        "rollup extend",
        { by: "a week", rollup: "1002", from: bob.address, approve: true, json: true },
        '--by: invalid duration "a week": use seconds or a number with s, m, h, d, w, mo or y',
      );
    });

    it("refuses a rollup past its expiry", async function () {
      const { bob, ephemeralAddress, ephemeralExpiry } = await load(rollupsFixture);
      await time.increaseTo(ephemeralExpiry);
      await expectRefused(
        "rollup extend",
        { by: "7d", rollup: "1002", from: bob.address, approve: true, json: true },
        `rollup ${ephemeralAddress} is Settling, not Active`,
      );
    });
  });

  describe("rollup sunset", function () {
    it("ends the rollup now as its owner: expired at the block, status Settling", async function () {
      const { ephemeral, ephemeralAddress, ephemeralCreatedAt, bob } = await load(rollupsFixture);
      const at = ephemeralCreatedAt + days(10);
      await time.setNextBlockTimestamp(at);
      const { result, lines } = await runTask<{ rollup: string; expiry: number; tx: TxReport }>("rollup sunset", {
        rollup: ephemeralAddress,
        from: bob.address,
        json: false,
      });
      expect(result).to.deep.equal({ rollup: ephemeralAddress, expiry: at, tx: result.tx });
      await expect(transaction(result.tx.hash)).to.emit(ephemeral, "Sunset").withArgs(at);
      expect(await ephemeral.expiry()).to.equal(BigInt(at));
      expect(await ephemeral.paidUntil()).to.equal(BigInt(at));
      expect(await ephemeral.status()).to.equal(1n); // Settling
      expect(lines).to.deep.equal([txLine(`sunset: expired at ${isoTime(at)}`, result.tx)]);
    });

    it("sunsets a permanent rollup", async function () {
      const { permanent, alice } = await load(rollupsFixture);
      const result = await task<{ expiry: number; tx: TxReport }>("rollup sunset", {
        rollup: "1001",
        from: alice.address,
        json: true,
      });
      expect(result.expiry).to.equal(await blockTime(result.tx.block));
      expect(await permanent.expiry()).to.equal(BigInt(result.expiry));
      expect(await permanent.status()).to.equal(1n);
    });

    it("refuses an account that is not the owner, and a rollup already Settling", async function () {
      const { alice, bob, ephemeralAddress } = await load(rollupsFixture);
      await expectRefused(
        "rollup sunset",
        { rollup: "1002", from: alice.address, json: true },
        `${alice.address} is not the owner of ${ephemeralAddress} (${bob.address} is)`,
      );
      await task("rollup sunset", { rollup: "1002", from: bob.address, json: true });
      await expectRefused(
        "rollup sunset",
        { rollup: "1002", from: bob.address, json: true },
        `rollup ${ephemeralAddress} is Settling, not Active`,
      );
    });
  });

  describe("rollup settle", function () {
    /**
     * `ephemeral` sunset by bob 10 days after its creation, its fees streamed by a keeper every epoch before and once
     * right after: all of them credited up to the sunset.
     */
    async function sunsetFixture() {
      const f = await loadFixture(rollupsFixture);
      const sunsetAt = f.ephemeralCreatedAt + days(10);
      const streamedBefore = await streamEachEpoch(
        f.operatorSets,
        f.ephemeral.connect(f.dave),
        2n * RATE,
        sunsetAt - 1,
      );
      await time.setNextBlockTimestamp(sunsetAt);
      await (await f.ephemeral.connect(f.bob).sunset()).wait();
      const streamedAt = sunsetAt + 1;
      const last = Number(await f.ephemeral.lastStreamed());
      await time.setNextBlockTimestamp(streamedAt);
      const final = f.ephemeral.connect(f.dave).streamFees();
      await expect(final)
        .to.emit(f.ephemeral, "FeesStreamed")
        .withArgs(2n * RATE * BigInt(sunsetAt - last), sunsetAt);
      await expect(final).not.to.emit(f.ephemeral, "FeesExpired");
      const streamed = streamedBefore + 2n * RATE * BigInt(sunsetAt - last);
      return { ...f, sunsetAt, settlesAt: sunsetAt + WINDOW, streamed };
    }

    it("refuses before the settlement window has passed, naming when it settles", async function () {
      const { ephemeralAddress, settlesAt } = await load(sunsetFixture);
      await expectRefused(
        "rollup settle",
        { rollup: "1002", json: true },
        `rollup ${ephemeralAddress} settles from ${isoTime(settlesAt)}`,
      );
      await time.increaseTo(settlesAt - 2);
      await expectRefused(
        "rollup settle",
        { rollup: "1002", json: true },
        `rollup ${ephemeralAddress} settles from ${isoTime(settlesAt)}`,
      );
    });

    it("retires the rollup after the window (anyone): fees streamed to its sunset, the rest refunded to the owner", async function () {
      const {
        ephemeral,
        ephemeralAddress,
        ephemeralCreatedAt,
        ephemeralPrepay,
        token,
        rewards,
        bob,
        carol,
        sunsetAt,
        settlesAt,
        streamed,
      } = await load(sunsetFixture);
      // the keeper streamed 10 days of two services: 1,728 ALT
      expect(streamed).to.equal(RATE * 2n * BigInt(sunsetAt - ephemeralCreatedAt));
      expect(await ephemeral.streamed()).to.equal(streamed);
      expect(await ephemeral.lastStreamed()).to.equal(BigInt(sunsetAt));
      await time.increaseTo(settlesAt - 1);
      await time.setNextBlockTimestamp(settlesAt);
      const bobBefore = await token.balanceOf(bob.address);
      const rewardsBefore = await token.balanceOf(await rewards.getAddress());
      const { result, lines } = await runTask<SettleResult>("rollup settle", {
        rollup: ephemeralAddress,
        from: carol.address,
        json: false,
      });
      const refund = ephemeralPrepay - streamed;
      expect(refund).to.equal(3_456n * ALT);
      expect(result).to.deep.equal({ rollup: ephemeralAddress, refund, owner: bob.address, tx: result.tx });
      expect(await blockTime(result.tx.block)).to.equal(settlesAt);
      // nothing left to stream: the settlement only refunds
      await expect(transaction(result.tx.hash)).to.emit(ephemeral, "Retired").withArgs(refund);
      await expect(transaction(result.tx.hash)).not.to.emit(ephemeral, "FeesStreamed");
      await expect(transaction(result.tx.hash)).not.to.emit(ephemeral, "FeesExpired");
      expect((await token.balanceOf(bob.address)) - bobBefore).to.equal(refund);
      expect(await token.balanceOf(await rewards.getAddress())).to.equal(rewardsBefore);
      expect(await token.balanceOf(ephemeralAddress)).to.equal(0n);
      expect(await ephemeral.status()).to.equal(2n); // Retired
      expect(await ephemeral.refunded()).to.equal(refund);
      expect(await ephemeral.streamed()).to.equal(streamed);
      expect(lines).to.deep.equal([txLine(`retired; refunded 3,456 ALT to ${bob.address}`, result.tx)]);
    });

    it("refunds nothing to a rollup that ran its whole prepaid lifetime, its fees streamed every epoch", async function () {
      const f = await load(rollupsFixture);
      const { ephemeral, ephemeralExpiry, ephemeralPrepay, token, rewards, bob } = f;
      const rewardsBefore = await token.balanceOf(await rewards.getAddress());
      // the last stream, in the epoch after the expiry, pays up to the expiry
      const through = Number(await f.operatorSets.epochStart((await f.operatorSets.epochAt(ephemeralExpiry)) + 1n));
      expect(await streamEachEpoch(f.operatorSets, ephemeral.connect(f.dave), 2n * RATE, through)).to.equal(
        ephemeralPrepay,
      );
      expect(await ephemeral.lastStreamed()).to.equal(BigInt(ephemeralExpiry));
      expect((await token.balanceOf(await rewards.getAddress())) - rewardsBefore).to.equal(ephemeralPrepay);
      await time.increaseTo(ephemeralExpiry + WINDOW - 1);
      const bobBefore = await token.balanceOf(bob.address);
      const result = await task<SettleResult>("rollup settle", { rollup: "1002", json: true });
      expect(result.refund).to.equal(0n);
      await expect(transaction(result.tx.hash)).to.emit(ephemeral, "Retired").withArgs(0n);
      expect(await ephemeral.streamed()).to.equal(ephemeralPrepay);
      expect(await token.balanceOf(bob.address)).to.equal(bobBefore);
    });

    it("refuses a permanent rollup until it is sunset", async function () {
      const { permanent, permanentAddress, permanentCreatedAt, token, rewards, alice } = await load(rollupsFixture);
      await expectRefused(
        "rollup settle",
        { rollup: "1001", json: true },
        `rollup ${permanentAddress} is permanent: sunset it first`,
      );
      const sunsetAt = permanentCreatedAt + days(1);
      await time.setNextBlockTimestamp(sunsetAt);
      await task("rollup sunset", { rollup: "1001", from: alice.address, json: true });
      await time.increaseTo(sunsetAt + WINDOW - 1);
      const before = await token.balanceOf(alice.address);
      const rewardsBefore = await token.balanceOf(await rewards.getAddress());
      const result = await task<SettleResult>("rollup settle", { rollup: permanentAddress, json: true });
      // never streamed: by the end of the window its day is older than the previous epoch, so it expired (the rewards
      // distributor pays only the time since the previous epoch began) and the whole prepayment is refunded
      await expect(transaction(result.tx.hash))
        .to.emit(permanent, "FeesExpired")
        .withArgs(permanentCreatedAt, sunsetAt, RATE * BigInt(days(1)))
        .and.to.emit(permanent, "FeesStreamed")
        .withArgs(0n, sunsetAt);
      expect(result.refund).to.equal(PERMANENT_PREPAY);
      expect((await token.balanceOf(alice.address)) - before).to.equal(PERMANENT_PREPAY);
      expect(await token.balanceOf(await rewards.getAddress())).to.equal(rewardsBefore);
      expect(await permanent.streamed()).to.equal(0n);
      expect(await permanent.status()).to.equal(2n);
    });

    it("refuses a rollup already retired", async function () {
      const { ephemeralAddress, settlesAt } = await load(sunsetFixture);
      await time.increaseTo(settlesAt);
      await task("rollup settle", { rollup: "1002", json: true });
      await expectRefused(
        "rollup settle",
        { rollup: "1002", json: true },
        `rollup ${ephemeralAddress} is already retired`,
      );
    });
  });

  describe("rollup force-include", function () {
    it("refuses an empty queue", async function () {
      await load(rollupsFixture);
      await expectRefused(
        "rollup force-include",
        { rollup: "1001", json: true },
        "the forced-inclusion queue is empty",
      );
    });

    it("refuses while the head item is not overdue, naming its deadline", async function () {
      const { deadlines } = await load(queuedFixture);
      const message = `queue item 0 is not overdue: its deadline is ${isoTime(deadlines[0])}`;
      await expectRefused("rollup force-include", { rollup: "1001", json: true }, message);
      await time.increaseTo(deadlines[0] - 1); // the next block is at the deadline: not overdue yet
      await expectRefused("rollup force-include", { rollup: "1001", json: true }, message);
    });

    it("forces the overdue items in after 12 hours and a second: fees to the caller, the sequencer at fault", async function () {
      const { permanent, permanentAddress, token, alice, dave, deadlines } = await load(queuedFixture);
      await time.increaseTo(deadlines[0]);
      await time.setNextBlockTimestamp(deadlines[0] + 1);
      const before = await token.balanceOf(dave.address);
      const { result, lines } = await runTask<ForceIncludeResult>("rollup force-include", {
        rollup: permanentAddress,
        from: dave.address,
        json: false,
      });
      expect(result).to.deep.equal({
        rollup: permanentAddress,
        firstIndex: 0n,
        included: 1n,
        sequencer: alice.address,
        tx: result.tx,
      });
      const commitment = forcedCommitmentOf([id("tx-0")]);
      await expect(transaction(result.tx.hash))
        .to.emit(permanent, "SequencerFault")
        .withArgs(alice.address, 0, deadlines[0])
        .and.to.emit(permanent, "TransactionsIncluded")
        .withArgs(0, 1, dave.address)
        .and.to.emit(permanent, "BatchAppended")
        .withArgs(0, commitment, batchRootOf(ZeroHash, commitment, 1), dave.address);
      expect((await token.balanceOf(dave.address)) - before).to.equal(5n * ALT);
      expect(await token.balanceOf(permanentAddress)).to.equal(PERMANENT_PREPAY + 7n * ALT);
      expect(await permanent.queueHead()).to.equal(1n);
      expect((await permanent.queuedTransaction(0)).included).to.equal(true);
      expect(lines).to.deep.equal([
        txLine(`forced 1 overdue item(s) in from index 0; sequencer ${alice.address} at fault`, result.tx),
      ]);
      // the second item is not overdue yet
      await expectRefused(
        "rollup force-include",
        { rollup: "1001", json: true },
        `queue item 1 is not overdue: its deadline is ${isoTime(deadlines[1])}`,
      );
    });

    it("forces at most --count items, then the rest", async function () {
      const { permanent, token, carol, dave, deadlines } = await load(queuedFixture);
      await time.increaseTo(deadlines[1]);
      const first = await task<ForceIncludeResult>("rollup force-include", {
        rollup: "1001",
        count: "1",
        from: dave.address,
        json: true,
      });
      expect([first.firstIndex, first.included]).to.deep.equal([0n, 1n]);
      const before = await token.balanceOf(carol.address);
      const second = await task<ForceIncludeResult>("rollup force-include", {
        rollup: "1001",
        from: carol.address,
        json: true,
      });
      expect([second.firstIndex, second.included]).to.deep.equal([1n, 1n]);
      expect((await token.balanceOf(carol.address)) - before).to.equal(7n * ALT);
      expect(await permanent.queueHead()).to.equal(2n);
      await expectRefused(
        "rollup force-include",
        { rollup: "1001", json: true },
        "the forced-inclusion queue is empty",
      );
    });

    it("forces every overdue item in one call by default", async function () {
      const { permanent, token, dave, alice, deadlines } = await load(queuedFixture);
      await time.increaseTo(deadlines[1]);
      const before = await token.balanceOf(dave.address);
      const result = await task<ForceIncludeResult>("rollup force-include", {
        rollup: "1001",
        from: dave.address,
        json: true,
      });
      expect([result.firstIndex, result.included]).to.deep.equal([0n, 2n]);
      await expect(transaction(result.tx.hash))
        .to.emit(permanent, "SequencerFault")
        .withArgs(alice.address, 0, deadlines[0])
        .and.to.emit(permanent, "SequencerFault")
        .withArgs(alice.address, 1, deadlines[1]);
      expect((await token.balanceOf(dave.address)) - before).to.equal(12n * ALT);
    });

    it("refuses a --count of zero", async function () {
      const { deadlines } = await load(queuedFixture);
      await time.increaseTo(deadlines[0]);
      await expectRefused(
        "rollup force-include",
        { rollup: "1001", count: "0", json: true },
        "--count must be a positive whole number, not 0",
      );
    });
  });

  describe("rollup propose-output", function () {
    interface ProposeResult {
      rollup: string;
      index: bigint;
      l2BlockNumber: bigint;
      root: string;
      stateRoot: string;
      withdrawalsRoot: string;
      batchCount: bigint;
      bond: bigint;
      approval?: TxReport;
      tx: TxReport;
    }
    /** Template 0 (OP Stack): one output every 1,800 L2 blocks. */
    const INTERVAL = 1_800n;

    it("proposes the next output at the next interval, by the proposer, approving its bond with --approve; then the one after", async function () {
      const { permanent, permanentAddress, alice, token } = await load(rollupsFixture);
      const before = await token.balanceOf(alice.address);
      const { result, lines } = await runTask<ProposeResult>("rollup propose-output", {
        rollup: "1001",
        root: id("output 0"),
        from: alice.address,
        approve: true,
        json: false,
      });
      // --root is the state root; the task reports the output root the rollup bound it to (no batch, no parent)
      const root0 = outputRootOf({
        l2BlockNumber: INTERVAL,
        stateRoot: id("output 0"),
        batchCount: 0n,
        batchRoot: ZeroHash,
      });
      expect([
        result.rollup,
        result.index,
        result.l2BlockNumber,
        result.root,
        result.stateRoot,
        result.batchCount,
        result.bond,
      ]).to.deep.equal([permanentAddress, 0n, INTERVAL, root0, id("output 0"), 0n, OUTPUT_BOND]);
      expect(lines).to.deep.equal([
        txLine("approved the rollup", result.approval!),
        txLine("output 0 proposed at L2 block 1800, bonding 1,000 ALT", result.tx),
        `  output root ${root0} (state root ${id("output 0")}; withdrawals root ${ZeroHash}; batches 0)`,
      ]);
      expect(await token.balanceOf(alice.address)).to.equal(before - OUTPUT_BOND);
      // the next proposal needs its own allowance
      await (await token.connect(alice).approve(permanentAddress, OUTPUT_BOND)).wait();
      await expect(transaction(result.tx.hash))
        .to.emit(permanent, "OutputProposed")
        .withArgs(0, INTERVAL, root0, id("output 0"), ZeroHash, 0n, ZeroHash, ZeroHash, alice.address);
      const next = await task<ProposeResult>("rollup propose-output", {
        rollup: permanentAddress,
        root: id("output 1"),
        withdrawalsRoot: id("withdrawals 1"),
        block: "3600",
        from: alice.address,
        json: true,
      });
      const root1 = outputRootOf({
        l2BlockNumber: 2n * INTERVAL,
        stateRoot: id("output 1"),
        withdrawalsRoot: id("withdrawals 1"),
        batchCount: 0n,
        batchRoot: ZeroHash,
        parentRoot: root0,
      });
      expect([next.index, next.l2BlockNumber, next.root, next.stateRoot, next.withdrawalsRoot]).to.deep.equal([
        1n,
        2n * INTERVAL,
        root1,
        id("output 1"),
        id("withdrawals 1"),
      ]);
      const output = await permanent.output(1);
      expect([output.l2BlockNumber, output.root, output.stateRoot, output.status]).to.deep.equal([
        2n * INTERVAL,
        root1,
        id("output 1"),
        1n,
      ]);
    });

    it("refuses another block, a root that is not 32-byte hex, anyone but the proposer, and a short bond allowance without --approve, sending nothing", async function () {
      const { alice, bob, permanent } = await load(rollupsFixture);
      await expectRefused(
        "rollup propose-output",
        { rollup: "1001", root: id("x"), from: alice.address, json: true },
        "allowance 0 ALT is below the 1,000 ALT needed: pass --approve",
      );
      expect(await permanent.outputCount()).to.equal(0n);
      await expectRefused(
        "rollup propose-output",
        { rollup: "1001", root: id("x"), block: "1799", from: alice.address, json: true },
        "the next output is at L2 block 1800, not 1799",
      );
      await expectRefused(
        "rollup propose-output",
        { rollup: "1001", root: "0x1234", from: alice.address, json: true },
        "--root must be 32-byte hex: 0x1234",
      );
      await expectRefused(
        "rollup propose-output",
        { rollup: "1001", root: id("x"), withdrawalsRoot: "0xabcd", from: alice.address, json: true },
        "--withdrawals-root must be 32-byte hex: 0xabcd",
      );
      await expectRefused(
        "rollup propose-output",
        { rollup: "1001", root: id("x"), from: bob.address, json: true },
        `only the rollup's proposer ${alice.address} proposes outputs`,
      );
    });
  });
  /** A task's refusal with `message`, sending nothing: no block mined, `account`'s nonce unchanged. */
  async function refused(account: string, name: string, args: Record<string, unknown>, message: string) {
    const nonce = await hre.ethers.provider.getTransactionCount(account);
    await expectRefused(name, { json: true, ...args }, message);
    expect(await hre.ethers.provider.getTransactionCount(account)).to.equal(nonce);
  }

  const files = tempDir("alt-rollup-task-");
  after(() => files.remove());

  /**
   * `rollupsFixture` and two more rollups of alice: `squadRollup` (chain 1003, sequenced by SQUAD) and `validity`
   * (chain 1004, ZK Stack: outputs every 600 L2 blocks, finalized with a MockVerifier proof; no services, no bond).
   */
  async function moreRollupsFixture() {
    const f = await loadFixture(rollupsFixture);
    const { factory, alice } = f;
    await commitRollup(factory, alice, { chainId: 1003, salt: id("squad") });
    await commitRollup(factory, alice, { chainId: 1004, salt: id("validity") });
    const squadParams = createParams(alice.address, {
      chainId: 1003,
      services: SERVICE.SQUAD,
      prepaidFees: await factory.requiredPrepayment(SERVICE.SQUAD, 0),
      salt: id("squad"),
    });
    await (await factory.connect(alice).createRollup(squadParams)).wait();
    const validityParams = createParams(alice.address, {
      templateId: TEMPLATE.ZKStack,
      chainId: 1004,
      services: 0,
      salt: id("validity"),
    });
    await (await factory.connect(alice).createRollup(validityParams)).wait();
    return {
      ...f,
      squadAddress: await factory.rollupByChainId(1003),
      validity: await rollupAt(await factory.rollupByChainId(1004)),
      validityAddress: await factory.rollupByChainId(1004),
    };
  }

  describe("rollup append-batch", function () {
    interface AppendResult {
      rollup: string;
      batchIndex: bigint;
      batchCount: bigint;
      commitment: string;
      batchRoot: string;
      firstIncluded: bigint;
      included: bigint;
      fees: bigint;
      tx: TxReport;
    }

    it("posts a batch as the sequencer, including every queued item by default: their fees to the sequencer", async function () {
      const { permanent, permanentAddress, token, alice } = await load(queuedFixture);
      const before = await token.balanceOf(alice.address);
      const commitment = id("batch-0");
      const { result, lines } = await runTask<AppendResult>("rollup append-batch", {
        rollup: "1001",
        commitment,
        include: "all",
        from: alice.address,
        json: false,
      });
      const batchRoot = batchRootOf(ZeroHash, commitment, 2);
      expect(result).to.deep.equal({
        rollup: permanentAddress,
        batchIndex: 0n,
        batchCount: 1n,
        commitment,
        batchRoot,
        firstIncluded: 0n,
        included: 2n,
        fees: 12n * ALT,
        tx: result.tx,
      });
      await expect(transaction(result.tx.hash))
        .to.emit(permanent, "BatchAppended")
        .withArgs(0, commitment, batchRoot, alice.address)
        .and.to.emit(permanent, "TransactionsIncluded")
        .withArgs(0, 2, alice.address);
      expect((await token.balanceOf(alice.address)) - before).to.equal(12n * ALT);
      expect(await token.balanceOf(permanentAddress)).to.equal(PERMANENT_PREPAY);
      expect([await permanent.queueHead(), await permanent.batchRoot()]).to.deep.equal([2n, batchRoot]);
      expect(lines).to.deep.equal([
        txLine(`batch 0 appended (commitment ${commitment}), including queue items 0 to 1`, result.tx),
        `  batches 1; batch-chain head ${batchRoot}`,
        "  inclusion fees received: 12 ALT",
      ]);
    });

    it("commits to the keccak256 of a --data file (raw bytes, or 0x-hex text as its bytes), chaining the batches", async function () {
      const { permanent, alice } = await load(rollupsFixture);
      const raw = files.write("batch.bin", "raw batch bytes");
      const first = await runTask<AppendResult>("rollup append-batch", {
        rollup: "1001",
        data: raw,
        include: "all",
        from: alice.address,
        json: false,
      });
      const c0 = keccak256(toUtf8Bytes("raw batch bytes"));
      const root0 = batchRootOf(ZeroHash, c0, 0);
      expect([first.result.commitment, first.result.batchRoot, first.result.included, first.result.fees]).to.deep.equal(
        [c0, root0, 0n, 0n],
      );
      expect(first.lines).to.deep.equal([
        txLine(`batch 0 appended (commitment ${c0})`, first.result.tx),
        `  batches 1; batch-chain head ${root0}`,
      ]);
      const hexFile = files.write("batch.hex", "0xdeadbeef\n");
      const second = await task<AppendResult>("rollup append-batch", {
        rollup: "1001",
        data: hexFile,
        include: "0",
        from: alice.address,
        json: true,
      });
      const c1 = keccak256("0xdeadbeef");
      expect([second.batchIndex, second.batchCount, second.commitment, second.batchRoot]).to.deep.equal([
        1n,
        2n,
        c1,
        batchRootOf(root0, c1, 0),
      ]);
      expect(await permanent.batchRoot()).to.equal(batchRootOf(root0, c1, 0));
    });

    it("includes --include items only, and refuses to leave an overdue item behind", async function () {
      const { permanent, token, alice, deadlines } = await load(queuedFixture);
      const before = await token.balanceOf(alice.address);
      const result = await task<AppendResult>("rollup append-batch", {
        rollup: "1001",
        commitment: id("b"),
        include: "1",
        from: alice.address,
        json: true,
      });
      expect([result.firstIncluded, result.included, result.fees]).to.deep.equal([0n, 1n, 5n * ALT]);
      expect((await token.balanceOf(alice.address)) - before).to.equal(5n * ALT);
      expect(await permanent.queueHead()).to.equal(1n);
      await time.increaseTo(deadlines[1] + HOUR);
      await refused(
        alice.address,
        "rollup append-batch",
        { rollup: "1001", commitment: id("c"), include: "0", from: alice.address },
        `queue item 1 is overdue (its deadline was ${isoTime(deadlines[1])} (1h ago)): the batch must include the 1 ` +
          "overdue item(s), --include 1 or more",
      );
      await refused(
        alice.address,
        "rollup append-batch",
        { rollup: "1001", commitment: id("c"), include: "2", from: alice.address },
        "--include 2 is more than the 1 queued item(s) not included yet",
      );
    });

    it("refuses anyone but the sequencer, naming it, and a SQUAD rollup, pointing to squad post-batch", async function () {
      const { alice, bob, permanentAddress, squadAddress } = await load(moreRollupsFixture);
      await refused(
        bob.address,
        "rollup append-batch",
        { rollup: "1001", commitment: id("b"), include: "all", from: bob.address },
        `${bob.address} is not the sequencer of rollup ${permanentAddress} (${alice.address} is)`,
      );
      await refused(
        alice.address,
        "rollup append-batch",
        { rollup: "1003", commitment: id("b"), include: "all", from: alice.address },
        `rollup ${squadAddress} is sequenced by SQUAD: post its batches with squad post-batch`,
      );
    });

    it("refuses a paused rollup, a Settling one and a retired one, with when", async function () {
      const { permanent, permanentAddress, ephemeral, ephemeralAddress, deployer, alice, bob } =
        await load(rollupsFixture);
      const until = (await time.latest()) + days(3);
      await (await permanent.connect(deployer).pauseUntil(until)).wait();
      await time.increaseTo(until - days(2));
      await refused(
        alice.address,
        "rollup append-batch",
        { rollup: "1001", commitment: id("b"), include: "all", from: alice.address },
        `rollup ${permanentAddress} is paused until ${isoTime(until)} (in 2d)`,
      );
      await (await ephemeral.connect(bob).sunset()).wait();
      const sunsetAt = await time.latest();
      await time.increaseTo(sunsetAt + 3 * HOUR);
      await refused(
        bob.address,
        "rollup append-batch",
        { rollup: "1002", commitment: id("b"), include: "all", from: bob.address },
        `rollup ${ephemeralAddress} expired at ${isoTime(sunsetAt)} (3h ago): it is Settling, not Active`,
      );
      await time.increaseTo(sunsetAt + WINDOW);
      await (await ephemeral.settle()).wait();
      await refused(
        bob.address,
        "rollup append-batch",
        { rollup: "1002", commitment: id("b"), include: "all", from: bob.address },
        `rollup ${ephemeralAddress} is retired`,
      );
    });

    it("refuses no commitment, two, a malformed one, an unreadable file and a malformed --include", async function () {
      const { alice } = await load(rollupsFixture);
      const base = { rollup: "1001", include: "all", from: alice.address };
      await refused(alice.address, "rollup append-batch", base, "pass --commitment or --data");
      const file = files.write("b.bin", "x");
      await refused(
        alice.address,
        "rollup append-batch",
        { ...base, commitment: id("b"), data: file },
        "pass --commitment or --data, not both",
      );
      await refused(
        alice.address,
        "rollup append-batch",
        { ...base, commitment: "0x1234" },
        "--commitment must be 32-byte hex, not 0x1234",
      );
      const missing = files.path("missing.bin");
      await refused(
        alice.address,
        "rollup append-batch",
        { ...base, data: missing },
        `--data: cannot read ${missing}: ENOENT: no such file or directory, open '${missing}'`,
      );
      await refused(
        alice.address,
        "rollup append-batch",
        { ...base, commitment: id("b"), include: "-1" },
        "--include must be a whole number, not -1",
      );
    });
  });

  describe("rollup queue-tx", function () {
    interface QueueResult {
      rollup: string;
      queueIndex: bigint;
      txHash: string;
      fee: bigint;
      deadline: number;
      approval?: TxReport;
      tx: TxReport;
    }

    it("queues a transaction paying the factory's minimum fee by default, approving with --approve; reports its deadline", async function () {
      const { permanent, permanentAddress, token, dave } = await load(rollupsFixture);
      const before = await token.balanceOf(dave.address);
      const txHash = id("l2 tx");
      const { result, lines } = await runTask<QueueResult>("rollup queue-tx", {
        rollup: "1001",
        txHash,
        from: dave.address,
        approve: true,
        json: false,
      });
      const deadline = (await blockTime(result.tx.block)) + INCLUSION_DELAY;
      expect(result).to.deep.equal({
        rollup: permanentAddress,
        queueIndex: 0n,
        txHash,
        fee: ALT,
        deadline,
        approval: result.approval,
        tx: result.tx,
      });
      await expect(transaction(result.approval!.hash))
        .to.emit(token, "Approval")
        .withArgs(dave.address, permanentAddress, ALT);
      await expect(transaction(result.tx.hash))
        .to.emit(permanent, "TransactionQueued")
        .withArgs(0, txHash, ALT, deadline, dave.address);
      expect((await token.balanceOf(dave.address)) - before).to.equal(-ALT);
      expect(await token.balanceOf(permanentAddress)).to.equal(PERMANENT_PREPAY + ALT);
      const queued = await permanent.queuedTransaction(0);
      expect([queued.payer, queued.fee, queued.deadline, queued.included]).to.deep.equal([
        dave.address,
        ALT,
        BigInt(deadline),
        false,
      ]);
      expect(lines).to.deep.equal([
        txLine("approved the rollup", result.approval!),
        txLine(`queued transaction ${txHash} at index 0, paying 1 ALT`, result.tx),
        `  the sequencer must include it by ${isoTime(deadline)} (in 12h); after that anyone may force it in: ` +
          `rollup force-include --rollup ${permanentAddress}`,
      ]);
    });

    it("hashes the signed transaction of a --data file, pays a higher --fee, and sends no approval when allowed", async function () {
      const { permanent, permanentAddress, token, carol } = await load(queuedFixture);
      await (await token.connect(carol).approve(permanentAddress, 3n * ALT)).wait();
      const signed = "0x02f86b0180843b9aca00";
      const file = files.write("tx.hex", signed);
      const { result, lines } = await runTask<QueueResult>("rollup queue-tx", {
        rollup: permanentAddress,
        data: file,
        fee: "2.5",
        from: carol.address,
        approve: true,
        json: false,
      });
      expect([result.queueIndex, result.txHash, result.fee, result.approval]).to.deep.equal([
        2n,
        keccak256(signed),
        (5n * ALT) / 2n,
        undefined,
      ]);
      expect(lines[0]).to.equal(
        txLine(`queued transaction ${keccak256(signed)} at index 2, paying 2.5 ALT`, result.tx),
      );
      expect(await token.allowance(carol.address, permanentAddress)).to.equal(ALT / 2n);
      expect((await permanent.queuedTransaction(2)).txHash).to.equal(queuedHash(keccak256(signed)));
    });

    it("refuses a fee below the minimum, a short balance or allowance, a rollup not Active, and bad flags, sending nothing", async function () {
      const { permanentAddress, ephemeral, ephemeralAddress, bob, dave, poor } = await load(rollupsFixture);
      const base = { rollup: "1001", txHash: id("t"), from: dave.address };
      await refused(
        dave.address,
        "rollup queue-tx",
        { ...base, fee: "0.5", approve: true },
        "--fee 0.5 ALT is below the factory's minimum queue fee, 1 ALT",
      );
      await refused(dave.address, "rollup queue-tx", base, "allowance 0 ALT is below the 1 ALT needed: pass --approve");
      await refused(
        poor.address,
        "rollup queue-tx",
        { ...base, from: poor.address, approve: true },
        `${poor.address} holds 0 ALT; this needs 1 ALT`,
      );
      await refused(
        dave.address,
        "rollup queue-tx",
        { rollup: "1001", from: dave.address },
        "pass --tx-hash or --data",
      );
      await refused(
        dave.address,
        "rollup queue-tx",
        { ...base, txHash: "0xzz" },
        "--tx-hash must be 32-byte hex, not 0xzz",
      );
      await (await ephemeral.connect(bob).sunset()).wait();
      const sunsetAt = await time.latest();
      await time.increaseTo(sunsetAt + 90);
      await refused(
        dave.address,
        "rollup queue-tx",
        { ...base, rollup: "1002", approve: true },
        `rollup ${ephemeralAddress} expired at ${isoTime(sunsetAt)} (1m 30s ago): it is Settling, not Active`,
      );
      expect(permanentAddress).to.not.equal(ZeroAddress);
    });
  });

  describe("rollup finalize", function () {
    interface FinalizeResult {
      rollup: string;
      index: bigint;
      l2BlockNumber: bigint;
      root: string;
      bond: bigint;
      proposer: string;
      tx: TxReport;
    }
    const PERIOD = days(7);

    /** `permanent` with outputs 0 and 1 proposed (and bonded) by alice, at `proposedAt` and an hour later. */
    async function proposedFixture() {
      const f = await loadFixture(rollupsFixture);
      const { permanent, permanentAddress, token, alice } = f;
      await (await token.connect(alice).approve(permanentAddress, 2n * OUTPUT_BOND)).wait();
      const proposedAt = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(proposedAt);
      await (await permanent.connect(alice).proposeOutput(1_800, id("state 0"), ZeroHash)).wait();
      await time.setNextBlockTimestamp(proposedAt + HOUR);
      await (await permanent.connect(alice).proposeOutput(3_600, id("state 1"), ZeroHash)).wait();
      return { ...f, proposedAt, roots: [(await permanent.output(0)).root, (await permanent.output(1)).root] };
    }

    it("refuses during the challenge period with the time left, then finalizes the next output: the bond back to the proposer", async function () {
      const { permanent, permanentAddress, token, alice, dave, proposedAt, roots } = await load(proposedFixture);
      await time.increaseTo(proposedAt + 2 * DAY);
      await refused(
        dave.address,
        "rollup finalize",
        { rollup: "1001", from: dave.address },
        `output 0 of rollup ${permanentAddress} is in its challenge period until ${isoTime(proposedAt + PERIOD)} (in 5d)`,
      );
      await time.increaseTo(proposedAt + PERIOD - 1); // the next block ends the challenge period
      const before = await token.balanceOf(alice.address);
      const { result, lines } = await runTask<FinalizeResult>("rollup finalize", {
        rollup: "1001",
        from: dave.address,
        json: false,
      });
      expect(result).to.deep.equal({
        rollup: permanentAddress,
        index: 0n,
        l2BlockNumber: 1_800n,
        root: roots[0],
        bond: OUTPUT_BOND,
        proposer: alice.address,
        tx: result.tx,
      });
      expect(await blockTime(result.tx.block)).to.equal(proposedAt + PERIOD);
      await expect(transaction(result.tx.hash)).to.emit(permanent, "OutputFinalized").withArgs(0);
      expect((await token.balanceOf(alice.address)) - before).to.equal(OUTPUT_BOND);
      expect(await token.balanceOf(permanentAddress)).to.equal(PERMANENT_PREPAY + OUTPUT_BOND);
      expect([await permanent.finalizedCount(), (await permanent.output(0)).status]).to.deep.equal([1n, 3n]);
      expect(lines).to.deep.equal([
        txLine("output 0 (L2 block 1800) finalized", result.tx),
        `  bond 1,000 ALT returned to the proposer ${alice.address}`,
      ]);
      // the next one's period ends an hour later
      await refused(
        dave.address,
        "rollup finalize",
        { rollup: "1001", from: dave.address },
        `output 1 of rollup ${permanentAddress} is in its challenge period until ${isoTime(proposedAt + PERIOD + HOUR)} (in 1h)`,
      );
    });

    it("refuses an output VITAL has an open challenge on, naming the challenge", async function () {
      const { permanentAddress, vital, dave, proposedAt } = await load(proposedFixture);
      // a stand-in VITAL whose openChallenge answers (true, 7) for every output
      await hre.network.provider.send("hardhat_setCode", [vital.address, "0x600160005260076020526040" + "6000f3"]);
      await time.increaseTo(proposedAt + PERIOD);
      await refused(
        dave.address,
        "rollup finalize",
        { rollup: "1001", from: dave.address },
        `output 0 of rollup ${permanentAddress} is challenged in VITAL (challenge 7): it cannot finalize while the challenge is open`,
      );
    });

    it("refuses out of order, finalized or unknown indices, no output to finalize, a pause and a validity rollup", async function () {
      const { permanent, permanentAddress, deployer, dave, proposedAt } = await load(proposedFixture);
      const base = { rollup: "1001", from: dave.address };
      await time.increaseTo(proposedAt + PERIOD + HOUR);
      await refused(
        dave.address,
        "rollup finalize",
        { ...base, index: "1" },
        "outputs finalize in order: output 0 is the next",
      );
      await refused(
        dave.address,
        "rollup finalize",
        { ...base, index: "2" },
        `rollup ${permanentAddress} has 2 outputs: no output 2`,
      );
      const until = (await time.latest()) + days(2);
      await (await permanent.connect(deployer).pauseUntil(until)).wait();
      await time.increaseTo(until - DAY);
      await refused(
        dave.address,
        "rollup finalize",
        base,
        `rollup ${permanentAddress} is paused until ${isoTime(until)} (in 1d)`,
      );
      await time.increaseTo(until);
      const first = await task<FinalizeResult>("rollup finalize", { ...base, index: "0", json: true });
      expect(first.index).to.equal(0n);
      await refused(
        dave.address,
        "rollup finalize",
        { ...base, index: "0" },
        `output 0 of rollup ${permanentAddress} is finalized already`,
      );
      expect((await task<FinalizeResult>("rollup finalize", { ...base, json: true })).index).to.equal(1n);
      await refused(
        dave.address,
        "rollup finalize",
        base,
        `rollup ${permanentAddress} has no output waiting to finalize (2 proposed, all finalized)`,
      );
    });

    it("refuses a validity rollup, pointing to rollup prove", async function () {
      const { validityAddress, dave } = await load(moreRollupsFixture);
      await refused(
        dave.address,
        "rollup finalize",
        { rollup: "1004", from: dave.address },
        `rollup ${validityAddress} is a validity rollup: its outputs finalize with a proof (rollup prove)`,
      );
    });
  });

  describe("rollup prove", function () {
    interface ProveResult {
      rollup: string;
      index: bigint;
      l2BlockNumber: bigint;
      root: string;
      bond: bigint;
      proposer: string;
      tx: TxReport;
    }
    /** MockVerifier's valid proof of an output: keccak256(abi.encode(chainId, l2BlockNumber, root)), as 32 bytes. */
    const proofOf = (l2: bigint, root: string) =>
      keccak256(coder.encode(["uint256", "uint256", "bytes32"], [1004n, l2, root]));

    async function provableFixture() {
      const f = await loadFixture(moreRollupsFixture);
      await (await f.validity.connect(f.alice).proposeOutput(600, id("zk 0"), ZeroHash)).wait();
      await (await f.validity.connect(f.alice).proposeOutput(1_200, id("zk 1"), ZeroHash)).wait();
      return { ...f, roots: [(await f.validity.output(0)).root, (await f.validity.output(1)).root] };
    }

    it("finalizes the next output with a valid --proof, then the next with --proof-file (no bond without VITAL)", async function () {
      const { validity, validityAddress, alice, dave, roots } = await load(provableFixture);
      const { result, lines } = await runTask<ProveResult>("rollup prove", {
        rollup: "1004",
        proof: proofOf(600n, roots[0]),
        from: dave.address,
        json: false,
      });
      expect(result).to.deep.equal({
        rollup: validityAddress,
        index: 0n,
        l2BlockNumber: 600n,
        root: roots[0],
        bond: 0n,
        proposer: alice.address,
        tx: result.tx,
      });
      await expect(transaction(result.tx.hash)).to.emit(validity, "OutputFinalized").withArgs(0);
      expect(lines).to.deep.equal([
        txLine("output 0 (L2 block 600) finalized with its proof", result.tx),
        "  no output bond",
      ]);
      const file = files.write("proof.hex", proofOf(1_200n, roots[1]));
      const second = await task<ProveResult>("rollup prove", { rollup: "1004", proofFile: file, json: true });
      expect([second.index, second.root]).to.deep.equal([1n, roots[1]]);
      expect([await validity.finalizedCount(), (await validity.output(1)).status]).to.deep.equal([2n, 3n]);
    });

    it("refuses a proof the verifier rejects, a malformed or missing proof and an optimistic rollup, sending nothing", async function () {
      const { verifier, permanentAddress, dave, roots } = await load(provableFixture);
      const base = { rollup: "1004", from: dave.address };
      await refused(
        dave.address,
        "rollup prove",
        { ...base, proof: proofOf(600n, roots[1]) },
        `the verifier ${verifier} rejects the proof of output 0`,
      );
      await refused(dave.address, "rollup prove", { ...base, proof: "0x123" }, "--proof must be hex bytes, not 0x123");
      await refused(dave.address, "rollup prove", base, "pass --proof or --proof-file");
      await refused(
        dave.address,
        "rollup prove",
        { ...base, index: "1", proof: proofOf(1_200n, roots[1]) },
        "outputs finalize in order: output 0 is the next",
      );
      await refused(
        dave.address,
        "rollup prove",
        { rollup: "1001", proof: "0x", from: dave.address },
        `rollup ${permanentAddress} is optimistic: its outputs finalize after their challenge period (rollup finalize)`,
      );
    });
  });

  describe("rollup reclaim-fee", function () {
    interface ReclaimResult {
      rollup: string;
      reclaimed: { index: bigint; payer: string; fee: bigint; tx: TxReport }[];
      total: bigint;
    }

    /** `ephemeral` with queue items 0..2 of carol (3, 4, 5 ALT) and 3 of dave (2 ALT); bob's batch included item 0. */
    async function ephemeralQueueFixture() {
      const f = await loadFixture(rollupsFixture);
      const { ephemeral, ephemeralAddress, token, bob, carol, dave } = f;
      await (await token.connect(carol).approve(ephemeralAddress, 12n * ALT)).wait();
      await (await token.connect(dave).approve(ephemeralAddress, 2n * ALT)).wait();
      for (const fee of [3n, 4n, 5n])
        await (await ephemeral.connect(carol).queueTransaction(id(`c${fee}`), fee * ALT)).wait();
      await (await ephemeral.connect(dave).queueTransaction(id("d"), 2n * ALT)).wait();
      await (await ephemeral.connect(bob).appendBatch(id("batch"), 1)).wait();
      return f;
    }

    /** `ephemeralQueueFixture` sunset, and settled after its settlement window: retired. */
    async function retiredFixture() {
      const f = await loadFixture(ephemeralQueueFixture);
      await (await f.ephemeral.connect(f.bob).sunset()).wait();
      await time.increase(WINDOW);
      await (await f.ephemeral.settle()).wait();
      return f;
    }

    it("pays back every never-included fee of the sender by default, one transaction each", async function () {
      const { ephemeral, ephemeralAddress, token, carol } = await load(retiredFixture);
      const [before, held] = [await token.balanceOf(carol.address), await token.balanceOf(ephemeralAddress)];
      const { result, lines } = await runTask<ReclaimResult>("rollup reclaim-fee", {
        rollup: "1002",
        from: carol.address,
        json: false,
      });
      const [first, second] = result.reclaimed;
      expect(result).to.deep.equal({
        rollup: ephemeralAddress,
        reclaimed: [
          { index: 1n, payer: carol.address, fee: 4n * ALT, tx: first.tx },
          { index: 2n, payer: carol.address, fee: 5n * ALT, tx: second.tx },
        ],
        total: 9n * ALT,
      });
      await expect(transaction(first.tx.hash))
        .to.emit(ephemeral, "FeeReclaimed")
        .withArgs(1, carol.address, 4n * ALT);
      await expect(transaction(second.tx.hash))
        .to.emit(ephemeral, "FeeReclaimed")
        .withArgs(2, carol.address, 5n * ALT);
      expect((await token.balanceOf(carol.address)) - before).to.equal(9n * ALT);
      expect(held - (await token.balanceOf(ephemeralAddress))).to.equal(9n * ALT);
      expect(lines).to.deep.equal([
        txLine(`reclaimed 4 ALT of queue item 1 for ${carol.address}`, first.tx),
        txLine(`reclaimed 5 ALT of queue item 2 for ${carol.address}`, second.tx),
      ]);
      await refused(
        carol.address,
        "rollup reclaim-fee",
        { rollup: "1002", from: carol.address },
        `${carol.address} has no queued fee to reclaim from rollup ${ephemeralAddress}`,
      );
    });

    it("reclaims one --index for its payer, whoever sends it, or the items of --payer", async function () {
      const { token, alice, carol, dave } = await load(retiredFixture);
      const before = await token.balanceOf(dave.address);
      const one = await task<ReclaimResult>("rollup reclaim-fee", {
        rollup: "1002",
        index: "3",
        from: alice.address,
        json: true,
      });
      expect(one.reclaimed.map((r) => [r.index, r.payer, r.fee])).to.deep.equal([[3n, dave.address, 2n * ALT]]);
      expect((await token.balanceOf(dave.address)) - before).to.equal(2n * ALT);
      const theirs = await task<ReclaimResult>("rollup reclaim-fee", {
        rollup: "1002",
        payer: carol.address,
        from: alice.address,
        json: true,
      });
      expect([theirs.reclaimed.map((r) => r.index), theirs.total]).to.deep.equal([[1n, 2n], 9n * ALT]);
    });

    it("refuses an included, reclaimed or unknown item and --index with --payer, sending nothing", async function () {
      const { alice, ephemeralAddress } = await load(retiredFixture);
      const base = { rollup: "1002", from: alice.address };
      await refused(
        alice.address,
        "rollup reclaim-fee",
        { ...base, index: "0" },
        "queue item 0 was included: its fee went to whoever included it",
      );
      await refused(
        alice.address,
        "rollup reclaim-fee",
        { ...base, index: "4" },
        `rollup ${ephemeralAddress} has 4 queued transactions: no queue item 4`,
      );
      await task("rollup reclaim-fee", { ...base, index: "3", json: true });
      await refused(
        alice.address,
        "rollup reclaim-fee",
        { ...base, index: "3" },
        "the fee of queue item 3 was reclaimed already",
      );
      await refused(
        alice.address,
        "rollup reclaim-fee",
        { ...base, index: "1", payer: alice.address },
        "pass --index or --payer, not both",
      );
    });

    it("refuses before the rollup is retired, saying when it settles", async function () {
      const { ephemeralAddress, ephemeralExpiry, carol } = await load(ephemeralQueueFixture);
      await time.increaseTo(ephemeralExpiry - DAY);
      await refused(
        carol.address,
        "rollup reclaim-fee",
        { rollup: "1002", from: carol.address },
        `rollup ${ephemeralAddress} is Active: queued fees are reclaimed once it is retired; it settles from ` +
          `${isoTime(ephemeralExpiry + WINDOW)} (in 8d) (rollup settle)`,
      );
      const { permanentAddress } = await load(rollupsFixture);
      await refused(
        carol.address,
        "rollup reclaim-fee",
        { rollup: "1001", from: carol.address },
        `rollup ${permanentAddress} is Active: queued fees are reclaimed once it is retired; it is permanent: sunset, ` +
          "then settled after its settlement window",
      );
    });
  });

  describe("rollup transfer-ownership and rollup accept-ownership", function () {
    it("hands the rollup over in two steps: offered by the owner, accepted by the new owner", async function () {
      const { permanent, permanentAddress, alice, bob } = await load(rollupsFixture);
      const offer = await runTask<{ rollup: string; owner: string; pendingOwner: string; tx: TxReport }>(
        "rollup transfer-ownership",
        { rollup: "1001", to: bob.address, from: alice.address, json: false },
      );
      expect(offer.result).to.deep.equal({
        rollup: permanentAddress,
        owner: alice.address,
        pendingOwner: bob.address,
        tx: offer.result.tx,
      });
      await expect(transaction(offer.result.tx.hash))
        .to.emit(permanent, "OwnershipTransferStarted")
        .withArgs(alice.address, bob.address);
      expect([await permanent.owner(), await permanent.pendingOwner()]).to.deep.equal([alice.address, bob.address]);
      expect(offer.lines).to.deep.equal([
        txLine(`ownership of rollup ${permanentAddress} offered to ${bob.address}`, offer.result.tx),
        `  ${alice.address} stays the owner until ${bob.address} accepts: rollup accept-ownership --rollup ` +
          `${permanentAddress} --from ${bob.address}`,
      ]);
      const accepted = await runTask<{ rollup: string; previousOwner: string; owner: string; tx: TxReport }>(
        "rollup accept-ownership",
        { rollup: permanentAddress, from: bob.address, json: false },
      );
      expect(accepted.result).to.deep.equal({
        rollup: permanentAddress,
        previousOwner: alice.address,
        owner: bob.address,
        tx: accepted.result.tx,
      });
      await expect(transaction(accepted.result.tx.hash))
        .to.emit(permanent, "OwnershipTransferred")
        .withArgs(alice.address, bob.address);
      expect([await permanent.owner(), await permanent.pendingOwner()]).to.deep.equal([bob.address, ZeroAddress]);
      expect(accepted.lines).to.deep.equal([
        txLine(`${bob.address} owns rollup ${permanentAddress} now (from ${alice.address})`, accepted.result.tx),
      ]);
    });

    it("replaces an offer not accepted yet, saying so; the first account offered can no longer accept", async function () {
      const { permanent, permanentAddress, alice, bob, carol } = await load(rollupsFixture);
      await task("rollup transfer-ownership", { rollup: "1001", to: bob.address, from: alice.address, json: true });
      const { result, lines } = await runTask<{ replaced?: string }>("rollup transfer-ownership", {
        rollup: "1001",
        to: carol.address,
        from: alice.address,
        json: false,
      });
      expect(result.replaced).to.equal(bob.address);
      expect(lines[1]).to.equal(`  (the offer to ${bob.address} is withdrawn)`);
      expect(await permanent.pendingOwner()).to.equal(carol.address);
      await refused(
        bob.address,
        "rollup accept-ownership",
        { rollup: "1001", from: bob.address },
        `${bob.address} is not the pending owner of rollup ${permanentAddress} (${carol.address} is)`,
      );
    });

    it("refuses anyone but the owner, the owner itself or zero as --to, and an acceptance nobody offered", async function () {
      const { permanentAddress, alice, bob } = await load(rollupsFixture);
      await refused(
        bob.address,
        "rollup transfer-ownership",
        { rollup: "1001", to: bob.address, from: bob.address },
        `${bob.address} is not the owner of ${permanentAddress} (${alice.address} is)`,
      );
      await refused(
        alice.address,
        "rollup transfer-ownership",
        { rollup: "1001", to: alice.address, from: alice.address },
        `${alice.address} owns rollup ${permanentAddress} already`,
      );
      await refused(
        alice.address,
        "rollup transfer-ownership",
        { rollup: "1001", to: ZeroAddress, from: alice.address },
        "--to must not be the zero address",
      );
      await refused(
        bob.address,
        "rollup accept-ownership",
        { rollup: "1001", from: bob.address },
        `no ownership of rollup ${permanentAddress} is offered (rollup transfer-ownership)`,
      );
    });
  });
});
