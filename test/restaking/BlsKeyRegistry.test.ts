// The BLS key registry (contracts/restaking/BlsKeyRegistry.sol): operators' BLS12-381 keys (G2, EIP-2537 encoding)
// registered with a proof of possession, and the aggregate key of each MACH set, both checkpointed by epoch. Runs on the
// staged services deployment (real OperatorSets telling the registry who starts and stops counting in MACH's sets);
// every expected key, aggregate and hash is computed independently with @noble/curves (tasks/lib/bls.ts) and keccak256.
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { bls12_381 } from "@noble/curves/bls12-381";
import { getBytes, id, keccak256, solidityPacked, Wallet, ZeroAddress, type ContractTransactionResponse } from "ethers";
import { aggregateG2, decodeG2, encodeG1, encodeG2, publicKeyOf, sign } from "../../tasks/lib/bls";
import {
  blsPublicKey,
  blsSecretFrom,
  keyRegistration,
  MACH_DOMAIN,
  NO_KEY,
  POP_DOMAIN,
  aggregateKeyAt,
} from "../../tasks/lib/mach";
import { ALT } from "../helpers/constants";
import { G1_ZERO, g2OutsideSubgroup, offCurve } from "../helpers/bls";
import { nextEpoch } from "../helpers/time";
import {
  addOperators,
  deployServices,
  launchRollup,
  type Operator,
  type ServicesDeployment,
} from "../helpers/services";

const { G1 } = bls12_381;

/** Each operator's self-stake; it allocates ALLOCATION (above the services' 1,000 ALT minimum) to each set it joins. */
const STAKE = 10_000n * ALT;
const ALLOCATION = 2_000n * ALT;
/** BLS.keyHash: the low 208 bits of the key's keccak256 (what the checkpoints hold). */
const keyHash = (encoded: string) => BigInt(keccak256(encoded)) & ((1n << 208n) - 1n);
/** The EIP-2537 encoding of the sum of the public keys of `secrets` (the point at infinity for none). */
const sumOfKeys = (...secrets: bigint[]) => encodeG2(aggregateG2(secrets.map(publicKeyOf)));

/** A proof of possession as the registry checks it: `secret`'s signature of `message` under `tag` (G1, encoded). */
const proofOf = (secret: bigint, message: string, tag: Uint8Array = POP_DOMAIN) =>
  encodeG1(sign(secret, getBytes(message), tag));

/** An operator registered in the restaking registry, with stake, but no BLS key. */
interface Keyless {
  account: Wallet;
  address: string;
}

/** As addOperators registers an operator, without the BLS key. */
async function addKeylessOperator(d: ServicesDeployment, label: string): Promise<Keyless> {
  const account = new Wallet(id(`alt-test-operator:${label}`), ethers.provider);
  await hre.network.provider.send("hardhat_setBalance", [account.address, "0x56BC75E2D63100000"]);
  await (await d.token.connect(d.funder).transfer(account.address, STAKE)).wait();
  await (await d.token.connect(account).approve(await d.registry.getAddress(), STAKE)).wait();
  await (await d.registry.connect(account).registerOperator(`ipfs://${label}`, 0)).wait();
  await (await d.registry.connect(account).stake(account.address, 0, STAKE)).wait();
  return { account, address: account.address };
}

