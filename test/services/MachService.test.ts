// MACH fast finality v2 (contracts/services/MachService.sol on the RollupService base, BLS keys in
// contracts/restaking/BlsKeyRegistry.sol): quorums of one BLS12-381 aggregate signature (G1) over the EIP-712 digest of
// an attestation (rollup, output index, L2 block, root, epoch), checked against the set's aggregate key (G2) of the epoch
// less the listed non-signers' keys, and against the stake counted in the set in that epoch (OperatorSets' checkpoints)
// less the non-signers' allocations, and the rollup's threshold; equivocation proofs and reports of outputs VITAL
// invalidated, turned into slash requests; quorum-signed alerts; fees streamed by the rollup to its MACH set.
// Everything runs end to end on the staged deployment of test/helpers/services.ts (real OperatorSets, BlsKeyRegistry,
// RestakingRegistry, SlashingManager, RewardsDistributor, VitalService) and the EIP-2537 precompiles.
// Stakes are chosen so that one subset of members holds exactly the threshold of the set's stake and another one
// 1 wei less (allocations count to the wei); every expected value below is computed independently in bigint math, and
// digests and aggregate keys independently of the contracts (ethers' EIP-712 encoder, @noble/curves).
import { expect } from "chai";
import { ethers } from "hardhat";
import {
  impersonateAccount,
  loadFixture,
  setBalance,
  stopImpersonatingAccount,
  time,
} from "@nomicfoundation/hardhat-network-helpers";
import {
  AbiCoder,
  TypedDataEncoder,
  Wallet,
  ZeroAddress,
  ZeroHash,
  concat,
  dataLength,
  encodeBytes32String,
  getAddress,
  hexlify,
  id,
  keccak256,
  toBeHex,
  toUtf8Bytes,
  zeroPadValue,
} from "ethers";
import type { MachService } from "../../typechain-types";
import { ALT } from "../helpers/constants";
import {
  SERVICE,
  addOperators,
  createRollup,
  deployServices,
  joinAndCount,
  launchRollup,
  setParams,
  machFastLimit,
  setParamsTuple,
  type Operator,
} from "../helpers/services";
import { nextEpoch } from "../helpers/time";
import {
  NO_KEY,
  POP_DOMAIN,
  aggregateSignatures,
  blsPublicKey,
  blsSecretFrom,
  buildQuorum,
  keyRegistration,
  packKeys,
  signDigest,
  sortAddresses,
  unpackKeys,
  type Quorum,
} from "../../tasks/lib/mach";
import { outputRootOf } from "../../tasks/lib/rollups";
import { firstOutputRoot } from "../helpers/rollups";
import { aggregateG2, encodeG1, encodeG2, publicKeyOf, sign } from "../../tasks/lib/bls";

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
/** The epoch the fixture's allocations first count in: a non-zero one, so a quorum's epoch is not a default value. */
const EPOCH = 3n;
/** The OP Stack template's output interval: output i is for L2 block (i + 1) × 1,800. */
const L2_BLOCK = 1_800n;
/** The state root the fixture's proposer proposes for output 0. */
const STATE_ROOT = id("mach:state-root");
/** Output 0's root, what MACH signs: STATE_ROOT at L2_BLOCK bound to the batch chain (empty) and no parent. */
const ROOT = firstOutputRoot(L2_BLOCK, STATE_ROOT);
const OTHER_ROOT = id("mach:conflicting-root");
const THIRD_ROOT = id("mach:third-root");
const ALERT_REASON = encodeBytes32String("SEQUENCER_DOWN");
/** MachService.DOMAIN: the tag attestation and alert digests are hashed to G1 under. */
const MACH_DST = "ALT-MACH-V01-CS01-with-BLS12381G1_XMD:SHA-256_SSWU_RO_";
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
/** The operators at `indexes` of `ops`. */
const pick = (ops: Operator[], indexes: number[]) => indexes.map((i) => ops[i]);
/** The addresses of the operators at `indexes`, in increasing numeric order: a quorum's non-signer list. */
const addressesOf = (ops: Operator[], indexes: number[]) => sortAddresses(pick(ops, indexes).map((op) => op.address));
/** An operator's BLS public key (G2, EIP-2537 encoding), derived here from its secret. */
const keyOf = (op: Pick<Operator, "bls">) => blsPublicKey(op.bls);
/** The sum of the operators' public keys, encoded: a set's aggregate key, computed independently of the registry. */
const aggregateKeyOf = (ops: Pick<Operator, "bls">[]) => encodeG2(aggregateG2(ops.map((op) => publicKeyOf(op.bls))));
/** BLS.keyHash: the low 208 bits of keccak256 of the 256-byte key. */
const keyHash = (key: string) => BigInt(keccak256(key)) & ((1n << 208n) - 1n);
/** `hex` with its last byte's lowest bit flipped (a G1 encoding then is off the curve). */
const flipLastByte = (hex: string) =>
  hex.slice(0, -2) + (parseInt(hex.slice(-2), 16) ^ 1).toString(16).padStart(2, "0");
/** A BLS secret that is no operator's. */
const STRANGER_BLS = blsSecretFrom("mach:stranger");

const ATTESTATION_TYPES = {
  Attestation: [
    { name: "rollup", type: "address" },
    { name: "outputIndex", type: "uint256" },
    { name: "l2BlockNumber", type: "uint64" },
    { name: "outputRoot", type: "bytes32" },
    { name: "epoch", type: "uint64" },
  ],
};
const ALERT_TYPES = {
  Alert: [
    { name: "rollup", type: "address" },
    { name: "reason", type: "bytes32" },
    { name: "nonce", type: "uint256" },
    { name: "epoch", type: "uint64" },
  ],
};

interface Domain {
  name: string;
  version: string;
  chainId: bigint;
  verifyingContract: string;
}

/** What an attestation signs (the fixture's rollup, output 0 for L2_BLOCK and ROOT, and the current epoch by default). */
interface Attested {
  rollup: string;
  outputIndex: bigint;
  l2BlockNumber: bigint;
  root: string;
  epoch: bigint;
  domain: Domain;
}

/** The EIP-712 digest of an attestation, computed by ethers (not by the contract). */
const attestationHash = (a: Attested) =>
  TypedDataEncoder.hash(a.domain, ATTESTATION_TYPES, {
    rollup: a.rollup,
    outputIndex: a.outputIndex,
    l2BlockNumber: a.l2BlockNumber,
    outputRoot: a.root,
    epoch: a.epoch,
  });

const alertHash = (domain: Domain, rollup: string, reason: string, nonce: bigint, epoch: bigint) =>
  TypedDataEncoder.hash(domain, ALERT_TYPES, { rollup, reason, nonce, epoch });

