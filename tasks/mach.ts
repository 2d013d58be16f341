// MACH fast-finality tasks over BLS12-381 (keys in G2, signatures in G1: tasks/lib/bls.ts, tasks/lib/mach.ts): an
// operator's BLS key (generated, registered or rotated with its proof of possession), attestations and alerts signed
// with the BLS secret key into JSON files, certificates and alerts raised from those files as quorums (one aggregate
// signature, the set's aggregate key and the members that did not sign), equivocation proofs from two files, and
// reports of the signers of an output VITAL invalidated. The secret key comes from an environment variable, never from
// a flag (flags end up in shell histories); nothing is sent before every signature was checked locally against the
// operator's key in the file's epoch and the transaction was simulated.
import { scanStart } from "./lib/addressBook";
import { HardhatPluginError } from "hardhat/plugins";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { existsSync, readdirSync, readFileSync, statSync } from "fs";
import path from "path";
import { bls12_381 } from "@noble/curves/bls12-381";
import { getAddress, getBytes, hexlify, id, isAddress, isHexString } from "ethers";
import {
  confirm,
  fail,
  formatAlt,
  output,
  parseAddress,
  preflight,
  signerFor,
  txLine,
  type TxReport,
  areaTask,
  writeOutput,
} from "./lib/cli";
import { blsKeyRegistry, eventsOf, operatorSets, parseWhole, restakingRegistry } from "./lib/restaking";
import { OUTPUT_STATUS, parseRollup, rollupFactory, rollupOutput } from "./lib/rollups";
import { notLiveIn, registeredSet, serviceContract } from "./lib/services";
import { blsPublicKey, buildQuorum, keyAt, keyRegistration, MACH_DOMAIN, signDigest, sortAddresses } from "./lib/mach";
import { decodeG1, decodeG2, G1_SIZE, hashToG1, ORDER } from "./lib/bls";
import type { BlsKeyRegistry, MachService, OperatorSets } from "../typechain-types";

/** The environment variable the BLS secret key is read from unless --key-env names another. */
export const BLS_KEY_ENV = "ALT_BLS_KEY";

type Kind = "attestation" | "alert";

/**
 * What `mach attest` and `mach alert --out` write: the message, the operator that signed it (a BLS signature does not
 * recover its signer) and its signature (G1, EIP-2537 encoding). An attestation's message is
 * {outputIndex, l2BlockNumber, outputRoot, epoch}, an alert's {reason, nonce, epoch}; numbers as decimal strings.
 */
export interface SignedFile {
  kind: Kind;
  chainId: string;
  mach: string;
  rollup: string;
  operator: string;
  message: Record<string, string>;
  signature: string;
}

/** A signed file as read, with its path (for refusals). */
interface Loaded extends SignedFile {
  file: string;
}

/** The message fields of each kind: a whole number below 2^bits, or 32-byte hex. */
const FIELDS: Record<Kind, Record<string, number | "bytes32">> = {
  attestation: { outputIndex: 256, l2BlockNumber: 64, outputRoot: "bytes32", epoch: 64 },
  alert: { reason: "bytes32", nonce: 256, epoch: 64 },
};

// ------------------------------------------------------------------ the secret key

const secretHex = (secret: bigint) => "0x" + secret.toString(16).padStart(64, "0");

/** The BLS secret key in $<keyEnv>: 0x and 64 hex digits, a scalar in [1, r). Never echoed in a refusal. */
function blsSecret(keyEnv: string): bigint {
  const value = process.env[keyEnv];
  if (value === undefined || value === "") {
    fail(`$${keyEnv} is not set: it must hold the operator's BLS secret key (npx hardhat mach keygen makes one)`);
  }
  if (!/^0x[0-9a-fA-F]{64}$/.test(value)) fail(`$${keyEnv} is not a BLS secret key: 0x and 64 hex digits expected`);
  const secret = BigInt(value);
  if (secret === 0n || secret >= ORDER) {
    fail(`$${keyEnv} is not a BLS secret key: it must be at least 1 and below the BLS12-381 group order`);
  }
  return secret;
}

/** A public key (or any long hex) shortened for text output: the first 4 bytes and the last 4. */
const short = (hex: string) => `${hex.slice(0, 10)}…${hex.slice(-8)}`;

// ------------------------------------------------------------------ the deployment

async function machContext(hre: HardhatRuntimeEnvironment) {
  const mach = await serviceContract(hre, "mach");
  const { chainId } = await hre.ethers.provider.getNetwork();
  return {
    mach,
    machAddress: await mach.getAddress(),
    chainId: chainId.toString(),
    sets: await operatorSets(hre),
    keys: await blsKeyRegistry(hre),
  };
}

type Context = Awaited<ReturnType<typeof machContext>>;

/** The digest MachService hashes to G1 for a signed message (its own view: the EIP-712 domain is the contract's). */
function digestOf(mach: MachService, s: Omit<SignedFile, "chainId" | "mach" | "operator" | "signature">) {
  const m = s.message;
  return s.kind === "attestation"
    ? mach.attestationDigest(s.rollup, m.outputIndex, m.l2BlockNumber, m.outputRoot, m.epoch)
    : mach.alertDigest(s.rollup, m.reason, m.nonce, m.epoch);
}

