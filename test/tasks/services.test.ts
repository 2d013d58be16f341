// The operator-set tasks the three restaked services share (tasks/services.ts): service join (registering the rollup's
// set on the first join; in a full set, replacing a member with --replace), service allocate, service leave (out of
// the set at once, then --complete once the leave delay is over), service remove (anyone, a member below the minimum)
// and service set (the set as it counts in the current epoch, read from OperatorSets' checkpoints; it sends nothing),
// for MACH, VITAL and SQUAD, against the staged deployment of `deploy services` (servicesTaskFixture, each operator with a
// BLS key: a MACH set takes no member without one). Set ids, leave times, epochs, churn thresholds and the allocations
// counted in an epoch are computed independently of the tasks.
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, keccak256, Wallet, zeroPadValue, id, ZeroAddress } from "ethers";
import type { BlsKeyRegistry, RollupService } from "../../typechain-types";
import { parseDuration, parseTokenAmount } from "../../deploy/lib/units";
import { ALT } from "../helpers/constants";
import { stagedParameters } from "../helpers/parameters";
import { OPERATOR_STAKES, servicesTaskFixture, type ServicesTaskFixture } from "../helpers/serviceTasks";
import { expectRefused, isoTime, load, runTask, task, transaction } from "../helpers/tasks";
import { attest } from "../helpers/services";
import { SERVICE } from "../helpers/rollups";
import { nextEpoch } from "../helpers/time";
import { formatTime } from "../../tasks/lib/cli";
import { RESTAKING_KEYS } from "../../tasks/lib/restaking";
import { blsPublicKey, blsSecretFrom, keyRegistration } from "../../tasks/lib/mach";
import { formatSetId, parseSetId, readableReason, refusalExplainer, setIdJson, setNames } from "../../tasks/lib/sets";

const coder = AbiCoder.defaultAbiCoder();
const parameters = stagedParameters();
/**
 * deploy/parameters/hardhat.json: every set a service registers takes 1,000 ALT at least, 64 members at most; its
 * set is live in an epoch that counts 1 operator and 1,000 ALT.
 */
const MIN_STAKE = parseTokenAmount(parameters.services!.minStake);
const MAX_SIZE = BigInt(parameters.services!.maxSize);
const MIN_MEMBERS = BigInt(parameters.services!.minMembers);
const MIN_TOTAL_STAKE = parseTokenAmount(parameters.services!.minTotalStake);
/** Restaking: a newcomer replaces a member of a full set allocating 10 % (1,000 bps) more than it. */
const CHURN_MARGIN_BPS = BigInt(parameters.restaking.churnMarginBps);
/** Restaking: leaving a set waits the 14-day withdrawal delay; 1-day epochs. */
const LEAVE_DELAY = parseDuration(parameters.restaking.withdrawalDelay);
const EPOCH = BigInt(parseDuration(parameters.restaking.epochLength));

interface TxReport {
  hash: string;
  gasUsed: string;
  block: number;
}

interface JoinResult {
  service: string;
  rollup: string;
  setId: bigint;
  operator: string;
  amount: bigint;
  replaced: string | null;
  countsFrom: bigint;
  registered?: TxReport;
  joined: TxReport;
}

interface AllocateResult {
  service: string;
  rollup: string;
  setId: bigint;
  operator: string;
  before: bigint;
  allocation: [bigint, bigint, bigint];
  countsFrom: bigint;
  tx: TxReport;
}

interface LeaveResult {
  service: string;
  rollup: string;
  setId: bigint;
  operator: string;
  completed: boolean;
  leaveAt: bigint;
  tx: TxReport;
}

interface RemoveResult {
  service: string;
  rollup: string;
  setId: bigint;
  operator: string;
  allocated: bigint;
  minStake: bigint;
  tx: TxReport;
}

interface SetResult {
  service: string;
  rollup: string;
  setId: bigint;
  epoch: bigint;
  /** Each member, in the member list's order: its allocation now and the one counted in the epoch. */
  members: { operator: string; allocated: bigint; counted: bigint }[];
  /** Operators out of the member list whose allocation still counts in the epoch. */
  left: { operator: string; counted: bigint }[];
  totalStake: bigint;
  count: bigint;
  minMembers: bigint;
  minTotalStake: bigint;
  live: boolean;
}

type Name = "mach" | "vital" | "squad";
const NAMES: Name[] = ["mach", "vital", "squad"];
/** Each service's set of its rollup in the fixture, as the tasks name it (service / rollup chain ID). */
const SHORT: Record<Name, string> = { mach: "MACH/5001", vital: "VITAL/5001", squad: "SQUAD/5002" };

const txLine = (what: string, tx: TxReport) => `${what}: tx ${tx.hash} (gas ${tx.gasUsed}, block ${tx.block})`;
const blockTime = async (block: number) => BigInt((await hre.ethers.provider.getBlock(block))!.timestamp);

/**
 * servicesTaskFixture with a BLS key registered for each operator by the contract (counted from the next epoch, as any
 * allocation made now): MACH's sets add their members' keys to an aggregate key and refuse an operator without one.
 */
async function servicesFixture() {
  const f = await loadFixture(servicesTaskFixture);
  const blsKeys = (await hre.ethers.getContractAt(
    "BlsKeyRegistry",
    f.book[RESTAKING_KEYS.blsKeyRegistry],
  )) as unknown as BlsKeyRegistry;
  const operators = f.operators.map((op, i) => ({ ...op, bls: blsSecretFrom(`service-task-operator:${i}`) }));
  for (const op of operators) {
    const { publicKey, proof } = await keyRegistration(blsKeys, op.address, op.bls);
    await (await blsKeys.connect(op.signer).registerKey(publicKey, proof)).wait();
  }
  return { ...f, operators, blsKeys };
}

/** The service's contract, the rollup it serves in the fixture (VITAL and MACH: chain 5001; SQUAD: chain 5002). */
function target(f: ServicesTaskFixture, name: Name) {
  const service = f[name] as unknown as RollupService;
  const squad = name === "squad";
  return {
    service,
    rollup: squad ? f.squadRollupAddress : f.rollupAddress,
    chainId: squad ? "5002" : "5001",
  };
}

/** OperatorSets.setIdOf(service, key): keccak256(abi.encode(service, bytes32(rollup))), by hand. */
async function setIdOf(f: ServicesTaskFixture, name: Name) {
  const { service, rollup } = target(f, name);
  const key = zeroPadValue(rollup, 32);
  return BigInt(keccak256(coder.encode(["address", "bytes32"], [await service.getAddress(), key])));
}

/** Checks a task's transaction report against its receipt: sent by `from` to `to`, mined, hash, gas and block. */
async function expectMined(report: TxReport | undefined, from: string, to: string) {
  expect(report, "transaction report").not.to.equal(undefined);
  const receipt = (await hre.ethers.provider.getTransactionReceipt(report!.hash))!;
  expect(receipt.status).to.equal(1);
  expect(receipt.from).to.equal(from);
  expect(receipt.to).to.equal(to);
  expect(report).to.deep.equal({ hash: receipt.hash, gasUsed: receipt.gasUsed.toString(), block: receipt.blockNumber });
}

/**
 * The service registers its rollup and the operators join its set allocating all their stake, by the contracts (not
 * the tasks); then the next epoch, in which the allocations count, begins.
 */
async function joined(f: ServicesTaskFixture, name: Name, operators = f.operators) {
  const { service, rollup } = target(f, name);
  await (await service.registerRollup(rollup)).wait();
  const setId = await setIdOf(f, name);
  for (const op of operators) {
    await (await f.sets.connect(op.signer).join(setId, await f.sets.freeStake(op.address))).wait();
  }
  await nextEpoch(f.sets);
  return setId;
}

/** What operators 0, 1 and 2 allocate to the full set of `fullSet`: the smallest, operator 2's, one wei over 20,000 ALT. */
const FULL_SET_ALLOCATIONS = [50_000n * ALT, 40_000n * ALT, 20_000n * ALT + 1n];

/**
 * A full set: the service registers the rollup, operators 0, 1 and 2 join with FULL_SET_ALLOCATIONS (by the
 * contracts), and the service's owner (the deployer, in the staged deployment) bounds the set at `maxSize` members,
 * keeping the other parameters of hardhat.json.
 */
async function fullSet(f: ServicesTaskFixture, name: Name, maxSize = 3) {
  const { service, rollup } = target(f, name);
  await (await service.registerRollup(rollup)).wait();
  const setId = await setIdOf(f, name);
  for (const [i, amount] of FULL_SET_ALLOCATIONS.entries()) {
    await (await f.sets.connect(f.operators[i].signer).join(setId, amount)).wait();
  }
  await setParameters(f, name, { maxSize });
  return setId;
}

/** The service's owner (the deployer) changes the rollup's set: hardhat.json's parameters but for `change`. */
async function setParameters(f: ServicesTaskFixture, name: Name, change: { minStake?: bigint; maxSize?: number }) {
  const { service, rollup } = target(f, name);
  const params = {
    minStake: change.minStake ?? MIN_STAKE,
    maxSize: change.maxSize ?? Number(MAX_SIZE),
    minMembers: MIN_MEMBERS,
    minTotalStake: MIN_TOTAL_STAKE,
  };
  await (await service.connect(f.deployer).updateRollupSet(rollup, params)).wait();
  const config = await f.sets.setConfig(await setIdOf(f, name));
  expect([config.minStake, config.maxSize]).to.deep.equal([params.minStake, BigInt(params.maxSize)]);
}

/** The epoch of `timestamp` counted from OperatorSets' genesis (epoch 0's start). */
async function epochAt(f: ServicesTaskFixture, timestamp: bigint) {
  return (timestamp - (await f.sets.epochStart(0))) / EPOCH;
}

