// Gas snapshot of the rollup layer (suite "rollups" of test/gas/snapshot.json): rollup creation (SPEC 7: ≤ 400,000;
// the commitment that comes first is measured on its own) and the operations a live rollup sees most: batches, outputs
// and forced inclusion. See test/helpers/gas.ts.
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { id, MaxUint256, ZeroHash } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { RollupFactory } from "../../typechain-types";
import { describeGas } from "../helpers/gas";
import { ALT } from "../helpers/constants";
import { HOUR, days } from "../helpers/time";
import { SERVICE, TEMPLATE, commitRollup, createParams, createRollup, deployRollups } from "../helpers/rollups";

/** SPEC 7: create rollup ≤ 400,000. */
const CREATE_ROLLUP_BUDGET = 400_000;
const FEE_RATE = ALT / 1_000n; // hardhat.json: 0.001 ALT per service per second
const LIFETIME = days(30);
/** VITAL + MACH for 30 days: exactly what the factory requires. */
const PREPAID = FEE_RATE * 2n * BigInt(LIFETIME);
const QUEUE_FEE = ALT;
const OUTPUT_INTERVAL = 1_800n; // template 0

/**
 * The first timestamp from `latest + 1` whose expiry (`+ 30 days`) has no zero byte, so that the calldata of a
 * creation (which carries the expiry) costs the same whenever the suite runs.
 */
async function creationTimestamp(): Promise<number> {
  let t = (await time.latest()) + 1;
  const hasZeroByte = (n: number) => [0, 1, 2, 3].some((i) => ((n >>> (8 * i)) & 0xff) === 0);
  while (hasZeroByte(t + LIFETIME)) t++;
  return t;
}

/**
 * Parameters of an ephemeral (30 days) template 0 rollup with VITAL + MACH, prepaid exactly, to be created in the next
 * block (whose timestamp this sets). The creator committed to its chain ID and salt first.
 */
async function ephemeralParams(factory: RollupFactory, creator: HardhatEthersSigner, salt: string, chainId: number) {
  await commitRollup(factory, creator, { chainId, salt: id(salt) });
  const t = await creationTimestamp();
  await time.setNextBlockTimestamp(t);
  return {
    templateId: TEMPLATE.OPStack,
    chainId,
    services: SERVICE.VITAL | SERVICE.MACH,
    expiry: t + LIFETIME,
    prepaidFees: PREPAID,
    salt: id(salt),
  };
}

/**
 * The rollup layer as deployed; the creator (account 10: owner, sequencer and proposer) created one ephemeral rollup
 * (template 0, VITAL + MACH, 30 days); a payer (account 11, unlimited allowance to the rollup) queued one transaction,
 * which the first batch included; the first output is proposed. Every counter of the rollup is non-zero.
 */
async function rollupsGasFixture() {
  const d = await deployRollups();
  const [creator, payer, keeper] = d.users;
  const rollup = await createRollup(d, creator, await ephemeralParams(d.factory, creator, "gas-first", 100_001));
  await d.token.connect(payer).approve(rollup, MaxUint256);
  await rollup.connect(payer).queueTransaction(id("tx-0"), QUEUE_FEE);
  await rollup.connect(creator).appendBatch(id("batch-0"), 1);
  await rollup.connect(creator).proposeOutput(OUTPUT_INTERVAL, id("output-0"), ZeroHash);
  expect(await rollup.queueHead()).to.equal(1n);
  return { ...d, creator, payer, keeper, rollup };
}

/** A second transaction is queued (not yet due). */
async function queuedGasFixture() {
  const f = await loadFixture(rollupsGasFixture);
  await f.rollup.connect(f.payer).queueTransaction(id("tx-1"), QUEUE_FEE);
  return f;
}

/** The second queued transaction is overdue: its deadline (12 hours after it was queued) has passed. */
async function overdueGasFixture() {
  const f = await loadFixture(queuedGasFixture);
  await time.increase(12 * HOUR + 1);
  return f;
}

describeGas("rollups", __filename, (gas) => {
  it("commitRollup", async function () {
    const f = await loadFixture(rollupsGasFixture);
    const commitment = await f.factory.rollupCommitment(f.creator, 100_002, id("gas-second"));
    await gas.recordTx(
      "commitRollup: a new commitment (creator's second rollup)",
      f.factory.connect(f.creator).commitRollup(commitment),
    );
    expect(await f.factory.committedAt(commitment)).to.equal(await time.latest());
  });

  it("createRollup", async function () {
    const f = await loadFixture(rollupsGasFixture);
    const params = createParams(f.creator.address, await ephemeralParams(f.factory, f.creator, "gas-second", 100_002));
    const predicted = await f.factory.predictRollupAddress(f.creator.address, TEMPLATE.OPStack, params.salt);
    const tx = f.factory.connect(f.creator).createRollup(params);
    await gas.recordTx(
      "createRollup: template 0 (OP Stack), VITAL + MACH, ephemeral 30 days, empty daConfig (creator's second " +
        "rollup: treasury already holds ALT; new clone and chain ID)",
      tx,
      { budget: CREATE_ROLLUP_BUDGET },
    );
    expect(await f.factory.rollupByChainId(100_002)).to.equal(predicted);
    expect(await f.factory.rollupCount()).to.equal(2n);
  });

  it("appendBatch, no queue items", async function () {
    const f = await loadFixture(rollupsGasFixture);
    await gas.recordTx(
      "appendBatch: no queue items (rollup's second batch; queue empty)",
      f.rollup.connect(f.creator).appendBatch(id("batch-1"), 0),
    );
    expect(await f.rollup.batchCount()).to.equal(2n);
  });

  it("appendBatch, including 1 queued item", async function () {
    const f = await loadFixture(queuedGasFixture);
    const before = await f.token.balanceOf(f.creator);
    await gas.recordTx(
      "appendBatch: including 1 queued item, its fee to the poster (rollup's second batch; poster already holds ALT)",
      f.rollup.connect(f.creator).appendBatch(id("batch-1"), 1),
    );
    expect(await f.rollup.queueHead()).to.equal(2n);
    expect(await f.token.balanceOf(f.creator)).to.equal(before + QUEUE_FEE);
  });

  it("proposeOutput", async function () {
    const f = await loadFixture(rollupsGasFixture);
    await gas.recordTx(
      "proposeOutput: optimistic, at the next interval (rollup's second output)",
      f.rollup.connect(f.creator).proposeOutput(2n * OUTPUT_INTERVAL, id("output-1"), ZeroHash),
    );
    expect(await f.rollup.outputCount()).to.equal(2n);
  });

  it("forceInclude, 1 overdue item", async function () {
    const f = await loadFixture(overdueGasFixture);
    const before = await f.token.balanceOf(f.keeper);
    await gas.recordTx(
      "forceInclude: 1 overdue item, its fee to the caller (rollup's second batch; caller already holds ALT)",
      f.rollup.connect(f.keeper).forceInclude(1),
    );
    expect(await f.rollup.queueHead()).to.equal(2n);
    expect(await f.token.balanceOf(f.keeper)).to.equal(before + QUEUE_FEE);
  });

  it("queueTransaction", async function () {
    const f = await loadFixture(rollupsGasFixture);
    await gas.recordTx(
      "queueTransaction: 1 ALT fee (queue's second item; rollup already holds ALT, payer's allowance unlimited)",
      f.rollup.connect(f.payer).queueTransaction(id("tx-1"), QUEUE_FEE),
    );
    expect(await f.rollup.queueLength()).to.equal(2n);
  });
});
