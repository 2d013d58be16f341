// The MACH tasks (tasks/mach.ts) against the staged deployment of `servicesTaskFixture`, its four operators with BLS
// keys: key generation and registration (rotation included), attestations and alerts signed with the BLS secret key of
// an environment variable into files, certificates and alerts raised as quorums (aggregate signature, aggregate key and
// non-signers) from files and directories, equivocation proofs and reports of the signers of an output VITAL
// invalidated. Every signature is recomputed independently (over the contract's own digests) and checked with a pairing;
// every quorum is rebuilt here from the operators' keys and compared with the calldata the task sent; every on-chain
// effect (output status, slash request, jail, alert, aggregate key) is read back. Refusals are one line and send
// nothing.
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { bls12_381 } from "@noble/curves/bls12-381";
import { AbiCoder, ZeroAddress, ZeroHash, encodeBytes32String, getBytes, id, keccak256, Wallet } from "ethers";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "fs";
import path from "path";
import { servicesTaskFixture, OPERATOR_STAKES, type TaskOperator } from "../helpers/serviceTasks";
import { attest, byAddress, createRollup, machFastLimit } from "../helpers/services";
import { SERVICE } from "../helpers/rollups";
import { ALT } from "../helpers/constants";
import { asJson, expectRefused, load, runTask, task, tempDir, expectTx, transaction } from "../helpers/tasks";
import { nextEpoch } from "../helpers/time";
import { formatAlt } from "../../tasks/lib/cli";
import { outputRootOf } from "../../tasks/lib/rollups";
import { RESTAKING_KEYS } from "../../tasks/lib/restaking";
import { recordInProcess } from "../../tasks/lib/addressBook";
import type { TickResult } from "../../tasks/lib/keeper";
import { blsSecretFrom, keyRegistration, MACH_DOMAIN, NO_KEY, packKeys } from "../../tasks/lib/mach";
import {
  aggregateG1,
  aggregateG2,
  decodeG1,
  decodeG2,
  encodeG1,
  encodeG2,
  hashToG1,
  ORDER,
  publicKeyOf,
} from "../../tasks/lib/bls";
import type { BlsKeyRegistry } from "../../typechain-types";

const coder = AbiCoder.defaultAbiCoder();

/** The variable the tests hand the BLS secret key in (never set outside `withEnv`). */
const KEY_ENV = "ALT_TEST_MACH_BLS_KEY";
/** The tasks' default --key-env. */
const DEFAULT_KEY_ENV = "ALT_BLS_KEY";
/** The state roots the fixture proposes for outputs 0 and 1 (L2 blocks 1,800 and 3,600: the OP Stack interval). */
const STATE_ROOTS = [id("mach-task-root-0"), id("mach-task-root-1")];
const INTERVAL = 1_800n;
/** Their output roots, what MACH members sign: proposed before any batch, output 1 on output 0. */
const ROOTS = STATE_ROOTS.reduce<string[]>(
  (roots, stateRoot, i) => [
    ...roots,
    outputRootOf({
      l2BlockNumber: BigInt(i + 1) * INTERVAL,
      stateRoot,
      batchCount: 0n,
      batchRoot: ZeroHash,
      parentRoot: roots[i - 1],
    }),
  ],
  [],
);
/** A root nobody proposed: what an equivocating member signs besides the proposed one. */
const FORGED = id("mach-task-forged-root");
/** IRollup.OutputStatus, ISlashingManager.Status */
const OutputStatus = { Proposed: 1n, FastFinalized: 2n, Finalized: 3n } as const;
const SlashStatus = { Pending: 1n } as const;
const EQUIVOCATION = encodeBytes32String("MACH_EQUIVOCATION");
const INVALID_CERTIFICATE = encodeBytes32String("MACH_INVALID_CERTIFICATE");
/** deploy/parameters/hardhat.json services.mach.equivocationBps and invalidCertificateBps */
const EQUIVOCATION_BPS = 1_000n;
const INVALID_CERTIFICATE_BPS = 500n;
/** RollupFactory.DEFAULT_FAST_FINALITY_BPS: the fixture's rollups keep it. */
const THRESHOLD_BPS = 6_667n;
const KEYGEN_WARNING =
  "keep the secret key safe and private: it is stored nowhere, and whoever holds it signs for your operator " +
  "(give it to mach register-key, mach attest and mach alert in $ALT_BLS_KEY)";

interface TxReport {
  hash: string;
  gasUsed: string;
  block: number;
}

interface SignedFile {
  kind: "attestation" | "alert";
  chainId: string;
  mach: string;
  rollup: string;
  operator: string;
  message: Record<string, string>;
  signature: string;
}

interface KeyResult {
  operator: string;
  publicKey: string;
  countsFrom: bigint;
  previousKey: string | null;
  sets: { setId: bigint; aggregateKey: string }[];
  tx: TxReport;
}

/** What mach certify and mach alert report of the quorum they sent. */
interface QuorumResult {
  epoch: bigint;
  signers: string[];
  nonSigners: string[];
  signedStake: bigint;
  totalStake: bigint;
  thresholdBps: bigint;
  tx: TxReport;
}

interface CertifyResult extends QuorumResult {
  rollup: string;
  output: bigint;
  l2BlockNumber: bigint;
  root: string;
}

interface EquivocationResult {
  operator: string;
  rollup: string;
  l2BlockNumber: bigint;
  requestId: bigint;
  tx: TxReport;
}

interface AlertResult extends QuorumResult {
  rollup: string;
  reason: string;
  nonce: string;
}

interface ReportResult {
  rollup: string;
  outputIndex: bigint;
  l2BlockNumber: bigint;
  root: string;
  reports: { epoch: bigint; operators: string[]; requestIds: bigint[]; tx: TxReport }[];
}

/** An operator of the fixture with its BLS secret key. */
type MachOperator = TaskOperator & { bls: bigint };

const txLine = (what: string, tx: TxReport) => `${what}: tx ${tx.hash} (gas ${tx.gasUsed}, block ${tx.block})`;
const blockTime = async (block: number) => BigInt((await hre.ethers.provider.getBlock(block))!.timestamp);
/** A secret key as the environment holds it: 0x and 64 hex digits. */
const hex = (secret: bigint) => "0x" + secret.toString(16).padStart(64, "0");
/** An operator's public key (G2, EIP-2537), from its secret by noble. */
const pk = (op: { bls: bigint }) => encodeG2(publicKeyOf(op.bls));
/** The sum of operators' public keys: a set's aggregate key. */
const aggregateKey = (ops: { bls: bigint }[]) => encodeG2(aggregateG2(ops.map((op) => publicKeyOf(op.bls))));
/** BlsKeyRegistry's key hash: the low 208 bits of keccak256 of the 256-byte key. */
const keyHash = (key: string) => BigInt(keccak256(key)) & ((1n << 208n) - 1n);
/** What the register-key task prints of a key. */
const short = (key: string) => `${key.slice(0, 10)}…${key.slice(-8)}`;
/** Addresses sorted as MACH wants non-signers. */
const sorted = (ops: { address: string }[]) => ops.map((op) => op.address).sort(byAddress);
/** A signature (G1) checked with one pairing equation by noble, over a MachService digest. */
const verifies = (publicKey: string, digest: string, signature: string) =>
  bls12_381.verifyShortSignature(decodeG1(signature), hashToG1(getBytes(digest), MACH_DOMAIN), decodeG2(publicKey));

/** Runs `run` with $name set to `value` (unset if undefined), then restores what the variable was. */
async function withEnv<T>(name: string, value: string | undefined, run: () => Promise<T>): Promise<T> {
  const previous = process.env[name];
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  try {
    return await run();
  } finally {
    if (previous === undefined) delete process.env[name];
    else process.env[name] = previous;
  }
}

