// Gas snapshot of the restaked services (suite "services" of test/gas/snapshot.json): MACH v2 (issue 17) certificates
// by set size with every member signing (flat: budget 250,000) and with non-signers (their slope: budget 15,000 each),
// BLS key registration and rotation, the first and a later join of a MACH set (its aggregate key), the equivocation
// proof and an invalid certificate's report; VITAL challenge and votes, SQUAD batch posting and a missed-slot report.
// See test/helpers/gas.ts.
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { id, Wallet, ZeroAddress, ZeroHash } from "ethers";
import { describeGas } from "../helpers/gas";
import { coverageRunning } from "../helpers/coverage";
import { ALT } from "../helpers/constants";
import { nextEpoch } from "../helpers/time";
import {
  addOperators,
  attest,
  certificate,
  deployServices,
  joinAndCount,
  launchRollup,
  SERVICE,
  setParams,
  type Operator,
  type ServicesDeployment,
} from "../helpers/services";
import { firstOutputRoot } from "../helpers/rollups";
import { blsPublicKey, blsSecretFrom, keyRegistration } from "../../tasks/lib/mach";
import { aggregateG2, decodeG2, encodeG2 } from "../../tasks/lib/bls";

/** Issue 17: a MACH certificate with every member signing costs at most 250,000 gas, whatever the set's size. */
const CERTIFY_BUDGET = 250_000;
/** Issue 17: each non-signer adds at most 15,000 gas. */
const NON_SIGNER_BUDGET = 15_000;
const SNAPSHOT_SIZES = [10, 100, 256];
/** The non-signer figures' set size, and their two counts (the slope is taken between them). */
const NON_SIGNER_SET = 100;
const NON_SIGNERS = [1, 33];
const OUTPUT_INTERVAL = 1_800n;
/** Output 0's state root, and its output root (what MACH signs): proposed before any batch, with no parent. */
const STATE_ROOT = id("output-0");
const ROOT = firstOutputRoot(OUTPUT_INTERVAL, STATE_ROOT);

/** 256 operators (OperatorSets.MAX_SET_SIZE) staking 10,000 ALT each, each with its BLS key. */
async function operatorsFixture() {
  const d = await deployServices();
  const operators = await addOperators(d, "gas", Array(256).fill(10_000n * ALT));
  return { ...d, operators };
}

/** A VITAL + MACH rollup (account 10 owns and proposes) whose MACH set is the first `size` operators, counted in the current epoch; output 0 proposed. */
async function machRollup(d: ServicesDeployment & { operators: Operator[] }, size: number) {
  const owner = d.users[0];
  const rollup = await launchRollup(d, owner, { chainId: 70_000 + size, salt: id(`gas-mach-${size}`) });
  const address = await rollup.getAddress();
  await (await d.mach.updateRollupSet(address, setParams(d, { minStake: 0n, maxSize: 256n }))).wait();
  const setId = await joinAndCount(d, d.mach, address, d.operators.slice(0, size));
  await (await rollup.connect(owner).proposeOutput(OUTPUT_INTERVAL, STATE_ROOT, ZeroHash)).wait();
  return { rollup, address, setId };
}

const machFixtures = Object.fromEntries(
  SNAPSHOT_SIZES.map((size) => [
    size,
    // a named function per size (loadFixture refuses anonymous ones, and keys fixtures by function)
    async function machSetFixture() {
      const f = await loadFixture(operatorsFixture);
      return { ...f, ...(await machRollup(f, size)) };
    },
  ]),
);

/**
 * certify of output 0 in a `size`-member set (equal stakes) by every member but the first `nonSigners` in address
 * order (the quorum's epoch the current one); checks the event's figures and the output's status, returns the gas.
 */
