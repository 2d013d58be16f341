// The MACH tasks (tasks/mach.ts) against the staged deployment of `servicesTaskFixture`: attestations signed with the
// signing key of an environment variable or with a --from account, certificates from files and directories, equivocation
// proofs and alerts. Every signature is recomputed independently (EIP-712 by hand, and recovered against the contract's
// own digest); every on-chain effect (certificate, output status, slash request, jail, alert) is read back.
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  AbiCoder,
  concat,
  encodeBytes32String,
  id,
  keccak256,
  recoverAddress,
  Signature,
  Wallet,
  zeroPadValue,
  type Signer,
} from "ethers";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "fs";
import { servicesTaskFixture, OPERATOR_STAKES, type TaskOperator } from "../helpers/serviceTasks";
import { attest, byAddress, createRollup } from "../helpers/services";
import { SERVICE } from "../helpers/rollups";
import { ALT } from "../helpers/constants";
import { asJson, expectRefused, expectTaskFailure, load, runTask, task, tempDir, expectTx } from "../helpers/tasks";
import { keyProof, keyWallet } from "../helpers/keys";
import { nextEpoch } from "../helpers/time";
import { formatAlt } from "../../tasks/lib/cli";

const coder = AbiCoder.defaultAbiCoder();

/** The variable the tests hand the signing key in (never set outside `withEnv`). */
const KEY_ENV = "ALT_TEST_MACH_SIGNING_KEY";
/** The task's default --key-env. */
const DEFAULT_KEY_ENV = "ALT_SIGNING_KEY";
const ROOTS = [id("mach-task-root-0"), id("mach-task-root-1")];
/** A root nobody proposed: what an equivocating member signs besides the proposed one. */
const FORGED = id("mach-task-forged-root");
/** IRollup.OutputStatus, ISlashingManager.Status */
const OutputStatus = { Proposed: 1n, FastFinalized: 2n, Finalized: 3n } as const;
const SlashStatus = { Pending: 1n } as const;
const EQUIVOCATION = encodeBytes32String("MACH_EQUIVOCATION");
/** deploy/parameters/hardhat.json services.mach.equivocationBps */
const EQUIVOCATION_BPS = 1_000n;

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
  key: string;
  message: Record<string, string>;
  signature: { r: string; vs: string };
}

interface CertifyResult {
  rollup: string;
  output: bigint;
  signers: number;
  signedStake: bigint;
  totalStake: bigint;
  tx: TxReport;
}

interface EquivocationResult {
  operator: string;
  rollup: string;
  l2BlockNumber: bigint;
  tx: TxReport;
}

interface AlertResult {
  rollup: string;
  reason: string;
  nonce: string;
  signers: number;
  tx: TxReport;
}

