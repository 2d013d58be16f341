// The BLS library (contracts/libraries/BLS.sol) on the EIP-2537 precompiles, keys in G2 and signatures in G1, checked
// against RFC 9380's published vectors and against @noble/curves (an independent implementation) for hashing, signing
// and aggregation; and the client side (tasks/lib/bls.ts) it is checked with.
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { bls12_381 } from "@noble/curves/bls12-381";
import { expand_message_xmd } from "@noble/curves/abstract/hash-to-curve";
import { sha256 } from "@noble/hashes/sha256";
import { dataLength, hexlify, keccak256, toUtf8Bytes, getBytes } from "ethers";
import {
  ORDER,
  aggregateG1,
  aggregateG2,
  decodeG1,
  decodeG2,
  encodeG1,
  encodeG2,
  hashToG1 as hashMessage,
  publicKeyOf,
  sign as signMessage,
} from "../../tasks/lib/bls";
import { packKeys, unpackKeys } from "../../tasks/lib/mach";
import { coverageRunning } from "../helpers/coverage";
import { G1_ZERO, fp, g2OutsideSubgroup, offCurve } from "../helpers/bls";

const { G1, G2 } = bls12_381;
const { Fp } = bls12_381.fields;
const P = Fp.ORDER;
const g1 = encodeG1;
const g2 = encodeG2;
const G2_ZERO = "0x" + "00".repeat(256);

/** This project's tag for tests (any 1-255 bytes); RFC 9380's own for its vectors. */
const DST = toUtf8Bytes("ALT-TEST-V01-with-BLS12381G1_XMD:SHA-256_SSWU_RO_");
const RFC_G1_DST = toUtf8Bytes("QUUX-V01-CS02-with-BLS12381G1_XMD:SHA-256_SSWU_RO_");
const RFC_XMD_DST = toUtf8Bytes("QUUX-V01-CS02-with-expander-SHA256-128");

const hashToG1 = (message: Uint8Array, dst: Uint8Array = DST) => hashMessage(message, dst);
const keyOf = publicKeyOf;
const sign = (secret: bigint, message: Uint8Array) => signMessage(secret, message, DST);

/** A point of E(Fp) outside G1's prime-order subgroup: the smallest x with x³ + 4 a square. */
function g1OutsideSubgroup(): string {
  for (let x = 1n; ; x++) {
    try {
      const y = Fp.sqrt(Fp.add(Fp.pow(x, 3n), 4n));
      const point = G1.ProjectivePoint.fromAffine({ x, y });
      expect(point.isTorsionFree()).to.equal(false);
      return "0x" + fp(x) + fp(y);
    } catch {
      continue;
    }
  }
}

async function harnessFixture() {
  const harness = await (await ethers.getContractFactory("BLSHarness")).deploy();
  return { harness };
}