async function certifyWith(size: number, nonSigners = 0) {
  const f = await loadFixture(machFixtures[size]);
  const members = f.operators.slice(0, size);
  const left = new Set(
    [...members].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1)).slice(0, nonSigners),
  );
  const signers = members.filter((op) => !left.has(op));
  const quorum = await certificate(f, f.address, 0n, OUTPUT_INTERVAL, ROOT, signers);
  expect(quorum.nonSigners).to.have.length(nonSigners);
  const tx = f.mach.certify(f.address, 0, OUTPUT_INTERVAL, ROOT, quorum);
  const stake = 10_000n * ALT;
  await expect(tx)
    .to.emit(f.mach, "Certified")
    .withArgs(
      f.address,
      0n,
      OUTPUT_INTERVAL,
      ROOT,
      quorum.epoch,
      quorum.nonSigners,
      BigInt(size - nonSigners) * stake,
      BigInt(size) * stake,
    );
  expect((await f.rollup.output(0)).status).to.equal(2n); // FastFinalized
  return (await (await tx).wait())!.gasUsed;
}

/** certify in the 100-member set with 1 and with 33 non-signers, and the slope per non-signer between them. */
async function nonSignerFigures() {
  const [few, many] = [
    await certifyWith(NON_SIGNER_SET, NON_SIGNERS[0]),
    await certifyWith(NON_SIGNER_SET, NON_SIGNERS[1]),
  ];
  return { few, many, slope: (many - few) / BigInt(NON_SIGNERS[1] - NON_SIGNERS[0]) };
}

/** An operator registered in the restaking registry with no BLS key yet. */
async function keylessFixture() {
  const f = await loadFixture(operatorsFixture);
  const account = new Wallet(id("alt-test-operator:gas-keyless"), hre.ethers.provider);
  await hre.network.provider.send("hardhat_setBalance", [account.address, "0x56BC75E2D63100000"]);
  await (await f.registry.connect(account).registerOperator("ipfs://gas-keyless", 0)).wait();
  return { ...f, account, bls: blsSecretFrom("alt-test-bls:gas-keyless") };
}

/**
 * A VITAL + MACH rollup (account 11 owns and proposes) whose MACH set is operators 0..9 and VITAL set operators 0..8,
 * counted in the current epoch; output 0 proposed, challenged by operator 0 and invalidated by the votes of operators
 * 0..5 (6 of 9 equal stakes: two thirds).
 */
async function invalidatedFixture() {
  const f = await loadFixture(operatorsFixture);
  const owner = f.users[1];
  const rollup = await launchRollup(f, owner, { chainId: 74_000, salt: id("gas-invalid-certificate") });
  const address = await rollup.getAddress();
  const signers = f.operators.slice(0, 10);
  const machSet = await f.mach.setIdOf(address);
  const vitalSet = await f.vital.setIdOf(address);
  for (const op of signers) await (await f.operatorSets.connect(op.account).join(machSet, 1_000n * ALT)).wait();
  for (const op of signers.slice(0, 9))
    await (await f.operatorSets.connect(op.account).join(vitalSet, 1_000n * ALT)).wait();
  await nextEpoch(f.operatorSets);
  await (await rollup.connect(owner).proposeOutput(OUTPUT_INTERVAL, STATE_ROOT, ZeroHash)).wait();
  const [challenger] = signers;
  const [, bond] = await f.vital.parameters();
  await (await f.token.connect(f.funder).transfer(challenger.address, bond)).wait();
  await (await f.token.connect(challenger.account).approve(await f.vital.getAddress(), bond)).wait();
  await (await f.vital.connect(challenger.account).challenge(address, 0)).wait();
  for (let i = 0; i < 6; i++) await (await f.vital.connect(signers[i].account).vote(0, true)).wait();
  expect(await rollup.invalidatedAt(OUTPUT_INTERVAL, ROOT)).to.not.equal(0n);
  return { ...f, rollup, address, signers, machSet };
}

/** A VITAL rollup with 10 members (one third challenges and the rest vote), output 0 proposed and challenged. */
async function vitalFixture() {
  const f = await loadFixture(operatorsFixture);
  const owner = f.users[1];
  const rollup = await launchRollup(f, owner, { chainId: 71_000, salt: id("gas-vital") });
  const address = await rollup.getAddress();
  const members = f.operators.slice(0, 9);
  await joinAndCount(f, f.vital, address, members);
  await (await rollup.connect(owner).proposeOutput(OUTPUT_INTERVAL, STATE_ROOT, ZeroHash)).wait();
  const [challenger] = members;
  const [, bond] = await f.vital.parameters();
  await (await f.token.connect(f.funder).transfer(challenger.address, bond)).wait();
  await (await f.token.connect(challenger.account).approve(await f.vital.getAddress(), bond)).wait();
  return { ...f, rollup, address, members, challenger };
}

