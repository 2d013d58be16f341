import { ZeroHash } from "ethers";
// The rollup clone (contracts/rollups/Rollup.sol): initialization, batches, forced inclusion, outputs, lifecycle and
// fee streaming. Every rollup is created through the real factory (the staged deployment of test/helpers/rollups.ts)
// at a timestamp the test fixes, so every fee, deadline and boundary below is computed independently in bigint math.
import { expect } from "chai";
import { ethers } from "hardhat";
import {
  impersonateAccount,
  loadFixture,
  setBalance,
  setCode,
  stopImpersonatingAccount,
  time,
} from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { IRollupFactory } from "../../typechain-types/contracts/rollups/RollupFactory";
import type { Rollup } from "../../typechain-types";
import { ALT } from "../helpers/constants";
import { DAY, HOUR, nextEpoch } from "../helpers/time";
import {
  DA,
  OUTPUT_BOND,
  SERVICE,
  TEMPLATE,
  challengerShare,
  commitRollup,
  createParams,
  createRollup,
  deployRollups,
  nextEpochStart,
  streamEachEpoch,
  templateStruct,
} from "../helpers/rollups";
import type { RollupsDeployment } from "../helpers/rollups";
import { outputRootOf, queuedHash } from "../../tasks/lib/rollups";

const coder = ethers.AbiCoder.defaultAbiCoder();

/** deploy/parameters/hardhat.json "rollups": 0.001 ALT per service per second, settlement window 7 days. */
const RATE = ALT / 1_000n;
const WINDOW = 7 * DAY;
/** Optimistic templates: 7-day challenge period, an output every 1,800 L2 blocks; validity templates: every 600. */
const CHALLENGE = 7 * DAY;
const OP_INTERVAL = 1_800n;
const ZK_INTERVAL = 600n;
/** Rollup.INCLUSION_DELAY. */
const INCLUSION_DELAY = 12 * HOUR;
/** RollupFactory.MIN_PREPAID_DURATION: what a permanent rollup prepays at least. */
const MIN_PREPAID = 30 * DAY;
const LIFETIME = 30 * DAY;
const DEFAULT_FAST_FINALITY_BPS = 6_667n;

/** Overpayment of the ephemeral rollup beyond its lifetime's fees: refunded at settlement. */
const EXTRA = 7n * ALT + 3n;
/** A permanent rollup's prepayment beyond whole seconds of fees: never streamed, refunded at settlement. */
const DUST = 12_345n;
/** hardhat.json "rollups.minQueueFee": the least fee of a queued transaction (RollupFactory.minQueueFee). */
const MIN_QUEUE_FEE = ALT;
/** Queue fees (odd amounts, above MIN_QUEUE_FEE). */
const FEES = [3n * ALT + 1n, 5n * ALT + 7n, 2n * ALT + 11n];
const TX_HASHES = [ethers.id("tx-0"), ethers.id("tx-1"), ethers.id("tx-2")];
const ROOTS = [ethers.id("root-0"), ethers.id("root-1"), ethers.id("root-2")];
/** hardhat.json: the optimistic templates' output bond (Rollup.outputBond of a rollup with VITAL). */
/** Who opened the VITAL challenge that invalidates an output (gets the challenger's share of its bond). */
const CHALLENGER = ethers.getAddress("0x00000000000000000000000000000000c4a11e49");
const COMMITMENT = ethers.id("commitment-0");
const COMMITMENT_2 = ethers.id("commitment-1");

const Status = { Active: 0n, Settling: 1n, Retired: 2n } as const;
const OutputStatus = { None: 0n, Proposed: 1n, FastFinalized: 2n, Finalized: 3n } as const;

/** keccak256(abi.encode(prevRoot, commitment, queueHeadAfter)): the next head of the batch hash chain. */
const batchRootOf = (prev: string, commitment: string, queueHead: bigint | number) =>
  ethers.keccak256(coder.encode(["bytes32", "bytes32", "uint256"], [prev, commitment, queueHead]));

/** The commitment of a forced batch: c = keccak256(abi.encode(c, bytes26(txHash))) from c = 0 over the included items
 * (the rollup keeps each hash's first 26 bytes). */
const forcedCommitmentOf = (txHashes: string[]) =>
  txHashes.reduce(
    (c, h) => ethers.keccak256(coder.encode(["bytes32", "bytes26"], [c, queuedHash(h)])),
    ethers.ZeroHash,
  );

/**
 * The output root of `stateRoot` at `l2BlockNumber` proposed on `parentRoot` (zero: output 0) when the batch chain had
 * `batchCount` batches with head `batchRoot` (the fixtures' proposals come before any batch: 0 and zero).
 */
const boundRoot = (
  l2BlockNumber: bigint,
  stateRoot: string,
  parentRoot = ethers.ZeroHash,
  batchCount = 0n,
  batchRoot = ethers.ZeroHash,
) => outputRootOf({ l2BlockNumber, stateRoot, batchCount, batchRoot, parentRoot });

/** What MockVerifier accepts: abi.encode(keccak256(abi.encode(chainId, l2BlockNumber, root))). */
const proofOf = (chainId: bigint | number, l2BlockNumber: bigint, root: string) =>
  coder.encode(
    ["bytes32"],
    [ethers.keccak256(coder.encode(["uint256", "uint256", "bytes32"], [chainId, l2BlockNumber, root]))],
  );

/** A rollup's operator-set key in every service: bytes32 of its address. */
const keyOf = (rollup: string) => ethers.zeroPadValue(rollup, 32);

/** OperatorSets.setIdOf: keccak256(abi.encode(service, key)). */
const setIdOf = (service: string, key: string) =>
  BigInt(ethers.keccak256(coder.encode(["address", "bytes32"], [service, key])));

/** The stake the fixture's operator allocates to each staffed set (odd, so credits leave rounding remainders). */
const SET_STAKE = 1_000n * ALT + 7n;

/**
 * `FeesCredited`'s arguments for a credit of `amount` by `payer` at `timestamp` to `setId`, a set counting stake in that
 * epoch (a set counting none refuses fees: RewardsNoStake): the protocol share goes to the treasury, the rest is
 * spread over the stake and the remainder of the division goes to the treasury too (rewards.md). The treasury is owed
 * the last two arguments' sum.
 */
/**
 * MACH's call: fast-finalizes output `index` of `r`, naming the block and root it holds (block 0 and the zero root for an
 * index with no live output, which the rollup refuses before comparing them).
 */
async function fastFinalize(r: Rollup, caller: HardhatEthersSigner, index: number, cover = 0n) {
  const live = BigInt(index) < (await r.outputCount());
  const o = live ? await r.output(index) : { l2BlockNumber: 0n, root: ethers.ZeroHash };
  return r.connect(caller).fastFinalize(index, o.l2BlockNumber, o.root, cover);
}

async function creditArgs(d: RollupsDeployment, setId: bigint, payer: string, amount: bigint, timestamp: number) {
  const epoch = await d.operatorSets.epochAt(timestamp);
  const stake = await d.operatorSets.setStakeAt(setId, epoch);
  expect(stake).to.equal(SET_STAKE);
  const scaled = amount * 10n ** 18n;
  const protocol = (scaled * (await d.rewards.protocolShareBps())) / 10_000n;
  const rest = scaled - protocol;
  return [setId, payer, epoch, amount, protocol, rest - (rest / stake) * stake] as const;
}

/** What the treasury is owed for the credits whose `FeesCredited` arguments are `credits`: protocol shares and remainders. */
const toTreasury = (...credits: Awaited<ReturnType<typeof creditArgs>>[]) =>
  credits.reduce((total, c) => total + c[4] + c[5], 0n);

/**
 * The start of the time a stream sent at `timestamp` still pays (RewardsDistributor.creditStreamToSets): the start of the
 * epoch before the one holding `timestamp` (the clock's start in epoch 0), on the operator sets' clock. A stream's time
 * before it expires (FeesExpired): no set is credited for it and it stays in escrow.
 */
async function opensAt(d: RollupsDeployment, timestamp: number): Promise<number> {
  const genesis = Number(await d.operatorSets.epochStart(0));
  const length = Number(await d.operatorSets.epochLength());
  const epoch = timestamp < genesis ? 0 : Math.floor((timestamp - genesis) / length);
  return genesis + Math.max(epoch - 1, 0) * length;
}

/** `tx` streamed `share` to neither VITAL's set nor MACH's (`setIds`, in that order): each left in escrow. */
async function expectNotCredited(
  d: RollupsDeployment,
  r: Rollup,
  tx: Promise<unknown>,
  setIds: [bigint, bigint],
  share: bigint,
) {
  await expect(tx)
    .to.emit(r, "FeesNotCredited")
    .withArgs(d.vital.address, setIds[0], share)
    .and.to.emit(r, "FeesNotCredited")
    .withArgs(d.mach.address, setIds[1], share);
}

/** Every ALT paid in is in escrow, streamed or refunded, and the rollup holds its escrow and `queued` fees. */
async function expectAccounted(d: RollupsDeployment, r: Rollup, queued = 0n) {
  const [paid, escrow, streamed, refunded] = await Promise.all([r.paid(), r.escrow(), r.streamed(), r.refunded()]);
  expect(paid, "paid == escrow + streamed + refunded").to.equal(escrow + streamed + refunded);
  expect(await d.token.balanceOf(await r.getAddress()), "ALT held == escrow + queue fees").to.equal(escrow + queued);
}

/**
 * A fresh operator, registered and self-staked (ALT from `funder`), joins each of `setIds` with SET_STAKE; the
 * allocations count from the next epoch.
 */
async function staffSets(d: RollupsDeployment, funder: HardhatEthersSigner, label: string, setIds: bigint[]) {
  const registry = await ethers.getContractAt("RestakingRegistry", await d.operatorSets.registry());
  const operator = new ethers.Wallet(ethers.id(`alt-test-operator:rollup:${label}`), ethers.provider);
  await setBalance(operator.address, ethers.parseEther("100"));
  const stake = SET_STAKE * BigInt(setIds.length);
  await (await d.token.connect(funder).transfer(operator.address, stake)).wait();
  await (await d.token.connect(operator).approve(await registry.getAddress(), stake)).wait();
  await (await registry.connect(operator).registerOperator(`ipfs://${label}`, 0)).wait();
  await (await registry.connect(operator).stake(operator.address, 0, stake)).wait();
  for (const setId of setIds) await (await d.operatorSets.connect(operator).join(setId, SET_STAKE)).wait();
  return operator;
}

/** A factory template as a plain struct. */
const templateOf = (d: RollupsDeployment, templateId: number) => templateStruct(d.factory, templateId);

