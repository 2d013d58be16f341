import { expect } from "chai";
import { ethers, upgrades } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse } from "ethers";
import type { IRollupFactory } from "../../typechain-types/contracts/rollups/RollupFactory";
import type { Rollup, RollupFactory } from "../../typechain-types";
import { ALT } from "../helpers/constants";
import { days } from "../helpers/time";
import {
  DA,
  OUTPUT_BOND,
  SERVICE,
  TEMPLATE,
  commitRollup,
  createParams,
  createRollup,
  deployRollups,
} from "../helpers/rollups";

type Template = IRollupFactory.TemplateStruct;
type CreateParams = IRollupFactory.CreateParamsStruct;

const coder = ethers.AbiCoder.defaultAbiCoder();
const { ZeroAddress, id, keccak256 } = ethers;

// Solidity enums of IRollupFactory.
const Stack = { OPStack: 0, ArbitrumOrbit: 1, ZKStack: 2, PolygonCDK: 3 } as const;
const VM = { EVM: 0, WASM: 1 } as const;
const Proof = { Optimistic: 0, Validity: 1 } as const;
const Status = { Active: 0n, Settling: 1n, Retired: 2n } as const;
const DA_BIT = { EthereumBlobs: 1, Celestia: 2, EigenDA: 4, Avail: 8 } as const;
const ALL_DA = 0b1111;

// hardhat.json "rollups" and the factory's constants, written out independently of deploy/lib/rollups.ts.
const FEE_RATE = ALT / 1_000n; // 0.001 ALT per service per second
const SETTLEMENT_WINDOW = days(7);
const CREATION_FEE = 1_000n * ALT;
/** hardhat.json: the optimistic templates' output bond (whole ALT). */
const MIN_QUEUE_FEE = ALT;
/** RollupFactory.MAX_MIN_QUEUE_FEE: 100 ALT. */
const MAX_MIN_QUEUE_FEE = 100n * ALT;
const MIN_PREPAID_DURATION = BigInt(days(30));
const DEFAULT_FAST_FINALITY_BPS = 6_667n;
const HOST_CHAIN_ID = 31_337n;
const MAX_CHAIN_ID = 2n ** 53n - 1n;
const UINT48_MAX = 2n ** 48n - 1n;
/** RollupFactory.COMMIT_DELAY and COMMIT_TTL: a commitment is usable from 60 seconds after it was made, for a day. */
const COMMIT_DELAY = 60n;
const COMMIT_TTL = BigInt(days(1));

const serviceCount = (services: number) => BigInt((services & 1) + ((services >> 1) & 1) + ((services >> 2) & 1));
/** rate × #services × duration. */
const prepayment = (services: number, duration: bigint | number, rate = FEE_RATE) =>
  rate * serviceCount(services) * BigInt(duration);

/** A Template as the ABI returns it (a tuple in declaration order). */
function templateTuple(t: Template) {
  return [
    BigInt(t.stack),
    BigInt(t.vm),
    BigInt(t.proofSystem),
    BigInt(t.daLayers),
    t.deprecated,
    t.implementation,
    BigInt(t.version),
    BigInt(t.challengePeriod),
    t.verifier,
    BigInt(t.outputInterval),
    BigInt(t.creationFee),
    BigInt(t.outputBond),
  ];
}

/** CreateParams as the ABI returns them (a tuple in declaration order). */
function paramsTuple(p: CreateParams) {
  return [
    BigInt(p.templateId),
    BigInt(p.daLayer),
    ethers.hexlify(p.daConfig),
    BigInt(p.chainId),
    p.owner,
    p.sequencer,
    p.proposer,
    BigInt(p.services),
    BigInt(p.fastFinalityBps),
    BigInt(p.expiry),
    BigInt(p.prepaidFees),
    p.salt,
  ];
}

/** The CREATE2 address of an EIP-1167 clone of `implementation` deployed by `factory`, computed independently. */
function cloneAddress(factory: string, implementation: string, creator: string, templateId: number, salt: string) {
  const initCode = `0x3d602d80600a3d3981f3363d3d373d3d3d363d73${implementation.slice(2).toLowerCase()}5af43d82803e903d91602b57fd5bf3`;
  const cloneSalt = keccak256(coder.encode(["address", "uint256", "bytes32"], [creator, templateId, salt]));
  return ethers.getCreate2Address(factory, cloneSalt, keccak256(initCode));
}

/** The runtime code of an EIP-1167 clone of `implementation`. */
const cloneCode = (implementation: string) =>
  `0x363d3d373d3d3d363d73${implementation.slice(2).toLowerCase()}5af43d82803e903d91602b57fd5bf3`;

async function timestampOf(tx: ContractTransactionResponse): Promise<bigint> {
  const receipt = await tx.wait();
  return BigInt((await ethers.provider.getBlock(receipt!.blockNumber))!.timestamp);
}

/** Every stored field of a rollup. */
async function configOf(rollup: Rollup) {
  return {
    factory: await rollup.factory(),
    owner: await rollup.owner(),
    pendingOwner: await rollup.pendingOwner(),
    chainId: await rollup.chainId(),
    services: await rollup.services(),
    sequencer: await rollup.sequencer(),
    expiry: await rollup.expiry(),
    fastFinalityBps: await rollup.fastFinalityBps(),
    proofSystem: await rollup.proofSystem(),
    daLayer: await rollup.daLayer(),
    proposer: await rollup.proposer(),
    challengePeriod: await rollup.challengePeriod(),
    verifier: await rollup.verifier(),
    outputInterval: await rollup.outputInterval(),
    templateId: await rollup.templateId(),
    portal: await rollup.portal(),
    feePerServicePerSecond: await rollup.feePerServicePerSecond(),
    paidUntil: await rollup.paidUntil(),
    paid: await rollup.paid(),
    streamed: await rollup.streamed(),
    refunded: await rollup.refunded(),
    lastStreamed: await rollup.lastStreamed(),
    paused: await rollup.paused(),
    status: await rollup.status(),
  };
}

