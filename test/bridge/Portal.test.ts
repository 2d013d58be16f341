import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, keccak256, solidityPacked, ZeroAddress, ZeroHash, getCreateAddress, id } from "ethers";
import type { IPortal } from "../../typechain-types/contracts/bridge/Portal";
import type { Portal, Rollup } from "../../typechain-types";
import { ALT } from "../helpers/constants";
import { DAY, HOUR } from "../helpers/time";
import { SERVICE, TEMPLATE, createParams, createRollup, deployRollups } from "../helpers/rollups";
import { expectReentryRefused } from "../helpers/reentrancy";
import { outputRootOf, queuedHash } from "../../tasks/lib/rollups";
import { WithdrawalsTree, withdrawalHash, type Withdrawal } from "../../tasks/lib/withdrawals";

const coder = AbiCoder.defaultAbiCoder();
/** The shipped optimistic templates: a 7-day challenge period, an output every 1,800 L2 blocks. */
const CHALLENGE = 7 * DAY;
const INTERVAL = 1_800n;
/** Rollup.INCLUSION_DELAY. */
const INCLUSION_DELAY = 12 * HOUR;
/** The factory's settlement window (hardhat.json): an expired rollup settles this long after its expiry. */
const WINDOW = 7 * DAY;
const LIFETIME = 30 * DAY;
const ETH = 10n ** 18n;
const GWEI = 10n ** 9n;
/** OutputStatus. */
const PROPOSED = 1n;
const FAST_FINALIZED = 2n;

const depositHash = (d: IPortal.DepositStruct) =>
  keccak256(coder.encode(["(address,address,address,uint256)"], [[d.from, d.to, d.token, d.amount]]));

