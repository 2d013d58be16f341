// MACH fast finality (contracts/services/MachService.sol on the RollupService base): certificates of EIP-712
// attestations by the operators of a rollup's MACH set (listed by address, ascending), checked against the stake counted
// in the set in the current epoch (read from OperatorSets' checkpoints) and the rollup's threshold; equivocation
// proofs and reports of certified outputs VITAL invalidated, turned into slash requests; quorum-signed alerts; fees
// streamed by the rollup to its MACH set. Everything runs end to end on the staged deployment of test/helpers/services.ts
// (real OperatorSets, RestakingRegistry, SlashingManager, RewardsDistributor, VitalService).
// Stakes are chosen so that one subset of members holds exactly the threshold of the set's stake and another one
// 1 wei less (allocations count to the wei); every expected value below is computed independently in bigint math.
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
  concat,
  getAddress,
  Signature,
  TypedDataEncoder,
  Wallet,
  ZeroAddress,
  ZeroHash,
  encodeBytes32String,
  id,
  keccak256,
  toBeHex,
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
  byAddress,
  createRollup,
  deployServices,
  joinAndCount,
  launchRollup,
  setParams,
  setParamsTuple,
  type Operator,
} from "../helpers/services";

const coder = AbiCoder.defaultAbiCoder();

/** The margin the threshold tests miss by: allocations count to the wei, so 1 wei below the threshold is refused. */
const ONE_WEI = 1n;
/** RestakingRegistry virtual shares: a fresh pool mints amount × 1e6 shares for its first deposit. */
const VIRTUAL_SHARES = 10n ** 6n;
/** RewardsDistributor.SCALE. */
const SCALE = 10n ** 18n;
const BPS = 10_000n;
/** RollupFactory.DEFAULT_FAST_FINALITY_BPS (createParams leaves fastFinalityBps 0). */
const DEFAULT_THRESHOLD_BPS = 6_667n;
const STRICT_THRESHOLD_BPS = 8_000n;
/** The epoch the fixture's allocations first count in: a non-zero one, so a certificate's epoch is not a default value. */
const EPOCH = 3n;
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
 * so the default threshold (6,667 bps) is 6,667 ALT: members {0, 1, 2} hold exactly that, {0, 1, 3} 1 wei less.
 */
const STAKES = [3_000n * ALT, 2_500n * ALT, 1_167n * ALT, 1_167n * ALT - ONE_WEI, 2_166n * ALT + ONE_WEI];
const TOTAL_STAKE = STAKES.reduce((a, b) => a + b, 0n);
/**
 * Members of the strict rollup (fastFinalityBps 8,000). Total 12,500 ALT, threshold 10,000 ALT: {0, 1, 2} exactly,
 * {0, 1, 3} 1 wei less.
 */
const STRICT_STAKES = [5_000n * ALT, 3_500n * ALT, 1_500n * ALT, 1_500n * ALT - ONE_WEI, 1_000n * ALT + ONE_WEI];
const STRICT_TOTAL = STRICT_STAKES.reduce((a, b) => a + b, 0n);

const sumOf = (stakes: bigint[], indexes: number[]) => indexes.reduce((sum, i) => sum + stakes[i], 0n);
const bitmapOf = (positions: number[]) => positions.reduce((bitmap, i) => bitmap | (1n << BigInt(i)), 0n);
/** The indexes (into `ops`) in the order a certificate lists their operators: by address, ascending. */
const inAddressOrder = (ops: Operator[], indexes: number[]) =>
  [...indexes].sort((a, b) => byAddress(ops[a].address, ops[b].address));