describe("service tasks", function () {
  describe("service join", function () {
    for (const name of NAMES) {
      it(`registers the rollup in ${name.toUpperCase()} on the first join, then joins its set (JSON)`, async function () {
        const f = await load(servicesFixture);
        const { service, rollup, chainId } = target(f, name);
        const op = f.operators[1];
        const setId = await setIdOf(f, name);
        expect(await service.isRegistered(rollup)).to.equal(false);
        const block = await hre.ethers.provider.getBlockNumber();
        // MACH by the rollup's address, VITAL and SQUAD by its chain ID
        const result = await task<JoinResult>("service join", {
          service: name,
          rollup: name === "mach" ? rollup : chainId,
          from: op.address,
          json: true,
        });
        // with no --amount, all the operator's free stake is allocated, counted from the next epoch
        const free = OPERATOR_STAKES[1];
        expect(result).to.deep.equal({
          service: name,
          rollup,
          setId,
          set: SHORT[name],
          operator: op.address,
          amount: free,
          replaced: null,
          countsFrom: (await f.sets.currentEpoch()) + 1n,
          registered: result.registered,
          joined: result.joined,
        });
        expect((await f.sets.allocation(setId, op.address)).allocated).to.equal(free);
        expect(await f.sets.freeStake(op.address)).to.equal(0n);
        await expectMined(result.registered, op.address, await service.getAddress());
        await expectMined(result.joined, op.address, await f.sets.getAddress());
        expect([result.registered!.block, result.joined.block]).to.deep.equal([block + 1, block + 2]);
        await expect(transaction(result.registered!.hash))
          .to.emit(service, "RollupRegistered")
          .withArgs(rollup, setId, [MIN_STAKE, MAX_SIZE, MIN_MEMBERS, MIN_TOTAL_STAKE])
          .and.to.emit(f.sets, "SetCreated")
          .withArgs(setId, await service.getAddress(), zeroPadValue(rollup, 32), MIN_STAKE, MAX_SIZE)
          .and.to.emit(f.sets, "LivenessUpdated")
          .withArgs(setId, MIN_MEMBERS, MIN_TOTAL_STAKE);
        await expect(transaction(result.joined.hash)).to.emit(f.sets, "Joined").withArgs(setId, op.address);
        const listener = name === "mach" ? await f.blsKeys.getAddress() : ZeroAddress;
        expect(await f.sets.listenerOf(setId)).to.equal(listener);
        if (name === "mach") {
          await expect(transaction(result.registered!.hash)).to.emit(f.sets, "ListenerSet").withArgs(setId, listener);
          // the member's key in the set's aggregate key from the epoch its allocation counts in
          await expect(transaction(result.joined.hash))
            .to.emit(f.blsKeys, "AggregateKeyUpdated")
            .withArgs(setId, blsPublicKey(op.bls), result.countsFrom);
        } else {
          await expect(transaction(result.registered!.hash)).not.to.emit(f.sets, "ListenerSet");
        }
        expect(await service.isRegistered(rollup)).to.equal(true);
        expect(await service.setIdOf(rollup)).to.equal(setId);
        expect(await f.sets.setConfig(setId)).to.deep.equal([
          await service.getAddress(),
          MAX_SIZE,
          true,
          MIN_MEMBERS,
          // only SQUAD draws from its sets: only its sets keep a draw index
          name === "squad",
          // only MACH's sets tell a listener (the BLS key registry, for their aggregate keys) who counts
          name === "mach",
          MIN_STAKE,
          MIN_TOTAL_STAKE,
        ]);
        expect(await f.sets.members(setId)).to.deep.equal([op.address]);
        const membership = await f.sets.membership(setId, op.address);
        expect([membership.member, membership.index, membership.leaveAt]).to.deep.equal([true, 0n, 0n]);
      });
    }

    it("joins a registered set without registering it again, printing one line per transaction", async function () {
      const f = await load(servicesFixture);
      const [first, second] = f.operators;
      const setId = await setIdOf(f, "squad");
      const rollup = f.squadRollupAddress;
      const firstRun = await runTask<JoinResult>("service join", {
        service: "squad",
        rollup: "5002",
        amount: "1500",
        from: first.address,
        json: false,
      });
      const { registered, joined: joinedTx } = firstRun.result;
      const next = (await f.sets.currentEpoch()) + 1n;
      expect(firstRun.lines).to.deep.equal([
        txLine(`registered ${rollup} in SQUAD`, registered!),
        txLine(`${first.address} joined set SQUAD/5002 with 1,500 ALT allocated, counted from epoch ${next}`, joinedTx),
      ]);
      expect((await f.sets.allocation(setId, first.address)).allocated).to.equal(1_500n * ALT);
      // the service name in any case; one transaction only
      const block = await hre.ethers.provider.getBlockNumber();
      const { result, lines } = await runTask<JoinResult>("service join", {
        service: "Squad",
        rollup,
        from: second.address,
        json: false,
      });
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(block + 1);
      expect(result).to.deep.equal({
        service: "squad",
        rollup,
        setId,
        set: "SQUAD/5002",
        operator: second.address,
        amount: OPERATOR_STAKES[1],
        replaced: null,
        countsFrom: next,
        registered: undefined,
        joined: result.joined,
      });
      await expectMined(result.joined, second.address, await f.sets.getAddress());
      expect(lines).to.deep.equal([
        txLine(
          `${second.address} joined set SQUAD/5002 with 300,000 ALT allocated, counted from epoch ${next}`,
          result.joined,
        ),
      ]);
      expect(await f.sets.members(setId)).to.deep.equal([first.address, second.address]);
      expect((await f.sets.membership(setId, second.address)).index).to.equal(1n);
    });

    it("gives MACH and VITAL each a set of their own for the same rollup", async function () {
      const f = await load(servicesFixture);
      const [op0, op1] = f.operators;
      const mach = await task<JoinResult>("service join", {
        service: "mach",
        rollup: "5001",
        from: op0.address,
        json: true,
      });
      const vital = await task<JoinResult>("service join", {
        service: "vital",
        rollup: "5001",
        from: op1.address,
        json: true,
      });
      expect(mach.setId).to.equal(await setIdOf(f, "mach"));
      expect(vital.setId).to.equal(await setIdOf(f, "vital"));
      expect(mach.setId).not.to.equal(vital.setId);
      // each registered its own set on its first join
      expect(mach.registered).not.to.equal(undefined);
      expect(vital.registered).not.to.equal(undefined);
      expect(await f.sets.members(mach.setId)).to.deep.equal([op0.address]);
      expect(await f.sets.members(vital.setId)).to.deep.equal([op1.address]);
      expect(await f.mach.isRegistered(f.rollupAddress)).to.equal(true);
      expect(await f.vital.isRegistered(f.rollupAddress)).to.equal(true);
      expect(await f.squad.isRegistered(f.rollupAddress)).to.equal(false);
    });

    it("refuses an unknown service, chain ID, address or account, sending nothing", async function () {
      const f = await load(servicesFixture);
      const from = f.operators[0].address;
      const args = { service: "mach", rollup: "5001", from, json: true };
      await expectRefused(
        "service join",
        { ...args, service: "sequencer" },
        "--service must be one of mach, vital, squad, not sequencer",
      );
      await expectRefused("service join", { ...args, rollup: "9999" }, "no rollup has chain ID 9999");
      await expectRefused("service join", { ...args, rollup: "0x1234" }, "--rollup is not a valid address: 0x1234");
      // a contract that is not a rollup, and an account without code
      const token = await f.token.getAddress();
      await expectRefused("service join", { ...args, rollup: token }, `${token} is not a rollup of the factory`);
      await expectRefused(
        "service join",
        { ...args, rollup: f.outsider.address.toLowerCase() },
        `${f.outsider.address} is not a rollup of the factory`,
      );
      const stranger = Wallet.createRandom().address;
      await expectRefused(
        "service join",
        { ...args, from: stranger },
        `--from ${stranger} is not an account of network hardhat`,
      );
      expect(await f.mach.isRegistered(f.rollupAddress)).to.equal(false);
    });

    it("refuses a service the rollup did not enable, before registering anything", async function () {
      const f = await load(servicesFixture);
      const from = f.operators[0].address;
      // rollup 5001 uses VITAL and MACH; rollup 5002 SQUAD only
      expect(await f.rollup.services()).to.equal(BigInt(SERVICE.VITAL | SERVICE.MACH));
      expect(await f.squadRollup.services()).to.equal(BigInt(SERVICE.SQUAD));
      await expectRefused(
        "service join",
        { service: "squad", rollup: "5001", from, json: true },
        `${f.rollupAddress} does not use SQUAD`,
      );
      for (const service of ["mach", "vital"]) {
        await expectRefused(
          "service join",
          { service, rollup: f.squadRollupAddress, from, json: false },
          `${f.squadRollupAddress} does not use ${service.toUpperCase()}`,
        );
      }
      expect(await f.squad.isRegistered(f.rollupAddress)).to.equal(false);
      expect(await f.mach.isRegistered(f.squadRollupAddress)).to.equal(false);
      expect(await f.vital.isRegistered(f.squadRollupAddress)).to.equal(false);
    });

    it("refuses an account that is not an operator before registering anything", async function () {
      const f = await load(servicesFixture);
      // the outsider (account 15) and the default account (the deployer) registered no operator
      for (const account of [f.outsider, f.deployer]) {
        expect(await f.registry.isOperator(account.address)).to.equal(false);
        await expectRefused(
          "service join",
          { service: "vital", rollup: "5001", from: account === f.deployer ? undefined : account.address, json: true },
          `${account.address} is not an operator (operator register first)`,
        );
      }
      expect(await f.vital.isRegistered(f.rollupAddress)).to.equal(false);
      // a registered set: still refused, the set unchanged
      const setId = await joined(f, "vital", [f.operators[0]]);
      await expectRefused(
        "service join",
        { service: "vital", rollup: "5001", from: f.outsider.address, json: true },
        `${f.outsider.address} is not an operator (operator register first)`,
      );
      expect(await f.sets.members(setId)).to.deep.equal([f.operators[0].address]);
    });

    it("refuses an operator without enough stake before registering anything: the rollup stays unregistered, nothing is sent", async function () {
      const f = await load(servicesFixture);
      // the outsider (account 15) registers as an operator without staking
      await (await f.registry.connect(f.outsider).registerOperator("ipfs://no-stake", 0)).wait();
      const args = { service: "vital", rollup: "5001", from: f.outsider.address, json: true };
      const block = await hre.ethers.provider.getBlockNumber();
      const balance = await hre.ethers.provider.getBalance(f.outsider.address);
      await expectRefused("service join", args, "the set needs at least 1,000 ALT allocated, not 0 ALT");
      await expectRefused(
        "service join",
        { ...args, amount: "5000" },
        `${f.outsider.address} has 0 ALT of free stake, less than 5,000 ALT`,
      );
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
      expect(await hre.ethers.provider.getBalance(f.outsider.address)).to.equal(balance);
      expect(await f.vital.isRegistered(f.rollupAddress)).to.equal(false);
      // staked below the set's minimum: refused all the same, the rollup still unregistered
      const stake = 999n * ALT;
      await (await f.token.connect(f.outsider).approve(await f.registry.getAddress(), stake)).wait();
      await (await f.registry.connect(f.outsider).stake(f.outsider.address, 0, stake)).wait();
      await expectRefused("service join", args, "the set needs at least 1,000 ALT allocated, not 999 ALT");
      expect(await f.vital.isRegistered(f.rollupAddress)).to.equal(false);
    });

    it("refuses an operator without a BLS key joining MACH before registering anything (the registry would revert BlsNoKey); VITAL takes it", async function () {
      const f = await load(servicesFixture);
      // the outsider (account 15) registers as an operator and stakes, with no BLS key
      const stake = 100_000n * ALT;
      await (await f.registry.connect(f.outsider).registerOperator("ipfs://no-bls", 0)).wait();
      await (await f.token.connect(f.outsider).approve(await f.registry.getAddress(), stake)).wait();
      await (await f.registry.connect(f.outsider).stake(f.outsider.address, 0, stake)).wait();
      expect(await f.blsKeys.keyOf(f.outsider.address)).to.equal("0x");
      const noKey =
        `${f.outsider.address} has no BLS key, which MACH needs: register a BLS key first: ` +
        `npx hardhat mach register-key --from ${f.outsider.address} (its secret key in $ALT_BLS_KEY)`;
      const args = { service: "mach", rollup: "5001", from: f.outsider.address, json: true };
      await expectRefused("service join", args, noKey);
      expect(await f.mach.isRegistered(f.rollupAddress)).to.equal(false);
      // a registered set likewise: the set unchanged
      const setId = await joined(f, "mach", [f.operators[0]]);
      await expectRefused("service join", { ...args, amount: "50000" }, noKey);
      expect(await f.sets.members(setId)).to.deep.equal([f.operators[0].address]);
      expect(await f.sets.freeStake(f.outsider.address)).to.equal(stake);
      // VITAL keeps no aggregate key: no BLS key needed
      const vital = await task<JoinResult>("service join", { ...args, service: "vital", amount: "50000" });
      expect(await f.sets.members(vital.setId)).to.deep.equal([f.outsider.address]);
      // with a key registered through mach register-key, the MACH join goes through; the key counts with the stake
      const secret = blsSecretFrom("service-task-no-bls");
      const previous = process.env.ALT_BLS_KEY;
      process.env.ALT_BLS_KEY = "0x" + secret.toString(16).padStart(64, "0");
      try {
        await task("mach register-key", { from: f.outsider.address, json: true });
      } finally {
        if (previous === undefined) delete process.env.ALT_BLS_KEY;
        else process.env.ALT_BLS_KEY = previous;
      }
      const mach = await task<JoinResult>("service join", { ...args, amount: "50000" });
      expect(mach.countsFrom).to.equal((await f.sets.currentEpoch()) + 1n);
      expect(await f.sets.members(setId)).to.deep.equal([f.operators[0].address, f.outsider.address]);
      expect(await f.blsKeys.keyOf(f.outsider.address)).to.equal(blsPublicKey(secret));
    });

    it("refuses an operator jailed by a pending slash request before registering anything", async function () {
      const f = await load(servicesFixture);
      const op = f.operators[1];
      // a MACH equivocation proven against operator 1 (a member of rollup 5001's MACH set): a pending slash request
      await joined(f, "mach", [op]);
      const epoch = await f.sets.currentEpoch();
      const block = 100n;
      const [rootA, rootB] = [id("join-jailed-a"), id("join-jailed-b")];
      const attestation = async (outputRoot: string) => ({
        outputIndex: 0n,
        l2BlockNumber: block,
        outputRoot,
        epoch,
        signature: await attest(f.mach, op, f.rollupAddress, 0n, block, outputRoot, epoch),
      });
      const key = blsPublicKey(op.bls);
      await (
        await f.mach.proveEquivocation(
          f.rollupAddress,
          op.address,
          await attestation(rootA),
          key,
          await attestation(rootB),
          key,
        )
      ).wait();
      expect(await f.registry.isJailed(op.address)).to.equal(true);
      await expectRefused(
        "service join",
        { service: "vital", rollup: "5001", from: op.address, json: true },
        `${op.address} is jailed by a pending slash request`,
      );
      expect(await f.vital.isRegistered(f.rollupAddress)).to.equal(false);
      // a registered set likewise
      const setId = await joined(f, "squad", [f.operators[0]]);
      await expectRefused(
        "service join",
        { service: "squad", rollup: "5002", from: op.address, json: true },
        `${op.address} is jailed by a pending slash request`,
      );
      expect(await f.sets.members(setId)).to.deep.equal([f.operators[0].address]);
    });

    it("refuses a member joining the same set again, sending nothing", async function () {
      const f = await load(servicesFixture);
      const [op, other] = f.operators;
      const setId = await joined(f, "mach", [op, other]);
      for (const rollup of ["5001", f.rollupAddress]) {
        await expectRefused(
          "service join",
          { service: "mach", rollup, from: op.address, json: true },
          `${op.address} is a member of the set already`,
        );
      }
      expect(await f.sets.members(setId)).to.deep.equal([op.address, other.address]);
      // a member of the MACH set joins the VITAL set of the same rollup with new stake: its MACH allocation holds the
      // rest
      await (await f.token.connect(op.signer).approve(await f.registry.getAddress(), MIN_STAKE)).wait();
      await (await f.registry.connect(op.signer).stake(op.address, 0, MIN_STAKE)).wait();
      const vital = await task<JoinResult>("service join", {
        service: "vital",
        rollup: "5001",
        amount: "1000",
        from: op.address,
        json: true,
      });
      expect(await f.sets.members(vital.setId)).to.deep.equal([op.address]);
      expect((await f.sets.allocation(vital.setId, op.address)).allocated).to.equal(MIN_STAKE);
    });

    it("lets an operator that left join again before completing its leave, taking its held deallocation back", async function () {
      const f = await load(servicesFixture);
      const [op, other] = f.operators;
      const setId = await joined(f, "mach", [op, other]);
      await task<LeaveResult>("service leave", {
        service: "mach",
        rollup: "5001",
        from: other.address,
        complete: false,
        json: true,
      });
      expect(await f.sets.members(setId)).to.deep.equal([op.address]);
      // all its stake is still held by the deallocation, and that is what it joins with by default
      expect(await f.sets.freeStake(other.address)).to.equal(0n);
      const block = await hre.ethers.provider.getBlockNumber();
      const { result, lines } = await runTask<JoinResult>("service join", {
        service: "mach",
        rollup: "5001",
        from: other.address,
        json: false,
      });
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(block + 1);
      const countsFrom = (await f.sets.currentEpoch()) + 1n;
      expect(result).to.deep.equal({
        service: "mach",
        rollup: f.rollupAddress,
        setId,
        set: "MACH/5001",
        operator: other.address,
        amount: OPERATOR_STAKES[1],
        replaced: null,
        countsFrom,
        registered: undefined,
        joined: result.joined,
      });
      expect(lines).to.deep.equal([
        txLine(
          `${other.address} joined set MACH/5001 with 300,000 ALT allocated, counted from epoch ${countsFrom}`,
          result.joined,
        ),
      ]);
      await expect(transaction(result.joined.hash))
        .to.emit(f.sets, "Joined")
        .withArgs(setId, other.address)
        .and.to.emit(f.sets, "AllocationUpdated")
        .withArgs(setId, other.address, OPERATOR_STAKES[1], 0n, 0n, countsFrom);
      // a member again, at the end of the list; the set is once in its list of sets; nothing deallocated any more
      expect(await f.sets.members(setId)).to.deep.equal([op.address, other.address]);
      const membership = await f.sets.membership(setId, other.address);
      expect([membership.member, membership.index, membership.leaveAt]).to.deep.equal([true, 1n, 0n]);
      expect(await f.sets.setsOf(other.address)).to.deep.equal([setId]);
      expect(await f.sets.allocation(setId, other.address)).to.deep.equal([OPERATOR_STAKES[1], 0n, 0n]);
      // more than it held needs free stake, refused before anything is sent
      await expectRefused(
        "service allocate",
        { service: "mach", rollup: "5001", from: other.address, amount: "300001", json: true },
        `${other.address} has 0 ALT of free stake: at most 300,000 ALT can be allocated`,
      );
      // nothing left to complete
      await expectRefused(
        "service leave",
        { service: "mach", rollup: "5001", from: other.address, complete: true, json: true },
        `${other.address} is a member of the set: service leave without --complete first`,
      );
    });

    it("refuses an allocation above the free stake or below the set's minimum, sending nothing", async function () {
      const f = await load(servicesFixture);
      const [op, other] = f.operators;
      await joined(f, "mach", [op]);
      const block = await hre.ethers.provider.getBlockNumber();
      // all of op's stake is in the MACH set: none is free for VITAL
      await expectRefused(
        "service join",
        { service: "vital", rollup: "5001", from: op.address, json: true },
        "the set needs at least 1,000 ALT allocated, not 0 ALT",
      );
      await expectRefused(
        "service join",
        { service: "vital", rollup: "5001", amount: "1", from: op.address, json: true },
        `${op.address} has 0 ALT of free stake, less than 1 ALT`,
      );
      await expectRefused(
        "service join",
        { service: "vital", rollup: "5001", amount: "300000.5", from: other.address, json: true },
        `${other.address} has 300,000 ALT of free stake, less than 300,000.5 ALT`,
      );
      await expectRefused(
        "service join",
        { service: "vital", rollup: "5001", amount: "999.9", from: other.address, json: true },
        "the set needs at least 1,000 ALT allocated, not 999.9 ALT",
      );
      await expectRefused(
        "service join",
        { service: "vital", rollup: "5001", amount: "lots", from: other.address, json: true },
        '--amount: invalid amount "lots": expected a non-negative decimal',
      );
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
      expect(await f.vital.isRegistered(f.rollupAddress)).to.equal(false);
    });
  });

  describe("service join in a full set", function () {
    // replacing operator 2 (20,000 ALT + 1 wei) needs ceil((20,000 ALT + 1 wei) * 11,000 / 10,000) = 22,000 ALT + 2 wei
    const NEEDED = 22_000n * ALT + 2n;

    it("refuses to join a full set without --replace, naming the smallest member and what replacing it needs, sending nothing", async function () {
      const f = await load(servicesFixture);
      const [op0, op1, op2, newcomer] = f.operators;
      const setId = await fullSet(f, "mach");
      expect(CHURN_MARGIN_BPS).to.equal(1_000n);
      expect(await f.sets.churnMarginBps()).to.equal(CHURN_MARGIN_BPS);
      expect((FULL_SET_ALLOCATIONS[2] * (10_000n + CHURN_MARGIN_BPS) - 1n) / 10_000n + 1n).to.equal(NEEDED);
      const message =
        `the set is full (3 members, at most 3): to replace its smallest member ${op2.address} ` +
        "(20,000.000000000000000001 ALT), pass --replace smallest and allocate at least 22,000.000000000000000002 ALT";
      // all its free stake (100,000 ALT, enough), or an amount of its own: the same refusal
      await expectRefused(
        "service join",
        { service: "mach", rollup: "5001", from: newcomer.address, json: true },
        message,
      );
      await expectRefused(
        "service join",
        { service: "mach", rollup: f.rollupAddress, amount: "30000", from: newcomer.address, json: false },
        message,
      );
      expect(await f.sets.members(setId)).to.deep.equal([op0.address, op1.address, op2.address]);
      expect((await f.sets.membership(setId, newcomer.address)).member).to.equal(false);
      expect(await f.sets.freeStake(newcomer.address)).to.equal(OPERATOR_STAKES[3]);
    });

    it("replaces the smallest member with --replace smallest, allocating exactly the churn margin more, in one transaction (JSON)", async function () {
      const f = await load(servicesFixture);
      const [op0, op1, op2, newcomer] = f.operators;
      const setId = await fullSet(f, "vital");
      // the three allocations count from this epoch on
      const epoch = await nextEpoch(f.sets);
      const block = await hre.ethers.provider.getBlockNumber();
      const result = await task<JoinResult>("service join", {
        service: "vital",
        rollup: "5001",
        amount: "22000.000000000000000002",
        replace: "smallest",
        from: newcomer.address,
        json: true,
      });
      // the join only: a member is replaced at any time of the epoch, nothing is sent before
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(block + 1);
      expect(await f.sets.currentEpoch()).to.equal(epoch);
      const countsFrom = epoch + 1n;
      expect(result).to.deep.equal({
        service: "vital",
        rollup: f.rollupAddress,
        setId,
        set: "VITAL/5001",
        operator: newcomer.address,
        amount: NEEDED,
        replaced: op2.address,
        countsFrom,
        registered: undefined,
        joined: result.joined,
      });
      await expectMined(result.joined, newcomer.address, await f.sets.getAddress());
      expect(result.joined.block).to.equal(block + 1);
      const leaveAt = (await blockTime(result.joined.block)) + BigInt(LEAVE_DELAY);
      await expect(transaction(result.joined.hash))
        .to.emit(f.sets, "LeaveRequested")
        .withArgs(setId, op2.address, leaveAt)
        .and.to.emit(f.sets, "MemberReplaced")
        .withArgs(setId, op2.address, newcomer.address)
        .and.to.emit(f.sets, "Joined")
        .withArgs(setId, newcomer.address)
        .and.to.emit(f.sets, "AllocationUpdated")
        .withArgs(setId, newcomer.address, NEEDED, 0n, 0n, countsFrom)
        .and.to.emit(f.sets, "AllocationUpdated")
        .withArgs(setId, op2.address, 0n, FULL_SET_ALLOCATIONS[2], leaveAt, countsFrom);
      // the newcomer in the replaced member's place (the last one), which left as by its own request
      expect(await f.sets.members(setId)).to.deep.equal([op0.address, op1.address, newcomer.address]);
      expect(await f.sets.membership(setId, op2.address)).to.deep.equal([false, 0n, 0n, leaveAt, 0n]);
      expect(await f.sets.allocation(setId, op2.address)).to.deep.equal([0n, FULL_SET_ALLOCATIONS[2], leaveAt]);
      expect(await f.sets.allocation(setId, newcomer.address)).to.deep.equal([NEEDED, 0n, 0n]);
      // the replaced member's allocation still counts in this epoch, the newcomer's from the next
      const everyone = [op0, op1, op2, newcomer].map((op) => op.address);
      const [a0, a1, a2] = FULL_SET_ALLOCATIONS;
      expect(await f.sets.allocationsAt(setId, everyone, epoch)).to.deep.equal([a0, a1, a2, 0n]);
      expect(await f.sets.allocationsAt(setId, everyone, countsFrom)).to.deep.equal([a0, a1, 0n, NEEDED]);
      expect(await f.sets.setStakeAt(setId, epoch)).to.equal(a0 + a1 + a2);
      expect(await f.sets.setStakeAt(setId, countsFrom)).to.equal(a0 + a1 + NEEDED);
      expect([await f.sets.memberCountAt(setId, epoch), await f.sets.memberCountAt(setId, countsFrom)]).to.deep.equal([
        3n,
        3n,
      ]);
    });

    it("replaces a member named by its address, printing whom it replaced (text mode)", async function () {
      const f = await load(servicesFixture);
      const [op0, op1, op2, newcomer] = f.operators;
      const setId = await fullSet(f, "squad");
      // operator 1 holds 40,000 ALT: 44,000 ALT replace it
      const { result, lines } = await runTask<JoinResult>("service join", {
        service: "squad",
        rollup: "5002",
        amount: "44000",
        replace: op1.address.toLowerCase(),
        from: newcomer.address,
        json: false,
      });
      const countsFrom = (await f.sets.currentEpoch()) + 1n;
      expect(result.replaced).to.equal(op1.address);
      expect(lines).to.deep.equal([
        txLine(
          `${newcomer.address} joined set SQUAD/5002 with 44,000 ALT allocated, counted from epoch ${countsFrom}, ` +
            `replacing ${op1.address}`,
          result.joined,
        ),
      ]);
      await expect(transaction(result.joined.hash))
        .to.emit(f.sets, "MemberReplaced")
        .withArgs(setId, op1.address, newcomer.address);
      // the last member took operator 1's place, the newcomer is last
      expect(await f.sets.members(setId)).to.deep.equal([op0.address, op2.address, newcomer.address]);
      expect((await f.sets.membership(setId, op1.address)).member).to.equal(false);
    });

    it("refuses a replacement one wei short of the churn margin, or of a non-member, naming what it needs, sending nothing", async function () {
      const f = await load(servicesFixture);
      const [op0, op1, op2, newcomer] = f.operators;
      const setId = await fullSet(f, "mach");
      const args = { service: "mach", rollup: "5001", from: newcomer.address, json: true };
      await expectRefused(
        "service join",
        { ...args, amount: "22000.000000000000000001", replace: "smallest" },
        `replacing ${op2.address} needs at least 22,000.000000000000000002 ALT allocated (churn margin), not ` +
          "22,000.000000000000000001 ALT",
      );
      // a named member: operator 0's 50,000 ALT need 55,000
      await expectRefused(
        "service join",
        { ...args, amount: "54999.999999999999999999", replace: op0.address },
        `replacing ${op0.address} needs at least 55,000 ALT allocated (churn margin), not 54,999.999999999999999999 ALT`,
      );
      // with all its free stake (100,000 ALT) it would replace operator 0, but only a member can be replaced
      await expectRefused(
        "service join",
        { ...args, replace: f.outsider.address },
        `${f.outsider.address} is not a member of the set`,
      );
      await expectRefused("service join", { ...args, replace: "largest" }, "--replace is not a valid address: largest");
      expect(await f.sets.members(setId)).to.deep.equal([op0.address, op1.address, op2.address]);
    });

    it("reads the churn margin governance set on chain, not the parameter file", async function () {
      const f = await load(servicesFixture);
      const [, , op2, newcomer] = f.operators;
      await fullSet(f, "vital");
      // the deployer owns OperatorSets in the staged deployment: 2,500 bps, so 20,000 ALT + 1 wei need
      // ceil((20,000 ALT + 1 wei) * 1.25) = 25,000 ALT + 2 wei
      await expect(f.sets.connect(f.deployer).setChurnMargin(2_500))
        .to.emit(f.sets, "ChurnMarginUpdated")
        .withArgs(2_500);
      const args = { service: "vital", rollup: "5001", from: newcomer.address, json: true };
      await expectRefused(
        "service join",
        args,
        `the set is full (3 members, at most 3): to replace its smallest member ${op2.address} ` +
          "(20,000.000000000000000001 ALT), pass --replace smallest and allocate at least 25,000.000000000000000002 ALT",
      );
      await expectRefused(
        "service join",
        { ...args, amount: "25000.000000000000000001", replace: "smallest" },
        `replacing ${op2.address} needs at least 25,000.000000000000000002 ALT allocated (churn margin), not ` +
          "25,000.000000000000000001 ALT",
      );
      const result = await task<JoinResult>("service join", {
        ...args,
        amount: "25000.000000000000000002",
        replace: "smallest",
      });
      expect(result.replaced).to.equal(op2.address);
    });

    it("refuses --replace while the set has room, registered or not, sending nothing", async function () {
      const f = await load(servicesFixture);
      const [op0, op1, op2, newcomer] = f.operators;
      const message = "--replace is for a full set only: this one has room";
      // not registered yet: nothing registered either
      await expectRefused(
        "service join",
        { service: "squad", rollup: "5002", replace: "smallest", from: newcomer.address, json: true },
        message,
      );
      expect(await f.squad.isRegistered(f.squadRollupAddress)).to.equal(false);
      // three members, room for four: a named member, or the smallest, is not replaced
      const setId = await fullSet(f, "mach", 4);
      for (const replace of ["smallest", op2.address]) {
        await expectRefused(
          "service join",
          { service: "mach", rollup: "5001", amount: "30000", replace, from: newcomer.address, json: false },
          message,
        );
      }
      expect(await f.sets.members(setId)).to.deep.equal([op0.address, op1.address, op2.address]);
    });
  });

  describe("service allocate", function () {
    it("raises a member's allocation from its free stake, counted from the next epoch (JSON)", async function () {
      const f = await load(servicesFixture);
      const [op] = f.operators;
      const setId = await joined(f, "mach", []);
      await (await f.sets.connect(op.signer).join(setId, MIN_STAKE)).wait();
      const result = await task<AllocateResult>("service allocate", {
        service: "mach",
        rollup: "5001",
        amount: "250000",
        from: op.address,
        json: true,
      });
      await expectMined(result.tx, op.address, await f.sets.getAddress());
      const countsFrom = (await f.sets.currentEpoch()) + 1n;
      expect(result).to.deep.equal({
        service: "mach",
        rollup: f.rollupAddress,
        setId,
        set: "MACH/5001",
        operator: op.address,
        before: MIN_STAKE,
        allocation: [250_000n * ALT, 0n, 0n],
        countsFrom,
        tx: result.tx,
      });
      await expect(transaction(result.tx.hash))
        .to.emit(f.sets, "AllocationUpdated")
        .withArgs(setId, op.address, 250_000n * ALT, 0n, 0n, countsFrom);
      expect(await f.sets.freeStake(op.address)).to.equal(OPERATOR_STAKES[0] - 250_000n * ALT);
    });

    it("lowers a member's allocation, printing until when the decrease stays slashable (text mode)", async function () {
      const f = await load(servicesFixture);
      const [op] = f.operators;
      const setId = await joined(f, "squad", [op]);
      const { result, lines } = await runTask<AllocateResult>("service allocate", {
        service: "squad",
        rollup: "5002",
        amount: "100000",
        from: op.address,
        json: false,
      });
      const freeAt = (await blockTime(result.tx.block)) + BigInt(LEAVE_DELAY);
      const countsFrom = (await f.sets.currentEpoch()) + 1n;
      expect(lines).to.deep.equal([
        txLine(
          `${op.address} allocates 100,000 ALT to set SQUAD/5002 (was 400,000 ALT), from epoch ${countsFrom}`,
          result.tx,
        ),
        `  300,000 ALT deallocated, slashable until ${isoTime(freeAt)} (in 14d)`,
      ]);
      expect(await f.sets.allocation(setId, op.address)).to.deep.equal([100_000n * ALT, 300_000n * ALT, freeAt]);
      expect(await f.sets.freeStake(op.address)).to.equal(0n);
    });

    it("refuses a non-member, one that left, and amounts below the minimum or above the free stake", async function () {
      const f = await load(servicesFixture);
      const [op, other, third] = f.operators;
      const setId = await joined(f, "mach", [op, other]);
      const args = { service: "mach", rollup: "5001", json: true };
      const block = await hre.ethers.provider.getBlockNumber();
      await expectRefused(
        "service allocate",
        { ...args, amount: "1000", from: third.address },
        `${third.address} is not a member of the set (service join)`,
      );
      await expectRefused(
        "service allocate",
        { ...args, amount: "999", from: op.address },
        "the set needs at least 1,000 ALT allocated, not 999 ALT",
      );
      await expectRefused(
        "service allocate",
        { ...args, amount: "400001", from: op.address },
        `${op.address} has 0 ALT of free stake: at most 400,000 ALT can be allocated`,
      );
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
      // one that left is out of the set at once: it joins again to allocate
      await (await f.sets.connect(other.signer).requestLeave(setId)).wait();
      await expectRefused(
        "service allocate",
        { ...args, amount: "1000", from: other.address },
        `${other.address} is not a member of the set (service join)`,
      );
      await expectRefused(
        "service allocate",
        { ...args, rollup: "5002", amount: "1000", from: op.address },
        `${f.squadRollupAddress} does not use MACH`,
      );
    });
  });

  describe("service leave", function () {
    for (const name of NAMES) {
      it(`leaves the ${name.toUpperCase()} set at once, then completes once the delay is over (JSON)`, async function () {
        const f = await load(servicesFixture);
        const { rollup, chainId } = target(f, name);
        const [op0, op1, op2] = f.operators;
        const setId = await joined(f, name, [op0, op1, op2]);
        const args = { service: name, rollup: chainId, from: op0.address, json: true };
        const request = await task<LeaveResult>("service leave", { ...args, complete: false });
        const leaveAt = (await blockTime(request.tx.block)) + BigInt(LEAVE_DELAY);
        expect(LEAVE_DELAY).to.equal(Number(await f.registry.withdrawalDelay()));
        expect(request).to.deep.equal({
          service: name,
          rollup,
          setId,
          set: SHORT[name],
          operator: op0.address,
          completed: false,
          leaveAt,
          tx: request.tx,
        });
        await expectMined(request.tx, op0.address, await f.sets.getAddress());
        await expect(transaction(request.tx.hash))
          .to.emit(f.sets, "LeaveRequested")
          .withArgs(setId, op0.address, leaveAt)
          .and.to.emit(f.sets, "AllocationUpdated")
          .withArgs(setId, op0.address, 0n, OPERATOR_STAKES[0], leaveAt, (await f.sets.currentEpoch()) + 1n);
        // out of the member list at once (the last member took its place); its stake deallocated until leaveAt
        const pending = await f.sets.membership(setId, op0.address);
        expect([pending.member, pending.leaveAt]).to.deep.equal([false, leaveAt]);
        expect(await f.sets.members(setId)).to.deep.equal([op2.address, op1.address]);
        expect(await f.sets.allocation(setId, op0.address)).to.deep.equal([0n, OPERATOR_STAKES[0], leaveAt]);
        expect(await f.sets.setsOf(op0.address)).to.deep.equal([setId]);

        // completed in the first second the delay allows (the transaction is mined one second after the latest block)
        await time.increaseTo(leaveAt - 1n);
        const done = await task<LeaveResult>("service leave", { ...args, rollup, complete: true });
        expect(await blockTime(done.tx.block)).to.equal(leaveAt);
        expect(done).to.deep.equal({
          service: name,
          rollup,
          setId,
          set: SHORT[name],
          operator: op0.address,
          completed: true,
          leaveAt: 0n,
          tx: done.tx,
        });
        await expectMined(done.tx, op0.address, await f.sets.getAddress());
        await expect(transaction(done.tx.hash)).to.emit(f.sets, "Left").withArgs(setId, op0.address);
        const left = await f.sets.membership(setId, op0.address);
        expect([left.member, left.leaveAt]).to.deep.equal([false, 0n]);
        expect(await f.sets.members(setId)).to.deep.equal([op2.address, op1.address]);
        // the set is off its list, its stake free again
        expect(await f.sets.setsOf(op0.address)).to.deep.equal([]);
        expect(await f.sets.freeStake(op0.address)).to.equal(OPERATOR_STAKES[0]);
      });
    }

    it("prints when the leave is possible, then the leave (text mode)", async function () {
      const f = await load(servicesFixture);
      const op = f.operators[2];
      const setId = await joined(f, "vital", [op]);
      const args = { service: "VITAL", rollup: f.rollupAddress, from: op.address, json: false };
      const request = await runTask<LeaveResult>("service leave", { ...args, complete: false });
      const leaveAt = (await blockTime(request.result.tx.block)) + BigInt(LEAVE_DELAY);
      expect(request.result.leaveAt).to.equal(leaveAt);
      expect(request.lines).to.deep.equal([
        txLine(`${op.address} leaves set VITAL/5001 from ${isoTime(leaveAt)} (in 14d)`, request.result.tx),
      ]);
      await time.increaseTo(leaveAt + 3_600n);
      const done = await runTask<LeaveResult>("service leave", { ...args, complete: true });
      expect(done.result.completed).to.equal(true);
      expect(done.lines).to.deep.equal([txLine(`${op.address} left set VITAL/5001`, done.result.tx)]);
      expect(await f.sets.members(setId)).to.deep.equal([]);
    });

    it("refuses a rollup not registered in the service, an unknown service or chain ID, sending nothing", async function () {
      const f = await load(servicesFixture);
      const from = f.operators[0].address;
      // MACH has a set of rollup 5001, VITAL not yet; SQUAD never (5001 is centrally sequenced), nor MACH on 5002
      await joined(f, "mach", [f.operators[0]]);
      for (const complete of [false, true]) {
        await expectRefused(
          "service leave",
          { service: "vital", rollup: "5001", from, complete, json: true },
          `${f.rollupAddress} is not registered in VITAL (service join registers it)`,
        );
        await expectRefused(
          "service leave",
          { service: "squad", rollup: f.rollupAddress, from, complete, json: true },
          `${f.rollupAddress} does not use SQUAD`,
        );
        await expectRefused(
          "service leave",
          { service: "squad", rollup: "5002", from, complete, json: false },
          `${f.squadRollupAddress} is not registered in SQUAD (service join registers it)`,
        );
        await expectRefused(
          "service leave",
          { service: "mach", rollup: "5002", from, complete, json: false },
          `${f.squadRollupAddress} does not use MACH`,
        );
      }
      await expectRefused(
        "service leave",
        { service: "restaking", rollup: "5001", from, complete: false, json: true },
        "--service must be one of mach, vital, squad, not restaking",
      );
      await expectRefused(
        "service leave",
        { service: "mach", rollup: "5003", from, complete: false, json: true },
        "no rollup has chain ID 5003",
      );
      expect((await f.sets.membership(await setIdOf(f, "mach"), from)).leaveAt).to.equal(0n);
    });

    it("refuses --complete before the leave delay is over, saying when it can be completed", async function () {
      const f = await load(servicesFixture);
      const op = f.operators[1];
      const setId = await joined(f, "squad", [op]);
      const args = { service: "squad", rollup: "5002", from: op.address, json: true };
      const { leaveAt } = await task<LeaveResult>("service leave", { ...args, complete: false });
      // the completion would be mined at leaveAt - 1: the chain refuses it (SetsLeavePending), the task says when
      await time.increaseTo(leaveAt - 2n);
      await expectRefused(
        "service leave",
        { ...args, complete: true },
        `the leave can be completed from ${isoTime(leaveAt)} (in 2s)`,
      );
      const pending = await f.sets.membership(setId, op.address);
      expect([pending.member, pending.leaveAt]).to.deep.equal([false, leaveAt]);
      expect(await f.sets.members(setId)).to.deep.equal([]);
      expect(await f.sets.setsOf(op.address)).to.deep.equal([setId]);
      // mined at leaveAt: completed
      await time.setNextBlockTimestamp(leaveAt);
      const done = await task<LeaveResult>("service leave", { ...args, complete: true });
      expect(await blockTime(done.tx.block)).to.equal(leaveAt);
      await expect(transaction(done.tx.hash)).to.emit(f.sets, "Left").withArgs(setId, op.address);
      expect(await f.sets.setsOf(op.address)).to.deep.equal([]);
    });

    it("sends nothing when the contract refuses the completion", async function () {
      const f = await load(servicesFixture);
      const op = f.operators[1];
      await joined(f, "squad", [op]);
      const args = { service: "squad", rollup: "5002", from: op.address, json: true };
      const { leaveAt } = await task<LeaveResult>("service leave", { ...args, complete: false });
      const nonce = await hre.ethers.provider.getTransactionCount(op.address);
      await expectRefused(
        "service leave",
        { ...args, complete: true },
        `the leave can be completed from ${isoTime(leaveAt)} (in 14d)`,
      );
      expect(await hre.ethers.provider.getTransactionCount(op.address)).to.equal(nonce);
    });

    it("refuses --complete to a member that has not left, one that never joined, and a second completion, sending nothing", async function () {
      const f = await load(servicesFixture);
      const [member, other] = f.operators;
      const setId = await joined(f, "mach", [member]);
      const args = { service: "mach", rollup: "5001", json: true };
      await expectRefused(
        "service leave",
        { ...args, from: member.address, complete: true },
        `${member.address} is a member of the set: service leave without --complete first`,
      );
      // an operator outside the set, and an account that is no operator (the default account)
      await expectRefused(
        "service leave",
        { ...args, from: other.address, complete: true },
        `${other.address} has no leave to complete in the set`,
      );
      await expectRefused(
        "service leave",
        { ...args, complete: true },
        `${f.deployer.address} has no leave to complete in the set`,
      );
      expect(await f.sets.membership(setId, member.address)).to.deep.equal([true, 0n, 0n, 0n, 0n]);
      // once completed, there is nothing left to complete
      const { leaveAt } = await task<LeaveResult>("service leave", { ...args, from: member.address, complete: false });
      await time.increaseTo(leaveAt);
      await task<LeaveResult>("service leave", { ...args, from: member.address, complete: true });
      await expectRefused(
        "service leave",
        { ...args, from: member.address, complete: true },
        `${member.address} has no leave to complete in the set`,
      );
    });

    it("refuses to leave to a non-member, and a second request of one that left, sending nothing", async function () {
      const f = await load(servicesFixture);
      const [member, other] = f.operators;
      const setId = await joined(f, "mach", [member]);
      const args = { service: "mach", rollup: "5001", complete: false, json: true };
      await expectRefused(
        "service leave",
        { ...args, from: other.address },
        `${other.address} is not a member of the set`,
      );
      await expectRefused("service leave", args, `${f.deployer.address} is not a member of the set`);
      const { leaveAt } = await task<LeaveResult>("service leave", { ...args, from: member.address });
      // it left the member list with the request: a second one is told how to complete
      await expectRefused(
        "service leave",
        { ...args, from: member.address, json: false },
        `${member.address} has left the set already: service leave --complete from ${formatTime(leaveAt)} (in 14d)`,
      );
      expect((await f.sets.membership(setId, member.address)).leaveAt).to.equal(leaveAt);
      // nor after completing
      await time.increaseTo(leaveAt);
      await task<LeaveResult>("service leave", { ...args, from: member.address, complete: true });
      await expectRefused(
        "service leave",
        { ...args, from: member.address },
        `${member.address} is not a member of the set`,
      );
    });
  });

  describe("service remove", function () {
    it("refuses to remove a member at or above the set's minimum, a non-member, or from a rollup not registered, sending nothing", async function () {
      const f = await load(servicesFixture);
      const [op0, op1, op2, op3] = f.operators;
      const setId = await joined(f, "vital");
      const args = { service: "vital", rollup: "5001", json: true };
      await expectRefused(
        "service remove",
        { ...args, operator: op3.address },
        `${op3.address} allocates 100,000 ALT, not below the minimum of 1,000 ALT`,
      );
      // the owner raises the minimum to operator 2's allocation exactly: still not below it
      await setParameters(f, "vital", { minStake: 200_000n * ALT });
      await expectRefused(
        "service remove",
        { ...args, operator: op2.address, from: f.outsider.address },
        `${op2.address} allocates 200,000 ALT, not below the minimum of 200,000 ALT`,
      );
      await expectRefused(
        "service remove",
        { ...args, operator: f.outsider.address },
        `${f.outsider.address} is not a member of the set`,
      );
      await expectRefused(
        "service remove",
        { ...args, operator: "nobody" },
        "--operator is not a valid address: nobody",
      );
      await expectRefused(
        "service remove",
        { service: "squad", rollup: "5002", operator: op3.address, json: false },
        `${f.squadRollupAddress} is not registered in SQUAD (service join registers it)`,
      );
      expect(await f.sets.members(setId)).to.deep.equal([op0.address, op1.address, op2.address, op3.address]);
    });

    it("lets anyone remove a member the owner's raised minimum left below it, in one transaction (JSON)", async function () {
      const f = await load(servicesFixture);
      const [op0, op1, op2, op3] = f.operators;
      const setId = await joined(f, "vital");
      await setParameters(f, "vital", { minStake: 200_000n * ALT });
      const epoch = await f.sets.currentEpoch();
      const block = await hre.ethers.provider.getBlockNumber();
      // the outsider is no operator and no member: anyone may remove
      const result = await task<RemoveResult>("service remove", {
        service: "vital",
        rollup: f.rollupAddress,
        operator: op3.address.toLowerCase(),
        from: f.outsider.address,
        json: true,
      });
      expect(result).to.deep.equal({
        service: "vital",
        rollup: f.rollupAddress,
        setId,
        set: "VITAL/5001",
        operator: op3.address,
        allocated: OPERATOR_STAKES[3],
        minStake: 200_000n * ALT,
        tx: result.tx,
      });
      // the removal only: nothing is sent before it
      expect(result.tx.block).to.equal(block + 1);
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(block + 1);
      await expectMined(result.tx, f.outsider.address, await f.sets.getAddress());
      const leaveAt = (await blockTime(result.tx.block)) + BigInt(LEAVE_DELAY);
      await expect(transaction(result.tx.hash))
        .to.emit(f.sets, "LeaveRequested")
        .withArgs(setId, op3.address, leaveAt)
        .and.to.emit(f.sets, "MemberRemoved")
        .withArgs(setId, op3.address, OPERATOR_STAKES[3]);
      expect(await f.sets.members(setId)).to.deep.equal([op0.address, op1.address, op2.address]);
      expect(await f.sets.membership(setId, op3.address)).to.deep.equal([false, 0n, 0n, leaveAt, 0n]);
      expect(await f.sets.allocation(setId, op3.address)).to.deep.equal([0n, OPERATOR_STAKES[3], leaveAt]);
      // its allocation still counts in the epoch it was removed in, no longer from the next
      expect(await f.sets.currentEpoch()).to.equal(epoch);
      expect(await f.sets.allocationAt(setId, op3.address, epoch)).to.equal(OPERATOR_STAKES[3]);
      expect(await f.sets.allocationAt(setId, op3.address, epoch + 1n)).to.equal(0n);
      expect(await f.sets.setStakeAt(setId, epoch)).to.equal(1_000_000n * ALT);
      expect(await f.sets.setStakeAt(setId, epoch + 1n)).to.equal(1_000_000n * ALT - OPERATOR_STAKES[3]);
      expect([await f.sets.memberCountAt(setId, epoch), await f.sets.memberCountAt(setId, epoch + 1n)]).to.deep.equal([
        4n,
        3n,
      ]);
      // removed, it completes leaving like one that asked to leave
      await expectRefused(
        "service remove",
        { service: "vital", rollup: "5001", operator: op3.address, json: true },
        `${op3.address} is not a member of the set`,
      );
      await time.increaseTo(leaveAt - 1n);
      const done = await task<LeaveResult>("service leave", {
        service: "vital",
        rollup: "5001",
        from: op3.address,
        complete: true,
        json: true,
      });
      await expect(transaction(done.tx.hash)).to.emit(f.sets, "Left").withArgs(setId, op3.address);
    });

    it("removes a member whose own stake's unstake request shrank its allocation below the minimum (text mode)", async function () {
      const f = await load(servicesFixture);
      const [op0, op1, op2, op3] = f.operators;
      const setId = await joined(f, "squad");
      // operator 3 unstakes 99,400 of the 100,000 ALT it staked to itself: its allocation shrinks to the 600 ALT left
      const shares = await f.registry.sharesOf(op3.address, op3.address, 0);
      await (await f.registry.connect(op3.signer).requestUnstake(op3.address, 0, (shares * 994n) / 1_000n)).wait();
      expect(await f.registry.operatorStake(op3.address)).to.equal(600n * ALT);
      expect((await f.sets.allocation(setId, op3.address)).allocated).to.equal(600n * ALT);
      expect((await f.sets.membership(setId, op3.address)).member).to.equal(true);
      // by the default account (the deployer)
      const { result, lines } = await runTask<RemoveResult>("service remove", {
        service: "squad",
        rollup: "5002",
        operator: op3.address,
        json: false,
      });
      await expectMined(result.tx, f.deployer.address, await f.sets.getAddress());
      expect(lines).to.deep.equal([
        txLine(`removed ${op3.address} from set SQUAD/5002 (600 ALT allocated, below 1,000 ALT)`, result.tx),
      ]);
      await expect(transaction(result.tx.hash))
        .to.emit(f.sets, "MemberRemoved")
        .withArgs(setId, op3.address, 600n * ALT);
      expect(await f.sets.members(setId)).to.deep.equal([op0.address, op1.address, op2.address]);
    });
  });

  describe("service set", function () {
    for (const name of NAMES) {
      it(`prints the ${name.toUpperCase()} set as it counts in the current epoch: allocations now and counted, an operator that left still counted, the total, the minimums, live (JSON)`, async function () {
        const f = await load(servicesFixture);
        const [op0, op1, op2, op3] = f.operators;
        const { rollup, chainId } = target(f, name);
        const setId = await joined(f, name);
        // in this epoch: operator 1 stakes 0.5 ALT more and allocates it, operator 3 lowers its allocation to 50,000
        // ALT, operator 2 leaves (the last member, operator 3, takes its place in the list): all count from the next
        await (await f.token.connect(op1.signer).approve(await f.registry.getAddress(), ALT / 2n)).wait();
        await (await f.registry.connect(op1.signer).stake(op1.address, 0, ALT / 2n)).wait();
        await (await f.sets.connect(op1.signer).allocate(setId, OPERATOR_STAKES[1] + ALT / 2n)).wait();
        await (await f.sets.connect(op3.signer).allocate(setId, 50_000n * ALT)).wait();
        await (await f.sets.connect(op2.signer).requestLeave(setId)).wait();
        const epoch = await epochAt(f, BigInt(await time.latest()));
        const block = await hre.ethers.provider.getBlockNumber();
        const result = await task<SetResult>("service set", {
          service: name,
          rollup: name === "vital" ? rollup : chainId,
          json: true,
        });
        expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
        expect(result).to.deep.equal({
          service: name,
          rollup,
          setId,
          set: SHORT[name],
          epoch,
          members: [
            { operator: op0.address, allocated: OPERATOR_STAKES[0], counted: OPERATOR_STAKES[0] },
            { operator: op1.address, allocated: OPERATOR_STAKES[1] + ALT / 2n, counted: OPERATOR_STAKES[1] },
            { operator: op3.address, allocated: 50_000n * ALT, counted: OPERATOR_STAKES[3] },
          ],
          left: [{ operator: op2.address, counted: OPERATOR_STAKES[2] }],
          totalStake: 1_000_000n * ALT,
          count: 4n,
          minMembers: MIN_MEMBERS,
          minTotalStake: MIN_TOTAL_STAKE,
          live: true,
        });
        // as the contracts count the epoch
        expect(await f.sets.setStakeAt(setId, epoch)).to.equal(1_000_000n * ALT);
        expect(await f.sets.memberCountAt(setId, epoch)).to.equal(4n);
        expect(await f.sets.isLive(setId, epoch)).to.equal(true);
      });
    }

    it("prints each member's allocation counted and now, then the operators that left and still count; the next epoch counts the changes (text mode)", async function () {
      const f = await load(servicesFixture);
      const [op0, op1, op2, op3] = f.operators;
      const setId = await joined(f, "mach");
      await (await f.sets.connect(op3.signer).allocate(setId, 50_000n * ALT)).wait();
      await (await f.sets.connect(op0.signer).requestLeave(setId)).wait();
      await (await f.sets.connect(op2.signer).requestLeave(setId)).wait();
      const epoch = await epochAt(f, BigInt(await time.latest()));
      const first = await runTask<SetResult>("service set", { service: "mach", rollup: "5001", json: false });
      expect(first.result.epoch).to.equal(epoch);
      // operator 0's place went to operator 3 (the last), then operator 2 was the last: the list is operators 3 and 1
      expect(first.lines).to.deep.equal([
        `set MACH/5001, epoch ${epoch}: 4 operators counted, 1,000,000 ALT; needs 1 and 1,000 ALT: live`,
        `  ${op3.address} 100,000 ALT counted, 50,000 ALT allocated now`,
        `  ${op1.address} 300,000 ALT counted, 300,000 ALT allocated now`,
        `  ${op0.address} 400,000 ALT counted, left the set`,
        `  ${op2.address} 200,000 ALT counted, left the set`,
      ]);
      // the next epoch counts what the members allocate now, and nothing of those that left
      const next = await nextEpoch(f.sets);
      const second = await runTask<SetResult>("service set", { service: "mach", rollup: "5001", json: false });
      expect(second.lines).to.deep.equal([
        `set MACH/5001, epoch ${next}: 2 operators counted, 350,000 ALT; needs 1 and 1,000 ALT: live`,
        `  ${op3.address} 50,000 ALT counted, 50,000 ALT allocated now`,
        `  ${op1.address} 300,000 ALT counted, 300,000 ALT allocated now`,
      ]);
      expect(second.result.left).to.deep.equal([]);
      expect(await f.sets.allocationsAt(setId, [op0.address, op2.address], next)).to.deep.equal([0n, 0n]);
    });

    it("reports the set not live in an epoch that counts fewer operators than the minimum counted in it (text mode)", async function () {
      const f = await load(servicesFixture);
      const [op0, op1, op2, op3] = f.operators;
      const setId = await joined(f, "mach");
      // the owner asks four operators of the set, from the next epoch on: this one still counts one
      const params = { minStake: MIN_STAKE, maxSize: MAX_SIZE, minMembers: 4n, minTotalStake: MIN_TOTAL_STAKE };
      await (await f.mach.connect(f.deployer).updateRollupSet(f.rollupAddress, params)).wait();
      const now = await task<SetResult>("service set", { service: "mach", rollup: "5001", json: true });
      expect([now.minMembers, now.count, now.live]).to.deep.equal([MIN_MEMBERS, 4n, true]);
      const epoch = await nextEpoch(f.sets);
      // operator 3 leaves: still counted in this epoch, which is live with four
      await (await f.sets.connect(op3.signer).requestLeave(setId)).wait();
      const first = await runTask<SetResult>("service set", { service: "mach", rollup: "5001", json: false });
      expect(first.lines).to.deep.equal([
        `set MACH/5001, epoch ${epoch}: 4 operators counted, 1,000,000 ALT; needs 4 and 1,000 ALT: live`,
        ...[op0, op1, op2].map(
          (op, i) =>
            `  ${op.address} ${["400,000", "300,000", "200,000"][i]} ALT counted, ` +
            `${["400,000", "300,000", "200,000"][i]} ALT allocated now`,
        ),
        `  ${op3.address} 100,000 ALT counted, left the set`,
      ]);
      // the next epoch counts three: not live
      const next = await nextEpoch(f.sets);
      const second = await runTask<SetResult>("service set", { service: "mach", rollup: "5001", json: false });
      expect(second.lines).to.deep.equal([
        `set MACH/5001, epoch ${next}: 3 operators counted, 900,000 ALT; needs 4 and 1,000 ALT: ` +
          "not live (the services decide nothing on it)",
        ...[op0, op1, op2].map(
          (op, i) =>
            `  ${op.address} ${["400,000", "300,000", "200,000"][i]} ALT counted, ` +
            `${["400,000", "300,000", "200,000"][i]} ALT allocated now`,
        ),
      ]);
      expect(second.result.live).to.equal(false);
      expect(await f.sets.isLive(setId, next)).to.equal(false);
    });

    it("counts nothing in the epoch a set is registered in, not even its minimums; a join counts from the next epoch (JSON)", async function () {
      const f = await load(servicesFixture);
      const op = f.operators[1];
      await (await f.vital.registerRollup(f.rollupAddress)).wait();
      const setId = await setIdOf(f, "vital");
      const epoch = await epochAt(f, BigInt(await time.latest()));
      const empty = {
        service: "vital",
        rollup: f.rollupAddress,
        setId,
        set: "VITAL/5001",
        epoch,
        members: [],
        left: [],
        totalStake: 0n,
        count: 0n,
        minMembers: 0n,
        minTotalStake: 0n,
        live: false,
      };
      expect(await task<SetResult>("service set", { service: "vital", rollup: "5001", json: true })).to.deep.equal(
        empty,
      );
      // operator 1 joins with 1,000 ALT: a member now, counted from the next epoch
      await (await f.sets.connect(op.signer).join(setId, MIN_STAKE)).wait();
      const { result, lines } = await runTask<SetResult>("service set", {
        service: "vital",
        rollup: "5001",
        json: false,
      });
      expect(result).to.deep.equal({
        ...empty,
        members: [{ operator: op.address, allocated: MIN_STAKE, counted: 0n }],
      });
      expect(lines).to.deep.equal([
        `set VITAL/5001, epoch ${epoch}: 0 operators counted, 0 ALT; needs 0 and 0 ALT: ` +
          "not live (the services decide nothing on it)",
        `  ${op.address} 0 ALT counted, 1,000 ALT allocated now`,
      ]);
      // the next epoch counts it and the minimums the registration set: live with exactly 1 operator and 1,000 ALT
      const next = await nextEpoch(f.sets);
      expect(await task<SetResult>("service set", { service: "vital", rollup: "5001", json: true })).to.deep.equal({
        ...empty,
        epoch: next,
        members: [{ operator: op.address, allocated: MIN_STAKE, counted: MIN_STAKE }],
        totalStake: MIN_STAKE,
        count: 1n,
        minMembers: MIN_MEMBERS,
        minTotalStake: MIN_TOTAL_STAKE,
        live: true,
      });
      expect([MIN_MEMBERS, MIN_TOTAL_STAKE]).to.deep.equal([1n, MIN_STAKE]);
    });

    it("refuses before anyone joined (no set registered), a service the rollup does not use, an unknown service or rollup", async function () {
      const f = await load(servicesFixture);
      for (const name of NAMES) {
        const { rollup, chainId } = target(f, name);
        await expectRefused(
          "service set",
          { service: name, rollup: chainId, json: true },
          `${rollup} is not registered in ${name.toUpperCase()} (service join registers it)`,
        );
      }
      // a rollup that does not use the service
      await expectRefused(
        "service set",
        { service: "squad", rollup: "5001", json: true },
        `${f.rollupAddress} does not use SQUAD`,
      );
      for (const name of ["mach", "vital"]) {
        await expectRefused(
          "service set",
          { service: name, rollup: "5002", json: false },
          `${f.squadRollupAddress} does not use ${name.toUpperCase()}`,
        );
      }
      await expectRefused(
        "service set",
        { service: "", rollup: "5001", json: true },
        "--service must be one of mach, vital, squad, not ",
      );
      await expectRefused("service set", { service: "mach", rollup: "0", json: false }, "no rollup has chain ID 0");
      const notRollup = await f.registry.getAddress();
      await expectRefused(
        "service set",
        { service: "mach", rollup: notRollup, json: false },
        `${notRollup} is not a rollup of the factory`,
      );
      await expectRefused(
        "service set",
        { service: "mach", rollup: id("x"), json: false },
        `--rollup is not a valid address: ${id("x")}`,
      );
    });
  });
});