/** Whether `signature` (G1) is `publicKey`'s (G2) over `digest` hashed under MACH's tag: e(sig, g2) = e(H, pk). */
function verifies(publicKey: string, digest: string, signature: string): boolean {
  try {
    const message = hashToG1(getBytes(digest), MACH_DOMAIN);
    return bls12_381.verifyShortSignature(decodeG1(signature), message, decodeG2(publicKey));
  } catch {
    return false; // not a point of the group (or the point at infinity): no signature
  }
}

/** `--epoch` (default: the current one); an epoch that has not begun is refused (its key may still change). */
async function parseEpoch(sets: OperatorSets, value?: string): Promise<bigint> {
  const current = await sets.currentEpoch();
  if (value === undefined) return current;
  const epoch = parseWhole(value, "--epoch");
  if (epoch > current) fail(`epoch ${epoch} has not begun: the current epoch is ${current}`);
  return epoch;
}

/** The operator a file is signed for: --operator, else the --from account (default: the first account). */
async function signingOperator(hre: HardhatRuntimeEnvironment, args: { operator?: string; from?: string }) {
  if (args.operator !== undefined) return parseAddress(args.operator, "--operator");
  return (await signerFor(hre, args.from)).getAddress();
}

/**
 * Refuses to sign for `operator` in `epoch` unless `secret`'s public key is the operator's BLS key in that epoch: a
 * signature by another key would be refused by every check (the quorum's, the equivocation proof's) anyway.
 */
async function requireOwnKey(keys: BlsKeyRegistry, operator: string, epoch: bigint, secret: bigint, keyEnv: string) {
  const publicKey = blsPublicKey(secret);
  const key = await keyAt(keys, operator, epoch);
  if (key?.toLowerCase() === publicKey) return;
  const registered = (await keys.queryFilter(keys.filters.KeyRegistered(operator), await scanStart())).find(
    (e) => e.args.publicKey.toLowerCase() === publicKey,
  );
  if (registered !== undefined) {
    fail(
      `the key in $${keyEnv} is ${operator}'s BLS key from epoch ${registered.args.epoch}, not in epoch ${epoch}: ` +
        `sign epoch ${epoch} with the key it had then`,
    );
  }
  fail(
    key === undefined
      ? `${operator} has no BLS key in epoch ${epoch} (mach register-key; a key counts from the epoch after its registration)`
      : `the key in $${keyEnv} is not ${operator}'s BLS key in epoch ${epoch}`,
  );
}

// ------------------------------------------------------------------ files

/** Writes a signed file, refusing in one line a folder that does not exist or a file that cannot be written. */
const writeSigned = (out: string, signed: SignedFile) => writeOutput(out, JSON.stringify(signed, null, 2) + "\n");

/** Signs `message` of `kind` for `rollup` as `operator` with `secret` and writes the signed file to `out`. */
async function signToFile(
  ctx: Awaited<ReturnType<typeof machContext>>,
  unsigned: Pick<SignedFile, "kind" | "rollup" | "operator" | "message">,
  secret: bigint,
  out: string,
): Promise<SignedFile> {
  const digest = await digestOf(ctx.mach, unsigned);
  const signed: SignedFile = {
    kind: unsigned.kind,
    chainId: ctx.chainId,
    mach: ctx.machAddress,
    rollup: unsigned.rollup,
    operator: unsigned.operator,
    message: unsigned.message,
    signature: signDigest(secret, digest),
  };
  writeSigned(out, signed);
  return signed;
}

/** Comma-separated files, or every .json file of a directory (in name order). */
function listFiles(list: string): string[] {
  return list.split(",").flatMap((entry) => {
    const file = entry.trim();
    if (!existsSync(file)) fail(`no such file: ${file}`);
    return statSync(file).isDirectory()
      ? readdirSync(file)
          .filter((f) => f.endsWith(".json"))
          .sort()
          .map((f) => path.join(file, f))
      : [file];
  });
}

