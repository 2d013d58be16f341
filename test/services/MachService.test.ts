// MACH fast finality (contracts/services/MachService.sol on the RollupService base): certificates of EIP-712
// attestations by the members of a rollup's MACH set, checked against the current epoch's snapshot stake and the
// rollup's threshold; equivocation proofs and reports of certified outputs VITAL invalidated, turned into slash requests;
// quorum-signed alerts; fees streamed by the rollup to its MACH set. Everything runs end to end on the staged deployment
// of test/helpers/services.ts (real OperatorSets, RestakingRegistry, SlashingManager, RewardsDistributor, VitalService).
// Stakes are chosen so that one subset of members holds exactly the threshold of the snapshot stake and another one
// stake unit (1e9 wei) less; every expected value below is computed independently in bigint math.
import { expect } from "chai";
import { ethers } from "hardhat";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import {
  impersonateAccount,
  loadFixture,
  setBalance,
  stopImpersonatingAccount,
  time,
} from "@nomicfoundation/hardhat-network-helpers";
import {
  AbiCoder,
  Signature,
  TypedDataEncoder,
  Wallet,
  ZeroAddress,
  ZeroHash,
  encodeBytes32String,
  id,
  keccak256,
  zeroPadValue,
} from "ethers";
import type { IRollupFactory } from "../../typechain-types/contracts/rollups/RollupFactory";
import type { MachService, Rollup } from "../../typechain-types";
import { ALT } from "../helpers/constants";
import { days, nextEpoch } from "../helpers/time";
import { keyProof, keyWallet } from "../helpers/keys";
import { createParams } from "../helpers/rollups";
import {
  SERVICE,
  addOperators,
  createRollup,
  deployServices,
  joinAndSnapshot,
  launchRollup,
  setParams,
  setParamsTuple,
  snapshotIndexes,
  type Operator,
} from "../helpers/services";

const coder = AbiCoder.defaultAbiCoder();

/** OperatorSets.STAKE_UNIT: snapshot stakes are whole multiples of 1e9 wei. */
const STAKE_UNIT = 10n ** 9n;
/** RestakingRegistry virtual shares: a fresh pool mints amount × 1e6 shares for its first deposit. */
const VIRTUAL_SHARES = 10n ** 6n;
/** RewardsDistributor.SCALE. */
const SCALE = 10n ** 18n;
const BPS = 10_000n;
/** RollupFactory.DEFAULT_FAST_FINALITY_BPS (createParams leaves fastFinalityBps 0). */
const DEFAULT_THRESHOLD_BPS = 6_667n;
const STRICT_THRESHOLD_BPS = 8_000n;
/** The epoch the fixture snapshots in: a non-zero one, so a certificate's epoch is not a default value. */
const SNAPSHOT_EPOCH = 3n;
/** The OP Stack template's output interval: output i is for L2 block (i + 1) × 1,800. */
const L2_BLOCK = 1_800n;
const ROOT = id("mach:output-root");
const OTHER_ROOT = id("mach:conflicting-root");
const THIRD_ROOT = id("mach:third-root");
const ALERT_REASON = encodeBytes32String("SEQUENCER_DOWN");
const Output = { None: 0n, Proposed: 1n, FastFinalized: 2n, Finalized: 3n } as const;
const Request = { None: 0n, Pending: 1n, Vetoed: 2n, Executed: 3n } as const;

/**
 * Self-stakes of the main members 0..4 (fresh pools: each operator's stake is its deposit exactly). Total 10,000 ALT,
 * so the default threshold (6,667 bps) is 6,667 ALT: members {0, 1, 2} hold exactly that, {0, 1, 3} one stake unit less.
 */
const STAKES = [3_000n * ALT, 2_500n * ALT, 1_167n * ALT, 1_167n * ALT - STAKE_UNIT, 2_166n * ALT + STAKE_UNIT];
const TOTAL_STAKE = STAKES.reduce((a, b) => a + b, 0n);
/**
 * Members of the strict rollup (fastFinalityBps 8,000). Total 12,500 ALT, threshold 10,000 ALT: {0, 1, 2} exactly,
 * {0, 1, 3} one stake unit less.
 */
const STRICT_STAKES = [5_000n * ALT, 3_500n * ALT, 1_500n * ALT, 1_500n * ALT - STAKE_UNIT, 1_000n * ALT + STAKE_UNIT];
const STRICT_TOTAL = STRICT_STAKES.reduce((a, b) => a + b, 0n);

const sumOf = (stakes: bigint[], indexes: number[]) => indexes.reduce((sum, i) => sum + stakes[i], 0n);
const bitmapOf = (indexes: number[]) => indexes.reduce((bitmap, i) => bitmap | (1n << BigInt(i)), 0n);

const ATTESTATION_TYPES = {
  Attestation: [
    { name: "rollup", type: "address" },
    { name: "l2BlockNumber", type: "uint64" },
    { name: "outputRoot", type: "bytes32" },
  ],
};
const ALERT_TYPES = {
  Alert: [
    { name: "rollup", type: "address" },
    { name: "reason", type: "bytes32" },
    { name: "nonce", type: "uint256" },
  ],
};

interface Domain {
  name: string;
  version: string;
  chainId: bigint;
  verifyingContract: string;
}

type Compact = { r: string; vs: string };

function compact(signature: string): Compact {
  const s = Signature.from(signature);
  return { r: s.r, vs: s.yParityAndS };
}

async function signAttestation(key: Wallet, domain: Domain, rollup: string, l2BlockNumber: bigint, root: string) {
  return compact(await key.signTypedData(domain, ATTESTATION_TYPES, { rollup, l2BlockNumber, outputRoot: root }));
}

async function signAlert(key: Wallet, domain: Domain, rollup: string, reason: string, nonce: bigint) {
  return compact(await key.signTypedData(domain, ALERT_TYPES, { rollup, reason, nonce }));
}

const attestationHash = (domain: Domain, rollup: string, l2BlockNumber: bigint, root: string) =>
  TypedDataEncoder.hash(domain, ATTESTATION_TYPES, { rollup, l2BlockNumber, outputRoot: root });

/** RollupService._outputKey: keccak256(abi.encode(rollup, l2BlockNumber, root)). */
const outputKey = (rollup: string, l2BlockNumber: bigint, root: string) =>
  keccak256(coder.encode(["address", "uint64", "bytes32"], [rollup, l2BlockNumber, root]));

/** OperatorSets.setIdOf(service, bytes32(rollup)): keccak256(abi.encode(service, key)). */
const setIdFor = (service: string, rollup: string) =>
  BigInt(keccak256(coder.encode(["address", "bytes32"], [service, zeroPadValue(rollup, 32)])));

/** Pins the next block's timestamp a little ahead and returns it. */
async function nextTimestamp(ahead = 10): Promise<bigint> {
  const at = (await time.latest()) + ahead;
  await time.setNextBlockTimestamp(at);
  return BigInt(at);
}

