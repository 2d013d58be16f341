// The BLS library (contracts/libraries/BLS.sol) on the EIP-2537 precompiles, checked against RFC 9380's published
// vectors and against @noble/curves (an independent implementation) for hashing, signing and aggregation.
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { bls12_381 } from "@noble/curves/bls12-381";
import { expand_message_xmd } from "@noble/curves/abstract/hash-to-curve";
import { sha256 } from "@noble/hashes/sha256";
import { hexlify, toUtf8Bytes, getBytes } from "ethers";
import {
  ORDER,
  aggregateG1,
  aggregateG2,
  encodeG1,
  encodeG2,
  hashToG2 as hashMessage,
  publicKeyOf,
  sign as signMessage,
} from "../../tasks/lib/bls";
import { coverageRunning } from "../helpers/coverage";

const { G1 } = bls12_381;
const g1 = encodeG1;
const g2 = encodeG2;
/** An Fp element as EIP-2537 encodes it, for building points by hand: 64 big-endian bytes (hex, no prefix). */
const fp = (x: bigint) => x.toString(16).padStart(128, "0");

/** This project's tag for tests (any 1-255 bytes); RFC 9380's own for its vectors. */
const DST = toUtf8Bytes("ALT-TEST-V01-with-BLS12381G2_XMD:SHA-256_SSWU_RO_");
const RFC_G2_DST = toUtf8Bytes("QUUX-V01-CS02-with-BLS12381G2_XMD:SHA-256_SSWU_RO_");
const RFC_XMD_DST = toUtf8Bytes("QUUX-V01-CS02-with-expander-SHA256-128");

