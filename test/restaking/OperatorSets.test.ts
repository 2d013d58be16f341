import { expect } from "chai";
import { ethers, network, upgrades } from "hardhat";
import { loadFixture, setBalance, setPrevRandao, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { OperatorSets } from "../../typechain-types";
import { ALT } from "../helpers/constants";
import { DAY, days } from "../helpers/time";
import { deployProtocol } from "../helpers/protocol";
import { coverageRunning } from "../helpers/coverage";
import { keyProof } from "../helpers/keys";

const coder = ethers.AbiCoder.defaultAbiCoder();
const STAKE_UNIT = 10n ** 9n;
const VIRTUAL_SHARES = 10n ** 6n;
const YEAR_SECONDS = 365 * DAY;

/** The set id of `key` created by `service`, computed independently of the contract. */
function setIdOf(service: string, key: string): bigint {
  return BigInt(ethers.keccak256(coder.encode(["address", "bytes32"], [service, key])));
}

/** keccak256(abi.encode(prevrandao, setId, epoch)). */
function seedOf(prevRandao: bigint | string, setId: bigint, epoch: bigint): string {
  return ethers.keccak256(coder.encode(["uint256", "uint256", "uint256"], [prevRandao, setId, epoch]));
}

/** The prevrandao of a mined block (ethers does not expose it on the hardhat network: read the raw mixHash). */
async function prevRandaoOf(blockNumber: number): Promise<string> {
  const block = await network.provider.send("eth_getBlockByNumber", [ethers.toQuantity(blockNumber), false]);
  return block.mixHash as string;
}

/** A stake rounded down to whole snapshot units, as a snapshot stores it. */
const inUnits = (stake: bigint) => (stake / STAKE_UNIT) * STAKE_UNIT;

/** Value of `shares` of a pool holding `assets` for `totalShares`: shares * (assets + 1) / (totalShares + 1e6). */
const shareValue = (shares: bigint, assets: bigint, totalShares: bigint) =>
  (shares * (assets + 1n)) / (totalShares + VIRTUAL_SHARES);

describe("OperatorSets", function () {
  // Stakes of operators 0..5 (ALT, self-staked into fresh pools: the pool value equals the deposit exactly).
  const STAKES = [
    1_000n * ALT + 123_456_789n, // not a whole number of units
    2_000n * ALT + 999_999_999n,
    600n * ALT,
    3_000n * ALT + 1n,
    750n * ALT,
    1_200n * ALT + 7n * STAKE_UNIT + 3n,
  ];
  const MIN_STAKE = 500n * ALT;
  const MAX_SIZE = 8;
  const KEY = ethers.id("rollup-1");

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
      await registry
        .connect(operator)
        .registerOperator(
          `ipfs://operator-${i}`,
          500,
          operator.address,
          await keyProof(registry, operator.address, operator.address),
        );
      await token.connect(operator).approve(registryAddress, ethers.MaxUint256);
      await registry.connect(operator).stake(operator.address, 0, STAKES[i]);
    }
    const outsider = users[8];
    const staker = users[9];
    await token.connect(staker).approve(registryAddress, ethers.MaxUint256);

    await service.createSet(KEY, MIN_STAKE, MAX_SIZE);
    const setId = setIdOf(await service.getAddress(), KEY);

    // genesis: the timestamp of the block that initialised the proxy (the one LeaveDelayUpdated event so far)
    const [initEvent] = await operatorSets.queryFilter(operatorSets.filters.LeaveDelayUpdated());
    const genesis = BigInt((await ethers.provider.getBlock(initEvent.blockNumber))!.timestamp);
    const epochLength = BigInt(config.epochLength);
    const leaveDelay = BigInt(config.leaveDelay);

    return {
      ...deployment,
      service,
      otherService,
      operators,
      outsider,
      staker,
      setId,
      genesis,
      epochLength,
      leaveDelay,
    };
  }

  /** Operators 0..5 joined the set in order. */
  async function joinedFixture() {
    const base = await loadFixture(setsFixture);
    for (const operator of base.operators) await base.operatorSets.connect(operator).join(base.setId);
    return base;
  }

  /** Implementation and proxy factories for fresh proxies. */
  async function freshProxyFixture() {
    const base = await loadFixture(setsFixture);
    const OperatorSetsFactory = await ethers.getContractFactory("OperatorSets");
    const implementation = await OperatorSetsFactory.deploy();
    const Proxy = await ethers.getContractFactory("ERC1967Proxy");
    const deployProxy = async (owner: string, registry: string, epochLength: number, leaveDelay: number) => {
      const data = implementation.interface.encodeFunctionData("initialize", [
        owner,
        registry,
        epochLength,
        leaveDelay,
      ]);
      return Proxy.deploy(implementation, data);
    };
    return { ...base, implementation, deployProxy };
  }

  async function expectMembers(operatorSets: OperatorSets, setId: bigint, expected: string[]) {
    expect(await operatorSets.members(setId)).to.deep.equal(expected);
    for (const [i, operator] of expected.entries()) {
      const m = await operatorSets.membership(setId, operator);
      expect(m.member).to.equal(true);
      expect(m.index).to.equal(BigInt(i));
    }
  }

  async function timestampOf(tx: { wait(): Promise<unknown> }): Promise<bigint> {
    const receipt = (await tx.wait()) as { blockNumber: number };
    return BigInt((await ethers.provider.getBlock(receipt.blockNumber))!.timestamp);
  }

  /** Moves to the start of the next epoch. */
  async function nextEpoch(operatorSets: OperatorSets, genesis: bigint, epochLength: bigint) {
    const epoch = await operatorSets.currentEpoch();
    await time.increaseTo(genesis + (epoch + 1n) * epochLength);
  }

  // ================================================================= initialize

  describe("initialize", function () {
    it("records the owner, registry, epoch length, leave delay and genesis of the deployed proxy", async function () {
      const { operatorSets, registry, deployer, genesis, epochLength, leaveDelay } = await loadFixture(setsFixture);
      expect(await operatorSets.owner()).to.equal(deployer.address);
      expect(await operatorSets.registry()).to.equal(await registry.getAddress());
      expect(epochLength).to.equal(BigInt(DAY));
      expect(await operatorSets.epochLength()).to.equal(epochLength);
      expect(leaveDelay).to.equal(BigInt(days(7)));
      expect(await operatorSets.leaveDelay()).to.equal(leaveDelay);
      expect(await operatorSets.epochStart(0)).to.equal(genesis);
      expect(await operatorSets.STAKE_UNIT()).to.equal(STAKE_UNIT);
      expect(await operatorSets.MAX_SET_SIZE()).to.equal(256n);
    });

    it("initialises a fresh proxy with a 365-day leave delay and emits LeaveDelayUpdated", async function () {
      const { deployProxy, registry, outsider } = await loadFixture(freshProxyFixture);
      const proxy = await deployProxy(outsider.address, await registry.getAddress(), 3_600, YEAR_SECONDS);
      const sets = await ethers.getContractAt("OperatorSets", await proxy.getAddress());
      await expect(proxy.deploymentTransaction()).to.emit(sets, "LeaveDelayUpdated").withArgs(YEAR_SECONDS);
      const genesis = await timestampOf(proxy.deploymentTransaction()!);
      expect(await sets.owner()).to.equal(outsider.address);
      expect(await sets.registry()).to.equal(await registry.getAddress());
      expect(await sets.epochLength()).to.equal(3_600n);
      expect(await sets.leaveDelay()).to.equal(BigInt(YEAR_SECONDS));
      expect(await sets.epochStart(0)).to.equal(genesis);
      expect(await sets.epochStart(5)).to.equal(genesis + 5n * 3_600n);
      expect(await sets.currentEpoch()).to.equal(0n);
    });

    it("refuses a zero registry", async function () {
      const { deployProxy, implementation, outsider } = await loadFixture(freshProxyFixture);
      await expect(deployProxy(outsider.address, ethers.ZeroAddress, DAY, days(7))).to.be.revertedWithCustomError(
        implementation,
        "SetsInvalidParameter",
      );
    });

    it("refuses a zero epoch length", async function () {
      const { deployProxy, implementation, registry, outsider } = await loadFixture(freshProxyFixture);
      await expect(
        deployProxy(outsider.address, await registry.getAddress(), 0, days(7)),
      ).to.be.revertedWithCustomError(implementation, "SetsInvalidParameter");
    });

    it("refuses a leave delay above 365 days", async function () {
      const { deployProxy, implementation, registry, outsider } = await loadFixture(freshProxyFixture);
      await expect(
        deployProxy(outsider.address, await registry.getAddress(), DAY, YEAR_SECONDS + 1),
      ).to.be.revertedWithCustomError(implementation, "SetsInvalidParameter");
    });

    it("cannot be initialised twice, nor through the implementation", async function () {
      const { operatorSets, implementation, registry, outsider } = await loadFixture(freshProxyFixture);
      const registryAddress = await registry.getAddress();
      await expect(
        operatorSets.initialize(outsider.address, registryAddress, DAY, days(7)),
      ).to.be.revertedWithCustomError(operatorSets, "InvalidInitialization");
      await expect(
        implementation.initialize(outsider.address, registryAddress, DAY, days(7)),
      ).to.be.revertedWithCustomError(implementation, "InvalidInitialization");
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

  describe("setLeaveDelay", function () {
    it("sets the delay up to 365 days and emits LeaveDelayUpdated", async function () {
      const { operatorSets, deployer } = await loadFixture(setsFixture);
      await expect(operatorSets.connect(deployer).setLeaveDelay(YEAR_SECONDS))
        .to.emit(operatorSets, "LeaveDelayUpdated")
        .withArgs(YEAR_SECONDS);
      expect(await operatorSets.leaveDelay()).to.equal(BigInt(YEAR_SECONDS));
      await expect(operatorSets.connect(deployer).setLeaveDelay(0))
        .to.emit(operatorSets, "LeaveDelayUpdated")
        .withArgs(0);
      expect(await operatorSets.leaveDelay()).to.equal(0n);
    });

    it("refuses a delay above 365 days", async function () {
      const { operatorSets, deployer } = await loadFixture(setsFixture);
      await expect(operatorSets.connect(deployer).setLeaveDelay(YEAR_SECONDS + 1)).to.be.revertedWithCustomError(
        operatorSets,
        "SetsInvalidParameter",
      );
    });

    it("refuses a caller that is not the owner", async function () {
      const { operatorSets, outsider } = await loadFixture(setsFixture);
      await expect(operatorSets.connect(outsider).setLeaveDelay(0))
        .to.be.revertedWithCustomError(operatorSets, "OwnableUnauthorizedAccount")
        .withArgs(outsider.address);
    });
  });

  // ================================================================= services

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
      expect(await operatorSets.members(expectedId)).to.deep.equal([]);
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
      for (const operator of operators.slice(0, 3)) await operatorSets.connect(operator).join(setId);
      await service.updateSet(setId, MIN_STAKE, 2);
      await expectMembers(
        operatorSets,
        setId,
        operators.slice(0, 3).map((o) => o.address),
      );
      await expect(operatorSets.connect(operators[3]).join(setId))
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
      const m = await operatorSets.membership(setId, operators[2].address);
      expect([m.member, m.index, m.leaveAt, m.jailedUntil]).to.deep.equal([true, 2n, 0n, until]);
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

    it("refuses an operator that is not a member", async function () {
      const { operatorSets, service, outsider, setId } = await loadFixture(joinedFixture);
      await expect(service.jail(setId, outsider.address, 1n << 40n))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotMember")
        .withArgs(setId, outsider.address);
    });
  });

  // ================================================================= operators

  describe("join", function () {
    it("adds the operator at the end of the member list and emits Joined", async function () {
      const { operatorSets, operators, setId } = await loadFixture(setsFixture);
      await expect(operatorSets.connect(operators[0]).join(setId))
        .to.emit(operatorSets, "Joined")
        .withArgs(setId, operators[0].address);
      await expect(operatorSets.connect(operators[1]).join(setId))
        .to.emit(operatorSets, "Joined")
        .withArgs(setId, operators[1].address);
      await expectMembers(operatorSets, setId, [operators[0].address, operators[1].address]);
      const m = await operatorSets.membership(setId, operators[1].address);
      expect([m.member, m.index, m.leaveAt, m.jailedUntil]).to.deep.equal([true, 1n, 0n, 0n]);
    });

    it("refuses an unknown set", async function () {
      const { operatorSets, operators } = await loadFixture(setsFixture);
      await expect(operatorSets.connect(operators[0]).join(9n))
        .to.be.revertedWithCustomError(operatorSets, "SetsUnknownSet")
        .withArgs(9n);
    });

    it("refuses an account that is not a registered operator", async function () {
      const { operatorSets, outsider, setId } = await loadFixture(setsFixture);
      await expect(operatorSets.connect(outsider).join(setId))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotOperator")
        .withArgs(outsider.address);
    });

    it("refuses a stake below the minimum and accepts exactly the minimum", async function () {
      const { operatorSets, registry, service, operators } = await loadFixture(setsFixture);
      const stake = STAKES[0];
      expect(await registry.operatorStake(operators[0].address)).to.equal(stake);
      await service.createSet(ethers.id("strict"), stake + 1n, 4);
      const strict = setIdOf(await service.getAddress(), ethers.id("strict"));
      await expect(operatorSets.connect(operators[0]).join(strict))
        .to.be.revertedWithCustomError(operatorSets, "SetsStakeTooLow")
        .withArgs(stake, stake + 1n);
      await service.createSet(ethers.id("exact"), stake, 4);
      const exact = setIdOf(await service.getAddress(), ethers.id("exact"));
      await expect(operatorSets.connect(operators[0]).join(exact))
        .to.emit(operatorSets, "Joined")
        .withArgs(exact, operators[0].address);
    });

    it("does not count queued (requested) shares as stake", async function () {
      const { operatorSets, registry, operators, setId } = await loadFixture(setsFixture);
      // operator 4 holds 750 ALT; it queues 300 ALT worth of shares and keeps 450 < 500 active
      await registry.connect(operators[4]).requestUnstake(operators[4].address, 0, 300n * ALT * VIRTUAL_SHARES);
      await expect(operatorSets.connect(operators[4]).join(setId))
        .to.be.revertedWithCustomError(operatorSets, "SetsStakeTooLow")
        .withArgs(450n * ALT, MIN_STAKE);
    });

    it("refuses a join into a full set", async function () {
      const { operatorSets, service, operators } = await loadFixture(setsFixture);
      await service.createSet(ethers.id("pair"), 0, 2);
      const pair = setIdOf(await service.getAddress(), ethers.id("pair"));
      await operatorSets.connect(operators[0]).join(pair);
      await operatorSets.connect(operators[1]).join(pair);
      await expect(operatorSets.connect(operators[2]).join(pair))
        .to.be.revertedWithCustomError(operatorSets, "SetsFull")
        .withArgs(pair, 2);
    });

    it("refuses a member joining twice", async function () {
      const { operatorSets, operators, setId } = await loadFixture(joinedFixture);
      await expect(operatorSets.connect(operators[0]).join(setId))
        .to.be.revertedWithCustomError(operatorSets, "SetsAlreadyMember")
        .withArgs(setId, operators[0].address);
    });

    it("refuses an operator with a pending slash request until it is vetoed", async function () {
      const { operatorSets, slashingManager, council, service, operators, setId } = await loadFixture(setsFixture);
      const now = await time.latest();
      await service.requestSlash(
        operators[0].address,
        100,
        ethers.id("double-sign"),
        ethers.id("ev"),
        operators[1].address,
        now,
      );
      await expect(operatorSets.connect(operators[0]).join(setId))
        .to.be.revertedWithCustomError(operatorSets, "SetsOperatorJailed")
        .withArgs(operators[0].address);
      await slashingManager.connect(council).veto(0);
      await expect(operatorSets.connect(operators[0]).join(setId)).to.emit(operatorSets, "Joined");
    });

    it("keeps a set jail term across leaving and re-joining", async function () {
      const { operatorSets, service, operators, setId, leaveDelay } = await loadFixture(joinedFixture);
      const operator = operators[1];
      const until = BigInt(await time.latest()) + BigInt(days(30));
      await service.jail(setId, operator.address, until);
      const leaveAt = (await timestampOf(await operatorSets.connect(operator).requestLeave(setId))) + leaveDelay;
      await time.increaseTo(leaveAt);
      await operatorSets.connect(operator).completeLeave(setId);
      const left = await operatorSets.membership(setId, operator.address);
      expect([left.member, left.index, left.leaveAt, left.jailedUntil]).to.deep.equal([false, 0n, 0n, until]);

      await time.setNextBlockTimestamp(until - 1n);
      await expect(operatorSets.connect(operator).join(setId))
        .to.be.revertedWithCustomError(operatorSets, "SetsJailed")
        .withArgs(setId, operator.address, until);

      await time.setNextBlockTimestamp(until);
      await expect(operatorSets.connect(operator).join(setId))
        .to.emit(operatorSets, "Joined")
        .withArgs(setId, operator.address);
      const back = await operatorSets.membership(setId, operator.address);
      expect([back.member, back.index, back.leaveAt, back.jailedUntil]).to.deep.equal([
        true,
        BigInt(operators.length - 1),
        0n,
        until,
      ]);
    });
  });

  describe("requestLeave", function () {
    it("records leaveAt = now + leaveDelay and emits LeaveRequested", async function () {
      const { operatorSets, operators, setId, leaveDelay } = await loadFixture(joinedFixture);
      const now = BigInt(await time.latest()) + 10n;
      await time.setNextBlockTimestamp(now);
      await expect(operatorSets.connect(operators[3]).requestLeave(setId))
        .to.emit(operatorSets, "LeaveRequested")
        .withArgs(setId, operators[3].address, now + leaveDelay);
      const m = await operatorSets.membership(setId, operators[3].address);
      expect([m.member, m.index, m.leaveAt, m.jailedUntil]).to.deep.equal([true, 3n, now + leaveDelay, 0n]);
      // still a member until it completes
      await expectMembers(
        operatorSets,
        setId,
        operators.map((o) => o.address),
      );
    });

    it("refuses a second request", async function () {
      const { operatorSets, operators, setId, leaveDelay } = await loadFixture(joinedFixture);
      const leaveAt = (await timestampOf(await operatorSets.connect(operators[0]).requestLeave(setId))) + leaveDelay;
      await expect(operatorSets.connect(operators[0]).requestLeave(setId))
        .to.be.revertedWithCustomError(operatorSets, "SetsLeavePending")
        .withArgs(setId, operators[0].address, leaveAt);
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
    it("refuses completion before leaveAt and completes exactly at leaveAt", async function () {
      const { operatorSets, operators, setId, leaveDelay } = await loadFixture(joinedFixture);
      const operator = operators[5]; // the last member: nothing moves
      const leaveAt = (await timestampOf(await operatorSets.connect(operator).requestLeave(setId))) + leaveDelay;
      await time.setNextBlockTimestamp(leaveAt - 1n);
      await expect(operatorSets.connect(operator).completeLeave(setId))
        .to.be.revertedWithCustomError(operatorSets, "SetsLeavePending")
        .withArgs(setId, operator.address, leaveAt);
      await time.setNextBlockTimestamp(leaveAt);
      await expect(operatorSets.connect(operator).completeLeave(setId))
        .to.emit(operatorSets, "Left")
        .withArgs(setId, operator.address);
      const m = await operatorSets.membership(setId, operator.address);
      expect([m.member, m.index, m.leaveAt, m.jailedUntil]).to.deep.equal([false, 0n, 0n, 0n]);
      await expectMembers(
        operatorSets,
        setId,
        operators.slice(0, 5).map((o) => o.address),
      );
    });

    it("keeps the leaveAt fixed at request time when the delay changes", async function () {
      const { operatorSets, operators, deployer, setId, leaveDelay } = await loadFixture(joinedFixture);
      const leaveAt = (await timestampOf(await operatorSets.connect(operators[0]).requestLeave(setId))) + leaveDelay;
      await operatorSets.connect(deployer).setLeaveDelay(YEAR_SECONDS);
      await time.setNextBlockTimestamp(leaveAt);
      await expect(operatorSets.connect(operators[0]).completeLeave(setId)).to.emit(operatorSets, "Left");
    });

    it("refuses a member that did not request to leave", async function () {
      const { operatorSets, operators, setId } = await loadFixture(joinedFixture);
      await expect(operatorSets.connect(operators[0]).completeLeave(setId))
        .to.be.revertedWithCustomError(operatorSets, "SetsLeaveNotRequested")
        .withArgs(setId, operators[0].address);
    });

    it("refuses an operator that is not a member, and an unknown set", async function () {
      const { operatorSets, operators, outsider, setId } = await loadFixture(joinedFixture);
      await expect(operatorSets.connect(outsider).completeLeave(setId))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotMember")
        .withArgs(setId, outsider.address);
      await expect(operatorSets.connect(operators[0]).completeLeave(5n))
        .to.be.revertedWithCustomError(operatorSets, "SetsUnknownSet")
        .withArgs(5n);
    });

    it("keeps member indexes consistent through swap-and-pop removals", async function () {
      const { operatorSets, operators, setId, leaveDelay } = await loadFixture(joinedFixture);
      const [o0, o1, o2, o3, o4, o5] = operators.map((o) => o.address);
      const leave = async (operator: HardhatEthersSigner) => {
        await operatorSets.connect(operator).requestLeave(setId);
        await time.increase(leaveDelay);
        await operatorSets.connect(operator).completeLeave(setId);
        const m = await operatorSets.membership(setId, operator.address);
        expect([m.member, m.index, m.leaveAt, m.jailedUntil]).to.deep.equal([false, 0n, 0n, 0n]);
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
      // a left operator re-joins at the end
      await operatorSets.connect(operators[1]).join(setId);
      await expectMembers(operatorSets, setId, [o4, o5, o2, o1]);
      await leave(operators[5]);
      await expectMembers(operatorSets, setId, [o4, o1, o2]);
      await leave(operators[4]);
      await leave(operators[1]);
      await leave(operators[2]);
      await expectMembers(operatorSets, setId, []);
    });
  });

  // ================================================================= epochs and snapshots

  describe("epochs", function () {
    it("numbers epochs from genesis in epochLength steps", async function () {
      const { operatorSets, genesis, epochLength } = await loadFixture(setsFixture);
      for (const k of [1n, 2n, 7n]) {
        expect(await operatorSets.epochStart(k)).to.equal(genesis + k * epochLength);
        await time.increaseTo(genesis + k * epochLength - 1n);
        expect(await operatorSets.currentEpoch()).to.equal(k - 1n);
        await time.increaseTo(genesis + k * epochLength);
        expect(await operatorSets.currentEpoch()).to.equal(k);
      }
    });
  });

  describe("snapshot", function () {
    /**
     * Of the six members: 1 is leaving, 2 is jailed in the set, 3 has a pending slash request, 4 queued shares and is
     * below the minimum, 5 queued some shares and stays above it. Only 0 and 5 are recorded.
     */
    async function mixedFixture() {
      const base = await loadFixture(joinedFixture);
      const { operatorSets, registry, service, operators, setId, staker } = base;
      const now = await time.latest();
      await operatorSets.connect(operators[1]).requestLeave(setId);
      await service.jail(setId, operators[2].address, now + days(3));
      await service.requestSlash(operators[3].address, 50, ethers.id("r"), ethers.id("e"), staker.address, now);
      await registry.connect(operators[4]).requestUnstake(operators[4].address, 0, 300n * ALT * VIRTUAL_SHARES);
      const queued5 = 100n * ALT * VIRTUAL_SHARES + 12_345n;
      await registry.connect(operators[5]).requestUnstake(operators[5].address, 0, queued5);
      // another staker adds to operator 0
      await registry.connect(staker).stake(operators[0].address, 0, 5n * ALT + 17n);
      const expected0 = STAKES[0] + 5n * ALT + 17n;
      const total5 = STAKES[5] * VIRTUAL_SHARES; // the first deposit got amount * 1e6 shares
      const expected5 = shareValue(total5 - queued5, STAKES[5], total5);
      return { ...base, expected0, expected5 };
    }

    it("records members in order, skipping leaving, jailed, slash-jailed and below-minimum ones", async function () {
      const { operatorSets, registry, operators, setId, expected0, expected5, outsider } =
        await loadFixture(mixedFixture);
      // the registry agrees with the independent computation
      expect(await registry.operatorStake(operators[0].address)).to.equal(expected0);
      expect(await registry.operatorStake(operators[5].address)).to.equal(expected5);
      expect(await registry.operatorStake(operators[4].address)).to.equal(450n * ALT);
      expect(await registry.isJailed(operators[3].address)).to.equal(true);

      const epoch = await operatorSets.currentEpoch();
      expect(await operatorSets.connect(outsider).snapshot.staticCall(setId)).to.equal(epoch);
      const randao = ethers.id("randao");
      await setPrevRandao(randao);
      const tx = await operatorSets.connect(outsider).snapshot(setId);
      const takenAt = await timestampOf(tx);
      const stake0 = inUnits(expected0);
      const stake5 = inUnits(expected5);
      expect(stake0).to.not.equal(expected0); // the rounding is exercised
      const total = stake0 + stake5;
      const seed = seedOf(randao, setId, epoch);
      await expect(tx).to.emit(operatorSets, "SnapshotTaken").withArgs(setId, epoch, 2, total, seed);

      const [ops, stakes] = await operatorSets.snapshotEntries(setId, epoch);
      expect(ops).to.deep.equal([operators[0].address, operators[5].address]);
      expect(stakes).to.deep.equal([stake0, stake5]);
      const first = await operatorSets.snapshotEntry(setId, epoch, 0);
      expect([first[0], first[1]]).to.deep.equal([operators[0].address, stake0]);
      const second = await operatorSets.snapshotEntry(setId, epoch, 1);
      expect([second[0], second[1]]).to.deep.equal([operators[5].address, stake5]);
      const info = await operatorSets.snapshotInfo(setId, epoch);
      expect([info.totalStake, info.takenAt, info.size, info.seed]).to.deep.equal([total, takenAt, 2n, seed]);
      expect(await operatorSets.hasSnapshot(setId, epoch)).to.equal(true);
      const [latest, exists] = await operatorSets.latestSnapshotEpoch(setId);
      expect([latest, exists]).to.deep.equal([epoch, true]);
    });

    it("derives the seed from the block's prevrandao", async function () {
      const { operatorSets, setId } = await loadFixture(joinedFixture);
      const epoch = await operatorSets.currentEpoch();
      const tx = await operatorSets.snapshot(setId);
      const receipt = (await tx.wait())!;
      const seed = seedOf(await prevRandaoOf(receipt.blockNumber), setId, epoch);
      expect((await operatorSets.snapshotInfo(setId, epoch)).seed).to.equal(seed);
    });

    it("is taken once per epoch and again in the next epoch with a different seed", async function () {
      const { operatorSets, setId, genesis, epochLength } = await loadFixture(joinedFixture);
      const epoch = await operatorSets.currentEpoch();
      expect(await operatorSets.hasSnapshot(setId, epoch)).to.equal(false);
      const [none, noneExists] = await operatorSets.latestSnapshotEpoch(setId);
      expect([none, noneExists]).to.deep.equal([0n, false]);

      await operatorSets.snapshot(setId);
      await expect(operatorSets.snapshot(setId))
        .to.be.revertedWithCustomError(operatorSets, "SetsSnapshotTaken")
        .withArgs(setId, epoch);
      // the last second of the epoch is still the same epoch
      await time.setNextBlockTimestamp(genesis + (epoch + 1n) * epochLength - 1n);
      await expect(operatorSets.snapshot(setId))
        .to.be.revertedWithCustomError(operatorSets, "SetsSnapshotTaken")
        .withArgs(setId, epoch);

      await time.setNextBlockTimestamp(genesis + (epoch + 1n) * epochLength);
      await expect(operatorSets.snapshot(setId)).to.emit(operatorSets, "SnapshotTaken");
      expect(await operatorSets.hasSnapshot(setId, epoch + 1n)).to.equal(true);
      const [latest, exists] = await operatorSets.latestSnapshotEpoch(setId);
      expect([latest, exists]).to.deep.equal([epoch + 1n, true]);
      const first = await operatorSets.snapshotInfo(setId, epoch);
      const second = await operatorSets.snapshotInfo(setId, epoch + 1n);
      expect(first.seed).to.not.equal(ethers.ZeroHash);
      expect(second.seed).to.not.equal(ethers.ZeroHash);
      expect(second.seed).to.not.equal(first.seed);
      // an epoch skipped has no snapshot
      await time.increaseTo(genesis + (epoch + 3n) * epochLength);
      await operatorSets.snapshot(setId);
      expect(await operatorSets.hasSnapshot(setId, epoch + 2n)).to.equal(false);
      const [latest3] = await operatorSets.latestSnapshotEpoch(setId);
      expect(latest3).to.equal(epoch + 3n);
    });

    it("does not change when stakes change after it was taken", async function () {
      const { operatorSets, registry, operators, staker, setId, genesis, epochLength } =
        await loadFixture(joinedFixture);
      const epoch = await operatorSets.currentEpoch();
      await operatorSets.snapshot(setId);
      const [opsBefore, stakesBefore] = await operatorSets.snapshotEntries(setId, epoch);
      const infoBefore = await operatorSets.snapshotInfo(setId, epoch);
      expect(opsBefore).to.deep.equal(operators.map((o) => o.address));
      expect(stakesBefore).to.deep.equal(STAKES.map(inUnits));
      expect(infoBefore.totalStake).to.equal(STAKES.map(inUnits).reduce((a, b) => a + b, 0n));

      await registry.connect(staker).stake(operators[2].address, 0, 1_000n * ALT);
      await registry.connect(operators[3]).requestUnstake(operators[3].address, 0, 2_900n * ALT * VIRTUAL_SHARES);

      const [opsAfter, stakesAfter] = await operatorSets.snapshotEntries(setId, epoch);
      expect(opsAfter).to.deep.equal(opsBefore);
      expect(stakesAfter).to.deep.equal(stakesBefore);
      const infoAfter = await operatorSets.snapshotInfo(setId, epoch);
      expect(infoAfter.totalStake).to.equal(infoBefore.totalStake);

      // the next epoch sees the new stakes; operator 3 fell below the minimum
      await nextEpoch(operatorSets, genesis, epochLength);
      await operatorSets.snapshot(setId);
      const [opsNext, stakesNext] = await operatorSets.snapshotEntries(setId, epoch + 1n);
      expect(opsNext).to.deep.equal([0, 1, 2, 4, 5].map((i) => operators[i].address));
      expect(stakesNext).to.deep.equal([
        inUnits(STAKES[0]),
        inUnits(STAKES[1]),
        inUnits(STAKES[2] + 1_000n * ALT),
        inUnits(STAKES[4]),
        inUnits(STAKES[5]),
      ]);
    });

    it("includes a set-jailed member again from the end of its term", async function () {
      const { operatorSets, service, operators, setId, genesis, epochLength } = await loadFixture(joinedFixture);
      const epoch = await operatorSets.currentEpoch();
      const until = genesis + (epoch + 1n) * epochLength + 100n;
      await service.jail(setId, operators[0].address, until);
      await time.setNextBlockTimestamp(until - 1n);
      await operatorSets.snapshot(setId); // epoch + 1
      const [ops1] = await operatorSets.snapshotEntries(setId, epoch + 1n);
      expect(ops1).to.not.include(operators[0].address);
      expect(ops1).to.have.length(5);

      await service.jail(setId, operators[1].address, genesis + (epoch + 2n) * epochLength);
      await time.setNextBlockTimestamp(genesis + (epoch + 2n) * epochLength);
      await operatorSets.snapshot(setId); // epoch + 2: both terms are over
      const [ops2] = await operatorSets.snapshotEntries(setId, epoch + 2n);
      expect(ops2).to.deep.equal(operators.map((o) => o.address));
    });

    it("leaves out members whose stake is less than one unit", async function () {
      const { operatorSets, registry, service, operators, outsider, token, staker } = await loadFixture(setsFixture);
      await registry
        .connect(outsider)
        .registerOperator(
          "ipfs://tiny",
          0,
          outsider.address,
          await keyProof(registry, outsider.address, outsider.address),
        );
      await token.connect(outsider).approve(await registry.getAddress(), ethers.MaxUint256);
      await registry.connect(outsider).stake(outsider.address, 0, STAKE_UNIT - 1n);
      await service.createSet(ethers.id("open"), 0, 4);
      const open = setIdOf(await service.getAddress(), ethers.id("open"));
      await operatorSets.connect(outsider).join(open);
      await operatorSets.connect(operators[0]).join(open);
      // an operator with no stake at all
      await registry
        .connect(staker)
        .registerOperator("ipfs://empty", 0, staker.address, await keyProof(registry, staker.address, staker.address));
      await operatorSets.connect(staker).join(open);
      const epoch = await operatorSets.currentEpoch();
      await expect(operatorSets.snapshot(open))
        .to.emit(operatorSets, "SnapshotTaken")
        .withArgs(open, epoch, 1, inUnits(STAKES[0]), (seed: string) => seed !== ethers.ZeroHash);
      const [ops] = await operatorSets.snapshotEntries(open, epoch);
      expect(ops).to.deep.equal([operators[0].address]);
    });

    it("records an empty snapshot of a set without eligible members", async function () {
      const { operatorSets, setId } = await loadFixture(setsFixture);
      const epoch = await operatorSets.currentEpoch();
      await expect(operatorSets.snapshot(setId))
        .to.emit(operatorSets, "SnapshotTaken")
        .withArgs(setId, epoch, 0, 0, (seed: string) => seed !== ethers.ZeroHash);
      const [ops, stakes] = await operatorSets.snapshotEntries(setId, epoch);
      expect(ops).to.deep.equal([]);
      expect(stakes).to.deep.equal([]);
      expect((await operatorSets.snapshotInfo(setId, epoch)).size).to.equal(0n);
      await expect(operatorSets.snapshotEntry(setId, epoch, 0))
        .to.be.revertedWithCustomError(operatorSets, "SetsIndexOutOfRange")
        .withArgs(0, 0);
    });

    it("refuses an unknown set", async function () {
      const { operatorSets } = await loadFixture(setsFixture);
      await expect(operatorSets.snapshot(11n))
        .to.be.revertedWithCustomError(operatorSets, "SetsUnknownSet")
        .withArgs(11n);
    });

    it("reports a missing snapshot and an entry index out of range", async function () {
      const { operatorSets, setId } = await loadFixture(mixedFixture);
      const epoch = await operatorSets.currentEpoch();
      await expect(operatorSets.snapshotInfo(setId, epoch))
        .to.be.revertedWithCustomError(operatorSets, "SetsNoSnapshot")
        .withArgs(setId, epoch);
      await expect(operatorSets.snapshotEntry(setId, epoch, 0))
        .to.be.revertedWithCustomError(operatorSets, "SetsNoSnapshot")
        .withArgs(setId, epoch);
      await expect(operatorSets.snapshotEntries(setId, epoch))
        .to.be.revertedWithCustomError(operatorSets, "SetsNoSnapshot")
        .withArgs(setId, epoch);
      await operatorSets.snapshot(setId);
      await expect(operatorSets.snapshotEntry(setId, epoch, 2))
        .to.be.revertedWithCustomError(operatorSets, "SetsIndexOutOfRange")
        .withArgs(2, 2);
      await expect(operatorSets.snapshotInfo(setId, epoch + 1n))
        .to.be.revertedWithCustomError(operatorSets, "SetsNoSnapshot")
        .withArgs(setId, epoch + 1n);
    });
  });

  // ================================================================= the largest set

  describe("a set of 256 members", function () {
    const SIZE = 256;

    async function fullSetFixture() {
      const base = await loadFixture(setsFixture);
      const { operatorSets, registry, service, staker } = base;
      await service.createSet(ethers.id("full"), ALT, SIZE);
      const fullId = setIdOf(await service.getAddress(), ethers.id("full"));
      const wallets = [];
      const stakes: bigint[] = [];
      for (let i = 0; i <= SIZE; i++) {
        // deterministic keys: the same operators on every run
        const wallet = new ethers.Wallet(ethers.id(`operator ${i}`), ethers.provider);
        await setBalance(wallet.address, 10n ** 18n);
        await (
          await registry
            .connect(wallet)
            .registerOperator(
              `ipfs://${i}`,
              0,
              wallet.address,
              await keyProof(registry, wallet.address, wallet.address),
            )
        ).wait();
        const amount = ALT + BigInt(i) * 1_000_000_007n;
        await registry.connect(staker).stake(wallet.address, 0, amount);
        if (i < SIZE) await (await operatorSets.connect(wallet).join(fullId)).wait();
        wallets.push(wallet);
        stakes.push(amount);
      }
      return { ...base, fullId, wallets, stakes };
    }

    it("refuses the 257th member", async function () {
      const { operatorSets, fullId, wallets } = await loadFixture(fullSetFixture);
      expect(await operatorSets.members(fullId)).to.have.length(SIZE);
      await expect(operatorSets.connect(wallets[SIZE]).join(fullId))
        .to.be.revertedWithCustomError(operatorSets, "SetsFull")
        .withArgs(fullId, SIZE);
    });

    it("snapshots all 256 members in one transaction", async function () {
      const { operatorSets, fullId, wallets, stakes } = await loadFixture(fullSetFixture);
      const epoch = await operatorSets.currentEpoch();
      const expectedStakes = stakes.slice(0, SIZE).map(inUnits);
      const total = expectedStakes.reduce((a, b) => a + b, 0n);
      const randao = ethers.id("full");
      await setPrevRandao(randao);
      const tx = await operatorSets.snapshot(fullId);
      await expect(tx)
        .to.emit(operatorSets, "SnapshotTaken")
        .withArgs(fullId, epoch, SIZE, total, seedOf(randao, fullId, epoch));
      const receipt = (await tx.wait())!;
      // ~9.8M gas (about 38k per member): well within a 30M block (instrumented bytecode under coverage costs more)
      if (!coverageRunning()) expect(receipt.gasUsed).to.be.lessThan(30_000_000n);
      const [ops, recorded] = await operatorSets.snapshotEntries(fullId, epoch);
      expect(ops).to.deep.equal(wallets.slice(0, SIZE).map((w) => w.address));
      expect(recorded).to.deep.equal(expectedStakes);
      const [lastOp, lastStake] = await operatorSets.snapshotEntry(fullId, epoch, SIZE - 1);
      expect([lastOp, lastStake]).to.deep.equal([wallets[SIZE - 1].address, expectedStakes[SIZE - 1]]);
      await expect(operatorSets.snapshotEntry(fullId, epoch, SIZE))
        .to.be.revertedWithCustomError(operatorSets, "SetsIndexOutOfRange")
        .withArgs(SIZE, SIZE);
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
    });
  });
});