/** The aggregate signature of `signers` over `digest`. */
const signatureOf = (signers: Pick<Operator, "bls">[], digest: string) =>
  aggregateSignatures(signers.map((op) => signDigest(op.bls, digest)));

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
    // as much free for a third set; each registers a BLS key, counted from the next epoch
    const ops = await addOperators(
      d,
      "mach",
      STAKES.map((stake) => 3n * stake),
    );
    const rollup = await launchRollup(d, creator, { chainId: 910_001, salt: id("mach:main") });
    const rollupAddress = await rollup.getAddress();
    // the members join in the epoch before EPOCH; their allocations (and keys, in the set's aggregate) count from it
    await time.increaseTo(await d.operatorSets.epochStart(EPOCH - 1n));
    const vitalSetId = await d.vital.setIdOf(rollupAddress);
    for (const [i, op] of ops.entries()) {
      await (await d.operatorSets.connect(op.account).join(vitalSetId, STAKES[i])).wait();
    }
    const setId = await joinAndCount(d, d.mach, rollupAddress, ops, STAKES);
    await (await rollup.connect(creator).proposeOutput(L2_BLOCK, STATE_ROOT, ZeroHash)).wait();
    const machAddress = await d.mach.getAddress();
    const keysAddress = await d.blsKeys.getAddress();
    const domain: Domain = {
      name: "ALT MACH",
      version: "2",
      chainId: (await ethers.provider.getNetwork()).chainId,
      verifyingContract: machAddress,
    };
    return {
      d,
      mach: d.mach,
      keys: d.blsKeys,
      machAddress,
      keysAddress,
      ops,
      creator,
      outsider,
      reporter,
      rollup,
      rollupAddress,
      setId,
      vitalSetId,
      domain,
    };
  }

  type Fixture = Awaited<ReturnType<typeof machFixture>>;

  /** The fixture's proposer proposes `stateRoot` at `l2BlockNumber` on the main rollup; returns the output root. */
  async function propose(f: Fixture, l2BlockNumber: bigint, stateRoot: string) {
    const index = await f.rollup.outputCount();
    await (await f.rollup.connect(f.creator).proposeOutput(l2BlockNumber, stateRoot, ZeroHash)).wait();
    return (await f.rollup.output(index)).root;
  }

  /** An attestation's fields, the fixture's output 0 in the current epoch unless `o` says otherwise. */
  async function attested(f: Fixture, o: Partial<Attested> = {}): Promise<Attested> {
    return {
      rollup: f.rollupAddress,
      outputIndex: 0n,
      l2BlockNumber: L2_BLOCK,
      root: ROOT,
      domain: f.domain,
      ...o,
      epoch: o.epoch ?? (await f.d.operatorSets.currentEpoch()),
    };
  }

  /**
   * The quorum of `signers` over the attestation `o` (of `o.rollup`'s set): their aggregate signature, the set's
   * aggregate key in the epoch, and every other operator counted then as a non-signer with its key (tasks/lib/mach).
   */
  async function quorumOf(f: Fixture, signers: Operator[], o: Partial<Attested> = {}): Promise<Quorum> {
    const a = await attested(f, o);
    const digest = attestationHash(a);
    return buildQuorum(
      f.d.operatorSets,
      f.keys,
      await f.mach.setIdOf(a.rollup),
      a.epoch,
      signers.map((op) => op.address),
      signers.map((op) => signDigest(op.bls, digest)),
    );
  }

  /** The alert quorum of `signers` for the fixture's rollup (or `rollup`), nonce `nonce`, in `epoch` (the current). */
  async function alertQuorumOf(
    f: Fixture,
    signers: Operator[],
    nonce: bigint,
    o: { reason?: string; rollup?: string; epoch?: bigint } = {},
  ): Promise<Quorum> {
    const rollup = o.rollup ?? f.rollupAddress;
    const epoch = o.epoch ?? (await f.d.operatorSets.currentEpoch());
    const digest = alertHash(f.domain, rollup, o.reason ?? ALERT_REASON, nonce, epoch);
    return buildQuorum(
      f.d.operatorSets,
      f.keys,
      await f.mach.setIdOf(rollup),
      epoch,
      signers.map((op) => op.address),
      signers.map((op) => signDigest(op.bls, digest)),
    );
  }

  /** `certify` of the fixture's output 0 (L2_BLOCK, ROOT) with `quorum` (not awaited). */
  const certify0 = (f: Fixture, quorum: Quorum) => f.mach.certify(f.rollupAddress, 0, L2_BLOCK, ROOT, quorum);

  /** Certified's arguments for the fixture's output 0 in EPOCH signed by the members at `signers`, the others not. */
  const certified0 = (f: Fixture, signers: number[]) => {
    const nonSigners = [...STAKES.keys()].filter((i) => !signers.includes(i));
    return [
      f.rollupAddress,
      0,
      L2_BLOCK,
      ROOT,
      EPOCH,
      addressesOf(f.ops, nonSigners),
      sumOf(STAKES, signers),
      TOTAL_STAKE,
    ];
  };

  /** `op`'s attestation as proveEquivocation takes it: signed with its BLS key over `o`. */
  async function attestationOf(
    f: Fixture,
    op: Pick<Operator, "bls">,
    o: Partial<Attested> = {},
  ): Promise<MachService.AttestationStruct> {
    const a = await attested(f, o);
    return {
      outputIndex: a.outputIndex,
      l2BlockNumber: a.l2BlockNumber,
      outputRoot: a.root,
      epoch: a.epoch,
      signature: signDigest(op.bls, attestationHash(a)),
    };
  }

  /** `op` registers a new BLS key (derived from `label`): a rotation, counted from the next epoch (not awaited). */
  async function rotation(f: Fixture, op: Operator, label: string) {
    const bls = blsSecretFrom(label);
    const { publicKey, proof } = await keyRegistration(f.keys, op.address, bls);
    return { rotated: { ...op, bls }, publicKey, tx: f.keys.connect(op.account).registerKey(publicKey, proof) };
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
    await (await strict.connect(f.creator).proposeOutput(L2_BLOCK, STATE_ROOT, ZeroHash)).wait();
    return { ...f, strict, strictAddress, strictSetId, strictOps, strictEpoch };
  }

  /** Member 2 attested two different roots for the same rollup and block, in EPOCH, with its BLS key. */
  async function equivocationFixture() {
    const f = await loadFixture(machFixture);
    const offender = f.ops[2];
    const a = await attestationOf(f, offender, { root: ROOT });
    const b = await attestationOf(f, offender, { root: OTHER_ROOT });
    const key = keyOf(offender);
    const evidence = keccak256(
      coder.encode(
        ["bytes32", "bytes32"],
        [
          attestationHash(await attested(f, { root: ROOT, epoch: EPOCH })),
          attestationHash(await attested(f, { root: OTHER_ROOT, epoch: EPOCH })),
        ],
      ),
    );
    return { ...f, offender, a, b, key, evidence };
  }

  type EquivocationFixture = Awaited<ReturnType<typeof equivocationFixture>>;

  /** The reporter proves the fixture's equivocation (not awaited). */
  const proveFixtureEquivocation = (f: EquivocationFixture) =>
    f.mach.connect(f.reporter).proveEquivocation(f.rollupAddress, f.offender.address, f.a, f.key, f.b, f.key);

  /** SlashRequested's arguments for the fixture's equivocation filed as request `requestId`, executable then. */
  const equivocationRequest = (f: EquivocationFixture, requestId: bigint, bps: bigint, executableAt: bigint) => [
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

  /** The fixture's offender attests ROOT in EPOCH and OTHER_ROOT in EPOCH + 1 (`later` is when EPOCH + 1 starts). */
  async function crossEpochFixture() {
    const f = await loadFixture(equivocationFixture);
    const { d, offender } = f;
    return {
      ...f,
      maxAge: BigInt(d.config.maxEvidenceAge),
      a: await attestationOf(f, offender, { root: ROOT, epoch: EPOCH }),
      b: await attestationOf(f, offender, { root: OTHER_ROOT, epoch: EPOCH + 1n }),
      later: await d.operatorSets.epochStart(EPOCH + 1n),
    };
  }

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
   * Members {0, 1, 2} certified output 0 in EPOCH; the members, also the rollup's VITAL set, then invalidated it: member
   * 4 challenged with the bond, and members 4, 0 and 1 (7,666 ALT + 1 wei of 10,000 ≥ 2/3) voted "invalid".
   */
  async function invalidatedFixture() {
    const f = await loadFixture(machFixture);
    const { d } = f;
    const quorum = await quorumOf(f, pick(f.ops, [0, 1, 2]));
    const certifiedAt = await nextTimestamp();
    await (await certify0(f, quorum)).wait();

    const challenger = f.ops[4];
    const [, bond] = await d.vital.parameters();
    await (await d.token.connect(d.funder).transfer(challenger.address, bond)).wait();
    await (await d.token.connect(challenger.account).approve(await d.vital.getAddress(), bond)).wait();
    const challengeId = await d.vital.challengeCount();
    await (await d.vital.connect(challenger.account).challenge(f.rollupAddress, 0)).wait();
    for (const index of [4, 0]) await (await d.vital.connect(f.ops[index].account).vote(challengeId, true)).wait();
    const invalidatedAt = await nextTimestamp();
    await (await d.vital.connect(f.ops[1].account).vote(challengeId, true)).wait();
    return { ...f, quorum, certifiedAt, challengeId, invalidatedAt };
  }

  type InvalidatedFixture = Awaited<ReturnType<typeof invalidatedFixture>>;

  /** reportInvalidCertificate of the fixture's output 0 (L2_BLOCK, ROOT) with `quorum` (not awaited). */
  const report = (f: InvalidatedFixture, quorum: Quorum, operators: string[]) =>
    f.mach.connect(f.reporter).reportInvalidCertificate(f.rollupAddress, 0, L2_BLOCK, ROOT, quorum, operators);

  describe("deployment", function () {
    it("is wired to the protocol and the BLS key registry with the parameters of hardhat.json", async function () {
      const f = await loadFixture(machFixture);
      const { d } = f;
      expect(await f.mach.owner()).to.equal(d.deployer.address);
      expect(await f.mach.factory()).to.equal(await d.factory.getAddress());
      expect(await f.mach.operatorSets()).to.equal(await d.operatorSets.getAddress());
      expect(await f.mach.registry()).to.equal(await d.registry.getAddress());
      expect(await f.mach.slashingManager()).to.equal(await d.slashingManager.getAddress());
      expect(await f.mach.blsKeys()).to.equal(f.keysAddress);
      expect(await f.keys.operatorSets()).to.equal(await d.operatorSets.getAddress());
      expect(await f.keys.registry()).to.equal(await d.registry.getAddress());
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
      expect(await d.factory.serviceOf(SERVICE.MACH)).to.equal(f.machAddress);
      expect(await f.mach.EQUIVOCATION()).to.equal(encodeBytes32String("MACH_EQUIVOCATION"));
      expect(await f.mach.INVALID_CERTIFICATE()).to.equal(encodeBytes32String("MACH_INVALID_CERTIFICATE"));
    });

    it("hashes attestations and alerts as EIP-712 typed data of its own domain, to G1 under its own tag", async function () {
      const f = await loadFixture(machFixture);
      expect(await f.mach.domainSeparator()).to.equal(TypedDataEncoder.hashDomain(f.domain));
      expect(await f.mach.ATTESTATION_TYPEHASH()).to.equal(
        id("Attestation(address rollup,uint256 outputIndex,uint64 l2BlockNumber,bytes32 outputRoot,uint64 epoch)"),
      );
      expect(await f.mach.ALERT_TYPEHASH()).to.equal(
        id("Alert(address rollup,bytes32 reason,uint256 nonce,uint64 epoch)"),
      );
      // every field is in the digest: output index 5, block, root, epoch 9 (none a default value)
      const a = await attested(f, { outputIndex: 5n, l2BlockNumber: 3n * L2_BLOCK, root: OTHER_ROOT, epoch: 9n });
      expect(await f.mach.attestationDigest(f.rollupAddress, 5n, 3n * L2_BLOCK, OTHER_ROOT, 9n)).to.equal(
        attestationHash(a),
      );
      expect(await f.mach.alertDigest(f.rollupAddress, ALERT_REASON, 7n, 9n)).to.equal(
        alertHash(f.domain, f.rollupAddress, ALERT_REASON, 7n, 9n),
      );
      // the tags of attestations and of proofs of possession differ: a proof of possession signs nothing MACH takes
      expect(await f.mach.DOMAIN()).to.equal(hexlify(toUtf8Bytes(MACH_DST)));
      expect(await f.keys.POP_DOMAIN()).to.equal(hexlify(POP_DOMAIN));
      expect(hexlify(POP_DOMAIN)).to.not.equal(hexlify(toUtf8Bytes(MACH_DST)));
    });
  });

  describe("registerRollup", function () {
    it("creates the set of a factory rollup that enabled MACH, for anyone, with the set defaults and the key registry as its listener", async function () {
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
        .and.to.emit(f.d.operatorSets, "ListenerSet")
        .withArgs(setId, f.keysAddress)
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
      // the registry keeps the aggregate key of every MACH set (told who counts); VITAL's sets tell nobody
      expect(await f.d.operatorSets.listenerOf(setId)).to.equal(f.keysAddress);
      expect(await f.d.operatorSets.listenerOf(f.setId)).to.equal(f.keysAddress);
      expect(await f.d.operatorSets.listenerOf(f.vitalSetId)).to.equal(ZeroAddress);
      // nobody counted yet: the point at infinity, and no hash in any epoch
      expect(await f.keys.aggregateKeyOf(setId)).to.equal(NO_KEY);
      expect(await f.keys.aggregateKeyHashAt(setId, EPOCH)).to.equal(0n);
      // the fixture's rollup: the same key, registered by launchRollup
      expect(await f.mach.setIdOf(f.rollupAddress)).to.equal(setIdFor(f.machAddress, f.rollupAddress));
      expect(f.setId).to.equal(setIdFor(f.machAddress, f.rollupAddress));
    });

    it("an operator without a BLS key cannot join a MACH set (BlsNoKey), though it joins a VITAL set", async function () {
      const f = await loadFixture(machFixture);
      const { d } = f;
      // registered and staked as addOperators does, but with no BLS key
      const account = new Wallet(id("alt-test-operator:mach-keyless"), ethers.provider);
      const stake = 2_000n * ALT;
      await setBalance(account.address, ethers.parseEther("100"));
      await (await d.token.connect(d.funder).transfer(account.address, stake)).wait();
      await (await d.token.connect(account).approve(await d.registry.getAddress(), stake)).wait();
      await (await d.registry.connect(account).registerOperator("ipfs://keyless", 0)).wait();
      await (await d.registry.connect(account).stake(account.address, 0, stake)).wait();
      expect(await f.keys.keyOf(account.address)).to.equal("0x");
      await expect(d.operatorSets.connect(account).join(f.setId, 1_000n * ALT))
        .to.be.revertedWithCustomError(f.keys, "BlsNoKey")
        .withArgs(account.address);
      expect((await d.operatorSets.membership(f.setId, account.address)).member).to.equal(false);
      await expect(d.operatorSets.connect(account).join(f.vitalSetId, 1_000n * ALT))
        .to.emit(d.operatorSets, "AllocationUpdated")
        .withArgs(f.vitalSetId, account.address, 1_000n * ALT, 0n, 0n, EPOCH + 1n);
      // with a key it joins, and its key enters the aggregate from the epoch its allocation counts in
      const bls = blsSecretFrom("mach:keyless");
      const { publicKey, proof } = await keyRegistration(f.keys, account.address, bls);
      await (await f.keys.connect(account).registerKey(publicKey, proof)).wait();
      const aggregate = aggregateKeyOf([...f.ops, { bls }]);
      await expect(d.operatorSets.connect(account).join(f.setId, 1_000n * ALT))
        .to.emit(f.keys, "AggregateKeyUpdated")
        .withArgs(f.setId, aggregate, EPOCH + 1n);
      expect(await f.keys.aggregateKeyHashAt(f.setId, EPOCH)).to.equal(keyHash(aggregateKeyOf(f.ops)));
      expect(await f.keys.aggregateKeyHashAt(f.setId, EPOCH + 1n)).to.equal(keyHash(aggregate));
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
    it("reads what the fixture's members have counted: five operators, 10,000 ALT (a 6,667 ALT threshold), their aggregate key", async function () {
      const f = await loadFixture(machFixture);
      const sets = f.d.operatorSets;
      expect(await sets.currentEpoch()).to.equal(EPOCH);
      const members = f.ops.map((op) => op.address);
      expect(await sets.allocationsAt(f.setId, members, EPOCH)).to.deep.equal(STAKES);
      // they joined in the epoch before: nothing counted then
      expect(await sets.allocationsAt(f.setId, members, EPOCH - 1n)).to.deep.equal(STAKES.map(() => 0n));
      expect(await sets.setStakeAt(f.setId, EPOCH)).to.equal(TOTAL_STAKE);
      expect(await sets.liveStakeAt(f.setId, EPOCH)).to.equal(TOTAL_STAKE);
      expect(await sets.memberCountAt(f.setId, EPOCH)).to.equal(5n);
      expect(await f.rollup.fastFinalityBps()).to.equal(DEFAULT_THRESHOLD_BPS);
      expect((TOTAL_STAKE * DEFAULT_THRESHOLD_BPS) % BPS).to.equal(0n);
      expect(sumOf(STAKES, [0, 1, 2]) * BPS).to.equal(TOTAL_STAKE * DEFAULT_THRESHOLD_BPS);
      expect(sumOf(STAKES, [0, 1, 3])).to.equal(sumOf(STAKES, [0, 1, 2]) - ONE_WEI);
      // each member's key counts in EPOCH; the set's aggregate is their sum from EPOCH on, nothing before
      expect(await f.keys.keyHashesAt(members, EPOCH)).to.deep.equal(f.ops.map((op) => keyHash(keyOf(op))));
      expect(await Promise.all(f.ops.map((op) => f.keys.keyOf(op.address)))).to.deep.equal(f.ops.map(keyOf));
      const aggregate = aggregateKeyOf(f.ops);
      expect(await f.keys.aggregateKeyOf(f.setId)).to.equal(aggregate);
      expect(await f.keys.aggregateKeyHashAt(f.setId, EPOCH)).to.equal(keyHash(aggregate));
      expect(await f.keys.aggregateKeyHashAt(f.setId, EPOCH - 1n)).to.equal(0n);
    });

    it("fast-finalizes an output every member signed: no non-signers, all the stake signed", async function () {
      const f = await loadFixture(machFixture);
      const quorum = await quorumOf(f, f.ops);
      expect([quorum.epoch, quorum.aggregateKey, quorum.nonSigners, quorum.nonSignerKeys]).to.deep.equal([
        EPOCH,
        aggregateKeyOf(f.ops),
        [],
        "0x",
      ]);
      await expect(f.mach.connect(f.outsider).certify(f.rollupAddress, 0, L2_BLOCK, ROOT, quorum))
        .to.emit(f.mach, "Certified")
        .withArgs(f.rollupAddress, 0, L2_BLOCK, ROOT, EPOCH, [], TOTAL_STAKE, TOTAL_STAKE)
        .and.to.emit(f.rollup, "OutputFastFinalized")
        .withArgs(0, 500n * ALT);
      // the cover: 10,000 ALT signed × 5 % (the invalid-certificate offence, which pays no reporter share)
      expect(await f.mach.offenceBps()).to.deep.equal([1_000n, 500n]);
      expect(TOTAL_STAKE).to.equal(10_000n * ALT);
      const output = await f.rollup.output(0);
      expect([output.status, output.l2BlockNumber, output.root, output.fastLimit]).to.deep.equal([
        Output.FastFinalized,
        L2_BLOCK,
        ROOT,
        500n * 10n ** 9n, // in gwei
      ]);
    });

    it("fast-finalizes an output signed by exactly the threshold stake, the other members listed as non-signers", async function () {
      const f = await loadFixture(machFixture);
      const quorum = await quorumOf(f, pick(f.ops, [0, 1, 2]));
      // non-signers by address, ascending, each with its key
      const nonSigners = addressesOf(f.ops, [3, 4]);
      expect(quorum.nonSigners).to.deep.equal(nonSigners);
      expect(unpackKeys(quorum.nonSignerKeys)).to.deep.equal(
        nonSigners.map((a) => keyOf(f.ops.find((op) => op.address === a)!)),
      );
      await expect(certify0(f, quorum))
        .to.emit(f.mach, "Certified")
        .withArgs(f.rollupAddress, 0, L2_BLOCK, ROOT, EPOCH, nonSigners, sumOf(STAKES, [0, 1, 2]), TOTAL_STAKE)
        .and.to.emit(f.rollup, "OutputFastFinalized")
        .withArgs(0, await machFastLimit(f.mach, sumOf(STAKES, [0, 1, 2])));
      expect((await f.rollup.output(0)).status).to.equal(Output.FastFinalized);
    });

    it("refuses a quorum 1 wei below the threshold (MachBelowThreshold); a sparse one above it passes", async function () {
      const f = await loadFixture(machFixture);
      await expect(certify0(f, await quorumOf(f, pick(f.ops, [0, 1, 3]))))
        .to.be.revertedWithCustomError(f.mach, "MachBelowThreshold")
        .withArgs(sumOf(STAKES, [0, 1, 3]), TOTAL_STAKE, DEFAULT_THRESHOLD_BPS);
      expect((await f.rollup.output(0)).status).to.equal(Output.Proposed);
      // 3,000 + 2,500 + 2,166 ALT + 1 wei: members 2 and 3 do not sign
      await expect(certify0(f, await quorumOf(f, pick(f.ops, [0, 1, 4]))))
        .to.emit(f.mach, "Certified")
        .withArgs(...certified0(f, [0, 1, 4]));
    });

    it("applies a rollup's own threshold: 8,000 bps, exactly at it and 1 wei below", async function () {
      const f = await loadFixture(strictFixture);
      expect(await f.strict.fastFinalityBps()).to.equal(STRICT_THRESHOLD_BPS);
      expect(await f.d.operatorSets.setStakeAt(f.strictSetId, f.strictEpoch)).to.equal(STRICT_TOTAL);
      expect(sumOf(STRICT_STAKES, [0, 1, 2]) * BPS).to.equal(STRICT_TOTAL * STRICT_THRESHOLD_BPS);
      const certifyStrict = async (indexes: number[]) =>
        f.mach.certify(
          f.strictAddress,
          0,
          L2_BLOCK,
          ROOT,
          await quorumOf(f, pick(f.strictOps, indexes), { rollup: f.strictAddress }),
        );
      await expect(certifyStrict([0, 1, 3]))
        .to.be.revertedWithCustomError(f.mach, "MachBelowThreshold")
        .withArgs(sumOf(STRICT_STAKES, [0, 1, 2]) - ONE_WEI, STRICT_TOTAL, STRICT_THRESHOLD_BPS);
      // 7,500 ALT of 12,500 (60 %) would pass the default threshold, not this one
      await expect(certifyStrict([1, 2, 3, 4]))
        .to.be.revertedWithCustomError(f.mach, "MachBelowThreshold")
        .withArgs(sumOf(STRICT_STAKES, [1, 2, 3, 4]), STRICT_TOTAL, STRICT_THRESHOLD_BPS);
      await expect(certifyStrict([0, 1, 2]))
        .to.emit(f.mach, "Certified")
        .withArgs(
          f.strictAddress,
          0,
          L2_BLOCK,
          ROOT,
          f.strictEpoch,
          addressesOf(f.strictOps, [3, 4]),
          sumOf(STRICT_STAKES, [0, 1, 2]),
          STRICT_TOTAL,
        );
      expect((await f.strict.output(0)).status).to.equal(Output.FastFinalized);
      // certificates are per rollup: the main rollup's output (same block and root) is untouched
      expect((await f.rollup.output(0)).status).to.equal(Output.Proposed);
    });

    it("accepts a quorum of the previous epoch, refuses one two epochs back or of a future epoch (MachStaleEpoch)", async function () {
      const f = await loadFixture(machFixture);
      const sets = f.d.operatorSets;
      const root1 = await propose(f, 2n * L2_BLOCK, OTHER_ROOT);
      const output1 = { outputIndex: 1n, l2BlockNumber: 2n * L2_BLOCK, root: root1 };
      const signers = pick(f.ops, [0, 1, 2]);
      const nonSigners = addressesOf(f.ops, [3, 4]);
      const signed = sumOf(STAKES, [0, 1, 2]);
      const q0 = await quorumOf(f, signers);
      const q1 = await quorumOf(f, signers, output1);
      const certify1 = (quorum: Quorum) => f.mach.certify(f.rollupAddress, 1, 2n * L2_BLOCK, root1, quorum);
      // signed for the next epoch before it began: not yet
      await expect(certify0(f, await quorumOf(f, signers, { epoch: EPOCH + 1n })))
        .to.be.revertedWithCustomError(f.mach, "MachStaleEpoch")
        .withArgs(EPOCH + 1n, EPOCH);
      // signatures gathered across the epoch's end stay good
      await nextEpoch(sets);
      await expect(certify0(f, q0))
        .to.emit(f.mach, "Certified")
        .withArgs(f.rollupAddress, 0, L2_BLOCK, ROOT, EPOCH, nonSigners, signed, TOTAL_STAKE);
      // two epochs back: refused before anything else is read
      await nextEpoch(sets);
      await expect(certify1(q1))
        .to.be.revertedWithCustomError(f.mach, "MachStaleEpoch")
        .withArgs(EPOCH, EPOCH + 2n);
      await expect(certify1(await quorumOf(f, signers, { ...output1, epoch: EPOCH + 3n })))
        .to.be.revertedWithCustomError(f.mach, "MachStaleEpoch")
        .withArgs(EPOCH + 3n, EPOCH + 2n);
      expect((await f.rollup.output(1)).status).to.equal(Output.Proposed);
      // the same members re-sign for the previous epoch, EPOCH + 1
      await expect(certify1(await quorumOf(f, signers, { ...output1, epoch: EPOCH + 1n })))
        .to.emit(f.mach, "Certified")
        .withArgs(f.rollupAddress, 1, 2n * L2_BLOCK, root1, EPOCH + 1n, nonSigners, signed, TOTAL_STAKE);
    });

    it("a quorum cannot choose its aggregate key: one that is not the set's in the quorum's epoch is refused (MachWrongAggregateKey)", async function () {
      const f = await loadFixture(machFixture);
      const quorum = await quorumOf(f, pick(f.ops, [0, 1, 2]));
      const expectWrong = (aggregateKey: string) =>
        expect(certify0(f, { ...quorum, aggregateKey }))
          .to.be.revertedWithCustomError(f.mach, "MachWrongAggregateKey")
          .withArgs(f.setId, EPOCH);
      // the signers' own sum (as if nobody else counted), one member's key, the point at infinity, a short encoding
      await expectWrong(aggregateKeyOf(pick(f.ops, [0, 1, 2])));
      await expectWrong(keyOf(f.ops[0]));
      await expectWrong(NO_KEY);
      await expectWrong(quorum.aggregateKey.slice(0, -2));
      // a newcomer joins: the latest aggregate (counting from EPOCH + 1) is not EPOCH's
      const [late] = await addOperators(f.d, "mach-late", [5_000n * ALT]);
      await (await f.d.operatorSets.connect(late.account).join(f.setId, 5_000n * ALT)).wait();
      const latest = await f.keys.aggregateKeyOf(f.setId);
      expect(latest).to.equal(aggregateKeyOf([...f.ops, late]));
      await expectWrong(latest);
      await expect(certify0(f, quorum)).to.emit(f.mach, "Certified");
    });

    it("a non-signer is subtracted once: unsorted and duplicate non-signers are refused at the first offending position (MachNonSignersNotSorted)", async function () {
      const f = await loadFixture(machFixture);
      // member 0 signs alone (the check comes before any stake is tallied); the other four, by address, are positions
      // 0..3 below
      const quorum = await quorumOf(f, [f.ops[0]]);
      const { nonSigners } = quorum;
      const nonSignerKeys = unpackKeys(quorum.nonSignerKeys);
      expect(nonSigners.length).to.equal(4);
      const withOrder = (positions: number[]) =>
        certify0(f, {
          ...quorum,
          nonSigners: positions.map((p) => nonSigners[p]),
          nonSignerKeys: packKeys(positions.map((p) => nonSignerKeys[p])),
        });
      for (const [positions, offending] of [
        [[1, 0, 2, 3], 1],
        [[0, 2, 1, 3], 2],
        [[3, 2, 1, 0], 1],
        // a duplicate would subtract a member's stake and key twice: refused, not tallied
        [[0, 1, 1, 3], 2],
        [[0, 0], 1],
      ] as const) {
        await expect(withOrder([...positions]))
          .to.be.revertedWithCustomError(f.mach, "MachNonSignersNotSorted")
          .withArgs(offending);
      }
      expect((await f.rollup.output(0)).status).to.equal(Output.Proposed);
    });

    it("refuses keys that are not 192 bytes a non-signer, and more than 256 non-signers (MachBadLength)", async function () {
      const f = await loadFixture(machFixture);
      const quorum = await quorumOf(f, pick(f.ops, [0, 1, 2]));
      const [k0, k1] = unpackKeys(quorum.nonSignerKeys);
      for (const [nonSigners, keys] of [
        [quorum.nonSigners, packKeys([k0])],
        [quorum.nonSigners, packKeys([k0, k1, k1])],
        [[], packKeys([k0])],
        [quorum.nonSigners.slice(0, 1), "0x"],
        // a byte short, a byte over: 192 bytes a key exactly
        [quorum.nonSigners, quorum.nonSignerKeys.slice(0, -2)],
        [quorum.nonSigners, quorum.nonSignerKeys + "00"],
        // unpacked (EIP-2537's 256 bytes a key)
        [quorum.nonSigners.slice(0, 3), concat([k0, k1, k1])],
      ] as [string[], string][]) {
        await expect(certify0(f, { ...quorum, nonSigners, nonSignerKeys: keys }))
          .to.be.revertedWithCustomError(f.mach, "MachBadLength")
          .withArgs(nonSigners.length, dataLength(keys));
      }
      // 257 non-signers in increasing order, one key each: refused before anything is read
      const many = Array.from({ length: 257 }, (_, i) => getAddress(zeroPadValue(toBeHex(i + 1), 20)));
      const manyKeys = many.map(() => k0);
      await expect(certify0(f, { ...quorum, nonSigners: many, nonSignerKeys: packKeys(manyKeys) }))
        .to.be.revertedWithCustomError(f.mach, "MachBadLength")
        .withArgs(257, 257 * 192);
      // 256 pass the length check: the first of them has no stake counted in the set
      await expect(
        certify0(f, { ...quorum, nonSigners: many.slice(0, 256), nonSignerKeys: packKeys(manyKeys.slice(0, 256)) }),
      )
        .to.be.revertedWithCustomError(f.mach, "MachNotCounted")
        .withArgs(0, many[0]);
    });

    it("refuses a non-signer with no stake counted in the set in the epoch (MachNotCounted)", async function () {
      const f = await loadFixture(machFixture);
      // a registered operator with its own stake and BLS key, in no set: listing it would subtract nothing it signed for
      const [outsider] = await addOperators(f.d, "mach-nonmember", [1_000n * ALT]);
      const quorum = await quorumOf(f, pick(f.ops, [0, 1, 2]));
      const nonSigners = sortAddresses([...quorum.nonSigners, outsider.address]);
      const position = nonSigners.indexOf(outsider.address);
      const nonSignerKeys = nonSigners.map((a) =>
        a === outsider.address ? keyOf(outsider) : unpackKeys(quorum.nonSignerKeys)[quorum.nonSigners.indexOf(a)],
      );
      await expect(certify0(f, { ...quorum, nonSigners, nonSignerKeys: packKeys(nonSignerKeys) }))
        .to.be.revertedWithCustomError(f.mach, "MachNotCounted")
        .withArgs(position, outsider.address);
      // an address that is no operator at all
      const stranger = getAddress(zeroPadValue("0x01", 20));
      await expect(
        certify0(f, {
          ...quorum,
          nonSigners: [stranger, ...quorum.nonSigners],
          nonSignerKeys: packKeys([keyOf({ bls: STRANGER_BLS }), ...unpackKeys(quorum.nonSignerKeys)]),
        }),
      )
        .to.be.revertedWithCustomError(f.mach, "MachNotCounted")
        .withArgs(0, stranger);
      await expect(certify0(f, quorum)).to.emit(f.mach, "Certified");
    });

    it("refuses a key that is not the non-signer's in the epoch (MachWrongKey)", async function () {
      const f = await loadFixture(machFixture);
      const quorum = await quorumOf(f, pick(f.ops, [0, 1, 2]));
      const [first, second] = quorum.nonSigners;
      const [firstKey, secondKey] = unpackKeys(quorum.nonSignerKeys);
      const withKeys = (keys: string[]) => certify0(f, { ...quorum, nonSignerKeys: packKeys(keys) });
      // another member's key (a signer's: subtracting it would drop a signer's key and keep the non-signer's)
      await expect(withKeys([keyOf(f.ops[0]), secondKey]))
        .to.be.revertedWithCustomError(f.mach, "MachWrongKey")
        .withArgs(0, first);
      await expect(withKeys([firstKey, keyOf(f.ops[0])]))
        .to.be.revertedWithCustomError(f.mach, "MachWrongKey")
        .withArgs(1, second);
      // the two non-signers' keys swapped
      await expect(withKeys([secondKey, firstKey]))
        .to.be.revertedWithCustomError(f.mach, "MachWrongKey")
        .withArgs(0, first);
      // nobody's key, and the point at infinity (subtracting nothing)
      await expect(withKeys([firstKey, keyOf({ bls: STRANGER_BLS })]))
        .to.be.revertedWithCustomError(f.mach, "MachWrongKey")
        .withArgs(1, second);
      await expect(withKeys([NO_KEY, secondKey]))
        .to.be.revertedWithCustomError(f.mach, "MachWrongKey")
        .withArgs(0, first);
      await expect(withKeys([firstKey, secondKey])).to.emit(f.mach, "Certified");
    });

    it("refuses a quorum listing every member as a non-signer (MachEmptyCertificate)", async function () {
      const f = await loadFixture(machFixture);
      const quorum = await quorumOf(f, []);
      expect(quorum.nonSigners).to.deep.equal(addressesOf(f.ops, [0, 1, 2, 3, 4]));
      await expect(certify0(f, quorum)).to.be.revertedWithCustomError(f.mach, "MachEmptyCertificate");
      // whatever signature comes with it
      const digest = attestationHash(await attested(f));
      await expect(certify0(f, { ...quorum, signature: signatureOf(f.ops, digest) })).to.be.revertedWithCustomError(
        f.mach,
        "MachEmptyCertificate",
      );
    });

    it("counts no stake for a member that did not sign: a signature by fewer members than claimed, or by others, is refused (MachBadSignature)", async function () {
      const f = await loadFixture(machFixture);
      const quorum = await quorumOf(f, pick(f.ops, [0, 1, 2]));
      const digest = attestationHash(await attested(f));
      const expectBad = (signature: string) =>
        expect(certify0(f, { ...quorum, signature })).to.be.revertedWithCustomError(f.mach, "MachBadSignature");
      // member 2 is listed as signing (its stake counted) but did not sign
      await expectBad(signatureOf(pick(f.ops, [0, 1]), digest));
      await expectBad(signatureOf([f.ops[0]], digest));
      // a non-signer's signature in it too: the key it is checked against does not hold that member's
      await expectBad(signatureOf(pick(f.ops, [0, 1, 2, 3]), digest));
      // another member's signature in member 2's place
      await expectBad(signatureOf(pick(f.ops, [0, 1, 3]), digest));
      // a stranger's key signing for member 2
      await expectBad(signatureOf([...pick(f.ops, [0, 1]), { bls: STRANGER_BLS }], digest));
      // the point at infinity (no signature at all) and a signature that is no G1 point
      await expectBad("0x" + "00".repeat(128));
      await expectBad(flipLastByte(quorum.signature));
      expect((await f.rollup.output(0)).status).to.equal(Output.Proposed);
      await expect(certify0(f, quorum)).to.emit(f.mach, "Certified");
    });

    it("refuses a signature over another root, block, output index, epoch, rollup or domain (MachBadSignature)", async function () {
      const f = await loadFixture(machFixture);
      const signers = pick(f.ops, [0, 1, 2]);
      const quorum = await quorumOf(f, signers);
      const other = await launchRollup(f.d, f.creator, { chainId: 910_012, salt: id("mach:other") });
      const variants: Partial<Attested>[] = [
        { root: OTHER_ROOT },
        { l2BlockNumber: 2n * L2_BLOCK },
        { outputIndex: 1n },
        { epoch: EPOCH - 1n },
        { epoch: EPOCH + 1n },
        { rollup: await other.getAddress() },
        { domain: { ...f.domain, chainId: 1n } },
        { domain: { ...f.domain, verifyingContract: await f.d.vital.getAddress() } },
        { domain: { ...f.domain, version: "1" } },
      ];
      for (const variant of variants) {
        const digest = attestationHash(await attested(f, variant));
        await expect(certify0(f, { ...quorum, signature: signatureOf(signers, digest) })).to.be.revertedWithCustomError(
          f.mach,
          "MachBadSignature",
        );
      }
      // the right digest under another tag (a proof of possession's), and an alert's digest
      const digest = attestationHash(await attested(f));
      const underPop = aggregateSignatures(
        signers.map((op) => encodeG1(sign(op.bls, ethers.getBytes(digest), POP_DOMAIN))),
      );
      await expect(certify0(f, { ...quorum, signature: underPop })).to.be.revertedWithCustomError(
        f.mach,
        "MachBadSignature",
      );
      const alert = alertHash(f.domain, f.rollupAddress, ALERT_REASON, 0n, EPOCH);
      await expect(certify0(f, { ...quorum, signature: signatureOf(signers, alert) })).to.be.revertedWithCustomError(
        f.mach,
        "MachBadSignature",
      );
      await expect(certify0(f, { ...quorum, signature: signatureOf(signers, digest) })).to.emit(f.mach, "Certified");
    });

    it("refuses a block or root that is not the output's, even with a good quorum over them (RollupOutputMismatch)", async function () {
      const f = await loadFixture(machFixture);
      const signers = pick(f.ops, [0, 1, 2]);
      // the members signed output 0 as another root, and as another block: the quorums verify, the rollup refuses
      await expect(
        f.mach.certify(f.rollupAddress, 0, L2_BLOCK, OTHER_ROOT, await quorumOf(f, signers, { root: OTHER_ROOT })),
      )
        .to.be.revertedWithCustomError(f.rollup, "RollupOutputMismatch")
        .withArgs(0);
      await expect(
        f.mach.certify(
          f.rollupAddress,
          0,
          2n * L2_BLOCK,
          ROOT,
          await quorumOf(f, signers, { l2BlockNumber: 2n * L2_BLOCK }),
        ),
      )
        .to.be.revertedWithCustomError(f.rollup, "RollupOutputMismatch")
        .withArgs(0);
      expect((await f.rollup.output(0)).status).to.equal(Output.Proposed);
    });

    it("a certificate over the bare state root is refused: members sign the output root bound to the batches and the previous output", async function () {
      const f = await loadFixture(machFixture);
      const signers = pick(f.ops, [0, 1, 2]);
      const output0 = await f.rollup.output(0);
      expect([output0.root, output0.stateRoot, output0.batchCount]).to.deep.equal([ROOT, STATE_ROOT, 0n]);
      // signed over the state root alone: as the output root, the quorum does not verify...
      const overState = await quorumOf(f, signers, { root: STATE_ROOT });
      await expect(certify0(f, overState)).to.be.revertedWithCustomError(f.mach, "MachBadSignature");
      // ...and naming the state root, the quorum verifies but it is not the output's root
      await expect(f.mach.certify(f.rollupAddress, 0, L2_BLOCK, STATE_ROOT, overState))
        .to.be.revertedWithCustomError(f.rollup, "RollupOutputMismatch")
        .withArgs(0);
      // the same state root bound to another batch chain is another output: refused too
      const elsewhere = outputRootOf({
        l2BlockNumber: L2_BLOCK,
        stateRoot: STATE_ROOT,
        batchCount: 1n,
        batchRoot: id("mach:another-batch-chain"),
      });
      await expect(
        f.mach.certify(f.rollupAddress, 0, L2_BLOCK, elsewhere, await quorumOf(f, signers, { root: elsewhere })),
      )
        .to.be.revertedWithCustomError(f.rollup, "RollupOutputMismatch")
        .withArgs(0);
      await expect(certify0(f, await quorumOf(f, signers))).to.emit(f.mach, "Certified");
    });

    it("refuses an output the rollup does not have, or one fast-finalized already", async function () {
      const f = await loadFixture(machFixture);
      const signers = pick(f.ops, [0, 1, 2]);
      await expect(
        f.mach.certify(
          f.rollupAddress,
          1,
          2n * L2_BLOCK,
          ROOT,
          await quorumOf(f, signers, { outputIndex: 1n, l2BlockNumber: 2n * L2_BLOCK }),
        ),
      )
        .to.be.revertedWithCustomError(f.rollup, "RollupUnknownOutput")
        .withArgs(1);
      await (await certify0(f, await quorumOf(f, signers))).wait();
      await expect(certify0(f, await quorumOf(f, f.ops)))
        .to.be.revertedWithCustomError(f.rollup, "RollupOutputStatus")
        .withArgs(0, Output.FastFinalized);
    });

    it("refuses a rollup not registered in MACH", async function () {
      const f = await loadFixture(machFixture);
      const rollup = await createRollup(f.d, f.creator, { chainId: 910_013, salt: id("mach:unregistered") });
      const address = await rollup.getAddress();
      await (await rollup.connect(f.creator).proposeOutput(L2_BLOCK, STATE_ROOT, ZeroHash)).wait();
      const quorum = await quorumOf(f, pick(f.ops, [0, 1, 2]));
      await expect(f.mach.certify(address, 0, L2_BLOCK, ROOT, quorum))
        .to.be.revertedWithCustomError(f.mach, "ServiceNotRegistered")
        .withArgs(address);
    });

    // A quorum's digest names the output index, block and root: once VITAL invalidated (block, root), the proposer may
    // re-propose the same root at the same index (VITAL may have erred; the chain must go on), but the old quorum must
    // not fast-finalize it again. The rollup refuses it in fastFinalize.
    it("a root VITAL invalidated cannot be fast-finalized again: the old quorum finalizes nothing (RollupRootInvalidated)", async function () {
      const f = await loadFixture(invalidatedFixture);
      expect(await f.rollup.invalidatedAt(L2_BLOCK, ROOT)).to.equal(f.invalidatedAt);
      expect(await f.rollup.outputCount()).to.equal(0n);
      await expect(certify0(f, f.quorum)).to.be.revertedWithCustomError(f.rollup, "RollupUnknownOutput").withArgs(0);
      await (await f.rollup.connect(f.creator).proposeOutput(L2_BLOCK, STATE_ROOT, ZeroHash)).wait();
      await expect(certify0(f, f.quorum))
        .to.be.revertedWithCustomError(f.rollup, "RollupRootInvalidated")
        .withArgs(L2_BLOCK, ROOT);
      // nor a fresh quorum of the current epoch
      await expect(certify0(f, await quorumOf(f, f.ops)))
        .to.be.revertedWithCustomError(f.rollup, "RollupRootInvalidated")
        .withArgs(L2_BLOCK, ROOT);
      expect((await f.rollup.output(0)).status).to.equal(Output.Proposed);
    });

    // Residual risk (documented in MachService): MACH reads no jail. A member with a pending slash request keeps
    // signing with the stake it had counted in the epoch, which is what the request may take.
    it("a member jailed by a pending slash request still signs with its stake of the epoch", async function () {
      const f = await loadFixture(machFixture);
      await fileSlashRequest(f, f.ops[1].address);
      expect(await f.d.registry.isJailed(f.ops[1].address)).to.equal(true);
      expect(await f.d.operatorSets.allocationAt(f.setId, f.ops[1].address, EPOCH)).to.equal(STAKES[1]);
      await expect(certify0(f, await quorumOf(f, pick(f.ops, [0, 1, 2]))))
        .to.emit(f.mach, "Certified")
        .withArgs(...certified0(f, [0, 1, 2]));
    });

    it("a quorum counts the stake of its epoch from the checkpoints: a change counts from the next epoch", async function () {
      const f = await loadFixture(machFixture);
      const sets = f.d.operatorSets;
      // member 0 doubles its allocation in epoch 3: the change counts from epoch 4, epoch 3 keeps what it counted
      await (await sets.connect(f.ops[0].account).allocate(f.setId, 2n * STAKES[0])).wait();
      expect((await sets.allocation(f.setId, f.ops[0].address)).allocated).to.equal(2n * STAKES[0]);
      expect(await sets.allocationAt(f.setId, f.ops[0].address, EPOCH)).to.equal(STAKES[0]);
      const signers = pick(f.ops, [0, 1, 2]);
      await expect(certify0(f, await quorumOf(f, signers)))
        .to.emit(f.mach, "Certified")
        .withArgs(...certified0(f, [0, 1, 2]));
      // two epochs on, nobody having sent anything: the quorum counts what the checkpoints hold for epoch 5
      const root1 = await propose(f, 2n * L2_BLOCK, OTHER_ROOT);
      await time.increaseTo(await sets.epochStart(EPOCH + 2n));
      const total = TOTAL_STAKE + STAKES[0];
      expect(await sets.setStakeAt(f.setId, EPOCH + 2n)).to.equal(total);
      const signed = sumOf(STAKES, [0, 1, 2]) + STAKES[0];
      // 9,667 of 13,000 ALT: the same signers, more stake
      expect(signed * BPS >= total * DEFAULT_THRESHOLD_BPS).to.equal(true);
      const output1 = { outputIndex: 1n, l2BlockNumber: 2n * L2_BLOCK, root: root1 };
      await expect(f.mach.certify(f.rollupAddress, 1, 2n * L2_BLOCK, root1, await quorumOf(f, signers, output1)))
        .to.emit(f.mach, "Certified")
        .withArgs(f.rollupAddress, 1, 2n * L2_BLOCK, root1, EPOCH + 2n, addressesOf(f.ops, [3, 4]), signed, total);
    });

    describe("signer set changes", function () {
      it("a member that joined this epoch counts from the next: as a signer it breaks the quorum (MachBadSignature), as a non-signer MachNotCounted", async function () {
        const f = await loadFixture(machFixture);
        const sets = f.d.operatorSets;
        const [late] = await addOperators(f.d, "mach-late", [5_000n * ALT]);
        // its allocation and its key count from EPOCH + 1, in its stake, the set's and the set's aggregate key
        await expect(sets.connect(late.account).join(f.setId, 5_000n * ALT))
          .to.emit(f.keys, "AggregateKeyUpdated")
          .withArgs(f.setId, aggregateKeyOf([...f.ops, late]), EPOCH + 1n);
        expect(await sets.allocationAt(f.setId, late.address, EPOCH)).to.equal(0n);
        expect(await sets.allocationAt(f.setId, late.address, EPOCH + 1n)).to.equal(5_000n * ALT);
        expect(await sets.setStakeAt(f.setId, EPOCH)).to.equal(TOTAL_STAKE);
        expect(await f.keys.aggregateKeyHashAt(f.setId, EPOCH)).to.equal(keyHash(aggregateKeyOf(f.ops)));
        const signers = [f.ops[0], f.ops[1], late];
        // in EPOCH its key is not in the aggregate its signature is checked against: it adds nothing, it breaks it
        const withLate = await quorumOf(f, signers);
        expect(withLate.nonSigners).to.deep.equal(addressesOf(f.ops, [2, 3, 4]));
        await expect(certify0(f, withLate)).to.be.revertedWithCustomError(f.mach, "MachBadSignature");
        // listed as a non-signer, with its key: nothing of it counted to subtract
        const quorum = await quorumOf(f, pick(f.ops, [0, 1, 2]));
        const nonSigners = sortAddresses([...quorum.nonSigners, late.address]);
        const nonSignerKeys = nonSigners.map((a) =>
          a === late.address ? keyOf(late) : unpackKeys(quorum.nonSignerKeys)[quorum.nonSigners.indexOf(a)],
        );
        await expect(certify0(f, { ...quorum, nonSigners, nonSignerKeys: packKeys(nonSignerKeys) }))
          .to.be.revertedWithCustomError(f.mach, "MachNotCounted")
          .withArgs(nonSigners.indexOf(late.address), late.address);

        await time.increaseTo(await sets.epochStart(EPOCH + 1n));
        const total = TOTAL_STAKE + 5_000n * ALT;
        expect(await sets.setStakeAt(f.setId, EPOCH + 1n)).to.equal(total);
        expect(await sets.memberCountAt(f.setId, EPOCH + 1n)).to.equal(6n);
        // 3,000 + 2,500 alone are short of 6,667 bps of 15,000; with the newcomer's 5,000 they are not
        await expect(certify0(f, await quorumOf(f, pick(f.ops, [0, 1]))))
          .to.be.revertedWithCustomError(f.mach, "MachBelowThreshold")
          .withArgs(sumOf(STAKES, [0, 1]), total, DEFAULT_THRESHOLD_BPS);
        await expect(certify0(f, await quorumOf(f, signers)))
          .to.emit(f.mach, "Certified")
          .withArgs(
            f.rollupAddress,
            0,
            L2_BLOCK,
            ROOT,
            EPOCH + 1n,
            addressesOf(f.ops, [2, 3, 4]),
            sumOf(STAKES, [0, 1]) + 5_000n * ALT,
            total,
          );
      });

      it("a member that left this epoch still counts in it, with the stake and key it had; not in the next", async function () {
        const f = await loadFixture(machFixture);
        const sets = f.d.operatorSets;
        const leaver = f.ops[4];
        const leftAt = await nextTimestamp();
        const leaveAt = leftAt + (await f.d.registry.withdrawalDelay());
        await expect(sets.connect(leaver.account).requestLeave(f.setId))
          .to.emit(sets, "LeaveRequested")
          .withArgs(f.setId, leaver.address, leaveAt)
          .and.to.emit(f.keys, "AggregateKeyUpdated")
          .withArgs(f.setId, aggregateKeyOf(pick(f.ops, [0, 1, 2, 3])), EPOCH + 1n);
        // out of the member list at once, nothing allocated any more; EPOCH counts what it had at the epoch's start
        expect(await sets.members(f.setId)).to.deep.equal(f.ops.slice(0, 4).map((op) => op.address));
        expect(await sets.allocation(f.setId, leaver.address)).to.deep.equal([0n, STAKES[4], leaveAt]);
        expect(await sets.allocationAt(f.setId, leaver.address, EPOCH)).to.equal(STAKES[4]);
        expect(await sets.allocationAt(f.setId, leaver.address, EPOCH + 1n)).to.equal(0n);
        expect(await f.keys.aggregateKeyHashAt(f.setId, EPOCH)).to.equal(keyHash(aggregateKeyOf(f.ops)));
        await expect(certify0(f, await quorumOf(f, pick(f.ops, [0, 1, 4]))))
          .to.emit(f.mach, "Certified")
          .withArgs(...certified0(f, [0, 1, 4]));

        // in EPOCH + 1 the leaver counts no more: neither as a signer nor as a non-signer
        const root1 = await propose(f, 2n * L2_BLOCK, STATE_ROOT);
        await nextEpoch(sets);
        const total = sumOf(STAKES, [0, 1, 2, 3]);
        expect(await sets.setStakeAt(f.setId, EPOCH + 1n)).to.equal(total);
        const output1 = { outputIndex: 1n, l2BlockNumber: 2n * L2_BLOCK, root: root1 };
        const certify1 = (quorum: Quorum) => f.mach.certify(f.rollupAddress, 1, 2n * L2_BLOCK, root1, quorum);
        const withLeaver = await quorumOf(f, pick(f.ops, [0, 1, 4]), output1);
        expect(withLeaver.nonSigners).to.deep.equal(addressesOf(f.ops, [2, 3]));
        await expect(certify1(withLeaver)).to.be.revertedWithCustomError(f.mach, "MachBadSignature");
        const quorum = await quorumOf(f, pick(f.ops, [0, 1, 2]), output1);
        expect(quorum.nonSigners).to.deep.equal([f.ops[3].address]);
        const nonSigners = sortAddresses([f.ops[3].address, leaver.address]);
        const nonSignerKeys = nonSigners.map((a) => (a === leaver.address ? keyOf(leaver) : keyOf(f.ops[3])));
        await expect(certify1({ ...quorum, nonSigners, nonSignerKeys: packKeys(nonSignerKeys) }))
          .to.be.revertedWithCustomError(f.mach, "MachNotCounted")
          .withArgs(nonSigners.indexOf(leaver.address), leaver.address);
        await expect(certify1(quorum))
          .to.emit(f.mach, "Certified")
          .withArgs(
            f.rollupAddress,
            1,
            2n * L2_BLOCK,
            root1,
            EPOCH + 1n,
            [f.ops[3].address],
            sumOf(STAKES, [0, 1, 2]),
            total,
          );
      });

      it("a rotated BLS key: the old key signs for the epochs it counted in, the new one from the next epoch on", async function () {
        const f = await loadFixture(machFixture);
        const sets = f.d.operatorSets;
        const member = f.ops[0];
        const { rotated, publicKey, tx } = await rotation(f, member, "mach:rotated:0");
        const rotatedAggregate = aggregateKeyOf([rotated, ...f.ops.slice(1)]);
        // the key and the aggregate of the set it counts in move from EPOCH + 1; EPOCH keeps the old ones
        await expect(tx)
          .to.emit(f.keys, "KeyRegistered")
          .withArgs(member.address, publicKey, EPOCH + 1n)
          .and.to.emit(f.keys, "AggregateKeyUpdated")
          .withArgs(f.setId, rotatedAggregate, EPOCH + 1n);
        expect(await f.keys.keyOf(member.address)).to.equal(publicKey);
        expect(await f.keys.keyHashAt(member.address, EPOCH)).to.equal(keyHash(keyOf(member)));
        expect(await f.keys.keyHashAt(member.address, EPOCH + 1n)).to.equal(keyHash(publicKey));
        expect(await f.keys.aggregateKeyHashAt(f.setId, EPOCH)).to.equal(keyHash(aggregateKeyOf(f.ops)));
        expect(await f.keys.aggregateKeyHashAt(f.setId, EPOCH + 1n)).to.equal(keyHash(rotatedAggregate));
        const root1 = await propose(f, 2n * L2_BLOCK, STATE_ROOT);
        const root2 = await propose(f, 3n * L2_BLOCK, STATE_ROOT);
        const output1 = { outputIndex: 1n, l2BlockNumber: 2n * L2_BLOCK, root: root1 };
        const output2 = { outputIndex: 2n, l2BlockNumber: 3n * L2_BLOCK, root: root2 };
        const withOld = pick(f.ops, [0, 1, 2]);
        const withNew = [rotated, f.ops[1], f.ops[2]];
        const signed = sumOf(STAKES, [0, 1, 2]);
        const nonSigners = addressesOf(f.ops, [3, 4]);

        // EPOCH: the new key is refused as a signer and as a non-signer's key; the old one signs
        await expect(certify0(f, await quorumOf(f, withNew))).to.be.revertedWithCustomError(f.mach, "MachBadSignature");
        const without = await quorumOf(f, pick(f.ops, [1, 2, 3, 4]));
        expect([without.nonSigners, without.nonSignerKeys]).to.deep.equal([
          [member.address],
          packKeys([keyOf(member)]),
        ]);
        await expect(certify0(f, { ...without, nonSignerKeys: packKeys([publicKey]) }))
          .to.be.revertedWithCustomError(f.mach, "MachWrongKey")
          .withArgs(0, member.address);
        await expect(certify0(f, await quorumOf(f, withOld)))
          .to.emit(f.mach, "Certified")
          .withArgs(f.rollupAddress, 0, L2_BLOCK, ROOT, EPOCH, nonSigners, signed, TOTAL_STAKE);
        const previous = await quorumOf(f, withOld, output1);

        await nextEpoch(sets);
        // the old key's quorum of EPOCH stays good in EPOCH + 1
        await expect(f.mach.certify(f.rollupAddress, 1, 2n * L2_BLOCK, root1, previous))
          .to.emit(f.mach, "Certified")
          .withArgs(f.rollupAddress, 1, 2n * L2_BLOCK, root1, EPOCH, nonSigners, signed, TOTAL_STAKE);
        // EPOCH + 1: only the new key, as a signer and as a non-signer's key
        const certify2 = (quorum: Quorum) => f.mach.certify(f.rollupAddress, 2, 3n * L2_BLOCK, root2, quorum);
        await expect(certify2(await quorumOf(f, withOld, output2))).to.be.revertedWithCustomError(
          f.mach,
          "MachBadSignature",
        );
        const withoutNow = await quorumOf(f, pick(f.ops, [1, 2, 3, 4]), output2);
        expect(withoutNow.nonSignerKeys).to.equal(packKeys([publicKey]));
        await expect(certify2({ ...withoutNow, nonSignerKeys: packKeys([keyOf(member)]) }))
          .to.be.revertedWithCustomError(f.mach, "MachWrongKey")
          .withArgs(0, member.address);
        await expect(certify2(await quorumOf(f, withNew, output2)))
          .to.emit(f.mach, "Certified")
          .withArgs(f.rollupAddress, 2, 3n * L2_BLOCK, root2, EPOCH + 1n, nonSigners, signed, TOTAL_STAKE);
      });
    });
  });

  describe("liveness", function () {
    /** The main rollup's set gets the deployment's defaults with these liveness minimums (counted from the next epoch). */
    const setLiveness = (f: Fixture, minMembers: bigint, minTotalStake: bigint) =>
      f.mach.updateRollupSet(f.rollupAddress, setParams(f.d, { minMembers, minTotalStake }));

    it("a set with no stake counted decides nothing: no certificate or alert before its first allocation counts", async function () {
      const f = await loadFixture(machFixture);
      const sets = f.d.operatorSets;
      const rollup = await launchRollup(f.d, f.creator, { chainId: 910_030, salt: id("mach:empty") });
      const address = await rollup.getAddress();
      const setId = await f.mach.setIdOf(address);
      await (await rollup.connect(f.creator).proposeOutput(L2_BLOCK, STATE_ROOT, ZeroHash)).wait();
      // governance asks for no operators and no stake, from the next epoch: a set with no stake is still never live
      await (await f.mach.updateRollupSet(address, setParams(f.d, { minMembers: 0n, minTotalStake: 0n }))).wait();
      const epoch = await nextEpoch(sets);
      // a member joins: its allocation counts from the epoch after
      await (await sets.connect(f.ops[0].account).join(setId, STAKES[0])).wait();
      expect([await sets.setStakeAt(setId, epoch), await sets.memberCountAt(setId, epoch)]).to.deep.equal([0n, 0n]);
      expect(await sets.isLive(setId, epoch)).to.equal(false);
      expect(await sets.liveStakeAt(setId, epoch)).to.equal(0n);
      const quorum = await quorumOf(f, [f.ops[0]], { rollup: address });
      expect([quorum.aggregateKey, quorum.nonSigners]).to.deep.equal([NO_KEY, []]);
      await expect(f.mach.certify(address, 0, L2_BLOCK, ROOT, quorum))
        .to.be.revertedWithCustomError(f.mach, "ServiceSetNotLive")
        .withArgs(setId, epoch);
      await expect(
        f.mach.raiseAlert(address, ALERT_REASON, await alertQuorumOf(f, [f.ops[0]], 0n, { rollup: address })),
      )
        .to.be.revertedWithCustomError(f.mach, "ServiceSetNotLive")
        .withArgs(setId, epoch);
      expect((await rollup.output(0)).status).to.equal(Output.Proposed);
      expect(await f.mach.alertNonce(address)).to.equal(0n);
      // the next epoch counts the member's stake, with no transaction in between; the quorum of the epoch before (when
      // the set was not live) still decides nothing, a quorum of this one certifies
      await time.increaseTo(await sets.epochStart(epoch + 1n));
      expect(await sets.liveStakeAt(setId, epoch + 1n)).to.equal(STAKES[0]);
      await expect(f.mach.certify(address, 0, L2_BLOCK, ROOT, quorum))
        .to.be.revertedWithCustomError(f.mach, "ServiceSetNotLive")
        .withArgs(setId, epoch);
      await expect(f.mach.certify(address, 0, L2_BLOCK, ROOT, await quorumOf(f, [f.ops[0]], { rollup: address })))
        .to.emit(f.mach, "Certified")
        .withArgs(address, 0, L2_BLOCK, ROOT, epoch + 1n, [], STAKES[0], STAKES[0]);
    });

    it("a set that is not live in the quorum's epoch decides nothing (ServiceSetNotLive); minimums count from the next epoch", async function () {
      const f = await loadFixture(machFixture);
      const sets = f.d.operatorSets;
      /** What the set counts in `epoch` (the same five members and stake throughout: only the minimums change). */
      const counted = async (epoch: bigint) => [
        await sets.memberCountAt(f.setId, epoch),
        await sets.setStakeAt(f.setId, epoch),
        await sets.isLive(f.setId, epoch),
      ];
      expect(await counted(EPOCH)).to.deep.equal([5n, TOTAL_STAKE, true]);
      const root1 = await propose(f, 2n * L2_BLOCK, OTHER_ROOT);
      const output1 = { outputIndex: 1n, l2BlockNumber: 2n * L2_BLOCK, root: root1 };
      const certify1 = (quorum: Quorum) => f.mach.certify(f.rollupAddress, 1, 2n * L2_BLOCK, root1, quorum);
      const signers = pick(f.ops, [0, 1, 2]);
      const nonSigners = addressesOf(f.ops, [3, 4]);
      const expectNotLive = async (epoch: bigint) => {
        expect(await counted(epoch)).to.deep.equal([5n, TOTAL_STAKE, false]);
        await expect(certify1(await quorumOf(f, signers, output1)))
          .to.be.revertedWithCustomError(f.mach, "ServiceSetNotLive")
          .withArgs(f.setId, epoch);
        await expect(f.mach.raiseAlert(f.rollupAddress, ALERT_REASON, await alertQuorumOf(f, signers, 0n)))
          .to.be.revertedWithCustomError(f.mach, "ServiceSetNotLive")
          .withArgs(f.setId, epoch);
      };

      // epoch 3: governance asks for six operators; the epoch keeps the minimums it started with
      await expect(setLiveness(f, 6n, TOTAL_STAKE))
        .to.emit(f.d.operatorSets, "LivenessUpdated")
        .withArgs(f.setId, 6n, TOTAL_STAKE);
      expect(await counted(EPOCH)).to.deep.equal([5n, TOTAL_STAKE, true]);
      await expect(certify0(f, await quorumOf(f, signers)))
        .to.emit(f.mach, "Certified")
        .withArgs(f.rollupAddress, 0, L2_BLOCK, ROOT, EPOCH, nonSigners, sumOf(STAKES, [0, 1, 2]), TOTAL_STAKE);
      const ofEpoch3 = await quorumOf(f, signers, output1);
      // epoch 4 needs six: one operator short
      let epoch = await nextEpoch(sets);
      await expectNotLive(epoch);
      // a quorum of epoch 3, live then, is still good in epoch 4
      await expect(f.mach.certify.staticCall(f.rollupAddress, 1, 2n * L2_BLOCK, root1, ofEpoch3)).to.not.be.reverted;
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
      await expect(certify1(await quorumOf(f, signers, output1)))
        .to.emit(f.mach, "Certified")
        .withArgs(f.rollupAddress, 1, 2n * L2_BLOCK, root1, epoch, nonSigners, sumOf(STAKES, [0, 1, 2]), TOTAL_STAKE);
      await expect(f.mach.raiseAlert(f.rollupAddress, ALERT_REASON, await alertQuorumOf(f, signers, 0n)))
        .to.emit(f.mach, "AlertRaised")
        .withArgs(f.rollupAddress, ALERT_REASON, 0, epoch, nonSigners);
      // no change rewrote an epoch before it
      expect(await Promise.all([EPOCH, EPOCH + 1n, EPOCH + 2n].map((e) => sets.isLive(f.setId, e)))).to.deep.equal([
        true,
        false,
        false,
      ]);
    });
  });

  describe("proveEquivocation", function () {
    it("turns two roots one member signed for a block into a slash request that jails it at once", async function () {
      const f = await loadFixture(equivocationFixture);
      const { d, offender } = f;
      const requestId = await d.slashingManager.requestCount();
      const at = await nextTimestamp();
      const executableAt = at + (await d.slashingManager.vetoWindow());
      const bps = BigInt(d.config.mach.equivocationBps);
      expect(await f.mach.offenceBps()).to.deep.equal([bps, BigInt(d.config.mach.invalidCertificateBps)]);
      // the evidence is the pair of digests signed, as the contract computes them
      expect(f.evidence).to.equal(
        keccak256(
          coder.encode(
            ["bytes32", "bytes32"],
            [
              await f.mach.attestationDigest(f.rollupAddress, 0, L2_BLOCK, ROOT, EPOCH),
              await f.mach.attestationDigest(f.rollupAddress, 0, L2_BLOCK, OTHER_ROOT, EPOCH),
            ],
          ),
        ),
      );
      expect(await f.mach.isEquivocationProven(offender.address, f.rollupAddress, L2_BLOCK)).to.equal(false);
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
        request.setId,
        request.bps,
        request.status,
        request.requestedAt,
        request.reporter,
        request.executableAt,
      ]).to.deep.equal([offender.address, f.setId, bps, Request.Pending, at, f.reporter.address, executableAt]);
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
      const machAllocation = await d.operatorSets.allocation(f.setId, offender.address);
      const vitalAllocation = await d.operatorSets.allocation(f.vitalSetId, offender.address);
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
      expect(await d.operatorSets.allocation(f.vitalSetId, offender.address)).to.deep.equal(vitalAllocation);
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

    it("the council's veto un-jails the member; the offence stays proven", async function () {
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
      await expect(proveFixtureEquivocation(f))
        .to.be.revertedWithCustomError(f.mach, "MachAlreadyProven")
        .withArgs(offender.address, f.rollupAddress, L2_BLOCK);
    });

    it("refuses a repeated proof of the same offence, in any order and with any other root (MachAlreadyProven)", async function () {
      const f = await loadFixture(provenFixture);
      const third = await attestationOf(f, f.offender, { root: THIRD_ROOT, epoch: EPOCH });
      for (const [a, b] of [
        [f.a, f.b],
        [f.b, f.a],
        [f.a, third],
      ]) {
        await expect(
          f.mach.connect(f.outsider).proveEquivocation(f.rollupAddress, f.offender.address, a, f.key, b, f.key),
        )
          .to.be.revertedWithCustomError(f.mach, "MachAlreadyProven")
          .withArgs(f.offender.address, f.rollupAddress, L2_BLOCK);
      }
      expect(await f.d.registry.pendingSlashes(f.offender.address)).to.equal(1n);
      // another block is another offence
      const blockB = { outputIndex: 1n, l2BlockNumber: 2n * L2_BLOCK, epoch: EPOCH };
      const a = await attestationOf(f, f.offender, { ...blockB, root: ROOT });
      const b = await attestationOf(f, f.offender, { ...blockB, root: OTHER_ROOT });
      await expect(f.mach.proveEquivocation(f.rollupAddress, f.offender.address, a, f.key, b, f.key))
        .to.emit(f.mach, "EquivocationProven")
        .withArgs(f.offender.address, f.rollupAddress, 2n * L2_BLOCK, ROOT, OTHER_ROOT, f.requestId + 1n);
      expect(await f.d.registry.pendingSlashes(f.offender.address)).to.equal(2n);
    });

    it("refuses equal roots and different blocks (MachNotEquivocation)", async function () {
      const f = await loadFixture(equivocationFixture);
      const prove = (a: MachService.AttestationStruct, b: MachService.AttestationStruct) =>
        f.mach.proveEquivocation(f.rollupAddress, f.offender.address, a, f.key, b, f.key);
      await expect(prove(f.a, f.a)).to.be.revertedWithCustomError(f.mach, "MachNotEquivocation");
      // the same root signed twice, for two output indexes: no conflict
      const again = await attestationOf(f, f.offender, { root: ROOT, outputIndex: 1n });
      await expect(prove(f.a, again)).to.be.revertedWithCustomError(f.mach, "MachNotEquivocation");
      // two roots of two blocks
      const otherBlock = await attestationOf(f, f.offender, {
        outputIndex: 1n,
        l2BlockNumber: 2n * L2_BLOCK,
        root: OTHER_ROOT,
      });
      await expect(prove(f.a, otherBlock)).to.be.revertedWithCustomError(f.mach, "MachNotEquivocation");
      expect(await f.d.registry.isJailed(f.offender.address)).to.equal(false);
    });

    it("refuses a key that is not the operator's in the attestation's epoch (MachWrongKey)", async function () {
      const f = await loadFixture(equivocationFixture);
      const { offender } = f;
      const prove = (a: MachService.AttestationStruct, keyA: string, b: MachService.AttestationStruct, keyB: string) =>
        f.mach.proveEquivocation(f.rollupAddress, offender.address, a, keyA, b, keyB);
      const memberKey = keyOf(f.ops[3]);
      // another member's key given for either attestation
      await expect(prove(f.a, memberKey, f.b, f.key))
        .to.be.revertedWithCustomError(f.mach, "MachWrongKey")
        .withArgs(0, offender.address);
      await expect(prove(f.a, f.key, f.b, memberKey))
        .to.be.revertedWithCustomError(f.mach, "MachWrongKey")
        .withArgs(1, offender.address);
      // another member's genuine equivocation, pinned on the offender
      const a3 = await attestationOf(f, f.ops[3], { root: ROOT });
      const b3 = await attestationOf(f, f.ops[3], { root: OTHER_ROOT });
      await expect(prove(a3, memberKey, b3, memberKey))
        .to.be.revertedWithCustomError(f.mach, "MachWrongKey")
        .withArgs(0, offender.address);
      // a pair by a key that is nobody's
      const stranger = { bls: STRANGER_BLS };
      const strangerKey = keyOf(stranger);
      await expect(
        prove(
          await attestationOf(f, stranger, { root: ROOT }),
          strangerKey,
          await attestationOf(f, stranger, { root: OTHER_ROOT }),
          strangerKey,
        ),
      )
        .to.be.revertedWithCustomError(f.mach, "MachWrongKey")
        .withArgs(0, offender.address);
      // member 3's pair against member 3 is its own offence
      const requestId = await f.d.slashingManager.requestCount();
      await expect(f.mach.proveEquivocation(f.rollupAddress, f.ops[3].address, a3, memberKey, b3, memberKey))
        .to.emit(f.mach, "EquivocationProven")
        .withArgs(f.ops[3].address, f.rollupAddress, L2_BLOCK, ROOT, OTHER_ROOT, requestId);
      expect(await f.d.registry.isJailed(offender.address)).to.equal(false);
    });

    it("refuses a signature that is not the operator's over the attestation given (MachBadSignature)", async function () {
      const f = await loadFixture(equivocationFixture);
      const prove = (a: MachService.AttestationStruct, b: MachService.AttestationStruct) =>
        f.mach.proveEquivocation(f.rollupAddress, f.offender.address, a, f.key, b, f.key);
      const expectBad = (a: MachService.AttestationStruct, b: MachService.AttestationStruct) =>
        expect(prove(a, b)).to.be.revertedWithCustomError(f.mach, "MachBadSignature");
      // each root with the other's signature
      await expectBad({ ...f.a, signature: f.b.signature }, f.b);
      await expectBad(f.a, { ...f.b, signature: f.a.signature });
      // another member's signature of the same attestation
      await expectBad(await attestationOf(f, f.ops[3], { root: ROOT }), f.b);
      // the offender's signature over another output index, and for another rollup (replayed here)
      await expectBad({ ...f.a, outputIndex: 1n }, f.b);
      const otherRollup = getAddress(zeroPadValue("0x0abc", 20));
      await expectBad(
        await attestationOf(f, f.offender, { root: ROOT, rollup: otherRollup }),
        await attestationOf(f, f.offender, { root: OTHER_ROOT, rollup: otherRollup }),
      );
      // no signature (the point at infinity)
      await expectBad(f.a, { ...f.b, signature: "0x" + "00".repeat(128) });
      expect(await f.d.registry.isJailed(f.offender.address)).to.equal(false);
    });

    it("refuses an operator not counted in the set in the attestation's epoch (MachNotMember)", async function () {
      const f = await loadFixture(equivocationFixture);
      // the members joined in EPOCH - 1 and counted from EPOCH: what they signed for EPOCH - 1 decided nothing
      const early = await attestationOf(f, f.offender, { root: OTHER_ROOT, epoch: EPOCH - 1n });
      await expect(f.mach.proveEquivocation(f.rollupAddress, f.offender.address, f.a, f.key, early, f.key))
        .to.be.revertedWithCustomError(f.mach, "MachNotMember")
        .withArgs(f.offender.address, EPOCH - 1n);
      const earlyA = await attestationOf(f, f.offender, { root: ROOT, epoch: EPOCH - 1n });
      await expect(f.mach.proveEquivocation(f.rollupAddress, f.offender.address, earlyA, f.key, f.b, f.key))
        .to.be.revertedWithCustomError(f.mach, "MachNotMember")
        .withArgs(f.offender.address, EPOCH - 1n);
      // a registered operator with a BLS key, in no set
      const [outsider] = await addOperators(f.d, "mach-nonmember", [1_000n * ALT]);
      await nextEpoch(f.d.operatorSets);
      const a = await attestationOf(f, outsider, { root: ROOT });
      const b = await attestationOf(f, outsider, { root: OTHER_ROOT });
      await expect(f.mach.proveEquivocation(f.rollupAddress, outsider.address, a, keyOf(outsider), b, keyOf(outsider)))
        .to.be.revertedWithCustomError(f.mach, "MachNotMember")
        .withArgs(outsider.address, EPOCH + 1n);
    });

    it("an equivocating operator stays provable after leaving the set, for the evidence age from its attestations' epoch", async function () {
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
      expect(await d.operatorSets.allocationAt(f.setId, offender.address, EPOCH + 1n)).to.equal(0n);
      // what it allocated is deallocated, and still slashable until it is free
      expect(await d.operatorSets.allocation(f.setId, offender.address)).to.deep.equal([0n, STAKES[2], leaveAt]);

      // the offence is dated at the start of the attestations' epoch: provable for the slasher's evidence age from
      // then (10 days), within the withdrawal delay (14 days) that holds the deallocation
      const signedAt = await d.operatorSets.epochStart(EPOCH);
      const maxAge = BigInt(d.config.maxEvidenceAge);
      const at = signedAt + maxAge;
      expect(at < leaveAt).to.equal(true);
      const requestId = await d.slashingManager.requestCount();
      await time.setNextBlockTimestamp(at);
      const bps = BigInt(d.config.mach.equivocationBps);
      await expect(proveFixtureEquivocation(f))
        .to.emit(d.slashingManager, "SlashRequested")
        .withArgs(...equivocationRequest(f, requestId, bps, at + (await d.slashingManager.vetoWindow())))
        .and.to.emit(f.mach, "EquivocationProven")
        .withArgs(offender.address, f.rollupAddress, L2_BLOCK, ROOT, OTHER_ROOT, requestId);
      expect(await d.operatorSets.epochAt(at)).to.equal(EPOCH + maxAge / (await d.operatorSets.epochLength()));
      expect(await d.registry.isJailed(offender.address)).to.equal(true);

      // a second later the other leaver's equivocation of the same epoch is too old to prove
      const keyB = keyOf(other);
      const a = await attestationOf(f, other, { root: ROOT, epoch: EPOCH });
      const b = await attestationOf(f, other, { root: OTHER_ROOT, epoch: EPOCH });
      await time.setNextBlockTimestamp(at + 1n);
      await expect(f.mach.proveEquivocation(f.rollupAddress, other.address, a, keyB, b, keyB))
        .to.be.revertedWithCustomError(d.slashingManager, "SlashingEvidenceTooOld")
        .withArgs(signedAt, maxAge);

      // at leaveAt: the offender cannot take what the set holds away while its request is pending; the other can
      await time.increaseTo(leaveAt);
      await expect(d.operatorSets.connect(offender.account).completeLeave(f.setId))
        .to.be.revertedWithCustomError(d.operatorSets, "SetsOperatorJailed")
        .withArgs(offender.address);
      await expect(d.operatorSets.connect(other.account).completeLeave(f.setId))
        .to.emit(d.operatorSets, "Left")
        .withArgs(f.setId, other.address);
    });

    it("dates an equivocation at the start of the later attestation's epoch, and one signed ahead of its epoch now", async function () {
      const f = await loadFixture(crossEpochFixture);
      const { d, offender, maxAge, key, a, b, later } = f;
      const prove = () =>
        f.mach.connect(f.reporter).proveEquivocation(f.rollupAddress, offender.address, a, key, b, key);
      // signed ahead of its epoch: dated now (the slashing manager refuses evidence from the future)
      expect((await time.latest()) < later).to.equal(true);
      expect(
        await f.mach
          .connect(f.reporter)
          .proveEquivocation.staticCall(f.rollupAddress, offender.address, a, key, b, key),
      ).to.equal(await d.slashingManager.requestCount());
      // dated at the later epoch's start, not the earlier one's: provable until it is maxAge old
      await time.setNextBlockTimestamp(later + maxAge + 1n);
      await expect(prove())
        .to.be.revertedWithCustomError(d.slashingManager, "SlashingEvidenceTooOld")
        .withArgs(later, maxAge);
      const requestId = await d.slashingManager.requestCount();
      await time.setNextBlockTimestamp(later + maxAge + 2n);
      await expect(prove()).to.be.revertedWithCustomError(d.slashingManager, "SlashingEvidenceTooOld");
      expect(await d.slashingManager.requestCount()).to.equal(requestId);
    });

    it("an equivocation is provable until the later attestation's epoch start is the slasher's evidence age old", async function () {
      const f = await loadFixture(crossEpochFixture);
      const { d, offender, maxAge, key, a, b, later } = f;
      const requestId = await d.slashingManager.requestCount();
      await time.setNextBlockTimestamp(later + maxAge);
      await expect(f.mach.connect(f.reporter).proveEquivocation(f.rollupAddress, offender.address, a, key, b, key))
        .to.emit(f.mach, "EquivocationProven")
        .withArgs(offender.address, f.rollupAddress, L2_BLOCK, ROOT, OTHER_ROOT, requestId);
    });

    it("attestations signed with a key rotated away still prove: each is checked against the key of its own epoch", async function () {
      const f = await loadFixture(machFixture);
      const { d } = f;
      const offender = f.ops[2];
      const oldKey = keyOf(offender);
      const a = await attestationOf(f, offender, { root: ROOT });
      const { rotated, publicKey, tx } = await rotation(f, offender, "mach:rotated:2");
      await (await tx).wait();
      await nextEpoch(d.operatorSets);
      const b = await attestationOf(f, rotated, { root: OTHER_ROOT });
      expect([a.epoch, b.epoch]).to.deep.equal([EPOCH, EPOCH + 1n]);
      const prove = (keyA: string, keyB: string) =>
        f.mach.connect(f.reporter).proveEquivocation(f.rollupAddress, offender.address, a, keyA, b, keyB);
      await expect(prove(publicKey, publicKey))
        .to.be.revertedWithCustomError(f.mach, "MachWrongKey")
        .withArgs(0, offender.address);
      await expect(prove(oldKey, oldKey))
        .to.be.revertedWithCustomError(f.mach, "MachWrongKey")
        .withArgs(1, offender.address);
      const requestId = await d.slashingManager.requestCount();
      const at = await nextTimestamp();
      const evidence = keccak256(
        coder.encode(
          ["bytes32", "bytes32"],
          [
            attestationHash(await attested(f, { root: ROOT, epoch: EPOCH })),
            attestationHash(await attested(f, { root: OTHER_ROOT, epoch: EPOCH + 1n })),
          ],
        ),
      );
      await expect(prove(oldKey, publicKey))
        .to.emit(d.slashingManager, "SlashRequested")
        .withArgs(
          requestId,
          offender.address,
          f.machAddress,
          f.setId,
          BigInt(d.config.mach.equivocationBps),
          encodeBytes32String("MACH_EQUIVOCATION"),
          evidence,
          f.reporter.address,
          at + (await d.slashingManager.vetoWindow()),
        )
        .and.to.emit(f.mach, "EquivocationProven")
        .withArgs(offender.address, f.rollupAddress, L2_BLOCK, ROOT, OTHER_ROOT, requestId);
    });

    it("refuses a rollup not registered in MACH", async function () {
      const f = await loadFixture(equivocationFixture);
      const rollup = await createRollup(f.d, f.creator, { chainId: 910_015, salt: id("mach:unregistered") });
      const address = await rollup.getAddress();
      await expect(f.mach.proveEquivocation(address, f.offender.address, f.a, f.key, f.b, f.key))
        .to.be.revertedWithCustomError(f.mach, "ServiceNotRegistered")
        .withArgs(address);
    });
  });

  describe("reportInvalidCertificate", function () {
    /** The evidence of a signer's report: keccak256(abi.encode(outputKey(rollup, block, root), operator)). */
    const evidenceOf = (f: Fixture, operator: string) =>
      keccak256(coder.encode(["bytes32", "address"], [outputKey(f.rollupAddress, L2_BLOCK, ROOT), operator]));

    it("the fixture: members {0, 1, 2} certified output 0, which VITAL then invalidated", async function () {
      const f = await loadFixture(invalidatedFixture);
      expect(await f.rollup.invalidatedAt(L2_BLOCK, ROOT)).to.equal(f.invalidatedAt);
      expect(await f.d.vital.invalidatedAt(f.rollupAddress, L2_BLOCK, ROOT)).to.equal(f.invalidatedAt);
      expect((await f.d.vital.challengeOf(f.challengeId)).result).to.equal(2n); // Invalidated
      expect(await f.rollup.outputCount()).to.equal(0n);
      expect([f.quorum.epoch, f.quorum.nonSigners]).to.deep.equal([EPOCH, addressesOf(f.ops, [3, 4])]);
      expect(await f.d.operatorSets.currentEpoch()).to.equal(EPOCH);
      for (const op of f.ops)
        expect(await f.mach.isReported(f.rollupAddress, L2_BLOCK, ROOT, op.address)).to.equal(false);
    });

    it("reports signers of the certified quorum: one slash request each, with its own evidence, its ALT redirected to the rollup's portal (no reporter share)", async function () {
      const f = await loadFixture(invalidatedFixture);
      const { d } = f;
      const firstId = await d.slashingManager.requestCount();
      const at = await nextTimestamp();
      const executableAt = at + (await d.slashingManager.vetoWindow());
      const bps = BigInt(d.config.mach.invalidCertificateBps);
      const reason = encodeBytes32String("MACH_INVALID_CERTIFICATE");
      // filed in the order given (not the address order)
      const [first, second] = [f.ops[2], f.ops[0]];
      const request = (requestId: bigint, op: Operator) => [
        requestId,
        op.address,
        f.machAddress,
        f.setId,
        bps,
        reason,
        evidenceOf(f, op.address),
        ethers.ZeroAddress,
        executableAt,
      ];
      const portal = await f.rollup.portal();
      await expect(report(f, f.quorum, [first.address, second.address]))
        .to.emit(d.slashingManager, "SlashRequested")
        .withArgs(...request(firstId, first))
        .and.to.emit(d.slashingManager, "SlashRequested")
        .withArgs(...request(firstId + 1n, second))
        .and.to.emit(d.slashingManager, "SlashRedirected")
        .withArgs(firstId, portal)
        .and.to.emit(d.slashingManager, "SlashRedirected")
        .withArgs(firstId + 1n, portal)
        .and.to.emit(f.mach, "InvalidCertificateReported")
        .withArgs(f.rollupAddress, L2_BLOCK, ROOT, first.address, firstId)
        .and.to.emit(f.mach, "InvalidCertificateReported")
        .withArgs(f.rollupAddress, L2_BLOCK, ROOT, second.address, firstId + 1n);
      expect(await d.slashingManager.requestCount()).to.equal(firstId + 2n);
      for (const [i, op] of [first, second].entries()) {
        const filed = await d.slashingManager.request(firstId + BigInt(i));
        expect([filed.operator, filed.setId, filed.bps, filed.status, filed.requestedAt, filed.reporter]).to.deep.equal(
          [op.address, f.setId, bps, Request.Pending, at, ethers.ZeroAddress],
        );
        expect(await d.slashingManager.recipientOf(firstId + BigInt(i))).to.equal(portal);
        expect(await d.registry.isJailed(op.address)).to.equal(true);
        expect(await f.mach.isReported(f.rollupAddress, L2_BLOCK, ROOT, op.address)).to.equal(true);
      }
      expect(await d.registry.isJailed(f.ops[1].address)).to.equal(false);
      expect(await f.mach.isReported(f.rollupAddress, L2_BLOCK, ROOT, f.ops[1].address)).to.equal(false);

      // the remaining signer, later, by anyone
      await expect(
        f.mach
          .connect(f.outsider)
          .reportInvalidCertificate(f.rollupAddress, 0, L2_BLOCK, ROOT, f.quorum, [f.ops[1].address]),
      )
        .to.emit(f.mach, "InvalidCertificateReported")
        .withArgs(f.rollupAddress, L2_BLOCK, ROOT, f.ops[1].address, firstId + 2n);
      expect(await d.registry.isJailed(f.ops[1].address)).to.equal(true);
    });

    it("an invalid certificate's slash, executed, makes good the portal's fast withdrawals: its ALT recovered into the portal", async function () {
      const f = await loadFixture(invalidatedFixture);
      const { d } = f;
      const portalAddress = await f.rollup.portal();
      const portal = await ethers.getContractAt("Portal", portalAddress);
      await expect(portal.recoverSlashProceeds()).to.be.revertedWithCustomError(d.registry, "RegistryZeroAmount");
      const firstId = await d.slashingManager.requestCount();
      const signers = [0, 1, 2];
      const reported = addressesOf(f.ops, signers); // (by address: one request each, in this order)
      await (await report(f, f.quorum, reported)).wait();
      await time.increaseTo((await d.slashingManager.request(firstId + 2n)).executableAt);
      const burnBefore = await d.registry.altToBurn();
      let slashed = 0n;
      for (const [i, address] of reported.entries()) {
        const member = f.ops.findIndex((op) => op.address === address);
        const requestId = firstId + BigInt(i);
        const [alt] = await d.slashingManager.execute.staticCall(requestId);
        // ALT-only members: the offence's fraction of what each allocated to the set, exactly
        expect(alt).to.equal((STAKES[member] * BigInt(d.config.mach.invalidCertificateBps)) / 10_000n);
        await (await d.slashingManager.execute(requestId)).wait();
        slashed += alt;
      }
      // nothing burned and no reporter share: the whole slash is the portal's, at least the cover MACH gave output 0
      expect(await d.registry.altToBurn()).to.equal(burnBefore);
      expect(await d.registry.slashProceeds(f.reporter.address, 0)).to.equal(0n);
      expect(await d.registry.slashProceeds(portalAddress, 0)).to.equal(slashed);
      expect(slashed).to.be.at.least(await machFastLimit(f.mach, sumOf(STAKES, signers)));
      const before = await d.token.balanceOf(portalAddress);
      await expect(portal.connect(f.outsider).recoverSlashProceeds())
        .to.emit(portal, "SlashProceedsRecovered")
        .withArgs(slashed, 0n);
      expect(await d.token.balanceOf(portalAddress)).to.equal(before + slashed);
      expect([await portal.fastRecovered(), await portal.fastDeficit()]).to.deep.equal([slashed, 0n]);
      expect(await d.registry.slashProceeds(portalAddress, 0)).to.equal(0n);
    });

    it("dates the offence when VITAL invalidated the output: reportable for the slasher's evidence age from then", async function () {
      const f = await loadFixture(invalidatedFixture);
      const maxAge = BigInt(f.d.config.maxEvidenceAge);
      // the quorum's epoch began before: the bound below is the invalidation's, not the signing's
      expect(f.invalidatedAt > (await f.d.operatorSets.epochStart(EPOCH))).to.equal(true);
      const requestId = await f.d.slashingManager.requestCount();
      await time.setNextBlockTimestamp(f.invalidatedAt + maxAge);
      await expect(report(f, f.quorum, [f.ops[0].address]))
        .to.emit(f.mach, "InvalidCertificateReported")
        .withArgs(f.rollupAddress, L2_BLOCK, ROOT, f.ops[0].address, requestId);
      await time.increaseTo(f.invalidatedAt + maxAge + 1n);
      await expect(report(f, f.quorum, [f.ops[1].address]))
        .to.be.revertedWithCustomError(f.d.slashingManager, "SlashingEvidenceTooOld")
        .withArgs(f.invalidatedAt, maxAge);
    });

    it("refuses a non-signer, an operator not counted in the quorum's epoch, and one reported already (MachNotReportable)", async function () {
      const f = await loadFixture(invalidatedFixture);
      const [nonSigner] = addressesOf(f.ops, [3, 4]);
      await expect(report(f, f.quorum, [nonSigner]))
        .to.be.revertedWithCustomError(f.mach, "MachNotReportable")
        .withArgs(nonSigner);
      const [outsider] = await addOperators(f.d, "mach-nonmember", [1_000n * ALT]);
      await expect(report(f, f.quorum, [outsider.address]))
        .to.be.revertedWithCustomError(f.mach, "MachNotReportable")
        .withArgs(outsider.address);
      await (await report(f, f.quorum, [f.ops[0].address])).wait();
      const requests = await f.d.slashingManager.requestCount();
      // reported already, alone, after a new one, and twice in one list: the whole report is refused
      for (const [operators, refused] of [
        [[f.ops[0].address], f.ops[0].address],
        [[f.ops[1].address, f.ops[0].address], f.ops[0].address],
        [[f.ops[1].address, f.ops[1].address], f.ops[1].address],
      ] as const) {
        await expect(report(f, f.quorum, [...operators]))
          .to.be.revertedWithCustomError(f.mach, "MachNotReportable")
          .withArgs(refused);
      }
      expect(await f.d.slashingManager.requestCount()).to.equal(requests);
      expect(await f.mach.isReported(f.rollupAddress, L2_BLOCK, ROOT, f.ops[1].address)).to.equal(false);
      expect(await f.d.registry.isJailed(f.ops[1].address)).to.equal(false);
    });

    it("a rotated-away key cannot frame its former operator: only a quorum of an epoch the output could be certified in is evidence", async function () {
      const f = await loadFixture(invalidatedFixture);
      const { proposedAt, invalidatedAt } = await f.rollup.invalidation(L2_BLOCK, ROOT);
      const from = (await f.d.operatorSets.epochAt(proposedAt)) - 1n;
      const until = await f.d.operatorSets.epochAt(invalidatedAt);
      expect([from, until]).to.deep.equal([EPOCH - 1n, EPOCH]);
      // a quorum of an epoch before the window (a key an operator rotated away from long ago, say) proves nothing
      // about this output, whatever it verifies against: refused before any check of its keys
      const early = { ...f.quorum, epoch: from - 1n };
      await expect(report(f, early, [f.ops[0].address]))
        .to.be.revertedWithCustomError(f.mach, "MachEpochOutOfRange")
        .withArgs(from - 1n, from, until);
      // nor one of an epoch after the invalidation, signed once the root was known to be wrong
      await nextEpoch(f.d.operatorSets);
      const late = await quorumOf(f, pick(f.ops, [0, 1, 2]), { epoch: until + 1n });
      await expect(report(f, late, [f.ops[0].address]))
        .to.be.revertedWithCustomError(f.mach, "MachEpochOutOfRange")
        .withArgs(until + 1n, from, until);
      // the window's own epochs are evidence
      await expect(report(f, f.quorum, [f.ops[0].address])).to.emit(f.mach, "InvalidCertificateReported");
    });

    it("a quorum never submitted as a certificate proves its signers signed the bad root, in any later epoch", async function () {
      const f = await loadFixture(invalidatedFixture);
      // member 3 signed output 0 too, alone (short of the threshold): nobody submitted it
      const alone = await quorumOf(f, [f.ops[3]], { epoch: EPOCH });
      await expect(report(f, f.quorum, [f.ops[3].address]))
        .to.be.revertedWithCustomError(f.mach, "MachNotReportable")
        .withArgs(f.ops[3].address);
      // no threshold and no recency: two epochs on (too late for a certificate), the signatures still prove
      await nextEpoch(f.d.operatorSets);
      await nextEpoch(f.d.operatorSets);
      const requestId = await f.d.slashingManager.requestCount();
      const executableAt = (await nextTimestamp()) + (await f.d.slashingManager.vetoWindow());
      await expect(report(f, alone, [f.ops[3].address]))
        .to.emit(f.d.slashingManager, "SlashRequested")
        .withArgs(
          requestId,
          f.ops[3].address,
          f.machAddress,
          f.setId,
          BigInt(f.d.config.mach.invalidCertificateBps),
          encodeBytes32String("MACH_INVALID_CERTIFICATE"),
          evidenceOf(f, f.ops[3].address),
          ethers.ZeroAddress, // no reporter share: the slash is the portal's
          executableAt,
        )
        .and.to.emit(f.mach, "InvalidCertificateReported")
        .withArgs(f.rollupAddress, L2_BLOCK, ROOT, f.ops[3].address, requestId);
      // that quorum lists member 0 as a non-signer; the certified one (of EPOCH) still reports it
      await expect(report(f, alone, [f.ops[0].address]))
        .to.be.revertedWithCustomError(f.mach, "MachNotReportable")
        .withArgs(f.ops[0].address);
      await expect(report(f, f.quorum, [f.ops[0].address]))
        .to.emit(f.mach, "InvalidCertificateReported")
        .withArgs(f.rollupAddress, L2_BLOCK, ROOT, f.ops[0].address, requestId + 1n);
    });

    it("an operator that did not sign the invalidated root cannot be reported: a quorum that does not verify over it is refused", async function () {
      const f = await loadFixture(invalidatedFixture);
      const digest = attestationHash(await attested(f, { epoch: EPOCH }));
      // member 2 listed as a signer without its signature: it cannot be framed
      await expect(
        report(f, { ...f.quorum, signature: signatureOf(pick(f.ops, [0, 1]), digest) }, [f.ops[2].address]),
      ).to.be.revertedWithCustomError(f.mach, "MachBadSignature");
      // members that signed another root for the block, or the root as another output index, did not sign this
      await expect(
        report(f, await quorumOf(f, pick(f.ops, [0, 1, 2]), { root: OTHER_ROOT }), [f.ops[0].address]),
      ).to.be.revertedWithCustomError(f.mach, "MachBadSignature");
      await expect(
        f.mach.reportInvalidCertificate(f.rollupAddress, 1, L2_BLOCK, ROOT, f.quorum, [f.ops[0].address]),
      ).to.be.revertedWithCustomError(f.mach, "MachBadSignature");
      // the aggregate key and the non-signers' keys are checked as for a certificate
      await expect(report(f, { ...f.quorum, aggregateKey: aggregateKeyOf(pick(f.ops, [0, 1, 2])) }, [f.ops[0].address]))
        .to.be.revertedWithCustomError(f.mach, "MachWrongAggregateKey")
        .withArgs(f.setId, EPOCH);
      await expect(
        report(f, { ...f.quorum, nonSignerKeys: packKeys(unpackKeys(f.quorum.nonSignerKeys).reverse()) }, [
          f.ops[0].address,
        ]),
      )
        .to.be.revertedWithCustomError(f.mach, "MachWrongKey")
        .withArgs(0, f.quorum.nonSigners[0]);
      // a quorum of an epoch before anyone counted
      await expect(report(f, await quorumOf(f, pick(f.ops, [0, 1, 2]), { epoch: EPOCH - 1n }), [f.ops[0].address]))
        .to.be.revertedWithCustomError(f.mach, "MachWrongAggregateKey")
        .withArgs(f.setId, EPOCH - 1n);
      expect(await f.d.registry.isJailed(f.ops[0].address)).to.equal(false);
    });

    it("refuses an output VITAL did not invalidate (MachNotInvalidated), and a rollup not registered", async function () {
      const f = await loadFixture(invalidatedFixture);
      for (const [block, root] of [
        [L2_BLOCK, OTHER_ROOT],
        [2n * L2_BLOCK, ROOT],
      ] as const) {
        await expect(f.mach.reportInvalidCertificate(f.rollupAddress, 0, block, root, f.quorum, [f.ops[0].address]))
          .to.be.revertedWithCustomError(f.mach, "MachNotInvalidated")
          .withArgs(f.rollupAddress, block, root);
      }
      const unregistered = await createRollup(f.d, f.creator, { chainId: 910_016, salt: id("mach:unregistered") });
      const address = await unregistered.getAddress();
      await expect(f.mach.reportInvalidCertificate(address, 0, L2_BLOCK, ROOT, f.quorum, [f.ops[0].address]))
        .to.be.revertedWithCustomError(f.mach, "ServiceNotRegistered")
        .withArgs(address);
    });

    it("refuses a certified output VITAL did not invalidate (MachNotInvalidated)", async function () {
      const f = await loadFixture(machFixture);
      const quorum = await quorumOf(f, pick(f.ops, [0, 1, 2]));
      await (await certify0(f, quorum)).wait();
      await expect(f.mach.reportInvalidCertificate(f.rollupAddress, 0, L2_BLOCK, ROOT, quorum, [f.ops[0].address]))
        .to.be.revertedWithCustomError(f.mach, "MachNotInvalidated")
        .withArgs(f.rollupAddress, L2_BLOCK, ROOT);
    });
  });

  describe("raiseAlert", function () {
    it("stores an alert signed by the threshold stake and moves the nonce on", async function () {
      const f = await loadFixture(machFixture);
      expect(await f.mach.alertNonce(f.rollupAddress)).to.equal(0n);
      const quorum = await alertQuorumOf(f, pick(f.ops, [0, 1, 2]), 0n);
      const at = await nextTimestamp();
      await expect(f.mach.connect(f.outsider).raiseAlert(f.rollupAddress, ALERT_REASON, quorum))
        .to.emit(f.mach, "AlertRaised")
        .withArgs(f.rollupAddress, ALERT_REASON, 0, EPOCH, addressesOf(f.ops, [3, 4]));
      const alert = await f.mach.alertOf(f.rollupAddress);
      expect([alert.reason, alert.raisedAt, alert.epoch]).to.deep.equal([ALERT_REASON, at, EPOCH]);
      expect(await f.mach.alertNonce(f.rollupAddress)).to.equal(1n);
    });

    it("refuses the same quorum for a second alert: the nonce it signed is spent", async function () {
      const f = await loadFixture(machFixture);
      const signers = pick(f.ops, [0, 1, 2]);
      const first = await alertQuorumOf(f, signers, 0n);
      await (await f.mach.raiseAlert(f.rollupAddress, ALERT_REASON, first)).wait();
      await expect(f.mach.raiseAlert(f.rollupAddress, ALERT_REASON, first)).to.be.revertedWithCustomError(
        f.mach,
        "MachBadSignature",
      );
      // an attestation is not an alert, nor is another reason's alert
      await expect(
        f.mach.raiseAlert(f.rollupAddress, ALERT_REASON, await quorumOf(f, signers)),
      ).to.be.revertedWithCustomError(f.mach, "MachBadSignature");
      const otherReason = await alertQuorumOf(f, signers, 1n, { reason: encodeBytes32String("OTHER") });
      await expect(f.mach.raiseAlert(f.rollupAddress, ALERT_REASON, otherReason)).to.be.revertedWithCustomError(
        f.mach,
        "MachBadSignature",
      );
      await expect(f.mach.raiseAlert(f.rollupAddress, ALERT_REASON, await alertQuorumOf(f, signers, 1n)))
        .to.emit(f.mach, "AlertRaised")
        .withArgs(f.rollupAddress, ALERT_REASON, 1, EPOCH, addressesOf(f.ops, [3, 4]));
      expect(await f.mach.alertNonce(f.rollupAddress)).to.equal(2n);
    });

    it("refuses an alert below the threshold or breaking a quorum's rules, leaving the nonce unspent", async function () {
      const f = await loadFixture(machFixture);
      const raise = (quorum: Quorum) => f.mach.raiseAlert(f.rollupAddress, ALERT_REASON, quorum);
      await expect(raise(await alertQuorumOf(f, pick(f.ops, [0, 1, 3]), 0n)))
        .to.be.revertedWithCustomError(f.mach, "MachBelowThreshold")
        .withArgs(sumOf(STAKES, [0, 1, 3]), TOTAL_STAKE, DEFAULT_THRESHOLD_BPS);
      expect(await f.mach.alertNonce(f.rollupAddress)).to.equal(0n);
      expect((await f.mach.alertOf(f.rollupAddress)).raisedAt).to.equal(0n);
      await expect(raise(await alertQuorumOf(f, [], 0n))).to.be.revertedWithCustomError(f.mach, "MachEmptyCertificate");
      const quorum = await alertQuorumOf(f, pick(f.ops, [0, 1, 2]), 0n);
      await expect(
        raise({
          ...quorum,
          nonSigners: [...quorum.nonSigners].reverse(),
          nonSignerKeys: packKeys(unpackKeys(quorum.nonSignerKeys).reverse()),
        }),
      )
        .to.be.revertedWithCustomError(f.mach, "MachNonSignersNotSorted")
        .withArgs(1);
      await expect(raise({ ...quorum, nonSignerKeys: packKeys(unpackKeys(quorum.nonSignerKeys).slice(0, 1)) }))
        .to.be.revertedWithCustomError(f.mach, "MachBadLength")
        .withArgs(2, 192);
      await expect(raise({ ...quorum, nonSignerKeys: packKeys(unpackKeys(quorum.nonSignerKeys).reverse()) }))
        .to.be.revertedWithCustomError(f.mach, "MachWrongKey")
        .withArgs(0, quorum.nonSigners[0]);
      await expect(raise({ ...quorum, aggregateKey: NO_KEY }))
        .to.be.revertedWithCustomError(f.mach, "MachWrongAggregateKey")
        .withArgs(f.setId, EPOCH);
      await expect(raise(await alertQuorumOf(f, pick(f.ops, [0, 1, 2]), 0n, { epoch: EPOCH + 1n })))
        .to.be.revertedWithCustomError(f.mach, "MachStaleEpoch")
        .withArgs(EPOCH + 1n, EPOCH);
      expect(await f.mach.alertNonce(f.rollupAddress)).to.equal(0n);
      const rollup = await createRollup(f.d, f.creator, { chainId: 910_017, salt: id("mach:unregistered") });
      const address = await rollup.getAddress();
      await expect(f.mach.raiseAlert(address, ALERT_REASON, quorum))
        .to.be.revertedWithCustomError(f.mach, "ServiceNotRegistered")
        .withArgs(address);
      // the quorum itself was good all along
      await expect(raise(quorum)).to.emit(f.mach, "AlertRaised");
    });
  });

  describe("clearAlert", function () {
    async function alertedFixture() {
      const f = await loadFixture(machFixture);
      const quorum = await alertQuorumOf(f, pick(f.ops, [0, 1, 2]), 0n);
      await (await f.mach.raiseAlert(f.rollupAddress, ALERT_REASON, quorum)).wait();
      return f;
    }

    it("the rollup's owner lowers the flag", async function () {
      const f = await loadFixture(alertedFixture);
      expect(await f.rollup.owner()).to.equal(f.creator.address);
      await expect(f.mach.connect(f.creator).clearAlert(f.rollupAddress))
        .to.emit(f.mach, "AlertCleared")
        .withArgs(f.rollupAddress, f.creator.address);
      const alert = await f.mach.alertOf(f.rollupAddress);
      expect([alert.reason, alert.raisedAt, alert.epoch]).to.deep.equal([ZeroHash, 0n, 0n]);
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

    it("refuses anyone else (MachNotOwnerOrCouncil), and a rollup without an alert (MachNoAlert)", async function () {
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
      const f = await loadFixture(invalidatedFixture);
      await expect(f.mach.setOffenceBps(700, 300)).to.emit(f.mach, "OffenceBpsUpdated").withArgs(700, 300);
      expect(await f.mach.offenceBps()).to.deep.equal([700n, 300n]);
      // the next equivocation and the next invalid certificate request the new fractions
      const offender = f.ops[2];
      const a = await attestationOf(f, offender, { root: ROOT });
      const b = await attestationOf(f, offender, { root: OTHER_ROOT });
      const key = keyOf(offender);
      const requestId = await f.d.slashingManager.requestCount();
      await (await f.mach.proveEquivocation(f.rollupAddress, offender.address, a, key, b, key)).wait();
      await (await report(f, f.quorum, [f.ops[0].address])).wait();
      expect((await f.d.slashingManager.request(requestId)).bps).to.equal(700n);
      expect((await f.d.slashingManager.request(requestId + 1n)).bps).to.equal(300n);
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
      const a = await attestationOf(f, f.ops[2], { root: ROOT });
      const b = await attestationOf(f, f.ops[2], { root: OTHER_ROOT });
      const key = keyOf(f.ops[2]);
      const requestId = await f.d.slashingManager.requestCount();
      await expect(f.mach.proveEquivocation(f.rollupAddress, f.ops[2].address, a, key, b, key))
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
