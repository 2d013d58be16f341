import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { SimpleMerkleTree, StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { AbiCoder, getAddress, id, dataSlice, keccak256, Signature, ZeroAddress, ZeroHash } from "ethers";
import type { AltToken, MerkleAirdrop } from "../../typechain-types";
import { AIRDROP_LEAF_ENCODING, airdropTree } from "../helpers/airdrop";
import { expectReentryRefused } from "../helpers/reentrancy";
import { ALT } from "../helpers/constants";
import { deployGenesis, hardhatGenesisInput } from "../helpers/genesis";
import { days } from "../helpers/time";
import { signDelegation } from "../../tasks/lib/signatures";

const CLAIM_PERIOD = days(90);

/** `relayer` submits `account`'s claim together with its delegation signature `sig` (claimAndDelegate). */
function relayClaimAndDelegate(
  airdrop: MerkleAirdrop,
  relayer: HardhatEthersSigner,
  claim: {
    index: number;
    account: string;
    amount: bigint;
    proof: string[];
    delegatee: string;
    expiry: bigint;
    sig: Signature;
  },
) {
  const { index, account, amount, proof, delegatee, expiry, sig } = claim;
  return airdrop
    .connect(relayer)
    .claimAndDelegate(index, account, amount, proof, delegatee, expiry, sig.v, sig.r, sig.s);
}

/** Deploys the token (whole supply to `funder`) and an airdrop over `entries`, funded with exactly their sum. */
async function deployFundedAirdrop(
  funder: HardhatEthersSigner,
  treasury: HardhatEthersSigner,
  entries: { account: string; amount: bigint }[],
) {
  const token = await (await ethers.getContractFactory("AltToken")).deploy(funder.address);
  const tree = airdropTree(entries);
  const factory = await ethers.getContractFactory("MerkleAirdrop");
  const airdrop = await factory.deploy(await token.getAddress(), tree.root, CLAIM_PERIOD, treasury.address);
  const receipt = await airdrop.deploymentTransaction()!.wait();
  const deployedAt = BigInt((await ethers.provider.getBlock(receipt!.blockNumber))!.timestamp);
  const total = entries.reduce((sum, e) => sum + e.amount, 0n);
  await token.connect(funder).transfer(await airdrop.getAddress(), total);
  return { token, tree, factory, airdrop, deployedAt, deadline: deployedAt + BigInt(CLAIM_PERIOD), total };
}

describe("MerkleAirdrop", function () {
  async function airdropFixture() {
    const [deployer, treasury, alice, bob, carol, relayer, delegatee, stranger] = await ethers.getSigners();
    const entries = [
      { account: alice.address, amount: 100n * ALT },
      { account: bob.address, amount: 250n * ALT },
      { account: carol.address, amount: 1_234n * ALT + ALT / 2n },
      // alice holds a second, different leaf: the index is part of what the proof commits to
      { account: alice.address, amount: 7n * ALT },
    ];
    const deployment = await deployFundedAirdrop(deployer, treasury, entries);
    return { ...deployment, entries, deployer, treasury, alice, bob, carol, relayer, delegatee, stranger };
  }

  describe("construction", function () {
    it("exposes the token, root, treasury and a deadline of deployment time plus the claim period", async function () {
      const { airdrop, token, tree, treasury, deployedAt } = await loadFixture(airdropFixture);
      expect(await airdrop.token()).to.equal(await token.getAddress());
      expect(await airdrop.merkleRoot()).to.equal(tree.root);
      expect(await airdrop.treasury()).to.equal(treasury.address);
      expect(await airdrop.deadline()).to.equal(deployedAt + BigInt(days(90)));
    });

    it("holds exactly the sum of the leaves once funded and has nothing claimed", async function () {
      const { airdrop, token, entries } = await loadFixture(airdropFixture);
      expect(await token.balanceOf(await airdrop.getAddress())).to.equal(1_591n * ALT + ALT / 2n);
      for (let i = 0; i < entries.length; i++) expect(await airdrop.isClaimed(i)).to.equal(false);
    });

    it("refuses a zero token address with AirdropInvalidConfig", async function () {
      const { factory, tree, treasury } = await loadFixture(airdropFixture);
      await expect(factory.deploy(ZeroAddress, tree.root, CLAIM_PERIOD, treasury.address))
        .to.be.revertedWithCustomError(factory, "AirdropInvalidConfig")
        .withArgs();
    });

    it("refuses a zero treasury address with AirdropInvalidConfig", async function () {
      const { factory, token, tree } = await loadFixture(airdropFixture);
      await expect(factory.deploy(await token.getAddress(), tree.root, CLAIM_PERIOD, ZeroAddress))
        .to.be.revertedWithCustomError(factory, "AirdropInvalidConfig")
        .withArgs();
    });

    it("refuses a zero claim period with AirdropInvalidConfig", async function () {
      const { factory, token, tree, treasury } = await loadFixture(airdropFixture);
      await expect(factory.deploy(await token.getAddress(), tree.root, 0, treasury.address))
        .to.be.revertedWithCustomError(factory, "AirdropInvalidConfig")
        .withArgs();
    });

    it("refuses a zero Merkle root with AirdropInvalidConfig", async function () {
      const { factory, token, treasury } = await loadFixture(airdropFixture);
      await expect(factory.deploy(await token.getAddress(), ZeroHash, CLAIM_PERIOD, treasury.address))
        .to.be.revertedWithCustomError(factory, "AirdropInvalidConfig")
        .withArgs();
    });

    it("accepts a one-second claim period", async function () {
      const { factory, token, tree, treasury } = await loadFixture(airdropFixture);
      const airdrop = await factory.deploy(await token.getAddress(), tree.root, 1, treasury.address);
      const receipt = await airdrop.deploymentTransaction()!.wait();
      const deployedAt = (await ethers.provider.getBlock(receipt!.blockNumber))!.timestamp;
      expect(await airdrop.deadline()).to.equal(BigInt(deployedAt) + 1n);
    });
  });

  describe("claim", function () {
    describe("given a valid leaf and proof", function () {
      it("pays exactly the leaf amount to the account even when someone else submits it", async function () {
        const { airdrop, token, tree, bob, relayer } = await loadFixture(airdropFixture);
        const airdropAddress = await airdrop.getAddress();
        const before = await token.balanceOf(airdropAddress);
        expect(await token.balanceOf(bob.address)).to.equal(0n);

        await expect(airdrop.connect(relayer).claim(1, bob.address, 250n * ALT, tree.getProof(1)))
          .to.emit(airdrop, "Claimed")
          .withArgs(1n, bob.address, 250n * ALT)
          .and.to.emit(token, "Transfer")
          .withArgs(airdropAddress, bob.address, 250n * ALT);

        expect(await token.balanceOf(bob.address)).to.equal(250n * ALT);
        expect(await token.balanceOf(airdropAddress)).to.equal(before - 250n * ALT);
        expect(await token.balanceOf(relayer.address)).to.equal(0n);
      });

      it("marks that leaf claimed and only that leaf", async function () {
        const { airdrop, tree, bob } = await loadFixture(airdropFixture);
        await airdrop.claim(1, bob.address, 250n * ALT, tree.getProof(1));
        expect(await airdrop.isClaimed(1)).to.equal(true);
        expect(await airdrop.isClaimed(0)).to.equal(false);
        expect(await airdrop.isClaimed(2)).to.equal(false);
        expect(await airdrop.isClaimed(3)).to.equal(false);
      });

      it("lets an account claim each of its own leaves separately", async function () {
        const { airdrop, token, tree, alice } = await loadFixture(airdropFixture);
        await airdrop.connect(alice).claim(0, alice.address, 100n * ALT, tree.getProof(0));
        await airdrop.connect(alice).claim(3, alice.address, 7n * ALT, tree.getProof(3));
        expect(await token.balanceOf(alice.address)).to.equal(107n * ALT);
        expect(await airdrop.isClaimed(0)).to.equal(true);
        expect(await airdrop.isClaimed(3)).to.equal(true);
      });

      it("pays out the whole funding when every leaf is claimed", async function () {
        const { airdrop, token, tree, entries, alice, bob, carol } = await loadFixture(airdropFixture);
        expect(entries.length).to.equal(4);
        for (const [i, [index, account, amount]] of tree.entries()) {
          expect(index).to.equal(i);
          await airdrop.claim(index as number, account as string, amount as bigint, tree.getProof(i));
        }
        expect(await token.balanceOf(await airdrop.getAddress())).to.equal(0n);
        expect(await token.balanceOf(alice.address)).to.equal(107n * ALT);
        expect(await token.balanceOf(bob.address)).to.equal(250n * ALT);
        expect(await token.balanceOf(carol.address)).to.equal(1_234n * ALT + ALT / 2n);
      });
    });

    describe("compatibility with @openzeppelin/merkle-tree", function () {
      it("accepts proofs from tree.getProof(i) for every leaf, by index and by value", async function () {
        const { airdrop, tree, entries } = await loadFixture(airdropFixture);
        expect(await airdrop.merkleRoot()).to.equal(tree.root);
        for (let i = 0; i < entries.length; i++) {
          const proof = i % 2 === 0 ? tree.getProof(i) : tree.getProof([i, entries[i].account, entries[i].amount]);
          expect(tree.verify(i, proof)).to.equal(true);
          await expect(airdrop.claim(i, entries[i].account, entries[i].amount, proof))
            .to.emit(airdrop, "Claimed")
            .withArgs(BigInt(i), entries[i].account, entries[i].amount);
        }
      });

      it("accepts proofs from a tree reloaded from its JSON dump", async function () {
        const { airdrop, token, tree, carol } = await loadFixture(airdropFixture);
        const reloaded = StandardMerkleTree.load(
          JSON.parse(JSON.stringify(tree.dump(), (_, v) => (typeof v === "bigint" ? v.toString() : v))),
        );
        expect(reloaded.root).to.equal(tree.root);
        await airdrop.claim(2, carol.address, 1_234n * ALT + ALT / 2n, reloaded.getProof(2));
        expect(await token.balanceOf(carol.address)).to.equal(1_234n * ALT + ALT / 2n);
      });
    });

    describe("when the leaf was claimed already", function () {
      it("refuses a second claim of the same leaf with AirdropAlreadyClaimed(index)", async function () {
        const { airdrop, token, tree, bob, stranger } = await loadFixture(airdropFixture);
        await airdrop.claim(1, bob.address, 250n * ALT, tree.getProof(1));
        const airdropBalance = await token.balanceOf(await airdrop.getAddress());
        await expect(airdrop.connect(stranger).claim(1, bob.address, 250n * ALT, tree.getProof(1)))
          .to.be.revertedWithCustomError(airdrop, "AirdropAlreadyClaimed")
          .withArgs(1n);
        expect(await token.balanceOf(bob.address)).to.equal(250n * ALT);
        expect(await token.balanceOf(await airdrop.getAddress())).to.equal(airdropBalance);
      });
      it("marks a leaf claimed before its transfer: a token re-entering claim from that transfer is refused (AirdropAlreadyClaimed)", async function () {
        const { factory, tree, entries, treasury, alice } = await loadFixture(airdropFixture);
        const reentrant = await ethers.deployContract("ReentrantToken");
        const airdrop = await factory.deploy(await reentrant.getAddress(), tree.root, CLAIM_PERIOD, treasury.address);
        const airdropAddress = await airdrop.getAddress();
        const amount = entries[0].amount;
        // enough to pay the leaf twice
        await reentrant.mint(airdropAddress, 2n * amount);
        const leaf = [0, alice.address, amount, tree.getProof(0)] as const;
        await reentrant.arm(airdropAddress, airdrop.interface.encodeFunctionData("claim", [...leaf]));
        await expect(airdrop.claim(...leaf))
          .to.emit(airdrop, "Claimed")
          .withArgs(0n, alice.address, amount);
        await expectReentryRefused(reentrant, airdrop, "AirdropAlreadyClaimed", [0n]);
        expect(await reentrant.balanceOf(alice.address)).to.equal(amount);
        expect(await reentrant.balanceOf(airdropAddress)).to.equal(amount);
      });
    });

    describe("when the leaf or proof is wrong", function () {
      it("refuses a wrong amount with AirdropInvalidProof", async function () {
        const { airdrop, tree, bob } = await loadFixture(airdropFixture);
        await expect(airdrop.claim(1, bob.address, 250n * ALT + 1n, tree.getProof(1)))
          .to.be.revertedWithCustomError(airdrop, "AirdropInvalidProof")
          .withArgs();
        expect(await airdrop.isClaimed(1)).to.equal(false);
      });

      it("refuses a wrong account with AirdropInvalidProof", async function () {
        const { airdrop, token, tree, stranger } = await loadFixture(airdropFixture);
        await expect(airdrop.connect(stranger).claim(1, stranger.address, 250n * ALT, tree.getProof(1)))
          .to.be.revertedWithCustomError(airdrop, "AirdropInvalidProof")
          .withArgs();
        expect(await token.balanceOf(stranger.address)).to.equal(0n);
        expect(await airdrop.isClaimed(1)).to.equal(false);
      });

      it("refuses a wrong index with AirdropInvalidProof", async function () {
        const { airdrop, tree, alice } = await loadFixture(airdropFixture);
        // leaf 0 is (0, alice, 100 ALT); the same account and amount under index 3 is not a leaf
        await expect(airdrop.claim(3, alice.address, 100n * ALT, tree.getProof(0)))
          .to.be.revertedWithCustomError(airdrop, "AirdropInvalidProof")
          .withArgs();
        expect(await airdrop.isClaimed(3)).to.equal(false);
        expect(await airdrop.isClaimed(0)).to.equal(false);
      });

      it("refuses another leaf's proof with AirdropInvalidProof", async function () {
        const { airdrop, tree, bob } = await loadFixture(airdropFixture);
        await expect(airdrop.claim(1, bob.address, 250n * ALT, tree.getProof(2)))
          .to.be.revertedWithCustomError(airdrop, "AirdropInvalidProof")
          .withArgs();
      });

      it("refuses an empty proof with AirdropInvalidProof", async function () {
        const { airdrop, bob } = await loadFixture(airdropFixture);
        await expect(airdrop.claim(1, bob.address, 250n * ALT, []))
          .to.be.revertedWithCustomError(airdrop, "AirdropInvalidProof")
          .withArgs();
      });

      it("refuses a forged leaf: leaves are double-hashed, so a tree of single-hashed leaves proves nothing (AirdropInvalidProof)", async function () {
        const { factory, token, entries, treasury } = await loadFixture(airdropFixture);
        const coder = AbiCoder.defaultAbiCoder();
        // the leaves hashed once: in such a tree an internal node (a hash of 64 bytes) could pass for a leaf
        const single = SimpleMerkleTree.of(
          entries.map((e, i) => keccak256(coder.encode(AIRDROP_LEAF_ENCODING, [i, e.account, e.amount]))),
        );
        const airdrop = await factory.deploy(await token.getAddress(), single.root, CLAIM_PERIOD, treasury.address);
        const airdropAddress = await airdrop.getAddress();
        await token.transfer(airdropAddress, 10_000n * ALT);
        for (const [i, e] of entries.entries()) {
          await expect(airdrop.claim(i, e.account, e.amount, single.getProof(i)))
            .to.be.revertedWithCustomError(airdrop, "AirdropInvalidProof")
            .withArgs();
          expect(await airdrop.isClaimed(i)).to.equal(false);
        }
        expect(await token.balanceOf(airdropAddress)).to.equal(10_000n * ALT);
      });

      it("refuses a tampered proof with AirdropInvalidProof", async function () {
        const { airdrop, tree, bob } = await loadFixture(airdropFixture);
        const proof = tree.getProof(1);
        proof[0] = ZeroHash;
        await expect(airdrop.claim(1, bob.address, 250n * ALT, proof))
          .to.be.revertedWithCustomError(airdrop, "AirdropInvalidProof")
          .withArgs();
      });
    });

    describe("around the deadline", function () {
      it("accepts a claim in the block exactly at the deadline", async function () {
        const { airdrop, token, tree, bob, deadline } = await loadFixture(airdropFixture);
        await time.setNextBlockTimestamp(deadline);
        await expect(airdrop.claim(1, bob.address, 250n * ALT, tree.getProof(1)))
          .to.emit(airdrop, "Claimed")
          .withArgs(1n, bob.address, 250n * ALT);
        expect(await time.latest()).to.equal(Number(deadline));
        expect(await token.balanceOf(bob.address)).to.equal(250n * ALT);
      });

      it("refuses a claim one second after the deadline with AirdropClaimWindowClosed(deadline)", async function () {
        const { airdrop, token, tree, bob, deadline } = await loadFixture(airdropFixture);
        await time.setNextBlockTimestamp(deadline + 1n);
        await expect(airdrop.claim(1, bob.address, 250n * ALT, tree.getProof(1)))
          .to.be.revertedWithCustomError(airdrop, "AirdropClaimWindowClosed")
          .withArgs(deadline);
        expect(await token.balanceOf(bob.address)).to.equal(0n);
        expect(await airdrop.isClaimed(1)).to.equal(false);
      });

      it("checks the window before the claimed bit: a claimed leaf after the deadline reports the window", async function () {
        const { airdrop, tree, bob, deadline } = await loadFixture(airdropFixture);
        await airdrop.claim(1, bob.address, 250n * ALT, tree.getProof(1));
        await time.increaseTo(deadline + 1n);
        await expect(airdrop.claim(1, bob.address, 250n * ALT, tree.getProof(1)))
          .to.be.revertedWithCustomError(airdrop, "AirdropClaimWindowClosed")
          .withArgs(deadline);
      });
    });
  });

  describe("sweep", function () {
    describe("while the claim window is open", function () {
      it("refuses a sweep right after deployment with AirdropClaimWindowOpen(deadline)", async function () {
        const { airdrop, stranger, deadline } = await loadFixture(airdropFixture);
        await expect(airdrop.connect(stranger).sweep())
          .to.be.revertedWithCustomError(airdrop, "AirdropClaimWindowOpen")
          .withArgs(deadline);
      });

      it("refuses a sweep exactly at the deadline with AirdropClaimWindowOpen(deadline)", async function () {
        const { airdrop, token, treasury, stranger, deadline, total } = await loadFixture(airdropFixture);
        await time.setNextBlockTimestamp(deadline);
        await expect(airdrop.connect(stranger).sweep())
          .to.be.revertedWithCustomError(airdrop, "AirdropClaimWindowOpen")
          .withArgs(deadline);
        expect(await token.balanceOf(await airdrop.getAddress())).to.equal(total);
        expect(await token.balanceOf(treasury.address)).to.equal(0n);
      });
    });

    describe("after the deadline", function () {
      it("lets anyone sweep exactly the unclaimed rest to the treasury", async function () {
        const { airdrop, token, tree, alice, bob, treasury, stranger, deadline, total } =
          await loadFixture(airdropFixture);
        await airdrop.claim(0, alice.address, 100n * ALT, tree.getProof(0));
        await airdrop.claim(1, bob.address, 250n * ALT, tree.getProof(1));
        const rest = total - 350n * ALT;
        expect(rest).to.equal(1_241n * ALT + ALT / 2n);
        const airdropAddress = await airdrop.getAddress();
        expect(await token.balanceOf(airdropAddress)).to.equal(rest);
        expect(await token.balanceOf(treasury.address)).to.equal(0n);

        await time.increaseTo(deadline + 1n);
        expect(await airdrop.connect(stranger).sweep.staticCall()).to.equal(rest);
        await expect(airdrop.connect(stranger).sweep())
          .to.emit(airdrop, "Swept")
          .withArgs(treasury.address, rest)
          .and.to.emit(token, "Transfer")
          .withArgs(airdropAddress, treasury.address, rest);

        expect(await token.balanceOf(treasury.address)).to.equal(rest);
        expect(await token.balanceOf(airdropAddress)).to.equal(0n);
        expect(await token.balanceOf(stranger.address)).to.equal(0n);
      });

      it("sweeps in the first block after the deadline", async function () {
        const { airdrop, token, treasury, deadline, total } = await loadFixture(airdropFixture);
        await time.setNextBlockTimestamp(deadline + 1n);
        await expect(airdrop.sweep()).to.emit(airdrop, "Swept").withArgs(treasury.address, total);
        expect(await token.balanceOf(treasury.address)).to.equal(total);
      });

      it("moves 0 on a second sweep", async function () {
        const { airdrop, token, treasury, stranger, deadline, total } = await loadFixture(airdropFixture);
        await time.increaseTo(deadline + 1n);
        await airdrop.sweep();
        expect(await airdrop.connect(stranger).sweep.staticCall()).to.equal(0n);
        await expect(airdrop.connect(stranger).sweep()).to.emit(airdrop, "Swept").withArgs(treasury.address, 0n);
        expect(await token.balanceOf(treasury.address)).to.equal(total);
        expect(await token.balanceOf(await airdrop.getAddress())).to.equal(0n);
      });

      it("sweeps tokens sent to the airdrop by mistake together with the unclaimed rest", async function () {
        const { airdrop, token, deployer, treasury, deadline, total } = await loadFixture(airdropFixture);
        await token.connect(deployer).transfer(await airdrop.getAddress(), 5n * ALT);
        await time.increaseTo(deadline + 1n);
        await expect(airdrop.sweep())
          .to.emit(airdrop, "Swept")
          .withArgs(treasury.address, total + 5n * ALT);
        expect(await token.balanceOf(treasury.address)).to.equal(total + 5n * ALT);
      });
    });
  });

  describe("claimAndDelegate", function () {
    /** `account`'s own delegation to `delegatee` at its current token nonce, valid for a day. */
    async function signOwnDelegation(token: AltToken, account: HardhatEthersSigner, delegatee: string) {
      const nonce = await token.nonces(account.address);
      const expiry = BigInt(await time.latest()) + BigInt(days(1));
      const sig = await signDelegation(account, token, { delegatee, nonce, expiry });
      return { nonce, expiry, sig };
    }

    describe("given the account's own delegation signature", function () {
      it("claims and delegates in one transaction submitted by a relayer", async function () {
        const { airdrop, token, tree, alice, relayer, delegatee } = await loadFixture(airdropFixture);
        const airdropAddress = await airdrop.getAddress();
        const before = await token.balanceOf(airdropAddress);
        const { expiry, sig } = await signOwnDelegation(token, alice, delegatee.address);

        await expect(
          relayClaimAndDelegate(airdrop, relayer, {
            index: 0,
            account: alice.address,
            amount: 100n * ALT,
            proof: tree.getProof(0),
            delegatee: delegatee.address,
            expiry,
            sig,
          }),
        )
          .to.emit(airdrop, "Claimed")
          .withArgs(0n, alice.address, 100n * ALT)
          .and.to.emit(token, "DelegateChanged")
          .withArgs(alice.address, ZeroAddress, delegatee.address)
          .and.to.emit(token, "DelegateVotesChanged")
          .withArgs(delegatee.address, 0n, 100n * ALT);

        expect(await token.balanceOf(alice.address)).to.equal(100n * ALT);
        expect(await token.balanceOf(airdropAddress)).to.equal(before - 100n * ALT);
        expect(await token.delegates(alice.address)).to.equal(delegatee.address);
        expect(await token.getVotes(delegatee.address)).to.equal(100n * ALT);
        expect(await token.nonces(alice.address)).to.equal(1n);
        expect(await airdrop.isClaimed(0)).to.equal(true);
        expect(await token.delegates(relayer.address)).to.equal(ZeroAddress);
      });

      it("uses the account's current nonce, not zero", async function () {
        const { airdrop, token, tree, bob, relayer, delegatee, stranger } = await loadFixture(airdropFixture);
        // bob spends nonce 0 on a direct delegation to someone else first
        const first = await signOwnDelegation(token, bob, stranger.address);
        await token.delegateBySig(stranger.address, first.nonce, first.expiry, first.sig.v, first.sig.r, first.sig.s);
        expect(await token.delegates(bob.address)).to.equal(stranger.address);
        expect(await token.nonces(bob.address)).to.equal(1n);

        const { nonce, expiry, sig } = await signOwnDelegation(token, bob, delegatee.address);
        expect(nonce).to.equal(1n);
        await relayClaimAndDelegate(airdrop, relayer, {
          index: 1,
          account: bob.address,
          amount: 250n * ALT,
          proof: tree.getProof(1),
          delegatee: delegatee.address,
          expiry,
          sig,
        });
        expect(await token.delegates(bob.address)).to.equal(delegatee.address);
        expect(await token.getVotes(delegatee.address)).to.equal(250n * ALT);
        expect(await token.getVotes(stranger.address)).to.equal(0n);
        expect(await token.nonces(bob.address)).to.equal(2n);
      });
    });

    describe("when the signature is not the account's", function () {
      it("refuses a signature by another signer with AirdropDelegationFailed and claims nothing", async function () {
        const { airdrop, token, tree, alice, bob, relayer, delegatee, total } = await loadFixture(airdropFixture);
        // bob's nonce is 0 like alice's, so the token would accept bob's signature for bob himself
        const expiry = BigInt(await time.latest()) + BigInt(days(1));
        const sig = await signDelegation(bob, token, { delegatee: delegatee.address, nonce: 0n, expiry });

        await expect(
          relayClaimAndDelegate(airdrop, relayer, {
            index: 0,
            account: alice.address,
            amount: 100n * ALT,
            proof: tree.getProof(0),
            delegatee: delegatee.address,
            expiry,
            sig,
          }),
        )
          .to.be.revertedWithCustomError(airdrop, "AirdropDelegationFailed")
          .withArgs(alice.address, delegatee.address);

        expect(await airdrop.isClaimed(0)).to.equal(false);
        expect(await token.balanceOf(alice.address)).to.equal(0n);
        expect(await token.balanceOf(await airdrop.getAddress())).to.equal(total);
        expect(await token.delegates(alice.address)).to.equal(ZeroAddress);
        expect(await token.delegates(bob.address)).to.equal(ZeroAddress);
        expect(await token.nonces(bob.address)).to.equal(0n);
        expect(await token.getVotes(delegatee.address)).to.equal(0n);
      });

      it("refuses the account's signature for a different delegatee with AirdropDelegationFailed", async function () {
        const { airdrop, token, tree, alice, relayer, delegatee, stranger } = await loadFixture(airdropFixture);
        const { expiry, sig } = await signOwnDelegation(token, alice, stranger.address);
        await expect(
          relayClaimAndDelegate(airdrop, relayer, {
            index: 0,
            account: alice.address,
            amount: 100n * ALT,
            proof: tree.getProof(0),
            delegatee: delegatee.address,
            expiry,
            sig,
          }),
        )
          .to.be.revertedWithCustomError(airdrop, "AirdropDelegationFailed")
          .withArgs(alice.address, delegatee.address);
        expect(await airdrop.isClaimed(0)).to.equal(false);
        expect(await token.nonces(alice.address)).to.equal(0n);
      });

      it("refuses an expired signature with AirdropDelegationFailed", async function () {
        const { airdrop, token, tree, alice, relayer, delegatee } = await loadFixture(airdropFixture);
        const expiry = BigInt(await time.latest()) + 10n;
        const sig = await signDelegation(alice, token, { delegatee: delegatee.address, nonce: 0n, expiry });
        await time.setNextBlockTimestamp(expiry + 1n);
        await expect(
          relayClaimAndDelegate(airdrop, relayer, {
            index: 0,
            account: alice.address,
            amount: 100n * ALT,
            proof: tree.getProof(0),
            delegatee: delegatee.address,
            expiry,
            sig,
          }),
        )
          .to.be.revertedWithCustomError(airdrop, "AirdropDelegationFailed")
          .withArgs(alice.address, delegatee.address);
        expect(await airdrop.isClaimed(0)).to.equal(false);
        expect(await token.balanceOf(alice.address)).to.equal(0n);
      });
    });

    describe("when the signature was front-run into token.delegateBySig", function () {
      it("still claims, since the delegation already holds, and the votes follow the claimed amount", async function () {
        const { airdrop, token, tree, alice, relayer, delegatee, stranger } = await loadFixture(airdropFixture);
        const { nonce, expiry, sig } = await signOwnDelegation(token, alice, delegatee.address);
        await token.connect(stranger).delegateBySig(delegatee.address, nonce, expiry, sig.v, sig.r, sig.s);
        expect(await token.delegates(alice.address)).to.equal(delegatee.address);
        expect(await token.getVotes(delegatee.address)).to.equal(0n);

        await expect(
          relayClaimAndDelegate(airdrop, relayer, {
            index: 0,
            account: alice.address,
            amount: 100n * ALT,
            proof: tree.getProof(0),
            delegatee: delegatee.address,
            expiry,
            sig,
          }),
        )
          .to.emit(airdrop, "Claimed")
          .withArgs(0n, alice.address, 100n * ALT)
          .and.to.emit(token, "DelegateVotesChanged")
          .withArgs(delegatee.address, 0n, 100n * ALT)
          .and.not.to.emit(token, "DelegateChanged");

        expect(await token.balanceOf(alice.address)).to.equal(100n * ALT);
        expect(await token.getVotes(delegatee.address)).to.equal(100n * ALT);
        expect(await token.nonces(alice.address)).to.equal(1n);
        expect(await airdrop.isClaimed(0)).to.equal(true);
      });
    });

    describe("when the claim itself is invalid", function () {
      it("refuses a wrong proof with AirdropInvalidProof and delegates nothing", async function () {
        const { airdrop, token, tree, alice, relayer, delegatee } = await loadFixture(airdropFixture);
        const { expiry, sig } = await signOwnDelegation(token, alice, delegatee.address);
        await expect(
          relayClaimAndDelegate(airdrop, relayer, {
            index: 0,
            account: alice.address,
            amount: 100n * ALT,
            proof: tree.getProof(1),
            delegatee: delegatee.address,
            expiry,
            sig,
          }),
        )
          .to.be.revertedWithCustomError(airdrop, "AirdropInvalidProof")
          .withArgs();
        expect(await token.delegates(alice.address)).to.equal(ZeroAddress);
        expect(await token.nonces(alice.address)).to.equal(0n);
      });

      it("refuses a leaf already claimed with AirdropAlreadyClaimed(index)", async function () {
        const { airdrop, token, tree, alice, relayer, delegatee } = await loadFixture(airdropFixture);
        await airdrop.claim(0, alice.address, 100n * ALT, tree.getProof(0));
        const { expiry, sig } = await signOwnDelegation(token, alice, delegatee.address);
        await expect(
          relayClaimAndDelegate(airdrop, relayer, {
            index: 0,
            account: alice.address,
            amount: 100n * ALT,
            proof: tree.getProof(0),
            delegatee: delegatee.address,
            expiry,
            sig,
          }),
        )
          .to.be.revertedWithCustomError(airdrop, "AirdropAlreadyClaimed")
          .withArgs(0n);
        expect(await token.delegates(alice.address)).to.equal(ZeroAddress);
      });

      it("refuses a claim after the deadline with AirdropClaimWindowClosed(deadline)", async function () {
        const { airdrop, token, tree, alice, relayer, delegatee, deadline } = await loadFixture(airdropFixture);
        const expiry = deadline + BigInt(days(1));
        const sig = await signDelegation(alice, token, { delegatee: delegatee.address, nonce: 0n, expiry });
        await time.setNextBlockTimestamp(deadline + 1n);
        await expect(
          relayClaimAndDelegate(airdrop, relayer, {
            index: 0,
            account: alice.address,
            amount: 100n * ALT,
            proof: tree.getProof(0),
            delegatee: delegatee.address,
            expiry,
            sig,
          }),
        )
          .to.be.revertedWithCustomError(airdrop, "AirdropClaimWindowClosed")
          .withArgs(deadline);
      });
    });
  });

  describe("claim bitmap across word boundaries", function () {
    async function largeTreeFixture() {
      const [deployer, treasury] = await ethers.getSigners();
      const entries = Array.from({ length: 300 }, (_, i) => ({
        account: getAddress(dataSlice(id(`airdrop-account-${i}`), 12)),
        amount: BigInt(i + 1) * ALT,
      }));
      const deployment = await deployFundedAirdrop(deployer, treasury, entries);
      const claimLeaf = (i: number) =>
        deployment.airdrop.claim(i, entries[i].account, entries[i].amount, deployment.tree.getProof(i));
      return { ...deployment, entries, claimLeaf };
    }

    it("claims index 0 without marking index 256, the same bit of the next word", async function () {
      const { airdrop, entries, claimLeaf } = await loadFixture(largeTreeFixture);
      await claimLeaf(0);
      expect(await airdrop.isClaimed(0)).to.equal(true);
      expect(await airdrop.isClaimed(1)).to.equal(false);
      expect(await airdrop.isClaimed(256)).to.equal(false);
      await expect(claimLeaf(256))
        .to.emit(airdrop, "Claimed")
        .withArgs(256n, entries[256].account, 257n * ALT);
      expect(await airdrop.isClaimed(256)).to.equal(true);
      expect(await airdrop.isClaimed(257)).to.equal(false);
    });

    it("keeps 255, the last bit of word 0, apart from 256, the first bit of word 1", async function () {
      const { airdrop, claimLeaf } = await loadFixture(largeTreeFixture);
      await claimLeaf(255);
      expect(await airdrop.isClaimed(254)).to.equal(false);
      expect(await airdrop.isClaimed(255)).to.equal(true);
      expect(await airdrop.isClaimed(256)).to.equal(false);
      await claimLeaf(256);
      expect(await airdrop.isClaimed(255)).to.equal(true);
      expect(await airdrop.isClaimed(256)).to.equal(true);
      expect(await airdrop.isClaimed(257)).to.equal(false);
    });

    it("pays 0, 255, 256 and 299 their own amounts and marks exactly those four leaves", async function () {
      const { airdrop, token, entries, claimLeaf, total } = await loadFixture(largeTreeFixture);
      const claimed = [0, 255, 256, 299];
      for (const i of claimed) {
        await expect(claimLeaf(i))
          .to.emit(airdrop, "Claimed")
          .withArgs(BigInt(i), entries[i].account, BigInt(i + 1) * ALT);
      }
      for (const i of claimed) expect(await token.balanceOf(entries[i].account)).to.equal(BigInt(i + 1) * ALT);
      expect(await token.balanceOf(await airdrop.getAddress())).to.equal(total - (1n + 256n + 257n + 300n) * ALT);
      expect(total).to.equal(45_150n * ALT);

      const marked: number[] = [];
      for (let i = 0; i < 300; i++) if (await airdrop.isClaimed(i)) marked.push(i);
      expect(marked).to.deep.equal(claimed);
      expect(await airdrop.isClaimed(300)).to.equal(false);
      expect(await airdrop.isClaimed(511)).to.equal(false);
      expect(await airdrop.isClaimed(2n ** 256n - 1n)).to.equal(false);
    });

    it("refuses a second claim of index 256 with AirdropAlreadyClaimed(256)", async function () {
      const { airdrop, claimLeaf } = await loadFixture(largeTreeFixture);
      await claimLeaf(256);
      await expect(claimLeaf(256)).to.be.revertedWithCustomError(airdrop, "AirdropAlreadyClaimed").withArgs(256n);
      await claimLeaf(0);
      await expect(claimLeaf(0)).to.be.revertedWithCustomError(airdrop, "AirdropAlreadyClaimed").withArgs(0n);
    });
  });

  describe("given the genesis deployment", function () {
    async function genesisFixture() {
      const signers = await ethers.getSigners();
      const alice = signers[10];
      const bob = signers[11];
      const entries = [
        { account: alice.address, amount: 1_000n * ALT },
        { account: bob.address, amount: 2_000n * ALT },
      ];
      const tree = airdropTree(entries);
      const input = hardhatGenesisInput();
      const genesis = await deployGenesis({ ...input, airdrop: { ...input.airdrop, root: tree.root } });
      return { ...genesis, tree, entries, alice, bob };
    }

    it("keeps the treasury fixed at deployment: the factory's setTreasury does not redirect the sweep", async function () {
      const { airdrop, vestingFactory, token, config, bob } = await loadFixture(genesisFixture);
      const treasury = getAddress(config.treasury);
      const owner = await ethers.getSigner(await vestingFactory.owner());
      await expect(vestingFactory.connect(owner).setTreasury(bob.address))
        .to.emit(vestingFactory, "TreasuryUpdated")
        .withArgs(treasury, bob.address);
      expect(await airdrop.treasury()).to.equal(treasury);
      await time.increaseTo((await airdrop.deadline()) + 1n);
      const before = await token.balanceOf(treasury);
      await expect(airdrop.connect(bob).sweep())
        .to.emit(airdrop, "Swept")
        .withArgs(treasury, 55_000_000n * ALT);
      expect(await token.balanceOf(treasury)).to.equal(before + 55_000_000n * ALT);
      expect(await token.balanceOf(bob.address)).to.equal(0n);
    });

    it("pays a claim from the airdrop that the genesis deploys and funds", async function () {
      const { airdrop, token, config, tree, alice } = await loadFixture(genesisFixture);
      const airdropAddress = await airdrop.getAddress();
      expect(await airdrop.token()).to.equal(await token.getAddress());
      expect(await airdrop.merkleRoot()).to.equal(tree.root);
      expect(await airdrop.treasury()).to.equal(getAddress(config.treasury));
      expect(config.airdrop.amount).to.equal(55_000_000n * ALT);
      expect(await token.balanceOf(airdropAddress)).to.equal(55_000_000n * ALT);

      await expect(airdrop.claim(0, alice.address, 1_000n * ALT, tree.getProof(0)))
        .to.emit(airdrop, "Claimed")
        .withArgs(0n, alice.address, 1_000n * ALT);
      expect(await token.balanceOf(alice.address)).to.equal(1_000n * ALT);
      expect(await token.balanceOf(airdropAddress)).to.equal(55_000_000n * ALT - 1_000n * ALT);
    });
  });
});
