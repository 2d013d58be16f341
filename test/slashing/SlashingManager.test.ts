import { expect } from "chai";
import { ethers, upgrades } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import type { MockService, OperatorSets, RestakingRegistry } from "../../typechain-types";
import { ALT } from "../helpers/constants";
import { days } from "../helpers/time";
import { deployProtocol } from "../helpers/protocol";
import { toWithdrawal } from "../../tasks/lib/restaking";
import { expectedSlash, weightsOf } from "../helpers/slashing";

const BPS = 10_000n;
const CAP = 3_000n; // WINDOW_CAP_BPS
const MAX_REQUESTS = 16n;
const MAX_SLASHERS = 16n;
const YEAR_SECONDS = days(365);

// Status enum of ISlashingManager
const PENDING = 1n;
const VETOED = 2n;
const EXECUTED = 3n;

// The honest service's limits, and the malicious one's
const SERVICE_MAX_BPS = 1_000;
const SERVICE_AGE = days(7);
const MALICIOUS_MAX_BPS = 500;
const MALICIOUS_AGE = days(1);

/** The key each MockService creates its operator set under (a set's id is keccak256(service, key)). */
const SET_KEY = ethers.id("rollup-1");
const WEIGHT_UNIT = 10n ** 18n;
const VIRTUAL_SHARES = 10n ** 6n; // the registry's virtual shares and assets of every pool
const VIRTUAL_ASSETS = 1n;

const REASON = ethers.id("double-sign");
const EVIDENCE = ethers.id("evidence blob");
let evidenceCount = 0;
/** Evidence no request used before. */
const freshEvidence = () => ethers.id(`evidence blob ${++evidenceCount}`);

/** An operator's allocation to a set as [allocated, pendingFree, freeAt]. */
async function allocationOf(
  operatorSets: OperatorSets,
  setId: bigint,
  operator: string,
): Promise<[bigint, bigint, bigint]> {
  const a = await operatorSets.allocation(setId, operator);
  return [a.allocated, a.pendingFree, a.freeAt];
}

/** The registry's operatorStake (active stake: queued shares left out) computed from the pools, exactly as it does. */
async function activeValueOf(registry: RestakingRegistry, operator: string): Promise<bigint> {
  let value = 0n;
  for (const [i, weight] of (await weightsOf(registry)).entries()) {
    const p = await registry.pool(operator, i);
    if (p.totalShares === p.queuedShares) continue;
    const amount =
      ((p.totalShares - p.queuedShares) * (p.totalAssets + VIRTUAL_ASSETS)) / (p.totalShares + VIRTUAL_SHARES);
    value += (amount * weight) / WEIGHT_UNIT;
  }
  return value;
}