describe("mach tasks", function () {
  const files = tempDir("alt-mach-task-");
  after(files.remove);

  /**
   * The fixture's rollup (chain 5001) registered in MACH, operators 0..3 with BLS keys and all their stake in its set,
   * keys and allocations counted from the fresh epoch the chain is in, outputs 0 and 1 proposed; `other` (chain 5003):
   * a MACH rollup, NOT registered, with an output at the same L2 block as output 0.
   */
  async function machFixture() {
    const f = await loadFixture(servicesTaskFixture);
    const { mach, sets, rollup, rollupAddress, creator, factory } = f;
    const blsKeys = (await hre.ethers.getContractAt(
      "BlsKeyRegistry",
      f.book[RESTAKING_KEYS.blsKeyRegistry],
    )) as unknown as BlsKeyRegistry;
    const operators: MachOperator[] = f.operators.map((op, i) => ({
      ...op,
      bls: blsSecretFrom(`mach-task-operator:${i}`),
    }));
    // keys registered by the contract (mach register-key is tested on its own), counting from the next epoch
    for (const op of operators) {
      const { publicKey, proof } = await keyRegistration(blsKeys, op.address, op.bls);
      await (await blsKeys.connect(op.signer).registerKey(publicKey, proof)).wait();
    }
    await (await mach.registerRollup(rollupAddress)).wait();
    const setId = await mach.setIdOf(rollupAddress);
    for (const op of operators) {
      await (await sets.connect(op.signer).join(setId, await sets.freeStake(op.address))).wait();
    }
    // the start of the next epoch, when keys and allocations count: a whole epoch for the suite, never epoch 0
    const epoch = await nextEpoch(sets);
    const interval = await rollup.outputInterval();
    expect(interval).to.equal(INTERVAL);
    const blocks = [interval, 2n * interval];
    for (const [i, root] of STATE_ROOTS.entries()) {
      await (await rollup.connect(creator).proposeOutput(blocks[i], root, ZeroHash)).wait();
      expect((await rollup.output(i)).root).to.equal(ROOTS[i]);
    }
    const other = await createRollup({ factory }, creator, {
      chainId: 5003,
      salt: id("mach-tasks:other"),
      services: SERVICE.MACH,
    });
    await (await other.connect(creator).proposeOutput(blocks[0], STATE_ROOTS[0], ZeroHash)).wait();
    const members = operators.map((op) => op.address);
    const counted = await sets.allocationsAt(setId, members, epoch);
    return {
      ...f,
      operators,
      blsKeys,
      blsKeysAddress: await blsKeys.getAddress(),
      setId,
      epoch,
      blocks,
      other,
      otherAddress: await other.getAddress(),
      machAddress: await mach.getAddress(),
      chainId: (await hre.ethers.provider.getNetwork()).chainId,
      /** What each operator has counted in the set in the fixture's epoch. */
      stakeOf: (op: TaskOperator) => counted[members.indexOf(op.address)],
      totalStake: await sets.setStakeAt(setId, epoch),
    };
  }

  type Fixture = Awaited<ReturnType<typeof machFixture>>;

  /** Account 15 registers as an operator (no BLS key) staking `stake` ALT to itself; its BLS secret is given. */
  async function newOperator(f: Fixture, stake = 500_000n * ALT): Promise<MachOperator> {
    const { outsider, registry } = f;
    await (await registry.connect(outsider).registerOperator("ipfs://newcomer", 0)).wait();
    await (await f.token.connect(outsider).approve(await registry.getAddress(), stake)).wait();
    await (await registry.connect(outsider).stake(outsider.address, 0, stake)).wait();
    return { signer: outsider, address: outsider.address, bls: blsSecretFrom("mach-task-newcomer") };
  }

  /** Registers `secret` as `op`'s BLS key by the contract (a rotation if it has one). */
  async function registerKey(f: Fixture, op: TaskOperator, secret: bigint) {
    const { publicKey, proof } = await keyRegistration(f.blsKeys, op.address, secret);
    await (await f.blsKeys.connect(op.signer).registerKey(publicKey, proof)).wait();
  }

  /** What `mach attest` must write: the attestation signed independently (test/helpers/services.ts). */
  async function expectedAttestation(
    f: Fixture,
    op: MachOperator,
    output: number,
    options: { root?: string; epoch?: bigint; rollup?: string } = {},
  ): Promise<SignedFile> {
    const rollup = options.rollup ?? f.rollupAddress;
    const [block, root, epoch] = [f.blocks[output], options.root ?? ROOTS[output], options.epoch ?? f.epoch];
    return {
      kind: "attestation",
      chainId: f.chainId.toString(),
      mach: f.machAddress,
      rollup,
      operator: op.address,
      message: {
        outputIndex: output.toString(),
        l2BlockNumber: block.toString(),
        outputRoot: root,
        epoch: epoch.toString(),
      },
      signature: await attest(f.mach, op, rollup, BigInt(output), block, root, epoch),
    };
  }

  /** The quorum of `signers`' signatures in `epoch` with every other operator of `counted` a non-signer, by hand. */
  function expectedQuorum(epoch: bigint, signatures: string[], signers: MachOperator[], counted: MachOperator[]) {
    const nonSigners = counted.filter((op) => !signers.includes(op)).sort((a, b) => byAddress(a.address, b.address));
    return {
      epoch,
      signature: encodeG1(aggregateG1(signatures.map((s) => decodeG1(s)))),
      aggregateKey: aggregateKey(counted),
      nonSigners: nonSigners.map((op) => op.address),
      nonSignerKeys: packKeys(nonSigners.map(pk)),
    };
  }

  /** Signs an attestation of `output` with `op`'s BLS key through `mach attest` (the key in $KEY_ENV). */
  async function attestFile(
    name: string,
    op: MachOperator,
    output: number,
    options: { root?: string; rollup?: string; epoch?: bigint } = {},
  ): Promise<string> {
    const out = files.path(name);
    await withEnv(KEY_ENV, hex(op.bls), () =>
      task("mach attest", {
        rollup: options.rollup ?? "5001",
        output: String(output),
        root: options.root,
        epoch: options.epoch?.toString(),
        out,
        keyEnv: KEY_ENV,
        operator: op.address,
        json: true,
      }),
    );
    return out;
  }

  /** Signs an alert with `op`'s BLS key through `mach alert --out`. */
  async function alertFile(name: string, op: MachOperator, reason: string): Promise<string> {
    const out = files.path(name);
    await withEnv(KEY_ENV, hex(op.bls), () =>
      task("mach alert", { rollup: "5001", reason, out, keyEnv: KEY_ENV, operator: op.address, json: true }),
    );
    return out;
  }

  /** Signs attestations of `output` by each of `ops` in turn, as files `${prefix}-0.json`, `${prefix}-1.json`, … */
  async function attestFiles(
    prefix: string,
    ops: MachOperator[],
    output: number,
    options: { root?: string; rollup?: string; epoch?: bigint } = {},
  ): Promise<string[]> {
    const signed: string[] = [];
    for (const [i, op] of ops.entries()) signed.push(await attestFile(`${prefix}-${i}.json`, op, output, options));
    return signed;
  }

  /** Certifies `output` of the fixture's rollup (chain 5001) with `attestations` through `mach certify --json`. */
  const certify = (attestations: string, output = "0") =>
    task<CertifyResult>("mach certify", { rollup: "5001", output, attestations, json: true });

  /** A fresh sub-directory of the suite's temporary directory. */
  function directory(name: string): string {
    const dir = files.path(name);
    mkdirSync(dir);
    return dir;
  }

  /** A copy of a signed file with `change` applied, written as `name`. */
  function altered(name: string, source: string, change: (s: SignedFile) => object): string {
    return files.write(name, change(JSON.parse(readFileSync(source, "utf8")) as SignedFile));
  }

  describe("mach keygen", function () {
    it("prints a fresh secret key in [1, r) and its public key, and warns to keep the secret (text mode, nothing sent)", async function () {
      await load(machFixture);
      const block = await hre.ethers.provider.getBlockNumber();
      const { result, lines } = await runTask<{ secret: string; publicKey: string }>("mach keygen", { json: false });
      expect(result.secret).to.match(/^0x[0-9a-f]{64}$/);
      const secret = BigInt(result.secret);
      expect(secret >= 1n && secret < ORDER).to.equal(true);
      expect(result.publicKey).to.equal(encodeG2(publicKeyOf(secret)));
      expect(lines).to.deep.equal([
        `BLS secret key: ${result.secret}`,
        `BLS public key: ${result.publicKey}`,
        KEYGEN_WARNING,
      ]);
      // random: another run, another key
      const again = await task<{ secret: string }>("mach keygen", { json: true });
      expect(again.secret).not.to.equal(result.secret);
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
    });

    it("prints JSON (the warning after it), and the key it makes registers as is", async function () {
      const f = await load(machFixture);
      const { result, lines } = await runTask<{ secret: string; publicKey: string }>("mach keygen", { json: true });
      expect(Object.keys(result)).to.deep.equal(["secret", "publicKey"]);
      expect(JSON.parse(lines.slice(0, -1).join("\n"))).to.deep.equal(result);
      expect(lines.at(-1)).to.equal(KEYGEN_WARNING);
      const op = await newOperator(f);
      const registered = await withEnv(DEFAULT_KEY_ENV, result.secret, () =>
        task<KeyResult>("mach register-key", { from: op.address, json: true }),
      );
      expect(registered.publicKey).to.equal(result.publicKey);
      expect(await f.blsKeys.keyOf(op.address)).to.equal(result.publicKey);
    });
  });

  describe("mach register-key", function () {
    it("registers a new operator's key with its proof of possession, counting from the next epoch (text mode); it may join MACH then", async function () {
      const f = await load(machFixture);
      const op = await newOperator(f);
      const current = await f.sets.currentEpoch();
      const { publicKey, proof } = await keyRegistration(f.blsKeys, op.address, op.bls);
      expect(publicKey).to.equal(pk(op));
      const { result, lines } = await withEnv(KEY_ENV, hex(op.bls), () =>
        runTask<KeyResult>("mach register-key", { keyEnv: KEY_ENV, from: op.address, json: false }),
      );
      expect(process.env[KEY_ENV]).to.equal(undefined);
      expect(result).to.deep.equal({
        operator: op.address,
        publicKey,
        countsFrom: current + 1n,
        previousKey: null,
        sets: [],
        tx: result.tx,
      });
      expect(lines).to.deep.equal([
        txLine(
          `BLS key ${short(publicKey)} registered for ${op.address}: it counts from epoch ${current + 1n}`,
          result.tx,
        ),
      ]);
      await expectTx(result.tx, op.address, f.blsKeysAddress);
      expect((await hre.ethers.provider.getTransaction(result.tx.hash))!.data).to.equal(
        f.blsKeys.interface.encodeFunctionData("registerKey", [publicKey, proof]),
      );
      const sent = hre.ethers.provider.getTransaction(result.tx.hash);
      await expect(sent)
        .to.emit(f.blsKeys, "KeyRegistered")
        .withArgs(op.address, publicKey, current + 1n);
      await expect(sent).not.to.emit(f.blsKeys, "AggregateKeyUpdated");
      expect(await f.blsKeys.keyOf(op.address)).to.equal(publicKey);
      expect(await f.blsKeys.keyHashAt(op.address, current)).to.equal(0n);
      expect(await f.blsKeys.keyHashAt(op.address, current + 1n)).to.equal(keyHash(publicKey));
      // the join is refused without a key (service join's tests); with it, the key joins the aggregate with the stake
      await task("service join", { service: "mach", rollup: "5001", from: op.address, json: true });
      expect(await f.blsKeys.aggregateKeyOf(f.setId)).to.equal(aggregateKey([...f.operators, op]));
      expect(await f.blsKeys.aggregateKeyHashAt(f.setId, current)).to.equal(keyHash(aggregateKey(f.operators)));
    });

    it("rotates a member's key (--json, $ALT_BLS_KEY): the aggregate keys of both MACH sets it counts in move from the next epoch, not its VITAL set", async function () {
      const f = await load(machFixture);
      const op1 = f.operators[1];
      // operator 1 also in rollup 5003's MACH set and in rollup 5001's VITAL set, with new stake
      const extra = 150_000n * ALT;
      await (await f.token.connect(op1.signer).approve(await f.registry.getAddress(), extra)).wait();
      await (await f.registry.connect(op1.signer).stake(op1.address, 0, extra)).wait();
      await (await f.mach.registerRollup(f.otherAddress)).wait();
      const otherSet = await f.mach.setIdOf(f.otherAddress);
      await (await f.sets.connect(op1.signer).join(otherSet, 100_000n * ALT)).wait();
      await (await f.vital.registerRollup(f.rollupAddress)).wait();
      const vitalSet = await f.vital.setIdOf(f.rollupAddress);
      await (await f.sets.connect(op1.signer).join(vitalSet, 50_000n * ALT)).wait();
      const rotated = { ...op1, bls: blsSecretFrom("mach-task-rotated:1") };
      const current = await f.sets.currentEpoch();
      const { result, lines } = await withEnv(DEFAULT_KEY_ENV, hex(rotated.bls), () =>
        runTask<KeyResult>("mach register-key", { from: op1.address, json: true }),
      );
      const after = [f.operators[0], rotated, f.operators[2], f.operators[3]];
      const expected = {
        operator: op1.address,
        publicKey: pk(rotated),
        countsFrom: current + 1n,
        previousKey: pk(op1),
        // in the order the operator joined them
        sets: [
          { setId: f.setId, aggregateKey: aggregateKey(after) },
          { setId: otherSet, aggregateKey: pk(rotated) },
        ],
        tx: result.tx,
      };
      expect(result).to.deep.equal(expected);
      expect(JSON.parse(lines.join("\n"))).to.deep.equal(asJson(expected));
      await expectTx(result.tx, op1.address, f.blsKeysAddress);
      await expect(hre.ethers.provider.getTransaction(result.tx.hash))
        .to.emit(f.blsKeys, "AggregateKeyUpdated")
        .withArgs(f.setId, aggregateKey(after), current + 1n)
        .and.to.emit(f.blsKeys, "AggregateKeyUpdated")
        .withArgs(otherSet, pk(rotated), current + 1n)
        .and.to.emit(f.blsKeys, "KeyRegistered")
        .withArgs(op1.address, pk(rotated), current + 1n);
      // nothing counted changes: the old key and aggregates in this epoch, the new ones from the next
      expect(await f.blsKeys.keyHashAt(op1.address, current)).to.equal(keyHash(pk(op1)));
      expect(await f.blsKeys.keyHashAt(op1.address, current + 1n)).to.equal(keyHash(pk(rotated)));
      expect(await f.blsKeys.aggregateKeyHashAt(f.setId, current)).to.equal(keyHash(aggregateKey(f.operators)));
      expect(await f.blsKeys.aggregateKeyHashAt(f.setId, current + 1n)).to.equal(keyHash(aggregateKey(after)));
      expect(await f.blsKeys.aggregateKeyOf(vitalSet)).to.equal(NO_KEY);
    });

    it("says which MACH sets move and which key signs when (text mode), and that a key replaced in its own epoch never counted", async function () {
      const f = await load(machFixture);
      const op2 = f.operators[2];
      const rotated = { ...op2, bls: blsSecretFrom("mach-task-rotated:2") };
      const next = (await f.sets.currentEpoch()) + 1n;
      const { result, lines } = await withEnv(KEY_ENV, hex(rotated.bls), () =>
        runTask<KeyResult>("mach register-key", { keyEnv: KEY_ENV, from: op2.address, json: false }),
      );
      expect(lines).to.deep.equal([
        txLine(
          `BLS key ${short(pk(rotated))} registered for ${op2.address}, replacing ${short(pk(op2))}: it counts from epoch ${next}`,
          result.tx,
        ),
        `  the aggregate keys of MACH sets ${f.setId} move to it from epoch ${next}`,
        `  sign with the previous key through epoch ${next - 1n}, with this one from epoch ${next}`,
      ]);
      // a newcomer in no set registers twice in one epoch: the first key never counts
      const op = await newOperator(f);
      await registerKey(f, op, op.bls);
      const again = { ...op, bls: blsSecretFrom("mach-task-newcomer:again") };
      const second = await withEnv(KEY_ENV, hex(again.bls), () =>
        runTask<KeyResult>("mach register-key", { keyEnv: KEY_ENV, from: op.address, json: false }),
      );
      expect(second.lines).to.deep.equal([
        txLine(
          `BLS key ${short(pk(again))} registered for ${op.address}, replacing ${short(pk(op))}: it counts from epoch ${next}`,
          second.result.tx,
        ),
        `  ${op.address} counts in no MACH set: no aggregate key moves`,
        "  the previous key never counted: this one replaces it from its first epoch",
      ]);
      expect(await f.blsKeys.keyHashAt(op.address, next)).to.equal(keyHash(pk(again)));
    });

    it("refuses a missing or invalid secret, a non-operator, the sender's own key and another operator's key, sending nothing", async function () {
      const f = await load(machFixture);
      const [op0] = f.operators;
      const args = { keyEnv: KEY_ENV, from: op0.address, json: true };
      for (const value of [undefined, ""]) {
        await withEnv(DEFAULT_KEY_ENV, value, () =>
          expectRefused(
            "mach register-key",
            { from: op0.address, json: true },
            "$ALT_BLS_KEY is not set: it must hold the operator's BLS secret key (npx hardhat mach keygen makes one)",
          ),
        );
      }
      for (const value of ["0x1234", hex(op0.bls).slice(2), hex(op0.bls) + "00", "0x" + "zz".repeat(32)]) {
        await withEnv(KEY_ENV, value, () =>
          expectRefused(
            "mach register-key",
            args,
            `$${KEY_ENV} is not a BLS secret key: 0x and 64 hex digits expected`,
          ),
        );
      }
      for (const value of [0n, ORDER, 2n ** 256n - 1n]) {
        await withEnv(KEY_ENV, hex(value), () =>
          expectRefused(
            "mach register-key",
            args,
            `$${KEY_ENV} is not a BLS secret key: it must be at least 1 and below the BLS12-381 group order`,
          ),
        );
      }
      await withEnv(KEY_ENV, hex(blsSecretFrom("mach-task-outsider")), async () => {
        await expectRefused(
          "mach register-key",
          { ...args, from: f.outsider.address },
          `${f.outsider.address} is not an operator (operator register first)`,
        );
        const stranger = new Wallet(id("mach-task-stranger")).address;
        await expectRefused(
          "mach register-key",
          { ...args, from: stranger },
          `--from ${stranger} is not an account of network hardhat`,
        );
      });
      await withEnv(KEY_ENV, hex(op0.bls), () =>
        expectRefused("mach register-key", args, `${op0.address} has this BLS key already (from epoch ${f.epoch})`),
      );
      // a key belongs to one operator forever: the newcomer's proof for operator 0's key is its own, yet refused
      const op = await newOperator(f);
      await withEnv(KEY_ENV, hex(op0.bls), () =>
        expectRefused(
          "mach register-key",
          { ...args, from: op.address },
          `the key in $${KEY_ENV} is ${op0.address}'s BLS key: a key belongs to one operator forever`,
        ),
      );
      expect(await f.blsKeys.keyOf(op.address)).to.equal("0x");
      expect(await f.blsKeys.keyOf(op0.address)).to.equal(pk(op0));
      // nor back to a key rotated away
      await registerKey(f, op0, blsSecretFrom("mach-task-rotated:0"));
      await withEnv(KEY_ENV, hex(op0.bls), () =>
        expectRefused(
          "mach register-key",
          args,
          `the key in $${KEY_ENV} was ${op0.address}'s BLS key before: a key is registered once, forever`,
        ),
      );
      expect(await f.blsKeys.keyOf(op0.address)).to.equal(pk({ bls: blsSecretFrom("mach-task-rotated:0") }));
    });
  });

  describe("mach attest", function () {
    it("signs for --operator with the key in --key-env, in the current epoch, and writes the file (text mode, nothing sent)", async function () {
      const f = await load(machFixture);
      const op = f.operators[1];
      const out = files.path("attest-env.json");
      const block = await hre.ethers.provider.getBlockNumber();
      const { result, lines } = await withEnv(KEY_ENV, hex(op.bls), () =>
        runTask<SignedFile>("mach attest", {
          rollup: "5001",
          output: "0",
          out,
          keyEnv: KEY_ENV,
          operator: op.address,
          json: false,
        }),
      );
      expect(process.env[KEY_ENV]).to.equal(undefined);
      const expected = await expectedAttestation(f, op, 0);
      expect(readFileSync(out, "utf8")).to.equal(JSON.stringify(expected, null, 2) + "\n");
      expect(result).to.deep.equal(expected);
      expect(lines).to.deep.equal([
        `attestation of ${f.rollupAddress} output 0 (block ${f.blocks[0]}, root ${ROOTS[0]}) in epoch ${f.epoch} by ${op.address} -> ${out}`,
      ]);
      // a pairing check over the contract's own digest, with the operator's registered key
      const digest = await f.mach.attestationDigest(f.rollupAddress, 0n, f.blocks[0], ROOTS[0], f.epoch);
      expect(await f.blsKeys.keyOf(op.address)).to.equal(pk(op));
      expect(verifies(pk(op), digest, result.signature)).to.equal(true);
      expect(verifies(pk(f.operators[0]), digest, result.signature)).to.equal(false);
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
    });

    it("reads $ALT_BLS_KEY by default, names the --from account, and signs --root in a past --epoch (--json)", async function () {
      const f = await load(machFixture);
      const op = f.operators[2];
      await nextEpoch(f.sets);
      const out = files.path("attest-default-env.json");
      const { result, lines } = await withEnv(DEFAULT_KEY_ENV, hex(op.bls), () =>
        runTask<SignedFile>("mach attest", {
          rollup: f.rollupAddress,
          output: "1",
          root: FORGED.toUpperCase().replace("0X", "0x"),
          epoch: f.epoch.toString(),
          out,
          from: op.address,
          json: true,
        }),
      );
      const expected = await expectedAttestation(f, op, 1, { root: FORGED, epoch: f.epoch });
      expect(result).to.deep.equal(expected);
      expect(JSON.parse(readFileSync(out, "utf8"))).to.deep.equal(expected);
      expect(JSON.parse(lines.join("\n"))).to.deep.equal(expected);
      const digest = await f.mach.attestationDigest(f.rollupAddress, 1n, f.blocks[1], FORGED, f.epoch);
      expect(verifies(pk(op), digest, result.signature)).to.equal(true);
    });

    it("refuses a missing or invalid secret, another key than the operator's in the epoch, a key not counted yet and bad arguments, writing nothing", async function () {
      const f = await load(machFixture);
      const [op0, op1] = f.operators;
      const out = files.path("attest-refused.json");
      const args = { rollup: "5001", output: "0", out, keyEnv: KEY_ENV, operator: op1.address, json: true };
      await withEnv(KEY_ENV, undefined, () =>
        expectRefused(
          "mach attest",
          args,
          `$${KEY_ENV} is not set: it must hold the operator's BLS secret key (npx hardhat mach keygen makes one)`,
        ),
      );
      await withEnv(KEY_ENV, "0x1234", () =>
        expectRefused("mach attest", args, `$${KEY_ENV} is not a BLS secret key: 0x and 64 hex digits expected`),
      );
      await withEnv(KEY_ENV, hex(op0.bls), () =>
        expectRefused(
          "mach attest",
          args,
          `the key in $${KEY_ENV} is not ${op1.address}'s BLS key in epoch ${f.epoch}`,
        ),
      );
      // operator 1 rotates: its new key counts from the next epoch only
      const rotated = { ...op1, bls: blsSecretFrom("mach-task-rotated:1") };
      await registerKey(f, op1, rotated.bls);
      await withEnv(KEY_ENV, hex(rotated.bls), () =>
        expectRefused(
          "mach attest",
          args,
          `the key in $${KEY_ENV} is ${op1.address}'s BLS key from epoch ${f.epoch + 1n}, not in epoch ${f.epoch}: ` +
            `sign epoch ${f.epoch} with the key it had then`,
        ),
      );
      await withEnv(KEY_ENV, hex(op1.bls), async () => {
        await expectRefused(
          "mach attest",
          { ...args, operator: f.outsider.address },
          `${f.outsider.address} has no BLS key in epoch ${f.epoch} (mach register-key; a key counts from the epoch after its registration)`,
        );
        await expectRefused(
          "mach attest",
          { ...args, epoch: (f.epoch + 1n).toString() },
          `epoch ${f.epoch + 1n} has not begun: the current epoch is ${f.epoch}`,
        );
        await expectRefused("mach attest", { ...args, epoch: "last" }, "--epoch must be a whole number, not last");
        await expectRefused("mach attest", { ...args, output: "2" }, "the rollup has 2 outputs: no output 2");
        await expectRefused("mach attest", { ...args, output: "one" }, "--output must be a whole number, not one");
        await expectRefused("mach attest", { ...args, root: "0x1234" }, "--root must be 32-byte hex: 0x1234");
        await expectRefused("mach attest", { ...args, rollup: "5999" }, "no rollup has chain ID 5999");
        await expectRefused(
          "mach attest",
          { ...args, rollup: f.machAddress },
          `${f.machAddress} is not a rollup of the factory`,
        );
        await expectRefused(
          "mach attest",
          { ...args, operator: "nobody" },
          "--operator is not a valid address: nobody",
        );
        const stranger = new Wallet(id("mach-task-stranger")).address;
        await expectRefused(
          "mach attest",
          { ...args, operator: undefined, from: stranger },
          `--from ${stranger} is not an account of network hardhat`,
        );
        const missing = path.join(files.path("no-such-folder"), "attestation.json");
        await expectRefused(
          "mach attest",
          { ...args, out: missing },
          `cannot write ${missing}: no such directory ${path.dirname(missing)}`,
        );
      });
      expect(existsSync(out)).to.equal(false);
    });
  });

  describe("mach certify", function () {
    it("certifies from a list of files out of address order: the quorum sent, the event and the output's status (text mode)", async function () {
      const f = await load(machFixture);
      const [op0, op1] = f.operators;
      // the list names the higher address first: the task sorts by address
      const [low, high] = [op0, op1].sort((a, b) => byAddress(a.address, b.address));
      const second = await attestFile("certify-list-high.json", high, 0);
      const first = await attestFile("certify-list-low.json", low, 0);
      const { result, lines } = await runTask<CertifyResult>("mach certify", {
        rollup: "5001",
        output: "0",
        attestations: `${second}, ${first}`,
        from: f.outsider.address,
        json: false,
      });
      const signedStake = f.stakeOf(op0) + f.stakeOf(op1);
      expect(signedStake).to.equal(OPERATOR_STAKES[0] + OPERATOR_STAKES[1]);
      expect(f.totalStake).to.equal(OPERATOR_STAKES.reduce((a, b) => a + b, 0n));
      // 700,000 of 1,000,000 ALT: above the rollup's 6,667 bps
      expect(await f.rollup.fastFinalityBps()).to.equal(THRESHOLD_BPS);
      await expectTx(result.tx, f.outsider.address, f.machAddress);
      expect(lines).to.deep.equal([
        txLine(
          `output 0 fast-finalized: 2 signers, 700,000 ALT of 1,000,000 ALT counted in epoch ${f.epoch} (threshold 6667 bps)`,
          result.tx,
        ),
      ]);
      const nonSigners = sorted(f.operators.slice(2));
      expect(result).to.deep.equal({
        rollup: f.rollupAddress,
        output: 0n,
        l2BlockNumber: f.blocks[0],
        root: ROOTS[0],
        epoch: f.epoch,
        signers: [low.address, high.address],
        nonSigners,
        signedStake,
        totalStake: f.totalStake,
        thresholdBps: THRESHOLD_BPS,
        tx: result.tx,
      });
      // the quorum sent, rebuilt here: the two signatures aggregated, operators 2 and 3 non-signers with their keys
      const signatures = await Promise.all(
        [low, high].map((op) => attest(f.mach, op, f.rollupAddress, 0n, f.blocks[0], ROOTS[0], f.epoch)),
      );
      const quorum = expectedQuorum(f.epoch, signatures, [low, high], f.operators);
      expect(quorum.nonSigners).to.deep.equal(nonSigners);
      expect((await hre.ethers.provider.getTransaction(result.tx.hash))!.data).to.equal(
        f.mach.interface.encodeFunctionData("certify", [f.rollupAddress, 0n, f.blocks[0], ROOTS[0], quorum]),
      );
      await expect(hre.ethers.provider.getTransaction(result.tx.hash))
        .to.emit(f.mach, "Certified")
        .withArgs(f.rollupAddress, 0n, f.blocks[0], ROOTS[0], f.epoch, nonSigners, signedStake, f.totalStake)
        .and.to.emit(f.rollup, "OutputFastFinalized")
        .withArgs(0n, await machFastLimit(f.mach, signedStake));
      expect((await f.rollup.output(0)).status).to.equal(OutputStatus.FastFinalized);
      expect((await f.rollup.output(1)).status).to.equal(OutputStatus.Proposed);
    });

    it("certifies from a directory (--json), leaving out attestations of other outputs, roots and rollups, alerts and non-.json files", async function () {
      const f = await load(machFixture);
      const [op0, op1, op2, op3] = f.operators;
      const dir = directory("certify-dir");
      // the names sort as the operators do not (3, 0, 2)
      await attestFile("certify-dir/a-member-3.json", op3, 0);
      await attestFile("certify-dir/b-member-0.json", op0, 0);
      await attestFile("certify-dir/c-member-2.json", op2, 0);
      // member 1 signed everything but output 0's proposed root: none of it counts
      await attestFile("certify-dir/d-member-1-next-output.json", op1, 1);
      await attestFile("certify-dir/e-member-1-other-root.json", op1, 0, { root: FORGED });
      await attestFile("certify-dir/f-member-1-other-rollup.json", op1, 0, { rollup: "5003" });
      await alertFile("certify-dir/g-member-1-alert.json", op1, "not an attestation");
      writeFileSync(`${dir}/notes.txt`, "not a signed file\n");
      const { result, lines } = await runTask<CertifyResult>("mach certify", {
        rollup: f.rollupAddress,
        output: "0",
        attestations: dir,
        json: true,
      });
      const signers = [op0, op2, op3];
      const signedStake = OPERATOR_STAKES[0] + OPERATOR_STAKES[2] + OPERATOR_STAKES[3];
      const expected = {
        rollup: f.rollupAddress,
        output: 0n,
        l2BlockNumber: f.blocks[0],
        root: ROOTS[0],
        epoch: f.epoch,
        signers: sorted(signers),
        nonSigners: [op1.address],
        signedStake,
        totalStake: f.totalStake,
        thresholdBps: THRESHOLD_BPS,
        tx: result.tx,
      };
      expect(result).to.deep.equal(expected);
      expect(JSON.parse(lines.join("\n"))).to.deep.equal(asJson(expected));
      await expectTx(result.tx, f.deployer.address, f.machAddress);
      await expect(hre.ethers.provider.getTransaction(result.tx.hash))
        .to.emit(f.mach, "Certified")
        .withArgs(f.rollupAddress, 0n, f.blocks[0], ROOTS[0], f.epoch, [op1.address], signedStake, f.totalStake);
      expect((await f.rollup.output(0)).status).to.equal(OutputStatus.FastFinalized);
      expect((await f.rollup.output(1)).status).to.equal(OutputStatus.Proposed);
    });

    it("refuses attestations below the rollup's threshold before sending", async function () {
      const f = await load(machFixture);
      const [op0, , op2] = f.operators;
      const attestations = [await attestFile("below-0.json", op0, 0), await attestFile("below-2.json", op2, 0)];
      // 600,000 of 1,000,000 ALT: below 6,667 bps
      expect((f.stakeOf(op0) + f.stakeOf(op2)) * 10_000n < f.totalStake * THRESHOLD_BPS).to.equal(true);
      await expectRefused(
        "mach certify",
        { rollup: "5001", output: "0", attestations: attestations.join(","), json: false },
        `the attestations carry 600,000 ALT of 1,000,000 ALT counted in epoch ${f.epoch}: below the 6667 bps threshold`,
      );
      expect((await f.rollup.output(0)).status).to.equal(OutputStatus.Proposed);
    });

    it("refuses files that hold no attestation of the output", async function () {
      const f = await load(machFixture);
      const [op0, op1] = f.operators;
      const attestations = [
        await attestFile("none-next.json", op0, 1),
        await attestFile("none-root.json", op1, 0, { root: FORGED }),
      ].join(",");
      await expectRefused(
        "mach certify",
        { rollup: "5001", output: "0", attestations, json: true },
        `no attestation of output 0 (block ${f.blocks[0]}, root ${ROOTS[0]}) among the files`,
      );
    });

    it("refuses a signature that is not the named operator's in the epoch, two attestations by one operator, and an unknown output", async function () {
      const f = await load(machFixture);
      const [op0, op1, op2] = f.operators;
      const member0 = await attestFile("refuse-member-0.json", op0, 0);
      const member1 = await attestFile("refuse-member-1.json", op1, 0);
      // operator 1's signature under operator 2's name, and operator 0's signature under operator 1's
      const renamed = altered("refuse-renamed.json", member1, (s) => ({ ...s, operator: op2.address }));
      const swapped = altered("refuse-swapped.json", member1, (s) => ({
        ...s,
        signature: (JSON.parse(readFileSync(member0, "utf8")) as SignedFile).signature,
      }));
      for (const [file, operator] of [
        [renamed, op2],
        [swapped, op1],
      ] as const) {
        await expectRefused(
          "mach certify",
          { rollup: "5001", output: "0", attestations: `${member0},${file}`, json: true },
          `${file}: the signature is not by ${operator.address}'s BLS key of epoch ${f.epoch}`,
        );
      }
      // the attestation signed with a key operator 1 rotates to: not its key before the rotation counts
      const rotated = { ...op1, bls: blsSecretFrom("mach-task-rotated:1") };
      await registerKey(f, op1, rotated.bls);
      const signature = await attest(f.mach, rotated, f.rollupAddress, 0n, f.blocks[0], ROOTS[0], f.epoch);
      const early = altered("refuse-early.json", member1, (s) => ({ ...s, signature }));
      await expectRefused(
        "mach certify",
        { rollup: "5001", output: "0", attestations: `${member0},${early}`, json: true },
        `${early}: the signature is not by ${op1.address}'s BLS key of epoch ${f.epoch}`,
      );
      await expectRefused(
        "mach certify",
        { rollup: "5001", output: "0", attestations: `${member0},${member1},${member0}`, json: true },
        `two attestations by ${op0.address} for epoch ${f.epoch}`,
      );
      await expectRefused(
        "mach certify",
        { rollup: "5001", output: "2", attestations: member0, json: true },
        "the rollup has 2 outputs: no output 2",
      );
      expect((await f.rollup.output(0)).status).to.equal(OutputStatus.Proposed);
    });

    it("refuses missing, malformed, foreign and ill-formed files in one line", async function () {
      const f = await load(machFixture);
      const member0 = await attestFile("files-member-0.json", f.operators[0], 0);
      const args = { rollup: "5001", output: "0", json: true };
      const missing = files.path("files-missing.json");
      await expectRefused(
        "mach certify",
        { ...args, attestations: `${member0},${missing}` },
        `no such file: ${missing}`,
      );
      for (const text of ["not json", "oops\nnot json\n"]) {
        const garbage = files.write("files-garbage.json", text);
        let parseError = "";
        try {
          JSON.parse(text);
        } catch (e) {
          parseError = (e as Error).message;
        }
        // V8 quotes the start of the text, line breaks included: the task folds them into spaces
        await expectRefused(
          "mach certify",
          { ...args, attestations: garbage },
          `${garbage} is not valid JSON: ${parseError.replace(/\s+/g, " ")}`,
        );
      }
      for (const content of ["null", "[]", '"attestation"', '{"kind":"certificate"}']) {
        const file = files.write("files-not-signed.json", content);
        await expectRefused("mach certify", { ...args, attestations: file }, `${file} is not a signed MACH file`);
      }
      const otherMach = altered("files-other-mach.json", member0, (s) => ({ ...s, mach: f.rollupAddress }));
      await expectRefused(
        "mach certify",
        { ...args, attestations: otherMach },
        `${otherMach} was signed for chain ${f.chainId} and MACH ${f.rollupAddress}, not this deployment`,
      );
      const otherChain = altered("files-other-chain.json", member0, (s) => ({ ...s, chainId: "1" }));
      await expectRefused(
        "mach certify",
        { ...args, attestations: otherChain },
        `${otherChain} was signed for chain 1 and MACH ${f.machAddress}, not this deployment`,
      );
      const illFormed: [string, (s: SignedFile) => object][] = [
        ["rollup", (s) => ({ ...s, rollup: "5001" })],
        ["operator", (s) => ({ ...s, operator: undefined })],
        ["message", (s) => ({ ...s, message: "output 0" })],
        ["message.outputIndex", (s) => ({ ...s, message: { ...s.message, outputIndex: "-1" } })],
        ["message.l2BlockNumber", (s) => ({ ...s, message: { ...s.message, l2BlockNumber: "block ten" } })],
        ["message.l2BlockNumber", (s) => ({ ...s, message: { ...s.message, l2BlockNumber: (2n ** 64n).toString() } })],
        ["message.outputRoot", (s) => ({ ...s, message: { ...s.message, outputRoot: "0x12" } })],
        ["message.epoch", (s) => ({ ...s, message: { ...s.message, epoch: 3 } })],
        ["signature", (s) => ({ ...s, signature: s.signature.slice(0, -2) })],
        ["signature", (s) => ({ ...s, signature: { r: "0x12", vs: "0x34" } })],
      ];
      for (const [field, change] of illFormed) {
        const file = altered("files-ill-formed.json", member0, change);
        await expectRefused(
          "mach certify",
          { ...args, attestations: file },
          `${file} is not a well-formed attestation file: bad ${field}`,
        );
      }
      // a well-formed signature that is no point of the curve, and the point at infinity: no signature at all
      for (const signature of ["0x" + "ff".repeat(128), "0x" + "00".repeat(128)]) {
        const file = altered("files-no-point.json", member0, (s) => ({ ...s, signature }));
        await expectRefused(
          "mach certify",
          { ...args, attestations: file },
          `${file}: the signature is not by ${f.operators[0].address}'s BLS key of epoch ${f.epoch}`,
        );
      }
      expect((await f.rollup.output(0)).status).to.equal(OutputStatus.Proposed);
    });

    it("refuses a rollup not registered in MACH", async function () {
      const f = await load(machFixture);
      const [op0, op1] = f.operators;
      const attestations = (await attestFiles("other", [op0, op1], 0, { rollup: "5003" })).join(",");
      await expectRefused(
        "mach certify",
        { rollup: "5003", output: "0", attestations, json: true },
        `${f.otherAddress} is not registered in MACH (service join registers it)`,
      );
    });

    it("certifies in a later epoch with the stake counted in it: an allocation lowered in the epoch before counts lowered", async function () {
      const f = await load(machFixture);
      const [op0, op1, op2, op3] = f.operators;
      // operator 0 lowers its allocation in the fixture's epoch: the next one counts the lower stake
      const lowered = OPERATOR_STAKES[0] - 100_000n * ALT;
      await (await f.sets.connect(op0.signer).allocate(f.setId, lowered)).wait();
      const next = await nextEpoch(f.sets);
      expect(await f.sets.allocationAt(f.setId, op0.address, next)).to.equal(lowered);
      const attestations = [await attestFile("late-0.json", op0, 0), await attestFile("late-1.json", op1, 0)];
      const total = f.totalStake - 100_000n * ALT;
      // 600,000 of 900,000 ALT: 6,666 bps, below the rollup's 6,667
      await expectRefused(
        "mach certify",
        { rollup: "5001", output: "0", attestations: attestations.join(","), json: true },
        `the attestations carry 600,000 ALT of 900,000 ALT counted in epoch ${next}: below the 6667 bps threshold`,
      );
      // with operator 2's 200,000 ALT: 800,000 of 900,000
      attestations.push(await attestFile("late-2.json", op2, 0));
      const result = await certify(attestations.join(","));
      const signedStake = lowered + OPERATOR_STAKES[1] + OPERATOR_STAKES[2];
      expect([result.epoch, result.signers, result.nonSigners, result.signedStake, result.totalStake]).to.deep.equal([
        next,
        sorted([op0, op1, op2]),
        [op3.address],
        signedStake,
        total,
      ]);
      await expect(hre.ethers.provider.getTransaction(result.tx.hash))
        .to.emit(f.mach, "Certified")
        .withArgs(f.rollupAddress, 0n, f.blocks[0], ROOTS[0], next, [op3.address], signedStake, total);
    });

    it("certifies with the attestations of the epoch before (signed across an epoch's end), and refuses older ones", async function () {
      const f = await load(machFixture);
      const [op0, op1, op2] = f.operators;
      const output0 = (await attestFiles("before-0", [op0, op1, op2], 0)).join(",");
      const output1 = (await attestFiles("before-1", [op0, op1, op2], 1)).join(",");
      const next = await nextEpoch(f.sets);
      const result = await certify(output0);
      expect([result.epoch, result.signers, result.signedStake]).to.deep.equal([
        f.epoch,
        sorted([op0, op1, op2]),
        OPERATOR_STAKES[0] + OPERATOR_STAKES[1] + OPERATOR_STAKES[2],
      ]);
      expect((await f.rollup.output(0)).status).to.equal(OutputStatus.FastFinalized);
      // two epochs on, the fixture's epoch is stale
      await nextEpoch(f.sets);
      await expectRefused(
        "mach certify",
        { rollup: "5001", output: "1", attestations: output1, json: true },
        `the attestations are of epoch ${f.epoch}: a quorum is of the current epoch (${next + 1n}) or the one before`,
      );
      expect((await f.rollup.output(1)).status).to.equal(OutputStatus.Proposed);
    });

    it("of attestations from two epochs, takes the epoch whose signers carry the larger share of its stake", async function () {
      const f = await load(machFixture);
      const [op0, op1, op2, op3] = f.operators;
      // output 0: three members in the fixture's epoch, one in the next; output 1: one, then all four
      const first = await attestFiles("two-epochs-0", [op0, op1, op2], 0);
      const early = await attestFile("two-epochs-1-0.json", op0, 1);
      const next = await nextEpoch(f.sets);
      first.push(await attestFile("two-epochs-0-3-next.json", op3, 0));
      const late = [];
      for (const [i, op] of f.operators.entries()) late.push(await attestFile(`two-epochs-1-${i}-next.json`, op, 1));
      const zero = await certify(first.join(","));
      expect([zero.epoch, zero.signers, zero.nonSigners]).to.deep.equal([
        f.epoch,
        sorted([op0, op1, op2]),
        [op3.address],
      ]);
      const one = await certify([early, ...late].join(","), "1");
      expect([one.epoch, one.signers, one.nonSigners, one.signedStake]).to.deep.equal([
        next,
        sorted(f.operators),
        [],
        f.totalStake,
      ]);
      await expect(hre.ethers.provider.getTransaction(one.tx.hash))
        .to.emit(f.mach, "Certified")
        .withArgs(f.rollupAddress, 1n, f.blocks[1], ROOTS[1], next, [], f.totalStake, f.totalStake);
    });

    it("refuses an operator that joined in this epoch (it counts from the next), counts one that left in it, before sending", async function () {
      const f = await load(machFixture);
      const [op0, op1, , op3] = f.operators;
      // account 15 registers as an operator with a BLS key and joins in the fixture's epoch: both count from the next
      const newcomer = await newOperator(f);
      await registerKey(f, newcomer, newcomer.bls);
      const stake = 500_000n * ALT;
      await (await f.sets.connect(f.outsider).join(f.setId, stake)).wait();
      // the newcomer cannot sign for this epoch (no key in it): a file naming it is refused for its stake first
      const renamed = altered("joined-newcomer.json", await attestFile("joined-source.json", op1, 0), (s) => ({
        ...s,
        operator: newcomer.address,
      }));
      await expectRefused(
        "mach certify",
        {
          rollup: "5001",
          output: "0",
          attestations: [await attestFile("joined-0.json", op0, 0), renamed].join(","),
          json: true,
        },
        `${newcomer.address} has no stake counted in the set in epoch ${f.epoch}: its allocation counts from epoch ${f.epoch + 1n}`,
      );
      // operator 3 leaves in the fixture's epoch: it still counts in it, with what it had allocated
      await (await f.sets.connect(op3.signer).requestLeave(f.setId)).wait();
      const withLeaver = (await attestFiles("left", [op0, op1, op3], 0)).join(",");
      const certified = await certify(withLeaver);
      expect([certified.signedStake, certified.totalStake, certified.nonSigners]).to.deep.equal([
        OPERATOR_STAKES[0] + OPERATOR_STAKES[1] + OPERATOR_STAKES[3],
        f.totalStake,
        [f.operators[2].address],
      ]);
      // the next epoch: operator 3 counts no more, the newcomer does
      const next = await nextEpoch(f.sets);
      const leaver = await attestFile("left-next-3.json", op3, 1);
      const signed = [await attestFile("next-0.json", op0, 1), await attestFile("next-1.json", op1, 1)];
      await expectRefused(
        "mach certify",
        { rollup: "5001", output: "1", attestations: [...signed, leaver].join(","), json: true },
        `${op3.address} has no stake counted in the set in epoch ${next}`,
      );
      const result = await certify([...signed, await attestFile("next-newcomer.json", newcomer, 1)].join(","), "1");
      // 1,200,000 of 1,400,000 ALT, operator 2 the only non-signer (operator 3 no longer counts)
      expect([result.signers, result.nonSigners, result.signedStake, result.totalStake]).to.deep.equal([
        sorted([op0, op1, newcomer]),
        [f.operators[2].address],
        OPERATOR_STAKES[0] + OPERATOR_STAKES[1] + stake,
        f.totalStake - OPERATOR_STAKES[3] + stake,
      ]);
    });

    it("refuses a set that is not live in the epoch in one line, before sending anything", async function () {
      const f = await load(machFixture);
      const [op0, op1, op2] = f.operators;
      // the service's owner (the deployer) asks 5 operators, from the next epoch on; the set counts the same 4
      const params = { minStake: 1_000n * ALT, maxSize: 64, minMembers: 5, minTotalStake: 1_000n * ALT };
      await (await f.mach.connect(f.deployer).updateRollupSet(f.rollupAddress, params)).wait();
      const next = await nextEpoch(f.sets);
      expect(await f.sets.isLive(f.setId, next)).to.equal(false);
      const notLive =
        `the set is not live in epoch ${next} (4 operators, ${formatAlt(f.totalStake)} counted; it needs 5 and ` +
        `${formatAlt(1_000n * ALT)}, and some stake): nothing is decided on it`;
      // 900,000 of 1,000,000 ALT sign: enough stake, but nothing is decided on a set that is not live
      const attestations = (await attestFiles("not-live", [op0, op1, op2], 0)).join(",");
      await expectRefused("mach certify", { rollup: "5001", output: "0", attestations, json: true }, notLive);
      expect((await f.rollup.output(0)).status).to.equal(OutputStatus.Proposed);
      // nor an alert
      const signatures = [
        await alertFile("not-live-alert-0.json", op0, "down"),
        await alertFile("not-live-alert-1.json", op1, "down"),
        await alertFile("not-live-alert-2.json", op2, "down"),
      ].join(",");
      await expectRefused("mach alert", { rollup: "5001", reason: "down", signatures, json: true }, notLive);
      expect(await f.mach.alertNonce(f.rollupAddress)).to.equal(0n);
      // the epoch before was live: attestations signed in it still certify
      const before = await attestFiles("live-before", [op0, op1], 0, { epoch: f.epoch });
      const result = await certify([attestations, ...before].join(","));
      expect([result.epoch, result.signers]).to.deep.equal([f.epoch, sorted([op0, op1])]);
    });

    it("refuses an output that is fast-finalized or finalized already, before reading the files", async function () {
      const f = await load(machFixture);
      const attestations = (await attestFiles("twice", f.operators.slice(0, 2), 0)).join(",");
      await certify(attestations);
      await expectRefused(
        "mach certify",
        { rollup: "5001", output: "0", attestations, json: true },
        "output 0 is FastFinalized already",
      );
      // the files are not read: a missing one does not matter
      await expectRefused(
        "mach certify",
        { rollup: "5001", output: "0", attestations: files.path("twice-missing.json"), json: false },
        "output 0 is FastFinalized already",
      );
      // output 0 finalized after the rollup's challenge period
      const { proposedAt } = await f.rollup.output(0);
      await time.increaseTo(proposedAt + (await f.rollup.challengePeriod()));
      await (await f.rollup.finalize(0)).wait();
      await expectRefused(
        "mach certify",
        { rollup: "5001", output: "0", attestations, json: true },
        "output 0 is Finalized already",
      );
    });

    it("counts the signature of a member jailed by a pending slash request (a documented residual risk: its stake in the epoch is what is at risk)", async function () {
      const f = await load(machFixture);
      const [op0, op1] = f.operators;
      const proposed = await attestFile("jailed-proposed.json", op1, 0);
      const forged = await attestFile("jailed-forged.json", op1, 0, { root: FORGED });
      await task("mach prove-equivocation", { first: proposed, second: forged, json: true });
      expect(await f.registry.isJailed(op1.address)).to.equal(true);
      const result = await certify([await attestFile("jailed-member-0.json", op0, 0), proposed].join(","));
      expect([result.signers, result.signedStake]).to.deep.equal([
        sorted([op0, op1]),
        OPERATOR_STAKES[0] + OPERATOR_STAKES[1],
      ]);
      expect((await f.rollup.output(0)).status).to.equal(OutputStatus.FastFinalized);
    });
  });

  describe("mach prove-equivocation", function () {
    it("reports the member with MACH's equivocation bps and the caller as reporter, jailing it (--json)", async function () {
      const f = await load(machFixture);
      const op = f.operators[1];
      const first = await attestFile("equivocation-proposed.json", op, 0);
      const second = await attestFile("equivocation-forged.json", op, 0, { root: FORGED });
      const requestId = await f.manager.requestCount();
      const { result, lines } = await runTask<EquivocationResult>("mach prove-equivocation", {
        first,
        second,
        from: f.outsider.address,
        json: true,
      });
      const expected = {
        operator: op.address,
        rollup: f.rollupAddress,
        l2BlockNumber: f.blocks[0],
        requestId,
        tx: result.tx,
      };
      expect(result).to.deep.equal(expected);
      expect(JSON.parse(lines.join("\n"))).to.deep.equal(asJson(expected));
      const receipt = await expectTx(result.tx, f.outsider.address, f.machAddress);
      const attestation = async (root: string) => ({
        outputIndex: 0n,
        l2BlockNumber: f.blocks[0],
        outputRoot: root,
        epoch: f.epoch,
        signature: await attest(f.mach, op, f.rollupAddress, 0n, f.blocks[0], root, f.epoch),
      });
      expect((await hre.ethers.provider.getTransaction(result.tx.hash))!.data).to.equal(
        f.mach.interface.encodeFunctionData("proveEquivocation", [
          f.rollupAddress,
          op.address,
          await attestation(ROOTS[0]),
          pk(op),
          await attestation(FORGED),
          pk(op),
        ]),
      );
      const requestedAt = await blockTime(receipt.blockNumber);
      const evidence = keccak256(
        coder.encode(
          ["bytes32", "bytes32"],
          [
            await f.mach.attestationDigest(f.rollupAddress, 0n, f.blocks[0], ROOTS[0], f.epoch),
            await f.mach.attestationDigest(f.rollupAddress, 0n, f.blocks[0], FORGED, f.epoch),
          ],
        ),
      );
      const executableAt = requestedAt + (await f.manager.vetoWindow());
      await expect(hre.ethers.provider.getTransaction(result.tx.hash))
        .to.emit(f.mach, "EquivocationProven")
        .withArgs(op.address, f.rollupAddress, f.blocks[0], ROOTS[0], FORGED, requestId)
        .and.to.emit(f.manager, "SlashRequested")
        .withArgs(
          requestId,
          op.address,
          f.machAddress,
          f.setId,
          EQUIVOCATION_BPS,
          EQUIVOCATION,
          evidence,
          f.outsider.address,
          executableAt,
        );
      expect(await f.manager.requestCount()).to.equal(requestId + 1n);
      const request = await f.manager.request(requestId);
      expect([request.operator, request.bps, request.status, request.requestedAt, request.reporter]).to.deep.equal([
        op.address,
        EQUIVOCATION_BPS,
        SlashStatus.Pending,
        requestedAt,
        f.outsider.address,
      ]);
      expect(await f.registry.isJailed(op.address)).to.equal(true);
      expect(await f.mach.isEquivocationProven(op.address, f.rollupAddress, f.blocks[0])).to.equal(true);
      expect(await f.registry.isJailed(f.operators[0].address)).to.equal(false);
    });

    it("prints the proof in text mode, the first account reporting by default, the files in either order", async function () {
      const f = await load(machFixture);
      const op = f.operators[3];
      const first = await attestFile("equivocation-text-forged.json", op, 1, { root: FORGED });
      const second = await attestFile("equivocation-text-proposed.json", op, 1);
      const requestId = await f.manager.requestCount();
      const { result, lines } = await runTask<EquivocationResult>("mach prove-equivocation", {
        first,
        second,
        json: false,
      });
      expect(lines).to.deep.equal([
        txLine(
          `equivocation of ${op.address} at block ${f.blocks[1]} proven: slash request ${requestId}, operator jailed`,
          result.tx,
        ),
      ]);
      await expectTx(result.tx, f.deployer.address, f.machAddress);
      await expect(hre.ethers.provider.getTransaction(result.tx.hash))
        .to.emit(f.mach, "EquivocationProven")
        .withArgs(op.address, f.rollupAddress, f.blocks[1], FORGED, ROOTS[1], requestId);
      expect((await f.manager.request(requestId)).reporter).to.equal(f.deployer.address);
      expect(await f.registry.isJailed(op.address)).to.equal(true);
    });

    it("proves with attestations of two epochs and a key rotated between them: a key rotated away still proves what it signed", async function () {
      const f = await load(machFixture);
      const op = f.operators[2];
      const first = await attestFile("rotated-eq-old.json", op, 0);
      const rotated = { ...op, bls: blsSecretFrom("mach-task-rotated:2") };
      await registerKey(f, op, rotated.bls);
      const next = await nextEpoch(f.sets);
      const second = await attestFile("rotated-eq-new.json", rotated, 0, { root: FORGED });
      const requestId = await f.manager.requestCount();
      const result = await task<EquivocationResult>("mach prove-equivocation", { first, second, json: true });
      expect(result.requestId).to.equal(requestId);
      expect((await hre.ethers.provider.getTransaction(result.tx.hash))!.data).to.equal(
        f.mach.interface.encodeFunctionData("proveEquivocation", [
          f.rollupAddress,
          op.address,
          {
            outputIndex: 0n,
            l2BlockNumber: f.blocks[0],
            outputRoot: ROOTS[0],
            epoch: f.epoch,
            signature: await attest(f.mach, op, f.rollupAddress, 0n, f.blocks[0], ROOTS[0], f.epoch),
          },
          pk(op),
          {
            outputIndex: 0n,
            l2BlockNumber: f.blocks[0],
            outputRoot: FORGED,
            epoch: next,
            signature: await attest(f.mach, rotated, f.rollupAddress, 0n, f.blocks[0], FORGED, next),
          },
          pk(rotated),
        ]),
      );
      expect(await f.registry.isJailed(op.address)).to.equal(true);
    });

    it("refuses the same root, different blocks, different rollups, two operators, alert files and a directory", async function () {
      const f = await load(machFixture);
      const [op0, op1] = f.operators;
      const proposed = await attestFile("refuse-eq-proposed.json", op1, 0);
      const again = await attestFile("refuse-eq-again.json", op1, 0);
      const nextBlock = await attestFile("refuse-eq-next-block.json", op1, 1, { root: FORGED });
      const otherRollup = await attestFile("refuse-eq-other-rollup.json", op1, 0, { rollup: "5003", root: FORGED });
      const otherOperator = await attestFile("refuse-eq-other-operator.json", op0, 0, { root: FORGED });
      const alert = await alertFile("refuse-eq-alert.json", op1, "an alert");
      const refusals: [string, string, string][] = [
        [proposed, again, "the attestations sign the same root: no equivocation"],
        [proposed, proposed, "the attestations sign the same root: no equivocation"],
        [proposed, nextBlock, "the attestations are for different rollups or blocks"],
        [proposed, otherRollup, "the attestations are for different rollups or blocks"],
        [proposed, otherOperator, `the files are signed by two operators: ${op1.address}, ${op0.address}`],
        [alert, proposed, "both files must be attestations"],
      ];
      for (const [first, second, message] of refusals) {
        await expectRefused("mach prove-equivocation", { first, second, json: true }, message);
      }
      const dir = directory("refuse-eq-dir");
      await expectRefused(
        "mach prove-equivocation",
        { first: dir, second: proposed, json: true },
        `${dir} is a directory: name one attestation file`,
      );
      expect(await f.registry.isJailed(op1.address)).to.equal(false);
    });

    it("refuses a signature that is not the named operator's, and an operator without stake counted in the attestation's epoch", async function () {
      const f = await load(machFixture);
      const [op1, op2, op3] = f.operators.slice(1);
      const first = await attestFile("named-eq-proposed.json", op1, 0);
      const second = await attestFile("named-eq-forged.json", op1, 0, { root: FORGED });
      // operator 1's two signatures under operator 2's name
      const renamed = [
        altered("named-eq-renamed-proposed.json", first, (s) => ({ ...s, operator: op2.address })),
        altered("named-eq-renamed-forged.json", second, (s) => ({ ...s, operator: op2.address })),
      ];
      await expectRefused(
        "mach prove-equivocation",
        { first: renamed[0], second: renamed[1], json: true },
        `${renamed[0]}: the signature is not by ${op2.address}'s BLS key of epoch ${f.epoch}`,
      );
      // operator 3 leaves: from the next epoch its attestations decide nothing
      await (await f.sets.connect(op3.signer).requestLeave(f.setId)).wait();
      const next = await nextEpoch(f.sets);
      const late = [
        await attestFile("left-eq-proposed.json", op3, 0),
        await attestFile("left-eq-forged.json", op3, 0, { root: FORGED }),
      ];
      const requests = await f.manager.requestCount();
      await expectRefused(
        "mach prove-equivocation",
        { first: late[0], second: late[1], json: true },
        `${op3.address} had no stake counted in the set in epoch ${next}: what it signed then decides nothing`,
      );
      expect(await f.manager.requestCount()).to.equal(requests);
      for (const op of [op2, op3]) expect(await f.registry.isJailed(op.address)).to.equal(false);
    });

    it("refuses an equivocation on a rollup not registered in MACH", async function () {
      const f = await load(machFixture);
      const op = f.operators[0];
      const first = await attestFile("unregistered-proposed.json", op, 0, { rollup: "5003" });
      const second = await attestFile("unregistered-forged.json", op, 0, { rollup: "5003", root: FORGED });
      await expectRefused(
        "mach prove-equivocation",
        { first, second, json: true },
        `${f.otherAddress} is not registered in MACH (service join registers it)`,
      );
    });

    it("refuses an equivocation proven already, before sending; another block is another offence", async function () {
      const f = await load(machFixture);
      const op = f.operators[1];
      const first = await attestFile("twice-eq-proposed.json", op, 0);
      const second = await attestFile("twice-eq-forged.json", op, 0, { root: FORGED });
      await task("mach prove-equivocation", { first, second, json: true });
      const requests = await f.manager.requestCount();
      const third = await attestFile("twice-eq-forged-again.json", op, 0, { root: id("another forged root") });
      for (const [a, b] of [
        [first, second],
        [second, first],
        [first, third],
      ]) {
        await expectRefused(
          "mach prove-equivocation",
          { first: a, second: b, json: true },
          `the equivocation of ${op.address} at block ${f.blocks[0]} is proven already`,
        );
      }
      expect(await f.manager.requestCount()).to.equal(requests);
      const proven = await task<EquivocationResult>("mach prove-equivocation", {
        first: await attestFile("twice-eq-next-proposed.json", op, 1),
        second: await attestFile("twice-eq-next-forged.json", op, 1, { root: FORGED }),
        json: true,
      });
      expect([proven.l2BlockNumber, proven.requestId]).to.deep.equal([f.blocks[1], requests]);
      expect(await f.manager.requestCount()).to.equal(requests + 1n);
    });

    it("proves the equivocation of a member that left the set but has not completed leaving: still bound to it", async function () {
      const f = await load(machFixture);
      const op = f.operators[2];
      await (await f.sets.connect(op.signer).requestLeave(f.setId)).wait();
      const membership = await f.sets.membership(f.setId, op.address);
      expect([membership.member, membership.leaveAt > 0n]).to.deep.equal([false, true]);
      // what it deallocated by leaving stays slashable in the set until it completes
      expect(await f.sets.allocation(f.setId, op.address)).to.deep.equal([0n, OPERATOR_STAKES[2], membership.leaveAt]);
      const first = await attestFile("left-pending-proposed.json", op, 0);
      const second = await attestFile("left-pending-forged.json", op, 0, { root: FORGED });
      const requestId = await f.manager.requestCount();
      const result = await task<EquivocationResult>("mach prove-equivocation", { first, second, json: true });
      await expect(hre.ethers.provider.getTransaction(result.tx.hash))
        .to.emit(f.mach, "EquivocationProven")
        .withArgs(op.address, f.rollupAddress, f.blocks[0], ROOTS[0], FORGED, requestId);
      const request = await f.manager.request(requestId);
      expect([request.operator, request.setId, request.bps, request.status]).to.deep.equal([
        op.address,
        f.setId,
        EQUIVOCATION_BPS,
        SlashStatus.Pending,
      ]);
      expect(await f.registry.isJailed(op.address)).to.equal(true);
      // the pending request keeps it from completing its leave, even once the delay is over
      await time.increaseTo(membership.leaveAt);
      await expectRefused(
        "service leave",
        { service: "mach", rollup: "5001", from: op.address, complete: true, json: true },
        `the contract refused the transaction: SetsOperatorJailed("${op.address}")`,
      );
    });
  });

  describe("mach find-equivocations", function () {
    interface FoundResult {
      files: number;
      equivocations: {
        operator: string;
        rollup: string;
        l2BlockNumber: bigint;
        roots: string[];
        files: string[];
        status: string;
        provable: boolean;
      }[];
      proven: { operator: string; block: bigint; requestId: bigint; tx: TxReport }[];
    }

    /**
     * A folder of attestation files of output 0: operator 1 signed the proposed root and a forged one (provable),
     * operator 0 the proposed root only, operator 2 the proposed root and a forged one with operator 1's key (not
     * provable: not its signature); and an alert file, left out.
     */
    async function folder(f: Awaited<ReturnType<typeof machFixture>>, name: string) {
      const [op0, op1, op2] = f.operators;
      directory(name);
      const a = await attestFile(`${name}/a.json`, op1, 0);
      const b = await attestFile(`${name}/b.json`, op1, 0, { root: FORGED });
      await attestFile(`${name}/c.json`, op0, 0);
      const d = await attestFile(`${name}/d.json`, op2, 0);
      const e = altered(`${name}/e.json`, b, (s) => ({ ...s, operator: op2.address }));
      await alertFile(`${name}/f.json`, op1, "an alert");
      return { dir: files.path(name), a, b, d, e };
    }

    it("lists the equivocations of a folder, provable or why not, sending nothing; --prove proves the provable ones (text, then JSON)", async function () {
      const f = await load(machFixture);
      const [, op1, op2] = f.operators;
      const { dir, a, b, d, e } = await folder(f, "find-eq");
      const root = ROOTS[0].toLowerCase();
      const forged = FORGED.toLowerCase();
      const block = await hre.ethers.provider.getBlockNumber();
      const { result, lines } = await runTask<FoundResult>("mach find-equivocations", {
        dir,
        prove: false,
        json: false,
      });
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
      const unprovable = `${e}: the signature is not by ${op2.address}'s BLS key of epoch ${f.epoch}`;
      const found = [
        {
          operator: op1.address,
          rollup: f.rollupAddress,
          l2BlockNumber: f.blocks[0],
          roots: [root, forged],
          files: [a, b],
          status: "provable",
          provable: true,
        },
        {
          operator: op2.address,
          rollup: f.rollupAddress,
          l2BlockNumber: f.blocks[0],
          roots: [root, forged],
          files: [d, e],
          status: unprovable,
          provable: false,
        },
      ];
      expect(result).to.deep.equal({ files: 5, equivocations: found, proven: [] });
      expect(lines).to.deep.equal([
        "2 equivocations among 5 attestation files:",
        `  ${op1.address} at block ${f.blocks[0]} of ${f.rollupAddress}: roots ${root} (${a}) and ${forged} (${b}): provable`,
        `  ${op2.address} at block ${f.blocks[0]} of ${f.rollupAddress}: roots ${root} (${d}) and ${forged} (${e}): ${unprovable}`,
        "  prove it with --prove",
      ]);
      // --prove: operator 1's proof sent, the sender the reporter
      const requestId = await f.manager.requestCount();
      const proved = await task<FoundResult>("mach find-equivocations", {
        dir,
        prove: true,
        from: f.outsider.address,
        json: true,
      });
      expect(proved.proven).to.deep.equal([
        { operator: op1.address, block: f.blocks[0], requestId, tx: proved.proven[0].tx },
      ]);
      await expectTx(proved.proven[0].tx, f.outsider.address, f.machAddress);
      await expect(transaction(proved.proven[0].tx.hash))
        .to.emit(f.mach, "EquivocationProven")
        .withArgs(op1.address, f.rollupAddress, f.blocks[0], root, forged, requestId);
      expect((await f.manager.request(requestId)).reporter).to.equal(f.outsider.address);
      expect(await f.registry.isJailed(op1.address)).to.equal(true);
      expect(await f.registry.isJailed(op2.address)).to.equal(false);
      // nothing left to prove: refused, sending nothing
      const proven = `the equivocation of ${op1.address} at block ${f.blocks[0]} is proven already`;
      await expectRefused(
        "mach find-equivocations",
        { dir, prove: true, json: true },
        `no provable equivocation among the 5 attestation files (2 found: ${proven}; ${unprovable})`,
      );
      const again = await task<FoundResult>("mach find-equivocations", { dir, prove: false, json: true });
      expect(again.equivocations.map((q) => q.status)).to.deep.equal([proven, unprovable]);
    });

    it("finds none in a folder without two roots for one block, and refuses a path that does not exist", async function () {
      const f = await load(machFixture);
      directory("find-none");
      await attestFile("find-none/a.json", f.operators[0], 0);
      await attestFile("find-none/b.json", f.operators[1], 0, { root: FORGED });
      const { result, lines } = await runTask<FoundResult>("mach find-equivocations", {
        dir: files.path("find-none"),
        prove: false,
        json: false,
      });
      expect(result).to.deep.equal({ files: 2, equivocations: [], proven: [] });
      expect(lines).to.deep.equal(["0 equivocations among 2 attestation files"]);
      await expectRefused(
        "mach find-equivocations",
        { dir: files.path("find-none"), prove: true, json: true },
        "no provable equivocation among the 2 attestation files",
      );
      const missing = files.path("no-such-dir");
      await expectRefused(
        "mach find-equivocations",
        { dir: missing, prove: false, json: true },
        `no such file: ${missing}`,
      );
    });
  });

  describe("mach alert", function () {
    it("signs an alert with --out: the text reason hashed, the current nonce and epoch (text mode, nothing sent)", async function () {
      const f = await load(machFixture);
      const op = f.operators[2];
      const out = files.path("alert-out.json");
      const block = await hre.ethers.provider.getBlockNumber();
      const { result, lines } = await withEnv(KEY_ENV, hex(op.bls), () =>
        runTask<SignedFile>("mach alert", {
          rollup: "5001",
          reason: "sequencer down",
          out,
          keyEnv: KEY_ENV,
          from: op.address,
          json: false,
        }),
      );
      expect(process.env[KEY_ENV]).to.equal(undefined);
      const reason = id("sequencer down");
      const digest = await f.mach.alertDigest(f.rollupAddress, reason, 0n, f.epoch);
      const expected = {
        kind: "alert",
        chainId: f.chainId.toString(),
        mach: f.machAddress,
        rollup: f.rollupAddress,
        operator: op.address,
        message: { reason, nonce: "0", epoch: f.epoch.toString() },
        signature: encodeG1(hashToG1(getBytes(digest), MACH_DOMAIN).multiply(op.bls)),
      };
      expect(readFileSync(out, "utf8")).to.equal(JSON.stringify(expected, null, 2) + "\n");
      expect(result).to.deep.equal(expected);
      expect(lines).to.deep.equal([
        `alert ${reason} (nonce 0) for ${f.rollupAddress} in epoch ${f.epoch} by ${op.address} -> ${out}`,
      ]);
      expect(verifies(pk(op), digest, result.signature)).to.equal(true);
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
    });

    it("raises the alert from --signatures (a directory, --json): the quorum sent, the alert, and the nonce moved on", async function () {
      const f = await load(machFixture);
      const [op0, op1, op2, op3] = f.operators;
      const reason = id("halt");
      const dir = directory("alert-dir");
      // a 32-byte hex reason is taken as is
      await alertFile("alert-dir/a-member-1.json", op1, reason);
      await alertFile("alert-dir/b-member-0.json", op0, reason);
      // another reason and an attestation: left out
      await alertFile("alert-dir/c-member-2-other-reason.json", op2, "other");
      await attestFile("alert-dir/d-member-2-attestation.json", op2, 0);
      const { result, lines } = await runTask<AlertResult>("mach alert", {
        rollup: "5001",
        reason,
        signatures: dir,
        from: f.outsider.address,
        json: true,
      });
      const nonSigners = sorted([op2, op3]);
      const expected = {
        rollup: f.rollupAddress,
        reason,
        nonce: "0",
        epoch: f.epoch,
        signers: sorted([op0, op1]),
        nonSigners,
        signedStake: OPERATOR_STAKES[0] + OPERATOR_STAKES[1],
        totalStake: f.totalStake,
        thresholdBps: THRESHOLD_BPS,
        tx: result.tx,
      };
      expect(result).to.deep.equal(expected);
      expect(JSON.parse(lines.join("\n"))).to.deep.equal(asJson(expected));
      const receipt = await expectTx(result.tx, f.outsider.address, f.machAddress);
      const digest = await f.mach.alertDigest(f.rollupAddress, reason, 0n, f.epoch);
      const signatures = [op0, op1].map((op) => encodeG1(hashToG1(getBytes(digest), MACH_DOMAIN).multiply(op.bls)));
      expect((await hre.ethers.provider.getTransaction(result.tx.hash))!.data).to.equal(
        f.mach.interface.encodeFunctionData("raiseAlert", [
          f.rollupAddress,
          reason,
          expectedQuorum(f.epoch, signatures, [op0, op1], f.operators),
        ]),
      );
      await expect(hre.ethers.provider.getTransaction(result.tx.hash))
        .to.emit(f.mach, "AlertRaised")
        .withArgs(f.rollupAddress, reason, 0n, f.epoch, nonSigners);
      const alert = await f.mach.alertOf(f.rollupAddress);
      expect([alert.reason, alert.raisedAt, alert.epoch]).to.deep.equal([
        reason,
        await blockTime(receipt.blockNumber),
        f.epoch,
      ]);
      expect(await f.mach.alertNonce(f.rollupAddress)).to.equal(1n);
      // the files signed nonce 0: they raise no second alert
      await expectRefused(
        "mach alert",
        { rollup: "5001", reason, signatures: dir, json: true },
        `no alert file signs reason ${reason} with nonce 1`,
      );
    });

    it("raises the alert in text mode", async function () {
      const f = await load(machFixture);
      const [op0, op1, op2] = f.operators;
      const signatures = [
        await alertFile("alert-text-1.json", op1, "stalled"),
        await alertFile("alert-text-2.json", op2, "stalled"),
        await alertFile("alert-text-0.json", op0, "stalled"),
      ].join(",");
      const { result, lines } = await runTask<AlertResult>("mach alert", {
        rollup: f.rollupAddress,
        reason: "stalled",
        signatures,
        json: false,
      });
      expect(lines).to.deep.equal([
        txLine(
          `alert raised on ${f.rollupAddress}: 3 signers, 900,000 ALT of 1,000,000 ALT counted in epoch ${f.epoch} (threshold 6667 bps)`,
          result.tx,
        ),
      ]);
      await expectTx(result.tx, f.deployer.address, f.machAddress);
      expect((await f.mach.alertOf(f.rollupAddress)).reason).to.equal(id("stalled"));
    });

    it("refuses neither or both of --out and --signatures, an unregistered rollup, files signing something else and a missing secret", async function () {
      const f = await load(machFixture);
      const out = files.path("alert-refused.json");
      const signatures = await alertFile("alert-refused-source.json", f.operators[0], "down");
      const args = { rollup: "5001", reason: "down", json: true };
      await expectRefused("mach alert", args, "pass exactly one of --out and --signatures");
      await expectRefused("mach alert", { ...args, out, signatures }, "pass exactly one of --out and --signatures");
      await expectRefused(
        "mach alert",
        { ...args, rollup: "5003", out },
        `${f.otherAddress} is not registered in MACH (service join registers it)`,
      );
      await withEnv(DEFAULT_KEY_ENV, undefined, () =>
        expectRefused(
          "mach alert",
          { ...args, out },
          "$ALT_BLS_KEY is not set: it must hold the operator's BLS secret key (npx hardhat mach keygen makes one)",
        ),
      );
      await withEnv(KEY_ENV, hex(f.operators[0].bls), () =>
        expectRefused(
          "mach alert",
          { ...args, out, keyEnv: KEY_ENV, operator: f.operators[1].address },
          `the key in $${KEY_ENV} is not ${f.operators[1].address}'s BLS key in epoch ${f.epoch}`,
        ),
      );
      expect(existsSync(out)).to.equal(false);
      await expectRefused(
        "mach alert",
        { ...args, reason: "up", signatures },
        `no alert file signs reason ${id("up")} with nonce 0`,
      );
      const attestation = await attestFile("alert-refused-attestation.json", f.operators[0], 0);
      await expectRefused(
        "mach alert",
        { ...args, signatures: attestation },
        `no alert file signs reason ${id("down")} with nonce 0`,
      );
      expect((await f.mach.alertOf(f.rollupAddress)).raisedAt).to.equal(0n);
    });

    it("refuses alert signatures below the rollup's threshold before sending", async function () {
      const f = await load(machFixture);
      const [op0, , op2] = f.operators;
      const one = await alertFile("alert-below-0.json", op0, "down");
      await expectRefused(
        "mach alert",
        { rollup: "5001", reason: "down", signatures: one, json: true },
        `the alert signatures carry 400,000 ALT of 1,000,000 ALT counted in epoch ${f.epoch}: below the 6667 bps threshold`,
      );
      const two = [one, await alertFile("alert-below-2.json", op2, "down")].join(",");
      await expectRefused(
        "mach alert",
        { rollup: "5001", reason: "down", signatures: two, json: false },
        `the alert signatures carry 600,000 ALT of 1,000,000 ALT counted in epoch ${f.epoch}: below the 6667 bps threshold`,
      );
      expect((await f.mach.alertOf(f.rollupAddress)).raisedAt).to.equal(0n);
      expect(await f.mach.alertNonce(f.rollupAddress)).to.equal(0n);
    });
  });

  describe("mach report-invalid", function () {
    /**
     * Operators 0, 1 and 2 attest output 0 of rollup 5001 in the fixture's epoch (files in `dir`) and certify it;
     * operator 3 attests it in the next epoch too (`late`). Then VITAL invalidates it: each operator joins the rollup's
     * VITAL set with new stake, and in the next epoch operator 0 challenges it and operators 0, 1 and 2 vote it invalid.
     */
    async function invalidatedFixture() {
      const f = await loadFixture(machFixture);
      // the tasks below read the address book: this deployment's (another suite may have recorded its own)
      recordInProcess(f.book);
      const [op0, op1, op2, op3] = f.operators;
      const dir = files.path("invalid");
      mkdirSync(dir, { recursive: true });
      const signed = [];
      for (const op of [op0, op1, op2]) signed.push(await attestFile(`invalid/${op.address}.json`, op, 0));
      await certify(dir);
      await (await f.vital.registerRollup(f.rollupAddress)).wait();
      const vitalSet = await f.vital.setIdOf(f.rollupAddress);
      const registryAddress = await f.registry.getAddress();
      for (const op of f.operators) {
        await (await f.token.connect(op.signer).approve(registryAddress, 100_000n * ALT)).wait();
        await (await f.registry.connect(op.signer).stake(op.address, 0, 100_000n * ALT)).wait();
        await (await f.sets.connect(op.signer).join(vitalSet, 100_000n * ALT)).wait();
      }
      const next = await nextEpoch(f.sets);
      const late = await attestFile(`late-${op3.address}.json`, op3, 0);
      const [, bond] = await f.vital.parameters();
      await (await f.token.connect(op0.signer).approve(await f.vital.getAddress(), bond)).wait();
      await (await f.vital.connect(op0.signer).challenge(f.rollupAddress, 0)).wait();
      for (const op of [op0, op1, op2]) await (await f.vital.connect(op.signer).vote(0, true)).wait();
      expect(await f.rollup.invalidatedAt(f.blocks[0], ROOTS[0])).to.not.equal(0n);
      expect(await f.rollup.outputCount()).to.equal(0n);
      return { ...f, dir, signed, late, next };
    }

    /** SlashingManager's evidence of a reported signer: keccak256(abi.encode(outputKey, operator)). */
    const evidenceOf = (f: Fixture, operator: string) =>
      keccak256(
        coder.encode(
          ["bytes32", "address"],
          [
            keccak256(coder.encode(["address", "uint64", "bytes32"], [f.rollupAddress, f.blocks[0], ROOTS[0]])),
            operator,
          ],
        ),
      );

    it("reports every signer of the files with MACH's invalid-certificate bps, the slashes redirected to the rollup's portal (text mode)", async function () {
      const f = await load(invalidatedFixture);
      const [op0, op1, op2, op3] = f.operators;
      const requestId = await f.manager.requestCount();
      const { result, lines } = await runTask<ReportResult>("mach report-invalid", {
        rollup: "5001",
        root: ROOTS[0],
        attestations: f.dir,
        from: f.outsider.address,
        json: false,
      });
      const operators = sorted([op0, op1, op2]);
      const requestIds = [requestId, requestId + 1n, requestId + 2n];
      expect(result).to.deep.equal({
        rollup: f.rollupAddress,
        outputIndex: 0n,
        l2BlockNumber: f.blocks[0],
        root: ROOTS[0],
        reports: [{ epoch: f.epoch, operators, requestIds, tx: result.reports[0].tx }],
      });
      const tx = result.reports[0].tx;
      expect(lines).to.deep.equal([
        txLine(
          `reported 3 signers of block ${f.blocks[0]} root ${ROOTS[0]} (epoch ${f.epoch}): slash requests ${requestIds.join(", ")}`,
          tx,
        ),
      ]);
      const receipt = await expectTx(tx, f.outsider.address, f.machAddress);
      const signatures = await Promise.all(
        [op0, op1, op2].map((op) => attest(f.mach, op, f.rollupAddress, 0n, f.blocks[0], ROOTS[0], f.epoch)),
      );
      expect((await hre.ethers.provider.getTransaction(tx.hash))!.data).to.equal(
        f.mach.interface.encodeFunctionData("reportInvalidCertificate", [
          f.rollupAddress,
          0n,
          f.blocks[0],
          ROOTS[0],
          expectedQuorum(f.epoch, signatures, [op0, op1, op2], f.operators),
          operators,
        ]),
      );
      const executableAt = (await blockTime(receipt.blockNumber)) + (await f.manager.vetoWindow());
      for (const [i, operator] of operators.entries()) {
        await expect(hre.ethers.provider.getTransaction(tx.hash))
          .to.emit(f.mach, "InvalidCertificateReported")
          .withArgs(f.rollupAddress, f.blocks[0], ROOTS[0], operator, requestIds[i])
          .and.to.emit(f.manager, "SlashRequested")
          .withArgs(
            requestIds[i],
            operator,
            f.machAddress,
            f.setId,
            INVALID_CERTIFICATE_BPS,
            INVALID_CERTIFICATE,
            evidenceOf(f, operator),
            ZeroAddress, // no reporter share: the slash is the rollup's portal's
            executableAt,
          )
          .and.to.emit(f.manager, "SlashRedirected")
          .withArgs(requestIds[i], await f.rollup.portal());
        expect(await f.mach.isReported(f.rollupAddress, f.blocks[0], ROOTS[0], operator)).to.equal(true);
        expect(await f.registry.isJailed(operator)).to.equal(true);
      }
      expect(await f.mach.isReported(f.rollupAddress, f.blocks[0], ROOTS[0], op3.address)).to.equal(false);
      // reported once: the same files report nobody again
      await expectRefused(
        "mach report-invalid",
        { rollup: "5001", root: ROOTS[0], attestations: f.dir, json: true },
        "every signer among the files is reported already",
      );
    });

    it("keeper execute-slashes then keeper recover-slashes move the reported signers' slashed ALT into the rollup's portal, nothing burned", async function () {
      const f = await load(invalidatedFixture);
      const first = await f.manager.requestCount();
      await task("mach report-invalid", { rollup: "5001", root: ROOTS[0], attestations: f.dir, json: true });
      const portal = await f.rollup.portal();
      const keeper = { json: true, from: f.outsider.address };
      // nothing credited yet: nothing to recover
      const none = await task<TickResult>("keeper recover-slashes", keeper);
      expect(none.records).to.deep.equal([]);
      await time.increaseTo((await f.manager.request(first + 2n)).executableAt);
      const executed = await task<TickResult>("keeper execute-slashes", keeper);
      expect(executed.records.map((r) => r.target)).to.deep.equal(
        [first, first + 1n, first + 2n].map((id) => `slash request ${id}`),
      );
      const credited = await f.registry.slashProceeds(portal, 0);
      expect(credited).to.be.greaterThan(0n);
      expect(await f.registry.altToBurn()).to.equal(0n);
      const before = await f.token.balanceOf(portal);
      const recovered = await task<TickResult>("keeper recover-slashes", keeper);
      expect(recovered.records.map((r) => [r.duty, r.target, r.what])).to.deep.equal([
        ["recover-slashes", portal, `${formatAlt(credited)} recovered into the portal of ${f.rollupAddress}`],
      ]);
      expect(await f.token.balanceOf(portal)).to.equal(before + credited);
      expect(await f.registry.slashProceeds(portal, 0)).to.equal(0n);
      // recovered once: the next pass finds nothing
      expect((await task<TickResult>("keeper recover-slashes", keeper)).records).to.deep.equal([]);
    });

    it("sends one report per epoch of the files, leaving out signers reported already, every report simulated first (--json)", async function () {
      const f = await load(invalidatedFixture);
      const [op0, op1, op2, op3] = f.operators;
      // operator 0 reported alone first
      const first = await task<ReportResult>("mach report-invalid", {
        rollup: f.rollupAddress,
        root: ROOTS[0],
        attestations: f.signed[0],
        json: true,
      });
      expect(first.reports.map((r) => [r.epoch, r.operators])).to.deep.equal([[f.epoch, [op0.address]]]);
      const requestId = await f.manager.requestCount();
      const { result, lines } = await runTask<ReportResult>("mach report-invalid", {
        rollup: "5001",
        root: ROOTS[0],
        attestations: [f.dir, f.late].join(","),
        json: true,
      });
      const expected = {
        rollup: f.rollupAddress,
        outputIndex: 0n,
        l2BlockNumber: f.blocks[0],
        root: ROOTS[0],
        reports: [
          {
            epoch: f.epoch,
            operators: sorted([op1, op2]),
            requestIds: [requestId, requestId + 1n],
            tx: result.reports[0].tx,
          },
          { epoch: f.next, operators: [op3.address], requestIds: [requestId + 2n], tx: result.reports[1].tx },
        ],
      };
      expect(result).to.deep.equal(expected);
      expect(JSON.parse(lines.join("\n"))).to.deep.equal(asJson(expected));
      // the later quorum: operator 3 alone, every other member counted in the next epoch a non-signer
      const late = await attest(f.mach, op3, f.rollupAddress, 0n, f.blocks[0], ROOTS[0], f.next);
      expect((await hre.ethers.provider.getTransaction(result.reports[1].tx.hash))!.data).to.equal(
        f.mach.interface.encodeFunctionData("reportInvalidCertificate", [
          f.rollupAddress,
          0n,
          f.blocks[0],
          ROOTS[0],
          expectedQuorum(f.next, [late], [op3], f.operators),
          [op3.address],
        ]),
      );
      for (const op of f.operators) {
        expect(await f.mach.isReported(f.rollupAddress, f.blocks[0], ROOTS[0], op.address)).to.equal(true);
      }
    });

    it("refuses an output VITAL did not invalidate, files of no such root, a bad --root and an unregistered rollup", async function () {
      const f = await load(machFixture);
      const [op0, op1] = f.operators;
      const attestations = [await attestFile("valid-0.json", op0, 0), await attestFile("valid-1.json", op1, 0)];
      const args = { rollup: "5001", root: ROOTS[0], attestations: attestations.join(","), json: true };
      await expectRefused(
        "mach report-invalid",
        args,
        `VITAL has not invalidated block ${f.blocks[0]} root ${ROOTS[0]} of ${f.rollupAddress}: nothing to report`,
      );
      await expectRefused(
        "mach report-invalid",
        { ...args, root: FORGED },
        `no attestation of root ${FORGED} among the files`,
      );
      await expectRefused("mach report-invalid", { ...args, root: "0x1234" }, "--root must be 32-byte hex: 0x1234");
      await expectRefused(
        "mach report-invalid",
        { ...args, rollup: "5003" },
        `${f.otherAddress} is not registered in MACH (service join registers it)`,
      );
      expect(await f.mach.isReported(f.rollupAddress, f.blocks[0], ROOTS[0], op0.address)).to.equal(false);
    });

    it("refuses a signature that is not the named operator's, before sending any report", async function () {
      const f = await load(invalidatedFixture);
      const [op0, , , op3] = f.operators;
      // operator 0's signature under operator 3's name (operator 3 counted in the epoch, did not sign in it)
      const renamed = altered("invalid-renamed.json", f.signed[0], (s) => ({ ...s, operator: op3.address }));
      const requests = await f.manager.requestCount();
      await expectRefused(
        "mach report-invalid",
        { rollup: "5001", root: ROOTS[0], attestations: [f.late, renamed].join(","), json: true },
        `${renamed}: the signature is not by ${op3.address}'s BLS key of epoch ${f.epoch}`,
      );
      expect(await f.manager.requestCount()).to.equal(requests);
      expect(await f.mach.isReported(f.rollupAddress, f.blocks[0], ROOTS[0], op0.address)).to.equal(false);
    });
  });
});
