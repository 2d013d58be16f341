// Gas snapshot of the bridge (suite "bridge" of test/gas/snapshot.json): deposits of ETH and of an ERC20 (SPEC 7: ≤ 80,000
// and ≤ 110,000) and a withdrawal claimed with a 20-level proof (≤ 150,000 to prove and claim). See test/helpers/gas.ts.
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { concat, id, keccak256, MaxUint256, ZeroAddress, ZeroHash } from "ethers";
import type { Portal } from "../../typechain-types";
import { describeGas } from "../helpers/gas";
import { DAY } from "../helpers/time";
import { createRollup, deployRollups } from "../helpers/rollups";
import { withdrawalHash, type Withdrawal } from "../../tasks/lib/withdrawals";

/** SPEC 7: deposit ETH ≤ 80,000, deposit ERC20 ≤ 110,000, prove + claim a withdrawal (20-level proof) ≤ 150,000. */
const DEPOSIT_ETH_BUDGET = 80_000;
const DEPOSIT_ERC20_BUDGET = 110_000;
const CLAIM_BUDGET = 150_000;
const ETH = 10n ** 18n;
const CHALLENGE = 7 * DAY;
const OUTPUT_INTERVAL = 1_800n; // template 0
const LEVELS = 20;

/** OpenZeppelin MerkleProof's pair hash: keccak256 of the two nodes, smaller first. */
const hashPair = (a: string, b: string) => keccak256(BigInt(a) < BigInt(b) ? concat([a, b]) : concat([b, a]));

/** A 20-level proof of `leaf` (siblings named by index, the first `first` if given) and the root it proves. */
function deepProof(leaf: string, first?: string): { proof: string[]; root: string } {
  const proof = Array.from({ length: LEVELS }, (_, i) => (i === 0 && first ? first : id(`sibling ${i}`)));
  return { proof, root: proof.reduce(hashPair, leaf) };
}

/**
 * A permanent rollup (template 0, VITAL + MACH) of the creator (account 10: owner, sequencer, proposer); its portal
 * already holds ETH and the token (one deposit of each by the depositor, account 11, whose allowance is unlimited), so
 * the deposits measured write no new balance; output 0 commits to a 20-level withdrawals tree and is Finalized.
 */
async function bridgeGasFixture() {
  const d = await deployRollups();
  const [creator, depositor, recipient, , , deployer] = d.users;
  const rollup = await createRollup(d, creator, { chainId: 200_001, salt: id("gas-bridge") });
  const portal = (await ethers.getContractAt("Portal", await rollup.portal())) as unknown as Portal;
  const token = await ethers.deployContract("MockERC20", ["Bridged", "BRG"], deployer);
  await token.mint(depositor, 1_000n * ETH);
  await token.connect(depositor).approve(portal, MaxUint256);
  await portal.connect(depositor).depositETH(depositor, { value: ETH });
  await portal.connect(depositor).depositERC20(token, 100n * ETH, depositor);
  const eth: Withdrawal = {
    nonce: 17n,
    sender: depositor.address,
    recipient: recipient.address,
    token: ZeroAddress,
    amount: ETH / 2n,
  };
  const erc20: Withdrawal = { ...eth, nonce: 18n, token: await token.getAddress(), amount: 3n * ETH };
  const proofs = [deepProof(withdrawalHash(eth)), deepProof(withdrawalHash(erc20))];
  // one root for both: the ERC20 leaf's proof is the ETH leaf's, but for its own leaf; propose and finalize two outputs
  await rollup.connect(creator).proposeOutput(OUTPUT_INTERVAL, id("state-0"), proofs[0].root);
  const parentRoot = (await rollup.output(0)).root;
  await rollup.connect(creator).proposeOutput(2n * OUTPUT_INTERVAL, id("state-1"), proofs[1].root);
  await time.increase(CHALLENGE);
  await rollup.finalize(0);
  await rollup.finalize(1);
  const batchRoot = await rollup.batchRoot();
  const outputProofs = [
    { withdrawalsRoot: proofs[0].root, batchRoot, parentRoot: ZeroHash },
    { withdrawalsRoot: proofs[1].root, batchRoot, parentRoot },
  ];
  return { ...d, creator, depositor, recipient, rollup, portal, token, eth, erc20, proofs, outputProofs };
}

/**
 * The bridge fixture, the portal also holding ALT (a deposit of 1,000), and `count` more outputs (2, 3, ...) each
 * committing to one ALT withdrawal of 1 ALT (20-level proofs) and fast-finalized by MACH with a cover of 100 ALT.
 */