async function challengedFixture() {
  const f = await loadFixture(vitalFixture);
  await (await f.vital.connect(f.challenger.account).challenge(f.address, 0)).wait();
  // members 0..4 voted invalid: 5 of 9 equal stakes, one short of two thirds (6 of 9)
  for (let i = 0; i < 5; i++) await (await f.vital.connect(f.members[i].account).vote(0, true)).wait();
  return f;
}

/**
 * A SQUAD rollup (account 12 owns it) whose set has one member, joined an hour into a fresh epoch and drawn from two
 * epochs later (an epoch's leaders come from the allocations counted in the epoch before); `slot` is two slots after
 * an hour into that epoch. One member keeps the figures exact: the leader draw (`OperatorSets.drawAt`) reads the
 * bucket totals up to the leader's bucket and the positions in it up to the leader, a path the seed decides (the
 * worst case at 256 members is measured by the max-size e2e test).
 */
async function squadFixture() {
  const f = await loadFixture(operatorsFixture);
  const owner = f.users[2];
  const rollup = await launchRollup(f, owner, {
    chainId: 72_000,
    salt: id("gas-squad"),
    sequencer: ZeroAddress,
    services: SERVICE.SQUAD,
  });
  const address = await rollup.getAddress();
  await time.increaseTo((await f.operatorSets.epochStart((await f.operatorSets.currentEpoch()) + 1n)) + 3_600n);
  const members = f.operators.slice(0, 1);
  await joinAndCount(f, f.squad, address, members);
  // an epoch's leaders are drawn from the allocations counted in the epoch before
  await nextEpoch(f.operatorSets);
  await time.increaseTo((await time.latest()) + 3_600);
  const [slotLength] = await f.squad.parameters();
  const slot = BigInt(await time.latest()) / slotLength + 2n;
  await time.increaseTo(slot * slotLength);
  expect(await f.squad.leaderAt(address, slot)).to.equal(members[0].address);
  return { ...f, rollup, address, members, slot, slotLength };
}

/**
 * A rollup with VITAL, MACH and SQUAD whose three sets have 4 members each (2,000 ALT allocated by each), counted in the
 * current epoch; its fees streamed once in the previous epoch, so each set has a reward-per-stake checkpoint already.
 */
async function streamingFixture() {
  const f = await loadFixture(operatorsFixture);
  const owner = f.users[3];
  const rollup = await launchRollup(f, owner, {
    chainId: 73_000,
    salt: id("gas-stream"),
    sequencer: ZeroAddress,
    services: SERVICE.VITAL | SERVICE.MACH | SERVICE.SQUAD,
  });
  const address = await rollup.getAddress();
  const members = f.operators.slice(100, 104);
  const allocation = members.map(() => 2_000n * ALT);
  for (const service of [f.vital, f.mach, f.squad]) {
    await (await service.updateRollupSet(address, setParams(f, { minStake: 0n, maxSize: 256n }))).wait();
    await joinAndCount(f, service, address, members, allocation);
  }
  await (await rollup.streamFees()).wait();
  await nextEpoch(f.operatorSets);
  return { ...f, rollup, address };
}

