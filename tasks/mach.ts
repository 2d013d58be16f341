// MACH fast-finality tasks: sign an attestation (or an alert) with the operator's signing key into a JSON file, submit
// a certificate from attestation files, prove an equivocation from two files, raise an alert.
import { task } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "fs";
import path from "path";
import {
  id,
  isHexString,
  Signature,
  verifyTypedData,
  Wallet,
  ZeroAddress,
  type Signer,
  type TypedDataField,
} from "ethers";
import { confirm, fail, formatAlt, output, signerFor, txLine } from "./lib/cli";
import { operatorSets, restakingRegistry } from "./lib/restaking";
import { OUTPUT_STATUS, parseRollup, rollupAt, rollupFactory, rollupOutput } from "./lib/rollups";
import { liveEpoch, registeredSet, serviceContract } from "./lib/services";
import type { MachService } from "../typechain-types";

const ATTESTATION_TYPES: Record<string, TypedDataField[]> = {
  Attestation: [
    { name: "rollup", type: "address" },
    { name: "l2BlockNumber", type: "uint64" },
    { name: "outputRoot", type: "bytes32" },
  ],
};
const ALERT_TYPES: Record<string, TypedDataField[]> = {
  Alert: [
    { name: "rollup", type: "address" },
    { name: "reason", type: "bytes32" },
    { name: "nonce", type: "uint256" },
  ],
};

/** What `mach:attest` and `mach:alert --sign` write: the signed message, its signer and the compact signature. */
interface SignedFile {
  kind: "attestation" | "alert";
  chainId: string;
  mach: string;
  rollup: string;
  key: string;
  message: Record<string, string>;
  signature: { r: string; vs: string };
}

async function domain(hre: HardhatRuntimeEnvironment, mach: MachService) {
  const { chainId } = await hre.ethers.provider.getNetwork();
  return { name: "ALT MACH", version: "1", chainId, verifyingContract: await mach.getAddress() };
}

/** The signing key: the private key in $<keyEnv> if set, else the --from account. */
async function signingKey(hre: HardhatRuntimeEnvironment, keyEnv: string, from?: string): Promise<Signer> {
  const secret = process.env[keyEnv];
  if (secret === undefined || secret === "") return signerFor(hre, from);
  try {
    return new Wallet(secret);
  } catch {
    fail(`$${keyEnv} is not a private key`);
  }
}

async function sign(
  hre: HardhatRuntimeEnvironment,
  mach: MachService,
  signer: Signer,
  kind: SignedFile["kind"],
  message: Record<string, string>,
): Promise<SignedFile> {
  const d = await domain(hre, mach);
  const signature = Signature.from(
    await signer.signTypedData(d, kind === "attestation" ? ATTESTATION_TYPES : ALERT_TYPES, message),
  );
  return {
    kind,
    chainId: d.chainId.toString(),
    mach: d.verifyingContract,
    rollup: message.rollup,
    key: await signer.getAddress(),
    message,
    signature: { r: signature.r, vs: signature.yParityAndS },
  };
}

/** Reads signed files (comma-separated files, or every .json file of a directory), checking each signature. */
async function readSigned(hre: HardhatRuntimeEnvironment, mach: MachService, list: string): Promise<SignedFile[]> {
  const files = list.split(",").flatMap((entry) => {
    const file = entry.trim();
    if (!existsSync(file)) fail(`no such file: ${file}`);
    return statSync(file).isDirectory()
      ? readdirSync(file)
          .filter((f) => f.endsWith(".json"))
          .map((f) => path.join(file, f))
      : [file];
  });
  const d = await domain(hre, mach);
  return files.map((file) => {
    let signed: SignedFile;
    try {
      signed = JSON.parse(readFileSync(file, "utf8")) as SignedFile;
    } catch (e) {
      fail(`${file} is not valid JSON: ${(e as Error).message.replace(/\s+/g, " ")}`);
    }
    if (typeof signed !== "object" || signed === null) {
      fail(`${file} is not a signed MACH file`);
    }
    if (signed.chainId !== d.chainId.toString() || signed.mach !== d.verifyingContract) {
      fail(`${file} was signed for chain ${signed.chainId} and MACH ${signed.mach}, not this deployment`);
    }
    const types = signed.kind === "alert" ? ALERT_TYPES : ATTESTATION_TYPES;
    let recovered: string | undefined;
    try {
      const serialized = Signature.from({ r: signed.signature.r, yParityAndS: signed.signature.vs }).serialized;
      recovered = verifyTypedData(d, types, signed.message, serialized);
    } catch {
      // a malformed signature or message: not by the key either
    }
    if (recovered !== signed.key) fail(`${file}: the signature is not by ${signed.key}`);
    return signed;
  });
}

/** Ascending by the address as a number: the order MACH takes a certificate's signers in. */
const byAddress = (a: { operator: string }, b: { operator: string }) => {
  const [x, y] = [BigInt(a.operator), BigInt(b.operator)];
  return x < y ? -1 : x > y ? 1 : 0;
};

