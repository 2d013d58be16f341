// BLS12-381 on the client side, in the encodings of the EIP-2537 precompiles that contracts/libraries/BLS.sol uses
// (the "minimal signature" variant): public keys in G2 (256 bytes: x.c0 || x.c1 || y.c0 || y.c1), signatures and
// hashed messages in G1 (128 bytes: x || y), each Fp element as 64 big-endian bytes; the point at infinity is all
// zeros. Signing and aggregation use @noble/curves (its own byte encodings are the compressed ZCash ones: never pass
// those to a contract).
import { bls12_381 } from "@noble/curves/bls12-381";
import { getBytes, hexlify } from "ethers";

const { G1, G2 } = bls12_381;
export type G1Point = InstanceType<typeof G1.ProjectivePoint>;
export type G2Point = InstanceType<typeof G2.ProjectivePoint>;

/** The order of G1 and G2: secret keys are in [1, ORDER). */
export const ORDER = bls12_381.params.r;

/** The size of a G1 and of a G2 point in EIP-2537 encoding, in bytes. */
export const G1_SIZE = 128;
export const G2_SIZE = 256;

/** An Fp element as EIP-2537 encodes it: 64 big-endian bytes (hex, no prefix). */
const fp = (x: bigint) => x.toString(16).padStart(128, "0");

/** The Fp elements of an EIP-2537 encoding of `size` bytes: each 64 bytes, of which the first 16 must be zero. */
function fpElements(encoded: string | Uint8Array, size: number): bigint[] | undefined {
  const bytes = getBytes(encoded);
  if (bytes.length !== size) throw new Error(`BLS: a point of ${size} bytes expected, got ${bytes.length}`);
  if (bytes.every((b) => b === 0)) return undefined;
  const elements: bigint[] = [];
  for (let offset = 0; offset < size; offset += 64) {
    if (bytes.subarray(offset, offset + 16).some((b) => b !== 0)) {
      throw new Error(`BLS: the Fp element at byte ${offset} has non-zero padding`);
    }
    const value = BigInt(hexlify(bytes.subarray(offset + 16, offset + 64)));
    if (value >= bls12_381.fields.Fp.ORDER) throw new Error(`BLS: the Fp element at byte ${offset} is not below p`);
    elements.push(value);
  }
  return elements;
}

/** A G1 point as the precompiles take it (0x-prefixed hex, 128 bytes). */
export function encodeG1(point: G1Point): string {
  if (point.equals(G1.ProjectivePoint.ZERO)) return "0x" + "00".repeat(G1_SIZE);
  const a = point.toAffine();
  return "0x" + fp(a.x) + fp(a.y);
}

/** A G2 point as the precompiles take it (0x-prefixed hex, 256 bytes). */
export function encodeG2(point: G2Point): string {
  if (point.equals(G2.ProjectivePoint.ZERO)) return "0x" + "00".repeat(G2_SIZE);
  const a = point.toAffine();
  return "0x" + fp(a.x.c0) + fp(a.x.c1) + fp(a.y.c0) + fp(a.y.c1);
}

/** The G1 point of an EIP-2537 encoding (128 bytes; all zeros: the point at infinity). Throws for a point off the
 *  curve or outside the subgroup. */
export function decodeG1(encoded: string | Uint8Array): G1Point {
  const e = fpElements(encoded, G1_SIZE);
  if (e === undefined) return G1.ProjectivePoint.ZERO;
  const point = G1.ProjectivePoint.fromAffine({ x: e[0], y: e[1] });
  point.assertValidity();
  return point;
}

/** The G2 point of an EIP-2537 encoding (256 bytes; all zeros: the point at infinity). Throws for a point off the
 *  curve or outside the subgroup. */
export function decodeG2(encoded: string | Uint8Array): G2Point {
  const e = fpElements(encoded, G2_SIZE);
  if (e === undefined) return G2.ProjectivePoint.ZERO;
  const point = G2.ProjectivePoint.fromAffine({ x: { c0: e[0], c1: e[1] }, y: { c0: e[2], c1: e[3] } });
  point.assertValidity();
  return point;
}

/** `message` hashed to G1 per RFC 9380 (BLS12381G1_XMD:SHA-256_SSWU_RO_) under `domainTag`, as BLS.hashToG1 does. */
export function hashToG1(message: Uint8Array, domainTag: Uint8Array): G1Point {
  return G1.hashToCurve(message, { DST: domainTag }) as unknown as G1Point;
}

/** The public key (G2) of `secret`. */
export function publicKeyOf(secret: bigint): G2Point {
  return G2.ProjectivePoint.BASE.multiply(secret);
}

/** `secret`'s signature (G1) of `message` under `domainTag`. */
export function sign(secret: bigint, message: Uint8Array, domainTag: Uint8Array): G1Point {
  return hashToG1(message, domainTag).multiply(secret);
}

/** The sum of G1 points (an aggregate signature); the point at infinity for none. */
export function aggregateG1(points: G1Point[]): G1Point {
  return points.reduce((sum, p) => sum.add(p), G1.ProjectivePoint.ZERO);
}

/** The sum of G2 points (an aggregate public key); the point at infinity for none. */
export function aggregateG2(points: G2Point[]): G2Point {
  return points.reduce((sum, p) => sum.add(p), G2.ProjectivePoint.ZERO);
}