describe("Rollup", function () {
  interface Created {
    rollup: Rollup;
    address: string;
    createdAt: number;
    /** 0 while permanent. */
    expiry: number;
    paid: bigint;
    chainId: number;
    params: IRollupFactory.CreateParamsStruct;
  }

  async function rollupsFixture() {
    const d = await deployRollups();
    const [owner, sequencer, proposer, payer, payer2, outsider] = d.users;

    // The operator sets of "eph" (VITAL, MACH) and "perm" (VITAL, MACH, SQUAD) exist before their rollups (at the
    // addresses the factory will give them), each with an operator's SET_STAKE counted from the next epoch, when the
    // rollups are created: every stream credits them (a set that counts no stake would refuse its fees).
    const staffed: [string, HardhatEthersSigner[]][] = [
      ["eph", [d.vital, d.mach]],
      ["perm", [d.vital, d.mach, d.squad]],
    ];
    const staffedSets: bigint[] = [];
    for (const [name, services] of staffed) {
      const key = keyOf(await d.factory.predictRollupAddress(owner.address, TEMPLATE.OPStack, ethers.id(name)));
      for (const service of services) {
        await (await d.operatorSets.connect(service).createSet(key, 0, 10)).wait();
        staffedSets.push(setIdOf(service.address, key));
      }
    }
    await staffSets(d, outsider, "rollup-sets", staffedSets);
    await nextEpoch(d.operatorSets);

    /** Creates a rollup owned by `owner` at a fixed timestamp (its sets, if any, already exist). */
    async function make(
      name: string,
      chainId: number,
      shape: (createdAt: number) => Partial<IRollupFactory.CreateParamsStruct> & { prepaidFees: bigint },
    ): Promise<Created> {
      const salt = ethers.id(name);
      await commitRollup(d.factory, owner, { chainId, salt });
      const createdAt = (await time.latest()) + 10;
      const overrides = {
        chainId,
        salt,
        sequencer: sequencer.address,
        proposer: proposer.address,
        ...shape(createdAt),
      };
      await time.setNextBlockTimestamp(createdAt);
      const rollup = await createRollup(d, owner, overrides);
      const address = await rollup.getAddress();
      for (const user of [owner, proposer, payer, payer2, outsider]) {
        await (await d.token.connect(user).approve(address, ethers.MaxUint256)).wait();
      }
      return {
        rollup,
        address,
        createdAt,
        expiry: Number(overrides.expiry ?? 0),
        paid: overrides.prepaidFees,
        chainId,
        params: createParams(owner.address, overrides),
      };
    }

    const VM = SERVICE.VITAL | SERVICE.MACH;
    const ALL = SERVICE.VITAL | SERVICE.MACH | SERVICE.SQUAD;
    // ephemeral OP Stack rollup on Celestia, VITAL + MACH, 30 days prepaid plus EXTRA; both sets staffed
    const eph = await make("eph", 1001, (createdAt) => ({
      daLayer: DA.Celestia,
      daConfig: "0xda7a",
      services: VM,
      expiry: createdAt + LIFETIME,
      prepaidFees: RATE * 2n * BigInt(LIFETIME) + EXTRA,
    }));
    // permanent, all three services (so sequenced by SQUAD), 30 days of fees plus DUST; all three sets staffed
    const perm = await make("perm", 1002, () => ({
      sequencer: ethers.ZeroAddress,
      services: ALL,
      fastFinalityBps: 7_500,
      prepaidFees: RATE * 3n * BigInt(MIN_PREPAID) + DUST,
    }));
    // permanent, sequenced by SQUAD (no sequencer), VITAL + SQUAD (no MACH); no sets
    const squadSeq = await make("squad", 1003, () => ({
      sequencer: ethers.ZeroAddress,
      services: SERVICE.VITAL | SERVICE.SQUAD,
      prepaidFees: RATE * 2n * BigInt(MIN_PREPAID),
    }));
    // validity rollups (no challenge period, so never VITAL): ZK Stack (MACH) and Polygon CDK on EigenDA (MACH +
    // SQUAD, sequenced by SQUAD); no sets
    const zk = await make("zk", 1004, () => ({
      templateId: TEMPLATE.ZKStack,
      services: SERVICE.MACH,
      prepaidFees: RATE * BigInt(MIN_PREPAID),
    }));
    const cdk = await make("cdk", 1005, () => ({
      templateId: TEMPLATE.PolygonCDK,
      daLayer: DA.EigenDA,
      sequencer: ethers.ZeroAddress,
      services: SERVICE.MACH | SERVICE.SQUAD,
      prepaidFees: RATE * 2n * BigInt(MIN_PREPAID),
    }));
    // ephemeral, VITAL + MACH, exactly its lifetime's fees; no sets
    const bare = await make("bare", 1006, (createdAt) => ({
      services: VM,
      expiry: createdAt + LIFETIME,
      prepaidFees: RATE * 2n * BigInt(LIFETIME),
    }));
    return { d, owner, sequencer, proposer, payer, payer2, outsider, eph, perm, squadSeq, zk, cdk, bare };
  }

  /** Three items queued on the ephemeral rollup: by payer at t0, payer2 at t0 + 100, payer at t0 + 1,000. */
  async function queuedFixture() {
    const f = await loadFixture(rollupsFixture);
    const t0 = (await time.latest()) + 10;
    const times = [t0, t0 + 100, t0 + 1_000];
    const payers = [f.payer, f.payer2, f.payer];
    for (const i of [0, 1, 2]) {
      await time.setNextBlockTimestamp(times[i]);
      await (await f.eph.rollup.connect(payers[i]).queueTransaction(TX_HASHES[i], FEES[i])).wait();
    }
    return { ...f, payers, deadlines: times.map((t) => t + INCLUSION_DELAY) };
  }

  /** Three outputs proposed on the ephemeral rollup, at p0, p0 + 10 and p0 + 20 (blocks 1,800, 3,600, 5,400). */
  async function proposedFixture() {
    const f = await loadFixture(rollupsFixture);
    const p0 = (await time.latest()) + 10;
    const proposedAt = [p0, p0 + 10, p0 + 20];
    for (const i of [0, 1, 2]) {
      await time.setNextBlockTimestamp(proposedAt[i]);
      await (
        await f.eph.rollup.connect(f.proposer).proposeOutput(OP_INTERVAL * BigInt(i + 1), ROOTS[i], ZeroHash)
      ).wait();
    }
    return { ...f, proposedAt };
  }

  /**
   * The ephemeral rollup retired: items 0 (payer), 1 (payer2) and 2 (payer, no fee: governance lowered the factory's
   * minimum queue fee to 0 first) queued, item 0 included by a batch, then settled by an outsider at expiry + settlement
   * window.
   */
  async function retiredFixture() {
    const f = await loadFixture(rollupsFixture);
    const { d, eph, sequencer, payer, payer2, outsider } = f;
    await (await eph.rollup.connect(payer).queueTransaction(TX_HASHES[0], FEES[0])).wait();
    await (await eph.rollup.connect(payer2).queueTransaction(TX_HASHES[1], FEES[1])).wait();
    await (await d.factory.connect(d.deployer).setMinQueueFee(0)).wait();
    await (await eph.rollup.connect(payer).queueTransaction(TX_HASHES[2], 0)).wait();
    await (await eph.rollup.connect(sequencer).appendBatch(COMMITMENT, 1)).wait();
    await time.increaseTo(eph.expiry + WINDOW);
    await (await eph.rollup.connect(outsider).settle()).wait();
    return f;
  }

  // ------------------------------------------------------------------------------------------------ initialization

  describe("initialization", function () {
    it("records the creation parameters and holds the prepaid fees", async function () {
      const { d, owner, sequencer, proposer, eph, perm, zk } = await loadFixture(rollupsFixture);
      const r = eph.rollup;
      expect(await r.factory()).to.equal(await d.factory.getAddress());
      expect(await r.owner()).to.equal(owner.address);
      expect(await r.chainId()).to.equal(1001n);
      expect(await r.services()).to.equal(BigInt(SERVICE.VITAL | SERVICE.MACH));
      expect(await r.sequencer()).to.equal(sequencer.address);
      expect(await r.sequencerRole()).to.equal(sequencer.address);
      expect(await r.proposer()).to.equal(proposer.address);
      expect(await r.expiry()).to.equal(BigInt(eph.createdAt + LIFETIME));
      expect(await r.fastFinalityBps()).to.equal(DEFAULT_FAST_FINALITY_BPS);
      expect(await r.proofSystem()).to.equal(0n);
      expect(await r.daLayer()).to.equal(BigInt(DA.Celestia));
      expect(await r.portal()).to.equal(ethers.getCreateAddress({ from: eph.address, nonce: 1 }));
      expect(await r.challengePeriod()).to.equal(BigInt(CHALLENGE));
      expect(await r.verifier()).to.equal(ethers.ZeroAddress);
      expect(await r.outputInterval()).to.equal(OP_INTERVAL);
      expect(await r.templateId()).to.equal(BigInt(TEMPLATE.OPStack));
      expect(await r.feePerServicePerSecond()).to.equal(RATE);
      expect(await r.settlementWindow()).to.equal(BigInt(WINDOW));
      expect(await r.paid()).to.equal(RATE * 2n * BigInt(LIFETIME) + EXTRA);
      expect(await r.paidUntil()).to.equal(BigInt(eph.createdAt + LIFETIME));
      expect(await r.lastStreamed()).to.equal(BigInt(eph.createdAt));
      expect(await r.escrow()).to.equal(eph.paid);
      expect(await r.serviceKey()).to.equal(keyOf(eph.address));
      expect(await r.status()).to.equal(Status.Active);
      expect(await d.token.balanceOf(eph.address)).to.equal(eph.paid);
      // a permanent rollup is paid up to creation + prepaid / (rate × #services), rounded down
      expect(await perm.rollup.expiry()).to.equal(0n);
      expect(await perm.rollup.fastFinalityBps()).to.equal(7_500n);
      expect(await perm.rollup.paidUntil()).to.equal(BigInt(perm.createdAt + MIN_PREPAID));
      expect(await zk.rollup.proofSystem()).to.equal(1n);
      expect(await zk.rollup.verifier()).to.equal(await d.verifier.getAddress());
      expect(await zk.rollup.challengePeriod()).to.equal(0n);
      expect(await zk.rollup.outputInterval()).to.equal(ZK_INTERVAL);
      expect(await zk.rollup.templateId()).to.equal(BigInt(TEMPLATE.ZKStack));
    });

    it("refuses initialize from anyone but the factory, on the implementation and on a clone", async function () {
      const { d, outsider, owner, eph } = await loadFixture(rollupsFixture);
      const template = await templateOf(d, TEMPLATE.OPStack);
      const params = createParams(owner.address, { chainId: 2001 });
      await expect(d.implementation.connect(outsider).initialize(params, template))
        .to.be.revertedWithCustomError(d.implementation, "RollupNotFactory")
        .withArgs(outsider.address);
      await expect(eph.rollup.connect(owner).initialize(params, template))
        .to.be.revertedWithCustomError(eph.rollup, "RollupNotFactory")
        .withArgs(owner.address);
    });

    it("cannot be initialized a second time, even by the factory", async function () {
      const { d, owner, eph } = await loadFixture(rollupsFixture);
      const factoryAddress = await d.factory.getAddress();
      const template = await templateOf(d, TEMPLATE.OPStack);
      const params = createParams(owner.address, { chainId: 2001 });
      await impersonateAccount(factoryAddress);
      await setBalance(factoryAddress, ALT);
      try {
        const factory = await ethers.getSigner(factoryAddress);
        await expect(eph.rollup.connect(factory).initialize(params, template)).to.be.revertedWithCustomError(
          eph.rollup,
          "RollupAlreadyInitialized",
        );
      } finally {
        await stopImpersonatingAccount(factoryAddress);
      }
      expect(await eph.rollup.chainId()).to.equal(1001n);
    });
  });

  // ------------------------------------------------------------------------------------------------ batches

  describe("batches", function () {
    it("appends batches from the sequencer to the hash chain", async function () {
      const { sequencer, eph } = await loadFixture(rollupsFixture);
      const r = eph.rollup;
      const root1 = batchRootOf(ethers.ZeroHash, COMMITMENT, 0);
      await expect(r.connect(sequencer).appendBatch(COMMITMENT, 0))
        .to.emit(r, "BatchAppended")
        .withArgs(0n, COMMITMENT, root1, sequencer.address)
        .and.not.to.emit(r, "TransactionsIncluded");
      const root2 = batchRootOf(root1, COMMITMENT_2, 0);
      await expect(r.connect(sequencer).appendBatch(COMMITMENT_2, 0))
        .to.emit(r, "BatchAppended")
        .withArgs(1n, COMMITMENT_2, root2, sequencer.address);
      expect(await r.batchRoot()).to.equal(root2);
      expect(await r.batchCount()).to.equal(2n);
    });

    it("refuses a batch from anyone but the sequencer", async function () {
      const { owner, proposer, eph } = await loadFixture(rollupsFixture);
      for (const caller of [owner, proposer]) {
        await expect(eph.rollup.connect(caller).appendBatch(COMMITMENT, 0))
          .to.be.revertedWithCustomError(eph.rollup, "RollupNotSequencer")
          .withArgs(caller.address);
      }
    });

    it("lets only the SQUAD service append when SQUAD sequences, following the factory's SQUAD address", async function () {
      const { d, owner, sequencer, outsider, squadSeq } = await loadFixture(rollupsFixture);
      const r = squadSeq.rollup;
      expect(await r.sequencer()).to.equal(ethers.ZeroAddress);
      expect(await r.sequencerRole()).to.equal(d.squad.address);
      await expect(r.connect(d.squad).appendBatch(COMMITMENT, 0))
        .to.emit(r, "BatchAppended")
        .withArgs(0n, COMMITMENT, batchRootOf(ethers.ZeroHash, COMMITMENT, 0), d.squad.address);
      for (const caller of [owner, sequencer, d.vital]) {
        await expect(r.connect(caller).appendBatch(COMMITMENT, 0))
          .to.be.revertedWithCustomError(r, "RollupNotSequencer")
          .withArgs(caller.address);
      }
      await (await d.factory.connect(d.deployer).setServices(d.vital.address, d.mach.address, outsider.address)).wait();
      expect(await r.sequencerRole()).to.equal(outsider.address);
      await expect(r.connect(d.squad).appendBatch(COMMITMENT, 0))
        .to.be.revertedWithCustomError(r, "RollupNotSequencer")
        .withArgs(d.squad.address);
      await expect(r.connect(outsider).appendBatch(COMMITMENT_2, 0)).to.emit(r, "BatchAppended");
    });

    it("refuses batches while paused", async function () {
      const { d, sequencer, eph } = await loadFixture(rollupsFixture);
      await (await eph.rollup.connect(d.council).setPaused(true)).wait();
      await expect(eph.rollup.connect(sequencer).appendBatch(COMMITMENT, 0)).to.be.revertedWithCustomError(
        eph.rollup,
        "RollupPaused",
      );
    });

    it("takes batches until one second before the expiry and refuses them from the expiry (Settling)", async function () {
      const { sequencer, eph } = await loadFixture(rollupsFixture);
      await time.setNextBlockTimestamp(eph.expiry - 1);
      await expect(eph.rollup.connect(sequencer).appendBatch(COMMITMENT, 0)).to.emit(eph.rollup, "BatchAppended");
      await time.setNextBlockTimestamp(eph.expiry);
      await expect(eph.rollup.connect(sequencer).appendBatch(COMMITMENT_2, 0))
        .to.be.revertedWithCustomError(eph.rollup, "RollupNotActive")
        .withArgs(Status.Settling);
    });

    it("refuses batches once retired", async function () {
      const { sequencer, eph } = await loadFixture(retiredFixture);
      await expect(eph.rollup.connect(sequencer).appendBatch(COMMITMENT_2, 0)).to.be.revertedWithCustomError(
        eph.rollup,
        "RollupRetired",
      );
    });
  });

  // ------------------------------------------------------------------------------------------------ forced inclusion

  describe("forced inclusion", function () {
    it("queues a transaction, pulling its fee, with a deadline 12 hours ahead", async function () {
      const { d, payer, eph } = await loadFixture(rollupsFixture);
      const r = eph.rollup;
      const at = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(at);
      const tx = r.connect(payer).queueTransaction(TX_HASHES[0], FEES[0]);
      await expect(tx)
        .to.emit(r, "TransactionQueued")
        .withArgs(0n, TX_HASHES[0], FEES[0], BigInt(at + INCLUSION_DELAY), payer.address);
      await expect(tx).to.changeTokenBalances(d.token, [payer, r], [-FEES[0], FEES[0]]);
      // (payer, deadline, included, forcedAt, fee, txHash): not forced; the rollup keeps the hash's first 26 bytes
      expect([...(await r.queuedTransaction(0))]).to.deep.equal([
        payer.address,
        BigInt(at + INCLUSION_DELAY),
        false,
        0n,
        FEES[0],
        queuedHash(TX_HASHES[0]),
      ]);
      expect(queuedHash(TX_HASHES[0])).to.equal(ethers.dataSlice(TX_HASHES[0], 0, 26));
      expect(await r.queueLength()).to.equal(1n);
      expect(await r.queueHead()).to.equal(0n);
      // the fee is held apart from the escrow
      expect(await r.escrow()).to.equal(eph.paid);
    });

    it("refuses a queued transaction whose fee is below the factory's minimum (RollupFeeTooLow); accepts exactly it", async function () {
      const { d, payer, eph } = await loadFixture(rollupsFixture);
      const r = eph.rollup;
      expect(await d.factory.minQueueFee()).to.equal(MIN_QUEUE_FEE);
      const [payerBefore, rollupBefore] = [await d.token.balanceOf(payer), await d.token.balanceOf(r)];
      for (const fee of [0n, 1n, MIN_QUEUE_FEE - 1n]) {
        await expect(r.connect(payer).queueTransaction(TX_HASHES[0], fee))
          .to.be.revertedWithCustomError(r, "RollupFeeTooLow")
          .withArgs(fee, MIN_QUEUE_FEE);
      }
      expect(await r.queueLength()).to.equal(0n);
      expect([await d.token.balanceOf(payer), await d.token.balanceOf(r)]).to.deep.equal([payerBefore, rollupBefore]);

      const at = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(at);
      const tx = r.connect(payer).queueTransaction(TX_HASHES[0], MIN_QUEUE_FEE);
      await expect(tx)
        .to.emit(r, "TransactionQueued")
        .withArgs(0n, TX_HASHES[0], MIN_QUEUE_FEE, BigInt(at + INCLUSION_DELAY), payer.address);
      await expect(tx).to.changeTokenBalances(d.token, [payer, r], [-MIN_QUEUE_FEE, MIN_QUEUE_FEE]);
      expect(await r.queueLength()).to.equal(1n);
      expect((await r.queuedTransaction(0)).fee).to.equal(MIN_QUEUE_FEE);
    });

    it("a change of the minimum applies to the next queued item", async function () {
      const { d, sequencer, payer, payer2, eph, perm } = await loadFixture(rollupsFixture);
      const r = eph.rollup;
      // FEES[2] (2 ALT + 11 wei) is above the deployed minimum of 1 ALT: queued before the change
      await (await r.connect(payer).queueTransaction(TX_HASHES[0], FEES[2])).wait();
      const raised = 3n * ALT;
      await (await d.factory.connect(d.deployer).setMinQueueFee(raised)).wait();
      // every rollup reads the factory's minimum at each call, those created before the change too
      for (const rollup of [r, perm.rollup]) {
        await expect(rollup.connect(payer2).queueTransaction(TX_HASHES[1], FEES[2]))
          .to.be.revertedWithCustomError(rollup, "RollupFeeTooLow")
          .withArgs(FEES[2], raised);
      }
      await (await r.connect(payer2).queueTransaction(TX_HASHES[1], raised)).wait();
      // the item queued before keeps its fee and is included as it was
      const tx = r.connect(sequencer).appendBatch(COMMITMENT, 2);
      await expect(tx).to.changeTokenBalances(d.token, [sequencer, r], [FEES[2] + raised, -(FEES[2] + raised)]);
      expect([(await r.queuedTransaction(0)).fee, (await r.queuedTransaction(1)).fee]).to.deep.equal([FEES[2], raised]);

      // lowered to 0: a fee-less item is queued again, pulling nothing
      await (await d.factory.connect(d.deployer).setMinQueueFee(0)).wait();
      const free = perm.rollup.connect(payer).queueTransaction(TX_HASHES[2], 0);
      await expect(free).to.emit(perm.rollup, "TransactionQueued");
      await expect(free).to.changeTokenBalances(d.token, [payer, perm.rollup], [0n, 0n]);
      expect((await perm.rollup.queuedTransaction(0)).fee).to.equal(0n);
    });

    it("refuses to queue while paused, once Settling and once retired", async function () {
      const { d, payer, eph } = await loadFixture(rollupsFixture);
      await (await eph.rollup.connect(d.council).setPaused(true)).wait();
      await expect(eph.rollup.connect(payer).queueTransaction(TX_HASHES[0], FEES[0])).to.be.revertedWithCustomError(
        eph.rollup,
        "RollupPaused",
      );
      await (await eph.rollup.connect(d.council).setPaused(false)).wait();
      await time.setNextBlockTimestamp(eph.expiry);
      await expect(eph.rollup.connect(payer).queueTransaction(TX_HASHES[0], FEES[0]))
        .to.be.revertedWithCustomError(eph.rollup, "RollupNotActive")
        .withArgs(Status.Settling);
      await time.increaseTo(eph.expiry + WINDOW);
      await (await eph.rollup.settle()).wait();
      await expect(eph.rollup.connect(payer).queueTransaction(TX_HASHES[0], FEES[0])).to.be.revertedWithCustomError(
        eph.rollup,
        "RollupRetired",
      );
    });

    it("pays the fees of the items a batch includes to its poster", async function () {
      const { d, sequencer, eph } = await loadFixture(queuedFixture);
      const r = eph.rollup;
      const tx = r.connect(sequencer).appendBatch(COMMITMENT, 2);
      const root = batchRootOf(ethers.ZeroHash, COMMITMENT, 2);
      await expect(tx).to.emit(r, "BatchAppended").withArgs(0n, COMMITMENT, root, sequencer.address);
      await expect(tx).to.emit(r, "TransactionsIncluded").withArgs(0n, 2n, sequencer.address);
      await expect(tx).to.changeTokenBalances(d.token, [sequencer, r], [FEES[0] + FEES[1], -(FEES[0] + FEES[1])]);
      expect(await r.queueHead()).to.equal(2n);
      expect(await r.batchRoot()).to.equal(root);
      expect((await r.queuedTransaction(0)).included).to.equal(true);
      expect((await r.queuedTransaction(1)).included).to.equal(true);
      expect((await r.queuedTransaction(2)).included).to.equal(false);
      // included by the sequencer's batch, not forced
      for (const i of [0, 1, 2]) expect((await r.queuedTransaction(i)).forcedAt, `item ${i}`).to.equal(0n);
      // the next batch includes from the new head
      const tx2 = r.connect(sequencer).appendBatch(COMMITMENT_2, 1);
      await expect(tx2)
        .to.emit(r, "BatchAppended")
        .withArgs(1n, COMMITMENT_2, batchRootOf(root, COMMITMENT_2, 3), sequencer.address);
      await expect(tx2).to.emit(r, "TransactionsIncluded").withArgs(2n, 1n, sequencer.address);
      await expect(tx2).to.changeTokenBalances(d.token, [sequencer, r], [FEES[2], -FEES[2]]);
      expect(await d.token.balanceOf(eph.address)).to.equal(eph.paid);
    });

    it("refuses to include more items than are pending", async function () {
      const { sequencer, eph, bare } = await loadFixture(queuedFixture);
      await expect(eph.rollup.connect(sequencer).appendBatch(COMMITMENT, 4))
        .to.be.revertedWithCustomError(eph.rollup, "RollupNothingToInclude")
        .withArgs(4n, 3n);
      await expect(bare.rollup.connect(sequencer).appendBatch(COMMITMENT, 1))
        .to.be.revertedWithCustomError(bare.rollup, "RollupNothingToInclude")
        .withArgs(1n, 0n);
    });

    it("lets a batch skip an item at its deadline but not one second later", async function () {
      const { sequencer, eph, deadlines } = await loadFixture(queuedFixture);
      const r = eph.rollup;
      await time.setNextBlockTimestamp(deadlines[0]);
      await expect(r.connect(sequencer).appendBatch(COMMITMENT, 0)).to.emit(r, "BatchAppended");
      await time.setNextBlockTimestamp(deadlines[0] + 1);
      await expect(r.connect(sequencer).appendBatch(COMMITMENT_2, 0))
        .to.be.revertedWithCustomError(r, "RollupOverdueSkipped")
        .withArgs(0n);
      // including the overdue item (the next one is not overdue yet) is accepted
      await time.setNextBlockTimestamp(deadlines[0] + 2);
      await expect(r.connect(sequencer).appendBatch(COMMITMENT_2, 1))
        .to.emit(r, "TransactionsIncluded")
        .withArgs(0n, 1n, sequencer.address);
    });

    it("refuses a batch that includes some items but leaves an overdue one behind", async function () {
      const { sequencer, eph, deadlines } = await loadFixture(queuedFixture);
      await time.setNextBlockTimestamp(deadlines[1] + 1);
      await expect(eph.rollup.connect(sequencer).appendBatch(COMMITMENT, 1))
        .to.be.revertedWithCustomError(eph.rollup, "RollupOverdueSkipped")
        .withArgs(1n);
    });

    it("refuses to force an item in up to its deadline, and with nothing queued", async function () {
      const { outsider, eph, bare, deadlines } = await loadFixture(queuedFixture);
      await time.setNextBlockTimestamp(deadlines[0]);
      await expect(eph.rollup.connect(outsider).forceInclude(3))
        .to.be.revertedWithCustomError(eph.rollup, "RollupNotOverdue")
        .withArgs(0n, BigInt(deadlines[0]));
      await expect(bare.rollup.connect(outsider).forceInclude(1))
        .to.be.revertedWithCustomError(bare.rollup, "RollupNotOverdue")
        .withArgs(0n, 0n);
    });

    it("lets anyone force in the overdue items only, paying their fees and blaming the sequencer", async function () {
      const { d, sequencer, outsider, eph, deadlines, payers } = await loadFixture(queuedFixture);
      const r = eph.rollup;
      // items 0 and 1 overdue, item 2 not
      const forcedAt = deadlines[1] + 1;
      await time.setNextBlockTimestamp(forcedAt);
      const tx = r.connect(outsider).forceInclude(10);
      const commitment = forcedCommitmentOf(TX_HASHES.slice(0, 2));
      const root = batchRootOf(ethers.ZeroHash, commitment, 2);
      await expect(tx)
        .to.emit(r, "SequencerFault")
        .withArgs(sequencer.address, 0n, BigInt(deadlines[0]))
        .and.to.emit(r, "SequencerFault")
        .withArgs(sequencer.address, 1n, BigInt(deadlines[1]));
      await expect(tx).to.emit(r, "BatchAppended").withArgs(0n, commitment, root, outsider.address);
      await expect(tx).to.emit(r, "TransactionsIncluded").withArgs(0n, 2n, outsider.address);
      await expect(tx).to.changeTokenBalances(
        d.token,
        [outsider, sequencer, r],
        [FEES[0] + FEES[1], 0n, -(FEES[0] + FEES[1])],
      );
      const receipt = (await (await tx).wait())!;
      const faults = receipt.logs.filter((log) => r.interface.parseLog(log)?.name === "SequencerFault");
      expect(faults.length).to.equal(2);
      expect(await r.queueHead()).to.equal(2n);
      expect(await r.batchCount()).to.equal(1n);
      expect(await r.batchRoot()).to.equal(root);
      expect((await r.queuedTransaction(2)).included).to.equal(false);
      // the forced items carry the time they were forced in; the other one is untouched
      expect([...(await r.queuedTransaction(0))]).to.deep.equal([
        payers[0].address,
        BigInt(deadlines[0]),
        true,
        BigInt(forcedAt),
        FEES[0],
        queuedHash(TX_HASHES[0]),
      ]);
      expect((await r.queuedTransaction(1)).forcedAt).to.equal(BigInt(forcedAt));
      expect([...(await r.queuedTransaction(2))]).to.deep.equal([
        payers[2].address,
        BigInt(deadlines[2]),
        false,
        0n,
        FEES[2],
        queuedHash(TX_HASHES[2]),
      ]);
      // the rest is not overdue yet
      await expect(r.connect(outsider).forceInclude(10))
        .to.be.revertedWithCustomError(r, "RollupNotOverdue")
        .withArgs(2n, BigInt(deadlines[2]));
    });

    it("forces in no more than the count asked for, continuing the chain on the next call", async function () {
      const { d, sequencer, outsider, payer2, eph, deadlines } = await loadFixture(queuedFixture);
      const r = eph.rollup;
      await time.setNextBlockTimestamp(deadlines[2] + 1);
      const first = r.connect(outsider).forceInclude(1);
      const c1 = forcedCommitmentOf([TX_HASHES[0]]);
      const root1 = batchRootOf(ethers.ZeroHash, c1, 1);
      await expect(first).to.emit(r, "BatchAppended").withArgs(0n, c1, root1, outsider.address);
      await expect(first).to.emit(r, "TransactionsIncluded").withArgs(0n, 1n, outsider.address);
      await expect(first).to.changeTokenBalance(d.token, outsider, FEES[0]);
      expect(await r.queueHead()).to.equal(1n);
      const second = r.connect(payer2).forceInclude(5);
      const c2 = forcedCommitmentOf(TX_HASHES.slice(1));
      await expect(second)
        .to.emit(r, "SequencerFault")
        .withArgs(sequencer.address, 2n, BigInt(deadlines[2]))
        .and.to.emit(r, "BatchAppended")
        .withArgs(1n, c2, batchRootOf(root1, c2, 3), payer2.address);
      await expect(second).to.changeTokenBalance(d.token, payer2, FEES[1] + FEES[2]);
      // everything is included
      await expect(r.connect(outsider).forceInclude(1))
        .to.be.revertedWithCustomError(r, "RollupNotOverdue")
        .withArgs(3n, 0n);
    });

    it("blames the SQUAD service when SQUAD sequences", async function () {
      const { d, payer, outsider, squadSeq } = await loadFixture(rollupsFixture);
      const r = squadSeq.rollup;
      const at = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(at);
      await (await r.connect(payer).queueTransaction(TX_HASHES[0], FEES[0])).wait();
      await time.setNextBlockTimestamp(at + INCLUSION_DELAY + 1);
      await expect(r.connect(outsider).forceInclude(1))
        .to.emit(r, "SequencerFault")
        .withArgs(d.squad.address, 0n, BigInt(at + INCLUSION_DELAY));
    });

    it("refuses to force items in while paused", async function () {
      const { d, outsider, eph, deadlines } = await loadFixture(queuedFixture);
      await (await eph.rollup.connect(d.council).setPaused(true)).wait();
      await time.increaseTo(deadlines[2] + 1);
      await expect(eph.rollup.connect(outsider).forceInclude(3)).to.be.revertedWithCustomError(
        eph.rollup,
        "RollupPaused",
      );
    });

    // An item queued less than 12 h before the expiry falls due during Settling: no batch may be appended then (not
    // even a forced one, which would blame a sequencer that could not include it); its payer reclaims the fee later.
    it("refuses to force in zero items", async function () {
      const { outsider, payer, eph } = await loadFixture(rollupsFixture);
      const queuedAt = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(queuedAt);
      await (await eph.rollup.connect(payer).queueTransaction(TX_HASHES[0], FEES[0])).wait();
      await time.setNextBlockTimestamp(queuedAt + INCLUSION_DELAY + 1);
      await expect(eph.rollup.connect(outsider).forceInclude(0))
        .to.be.revertedWithCustomError(eph.rollup, "RollupNothingToInclude")
        .withArgs(0, 1);
    });

    it("after the settlement window MACH fast-finalizes nothing, while VITAL still invalidates an output proposed before it ended", async function () {
      const { d, proposer, eph } = await loadFixture(rollupsFixture);
      await (
        await eph.rollup.connect(proposer).proposeOutput(await eph.rollup.outputInterval(), ROOTS[0], ZeroHash)
      ).wait();
      await time.setNextBlockTimestamp(eph.expiry + WINDOW);
      await expect(fastFinalize(eph.rollup, d.mach, 0))
        .to.be.revertedWithCustomError(eph.rollup, "RollupNotActive")
        .withArgs(Status.Settling);
      await time.setNextBlockTimestamp(eph.expiry + WINDOW + 1);
      await expect(eph.rollup.connect(d.vital).invalidate(0, CHALLENGER))
        .to.emit(eph.rollup, "OutputsInvalidated")
        .withArgs(0n, 1n);
    });

    it("appends no batch once Settling: forceInclude is refused and the sequencer is not blamed", async function () {
      const { outsider, payer, eph } = await loadFixture(rollupsFixture);
      const queuedAt = eph.expiry - HOUR;
      await time.setNextBlockTimestamp(queuedAt);
      await (await eph.rollup.connect(payer).queueTransaction(TX_HASHES[0], FEES[0])).wait();
      await time.setNextBlockTimestamp(queuedAt + INCLUSION_DELAY + 1);
      await expect(eph.rollup.connect(outsider).forceInclude(1))
        .to.be.revertedWithCustomError(eph.rollup, "RollupNotActive")
        .withArgs(Status.Settling);
    });
  });

  // ------------------------------------------------------------------------------------------------ outputs

  describe("outputs", function () {
    it("takes proposals from the proposer at exactly the next interval multiple", async function () {
      const { proposer, eph } = await loadFixture(rollupsFixture);
      const r = eph.rollup;
      for (const wrong of [0n, OP_INTERVAL - 1n, OP_INTERVAL + 1n, 2n * OP_INTERVAL]) {
        await expect(r.connect(proposer).proposeOutput(wrong, ROOTS[0], ZeroHash))
          .to.be.revertedWithCustomError(r, "RollupInvalidOutput")
          .withArgs(wrong, OP_INTERVAL);
      }
      const at = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(at);
      const root0 = boundRoot(OP_INTERVAL, ROOTS[0]);
      await expect(r.connect(proposer).proposeOutput(OP_INTERVAL, ROOTS[0], ZeroHash))
        .to.emit(r, "OutputProposed")
        .withArgs(0n, OP_INTERVAL, root0, ROOTS[0], ZeroHash, 0n, ethers.ZeroHash, ethers.ZeroHash, proposer.address);
      expect([...(await r.output(0))]).to.deep.equal([
        OP_INTERVAL,
        BigInt(at),
        OutputStatus.Proposed,
        0n,
        0n, // fastLimit
        root0,
        ROOTS[0],
      ]);
      expect(await r.outputCount()).to.equal(1n);
      await expect(r.connect(proposer).proposeOutput(OP_INTERVAL, ROOTS[1], ZeroHash))
        .to.be.revertedWithCustomError(r, "RollupInvalidOutput")
        .withArgs(OP_INTERVAL, 2n * OP_INTERVAL);
      await expect(r.connect(proposer).proposeOutput(2n * OP_INTERVAL, ROOTS[1], ZeroHash))
        .to.emit(r, "OutputProposed")
        .withArgs(
          1n,
          2n * OP_INTERVAL,
          boundRoot(2n * OP_INTERVAL, ROOTS[1], root0),
          ROOTS[1],
          ZeroHash,
          0n,
          ethers.ZeroHash,
          root0,
          proposer.address,
        );
      await expect(r.output(2)).to.be.revertedWithCustomError(r, "RollupUnknownOutput").withArgs(2n);
    });

    it("outputs are bound to the batches and the previous output: the output root commits to the state root, the withdrawals root, the batch chain head and count at proposal, and the parent output root", async function () {
      const { d, sequencer, proposer, eph } = await loadFixture(rollupsFixture);
      const r = eph.rollup;
      const [l1, l2] = [OP_INTERVAL, 2n * OP_INTERVAL];
      const batch1 = batchRootOf(ethers.ZeroHash, COMMITMENT, 0);
      await (await r.connect(sequencer).appendBatch(COMMITMENT, 0)).wait();
      // output 0 on one batch: its root commits to the state root, the withdrawals root, the chain (count 1, head
      // batch1) and no parent
      const withdrawals0 = ethers.id("withdrawals 0");
      const root0 = outputRootOf({
        l2BlockNumber: l1,
        stateRoot: ROOTS[0],
        withdrawalsRoot: withdrawals0,
        batchCount: 1n,
        batchRoot: batch1,
      });
      expect(root0).to.not.equal(
        outputRootOf({ l2BlockNumber: l1, stateRoot: ROOTS[0], batchCount: 1n, batchRoot: batch1 }),
      );
      await expect(r.connect(proposer).proposeOutput(l1, ROOTS[0], withdrawals0))
        .to.emit(r, "OutputProposed")
        .withArgs(0n, l1, root0, ROOTS[0], withdrawals0, 1n, batch1, ethers.ZeroHash, proposer.address);
      const o0 = await r.output(0);
      expect([o0.root, o0.stateRoot, o0.batchCount]).to.deep.equal([root0, ROOTS[0], 1n]);
      expect(root0).to.not.equal(ROOTS[0]);
      // a batch appended after the proposal does not change it: it is judged against the chain it was proposed on
      const batch2 = batchRootOf(batch1, COMMITMENT_2, 0);
      await (await r.connect(sequencer).appendBatch(COMMITMENT_2, 0)).wait();
      expect((await r.output(0)).root).to.equal(root0);
      // output 1 commits to output 0's root and the chain at its own proposal (two batches)
      const root1 = outputRootOf({
        l2BlockNumber: l2,
        stateRoot: ROOTS[1],
        batchCount: 2n,
        batchRoot: batch2,
        parentRoot: root0,
      });
      await expect(r.connect(proposer).proposeOutput(l2, ROOTS[1], ZeroHash))
        .to.emit(r, "OutputProposed")
        .withArgs(1n, l2, root1, ROOTS[1], ZeroHash, 2n, batch2, root0, proposer.address);
      expect((await r.output(1)).root).to.equal(root1);
      // MACH cannot fast-finalize it by the bare state root, nor by its root on fewer batches
      for (const unbound of [ROOTS[1], boundRoot(l2, ROOTS[1], root0, 1n, batch1)]) {
        await expect(r.connect(d.mach).fastFinalize(1, l2, unbound, 0n))
          .to.be.revertedWithCustomError(r, "RollupOutputMismatch")
          .withArgs(1n);
      }
      expect(await r.connect(d.mach).fastFinalize.staticCall(1, l2, root1, 0n)).to.equal(await r.fastFinalityBps());
      // VITAL's invalidation is of the bound root, not of the state root
      await (await r.connect(d.vital).invalidate(1, CHALLENGER)).wait();
      expect(await r.invalidatedAt(l2, root1)).to.not.equal(0n);
      expect(await r.invalidatedAt(l2, ROOTS[1])).to.equal(0n);
      // the same state root proposed again after one more batch is another output root (not the invalidated one)
      const batch3 = batchRootOf(batch2, COMMITMENT, 0);
      await (await r.connect(sequencer).appendBatch(COMMITMENT, 0)).wait();
      const again = boundRoot(l2, ROOTS[1], root0, 3n, batch3);
      expect(again).to.not.equal(root1);
      await expect(r.connect(proposer).proposeOutput(l2, ROOTS[1], ZeroHash))
        .to.emit(r, "OutputProposed")
        .withArgs(1n, l2, again, ROOTS[1], ZeroHash, 3n, batch3, root0, proposer.address);
      expect(await r.connect(d.mach).fastFinalize.staticCall(1, l2, again, 0n)).to.equal(await r.fastFinalityBps());
      // ...and on another parent: output 0 invalidated and replaced, the same output 1 claim gets another root
      await (await r.connect(d.vital).invalidate(0, CHALLENGER)).wait();
      const parent = boundRoot(l1, ROOTS[2], ethers.ZeroHash, 3n, batch3);
      await expect(r.connect(proposer).proposeOutput(l1, ROOTS[2], ZeroHash))
        .to.emit(r, "OutputProposed")
        .withArgs(0n, l1, parent, ROOTS[2], ZeroHash, 3n, batch3, ethers.ZeroHash, proposer.address);
      const onParent = boundRoot(l2, ROOTS[1], parent, 3n, batch3);
      expect(onParent).to.not.equal(again);
      await expect(r.connect(proposer).proposeOutput(l2, ROOTS[1], ZeroHash))
        .to.emit(r, "OutputProposed")
        .withArgs(1n, l2, onParent, ROOTS[1], ZeroHash, 3n, batch3, parent, proposer.address);
      expect([...(await r.output(1))].slice(3)).to.deep.equal([3n, 0n, onParent, ROOTS[1]]);
    });

    it("refuses proposals from anyone but the proposer", async function () {
      const { owner, sequencer, eph } = await loadFixture(rollupsFixture);
      for (const caller of [owner, sequencer]) {
        await expect(eph.rollup.connect(caller).proposeOutput(OP_INTERVAL, ROOTS[0], ZeroHash))
          .to.be.revertedWithCustomError(eph.rollup, "RollupNotProposer")
          .withArgs(caller.address);
      }
    });

    it("lets MACH fast-finalize a Proposed output, once", async function () {
      const { d, eph } = await loadFixture(proposedFixture);
      const r = eph.rollup;
      await expect(fastFinalize(r, d.mach, 1))
        .to.emit(r, "OutputFastFinalized")
        .withArgs(1n, 0n);
      expect((await r.output(1)).status).to.equal(OutputStatus.FastFinalized);
      expect((await r.output(0)).status).to.equal(OutputStatus.Proposed);
      await expect(fastFinalize(r, d.mach, 1))
        .to.be.revertedWithCustomError(r, "RollupOutputStatus")
        .withArgs(1n, OutputStatus.FastFinalized);
      await expect(fastFinalize(r, d.mach, 3))
        .to.be.revertedWithCustomError(r, "RollupUnknownOutput")
        .withArgs(3n);
    });

    it("gives each fast-finalized output its fastLimit: its cover in whole gwei if its parent is Finalized, at most a FastFinalized parent's, zero on a parent only Proposed", async function () {
      const { d, eph, proposer } = await loadFixture(proposedFixture);
      const r = eph.rollup;
      const GWEI = 10n ** 9n;
      // output 1 on output 0, only Proposed: an invalidation of 0 would drop 1 and slash nobody who signed 1
      await expect(fastFinalize(r, d.mach, 1, 9n * ALT))
        .to.emit(r, "OutputFastFinalized")
        .withArgs(1n, 0n);
      expect((await r.output(1)).fastLimit).to.equal(0n);
      // output 0 has no parent: its own cover, rounded down to whole gwei (the unit it is stored in)
      await expect(fastFinalize(r, d.mach, 0, 7n * ALT + GWEI - 1n))
        .to.emit(r, "OutputFastFinalized")
        .withArgs(0n, 7n * ALT);
      expect((await r.output(0)).fastLimit).to.equal((7n * ALT) / GWEI);
      // output 2 on FastFinalized output 1 (limit 0): the lower of the two
      await expect(fastFinalize(r, d.mach, 2, 3n * ALT))
        .to.emit(r, "OutputFastFinalized")
        .withArgs(2n, 0n);
      // invalidated and proposed again, output 2's slot starts over at zero
      await (await r.connect(d.vital).invalidate(2, CHALLENGER)).wait();
      await (await r.connect(proposer).proposeOutput(3n * OP_INTERVAL, ROOTS[1], ZeroHash)).wait();
      expect((await r.output(2)).fastLimit).to.equal(0n);
      // once output 0 is Finalized, output 1's parent is final: a new output 1 takes its own cover...
      await (await r.connect(d.vital).invalidate(1, CHALLENGER)).wait();
      await time.increase(CHALLENGE);
      await (await r.finalize(0)).wait();
      await (await r.connect(proposer).proposeOutput(2n * OP_INTERVAL, ROOTS[2], ZeroHash)).wait();
      await (await r.connect(proposer).proposeOutput(3n * OP_INTERVAL, ROOTS[0], ZeroHash)).wait();
      await expect(fastFinalize(r, d.mach, 1, 9n * ALT))
        .to.emit(r, "OutputFastFinalized")
        .withArgs(1n, 9n * ALT);
      // ...and output 2 on it the lower of its own and 9 ALT, whichever is lower
      await expect(fastFinalize(r, d.mach, 2, 11n * ALT))
        .to.emit(r, "OutputFastFinalized")
        .withArgs(2n, 9n * ALT);
      expect([(await r.output(1)).fastLimit, (await r.output(2)).fastLimit]).to.deep.equal([
        (9n * ALT) / GWEI,
        (9n * ALT) / GWEI,
      ]);
    });

    it("caps a fastLimit at 2^64 - 1 gwei (above ALT's whole supply) whatever cover MACH names", async function () {
      const { d, eph } = await loadFixture(proposedFixture);
      const r = eph.rollup;
      const most = 2n ** 64n - 1n;
      await expect(fastFinalize(r, d.mach, 0, ethers.MaxUint256))
        .to.emit(r, "OutputFastFinalized")
        .withArgs(0n, most * 10n ** 9n);
      expect((await r.output(0)).fastLimit).to.equal(most);
      expect(most * 10n ** 9n).to.be.greaterThan(await d.token.totalSupply());
    });

    it("fast-finalizes only the output MACH names: its own block and root, and returns the rollup's threshold", async function () {
      const { d, eph } = await loadFixture(proposedFixture);
      const r = eph.rollup;
      const o = await r.output(1);
      // a certificate for another root or block at this index must not finalize this output
      await expect(r.connect(d.mach).fastFinalize(1, o.l2BlockNumber, ROOTS[2], 0n))
        .to.be.revertedWithCustomError(r, "RollupOutputMismatch")
        .withArgs(1n);
      await expect(r.connect(d.mach).fastFinalize(1, o.l2BlockNumber + OP_INTERVAL, o.root, 0n))
        .to.be.revertedWithCustomError(r, "RollupOutputMismatch")
        .withArgs(1n);
      expect(await r.connect(d.mach).fastFinalize.staticCall(1, o.l2BlockNumber, o.root, 0n)).to.equal(
        await r.fastFinalityBps(),
      );
      expect(await r.fastFinalityBps()).to.equal(DEFAULT_FAST_FINALITY_BPS);
    });

    it("a root VITAL invalidated may be proposed again but never fast-finalized again; the outputs dropped after it are not marked", async function () {
      const { d, proposer, eph } = await loadFixture(proposedFixture);
      const r = eph.rollup;
      const [bad, dropped] = [await r.output(1), await r.output(2)];
      const at = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(at);
      await (await r.connect(d.vital).invalidate(1, CHALLENGER)).wait();
      expect(await r.invalidatedAt(bad.l2BlockNumber, bad.root)).to.equal(BigInt(at));
      expect([...(await r.invalidation(bad.l2BlockNumber, bad.root))]).to.deep.equal([bad.proposedAt, BigInt(at)]);
      // only the output proven wrong is marked: the later ones were dropped for building on it
      expect(await r.invalidatedAt(dropped.l2BlockNumber, dropped.root)).to.equal(0n);
      expect([...(await r.invalidation(dropped.l2BlockNumber, dropped.root))]).to.deep.equal([0n, 0n]);
      // VITAL may have erred: the same root may come back, to finalize by its challenge period or a proof (the same
      // state root on the same batches and parent is the same output root)...
      const parent = (await r.output(0)).root;
      await expect(r.connect(proposer).proposeOutput(bad.l2BlockNumber, bad.stateRoot, ZeroHash))
        .to.emit(r, "OutputProposed")
        .withArgs(
          1n,
          bad.l2BlockNumber,
          bad.root,
          bad.stateRoot,
          ZeroHash,
          0n,
          ethers.ZeroHash,
          parent,
          proposer.address,
        );
      // ...but MACH's signatures of a root proven wrong never fast-finalize it again
      await expect(r.connect(d.mach).fastFinalize(1, bad.l2BlockNumber, bad.root, 0n))
        .to.be.revertedWithCustomError(r, "RollupRootInvalidated")
        .withArgs(bad.l2BlockNumber, bad.root);
      await expect(r.connect(proposer).proposeOutput(dropped.l2BlockNumber, dropped.stateRoot, ZeroHash))
        .to.emit(r, "OutputProposed")
        .withArgs(
          2n,
          dropped.l2BlockNumber,
          dropped.root,
          dropped.stateRoot,
          ZeroHash,
          0n,
          ethers.ZeroHash,
          bad.root,
          proposer.address,
        );
      await expect(r.connect(d.mach).fastFinalize(2, dropped.l2BlockNumber, dropped.root, 0n))
        .to.emit(r, "OutputFastFinalized")
        .withArgs(2n, 0n);
      // invalidated again, the root keeps its first proposal time (MACH's reports of its first signers stay in range)
      const again = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(again);
      await (await r.connect(d.vital).invalidate(1, CHALLENGER)).wait();
      expect([...(await r.invalidation(bad.l2BlockNumber, bad.root))]).to.deep.equal([bad.proposedAt, BigInt(again)]);
      expect((await r.output(0)).root).to.equal(parent);
    });

    it("gives no fastLimit on a rollup without VITAL (a validity rollup): nothing could invalidate the output, so its signers are never slashable", async function () {
      const { d, proposer, zk } = await loadFixture(rollupsFixture);
      const r = zk.rollup;
      expect(Number(await r.services()) & SERVICE.VITAL).to.equal(0);
      await (await r.connect(proposer).proposeOutput(ZK_INTERVAL, ROOTS[0], ZeroHash)).wait();
      await expect(fastFinalize(r, d.mach, 0, 1_000n * ALT))
        .to.emit(r, "OutputFastFinalized")
        .withArgs(0n, 0n);
      expect((await r.output(0)).status).to.equal(OutputStatus.FastFinalized);
      expect((await r.output(0)).fastLimit).to.equal(0n);
    });

    it("refuses fast finality from anyone but MACH, and from MACH when it is not a service of the rollup", async function () {
      const { d, owner, proposer, eph, squadSeq } = await loadFixture(proposedFixture);
      for (const caller of [d.vital, d.squad, owner, proposer]) {
        await expect(fastFinalize(eph.rollup, caller, 0))
          .to.be.revertedWithCustomError(eph.rollup, "RollupNotService")
          .withArgs(caller.address);
      }
      await (await squadSeq.rollup.connect(proposer).proposeOutput(OP_INTERVAL, ROOTS[0], ZeroHash)).wait();
      await expect(fastFinalize(squadSeq.rollup, d.mach, 0))
        .to.be.revertedWithCustomError(squadSeq.rollup, "RollupNotService")
        .withArgs(d.mach.address);
    });

    it("finalizes an optimistic output in order, exactly when its challenge period ends", async function () {
      const { d, outsider, eph, proposedAt } = await loadFixture(proposedFixture);
      const r = eph.rollup;
      await expect(r.connect(outsider).finalize(1))
        .to.be.revertedWithCustomError(r, "RollupOutputNotInOrder")
        .withArgs(1n);
      await time.setNextBlockTimestamp(proposedAt[0] + CHALLENGE - 1);
      await expect(r.connect(outsider).finalize(0))
        .to.be.revertedWithCustomError(r, "RollupChallengePeriod")
        .withArgs(0n, BigInt(proposedAt[0] + CHALLENGE));
      await time.setNextBlockTimestamp(proposedAt[0] + CHALLENGE);
      await expect(r.connect(outsider).finalize(0)).to.emit(r, "OutputFinalized").withArgs(0n);
      expect((await r.output(0)).status).to.equal(OutputStatus.Finalized);
      expect(await r.finalizedCount()).to.equal(1n);
      await expect(r.connect(outsider).finalize(0))
        .to.be.revertedWithCustomError(r, "RollupOutputNotInOrder")
        .withArgs(0n);
      await expect(fastFinalize(r, d.mach, 0))
        .to.be.revertedWithCustomError(r, "RollupOutputStatus")
        .withArgs(0n, OutputStatus.Finalized);
      await expect(r.connect(outsider).finalize(3))
        .to.be.revertedWithCustomError(r, "RollupUnknownOutput")
        .withArgs(3n);
      // a fast-finalized output still finalizes after its challenge period
      await (await fastFinalize(r, d.mach, 1)).wait();
      await time.setNextBlockTimestamp(proposedAt[1] + CHALLENGE - 1);
      await expect(r.connect(outsider).finalize(1))
        .to.be.revertedWithCustomError(r, "RollupChallengePeriod")
        .withArgs(1n, BigInt(proposedAt[1] + CHALLENGE));
      await expect(r.connect(outsider).finalize(1)).to.emit(r, "OutputFinalized").withArgs(1n);
      expect(await r.finalizedCount()).to.equal(2n);
    });

    it("refuses optimistic finalization on a validity rollup", async function () {
      const { proposer, zk } = await loadFixture(rollupsFixture);
      await (await zk.rollup.connect(proposer).proposeOutput(ZK_INTERVAL, ROOTS[0], ZeroHash)).wait();
      await time.increase(CHALLENGE);
      await expect(zk.rollup.finalize(0)).to.be.revertedWithCustomError(zk.rollup, "RollupNotOptimistic");
    });

    for (const name of ["zk", "cdk"] as const) {
      it(`finalizes a ${name === "zk" ? "ZK Stack" : "Polygon CDK"} output in order with a valid proof`, async function () {
        const f = await loadFixture(rollupsFixture);
        const { proposer, outsider } = f;
        const { rollup: r, chainId } = f[name];
        for (const i of [0, 1, 2]) {
          await (await r.connect(proposer).proposeOutput(ZK_INTERVAL * BigInt(i + 1), ROOTS[i], ZeroHash)).wait();
        }
        // the proof is of the output root: bound to the batches and the previous output
        const [root0, root1] = [(await r.output(0)).root, (await r.output(1)).root];
        expect(root0).to.equal(boundRoot(ZK_INTERVAL, ROOTS[0]));
        // another output's root, the bare state root or another chain's proof does not prove it
        for (const wrong of [
          proofOf(chainId, ZK_INTERVAL, root1),
          proofOf(chainId, ZK_INTERVAL, ROOTS[0]),
          proofOf(chainId + 1, ZK_INTERVAL, root0),
        ]) {
          await expect(r.connect(outsider).proveOutput(0, wrong))
            .to.be.revertedWithCustomError(r, "RollupInvalidProof")
            .withArgs(0n);
        }
        await expect(r.connect(outsider).proveOutput(1, proofOf(chainId, 2n * ZK_INTERVAL, root1)))
          .to.be.revertedWithCustomError(r, "RollupOutputNotInOrder")
          .withArgs(1n);
        // no challenge period: the proof finalizes at once
        await expect(r.connect(outsider).proveOutput(0, proofOf(chainId, ZK_INTERVAL, root0)))
          .to.emit(r, "OutputFinalized")
          .withArgs(0n);
        expect((await r.output(0)).status).to.equal(OutputStatus.Finalized);
        await expect(r.connect(outsider).proveOutput(1, proofOf(chainId, 2n * ZK_INTERVAL, root1)))
          .to.emit(r, "OutputFinalized")
          .withArgs(1n);
        expect(await r.finalizedCount()).to.equal(2n);
        expect((await r.output(2)).status).to.equal(OutputStatus.Proposed);
      });
    }

    it("refuses proofs on an optimistic rollup", async function () {
      const { eph } = await loadFixture(proposedFixture);
      await expect(
        eph.rollup.proveOutput(0, proofOf(eph.chainId, OP_INTERVAL, ROOTS[0])),
      ).to.be.revertedWithCustomError(eph.rollup, "RollupNotValidity");
    });

    it("lets VITAL invalidate an output and every later one; the next proposal continues from the last live one", async function () {
      const { d, proposer, eph, proposedAt } = await loadFixture(proposedFixture);
      const r = eph.rollup;
      await expect(r.connect(d.vital).invalidate(1, CHALLENGER)).to.emit(r, "OutputsInvalidated").withArgs(1n, 3n);
      expect(await r.outputCount()).to.equal(1n);
      for (const gone of [1n, 2n]) {
        await expect(r.output(gone)).to.be.revertedWithCustomError(r, "RollupUnknownOutput").withArgs(gone);
      }
      const root0 = boundRoot(OP_INTERVAL, ROOTS[0]);
      expect([...(await r.output(0))]).to.deep.equal([
        OP_INTERVAL,
        BigInt(proposedAt[0]),
        OutputStatus.Proposed,
        0n,
        0n, // fastLimit
        root0,
        ROOTS[0],
      ]);
      await expect(r.connect(d.vital).invalidate(1, CHALLENGER))
        .to.be.revertedWithCustomError(r, "RollupUnknownOutput")
        .withArgs(1n);
      await expect(fastFinalize(r, d.mach, 1))
        .to.be.revertedWithCustomError(r, "RollupUnknownOutput")
        .withArgs(1n);
      await expect(r.connect(proposer).proposeOutput(4n * OP_INTERVAL, ROOTS[0], ZeroHash))
        .to.be.revertedWithCustomError(r, "RollupInvalidOutput")
        .withArgs(4n * OP_INTERVAL, 2n * OP_INTERVAL);
      const replacement = ethers.id("root-1-replacement");
      const at = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(at);
      const root1 = boundRoot(2n * OP_INTERVAL, replacement, root0);
      await expect(r.connect(proposer).proposeOutput(2n * OP_INTERVAL, replacement, ZeroHash))
        .to.emit(r, "OutputProposed")
        .withArgs(1n, 2n * OP_INTERVAL, root1, replacement, ZeroHash, 0n, ethers.ZeroHash, root0, proposer.address);
      expect([...(await r.output(1))]).to.deep.equal([
        2n * OP_INTERVAL,
        BigInt(at),
        OutputStatus.Proposed,
        0n,
        0n, // fastLimit
        root1,
        replacement,
      ]);
      // invalidating the first output empties the list: the next proposal is the first interval again
      await expect(r.connect(d.vital).invalidate(0, CHALLENGER)).to.emit(r, "OutputsInvalidated").withArgs(0n, 2n);
      expect(await r.outputCount()).to.equal(0n);
      await expect(r.connect(proposer).proposeOutput(OP_INTERVAL, ROOTS[2], ZeroHash))
        .to.emit(r, "OutputProposed")
        .withArgs(
          0n,
          OP_INTERVAL,
          boundRoot(OP_INTERVAL, ROOTS[2]),
          ROOTS[2],
          ZeroHash,
          0n,
          ethers.ZeroHash,
          ethers.ZeroHash,
          proposer.address,
        );
    });

    it("lets VITAL invalidate a fast-finalized output but never a Finalized one", async function () {
      const { d, eph, proposedAt } = await loadFixture(proposedFixture);
      const r = eph.rollup;
      await (await fastFinalize(r, d.mach, 2)).wait();
      await time.increaseTo(proposedAt[0] + CHALLENGE);
      await (await r.finalize(0)).wait();
      await expect(r.connect(d.vital).invalidate(0, CHALLENGER))
        .to.be.revertedWithCustomError(r, "RollupOutputStatus")
        .withArgs(0n, OutputStatus.Finalized);
      await expect(r.connect(d.vital).invalidate(2, CHALLENGER)).to.emit(r, "OutputsInvalidated").withArgs(2n, 3n);
      await expect(r.connect(d.vital).invalidate(1, CHALLENGER)).to.emit(r, "OutputsInvalidated").withArgs(1n, 2n);
      expect(await r.outputCount()).to.equal(1n);
      expect(await r.finalizedCount()).to.equal(1n);
    });

    it("refuses invalidation from anyone but VITAL, and from VITAL when it is not a service of the rollup", async function () {
      const { d, owner, proposer, eph, cdk } = await loadFixture(proposedFixture);
      for (const caller of [d.mach, d.squad, owner, proposer]) {
        await expect(eph.rollup.connect(caller).invalidate(0, CHALLENGER))
          .to.be.revertedWithCustomError(eph.rollup, "RollupNotService")
          .withArgs(caller.address);
      }
      await (await cdk.rollup.connect(proposer).proposeOutput(ZK_INTERVAL, ROOTS[0], ZeroHash)).wait();
      await expect(cdk.rollup.connect(d.vital).invalidate(0, CHALLENGER))
        .to.be.revertedWithCustomError(cdk.rollup, "RollupNotService")
        .withArgs(d.vital.address);
    });

    it("refuses every output operation while paused", async function () {
      const { d, proposer, eph, proposedAt } = await loadFixture(proposedFixture);
      const r = eph.rollup;
      await time.increaseTo(proposedAt[2] + CHALLENGE);
      await (await r.connect(d.council).setPaused(true)).wait();
      for (const call of [
        () => r.connect(proposer).proposeOutput(4n * OP_INTERVAL, ROOTS[0], ZeroHash),
        () => fastFinalize(r, d.mach, 0),
        () => r.finalize(0),
        () => r.connect(d.vital).invalidate(0, CHALLENGER),
      ]) {
        await expect(call()).to.be.revertedWithCustomError(r, "RollupPaused");
      }
    });
  });

  describe("output bonds", function () {
    it("bonds the proposer per output: a proposal pulls the rollup's outputBond, its finalization gives it back", async function () {
      const { d, proposer, outsider, eph } = await loadFixture(rollupsFixture);
      const r = eph.rollup;
      expect(await r.outputBond()).to.equal(OUTPUT_BOND);
      const before = await d.token.balanceOf(proposer.address);
      const held = await d.token.balanceOf(eph.address);
      await (await r.connect(proposer).proposeOutput(OP_INTERVAL, ROOTS[0], ZeroHash)).wait();
      await (await r.connect(proposer).proposeOutput(2n * OP_INTERVAL, ROOTS[1], ZeroHash)).wait();
      expect(await d.token.balanceOf(proposer.address)).to.equal(before - 2n * OUTPUT_BOND);
      expect(await d.token.balanceOf(eph.address)).to.equal(held + 2n * OUTPUT_BOND);
      await time.increaseTo((await r.output(0)).proposedAt + BigInt(CHALLENGE));
      // whoever finalizes, the bond goes back to the proposer
      await expect(r.connect(outsider).finalize(0)).to.changeTokenBalances(
        d.token,
        [proposer, outsider, r],
        [OUTPUT_BOND, 0n, -OUTPUT_BOND],
      );
      expect(await d.token.balanceOf(eph.address)).to.equal(held + OUTPUT_BOND);
    });

    it("a bad output costs its bond, operator or not, slash cap full or not: invalidation forfeits it (the challenger's share to the challenger, the rest to the treasury) and gives the dropped outputs' bonds back", async function () {
      const { d, proposer, eph } = await loadFixture(proposedFixture);
      const r = eph.rollup;
      const reward = challengerShare(OUTPUT_BOND);
      const invalidation = r.connect(d.vital).invalidate(1, CHALLENGER);
      await expect(invalidation)
        .to.emit(r, "OutputBondForfeited")
        .withArgs(1n, CHALLENGER, reward, OUTPUT_BOND - reward, OUTPUT_BOND);
      await expect(invalidation).to.changeTokenBalances(
        d.token,
        [CHALLENGER, d.treasury.address, proposer.address, eph.address],
        [reward, OUTPUT_BOND - reward, OUTPUT_BOND, -2n * OUTPUT_BOND],
      );
      // the last output's bond alone: nothing dropped after it
      const last = r.connect(d.vital).invalidate(0, CHALLENGER);
      await expect(last)
        .to.emit(r, "OutputBondForfeited")
        .withArgs(0n, CHALLENGER, reward, OUTPUT_BOND - reward, 0n);
      await expect(last).to.changeTokenBalances(d.token, [proposer.address, eph.address], [0n, -OUTPUT_BOND]);
    });

    it("a fast-finalized output VITAL invalidates forfeits its bond too", async function () {
      const { d, eph } = await loadFixture(proposedFixture);
      const r = eph.rollup;
      await (await fastFinalize(r, d.mach, 2)).wait();
      const reward = challengerShare(OUTPUT_BOND);
      await expect(r.connect(d.vital).invalidate(2, CHALLENGER))
        .to.emit(r, "OutputBondForfeited")
        .withArgs(2n, CHALLENGER, reward, OUTPUT_BOND - reward, 0n);
    });

    it("refuses a proposal whose bond cannot be pulled, changing nothing", async function () {
      const { d, proposer, eph } = await loadFixture(rollupsFixture);
      const r = eph.rollup;
      await (await d.token.connect(proposer).approve(eph.address, OUTPUT_BOND - 1n)).wait();
      await expect(r.connect(proposer).proposeOutput(OP_INTERVAL, ROOTS[0], ZeroHash))
        .to.be.revertedWithCustomError(d.token, "ERC20InsufficientAllowance")
        .withArgs(eph.address, OUTPUT_BOND - 1n, OUTPUT_BOND);
      expect(await r.outputCount()).to.equal(0n);
    });

    it("bonds nothing where nothing could forfeit the bond: without VITAL, and on validity rollups", async function () {
      const { d, owner, proposer, zk } = await loadFixture(rollupsFixture);
      const machOnly = await createRollup(d, owner, {
        chainId: 1_007,
        salt: ethers.id("mach-only"),
        proposer: proposer.address,
        services: SERVICE.MACH,
      });
      for (const [r, interval] of [
        [machOnly, OP_INTERVAL],
        [zk.rollup, ZK_INTERVAL],
      ] as const) {
        expect(await r.outputBond()).to.equal(0n);
        await expect(r.connect(proposer).proposeOutput(interval, ROOTS[0], ZeroHash)).to.changeTokenBalance(
          d.token,
          proposer,
          0n,
        );
      }
    });

    it("keeps the output bond it was created with when its template changes", async function () {
      const { d, proposer, eph } = await loadFixture(rollupsFixture);
      await (
        await d.factory
          .connect(d.deployer)
          .updateTemplate(TEMPLATE.OPStack, { ...(await templateOf(d, TEMPLATE.OPStack)), outputBond: 7n * ALT })
      ).wait();
      expect(await eph.rollup.outputBond()).to.equal(OUTPUT_BOND);
      await expect(eph.rollup.connect(proposer).proposeOutput(OP_INTERVAL, ROOTS[0], ZeroHash)).to.changeTokenBalance(
        d.token,
        proposer,
        -OUTPUT_BOND,
      );
    });
  });

  // ------------------------------------------------------------------------------------------------ lifecycle

  describe("lifecycle", function () {
    it("is Active until the expiry, Settling from the expiry and Retired once settled", async function () {
      const { eph } = await loadFixture(rollupsFixture);
      const r = eph.rollup;
      await time.increaseTo(eph.expiry - 1);
      expect(await r.status()).to.equal(Status.Active);
      await time.increaseTo(eph.expiry);
      expect(await r.status()).to.equal(Status.Settling);
      await time.increaseTo(eph.expiry + WINDOW);
      expect(await r.status()).to.equal(Status.Settling);
      await (await r.settle()).wait();
      expect(await r.status()).to.equal(Status.Retired);
    });

    it("settling rollups keep their last outputs: an output proposed before the end of settlement finalizes after it, and after retirement", async function () {
      const { proposer, outsider, eph } = await loadFixture(rollupsFixture);
      const r = eph.rollup;
      const settlesAt = eph.expiry + WINDOW;
      const proposedAt = [eph.expiry - 10, eph.expiry, settlesAt - 1];
      const propose = async (i: number) => {
        await time.setNextBlockTimestamp(proposedAt[i]);
        await expect(r.connect(proposer).proposeOutput(OP_INTERVAL * BigInt(i + 1), ROOTS[i], ZeroHash)).to.emit(
          r,
          "OutputProposed",
        );
      };
      await propose(0);
      await propose(1);
      expect(await r.status()).to.equal(Status.Settling);
      // outputs 0 and 1 (proposed up to the expiry) finalize within the window: it is at least the challenge period
      await time.setNextBlockTimestamp(settlesAt - 2);
      await expect(r.connect(outsider).finalize(0)).to.emit(r, "OutputFinalized").withArgs(0n);
      await propose(2);
      await time.setNextBlockTimestamp(settlesAt);
      await expect(r.connect(outsider).finalize(1)).to.emit(r, "OutputFinalized").withArgs(1n);
      // nothing new is proposed once the window is over
      await expect(r.connect(proposer).proposeOutput(4n * OP_INTERVAL, ROOTS[0], ZeroHash))
        .to.be.revertedWithCustomError(r, "RollupNotActive")
        .withArgs(Status.Settling);
      await (await r.settle()).wait();
      expect(await r.status()).to.equal(Status.Retired);
      // output 2, proposed a second before the end of settlement, finalizes when its challenge period ends
      await time.setNextBlockTimestamp(proposedAt[2] + CHALLENGE - 1);
      await expect(r.connect(outsider).finalize(2))
        .to.be.revertedWithCustomError(r, "RollupChallengePeriod")
        .withArgs(2n, proposedAt[2] + CHALLENGE);
      await time.setNextBlockTimestamp(proposedAt[2] + CHALLENGE);
      await expect(r.connect(outsider).finalize(2)).to.emit(r, "OutputFinalized").withArgs(2n);
      expect(await r.finalizedCount()).to.equal(3n);
    });

    it("takes validity proofs of outputs proposed before the end of settlement after it, and after retirement", async function () {
      const { owner, proposer, zk } = await loadFixture(rollupsFixture);
      const r = zk.rollup;
      await (await r.connect(proposer).proposeOutput(ZK_INTERVAL, ROOTS[0], ZeroHash)).wait();
      await (await r.connect(proposer).proposeOutput(2n * ZK_INTERVAL, ROOTS[1], ZeroHash)).wait();
      const sunsetAt = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(sunsetAt);
      await (await r.connect(owner).sunset()).wait();
      await time.setNextBlockTimestamp(sunsetAt + WINDOW - 1);
      const [root0, root1] = [(await r.output(0)).root, (await r.output(1)).root];
      await expect(r.proveOutput(0, proofOf(zk.chainId, ZK_INTERVAL, root0))).to.emit(r, "OutputFinalized");
      await time.setNextBlockTimestamp(sunsetAt + WINDOW);
      await (await r.settle()).wait();
      await expect(r.proveOutput(1, proofOf(zk.chainId, 2n * ZK_INTERVAL, root1)))
        .to.emit(r, "OutputFinalized")
        .withArgs(1n);
    });

    it("keeps the fee rate and settlement window it was created with when the factory's terms change", async function () {
      const { d, proposer, owner, eph } = await loadFixture(rollupsFixture);
      await (await d.factory.connect(d.deployer).setSettlementWindow(DAY)).wait();
      await (await d.factory.connect(d.deployer).setFeeRate(RATE * 2n)).wait();
      expect(await eph.rollup.settlementWindow()).to.equal(BigInt(WINDOW));
      await expect(eph.rollup.connect(owner).extend(eph.expiry + 100))
        .to.emit(eph.rollup, "Extended")
        .withArgs(eph.expiry + 100, RATE * 2n * 100n);
      const expiry = eph.expiry + 100;
      await time.setNextBlockTimestamp(expiry + DAY);
      await expect(eph.rollup.settle())
        .to.be.revertedWithCustomError(eph.rollup, "RollupNotSettled")
        .withArgs(expiry + WINDOW);
      await expect(eph.rollup.connect(proposer).proposeOutput(OP_INTERVAL, ROOTS[0], ZeroHash)).to.emit(
        eph.rollup,
        "OutputProposed",
      );
    });

    it("refuses to settle before the settlement window ends, and a permanent rollup ever", async function () {
      const { eph, perm } = await loadFixture(rollupsFixture);
      const settlesAt = eph.expiry + WINDOW;
      await time.setNextBlockTimestamp(settlesAt - 1);
      await expect(eph.rollup.settle())
        .to.be.revertedWithCustomError(eph.rollup, "RollupNotSettled")
        .withArgs(settlesAt);
      await expect(perm.rollup.settle())
        .to.be.revertedWithCustomError(perm.rollup, "RollupNotSettled")
        .withArgs(ethers.MaxUint256);
      await expect(eph.rollup.settle()).to.emit(eph.rollup, "Retired");
    });

    it("settles by streaming the fees still due — expired by then, refunded with the escrow to the owner — leaving queue fees", async function () {
      const { d, owner, payer, outsider, eph } = await loadFixture(rollupsFixture);
      const r = eph.rollup;
      await (await r.connect(payer).queueTransaction(TX_HASHES[0], FEES[0])).wait();
      const key = keyOf(eph.address);
      const [vitalSet, machSet] = [setIdOf(d.vital.address, key), setIdOf(d.mach.address, key)];
      const treasury = await d.rewards.treasury();

      // a first stream 10 days after the creation pays each set the time since the previous epoch began
      const streamedAt = eph.createdAt + 10 * DAY;
      const open = await opensAt(d, streamedAt);
      expect(open).to.be.greaterThan(eph.createdAt).and.lessThan(streamedAt);
      const expired = RATE * BigInt(open - eph.createdAt); // per service
      const share = RATE * BigInt(streamedAt - open);
      const owedBefore = await d.rewards.owedScaled(treasury);
      await time.setNextBlockTimestamp(streamedAt);
      const stream = r.connect(outsider).streamFees();
      await expect(stream).to.emit(r, "FeesExpired").withArgs(eph.createdAt, open, expired);
      const credits = [
        await creditArgs(d, vitalSet, eph.address, share, streamedAt),
        await creditArgs(d, machSet, eph.address, share, streamedAt),
      ];
      await expect(stream)
        .to.emit(d.rewards, "FeesCredited")
        .withArgs(...credits[0])
        .and.to.emit(d.rewards, "FeesCredited")
        .withArgs(...credits[1]);
      // the treasury is owed both protocol shares and both rounding remainders
      expect((await d.rewards.owedScaled(treasury)) - owedBefore).to.equal(toTreasury(...credits));
      await expect(stream)
        .to.emit(r, "FeesStreamed")
        .withArgs(2n * share, streamedAt);
      await expect(stream).to.changeTokenBalances(d.token, [r, d.rewards], [-2n * share, 2n * share]);
      expect(await r.streamed()).to.equal(2n * share);
      expect(await r.escrow()).to.equal(eph.paid - 2n * share);
      await expectAccounted(d, r, FEES[0]);

      // at the end of the settlement window the rest of the lifetime is older than the previous epoch: expired, no set
      // is credited for it, and it is refunded with the rest of the escrow
      const settledAt = eph.expiry + WINDOW;
      expect(await opensAt(d, settledAt)).to.be.at.least(eph.expiry);
      const due = RATE * BigInt(eph.expiry - streamedAt); // per service
      const refund = EXTRA + 2n * (expired + due);
      await time.setNextBlockTimestamp(settledAt);
      const tx = r.connect(outsider).settle();
      await expect(tx).to.emit(r, "FeesExpired").withArgs(streamedAt, eph.expiry, due);
      await expect(tx).to.emit(r, "FeesStreamed").withArgs(0n, eph.expiry);
      await expect(tx).not.to.emit(d.rewards, "FeesCredited");
      await expect(tx).not.to.emit(r, "FeesNotCredited");
      await expect(tx).to.emit(r, "Retired").withArgs(refund);
      await expect(tx).to.changeTokenBalances(d.token, [owner, d.rewards, r, outsider], [refund, 0n, -refund, 0n]);
      expect(await r.status()).to.equal(Status.Retired);
      expect(await r.streamed()).to.equal(2n * share);
      expect(await r.refunded()).to.equal(refund);
      expect(await r.paid()).to.equal(eph.paid);
      expect(refund + 2n * share).to.equal(eph.paid);
      expect(await r.escrow()).to.equal(0n);
      expect(await r.lastStreamed()).to.equal(BigInt(eph.expiry));
      expect(await d.token.allowance(eph.address, await d.rewards.getAddress())).to.equal(0n);
      // the pending item's fee stays, for its payer to reclaim
      expect(await d.token.balanceOf(eph.address)).to.equal(FEES[0]);
      await expectAccounted(d, r, FEES[0]);
      await expect(r.settle()).to.be.revertedWithCustomError(r, "RollupRetired");
      await expect(r.streamFees()).to.be.revertedWithCustomError(r, "RollupRetired");
    });

    it("settles a rollup whose services never created their sets, refunding their shares", async function () {
      const { d, owner, bare } = await loadFixture(rollupsFixture);
      const r = bare.rollup;
      const key = keyOf(bare.address);
      const [vitalSet, machSet] = [setIdOf(d.vital.address, key), setIdOf(d.mach.address, key)];
      // a keeper streams every epoch: no set, so each share stays in escrow (FeesNotCredited), none expires
      const through = (await nextEpochStart(d.operatorSets, bare.expiry)) - Number(await d.operatorSets.epochLength());
      let last = bare.createdAt;
      for (
        let at = await nextEpochStart(d.operatorSets, last);
        at <= through;
        at = await nextEpochStart(d.operatorSets, at)
      ) {
        await time.setNextBlockTimestamp(at);
        const share = RATE * BigInt(at - last);
        const tx = r.streamFees();
        await expectNotCredited(d, r, tx, [vitalSet, machSet], share);
        await expect(tx).to.emit(r, "FeesStreamed").withArgs(0n, at);
        await expect(tx).not.to.emit(r, "FeesExpired");
        last = at;
      }
      // the last one streamed the start of the expiry's epoch
      expect(await r.lastStreamed()).to.equal(BigInt(through));
      expect(through).to.be.lessThan(bare.expiry);
      expect(await r.streamed()).to.equal(0n);
      expect(await r.escrow()).to.equal(bare.paid);
      // settling streams the rest, older than the previous epoch by then: expired, so no FeesNotCredited either
      await time.setNextBlockTimestamp(bare.expiry + WINDOW);
      const tx = r.settle();
      await expect(tx)
        .to.emit(r, "FeesExpired")
        .withArgs(through, bare.expiry, RATE * BigInt(bare.expiry - through));
      await expect(tx).not.to.emit(r, "FeesNotCredited");
      await expect(tx).to.emit(r, "FeesStreamed").withArgs(0n, bare.expiry);
      await expect(tx).not.to.emit(d.rewards, "FeesCredited");
      await expect(tx).to.emit(r, "Retired").withArgs(bare.paid);
      await expect(tx).to.changeTokenBalances(d.token, [owner, d.rewards, r], [bare.paid, 0n, -bare.paid]);
      expect(await r.streamed()).to.equal(0n);
      expect(await r.refunded()).to.equal(bare.paid);
      expect(await r.status()).to.equal(Status.Retired);
      expect(await d.token.allowance(bare.address, await d.rewards.getAddress())).to.equal(0n);
      await expectAccounted(d, r);
    });

    describe("extend", function () {
      it("extends an ephemeral rollup for rate × services × the added time", async function () {
        const { d, owner, eph } = await loadFixture(rollupsFixture);
        const r = eph.rollup;
        const newExpiry = eph.expiry + 10 * DAY + 17;
        const cost = RATE * 2n * BigInt(10 * DAY + 17);
        const tx = r.connect(owner).extend(newExpiry);
        await expect(tx).to.emit(r, "Extended").withArgs(newExpiry, cost);
        await expect(tx).to.changeTokenBalances(d.token, [owner, r], [-cost, cost]);
        expect(await r.expiry()).to.equal(BigInt(newExpiry));
        expect(await r.paidUntil()).to.equal(BigInt(newExpiry));
        expect(await r.paid()).to.equal(eph.paid + cost);
        expect(await r.escrow()).to.equal(eph.paid + cost);
        // the old expiry no longer ends anything
        await time.increaseTo(eph.expiry + WINDOW);
        expect(await r.status()).to.equal(Status.Active);
        await expect(r.settle())
          .to.be.revertedWithCustomError(r, "RollupNotSettled")
          .withArgs(newExpiry + WINDOW);
      });

      it("refuses an extension from anyone but the owner", async function () {
        const { outsider, sequencer, eph } = await loadFixture(rollupsFixture);
        for (const caller of [outsider, sequencer]) {
          await expect(eph.rollup.connect(caller).extend(eph.expiry + DAY))
            .to.be.revertedWithCustomError(eph.rollup, "RollupNotOwner")
            .withArgs(caller.address);
        }
      });

      it("refuses to extend a permanent rollup", async function () {
        const { owner, perm } = await loadFixture(rollupsFixture);
        await expect(perm.rollup.connect(owner).extend((await time.latest()) + DAY)).to.be.revertedWithCustomError(
          perm.rollup,
          "RollupPermanent",
        );
      });

      it("refuses an expiry not after the current one", async function () {
        const { owner, eph } = await loadFixture(rollupsFixture);
        for (const expiry of [eph.expiry, eph.expiry - 1]) {
          await expect(eph.rollup.connect(owner).extend(expiry))
            .to.be.revertedWithCustomError(eph.rollup, "RollupInvalidExpiry")
            .withArgs(expiry);
        }
      });

      it("refuses to extend once Settling, while paused and once retired", async function () {
        const { d, owner, eph } = await loadFixture(rollupsFixture);
        const r = eph.rollup;
        await (await r.connect(d.council).setPaused(true)).wait();
        await expect(r.connect(owner).extend(eph.expiry + DAY)).to.be.revertedWithCustomError(r, "RollupPaused");
        await (await r.connect(d.council).setPaused(false)).wait();
        await time.setNextBlockTimestamp(eph.expiry);
        await expect(r.connect(owner).extend(eph.expiry + DAY))
          .to.be.revertedWithCustomError(r, "RollupNotActive")
          .withArgs(Status.Settling);
        await time.increaseTo(eph.expiry + WINDOW);
        await (await r.settle()).wait();
        await expect(r.connect(owner).extend(eph.expiry + DAY)).to.be.revertedWithCustomError(r, "RollupRetired");
      });
    });

    describe("sunset", function () {
      it("ends an ephemeral rollup now and refunds the unused fees at settlement", async function () {
        const { d, owner, eph } = await loadFixture(rollupsFixture);
        const r = eph.rollup;
        const at = eph.createdAt + 10 * DAY;
        // a keeper streams every epoch up to the sunset
        const streamed = await streamEachEpoch(d.operatorSets, r, 2n * RATE, at - 1);
        const last = Number(await r.lastStreamed());
        expect(last).to.equal(Number(await d.operatorSets.epochStart(await d.operatorSets.epochAt(at))));
        expect(streamed).to.equal(RATE * 2n * BigInt(last - eph.createdAt));
        await time.setNextBlockTimestamp(at);
        await expect(r.connect(owner).sunset()).to.emit(r, "Sunset").withArgs(at);
        expect(await r.expiry()).to.equal(BigInt(at));
        expect(await r.paidUntil()).to.equal(BigInt(at));
        expect(await r.status()).to.equal(Status.Settling);
        await time.setNextBlockTimestamp(at + WINDOW - 1);
        await expect(r.settle())
          .to.be.revertedWithCustomError(r, "RollupNotSettled")
          .withArgs(at + WINDOW);
        // the time since the keeper's last stream is older than the previous epoch by the end of the window: expired,
        // and refunded with the fees of the time after the sunset
        const expired = RATE * BigInt(at - last);
        const refund = eph.paid - streamed;
        expect(refund).to.equal(EXTRA + 2n * RATE * BigInt(eph.expiry - at) + 2n * expired);
        const tx = r.settle();
        await expect(tx).to.emit(r, "FeesExpired").withArgs(last, at, expired);
        await expect(tx).to.emit(r, "FeesStreamed").withArgs(0n, at);
        await expect(tx).to.emit(r, "Retired").withArgs(refund);
        await expect(tx).to.changeTokenBalances(d.token, [owner, d.rewards, r], [refund, 0n, -refund]);
        expect(await r.streamed()).to.equal(streamed);
        expect(await r.refunded()).to.equal(refund);
        await expectAccounted(d, r);
      });

      it("turns a permanent rollup ephemeral, settleable after the window", async function () {
        const { d, owner, perm } = await loadFixture(rollupsFixture);
        const r = perm.rollup;
        const at = perm.createdAt + 5 * DAY;
        await time.setNextBlockTimestamp(at);
        await expect(r.connect(owner).sunset()).to.emit(r, "Sunset").withArgs(at);
        expect(await r.expiry()).to.equal(BigInt(at));
        expect(await r.paidUntil()).to.equal(BigInt(at));
        await expect(r.connect(owner).extend(at + DAY))
          .to.be.revertedWithCustomError(r, "RollupNotActive")
          .withArgs(Status.Settling);
        await time.setNextBlockTimestamp(at + WINDOW);
        // never streamed: by the end of the window its whole life is older than the previous epoch, so it all expires
        // and the whole prepayment is refunded
        expect(await opensAt(d, at + WINDOW)).to.be.at.least(at);
        const tx = r.settle();
        await expect(tx)
          .to.emit(r, "FeesExpired")
          .withArgs(perm.createdAt, at, RATE * BigInt(5 * DAY));
        await expect(tx).to.emit(r, "FeesStreamed").withArgs(0n, at);
        await expect(tx).not.to.emit(r, "FeesNotCredited");
        await expect(tx).to.emit(r, "Retired").withArgs(perm.paid);
        await expect(tx).to.changeTokenBalances(d.token, [owner, d.rewards, r], [perm.paid, 0n, -perm.paid]);
        expect(await r.status()).to.equal(Status.Retired);
        await expectAccounted(d, r);
      });

      it("keeps a permanent rollup's paidUntil when sunset after it, refunding only the dust", async function () {
        const { d, owner, perm } = await loadFixture(rollupsFixture);
        const r = perm.rollup;
        const paidUntil = perm.createdAt + MIN_PREPAID;
        // a keeper streams every epoch, the last time in the epoch after paidUntil, up to paidUntil
        const streamed = await streamEachEpoch(
          d.operatorSets,
          r,
          3n * RATE,
          await nextEpochStart(d.operatorSets, paidUntil),
        );
        expect(streamed).to.equal(RATE * 3n * BigInt(MIN_PREPAID));
        expect(await r.lastStreamed()).to.equal(BigInt(paidUntil));
        const at = paidUntil + 10 * DAY;
        await time.setNextBlockTimestamp(at);
        await (await r.connect(owner).sunset()).wait();
        expect(await r.paidUntil()).to.equal(BigInt(paidUntil));
        await time.setNextBlockTimestamp(at + WINDOW);
        const tx = r.settle();
        await expect(tx).not.to.emit(r, "FeesStreamed");
        await expect(tx).not.to.emit(r, "FeesExpired");
        await expect(tx).to.emit(r, "Retired").withArgs(DUST);
        await expect(tx).to.changeTokenBalances(d.token, [owner, d.rewards, r], [DUST, 0n, -DUST]);
        expect(await r.streamed()).to.equal(streamed);
        await expectAccounted(d, r);
      });

      it("refuses a sunset from anyone but the owner, once Settling, while paused and once retired", async function () {
        const { d, owner, outsider, eph } = await loadFixture(rollupsFixture);
        const r = eph.rollup;
        await expect(r.connect(outsider).sunset())
          .to.be.revertedWithCustomError(r, "RollupNotOwner")
          .withArgs(outsider.address);
        await (await r.connect(d.council).setPaused(true)).wait();
        await expect(r.connect(owner).sunset()).to.be.revertedWithCustomError(r, "RollupPaused");
        await (await r.connect(d.council).setPaused(false)).wait();
        await time.setNextBlockTimestamp(eph.expiry);
        await expect(r.connect(owner).sunset())
          .to.be.revertedWithCustomError(r, "RollupNotActive")
          .withArgs(Status.Settling);
        await time.increaseTo(eph.expiry + WINDOW);
        await (await r.settle()).wait();
        await expect(r.connect(owner).sunset()).to.be.revertedWithCustomError(r, "RollupRetired");
      });
    });

    describe("pause", function () {
      it("a paused rollup cannot retire (RollupPaused): settling would end the pause early, or freeze what it holds", async function () {
        const { d, eph } = await loadFixture(rollupsFixture);
        const r = eph.rollup;
        await time.increaseTo(eph.expiry + WINDOW);
        const at = (await time.latest()) + 10;
        await time.setNextBlockTimestamp(at);
        await (await r.connect(d.council).setPaused(true)).wait();
        await expect(r.settle())
          .to.be.revertedWithCustomError(r, "RollupPaused")
          .withArgs(at + 3 * DAY);
        expect(await r.status()).to.equal(1n); // Settling
        await time.increaseTo(at + 3 * DAY);
        await expect(r.settle()).to.emit(r, "Retired");
      });

      it("lets the council pause for MAX_COUNCIL_PAUSE and lift the pause early", async function () {
        const { d, sequencer, eph } = await loadFixture(rollupsFixture);
        const r = eph.rollup;
        expect([await r.MAX_COUNCIL_PAUSE(), await r.PAUSE_COOLDOWN()]).to.deep.equal([
          3n * BigInt(DAY),
          3n * BigInt(DAY),
        ]);
        expect([await r.paused(), await r.pausedUntil(), await r.resumedAt()]).to.deep.equal([false, 0n, 0n]);
        const at = (await time.latest()) + 10;
        await time.setNextBlockTimestamp(at);
        await expect(r.connect(d.council).setPaused(true))
          .to.emit(r, "Paused")
          .withArgs(at + 3 * DAY);
        expect([await r.paused(), await r.pausedUntil(), await r.resumedAt()]).to.deep.equal([
          true,
          BigInt(at + 3 * DAY),
          0n,
        ]);
        await expect(r.connect(sequencer).appendBatch(COMMITMENT, 0))
          .to.be.revertedWithCustomError(r, "RollupPaused")
          .withArgs(at + 3 * DAY);
        await time.setNextBlockTimestamp(at + DAY);
        await expect(r.connect(d.council).setPaused(false)).to.emit(r, "Resumed");
        expect([await r.paused(), await r.pausedUntil(), await r.resumedAt()]).to.deep.equal([
          false,
          BigInt(at + DAY),
          BigInt(at + DAY),
        ]);
        await expect(r.connect(sequencer).appendBatch(COMMITMENT, 0)).to.emit(r, "BatchAppended");
        await expect(r.connect(d.council).setPaused(false)).to.be.revertedWithCustomError(r, "RollupNotPaused");
      });

      it("a council pause lapses by itself after MAX_COUNCIL_PAUSE, and the council pauses again only PAUSE_COOLDOWN after a pause ended (RollupPauseCooldown)", async function () {
        const { d, sequencer, eph } = await loadFixture(rollupsFixture);
        const r = eph.rollup;
        const at = (await time.latest()) + 10;
        await time.setNextBlockTimestamp(at);
        await (await r.connect(d.council).setPaused(true)).wait();
        // paused already: a second pause would only restart the clock
        await expect(r.connect(d.council).setPaused(true))
          .to.be.revertedWithCustomError(r, "RollupPauseCooldown")
          .withArgs(at + 6 * DAY);
        await time.increaseTo(at + 3 * DAY - 1);
        expect(await r.paused()).to.equal(true);
        await time.increaseTo(at + 3 * DAY);
        // lapsed: nobody had to lift it, and it ended when it lapsed
        expect([await r.paused(), await r.resumedAt()]).to.deep.equal([false, BigInt(at + 3 * DAY)]);
        await expect(r.connect(sequencer).appendBatch(COMMITMENT, 0)).to.emit(r, "BatchAppended");
        await expect(r.connect(d.council).setPaused(false)).to.be.revertedWithCustomError(r, "RollupNotPaused");
        await time.setNextBlockTimestamp(at + 6 * DAY - 1);
        await expect(r.connect(d.council).setPaused(true))
          .to.be.revertedWithCustomError(r, "RollupPauseCooldown")
          .withArgs(at + 6 * DAY);
        await time.setNextBlockTimestamp(at + 6 * DAY);
        await expect(r.connect(d.council).setPaused(true))
          .to.emit(r, "Paused")
          .withArgs(at + 9 * DAY);
        // during a pause, resumedAt is when the one before ended
        expect(await r.resumedAt()).to.equal(BigInt(at + 3 * DAY));
        // a pause lifted early starts the cooldown from the lift
        await time.setNextBlockTimestamp(at + 7 * DAY);
        await (await r.connect(d.council).setPaused(false)).wait();
        await time.setNextBlockTimestamp(at + 10 * DAY - 1);
        await expect(r.connect(d.council).setPaused(true))
          .to.be.revertedWithCustomError(r, "RollupPauseCooldown")
          .withArgs(at + 10 * DAY);
      });

      it("governance (the factory's owner) pauses for longer, extends and shortens a pause, and the council still lifts it; nobody else, never into the past (RollupNotGovernance, RollupPauseInPast)", async function () {
        const { d, owner, eph } = await loadFixture(rollupsFixture);
        const r = eph.rollup;
        expect(await d.factory.owner()).to.equal(d.deployer.address);
        for (const caller of [d.council, owner, d.vital]) {
          await expect(r.connect(caller).pauseUntil((await time.latest()) + 30 * DAY))
            .to.be.revertedWithCustomError(r, "RollupNotGovernance")
            .withArgs(caller.address);
        }
        // times set from here on (the refused calls above mined blocks: under coverage, slowly)
        const at = (await time.latest()) + 10;
        await time.setNextBlockTimestamp(at);
        await expect(r.connect(d.deployer).pauseUntil(at))
          .to.be.revertedWithCustomError(r, "RollupPauseInPast")
          .withArgs(at);
        await time.setNextBlockTimestamp(at + 1);
        await expect(r.connect(d.deployer).pauseUntil(at + 30 * DAY))
          .to.emit(r, "Paused")
          .withArgs(at + 30 * DAY);
        // the council's own pause lasts 3 days; governance's a month, and it extends a council pause likewise
        await time.setNextBlockTimestamp(at + 2);
        await expect(r.connect(d.deployer).pauseUntil(at + 40 * DAY))
          .to.emit(r, "Paused")
          .withArgs(at + 40 * DAY);
        await time.setNextBlockTimestamp(at + 3);
        await (await r.connect(d.deployer).pauseUntil(at + 20 * DAY)).wait();
        expect([await r.pausedUntil(), await r.resumedAt()]).to.deep.equal([BigInt(at + 20 * DAY), 0n]);
        await time.increaseTo(at + 20 * DAY - 2);
        expect(await r.paused()).to.equal(true);
        await expect(r.connect(d.council).setPaused(false)).to.emit(r, "Resumed");
        expect([await r.paused(), await r.resumedAt()]).to.deep.equal([false, BigInt(at + 20 * DAY - 1)]);
      });

      it("refuses pausing from anyone but the council, and once retired", async function () {
        const { d, owner, eph } = await loadFixture(retiredFixture);
        for (const caller of [owner, d.deployer, d.vital]) {
          await expect(eph.rollup.connect(caller).setPaused(true))
            .to.be.revertedWithCustomError(eph.rollup, "RollupNotCouncil")
            .withArgs(caller.address);
        }
        await expect(eph.rollup.connect(d.council).setPaused(true)).to.be.revertedWithCustomError(
          eph.rollup,
          "RollupRetired",
        );
        await expect(eph.rollup.connect(d.deployer).pauseUntil(2n ** 40n)).to.be.revertedWithCustomError(
          eph.rollup,
          "RollupRetired",
        );
      });
    });

    describe("ownership", function () {
      it("moves in two steps: the owner names a pending owner, who accepts", async function () {
        const { d, owner, payer2, outsider, eph } = await loadFixture(rollupsFixture);
        const r = eph.rollup;
        await expect(r.connect(outsider).transferOwnership(outsider.address))
          .to.be.revertedWithCustomError(r, "RollupNotOwner")
          .withArgs(outsider.address);
        await expect(r.connect(owner).transferOwnership(payer2.address))
          .to.emit(r, "OwnershipTransferStarted")
          .withArgs(owner.address, payer2.address);
        expect(await r.pendingOwner()).to.equal(payer2.address);
        expect(await r.owner()).to.equal(owner.address);
        for (const caller of [outsider, owner]) {
          await expect(r.connect(caller).acceptOwnership())
            .to.be.revertedWithCustomError(r, "RollupNotPendingOwner")
            .withArgs(caller.address);
        }
        await expect(r.connect(payer2).acceptOwnership())
          .to.emit(r, "OwnershipTransferred")
          .withArgs(owner.address, payer2.address);
        expect(await r.owner()).to.equal(payer2.address);
        expect(await r.pendingOwner()).to.equal(ethers.ZeroAddress);
        expect([...(await d.factory.rollupsOf(payer2.address))]).to.deep.equal([eph.address]);
        await expect(r.connect(owner).sunset())
          .to.be.revertedWithCustomError(r, "RollupNotOwner")
          .withArgs(owner.address);
        await expect(r.connect(payer2).acceptOwnership())
          .to.be.revertedWithCustomError(r, "RollupNotPendingOwner")
          .withArgs(payer2.address);
      });

      it("sends the settlement refund to the new owner", async function () {
        const { d, owner, payer2, eph } = await loadFixture(rollupsFixture);
        await (await eph.rollup.connect(owner).transferOwnership(payer2.address)).wait();
        await (await eph.rollup.connect(payer2).acceptOwnership()).wait();
        await time.increaseTo(eph.expiry + WINDOW);
        // never streamed: its whole life has expired by the end of the window, so the whole prepayment is refunded
        const tx = eph.rollup.settle();
        await expect(tx)
          .to.emit(eph.rollup, "FeesExpired")
          .withArgs(eph.createdAt, eph.expiry, RATE * BigInt(LIFETIME));
        await expect(tx).to.emit(eph.rollup, "Retired").withArgs(eph.paid);
        await expect(tx).to.changeTokenBalances(d.token, [owner, payer2], [0n, eph.paid]);
      });
    });

    describe("reclaimFee", function () {
      it("refuses to reclaim before retirement", async function () {
        const { outsider, payers, eph } = await loadFixture(queuedFixture);
        await expect(eph.rollup.connect(payers[2]).reclaimFee(2))
          .to.be.revertedWithCustomError(eph.rollup, "RollupNotReclaimable")
          .withArgs(2n);
        await expect(eph.rollup.connect(outsider).reclaimFee(0))
          .to.be.revertedWithCustomError(eph.rollup, "RollupNotReclaimable")
          .withArgs(0n);
      });

      it("pays a pending item's fee back to its payer once after retirement, whoever asks", async function () {
        const { d, payer2, outsider, eph } = await loadFixture(retiredFixture);
        const r = eph.rollup;
        expect(await d.token.balanceOf(eph.address)).to.equal(FEES[1]);
        const tx = r.connect(outsider).reclaimFee(1);
        await expect(tx).to.emit(r, "FeeReclaimed").withArgs(1n, payer2.address, FEES[1]);
        await expect(tx).to.changeTokenBalances(d.token, [payer2, outsider, r], [FEES[1], 0n, -FEES[1]]);
        expect((await r.queuedTransaction(1)).included).to.equal(true);
        await expect(r.connect(payer2).reclaimFee(1))
          .to.be.revertedWithCustomError(r, "RollupNotReclaimable")
          .withArgs(1n);
      });

      it("refuses to reclaim an included item, a fee-less item and an unknown item", async function () {
        const { payer, eph } = await loadFixture(retiredFixture);
        for (const index of [0n, 2n, 3n]) {
          await expect(eph.rollup.connect(payer).reclaimFee(index))
            .to.be.revertedWithCustomError(eph.rollup, "RollupNotReclaimable")
            .withArgs(index);
        }
      });
    });
  });

  // ------------------------------------------------------------------------------------------------ fees

  describe("fees", function () {
    it("streams rate × elapsed seconds to each service's operator set", async function () {
      const { d, outsider, perm } = await loadFixture(rollupsFixture);
      const r = perm.rollup;
      const at = perm.createdAt + 1_000;
      await time.setNextBlockTimestamp(at);
      const tx = r.connect(outsider).streamFees();
      const share = RATE * 1_000n;
      const key = keyOf(perm.address);
      await expect(tx)
        .to.emit(r, "FeesStreamed")
        .withArgs(3n * share, at);
      for (const service of [d.vital, d.mach, d.squad]) {
        await expect(tx)
          .to.emit(d.rewards, "FeesCredited")
          .withArgs(...(await creditArgs(d, setIdOf(service.address, key), perm.address, share, at)));
      }
      await expect(tx).to.changeTokenBalances(d.token, [r, d.rewards, outsider], [-3n * share, 3n * share, 0n]);
      await expect(tx).not.to.emit(r, "FeesNotCredited");
      await expect(tx).not.to.emit(r, "FeesExpired");
      expect(await d.token.allowance(perm.address, await d.rewards.getAddress())).to.equal(0n);
      expect(await r.streamed()).to.equal(3n * share);
      expect(await r.lastStreamed()).to.equal(BigInt(at));
      expect(await r.escrow()).to.equal(perm.paid - 3n * share);
      // the next stream starts where this one ended
      await time.setNextBlockTimestamp(at + 7);
      await expect(r.streamFees())
        .to.emit(r, "FeesStreamed")
        .withArgs(3n * RATE * 7n, at + 7);
      expect(await r.streamed()).to.equal(3n * share + 21n * RATE);
    });

    it("stops a permanent rollup's stream at paidUntil", async function () {
      const { d, perm } = await loadFixture(rollupsFixture);
      const r = perm.rollup;
      const paidUntil = perm.createdAt + MIN_PREPAID;
      const at = paidUntil + 10 * DAY;
      // never streamed until 10 days after paidUntil: all of it is older than the previous epoch, so all of it expires
      expect(await opensAt(d, at)).to.be.at.least(paidUntil);
      await time.setNextBlockTimestamp(at);
      const tx = r.streamFees();
      await expect(tx)
        .to.emit(r, "FeesExpired")
        .withArgs(perm.createdAt, paidUntil, RATE * BigInt(MIN_PREPAID));
      await expect(tx).to.emit(r, "FeesStreamed").withArgs(0n, paidUntil);
      await expect(tx).not.to.emit(d.rewards, "FeesCredited");
      await expect(tx).not.to.emit(r, "FeesNotCredited");
      await expect(tx).to.changeTokenBalances(d.token, [r, d.rewards], [0n, 0n]);
      expect(await r.lastStreamed()).to.equal(BigInt(paidUntil));
      expect(await r.streamed()).to.equal(0n);
      expect(await r.escrow()).to.equal(perm.paid);
      expect(await r.status()).to.equal(Status.Active);
      await expectAccounted(d, r);
      await time.increase(DAY);
      await expect(r.streamFees()).to.be.revertedWithCustomError(r, "RollupNothingToStream");
    });

    it("stops an ephemeral rollup's stream at the expiry", async function () {
      const { d, eph } = await loadFixture(rollupsFixture);
      const r = eph.rollup;
      const at = eph.expiry + DAY;
      // a day after the expiry the previous epoch began before the expiry: that time is paid, the rest expired
      const open = await opensAt(d, at);
      expect(open).to.be.greaterThan(eph.createdAt).and.at.most(eph.expiry);
      const credited = RATE * 2n * BigInt(eph.expiry - open);
      await time.setNextBlockTimestamp(at);
      const tx = r.streamFees();
      await expect(tx)
        .to.emit(r, "FeesExpired")
        .withArgs(eph.createdAt, open, RATE * BigInt(open - eph.createdAt));
      await expect(tx).to.emit(r, "FeesStreamed").withArgs(credited, eph.expiry);
      await expect(tx).to.changeTokenBalances(d.token, [r, d.rewards], [-credited, credited]);
      expect(await r.lastStreamed()).to.equal(BigInt(eph.expiry));
      expect(await r.escrow()).to.equal(EXTRA + RATE * 2n * BigInt(open - eph.createdAt));
      await expectAccounted(d, r);
      await expect(r.streamFees()).to.be.revertedWithCustomError(r, "RollupNothingToStream");
    });

    it("leaves a service without a set, or whose set counts no stake, unpaid for the time streamed, its share in escrow", async function () {
      const { d, owner, outsider, bare } = await loadFixture(rollupsFixture);
      const r = bare.rollup;
      const key = keyOf(bare.address);
      const [vitalSet, machSet] = [setIdOf(d.vital.address, key), setIdOf(d.mach.address, key)];
      const rewards = await d.rewards.getAddress();
      // no set at all: nothing credited, the time is streamed all the same
      const t1 = bare.createdAt + 1_000;
      await time.setNextBlockTimestamp(t1);
      const first = r.streamFees();
      await expectNotCredited(d, r, first, [vitalSet, machSet], RATE * 1_000n);
      // streamed within an epoch of the last stream: nothing expired
      await expect(first).not.to.emit(r, "FeesExpired");
      await expect(first).to.emit(r, "FeesStreamed").withArgs(0n, t1);
      await expect(first).not.to.emit(d.rewards, "FeesCredited");
      await expect(first).to.changeTokenBalances(d.token, [r, d.rewards], [0n, 0n]);
      expect(await r.lastStreamed()).to.equal(BigInt(t1));
      expect(await r.streamed()).to.equal(0n);
      expect(await r.escrow()).to.equal(bare.paid);
      expect(await d.token.allowance(bare.address, rewards)).to.equal(0n);

      // VITAL's set exists but counts no stake (refused: RewardsNoStake), MACH's only under another key: nothing
      // credited, the time is streamed all the same
      await (await d.operatorSets.connect(d.vital).createSet(key, 0, 10)).wait();
      await (await d.operatorSets.connect(d.mach).createSet(ethers.id("not-the-rollup"), 0, 10)).wait();
      const t2 = t1 + 500;
      await time.setNextBlockTimestamp(t2);
      const second = r.streamFees();
      await expectNotCredited(d, r, second, [vitalSet, machSet], RATE * 500n);
      // streamed within an epoch of the last stream: nothing expired
      await expect(second).not.to.emit(r, "FeesExpired");
      await expect(second).to.emit(r, "FeesStreamed").withArgs(0n, t2);
      await expect(second).not.to.emit(d.rewards, "FeesCredited");
      await expect(second).to.changeTokenBalances(d.token, [r, d.rewards], [0n, 0n]);
      expect(await r.streamed()).to.equal(0n);
      expect(await r.escrow()).to.equal(bare.paid);
      expect(await d.token.allowance(bare.address, rewards)).to.equal(0n);

      // an operator joins VITAL's set; from the next epoch it counts stake: VITAL is paid, MACH is not
      await staffSets(d, outsider, "bare-vital", [vitalSet]);
      const t3 = Number(await d.operatorSets.epochStart((await d.operatorSets.currentEpoch()) + 1n));
      await time.setNextBlockTimestamp(t3);
      const third = r.streamFees();
      const paid3 = RATE * BigInt(t3 - t2);
      await expect(third)
        .to.emit(d.rewards, "FeesCredited")
        .withArgs(...(await creditArgs(d, vitalSet, bare.address, paid3, t3)));
      await expect(third).to.emit(r, "FeesNotCredited").withArgs(d.mach.address, machSet, paid3);
      // streamed within an epoch of the last stream: nothing expired
      await expect(third).not.to.emit(r, "FeesExpired");
      await expect(third).to.emit(r, "FeesStreamed").withArgs(paid3, t3);
      await expect(third).to.changeTokenBalances(d.token, [r, d.rewards], [-paid3, paid3]);
      expect(await r.streamed()).to.equal(paid3);
      // the allowance of the share not credited is withdrawn
      expect(await d.token.allowance(bare.address, rewards)).to.equal(0n);

      // MACH's set for the rollup, staffed: from the next epoch both are paid, from the last stream on
      await (await d.operatorSets.connect(d.mach).createSet(key, 0, 10)).wait();
      await staffSets(d, outsider, "bare-mach", [machSet]);
      const t4 = Number(await d.operatorSets.epochStart((await d.operatorSets.currentEpoch()) + 1n));
      await time.setNextBlockTimestamp(t4);
      const treasury = await d.rewards.treasury();
      const owedBefore = await d.rewards.owedScaled(treasury);
      const fourth = r.streamFees();
      const share4 = RATE * BigInt(t4 - t3);
      const credits = [
        await creditArgs(d, vitalSet, bare.address, share4, t4),
        await creditArgs(d, machSet, bare.address, share4, t4),
      ];
      await expect(fourth)
        .to.emit(d.rewards, "FeesCredited")
        .withArgs(...credits[0])
        .and.to.emit(d.rewards, "FeesCredited")
        .withArgs(...credits[1]);
      // one credit does not wait for the next: each is the same share of the same stake, so the same remainder
      expect(credits[0][5]).to.equal(credits[1][5]);
      expect((await d.rewards.owedScaled(treasury)) - owedBefore).to.equal(toTreasury(...credits));
      // streamed within an epoch of the last stream: nothing expired
      await expect(fourth).not.to.emit(r, "FeesExpired");
      await expect(fourth)
        .to.emit(r, "FeesStreamed")
        .withArgs(2n * share4, t4);
      await expect(fourth).not.to.emit(r, "FeesNotCredited");
      expect(await d.token.allowance(bare.address, rewards)).to.equal(0n);

      // the unpaid shares come back to the owner at settlement, with the rest of the lifetime: never streamed while
      // recent, it has expired by then
      await time.setNextBlockTimestamp(bare.expiry + WINDOW);
      const rest = RATE * BigInt(bare.expiry - t4); // per service
      const streamed = paid3 + 2n * share4;
      const settle = r.settle();
      await expect(settle).to.emit(r, "FeesExpired").withArgs(t4, bare.expiry, rest);
      await expect(settle).to.emit(r, "FeesStreamed").withArgs(0n, bare.expiry);
      await expect(settle).not.to.emit(r, "FeesNotCredited");
      await expect(settle)
        .to.emit(r, "Retired")
        .withArgs(bare.paid - streamed);
      await expect(settle).to.changeTokenBalance(d.token, owner, bare.paid - streamed);
      expect(await r.streamed()).to.equal(streamed);
      expect(bare.paid - streamed).to.equal(RATE * (1_000n * 2n + 500n * 2n + BigInt(t3 - t2)) + 2n * rest);
      await expectAccounted(d, r);
    });

    describe("expiry of time not streamed while recent", function () {
      it("expires a late stream's time before the previous epoch, credits only the rest, and refunds the expired part at settlement", async function () {
        const { d, owner, outsider, eph } = await loadFixture(rollupsFixture);
        const r = eph.rollup;
        const key = keyOf(eph.address);
        const [vitalSet, machSet] = [setIdOf(d.vital.address, key), setIdOf(d.mach.address, key)];
        const length = Number(await d.operatorSets.epochLength());
        // first stream in the third epoch after the creation's, 1,000 s in: more than an epoch without a stream
        const at = (await nextEpochStart(d.operatorSets, eph.createdAt)) + 2 * length + 1_000;
        const open = await opensAt(d, at);
        expect(open).to.equal(at - 1_000 - length);
        const expired = RATE * BigInt(open - eph.createdAt); // per service
        const share = RATE * BigInt(at - open);
        await time.setNextBlockTimestamp(at);
        const tx = r.connect(outsider).streamFees();
        await expect(tx).to.emit(r, "FeesExpired").withArgs(eph.createdAt, open, expired);
        await expect(tx)
          .to.emit(d.rewards, "FeesCredited")
          .withArgs(...(await creditArgs(d, vitalSet, eph.address, share, at)))
          .and.to.emit(d.rewards, "FeesCredited")
          .withArgs(...(await creditArgs(d, machSet, eph.address, share, at)));
        await expect(tx)
          .to.emit(r, "FeesStreamed")
          .withArgs(2n * share, at);
        await expect(tx).not.to.emit(r, "FeesNotCredited");
        await expect(tx).to.changeTokenBalances(d.token, [r, d.rewards, outsider], [-2n * share, 2n * share, 0n]);
        const receipt = (await (await tx).wait())!;
        const expiredLogs = receipt.logs.filter((log) => r.interface.parseLog(log)?.name === "FeesExpired");
        expect(expiredLogs.length).to.equal(1); // one event: the amount is each service's
        expect(await r.streamed()).to.equal(2n * share);
        expect(await r.lastStreamed()).to.equal(BigInt(at));
        // the expired part stays in escrow with the fees of the time still to come
        expect(await r.escrow()).to.equal(EXTRA + 2n * expired + 2n * RATE * BigInt(eph.expiry - at));
        expect(await d.token.allowance(eph.address, await d.rewards.getAddress())).to.equal(0n);
        await expectAccounted(d, r);

        // within the next epoch a stream expires nothing
        const next = at + length;
        await time.setNextBlockTimestamp(next);
        const second = r.streamFees();
        await expect(second).not.to.emit(r, "FeesExpired");
        await expect(second)
          .to.emit(r, "FeesStreamed")
          .withArgs(2n * RATE * BigInt(length), next);
        const streamed = 2n * share + 2n * RATE * BigInt(length);
        expect(await r.streamed()).to.equal(streamed);
        await expectAccounted(d, r);

        // at settlement the rest is expired too; the refund is all that was not credited, the first expiry included
        await time.setNextBlockTimestamp(eph.expiry + WINDOW);
        const rest = RATE * BigInt(eph.expiry - next);
        const refund = EXTRA + 2n * expired + 2n * rest;
        const settle = r.settle();
        await expect(settle).to.emit(r, "FeesExpired").withArgs(next, eph.expiry, rest);
        await expect(settle).to.emit(r, "Retired").withArgs(refund);
        await expect(settle).to.changeTokenBalances(d.token, [owner, d.rewards, r], [refund, 0n, -refund]);
        expect(refund + streamed).to.equal(eph.paid);
        expect(await r.refunded()).to.equal(refund);
        expect(await r.escrow()).to.equal(0n);
        await expectAccounted(d, r);
      });

      it("expires nothing from a stream starting at the previous epoch's start, and one second from one starting a second earlier", async function () {
        const { d, perm } = await loadFixture(rollupsFixture);
        const r = perm.rollup;
        const key = keyOf(perm.address);
        const sets = [d.vital, d.mach, d.squad].map((service) => setIdOf(service.address, key));
        const length = Number(await d.operatorSets.epochLength());
        // at the start of the next epoch: from the creation, in the previous epoch
        const t1 = await nextEpochStart(d.operatorSets, perm.createdAt);
        await time.setNextBlockTimestamp(t1);
        const first = r.streamFees();
        await expect(first).not.to.emit(r, "FeesExpired");
        await expect(first)
          .to.emit(r, "FeesStreamed")
          .withArgs(3n * RATE * BigInt(t1 - perm.createdAt), t1);
        // in the last second of the epoch after next: from t1, the previous epoch's start exactly
        const t2 = t1 + 2 * length - 1;
        expect(await opensAt(d, t2)).to.equal(t1);
        await time.setNextBlockTimestamp(t2);
        const second = r.streamFees();
        await expect(second).not.to.emit(r, "FeesExpired");
        await expect(second)
          .to.emit(r, "FeesStreamed")
          .withArgs(3n * RATE * BigInt(t2 - t1), t2);
        // an epoch and a second later: the previous epoch began a second after t2, so that second expires
        const t3 = t2 + 1 + length;
        expect(await opensAt(d, t3)).to.equal(t2 + 1);
        const share = RATE * BigInt(length);
        await time.setNextBlockTimestamp(t3);
        const third = r.streamFees();
        await expect(third)
          .to.emit(r, "FeesExpired")
          .withArgs(t2, t2 + 1, RATE);
        for (const setId of sets) {
          await expect(third)
            .to.emit(d.rewards, "FeesCredited")
            .withArgs(...(await creditArgs(d, setId, perm.address, share, t3)));
        }
        await expect(third)
          .to.emit(r, "FeesStreamed")
          .withArgs(3n * share, t3);
        await expect(third).to.changeTokenBalances(d.token, [r, d.rewards], [-3n * share, 3n * share]);
        const streamed = 3n * RATE * BigInt(t3 - perm.createdAt - 1);
        expect(await r.streamed()).to.equal(streamed);
        expect(await r.escrow()).to.equal(perm.paid - streamed);
        expect(await r.lastStreamed()).to.equal(BigInt(t3));
        await expectAccounted(d, r);
      });

      it("credits nothing from a stream wholly older than the previous epoch: FeesExpired for all of it, no FeesNotCredited", async function () {
        const { d, owner, perm } = await loadFixture(rollupsFixture);
        const r = perm.rollup;
        const paidUntil = perm.createdAt + MIN_PREPAID;
        const t1 = perm.createdAt + 1_000;
        await time.setNextBlockTimestamp(t1);
        await (await r.streamFees()).wait();
        const streamed = 3n * RATE * 1_000n;
        expect(await r.streamed()).to.equal(streamed);
        // two epochs after the one holding paidUntil: the previous epoch began after paidUntil
        const length = Number(await d.operatorSets.epochLength());
        const at = (await nextEpochStart(d.operatorSets, paidUntil)) + length;
        expect(await opensAt(d, at)).to.be.greaterThan(paidUntil);
        const rewardsOwed = await d.rewards.owedScaled(await d.rewards.treasury());
        await time.setNextBlockTimestamp(at);
        const tx = r.streamFees();
        await expect(tx)
          .to.emit(r, "FeesExpired")
          .withArgs(t1, paidUntil, RATE * BigInt(paidUntil - t1));
        await expect(tx).not.to.emit(r, "FeesNotCredited");
        await expect(tx).not.to.emit(d.rewards, "FeesCredited");
        await expect(tx).to.emit(r, "FeesStreamed").withArgs(0n, paidUntil);
        await expect(tx).to.changeTokenBalances(d.token, [r, d.rewards], [0n, 0n]);
        expect(await d.rewards.owedScaled(await d.rewards.treasury())).to.equal(rewardsOwed);
        expect(await r.streamed()).to.equal(streamed);
        expect(await r.lastStreamed()).to.equal(BigInt(paidUntil));
        expect(await r.escrow()).to.equal(perm.paid - streamed);
        expect(await d.token.allowance(perm.address, await d.rewards.getAddress())).to.equal(0n);
        await expectAccounted(d, r);
        // what expired is refunded at settlement, with the dust
        const sunsetAt = at + 1;
        await time.setNextBlockTimestamp(sunsetAt);
        await (await r.connect(owner).sunset()).wait();
        await time.setNextBlockTimestamp(sunsetAt + WINDOW);
        const settle = r.settle();
        await expect(settle).not.to.emit(r, "FeesStreamed");
        await expect(settle)
          .to.emit(r, "Retired")
          .withArgs(perm.paid - streamed);
        await expect(settle).to.changeTokenBalance(d.token, owner, 3n * RATE * BigInt(paidUntil - t1) + DUST);
        await expectAccounted(d, r);
      });

      it("settles a rollup whose window ends within an epoch of its expiry by crediting the time since the previous epoch began", async function () {
        const { d, owner, outsider } = await loadFixture(rollupsFixture);
        // no settlement window: only a template without a challenge period takes it (a validity one)
        await (await d.factory.connect(d.deployer).setSettlementWindow(0)).wait();
        // MACH's set for the rollup, staffed before its creation
        const salt = ethers.id("short-window");
        const address = await d.factory.predictRollupAddress(owner.address, TEMPLATE.ZKStack, salt);
        const key = keyOf(address);
        await (await d.operatorSets.connect(d.mach).createSet(key, 0, 10)).wait();
        const setId = setIdOf(d.mach.address, key);
        await staffSets(d, outsider, "short-window", [setId]);
        const epochStart = Number(await d.operatorSets.epochStart(await nextEpoch(d.operatorSets)));
        await commitRollup(d.factory, owner, { chainId: 1007, salt });
        const length = Number(await d.operatorSets.epochLength());
        const createdAt = (await time.latest()) + 10;
        const expiry = createdAt + 3 * length + 500;
        const paid = RATE * BigInt(expiry - createdAt) + EXTRA;
        await time.setNextBlockTimestamp(createdAt);
        const r = await createRollup(d, owner, {
          templateId: TEMPLATE.ZKStack,
          chainId: 1007,
          salt,
          services: SERVICE.MACH,
          expiry,
          prepaidFees: paid,
        });
        expect(await r.settlementWindow()).to.equal(0n);
        // settled an hour after the expiry, never streamed: the time since the previous epoch's start is credited
        const settledAt = expiry + HOUR;
        const open = await opensAt(d, settledAt);
        expect(open).to.equal(epochStart + 2 * length);
        const expired = RATE * BigInt(open - createdAt);
        const credited = RATE * BigInt(expiry - open);
        const refund = paid - credited;
        const treasury = await d.rewards.treasury();
        const owedBefore = await d.rewards.owedScaled(treasury);
        await time.setNextBlockTimestamp(settledAt);
        const tx = r.connect(outsider).settle();
        await expect(tx).to.emit(r, "FeesExpired").withArgs(createdAt, open, expired);
        const credit = await creditArgs(d, setId, address, credited, settledAt);
        await expect(tx)
          .to.emit(d.rewards, "FeesCredited")
          .withArgs(...credit);
        expect((await d.rewards.owedScaled(treasury)) - owedBefore).to.equal(toTreasury(credit));
        await expect(tx).to.emit(r, "FeesStreamed").withArgs(credited, expiry);
        await expect(tx).not.to.emit(r, "FeesNotCredited");
        await expect(tx).to.emit(r, "Retired").withArgs(refund);
        expect(refund).to.equal(EXTRA + expired);
        await expect(tx).to.changeTokenBalances(
          d.token,
          [owner, d.rewards, r, outsider],
          [refund, credited, -paid, 0n],
        );
        expect(await r.streamed()).to.equal(credited);
        expect(await r.refunded()).to.equal(refund);
        expect(await r.lastStreamed()).to.equal(BigInt(expiry));
        expect(await d.token.allowance(address, await d.rewards.getAddress())).to.equal(0n);
        await expectAccounted(d, r);
      });

      it("credits nothing and expires nothing when the distributor reverts: every share stays in escrow", async function () {
        const { d, eph } = await loadFixture(rollupsFixture);
        const r = eph.rollup;
        const key = keyOf(eph.address);
        const rewards = await d.rewards.getAddress();
        // the distributor's code replaced by one that always reverts (PUSH1 0, PUSH1 0, REVERT)
        await setCode(rewards, "0x60006000fd");
        const at = eph.createdAt + 3 * DAY;
        expect(await opensAt(d, at)).to.be.greaterThan(eph.createdAt); // the distributor would have expired some
        const share = RATE * BigInt(at - eph.createdAt);
        await time.setNextBlockTimestamp(at);
        const tx = r.streamFees();
        await expect(tx).not.to.emit(r, "FeesExpired");
        await expectNotCredited(d, r, tx, [setIdOf(d.vital.address, key), setIdOf(d.mach.address, key)], share);
        await expect(tx).to.emit(r, "FeesStreamed").withArgs(0n, at);
        await expect(tx).to.changeTokenBalances(d.token, [r, rewards], [0n, 0n]);
        expect(await r.streamed()).to.equal(0n);
        expect(await r.lastStreamed()).to.equal(BigInt(at));
        expect(await r.escrow()).to.equal(eph.paid);
        expect(await d.token.allowance(eph.address, rewards)).to.equal(0n);
        await expectAccounted(d, r);
      });

      it("never reverts on a distributor that answers a start outside [from, until]: it is clamped to that range", async function () {
        const { d, eph } = await loadFixture(rollupsFixture);
        const r = eph.rollup;
        const key = keyOf(eph.address);
        const rewards = await d.rewards.getAddress();
        /** Runtime code that answers any call with abi.encode(0, start): credits nothing, claims `start`. */
        const answering = (start: bigint) => "0x7f" + start.toString(16).padStart(64, "0") + "602052" + "60406000f3";
        // a start after `until`: clamped to `until`, so all the time expired and nothing was credited
        const first = eph.createdAt + DAY;
        await setCode(rewards, answering(BigInt(first) + 1_000_000n));
        await time.setNextBlockTimestamp(first);
        const tx1 = r.streamFees();
        await expect(tx1)
          .to.emit(r, "FeesExpired")
          .withArgs(eph.createdAt, first, RATE * BigInt(first - eph.createdAt));
        await expect(tx1).not.to.emit(r, "FeesNotCredited");
        await expect(tx1).to.emit(r, "FeesStreamed").withArgs(0n, first);
        // a start before `from`: clamped to `from`, so nothing expired and each set's whole share was not credited
        const second = first + DAY;
        await setCode(rewards, answering(0n));
        await time.setNextBlockTimestamp(second);
        const share = RATE * BigInt(second - first);
        const tx2 = r.streamFees();
        await expect(tx2).not.to.emit(r, "FeesExpired");
        await expectNotCredited(d, r, tx2, [setIdOf(d.vital.address, key), setIdOf(d.mach.address, key)], share);
        await expect(tx2).to.emit(r, "FeesStreamed").withArgs(0n, second);
        expect(await r.streamed()).to.equal(0n);
        expect(await r.escrow()).to.equal(eph.paid);
        await expectAccounted(d, r);
      });
    });
  });
});