describe("Portal", function () {
  async function portalFixture() {
    const d = await deployRollups();
    const [creator, alice, bob, carol] = d.users;
    const rollup = await createRollup(d, creator, { chainId: 7001, salt: id("bridge") });
    const portal = (await ethers.getContractAt("Portal", await rollup.portal())) as unknown as Portal;
    const token = await ethers.deployContract("MockERC20", ["Bridged", "BRG"]);
    for (const user of [alice, bob]) {
      await (await token.mint(user.address, 1_000n * ETH)).wait();
      await (await token.connect(user).approve(await portal.getAddress(), ethers.MaxUint256)).wait();
    }
    return { d, creator, alice, bob, carol, rollup, portal, token };
  }
  type Fixture = Awaited<ReturnType<typeof portalFixture>>;

  /** The withdrawals of the tests: ETH and the token to alice and bob. */
  function withdrawalsOf(f: Fixture, tokenAddress: string): Withdrawal[] {
    return [
      { nonce: 0n, sender: f.alice.address, recipient: f.alice.address, token: ZeroAddress, amount: 2n * ETH },
      { nonce: 1n, sender: f.bob.address, recipient: f.bob.address, token: tokenAddress, amount: 30n * ETH },
      { nonce: 2n, sender: f.alice.address, recipient: f.carol.address, token: ZeroAddress, amount: ETH + 7n },
    ];
  }

  /** Proposes the rollup's next output (no batch) committing to `withdrawalsRoot`; returns its index and proof parts. */
  async function propose(f: Fixture, withdrawalsRoot: string, stateRoot = id("state")) {
    const count = await f.rollup.outputCount();
    const parentRoot = count === 0n ? ZeroHash : (await f.rollup.output(count - 1n)).root;
    const l2BlockNumber = INTERVAL * (count + 1n);
    await (await f.rollup.connect(f.creator).proposeOutput(l2BlockNumber, stateRoot, withdrawalsRoot)).wait();
    const batchRoot = await f.rollup.batchRoot();
    const root = outputRootOf({
      l2BlockNumber,
      stateRoot,
      withdrawalsRoot,
      batchCount: await f.rollup.batchCount(),
      batchRoot,
      parentRoot,
    });
    expect((await f.rollup.output(count)).root).to.equal(root);
    return { index: count, outputProof: { withdrawalsRoot, batchRoot, parentRoot } };
  }

  /** Funds the portal (deposits by alice and bob), proposes an output with the tests' withdrawals and finalizes it. */
  async function finalizedFixture() {
    const f = await loadFixture(portalFixture);
    const tokenAddress = await f.token.getAddress();
    await (await f.portal.connect(f.alice).depositETH(f.alice.address, { value: 5n * ETH })).wait();
    await (await f.portal.connect(f.bob).depositERC20(tokenAddress, 100n * ETH, f.bob.address)).wait();
    const withdrawals = withdrawalsOf(f, tokenAddress);
    const tree = new WithdrawalsTree(withdrawals);
    const output = await propose(f, tree.root);
    await time.increase(CHALLENGE);
    await (await f.rollup.finalize(output.index)).wait();
    return { ...f, tokenAddress, withdrawals, tree, output };
  }

  describe("creation", function () {
    it("each rollup creates its portal (its first creation) with itself as the clone's immutable argument, at an address predictable before the rollup exists", async function () {
      const d = await loadFixture(portalFixture).then((f) => f.d);
      const creator = d.users[3];
      const params = createParams(creator.address, { chainId: 7002, salt: id("predicted") });
      const rollupAddress = await d.factory.predictRollupAddress(creator.address, params.templateId, params.salt);
      const predicted = getCreateAddress({ from: rollupAddress, nonce: 1 });
      expect(await ethers.provider.getCode(predicted)).to.equal("0x");
      const rollup = await createRollup(d, creator, { chainId: params.chainId, salt: params.salt });
      expect(await rollup.portal()).to.equal(predicted);
      const portal = await ethers.getContractAt("Portal", predicted);
      expect(await portal.rollup()).to.equal(rollupAddress);
      // EIP-1167 with immutable arguments (OpenZeppelin Clones): 45 bytes of proxy, then the rollup's address
      const portalImplementation = await d.implementation.portalImplementation();
      expect(await ethers.provider.getCode(predicted)).to.equal(
        solidityPacked(
          ["bytes", "address", "bytes", "address"],
          ["0x363d3d373d3d3d363d73", portalImplementation, "0x5af43d82803e903d91602b57fd5bf3", rollupAddress],
        ).toLowerCase(),
      );
    });

    it("the portal implementation serves no rollup: it takes no deposit (PortalNotClone)", async function () {
      const { d, alice } = await loadFixture(portalFixture);
      const implementation = await ethers.getContractAt("Portal", await d.implementation.portalImplementation());
      await expect(
        implementation.connect(alice).depositETH(alice.address, { value: ETH }),
      ).to.be.revertedWithCustomError(implementation, "PortalNotClone");
      await expect(implementation.rollup()).to.be.revertedWithCustomError(implementation, "PortalNotClone");
    });

    it("a rollup implementation refuses a portal implementation without code (RollupNoPortalImplementation)", async function () {
      const { d, carol } = await loadFixture(portalFixture);
      const Rollup = await ethers.getContractFactory("Rollup");
      await expect(ethers.deployContract("Rollup", [await d.factory.getAddress(), carol.address]))
        .to.be.revertedWithCustomError(Rollup, "RollupNoPortalImplementation")
        .withArgs(carol.address);
    });
  });

  describe("deposits", function () {
    it("an ETH deposit is a fee-free item of the rollup's forced queue, with the portal as payer and the deposit's hash", async function () {
      const f = await loadFixture(portalFixture);
      const portalAddress = await f.portal.getAddress();
      const minQueueFee = await f.d.factory.minQueueFee();
      expect(minQueueFee).to.equal(ALT);
      const deposit = { from: f.alice.address, to: f.bob.address, token: ZeroAddress, amount: 3n * ETH + 1n };
      const at = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(at);
      const tx = f.portal.connect(f.alice).depositETH(f.bob.address, { value: deposit.amount });
      await expect(tx)
        .to.emit(f.portal, "DepositInitiated")
        .withArgs(0n, f.alice.address, f.bob.address, ZeroAddress, deposit.amount);
      await expect(tx)
        .to.emit(f.rollup, "TransactionQueued")
        .withArgs(0n, depositHash(deposit), 0n, at + INCLUSION_DELAY, portalAddress);
      await expect(tx).to.changeEtherBalances([f.alice, f.portal], [-deposit.amount, deposit.amount]);
      await expect(tx).to.changeTokenBalances(f.d.token, [f.alice, f.portal, f.rollup], [0n, 0n, 0n]);
      const item = await f.rollup.queuedTransaction(0);
      expect([item.payer, item.deadline, item.included, item.forcedAt, item.fee, item.txHash]).to.deep.equal([
        portalAddress,
        BigInt(at + INCLUSION_DELAY),
        false,
        0n,
        0n,
        queuedHash(depositHash(deposit)),
      ]);
      expect(await f.portal.depositHash(deposit)).to.equal(depositHash(deposit));
    });

    it("an ERC20 deposit pulls the tokens and queues their deposit; the next deposit takes the next index", async function () {
      const f = await loadFixture(portalFixture);
      // after a user's own queued transaction
      await (await f.d.token.connect(f.carol).approve(await f.rollup.getAddress(), ALT)).wait();
      await (await f.rollup.connect(f.carol).queueTransaction(id("l2 tx"), ALT)).wait();
      const length = await f.rollup.queueLength();
      expect(length).to.equal(1n);
      const tokenAddress = await f.token.getAddress();
      const tx = f.portal.connect(f.bob).depositERC20(tokenAddress, 40n * ETH, f.carol.address);
      await expect(tx)
        .to.emit(f.portal, "DepositInitiated")
        .withArgs(length, f.bob.address, f.carol.address, tokenAddress, 40n * ETH);
      await expect(tx).to.changeTokenBalances(f.token, [f.bob, f.portal], [-40n * ETH, 40n * ETH]);
      const deposit = { from: f.bob.address, to: f.carol.address, token: tokenAddress, amount: 40n * ETH };
      expect((await f.rollup.queuedTransaction(length)).txHash).to.equal(queuedHash(depositHash(deposit)));
      expect(await f.portal.connect(f.alice).depositETH.staticCall(f.alice.address, { value: 1n })).to.equal(
        length + 1n,
      );
    });

    it("refuses a fee-on-transfer token by its balance delta (PortalUnsupportedToken), moving nothing", async function () {
      const f = await loadFixture(portalFixture);
      const fot = await ethers.deployContract("FeeOnTransferToken");
      await (await fot.mint(f.alice.address, 1_000n)).wait();
      await (await fot.connect(f.alice).approve(await f.portal.getAddress(), 1_000n)).wait();
      await expect(f.portal.connect(f.alice).depositERC20(await fot.getAddress(), 1_000n, f.alice.address))
        .to.be.revertedWithCustomError(f.portal, "PortalUnsupportedToken")
        .withArgs(await fot.getAddress(), 1_000n, 990n);
      expect(await fot.balanceOf(f.alice.address)).to.equal(1_000n);
      expect(await f.rollup.queueLength()).to.equal(0n);
    });

    it("refuses a zero amount, a zero recipient and the zero token address", async function () {
      const f = await loadFixture(portalFixture);
      const tokenAddress = await f.token.getAddress();
      await expect(f.portal.connect(f.alice).depositETH(f.alice.address)).to.be.revertedWithCustomError(
        f.portal,
        "PortalZeroAmount",
      );
      await expect(f.portal.connect(f.alice).depositETH(ZeroAddress, { value: 1n })).to.be.revertedWithCustomError(
        f.portal,
        "PortalZeroAddress",
      );
      await expect(
        f.portal.connect(f.alice).depositERC20(tokenAddress, 0n, f.alice.address),
      ).to.be.revertedWithCustomError(f.portal, "PortalZeroAmount");
      await expect(f.portal.connect(f.alice).depositERC20(tokenAddress, 1n, ZeroAddress)).to.be.revertedWithCustomError(
        f.portal,
        "PortalZeroAddress",
      );
      await expect(
        f.portal.connect(f.alice).depositERC20(ZeroAddress, 1n, f.alice.address),
      ).to.be.revertedWithCustomError(f.portal, "PortalZeroAddress");
      expect(await f.rollup.queueLength()).to.equal(0n);
    });

    it("a token re-entering the portal during a deposit is refused, and the deposit goes through once", async function () {
      const f = await loadFixture(portalFixture);
      const reentrant = await ethers.deployContract("ReentrantToken");
      const portalAddress = await f.portal.getAddress();
      await (await reentrant.mint(f.alice.address, 100n)).wait();
      await (await reentrant.connect(f.alice).approve(portalAddress, 100n)).wait();
      const payload = f.portal.interface.encodeFunctionData("depositETH", [f.alice.address]);
      await (await reentrant.arm(portalAddress, payload)).wait();
      await (await f.portal.connect(f.alice).depositERC20(await reentrant.getAddress(), 100n, f.alice.address)).wait();
      await expectReentryRefused(reentrant, f.portal, "ReentrancyGuardReentrantCall");
      expect(await f.rollup.queueLength()).to.equal(1n);
      expect(await reentrant.balanceOf(portalAddress)).to.equal(100n);
    });

    it("deposits are refused while the rollup is paused or once it has expired: nothing is taken", async function () {
      const f = await loadFixture(portalFixture);
      await (await f.rollup.connect(f.d.council).setPaused(true)).wait();
      const until = await f.rollup.pausedUntil();
      await expect(f.portal.connect(f.alice).depositETH(f.alice.address, { value: ETH }))
        .to.be.revertedWithCustomError(f.rollup, "RollupPaused")
        .withArgs(until);
      // an ephemeral rollup past its expiry takes no more deposits (Settling: no more batches could include them)
      const eph = await createRollup(f.d, f.creator, {
        chainId: 7003,
        salt: id("eph"),
        expiry: (await time.latest()) + LIFETIME,
      });
      const ephPortal = await ethers.getContractAt("Portal", await eph.portal());
      await time.increase(LIFETIME);
      await expect(ephPortal.connect(f.alice).depositETH(f.alice.address, { value: ETH }))
        .to.be.revertedWithCustomError(eph, "RollupNotActive")
        .withArgs(1n);
      expect(await ethers.provider.getBalance(await ephPortal.getAddress())).to.equal(0n);
    });

    it("takes no deposit for a rollup whose outputs nothing checks (optimistic without VITAL: PortalOutputsUnverified); a validity rollup's are proven", async function () {
      const f = await loadFixture(portalFixture);
      const unchecked = await createRollup(f.d, f.creator, {
        chainId: 7006,
        salt: id("unchecked"),
        services: SERVICE.MACH,
      });
      const portal = await ethers.getContractAt("Portal", await unchecked.portal());
      expect(await portal.verifiesOutputs(unchecked)).to.equal(false);
      await expect(portal.connect(f.alice).depositETH(f.alice.address, { value: ETH })).to.be.revertedWithCustomError(
        portal,
        "PortalOutputsUnverified",
      );
      const zk = await createRollup(f.d, f.creator, {
        chainId: 7007,
        salt: id("zk"),
        templateId: TEMPLATE.ZKStack,
        services: SERVICE.MACH,
      });
      const zkPortal = await ethers.getContractAt("Portal", await zk.portal());
      expect(await zkPortal.verifiesOutputs(zk)).to.equal(true);
      await expect(zkPortal.connect(f.alice).depositETH(f.alice.address, { value: ETH })).to.changeEtherBalance(
        zkPortal,
        ETH,
      );
      expect(await f.portal.verifiesOutputs(f.rollup)).to.equal(true); // optimistic with VITAL
    });

    it("only the portal queues without the minimum fee: anyone else is still refused (RollupFeeTooLow)", async function () {
      const f = await loadFixture(portalFixture);
      await expect(f.rollup.connect(f.alice).queueTransaction(id("free ride"), 0n))
        .to.be.revertedWithCustomError(f.rollup, "RollupFeeTooLow")
        .withArgs(0n, ALT);
    });

    it("a deposit is a forced-inclusion item: a batch cannot skip it once overdue, and anyone forces it in, proving the sequencer's fault", async function () {
      const f = await loadFixture(portalFixture);
      await (await f.portal.connect(f.alice).depositETH(f.alice.address, { value: ETH })).wait();
      const deadline = (await f.rollup.queuedTransaction(0)).deadline;
      await time.increaseTo(deadline + 1n);
      await expect(f.rollup.connect(f.creator).appendBatch(id("batch"), 0))
        .to.be.revertedWithCustomError(f.rollup, "RollupOverdueSkipped")
        .withArgs(0n);
      await expect(f.rollup.connect(f.carol).forceInclude(1))
        .to.emit(f.rollup, "SequencerFault")
        .withArgs(f.creator.address, 0n, deadline);
      expect((await f.rollup.queuedTransaction(0)).included).to.equal(true);
    });
  });

  describe("withdrawals", function () {
    it("pays each withdrawal of a Finalized output to its recipient once, ETH and ERC20, whoever sends the claim", async function () {
      const f = await loadFixture(finalizedFixture);
      const [eth, erc20] = f.withdrawals;
      const hash = withdrawalHash(eth);
      expect(await f.portal.withdrawalHash(eth)).to.equal(hash);
      const claim = f.portal
        .connect(f.carol)
        .claimWithdrawal(eth, f.output.index, f.output.outputProof, f.tree.proof(eth), f.alice.address);
      await expect(claim)
        .to.emit(f.portal, "WithdrawalClaimed")
        .withArgs(hash, 0n, f.output.index, f.alice.address, f.alice.address, ZeroAddress, 2n * ETH);
      await expect(claim).to.changeEtherBalances([f.portal, f.alice], [-2n * ETH, 2n * ETH]);
      expect(await f.portal.isClaimed(hash)).to.equal(true);
      await expect(
        f.portal
          .connect(f.alice)
          .claimWithdrawal(eth, f.output.index, f.output.outputProof, f.tree.proof(eth), f.alice.address),
      )
        .to.be.revertedWithCustomError(f.portal, "PortalAlreadyClaimed")
        .withArgs(hash);
      await expect(
        f.portal
          .connect(f.bob)
          .claimWithdrawal(erc20, f.output.index, f.output.outputProof, f.tree.proof(erc20), f.bob.address),
      ).to.changeTokenBalances(f.token, [f.portal, f.bob], [-30n * ETH, 30n * ETH]);
    });

    it("a withdrawal stays claimable against any later Finalized output (the tree is cumulative), still once", async function () {
      const f = await loadFixture(finalizedFixture);
      const [eth] = f.withdrawals;
      const more: Withdrawal = {
        nonce: 3n,
        sender: f.bob.address,
        recipient: f.bob.address,
        token: ZeroAddress,
        amount: ETH,
      };
      const tree = new WithdrawalsTree([...f.withdrawals, more]);
      const later = await propose(f, tree.root, id("state 2"));
      await time.increase(CHALLENGE);
      await (await f.rollup.finalize(later.index)).wait();
      await expect(
        f.portal.claimWithdrawal(eth, later.index, later.outputProof, tree.proof(eth), f.alice.address),
      ).to.changeEtherBalance(f.alice, 2n * ETH);
      await expect(
        f.portal.claimWithdrawal(eth, f.output.index, f.output.outputProof, f.tree.proof(eth), f.alice.address),
      )
        .to.be.revertedWithCustomError(f.portal, "PortalAlreadyClaimed")
        .withArgs(withdrawalHash(eth));
    });

    it("refuses an output not yet Finalized: Proposed, and FastFinalized for anything but ALT (PortalOutputNotFinalized)", async function () {
      const f = await loadFixture(finalizedFixture);
      const [eth] = f.withdrawals;
      const pending = await propose(f, f.tree.root, id("state 2"));
      await expect(
        f.portal.claimWithdrawal(eth, pending.index, pending.outputProof, f.tree.proof(eth), f.alice.address),
      )
        .to.be.revertedWithCustomError(f.portal, "PortalOutputNotFinalized")
        .withArgs(pending.index, PROPOSED);
      const root = (await f.rollup.output(pending.index)).root;
      // a cover far above the amounts: still refused, as only ALT takes the fast path
      await (await f.rollup.connect(f.d.mach).fastFinalize(pending.index, INTERVAL * 2n, root, 10n ** 30n)).wait();
      for (const w of [eth, f.withdrawals[1]]) {
        await expect(f.portal.claimWithdrawal(w, pending.index, pending.outputProof, f.tree.proof(w), w.recipient))
          .to.be.revertedWithCustomError(f.portal, "PortalOutputNotFinalized")
          .withArgs(pending.index, FAST_FINALIZED);
      }
    });

    it("refuses a proof of another output root (PortalOutputMismatch), an output that is not live, and a leaf outside the root (PortalInvalidProof)", async function () {
      const f = await loadFixture(finalizedFixture);
      const [eth] = f.withdrawals;
      const proof = f.tree.proof(eth);
      for (const wrong of [
        { ...f.output.outputProof, withdrawalsRoot: id("another tree") },
        { ...f.output.outputProof, batchRoot: id("another chain") },
        { ...f.output.outputProof, parentRoot: id("another parent") },
      ]) {
        await expect(f.portal.claimWithdrawal(eth, f.output.index, wrong, proof, f.alice.address))
          .to.be.revertedWithCustomError(f.portal, "PortalOutputMismatch")
          .withArgs(f.output.index);
      }
      await expect(f.portal.claimWithdrawal(eth, 1n, f.output.outputProof, proof, f.alice.address))
        .to.be.revertedWithCustomError(f.rollup, "RollupUnknownOutput")
        .withArgs(1n);
      const forged = { ...eth, amount: 200n * ETH };
      await expect(f.portal.claimWithdrawal(forged, f.output.index, f.output.outputProof, proof, f.alice.address))
        .to.be.revertedWithCustomError(f.portal, "PortalInvalidProof")
        .withArgs(withdrawalHash(forged));
    });

    it("invalidated outputs are never usable: a withdrawal only an invalidated output committed to cannot be claimed", async function () {
      const f = await loadFixture(finalizedFixture);
      const stolen: Withdrawal = {
        nonce: 3n,
        sender: f.carol.address,
        recipient: f.carol.address,
        token: ZeroAddress,
        amount: 3n * ETH,
      };
      const tree = new WithdrawalsTree([...f.withdrawals, stolen]);
      const bad = await propose(f, tree.root, id("bad state"));
      await (await f.rollup.connect(f.d.vital).invalidate(bad.index, f.carol.address)).wait();
      await expect(f.portal.claimWithdrawal(stolen, bad.index, bad.outputProof, tree.proof(stolen), f.carol.address))
        .to.be.revertedWithCustomError(f.rollup, "RollupUnknownOutput")
        .withArgs(bad.index);
      // the index is reused by the next proposal: the invalidated output's parts do not hash to its root
      const honest = await propose(f, f.tree.root, id("good state"));
      await time.increase(CHALLENGE);
      await (await f.rollup.finalize(honest.index)).wait();
      await expect(f.portal.claimWithdrawal(stolen, bad.index, bad.outputProof, tree.proof(stolen), f.carol.address))
        .to.be.revertedWithCustomError(f.portal, "PortalOutputMismatch")
        .withArgs(bad.index);
    });

    it("only the recipient may have a withdrawal paid elsewhere (PortalNotPayee); a recipient that cannot take ETH redirects it", async function () {
      const f = await loadFixture(finalizedFixture);
      const rejecter = await f.d.verifier.getAddress(); // a contract without a receive function
      const w: Withdrawal = { nonce: 3n, sender: f.bob.address, recipient: rejecter, token: ZeroAddress, amount: ETH };
      const tree = new WithdrawalsTree([...f.withdrawals, w]);
      const output = await propose(f, tree.root, id("state 2"));
      await time.increase(CHALLENGE);
      await (await f.rollup.finalize(output.index)).wait();
      const [eth] = f.withdrawals;
      await expect(
        f.portal
          .connect(f.carol)
          .claimWithdrawal(eth, output.index, output.outputProof, tree.proof(eth), f.carol.address),
      )
        .to.be.revertedWithCustomError(f.portal, "PortalNotPayee")
        .withArgs(f.carol.address, f.alice.address);
      await expect(
        f.portal.claimWithdrawal(eth, output.index, output.outputProof, tree.proof(eth), ZeroAddress),
      ).to.be.revertedWithCustomError(f.portal, "PortalZeroAddress");
      await expect(
        f.portal
          .connect(f.alice)
          .claimWithdrawal(eth, output.index, output.outputProof, tree.proof(eth), f.carol.address),
      ).to.changeEtherBalances([f.alice, f.carol], [0n, 2n * ETH]);
      // the contract recipient cannot take ETH: the claim fails and nothing is spent...
      await expect(f.portal.claimWithdrawal(w, output.index, output.outputProof, tree.proof(w), rejecter))
        .to.be.revertedWithCustomError(f.portal, "PortalTransferFailed")
        .withArgs(rejecter);
      expect(await f.portal.isClaimed(withdrawalHash(w))).to.equal(false);
      // ...until the recipient itself claims it to another address
      await setBalance(rejecter, ETH);
      const asRecipient = await ethers.getImpersonatedSigner(rejecter);
      await expect(
        f.portal
          .connect(asRecipient)
          .claimWithdrawal(w, output.index, output.outputProof, tree.proof(w), f.bob.address),
      ).to.changeEtherBalance(f.bob, ETH);
    });

    it("a pause of the rollup holds claims until it ends", async function () {
      const f = await loadFixture(finalizedFixture);
      const [eth] = f.withdrawals;
      await (await f.rollup.connect(f.d.council).setPaused(true)).wait();
      const until = await f.rollup.pausedUntil();
      const proof = f.tree.proof(eth);
      await expect(f.portal.claimWithdrawal(eth, f.output.index, f.output.outputProof, proof, f.alice.address))
        .to.be.revertedWithCustomError(f.portal, "PortalPaused")
        .withArgs(until);
      await time.increaseTo(until);
      await expect(
        f.portal.claimWithdrawal(eth, f.output.index, f.output.outputProof, proof, f.alice.address),
      ).to.changeEtherBalance(f.alice, 2n * ETH);
    });
  });

  describe("fast withdrawals (ALT, within the MACH cover)", function () {
    const COVER = 500n * ALT;

    /**
     * Alice and bob deposit 1,000 ALT each; output 0 (no withdrawals) is Finalized; output 1 commits to ALT withdrawals
     * of 300 to alice, 200 to bob and 1 wei to carol, and one of ETH, and MACH fast-finalizes it with a cover of 500 ALT.
     */
    async function fastFixture() {
      const f = await loadFixture(portalFixture);
      const alt = await f.d.token.getAddress();
      const portalAddress = await f.portal.getAddress();
      for (const user of [f.alice, f.bob]) {
        await (await f.d.token.connect(user).approve(portalAddress, 1_000n * ALT)).wait();
        await (await f.portal.connect(user).depositERC20(alt, 1_000n * ALT, user.address)).wait();
      }
      const first = await propose(f, ZeroHash);
      await time.increase(CHALLENGE);
      await (await f.rollup.finalize(first.index)).wait();
      const withdrawals: Withdrawal[] = [
        { nonce: 0n, sender: f.alice.address, recipient: f.alice.address, token: alt, amount: 300n * ALT },
        { nonce: 1n, sender: f.bob.address, recipient: f.bob.address, token: alt, amount: 200n * ALT },
        { nonce: 2n, sender: f.bob.address, recipient: f.carol.address, token: alt, amount: 1n },
        { nonce: 3n, sender: f.alice.address, recipient: f.alice.address, token: ZeroAddress, amount: 0n },
      ];
      const tree = new WithdrawalsTree(withdrawals);
      const output = await propose(f, tree.root, id("state 1"));
      await fastFinalize(f, output.index, COVER);
      return { ...f, alt, withdrawals, tree, output };
    }
    type FastFixture = Awaited<ReturnType<typeof fastFixture>>;

    async function fastFinalize(f: Fixture, index: bigint, cover: bigint) {
      const o = await f.rollup.output(index);
      await (await f.rollup.connect(f.d.mach).fastFinalize(index, o.l2BlockNumber, o.root, cover)).wait();
    }

    const claim = (f: FastFixture, w: Withdrawal, output = f.output, tree = f.tree) =>
      f.portal.claimWithdrawal(w, output.index, output.outputProof, tree.proof(w), w.recipient);

    it("pays ALT against a FastFinalized output before its challenge period ends, up to its cover exactly (PortalFastLimit one wei above)", async function () {
      const f = await loadFixture(fastFixture);
      const [alice, bob, carol] = f.withdrawals;
      expect(await f.portal.fastCapacity(f.output.index)).to.equal(COVER);
      await expect(claim(f, alice)).to.changeTokenBalances(f.d.token, [f.alice, f.portal], [300n * ALT, -300n * ALT]);
      expect(await f.portal.fastExposure()).to.equal(300n * ALT);
      expect(await f.portal.fastCapacity(f.output.index)).to.equal(200n * ALT);
      await expect(claim(f, bob))
        .to.emit(f.portal, "FastWithdrawal")
        .withArgs(withdrawalHash(bob), f.output.index, COVER, COVER)
        .and.to.emit(f.portal, "WithdrawalClaimed")
        .withArgs(withdrawalHash(bob), 1n, f.output.index, f.bob.address, f.bob.address, f.alt, 200n * ALT);
      expect(await f.portal.fastCapacity(f.output.index)).to.equal(0n);
      await expect(claim(f, carol))
        .to.be.revertedWithCustomError(f.portal, "PortalFastLimit")
        .withArgs(f.output.index, COVER + GWEI, COVER); // (counted in whole gwei, rounded up)
      expect(await f.portal.isClaimed(withdrawalHash(carol))).to.equal(false);
      // the output is still pending: nothing settles
      expect(await f.portal.settleFastWithdrawals.staticCall(10)).to.deep.equal([0n, 0n]);
    });

    it("ETH and other tokens wait for finality, and a zero limit (a parent only Proposed) pays nothing fast", async function () {
      const f = await loadFixture(fastFixture);
      const eth = f.withdrawals[3];
      await expect(claim(f, eth))
        .to.be.revertedWithCustomError(f.portal, "PortalOutputNotFinalized")
        .withArgs(f.output.index, FAST_FINALIZED);
      const next = await propose(f, f.tree.root, id("state 2"));
      await (await f.rollup.connect(f.d.vital).invalidate(f.output.index, f.carol.address)).wait();
      // output 1 again, only Proposed, and output 2 on it fast-finalized with a cover: its limit is zero
      const again = await propose(f, f.tree.root, id("state 1 again"));
      const onPending = await propose(f, f.tree.root, id("state 2 again"));
      expect([again.index, onPending.index, next.index]).to.deep.equal([1n, 2n, 2n]);
      await fastFinalize(f, onPending.index, COVER);
      expect((await f.rollup.output(onPending.index)).fastLimit).to.equal(0n);
      await expect(claim(f, f.withdrawals[0], onPending))
        .to.be.revertedWithCustomError(f.portal, "PortalFastLimit")
        .withArgs(onPending.index, 300n * ALT, 0n);
    });

    it("a finalized output releases its fast withdrawals from the exposure, and what was paid fast stays claimed", async function () {
      const f = await loadFixture(fastFixture);
      const [alice, bob] = f.withdrawals;
      await (await claim(f, alice)).wait();
      await (await claim(f, bob)).wait();
      await time.increase(CHALLENGE);
      await (await f.rollup.finalize(f.output.index)).wait();
      // the two claims against one output are one entry: one release
      await expect(f.portal.settleFastWithdrawals(10)).to.emit(f.portal, "FastWithdrawalsSettled").withArgs(COVER, 0n);
      expect([await f.portal.fastExposure(), await f.portal.fastLost()]).to.deep.equal([0n, 0n]);
      await expect(claim(f, alice))
        .to.be.revertedWithCustomError(f.portal, "PortalAlreadyClaimed")
        .withArgs(withdrawalHash(alice));
      // Finalized: any withdrawal of it, fast-limited or not, takes the normal path
      expect(await f.portal.fastCapacity(f.output.index)).to.equal(0n);
      await expect(claim(f, f.withdrawals[2])).to.changeTokenBalance(f.d.token, f.carol, 1n);
      expect(await f.portal.fastExposure()).to.equal(0n);
    });

    it("an invalidation makes the fast withdrawals against the output and every later one lost, frees the exposure, and holds the cover they used until a slash makes them good", async function () {
      const f = await loadFixture(fastFixture);
      const [alice, bob] = f.withdrawals;
      await (await claim(f, alice)).wait();
      // output 2 on output 1 (FastFinalized): its limit is the lower of the two covers, and counts output 1's exposure
      const tree2 = new WithdrawalsTree([...f.withdrawals, { ...bob, nonce: 4n, amount: 150n * ALT }]);
      const second = await propose(f, tree2.root, id("state 2"));
      await fastFinalize(f, second.index, 10n ** 30n);
      expect(await f.portal.fastCapacity(second.index)).to.equal(200n * ALT);
      const extra = { ...bob, nonce: 4n, amount: 150n * ALT };
      await (await claim(f, extra, second, tree2)).wait();
      await expect(claim(f, bob, second, tree2))
        .to.be.revertedWithCustomError(f.portal, "PortalFastLimit")
        .withArgs(second.index, 650n * ALT, COVER);
      await (await f.rollup.connect(f.d.vital).invalidate(f.output.index, f.carol.address)).wait();
      await expect(f.portal.settleFastWithdrawals(1))
        .to.emit(f.portal, "FastWithdrawalsSettled")
        .withArgs(300n * ALT, 300n * ALT);
      await expect(f.portal.settleFastWithdrawals(1))
        .to.emit(f.portal, "FastWithdrawalsSettled")
        .withArgs(150n * ALT, 150n * ALT);
      expect([await f.portal.fastExposure(), await f.portal.fastLost()]).to.deep.equal([0n, 450n * ALT]);
      expect(await f.portal.settleFastWithdrawals.staticCall(10)).to.deep.equal([0n, 0n]);
      // the loss holds the cover it used until a slash makes it good: a new output's capacity is its limit less it
      expect([await f.portal.fastDeficit(), await f.portal.fastRecovered()]).to.deep.equal([450n * ALT, 0n]);
      const replacement = await propose(f, f.tree.root, id("state 1 again"));
      await fastFinalize(f, replacement.index, COVER);
      expect(await f.portal.fastCapacity(replacement.index)).to.equal(COVER - 450n * ALT);
      await expect(claim(f, f.withdrawals[1], replacement))
        .to.be.revertedWithCustomError(f.portal, "PortalFastLimit")
        .withArgs(replacement.index, 650n * ALT, COVER);
      await expect(claim(f, f.withdrawals[2], replacement))
        .to.emit(f.portal, "FastWithdrawal")
        .withArgs(withdrawalHash(f.withdrawals[2]), replacement.index, GWEI, COVER);
    });

    it("settling stops at the oldest fast withdrawal still pending, and a fast claim settles what it can first", async function () {
      const f = await loadFixture(fastFixture);
      const [alice, bob] = f.withdrawals;
      await (await claim(f, alice)).wait();
      const tree2 = new WithdrawalsTree(f.withdrawals);
      const second = await propose(f, tree2.root, id("state 2"));
      await fastFinalize(f, second.index, COVER);
      await (await claim(f, bob, second, tree2)).wait();
      // output 1 finalizes, output 2 not yet: only the first entry settles
      await time.increase(CHALLENGE);
      await (await f.rollup.finalize(f.output.index)).wait();
      expect(await f.portal.fastExposure()).to.equal(COVER);
      // carol's 1 wei against output 2 settles output 1's 300 first, so it fits
      await expect(claim(f, f.withdrawals[2], second, tree2))
        .to.emit(f.portal, "FastWithdrawalsSettled")
        .withArgs(300n * ALT, 0n)
        .and.to.emit(f.portal, "FastWithdrawal")
        .withArgs(withdrawalHash(f.withdrawals[2]), second.index, 200n * ALT + GWEI, COVER);
      expect(await f.portal.settleFastWithdrawals.staticCall(10)).to.deep.equal([0n, 0n]);
    });

    it("the rollup's pause holds fast claims too", async function () {
      const f = await loadFixture(fastFixture);
      await (await f.rollup.connect(f.d.council).setPaused(true)).wait();
      const until = await f.rollup.pausedUntil();
      await expect(claim(f, f.withdrawals[0])).to.be.revertedWithCustomError(f.portal, "PortalPaused").withArgs(until);
    });
  });

  describe("escape hatch", function () {
    /** An ephemeral rollup with two deposits included before its expiry and two never included, then retired. */
    async function retiredFixture() {
      const f = await loadFixture(portalFixture);
      const expiry = (await time.latest()) + LIFETIME;
      const eph = await createRollup(f.d, f.creator, { chainId: 7004, salt: id("retiring"), expiry });
      const portal = (await ethers.getContractAt("Portal", await eph.portal())) as unknown as Portal;
      const tokenAddress = await f.token.getAddress();
      await (await f.token.connect(f.bob).approve(await portal.getAddress(), ethers.MaxUint256)).wait();
      const deposits: IPortal.DepositStruct[] = [
        { from: f.alice.address, to: f.alice.address, token: ZeroAddress, amount: 4n * ETH },
        { from: f.bob.address, to: f.bob.address, token: tokenAddress, amount: 50n * ETH },
        { from: f.alice.address, to: f.carol.address, token: ZeroAddress, amount: ETH + 1n },
        { from: f.bob.address, to: f.bob.address, token: tokenAddress, amount: 7n * ETH },
      ];
      for (const [i, dep] of deposits.entries()) {
        if (i === 2) await (await eph.connect(f.creator).appendBatch(id("batch 0"), 2)).wait();
        const signer = dep.from === f.alice.address ? f.alice : f.bob;
        if (dep.token === ZeroAddress)
          await (await portal.connect(signer).depositETH(dep.to, { value: dep.amount })).wait();
        else await (await portal.connect(signer).depositERC20(dep.token, dep.amount, dep.to)).wait();
      }
      // a user's own queued transaction, never included either
      await (await f.d.token.connect(f.carol).approve(await eph.getAddress(), ALT)).wait();
      await (await eph.connect(f.carol).queueTransaction(id("user tx"), ALT)).wait();
      // the last output (its withdrawals: alice's ETH back) finalizes within the settlement window
      const withdrawal: Withdrawal = {
        nonce: 0n,
        sender: f.alice.address,
        recipient: f.alice.address,
        token: ZeroAddress,
        amount: 3n * ETH,
      };
      const tree = new WithdrawalsTree([withdrawal]);
      const rollupFixture = { ...f, rollup: eph as Rollup, portal };
      const output = await propose(rollupFixture, tree.root);
      await time.increaseTo(expiry + WINDOW);
      await (await eph.finalize(output.index)).wait();
      await (await eph.settle()).wait();
      expect(await eph.status()).to.equal(2n); // Retired
      return { ...f, eph, portal, deposits, withdrawal, tree, output };
    }

    it("after retirement, each deposit the rollup never included is refunded to its sender once; included ones are not", async function () {
      const f = await loadFixture(retiredFixture);
      expect(await f.eph.queueHead()).to.equal(2n);
      const refund = f.portal.connect(f.carol).refundDeposit(2, f.deposits[2], f.alice.address);
      await expect(refund)
        .to.emit(f.portal, "DepositRefunded")
        .withArgs(2n, f.alice.address, f.alice.address, ZeroAddress, ETH + 1n);
      await expect(refund).to.changeEtherBalances([f.portal, f.alice], [-(ETH + 1n), ETH + 1n]);
      expect(await f.portal.isRefunded(2)).to.equal(true);
      await expect(f.portal.refundDeposit(2, f.deposits[2], f.alice.address))
        .to.be.revertedWithCustomError(f.portal, "PortalNotRefundable")
        .withArgs(2n);
      await expect(f.portal.connect(f.bob).refundDeposit(3, f.deposits[3], f.bob.address)).to.changeTokenBalances(
        f.token,
        [f.portal, f.bob],
        [-7n * ETH, 7n * ETH],
      );
      // included deposits went to L2: they leave by withdrawal, not by refund
      for (const i of [0, 1]) {
        await expect(f.portal.refundDeposit(i, f.deposits[i], f.deposits[i].from))
          .to.be.revertedWithCustomError(f.portal, "PortalNotRefundable")
          .withArgs(BigInt(i));
      }
    });

    it("refuses a refund before retirement, of another deposit's data, of a user's own queue item, and past the queue", async function () {
      const f = await loadFixture(retiredFixture);
      const wrong = { ...f.deposits[3], amount: 70n * ETH };
      await expect(f.portal.refundDeposit(3, wrong, f.bob.address))
        .to.be.revertedWithCustomError(f.portal, "PortalNotRefundable")
        .withArgs(3n);
      await expect(f.portal.refundDeposit(4, { ...f.deposits[2], from: f.carol.address }, f.carol.address))
        .to.be.revertedWithCustomError(f.portal, "PortalNotRefundable")
        .withArgs(4n);
      await expect(f.portal.refundDeposit(5, f.deposits[3], f.bob.address))
        .to.be.revertedWithCustomError(f.portal, "PortalNotRefundable")
        .withArgs(5n);
      await expect(f.portal.connect(f.carol).refundDeposit(3, f.deposits[3], f.carol.address))
        .to.be.revertedWithCustomError(f.portal, "PortalNotPayee")
        .withArgs(f.carol.address, f.bob.address);
      const live = await loadFixture(portalFixture);
      await (await live.portal.connect(live.alice).depositETH(live.alice.address, { value: ETH })).wait();
      const deposit = { from: live.alice.address, to: live.alice.address, token: ZeroAddress, amount: ETH };
      await expect(
        live.portal.connect(live.alice).refundDeposit(0, deposit, live.alice.address),
      ).to.be.revertedWithCustomError(live.portal, "PortalNotRetired");
    });

    it("withdrawals against the last finalized output stay claimable forever after retirement", async function () {
      const f = await loadFixture(retiredFixture);
      await time.increase(365 * DAY);
      await expect(
        f.portal.claimWithdrawal(
          f.withdrawal,
          f.output.index,
          f.output.outputProof,
          f.tree.proof(f.withdrawal),
          f.alice.address,
        ),
      ).to.changeEtherBalances([f.portal, f.alice], [-3n * ETH, 3n * ETH]);
    });

    it("a rollup cannot retire while paused: settle waits for the pause to end (RollupPaused), which holds claims and refunds until then", async function () {
      const f = await loadFixture(portalFixture);
      const expiry = (await time.latest()) + LIFETIME;
      const eph = await createRollup(f.d, f.creator, { chainId: 7005, salt: id("paused"), expiry });
      const portal = await ethers.getContractAt("Portal", await eph.portal());
      await (await portal.connect(f.alice).depositETH(f.alice.address, { value: ETH })).wait();
      await time.increaseTo(expiry + WINDOW);
      // governance pauses it for a year: retiring it now would end the pause early, or freeze it (a retired rollup
      // can no longer be paused or resumed)
      const until = (await time.latest()) + 365 * DAY;
      await (await eph.connect(f.d.deployer).pauseUntil(until)).wait();
      await expect(eph.settle()).to.be.revertedWithCustomError(eph, "RollupPaused").withArgs(until);
      const deposit = { from: f.alice.address, to: f.alice.address, token: ZeroAddress, amount: ETH };
      await expect(portal.refundDeposit(0, deposit, f.alice.address)).to.be.revertedWithCustomError(
        portal,
        "PortalNotRetired",
      );
      // governance lifts it early (a later, shorter pause), then anyone settles and the deposit is refunded
      const soon = (await time.latest()) + 60;
      await (await eph.connect(f.d.deployer).pauseUntil(soon)).wait();
      await time.increaseTo(soon);
      await (await eph.settle()).wait();
      await expect(portal.refundDeposit(0, deposit, f.alice.address)).to.changeEtherBalance(f.alice, ETH);
    });
  });
});