describe("BlsKeyRegistry", function () {
  /**
   * Three operators with keys (registered by addOperators, counting from the next epoch), one without, an outsider
   * (no operator), and two rollups with MACH and VITAL: each rollup's MACH set listens to the key registry.
   */
  async function keysFixture() {
    const d = await deployServices();
    const outsider = (await ethers.getSigners())[18];
    const ops = await addOperators(d, "bls-keys", [STAKE, STAKE, STAKE]);
    const keyless = await addKeylessOperator(d, "bls-keys:keyless");
    const rollupA = await launchRollup(d, d.users[0], { chainId: 920_001, salt: id("bls-keys:a") });
    const rollupB = await launchRollup(d, d.users[1], { chainId: 920_002, salt: id("bls-keys:b") });
    const setA = await d.mach.setIdOf(await rollupA.getAddress());
    const setB = await d.mach.setIdOf(await rollupB.getAddress());
    const vitalSet = await d.vital.setIdOf(await rollupA.getAddress());
    return { d, keys: d.blsKeys, sets: d.operatorSets, ops, keyless, outsider, setA, setB, vitalSet };
  }

  type Fixture = Awaited<ReturnType<typeof keysFixture>>;

  /** `ops[i]` joins `setId` with ALLOCATION each. */
  async function join(f: Fixture, setId: bigint, ops: Operator[]) {
    for (const op of ops) await (await f.sets.connect(op.account).join(setId, ALLOCATION)).wait();
  }

  /** The key registry's events in `tx`, in order, as [name, ...args]. */
  async function keyEvents(f: Fixture, tx: ContractTransactionResponse) {
    const receipt = await tx.wait();
    const address = await f.keys.getAddress();
    return receipt!.logs
      .filter((log) => log.address === address)
      .map((log) => {
        const parsed = f.keys.interface.parseLog(log)!;
        return [parsed.name, ...parsed.args];
      });
  }

  /** `op` registers the key of `secret` (a rotation if it has one), with a valid proof of possession. */
  async function register(f: Fixture, op: { account: Wallet; address: string }, secret: bigint) {
    const { publicKey, proof } = await keyRegistration(f.keys, op.address, secret);
    return f.keys.connect(op.account).registerKey(publicKey, proof);
  }

  describe("registerKey", function () {
    it("registers an operator's first key from the next epoch: no key hash before it, the key's 208-bit hash from it", async function () {
      const f = await loadFixture(keysFixture);
      const { keys, sets, keyless, ops, outsider } = f;
      const secret = blsSecretFrom("bls-keys:keyless:first");
      const publicKey = blsPublicKey(secret);
      expect(await keys.keyOf(keyless.address)).to.equal("0x");
      const epoch = await sets.currentEpoch();
      await expect(register(f, keyless, secret))
        .to.emit(keys, "KeyRegistered")
        .withArgs(keyless.address, publicKey, epoch + 1n);
      expect(await keys.keyOf(keyless.address)).to.equal(publicKey);
      expect(await keys.keyHashAt(keyless.address, epoch)).to.equal(0n);
      expect(await keys.keyHashAt(keyless.address, epoch + 1n)).to.equal(keyHash(publicKey));
      expect(await keys.keyHashAt(keyless.address, epoch + 100n)).to.equal(keyHash(publicKey));
      // the batch view: one operator with a key, this one, and an account with none
      const other = blsPublicKey(ops[0].bls);
      expect(await keys.keyHashesAt([ops[0].address, keyless.address, outsider.address], epoch + 1n)).to.deep.equal([
        keyHash(other),
        keyHash(publicKey),
        0n,
      ]);
      expect(await keys.keyHashesAt([ops[0].address, keyless.address], epoch)).to.deep.equal([0n, 0n]);
      // the epoch it counts from comes: the hash is the current epoch's
      const next = await nextEpoch(sets);
      expect(await keys.keyHashAt(keyless.address, next)).to.equal(keyHash(publicKey));
      expect(await keys.keyOf(outsider.address)).to.equal("0x");
    });

    it("signs for the proof of possession the chain, the registry, the operator and the key, under its own tag", async function () {
      const { keys, ops } = await loadFixture(keysFixture);
      const publicKey = blsPublicKey(ops[0].bls);
      const { chainId } = await ethers.provider.getNetwork();
      expect(await keys.proofOfPossessionMessage(ops[0].address, publicKey)).to.equal(
        solidityPacked(
          ["uint256", "address", "address", "bytes"],
          [chainId, await keys.getAddress(), ops[0].address, publicKey],
        ),
      );
      expect(await keys.POP_DOMAIN()).to.equal(ethers.hexlify(POP_DOMAIN));
      expect(ethers.toUtf8String(await keys.POP_DOMAIN())).to.equal(
        "ALT-BLS-POP-V01-CS01-with-BLS12381G1_XMD:SHA-256_SSWU_RO_",
      );
    });

    it("refuses an account that is not a registered operator, even with a valid proof of possession (BlsNotOperator)", async function () {
      const f = await loadFixture(keysFixture);
      const { keys, outsider } = f;
      const secret = blsSecretFrom("bls-keys:outsider");
      const { publicKey, proof } = await keyRegistration(keys, outsider.address, secret);
      await expect(keys.connect(outsider).registerKey(publicKey, proof))
        .to.be.revertedWithCustomError(keys, "BlsNotOperator")
        .withArgs(outsider.address);
    });

    it("refuses a key that is not a G2 point of the subgroup: infinity, other lengths, off the curve, outside the subgroup, bad padding, a G1 point (BlsInvalidKey)", async function () {
      const { keys, keyless } = await loadFixture(keysFixture);
      const valid = blsPublicKey(blsSecretFrom("bls-keys:keyless:invalid"));
      const invalid = [
        NO_KEY, // the point at infinity: it would add nothing to an aggregate and verify any aggregate of others
        valid.slice(0, -2), // 255 bytes
        valid + "00", // 257 bytes
        offCurve(valid),
        g2OutsideSubgroup(),
        "0x01" + valid.slice(4), // a non-zero byte in the first element's 16 bytes of padding
        encodeG1(G1.ProjectivePoint.BASE.multiply(5n)), // the other variant's key, 128 bytes
      ];
      for (const key of invalid) {
        await expect(keys.connect(keyless.account).registerKey(key, G1_ZERO), key).to.be.revertedWithCustomError(
          keys,
          "BlsInvalidKey",
        );
      }
      expect(await keys.keyOf(keyless.address)).to.equal("0x");
    });

    it("refuses a proof of possession by another secret, for another key, under another tag or for another registry (BlsInvalidProof)", async function () {
      const f = await loadFixture(keysFixture);
      const { keys, keyless } = f;
      const secret = blsSecretFrom("bls-keys:keyless:proofs");
      const other = blsSecretFrom("bls-keys:keyless:other");
      const publicKey = blsPublicKey(secret);
      const message = await keys.proofOfPossessionMessage(keyless.address, publicKey);
      const { chainId } = await ethers.provider.getNetwork();
      const wrong = [
        // the right message signed by another secret
        proofOf(other, message),
        // a valid proof for another key (the operator's own other key)
        proofOf(other, await keys.proofOfPossessionMessage(keyless.address, blsPublicKey(other))),
        // the right message and secret under MACH's tag: a MACH signature is never a proof of possession
        proofOf(secret, message, MACH_DOMAIN),
        // the right secret for another registry on this chain, and for this registry on another chain
        proofOf(
          secret,
          solidityPacked(
            ["uint256", "address", "address", "bytes"],
            [chainId, await f.d.registry.getAddress(), keyless.address, publicKey],
          ),
        ),
        proofOf(
          secret,
          solidityPacked(
            ["uint256", "address", "address", "bytes"],
            [chainId + 1n, await keys.getAddress(), keyless.address, publicKey],
          ),
        ),
        // no proof at all
        G1_ZERO,
      ];
      for (const proof of wrong) {
        await expect(keys.connect(keyless.account).registerKey(publicKey, proof)).to.be.revertedWithCustomError(
          keys,
          "BlsInvalidProof",
        );
      }
      // the right proof passes
      await expect(keys.connect(keyless.account).registerKey(publicKey, proofOf(secret, message))).to.emit(
        keys,
        "KeyRegistered",
      );
    });

    it("a proof of possession cannot be replayed by another operator: front-running a registration does not take its key", async function () {
      const f = await loadFixture(keysFixture);
      const { keys, sets, keyless, ops } = f;
      // the keyless operator's registration, seen in the mempool by operator 0, which sends the same arguments first
      const secret = blsSecretFrom("bls-keys:keyless:front-run");
      const { publicKey, proof } = await keyRegistration(keys, keyless.address, secret);
      await expect(keys.connect(ops[0].account).registerKey(publicKey, proof)).to.be.revertedWithCustomError(
        keys,
        "BlsInvalidProof",
      );
      expect(await keys.keyOf(ops[0].address)).to.equal(blsPublicKey(ops[0].bls));
      const epoch = await sets.currentEpoch();
      await expect(keys.connect(keyless.account).registerKey(publicKey, proof))
        .to.emit(keys, "KeyRegistered")
        .withArgs(keyless.address, publicKey, epoch + 1n);
    });

    it("a rogue key cannot be registered without its secret", async function () {
      const f = await loadFixture(keysFixture);
      const { keys, keyless, ops } = f;
      // the attacker (the keyless operator) knows a secret `a` and the victim's public key: pk_a − pk_victim is a valid
      // key whose sum with the victim's is pk_a, so a set holding both would take the attacker's signature alone for
      // the two — but its secret (a − victim's) is unknown to the attacker
      const a = blsSecretFrom("bls-keys:attacker");
      const victim = decodeG2(await keys.keyOf(ops[0].address));
      const rogue = publicKeyOf(a).subtract(victim);
      const rogueKey = encodeG2(rogue);
      expect(encodeG2(rogue.add(victim))).to.equal(blsPublicKey(a));
      const message = await keys.proofOfPossessionMessage(keyless.address, rogueKey);
      // what the attacker can sign: the message with its secret, or the victim's own proof of possession of its key
      const victimMessage = await keys.proofOfPossessionMessage(ops[0].address, blsPublicKey(ops[0].bls));
      for (const proof of [proofOf(a, message), proofOf(ops[0].bls, victimMessage)]) {
        // the key itself is valid (a point of the subgroup): only the proof is refused
        await expect(keys.connect(keyless.account).registerKey(rogueKey, proof)).to.be.revertedWithCustomError(
          keys,
          "BlsInvalidProof",
        );
      }
      expect(await keys.keyOf(keyless.address)).to.equal("0x");
    });

    it("gives a key to one operator forever: taken from another operator even with a valid proof, and from its owner after a rotation (BlsKeyTaken)", async function () {
      const f = await loadFixture(keysFixture);
      const { keys, keyless, ops } = f;
      const taken = blsPublicKey(ops[0].bls);
      // an entity holding operator 0's secret signs a valid proof for its other operator: the key is still taken
      const message = await keys.proofOfPossessionMessage(keyless.address, taken);
      await expect(keys.connect(keyless.account).registerKey(taken, proofOf(ops[0].bls, message)))
        .to.be.revertedWithCustomError(keys, "BlsKeyTaken")
        .withArgs(ops[0].address);
      // the owner registering its current key again
      const own = await keyRegistration(keys, ops[0].address, ops[0].bls);
      await expect(keys.connect(ops[0].account).registerKey(own.publicKey, own.proof))
        .to.be.revertedWithCustomError(keys, "BlsKeyTaken")
        .withArgs(ops[0].address);
      // the owner rotates away, then back to its first key: still its own, never reusable
      await (await register(f, ops[0], blsSecretFrom("bls-keys:op0:rotated"))).wait();
      await expect(keys.connect(ops[0].account).registerKey(own.publicKey, own.proof))
        .to.be.revertedWithCustomError(keys, "BlsKeyTaken")
        .withArgs(ops[0].address);
      expect(await keys.keyOf(ops[0].address)).to.equal(blsPublicKey(blsSecretFrom("bls-keys:op0:rotated")));
    });
  });

  describe("aggregate keys", function () {
    it("adds each joining member's key to its MACH set's aggregate from the next epoch, and keeps none for a VITAL set", async function () {
      const f = await loadFixture(keysFixture);
      const { keys, sets, ops, setA, vitalSet } = f;
      const epoch = await sets.currentEpoch();
      expect(await keys.aggregateKeyOf(setA)).to.equal(NO_KEY);
      expect(await keys.aggregateKeyHashAt(setA, epoch + 1n)).to.equal(0n);
      await expect(sets.connect(ops[0].account).join(setA, ALLOCATION))
        .to.emit(keys, "AggregateKeyUpdated")
        .withArgs(setA, sumOfKeys(ops[0].bls), epoch + 1n);
      await expect(sets.connect(ops[1].account).join(setA, ALLOCATION))
        .to.emit(keys, "AggregateKeyUpdated")
        .withArgs(setA, sumOfKeys(ops[0].bls, ops[1].bls), epoch + 1n);
      // VITAL's set has no listener: nothing to aggregate
      const vitalJoin = await sets.connect(ops[2].account).join(vitalSet, ALLOCATION);
      expect(await keyEvents(f, vitalJoin)).to.deep.equal([]);
      expect(await keys.aggregateKeyOf(vitalSet)).to.equal(NO_KEY);
      expect(await keys.aggregateKeyHashAt(vitalSet, epoch + 1n)).to.equal(0n);

      const two = sumOfKeys(ops[0].bls, ops[1].bls);
      expect(await keys.aggregateKeyOf(setA)).to.equal(two);
      expect(await keys.aggregateKeyHashAt(setA, epoch)).to.equal(0n);
      expect(await keys.aggregateKeyHashAt(setA, epoch + 1n)).to.equal(keyHash(two));

      // a third member in the next epoch: its key counts from the one after
      await nextEpoch(sets);
      await expect(sets.connect(ops[2].account).join(setA, ALLOCATION))
        .to.emit(keys, "AggregateKeyUpdated")
        .withArgs(setA, sumOfKeys(ops[0].bls, ops[1].bls, ops[2].bls), epoch + 2n);
      const three = sumOfKeys(ops[0].bls, ops[1].bls, ops[2].bls);
      expect(await keys.aggregateKeyHashAt(setA, epoch + 1n)).to.equal(keyHash(two));
      expect(await keys.aggregateKeyHashAt(setA, epoch + 2n)).to.equal(keyHash(three));
      // the client reads the same aggregates back from the events
      expect(await aggregateKeyAt(keys, setA, epoch + 1n)).to.equal(two);
      expect(await aggregateKeyAt(keys, setA, epoch + 2n)).to.equal(three);
    });

    it("leaves the aggregate alone when a member's allocation changes but it keeps counting", async function () {
      const f = await loadFixture(keysFixture);
      const { keys, sets, ops, setA } = f;
      await join(f, setA, ops.slice(0, 2));
      await nextEpoch(sets);
      const epoch = await sets.currentEpoch();
      const more = await sets.connect(ops[0].account).allocate(setA, ALLOCATION * 2n);
      await expect(more).to.emit(sets, "AllocationUpdated");
      expect(await keyEvents(f, more)).to.deep.equal([]);
      expect(await keys.aggregateKeyHashAt(setA, epoch + 1n)).to.equal(keyHash(sumOfKeys(ops[0].bls, ops[1].bls)));
    });

    it("subtracts a leaving member's key from the next epoch, the aggregate of the current epoch unchanged, down to the all-zero key", async function () {
      const f = await loadFixture(keysFixture);
      const { keys, sets, ops, setA } = f;
      await join(f, setA, ops);
      const epoch = await nextEpoch(sets);
      const all = sumOfKeys(ops[0].bls, ops[1].bls, ops[2].bls);
      expect(await keys.aggregateKeyHashAt(setA, epoch)).to.equal(keyHash(all));

      await expect(sets.connect(ops[1].account).requestLeave(setA))
        .to.emit(keys, "AggregateKeyUpdated")
        .withArgs(setA, sumOfKeys(ops[0].bls, ops[2].bls), epoch + 1n);
      // the member still counts in the current epoch, whose aggregate a certificate of it checks
      expect(await keys.aggregateKeyHashAt(setA, epoch)).to.equal(keyHash(all));
      expect(await keys.aggregateKeyHashAt(setA, epoch + 1n)).to.equal(keyHash(sumOfKeys(ops[0].bls, ops[2].bls)));

      // the other two leave: the aggregate is the point at infinity (its hash is not the zero of "never counted")
      await expect(sets.connect(ops[0].account).requestLeave(setA))
        .to.emit(keys, "AggregateKeyUpdated")
        .withArgs(setA, sumOfKeys(ops[2].bls), epoch + 1n);
      await expect(sets.connect(ops[2].account).requestLeave(setA))
        .to.emit(keys, "AggregateKeyUpdated")
        .withArgs(setA, NO_KEY, epoch + 1n);
      expect(await keys.aggregateKeyOf(setA)).to.equal(NO_KEY);
      expect(await keys.aggregateKeyHashAt(setA, epoch + 1n)).to.equal(keyHash(NO_KEY));
      expect(await keys.aggregateKeyHashAt(setA, epoch)).to.equal(keyHash(all));
      // from the point at infinity, a new member's key is the whole aggregate
      const secret = blsSecretFrom("bls-keys:keyless:after-empty");
      await (await register(f, f.keyless, secret)).wait();
      await expect(sets.connect(f.keyless.account).join(setA, ALLOCATION))
        .to.emit(keys, "AggregateKeyUpdated")
        .withArgs(setA, blsPublicKey(secret), epoch + 1n);
    });

    it("refuses a MACH set's join by an operator without a BLS key (BlsNoKey), which may still join a VITAL set and, once it has a key, the MACH set", async function () {
      const f = await loadFixture(keysFixture);
      const { keys, sets, keyless, setA, vitalSet } = f;
      await expect(sets.connect(keyless.account).join(setA, ALLOCATION))
        .to.be.revertedWithCustomError(keys, "BlsNoKey")
        .withArgs(keyless.address);
      expect((await sets.allocation(setA, keyless.address)).allocated).to.equal(0n);
      await expect(sets.connect(keyless.account).join(vitalSet, ALLOCATION))
        .to.emit(sets, "AllocationUpdated")
        .withArgs(vitalSet, keyless.address, ALLOCATION, 0n, 0n, (await sets.currentEpoch()) + 1n);
      const secret = blsSecretFrom("bls-keys:keyless:late");
      await (await register(f, keyless, secret)).wait();
      await expect(sets.connect(keyless.account).join(setA, ALLOCATION))
        .to.emit(keys, "AggregateKeyUpdated")
        .withArgs(setA, sumOfKeys(secret), (await sets.currentEpoch()) + 1n);
    });
  });

  describe("rotation", function () {
    /** Operators 0 and 1 in MACH set A, 0 and 2 in MACH set B, 0 in a VITAL set; all counted in the current epoch. */
    async function countedFixture() {
      const f = await loadFixture(keysFixture);
      const { sets, ops, setA, setB, vitalSet } = f;
      await join(f, setA, [ops[0], ops[1]]);
      await join(f, setB, [ops[0], ops[2]]);
      await join(f, vitalSet, [ops[0]]);
      const epoch = await nextEpoch(sets);
      return { ...f, epoch };
    }

    /** Expects operator 0's rotation to `secret`: sets A and B and its key move to the new key from the next epoch. */
    async function expectRotatedInBothSets(f: Awaited<ReturnType<typeof countedFixture>>, secret: bigint) {
      const { keys, ops, setA, setB, epoch } = f;
      const tx = await register(f, ops[0], secret);
      // one update per MACH set, in the order the operator joined them; none for the VITAL set
      expect(await keyEvents(f, tx)).to.deep.equal([
        ["AggregateKeyUpdated", setA, sumOfKeys(secret, ops[1].bls), epoch + 1n],
        ["AggregateKeyUpdated", setB, sumOfKeys(secret, ops[2].bls), epoch + 1n],
        ["KeyRegistered", ops[0].address, blsPublicKey(secret), epoch + 1n],
      ]);
      expect(await keys.keyOf(ops[0].address)).to.equal(blsPublicKey(secret));
      expect(await keys.keyHashAt(ops[0].address, epoch)).to.equal(keyHash(blsPublicKey(ops[0].bls)));
      expect(await keys.keyHashAt(ops[0].address, epoch + 1n)).to.equal(keyHash(blsPublicKey(secret)));
    }

    it("a rotated-away key counts only in the epochs before the rotation: every set where the operator counts moves to the new key from the next epoch", async function () {
      const f = await loadFixture(countedFixture);
      const { keys, ops, setA, setB, vitalSet, epoch } = f;
      const rotated = blsSecretFrom("bls-keys:op0:rotated");
      await expectRotatedInBothSets(f, rotated);
      for (const [setId, other] of [
        [setA, ops[1].bls],
        [setB, ops[2].bls],
      ]) {
        expect(await keys.aggregateKeyHashAt(setId, epoch)).to.equal(keyHash(sumOfKeys(ops[0].bls, other)));
        expect(await keys.aggregateKeyHashAt(setId, epoch + 1n)).to.equal(keyHash(sumOfKeys(rotated, other)));
        expect(await keys.aggregateKeyOf(setId)).to.equal(sumOfKeys(rotated, other));
      }
      expect(await keys.aggregateKeyOf(vitalSet)).to.equal(NO_KEY);
    });

    it("leaves alone a set the operator stops counting in, whose aggregate loses the old key", async function () {
      const f = await loadFixture(countedFixture);
      const { keys, sets, ops, setA, setB, epoch } = f;
      await (await sets.connect(ops[0].account).requestLeave(setB)).wait();
      const rotated = blsSecretFrom("bls-keys:op0:rotated");
      const tx = await register(f, ops[0], rotated);
      expect(await keyEvents(f, tx)).to.deep.equal([
        ["AggregateKeyUpdated", setA, sumOfKeys(rotated, ops[1].bls), epoch + 1n],
        ["KeyRegistered", ops[0].address, blsPublicKey(rotated), epoch + 1n],
      ]);
      // set B: the old key in the current epoch (the operator still counts there), then neither key
      expect(await keys.aggregateKeyHashAt(setB, epoch)).to.equal(keyHash(sumOfKeys(ops[0].bls, ops[2].bls)));
      expect(await keys.aggregateKeyHashAt(setB, epoch + 1n)).to.equal(keyHash(sumOfKeys(ops[2].bls)));
      expect(await keys.aggregateKeyOf(setB)).to.equal(sumOfKeys(ops[2].bls));
    });

    it("a rotation then a leave in one epoch take the new key out again: the set's next aggregate holds neither key", async function () {
      const f = await loadFixture(countedFixture);
      const { keys, sets, ops, setA, epoch } = f;
      const rotated = blsSecretFrom("bls-keys:op0:rotated");
      await (await register(f, ops[0], rotated)).wait();
      await expect(sets.connect(ops[0].account).requestLeave(setA))
        .to.emit(keys, "AggregateKeyUpdated")
        .withArgs(setA, sumOfKeys(ops[1].bls), epoch + 1n);
      expect(await keys.aggregateKeyHashAt(setA, epoch)).to.equal(keyHash(sumOfKeys(ops[0].bls, ops[1].bls)));
    });

    it("a rotation in the epoch of a join: the set counts the new key from the epoch the allocation does", async function () {
      const f = await loadFixture(keysFixture);
      const { keys, sets, ops, setA } = f;
      const epoch = await nextEpoch(sets);
      await join(f, setA, [ops[0], ops[1]]);
      const rotated = blsSecretFrom("bls-keys:op0:rotated");
      await expect(register(f, ops[0], rotated))
        .to.emit(keys, "AggregateKeyUpdated")
        .withArgs(setA, sumOfKeys(rotated, ops[1].bls), epoch + 1n);
      expect(await keys.aggregateKeyHashAt(setA, epoch)).to.equal(0n);
      expect(await keys.aggregateKeyHashAt(setA, epoch + 1n)).to.equal(keyHash(sumOfKeys(rotated, ops[1].bls)));
    });

    it("two rotations in one epoch: the last key counts from the next epoch, the one between never, and it stays taken", async function () {
      const f = await loadFixture(countedFixture);
      const { keys, ops, setA, setB, epoch } = f;
      const between = blsSecretFrom("bls-keys:op0:between");
      const last = blsSecretFrom("bls-keys:op0:last");
      await (await register(f, ops[0], between)).wait();
      await expectRotatedInBothSets(f, last);
      expect(await keys.aggregateKeyHashAt(setA, epoch + 1n)).to.equal(keyHash(sumOfKeys(last, ops[1].bls)));
      expect(await keys.aggregateKeyHashAt(setB, epoch + 1n)).to.equal(keyHash(sumOfKeys(last, ops[2].bls)));
      const again = await keyRegistration(keys, ops[0].address, between);
      await expect(keys.connect(ops[0].account).registerKey(again.publicKey, again.proof))
        .to.be.revertedWithCustomError(keys, "BlsKeyTaken")
        .withArgs(ops[0].address);
    });
  });

  describe("access and initialisation", function () {
    it("takes counting changes from OperatorSets alone: an outsider, MACH and the owner are refused (BlsNotOperatorSets)", async function () {
      const f = await loadFixture(keysFixture);
      const { d, keys, sets, ops, setA, outsider } = f;
      const epoch = (await sets.currentEpoch()) + 1n;
      const mach = await ethers.getImpersonatedSigner(await d.mach.getAddress());
      await hre.network.provider.send("hardhat_setBalance", [mach.address, "0xDE0B6B3A7640000"]);
      for (const caller of [outsider, d.deployer, mach]) {
        await expect(keys.connect(caller).onCountedChanged(setA, ops[0].address, true, epoch))
          .to.be.revertedWithCustomError(keys, "BlsNotOperatorSets")
          .withArgs(caller.address);
      }
      expect(await keys.aggregateKeyOf(setA)).to.equal(NO_KEY);
      expect(await keys.owner()).to.equal(d.deployer.address);
    });

    it("is wired to the deployment's operator sets and registry, and is the listener of MACH's sets only", async function () {
      const { d, keys, sets, setA, setB, vitalSet } = await loadFixture(keysFixture);
      expect(await keys.operatorSets()).to.equal(await sets.getAddress());
      expect(await keys.registry()).to.equal(await d.registry.getAddress());
      expect(await d.mach.blsKeys()).to.equal(await keys.getAddress());
      expect(await sets.listenerOf(setA)).to.equal(await keys.getAddress());
      expect(await sets.listenerOf(setB)).to.equal(await keys.getAddress());
      expect(await sets.listenerOf(vitalSet)).to.equal(ZeroAddress);
    });

    it("initialises a proxy once, refusing zero operator sets or registry (BlsInvalidParameter) and a zero owner", async function () {
      const { d, sets, keyless } = await loadFixture(keysFixture);
      const implementation = await ethers.deployContract("BlsKeyRegistry");
      const setsAddress = await sets.getAddress();
      const registryAddress = await d.registry.getAddress();
      const proxy = (owner: string, operatorSets: string, registry: string) =>
        ethers.deployContract("ERC1967Proxy", [
          implementation,
          implementation.interface.encodeFunctionData("initialize", [owner, operatorSets, registry]),
        ]);
      await expect(proxy(d.deployer.address, ZeroAddress, registryAddress)).to.be.revertedWithCustomError(
        implementation,
        "BlsInvalidParameter",
      );
      await expect(proxy(d.deployer.address, setsAddress, ZeroAddress)).to.be.revertedWithCustomError(
        implementation,
        "BlsInvalidParameter",
      );
      await expect(proxy(ZeroAddress, setsAddress, registryAddress))
        .to.be.revertedWithCustomError(implementation, "OwnableInvalidOwner")
        .withArgs(ZeroAddress);
      // a good one: wired as given, owned by its owner, never initialised again; the implementation is locked
      const deployed = await proxy(d.treasury.address, setsAddress, registryAddress);
      const fresh = await ethers.getContractAt("BlsKeyRegistry", await deployed.getAddress());
      expect(await fresh.operatorSets()).to.equal(setsAddress);
      expect(await fresh.registry()).to.equal(registryAddress);
      expect(await fresh.owner()).to.equal(d.treasury.address);
      await expect(fresh.initialize(d.deployer.address, setsAddress, registryAddress)).to.be.revertedWithCustomError(
        fresh,
        "InvalidInitialization",
      );
      await expect(
        implementation.initialize(d.deployer.address, setsAddress, registryAddress),
      ).to.be.revertedWithCustomError(implementation, "InvalidInitialization");
      // its proofs of possession bind its own address: a proof made for the deployed registry is not one for it
      const secret = blsSecretFrom("bls-keys:keyless:fresh");
      const forDeployed = await keyRegistration(d.blsKeys, keyless.address, secret);
      await expect(
        fresh.connect(keyless.account).registerKey(forDeployed.publicKey, forDeployed.proof),
      ).to.be.revertedWithCustomError(fresh, "BlsInvalidProof");
      const forFresh = await keyRegistration(fresh, keyless.address, secret);
      await expect(fresh.connect(keyless.account).registerKey(forFresh.publicKey, forFresh.proof))
        .to.emit(fresh, "KeyRegistered")
        .withArgs(keyless.address, forFresh.publicKey, (await sets.currentEpoch()) + 1n);
    });
  });
});