/**
 * Orders signed files by their operator's address, refusing a set that is not live in the current epoch, keys that are
 * not the current signing key of an operator with stake counted in the set in that epoch, two files of one operator,
 * jailed operators and a total below the rollup's threshold (`what` names the files in that refusal). Stakes come from
 * the set's checkpoints: no snapshot is needed.
 */
async function toCertificate(
  hre: HardhatRuntimeEnvironment,
  mach: MachService,
  rollup: string,
  signed: SignedFile[],
  what: string,
) {
  const registry = await restakingRegistry(hre);
  const sets = await operatorSets(hre);
  const setId = await registeredSet(hre, mach, rollup, "mach");
  const { epoch, total } = await liveEpoch(sets, setId);
  const entries: { operator: string; signature: SignedFile["signature"] }[] = [];
  for (const s of signed) {
    const operator = await registry.operatorOfSigningKey(s.key);
    if (operator === ZeroAddress || (await registry.signingKeyOf(operator)) !== s.key) {
      fail(`${s.key} is not the current signing key of an operator`);
    }
    if (entries.some((x) => x.operator === operator)) fail(`two signatures by ${operator}`);
    entries.push({ operator, signature: s.signature });
  }
  entries.sort(byAddress);
  const signers = entries.map((x) => x.operator);
  const stakes = await sets.allocationsAt(setId, signers, epoch);
  let stake = 0n;
  for (const [i, operator] of signers.entries()) {
    if (stakes[i] === 0n) {
      // a member that joined (or raised its allocation from zero) this epoch counts from the next one
      const joined = (await sets.allocation(setId, operator)).allocated !== 0n;
      fail(
        `${operator} has no stake counted in the set in epoch ${epoch}` +
          (joined ? `: its allocation counts from epoch ${epoch + 1n}` : ""),
      );
    }
    if (await registry.isJailed(operator)) fail(`${operator} is jailed: its signature does not count`);
    stake += stakes[i];
  }
  const threshold = BigInt(await (await rollupAt(hre, rollup)).fastFinalityBps());
  if (stake * 10_000n < total * threshold) {
    fail(`the ${what} carry ${formatAlt(stake)} of ${formatAlt(total)}: below the ${threshold} bps threshold`);
  }
  return { signers, signatures: entries.map((x) => x.signature), stake, total, epoch };
}

task("mach:attest", "Signs a MACH attestation of a rollup output with the signing key and writes it to a JSON file")
  .addParam("rollup", "Rollup address or chain ID")
  .addParam("output", "Index of the output")
  .addOptionalParam("root", "The output root the operator computed (default: the proposed one)")
  .addParam("out", "File to write")
  .addOptionalParam("keyEnv", "Environment variable holding the signing key (else --from signs)", "ALT_SIGNING_KEY")
  .addOptionalParam("from", "Account that signs when no key is in the environment")
  .addFlag("json", "Print the result as JSON")
  .setAction(
    async (
      args: {
        rollup: string;
        output: string;
        root?: string;
        out: string;
        keyEnv: string;
        from?: string;
        json: boolean;
      },
      hre,
    ) => {
      const rollup = await parseRollup(hre, await rollupFactory(hre), args.rollup);
      const { output: proposed } = await rollupOutput(rollup, args.output);
      if (args.root !== undefined && !isHexString(args.root, 32)) fail(`--root must be 32-byte hex: ${args.root}`);
      const mach = await serviceContract(hre, "mach");
      const message = {
        rollup: await rollup.getAddress(),
        l2BlockNumber: proposed.l2BlockNumber.toString(),
        outputRoot: args.root ?? proposed.root,
      };
      const signed = await sign(hre, mach, await signingKey(hre, args.keyEnv, args.from), "attestation", message);
      writeFileSync(args.out, JSON.stringify(signed, null, 2) + "\n");
      return output(args.json, signed, () => [
        `attestation of ${message.rollup} block ${message.l2BlockNumber} root ${message.outputRoot} by ${signed.key} -> ${args.out}`,
      ]);
    },
  );

task("mach:certify", "Submits a MACH certificate for a rollup output from attestation files")
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
      const mach = await serviceContract(hre, "mach");
      // only attestations of this output count; others (another block, another root) are left out
      const matching = (await readSigned(hre, mach, args.attestations)).filter(
        (s) =>
          s.kind === "attestation" &&
          s.rollup === rollup &&
          BigInt(s.message.l2BlockNumber) === proposed.l2BlockNumber &&
          s.message.outputRoot === proposed.root,
      );
      if (matching.length === 0) fail(`no attestation of output ${index} (root ${proposed.root}) among the files`);
      const cert = await toCertificate(hre, mach, rollup, matching, "attestations");
      const tx = await confirm(
        mach.connect(await signerFor(hre, args.from)).certify(rollup, index, cert.signers, cert.signatures),
      );
      return output(
        args.json,
        { rollup, output: index, signers: cert.signers.length, signedStake: cert.stake, totalStake: cert.total, tx },
        () => [
          txLine(
            `output ${index} fast-finalized by ${cert.signers.length} signers (${formatAlt(cert.stake)} of ${formatAlt(cert.total)})`,
            tx,
          ),
        ],
      );
    },
  );

