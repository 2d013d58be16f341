import { expect } from "chai";
import { ethers, network, upgrades } from "hardhat";
import {
  impersonateAccount,
  loadFixture,
  setBalance,
  takeSnapshot,
  time,
} from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse, Interface } from "ethers";
import type { MockService, OperatorSets, RestakingRegistry } from "../../typechain-types";
import { ALT } from "../helpers/constants";
import { DAY, days, nextEpoch } from "../helpers/time";
import { deployProtocol } from "../helpers/protocol";
import { coverageRunning } from "../helpers/coverage";

const coder = ethers.AbiCoder.defaultAbiCoder();
const VIRTUAL_SHARES = 10n ** 6n;
const WEIGHT_UNIT = 10n ** 18n;
const BPS = 10_000n;
/** OperatorSets' draw index groups positions in buckets of 16. */
const BUCKET = 16;

/** The set id of `key` created by `service`, computed independently of the contract. */
function setIdOf(service: string, key: string): bigint {
  return BigInt(ethers.keccak256(coder.encode(["address", "bytes32"], [service, key])));
}

/** Value of `shares` of a pool holding `assets` for `totalShares`: shares * (assets + 1) / (totalShares + 1e6). */
const shareValue = (shares: bigint, assets: bigint, totalShares: bigint) =>
  (shares * (assets + 1n)) / (totalShares + VIRTUAL_SHARES);

/** a / b rounded up. */
const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

const sum = (values: bigint[]) => values.reduce((a, b) => a + b, 0n);

/**
 * The pro-rata cuts of allocations whose total exceeds `active`: each allocation loses
 * ceil(allocation * excess / total), at most all of it.
 */
function proRataCuts(allocations: bigint[], active: bigint): bigint[] {
  const total = sum(allocations);
  const excess = total - active;
  return allocations.map((a) => {
    const cut = ceilDiv(a * excess, total);
    return cut > a ? a : cut;
  });
}

/** A set's draw order: (operator, allocation counted) by position. */
type DrawOrder = [operator: string, allocation: bigint][];

/**
 * The stake-weighted draw over `order`, computed independently of the contract: random % total falls in one operator's
 * range, the ranges laid end to end in position order (grouping the positions in buckets, as the contract does to
 * skip whole buckets, changes no range); nobody when nothing is allocated.
 */
function drawFrom(order: DrawOrder, random: bigint): string {
  const total = sum(order.map(([, allocation]) => allocation));
  if (total === 0n) return ethers.ZeroAddress;
  let target = random % total;
  for (const [operator, allocation] of order) {
    if (target < allocation) return operator;
    target -= allocation;
  }
  throw new Error("unreachable: the ranges cover [0, total)");
}

/**
 * A set's draw index in TypeScript, as the rule states it: an operator whose allocation becomes non-zero takes the next
 * position; one whose allocation drops to 0 gives its position to the last one (swap-and-pop); any other change keeps
 * the position. Applied in transaction order, `order` is what counts from the next epoch.
 */
class DrawIndexModel {
  order: DrawOrder = [];

  allocate(operator: string, allocation: bigint) {
    const at = this.order.findIndex(([o]) => o === operator);
    if (at === -1) {
      if (allocation !== 0n) this.order.push([operator, allocation]);
    } else if (allocation !== 0n) {
      this.order[at] = [operator, allocation];
    } else {
      const last = this.order.pop()!;
      if (at < this.order.length) this.order[at] = last;
    }
  }

  /** The order as it stands (a copy). */
  copy(): DrawOrder {
    return this.order.map(([operator, allocation]) => [operator, allocation]);
  }
}