describe("MachService", function () {
  async function machFixture() {
    const d = await deployServices();
    const signers = await ethers.getSigners();
    const outsider = signers[18];
    const reporter = signers[19];
    const creator = d.users[0];
    // each member stakes three times STAKES[i]: STAKES[i] for the rollup's MACH set, as much for its VITAL set, and
    // as much free for a third set
    const ops = await addOperators(
      d,
      "mach",
      STAKES.map((stake) => 3n * stake),
    );
    const rollup = await launchRollup(d, creator, { chainId: 910_001, salt: id("mach:main") });
    const rollupAddress = await rollup.getAddress();
    // the members join in the epoch before SNAPSHOT_EPOCH; their allocations count (and are snapshotted) from it
    await time.increaseTo(await d.operatorSets.epochStart(SNAPSHOT_EPOCH - 1n));
    const vitalSetId = await d.vital.setIdOf(rollupAddress);
    for (const [i, op] of ops.entries()) {
      await (await d.operatorSets.connect(op.account).join(vitalSetId, STAKES[i])).wait();
    }
    const setId = await joinAndSnapshot(d, d.mach, rollupAddress, ops, STAKES);
    await (await rollup.connect(creator).proposeOutput(L2_BLOCK, ROOT)).wait();
    const machAddress = await d.mach.getAddress();
    const domain: Domain = {
      name: "ALT MACH",
      version: "1",
      chainId: (await ethers.provider.getNetwork()).chainId,
      verifyingContract: machAddress,
    };
    return { d, mach: d.mach, machAddress, ops, creator, outsider, reporter, rollup, rollupAddress, setId, domain };
  }

  type Fixture = Awaited<ReturnType<typeof machFixture>>;

  interface SignOptions {
    rollup?: string;
    l2BlockNumber?: bigint;
    root?: string;
    domain?: Domain;
    /** The operators whose keys sign at each index (the main members by default). */
    signers?: Operator[];
  }

  /** Signatures by the members at `indexes`, in the order given (snapshot index i = member i in the fixture). */
  function signaturesOf(f: Fixture, indexes: number[], o: SignOptions = {}): Promise<MachService.SignatureStruct[]> {
    const signers = o.signers ?? f.ops;
    return Promise.all(
      indexes.map(async (index) => ({
        index,
        ...(await signAttestation(
          signers[index].key,
          o.domain ?? f.domain,
          o.rollup ?? f.rollupAddress,
          o.l2BlockNumber ?? L2_BLOCK,
          o.root ?? ROOT,
        )),
      })),
    );
  }

  /** A generic slash request against `operator`'s MACH allocation, filed as the MACH service itself (jailing at once). */
  async function fileSlashRequest(f: Fixture, operator: string) {
    await impersonateAccount(f.machAddress);
    await setBalance(f.machAddress, ethers.parseEther("1"));
    const asMach = await ethers.getSigner(f.machAddress);
    await (
      await f.d.slashingManager
        .connect(asMach)
        .requestSlash(operator, f.setId, 100, encodeBytes32String("TEST"), ZeroHash, ZeroAddress, await time.latest())
    ).wait();
    await stopImpersonatingAccount(f.machAddress);
    return (await f.d.slashingManager.requestCount()) - 1n;
  }

  /** A second rollup (fastFinalityBps 8,000) with its own members, snapshot (next epoch) and output (block, root). */
  async function strictFixture() {
    const f = await loadFixture(machFixture);
    const strictOps = await addOperators(f.d, "mach-strict", STRICT_STAKES);
    const strict = await launchRollup(f.d, f.creator, {
      chainId: 910_002,
      salt: id("mach:strict"),
      fastFinalityBps: Number(STRICT_THRESHOLD_BPS),
    });
    const strictAddress = await strict.getAddress();
    const strictSetId = await joinAndSnapshot(f.d, f.mach, strictAddress, strictOps);
    const strictEpoch = await f.d.operatorSets.currentEpoch();
    await (await strict.connect(f.creator).proposeOutput(L2_BLOCK, ROOT)).wait();
    return { ...f, strict, strictAddress, strictSetId, strictOps, strictEpoch };
  }

  /** Member 2's key attested two different roots for the same rollup and block. */
  async function equivocationFixture() {
    const f = await loadFixture(machFixture);
    const offender = f.ops[2];
    const signatureA = {
      index: 2,
      ...(await signAttestation(offender.key, f.domain, f.rollupAddress, L2_BLOCK, ROOT)),
    };
    const signatureB = {
      index: 2,
      ...(await signAttestation(offender.key, f.domain, f.rollupAddress, L2_BLOCK, OTHER_ROOT)),
    };
    const evidence = keccak256(
      coder.encode(
        ["bytes32", "bytes32"],
        [
          attestationHash(f.domain, f.rollupAddress, L2_BLOCK, ROOT),
          attestationHash(f.domain, f.rollupAddress, L2_BLOCK, OTHER_ROOT),
        ],
      ),
    );
    return { ...f, offender, signatureA, signatureB, evidence };
  }

  /** The reporter proves the fixture's equivocation (not awaited). */
  const proveFixtureEquivocation = (f: Awaited<ReturnType<typeof equivocationFixture>>) =>
    f.mach
      .connect(f.reporter)
      .proveEquivocation(f.rollupAddress, L2_BLOCK, ROOT, f.signatureA, OTHER_ROOT, f.signatureB);

  /** SlashRequested's arguments for the fixture's equivocation filed as request `requestId`, executable then. */
  const equivocationRequest = (
    f: Awaited<ReturnType<typeof equivocationFixture>>,
    requestId: bigint,
    bps: bigint,
    executableAt: bigint,
  ) => [
    requestId,
    f.offender.address,
    f.machAddress,
    f.setId,
    bps,
    encodeBytes32String("MACH_EQUIVOCATION"),
    f.evidence,
    f.reporter.address,
    executableAt,
  ];

  /** The equivocation proven by the reporter. */
  async function provenFixture() {
    const f = await loadFixture(equivocationFixture);
    const requestId = await f.d.slashingManager.requestCount();
    const provenAt = await nextTimestamp();
    await (await proveFixtureEquivocation(f)).wait();
    const executableAt = provenAt + (await f.d.slashingManager.vetoWindow());
    return { ...f, requestId, provenAt, executableAt };
  }

  /**
   * Members {0, 1, 2} certified output 0; the members, also the rollup's VITAL set, then invalidated it: member 4
   * challenged with the bond, and members 4, 0 and 1 (7,666 ALT + 1 unit of 10,000 ≥ 2/3) voted "invalid".
   */
  async function invalidatedFixture() {
    const f = await loadFixture(machFixture);
    const { d } = f;
    // the members allocated to the VITAL set in the fixture: its snapshot of the same epoch
    const vitalSetId = await d.vital.setIdOf(f.rollupAddress);
    await (await d.operatorSets.snapshot(vitalSetId)).wait();
    const certifiedAt = await nextTimestamp();
    await (await f.mach.connect(f.reporter).certify(f.rollupAddress, 0, await signaturesOf(f, [0, 1, 2]))).wait();

    const challenger = f.ops[4];
    const [, bond] = await d.vital.parameters();
    await (await d.token.connect(d.funder).transfer(challenger.address, bond)).wait();
    await (await d.token.connect(challenger.account).approve(await d.vital.getAddress(), bond)).wait();
    const challengeId = await d.vital.challengeCount();
    await (await d.vital.connect(challenger.account).challenge(f.rollupAddress, 0)).wait();
    for (const index of [4, 0])
      await (await d.vital.connect(f.ops[index].account).vote(challengeId, index, true)).wait();
    const invalidatedAt = await nextTimestamp();
    await (await d.vital.connect(f.ops[1].account).vote(challengeId, 1, true)).wait();
    return { ...f, vitalSetId, certifiedAt, challengeId, invalidatedAt };
  }

  describe("deployment", function () {
    it("is wired to the protocol with the parameters of hardhat.json", async function () {
      const f = await loadFixture(machFixture);
      const { d } = f;
      expect(await f.mach.owner()).to.equal(d.deployer.address);
      expect(await f.mach.factory()).to.equal(await d.factory.getAddress());
      expect(await f.mach.operatorSets()).to.equal(await d.operatorSets.getAddress());
      expect(await f.mach.registry()).to.equal(await d.registry.getAddress());
      expect(await f.mach.slashingManager()).to.equal(await d.slashingManager.getAddress());
      expect(await f.mach.offenceBps()).to.deep.equal([
        BigInt(d.config.mach.equivocationBps),
        BigInt(d.config.mach.invalidCertificateBps),
      ]);
      expect(await f.mach.setDefaults()).to.deep.equal([
        d.config.minStake,
        BigInt(d.config.maxSize),
        BigInt(d.config.minMembers),
        d.config.minTotalStake,
      ]);
      expect([d.config.minMembers, d.config.minTotalStake]).to.deep.equal([1, 1_000n * ALT]);
      const slasher = await d.slashingManager.slasher(f.machAddress);
      expect([slasher.registered, slasher.maxBps, slasher.maxEvidenceAge]).to.deep.equal([
        true,
        BigInt(d.config.mach.capBps),
        BigInt(d.config.maxEvidenceAge),
      ]);
      expect(await d.operatorSets.isService(f.machAddress)).to.equal(true);
      const [, mach] = await d.factory.services();
      expect(mach).to.equal(f.machAddress);
      const domain = await f.mach.eip712Domain();
      expect([domain.name, domain.version, domain.chainId, domain.verifyingContract]).to.deep.equal([
        "ALT MACH",
        "1",
        f.domain.chainId,
        f.machAddress,
      ]);
      expect(await f.mach.EQUIVOCATION()).to.equal(encodeBytes32String("MACH_EQUIVOCATION"));
      expect(await f.mach.INVALID_CERTIFICATE()).to.equal(encodeBytes32String("MACH_INVALID_CERTIFICATE"));
    });

    it("hashes attestations and alerts as EIP-712 typed data of its own domain", async function () {
      const f = await loadFixture(machFixture);
      expect(await f.mach.ATTESTATION_TYPEHASH()).to.equal(
        id("Attestation(address rollup,uint64 l2BlockNumber,bytes32 outputRoot)"),
      );
      expect(await f.mach.ALERT_TYPEHASH()).to.equal(id("Alert(address rollup,bytes32 reason,uint256 nonce)"));
      expect(await f.mach.attestationDigest(f.rollupAddress, L2_BLOCK, ROOT)).to.equal(
        attestationHash(f.domain, f.rollupAddress, L2_BLOCK, ROOT),
      );
      expect(await f.mach.alertDigest(f.rollupAddress, ALERT_REASON, 7n)).to.equal(
        TypedDataEncoder.hash(f.domain, ALERT_TYPES, { rollup: f.rollupAddress, reason: ALERT_REASON, nonce: 7n }),
      );
    });
  });

  describe("registerRollup", function () {
    it("creates the set of a factory rollup that enabled MACH, for anyone, with the set defaults", async function () {
      const f = await loadFixture(machFixture);
      const rollup = await createRollup(f.d, f.creator, { chainId: 910_010, salt: id("mach:fresh") });
      const address = await rollup.getAddress();
      const setId = setIdFor(f.machAddress, address);
      expect(await f.mach.setIdOf(address)).to.equal(setId);
      expect(await f.mach.isRegistered(address)).to.equal(false);
      const defaults = setParams(f.d);
      const { minStake, maxSize, minMembers, minTotalStake } = defaults;
      await expect(f.mach.connect(f.outsider).registerRollup(address))
        .to.emit(f.mach, "RollupRegistered")
        .withArgs(address, setId, setParamsTuple(defaults))
        .and.to.emit(f.d.operatorSets, "SetCreated")
        .withArgs(setId, f.machAddress, zeroPadValue(address, 32), minStake, maxSize)
        .and.to.emit(f.d.operatorSets, "LivenessUpdated")
        .withArgs(setId, minMembers, minTotalStake);
      expect(await f.mach.isRegistered(address)).to.equal(true);
      const config = await f.d.operatorSets.setConfig(setId);
      expect([
        config.service,
        config.maxSize,
        config.exists,
        config.minMembers,
        config.minStake,
        config.minTotalStake,
      ]).to.deep.equal([f.machAddress, maxSize, true, minMembers, minStake, minTotalStake]);
      // the fixture's rollup: the same key, registered by launchRollup
      expect(await f.mach.setIdOf(f.rollupAddress)).to.equal(setIdFor(f.machAddress, f.rollupAddress));
      expect(f.setId).to.equal(setIdFor(f.machAddress, f.rollupAddress));
    });

    it("refuses a rollup registered already", async function () {
      const f = await loadFixture(machFixture);
      await expect(f.mach.connect(f.outsider).registerRollup(f.rollupAddress))
        .to.be.revertedWithCustomError(f.mach, "ServiceAlreadyRegistered")
        .withArgs(f.rollupAddress);
    });

    it("refuses an account that is not a factory rollup: an EOA, a contract without chainId, a stray Rollup", async function () {
      const f = await loadFixture(machFixture);
      await expect(f.mach.registerRollup(f.outsider.address))
        .to.be.revertedWithCustomError(f.mach, "ServiceNotRollup")
        .withArgs(f.outsider.address);
      const token = await f.d.token.getAddress();
      await expect(f.mach.registerRollup(token))
        .to.be.revertedWithCustomError(f.mach, "ServiceNotRollup")
        .withArgs(token);
      // the template's implementation: a Rollup answering chainId() (0), but not one the factory created
      const implementation = (await f.d.factory.template(0)).implementation;
      expect(await (await ethers.getContractAt("Rollup", implementation)).chainId()).to.equal(0n);
      await expect(f.mach.registerRollup(implementation))
        .to.be.revertedWithCustomError(f.mach, "ServiceNotRollup")
        .withArgs(implementation);
    });

    it("refuses a factory rollup that did not enable MACH", async function () {
      const f = await loadFixture(machFixture);
      const vitalOnly = await createRollup(f.d, f.creator, {
        chainId: 910_011,
        salt: id("mach:vital-only"),
        services: SERVICE.VITAL,
      });
      const address = await vitalOnly.getAddress();
      await expect(f.mach.registerRollup(address))
        .to.be.revertedWithCustomError(f.mach, "ServiceNotEnabled")
        .withArgs(address);
      expect(await f.mach.isRegistered(address)).to.equal(false);
    });
  });

  describe("certify", function () {
    it("reads the snapshot the fixture built: five members, 10,000 ALT, a 6,667 ALT threshold", async function () {
      const f = await loadFixture(machFixture);
      expect(await f.d.operatorSets.currentEpoch()).to.equal(SNAPSHOT_EPOCH);
      const [operators, stakes] = await f.d.operatorSets.snapshotEntries(f.setId, SNAPSHOT_EPOCH);
      expect(operators).to.deep.equal(f.ops.map((op) => op.address));
      expect(stakes).to.deep.equal(STAKES);
      expect((await f.d.operatorSets.snapshotInfo(f.setId, SNAPSHOT_EPOCH)).totalStake).to.equal(TOTAL_STAKE);
      expect(await f.rollup.fastFinalityBps()).to.equal(DEFAULT_THRESHOLD_BPS);
      expect((TOTAL_STAKE * DEFAULT_THRESHOLD_BPS) % BPS).to.equal(0n);
      expect(sumOf(STAKES, [0, 1, 2]) * BPS).to.equal(TOTAL_STAKE * DEFAULT_THRESHOLD_BPS);
      expect(sumOf(STAKES, [0, 1, 3])).to.equal(sumOf(STAKES, [0, 1, 2]) - STAKE_UNIT);
    });

    it("fast-finalizes an output signed by exactly the threshold stake and stores its certificate", async function () {
      const f = await loadFixture(machFixture);
      const indexes = [0, 1, 2];
      const signed = sumOf(STAKES, indexes);
      const at = await nextTimestamp();
      await expect(f.mach.connect(f.outsider).certify(f.rollupAddress, 0, await signaturesOf(f, indexes)))
        .to.emit(f.mach, "Certified")
        .withArgs(f.rollupAddress, 0, L2_BLOCK, ROOT, SNAPSHOT_EPOCH, bitmapOf(indexes), signed)
        .and.to.emit(f.rollup, "OutputFastFinalized")
        .withArgs(0);
      const output = await f.rollup.output(0);
      expect([output.status, output.l2BlockNumber, output.root]).to.deep.equal([Output.FastFinalized, L2_BLOCK, ROOT]);
      const certificate = await f.mach.certificate(f.rollupAddress, L2_BLOCK, ROOT);
      expect([
        certificate.signerBitmap,
        certificate.epoch,
        certificate.certifiedAt,
        certificate.signedStake,
      ]).to.deep.equal([0b111n, SNAPSHOT_EPOCH, at, signed]);
      expect(await f.mach.reportedSigners(f.rollupAddress, L2_BLOCK, ROOT)).to.equal(0n);
    });

    it("refuses a certificate one stake unit below the threshold", async function () {
      const f = await loadFixture(machFixture);
      await expect(f.mach.certify(f.rollupAddress, 0, await signaturesOf(f, [0, 1, 3])))
        .to.be.revertedWithCustomError(f.mach, "MachBelowThreshold")
        .withArgs(sumOf(STAKES, [0, 1, 3]), TOTAL_STAKE, DEFAULT_THRESHOLD_BPS);
      expect((await f.rollup.output(0)).status).to.equal(Output.Proposed);
      const certificate = await f.mach.certificate(f.rollupAddress, L2_BLOCK, ROOT);
      expect(certificate.certifiedAt).to.equal(0n);
    });

    it("counts the stake of a sparse signer set and of every member", async function () {
      const f = await loadFixture(machFixture);
      await expect(f.mach.certify(f.rollupAddress, 0, await signaturesOf(f, [0, 1, 4])))
        .to.emit(f.mach, "Certified")
        .withArgs(f.rollupAddress, 0, L2_BLOCK, ROOT, SNAPSHOT_EPOCH, 0b10011n, sumOf(STAKES, [0, 1, 4]));
      await (await f.rollup.connect(f.creator).proposeOutput(2n * L2_BLOCK, OTHER_ROOT)).wait();
      const all = [0, 1, 2, 3, 4];
      await expect(
        f.mach.certify(
          f.rollupAddress,
          1,
          await signaturesOf(f, all, { l2BlockNumber: 2n * L2_BLOCK, root: OTHER_ROOT }),
        ),
      )
        .to.emit(f.mach, "Certified")
        .withArgs(f.rollupAddress, 1, 2n * L2_BLOCK, OTHER_ROOT, SNAPSHOT_EPOCH, 0b11111n, TOTAL_STAKE);
      expect((await f.rollup.output(1)).status).to.equal(Output.FastFinalized);
    });

    it("applies a rollup's own threshold: 8,000 bps, exactly at it and one stake unit below", async function () {
      const f = await loadFixture(strictFixture);
      expect(await f.strict.fastFinalityBps()).to.equal(STRICT_THRESHOLD_BPS);
      expect((await f.d.operatorSets.snapshotInfo(f.strictSetId, f.strictEpoch)).totalStake).to.equal(STRICT_TOTAL);
      expect(sumOf(STRICT_STAKES, [0, 1, 2]) * BPS).to.equal(STRICT_TOTAL * STRICT_THRESHOLD_BPS);
      const options = { rollup: f.strictAddress, signers: f.strictOps };
      await expect(f.mach.certify(f.strictAddress, 0, await signaturesOf(f, [0, 1, 3], options)))
        .to.be.revertedWithCustomError(f.mach, "MachBelowThreshold")
        .withArgs(sumOf(STRICT_STAKES, [0, 1, 2]) - STAKE_UNIT, STRICT_TOTAL, STRICT_THRESHOLD_BPS);
      // 7,500 ALT of 12,500 (60 %) would pass the default threshold, not this one
      await expect(f.mach.certify(f.strictAddress, 0, await signaturesOf(f, [1, 2, 3, 4], options)))
        .to.be.revertedWithCustomError(f.mach, "MachBelowThreshold")
        .withArgs(sumOf(STRICT_STAKES, [1, 2, 3, 4]), STRICT_TOTAL, STRICT_THRESHOLD_BPS);
      await expect(f.mach.certify(f.strictAddress, 0, await signaturesOf(f, [0, 1, 2], options)))
        .to.emit(f.mach, "Certified")
        .withArgs(f.strictAddress, 0, L2_BLOCK, ROOT, f.strictEpoch, 0b111n, sumOf(STRICT_STAKES, [0, 1, 2]));
      expect((await f.strict.output(0)).status).to.equal(Output.FastFinalized);
      // certificates are per rollup: the main rollup's output (same block and root) is untouched
      expect((await f.rollup.output(0)).status).to.equal(Output.Proposed);
      expect((await f.mach.certificate(f.rollupAddress, L2_BLOCK, ROOT)).certifiedAt).to.equal(0n);
    });

    it("refuses an empty certificate", async function () {
      const f = await loadFixture(machFixture);
      await expect(f.mach.certify(f.rollupAddress, 0, [])).to.be.revertedWithCustomError(
        f.mach,
        "MachEmptyCertificate",
      );
    });

    it("refuses unsorted and duplicate indexes at the first offending position", async function () {
      const f = await loadFixture(machFixture);
      const [s0, s1, s2, s3] = await signaturesOf(f, [0, 1, 2, 3]);
      await expect(f.mach.certify(f.rollupAddress, 0, [s0, s2, s1]))
        .to.be.revertedWithCustomError(f.mach, "MachSignersNotSorted")
        .withArgs(2);
      await expect(f.mach.certify(f.rollupAddress, 0, [s1, s0, s2]))
        .to.be.revertedWithCustomError(f.mach, "MachSignersNotSorted")
        .withArgs(1);
      // a duplicate would count a member's stake twice: {0, 1, 1} is refused, not tallied
      await expect(f.mach.certify(f.rollupAddress, 0, [s0, s1, s1, s3]))
        .to.be.revertedWithCustomError(f.mach, "MachSignersNotSorted")
        .withArgs(2);
    });

    it("refuses an index outside the snapshot", async function () {
      const f = await loadFixture(machFixture);
      const signatures = await signaturesOf(f, [0, 1, 2]);
      const extra = { ...signatures[2], index: STAKES.length };
      await expect(f.mach.certify(f.rollupAddress, 0, [...signatures, extra]))
        .to.be.revertedWithCustomError(f.d.operatorSets, "SetsIndexOutOfRange")
        .withArgs(STAKES.length, STAKES.length);
      // past the 256-bit bitmap: refused by the service itself
      await expect(f.mach.certify(f.rollupAddress, 0, [...signatures, { ...extra, index: 256 }]))
        .to.be.revertedWithCustomError(f.mach, "SetsIndexOutOfRange")
        .withArgs(256, 256);
    });

    it("refuses a signature that is not the member's attestation of this output", async function () {
      const f = await loadFixture(machFixture);
      const [s0, , s2] = await signaturesOf(f, [0, 1, 2]);
      const badAt1 = (signature: Compact) => f.mach.certify(f.rollupAddress, 0, [s0, { index: 1, ...signature }, s2]);
      const expectBad = (tx: Promise<unknown>) =>
        expect(tx).to.be.revertedWithCustomError(f.mach, "MachBadSignature").withArgs(1, f.ops[1].address);
      const stranger = keyWallet("mach:stranger");
      const key1 = f.ops[1].key;
      // by a key that is no member's
      await expectBad(badAt1(await signAttestation(stranger, f.domain, f.rollupAddress, L2_BLOCK, ROOT)));
      // by another member's key at this member's index
      await expectBad(badAt1(await signAttestation(f.ops[3].key, f.domain, f.rollupAddress, L2_BLOCK, ROOT)));
      // by the member's key, over another root, another block, another rollup
      await expectBad(badAt1(await signAttestation(key1, f.domain, f.rollupAddress, L2_BLOCK, OTHER_ROOT)));
      await expectBad(badAt1(await signAttestation(key1, f.domain, f.rollupAddress, 2n * L2_BLOCK, ROOT)));
      const other = await launchRollup(f.d, f.creator, { chainId: 910_012, salt: id("mach:other") });
      await expectBad(badAt1(await signAttestation(key1, f.domain, await other.getAddress(), L2_BLOCK, ROOT)));
      // under another chain's domain, or another verifying contract's
      await expectBad(
        badAt1(await signAttestation(key1, { ...f.domain, chainId: 1n }, f.rollupAddress, L2_BLOCK, ROOT)),
      );
      const vitalDomain = { ...f.domain, verifyingContract: await f.d.vital.getAddress() };
      await expectBad(badAt1(await signAttestation(key1, vitalDomain, f.rollupAddress, L2_BLOCK, ROOT)));
      // the genuine one passes
      await expect(badAt1(await signAttestation(key1, f.domain, f.rollupAddress, L2_BLOCK, ROOT))).to.emit(
        f.mach,
        "Certified",
      );
    });

    it("refuses the signature of a member jailed by a slash request made after the snapshot", async function () {
      const f = await loadFixture(machFixture);
      await fileSlashRequest(f, f.ops[1].address);
      expect(await f.d.registry.isJailed(f.ops[1].address)).to.equal(true);
      // still in the snapshot, with its stake
      const [operators] = await f.d.operatorSets.snapshotEntries(f.setId, SNAPSHOT_EPOCH);
      expect(operators[1]).to.equal(f.ops[1].address);
      await expect(f.mach.certify(f.rollupAddress, 0, await signaturesOf(f, [0, 1, 2])))
        .to.be.revertedWithCustomError(f.mach, "MachSignerJailed")
        .withArgs(f.ops[1].address);
      // the others carry the output without it: 3,000 + 1,167 + 1,167 − 1 unit + 2,166 + 1 unit = 7,500 ALT
      await expect(f.mach.certify(f.rollupAddress, 0, await signaturesOf(f, [0, 2, 3, 4])))
        .to.emit(f.mach, "Certified")
        .withArgs(f.rollupAddress, 0, L2_BLOCK, ROOT, SNAPSHOT_EPOCH, 0b11101n, sumOf(STAKES, [0, 2, 3, 4]));
    });

    it("needs the snapshot of the current epoch", async function () {
      const f = await loadFixture(machFixture);
      await time.increaseTo(await f.d.operatorSets.epochStart(SNAPSHOT_EPOCH + 1n));
      const signatures = await signaturesOf(f, [0, 1, 2]);
      await expect(f.mach.certify(f.rollupAddress, 0, signatures))
        .to.be.revertedWithCustomError(f.mach, "ServiceNoSnapshot")
        .withArgs(f.setId, SNAPSHOT_EPOCH + 1n);
      await (await f.d.operatorSets.snapshot(f.setId)).wait();
      await expect(f.mach.certify(f.rollupAddress, 0, signatures))
        .to.emit(f.mach, "Certified")
        .withArgs(f.rollupAddress, 0, L2_BLOCK, ROOT, SNAPSHOT_EPOCH + 1n, 0b111n, sumOf(STAKES, [0, 1, 2]));
    });

    it("refuses a rollup not registered in MACH", async function () {
      const f = await loadFixture(machFixture);
      const rollup = await createRollup(f.d, f.creator, { chainId: 910_013, salt: id("mach:unregistered") });
      const address = await rollup.getAddress();
      await (await rollup.connect(f.creator).proposeOutput(L2_BLOCK, ROOT)).wait();
      await expect(f.mach.certify(address, 0, await signaturesOf(f, [0, 1, 2], { rollup: address })))
        .to.be.revertedWithCustomError(f.mach, "ServiceNotRegistered")
        .withArgs(address);
    });

    it("refuses an output the rollup does not have, or one fast-finalized already", async function () {
      const f = await loadFixture(machFixture);
      const signatures = await signaturesOf(f, [0, 1, 2]);
      await expect(f.mach.certify(f.rollupAddress, 1, signatures))
        .to.be.revertedWithCustomError(f.rollup, "RollupUnknownOutput")
        .withArgs(1);
      await (await f.mach.certify(f.rollupAddress, 0, signatures)).wait();
      await expect(f.mach.certify(f.rollupAddress, 0, await signaturesOf(f, [0, 1, 2, 3, 4])))
        .to.be.revertedWithCustomError(f.rollup, "RollupOutputStatus")
        .withArgs(0, Output.FastFinalized);
      // the first certificate stands
      expect((await f.mach.certificate(f.rollupAddress, L2_BLOCK, ROOT)).signerBitmap).to.equal(0b111n);
    });

    // Attestations carry nothing but (rollup, block, root): once the proposer re-proposes an invalidated root at the same
    // block, the old certificate's signatures would fast-finalize it again without a new signature and overwrite its
    // certificate (while reportedSigners still holds the old epoch's bits). certify refuses an output VITAL invalidated.
    it("refuses to certify again an output VITAL invalidated (old attestations replayed)", async function () {
      const f = await loadFixture(invalidatedFixture);
      const signatures = await signaturesOf(f, [0, 1, 2]);
      await (await f.rollup.connect(f.creator).proposeOutput(L2_BLOCK, ROOT)).wait();
      expect(await f.d.vital.invalidatedAt(f.rollupAddress, L2_BLOCK, ROOT)).to.equal(f.invalidatedAt);
      await expect(f.mach.certify(f.rollupAddress, 0, signatures))
        .to.be.revertedWithCustomError(f.mach, "MachOutputInvalidated")
        .withArgs(f.rollupAddress, L2_BLOCK, ROOT);
      expect((await f.rollup.output(0)).status).to.equal(Output.Proposed);
      expect((await f.mach.certificate(f.rollupAddress, L2_BLOCK, ROOT)).certifiedAt).to.equal(f.certifiedAt);
    });

    describe("signer set changes", function () {
      it("a member who joined after an epoch's snapshot signs from the next epoch's snapshot on", async function () {
        const f = await loadFixture(machFixture);
        const [late] = await addOperators(f.d, "mach-late", [5_000n * ALT]);
        await (await f.d.operatorSets.connect(late.account).join(f.setId, 5_000n * ALT)).wait();
        expect((await f.d.operatorSets.membership(f.setId, late.address)).member).to.equal(true);
        expect((await snapshotIndexes(f.d, f.setId)).has(late.address)).to.equal(false);
        const signers = [...f.ops, late];
        const lateSignature = async (l2BlockNumber: bigint) =>
          (await signaturesOf(f, [5], { signers, l2BlockNumber }))[0];
        // epoch 3: no index for it; at the one past the snapshot its signature is refused
        const [s0, s1] = await signaturesOf(f, [0, 1]);
        await expect(f.mach.certify(f.rollupAddress, 0, [s0, s1, await lateSignature(L2_BLOCK)]))
          .to.be.revertedWithCustomError(f.d.operatorSets, "SetsIndexOutOfRange")
          .withArgs(5, 5);

        await time.increaseTo(await f.d.operatorSets.epochStart(SNAPSHOT_EPOCH + 1n));
        await (await f.d.operatorSets.snapshot(f.setId)).wait();
        const indexes = await snapshotIndexes(f.d, f.setId);
        expect(indexes.get(late.address)).to.equal(5);
        const total = TOTAL_STAKE + 5_000n * ALT;
        expect((await f.d.operatorSets.snapshotInfo(f.setId, SNAPSHOT_EPOCH + 1n)).totalStake).to.equal(total);
        // 3,000 + 2,500 alone are short of 6,667 bps of 15,000; with the newcomer's 5,000 they are not
        await expect(f.mach.certify(f.rollupAddress, 0, [s0, s1]))
          .to.be.revertedWithCustomError(f.mach, "MachBelowThreshold")
          .withArgs(sumOf(STAKES, [0, 1]), total, DEFAULT_THRESHOLD_BPS);
        await expect(f.mach.certify(f.rollupAddress, 0, [s0, s1, await lateSignature(L2_BLOCK)]))
          .to.emit(f.mach, "Certified")
          .withArgs(
            f.rollupAddress,
            0,
            L2_BLOCK,
            ROOT,
            SNAPSHOT_EPOCH + 1n,
            0b100011n,
            sumOf(STAKES, [0, 1]) + 5_000n * ALT,
          );
      });

      it("a member who requested to leave signs in the current snapshot, not in the next", async function () {
        const f = await loadFixture(machFixture);
        const leaver = f.ops[4];
        const leftAt = await nextTimestamp();
        const leaveAt = leftAt + (await f.d.registry.withdrawalDelay());
        await expect(f.d.operatorSets.connect(leaver.account).requestLeave(f.setId))
          .to.emit(f.d.operatorSets, "LeaveRequested")
          .withArgs(f.setId, leaver.address, leaveAt);
        // out of the member list at once (its place free), still bound to the set until it completes leaving
        expect(await f.d.operatorSets.members(f.setId)).to.deep.equal(f.ops.slice(0, 4).map((op) => op.address));
        const left = await f.d.operatorSets.membership(f.setId, leaver.address);
        expect([left.member, left.leaveAt]).to.deep.equal([false, leaveAt]);
        // epoch 3: its snapshot entry still counts
        await expect(f.mach.certify(f.rollupAddress, 0, await signaturesOf(f, [0, 1, 4])))
          .to.emit(f.mach, "Certified")
          .withArgs(f.rollupAddress, 0, L2_BLOCK, ROOT, SNAPSHOT_EPOCH, 0b10011n, sumOf(STAKES, [0, 1, 4]));

        const [late] = await addOperators(f.d, "mach-late", [5_000n * ALT]);
        await (await f.d.operatorSets.connect(late.account).join(f.setId, 5_000n * ALT)).wait();
        await time.increaseTo(await f.d.operatorSets.epochStart(SNAPSHOT_EPOCH + 1n));
        await (await f.d.operatorSets.snapshot(f.setId)).wait();
        expect((await f.d.operatorSets.membership(f.setId, leaver.address)).leaveAt).to.equal(leaveAt);
        const [operators, stakes] = await f.d.operatorSets.snapshotEntries(f.setId, SNAPSHOT_EPOCH + 1n);
        expect(operators).to.deep.equal([...f.ops.slice(0, 4).map((op) => op.address), late.address]);
        expect(stakes).to.deep.equal([...STAKES.slice(0, 4), 5_000n * ALT]);

        // index 4 is the newcomer's now: the leaver's signature there is refused as not the newcomer's
        await (await f.rollup.connect(f.creator).proposeOutput(2n * L2_BLOCK, ROOT)).wait();
        const options = { l2BlockNumber: 2n * L2_BLOCK };
        const [s0, s1, s4] = await signaturesOf(f, [0, 1, 4], options);
        await expect(f.mach.certify(f.rollupAddress, 1, [s0, s1, s4]))
          .to.be.revertedWithCustomError(f.mach, "MachBadSignature")
          .withArgs(2, late.address);
        const [lateSignature] = await signaturesOf(f, [0], { ...options, signers: [late] });
        const total = sumOf(STAKES, [0, 1, 2, 3]) + 5_000n * ALT;
        await expect(f.mach.certify(f.rollupAddress, 1, [s0, s1, { ...lateSignature, index: 4 }]))
          .to.emit(f.mach, "Certified")
          .withArgs(
            f.rollupAddress,
            1,
            2n * L2_BLOCK,
            ROOT,
            SNAPSHOT_EPOCH + 1n,
            0b10011n,
            sumOf(STAKES, [0, 1]) + 5_000n * ALT,
          );
        expect((await f.d.operatorSets.snapshotInfo(f.setId, SNAPSHOT_EPOCH + 1n)).totalStake).to.equal(total);
      });

      it("a rotated signing key: the old key signs until the rotation takes effect, then only the new one", async function () {
        const f = await loadFixture(machFixture);
        const member = f.ops[0];
        const newKey = keyWallet("mach:rotated:0");
        const proof = await keyProof(f.d.registry, newKey.address, member.address);
        const rotatedAt = await nextTimestamp();
        const effectiveAt = rotatedAt + (await f.d.registry.signingKeyDelay());
        await expect(f.d.registry.connect(member.account).rotateSigningKey(newKey.address, proof))
          .to.emit(f.d.registry, "SigningKeyRotated")
          .withArgs(member.address, newKey.address, effectiveAt);
        await (await f.rollup.connect(f.creator).proposeOutput(2n * L2_BLOCK, ROOT)).wait();

        const rotated = [{ ...member, key: newKey }, ...f.ops.slice(1)];
        // before the rotation takes effect: the new key is refused, the old one signs
        await expect(f.mach.certify(f.rollupAddress, 0, await signaturesOf(f, [0, 1, 2], { signers: rotated })))
          .to.be.revertedWithCustomError(f.mach, "MachBadSignature")
          .withArgs(0, member.address);
        await expect(f.mach.certify(f.rollupAddress, 0, await signaturesOf(f, [0, 1, 2])))
          .to.emit(f.mach, "Certified")
          .withArgs(f.rollupAddress, 0, L2_BLOCK, ROOT, SNAPSHOT_EPOCH, 0b111n, sumOf(STAKES, [0, 1, 2]));

        await time.increaseTo(effectiveAt);
        expect(await f.d.registry.signingKeyOf(member.address)).to.equal(newKey.address);
        const epoch = await f.d.operatorSets.currentEpoch();
        await (await f.d.operatorSets.snapshot(f.setId)).wait();
        const options = { l2BlockNumber: 2n * L2_BLOCK };
        await expect(f.mach.certify(f.rollupAddress, 1, await signaturesOf(f, [0, 1, 2], options)))
          .to.be.revertedWithCustomError(f.mach, "MachBadSignature")
          .withArgs(0, member.address);
        await expect(
          f.mach.certify(f.rollupAddress, 1, await signaturesOf(f, [0, 1, 2], { ...options, signers: rotated })),
        )
          .to.emit(f.mach, "Certified")
          .withArgs(f.rollupAddress, 1, 2n * L2_BLOCK, ROOT, epoch, 0b111n, sumOf(STAKES, [0, 1, 2]));
      });
    });
  });

  describe("liveness", function () {
    /** The main rollup's set gets the deployment's defaults with these liveness minimums. */
    const setLiveness = (f: Fixture, minMembers: bigint, minTotalStake: bigint) =>
      f.mach.updateRollupSet(f.rollupAddress, setParams(f.d, { minMembers, minTotalStake }));

    const alertSignaturesOf = (f: Fixture, indexes: number[], nonce: bigint, rollup = f.rollupAddress) =>
      Promise.all(
        indexes.map(async (index) => ({
          index,
          ...(await signAlert(f.ops[index].key, f.domain, rollup, ALERT_REASON, nonce)),
        })),
      );

    it("an empty snapshot decides nothing: no certificate or alert on a set snapshotted before anyone joined", async function () {
      const f = await loadFixture(machFixture);
      const rollup = await launchRollup(f.d, f.creator, { chainId: 910_030, salt: id("mach:empty") });
      const address = await rollup.getAddress();
      const setId = await f.mach.setIdOf(address);
      await (await rollup.connect(f.creator).proposeOutput(L2_BLOCK, ROOT)).wait();
      // governance asks for no members and no stake before the snapshot: a set with no stake is still never live
      await (await f.mach.updateRollupSet(address, setParams(f.d, { minMembers: 0n, minTotalStake: 0n }))).wait();
      // anyone takes the epoch's snapshot while the set is empty; a member joins after it
      await expect(f.d.operatorSets.connect(f.outsider).snapshot(setId))
        .to.emit(f.d.operatorSets, "SnapshotTaken")
        .withArgs(setId, SNAPSHOT_EPOCH, 0, 0, anyValue);
      await (await f.d.operatorSets.connect(f.ops[0].account).join(setId, STAKES[0])).wait();
      expect((await f.d.operatorSets.snapshotInfo(setId, SNAPSHOT_EPOCH)).live).to.equal(false);
      expect(await f.d.operatorSets.isLive(setId, SNAPSHOT_EPOCH)).to.equal(false);
      const signatures = await signaturesOf(f, [0], { rollup: address });
      await expect(f.mach.certify(address, 0, signatures))
        .to.be.revertedWithCustomError(f.mach, "ServiceSetNotLive")
        .withArgs(setId, SNAPSHOT_EPOCH);
      await expect(f.mach.raiseAlert(address, ALERT_REASON, await alertSignaturesOf(f, [0], 0n, address)))
        .to.be.revertedWithCustomError(f.mach, "ServiceSetNotLive")
        .withArgs(setId, SNAPSHOT_EPOCH);
      expect((await rollup.output(0)).status).to.equal(Output.Proposed);
      expect((await f.mach.certificate(address, L2_BLOCK, ROOT)).certifiedAt).to.equal(0n);
      expect(await f.mach.alertNonce(address)).to.equal(0n);
      // the next epoch's snapshot holds the member's stake: it certifies
      await time.increaseTo(await f.d.operatorSets.epochStart(SNAPSHOT_EPOCH + 1n));
      await (await f.d.operatorSets.snapshot(setId)).wait();
      await expect(f.mach.certify(address, 0, signatures))
        .to.emit(f.mach, "Certified")
        .withArgs(address, 0, L2_BLOCK, ROOT, SNAPSHOT_EPOCH + 1n, 0b1n, STAKES[0]);
    });

    it("a snapshot below the set's minimum members or stake decides nothing (live at exactly the minimum)", async function () {
      const f = await loadFixture(machFixture);
      const info = await f.d.operatorSets.snapshotInfo(f.setId, SNAPSHOT_EPOCH);
      expect([info.size, info.totalStake, info.live]).to.deep.equal([5n, TOTAL_STAKE, true]);
      const signatures = await signaturesOf(f, [0, 1, 2]);
      const alert = await alertSignaturesOf(f, [0, 1, 2], 0n);
      /** The minimums, then the next epoch and its snapshot (the same five members and stake), taken under them. */
      const snapshotUnder = async (minMembers: bigint, minTotalStake: bigint) => {
        await expect(setLiveness(f, minMembers, minTotalStake))
          .to.emit(f.d.operatorSets, "LivenessUpdated")
          .withArgs(f.setId, minMembers, minTotalStake);
        const epoch = await nextEpoch(f.d.operatorSets);
        await (await f.d.operatorSets.snapshot(f.setId)).wait();
        const next = await f.d.operatorSets.snapshotInfo(f.setId, epoch);
        expect([next.size, next.totalStake]).to.deep.equal([5n, TOTAL_STAKE]);
        return epoch;
      };
      // one member short, then one wei of stake short
      for (const [minMembers, minTotalStake] of [
        [6n, TOTAL_STAKE],
        [5n, TOTAL_STAKE + 1n],
      ]) {
        const epoch = await snapshotUnder(minMembers, minTotalStake);
        expect(await f.d.operatorSets.isLive(f.setId, epoch)).to.equal(false);
        await expect(f.mach.certify(f.rollupAddress, 0, signatures))
          .to.be.revertedWithCustomError(f.mach, "ServiceSetNotLive")
          .withArgs(f.setId, epoch);
        await expect(f.mach.raiseAlert(f.rollupAddress, ALERT_REASON, alert))
          .to.be.revertedWithCustomError(f.mach, "ServiceSetNotLive")
          .withArgs(f.setId, epoch);
      }
      expect((await f.rollup.output(0)).status).to.equal(Output.Proposed);
      expect((await f.mach.certificate(f.rollupAddress, L2_BLOCK, ROOT)).certifiedAt).to.equal(0n);
      expect(await f.mach.alertNonce(f.rollupAddress)).to.equal(0n);
      // exactly five members and 10,000 ALT
      const epoch = await snapshotUnder(5n, TOTAL_STAKE);
      expect(epoch).to.equal(SNAPSHOT_EPOCH + 3n);
      expect(await f.d.operatorSets.isLive(f.setId, epoch)).to.equal(true);
      await expect(f.mach.certify(f.rollupAddress, 0, signatures))
        .to.emit(f.mach, "Certified")
        .withArgs(f.rollupAddress, 0, L2_BLOCK, ROOT, epoch, 0b111n, sumOf(STAKES, [0, 1, 2]));
      await expect(f.mach.raiseAlert(f.rollupAddress, ALERT_REASON, alert))
        .to.emit(f.mach, "AlertRaised")
        .withArgs(f.rollupAddress, ALERT_REASON, 0, epoch, 0b111n);
    });
  });

  describe("proveEquivocation", function () {
    it("turns two roots signed by one member's key into a slash request that jails it at once", async function () {
      const f = await loadFixture(equivocationFixture);
      const { d, offender } = f;
      const requestId = await d.slashingManager.requestCount();
      const at = await nextTimestamp();
      const executableAt = at + (await d.slashingManager.vetoWindow());
      const bps = BigInt(d.config.mach.equivocationBps);
      expect(await f.mach.offenceBps()).to.deep.equal([bps, BigInt(d.config.mach.invalidCertificateBps)]);
      await expect(proveFixtureEquivocation(f))
        .to.emit(d.slashingManager, "SlashRequested")
        .withArgs(...equivocationRequest(f, requestId, bps, executableAt))
        .and.to.emit(f.mach, "EquivocationProven")
        .withArgs(offender.address, f.rollupAddress, L2_BLOCK, ROOT, OTHER_ROOT, requestId);
      expect(await d.registry.isJailed(offender.address)).to.equal(true);
      expect(await d.registry.pendingSlashes(offender.address)).to.equal(1n);
      expect(await f.mach.isEquivocationProven(offender.address, f.rollupAddress, L2_BLOCK)).to.equal(true);
      const request = await d.slashingManager.request(requestId);
      expect([
        request.operator,
        request.bps,
        request.status,
        request.requestedAt,
        request.reporter,
        request.executableAt,
      ]).to.deep.equal([offender.address, bps, Request.Pending, at, f.reporter.address, executableAt]);
      // jailed: its attestation no longer counts
      await expect(f.mach.certify(f.rollupAddress, 0, await signaturesOf(f, [0, 1, 2])))
        .to.be.revertedWithCustomError(f.mach, "MachSignerJailed")
        .withArgs(offender.address);
    });

    it("after the veto window anyone executes: stake down by the equivocation bps, the reporter paid its share", async function () {
      const f = await loadFixture(provenFixture);
      const { d, offender } = f;
      const executor = f.outsider;
      await expect(d.slashingManager.connect(executor).execute(f.requestId))
        .to.be.revertedWithCustomError(d.slashingManager, "SlashingVetoWindowOpen")
        .withArgs(f.requestId, f.executableAt);

      const bps = BigInt(d.config.mach.equivocationBps);
      const reporterBps = await d.slashingManager.reporterBps();
      const before = await d.registry.pool(offender.address, 0);
      expect(before.totalAssets).to.equal(3n * STAKES[2]);
      expect(before.totalShares).to.equal(3n * STAKES[2] * VIRTUAL_SHARES);
      // only what the member allocated to this rollup's MACH set is at stake, not its whole (3x) stake nor its
      // VITAL allocation
      const vitalSetId = await d.vital.setIdOf(f.rollupAddress);
      const machAllocation = await d.operatorSets.allocation(f.setId, offender.address);
      const vitalAllocation = await d.operatorSets.allocation(vitalSetId, offender.address);
      expect(machAllocation.allocated).to.equal(STAKES[2]);
      // one ALT pool: the whole value cut from the allocation comes out of it
      const amount = (machAllocation.allocated * bps) / BPS;
      const toReporter = (amount * reporterBps) / BPS;
      const assetsAfter = before.totalAssets - amount;
      // operatorStake: the pool's active shares at the new price (totalAssets + 1) / (totalShares + 1e6)
      const stakeAfter = (before.totalShares * (assetsAfter + 1n)) / (before.totalShares + VIRTUAL_SHARES);
      const reporterBefore = await d.token.balanceOf(f.reporter.address);
      const executorBefore = await d.token.balanceOf(executor.address);
      const supplyBefore = await d.token.totalSupply();
      const registryBefore = await d.token.balanceOf(await d.registry.getAddress());

      await time.increaseTo(f.executableAt);
      await expect(d.slashingManager.connect(executor).execute(f.requestId))
        .to.emit(d.slashingManager, "SlashExecuted")
        .withArgs(f.requestId, offender.address, f.setId, bps, [amount])
        .and.to.emit(d.operatorSets, "AllocationSlashed")
        .withArgs(f.setId, offender.address, amount, 0)
        .and.to.emit(d.registry, "PoolSlashed")
        .withArgs(f.requestId, offender.address, 0, amount, toReporter, assetsAfter);

      expect(amount).to.equal(116_700_000_000_000_000_000n); // 10 % of the 1,167 ALT allocated to the MACH set
      expect((await d.operatorSets.allocation(f.setId, offender.address)).allocated).to.equal(STAKES[2] - amount);
      expect(await d.operatorSets.allocation(vitalSetId, offender.address)).to.deep.equal(vitalAllocation);
      expect(await d.registry.operatorStake(offender.address)).to.equal(stakeAfter);
      expect((await d.registry.pool(offender.address, 0)).totalAssets).to.equal(assetsAfter);
      expect(await d.token.balanceOf(f.reporter.address)).to.equal(reporterBefore);
      expect(await d.registry.slashProceeds(f.reporter.address, 0)).to.equal(toReporter);
      expect(await d.token.balanceOf(executor.address)).to.equal(executorBefore);
      expect(await d.token.totalSupply()).to.equal(supplyBefore - (amount - toReporter));
      expect(await d.token.balanceOf(await d.registry.getAddress())).to.equal(registryBefore - (amount - toReporter));
      // the reporter collects its share
      await (await d.registry.connect(f.reporter).claimSlashProceeds(0, f.reporter.address)).wait();
      expect(await d.token.balanceOf(f.reporter.address)).to.equal(reporterBefore + toReporter);
      expect(await d.registry.isJailed(offender.address)).to.equal(false);
      expect((await d.slashingManager.request(f.requestId)).status).to.equal(Request.Executed);
    });

    it("the council's veto un-jails the member, whose attestations count again", async function () {
      const f = await loadFixture(provenFixture);
      const { d, offender } = f;
      await expect(d.slashingManager.connect(f.outsider).veto(f.requestId))
        .to.be.revertedWithCustomError(d.slashingManager, "SlashingNotVetoer")
        .withArgs(f.outsider.address);
      await expect(d.slashingManager.connect(d.council).veto(f.requestId))
        .to.emit(d.slashingManager, "SlashVetoed")
        .withArgs(f.requestId, offender.address);
      expect(await d.registry.isJailed(offender.address)).to.equal(false);
      expect((await d.slashingManager.request(f.requestId)).status).to.equal(Request.Vetoed);
      expect(await d.registry.operatorStake(offender.address)).to.equal(3n * STAKES[2]);
      await expect(f.mach.certify(f.rollupAddress, 0, await signaturesOf(f, [0, 1, 2])))
        .to.emit(f.mach, "Certified")
        .withArgs(f.rollupAddress, 0, L2_BLOCK, ROOT, SNAPSHOT_EPOCH, 0b111n, sumOf(STAKES, [0, 1, 2]));
      // the offence stays proven: it cannot be reported again
      await expect(f.mach.proveEquivocation(f.rollupAddress, L2_BLOCK, ROOT, f.signatureA, OTHER_ROOT, f.signatureB))
        .to.be.revertedWithCustomError(f.mach, "MachAlreadyProven")
        .withArgs(offender.address, f.rollupAddress, L2_BLOCK);
    });

    it("refuses a repeated proof of the same offence, in any order and with any other root", async function () {
      const f = await loadFixture(provenFixture);
      const third = {
        index: 2,
        ...(await signAttestation(f.offender.key, f.domain, f.rollupAddress, L2_BLOCK, THIRD_ROOT)),
      };
      for (const args of [
        [ROOT, f.signatureA, OTHER_ROOT, f.signatureB],
        [OTHER_ROOT, f.signatureB, ROOT, f.signatureA],
        [ROOT, f.signatureA, THIRD_ROOT, third],
      ] as const) {
        await expect(f.mach.connect(f.outsider).proveEquivocation(f.rollupAddress, L2_BLOCK, ...args))
          .to.be.revertedWithCustomError(f.mach, "MachAlreadyProven")
          .withArgs(f.offender.address, f.rollupAddress, L2_BLOCK);
      }
      expect(await f.d.registry.pendingSlashes(f.offender.address)).to.equal(1n);
      // another block is another offence
      const blockB = 2n * L2_BLOCK;
      const a = { index: 2, ...(await signAttestation(f.offender.key, f.domain, f.rollupAddress, blockB, ROOT)) };
      const b = { index: 2, ...(await signAttestation(f.offender.key, f.domain, f.rollupAddress, blockB, OTHER_ROOT)) };
      await expect(f.mach.proveEquivocation(f.rollupAddress, blockB, ROOT, a, OTHER_ROOT, b))
        .to.emit(f.mach, "EquivocationProven")
        .withArgs(f.offender.address, f.rollupAddress, blockB, ROOT, OTHER_ROOT, f.requestId + 1n);
      expect(await f.d.registry.pendingSlashes(f.offender.address)).to.equal(2n);
    });

    it("refuses equal roots and signatures by two different keys", async function () {
      const f = await loadFixture(equivocationFixture);
      await expect(
        f.mach.proveEquivocation(f.rollupAddress, L2_BLOCK, ROOT, f.signatureA, ROOT, f.signatureA),
      ).to.be.revertedWithCustomError(f.mach, "MachNotEquivocation");
      const byOther = {
        index: 3,
        ...(await signAttestation(f.ops[3].key, f.domain, f.rollupAddress, L2_BLOCK, OTHER_ROOT)),
      };
      await expect(
        f.mach.proveEquivocation(f.rollupAddress, L2_BLOCK, ROOT, f.signatureA, OTHER_ROOT, byOther),
      ).to.be.revertedWithCustomError(f.mach, "MachNotEquivocation");
      // a signature over another block is not one over this block
      const otherBlock = {
        index: 2,
        ...(await signAttestation(f.offender.key, f.domain, f.rollupAddress, 2n * L2_BLOCK, OTHER_ROOT)),
      };
      await expect(
        f.mach.proveEquivocation(f.rollupAddress, L2_BLOCK, ROOT, f.signatureA, OTHER_ROOT, otherBlock),
      ).to.be.revertedWithCustomError(f.mach, "MachNotEquivocation");
      expect(await f.d.registry.isJailed(f.offender.address)).to.equal(false);
    });

    it("refuses a key that is not a member's current signing key", async function () {
      const f = await loadFixture(equivocationFixture);
      const pair = async (key: Wallet) => [
        { index: 0, ...(await signAttestation(key, f.domain, f.rollupAddress, L2_BLOCK, ROOT)) },
        { index: 0, ...(await signAttestation(key, f.domain, f.rollupAddress, L2_BLOCK, OTHER_ROOT)) },
      ];
      const prove = async (key: Wallet) => {
        const [a, b] = await pair(key);
        return f.mach.proveEquivocation(f.rollupAddress, L2_BLOCK, ROOT, a, OTHER_ROOT, b);
      };
      // nobody's key
      const stranger = keyWallet("mach:stranger");
      await expect(prove(stranger))
        .to.be.revertedWithCustomError(f.mach, "MachUnknownSigner")
        .withArgs(stranger.address);
      // the key of a registered operator that is not a member of this set
      const [outsider] = await addOperators(f.d, "mach-nonmember", [1_000n * ALT]);
      await expect(prove(outsider.key))
        .to.be.revertedWithCustomError(f.mach, "MachUnknownSigner")
        .withArgs(outsider.key.address);
      // the operator account itself is not its signing key
      await expect(prove(f.offender.account))
        .to.be.revertedWithCustomError(f.mach, "MachUnknownSigner")
        .withArgs(f.offender.address);
      // a member's key rotated away: refused once the rotation took effect
      const newKey = keyWallet("mach:rotated:2");
      const proof = await keyProof(f.d.registry, newKey.address, f.offender.address);
      await (await f.d.registry.connect(f.offender.account).rotateSigningKey(newKey.address, proof)).wait();
      // the pending key is not current yet
      await expect(prove(newKey)).to.be.revertedWithCustomError(f.mach, "MachUnknownSigner").withArgs(newKey.address);
      await time.increase(await f.d.registry.signingKeyDelay());
      await expect(f.mach.proveEquivocation(f.rollupAddress, L2_BLOCK, ROOT, f.signatureA, OTHER_ROOT, f.signatureB))
        .to.be.revertedWithCustomError(f.mach, "MachUnknownSigner")
        .withArgs(f.offender.key.address);
      await expect(prove(newKey)).to.emit(f.mach, "EquivocationProven");
    });

    it("a member that left stays bound: its equivocation is provable until it completes leaving", async function () {
      const f = await loadFixture(equivocationFixture);
      const { d, offender } = f;
      const other = f.ops[3];
      const leftAt = await nextTimestamp();
      const leaveAt = leftAt + (await d.registry.withdrawalDelay());
      await expect(d.operatorSets.connect(offender.account).requestLeave(f.setId))
        .to.emit(d.operatorSets, "LeaveRequested")
        .withArgs(f.setId, offender.address, leaveAt);
      await (await d.operatorSets.connect(other.account).requestLeave(f.setId)).wait();
      const left = await d.operatorSets.membership(f.setId, offender.address);
      expect([left.member, left.leaveAt]).to.deep.equal([false, leaveAt]);
      expect(await d.operatorSets.members(f.setId)).to.not.include(offender.address);
      // what it allocated is deallocated, and still slashable until it is free
      const allocation = await d.operatorSets.allocation(f.setId, offender.address);
      expect([allocation.allocated, allocation.pendingFree, allocation.freeAt]).to.deep.equal([0n, STAKES[2], leaveAt]);

      const requestId = await d.slashingManager.requestCount();
      const at = await nextTimestamp();
      const bps = BigInt(d.config.mach.equivocationBps);
      await expect(proveFixtureEquivocation(f))
        .to.emit(d.slashingManager, "SlashRequested")
        .withArgs(...equivocationRequest(f, requestId, bps, at + (await d.slashingManager.vetoWindow())))
        .and.to.emit(f.mach, "EquivocationProven")
        .withArgs(offender.address, f.rollupAddress, L2_BLOCK, ROOT, OTHER_ROOT, requestId);
      expect(await d.registry.isJailed(offender.address)).to.equal(true);

      // at leaveAt: the offender cannot complete leaving while its request is pending; the other member completes
      await time.increaseTo(leaveAt);
      await expect(d.operatorSets.connect(offender.account).completeLeave(f.setId))
        .to.be.revertedWithCustomError(d.operatorSets, "SetsOperatorJailed")
        .withArgs(offender.address);
      await expect(d.operatorSets.connect(other.account).completeLeave(f.setId))
        .to.emit(d.operatorSets, "Left")
        .withArgs(f.setId, other.address);
      // once it completed leaving it is bound no more: its equivocation is no longer this set's to prove
      const a = { index: 3, ...(await signAttestation(other.key, f.domain, f.rollupAddress, L2_BLOCK, ROOT)) };
      const b = { index: 3, ...(await signAttestation(other.key, f.domain, f.rollupAddress, L2_BLOCK, OTHER_ROOT)) };
      await expect(f.mach.proveEquivocation(f.rollupAddress, L2_BLOCK, ROOT, a, OTHER_ROOT, b))
        .to.be.revertedWithCustomError(f.mach, "MachUnknownSigner")
        .withArgs(other.key.address);
    });

    it("refuses attestations replayed from another rollup", async function () {
      const f = await loadFixture(equivocationFixture);
      const other = await launchRollup(f.d, f.creator, { chainId: 910_014, salt: id("mach:replay") });
      const otherAddress = await other.getAddress();
      await joinAndSnapshot(f.d, f.mach, otherAddress, f.ops);
      // rollup A's pair submitted as rollup B's: each signature recovers some other address over B's digests
      await expect(
        f.mach.proveEquivocation(otherAddress, L2_BLOCK, ROOT, f.signatureA, OTHER_ROOT, f.signatureB),
      ).to.be.revertedWithCustomError(f.mach, "MachNotEquivocation");
      // one attestation per rollup is no equivocation on either
      const onB = {
        index: 2,
        ...(await signAttestation(f.offender.key, f.domain, otherAddress, L2_BLOCK, OTHER_ROOT)),
      };
      await expect(
        f.mach.proveEquivocation(f.rollupAddress, L2_BLOCK, ROOT, f.signatureA, OTHER_ROOT, onB),
      ).to.be.revertedWithCustomError(f.mach, "MachNotEquivocation");
      await expect(
        f.mach.proveEquivocation(otherAddress, L2_BLOCK, ROOT, f.signatureA, OTHER_ROOT, onB),
      ).to.be.revertedWithCustomError(f.mach, "MachNotEquivocation");
      expect(await f.d.registry.isJailed(f.offender.address)).to.equal(false);
    });

    it("refuses a rollup not registered in MACH", async function () {
      const f = await loadFixture(equivocationFixture);
      const rollup = await createRollup(f.d, f.creator, { chainId: 910_015, salt: id("mach:unregistered") });
      const address = await rollup.getAddress();
      await expect(f.mach.proveEquivocation(address, L2_BLOCK, ROOT, f.signatureA, OTHER_ROOT, f.signatureB))
        .to.be.revertedWithCustomError(f.mach, "ServiceNotRegistered")
        .withArgs(address);
    });
  });

  describe("reportInvalidCertificate", function () {
    it("the fixture: VITAL invalidated the certified output", async function () {
      const f = await loadFixture(invalidatedFixture);
      expect(await f.d.vital.invalidatedAt(f.rollupAddress, L2_BLOCK, ROOT)).to.equal(f.invalidatedAt);
      expect((await f.d.vital.challengeOf(f.challengeId)).result).to.equal(2n); // Invalidated
      expect(await f.rollup.outputCount()).to.equal(0n);
      const certificate = await f.mach.certificate(f.rollupAddress, L2_BLOCK, ROOT);
      expect([certificate.signerBitmap, certificate.epoch, certificate.certifiedAt]).to.deep.equal([
        0b111n,
        SNAPSHOT_EPOCH,
        f.certifiedAt,
      ]);
    });

    it("reports a subset of the signers: one slash request each, dated at the certification", async function () {
      const f = await loadFixture(invalidatedFixture);
      const { d } = f;
      const firstId = await d.slashingManager.requestCount();
      const at = await nextTimestamp();
      const executableAt = at + (await d.slashingManager.vetoWindow());
      const bps = BigInt(d.config.mach.invalidCertificateBps);
      const reason = encodeBytes32String("MACH_INVALID_CERTIFICATE");
      const key = outputKey(f.rollupAddress, L2_BLOCK, ROOT);
      const [op0, , op2] = f.ops;
      await expect(f.mach.connect(f.reporter).reportInvalidCertificate(f.rollupAddress, L2_BLOCK, ROOT, 0b101n))
        .to.emit(d.slashingManager, "SlashRequested")
        .withArgs(firstId, op0.address, f.machAddress, f.setId, bps, reason, key, f.reporter.address, executableAt)
        .and.to.emit(d.slashingManager, "SlashRequested")
        .withArgs(firstId + 1n, op2.address, f.machAddress, f.setId, bps, reason, key, f.reporter.address, executableAt)
        .and.to.emit(f.mach, "InvalidCertificateReported")
        .withArgs(f.rollupAddress, L2_BLOCK, ROOT, op0.address, firstId)
        .and.to.emit(f.mach, "InvalidCertificateReported")
        .withArgs(f.rollupAddress, L2_BLOCK, ROOT, op2.address, firstId + 1n);
      expect(await d.slashingManager.requestCount()).to.equal(firstId + 2n);
      expect(await f.mach.reportedSigners(f.rollupAddress, L2_BLOCK, ROOT)).to.equal(0b101n);
      for (const [i, op] of [op0, op2].entries()) {
        const request = await d.slashingManager.request(firstId + BigInt(i));
        expect([request.operator, request.bps, request.status, request.requestedAt, request.reporter]).to.deep.equal([
          op.address,
          bps,
          Request.Pending,
          at,
          f.reporter.address,
        ]);
        expect(await d.registry.isJailed(op.address)).to.equal(true);
      }
      expect(await d.registry.isJailed(f.ops[1].address)).to.equal(false);

      // the remaining signer, later
      await expect(f.mach.connect(f.outsider).reportInvalidCertificate(f.rollupAddress, L2_BLOCK, ROOT, 0b010n))
        .to.emit(f.mach, "InvalidCertificateReported")
        .withArgs(f.rollupAddress, L2_BLOCK, ROOT, f.ops[1].address, firstId + 2n);
      expect(await f.mach.reportedSigners(f.rollupAddress, L2_BLOCK, ROOT)).to.equal(0b111n);
    });

    it("refuses bits reported already, bits that did not sign, and no bits", async function () {
      const f = await loadFixture(invalidatedFixture);
      await (await f.mach.reportInvalidCertificate(f.rollupAddress, L2_BLOCK, ROOT, 0b101n)).wait();
      for (const bits of [0b101n, 0b001n, 0b110n, 0b1000n, 0b11000n, 1n << 200n, 0n]) {
        await expect(f.mach.reportInvalidCertificate(f.rollupAddress, L2_BLOCK, ROOT, bits))
          .to.be.revertedWithCustomError(f.mach, "MachNotReportable")
          .withArgs(bits);
      }
      expect(await f.mach.reportedSigners(f.rollupAddress, L2_BLOCK, ROOT)).to.equal(0b101n);
      expect(await f.d.registry.isJailed(f.ops[3].address)).to.equal(false);
    });

    it("refuses a certified output VITAL did not invalidate", async function () {
      const f = await loadFixture(machFixture);
      await (await f.mach.certify(f.rollupAddress, 0, await signaturesOf(f, [0, 1, 2]))).wait();
      await expect(f.mach.reportInvalidCertificate(f.rollupAddress, L2_BLOCK, ROOT, 0b111n))
        .to.be.revertedWithCustomError(f.mach, "MachNotInvalidated")
        .withArgs(f.rollupAddress, L2_BLOCK, ROOT);
    });

    it("refuses an output without a certificate", async function () {
      const f = await loadFixture(invalidatedFixture);
      for (const [block, root] of [
        [L2_BLOCK, OTHER_ROOT],
        [2n * L2_BLOCK, ROOT],
      ] as const) {
        await expect(f.mach.reportInvalidCertificate(f.rollupAddress, block, root, 0b1n))
          .to.be.revertedWithCustomError(f.mach, "MachNoCertificate")
          .withArgs(f.rollupAddress, block, root);
      }
      const unregistered = await createRollup(f.d, f.creator, { chainId: 910_016, salt: id("mach:unregistered") });
      const address = await unregistered.getAddress();
      await expect(f.mach.reportInvalidCertificate(address, L2_BLOCK, ROOT, 0b1n))
        .to.be.revertedWithCustomError(f.mach, "ServiceNotRegistered")
        .withArgs(address);
    });

    it("is bounded by the slasher's evidence age, counted from the certification", async function () {
      const f = await loadFixture(invalidatedFixture);
      const maxAge = BigInt(f.d.config.maxEvidenceAge);
      await time.increaseTo(f.certifiedAt + maxAge + 1n);
      await expect(f.mach.reportInvalidCertificate(f.rollupAddress, L2_BLOCK, ROOT, 0b1n))
        .to.be.revertedWithCustomError(f.d.slashingManager, "SlashingEvidenceTooOld")
        .withArgs(f.certifiedAt, maxAge);
    });
  });

  describe("raiseAlert", function () {
    async function alertSignatures(f: Fixture, indexes: number[], nonce: bigint, reason = ALERT_REASON) {
      return Promise.all(
        indexes.map(async (index) => ({
          index,
          ...(await signAlert(f.ops[index].key, f.domain, f.rollupAddress, reason, nonce)),
        })),
      );
    }

    it("stores an alert signed by the threshold stake and moves the nonce on", async function () {
      const f = await loadFixture(machFixture);
      expect(await f.mach.alertNonce(f.rollupAddress)).to.equal(0n);
      const at = await nextTimestamp();
      await expect(
        f.mach.connect(f.outsider).raiseAlert(f.rollupAddress, ALERT_REASON, await alertSignatures(f, [0, 1, 2], 0n)),
      )
        .to.emit(f.mach, "AlertRaised")
        .withArgs(f.rollupAddress, ALERT_REASON, 0, SNAPSHOT_EPOCH, 0b111n);
      const alert = await f.mach.alertOf(f.rollupAddress);
      expect([alert.reason, alert.raisedAt, alert.epoch, alert.signerBitmap]).to.deep.equal([
        ALERT_REASON,
        at,
        SNAPSHOT_EPOCH,
        0b111n,
      ]);
      expect(await f.mach.alertNonce(f.rollupAddress)).to.equal(1n);
    });

    it("refuses the same signatures for a second alert: the nonce they signed is spent", async function () {
      const f = await loadFixture(machFixture);
      const signatures = await alertSignatures(f, [0, 1, 2], 0n);
      await (await f.mach.raiseAlert(f.rollupAddress, ALERT_REASON, signatures)).wait();
      await expect(f.mach.raiseAlert(f.rollupAddress, ALERT_REASON, signatures))
        .to.be.revertedWithCustomError(f.mach, "MachBadSignature")
        .withArgs(0, f.ops[0].address);
      // an attestation is not an alert, nor is another reason's alert
      await expect(f.mach.raiseAlert(f.rollupAddress, ALERT_REASON, await signaturesOf(f, [0, 1, 2])))
        .to.be.revertedWithCustomError(f.mach, "MachBadSignature")
        .withArgs(0, f.ops[0].address);
      const otherReason = await alertSignatures(f, [0, 1, 2], 1n, encodeBytes32String("OTHER"));
      await expect(f.mach.raiseAlert(f.rollupAddress, ALERT_REASON, otherReason))
        .to.be.revertedWithCustomError(f.mach, "MachBadSignature")
        .withArgs(0, f.ops[0].address);
      await expect(f.mach.raiseAlert(f.rollupAddress, ALERT_REASON, await alertSignatures(f, [0, 1, 2], 1n)))
        .to.emit(f.mach, "AlertRaised")
        .withArgs(f.rollupAddress, ALERT_REASON, 1, SNAPSHOT_EPOCH, 0b111n);
      expect(await f.mach.alertNonce(f.rollupAddress)).to.equal(2n);
    });

    it("refuses an alert below the threshold, leaving the nonce unspent", async function () {
      const f = await loadFixture(machFixture);
      await expect(f.mach.raiseAlert(f.rollupAddress, ALERT_REASON, await alertSignatures(f, [0, 1, 3], 0n)))
        .to.be.revertedWithCustomError(f.mach, "MachBelowThreshold")
        .withArgs(sumOf(STAKES, [0, 1, 3]), TOTAL_STAKE, DEFAULT_THRESHOLD_BPS);
      expect(await f.mach.alertNonce(f.rollupAddress)).to.equal(0n);
      expect((await f.mach.alertOf(f.rollupAddress)).raisedAt).to.equal(0n);
      await expect(f.mach.raiseAlert(f.rollupAddress, ALERT_REASON, [])).to.be.revertedWithCustomError(
        f.mach,
        "MachEmptyCertificate",
      );
      const rollup = await createRollup(f.d, f.creator, { chainId: 910_017, salt: id("mach:unregistered") });
      const address = await rollup.getAddress();
      await expect(f.mach.raiseAlert(address, ALERT_REASON, await alertSignatures(f, [0, 1, 2], 0n)))
        .to.be.revertedWithCustomError(f.mach, "ServiceNotRegistered")
        .withArgs(address);
    });
  });

  describe("clearAlert", function () {
    async function alertedFixture() {
      const f = await loadFixture(machFixture);
      const signatures = await Promise.all(
        [0, 1, 2].map(async (index) => ({
          index,
          ...(await signAlert(f.ops[index].key, f.domain, f.rollupAddress, ALERT_REASON, 0n)),
        })),
      );
      await (await f.mach.raiseAlert(f.rollupAddress, ALERT_REASON, signatures)).wait();
      return f;
    }

    it("the rollup's owner lowers the flag", async function () {
      const f = await loadFixture(alertedFixture);
      expect(await f.rollup.owner()).to.equal(f.creator.address);
      await expect(f.mach.connect(f.creator).clearAlert(f.rollupAddress))
        .to.emit(f.mach, "AlertCleared")
        .withArgs(f.rollupAddress, f.creator.address);
      const alert = await f.mach.alertOf(f.rollupAddress);
      expect([alert.reason, alert.raisedAt, alert.epoch, alert.signerBitmap]).to.deep.equal([ZeroHash, 0n, 0n, 0n]);
      expect(await f.mach.alertNonce(f.rollupAddress)).to.equal(1n);
      await expect(f.mach.connect(f.creator).clearAlert(f.rollupAddress))
        .to.be.revertedWithCustomError(f.mach, "MachNoAlert")
        .withArgs(f.rollupAddress);
    });

    it("the factory's security council lowers the flag", async function () {
      const f = await loadFixture(alertedFixture);
      expect(await f.d.factory.council()).to.equal(f.d.council.address);
      await expect(f.mach.connect(f.d.council).clearAlert(f.rollupAddress))
        .to.emit(f.mach, "AlertCleared")
        .withArgs(f.rollupAddress, f.d.council.address);
      expect((await f.mach.alertOf(f.rollupAddress)).raisedAt).to.equal(0n);
    });

    it("refuses anyone else, and a rollup without an alert", async function () {
      const f = await loadFixture(alertedFixture);
      for (const caller of [f.outsider, f.d.deployer]) {
        await expect(f.mach.connect(caller).clearAlert(f.rollupAddress))
          .to.be.revertedWithCustomError(f.mach, "MachNotOwnerOrCouncil")
          .withArgs(caller.address);
      }
      await expect(f.mach.connect(f.ops[0].account).clearAlert(f.rollupAddress))
        .to.be.revertedWithCustomError(f.mach, "MachNotOwnerOrCouncil")
        .withArgs(f.ops[0].address);
      expect((await f.mach.alertOf(f.rollupAddress)).raisedAt).to.not.equal(0n);
      const other = await launchRollup(f.d, f.creator, { chainId: 910_018, salt: id("mach:no-alert") });
      const otherAddress = await other.getAddress();
      await expect(f.mach.connect(f.creator).clearAlert(otherAddress))
        .to.be.revertedWithCustomError(f.mach, "MachNoAlert")
        .withArgs(otherAddress);
    });
  });

  describe("governance", function () {
    it("setOffenceBps: the owner sets the fractions requested per offence", async function () {
      const f = await loadFixture(machFixture);
      await expect(f.mach.setOffenceBps(700, 300)).to.emit(f.mach, "OffenceBpsUpdated").withArgs(700, 300);
      expect(await f.mach.offenceBps()).to.deep.equal([700n, 300n]);
      // the next equivocation requests the new fraction
      const key = f.ops[2].key;
      const a = { index: 2, ...(await signAttestation(key, f.domain, f.rollupAddress, L2_BLOCK, ROOT)) };
      const b = { index: 2, ...(await signAttestation(key, f.domain, f.rollupAddress, L2_BLOCK, OTHER_ROOT)) };
      await (await f.mach.proveEquivocation(f.rollupAddress, L2_BLOCK, ROOT, a, OTHER_ROOT, b)).wait();
      const requestId = (await f.d.slashingManager.requestCount()) - 1n;
      expect((await f.d.slashingManager.request(requestId)).bps).to.equal(700n);
    });

    it("setOffenceBps: only the owner, each fraction 1..10,000 bps", async function () {
      const f = await loadFixture(machFixture);
      await expect(f.mach.connect(f.outsider).setOffenceBps(700, 300))
        .to.be.revertedWithCustomError(f.mach, "OwnableUnauthorizedAccount")
        .withArgs(f.outsider.address);
      for (const [equivocation, invalid] of [
        [0, 300],
        [700, 0],
        [10_001, 300],
        [700, 10_001],
      ]) {
        await expect(f.mach.setOffenceBps(equivocation, invalid)).to.be.revertedWithCustomError(
          f.mach,
          "ServiceInvalidParameter",
        );
      }
      await expect(f.mach.setOffenceBps(10_000, 1)).to.emit(f.mach, "OffenceBpsUpdated").withArgs(10_000, 1);
    });

    it("setOffenceBps: a fraction above MACH's slasher cap is requested at the cap, so the offence stays punishable", async function () {
      const f = await loadFixture(machFixture);
      const cap = BigInt(f.d.config.mach.capBps);
      await (await f.mach.setOffenceBps(cap + 1n, 300)).wait();
      const key = f.ops[2].key;
      const a = { index: 2, ...(await signAttestation(key, f.domain, f.rollupAddress, L2_BLOCK, ROOT)) };
      const b = { index: 2, ...(await signAttestation(key, f.domain, f.rollupAddress, L2_BLOCK, OTHER_ROOT)) };
      const requestId = await f.d.slashingManager.requestCount();
      await expect(f.mach.proveEquivocation(f.rollupAddress, L2_BLOCK, ROOT, a, OTHER_ROOT, b))
        .to.emit(f.mach, "EquivocationProven")
        .withArgs(f.ops[2].address, f.rollupAddress, L2_BLOCK, ROOT, OTHER_ROOT, requestId);
      expect((await f.d.slashingManager.request(requestId)).bps).to.equal(cap);
    });

    it("setSetDefaults: the owner sets what sets registered from now on get, including their liveness", async function () {
      const f = await loadFixture(machFixture);
      const defaults = setParams(f.d, { minStake: 5n * ALT, maxSize: 8n, minMembers: 3n, minTotalStake: 20n * ALT });
      await expect(f.mach.connect(f.outsider).setSetDefaults(defaults))
        .to.be.revertedWithCustomError(f.mach, "OwnableUnauthorizedAccount")
        .withArgs(f.outsider.address);
      await expect(f.mach.setSetDefaults({ ...defaults, maxSize: 256n }))
        .to.emit(f.mach, "SetDefaultsUpdated")
        .withArgs(setParamsTuple({ ...defaults, maxSize: 256n }));
      // a live snapshot may need as many members as the set can hold, not one more
      await expect(f.mach.setSetDefaults({ ...defaults, minMembers: 8n }))
        .to.emit(f.mach, "SetDefaultsUpdated")
        .withArgs(setParamsTuple({ ...defaults, minMembers: 8n }));
      await expect(f.mach.setSetDefaults(defaults))
        .to.emit(f.mach, "SetDefaultsUpdated")
        .withArgs(setParamsTuple(defaults));
      expect(await f.mach.setDefaults()).to.deep.equal(setParamsTuple(defaults));
      const rollup = await createRollup(f.d, f.creator, { chainId: 910_019, salt: id("mach:new-defaults") });
      const address = await rollup.getAddress();
      const setId = setIdFor(f.machAddress, address);
      await expect(f.mach.registerRollup(address))
        .to.emit(f.mach, "RollupRegistered")
        .withArgs(address, setId, setParamsTuple(defaults))
        .and.to.emit(f.d.operatorSets, "SetCreated")
        .withArgs(setId, f.machAddress, zeroPadValue(address, 32), 5n * ALT, 8n)
        .and.to.emit(f.d.operatorSets, "LivenessUpdated")
        .withArgs(setId, 3n, 20n * ALT);
      const config = await f.d.operatorSets.setConfig(setId);
      expect([config.minStake, config.maxSize, config.minMembers, config.minTotalStake]).to.deep.equal(
        setParamsTuple(defaults),
      );
      // sets registered before keep theirs
      const main = await f.d.operatorSets.setConfig(f.setId);
      expect([main.minStake, main.maxSize, main.minMembers, main.minTotalStake]).to.deep.equal(
        setParamsTuple(setParams(f.d)),
      );
    });

    it("setSetDefaults: refuses a size of 0 or above 256, and a live minimum of more members than the set holds", async function () {
      const f = await loadFixture(machFixture);
      const defaults = setParams(f.d, { minStake: 5n * ALT, maxSize: 8n, minMembers: 3n, minTotalStake: 20n * ALT });
      for (const refused of [
        { ...defaults, maxSize: 0n, minMembers: 0n },
        { ...defaults, maxSize: 257n },
        { ...defaults, minMembers: 9n },
        { ...defaults, maxSize: 256n, minMembers: 257n },
      ]) {
        await expect(f.mach.setSetDefaults(refused)).to.be.revertedWithCustomError(f.mach, "ServiceInvalidParameter");
      }
      expect(await f.mach.setDefaults()).to.deep.equal(setParamsTuple(setParams(f.d)));
    });

    it("updateRollupSet: the owner changes one registered rollup's set and its liveness", async function () {
      const f = await loadFixture(machFixture);
      const params = setParams(f.d, {
        minStake: 2_000n * ALT,
        maxSize: 5n,
        minMembers: 3n,
        minTotalStake: 5_000n * ALT,
      });
      await expect(f.mach.connect(f.outsider).updateRollupSet(f.rollupAddress, params))
        .to.be.revertedWithCustomError(f.mach, "OwnableUnauthorizedAccount")
        .withArgs(f.outsider.address);
      await expect(f.mach.updateRollupSet(f.rollupAddress, params))
        .to.emit(f.d.operatorSets, "SetUpdated")
        .withArgs(f.setId, 2_000n * ALT, 5n)
        .and.to.emit(f.d.operatorSets, "LivenessUpdated")
        .withArgs(f.setId, 3n, 5_000n * ALT);
      const config = await f.d.operatorSets.setConfig(f.setId);
      expect([config.minStake, config.maxSize, config.minMembers, config.minTotalStake]).to.deep.equal(
        setParamsTuple(params),
      );
      // the service's defaults are untouched
      expect(await f.mach.setDefaults()).to.deep.equal(setParamsTuple(setParams(f.d)));
      // the next snapshot applies the new minimum: members 2 and 3 (1,167 ALT and less) drop out; three members and
      // 3,000 + 2,500 + 2,166 ALT + 1 unit are enough to stay live
      await time.increaseTo(await f.d.operatorSets.epochStart(SNAPSHOT_EPOCH + 1n));
      await (await f.d.operatorSets.snapshot(f.setId)).wait();
      const [operators] = await f.d.operatorSets.snapshotEntries(f.setId, SNAPSHOT_EPOCH + 1n);
      expect(operators).to.deep.equal([f.ops[0].address, f.ops[1].address, f.ops[4].address]);
      expect(await f.d.operatorSets.isLive(f.setId, SNAPSHOT_EPOCH + 1n)).to.equal(true);
      // bad sizes and liveness minimums are refused by the service before anything changes; an unregistered rollup too
      for (const refused of [
        { ...params, maxSize: 0n, minMembers: 0n },
        { ...params, maxSize: 257n },
        { ...params, minMembers: 6n },
      ]) {
        await expect(f.mach.updateRollupSet(f.rollupAddress, refused)).to.be.revertedWithCustomError(
          f.mach,
          "ServiceInvalidParameter",
        );
      }
      const rollup = await createRollup(f.d, f.creator, { chainId: 910_020, salt: id("mach:unregistered") });
      const address = await rollup.getAddress();
      await expect(f.mach.updateRollupSet(address, params))
        .to.be.revertedWithCustomError(f.mach, "ServiceNotRegistered")
        .withArgs(address);
    });
  });

  describe("fees", function () {
    it("reach the MACH members: the rollup streams to its set, distribute splits by snapshot stake", async function () {
      const f = await loadFixture(machFixture);
      const { d } = f;
      const rewards = d.rewards;
      const rate = await f.rollup.feePerServicePerSecond();
      expect(rate).to.equal(ALT / 1_000n);
      const lastStreamed = await f.rollup.lastStreamed();
      const at = await nextTimestamp();
      const share = rate * (at - lastStreamed);
      await expect(f.rollup.connect(f.outsider).streamFees())
        .to.emit(rewards, "FeesCredited")
        .withArgs(f.setId, f.rollupAddress, share)
        .and.to.emit(f.rollup, "FeesStreamed")
        .withArgs(2n * share, at); // VITAL's set is paid the same share
      expect(await rewards.pendingFeesScaled(f.setId)).to.equal(share * SCALE);

      const amountScaled = share * SCALE;
      const protocolScaled = (amountScaled * (await rewards.protocolShareBps())) / BPS;
      const restScaled = amountScaled - protocolScaled;
      const expected = await Promise.all(
        f.ops.map(async (op, i) => {
          const shareScaled = (restScaled * STAKES[i]) / TOTAL_STAKE;
          const commission = (shareScaled * (await d.registry.commissionOf(op.address))) / BPS;
          const active = 3n * STAKES[i] * VIRTUAL_SHARES; // the operator's whole pool shares its rewards
          const increment = (shareScaled - commission) / active;
          return { commission, active, increment, claimable: (commission + increment * active) / SCALE };
        }),
      );
      const used = expected.reduce((sum, e) => sum + e.commission + e.increment * e.active, 0n);
      const treasury = await rewards.treasury();
      const treasuryOwed = await rewards.owedScaled(treasury);

      const distribution = rewards.connect(f.outsider).distribute(f.setId, SNAPSHOT_EPOCH);
      await expect(distribution)
        .to.emit(rewards, "Distributed")
        .withArgs(f.setId, SNAPSHOT_EPOCH, share, protocolScaled / SCALE, restScaled - used);
      for (const [i, op] of f.ops.entries()) {
        await expect(distribution)
          .to.emit(rewards, "OperatorRewarded")
          .withArgs(
            f.setId,
            SNAPSHOT_EPOCH,
            op.address,
            expected[i].commission / SCALE,
            (expected[i].increment * expected[i].active) / SCALE,
          );
      }
      expect(await rewards.owedScaled(treasury)).to.equal(treasuryOwed + protocolScaled);
      expect(await rewards.pendingFeesScaled(f.setId)).to.equal(restScaled - used);

      for (const [i, op] of f.ops.entries()) {
        expect(await d.registry.sharesOf(op.address, op.address, 0)).to.equal(expected[i].active);
        const claimable = await rewards.claimable(op.address, [op.address], [0]);
        expect(claimable).to.equal(expected[i].claimable);
        expect(claimable > 0n).to.equal(true);
        const before = await d.token.balanceOf(op.address);
        await expect(rewards.connect(op.account).claim([op.address], [0]))
          .to.emit(rewards, "Claimed")
          .withArgs(op.address, claimable);
        expect(await d.token.balanceOf(op.address)).to.equal(before + claimable);
      }
      // bigger stake, bigger share
      expect(expected[0].claimable > expected[1].claimable).to.equal(true);
      expect(expected[1].claimable > expected[4].claimable).to.equal(true);
    });
  });
});
