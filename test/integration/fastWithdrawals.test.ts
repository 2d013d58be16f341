// A fast withdrawal's whole life on the real services: MACH members certify a dishonest output (a withdrawal of ALT to
// an attacker it invented), the attacker takes it fast within the certificate's cover, VITAL invalidates the output,
// the signers are reported and slashed, the slash is redistributed to the portal, and every depositor is then paid in
// full against the honest output that replaces it.
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { id, ZeroHash } from "ethers";
import type { Portal } from "../../typechain-types";
import { ALT } from "../helpers/constants";
import { DAY } from "../helpers/time";
import { addOperators, certificate, deployServices, joinAndCount, launchRollup } from "../helpers/services";
import { outputRootOf } from "../../tasks/lib/rollups";
import { WithdrawalsTree, type Withdrawal } from "../../tasks/lib/withdrawals";

const CHALLENGE = 7 * DAY;
const INTERVAL = 1_800n;
/** Five members, 1,500 ALT allocated each to the rollup's MACH set and as much to its VITAL set. */
const MEMBER_STAKE = 1_500n * ALT;
const MEMBERS = 5;
const DEPOSIT = 1_000n * ALT;
const STOLEN = 300n * ALT;

describe("Fast withdrawals on the real services", function () {
  async function fastFixture() {
    const d = await deployServices();
    const [creator, alice, attacker] = d.users;
    const ops = await addOperators(d, "fast", Array(MEMBERS).fill(2n * MEMBER_STAKE));
    const rollup = await launchRollup(d, creator, { chainId: 930_001, salt: id("fast-withdrawals") });
    const rollupAddress = await rollup.getAddress();
    await joinAndCount(d, d.vital, rollupAddress, ops, Array(MEMBERS).fill(MEMBER_STAKE));
    await joinAndCount(d, d.mach, rollupAddress, ops, Array(MEMBERS).fill(MEMBER_STAKE));
    const portal = (await ethers.getContractAt("Portal", await rollup.portal())) as unknown as Portal;
    const portalAddress = await portal.getAddress();
    // alice deposits 1,000 ALT; the sequencer (the creator) includes it
    await (await d.token.connect(alice).approve(portalAddress, DEPOSIT)).wait();
    await (await portal.connect(alice).depositERC20(await d.token.getAddress(), DEPOSIT, alice.address)).wait();
    await (await rollup.connect(creator).appendBatch(id("batch 0"), 1)).wait();
    return { d, creator, alice, attacker, ops, rollup, rollupAddress, portal, portalAddress };
  }
  type Fixture = Awaited<ReturnType<typeof fastFixture>>;

  /** Proposes the next output committing to `withdrawals`; returns its index, root and proof parts. */
  async function propose(f: Fixture, withdrawals: Withdrawal[], state: string) {
    const tree = new WithdrawalsTree(withdrawals);
    const index = await f.rollup.outputCount();
    const l2BlockNumber = INTERVAL * (index + 1n);
    const parentRoot = index === 0n ? ZeroHash : (await f.rollup.output(index - 1n)).root;
    await (await f.rollup.connect(f.creator).proposeOutput(l2BlockNumber, id(state), tree.root)).wait();
    const outputProof = { withdrawalsRoot: tree.root, batchRoot: await f.rollup.batchRoot(), parentRoot };
    const root = outputRootOf({
      l2BlockNumber,
      stateRoot: id(state),
      withdrawalsRoot: tree.root,
      batchCount: await f.rollup.batchCount(),
      batchRoot: outputProof.batchRoot,
      parentRoot,
    });
    expect((await f.rollup.output(index)).root).to.equal(root);
    return { index, l2BlockNumber, root, tree, outputProof };
  }

  it("a dishonest output's fast withdrawals, certified by MACH and invalidated by VITAL, are made good by its signers' slash: every depositor is paid in full", async function () {
    const f = await loadFixture(fastFixture);
    const { d } = f;
    const alt = await d.token.getAddress();
    // the dishonest output: two ALT withdrawals to the attacker that the L2 never made
    const theft: Withdrawal = {
      nonce: 0n,
      sender: f.attacker.address,
      recipient: f.attacker.address,
      token: alt,
      amount: STOLEN,
    };
    const more: Withdrawal = { ...theft, nonce: 1n, amount: 100n * ALT };
    const bad = await propose(f, [theft, more], "forged state");
    // every member signs it: the cover is 7,500 ALT × 5 % = 375 ALT
    const quorum = await certificate(d, f.rollupAddress, bad.index, bad.l2BlockNumber, bad.root, f.ops);
    const cover = (BigInt(MEMBERS) * MEMBER_STAKE * BigInt(d.config.mach.invalidCertificateBps)) / 10_000n;
    expect(cover).to.equal(375n * ALT);
    await expect(d.mach.certify(f.rollupAddress, bad.index, bad.l2BlockNumber, bad.root, quorum))
      .to.emit(f.rollup, "OutputFastFinalized")
      .withArgs(bad.index, cover);

    // the attacker takes 300 ALT at once; 100 more would pass the cover
    await expect(
      f.portal.claimWithdrawal(theft, bad.index, bad.outputProof, bad.tree.proof(theft), f.attacker.address),
    ).to.changeTokenBalances(d.token, [f.attacker, f.portal], [STOLEN, -STOLEN]);
    await expect(f.portal.claimWithdrawal(more, bad.index, bad.outputProof, bad.tree.proof(more), f.attacker.address))
      .to.be.revertedWithCustomError(f.portal, "PortalFastLimit")
      .withArgs(bad.index, STOLEN + 100n * ALT, cover);

    // VITAL: a member challenges, four fifths of the set vote it invalid
    const challenger = f.ops[4];
    const [, bond] = await d.vital.parameters();
    await (await d.token.connect(d.funder).transfer(challenger.address, bond)).wait();
    await (await d.token.connect(challenger.account).approve(await d.vital.getAddress(), bond)).wait();
    const challengeId = await d.vital.challengeCount();
    await (await d.vital.connect(challenger.account).challenge(f.rollupAddress, bad.index)).wait();
    for (const op of f.ops.slice(0, 4)) await (await d.vital.connect(op.account).vote(challengeId, true)).wait();
    expect(await f.rollup.invalidatedAt(bad.l2BlockNumber, bad.root)).to.not.equal(0n);
    await expect(f.portal.settleFastWithdrawals(8))
      .to.emit(f.portal, "FastWithdrawalsSettled")
      .withArgs(STOLEN, STOLEN);
    expect(await f.portal.fastDeficit()).to.equal(STOLEN);

    // the signers reported (anyone), slashed after the veto window: their ALT comes to the portal
    const firstId = await d.slashingManager.requestCount();
    const signers = f.ops.map((op) => op.address);
    await (
      await d.mach.reportInvalidCertificate(f.rollupAddress, bad.index, bad.l2BlockNumber, bad.root, quorum, signers)
    ).wait();
    await time.increaseTo((await d.slashingManager.request(firstId + BigInt(MEMBERS) - 1n)).executableAt);
    for (let i = 0n; i < BigInt(MEMBERS); i++) await (await d.slashingManager.execute(firstId + i)).wait();
    await expect(f.portal.recoverSlashProceeds()).to.emit(f.portal, "SlashProceedsRecovered").withArgs(cover, 0n);
    expect([await f.portal.fastRecovered(), await f.portal.fastDeficit()]).to.deep.equal([cover, 0n]);

    // the honest output: alice withdraws all she deposited, paid in full once it is final
    const honest: Withdrawal = {
      nonce: 0n,
      sender: f.alice.address,
      recipient: f.alice.address,
      token: alt,
      amount: DEPOSIT,
    };
    const good = await propose(f, [honest], "true state");
    expect(good.index).to.equal(bad.index);
    await time.increase(CHALLENGE);
    await (await f.rollup.finalize(good.index)).wait();
    expect(await d.token.balanceOf(f.portalAddress)).to.equal(DEPOSIT - STOLEN + cover);
    await expect(
      f.portal.claimWithdrawal(honest, good.index, good.outputProof, good.tree.proof(honest), f.alice.address),
    ).to.changeTokenBalances(d.token, [f.alice, f.portal], [DEPOSIT, -DEPOSIT]);
    // what the slash brought beyond the loss stays with the portal, a reserve for its depositors
    expect(await d.token.balanceOf(f.portalAddress)).to.equal(cover - STOLEN);
  });
});