describe("OperatorSets", function () {
  // Stakes of operators 0..5 (ALT, self-staked into fresh pools: the pool value equals the deposit exactly).
  const STAKES = [
    1_000n * ALT + 123_456_789n, // not a whole number of ALT
    2_000n * ALT + 999_999_999n,
    600n * ALT,
    3_000n * ALT + 1n,
    750n * ALT,
    1_200n * ALT + 7_000_000_003n,
  ];
  const MIN_STAKE = 500n * ALT;
  const MAX_SIZE = 8;
  const KEY = ethers.id("rollup-1");
  const MAX_SETS = 64;

  async function setsFixture() {
    const deployment = await deployProtocol();
    const { operatorSets, slashingManager, registry, token, users, deployer, config } = deployment;
    const Service = await ethers.getContractFactory("MockService");
    const service = await Service.deploy(operatorSets, slashingManager);
    const otherService = await Service.deploy(operatorSets, slashingManager);
    await operatorSets.connect(deployer).setService(service, true);
    await operatorSets.connect(deployer).setService(otherService, true);
    await slashingManager.connect(deployer).setSlasher(service, 1_000, days(7));

    const operators = users.slice(0, STAKES.length);
    const registryAddress = await registry.getAddress();
    for (const [i, operator] of operators.entries()) {
      await registry.connect(operator).registerOperator(`ipfs://operator-${i}`, 500);
      await token.connect(operator).approve(registryAddress, ethers.MaxUint256);
      await registry.connect(operator).stake(operator.address, 0, STAKES[i]);
    }
    // a registered operator without stake of its own, staked to by `staker` in some tests
    const carol = users[6];
    await registry.connect(carol).registerOperator("ipfs://carol", 0);
    const outsider = users[8];
    const staker = users[9];
    await token.connect(staker).approve(registryAddress, ethers.MaxUint256);

    await service.createSet(KEY, MIN_STAKE, MAX_SIZE);
    const setId = setIdOf(await service.getAddress(), KEY);

    // genesis: the timestamp of the block that initialised the proxy (its one Initialized event)
    const [initEvent] = await operatorSets.queryFilter(operatorSets.filters.Initialized());
    const genesis = BigInt((await ethers.provider.getBlock(initEvent.blockNumber))!.timestamp);
    const epochLength = BigInt(config.epochLength);
    const withdrawalDelay = BigInt(config.withdrawalDelay);

    return {
      ...deployment,
      service,
      otherService,
      operators,
      carol,
      outsider,
      staker,
      setId,
      genesis,
      epochLength,
      withdrawalDelay,
    };
  }

  /**
   * Operators 0..5 joined the set in order, each allocating its whole stake; then the next epoch began, so every
   * allocation counts in the current epoch.
   */
  async function joinedFixture() {
    const base = await loadFixture(setsFixture);
    for (const [i, operator] of base.operators.entries()) {
      await base.operatorSets.connect(operator).join(base.setId, STAKES[i]);
    }
    await nextEpoch(base.operatorSets);
    return base;
  }

  /**
   * Carol is staked 10,000 ALT by `staker` (a fresh pool: exactly 10,000 ALT, 1e28 shares; unstaking k * 1e6 shares
   * leaves exactly 10,000 ALT - k wei) and allocates 3,000 ALT + 7 wei to set A and 5,000 ALT to set B (2,000 ALT - 7
   * wei free).
   */
  async function carolFixture() {
    const base = await loadFixture(setsFixture);
    const { operatorSets, registry, service, carol, staker } = base;
    await registry.connect(staker).stake(carol.address, 0, CAROL_STAKE);
    const setA = await createSet(base.service, "A", MIN_STAKE, MAX_SIZE);
    const setB = await createSet(base.service, "B", MIN_STAKE, MAX_SIZE);
    await operatorSets.connect(carol).join(setA, CAROL_A);
    await operatorSets.connect(carol).join(setB, CAROL_B);
    const stakerShares = await registry.sharesOf(staker.address, carol.address, 0);
    return { ...base, service, setA, setB, stakerShares };
  }
  const CAROL_STAKE = 10_000n * ALT;
  const CAROL_A = 3_000n * ALT + 7n;
  const CAROL_B = 5_000n * ALT;

  /** Implementation and proxy factories for fresh proxies. */
  async function freshProxyFixture() {
    const base = await loadFixture(setsFixture);
    const OperatorSetsFactory = await ethers.getContractFactory("OperatorSets");
    const implementation = await OperatorSetsFactory.deploy();
    const Proxy = await ethers.getContractFactory("ERC1967Proxy");
    const deployProxy = async (owner: string, registry: string, epochLength: number, churnMarginBps = 1_000) => {
      const data = implementation.interface.encodeFunctionData("initialize", [
        owner,
        registry,
        epochLength,
        churnMarginBps,
      ]);
      return Proxy.deploy(implementation, data);
    };
    return { ...base, implementation, deployProxy };
  }

  /** The set `label` of `service`, created with `minStake` and `maxSize`. */
  async function createSet(service: MockService, label: string, minStake: bigint, maxSize: number): Promise<bigint> {
    await service.createSet(ethers.id(label), minStake, maxSize);
    return setIdOf(await service.getAddress(), ethers.id(label));
  }

  async function expectMembers(operatorSets: OperatorSets, setId: bigint, expected: string[]) {
    expect(await operatorSets.members(setId)).to.deep.equal(expected);
    for (const [i, operator] of expected.entries()) {
      const m = await operatorSets.membership(setId, operator);
      expect(m.member).to.equal(true);
      expect(m.index).to.equal(BigInt(i));
    }
  }

  /** `operator`'s sets are `expected`, in order, each membership pointing at its position. */
  async function expectSets(operatorSets: OperatorSets, operator: string, expected: bigint[]) {
    expect(await operatorSets.setsOf(operator)).to.deep.equal(expected);
    for (const [i, setId] of expected.entries()) {
      const m = await operatorSets.membership(setId, operator);
      expect(m.member).to.equal(true);
      expect(m.setIndex).to.equal(BigInt(i));
    }
  }

  /** [member, index, setIndex, leaveAt, jailedUntil]. */
  async function membershipOf(operatorSets: OperatorSets, setId: bigint, operator: string) {
    const m = await operatorSets.membership(setId, operator);
    return [m.member, m.index, m.setIndex, m.leaveAt, m.jailedUntil];
  }

  /** [allocated, pendingFree, freeAt]. */
  async function allocationOf(operatorSets: OperatorSets, setId: bigint, operator: string) {
    const a = await operatorSets.allocation(setId, operator);
    return [a.allocated, a.pendingFree, a.freeAt];
  }

  /** After a pro-rata shrink: each set's allocation `before` lost `cut`, held as pendingFree until `freeAt`. */
  async function expectCuts(
    operatorSets: OperatorSets,
    operator: string,
    freeAt: bigint,
    cuts: [setId: bigint, before: bigint, cut: bigint][],
  ) {
    for (const [setId, before, cut] of cuts) {
      expect(await allocationOf(operatorSets, setId, operator)).to.deep.equal([before - cut, cut, freeAt]);
    }
  }

  /** [allocated, encumbered]. */
  async function totalsOf(operatorSets: OperatorSets, operator: string) {
    const [allocated, encumbered] = await operatorSets.allocatedOf(operator);
    return [allocated, encumbered];
  }

  async function timestampOf(tx: { wait(): Promise<unknown> }): Promise<bigint> {
    const receipt = (await tx.wait()) as { blockNumber: number };
    return BigInt((await ethers.provider.getBlock(receipt.blockNumber))!.timestamp);
  }

  /** The epoch a transaction was mined in. */
  async function epochOf(operatorSets: OperatorSets, tx: ContractTransactionResponse): Promise<bigint> {
    return operatorSets.epochAt(await timestampOf(tx));
  }

  /**
   * What counts in `epoch` is `order` (address, allocation counted, in draw-index order), exactly: setStakeAt is its
   * sum and memberCountAt its length; each operator is drawn for the first and the last random of its range; the total
   * wraps to the first position, and the largest random falls where the independent draw puts it (nobody, when nothing
   * counts).
   */
  async function expectDraws(operatorSets: OperatorSets, setId: bigint, epoch: bigint, order: DrawOrder) {
    const total = sum(order.map(([, allocation]) => allocation));
    expect(await operatorSets.setStakeAt(setId, epoch)).to.equal(total);
    expect(await operatorSets.memberCountAt(setId, epoch)).to.equal(BigInt(order.length));
    let start = 0n;
    for (const [operator, allocation] of order) {
      expect(allocation).to.be.greaterThan(0n);
      expect(await operatorSets.drawAt(setId, epoch, start)).to.equal(operator);
      expect(await operatorSets.drawAt(setId, epoch, start + allocation - 1n)).to.equal(operator);
      start += allocation;
    }
    expect(await operatorSets.drawAt(setId, epoch, total)).to.equal(
      order.length === 0 ? ethers.ZeroAddress : order[0][0],
    );
    expect(await operatorSets.drawAt(setId, epoch, ethers.MaxUint256)).to.equal(drawFrom(order, ethers.MaxUint256));
  }

  /**
   * A 1 % slash request against what `operator` allocated to `setId` (a set of `service`), by that service, with
   * evidence from the latest block.
   */
  async function requestSlash(
    service: MockService,
    setId: bigint,
    operator: string,
    reporter: string,
    label = "double-sign",
  ) {
    const evidenceTime = await time.latest();
    return service.requestSlash(
      operator,
      setId,
      100,
      ethers.id(label),
      ethers.id(`evidence:${label}`),
      reporter,
      evidenceTime,
    );
  }

  /** [service, stake] as slashTarget reports them. */
  async function targetOf(operatorSets: OperatorSets, setId: bigint, operator: string) {
    const [service, stake] = await operatorSets.slashTarget(setId, operator);
    return [service, stake];
  }

  /** The operator sets' events of a transaction, in log order, as [name, args]. */
  async function setsEventsOf(operatorSets: OperatorSets, tx: ContractTransactionResponse) {
    const receipt = (await tx.wait())!;
    const target = (await operatorSets.getAddress()).toLowerCase();
    return receipt.logs
      .filter((log) => log.address.toLowerCase() === target)
      .map((log) => {
        const event = operatorSets.interface.parseLog(log)!;
        return [event.name, event.args.toArray()];
      });
  }

  /** The registry values `operator`'s active stake at `expected`. */
  async function expectStake(registry: RestakingRegistry, operator: string, expected: bigint) {
    expect(await registry.operatorStake(operator)).to.equal(expected);
  }

  // ================================================================= initialize

  describe("initialize", function () {
    it("records the owner, registry, epoch length, churn margin and genesis of the deployed proxy, which the registry calls", async function () {
      const { operatorSets, registry, deployer, genesis, epochLength, withdrawalDelay, config } =
        await loadFixture(setsFixture);
      // the parameter set's margin (hardhat.json: 1,000 bps)
      expect(config.churnMarginBps).to.equal(1_000);
      expect(await operatorSets.churnMarginBps()).to.equal(1_000n);
      expect(await operatorSets.owner()).to.equal(deployer.address);
      expect(await operatorSets.registry()).to.equal(await registry.getAddress());
      expect(await registry.operatorSets()).to.equal(await operatorSets.getAddress());
      expect(epochLength).to.equal(BigInt(DAY));
      expect(await operatorSets.epochLength()).to.equal(epochLength);
      expect(await operatorSets.epochStart(0)).to.equal(genesis);
      expect(await operatorSets.MAX_SET_SIZE()).to.equal(256n);
      expect(await operatorSets.MAX_SETS_PER_OPERATOR()).to.equal(BigInt(MAX_SETS));
      // leaving and deallocating wait the registry's withdrawal delay
      expect(withdrawalDelay).to.equal(BigInt(days(14)));
      expect(await registry.withdrawalDelay()).to.equal(withdrawalDelay);
    });

    it("has no leave delay of its own: initialize takes the owner, the registry, the epoch length and the churn margin", async function () {
      const { operatorSets } = await loadFixture(setsFixture);
      const abi = operatorSets.interface as unknown as Interface;
      expect(abi.getFunction("leaveDelay")).to.equal(null);
      expect(abi.getFunction("setLeaveDelay")).to.equal(null);
      expect(abi.getEvent("LeaveDelayUpdated")).to.equal(null);
      const init = operatorSets.interface.getFunction("initialize")!;
      expect(init.inputs.map((p) => p.type)).to.deep.equal(["address", "address", "uint48", "uint16"]);
    });

    it("initialises a fresh proxy and emits Initialized", async function () {
      const { deployProxy, registry, outsider } = await loadFixture(freshProxyFixture);
      const proxy = await deployProxy(outsider.address, await registry.getAddress(), 3_600, 250);
      const sets = await ethers.getContractAt("OperatorSets", await proxy.getAddress());
      await expect(proxy.deploymentTransaction()).to.emit(sets, "Initialized").withArgs(1);
      await expect(proxy.deploymentTransaction()).to.emit(sets, "ChurnMarginUpdated").withArgs(250);
      expect(await sets.churnMarginBps()).to.equal(250n);
      const genesis = await timestampOf(proxy.deploymentTransaction()!);
      expect(await sets.owner()).to.equal(outsider.address);
      expect(await sets.registry()).to.equal(await registry.getAddress());
      expect(await sets.epochLength()).to.equal(3_600n);
      expect(await sets.epochStart(0)).to.equal(genesis);
      expect(await sets.epochStart(5)).to.equal(genesis + 5n * 3_600n);
      expect(await sets.currentEpoch()).to.equal(0n);
    });

    it("refuses a zero registry", async function () {
      const { deployProxy, implementation, outsider } = await loadFixture(freshProxyFixture);
      await expect(deployProxy(outsider.address, ethers.ZeroAddress, DAY)).to.be.revertedWithCustomError(
        implementation,
        "SetsInvalidParameter",
      );
    });

    it("refuses a zero epoch length", async function () {
      const { deployProxy, implementation, registry, outsider } = await loadFixture(freshProxyFixture);
      await expect(deployProxy(outsider.address, await registry.getAddress(), 0)).to.be.revertedWithCustomError(
        implementation,
        "SetsInvalidParameter",
      );
    });

    it("refuses a churn margin above 10,000 bps and accepts exactly 10,000", async function () {
      const { deployProxy, implementation, registry, outsider } = await loadFixture(freshProxyFixture);
      const registryAddress = await registry.getAddress();
      await expect(deployProxy(outsider.address, registryAddress, DAY, 10_001)).to.be.revertedWithCustomError(
        implementation,
        "SetsInvalidParameter",
      );
      const proxy = await deployProxy(outsider.address, registryAddress, DAY, 10_000);
      const sets = await ethers.getContractAt("OperatorSets", await proxy.getAddress());
      await expect(proxy.deploymentTransaction()).to.emit(sets, "ChurnMarginUpdated").withArgs(10_000);
      expect(await sets.churnMarginBps()).to.equal(10_000n);
    });

    it("cannot be initialised twice, nor through the implementation", async function () {
      const { operatorSets, implementation, registry, outsider } = await loadFixture(freshProxyFixture);
      const registryAddress = await registry.getAddress();
      await expect(operatorSets.initialize(outsider.address, registryAddress, DAY, 0)).to.be.revertedWithCustomError(
        operatorSets,
        "InvalidInitialization",
      );
      await expect(implementation.initialize(outsider.address, registryAddress, DAY, 0)).to.be.revertedWithCustomError(
        implementation,
        "InvalidInitialization",
      );
    });
  });

  // ================================================================= governance

  describe("setService", function () {
    it("allows and revokes a service and emits ServiceUpdated", async function () {
      const { operatorSets, deployer, outsider } = await loadFixture(setsFixture);
      expect(await operatorSets.isService(outsider.address)).to.equal(false);
      await expect(operatorSets.connect(deployer).setService(outsider.address, true))
        .to.emit(operatorSets, "ServiceUpdated")
        .withArgs(outsider.address, true);
      expect(await operatorSets.isService(outsider.address)).to.equal(true);
      await expect(operatorSets.connect(deployer).setService(outsider.address, false))
        .to.emit(operatorSets, "ServiceUpdated")
        .withArgs(outsider.address, false);
      expect(await operatorSets.isService(outsider.address)).to.equal(false);
    });

    it("refuses the zero address", async function () {
      const { operatorSets, deployer } = await loadFixture(setsFixture);
      await expect(operatorSets.connect(deployer).setService(ethers.ZeroAddress, true)).to.be.revertedWithCustomError(
        operatorSets,
        "SetsInvalidParameter",
      );
    });

    it("refuses a caller that is not the owner", async function () {
      const { operatorSets, outsider } = await loadFixture(setsFixture);
      await expect(operatorSets.connect(outsider).setService(outsider.address, true))
        .to.be.revertedWithCustomError(operatorSets, "OwnableUnauthorizedAccount")
        .withArgs(outsider.address);
    });
  });

  describe("setChurnMargin", function () {
    it("lets only the owner change the churn margin, within 0..10,000 bps, and emits ChurnMarginUpdated", async function () {
      const { operatorSets, deployer, outsider } = await loadFixture(setsFixture);
      await expect(operatorSets.connect(outsider).setChurnMargin(500))
        .to.be.revertedWithCustomError(operatorSets, "OwnableUnauthorizedAccount")
        .withArgs(outsider.address);
      await expect(operatorSets.connect(deployer).setChurnMargin(10_001)).to.be.revertedWithCustomError(
        operatorSets,
        "SetsInvalidParameter",
      );
      expect(await operatorSets.churnMarginBps()).to.equal(1_000n);
      await expect(operatorSets.connect(deployer).setChurnMargin(10_000))
        .to.emit(operatorSets, "ChurnMarginUpdated")
        .withArgs(10_000);
      expect(await operatorSets.churnMarginBps()).to.equal(10_000n);
      await expect(operatorSets.connect(deployer).setChurnMargin(0))
        .to.emit(operatorSets, "ChurnMarginUpdated")
        .withArgs(0);
      expect(await operatorSets.churnMarginBps()).to.equal(0n);
    });
  });

  // ================================================================= services

  describe("enableDraws", function () {
    it("a set keeps no draw index unless its service enables it before any allocation (DrawsEnabled)", async function () {
      const { operatorSets, service, operators } = await loadFixture(setsFixture);
      const key = ethers.id("plain");
      const setId = setIdOf(await service.getAddress(), key);
      await service.createPlainSet(key, MIN_STAKE, MAX_SIZE);
      expect((await operatorSets.setConfig(setId)).drawable).to.equal(false);
      await expect(operatorSets.drawAt(setId, 0n, 0n))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotDrawable")
        .withArgs(setId);
      await expect(service.enableDraws(setId)).to.emit(operatorSets, "DrawsEnabled").withArgs(setId);
      expect((await operatorSets.setConfig(setId)).drawable).to.equal(true);
      // an empty drawable set draws nobody
      expect(await operatorSets.drawAt(setId, await operatorSets.currentEpoch(), 0n)).to.equal(ethers.ZeroAddress);
      await operatorSets.connect(operators[0]).join(setId, MIN_STAKE);
      const next = (await operatorSets.currentEpoch()) + 1n;
      expect(await operatorSets.drawAt(setId, next, MIN_STAKE - 1n)).to.equal(operators[0].address);
    });

    it("refuses to index a set once an allocation was made to it: the index would miss it", async function () {
      const { operatorSets, service, operators } = await loadFixture(setsFixture);
      const key = ethers.id("late");
      const setId = setIdOf(await service.getAddress(), key);
      await service.createPlainSet(key, MIN_STAKE, MAX_SIZE);
      await operatorSets.connect(operators[0]).join(setId, MIN_STAKE);
      // even once the allocation is gone again
      await operatorSets.connect(operators[0]).requestLeave(setId);
      await expect(service.enableDraws(setId))
        .to.be.revertedWithCustomError(operatorSets, "SetsDrawsTooLate")
        .withArgs(setId);
      expect((await operatorSets.setConfig(setId)).drawable).to.equal(false);
    });

    it("only the set's service enables draws", async function () {
      const { operatorSets, otherService, outsider, setId } = await loadFixture(setsFixture);
      await expect(otherService.enableDraws(setId))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotSetService")
        .withArgs(setId, await otherService.getAddress());
      await expect(operatorSets.connect(outsider).enableDraws(setId))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotSetService")
        .withArgs(setId, outsider.address);
      await expect(operatorSets.connect(outsider).enableDraws(42n))
        .to.be.revertedWithCustomError(operatorSets, "SetsUnknownSet")
        .withArgs(42n);
    });
  });

  describe("setListener", function () {
    async function listenedFixture() {
      const f = await setsFixture();
      const listener = await (await ethers.getContractFactory("MockSetListener")).deploy();
      const key = ethers.id("listened");
      const setId = setIdOf(await f.service.getAddress(), key);
      await f.service.createPlainSet(key, MIN_STAKE, MAX_SIZE);
      await expect(f.service.setListener(setId, listener))
        .to.emit(f.operatorSets, "ListenerSet")
        .withArgs(setId, await listener.getAddress());
      return { ...f, listener, listenedSet: setId };
    }

    it("tells the listener when an operator starts and stops counting, keyed by the epoch it takes effect in", async function () {
      const { operatorSets, listener, listenedSet, operators } = await loadFixture(listenedFixture);
      const [op0] = operators;
      expect(await operatorSets.listenerOf(listenedSet)).to.equal(await listener.getAddress());
      expect((await operatorSets.setConfig(listenedSet)).notifies).to.equal(true);
      let next = (await operatorSets.currentEpoch()) + 1n;
      await expect(operatorSets.connect(op0).join(listenedSet, MIN_STAKE))
        .to.emit(listener, "Told")
        .withArgs(listenedSet, op0.address, true, next);
      // a change between two non-zero allocations is no start or stop
      await expect(operatorSets.connect(op0).allocate(listenedSet, MIN_STAKE + 1n)).to.not.emit(listener, "Told");
      expect(await listener.calls()).to.equal(1n);
      await nextEpoch(operatorSets);
      next = (await operatorSets.currentEpoch()) + 1n;
      await expect(operatorSets.connect(op0).requestLeave(listenedSet))
        .to.emit(listener, "Told")
        .withArgs(listenedSet, op0.address, false, next);
      expect(await listener.calls()).to.equal(2n);
    });

    it("a listener may refuse a start, never a stop", async function () {
      const { operatorSets, listener, listenedSet, operators } = await loadFixture(listenedFixture);
      const [op0, op1] = operators;
      await operatorSets.connect(op0).join(listenedSet, MIN_STAKE);
      await listener.setRefuseStarts(true);
      await expect(operatorSets.connect(op1).join(listenedSet, MIN_STAKE))
        .to.be.revertedWithCustomError(listener, "Refused")
        .withArgs(op1.address);
      expect((await operatorSets.membership(listenedSet, op1.address)).member).to.equal(false);
      await expect(operatorSets.connect(op0).requestLeave(listenedSet)).to.emit(listener, "Told");
    });

    it("sets without a listener call none, and a set's stake does not reach a listener set too late", async function () {
      const { operatorSets, service, setId, operators, listener } = await loadFixture(listenedFixture);
      expect(await operatorSets.listenerOf(setId)).to.equal(ethers.ZeroAddress);
      expect((await operatorSets.setConfig(setId)).notifies).to.equal(false);
      await operatorSets.connect(operators[0]).join(setId, MIN_STAKE);
      await operatorSets.connect(operators[0]).requestLeave(setId);
      // once stake was allocated, a listener would miss who counts already: refused (even after everyone left)
      await expect(service.setListener(setId, listener))
        .to.be.revertedWithCustomError(operatorSets, "SetsListenerTooLate")
        .withArgs(setId);
      expect(await listener.calls()).to.equal(0n);
    });

    it("only the set's service sets its listener, once, and never the zero address", async function () {
      const { operatorSets, service, otherService, outsider, listener, listenedSet } =
        await loadFixture(listenedFixture);
      await expect(otherService.setListener(listenedSet, listener))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotSetService")
        .withArgs(listenedSet, await otherService.getAddress());
      await expect(operatorSets.connect(outsider).setListener(listenedSet, listener))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotSetService")
        .withArgs(listenedSet, outsider.address);
      // a second listener would start with nothing of what the first was told
      await expect(service.setListener(listenedSet, outsider.address))
        .to.be.revertedWithCustomError(operatorSets, "SetsListenerTooLate")
        .withArgs(listenedSet);
      const key = ethers.id("zero-listener");
      await service.createPlainSet(key, MIN_STAKE, MAX_SIZE);
      await expect(
        service.setListener(setIdOf(await service.getAddress(), key), ethers.ZeroAddress),
      ).to.be.revertedWithCustomError(operatorSets, "SetsInvalidParameter");
    });
  });

  describe("createSet", function () {
    it("creates the set keccak256(abi.encode(service, key)) and emits SetCreated", async function () {
      const { operatorSets, service } = await loadFixture(setsFixture);
      const key = ethers.id("rollup-2");
      const serviceAddress = await service.getAddress();
      const expectedId = setIdOf(serviceAddress, key);
      expect(await operatorSets.setIdOf(serviceAddress, key)).to.equal(expectedId);
      expect(await service.createSet.staticCall(key, 7n * ALT, 256)).to.equal(expectedId);
      await expect(service.createSet(key, 7n * ALT, 256))
        .to.emit(operatorSets, "SetCreated")
        .withArgs(expectedId, serviceAddress, key, 7n * ALT, 256);
      const config = await operatorSets.setConfig(expectedId);
      expect(config.service).to.equal(serviceAddress);
      expect(config.maxSize).to.equal(256n);
      expect(config.exists).to.equal(true);
      expect(config.minStake).to.equal(7n * ALT);
      // no liveness minimums until the service sets them
      expect(config.minMembers).to.equal(0n);
      expect(config.minTotalStake).to.equal(0n);
      expect(await operatorSets.members(expectedId)).to.deep.equal([]);
      expect(await operatorSets.setStakeAt(expectedId, await operatorSets.currentEpoch())).to.equal(0n);
    });

    it("gives the same key of two services two different sets", async function () {
      const { operatorSets, service, otherService, setId } = await loadFixture(setsFixture);
      const otherId = setIdOf(await otherService.getAddress(), KEY);
      expect(otherId).to.not.equal(setId);
      await expect(otherService.createSet(KEY, 1n, 1))
        .to.emit(operatorSets, "SetCreated")
        .withArgs(otherId, await otherService.getAddress(), KEY, 1n, 1);
      expect((await operatorSets.setConfig(setId)).service).to.equal(await service.getAddress());
      expect((await operatorSets.setConfig(otherId)).service).to.equal(await otherService.getAddress());
    });

    it("refuses a caller that is not an allowed service", async function () {
      const { operatorSets, outsider } = await loadFixture(setsFixture);
      await expect(operatorSets.connect(outsider).createSet(KEY, 0, 1))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotService")
        .withArgs(outsider.address);
    });

    it("refuses a service whose permission was revoked", async function () {
      const { operatorSets, otherService, deployer } = await loadFixture(setsFixture);
      await operatorSets.connect(deployer).setService(otherService, false);
      await expect(otherService.createSet(KEY, 0, 1))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotService")
        .withArgs(await otherService.getAddress());
    });

    it("refuses a key the service used already", async function () {
      const { operatorSets, service, setId } = await loadFixture(setsFixture);
      await expect(service.createSet(KEY, 1n, 2))
        .to.be.revertedWithCustomError(operatorSets, "SetsExists")
        .withArgs(setId);
    });

    it("refuses a maximum size of 0 or above 256", async function () {
      const { operatorSets, service } = await loadFixture(setsFixture);
      await expect(service.createSet(ethers.id("zero"), 0, 0))
        .to.be.revertedWithCustomError(operatorSets, "SetsInvalidSize")
        .withArgs(0);
      await expect(service.createSet(ethers.id("big"), 0, 257))
        .to.be.revertedWithCustomError(operatorSets, "SetsInvalidSize")
        .withArgs(257);
      await expect(service.createSet(ethers.id("one"), 0, 1)).to.emit(operatorSets, "SetCreated");
    });

    it("reports an unknown set from setConfig", async function () {
      const { operatorSets } = await loadFixture(setsFixture);
      await expect(operatorSets.setConfig(42n))
        .to.be.revertedWithCustomError(operatorSets, "SetsUnknownSet")
        .withArgs(42n);
    });
  });

  describe("updateSet", function () {
    it("changes the minimum stake and size bound and emits SetUpdated", async function () {
      const { operatorSets, service, setId } = await loadFixture(setsFixture);
      await expect(service.updateSet(setId, 42n * ALT, 256))
        .to.emit(operatorSets, "SetUpdated")
        .withArgs(setId, 42n * ALT, 256);
      const config = await operatorSets.setConfig(setId);
      expect(config.minStake).to.equal(42n * ALT);
      expect(config.maxSize).to.equal(256n);
      expect(config.service).to.equal(await service.getAddress());
      expect(config.exists).to.equal(true);
      expect([config.minMembers, config.minTotalStake]).to.deep.equal([0n, 0n]);
    });

    it("refuses any caller but the set's own service", async function () {
      const { operatorSets, otherService, outsider, setId } = await loadFixture(setsFixture);
      await expect(otherService.updateSet(setId, 0, 1))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotSetService")
        .withArgs(setId, await otherService.getAddress());
      await expect(operatorSets.connect(outsider).updateSet(setId, 0, 1))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotSetService")
        .withArgs(setId, outsider.address);
    });

    it("refuses an unknown set", async function () {
      const { operatorSets, service } = await loadFixture(setsFixture);
      const unknown = setIdOf(await service.getAddress(), ethers.id("unknown"));
      await expect(service.updateSet(unknown, 0, 1))
        .to.be.revertedWithCustomError(operatorSets, "SetsUnknownSet")
        .withArgs(unknown);
    });

    it("refuses a maximum size of 0 or above 256", async function () {
      const { operatorSets, service, setId } = await loadFixture(setsFixture);
      await expect(service.updateSet(setId, 0, 0))
        .to.be.revertedWithCustomError(operatorSets, "SetsInvalidSize")
        .withArgs(0);
      await expect(service.updateSet(setId, 0, 257))
        .to.be.revertedWithCustomError(operatorSets, "SetsInvalidSize")
        .withArgs(257);
    });

    it("keeps the members when the bound drops below their count but stops joins", async function () {
      const { operatorSets, service, operators, setId } = await loadFixture(setsFixture);
      for (const operator of operators.slice(0, 3)) await operatorSets.connect(operator).join(setId, MIN_STAKE);
      await service.updateSet(setId, MIN_STAKE, 2);
      await expectMembers(
        operatorSets,
        setId,
        operators.slice(0, 3).map((o) => o.address),
      );
      await expect(operatorSets.connect(operators[3]).join(setId, MIN_STAKE))
        .to.be.revertedWithCustomError(operatorSets, "SetsFull")
        .withArgs(setId, 2);
    });
  });

  describe("jail", function () {
    it("jails a member until a time and emits MemberJailed", async function () {
      const { operatorSets, service, operators, setId } = await loadFixture(joinedFixture);
      const until = BigInt(await time.latest()) + BigInt(days(10));
      await expect(service.jail(setId, operators[2].address, until))
        .to.emit(operatorSets, "MemberJailed")
        .withArgs(setId, operators[2].address, until);
      expect(await membershipOf(operatorSets, setId, operators[2].address)).to.deep.equal([true, 2n, 0n, 0n, until]);
    });

    it("never shortens a jail term", async function () {
      const { operatorSets, service, operators, setId } = await loadFixture(joinedFixture);
      const until = BigInt(await time.latest()) + BigInt(days(10));
      await service.jail(setId, operators[0].address, until);
      await expect(service.jail(setId, operators[0].address, until - 1n))
        .to.emit(operatorSets, "MemberJailed")
        .withArgs(setId, operators[0].address, until);
      expect((await operatorSets.membership(setId, operators[0].address)).jailedUntil).to.equal(until);
      await expect(service.jail(setId, operators[0].address, until + 5n))
        .to.emit(operatorSets, "MemberJailed")
        .withArgs(setId, operators[0].address, until + 5n);
      expect((await operatorSets.membership(setId, operators[0].address)).jailedUntil).to.equal(until + 5n);
    });

    it("refuses any caller but the set's own service", async function () {
      const { operatorSets, otherService, operators, outsider, setId } = await loadFixture(joinedFixture);
      await expect(otherService.jail(setId, operators[0].address, 1n << 40n))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotSetService")
        .withArgs(setId, await otherService.getAddress());
      await expect(operatorSets.connect(outsider).jail(setId, operators[0].address, 1n << 40n))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotSetService")
        .withArgs(setId, outsider.address);
    });

    it("refuses an unknown set", async function () {
      const { operatorSets, service, operators } = await loadFixture(joinedFixture);
      await expect(service.jail(7n, operators[0].address, 1n << 40n))
        .to.be.revertedWithCustomError(operatorSets, "SetsUnknownSet")
        .withArgs(7n);
    });

    it("leaving is no way out of a jail: one that left and has not completed leaving is jailed too", async function () {
      const { operatorSets, service, operators, setId } = await loadFixture(joinedFixture);
      const op = operators[1];
      await operatorSets.connect(op).requestLeave(setId);
      const { leaveAt } = await operatorSets.membership(setId, op.address);
      expect(leaveAt).to.not.equal(0n);
      const until = BigInt(await time.latest()) + BigInt(days(10));
      await expect(service.jail(setId, op.address, until))
        .to.emit(operatorSets, "MemberJailed")
        .withArgs(setId, op.address, until);
      // it cannot join again in the meantime
      await expect(operatorSets.connect(op).join(setId, MIN_STAKE))
        .to.be.revertedWithCustomError(operatorSets, "SetsJailed")
        .withArgs(setId, op.address, until);
      // once it has completed leaving, the set has nothing more to do with it
      await time.increaseTo(leaveAt);
      await operatorSets.connect(op).completeLeave(setId);
      await expect(service.jail(setId, op.address, until + 1n))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotMember")
        .withArgs(setId, op.address);
      expect((await operatorSets.membership(setId, op.address)).jailedUntil).to.equal(until);
    });

    it("refuses an operator that is not a member", async function () {
      const { operatorSets, service, outsider, setId } = await loadFixture(joinedFixture);
      await expect(service.jail(setId, outsider.address, 1n << 40n))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotMember")
        .withArgs(setId, outsider.address);
    });
  });

  // ================================================================= operators

  describe("join", function () {
    it("adds the operator at the end of the member list, allocates the amount and emits Joined and AllocationUpdated", async function () {
      const { operatorSets, operators, setId } = await loadFixture(setsFixture);
      const [op0, op1] = [operators[0], operators[1]];
      const tx0 = await operatorSets.connect(op0).join(setId, 600n * ALT);
      const epoch0 = await epochOf(operatorSets, tx0);
      await expect(tx0).to.emit(operatorSets, "Joined").withArgs(setId, op0.address);
      await expect(tx0)
        .to.emit(operatorSets, "AllocationUpdated")
        .withArgs(setId, op0.address, 600n * ALT, 0, 0, epoch0 + 1n);
      const tx1 = await operatorSets.connect(op1).join(setId, STAKES[1]);
      await expect(tx1).to.emit(operatorSets, "Joined").withArgs(setId, op1.address);
      await expect(tx1)
        .to.emit(operatorSets, "AllocationUpdated")
        .withArgs(setId, op1.address, STAKES[1], 0, 0, (await epochOf(operatorSets, tx1)) + 1n);

      await expectMembers(operatorSets, setId, [op0.address, op1.address]);
      expect(await membershipOf(operatorSets, setId, op1.address)).to.deep.equal([true, 1n, 0n, 0n, 0n]);
      expect(await allocationOf(operatorSets, setId, op0.address)).to.deep.equal([600n * ALT, 0n, 0n]);
      expect(await totalsOf(operatorSets, op0.address)).to.deep.equal([600n * ALT, 600n * ALT]);
      expect(await operatorSets.freeStake(op0.address)).to.equal(STAKES[0] - 600n * ALT);
      expect(await operatorSets.freeStake(op1.address)).to.equal(0n);
      expect(await operatorSets.setsOf(op0.address)).to.deep.equal([setId]);
      expect(await operatorSets.setStakeAt(setId, epoch0 + 1n)).to.equal(600n * ALT + STAKES[1]);
    });

    it("refuses an unknown set", async function () {
      const { operatorSets, operators } = await loadFixture(setsFixture);
      await expect(operatorSets.connect(operators[0]).join(9n, MIN_STAKE))
        .to.be.revertedWithCustomError(operatorSets, "SetsUnknownSet")
        .withArgs(9n);
    });

    it("refuses an account that is not a registered operator", async function () {
      const { operatorSets, outsider, setId } = await loadFixture(setsFixture);
      await expect(operatorSets.connect(outsider).join(setId, MIN_STAKE))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotOperator")
        .withArgs(outsider.address);
    });

    it("refuses an allocation below the set's minimum and accepts exactly the minimum", async function () {
      const { operatorSets, operators, setId } = await loadFixture(setsFixture);
      // the operator's stake is well above the minimum: the allocation is what counts
      await expect(operatorSets.connect(operators[3]).join(setId, MIN_STAKE - 1n))
        .to.be.revertedWithCustomError(operatorSets, "SetsStakeTooLow")
        .withArgs(MIN_STAKE - 1n, MIN_STAKE);
      await expect(operatorSets.connect(operators[3]).join(setId, MIN_STAKE))
        .to.emit(operatorSets, "Joined")
        .withArgs(setId, operators[3].address);
      expect(await allocationOf(operatorSets, setId, operators[3].address)).to.deep.equal([MIN_STAKE, 0n, 0n]);
    });

    it("refuses an allocation above the operator's free stake", async function () {
      const { operatorSets, service, operators, setId } = await loadFixture(setsFixture);
      const op2 = operators[2]; // 600 ALT
      await expect(operatorSets.connect(op2).join(setId, 600n * ALT + 1n))
        .to.be.revertedWithCustomError(operatorSets, "SetsInsufficientFreeStake")
        .withArgs(op2.address, 600n * ALT + 1n, 600n * ALT);
      const side = await createSet(service, "side", 0n, 4);
      await operatorSets.connect(op2).join(side, 100n * ALT);
      expect(await operatorSets.freeStake(op2.address)).to.equal(500n * ALT);
      await expect(operatorSets.connect(op2).join(setId, 500n * ALT + 1n))
        .to.be.revertedWithCustomError(operatorSets, "SetsInsufficientFreeStake")
        .withArgs(op2.address, 500n * ALT + 1n, 500n * ALT);
      await expect(operatorSets.connect(op2).join(setId, 500n * ALT)).to.emit(operatorSets, "Joined");
      expect(await operatorSets.freeStake(op2.address)).to.equal(0n);
      expect(await totalsOf(operatorSets, op2.address)).to.deep.equal([600n * ALT, 600n * ALT]);
    });

    it("refuses an allocation that does not fit 104 bits", async function () {
      const { operatorSets, operators, setId } = await loadFixture(setsFixture);
      await expect(operatorSets.connect(operators[0]).join(setId, 1n << 104n))
        .to.be.revertedWithCustomError(operatorSets, "SetsAllocationTooLarge")
        .withArgs(1n << 104n);
    });

    it("does not count queued (requested) shares as free stake", async function () {
      const { operatorSets, registry, operators, setId } = await loadFixture(setsFixture);
      // operator 4 holds 750 ALT; it queues 300 ALT worth of shares and keeps 450 < 500 active
      await registry.connect(operators[4]).requestUnstake(operators[4].address, 0, 300n * ALT * VIRTUAL_SHARES);
      expect(await operatorSets.freeStake(operators[4].address)).to.equal(450n * ALT);
      await expect(operatorSets.connect(operators[4]).join(setId, MIN_STAKE))
        .to.be.revertedWithCustomError(operatorSets, "SetsInsufficientFreeStake")
        .withArgs(operators[4].address, MIN_STAKE, 450n * ALT);
      await expect(operatorSets.connect(operators[4]).join(setId, 450n * ALT))
        .to.be.revertedWithCustomError(operatorSets, "SetsStakeTooLow")
        .withArgs(450n * ALT, MIN_STAKE);
    });

    it("refuses a join into a full set", async function () {
      const { operatorSets, service, operators } = await loadFixture(setsFixture);
      const pair = await createSet(service, "pair", 0n, 2);
      await operatorSets.connect(operators[0]).join(pair, ALT);
      await operatorSets.connect(operators[1]).join(pair, ALT);
      await expect(operatorSets.connect(operators[2]).join(pair, ALT))
        .to.be.revertedWithCustomError(operatorSets, "SetsFull")
        .withArgs(pair, 2);
    });

    it("refuses a member joining twice", async function () {
      const { operatorSets, operators, setId } = await loadFixture(joinedFixture);
      await expect(operatorSets.connect(operators[0]).join(setId, MIN_STAKE))
        .to.be.revertedWithCustomError(operatorSets, "SetsAlreadyMember")
        .withArgs(setId, operators[0].address);
    });

    it("refuses an operator with a pending slash request until it is vetoed", async function () {
      const { operatorSets, slashingManager, council, service, operators, setId } = await loadFixture(setsFixture);
      // slashable through another set of the service, to which it allocated part of its stake
      const side = await createSet(service, "side", 0n, 4);
      await operatorSets.connect(operators[0]).join(side, 100n * ALT);
      await requestSlash(service, side, operators[0].address, operators[1].address);
      await expect(operatorSets.connect(operators[0]).join(setId, MIN_STAKE))
        .to.be.revertedWithCustomError(operatorSets, "SetsOperatorJailed")
        .withArgs(operators[0].address);
      await slashingManager.connect(council).veto(0);
      await expect(operatorSets.connect(operators[0]).join(setId, MIN_STAKE)).to.emit(operatorSets, "Joined");
    });

    it("keeps a set jail term across leaving and re-joining", async function () {
      const { operatorSets, service, operators, setId, withdrawalDelay } = await loadFixture(joinedFixture);
      const operator = operators[1];
      const until = BigInt(await time.latest()) + BigInt(days(30));
      await service.jail(setId, operator.address, until);
      const leaveAt = (await timestampOf(await operatorSets.connect(operator).requestLeave(setId))) + withdrawalDelay;
      await time.increaseTo(leaveAt);
      await operatorSets.connect(operator).completeLeave(setId);
      expect(await membershipOf(operatorSets, setId, operator.address)).to.deep.equal([false, 0n, 0n, 0n, until]);

      await time.setNextBlockTimestamp(until - 1n);
      await expect(operatorSets.connect(operator).join(setId, STAKES[1]))
        .to.be.revertedWithCustomError(operatorSets, "SetsJailed")
        .withArgs(setId, operator.address, until);

      await time.setNextBlockTimestamp(until);
      await expect(operatorSets.connect(operator).join(setId, STAKES[1]))
        .to.emit(operatorSets, "Joined")
        .withArgs(setId, operator.address);
      expect(await membershipOf(operatorSets, setId, operator.address)).to.deep.equal([
        true,
        BigInt(operators.length - 1),
        0n,
        0n,
        until,
      ]);
    });

    describe(`at most ${MAX_SETS} sets per operator`, function () {
      /** Operator 3 joined 64 sets (minimum 0, one member each) with 40 ALT each; a 65th set exists. */
      async function manySetsFixture() {
        const base = await loadFixture(setsFixture);
        const { operatorSets, operators } = base;
        const sets: bigint[] = [];
        for (let i = 0; i <= MAX_SETS; i++) sets.push(await createSet(base.service, `many-${i}`, 0n, 1));
        for (const set of sets.slice(0, MAX_SETS)) {
          await (await operatorSets.connect(operators[3]).join(set, 40n * ALT)).wait();
        }
        return { ...base, sets };
      }

      it("refuses the 65th set with SetsTooManySets, and accepts it once one was left", async function () {
        const { operatorSets, operators, sets, withdrawalDelay } = await loadFixture(manySetsFixture);
        const op3 = operators[3];
        await expectSets(operatorSets, op3.address, sets.slice(0, MAX_SETS));
        expect(await totalsOf(operatorSets, op3.address)).to.deep.equal([2_560n * ALT, 2_560n * ALT]);
        await expect(operatorSets.connect(op3).join(sets[MAX_SETS], 40n * ALT))
          .to.be.revertedWithCustomError(operatorSets, "SetsTooManySets")
          .withArgs(op3.address, MAX_SETS);

        await operatorSets.connect(op3).requestLeave(sets[10]);
        // out of that set's member list at once, but still among its sets until it completes leaving
        expect(await operatorSets.members(sets[10])).to.deep.equal([]);
        await expect(operatorSets.connect(op3).join(sets[MAX_SETS], 40n * ALT))
          .to.be.revertedWithCustomError(operatorSets, "SetsTooManySets")
          .withArgs(op3.address, MAX_SETS);
        await time.increase(withdrawalDelay);
        await operatorSets.connect(op3).completeLeave(sets[10]);
        await expect(operatorSets.connect(op3).join(sets[MAX_SETS], 40n * ALT))
          .to.emit(operatorSets, "Joined")
          .withArgs(sets[MAX_SETS], op3.address);
        // the last set took the left one's place; the new one is the 64th again
        const expected = sets.slice(0, MAX_SETS);
        expected[10] = sets[MAX_SETS - 1];
        expected[MAX_SETS - 1] = sets[MAX_SETS];
        await expectSets(operatorSets, op3.address, expected);
      });

      it("shrinks all 64 allocations in one unstake request, within the gas budget", async function () {
        const { operatorSets, registry, operators, sets, withdrawalDelay } = await loadFixture(manySetsFixture);
        const op3 = operators[3];
        // 3,000 ALT + 1 wei staked, 2,560 ALT allocated; 1,000 ALT leave: 2,000 ALT + 1 wei stay active
        const tx = await registry.connect(op3).requestUnstake(op3.address, 0, 1_000n * ALT * VIRTUAL_SHARES);
        const at = await timestampOf(tx);
        await expectStake(registry, op3.address, 2_000n * ALT + 1n);
        // excess 560 ALT - 1 wei: each cut ceil(40 ALT * excess / 2,560 ALT) = 8.75 ALT
        const cuts = proRataCuts(Array(MAX_SETS).fill(40n * ALT), 2_000n * ALT + 1n);
        expect(cuts[0]).to.equal(8_750_000_000_000_000_000n);
        await expect(tx)
          .to.emit(operatorSets, "AllocationsReduced")
          .withArgs(op3.address, 560n * ALT);
        for (const set of sets.slice(0, MAX_SETS)) {
          expect(await allocationOf(operatorSets, set, op3.address)).to.deep.equal([
            40n * ALT - cuts[0],
            cuts[0],
            at + withdrawalDelay,
          ]);
        }
        expect(await totalsOf(operatorSets, op3.address)).to.deep.equal([2_000n * ALT, 2_560n * ALT]);
        // ~3.07M gas (about 48k per set, the draw index's bucket checkpoint included): the unstake stays cheap
        // enough for any staker (instrumented bytecode under coverage costs more)
        const receipt = (await tx.wait())!;
        if (!coverageRunning()) expect(receipt.gasUsed).to.be.lessThan(3_500_000n);
      });
    });
  });

  describe("allocate", function () {
    /** Operator 3 (3,000 ALT + 1 wei) joined with 1,000 ALT at the start of an epoch. */
    async function partialFixture() {
      const base = await loadFixture(setsFixture);
      const { operatorSets, operators, setId } = base;
      await nextEpoch(operatorSets);
      const tx = await operatorSets.connect(operators[3]).join(setId, 1_000n * ALT);
      return { ...base, op3: operators[3], joinEpoch: await epochOf(operatorSets, tx) };
    }

    it("raises an allocation from free stake, counted from the next epoch", async function () {
      const { operatorSets, op3, setId, joinEpoch } = await loadFixture(partialFixture);
      const e = await nextEpoch(operatorSets);
      expect(e).to.equal(joinEpoch + 1n);
      await expect(operatorSets.connect(op3).allocate(setId, 2_500n * ALT))
        .to.emit(operatorSets, "AllocationUpdated")
        .withArgs(setId, op3.address, 2_500n * ALT, 0, 0, e + 1n);
      expect(await allocationOf(operatorSets, setId, op3.address)).to.deep.equal([2_500n * ALT, 0n, 0n]);
      expect(await totalsOf(operatorSets, op3.address)).to.deep.equal([2_500n * ALT, 2_500n * ALT]);
      expect(await operatorSets.freeStake(op3.address)).to.equal(500n * ALT + 1n);
      expect(await operatorSets.allocationAt(setId, op3.address, e)).to.equal(1_000n * ALT);
      expect(await operatorSets.allocationAt(setId, op3.address, e + 1n)).to.equal(2_500n * ALT);
      expect(await operatorSets.setStakeAt(setId, e)).to.equal(1_000n * ALT);
      expect(await operatorSets.setStakeAt(setId, e + 1n)).to.equal(2_500n * ALT);
    });

    it("refuses an increase beyond the free stake, naming the increase and the free stake", async function () {
      const { operatorSets, op3, setId } = await loadFixture(partialFixture);
      await expect(operatorSets.connect(op3).allocate(setId, STAKES[3] + 1n))
        .to.be.revertedWithCustomError(operatorSets, "SetsInsufficientFreeStake")
        .withArgs(op3.address, STAKES[3] + 1n - 1_000n * ALT, STAKES[3] - 1_000n * ALT);
      await expect(operatorSets.connect(op3).allocate(setId, STAKES[3])).to.emit(operatorSets, "AllocationUpdated");
      expect(await operatorSets.freeStake(op3.address)).to.equal(0n);
    });

    it("refuses an allocation below the set's minimum", async function () {
      const { operatorSets, op3, setId } = await loadFixture(partialFixture);
      await expect(operatorSets.connect(op3).allocate(setId, MIN_STAKE - 1n))
        .to.be.revertedWithCustomError(operatorSets, "SetsStakeTooLow")
        .withArgs(MIN_STAKE - 1n, MIN_STAKE);
    });

    it("refuses an operator that is not a member, and an unknown set", async function () {
      const { operatorSets, op3, outsider, setId } = await loadFixture(partialFixture);
      await expect(operatorSets.connect(outsider).allocate(setId, MIN_STAKE))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotMember")
        .withArgs(setId, outsider.address);
      await expect(operatorSets.connect(op3).allocate(4n, MIN_STAKE))
        .to.be.revertedWithCustomError(operatorSets, "SetsUnknownSet")
        .withArgs(4n);
    });

    it("refuses an operator that left the set: it is no longer a member, before or after leaveAt", async function () {
      const { operatorSets, op3, setId, withdrawalDelay } = await loadFixture(partialFixture);
      const leaveAt = (await timestampOf(await operatorSets.connect(op3).requestLeave(setId))) + withdrawalDelay;
      await expect(operatorSets.connect(op3).allocate(setId, 1_000n * ALT))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotMember")
        .withArgs(setId, op3.address);
      await time.increaseTo(leaveAt);
      await expect(operatorSets.connect(op3).allocate(setId, 1_000n * ALT))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotMember")
        .withArgs(setId, op3.address);
      expect(await allocationOf(operatorSets, setId, op3.address)).to.deep.equal([0n, 1_000n * ALT, leaveAt]);
    });

    it("holds a decrease as pendingFree for the withdrawal delay: the free stake does not grow", async function () {
      const { operatorSets, service, operators, setId, withdrawalDelay } = await loadFixture(joinedFixture);
      const op3 = operators[3];
      const tx = await operatorSets.connect(op3).allocate(setId, 1_000n * ALT);
      const at = await timestampOf(tx);
      const decrease = STAKES[3] - 1_000n * ALT;
      await expect(tx)
        .to.emit(operatorSets, "AllocationUpdated")
        .withArgs(
          setId,
          op3.address,
          1_000n * ALT,
          decrease,
          at + withdrawalDelay,
          (await epochOf(operatorSets, tx)) + 1n,
        );
      expect(await allocationOf(operatorSets, setId, op3.address)).to.deep.equal([
        1_000n * ALT,
        decrease,
        at + withdrawalDelay,
      ]);
      expect(await totalsOf(operatorSets, op3.address)).to.deep.equal([1_000n * ALT, STAKES[3]]);
      expect(await operatorSets.freeStake(op3.address)).to.equal(0n);
      // the decrease cannot back another set meanwhile
      const other = await createSet(service, "other", 0n, 4);
      await expect(operatorSets.connect(op3).join(other, 1n))
        .to.be.revertedWithCustomError(operatorSets, "SetsInsufficientFreeStake")
        .withArgs(op3.address, 1n, 0n);
    });

    it("frees a due decrease on the next allocate, not a second earlier", async function () {
      const { operatorSets, operators, setId, withdrawalDelay } = await loadFixture(joinedFixture);
      const op3 = operators[3];
      const freeAt =
        (await timestampOf(await operatorSets.connect(op3).allocate(setId, 1_000n * ALT))) + withdrawalDelay;
      const decrease = STAKES[3] - 1_000n * ALT;

      await time.setNextBlockTimestamp(freeAt - 1n);
      await expect(operatorSets.connect(op3).allocate(setId, 1_000n * ALT)).to.not.emit(
        operatorSets,
        "AllocationUpdated",
      );
      expect(await allocationOf(operatorSets, setId, op3.address)).to.deep.equal([1_000n * ALT, decrease, freeAt]);
      expect(await operatorSets.freeStake(op3.address)).to.equal(0n);

      await time.setNextBlockTimestamp(freeAt);
      await expect(operatorSets.connect(op3).allocate(setId, 1_000n * ALT))
        .to.emit(operatorSets, "AllocationUpdated")
        .withArgs(setId, op3.address, 1_000n * ALT, 0, 0, (await operatorSets.epochAt(freeAt)) + 1n);
      expect(await allocationOf(operatorSets, setId, op3.address)).to.deep.equal([1_000n * ALT, 0n, 0n]);
      expect(await totalsOf(operatorSets, op3.address)).to.deep.equal([1_000n * ALT, 1_000n * ALT]);
      expect(await operatorSets.freeStake(op3.address)).to.equal(decrease);
    });

    it("frees a due decrease and raises the allocation with it in one call", async function () {
      const { operatorSets, operators, setId, withdrawalDelay } = await loadFixture(joinedFixture);
      const op3 = operators[3];
      const freeAt =
        (await timestampOf(await operatorSets.connect(op3).allocate(setId, 1_000n * ALT))) + withdrawalDelay;
      await time.setNextBlockTimestamp(freeAt);
      const tx = await operatorSets.connect(op3).allocate(setId, 2_000n * ALT);
      const next = (await epochOf(operatorSets, tx)) + 1n;
      await expect(tx)
        .to.emit(operatorSets, "AllocationUpdated")
        .withArgs(setId, op3.address, 1_000n * ALT, 0, 0, next);
      await expect(tx)
        .to.emit(operatorSets, "AllocationUpdated")
        .withArgs(setId, op3.address, 2_000n * ALT, 0, 0, next);
      expect(await totalsOf(operatorSets, op3.address)).to.deep.equal([2_000n * ALT, 2_000n * ALT]);
      expect(await operatorSets.freeStake(op3.address)).to.equal(STAKES[3] - 2_000n * ALT);
    });

    it("adds a second decrease to pendingFree and holds both until the later one's delay passes", async function () {
      const { operatorSets, operators, setId, withdrawalDelay } = await loadFixture(joinedFixture);
      const op3 = operators[3];
      const first = await timestampOf(await operatorSets.connect(op3).allocate(setId, 2_000n * ALT));
      await time.setNextBlockTimestamp(first + BigInt(days(5)));
      const second = await timestampOf(await operatorSets.connect(op3).allocate(setId, 1_000n * ALT));
      const pending = STAKES[3] - 1_000n * ALT;
      expect(await allocationOf(operatorSets, setId, op3.address)).to.deep.equal([
        1_000n * ALT,
        pending,
        second + withdrawalDelay,
      ]);
      await time.setNextBlockTimestamp(first + withdrawalDelay);
      await expect(operatorSets.connect(op3).allocate(setId, 1_000n * ALT)).to.not.emit(
        operatorSets,
        "AllocationUpdated",
      );
      expect(await operatorSets.freeStake(op3.address)).to.equal(0n);
      await time.setNextBlockTimestamp(second + withdrawalDelay);
      await operatorSets.connect(op3).allocate(setId, 1_000n * ALT);
      expect(await operatorSets.freeStake(op3.address)).to.equal(pending);
    });

    it("does not free a due decrease while the operator has a pending slash request", async function () {
      const { operatorSets, slashingManager, council, service, operators, staker, setId, withdrawalDelay } =
        await loadFixture(joinedFixture);
      const op3 = operators[3];
      const freeAt =
        (await timestampOf(await operatorSets.connect(op3).allocate(setId, 1_000n * ALT))) + withdrawalDelay;
      const decrease = STAKES[3] - 1_000n * ALT;
      await time.increaseTo(freeAt - BigInt(DAY));
      await requestSlash(service, setId, op3.address, staker.address);

      await time.setNextBlockTimestamp(freeAt);
      await expect(operatorSets.connect(op3).allocate(setId, 1_000n * ALT)).to.not.emit(
        operatorSets,
        "AllocationUpdated",
      );
      expect(await allocationOf(operatorSets, setId, op3.address)).to.deep.equal([1_000n * ALT, decrease, freeAt]);
      expect(await totalsOf(operatorSets, op3.address)).to.deep.equal([1_000n * ALT, STAKES[3]]);

      await slashingManager.connect(council).veto(0);
      await expect(operatorSets.connect(op3).allocate(setId, 1_000n * ALT))
        .to.emit(operatorSets, "AllocationUpdated")
        .withArgs(setId, op3.address, 1_000n * ALT, 0, 0, (await operatorSets.currentEpoch()) + 1n);
      expect(await operatorSets.freeStake(op3.address)).to.equal(decrease);
    });
  });

  // ================================================================= epoch checkpoints

  describe("allocation checkpoints", function () {
    it("counts an increase from the next epoch only (allocationAt, setStakeAt, drawAt)", async function () {
      const { operatorSets, operators, setId } = await loadFixture(setsFixture);
      const op0 = operators[0];
      const e = await nextEpoch(operatorSets);
      await operatorSets.connect(op0).join(setId, MIN_STAKE);
      expect(await operatorSets.allocationAt(setId, op0.address, e - 1n)).to.equal(0n);
      expect(await operatorSets.allocationAt(setId, op0.address, e)).to.equal(0n);
      expect(await operatorSets.allocationAt(setId, op0.address, e + 1n)).to.equal(MIN_STAKE);
      expect(await operatorSets.setStakeAt(setId, e)).to.equal(0n);
      expect(await operatorSets.setStakeAt(setId, e + 1n)).to.equal(MIN_STAKE);
      // a member whose allocation counts nothing yet is not drawn in this epoch
      await expectDraws(operatorSets, setId, e, []);
      await expectDraws(operatorSets, setId, e + 1n, [[op0.address, MIN_STAKE]]);

      await nextEpoch(operatorSets);
      await operatorSets.connect(op0).allocate(setId, 1_000n * ALT);
      expect(await operatorSets.allocationAt(setId, op0.address, e + 1n)).to.equal(MIN_STAKE);
      expect(await operatorSets.allocationAt(setId, op0.address, e + 2n)).to.equal(1_000n * ALT);
      expect(await operatorSets.allocationAt(setId, op0.address, e + 100n)).to.equal(1_000n * ALT);
      expect(await operatorSets.setStakeAt(setId, e + 1n)).to.equal(MIN_STAKE);
      expect(await operatorSets.setStakeAt(setId, e + 2n)).to.equal(1_000n * ALT);
      await expectDraws(operatorSets, setId, e + 1n, [[op0.address, MIN_STAKE]]);

      await nextEpoch(operatorSets);
      await expectDraws(operatorSets, setId, e + 2n, [[op0.address, 1_000n * ALT]]);
    });

    it("keeps counting a decrease during the epoch it was made in", async function () {
      const { operatorSets, operators, setId } = await loadFixture(joinedFixture);
      const op1 = operators[1];
      const e = await operatorSets.currentEpoch();
      await operatorSets.connect(op1).allocate(setId, MIN_STAKE);
      expect(await operatorSets.allocationAt(setId, op1.address, e)).to.equal(STAKES[1]);
      expect(await operatorSets.allocationAt(setId, op1.address, e + 1n)).to.equal(MIN_STAKE);
      expect(await operatorSets.setStakeAt(setId, e)).to.equal(sum(STAKES));
      expect(await operatorSets.setStakeAt(setId, e + 1n)).to.equal(sum(STAKES) - STAKES[1] + MIN_STAKE);
      // operator 1's range in this epoch is still [STAKES[0], STAKES[0] + STAKES[1])
      expect(await operatorSets.drawAt(setId, e, STAKES[0] + STAKES[1] - 1n)).to.equal(op1.address);
      expect(await operatorSets.drawAt(setId, e, STAKES[0] + STAKES[1])).to.equal(operators[2].address);

      await nextEpoch(operatorSets);
      expect(await operatorSets.drawAt(setId, e + 1n, STAKES[0] + MIN_STAKE - 1n)).to.equal(op1.address);
      expect(await operatorSets.drawAt(setId, e + 1n, STAKES[0] + MIN_STAKE)).to.equal(operators[2].address);
      expect(await operatorSets.drawAt(setId, e, STAKES[0] + STAKES[1] - 1n)).to.equal(op1.address);
    });

    it("keys several changes in one epoch to the next epoch, where the last one counts", async function () {
      const { operatorSets, operators, setId } = await loadFixture(setsFixture);
      const op3 = operators[3];
      const e = await nextEpoch(operatorSets);
      await operatorSets.connect(op3).join(setId, 1_000n * ALT);
      await operatorSets.connect(op3).allocate(setId, 2_000n * ALT);
      await expect(operatorSets.connect(op3).allocate(setId, 1_500n * ALT))
        .to.emit(operatorSets, "AllocationUpdated")
        .withArgs(setId, op3.address, 1_500n * ALT, 500n * ALT, (v: bigint) => v > 0n, e + 1n);
      expect(await operatorSets.currentEpoch()).to.equal(e);
      expect(await operatorSets.allocationAt(setId, op3.address, e)).to.equal(0n);
      expect(await operatorSets.allocationAt(setId, op3.address, e + 1n)).to.equal(1_500n * ALT);
      expect(await operatorSets.setStakeAt(setId, e)).to.equal(0n);
      expect(await operatorSets.setStakeAt(setId, e + 1n)).to.equal(1_500n * ALT);
    });

    it("keeps setStakeAt equal to the sum of the members' allocations in every epoch", async function () {
      const { operatorSets, registry, operators, setId } = await loadFixture(setsFixture);
      const [op0, , , op3, , op5] = operators;
      const e = await nextEpoch(operatorSets);
      await operatorSets.connect(op0).join(setId, 600n * ALT);
      await operatorSets.connect(op3).join(setId, 1_000n * ALT);
      await nextEpoch(operatorSets);
      await operatorSets.connect(op3).allocate(setId, 2_000n * ALT);
      await operatorSets.connect(op5).join(setId, 700n * ALT);
      await operatorSets.connect(op0).allocate(setId, MIN_STAKE);
      await nextEpoch(operatorSets);
      await operatorSets.connect(op3).requestLeave(setId);
      await operatorSets.connect(op5).allocate(setId, 1_200n * ALT);
      await nextEpoch(operatorSets);
      // operator 0 unstakes down to 400 ALT of active stake: its allocation shrinks to fit
      await registry.connect(op0).requestUnstake(op0.address, 0, (STAKES[0] - 400n * ALT) * VIRTUAL_SHARES);
      await expectStake(registry, op0.address, 400n * ALT);

      const expectedTotals = [0n, 1_600n * ALT, 3_200n * ALT, 1_700n * ALT, 1_600n * ALT];
      for (const [k, expected] of expectedTotals.entries()) {
        const epoch = e + BigInt(k);
        const allocations = await Promise.all(
          [op0, op3, op5].map((op) => operatorSets.allocationAt(setId, op.address, epoch)),
        );
        expect(await operatorSets.setStakeAt(setId, epoch)).to.equal(sum(allocations));
        expect(sum(allocations)).to.equal(expected);
      }
      expect(await operatorSets.allocationAt(setId, op0.address, e + 4n)).to.equal(400n * ALT);
    });

    describe("drawAt", function () {
      it("draws each operator for the randoms of its share of the set's stake, in the order they joined", async function () {
        const { operatorSets, operators, setId } = await loadFixture(joinedFixture);
        const epoch = await operatorSets.currentEpoch();
        await expectDraws(
          operatorSets,
          setId,
          epoch,
          operators.map((op, i) => [op.address, STAKES[i]]),
        );
      });

      it("draws nobody from a set that counts no stake", async function () {
        const { operatorSets, setId } = await loadFixture(setsFixture);
        expect(await operatorSets.drawAt(setId, await operatorSets.currentEpoch(), 12345n)).to.equal(
          ethers.ZeroAddress,
        );
        // an unknown set keeps no draw index
        await expect(operatorSets.drawAt(setId + 1n, 0n, 0n))
          .to.be.revertedWithCustomError(operatorSets, "SetsNotDrawable")
          .withArgs(setId + 1n);
      });

      it("reads the epoch: a change counts from the next epoch, and a past epoch keeps its draw", async function () {
        const { operatorSets, operators, setId } = await loadFixture(joinedFixture);
        const e = await operatorSets.currentEpoch();
        const before = operators.map((op, i): [string, bigint] => [op.address, STAKES[i]]);
        // operator 1 lowers its allocation, operator 0 leaves: the last (5) takes position 0
        await operatorSets.connect(operators[1]).allocate(setId, MIN_STAKE);
        await operatorSets.connect(operators[0]).requestLeave(setId);
        await expectDraws(operatorSets, setId, e, before);
        await nextEpoch(operatorSets);
        await expectDraws(operatorSets, setId, e, before);
        await expectDraws(operatorSets, setId, e + 1n, [
          [operators[5].address, STAKES[5]],
          [operators[1].address, MIN_STAKE],
          [operators[2].address, STAKES[2]],
          [operators[3].address, STAKES[3]],
          [operators[4].address, STAKES[4]],
        ]);
        // operator 0 comes back: the next position
        await operatorSets.connect(operators[0]).join(setId, MIN_STAKE);
        await nextEpoch(operatorSets);
        await expectDraws(operatorSets, setId, e + 2n, [
          [operators[5].address, STAKES[5]],
          [operators[1].address, MIN_STAKE],
          [operators[2].address, STAKES[2]],
          [operators[3].address, STAKES[3]],
          [operators[4].address, STAKES[4]],
          [operators[0].address, MIN_STAKE],
        ]);
        await expectDraws(operatorSets, setId, e + 1n, [
          [operators[5].address, STAKES[5]],
          [operators[1].address, MIN_STAKE],
          [operators[2].address, STAKES[2]],
          [operators[3].address, STAKES[3]],
          [operators[4].address, STAKES[4]],
        ]);
      });

      it("keeps every bucket's total when the last position, in another bucket, moves into a freed one", async function () {
        const { operatorSets, registry, token, service, outsider } = await loadFixture(setsFixture);
        // 20 operators, 100 ALT + i each: positions 0..15 in bucket 0, 16..19 in bucket 1
        const wallets = Array.from({ length: 20 }, (_, i) =>
          new ethers.Wallet(ethers.id(`draw-index-${i}`)).connect(ethers.provider),
        );
        const allocations = wallets.map((_, i) => MIN_STAKE + BigInt(i) * ALT);
        await service.createSet(ethers.id("draw-index"), MIN_STAKE, 256);
        const bigSet = setIdOf(await service.getAddress(), ethers.id("draw-index"));
        for (const [i, w] of wallets.entries()) {
          await network.provider.send("hardhat_setBalance", [w.address, "0x56BC75E2D63100000"]);
          await token.connect(outsider).transfer(w.address, allocations[i]);
          await token.connect(w).approve(await registry.getAddress(), ethers.MaxUint256);
          await registry.connect(w).registerOperator(`ipfs://draw-${i}`, 0);
          await registry.connect(w).stake(w.address, 0, allocations[i]);
          await operatorSets.connect(w).join(bigSet, allocations[i]);
        }
        const e = await nextEpoch(operatorSets);
        const order: [string, bigint][] = wallets.map((w, i) => [w.address, allocations[i]]);
        await expectDraws(operatorSets, bigSet, e, order);
        // operator 3 (bucket 0) leaves: operator 19 (bucket 1) takes position 3; then operator 17 leaves: 18 takes 17
        await operatorSets.connect(wallets[3]).requestLeave(bigSet);
        await operatorSets.connect(wallets[17]).requestLeave(bigSet);
        await nextEpoch(operatorSets);
        const after = [...order];
        after[3] = order[19];
        after[17] = order[18];
        await expectDraws(operatorSets, bigSet, e + 1n, after.slice(0, 18));
        await expectDraws(operatorSets, bigSet, e, order);
      });

      /**
       * A registered operator with a deterministic key (`label`), staked exactly `amount` by the staker (a fresh ALT
       * pool: its stake is the amount, to the wei).
       */
      async function stakedOperator(f: Awaited<ReturnType<typeof setsFixture>>, label: string, amount: bigint) {
        const { registry, staker } = f;
        const wallet = new ethers.Wallet(ethers.id(label), ethers.provider);
        await setBalance(wallet.address, 10n ** 18n);
        await registry.connect(wallet).registerOperator(`ipfs://${label}`, 0);
        await registry.connect(staker).stake(wallet.address, 0, amount);
        return wallet;
      }

      it("gives each operator exactly the randoms of its range, in join order, and takes any random modulo the set's stake", async function () {
        const { operatorSets, service, operators } = await loadFixture(setsFixture);
        const trio = await createSet(service, "trio", MIN_STAKE, MAX_SIZE);
        // joined in the order 3, 0, 4: the ranges follow the join order, not the operators' own
        const [first, second, third] = [operators[3], operators[0], operators[4]].map((o) => o.address);
        const [a0, a1, a2] = [STAKES[3], MIN_STAKE + 7n, STAKES[4]];
        await operatorSets.connect(operators[3]).join(trio, a0);
        await operatorSets.connect(operators[0]).join(trio, a1);
        await operatorSets.connect(operators[4]).join(trio, a2);
        const e = await nextEpoch(operatorSets);
        const order: DrawOrder = [
          [first, a0],
          [second, a1],
          [third, a2],
        ];
        const total = a0 + a1 + a2;
        const top = ethers.MaxUint256 - (ethers.MaxUint256 % total); // the largest multiple of the total
        const cases: [random: bigint, drawn: string][] = [
          [0n, first],
          [a0 - 1n, first],
          [a0, second],
          [a0 + a1 - 1n, second],
          [a0 + a1, third],
          [total - 1n, third],
          // at and past the total: the random modulo the total
          [total, first],
          [total + a0 - 1n, first],
          [total + a0, second],
          [5n * total + a0 + a1 - 1n, second],
          [5n * total + a0 + a1, third],
          [top - 1n, third],
          [top, first],
        ];
        for (const [random, drawn] of cases) {
          expect(drawFrom(order, random), `independent draw of ${random}`).to.equal(drawn);
          expect(await operatorSets.drawAt(trio, e, random), `drawAt ${random}`).to.equal(drawn);
        }
        await expectDraws(operatorSets, trio, e, order);
        // the epoch they joined in counts nothing: nobody is drawn
        await expectDraws(operatorSets, trio, e - 1n, []);
      });

      it("gives a leaving operator's position to the last one from the next epoch, leaving the current epoch's ranges as they were", async function () {
        const { operatorSets, operators, setId } = await loadFixture(joinedFixture);
        const [op0, op1, op2, op3, op4, op5] = operators.map((o) => o.address);
        const e = await operatorSets.currentEpoch();
        const joined: DrawOrder = operators.map((o, i) => [o.address, STAKES[i]]);
        // operator 2, in the middle, leaves: the last one (5) takes position 2, so the ranges from position 2 on move
        await operatorSets.connect(operators[2]).requestLeave(setId);
        const afterLeave: DrawOrder = [
          [op0, STAKES[0]],
          [op1, STAKES[1]],
          [op5, STAKES[5]],
          [op3, STAKES[3]],
          [op4, STAKES[4]],
        ];
        await expectDraws(operatorSets, setId, e, joined);
        await expectDraws(operatorSets, setId, e + 1n, afterLeave);
        const start2 = STAKES[0] + STAKES[1];
        expect(await operatorSets.drawAt(setId, e, start2)).to.equal(op2);
        expect(await operatorSets.drawAt(setId, e + 1n, start2)).to.equal(op5);
        await nextEpoch(operatorSets);
        await expectDraws(operatorSets, setId, e, joined);
        await expectDraws(operatorSets, setId, e + 1n, afterLeave);

        // in e + 1: operator 5 lowers its allocation (it keeps its position), operator 2 comes back (the next
        // position), then operator 1 leaves and re-joins with the same allocation: the last one (2) takes its
        // position and it takes the next one — leaving and re-joining within one epoch moves an operator to the end
        await operatorSets.connect(operators[5]).allocate(setId, MIN_STAKE);
        await operatorSets.connect(operators[2]).join(setId, STAKES[2]);
        await operatorSets.connect(operators[1]).requestLeave(setId);
        await operatorSets.connect(operators[1]).join(setId, STAKES[1]);
        expect(await operatorSets.allocationAt(setId, op1, e + 2n)).to.equal(STAKES[1]);
        await nextEpoch(operatorSets);
        await expectDraws(operatorSets, setId, e + 2n, [
          [op0, STAKES[0]],
          [op2, STAKES[2]],
          [op5, MIN_STAKE],
          [op3, STAKES[3]],
          [op4, STAKES[4]],
          [op1, STAKES[1]],
        ]);
        await expectDraws(operatorSets, setId, e + 1n, afterLeave);
        await expectDraws(operatorSets, setId, e, joined);
      });

      it("keeps the ranges exact over three buckets: exits from the first and the second bucket take the last position, wherever it is", async function () {
        const f = await loadFixture(setsFixture);
        const { operatorSets, registry, staker } = f;
        // 33 operators: positions 0..15 in bucket 0, 16..31 in bucket 1, 32 alone in bucket 2
        const amounts = Array.from({ length: 33 }, (_, i) => MIN_STAKE + BigInt(i) * ALT + BigInt(i));
        const setId = await createSet(f.service, "three buckets", MIN_STAKE, 256);
        const wallets = [];
        for (const [i, amount] of amounts.entries()) {
          const wallet = await stakedOperator(f, `three buckets ${i}`, amount);
          await operatorSets.connect(wallet).join(setId, amount);
          wallets.push(wallet);
        }
        const w = wallets.map((x) => x.address);
        const model = new DrawIndexModel();
        for (const [i, amount] of amounts.entries()) model.allocate(w[i], amount);
        const e = await nextEpoch(operatorSets);
        const joined = model.copy();
        expect(joined).to.deep.equal(w.map((address, i) => [address, amounts[i]]));
        await expectDraws(operatorSets, setId, e, joined);

        // in e: operator 5 (bucket 0) leaves: operator 32 (bucket 2) takes position 5. All of operator 20's stake
        // (bucket 1) is requested: its allocation drops to 0 and operator 31 (the last now, bucket 1) takes position
        // 20. Operator 10 lowers its allocation in place; operator 5 comes back (position 31, bucket 1); a newcomer
        // joins (position 32, bucket 2).
        await operatorSets.connect(wallets[5]).requestLeave(setId);
        model.allocate(w[5], 0n);
        await registry.connect(staker).requestUnstake(w[20], 0, await registry.sharesOf(staker.address, w[20], 0));
        expect((await operatorSets.allocation(setId, w[20])).allocated).to.equal(0n);
        model.allocate(w[20], 0n);
        await operatorSets.connect(wallets[10]).allocate(setId, MIN_STAKE);
        model.allocate(w[10], MIN_STAKE);
        await operatorSets.connect(wallets[5]).join(setId, amounts[5]);
        model.allocate(w[5], amounts[5]);
        const newcomer = await stakedOperator(f, "three buckets newcomer", 2_000n * ALT + 3n);
        await operatorSets.connect(newcomer).join(setId, 2_000n * ALT + 3n);
        model.allocate(newcomer.address, 2_000n * ALT + 3n);
        const next = [...joined];
        next[5] = joined[32];
        next[20] = joined[31];
        next[10] = [w[10], MIN_STAKE];
        next[31] = [w[5], amounts[5]];
        next[32] = [newcomer.address, 2_000n * ALT + 3n];
        expect(model.copy()).to.deep.equal(next);
        await expectDraws(operatorSets, setId, e + 1n, next);
        await expectDraws(operatorSets, setId, e, joined);

        // in e + 1: operator 0 leaves: the newcomer (bucket 2) takes position 0; then operator 5, the last now, leaves:
        // nothing moves
        await nextEpoch(operatorSets);
        await operatorSets.connect(wallets[0]).requestLeave(setId);
        await operatorSets.connect(wallets[5]).requestLeave(setId);
        model.allocate(w[0], 0n);
        model.allocate(w[5], 0n);
        const last = [next[32], ...next.slice(1, 31)];
        expect(model.copy()).to.deep.equal(last);
        await nextEpoch(operatorSets);
        await expectDraws(operatorSets, setId, e + 2n, last);
        await expectDraws(operatorSets, setId, e + 1n, next);
        await expectDraws(operatorSets, setId, e, joined);
      });

      it("shrinks a slashed operator's range from the epoch after the execution, and draws it while its request is pending", async function () {
        const { operatorSets, registry, slashingManager, service, operators, staker, setId } =
          await loadFixture(joinedFixture);
        const op2 = operators[2].address;
        const e = await operatorSets.currentEpoch();
        const joined: DrawOrder = operators.map((o, i) => [o.address, STAKES[i]]);
        await requestSlash(service, setId, op2, staker.address);
        const requestId = (await slashingManager.requestCount()) - 1n;
        // jailed (it cannot act), its allocation still counts: the draw picks it for its whole range
        expect(await registry.isJailed(op2)).to.equal(true);
        await expectDraws(operatorSets, setId, e, joined);
        await expectDraws(operatorSets, setId, e + 1n, joined);

        const { executableAt } = await slashingManager.request(requestId);
        await time.setNextBlockTimestamp(executableAt);
        await slashingManager.execute(requestId);
        const x = await operatorSets.epochAt(executableAt);
        const slashed = STAKES[2] - (STAKES[2] * 100n) / BPS; // 1 %
        expect(slashed).to.equal(594n * ALT);
        expect((await operatorSets.allocation(setId, op2)).allocated).to.equal(slashed);
        const after: DrawOrder = joined.map(([o, a]) => [o, o === op2 ? slashed : a]);
        await expectDraws(operatorSets, setId, x, joined);
        await expectDraws(operatorSets, setId, x + 1n, after);
        // the 6 ALT cut from the end of operator 2's range fall to operator 3 from the next epoch
        const end2 = STAKES[0] + STAKES[1] + STAKES[2];
        expect(await operatorSets.drawAt(setId, x, end2 - 6n * ALT)).to.equal(op2);
        expect(await operatorSets.drawAt(setId, x + 1n, end2 - 6n * ALT)).to.equal(operators[3].address);
        expect(await operatorSets.drawAt(setId, x + 1n, end2 - 6n * ALT - 1n)).to.equal(op2);
        await nextEpoch(operatorSets);
        await expectDraws(operatorSets, setId, x + 1n, after);
        await expectDraws(operatorSets, setId, x, joined);
      });

      it("shrinks an operator's range from the next epoch when stake leaving it shrinks its allocation, and drops it at zero", async function () {
        const { operatorSets, registry, operators, setId } = await loadFixture(joinedFixture);
        const [op0, op1, op2, op3, op4, op5] = operators.map((o) => o.address);
        const e = await operatorSets.currentEpoch();
        const joined: DrawOrder = operators.map((o, i) => [o.address, STAKES[i]]);
        // operator 3 requests 1,000 ALT of its own stake: its allocation shrinks to 2,000 ALT + 1 wei; operator 4
        // requests all of its stake: its allocation drops to 0, and the last one (5) takes its position
        await registry.connect(operators[3]).requestUnstake(op3, 0, 1_000n * ALT * VIRTUAL_SHARES);
        await registry.connect(operators[4]).requestUnstake(op4, 0, STAKES[4] * VIRTUAL_SHARES);
        expect((await operatorSets.allocation(setId, op3)).allocated).to.equal(2_000n * ALT + 1n);
        expect((await operatorSets.allocation(setId, op4)).allocated).to.equal(0n);
        const after: DrawOrder = [
          [op0, STAKES[0]],
          [op1, STAKES[1]],
          [op2, STAKES[2]],
          [op3, 2_000n * ALT + 1n],
          [op5, STAKES[5]],
        ];
        await expectDraws(operatorSets, setId, e, joined);
        await expectDraws(operatorSets, setId, e + 1n, after);
        const end3 = STAKES[0] + STAKES[1] + STAKES[2] + 2_000n * ALT + 1n;
        expect(await operatorSets.drawAt(setId, e, end3)).to.equal(op3);
        expect(await operatorSets.drawAt(setId, e + 1n, end3)).to.equal(op5);
        await nextEpoch(operatorSets);
        await expectDraws(operatorSets, setId, e + 1n, after);
        await expectDraws(operatorSets, setId, e, joined);
      });

      it("draws nobody once no allocation counts: members that left are drawn through the epoch they left in, then nobody", async function () {
        const { operatorSets, registry, service, operators, staker } = await loadFixture(setsFixture);
        const duo = await createSet(service, "duo", 0n, MAX_SIZE);
        const [op0, op1] = operators;
        await operatorSets.connect(op0).join(duo, MIN_STAKE);
        await operatorSets.connect(op1).join(duo, 1n); // a single wei has a range of one random
        // a member with nothing allocated takes no position: it is never drawn
        await registry.connect(staker).registerOperator("ipfs://empty", 0);
        await operatorSets.connect(staker).join(duo, 0n);
        expect(await operatorSets.members(duo)).to.deep.equal([op0.address, op1.address, staker.address]);
        const e = await nextEpoch(operatorSets);
        const both: DrawOrder = [
          [op0.address, MIN_STAKE],
          [op1.address, 1n],
        ];
        await expectDraws(operatorSets, duo, e, both);
        expect(await operatorSets.drawAt(duo, e, MIN_STAKE)).to.equal(op1.address);
        expect(await operatorSets.drawAt(duo, e, MIN_STAKE + 1n)).to.equal(op0.address);

        await operatorSets.connect(op0).requestLeave(duo);
        await operatorSets.connect(op1).requestLeave(duo);
        await expectDraws(operatorSets, duo, e, both);
        await expectDraws(operatorSets, duo, e + 1n, []);
        await nextEpoch(operatorSets);
        for (const random of [0n, 1n, MIN_STAKE, ethers.MaxUint256]) {
          expect(await operatorSets.drawAt(duo, e + 1n, random)).to.equal(ethers.ZeroAddress);
          expect(await operatorSets.drawAt(duo, e + 1_000n, random)).to.equal(ethers.ZeroAddress);
        }
        await expectDraws(operatorSets, duo, e, both);
      });

      it("never changes a past epoch's draw: every epoch keeps its ranges through later exits, re-joins, allocation changes, unstakes and slashes", async function () {
        const { operatorSets, registry, slashingManager, service, operators, staker, setId } =
          await loadFixture(joinedFixture);
        const [op0, op1, op2, op3, op4, op5] = operators.map((o) => o.address);
        const model = new DrawIndexModel();
        for (const [i, o] of operators.entries()) model.allocate(o.address, STAKES[i]);
        const e = await operatorSets.currentEpoch();
        const counted = new Map<bigint, DrawOrder>([[e, model.copy()]]);
        /** Moves to the next epoch, which counts the model's order as the changes made before left it. */
        const nextCounted = async () => counted.set(await nextEpoch(operatorSets), model.copy());

        // e: operator 1 lowers its allocation, operator 0 leaves
        await operatorSets.connect(operators[1]).allocate(setId, MIN_STAKE);
        model.allocate(op1, MIN_STAKE);
        await operatorSets.connect(operators[0]).requestLeave(setId);
        model.allocate(op0, 0n);
        await nextCounted();
        expect(counted.get(e + 1n)).to.deep.equal([
          [op5, STAKES[5]],
          [op1, MIN_STAKE],
          [op2, STAKES[2]],
          [op3, STAKES[3]],
          [op4, STAKES[4]],
        ]);
        // e + 1: operator 0 comes back with the minimum, operator 3 unstakes 1,000 ALT
        await operatorSets.connect(operators[0]).join(setId, MIN_STAKE);
        model.allocate(op0, MIN_STAKE);
        await registry.connect(operators[3]).requestUnstake(op3, 0, 1_000n * ALT * VIRTUAL_SHARES);
        model.allocate(op3, 2_000n * ALT + 1n);
        await nextCounted();
        // e + 2: a slash of operator 4 is requested (jailed, it still counts); operator 5 leaves; operator 2 leaves and
        // comes back
        await requestSlash(service, setId, op4, staker.address);
        const requestId = (await slashingManager.requestCount()) - 1n;
        await operatorSets.connect(operators[5]).requestLeave(setId);
        model.allocate(op5, 0n);
        await operatorSets.connect(operators[2]).requestLeave(setId);
        await operatorSets.connect(operators[2]).join(setId, STAKES[2]);
        model.allocate(op2, 0n);
        model.allocate(op2, STAKES[2]);
        await nextCounted();
        await nextCounted();
        // e + 4: the slash executes (1 % of 750 ALT), operator 5 comes back
        const { executableAt } = await slashingManager.request(requestId);
        expect(await operatorSets.epochAt(executableAt)).to.equal(e + 4n);
        await time.increaseTo(executableAt);
        await slashingManager.execute(requestId);
        model.allocate(op4, 742n * ALT + ALT / 2n);
        await operatorSets.connect(operators[5]).join(setId, STAKES[5]);
        model.allocate(op5, STAKES[5]);
        await nextCounted();

        // e + 3 by hand: operator 5's exit gave position 0 to the last one (0), operator 2's gave position 2 to the
        // last one (4), and operator 2 came back last
        expect(counted.get(e + 3n)).to.deep.equal([
          [op0, MIN_STAKE],
          [op1, MIN_STAKE],
          [op4, STAKES[4]],
          [op3, 2_000n * ALT + 1n],
          [op2, STAKES[2]],
        ]);
        expect(counted.size).to.equal(6);
        // read after every change: each epoch still draws exactly as it counted
        for (const [epoch, order] of counted) await expectDraws(operatorSets, setId, epoch, order);
      });
    });

    describe("allocationWindow", function () {
      /** allocationWindow as plain arrays: [start, keys, values]. */
      async function windowOf(
        operatorSets: OperatorSets,
        setId: bigint,
        operator: string,
        from: bigint,
        until: bigint,
        max: bigint,
      ) {
        const [start, keys, values] = await operatorSets.allocationWindow(setId, operator, from, until, max);
        return [start, [...keys], [...values]];
      }

      /**
       * Operator 0 joins with the minimum in epoch e (counted from e + 1), allocates 1,000 ALT in e + 1, 700 then
       * 800 ALT in e + 2 (one change, keyed e + 3) and leaves in e + 4 (zero from e + 5); operator 3 joins with
       * 1,500 ALT in e + 1.
       */
      async function windowFixture() {
        const base = await loadFixture(setsFixture);
        const { operatorSets, operators, setId } = base;
        const [op0, , , op3] = operators;
        const e = await nextEpoch(operatorSets);
        await operatorSets.connect(op0).join(setId, MIN_STAKE);
        await nextEpoch(operatorSets);
        await operatorSets.connect(op0).allocate(setId, 1_000n * ALT);
        await operatorSets.connect(op3).join(setId, 1_500n * ALT);
        await nextEpoch(operatorSets);
        await operatorSets.connect(op0).allocate(setId, 700n * ALT);
        await operatorSets.connect(op0).allocate(setId, 800n * ALT);
        await nextEpoch(operatorSets);
        await nextEpoch(operatorSets);
        await operatorSets.connect(op0).requestLeave(setId);
        return { ...base, e, op0: op0.address, op3: op3.address };
      }

      it("gives the allocation in force at `from` and every change keyed strictly between `from` and `until`", async function () {
        const { operatorSets, setId, e, op0 } = await loadFixture(windowFixture);
        expect(await windowOf(operatorSets, setId, op0, 0n, e + 10n, 10n)).to.deep.equal([
          0n,
          [e + 1n, e + 2n, e + 3n, e + 5n],
          [MIN_STAKE, 1_000n * ALT, 800n * ALT, 0n],
        ]);
        // a change keyed at `from` is the start value; one keyed at `until` is left out
        expect(await windowOf(operatorSets, setId, op0, e + 1n, e + 5n, 10n)).to.deep.equal([
          MIN_STAKE,
          [e + 2n, e + 3n],
          [1_000n * ALT, 800n * ALT],
        ]);
        expect(await windowOf(operatorSets, setId, op0, e + 2n, e + 6n, 10n)).to.deep.equal([
          1_000n * ALT,
          [e + 3n, e + 5n],
          [800n * ALT, 0n],
        ]);
        expect(await windowOf(operatorSets, setId, op0, e + 3n, e + 5n, 10n)).to.deep.equal([800n * ALT, [], []]);
        expect(await windowOf(operatorSets, setId, op0, e + 5n, e + 100n, 10n)).to.deep.equal([0n, [], []]);
        // an empty or reversed window: the start value alone
        expect(await windowOf(operatorSets, setId, op0, e + 3n, e + 3n, 10n)).to.deep.equal([800n * ALT, [], []]);
        expect(await windowOf(operatorSets, setId, op0, e + 3n, e + 1n, 10n)).to.deep.equal([800n * ALT, [], []]);
        // the start value is what allocationAt reads, in every epoch
        for (let epoch = 0n; epoch <= e + 6n; epoch++) {
          const [start] = await operatorSets.allocationWindow(setId, op0, epoch, epoch + 1n, 1n);
          expect(start).to.equal(await operatorSets.allocationAt(setId, op0, epoch));
        }
      });

      it("returns at most `max` changes, the earliest ones", async function () {
        const { operatorSets, setId, e, op0 } = await loadFixture(windowFixture);
        expect(await windowOf(operatorSets, setId, op0, 0n, e + 10n, 4n)).to.deep.equal([
          0n,
          [e + 1n, e + 2n, e + 3n, e + 5n],
          [MIN_STAKE, 1_000n * ALT, 800n * ALT, 0n],
        ]);
        expect(await windowOf(operatorSets, setId, op0, 0n, e + 10n, 2n)).to.deep.equal([
          0n,
          [e + 1n, e + 2n],
          [MIN_STAKE, 1_000n * ALT],
        ]);
        expect(await windowOf(operatorSets, setId, op0, e + 2n, e + 10n, 1n)).to.deep.equal([
          1_000n * ALT,
          [e + 3n],
          [800n * ALT],
        ]);
        expect(await windowOf(operatorSets, setId, op0, e + 1n, e + 10n, 0n)).to.deep.equal([MIN_STAKE, [], []]);
        // `until` bounds it before `max` does
        expect(await windowOf(operatorSets, setId, op0, 0n, e + 3n, 3n)).to.deep.equal([
          0n,
          [e + 1n, e + 2n],
          [MIN_STAKE, 1_000n * ALT],
        ]);
      });

      it("reads each (set, operator) history on its own: zeros for another operator, set or outsider", async function () {
        const { operatorSets, service, setId, e, op0, op3, outsider } = await loadFixture(windowFixture);
        expect(await windowOf(operatorSets, setId, op3, 0n, e + 10n, 10n)).to.deep.equal([
          0n,
          [e + 2n],
          [1_500n * ALT],
        ]);
        expect(await windowOf(operatorSets, setId, outsider.address, 0n, e + 10n, 10n)).to.deep.equal([0n, [], []]);
        const other = await createSet(service, "window: another set", MIN_STAKE, MAX_SIZE);
        expect(await windowOf(operatorSets, other, op0, 0n, e + 10n, 10n)).to.deep.equal([0n, [], []]);
        expect(await windowOf(operatorSets, 12345n, op0, 0n, e + 10n, 10n)).to.deep.equal([0n, [], []]);
      });
    });
  });

  // ================================================================= unique stake

  describe("unique stake", function () {
    /** Carol staked exactly 10,000 ALT to herself; sets A and B have a 500 ALT minimum. */
    async function tenThousandFixture() {
      const base = await loadFixture(setsFixture);
      const { registry, token, carol } = base;
      await token.connect(carol).approve(await registry.getAddress(), ethers.MaxUint256);
      await registry.connect(carol).stake(carol.address, 0, 10_000n * ALT);
      const setA = await createSet(base.service, "A", MIN_STAKE, MAX_SIZE);
      const setB = await createSet(base.service, "B", MIN_STAKE, MAX_SIZE);
      return { ...base, setA, setB };
    }

    it("refuses to count one 10,000 ALT stake in two sets: the second join finds no free stake", async function () {
      const { operatorSets, registry, carol, setA, setB } = await loadFixture(tenThousandFixture);
      await expectStake(registry, carol.address, 10_000n * ALT);
      await operatorSets.connect(carol).join(setA, 10_000n * ALT);
      expect(await operatorSets.freeStake(carol.address)).to.equal(0n);
      await expect(operatorSets.connect(carol).join(setB, 10_000n * ALT))
        .to.be.revertedWithCustomError(operatorSets, "SetsInsufficientFreeStake")
        .withArgs(carol.address, 10_000n * ALT, 0n);
      await expect(operatorSets.connect(carol).join(setB, MIN_STAKE))
        .to.be.revertedWithCustomError(operatorSets, "SetsInsufficientFreeStake")
        .withArgs(carol.address, MIN_STAKE, 0n);

      const e = await nextEpoch(operatorSets);
      expect(await operatorSets.allocationAt(setA, carol.address, e)).to.equal(10_000n * ALT);
      expect(await operatorSets.allocationAt(setB, carol.address, e)).to.equal(0n);
      await expectDraws(operatorSets, setA, e, [[carol.address, 10_000n * ALT]]);
      await expectDraws(operatorSets, setB, e, []);
    });

    it("never lets one operator's allocations counted in an epoch, across its sets, exceed its stake, even while it moves stake", async function () {
      const { operatorSets, registry, carol, setA, setB, withdrawalDelay } = await loadFixture(tenThousandFixture);
      /** Carol's allocations counted in the current epoch, over both sets (within her stake). */
      const countedSum = async () => {
        const epoch = await operatorSets.currentEpoch();
        let total = 0n;
        for (const set of [setA, setB]) total += await operatorSets.allocationAt(set, carol.address, epoch);
        expect(total).to.be.at.most(await registry.operatorStake(carol.address));
        return total;
      };

      await operatorSets.connect(carol).join(setA, 4_000n * ALT);
      await operatorSets.connect(carol).join(setB, 6_000n * ALT);
      await nextEpoch(operatorSets);
      expect(await countedSum()).to.equal(10_000n * ALT);

      // moving 3,000 ALT from A to B: the decrease is held, B cannot take it yet
      const freeAt =
        (await timestampOf(await operatorSets.connect(carol).allocate(setA, 1_000n * ALT))) + withdrawalDelay;
      await expect(operatorSets.connect(carol).allocate(setB, 9_000n * ALT))
        .to.be.revertedWithCustomError(operatorSets, "SetsInsufficientFreeStake")
        .withArgs(carol.address, 3_000n * ALT, 0n);
      await nextEpoch(operatorSets);
      expect(await countedSum()).to.equal(7_000n * ALT);

      // once free, B takes it: it counts from the next epoch, A's decrease counted already
      await time.increaseTo(freeAt);
      await operatorSets.connect(carol).allocate(setA, 1_000n * ALT);
      await operatorSets.connect(carol).allocate(setB, 9_000n * ALT);
      expect(await operatorSets.freeStake(carol.address)).to.equal(0n);
      expect(await countedSum()).to.equal(7_000n * ALT);
      await nextEpoch(operatorSets);
      expect(await countedSum()).to.equal(10_000n * ALT);
    });
  });

  // ================================================================= stake leaving the operator

  describe("stake leaving the operator (onStakeDecreased, syncAllocations)", function () {
    it("refuses onStakeDecreased from any caller but the registry", async function () {
      const { operatorSets, operators, outsider, deployer, setId } = await loadFixture(joinedFixture);
      await expect(operatorSets.connect(outsider).onStakeDecreased(operators[0].address, 0))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotRegistry")
        .withArgs(outsider.address);
      await expect(operatorSets.connect(deployer).onStakeDecreased(operators[0].address, 0))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotRegistry")
        .withArgs(deployer.address);
      expect(await allocationOf(operatorSets, setId, operators[0].address)).to.deep.equal([STAKES[0], 0n, 0n]);
    });

    it("leaves the allocations alone when an unstake request fits in the free stake", async function () {
      const { operatorSets, registry, carol, staker, setA, setB } = await loadFixture(carolFixture);
      // 2,000 ALT - 7 wei leave: the active stake equals the allocations
      const tx = registry.connect(staker).requestUnstake(carol.address, 0, (2_000n * ALT - 7n) * VIRTUAL_SHARES);
      await expect(tx).to.emit(registry, "UnstakeRequested");
      await expect(tx).to.not.emit(operatorSets, "AllocationsReduced");
      await expect(tx).to.not.emit(operatorSets, "AllocationUpdated");
      await expectStake(registry, carol.address, CAROL_A + CAROL_B);
      expect(await allocationOf(operatorSets, setA, carol.address)).to.deep.equal([CAROL_A, 0n, 0n]);
      expect(await allocationOf(operatorSets, setB, carol.address)).to.deep.equal([CAROL_B, 0n, 0n]);
      expect(await operatorSets.freeStake(carol.address)).to.equal(0n);
    });

    it("never blocks a staker when governance unwired the operator sets: the request leaves the allocations alone", async function () {
      const { operatorSets, registry, slashingManager, deployer, carol, staker, setA, setB } =
        await loadFixture(carolFixture);
      await registry.connect(deployer).setModules(slashingManager, ethers.ZeroAddress);
      const tx = registry.connect(staker).requestUnstake(carol.address, 0, 4_000n * ALT * VIRTUAL_SHARES);
      await expect(tx).to.emit(registry, "UnstakeRequested");
      await expect(tx).to.not.emit(operatorSets, "AllocationsReduced");
      await expectStake(registry, carol.address, 6_000n * ALT);
      expect(await allocationOf(operatorSets, setA, carol.address)).to.deep.equal([CAROL_A, 0n, 0n]);
      expect(await allocationOf(operatorSets, setB, carol.address)).to.deep.equal([CAROL_B, 0n, 0n]);
    });

    it("shrinks every allocation pro rata when a staker's unstake request exceeds the free stake", async function () {
      const { operatorSets, registry, carol, staker, setA, setB, withdrawalDelay } = await loadFixture(carolFixture);
      const e = await nextEpoch(operatorSets);
      const tx = await registry.connect(staker).requestUnstake(carol.address, 0, 4_000n * ALT * VIRTUAL_SHARES);
      const at = await timestampOf(tx);
      const active = 6_000n * ALT;
      await expectStake(registry, carol.address, active);
      const [cutA, cutB] = proRataCuts([CAROL_A, CAROL_B], active);
      // the rounding is exercised: neither cut is exact, both round up
      expect((CAROL_A * (CAROL_A + CAROL_B - active)) % (CAROL_A + CAROL_B)).to.not.equal(0n);
      expect((CAROL_B * (CAROL_A + CAROL_B - active)) % (CAROL_A + CAROL_B)).to.not.equal(0n);
      expect(cutA + cutB).to.equal(2_000n * ALT + 7n + 1n);

      await expect(tx).to.emit(registry, "UnstakeRequested");
      await expect(tx)
        .to.emit(operatorSets, "AllocationUpdated")
        .withArgs(setA, carol.address, CAROL_A - cutA, cutA, at + withdrawalDelay, e + 1n);
      await expect(tx)
        .to.emit(operatorSets, "AllocationUpdated")
        .withArgs(setB, carol.address, CAROL_B - cutB, cutB, at + withdrawalDelay, e + 1n);
      await expect(tx)
        .to.emit(operatorSets, "AllocationsReduced")
        .withArgs(carol.address, cutA + cutB);

      await expectCuts(operatorSets, carol.address, at + withdrawalDelay, [
        [setA, CAROL_A, cutA],
        [setB, CAROL_B, cutB],
      ]);
      const [allocated, encumbered] = await totalsOf(operatorSets, carol.address);
      expect(allocated).to.equal(CAROL_A + CAROL_B - cutA - cutB);
      expect(allocated).to.be.at.most(active);
      expect(encumbered).to.equal(CAROL_A + CAROL_B);
      expect(await operatorSets.freeStake(carol.address)).to.equal(0n);
      // the cut counts until the end of this epoch
      expect(await operatorSets.allocationAt(setA, carol.address, e)).to.equal(CAROL_A);
      expect(await operatorSets.allocationAt(setA, carol.address, e + 1n)).to.equal(CAROL_A - cutA);
      expect(await operatorSets.setStakeAt(setB, e + 1n)).to.equal(CAROL_B - cutB);
    });

    it("holds the cut until the withdrawal delay passes, then allocate frees it", async function () {
      const { operatorSets, registry, carol, staker, setA, withdrawalDelay } = await loadFixture(carolFixture);
      const at = await timestampOf(
        await registry.connect(staker).requestUnstake(carol.address, 0, 4_000n * ALT * VIRTUAL_SHARES),
      );
      const [cutA, cutB] = proRataCuts([CAROL_A, CAROL_B], 6_000n * ALT);
      const keptA = CAROL_A - cutA;

      await time.setNextBlockTimestamp(at + withdrawalDelay - 1n);
      await expect(operatorSets.connect(carol).allocate(setA, keptA)).to.not.emit(operatorSets, "AllocationUpdated");
      expect(await totalsOf(operatorSets, carol.address)).to.deep.equal([
        CAROL_A + CAROL_B - cutA - cutB,
        CAROL_A + CAROL_B,
      ]);

      await time.setNextBlockTimestamp(at + withdrawalDelay);
      await expect(operatorSets.connect(carol).allocate(setA, keptA))
        .to.emit(operatorSets, "AllocationUpdated")
        .withArgs(setA, carol.address, keptA, 0, 0, (await operatorSets.epochAt(at + withdrawalDelay)) + 1n);
      expect(await allocationOf(operatorSets, setA, carol.address)).to.deep.equal([keptA, 0n, 0n]);
      expect(await totalsOf(operatorSets, carol.address)).to.deep.equal([
        CAROL_A + CAROL_B - cutA - cutB,
        CAROL_A + CAROL_B - cutA,
      ]);
      // B's cut is still held: 8,000 ALT + 7 wei - cutA encumbered, above the 6,000 ALT active
      expect(CAROL_A + CAROL_B - cutA).to.be.greaterThan(6_000n * ALT);
      expect(await operatorSets.freeStake(carol.address)).to.equal(0n);
    });

    it("never blocks a staker: unstaking everything zeroes the allocations, even while jailed or leaving", async function () {
      const { operatorSets, registry, service, carol, staker, setA, setB, stakerShares, withdrawalDelay } =
        await loadFixture(carolFixture);
      const leaveAt = (await timestampOf(await operatorSets.connect(carol).requestLeave(setB))) + withdrawalDelay;
      await requestSlash(service, setA, carol.address, staker.address);
      expect(await registry.isJailed(carol.address)).to.equal(true);

      const tx = await registry.connect(staker).requestUnstake(carol.address, 0, stakerShares);
      const at = await timestampOf(tx);
      await expect(tx).to.emit(registry, "UnstakeRequested");
      await expect(tx).to.emit(operatorSets, "AllocationsReduced").withArgs(carol.address, CAROL_A);
      await expectStake(registry, carol.address, 0n);
      expect(await allocationOf(operatorSets, setA, carol.address)).to.deep.equal([0n, CAROL_A, at + withdrawalDelay]);
      // the leaving set had nothing allocated: untouched
      expect(await allocationOf(operatorSets, setB, carol.address)).to.deep.equal([0n, CAROL_B, leaveAt]);
      expect(await totalsOf(operatorSets, carol.address)).to.deep.equal([0n, CAROL_A + CAROL_B]);
      expect(await operatorSets.freeStake(carol.address)).to.equal(0n);
    });

    it("syncAllocations is a no-op when the allocations fit the stake", async function () {
      const { operatorSets, operators, outsider, setId } = await loadFixture(joinedFixture);
      for (const account of [operators[0].address, outsider.address]) {
        const tx = operatorSets.connect(outsider).syncAllocations(account);
        await expect(tx).to.not.emit(operatorSets, "AllocationsReduced");
        await expect(tx).to.not.emit(operatorSets, "AllocationUpdated");
      }
      expect(await allocationOf(operatorSets, setId, operators[0].address)).to.deep.equal([STAKES[0], 0n, 0n]);
      expect(await totalsOf(operatorSets, operators[0].address)).to.deep.equal([STAKES[0], STAKES[0]]);
    });

    it("syncAllocations shrinks the allocations of an operator whose stake fell unannounced (an asset's weight cut)", async function () {
      const { operatorSets, registry, service, deployer, carol, staker, outsider, withdrawalDelay } =
        await loadFixture(setsFixture);
      const Token = await ethers.getContractFactory("MockERC20");
      const lst = await Token.deploy("Liquid staked ETH", "LST");
      await lst.mint(staker.address, 10_000n * ALT);
      await lst.connect(staker).approve(await registry.getAddress(), ethers.MaxUint256);
      await registry.connect(deployer).addAsset(lst, WEIGHT_UNIT, 10n ** 30n);
      await registry.connect(staker).stake(carol.address, 1, 10_000n * ALT);
      await expectStake(registry, carol.address, 10_000n * ALT);
      const setA = await createSet(service, "A", MIN_STAKE, MAX_SIZE);
      const setB = await createSet(service, "B", MIN_STAKE, MAX_SIZE);
      await operatorSets.connect(carol).join(setA, 6_000n * ALT);
      await operatorSets.connect(carol).join(setB, 4_000n * ALT);

      // governance halves the asset's weight: the registry does not tell the operator sets
      await registry.connect(deployer).updateAsset(1, WEIGHT_UNIT / 2n, 10n ** 30n);
      await expectStake(registry, carol.address, 5_000n * ALT);
      expect(await totalsOf(operatorSets, carol.address)).to.deep.equal([10_000n * ALT, 10_000n * ALT]);

      const tx = await operatorSets.connect(outsider).syncAllocations(carol.address);
      const at = await timestampOf(tx);
      await expect(tx)
        .to.emit(operatorSets, "AllocationsReduced")
        .withArgs(carol.address, 5_000n * ALT);
      await expectCuts(operatorSets, carol.address, at + withdrawalDelay, [
        [setA, 6_000n * ALT, 3_000n * ALT],
        [setB, 4_000n * ALT, 2_000n * ALT],
      ]);
      expect(await totalsOf(operatorSets, carol.address)).to.deep.equal([5_000n * ALT, 10_000n * ALT]);
      // a second call finds nothing to do
      await expect(operatorSets.syncAllocations(carol.address)).to.not.emit(operatorSets, "AllocationsReduced");
    });
  });

  // ================================================================= set-scoped slashing

  describe("slashing one set (slashAllocation, slashTarget)", function () {
    /** Requests a slash of `bps` of what `operator` allocated to `setId`, through the service; returns the request. */
    async function requestSetSlash(
      f: Awaited<ReturnType<typeof setsFixture>>,
      setId: bigint,
      operator: string,
      bps: bigint,
      label: string,
    ) {
      const requestId = await f.slashingManager.requestCount();
      await f.service.requestSlash(
        operator,
        setId,
        bps,
        ethers.id(label),
        ethers.id(`evidence:${label}`),
        f.staker.address,
        await time.latest(),
      );
      const request = await f.slashingManager.request(requestId);
      return { requestId, requestedAt: request.requestedAt, executableAt: request.executableAt };
    }

    it("lets only the registry call slashAllocation, not even the slashing manager", async function () {
      const { operatorSets, slashingManager, carol, outsider, deployer, setA } = await loadFixture(carolFixture);
      const managerAddress = await slashingManager.getAddress();
      await impersonateAccount(managerAddress);
      await setBalance(managerAddress, 10n ** 18n);
      const manager = await ethers.getSigner(managerAddress);
      for (const caller of [outsider, deployer, manager]) {
        await expect(operatorSets.connect(caller).slashAllocation(carol.address, setA, 1_000, 0, ethers.MaxUint256))
          .to.be.revertedWithCustomError(operatorSets, "SetsNotRegistry")
          .withArgs(caller.address);
      }
      expect(await allocationOf(operatorSets, setA, carol.address)).to.deep.equal([CAROL_A, 0n, 0n]);
      expect(await totalsOf(operatorSets, carol.address)).to.deep.equal([CAROL_A + CAROL_B, CAROL_A + CAROL_B]);
    });

    it("slashTarget names the set's service and the allocation plus the deallocation not yet free", async function () {
      const { operatorSets, service, carol, operators, setA, setB, withdrawalDelay } = await loadFixture(carolFixture);
      const serviceAddress = await service.getAddress();
      expect(await targetOf(operatorSets, setA, carol.address)).to.deep.equal([serviceAddress, CAROL_A]);
      expect(await targetOf(operatorSets, setB, carol.address)).to.deep.equal([serviceAddress, CAROL_B]);
      // not a member: nothing to slash
      expect(await targetOf(operatorSets, setA, operators[0].address)).to.deep.equal([serviceAddress, 0n]);

      // 1,000 ALT + 7 wei deallocated from A: still slashable there until freeAt, not a second longer
      const kept = 2_000n * ALT;
      const freeAt = (await timestampOf(await operatorSets.connect(carol).allocate(setA, kept))) + withdrawalDelay;
      expect(await allocationOf(operatorSets, setA, carol.address)).to.deep.equal([kept, CAROL_A - kept, freeAt]);
      expect(await targetOf(operatorSets, setA, carol.address)).to.deep.equal([serviceAddress, CAROL_A]);
      await time.increaseTo(freeAt - 1n);
      expect(await targetOf(operatorSets, setA, carol.address)).to.deep.equal([serviceAddress, CAROL_A]);
      await time.increaseTo(freeAt);
      expect(await targetOf(operatorSets, setA, carol.address)).to.deep.equal([serviceAddress, kept]);
      // not released yet (no allocate since): pendingFree is still stored, it just no longer counts
      expect(await allocationOf(operatorSets, setA, carol.address)).to.deep.equal([kept, CAROL_A - kept, freeAt]);
      expect(await targetOf(operatorSets, setB, carol.address)).to.deep.equal([serviceAddress, CAROL_B]);
    });

    it("slashTarget names no service once governance removed it, and refuses an unknown set", async function () {
      const { operatorSets, service, deployer, carol, setA } = await loadFixture(carolFixture);
      const serviceAddress = await service.getAddress();
      await operatorSets.connect(deployer).setService(service, false);
      expect(await targetOf(operatorSets, setA, carol.address)).to.deep.equal([ethers.ZeroAddress, CAROL_A]);
      // the set still records its creator
      expect((await operatorSets.setConfig(setA)).service).to.equal(serviceAddress);
      // allowed again, it is the set's service again
      await operatorSets.connect(deployer).setService(service, true);
      expect(await targetOf(operatorSets, setA, carol.address)).to.deep.equal([serviceAddress, CAROL_A]);

      const unknown = setIdOf(serviceAddress, ethers.id("unknown"));
      await expect(operatorSets.slashTarget(unknown, carol.address))
        .to.be.revertedWithCustomError(operatorSets, "SetsUnknownSet")
        .withArgs(unknown);
    });

    it("a slash never touches other sets' allocations", async function () {
      const f = await loadFixture(carolFixture);
      const { operatorSets, registry, slashingManager, service, carol, operators, setA, setB, withdrawalDelay } = f;
      // carol keeps 2,000 ALT + 3 wei in A and holds 1,000 ALT + 4 wei deallocated from it; 2,000 ALT - 7 wei stay
      // free. Operator 0 is in A too.
      const freeAt =
        (await timestampOf(await operatorSets.connect(carol).allocate(setA, 2_000n * ALT + 3n))) + withdrawalDelay;
      await operatorSets.connect(operators[0]).join(setA, 600n * ALT);
      await nextEpoch(operatorSets);
      const bps = 777n;
      const { requestId, requestedAt, executableAt } = await requestSetSlash(f, setA, carol.address, bps, "a");
      const epoch = await operatorSets.epochAt(executableAt);

      // read before the execution
      const a = await operatorSets.allocation(setA, carol.address);
      expect([a.allocated, a.pendingFree, a.freeAt]).to.deep.equal([2_000n * ALT + 3n, 1_000n * ALT + 4n, freeAt]);
      const [allocated, encumbered] = await totalsOf(operatorSets, carol.address);
      const stakeANow = await operatorSets.setStakeAt(setA, epoch);
      const stakeANext = await operatorSets.setStakeAt(setA, epoch + 1n);
      const stakeBNext = await operatorSets.setStakeAt(setB, epoch + 1n);
      const carolBNext = await operatorSets.allocationAt(setB, carol.address, epoch + 1n);
      const carolANow = await operatorSets.allocationAt(setA, carol.address, epoch);
      const operator0A = await allocationOf(operatorSets, setA, operators[0].address);
      const pool = await registry.pool(carol.address, 0);
      expect(stakeANext).to.equal(a.allocated + 600n * ALT);
      expect(carolBNext).to.equal(CAROL_B);

      // floor(allocated * bps / 1e4) and, the deallocation being slashable at requestedAt, floor(pendingFree * bps / 1e4)
      expect(a.freeAt > requestedAt).to.equal(true);
      const fromAllocated = (a.allocated * bps) / BPS;
      const fromPending = (a.pendingFree * bps) / BPS;
      expect((a.allocated * bps) % BPS).to.not.equal(0n); // both round down
      expect((a.pendingFree * bps) % BPS).to.not.equal(0n);
      const value = fromAllocated + fromPending;

      await time.setNextBlockTimestamp(executableAt);
      const tx = await slashingManager.execute(requestId);
      await expect(tx).to.emit(slashingManager, "SlashExecuted").withArgs(requestId, carol.address, setA, bps, [value]);
      // exactly these, in this order: no other set's allocation moves, nothing shrinks pro rata
      expect(await setsEventsOf(operatorSets, tx)).to.deep.equal([
        ["AllocationSlashed", [setA, carol.address, fromAllocated, fromPending]],
        [
          "AllocationUpdated",
          [setA, carol.address, a.allocated - fromAllocated, a.pendingFree - fromPending, freeAt, epoch + 1n],
        ],
      ]);

      expect(await allocationOf(operatorSets, setA, carol.address)).to.deep.equal([
        a.allocated - fromAllocated,
        a.pendingFree - fromPending,
        freeAt,
      ]);
      expect(await totalsOf(operatorSets, carol.address)).to.deep.equal([
        allocated - fromAllocated,
        encumbered - value,
      ]);
      // B: allocation and checkpoints unchanged
      expect(await allocationOf(operatorSets, setB, carol.address)).to.deep.equal([CAROL_B, 0n, 0n]);
      expect(await operatorSets.allocationAt(setB, carol.address, epoch + 1n)).to.equal(carolBNext);
      expect(await operatorSets.setStakeAt(setB, epoch + 1n)).to.equal(stakeBNext);
      // A: lower from the next epoch only; operator 0 untouched
      expect(await operatorSets.setStakeAt(setA, epoch + 1n)).to.equal(stakeANext - fromAllocated);
      expect(await operatorSets.setStakeAt(setA, epoch)).to.equal(stakeANow);
      expect(await operatorSets.allocationAt(setA, carol.address, epoch)).to.equal(carolANow);
      expect(await operatorSets.allocationAt(setA, carol.address, epoch + 1n)).to.equal(a.allocated - fromAllocated);
      expect(await allocationOf(operatorSets, setA, operators[0].address)).to.deep.equal(operator0A);
      const serviceAddress = await service.getAddress();
      expect(await targetOf(operatorSets, setA, carol.address)).to.deep.equal([
        serviceAddress,
        a.allocated - fromAllocated + a.pendingFree - fromPending,
      ]);
      expect(await targetOf(operatorSets, setB, carol.address)).to.deep.equal([serviceAddress, CAROL_B]);
      // the one pool paid the value in full
      expect((await registry.pool(carol.address, 0)).totalAssets).to.equal(pool.totalAssets - value);
      expect(await slashingManager.windowSlashedBps(carol.address, setA)).to.equal(bps);
      expect(await slashingManager.windowSlashedBps(carol.address, setB)).to.equal(0n);
    });

    it("takes the deallocation that was slashable when the request was made, even if free by the execution", async function () {
      const f = await loadFixture(carolFixture);
      const { operatorSets, slashingManager, service, carol, setA, withdrawalDelay } = f;
      const kept = 2_000n * ALT;
      const freeAt = (await timestampOf(await operatorSets.connect(carol).allocate(setA, kept))) + withdrawalDelay;
      const pending = CAROL_A - kept;
      const bps = 1_000n;
      const fromAllocated = (kept * bps) / BPS;
      const serviceAddress = await service.getAddress();

      /** A request mined at `at`, executed when due: the operator sets' events of the execution. */
      async function slashRequestedAt(at: bigint) {
        await time.setNextBlockTimestamp(at);
        const { requestId, requestedAt, executableAt } = await requestSetSlash(f, setA, carol.address, bps, "a");
        expect(requestedAt).to.equal(at);
        await time.setNextBlockTimestamp(executableAt);
        const tx = await slashingManager.execute(requestId);
        return { events: await setsEventsOf(operatorSets, tx), epoch: await operatorSets.epochAt(executableAt) };
      }

      // one second before freeAt: the deallocation is slashable, and stays so for this request
      const start = await takeSnapshot();
      await time.increaseTo(freeAt - 2n);
      expect(await targetOf(operatorSets, setA, carol.address)).to.deep.equal([serviceAddress, CAROL_A]);
      const before = await slashRequestedAt(freeAt - 1n);
      const fromPending = (pending * bps) / BPS;
      expect(fromPending).to.not.equal(0n);
      expect(before.events).to.deep.equal([
        ["AllocationSlashed", [setA, carol.address, fromAllocated, fromPending]],
        [
          "AllocationUpdated",
          [setA, carol.address, kept - fromAllocated, pending - fromPending, freeAt, before.epoch + 1n],
        ],
      ]);
      await start.restore();

      // at freeAt: only the allocation is
      await time.increaseTo(freeAt - 1n);
      const at = await slashRequestedAt(freeAt);
      expect(at.events).to.deep.equal([
        ["AllocationSlashed", [setA, carol.address, fromAllocated, 0n]],
        ["AllocationUpdated", [setA, carol.address, kept - fromAllocated, pending, freeAt, at.epoch + 1n]],
      ]);
      expect(await totalsOf(operatorSets, carol.address)).to.deep.equal([
        kept + CAROL_B - fromAllocated,
        CAROL_A + CAROL_B - fromAllocated,
      ]);
    });

    it("changes nothing and emits nothing when the cut rounds down to zero", async function () {
      const f = await loadFixture(carolFixture);
      const { operatorSets, registry, slashingManager, service, carol } = f;
      // 9 wei allocated: 10 % of it is 0.9 wei, rounded down to nothing (yet the request is allowed: 9 wei are there)
      const dust = await createSet(service, "dust", 0n, MAX_SIZE);
      await operatorSets.connect(carol).join(dust, 9n);
      const totals = await totalsOf(operatorSets, carol.address);
      const pool = await registry.pool(carol.address, 0);
      const { requestId, executableAt } = await requestSetSlash(f, dust, carol.address, 1_000n, "dust");
      await time.setNextBlockTimestamp(executableAt);
      const tx = await slashingManager.execute(requestId);
      await expect(tx).to.emit(slashingManager, "SlashExecuted").withArgs(requestId, carol.address, dust, 1_000n, [0n]);
      await expect(tx).to.not.emit(registry, "PoolSlashed");
      expect(await setsEventsOf(operatorSets, tx)).to.deep.equal([]);
      expect(await allocationOf(operatorSets, dust, carol.address)).to.deep.equal([9n, 0n, 0n]);
      expect(await totalsOf(operatorSets, carol.address)).to.deep.equal(totals);
      expect(await registry.pool(carol.address, 0)).to.deep.equal(pool);
      expect(await registry.isJailed(carol.address)).to.equal(false);
    });

    it("shrinks the other allocations pro rata exactly when the stake left after a slash cannot back them", async function () {
      const f = await loadFixture(carolFixture);
      const { operatorSets, registry, slashingManager, carol, staker, setA, setB, withdrawalDelay } = f;
      // A keeps 1,000 ALT and holds 2,000 ALT + 7 wei deallocated (slashable until freeAt); B keeps 5,000 ALT; the
      // pool holds 10,000 ALT: 4,000 ALT - 7 wei of the stake back nothing but A's pending deallocation
      const freeAt =
        (await timestampOf(await operatorSets.connect(carol).allocate(setA, 1_000n * ALT))) + withdrawalDelay;
      const a = await operatorSets.allocation(setA, carol.address);
      expect([a.allocated, a.pendingFree, a.freeAt]).to.deep.equal([1_000n * ALT, CAROL_A - 1_000n * ALT, freeAt]);
      const [allocated, encumbered] = await totalsOf(operatorSets, carol.address);
      const pool = await registry.pool(carol.address, 0);
      const bps = 1_000n;
      // requested before freeAt: the pending part is slashed too
      const fromAllocated = (a.allocated * bps) / BPS;
      const fromPending = (a.pendingFree * bps) / BPS;
      const value = fromAllocated + fromPending;
      const allocatedAfter = allocated - fromAllocated;

      // What the active shares are worth is what backs the allocations. The largest queue of shares they bear:
      // before the slash, and after it (the queued shares pay their part of it, the pending deallocation is no
      // allocation: the stake falls by more than the allocations do).
      const sharesFor = (target: bigint, assets: bigint) =>
        ceilDiv(target * (pool.totalShares + VIRTUAL_SHARES), assets + 1n);
      const bearableBefore = pool.totalShares - sharesFor(allocated, pool.totalAssets);
      const bearableAfter = pool.totalShares - sharesFor(allocatedAfter, pool.totalAssets - value);
      expect(bearableBefore).to.equal(4_000n * ALT * VIRTUAL_SHARES);
      expect(bearableAfter < bearableBefore).to.equal(true);
      const activeAfter = (queued: bigint) =>
        shareValue(pool.totalShares - queued, pool.totalAssets - value, pool.totalShares);
      expect(activeAfter(bearableAfter)).to.equal(allocatedAfter);
      expect(activeAfter(bearableAfter + 1n)).to.equal(allocatedAfter - 1n);

      /** Queues `queued` shares (the allocations still fit), then requests and executes the slash through A. */
      async function slashAfterQueueing(queued: bigint) {
        const unstake = await registry.connect(staker).requestUnstake(carol.address, 0, queued);
        await expect(unstake).to.not.emit(operatorSets, "AllocationsReduced");
        expect(await registry.operatorStake(carol.address)).to.be.at.least(allocated);
        const { requestId, requestedAt, executableAt } = await requestSetSlash(f, setA, carol.address, bps, "a");
        expect(freeAt > requestedAt).to.equal(true);
        await time.setNextBlockTimestamp(executableAt);
        const tx = await slashingManager.execute(requestId);
        await expect(tx)
          .to.emit(slashingManager, "SlashExecuted")
          .withArgs(requestId, carol.address, setA, bps, [value]);
        return { tx, at: executableAt, epoch: await operatorSets.epochAt(executableAt) };
      }
      const slashed = (epoch: bigint) => [
        ["AllocationSlashed", [setA, carol.address, fromAllocated, fromPending]],
        [
          "AllocationUpdated",
          [setA, carol.address, a.allocated - fromAllocated, a.pendingFree - fromPending, freeAt, epoch + 1n],
        ],
      ];

      // the most the queue can be: the stake left backs the allocations exactly, nothing shrinks
      const start = await takeSnapshot();
      const backed = await slashAfterQueueing(bearableAfter);
      expect(await setsEventsOf(operatorSets, backed.tx)).to.deep.equal(slashed(backed.epoch));
      await expectStake(registry, carol.address, allocatedAfter);
      expect(await totalsOf(operatorSets, carol.address)).to.deep.equal([allocatedAfter, encumbered - value]);
      expect(await allocationOf(operatorSets, setB, carol.address)).to.deep.equal([CAROL_B, 0n, 0n]);
      await start.restore();

      // one share more: one wei short, so every allocation gives up its pro-rata cut (rounded up)
      const short = await slashAfterQueueing(bearableAfter + 1n);
      const active = allocatedAfter - 1n;
      await expectStake(registry, carol.address, active);
      const keptA = a.allocated - fromAllocated;
      const [cutA, cutB] = proRataCuts([keptA, CAROL_B], active);
      expect([cutA, cutB]).to.deep.equal([1n, 1n]);
      const cutFreeAt = short.at + withdrawalDelay;
      expect(await setsEventsOf(operatorSets, short.tx)).to.deep.equal([
        ...slashed(short.epoch),
        [
          "AllocationUpdated",
          [setA, carol.address, keptA - cutA, a.pendingFree - fromPending + cutA, cutFreeAt, short.epoch + 1n],
        ],
        ["AllocationUpdated", [setB, carol.address, CAROL_B - cutB, cutB, cutFreeAt, short.epoch + 1n]],
        ["AllocationsReduced", [carol.address, cutA + cutB]],
      ]);
      expect(await allocationOf(operatorSets, setA, carol.address)).to.deep.equal([
        keptA - cutA,
        a.pendingFree - fromPending + cutA,
        cutFreeAt,
      ]);
      expect(await allocationOf(operatorSets, setB, carol.address)).to.deep.equal([CAROL_B - cutB, cutB, cutFreeAt]);
      expect(await totalsOf(operatorSets, carol.address)).to.deep.equal([
        allocatedAfter - cutA - cutB,
        encumbered - value,
      ]);
      expect((await registry.pool(carol.address, 0)).totalAssets).to.equal(pool.totalAssets - value);
    });
  });

  // ================================================================= a removed service

  describe("a removed service", function () {
    it("a removed service loses its powers: updateSet and jail revert SetsNotService, the set stays readable and members can still leave", async function () {
      const {
        operatorSets,
        slashingManager,
        service,
        otherService,
        deployer,
        outsider,
        operators,
        setId,
        withdrawalDelay,
      } = await loadFixture(joinedFixture);
      const serviceAddress = await service.getAddress();
      const until = BigInt(await time.latest()) + BigInt(days(10));
      await operatorSets.connect(deployer).setService(service, false);

      await expect(service.updateSet(setId, 0, 1))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotService")
        .withArgs(serviceAddress);
      await expect(service.jail(setId, operators[0].address, until))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotService")
        .withArgs(serviceAddress);
      // nor can it slash through the set, though it is still a registered slasher
      expect((await slashingManager.slasher(service)).registered).to.equal(true);
      await expect(requestSlash(service, setId, operators[0].address, outsider.address))
        .to.be.revertedWithCustomError(slashingManager, "SlashingNotSetService")
        .withArgs(setId, serviceAddress);
      // whoever is not the set's service is told so first, removed or not
      await operatorSets.connect(deployer).setService(otherService, false);
      await expect(otherService.updateSet(setId, 0, 1))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotSetService")
        .withArgs(setId, await otherService.getAddress());
      await expect(operatorSets.connect(outsider).jail(setId, operators[0].address, until))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotSetService")
        .withArgs(setId, outsider.address);

      // the set stays readable, unchanged
      const config = await operatorSets.setConfig(setId);
      expect([config.service, config.maxSize, config.exists, config.minStake]).to.deep.equal([
        serviceAddress,
        BigInt(MAX_SIZE),
        true,
        MIN_STAKE,
      ]);
      await expectMembers(
        operatorSets,
        setId,
        operators.map((o) => o.address),
      );
      expect((await operatorSets.membership(setId, operators[0].address)).jailedUntil).to.equal(0n);
      expect(await targetOf(operatorSets, setId, operators[0].address)).to.deep.equal([ethers.ZeroAddress, STAKES[0]]);

      // members can still leave
      const leaving = operators[1];
      const request = await operatorSets.connect(leaving).requestLeave(setId);
      const leaveAt = (await timestampOf(request)) + withdrawalDelay;
      await expect(request).to.emit(operatorSets, "LeaveRequested").withArgs(setId, leaving.address, leaveAt);
      expect(await allocationOf(operatorSets, setId, leaving.address)).to.deep.equal([0n, STAKES[1], leaveAt]);
      // out of the list at once
      await expectMembers(
        operatorSets,
        setId,
        [0, 5, 2, 3, 4].map((i) => operators[i].address),
      );
      await time.increaseTo(leaveAt);
      await expect(operatorSets.connect(leaving).completeLeave(setId))
        .to.emit(operatorSets, "Left")
        .withArgs(setId, leaving.address);
      expect(await operatorSets.setsOf(leaving.address)).to.deep.equal([]);
      expect(await operatorSets.freeStake(leaving.address)).to.equal(STAKES[1]);
    });
  });

  describe("requestLeave", function () {
    it("takes the member out of the list at once, deallocates everything and records leaveAt = now + the withdrawal delay", async function () {
      const { operatorSets, service, operators, setId, withdrawalDelay } = await loadFixture(joinedFixture);
      const op3 = operators[3];
      const e = await operatorSets.currentEpoch();
      const now = BigInt(await time.latest()) + 10n;
      await time.setNextBlockTimestamp(now);
      const tx = operatorSets.connect(op3).requestLeave(setId);
      await expect(tx)
        .to.emit(operatorSets, "LeaveRequested")
        .withArgs(setId, op3.address, now + withdrawalDelay);
      await expect(tx)
        .to.emit(operatorSets, "AllocationUpdated")
        .withArgs(setId, op3.address, 0, STAKES[3], now + withdrawalDelay, e + 1n);
      // no longer a member: the set stays first (and only) in its list of sets until it completes
      expect(await membershipOf(operatorSets, setId, op3.address)).to.deep.equal([
        false,
        0n,
        0n,
        now + withdrawalDelay,
        0n,
      ]);
      expect(await operatorSets.setsOf(op3.address)).to.deep.equal([setId]);
      expect(await allocationOf(operatorSets, setId, op3.address)).to.deep.equal([
        0n,
        STAKES[3],
        now + withdrawalDelay,
      ]);
      expect(await totalsOf(operatorSets, op3.address)).to.deep.equal([0n, STAKES[3]]);
      expect(await operatorSets.freeStake(op3.address)).to.equal(0n);
      expect(await operatorSets.allocationAt(setId, op3.address, e)).to.equal(STAKES[3]);
      expect(await operatorSets.allocationAt(setId, op3.address, e + 1n)).to.equal(0n);
      expect(await operatorSets.setStakeAt(setId, e + 1n)).to.equal(sum(STAKES) - STAKES[3]);
      // out of the member list at once: the last member took its place
      await expectMembers(
        operatorSets,
        setId,
        [0, 1, 2, 5, 4].map((i) => operators[i].address),
      );
      // still slashable there until leaveAt
      expect(await targetOf(operatorSets, setId, op3.address)).to.deep.equal([await service.getAddress(), STAKES[3]]);
    });

    it("leaves at once when nothing is allocated or held", async function () {
      const { operatorSets, service, operators } = await loadFixture(setsFixture);
      const open = await createSet(service, "open", 0n, 4);
      await operatorSets.connect(operators[0]).join(open, 0n);
      const now = BigInt(await time.latest()) + 1n;
      await time.setNextBlockTimestamp(now);
      const tx = operatorSets.connect(operators[0]).requestLeave(open);
      await expect(tx).to.emit(operatorSets, "LeaveRequested").withArgs(open, operators[0].address, now);
      await expect(tx).to.not.emit(operatorSets, "AllocationUpdated");
      await expect(operatorSets.connect(operators[0]).completeLeave(open))
        .to.emit(operatorSets, "Left")
        .withArgs(open, operators[0].address);
    });

    it("waits for an earlier decrease to be free when nothing is left allocated", async function () {
      const { operatorSets, service, operators, withdrawalDelay } = await loadFixture(setsFixture);
      const op0 = operators[0];
      const open = await createSet(service, "open", 0n, 4);
      await operatorSets.connect(op0).join(open, 100n * ALT);
      const freeAt = (await timestampOf(await operatorSets.connect(op0).allocate(open, 0n))) + withdrawalDelay;
      await time.increase(days(3));
      await expect(operatorSets.connect(op0).requestLeave(open))
        .to.emit(operatorSets, "LeaveRequested")
        .withArgs(open, op0.address, freeAt);
      await time.setNextBlockTimestamp(freeAt - 1n);
      await expect(operatorSets.connect(op0).completeLeave(open))
        .to.be.revertedWithCustomError(operatorSets, "SetsLeavePending")
        .withArgs(open, op0.address, freeAt);
      await time.setNextBlockTimestamp(freeAt);
      await expect(operatorSets.connect(op0).completeLeave(open)).to.emit(operatorSets, "Left");
      expect(await operatorSets.freeStake(op0.address)).to.equal(STAKES[0]);
    });

    it("refuses a second request: the operator is no longer a member, and its leaveAt stays", async function () {
      const { operatorSets, operators, setId, withdrawalDelay } = await loadFixture(joinedFixture);
      const leaveAt =
        (await timestampOf(await operatorSets.connect(operators[0]).requestLeave(setId))) + withdrawalDelay;
      await expect(operatorSets.connect(operators[0]).requestLeave(setId))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotMember")
        .withArgs(setId, operators[0].address);
      expect((await operatorSets.membership(setId, operators[0].address)).leaveAt).to.equal(leaveAt);
    });

    it("refuses an operator that is not a member", async function () {
      const { operatorSets, outsider, setId } = await loadFixture(joinedFixture);
      await expect(operatorSets.connect(outsider).requestLeave(setId))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotMember")
        .withArgs(setId, outsider.address);
    });

    it("refuses an unknown set", async function () {
      const { operatorSets, operators } = await loadFixture(joinedFixture);
      await expect(operatorSets.connect(operators[0]).requestLeave(3n))
        .to.be.revertedWithCustomError(operatorSets, "SetsUnknownSet")
        .withArgs(3n);
    });
  });

  describe("completeLeave", function () {
    it("refuses completion before the withdrawal delay passes and completes exactly at leaveAt, freeing the stake", async function () {
      const { operatorSets, operators, setId, withdrawalDelay } = await loadFixture(joinedFixture);
      const operator = operators[5]; // the last member: nothing moves
      const leaveAt = (await timestampOf(await operatorSets.connect(operator).requestLeave(setId))) + withdrawalDelay;
      await time.setNextBlockTimestamp(leaveAt - 1n);
      await expect(operatorSets.connect(operator).completeLeave(setId))
        .to.be.revertedWithCustomError(operatorSets, "SetsLeavePending")
        .withArgs(setId, operator.address, leaveAt);
      await time.setNextBlockTimestamp(leaveAt);
      const tx = operatorSets.connect(operator).completeLeave(setId);
      await expect(tx).to.emit(operatorSets, "Left").withArgs(setId, operator.address);
      await expect(tx)
        .to.emit(operatorSets, "AllocationUpdated")
        .withArgs(setId, operator.address, 0, 0, 0, (await operatorSets.epochAt(leaveAt)) + 1n);
      expect(await membershipOf(operatorSets, setId, operator.address)).to.deep.equal([false, 0n, 0n, 0n, 0n]);
      expect(await allocationOf(operatorSets, setId, operator.address)).to.deep.equal([0n, 0n, 0n]);
      expect(await totalsOf(operatorSets, operator.address)).to.deep.equal([0n, 0n]);
      expect(await operatorSets.freeStake(operator.address)).to.equal(STAKES[5]);
      expect(await operatorSets.setsOf(operator.address)).to.deep.equal([]);
      await expectMembers(
        operatorSets,
        setId,
        operators.slice(0, 5).map((o) => o.address),
      );
    });

    it("keeps leaveAt fixed at request time when the registry's withdrawal delay changes", async function () {
      const { operatorSets, registry, operators, deployer, setId, withdrawalDelay } = await loadFixture(joinedFixture);
      const leaveAt =
        (await timestampOf(await operatorSets.connect(operators[0]).requestLeave(setId))) + withdrawalDelay;
      await registry.connect(deployer).setDelays(days(60), await registry.commissionDelay());
      expect(await registry.withdrawalDelay()).to.equal(BigInt(days(60)));
      await time.setNextBlockTimestamp(leaveAt);
      await expect(operatorSets.connect(operators[0]).completeLeave(setId)).to.emit(operatorSets, "Left");
    });

    it("refuses to complete while the operator has a pending slash request, and completes once it is vetoed", async function () {
      const { operatorSets, slashingManager, council, service, operators, staker, setId, withdrawalDelay } =
        await loadFixture(joinedFixture);
      const op0 = operators[0];
      const leaveAt = (await timestampOf(await operatorSets.connect(op0).requestLeave(setId))) + withdrawalDelay;
      await time.increaseTo(leaveAt - BigInt(DAY));
      await requestSlash(service, setId, op0.address, staker.address);
      await time.setNextBlockTimestamp(leaveAt);
      await expect(operatorSets.connect(op0).completeLeave(setId))
        .to.be.revertedWithCustomError(operatorSets, "SetsOperatorJailed")
        .withArgs(op0.address);
      expect(await allocationOf(operatorSets, setId, op0.address)).to.deep.equal([0n, STAKES[0], leaveAt]);
      await slashingManager.connect(council).veto(0);
      await expect(operatorSets.connect(op0).completeLeave(setId))
        .to.emit(operatorSets, "Left")
        .withArgs(setId, op0.address);
      expect(await operatorSets.freeStake(op0.address)).to.equal(STAKES[0]);
    });

    it("refuses a member that did not request to leave", async function () {
      const { operatorSets, operators, setId } = await loadFixture(joinedFixture);
      await expect(operatorSets.connect(operators[0]).completeLeave(setId))
        .to.be.revertedWithCustomError(operatorSets, "SetsLeaveNotRequested")
        .withArgs(setId, operators[0].address);
    });

    it("refuses an operator that never joined (it did not request to leave), and an unknown set", async function () {
      const { operatorSets, operators, outsider, setId } = await loadFixture(joinedFixture);
      await expect(operatorSets.connect(outsider).completeLeave(setId))
        .to.be.revertedWithCustomError(operatorSets, "SetsLeaveNotRequested")
        .withArgs(setId, outsider.address);
      await expect(operatorSets.connect(operators[0]).completeLeave(5n))
        .to.be.revertedWithCustomError(operatorSets, "SetsUnknownSet")
        .withArgs(5n);
    });

    it("keeps member indexes consistent through swap-and-pop removals", async function () {
      const { operatorSets, operators, setId, withdrawalDelay } = await loadFixture(joinedFixture);
      const [o0, o1, o2, o3, o4, o5] = operators.map((o) => o.address);
      const leave = async (operator: HardhatEthersSigner) => {
        await operatorSets.connect(operator).requestLeave(setId);
        // out of the list at request time already
        expect(await operatorSets.members(setId)).to.not.include(operator.address);
        await time.increase(withdrawalDelay);
        await operatorSets.connect(operator).completeLeave(setId);
        expect(await membershipOf(operatorSets, setId, operator.address)).to.deep.equal([false, 0n, 0n, 0n, 0n]);
      };
      // a middle member: the last one takes its place
      await leave(operators[1]);
      await expectMembers(operatorSets, setId, [o0, o5, o2, o3, o4]);
      // the first member
      await leave(operators[0]);
      await expectMembers(operatorSets, setId, [o4, o5, o2, o3]);
      // the last member
      await leave(operators[3]);
      await expectMembers(operatorSets, setId, [o4, o5, o2]);
      // a left operator re-joins at the end, its stake free again
      await operatorSets.connect(operators[1]).join(setId, STAKES[1]);
      await expectMembers(operatorSets, setId, [o4, o5, o2, o1]);
      await leave(operators[5]);
      await expectMembers(operatorSets, setId, [o4, o1, o2]);
      await leave(operators[4]);
      await leave(operators[1]);
      await leave(operators[2]);
      await expectMembers(operatorSets, setId, []);
    });

    it("keeps the operator's list of sets consistent through swap-and-pop removals", async function () {
      const { operatorSets, service, operators, withdrawalDelay } = await loadFixture(setsFixture);
      const op0 = operators[0];
      const [s0, s1, s2, s3] = [
        await createSet(service, "s0", 0n, 4),
        await createSet(service, "s1", 0n, 4),
        await createSet(service, "s2", 0n, 4),
        await createSet(service, "s3", 0n, 4),
      ];
      for (const set of [s0, s1, s2, s3]) await operatorSets.connect(op0).join(set, 10n * ALT);
      await expectSets(operatorSets, op0.address, [s0, s1, s2, s3]);
      const leave = async (set: bigint) => {
        await operatorSets.connect(op0).requestLeave(set);
        await time.increase(withdrawalDelay);
        await operatorSets.connect(op0).completeLeave(set);
        expect(await membershipOf(operatorSets, set, op0.address)).to.deep.equal([false, 0n, 0n, 0n, 0n]);
      };
      await leave(s1);
      await expectSets(operatorSets, op0.address, [s0, s3, s2]);
      await leave(s0);
      await expectSets(operatorSets, op0.address, [s2, s3]);
      await operatorSets.connect(op0).join(s1, 10n * ALT);
      await expectSets(operatorSets, op0.address, [s2, s3, s1]);
      await leave(s1);
      await expectSets(operatorSets, op0.address, [s2, s3]);
      expect(await totalsOf(operatorSets, op0.address)).to.deep.equal([20n * ALT, 20n * ALT]);
      expect(await operatorSets.freeStake(op0.address)).to.equal(STAKES[0] - 20n * ALT);
    });
  });

  // ================================================================= leaving and re-joining

  describe("leaving and re-joining", function () {
    it("a member that left is out of the member list at once; its allocation counts and is drawn through the epoch it left in, not after", async function () {
      const { operatorSets, operators, setId } = await loadFixture(joinedFixture);
      const e = await operatorSets.currentEpoch();
      const op2 = operators[2];
      await operatorSets.connect(op2).requestLeave(setId);
      await expectMembers(
        operatorSets,
        setId,
        [0, 1, 5, 3, 4].map((i) => operators[i].address),
      );
      // its allocation still counts in this epoch: it can be drawn in it
      expect(await operatorSets.allocationAt(setId, op2.address, e)).to.equal(STAKES[2]);
      expect(await operatorSets.allocationAt(setId, op2.address, e + 1n)).to.equal(0n);
      expect(await operatorSets.setStakeAt(setId, e)).to.equal(sum(STAKES));
      const joined: DrawOrder = operators.map((o, i) => [o.address, STAKES[i]]);
      await expectDraws(operatorSets, setId, e, joined);
      // from the next epoch, the last one (5) holds its position in the draw, as in the member list
      const after = [0, 1, 5, 3, 4].map((i): [string, bigint] => [operators[i].address, STAKES[i]]);
      await expectDraws(operatorSets, setId, e + 1n, after);
      await nextEpoch(operatorSets);
      await expectDraws(operatorSets, setId, e + 1n, after);
      await expectDraws(operatorSets, setId, e, joined);
    });

    it("a left operator re-joins before completing with one entry in its sets, taking its held deallocation back first", async function () {
      const { operatorSets, service, operators, setId, withdrawalDelay } = await loadFixture(setsFixture);
      const op3 = operators[3]; // 3,000 ALT + 1 wei
      const side = await createSet(service, "side", 0n, 4);
      await operatorSets.connect(op3).join(setId, 1_000n * ALT);
      await operatorSets.connect(op3).join(side, 500n * ALT);
      await expectSets(operatorSets, op3.address, [setId, side]);

      const leaveAt = (await timestampOf(await operatorSets.connect(op3).requestLeave(setId))) + withdrawalDelay;
      expect(await membershipOf(operatorSets, setId, op3.address)).to.deep.equal([false, 0n, 0n, leaveAt, 0n]);
      expect(await operatorSets.setsOf(op3.address)).to.deep.equal([setId, side]);
      await expect(operatorSets.connect(op3).completeLeave(setId))
        .to.be.revertedWithCustomError(operatorSets, "SetsLeavePending")
        .withArgs(setId, op3.address, leaveAt);

      // the 1,000 ALT deallocated stays held: 1,500 ALT + 1 wei are free
      expect(await operatorSets.freeStake(op3.address)).to.equal(1_500n * ALT + 1n);
      // re-joining with 1,200 ALT takes the held 1,000 back (still held, so no free stake for it) and 200 of free stake
      const tx = await operatorSets.connect(op3).join(setId, 1_200n * ALT);
      const e = await epochOf(operatorSets, tx);
      expect(await setsEventsOf(operatorSets, tx)).to.deep.equal([
        ["Joined", [setId, op3.address]],
        ["AllocationUpdated", [setId, op3.address, 1_200n * ALT, 0n, 0n, e + 1n]],
      ]);
      // in place: the same position in its sets, not a second entry
      await expectSets(operatorSets, op3.address, [setId, side]);
      expect(await membershipOf(operatorSets, setId, op3.address)).to.deep.equal([true, 0n, 0n, 0n, 0n]);
      expect(await allocationOf(operatorSets, setId, op3.address)).to.deep.equal([1_200n * ALT, 0n, 0n]);
      expect(await totalsOf(operatorSets, op3.address)).to.deep.equal([1_700n * ALT, 1_700n * ALT]);
      expect(await operatorSets.freeStake(op3.address)).to.equal(1_300n * ALT + 1n);
      // a member again: there is no leave to complete
      await expect(operatorSets.connect(op3).completeLeave(setId))
        .to.be.revertedWithCustomError(operatorSets, "SetsLeaveNotRequested")
        .withArgs(setId, op3.address);

      // leaving for good removes its one entry
      const again = (await timestampOf(await operatorSets.connect(op3).requestLeave(setId))) + withdrawalDelay;
      await time.increaseTo(again);
      await expect(operatorSets.connect(op3).completeLeave(setId))
        .to.emit(operatorSets, "Left")
        .withArgs(setId, op3.address);
      await expectSets(operatorSets, op3.address, [side]);
      expect(await membershipOf(operatorSets, setId, op3.address)).to.deep.equal([false, 0n, 0n, 0n, 0n]);
      expect(await totalsOf(operatorSets, op3.address)).to.deep.equal([500n * ALT, 500n * ALT]);
    });

    it("a replaced member can return at once with what it had there, though all its other stake is allocated elsewhere", async function () {
      const { operatorSets, service, operators } = await loadFixture(setsFixture);
      const pair = await createSet(service, "pair", MIN_STAKE, 2);
      const side = await createSet(service, "side", 0n, 4);
      const [op0, op1, op3] = [operators[0], operators[1], operators[3]];
      await operatorSets.connect(op0).join(pair, MIN_STAKE);
      await operatorSets.connect(op0).join(side, STAKES[0] - MIN_STAKE);
      await operatorSets.connect(op1).join(pair, MIN_STAKE);
      await operatorSets.connect(op3).joinReplacing(pair, 550n * ALT, op0.address);
      // op0's 500 ALT in pair is held (slashable) for the withdrawal delay; nothing of its stake is free
      expect(await operatorSets.freeStake(op0.address)).to.equal(0n);
      // a place opens (op1 leaves): op0 re-joins with its held deallocation, needing no free stake
      await operatorSets.connect(op1).requestLeave(pair);
      const tx = await operatorSets.connect(op0).join(pair, MIN_STAKE);
      await expect(tx)
        .to.emit(operatorSets, "AllocationUpdated")
        .withArgs(pair, op0.address, MIN_STAKE, 0n, 0n, (await epochOf(operatorSets, tx)) + 1n);
      expect(await totalsOf(operatorSets, op0.address)).to.deep.equal([STAKES[0], STAKES[0]]);
      // the held amount is all it can take back: one wei more needs free stake it does not have
      await expect(operatorSets.connect(op0).allocate(pair, MIN_STAKE + 1n))
        .to.be.revertedWithCustomError(operatorSets, "SetsInsufficientFreeStake")
        .withArgs(op0.address, 1n, 0n);
    });

    it("a replaced member completes leaving only at leaveAt and not while a slash request against it is pending", async function () {
      const { operatorSets, slashingManager, council, service, operators, staker, withdrawalDelay } =
        await loadFixture(setsFixture);
      const pair = await createSet(service, "pair", MIN_STAKE, 2);
      const [op0, op1, op3] = [operators[0], operators[1], operators[3]];
      await operatorSets.connect(op0).join(pair, MIN_STAKE);
      await operatorSets.connect(op1).join(pair, MIN_STAKE);
      const leaveAt =
        (await timestampOf(await operatorSets.connect(op3).joinReplacing(pair, 1_000n * ALT, op0.address))) +
        withdrawalDelay;
      expect(await membershipOf(operatorSets, pair, op0.address)).to.deep.equal([false, 0n, 0n, leaveAt, 0n]);
      // what it held in the set stays slashable there: its service can still request a slash
      expect(await targetOf(operatorSets, pair, op0.address)).to.deep.equal([await service.getAddress(), MIN_STAKE]);
      await time.increaseTo(leaveAt - BigInt(DAY));
      await requestSlash(service, pair, op0.address, staker.address);
      const requestId = (await slashingManager.requestCount()) - 1n;

      await time.setNextBlockTimestamp(leaveAt - 1n);
      await expect(operatorSets.connect(op0).completeLeave(pair))
        .to.be.revertedWithCustomError(operatorSets, "SetsLeavePending")
        .withArgs(pair, op0.address, leaveAt);
      await time.setNextBlockTimestamp(leaveAt);
      await expect(operatorSets.connect(op0).completeLeave(pair))
        .to.be.revertedWithCustomError(operatorSets, "SetsOperatorJailed")
        .withArgs(op0.address);
      expect(await operatorSets.setsOf(op0.address)).to.deep.equal([pair]);
      expect(await allocationOf(operatorSets, pair, op0.address)).to.deep.equal([0n, MIN_STAKE, leaveAt]);

      await slashingManager.connect(council).veto(requestId);
      await expect(operatorSets.connect(op0).completeLeave(pair))
        .to.emit(operatorSets, "Left")
        .withArgs(pair, op0.address);
      expect(await operatorSets.setsOf(op0.address)).to.deep.equal([]);
      expect(await operatorSets.freeStake(op0.address)).to.equal(STAKES[0]);
    });
  });

  // ================================================================= churn

  describe("replacing a member of a full set (joinReplacing)", function () {
    const SMALL_SIZE = 4;

    /**
     * A set of at most 4 members filled by operators 0, 1, 2 and 4, each allocating the minimum (500 ALT), cheap
     * identities of one party; then the next epoch began. Operator 3 (3,000 ALT + 1 wei) is the large newcomer.
     */
    async function sybilFixture() {
      const base = await loadFixture(setsFixture);
      const { operatorSets, service, operators } = base;
      const small = await createSet(service, "small", MIN_STAKE, SMALL_SIZE);
      const sybils = [0, 1, 2, 4].map((i) => operators[i]);
      for (const sybil of sybils) await operatorSets.connect(sybil).join(small, MIN_STAKE);
      await nextEpoch(operatorSets);
      return { ...base, small, sybils, big: operators[3], margin: await operatorSets.churnMarginBps() };
    }

    it("sets cannot be captured by cheap Sybils: a full set of minimum allocations yields a place to a larger newcomer", async function () {
      const { operatorSets, service, small, sybils, big, margin, withdrawalDelay } = await loadFixture(sybilFixture);
      const [s0, s1, s2, s4] = sybils.map((o) => o.address);
      await expectMembers(operatorSets, small, [s0, s1, s2, s4]);
      const e = await operatorSets.currentEpoch();
      const before = await operatorSets.setStakeAt(small, e + 1n);
      expect(before).to.equal(4n * MIN_STAKE);
      const amount = 2_000n * ALT;

      await expect(operatorSets.connect(big).join(small, amount))
        .to.be.revertedWithCustomError(operatorSets, "SetsFull")
        .withArgs(small, SMALL_SIZE);

      // every member allocated the minimum: any is a smallest; the second one, so the last takes its place
      const replaced = sybils[1];
      const now = BigInt(await time.latest()) + 10n;
      await time.setNextBlockTimestamp(now);
      const tx = await operatorSets.connect(big).joinReplacing(small, amount, s1);
      const leaveAt = now + withdrawalDelay;
      expect(await epochOf(operatorSets, tx)).to.equal(e);
      // exactly these, in this order: the replaced member leaves as by requestLeave, then the newcomer joins
      expect(await setsEventsOf(operatorSets, tx)).to.deep.equal([
        ["AllocationUpdated", [small, s1, 0n, MIN_STAKE, leaveAt, e + 1n]],
        ["LeaveRequested", [small, s1, leaveAt]],
        ["MemberReplaced", [small, s1, big.address]],
        ["Joined", [small, big.address]],
        ["AllocationUpdated", [small, big.address, amount, 0n, 0n, e + 1n]],
      ]);

      // swap-and-pop: the last member took the replaced one's place, the newcomer is last
      await expectMembers(operatorSets, small, [s0, s4, s2, big.address]);
      expect(await membershipOf(operatorSets, small, s1)).to.deep.equal([false, 0n, 0n, leaveAt, 0n]);
      expect(await allocationOf(operatorSets, small, s1)).to.deep.equal([0n, MIN_STAKE, leaveAt]);
      expect(await totalsOf(operatorSets, s1)).to.deep.equal([0n, MIN_STAKE]);
      expect(await operatorSets.setsOf(s1)).to.deep.equal([small]);
      expect(await targetOf(operatorSets, small, s1)).to.deep.equal([await service.getAddress(), MIN_STAKE]);
      expect(await allocationOf(operatorSets, small, big.address)).to.deep.equal([amount, 0n, 0n]);
      expect(await operatorSets.setStakeAt(small, e)).to.equal(before);
      expect(await operatorSets.setStakeAt(small, e + 1n)).to.equal(before - MIN_STAKE + amount);

      // the evicted identity cannot take the place back with the minimum: the set is full, and replacing the
      // newcomer takes its allocation plus the margin
      const needed = ceilDiv(amount * (BPS + margin), BPS);
      await expect(operatorSets.connect(replaced).join(small, MIN_STAKE))
        .to.be.revertedWithCustomError(operatorSets, "SetsFull")
        .withArgs(small, SMALL_SIZE);
      await expect(operatorSets.connect(replaced).joinReplacing(small, MIN_STAKE, big.address))
        .to.be.revertedWithCustomError(operatorSets, "SetsChurnTooSmall")
        .withArgs(MIN_STAKE, needed);
    });

    it("a replaced member's allocation still counts in the current epoch, where it can be drawn, and the newcomer's from the next", async function () {
      const { operatorSets, small, sybils, big } = await loadFixture(sybilFixture);
      const [s0, s1, s2, s4] = sybils.map((o) => o.address);
      const e = await operatorSets.currentEpoch();
      const amount = 2_000n * ALT;
      // no waiting: the exit is keyed to the next epoch like any allocation change
      await expect(operatorSets.connect(big).joinReplacing(small, amount, s1))
        .to.emit(operatorSets, "MemberReplaced")
        .withArgs(small, s1, big.address);
      expect(await operatorSets.allocationsAt(small, [s1, big.address], e)).to.deep.equal([MIN_STAKE, 0n]);
      expect(await operatorSets.allocationsAt(small, [s1, big.address], e + 1n)).to.deep.equal([0n, amount]);
      expect(await operatorSets.setStakeAt(small, e)).to.equal(4n * MIN_STAKE);
      expect(await operatorSets.setStakeAt(small, e + 1n)).to.equal(3n * MIN_STAKE + amount);
      // this epoch draws the replaced member for its range; the next one gives its position to the last member and the
      // next free position to the newcomer
      const current: DrawOrder = [
        [s0, MIN_STAKE],
        [s1, MIN_STAKE],
        [s2, MIN_STAKE],
        [s4, MIN_STAKE],
      ];
      const next: DrawOrder = [
        [s0, MIN_STAKE],
        [s4, MIN_STAKE],
        [s2, MIN_STAKE],
        [big.address, amount],
      ];
      await expectDraws(operatorSets, small, e, current);
      expect(await operatorSets.drawAt(small, e, MIN_STAKE)).to.equal(s1);
      await expectDraws(operatorSets, small, e + 1n, next);
      expect(await operatorSets.drawAt(small, e + 1n, MIN_STAKE)).to.equal(s4);
      await nextEpoch(operatorSets);
      await expectDraws(operatorSets, small, e, current);
      await expectDraws(operatorSets, small, e + 1n, next);
    });

    it("a newcomer cannot displace a member without beating its allocation by the churn margin", async function () {
      const { operatorSets, service, operators, deployer } = await loadFixture(setsFixture);
      const pair = await createSet(service, "pair", MIN_STAKE, 2);
      const [op0, op2, op3, op5] = [operators[0], operators[2], operators[3], operators[5]];
      const theirs = 600n * ALT + 7n;
      await operatorSets.connect(op0).join(pair, theirs);
      await operatorSets.connect(op2).join(pair, 600n * ALT);
      const margin = await operatorSets.churnMarginBps();
      expect(margin).to.equal(1_000n);
      const needed = ceilDiv(theirs * (BPS + margin), BPS);
      expect((theirs * (BPS + margin)) % BPS).to.not.equal(0n); // the rounding up is exercised
      expect(needed).to.equal(660n * ALT + 8n);

      await expect(operatorSets.connect(op3).joinReplacing(pair, needed - 1n, op0.address))
        .to.be.revertedWithCustomError(operatorSets, "SetsChurnTooSmall")
        .withArgs(needed - 1n, needed);
      await expect(operatorSets.connect(op3).joinReplacing(pair, needed, op0.address))
        .to.emit(operatorSets, "MemberReplaced")
        .withArgs(pair, op0.address, op3.address);
      await expectMembers(operatorSets, pair, [op2.address, op3.address]);
      expect(await allocationOf(operatorSets, pair, op3.address)).to.deep.equal([needed, 0n, 0n]);

      // the margin is governance's: at 10,000 bps a newcomer must double the member's allocation
      await operatorSets.connect(deployer).setChurnMargin(10_000);
      await expect(operatorSets.connect(op5).joinReplacing(pair, 1_200n * ALT - 1n, op2.address))
        .to.be.revertedWithCustomError(operatorSets, "SetsChurnTooSmall")
        .withArgs(1_200n * ALT - 1n, 1_200n * ALT);
      // at 0, matching it is enough
      await operatorSets.connect(deployer).setChurnMargin(0);
      await expect(operatorSets.connect(op5).joinReplacing(pair, 600n * ALT - 1n, op2.address))
        .to.be.revertedWithCustomError(operatorSets, "SetsChurnTooSmall")
        .withArgs(600n * ALT - 1n, 600n * ALT);
      await expect(operatorSets.connect(op5).joinReplacing(pair, 600n * ALT, op2.address))
        .to.emit(operatorSets, "MemberReplaced")
        .withArgs(pair, op2.address, op5.address);
      await expectMembers(operatorSets, pair, [op3.address, op5.address]);
    });

    it("a set with room cannot be churned: joinReplacing refuses it, join is the way in", async function () {
      const { operatorSets, service, operators } = await loadFixture(setsFixture);
      const pair = await createSet(service, "pair", MIN_STAKE, 2);
      await operatorSets.connect(operators[0]).join(pair, MIN_STAKE);
      await expect(operatorSets.connect(operators[3]).joinReplacing(pair, 2_000n * ALT, operators[0].address))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotFull")
        .withArgs(pair);
      await expect(operatorSets.connect(operators[3]).join(pair, 2_000n * ALT))
        .to.emit(operatorSets, "Joined")
        .withArgs(pair, operators[3].address);
      await expectMembers(operatorSets, pair, [operators[0].address, operators[3].address]);
      await expect(operatorSets.joinReplacing(7n, 1n, operators[0].address))
        .to.be.revertedWithCustomError(operatorSets, "SetsUnknownSet")
        .withArgs(7n);
    });

    it("only a member can be replaced: not an outsider, not an operator that already left", async function () {
      const { operatorSets, service, operators, outsider } = await loadFixture(setsFixture);
      const pair = await createSet(service, "pair", MIN_STAKE, 2);
      const [op0, op1, op2, op3] = operators;
      await operatorSets.connect(op0).join(pair, MIN_STAKE);
      await operatorSets.connect(op1).join(pair, MIN_STAKE);
      await expect(operatorSets.connect(op3).joinReplacing(pair, 2_000n * ALT, outsider.address))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotMember")
        .withArgs(pair, outsider.address);
      // operator 0 leaves (not completed) and operator 2 fills its place: operator 0 is not a member to replace
      await operatorSets.connect(op0).requestLeave(pair);
      await operatorSets.connect(op2).join(pair, MIN_STAKE);
      await expect(operatorSets.connect(op3).joinReplacing(pair, 2_000n * ALT, op0.address))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotMember")
        .withArgs(pair, op0.address);
      await expectMembers(operatorSets, pair, [op1.address, op2.address]);
    });

    it("a newcomer that fails the join checks replaces nobody: the whole call reverts", async function () {
      const { operatorSets, service, operators, carol, outsider } = await loadFixture(setsFixture);
      const pair = await createSet(service, "pair", MIN_STAKE, 2);
      const [op0, op1, op2] = operators;
      await operatorSets.connect(op0).join(pair, MIN_STAKE);
      await operatorSets.connect(op1).join(pair, MIN_STAKE);
      // a member cannot replace another to hold two places
      await expect(operatorSets.connect(op1).joinReplacing(pair, 1_000n * ALT, op0.address))
        .to.be.revertedWithCustomError(operatorSets, "SetsAlreadyMember")
        .withArgs(pair, op1.address);
      // not an operator
      await expect(operatorSets.connect(outsider).joinReplacing(pair, 1_000n * ALT, op0.address))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotOperator")
        .withArgs(outsider.address);
      // an operator without the stake it offers (carol has none)
      await expect(operatorSets.connect(carol).joinReplacing(pair, 1_000n * ALT, op0.address))
        .to.be.revertedWithCustomError(operatorSets, "SetsInsufficientFreeStake")
        .withArgs(carol.address, 1_000n * ALT, 0n);
      // operator 2 holds 600 ALT: enough for the margin over 500 ALT (550 ALT), not for 601 ALT
      await expect(operatorSets.connect(op2).joinReplacing(pair, 601n * ALT, op0.address))
        .to.be.revertedWithCustomError(operatorSets, "SetsInsufficientFreeStake")
        .withArgs(op2.address, 601n * ALT, 600n * ALT);
      await expectMembers(operatorSets, pair, [op0.address, op1.address]);
      expect(await allocationOf(operatorSets, pair, op0.address)).to.deep.equal([MIN_STAKE, 0n, 0n]);
      expect(await membershipOf(operatorSets, pair, op0.address)).to.deep.equal([true, 0n, 0n, 0n, 0n]);
    });
  });

  // ================================================================= removal below the minimum

  describe("removing a member below the minimum (removeMember)", function () {
    /**
     * A full set of at most 4 members: operators 0 and 1 allocated exactly the minimum (500 ALT), 4 and 2 all their
     * stake (750 and 600 ALT), in the order 0, 4, 2, 1.
     */
    async function floorFixture() {
      const base = await loadFixture(setsFixture);
      const { operatorSets, service, operators } = base;
      const floor = await createSet(service, "floor", MIN_STAKE, 4);
      const [op0, op1, op2, , op4] = operators;
      await operatorSets.connect(op0).join(floor, MIN_STAKE);
      await operatorSets.connect(op4).join(floor, STAKES[4]);
      await operatorSets.connect(op2).join(floor, STAKES[2]);
      await operatorSets.connect(op1).join(floor, MIN_STAKE);
      return { ...base, floor };
    }

    it("a member below the minimum can be removed by anyone: after an unstake shrank it, its place is free", async function () {
      const { operatorSets, registry, operators, outsider, floor, withdrawalDelay } = await loadFixture(floorFixture);
      const [op0, op1, op2, , op4, op5] = operators;
      await expect(operatorSets.connect(outsider).removeMember(floor, op4.address))
        .to.be.revertedWithCustomError(operatorSets, "SetsStakeNotTooLow")
        .withArgs(STAKES[4], MIN_STAKE);

      // operator 4 unstakes 300 ALT of its own 750 ALT: its allocation shrinks to 450 ALT
      const unstakedAt = await timestampOf(
        await registry.connect(op4).requestUnstake(op4.address, 0, 300n * ALT * VIRTUAL_SHARES),
      );
      expect(await allocationOf(operatorSets, floor, op4.address)).to.deep.equal([
        450n * ALT,
        300n * ALT,
        unstakedAt + withdrawalDelay,
      ]);

      const now = BigInt(await time.latest()) + 10n;
      await time.setNextBlockTimestamp(now);
      const tx = await operatorSets.connect(outsider).removeMember(floor, op4.address);
      const e = await epochOf(operatorSets, tx);
      const leaveAt = now + withdrawalDelay;
      expect(await setsEventsOf(operatorSets, tx)).to.deep.equal([
        ["AllocationUpdated", [floor, op4.address, 0n, 750n * ALT, leaveAt, e + 1n]],
        ["LeaveRequested", [floor, op4.address, leaveAt]],
        ["MemberRemoved", [floor, op4.address, 450n * ALT]],
      ]);
      await expectMembers(operatorSets, floor, [op0.address, op1.address, op2.address]);
      expect(await membershipOf(operatorSets, floor, op4.address)).to.deep.equal([false, 0n, 0n, leaveAt, 0n]);
      expect(await allocationOf(operatorSets, floor, op4.address)).to.deep.equal([0n, 750n * ALT, leaveAt]);
      expect(await operatorSets.setsOf(op4.address)).to.deep.equal([floor]);

      // the set was full: its freed place takes a newcomer by a plain join
      await expect(operatorSets.connect(op5).join(floor, MIN_STAKE))
        .to.emit(operatorSets, "Joined")
        .withArgs(floor, op5.address);
      await expectMembers(operatorSets, floor, [op0.address, op1.address, op2.address, op5.address]);
      await expect(operatorSets.connect(outsider).removeMember(floor, op4.address))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotMember")
        .withArgs(floor, op4.address);
    });

    it("a member below the minimum can be removed by anyone: after a slash cut it below", async function () {
      const { operatorSets, slashingManager, service, operators, outsider, staker, floor, withdrawalDelay } =
        await loadFixture(floorFixture);
      const op0 = operators[0];
      await requestSlash(service, floor, op0.address, staker.address);
      const requestId = (await slashingManager.requestCount()) - 1n;
      // pending, nothing was taken yet: still at the minimum
      await expect(operatorSets.connect(outsider).removeMember(floor, op0.address))
        .to.be.revertedWithCustomError(operatorSets, "SetsStakeNotTooLow")
        .withArgs(MIN_STAKE, MIN_STAKE);
      await time.increaseTo((await slashingManager.request(requestId)).executableAt);
      await slashingManager.execute(requestId);
      const left = MIN_STAKE - MIN_STAKE / 100n; // 1 %
      expect(await allocationOf(operatorSets, floor, op0.address)).to.deep.equal([left, 0n, 0n]);

      const now = BigInt(await time.latest()) + 10n;
      await time.setNextBlockTimestamp(now);
      const tx = operatorSets.connect(outsider).removeMember(floor, op0.address);
      await expect(tx)
        .to.emit(operatorSets, "LeaveRequested")
        .withArgs(floor, op0.address, now + withdrawalDelay);
      await expect(tx).to.emit(operatorSets, "MemberRemoved").withArgs(floor, op0.address, left);
      // the last member took its place
      await expectMembers(
        operatorSets,
        floor,
        [1, 4, 2].map((i) => operators[i].address),
      );
    });

    it("a member at or above the minimum cannot be removed by others; a raised minimum makes it removable", async function () {
      const { operatorSets, service, operators, outsider, floor } = await loadFixture(floorFixture);
      const [op0, , op2, , op4] = operators;
      await expect(operatorSets.connect(outsider).removeMember(floor, op0.address))
        .to.be.revertedWithCustomError(operatorSets, "SetsStakeNotTooLow")
        .withArgs(MIN_STAKE, MIN_STAKE);
      await expect(operatorSets.connect(outsider).removeMember(floor, op2.address))
        .to.be.revertedWithCustomError(operatorSets, "SetsStakeNotTooLow")
        .withArgs(STAKES[2], MIN_STAKE);
      await expect(operatorSets.connect(outsider).removeMember(floor, outsider.address))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotMember")
        .withArgs(floor, outsider.address);
      await expect(operatorSets.connect(outsider).removeMember(8n, op0.address))
        .to.be.revertedWithCustomError(operatorSets, "SetsUnknownSet")
        .withArgs(8n);

      // the service raises the minimum to 700 ALT: 600 ALT is below it, 750 ALT is not
      await service.updateSet(floor, 700n * ALT, 4);
      await expect(operatorSets.connect(outsider).removeMember(floor, op4.address))
        .to.be.revertedWithCustomError(operatorSets, "SetsStakeNotTooLow")
        .withArgs(STAKES[4], 700n * ALT);
      await expect(operatorSets.connect(outsider).removeMember(floor, op2.address))
        .to.emit(operatorSets, "MemberRemoved")
        .withArgs(floor, op2.address, STAKES[2]);
      await expectMembers(
        operatorSets,
        floor,
        [0, 4, 1].map((i) => operators[i].address),
      );
    });

    it("a removed member's allocation still counts in the current epoch, where it can be drawn, and not from the next", async function () {
      const { operatorSets, service, operators, outsider, floor } = await loadFixture(floorFixture);
      const [op0, op1, op2, , op4] = operators.map((o) => o.address);
      const e = await nextEpoch(operatorSets);
      // a raised minimum leaves operator 2 (600 ALT) below it: removed at once, no waiting
      await service.updateSet(floor, 700n * ALT, 4);
      await expect(operatorSets.connect(outsider).removeMember(floor, op2))
        .to.emit(operatorSets, "MemberRemoved")
        .withArgs(floor, op2, STAKES[2]);
      expect(await operatorSets.allocationAt(floor, op2, e)).to.equal(STAKES[2]);
      expect(await operatorSets.allocationAt(floor, op2, e + 1n)).to.equal(0n);
      const all = 2n * MIN_STAKE + STAKES[4] + STAKES[2];
      expect(await operatorSets.setStakeAt(floor, e)).to.equal(all);
      expect(await operatorSets.setStakeAt(floor, e + 1n)).to.equal(all - STAKES[2]);
      // joined in the order 0, 4, 2, 1: from the next epoch the last one (1) takes operator 2's position
      const current: DrawOrder = [
        [op0, MIN_STAKE],
        [op4, STAKES[4]],
        [op2, STAKES[2]],
        [op1, MIN_STAKE],
      ];
      const next: DrawOrder = [
        [op0, MIN_STAKE],
        [op4, STAKES[4]],
        [op1, MIN_STAKE],
      ];
      await expectDraws(operatorSets, floor, e, current);
      expect(await operatorSets.drawAt(floor, e, MIN_STAKE + STAKES[4])).to.equal(op2);
      await expectDraws(operatorSets, floor, e + 1n, next);
      expect(await operatorSets.drawAt(floor, e + 1n, MIN_STAKE + STAKES[4])).to.equal(op1);
      await nextEpoch(operatorSets);
      await expectDraws(operatorSets, floor, e, current);
      await expectDraws(operatorSets, floor, e + 1n, next);
    });

    it("an eviction does not rewrite the current epoch: it stays live with what counted, the newcomer counts from the next", async function () {
      const { operatorSets, service, operators, outsider, floor } = await loadFixture(floorFixture);
      const [op0, op1, op2, op3, op4] = operators;
      // live only with all four members and all their stake
      const all = 2n * MIN_STAKE + STAKES[4] + STAKES[2];
      await service.setLiveness(floor, 4, all);
      await nextEpoch(operatorSets);
      const e = await nextEpoch(operatorSets);
      const counted: DrawOrder = [
        [op0.address, MIN_STAKE],
        [op4.address, STAKES[4]],
        [op2.address, STAKES[2]],
        [op1.address, MIN_STAKE],
      ];
      await expectDraws(operatorSets, floor, e, counted);
      expect(await operatorSets.isLive(floor, e)).to.equal(true);

      // in epoch e a newcomer replaces a member, then a raised minimum lets anyone evict the three others below it
      const amount = 1_000n * ALT;
      await expect(operatorSets.connect(op3).joinReplacing(floor, amount, op1.address))
        .to.emit(operatorSets, "MemberReplaced")
        .withArgs(floor, op1.address, op3.address);
      await service.updateSet(floor, 800n * ALT, 4);
      for (const [evicted, allocation] of [
        [op0, MIN_STAKE],
        [op4, STAKES[4]],
        [op2, STAKES[2]],
      ] as const) {
        await expect(operatorSets.connect(outsider).removeMember(floor, evicted.address))
          .to.emit(operatorSets, "MemberRemoved")
          .withArgs(floor, evicted.address, allocation);
      }
      expect(await operatorSets.currentEpoch()).to.equal(e);
      await expectMembers(operatorSets, floor, [op3.address]);

      // epoch e is neither emptied nor captured: the same stake, members, draws and liveness; the newcomer has none
      await expectDraws(operatorSets, floor, e, counted);
      expect(await operatorSets.isLive(floor, e)).to.equal(true);
      expect(await operatorSets.allocationAt(floor, op3.address, e)).to.equal(0n);
      // the evictions and the newcomer count from e + 1, which is not live: one member of the four needed
      await expectDraws(operatorSets, floor, e + 1n, [[op3.address, amount]]);
      expect(await operatorSets.isLive(floor, e + 1n)).to.equal(false);
      await nextEpoch(operatorSets);
      await expectDraws(operatorSets, floor, e, counted);
      expect(await operatorSets.isLive(floor, e)).to.equal(true);
    });
  });

  // ================================================================= liveness

  describe("checkpoint reads (CheckpointWindow.valueAt: the last two checkpoints first, then a binary search)", function () {
    it("reads every epoch of a long history exactly, recent and old, one by one and in a batch", async function () {
      const { operatorSets, operators, setId } = await loadFixture(setsFixture);
      const op = operators[0];
      const first = (await operatorSets.currentEpoch()) + 1n;
      // one change per epoch: the allocation counting in epoch first + i is amounts[i]
      const amounts = [MIN_STAKE, MIN_STAKE + 7n, MIN_STAKE + 3n, MIN_STAKE + 11n, MIN_STAKE + 5n, MIN_STAKE + 13n];
      await operatorSets.connect(op).join(setId, amounts[0]);
      for (const amount of amounts.slice(1)) {
        await nextEpoch(operatorSets);
        await operatorSets.connect(op).allocate(setId, amount);
      }
      // the current epoch is first + amounts.length - 2; the last change counts from the next one
      const expected = (epoch: bigint) =>
        epoch < first ? 0n : amounts[Math.min(Number(epoch - first), amounts.length - 1)];
      for (let epoch = 0n; epoch <= first + BigInt(amounts.length) + 1n; epoch++) {
        expect(await operatorSets.allocationAt(setId, op.address, epoch)).to.equal(expected(epoch));
        expect(await operatorSets.allocationsAt(setId, [op.address, operators[1].address], epoch)).to.deep.equal([
          expected(epoch),
          0n,
        ]);
        expect(await operatorSets.setStakeAt(setId, epoch)).to.equal(expected(epoch));
      }
    });
  });

  describe("liveness (setLiveness, isLive)", function () {
    const MAX_MIN_TOTAL_STAKE = 2n ** 192n - 1n;

    /** [memberCountAt, setStakeAt, isLive] of `epoch`; liveStakeAt must agree (the stake if live, else zero). */
    async function livenessAt(operatorSets: OperatorSets, setId: bigint, epoch: bigint) {
      const [count, stake, live] = [
        await operatorSets.memberCountAt(setId, epoch),
        await operatorSets.setStakeAt(setId, epoch),
        await operatorSets.isLive(setId, epoch),
      ];
      expect(await operatorSets.liveStakeAt(setId, epoch)).to.equal(live ? stake : 0n);
      return [count, stake, live];
    }

    it("a set with no stake counted is never live, whatever its minimums", async function () {
      const { operatorSets, service, operators, setId } = await loadFixture(setsFixture);
      const config = await operatorSets.setConfig(setId);
      expect([config.minMembers, config.minTotalStake]).to.deep.equal([0n, 0n]);
      const e = await operatorSets.currentEpoch();
      expect(await livenessAt(operatorSets, setId, e)).to.deep.equal([0n, 0n, false]);
      // zero minimums, set explicitly, change nothing
      await service.setLiveness(setId, 0, 0);

      // a member whose allocation counts from the next epoch: nothing counts in this one, nobody is drawn
      await operatorSets.connect(operators[0]).join(setId, MIN_STAKE);
      expect(await livenessAt(operatorSets, setId, e)).to.deep.equal([0n, 0n, false]);
      expect(await operatorSets.drawAt(setId, e, 0n)).to.equal(ethers.ZeroAddress);

      // the next epoch counts it: live, with nothing more to do
      await nextEpoch(operatorSets);
      expect(await livenessAt(operatorSets, setId, e + 1n)).to.deep.equal([1n, MIN_STAKE, true]);
      expect(await operatorSets.drawAt(setId, e + 1n, 0n)).to.equal(operators[0].address);

      // it leaves: it still counts in the epoch it left in, and from the next one the set has no stake again
      await operatorSets.connect(operators[0]).requestLeave(setId);
      expect(await livenessAt(operatorSets, setId, e + 1n)).to.deep.equal([1n, MIN_STAKE, true]);
      await nextEpoch(operatorSets);
      expect(await livenessAt(operatorSets, setId, e + 2n)).to.deep.equal([0n, 0n, false]);
      expect(await operatorSets.isLive(setId, e)).to.equal(false);
      await expect(operatorSets.isLive(99n, e))
        .to.be.revertedWithCustomError(operatorSets, "SetsUnknownSet")
        .withArgs(99n);
    });

    it("a set below its liveness minimums is not live: it takes minMembers operators and minTotalStake counted, exactly", async function () {
      const { operatorSets, service, operators, setId } = await loadFixture(setsFixture);
      const [op0, op1, op2] = operators;
      // operator 0's whole stake is not a whole number of ALT: the stake counted is exact, in wei
      const X = STAKES[0] + 1_600n * ALT;
      await expect(service.setLiveness(setId, 3, X))
        .to.emit(operatorSets, "LivenessUpdated")
        .withArgs(setId, 3, X);
      const config = await operatorSets.setConfig(setId);
      expect([config.minMembers, config.minTotalStake, config.minStake, config.maxSize]).to.deep.equal([
        3n,
        X,
        MIN_STAKE,
        BigInt(MAX_SIZE),
      ]);
      /** The next epoch's [memberCountAt, setStakeAt, isLive]. */
      const liveNext = async () => livenessAt(operatorSets, setId, await nextEpoch(operatorSets));

      // two operators, X + 400 ALT: enough stake, one operator short
      await operatorSets.connect(op0).join(setId, STAKES[0]);
      await operatorSets.connect(op1).join(setId, 2_000n * ALT);
      expect(await liveNext()).to.deep.equal([2n, X + 400n * ALT, false]);

      // three operators, exactly X
      await operatorSets.connect(op1).allocate(setId, 1_000n * ALT);
      await operatorSets.connect(op2).join(setId, 600n * ALT);
      expect(await liveNext()).to.deep.equal([3n, X, true]);

      // the same three operators and X, under minimums set in the epoch before: one wei more stake, or one more
      // operator, and it is not live; back to exactly the minimums, it is
      await service.setLiveness(setId, 3, X + 1n);
      expect(await liveNext()).to.deep.equal([3n, X, false]);
      await service.setLiveness(setId, 4, X);
      expect(await liveNext()).to.deep.equal([3n, X, false]);
      await service.setLiveness(setId, 3, X);
      expect(await liveNext()).to.deep.equal([3n, X, true]);

      // one wei of stake less (an allocation cut by one wei) and it is not live
      await operatorSets.connect(op1).allocate(setId, 1_000n * ALT - 1n);
      expect(await liveNext()).to.deep.equal([3n, X - 1n, false]);
    });

    it("a change of the minimums rewrites neither a past nor the current epoch", async function () {
      const { operatorSets, service, setId } = await loadFixture(joinedFixture);
      const total = sum(STAKES);
      const e = await operatorSets.currentEpoch();
      await nextEpoch(operatorSets);
      expect(await livenessAt(operatorSets, setId, e)).to.deep.equal([6n, total, true]);
      expect(await livenessAt(operatorSets, setId, e + 1n)).to.deep.equal([6n, total, true]);

      // in epoch e + 1 the service raises the minimums above the set (one more operator, one wei more stake): the past
      // epoch and the current one stay live
      const counted = await operatorSets.livenessAt(setId, e + 1n);
      await expect(service.setLiveness(setId, 7, total + 1n))
        .to.emit(operatorSets, "LivenessUpdated")
        .withArgs(setId, 7, total + 1n);
      const config = await operatorSets.setConfig(setId);
      expect([config.minMembers, config.minTotalStake]).to.deep.equal([7n, total + 1n]);
      expect(await operatorSets.isLive(setId, e)).to.equal(true);
      expect(await operatorSets.isLive(setId, e + 1n)).to.equal(true);
      expect(await operatorSets.livenessAt(setId, e + 1n)).to.deep.equal(counted);
      expect(await operatorSets.livenessAt(setId, e)).to.deep.equal(counted);
      expect(await operatorSets.livenessAt(setId, e + 2n)).to.deep.equal([7n, total + 1n]);

      // they count from the next epoch: the same six operators and stake are not live in it
      expect(await operatorSets.isLive(setId, e + 2n)).to.equal(false);
      await nextEpoch(operatorSets);
      expect(await livenessAt(operatorSets, setId, e + 2n)).to.deep.equal([6n, total, false]);

      // nor does lowering them revive the current epoch: only the next one
      await service.setLiveness(setId, 6, total);
      expect(await operatorSets.isLive(setId, e + 2n)).to.equal(false);
      expect(await operatorSets.isLive(setId, e + 3n)).to.equal(true);
      // several changes in one epoch: the last one counts from the next epoch
      await service.setLiveness(setId, 7, 0);
      expect(await operatorSets.isLive(setId, e + 3n)).to.equal(false);
      await service.setLiveness(setId, 6, total);
      expect(await operatorSets.livenessAt(setId, e + 3n)).to.deep.equal([6n, total]);
      await nextEpoch(operatorSets);
      expect(await livenessAt(operatorSets, setId, e + 3n)).to.deep.equal([6n, total, true]);
      // and every epoch before keeps what counted in it
      expect(await operatorSets.isLive(setId, e)).to.equal(true);
      expect(await operatorSets.isLive(setId, e + 1n)).to.equal(true);
      expect(await operatorSets.isLive(setId, e + 2n)).to.equal(false);
    });

    it("the least member count and the least stake are checked apart, up to 256 members and 2^192 - 1 wei", async function () {
      const { operatorSets, service, setId } = await loadFixture(joinedFixture);
      const total = sum(STAKES);
      /** The set's minimums, then the next epoch's liveness (the same six operators and stake). */
      const liveUnder = async (minMembers: number, minTotalStake: bigint) => {
        await service.setLiveness(setId, minMembers, minTotalStake);
        return operatorSets.isLive(setId, await nextEpoch(operatorSets));
      };
      expect(await liveUnder(0, MAX_MIN_TOTAL_STAKE)).to.equal(false);
      expect(await liveUnder(256, 0n)).to.equal(false);
      expect(await liveUnder(256, MAX_MIN_TOTAL_STAKE)).to.equal(false);
      expect(await liveUnder(6, total)).to.equal(true);
      expect(await liveUnder(7, 0n)).to.equal(false);
      expect(await liveUnder(0, total + 1n)).to.equal(false);
      expect(await liveUnder(0, 0n)).to.equal(true);
    });

    it("only the set's own service, not removed by governance, sets its liveness, at most 256 members and 2^192 - 1 wei", async function () {
      const { operatorSets, service, otherService, deployer, outsider, setId } = await loadFixture(setsFixture);
      await expect(otherService.setLiveness(setId, 1, 1))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotSetService")
        .withArgs(setId, await otherService.getAddress());
      await expect(operatorSets.connect(outsider).setLiveness(setId, 1, 1))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotSetService")
        .withArgs(setId, outsider.address);
      await expect(service.setLiveness(5n, 1, 1))
        .to.be.revertedWithCustomError(operatorSets, "SetsUnknownSet")
        .withArgs(5n);
      await expect(service.setLiveness(setId, 257, 1)).to.be.revertedWithCustomError(
        operatorSets,
        "SetsInvalidParameter",
      );
      await expect(service.setLiveness(setId, 1, MAX_MIN_TOTAL_STAKE + 1n)).to.be.revertedWithCustomError(
        operatorSets,
        "SetsInvalidParameter",
      );
      await expect(service.setLiveness(setId, 256, MAX_MIN_TOTAL_STAKE))
        .to.emit(operatorSets, "LivenessUpdated")
        .withArgs(setId, 256, MAX_MIN_TOTAL_STAKE);

      await operatorSets.connect(deployer).setService(service, false);
      await expect(service.setLiveness(setId, 1, 1))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotService")
        .withArgs(await service.getAddress());
      const config = await operatorSets.setConfig(setId);
      expect([config.minMembers, config.minTotalStake]).to.deep.equal([256n, MAX_MIN_TOTAL_STAKE]);
    });
  });

  // ================================================================= what counted in an epoch

  describe("member count (memberCountAt)", function () {
    it("counts a joining operator from the next epoch, and never one with nothing allocated", async function () {
      const { operatorSets, service, operators, setId } = await loadFixture(setsFixture);
      const [op0, op1, op2] = operators;
      const e = await nextEpoch(operatorSets);
      await operatorSets.connect(op0).join(setId, MIN_STAKE);
      await operatorSets.connect(op1).join(setId, 1_000n * ALT);
      expect(await operatorSets.memberCountAt(setId, e)).to.equal(0n);
      expect(await operatorSets.memberCountAt(setId, e + 1n)).to.equal(2n);
      expect(await operatorSets.memberCountAt(setId, 0n)).to.equal(0n);

      // a set without a minimum: a member with nothing allocated is no operator with stake in it, until it allocates
      const open = await createSet(service, "open", 0n, 4);
      await operatorSets.connect(op2).join(open, 0n);
      expect(await operatorSets.members(open)).to.deep.equal([op2.address]);
      expect(await operatorSets.memberCountAt(open, e + 1n)).to.equal(0n);
      await nextEpoch(operatorSets);
      await operatorSets.connect(op2).allocate(open, 1n);
      expect(await operatorSets.memberCountAt(open, e + 1n)).to.equal(0n);
      expect(await operatorSets.memberCountAt(open, e + 2n)).to.equal(1n);
      expect(await operatorSets.memberCountAt(setId, e + 2n)).to.equal(2n);
    });

    it("counts a leaving operator through the epoch it left in and out from the next", async function () {
      const { operatorSets, operators, setId } = await loadFixture(joinedFixture);
      const e = await operatorSets.currentEpoch();
      await operatorSets.connect(operators[1]).requestLeave(setId);
      expect(await operatorSets.members(setId)).to.have.length(5);
      expect(await operatorSets.memberCountAt(setId, e)).to.equal(6n);
      expect(await operatorSets.memberCountAt(setId, e + 1n)).to.equal(5n);
      await nextEpoch(operatorSets);
      expect(await operatorSets.memberCountAt(setId, e + 1n)).to.equal(5n);
      expect(await operatorSets.memberCountAt(setId, e)).to.equal(6n);
    });

    it("counts a replaced and a removed member out from the next epoch, the newcomer in from it", async function () {
      const { operatorSets, service, operators, outsider } = await loadFixture(setsFixture);
      const [op0, , op2, op3] = operators;
      const pair = await createSet(service, "pair", MIN_STAKE, 2);
      await operatorSets.connect(op0).join(pair, MIN_STAKE);
      await operatorSets.connect(op2).join(pair, STAKES[2]);
      const e = await nextEpoch(operatorSets);
      expect(await operatorSets.memberCountAt(pair, e)).to.equal(2n);

      // operator 3 replaces operator 0: one out and one in, both from the next epoch
      await expect(operatorSets.connect(op3).joinReplacing(pair, 1_000n * ALT, op0.address))
        .to.emit(operatorSets, "MemberReplaced")
        .withArgs(pair, op0.address, op3.address);
      expect(await operatorSets.memberCountAt(pair, e)).to.equal(2n);
      expect(await operatorSets.memberCountAt(pair, e + 1n)).to.equal(2n);
      expect(await operatorSets.allocationsAt(pair, [op0.address, op3.address], e)).to.deep.equal([MIN_STAKE, 0n]);
      expect(await operatorSets.allocationsAt(pair, [op0.address, op3.address], e + 1n)).to.deep.equal([
        0n,
        1_000n * ALT,
      ]);

      // a raised minimum leaves operator 2 below it: removed, it still counts in this epoch
      await service.updateSet(pair, 700n * ALT, 2);
      await expect(operatorSets.connect(outsider).removeMember(pair, op2.address))
        .to.emit(operatorSets, "MemberRemoved")
        .withArgs(pair, op2.address, STAKES[2]);
      expect(await operatorSets.memberCountAt(pair, e)).to.equal(2n);
      expect(await operatorSets.memberCountAt(pair, e + 1n)).to.equal(1n);
      await nextEpoch(operatorSets);
      expect(await operatorSets.memberCountAt(pair, e + 1n)).to.equal(1n);
      expect(await operatorSets.setStakeAt(pair, e + 1n)).to.equal(1_000n * ALT);
    });

    it("counts an operator whose allocation shrank to zero out from the next epoch, though it stays a member", async function () {
      const { operatorSets, registry, operators, setId } = await loadFixture(joinedFixture);
      const op2 = operators[2];
      const e = await operatorSets.currentEpoch();
      // operator 2 unstakes all its 600 ALT: its allocation shrinks to nothing
      await registry.connect(op2).requestUnstake(op2.address, 0, STAKES[2] * VIRTUAL_SHARES);
      expect((await operatorSets.allocation(setId, op2.address)).allocated).to.equal(0n);
      expect((await operatorSets.membership(setId, op2.address)).member).to.equal(true);
      expect(await operatorSets.memberCountAt(setId, e)).to.equal(6n);
      expect(await operatorSets.memberCountAt(setId, e + 1n)).to.equal(5n);
      // a shrink that leaves some stake changes no count
      await registry.connect(operators[3]).requestUnstake(operators[3].address, 0, 1_000n * ALT * VIRTUAL_SHARES);
      expect(await operatorSets.allocationAt(setId, operators[3].address, e + 1n)).to.equal(2_000n * ALT + 1n);
      expect(await operatorSets.memberCountAt(setId, e + 1n)).to.equal(5n);
    });

    it("counts several changes in one epoch once, by what holds at its end", async function () {
      const { operatorSets, operators, setId } = await loadFixture(setsFixture);
      const [op0, op1, , op3] = operators;
      const e = await nextEpoch(operatorSets);
      await operatorSets.connect(op0).join(setId, 600n * ALT);
      await operatorSets.connect(op0).allocate(setId, 900n * ALT);
      await operatorSets.connect(op0).allocate(setId, MIN_STAKE);
      // operator 1 joins and leaves within the epoch: it never counts
      await operatorSets.connect(op1).join(setId, 700n * ALT);
      await operatorSets.connect(op1).requestLeave(setId);
      await operatorSets.connect(op3).join(setId, 1_000n * ALT);
      expect(await operatorSets.memberCountAt(setId, e)).to.equal(0n);
      expect(await operatorSets.memberCountAt(setId, e + 1n)).to.equal(2n);
      expect(await operatorSets.allocationAt(setId, op1.address, e + 1n)).to.equal(0n);
      expect(await operatorSets.setStakeAt(setId, e + 1n)).to.equal(MIN_STAKE + 1_000n * ALT);

      // the next epoch: operator 3 leaves and operator 1 joins again, with what it held back
      await nextEpoch(operatorSets);
      await operatorSets.connect(op3).requestLeave(setId);
      await operatorSets.connect(op1).join(setId, 700n * ALT);
      expect(await operatorSets.memberCountAt(setId, e + 1n)).to.equal(2n);
      expect(await operatorSets.memberCountAt(setId, e + 2n)).to.equal(2n);
      expect(await operatorSets.allocationsAt(setId, [op0.address, op1.address, op3.address], e + 2n)).to.deep.equal([
        MIN_STAKE,
        700n * ALT,
        0n,
      ]);
    });

    it("counts an operator re-joining before it completed leaving once", async function () {
      const { operatorSets, operators, setId } = await loadFixture(joinedFixture);
      const [, op1, , , op4] = operators;
      const e = await operatorSets.currentEpoch();
      await operatorSets.connect(op1).requestLeave(setId);
      expect(await operatorSets.memberCountAt(setId, e + 1n)).to.equal(5n);

      // in the next epoch, operator 1 re-joins (its leave not completed): six, not seven
      await nextEpoch(operatorSets);
      await operatorSets.connect(op1).join(setId, STAKES[1]);
      expect(await operatorSets.memberCountAt(setId, e + 1n)).to.equal(5n);
      expect(await operatorSets.memberCountAt(setId, e + 2n)).to.equal(6n);
      // operator 4 leaves and re-joins within one epoch: still six
      await operatorSets.connect(op4).requestLeave(setId);
      await operatorSets.connect(op4).join(setId, STAKES[4]);
      expect(await operatorSets.memberCountAt(setId, e + 2n)).to.equal(6n);
      expect(await operatorSets.setsOf(op1.address)).to.deep.equal([setId]);
      expect(await operatorSets.setsOf(op4.address)).to.deep.equal([setId]);
      await nextEpoch(operatorSets);
      expect(await operatorSets.memberCountAt(setId, e + 2n)).to.equal(6n);
      expect(await operatorSets.setStakeAt(setId, e + 2n)).to.equal(sum(STAKES));
    });

    it("counts and draws every operator with stake counted: jailed in the set, slash-jailed or below the minimum", async function () {
      const { operatorSets, registry, service, operators, staker, setId } = await loadFixture(joinedFixture);
      const e = await operatorSets.currentEpoch();
      await service.jail(setId, operators[2].address, (await time.latest()) + days(3));
      await requestSlash(service, setId, operators[3].address, staker.address);
      await service.updateSet(setId, 1_000n * ALT, MAX_SIZE); // operator 4's 750 ALT is below
      expect((await operatorSets.membership(setId, operators[2].address)).jailedUntil).to.be.greaterThan(
        BigInt(await time.latest()),
      );
      expect(await registry.isJailed(operators[3].address)).to.equal(true);
      const joined: DrawOrder = operators.map((o, i) => [o.address, STAKES[i]]);
      // all six, at their allocations, in this epoch and the next (nothing changed their allocations)
      await expectDraws(operatorSets, setId, e, joined);
      await nextEpoch(operatorSets);
      await expectDraws(operatorSets, setId, e + 1n, joined);
    });
  });

  describe("allocations of a list (allocationsAt)", function () {
    it("gives allocationAt of each operator, in the order asked, zero for outsiders, through changes and slashes", async function () {
      const f = await loadFixture(setsFixture);
      const { operatorSets, registry, slashingManager, service, operators, carol, outsider, staker, setId } = f;
      const [op0, op1, op2, op3] = operators;
      const list = [op3, outsider, op0, op1, op2, carol, op0].map((o) => o.address);
      const first = await operatorSets.currentEpoch();
      const check = async (epoch: bigint) => {
        const each = await Promise.all(list.map((op) => operatorSets.allocationAt(setId, op, epoch)));
        expect(await operatorSets.allocationsAt(setId, list, epoch)).to.deep.equal(each);
        return each;
      };
      for (const i of [0, 1, 2, 3]) await operatorSets.connect(operators[i]).join(setId, STAKES[i]);
      const e = await nextEpoch(operatorSets);
      // operator 1 halves its allocation; operator 0 unstakes 400 ALT (its allocation shrinks to fit); operator 3 is
      // slashed 1 % once the veto window is over; operator 2 leaves
      await operatorSets.connect(op1).allocate(setId, 1_000n * ALT);
      await registry.connect(op0).requestUnstake(op0.address, 0, 400n * ALT * VIRTUAL_SHARES);
      const requestId = await slashingManager.requestCount();
      await requestSlash(service, setId, op3.address, staker.address);
      await time.increaseTo((await slashingManager.request(requestId)).executableAt);
      await slashingManager.execute(requestId);
      const slashedAt = await operatorSets.currentEpoch();
      await operatorSets.connect(op2).requestLeave(setId);

      const shrunk0 = await registry.operatorStake(op0.address);
      const slashed3 = STAKES[3] - (STAKES[3] * 100n) / BPS;
      expect(await check(first)).to.deep.equal(list.map(() => 0n));
      expect(await check(e)).to.deep.equal([STAKES[3], 0n, STAKES[0], STAKES[1], STAKES[2], 0n, STAKES[0]]);
      expect(await check(e + 1n)).to.deep.equal([STAKES[3], 0n, shrunk0, 1_000n * ALT, STAKES[2], 0n, shrunk0]);
      expect(await check(slashedAt)).to.deep.equal([STAKES[3], 0n, shrunk0, 1_000n * ALT, STAKES[2], 0n, shrunk0]);
      expect(await check(slashedAt + 1n)).to.deep.equal([slashed3, 0n, shrunk0, 1_000n * ALT, 0n, 0n, shrunk0]);
      expect(await check(slashedAt + 100n)).to.deep.equal([slashed3, 0n, shrunk0, 1_000n * ALT, 0n, 0n, shrunk0]);
    });

    it("answers an empty list with an empty one, and epochs before any change with zeros", async function () {
      const { operatorSets, operators, setId } = await loadFixture(joinedFixture);
      const e = await operatorSets.currentEpoch();
      expect(await operatorSets.allocationsAt(setId, [], e)).to.deep.equal([]);
      const all = operators.map((o) => o.address);
      expect(await operatorSets.allocationsAt(setId, all, e)).to.deep.equal(STAKES);
      // the operators joined in epoch e - 1: nothing counted there, nor in epoch 0
      expect(await operatorSets.allocationsAt(setId, all, e - 1n)).to.deep.equal(STAKES.map(() => 0n));
      expect(await operatorSets.allocationsAt(setId, all, 0n)).to.deep.equal(STAKES.map(() => 0n));
    });
  });

  // ================================================================= epochs

  describe("epochs", function () {
    it("numbers epochs from genesis in epochLength steps", async function () {
      const { operatorSets, genesis, epochLength } = await loadFixture(setsFixture);
      for (const k of [1n, 2n, 7n]) {
        expect(await operatorSets.epochStart(k)).to.equal(genesis + k * epochLength);
        expect(await operatorSets.epochAt(genesis + k * epochLength - 1n)).to.equal(k - 1n);
        await time.increaseTo(genesis + k * epochLength - 1n);
        expect(await operatorSets.currentEpoch()).to.equal(k - 1n);
        await time.increaseTo(genesis + k * epochLength);
        expect(await operatorSets.currentEpoch()).to.equal(k);
      }
      expect(await operatorSets.epochAt(genesis - 1n)).to.equal(0n);
    });
  });

  describe("what an epoch draws", function () {
    /**
     * Of the six members: 1 left (5 takes its place in the list at once, and in the draw from the next epoch), 2 is
     * jailed in the set, 3 has a pending slash request, 4 unstaked down to 450 ALT (its allocation shrank below the
     * minimum), 5 unstaked some shares (its allocation shrank to fit); 0 got more stake but did not allocate it. Then
     * the next epoch begins.
     */
    async function mixedFixture() {
      const base = await loadFixture(joinedFixture);
      const { operatorSets, registry, service, operators, setId, staker } = base;
      const now = await time.latest();
      const before = await operatorSets.currentEpoch();
      await operatorSets.connect(operators[1]).requestLeave(setId);
      await service.jail(setId, operators[2].address, now + days(3));
      await requestSlash(service, setId, operators[3].address, staker.address, "r");
      await registry.connect(operators[4]).requestUnstake(operators[4].address, 0, 300n * ALT * VIRTUAL_SHARES);
      const queued5 = 100n * ALT * VIRTUAL_SHARES + 12_345n;
      await registry.connect(operators[5]).requestUnstake(operators[5].address, 0, queued5);
      // another staker adds to operator 0
      await registry.connect(staker).stake(operators[0].address, 0, 5n * ALT + 17n);
      const expected0 = STAKES[0] + 5n * ALT + 17n;
      const total5 = STAKES[5] * VIRTUAL_SHARES; // the first deposit got amount * 1e6 shares
      const expected5 = shareValue(total5 - queued5, STAKES[5], total5);
      await nextEpoch(operatorSets);
      return { ...base, before, expected0, expected5 };
    }

    it("draws every allocation counted, at its amount: jailed, slash-jailed, below the minimum or shrunk; a left member through its epoch only", async function () {
      const { operatorSets, registry, operators, setId, before, expected0, expected5 } =
        await loadFixture(mixedFixture);
      // the registry agrees with the independent computation
      expect(await registry.operatorStake(operators[0].address)).to.equal(expected0);
      expect(await registry.operatorStake(operators[5].address)).to.equal(expected5);
      expect(await registry.operatorStake(operators[4].address)).to.equal(450n * ALT);
      expect(await registry.isJailed(operators[3].address)).to.equal(true);
      // the allocations that count now: 0 kept its own, 4 and 5 shrank to their active stake
      expect((await operatorSets.allocation(setId, operators[0].address)).allocated).to.equal(STAKES[0]);
      expect((await operatorSets.allocation(setId, operators[4].address)).allocated).to.equal(450n * ALT);
      expect((await operatorSets.allocation(setId, operators[5].address)).allocated).to.equal(expected5);

      const epoch = await operatorSets.currentEpoch();
      expect(epoch).to.equal(before + 1n);
      // operator 0 at its allocation, not its larger stake; the left operator 1's position went to the last one (5);
      // the jailed 2 and 3 and operator 4, below the minimum, at their whole allocations
      await expectDraws(operatorSets, setId, epoch, [
        [operators[0].address, STAKES[0]],
        [operators[5].address, expected5],
        [operators[2].address, STAKES[2]],
        [operators[3].address, STAKES[3]],
        [operators[4].address, 450n * ALT],
      ]);
      // the epoch of the changes drew as before them, operator 1 included
      await expectDraws(
        operatorSets,
        setId,
        before,
        operators.map((o, i) => [o.address, STAKES[i]]),
      );
    });
  });

  // ================================================================= the largest set

  describe("a set of 256 members", function () {
    const SIZE = 256;
    /** A bound on the gas of the costliest draw of a full set, as a call (measured: 287,835, base cost included). */
    const DRAW_GAS = 300_000n;

    async function fullSetFixture() {
      const base = await loadFixture(setsFixture);
      const { operatorSets, registry, staker } = base;
      const fullId = await createSet(base.service, "full", ALT, SIZE);
      const wallets = [];
      const stakes: bigint[] = [];
      for (let i = 0; i <= SIZE; i++) {
        // deterministic keys: the same operators on every run
        const wallet = new ethers.Wallet(ethers.id(`operator ${i}`), ethers.provider);
        await setBalance(wallet.address, 10n ** 18n);
        await (await registry.connect(wallet).registerOperator(`ipfs://${i}`, 0)).wait();
        const amount = ALT + BigInt(i) * 1_000_000_007n;
        await registry.connect(staker).stake(wallet.address, 0, amount);
        const stake = await registry.operatorStake(wallet.address);
        if (i < SIZE) await (await operatorSets.connect(wallet).join(fullId, stake)).wait();
        wallets.push(wallet);
        stakes.push(stake);
      }
      await nextEpoch(operatorSets);
      return { ...base, fullId, wallets, stakes };
    }

    it("refuses the 257th member", async function () {
      const { operatorSets, fullId, wallets, stakes } = await loadFixture(fullSetFixture);
      expect(await operatorSets.members(fullId)).to.have.length(SIZE);
      await expect(operatorSets.connect(wallets[SIZE]).join(fullId, stakes[SIZE]))
        .to.be.revertedWithCustomError(operatorSets, "SetsFull")
        .withArgs(fullId, SIZE);
    });

    it("draws over all 256 members in 16 buckets: the first and last random of each bucket's first and last position", async function () {
      const { operatorSets, fullId, wallets, stakes } = await loadFixture(fullSetFixture);
      const epoch = await operatorSets.currentEpoch();
      const order: DrawOrder = wallets.slice(0, SIZE).map((w, i) => [w.address, stakes[i]]);
      const total = sum(stakes.slice(0, SIZE));
      expect(await operatorSets.setStakeAt(fullId, epoch)).to.equal(total);
      let start = 0n;
      for (const [i, [operator, allocation]] of order.entries()) {
        if (i % BUCKET === 0 || i % BUCKET === BUCKET - 1) {
          expect(await operatorSets.drawAt(fullId, epoch, start), `position ${i}`).to.equal(operator);
          expect(await operatorSets.drawAt(fullId, epoch, start + allocation - 1n), `position ${i}`).to.equal(operator);
        }
        start += allocation;
      }
      expect(await operatorSets.drawAt(fullId, epoch, total)).to.equal(wallets[0].address);
      expect(await operatorSets.drawAt(fullId, epoch, ethers.MaxUint256)).to.equal(drawFrom(order, ethers.MaxUint256));
      // the costliest draw, the last random (every bucket's total, then every position of the last bucket), is bounded
      const gas = await operatorSets.drawAt.estimateGas(fullId, epoch, total - 1n);
      if (!coverageRunning()) expect(gas).to.be.lessThan(DRAW_GAS);
    });

    it("counts all 256 members in an epoch and reads their allocations in one call", async function () {
      const { operatorSets, service, fullId, wallets, stakes } = await loadFixture(fullSetFixture);
      const epoch = await operatorSets.currentEpoch();
      const all = wallets.slice(0, SIZE).map((w) => w.address);
      expect(await operatorSets.memberCountAt(fullId, epoch)).to.equal(BigInt(SIZE));
      expect(await operatorSets.allocationsAt(fullId, all, epoch)).to.deep.equal(stakes.slice(0, SIZE));
      // live at the largest minimums it can meet: all 256 members and every wei of their stake
      await service.setLiveness(fullId, SIZE, sum(stakes.slice(0, SIZE)));
      const next = await nextEpoch(operatorSets);
      expect(await operatorSets.isLive(fullId, next)).to.equal(true);
    });
  });

  // ================================================================= upgrades

  describe("upgrades", function () {
    it("validates OperatorSetsV2 as a storage-compatible UUPS upgrade", async function () {
      const V1 = await ethers.getContractFactory("OperatorSets");
      const V2 = await ethers.getContractFactory("OperatorSetsV2");
      await upgrades.validateUpgrade(V1, V2, { kind: "uups" });
    });

    it("refuses as an upgrade a contract that drops the OperatorSets storage namespace", async function () {
      const V1 = await ethers.getContractFactory("OperatorSets");
      const Other = await ethers.getContractFactory("SlashingManager");
      const error = await upgrades.validateUpgrade(V1, Other, { kind: "uups" }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message).to.include("alt.storage.OperatorSets");
    });

    it("lets only the owner upgrade the proxy, keeping its state", async function () {
      const { operatorSets, deployer, outsider, setId, service, operators } = await loadFixture(joinedFixture);
      const v2 = await (await ethers.getContractFactory("OperatorSetsV2")).deploy();
      await expect(operatorSets.connect(outsider).upgradeToAndCall(v2, "0x"))
        .to.be.revertedWithCustomError(operatorSets, "OwnableUnauthorizedAccount")
        .withArgs(outsider.address);
      await operatorSets.connect(deployer).upgradeToAndCall(v2, "0x");
      const upgraded = await ethers.getContractAt("OperatorSetsV2", await operatorSets.getAddress());
      expect(await upgraded.version()).to.equal(2n);
      expect((await upgraded.setConfig(setId)).service).to.equal(await service.getAddress());
      expect(await upgraded.members(setId)).to.deep.equal(operators.map((o) => o.address));
      expect(await upgraded.allocation(setId, operators[3].address)).to.deep.equal([STAKES[3], 0n, 0n]);
      expect(await upgraded.setsOf(operators[3].address)).to.deep.equal([setId]);
    });
  });
});
