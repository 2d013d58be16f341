// Max-size gas (EIP-7825): at the largest sizes the contracts allow, every external function a keeper, an operator, a
// staker or a service must be able to call fits one transaction of at most 2^24 = 16,777,216 gas. The sizes:
// operator sets of OperatorSets.MAX_SET_SIZE (256) members, RestakingRegistry.MAX_ASSETS (8) assets — ALT and 7
// MockERC20 — with a 1-wei stake (dust) in every non-ALT pool of every operator, an operator in MAX_SETS_PER_OPERATOR
// (64) sets, a staker with 64 (operator, asset) pools, 50 queued withdrawals of one pool, MACH, VITAL and SQUAD sets of
// 256 (the 256 operators each with a BLS key, which a MACH join needs).
//
// Everything runs on the in-process network (Osaka: it refuses any transaction, and any eth_call, asking for more than
// the cap). Each figure is the receipt's gasUsed of a transaction sent with a gas limit of exactly the cap. A function
// that cannot fit today is sent with that limit too and must run out of gas (its figure, which no call can measure
// above the cap, is extrapolated from smaller sets of the same shape); its guarantee waits in the skipped tests at the
// end of this file. The table of figures is printed after the suite.
import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture, setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  AbiCoder,
  id,
  keccak256,
  toQuantity,
  ZeroAddress,
  type TransactionReceipt,
  type TransactionResponse,
  ZeroHash,
} from "ethers";
import { coverageRunning } from "../helpers/coverage";
import { ALT } from "../helpers/constants";
import { days, nextEpoch } from "../helpers/time";
import {
  SERVICE,
  certificate,
  deployServices,
  launchRollup,
  setParams,
  type Operator as ServiceOperator,
} from "../helpers/services";
import type { MockERC20 } from "../../typechain-types";
import { firstOutputRoot } from "../helpers/rollups";
import { blsSecretFrom, keyRegistration } from "../../tasks/lib/mach";
import { BATCH_FEES, inBlocks } from "../helpers/batch";
import { DRAW_BUCKET, drawPosition, slotRandom } from "../helpers/draw";

/** EIP-7825: the most gas one transaction may ask for (Osaka). */
const TX_GAS_CAP = 16_777_216n;
/** OperatorSets.MAX_SET_SIZE. */
const MEMBERS = 256;
/** RestakingRegistry.MAX_ASSETS: ALT and 7 MockERC20. */
const ASSETS = 8;
/** OperatorSets.MAX_SETS_PER_OPERATOR. */
const SETS_PER_OPERATOR = 64;
/** Queued withdrawals of one staker in one pool when one of them completes. */
const QUEUED = 50;
/** The two smaller sets (same shape: 8 pools a member, 7 of them dust) the over-cap distribution is extrapolated from. */
const SMALL = 24;
const LARGER = 48;

const URI = "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
const COMMISSION = 1_000;
/** Each of the 256 members' ALT pool (staked by one staker); its 7 other pools hold 1 wei each. */
const OPERATOR_STAKE = 10_000n * ALT;
/** Set S, the 256-member set of the rewards: minimum and base allocation (member i allocates BASE + i ALT). */
const S_MIN_STAKE = 1_000n * ALT;
const S_BASE = 2_000n * ALT;
/**
 * Each member's allocation to the rollup's MACH and VITAL sets, and to the SQUAD rollup's set (the deployment's minimum
 * is 1,000 ALT).
 */
const SERVICE_ALLOCATION = 2_000n * ALT;
/** The 24- and 48-member sets, and the 64 sets of the busy operator. */
const SMALL_MIN_STAKE = 100n * ALT;
const SMALL_ALLOCATION = 500n * ALT;
/** The busy operator: 200 ALT in each of its 64 sets (all its stake, dust included). */
const BUSY_ALLOCATION = 200n * ALT;
/** The claimant's stake in each of its 64 pools (operators 0..7 x assets 0..7). */
const CLAIM_STAKE = 100n * ALT;
const CLAIM_OPERATORS = 8;
const FEES = 10_000n * ALT;
const SCALE = 10n ** 18n;
/** Epochs of reward history (one unit change a epoch): more than a claim walks in one call. */
const HISTORY = 65;
const OUTPUT_INTERVAL = 1_800n;
/** Output 0's state root, and its output root (what MACH signs): proposed before any batch, with no parent. */
const STATE_ROOT = id("maxsize-output-0");
const ROOT = firstOutputRoot(OUTPUT_INTERVAL, STATE_ROOT);
const SLASH_BPS = 1_000;
/** Issue 17: a MACH certificate with every member signing costs at most 250,000 gas, whatever the set's size. */
const CERTIFY_BUDGET = 250_000n;
/**
 * The most non-signers a certificate of 256 equal stakes can leave out at the default threshold (6,667 bps): 171
 * signers hold 66.80 % of the stake, 170 only 66.41 %.
 */
const MAX_NON_SIGNERS = 85;
const coder = AbiCoder.defaultAbiCoder();

/** Deterministic accounts (operators) that hold nothing yet. */
const wallet = (label: string) => new ethers.Wallet(ethers.id(`alt-e2e-maxsize:${label}`));

/** Explicit limits and fees for transactions sent with automining off (no estimate against a pending state). */
const BATCH_TX = { gasLimit: 800_000n, ...BATCH_FEES };

/** One call of a batch: raw JSON-RPC sends from local or impersonated accounts (no signing, no estimate). */
interface Call {
  from: string;
  to: string;
  data: string;
}

