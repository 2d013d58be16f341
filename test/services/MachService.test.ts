// MACH fast finality (contracts/services/MachService.sol, DRAFT of issue 6): certificates of EIP-712 attestations by the
// members of a rollup's MACH set, checked against the latest snapshot's stake and the rollup's threshold; equivocation
// proofs turned into slash requests. The protocol is the staged deployment of test/helpers/rollups.ts with the real
// MachService behind an ERC1967Proxy set as the factory's MACH service; stakes are chosen so that one subset of members
// holds exactly 66.67 % of the snapshot stake and another one stake unit less, and every value below is computed
// independently in bigint math.
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { TypedDataDomain, Wallet } from "ethers";
import type { MachService, RestakingRegistry, SlashingManager } from "../../typechain-types";
import { ALT } from "../helpers/constants";
import { DAY, days } from "../helpers/time";
import { keyProof, keyWallet } from "../helpers/keys";
import { SERVICE, createRollup, deployRollups } from "../helpers/rollups";

const coder = ethers.AbiCoder.defaultAbiCoder();

/** OperatorSets.STAKE_UNIT: snapshot stakes are whole multiples of 1e9 wei. */
const STAKE_UNIT = 10n ** 9n;
/** RestakingRegistry virtual shares: a fresh pool mints amount * 1e6 shares for its first deposit. */
const VIRTUAL_SHARES = 10n ** 6n;
const BPS = 10_000n;
/** RollupFactory.DEFAULT_FAST_FINALITY_BPS (createParams leaves fastFinalityBps 0). */
const DEFAULT_THRESHOLD_BPS = 6_667n;
const EQUIVOCATION_BPS = 1_000n;
/** deploy/parameters/hardhat.json "restaking": veto window 2 days, reporter share 10 %, epochs of 1 day. */
const VETO_WINDOW = 2 * DAY;
const REPORTER_BPS = 1_000n;
const EPOCH_LENGTH = DAY;
/** The epoch the fixture snapshots in (a non-zero one, so a certificate's epoch is not a default value). */
const SNAPSHOT_EPOCH = 3n;
/** The OP Stack template's output interval: the first output is for L2 block 1,800. */
const L2_BLOCK = 1_800n;
const ROOT = ethers.id("output-root");
const OTHER_ROOT = ethers.id("conflicting-root");
const MIN_STAKE = 1_000n * ALT;
const MAX_SIZE = 8;
const Output = { None: 0n, Proposed: 1n, FastFinalized: 2n, Finalized: 3n } as const;

/**
 * Self-stakes of operators 0..4 (fresh pools: each operator's stake is its deposit exactly). Total 10,000 ALT, so the
 * default threshold is 6,667 ALT: members {0, 1, 2} hold exactly that, members {0, 1, 3} one stake unit less.
 */
const STAKES = [3_000n * ALT, 2_500n * ALT, 1_167n * ALT, 1_167n * ALT - STAKE_UNIT, 2_166n * ALT + STAKE_UNIT];
const TOTAL_STAKE = STAKES.reduce((a, b) => a + b, 0n);
const sumOf = (indexes: number[]) => indexes.reduce((sum, i) => sum + STAKES[i], 0n);
const bitmapOf = (indexes: number[]) => indexes.reduce((bitmap, i) => bitmap | (1n << BigInt(i)), 0n);

const ATTESTATION_TYPES = {
  Attestation: [
    { name: "rollup", type: "address" },
    { name: "l2BlockNumber", type: "uint64" },
    { name: "outputRoot", type: "bytes32" },
  ],
};

/** ERC-7201: keccak256(abi.encode(uint256(keccak256(id)) - 1)) & ~bytes32(uint256(0xff)). */
function erc7201Slot(namespace: string): bigint {
  const inner = BigInt(ethers.id(namespace)) - 1n;
  return BigInt(ethers.keccak256(coder.encode(["uint256"], [inner]))) & ~0xffn;
}

/** OperatorSets.setIdOf(service, bytes32(rollup)): keccak256(abi.encode(service, key)). */
const setIdOf = (service: string, rollup: string) =>
  BigInt(ethers.keccak256(coder.encode(["address", "bytes32"], [service, ethers.zeroPadValue(rollup, 32)])));

