// BLS12-381 on the client side, in the encodings of the EIP-2537 precompiles that contracts/libraries/BLS.sol uses:
// public keys in G1 (128 bytes: x || y), signatures and hashed messages in G2 (256 bytes: x.c0 || x.c1 || y.c0 ||
// y.c1), each Fp element as 64 big-endian bytes; the point at infinity is all zeros. Signing and aggregation use
// @noble/curves (its own byte encodings are the compressed ZCash ones: never pass those to a contract).
import { bls12_381 } from "@noble/curves/bls12-381";

const { G1, G2 } = bls12_381;
export type G1Point = InstanceType<typeof G1.ProjectivePoint>;
export type G2Point = InstanceType<typeof G2.ProjectivePoint>;

/** The order of G1 and G2: secret keys are in [1, ORDER). */
export const ORDER = bls12_381.params.r;

/** An Fp element as EIP-2537 encodes it: 64 big-endian bytes (hex, no prefix). */
const fp = (x: bigint) => x.toString(16).padStart(128, "0");

/** A G1 point as the precompiles take it (0x-prefixed hex, 128 bytes). */
export function encodeG1(point: G1Point): string {
  if (point.equals(G1.ProjectivePoint.ZERO)) return "0x" + "00".repeat(128);
  const a = point.toAffine();
  return "0x" + fp(a.x) + fp(a.y);
}

/** A G2 point as the precompiles take it (0x-prefixed hex, 256 bytes). */
export function encodeG2(point: G2Point): string {
  if (point.equals(G2.ProjectivePoint.ZERO)) return "0x" + "00".repeat(256);
  const a = point.toAffine();
  return "0x" + fp(a.x.c0) + fp(a.x.c1) + fp(a.y.c0) + fp(a.y.c1);
}

/** `message` hashed to G2 per RFC 9380 (BLS12381G2_XMD:SHA-256_SSWU_RO_) under `domainTag`, as BLS.hashToG2 does. */
export function hashToG2(message: Uint8Array, domainTag: Uint8Array): G2Point {
  return G2.hashToCurve(message, { DST: domainTag }) as unknown as G2Point;
}

/** The public key (G1) of `secret`. */
export function publicKeyOf(secret: bigint): G1Point {
  return G1.ProjectivePoint.BASE.multiply(secret);
}

/** `secret`'s signature (G2) of `message` under `domainTag`. */
export function sign(secret: bigint, message: Uint8Array, domainTag: Uint8Array): G2Point {
  return hashToG2(message, domainTag).multiply(secret);
}

/** The sum of G1 points (an aggregate public key); the point at infinity for none. */
export function aggregateG1(points: G1Point[]): G1Point {
  return points.reduce((sum, p) => sum.add(p), G1.ProjectivePoint.ZERO);
}

/** The sum of G2 points (an aggregate signature); the point at infinity for none. */
export function aggregateG2(points: G2Point[]): G2Point {
  return points.reduce((sum, p) => sum.add(p), G2.ProjectivePoint.ZERO);
}