/** Sends `calls` (explicit nonces, in order per sender) in full blocks; returns their hashes. */
async function sendCalls(calls: Call[]): Promise<string[]> {
  const nonces = new Map<string, number>();
  for (const from of new Set(calls.map((c) => c.from))) {
    nonces.set(from, Number(await network.provider.send("eth_getTransactionCount", [from, "pending"])));
  }
  const fees = {
    gas: toQuantity(BATCH_TX.gasLimit),
    maxFeePerGas: toQuantity(BATCH_TX.maxFeePerGas),
    maxPriorityFeePerGas: toQuantity(BATCH_TX.maxPriorityFeePerGas),
  };
  return inBlocks(async () => {
    const sent: string[] = [];
    for (const { from, to, data } of calls) {
      const nonce = nonces.get(from)!;
      nonces.set(from, nonce + 1);
      sent.push(
        await network.provider.send("eth_sendTransaction", [{ from, to, data, nonce: toQuantity(nonce), ...fees }]),
      );
    }
    return sent;
  });
}

// ===================================================================================================== figures

interface Figure {
  operation: string;
  gas: bigint;
  note?: string;
}
const figures: Figure[] = [];

/** Mines `tx` (sent with a gas limit of the cap), records its gas and checks it succeeded within the cap. */
async function measure<R extends TransactionResponse>(
  operation: string,
  tx: Promise<R>,
): Promise<{ response: R; receipt: TransactionReceipt }> {
  const response = await tx;
  const receipt = (await response.wait())!;
  expect(receipt.status).to.equal(1);
  figures.push({ operation, gas: receipt.gasUsed });
  expect(receipt.gasUsed, `${operation}: ${receipt.gasUsed} gas`).to.be.below(TX_GAS_CAP);
  return { response, receipt };
}

/** A gas limit of exactly the cap: nothing is estimated, and the network accepts it. */
const AT_CAP = { gasLimit: TX_GAS_CAP };

const signer = (address: string) => ethers.getImpersonatedSigner(address);

// ===================================================================================================== fixtures

/**
 * The services deployment (staged: the deployer governs), a MockService registered as a set creator and a slasher
 * (30 % per offence, 7-day evidence), 7 MockERC20 assets (weight 1:1) beside ALT, and:
 * - 256 operators (impersonated deterministic wallets, 10 % commission), each with an
 *   ALT pool of 10,000 ALT (the funder's) and 7 dust pools (1 wei each, the duster's); each is a member of set S
 *   (minimum 1,000 ALT; member i allocates 2,000 + i ALT), of the rollup's MACH and VITAL sets (2,000 ALT each, the
 *   sets' bound raised to 256), operators 0..47 of set L (48 members) and 0..23 of set M (24), 500 ALT each;
 * - the busy operator, staked by the unstaker (12,800 ALT) plus 7 dust pools, in 64 sets (200 ALT each, the last one
 *   also the 7 wei of dust): all its stake allocated;
 * - the newcomer, staked like the 256 and in no set;
 * - the claimant, 100 of each asset in each of the 64 pools of operators 0..7;
 * then the chain moved to the next epoch (the allocations count) and the rollup's output 0 proposed.
 */