/** Checks the shape of a parsed file (fields, encodings, this chain and this MACH) and normalizes it. */
function checkFile(ctx: Context, file: string, data: unknown): Loaded {
  const s = data as Partial<SignedFile> | null;
  if (typeof s !== "object" || s === null || Array.isArray(s) || (s.kind !== "attestation" && s.kind !== "alert")) {
    fail(`${file} is not a signed MACH file`);
  }
  if (s.chainId !== ctx.chainId || s.mach !== ctx.machAddress) {
    fail(`${file} was signed for chain ${s.chainId} and MACH ${s.mach}, not this deployment`);
  }
  const kind = s.kind;
  const bad = (field: string): never => fail(`${file} is not a well-formed ${kind} file: bad ${field}`);
  if (typeof s.rollup !== "string" || !isAddress(s.rollup)) bad("rollup");
  if (typeof s.operator !== "string" || !isAddress(s.operator)) bad("operator");
  const m = s.message as Record<string, unknown> | undefined;
  if (typeof m !== "object" || m === null) bad("message");
  const message: Record<string, string> = {};
  for (const [name, type] of Object.entries(FIELDS[kind])) {
    const value = m![name];
    const ok =
      typeof value === "string" &&
      (type === "bytes32" ? isHexString(value, 32) : /^\d+$/.test(value) && BigInt(value) < 2n ** BigInt(type));
    if (!ok) bad(`message.${name}`);
    message[name] = type === "bytes32" ? (value as string).toLowerCase() : BigInt(value as string).toString();
  }
  if (typeof s.signature !== "string" || !isHexString(s.signature, G1_SIZE)) bad("signature");
  return {
    file,
    kind,
    chainId: s.chainId,
    mach: s.mach,
    rollup: getAddress(s.rollup!),
    operator: getAddress(s.operator!),
    message,
    signature: s.signature!.toLowerCase(),
  };
}

/** Reads signed files (see listFiles), checking their shape; signatures are checked where they are used. */
function readSigned(ctx: Context, list: string): Loaded[] {
  return listFiles(list).map((file) => {
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      fail(`${file} is not valid JSON: ${(e as Error).message.replace(/\s+/g, " ")}`);
    }
    return checkFile(ctx, file, data);
  });
}

/** One signed file (not a directory). */
function readOne(ctx: Context, file: string): Loaded {
  if (existsSync(file) && statSync(file).isDirectory()) fail(`${file} is a directory: name one attestation file`);
  return readSigned(ctx, file)[0];
}

/** Checks a file's signature against its operator's BLS key in the file's epoch; returns that key. */
async function verifySigned(ctx: Context, s: Loaded): Promise<string> {
  const epoch = BigInt(s.message.epoch);
  const key = await keyAt(ctx.keys, s.operator, epoch);
  if (key === undefined) fail(`${s.file}: ${s.operator} has no BLS key in epoch ${epoch}`);
  if (!verifies(key, await digestOf(ctx.mach, s), s.signature)) {
    fail(`${s.file}: the signature is not by ${s.operator}'s BLS key of epoch ${epoch}`);
  }
  return key;
}

// ------------------------------------------------------------------ quorums

/**
 * The files of one epoch as a quorum's signers: one file per operator, each with stake counted in the set in `epoch`
 * and a signature by its key then. Returns the signers in increasing address order, their signatures and their stake.
 */
async function signersOf(ctx: Context, setId: bigint, epoch: bigint, files: Loaded[], kind: Kind) {
  const byOperator = new Map<string, Loaded>();
  for (const s of files) {
    if (byOperator.has(s.operator)) fail(`two ${kind}s by ${s.operator} for epoch ${epoch}`);
    byOperator.set(s.operator, s);
  }
  const signers = sortAddresses([...byOperator.keys()]);
  const stakes = await ctx.sets.allocationsAt(setId, signers, epoch);
  for (const [i, operator] of signers.entries()) {
    if (stakes[i] !== 0n) continue;
    // a member that joined (or raised its allocation from zero) in the current epoch counts from the next one
    const pending =
      epoch === (await ctx.sets.currentEpoch()) && (await ctx.sets.allocation(setId, operator)).allocated !== 0n;
    fail(
      `${operator} has no stake counted in the set in epoch ${epoch}` +
        (pending ? `: its allocation counts from epoch ${epoch + 1n}` : ""),
    );
  }
  for (const operator of signers) await verifySigned(ctx, byOperator.get(operator)!);
  return {
    signers,
    signatures: signers.map((operator) => byOperator.get(operator)!.signature),
    signed: stakes.reduce((sum, stake) => sum + stake, 0n),
  };
}

/**
 * The quorum MachService takes (certify, raiseAlert) from signed files of one message: the epochs it may be of are the
 * current one and the one before; of those among the files, in which the set is live, the one whose signers carry the
 * largest share of the stake counted (the later on a tie). Refused below `thresholdBps` of it. Every other operator
 * counted in the set in that epoch is a non-signer (buildQuorum).
 */