task("mach:prove-equivocation", "Proves from two attestation files that one member signed two roots for one block")
  .addParam("first", "An attestation file")
  .addParam("second", "Another attestation file, same rollup and block, another root")
  .addOptionalParam("from", "Account to act as and be the reporter (default: the first account)")
  .addFlag("json", "Print the result as JSON")
  .setAction(async (args: { first: string; second: string; from?: string; json: boolean }, hre) => {
    const mach = await serviceContract(hre, "mach");
    const [a, b] = await readSigned(hre, mach, `${args.first},${args.second}`);
    if (a.kind !== "attestation" || b.kind !== "attestation") fail("both files must be attestations");
    if (a.key !== b.key) fail(`the files are signed by two keys: ${a.key}, ${b.key}`);
    if (a.rollup !== b.rollup || a.message.l2BlockNumber !== b.message.l2BlockNumber) {
      fail("the attestations are for different rollups or blocks");
    }
    if (a.message.outputRoot === b.message.outputRoot) fail("the attestations sign the same root: no equivocation");
    await registeredSet(hre, mach, a.rollup, "mach");
    const signer = await signerFor(hre, args.from);
    const block = BigInt(a.message.l2BlockNumber);
    const registry = await restakingRegistry(hre);
    const operator = await registry.operatorOfSigningKey(a.key);
    if (operator === ZeroAddress) fail(`${a.key} is the signing key of no operator`);
    if (await mach.isEquivocationProven(operator, a.rollup, block)) {
      fail(`the equivocation of ${operator} at block ${block} is proven already`);
    }
    const tx = await confirm(
      mach
        .connect(signer)
        .proveEquivocation(a.rollup, block, a.message.outputRoot, a.signature, b.message.outputRoot, b.signature),
    );
    return output(args.json, { operator, rollup: a.rollup, l2BlockNumber: block, tx }, () => [
      txLine(`equivocation of ${operator} at block ${block} proven: slash requested, operator jailed`, tx),
    ]);
  });

task("mach:alert", "Signs a MACH alert for a rollup (--out), or raises it from alert files (--signatures)")
  .addParam("rollup", "Rollup address or chain ID")
  .addParam("reason", "Why: 32-byte hex, or any text (hashed)")
  .addOptionalParam("out", "Sign the alert with the signing key into this file")
  .addOptionalParam("signatures", "Raise the alert from these alert files (comma-separated, or a directory)")
  .addOptionalParam("keyEnv", "Environment variable holding the signing key (else --from signs)", "ALT_SIGNING_KEY")
  .addOptionalParam("from", "Account to act as (default: the first account)")
  .addFlag("json", "Print the result as JSON")
  .setAction(
    async (
      args: {
        rollup: string;
        reason: string;
        out?: string;
        signatures?: string;
        keyEnv: string;
        from?: string;
        json: boolean;
      },
      hre,
    ) => {
      if ((args.out === undefined) === (args.signatures === undefined))
        fail("pass exactly one of --out and --signatures");
      const rollup = await (await parseRollup(hre, await rollupFactory(hre), args.rollup)).getAddress();
      const mach = await serviceContract(hre, "mach");
      await registeredSet(hre, mach, rollup, "mach");
      const reason = isHexString(args.reason, 32) ? args.reason : id(args.reason);
      const nonce = (await mach.alertNonce(rollup)).toString();
      if (args.out !== undefined) {
        const signed = await sign(hre, mach, await signingKey(hre, args.keyEnv, args.from), "alert", {
          rollup,
          reason,
          nonce,
        });
        writeFileSync(args.out, JSON.stringify(signed, null, 2) + "\n");
        return output(args.json, signed, () => [
          `alert ${reason} (nonce ${nonce}) for ${rollup} by ${signed.key} -> ${args.out}`,
        ]);
      }
      const matching = (await readSigned(hre, mach, args.signatures!)).filter(
        (s) => s.kind === "alert" && s.rollup === rollup && s.message.reason === reason && s.message.nonce === nonce,
      );
      if (matching.length === 0) fail(`no alert file signs reason ${reason} with nonce ${nonce}`);
      const cert = await toCertificate(hre, mach, rollup, matching, "alert signatures");
      const tx = await confirm(
        mach.connect(await signerFor(hre, args.from)).raiseAlert(rollup, reason, cert.signers, cert.signatures),
      );
      return output(args.json, { rollup, reason, nonce, signers: cert.signers.length, tx }, () => [
        txLine(`alert raised on ${rollup} by ${cert.signers.length} signers`, tx),
      ]);
    },
  );