describe("SlashingManager", function () {
  // Operator 0: ALT (self-stake + a staker's) and LST (the staker's); operator 1: ALT only.
  const SELF_STAKE = 1_000n * ALT + 12_345n;
  const STAKER_ALT = 333n * ALT + 7n;
  const STAKER_LST = 77n * ALT + 999n;
  const OTHER_STAKE = 2_500n * ALT + 1n;
  // Each operator backs the malicious service's set with this much, and the honest service's set with the rest of its
  // stake: its whole stake is allocated, so a slash of the honest set takes bps of nearly all of it.
  const MALICIOUS_ALLOCATION = 100n * ALT + 3n;

  async function slashingFixture() {
    const deployment = await deployProtocol();
    const { registry, slashingManager, operatorSets, token, users, deployer, config } = deployment;
    const Service = await ethers.getContractFactory("MockService");
    const service = await Service.deploy(operatorSets, slashingManager);
    const malicious = await Service.deploy(operatorSets, slashingManager);
    await slashingManager.connect(deployer).setSlasher(service, SERVICE_MAX_BPS, SERVICE_AGE);
    await slashingManager.connect(deployer).setSlasher(malicious, MALICIOUS_MAX_BPS, MALICIOUS_AGE);
    // both are operator-set services, each with one set
    await operatorSets.connect(deployer).setService(service, true);
    await operatorSets.connect(deployer).setService(malicious, true);
    await service.createSet(SET_KEY, 0, 256);
    await malicious.createSet(SET_KEY, 0, 256);
    const serviceSet = await operatorSets.setIdOf(service, SET_KEY);
    const maliciousSet = await operatorSets.setIdOf(malicious, SET_KEY);

    const lst = await (await ethers.getContractFactory("MockERC20")).deploy("Liquid staked ETH", "LST");
    await registry.connect(deployer).addAsset(lst, 2n * ALT, 10n ** 30n);

    const [operator, operator2] = users;
    const staker = users[5];
    const reporter = users[7];
    const outsider = users[8];
    const registryAddress = await registry.getAddress();
    for (const [i, op] of [operator, operator2].entries()) {
      await registry.connect(op).registerOperator(`ipfs://operator-${i}`, 500);
      await token.connect(op).approve(registryAddress, ethers.MaxUint256);
    }
    await registry.connect(operator).stake(operator.address, 0, SELF_STAKE);
    await registry.connect(operator2).stake(operator2.address, 0, OTHER_STAKE);
    await token.connect(staker).approve(registryAddress, ethers.MaxUint256);
    await registry.connect(staker).stake(operator.address, 0, STAKER_ALT);
    await lst.mint(staker.address, STAKER_LST);
    await lst.connect(staker).approve(registryAddress, ethers.MaxUint256);
    await registry.connect(staker).stake(operator.address, 1, STAKER_LST);
    // each operator allocates its whole stake: a slice to the malicious service's set, the rest to the honest one's
    for (const op of [operator, operator2]) {
      await operatorSets.connect(op).join(maliciousSet, MALICIOUS_ALLOCATION);
      await operatorSets.connect(op).join(serviceSet, await operatorSets.freeStake(op.address));
      expect(await operatorSets.freeStake(op.address)).to.equal(0n);
    }

    return {
      ...deployment,
      service,
      malicious,
      serviceSet,
      maliciousSet,
      lst,
      operator,
      operator2,
      staker,
      reporter,
      outsider,
      vetoWindow: BigInt(config.vetoWindow),
      reporterBps: BigInt(config.reporterBps),
      windowDuration: BigInt(config.slashWindow),
      withdrawalDelay: BigInt(config.withdrawalDelay),
    };
  }

  /** Implementation and proxy factories for fresh proxies. */
  async function freshProxyFixture() {
    const base = await loadFixture(slashingFixture);
    const implementation = await (await ethers.getContractFactory("SlashingManager")).deploy();
    const Proxy = await ethers.getContractFactory("ERC1967Proxy");
    const registryAddress = await base.registry.getAddress();
    const deployProxy = async (
      overrides: Partial<{
        owner: string;
        registry: string;
        vetoer: string;
        treasury: string;
        vetoWindow: bigint | number;
        reporterBps: bigint | number;
        window: bigint | number;
      }> = {},
    ) => {
      const a = {
        owner: base.outsider.address,
        registry: registryAddress,
        vetoer: base.council.address,
        treasury: base.treasury.address,
        vetoWindow: days(2),
        reporterBps: 1_000,
        window: days(30),
        ...overrides,
      };
      const data = implementation.interface.encodeFunctionData("initialize", [
        a.owner,
        a.registry,
        a.vetoer,
        a.treasury,
        a.vetoWindow,
        a.reporterBps,
        a.window,
      ]);
      return Proxy.deploy(implementation, data);
    };
    return { ...base, implementation, deployProxy };
  }

  /** The set a MockService of the fixture created. */
  async function setOf(slasher: MockService): Promise<bigint> {
    const sets = await ethers.getContractAt("OperatorSets", await slasher.sets());
    return sets.setIdOf(slasher, SET_KEY);
  }

  /**
   * Requests a slash from `slasher` against what `operator` allocated to `setId` (default: the slasher's own set) with
   * evidence from the current time (fresh evidence each time unless `evidence` is given: each piece is accepted once
   * per slasher and operator); returns the request id.
   */
  /** The request transaction of `requestFrom`, not awaited (for revert and event assertions). */
  async function requestTx(
    slasher: MockService,
    operator: string,
    bps: number | bigint,
    reporter: string,
    { evidence = freshEvidence(), setId }: { evidence?: string; setId?: bigint } = {},
  ) {
    const set = setId ?? (await setOf(slasher));
    return slasher.requestSlash(operator, set, bps, REASON, evidence, reporter, await time.latest());
  }

  async function requestFrom(
    slasher: MockService,
    operator: string,
    bps: number | bigint,
    reporter: string,
    options: { evidence?: string; setId?: bigint } = {},
  ): Promise<bigint> {
    const manager = await ethers.getContractAt("SlashingManager", await slasher.slashing());
    const id = await manager.requestCount();
    await requestTx(slasher, operator, bps, reporter, options);
    return id;
  }

  async function timestampOf(tx: { wait(): Promise<unknown> }): Promise<bigint> {
    const receipt = (await tx.wait()) as { blockNumber: number };
    return BigInt((await ethers.provider.getBlock(receipt.blockNumber))!.timestamp);
  }

  // ================================================================= initialize

  describe("initialize", function () {
    it("records the registry, vetoer, treasury and parameters of the deployed proxy", async function () {
      const { slashingManager, registry, council, treasury, deployer, vetoWindow, reporterBps, windowDuration } =
        await loadFixture(slashingFixture);
      expect(await slashingManager.owner()).to.equal(deployer.address);
      expect(await slashingManager.registry()).to.equal(await registry.getAddress());
      expect(await slashingManager.vetoer()).to.equal(council.address);
      expect(await slashingManager.treasury()).to.equal(treasury.address);
      expect(vetoWindow).to.equal(BigInt(days(2)));
      expect(await slashingManager.vetoWindow()).to.equal(vetoWindow);
      expect(reporterBps).to.equal(1_000n);
      expect(await slashingManager.reporterBps()).to.equal(reporterBps);
      expect(windowDuration).to.equal(BigInt(days(30)));
      expect(await slashingManager.windowDuration()).to.equal(windowDuration);
      expect(await slashingManager.WINDOW_CAP_BPS()).to.equal(CAP);
      expect(await slashingManager.MAX_REQUESTS_PER_WINDOW()).to.equal(MAX_REQUESTS);
      expect(await slashingManager.MAX_SLASHERS()).to.equal(MAX_SLASHERS);
      expect(await slashingManager.requestCount()).to.equal(0n);
    });

    it("initialises a fresh proxy at the limits and emits ParametersUpdated", async function () {
      const { deployProxy, registry, council, treasury, outsider, withdrawalDelay } =
        await loadFixture(freshProxyFixture);
      // veto window == withdrawal delay, reporter share 50 %, window 365 days: all at their bounds
      const proxy = await deployProxy({ vetoWindow: withdrawalDelay, reporterBps: 5_000, window: YEAR_SECONDS });
      const manager = await ethers.getContractAt("SlashingManager", await proxy.getAddress());
      await expect(proxy.deploymentTransaction())
        .to.emit(manager, "ParametersUpdated")
        .withArgs(withdrawalDelay, 5_000, YEAR_SECONDS);
      expect(await manager.owner()).to.equal(outsider.address);
      expect(await manager.registry()).to.equal(await registry.getAddress());
      expect(await manager.vetoer()).to.equal(council.address);
      expect(await manager.treasury()).to.equal(treasury.address);
      expect(await manager.vetoWindow()).to.equal(withdrawalDelay);
      expect(await manager.reporterBps()).to.equal(5_000n);
      expect(await manager.windowDuration()).to.equal(BigInt(YEAR_SECONDS));
      expect(await manager.slashers()).to.deep.equal([]);
      expect(await manager.minWithdrawalDelay()).to.equal(withdrawalDelay);
    });

    it("refuses a zero registry, vetoer or treasury", async function () {
      const { deployProxy, implementation } = await loadFixture(freshProxyFixture);
      for (const field of ["registry", "vetoer", "treasury"] as const) {
        await expect(deployProxy({ [field]: ethers.ZeroAddress })).to.be.revertedWithCustomError(
          implementation,
          "SlashingZeroAddress",
        );
      }
    });

    it("refuses a reporter share above 50 % and a window of zero or above 365 days", async function () {
      const { deployProxy, implementation } = await loadFixture(freshProxyFixture);
      await expect(deployProxy({ reporterBps: 5_001 })).to.be.revertedWithCustomError(
        implementation,
        "SlashingInvalidParameter",
      );
      await expect(deployProxy({ window: 0 })).to.be.revertedWithCustomError(
        implementation,
        "SlashingInvalidParameter",
      );
      await expect(deployProxy({ window: YEAR_SECONDS + 1 })).to.be.revertedWithCustomError(
        implementation,
        "SlashingInvalidParameter",
      );
    });

    it("refuses a veto window longer than the registry's withdrawal delay", async function () {
      const { deployProxy, implementation, withdrawalDelay } = await loadFixture(freshProxyFixture);
      await expect(deployProxy({ vetoWindow: withdrawalDelay + 1n }))
        .to.be.revertedWithCustomError(implementation, "SlashingDelayConflict")
        .withArgs(withdrawalDelay + 1n, withdrawalDelay);
    });

    it("cannot be initialised twice, nor through the implementation", async function () {
      const { slashingManager, implementation, registry, council, treasury, outsider } =
        await loadFixture(freshProxyFixture);
      const args = [outsider.address, await registry.getAddress(), council.address, treasury.address, 1, 0, 1] as const;
      await expect(slashingManager.initialize(...args)).to.be.revertedWithCustomError(
        slashingManager,
        "InvalidInitialization",
      );
      await expect(implementation.initialize(...args)).to.be.revertedWithCustomError(
        implementation,
        "InvalidInitialization",
      );
    });
  });

  // ================================================================= slashers

  describe("setSlasher", function () {
    it("registers a slasher and emits SlasherSet", async function () {
      const { slashingManager, deployer, service, malicious, outsider } = await loadFixture(slashingFixture);
      await expect(slashingManager.connect(deployer).setSlasher(outsider.address, 3_000, days(12)))
        .to.emit(slashingManager, "SlasherSet")
        .withArgs(outsider.address, 3_000, days(12));
      const config = await slashingManager.slasher(outsider.address);
      expect([config.registered, config.maxBps, config.maxEvidenceAge]).to.deep.equal([true, 3_000n, BigInt(days(12))]);
      expect(await slashingManager.slashers()).to.deep.equal([
        await service.getAddress(),
        await malicious.getAddress(),
        outsider.address,
      ]);
    });

    it("updates an existing slasher without growing the list", async function () {
      const { slashingManager, deployer, service, malicious } = await loadFixture(slashingFixture);
      await expect(slashingManager.connect(deployer).setSlasher(service, 200, days(3)))
        .to.emit(slashingManager, "SlasherSet")
        .withArgs(await service.getAddress(), 200, days(3));
      const config = await slashingManager.slasher(service);
      expect([config.registered, config.maxBps, config.maxEvidenceAge]).to.deep.equal([true, 200n, BigInt(days(3))]);
      expect(await slashingManager.slashers()).to.deep.equal([
        await service.getAddress(),
        await malicious.getAddress(),
      ]);
    });

    it("refuses a caller that is not the owner", async function () {
      const { slashingManager, outsider } = await loadFixture(slashingFixture);
      await expect(slashingManager.connect(outsider).setSlasher(outsider.address, 100, 0))
        .to.be.revertedWithCustomError(slashingManager, "OwnableUnauthorizedAccount")
        .withArgs(outsider.address);
    });

    it("refuses a cap of zero or above 30 %", async function () {
      const { slashingManager, deployer, outsider } = await loadFixture(slashingFixture);
      await expect(slashingManager.connect(deployer).setSlasher(outsider.address, 0, 0))
        .to.be.revertedWithCustomError(slashingManager, "SlashingInvalidBps")
        .withArgs(0, CAP);
      await expect(slashingManager.connect(deployer).setSlasher(outsider.address, 3_001, 0))
        .to.be.revertedWithCustomError(slashingManager, "SlashingInvalidBps")
        .withArgs(3_001, CAP);
    });

    it("refuses the zero address", async function () {
      const { slashingManager, deployer } = await loadFixture(slashingFixture);
      await expect(
        slashingManager.connect(deployer).setSlasher(ethers.ZeroAddress, 100, 0),
      ).to.be.revertedWithCustomError(slashingManager, "SlashingZeroAddress");
    });

    it("refuses an evidence age that makes veto window + age exceed the withdrawal delay", async function () {
      const { slashingManager, deployer, outsider, vetoWindow, withdrawalDelay } = await loadFixture(slashingFixture);
      const longest = withdrawalDelay - vetoWindow; // 12 days
      await expect(slashingManager.connect(deployer).setSlasher(outsider.address, 100, longest + 1n))
        .to.be.revertedWithCustomError(slashingManager, "SlashingDelayConflict")
        .withArgs(withdrawalDelay + 1n, withdrawalDelay);
      await slashingManager.connect(deployer).setSlasher(outsider.address, 100, longest);
      expect(await slashingManager.minWithdrawalDelay()).to.equal(withdrawalDelay);
    });

    it("registers at most 16 slashers but still updates one when full", async function () {
      const { slashingManager, deployer, service } = await loadFixture(slashingFixture);
      const extra = Array.from({ length: 14 }, (_, i) => ethers.getAddress(ethers.toBeHex(0x1000 + i, 20)));
      for (const account of extra) await slashingManager.connect(deployer).setSlasher(account, 100, days(1));
      expect(await slashingManager.slashers()).to.have.length(16);
      const seventeenth = ethers.getAddress(ethers.toBeHex(0x2000, 20));
      await expect(slashingManager.connect(deployer).setSlasher(seventeenth, 100, days(1)))
        .to.be.revertedWithCustomError(slashingManager, "SlashingTooManySlashers")
        .withArgs(MAX_SLASHERS);
      await expect(slashingManager.connect(deployer).setSlasher(service, 300, days(2)))
        .to.emit(slashingManager, "SlasherSet")
        .withArgs(await service.getAddress(), 300, days(2));
      expect(await slashingManager.slashers()).to.have.length(16);
      expect((await slashingManager.slasher(seventeenth)).registered).to.equal(false);
    });
  });

  describe("removeSlasher", function () {
    it("removes a slasher, shrinks the list and emits SlasherRemoved", async function () {
      const { slashingManager, deployer, service, malicious, outsider } = await loadFixture(slashingFixture);
      await slashingManager.connect(deployer).setSlasher(outsider.address, 100, days(1));
      await expect(slashingManager.connect(deployer).removeSlasher(service))
        .to.emit(slashingManager, "SlasherRemoved")
        .withArgs(await service.getAddress());
      // the last slasher took the removed one's place
      expect(await slashingManager.slashers()).to.deep.equal([outsider.address, await malicious.getAddress()]);
      const config = await slashingManager.slasher(service);
      expect([config.registered, config.maxBps, config.maxEvidenceAge]).to.deep.equal([false, 0n, 0n]);
      await slashingManager.connect(deployer).removeSlasher(malicious);
      await slashingManager.connect(deployer).removeSlasher(outsider.address);
      expect(await slashingManager.slashers()).to.deep.equal([]);
    });

    it("recomputes the minimum withdrawal delay, which the registry then follows", async function () {
      const { slashingManager, registry, deployer, service, outsider, vetoWindow, withdrawalDelay } =
        await loadFixture(slashingFixture);
      expect(await slashingManager.minWithdrawalDelay()).to.equal(vetoWindow + BigInt(SERVICE_AGE));
      await slashingManager.connect(deployer).setSlasher(outsider.address, 100, days(12));
      expect(await slashingManager.minWithdrawalDelay()).to.equal(withdrawalDelay);
      await expect(registry.connect(deployer).setDelays(withdrawalDelay - 1n, days(7)))
        .to.be.revertedWithCustomError(registry, "RegistryDelayTooShort")
        .withArgs(withdrawalDelay - 1n, withdrawalDelay);

      await slashingManager.connect(deployer).removeSlasher(outsider.address);
      const minimum = vetoWindow + BigInt(SERVICE_AGE);
      expect(await slashingManager.minWithdrawalDelay()).to.equal(minimum);
      await expect(registry.connect(deployer).setDelays(minimum - 1n, days(7)))
        .to.be.revertedWithCustomError(registry, "RegistryDelayTooShort")
        .withArgs(minimum - 1n, minimum);
      await registry.connect(deployer).setDelays(minimum, days(7));
      expect(await registry.withdrawalDelay()).to.equal(minimum);

      await slashingManager.connect(deployer).removeSlasher(service);
      expect(await slashingManager.minWithdrawalDelay()).to.equal(vetoWindow + BigInt(MALICIOUS_AGE));
    });

    it("refuses an account that is not a slasher", async function () {
      const { slashingManager, deployer, outsider } = await loadFixture(slashingFixture);
      await expect(slashingManager.connect(deployer).removeSlasher(outsider.address))
        .to.be.revertedWithCustomError(slashingManager, "SlashingNotSlasher")
        .withArgs(outsider.address);
    });

    it("refuses a caller that is not the owner", async function () {
      const { slashingManager, service, outsider } = await loadFixture(slashingFixture);
      await expect(slashingManager.connect(outsider).removeSlasher(service))
        .to.be.revertedWithCustomError(slashingManager, "OwnableUnauthorizedAccount")
        .withArgs(outsider.address);
    });

    it("stops a removed slasher's new requests but leaves its pending ones executable", async function () {
      const {
        slashingManager,
        registry,
        operatorSets,
        deployer,
        service,
        serviceSet,
        operator,
        reporter,
        outsider,
        vetoWindow,
      } = await loadFixture(slashingFixture);
      const id = await requestFrom(service, operator.address, 100, reporter.address);
      await slashingManager.connect(deployer).removeSlasher(service);
      await expect(requestTx(service, operator.address, 100, reporter.address, { setId: serviceSet }))
        .to.be.revertedWithCustomError(slashingManager, "SlashingNotSlasher")
        .withArgs(await service.getAddress());
      const { requestedAt, executableAt } = await slashingManager.request(id);
      expect(executableAt).to.equal(requestedAt + vetoWindow);
      const expected = await expectedSlash(registry, operatorSets, operator.address, serviceSet, 100, requestedAt);
      expect(expected.amounts[0]).to.be.greaterThan(0n);
      await time.setNextBlockTimestamp(executableAt);
      await expect(slashingManager.connect(outsider).execute(id))
        .to.emit(slashingManager, "SlashExecuted")
        .withArgs(id, operator.address, serviceSet, 100, expected.amounts);
      expect((await slashingManager.request(id)).status).to.equal(EXECUTED);
    });
  });

  // ================================================================= parameters

  describe("setParameters", function () {
    it("sets the veto window, reporter share and window and emits ParametersUpdated", async function () {
      const { slashingManager, deployer } = await loadFixture(slashingFixture);
      await expect(slashingManager.connect(deployer).setParameters(days(1), 5_000, YEAR_SECONDS))
        .to.emit(slashingManager, "ParametersUpdated")
        .withArgs(days(1), 5_000, YEAR_SECONDS);
      expect(await slashingManager.vetoWindow()).to.equal(BigInt(days(1)));
      expect(await slashingManager.reporterBps()).to.equal(5_000n);
      expect(await slashingManager.windowDuration()).to.equal(BigInt(YEAR_SECONDS));
      expect(await slashingManager.minWithdrawalDelay()).to.equal(BigInt(days(1) + SERVICE_AGE));
    });

    it("refuses a reporter share above 50 % and a window of zero or above 365 days", async function () {
      const { slashingManager, deployer } = await loadFixture(slashingFixture);
      for (const [reporterBps, window] of [
        [5_001, days(30)],
        [1_000, 0],
        [1_000, YEAR_SECONDS + 1],
      ]) {
        await expect(
          slashingManager.connect(deployer).setParameters(days(2), reporterBps, window),
        ).to.be.revertedWithCustomError(slashingManager, "SlashingInvalidParameter");
      }
    });

    it("refuses a veto window that with the longest evidence age exceeds the withdrawal delay", async function () {
      const { slashingManager, deployer, withdrawalDelay } = await loadFixture(slashingFixture);
      const longest = withdrawalDelay - BigInt(SERVICE_AGE); // 7 days
      await expect(slashingManager.connect(deployer).setParameters(longest + 1n, 1_000, days(30)))
        .to.be.revertedWithCustomError(slashingManager, "SlashingDelayConflict")
        .withArgs(withdrawalDelay + 1n, withdrawalDelay);
      await slashingManager.connect(deployer).setParameters(longest, 1_000, days(30));
      expect(await slashingManager.minWithdrawalDelay()).to.equal(withdrawalDelay);
    });

    it("refuses a caller that is not the owner", async function () {
      const { slashingManager, outsider } = await loadFixture(slashingFixture);
      await expect(slashingManager.connect(outsider).setParameters(days(2), 1_000, days(30)))
        .to.be.revertedWithCustomError(slashingManager, "OwnableUnauthorizedAccount")
        .withArgs(outsider.address);
    });

    it("applies a new veto window to new requests only", async function () {
      const { slashingManager, deployer, service, operator, reporter, vetoWindow } = await loadFixture(slashingFixture);
      const first = await requestFrom(service, operator.address, 100, reporter.address);
      const firstAt = (await slashingManager.request(first)).requestedAt;
      await slashingManager.connect(deployer).setParameters(days(5), 1_000, days(30));
      const second = await requestFrom(service, operator.address, 100, reporter.address);
      const secondAt = (await slashingManager.request(second)).requestedAt;
      expect((await slashingManager.request(first)).executableAt).to.equal(firstAt + vetoWindow);
      expect((await slashingManager.request(second)).executableAt).to.equal(secondAt + BigInt(days(5)));
    });
  });

  describe("setVetoer", function () {
    it("hands the veto to a new vetoer and emits VetoerUpdated", async function () {
      const { slashingManager, deployer, council, service, operator, reporter, outsider } =
        await loadFixture(slashingFixture);
      await expect(slashingManager.connect(deployer).setVetoer(outsider.address))
        .to.emit(slashingManager, "VetoerUpdated")
        .withArgs(outsider.address);
      expect(await slashingManager.vetoer()).to.equal(outsider.address);
      const id = await requestFrom(service, operator.address, 100, reporter.address);
      await expect(slashingManager.connect(council).veto(id))
        .to.be.revertedWithCustomError(slashingManager, "SlashingNotVetoer")
        .withArgs(council.address);
      await expect(slashingManager.connect(outsider).veto(id)).to.emit(slashingManager, "SlashVetoed");
    });

    it("refuses the zero address and a caller that is not the owner", async function () {
      const { slashingManager, deployer, outsider } = await loadFixture(slashingFixture);
      await expect(slashingManager.connect(deployer).setVetoer(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        slashingManager,
        "SlashingZeroAddress",
      );
      await expect(slashingManager.connect(outsider).setVetoer(outsider.address))
        .to.be.revertedWithCustomError(slashingManager, "OwnableUnauthorizedAccount")
        .withArgs(outsider.address);
    });
  });

  describe("setTreasury", function () {
    it("credits later slashes of non-ALT assets to the new treasury and emits TreasuryUpdated", async function () {
      const {
        slashingManager,
        registry,
        operatorSets,
        deployer,
        service,
        serviceSet,
        operator,
        reporter,
        outsider,
        treasury,
        reporterBps,
      } = await loadFixture(slashingFixture);
      await expect(slashingManager.connect(deployer).setTreasury(outsider.address))
        .to.emit(slashingManager, "TreasuryUpdated")
        .withArgs(outsider.address);
      expect(await slashingManager.treasury()).to.equal(outsider.address);
      const id = await requestFrom(service, operator.address, 1_000, reporter.address);
      const { requestedAt, executableAt } = await slashingManager.request(id);
      const amount = (await expectedSlash(registry, operatorSets, operator.address, serviceSet, 1_000, requestedAt))
        .amounts[1];
      expect(amount).to.be.greaterThan(0n);
      const toReporter = (amount * reporterBps) / BPS;
      await time.increaseTo(executableAt);
      const treasuryBefore = await registry.slashProceeds(treasury.address, 1);
      await (await slashingManager.execute(id)).wait();
      expect(await registry.slashProceeds(outsider.address, 1)).to.equal(amount - toReporter);
      expect(await registry.slashProceeds(treasury.address, 1)).to.equal(treasuryBefore);
      expect(await registry.slashProceeds(reporter.address, 1)).to.equal(toReporter);
    });

    it("refuses the zero address and a caller that is not the owner", async function () {
      const { slashingManager, deployer, outsider } = await loadFixture(slashingFixture);
      await expect(slashingManager.connect(deployer).setTreasury(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        slashingManager,
        "SlashingZeroAddress",
      );
      await expect(slashingManager.connect(outsider).setTreasury(outsider.address))
        .to.be.revertedWithCustomError(slashingManager, "OwnableUnauthorizedAccount")
        .withArgs(outsider.address);
    });
  });

  // ================================================================= requests

  describe("requestSlash", function () {
    it("records a pending request, jails the operator and emits SlashRequested", async function () {
      const { slashingManager, registry, service, serviceSet, maliciousSet, operator, reporter, vetoWindow } =
        await loadFixture(slashingFixture);
      const now = BigInt(await time.latest()) + 5n;
      const evidenceTime = now - 3_600n;
      expect(
        await service.requestSlash.staticCall(
          operator.address,
          serviceSet,
          250,
          REASON,
          EVIDENCE,
          reporter.address,
          evidenceTime,
        ),
      ).to.equal(0n);
      await time.setNextBlockTimestamp(now);
      await expect(
        service.requestSlash(operator.address, serviceSet, 250, REASON, EVIDENCE, reporter.address, evidenceTime),
      )
        .to.emit(slashingManager, "SlashRequested")
        .withArgs(
          0n,
          operator.address,
          await service.getAddress(),
          serviceSet,
          250,
          REASON,
          EVIDENCE,
          reporter.address,
          now + vetoWindow,
        );
      const r = await slashingManager.request(0);
      expect([r.operator, r.bps, r.status, r.requestedAt, r.reporter, r.executableAt, r.setId]).to.deep.equal([
        operator.address,
        250n,
        PENDING,
        now,
        reporter.address,
        now + vetoWindow,
        serviceSet,
      ]);
      expect(await slashingManager.requestCount()).to.equal(1n);
      expect(await registry.isJailed(operator.address)).to.equal(true);
      expect(await registry.pendingSlashes(operator.address)).to.equal(1n);
      expect(await slashingManager.windowSlashedBps(operator.address, serviceSet)).to.equal(250n);
      expect(await slashingManager.windowSlashedBps(operator.address, maliciousSet)).to.equal(0n);
      // the next request (other evidence) gets the next id
      const other = freshEvidence();
      await expect(service.requestSlash(operator.address, serviceSet, 1, REASON, other, reporter.address, evidenceTime))
        .to.emit(slashingManager, "SlashRequested")
        .withArgs(
          1n,
          operator.address,
          await service.getAddress(),
          serviceSet,
          1,
          REASON,
          other,
          reporter.address,
          anyValue,
        );
      expect(await registry.pendingSlashes(operator.address)).to.equal(2n);
    });

    it("accepts a piece of evidence once per slasher, operator and offence, even after a veto: SlashingEvidenceUsed", async function () {
      const { slashingManager, service, serviceSet, malicious, operator, operator2, reporter, council } =
        await loadFixture(slashingFixture);
      const now = await time.latest();
      const id = await requestFrom(service, operator.address, 100, reporter.address, { evidence: EVIDENCE });
      expect(await slashingManager.isEvidenceUsed(service, operator.address, REASON, EVIDENCE)).to.equal(true);
      expect(await slashingManager.isEvidenceUsed(service, operator2.address, REASON, EVIDENCE)).to.equal(false);
      expect(await slashingManager.isEvidenceUsed(malicious, operator.address, REASON, EVIDENCE)).to.equal(false);
      await expect(service.requestSlash(operator.address, serviceSet, 100, REASON, EVIDENCE, reporter.address, now))
        .to.be.revertedWithCustomError(slashingManager, "SlashingEvidenceUsed")
        .withArgs(operator.address, EVIDENCE);
      // vetoed evidence cannot be filed again either
      await (await slashingManager.connect(council).veto(id)).wait();
      await expect(service.requestSlash(operator.address, serviceSet, 100, REASON, EVIDENCE, reporter.address, now))
        .to.be.revertedWithCustomError(slashingManager, "SlashingEvidenceUsed")
        .withArgs(operator.address, EVIDENCE);
      expect(await slashingManager.requestCount()).to.equal(id + 1n);
      // the same hash against another operator, from another slasher, or for another offence is other evidence
      await requestFrom(service, operator2.address, 100, reporter.address, { evidence: EVIDENCE });
      await requestFrom(malicious, operator.address, 100, reporter.address, { evidence: EVIDENCE });
      const otherOffence = ethers.id("voted for an invalid output");
      expect(await slashingManager.isEvidenceUsed(service, operator.address, otherOffence, EVIDENCE)).to.equal(false);
      await (
        await service.requestSlash(operator.address, serviceSet, 100, otherOffence, EVIDENCE, reporter.address, now)
      ).wait();
      expect(await slashingManager.isEvidenceUsed(service, operator.address, otherOffence, EVIDENCE)).to.equal(true);
      expect(await slashingManager.requestCount()).to.equal(id + 4n);
    });

    it("does not use up evidence a refused request carried", async function () {
      const { slashingManager, service, serviceSet, operator, reporter } = await loadFixture(slashingFixture);
      const now = await time.latest();
      await expect(
        service.requestSlash(
          operator.address,
          serviceSet,
          SERVICE_MAX_BPS + 1,
          REASON,
          EVIDENCE,
          reporter.address,
          now,
        ),
      ).to.be.revertedWithCustomError(slashingManager, "SlashingInvalidBps");
      expect(await slashingManager.isEvidenceUsed(service, operator.address, REASON, EVIDENCE)).to.equal(false);
      await requestFrom(service, operator.address, 100, reporter.address, { evidence: EVIDENCE });
      expect(await slashingManager.isEvidenceUsed(service, operator.address, REASON, EVIDENCE)).to.equal(true);
    });

    it("refuses a caller that is not a registered slasher", async function () {
      const { slashingManager, serviceSet, operator, reporter, outsider } = await loadFixture(slashingFixture);
      await expect(
        slashingManager
          .connect(outsider)
          .requestSlash(
            operator.address,
            serviceSet,
            100,
            REASON,
            freshEvidence(),
            reporter.address,
            await time.latest(),
          ),
      )
        .to.be.revertedWithCustomError(slashingManager, "SlashingNotSlasher")
        .withArgs(outsider.address);
    });

    it("refuses a fraction of zero or above the slasher's cap, and accepts the cap", async function () {
      const { slashingManager, service, serviceSet, operator, reporter } = await loadFixture(slashingFixture);
      const now = await time.latest();
      await expect(
        service.requestSlash(operator.address, serviceSet, 0, REASON, freshEvidence(), reporter.address, now),
      )
        .to.be.revertedWithCustomError(slashingManager, "SlashingInvalidBps")
        .withArgs(0, SERVICE_MAX_BPS);
      await expect(
        service.requestSlash(
          operator.address,
          serviceSet,
          SERVICE_MAX_BPS + 1,
          REASON,
          freshEvidence(),
          reporter.address,
          now,
        ),
      )
        .to.be.revertedWithCustomError(slashingManager, "SlashingInvalidBps")
        .withArgs(SERVICE_MAX_BPS + 1, SERVICE_MAX_BPS);
      await expect(
        service.requestSlash(
          operator.address,
          serviceSet,
          SERVICE_MAX_BPS,
          REASON,
          freshEvidence(),
          reporter.address,
          now,
        ),
      ).to.emit(slashingManager, "SlashRequested");
    });

    it("accepts evidence exactly maxEvidenceAge old and refuses older", async function () {
      const { slashingManager, service, serviceSet, operator, reporter } = await loadFixture(slashingFixture);
      const now = BigInt(await time.latest()) + 100n;
      const oldest = now - BigInt(SERVICE_AGE);
      await time.setNextBlockTimestamp(now);
      await expect(
        service.requestSlash(operator.address, serviceSet, 100, REASON, freshEvidence(), reporter.address, oldest - 1n),
      )
        .to.be.revertedWithCustomError(slashingManager, "SlashingEvidenceTooOld")
        .withArgs(oldest - 1n, SERVICE_AGE);
      // exactly at the age limit (the refused transaction may have been mined: move one second on)
      await time.setNextBlockTimestamp(now + 1n);
      await expect(
        service.requestSlash(operator.address, serviceSet, 100, REASON, freshEvidence(), reporter.address, oldest + 1n),
      ).to.emit(slashingManager, "SlashRequested");
      expect((await slashingManager.request(0)).requestedAt).to.equal(now + 1n);
    });

    it("refuses evidence from the future", async function () {
      const { slashingManager, service, serviceSet, operator, reporter } = await loadFixture(slashingFixture);
      const now = BigInt(await time.latest()) + 10n;
      await time.setNextBlockTimestamp(now);
      await expect(
        service.requestSlash(operator.address, serviceSet, 100, REASON, freshEvidence(), reporter.address, now + 1n),
      )
        .to.be.revertedWithCustomError(slashingManager, "SlashingEvidenceTooOld")
        .withArgs(now + 1n, SERVICE_AGE);
      // evidence from this very block is fine
      await time.setNextBlockTimestamp(now + 1n);
      await expect(
        service.requestSlash(operator.address, serviceSet, 100, REASON, freshEvidence(), reporter.address, now + 1n),
      ).to.emit(slashingManager, "SlashRequested");
    });

    it("refuses an account that is not an operator", async function () {
      const { slashingManager, service, serviceSet, reporter, outsider } = await loadFixture(slashingFixture);
      await expect(requestTx(service, outsider.address, 100, reporter.address, { setId: serviceSet }))
        .to.be.revertedWithCustomError(slashingManager, "SlashingNotOperator")
        .withArgs(outsider.address);
    });

    it("caps pending and executed requests at 30 % per window, not counting vetoed ones", async function () {
      const { slashingManager, council, service, serviceSet, operator, operator2, reporter } =
        await loadFixture(slashingFixture);
      const a = await requestFrom(service, operator.address, 1_000, reporter.address);
      await requestFrom(service, operator.address, 1_000, reporter.address);
      const c = await requestFrom(service, operator.address, 999, reporter.address);
      expect(await slashingManager.windowSlashedBps(operator.address, serviceSet)).to.equal(2_999n);
      await expect(requestTx(service, operator.address, 2, reporter.address, { setId: serviceSet }))
        .to.be.revertedWithCustomError(slashingManager, "SlashingWindowCapExceeded")
        .withArgs(operator.address, serviceSet, 2_999n, 2, CAP);
      // exactly the cap
      await requestFrom(service, operator.address, 1, reporter.address);
      expect(await slashingManager.windowSlashedBps(operator.address, serviceSet)).to.equal(CAP);
      // another operator has its own window
      await requestFrom(service, operator2.address, 1_000, reporter.address);
      expect(await slashingManager.windowSlashedBps(operator2.address, serviceSet)).to.equal(1_000n);

      // a vetoed request does not count
      await slashingManager.connect(council).veto(c);
      expect(await slashingManager.windowSlashedBps(operator.address, serviceSet)).to.equal(CAP - 999n);
      await expect(requestTx(service, operator.address, 1_000, reporter.address, { setId: serviceSet }))
        .to.be.revertedWithCustomError(slashingManager, "SlashingWindowCapExceeded")
        .withArgs(operator.address, serviceSet, CAP - 999n, 1_000, CAP);
      await requestFrom(service, operator.address, 999, reporter.address);
      expect(await slashingManager.windowSlashedBps(operator.address, serviceSet)).to.equal(CAP);

      // an executed one keeps counting
      await time.increaseTo((await slashingManager.request(a)).executableAt);
      await slashingManager.execute(a);
      expect(await slashingManager.windowSlashedBps(operator.address, serviceSet)).to.equal(CAP);
      await expect(requestTx(service, operator.address, 1, reporter.address, { setId: serviceSet }))
        .to.be.revertedWithCustomError(slashingManager, "SlashingWindowCapExceeded")
        .withArgs(operator.address, serviceSet, CAP, 1, CAP);
    });

    it("drops a request from the window exactly windowDuration after it was made", async function () {
      const { slashingManager, service, serviceSet, operator, reporter, windowDuration } =
        await loadFixture(slashingFixture);
      const t1 = BigInt(await time.latest()) + 10n;
      for (let i = 0n; i < 3n; i++) {
        await time.setNextBlockTimestamp(t1 + i * 100n);
        await service.requestSlash(operator.address, serviceSet, 1_000, REASON, freshEvidence(), reporter.address, t1);
      }
      const evidence = t1 + windowDuration - 1_000n;
      await time.increaseTo(t1 + windowDuration - 2n);
      expect(await slashingManager.windowSlashedBps(operator.address, serviceSet)).to.equal(CAP);
      // one second before the first request leaves the window
      await time.setNextBlockTimestamp(t1 + windowDuration - 1n);
      await expect(
        service.requestSlash(operator.address, serviceSet, 1, REASON, freshEvidence(), reporter.address, evidence),
      )
        .to.be.revertedWithCustomError(slashingManager, "SlashingWindowCapExceeded")
        .withArgs(operator.address, serviceSet, CAP, 1, CAP);
      // at requestedAt + window it has left (requestedAt <= now - window)
      await time.setNextBlockTimestamp(t1 + windowDuration);
      await expect(
        service.requestSlash(operator.address, serviceSet, 1_000, REASON, freshEvidence(), reporter.address, evidence),
      ).to.emit(slashingManager, "SlashRequested");
      expect(await slashingManager.windowSlashedBps(operator.address, serviceSet)).to.equal(CAP);
      // the second one leaves 100 s later
      await time.setNextBlockTimestamp(t1 + windowDuration + 99n);
      await expect(
        service.requestSlash(operator.address, serviceSet, 1, REASON, freshEvidence(), reporter.address, evidence),
      )
        .to.be.revertedWithCustomError(slashingManager, "SlashingWindowCapExceeded")
        .withArgs(operator.address, serviceSet, CAP, 1, CAP);
      await time.setNextBlockTimestamp(t1 + windowDuration + 100n);
      await expect(
        service.requestSlash(operator.address, serviceSet, 1_000, REASON, freshEvidence(), reporter.address, evidence),
      ).to.emit(slashingManager, "SlashRequested");
      expect(await slashingManager.windowSlashedBps(operator.address, serviceSet)).to.equal(CAP);
    });

    it("refuses a 17th request within one window, a veto freeing its place", async function () {
      const {
        slashingManager,
        council,
        service,
        serviceSet,
        malicious,
        maliciousSet,
        operator,
        reporter,
        windowDuration,
      } = await loadFixture(slashingFixture);
      const first = BigInt(await time.latest()) + 1n;
      for (let i = 0n; i < MAX_REQUESTS; i++) {
        await time.setNextBlockTimestamp(first + i * 100n);
        await service.requestSlash(operator.address, serviceSet, 1, REASON, freshEvidence(), reporter.address, first);
      }
      expect(await slashingManager.windowSlashedBps(operator.address, serviceSet)).to.equal(MAX_REQUESTS);
      await expect(
        service.requestSlash(operator.address, serviceSet, 1, REASON, freshEvidence(), reporter.address, first),
      )
        .to.be.revertedWithCustomError(slashingManager, "SlashingTooManyRequests")
        .withArgs(operator.address, serviceSet, MAX_REQUESTS);
      // the limit is per (operator, set): the operator's other set takes requests still
      await expect(
        malicious.requestSlash(operator.address, maliciousSet, 1, REASON, freshEvidence(), reporter.address, first),
      ).to.emit(slashingManager, "SlashRequested");
      expect(await slashingManager.windowSlashedBps(operator.address, maliciousSet)).to.equal(1n);
      // a vetoed request neither counts nor holds a place
      await slashingManager.connect(council).veto(5);
      expect(await slashingManager.windowSlashedBps(operator.address, serviceSet)).to.equal(MAX_REQUESTS - 1n);
      await expect(
        service.requestSlash(operator.address, serviceSet, 1, REASON, freshEvidence(), reporter.address, first),
      ).to.emit(slashingManager, "SlashRequested");
      await expect(
        service.requestSlash(operator.address, serviceSet, 1, REASON, freshEvidence(), reporter.address, first),
      )
        .to.be.revertedWithCustomError(slashingManager, "SlashingTooManyRequests")
        .withArgs(operator.address, serviceSet, MAX_REQUESTS);
      // once the first request left the window, there is room for one more, and only one
      const later = first + windowDuration;
      await time.setNextBlockTimestamp(later);
      await expect(
        service.requestSlash(operator.address, serviceSet, 1, REASON, freshEvidence(), reporter.address, later),
      ).to.emit(slashingManager, "SlashRequested");
      await time.setNextBlockTimestamp(later + 99n);
      await expect(
        service.requestSlash(operator.address, serviceSet, 1, REASON, freshEvidence(), reporter.address, later),
      )
        .to.be.revertedWithCustomError(slashingManager, "SlashingTooManyRequests")
        .withArgs(operator.address, serviceSet, MAX_REQUESTS);
    });

    it("reports an unknown request id from the request view", async function () {
      const { slashingManager, service, operator, reporter } = await loadFixture(slashingFixture);
      await expect(slashingManager.request(0))
        .to.be.revertedWithCustomError(slashingManager, "SlashingUnknownRequest")
        .withArgs(0);
      await requestFrom(service, operator.address, 100, reporter.address);
      await expect(slashingManager.request(1))
        .to.be.revertedWithCustomError(slashingManager, "SlashingUnknownRequest")
        .withArgs(1);
    });
  });

  // ================================================================= veto

  describe("veto", function () {
    async function pendingFixture() {
      const base = await loadFixture(slashingFixture);
      const id = await requestFrom(base.service, base.operator.address, 1_000, base.reporter.address);
      const { executableAt } = await base.slashingManager.request(id);
      return { ...base, id, executableAt };
    }

    it("vetoes a pending request up to the last second, unjails the operator and emits SlashVetoed", async function () {
      const { slashingManager, serviceSet, registry, council, operator, id, executableAt } =
        await loadFixture(pendingFixture);
      await time.setNextBlockTimestamp(executableAt - 1n);
      await expect(slashingManager.connect(council).veto(id))
        .to.emit(slashingManager, "SlashVetoed")
        .withArgs(id, operator.address);
      expect((await slashingManager.request(id)).status).to.equal(VETOED);
      expect(await registry.isJailed(operator.address)).to.equal(false);
      expect(await registry.pendingSlashes(operator.address)).to.equal(0n);
      expect(await slashingManager.windowSlashedBps(operator.address, serviceSet)).to.equal(0n);
    });

    it("keeps the operator jailed while another request is pending, against any of its sets", async function () {
      const { slashingManager, registry, council, malicious, operator, reporter, id } =
        await loadFixture(pendingFixture);
      await requestFrom(malicious, operator.address, 100, reporter.address);
      await slashingManager.connect(council).veto(id);
      expect(await registry.isJailed(operator.address)).to.equal(true);
      expect(await registry.pendingSlashes(operator.address)).to.equal(1n);
    });

    it("refuses a veto from the executableAt second on", async function () {
      const { slashingManager, council, id, executableAt } = await loadFixture(pendingFixture);
      await time.setNextBlockTimestamp(executableAt);
      await expect(slashingManager.connect(council).veto(id))
        .to.be.revertedWithCustomError(slashingManager, "SlashingVetoWindowClosed")
        .withArgs(id, executableAt);
    });

    it("refuses any caller but the vetoer, the owner included", async function () {
      const { slashingManager, deployer, outsider, id } = await loadFixture(pendingFixture);
      for (const caller of [outsider, deployer]) {
        await expect(slashingManager.connect(caller).veto(id))
          .to.be.revertedWithCustomError(slashingManager, "SlashingNotVetoer")
          .withArgs(caller.address);
      }
    });

    it("refuses a request that is not pending", async function () {
      const { slashingManager, council, service, operator, reporter, id } = await loadFixture(pendingFixture);
      await slashingManager.connect(council).veto(id);
      await expect(slashingManager.connect(council).veto(id))
        .to.be.revertedWithCustomError(slashingManager, "SlashingNotPending")
        .withArgs(id, VETOED);
      const executed = await requestFrom(service, operator.address, 100, reporter.address);
      await time.increaseTo((await slashingManager.request(executed)).executableAt);
      await slashingManager.execute(executed);
      await expect(slashingManager.connect(council).veto(executed))
        .to.be.revertedWithCustomError(slashingManager, "SlashingNotPending")
        .withArgs(executed, EXECUTED);
    });

    it("refuses an unknown request", async function () {
      const { slashingManager, council, id } = await loadFixture(pendingFixture);
      await expect(slashingManager.connect(council).veto(id + 1n))
        .to.be.revertedWithCustomError(slashingManager, "SlashingUnknownRequest")
        .withArgs(id + 1n);
    });
  });

  // ================================================================= execute

  describe("execute", function () {
    it("refuses execution before executableAt", async function () {
      const { slashingManager, service, operator, reporter } = await loadFixture(slashingFixture);
      const id = await requestFrom(service, operator.address, 500, reporter.address);
      const { executableAt } = await slashingManager.request(id);
      await time.setNextBlockTimestamp(executableAt - 1n);
      await expect(slashingManager.execute(id))
        .to.be.revertedWithCustomError(slashingManager, "SlashingVetoWindowOpen")
        .withArgs(id, executableAt);
    });

    it("lets anyone execute at executableAt: reporter share claimable, ALT set aside to burn, other assets claimable by the treasury", async function () {
      const {
        slashingManager,
        registry,
        operatorSets,
        token,
        lst,
        service,
        serviceSet,
        operator,
        reporter,
        outsider,
        treasury,
        reporterBps,
      } = await loadFixture(slashingFixture);
      const bps = 777n;
      const id = await requestFrom(service, operator.address, bps, reporter.address);
      const { requestedAt, executableAt } = await slashingManager.request(id);

      const altAssets = (await registry.pool(operator.address, 0)).totalAssets;
      const lstAssets = (await registry.pool(operator.address, 1)).totalAssets;
      expect(altAssets).to.equal(SELF_STAKE + STAKER_ALT);
      expect(lstAssets).to.equal(STAKER_LST);
      // the honest set holds the whole stake but the malicious set's slice: ALT + LST at weight 2
      const allocated = (await operatorSets.allocation(serviceSet, operator.address)).allocated;
      expect(allocated).to.equal(altAssets + 2n * lstAssets - MALICIOUS_ALLOCATION);
      const expected = await expectedSlash(registry, operatorSets, operator.address, serviceSet, bps, requestedAt);
      expect(expected.totalValue).to.equal(altAssets + 2n * lstAssets);
      expect(expected.value).to.equal((allocated * bps) / BPS);
      expect(expected.value * BPS).to.not.equal(allocated * bps); // the rounding down is exercised
      const [altAmount, lstAmount] = expected.amounts;
      expect(altAmount).to.equal((altAssets * expected.value) / expected.totalValue);
      expect(lstAmount).to.equal((lstAssets * expected.value) / expected.totalValue);
      const altReporter = (altAmount * reporterBps) / BPS;
      const lstReporter = (lstAmount * reporterBps) / BPS;

      const supplyBefore = await token.totalSupply();
      expect(await registry.altToBurn()).to.equal(0n);
      const registryAlt = await token.balanceOf(registry);
      const registryLst = await lst.balanceOf(registry);
      const reporterAlt = await token.balanceOf(reporter);
      const treasuryAlt = await token.balanceOf(treasury);
      const treasuryLst = await lst.balanceOf(treasury);

      await time.setNextBlockTimestamp(executableAt);
      const tx = slashingManager.connect(outsider).execute(id);
      await expect(tx)
        .to.emit(slashingManager, "SlashExecuted")
        .withArgs(id, operator.address, serviceSet, bps, [altAmount, lstAmount]);
      await expect(tx)
        .to.emit(operatorSets, "AllocationSlashed")
        .withArgs(serviceSet, operator.address, expected.fromAllocated, 0);
      await expect(tx)
        .to.emit(registry, "PoolSlashed")
        .withArgs(id, operator.address, 0, altAmount, altReporter, altAssets - altAmount)
        .and.to.emit(registry, "PoolSlashed")
        .withArgs(id, operator.address, 1, lstAmount, lstReporter, lstAssets - lstAmount);
      await expect(tx)
        .to.emit(registry, "SlashProceedsCredited")
        .withArgs(reporter.address, 0, altReporter)
        .and.to.emit(registry, "SlashProceedsCredited")
        .withArgs(reporter.address, 1, lstReporter)
        .and.to.emit(registry, "SlashProceedsCredited")
        .withArgs(treasury.address, 1, lstAmount - lstReporter);

      // nothing leaves the registry and nothing is burned: the shares wait there to be claimed, the rest of the ALT to
      // be burned
      await expect(tx).to.not.emit(token, "Transfer");
      expect(await token.totalSupply()).to.equal(supplyBefore);
      expect(await registry.altToBurn()).to.equal(altAmount - altReporter);
      expect(await token.balanceOf(registry)).to.equal(registryAlt);
      expect(await lst.balanceOf(registry)).to.equal(registryLst);
      expect(await token.balanceOf(reporter)).to.equal(reporterAlt);
      expect(await lst.balanceOf(reporter)).to.equal(0n);
      expect(await token.balanceOf(treasury)).to.equal(treasuryAlt);
      expect(await lst.balanceOf(treasury)).to.equal(treasuryLst);
      expect(await registry.slashProceeds(reporter.address, 0)).to.equal(altReporter);
      expect(await registry.slashProceeds(reporter.address, 1)).to.equal(lstReporter);
      expect(await registry.slashProceeds(treasury.address, 0)).to.equal(0n); // ALT's rest is burned, never the treasury's
      expect(await registry.slashProceeds(treasury.address, 1)).to.equal(lstAmount - lstReporter);

      await expect(registry.connect(reporter).claimSlashProceeds(0, reporter.address))
        .to.emit(registry, "SlashProceedsClaimed")
        .withArgs(reporter.address, 0, reporter.address, altReporter);
      await (await registry.connect(reporter).claimSlashProceeds(1, reporter.address)).wait();
      await (await registry.connect(treasury).claimSlashProceeds(1, treasury.address)).wait();
      expect(await token.balanceOf(reporter)).to.equal(reporterAlt + altReporter);
      expect(await lst.balanceOf(reporter)).to.equal(lstReporter);
      expect(await lst.balanceOf(treasury)).to.equal(treasuryLst + lstAmount - lstReporter);
      expect(await token.balanceOf(registry)).to.equal(registryAlt - altReporter);
      expect(await token.totalSupply()).to.equal(supplyBefore);
      // anyone burns the rest of the ALT
      expect(await registry.connect(outsider).burnSlashedAlt.staticCall()).to.equal(altAmount - altReporter);
      await expect(registry.connect(outsider).burnSlashedAlt())
        .to.emit(registry, "SlashedAltBurned")
        .withArgs(outsider.address, altAmount - altReporter);
      expect(await token.totalSupply()).to.equal(supplyBefore - (altAmount - altReporter));
      expect(await registry.altToBurn()).to.equal(0n);
      expect(await token.balanceOf(registry)).to.equal(registryAlt - altAmount);
      expect(await lst.balanceOf(registry)).to.equal(registryLst - lstAmount);
      expect(await registry.slashProceeds(reporter.address, 0)).to.equal(0n);
      expect(await registry.slashProceeds(reporter.address, 1)).to.equal(0n);
      expect(await registry.slashProceeds(treasury.address, 1)).to.equal(0n);
      expect((await registry.pool(operator.address, 0)).totalAssets).to.equal(altAssets - altAmount);
      expect((await registry.pool(operator.address, 1)).totalAssets).to.equal(lstAssets - lstAmount);
      expect((await operatorSets.allocation(serviceSet, operator.address)).allocated).to.equal(
        allocated - expected.fromAllocated,
      );
      expect((await slashingManager.request(id)).status).to.equal(EXECUTED);
      expect(await registry.isJailed(operator.address)).to.equal(false);
      expect(await slashingManager.windowSlashedBps(operator.address, serviceSet)).to.equal(bps);
    });

    it("a redirected request (requestSlashTo) pays its recipient the ALT it slashes instead of burning it, no reporter share, other assets still the treasury's", async function () {
      const { slashingManager, registry, operatorSets, token, service, serviceSet, operator, outsider, treasury } =
        await loadFixture(slashingFixture);
      const recipient = outsider.address;
      const bps = 777n;
      const at = await time.latest();
      await expect(
        service.requestSlashTo(operator.address, serviceSet, bps, REASON, freshEvidence(), ethers.ZeroAddress, at),
      ).to.be.revertedWithCustomError(slashingManager, "SlashingZeroAddress");
      const evidence = freshEvidence();
      const id = await slashingManager.requestCount();
      const tx = service.requestSlashTo(operator.address, serviceSet, bps, REASON, evidence, recipient, at);
      await expect(tx)
        .to.emit(slashingManager, "SlashRedirected")
        .withArgs(id, recipient)
        .and.to.emit(slashingManager, "SlashRequested")
        .withArgs(
          id,
          operator.address,
          await service.getAddress(),
          serviceSet,
          bps,
          REASON,
          evidence,
          ethers.ZeroAddress,
          anyValue,
        );
      expect(await slashingManager.recipientOf(id)).to.equal(recipient);
      expect(await slashingManager.recipientOf(id + 1n)).to.equal(ethers.ZeroAddress);
      const { requestedAt, executableAt } = await slashingManager.request(id);
      const [altAmount, lstAmount] = (
        await expectedSlash(registry, operatorSets, operator.address, serviceSet, bps, requestedAt)
      ).amounts;
      expect(altAmount * lstAmount).to.not.equal(0n);
      await time.setNextBlockTimestamp(executableAt);
      const executed = slashingManager.execute(id);
      await expect(executed)
        .to.emit(registry, "SlashProceedsCredited")
        .withArgs(recipient, 0, altAmount)
        .and.to.emit(registry, "SlashProceedsCredited")
        .withArgs(treasury.address, 1, lstAmount);
      expect(await registry.altToBurn()).to.equal(0n);
      expect(await registry.slashProceeds(recipient, 0)).to.equal(altAmount);
      expect(await registry.slashProceeds(recipient, 1)).to.equal(0n);
      const before = await token.balanceOf(recipient);
      await (await registry.connect(outsider).claimSlashProceeds(0, recipient)).wait();
      expect(await token.balanceOf(recipient)).to.equal(before + altAmount);
    });

    it("returns the amounts per asset, zero for an asset the operator has no pool of", async function () {
      const { slashingManager, registry, operatorSets, service, serviceSet, operator2, reporter } =
        await loadFixture(slashingFixture);
      const id = await requestFrom(service, operator2.address, 1_000, reporter.address);
      const { requestedAt, executableAt } = await slashingManager.request(id);
      await time.increaseTo(executableAt);
      // ALT only: the pools' value is the ALT pool, which loses all of the value cut from the allocation
      const expected = ((OTHER_STAKE - MALICIOUS_ALLOCATION) * 1_000n) / BPS;
      expect(
        (await expectedSlash(registry, operatorSets, operator2.address, serviceSet, 1_000, requestedAt)).amounts,
      ).to.deep.equal([expected, 0n]);
      expect(await slashingManager.execute.staticCall(id)).to.deep.equal([expected, 0n]);
      const tx = slashingManager.execute(id);
      await expect(tx)
        .to.emit(slashingManager, "SlashExecuted")
        .withArgs(id, operator2.address, serviceSet, 1_000, [expected, 0n]);
      // no event for the pool that is not there
      const receipt = await (await tx).wait();
      const slashed = await registry.queryFilter(registry.filters.PoolSlashed(), receipt!.blockNumber);
      expect(slashed.map((e) => e.args.assetId)).to.deep.equal([0n]);
      expect((await registry.pool(operator2.address, 0)).totalAssets).to.equal(OTHER_STAKE - expected);
    });

    it("slashes queued withdrawals too and releases them once executed", async function () {
      const { slashingManager, registry, operatorSets, token, service, serviceSet, operator, staker, reporter } =
        await loadFixture(slashingFixture);
      const shares = await registry.sharesOf(staker.address, operator.address, 0);
      const unstake = await registry.connect(staker).requestUnstake(operator.address, 0, shares);
      const [event] = await registry.queryFilter(
        registry.filters.UnstakeRequested(),
        (await unstake.wait())!.blockNumber,
      );
      const withdrawal = toWithdrawal(event.args.withdrawal);
      expect([withdrawal.staker, withdrawal.shares]).to.deep.equal([staker.address, shares]);
      const id = await requestFrom(service, operator.address, 1_000, reporter.address);
      const expected = await expectedSlash(
        registry,
        operatorSets,
        operator.address,
        serviceSet,
        1_000,
        (await slashingManager.request(id)).requestedAt,
      );
      // the staker's exit shrank the allocation, the cut pending and still slashable
      expect(expected.fromPending).to.be.greaterThan(0n);
      await time.increaseTo(withdrawal.unlockAt);
      await expect(registry.connect(staker).completeUnstake(withdrawal))
        .to.be.revertedWithCustomError(registry, "RegistryOperatorJailed")
        .withArgs(operator.address);
      const pool = await registry.pool(operator.address, 0);
      expect(pool.totalAssets).to.equal(expected.totals[0]); // queued shares' assets included
      await slashingManager.execute(id);
      const assetsAfter = pool.totalAssets - expected.amounts[0];
      expect((await registry.pool(operator.address, 0)).totalAssets).to.equal(assetsAfter);
      const owed = (shares * (assetsAfter + VIRTUAL_ASSETS)) / (pool.totalShares + VIRTUAL_SHARES);
      expect(owed).to.be.lessThan(STAKER_ALT);
      await expect(registry.connect(staker).completeUnstake(withdrawal)).to.changeTokenBalance(token, staker, owed);
    });

    it("always executes: a token that blocklists the reporter and the treasury neither blocks it nor freezes the operator", async function () {
      const {
        slashingManager,
        registry,
        operatorSets,
        service,
        serviceSet,
        operator,
        staker,
        reporter,
        outsider,
        treasury,
        deployer,
        reporterBps,
      } = await loadFixture(slashingFixture);
      const busd = await (await ethers.getContractFactory("BlocklistToken")).deploy();
      await (await registry.connect(deployer).addAsset(busd, ALT, 10n ** 30n)).wait();
      const assetId = (await registry.assetCount()) - 1n;
      const staked = 500n * ALT;
      await (await busd.mint(staker.address, staked)).wait();
      await (await busd.connect(staker).approve(registry, staked)).wait();
      await (await registry.connect(staker).stake(operator.address, assetId, staked)).wait();
      const id = await requestFrom(service, operator.address, 1_000, reporter.address);
      // the token turns against both payees while the request waits out its veto window
      await (await busd.setBlocklisted(reporter.address, true)).wait();
      await (await busd.setBlocklisted(treasury.address, true)).wait();
      const { requestedAt, executableAt } = await slashingManager.request(id);
      await time.increaseTo(executableAt);
      // the new pool (unallocated stake) pays the same fraction as the others
      const expected = await expectedSlash(registry, operatorSets, operator.address, serviceSet, 1_000, requestedAt);
      const amount = expected.amounts[Number(assetId)];
      expect(amount).to.equal((staked * expected.value) / expected.totalValue);
      expect(amount).to.be.greaterThan(0n);
      const toReporter = (amount * reporterBps) / BPS;
      await expect(slashingManager.connect(outsider).execute(id))
        .to.emit(registry, "PoolSlashed")
        .withArgs(id, operator.address, assetId, amount, toReporter, staked - amount);
      expect(await registry.isJailed(operator.address)).to.equal(false);
      expect(await registry.slashProceeds(reporter.address, assetId)).to.equal(toReporter);
      expect(await registry.slashProceeds(treasury.address, assetId)).to.equal(amount - toReporter);
      // the staker leaves in full after the delay: nothing froze
      const shares = await registry.sharesOf(staker.address, operator.address, assetId);
      const unstake = await (await registry.connect(staker).requestUnstake(operator.address, assetId, shares)).wait();
      const [event] = await registry.queryFilter(registry.filters.UnstakeRequested(), unstake!.blockNumber);
      const withdrawal = toWithdrawal(event.args.withdrawal);
      await time.increaseTo(withdrawal.unlockAt);
      await expect(registry.connect(staker).completeUnstake(withdrawal)).to.changeTokenBalance(
        busd,
        staker,
        staked - amount,
      );
      // the blocklisted reporter's own claim is refused by the token, and loses nothing; another recipient is paid
      await expect(registry.connect(reporter).claimSlashProceeds(assetId, reporter.address))
        .to.be.revertedWithCustomError(busd, "Blocklisted")
        .withArgs(reporter.address);
      expect(await registry.slashProceeds(reporter.address, assetId)).to.equal(toReporter);
      await expect(registry.connect(reporter).claimSlashProceeds(assetId, outsider.address)).to.changeTokenBalances(
        busd,
        [registry, outsider],
        [-toReporter, toReporter],
      );
      expect(await registry.slashProceeds(reporter.address, assetId)).to.equal(0n);
    });

    it("refuses a request executed already or vetoed", async function () {
      const { slashingManager, council, service, operator, reporter } = await loadFixture(slashingFixture);
      const a = await requestFrom(service, operator.address, 100, reporter.address);
      const b = await requestFrom(service, operator.address, 100, reporter.address);
      await slashingManager.connect(council).veto(b);
      await time.increaseTo((await slashingManager.request(b)).executableAt);
      await slashingManager.execute(a);
      await expect(slashingManager.execute(a))
        .to.be.revertedWithCustomError(slashingManager, "SlashingNotPending")
        .withArgs(a, EXECUTED);
      await expect(slashingManager.execute(b))
        .to.be.revertedWithCustomError(slashingManager, "SlashingNotPending")
        .withArgs(b, VETOED);
    });

    it("refuses an unknown request", async function () {
      const { slashingManager } = await loadFixture(slashingFixture);
      await expect(slashingManager.execute(0))
        .to.be.revertedWithCustomError(slashingManager, "SlashingUnknownRequest")
        .withArgs(0);
    });

    it("executes a request without a reporter: no reporter share, all ALT set aside to burn, the rest to the treasury", async function () {
      const { slashingManager, registry, operatorSets, token, lst, service, serviceSet, operator, treasury, outsider } =
        await loadFixture(slashingFixture);
      const now = await time.latest();
      const id = await slashingManager.requestCount();
      await expect(service.requestSlash(operator.address, serviceSet, 1_000, REASON, EVIDENCE, ethers.ZeroAddress, now))
        .to.emit(slashingManager, "SlashRequested")
        .withArgs(
          id,
          operator.address,
          await service.getAddress(),
          serviceSet,
          1_000,
          REASON,
          EVIDENCE,
          ethers.ZeroAddress,
          anyValue,
        );
      const { requestedAt, executableAt } = await slashingManager.request(id);
      const expected = await expectedSlash(registry, operatorSets, operator.address, serviceSet, 1_000, requestedAt);
      const [altAmount, lstAmount] = expected.amounts;
      expect(lstAmount).to.be.greaterThan(0n);
      const supplyBefore = await token.totalSupply();
      const registryAlt = await token.balanceOf(registry);
      expect(await registry.altToBurn()).to.equal(0n);
      const treasuryLst = await lst.balanceOf(treasury);
      await time.increaseTo(executableAt);
      const tx = slashingManager.execute(id);
      await expect(tx)
        .to.emit(slashingManager, "SlashExecuted")
        .withArgs(id, operator.address, serviceSet, 1_000, [altAmount, lstAmount]);
      await expect(tx)
        .to.emit(registry, "PoolSlashed")
        .withArgs(id, operator.address, 0, altAmount, 0, SELF_STAKE + STAKER_ALT - altAmount);
      expect(await token.totalSupply()).to.equal(supplyBefore);
      expect(await registry.altToBurn()).to.equal(altAmount);
      expect(await token.balanceOf(registry)).to.equal(registryAlt);
      expect(await lst.balanceOf(treasury)).to.equal(treasuryLst);
      expect(await registry.slashProceeds(treasury.address, 1)).to.equal(lstAmount);
      expect(await registry.slashProceeds(ethers.ZeroAddress, 0)).to.equal(0n);
      expect(await registry.isJailed(operator.address)).to.equal(false);
      // all of the ALT taken is burned
      await expect(registry.connect(outsider).burnSlashedAlt())
        .to.emit(registry, "SlashedAltBurned")
        .withArgs(outsider.address, altAmount);
      expect(await token.totalSupply()).to.equal(supplyBefore - altAmount);
      expect(await token.balanceOf(registry)).to.equal(registryAlt - altAmount);
      expect(await registry.altToBurn()).to.equal(0n);
    });
  });

  // ================================================================= set scope

  describe("set-scoped slashing", function () {
    type Fixture = Awaited<ReturnType<typeof slashingFixture>>;

    /** Registers `account` as an operator with `amount` ALT of its own stake, allocated to no set. */
    async function registerOperator({ registry, token }: Fixture, account: Fixture["outsider"], amount: bigint) {
      await registry.connect(account).registerOperator("ipfs://operator-new", 500);
      await token.connect(account).approve(registry, ethers.MaxUint256);
      await registry.connect(account).stake(account.address, 0, amount);
    }

    it("slashes only the set's allocation", async function () {
      const {
        slashingManager,
        registry,
        operatorSets,
        service,
        serviceSet,
        maliciousSet,
        operator,
        operator2,
        reporter,
      } = await loadFixture(slashingFixture);
      // the operator backs set A (the honest service's) and set B (the malicious service's) with parts of its stake
      const [setA, setB] = [serviceSet, maliciousSet];
      const bps = 1_000n;
      const [allocatedA] = await allocationOf(operatorSets, setA, operator.address);
      const allocationB = await allocationOf(operatorSets, setB, operator.address);
      expect(allocationB).to.deep.equal([MALICIOUS_ALLOCATION, 0n, 0n]);
      const [allocatedBefore, encumberedBefore] = await operatorSets.allocatedOf(operator.address);
      expect(allocatedBefore).to.equal(allocatedA + MALICIOUS_ALLOCATION);
      const stakeBefore = await registry.operatorStake(operator.address);
      expect(stakeBefore).to.equal(allocatedBefore); // its whole stake is allocated
      const other = await allocationOf(operatorSets, setA, operator2.address);
      const next = (await operatorSets.currentEpoch()) + 1n;
      const setStakeA = await operatorSets.setStakeAt(setA, next);
      const setStakeB = await operatorSets.setStakeAt(setB, next);

      const id = await requestFrom(service, operator.address, bps, reporter.address, { setId: setA });
      const { requestedAt, executableAt } = await slashingManager.request(id);
      await time.increaseTo(executableAt);
      const expected = await expectedSlash(registry, operatorSets, operator.address, setA, bps, requestedAt);
      // bps of A's allocation, not of the whole stake
      expect(expected.fromAllocated).to.equal((allocatedA * bps) / BPS);
      expect(expected.fromPending).to.equal(0n);
      expect(expected.value).to.equal(expected.fromAllocated);
      expect(expected.value).to.be.lessThan((stakeBefore * bps) / BPS);
      const tx = slashingManager.execute(id);
      await expect(tx)
        .to.emit(operatorSets, "AllocationSlashed")
        .withArgs(setA, operator.address, expected.fromAllocated, 0);
      await expect(tx)
        .to.emit(slashingManager, "SlashExecuted")
        .withArgs(id, operator.address, setA, bps, expected.amounts);
      await expect(tx).to.not.emit(operatorSets, "AllocationsReduced");

      // each pool lost value / totalValue of its assets, and the operator's stake exactly the value taken: the value cut
      // from the allocation less each pool's floor (under one wei of its weight: 1 for ALT, 2 for the LST)
      for (const [i, total] of expected.totals.entries()) {
        expect((await registry.pool(operator.address, i)).totalAssets).to.equal(total - expected.amounts[i]);
      }
      expect(expected.value - expected.takenValue).to.be.lessThan(3n);
      expect(await registry.operatorStake(operator.address)).to.equal(stakeBefore - expected.takenValue);
      expect(await activeValueOf(registry, operator.address)).to.equal(stakeBefore - expected.takenValue);

      // A's allocation lost exactly the value; B's is untouched, and so is the other member's of A
      expect(await allocationOf(operatorSets, setA, operator.address)).to.deep.equal([
        allocatedA - expected.value,
        0n,
        0n,
      ]);
      expect(await allocationOf(operatorSets, setB, operator.address)).to.deep.equal(allocationB);
      expect(await allocationOf(operatorSets, setA, operator2.address)).to.deep.equal(other);
      expect(await operatorSets.allocatedOf(operator.address)).to.deep.equal([
        allocatedBefore - expected.value,
        encumberedBefore - expected.value,
      ]);
      // from the epoch after the execution on, set A counts the smaller allocation (past epochs keep what they
      // counted), set B the same
      const after = (await operatorSets.currentEpoch()) + 1n;
      expect(after).to.be.greaterThan(next);
      expect(await operatorSets.allocationAt(setA, operator.address, after)).to.equal(allocatedA - expected.value);
      expect(await operatorSets.allocationAt(setA, operator.address, after - 1n)).to.equal(allocatedA);
      expect(await operatorSets.allocationAt(setB, operator.address, after)).to.equal(MALICIOUS_ALLOCATION);
      expect(await operatorSets.setStakeAt(setA, after)).to.equal(setStakeA - expected.value);
      expect(await operatorSets.setStakeAt(setA, after - 1n)).to.equal(setStakeA);
      expect(await operatorSets.setStakeAt(setB, after)).to.equal(setStakeB);
    });

    it("the 30 % cap is per (operator, set)", async function () {
      const f = await loadFixture(slashingFixture);
      const { slashingManager, operatorSets, service, serviceSet, malicious, maliciousSet, operator, reporter, users } =
        f;
      // one service fills the cap on its set...
      for (let i = 0; i < 3; i++) await requestFrom(service, operator.address, 1_000, reporter.address);
      expect(await slashingManager.windowSlashedBps(operator.address, serviceSet)).to.equal(CAP);
      await expect(requestTx(service, operator.address, 1, reporter.address, { setId: serviceSet }))
        .to.be.revertedWithCustomError(slashingManager, "SlashingWindowCapExceeded")
        .withArgs(operator.address, serviceSet, CAP, 1, CAP);
      // ...which does not stop another service's request on its own set (before: one cap shared by every slasher)
      const id = await slashingManager.requestCount();
      const evidence = freshEvidence();
      await expect(
        requestTx(malicious, operator.address, MALICIOUS_MAX_BPS, reporter.address, {
          setId: maliciousSet,
          evidence: evidence,
        }),
      )
        .to.emit(slashingManager, "SlashRequested")
        .withArgs(
          id,
          operator.address,
          await malicious.getAddress(),
          maliciousSet,
          MALICIOUS_MAX_BPS,
          REASON,
          evidence,
          reporter.address,
          anyValue,
        );
      expect(await slashingManager.windowSlashedBps(operator.address, maliciousSet)).to.equal(
        BigInt(MALICIOUS_MAX_BPS),
      );
      expect(await slashingManager.windowSlashedBps(operator.address, serviceSet)).to.equal(CAP);

      // per set, not per service: a second set of the same service has a cap of its own
      const third = users[2];
      await registerOperator(f, third, 1_000n * ALT);
      await service.createSet(ethers.id("second"), 0, 256);
      const second = await operatorSets.setIdOf(service, ethers.id("second"));
      await operatorSets.connect(third).join(serviceSet, 400n * ALT);
      await operatorSets.connect(third).join(second, await operatorSets.freeStake(third.address));
      for (let i = 0; i < 3; i++) await requestFrom(service, third.address, 1_000, reporter.address);
      await expect(requestTx(service, third.address, 1, reporter.address, { setId: serviceSet }))
        .to.be.revertedWithCustomError(slashingManager, "SlashingWindowCapExceeded")
        .withArgs(third.address, serviceSet, CAP, 1, CAP);
      for (let i = 0; i < 3; i++) await requestFrom(service, third.address, 1_000, reporter.address, { setId: second });
      expect(await slashingManager.windowSlashedBps(third.address, second)).to.equal(CAP);
      await expect(requestTx(service, third.address, 1, reporter.address, { setId: second }))
        .to.be.revertedWithCustomError(slashingManager, "SlashingWindowCapExceeded")
        .withArgs(third.address, second, CAP, 1, CAP);
    });

    it("a service slashes only its own sets", async function () {
      const {
        slashingManager,
        registry,
        operatorSets,
        service,
        serviceSet,
        malicious,
        maliciousSet,
        operator,
        reporter,
        deployer,
        outsider,
      } = await loadFixture(slashingFixture);
      const now = await time.latest();
      await expect(malicious.requestSlash(operator.address, serviceSet, 100, REASON, EVIDENCE, reporter.address, now))
        .to.be.revertedWithCustomError(slashingManager, "SlashingNotSetService")
        .withArgs(serviceSet, await malicious.getAddress());
      await expect(service.requestSlash(operator.address, maliciousSet, 100, REASON, EVIDENCE, reporter.address, now))
        .to.be.revertedWithCustomError(slashingManager, "SlashingNotSetService")
        .withArgs(maliciousSet, await service.getAddress());
      // a registered slasher that is no operator-set service at all owns no set
      await slashingManager.connect(deployer).setSlasher(outsider.address, 1_000, days(1));
      await expect(
        slashingManager
          .connect(outsider)
          .requestSlash(operator.address, serviceSet, 100, REASON, EVIDENCE, reporter.address, now),
      )
        .to.be.revertedWithCustomError(slashingManager, "SlashingNotSetService")
        .withArgs(serviceSet, outsider.address);
      // a set that does not exist: OperatorSets refuses it
      const unknown = await operatorSets.setIdOf(service, ethers.id("no such set"));
      await expect(service.requestSlash(operator.address, unknown, 100, REASON, EVIDENCE, reporter.address, now))
        .to.be.revertedWithCustomError(operatorSets, "SetsUnknownSet")
        .withArgs(unknown);
      // nothing was recorded: no request, no jail, the evidence unused
      expect(await slashingManager.requestCount()).to.equal(0n);
      expect(await registry.isJailed(operator.address)).to.equal(false);
      for (const slasher of [await service.getAddress(), await malicious.getAddress(), outsider.address]) {
        expect(await slashingManager.isEvidenceUsed(slasher, operator.address, REASON, EVIDENCE)).to.equal(false);
      }
      // its own set, with the same evidence, is accepted
      await expect(
        malicious.requestSlash(operator.address, maliciousSet, 100, REASON, EVIDENCE, reporter.address, now),
      ).to.emit(slashingManager, "SlashRequested");
    });

    it("a removed service cannot slash", async function () {
      const { slashingManager, registry, operatorSets, service, serviceSet, operator, reporter, deployer } =
        await loadFixture(slashingFixture);
      const bps = 500n;
      const id = await requestFrom(service, operator.address, bps, reporter.address);
      const [allocated] = await allocationOf(operatorSets, serviceSet, operator.address);
      expect(await operatorSets.slashTarget(serviceSet, operator.address)).to.deep.equal([
        await service.getAddress(),
        allocated,
      ]);
      await expect(operatorSets.connect(deployer).setService(service, false))
        .to.emit(operatorSets, "ServiceUpdated")
        .withArgs(await service.getAddress(), false);
      expect(await operatorSets.slashTarget(serviceSet, operator.address)).to.deep.equal([
        ethers.ZeroAddress,
        allocated,
      ]);
      // still a registered slasher of the manager: it is the set's service that it no longer is
      expect((await slashingManager.slasher(service)).registered).to.equal(true);
      await expect(requestTx(service, operator.address, 100, reporter.address, { setId: serviceSet }))
        .to.be.revertedWithCustomError(slashingManager, "SlashingNotSetService")
        .withArgs(serviceSet, await service.getAddress());

      // the request it made before its removal still executes, in full
      const { requestedAt, executableAt } = await slashingManager.request(id);
      await time.increaseTo(executableAt);
      const expected = await expectedSlash(registry, operatorSets, operator.address, serviceSet, bps, requestedAt);
      expect(expected.value).to.equal((allocated * bps) / BPS);
      const tx = slashingManager.execute(id);
      await expect(tx)
        .to.emit(slashingManager, "SlashExecuted")
        .withArgs(id, operator.address, serviceSet, bps, expected.amounts);
      await expect(tx)
        .to.emit(operatorSets, "AllocationSlashed")
        .withArgs(serviceSet, operator.address, expected.value, 0);
      expect((await operatorSets.allocation(serviceSet, operator.address)).allocated).to.equal(
        allocated - expected.value,
      );
      expect(await registry.isJailed(operator.address)).to.equal(false);
    });

    it("nothing allocated, nothing to slash", async function () {
      const f = await loadFixture(slashingFixture);
      const {
        slashingManager,
        registry,
        operatorSets,
        service,
        serviceSet,
        operator2,
        reporter,
        users,
        withdrawalDelay,
      } = f;
      // an operator with stake that never joined the set
      const newcomer = users[2];
      await registerOperator(f, newcomer, 1_000n * ALT);
      await expect(
        requestTx(service, newcomer.address, 100, reporter.address, { setId: serviceSet, evidence: EVIDENCE }),
      )
        .to.be.revertedWithCustomError(slashingManager, "SlashingNothingAllocated")
        .withArgs(newcomer.address, serviceSet);
      expect(await registry.isJailed(newcomer.address)).to.equal(false);
      expect(await slashingManager.isEvidenceUsed(service, newcomer.address, REASON, EVIDENCE)).to.equal(false);

      // an operator that left the set: slashable until its deallocation is free, not from freeAt on
      const [allocated] = await allocationOf(operatorSets, serviceSet, operator2.address);
      const leftAt = await timestampOf(await operatorSets.connect(operator2).requestLeave(serviceSet));
      const freeAt = leftAt + withdrawalDelay;
      expect(await allocationOf(operatorSets, serviceSet, operator2.address)).to.deep.equal([0n, allocated, freeAt]);
      await time.setNextBlockTimestamp(freeAt - 1n);
      await expect(
        service.requestSlash(
          operator2.address,
          serviceSet,
          100,
          REASON,
          freshEvidence(),
          reporter.address,
          freeAt - 1n,
        ),
      ).to.emit(slashingManager, "SlashRequested");
      await time.setNextBlockTimestamp(freeAt);
      await expect(
        service.requestSlash(operator2.address, serviceSet, 100, REASON, freshEvidence(), reporter.address, freeAt),
      )
        .to.be.revertedWithCustomError(slashingManager, "SlashingNothingAllocated")
        .withArgs(operator2.address, serviceSet);
    });

    it("a pending deallocation stays slashable", async function () {
      const { slashingManager, registry, operatorSets, service, serviceSet, operator, reporter, withdrawalDelay } =
        await loadFixture(slashingFixture);
      const bps = 1_000n;
      const [before] = await allocationOf(operatorSets, serviceSet, operator.address);
      const lowered = before / 3n;
      const loweredAt = await timestampOf(await operatorSets.connect(operator).allocate(serviceSet, lowered));
      const pending = before - lowered;
      const freeAt = loweredAt + withdrawalDelay;
      expect(await allocationOf(operatorSets, serviceSet, operator.address)).to.deep.equal([lowered, pending, freeAt]);

      // requested in the last second before the deallocation is free, executed after: it takes bps of both
      await time.setNextBlockTimestamp(freeAt - 1n);
      const id = await slashingManager.requestCount();
      await service.requestSlash(
        operator.address,
        serviceSet,
        bps,
        REASON,
        freshEvidence(),
        reporter.address,
        freeAt - 1n,
      );
      const { requestedAt, executableAt } = await slashingManager.request(id);
      expect(requestedAt).to.equal(freeAt - 1n);
      expect(executableAt).to.be.greaterThan(freeAt);
      await time.increaseTo(executableAt);
      // jailed, the operator cannot free it in the meantime
      await operatorSets.connect(operator).allocate(serviceSet, lowered);
      expect(await allocationOf(operatorSets, serviceSet, operator.address)).to.deep.equal([lowered, pending, freeAt]);
      const expected = await expectedSlash(registry, operatorSets, operator.address, serviceSet, bps, requestedAt);
      expect(expected.fromAllocated).to.equal((lowered * bps) / BPS);
      expect(expected.fromPending).to.equal((pending * bps) / BPS);
      expect(expected.fromPending).to.be.greaterThan(0n);
      expect(expected.value).to.equal(expected.fromAllocated + expected.fromPending);
      const tx = slashingManager.execute(id);
      await expect(tx)
        .to.emit(operatorSets, "AllocationSlashed")
        .withArgs(serviceSet, operator.address, expected.fromAllocated, expected.fromPending);
      await expect(tx)
        .to.emit(slashingManager, "SlashExecuted")
        .withArgs(id, operator.address, serviceSet, bps, expected.amounts);
      const allocatedAfter = lowered - expected.fromAllocated;
      const pendingAfter = pending - expected.fromPending;
      expect(await allocationOf(operatorSets, serviceSet, operator.address)).to.deep.equal([
        allocatedAfter,
        pendingAfter,
        freeAt,
      ]);

      // requested after freeAt (the deallocation is free, though not yet released): only the allocation is at stake
      const later = await requestFrom(service, operator.address, bps, reporter.address);
      const r = await slashingManager.request(later);
      expect(r.requestedAt).to.be.greaterThan(freeAt);
      await time.increaseTo(r.executableAt);
      const expectedLater = await expectedSlash(
        registry,
        operatorSets,
        operator.address,
        serviceSet,
        bps,
        r.requestedAt,
      );
      expect(expectedLater.fromPending).to.equal(0n);
      expect(expectedLater.fromAllocated).to.equal((allocatedAfter * bps) / BPS);
      const laterTx = slashingManager.execute(later);
      await expect(laterTx)
        .to.emit(operatorSets, "AllocationSlashed")
        .withArgs(serviceSet, operator.address, expectedLater.fromAllocated, 0);
      await expect(laterTx)
        .to.emit(slashingManager, "SlashExecuted")
        .withArgs(later, operator.address, serviceSet, bps, expectedLater.amounts);
      expect(await allocationOf(operatorSets, serviceSet, operator.address)).to.deep.equal([
        allocatedAfter - expectedLater.fromAllocated,
        pendingAfter,
        freeAt,
      ]);
    });

    it("a slash takes no more than was slashable when it was requested", async function () {
      const { slashingManager, registry, operatorSets, service, serviceSet, operator, reporter, withdrawalDelay } =
        await loadFixture(slashingFixture);
      const bps = 1_000n;
      const [before] = await allocationOf(operatorSets, serviceSet, operator.address);
      const lowered = before / 2n;
      const loweredAt = await timestampOf(await operatorSets.connect(operator).allocate(serviceSet, lowered));
      const freeAt = loweredAt + withdrawalDelay;
      // the deallocation is free (though not released) when the request is made: only `lowered` is at stake
      await time.increaseTo(freeAt + 1n);
      const id = await requestFrom(service, operator.address, bps, reporter.address);
      const r = await slashingManager.request(id);
      expect(r.slashable).to.equal(lowered);
      expect((await operatorSets.slashTarget(serviceSet, operator.address))[1]).to.equal(lowered);
      // jailed, nothing is released; the operator's own stake asks to leave: the allocations shrink, and the cut joins
      // the old, free deallocation under a new freeAt past the request
      const selfShares = await registry.sharesOf(operator.address, operator.address, 0);
      await registry.connect(operator).requestUnstake(operator.address, 0, selfShares);
      const a = await operatorSets.allocation(serviceSet, operator.address);
      expect(a.freeAt).to.be.greaterThan(r.requestedAt);
      expect(a.pendingFree).to.be.greaterThan(before - lowered);
      // unbounded, the request would take bps of the re-dated old deallocation too
      const unbounded = await expectedSlash(registry, operatorSets, operator.address, serviceSet, bps, r.requestedAt);
      const maxValue = (lowered * bps) / BPS;
      expect(unbounded.fromAllocated + unbounded.fromPending).to.be.greaterThan(maxValue);
      await time.increaseTo(r.executableAt);
      const expected = await expectedSlash(
        registry,
        operatorSets,
        operator.address,
        serviceSet,
        bps,
        r.requestedAt,
        r.slashable,
      );
      expect(expected.fromAllocated).to.equal((a.allocated * bps) / BPS);
      expect(expected.fromAllocated + expected.fromPending).to.equal(maxValue);
      const tx = slashingManager.execute(id);
      await expect(tx)
        .to.emit(operatorSets, "AllocationSlashed")
        .withArgs(serviceSet, operator.address, expected.fromAllocated, maxValue - expected.fromAllocated);
      await expect(tx)
        .to.emit(slashingManager, "SlashExecuted")
        .withArgs(id, operator.address, serviceSet, bps, expected.amounts);
      expect(await allocationOf(operatorSets, serviceSet, operator.address)).to.deep.equal([
        a.allocated - expected.fromAllocated,
        a.pendingFree - (maxValue - expected.fromAllocated),
        a.freeAt,
      ]);
    });

    it("queued withdrawals pay their part", async function () {
      const { slashingManager, registry, operatorSets, token, lst, service, serviceSet, operator, staker, reporter } =
        await loadFixture(slashingFixture);
      const bps = 1_000n;
      const offence = BigInt(await time.latest());
      const [allocatedBefore] = await allocationOf(operatorSets, serviceSet, operator.address);
      await time.increase(60);
      // after the offence, before the request, the staker queues half its ALT and all its LST
      const queued: [number, bigint][] = [
        [0, (await registry.sharesOf(staker.address, operator.address, 0)) / 2n],
        [1, await registry.sharesOf(staker.address, operator.address, 1)],
      ];
      const withdrawals = [];
      for (const [assetId, shares] of queued) {
        const receipt = await (await registry.connect(staker).requestUnstake(operator.address, assetId, shares)).wait();
        const [event] = await registry.queryFilter(registry.filters.UnstakeRequested(), receipt!.blockNumber);
        withdrawals.push(toWithdrawal(event.args.withdrawal));
      }
      // the exit shrank the allocation; the cut is pending, still slashable for the offence
      const [allocated, pendingFree] = await allocationOf(operatorSets, serviceSet, operator.address);
      expect(pendingFree).to.be.greaterThan(0n);
      expect(allocated + pendingFree).to.equal(allocatedBefore);

      const id = await slashingManager.requestCount();
      await service.requestSlash(operator.address, serviceSet, bps, REASON, freshEvidence(), reporter.address, offence);
      const { requestedAt, executableAt } = await slashingManager.request(id);
      const pools = [await registry.pool(operator.address, 0), await registry.pool(operator.address, 1)];
      expect(pools.map((p) => p.queuedShares)).to.deep.equal(queued.map(([, shares]) => shares));
      const expected = await expectedSlash(registry, operatorSets, operator.address, serviceSet, bps, requestedAt);
      // the pools' totals still hold the queued stake
      expect(expected.totals).to.deep.equal([SELF_STAKE + STAKER_ALT, STAKER_LST]);
      expect(expected.fromAllocated).to.equal((allocated * bps) / BPS);
      expect(expected.fromPending).to.equal((pendingFree * bps) / BPS);
      await time.increaseTo(executableAt);
      await expect(slashingManager.execute(id))
        .to.emit(slashingManager, "SlashExecuted")
        .withArgs(id, operator.address, serviceSet, bps, expected.amounts);
      // every pool lost the same fraction of its total, queued stake included
      for (const [i, total] of expected.totals.entries()) {
        expect(expected.amounts[i]).to.equal((total * expected.value) / expected.totalValue);
        expect((await registry.pool(operator.address, i)).totalAssets).to.equal(total - expected.amounts[i]);
      }

      // the completed withdrawals pay the slashed price
      await time.increaseTo(withdrawals[1].unlockAt);
      for (const [i, w] of withdrawals.entries()) {
        const { totalShares } = pools[i];
        const unslashed = (w.shares * (expected.totals[i] + VIRTUAL_ASSETS)) / (totalShares + VIRTUAL_SHARES);
        const owed =
          (w.shares * (expected.totals[i] - expected.amounts[i] + VIRTUAL_ASSETS)) / (totalShares + VIRTUAL_SHARES);
        expect(owed).to.be.lessThan(unslashed);
        await expect(registry.connect(staker).completeUnstake(w)).to.changeTokenBalance(
          i === 0 ? token : lst,
          staker,
          owed,
        );
      }
    });

    it("stake arriving after an offence pays nothing", async function () {
      const { slashingManager, registry, token, service, operator, operator2, council, reporter, users } =
        await loadFixture(slashingFixture);
      const newcomer = users[3];
      const amount = 200n * ALT + 11n;
      await token.connect(newcomer).approve(registry, ethers.MaxUint256);
      const id = await requestFrom(service, operator.address, 1_000, reporter.address);
      await expect(registry.connect(newcomer).stake(operator.address, 0, amount))
        .to.be.revertedWithCustomError(registry, "RegistryOperatorJailed")
        .withArgs(operator.address);
      // with a permit too (a failing permit is skipped: the allowance is there)
      await expect(
        registry
          .connect(newcomer)
          .stakeWithPermit(operator.address, amount, ethers.MaxUint256, 0, ethers.ZeroHash, ethers.ZeroHash),
      )
        .to.be.revertedWithCustomError(registry, "RegistryOperatorJailed")
        .withArgs(operator.address);
      expect(await registry.sharesOf(newcomer.address, operator.address, 0)).to.equal(0n);

      // after the execution, stake is taken again, priced after the slash
      await time.increaseTo((await slashingManager.request(id)).executableAt);
      await slashingManager.execute(id);
      const pool = await registry.pool(operator.address, 0);
      expect(pool.totalAssets).to.be.lessThan(SELF_STAKE + STAKER_ALT);
      const shares = (amount * (pool.totalShares + VIRTUAL_SHARES)) / (pool.totalAssets + VIRTUAL_ASSETS);
      expect(shares).to.be.greaterThan(amount * VIRTUAL_SHARES); // more shares per ALT than before the slash
      await expect(registry.connect(newcomer).stake(operator.address, 0, amount))
        .to.emit(registry, "Staked")
        .withArgs(newcomer.address, operator.address, 0, amount, shares);
      expect(await registry.sharesOf(newcomer.address, operator.address, 0)).to.equal(shares);
      // worth what it brought, less the rounding down: none of it paid for the offence
      const worth = await registry.sharesToAmount(operator.address, 0, shares);
      expect(worth).to.equal(
        (shares * (pool.totalAssets + amount + VIRTUAL_ASSETS)) / (pool.totalShares + shares + VIRTUAL_SHARES),
      );
      expect(amount - worth).to.be.lessThanOrEqual(1n);

      // after a veto as well
      const vetoed = await requestFrom(service, operator2.address, 100, reporter.address);
      await expect(registry.connect(newcomer).stake(operator2.address, 0, amount))
        .to.be.revertedWithCustomError(registry, "RegistryOperatorJailed")
        .withArgs(operator2.address);
      await slashingManager.connect(council).veto(vetoed);
      const pool2 = await registry.pool(operator2.address, 0);
      await expect(registry.connect(newcomer).stake(operator2.address, 0, amount))
        .to.emit(registry, "Staked")
        .withArgs(
          newcomer.address,
          operator2.address,
          0,
          amount,
          (amount * (pool2.totalShares + VIRTUAL_SHARES)) / (pool2.totalAssets + VIRTUAL_ASSETS),
        );
    });

    it("takes nothing once governance unwired the operator sets, and releases the operator", async function () {
      const { slashingManager, registry, operatorSets, deployer, service, serviceSet, operator, reporter } =
        await loadFixture(slashingFixture);
      const id = await requestFrom(service, operator.address, 1_000, reporter.address);
      const allocation = await allocationOf(operatorSets, serviceSet, operator.address);
      const totals = [
        (await registry.pool(operator.address, 0)).totalAssets,
        (await registry.pool(operator.address, 1)).totalAssets,
      ];
      const stake = await registry.operatorStake(operator.address);
      await expect(registry.connect(deployer).setModules(slashingManager, ethers.ZeroAddress))
        .to.emit(registry, "ModulesUpdated")
        .withArgs(await slashingManager.getAddress(), ethers.ZeroAddress);
      // no set has a service any more: new requests are refused
      await expect(requestTx(service, operator.address, 100, reporter.address, { setId: serviceSet }))
        .to.be.revertedWithCustomError(slashingManager, "SlashingNotSetService")
        .withArgs(serviceSet, await service.getAddress());

      await time.increaseTo((await slashingManager.request(id)).executableAt);
      expect(await slashingManager.execute.staticCall(id)).to.deep.equal([0n, 0n]);
      const tx = slashingManager.execute(id);
      await expect(tx)
        .to.emit(slashingManager, "SlashExecuted")
        .withArgs(id, operator.address, serviceSet, 1_000, [0n, 0n]);
      await expect(tx).to.not.emit(registry, "PoolSlashed");
      await expect(tx).to.not.emit(operatorSets, "AllocationSlashed");
      expect((await registry.pool(operator.address, 0)).totalAssets).to.equal(totals[0]);
      expect((await registry.pool(operator.address, 1)).totalAssets).to.equal(totals[1]);
      expect(await registry.operatorStake(operator.address)).to.equal(stake);
      expect(await allocationOf(operatorSets, serviceSet, operator.address)).to.deep.equal(allocation);
      expect((await slashingManager.request(id)).status).to.equal(EXECUTED);
      expect(await registry.isJailed(operator.address)).to.equal(false);
      expect(await registry.pendingSlashes(operator.address)).to.equal(0n);
    });
  });

  // ================================================================= views

  describe("views", function () {
    it("minWithdrawalDelay is the veto window plus the longest evidence age", async function () {
      const { slashingManager, deployer, outsider, vetoWindow } = await loadFixture(slashingFixture);
      expect(await slashingManager.minWithdrawalDelay()).to.equal(vetoWindow + BigInt(SERVICE_AGE));
      await slashingManager.connect(deployer).setSlasher(outsider.address, 100, days(10));
      expect(await slashingManager.minWithdrawalDelay()).to.equal(vetoWindow + BigInt(days(10)));
      await slashingManager.connect(deployer).setSlasher(outsider.address, 100, days(3));
      expect(await slashingManager.minWithdrawalDelay()).to.equal(vetoWindow + BigInt(SERVICE_AGE));
      await slashingManager.connect(deployer).setParameters(days(1), 1_000, days(30));
      expect(await slashingManager.minWithdrawalDelay()).to.equal(BigInt(days(1) + SERVICE_AGE));
    });

    it("stake counted in an epoch stays slashable through it: the minimum delay covers an epoch longer than the veto window", async function () {
      const { slashingManager, operatorSets, registry, deployer, outsider } = await loadFixture(slashingFixture);
      const epochLength = await operatorSets.epochLength();
      // a veto window shorter than an epoch: the epoch length takes its place
      await slashingManager.connect(deployer).setParameters(Number(epochLength) - 1, 1_000, days(30));
      expect(await slashingManager.minWithdrawalDelay()).to.equal(epochLength + BigInt(SERVICE_AGE));
      // a slasher whose evidence age leaves no room for the epoch is refused, naming the delay it would need
      const delay = await registry.withdrawalDelay();
      const age = delay - epochLength + 1n;
      await expect(slashingManager.connect(deployer).setSlasher(outsider.address, 100, age))
        .to.be.revertedWithCustomError(slashingManager, "SlashingDelayConflict")
        .withArgs(delay + 1n, delay);
      await slashingManager.connect(deployer).setSlasher(outsider.address, 100, age - 1n);
      expect(await slashingManager.minWithdrawalDelay()).to.equal(delay);
    });

    it("windowSlashedBps sums the operator's non-vetoed requests of the window", async function () {
      const { slashingManager, council, service, serviceSet, malicious, maliciousSet, operator, operator2, reporter } =
        await loadFixture(slashingFixture);
      expect(await slashingManager.windowSlashedBps(operator.address, serviceSet)).to.equal(0n);
      await requestFrom(service, operator.address, 300, reporter.address);
      await requestFrom(service, operator.address, 25, reporter.address);
      const vetoed = await requestFrom(malicious, operator.address, 200, reporter.address);
      await requestFrom(service, operator2.address, 50, reporter.address);
      // per (operator, set)
      expect(await slashingManager.windowSlashedBps(operator.address, serviceSet)).to.equal(325n);
      expect(await slashingManager.windowSlashedBps(operator.address, maliciousSet)).to.equal(200n);
      expect(await slashingManager.windowSlashedBps(operator2.address, serviceSet)).to.equal(50n);
      expect(await slashingManager.windowSlashedBps(operator2.address, maliciousSet)).to.equal(0n);
      await slashingManager.connect(council).veto(vetoed);
      expect(await slashingManager.windowSlashedBps(operator.address, maliciousSet)).to.equal(0n);
      expect(await slashingManager.windowSlashedBps(operator.address, serviceSet)).to.equal(325n);
    });
  });

  // ================================================================= adversarial

  describe("a malicious slasher", function () {
    it("cannot exceed its own per-offence cap", async function () {
      const { slashingManager, malicious, maliciousSet, operator, reporter } = await loadFixture(slashingFixture);
      await expect(
        malicious.requestSlash(
          operator.address,
          maliciousSet,
          MALICIOUS_MAX_BPS + 1,
          REASON,
          EVIDENCE,
          reporter.address,
          await time.latest(),
        ),
      )
        .to.be.revertedWithCustomError(slashingManager, "SlashingInvalidBps")
        .withArgs(MALICIOUS_MAX_BPS + 1, MALICIOUS_MAX_BPS);
      await expect(requestTx(malicious, operator.address, 3_000, reporter.address, { setId: maliciousSet }))
        .to.be.revertedWithCustomError(slashingManager, "SlashingInvalidBps")
        .withArgs(3_000, MALICIOUS_MAX_BPS);
    });

    it("cannot use evidence older than its own age limit, even one another slasher would accept", async function () {
      const { slashingManager, malicious, maliciousSet, service, serviceSet, operator, reporter } =
        await loadFixture(slashingFixture);
      const now = BigInt(await time.latest()) + 10n;
      const evidence = now - BigInt(MALICIOUS_AGE) - 1n;
      await time.setNextBlockTimestamp(now);
      await expect(
        malicious.requestSlash(
          operator.address,
          maliciousSet,
          100,
          REASON,
          freshEvidence(),
          reporter.address,
          evidence,
        ),
      )
        .to.be.revertedWithCustomError(slashingManager, "SlashingEvidenceTooOld")
        .withArgs(evidence, MALICIOUS_AGE);
      await expect(
        service.requestSlash(operator.address, serviceSet, 100, REASON, freshEvidence(), reporter.address, evidence),
      ).to.emit(slashingManager, "SlashRequested");
    });

    it("cannot push an operator's allocation to its set past the 30 % window cap with repeated requests", async function () {
      const {
        slashingManager,
        registry,
        operatorSets,
        token,
        malicious,
        maliciousSet,
        serviceSet,
        operator,
        reporter,
        reporterBps,
        outsider,
      } = await loadFixture(slashingFixture);
      const ids: bigint[] = [];
      for (let i = 0; i < 6; i++)
        ids.push(await requestFrom(malicious, operator.address, MALICIOUS_MAX_BPS, reporter.address));
      expect(await slashingManager.windowSlashedBps(operator.address, maliciousSet)).to.equal(CAP);
      await expect(requestTx(malicious, operator.address, 1, reporter.address, { setId: maliciousSet }))
        .to.be.revertedWithCustomError(slashingManager, "SlashingWindowCapExceeded")
        .withArgs(operator.address, maliciousSet, CAP, 1, CAP);
      // nor through a set of another service's: it is refused before the window is read
      await expect(requestTx(malicious, operator.address, 1, reporter.address, { setId: serviceSet }))
        .to.be.revertedWithCustomError(slashingManager, "SlashingNotSetService")
        .withArgs(serviceSet, await malicious.getAddress());
      // a second set of its own has its own cap, but only what the operator allocated to it is at stake
      await malicious.createSet(ethers.id("second"), 0, 256);
      const second = await operatorSets.setIdOf(malicious, ethers.id("second"));
      await expect(requestTx(malicious, operator.address, 1, reporter.address, { setId: second }))
        .to.be.revertedWithCustomError(slashingManager, "SlashingNothingAllocated")
        .withArgs(operator.address, second);

      // executing all of them takes at most 30 % (compounded: less) of the set's allocation, nothing of the other set
      const allocationBefore = (await operatorSets.allocation(maliciousSet, operator.address)).allocated;
      const serviceAllocation = await allocationOf(operatorSets, serviceSet, operator.address);
      const stakeBefore = await registry.operatorStake(operator.address);
      const supplyBefore = await token.totalSupply();
      const registryAlt = await token.balanceOf(registry);
      expect(await registry.altToBurn()).to.equal(0n);
      await time.increaseTo((await slashingManager.request(ids[ids.length - 1])).executableAt);
      let allocation = allocationBefore;
      let cut = 0n;
      let taken = 0n;
      let toBurn = 0n;
      for (const id of ids) {
        const { requestedAt } = await slashingManager.request(id);
        const expected = await expectedSlash(
          registry,
          operatorSets,
          operator.address,
          maliciousSet,
          MALICIOUS_MAX_BPS,
          requestedAt,
        );
        expect(expected.fromAllocated).to.equal((allocation * BigInt(MALICIOUS_MAX_BPS)) / BPS);
        allocation -= expected.fromAllocated;
        cut += expected.value;
        taken += expected.takenValue;
        toBurn += expected.amounts[0] - (expected.amounts[0] * reporterBps) / BPS;
        await expect(slashingManager.connect(outsider).execute(id))
          .to.emit(slashingManager, "SlashExecuted")
          .withArgs(id, operator.address, maliciousSet, MALICIOUS_MAX_BPS, expected.amounts);
      }
      expect((await operatorSets.allocation(maliciousSet, operator.address)).allocated).to.equal(allocation);
      expect(cut * BPS).to.be.lessThanOrEqual(allocationBefore * CAP);
      expect(await registry.operatorStake(operator.address)).to.equal(stakeBefore - taken);
      expect(await allocationOf(operatorSets, serviceSet, operator.address)).to.deep.equal(serviceAllocation);
      // the ALT the executions took, less the reporter's shares, is set aside, then burned in one call
      expect(await token.totalSupply()).to.equal(supplyBefore);
      expect(await registry.altToBurn()).to.equal(toBurn);
      expect(await token.balanceOf(registry)).to.equal(registryAlt);
      await expect(registry.connect(outsider).burnSlashedAlt())
        .to.emit(registry, "SlashedAltBurned")
        .withArgs(outsider.address, toBurn);
      expect(await token.totalSupply()).to.equal(supplyBefore - toBurn);
      expect(await token.balanceOf(registry)).to.equal(registryAlt - toBurn);
      expect(await registry.altToBurn()).to.equal(0n);
    });

    it("cannot move the registry's pools, the allocations or the jail counter directly", async function () {
      const { registry, operatorSets, serviceSet, operator, reporter, outsider, treasury } =
        await loadFixture(slashingFixture);
      const order = {
        operator: operator.address,
        setId: serviceSet,
        bps: 3_000,
        requestedAt: 0,
        maxValue: 0,
        reporter: reporter.address,
        reporterBps: 0,
        treasury: treasury.address,
        recipient: ethers.ZeroAddress,
      };
      await expect(registry.connect(outsider).slash(0, order))
        .to.be.revertedWithCustomError(registry, "RegistryNotSlashingManager")
        .withArgs(outsider.address);
      await expect(
        operatorSets.connect(outsider).slashAllocation(operator.address, serviceSet, 3_000, 0, ethers.MaxUint256),
      )
        .to.be.revertedWithCustomError(operatorSets, "SetsNotRegistry")
        .withArgs(outsider.address);
      await expect(registry.connect(outsider).onSlashRequested(operator.address))
        .to.be.revertedWithCustomError(registry, "RegistryNotSlashingManager")
        .withArgs(outsider.address);
      await expect(registry.connect(outsider).onSlashVetoed(operator.address))
        .to.be.revertedWithCustomError(registry, "RegistryNotSlashingManager")
        .withArgs(outsider.address);
    });

    it("cannot shield an operator from other slashers with vetoed junk requests", async function () {
      const { slashingManager, council, malicious, maliciousSet, service, serviceSet, operator, reporter } =
        await loadFixture(slashingFixture);
      for (let i = 0n; i < MAX_REQUESTS; i++) {
        const id = await requestFrom(malicious, operator.address, 1, reporter.address);
        await slashingManager.connect(council).veto(id);
      }
      // vetoed requests hold no place, in the junk's own set either
      expect(await slashingManager.windowSlashedBps(operator.address, maliciousSet)).to.equal(0n);
      await requestFrom(malicious, operator.address, 1, reporter.address);
      await expect(requestTx(service, operator.address, 1_000, reporter.address, { setId: serviceSet })).to.emit(
        slashingManager,
        "SlashRequested",
      );
    });
  });

  // ================================================================= upgrades

  describe("upgrades", function () {
    it("validates SlashingManagerV2 as a storage-compatible UUPS upgrade", async function () {
      const V1 = await ethers.getContractFactory("SlashingManager");
      const V2 = await ethers.getContractFactory("SlashingManagerV2");
      await upgrades.validateUpgrade(V1, V2, { kind: "uups" });
    });

    it("refuses as an upgrade a contract that drops the SlashingManager storage namespace", async function () {
      const V1 = await ethers.getContractFactory("SlashingManager");
      const Other = await ethers.getContractFactory("OperatorSets");
      const error = await upgrades.validateUpgrade(V1, Other, { kind: "uups" }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message).to.include("alt.storage.SlashingManager");
    });

    it("lets only the owner upgrade the proxy, keeping its state", async function () {
      const { slashingManager, deployer, outsider, service, operator, reporter, council } =
        await loadFixture(slashingFixture);
      const id = await requestFrom(service, operator.address, 100, reporter.address);
      const v2 = await (await ethers.getContractFactory("SlashingManagerV2")).deploy();
      await expect(slashingManager.connect(outsider).upgradeToAndCall(v2, "0x"))
        .to.be.revertedWithCustomError(slashingManager, "OwnableUnauthorizedAccount")
        .withArgs(outsider.address);
      await slashingManager.connect(deployer).upgradeToAndCall(v2, "0x");
      const upgraded = await ethers.getContractAt("SlashingManagerV2", await slashingManager.getAddress());
      expect(await upgraded.version()).to.equal(2n);
      expect(await upgraded.vetoer()).to.equal(council.address);
      expect((await upgraded.slasher(service)).maxBps).to.equal(BigInt(SERVICE_MAX_BPS));
      expect((await upgraded.request(id)).status).to.equal(PENDING);
    });
  });
});