async function maxSizeFixture() {
  const d = await deployServices();
  const { token, registry, operatorSets, slashingManager, deployer } = d;
  const [owner, funder, duster, claimant, unstaker, payer] = d.users;
  expect(await operatorSets.MAX_SET_SIZE()).to.equal(BigInt(MEMBERS));
  expect(await operatorSets.MAX_SETS_PER_OPERATOR()).to.equal(BigInt(SETS_PER_OPERATOR));
  expect(await registry.MAX_ASSETS()).to.equal(BigInt(ASSETS));

  const service = await ethers.deployContract("MockService", [operatorSets, slashingManager], deployer);
  await (await operatorSets.connect(deployer).setService(service, true)).wait();
  await (await slashingManager.connect(deployer).setSlasher(service, 3_000, days(7))).wait();

  const tokens: MockERC20[] = [];
  for (let i = 1; i < ASSETS; i++) {
    const lst = await ethers.deployContract("MockERC20", [`Mock LST${i}`, `LST${i}`], deployer);
    await (await registry.connect(deployer).addAsset(lst, ALT, 10n ** 30n)).wait();
    await (await lst.mint(duster, 1_000_000n)).wait();
    await (await lst.mint(claimant, 1_000_000n * ALT)).wait();
    await (await lst.connect(duster).approve(registry, ethers.MaxUint256)).wait();
    await (await lst.connect(claimant).approve(registry, ethers.MaxUint256)).wait();
    tokens.push(lst);
  }
  expect(await registry.assetCount()).to.equal(BigInt(ASSETS));
  for (const account of [funder, claimant, unstaker]) {
    await (await token.connect(account).approve(registry, ethers.MaxUint256)).wait();
  }
  await (await token.connect(payer).approve(d.rewards, ethers.MaxUint256)).wait();

  // the rollup (VITAL + MACH), its sets bounded at 256 members
  const rollup = await launchRollup(d, owner, { chainId: 90_256, salt: id("alt-e2e-maxsize") });
  const rollupAddress = await rollup.getAddress();
  for (const svc of [d.mach, d.vital]) {
    await (
      await svc.connect(deployer).updateRollupSet(rollupAddress, setParams(d, { maxSize: BigInt(MEMBERS) }))
    ).wait();
  }
  const machSet = await d.mach.setIdOf(rollupAddress);
  const vitalSet = await d.vital.setIdOf(rollupAddress);

  // the MockService's sets: S, the 24- and 48-member sets, and the busy operator's 64
  const serviceAddress = await service.getAddress();
  const createSet = (label: string, minStake: bigint): Call => ({
    from: deployer.address,
    to: serviceAddress,
    data: service.interface.encodeFunctionData("createSet", [id(`maxsize:${label}`), minStake, MEMBERS]),
  });
  const busyLabels = Array.from({ length: SETS_PER_OPERATOR }, (_, j) => `busy-${j}`);
  await sendCalls([
    createSet("S", S_MIN_STAKE),
    createSet("M", SMALL_MIN_STAKE),
    createSet("L", SMALL_MIN_STAKE),
    ...busyLabels.map((label) => createSet(label, SMALL_MIN_STAKE)),
  ]);
  const setOf = (label: string) => operatorSets.setIdOf(service, id(`maxsize:${label}`));
  const setS = await setOf("S");
  const setM = await setOf("M");
  const setL = await setOf("L");
  const busySets = await Promise.all(busyLabels.map(setOf));

  // operators: impersonated, funded with ETH, registered, the 256 with BLS keys
  const operators: ServiceOperator[] = Array.from({ length: MEMBERS }, (_, i) => ({
    account: wallet(`operator-${i}`),
    address: wallet(`operator-${i}`).address,
    bls: blsSecretFrom(`alt-e2e-maxsize:operator-bls-${i}`),
  }));
  const newcomer = wallet("newcomer").address;
  const busy = wallet("busy-operator").address;
  const everyone = [...operators.map((op) => op.address), newcomer, busy];
  for (const address of everyone) {
    await network.provider.send("hardhat_impersonateAccount", [address]);
    await setBalance(address, 100n * ALT);
  }
  const registryAddress = await registry.getAddress();
  await sendCalls(
    everyone.map((from) => ({
      from,
      to: registryAddress,
      data: registry.interface.encodeFunctionData("registerOperator", [URI, COMMISSION]),
    })),
  );
  // the 256 register their BLS keys (each with its proof of possession): they count from the next epoch, like the
  // joins below
  const blsKeysAddress = await d.blsKeys.getAddress();
  const registrations = await Promise.all(operators.map((op) => keyRegistration(d.blsKeys, op.address, op.bls)));
  await sendCalls(
    operators.map((op, i) => ({
      from: op.address,
      to: blsKeysAddress,
      data: d.blsKeys.interface.encodeFunctionData("registerKey", [registrations[i].publicKey, registrations[i].proof]),
    })),
  );
  for (const [i, op] of operators.entries()) {
    expect(await d.blsKeys.keyOf(op.address)).to.equal(registrations[i].publicKey);
  }

  // stakes: the funder's ALT, the unstaker's ALT in the busy operator, 1 wei of each other asset in every pool, the
  // claimant's 64 pools
  const stake = (from: string, operator: string, assetId: number, amount: bigint): Call => ({
    from,
    to: registryAddress,
    data: registry.interface.encodeFunctionData("stake", [operator, assetId, amount]),
  });
  const busyStake = BUSY_ALLOCATION * BigInt(SETS_PER_OPERATOR);
  const stakes: Call[] = [
    ...[...operators.map((op) => op.address), newcomer].map((op) => stake(funder.address, op, 0, OPERATOR_STAKE)),
    stake(unstaker.address, busy, 0, busyStake),
  ];
  for (const op of everyone) for (let a = 1; a < ASSETS; a++) stakes.push(stake(duster.address, op, a, 1n));
  for (const op of operators.slice(0, CLAIM_OPERATORS)) {
    for (let a = 0; a < ASSETS; a++) stakes.push(stake(claimant.address, op.address, a, CLAIM_STAKE));
  }
  await sendCalls(stakes);
  const dustValue = BigInt(ASSETS - 1); // each dust pool is worth 1 wei: 1e6 shares of (1 + 1) / (1e6 + 1e6)
  expect(await registry.operatorStake(busy)).to.equal(busyStake + dustValue);
  expect((await registry.pool(operators[MEMBERS - 1].address, ASSETS - 1)).totalAssets).to.equal(1n);

  // joins
  const setsAddress = await operatorSets.getAddress();
  const join = (from: string, setId: bigint, amount: bigint): Call => ({
    from,
    to: setsAddress,
    data: operatorSets.interface.encodeFunctionData("join", [setId, amount]),
  });
  const joins: Call[] = [];
  for (const [i, op] of operators.entries()) {
    joins.push(join(op.address, setS, S_BASE + BigInt(i) * ALT));
    joins.push(join(op.address, machSet, SERVICE_ALLOCATION));
    joins.push(join(op.address, vitalSet, SERVICE_ALLOCATION));
    if (i < LARGER) joins.push(join(op.address, setL, SMALL_ALLOCATION));
    if (i < SMALL) joins.push(join(op.address, setM, SMALL_ALLOCATION));
  }
  for (const [j, setId] of busySets.entries()) {
    joins.push(join(busy, setId, j === SETS_PER_OPERATOR - 1 ? BUSY_ALLOCATION + dustValue : BUSY_ALLOCATION));
  }
  await sendCalls(joins);
  for (const setId of [setS, machSet, vitalSet]) expect(await operatorSets.members(setId)).to.have.length(MEMBERS);
  expect(await operatorSets.members(setL)).to.have.length(LARGER);
  expect(await operatorSets.members(setM)).to.have.length(SMALL);
  expect(await operatorSets.setsOf(busy)).to.deep.equal(busySets);
  expect(await operatorSets.freeStake(busy)).to.equal(0n);
  expect((await operatorSets.allocatedOf(busy)).allocated).to.equal(busyStake + dustValue);

  // the allocations count from the next epoch; output 0 proposed in it
  await nextEpoch(operatorSets);
  await (await rollup.connect(owner).proposeOutput(OUTPUT_INTERVAL, STATE_ROOT, ZeroHash)).wait();

  return {
    ...d,
    owner,
    funder,
    duster,
    claimant,
    unstaker,
    payer,
    service,
    tokens,
    rollup,
    rollupAddress,
    machSet,
    vitalSet,
    setS,
    setM,
    setL,
    busySets,
    operators,
    newcomer,
    busy,
    epoch: await operatorSets.currentEpoch(),
  };
}

type MaxSize = Awaited<ReturnType<typeof maxSizeFixture>>;

/**
 * The max-size fixture, then a rollup sequenced by SQUAD (its set bounded at 256) that the 256 operators join, 2,000
 * ALT each, and the next epoch (`squadEpoch`), in which their allocations count: the leaders of the epoch after it are
 * drawn from them. `entries`: the operators in the draw index's order (the order their joins were mined in).
 */