async function quorumOf(ctx: Context, setId: bigint, files: Loaded[], what: string, thresholdBps: bigint) {
  const current = await ctx.sets.currentEpoch();
  const epochs = [...new Set(files.map((s) => BigInt(s.message.epoch)))].sort((a, b) => (a > b ? -1 : 1));
  const usable = epochs.filter((epoch) => epoch === current || epoch + 1n === current);
  if (usable.length === 0) {
    fail(
      `the ${what} are of epoch${epochs.length > 1 ? "s" : ""} ${epochs.join(", ")}: ` +
        `a quorum is of the current epoch (${current}) or the one before`,
    );
  }
  const candidates = [];
  for (const epoch of usable) {
    const group = files.filter((s) => BigInt(s.message.epoch) === epoch);
    const signers = await signersOf(ctx, setId, epoch, group, files[0].kind);
    const [total, live] = await Promise.all([ctx.sets.setStakeAt(setId, epoch), ctx.sets.isLive(setId, epoch)]);
    if (live) candidates.push({ epoch, total, ...signers });
  }
  if (candidates.length === 0) fail(await notLiveIn(ctx.sets, setId, usable[0]));
  // the later epoch comes first: it stays unless another carries a strictly larger share
  const best = candidates.reduce((a, b) => (b.signed * a.total > a.signed * b.total ? b : a));
  if (best.signed * 10_000n < best.total * thresholdBps) {
    fail(
      `the ${what} carry ${formatAlt(best.signed)} of ${formatAlt(best.total)} counted in epoch ${best.epoch}: ` +
        `below the ${thresholdBps} bps threshold`,
    );
  }
  const quorum = await buildQuorum(ctx.sets, ctx.keys, setId, best.epoch, best.signers, best.signatures);
  return { ...best, quorum };
}

/** What the quorum tasks report of a quorum (JSON), after their own fields and before the transaction. */
const quorumFields = (q: Awaited<ReturnType<typeof quorumOf>>, thresholdBps: bigint) => ({
  epoch: q.epoch,
  signers: q.signers,
  nonSigners: q.quorum.nonSigners,
  signedStake: q.signed,
  totalStake: q.total,
  thresholdBps,
});

/** What the quorum tasks print of a quorum. */
const quorumSummary = (q: { epoch: bigint; signers: string[]; signed: bigint; total: bigint }, thresholdBps: bigint) =>
  `${q.signers.length} signers, ${formatAlt(q.signed)} of ${formatAlt(q.total)} counted in epoch ${q.epoch} ` +
  `(threshold ${thresholdBps} bps)`;

// ------------------------------------------------------------------ tasks

areaTask("mach keygen", "Generates a BLS secret key and prints it with its public key (sends nothing, stores nothing)")
  .addFlag("json", "Print the result as JSON")
  .setAction(async (args: { json: boolean }) => {
    let secret = 0n;
    while (secret === 0n || secret >= ORDER) secret = BigInt(hexlify(bls12_381.utils.randomPrivateKey()));
    const result = { secret: secretHex(secret), publicKey: blsPublicKey(secret) };
    output(args.json, result, () => [`BLS secret key: ${result.secret}`, `BLS public key: ${result.publicKey}`]);
    // on stderr: a redirected --json output holds the key pair only
    console.warn(
      `keep the secret key safe and private: it is stored nowhere, and whoever holds it signs for your operator ` +
        `(give it to mach register-key, mach attest and mach alert in $${BLS_KEY_ENV})`,
    );
    return result;
  });

areaTask(
  "mach register-key",
  "Registers (or rotates) the sender's BLS key, with its proof of possession: it counts from the next epoch",
)
  .addOptionalParam("keyEnv", "Environment variable holding the BLS secret key", BLS_KEY_ENV)
  .addOptionalParam("from", "The operator's account (default: the first account)")
  .addFlag("json", "Print the result as JSON")
  .setAction(async (args: { keyEnv: string; from?: string; json: boolean }, hre) => {
    const secret = blsSecret(args.keyEnv);
    const signer = await signerFor(hre, args.from);
    const operator = await signer.getAddress();
    if (!(await (await restakingRegistry(hre)).isOperator(operator))) {
      fail(`${operator} is not an operator (operator register first)`);
    }
    const keys = await blsKeyRegistry(hre);
    const { publicKey, proof } = await keyRegistration(keys, operator, secret);
    const history = await keys.queryFilter(keys.filters.KeyRegistered(operator), await scanStart());
    const latest = history.at(-1);
    if (latest?.args.publicKey.toLowerCase() === publicKey) {
      fail(`${operator} has this BLS key already (from epoch ${latest.args.epoch})`);
    }
    const tx = await confirm(keys.connect(signer).registerKey(publicKey, proof), (reason) => {
      const taken = /^BlsKeyTaken\("?(0x[0-9a-fA-F]{40})"?\)$/.exec(reason);
      if (taken === null) return undefined;
      const owner = getAddress(taken[1]);
      return owner === operator
        ? `the key in $${args.keyEnv} was ${operator}'s BLS key before: a key is registered once, forever`
        : `the key in $${args.keyEnv} is ${owner}'s BLS key: a key belongs to one operator forever`;
    });
    const [registered] = await eventsOf(hre, tx, keys, "KeyRegistered");
    const countsFrom = registered.args.epoch as bigint;
    // the sets whose aggregate key moves to the new key (a rotation, for each MACH set the operator counts in)
    const sets = (await eventsOf(hre, tx, keys, "AggregateKeyUpdated")).map((e) => ({
      setId: e.args.setId as bigint,
      aggregateKey: e.args.aggregateKey as string,
    }));
    const previousKey = latest?.args.publicKey ?? null;
    const rotation =
      latest === undefined
        ? []
        : [
            sets.length === 0
              ? `  ${operator} counts in no MACH set: no aggregate key moves`
              : `  the aggregate keys of MACH sets ${sets.map((s) => s.setId).join(", ")} move to it from epoch ${countsFrom}`,
            // a key replaced in the epoch it was registered in never counted
            latest.args.epoch < countsFrom
              ? `  sign with the previous key through epoch ${countsFrom - 1n}, with this one from epoch ${countsFrom}`
              : `  the previous key never counted: this one replaces it from its first epoch`,
          ];
    return output(args.json, { operator, publicKey, countsFrom, previousKey, sets, tx }, () => [
      txLine(
        `BLS key ${short(publicKey)} registered for ${operator}` +
          (previousKey === null ? "" : `, replacing ${short(previousKey)}`) +
          `: it counts from epoch ${countsFrom}`,
        tx,
      ),
      ...rotation,
    ]);
  });

