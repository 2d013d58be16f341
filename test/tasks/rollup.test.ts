// The rollup tasks (tasks/rollup.ts) against the staged deployment made by `deploy:rollups` (the deployer owns the
// factory): templates, predicted addresses, creation with every option and refusal, list, info, extend, sunset, settle
// and forced inclusion. Every fee, time and address is computed independently (bigint math, CREATE2 by hand).
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, getCreate2Address, id, keccak256, Wallet, ZeroAddress, ZeroHash } from "ethers";
import type { AddressBook } from "../../tasks/lib/addressBook";
import { outputRootOf } from "../../tasks/lib/rollups";
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
import { asJson, expectRefused, expectTaskFailure, isoTime, load, runTask, task, transaction } from "../helpers/tasks";

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
/** The commitment of a forced batch: c = keccak256(abi.encode(c, txHash)) from c = 0 over the included items. */
const forcedCommitmentOf = (txHashes: string[]) =>
  txHashes.reduce((c, h) => keccak256(coder.encode(["bytes32", "bytes32"], [c, h])), ZeroHash);

describe("rollup tasks", function () {
  /**
   * The staged protocol deployed through `deploy:rollups` (the deployer owns the factory; no services set), with
   * accounts 10..13 funded with ALT from the released Launchpool position. Account 14 holds no ALT.
   */
  async function deployedFixture() {
    const book = await task<AddressBook>("deploy:rollups", { json: true, parameters: stagedParametersFile() });
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

  describe("rollup:templates", function () {
    const optimistic = {
      proofSystem: "optimistic",
      challengePeriod: days(7),
      outputInterval: 1_800n,
      outputBond: OUTPUT_BOND,
    };
    const allDa = ["EthereumBlobs", "Celestia", "EigenDA", "Avail"];

    it("returns the five templates of the parameter file with their DA layers, intervals and fees", async function () {
      const { implementation, verifier } = await load(deployedFixture);
      const views = await task<TemplateView[]>("rollup:templates", { json: true });
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
      const { result, lines } = await runTask<TemplateView[]>("rollup:templates", { json: true });
      const printed = JSON.parse(lines.join("\n"));
      expect(printed).to.deep.equal(asJson(result));
      expect(printed[0].creationFee).to.equal((1_000n * ALT).toString());
      expect(printed[3].outputInterval).to.equal("600");
    });

    it("prints one line per template, marking a deprecated one", async function () {
      const { factory, deployer } = await load(deployedFixture);
      await (await factory.connect(deployer).deprecateTemplate(TEMPLATE.OrbitEVM)).wait();
      const { result, lines } = await runTask<TemplateView[]>("rollup:templates", { json: false });
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

  describe("rollup:predict-address", function () {
    it("predicts the address rollup:create reports and the factory records under the chain ID", async function () {
      const f = await load(deployedFixture);
      const { factory, alice } = f;
      const salt = id("my rollup");
      const expected = cloneAddress(f, alice.address, TEMPLATE.ZKStack, salt);
      const { result, lines } = await runTask<PredictResult>("rollup:predict-address", {
        template: "ZKStack-EVM",
        salt: "my rollup",
        creator: alice.address.toLowerCase(),
        json: false,
      });
      expect(result).to.deep.equal({ address: expected, creator: alice.address, templateId: 3, salt });
      expect(lines).to.deep.equal([`${expected} (template ZKStack-EVM, creator ${alice.address})`]);
      expect(await hre.ethers.provider.getCode(expected)).to.equal("0x");

      const created = await task<CreateResult>("rollup:create", {
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
      const result = await task<PredictResult>("rollup:predict-address", { template: "0", salt, json: true });
      expect(result).to.deep.equal({
        address: cloneAddress(f, f.deployer.address, TEMPLATE.OPStack, salt),
        creator: f.deployer.address,
        templateId: 0,
        salt,
      });
    });

    it("predicts the address from the random salt rollup:create draws by default and reports", async function () {
      const f = await load(deployedFixture);
      const created: CreateResult[] = [];
      for (const chainId of ["5151", "5152"]) {
        created.push(
          await task<CreateResult>("rollup:create", {
            template: "OPStack-EVM",
            chainId,
            from: f.bob.address,
            approve: true,
            json: true,
          }),
        );
      }
      const predicted = await task<PredictResult>("rollup:predict-address", {
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
        "rollup:predict-address",
        { template: "OPStack", salt: "x", json: true },
        `unknown template OPStack: one of ${TEMPLATE_LIST}`,
      );
      await expectRefused(
        "rollup:predict-address",
        { template: "0", salt: "x", creator: "0x1234", json: true },
        "--creator is not a valid address: 0x1234",
      );
    });
  });

  describe("rollup:create", function () {
    it("creates a permanent rollup by default, approving and prepaying the 30-day minimum", async function () {
      const f = await load(deployedFixture);
      const { factory, token, alice, treasury, factoryAddress } = f;
      expect(PERMANENT_PREPAY).to.equal(5_184n * ALT);
      const aliceBefore = await token.balanceOf(alice.address);
      const treasuryBefore = await token.balanceOf(treasury.address);
      const { result, lines } = await runTask<CreateResult>("rollup:create", {
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
      expect(await rollup.daConfigHash()).to.equal(keccak256("0x"));
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
      const { result, lines } = await runTask<CreateResult>("rollup:create", {
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
      const { result, lines } = await runTask<CreateResult>("rollup:create", {
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
      const { result, lines } = await runTask<CreateResult>("rollup:create", {
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

    // Regression (rollup:create, fixed): the expiry was `latest block time + 1 + lifetime`, computed before the
    // approval that --approve may send; the creation then landed a block later, so the rollup lived one second less
    // than --lifetime. The expiry is now computed from the creation block's time, which the task sets on a Hardhat
    // chain (COMMIT_DELAY after the commitment), so it is exact however slowly the chain runs.
    it("with --approve, an ephemeral rollup still expires --lifetime after its creation block", async function () {
      const { alice } = await load(deployedFixture);
      const result = await task<CreateResult>("rollup:create", {
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
        const result = await task<CreateResult>("rollup:create", {
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
      const { result, lines } = await runTask<CreateResult>("rollup:create", {
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
        const result = await task<CreateResult>("rollup:create", {
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
      const result = await task<CreateResult>("rollup:create", {
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
      expect(await rollup.daConfigHash()).to.equal(keccak256("0xdeadbeef"));
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
      const result = await task<CreateResult>("rollup:create", {
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
      const text = await task<CreateResult>("rollup:create", {
        template: "0",
        chainId: "9001",
        salt: "hello",
        from: f.alice.address,
        approve: true,
        json: true,
      });
      const hex = await task<CreateResult>("rollup:create", {
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
      const result = await task<CreateResult>("rollup:create", {
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
      const result = await task<CreateResult>("rollup:create", {
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
      const { result, lines } = await runTask<CreateResult>("rollup:create", {
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
      const result = await task<CreateResult>("rollup:create", {
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
            "rollup:create",
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
            "rollup:create",
            create({ template, from: alice.address }),
            "template 1 ArbitrumOrbit-EVM is deprecated",
          );
        }
      });

      it("refuses a DA layer the template does not support, and an unknown one", async function () {
        const { alice } = await load(deployedFixture);
        await expectRefused(
          "rollup:create",
          create({ template: "ZKStack-EVM", da: "EigenDA", from: alice.address }),
          "template ZKStack-EVM does not support EigenDA: it supports EthereumBlobs, Celestia, Avail",
        );
        await expectRefused(
          "rollup:create",
          create({ da: "celestia", from: alice.address }),
          "--da must be one of EthereumBlobs, Celestia, EigenDA, Avail, not celestia",
        );
      });

      it("refuses a --da-config that is not hex", async function () {
        const { alice } = await load(deployedFixture);
        await expectRefused(
          "rollup:create",
          create({ daConfig: "deadbeef", from: alice.address }),
          "--da-config must be hex bytes, not deadbeef",
        );
      });

      // Regression (rollup:create, fixed): `isHexString(args.daConfig)` accepts an odd number of hex digits, which
      // is not bytes; ethers then throws a TypeError ("invalid BytesLike value") with a stack trace while encoding the
      // call, instead of the one-line refusal. `isHexString(value, true)` would refuse it.
      it("refuses a --da-config with an odd number of hex digits", async function () {
        const { alice } = await load(deployedFixture);
        await expectRefused(
          "rollup:create",
          create({ daConfig: "0xabc", from: alice.address }),
          "--da-config must be hex bytes, not 0xabc",
        );
      });

      it("refuses chain ID 0, the host chain's, 2^53 and a malformed one", async function () {
        const { alice } = await load(deployedFixture);
        for (const chainId of [0n, HOST_CHAIN_ID, MAX_CHAIN_ID + 1n]) {
          await expectRefused(
            "rollup:create",
            create({ chainId: chainId.toString(), from: alice.address }),
            `chain ID ${chainId} is not allowed: not 0, not the host chain's (31337), at most 9007199254740991`,
          );
        }
        await expectRefused(
          "rollup:create",
          create({ chainId: "-5", from: alice.address }),
          "--chain-id must be a whole number, not -5",
        );
      });

      it("refuses a chain ID taken, naming the rollup that holds it", async function () {
        const { alice, bob } = await load(deployedFixture);
        const first = await task<CreateResult>("rollup:create", create({ from: alice.address }));
        await expectRefused(
          "rollup:create",
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
            "rollup:create",
            create({ template: "ZKStack-EVM", services, from: alice.address }),
            refusal,
          );
        }
        expect(await factory.rollupCount()).to.equal(0n);
      });

      it("refuses --sequencer squad without SQUAD among the services", async function () {
        const { alice } = await load(deployedFixture);
        await expectRefused(
          "rollup:create",
          create({ sequencer: "squad", from: alice.address }),
          "--sequencer squad needs SQUAD among --services",
        );
      });

      it("refuses SQUAD with a sequencer of its own, naming --sequencer squad, and sends nothing", async function () {
        const { factory, token, alice, bob } = await load(deployedFixture);
        const before = await token.balanceOf(alice.address);
        await expectRefused(
          "rollup:create",
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
            "rollup:create",
            create({ services, from: alice.address }),
            `--services takes VITAL, MACH and SQUAD separated by commas, or none, not ${services}`,
          );
        }
      });

      it("refuses a --threshold of 5000 bps or less, above 10000 bps, or malformed", async function () {
        const { alice } = await load(deployedFixture);
        for (const threshold of ["5000", "10001"]) {
          await expectRefused(
            "rollup:create",
            create({ threshold, from: alice.address }),
            `--threshold must be above 5000 and at most 10000 bps, not ${threshold}`,
          );
        }
        await expectRefused(
          "rollup:create",
          create({ threshold: "66.67", from: alice.address }),
          "--threshold must be a whole number, not 66.67",
        );
      });

      it("refuses a zero or malformed --lifetime", async function () {
        const { alice } = await load(deployedFixture);
        for (const lifetime of ["0", "0d"]) {
          await expectRefused(
            "rollup:create",
            create({ lifetime, from: alice.address }),
            "--lifetime must be longer than zero",
          );
        }
        await expectRefused(
          "rollup:create",
          create({ lifetime: "forever", from: alice.address }),
          '--lifetime: invalid duration "forever": use seconds or a number with s, m, h, d, w, mo or y',
        );
      });

      // Regression (rollup:create, fixed): a --lifetime whose expiry does not fit the factory's uint48 (e.g. 10000000y,
      // expiry ≈ 3.15e14 > 2^48 − 1) is not checked; ethers throws "TypeError: value out-of-bounds (argument=\"expiry\")"
      // with a stack trace while encoding requiredPrepayment, instead of a one-line refusal.
      it("refuses a --lifetime whose expiry does not fit in 48 bits", async function () {
        const { alice } = await load(deployedFixture);
        const block = await hre.ethers.provider.getBlockNumber();
        await expectTaskFailure(
          "rollup:create",
          create({ lifetime: "10000000y", from: alice.address }),
          /^--lifetime /,
        );
        expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
      });

      it("refuses a --prepay below what the factory requires, and a malformed one", async function () {
        const { alice } = await load(deployedFixture);
        await expectRefused(
          "rollup:create",
          create({ prepay: "5183.999", from: alice.address }),
          "--prepay 5,183.999 ALT is below the 5,184 ALT required",
        );
        await expectRefused(
          "rollup:create",
          create({ lifetime: "1d", prepay: "172.7", from: alice.address }),
          "--prepay 172.7 ALT is below the 172.8 ALT required",
        );
        await expectRefused(
          "rollup:create",
          create({ prepay: "lots", from: alice.address }),
          '--prepay: invalid amount "lots": expected a non-negative decimal',
        );
      });

      it("simulates the creation before sending anything: a refusal only the factory knows ends the task, nothing sent", async function () {
        const { factory, deployer, alice } = await load(deployedFixture);
        // a settlement window shorter than the templates' 7-day challenge period: rollup:create does not check it
        await (await factory.connect(deployer).setSettlementWindow(days(7) - 1)).wait();
        const block = await hre.ethers.provider.getBlockNumber();
        await expectRefused(
          "rollup:create",
          create({ from: alice.address }),
          `the contract refused the transaction: FactorySettlementWindowTooShort(${days(7) - 1}, ${days(7)})`,
        );
        expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
      });

      it("refuses a --salt the sender created a rollup of the template with already, sending nothing", async function () {
        const { alice } = await load(deployedFixture);
        const first = await task<CreateResult>("rollup:create", create({ salt: "mine", from: alice.address }));
        const block = await hre.ethers.provider.getBlockNumber();
        await expectRefused(
          "rollup:create",
          create({ chainId: "424243", salt: "mine", from: alice.address }),
          `${alice.address} created a rollup from template OPStack-EVM with this salt already (${first.address})`,
        );
        expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
      });

      it("refuses a creator without enough ALT for the fee and the prepayment", async function () {
        const { alice, poor } = await load(deployedFixture);
        await expectRefused(
          "rollup:create",
          create({ from: poor.address }),
          `${poor.address} holds 0 ALT; this needs 6,184 ALT`,
        );
        await expectRefused(
          "rollup:create",
          create({ prepay: "99000.5", from: alice.address }),
          `${alice.address} holds 100,000 ALT; this needs 100,000.5 ALT`,
        );
      });

      it("refuses a short allowance without --approve", async function () {
        const { token, alice, factoryAddress } = await load(deployedFixture);
        await expectRefused(
          "rollup:create",
          create({ approve: false, from: alice.address }),
          "allowance 0 ALT is below the 6,184 ALT needed: pass --approve",
        );
        await (await token.connect(alice).approve(factoryAddress, 6_183n * ALT)).wait();
        await expectRefused(
          "rollup:create",
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
            "rollup:create",
            create({ from: alice.address, [option]: "0x1234" }),
            `${flag} is not a valid address: 0x1234`,
          );
        }
        const stranger = "0x000000000000000000000000000000000000dEaD";
        await expectRefused(
          "rollup:create",
          create({ from: stranger }),
          `--from ${stranger} is not an account of network hardhat`,
        );
      });

      // Regression (rollup:create, fixed): the zero address passes as --owner / --proposer (parseAddress accepts
      // it); the task then sends createRollup, which reverts with FactoryZeroAddress(): a raw "VM Exception ...
      // reverted with custom error 'FactoryZeroAddress()'" with a stack trace instead of a one-line refusal (SPEC 4).
      // Two blocks are mined meanwhile: the --approve approval (the allowance stays raised) and the reverted call.
      it("refuses the zero address as --owner or --proposer", async function () {
        const { alice } = await load(deployedFixture);
        for (const option of ["owner", "proposer"]) {
          const block = await hre.ethers.provider.getBlockNumber();
          // any one-line refusal naming the option (the wording is the task's to choose)
          await expectTaskFailure("rollup:create", create({ from: alice.address, [option]: ZeroAddress }), /^--/);
          expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
        }
      });
    });
  });

  describe("rollup:list", function () {
    it("lists every rollup with its chain ID, status, lifetime and owner", async function () {
      const { alice, bob, permanentAddress, ephemeralAddress, ephemeralExpiry } = await load(rollupsFixture);
      const { result, lines } = await runTask<ListEntry[]>("rollup:list", { json: false });
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
      const result = await task<ListEntry[]>("rollup:list", { json: true });
      expect(result.map((r) => r.status)).to.deep.equal(["Active", "Settling"]);
    });

    it("keeps only the rollups of --owner", async function () {
      const { bob, carol, ephemeralAddress } = await load(rollupsFixture);
      const result = await task<ListEntry[]>("rollup:list", { owner: bob.address.toLowerCase(), json: true });
      expect(result.map((r) => r.address)).to.deep.equal([ephemeralAddress]);
      const { result: none, lines } = await runTask<ListEntry[]>("rollup:list", { owner: carol.address, json: false });
      expect(none).to.deep.equal([]);
      expect(lines).to.deep.equal(["no rollups"]);
    });

    it("prints that there is none before any rollup, and JSON with --json", async function () {
      await load(deployedFixture);
      const { result, lines } = await runTask<ListEntry[]>("rollup:list", { json: false });
      expect(result).to.deep.equal([]);
      expect(lines).to.deep.equal(["no rollups"]);
      await load(rollupsFixture);
      const json = await runTask<ListEntry[]>("rollup:list", { json: true });
      expect(JSON.parse(json.lines.join("\n"))).to.deep.equal(asJson(json.result));
    });

    it("refuses a malformed --owner", async function () {
      await load(rollupsFixture);
      await expectRefused("rollup:list", { owner: "alice", json: true }, "--owner is not a valid address: alice");
    });
  });

  describe("rollup:info", function () {
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
        services: ["VITAL", "MACH"],
        fastFinalityBps: 6_667,
        expiry: 0,
        paidUntil: permanentCreatedAt + MIN_PREPAID,
        escrow: PERMANENT_PREPAY,
        streamed: 0n,
        batches: { count: 0n, root: ZeroHash },
        outputs: { count: 0n, finalized: 0n },
        queue: { length: 0n, included: 0n, minFee: ALT }, // hardhat.json's minQueueFee
      };
      const { result, lines } = await runTask<RollupInfo>("rollup:info", { rollup: permanentAddress, json: true });
      expect(result).to.deep.equal(expected);
      expect(JSON.parse(lines.join("\n"))).to.deep.equal(asJson(expected));
      expect(await task<RollupInfo>("rollup:info", { rollup: "1001", json: true })).to.deep.equal(expected);
      expect(
        await task<RollupInfo>("rollup:info", { rollup: permanentAddress.toLowerCase(), json: true }),
      ).to.deep.equal(expected);
    });

    it("shows the batch chain and the latest output after a batch and an output", async function () {
      const { permanent, permanentAddress, alice, token } = await load(rollupsFixture);
      const commitment = id("batch-0");
      const stateRoot = id("output-0");
      await (await permanent.connect(alice).appendBatch(commitment, 0)).wait();
      await (await token.connect(alice).approve(permanentAddress, OUTPUT_BOND)).wait();
      await (await permanent.connect(alice).proposeOutput(1_800, stateRoot)).wait();
      const { result, lines } = await runTask<RollupInfo>("rollup:info", { rollup: "1001", json: false });
      const batchRoot = batchRootOf(ZeroHash, commitment, 0);
      expect(result.batches).to.deep.equal({ count: 1n, root: batchRoot });
      // the output root binds the state root to the batch chain at proposal (one batch) and no parent
      const root = outputRootOf({ l2BlockNumber: 1_800n, stateRoot, batchCount: 1n, batchRoot });
      expect(result.outputs).to.deep.equal({
        count: 1n,
        finalized: 0n,
        latest: { index: 0, l2BlockNumber: 1_800n, root, stateRoot, batchCount: 1n, status: "Proposed" },
      });
      expect(result.queue).to.deep.equal({ length: 0n, included: 0n, minFee: ALT });
      expect(result.escrow).to.equal(PERMANENT_PREPAY);
      expect(lines).to.deep.equal([
        `rollup ${permanentAddress} (chain ID 1001, template 0): Active`,
        `  owner ${alice.address}; sequencer ${alice.address}; proposer ${alice.address}; DA EthereumBlobs`,
        "  services VITAL, MACH; fast finality at 6667 bps",
        `  permanent; fees paid until ${isoTime(result.paidUntil)}; escrow 5,184 ALT, streamed 0 ALT`,
        `  batches 1 (root ${batchRootOf(ZeroHash, commitment, 0)}); forced-inclusion queue 0 (0 included; minimum fee 1 ALT)`,
        `  outputs 1 (0 finalized); latest #0 at L2 block 1800: Proposed, root ${root} (state root ${stateRoot}; batches 1)`,
      ]);
    });

    it("shows a paused rollup with the end of its pause, and the past end once it lapsed", async function () {
      const { permanent, permanentAddress, deployer } = await load(rollupsFixture);
      const until = (await time.latest()) + 5 * 86_400;
      await (await permanent.connect(deployer).pauseUntil(until)).wait();
      const { result, lines } = await runTask<RollupInfo>("rollup:info", { rollup: "1001", json: false });
      expect([result.paused, result.pausedUntil]).to.deep.equal([true, until]);
      expect(lines[0]).to.equal(
        `rollup ${permanentAddress} (chain ID 1001, template 0): Active, paused until ${isoTime(until)}`,
      );
      await time.increaseTo(until);
      const after = await runTask<RollupInfo>("rollup:info", { rollup: "1001", json: false });
      expect([after.result.paused, after.result.pausedUntil]).to.deep.equal([false, until]);
      expect(after.lines[0]).to.equal(`rollup ${permanentAddress} (chain ID 1001, template 0): Active`);
    });

    it("shows the factory's minimum queue fee as it is now, for a rollup created before it changed", async function () {
      const { factory, deployer } = await load(rollupsFixture);
      await (await factory.connect(deployer).setMinQueueFee((5n * ALT) / 2n)).wait();
      const { result, lines } = await runTask<RollupInfo>("rollup:info", { rollup: "1001", json: false });
      expect(result.queue).to.deep.equal({ length: 0n, included: 0n, minFee: (5n * ALT) / 2n });
      expect(lines[4]).to.match(/; forced-inclusion queue 0 \(0 included; minimum fee 2\.5 ALT\)$/);
    });

    it("shows an ephemeral rollup's expiry, and Settling once it is sunset", async function () {
      const { ephemeral, ephemeralAddress, ephemeralExpiry, ephemeralPrepay, bob } = await load(rollupsFixture);
      const { result, lines } = await runTask<RollupInfo>("rollup:info", { rollup: ephemeralAddress, json: false });
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
      expect(lines[3]).to.equal(
        `  expires ${isoTime(ephemeralExpiry)}; fees paid until ${isoTime(ephemeralExpiry)}; escrow 5,184 ALT, streamed 0 ALT`,
      );
      expect(lines[5]).to.equal("  no outputs");
      await (await ephemeral.connect(bob).sunset()).wait();
      expect((await task<RollupInfo>("rollup:info", { rollup: "1002", json: true })).status).to.equal("Settling");
    });

    it("refuses an unknown chain ID, an address that is not a rollup and a malformed one", async function () {
      const { factoryAddress, alice } = await load(rollupsFixture);
      await expectRefused("rollup:info", { rollup: "999", json: true }, "no rollup has chain ID 999");
      for (const address of [factoryAddress, alice.address]) {
        await expectRefused(
          "rollup:info",
          { rollup: address, json: true },
          `${address} is not a rollup of the factory`,
        );
      }
      await expectRefused("rollup:info", { rollup: "0xabc", json: true }, "--rollup is not a valid address: 0xabc");
    });
  });

  describe("rollup:extend", function () {
    const EXTEND_COST = RATE * 2n * BigInt(days(7)); // 1,209.6 ALT

    it("moves the expiry by --by, paying rate × services × time, approving the rollup with --approve", async function () {
      const { ephemeral, ephemeralAddress, ephemeralExpiry, ephemeralPrepay, token, bob } = await load(rollupsFixture);
      const before = await token.balanceOf(bob.address);
      const { result, lines } = await runTask<ExtendResult>("rollup:extend", {
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
        "rollup:extend",
        { by: "7d", rollup: ephemeralAddress, from: bob.address, json: true },
        "allowance 0 ALT is below the 1,209.6 ALT needed: pass --approve",
      );
      await (await token.connect(bob).approve(ephemeralAddress, EXTEND_COST)).wait();
      const result = await task<ExtendResult>("rollup:extend", {
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
        "rollup:extend",
        { by: "7d", rollup: "1001", from: alice.address, approve: true, json: true },
        `rollup ${permanentAddress} is permanent: there is no expiry to extend`,
      );
    });

    it("refuses an account that is not the owner", async function () {
      const { bob, carol, ephemeralAddress } = await load(rollupsFixture);
      await expectRefused(
        "rollup:extend",
        { by: "7d", rollup: "1002", from: carol.address, approve: true, json: true },
        `${carol.address} is not the owner of ${ephemeralAddress} (${bob.address} is)`,
      );
    });

    it("refuses --by 0 and a malformed --by", async function () {
      const { bob } = await load(rollupsFixture);
      await expectRefused(
        "rollup:extend",
        { by: "0", rollup: "1002", from: bob.address, approve: true, json: true },
        "--by must be longer than zero",
      );
      await expectRefused(
        "rollup:extend",
        { by: "a week", rollup: "1002", from: bob.address, approve: true, json: true },
        '--by: invalid duration "a week": use seconds or a number with s, m, h, d, w, mo or y',
      );
    });

    it("refuses a rollup past its expiry", async function () {
      const { bob, ephemeralAddress, ephemeralExpiry } = await load(rollupsFixture);
      await time.increaseTo(ephemeralExpiry);
      await expectRefused(
        "rollup:extend",
        { by: "7d", rollup: "1002", from: bob.address, approve: true, json: true },
        `rollup ${ephemeralAddress} is Settling, not Active`,
      );
    });
  });

  describe("rollup:sunset", function () {
    it("ends the rollup now as its owner: expired at the block, status Settling", async function () {
      const { ephemeral, ephemeralAddress, ephemeralCreatedAt, bob } = await load(rollupsFixture);
      const at = ephemeralCreatedAt + days(10);
      await time.setNextBlockTimestamp(at);
      const { result, lines } = await runTask<{ rollup: string; expiry: number; tx: TxReport }>("rollup:sunset", {
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
      const result = await task<{ expiry: number; tx: TxReport }>("rollup:sunset", {
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
        "rollup:sunset",
        { rollup: "1002", from: alice.address, json: true },
        `${alice.address} is not the owner of ${ephemeralAddress} (${bob.address} is)`,
      );
      await task("rollup:sunset", { rollup: "1002", from: bob.address, json: true });
      await expectRefused(
        "rollup:sunset",
        { rollup: "1002", from: bob.address, json: true },
        `rollup ${ephemeralAddress} is Settling, not Active`,
      );
    });
  });

  describe("rollup:settle", function () {
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
        "rollup:settle",
        { rollup: "1002", json: true },
        `rollup ${ephemeralAddress} settles from ${isoTime(settlesAt)}`,
      );
      await time.increaseTo(settlesAt - 2);
      await expectRefused(
        "rollup:settle",
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
      const { result, lines } = await runTask<SettleResult>("rollup:settle", {
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
      const result = await task<SettleResult>("rollup:settle", { rollup: "1002", json: true });
      expect(result.refund).to.equal(0n);
      await expect(transaction(result.tx.hash)).to.emit(ephemeral, "Retired").withArgs(0n);
      expect(await ephemeral.streamed()).to.equal(ephemeralPrepay);
      expect(await token.balanceOf(bob.address)).to.equal(bobBefore);
    });

    it("refuses a permanent rollup until it is sunset", async function () {
      const { permanent, permanentAddress, permanentCreatedAt, token, rewards, alice } = await load(rollupsFixture);
      await expectRefused(
        "rollup:settle",
        { rollup: "1001", json: true },
        `rollup ${permanentAddress} is permanent: sunset it first`,
      );
      const sunsetAt = permanentCreatedAt + days(1);
      await time.setNextBlockTimestamp(sunsetAt);
      await task("rollup:sunset", { rollup: "1001", from: alice.address, json: true });
      await time.increaseTo(sunsetAt + WINDOW - 1);
      const before = await token.balanceOf(alice.address);
      const rewardsBefore = await token.balanceOf(await rewards.getAddress());
      const result = await task<SettleResult>("rollup:settle", { rollup: permanentAddress, json: true });
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
      await task("rollup:settle", { rollup: "1002", json: true });
      await expectRefused(
        "rollup:settle",
        { rollup: "1002", json: true },
        `rollup ${ephemeralAddress} is already retired`,
      );
    });
  });

  describe("rollup:force-include", function () {
    it("refuses an empty queue", async function () {
      await load(rollupsFixture);
      await expectRefused(
        "rollup:force-include",
        { rollup: "1001", json: true },
        "the forced-inclusion queue is empty",
      );
    });

    it("refuses while the head item is not overdue, naming its deadline", async function () {
      const { deadlines } = await load(queuedFixture);
      const message = `queue item 0 is not overdue: its deadline is ${isoTime(deadlines[0])}`;
      await expectRefused("rollup:force-include", { rollup: "1001", json: true }, message);
      await time.increaseTo(deadlines[0] - 1); // the next block is at the deadline: not overdue yet
      await expectRefused("rollup:force-include", { rollup: "1001", json: true }, message);
    });

    it("forces the overdue items in after 12 hours and a second: fees to the caller, the sequencer at fault", async function () {
      const { permanent, permanentAddress, token, alice, dave, deadlines } = await load(queuedFixture);
      await time.increaseTo(deadlines[0]);
      await time.setNextBlockTimestamp(deadlines[0] + 1);
      const before = await token.balanceOf(dave.address);
      const { result, lines } = await runTask<ForceIncludeResult>("rollup:force-include", {
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
        "rollup:force-include",
        { rollup: "1001", json: true },
        `queue item 1 is not overdue: its deadline is ${isoTime(deadlines[1])}`,
      );
    });

    it("forces at most --count items, then the rest", async function () {
      const { permanent, token, carol, dave, deadlines } = await load(queuedFixture);
      await time.increaseTo(deadlines[1]);
      const first = await task<ForceIncludeResult>("rollup:force-include", {
        rollup: "1001",
        count: "1",
        from: dave.address,
        json: true,
      });
      expect([first.firstIndex, first.included]).to.deep.equal([0n, 1n]);
      const before = await token.balanceOf(carol.address);
      const second = await task<ForceIncludeResult>("rollup:force-include", {
        rollup: "1001",
        from: carol.address,
        json: true,
      });
      expect([second.firstIndex, second.included]).to.deep.equal([1n, 1n]);
      expect((await token.balanceOf(carol.address)) - before).to.equal(7n * ALT);
      expect(await permanent.queueHead()).to.equal(2n);
      await expectRefused(
        "rollup:force-include",
        { rollup: "1001", json: true },
        "the forced-inclusion queue is empty",
      );
    });

    it("forces every overdue item in one call by default", async function () {
      const { permanent, token, dave, alice, deadlines } = await load(queuedFixture);
      await time.increaseTo(deadlines[1]);
      const before = await token.balanceOf(dave.address);
      const result = await task<ForceIncludeResult>("rollup:force-include", {
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
        "rollup:force-include",
        { rollup: "1001", count: "0", json: true },
        "--count must be a positive whole number, not 0",
      );
    });
  });

  describe("rollup:propose-output", function () {
    interface ProposeResult {
      rollup: string;
      index: bigint;
      l2BlockNumber: bigint;
      root: string;
      stateRoot: string;
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
      const { result, lines } = await runTask<ProposeResult>("rollup:propose-output", {
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
        `  output root ${root0} (state root ${id("output 0")}; batches 0)`,
      ]);
      expect(await token.balanceOf(alice.address)).to.equal(before - OUTPUT_BOND);
      // the next proposal needs its own allowance
      await (await token.connect(alice).approve(permanentAddress, OUTPUT_BOND)).wait();
      await expect(transaction(result.tx.hash))
        .to.emit(permanent, "OutputProposed")
        .withArgs(0, INTERVAL, root0, id("output 0"), 0n, ZeroHash, ZeroHash, alice.address);
      const next = await task<ProposeResult>("rollup:propose-output", {
        rollup: permanentAddress,
        root: id("output 1"),
        block: "3600",
        from: alice.address,
        json: true,
      });
      const root1 = outputRootOf({
        l2BlockNumber: 2n * INTERVAL,
        stateRoot: id("output 1"),
        batchCount: 0n,
        batchRoot: ZeroHash,
        parentRoot: root0,
      });
      expect([next.index, next.l2BlockNumber, next.root, next.stateRoot]).to.deep.equal([
        1n,
        2n * INTERVAL,
        root1,
        id("output 1"),
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
        "rollup:propose-output",
        { rollup: "1001", root: id("x"), from: alice.address, json: true },
        "allowance 0 ALT is below the 1,000 ALT needed: pass --approve",
      );
      expect(await permanent.outputCount()).to.equal(0n);
      await expectRefused(
        "rollup:propose-output",
        { rollup: "1001", root: id("x"), block: "1799", from: alice.address, json: true },
        "the next output is at L2 block 1800, not 1799",
      );
      await expectRefused(
        "rollup:propose-output",
        { rollup: "1001", root: "0x1234", from: alice.address, json: true },
        "--root must be 32-byte hex: 0x1234",
      );
      await expectRefused(
        "rollup:propose-output",
        { rollup: "1001", root: id("x"), from: bob.address, json: true },
        `only the rollup's proposer ${alice.address} proposes outputs`,
      );
    });
  });
});