describe("BLS", function () {
  describe("expandMessageXmd (RFC 9380, 5.3.1)", function () {
    // RFC 9380, Appendix K.1 (expand_message_xmd, SHA-256), len_in_bytes 0x20
    const VECTORS = [
      ["", "0x68a985b87eb6b46952128911f2a4412bbc302a9d759667f87f7a21d803f07235"],
      ["abc", "0xd8ccab23b5985ccea865c6c97b6e5b8350e794e603b4b97902f53a8a0d605615"],
      ["abcdef0123456789", "0xeff31487c770a893cfb36f912fbfcbff40d5661771ca4b2cb4eafe524333f5c1"],
    ];
    for (const [message, expected] of VECTORS) {
      it(`matches RFC 9380's vector for "${message}", 32 bytes`, async function () {
        const { harness } = await loadFixture(harnessFixture);
        expect(await harness.expandMessageXmd(toUtf8Bytes(message), RFC_XMD_DST, 32)).to.equal(expected);
      });
    }

    it("matches @noble/curves for the 128 bytes hash_to_field takes, and for lengths that are not whole blocks", async function () {
      const { harness } = await loadFixture(harnessFixture);
      for (const [message, length] of [
        [new Uint8Array(0), 128],
        [toUtf8Bytes("abc"), 128],
        [toUtf8Bytes("abc"), 256],
        [getBytes(ethers.id("random")), 100],
        [new Uint8Array(300).fill(7), 1],
        [toUtf8Bytes("x"), 254 * 32],
      ] as [Uint8Array, number][]) {
        expect(await harness.expandMessageXmd(message, DST, length)).to.equal(
          hexlify(expand_message_xmd(message, DST, length, sha256)),
        );
      }
    });

    it("refuses a tag of 0 or more than 255 bytes, and an output of 0 or more than 255 blocks", async function () {
      const { harness } = await loadFixture(harnessFixture);
      await expect(harness.expandMessageXmd("0x", "0x", 32))
        .to.be.revertedWithCustomError(harness, "BLSInvalidDomainTag")
        .withArgs(0);
      await expect(harness.expandMessageXmd("0x", new Uint8Array(256), 32))
        .to.be.revertedWithCustomError(harness, "BLSInvalidDomainTag")
        .withArgs(256);
      expect(await harness.expandMessageXmd("0x", new Uint8Array(255).fill(1), 32)).to.have.length(66);
      // the longest output, 255 blocks (the last block's index is 255, I2OSP(255, 1))
      expect(await harness.expandMessageXmd("0x", DST, 255 * 32)).to.have.length(2 + 255 * 64);
      await expect(harness.expandMessageXmd("0x", DST, 0))
        .to.be.revertedWithCustomError(harness, "BLSInvalidOutputLength")
        .withArgs(0);
      await expect(harness.expandMessageXmd("0x", DST, 255 * 32 + 1))
        .to.be.revertedWithCustomError(harness, "BLSInvalidOutputLength")
        .withArgs(255 * 32 + 1);
    });
  });

  describe("hashToG1 (RFC 9380, BLS12381G1_XMD:SHA-256_SSWU_RO_)", function () {
    // RFC 9380, Appendix J.9.1: msg, P.x, P.y
    const VECTORS: [string, bigint, bigint][] = [
      [
        "",
        0x052926add2207b76ca4fa57a8734416c8dc95e24501772c814278700eed6d1e4e8cf62d9c09db0fac349612b759e79a1n,
        0x08ba738453bfed09cb546dbb0783dbb3a5f1f566ed67bb6be0e8c67e2e81a4cc68ee29813bb7994998f3eae0c9c6a265n,
      ],
      [
        "abc",
        0x03567bc5ef9c690c2ab2ecdf6a96ef1c139cc0b2f284dca0a9a7943388a49a3aee664ba5379a7655d3c68900be2f6903n,
        0x0b9c15f3fe6e5cf4211f346271d7b01c8f3b28be689c8429c85b67af215533311f0b8dfaaa154fa6b88176c229f2885dn,
      ],
      [
        "abcdef0123456789",
        0x11e0b079dea29a68f0383ee94fed1b940995272407e3bb916bbf268c263ddd57a6a27200a784cbc248e84f357ce82d98n,
        0x03a87ae2caf14e8ee52e51fa2ed8eefe80f02457004ba4d486d6aa1f517c0889501dc7413753f9599b099ebcbbd2d709n,
      ],
      [
        "q128_" + "q".repeat(128),
        0x15f68eaa693b95ccb85215dc65fa81038d69629f70aeee0d0f677cf22285e7bf58d7cb86eefe8f2e9bc3f8cb84fac488n,
        0x1807a1d50c29f430b8cafc4f8638dfeeadf51211e1602a5f184443076715f91bb90a48ba1e370edce6ae1062f5e6dd38n,
      ],
      [
        "a512_" + "a".repeat(512),
        0x082aabae8b7dedb0e78aeb619ad3bfd9277a2f77ba7fad20ef6aabdc6c31d19ba5a6d12283553294c1825c4b3ca2dcfen,
        0x05b84ae5a942248eea39e1d91030458c40153f3b654ab7872d779ad1e942856a20c438e8d99bc8abfbf74729ce1f7ac8n,
      ],
    ];
    for (const [message, x, y] of VECTORS) {
      it(`matches RFC 9380's vector (Appendix J.9.1) for "${message.slice(0, 16)}${message.length > 16 ? "…" : ""}"`, async function () {
        const { harness } = await loadFixture(harnessFixture);
        const expected = "0x" + fp(x) + fp(y);
        expect(await harness.hashToG1(toUtf8Bytes(message), RFC_G1_DST)).to.equal(expected);
        expect(g1(hashToG1(toUtf8Bytes(message), RFC_G1_DST))).to.equal(expected);
      });
    }

    it("matches @noble/curves for short, long and binary messages under this project's tag", async function () {
      const { harness } = await loadFixture(harnessFixture);
      for (const message of [
        toUtf8Bytes("abc"),
        toUtf8Bytes("q128_" + "q".repeat(128)),
        new Uint8Array(600).fill(0xa5),
        getBytes(ethers.id("output root")),
      ]) {
        expect(await harness.hashToG1(message, DST)).to.equal(g1(hashToG1(message)));
      }
    });

    it("gives another point under another tag (domain separation)", async function () {
      const { harness } = await loadFixture(harnessFixture);
      const message = toUtf8Bytes("same message");
      expect(await harness.hashToG1(message, DST)).to.not.equal(await harness.hashToG1(message, RFC_G1_DST));
    });
  });

  describe("verify", function () {
    const MESSAGE = toUtf8Bytes("certificate: rollup 710000, output 7");
    const SECRET = 0x1234_5678_9abc_def0_1234_5678_9abc_def0n;

    it("holds the negated G2 generator of @noble/curves, and with it accepts the generator's signature (secret 1)", async function () {
      const { harness } = await loadFixture(harnessFixture);
      expect(await harness.negG2Generator()).to.equal(g2(G2.ProjectivePoint.BASE.negate()));
      const point = await harness.hashToG1(MESSAGE, DST);
      expect(await harness.verify(g2(G2.ProjectivePoint.BASE), point, point)).to.equal(true);
      expect(await harness.verify(g2(G2.ProjectivePoint.BASE.negate()), point, point)).to.equal(false);
    });

    it("accepts a signature made by @noble/curves, and refuses another message, key or signature", async function () {
      const { harness } = await loadFixture(harnessFixture);
      const pk = g2(keyOf(SECRET));
      const point = await harness.hashToG1(MESSAGE, DST);
      const signature = g1(sign(SECRET, MESSAGE));
      expect(await harness.verify(pk, point, signature)).to.equal(true);
      expect(await harness.verify(pk, await harness.hashToG1(toUtf8Bytes("other"), DST), signature)).to.equal(false);
      expect(await harness.verify(g2(keyOf(SECRET + 1n)), point, signature)).to.equal(false);
      expect(await harness.verify(pk, point, g1(sign(SECRET + 1n, MESSAGE)))).to.equal(false);
      // the same secret's signature under another tag is of another point
      expect(await harness.verify(pk, point, g1(signMessage(SECRET, MESSAGE, RFC_G1_DST)))).to.equal(false);
    });

    it("refuses malformed input without reverting: wrong lengths, points off their curves or outside their subgroups", async function () {
      const { harness } = await loadFixture(harnessFixture);
      const pk = g2(keyOf(SECRET));
      const point = await harness.hashToG1(MESSAGE, DST);
      const signature = g1(sign(SECRET, MESSAGE));
      expect(await harness.verify(pk.slice(0, -2), point, signature)).to.equal(false);
      expect(await harness.verify(pk, point.slice(0, -2), signature)).to.equal(false);
      expect(await harness.verify(pk, point, signature + "00")).to.equal(false);
      // the variants swapped: a G1 key and a G2 signature
      expect(await harness.verify(g1(G1.ProjectivePoint.BASE.multiply(SECRET)), point, signature)).to.equal(false);
      expect(await harness.verify(pk, point, g2(G2.ProjectivePoint.BASE))).to.equal(false);
      expect(await harness.verify(offCurve(pk), point, signature)).to.equal(false);
      expect(await harness.verify(pk, offCurve(point), signature)).to.equal(false);
      expect(await harness.verify(pk, point, offCurve(signature))).to.equal(false);
      expect(await harness.verify(g2OutsideSubgroup(), point, signature)).to.equal(false);
      expect(await harness.verify(pk, point, g1OutsideSubgroup())).to.equal(false);
      expect(await harness.verify(pk, g1OutsideSubgroup(), signature)).to.equal(false);
    });

    it("refuses the point at infinity as key or signature (it would pass the pairing for any message)", async function () {
      const { harness } = await loadFixture(harnessFixture);
      const point = await harness.hashToG1(MESSAGE, DST);
      expect(await harness.verify(G2_ZERO, point, G1_ZERO)).to.equal(false);
      expect(await harness.verify(g2(keyOf(SECRET)), point, G1_ZERO)).to.equal(false);
      expect(await harness.verify(G2_ZERO, point, g1(sign(SECRET, MESSAGE)))).to.equal(false);
    });

    it("spends at most a precompile's price on input it refuses: a failing precompile keeps no more gas than it was given", async function () {
      const { harness } = await loadFixture(harnessFixture);
      const garbage = "0x" + "ab".repeat(256);
      expect(await harness.isValidPublicKey(garbage)).to.equal(false);
      // the whole call, 21,000 and calldata included, not the 63/64 of the gas limit a free-running call would burn
      expect(await harness.isValidPublicKey.estimateGas(garbage, { gasLimit: 5_000_000 })).to.be.lessThan(60_000n);
      const point = await harness.hashToG1(MESSAGE, DST);
      const signature = g1(sign(SECRET, MESSAGE));
      const badKey = offCurve(g2(keyOf(SECRET)));
      expect(await harness.verify(badKey, point, signature)).to.equal(false);
      expect(await harness.verify.estimateGas(badKey, point, signature, { gasLimit: 5_000_000 })).to.be.lessThan(
        200_000n,
      );
    });

    it("verifies an aggregate of three: the sum of the keys against the sum of the signatures", async function () {
      const { harness } = await loadFixture(harnessFixture);
      const secrets = [SECRET, 0xabcdefn, ORDER - 5n];
      const point = await harness.hashToG1(MESSAGE, DST);
      let aggregateKey = g2(keyOf(secrets[0]));
      for (const s of secrets.slice(1)) aggregateKey = await harness.g2Add(aggregateKey, g2(keyOf(s)));
      expect(aggregateKey).to.equal(g2(aggregateG2(secrets.map(keyOf))));
      expect(aggregateKey).to.equal(g2(keyOf((secrets[0] + secrets[1] + secrets[2]) % ORDER)));
      let aggregateSignature = g1(sign(secrets[0], MESSAGE));
      for (const s of secrets.slice(1))
        aggregateSignature = await harness.g1Add(aggregateSignature, g1(sign(s, MESSAGE)));
      expect(aggregateSignature).to.equal(g1(aggregateG1(secrets.map((s) => sign(s, MESSAGE)))));
      expect(await harness.verify(aggregateKey, point, aggregateSignature)).to.equal(true);
      // two of the three signatures do not do for the three keys, nor three for two keys
      const twoSignatures = await harness.g1Add(g1(sign(secrets[0], MESSAGE)), g1(sign(secrets[1], MESSAGE)));
      expect(await harness.verify(aggregateKey, point, twoSignatures)).to.equal(false);
      const twoKeys = await harness.g2Add(g2(keyOf(secrets[0])), g2(keyOf(secrets[1])));
      expect(await harness.verify(twoKeys, point, aggregateSignature)).to.equal(false);
      expect(await harness.verify(twoKeys, point, twoSignatures)).to.equal(true);
    });

    it("verifies the signers of an aggregate key less a non-signer's key (g2Negate)", async function () {
      const { harness } = await loadFixture(harnessFixture);
      const secrets = [11n, 22n, 33n, 44n];
      const point = await harness.hashToG1(MESSAGE, DST);
      let aggregateKey = g2(keyOf(secrets[0]));
      for (const s of secrets.slice(1)) aggregateKey = await harness.g2Add(aggregateKey, g2(keyOf(s)));
      expect(aggregateKey).to.equal(g2(keyOf(110n)));
      // the last member did not sign: the signers' key is the aggregate less its key
      const signersSignature = g1(aggregateG1(secrets.slice(0, 3).map((s) => sign(s, MESSAGE))));
      const signersKey = await harness.g2Add(aggregateKey, await harness.g2Negate(g2(keyOf(secrets[3]))));
      expect(signersKey).to.equal(g2(keyOf(11n + 22n + 33n)));
      expect(await harness.verify(signersKey, point, signersSignature)).to.equal(true);
      expect(await harness.verify(aggregateKey, point, signersSignature)).to.equal(false);
    });
  });

  describe("group operations", function () {
    it("negates a G2 point to (x, −y): the sum is the point at infinity, which negates to itself", async function () {
      const { harness } = await loadFixture(harnessFixture);
      for (const secret of [1n, 2n, 3n, 0xdeadbeefn, ORDER - 1n]) {
        const point = keyOf(secret);
        const negated = await harness.g2Negate(g2(point));
        expect(negated).to.equal(g2(point.negate()));
        expect(await harness.g2Add(g2(point), negated)).to.equal(G2_ZERO);
        expect(await harness.g2Negate(negated)).to.equal(g2(point));
      }
      expect(await harness.g2Negate(G2_ZERO)).to.equal(G2_ZERO);
    });

    it("negates each coordinate of y on its own, p − v over two words, a zero coordinate staying zero", async function () {
      const { harness } = await loadFixture(harnessFixture);
      const x = fp(5n) + fp(7n);
      // v's low word above p's (a borrow from the high word) and below it; v's high word zero and p's
      const lowAbove = (1n << 256n) - 1n;
      const highOfP = (P >> 256n) << 256n;
      for (const [c0, c1] of [
        [0n, 1n],
        [1n, 0n],
        [lowAbove, P - 1n],
        [highOfP, lowAbove + (5n << 256n)],
        [P - 1n, highOfP + 1n],
      ]) {
        expect(await harness.g2Negate("0x" + x + fp(c0) + fp(c1))).to.equal(
          "0x" + x + fp(c0 === 0n ? 0n : P - c0) + fp(c1 === 0n ? 0n : P - c1),
        );
      }
    });

    it("refuses a G2 point of another length, and a coordinate of y that is not an Fp element", async function () {
      const { harness } = await loadFixture(harnessFixture);
      await expect(harness.g2Negate(G1_ZERO))
        .to.be.revertedWithCustomError(harness, "BLSInvalidPointLength")
        .withArgs(128);
      await expect(harness.g2Negate(G2_ZERO + "00"))
        .to.be.revertedWithCustomError(harness, "BLSInvalidPointLength")
        .withArgs(257);
      const x = fp(5n) + fp(7n);
      for (const y of [fp(P) + fp(1n), fp(1n) + fp(P + 1n), fp(1n) + "01" + fp(1n).slice(2)]) {
        await expect(harness.g2Negate("0x" + x + y)).to.be.revertedWithCustomError(harness, "BLSInvalidFieldElement");
      }
    });

    it("sums packed G2 points (192 bytes each) in one buffer and hashes each as its 256-byte encoding", async function () {
      const { harness } = await loadFixture(harnessFixture);
      const secrets = [3n, 0xdeadbeefn, ORDER - 1n, 77n];
      const keys = secrets.map((s) => g2(keyOf(s)));
      const packed = packKeys(keys);
      expect(dataLength(packed)).to.equal(4 * 192);
      expect(unpackKeys(packed)).to.deep.equal(keys);
      for (const count of [0, 1, 4]) {
        const [sum, hashes] = await harness.g2SumPacked(packed, count);
        expect(sum).to.equal(count === 0 ? G2_ZERO : g2(aggregateG2(secrets.slice(0, count).map(keyOf))));
        expect(hashes).to.deep.equal(keys.slice(0, count).map((k) => BigInt(keccak256(k)) & ((1n << 208n) - 1n)));
      }
      // a point and its negation sum to the point at infinity; the point at infinity packs to zeros and adds nothing
      const [zero] = await harness.g2SumPacked(packKeys([keys[0], g2(keyOf(secrets[0]).negate()), G2_ZERO]), 3);
      expect(zero).to.equal(G2_ZERO);
    });

    it("refuses to read a packed point past the end (BLSInvalidPointLength with the packed length)", async function () {
      const { harness } = await loadFixture(harnessFixture);
      const packed = packKeys([g2(keyOf(5n)), g2(keyOf(6n))]);
      await expect(harness.g2SumPacked(packed, 3))
        .to.be.revertedWithCustomError(harness, "BLSInvalidPointLength")
        .withArgs(384);
      await expect(harness.g2SumPacked(packed.slice(0, -2), 2))
        .to.be.revertedWithCustomError(harness, "BLSInvalidPointLength")
        .withArgs(383);
    });

    it("refuses to add a point off the curve (BLSPrecompileFailed with the precompile's address)", async function () {
      const { harness } = await loadFixture(harnessFixture);
      const sig = g1(sign(5n, toUtf8Bytes("m")));
      await expect(harness.g1Add(sig, offCurve(sig)))
        .to.be.revertedWithCustomError(harness, "BLSPrecompileFailed")
        .withArgs("0x000000000000000000000000000000000000000b");
      const pk = g2(keyOf(5n));
      await expect(harness.g2Add(pk, offCurve(pk)))
        .to.be.revertedWithCustomError(harness, "BLSPrecompileFailed")
        .withArgs("0x000000000000000000000000000000000000000d");
      await expect(harness.g2SumPacked(packKeys([pk, offCurve(pk)]), 2))
        .to.be.revertedWithCustomError(harness, "BLSPrecompileFailed")
        .withArgs("0x000000000000000000000000000000000000000d");
    });
  });

  describe("isValidPublicKey", function () {
    it("accepts a G2 key in the subgroup; refuses the point at infinity, a point off the curve, one outside the subgroup, and other lengths", async function () {
      const { harness } = await loadFixture(harnessFixture);
      const pk = g2(keyOf(SECRET_KEY));
      expect(await harness.isValidPublicKey(pk)).to.equal(true);
      expect(await harness.isValidPublicKey(g2(keyOf(ORDER - 1n)))).to.equal(true);
      expect(await harness.isValidPublicKey(G2_ZERO)).to.equal(false);
      expect(await harness.isValidPublicKey(offCurve(pk))).to.equal(false);
      expect(await harness.isValidPublicKey(g2OutsideSubgroup())).to.equal(false);
      expect(await harness.isValidPublicKey(pk.slice(0, -2))).to.equal(false);
      expect(await harness.isValidPublicKey(pk + "00")).to.equal(false);
      // a G1 key (the other variant's) is not a G2 one
      expect(await harness.isValidPublicKey(g1(G1.ProjectivePoint.BASE.multiply(SECRET_KEY)))).to.equal(false);
    });
  });

  describe("keyHash", function () {
    it("is the low 208 bits of the key's keccak256", async function () {
      const { harness } = await loadFixture(harnessFixture);
      for (const pk of [g2(keyOf(SECRET_KEY)), g2(keyOf(2n)), G2_ZERO]) {
        const expected = BigInt(keccak256(pk)) & ((1n << 208n) - 1n);
        expect(await harness.keyHash(pk)).to.equal(expected);
      }
      expect(await harness.keyHash(g2(keyOf(2n)))).to.not.equal(await harness.keyHash(g2(keyOf(3n))));
    });
  });

  describe("the client side (tasks/lib/bls.ts)", function () {
    it("decodes what it encodes, the point at infinity from all zeros, in both groups", function () {
      for (const secret of [1n, 2n, SECRET_KEY, ORDER - 1n]) {
        const key = keyOf(secret);
        expect(decodeG2(g2(key)).equals(key)).to.equal(true);
        const signature = sign(secret, toUtf8Bytes("m"));
        expect(decodeG1(g1(signature)).equals(signature)).to.equal(true);
        expect(decodeG1(getBytes(g1(signature))).equals(signature)).to.equal(true);
      }
      expect(decodeG1(G1_ZERO).equals(G1.ProjectivePoint.ZERO)).to.equal(true);
      expect(decodeG2(G2_ZERO).equals(G2.ProjectivePoint.ZERO)).to.equal(true);
    });

    it("refuses other lengths, non-zero padding, coordinates not below p, and points off the curve or subgroup", function () {
      const pk = g2(keyOf(SECRET_KEY));
      expect(() => decodeG2(pk.slice(0, -2))).to.throw("256 bytes expected");
      expect(() => decodeG1(pk)).to.throw("128 bytes expected");
      expect(() => decodeG2("0x01" + pk.slice(4))).to.throw("non-zero padding");
      expect(() => decodeG1("0x" + fp(P) + fp(1n))).to.throw("not below p");
      expect(() => decodeG2(offCurve(pk))).to.throw();
      expect(() => decodeG2(g2OutsideSubgroup())).to.throw();
      expect(() => decodeG1(g1OutsideSubgroup())).to.throw();
    });
  });

  // The cost a BLS certificate starts from: 159,798 gas measured, of which the precompiles take 115,275 (PAIRING_CHECK
  // of two pairs 102,900, MAP_FP_TO_G1 twice 11,000, G1ADD 375, two MODEXP reductions 1,000); the rest is the
  // transaction (21,000 and the calldata of a 256-byte key and a 128-byte signature), the SHA-256 blocks and memory.
  it("hashes a 32-byte message to G1 and verifies a signature in one transaction for at most 160,000 gas", async function () {
    if (coverageRunning()) this.skip(); // instrumented bytecode: gas figures mean nothing
    const { harness } = await loadFixture(harnessFixture);
    const message = getBytes(ethers.id("certificate: rollup 710000, output 7"));
    expect(message).to.have.length(32);
    const tx = await harness.hashAndVerify(g2(keyOf(SECRET_KEY)), message, DST, g1(sign(SECRET_KEY, message)));
    await expect(tx)
      .to.emit(harness, "Measured")
      .withArgs(ethers.AbiCoder.defaultAbiCoder().encode(["bool"], [true]));
    expect((await tx.wait())!.gasUsed).to.be.at.most(160_000n);
  });
});

const SECRET_KEY = 0x0fed_cba9_8765_4321n;