areaTask("mach attest", "Signs the MACH attestation of a rollup output with the operator's BLS key into a JSON file")
  .addParam("rollup", "Rollup address or chain ID")
  .addParam("output", "Index of the output")
  .addOptionalParam(
    "root",
    "The output root the operator computed (default: the proposed one, bound to its batches and previous output)",
  )
  .addOptionalParam("epoch", "The epoch the attestation is of (default: the current one)")
  .addParam("out", "File to write")
  .addOptionalParam("keyEnv", "Environment variable holding the BLS secret key", BLS_KEY_ENV)
  .addOptionalParam("operator", "The operator that signs (default: the --from account)")
  .addOptionalParam("from", "The operator's account when --operator is not given (default: the first account)")
  .addFlag("json", "Print the result as JSON")
  .setAction(
    async (
      args: {
        rollup: string;
        output: string;
        root?: string;
        epoch?: string;
        out: string;
        keyEnv: string;
        operator?: string;
        from?: string;
        json: boolean;
      },
      hre,
    ) => {
      const rollupContract = await parseRollup(hre, await rollupFactory(hre), args.rollup);
      const rollup = await rollupContract.getAddress();
      const { index, output: proposed } = await rollupOutput(rollupContract, args.output);
      if (args.root !== undefined && !isHexString(args.root, 32)) fail(`--root must be 32-byte hex: ${args.root}`);
      const secret = blsSecret(args.keyEnv);
      const operator = await signingOperator(hre, args);
      const ctx = await machContext(hre);
      const epoch = await parseEpoch(ctx.sets, args.epoch);
      await requireOwnKey(ctx.keys, operator, epoch, secret, args.keyEnv);
      const message = {
        outputIndex: index.toString(),
        l2BlockNumber: proposed.l2BlockNumber.toString(),
        outputRoot: (args.root ?? proposed.root).toLowerCase(),
        epoch: epoch.toString(),
      };
      const signed = await signToFile(ctx, { kind: "attestation", rollup, operator, message }, secret, args.out);
      return output(args.json, signed, () => [
        `attestation of ${rollup} output ${index} (block ${message.l2BlockNumber}, root ${message.outputRoot}) ` +
          `in epoch ${epoch} by ${operator} -> ${args.out}`,
      ]);
    },
  );

areaTask("mach certify", "Fast-finalizes a rollup output with a MACH quorum built from attestation files")
  .addParam("rollup", "Rollup address or chain ID")
  .addParam("output", "Index of the output")
  .addParam("attestations", "Attestation files, comma-separated, or a directory of them")
  .addOptionalParam("from", "Account to act as (default: the first account)")
  .addFlag("json", "Print the result as JSON")
  .setAction(
    async (args: { rollup: string; output: string; attestations: string; from?: string; json: boolean }, hre) => {
      const rollupContract = await parseRollup(hre, await rollupFactory(hre), args.rollup);
      const rollup = await rollupContract.getAddress();
      const { index, output: proposed } = await rollupOutput(rollupContract, args.output);
      const status = OUTPUT_STATUS[Number(proposed.status)];
      if (status !== "Proposed") fail(`output ${index} is ${status} already`);
      const ctx = await machContext(hre);
      const setId = await registeredSet(hre, ctx.mach, rollup, "mach");
      const root = proposed.root.toLowerCase();
      // only attestations of this output count; others (another output, root or rollup, alerts) are left out
      const matching = readSigned(ctx, args.attestations).filter(
        (s) =>
          s.kind === "attestation" &&
          s.rollup === rollup &&
          BigInt(s.message.outputIndex) === index &&
          BigInt(s.message.l2BlockNumber) === proposed.l2BlockNumber &&
          s.message.outputRoot === root,
      );
      if (matching.length === 0) {
        fail(`no attestation of output ${index} (block ${proposed.l2BlockNumber}, root ${root}) among the files`);
      }
      const threshold = BigInt(await rollupContract.fastFinalityBps());
      const q = await quorumOf(ctx, setId, matching, "attestations", threshold);
      const tx = await confirm(
        ctx.mach
          .connect(await signerFor(hre, args.from))
          .certify(rollup, index, proposed.l2BlockNumber, proposed.root, q.quorum),
      );
      return output(
        args.json,
        {
          rollup,
          output: index,
          l2BlockNumber: proposed.l2BlockNumber,
          root,
          ...quorumFields(q, threshold),
          tx,
        },
        () => [txLine(`output ${index} fast-finalized: ${quorumSummary(q, threshold)}`, tx)],
      );
    },
  );

