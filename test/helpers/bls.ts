// BLS12-381 encodings built by hand for tests (EIP-2537): field elements, the point at infinity, and points that are
// off the curve or outside the prime-order subgroup, which the contracts must refuse.
import { expect } from "chai";
import { bls12_381 } from "@noble/curves/bls12-381";

const { G2 } = bls12_381;
const { Fp2 } = bls12_381.fields;

/** An Fp element as EIP-2537 encodes it, for building points by hand: 64 big-endian bytes (hex, no prefix). */
export const fp = (x: bigint) => x.toString(16).padStart(128, "0");

/** The point at infinity of G1 as EIP-2537 encodes it: 128 zero bytes. */
export const G1_ZERO = "0x" + "00".repeat(128);

/** `encoded` with its last byte changed: off the curve (the same x with another y). */
export const offCurve = (encoded: string) => encoded.slice(0, -2) + (encoded.endsWith("00") ? "01" : "00");

/** A point of E'(Fp2) outside G2's prime-order subgroup: the smallest x = (k, 0) with x³ + 4(1 + i) a square. */
export function g2OutsideSubgroup(): string {
  const b = Fp2.fromBigTuple([4n, 4n]);
  for (let k = 1n; ; k++) {
    const x = Fp2.fromBigTuple([k, 0n]);
    try {
      const y = Fp2.sqrt(Fp2.add(Fp2.mul(Fp2.sqr(x), x), b));
      const point = G2.ProjectivePoint.fromAffine({ x, y });
      expect(point.isTorsionFree()).to.equal(false);
      return "0x" + fp(x.c0) + fp(x.c1) + fp(y.c0) + fp(y.c1);
    } catch {
      continue;
    }
  }
}