describe("service info", function () {
  it("shows MACH's defaults and its rollup's set: members, allocations now and counted, stake, limits, liveness (JSON)", async function () {
    const f = await load(servicesFixture);
    const [op0, op1] = f.operators;
    const setId = await joined(f, "mach", [op0, op1]);
    const epoch = await f.sets.currentEpoch();
    const result = await task("service info", { service: "mach", json: true });
    expect(result).to.deep.equal({
      service: "mach",
      address: await f.mach.getAddress(),
      owner: f.deployer.address,
      epoch,
      defaults: { minStake: MIN_STAKE, maxSize: MAX_SIZE, minMembers: MIN_MEMBERS, minTotalStake: MIN_TOTAL_STAKE },
      rollups: [
        {
          rollup: f.rollupAddress,
          chainId: 5001n,
          setId,
          set: "MACH/5001",
          registered: true,
          minStake: MIN_STAKE,
          maxSize: MAX_SIZE,
          members: [
            { operator: op0.address, allocated: OPERATOR_STAKES[0], counted: OPERATOR_STAKES[0] },
            { operator: op1.address, allocated: OPERATOR_STAKES[1], counted: OPERATOR_STAKES[1] },
          ],
          totalStake: 700_000n * ALT,
          count: 2n,
          minMembers: MIN_MEMBERS,
          minTotalStake: MIN_TOTAL_STAKE,
          live: true,
        },
      ],
    });
  });

  it("prints each rollup of the service, registered or not, in ALT (text mode), and only --rollup's with it", async function () {
    const f = await load(servicesFixture);
    const [op0] = f.operators;
    const setId = await joined(f, "squad", [op0]);
    // a second allocation change: 100,000 ALT now, the whole stake still counted in this epoch
    await (await f.sets.connect(op0.signer).allocate(setId, 100_000n * ALT)).wait();
    const epoch = await f.sets.currentEpoch();
    const { lines } = await runTask("service info", { service: "squad", json: false });
    expect(lines).to.deep.equal([
      `SQUAD ${await f.squad.getAddress()}, owner ${f.deployer.address}`,
      "  new sets: min stake 1,000 ALT, at most 64 members; live with 1 operators and 1,000 ALT",
      `set SQUAD/5002 (rollup ${f.squadRollupAddress}), epoch ${epoch}: 1 members, 400,000 ALT counted from 1 operators; live`,
      "  min stake 1,000 ALT, at most 64 members; live with 1 operators and 1,000 ALT",
      `  ${op0.address} 100,000 ALT allocated, 400,000 ALT counted`,
    ]);
    // VITAL: its rollup (5001) registered nothing yet
    const vital = await runTask("service info", { service: "vital", rollup: "5001", json: false });
    expect(vital.lines.slice(2)).to.deep.equal([
      `set VITAL/5001 (rollup ${f.rollupAddress}): not registered (service join registers it)`,
    ]);
    const json = await task<{ rollups: unknown[] }>("service info", { service: "vital", rollup: "5001", json: true });
    expect(json.rollups).to.deep.equal([
      {
        rollup: f.rollupAddress,
        chainId: 5001n,
        setId: await setIdOf(f, "vital"),
        set: "VITAL/5001",
        registered: false,
        minStake: null,
        maxSize: null,
        members: [],
        totalStake: 0n,
        count: 0n,
        minMembers: null,
        minTotalStake: null,
        live: false,
      },
    ]);
  });

  it("refuses a rollup that does not use the service and an unknown service, sending nothing", async function () {
    const f = await load(servicesFixture);
    await expectRefused(
      "service info",
      { service: "mach", rollup: "5002", json: false },
      `${f.squadRollupAddress} does not use MACH`,
    );
    await expectRefused(
      "service info",
      { service: "x", json: false },
      "--service must be one of mach, vital, squad, not x",
    );
    await expectRefused("service info", { service: "mach", rollup: "77", json: false }, "no rollup has chain ID 77");
  });
});