/**
 * Checks two attestation files as an equivocation proof (one operator, rollup and block, two roots; the operator counted
 * in the set in each file's epoch and each signature its key's then; not proven already) and returns proveEquivocation's
 * arguments; refuses in one line otherwise.
 */
async function equivocationProof(hre: HardhatRuntimeEnvironment, ctx: Context, a: Loaded, b: Loaded) {
  if (a.kind !== "attestation" || b.kind !== "attestation") fail("both files must be attestations");
  if (a.operator !== b.operator) fail(`the files are signed by two operators: ${a.operator}, ${b.operator}`);
  if (a.rollup !== b.rollup || a.message.l2BlockNumber !== b.message.l2BlockNumber) {
    fail("the attestations are for different rollups or blocks");
  }
  if (a.message.outputRoot === b.message.outputRoot) fail("the attestations sign the same root: no equivocation");
  const { operator, rollup } = a;
  const setId = await registeredSet(hre, ctx.mach, rollup, "mach");
  const block = BigInt(a.message.l2BlockNumber);
  if (await ctx.mach.isEquivocationProven(operator, rollup, block)) {
    fail(`the equivocation of ${operator} at block ${block} is proven already`);
  }
  const attestations = [];
  for (const s of [a, b]) {
    const epoch = BigInt(s.message.epoch);
    if ((await ctx.sets.allocationAt(setId, operator, epoch)) === 0n) {
      fail(`${operator} had no stake counted in the set in epoch ${epoch}: what it signed then decides nothing`);
    }
    const key = await verifySigned(ctx, s);
    const m = s.message;
    attestations.push({
      attestation: {
        outputIndex: m.outputIndex,
        l2BlockNumber: block,
        outputRoot: m.outputRoot,
        epoch,
        signature: s.signature,
      },
      key,
    });
  }
  const [x, y] = attestations;
  return { operator, rollup, block, args: [rollup, operator, x.attestation, x.key, y.attestation, y.key] as const };
}

type EquivocationProof = Awaited<ReturnType<typeof equivocationProof>>;

/** Sends a checked equivocation proof; returns its slash request. */
async function sendProof(hre: HardhatRuntimeEnvironment, ctx: Context, proof: EquivocationProof, from?: string) {
  const tx = await confirm(ctx.mach.connect(await signerFor(hre, from)).proveEquivocation(...proof.args));
  const [proven] = await eventsOf(hre, tx, ctx.mach, "EquivocationProven");
  return { requestId: proven.args.requestId as bigint, tx };
}

const provenLine = (p: { operator: string; block: bigint; requestId: bigint; tx: TxReport }) =>
  txLine(
    `equivocation of ${p.operator} at block ${p.block} proven: slash request ${p.requestId}, operator jailed`,
    p.tx,
  );

areaTask("mach prove-equivocation", "Proves from two attestation files that one member signed two roots for one block")
  .addParam("first", "An attestation file")
  .addParam("second", "Another attestation file of the same operator, rollup and block, with another root")
  .addOptionalParam("from", "Account to act as and be the reporter (default: the first account)")
  .addFlag("json", "Print the result as JSON")
  .setAction(async (args: { first: string; second: string; from?: string; json: boolean }, hre) => {
    const ctx = await machContext(hre);
    const proof = await equivocationProof(hre, ctx, readOne(ctx, args.first), readOne(ctx, args.second));
    const { operator, rollup, block } = proof;
    const { requestId, tx } = await sendProof(hre, ctx, proof, args.from);
    return output(args.json, { operator, rollup, l2BlockNumber: block, requestId, tx }, () => [
      provenLine({ operator, block, requestId, tx }),
    ]);
  });