describeGas("services", __filename, (gas) => {
  for (const size of SNAPSHOT_SIZES) {
    it(`MACH certify, ${size} of ${size} members signing`, async function () {
      gas.record(
        `MACH certify: ${size} of ${size} members sign, no non-signer (equal stakes; output proposed; one pairing ` +
          "check against the set's aggregate key)",
        await certifyWith(size),
        { budget: CERTIFY_BUDGET },
      );
    });
  }

  it(`MACH certify with ${NON_SIGNERS[0]} and ${NON_SIGNERS[1]} non-signers of ${NON_SIGNER_SET}, and the slope per non-signer`, async function () {
    const { few, many, slope } = await nonSignerFigures();
    const [a, b] = NON_SIGNERS;
    gas.record(`MACH certify: ${NON_SIGNER_SET - a} of ${NON_SIGNER_SET} members sign, ${a} non-signer`, few);
    gas.record(`MACH certify: ${NON_SIGNER_SET - b} of ${NON_SIGNER_SET} members sign, ${b} non-signers`, many);
    gas.record(
      `MACH certify: per non-signer (${NON_SIGNER_SET} members, (${b} − ${a} non-signers) / ${b - a})`,
      slope,
      {
        budget: NON_SIGNER_BUDGET,
      },
    );
  });

  it("MACH certify of an output on a FastFinalized parent", async function () {
    const f = await loadFixture(machFixtures[10]);
    const members = f.operators.slice(0, 10);
    await (
      await f.mach.certify(
        f.address,
        0,
        OUTPUT_INTERVAL,
        ROOT,
        await certificate(f, f.address, 0n, OUTPUT_INTERVAL, ROOT, members),
      )
    ).wait();
    const owner = f.users[0];
    await (await f.rollup.connect(owner).proposeOutput(2n * OUTPUT_INTERVAL, id("output-1"), ZeroHash)).wait();
    const { l2BlockNumber, root } = await f.rollup.output(1);
    const quorum = await certificate(f, f.address, 1n, l2BlockNumber, root, members);
    const tx = f.mach.certify(f.address, 1, l2BlockNumber, root, quorum);
    // the lower of its cover and its parent's (equal here)
    await expect(tx)
      .to.emit(f.rollup, "OutputFastFinalized")
      .withArgs(1n, (await f.rollup.output(0)).fastLimit * 10n ** 9n);
    gas.record(
      "MACH certify: 10 of 10 members sign, output 1 on a FastFinalized parent (its fastLimit the lower of its " +
        "cover and the parent's: one more read)",
      (await (await tx).wait())!.gasUsed,
    );
  });

  it("BlsKeyRegistry registerKey, the operator's first key", async function () {
    const f = await loadFixture(keylessFixture);
    const { publicKey, proof } = await keyRegistration(f.blsKeys, f.account.address, f.bls);
    const epoch = (await f.operatorSets.currentEpoch()) + 1n;
    const tx = f.blsKeys.connect(f.account).registerKey(publicKey, proof);
    await gas.recordTx(
      "BlsKeyRegistry registerKey: first key (G2 subgroup check, proof of possession hashed to G1 and verified; " +
        "operator in no set)",
      tx,
    );
    await expect(tx).to.emit(f.blsKeys, "KeyRegistered").withArgs(f.account.address, publicKey, epoch);
    await expect(tx).not.to.emit(f.blsKeys, "AggregateKeyUpdated");
    expect(await f.blsKeys.keyOf(f.account.address)).to.equal(publicKey);
  });

  it("BlsKeyRegistry registerKey, a rotation by a member of one MACH set", async function () {
    const f = await loadFixture(machFixtures[10]);
    const [op, ...others] = f.operators.slice(0, 10);
    const secret = blsSecretFrom("alt-test-bls:gas-rotation");
    const { publicKey, proof } = await keyRegistration(f.blsKeys, op.address, secret);
    const epoch = (await f.operatorSets.currentEpoch()) + 1n;
    const tx = f.blsKeys.connect(op.account).registerKey(publicKey, proof);
    await gas.recordTx(
      "BlsKeyRegistry registerKey: rotation, the operator counted in 1 MACH set (its aggregate moved to the new key " +
        "from the next epoch)",
      tx,
    );
    // the set's aggregate from the next epoch: the other nine members' keys and the new one
    const aggregate = encodeG2(aggregateG2([...others.map((o) => decodeG2(blsPublicKey(o.bls))), decodeG2(publicKey)]));
    await expect(tx).to.emit(f.blsKeys, "KeyRegistered").withArgs(op.address, publicKey, epoch);
    await expect(tx).to.emit(f.blsKeys, "AggregateKeyUpdated").withArgs(f.setId, aggregate, epoch);
    expect(await f.blsKeys.aggregateKeyOf(f.setId)).to.equal(aggregate);
  });

  it("OperatorSets join of a MACH set: the first member (aggregate key created) and a later one", async function () {
    const f = await loadFixture(operatorsFixture);
    const rollup = await launchRollup(f, f.users[0], { chainId: 75_000, salt: id("gas-mach-join") });
    const address = await rollup.getAddress();
    const setId = await f.mach.setIdOf(address);
    const [first, second] = f.operators;
    const epoch = (await f.operatorSets.currentEpoch()) + 1n;
    const joined = f.operatorSets.connect(first.account).join(setId, 1_000n * ALT);
    await gas.recordTx(
      "OperatorSets join: a MACH set's first member (the key registry told: the set's aggregate key created; the " +
        "operator's first set)",
      joined,
    );
    await expect(joined).to.emit(f.blsKeys, "AggregateKeyUpdated").withArgs(setId, blsPublicKey(first.bls), epoch);
    const later = f.operatorSets.connect(second.account).join(setId, 1_000n * ALT);
    await gas.recordTx(
      "OperatorSets join: a MACH set's second member (the set's aggregate key updated; the operator's first set)",
      later,
    );
    const both = encodeG2(aggregateG2([first, second].map((op) => decodeG2(blsPublicKey(op.bls)))));
    await expect(later).to.emit(f.blsKeys, "AggregateKeyUpdated").withArgs(setId, both, epoch);
    expect(await f.blsKeys.aggregateKeyOf(setId)).to.equal(both);
  });

  it("MACH proveEquivocation", async function () {
    const f = await loadFixture(machFixtures[10]);
    const [op] = f.operators;
    const epoch = await f.operatorSets.currentEpoch();
    const attestation = async (root: string) => ({
      outputIndex: 0n,
      l2BlockNumber: OUTPUT_INTERVAL,
      outputRoot: root,
      epoch,
      signature: await attest(f.mach, op, f.address, 0n, OUTPUT_INTERVAL, root, epoch),
    });
    const key = blsPublicKey(op.bls);
    const requestId = await f.slashingManager.requestCount();
    const tx = f.mach.proveEquivocation(
      f.address,
      op.address,
      await attestation(ROOT),
      key,
      await attestation(id("other")),
      key,
    );
    await gas.recordTx(
      "MACH proveEquivocation: two BLS attestations of one block (two hashes to G1 and pairing checks), slash " +
        "request (operator's first request)",
      tx,
    );
    await expect(tx)
      .to.emit(f.mach, "EquivocationProven")
      .withArgs(op.address, f.address, OUTPUT_INTERVAL, ROOT, id("other"), requestId);
    expect(await f.registry.isJailed(op.address)).to.equal(true);
  });

  it("MACH reportInvalidCertificate of one signer", async function () {
    const f = await loadFixture(invalidatedFixture);
    const quorum = await certificate(f, f.address, 0n, OUTPUT_INTERVAL, ROOT, f.signers);
    expect(quorum.nonSigners).to.deep.equal([]);
    const reported = f.signers[1];
    const requestId = await f.slashingManager.requestCount();
    const tx = f.mach.reportInvalidCertificate(f.address, 0, OUTPUT_INTERVAL, ROOT, quorum, [reported.address]);
    await gas.recordTx(
      "MACH reportInvalidCertificate: one signer of an output VITAL invalidated (10-member quorum, no non-signer; " +
        "slash request, the operator's first)",
      tx,
    );
    await expect(tx)
      .to.emit(f.mach, "InvalidCertificateReported")
      .withArgs(f.address, OUTPUT_INTERVAL, ROOT, reported.address, requestId);
    expect(await f.mach.isReported(f.address, OUTPUT_INTERVAL, ROOT, reported.address)).to.equal(true);
    expect(await f.registry.isJailed(reported.address)).to.equal(true);
  });

  it("VITAL challenge", async function () {
    const f = await loadFixture(vitalFixture);
    await gas.recordTx(
      "VITAL challenge: bond pulled (service already holds no ALT), set live in the current epoch (checkpoints)",
      f.vital.connect(f.challenger.account).challenge(f.address, 0),
    );
  });

  it("VITAL vote, below two thirds", async function () {
    const f = await loadFixture(challengedFixture);
    await gas.recordTx(
      "VITAL vote: valid, not deciding (sixth voter)",
      f.vital.connect(f.members[5].account).vote(0, false),
    );
  });

  it("VITAL vote reaching two thirds", async function () {
    const f = await loadFixture(challengedFixture);
    await gas.recordTx(
      "VITAL vote: invalid, reaching two thirds: output invalidated, bond back, proposer not an operator",
      f.vital.connect(f.members[5].account).vote(0, true),
    );
    expect(await f.rollup.outputCount()).to.equal(0n);
  });

  it("rollup streamFees to three services' sets, the first stream of an epoch", async function () {
    const f = await loadFixture(streamingFixture);
    const epoch = await f.operatorSets.currentEpoch();
    const setIds = [
      await f.vital.setIdOf(f.address),
      await f.mach.setIdOf(f.address),
      await f.squad.setIdOf(f.address),
    ];
    const stake = 8_000n * ALT;
    for (const setId of setIds) expect(await f.operatorSets.setStakeAt(setId, epoch)).to.equal(stake);
    const bps = await f.rewards.protocolShareBps();
    const treasury = await f.rewards.treasury();
    const owedBefore = await f.rewards.owedScaled(treasury);
    const streamedBefore = await f.rollup.streamed();
    const tx = f.rollup.streamFees();
    await gas.recordTx(
      "rollup: streamFees (VITAL, MACH and SQUAD sets with stake; the epoch's first stream: a new reward-per-stake " +
        "checkpoint per set, one creditStreamToSets call and one transfer for the three; nothing expired)",
      tx,
    );
    await expect(tx).not.to.emit(f.rollup, "FeesNotCredited");
    await expect(tx).not.to.emit(f.rollup, "FeesExpired");
    const streamed = (await f.rollup.streamed()) - streamedBefore;
    expect(streamed).to.be.greaterThan(0n);
    const share = streamed / 3n;
    const protocol = (share * 10n ** 18n * bps) / 10_000n;
    // each set's rounding remainder goes to the treasury with its protocol share (one write for the three)
    const remainder = (share * 10n ** 18n - protocol) % stake;
    for (const setId of setIds) {
      await expect(tx).to.emit(f.rewards, "FeesCredited").withArgs(setId, f.address, epoch, share, protocol, remainder);
    }
    expect((await f.rewards.owedScaled(treasury)) - owedBefore).to.equal(3n * (protocol + remainder));
  });

  it("SQUAD postBatch by the leader", async function () {
    const f = await loadFixture(squadFixture);
    const tx = f.squad.connect(f.members[0].account).postBatch(f.address, id("batch-0"), 0);
    await gas.recordTx(
      "SQUAD postBatch: the slot's leader, no queue items (rollup's first batch, committing the next epoch's seed; one-member set)",
      tx,
    );
    await expect(tx).to.emit(f.squad, "SeedCommitted");
    expect(await f.rollup.batchCount()).to.equal(1n);
  });

  it("SQUAD revealSeed", async function () {
    const f = await loadFixture(squadFixture);
    await (await f.squad.connect(f.members[0].account).postBatch(f.address, id("batch-0"), 0)).wait();
    const [, target] = await f.squad.seedCommitment(f.address);
    await mine(target - BigInt(await hre.ethers.provider.getBlockNumber()) - 1n);
    const tx = f.squad.revealSeed(f.address);
    await gas.recordTx("SQUAD revealSeed: in the committed block (the rollup's first seed checkpoint)", tx);
    await expect(tx).to.emit(f.squad, "SeedRevealed");
  });

  it("SQUAD reportMiss", async function () {
    const f = await loadFixture(squadFixture);
    await time.increaseTo((f.slot + 1n) * f.slotLength);
    await gas.recordTx(
      "SQUAD reportMiss: the leader's first miss (one-member set)",
      f.squad.reportMiss(f.address, f.slot),
    );
  });
});

describe("Gas budgets (services): MACH v2 certificates (issue 17)", function () {
  this.timeout(10 * 60_000);
  before(function () {
    if (coverageRunning()) this.skip(); // instrumented bytecode: gas figures mean nothing
  });

  it(`certify with every member signing stays within ${CERTIFY_BUDGET.toLocaleString("en-US")} gas, flat in the set's size (10, 100, 256 members)`, async function () {
    const figures = [];
    for (const size of SNAPSHOT_SIZES) figures.push(Number(await certifyWith(size)));
    for (const figure of figures) expect(figure).to.be.at.most(CERTIFY_BUDGET);
    // nothing is read or sent per member: only the calldata's zero bytes (the signature's) differ
    expect(Math.max(...figures) - Math.min(...figures)).to.be.at.most(500);
  });
});