describe("RollupFactory", function () {
  async function factoryFixture() {
    const d = await deployRollups();
    const signers = await ethers.getSigners();
    const [creator, other, owner, newOwner, sequencer, poor] = d.users;
    const outsider = signers[19];
    const factoryAddress = await d.factory.getAddress();
    const implementationAddress = await d.implementation.getAddress();
    const verifierAddress = await d.verifier.getAddress();
    /** A valid optimistic template of the Rollup implementation. */
    const template = (overrides: Partial<Template> = {}): Template => ({
      stack: Stack.ArbitrumOrbit,
      vm: VM.WASM,
      proofSystem: Proof.Optimistic,
      daLayers: DA_BIT.Celestia | DA_BIT.Avail,
      deprecated: false,
      implementation: implementationAddress,
      version: 2,
      challengePeriod: days(3),
      verifier: ZeroAddress,
      outputInterval: 3_600,
      creationFee: 250n * ALT,
      outputBond: 40n * ALT,
      ...overrides,
    });
    return {
      ...d,
      creator,
      other,
      owner,
      newOwner,
      sequencer,
      poor,
      outsider,
      factoryAddress,
      implementationAddress,
      verifierAddress,
      template,
    };
  }

  type Fixture = Awaited<ReturnType<typeof factoryFixture>>;

  /** The templates of hardhat.json as the module must have registered them. */
  function hardhatTemplates(f: Fixture): Template[] {
    const optimistic = (stack: number, vm: number): Template => ({
      stack,
      vm,
      proofSystem: Proof.Optimistic,
      daLayers: ALL_DA,
      deprecated: false,
      implementation: f.implementationAddress,
      version: 1,
      challengePeriod: days(7),
      verifier: ZeroAddress,
      outputInterval: 1_800,
      creationFee: CREATION_FEE,
      outputBond: OUTPUT_BOND,
    });
    const validity = (stack: number, daLayers: number): Template => ({
      stack,
      vm: VM.EVM,
      proofSystem: Proof.Validity,
      daLayers,
      deprecated: false,
      implementation: f.implementationAddress,
      version: 1,
      challengePeriod: 0,
      verifier: f.verifierAddress,
      outputInterval: 600,
      creationFee: CREATION_FEE,
      outputBond: 0n,
    });
    return [
      optimistic(Stack.OPStack, VM.EVM),
      optimistic(Stack.ArbitrumOrbit, VM.EVM),
      optimistic(Stack.ArbitrumOrbit, VM.WASM),
      validity(Stack.ZKStack, DA_BIT.EthereumBlobs | DA_BIT.Celestia | DA_BIT.Avail),
      validity(Stack.PolygonCDK, ALL_DA),
    ];
  }

  /** Sends `createRollup(params)` from `creator` in a block at `timestamp`. */
  async function createAt(f: Fixture, creator: HardhatEthersSigner, params: CreateParams, timestamp: bigint | number) {
    await time.setNextBlockTimestamp(timestamp);
    return f.factory.connect(creator).createRollup(params);
  }

  const rollupAt = async (address: string) => (await ethers.getContractAt("Rollup", address)) as unknown as Rollup;

  describe("deployment", function () {
    it("registers the five templates of hardhat.json, cloning the Rollup implementation", async function () {
      const f = await loadFixture(factoryFixture);
      const expected = hardhatTemplates(f);
      expect(await f.factory.templateCount()).to.equal(5n);
      for (const [i, t] of expected.entries()) {
        expect([...(await f.factory.template(i))], `template ${i}`).to.deep.equal(templateTuple(t));
      }
    });

    it("points the validity templates at the MockVerifier", async function () {
      const f = await loadFixture(factoryFixture);
      const [chainId, block, root] = [123n, 600n, id("root")];
      const proof = coder.encode(
        ["bytes32"],
        [keccak256(coder.encode(["uint256", "uint256", "bytes32"], [chainId, block, root]))],
      );
      expect(await f.verifier.verify(chainId, block, root, proof)).to.equal(true);
      expect(await f.verifier.verify(chainId, block + 1n, root, proof)).to.equal(false);
      expect(await ethers.provider.getCode(f.verifierAddress)).to.equal(
        await (await ethers.deployContract("MockVerifier")).getDeployedCode(),
      );
    });

    it("sets the fee rate, settlement window, minimum queue fee, council, treasury, token, rewards, operator sets and services", async function () {
      const f = await loadFixture(factoryFixture);
      expect(await f.factory.owner()).to.equal(f.deployer.address);
      expect(await f.factory.feePerServicePerSecond()).to.equal(FEE_RATE);
      expect(await f.factory.settlementWindow()).to.equal(BigInt(SETTLEMENT_WINDOW));
      expect(await f.factory.minQueueFee()).to.equal(MIN_QUEUE_FEE);
      expect(await f.factory.MAX_MIN_QUEUE_FEE()).to.equal(MAX_MIN_QUEUE_FEE);
      expect(await f.factory.council()).to.equal(f.council.address);
      expect(await f.factory.treasury()).to.equal(f.treasury.address);
      expect(await f.factory.alt()).to.equal(await f.token.getAddress());
      expect(await f.factory.rewardsDistributor()).to.equal(await f.rewards.getAddress());
      expect(await f.factory.operatorSets()).to.equal(await f.operatorSets.getAddress());
      expect([...(await f.factory.services())]).to.deep.equal([f.vital.address, f.mach.address, f.squad.address]);
      expect(await f.factory.rollupCount()).to.equal(0n);
      expect(await f.factory.MAX_CHAIN_ID()).to.equal(MAX_CHAIN_ID);
      expect(await f.factory.MIN_PREPAID_DURATION()).to.equal(MIN_PREPAID_DURATION);
      expect(await f.factory.DEFAULT_FAST_FINALITY_BPS()).to.equal(DEFAULT_FAST_FINALITY_BPS);
      expect(await f.factory.COMMIT_DELAY()).to.equal(COMMIT_DELAY);
      expect(await f.factory.COMMIT_TTL()).to.equal(COMMIT_TTL);
    });

    it("deploys the Rollup implementation for the factory proxy, never initialised", async function () {
      const f = await loadFixture(factoryFixture);
      expect(await f.implementation.factory()).to.equal(f.factoryAddress);
      expect(await f.implementation.owner()).to.equal(ZeroAddress);
    });

    it("cannot be initialised again, through the proxy or the implementation", async function () {
      const f = await loadFixture(factoryFixture);
      const args = [
        f.outsider.address,
        await f.token.getAddress(),
        await f.rewards.getAddress(),
        await f.operatorSets.getAddress(),
        f.outsider.address,
        f.outsider.address,
        1n,
        1n,
        1n,
      ] as const;
      await expect(f.factory.connect(f.outsider).initialize(...args)).to.be.revertedWithCustomError(
        f.factory,
        "InvalidInitialization",
      );
      const implementation = (await ethers.getContractAt(
        "RollupFactory",
        await upgrades.erc1967.getImplementationAddress(f.factoryAddress),
      )) as unknown as RollupFactory;
      await expect(implementation.connect(f.outsider).initialize(...args)).to.be.revertedWithCustomError(
        f.factory,
        "InvalidInitialization",
      );
      expect(await implementation.owner()).to.equal(ZeroAddress);
    });

    it("refuses a zero token, rewards distributor, operator sets, treasury or council in initialize", async function () {
      const f = await loadFixture(factoryFixture);
      const implementation = await upgrades.erc1967.getImplementationAddress(f.factoryAddress);
      const Proxy = await ethers.getContractFactory("ERC1967Proxy");
      const good = [
        f.outsider.address,
        await f.token.getAddress(),
        await f.rewards.getAddress(),
        await f.operatorSets.getAddress(),
        f.treasury.address,
        f.council.address,
        FEE_RATE,
        SETTLEMENT_WINDOW,
        MIN_QUEUE_FEE,
      ];
      const init = (args: unknown[]) => f.factory.interface.encodeFunctionData("initialize", args as never);
      for (const position of [1, 2, 3, 4, 5]) {
        const bad = [...good];
        bad[position] = ZeroAddress;
        await expect(Proxy.deploy(implementation, init(bad)), `argument ${position}`).to.be.revertedWithCustomError(
          f.factory,
          "FactoryZeroAddress",
        );
      }
      const noOwner = [...good];
      noOwner[0] = ZeroAddress;
      await expect(Proxy.deploy(implementation, init(noOwner)))
        .to.be.revertedWithCustomError(f.factory, "OwnableInvalidOwner")
        .withArgs(ZeroAddress);
      // the same arguments with no zero address initialise a fresh proxy
      const proxy = await Proxy.deploy(implementation, init(good));
      const fresh = (await ethers.getContractAt("RollupFactory", await proxy.getAddress())) as unknown as RollupFactory;
      expect(await fresh.owner()).to.equal(f.outsider.address);
      expect(await fresh.templateCount()).to.equal(0n);
      expect(await fresh.minQueueFee()).to.equal(MIN_QUEUE_FEE);
    });

    it("refuses a minimum queue fee above MAX_MIN_QUEUE_FEE in initialize (FactoryMinQueueFeeTooHigh), takes it at the bound", async function () {
      const f = await loadFixture(factoryFixture);
      const implementation = await upgrades.erc1967.getImplementationAddress(f.factoryAddress);
      const Proxy = await ethers.getContractFactory("ERC1967Proxy");
      const init = (minQueueFee: bigint) =>
        f.factory.interface.encodeFunctionData("initialize", [
          f.outsider.address,
          f.outsider.address,
          f.outsider.address,
          f.outsider.address,
          f.treasury.address,
          f.council.address,
          FEE_RATE,
          SETTLEMENT_WINDOW,
          minQueueFee,
        ]);
      await expect(Proxy.deploy(implementation, init(MAX_MIN_QUEUE_FEE + 1n)))
        .to.be.revertedWithCustomError(f.factory, "FactoryMinQueueFeeTooHigh")
        .withArgs(MAX_MIN_QUEUE_FEE + 1n, MAX_MIN_QUEUE_FEE);
      const proxy = await Proxy.deploy(implementation, init(MAX_MIN_QUEUE_FEE));
      const fresh = (await ethers.getContractAt("RollupFactory", await proxy.getAddress())) as unknown as RollupFactory;
      expect(await fresh.minQueueFee()).to.equal(MAX_MIN_QUEUE_FEE);
    });

    it("is a valid UUPS implementation for the OpenZeppelin upgrades tooling", async function () {
      await upgrades.validateImplementation(await ethers.getContractFactory("RollupFactory"), { kind: "uups" });
    });

    it("lets the owner upgrade the proxy, keeping its state", async function () {
      const f = await loadFixture(factoryFixture);
      const next = await ethers.deployContract("RollupFactory");
      await expect(f.factory.connect(f.deployer).upgradeToAndCall(next, "0x"))
        .to.emit(f.factory, "Upgraded")
        .withArgs(await next.getAddress());
      expect(await upgrades.erc1967.getImplementationAddress(f.factoryAddress)).to.equal(await next.getAddress());
      expect(await f.factory.templateCount()).to.equal(5n);
      expect(await f.factory.feePerServicePerSecond()).to.equal(FEE_RATE);
      expect(await f.factory.minQueueFee()).to.equal(MIN_QUEUE_FEE);
      expect(await f.factory.treasury()).to.equal(f.treasury.address);
    });
  });

  describe("templates", function () {
    it("registers a template with the next id and emits TemplateRegistered", async function () {
      const f = await loadFixture(factoryFixture);
      const t = f.template({
        stack: Stack.PolygonCDK,
        proofSystem: Proof.Validity,
        challengePeriod: 0,
        verifier: f.verifierAddress,
        daLayers: DA_BIT.EthereumBlobs,
        outputBond: 0,
      });
      expect(await f.factory.connect(f.deployer).registerTemplate.staticCall(t)).to.equal(5n);
      await expect(f.factory.connect(f.deployer).registerTemplate(t))
        .to.emit(f.factory, "TemplateRegistered")
        .withArgs(5n, templateTuple(t));
      expect(await f.factory.templateCount()).to.equal(6n);
      expect([...(await f.factory.template(5))]).to.deep.equal(templateTuple(t));

      const second = f.template({ daLayers: ALL_DA, challengePeriod: 0 }); // all DA layers; no challenge period
      await expect(f.factory.connect(f.deployer).registerTemplate(second))
        .to.emit(f.factory, "TemplateRegistered")
        .withArgs(6n, templateTuple(second));
      expect(await f.factory.templateCount()).to.equal(7n);
    });

    it("updates a template and emits TemplateUpdated; rollups created before keep their configuration", async function () {
      const f = await loadFixture(factoryFixture);
      const before = await createRollup(f, f.creator, { chainId: 1_001, salt: id("before") });
      const t = f.template({ stack: Stack.OPStack, vm: VM.EVM, daLayers: DA_BIT.Celestia, outputInterval: 900 });
      await expect(f.factory.connect(f.deployer).updateTemplate(TEMPLATE.OPStack, t))
        .to.emit(f.factory, "TemplateUpdated")
        .withArgs(TEMPLATE.OPStack, templateTuple(t));
      expect([...(await f.factory.template(TEMPLATE.OPStack))]).to.deep.equal(templateTuple(t));
      expect(await f.factory.templateCount()).to.equal(5n);

      // the DA layers, challenge period, interval and fee of the update apply to rollups created afterwards
      await expect(f.factory.connect(f.creator).createRollup(createParams(f.creator.address, { chainId: 1_002 })))
        .to.be.revertedWithCustomError(f.factory, "FactoryDALayerUnsupported")
        .withArgs(TEMPLATE.OPStack, DA.EthereumBlobs);
      const treasuryBefore = await f.token.balanceOf(f.treasury);
      const after = await createRollup(f, f.creator, { chainId: 1_002, daLayer: DA.Celestia, salt: id("after") });
      expect(await f.token.balanceOf(f.treasury)).to.equal(treasuryBefore + 250n * ALT);
      expect(await after.challengePeriod()).to.equal(BigInt(days(3)));
      expect(await after.outputInterval()).to.equal(900n);
      expect(await before.challengePeriod()).to.equal(BigInt(days(7)));
      expect(await before.outputInterval()).to.equal(1_800n);
    });

    it("deprecates a template and emits TemplateDeprecated, leaving its other fields", async function () {
      const f = await loadFixture(factoryFixture);
      await expect(f.factory.connect(f.deployer).deprecateTemplate(TEMPLATE.OrbitEVM))
        .to.emit(f.factory, "TemplateDeprecated")
        .withArgs(TEMPLATE.OrbitEVM);
      const expected = { ...hardhatTemplates(f)[TEMPLATE.OrbitEVM], deprecated: true };
      expect([...(await f.factory.template(TEMPLATE.OrbitEVM))]).to.deep.equal(templateTuple(expected));
      expect((await f.factory.template(TEMPLATE.OrbitWASM)).deprecated).to.equal(false);
    });

    describe("refuses an invalid template (register and update)", function () {
      const cases: [string, (f: Fixture) => Promise<Partial<Template>>][] = [
        ["no DA layer (daLayers 0)", async () => ({ daLayers: 0 })],
        ["an unknown DA layer (daLayers 16)", async () => ({ daLayers: 16 })],
        ["already deprecated", async () => ({ deprecated: true })],
        ["outputInterval 0", async () => ({ outputInterval: 0 })],
        [
          "validity without a verifier",
          async () => ({ proofSystem: Proof.Validity, challengePeriod: 0, verifier: ZeroAddress, outputBond: 0 }),
        ],
        [
          "validity with a challenge period",
          async (f) => ({
            proofSystem: Proof.Validity,
            challengePeriod: 1,
            verifier: f.verifierAddress,
            outputBond: 0,
          }),
        ],
        [
          "validity with an output bond (nothing could forfeit it: VITAL needs a challenge period)",
          async (f) => ({
            proofSystem: Proof.Validity,
            challengePeriod: 0,
            verifier: f.verifierAddress,
            outputBond: 1,
          }),
        ],
        ["optimistic with a verifier", async (f) => ({ verifier: f.verifierAddress })],
        ["an implementation without code", async (f) => ({ implementation: f.outsider.address })],
        [
          "an implementation of another factory",
          async (f) => ({
            implementation: await (
              await ethers.deployContract("Rollup", [f.outsider.address, await f.implementation.portalImplementation()])
            ).getAddress(),
          }),
        ],
      ];
      for (const [name, overrides] of cases) {
        it(`refuses ${name}`, async function () {
          const f = await loadFixture(factoryFixture);
          const t = f.template(await overrides(f));
          await expect(f.factory.connect(f.deployer).registerTemplate(t)).to.be.revertedWithCustomError(
            f.factory,
            "FactoryInvalidTemplate",
          );
          await expect(f.factory.connect(f.deployer).updateTemplate(TEMPLATE.OPStack, t)).to.be.revertedWithCustomError(
            f.factory,
            "FactoryInvalidTemplate",
          );
          expect(await f.factory.templateCount()).to.equal(5n);
        });
      }

      it("refuses an implementation that has no factory() (the token) with FactoryInvalidTemplate", async function () {
        const f = await loadFixture(factoryFixture);
        const t = f.template({ implementation: await f.token.getAddress() });
        await expect(f.factory.connect(f.deployer).registerTemplate(t)).to.be.revertedWithCustomError(
          f.factory,
          "FactoryInvalidTemplate",
        );
      });

      it("refuses a settlement window above 365 days with FactoryInvalidParameter, and takes 365 days", async function () {
        const f = await loadFixture(factoryFixture);
        await expect(f.factory.connect(f.deployer).setSettlementWindow(365 * 86400 + 1)).to.be.revertedWithCustomError(
          f.factory,
          "FactoryInvalidParameter",
        );
        await expect(f.factory.connect(f.deployer).setSettlementWindow(365 * 86400))
          .to.emit(f.factory, "SettlementWindowSet")
          .withArgs(365 * 86400);
      });
    });

    it("refuses an unknown template id everywhere with FactoryUnknownTemplate", async function () {
      const f = await loadFixture(factoryFixture);
      const unknown = 5n;
      await expect(f.factory.connect(f.deployer).updateTemplate(unknown, f.template()))
        .to.be.revertedWithCustomError(f.factory, "FactoryUnknownTemplate")
        .withArgs(unknown);
      await expect(f.factory.connect(f.deployer).deprecateTemplate(unknown))
        .to.be.revertedWithCustomError(f.factory, "FactoryUnknownTemplate")
        .withArgs(unknown);
      await expect(f.factory.template(unknown))
        .to.be.revertedWithCustomError(f.factory, "FactoryUnknownTemplate")
        .withArgs(unknown);
      await expect(f.factory.predictRollupAddress(f.creator.address, unknown, id("salt")))
        .to.be.revertedWithCustomError(f.factory, "FactoryUnknownTemplate")
        .withArgs(unknown);
      const params = createParams(f.creator.address, { templateId: unknown, prepaidFees: 10_000n * ALT });
      await expect(f.factory.connect(f.creator).createRollup(params))
        .to.be.revertedWithCustomError(f.factory, "FactoryUnknownTemplate")
        .withArgs(unknown);
    });
  });

  describe("governance setters", function () {
    it("sets the services and emits ServicesSet", async function () {
      const f = await loadFixture(factoryFixture);
      const [a, b, c] = [f.other.address, f.owner.address, f.creator.address];
      await expect(f.factory.connect(f.deployer).setServices(a, b, c))
        .to.emit(f.factory, "ServicesSet")
        .withArgs(a, b, c);
      expect([...(await f.factory.services())]).to.deep.equal([a, b, c]);
      // one service by its bit (VITAL 1, MACH 2, SQUAD 4), zero for any other value
      expect(await f.factory.serviceOf(SERVICE.VITAL)).to.equal(a);
      expect(await f.factory.serviceOf(SERVICE.MACH)).to.equal(b);
      expect(await f.factory.serviceOf(SERVICE.SQUAD)).to.equal(c);
      for (const other of [0, 3, 7, 8]) expect(await f.factory.serviceOf(other)).to.equal(ZeroAddress);
    });

    it("sets the fee rate and emits FeeRateSet; it prices rollups created afterwards only", async function () {
      const f = await loadFixture(factoryFixture);
      const before = await createRollup(f, f.creator, { chainId: 2_001 });
      const rate = 3n * FEE_RATE + 7n;
      await expect(f.factory.connect(f.deployer).setFeeRate(rate)).to.emit(f.factory, "FeeRateSet").withArgs(rate);
      expect(await f.factory.feePerServicePerSecond()).to.equal(rate);
      expect(await f.factory.requiredPrepayment(SERVICE.VITAL | SERVICE.MACH, 0)).to.equal(
        prepayment(3, MIN_PREPAID_DURATION, rate),
      );
      const after = await createRollup(f, f.creator, { chainId: 2_002, salt: id("after") });
      expect(await after.feePerServicePerSecond()).to.equal(rate);
      expect(await after.paid()).to.equal(prepayment(3, MIN_PREPAID_DURATION, rate));
      expect(await before.feePerServicePerSecond()).to.equal(FEE_RATE);
    });

    it("keeps the fee rate within MAX_FEE_RATE (2^64 - 1 wei a second), which every rollup fixes in 64 bits, whole", async function () {
      const f = await loadFixture(factoryFixture);
      const max = 2n ** 64n - 1n;
      expect(await f.factory.MAX_FEE_RATE()).to.equal(max);
      await expect(f.factory.connect(f.deployer).setFeeRate(max + 1n)).to.be.revertedWithCustomError(
        f.factory,
        "FactoryInvalidParameter",
      );
      await expect(f.factory.connect(f.deployer).setFeeRate(max)).to.emit(f.factory, "FeeRateSet").withArgs(max);
      // a rollup without services prepays nothing: its rate is the factory's, whole
      const rollup = await createRollup(f, f.creator, { chainId: 2_003, services: 0, prepaidFees: 0n });
      expect(await rollup.feePerServicePerSecond()).to.equal(max);
    });

    it("a permanent rollup's prepaid time stops at the largest 48-bit time: a tiny rate cannot wrap paidUntil", async function () {
      const f = await loadFixture(factoryFixture);
      await (await f.factory.connect(f.deployer).setFeeRate(1n)).wait();
      // 2 wei a second (VITAL + MACH) for 10^24 wei: 5 × 10^23 seconds, far past 2^48 - 1
      const rollup = await createRollup(f, f.creator, { chainId: 2_004, prepaidFees: 10n ** 24n });
      expect(await rollup.paidUntil()).to.equal(2n ** 48n - 1n);
    });

    it("sets the settlement window and emits SettlementWindowSet", async function () {
      const f = await loadFixture(factoryFixture);
      await expect(f.factory.connect(f.deployer).setSettlementWindow(days(2)))
        .to.emit(f.factory, "SettlementWindowSet")
        .withArgs(days(2));
      expect(await f.factory.settlementWindow()).to.equal(BigInt(days(2)));
    });

    it("only the owner sets the minimum queue fee, within its bound", async function () {
      const f = await loadFixture(factoryFixture);
      for (const caller of [f.outsider, f.council, f.treasury]) {
        await expect(f.factory.connect(caller).setMinQueueFee(2n * ALT))
          .to.be.revertedWithCustomError(f.factory, "OwnableUnauthorizedAccount")
          .withArgs(caller.address);
      }
      for (const above of [MAX_MIN_QUEUE_FEE + 1n, 2n ** 96n, ethers.MaxUint256]) {
        await expect(f.factory.connect(f.deployer).setMinQueueFee(above))
          .to.be.revertedWithCustomError(f.factory, "FactoryMinQueueFeeTooHigh")
          .withArgs(above, MAX_MIN_QUEUE_FEE);
      }
      expect(await f.factory.minQueueFee()).to.equal(MIN_QUEUE_FEE);
      for (const fee of [MAX_MIN_QUEUE_FEE, 0n, 5n * ALT + 3n]) {
        await expect(f.factory.connect(f.deployer).setMinQueueFee(fee))
          .to.emit(f.factory, "MinQueueFeeSet")
          .withArgs(fee);
        expect(await f.factory.minQueueFee()).to.equal(fee);
      }
    });

    it("sets the council and emits CouncilSet; refuses a zero council", async function () {
      const f = await loadFixture(factoryFixture);
      await expect(f.factory.connect(f.deployer).setCouncil(f.other.address))
        .to.emit(f.factory, "CouncilSet")
        .withArgs(f.other.address);
      expect(await f.factory.council()).to.equal(f.other.address);
      await expect(f.factory.connect(f.deployer).setCouncil(ZeroAddress)).to.be.revertedWithCustomError(
        f.factory,
        "FactoryZeroAddress",
      );
      expect(await f.factory.council()).to.equal(f.other.address);
    });

    it("sets the treasury and emits TreasurySet (creation fees go there); refuses a zero treasury", async function () {
      const f = await loadFixture(factoryFixture);
      await expect(f.factory.connect(f.deployer).setTreasury(f.other.address))
        .to.emit(f.factory, "TreasurySet")
        .withArgs(f.other.address);
      expect(await f.factory.treasury()).to.equal(f.other.address);
      await expect(f.factory.connect(f.deployer).setTreasury(ZeroAddress)).to.be.revertedWithCustomError(
        f.factory,
        "FactoryZeroAddress",
      );
      const [oldBefore, newBefore] = [await f.token.balanceOf(f.treasury), await f.token.balanceOf(f.other)];
      await createRollup(f, f.creator, { chainId: 3_001 });
      expect(await f.token.balanceOf(f.treasury)).to.equal(oldBefore);
      expect(await f.token.balanceOf(f.other)).to.equal(newBefore + CREATION_FEE);
    });

    const guarded: [string, (f: Fixture, factory: RollupFactory) => Promise<unknown>][] = [
      ["setServices", (f, factory) => factory.setServices(f.vital.address, f.mach.address, f.squad.address)],
      ["setFeeRate", (_, factory) => factory.setFeeRate(1n)],
      ["setSettlementWindow", (_, factory) => factory.setSettlementWindow(1n)],
      ["setMinQueueFee", (_, factory) => factory.setMinQueueFee(1n)],
      ["setCouncil", (f, factory) => factory.setCouncil(f.outsider.address)],
      ["setTreasury", (f, factory) => factory.setTreasury(f.outsider.address)],
      ["registerTemplate", (f, factory) => factory.registerTemplate(f.template())],
      ["updateTemplate", (f, factory) => factory.updateTemplate(0, f.template())],
      ["deprecateTemplate", (_, factory) => factory.deprecateTemplate(0)],
      [
        "upgradeToAndCall",
        async (f, factory) =>
          factory.upgradeToAndCall(await upgrades.erc1967.getImplementationAddress(f.factoryAddress), "0x"),
      ],
    ];
    for (const [name, call] of guarded) {
      it(`refuses ${name} from anyone but the owner`, async function () {
        const f = await loadFixture(factoryFixture);
        for (const caller of [f.outsider, f.council, f.treasury]) {
          await expect(call(f, f.factory.connect(caller)))
            .to.be.revertedWithCustomError(f.factory, "OwnableUnauthorizedAccount")
            .withArgs(caller.address);
        }
      });
    }
  });

  describe("requiredPrepayment", function () {
    it("is rate × #services × 30 days for a permanent rollup", async function () {
      const f = await loadFixture(factoryFixture);
      const expected = [0n, 1n, 1n, 2n, 1n, 2n, 2n, 3n].map((n) => FEE_RATE * n * MIN_PREPAID_DURATION);
      for (let services = 0; services < 8; services++) {
        expect(await f.factory.requiredPrepayment(services, 0), `services ${services}`).to.equal(expected[services]);
      }
      expect(expected[7]).to.equal(7_776n * ALT); // 0.001 × 3 × 2,592,000
      // bits above SQUAD are not services (createRollup refuses them)
      expect(await f.factory.requiredPrepayment(8, 0)).to.equal(0n);
      expect(await f.factory.requiredPrepayment(15, 0)).to.equal(expected[7]);
    });

    it("is rate × #services × (expiry − now) for an ephemeral rollup, 0 once the expiry is reached", async function () {
      const f = await loadFixture(factoryFixture);
      const now = BigInt(await time.latest()); // calls run on the latest block
      const all = SERVICE.VITAL | SERVICE.MACH | SERVICE.SQUAD;
      expect(await f.factory.requiredPrepayment(all, now + 1n)).to.equal(3n * FEE_RATE);
      expect(await f.factory.requiredPrepayment(all, now + BigInt(days(30)) + 17n)).to.equal(
        prepayment(all, BigInt(days(30)) + 17n),
      );
      expect(await f.factory.requiredPrepayment(SERVICE.MACH, now + 1_000n)).to.equal(1_000n * FEE_RATE);
      expect(await f.factory.requiredPrepayment(all, now)).to.equal(0n);
      expect(await f.factory.requiredPrepayment(all, now - 1n)).to.equal(0n);
      expect(await f.factory.requiredPrepayment(0, now + 1_000n)).to.equal(0n);
    });
  });

  describe("createRollup", function () {
    it("creates an EIP-1167 clone of the implementation at the predicted CREATE2 address", async function () {
      const f = await loadFixture(factoryFixture);
      const salt = id("predicted");
      const predicted = await f.factory.predictRollupAddress(f.creator.address, TEMPLATE.OPStack, salt);
      expect(predicted).to.equal(
        cloneAddress(f.factoryAddress, f.implementationAddress, f.creator.address, TEMPLATE.OPStack, salt),
      );
      expect(await ethers.provider.getCode(predicted)).to.equal("0x");
      const params = createParams(f.creator.address, { salt, prepaidFees: prepayment(3, MIN_PREPAID_DURATION) });
      await commitRollup(f.factory, f.creator, params);
      expect(await f.factory.connect(f.creator).createRollup.staticCall(params)).to.equal(predicted);
      await expect(f.factory.connect(f.creator).createRollup(params))
        .to.emit(f.factory, "RollupCreated")
        .withArgs(
          0n,
          predicted,
          params.chainId,
          f.creator.address,
          paramsTuple({ ...params, fastFinalityBps: DEFAULT_FAST_FINALITY_BPS }),
        );
      expect(await ethers.provider.getCode(predicted)).to.equal(cloneCode(f.implementationAddress));
      expect(await f.factory.rollupAt(0)).to.equal(predicted);
    });

    it("creates an ephemeral validity rollup sequenced by SQUAD: event, stored configuration and payments", async function () {
      const f = await loadFixture(factoryFixture);
      // no VITAL: a validity rollup has no challenge period
      const services = SERVICE.MACH | SERVICE.SQUAD;
      await commitRollup(f.factory, f.creator, { chainId: 777_001, salt: id("zk") });
      const T = BigInt(await time.latest()) + 100n;
      const expiry = T + BigInt(days(30)) + 17n;
      const required = prepayment(services, expiry - T);
      const params = createParams(f.owner.address, {
        templateId: TEMPLATE.ZKStack,
        daLayer: DA.Celestia,
        daConfig: "0x0102abcdef",
        chainId: 777_001,
        sequencer: ZeroAddress,
        proposer: f.sequencer.address,
        services,
        fastFinalityBps: 0,
        expiry,
        prepaidFees: required + 5n * ALT + 3n, // more than required: the surplus stays in escrow
        salt: id("zk"),
      });
      const rollupAddress = await f.factory.predictRollupAddress(f.creator.address, TEMPLATE.ZKStack, params.salt);
      const balances = async () =>
        Promise.all([f.creator, f.owner, f.treasury, rollupAddress, f.factoryAddress].map((a) => f.token.balanceOf(a)));
      const [creatorBefore, ownerBefore, treasuryBefore, rollupBefore, factoryBefore] = await balances();

      const tx = await createAt(f, f.creator, params, T);
      await expect(tx)
        .to.emit(f.factory, "RollupCreated")
        .withArgs(
          0n,
          rollupAddress,
          777_001n,
          f.creator.address,
          paramsTuple({ ...params, fastFinalityBps: DEFAULT_FAST_FINALITY_BPS }),
        );
      expect(await timestampOf(tx)).to.equal(T);

      const prepaid = BigInt(params.prepaidFees);
      const [creatorAfter, ownerAfter, treasuryAfter, rollupAfter, factoryAfter] = await balances();
      expect(creatorAfter).to.equal(creatorBefore - CREATION_FEE - prepaid);
      expect(ownerAfter).to.equal(ownerBefore);
      expect(treasuryAfter).to.equal(treasuryBefore + CREATION_FEE);
      expect(rollupAfter).to.equal(rollupBefore + prepaid);
      expect(rollupBefore).to.equal(0n);
      expect(factoryAfter).to.equal(factoryBefore);

      const rollup = await rollupAt(rollupAddress);
      expect(await configOf(rollup)).to.deep.equal({
        factory: f.factoryAddress,
        owner: f.owner.address,
        pendingOwner: ZeroAddress,
        chainId: 777_001n,
        services: BigInt(services),
        sequencer: ZeroAddress,
        expiry,
        fastFinalityBps: DEFAULT_FAST_FINALITY_BPS,
        proofSystem: BigInt(Proof.Validity),
        daLayer: BigInt(DA.Celestia),
        proposer: f.sequencer.address,
        challengePeriod: 0n,
        verifier: f.verifierAddress,
        outputInterval: 600n,
        templateId: BigInt(TEMPLATE.ZKStack),
        // the rollup's first creation (the DA config is not stored: RollupCreated has it)
        portal: ethers.getCreateAddress({ from: rollupAddress, nonce: 1 }),
        feePerServicePerSecond: FEE_RATE,
        paidUntil: expiry,
        paid: prepaid,
        streamed: 0n,
        refunded: 0n,
        lastStreamed: T,
        paused: false,
        status: Status.Active,
      });
      expect(await rollup.sequencerRole()).to.equal(f.squad.address);
      expect(await rollup.escrow()).to.equal(prepaid);
    });

    it("creates a permanent optimistic rollup with a centralised sequencer, prepaid for prepaid / (rate × #services) seconds", async function () {
      const f = await loadFixture(factoryFixture);
      const services = SERVICE.VITAL | SERVICE.MACH;
      const prepaid = 123_456n * ALT + 789n; // not a whole number of seconds
      await commitRollup(f.factory, f.creator, { chainId: 42_424_242, salt: id("orbit") });
      const T = BigInt(await time.latest()) + 10n;
      const params = createParams(f.owner.address, {
        templateId: TEMPLATE.OrbitWASM,
        daLayer: DA.EigenDA,
        chainId: 42_424_242,
        sequencer: f.sequencer.address,
        proposer: f.other.address,
        services,
        fastFinalityBps: 7_500,
        expiry: 0,
        prepaidFees: prepaid,
        salt: id("orbit"),
      });
      const rollupAddress = await f.factory.predictRollupAddress(f.creator.address, TEMPLATE.OrbitWASM, params.salt);
      const [creatorBefore, treasuryBefore] = [await f.token.balanceOf(f.creator), await f.token.balanceOf(f.treasury)];
      await expect(createAt(f, f.creator, params, T))
        .to.emit(f.factory, "RollupCreated")
        .withArgs(0n, rollupAddress, 42_424_242n, f.creator.address, paramsTuple(params));
      expect(await f.token.balanceOf(f.creator)).to.equal(creatorBefore - CREATION_FEE - prepaid);
      expect(await f.token.balanceOf(f.treasury)).to.equal(treasuryBefore + CREATION_FEE);
      expect(await f.token.balanceOf(rollupAddress)).to.equal(prepaid);

      const paidSeconds = prepaid / (FEE_RATE * 2n);
      expect(paidSeconds).to.equal(61_728_000n); // 123,456.000…789 ALT / 0.002 ALT per second
      expect(await configOf(await rollupAt(rollupAddress))).to.deep.equal({
        factory: f.factoryAddress,
        owner: f.owner.address,
        pendingOwner: ZeroAddress,
        chainId: 42_424_242n,
        services: BigInt(services),
        sequencer: f.sequencer.address,
        expiry: 0n,
        fastFinalityBps: 7_500n,
        proofSystem: BigInt(Proof.Optimistic),
        daLayer: BigInt(DA.EigenDA),
        proposer: f.other.address,
        challengePeriod: BigInt(days(7)),
        verifier: ZeroAddress,
        outputInterval: 1_800n,
        templateId: BigInt(TEMPLATE.OrbitWASM),
        portal: ethers.getCreateAddress({ from: rollupAddress, nonce: 1 }),
        feePerServicePerSecond: FEE_RATE,
        paidUntil: T + paidSeconds,
        paid: prepaid,
        streamed: 0n,
        refunded: 0n,
        lastStreamed: T,
        paused: false,
        status: Status.Active,
      });
    });

    it("creates a permanent rollup without services for the creation fee only, prepaid forever", async function () {
      const f = await loadFixture(factoryFixture);
      expect(await f.factory.requiredPrepayment(0, 0)).to.equal(0n);
      const [creatorBefore, treasuryBefore] = [await f.token.balanceOf(f.creator), await f.token.balanceOf(f.treasury)];
      const rollup = await createRollup(f, f.creator, { services: 0, prepaidFees: 0 });
      expect(await f.token.balanceOf(f.creator)).to.equal(creatorBefore - CREATION_FEE);
      expect(await f.token.balanceOf(f.treasury)).to.equal(treasuryBefore + CREATION_FEE);
      expect(await f.token.balanceOf(rollup)).to.equal(0n);
      expect(await rollup.paid()).to.equal(0n);
      expect(await rollup.paidUntil()).to.equal(UINT48_MAX);
    });

    it("transfers nothing to the treasury for a template without creation fee", async function () {
      const f = await loadFixture(factoryFixture);
      await f.factory.connect(f.deployer).registerTemplate(f.template({ creationFee: 0 }));
      const [creatorBefore, treasuryBefore] = [await f.token.balanceOf(f.creator), await f.token.balanceOf(f.treasury)];
      const rollup = await createRollup(f, f.creator, { templateId: 5, daLayer: DA.Avail, services: 0 });
      expect(await f.token.balanceOf(f.creator)).to.equal(creatorBefore);
      expect(await f.token.balanceOf(f.treasury)).to.equal(treasuryBefore);
      expect(await rollup.templateId()).to.equal(5n);
      expect(await rollup.challengePeriod()).to.equal(BigInt(days(3)));
    });

    it("enumerates rollups by id, by chain ID and by owner; rollupsOf follows a two-step ownership transfer", async function () {
      const f = await loadFixture(factoryFixture);
      const a = await createRollup(f, f.creator, { chainId: 10, owner: f.owner.address, salt: id("a") });
      const b = await createRollup(f, f.creator, { chainId: 11, salt: id("b") });
      const c = await createRollup(f, f.other, { chainId: 12, owner: f.owner.address, salt: id("c") });
      const [addrA, addrB, addrC] = await Promise.all([a, b, c].map((r) => r.getAddress()));

      expect(await f.factory.rollupCount()).to.equal(3n);
      expect([await f.factory.rollupAt(0), await f.factory.rollupAt(1), await f.factory.rollupAt(2)]).to.deep.equal([
        addrA,
        addrB,
        addrC,
      ]);
      await expect(f.factory.rollupAt(3)).to.be.revertedWithPanic(0x32);
      expect(await f.factory.rollupByChainId(10)).to.equal(addrA);
      expect(await f.factory.rollupByChainId(11)).to.equal(addrB);
      expect(await f.factory.rollupByChainId(12)).to.equal(addrC);
      expect(await f.factory.rollupByChainId(13)).to.equal(ZeroAddress);
      expect(await f.factory.rollupsOf(f.owner)).to.deep.equal([addrA, addrC]);
      expect(await f.factory.rollupsOf(f.creator)).to.deep.equal([addrB]);
      expect(await f.factory.rollupsOf(f.other)).to.deep.equal([]);

      await a.connect(f.owner).transferOwnership(f.newOwner);
      expect(await f.factory.rollupsOf(f.owner)).to.deep.equal([addrA, addrC]); // pending: not yet the owner
      expect(await f.factory.rollupsOf(f.newOwner)).to.deep.equal([]);
      await a.connect(f.newOwner).acceptOwnership();
      expect(await f.factory.rollupsOf(f.owner)).to.deep.equal([addrC]);
      expect(await f.factory.rollupsOf(f.newOwner)).to.deep.equal([addrA]);
    });

    it("gives the same salt another address for another creator or another template", async function () {
      const f = await loadFixture(factoryFixture);
      const salt = id("shared");
      const first = await createRollup(f, f.creator, { chainId: 20, salt });
      const byOther = await createRollup(f, f.other, { chainId: 21, salt });
      const otherTemplate = await createRollup(f, f.creator, { chainId: 22, salt, templateId: TEMPLATE.OrbitEVM });
      const addresses = await Promise.all([first, byOther, otherTemplate].map((r) => r.getAddress()));
      expect(new Set(addresses).size).to.equal(3);
      expect(addresses[1]).to.equal(
        cloneAddress(f.factoryAddress, f.implementationAddress, f.other.address, TEMPLATE.OPStack, salt),
      );
      expect(addresses[2]).to.equal(
        cloneAddress(f.factoryAddress, f.implementationAddress, f.creator.address, TEMPLATE.OrbitEVM, salt),
      );
      for (const [i, rollup] of [first, byOther, otherTemplate].entries()) {
        expect(await rollup.chainId()).to.equal(BigInt(20 + i));
      }
    });

    it("refuses the same creator, template and salt twice (the clone address is taken)", async function () {
      const f = await loadFixture(factoryFixture);
      await createRollup(f, f.creator, { chainId: 30, salt: id("twice") });
      const params = createParams(f.creator.address, {
        chainId: 31,
        salt: id("twice"),
        prepaidFees: prepayment(3, MIN_PREPAID_DURATION),
      });
      await commitRollup(f.factory, f.creator, params);
      await expect(f.factory.connect(f.creator).createRollup(params)).to.be.revertedWithCustomError(
        f.factory,
        "FailedDeployment",
      );
      expect(await f.factory.rollupCount()).to.equal(1n);
      expect(await f.factory.rollupByChainId(31)).to.equal(ZeroAddress);
    });

    it("initialises a rollup only once, and only through the factory", async function () {
      const f = await loadFixture(factoryFixture);
      const rollup = await createRollup(f, f.creator);
      const params = createParams(f.outsider.address);
      const t = hardhatTemplates(f)[0];
      await expect(rollup.connect(f.outsider).initialize(params, t))
        .to.be.revertedWithCustomError(rollup, "RollupNotFactory")
        .withArgs(f.outsider.address);
      await expect(f.implementation.connect(f.outsider).initialize(params, t))
        .to.be.revertedWithCustomError(rollup, "RollupNotFactory")
        .withArgs(f.outsider.address);
    });
  });

  describe("commitments (chain IDs cannot be sniped)", function () {
    const CHAIN_ID = 5_005n;
    /** The victim's creation: the chain ID hidden by a salt nobody can guess; prepaid generously. */
    const victimParams = (f: Fixture, overrides: Partial<CreateParams> = {}) =>
      createParams(f.creator.address, {
        chainId: CHAIN_ID,
        salt: id("the victim's random salt"),
        prepaidFees: 10_000n * ALT,
        ...overrides,
      });
    /** keccak256(abi.encode(creator, chainId, salt)), computed independently. */
    const commitmentOf = (creator: string, chainId: bigint | number, salt: string) =>
      keccak256(coder.encode(["address", "uint256", "bytes32"], [creator, chainId, salt]));
    /** The commitment of the creator (`f.creator`) to `p`'s chain ID and salt. */
    const committed = (f: Fixture, p: CreateParams) =>
      commitmentOf(f.creator.address, BigInt(p.chainId), String(p.salt));

    /** Sends `commitRollup(commitment)` from `committer` in a block at `timestamp`. */
    async function commitAt(f: Fixture, committer: HardhatEthersSigner, commitment: string, timestamp: bigint) {
      await time.setNextBlockTimestamp(timestamp);
      return f.factory.connect(committer).commitRollup(commitment);
    }

    /** The creator committed to `victimParams` at `C`. */
    async function committedFixture() {
      const f = await loadFixture(factoryFixture);
      const params = victimParams(f);
      const commitment = committed(f, params);
      const C = BigInt(await time.latest()) + 10n;
      await commitAt(f, f.creator, commitment, C);
      return { f, params, commitment, C };
    }

    it("computes rollupCommitment as keccak256(abi.encode(creator, chainId, salt))", async function () {
      const f = await loadFixture(factoryFixture);
      const salt = id("salt");
      const commitment = await f.factory.rollupCommitment(f.creator, CHAIN_ID, salt);
      expect(commitment).to.equal(commitmentOf(f.creator.address, CHAIN_ID, salt));
      for (const other of [
        await f.factory.rollupCommitment(f.other, CHAIN_ID, salt),
        await f.factory.rollupCommitment(f.creator, CHAIN_ID + 1n, salt),
        await f.factory.rollupCommitment(f.creator, CHAIN_ID, id("salt 2")),
      ]) {
        expect(other).to.not.equal(commitment);
      }
      expect(await f.factory.committedAt(commitment)).to.equal(0n);
    });

    it("records a commitment and emits RollupCommitted(commitment, committer, usableAt, expiresAt); anyone may commit for a creator", async function () {
      const f = await loadFixture(factoryFixture);
      const params = victimParams(f);
      const commitment = committed(f, params);
      const C = BigInt(await time.latest()) + 10n;
      await expect(commitAt(f, f.outsider, commitment, C))
        .to.emit(f.factory, "RollupCommitted")
        .withArgs(commitment, f.outsider.address, C + COMMIT_DELAY, C + COMMIT_TTL);
      expect(await f.factory.committedAt(commitment)).to.equal(C);
      // only the creator it binds uses it
      await expect(createAt(f, f.creator, params, C + COMMIT_DELAY)).to.emit(f.factory, "RollupCreated");
    });

    it("chain IDs cannot be sniped: a front-runner copying a pending creation's chain ID cannot take it, committed or not", async function () {
      // the victim's commitment reveals nothing of the chain ID
      const { f, params, C } = await loadFixture(committedFixture);
      const attacker = f.other;
      const victimBefore = await f.token.balanceOf(f.creator);
      const attackerBefore = await f.token.balanceOf(attacker);

      // the victim's creation is pending from C + COMMIT_DELAY: the attacker reads it and sends first, with the same
      // parameters (salt included), then with its own salt
      const copied = { ...params, owner: attacker.address, sequencer: attacker.address, proposer: attacker.address };
      const seen = C + COMMIT_DELAY;
      await expect(createAt(f, attacker, copied, seen))
        .to.be.revertedWithCustomError(f.factory, "FactoryNotCommitted")
        .withArgs(commitmentOf(attacker.address, CHAIN_ID, params.salt as string));
      const ownSalt = { ...copied, salt: id("the attacker's salt") };
      await expect(createAt(f, attacker, ownSalt, seen + 1n))
        .to.be.revertedWithCustomError(f.factory, "FactoryNotCommitted")
        .withArgs(commitmentOf(attacker.address, CHAIN_ID, ownSalt.salt));
      // it commits now, after seeing the chain ID: too late, unless the victim's creation stays out of blocks for
      // COMMIT_DELAY
      const attackerCommitment = commitmentOf(attacker.address, CHAIN_ID, ownSalt.salt);
      await commitAt(f, attacker, attackerCommitment, seen + 2n);
      await expect(createAt(f, attacker, ownSalt, seen + 3n))
        .to.be.revertedWithCustomError(f.factory, "FactoryCommitmentTooNew")
        .withArgs(attackerCommitment, seen + 2n + COMMIT_DELAY);

      // the victim's creation is mined
      const rollup = await f.factory.predictRollupAddress(f.creator, params.templateId, params.salt);
      await expect(createAt(f, f.creator, params, seen + 4n))
        .to.emit(f.factory, "RollupCreated")
        .withArgs(
          0n,
          rollup,
          CHAIN_ID,
          f.creator.address,
          paramsTuple({ ...params, fastFinalityBps: DEFAULT_FAST_FINALITY_BPS }),
        );
      // once its commitment is usable, the attacker finds the chain ID taken
      await expect(createAt(f, attacker, ownSalt, seen + 2n + COMMIT_DELAY))
        .to.be.revertedWithCustomError(f.factory, "FactoryChainIdTaken")
        .withArgs(CHAIN_ID);
      expect(await f.factory.rollupByChainId(CHAIN_ID)).to.equal(rollup);
      expect(await (await rollupAt(rollup)).owner()).to.equal(f.creator.address);
      expect(await f.token.balanceOf(f.creator)).to.equal(victimBefore - CREATION_FEE - BigInt(params.prepaidFees));
      expect(await f.token.balanceOf(attacker)).to.equal(attackerBefore);
    });

    it("copying a pending commitment delays nobody: the copy is refused (FactoryAlreadyCommitted), before or after the victim's", async function () {
      const f = await loadFixture(factoryFixture);
      const attacker = f.other;
      // the attacker copies the victim's pending commitment and gets it mined first: the victim's is refused, but the
      // commitment exists from then on and binds the victim, who creates COMMIT_DELAY after it
      const first = victimParams(f);
      const h1 = committed(f, first);
      const C = BigInt(await time.latest()) + 10n;
      await expect(commitAt(f, attacker, h1, C))
        .to.emit(f.factory, "RollupCommitted")
        .withArgs(h1, attacker.address, C + COMMIT_DELAY, C + COMMIT_TTL);
      await expect(commitAt(f, f.creator, h1, C + 1n))
        .to.be.revertedWithCustomError(f.factory, "FactoryAlreadyCommitted")
        .withArgs(h1, C + COMMIT_TTL);
      await expect(createAt(f, attacker, { ...first, owner: attacker.address }, C + COMMIT_DELAY))
        .to.be.revertedWithCustomError(f.factory, "FactoryNotCommitted")
        .withArgs(commitmentOf(attacker.address, CHAIN_ID, first.salt as string));
      await expect(createAt(f, f.creator, first, C + COMMIT_DELAY + 1n)).to.emit(f.factory, "RollupCreated");

      // the attacker copies a commitment already mined, to restart its delay: refused, up to the last second of it
      const second = victimParams(f, { chainId: CHAIN_ID + 1n, salt: id("another random salt") });
      const h2 = committed(f, second);
      const D = C + COMMIT_DELAY + 10n;
      await commitAt(f, f.creator, h2, D);
      for (const at of [D + 1n, D + COMMIT_DELAY - 1n]) {
        await expect(commitAt(f, attacker, h2, at))
          .to.be.revertedWithCustomError(f.factory, "FactoryAlreadyCommitted")
          .withArgs(h2, D + COMMIT_TTL);
      }
      expect(await f.factory.committedAt(h2)).to.equal(D);
      await expect(createAt(f, f.creator, second, D + COMMIT_DELAY)).to.emit(f.factory, "RollupCreated");
      expect(await f.factory.rollupCount()).to.equal(2n);
    });

    it("refuses a creation without a commitment (FactoryNotCommitted(commitment)); a commitment binds its creator, chain ID and salt", async function () {
      const f = await loadFixture(factoryFixture);
      const params = victimParams(f);
      const commitment = committed(f, params);
      await expect(f.factory.connect(f.creator).createRollup(params))
        .to.be.revertedWithCustomError(f.factory, "FactoryNotCommitted")
        .withArgs(commitment);
      const C = BigInt(await time.latest()) + 10n;
      await commitAt(f, f.creator, commitment, C);
      // another sender with the same chain ID and salt (and otherwise the same creation)
      await expect(createAt(f, f.other, params, C + COMMIT_DELAY))
        .to.be.revertedWithCustomError(f.factory, "FactoryNotCommitted")
        .withArgs(commitmentOf(f.other.address, CHAIN_ID, params.salt as string));
      // the creator with another chain ID, or another salt
      for (const [chainId, salt] of [
        [CHAIN_ID + 1n, params.salt as string],
        [CHAIN_ID, id("another salt")],
      ] as const) {
        await expect(f.factory.connect(f.creator).createRollup({ ...params, chainId, salt }))
          .to.be.revertedWithCustomError(f.factory, "FactoryNotCommitted")
          .withArgs(commitmentOf(f.creator.address, chainId, salt));
      }
      // the commitment's own creation
      await expect(f.factory.connect(f.creator).createRollup(params)).to.emit(f.factory, "RollupCreated");
    });

    it("refuses a commitment younger than COMMIT_DELAY (FactoryCommitmentTooNew(commitment, usableAt)); takes it at COMMIT_DELAY", async function () {
      const { f, params, commitment, C } = await loadFixture(committedFixture);
      for (const at of [C + 1n, C + COMMIT_DELAY - 1n]) {
        await expect(createAt(f, f.creator, params, at))
          .to.be.revertedWithCustomError(f.factory, "FactoryCommitmentTooNew")
          .withArgs(commitment, C + COMMIT_DELAY);
      }
      const tx = await createAt(f, f.creator, params, C + COMMIT_DELAY);
      await expect(tx).to.emit(f.factory, "RollupCreated");
      expect(await timestampOf(tx)).to.equal(C + COMMIT_DELAY);
    });

    it("refuses a commitment from COMMIT_TTL after it was made (FactoryCommitmentExpired(commitment, expiredAt)); takes it a second before", async function () {
      const f = await loadFixture(factoryFixture);
      const expired = victimParams(f);
      const live = victimParams(f, { chainId: CHAIN_ID + 1n, salt: id("made two seconds later") });
      const C = BigInt(await time.latest()) + 10n;
      await commitAt(f, f.creator, committed(f, expired), C);
      await commitAt(f, f.creator, committed(f, live), C + 2n);
      await expect(createAt(f, f.creator, expired, C + COMMIT_TTL))
        .to.be.revertedWithCustomError(f.factory, "FactoryCommitmentExpired")
        .withArgs(committed(f, expired), C + COMMIT_TTL);
      // a second later, the commitment made two seconds later is in its last second
      await expect(createAt(f, f.creator, live, C + 2n + COMMIT_TTL - 1n)).to.emit(f.factory, "RollupCreated");
      await expect(f.factory.connect(f.creator).createRollup(expired))
        .to.be.revertedWithCustomError(f.factory, "FactoryCommitmentExpired")
        .withArgs(committed(f, expired), C + COMMIT_TTL);
    });

    it("renews an expired commitment, usable COMMIT_DELAY after the renewal; refuses to renew a live one", async function () {
      const { f, params, commitment, C } = await loadFixture(committedFixture);
      await expect(commitAt(f, f.creator, commitment, C + COMMIT_TTL - 1n))
        .to.be.revertedWithCustomError(f.factory, "FactoryAlreadyCommitted")
        .withArgs(commitment, C + COMMIT_TTL);
      const R = C + COMMIT_TTL;
      await expect(commitAt(f, f.creator, commitment, R))
        .to.emit(f.factory, "RollupCommitted")
        .withArgs(commitment, f.creator.address, R + COMMIT_DELAY, R + COMMIT_TTL);
      expect(await f.factory.committedAt(commitment)).to.equal(R);
      await expect(createAt(f, f.creator, params, R + COMMIT_DELAY - 1n))
        .to.be.revertedWithCustomError(f.factory, "FactoryCommitmentTooNew")
        .withArgs(commitment, R + COMMIT_DELAY);
      await expect(createAt(f, f.creator, params, R + COMMIT_DELAY)).to.emit(f.factory, "RollupCreated");
    });

    it("spends the commitment on creation: it cannot create a second rollup, and the chain ID stays taken", async function () {
      const f = await loadFixture(factoryFixture);
      const params = victimParams(f);
      const commitment = await commitRollup(f.factory, f.creator, params);
      await (await f.factory.connect(f.creator).createRollup(params)).wait();
      expect(await f.factory.committedAt(commitment)).to.equal(0n);
      // a second rollup with the same commitment (another template: another address) finds the chain ID taken
      const again = { ...params, templateId: TEMPLATE.OrbitEVM };
      await expect(f.factory.connect(f.creator).createRollup(again))
        .to.be.revertedWithCustomError(f.factory, "FactoryChainIdTaken")
        .withArgs(CHAIN_ID);
      // the spent commitment is no longer live: it may be made again at once, and changes nothing (taken forever)
      const R = BigInt(await time.latest()) + 1n;
      await expect(commitAt(f, f.creator, commitment, R))
        .to.emit(f.factory, "RollupCommitted")
        .withArgs(commitment, f.creator.address, R + COMMIT_DELAY, R + COMMIT_TTL);
      await time.increase(COMMIT_DELAY);
      await expect(f.factory.connect(f.creator).createRollup(again))
        .to.be.revertedWithCustomError(f.factory, "FactoryChainIdTaken")
        .withArgs(CHAIN_ID);
      expect(await f.factory.rollupCount()).to.equal(1n);
    });

    it("checks every parameter before the commitment: a creation simulated before committing fails only with FactoryNotCommitted", async function () {
      const f = await loadFixture(factoryFixture);
      const params = victimParams(f);
      await expect(f.factory.connect(f.creator).createRollup.staticCall({ ...params, chainId: 0 }))
        .to.be.revertedWithCustomError(f.factory, "FactoryInvalidChainId")
        .withArgs(0);
      await expect(f.factory.connect(f.creator).createRollup.staticCall({ ...params, prepaidFees: 0 }))
        .to.be.revertedWithCustomError(f.factory, "FactoryPrepaymentTooLow")
        .withArgs(0, prepayment(Number(params.services), MIN_PREPAID_DURATION));
      await expect(f.factory.connect(f.creator).createRollup.staticCall(params))
        .to.be.revertedWithCustomError(f.factory, "FactoryNotCommitted")
        .withArgs(committed(f, params));
    });
  });

  describe("createRollup refusals", function () {
    /** Params that pass every check (prepaid generously) but the overridden one. */
    const paramsOf = (f: Fixture, overrides: Partial<CreateParams> = {}) =>
      createParams(f.creator.address, { prepaidFees: 10_000n * ALT, ...overrides });

    it("refuses a deprecated template", async function () {
      const f = await loadFixture(factoryFixture);
      await f.factory.connect(f.deployer).deprecateTemplate(TEMPLATE.OrbitEVM);
      await expect(f.factory.connect(f.creator).createRollup(paramsOf(f, { templateId: TEMPLATE.OrbitEVM })))
        .to.be.revertedWithCustomError(f.factory, "FactoryTemplateDeprecated")
        .withArgs(TEMPLATE.OrbitEVM);
    });

    it("refuses a settlement window shorter than the template's challenge period (FactorySettlementWindowTooShort): an output proposed at the expiry finalizes before settlement", async function () {
      const f = await loadFixture(factoryFixture);
      const challengePeriod = (await f.factory.template(TEMPLATE.OPStack)).challengePeriod;
      expect(challengePeriod).to.equal(BigInt(days(7)));
      await (await f.factory.connect(f.deployer).setSettlementWindow(challengePeriod - 1n)).wait();
      await expect(f.factory.connect(f.creator).createRollup(paramsOf(f)))
        .to.be.revertedWithCustomError(f.factory, "FactorySettlementWindowTooShort")
        .withArgs(challengePeriod - 1n, challengePeriod);
      // a validity template has no challenge period: any window does
      const zk = await createRollup(f, f.creator, { templateId: TEMPLATE.ZKStack, services: 2, salt: id("zk-window") });
      expect(await zk.settlementWindow()).to.equal(challengePeriod - 1n);
      // exactly the challenge period is enough
      await (await f.factory.connect(f.deployer).setSettlementWindow(challengePeriod)).wait();
      const op = await createRollup(f, f.creator, { chainId: 77, salt: id("op-window") });
      expect(await op.settlementWindow()).to.equal(challengePeriod);
    });

    it("refuses a DA layer the template does not support (EigenDA on ZK Stack)", async function () {
      const f = await loadFixture(factoryFixture);
      await expect(
        f.factory.connect(f.creator).createRollup(paramsOf(f, { templateId: TEMPLATE.ZKStack, daLayer: DA.EigenDA })),
      )
        .to.be.revertedWithCustomError(f.factory, "FactoryDALayerUnsupported")
        .withArgs(TEMPLATE.ZKStack, DA.EigenDA);
      // the other three are supported
      for (const [i, daLayer] of [DA.EthereumBlobs, DA.Celestia, DA.Avail].entries()) {
        const rollup = await createRollup(f, f.creator, {
          templateId: TEMPLATE.ZKStack,
          services: SERVICE.MACH,
          daLayer,
          chainId: 50 + i,
          salt: id(`da-${i}`),
        });
        expect(await rollup.daLayer()).to.equal(BigInt(daLayer));
      }
    });

    for (const [name, chainId] of [
      ["0", 0n],
      ["the host chain's (31337)", HOST_CHAIN_ID],
      ["2^53", MAX_CHAIN_ID + 1n],
      ["2^64 - 1", 2n ** 64n - 1n],
    ] as const) {
      it(`refuses chain ID ${name}`, async function () {
        const f = await loadFixture(factoryFixture);
        await expect(f.factory.connect(f.creator).createRollup(paramsOf(f, { chainId })))
          .to.be.revertedWithCustomError(f.factory, "FactoryInvalidChainId")
          .withArgs(chainId);
      });
    }

    it("accepts chain IDs 1 and 2^53 − 1", async function () {
      const f = await loadFixture(factoryFixture);
      const max = await createRollup(f, f.creator, { chainId: MAX_CHAIN_ID, salt: id("max") });
      const one = await createRollup(f, f.creator, { chainId: 1, salt: id("one") });
      expect(await max.chainId()).to.equal(MAX_CHAIN_ID);
      expect(await f.factory.rollupByChainId(MAX_CHAIN_ID)).to.equal(await max.getAddress());
      expect(await f.factory.rollupByChainId(1)).to.equal(await one.getAddress());
    });

    it("refuses a chain ID already taken, by anyone", async function () {
      const f = await loadFixture(factoryFixture);
      const first = await createRollup(f, f.creator, { chainId: 60 });
      await expect(f.factory.connect(f.other).createRollup(paramsOf(f, { chainId: 60, salt: id("other") })))
        .to.be.revertedWithCustomError(f.factory, "FactoryChainIdTaken")
        .withArgs(60);
      expect(await f.factory.rollupByChainId(60)).to.equal(await first.getAddress());
    });

    it("keeps a chain ID taken forever: after its ephemeral rollup expired, settled and retired", async function () {
      const f = await loadFixture(factoryFixture);
      await commitRollup(f.factory, f.creator, { chainId: 70 });
      const T = BigInt(await time.latest()) + 10n;
      const expiry = T + BigInt(days(1));
      await time.setNextBlockTimestamp(T);
      const rollup = await createRollup(f, f.creator, { chainId: 70, services: SERVICE.VITAL, expiry });
      const rollupAddress = await rollup.getAddress();
      // VITAL's operator set for the rollup, with no members: it counts no stake
      await f.operatorSets.connect(f.vital).createSet(ethers.zeroPadValue(rollupAddress, 32), 0, 8);

      // never streamed: by the end of the window its whole day is older than the previous epoch (the operator sets'
      // clock), so it expires — no set is offered it, not even VITAL's empty one — and is refunded with the escrow
      const settledAt = expiry + BigInt(SETTLEMENT_WINDOW);
      const previousEpochStart = await f.operatorSets.epochStart((await f.operatorSets.epochAt(settledAt)) - 1n);
      expect(previousEpochStart).to.be.at.least(expiry);
      await time.increaseTo(settledAt);
      const tx = rollup.connect(f.outsider).settle();
      await expect(tx)
        .to.emit(rollup, "FeesExpired")
        .withArgs(T, expiry, FEE_RATE * BigInt(days(1)));
      await expect(tx).not.to.emit(rollup, "FeesNotCredited");
      await expect(tx).to.emit(rollup, "FeesStreamed").withArgs(0n, expiry);
      await expect(tx)
        .to.emit(rollup, "Retired")
        .withArgs(await rollup.paid());
      expect(await rollup.status()).to.equal(Status.Retired);
      expect(await rollup.streamed()).to.equal(0n);
      expect(await rollup.refunded()).to.equal(await rollup.paid());

      await expect(f.factory.connect(f.other).createRollup(paramsOf(f, { chainId: 70, salt: id("reuse") })))
        .to.be.revertedWithCustomError(f.factory, "FactoryChainIdTaken")
        .withArgs(70);
      expect(await f.factory.rollupByChainId(70)).to.equal(rollupAddress);
    });

    it("refuses a zero owner or a zero proposer", async function () {
      const f = await loadFixture(factoryFixture);
      await expect(
        f.factory.connect(f.creator).createRollup(paramsOf(f, { owner: ZeroAddress })),
      ).to.be.revertedWithCustomError(f.factory, "FactoryZeroAddress");
      await expect(
        f.factory.connect(f.creator).createRollup(paramsOf(f, { proposer: ZeroAddress })),
      ).to.be.revertedWithCustomError(f.factory, "FactoryZeroAddress");
    });

    it("refuses services outside VITAL | MACH | SQUAD (8)", async function () {
      const f = await loadFixture(factoryFixture);
      await expect(f.factory.connect(f.creator).createRollup(paramsOf(f, { services: 8 })))
        .to.be.revertedWithCustomError(f.factory, "FactoryInvalidServices")
        .withArgs(8);
    });

    it("refuses VITAL on a validity template (FactoryVitalWithoutChallengePeriod(templateId)), or on any without a challenge period", async function () {
      const f = await loadFixture(factoryFixture);
      for (const templateId of [TEMPLATE.ZKStack, TEMPLATE.PolygonCDK]) {
        expect((await f.factory.template(templateId)).challengePeriod).to.equal(0n);
        for (const services of [
          SERVICE.VITAL,
          SERVICE.VITAL | SERVICE.MACH,
          SERVICE.VITAL | SERVICE.MACH | SERVICE.SQUAD,
        ]) {
          await expect(f.factory.connect(f.creator).createRollup(paramsOf(f, { templateId, services })))
            .to.be.revertedWithCustomError(f.factory, "FactoryVitalWithoutChallengePeriod")
            .withArgs(templateId);
        }
      }
      // an optimistic template registered without a challenge period likewise
      const zeroPeriod = await f.factory.templateCount();
      await (await f.factory.connect(f.deployer).registerTemplate(f.template({ challengePeriod: 0 }))).wait();
      await expect(
        f.factory
          .connect(f.creator)
          .createRollup(paramsOf(f, { templateId: zeroPeriod, daLayer: DA.Celestia, services: SERVICE.VITAL })),
      )
        .to.be.revertedWithCustomError(f.factory, "FactoryVitalWithoutChallengePeriod")
        .withArgs(zeroPeriod);
      expect(await f.factory.rollupCount()).to.equal(0n);
      // the other services are taken on a validity template, and VITAL on an optimistic one
      const zk = await createRollup(f, f.creator, {
        templateId: TEMPLATE.ZKStack,
        services: SERVICE.MACH | SERVICE.SQUAD,
        chainId: 90,
        salt: id("zk-mach-squad"),
      });
      expect(await zk.services()).to.equal(BigInt(SERVICE.MACH | SERVICE.SQUAD));
      const op = await createRollup(f, f.creator, { services: SERVICE.VITAL, chainId: 91, salt: id("op-vital") });
      expect([await op.services(), await op.challengePeriod()]).to.deep.equal([BigInt(SERVICE.VITAL), BigInt(days(7))]);
    });

    it("refuses SQUAD sequencing (zero sequencer) without SQUAD among the services", async function () {
      const f = await loadFixture(factoryFixture);
      for (const services of [0, SERVICE.VITAL | SERVICE.MACH]) {
        await expect(f.factory.connect(f.creator).createRollup(paramsOf(f, { sequencer: ZeroAddress, services })))
          .to.be.revertedWithCustomError(f.factory, "FactoryInvalidServices")
          .withArgs(services);
      }
      const squadOnly = await createRollup(f, f.creator, { sequencer: ZeroAddress, services: SERVICE.SQUAD });
      expect(await squadOnly.sequencerRole()).to.equal(f.squad.address);
    });

    it("refuses SQUAD with a sequencer of its own (FactorySquadWithSequencer(sequencer)): SQUAD could never sequence it", async function () {
      const f = await loadFixture(factoryFixture);
      for (const services of [SERVICE.SQUAD, SERVICE.VITAL | SERVICE.MACH | SERVICE.SQUAD]) {
        await expect(
          f.factory.connect(f.creator).createRollup(paramsOf(f, { sequencer: f.sequencer.address, services })),
        )
          .to.be.revertedWithCustomError(f.factory, "FactorySquadWithSequencer")
          .withArgs(f.sequencer.address);
      }
      expect(await f.factory.rollupCount()).to.equal(0n);
    });

    for (const bps of [5_000, 10_001]) {
      it(`refuses a fast-finality threshold of ${bps} bps`, async function () {
        const f = await loadFixture(factoryFixture);
        await expect(f.factory.connect(f.creator).createRollup(paramsOf(f, { fastFinalityBps: bps })))
          .to.be.revertedWithCustomError(f.factory, "FactoryInvalidThreshold")
          .withArgs(bps);
      });
    }

    it("accepts fast-finality thresholds of 5001 and 10000 bps as given", async function () {
      const f = await loadFixture(factoryFixture);
      const low = await createRollup(f, f.creator, { chainId: 80, fastFinalityBps: 5_001, salt: id("low") });
      const high = await createRollup(f, f.creator, { chainId: 81, fastFinalityBps: 10_000, salt: id("high") });
      expect(await low.fastFinalityBps()).to.equal(5_001n);
      expect(await high.fastFinalityBps()).to.equal(10_000n);
    });

    it("refuses an expiry at the creation block's timestamp or before it; accepts one second later", async function () {
      const f = await loadFixture(factoryFixture);
      await commitRollup(f.factory, f.creator);
      const T = BigInt(await time.latest()) + 10n;
      await expect(createAt(f, f.creator, paramsOf(f, { expiry: T }), T))
        .to.be.revertedWithCustomError(f.factory, "FactoryExpiryInPast")
        .withArgs(T);
      await expect(createAt(f, f.creator, paramsOf(f, { expiry: T }), T + 1n))
        .to.be.revertedWithCustomError(f.factory, "FactoryExpiryInPast")
        .withArgs(T);
      const params = paramsOf(f, { expiry: T + 3n });
      await createAt(f, f.creator, params, T + 2n);
      expect(await f.factory.rollupByChainId(params.chainId)).to.not.equal(ZeroAddress);
    });

    it("refuses an ephemeral prepayment one wei below rate × #services × (expiry − now); accepts it exact", async function () {
      const f = await loadFixture(factoryFixture);
      const services = SERVICE.VITAL | SERVICE.MACH;
      await commitRollup(f.factory, f.creator);
      const T = BigInt(await time.latest()) + 10n;
      const expiry = T + BigInt(days(30)) + 7n;
      const required = prepayment(services, expiry - T);
      expect(required).to.equal(2n * FEE_RATE * 2_592_007n);
      await expect(createAt(f, f.creator, paramsOf(f, { expiry, services, prepaidFees: required - 1n }), T))
        .to.be.revertedWithCustomError(f.factory, "FactoryPrepaymentTooLow")
        .withArgs(required - 1n, required);
      // one second later, one second less to pay for
      const exact = required - 2n * FEE_RATE;
      await createAt(f, f.creator, paramsOf(f, { expiry, services, prepaidFees: exact }), T + 1n);
      const rollup = await rollupAt(await f.factory.rollupAt(0));
      expect(await rollup.paid()).to.equal(exact);
      expect(await rollup.paidUntil()).to.equal(expiry);
      expect(await f.token.balanceOf(rollup)).to.equal(exact);
    });

    it("refuses a permanent prepayment one wei below rate × #services × 30 days; accepts it exact", async function () {
      const f = await loadFixture(factoryFixture);
      const services = SERVICE.VITAL | SERVICE.MACH | SERVICE.SQUAD;
      const required = prepayment(services, MIN_PREPAID_DURATION);
      expect(required).to.equal(7_776n * ALT);
      const base = { services, sequencer: ZeroAddress, expiry: 0 };
      await commitRollup(f.factory, f.creator);
      await expect(f.factory.connect(f.creator).createRollup(paramsOf(f, { ...base, prepaidFees: required - 1n })))
        .to.be.revertedWithCustomError(f.factory, "FactoryPrepaymentTooLow")
        .withArgs(required - 1n, required);
      await expect(f.factory.connect(f.creator).createRollup(paramsOf(f, { ...base, prepaidFees: 0 })))
        .to.be.revertedWithCustomError(f.factory, "FactoryPrepaymentTooLow")
        .withArgs(0n, required);
      const tx = await f.factory.connect(f.creator).createRollup(paramsOf(f, { ...base, prepaidFees: required }));
      const T = await timestampOf(tx);
      const rollup = await rollupAt(await f.factory.rollupAt(0));
      expect(await rollup.paid()).to.equal(required);
      expect(await rollup.paidUntil()).to.equal(T + MIN_PREPAID_DURATION);
    });

    it("requires no prepayment without services, ephemeral or permanent", async function () {
      const f = await loadFixture(factoryFixture);
      await commitRollup(f.factory, f.creator, { chainId: 90 });
      const T = BigInt(await time.latest()) + 10n;
      await createAt(f, f.creator, paramsOf(f, { services: 0, expiry: T + 1_000n, prepaidFees: 0, chainId: 90 }), T);
      await createRollup(f, f.creator, { services: 0, prepaidFees: 0, chainId: 91, salt: id("permanent") });
      const ephemeral = await rollupAt(await f.factory.rollupByChainId(90));
      expect(await ephemeral.paid()).to.equal(0n);
      expect(await ephemeral.paidUntil()).to.equal(T + 1_000n);
      expect(await f.factory.rollupCount()).to.equal(2n);
    });

    it("refuses a creator whose allowance does not cover the creation fee, or then the prepayment", async function () {
      const f = await loadFixture(factoryFixture);
      const prepaid = prepayment(3, MIN_PREPAID_DURATION);
      const params = createParams(f.poor.address, { prepaidFees: prepaid });
      const commitment = await commitRollup(f.factory, f.poor, params);
      const committedAt = await f.factory.committedAt(commitment);
      await f.token.connect(f.poor).approve(f.factory, CREATION_FEE - 1n);
      await expect(f.factory.connect(f.poor).createRollup(params))
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance")
        .withArgs(f.factoryAddress, CREATION_FEE - 1n, CREATION_FEE);
      await f.token.connect(f.poor).approve(f.factory, CREATION_FEE + prepaid - 1n);
      await expect(f.factory.connect(f.poor).createRollup(params))
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance")
        .withArgs(f.factoryAddress, prepaid - 1n, prepaid);
      expect(await f.factory.rollupCount()).to.equal(0n);
      // the refused creations spent nothing: the commitment is still there
      expect(await f.factory.committedAt(commitment)).to.equal(committedAt);
    });
  });
});
