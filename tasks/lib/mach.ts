// MACH's client side, shared by the mach tasks, the simulation and the tests: BLS keys with their proof of possession,
// attestation signatures, and quorums (one aggregate signature, the set's aggregate key and the non-signers with their
// keys) in the encodings MachService and BlsKeyRegistry take. Keys and aggregates of past epochs come from the key
// registry's events; who counted in an epoch from the operator sets' checkpoints.
import { scanStart } from "./addressBook";
import { getBytes, keccak256, toUtf8Bytes, type BytesLike } from "ethers";
import type { BlsKeyRegistry, OperatorSets } from "../../typechain-types";
import { aggregateG1, decodeG1, encodeG1, encodeG2, G2_SIZE, ORDER, publicKeyOf, sign } from "./bls";

/** The tag MachService hashes attestation and alert digests under (its DOMAIN). */
export const MACH_DOMAIN = toUtf8Bytes("ALT-MACH-V01-CS01-with-BLS12381G1_XMD:SHA-256_SSWU_RO_");
/** The tag of proofs of possession (BlsKeyRegistry.POP_DOMAIN). */
export const POP_DOMAIN = toUtf8Bytes("ALT-BLS-POP-V01-CS01-with-BLS12381G1_XMD:SHA-256_SSWU_RO_");
/** The point at infinity in G2: the aggregate key of a set nobody counted in. */
export const NO_KEY = "0x" + "00".repeat(G2_SIZE);

/** MachService.Quorum, as ethers takes it. */
export interface Quorum {
  epoch: bigint;
  signature: string;
  aggregateKey: string;
  nonSigners: string[];
  /** The non-signers' keys packed (`packKeys`). */
  nonSignerKeys: string;
}

/** Encoded G2 keys as a quorum's `nonSignerKeys` takes them: each without the 16 zero bytes before each of its four
 *  coordinates (192 bytes), concatenated. */
export function packKeys(keys: string[]): string {
  return (
    "0x" +
    keys
      .map((key) => {
        const hex = key.slice(2);
        if (hex.length !== 2 * G2_SIZE) throw new Error(`MACH: a G2 key is ${G2_SIZE} bytes, not ${hex.length / 2}`);
        return [0, 1, 2, 3].map((c) => hex.slice(128 * c + 32, 128 * (c + 1))).join("");
      })
      .join("")
  );
}

/** The encoded G2 keys of packed `nonSignerKeys` (`packKeys`'s inverse). */
export function unpackKeys(packed: string): string[] {
  const hex = packed.slice(2);
  const keys: string[] = [];
  for (let at = 0; at < hex.length; at += 384) {
    keys.push("0x" + [0, 1, 2, 3].map((c) => "0".repeat(32) + hex.slice(at + 96 * c, at + 96 * (c + 1))).join(""));
  }
  return keys;
}

/** A BLS secret key from any seed (e.g. a private key or a name): keccak256(seed) mod (r − 1) + 1, never zero. */
export function blsSecretFrom(seed: BytesLike | string): bigint {
  const bytes = typeof seed === "string" && !seed.startsWith("0x") ? toUtf8Bytes(seed) : getBytes(seed);
  return (BigInt(keccak256(bytes)) % (ORDER - 1n)) + 1n;
}

/** The EIP-2537 encoding of `secret`'s public key (G2). */
export function blsPublicKey(secret: bigint): string {
  return encodeG2(publicKeyOf(secret));
}

/** `registerKey`'s arguments for `operator` with `secret`: its key and the proof of possession the registry checks. */
export async function keyRegistration(
  keys: BlsKeyRegistry,
  operator: string,
  secret: bigint,
): Promise<{ publicKey: string; proof: string }> {
  const publicKey = blsPublicKey(secret);
  const message = await keys.proofOfPossessionMessage(operator, publicKey);
  return { publicKey, proof: encodeG1(sign(secret, getBytes(message), POP_DOMAIN)) };
}

/** `secret`'s signature (G1, encoded) of a MachService digest (attestation or alert). */
export function signDigest(secret: bigint, digest: string): string {
  return encodeG1(sign(secret, getBytes(digest), MACH_DOMAIN));
}

/** The sum of encoded G1 signatures, encoded. */
export function aggregateSignatures(signatures: string[]): string {
  return encodeG1(aggregateG1(signatures.map((s) => decodeG1(s))));
}

/** The latest value of `events` (in chain order) whose epoch is at most `epoch`: a checkpoint lookup over events. */
function valueAt<T>(events: { epoch: bigint; value: T }[], epoch: bigint): T | undefined {
  let found: T | undefined;
  for (const e of events) if (e.epoch <= epoch) found = e.value;
  return found;
}

/** The aggregate key of `setId` in `epoch` (the point at infinity if nobody counted yet), from AggregateKeyUpdated. */
export async function aggregateKeyAt(keys: BlsKeyRegistry, setId: bigint, epoch: bigint): Promise<string> {
  const events = await keys.queryFilter(keys.filters.AggregateKeyUpdated(setId), await scanStart());
  const value = valueAt(
    events.map((e) => ({ epoch: e.args.epoch, value: e.args.aggregateKey })),
    epoch,
  );
  return value ?? NO_KEY;
}

/** `operator`'s key in `epoch` (undefined if it had none), from KeyRegistered. */
export async function keyAt(keys: BlsKeyRegistry, operator: string, epoch: bigint): Promise<string | undefined> {
  const events = await keys.queryFilter(keys.filters.KeyRegistered(operator), await scanStart());
  return valueAt(
    events.map((e) => ({ epoch: e.args.epoch, value: e.args.publicKey })),
    epoch,
  );
}

/** The operators with stake counted in `setId` in `epoch`, in increasing address order (from the sets' events and
 *  checkpoints: a member that left in that epoch still counts in it). */
export async function countedAt(sets: OperatorSets, setId: bigint, epoch: bigint): Promise<string[]> {
  const events = await sets.queryFilter(sets.filters.AllocationUpdated(setId), await scanStart());
  const candidates = [...new Set(events.map((e) => e.args.operator))];
  const stakes = candidates.length === 0 ? [] : await sets.allocationsAt(setId, candidates, epoch);
  return sortAddresses(candidates.filter((_, i) => stakes[i] > 0n));
}

/** Addresses in increasing numeric order (as MachService wants non-signers). */
export function sortAddresses(addresses: string[]): string[] {
  return [...addresses].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
}

/**
 * The quorum of `signatures` (encoded G1, one per signer) in `epoch`: every operator counted in the set then that is
 * not in `signers` is a non-signer, with its key in that epoch.
 */
export async function buildQuorum(
  sets: OperatorSets,
  keys: BlsKeyRegistry,
  setId: bigint,
  epoch: bigint,
  signers: string[],
  signatures: string[],
): Promise<Quorum> {
  const signing = new Set(signers.map((s) => s.toLowerCase()));
  const nonSigners = (await countedAt(sets, setId, epoch)).filter((o) => !signing.has(o.toLowerCase()));
  const nonSignerKeys: string[] = [];
  for (const operator of nonSigners) {
    const key = await keyAt(keys, operator, epoch);
    if (key === undefined) throw new Error(`MACH: ${operator} counted in epoch ${epoch} without a BLS key`);
    nonSignerKeys.push(key);
  }
  return {
    epoch,
    signature: aggregateSignatures(signatures),
    aggregateKey: await aggregateKeyAt(keys, setId, epoch),
    nonSigners,
    nonSignerKeys: packKeys(nonSignerKeys),
  };
}