areaTask(
  "mach find-equivocations",
  "Scans attestation files (a folder of mach attest --out files) for members that signed two roots for one block; --prove proves them",
)
  .addParam("dir", "A directory of attestation files, or files comma-separated")
  .addFlag("prove", "Prove every provable equivocation found (each simulated before the first is sent)")
  .addOptionalParam("from", "With --prove: account to act as and be the reporter (default: the first account)")
  .addFlag("json", "Print the result as JSON")
  .setAction(async (args: { dir: string; prove: boolean; from?: string; json: boolean }, hre) => {
    const ctx = await machContext(hre);
    const files = readSigned(ctx, args.dir).filter((s) => s.kind === "attestation");
    // one operator, rollup and block: the first file of each root, in file order; the first two roots make the proof
    const groups = new Map<string, Loaded[]>();
    for (const s of files) {
      const key = `${s.operator}/${s.rollup}/${s.message.l2BlockNumber}`;
      const group = groups.get(key) ?? [];
      if (!group.some((g) => g.message.outputRoot === s.message.outputRoot)) group.push(s);
      groups.set(key, group);
    }
    const found: {
      operator: string;
      rollup: string;
      l2BlockNumber: bigint;
      roots: string[];
      files: string[];
      /** "provable", or why not (as mach prove-equivocation would refuse it) */
      status: string;
      proof?: EquivocationProof;
    }[] = [];
    for (const [a, b] of [...groups.values()].filter((g) => g.length > 1)) {
      let proof: EquivocationProof | undefined;
      let status = "provable";
      try {
        proof = await equivocationProof(hre, ctx, a, b);
      } catch (e) {
        if (!HardhatPluginError.isHardhatPluginError(e)) throw e;
        status = e.message;
      }
      found.push({
        operator: a.operator,
        rollup: a.rollup,
        l2BlockNumber: BigInt(a.message.l2BlockNumber),
        roots: [a.message.outputRoot, b.message.outputRoot],
        files: [a.file, b.file],
        status,
        proof,
      });
    }
    const provable = found.filter((f) => f.proof !== undefined);
    const sent: { operator: string; block: bigint; requestId: bigint; tx: TxReport }[] = [];
    if (args.prove) {
      if (provable.length === 0) {
        fail(
          `no provable equivocation among the ${files.length} attestation files` +
            (found.length === 0 ? "" : ` (${found.length} found: ${found.map((f) => f.status).join("; ")})`),
        );
      }
      const mach = ctx.mach.connect(await signerFor(hre, args.from));
      for (const f of provable) await preflight(mach.proveEquivocation.staticCall(...f.proof!.args));
      for (const f of provable) {
        const { requestId, tx } = await sendProof(hre, ctx, f.proof!, args.from);
        sent.push({ operator: f.operator, block: f.l2BlockNumber, requestId, tx });
      }
    }
    const equivocations = found.map(({ proof, ...f }) => ({ ...f, provable: proof !== undefined }));
    return output(args.json, { files: files.length, equivocations, proven: sent }, () => [
      `${found.length} equivocation${found.length === 1 ? "" : "s"} among ${files.length} attestation files` +
        (found.length === 0 ? "" : ":"),
      ...found.map(
        (f) =>
          `  ${f.operator} at block ${f.l2BlockNumber} of ${f.rollup}: roots ${f.roots[0]} (${f.files[0]}) and ` +
          `${f.roots[1]} (${f.files[1]}): ${f.status}`,
      ),
      ...sent.map(provenLine),
      ...(!args.prove && provable.length > 0 ? [`  prove ${provable.length === 1 ? "it" : "them"} with --prove`] : []),
    ]);
  });

areaTask(
  "mach alert",
  "Signs a MACH alert for a rollup (--out), or raises it from a quorum of alert files (--signatures)",
)
  .addParam("rollup", "Rollup address or chain ID")
  .addParam("reason", "Why: 32-byte hex, or any text (hashed)")
  .addOptionalParam("out", "Sign the alert with the operator's BLS key into this file")
  .addOptionalParam("signatures", "Raise the alert from these alert files (comma-separated, or a directory)")
  .addOptionalParam("epoch", "With --out: the epoch the alert is of (default: the current one)")
  .addOptionalParam("keyEnv", "With --out: environment variable holding the BLS secret key", BLS_KEY_ENV)
  .addOptionalParam("operator", "With --out: the operator that signs (default: the --from account)")
  .addOptionalParam("from", "Account to act as (default: the first account)")
  .addFlag("json", "Print the result as JSON")
  .setAction(
    async (
      args: {
        rollup: string;
        reason: string;
        out?: string;
        signatures?: string;
        epoch?: string;
        keyEnv: string;
        operator?: string;
        from?: string;
        json: boolean;
      },
      hre,
    ) => {
      if ((args.out === undefined) === (args.signatures === undefined)) {
        fail("pass exactly one of --out and --signatures");
      }
      const rollupContract = await parseRollup(hre, await rollupFactory(hre), args.rollup);
      const rollup = await rollupContract.getAddress();
      const ctx = await machContext(hre);
      const setId = await registeredSet(hre, ctx.mach, rollup, "mach");
      const reason = (isHexString(args.reason, 32) ? args.reason : id(args.reason)).toLowerCase();
      const nonce = (await ctx.mach.alertNonce(rollup)).toString();
      if (args.out !== undefined) {
        const secret = blsSecret(args.keyEnv);
        const operator = await signingOperator(hre, args);
        const epoch = await parseEpoch(ctx.sets, args.epoch);
        await requireOwnKey(ctx.keys, operator, epoch, secret, args.keyEnv);
        const message = { reason, nonce, epoch: epoch.toString() };
        const signed = await signToFile(ctx, { kind: "alert", rollup, operator, message }, secret, args.out);
        return output(args.json, signed, () => [
          `alert ${reason} (nonce ${nonce}) for ${rollup} in epoch ${epoch} by ${operator} -> ${args.out}`,
        ]);
      }
      const matching = readSigned(ctx, args.signatures!).filter(
        (s) => s.kind === "alert" && s.rollup === rollup && s.message.reason === reason && s.message.nonce === nonce,
      );
      if (matching.length === 0) fail(`no alert file signs reason ${reason} with nonce ${nonce}`);
      const threshold = BigInt(await rollupContract.fastFinalityBps());
      const q = await quorumOf(ctx, setId, matching, "alert signatures", threshold);
      const tx = await confirm(ctx.mach.connect(await signerFor(hre, args.from)).raiseAlert(rollup, reason, q.quorum));
      return output(
        args.json,
        {
          rollup,
          reason,
          nonce,
          ...quorumFields(q, threshold),
          tx,
        },
        () => [txLine(`alert raised on ${rollup}: ${quorumSummary(q, threshold)}`, tx)],
      );
    },
  );

