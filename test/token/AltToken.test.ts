import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { TypedDataEncoder, verifyTypedData, ZeroAddress } from "ethers";
import { ALT, GENESIS_SUPPLY } from "../helpers/constants";
import { days } from "../helpers/time";
import { PERMIT_TYPES, domainOf, signDelegation, signPermit } from "../../tasks/lib/signatures";

/** Timestamp of the block that mined a transaction. */
async function minedAt(tx: { wait(): Promise<{ blockNumber: number } | null> }): Promise<bigint> {
  const receipt = await tx.wait();
  const block = await ethers.provider.getBlock(receipt!.blockNumber);
  return BigInt(block!.timestamp);
}

describe("AltToken", function () {
  async function deployAltTokenFixture() {
    const [deployer, genesis, alice, bob, carol, spender] = await ethers.getSigners();
    const factory = await ethers.getContractFactory("AltToken");
    const token = await factory.connect(deployer).deploy(genesis.address);
    await token.waitForDeployment();
    return { token, factory, deployer, genesis, alice, bob, carol, spender };
  }

  /** The genesis recipient hands out balances so that accounts other than the recipient hold ALT. */
  async function fundedFixture() {
    const base = await deployAltTokenFixture();
    const { token, genesis, alice, bob } = base;
    await token.connect(genesis).transfer(alice.address, 1_000n * ALT);
    await token.connect(genesis).transfer(bob.address, 400n * ALT);
    return base;
  }

  describe("metadata", function () {
    it("is named ALT with symbol ALT and 18 decimals", async function () {
      const { token } = await loadFixture(deployAltTokenFixture);
      expect(await token.name()).to.equal("ALT");
      expect(await token.symbol()).to.equal("ALT");
      expect(await token.decimals()).to.equal(18n);
    });

    it("exposes GENESIS_SUPPLY as exactly 10,000,000,000 ALT", async function () {
      const { token } = await loadFixture(deployAltTokenFixture);
      expect(await token.GENESIS_SUPPLY()).to.equal(10_000_000_000n * 10n ** 18n);
      expect(await token.GENESIS_SUPPLY()).to.equal(GENESIS_SUPPLY);
    });
  });

  describe("construction", function () {
    it("mints exactly 10,000,000,000 ALT to the genesis recipient and nothing to anyone else", async function () {
      const { token, deployer, genesis } = await loadFixture(deployAltTokenFixture);
      expect(await token.balanceOf(genesis.address)).to.equal(10_000_000_000n * ALT);
      expect(await token.totalSupply()).to.equal(10_000_000_000n * ALT);
      expect(await token.balanceOf(deployer.address)).to.equal(0n);
    });

    it("emits the mint Transfer from the zero address to the recipient", async function () {
      const { factory, genesis } = await loadFixture(deployAltTokenFixture);
      const token = await factory.deploy(genesis.address);
      await expect(token.deploymentTransaction())
        .to.emit(token, "Transfer")
        .withArgs(ZeroAddress, genesis.address, GENESIS_SUPPLY);
    });

    it("refuses a zero genesis recipient with AltTokenZeroGenesisRecipient", async function () {
      const { factory } = await loadFixture(deployAltTokenFixture);
      expect(factory.interface.getError("AltTokenZeroGenesisRecipient")).to.not.equal(null);
      await expect(factory.deploy(ZeroAddress))
        .to.be.revertedWithCustomError(factory, "AltTokenZeroGenesisRecipient")
        .withArgs();
    });

    it("has no mint function in its ABI", async function () {
      const { token } = await loadFixture(deployAltTokenFixture);
      const functionNames: string[] = [];
      token.interface.forEachFunction((fn) => functionNames.push(fn.name));
      expect(functionNames).to.include("burn"); // sanity: the list is the real ABI
      expect(functionNames.filter((name) => name.toLowerCase().includes("mint"))).to.deep.equal([]);
    });

    it("starts with no votes anywhere: balances are not delegated by default", async function () {
      const { token, genesis } = await loadFixture(deployAltTokenFixture);
      expect(await token.delegates(genesis.address)).to.equal(ZeroAddress);
      expect(await token.getVotes(genesis.address)).to.equal(0n);
    });
  });

  describe("burning", function () {
    describe("burn", function () {
      it("destroys the caller's tokens, lowering balance and total supply by the exact amount", async function () {
        const { token, alice } = await loadFixture(fundedFixture);
        await expect(token.connect(alice).burn(250n * ALT))
          .to.emit(token, "Transfer")
          .withArgs(alice.address, ZeroAddress, 250n * ALT);
        expect(await token.balanceOf(alice.address)).to.equal(750n * ALT);
        expect(await token.totalSupply()).to.equal(GENESIS_SUPPLY - 250n * ALT);
      });

      it("refuses to burn more than the caller's balance with ERC20InsufficientBalance", async function () {
        const { token, alice } = await loadFixture(fundedFixture);
        await expect(token.connect(alice).burn(1_000n * ALT + 1n))
          .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
          .withArgs(alice.address, 1_000n * ALT, 1_000n * ALT + 1n);
      });
    });

    describe("burnFrom", function () {
      it("destroys an account's tokens and spends exactly that much of the caller's allowance", async function () {
        const { token, alice, spender } = await loadFixture(fundedFixture);
        await token.connect(alice).approve(spender.address, 300n * ALT);
        await expect(token.connect(spender).burnFrom(alice.address, 120n * ALT))
          .to.emit(token, "Transfer")
          .withArgs(alice.address, ZeroAddress, 120n * ALT);
        expect(await token.balanceOf(alice.address)).to.equal(880n * ALT);
        expect(await token.balanceOf(spender.address)).to.equal(0n);
        expect(await token.allowance(alice.address, spender.address)).to.equal(180n * ALT);
        expect(await token.totalSupply()).to.equal(GENESIS_SUPPLY - 120n * ALT);
      });

      it("refuses to burn beyond the allowance with ERC20InsufficientAllowance", async function () {
        const { token, alice, spender } = await loadFixture(fundedFixture);
        await token.connect(alice).approve(spender.address, 100n * ALT);
        await expect(token.connect(spender).burnFrom(alice.address, 100n * ALT + 1n))
          .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
          .withArgs(spender.address, 100n * ALT, 100n * ALT + 1n);
        expect(await token.balanceOf(alice.address)).to.equal(1_000n * ALT);
        expect(await token.totalSupply()).to.equal(GENESIS_SUPPLY);
      });

      it("refuses to burn without any allowance with ERC20InsufficientAllowance", async function () {
        const { token, alice, spender } = await loadFixture(fundedFixture);
        await expect(token.connect(spender).burnFrom(alice.address, 1n))
          .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
          .withArgs(spender.address, 0n, 1n);
      });
    });
  });

  describe("permit (EIP-2612)", function () {
    it("uses the EIP-712 domain name ALT, version 1", async function () {
      const { token } = await loadFixture(fundedFixture);
      // The expected domain, stated independently of the token (domainOf reads it back from the token itself).
      const domain = {
        name: "ALT",
        version: "1",
        chainId: (await ethers.provider.getNetwork()).chainId,
        verifyingContract: await token.getAddress(),
      };
      expect(await token.DOMAIN_SEPARATOR()).to.equal(TypedDataEncoder.hashDomain(domain));
      const [, name, version, chainId, verifyingContract] = await token.eip712Domain();
      expect([name, version, chainId, verifyingContract]).to.deep.equal([
        "ALT",
        "1",
        domain.chainId,
        domain.verifyingContract,
      ]);
      // ...and it is the domain the shared signing helpers (tasks/lib/signatures) sign over.
      expect(await domainOf(token)).to.deep.equal(domain);
    });

    describe("given a valid signature by the owner", function () {
      it("sets the allowance, emits Approval and increments the owner's nonce", async function () {
        const { token, alice, spender, carol } = await loadFixture(fundedFixture);
        const deadline = BigInt(await time.latest()) + BigInt(days(1));
        const value = 42n * ALT;
        const sig = await signPermit(alice, token, {
          owner: alice.address,
          spender: spender.address,
          value,
          nonce: 0n,
          deadline,
        });
        expect(await token.nonces(alice.address)).to.equal(0n);
        await expect(token.connect(carol).permit(alice.address, spender.address, value, deadline, sig.v, sig.r, sig.s))
          .to.emit(token, "Approval")
          .withArgs(alice.address, spender.address, value);
        expect(await token.allowance(alice.address, spender.address)).to.equal(value);
        expect(await token.nonces(alice.address)).to.equal(1n);
      });

      it("lets the spender then move exactly the permitted amount", async function () {
        const { token, alice, bob, spender } = await loadFixture(fundedFixture);
        const deadline = BigInt(await time.latest()) + BigInt(days(1));
        const sig = await signPermit(alice, token, {
          owner: alice.address,
          spender: spender.address,
          value: 10n * ALT,
          nonce: 0n,
          deadline,
        });
        await token.permit(alice.address, spender.address, 10n * ALT, deadline, sig.v, sig.r, sig.s);
        await token.connect(spender).transferFrom(alice.address, bob.address, 10n * ALT);
        expect(await token.balanceOf(alice.address)).to.equal(990n * ALT);
        expect(await token.balanceOf(bob.address)).to.equal(410n * ALT);
        expect(await token.allowance(alice.address, spender.address)).to.equal(0n);
      });

      it("refuses to replay the same signature once the nonce moved on", async function () {
        const { token, alice, spender } = await loadFixture(fundedFixture);
        const deadline = BigInt(await time.latest()) + BigInt(days(1));
        const sig = await signPermit(alice, token, {
          owner: alice.address,
          spender: spender.address,
          value: 5n * ALT,
          nonce: 0n,
          deadline,
        });
        await token.permit(alice.address, spender.address, 5n * ALT, deadline, sig.v, sig.r, sig.s);
        // The contract now hashes nonce 1, so the signature recovers to some other address.
        const recovered = verifyTypedData(
          await domainOf(token),
          PERMIT_TYPES,
          { owner: alice.address, spender: spender.address, value: 5n * ALT, nonce: 1n, deadline },
          sig,
        );
        expect(recovered).to.not.equal(alice.address);
        await expect(token.permit(alice.address, spender.address, 5n * ALT, deadline, sig.v, sig.r, sig.s))
          .to.be.revertedWithCustomError(token, "ERC2612InvalidSigner")
          .withArgs(recovered, alice.address);
        expect(await token.nonces(alice.address)).to.equal(1n);
      });
    });

    describe("when the deadline has passed", function () {
      it("refuses the permit with ERC2612ExpiredSignature", async function () {
        const { token, alice, spender } = await loadFixture(fundedFixture);
        const deadline = BigInt(await time.latest()) + 10n;
        const sig = await signPermit(alice, token, {
          owner: alice.address,
          spender: spender.address,
          value: ALT,
          nonce: 0n,
          deadline,
        });
        await time.setNextBlockTimestamp(deadline + 1n);
        await expect(token.permit(alice.address, spender.address, ALT, deadline, sig.v, sig.r, sig.s))
          .to.be.revertedWithCustomError(token, "ERC2612ExpiredSignature")
          .withArgs(deadline);
        expect(await token.allowance(alice.address, spender.address)).to.equal(0n);
        expect(await token.nonces(alice.address)).to.equal(0n);
      });

      it("still accepts the permit in the block exactly at the deadline", async function () {
        const { token, alice, spender } = await loadFixture(fundedFixture);
        const deadline = BigInt(await time.latest()) + 10n;
        const sig = await signPermit(alice, token, {
          owner: alice.address,
          spender: spender.address,
          value: ALT,
          nonce: 0n,
          deadline,
        });
        await time.setNextBlockTimestamp(deadline);
        await token.permit(alice.address, spender.address, ALT, deadline, sig.v, sig.r, sig.s);
        expect(await token.allowance(alice.address, spender.address)).to.equal(ALT);
      });
    });

    describe("when someone other than the owner signed", function () {
      it("refuses the permit with ERC2612InvalidSigner(signer, owner)", async function () {
        const { token, alice, bob, spender } = await loadFixture(fundedFixture);
        const deadline = BigInt(await time.latest()) + BigInt(days(1));
        const sig = await signPermit(bob, token, {
          owner: alice.address,
          spender: spender.address,
          value: ALT,
          nonce: 0n,
          deadline,
        });
        await expect(token.permit(alice.address, spender.address, ALT, deadline, sig.v, sig.r, sig.s))
          .to.be.revertedWithCustomError(token, "ERC2612InvalidSigner")
          .withArgs(bob.address, alice.address);
        expect(await token.allowance(alice.address, spender.address)).to.equal(0n);
        expect(await token.nonces(alice.address)).to.equal(0n);
      });
    });
  });

  describe("votes (ERC-5805, timestamp clock)", function () {
    it("uses the latest block timestamp as its clock", async function () {
      const { token } = await loadFixture(fundedFixture);
      expect(await token.clock()).to.equal(BigInt(await time.latest()));
      await time.increase(days(3));
      expect(await token.clock()).to.equal(BigInt(await time.latest()));
    });

    it("describes its clock as mode=timestamp", async function () {
      const { token } = await loadFixture(fundedFixture);
      expect(await token.CLOCK_MODE()).to.equal("mode=timestamp");
    });

    describe("delegate", function () {
      it("emits DelegateChanged and DelegateVotesChanged with exact arguments on a self-delegation", async function () {
        const { token, alice } = await loadFixture(fundedFixture);
        await expect(token.connect(alice).delegate(alice.address))
          .to.emit(token, "DelegateChanged")
          .withArgs(alice.address, ZeroAddress, alice.address)
          .and.to.emit(token, "DelegateVotesChanged")
          .withArgs(alice.address, 0n, 1_000n * ALT);
        expect(await token.delegates(alice.address)).to.equal(alice.address);
        expect(await token.getVotes(alice.address)).to.equal(1_000n * ALT);
      });

      it("moves all votes from the old delegate to the new one on redelegation", async function () {
        const { token, alice, carol } = await loadFixture(fundedFixture);
        await token.connect(alice).delegate(alice.address);
        await expect(token.connect(alice).delegate(carol.address))
          .to.emit(token, "DelegateChanged")
          .withArgs(alice.address, alice.address, carol.address)
          .and.to.emit(token, "DelegateVotesChanged")
          .withArgs(alice.address, 1_000n * ALT, 0n)
          .and.to.emit(token, "DelegateVotesChanged")
          .withArgs(carol.address, 0n, 1_000n * ALT);
        expect(await token.getVotes(alice.address)).to.equal(0n);
        expect(await token.getVotes(carol.address)).to.equal(1_000n * ALT);
        expect(await token.balanceOf(carol.address)).to.equal(0n);
      });

      it("adds the votes of several delegators together", async function () {
        const { token, alice, bob, carol } = await loadFixture(fundedFixture);
        await token.connect(alice).delegate(carol.address);
        await token.connect(bob).delegate(carol.address);
        expect(await token.getVotes(carol.address)).to.equal(1_400n * ALT);
      });
    });

    describe("history", function () {
      it("reports past votes at the timestamps of the checkpoints", async function () {
        const { token, alice, bob } = await loadFixture(fundedFixture);
        const delegatedAt = await minedAt(await token.connect(alice).delegate(alice.address));
        await time.increase(days(1));
        const transferredAt = await minedAt(await token.connect(alice).transfer(bob.address, 300n * ALT));
        await time.increase(days(1));

        expect(await token.getPastVotes(alice.address, delegatedAt - 1n)).to.equal(0n);
        expect(await token.getPastVotes(alice.address, delegatedAt)).to.equal(1_000n * ALT);
        expect(await token.getPastVotes(alice.address, transferredAt - 1n)).to.equal(1_000n * ALT);
        expect(await token.getPastVotes(alice.address, transferredAt)).to.equal(700n * ALT);
        expect(await token.getVotes(alice.address)).to.equal(700n * ALT);
      });

      it("reports the past total supply before and after a burn", async function () {
        const { token, alice } = await loadFixture(fundedFixture);
        await time.increase(10);
        const burntAt = await minedAt(await token.connect(alice).burn(100n * ALT));
        await time.increase(10);
        expect(await token.getPastTotalSupply(burntAt - 1n)).to.equal(GENESIS_SUPPLY);
        expect(await token.getPastTotalSupply(burntAt)).to.equal(GENESIS_SUPPLY - 100n * ALT);
      });

      it("refuses a lookup at the current timepoint with ERC5805FutureLookup", async function () {
        const { token, alice } = await loadFixture(fundedFixture);
        const now = BigInt(await time.latest());
        await expect(token.getPastVotes(alice.address, now))
          .to.be.revertedWithCustomError(token, "ERC5805FutureLookup")
          .withArgs(now, now);
      });

      it("refuses a lookup at a future timepoint with ERC5805FutureLookup, for votes and total supply", async function () {
        const { token, alice } = await loadFixture(fundedFixture);
        const now = BigInt(await time.latest());
        const future = now + BigInt(days(1));
        await expect(token.getPastVotes(alice.address, future))
          .to.be.revertedWithCustomError(token, "ERC5805FutureLookup")
          .withArgs(future, now);
        await expect(token.getPastTotalSupply(future))
          .to.be.revertedWithCustomError(token, "ERC5805FutureLookup")
          .withArgs(future, now);
      });
    });

    describe("given delegated accounts", function () {
      it("moves votes with a transfer between delegated accounts", async function () {
        const { token, alice, bob, carol } = await loadFixture(fundedFixture);
        await token.connect(alice).delegate(alice.address);
        await token.connect(bob).delegate(carol.address);
        await expect(token.connect(alice).transfer(bob.address, 250n * ALT))
          .to.emit(token, "DelegateVotesChanged")
          .withArgs(alice.address, 1_000n * ALT, 750n * ALT)
          .and.to.emit(token, "DelegateVotesChanged")
          .withArgs(carol.address, 400n * ALT, 650n * ALT);
        expect(await token.getVotes(alice.address)).to.equal(750n * ALT);
        expect(await token.getVotes(bob.address)).to.equal(0n);
        expect(await token.getVotes(carol.address)).to.equal(650n * ALT);
      });

      it("creates no votes when tokens go to an undelegated account", async function () {
        const { token, alice, carol } = await loadFixture(fundedFixture);
        await token.connect(alice).delegate(alice.address);
        await token.connect(alice).transfer(carol.address, 100n * ALT);
        expect(await token.getVotes(alice.address)).to.equal(900n * ALT);
        expect(await token.getVotes(carol.address)).to.equal(0n);
      });

      it("takes burnt tokens out of the delegate's votes", async function () {
        const { token, alice, carol } = await loadFixture(fundedFixture);
        await token.connect(alice).delegate(carol.address);
        await expect(token.connect(alice).burn(150n * ALT))
          .to.emit(token, "DelegateVotesChanged")
          .withArgs(carol.address, 1_000n * ALT, 850n * ALT);
        expect(await token.getVotes(carol.address)).to.equal(850n * ALT);
      });

      it("takes tokens burnt through burnFrom out of the delegate's votes", async function () {
        const { token, alice, carol, spender } = await loadFixture(fundedFixture);
        await token.connect(alice).delegate(carol.address);
        await token.connect(alice).approve(spender.address, 60n * ALT);
        await token.connect(spender).burnFrom(alice.address, 60n * ALT);
        expect(await token.getVotes(carol.address)).to.equal(940n * ALT);
      });
    });

    describe("delegateBySig", function () {
      it("delegates the signer's votes when submitted by anyone, and consumes the nonce", async function () {
        const { token, alice, bob, carol } = await loadFixture(fundedFixture);
        const expiry = BigInt(await time.latest()) + BigInt(days(1));
        const sig = await signDelegation(alice, token, { delegatee: carol.address, nonce: 0n, expiry });
        await expect(token.connect(bob).delegateBySig(carol.address, 0n, expiry, sig.v, sig.r, sig.s))
          .to.emit(token, "DelegateChanged")
          .withArgs(alice.address, ZeroAddress, carol.address)
          .and.to.emit(token, "DelegateVotesChanged")
          .withArgs(carol.address, 0n, 1_000n * ALT);
        expect(await token.delegates(alice.address)).to.equal(carol.address);
        expect(await token.getVotes(carol.address)).to.equal(1_000n * ALT);
        expect(await token.delegates(bob.address)).to.equal(ZeroAddress);
        expect(await token.nonces(alice.address)).to.equal(1n);
      });

      it("refuses a reused nonce with InvalidAccountNonce(signer, currentNonce)", async function () {
        const { token, alice, carol } = await loadFixture(fundedFixture);
        const expiry = BigInt(await time.latest()) + BigInt(days(1));
        const sig = await signDelegation(alice, token, { delegatee: carol.address, nonce: 0n, expiry });
        await token.delegateBySig(carol.address, 0n, expiry, sig.v, sig.r, sig.s);
        await expect(token.delegateBySig(carol.address, 0n, expiry, sig.v, sig.r, sig.s))
          .to.be.revertedWithCustomError(token, "InvalidAccountNonce")
          .withArgs(alice.address, 1n);
      });

      it("shares its nonce with permit: a permit makes an unused delegation signature stale", async function () {
        const { token, alice, carol, spender } = await loadFixture(fundedFixture);
        const expiry = BigInt(await time.latest()) + BigInt(days(1));
        const delegation = await signDelegation(alice, token, { delegatee: carol.address, nonce: 0n, expiry });
        const permit = await signPermit(alice, token, {
          owner: alice.address,
          spender: spender.address,
          value: ALT,
          nonce: 0n,
          deadline: expiry,
        });
        await token.permit(alice.address, spender.address, ALT, expiry, permit.v, permit.r, permit.s);
        await expect(token.delegateBySig(carol.address, 0n, expiry, delegation.v, delegation.r, delegation.s))
          .to.be.revertedWithCustomError(token, "InvalidAccountNonce")
          .withArgs(alice.address, 1n);
        expect(await token.delegates(alice.address)).to.equal(ZeroAddress);
      });

      it("refuses an expired signature with VotesExpiredSignature(expiry)", async function () {
        const { token, alice, carol } = await loadFixture(fundedFixture);
        const expiry = BigInt(await time.latest()) + 10n;
        const sig = await signDelegation(alice, token, { delegatee: carol.address, nonce: 0n, expiry });
        await time.setNextBlockTimestamp(expiry + 1n);
        await expect(token.delegateBySig(carol.address, 0n, expiry, sig.v, sig.r, sig.s))
          .to.be.revertedWithCustomError(token, "VotesExpiredSignature")
          .withArgs(expiry);
        expect(await token.delegates(alice.address)).to.equal(ZeroAddress);
        expect(await token.nonces(alice.address)).to.equal(0n);
      });
    });
  });
});