async function squadFixture() {
  const f = await loadFixture(maxSizeFixture);
  const squadRollup = await launchRollup(f, f.owner, {
    sequencer: ZeroAddress,
    services: SERVICE.SQUAD,
    chainId: 90_257,
    salt: id("alt-e2e-maxsize-squad"),
  });
  const squadRollupAddress = await squadRollup.getAddress();
  await (
    await f.squad.connect(f.deployer).updateRollupSet(squadRollupAddress, setParams(f, { maxSize: BigInt(MEMBERS) }))
  ).wait();
  const squadSet = await f.squad.setIdOf(squadRollupAddress);
  const setsAddress = await f.operatorSets.getAddress();
  const data = f.operatorSets.interface.encodeFunctionData("join", [squadSet, SERVICE_ALLOCATION]);
  const hashes = await sendCalls(f.operators.map((op) => ({ from: op.address, to: setsAddress, data })));
  // each newcomer takes the next position of the draw index: the order the joins were mined in
  const receipts = await Promise.all(hashes.map((hash) => ethers.provider.getTransactionReceipt(hash)));
  const mined = receipts.map((r, i) => ({ block: r!.blockNumber, index: r!.index, operator: f.operators[i].address }));
  mined.sort((a, b) => a.block - b.block || a.index - b.index);
  const entries = mined.map(({ operator }) => ({ operator, allocation: SERVICE_ALLOCATION }));
  const squadEpoch = await nextEpoch(f.operatorSets);
  expect(await f.operatorSets.memberCountAt(squadSet, squadEpoch)).to.equal(BigInt(MEMBERS));
  expect(await f.operatorSets.setStakeAt(squadSet, squadEpoch)).to.equal(SERVICE_ALLOCATION * BigInt(MEMBERS));
  expect(await f.operatorSets.isLive(squadSet, squadEpoch)).to.equal(true);
  return { ...f, squadRollup, squadRollupAddress, squadSet, squadEpoch, entries };
}

/** Fees credited to `setId` by the payer. */
async function credit(f: MaxSize, setId: bigint) {
  await (await f.rewards.connect(f.payer).creditFees(setId, FEES)).wait();
}

/**
 * The max-size fixture, then HISTORY epochs in each of which the claimant stakes 1 ALT more into operator 0's ALT pool
 * (a change of its units and of the operator's, keyed by the next epoch) and fees are credited to set S; then the next
 * epoch. `firstChange`: the epoch the claimant's fixture stake counts from (its first unit change).
 */
async function historyFixture() {
  const f = await loadFixture(maxSizeFixture);
  const op = f.operators[0].address;
  const [firstChange] = await f.registry.unitsWindow(op, f.claimant.address, 0, 1n << 40n, 1).then((w) => w[1]);
  for (let i = 0; i < HISTORY; i++) {
    await (await f.registry.connect(f.claimant).stake(op, 0, ALT)).wait();
    await credit(f, f.setS);
    await nextEpoch(f.operatorSets);
  }
  return { ...f, firstChange };
}

/** The funder queued 50 withdrawals of 10 ALT each from operator 200's ALT pool (within its free stake). */
async function queuedFixture() {
  const f = await loadFixture(maxSizeFixture);
  const operator = f.operators[200].address;
  const each = (await f.registry.sharesOf(f.funder, operator, 0)) / 1_000n;
  const registryAddress = await f.registry.getAddress();
  const data = f.registry.interface.encodeFunctionData("requestUnstake", [operator, 0, each]);
  const hashes = await sendCalls(
    Array.from({ length: QUEUED }, () => ({ from: f.funder.address, to: registryAddress, data })),
  );
  expect((await f.registry.pool(operator, 0)).queuedShares).to.equal(each * BigInt(QUEUED));
  // the 25th, in the middle of the queue
  const receipt = (await ethers.provider.getTransactionReceipt(hashes[24]))!;
  const log = receipt.logs
    .map((l) => f.registry.interface.parseLog(l))
    .find((parsed) => parsed?.name === "UnstakeRequested")!;
  const [staker, op, assetId, shares, unlockAt, nonce] = log.args.withdrawal;
  return { ...f, operator, each, withdrawal: { staker, operator: op, assetId, shares, unlockAt, nonce } };
}

/**
 * The max-size fixture, with operator 0 challenging output 0 in VITAL (bond paid) and operators 1..170 voting it
 * invalid: 170 of 256 equal stakes, one short of two thirds (171 x 3 >= 256 x 2).
 */
async function vitalVotesFixture() {
  const f = await loadFixture(maxSizeFixture);
  const challenger = await signer(f.operators[0].address);
  const [, bond] = await f.vital.parameters();
  await (await f.token.connect(f.funder).transfer(challenger, bond)).wait();
  await (await f.token.connect(challenger).approve(f.vital, bond)).wait();
  await (await f.vital.connect(challenger).challenge(f.rollupAddress, 0)).wait();
  const vitalAddress = await f.vital.getAddress();
  const data = f.vital.interface.encodeFunctionData("vote", [0, true]);
  await sendCalls(f.operators.slice(1, 171).map((op) => ({ from: op.address, to: vitalAddress, data })));
  const challenge = await f.vital.challengeOf(0);
  expect(challenge.invalidStake).to.equal(170n * SERVICE_ALLOCATION);
  expect(challenge.result).to.equal(1n); // Open
  return f;
}

// ===================================================================================================== tests