describe("short set IDs (tasks/lib/sets.ts)", function () {
  it("names each service's set of each factory rollup SERVICE/CHAINID, and hex for any other set", async function () {
    const f = await load(servicesFixture);
    const names = await setNames(hre);
    const ids = { mach: await setIdOf(f, "mach"), vital: await setIdOf(f, "vital"), squad: await setIdOf(f, "squad") };
    expect(formatSetId(ids.mach, names)).to.equal("MACH/5001");
    expect(formatSetId(ids.vital, names)).to.equal("VITAL/5001");
    expect(formatSetId(ids.squad, names)).to.equal("SQUAD/5002");
    // SQUAD's id for the MACH rollup is named too (a set it would create), and an id no service knows is hex
    expect(formatSetId(7n, names)).to.equal("0x" + "7".padStart(64, "0"));
    expect(formatSetId(ids.mach)).to.equal("0x" + ids.mach.toString(16).padStart(64, "0"));
    expect(setIdJson(ids.squad, names)).to.deep.equal({ setId: ids.squad, set: "SQUAD/5002" });
  });

  it("parses SERVICE/CHAINID in any case, decimal and 0x hex; refuses an unknown service, chain or malformed id", async function () {
    const f = await load(servicesFixture);
    const machId = await setIdOf(f, "mach");
    expect(await parseSetId(hre, "MACH/5001")).to.equal(machId);
    expect(await parseSetId(hre, "squad/5002")).to.equal(await setIdOf(f, "squad"));
    expect(await parseSetId(hre, machId.toString())).to.equal(machId);
    expect(await parseSetId(hre, "0x" + machId.toString(16))).to.equal(machId);
    const refusals: [string, string][] = [
      ["FOO/5001", "--set: unknown service FOO in FOO/5001 (services: mach, vital, squad)"],
      ["MACH/9999", "--set: no rollup has chain ID 9999"],
      ["rollup-1", "--set must be a set as SERVICE/CHAINID (e.g. MACH/5002), in decimal or in 0x hex, not rollup-1"],
      [
        "0x" + "f".repeat(65),
        `--set must be a set as SERVICE/CHAINID (e.g. MACH/5002), in decimal or in 0x hex, not 0x${"f".repeat(65)}`,
      ],
    ];
    for (const [value, message] of refusals) {
      let error: Error | undefined;
      try {
        await parseSetId(hre, value);
      } catch (e) {
        error = e as Error;
      }
      expect(error?.message, value).to.equal(message);
    }
  });

  it("makes refusals readable: ALT amounts, short set IDs, times with their distance from now", async function () {
    const f = await load(servicesFixture);
    const names = await setNames(hre);
    const machId = await setIdOf(f, "mach");
    expect(readableReason("SetsStakeTooLow(0, 1000000000000000000000)", names)).to.equal(
      "SetsStakeTooLow(0 ALT, 1,000 ALT)",
    );
    expect(readableReason(`SetsNotMember(${machId}, ${f.outsider.address})`, names)).to.equal(
      `SetsNotMember(MACH/5001, ${f.outsider.address})`,
    );
    expect(
      readableReason(`SetsLeavePending(${machId}, "${f.outsider.address}", 1000086400)`, names, 1000000000),
    ).to.equal(`SetsLeavePending(MACH/5001, "${f.outsider.address}", 2001-09-10T01:46:40Z (in 1d))`);
    // errors it knows nothing of, and argument counts it does not expect, are left as they are
    expect(readableReason("VestingNothingToRelease()", names)).to.equal("VestingNothingToRelease()");
    expect(readableReason("SetsStakeTooLow(5)", names)).to.equal("SetsStakeTooLow(5)");
    const explain = await refusalExplainer(hre, names);
    expect(explain("SetsChurnTooSmall(1500000000000000000, 2000000000000000000000)")).to.equal(
      "the contract refused the transaction: SetsChurnTooSmall(1.5 ALT, 2,000 ALT)",
    );
    expect(explain("SetsNotDrawableX(1)")).to.equal(undefined);
  });
});