areaTask(
  "mach report-invalid",
  "Reports the signers of an output VITAL invalidated, from their attestation files: one slash request each",
)
  .addParam("rollup", "Rollup address or chain ID")
  .addParam("root", "The output root VITAL invalidated")
  .addParam("attestations", "Attestation files, comma-separated, or a directory of them")
  .addOptionalParam("from", "Account to act as (default: the first account); the slashes' ALT goes to the portal")
  .addFlag("json", "Print the result as JSON")
  .setAction(
    async (args: { rollup: string; root: string; attestations: string; from?: string; json: boolean }, hre) => {
      const rollupContract = await parseRollup(hre, await rollupFactory(hre), args.rollup);
      const rollup = await rollupContract.getAddress();
      if (!isHexString(args.root, 32)) fail(`--root must be 32-byte hex: ${args.root}`);
      const root = args.root.toLowerCase();
      const ctx = await machContext(hre);
      const setId = await registeredSet(hre, ctx.mach, rollup, "mach");
      const matching = readSigned(ctx, args.attestations).filter(
        (s) => s.kind === "attestation" && s.rollup === rollup && s.message.outputRoot === root,
      );
      if (matching.length === 0) fail(`no attestation of root ${root} among the files`);
      const outputs = [...new Set(matching.map((s) => `${s.message.outputIndex}/${s.message.l2BlockNumber}`))];
      if (outputs.length > 1) {
        fail(`the attestations of root ${root} are of several outputs (index/block ${outputs.join(", ")})`);
      }
      const { outputIndex, l2BlockNumber } = matching[0].message;
      if ((await rollupContract.invalidatedAt(l2BlockNumber, root)) === 0n) {
        fail(`VITAL has not invalidated block ${l2BlockNumber} root ${root} of ${rollup}: nothing to report`);
      }
      // one quorum per epoch among the files (any epoch: no threshold, no liveness); each signer reported once
      const epochs = [...new Set(matching.map((s) => BigInt(s.message.epoch)))].sort((a, b) => (a < b ? -1 : 1));
      const reported = new Set<string>();
      const reports = [];
      for (const epoch of epochs) {
        const group = matching.filter((s) => BigInt(s.message.epoch) === epoch);
        const { signers, signatures } = await signersOf(ctx, setId, epoch, group, "attestation");
        const operators: string[] = [];
        for (const operator of signers) {
          if (reported.has(operator) || (await ctx.mach.isReported(rollup, l2BlockNumber, root, operator))) continue;
          reported.add(operator);
          operators.push(operator);
        }
        if (operators.length === 0) continue;
        const quorum = await buildQuorum(ctx.sets, ctx.keys, setId, epoch, signers, signatures);
        reports.push({ epoch, operators, quorum });
      }
      if (reports.length === 0) fail(`every signer among the files is reported already`);
      const mach = ctx.mach.connect(await signerFor(hre, args.from));
      // every report simulated before the first is sent
      for (const r of reports) {
        await preflight(
          mach.reportInvalidCertificate.staticCall(rollup, outputIndex, l2BlockNumber, root, r.quorum, r.operators),
        );
      }
      const sent: { epoch: bigint; operators: string[]; requestIds: bigint[]; tx: TxReport }[] = [];
      for (const r of reports) {
        const tx = await confirm(
          mach.reportInvalidCertificate(rollup, outputIndex, l2BlockNumber, root, r.quorum, r.operators),
        );
        const requestIds = (await eventsOf(hre, tx, ctx.mach, "InvalidCertificateReported")).map(
          (e) => e.args.requestId as bigint,
        );
        sent.push({ epoch: r.epoch, operators: r.operators, requestIds, tx });
      }
      return output(
        args.json,
        { rollup, outputIndex: BigInt(outputIndex), l2BlockNumber: BigInt(l2BlockNumber), root, reports: sent },
        () =>
          sent.map((r) =>
            txLine(
              `reported ${r.operators.length} signers of block ${l2BlockNumber} root ${root} (epoch ${r.epoch}): ` +
                `slash requests ${r.requestIds.join(", ")}`,
              r.tx,
            ),
          ),
      );
    },
  );