const hashToG2 = (message: Uint8Array, dst: Uint8Array = DST) => hashMessage(message, dst);
const keyOf = publicKeyOf;
const sign = (secret: bigint, message: Uint8Array) => signMessage(secret, message, DST);

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

    it("matches @noble/curves for the 256 bytes hash_to_field takes, and for lengths that are not whole blocks", async function () {
      const { harness } = await loadFixture(harnessFixture);
      for (const [message, length] of [
        [new Uint8Array(0), 256],
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

  describe("hashToG2 (RFC 9380, BLS12381G2_XMD:SHA-256_SSWU_RO_)", function () {
    it("matches RFC 9380's vector for the empty message (Appendix J.10.1)", async function () {
      const { harness } = await loadFixture(harnessFixture);
      const expected =
        "0x" +
        fp(0x0141ebfbdca40eb85b87142e130ab689c673cf60f1a3e98d69335266f30d9b8d4ac44c1038e9dcdd5393faf5c41fb78an) +
        fp(0x05cb8437535e20ecffaef7752baddf98034139c38452458baeefab379ba13dff5bf5dd71b72418717047f5b0f37da03dn) +
        fp(0x0503921d7f6a12805e72940b963c0cf3471c7b2a524950ca195d11062ee75ec076daf2d4bc358c4b190c0c98064fdd92n) +
        fp(0x12424ac32561493f3fe3c260708a12b7c620e7be00099a974e259ddc7d1f6395c3c811cdd19f1e8dbf3e9ecfdcbab8d6n);
      expect(await harness.hashToG2("0x", RFC_G2_DST)).to.equal(expected);
      expect(g2(hashToG2(new Uint8Array(0), RFC_G2_DST))).to.equal(expected);
    });

    it("matches @noble/curves for short, long and binary messages under this project's tag", async function () {
      const { harness } = await loadFixture(harnessFixture);
      for (const message of [
        toUtf8Bytes("abc"),
        toUtf8Bytes("q128_" + "q".repeat(128)),
        new Uint8Array(600).fill(0xa5),
        getBytes(ethers.id("output root")),
      ]) {
        expect(await harness.hashToG2(message, DST)).to.equal(g2(hashToG2(message)));
      }
    });

    it("gives another point under another tag (domain separation)", async function () {
      const { harness } = await loadFixture(harnessFixture);
      const message = toUtf8Bytes("same message");
      expect(await harness.hashToG2(message, DST)).to.not.equal(await harness.hashToG2(message, RFC_G2_DST));
    });
  });

  describe("verify", function () {
    const MESSAGE = toUtf8Bytes("certificate: rollup 710000, output 7");
    const SECRET = 0x1234_5678_9abc_def0_1234_5678_9abc_def0n;

    it("accepts a signature made by @noble/curves, and refuses another message, key or signature", async function () {
      const { harness } = await loadFixture(harnessFixture);
      const pk = g1(keyOf(SECRET));
      const point = await harness.hashToG2(MESSAGE, DST);
      const signature = g2(sign(SECRET, MESSAGE));
      expect(await harness.verify(pk, point, signature)).to.equal(true);
      expect(await harness.verify(pk, await harness.hashToG2(toUtf8Bytes("other"), DST), signature)).to.equal(false);
      expect(await harness.verify(g1(keyOf(SECRET + 1n)), point, signature)).to.equal(false);
      expect(await harness.verify(pk, point, g2(sign(SECRET + 1n, MESSAGE)))).to.equal(false);
    });

    it("refuses malformed input without reverting: wrong lengths, points off their curves", async function () {
      const { harness } = await loadFixture(harnessFixture);
      const pk = g1(keyOf(SECRET));
      const point = await harness.hashToG2(MESSAGE, DST);
      const signature = g2(sign(SECRET, MESSAGE));
      expect(await harness.verify(pk.slice(0, -2), point, signature)).to.equal(false);
      expect(await harness.verify(pk, point.slice(0, -2), signature)).to.equal(false);
      expect(await harness.verify(pk, point, signature + "00")).to.equal(false);
      const offCurve = pk.slice(0, -2) + (pk.endsWith("00") ? "01" : "00");
      expect(await harness.verify(offCurve, point, signature)).to.equal(false);
    });

    it("refuses the point at infinity as key or signature (it would pass the pairing for any message)", async function () {
      const { harness } = await loadFixture(harnessFixture);
      const zeroKey = "0x" + "00".repeat(128);
      const zeroSignature = "0x" + "00".repeat(256);
      const point = await harness.hashToG2(MESSAGE, DST);
      expect(await harness.verify(zeroKey, point, zeroSignature)).to.equal(false);
      expect(await harness.verify(g1(keyOf(SECRET)), point, zeroSignature)).to.equal(false);
      expect(await harness.verify(zeroKey, point, g2(sign(SECRET, MESSAGE)))).to.equal(false);
    });

    it("spends at most a precompile's price on input it refuses: a failing precompile keeps no more gas than it was given", async function () {
      const { harness } = await loadFixture(harnessFixture);
      const garbage = "0x" + "ab".repeat(128);
      expect(await harness.isValidPublicKey(garbage)).to.equal(false);
      // the whole call, 21,000 and calldata included, not the 63/64 of the gas limit a free-running call would burn
      expect(await harness.isValidPublicKey.estimateGas(garbage, { gasLimit: 5_000_000 })).to.be.lessThan(60_000n);
      const point = await harness.hashToG2(MESSAGE, DST);
      const pk = g1(keyOf(SECRET));
      const offCurve = pk.slice(0, -2) + (pk.endsWith("00") ? "01" : "00");
      expect(await harness.verify(offCurve, point, g2(sign(SECRET, MESSAGE)))).to.equal(false);
      expect(await harness.verify.estimateGas(offCurve, point, g2(sign(SECRET, MESSAGE)))).to.be.lessThan(200_000n);
    });

    it("verifies an aggregate: the sum of the keys against the sum of the signatures, and the sum less a non-signer", async function () {
      const { harness } = await loadFixture(harnessFixture);
      const secrets = [11n, 22n, 33n, 44n];
      const point = await harness.hashToG2(MESSAGE, DST);
      let aggregateKey = g1(keyOf(secrets[0]));
      for (const s of secrets.slice(1)) aggregateKey = await harness.g1Add(aggregateKey, g1(keyOf(s)));
      expect(aggregateKey).to.equal(g1(keyOf(secrets.reduce((a, b) => a + b))));
      expect(aggregateKey).to.equal(g1(aggregateG1(secrets.map(keyOf))));
      let aggregateSignature = g2(sign(secrets[0], MESSAGE));
      for (const s of secrets.slice(1))
        aggregateSignature = await harness.g2Add(aggregateSignature, g2(sign(s, MESSAGE)));
      expect(aggregateSignature).to.equal(g2(aggregateG2(secrets.map((s) => sign(s, MESSAGE)))));
      expect(await harness.verify(aggregateKey, point, aggregateSignature)).to.equal(true);
      // the last member did not sign: the signers' key is the aggregate less its key
      let signersSignature = g2(sign(secrets[0], MESSAGE));
      for (const s of secrets.slice(1, 3))
        signersSignature = await harness.g2Add(signersSignature, g2(sign(s, MESSAGE)));
      const signersKey = await harness.g1Add(aggregateKey, await harness.g1Negate(g1(keyOf(secrets[3]))));
      expect(signersKey).to.equal(g1(keyOf(11n + 22n + 33n)));
      expect(await harness.verify(signersKey, point, signersSignature)).to.equal(true);
      expect(await harness.verify(aggregateKey, point, signersSignature)).to.equal(false);
    });
  });

  describe("group operations", function () {
    it("negates a G1 point to (x, p − y): the sum is the point at infinity, which negates to itself", async function () {
      const { harness } = await loadFixture(harnessFixture);
      for (const secret of [1n, 2n, 3n, 0xdeadbeefn, ORDER - 1n]) {
        const point = keyOf(secret);
        expect(await harness.g1Negate(g1(point))).to.equal(g1(point.negate()));
        expect(await harness.g1Add(g1(point), await harness.g1Negate(g1(point)))).to.equal("0x" + "00".repeat(128));
      }
      expect(await harness.g1Negate("0x" + "00".repeat(128))).to.equal("0x" + "00".repeat(128));
      await expect(harness.g1Negate("0x" + "00".repeat(127)))
        .to.be.revertedWithCustomError(harness, "BLSInvalidPointLength")
        .withArgs(127);
    });

    it("refuses to add a point off the curve (BLSPrecompileFailed with the precompile's address)", async function () {
      const { harness } = await loadFixture(harnessFixture);
      const pk = g1(keyOf(5n));
      const offCurve = pk.slice(0, -2) + (pk.endsWith("00") ? "01" : "00");
      await expect(harness.g1Add(pk, offCurve))
        .to.be.revertedWithCustomError(harness, "BLSPrecompileFailed")
        .withArgs("0x000000000000000000000000000000000000000b");
      const sig = g2(sign(5n, toUtf8Bytes("m")));
      const offCurve2 = sig.slice(0, -2) + (sig.endsWith("00") ? "01" : "00");
      await expect(harness.g2Add(sig, offCurve2))
        .to.be.revertedWithCustomError(harness, "BLSPrecompileFailed")
        .withArgs("0x000000000000000000000000000000000000000d");
    });
  });

  describe("isValidPublicKey", function () {
    it("accepts a key in the subgroup; refuses the point at infinity, a point off the curve and one outside the subgroup", async function () {
      const { harness } = await loadFixture(harnessFixture);
      const pk = g1(keyOf(SECRET_KEY));
      expect(await harness.isValidPublicKey(pk)).to.equal(true);
      expect(await harness.isValidPublicKey("0x" + "00".repeat(128))).to.equal(false);
      expect(await harness.isValidPublicKey(pk.slice(0, -2) + (pk.endsWith("00") ? "01" : "00"))).to.equal(false);
      expect(await harness.isValidPublicKey(pk.slice(0, -2))).to.equal(false);
      // a point of E(Fp) outside the prime-order subgroup: the smallest x with x³ + 4 a square
      const { Fp } = bls12_381.fields;
      let x = 1n;
      let y = 0n;
      for (; ; x++) {
        const rhs = Fp.add(Fp.pow(x, 3n), 4n);
        try {
          y = Fp.sqrt(rhs);
          break;
        } catch {
          continue;
        }
      }
      const point = G1.ProjectivePoint.fromAffine({ x, y });
      expect(point.isTorsionFree()).to.equal(false);
      expect(await harness.isValidPublicKey("0x" + fp(x) + fp(y))).to.equal(false);
    });
  });

  // The cost a BLS certificate starts from: 205,260 gas measured, of which the precompiles take 150,500 (PAIRING_CHECK
  // of two pairs 102,900, MAP_FP2_TO_G2 twice 47,600); the rest is the transaction (21,000 and ~7,000 of calldata),
  // the SHA-256 blocks, four MODEXP reductions and memory.
  it("hashes a message to G2 and verifies a signature in one transaction for at most 210,000 gas", async function () {
    if (coverageRunning()) this.skip(); // instrumented bytecode: gas figures mean nothing
    const { harness } = await loadFixture(harnessFixture);
    const message = toUtf8Bytes("certificate: rollup 710000, output 7");
    const tx = await harness.hashAndVerify(g1(keyOf(SECRET_KEY)), message, DST, g2(sign(SECRET_KEY, message)));
    await expect(tx)
      .to.emit(harness, "Measured")
      .withArgs(ethers.AbiCoder.defaultAbiCoder().encode(["bool"], [true]));
    expect((await tx.wait())!.gasUsed).to.be.at.most(210_000n);
  });
});

const SECRET_KEY = 0x0fed_cba9_8765_4321n;