async function fastOutputs(count: number) {
  const f = await loadFixture(bridgeGasFixture);
  const alt = await f.factory.alt();
  const altToken = await ethers.getContractAt("AltToken", alt);
  await altToken.connect(f.depositor).approve(f.portal, MaxUint256);
  await f.portal.connect(f.depositor).depositERC20(alt, 1_000n * ETH, f.depositor);
  const outputs = [];
  for (let i = 0; i < count; i++) {
    // two ALT withdrawals, each the other's first sibling: one root
    const w: Withdrawal = { ...f.eth, nonce: 100n + BigInt(i), token: alt, amount: ETH };
    const w2: Withdrawal = { ...w, nonce: 200n + BigInt(i) };
    const { proof, root } = deepProof(withdrawalHash(w), withdrawalHash(w2));
    const proof2 = deepProof(withdrawalHash(w2), withdrawalHash(w)).proof;
    const index = await f.rollup.outputCount();
    const parentRoot = (await f.rollup.output(index - 1n)).root;
    await f.rollup.connect(f.creator).proposeOutput((index + 1n) * OUTPUT_INTERVAL, id(`state-${index}`), root);
    const o = await f.rollup.output(index);
    await f.rollup.connect(f.mach).fastFinalize(index, o.l2BlockNumber, o.root, 100n * ETH);
    const outputProof = { withdrawalsRoot: root, batchRoot: await f.rollup.batchRoot(), parentRoot };
    outputs.push({ w, w2, index, proof, proof2, outputProof });
  }
  return { ...f, altToken, outputs };
}

describeGas("bridge", __filename, (gas) => {
  it("depositETH", async function () {
    const f = await loadFixture(bridgeGasFixture);
    await gas.recordTx(
      "depositETH: to L2 (portal already holds ETH; the rollup's queue not empty)",
      f.portal.connect(f.depositor).depositETH(f.depositor, { value: 2n * ETH }),
      { budget: DEPOSIT_ETH_BUDGET },
    );
    expect(await f.rollup.queueLength()).to.equal(3n);
  });

  it("depositERC20", async function () {
    const f = await loadFixture(bridgeGasFixture);
    await gas.recordTx(
      "depositERC20: to L2 (portal and depositor already hold the token; allowance unlimited)",
      f.portal.connect(f.depositor).depositERC20(f.token, 5n * ETH, f.depositor),
      { budget: DEPOSIT_ERC20_BUDGET },
    );
    expect(await f.token.balanceOf(f.portal)).to.equal(105n * ETH);
  });

  it("claimWithdrawal, ETH, 20-level proof", async function () {
    const f = await loadFixture(bridgeGasFixture);
    const before = await ethers.provider.getBalance(f.recipient);
    await gas.recordTx(
      "claimWithdrawal: ETH, 20-level proof against a Finalized output, proven and claimed in one call (recipient " +
        "already holds ETH)",
      f.portal.claimWithdrawal(f.eth, 0, f.outputProofs[0], f.proofs[0].proof, f.recipient),
      { budget: CLAIM_BUDGET },
    );
    expect(await ethers.provider.getBalance(f.recipient)).to.equal(before + ETH / 2n);
  });

  it("claimWithdrawal, ERC20, 20-level proof", async function () {
    const f = await loadFixture(bridgeGasFixture);
    await gas.recordTx(
      "claimWithdrawal: ERC20, 20-level proof against a Finalized output with a parent (recipient holds none of " +
        "the token)",
      f.portal.claimWithdrawal(f.erc20, 1, f.outputProofs[1], f.proofs[1].proof, f.recipient),
      { budget: CLAIM_BUDGET },
    );
    expect(await f.token.balanceOf(f.recipient)).to.equal(3n * ETH);
  });

  it("claimWithdrawal, ALT, fast", async function () {
    const { portal, outputs, recipient, altToken } = await fastOutputs(1);
    const [o] = outputs;
    const before = await altToken.balanceOf(recipient);
    await gas.recordTx(
      "claimWithdrawal: ALT, 20-level proof against a FastFinalized output (the portal's first fast withdrawal: " +
        "its ledger and a new entry written, nothing to settle; recipient holds ALT)",
      portal.claimWithdrawal(o.w, o.index, o.outputProof, o.proof, recipient),
    );
    await gas.recordTx(
      "claimWithdrawal: ALT, 20-level proof against a FastFinalized output (another fast withdrawal against the " +
        "same output: its entry grows)",
      portal.claimWithdrawal(o.w2, o.index, o.outputProof, o.proof2, recipient),
      { budget: CLAIM_BUDGET },
    );
    expect(await portal.fastExposure()).to.equal(2n * ETH);
    expect(await altToken.balanceOf(recipient)).to.equal(before + 2n * ETH);
  });

  it("claimWithdrawal, ALT, fast, settling 8", async function () {
    const f = await fastOutputs(9);
    // eight fast withdrawals against outputs 2..9, each its own entry; those outputs then finalize
    for (const o of f.outputs.slice(0, 8)) {
      await f.portal.claimWithdrawal(o.w, o.index, o.outputProof, o.proof, f.recipient);
    }
    await time.increase(CHALLENGE);
    for (const o of f.outputs.slice(0, 8)) await f.rollup.finalize(o.index);
    const last = f.outputs[8];
    await gas.recordTx(
      "claimWithdrawal: ALT, 20-level proof against a FastFinalized output, settling 8 earlier fast withdrawals " +
        "(SYNC_BATCH, their outputs Finalized) first",
      f.portal.claimWithdrawal(last.w, last.index, last.outputProof, last.proof, f.recipient),
    );
    expect(await f.portal.fastExposure()).to.equal(ETH);
  });
});