describe("Max-size gas: every call fits the transaction gas cap (EIP-7825)", function () {
  this.timeout(15 * 60_000);

  before(function () {
    if (coverageRunning()) this.skip(); // instrumented bytecode: gas figures mean nothing
  });

  after(function () {
    if (figures.length === 0) return;
    const width = Math.max(...figures.map((f) => f.operation.length));
    const lines = figures.map(
      (f) =>
        `  ${f.operation.padEnd(width)}  ${f.gas.toLocaleString("en-US").padStart(12)}` +
        `  ${((Number(f.gas) * 100) / Number(TX_GAS_CAP)).toFixed(1).padStart(6)} %${f.note ? `  ${f.note}` : ""}`,
    );
    console.log(
      [
        "",
        `  Max-size gas (cap ${TX_GAS_CAP.toLocaleString("en-US")}):`,
        `  ${"operation".padEnd(width)}  ${"gas".padStart(12)}  of cap`,
        ...lines,
        "",
      ].join("\n"),
    );
  });

  describe("operator sets", function () {
    it("join by the 256th member of a set (the set full after it) stays under the transaction gas cap", async function () {
      const f = await loadFixture(maxSizeFixture);
      const leaver = await signer(f.operators[100].address);
      await (await f.operatorSets.connect(leaver).requestLeave(f.setS)).wait();
      expect(await f.operatorSets.members(f.setS)).to.have.length(MEMBERS - 1);
      const newcomer = await signer(f.newcomer);
      const { response } = await measure(
        "OperatorSets.join: 256th member of the set (8 pools, 7 dust; first membership)",
        f.operatorSets.connect(newcomer).join(f.setS, S_BASE, AT_CAP),
      );
      await expect(response).to.emit(f.operatorSets, "Joined").withArgs(f.setS, f.newcomer);
      expect(await f.operatorSets.members(f.setS)).to.have.length(MEMBERS);
      expect((await f.operatorSets.membership(f.setS, f.newcomer)).index).to.equal(BigInt(MEMBERS - 1));
      await expect(f.operatorSets.connect(leaver).join(f.setS, S_BASE))
        .to.be.revertedWithCustomError(f.operatorSets, "SetsFull")
        .withArgs(f.setS, MEMBERS);
    });

    it("joinReplacing the smallest member of a full 256-member set stays under the transaction gas cap", async function () {
      const f = await loadFixture(maxSizeFixture);
      const smallest = f.operators[0].address; // member i allocates 2,000 + i ALT
      expect((await f.operatorSets.allocation(f.setS, smallest)).allocated).to.equal(S_BASE);
      const needed = (S_BASE * (10_000n + (await f.operatorSets.churnMarginBps()))) / 10_000n;
      const { response } = await measure(
        "OperatorSets.joinReplacing: the smallest member of a full 256-member set",
        f.operatorSets.connect(await signer(f.newcomer)).joinReplacing(f.setS, needed, smallest, AT_CAP),
      );
      await expect(response).to.emit(f.operatorSets, "MemberReplaced").withArgs(f.setS, smallest, f.newcomer);
      const members = await f.operatorSets.members(f.setS);
      expect(members).to.have.length(MEMBERS);
      expect(members).to.include(f.newcomer);
      expect(members).to.not.include(smallest);
    });

    it("removeMember of a member fallen below the minimum, in a 256-member set, stays under the transaction gas cap", async function () {
      const f = await loadFixture(maxSizeFixture);
      const operator = f.operators[200].address;
      // the funder takes 95 % of the operator's ALT out: its three allocations shrink pro rata below S's minimum
      const shares = ((await f.registry.sharesOf(f.funder, operator, 0)) * 95n) / 100n;
      await (await f.registry.connect(f.funder).requestUnstake(operator, 0, shares, AT_CAP)).wait();
      const { allocated } = await f.operatorSets.allocation(f.setS, operator);
      expect(allocated).to.be.lessThan(S_MIN_STAKE);
      const { response } = await measure(
        "OperatorSets.removeMember: allocation below the minimum, 256-member set",
        f.operatorSets.connect(f.payer).removeMember(f.setS, operator, AT_CAP),
      );
      await expect(response).to.emit(f.operatorSets, "MemberRemoved").withArgs(f.setS, operator, allocated);
      expect(await f.operatorSets.members(f.setS)).to.have.length(MEMBERS - 1);
      expect((await f.operatorSets.membership(f.setS, operator)).member).to.equal(false);
    });

    it("requestLeave from a 256-member set stays under the transaction gas cap", async function () {
      const f = await loadFixture(maxSizeFixture);
      const operator = f.operators[100].address;
      const { response } = await measure(
        "OperatorSets.requestLeave: member of a 256-member set (in 3 sets)",
        f.operatorSets.connect(await signer(operator)).requestLeave(f.setS, AT_CAP),
      );
      await expect(response).to.emit(f.operatorSets, "LeaveRequested");
      const members = await f.operatorSets.members(f.setS);
      expect(members).to.have.length(MEMBERS - 1);
      expect(members).to.not.include(operator);
    });

    it("allocate, an increase then a decrease, in a 256-member set stays under the transaction gas cap", async function () {
      const f = await loadFixture(maxSizeFixture);
      const operator = f.operators[100].address;
      const member = await signer(operator);
      const current = S_BASE + 100n * ALT;
      expect((await f.operatorSets.allocation(f.setS, operator)).allocated).to.equal(current);
      await measure(
        "OperatorSets.allocate: increase from free stake (256-member set, 8 pools, 7 dust)",
        f.operatorSets.connect(member).allocate(f.setS, current + 1_000n * ALT, AT_CAP),
      );
      await measure(
        "OperatorSets.allocate: decrease (held as pendingFree)",
        f.operatorSets.connect(member).allocate(f.setS, current, AT_CAP),
      );
      const allocation = await f.operatorSets.allocation(f.setS, operator);
      expect(allocation.allocated).to.equal(current);
      expect(allocation.pendingFree).to.equal(1_000n * ALT);
    });
  });

  describe("restaking", function () {
    it("requestUnstake beyond the free stake of an operator in 64 sets stays under the transaction gas cap", async function () {
      const f = await loadFixture(maxSizeFixture);
      const before = await Promise.all(f.busySets.map((setId) => f.operatorSets.allocation(setId, f.busy)));
      const shares = (await f.registry.sharesOf(f.unstaker, f.busy, 0)) / 4n;
      const { response } = await measure(
        "RestakingRegistry.requestUnstake: beyond the free stake, operator in 64 sets (all 64 allocations shrink)",
        f.registry.connect(f.unstaker).requestUnstake(f.busy, 0, shares, AT_CAP),
      );
      await expect(response).to.emit(f.operatorSets, "AllocationsReduced");
      const after = await Promise.all(f.busySets.map((setId) => f.operatorSets.allocation(setId, f.busy)));
      for (const [j, a] of after.entries()) {
        expect(a.allocated).to.be.lessThan(before[j].allocated);
        expect(a.pendingFree).to.equal(before[j].allocated - a.allocated);
      }
      const { allocated } = await f.operatorSets.allocatedOf(f.busy);
      expect(allocated).to.equal(after.reduce((sum, a) => sum + a.allocated, 0n));
      expect(allocated).to.be.at.most(await f.registry.operatorStake(f.busy));
    });

    it("syncAllocations of an operator in 64 sets stays under the transaction gas cap", async function () {
      const f = await loadFixture(maxSizeFixture);
      // governance halves asset 1's weight: the busy operator's dust in it is worth nothing, 1 wei short of its
      // allocations, and each of its 64 allocations gives up (rounded up) 1 wei
      const { cap } = await f.registry.asset(1);
      await (await f.registry.connect(f.deployer).updateAsset(1, ALT / 2n, cap)).wait();
      const before = await Promise.all(f.busySets.map((setId) => f.operatorSets.allocation(setId, f.busy)));
      const { response } = await measure(
        "OperatorSets.syncAllocations: operator in 64 sets (all 64 allocations shrink)",
        f.operatorSets.connect(f.payer).syncAllocations(f.busy, AT_CAP),
      );
      await expect(response).to.emit(f.operatorSets, "AllocationsReduced").withArgs(f.busy, BigInt(SETS_PER_OPERATOR));
      const after = await Promise.all(f.busySets.map((setId) => f.operatorSets.allocation(setId, f.busy)));
      for (const [j, a] of after.entries()) expect(a.allocated).to.equal(before[j].allocated - 1n);
      expect((await f.operatorSets.allocatedOf(f.busy)).allocated).to.be.at.most(
        await f.registry.operatorStake(f.busy),
      );
    });

    it("completeUnstake of one of 50 queued withdrawals stays under the transaction gas cap", async function () {
      const f = await loadFixture(queuedFixture);
      await time.increaseTo(f.withdrawal.unlockAt);
      const amount = await f.registry.sharesToAmount(f.operator, 0, f.withdrawal.shares);
      const { response } = await measure(
        "RestakingRegistry.completeUnstake: one of the staker's 50 queued withdrawals of the pool",
        f.registry.connect(f.funder).completeUnstake(f.withdrawal, AT_CAP),
      );
      await expect(response)
        .to.emit(f.registry, "UnstakeCompleted")
        .withArgs(await f.registry.withdrawalRoot(f.withdrawal), f.funder.address, f.operator, amount);
      expect((await f.registry.pool(f.operator, 0)).queuedShares).to.equal(f.each * BigInt(QUEUED - 1));
    });
  });

  describe("slashing", function () {
    it("requestSlash and execute against an operator in 64 sets with 8 pools stay under the transaction gas cap", async function () {
      const f = await loadFixture(maxSizeFixture);
      const setId = f.busySets[0];
      const evidenceTime = await time.latest();
      const { response } = await measure(
        "SlashingManager.requestSlash: through a MockService, operator in 64 sets with 8 pools (7 dust)",
        f.service.requestSlash(
          f.busy,
          setId,
          SLASH_BPS,
          id("double-sign"),
          id("maxsize-evidence"),
          f.claimant,
          evidenceTime,
          AT_CAP,
        ),
      );
      await expect(response).to.emit(f.slashingManager, "SlashRequested");
      const requestId = (await f.slashingManager.requestCount()) - 1n;
      expect(await f.registry.isJailed(f.busy)).to.equal(true);
      await time.increaseTo((await f.slashingManager.request(requestId)).executableAt);

      const before = await f.operatorSets.allocation(setId, f.busy);
      const { response: executed } = await measure(
        "SlashingManager.execute: operator in 64 sets with 8 pools (7 dust: nothing taken from them)",
        f.slashingManager.connect(f.payer).execute(requestId, AT_CAP),
      );
      const taken = (before.allocated * BigInt(SLASH_BPS)) / 10_000n;
      const total = BUSY_ALLOCATION * BigInt(SETS_PER_OPERATOR) + BigInt(ASSETS - 1);
      const fromAlt = (BUSY_ALLOCATION * BigInt(SETS_PER_OPERATOR) * taken) / total;
      await expect(executed)
        .to.emit(f.slashingManager, "SlashExecuted")
        .withArgs(requestId, f.busy, setId, SLASH_BPS, [fromAlt, 0n, 0n, 0n, 0n, 0n, 0n, 0n]);
      expect((await f.operatorSets.allocation(setId, f.busy)).allocated).to.equal(before.allocated - taken);
      expect(await f.operatorSets.setsOf(f.busy)).to.have.length(SETS_PER_OPERATOR);
      expect(await f.registry.isJailed(f.busy)).to.equal(false);
    });
  });

  describe("rewards", function () {
    it("creditFees to a 256-member, 8-asset set stays under the transaction gas cap (O(1): no loop over members)", async function () {
      const f = await loadFixture(maxSizeFixture);
      const stake = await f.operatorSets.setStakeAt(f.setS, f.epoch);
      expect(stake).to.be.greaterThan(0n);
      const { response } = await measure(
        "RewardsDistributor.creditFees: 256-member set, 8 pools each (its first credit)",
        f.rewards.connect(f.payer).creditFees(f.setS, FEES, AT_CAP),
      );
      const protocol = (FEES * SCALE * (await f.rewards.protocolShareBps())) / 10_000n;
      const rest = FEES * SCALE - protocol;
      await expect(response)
        .to.emit(f.rewards, "FeesCredited")
        .withArgs(f.setS, f.payer.address, f.epoch, FEES, protocol, rest % stake);
      expect(await f.rewards.rewardPerStakeBefore(f.setS, f.epoch + 1n)).to.equal(rest / stake);
    });

    it("settle over 64 changes, and a claim walking 64 of the staker's unit changes, stay under the transaction gas cap", async function () {
      const f = await loadFixture(historyFixture);
      const op = f.operators[0].address;
      const { response } = await measure(
        `RewardsDistributor.settle: ${HISTORY} epochs of fees, the operator's units changing in each (64 steps)`,
        f.rewards.settle(op, f.setS, 64, AT_CAP),
      );
      await expect(response).to.emit(f.rewards, "Settled");
      // the walk starts at the operator's first allocation (the epoch of the fixture's stakes, `firstChange`) and the
      // window of the 64 unit changes after it stops at the 64th
      const settled = await f.rewards.settledUntil(op, f.setS);
      expect(await f.operatorSets.allocationAt(f.setS, op, f.firstChange - 1n)).to.equal(0n);
      expect(await f.operatorSets.allocationAt(f.setS, op, f.firstChange)).to.be.greaterThan(0n);
      expect(settled).to.equal(f.firstChange + 64n);
      const { response: claimed } = await measure(
        "RewardsDistributor.claim: one pair, walking 64 of the staker's unit changes (its first claim; the " +
          "settlement finishes on the way)",
        f.rewards.connect(f.claimant).claim([op], [f.setS], AT_CAP),
      );
      await expect(claimed).to.emit(f.rewards, "Accrued");
      expect(await f.rewards.settledUntil(op, f.setS)).to.equal(await f.operatorSets.currentEpoch());
      expect(await f.rewards.claimedUntil(f.claimant, op, f.setS)).to.equal(f.firstChange + 63n);
      // the rest in a second claim
      await (await f.rewards.connect(f.claimant).claim([op], [f.setS], AT_CAP)).wait();
      expect(await f.rewards.claimedUntil(f.claimant, op, f.setS)).to.equal(await f.operatorSets.currentEpoch());
    });

    it("claim over 64 (operator, set) pairs stays under the transaction gas cap", async function () {
      const f = await loadFixture(maxSizeFixture);
      const rewardsAddress = await f.rewards.getAddress();
      await sendCalls(
        f.busySets.map((setId) => ({
          from: f.payer.address,
          to: rewardsAddress,
          data: f.rewards.interface.encodeFunctionData("creditFees", [setId, FEES]),
        })),
      );
      await nextEpoch(f.operatorSets);
      const operators = f.busySets.map(() => f.busy);
      expect(operators).to.have.length(64);
      const { response } = await measure(
        "RewardsDistributor.claim: 64 pairs (one operator in 64 sets; each settled on the way; the staker's first claim)",
        f.rewards.connect(f.unstaker).claim(operators, f.busySets, AT_CAP),
      );
      await expect(response).to.emit(f.rewards, "Claimed");
      for (const setId of f.busySets) {
        expect(await f.rewards.claimedUntil(f.unstaker, f.busy, setId)).to.equal(f.epoch + 1n);
      }
    });
  });

  describe("services", function () {
    it(`MACH certify with all 256 members signing stays within ${CERTIFY_BUDGET.toLocaleString("en-US")} gas`, async function () {
      const f = await loadFixture(maxSizeFixture);
      const quorum = await certificate(f, f.rollupAddress, 0n, OUTPUT_INTERVAL, ROOT, f.operators);
      expect(quorum.nonSigners).to.deep.equal([]);
      const total = SERVICE_ALLOCATION * BigInt(MEMBERS);
      const { response, receipt } = await measure(
        "MachService.certify: 256 of 256 members sign, no non-signer (one pairing check)",
        f.mach.connect(f.payer).certify(f.rollupAddress, 0, OUTPUT_INTERVAL, ROOT, quorum, AT_CAP),
      );
      await expect(response)
        .to.emit(f.mach, "Certified")
        .withArgs(f.rollupAddress, 0n, OUTPUT_INTERVAL, ROOT, f.epoch, [], total, total);
      expect((await f.rollup.output(0)).status).to.equal(2n); // FastFinalized
      expect(receipt.gasUsed).to.be.at.most(CERTIFY_BUDGET);
    });

    it(`MACH certify with ${MAX_NON_SIGNERS} non-signers of 256 (the most the threshold allows) stays far under the transaction gas cap`, async function () {
      const f = await loadFixture(maxSizeFixture);
      const signers = f.operators.slice(0, MEMBERS - MAX_NON_SIGNERS);
      const quorum = await certificate(f, f.rollupAddress, 0n, OUTPUT_INTERVAL, ROOT, signers);
      expect(quorum.nonSigners).to.have.length(MAX_NON_SIGNERS);
      const total = SERVICE_ALLOCATION * BigInt(MEMBERS);
      const signed = SERVICE_ALLOCATION * BigInt(signers.length);
      const thresholdBps = await f.rollup.fastFinalityBps();
      expect(signed * 10_000n).to.be.at.least(total * thresholdBps);
      expect((signed - SERVICE_ALLOCATION) * 10_000n).to.be.below(total * thresholdBps);
      const { response, receipt } = await measure(
        `MachService.certify: ${signers.length} of 256 members sign, ${MAX_NON_SIGNERS} non-signers`,
        f.mach.connect(f.payer).certify(f.rollupAddress, 0, OUTPUT_INTERVAL, ROOT, quorum, AT_CAP),
      );
      await expect(response)
        .to.emit(f.mach, "Certified")
        .withArgs(f.rollupAddress, 0n, OUTPUT_INTERVAL, ROOT, f.epoch, quorum.nonSigners, signed, total);
      expect((await f.rollup.output(0)).status).to.equal(2n); // FastFinalized
      // the cost grows with the non-signers only: under an eighth of the cap
      expect(receipt.gasUsed).to.be.below(TX_GAS_CAP / 8n);
      const all = figures.find((figure) => figure.operation.startsWith("MachService.certify: 256 of 256"));
      if (all !== undefined) {
        const slope = (receipt.gasUsed - all.gas) / BigInt(MAX_NON_SIGNERS);
        figures[figures.length - 1].note = `${slope.toLocaleString("en-US")} gas per non-signer over all signing`;
      }
    });

    it("VITAL vote by the deciding voter of a 256-member set stays under the transaction gas cap", async function () {
      const f = await loadFixture(vitalVotesFixture);
      const voter = f.operators[171].address;
      const { response } = await measure(
        "VitalService.vote: the deciding (171st of 256) invalid vote: output invalidated, bond back",
        f.vital.connect(await signer(voter)).vote(0, true, AT_CAP),
      );
      await expect(response)
        .to.emit(f.vital, "Voted")
        .withArgs(0, voter, true, SERVICE_ALLOCATION)
        .and.to.emit(f.vital, "Resolved")
        .withArgs(0, 2); // Invalidated
      expect(await f.rollup.outputCount()).to.equal(0n);
    });

    it("a SQUAD leader draw at the maximum set size (256 members) and the worst-case position stays cheap", async function () {
      const f = await loadFixture(squadFixture);
      const { squadRollupAddress: rollup, entries } = f;
      const [slotLength] = await f.squad.parameters();
      // the leaders of an epoch are drawn from the allocations counted in the one before: none in the epoch the 256
      // allocations first count (nothing counted before it), every slot of the next one drawn from them
      const drawn = f.squadEpoch + 1n;
      const next = BigInt(await time.latest()) / slotLength + 1n;
      expect(await f.operatorSets.epochAt(next * slotLength)).to.equal(f.squadEpoch);
      expect(await f.squad.leaderAt(rollup, next)).to.equal(ZeroAddress);
      // no batch was ever posted: every epoch's seed is 0 until one is
      expect(await f.squad.seedAt(rollup, drawn)).to.equal(0n);
      const last = entries.length - 1;
      expect(last).to.equal(MEMBERS - 1);
      expect(Math.floor(last / DRAW_BUCKET)).to.equal(MEMBERS / DRAW_BUCKET - 1);

      // the schedule of that epoch's slots (the 288 of 5 minutes that begin in it: epochs need not begin at a slot's
      // start), sent as a transaction to measure it; the leaders match the draw recomputed from the 256 allocations in
      // draw-index order
      const epochStart = await f.operatorSets.epochStart(drawn);
      const firstSlot = (epochStart + slotLength - 1n) / slotLength;
      const slots = (await f.operatorSets.epochLength()) / slotLength;
      expect(slots).to.equal(288n);
      expect(await f.operatorSets.epochAt(firstSlot * slotLength)).to.equal(drawn);
      expect(await f.operatorSets.epochAt((firstSlot + slots - 1n) * slotLength)).to.equal(drawn);
      expect(await f.operatorSets.epochAt((firstSlot + slots) * slotLength)).to.equal(drawn + 1n);
      const leaders = await f.squad.schedule(rollup, firstSlot, slots);
      const expected = Array.from({ length: Number(slots) }, (_, i) => {
        const position = drawPosition(entries, slotRandom(0n, rollup, firstSlot + BigInt(i)));
        return entries[position].operator;
      });
      expect([...leaders]).to.deep.equal(expected);
      await measure(
        `SquadService.schedule: the ${slots} slots of an epoch, 256-member set (sent as a transaction)`,
        f.payer.sendTransaction({
          to: await f.squad.getAddress(),
          data: f.squad.interface.encodeFunctionData("schedule", [rollup, firstSlot, slots]),
          ...AT_CAP,
        }),
      );

      // the worst case of a draw: the last position of the last bucket (all 16 bucket totals, then all 16 positions of
      // the last bucket read); the first slot from the epoch drawn from the 256 allocations whose leader sits there
      let slot = firstSlot;
      while (drawPosition(entries, slotRandom(0n, rollup, slot)) !== last) slot++;
      const epoch = await f.operatorSets.epochAt(slot * slotLength);
      expect(epoch - drawn).to.be.lessThan(20n);
      const leader = entries[last].operator;
      expect(await f.squad.leaderAt(rollup, slot)).to.equal(leader);
      await time.setNextBlockTimestamp(slot * slotLength);
      const { response } = await measure(
        "SquadService.postBatch: the leader at the last of 256 positions posts (the first batch of its epoch: the next epoch's seed committed)",
        f.squad.connect(await signer(leader)).postBatch(rollup, id("maxsize-batch"), 0, AT_CAP),
      );
      await expect(response).to.emit(f.squad, "BatchPosted").withArgs(rollup, slot, leader, true);
      expect((await f.squad.slotMarks(rollup, slot)).posted).to.equal(true);
      expect(await f.squadRollup.batchCount()).to.equal(1n);
      // it committed the next epoch's seed to the block SEED_DELAY blocks on (not revealed: the next epoch's seed is
      // still the inherited 0); its own epoch's stays 0
      const target = BigInt((await response.wait())!.blockNumber) + (await f.squad.SEED_DELAY());
      await expect(response)
        .to.emit(f.squad, "SeedCommitted")
        .withArgs(rollup, epoch + 1n, target);
      expect(await f.squad.seedCommitment(rollup)).to.deep.equal([epoch + 1n, target, false]);
      expect(await f.squad.seedAt(rollup, epoch + 1n)).to.equal(0n);
      expect(await f.squad.seedAt(rollup, epoch)).to.equal(0n);
      const figure = figures.slice(-2).map(({ operation, gas }) => `${operation}: ${gas.toLocaleString("en-US")} gas`);
      console.log(`      SQUAD draw at 256 members:\n        ${figure.join("\n        ")}`);
    });
  });
});