describe("MachService", function () {
  async function machFixture() {
    const d = await deployRollups();
    const { deployer, factory, operatorSets, token, users } = d;
    const registry = (await ethers.getContractAt(
      "RestakingRegistry",
      await operatorSets.registry(),
    )) as unknown as RestakingRegistry;
    const slashingManager = (await ethers.getContractAt(
      "SlashingManager",
      await registry.slashingManager(),
    )) as unknown as SlashingManager;

    const machImplementation = await ethers.deployContract("MachService");
    const initData = machImplementation.interface.encodeFunctionData("initialize", [
      deployer.address,
      await factory.getAddress(),
      await operatorSets.getAddress(),
      await registry.getAddress(),
      await slashingManager.getAddress(),
      EQUIVOCATION_BPS,
    ]);
    const proxy = await ethers.deployContract("ERC1967Proxy", [await machImplementation.getAddress(), initData]);
    const mach = (await ethers.getContractAt("MachService", await proxy.getAddress())) as unknown as MachService;
    const machAddress = await mach.getAddress();
    await (await operatorSets.setService(machAddress, true)).wait();
    await (await slashingManager.setSlasher(machAddress, Number(EQUIVOCATION_BPS), days(7))).wait();
    await (await factory.setServices(d.vital.address, machAddress, d.squad.address)).wait();

    const creator = users[5];
    const rollup = await createRollup(d, creator);
    const rollupAddress = await rollup.getAddress();
    await (await mach.registerRollup(rollupAddress, MIN_STAKE, MAX_SIZE)).wait();
    const setId = setIdOf(machAddress, rollupAddress);

    const operators = users.slice(0, STAKES.length);
    const keys = operators.map((_, i) => keyWallet(`mach-operator-${i}`));
    const registryAddress = await registry.getAddress();
    for (const [i, operator] of operators.entries()) {
      const proof = await keyProof(registry, keys[i].address, operator.address);
      await (await registry.connect(operator).registerOperator(`ipfs://mach-${i}`, 500, keys[i].address, proof)).wait();
      await (await token.connect(operator).approve(registryAddress, ethers.MaxUint256)).wait();
      await (await registry.connect(operator).stake(operator.address, 0, STAKES[i])).wait();
      await (await operatorSets.connect(operator).join(setId)).wait();
    }

    // operator-set epochs count from the block that initialised OperatorSets (its one LeaveDelayUpdated event)
    const [initEvent] = await operatorSets.queryFilter(operatorSets.filters.LeaveDelayUpdated());
    const genesis = (await ethers.provider.getBlock(initEvent.blockNumber))!.timestamp;
    await time.setNextBlockTimestamp(genesis + Number(SNAPSHOT_EPOCH) * EPOCH_LENGTH);
    await (await operatorSets.snapshot(setId)).wait();
    await (await rollup.connect(creator).proposeOutput(L2_BLOCK, ROOT)).wait();

    const domain: TypedDataDomain = {
      name: "ALT MACH",
      version: "1",
      chainId: (await ethers.provider.getNetwork()).chainId,
      verifyingContract: machAddress,
    };
    const signers = await ethers.getSigners();
    return {
      d,
      token,
      factory,
      operatorSets,
      deployer,
      council: d.council,
      rollupImplementation: d.implementation,
      registry,
      slashingManager,
      machImplementation,
      mach,
      machAddress,
      creator,
      rollup,
      rollupAddress,
      setId,
      operators,
      keys,
      genesis,
      domain,
      reporter: signers[19],
    };
  }

  type Fixture = Awaited<ReturnType<typeof machFixture>>;

  /** An attestation signed by `key` under `domain` (the service's own domain unless given). */
  function attest(
    f: Fixture,
    key: Wallet | HardhatEthersSigner,
    rollup: string,
    root: string = ROOT,
    l2Block: bigint = L2_BLOCK,
    domain: TypedDataDomain = f.domain,
  ): Promise<string> {
    return key.signTypedData(domain, ATTESTATION_TYPES, { rollup, l2BlockNumber: l2Block, outputRoot: root });
  }

  /** A certificate of the members at `indexes` (in the given order) attesting ROOT of `rollup`. */
  async function certificateOf(f: Fixture, indexes: number[], rollup: string = f.rollupAddress) {
    return Promise.all(indexes.map(async (index) => ({ index, signature: await attest(f, f.keys[index], rollup) })));
  }

  /** A second MACH rollup with a stricter threshold (80 %), the same members, snapshot and output (block, root). */
  async function strictRollupFixture() {
    const f = await loadFixture(machFixture);
    const rollup = await createRollup(f.d, f.creator, {
      chainId: 424243,
      salt: ethers.id("strict"),
      fastFinalityBps: 8_000,
    });
    const rollupAddress = await rollup.getAddress();
    await (await f.mach.registerRollup(rollupAddress, MIN_STAKE, MAX_SIZE)).wait();
    const setId = setIdOf(f.machAddress, rollupAddress);
    for (const operator of f.operators) await (await f.operatorSets.connect(operator).join(setId)).wait();
    await (await f.operatorSets.snapshot(setId)).wait();
    await (await rollup.connect(f.creator).proposeOutput(L2_BLOCK, ROOT)).wait();
    return { ...f, strict: rollup, strictAddress: rollupAddress };
  }

  /** Operator 2 signed two different roots for the same rollup and block. */
  async function equivocationFixture() {
    const f = await loadFixture(machFixture);
    const signatureA = await attest(f, f.keys[2], f.rollupAddress, ROOT);
    const signatureB = await attest(f, f.keys[2], f.rollupAddress, OTHER_ROOT);
    const evidence = ethers.keccak256(
      coder.encode(
        ["address", "uint64", "bytes32", "bytes32", "bytes", "bytes"],
        [f.rollupAddress, L2_BLOCK, ROOT, OTHER_ROOT, signatureA, signatureB],
      ),
    );
    return { ...f, signatureA, signatureB, evidence };
  }

  /** The equivocation proven by the reporter at a fixed timestamp. */
  async function provenFixture() {
    const f = await loadFixture(equivocationFixture);
    const provenAt = (await time.latest()) + 100;
    await time.setNextBlockTimestamp(provenAt);
    await (
      await f.mach
        .connect(f.reporter)
        .proveEquivocation(f.rollupAddress, L2_BLOCK, ROOT, f.signatureA, OTHER_ROOT, f.signatureB)
    ).wait();
    return { ...f, requestId: 0n, executableAt: provenAt + VETO_WINDOW };
  }

  describe("deployment", function () {
    it("is initialized behind the proxy with its EIP-712 domain and ERC-7201 storage", async function () {
      const f = await loadFixture(machFixture);
      expect(await f.mach.owner()).to.equal(f.deployer.address);
      const domain = await f.mach.eip712Domain();
      expect(domain.name).to.equal("ALT MACH");
      expect(domain.version).to.equal("1");
      expect(domain.chainId).to.equal(31337n);
      expect(domain.verifyingContract).to.equal(f.machAddress);
      expect(await f.mach.ATTESTATION_TYPEHASH()).to.equal(
        ethers.id("Attestation(address rollup,uint64 l2BlockNumber,bytes32 outputRoot)"),
      );
      expect(await f.mach.EQUIVOCATION()).to.equal(ethers.encodeBytes32String("MACH_EQUIVOCATION"));

      // factory, sets, registry in their own slots; the slashing manager packed with equivocationBps
      const slot = erc7201Slot("alt.storage.MachService");
      const word = async (offset: bigint) => BigInt(await ethers.provider.getStorage(f.machAddress, slot + offset));
      expect(await word(0n)).to.equal(BigInt(await f.factory.getAddress()));
      expect(await word(1n)).to.equal(BigInt(await f.operatorSets.getAddress()));
      expect(await word(2n)).to.equal(BigInt(await f.registry.getAddress()));
      expect(await word(3n)).to.equal((EQUIVOCATION_BPS << 160n) | BigInt(await f.slashingManager.getAddress()));
    });

    it("cannot be initialized again, nor its implementation at all", async function () {
      const f = await loadFixture(machFixture);
      const args = [
        f.reporter.address,
        await f.factory.getAddress(),
        await f.operatorSets.getAddress(),
        await f.registry.getAddress(),
        await f.slashingManager.getAddress(),
        EQUIVOCATION_BPS,
      ] as const;
      await expect(f.mach.connect(f.reporter).initialize(...args)).to.be.revertedWithCustomError(
        f.mach,
        "InvalidInitialization",
      );
      await expect(f.machImplementation.connect(f.reporter).initialize(...args)).to.be.revertedWithCustomError(
        f.machImplementation,
        "InvalidInitialization",
      );
    });
  });

  describe("registerRollup", function () {
    it("creates the rollup's MACH set, keyed by the rollup address", async function () {
      const f = await loadFixture(machFixture);
      expect(await f.mach.setIdOf(f.rollupAddress)).to.equal(f.setId);
      const config = await f.operatorSets.setConfig(f.setId);
      expect(config.service).to.equal(f.machAddress);
      expect(config.minStake).to.equal(MIN_STAKE);
      expect(config.maxSize).to.equal(BigInt(MAX_SIZE));

      const other = await createRollup(f.d, f.creator, { chainId: 424250, salt: ethers.id("other") });
      const otherAddress = await other.getAddress();
      const otherSetId = setIdOf(f.machAddress, otherAddress);
      await expect(f.mach.connect(f.reporter).registerRollup(otherAddress, 7n * ALT, 3))
        .to.emit(f.operatorSets, "SetCreated")
        .withArgs(otherSetId, f.machAddress, ethers.zeroPadValue(otherAddress, 32), 7n * ALT, 3);
    });

    it("refuses to register a rollup twice", async function () {
      const f = await loadFixture(machFixture);
      await expect(f.mach.registerRollup(f.rollupAddress, MIN_STAKE, MAX_SIZE))
        .to.be.revertedWithCustomError(f.operatorSets, "SetsExists")
        .withArgs(f.setId);
    });

    it("refuses a contract the factory did not create", async function () {
      const f = await loadFixture(machFixture);
      // the clone implementation: a Rollup, but not one of the factory's (chain ID 0 maps to no rollup)
      const fakeAddress = await f.rollupImplementation.getAddress();
      await expect(f.mach.registerRollup(fakeAddress, MIN_STAKE, MAX_SIZE))
        .to.be.revertedWithCustomError(f.mach, "MachNotRollup")
        .withArgs(fakeAddress);
      await expect(f.mach.certify(fakeAddress, 0, []))
        .to.be.revertedWithCustomError(f.mach, "MachNotRollup")
        .withArgs(fakeAddress);
    });

    it("refuses a factory rollup that did not enable MACH", async function () {
      const f = await loadFixture(machFixture);
      const vitalOnly = await createRollup(f.d, f.creator, {
        chainId: 424251,
        salt: ethers.id("vital-only"),
        services: SERVICE.VITAL,
      });
      const address = await vitalOnly.getAddress();
      await expect(f.mach.registerRollup(address, MIN_STAKE, MAX_SIZE))
        .to.be.revertedWithCustomError(f.mach, "MachNotEnabled")
        .withArgs(address);
      await (await vitalOnly.connect(f.creator).proposeOutput(L2_BLOCK, ROOT)).wait();
      const signatures = await certificateOf(f, [0, 1, 2], address);
      await expect(f.mach.certify(address, 0, signatures))
        .to.be.revertedWithCustomError(f.mach, "MachNotEnabled")
        .withArgs(address);
    });
  });

  describe("certify", function () {
    it("takes the snapshot the fixture expects: five members, 10,000 ALT, threshold 6,667 ALT", async function () {
      const f = await loadFixture(machFixture);
      const [epoch, exists] = await f.operatorSets.latestSnapshotEpoch(f.setId);
      expect([epoch, exists]).to.deep.equal([SNAPSHOT_EPOCH, true]);
      const info = await f.operatorSets.snapshotInfo(f.setId, SNAPSHOT_EPOCH);
      expect(info.totalStake).to.equal(TOTAL_STAKE);
      expect(info.size).to.equal(BigInt(STAKES.length));
      const [operators, stakes] = await f.operatorSets.snapshotEntries(f.setId, SNAPSHOT_EPOCH);
      expect(operators).to.deep.equal(f.operators.map((o) => o.address));
      expect(stakes).to.deep.equal(STAKES);
      expect(await f.rollup.fastFinalityBps()).to.equal(DEFAULT_THRESHOLD_BPS);
      expect((TOTAL_STAKE * DEFAULT_THRESHOLD_BPS) / BPS).to.equal(6_667n * ALT);
    });

    it("fast-finalizes an output signed by exactly the threshold stake and records the certificate", async function () {
      const f = await loadFixture(machFixture);
      const indexes = [0, 1, 2];
      const required = (TOTAL_STAKE * DEFAULT_THRESHOLD_BPS) / BPS;
      expect(sumOf(indexes)).to.equal(required);
      const signatures = await certificateOf(f, indexes);
      const tx = await f.mach.connect(f.reporter).certify(f.rollupAddress, 0, signatures);
      await expect(tx)
        .to.emit(f.mach, "Certified")
        .withArgs(f.rollupAddress, 0, SNAPSHOT_EPOCH, bitmapOf(indexes))
        .and.to.emit(f.rollup, "OutputFastFinalized")
        .withArgs(0);
      const certificate = await f.mach.certificate(f.rollupAddress, 0);
      expect([certificate.epoch, certificate.signerBitmap, certificate.signedStake]).to.deep.equal([
        SNAPSHOT_EPOCH,
        0b111n,
        required,
      ]);
      const output = await f.rollup.output(0);
      expect(output.status).to.equal(Output.FastFinalized);
      expect(output.root).to.equal(ROOT);
      const receipt = (await tx.wait())!;
      console.log(`      gas: certify with ${indexes.length} of ${STAKES.length} signers: ${receipt.gasUsed}`);
    });

    it("refuses a certificate one stake unit below the threshold", async function () {
      const f = await loadFixture(machFixture);
      const required = (TOTAL_STAKE * DEFAULT_THRESHOLD_BPS) / BPS;
      expect(sumOf([0, 1, 3])).to.equal(required - STAKE_UNIT);
      await expect(f.mach.certify(f.rollupAddress, 0, await certificateOf(f, [0, 1, 3])))
        .to.be.revertedWithCustomError(f.mach, "MachBelowThreshold")
        .withArgs(required - STAKE_UNIT, required);
      expect((await f.rollup.output(0)).status).to.equal(Output.Proposed);
      const certificate = await f.mach.certificate(f.rollupAddress, 0);
      expect([certificate.epoch, certificate.signerBitmap, certificate.signedStake]).to.deep.equal([0n, 0n, 0n]);
    });

    it("refuses an empty certificate", async function () {
      const f = await loadFixture(machFixture);
      await expect(f.mach.certify(f.rollupAddress, 0, []))
        .to.be.revertedWithCustomError(f.mach, "MachBelowThreshold")
        .withArgs(0, (TOTAL_STAKE * DEFAULT_THRESHOLD_BPS) / BPS);
    });

    it("records a sparse signer bitmap and the whole set's stake", async function () {
      const f = await loadFixture(machFixture);
      await expect(f.mach.certify(f.rollupAddress, 0, await certificateOf(f, [0, 1, 4])))
        .to.emit(f.mach, "Certified")
        .withArgs(f.rollupAddress, 0, SNAPSHOT_EPOCH, 0b10011n);
      expect((await f.mach.certificate(f.rollupAddress, 0)).signedStake).to.equal(sumOf([0, 1, 4]));

      // every member: the next output
      await (await f.rollup.connect(f.creator).proposeOutput(2n * L2_BLOCK, OTHER_ROOT)).wait();
      const all = [0, 1, 2, 3, 4];
      const signatures = await Promise.all(
        all.map(async (index) => ({
          index,
          signature: await attest(f, f.keys[index], f.rollupAddress, OTHER_ROOT, 2n * L2_BLOCK),
        })),
      );
      const tx = await f.mach.certify(f.rollupAddress, 1, signatures);
      await expect(tx).to.emit(f.mach, "Certified").withArgs(f.rollupAddress, 1, SNAPSHOT_EPOCH, 0b11111n);
      const certificate = await f.mach.certificate(f.rollupAddress, 1);
      expect([certificate.epoch, certificate.signerBitmap, certificate.signedStake]).to.deep.equal([
        SNAPSHOT_EPOCH,
        0b11111n,
        TOTAL_STAKE,
      ]);
      expect((await f.rollup.output(1)).status).to.equal(Output.FastFinalized);
      const receipt = (await tx.wait())!;
      console.log(`      gas: certify with ${all.length} of ${STAKES.length} signers: ${receipt.gasUsed}`);
    });

    it("applies the rollup's own threshold", async function () {
      const f = await loadFixture(strictRollupFixture);
      const required = (TOTAL_STAKE * 8_000n) / BPS;
      expect(required).to.equal(8_000n * ALT);
      await expect(f.mach.certify(f.strictAddress, 0, await certificateOf(f, [0, 1, 2], f.strictAddress)))
        .to.be.revertedWithCustomError(f.mach, "MachBelowThreshold")
        .withArgs(sumOf([0, 1, 2]), required);
      await expect(f.mach.certify(f.strictAddress, 0, await certificateOf(f, [0, 1, 2, 4], f.strictAddress)))
        .to.emit(f.mach, "Certified")
        .withArgs(f.strictAddress, 0, SNAPSHOT_EPOCH, 0b10111n);
      expect((await f.mach.certificate(f.strictAddress, 0)).signedStake).to.equal(sumOf([0, 1, 2, 4]));
    });

    it("refuses an output already fast-finalized", async function () {
      const f = await loadFixture(machFixture);
      const signatures = await certificateOf(f, [0, 1, 2]);
      await (await f.mach.certify(f.rollupAddress, 0, signatures)).wait();
      await expect(f.mach.certify(f.rollupAddress, 0, signatures))
        .to.be.revertedWithCustomError(f.rollup, "RollupOutputStatus")
        .withArgs(0, Output.FastFinalized);
    });

    it("refuses an output not proposed", async function () {
      const f = await loadFixture(machFixture);
      await expect(f.mach.certify(f.rollupAddress, 1, await certificateOf(f, [0, 1, 2])))
        .to.be.revertedWithCustomError(f.rollup, "RollupUnknownOutput")
        .withArgs(1);
    });

    it("refuses indexes out of order", async function () {
      const f = await loadFixture(machFixture);
      await expect(f.mach.certify(f.rollupAddress, 0, await certificateOf(f, [1, 0, 2])))
        .to.be.revertedWithCustomError(f.mach, "MachSignersNotSorted")
        .withArgs(1);
      await expect(f.mach.certify(f.rollupAddress, 0, await certificateOf(f, [0, 2, 4, 1])))
        .to.be.revertedWithCustomError(f.mach, "MachSignersNotSorted")
        .withArgs(3);
    });

    it("refuses a duplicate index, which would count a member's stake twice", async function () {
      const f = await loadFixture(machFixture);
      // 3,000 + 2,500 + 2,500 ALT would pass the 6,667 ALT threshold if the duplicate counted
      await expect(f.mach.certify(f.rollupAddress, 0, await certificateOf(f, [0, 1, 1])))
        .to.be.revertedWithCustomError(f.mach, "MachSignersNotSorted")
        .withArgs(2);
      await expect(f.mach.certify(f.rollupAddress, 0, await certificateOf(f, [0, 0, 1, 2])))
        .to.be.revertedWithCustomError(f.mach, "MachSignersNotSorted")
        .withArgs(1);
    });

    it("refuses an index beyond the snapshot", async function () {
      const f = await loadFixture(machFixture);
      const signatures = await certificateOf(f, [0, 1, 2]);
      signatures.push({ index: STAKES.length, signature: signatures[0].signature });
      await expect(f.mach.certify(f.rollupAddress, 0, signatures))
        .to.be.revertedWithCustomError(f.operatorSets, "SetsIndexOutOfRange")
        .withArgs(STAKES.length, STAKES.length);
    });

    it("refuses a signature by a key other than the member's signing key", async function () {
      const f = await loadFixture(machFixture);
      const signatures = await certificateOf(f, [0, 1, 2]);
      // member 2's key signing for member 1
      signatures[1].signature = await attest(f, f.keys[2], f.rollupAddress);
      await expect(f.mach.certify(f.rollupAddress, 0, signatures))
        .to.be.revertedWithCustomError(f.mach, "MachBadSignature")
        .withArgs(1, f.operators[1].address);
      // the operator's own account is not its signing key either
      signatures[1].signature = await attest(f, f.operators[1], f.rollupAddress);
      await expect(f.mach.certify(f.rollupAddress, 0, signatures))
        .to.be.revertedWithCustomError(f.mach, "MachBadSignature")
        .withArgs(1, f.operators[1].address);
    });

    it("refuses an attestation of another root or another block", async function () {
      const f = await loadFixture(machFixture);
      const signatures = await certificateOf(f, [0, 1, 2]);
      signatures[2].signature = await attest(f, f.keys[2], f.rollupAddress, OTHER_ROOT);
      await expect(f.mach.certify(f.rollupAddress, 0, signatures))
        .to.be.revertedWithCustomError(f.mach, "MachBadSignature")
        .withArgs(2, f.operators[2].address);
      signatures[2].signature = await attest(f, f.keys[2], f.rollupAddress, ROOT, 2n * L2_BLOCK);
      await expect(f.mach.certify(f.rollupAddress, 0, signatures))
        .to.be.revertedWithCustomError(f.mach, "MachBadSignature")
        .withArgs(2, f.operators[2].address);
    });

    it("refuses a malformed signature", async function () {
      const f = await loadFixture(machFixture);
      const signatures = await certificateOf(f, [0, 1, 2]);
      signatures[0].signature = "0x";
      await expect(f.mach.certify(f.rollupAddress, 0, signatures))
        .to.be.revertedWithCustomError(f.mach, "ECDSAInvalidSignatureLength")
        .withArgs(0);
    });

    it("refuses a signer jailed by a pending slash request, and counts it again once the request is vetoed", async function () {
      const f = await loadFixture(machFixture);
      // another slasher's request jails operator 1 after the snapshot
      await (await f.slashingManager.setSlasher(f.deployer.address, 500, days(7))).wait();
      const requestId = await f.slashingManager.requestCount();
      await (
        await f.slashingManager.requestSlash(
          f.operators[1].address,
          100,
          ethers.encodeBytes32String("TEST"),
          ethers.ZeroHash,
          ethers.ZeroAddress,
          await time.latest(),
        )
      ).wait();
      expect(await f.registry.isJailed(f.operators[1].address)).to.equal(true);
      const signatures = await certificateOf(f, [0, 1, 2]);
      await expect(f.mach.certify(f.rollupAddress, 0, signatures))
        .to.be.revertedWithCustomError(f.mach, "MachSignerJailed")
        .withArgs(f.operators[1].address);

      expect(await f.slashingManager.vetoer()).to.equal(f.council.address);
      await (await f.slashingManager.connect(f.council).veto(requestId)).wait();
      expect(await f.registry.isJailed(f.operators[1].address)).to.equal(false);
      await expect(f.mach.certify(f.rollupAddress, 0, signatures))
        .to.emit(f.mach, "Certified")
        .withArgs(f.rollupAddress, 0, SNAPSHOT_EPOCH, 0b111n);
    });

    describe("replay", function () {
      it("computes the EIP-712 digest of an attestation independently", async function () {
        const f = await loadFixture(machFixture);
        const value = { rollup: f.rollupAddress, l2BlockNumber: L2_BLOCK, outputRoot: ROOT };
        const digest = ethers.TypedDataEncoder.hash(f.domain, ATTESTATION_TYPES, value);
        expect(await f.mach.attestationDigest(f.rollupAddress, L2_BLOCK, ROOT)).to.equal(digest);
        // and by hand: keccak256(0x1901 ‖ domainSeparator ‖ structHash)
        const domainSeparator = ethers.keccak256(
          coder.encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [
              ethers.id("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
              ethers.id("ALT MACH"),
              ethers.id("1"),
              31337,
              f.machAddress,
            ],
          ),
        );
        const structHash = ethers.keccak256(
          coder.encode(
            ["bytes32", "address", "uint64", "bytes32"],
            [
              ethers.id("Attestation(address rollup,uint64 l2BlockNumber,bytes32 outputRoot)"),
              f.rollupAddress,
              L2_BLOCK,
              ROOT,
            ],
          ),
        );
        expect(digest).to.equal(ethers.keccak256(ethers.concat(["0x1901", domainSeparator, structHash])));
      });

      it("refuses attestations for another rollup of the same block and root", async function () {
        const f = await loadFixture(strictRollupFixture);
        const forStrict = await certificateOf(f, [0, 1, 2, 4], f.strictAddress);
        await expect(f.mach.certify(f.rollupAddress, 0, forStrict))
          .to.be.revertedWithCustomError(f.mach, "MachBadSignature")
          .withArgs(0, f.operators[0].address);
        // they do certify the rollup they were made for
        await expect(f.mach.certify(f.strictAddress, 0, forStrict))
          .to.emit(f.mach, "Certified")
          .withArgs(f.strictAddress, 0, SNAPSHOT_EPOCH, 0b10111n);
      });

      it("refuses attestations signed for another chain ID, contract, name or version", async function () {
        const f = await loadFixture(machFixture);
        const domains: TypedDataDomain[] = [
          { ...f.domain, chainId: 1n },
          { ...f.domain, verifyingContract: await f.machImplementation.getAddress() },
          { ...f.domain, name: "ALT VITAL" },
          { ...f.domain, version: "2" },
        ];
        for (const domain of domains) {
          const signatures = await certificateOf(f, [0, 1, 2]);
          signatures[0].signature = await attest(f, f.keys[0], f.rollupAddress, ROOT, L2_BLOCK, domain);
          await expect(f.mach.certify(f.rollupAddress, 0, signatures))
            .to.be.revertedWithCustomError(f.mach, "MachBadSignature")
            .withArgs(0, f.operators[0].address);
        }
      });
    });
  });

  describe("proveEquivocation", function () {
    it("turns two attestations of different roots by one key into a slash request, jailing the operator at once", async function () {
      const f = await loadFixture(equivocationFixture);
      const operator = f.operators[2].address;
      expect(await f.registry.isJailed(operator)).to.equal(false);
      const requestId = await f.slashingManager.requestCount();
      const provenAt = (await time.latest()) + 100;
      await time.setNextBlockTimestamp(provenAt);
      const tx = f.mach
        .connect(f.reporter)
        .proveEquivocation(f.rollupAddress, L2_BLOCK, ROOT, f.signatureA, OTHER_ROOT, f.signatureB);
      await expect(tx)
        .to.emit(f.slashingManager, "SlashRequested")
        .withArgs(
          requestId,
          operator,
          f.machAddress,
          EQUIVOCATION_BPS,
          ethers.encodeBytes32String("MACH_EQUIVOCATION"),
          f.evidence,
          f.reporter.address,
          provenAt + VETO_WINDOW,
        )
        .and.to.emit(f.mach, "EquivocationProven")
        .withArgs(operator, f.rollupAddress, L2_BLOCK, requestId);
      expect(await f.registry.isJailed(operator)).to.equal(true);
      expect(await f.registry.pendingSlashes(operator)).to.equal(1n);
      const request = await f.slashingManager.request(requestId);
      expect(request.operator).to.equal(operator);
      expect(request.bps).to.equal(EQUIVOCATION_BPS);
      expect(request.reporter).to.equal(f.reporter.address);
      expect(request.requestedAt).to.equal(BigInt(provenAt));
      expect(request.executableAt).to.equal(BigInt(provenAt + VETO_WINDOW));
    });

    it("returns the request id", async function () {
      const f = await loadFixture(equivocationFixture);
      expect(
        await f.mach
          .connect(f.reporter)
          .proveEquivocation.staticCall(f.rollupAddress, L2_BLOCK, ROOT, f.signatureA, OTHER_ROOT, f.signatureB),
      ).to.equal(await f.slashingManager.requestCount());
    });

    it("makes the jailed operator's attestations refused", async function () {
      const f = await loadFixture(provenFixture);
      await expect(f.mach.certify(f.rollupAddress, 0, await certificateOf(f, [0, 1, 2])))
        .to.be.revertedWithCustomError(f.mach, "MachSignerJailed")
        .withArgs(f.operators[2].address);
    });

    it("slashes 10 % of the operator's stake once the veto window is over", async function () {
      const f = await loadFixture(provenFixture);
      const operator = f.operators[2].address;
      const stake = STAKES[2];
      const shares = stake * VIRTUAL_SHARES; // the first deposit into a fresh pool
      const pool = await f.registry.pool(operator, 0);
      expect([pool.totalShares, pool.totalAssets, pool.queuedShares]).to.deep.equal([shares, stake, 0n]);
      expect(await f.registry.assetCount()).to.equal(1n);

      await time.setNextBlockTimestamp(f.executableAt - 1);
      await expect(f.slashingManager.execute(f.requestId))
        .to.be.revertedWithCustomError(f.slashingManager, "SlashingVetoWindowOpen")
        .withArgs(f.requestId, f.executableAt);

      const amount = (stake * EQUIVOCATION_BPS) / BPS;
      expect(amount).to.equal(116_700_000_000_000_000_000n); // 116.7 ALT of 1,167 ALT
      const toReporter = (amount * REPORTER_BPS) / BPS;
      const reporterBefore = await f.token.balanceOf(f.reporter.address);
      const supplyBefore = await f.token.totalSupply();
      await time.setNextBlockTimestamp(f.executableAt);
      await expect(f.slashingManager.execute(f.requestId))
        .to.emit(f.slashingManager, "SlashExecuted")
        .withArgs(f.requestId, operator, EQUIVOCATION_BPS, [amount])
        .and.to.emit(f.registry, "PoolSlashed")
        .withArgs(f.requestId, operator, 0, amount, toReporter, stake - amount);

      const after = await f.registry.pool(operator, 0);
      expect([after.totalShares, after.totalAssets, after.queuedShares]).to.deep.equal([shares, stake - amount, 0n]);
      // what the operator's shares are now worth: shares * (assets + 1) / (totalShares + 1e6)
      const stakeAfter = (shares * (stake - amount + 1n)) / (shares + VIRTUAL_SHARES);
      expect(await f.registry.operatorStake(operator)).to.equal(stakeAfter);
      expect(stake - stakeAfter).to.equal(amount); // exactly 10 %: the virtual share offset rounds it away
      expect(await f.token.balanceOf(f.reporter.address)).to.equal(reporterBefore + toReporter);
      expect(await f.token.totalSupply()).to.equal(supplyBefore - (amount - toReporter));
      expect(await f.registry.isJailed(operator)).to.equal(false);
      // the other members are untouched
      for (const i of [0, 1, 3, 4]) expect(await f.registry.operatorStake(f.operators[i].address)).to.equal(STAKES[i]);
    });

    it("refuses two attestations of the same root", async function () {
      const f = await loadFixture(equivocationFixture);
      await expect(
        f.mach.proveEquivocation(f.rollupAddress, L2_BLOCK, ROOT, f.signatureA, ROOT, f.signatureA),
      ).to.be.revertedWithCustomError(f.mach, "MachNotEquivocation");
      // a second, different-looking signature of the same root is still no equivocation
      const again = await attest(f, f.keys[2], f.rollupAddress, ROOT);
      await expect(
        f.mach.proveEquivocation(f.rollupAddress, L2_BLOCK, ROOT, f.signatureA, ROOT, again),
      ).to.be.revertedWithCustomError(f.mach, "MachNotEquivocation");
    });

    it("refuses attestations by two different signers", async function () {
      const f = await loadFixture(equivocationFixture);
      const byOther = await attest(f, f.keys[3], f.rollupAddress, OTHER_ROOT);
      await expect(
        f.mach.proveEquivocation(f.rollupAddress, L2_BLOCK, ROOT, f.signatureA, OTHER_ROOT, byOther),
      ).to.be.revertedWithCustomError(f.mach, "MachNotEquivocation");
    });

    it("refuses attestations of different blocks", async function () {
      const f = await loadFixture(equivocationFixture);
      const laterBlock = await attest(f, f.keys[2], f.rollupAddress, OTHER_ROOT, 2n * L2_BLOCK);
      await expect(
        f.mach.proveEquivocation(f.rollupAddress, L2_BLOCK, ROOT, f.signatureA, OTHER_ROOT, laterBlock),
      ).to.be.revertedWithCustomError(f.mach, "MachNotEquivocation");
    });

    it("refuses conflicting attestations by a key no operator registered", async function () {
      const f = await loadFixture(equivocationFixture);
      const stranger = keyWallet("mach-unregistered");
      const a = await attest(f, stranger, f.rollupAddress, ROOT);
      const b = await attest(f, stranger, f.rollupAddress, OTHER_ROOT);
      await expect(
        f.mach.proveEquivocation(f.rollupAddress, L2_BLOCK, ROOT, a, OTHER_ROOT, b),
      ).to.be.revertedWithCustomError(f.mach, "MachNotEquivocation");
    });

    // One report per (operator, rollup, block): the same proof again, or its two signatures swapped, is refused.
    it("refuses to report the same equivocation twice", async function () {
      const f = await loadFixture(provenFixture);
      const operator = f.operators[2].address;
      await expect(
        f.mach
          .connect(f.reporter)
          .proveEquivocation(f.rollupAddress, L2_BLOCK, ROOT, f.signatureA, OTHER_ROOT, f.signatureB),
      )
        .to.be.revertedWithCustomError(f.mach, "MachAlreadyProven")
        .withArgs(operator, f.rollupAddress, L2_BLOCK);
      await expect(
        f.mach
          .connect(f.reporter)
          .proveEquivocation(f.rollupAddress, L2_BLOCK, OTHER_ROOT, f.signatureB, ROOT, f.signatureA),
      )
        .to.be.revertedWithCustomError(f.mach, "MachAlreadyProven")
        .withArgs(operator, f.rollupAddress, L2_BLOCK);
      expect(await f.registry.pendingSlashes(f.operators[2].address)).to.equal(1n);
    });
  });

  describe("empty snapshot", function () {
    /** A MACH rollup whose set was snapshotted before anyone joined (anyone may take a snapshot). */
    async function emptySetFixture() {
      const f = await loadFixture(machFixture);
      const rollup = await createRollup(f.d, f.creator, { chainId: 424260, salt: ethers.id("empty") });
      const address = await rollup.getAddress();
      await (await f.mach.registerRollup(address, MIN_STAKE, MAX_SIZE)).wait();
      await (await f.operatorSets.connect(f.reporter).snapshot(setIdOf(f.machAddress, address))).wait();
      await (await rollup.connect(f.creator).proposeOutput(L2_BLOCK, OTHER_ROOT)).wait();
      return { ...f, empty: rollup, emptyAddress: address };
    }

    // A snapshot without stake certifies nothing (else an empty certificate would meet a zero threshold).
    it("refuses to certify against a snapshot without stake", async function () {
      const f = await loadFixture(emptySetFixture);
      const setId = setIdOf(f.machAddress, f.emptyAddress);
      const info = await f.operatorSets.snapshotInfo(setId, SNAPSHOT_EPOCH);
      expect(info.totalStake).to.equal(0n);
      await expect(f.mach.certify(f.emptyAddress, 0, []))
        .to.be.revertedWithCustomError(f.mach, "MachEmptySnapshot")
        .withArgs(setId, SNAPSHOT_EPOCH);
      expect((await f.empty.output(0)).status).to.equal(Output.Proposed);
    });
  });
});