/** The signer list of the members at `indexes`: their addresses, ascending. */
const signerList = (ops: Operator[], indexes: number[]) => inAddressOrder(ops, indexes).map((i) => ops[i].address);
/** Certificate.signersHash: keccak256(abi.encodePacked(signers)), each address padded to a word in a packed array. */
const signersHash = (signers: string[]) => keccak256(concat(signers.map((signer) => zeroPadValue(signer, 32))));
/** The bitmap of the positions of `reported` in the signer list `signers`. */
const positionsOf = (signers: string[], reported: Operator[]) =>
  bitmapOf(
    reported.map((op) => {
      const position = signers.indexOf(op.address);
      expect(position).to.not.equal(-1);
      return position;
    }),
  );

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
    // the members join in the epoch before EPOCH; their allocations count from it, with no further transaction
    await time.increaseTo(await d.operatorSets.epochStart(EPOCH - 1n));
    const vitalSetId = await d.vital.setIdOf(rollupAddress);
    for (const [i, op] of ops.entries()) {
      await (await d.operatorSets.connect(op.account).join(vitalSetId, STAKES[i])).wait();
    }
    const setId = await joinAndCount(d, d.mach, rollupAddress, ops, STAKES);
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
    /** The operators indexes refer to, whose keys sign (the main members by default). */
    signers?: Operator[];
  }

  /** `certify`'s and `raiseAlert`'s last two arguments: the signer list and one signature each. */
  type Certificate = [signers: string[], signatures: MachService.SignatureStruct[]];

  /** The members at `indexes` and their attestations, in the order given (member i = `o.signers[i]`). */
  async function signedInOrder(f: Fixture, indexes: number[], o: SignOptions = {}): Promise<Certificate> {
    const signers = o.signers ?? f.ops;
    const signatures = await Promise.all(
      indexes.map((index) =>
        signAttestation(
          signers[index].key,
          o.domain ?? f.domain,
          o.rollup ?? f.rollupAddress,
          o.l2BlockNumber ?? L2_BLOCK,
          o.root ?? ROOT,
        ),
      ),
    );
    return [indexes.map((index) => signers[index].address), signatures];
  }

  /** The certificate of the members at `indexes`: listed by address, ascending, as the contract takes it. */
  const signaturesOf = (f: Fixture, indexes: number[], o: SignOptions = {}) =>
    signedInOrder(f, inAddressOrder(o.signers ?? f.ops, indexes), o);

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

  /** A second rollup (fastFinalityBps 8,000) with its own members (counted from the next epoch) and output. */
  async function strictFixture() {
    const f = await loadFixture(machFixture);
    const strictOps = await addOperators(f.d, "mach-strict", STRICT_STAKES);
    const strict = await launchRollup(f.d, f.creator, {
      chainId: 910_002,
      salt: id("mach:strict"),
      fastFinalityBps: Number(STRICT_THRESHOLD_BPS),
    });
    const strictAddress = await strict.getAddress();
    const strictSetId = await joinAndCount(f.d, f.mach, strictAddress, strictOps);
    const strictEpoch = await f.d.operatorSets.currentEpoch();
    await (await strict.connect(f.creator).proposeOutput(L2_BLOCK, ROOT)).wait();
    return { ...f, strict, strictAddress, strictSetId, strictOps, strictEpoch };
  }

  /** Member 2's key attested two different roots for the same rollup and block. */
  async function equivocationFixture() {
    const f = await loadFixture(machFixture);
    const offender = f.ops[2];
    const signatureA = await signAttestation(offender.key, f.domain, f.rollupAddress, L2_BLOCK, ROOT);
    const signatureB = await signAttestation(offender.key, f.domain, f.rollupAddress, L2_BLOCK, OTHER_ROOT);
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
   * challenged with the bond, and members 4, 0 and 1 (7,666 ALT + 1 wei of 10,000 ≥ 2/3) voted "invalid".
   */
  async function invalidatedFixture() {
    const f = await loadFixture(machFixture);
    const { d } = f;
    // the members allocated to the VITAL set in the fixture: their stakes count there in the same epoch (checkpoints)
    const vitalSetId = await d.vital.setIdOf(f.rollupAddress);
    const certified = await signaturesOf(f, [0, 1, 2]);
    const [signers] = certified;
    const certifiedAt = await nextTimestamp();
    await (await f.mach.connect(f.reporter).certify(f.rollupAddress, 0, ...certified)).wait();

    const challenger = f.ops[4];
    const [, bond] = await d.vital.parameters();
    await (await d.token.connect(d.funder).transfer(challenger.address, bond)).wait();
    await (await d.token.connect(challenger.account).approve(await d.vital.getAddress(), bond)).wait();
    const challengeId = await d.vital.challengeCount();
    await (await d.vital.connect(challenger.account).challenge(f.rollupAddress, 0)).wait();
    for (const index of [4, 0]) await (await d.vital.connect(f.ops[index].account).vote(challengeId, true)).wait();
    const invalidatedAt = await nextTimestamp();
    await (await d.vital.connect(f.ops[1].account).vote(challengeId, true)).wait();
    return { ...f, vitalSetId, signers, certifiedAt, challengeId, invalidatedAt };
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
    it("reads the stake the fixture's members have counted: five operators, 10,000 ALT, a 6,667 ALT threshold", async function () {
      const f = await loadFixture(machFixture);
      const sets = f.d.operatorSets;
      expect(await sets.currentEpoch()).to.equal(EPOCH);
      const members = f.ops.map((op) => op.address);
      expect(await sets.allocationsAt(f.setId, members, EPOCH)).to.deep.equal(STAKES);
      // they joined in the epoch before: nothing counted then
      expect(await sets.allocationsAt(f.setId, members, EPOCH - 1n)).to.deep.equal(STAKES.map(() => 0n));
      expect(await sets.setStakeAt(f.setId, EPOCH)).to.equal(TOTAL_STAKE);
      expect(await sets.memberCountAt(f.setId, EPOCH)).to.equal(5n);
      expect(await sets.isLive(f.setId, EPOCH)).to.equal(true);
      expect(await f.rollup.fastFinalityBps()).to.equal(DEFAULT_THRESHOLD_BPS);
      expect((TOTAL_STAKE * DEFAULT_THRESHOLD_BPS) % BPS).to.equal(0n);
      expect(sumOf(STAKES, [0, 1, 2]) * BPS).to.equal(TOTAL_STAKE * DEFAULT_THRESHOLD_BPS);
      expect(sumOf(STAKES, [0, 1, 3])).to.equal(sumOf(STAKES, [0, 1, 2]) - ONE_WEI);
    });

    it("fast-finalizes an output signed by exactly the threshold stake and stores its certificate", async function () {
      const f = await loadFixture(machFixture);
      const indexes = [0, 1, 2];
      const signed = sumOf(STAKES, indexes);
      const [signers, signatures] = await signaturesOf(f, indexes);
      // listed by address, which is not the members' order here
      expect(signers).to.deep.equal(signerList(f.ops, indexes));
      expect(signers).to.not.deep.equal(indexes.map((i) => f.ops[i].address));
      const at = await nextTimestamp();
      await expect(f.mach.connect(f.outsider).certify(f.rollupAddress, 0, signers, signatures))
        .to.emit(f.mach, "Certified")
        .withArgs(f.rollupAddress, 0, L2_BLOCK, ROOT, EPOCH, signers, signed)
        .and.to.emit(f.rollup, "OutputFastFinalized")
        .withArgs(0);
      const output = await f.rollup.output(0);
      expect([output.status, output.l2BlockNumber, output.root]).to.deep.equal([Output.FastFinalized, L2_BLOCK, ROOT]);
      const certificate = await f.mach.certificate(f.rollupAddress, L2_BLOCK, ROOT);
      expect([
        certificate.signersHash,
        certificate.epoch,
        certificate.certifiedAt,
        certificate.signedStake,
      ]).to.deep.equal([signersHash(signers), EPOCH, at, signed]);
      expect(await f.mach.reportedSigners(f.rollupAddress, L2_BLOCK, ROOT)).to.equal(0n);
    });

    it("refuses a certificate 1 wei below the threshold", async function () {
      const f = await loadFixture(machFixture);
      await expect(f.mach.certify(f.rollupAddress, 0, ...(await signaturesOf(f, [0, 1, 3]))))
        .to.be.revertedWithCustomError(f.mach, "MachBelowThreshold")
        .withArgs(sumOf(STAKES, [0, 1, 3]), TOTAL_STAKE, DEFAULT_THRESHOLD_BPS);
      expect((await f.rollup.output(0)).status).to.equal(Output.Proposed);
      const certificate = await f.mach.certificate(f.rollupAddress, L2_BLOCK, ROOT);
      expect(certificate.certifiedAt).to.equal(0n);
    });

    it("counts the stake of a sparse signer set and of every member", async function () {
      const f = await loadFixture(machFixture);
      await expect(f.mach.certify(f.rollupAddress, 0, ...(await signaturesOf(f, [0, 1, 4]))))
        .to.emit(f.mach, "Certified")
        .withArgs(f.rollupAddress, 0, L2_BLOCK, ROOT, EPOCH, signerList(f.ops, [0, 1, 4]), sumOf(STAKES, [0, 1, 4]));
      await (await f.rollup.connect(f.creator).proposeOutput(2n * L2_BLOCK, OTHER_ROOT)).wait();
      const all = [0, 1, 2, 3, 4];
      await expect(
        f.mach.certify(
          f.rollupAddress,
          1,
          ...(await signaturesOf(f, all, { l2BlockNumber: 2n * L2_BLOCK, root: OTHER_ROOT })),
        ),
      )
        .to.emit(f.mach, "Certified")
        .withArgs(f.rollupAddress, 1, 2n * L2_BLOCK, OTHER_ROOT, EPOCH, signerList(f.ops, all), TOTAL_STAKE);
      expect((await f.rollup.output(1)).status).to.equal(Output.FastFinalized);
    });

    it("applies a rollup's own threshold: 8,000 bps, exactly at it and 1 wei below", async function () {
      const f = await loadFixture(strictFixture);
      expect(await f.strict.fastFinalityBps()).to.equal(STRICT_THRESHOLD_BPS);
      expect(await f.d.operatorSets.setStakeAt(f.strictSetId, f.strictEpoch)).to.equal(STRICT_TOTAL);
      expect(sumOf(STRICT_STAKES, [0, 1, 2]) * BPS).to.equal(STRICT_TOTAL * STRICT_THRESHOLD_BPS);
      const options = { rollup: f.strictAddress, signers: f.strictOps };
      await expect(f.mach.certify(f.strictAddress, 0, ...(await signaturesOf(f, [0, 1, 3], options))))
        .to.be.revertedWithCustomError(f.mach, "MachBelowThreshold")
        .withArgs(sumOf(STRICT_STAKES, [0, 1, 2]) - ONE_WEI, STRICT_TOTAL, STRICT_THRESHOLD_BPS);
      // 7,500 ALT of 12,500 (60 %) would pass the default threshold, not this one
      await expect(f.mach.certify(f.strictAddress, 0, ...(await signaturesOf(f, [1, 2, 3, 4], options))))
        .to.be.revertedWithCustomError(f.mach, "MachBelowThreshold")
        .withArgs(sumOf(STRICT_STAKES, [1, 2, 3, 4]), STRICT_TOTAL, STRICT_THRESHOLD_BPS);
      await expect(f.mach.certify(f.strictAddress, 0, ...(await signaturesOf(f, [0, 1, 2], options))))
        .to.emit(f.mach, "Certified")
        .withArgs(
          f.strictAddress,
          0,
          L2_BLOCK,
          ROOT,
          f.strictEpoch,
          signerList(f.strictOps, [0, 1, 2]),
          sumOf(STRICT_STAKES, [0, 1, 2]),
        );
      expect((await f.strict.output(0)).status).to.equal(Output.FastFinalized);
      // certificates are per rollup: the main rollup's output (same block and root) is untouched
      expect((await f.rollup.output(0)).status).to.equal(Output.Proposed);
      expect((await f.mach.certificate(f.rollupAddress, L2_BLOCK, ROOT)).certifiedAt).to.equal(0n);
    });

    it("refuses an empty certificate", async function () {
      const f = await loadFixture(machFixture);
      await expect(f.mach.certify(f.rollupAddress, 0, [], [])).to.be.revertedWithCustomError(
        f.mach,
        "MachEmptyCertificate",
      );
      // no signer at all, whatever signatures come with it
      const [, signatures] = await signaturesOf(f, [0]);
      await expect(f.mach.certify(f.rollupAddress, 0, [], signatures)).to.be.revertedWithCustomError(
        f.mach,
        "MachEmptyCertificate",
      );
    });

    it("refuses unsorted and duplicate signers at the first offending position (MachSignersNotSorted)", async function () {
      const f = await loadFixture(machFixture);
      // the certificate of members 0..3, by address: positions 0..3 below are places in that list
      const [signers, signatures] = await signaturesOf(f, [0, 1, 2, 3]);
      const certifyAt = (positions: number[]) =>
        f.mach.certify(
          f.rollupAddress,
          0,
          positions.map((p) => signers[p]),
          positions.map((p) => signatures[p]),
        );
      for (const [positions, offending] of [
        [[0, 2, 1], 2],
        [[1, 0, 2], 1],
        [[3, 2, 1, 0], 1],
        // a duplicate would count a member's stake twice: it is refused, not tallied
        [[0, 1, 1, 3], 2],
        [[0, 0], 1],
      ] as const) {
        await expect(certifyAt([...positions]))
          .to.be.revertedWithCustomError(f.mach, "MachSignersNotSorted")
          .withArgs(offending);
      }
      // the members' own order is not the address order
      await expect(f.mach.certify(f.rollupAddress, 0, ...(await signedInOrder(f, [0, 1, 2]))))
        .to.be.revertedWithCustomError(f.mach, "MachSignersNotSorted")
        .withArgs(2);
      expect((await f.rollup.output(0)).status).to.equal(Output.Proposed);
    });

    it("refuses lists of different lengths and more than 256 signers (MachBadLength)", async function () {
      const f = await loadFixture(machFixture);
      const [signers, signatures] = await signaturesOf(f, [0, 1, 2]);
      for (const [signerCount, signatureCount] of [
        [3, 2],
        [2, 3],
        [1, 0],
      ]) {
        await expect(
          f.mach.certify(f.rollupAddress, 0, signers.slice(0, signerCount), signatures.slice(0, signatureCount)),
        )
          .to.be.revertedWithCustomError(f.mach, "MachBadLength")
          .withArgs(signerCount, signatureCount);
      }
      await expect(f.mach.certify(f.rollupAddress, 0, signers, [...signatures, signatures[0]]))
        .to.be.revertedWithCustomError(f.mach, "MachBadLength")
        .withArgs(3, 4);
      // 257 signers in increasing order, one signature each: refused before anything is read
      const many = Array.from({ length: 257 }, (_, i) => getAddress(zeroPadValue(toBeHex(i + 1), 20)));
      const manySignatures = many.map(() => signatures[0]);
      await expect(f.mach.certify(f.rollupAddress, 0, many, manySignatures))
        .to.be.revertedWithCustomError(f.mach, "MachBadLength")
        .withArgs(257, 257);
      // 256 pass the length check: the first of them has no stake counted in the set
      await expect(f.mach.certify(f.rollupAddress, 0, many.slice(0, 256), manySignatures.slice(0, 256)))
        .to.be.revertedWithCustomError(f.mach, "MachNotSigner")
        .withArgs(0, many[0]);
    });

    it("refuses a signer with no stake counted in the set in the epoch (MachNotSigner)", async function () {
      const f = await loadFixture(machFixture);
      // a registered operator with its own stake and key, in no set: its genuine attestation does not count
      const [outsider] = await addOperators(f.d, "mach-nonmember", [1_000n * ALT]);
      const signers = [...f.ops, outsider];
      const [list, signatures] = await signaturesOf(f, [0, 1, 2, 5], { signers });
      await expect(f.mach.certify(f.rollupAddress, 0, list, signatures))
        .to.be.revertedWithCustomError(f.mach, "MachNotSigner")
        .withArgs(list.indexOf(outsider.address), outsider.address);
      // an address that is no operator at all, whatever it signs
      const stranger = keyWallet("mach:stranger");
      const [list2, signatures2] = await signaturesOf(f, [0, 1, 2, 5], {
        signers: [...f.ops, { account: stranger, key: stranger, address: stranger.address }],
      });
      await expect(f.mach.certify(f.rollupAddress, 0, list2, signatures2))
        .to.be.revertedWithCustomError(f.mach, "MachNotSigner")
        .withArgs(list2.indexOf(stranger.address), stranger.address);
      // the members alone carry it
      await expect(f.mach.certify(f.rollupAddress, 0, ...(await signaturesOf(f, [0, 1, 2])))).to.emit(
        f.mach,
        "Certified",
      );
    });

    it("refuses a signature that is not the member's attestation of this output", async function () {
      const f = await loadFixture(machFixture);
      const [signers, signatures] = await signaturesOf(f, [0, 1, 2]);
      const position = signers.indexOf(f.ops[1].address);
      const badAt1 = (signature: Compact) =>
        f.mach.certify(
          f.rollupAddress,
          0,
          signers,
          signatures.map((s, i) => (i === position ? signature : s)),
        );
      const expectBad = (tx: Promise<unknown>) =>
        expect(tx).to.be.revertedWithCustomError(f.mach, "MachBadSignature").withArgs(position, f.ops[1].address);
      const stranger = keyWallet("mach:stranger");
      const key1 = f.ops[1].key;
      // by a key that is no member's
      await expectBad(badAt1(await signAttestation(stranger, f.domain, f.rollupAddress, L2_BLOCK, ROOT)));
      // by another member's key at this member's position
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

    it("refuses the signature of a member jailed by a slash request made in the epoch", async function () {
      const f = await loadFixture(machFixture);
      await fileSlashRequest(f, f.ops[1].address);
      expect(await f.d.registry.isJailed(f.ops[1].address)).to.equal(true);
      // its stake still counts in the epoch
      expect(await f.d.operatorSets.allocationAt(f.setId, f.ops[1].address, EPOCH)).to.equal(STAKES[1]);
      await expect(f.mach.certify(f.rollupAddress, 0, ...(await signaturesOf(f, [0, 1, 2]))))
        .to.be.revertedWithCustomError(f.mach, "MachSignerJailed")
        .withArgs(f.ops[1].address);
      // the others carry the output without it: 3,000 + 1,167 + 1,167 − 1 wei + 2,166 + 1 wei = 7,500 ALT
      await expect(f.mach.certify(f.rollupAddress, 0, ...(await signaturesOf(f, [0, 2, 3, 4]))))
        .to.emit(f.mach, "Certified")
        .withArgs(
          f.rollupAddress,
          0,
          L2_BLOCK,
          ROOT,
          EPOCH,
          signerList(f.ops, [0, 2, 3, 4]),
          sumOf(STAKES, [0, 2, 3, 4]),
        );
    });

    it("a certificate counts the stake of its epoch from the checkpoints: a change counts from the next epoch", async function () {
      const f = await loadFixture(machFixture);
      const sets = f.d.operatorSets;
      // member 0 doubles its allocation in epoch 3: the change counts from epoch 4, epoch 3 keeps what it counted
      await (await sets.connect(f.ops[0].account).allocate(f.setId, 2n * STAKES[0])).wait();
      expect((await sets.allocation(f.setId, f.ops[0].address)).allocated).to.equal(2n * STAKES[0]);
      expect(await sets.allocationAt(f.setId, f.ops[0].address, EPOCH)).to.equal(STAKES[0]);
      await expect(f.mach.certify(f.rollupAddress, 0, ...(await signaturesOf(f, [0, 1, 2]))))
        .to.emit(f.mach, "Certified")
        .withArgs(f.rollupAddress, 0, L2_BLOCK, ROOT, EPOCH, signerList(f.ops, [0, 1, 2]), sumOf(STAKES, [0, 1, 2]));
      // two epochs on, nobody having sent anything: the certificate counts what the checkpoints hold for epoch 5
      await (await f.rollup.connect(f.creator).proposeOutput(2n * L2_BLOCK, OTHER_ROOT)).wait();
      await time.increaseTo(await sets.epochStart(EPOCH + 2n));
      const total = TOTAL_STAKE + STAKES[0];
      expect(await sets.setStakeAt(f.setId, EPOCH + 2n)).to.equal(total);
      const signed = sumOf(STAKES, [0, 1, 2]) + STAKES[0];
      // 9,667 of 13,000 ALT
      expect(signed * BPS >= total * DEFAULT_THRESHOLD_BPS).to.equal(true);
      const options = { l2BlockNumber: 2n * L2_BLOCK, root: OTHER_ROOT };
      await expect(f.mach.certify(f.rollupAddress, 1, ...(await signaturesOf(f, [0, 1, 2], options))))
        .to.emit(f.mach, "Certified")
        .withArgs(f.rollupAddress, 1, 2n * L2_BLOCK, OTHER_ROOT, EPOCH + 2n, signerList(f.ops, [0, 1, 2]), signed);
      expect((await f.mach.certificate(f.rollupAddress, 2n * L2_BLOCK, OTHER_ROOT)).signedStake).to.equal(signed);
    });

    it("refuses a rollup not registered in MACH", async function () {
      const f = await loadFixture(machFixture);
      const rollup = await createRollup(f.d, f.creator, { chainId: 910_013, salt: id("mach:unregistered") });
      const address = await rollup.getAddress();
      await (await rollup.connect(f.creator).proposeOutput(L2_BLOCK, ROOT)).wait();
      await expect(f.mach.certify(address, 0, ...(await signaturesOf(f, [0, 1, 2], { rollup: address }))))
        .to.be.revertedWithCustomError(f.mach, "ServiceNotRegistered")
        .withArgs(address);
    });

    it("refuses an output the rollup does not have, or one fast-finalized already", async function () {
      const f = await loadFixture(machFixture);
      const certified = await signaturesOf(f, [0, 1, 2]);
      await expect(f.mach.certify(f.rollupAddress, 1, ...certified))
        .to.be.revertedWithCustomError(f.rollup, "RollupUnknownOutput")
        .withArgs(1);
      await (await f.mach.certify(f.rollupAddress, 0, ...certified)).wait();
      await expect(f.mach.certify(f.rollupAddress, 0, ...(await signaturesOf(f, [0, 1, 2, 3, 4]))))
        .to.be.revertedWithCustomError(f.rollup, "RollupOutputStatus")
        .withArgs(0, Output.FastFinalized);
      // the first certificate stands
      expect((await f.mach.certificate(f.rollupAddress, L2_BLOCK, ROOT)).signersHash).to.equal(
        signersHash(certified[0]),
      );
    });

    // Attestations carry nothing but (rollup, block, root): once the proposer re-proposes an invalidated root at the same
    // block, the old certificate's signatures would fast-finalize it again without a new signature and overwrite its
    // certificate (while reportedSigners still holds the old list's positions). certify refuses an output VITAL invalidated.
    it("refuses to certify again an output VITAL invalidated (old attestations replayed)", async function () {
      const f = await loadFixture(invalidatedFixture);
      const certified = await signaturesOf(f, [0, 1, 2]);
      await (await f.rollup.connect(f.creator).proposeOutput(L2_BLOCK, ROOT)).wait();
      expect(await f.d.vital.invalidatedAt(f.rollupAddress, L2_BLOCK, ROOT)).to.equal(f.invalidatedAt);
      await expect(f.mach.certify(f.rollupAddress, 0, ...certified))
        .to.be.revertedWithCustomError(f.mach, "MachOutputInvalidated")
        .withArgs(f.rollupAddress, L2_BLOCK, ROOT);
      expect((await f.rollup.output(0)).status).to.equal(Output.Proposed);
      expect((await f.mach.certificate(f.rollupAddress, L2_BLOCK, ROOT)).certifiedAt).to.equal(f.certifiedAt);
    });

    describe("signer set changes", function () {
      it("a member that joined this epoch cannot sign until the next (MachNotSigner)", async function () {
        const f = await loadFixture(machFixture);
        const sets = f.d.operatorSets;
        const [late] = await addOperators(f.d, "mach-late", [5_000n * ALT]);
        await (await sets.connect(late.account).join(f.setId, 5_000n * ALT)).wait();
        expect((await sets.membership(f.setId, late.address)).member).to.equal(true);
        // its allocation counts from epoch 4, in its stake and in the set's
        expect(await sets.allocationAt(f.setId, late.address, EPOCH)).to.equal(0n);
        expect(await sets.allocationAt(f.setId, late.address, EPOCH + 1n)).to.equal(5_000n * ALT);
        expect(await sets.setStakeAt(f.setId, EPOCH)).to.equal(TOTAL_STAKE);
        const signers = [...f.ops, late];
        const withLate = await signaturesOf(f, [0, 1, 5], { signers });
        await expect(f.mach.certify(f.rollupAddress, 0, ...withLate))
          .to.be.revertedWithCustomError(f.mach, "MachNotSigner")
          .withArgs(withLate[0].indexOf(late.address), late.address);

        await time.increaseTo(await sets.epochStart(EPOCH + 1n));
        const total = TOTAL_STAKE + 5_000n * ALT;
        expect(await sets.setStakeAt(f.setId, EPOCH + 1n)).to.equal(total);
        expect(await sets.memberCountAt(f.setId, EPOCH + 1n)).to.equal(6n);
        // 3,000 + 2,500 alone are short of 6,667 bps of 15,000; with the newcomer's 5,000 they are not
        await expect(f.mach.certify(f.rollupAddress, 0, ...(await signaturesOf(f, [0, 1]))))
          .to.be.revertedWithCustomError(f.mach, "MachBelowThreshold")
          .withArgs(sumOf(STAKES, [0, 1]), total, DEFAULT_THRESHOLD_BPS);
        await expect(f.mach.certify(f.rollupAddress, 0, ...withLate))
          .to.emit(f.mach, "Certified")
          .withArgs(
            f.rollupAddress,
            0,
            L2_BLOCK,
            ROOT,
            EPOCH + 1n,
            signerList(signers, [0, 1, 5]),
            sumOf(STAKES, [0, 1]) + 5_000n * ALT,
          );
      });

      it("a member that left this epoch still signs with the stake it had at the epoch's start", async function () {
        const f = await loadFixture(machFixture);
        const sets = f.d.operatorSets;
        const leaver = f.ops[4];
        const leftAt = await nextTimestamp();
        const leaveAt = leftAt + (await f.d.registry.withdrawalDelay());
        await expect(sets.connect(leaver.account).requestLeave(f.setId))
          .to.emit(sets, "LeaveRequested")
          .withArgs(f.setId, leaver.address, leaveAt);
        // out of the member list at once (its place free), nothing allocated any more, still bound to the set
        expect(await sets.members(f.setId)).to.deep.equal(f.ops.slice(0, 4).map((op) => op.address));
        const left = await sets.membership(f.setId, leaver.address);
        expect([left.member, left.leaveAt]).to.deep.equal([false, leaveAt]);
        expect(await sets.allocation(f.setId, leaver.address)).to.deep.equal([0n, STAKES[4], leaveAt]);
        // epoch 3 counts what it had at the start of the epoch: its signature carries that stake
        expect(await sets.allocationAt(f.setId, leaver.address, EPOCH)).to.equal(STAKES[4]);
        expect(await sets.allocationAt(f.setId, leaver.address, EPOCH + 1n)).to.equal(0n);
        await expect(f.mach.certify(f.rollupAddress, 0, ...(await signaturesOf(f, [0, 1, 4]))))
          .to.emit(f.mach, "Certified")
          .withArgs(f.rollupAddress, 0, L2_BLOCK, ROOT, EPOCH, signerList(f.ops, [0, 1, 4]), sumOf(STAKES, [0, 1, 4]));
        expect((await f.mach.certificate(f.rollupAddress, L2_BLOCK, ROOT)).signedStake).to.equal(
          sumOf(STAKES, [0, 1, 4]),
        );

        // a newcomer joins in its place; in epoch 4 the leaver counts no more
        const [late] = await addOperators(f.d, "mach-late", [5_000n * ALT]);
        await (await sets.connect(late.account).join(f.setId, 5_000n * ALT)).wait();
        await time.increaseTo(await sets.epochStart(EPOCH + 1n));
        expect((await sets.membership(f.setId, leaver.address)).leaveAt).to.equal(leaveAt);
        const total = sumOf(STAKES, [0, 1, 2, 3]) + 5_000n * ALT;
        expect(await sets.setStakeAt(f.setId, EPOCH + 1n)).to.equal(total);
        expect(await sets.memberCountAt(f.setId, EPOCH + 1n)).to.equal(5n);
        await (await f.rollup.connect(f.creator).proposeOutput(2n * L2_BLOCK, ROOT)).wait();
        const options = { l2BlockNumber: 2n * L2_BLOCK };
        const withLeaver = await signaturesOf(f, [0, 1, 4], options);
        await expect(f.mach.certify(f.rollupAddress, 1, ...withLeaver))
          .to.be.revertedWithCustomError(f.mach, "MachNotSigner")
          .withArgs(withLeaver[0].indexOf(leaver.address), leaver.address);
        const signers = [...f.ops, late];
        await expect(f.mach.certify(f.rollupAddress, 1, ...(await signaturesOf(f, [0, 1, 5], { ...options, signers }))))
          .to.emit(f.mach, "Certified")
          .withArgs(
            f.rollupAddress,
            1,
            2n * L2_BLOCK,
            ROOT,
            EPOCH + 1n,
            signerList(signers, [0, 1, 5]),
            sumOf(STAKES, [0, 1]) + 5_000n * ALT,
          );
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
        const position = signerList(f.ops, [0, 1, 2]).indexOf(member.address);
        // before the rotation takes effect: the new key is refused, the old one signs
        await expect(f.mach.certify(f.rollupAddress, 0, ...(await signaturesOf(f, [0, 1, 2], { signers: rotated }))))
          .to.be.revertedWithCustomError(f.mach, "MachBadSignature")
          .withArgs(position, member.address);
        await expect(f.mach.certify(f.rollupAddress, 0, ...(await signaturesOf(f, [0, 1, 2]))))
          .to.emit(f.mach, "Certified")
          .withArgs(f.rollupAddress, 0, L2_BLOCK, ROOT, EPOCH, signerList(f.ops, [0, 1, 2]), sumOf(STAKES, [0, 1, 2]));

        await time.increaseTo(effectiveAt);
        expect(await f.d.registry.signingKeyOf(member.address)).to.equal(newKey.address);
        const epoch = await f.d.operatorSets.currentEpoch();
        const options = { l2BlockNumber: 2n * L2_BLOCK };
        await expect(f.mach.certify(f.rollupAddress, 1, ...(await signaturesOf(f, [0, 1, 2], options))))
          .to.be.revertedWithCustomError(f.mach, "MachBadSignature")
          .withArgs(position, member.address);
        await expect(
          f.mach.certify(f.rollupAddress, 1, ...(await signaturesOf(f, [0, 1, 2], { ...options, signers: rotated }))),
        )
          .to.emit(f.mach, "Certified")
          .withArgs(
            f.rollupAddress,
            1,
            2n * L2_BLOCK,
            ROOT,
            epoch,
            signerList(f.ops, [0, 1, 2]),
            sumOf(STAKES, [0, 1, 2]),
          );
      });
    });
  });

  describe("liveness", function () {
    /** The main rollup's set gets the deployment's defaults with these liveness minimums (counted from the next epoch). */
    const setLiveness = (f: Fixture, minMembers: bigint, minTotalStake: bigint) =>
      f.mach.updateRollupSet(f.rollupAddress, setParams(f.d, { minMembers, minTotalStake }));

    /** The alert of the members at `indexes`, listed by address. */
    const alertSignaturesOf = async (
      f: Fixture,
      indexes: number[],
      nonce: bigint,
      rollup = f.rollupAddress,
    ): Promise<Certificate> => {
      const sorted = inAddressOrder(f.ops, indexes);
      return [
        sorted.map((i) => f.ops[i].address),
        await Promise.all(sorted.map((i) => signAlert(f.ops[i].key, f.domain, rollup, ALERT_REASON, nonce))),
      ];
    };

    it("a set with no stake counted decides nothing: no certificate or alert before its first allocation counts", async function () {
      const f = await loadFixture(machFixture);
      const sets = f.d.operatorSets;
      const rollup = await launchRollup(f.d, f.creator, { chainId: 910_030, salt: id("mach:empty") });
      const address = await rollup.getAddress();
      const setId = await f.mach.setIdOf(address);
      await (await rollup.connect(f.creator).proposeOutput(L2_BLOCK, ROOT)).wait();
      // governance asks for no operators and no stake, from the next epoch: a set with no stake is still never live
      await (await f.mach.updateRollupSet(address, setParams(f.d, { minMembers: 0n, minTotalStake: 0n }))).wait();
      const epoch = await nextEpoch(sets);
      // a member joins: its allocation counts from the epoch after
      await (await sets.connect(f.ops[0].account).join(setId, STAKES[0])).wait();
      expect([await sets.setStakeAt(setId, epoch), await sets.memberCountAt(setId, epoch)]).to.deep.equal([0n, 0n]);
      expect(await sets.isLive(setId, epoch)).to.equal(false);
      const certified = await signaturesOf(f, [0], { rollup: address });
      await expect(f.mach.certify(address, 0, ...certified))
        .to.be.revertedWithCustomError(f.mach, "ServiceSetNotLive")
        .withArgs(setId, epoch);
      await expect(f.mach.raiseAlert(address, ALERT_REASON, ...(await alertSignaturesOf(f, [0], 0n, address))))
        .to.be.revertedWithCustomError(f.mach, "ServiceSetNotLive")
        .withArgs(setId, epoch);
      expect((await rollup.output(0)).status).to.equal(Output.Proposed);
      expect((await f.mach.certificate(address, L2_BLOCK, ROOT)).certifiedAt).to.equal(0n);
      expect(await f.mach.alertNonce(address)).to.equal(0n);
      // the next epoch counts the member's stake, with no transaction in between: it certifies
      await time.increaseTo(await sets.epochStart(epoch + 1n));
      expect(await sets.isLive(setId, epoch + 1n)).to.equal(true);
      await expect(f.mach.certify(address, 0, ...certified))
        .to.emit(f.mach, "Certified")
        .withArgs(address, 0, L2_BLOCK, ROOT, epoch + 1n, [f.ops[0].address], STAKES[0]);
    });

    it("a set that is not live in the epoch decides nothing (ServiceSetNotLive); minimums count from the next epoch", async function () {
      const f = await loadFixture(machFixture);
      const sets = f.d.operatorSets;
      /** What the set counts in `epoch` (the same five members and stake throughout: only the minimums change). */
      const counted = async (epoch: bigint) => [
        await sets.memberCountAt(f.setId, epoch),
        await sets.setStakeAt(f.setId, epoch),
        await sets.isLive(f.setId, epoch),
      ];
      expect(await counted(EPOCH)).to.deep.equal([5n, TOTAL_STAKE, true]);
      await (await f.rollup.connect(f.creator).proposeOutput(2n * L2_BLOCK, OTHER_ROOT)).wait();
      const output1 = await signaturesOf(f, [0, 1, 2], { l2BlockNumber: 2n * L2_BLOCK, root: OTHER_ROOT });
      const alert = await alertSignaturesOf(f, [0, 1, 2], 0n);
      const expectNotLive = async (epoch: bigint) => {
        expect(await counted(epoch)).to.deep.equal([5n, TOTAL_STAKE, false]);
        await expect(f.mach.certify(f.rollupAddress, 1, ...output1))
          .to.be.revertedWithCustomError(f.mach, "ServiceSetNotLive")
          .withArgs(f.setId, epoch);
        await expect(f.mach.raiseAlert(f.rollupAddress, ALERT_REASON, ...alert))
          .to.be.revertedWithCustomError(f.mach, "ServiceSetNotLive")
          .withArgs(f.setId, epoch);
      };

      // epoch 3: governance asks for six operators; the epoch keeps the minimums it started with
      await expect(setLiveness(f, 6n, TOTAL_STAKE))
        .to.emit(f.d.operatorSets, "LivenessUpdated")
        .withArgs(f.setId, 6n, TOTAL_STAKE);
      expect(await counted(EPOCH)).to.deep.equal([5n, TOTAL_STAKE, true]);
      await expect(f.mach.certify(f.rollupAddress, 0, ...(await signaturesOf(f, [0, 1, 2]))))
        .to.emit(f.mach, "Certified")
        .withArgs(f.rollupAddress, 0, L2_BLOCK, ROOT, EPOCH, signerList(f.ops, [0, 1, 2]), sumOf(STAKES, [0, 1, 2]));
      // epoch 4 needs six: one operator short
      let epoch = await nextEpoch(sets);
      await expectNotLive(epoch);
      // five operators and one wei more than the set's stake, asked in epoch 4: epoch 4 still needs six
      await (await setLiveness(f, 5n, TOTAL_STAKE + 1n)).wait();
      await expectNotLive(epoch);
      // epoch 5: one wei of stake short
      epoch = await nextEpoch(sets);
      await expectNotLive(epoch);
      await (await setLiveness(f, 5n, TOTAL_STAKE)).wait();
      expect((await f.rollup.output(1)).status).to.equal(Output.Proposed);
      expect(await f.mach.alertNonce(f.rollupAddress)).to.equal(0n);
      // epoch 6: exactly five operators and 10,000 ALT
      epoch = await nextEpoch(sets);
      expect(epoch).to.equal(EPOCH + 3n);
      expect(await counted(epoch)).to.deep.equal([5n, TOTAL_STAKE, true]);
      await expect(f.mach.certify(f.rollupAddress, 1, ...output1))
        .to.emit(f.mach, "Certified")
        .withArgs(
          f.rollupAddress,
          1,
          2n * L2_BLOCK,
          OTHER_ROOT,
          epoch,
          signerList(f.ops, [0, 1, 2]),
          sumOf(STAKES, [0, 1, 2]),
        );
      await expect(f.mach.raiseAlert(f.rollupAddress, ALERT_REASON, ...alert))
        .to.emit(f.mach, "AlertRaised")
        .withArgs(f.rollupAddress, ALERT_REASON, 0, epoch, signerList(f.ops, [0, 1, 2]));
      // no change rewrote an epoch before it
      expect(await Promise.all([EPOCH, EPOCH + 1n, EPOCH + 2n].map((e) => sets.isLive(f.setId, e)))).to.deep.equal([
        true,
        false,
        false,
      ]);
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
      await expect(f.mach.certify(f.rollupAddress, 0, ...(await signaturesOf(f, [0, 1, 2]))))
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
      expect(await d.registry.altToBurn()).to.equal(0n);

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
      // the rest of the ALT taken is set aside to burn: it stays in the registry until anyone burns it
      expect(await d.token.totalSupply()).to.equal(supplyBefore);
      expect(await d.registry.altToBurn()).to.equal(amount - toReporter);
      expect(await d.token.balanceOf(await d.registry.getAddress())).to.equal(registryBefore);
      await expect(d.registry.connect(executor).burnSlashedAlt())
        .to.emit(d.registry, "SlashedAltBurned")
        .withArgs(executor.address, amount - toReporter);
      expect(await d.token.totalSupply()).to.equal(supplyBefore - (amount - toReporter));
      expect(await d.token.balanceOf(await d.registry.getAddress())).to.equal(registryBefore - (amount - toReporter));
      expect(await d.registry.altToBurn()).to.equal(0n);
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
      await expect(f.mach.certify(f.rollupAddress, 0, ...(await signaturesOf(f, [0, 1, 2]))))
        .to.emit(f.mach, "Certified")
        .withArgs(f.rollupAddress, 0, L2_BLOCK, ROOT, EPOCH, signerList(f.ops, [0, 1, 2]), sumOf(STAKES, [0, 1, 2]));
      // the offence stays proven: it cannot be reported again
      await expect(f.mach.proveEquivocation(f.rollupAddress, L2_BLOCK, ROOT, f.signatureA, OTHER_ROOT, f.signatureB))
        .to.be.revertedWithCustomError(f.mach, "MachAlreadyProven")
        .withArgs(offender.address, f.rollupAddress, L2_BLOCK);
    });

    it("refuses a repeated proof of the same offence, in any order and with any other root", async function () {
      const f = await loadFixture(provenFixture);
      const third = await signAttestation(f.offender.key, f.domain, f.rollupAddress, L2_BLOCK, THIRD_ROOT);
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
      const a = await signAttestation(f.offender.key, f.domain, f.rollupAddress, blockB, ROOT);
      const b = await signAttestation(f.offender.key, f.domain, f.rollupAddress, blockB, OTHER_ROOT);
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
      const byOther = await signAttestation(f.ops[3].key, f.domain, f.rollupAddress, L2_BLOCK, OTHER_ROOT);
      await expect(
        f.mach.proveEquivocation(f.rollupAddress, L2_BLOCK, ROOT, f.signatureA, OTHER_ROOT, byOther),
      ).to.be.revertedWithCustomError(f.mach, "MachNotEquivocation");
      // a signature over another block is not one over this block
      const otherBlock = await signAttestation(f.offender.key, f.domain, f.rollupAddress, 2n * L2_BLOCK, OTHER_ROOT);
      await expect(
        f.mach.proveEquivocation(f.rollupAddress, L2_BLOCK, ROOT, f.signatureA, OTHER_ROOT, otherBlock),
      ).to.be.revertedWithCustomError(f.mach, "MachNotEquivocation");
      expect(await f.d.registry.isJailed(f.offender.address)).to.equal(false);
    });

    it("refuses a key that is not a member's current signing key", async function () {
      const f = await loadFixture(equivocationFixture);
      const pair = async (key: Wallet) => [
        await signAttestation(key, f.domain, f.rollupAddress, L2_BLOCK, ROOT),
        await signAttestation(key, f.domain, f.rollupAddress, L2_BLOCK, OTHER_ROOT),
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
      const a = await signAttestation(other.key, f.domain, f.rollupAddress, L2_BLOCK, ROOT);
      const b = await signAttestation(other.key, f.domain, f.rollupAddress, L2_BLOCK, OTHER_ROOT);
      await expect(f.mach.proveEquivocation(f.rollupAddress, L2_BLOCK, ROOT, a, OTHER_ROOT, b))
        .to.be.revertedWithCustomError(f.mach, "MachUnknownSigner")
        .withArgs(other.key.address);
    });

    it("refuses attestations replayed from another rollup", async function () {
      const f = await loadFixture(equivocationFixture);
      const other = await launchRollup(f.d, f.creator, { chainId: 910_014, salt: id("mach:replay") });
      const otherAddress = await other.getAddress();
      await joinAndCount(f.d, f.mach, otherAddress, f.ops);
      // rollup A's pair submitted as rollup B's: each signature recovers some other address over B's digests
      await expect(
        f.mach.proveEquivocation(otherAddress, L2_BLOCK, ROOT, f.signatureA, OTHER_ROOT, f.signatureB),
      ).to.be.revertedWithCustomError(f.mach, "MachNotEquivocation");
      // one attestation per rollup is no equivocation on either
      const onB = await signAttestation(f.offender.key, f.domain, otherAddress, L2_BLOCK, OTHER_ROOT);
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
      expect(f.signers).to.deep.equal(signerList(f.ops, [0, 1, 2]));
      const certificate = await f.mach.certificate(f.rollupAddress, L2_BLOCK, ROOT);
      expect([certificate.signersHash, certificate.epoch, certificate.certifiedAt]).to.deep.equal([
        signersHash(f.signers),
        EPOCH,
        f.certifiedAt,
      ]);
    });

    it("reports signers by their positions in the certificate's list: one slash request each, dated at the certification", async function () {
      const f = await loadFixture(invalidatedFixture);
      const { d } = f;
      const firstId = await d.slashingManager.requestCount();
      const at = await nextTimestamp();
      const executableAt = at + (await d.slashingManager.vetoWindow());
      const bps = BigInt(d.config.mach.invalidCertificateBps);
      const reason = encodeBytes32String("MACH_INVALID_CERTIFICATE");
      const key = outputKey(f.rollupAddress, L2_BLOCK, ROOT);
      // members 0 and 2, in the order of the list (requests are filed by position)
      const [first, second] = [f.ops[0], f.ops[2]].sort((a, b) => byAddress(a.address, b.address));
      const positions = positionsOf(f.signers, [first, second]);
      expect(positions).to.equal(bitmapOf([f.signers.indexOf(first.address), f.signers.indexOf(second.address)]));
      await expect(
        f.mach.connect(f.reporter).reportInvalidCertificate(f.rollupAddress, L2_BLOCK, ROOT, f.signers, positions),
      )
        .to.emit(d.slashingManager, "SlashRequested")
        .withArgs(firstId, first.address, f.machAddress, f.setId, bps, reason, key, f.reporter.address, executableAt)
        .and.to.emit(d.slashingManager, "SlashRequested")
        .withArgs(
          firstId + 1n,
          second.address,
          f.machAddress,
          f.setId,
          bps,
          reason,
          key,
          f.reporter.address,
          executableAt,
        )
        .and.to.emit(f.mach, "InvalidCertificateReported")
        .withArgs(f.rollupAddress, L2_BLOCK, ROOT, first.address, firstId)
        .and.to.emit(f.mach, "InvalidCertificateReported")
        .withArgs(f.rollupAddress, L2_BLOCK, ROOT, second.address, firstId + 1n);
      expect(await d.slashingManager.requestCount()).to.equal(firstId + 2n);
      expect(await f.mach.reportedSigners(f.rollupAddress, L2_BLOCK, ROOT)).to.equal(positions);
      for (const [i, op] of [first, second].entries()) {
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
      const rest = positionsOf(f.signers, [f.ops[1]]);
      await expect(
        f.mach.connect(f.outsider).reportInvalidCertificate(f.rollupAddress, L2_BLOCK, ROOT, f.signers, rest),
      )
        .to.emit(f.mach, "InvalidCertificateReported")
        .withArgs(f.rollupAddress, L2_BLOCK, ROOT, f.ops[1].address, firstId + 2n);
      expect(await f.mach.reportedSigners(f.rollupAddress, L2_BLOCK, ROOT)).to.equal(0b111n);
      expect(await d.registry.isJailed(f.ops[1].address)).to.equal(true);
    });

    it("refuses positions reported already, past the list, and none (MachNotReportable)", async function () {
      const f = await loadFixture(invalidatedFixture);
      await (await f.mach.reportInvalidCertificate(f.rollupAddress, L2_BLOCK, ROOT, f.signers, 0b101n)).wait();
      // reported already (alone or with a new one), past the three signers, none
      for (const positions of [0b101n, 0b001n, 0b110n, 0b1000n, 0b1010n, 1n << 200n, 1n << 255n, 0n]) {
        await expect(f.mach.reportInvalidCertificate(f.rollupAddress, L2_BLOCK, ROOT, f.signers, positions))
          .to.be.revertedWithCustomError(f.mach, "MachNotReportable")
          .withArgs(positions);
      }
      expect(await f.mach.reportedSigners(f.rollupAddress, L2_BLOCK, ROOT)).to.equal(0b101n);
      expect(await f.d.registry.isJailed(f.signers[1])).to.equal(false);
      // the one left is reportable
      await expect(f.mach.reportInvalidCertificate(f.rollupAddress, L2_BLOCK, ROOT, f.signers, 0b010n))
        .to.emit(f.mach, "InvalidCertificateReported")
        .withArgs(f.rollupAddress, L2_BLOCK, ROOT, f.signers[1], anyValue);
    });

    it("refuses a list that is not the certificate's (MachSignersMismatch)", async function () {
      const f = await loadFixture(invalidatedFixture);
      const [a, b, c] = f.signers;
      const nonSigner = signerList(f.ops, [3])[0];
      const requests = await f.d.slashingManager.requestCount();
      // reordered, short, longer, another signer in its place, none: each would name other operators by position
      for (const signers of [[b, a, c], [a, b], [a, b, c, nonSigner], [a, nonSigner, c], [c, b, a], []]) {
        await expect(
          f.mach.reportInvalidCertificate(f.rollupAddress, L2_BLOCK, ROOT, signers, 0b1n),
        ).to.be.revertedWithCustomError(f.mach, "MachSignersMismatch");
      }
      expect(await f.d.slashingManager.requestCount()).to.equal(requests);
      expect(await f.d.registry.isJailed(nonSigner)).to.equal(false);
    });

    it("refuses a certified output VITAL did not invalidate", async function () {
      const f = await loadFixture(machFixture);
      const certified = await signaturesOf(f, [0, 1, 2]);
      await (await f.mach.certify(f.rollupAddress, 0, ...certified)).wait();
      await expect(f.mach.reportInvalidCertificate(f.rollupAddress, L2_BLOCK, ROOT, certified[0], 0b111n))
        .to.be.revertedWithCustomError(f.mach, "MachNotInvalidated")
        .withArgs(f.rollupAddress, L2_BLOCK, ROOT);
    });

    it("refuses an output without a certificate", async function () {
      const f = await loadFixture(invalidatedFixture);
      for (const [block, root] of [
        [L2_BLOCK, OTHER_ROOT],
        [2n * L2_BLOCK, ROOT],
      ] as const) {
        await expect(f.mach.reportInvalidCertificate(f.rollupAddress, block, root, f.signers, 0b1n))
          .to.be.revertedWithCustomError(f.mach, "MachNoCertificate")
          .withArgs(f.rollupAddress, block, root);
      }
      const unregistered = await createRollup(f.d, f.creator, { chainId: 910_016, salt: id("mach:unregistered") });
      const address = await unregistered.getAddress();
      await expect(f.mach.reportInvalidCertificate(address, L2_BLOCK, ROOT, f.signers, 0b1n))
        .to.be.revertedWithCustomError(f.mach, "ServiceNotRegistered")
        .withArgs(address);
    });

    it("is bounded by the slasher's evidence age, counted from the certification", async function () {
      const f = await loadFixture(invalidatedFixture);
      const maxAge = BigInt(f.d.config.maxEvidenceAge);
      await time.increaseTo(f.certifiedAt + maxAge + 1n);
      await expect(f.mach.reportInvalidCertificate(f.rollupAddress, L2_BLOCK, ROOT, f.signers, 0b1n))
        .to.be.revertedWithCustomError(f.d.slashingManager, "SlashingEvidenceTooOld")
        .withArgs(f.certifiedAt, maxAge);
    });
  });

  describe("raiseAlert", function () {
    /** The alert of the members at `indexes`, listed by address. */
    async function alertSignatures(
      f: Fixture,
      indexes: number[],
      nonce: bigint,
      reason = ALERT_REASON,
    ): Promise<Certificate> {
      const sorted = inAddressOrder(f.ops, indexes);
      return [
        sorted.map((i) => f.ops[i].address),
        await Promise.all(sorted.map((i) => signAlert(f.ops[i].key, f.domain, f.rollupAddress, reason, nonce))),
      ];
    }

    it("stores an alert signed by the threshold stake and moves the nonce on", async function () {
      const f = await loadFixture(machFixture);
      expect(await f.mach.alertNonce(f.rollupAddress)).to.equal(0n);
      const signers = signerList(f.ops, [0, 1, 2]);
      const at = await nextTimestamp();
      await expect(
        f.mach
          .connect(f.outsider)
          .raiseAlert(f.rollupAddress, ALERT_REASON, ...(await alertSignatures(f, [0, 1, 2], 0n))),
      )
        .to.emit(f.mach, "AlertRaised")
        .withArgs(f.rollupAddress, ALERT_REASON, 0, EPOCH, signers);
      const alert = await f.mach.alertOf(f.rollupAddress);
      expect([alert.reason, alert.raisedAt, alert.epoch, alert.signersHash]).to.deep.equal([
        ALERT_REASON,
        at,
        EPOCH,
        signersHash(signers),
      ]);
      expect(await f.mach.alertNonce(f.rollupAddress)).to.equal(1n);
    });

    it("refuses the same signatures for a second alert: the nonce they signed is spent", async function () {
      const f = await loadFixture(machFixture);
      const signed = await alertSignatures(f, [0, 1, 2], 0n);
      const [first] = signed[0];
      await (await f.mach.raiseAlert(f.rollupAddress, ALERT_REASON, ...signed)).wait();
      await expect(f.mach.raiseAlert(f.rollupAddress, ALERT_REASON, ...signed))
        .to.be.revertedWithCustomError(f.mach, "MachBadSignature")
        .withArgs(0, first);
      // an attestation is not an alert, nor is another reason's alert
      await expect(f.mach.raiseAlert(f.rollupAddress, ALERT_REASON, ...(await signaturesOf(f, [0, 1, 2]))))
        .to.be.revertedWithCustomError(f.mach, "MachBadSignature")
        .withArgs(0, first);
      const otherReason = await alertSignatures(f, [0, 1, 2], 1n, encodeBytes32String("OTHER"));
      await expect(f.mach.raiseAlert(f.rollupAddress, ALERT_REASON, ...otherReason))
        .to.be.revertedWithCustomError(f.mach, "MachBadSignature")
        .withArgs(0, first);
      await expect(f.mach.raiseAlert(f.rollupAddress, ALERT_REASON, ...(await alertSignatures(f, [0, 1, 2], 1n))))
        .to.emit(f.mach, "AlertRaised")
        .withArgs(f.rollupAddress, ALERT_REASON, 1, EPOCH, signerList(f.ops, [0, 1, 2]));
      expect(await f.mach.alertNonce(f.rollupAddress)).to.equal(2n);
    });

    it("refuses an alert below the threshold, leaving the nonce unspent", async function () {
      const f = await loadFixture(machFixture);
      await expect(f.mach.raiseAlert(f.rollupAddress, ALERT_REASON, ...(await alertSignatures(f, [0, 1, 3], 0n))))
        .to.be.revertedWithCustomError(f.mach, "MachBelowThreshold")
        .withArgs(sumOf(STAKES, [0, 1, 3]), TOTAL_STAKE, DEFAULT_THRESHOLD_BPS);
      expect(await f.mach.alertNonce(f.rollupAddress)).to.equal(0n);
      expect((await f.mach.alertOf(f.rollupAddress)).raisedAt).to.equal(0n);
      await expect(f.mach.raiseAlert(f.rollupAddress, ALERT_REASON, [], [])).to.be.revertedWithCustomError(
        f.mach,
        "MachEmptyCertificate",
      );
      // the rules of a certificate's list hold for an alert's: sorted, one signature each, stake counted
      const [signers, signatures] = await alertSignatures(f, [0, 1, 2], 0n);
      await expect(f.mach.raiseAlert(f.rollupAddress, ALERT_REASON, [signers[1], signers[0]], signatures.slice(0, 2)))
        .to.be.revertedWithCustomError(f.mach, "MachSignersNotSorted")
        .withArgs(1);
      await expect(f.mach.raiseAlert(f.rollupAddress, ALERT_REASON, signers, signatures.slice(0, 2)))
        .to.be.revertedWithCustomError(f.mach, "MachBadLength")
        .withArgs(3, 2);
      const [outsider] = await addOperators(f.d, "mach-nonmember", [1_000n * ALT]);
      const withOutsider = [...signers, outsider.address].sort(byAddress);
      const outsiderSignature = await signAlert(outsider.key, f.domain, f.rollupAddress, ALERT_REASON, 0n);
      await expect(
        f.mach.raiseAlert(
          f.rollupAddress,
          ALERT_REASON,
          withOutsider,
          withOutsider.map((signer) =>
            signer === outsider.address ? outsiderSignature : signatures[signers.indexOf(signer)],
          ),
        ),
      )
        .to.be.revertedWithCustomError(f.mach, "MachNotSigner")
        .withArgs(withOutsider.indexOf(outsider.address), outsider.address);
      expect(await f.mach.alertNonce(f.rollupAddress)).to.equal(0n);
      const rollup = await createRollup(f.d, f.creator, { chainId: 910_017, salt: id("mach:unregistered") });
      const address = await rollup.getAddress();
      await expect(f.mach.raiseAlert(address, ALERT_REASON, ...(await alertSignatures(f, [0, 1, 2], 0n))))
        .to.be.revertedWithCustomError(f.mach, "ServiceNotRegistered")
        .withArgs(address);
    });
  });

  describe("clearAlert", function () {
    async function alertedFixture() {
      const f = await loadFixture(machFixture);
      const sorted = inAddressOrder(f.ops, [0, 1, 2]);
      const signatures = await Promise.all(
        sorted.map((index) => signAlert(f.ops[index].key, f.domain, f.rollupAddress, ALERT_REASON, 0n)),
      );
      await (
        await f.mach.raiseAlert(
          f.rollupAddress,
          ALERT_REASON,
          sorted.map((index) => f.ops[index].address),
          signatures,
        )
      ).wait();
      return f;
    }

    it("the rollup's owner lowers the flag", async function () {
      const f = await loadFixture(alertedFixture);
      expect(await f.rollup.owner()).to.equal(f.creator.address);
      await expect(f.mach.connect(f.creator).clearAlert(f.rollupAddress))
        .to.emit(f.mach, "AlertCleared")
        .withArgs(f.rollupAddress, f.creator.address);
      const alert = await f.mach.alertOf(f.rollupAddress);
      expect([alert.reason, alert.raisedAt, alert.epoch, alert.signersHash]).to.deep.equal([
        ZeroHash,
        0n,
        0n,
        ZeroHash,
      ]);
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
      const a = await signAttestation(key, f.domain, f.rollupAddress, L2_BLOCK, ROOT);
      const b = await signAttestation(key, f.domain, f.rollupAddress, L2_BLOCK, OTHER_ROOT);
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
      const a = await signAttestation(key, f.domain, f.rollupAddress, L2_BLOCK, ROOT);
      const b = await signAttestation(key, f.domain, f.rollupAddress, L2_BLOCK, OTHER_ROOT);
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
      // a live set may need as many members as it can hold, not one more
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
      // the liveness minimums count from the next epoch: three operators and 5,000 ALT, met
      await time.increaseTo(await f.d.operatorSets.epochStart(EPOCH + 1n));
      expect(await f.d.operatorSets.isLive(f.setId, EPOCH + 1n)).to.equal(true);
      // what counts is read from the checkpoints, which the new minimum stake does not filter: members 2 and 3 (1,167
      // ALT and 1 wei less, below 2,000 ALT) still count for liveness, MACH's stake and the rewards
      expect(await f.d.operatorSets.memberCountAt(f.setId, EPOCH + 1n)).to.equal(5n);
      expect(await f.d.operatorSets.setStakeAt(f.setId, EPOCH + 1n)).to.equal(TOTAL_STAKE);
      // MACH draws nobody: its sets keep no draw index (only SQUAD's do, at a cost to each allocation change)
      expect((await f.d.operatorSets.setConfig(f.setId)).drawable).to.equal(false);
      await expect(f.d.operatorSets.drawAt(f.setId, EPOCH + 1n, 0n))
        .to.be.revertedWithCustomError(f.d.operatorSets, "SetsNotDrawable")
        .withArgs(f.setId);
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
    it("reach the MACH members: the rollup streams to its set, each member claims its allocation's share", async function () {
      const f = await loadFixture(machFixture);
      const { d } = f;
      const rewards = d.rewards;
      // the rewards read the stake the set counts in the epoch from the allocations' checkpoints
      expect(await d.operatorSets.setStakeAt(f.setId, EPOCH)).to.equal(TOTAL_STAKE);
      const rate = await f.rollup.feePerServicePerSecond();
      expect(rate).to.equal(ALT / 1_000n);
      const lastStreamed = await f.rollup.lastStreamed();
      // the rollup was launched before EPOCH - 1 and has streamed nothing since: the distributor credits only the time
      // since EPOCH - 1 began; the older time expires (FeesExpired) and stays in escrow, to be refunded at settlement
      const opensAt = await d.operatorSets.epochStart(EPOCH - 1n);
      expect(lastStreamed < opensAt).to.equal(true);
      const at = await nextTimestamp();
      expect(await d.operatorSets.epochAt(at)).to.equal(EPOCH);
      const share = rate * (at - opensAt);
      const expired = rate * (opensAt - lastStreamed);
      expect(expired > 0n).to.equal(true);
      const escrowBefore = await f.rollup.escrow();
      const streamedBefore = await f.rollup.streamed();
      const payerBefore = await d.token.balanceOf(f.rollupAddress);
      const amountScaled = share * SCALE;
      const protocolScaled = (amountScaled * (await rewards.protocolShareBps())) / BPS;
      const restScaled = amountScaled - protocolScaled;
      // spread over the stake the set counts in EPOCH; what does not divide goes to the treasury
      const increment = restScaled / TOTAL_STAKE;
      const remainder = restScaled - increment * TOTAL_STAKE;
      // VITAL's set, the same members with the same allocations, counts the same stake and is paid the same share
      const vitalSetId = await d.vital.setIdOf(f.rollupAddress);
      expect(await d.operatorSets.setStakeAt(vitalSetId, EPOCH)).to.equal(TOTAL_STAKE);
      const treasury = await rewards.treasury();
      const treasuryOwed = await rewards.owedScaled(treasury);
      const stream = f.rollup.connect(f.outsider).streamFees();
      await expect(stream)
        .to.emit(rewards, "FeesCredited")
        .withArgs(f.setId, f.rollupAddress, EPOCH, share, protocolScaled, remainder)
        .and.to.emit(rewards, "FeesCredited")
        .withArgs(vitalSetId, f.rollupAddress, EPOCH, share, protocolScaled, remainder)
        .and.to.emit(f.rollup, "FeesStreamed")
        .withArgs(2n * share, at)
        .and.to.emit(f.rollup, "FeesExpired")
        .withArgs(lastStreamed, opensAt, expired);
      // both sets were credited
      await expect(stream).not.to.emit(f.rollup, "FeesNotCredited");
      expect(await f.rollup.lastStreamed()).to.equal(at);
      // the rollup paid the two credited shares only; both services' expired time stays in its escrow
      expect(await d.token.balanceOf(f.rollupAddress)).to.equal(payerBefore - 2n * share);
      expect(await f.rollup.streamed()).to.equal(streamedBefore + 2n * share);
      expect(await f.rollup.escrow()).to.equal(escrowBefore - 2n * share);
      expect(await rewards.rewardPerStakeBefore(f.setId, EPOCH + 1n)).to.equal(increment);
      // the protocol share and the rounding remainder of both sets' fees
      expect(await rewards.owedScaled(treasury)).to.equal(treasuryOwed + 2n * (protocolScaled + remainder));

      // each member earned its allocation times the set's reward per stake; no commission (0 %): its stakers' part
      // is spread over its units (its own self-stake: three times its allocation), the remainder of that division
      // going to the operator
      const expected = await Promise.all(
        f.ops.map(async (op, i) => {
          const earned = STAKES[i] * increment;
          expect(await d.registry.commissionOf(op.address)).to.equal(0n);
          const units = await d.registry.operatorUnitsAt(op.address, EPOCH);
          expect(units).to.equal(3n * STAKES[i]);
          const toStakers = (earned / units) * units;
          return { earned, toOperator: earned - toStakers, toStakers, claimable: earned / SCALE };
        }),
      );
      // nothing created, nothing lost: the members' earnings, the protocol share and the remainder make up MACH's share
      expect(expected.reduce((total, e) => total + e.earned, 0n) + protocolScaled + remainder).to.equal(amountScaled);
      // settled epochs only: nothing is claimable before the epoch is over
      for (const op of f.ops) expect(await rewards.claimable(op.address, [op.address], [f.setId])).to.equal(0n);
      // a claim within EPOCH settles and walks the epochs before it (nothing was allocated then): it keeps that
      // progress and pays nothing; a second one has nothing left to do and is refused
      const first = f.ops[0];
      expect(await rewards.connect(first.account).claim.staticCall([first.address], [f.setId])).to.equal(0n);
      const firstBefore = await d.token.balanceOf(first.address);
      const early = rewards.connect(first.account).claim([first.address], [f.setId]);
      await expect(early)
        .to.emit(rewards, "Settled")
        .withArgs(first.address, f.setId, 0n, EPOCH, 0n, 0n)
        .and.to.emit(rewards, "Accrued")
        .withArgs(first.address, first.address, f.setId, 0n, EPOCH, 0n);
      await expect(early).not.to.emit(rewards, "Claimed");
      expect(await d.token.balanceOf(first.address)).to.equal(firstBefore);
      expect(await rewards.settledUntil(first.address, f.setId)).to.equal(EPOCH);
      expect(await rewards.claimedUntil(first.address, first.address, f.setId)).to.equal(EPOCH);
      expect(await rewards.owedScaled(first.address)).to.equal(0n);
      await expect(rewards.connect(first.account).claim([first.address], [f.setId])).to.be.revertedWithCustomError(
        rewards,
        "RewardsZeroAmount",
      );

      await nextEpoch(d.operatorSets);
      for (const [i, op] of f.ops.entries()) {
        expect(await rewards.connect(op.account).claim.staticCall([op.address], [f.setId])).to.equal(
          expected[i].claimable,
        );
        const before = await d.token.balanceOf(op.address);
        // the first member's walks start where its early claim left them
        const from = i === 0 ? EPOCH : 0n;
        await expect(rewards.connect(op.account).claim([op.address], [f.setId]))
          .to.emit(rewards, "Settled")
          .withArgs(op.address, f.setId, from, EPOCH + 1n, expected[i].toOperator, expected[i].toStakers)
          .and.to.emit(rewards, "Accrued")
          .withArgs(op.address, op.address, f.setId, from, EPOCH + 1n, expected[i].toStakers)
          .and.to.emit(rewards, "Claimed")
          .withArgs(op.address, expected[i].claimable);
        expect(expected[i].claimable > 0n).to.equal(true);
        expect(await d.token.balanceOf(op.address)).to.equal(before + expected[i].claimable);
        // the fraction of a wei stays owed
        expect(await rewards.owedScaled(op.address)).to.equal(expected[i].earned - expected[i].claimable * SCALE);
      }
      // bigger stake, bigger share
      expect(expected[0].claimable > expected[1].claimable).to.equal(true);
      expect(expected[1].claimable > expected[4].claimable).to.equal(true);
    });
  });
});