const txLine = (what: string, tx: TxReport) => `${what}: tx ${tx.hash} (gas ${tx.gasUsed}, block ${tx.block})`;
/** A certificate's signer list: the operators' addresses, ascending as numbers. */
const signerList = (ops: TaskOperator[]) => ops.map((op) => op.address).sort(byAddress);
/** MachService's Certificate/Alert signersHash: keccak256(abi.encodePacked(signers)), each address a padded word. */
const signersHash = (signers: string[]) => keccak256(concat(signers.map((signer) => zeroPadValue(signer, 32))));
const blockTime = async (block: number) => BigInt((await hre.ethers.provider.getBlock(block))!.timestamp);

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
   * The fixture's rollup (chain 5001) registered in MACH, operators 0..3 members of its set, their allocations counted
   * from the fresh epoch the chain is in, outputs 0 and 1 proposed; `other` (chain 5003): a MACH
   * rollup, NOT registered, with an output at the same L2 block as output 0.
   */
  async function machFixture() {
    const f = await loadFixture(servicesTaskFixture);
    const { mach, sets, rollup, rollupAddress, creator, operators, factory } = f;
    await (await mach.registerRollup(rollupAddress)).wait();
    const setId = await mach.setIdOf(rollupAddress);
    // each operator allocates all its stake to the set
    for (const op of operators) {
      await (await sets.connect(op.signer).join(setId, await sets.freeStake(op.address))).wait();
    }
    // the start of the next epoch, when the allocations count: a whole epoch for the suite, never epoch 0
    const epoch = await nextEpoch(sets);
    const interval = await rollup.outputInterval();
    const blocks = [interval, 2n * interval];
    for (const [i, root] of ROOTS.entries())
      await (await rollup.connect(creator).proposeOutput(blocks[i], root)).wait();
    const other = await createRollup({ factory }, creator, {
      chainId: 5003,
      salt: id("mach-tasks:other"),
      services: SERVICE.MACH,
    });
    await (await other.connect(creator).proposeOutput(blocks[0], ROOTS[0])).wait();
    const members = operators.map((op) => op.address);
    const counted = await sets.allocationsAt(setId, members, epoch);
    return {
      ...f,
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

  const domainOf = (f: Fixture) => ({
    name: "ALT MACH",
    version: "1",
    chainId: f.chainId,
    verifyingContract: f.machAddress,
  });

  /** What `mach:attest` must write: the attestation signed independently by `key` (test/helpers/services.ts). */
  async function expectedAttestation(f: Fixture, key: Signer, rollup: string, block: bigint, root: string) {
    return {
      kind: "attestation",
      chainId: f.chainId.toString(),
      mach: f.machAddress,
      rollup,
      key: await key.getAddress(),
      message: { rollup, l2BlockNumber: block.toString(), outputRoot: root },
      signature: await attest(f.mach, key, rollup, block, root),
    };
  }

  /** What `mach:alert --out` must write: the alert signed independently by `key`. */
  async function expectedAlert(f: Fixture, key: Signer, reason: string, nonce: bigint) {
    const message = { rollup: f.rollupAddress, reason, nonce };
    const types = {
      Alert: [
        { name: "rollup", type: "address" },
        { name: "reason", type: "bytes32" },
        { name: "nonce", type: "uint256" },
      ],
    };
    const signature = Signature.from(await key.signTypedData(domainOf(f), types, message));
    return {
      kind: "alert",
      chainId: f.chainId.toString(),
      mach: f.machAddress,
      rollup: f.rollupAddress,
      key: await key.getAddress(),
      message: { rollup: f.rollupAddress, reason, nonce: nonce.toString() },
      signature: { r: signature.r, vs: signature.yParityAndS },
    };
  }

  /** The signer a compact signature recovers to, over a digest the contract computed. */
  const recovered = (digest: string, signature: { r: string; vs: string }) =>
    recoverAddress(digest, Signature.from({ r: signature.r, yParityAndS: signature.vs }));

  /** Signs an attestation of `output` with `op`'s signing key through `mach:attest` (the key in $KEY_ENV). */
  async function attestFile(
    name: string,
    op: TaskOperator | Wallet,
    output: number,
    options: { root?: string; rollup?: string } = {},
  ): Promise<string> {
    const key = "key" in op ? op.key : op;
    const out = files.path(name);
    await withEnv(KEY_ENV, key.privateKey, () =>
      task("mach:attest", {
        rollup: options.rollup ?? "5001",
        output: String(output),
        root: options.root,
        out,
        keyEnv: KEY_ENV,
        json: true,
      }),
    );
    return out;
  }

  /** Signs an alert with `op`'s signing key through `mach:alert --out`. */
  async function alertFile(name: string, op: TaskOperator, reason: string): Promise<string> {
    const out = files.path(name);
    await withEnv(KEY_ENV, op.key.privateKey, () =>
      task("mach:alert", { rollup: "5001", reason, out, keyEnv: KEY_ENV, json: true }),
    );
    return out;
  }

  /** A fresh sub-directory of the suite's temporary directory. */
  function directory(name: string): string {
    const dir = files.path(name);
    mkdirSync(dir);
    return dir;
  }

  describe("mach:attest", function () {
    it("signs with the key in the variable named by --key-env and writes the file (text mode, nothing sent)", async function () {
      const f = await load(machFixture);
      const op = f.operators[1];
      const out = files.path("attest-env.json");
      const block = await hre.ethers.provider.getBlockNumber();
      const { result, lines } = await withEnv(KEY_ENV, op.key.privateKey, () =>
        runTask<SignedFile>("mach:attest", { rollup: "5001", output: "0", out, keyEnv: KEY_ENV, json: false }),
      );
      expect(process.env[KEY_ENV]).to.equal(undefined);
      const expected = await expectedAttestation(f, op.key, f.rollupAddress, f.blocks[0], ROOTS[0]);
      expect(expected.key).to.equal(await f.registry.signingKeyOf(op.address));
      expect(readFileSync(out, "utf8")).to.equal(JSON.stringify(expected, null, 2) + "\n");
      expect(result).to.deep.equal(expected);
      expect(lines).to.deep.equal([
        `attestation of ${f.rollupAddress} block ${f.blocks[0]} root ${ROOTS[0]} by ${op.key.address} -> ${out}`,
      ]);
      // the contract's own digest recovers the signing key
      const digest = await f.mach.attestationDigest(f.rollupAddress, f.blocks[0], ROOTS[0]);
      expect(recovered(digest, result.signature)).to.equal(op.key.address);
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
    });

    it("signs with the --from account when the variable is unset or empty, over the --root given (--json)", async function () {
      const f = await load(machFixture);
      const op = f.operators[2];
      for (const value of [undefined, ""]) {
        const out = files.path(`attest-from-${value === undefined ? "unset" : "empty"}.json`);
        const { result, lines } = await withEnv(KEY_ENV, value, () =>
          runTask<SignedFile>("mach:attest", {
            rollup: f.rollupAddress,
            output: "1",
            root: FORGED,
            out,
            keyEnv: KEY_ENV,
            from: op.address,
            json: true,
          }),
        );
        expect(process.env[KEY_ENV]).to.equal(undefined);
        const expected = await expectedAttestation(f, op.signer, f.rollupAddress, f.blocks[1], FORGED);
        expect(expected.key).to.equal(op.address);
        expect(result).to.deep.equal(expected);
        expect(JSON.parse(readFileSync(out, "utf8"))).to.deep.equal(expected);
        expect(JSON.parse(lines.join("\n"))).to.deep.equal(expected);
        const digest = await f.mach.attestationDigest(f.rollupAddress, f.blocks[1], FORGED);
        expect(recovered(digest, result.signature)).to.equal(op.address);
      }
    });

    it("reads $ALT_SIGNING_KEY by default, before --from", async function () {
      const f = await load(machFixture);
      const op = f.operators[3];
      const out = files.path("attest-default-env.json");
      const result = await withEnv(DEFAULT_KEY_ENV, op.key.privateKey, () =>
        task<SignedFile>("mach:attest", { rollup: "5001", output: "0", out, from: f.operators[0].address, json: true }),
      );
      expect(result).to.deep.equal(await expectedAttestation(f, op.key, f.rollupAddress, f.blocks[0], ROOTS[0]));
    });

    it("refuses a variable that holds no private key, and bad --output, --root, --rollup and --from, writing nothing", async function () {
      const f = await load(machFixture);
      const out = files.path("attest-refused.json");
      const args = { rollup: "5001", output: "0", out, keyEnv: KEY_ENV, json: true };
      await withEnv(KEY_ENV, "0x1234", () => expectRefused("mach:attest", args, `$${KEY_ENV} is not a private key`));
      await withEnv(KEY_ENV, undefined, async () => {
        await expectRefused("mach:attest", { ...args, output: "2" }, "the rollup has 2 outputs: no output 2");
        await expectRefused("mach:attest", { ...args, output: "one" }, "--output must be a whole number, not one");
        await expectRefused("mach:attest", { ...args, root: "0x1234" }, "--root must be 32-byte hex: 0x1234");
        await expectRefused("mach:attest", { ...args, rollup: "5999" }, "no rollup has chain ID 5999");
        await expectRefused(
          "mach:attest",
          { ...args, rollup: f.machAddress },
          `${f.machAddress} is not a rollup of the factory`,
        );
        const stranger = new Wallet(id("mach-task-stranger")).address;
        await expectRefused(
          "mach:attest",
          { ...args, from: stranger },
          `--from ${stranger} is not an account of network hardhat`,
        );
      });
      expect(existsSync(out)).to.equal(false);
    });
  });

  describe("mach:certify", function () {
    it("certifies from a list of files out of address order: certificate, output status and event (text mode)", async function () {
      const f = await load(machFixture);
      const [op0, op1] = f.operators;
      // the list names the higher address first: the task sorts the signers by address
      const [low, high] = [op0, op1].sort((a, b) => byAddress(a.address, b.address));
      const second = await attestFile("certify-list-high.json", high, 0);
      const first = await attestFile("certify-list-low.json", low, 0);
      const { result, lines } = await runTask<CertifyResult>("mach:certify", {
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
      expect(signedStake * 10_000n >= f.totalStake * (await f.rollup.fastFinalityBps())).to.equal(true);
      const receipt = await expectTx(result.tx, f.outsider.address, f.machAddress);
      expect(lines).to.deep.equal([
        txLine("output 0 fast-finalized by 2 signers (700,000 ALT of 1,000,000 ALT)", result.tx),
      ]);
      expect(result).to.deep.equal({
        rollup: f.rollupAddress,
        output: 0n,
        signers: 2,
        signedStake,
        totalStake: f.totalStake,
        tx: result.tx,
      });
      // the certificate the contract received: the signers by address, each with the member's own signature
      const signers = [low.address, high.address];
      expect(signerList([op0, op1])).to.deep.equal(signers);
      const signatures = await Promise.all(
        [low, high].map((op) => attest(f.mach, op.key, f.rollupAddress, f.blocks[0], ROOTS[0])),
      );
      expect((await hre.ethers.provider.getTransaction(result.tx.hash))!.data).to.equal(
        f.mach.interface.encodeFunctionData("certify", [f.rollupAddress, 0n, signers, signatures]),
      );
      const certifiedAt = await blockTime(receipt.blockNumber);
      const cert = await f.mach.certificate(f.rollupAddress, f.blocks[0], ROOTS[0]);
      expect(cert.signersHash).to.equal(signersHash(signers));
      expect(cert.epoch).to.equal(f.epoch);
      expect(cert.certifiedAt).to.equal(certifiedAt);
      expect(cert.signedStake).to.equal(signedStake);
      await expect(hre.ethers.provider.getTransaction(result.tx.hash))
        .to.emit(f.mach, "Certified")
        .withArgs(f.rollupAddress, 0n, f.blocks[0], ROOTS[0], f.epoch, signers, signedStake)
        .and.to.emit(f.rollup, "OutputFastFinalized")
        .withArgs(0n);
      expect((await f.rollup.output(0)).status).to.equal(OutputStatus.FastFinalized);
      expect((await f.rollup.output(1)).status).to.equal(OutputStatus.Proposed);
    });

    it("certifies from a directory (--json), leaving out attestations of other outputs, other rollups, alerts and non-.json files", async function () {
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
      const { result, lines } = await runTask<CertifyResult>("mach:certify", {
        rollup: f.rollupAddress,
        output: "0",
        attestations: dir,
        json: true,
      });
      const members = [op0, op2, op3];
      const signedStake = members.reduce((sum, op) => sum + f.stakeOf(op), 0n);
      expect(signedStake).to.equal(OPERATOR_STAKES[0] + OPERATOR_STAKES[2] + OPERATOR_STAKES[3]);
      const expected = {
        rollup: f.rollupAddress,
        output: 0n,
        signers: 3,
        signedStake,
        totalStake: f.totalStake,
        tx: result.tx,
      };
      expect(result).to.deep.equal(expected);
      expect(JSON.parse(lines.join("\n"))).to.deep.equal(asJson(expected));
      await expectTx(result.tx, f.deployer.address, f.machAddress);
      const cert = await f.mach.certificate(f.rollupAddress, f.blocks[0], ROOTS[0]);
      expect(cert.signersHash).to.equal(signersHash(signerList(members)));
      expect(cert.signedStake).to.equal(signedStake);
      expect(cert.epoch).to.equal(f.epoch);
      expect((await f.rollup.output(0)).status).to.equal(OutputStatus.FastFinalized);
      // nothing for the roots and outputs left out
      expect((await f.mach.certificate(f.rollupAddress, f.blocks[0], FORGED)).certifiedAt).to.equal(0n);
      expect((await f.mach.certificate(f.rollupAddress, f.blocks[1], ROOTS[1])).certifiedAt).to.equal(0n);
      expect((await f.rollup.output(1)).status).to.equal(OutputStatus.Proposed);
    });

    it("refuses attestations below the rollup's threshold before sending", async function () {
      const f = await load(machFixture);
      const [op0, , op2] = f.operators;
      const attestations = [await attestFile("below-0.json", op0, 0), await attestFile("below-2.json", op2, 0)].join(
        ",",
      );
      // 600,000 of 1,000,000 ALT: below 6,667 bps
      const signed = f.stakeOf(op0) + f.stakeOf(op2);
      expect(signed * 10_000n < f.totalStake * (await f.rollup.fastFinalityBps())).to.equal(true);
      await expectRefused(
        "mach:certify",
        { rollup: "5001", output: "0", attestations, json: false },
        "the attestations carry 600,000 ALT of 1,000,000 ALT: below the 6667 bps threshold",
      );
      expect((await f.rollup.output(0)).status).to.equal(OutputStatus.Proposed);
      expect((await f.mach.certificate(f.rollupAddress, f.blocks[0], ROOTS[0])).certifiedAt).to.equal(0n);
    });

    it("refuses files that hold no attestation of the output", async function () {
      const f = await load(machFixture);
      const [op0, op1] = f.operators;
      const attestations = [
        await attestFile("none-next.json", op0, 1),
        await attestFile("none-root.json", op1, 0, { root: FORGED }),
      ].join(",");
      await expectRefused(
        "mach:certify",
        { rollup: "5001", output: "0", attestations, json: true },
        `no attestation of output 0 (root ${ROOTS[0]}) among the files`,
      );
    });

    it("refuses keys that are no operator's current signing key, a member signing twice, and unknown outputs", async function () {
      const f = await load(machFixture);
      const [op0, op1] = f.operators;
      const member0 = await attestFile("refuse-member-0.json", op0, 0);
      const member1 = await attestFile("refuse-member-1.json", op1, 0);
      const stranger = new Wallet(id("mach-task-stranger"));
      const strangerFile = await attestFile("refuse-stranger.json", stranger, 0);
      await expectRefused(
        "mach:certify",
        { rollup: "5001", output: "0", attestations: `${member0},${strangerFile},${member1}`, json: true },
        `${stranger.address} is not the current signing key of an operator`,
      );
      // the operator's account is not its signing key
      const account = files.path("refuse-account.json");
      await withEnv(KEY_ENV, undefined, () =>
        task("mach:attest", {
          rollup: "5001",
          output: "0",
          out: account,
          keyEnv: KEY_ENV,
          from: op1.address,
          json: true,
        }),
      );
      await expectRefused(
        "mach:certify",
        { rollup: "5001", output: "0", attestations: `${member0},${account}`, json: true },
        `${op1.address} is not the current signing key of an operator`,
      );
      // a key operator 1 rotates to: its own, but not current before the rotation takes effect
      const rotated = keyWallet("mach-task-rotated:1");
      const proof = await keyProof(f.registry, rotated.address, op1.address);
      await (await f.registry.connect(op1.signer).rotateSigningKey(rotated.address, proof)).wait();
      expect(await f.registry.operatorOfSigningKey(rotated.address)).to.equal(op1.address);
      const rotatedFile = await attestFile("refuse-rotated.json", rotated, 0);
      await expectRefused(
        "mach:certify",
        { rollup: "5001", output: "0", attestations: `${member0},${rotatedFile}`, json: true },
        `${rotated.address} is not the current signing key of an operator`,
      );
      await expectRefused(
        "mach:certify",
        { rollup: "5001", output: "0", attestations: `${member0},${member1},${member0}`, json: true },
        `two signatures by ${op0.address}`,
      );
      await expectRefused(
        "mach:certify",
        { rollup: "5001", output: "2", attestations: member0, json: true },
        "the rollup has 2 outputs: no output 2",
      );
    });

    it("refuses missing, malformed, tampered and foreign files", async function () {
      const f = await load(machFixture);
      const member0 = await attestFile("files-member-0.json", f.operators[0], 0);
      const args = { rollup: "5001", output: "0", json: true };
      const missing = files.path("files-missing.json");
      await expectRefused(
        "mach:certify",
        { ...args, attestations: `${member0},${missing}` },
        `no such file: ${missing}`,
      );
      const garbage = files.write("files-garbage.json", "not json");
      let parseError = "";
      try {
        JSON.parse("not json");
      } catch (e) {
        parseError = (e as Error).message;
      }
      await expectRefused(
        "mach:certify",
        { ...args, attestations: garbage },
        `${garbage} is not valid JSON: ${parseError}`,
      );
      const signed = JSON.parse(readFileSync(member0, "utf8")) as SignedFile;
      // another root under the same signature: the signature no longer recovers the key
      const tampered = files.write("files-tampered.json", {
        ...signed,
        message: { ...signed.message, outputRoot: FORGED },
      });
      await expectRefused(
        "mach:certify",
        { ...args, attestations: tampered },
        `${tampered}: the signature is not by ${signed.key}`,
      );
      const otherMach = files.write("files-other-mach.json", { ...signed, mach: f.rollupAddress });
      await expectRefused(
        "mach:certify",
        { ...args, attestations: otherMach },
        `${otherMach} was signed for chain ${f.chainId} and MACH ${f.rollupAddress}, not this deployment`,
      );
      const otherChain = files.write("files-other-chain.json", { ...signed, chainId: "1" });
      await expectRefused(
        "mach:certify",
        { ...args, attestations: otherChain },
        `${otherChain} was signed for chain 1 and MACH ${f.machAddress}, not this deployment`,
      );
    });

    it("refuses a non-JSON file with line breaks near its start in one line", async function () {
      await load(machFixture);
      const text = "oops\nnot json\n";
      const garbage = files.write("files-garbage-lines.json", text);
      let parseError = "";
      try {
        JSON.parse(text);
      } catch (e) {
        parseError = (e as Error).message;
      }
      // V8 quotes the start of the text, its line breaks with it: the task folds them into spaces
      expect(parseError).to.include("\n");
      await expectRefused(
        "mach:certify",
        { rollup: "5001", output: "0", attestations: garbage, json: true },
        `${garbage} is not valid JSON: ${parseError.replace(/\s+/g, " ")}`,
      );
    });

    it("refuses a file whose signature or message is malformed in one line", async function () {
      const f = await load(machFixture);
      const member0 = await attestFile("files-bad-signature-source.json", f.operators[0], 0);
      const signed = JSON.parse(readFileSync(member0, "utf8")) as SignedFile;
      const args = { rollup: "5001", output: "0", json: true };
      const broken = files.write("files-bad-signature.json", { ...signed, signature: { r: "0x12", vs: "0x34" } });
      await expectRefused(
        "mach:certify",
        { ...args, attestations: broken },
        `${broken}: the signature is not by ${signed.key}`,
      );
      const unsigned = files.write("files-no-signature.json", { ...signed, signature: undefined });
      await expectRefused(
        "mach:certify",
        { ...args, attestations: unsigned },
        `${unsigned}: the signature is not by ${signed.key}`,
      );
      const badBlock = files.write("files-bad-block.json", {
        ...signed,
        message: { ...signed.message, l2BlockNumber: "block ten" },
      });
      await expectRefused(
        "mach:certify",
        { ...args, attestations: badBlock },
        `${badBlock}: the signature is not by ${signed.key}`,
      );
      expect((await f.rollup.output(0)).status).to.equal(OutputStatus.Proposed);
    });

    it("refuses a file holding JSON null in one line", async function () {
      await load(machFixture);
      const nothing = files.write("files-null.json", "null");
      await expectTaskFailure(
        "mach:certify",
        { rollup: "5001", output: "0", attestations: nothing, json: true },
        `${nothing} is not a signed MACH file`,
      );
    });

    it("refuses a rollup not registered in MACH", async function () {
      const f = await load(machFixture);
      const [op0, op1] = f.operators;
      const attestations = [
        await attestFile("other-0.json", op0, 0, { rollup: "5003" }),
        await attestFile("other-1.json", op1, 0, { rollup: "5003" }),
      ].join(",");
      await expectRefused(
        "mach:certify",
        { rollup: "5003", output: "0", attestations, json: true },
        `${f.otherAddress} is not registered in MACH (service:join registers it)`,
      );
    });

    it("certifies in a later epoch with the stake counted in it: an allocation lowered in the epoch before counts lowered", async function () {
      const f = await load(machFixture);
      const [op0, op1] = f.operators;
      const attestations = [await attestFile("late-0.json", op0, 0), await attestFile("late-1.json", op1, 0)].join(",");
      // operator 0 lowers its allocation in the fixture's epoch: the next one counts the lower stake
      const lowered = OPERATOR_STAKES[0] - 100_000n * ALT;
      await (await f.sets.connect(op0.signer).allocate(f.setId, lowered)).wait();
      const next = await nextEpoch(f.sets);
      expect(await f.sets.allocationAt(f.setId, op0.address, next - 1n)).to.equal(OPERATOR_STAKES[0]);
      expect(await f.sets.allocationAt(f.setId, op0.address, next)).to.equal(lowered);
      const total = f.totalStake - 100_000n * ALT;
      const signedStake = lowered + OPERATOR_STAKES[1];
      // 600,000 of 900,000 ALT: 6,666 bps, below the rollup's 6,667
      expect(signedStake * 10_000n < total * (await f.rollup.fastFinalityBps())).to.equal(true);
      await expectRefused(
        "mach:certify",
        { rollup: "5001", output: "0", attestations, json: true },
        "the attestations carry 600,000 ALT of 900,000 ALT: below the 6667 bps threshold",
      );
      // with operator 2's 200,000 ALT: 800,000 of 900,000
      const three = [attestations, await attestFile("late-2.json", f.operators[2], 0)].join(",");
      const result = await task<CertifyResult>("mach:certify", {
        rollup: "5001",
        output: "0",
        attestations: three,
        json: true,
      });
      expect(result).to.deep.equal({
        rollup: f.rollupAddress,
        output: 0n,
        signers: 3,
        signedStake: signedStake + OPERATOR_STAKES[2],
        totalStake: total,
        tx: result.tx,
      });
      const cert = await f.mach.certificate(f.rollupAddress, f.blocks[0], ROOTS[0]);
      expect([cert.epoch, cert.signedStake, cert.signersHash]).to.deep.equal([
        next,
        signedStake + OPERATOR_STAKES[2],
        signersHash(signerList(f.operators.slice(0, 3))),
      ]);
      expect(await f.sets.setStakeAt(f.setId, next)).to.equal(total);
    });

    it("counts an operator that joined from the next epoch and one that left through the current one, before sending", async function () {
      const f = await load(machFixture);
      const [op0, op1, , op3] = f.operators;
      // account 15 registers as an operator and joins in the fixture's epoch: it counts from the next one
      const newcomer: TaskOperator = {
        signer: f.outsider,
        address: f.outsider.address,
        key: keyWallet("mach-task-newcomer"),
      };
      const stake = 500_000n * ALT;
      const proof = await keyProof(f.registry, newcomer.key.address, newcomer.address);
      await (
        await f.registry.connect(f.outsider).registerOperator("ipfs://newcomer", 0, newcomer.key.address, proof)
      ).wait();
      await (await f.token.connect(f.outsider).approve(await f.registry.getAddress(), stake)).wait();
      await (await f.registry.connect(f.outsider).stake(newcomer.address, 0, stake)).wait();
      await (await f.sets.connect(f.outsider).join(f.setId, stake)).wait();
      const withNewcomer = [
        await attestFile("joined-0.json", op0, 0),
        await attestFile("joined-1.json", op1, 0),
        await attestFile("joined-newcomer.json", newcomer, 0),
      ].join(",");
      await expectRefused(
        "mach:certify",
        { rollup: "5001", output: "0", attestations: withNewcomer, json: true },
        `${newcomer.address} has no stake counted in the set in epoch ${f.epoch}: its allocation counts from epoch ${f.epoch + 1n}`,
      );
      // operator 3 leaves in the fixture's epoch: it still counts in it, with what it had allocated
      await (await f.sets.connect(op3.signer).requestLeave(f.setId)).wait();
      const withLeaver = [
        await attestFile("left-0.json", op0, 0),
        await attestFile("left-1.json", op1, 0),
        await attestFile("left-3.json", op3, 0),
      ].join(",");
      const certified = await task<CertifyResult>("mach:certify", {
        rollup: "5001",
        output: "0",
        attestations: withLeaver,
        json: true,
      });
      expect([certified.signedStake, certified.totalStake]).to.deep.equal([
        OPERATOR_STAKES[0] + OPERATOR_STAKES[1] + OPERATOR_STAKES[3],
        f.totalStake,
      ]);
      expect((await f.mach.certificate(f.rollupAddress, f.blocks[0], ROOTS[0])).signersHash).to.equal(
        signersHash(signerList([op0, op1, op3])),
      );
      // the next epoch: operator 3 counts no more, the newcomer does
      const next = await nextEpoch(f.sets);
      const leaver = await attestFile("left-next-3.json", op3, 1);
      const signed = [await attestFile("next-0.json", op0, 1), await attestFile("next-1.json", op1, 1)];
      await expectRefused(
        "mach:certify",
        { rollup: "5001", output: "1", attestations: [...signed, leaver].join(","), json: true },
        `${op3.address} has no stake counted in the set in epoch ${next}`,
      );
      const result = await task<CertifyResult>("mach:certify", {
        rollup: "5001",
        output: "1",
        attestations: [...signed, await attestFile("next-newcomer.json", newcomer, 1)].join(","),
        json: true,
      });
      // 1,200,000 of 1,400,000 ALT
      const total = f.totalStake - OPERATOR_STAKES[3] + stake;
      expect([result.signers, result.signedStake, result.totalStake]).to.deep.equal([
        3,
        OPERATOR_STAKES[0] + OPERATOR_STAKES[1] + stake,
        total,
      ]);
      const cert = await f.mach.certificate(f.rollupAddress, f.blocks[1], ROOTS[1]);
      expect([cert.epoch, cert.signersHash]).to.deep.equal([next, signersHash(signerList([op0, op1, newcomer]))]);
    });

    it("refuses a set that is not live in the epoch in one line, before sending anything", async function () {
      const f = await load(machFixture);
      const [op0, op1, op2] = f.operators;
      // the service's owner (the deployer) asks 5 operators, from the next epoch on; the set counts the same 4
      const params = { minStake: 1_000n * ALT, maxSize: 64, minMembers: 5, minTotalStake: 1_000n * ALT };
      await (await f.mach.connect(f.deployer).updateRollupSet(f.rollupAddress, params)).wait();
      // the current epoch keeps the minimums it started with
      expect(await f.sets.isLive(f.setId, f.epoch)).to.equal(true);
      const next = await nextEpoch(f.sets);
      expect([
        await f.sets.memberCountAt(f.setId, next),
        await f.sets.setStakeAt(f.setId, next),
        await f.sets.isLive(f.setId, next),
      ]).to.deep.equal([4n, f.totalStake, false]);
      const notLive =
        `the set is not live in epoch ${next} (4 operators, ${formatAlt(f.totalStake)} counted; it needs 5 and ` +
        `${formatAlt(1_000n * ALT)}, and some stake): nothing is decided on it`;
      // 900,000 of 1,000,000 ALT sign: enough stake, but nothing is decided on a set that is not live
      const attestations = [
        await attestFile("not-live-0.json", op0, 0),
        await attestFile("not-live-1.json", op1, 0),
        await attestFile("not-live-2.json", op2, 0),
      ].join(",");
      await expectRefused("mach:certify", { rollup: "5001", output: "0", attestations, json: true }, notLive);
      expect((await f.rollup.output(0)).status).to.equal(OutputStatus.Proposed);
      // nor an alert
      const signatures = [
        await alertFile("not-live-alert-0.json", op0, "down"),
        await alertFile("not-live-alert-1.json", op1, "down"),
        await alertFile("not-live-alert-2.json", op2, "down"),
      ].join(",");
      await expectRefused("mach:alert", { rollup: "5001", reason: "down", signatures, json: true }, notLive);
      expect(await f.mach.alertNonce(f.rollupAddress)).to.equal(0n);
    });

    it("refuses an output that is fast-finalized or finalized already, before reading the files", async function () {
      const f = await load(machFixture);
      const attestations = [
        await attestFile("twice-0.json", f.operators[0], 0),
        await attestFile("twice-1.json", f.operators[1], 0),
      ].join(",");
      const first = await task<CertifyResult>("mach:certify", {
        rollup: "5001",
        output: "0",
        attestations,
        json: true,
      });
      const cert = await f.mach.certificate(f.rollupAddress, f.blocks[0], ROOTS[0]);
      await expectRefused(
        "mach:certify",
        { rollup: "5001", output: "0", attestations, json: true },
        "output 0 is FastFinalized already",
      );
      // the files are not read: a missing one does not matter
      await expectRefused(
        "mach:certify",
        { rollup: "5001", output: "0", attestations: files.path("twice-missing.json"), json: false },
        "output 0 is FastFinalized already",
      );
      expect(await f.mach.certificate(f.rollupAddress, f.blocks[0], ROOTS[0])).to.deep.equal(cert);
      expect(cert.certifiedAt).to.equal(await blockTime(first.tx.block));
      // output 0 finalized after the rollup's challenge period
      const { proposedAt } = await f.rollup.output(0);
      await time.increaseTo(proposedAt + (await f.rollup.challengePeriod()));
      await (await f.rollup.finalize(0)).wait();
      expect((await f.rollup.output(0)).status).to.equal(OutputStatus.Finalized);
      await expectRefused(
        "mach:certify",
        { rollup: "5001", output: "0", attestations, json: true },
        "output 0 is Finalized already",
      );
    });

    it("refuses the attestation of a jailed member before sending", async function () {
      const f = await load(machFixture);
      const [op0, op1, op2] = f.operators;
      const proposed = await attestFile("jailed-proposed.json", op1, 0);
      const forged = await attestFile("jailed-forged.json", op1, 0, { root: FORGED });
      await task("mach:prove-equivocation", { first: proposed, second: forged, json: true });
      expect(await f.registry.isJailed(op1.address)).to.equal(true);
      // operators 0, 1 and 2 carry 900,000 ALT of 1,000,000 ALT: enough, but operator 1 does not count
      const member0 = await attestFile("jailed-member-0.json", op0, 0);
      const member2 = await attestFile("jailed-member-2.json", op2, 0);
      await expectRefused(
        "mach:certify",
        { rollup: "5001", output: "0", attestations: `${member0},${proposed},${member2}`, json: true },
        `${op1.address} is jailed: its signature does not count`,
      );
      expect((await f.rollup.output(0)).status).to.equal(OutputStatus.Proposed);
      expect((await f.mach.certificate(f.rollupAddress, f.blocks[0], ROOTS[0])).certifiedAt).to.equal(0n);
    });
  });

  describe("mach:prove-equivocation", function () {
    it("reports the member with MACH's equivocation bps and the caller as reporter, jailing it (--json)", async function () {
      const f = await load(machFixture);
      const op = f.operators[1];
      const first = await attestFile("equivocation-proposed.json", op, 0);
      const second = await attestFile("equivocation-forged.json", op, 0, { root: FORGED });
      const requestId = await f.manager.requestCount();
      const { result, lines } = await runTask<EquivocationResult>("mach:prove-equivocation", {
        first,
        second,
        from: f.outsider.address,
        json: true,
      });
      const expected = { operator: op.address, rollup: f.rollupAddress, l2BlockNumber: f.blocks[0], tx: result.tx };
      expect(result).to.deep.equal(expected);
      expect(JSON.parse(lines.join("\n"))).to.deep.equal(asJson(expected));
      const receipt = await expectTx(result.tx, f.outsider.address, f.machAddress);
      const requestedAt = await blockTime(receipt.blockNumber);
      const [equivocationBps] = await f.mach.offenceBps();
      expect(equivocationBps).to.equal(EQUIVOCATION_BPS);
      const evidence = keccak256(
        coder.encode(
          ["bytes32", "bytes32"],
          [
            await f.mach.attestationDigest(f.rollupAddress, f.blocks[0], ROOTS[0]),
            await f.mach.attestationDigest(f.rollupAddress, f.blocks[0], FORGED),
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
      expect(request.operator).to.equal(op.address);
      expect(request.bps).to.equal(EQUIVOCATION_BPS);
      expect(request.status).to.equal(SlashStatus.Pending);
      expect(request.requestedAt).to.equal(requestedAt);
      expect(request.reporter).to.equal(f.outsider.address);
      expect(request.executableAt).to.equal(executableAt);
      expect(await f.registry.isJailed(op.address)).to.equal(true);
      expect(await f.mach.isEquivocationProven(op.address, f.rollupAddress, f.blocks[0])).to.equal(true);
      expect(await f.registry.isJailed(f.operators[0].address)).to.equal(false);
    });

    it("prints the proof in text mode, the first account reporting by default", async function () {
      const f = await load(machFixture);
      const op = f.operators[3];
      // the forged root first: the order of the files does not matter
      const first = await attestFile("equivocation-text-forged.json", op, 1, { root: FORGED });
      const second = await attestFile("equivocation-text-proposed.json", op, 1);
      const requestId = await f.manager.requestCount();
      const { result, lines } = await runTask<EquivocationResult>("mach:prove-equivocation", {
        first,
        second,
        json: false,
      });
      expect(lines).to.deep.equal([
        txLine(
          `equivocation of ${op.address} at block ${f.blocks[1]} proven: slash requested, operator jailed`,
          result.tx,
        ),
      ]);
      await expectTx(result.tx, f.deployer.address, f.machAddress);
      await expect(hre.ethers.provider.getTransaction(result.tx.hash))
        .to.emit(f.mach, "EquivocationProven")
        .withArgs(op.address, f.rollupAddress, f.blocks[1], FORGED, ROOTS[1], requestId);
      const request = await f.manager.request(requestId);
      expect(request.operator).to.equal(op.address);
      expect(request.bps).to.equal(EQUIVOCATION_BPS);
      expect(request.reporter).to.equal(f.deployer.address);
      expect(await f.registry.isJailed(op.address)).to.equal(true);
    });

    it("refuses the same root, different blocks, different rollups, two keys and alert files", async function () {
      const f = await load(machFixture);
      const [op0, op1] = f.operators;
      const proposed = await attestFile("refuse-eq-proposed.json", op1, 0);
      const again = await attestFile("refuse-eq-again.json", op1, 0);
      const nextBlock = await attestFile("refuse-eq-next-block.json", op1, 1, { root: FORGED });
      const otherRollup = await attestFile("refuse-eq-other-rollup.json", op1, 0, { rollup: "5003", root: FORGED });
      const otherKey = await attestFile("refuse-eq-other-key.json", op0, 0, { root: FORGED });
      const alert = await alertFile("refuse-eq-alert.json", op1, "an alert");
      await expectRefused(
        "mach:prove-equivocation",
        { first: proposed, second: again, json: true },
        "the attestations sign the same root: no equivocation",
      );
      await expectRefused(
        "mach:prove-equivocation",
        { first: proposed, second: proposed, json: true },
        "the attestations sign the same root: no equivocation",
      );
      for (const second of [nextBlock, otherRollup]) {
        await expectRefused(
          "mach:prove-equivocation",
          { first: proposed, second, json: true },
          "the attestations are for different rollups or blocks",
        );
      }
      await expectRefused(
        "mach:prove-equivocation",
        { first: proposed, second: otherKey, json: true },
        `the files are signed by two keys: ${op1.key.address}, ${op0.key.address}`,
      );
      await expectRefused(
        "mach:prove-equivocation",
        { first: alert, second: proposed, json: true },
        "both files must be attestations",
      );
      expect(await f.registry.isJailed(op1.address)).to.equal(false);
    });

    it("refuses an equivocation on a rollup not registered in MACH", async function () {
      const f = await load(machFixture);
      const op = f.operators[0];
      const first = await attestFile("unregistered-proposed.json", op, 0, { rollup: "5003" });
      const second = await attestFile("unregistered-forged.json", op, 0, { rollup: "5003", root: FORGED });
      await expectRefused(
        "mach:prove-equivocation",
        { first, second, json: true },
        `${f.otherAddress} is not registered in MACH (service:join registers it)`,
      );
    });

    it("refuses an equivocation proven already, before sending", async function () {
      const f = await load(machFixture);
      const op = f.operators[1];
      const first = await attestFile("twice-eq-proposed.json", op, 0);
      const second = await attestFile("twice-eq-forged.json", op, 0, { root: FORGED });
      await task("mach:prove-equivocation", { first, second, json: true });
      const requests = await f.manager.requestCount();
      // the same files, in the other order, and another forged root for the same block
      const third = await attestFile("twice-eq-forged-again.json", op, 0, { root: id("another forged root") });
      for (const [a, b] of [
        [first, second],
        [second, first],
        [first, third],
      ]) {
        await expectRefused(
          "mach:prove-equivocation",
          { first: a, second: b, json: true },
          `the equivocation of ${op.address} at block ${f.blocks[0]} is proven already`,
        );
      }
      expect(await f.manager.requestCount()).to.equal(requests);
      // another block is another offence
      const next = [
        await attestFile("twice-eq-next-proposed.json", op, 1),
        await attestFile("twice-eq-next-forged.json", op, 1, { root: FORGED }),
      ];
      const proven = await task<EquivocationResult>("mach:prove-equivocation", {
        first: next[0],
        second: next[1],
        json: true,
      });
      expect(proven.l2BlockNumber).to.equal(f.blocks[1]);
      expect(await f.manager.requestCount()).to.equal(requests + 1n);
    });

    it("refuses attestations by a key that is no operator's signing key, before sending", async function () {
      const f = await load(machFixture);
      const stranger = new Wallet(id("mach-task-stranger"));
      const first = await attestFile("stranger-eq-proposed.json", stranger, 0);
      const second = await attestFile("stranger-eq-forged.json", stranger, 0, { root: FORGED });
      await expectRefused(
        "mach:prove-equivocation",
        { first, second, json: true },
        `${stranger.address} is the signing key of no operator`,
      );
      // an operator's account is not its signing key
      const op = f.operators[2];
      const byAccount = [files.path("account-eq-proposed.json"), files.path("account-eq-forged.json")];
      for (const [i, root] of [ROOTS[0], FORGED].entries()) {
        await withEnv(KEY_ENV, undefined, () =>
          task("mach:attest", {
            rollup: "5001",
            output: "0",
            root,
            out: byAccount[i],
            keyEnv: KEY_ENV,
            from: op.address,
            json: true,
          }),
        );
      }
      await expectRefused(
        "mach:prove-equivocation",
        { first: byAccount[0], second: byAccount[1], json: true },
        `${op.address} is the signing key of no operator`,
      );
      expect(await f.registry.isJailed(op.address)).to.equal(false);
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
      const result = await task<EquivocationResult>("mach:prove-equivocation", { first, second, json: true });
      expect(result).to.deep.equal({
        operator: op.address,
        rollup: f.rollupAddress,
        l2BlockNumber: f.blocks[0],
        tx: result.tx,
      });
      await expectTx(result.tx, f.deployer.address, f.machAddress);
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
        "service:leave",
        { service: "mach", rollup: "5001", from: op.address, complete: true, json: true },
        `the contract refused the transaction: SetsOperatorJailed("${op.address}")`,
      );
    });

    it("ends on the contract's refusal of an operator outside the rollup's MACH set, in one line", async function () {
      const f = await load(machFixture);
      const op = f.operators[3];
      // operator 3 leaves the set: its key is an operator's still, of no member
      await (await f.sets.connect(op.signer).requestLeave(f.setId)).wait();
      await time.increaseTo((await f.sets.membership(f.setId, op.address)).leaveAt);
      await (await f.sets.connect(op.signer).completeLeave(f.setId)).wait();
      expect(await f.registry.operatorOfSigningKey(op.key.address)).to.equal(op.address);
      const first = await attestFile("left-eq-proposed.json", op, 0);
      const second = await attestFile("left-eq-forged.json", op, 0, { root: FORGED });
      const requests = await f.manager.requestCount();
      await expectTaskFailure(
        "mach:prove-equivocation",
        { first, second, json: true },
        `the contract refused the transaction: MachUnknownSigner("${op.key.address}")`,
      );
      expect(await f.manager.requestCount()).to.equal(requests);
      expect(await f.registry.isJailed(op.address)).to.equal(false);
      expect(await f.mach.isEquivocationProven(op.address, f.rollupAddress, f.blocks[0])).to.equal(false);
    });
  });

  describe("mach:alert", function () {
    it("signs an alert with --out: the text reason hashed, the current nonce (text mode, nothing sent)", async function () {
      const f = await load(machFixture);
      const op = f.operators[2];
      const out = files.path("alert-out.json");
      const block = await hre.ethers.provider.getBlockNumber();
      const { result, lines } = await withEnv(KEY_ENV, op.key.privateKey, () =>
        runTask<SignedFile>("mach:alert", {
          rollup: "5001",
          reason: "sequencer down",
          out,
          keyEnv: KEY_ENV,
          json: false,
        }),
      );
      expect(process.env[KEY_ENV]).to.equal(undefined);
      const reason = id("sequencer down");
      const expected = await expectedAlert(f, op.key, reason, 0n);
      expect(readFileSync(out, "utf8")).to.equal(JSON.stringify(expected, null, 2) + "\n");
      expect(result).to.deep.equal(expected);
      expect(lines).to.deep.equal([`alert ${reason} (nonce 0) for ${f.rollupAddress} by ${op.key.address} -> ${out}`]);
      expect(recovered(await f.mach.alertDigest(f.rollupAddress, reason, 0n), result.signature)).to.equal(
        op.key.address,
      );
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
    });

    it("raises the alert from --signatures (a directory, --json): alert, signers and the nonce moved on", async function () {
      const f = await load(machFixture);
      const [op0, op1, op2] = f.operators;
      const reason = id("halt");
      const dir = directory("alert-dir");
      // a 32-byte hex reason is taken as is
      await alertFile("alert-dir/a-member-1.json", op1, reason);
      await alertFile("alert-dir/b-member-0.json", op0, reason);
      // another reason and an attestation: left out
      await alertFile("alert-dir/c-member-2-other-reason.json", op2, "other");
      await attestFile("alert-dir/d-member-2-attestation.json", op2, 0);
      const { result, lines } = await runTask<AlertResult>("mach:alert", {
        rollup: "5001",
        reason,
        signatures: dir,
        from: f.outsider.address,
        json: true,
      });
      const expected = { rollup: f.rollupAddress, reason, nonce: "0", signers: 2, tx: result.tx };
      expect(result).to.deep.equal(expected);
      expect(JSON.parse(lines.join("\n"))).to.deep.equal(asJson(expected));
      const receipt = await expectTx(result.tx, f.outsider.address, f.machAddress);
      const signers = signerList([op0, op1]);
      expect((await hre.ethers.provider.getTransaction(result.tx.hash))!.data).to.equal(
        f.mach.interface.encodeFunctionData("raiseAlert", [
          f.rollupAddress,
          reason,
          signers,
          await Promise.all(
            [op0, op1]
              .sort((a, b) => byAddress(a.address, b.address))
              .map(async (op) => (await expectedAlert(f, op.key, reason, 0n)).signature),
          ),
        ]),
      );
      await expect(hre.ethers.provider.getTransaction(result.tx.hash))
        .to.emit(f.mach, "AlertRaised")
        .withArgs(f.rollupAddress, reason, 0n, f.epoch, signers);
      const alert = await f.mach.alertOf(f.rollupAddress);
      expect(alert.reason).to.equal(reason);
      expect(alert.raisedAt).to.equal(await blockTime(receipt.blockNumber));
      expect(alert.epoch).to.equal(f.epoch);
      expect(alert.signersHash).to.equal(signersHash(signers));
      expect(await f.mach.alertNonce(f.rollupAddress)).to.equal(1n);
      // the files signed nonce 0: they raise no second alert
      await expectRefused(
        "mach:alert",
        { rollup: "5001", reason, signatures: dir, json: true },
        `no alert file signs reason ${reason} with nonce 1`,
      );
    });

    it("raises the alert in text mode", async function () {
      const f = await load(machFixture);
      const [op0, op1] = f.operators;
      const signatures = [
        await alertFile("alert-text-1.json", op1, "stalled"),
        await alertFile("alert-text-0.json", op0, "stalled"),
      ].join(",");
      const { result, lines } = await runTask<AlertResult>("mach:alert", {
        rollup: f.rollupAddress,
        reason: "stalled",
        signatures,
        json: false,
      });
      expect(lines).to.deep.equal([txLine(`alert raised on ${f.rollupAddress} by 2 signers`, result.tx)]);
      await expectTx(result.tx, f.deployer.address, f.machAddress);
      expect((await f.mach.alertOf(f.rollupAddress)).reason).to.equal(id("stalled"));
    });

    it("refuses neither or both of --out and --signatures, an unregistered rollup and files signing something else", async function () {
      const f = await load(machFixture);
      const out = files.path("alert-refused.json");
      const signatures = await alertFile("alert-refused-source.json", f.operators[0], "down");
      const args = { rollup: "5001", reason: "down", json: true };
      await expectRefused("mach:alert", args, "pass exactly one of --out and --signatures");
      await expectRefused("mach:alert", { ...args, out, signatures }, "pass exactly one of --out and --signatures");
      await expectRefused(
        "mach:alert",
        { ...args, rollup: "5003", out },
        `${f.otherAddress} is not registered in MACH (service:join registers it)`,
      );
      expect(existsSync(out)).to.equal(false);
      await expectRefused(
        "mach:alert",
        { ...args, reason: "up", signatures },
        `no alert file signs reason ${id("up")} with nonce 0`,
      );
      const attestation = await attestFile("alert-refused-attestation.json", f.operators[0], 0);
      await expectRefused(
        "mach:alert",
        { ...args, signatures: attestation },
        `no alert file signs reason ${id("down")} with nonce 0`,
      );
      expect((await f.mach.alertOf(f.rollupAddress)).raisedAt).to.equal(0n);
    });

    it("refuses alert signatures below the rollup's threshold, or by a jailed member, before sending", async function () {
      const f = await load(machFixture);
      const [op0, op1, op2] = f.operators;
      const signatures = await alertFile("alert-below-0.json", op0, "down");
      const threshold = await f.rollup.fastFinalityBps();
      // 400,000 of 1,000,000 ALT
      expect(f.stakeOf(op0) * 10_000n < f.totalStake * threshold).to.equal(true);
      await expectRefused(
        "mach:alert",
        { rollup: "5001", reason: "down", signatures, json: true },
        `the alert signatures carry 400,000 ALT of 1,000,000 ALT: below the ${threshold} bps threshold`,
      );
      // 600,000 ALT: still below
      const two = [signatures, await alertFile("alert-below-2.json", op2, "down")].join(",");
      await expectRefused(
        "mach:alert",
        { rollup: "5001", reason: "down", signatures: two, json: false },
        `the alert signatures carry 600,000 ALT of 1,000,000 ALT: below the ${threshold} bps threshold`,
      );
      // operator 1 jailed: its alert signature does not count
      const proposed = await attestFile("alert-jailed-proposed.json", op1, 0);
      const forged = await attestFile("alert-jailed-forged.json", op1, 0, { root: FORGED });
      await task("mach:prove-equivocation", { first: proposed, second: forged, json: true });
      const three = [two, await alertFile("alert-jailed-1.json", op1, "down")].join(",");
      await expectRefused(
        "mach:alert",
        { rollup: "5001", reason: "down", signatures: three, json: true },
        `${op1.address} is jailed: its signature does not count`,
      );
      expect((await f.mach.alertOf(f.rollupAddress)).raisedAt).to.equal(0n);
      expect(await f.mach.alertNonce(f.rollupAddress)).to.equal(0n);
    });
  });
});
