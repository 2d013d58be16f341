import { expect } from "chai";
import { ethers, upgrades } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionReceipt } from "ethers";
import type { OperatorSets, RestakingRegistry } from "../../typechain-types";
import { ALT } from "../helpers/constants";
import { days, nextEpoch } from "../helpers/time";
import { deployProtocol } from "../helpers/protocol";
import { signPermit } from "../../tasks/lib/signatures";
import { toWithdrawal, type Withdrawal } from "../../tasks/lib/restaking";
import { expectedSlash } from "../helpers/slashing";
import { expectReentryRefused } from "../helpers/reentrancy";

const MAX_UINT128 = 2n ** 128n - 1n;
const VIRTUAL_SHARES = 1_000_000n;
const VIRTUAL_ASSETS = 1n;
const BPS = 10_000n;
const WEIGHT_UNIT = 10n ** 18n;
const MAX_DELAY = days(365);
const LST_WEIGHT = 2n * ALT;
const LST_CAP = 1_000n * ALT;
const REASON = ethers.id("double-sign");
const EVIDENCE = ethers.id("evidence");
const SET_KEY = ethers.id("registry tests");
/** What `operator` and `operator2` allocate to the service's set in `slashFixture`. */
const OPERATOR_ALLOCATION = 1_234n * ALT + 577n;
const OPERATOR2_ALLOCATION = 300n * ALT;
const WITHDRAWAL_TYPE =
  "tuple(address staker,address operator,uint8 assetId,uint128 shares,uint48 unlockAt,uint64 nonce)";

/** Shares minted for `amount`, computed independently: amount * (totalShares + 1e6) / (totalAssets + 1), floored. */
const sharesFor = (amount: bigint, totalShares: bigint, totalAssets: bigint) =>
  (amount * (totalShares + VIRTUAL_SHARES)) / (totalAssets + VIRTUAL_ASSETS);
/** What `shares` pay: shares * (totalAssets + 1) / (totalShares + 1e6), floored. */
const amountFor = (shares: bigint, totalShares: bigint, totalAssets: bigint) =>
  (shares * (totalAssets + VIRTUAL_ASSETS)) / (totalShares + VIRTUAL_SHARES);

/** The withdrawal root computed independently of the registry: keccak256(abi.encode(withdrawal)). */
function rootOf(w: Withdrawal): string {
  return ethers.keccak256(
    ethers.AbiCoder.defaultAbiCoder().encode(
      [WITHDRAWAL_TYPE],
      [[w.staker, w.operator, w.assetId, w.shares, w.unlockAt, w.nonce]],
    ),
  );
}

const asTuple = (w: Withdrawal) => [w.staker, w.operator, w.assetId, w.shares, w.unlockAt, w.nonce];

/** Decoded registry events of `name` in a receipt, in log order. */
function eventsOf(registry: RestakingRegistry, receipt: ContractTransactionReceipt | null, name: string) {
  const target = (registry.target as string).toLowerCase();
  return receipt!.logs
    .filter((log) => log.address.toLowerCase() === target)
    .map((log) => {
      try {
        return registry.interface.parseLog(log);
      } catch {
        return null;
      }
    })
    .filter((event) => event !== null && event.name === name)
    .map((event) => event!.args.toArray());
}

/** Requests an unstake and returns the queued withdrawal as the registry emitted it. */
async function requestUnstake(
  registry: RestakingRegistry,
  staker: HardhatEthersSigner,
  operator: string,
  assetId: bigint,
  shares: bigint,
) {
  const receipt = await (await registry.connect(staker).requestUnstake(operator, assetId, shares)).wait();
  const [[root, w]] = eventsOf(registry, receipt, "UnstakeRequested");
  return { root: root as string, withdrawal: toWithdrawal(w) };
}

describe("RestakingRegistry", function () {
  /** The protocol as deployed, one registered operator, ALT approvals for the stakers. */
  async function registryFixture() {
    const protocol = await deployProtocol();
    const { token, registry, users } = protocol;
    const [operator, operator2, alice, bob, carol, attacker, victim, reporter, , other] = users;
    const registryAddress = await registry.getAddress();
    const tokenAddress = await token.getAddress();
    await registry.connect(operator).registerOperator("ipfs://operator", 500);
    // carol stays without an allowance (permit and allowance tests)
    for (const staker of [alice, bob, attacker, victim]) {
      await token.connect(staker).approve(registryAddress, ethers.MaxUint256);
    }
    return {
      ...protocol,
      registryAddress,
      tokenAddress,
      operator,
      operator2,
      alice,
      bob,
      carol,
      attacker,
      victim,
      reporter,
      other,
    };
  }

  /** A second asset: a liquid-staking token with weight 2 (ALT-equivalent) and a cap of 1,000 tokens. */
  async function assetFixture() {
    const base = await loadFixture(registryFixture);
    const { registry, registryAddress, alice, bob, carol } = base;
    const lst = await ethers.deployContract("MockERC20", ["Liquid staked ETH", "lsETH"]);
    const lstAddress = await lst.getAddress();
    await registry.addAsset(lstAddress, LST_WEIGHT, LST_CAP);
    for (const staker of [alice, bob, carol]) {
      await lst.mint(staker.address, 10_000n * ALT);
      await lst.connect(staker).approve(registryAddress, ethers.MaxUint256);
    }
    return { ...base, lst, lstAddress, lstId: 1n };
  }

  /**
   * A MockService registered as slasher (10 % per offence, 7-day evidence age) and as operator-set service, with one set.
   * `operator` holds 1,000 ALT and 500 LST from alice and 400 ALT from bob, half of whose shares are queued, and
   * allocated OPERATOR_ALLOCATION of it to the set; `operator2` holds 300 ALT from carol only, all allocated to the set.
   */
  async function slashFixture() {
    const base = await loadFixture(assetFixture);
    const { registry, token, registryAddress, slashingManager, operatorSets, operator, operator2, alice, bob, carol } =
      base;
    const service = await ethers.deployContract("MockService", [
      await operatorSets.getAddress(),
      await slashingManager.getAddress(),
    ]);
    await slashingManager.setSlasher(await service.getAddress(), 1000, days(7));
    await operatorSets.setService(await service.getAddress(), true);
    await service.createSet(SET_KEY, 0, 8);
    const setId = await operatorSets.setIdOf(await service.getAddress(), SET_KEY);
    await registry.connect(operator2).registerOperator("ipfs://operator2", 0);
    await token.connect(carol).approve(registryAddress, ethers.MaxUint256);
    await registry.connect(alice).stake(operator.address, 0, 1_000n * ALT);
    await registry.connect(alice).stake(operator.address, 1, 500n * ALT);
    await registry.connect(bob).stake(operator.address, 0, 400n * ALT);
    await registry.connect(carol).stake(operator2.address, 0, 300n * ALT);
    const bobShares = await registry.sharesOf(bob.address, operator.address, 0);
    const queued = await requestUnstake(registry, bob, operator.address, 0n, bobShares / 2n);
    await operatorSets.connect(operator).join(setId, OPERATOR_ALLOCATION);
    await operatorSets.connect(operator2).join(setId, OPERATOR2_ALLOCATION);
    const reporterBps = await slashingManager.reporterBps();

    /**
     * Requests a slash of `bps` of what `target` allocated to the set through the service, with fresh evidence;
     * returns the id and executableAt.
     */
    async function requestSlash(target: string, bps: number) {
      const requestId = await slashingManager.requestCount();
      const evidence = ethers.id(`${EVIDENCE} ${requestId}`);
      await service.requestSlash(target, setId, bps, REASON, evidence, base.reporter.address, await time.latest());
      const { requestedAt, executableAt } = await slashingManager.request(requestId);
      return { requestId, requestedAt, executableAt };
    }

    return { ...base, service, setId, queued, reporterBps, requestSlash };
  }

  // ================================================================= initialize

  describe("initialize", function () {
    /** A fresh implementation and a fresh proxy initialised through ERC1967Proxy's constructor. */
    async function freshProxyFixture() {
      const base = await loadFixture(registryFixture);
      const { deployer, tokenAddress } = base;
      const implementation = await ethers.deployContract("RestakingRegistry");
      const ProxyFactory = await ethers.getContractFactory("ERC1967Proxy");
      const initData = (owner: string, alt: string, withdrawal: number) =>
        implementation.interface.encodeFunctionData("initialize", [owner, alt, withdrawal, days(3)]);
      const proxy = await ProxyFactory.deploy(
        await implementation.getAddress(),
        initData(deployer.address, tokenAddress, days(10)),
      );
      const fresh = await ethers.getContractAt("RestakingRegistry", await proxy.getAddress());
      return { ...base, implementation, ProxyFactory, initData, fresh, deployment: proxy.deploymentTransaction()! };
    }

    it("makes ALT asset 0 with weight 1e18 and an unlimited cap, and sets the delays", async function () {
      const { registry, tokenAddress, deployer, config, slashingManager, operatorSets } =
        await loadFixture(registryFixture);
      expect(await registry.alt()).to.equal(tokenAddress);
      expect(await registry.assetCount()).to.equal(1n);
      const alt = await registry.asset(0);
      expect(alt.token).to.equal(tokenAddress);
      expect(alt.weight).to.equal(WEIGHT_UNIT);
      expect(alt.cap).to.equal(MAX_UINT128);
      expect(alt.totalStaked).to.equal(0n);
      expect(await registry.withdrawalDelay()).to.equal(BigInt(days(14)));
      expect(await registry.withdrawalDelay()).to.equal(BigInt(config.withdrawalDelay));
      expect(await registry.commissionDelay()).to.equal(BigInt(days(7)));
      expect(await registry.owner()).to.equal(deployer.address);
      expect(await registry.slashingManager()).to.equal(await slashingManager.getAddress());
      expect(await registry.operatorSets()).to.equal(await operatorSets.getAddress());
    });

    it("emits AssetAdded for ALT and DelaysUpdated when a fresh proxy is initialised", async function () {
      const { fresh, deployment, tokenAddress, deployer } = await loadFixture(freshProxyFixture);
      await expect(deployment)
        .to.emit(fresh, "AssetAdded")
        .withArgs(0n, tokenAddress, WEIGHT_UNIT, MAX_UINT128)
        .and.to.emit(fresh, "DelaysUpdated")
        .withArgs(days(10), days(3));
      expect(await fresh.owner()).to.equal(deployer.address);
      expect(await fresh.assetCount()).to.equal(1n);
      expect(await fresh.withdrawalDelay()).to.equal(BigInt(days(10)));
      expect(await fresh.commissionDelay()).to.equal(BigInt(days(3)));
      // not wired yet: no slashing manager, no operator sets (and so no epoch clock)
      expect(await fresh.slashingManager()).to.equal(ethers.ZeroAddress);
      expect(await fresh.operatorSets()).to.equal(ethers.ZeroAddress);
      expect(await fresh.currentEpoch()).to.equal(0n);
    });

    it("refuses a zero ALT address", async function () {
      const { implementation, ProxyFactory, initData, deployer } = await loadFixture(freshProxyFixture);
      await expect(
        ProxyFactory.deploy(
          await implementation.getAddress(),
          initData(deployer.address, ethers.ZeroAddress, days(10)),
        ),
      ).to.be.revertedWithCustomError(implementation, "RegistryZeroAddress");
    });

    it("refuses a zero owner", async function () {
      const { implementation, ProxyFactory, initData, tokenAddress } = await loadFixture(freshProxyFixture);
      await expect(
        ProxyFactory.deploy(await implementation.getAddress(), initData(ethers.ZeroAddress, tokenAddress, days(10))),
      )
        .to.be.revertedWithCustomError(implementation, "OwnableInvalidOwner")
        .withArgs(ethers.ZeroAddress);
    });

    it("refuses delays above 365 days at initialisation", async function () {
      const { implementation, ProxyFactory, initData, deployer, tokenAddress } = await loadFixture(freshProxyFixture);
      await expect(
        ProxyFactory.deploy(await implementation.getAddress(), initData(deployer.address, tokenAddress, MAX_DELAY + 1)),
      )
        .to.be.revertedWithCustomError(implementation, "RegistryDelayTooLong")
        .withArgs(MAX_DELAY + 1);
    });

    it("cannot be initialised twice", async function () {
      const { registry, deployer, tokenAddress, fresh } = await loadFixture(freshProxyFixture);
      await expect(
        registry.initialize(deployer.address, tokenAddress, days(14), days(7)),
      ).to.be.revertedWithCustomError(registry, "InvalidInitialization");
      await expect(fresh.initialize(deployer.address, tokenAddress, days(14), days(7))).to.be.revertedWithCustomError(
        fresh,
        "InvalidInitialization",
      );
    });

    it("refuses to initialise the implementation itself", async function () {
      const { registryAddress, other, tokenAddress, implementation } = await loadFixture(freshProxyFixture);
      const deployed = await ethers.getContractAt(
        "RestakingRegistry",
        await upgrades.erc1967.getImplementationAddress(registryAddress),
      );
      await expect(
        deployed.connect(other).initialize(other.address, tokenAddress, days(14), days(7)),
      ).to.be.revertedWithCustomError(deployed, "InvalidInitialization");
      await expect(
        implementation.connect(other).initialize(other.address, tokenAddress, days(14), days(7)),
      ).to.be.revertedWithCustomError(implementation, "InvalidInitialization");
    });
  });

  // ================================================================= assets

  describe("assets", function () {
    it("adds assets with ids 1 to 7 and refuses a ninth", async function () {
      const { registry } = await loadFixture(registryFixture);
      for (let id = 1n; id <= 7n; id++) {
        const token = await ethers.deployContract("MockERC20", [`Token ${id}`, `T${id}`]);
        const address = await token.getAddress();
        const weight = id * 10n ** 17n;
        const cap = id * 1_000n * ALT;
        expect(await registry.addAsset.staticCall(address, weight, cap)).to.equal(id);
        await expect(registry.addAsset(address, weight, cap))
          .to.emit(registry, "AssetAdded")
          .withArgs(id, address, weight, cap);
        const stored = await registry.asset(id);
        expect(stored.token).to.equal(address);
        expect(stored.weight).to.equal(weight);
        expect(stored.cap).to.equal(cap);
        expect(stored.totalStaked).to.equal(0n);
        expect(await registry.assetCount()).to.equal(id + 1n);
      }
      const ninth = await ethers.deployContract("MockERC20", ["Token 9", "T9"]);
      await expect(registry.addAsset(await ninth.getAddress(), ALT, ALT))
        .to.be.revertedWithCustomError(registry, "RegistryTooManyAssets")
        .withArgs(8n);
      expect(await registry.assetCount()).to.equal(8n);
      expect(await registry.MAX_ASSETS()).to.equal(8n);
    });

    it("refuses a token that is an asset already, ALT included", async function () {
      const { registry, lstAddress, tokenAddress } = await loadFixture(assetFixture);
      await expect(registry.addAsset(lstAddress, ALT, ALT))
        .to.be.revertedWithCustomError(registry, "RegistryAssetExists")
        .withArgs(lstAddress);
      await expect(registry.addAsset(tokenAddress, ALT, ALT))
        .to.be.revertedWithCustomError(registry, "RegistryAssetExists")
        .withArgs(tokenAddress);
    });

    it("refuses a zero token and a zero weight", async function () {
      const { registry } = await loadFixture(registryFixture);
      await expect(registry.addAsset(ethers.ZeroAddress, ALT, ALT)).to.be.revertedWithCustomError(
        registry,
        "RegistryZeroAddress",
      );
      const token = await ethers.deployContract("MockERC20", ["Token", "T"]);
      await expect(registry.addAsset(await token.getAddress(), 0, ALT)).to.be.revertedWithCustomError(
        registry,
        "RegistryZeroWeight",
      );
      expect(await registry.assetCount()).to.equal(1n);
    });

    it("refuses addAsset and updateAsset from anyone but the owner", async function () {
      const { registry, other } = await loadFixture(assetFixture);
      const token = await ethers.deployContract("MockERC20", ["Token", "T"]);
      await expect(registry.connect(other).addAsset(await token.getAddress(), ALT, ALT))
        .to.be.revertedWithCustomError(registry, "OwnableUnauthorizedAccount")
        .withArgs(other.address);
      await expect(registry.connect(other).updateAsset(1, ALT, ALT))
        .to.be.revertedWithCustomError(registry, "OwnableUnauthorizedAccount")
        .withArgs(other.address);
    });

    it("updates an asset's weight and cap", async function () {
      const { registry, lstAddress } = await loadFixture(assetFixture);
      await expect(registry.updateAsset(1, 3n * ALT, 5n * ALT))
        .to.emit(registry, "AssetUpdated")
        .withArgs(1n, 3n * ALT, 5n * ALT);
      const stored = await registry.asset(1);
      expect(stored.token).to.equal(lstAddress);
      expect(stored.weight).to.equal(3n * ALT);
      expect(stored.cap).to.equal(5n * ALT);
    });

    it("refuses to update an unknown asset or to a zero weight", async function () {
      const { registry } = await loadFixture(assetFixture);
      await expect(registry.updateAsset(2, ALT, ALT))
        .to.be.revertedWithCustomError(registry, "RegistryUnknownAsset")
        .withArgs(2n);
      await expect(registry.updateAsset(1, 0, ALT)).to.be.revertedWithCustomError(registry, "RegistryZeroWeight");
    });

    it("enforces the cap of a non-ALT asset and tracks its total stake exactly", async function () {
      const { registry, lst, registryAddress, operator, alice, bob } = await loadFixture(assetFixture);
      await registry.connect(alice).stake(operator.address, 1, 600n * ALT);
      expect((await registry.asset(1)).totalStaked).to.equal(600n * ALT);
      await expect(registry.connect(bob).stake(operator.address, 1, 400n * ALT + 1n))
        .to.be.revertedWithCustomError(registry, "RegistryCapExceeded")
        .withArgs(1n, LST_CAP, LST_CAP + 1n);
      // exactly up to the cap is allowed
      await registry.connect(bob).stake(operator.address, 1, 400n * ALT);
      expect((await registry.asset(1)).totalStaked).to.equal(LST_CAP);
      await expect(registry.connect(alice).stake(operator.address, 1, 1n))
        .to.be.revertedWithCustomError(registry, "RegistryCapExceeded")
        .withArgs(1n, LST_CAP, LST_CAP + 1n);
      expect(await lst.balanceOf(registryAddress)).to.equal(LST_CAP);

      // a completed withdrawal subtracts exactly what it paid, which frees room under the cap
      const pool = await registry.pool(operator.address, 1);
      const shares = await registry.sharesOf(bob.address, operator.address, 1);
      const { withdrawal } = await requestUnstake(registry, bob, operator.address, 1n, shares);
      await time.increaseTo(withdrawal.unlockAt);
      const paid = amountFor(shares, pool.totalShares, pool.totalAssets);
      await expect(registry.connect(bob).completeUnstake(withdrawal))
        .to.emit(registry, "UnstakeCompleted")
        .withArgs(rootOf(withdrawal), bob.address, operator.address, paid);
      expect((await registry.asset(1)).totalStaked).to.equal(LST_CAP - paid);
      await registry.connect(alice).stake(operator.address, 1, paid);
      expect((await registry.asset(1)).totalStaked).to.equal(LST_CAP);
    });

    it("stops new deposits, not withdrawals, when the cap is lowered below the total staked", async function () {
      const { registry, operator, alice } = await loadFixture(assetFixture);
      await registry.connect(alice).stake(operator.address, 1, 500n * ALT);
      await registry.updateAsset(1, LST_WEIGHT, 100n * ALT);
      await expect(registry.connect(alice).stake(operator.address, 1, 1n))
        .to.be.revertedWithCustomError(registry, "RegistryCapExceeded")
        .withArgs(1n, 100n * ALT, 500n * ALT + 1n);
      const shares = await registry.sharesOf(alice.address, operator.address, 1);
      const { withdrawal } = await requestUnstake(registry, alice, operator.address, 1n, shares);
      await time.increaseTo(withdrawal.unlockAt);
      await expect(registry.connect(alice).completeUnstake(withdrawal)).to.emit(registry, "UnstakeCompleted");
    });

    it("refuses any change to ALT's weight or cap with RegistryAltFixed", async function () {
      const { registry } = await loadFixture(registryFixture);
      await expect(registry.updateAsset(0, WEIGHT_UNIT, 1n)).to.be.revertedWithCustomError(
        registry,
        "RegistryAltFixed",
      );
      await expect(registry.updateAsset(0, 2n * WEIGHT_UNIT, 0n)).to.be.revertedWithCustomError(
        registry,
        "RegistryAltFixed",
      );
      expect((await registry.asset(0)).weight).to.equal(WEIGHT_UNIT);
    });

    it("never caps ALT and never counts its total stake", async function () {
      const { registry, operator, alice, bob } = await loadFixture(registryFixture);
      await registry.connect(alice).stake(operator.address, 0, 5_000_000n * ALT);
      await registry.connect(bob).stake(operator.address, 0, 5_000_000n * ALT);
      expect((await registry.pool(operator.address, 0)).totalAssets).to.equal(10_000_000n * ALT);
      expect((await registry.asset(0)).totalStaked).to.equal(0n);
      const shares = await registry.sharesOf(alice.address, operator.address, 0);
      const { withdrawal } = await requestUnstake(registry, alice, operator.address, 0n, shares);
      await time.increaseTo(withdrawal.unlockAt);
      await registry.connect(alice).completeUnstake(withdrawal);
      expect((await registry.asset(0)).totalStaked).to.equal(0n);
    });
  });

  // ================================================================= delays and modules

  describe("delays and modules", function () {
    it("lets the owner set the delays", async function () {
      const { registry } = await loadFixture(registryFixture);
      await expect(registry.setDelays(days(15), days(3)))
        .to.emit(registry, "DelaysUpdated")
        .withArgs(days(15), days(3));
      expect(await registry.withdrawalDelay()).to.equal(BigInt(days(15)));
      expect(await registry.commissionDelay()).to.equal(BigInt(days(3)));
    });

    it("refuses setDelays and setModules from anyone but the owner", async function () {
      const { registry, other } = await loadFixture(registryFixture);
      await expect(registry.connect(other).setDelays(days(15), days(3)))
        .to.be.revertedWithCustomError(registry, "OwnableUnauthorizedAccount")
        .withArgs(other.address);
      await expect(registry.connect(other).setModules(other.address, other.address))
        .to.be.revertedWithCustomError(registry, "OwnableUnauthorizedAccount")
        .withArgs(other.address);
    });

    it("refuses any delay above 365 days and accepts 365 days", async function () {
      const { registry } = await loadFixture(registryFixture);
      const tooLong = MAX_DELAY + 1;
      await expect(registry.setDelays(tooLong, days(7)))
        .to.be.revertedWithCustomError(registry, "RegistryDelayTooLong")
        .withArgs(tooLong);
      await expect(registry.setDelays(days(14), tooLong))
        .to.be.revertedWithCustomError(registry, "RegistryDelayTooLong")
        .withArgs(tooLong);
      await expect(registry.setDelays(MAX_DELAY, MAX_DELAY))
        .to.emit(registry, "DelaysUpdated")
        .withArgs(MAX_DELAY, MAX_DELAY);
    });

    it("refuses a withdrawal delay below the veto window when no slasher is registered", async function () {
      const { registry, slashingManager } = await loadFixture(registryFixture);
      expect(await slashingManager.minWithdrawalDelay()).to.equal(BigInt(days(2)));
      await expect(registry.setDelays(days(2) - 1, days(7)))
        .to.be.revertedWithCustomError(registry, "RegistryDelayTooShort")
        .withArgs(days(2) - 1, days(2));
      await expect(registry.setDelays(days(2), days(7)))
        .to.emit(registry, "DelaysUpdated")
        .withArgs(days(2), days(7));
    });

    it("refuses a withdrawal delay below the veto window plus the longest evidence age", async function () {
      const { registry, slashingManager } = await loadFixture(slashFixture);
      const minimum = days(2) + days(7);
      expect(await slashingManager.minWithdrawalDelay()).to.equal(BigInt(minimum));
      await expect(registry.setDelays(minimum - 1, days(7)))
        .to.be.revertedWithCustomError(registry, "RegistryDelayTooShort")
        .withArgs(minimum - 1, minimum);
      await registry.setDelays(minimum, days(7));
      expect(await registry.withdrawalDelay()).to.equal(BigInt(minimum));
    });

    it("wires modules and emits ModulesUpdated", async function () {
      const { registry, slashingManager, operatorSets } = await loadFixture(registryFixture);
      const manager = await slashingManager.getAddress();
      const sets = await operatorSets.getAddress();
      await expect(registry.setModules(ethers.ZeroAddress, ethers.ZeroAddress))
        .to.emit(registry, "ModulesUpdated")
        .withArgs(ethers.ZeroAddress, ethers.ZeroAddress);
      expect(await registry.slashingManager()).to.equal(ethers.ZeroAddress);
      expect(await registry.operatorSets()).to.equal(ethers.ZeroAddress);
      // without a manager, no minimum applies
      await registry.setDelays(1, days(7));
      // re-wiring the manager re-checks the current delay
      await expect(registry.setModules(manager, sets))
        .to.be.revertedWithCustomError(registry, "RegistryDelayTooShort")
        .withArgs(1, days(2));
      await registry.setDelays(days(14), days(7));
      await expect(registry.setModules(manager, sets)).to.emit(registry, "ModulesUpdated").withArgs(manager, sets);
      expect(await registry.slashingManager()).to.equal(manager);
      expect(await registry.operatorSets()).to.equal(sets);
    });

    it("refuses a slashing manager whose veto window exceeds the withdrawal delay", async function () {
      const { registry, deployer, council, treasury, tokenAddress } = await loadFixture(registryFixture);
      const ProxyFactory = await ethers.getContractFactory("ERC1967Proxy");
      // the manager's own initialisation checks its registry's delay: give it a registry with a 30-day delay
      const registryImplementation = await ethers.deployContract("RestakingRegistry");
      const otherRegistry = await ProxyFactory.deploy(
        await registryImplementation.getAddress(),
        registryImplementation.interface.encodeFunctionData("initialize", [
          deployer.address,
          tokenAddress,
          days(30),
          days(7),
        ]),
      );
      const managerImplementation = await ethers.deployContract("SlashingManager");
      const managerProxy = await ProxyFactory.deploy(
        await managerImplementation.getAddress(),
        managerImplementation.interface.encodeFunctionData("initialize", [
          deployer.address,
          await otherRegistry.getAddress(),
          council.address,
          treasury.address,
          days(20),
          1000,
          days(30),
        ]),
      );
      const longManager = await ethers.getContractAt("SlashingManager", await managerProxy.getAddress());
      expect(await longManager.minWithdrawalDelay()).to.equal(BigInt(days(20)));
      await expect(registry.setModules(await longManager.getAddress(), ethers.ZeroAddress))
        .to.be.revertedWithCustomError(registry, "RegistryDelayTooShort")
        .withArgs(days(14), days(20));
    });
  });

  // ================================================================= operators

  describe("operators", function () {
    it("registers an operator with its metadata and commission, and no signing key", async function () {
      const { registry, operator2 } = await loadFixture(registryFixture);
      expect(await registry.isOperator(operator2.address)).to.equal(false);
      const tx = registry.connect(operator2).registerOperator("ipfs://op2", 2000);
      await expect(tx).to.emit(registry, "OperatorRegistered").withArgs(operator2.address, 2000, "ipfs://op2");
      expect(await registry.isOperator(operator2.address)).to.equal(true);
      expect(await registry.commissionOf(operator2.address)).to.equal(2000n);
      expect(await registry.isJailed(operator2.address)).to.equal(false);
      expect(await registry.pendingSlashes(operator2.address)).to.equal(0n);
      // the ECDSA signing key is gone for good: MACH's keys are BLS keys, in BlsKeyRegistry
      const names: string[] = [];
      registry.interface.forEachFunction((f) => names.push(f.name));
      registry.interface.forEachEvent((e) => names.push(e.name));
      expect(names.filter((name) => /signingkey/i.test(name))).to.deep.equal([]);
      expect(registry.interface.getEvent("OperatorRegistered")!.format()).to.equal(
        "OperatorRegistered(address,uint256,string)",
      );
    });

    it("refuses to register an operator twice", async function () {
      const { registry, operator } = await loadFixture(registryFixture);
      await expect(registry.connect(operator).registerOperator("ipfs://again", 100))
        .to.be.revertedWithCustomError(registry, "RegistryOperatorExists")
        .withArgs(operator.address);
    });

    it("refuses a commission above 20 %", async function () {
      const { registry, operator2 } = await loadFixture(registryFixture);
      expect(await registry.MAX_COMMISSION_BPS()).to.equal(2000n);
      await expect(registry.connect(operator2).registerOperator("ipfs://op2", 2001))
        .to.be.revertedWithCustomError(registry, "RegistryCommissionTooHigh")
        .withArgs(2001, 2000);
    });

    it("publishes new metadata for operators only", async function () {
      const { registry, operator, other } = await loadFixture(registryFixture);
      await expect(registry.connect(operator).setMetadataURI("ipfs://v2"))
        .to.emit(registry, "OperatorMetadataURIUpdated")
        .withArgs(operator.address, "ipfs://v2");
      await expect(registry.connect(other).setMetadataURI("ipfs://x"))
        .to.be.revertedWithCustomError(registry, "RegistryNotOperator")
        .withArgs(other.address);
    });

    describe("commission", function () {
      it("applies a decrease at once", async function () {
        const { registry, operator } = await loadFixture(registryFixture);
        const at = (await time.latest()) + 10;
        await time.setNextBlockTimestamp(at);
        await expect(registry.connect(operator).setCommission(300))
          .to.emit(registry, "CommissionChanged")
          .withArgs(operator.address, 300, at);
        expect(await registry.commissionOf(operator.address)).to.equal(300n);
      });

      it("applies an increase exactly when the commission delay has passed", async function () {
        const { registry, operator } = await loadFixture(registryFixture);
        const at = (await time.latest()) + 10;
        const effectiveAt = at + days(7);
        await time.setNextBlockTimestamp(at);
        await expect(registry.connect(operator).setCommission(1500))
          .to.emit(registry, "CommissionChanged")
          .withArgs(operator.address, 1500, effectiveAt);
        expect(await registry.commissionOf(operator.address)).to.equal(500n);
        await time.increaseTo(effectiveAt - 1);
        expect(await registry.commissionOf(operator.address)).to.equal(500n);
        await time.increaseTo(effectiveAt);
        expect(await registry.commissionOf(operator.address)).to.equal(1500n);
      });

      it("cancels a pending increase with a decrease", async function () {
        const { registry, operator } = await loadFixture(registryFixture);
        await registry.connect(operator).setCommission(1500);
        const at = (await time.latest()) + days(1);
        await time.setNextBlockTimestamp(at);
        await expect(registry.connect(operator).setCommission(300))
          .to.emit(registry, "CommissionChanged")
          .withArgs(operator.address, 300, at);
        expect(await registry.commissionOf(operator.address)).to.equal(300n);
        await time.increase(days(30));
        expect(await registry.commissionOf(operator.address)).to.equal(300n);
      });

      it("restarts the delay when the pending increase is replaced", async function () {
        const { registry, operator } = await loadFixture(registryFixture);
        await registry.connect(operator).setCommission(1500);
        const at = (await time.latest()) + days(3);
        await time.setNextBlockTimestamp(at);
        // 1000 is below the pending 1500 but above the 500 in force: an increase, delayed from now
        await expect(registry.connect(operator).setCommission(1000))
          .to.emit(registry, "CommissionChanged")
          .withArgs(operator.address, 1000, at + days(7));
        await time.increaseTo(at + days(7) - 1);
        expect(await registry.commissionOf(operator.address)).to.equal(500n);
        await time.increaseTo(at + days(7));
        expect(await registry.commissionOf(operator.address)).to.equal(1000n);
      });

      it("refuses a commission above 20 % and a caller that is not an operator", async function () {
        const { registry, operator, other } = await loadFixture(registryFixture);
        await expect(registry.connect(operator).setCommission(2001))
          .to.be.revertedWithCustomError(registry, "RegistryCommissionTooHigh")
          .withArgs(2001, 2000);
        await expect(registry.connect(other).setCommission(100))
          .to.be.revertedWithCustomError(registry, "RegistryNotOperator")
          .withArgs(other.address);
      });
    });
  });

  // ================================================================= staking

  describe("staking", function () {
    it("mints shares at the pool price and updates the pool, the staker and the operator's stake", async function () {
      const { registry, token, registryAddress, operator, alice, bob } = await loadFixture(registryFixture);
      const first = 1_000n * ALT;
      const firstShares = sharesFor(first, 0n, 0n);
      expect(firstShares).to.equal(first * VIRTUAL_SHARES);
      const aliceBefore = await token.balanceOf(alice.address);
      const registryBefore = await token.balanceOf(registryAddress);
      expect(await registry.connect(alice).stake.staticCall(operator.address, 0, first)).to.equal(firstShares);
      await expect(registry.connect(alice).stake(operator.address, 0, first))
        .to.emit(registry, "Staked")
        .withArgs(alice.address, operator.address, 0n, first, firstShares);
      expect(await token.balanceOf(alice.address)).to.equal(aliceBefore - first);
      expect(await token.balanceOf(registryAddress)).to.equal(registryBefore + first);

      const second = 333n * ALT + 7n;
      const secondShares = sharesFor(second, firstShares, first);
      await expect(registry.connect(bob).stake(operator.address, 0, second))
        .to.emit(registry, "Staked")
        .withArgs(bob.address, operator.address, 0n, second, secondShares);
      const pool = await registry.pool(operator.address, 0);
      expect(pool.totalShares).to.equal(firstShares + secondShares);
      expect(pool.totalAssets).to.equal(first + second);
      expect(pool.queuedShares).to.equal(0n);
      expect(await registry.sharesOf(alice.address, operator.address, 0)).to.equal(firstShares);
      expect(await registry.sharesOf(bob.address, operator.address, 0)).to.equal(secondShares);
      const totalShares = firstShares + secondShares;
      expect(await registry.operatorStake(operator.address)).to.equal(
        amountFor(totalShares, totalShares, first + second),
      );
      // a second stake by the same staker adds to its shares
      const third = 10n * ALT;
      const thirdShares = sharesFor(third, totalShares, first + second);
      await registry.connect(alice).stake(operator.address, 0, third);
      expect(await registry.sharesOf(alice.address, operator.address, 0)).to.equal(firstShares + thirdShares);
    });

    it("weighs each asset in the operator's stake", async function () {
      const { registry, operator, alice } = await loadFixture(assetFixture);
      const altAmount = 100n * ALT;
      const lstAmount = 50n * ALT + 3n;
      await registry.connect(alice).stake(operator.address, 0, altAmount);
      await registry.connect(alice).stake(operator.address, 1, lstAmount);
      const altShares = sharesFor(altAmount, 0n, 0n);
      const lstShares = sharesFor(lstAmount, 0n, 0n);
      expect(await registry.sharesOf(alice.address, operator.address, 1)).to.equal(lstShares);
      const expected =
        (amountFor(altShares, altShares, altAmount) * WEIGHT_UNIT) / WEIGHT_UNIT +
        (amountFor(lstShares, lstShares, lstAmount) * LST_WEIGHT) / WEIGHT_UNIT;
      expect(expected).to.equal(altAmount + 2n * lstAmount);
      expect(await registry.operatorStake(operator.address)).to.equal(expected);
      // a weight change applies to the stake at once
      await registry.updateAsset(1, ALT / 2n, LST_CAP);
      expect(await registry.operatorStake(operator.address)).to.equal(altAmount + lstAmount / 2n);
    });

    it("refuses a zero amount, an unknown operator and an unknown asset", async function () {
      const { registry, operator, alice, other } = await loadFixture(registryFixture);
      await expect(registry.connect(alice).stake(operator.address, 0, 0)).to.be.revertedWithCustomError(
        registry,
        "RegistryZeroAmount",
      );
      await expect(registry.connect(alice).stake(other.address, 0, ALT))
        .to.be.revertedWithCustomError(registry, "RegistryNotOperator")
        .withArgs(other.address);
      await expect(registry.connect(alice).stake(operator.address, 1, ALT))
        .to.be.revertedWithCustomError(registry, "RegistryUnknownAsset")
        .withArgs(1n);
    });

    it("refuses a stake without allowance", async function () {
      const { registry, token, registryAddress, operator, carol } = await loadFixture(registryFixture);
      await expect(registry.connect(carol).stake(operator.address, 0, ALT))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
        .withArgs(registryAddress, 0n, ALT);
      await token.connect(carol).approve(registryAddress, ALT - 1n);
      await expect(registry.connect(carol).stake(operator.address, 0, ALT))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
        .withArgs(registryAddress, ALT - 1n, ALT);
    });

    describe("stakeWithPermit", function () {
      async function permitFor(f: Awaited<ReturnType<typeof registryFixture>>, amount: bigint) {
        const deadline = BigInt((await time.latest()) + days(1));
        const nonce = await f.token.nonces(f.carol.address);
        const signature = await signPermit(f.carol, f.token, {
          owner: f.carol.address,
          spender: f.registryAddress,
          value: amount,
          nonce,
          deadline,
        });
        return { deadline, nonce, signature };
      }

      it("stakes ALT with a permit instead of an approval", async function () {
        const f = await loadFixture(registryFixture);
        const { registry, token, operator, carol, registryAddress } = f;
        const amount = 250n * ALT;
        const { deadline, nonce, signature } = await permitFor(f, amount);
        const before = await token.balanceOf(carol.address);
        await expect(
          registry
            .connect(carol)
            .stakeWithPermit(operator.address, amount, deadline, signature.v, signature.r, signature.s),
        )
          .to.emit(registry, "Staked")
          .withArgs(carol.address, operator.address, 0n, amount, sharesFor(amount, 0n, 0n));
        expect(await token.balanceOf(carol.address)).to.equal(before - amount);
        expect(await token.nonces(carol.address)).to.equal(nonce + 1n);
        expect(await token.allowance(carol.address, registryAddress)).to.equal(0n);
        expect(await registry.sharesOf(carol.address, operator.address, 0)).to.equal(sharesFor(amount, 0n, 0n));
      });

      it("still stakes when the permit was front-run into the token", async function () {
        const f = await loadFixture(registryFixture);
        const { registry, token, operator, carol, other, registryAddress } = f;
        const amount = 250n * ALT;
        const { deadline, signature } = await permitFor(f, amount);
        await token
          .connect(other)
          .permit(carol.address, registryAddress, amount, deadline, signature.v, signature.r, signature.s);
        expect(await token.allowance(carol.address, registryAddress)).to.equal(amount);
        await expect(
          registry
            .connect(carol)
            .stakeWithPermit(operator.address, amount, deadline, signature.v, signature.r, signature.s),
        )
          .to.emit(registry, "Staked")
          .withArgs(carol.address, operator.address, 0n, amount, sharesFor(amount, 0n, 0n));
        expect(await token.allowance(carol.address, registryAddress)).to.equal(0n);
      });

      it("fails on the allowance when the permit is invalid and nothing was approved", async function () {
        const f = await loadFixture(registryFixture);
        const { registry, token, operator, carol, registryAddress } = f;
        const amount = 250n * ALT;
        const { deadline, signature } = await permitFor(f, amount);
        // signed for `amount`, used for more: the permit fails and is ignored, then the transfer fails
        await expect(
          registry
            .connect(carol)
            .stakeWithPermit(operator.address, amount + 1n, deadline, signature.v, signature.r, signature.s),
        )
          .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
          .withArgs(registryAddress, 0n, amount + 1n);
      });
    });

    describe("first-depositor inflation attack", function () {
      it("leaves the victim whole and the attacker without profit", async function () {
        const { registry, token, registryAddress, operator, attacker, victim } = await loadFixture(registryFixture);
        // the attacker is the pool's first depositor, with 1 wei
        await registry.connect(attacker).stake(operator.address, 0, 1n);
        const attackerShares = await registry.sharesOf(attacker.address, operator.address, 0);
        expect(attackerShares).to.equal(VIRTUAL_SHARES);
        const priceBefore = await registry.sharesToAmount(operator.address, 0, 10n ** 30n);
        const attackerValueBefore = await registry.sharesToAmount(operator.address, 0, attackerShares);
        expect(attackerValueBefore).to.equal(1n);

        // then donates 1,000,000 ALT to the registry directly
        const donation = 1_000_000n * ALT;
        await token.connect(attacker).transfer(registryAddress, donation);
        const poolAfterDonation = await registry.pool(operator.address, 0);
        expect(poolAfterDonation.totalAssets).to.equal(1n);
        expect(poolAfterDonation.totalShares).to.equal(VIRTUAL_SHARES);
        expect(await registry.sharesToAmount(operator.address, 0, 10n ** 30n)).to.equal(priceBefore);
        expect(await registry.sharesToAmount(operator.address, 0, attackerShares)).to.equal(attackerValueBefore);

        // the victim stakes 100,000 ALT at the undisturbed price
        const deposit = 100_000n * ALT;
        const victimShares = sharesFor(deposit, VIRTUAL_SHARES, 1n);
        expect(victimShares).to.equal(deposit * VIRTUAL_SHARES);
        await expect(registry.connect(victim).stake(operator.address, 0, deposit))
          .to.emit(registry, "Staked")
          .withArgs(victim.address, operator.address, 0n, deposit, victimShares);
        const totalShares = VIRTUAL_SHARES + victimShares;
        const totalAssets = 1n + deposit;
        const victimValue = amountFor(victimShares, totalShares, totalAssets);
        expect(await registry.sharesToAmount(operator.address, 0, victimShares)).to.equal(victimValue);
        expect(victimValue >= deposit - 1n).to.equal(true);
        const attackerValue = await registry.sharesToAmount(operator.address, 0, attackerShares);
        expect(attackerValue).to.equal(amountFor(attackerShares, totalShares, totalAssets));
        expect(attackerValue <= 1n).to.equal(true);

        // both leave: the victim gets its deposit back (less at most 1 wei), the attacker at most its 1 wei
        const a = await requestUnstake(registry, attacker, operator.address, 0n, attackerShares);
        const v = await requestUnstake(registry, victim, operator.address, 0n, victimShares);
        await time.increaseTo(v.withdrawal.unlockAt);
        const attackerBalance = await token.balanceOf(attacker.address);
        const victimBalance = await token.balanceOf(victim.address);
        await registry.connect(attacker).completeUnstake(a.withdrawal);
        const attackerPaid = (await token.balanceOf(attacker.address)) - attackerBalance;
        expect(attackerPaid).to.equal(attackerValue);
        await registry.connect(victim).completeUnstake(v.withdrawal);
        const victimPaid = (await token.balanceOf(victim.address)) - victimBalance;
        expect(victimPaid).to.equal(amountFor(victimShares, totalShares - attackerShares, totalAssets - attackerPaid));
        expect(victimPaid >= deposit - 1n).to.equal(true);
        // the donation is stranded in the registry, outside every pool
        expect(await token.balanceOf(registryAddress)).to.be.greaterThanOrEqual(donation);
      });
    });

    describe("adversarial tokens", function () {
      it("refuses a fee-on-transfer token by the balance delta and changes nothing", async function () {
        const { registry, registryAddress, operator, alice } = await loadFixture(registryFixture);
        const fot = await ethers.deployContract("FeeOnTransferToken");
        const fotAddress = await fot.getAddress();
        await registry.addAsset(fotAddress, ALT, MAX_UINT128);
        await fot.mint(alice.address, 1_000n * ALT);
        await fot.connect(alice).approve(registryAddress, ethers.MaxUint256);
        const amount = 1_000n * ALT;
        await expect(registry.connect(alice).stake(operator.address, 1, amount))
          .to.be.revertedWithCustomError(registry, "RegistryUnsupportedToken")
          .withArgs(fotAddress, amount, amount - amount / 100n);
        expect(await fot.balanceOf(alice.address)).to.equal(amount);
        expect(await fot.balanceOf(registryAddress)).to.equal(0n);
        expect((await registry.asset(1)).totalStaked).to.equal(0n);
        const pool = await registry.pool(operator.address, 1);
        expect(pool.totalShares).to.equal(0n);
        expect(pool.totalAssets).to.equal(0n);
        expect(await registry.sharesOf(alice.address, operator.address, 1)).to.equal(0n);
      });

      /** Asset 1: a token that calls back into the registry from its next transfer once armed; alice holds 1,000. */
      async function reentrantAssetFixture() {
        const base = await loadFixture(registryFixture);
        const reentrant = await ethers.deployContract("ReentrantToken");
        await base.registry.addAsset(await reentrant.getAddress(), ALT, MAX_UINT128);
        await reentrant.mint(base.alice.address, 1_000n * ALT);
        await reentrant.connect(base.alice).approve(base.registryAddress, ethers.MaxUint256);
        return { ...base, reentrant };
      }

      for (const target of ["stake", "requestUnstake"] as const) {
        it(`blocks a token re-entering ${target} during transferFrom while the outer stake succeeds`, async function () {
          const { registry, registryAddress, operator, alice, reentrant } = await loadFixture(reentrantAssetFixture);
          const payload =
            target === "stake"
              ? registry.interface.encodeFunctionData("stake", [operator.address, 1, 1])
              : registry.interface.encodeFunctionData("requestUnstake", [operator.address, 1, 1]);
          await reentrant.arm(registryAddress, payload);

          const amount = 100n * ALT;
          await expect(registry.connect(alice).stake(operator.address, 1, amount))
            .to.emit(registry, "Staked")
            .withArgs(alice.address, operator.address, 1n, amount, sharesFor(amount, 0n, 0n));
          await expectReentryRefused(reentrant, registry, "ReentrancyGuardReentrantCall");
          expect((await registry.pool(operator.address, 1)).totalAssets).to.equal(amount);
          expect((await registry.asset(1)).totalStaked).to.equal(amount);
          expect(await reentrant.balanceOf(registryAddress)).to.equal(amount);
        });
      }

      it("blocks a token re-entering completeUnstake from its transfer out: a withdrawal is paid once", async function () {
        const { registry, registryAddress, operator, alice, reentrant } = await loadFixture(reentrantAssetFixture);
        const amount = 100n * ALT;
        await registry.connect(alice).stake(operator.address, 1, amount);
        const shares = sharesFor(amount, 0n, 0n);
        const { root, withdrawal } = await requestUnstake(registry, alice, operator.address, 1n, shares);
        const paid = amountFor(shares, shares, amount);
        await time.increaseTo(withdrawal.unlockAt);
        // the token pays out from within completeUnstake and asks for the same withdrawal again
        await reentrant.arm(registryAddress, registry.interface.encodeFunctionData("completeUnstake", [withdrawal]));
        await expect(registry.connect(alice).completeUnstake(withdrawal))
          .to.emit(registry, "UnstakeCompleted")
          .withArgs(root, alice.address, operator.address, paid);
        await expectReentryRefused(reentrant, registry, "ReentrancyGuardReentrantCall");
        expect(await reentrant.balanceOf(alice.address)).to.equal(1_000n * ALT - amount + paid);
        expect(await reentrant.balanceOf(registryAddress)).to.equal(amount - paid);
        expect((await registry.pool(operator.address, 1)).totalAssets).to.equal(amount - paid);
        expect((await registry.asset(1)).totalStaked).to.equal(amount - paid);
        await expect(registry.connect(alice).completeUnstake(withdrawal))
          .to.be.revertedWithCustomError(registry, "RegistryUnknownWithdrawal")
          .withArgs(root);
      });
    });
  });

  // ================================================================= unstaking

  describe("unstake queue", function () {
    /** alice staked 1,000 ALT with `operator`. */
    async function stakedFixture() {
      const base = await loadFixture(registryFixture);
      await base.registry.connect(base.alice).stake(base.operator.address, 0, 1_000n * ALT);
      const shares = sharesFor(1_000n * ALT, 0n, 0n);
      return { ...base, shares };
    }

    it("queues shares: they leave the staker and the operator's stake at once and stay in the pool", async function () {
      const { registry, operator, alice, shares } = await loadFixture(stakedFixture);
      const requested = shares / 4n;
      const at = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(at);
      const expected: Withdrawal = {
        staker: alice.address,
        operator: operator.address,
        assetId: 0n,
        shares: requested,
        unlockAt: BigInt(at + days(14)),
        nonce: 0n,
      };
      const root = rootOf(expected);
      expect(await registry.withdrawalRoot(expected)).to.equal(root);
      await expect(registry.connect(alice).requestUnstake(operator.address, 0, requested))
        .to.emit(registry, "UnstakeRequested")
        .withArgs(root, asTuple(expected));
      expect(await registry.isPendingWithdrawal(root)).to.equal(true);
      expect(await registry.sharesOf(alice.address, operator.address, 0)).to.equal(shares - requested);
      const pool = await registry.pool(operator.address, 0);
      expect(pool.totalShares).to.equal(shares);
      expect(pool.queuedShares).to.equal(requested);
      expect(pool.totalAssets).to.equal(1_000n * ALT);
      expect(await registry.operatorStake(operator.address)).to.equal(
        amountFor(shares - requested, shares, 1_000n * ALT),
      );
      expect(await registry.operatorStake(operator.address)).to.equal(750n * ALT);
    });

    it("numbers withdrawals with an increasing nonce", async function () {
      const { registry, operator, alice, bob, shares } = await loadFixture(stakedFixture);
      await registry.connect(bob).stake(operator.address, 0, ALT);
      const first = await requestUnstake(registry, alice, operator.address, 0n, 1n);
      const second = await requestUnstake(registry, alice, operator.address, 0n, 1n);
      const third = await requestUnstake(registry, bob, operator.address, 0n, 1n);
      expect([first.withdrawal.nonce, second.withdrawal.nonce, third.withdrawal.nonce]).to.deep.equal([0n, 1n, 2n]);
      expect(first.root).to.not.equal(second.root);
      for (const { root, withdrawal } of [first, second, third]) {
        expect(root).to.equal(rootOf(withdrawal));
        expect(await registry.isPendingWithdrawal(root)).to.equal(true);
      }
      expect((await registry.pool(operator.address, 0)).queuedShares).to.equal(3n);
      expect(await registry.sharesOf(alice.address, operator.address, 0)).to.equal(shares - 2n);
    });

    it("refuses more shares than held and zero shares", async function () {
      const { registry, operator, alice, bob, shares } = await loadFixture(stakedFixture);
      await expect(registry.connect(alice).requestUnstake(operator.address, 0, shares + 1n))
        .to.be.revertedWithCustomError(registry, "RegistryInsufficientShares")
        .withArgs(shares + 1n, shares);
      await expect(registry.connect(bob).requestUnstake(operator.address, 0, 1n))
        .to.be.revertedWithCustomError(registry, "RegistryInsufficientShares")
        .withArgs(1n, 0n);
      await expect(registry.connect(alice).requestUnstake(operator.address, 0, 0)).to.be.revertedWithCustomError(
        registry,
        "RegistryZeroAmount",
      );
      // queued shares cannot be requested again
      await registry.connect(alice).requestUnstake(operator.address, 0, shares);
      await expect(registry.connect(alice).requestUnstake(operator.address, 0, 1n))
        .to.be.revertedWithCustomError(registry, "RegistryInsufficientShares")
        .withArgs(1n, 0n);
    });

    it("refuses completion before unlockAt and pays exactly at unlockAt", async function () {
      const { registry, token, registryAddress, operator, alice, shares } = await loadFixture(stakedFixture);
      const requested = shares / 4n;
      const { root, withdrawal } = await requestUnstake(registry, alice, operator.address, 0n, requested);
      await time.setNextBlockTimestamp(withdrawal.unlockAt - 1n);
      await expect(registry.connect(alice).completeUnstake(withdrawal))
        .to.be.revertedWithCustomError(registry, "RegistryWithdrawalLocked")
        .withArgs(withdrawal.unlockAt);

      const amount = amountFor(requested, shares, 1_000n * ALT);
      const aliceBefore = await token.balanceOf(alice.address);
      const registryBefore = await token.balanceOf(registryAddress);
      await time.setNextBlockTimestamp(withdrawal.unlockAt);
      await expect(registry.connect(alice).completeUnstake(withdrawal))
        .to.emit(registry, "UnstakeCompleted")
        .withArgs(root, alice.address, operator.address, amount);
      expect(await token.balanceOf(alice.address)).to.equal(aliceBefore + amount);
      expect(await token.balanceOf(registryAddress)).to.equal(registryBefore - amount);
      const pool = await registry.pool(operator.address, 0);
      expect(pool.totalShares).to.equal(shares - requested);
      expect(pool.queuedShares).to.equal(0n);
      expect(pool.totalAssets).to.equal(1_000n * ALT - amount);
      expect(await registry.isPendingWithdrawal(root)).to.equal(false);
      // the staker's remaining shares are unaffected
      expect(await registry.sharesOf(alice.address, operator.address, 0)).to.equal(shares - requested);
    });

    it("refuses completion by anyone but the staker", async function () {
      const { registry, operator, alice, bob, shares } = await loadFixture(stakedFixture);
      const { withdrawal } = await requestUnstake(registry, alice, operator.address, 0n, shares);
      await time.increaseTo(withdrawal.unlockAt);
      await expect(registry.connect(bob).completeUnstake(withdrawal))
        .to.be.revertedWithCustomError(registry, "RegistryNotStaker")
        .withArgs(bob.address);
      // nor with the staker rewritten to the caller
      const rewritten = { ...withdrawal, staker: bob.address };
      await expect(registry.connect(bob).completeUnstake(rewritten))
        .to.be.revertedWithCustomError(registry, "RegistryUnknownWithdrawal")
        .withArgs(rootOf(rewritten));
    });

    it("refuses a second completion and a tampered withdrawal", async function () {
      const { registry, operator, alice, shares } = await loadFixture(stakedFixture);
      const { root, withdrawal } = await requestUnstake(registry, alice, operator.address, 0n, shares / 2n);
      await time.increaseTo(withdrawal.unlockAt);
      for (const tampered of [
        { ...withdrawal, shares: withdrawal.shares + 1n },
        { ...withdrawal, unlockAt: withdrawal.unlockAt - 1n },
        { ...withdrawal, nonce: withdrawal.nonce + 1n },
      ]) {
        await expect(registry.connect(alice).completeUnstake(tampered))
          .to.be.revertedWithCustomError(registry, "RegistryUnknownWithdrawal")
          .withArgs(rootOf(tampered));
      }
      await registry.connect(alice).completeUnstake(withdrawal);
      await expect(registry.connect(alice).completeUnstake(withdrawal))
        .to.be.revertedWithCustomError(registry, "RegistryUnknownWithdrawal")
        .withArgs(root);
    });

    it("keeps the unlock time fixed when the delay changes after the request", async function () {
      const { registry, operator, alice, shares } = await loadFixture(stakedFixture);
      const { withdrawal } = await requestUnstake(registry, alice, operator.address, 0n, shares);
      await registry.setDelays(days(30), days(7));
      await time.setNextBlockTimestamp(withdrawal.unlockAt);
      await expect(registry.connect(alice).completeUnstake(withdrawal)).to.emit(registry, "UnstakeCompleted");
    });
  });

  // ================================================================= slashing

  describe("slashing hooks", function () {
    it("lets only the slashing manager call the hooks", async function () {
      const { registry, operator, other, deployer, reporter, treasury, setId } = await loadFixture(slashFixture);
      const order = {
        operator: operator.address,
        setId,
        bps: 1000,
        requestedAt: await time.latest(),
        maxValue: 0,
        reporter: reporter.address,
        reporterBps: 1000,
        treasury: treasury.address,
        recipient: ethers.ZeroAddress,
      };
      for (const caller of [other, deployer]) {
        await expect(registry.connect(caller).onSlashRequested(operator.address))
          .to.be.revertedWithCustomError(registry, "RegistryNotSlashingManager")
          .withArgs(caller.address);
        await expect(registry.connect(caller).onSlashVetoed(operator.address))
          .to.be.revertedWithCustomError(registry, "RegistryNotSlashingManager")
          .withArgs(caller.address);
        await expect(registry.connect(caller).slash(0, order))
          .to.be.revertedWithCustomError(registry, "RegistryNotSlashingManager")
          .withArgs(caller.address);
      }
      expect(await registry.pendingSlashes(operator.address)).to.equal(0n);
      expect((await registry.pool(operator.address, 0)).totalAssets).to.equal(1_400n * ALT);
    });

    it("jails the operator while requests are pending and blocks its withdrawals", async function () {
      const { registry, operator, operator2, bob, queued, requestSlash } = await loadFixture(slashFixture);
      expect(await registry.isJailed(operator.address)).to.equal(false);
      await requestSlash(operator.address, 1000);
      expect(await registry.isJailed(operator.address)).to.equal(true);
      expect(await registry.pendingSlashes(operator.address)).to.equal(1n);
      await requestSlash(operator.address, 500);
      expect(await registry.pendingSlashes(operator.address)).to.equal(2n);
      expect(await registry.isJailed(operator2.address)).to.equal(false);
      await time.increaseTo(queued.withdrawal.unlockAt);
      await expect(registry.connect(bob).completeUnstake(queued.withdrawal))
        .to.be.revertedWithCustomError(registry, "RegistryOperatorJailed")
        .withArgs(operator.address);
    });

    it("releases the withdrawals once every request is vetoed, at the unchanged price", async function () {
      const { registry, token, slashingManager, council, operator, bob, queued, requestSlash } =
        await loadFixture(slashFixture);
      const first = await requestSlash(operator.address, 1000);
      const second = await requestSlash(operator.address, 500);
      await slashingManager.connect(council).veto(first.requestId);
      expect(await registry.pendingSlashes(operator.address)).to.equal(1n);
      expect(await registry.isJailed(operator.address)).to.equal(true);
      await slashingManager.connect(council).veto(second.requestId);
      expect(await registry.pendingSlashes(operator.address)).to.equal(0n);
      expect(await registry.isJailed(operator.address)).to.equal(false);

      const pool = await registry.pool(operator.address, 0);
      expect(pool.totalAssets).to.equal(1_400n * ALT);
      const amount = amountFor(queued.withdrawal.shares, pool.totalShares, pool.totalAssets);
      await time.increaseTo(queued.withdrawal.unlockAt);
      const before = await token.balanceOf(bob.address);
      await expect(registry.connect(bob).completeUnstake(queued.withdrawal))
        .to.emit(registry, "UnstakeCompleted")
        .withArgs(queued.root, bob.address, operator.address, amount);
      expect(await token.balanceOf(bob.address)).to.equal(before + amount);
    });

    it("stake arriving after an offence is refused", async function () {
      const f = await loadFixture(slashFixture);
      const { registry, token, registryAddress, slashingManager, council, operator, operator2, alice, users } = f;
      const dave = users[8]; // no allowance: stakes by permit
      /** A permit of `amount` ALT from dave to the registry, with dave's next nonce. */
      async function permit(amount: bigint) {
        const deadline = BigInt((await time.latest()) + days(30));
        const nonce = await token.nonces(dave.address);
        const signature = await signPermit(dave, token, {
          owner: dave.address,
          spender: registryAddress,
          value: amount,
          nonce,
          deadline,
        });
        const send = () =>
          registry
            .connect(dave)
            .stakeWithPermit(operator.address, amount, deadline, signature.v, signature.r, signature.s);
        return { nonce, send };
      }
      /** Both ways in are refused while a request is pending, and nothing moves. */
      async function expectRefused(withPermit: Awaited<ReturnType<typeof permit>>) {
        const altPool = await registry.pool(operator.address, 0);
        const lstPool = await registry.pool(operator.address, 1);
        const balance = await token.balanceOf(registryAddress);
        for (const [assetId, amount] of [
          [0n, ALT],
          [1n, 3n * ALT],
        ]) {
          await expect(registry.connect(alice).stake(operator.address, assetId, amount))
            .to.be.revertedWithCustomError(registry, "RegistryOperatorJailed")
            .withArgs(operator.address);
        }
        await expect(withPermit.send())
          .to.be.revertedWithCustomError(registry, "RegistryOperatorJailed")
          .withArgs(operator.address);
        // the permit went down with the call: unused, to be used once the jail ends
        expect(await token.nonces(dave.address)).to.equal(withPermit.nonce);
        expect(await token.allowance(dave.address, registryAddress)).to.equal(0n);
        expect(await registry.pool(operator.address, 0)).to.deep.equal(altPool);
        expect(await registry.pool(operator.address, 1)).to.deep.equal(lstPool);
        expect(await token.balanceOf(registryAddress)).to.equal(balance);
      }
      /** Both ways in are open: shares at the pool's price of the moment. */
      async function expectAccepted(withPermit: Awaited<ReturnType<typeof permit>>, amount: bigint) {
        let pool = await registry.pool(operator.address, 0);
        await expect(registry.connect(alice).stake(operator.address, 0, ALT))
          .to.emit(registry, "Staked")
          .withArgs(alice.address, operator.address, 0n, ALT, sharesFor(ALT, pool.totalShares, pool.totalAssets));
        pool = await registry.pool(operator.address, 0);
        await expect(withPermit.send())
          .to.emit(registry, "Staked")
          .withArgs(dave.address, operator.address, 0n, amount, sharesFor(amount, pool.totalShares, pool.totalAssets));
        expect(await token.nonces(dave.address)).to.equal(withPermit.nonce + 1n);
      }

      // an offence reported: refused until the request is vetoed
      const first = await f.requestSlash(operator.address, 1000);
      const amount = 25n * ALT;
      const firstPermit = await permit(amount);
      await expectRefused(firstPermit);
      // another operator is not concerned
      await expect(registry.connect(alice).stake(operator2.address, 0, ALT)).to.emit(registry, "Staked");
      await slashingManager.connect(council).veto(first.requestId);
      await expectAccepted(firstPermit, amount);

      // another one: refused until the request is executed, then accepted at the slashed price
      const second = await f.requestSlash(operator.address, 500);
      const secondPermit = await permit(amount);
      await expectRefused(secondPermit);
      await time.increaseTo(second.executableAt);
      await expectRefused(secondPermit);
      await slashingManager.execute(second.requestId);
      expect(await registry.isJailed(operator.address)).to.equal(false);
      await expectAccepted(secondPermit, amount);
    });

    it("takes bps of the set's allocation from every pool in proportion, queued shares included, setting ALT aside to burn and crediting other assets to the treasury", async function () {
      const {
        registry,
        token,
        lst,
        registryAddress,
        slashingManager,
        operatorSets,
        treasury,
        reporter,
        other,
        operator,
        alice,
        bob,
        queued,
        reporterBps,
        setId,
        requestSlash,
      } = await loadFixture(slashFixture);
      const bps = 1000n;
      const { requestId, executableAt } = await requestSlash(operator.address, Number(bps));

      // the value taken: bps of the allocation to the set (nothing is pending deallocation)
      const allocation = await operatorSets.allocation(setId, operator.address);
      expect([allocation.allocated, allocation.pendingFree]).to.deep.equal([OPERATOR_ALLOCATION, 0n]);
      const value = (allocation.allocated * bps) / BPS;
      const [allocatedBefore, encumberedBefore] = await operatorSets.allocatedOf(operator.address);
      // taken from the pools pro rata to their value, queued shares included: amount_i = totalAssets_i * value / total
      const altPool = await registry.pool(operator.address, 0);
      const lstPool = await registry.pool(operator.address, 1);
      const lstWeight = (await registry.asset(1)).weight;
      expect(altPool.queuedShares).to.not.equal(0n);
      const totalValue = altPool.totalAssets + (lstPool.totalAssets * lstWeight) / WEIGHT_UNIT;
      const altAmount = (altPool.totalAssets * value) / totalValue;
      const lstAmount = (lstPool.totalAssets * value) / totalValue;
      const altToReporter = (altAmount * reporterBps) / BPS;
      const lstToReporter = (lstAmount * reporterBps) / BPS;
      // the rounding is exercised: neither share is exact, both round down
      expect((altPool.totalAssets * value) % totalValue).to.not.equal(0n);
      expect((lstPool.totalAssets * value) % totalValue).to.not.equal(0n);
      const taken = altAmount + (lstAmount * lstWeight) / WEIGHT_UNIT;
      expect(taken <= value && taken >= value - 2n).to.equal(true);

      const supply = await token.totalSupply();
      const altToBurn = await registry.altToBurn();
      expect(altToBurn).to.equal(0n);
      const registryAlt = await token.balanceOf(registryAddress);
      const registryLst = await lst.balanceOf(registryAddress);
      const reporterAlt = await token.balanceOf(reporter.address);
      const reporterLst = await lst.balanceOf(reporter.address);
      const treasuryAlt = await token.balanceOf(treasury.address);
      const treasuryLst = await lst.balanceOf(treasury.address);
      const lstStaked = (await registry.asset(1)).totalStaked;
      const aliceShares = await registry.sharesOf(alice.address, operator.address, 0);
      const bobShares = await registry.sharesOf(bob.address, operator.address, 0);
      const queuedValueBefore = await registry.sharesToAmount(operator.address, 0, queued.withdrawal.shares);

      await time.setNextBlockTimestamp(executableAt);
      const tx = slashingManager.connect(other).execute(requestId);
      await expect(tx)
        .to.emit(operatorSets, "AllocationSlashed")
        .withArgs(setId, operator.address, value, 0n)
        .and.to.emit(registry, "PoolSlashed")
        .withArgs(requestId, operator.address, 0n, altAmount, altToReporter, altPool.totalAssets - altAmount)
        .and.to.emit(registry, "PoolSlashed")
        .withArgs(requestId, operator.address, 1n, lstAmount, lstToReporter, lstPool.totalAssets - lstAmount)
        .and.to.emit(slashingManager, "SlashExecuted")
        .withArgs(requestId, operator.address, setId, bps, [altAmount, lstAmount]);
      await expect(tx).to.not.emit(operatorSets, "AllocationsReduced");
      const receipt = await (await tx).wait();
      expect(eventsOf(registry, receipt, "PoolSlashed")).to.deep.equal([
        [requestId, operator.address, 0n, altAmount, altToReporter, altPool.totalAssets - altAmount],
        [requestId, operator.address, 1n, lstAmount, lstToReporter, lstPool.totalAssets - lstAmount],
      ]);
      expect(eventsOf(registry, receipt, "SlashProceedsCredited")).to.deep.equal([
        [reporter.address, 0n, altToReporter],
        [reporter.address, 1n, lstToReporter],
        [treasury.address, 1n, lstAmount - lstToReporter],
      ]);

      // ALT: reporter share claimable, the rest set aside to burn (burnSlashedAlt); LST: reporter share claimable, the
      // rest claimable by the treasury. Nothing leaves the registry and nothing is burned yet.
      await expect(tx).to.not.emit(registry, "SlashedAltBurned");
      await expect(tx).to.not.emit(token, "Transfer");
      expect(await token.totalSupply()).to.equal(supply);
      expect(await registry.altToBurn()).to.equal(altToBurn + (altAmount - altToReporter));
      expect(await token.balanceOf(registryAddress)).to.equal(registryAlt);
      expect(await token.balanceOf(reporter.address)).to.equal(reporterAlt);
      expect(await token.balanceOf(treasury.address)).to.equal(treasuryAlt);
      expect(await lst.balanceOf(registryAddress)).to.equal(registryLst);
      expect(await lst.balanceOf(reporter.address)).to.equal(reporterLst);
      expect(await lst.balanceOf(treasury.address)).to.equal(treasuryLst);
      expect(await lst.totalSupply()).to.equal(30_000n * ALT);
      expect(await registry.slashProceeds(reporter.address, 0)).to.equal(altToReporter);
      expect(await registry.slashProceeds(reporter.address, 1)).to.equal(lstToReporter);
      expect(await registry.slashProceeds(treasury.address, 0)).to.equal(0n);
      expect(await registry.slashProceeds(treasury.address, 1)).to.equal(lstAmount - lstToReporter);

      // pools lose assets, never shares; ALT's total stake stays uncounted, LST's falls by the slash
      const altAfter = await registry.pool(operator.address, 0);
      const lstAfter = await registry.pool(operator.address, 1);
      expect(altAfter.totalShares).to.equal(altPool.totalShares);
      expect(altAfter.queuedShares).to.equal(altPool.queuedShares);
      expect(altAfter.totalAssets).to.equal(altPool.totalAssets - altAmount);
      expect(lstAfter.totalShares).to.equal(lstPool.totalShares);
      expect(lstAfter.totalAssets).to.equal(lstPool.totalAssets - lstAmount);
      expect(await registry.sharesOf(alice.address, operator.address, 0)).to.equal(aliceShares);
      expect(await registry.sharesOf(bob.address, operator.address, 0)).to.equal(bobShares);
      expect((await registry.asset(0)).totalStaked).to.equal(0n);
      expect((await registry.asset(1)).totalStaked).to.equal(lstStaked - lstAmount);
      expect(await registry.pendingSlashes(operator.address)).to.equal(0n);
      expect(await registry.isJailed(operator.address)).to.equal(false);
      // the allocation lost what was taken; the stake left still backs it
      expect((await operatorSets.allocation(setId, operator.address)).allocated).to.equal(OPERATOR_ALLOCATION - value);
      const [allocatedAfter, encumberedAfter] = await operatorSets.allocatedOf(operator.address);
      expect([allocatedAfter, encumberedAfter]).to.deep.equal([allocatedBefore - value, encumberedBefore - value]);

      // a lower price for every share, queued ones included
      const queuedValueAfter = await registry.sharesToAmount(operator.address, 0, queued.withdrawal.shares);
      expect(queuedValueAfter).to.equal(
        amountFor(queued.withdrawal.shares, altAfter.totalShares, altAfter.totalAssets),
      );
      expect(queuedValueAfter < queuedValueBefore).to.equal(true);
      const active = altAfter.totalShares - altAfter.queuedShares;
      const stakeAfter =
        amountFor(active, altAfter.totalShares, altAfter.totalAssets) +
        (amountFor(lstAfter.totalShares, lstAfter.totalShares, lstAfter.totalAssets) * lstWeight) / WEIGHT_UNIT;
      expect(await registry.operatorStake(operator.address)).to.equal(stakeAfter);
      expect(stakeAfter >= OPERATOR_ALLOCATION - value).to.equal(true);
    });

    it("takes nothing when governance unwired the operator sets: the request is only un-counted", async function () {
      const { registry, slashingManager, operatorSets, deployer, operator, setId, requestSlash } =
        await loadFixture(slashFixture);
      const { requestId, executableAt } = await requestSlash(operator.address, 1000);
      await registry.connect(deployer).setModules(slashingManager, ethers.ZeroAddress);
      const altPool = await registry.pool(operator.address, 0);
      const lstPool = await registry.pool(operator.address, 1);
      await time.increaseTo(executableAt);
      const tx = slashingManager.execute(requestId);
      await expect(tx)
        .to.emit(slashingManager, "SlashExecuted")
        .withArgs(requestId, operator.address, setId, 1000n, [0n, 0n]);
      await expect(tx).to.not.emit(registry, "PoolSlashed");
      await expect(tx).to.not.emit(operatorSets, "AllocationSlashed");
      expect(await registry.pool(operator.address, 0)).to.deep.equal(altPool);
      expect(await registry.pool(operator.address, 1)).to.deep.equal(lstPool);
      expect(await registry.pendingSlashes(operator.address)).to.equal(0n);
      expect((await operatorSets.allocation(setId, operator.address)).allocated).to.equal(OPERATOR_ALLOCATION);
    });

    it("takes at most bps of the pools, when the allocation is worth more than they are (a weight cut)", async function () {
      const {
        registry,
        slashingManager,
        operatorSets,
        deployer,
        carol,
        other,
        reporter,
        treasury,
        reporterBps,
        setId,
        requestSlash,
      } = await loadFixture(slashFixture);
      // `other` holds 500 LST only (1,000 ALT-equivalent), all allocated to the set
      const staked = 500n * ALT;
      const allocated = (staked * LST_WEIGHT) / WEIGHT_UNIT;
      await registry.connect(other).registerOperator("ipfs://other", 0);
      await registry.connect(carol).stake(other.address, 1, staked);
      await operatorSets.connect(other).join(setId, allocated);
      // governance cuts the weight to 1 %: the stake is worth 5 ALT, the allocation still 1,000 ALT
      const weight = WEIGHT_UNIT / 100n;
      await registry.connect(deployer).updateAsset(1, weight, LST_CAP);
      expect(await registry.operatorStake(other.address)).to.equal((staked * weight) / WEIGHT_UNIT);

      const bps = 1000n;
      const { requestId, requestedAt, executableAt } = await requestSlash(other.address, Number(bps));
      const { value, totalValue, amounts } = await expectedSlash(
        registry,
        operatorSets,
        other.address,
        setId,
        bps,
        requestedAt,
      );
      // 10 % of the allocation is more than the pools are worth: a 10 % request still takes 10 % of them, no more
      const fromAllocated = (allocated * bps) / BPS;
      expect(fromAllocated > totalValue).to.equal(true);
      expect(totalValue).to.equal((staked * weight) / WEIGHT_UNIT);
      expect(value).to.equal((totalValue * bps) / BPS);
      const taken = (staked * value) / totalValue;
      expect(taken).to.equal(staked / 10n);
      expect(amounts).to.deep.equal([0n, taken]);
      const lstStaked = (await registry.asset(1)).totalStaked;
      await time.increaseTo(executableAt);
      const tx = slashingManager.execute(requestId);
      const toReporter = (taken * reporterBps) / BPS;
      await expect(tx)
        .to.emit(operatorSets, "AllocationSlashed")
        .withArgs(setId, other.address, fromAllocated, 0n)
        .and.to.emit(registry, "PoolSlashed")
        .withArgs(requestId, other.address, 1n, taken, toReporter, staked - taken)
        .and.to.emit(slashingManager, "SlashExecuted")
        .withArgs(requestId, other.address, setId, bps, [0n, taken]);
      // what is left cannot back the rest of the allocation: it shrinks to the stake
      const active = await registry.operatorStake(other.address);
      expect(active).to.equal(((staked - taken) * weight) / WEIGHT_UNIT);
      await expect(tx)
        .to.emit(operatorSets, "AllocationsReduced")
        .withArgs(other.address, allocated - fromAllocated - active);
      expect((await registry.pool(other.address, 1)).totalAssets).to.equal(staked - taken);
      expect((await registry.asset(1)).totalStaked).to.equal(lstStaked - taken);
      expect(await registry.slashProceeds(reporter.address, 1)).to.equal(toReporter);
      expect(await registry.slashProceeds(treasury.address, 1)).to.equal(taken - toReporter);
      expect((await operatorSets.allocation(setId, other.address)).allocated).to.equal(active);
    });

    it("pays a queued withdrawal at the slashed price when a slash is executed before completion", async function () {
      const { registry, token, registryAddress, slashingManager, operator, bob, queued, requestSlash } =
        await loadFixture(slashFixture);
      const before = await registry.sharesToAmount(operator.address, 0, queued.withdrawal.shares);
      const { requestId, executableAt } = await requestSlash(operator.address, 1000);
      await time.increaseTo(executableAt);
      await slashingManager.execute(requestId);
      const pool = await registry.pool(operator.address, 0);
      const amount = amountFor(queued.withdrawal.shares, pool.totalShares, pool.totalAssets);
      expect(amount < before).to.equal(true);
      await time.increaseTo(queued.withdrawal.unlockAt);
      const bobBefore = await token.balanceOf(bob.address);
      const registryBefore = await token.balanceOf(registryAddress);
      await expect(registry.connect(bob).completeUnstake(queued.withdrawal))
        .to.emit(registry, "UnstakeCompleted")
        .withArgs(queued.root, bob.address, operator.address, amount);
      expect(await token.balanceOf(bob.address)).to.equal(bobBefore + amount);
      expect(await token.balanceOf(registryAddress)).to.equal(registryBefore - amount);
      const after = await registry.pool(operator.address, 0);
      expect(after.totalAssets).to.equal(pool.totalAssets - amount);
      expect(after.totalShares).to.equal(pool.totalShares - queued.withdrawal.shares);
      expect(after.queuedShares).to.equal(0n);
    });

    it("skips assets in which the operator has an empty pool", async function () {
      const {
        registry,
        lst,
        slashingManager,
        operatorSets,
        treasury,
        reporter,
        operator2,
        reporterBps,
        setId,
        requestSlash,
      } = await loadFixture(slashFixture);
      const pool = await registry.pool(operator2.address, 0);
      expect(pool.totalAssets).to.equal(300n * ALT);
      const treasuryLst = await lst.balanceOf(treasury.address);
      const reporterLst = await lst.balanceOf(reporter.address);
      const lstStaked = (await registry.asset(1)).totalStaked;
      const { requestId, requestedAt, executableAt } = await requestSlash(operator2.address, 500);
      const { value, amounts } = await expectedSlash(
        registry,
        operatorSets,
        operator2.address,
        setId,
        500n,
        requestedAt,
      );
      // one pool: it pays the whole value, 5 % of the 300 ALT allocated
      expect(value).to.equal((OPERATOR2_ALLOCATION * 500n) / BPS);
      expect(amounts).to.deep.equal([value, 0n]);
      const amount = value;
      const toReporter = (amount * reporterBps) / BPS;
      await time.increaseTo(executableAt);
      const tx = slashingManager.execute(requestId);
      await expect(tx)
        .to.emit(registry, "PoolSlashed")
        .withArgs(requestId, operator2.address, 0n, amount, toReporter, pool.totalAssets - amount)
        .and.to.emit(slashingManager, "SlashExecuted")
        .withArgs(requestId, operator2.address, setId, 500n, [amount, 0n]);
      expect(eventsOf(registry, await (await tx).wait(), "PoolSlashed")).to.have.length(1);
      const empty = await registry.pool(operator2.address, 1);
      expect([empty.totalShares, empty.totalAssets, empty.queuedShares]).to.deep.equal([0n, 0n, 0n]);
      expect(await lst.balanceOf(treasury.address)).to.equal(treasuryLst);
      expect(await lst.balanceOf(reporter.address)).to.equal(reporterLst);
      expect(await registry.slashProceeds(treasury.address, 1)).to.equal(0n);
      expect(await registry.slashProceeds(reporter.address, 1)).to.equal(0n);
      expect((await registry.asset(1)).totalStaked).to.equal(lstStaked);
    });

    it("pays slash proceeds once, to the recipient the claimant names", async function () {
      const {
        registry,
        token,
        lst,
        registryAddress,
        slashingManager,
        operator,
        reporter,
        treasury,
        other,
        operatorSets,
        reporterBps,
        setId,
        requestSlash,
      } = await loadFixture(slashFixture);
      const { requestId, requestedAt, executableAt } = await requestSlash(operator.address, 1000);
      const {
        amounts: [altAmount, lstAmount],
      } = await expectedSlash(registry, operatorSets, operator.address, setId, 1000n, requestedAt);
      await time.increaseTo(executableAt);
      await (await slashingManager.execute(requestId)).wait();
      const toReporter = (altAmount * reporterBps) / BPS;
      const lstToTreasury = lstAmount - (lstAmount * reporterBps) / BPS;
      expect(toReporter).to.not.equal(0n);
      expect(lstToTreasury).to.not.equal(0n);
      expect(await registry.slashProceeds(reporter.address, 0)).to.equal(toReporter);
      expect(await registry.connect(reporter).claimSlashProceeds.staticCall(0, other.address)).to.equal(toReporter);
      const claim = registry.connect(reporter).claimSlashProceeds(0, other.address);
      await expect(claim)
        .to.emit(registry, "SlashProceedsClaimed")
        .withArgs(reporter.address, 0n, other.address, toReporter);
      await expect(claim).to.changeTokenBalances(
        token,
        [registryAddress, other, reporter],
        [-toReporter, toReporter, 0n],
      );
      await expect(registry.connect(reporter).claimSlashProceeds(0, reporter.address)).to.be.revertedWithCustomError(
        registry,
        "RegistryZeroAmount",
      );
      await expect(registry.connect(treasury).claimSlashProceeds(1, treasury.address)).to.changeTokenBalances(
        lst,
        [registryAddress, treasury],
        [-lstToTreasury, lstToTreasury],
      );
      expect(await registry.slashProceeds(treasury.address, 1)).to.equal(0n);
    });

    it("refuses a claim of nothing, of an unknown asset, or to the zero address", async function () {
      const { registry, other, reporter } = await loadFixture(slashFixture);
      await expect(registry.connect(other).claimSlashProceeds(0, other.address)).to.be.revertedWithCustomError(
        registry,
        "RegistryZeroAmount",
      );
      await expect(registry.connect(reporter).claimSlashProceeds(7, reporter.address))
        .to.be.revertedWithCustomError(registry, "RegistryUnknownAsset")
        .withArgs(7n);
      await expect(registry.connect(reporter).claimSlashProceeds(0, ethers.ZeroAddress)).to.be.revertedWithCustomError(
        registry,
        "RegistryZeroAddress",
      );
    });

    it("leaves other operators' pools untouched", async function () {
      const { registry, slashingManager, operator, operator2, requestSlash } = await loadFixture(slashFixture);
      const before = await registry.pool(operator2.address, 0);
      const { requestId, executableAt } = await requestSlash(operator.address, 1000);
      await time.increaseTo(executableAt);
      await slashingManager.execute(requestId);
      const after = await registry.pool(operator2.address, 0);
      expect(after.totalAssets).to.equal(before.totalAssets);
      expect(after.totalShares).to.equal(before.totalShares);
    });
  });

  // ================================================================= burn of slashed ALT

  describe("burnSlashedAlt", function () {
    /** Executes a slash of `bps` of `target`'s allocation; returns the ALT it set aside to burn and its reporter share. */
    async function executeSlash(f: Awaited<ReturnType<typeof slashFixture>>, target: string, bps: bigint) {
      const { registry, operatorSets, slashingManager, setId, reporterBps, requestSlash } = f;
      const { requestId, requestedAt, executableAt } = await requestSlash(target, Number(bps));
      const {
        totals: [altTotal],
        amounts: [altAmount],
      } = await expectedSlash(registry, operatorSets, target, setId, bps, requestedAt);
      const toReporter = (altAmount * reporterBps) / BPS;
      await time.increaseTo(executableAt);
      await expect(slashingManager.execute(requestId))
        .to.emit(registry, "PoolSlashed")
        .withArgs(requestId, target, 0n, altAmount, toReporter, altTotal - altAmount);
      return { toBurn: altAmount - toReporter, toReporter };
    }

    it("lets anyone burn exactly what executions set aside: supply and registry balance fall by it, nothing else moves", async function () {
      const f = await loadFixture(slashFixture);
      const { registry, token, registryAddress, operator, reporter, other } = f;
      const { toBurn, toReporter } = await executeSlash(f, operator.address, 1000n);
      expect(toBurn).to.not.equal(0n);
      expect(toReporter).to.not.equal(0n);
      expect(await registry.altToBurn()).to.equal(toBurn);

      const supply = await token.totalSupply();
      const registryAlt = await token.balanceOf(registryAddress);
      const altPool = await registry.pool(operator.address, 0);
      const lstPool = await registry.pool(operator.address, 1);
      expect(await registry.connect(other).burnSlashedAlt.staticCall()).to.equal(toBurn);
      const tx = registry.connect(other).burnSlashedAlt();
      await expect(tx)
        .to.emit(registry, "SlashedAltBurned")
        .withArgs(other.address, toBurn)
        .and.to.emit(token, "Transfer")
        .withArgs(registryAddress, ethers.ZeroAddress, toBurn);
      expect(await token.totalSupply()).to.equal(supply - toBurn);
      expect(await token.balanceOf(registryAddress)).to.equal(registryAlt - toBurn);
      expect(await registry.altToBurn()).to.equal(0n);
      // the pools and the reporter's share are not touched: the share is still claimable in full
      expect(await registry.pool(operator.address, 0)).to.deep.equal(altPool);
      expect(await registry.pool(operator.address, 1)).to.deep.equal(lstPool);
      expect(await registry.slashProceeds(reporter.address, 0)).to.equal(toReporter);
      await expect(registry.connect(reporter).claimSlashProceeds(0, reporter.address)).to.changeTokenBalances(
        token,
        [registryAddress, reporter],
        [-toReporter, toReporter],
      );
    });

    it("refuses a second burn with RegistryZeroAmount: the first burned it all", async function () {
      const f = await loadFixture(slashFixture);
      const { registry, token, other, alice } = f;
      const { toBurn } = await executeSlash(f, f.operator.address, 1000n);
      await expect(registry.connect(alice).burnSlashedAlt())
        .to.emit(registry, "SlashedAltBurned")
        .withArgs(alice.address, toBurn);
      const supply = await token.totalSupply();
      await expect(registry.connect(other).burnSlashedAlt())
        .to.be.revertedWithCustomError(registry, "RegistryZeroAmount")
        .withArgs();
      await expect(registry.connect(alice).burnSlashedAlt())
        .to.be.revertedWithCustomError(registry, "RegistryZeroAmount")
        .withArgs();
      expect(await token.totalSupply()).to.equal(supply);
      expect(await registry.altToBurn()).to.equal(0n);
    });

    it("accumulates what several executions set aside and burns it all in one call", async function () {
      const f = await loadFixture(slashFixture);
      const { registry, token, registryAddress, operator, operator2, other } = f;
      const supply = await token.totalSupply();
      const registryAlt = await token.balanceOf(registryAddress);
      const first = await executeSlash(f, operator.address, 1000n);
      expect(await registry.altToBurn()).to.equal(first.toBurn);
      const second = await executeSlash(f, operator2.address, 500n);
      const third = await executeSlash(f, operator.address, 300n);
      const total = first.toBurn + second.toBurn + third.toBurn;
      expect(second.toBurn).to.not.equal(0n);
      expect(third.toBurn).to.not.equal(0n);
      expect(await registry.altToBurn()).to.equal(total);
      // nothing burned by the executions: supply and the registry's ALT unchanged
      expect(await token.totalSupply()).to.equal(supply);
      expect(await token.balanceOf(registryAddress)).to.equal(registryAlt);

      expect(await registry.connect(other).burnSlashedAlt.staticCall()).to.equal(total);
      await expect(registry.connect(other).burnSlashedAlt())
        .to.emit(registry, "SlashedAltBurned")
        .withArgs(other.address, total);
      expect(await token.totalSupply()).to.equal(supply - total);
      expect(await token.balanceOf(registryAddress)).to.equal(registryAlt - total);
      expect(await registry.altToBurn()).to.equal(0n);
    });

    it("refuses a burn with RegistryZeroAmount when no execution set anything aside", async function () {
      const { registry, token, other } = await loadFixture(slashFixture);
      expect(await registry.altToBurn()).to.equal(0n);
      const supply = await token.totalSupply();
      await expect(registry.connect(other).burnSlashedAlt())
        .to.be.revertedWithCustomError(registry, "RegistryZeroAmount")
        .withArgs();
      expect(await token.totalSupply()).to.equal(supply);
    });
  });

  // ================================================================= reward units

  describe("reward units", function () {
    const RATE_UNIT = 10n ** 18n;
    /** Units a stake worth `value` (ALT-equivalent) mints at `rate`: value * rate / 1e18, floored. */
    const unitsFor = (value: bigint, rate: bigint) => (value * rate) / RATE_UNIT;
    /** units * 1e18 / value: the units one ALT-equivalent (1e18 wei) of stake carries, floored. */
    const perAlt = (units: bigint, value: bigint) => (units * WEIGHT_UNIT) / value;

    /** unitsWindow as plain arrays: [start, keys, values]. */
    async function windowOf(
      registry: RestakingRegistry,
      operator: string,
      staker: string,
      from: bigint,
      until: bigint,
      max: bigint,
    ) {
      const [start, keys, values] = await registry.unitsWindow(operator, staker, from, until, max);
      return [start, [...keys], [...values]];
    }

    it("mints value * unitRate / 1e18 units per stake: the amount for ALT, amount * weight / 1e18 for another asset", async function () {
      const { registry, operator, alice, bob, lstId } = await loadFixture(assetFixture);
      expect(await registry.unitRate(operator.address)).to.equal(RATE_UNIT);
      const altAmount = 1_000n * ALT + 7n;
      await registry.connect(alice).stake(operator.address, 0, altAmount);
      expect(await registry.unitsOf(alice.address, operator.address, 0)).to.equal(altAmount);
      await registry.connect(alice).stake(operator.address, 0, 3n);
      expect(await registry.unitsOf(alice.address, operator.address, 0)).to.equal(altAmount + 3n);

      // weight 2: twice the amount
      const lstAmount = 3n * ALT + 1n;
      await registry.connect(alice).stake(operator.address, lstId, lstAmount);
      const aliceLst = unitsFor((lstAmount * LST_WEIGHT) / WEIGHT_UNIT, RATE_UNIT);
      expect(aliceLst).to.equal(2n * lstAmount);
      expect(await registry.unitsOf(alice.address, operator.address, lstId)).to.equal(aliceLst);

      // a new weight counts for new stake only: units keep the weight in force when they were minted
      const weight = 1_500_000_000_000_000_001n;
      await registry.updateAsset(lstId, weight, LST_CAP);
      const bobAmount = 10n * ALT + 3n;
      await registry.connect(bob).stake(operator.address, lstId, bobAmount);
      const bobLst = (bobAmount * weight) / WEIGHT_UNIT;
      expect((bobAmount * weight) % WEIGHT_UNIT).to.not.equal(0n); // the rounding is exercised
      expect(await registry.unitsOf(bob.address, operator.address, lstId)).to.equal(bobLst);
      expect(await registry.unitsOf(alice.address, operator.address, lstId)).to.equal(aliceLst);
      await registry.connect(alice).stake(operator.address, lstId, 1n);
      expect(await registry.unitsOf(alice.address, operator.address, lstId)).to.equal(aliceLst + 1n);

      // the operator's units are the sum of its stakers' (they count from the next epoch)
      const next = (await registry.currentEpoch()) + 1n;
      const aliceTotal = altAmount + 3n + aliceLst + 1n;
      expect(await registry.stakerUnitsAt(alice.address, operator.address, next)).to.equal(aliceTotal);
      expect(await registry.stakerUnitsAt(bob.address, operator.address, next)).to.equal(bobLst);
      expect(await registry.operatorUnitsAt(operator.address, next)).to.equal(aliceTotal + bobLst);
      expect(await registry.unitsOf(bob.address, operator.address, 0)).to.equal(0n);
      expect(await registry.unitsOf(alice.address, bob.address, 0)).to.equal(0n);
      expect(await registry.unitRate(operator.address)).to.equal(RATE_UNIT);
    });

    it("mints no units, and emits no UnitsChanged, for a stake worth less than one wei of ALT", async function () {
      const { registry, operator, alice, lstId } = await loadFixture(assetFixture);
      // weight 1 %: 99 wei are worth 0.99 wei of ALT
      await registry.updateAsset(lstId, WEIGHT_UNIT / 100n, LST_CAP);
      const tx = registry.connect(alice).stake(operator.address, lstId, 99n);
      await expect(tx)
        .to.emit(registry, "Staked")
        .withArgs(alice.address, operator.address, lstId, 99n, 99n * 10n ** 6n);
      await expect(tx).to.not.emit(registry, "UnitsChanged");
      expect(await registry.sharesOf(alice.address, operator.address, lstId)).to.equal(99n * 10n ** 6n);
      expect(await registry.unitsOf(alice.address, operator.address, lstId)).to.equal(0n);
      // 100 wei are worth exactly 1 wei: one unit
      await expect(registry.connect(alice).stake(operator.address, lstId, 100n))
        .to.emit(registry, "UnitsChanged")
        .withArgs(operator.address, alice.address, (await registry.currentEpoch()) + 1n, 1n, 1n);
      // a request of shares that carry no unit burns none
      await expect(registry.connect(alice).requestUnstake(operator.address, lstId, 99n * 10n ** 6n)).to.not.emit(
        registry,
        "UnitsChanged",
      );
      expect(await registry.unitsOf(alice.address, operator.address, lstId)).to.equal(1n);
    });

    it("emits UnitsChanged(operator, staker, currentEpoch + 1, staker's units, operator's units)", async function () {
      const { registry, operatorSets, operator, alice, bob } = await loadFixture(registryFixture);
      const e = await operatorSets.currentEpoch();
      expect(await registry.currentEpoch()).to.equal(e);
      await expect(registry.connect(alice).stake(operator.address, 0, 1_000n * ALT))
        .to.emit(registry, "UnitsChanged")
        .withArgs(operator.address, alice.address, e + 1n, 1_000n * ALT, 1_000n * ALT);
      await expect(registry.connect(bob).stake(operator.address, 0, 300n * ALT))
        .to.emit(registry, "UnitsChanged")
        .withArgs(operator.address, bob.address, e + 1n, 300n * ALT, 1_300n * ALT);
      expect(await nextEpoch(operatorSets)).to.equal(e + 1n);
      await expect(registry.connect(alice).stake(operator.address, 0, 5n))
        .to.emit(registry, "UnitsChanged")
        .withArgs(operator.address, alice.address, e + 2n, 1_000n * ALT + 5n, 1_300n * ALT + 5n);
      // a request burns the requested shares' units: a quarter of bob's shares, a quarter of his units
      const bobShares = await registry.sharesOf(bob.address, operator.address, 0);
      const tx = registry.connect(bob).requestUnstake(operator.address, 0, bobShares / 4n);
      await expect(tx)
        .to.emit(registry, "UnitsChanged")
        .withArgs(operator.address, bob.address, e + 2n, 225n * ALT, 1_225n * ALT + 5n);
      const receipt = await (await tx).wait();
      expect(eventsOf(registry, receipt, "UnitsChanged")).to.have.length(1);
    });

    it("counts units from the next epoch: operatorUnitsAt and stakerUnitsAt keep the current epoch's", async function () {
      const { registry, operatorSets, operator, alice, bob } = await loadFixture(registryFixture);
      const e = await nextEpoch(operatorSets);
      await registry.connect(alice).stake(operator.address, 0, 1_000n * ALT);
      // the position holds them at once; the checkpoints count them from e + 1
      expect(await registry.unitsOf(alice.address, operator.address, 0)).to.equal(1_000n * ALT);
      for (const epoch of [0n, e - 1n, e]) {
        expect(await registry.operatorUnitsAt(operator.address, epoch)).to.equal(0n);
        expect(await registry.stakerUnitsAt(alice.address, operator.address, epoch)).to.equal(0n);
      }
      expect(await registry.operatorUnitsAt(operator.address, e + 1n)).to.equal(1_000n * ALT);
      expect(await registry.stakerUnitsAt(alice.address, operator.address, e + 1n)).to.equal(1_000n * ALT);

      await nextEpoch(operatorSets);
      await registry.connect(bob).stake(operator.address, 0, 500n * ALT);
      const aliceShares = await registry.sharesOf(alice.address, operator.address, 0);
      await registry.connect(alice).requestUnstake(operator.address, 0, aliceShares / 4n);
      expect(await registry.unitsOf(alice.address, operator.address, 0)).to.equal(750n * ALT);
      // epoch e + 1 still counts alice's whole stake (the requested shares stay slashable) and nothing of bob's
      expect(await registry.operatorUnitsAt(operator.address, e + 1n)).to.equal(1_000n * ALT);
      expect(await registry.stakerUnitsAt(alice.address, operator.address, e + 1n)).to.equal(1_000n * ALT);
      expect(await registry.stakerUnitsAt(bob.address, operator.address, e + 1n)).to.equal(0n);
      for (const epoch of [e + 2n, e + 100n, 2n ** 48n, ethers.MaxUint256]) {
        expect(await registry.operatorUnitsAt(operator.address, epoch)).to.equal(1_250n * ALT);
        expect(await registry.stakerUnitsAt(alice.address, operator.address, epoch)).to.equal(750n * ALT);
        expect(await registry.stakerUnitsAt(bob.address, operator.address, epoch)).to.equal(500n * ALT);
      }
    });

    it("burns the requested shares' units pro rata, rounded down, and all that is left with the last share", async function () {
      const { registry, operator, alice, lstId } = await loadFixture(assetFixture);
      const amount = 5n * ALT + 3n;
      await registry.connect(alice).stake(operator.address, lstId, amount);
      const shares = sharesFor(amount, 0n, 0n);
      const units = 2n * amount;
      expect(await registry.unitsOf(alice.address, operator.address, lstId)).to.equal(units);
      const next = (await registry.currentEpoch()) + 1n;

      // a third of a unit's worth of shares and more: floor(units * requested / held)
      const first = 333_333_333n;
      const burned = (units * first) / shares;
      expect((units * first) % shares).to.not.equal(0n); // the rounding is exercised
      await expect(registry.connect(alice).requestUnstake(operator.address, lstId, first))
        .to.emit(registry, "UnitsChanged")
        .withArgs(operator.address, alice.address, next, units - burned, units - burned);
      expect(await registry.unitsOf(alice.address, operator.address, lstId)).to.equal(units - burned);

      // all shares but one: pro rata of what is left
      const heldShares = shares - first;
      const heldUnits = units - burned;
      const second = heldShares - 1n;
      const burned2 = (heldUnits * second) / heldShares;
      expect((heldUnits * second) % heldShares).to.not.equal(0n);
      await registry.connect(alice).requestUnstake(operator.address, lstId, second);
      expect(await registry.unitsOf(alice.address, operator.address, lstId)).to.equal(heldUnits - burned2);
      expect(heldUnits - burned2).to.not.equal(0n);

      // the last share takes every unit left: none stays behind without shares
      await expect(registry.connect(alice).requestUnstake(operator.address, lstId, 1n))
        .to.emit(registry, "UnitsChanged")
        .withArgs(operator.address, alice.address, next, 0n, 0n);
      expect(await registry.sharesOf(alice.address, operator.address, lstId)).to.equal(0n);
      expect(await registry.unitsOf(alice.address, operator.address, lstId)).to.equal(0n);
      expect(await registry.operatorUnitsAt(operator.address, next)).to.equal(0n);
    });

    it("leaves the next epoch's units unchanged when a stake is requested out in the epoch it arrived", async function () {
      const { registry, operatorSets, operator, alice, bob } = await loadFixture(registryFixture);
      await registry.connect(alice).stake(operator.address, 0, 1_000n * ALT);
      const e = await nextEpoch(operatorSets);
      await expect(registry.connect(bob).stake(operator.address, 0, 3_000n * ALT))
        .to.emit(registry, "UnitsChanged")
        .withArgs(operator.address, bob.address, e + 1n, 3_000n * ALT, 4_000n * ALT);
      const bobShares = await registry.sharesOf(bob.address, operator.address, 0);
      await expect(registry.connect(bob).requestUnstake(operator.address, 0, bobShares))
        .to.emit(registry, "UnitsChanged")
        .withArgs(operator.address, bob.address, e + 1n, 0n, 1_000n * ALT);
      expect(await registry.unitsOf(bob.address, operator.address, 0)).to.equal(0n);
      for (const epoch of [e, e + 1n, e + 5n]) {
        expect(await registry.operatorUnitsAt(operator.address, epoch)).to.equal(1_000n * ALT);
        expect(await registry.stakerUnitsAt(bob.address, operator.address, epoch)).to.equal(0n);
        expect(await registry.stakerUnitsAt(alice.address, operator.address, epoch)).to.equal(1_000n * ALT);
      }
      // one checkpoint at e + 1, its value unchanged
      expect(await windowOf(registry, operator.address, ethers.ZeroAddress, e, e + 5n, 8n)).to.deep.equal([
        1_000n * ALT,
        [e + 1n],
        [1_000n * ALT],
      ]);
      expect(await windowOf(registry, operator.address, bob.address, e, e + 5n, 8n)).to.deep.equal([
        0n,
        [e + 1n],
        [0n],
      ]);
    });

    it("gives unitsWindow: the units in force at `from` and the changes keyed in (from, until), at most `max`", async function () {
      const { registry, operatorSets, operator, alice, bob, other } = await loadFixture(registryFixture);
      const e = await nextEpoch(operatorSets);
      await registry.connect(alice).stake(operator.address, 0, 100n * ALT); // keyed e + 1
      await nextEpoch(operatorSets);
      await registry.connect(alice).stake(operator.address, 0, 50n * ALT); // keyed e + 2
      await registry.connect(bob).stake(operator.address, 0, 10n * ALT); // keyed e + 2
      await nextEpoch(operatorSets);
      await nextEpoch(operatorSets);
      const aliceShares = await registry.sharesOf(alice.address, operator.address, 0);
      await registry.connect(alice).requestUnstake(operator.address, 0, aliceShares / 2n); // keyed e + 4
      const op = operator.address;
      const all = ethers.ZeroAddress; // the operator's total

      expect(await windowOf(registry, op, all, 0n, e + 10n, 10n)).to.deep.equal([
        0n,
        [e + 1n, e + 2n, e + 4n],
        [100n * ALT, 160n * ALT, 85n * ALT],
      ]);
      // a change keyed at `from` is the start value; one keyed at `until` is out
      expect(await windowOf(registry, op, all, e + 1n, e + 4n, 10n)).to.deep.equal([
        100n * ALT,
        [e + 2n],
        [160n * ALT],
      ]);
      expect(await windowOf(registry, op, all, e + 2n, e + 5n, 10n)).to.deep.equal([160n * ALT, [e + 4n], [85n * ALT]]);
      expect(await windowOf(registry, op, all, e + 3n, e + 4n, 10n)).to.deep.equal([160n * ALT, [], []]);
      expect(await windowOf(registry, op, all, e + 4n, e + 100n, 10n)).to.deep.equal([85n * ALT, [], []]);
      // at most `max` changes, the first ones
      expect(await windowOf(registry, op, all, 0n, e + 10n, 2n)).to.deep.equal([
        0n,
        [e + 1n, e + 2n],
        [100n * ALT, 160n * ALT],
      ]);
      expect(await windowOf(registry, op, all, e, e + 10n, 1n)).to.deep.equal([0n, [e + 1n], [100n * ALT]]);
      expect(await windowOf(registry, op, all, e + 1n, e + 10n, 0n)).to.deep.equal([100n * ALT, [], []]);
      // the start value is what operatorUnitsAt reads
      for (let epoch = 0n; epoch <= e + 5n; epoch++) {
        const [start] = await registry.unitsWindow(op, all, epoch, epoch + 1n, 1n);
        expect(start).to.equal(await registry.operatorUnitsAt(op, epoch));
      }
      // each staker's own trace
      expect(await windowOf(registry, op, alice.address, 0n, e + 10n, 10n)).to.deep.equal([
        0n,
        [e + 1n, e + 2n, e + 4n],
        [100n * ALT, 150n * ALT, 75n * ALT],
      ]);
      expect(await windowOf(registry, op, alice.address, e + 3n, e + 10n, 10n)).to.deep.equal([
        150n * ALT,
        [e + 4n],
        [75n * ALT],
      ]);
      expect(await windowOf(registry, op, bob.address, 0n, e + 10n, 10n)).to.deep.equal([0n, [e + 2n], [10n * ALT]]);
      expect(await windowOf(registry, op, other.address, 0n, e + 10n, 10n)).to.deep.equal([0n, [], []]);
      expect(await windowOf(registry, other.address, all, 0n, e + 10n, 10n)).to.deep.equal([0n, [], []]);
    });

    it("reads currentEpoch as 0 before the operator sets are wired, and as OperatorSets.currentEpoch() after", async function () {
      const { registry, operatorSets, deployer, tokenAddress, operator, alice, token } =
        await loadFixture(registryFixture);
      // the deployed registry follows the operator sets' clock, to the second
      for (let k = 1n; k <= 3n; k++) {
        await time.increaseTo((await operatorSets.epochStart(k)) - 1n);
        expect(await registry.currentEpoch()).to.equal(k - 1n);
        expect(await registry.currentEpoch()).to.equal(await operatorSets.currentEpoch());
        await time.increaseTo(await operatorSets.epochStart(k));
        expect(await registry.currentEpoch()).to.equal(k);
        expect(await registry.currentEpoch()).to.equal(await operatorSets.currentEpoch());
      }

      // a fresh registry, not wired: epoch 0 whatever the time, units keyed at epoch 1
      const implementation = await ethers.deployContract("RestakingRegistry");
      const proxy = await ethers.deployContract("ERC1967Proxy", [
        await implementation.getAddress(),
        implementation.interface.encodeFunctionData("initialize", [deployer.address, tokenAddress, days(10), days(3)]),
      ]);
      const fresh = await ethers.getContractAt("RestakingRegistry", await proxy.getAddress());
      expect(await fresh.currentEpoch()).to.equal(0n);
      await time.increase(days(100));
      expect(await operatorSets.currentEpoch()).to.not.equal(0n);
      expect(await fresh.currentEpoch()).to.equal(0n);
      await fresh.connect(operator).registerOperator("ipfs://fresh", 0);
      await token.connect(alice).approve(await fresh.getAddress(), ethers.MaxUint256);
      await expect(fresh.connect(alice).stake(operator.address, 0, ALT))
        .to.emit(fresh, "UnitsChanged")
        .withArgs(operator.address, alice.address, 1n, ALT, ALT);

      // wired: the operator sets' clock
      await fresh.setModules(ethers.ZeroAddress, await operatorSets.getAddress());
      const now = await operatorSets.currentEpoch();
      expect(await fresh.currentEpoch()).to.equal(now);
      await time.increaseTo(await operatorSets.epochStart(now + 1n));
      expect(await fresh.currentEpoch()).to.equal(now + 1n);
      await expect(fresh.connect(alice).stake(operator.address, 0, ALT))
        .to.emit(fresh, "UnitsChanged")
        .withArgs(operator.address, alice.address, now + 2n, 2n * ALT, 2n * ALT);
    });

    it("refuses operator sets with another epoch clock: reward units never go back", async function () {
      const { registry, operatorSets, slashingManager, deployer, operator, alice } = await loadFixture(registryFixture);
      for (let i = 0; i < 5; i++) await nextEpoch(operatorSets);
      await registry.connect(alice).stake(operator.address, 0, 100n * ALT);
      const genesis = await operatorSets.epochStart(0);
      const length = await operatorSets.epochLength();
      // a fresh operator sets proxy starts its clock now: its epoch 0 is the registry's epoch 5
      const implementation = await ethers.deployContract("OperatorSets");
      const proxy = await ethers.deployContract("ERC1967Proxy", [
        await implementation.getAddress(),
        implementation.interface.encodeFunctionData("initialize", [
          deployer.address,
          await registry.getAddress(),
          length,
          1_000,
        ]),
      ]);
      await expect(registry.connect(deployer).setModules(slashingManager, await proxy.getAddress()))
        .to.be.revertedWithCustomError(registry, "RegistryEpochClockChanged")
        .withArgs(genesis, length);
      // unwiring keeps the clock, and the same operator sets wire again; stake changes go on
      await registry.connect(deployer).setModules(slashingManager, ethers.ZeroAddress);
      expect(await registry.currentEpoch()).to.equal(await operatorSets.currentEpoch());
      await registry.connect(deployer).setModules(slashingManager, operatorSets);
      const shares = await registry.sharesOf(alice.address, operator.address, 0);
      await expect(registry.connect(alice).requestUnstake(operator.address, 0, shares)).to.emit(
        registry,
        "UnitsChanged",
      );
    });

    it("raises unitRate by exactly totalValue / (totalValue - value) when a slash executes, compounding", async function () {
      const { registry, operatorSets, slashingManager, operator, operator2, alice, setId, requestSlash } =
        await loadFixture(slashFixture);
      const next = (await registry.currentEpoch()) + 1n;
      const aliceAlt = await registry.unitsOf(alice.address, operator.address, 0);
      const aliceLst = await registry.unitsOf(alice.address, operator.address, 1);
      const operatorUnits = await registry.operatorUnitsAt(operator.address, next);
      let rate = RATE_UNIT;
      for (const bps of [1000n, 700n]) {
        const { requestId, requestedAt, executableAt } = await requestSlash(operator.address, Number(bps));
        const { value, totalValue } = await expectedSlash(
          registry,
          operatorSets,
          operator.address,
          setId,
          bps,
          requestedAt,
        );
        expect(value).to.not.equal(0n);
        const expected = (rate * totalValue) / (totalValue - value);
        expect((rate * totalValue) % (totalValue - value)).to.not.equal(0n); // the rounding is exercised
        await time.increaseTo(executableAt);
        await slashingManager.execute(requestId);
        expect(await registry.unitRate(operator.address)).to.equal(expected);
        rate = expected;
      }
      expect(rate > RATE_UNIT).to.equal(true);
      // units already minted stay; other operators keep their rate
      expect(await registry.unitsOf(alice.address, operator.address, 0)).to.equal(aliceAlt);
      expect(await registry.unitsOf(alice.address, operator.address, 1)).to.equal(aliceLst);
      expect(await registry.operatorUnitsAt(operator.address, 2n ** 48n)).to.equal(operatorUnits);
      expect(await registry.unitRate(operator2.address)).to.equal(RATE_UNIT);
    });

    it("leaves unitRate alone when a slash takes nothing", async function () {
      const { registry, slashingManager, deployer, operator, requestSlash } = await loadFixture(slashFixture);
      const { requestId, executableAt } = await requestSlash(operator.address, 1000);
      // unwired operator sets: the execution takes nothing
      await registry.connect(deployer).setModules(slashingManager, ethers.ZeroAddress);
      await time.increaseTo(executableAt);
      await expect(slashingManager.execute(requestId)).to.not.emit(registry, "PoolSlashed");
      expect(await registry.unitRate(operator.address)).to.equal(RATE_UNIT);
    });

    it("keeps units proportional to stake across a slash: new stake weighs per ALT what the slashed stake left does", async function () {
      const { registry, operatorSets, slashingManager, operator, alice, bob, setId, requestSlash, lstId } =
        await loadFixture(slashFixture);
      const { requestId, requestedAt, executableAt } = await requestSlash(operator.address, 1000);
      const { value, totalValue } = await expectedSlash(
        registry,
        operatorSets,
        operator.address,
        setId,
        1000n,
        requestedAt,
      );
      await time.increaseTo(executableAt);
      await slashingManager.execute(requestId);
      const rate = await registry.unitRate(operator.address);
      expect(rate).to.equal((RATE_UNIT * totalValue) / (totalValue - value));

      // alice's older stake: 1,000e18 units per asset, worth less after the slash
      const aliceAltUnits = await registry.unitsOf(alice.address, operator.address, 0);
      const aliceLstUnits = await registry.unitsOf(alice.address, operator.address, lstId);
      expect([aliceAltUnits, aliceLstUnits]).to.deep.equal([1_000n * ALT, 1_000n * ALT]);
      const altPool = await registry.pool(operator.address, 0);
      const lstPool = await registry.pool(operator.address, lstId);
      const aliceAltShares = await registry.sharesOf(alice.address, operator.address, 0);
      const aliceLstShares = await registry.sharesOf(alice.address, operator.address, lstId);
      const altLeft = amountFor(aliceAltShares, altPool.totalShares, altPool.totalAssets);
      const lstLeft = (amountFor(aliceLstShares, lstPool.totalShares, lstPool.totalAssets) * LST_WEIGHT) / WEIGHT_UNIT;
      expect(await registry.sharesToAmount(operator.address, 0, aliceAltShares)).to.equal(altLeft);
      expect(altLeft < 1_000n * ALT && lstLeft < 1_000n * ALT).to.equal(true);

      // bob's new stake, ALT and LST, minted at the raised rate
      const altAmount = 777n * ALT + 1n;
      const bobBefore = await registry.unitsOf(bob.address, operator.address, 0);
      await registry.connect(bob).stake(operator.address, 0, altAmount);
      const bobAltUnits = unitsFor(altAmount, rate);
      expect(await registry.unitsOf(bob.address, operator.address, 0)).to.equal(bobBefore + bobAltUnits);
      const lstAmount = 55n * ALT + 3n;
      await registry.connect(bob).stake(operator.address, lstId, lstAmount);
      const bobLstUnits = unitsFor((lstAmount * LST_WEIGHT) / WEIGHT_UNIT, rate);
      expect(await registry.unitsOf(bob.address, operator.address, lstId)).to.equal(bobLstUnits);

      // per ALT-equivalent, the new units weigh what the old ones do on the value they have left, within a wei of
      // rounding (the rate's floor, the share price's floor)
      const newPerAlt = perAlt(bobAltUnits, altAmount);
      const newLstPerAlt = perAlt(bobLstUnits, (lstAmount * LST_WEIGHT) / WEIGHT_UNIT);
      const oldAltPerAlt = perAlt(aliceAltUnits, altLeft);
      const oldLstPerAlt = perAlt(aliceLstUnits, lstLeft);
      for (const [a, b] of [
        [newPerAlt, oldAltPerAlt],
        [newLstPerAlt, oldLstPerAlt],
        [newPerAlt, newLstPerAlt],
      ]) {
        const gap = a > b ? a - b : b - a;
        expect(gap <= 1n, `${a} vs ${b}`).to.equal(true);
      }
      // without the raised rate, new stake would weigh 1e18 per ALT: far from the old stake's weight
      expect(oldAltPerAlt - RATE_UNIT > 10n ** 15n).to.equal(true);
    });
  });

  // ================================================================= revalueUnits

  describe("revalueUnits", function () {
    const RATE_UNIT = 10n ** 18n;
    /** 0.1 % of 1e18 units: the tolerance of a position carrying 1e18 units. */
    const TENTH_PERCENT = 10n ** 15n;

    /**
     * The units `staker`'s position is worth now, computed from the pool, the asset's weight and the operator's unit
     * rate as read: amount = shares * (totalAssets + 1) / (totalShares + 1e6), value = amount * weight / 1e18 (the
     * amount itself for ALT), units = value * unitRate / 1e18, each floored.
     */
    async function fairUnits(registry: RestakingRegistry, staker: string, operator: string, assetId: bigint) {
      const { totalShares, totalAssets } = await registry.pool(operator, assetId);
      const amount = amountFor(await registry.sharesOf(staker, operator, assetId), totalShares, totalAssets);
      const value = assetId === 0n ? amount : (amount * (await registry.asset(assetId)).weight) / WEIGHT_UNIT;
      return (value * (await registry.unitRate(operator))) / RATE_UNIT;
    }

    /** The names of the registry's events in a receipt, in log order. */
    function eventNames(registry: RestakingRegistry, receipt: ContractTransactionReceipt | null) {
      const target = (registry.target as string).toLowerCase();
      return receipt!.logs
        .filter((log) => log.address.toLowerCase() === target)
        .map((log) => registry.interface.parseLog(log)!.name);
    }

    it("a weight cut reaches older positions through revalueUnits", async function () {
      const { registry, operatorSets, operator, alice, bob, other, lstId } = await loadFixture(assetFixture);
      const op = operator.address;
      // alice holds ALT and LST, bob LST, all staked at weight 2 in an earlier epoch
      const aliceAlt = 100n * ALT + 3n;
      const aliceLst = 30n * ALT + 7n;
      const bobLst = 11n * ALT + 1n;
      await registry.connect(alice).stake(op, 0, aliceAlt);
      await registry.connect(alice).stake(op, lstId, aliceLst);
      await registry.connect(bob).stake(op, lstId, bobLst);
      const previous = 2n * aliceLst;
      const bobUnits = 2n * bobLst;
      expect(await registry.unitsOf(alice.address, op, lstId)).to.equal(previous);
      const e = await nextEpoch(operatorSets);
      const aliceShares = await registry.sharesOf(alice.address, op, lstId);

      // governance cuts LST's weight to 1: the stake is valued at it at once, the units minted at 2 stay until someone
      // revalues them
      await registry.updateAsset(lstId, WEIGHT_UNIT, LST_CAP);
      const stake = aliceAlt + aliceLst + bobLst;
      expect(await registry.operatorStake(op)).to.equal(stake);
      expect(await registry.unitsOf(alice.address, op, lstId)).to.equal(previous);
      const fair = await fairUnits(registry, alice.address, op, lstId);
      // no slash, no rounding in the pool: alice's shares pay exactly what she staked, worth that much ALT at weight 1
      expect(fair).to.equal(aliceLst);

      // anyone revalues: here an account that holds no stake at all
      expect(await registry.connect(other).revalueUnits.staticCall(alice.address, op, lstId)).to.equal(fair);
      const tx = registry.connect(other).revalueUnits(alice.address, op, lstId);
      await expect(tx).to.emit(registry, "UnitsRevalued").withArgs(alice.address, op, lstId, previous, fair);
      await expect(tx)
        .to.emit(registry, "UnitsChanged")
        .withArgs(op, alice.address, e + 1n, aliceAlt + fair, aliceAlt + fair + bobUnits);
      expect(eventNames(registry, await (await tx).wait())).to.deep.equal(["UnitsRevalued", "UnitsChanged"]);

      // the position carries the new units; alice's ALT and bob's LST keep theirs; no share, no stake moved
      expect(await registry.unitsOf(alice.address, op, lstId)).to.equal(fair);
      expect(await registry.unitsOf(alice.address, op, 0)).to.equal(aliceAlt);
      expect(await registry.unitsOf(bob.address, op, lstId)).to.equal(bobUnits);
      expect(await registry.sharesOf(alice.address, op, lstId)).to.equal(aliceShares);
      expect(await registry.operatorStake(op)).to.equal(stake);

      // the current epoch keeps the old units; they change from the next one on (keyed currentEpoch + 1), and the
      // operator's units stay the sum of its stakers'
      expect(await registry.stakerUnitsAt(alice.address, op, e)).to.equal(aliceAlt + previous);
      expect(await registry.operatorUnitsAt(op, e)).to.equal(aliceAlt + previous + bobUnits);
      for (const epoch of [e + 1n, e + 10n]) {
        const aliceAt = await registry.stakerUnitsAt(alice.address, op, epoch);
        const bobAt = await registry.stakerUnitsAt(bob.address, op, epoch);
        expect([aliceAt, bobAt]).to.deep.equal([aliceAlt + fair, bobUnits]);
        expect(await registry.operatorUnitsAt(op, epoch)).to.equal(aliceAt + bobAt);
      }
    });

    it("raises an older position's units the same way after a weight raise", async function () {
      const { registry, operatorSets, operator, alice, bob, lstId } = await loadFixture(assetFixture);
      const op = operator.address;
      const amount = 40n * ALT + 9n;
      await registry.connect(alice).stake(op, lstId, amount);
      const previous = 2n * amount;
      const e = await nextEpoch(operatorSets);

      const weight = 2_500_000_000_000_000_001n; // 2.5, and a wei
      await registry.updateAsset(lstId, weight, LST_CAP);
      const fair = (amount * weight) / WEIGHT_UNIT;
      expect((amount * weight) % WEIGHT_UNIT).to.not.equal(0n); // the rounding is exercised
      expect(await fairUnits(registry, alice.address, op, lstId)).to.equal(fair);
      expect(fair > previous).to.equal(true);

      const tx = registry.connect(bob).revalueUnits(alice.address, op, lstId);
      await expect(tx).to.emit(registry, "UnitsRevalued").withArgs(alice.address, op, lstId, previous, fair);
      await expect(tx)
        .to.emit(registry, "UnitsChanged")
        .withArgs(op, alice.address, e + 1n, fair, fair);
      expect(await registry.unitsOf(alice.address, op, lstId)).to.equal(fair);
      expect(await registry.stakerUnitsAt(alice.address, op, e)).to.equal(previous);
      expect(await registry.operatorUnitsAt(op, e)).to.equal(previous);
      expect(await registry.stakerUnitsAt(alice.address, op, e + 1n)).to.equal(fair);
      expect(await registry.operatorUnitsAt(op, e + 1n)).to.equal(fair);
    });

    it("refuses a position a slash left in line (the unit rate rose as its value fell): RegistryUnitsInLine(units, fair)", async function () {
      const { registry, slashingManager, operator, alice, other, lstId, requestSlash } =
        await loadFixture(slashFixture);
      const op = operator.address;
      const { requestId, executableAt } = await requestSlash(op, 1000);
      await time.increaseTo(executableAt);
      await slashingManager.execute(requestId);
      expect((await registry.unitRate(op)) > RATE_UNIT).to.equal(true);
      expect((await registry.asset(lstId)).weight).to.equal(LST_WEIGHT);
      for (const assetId of [0n, lstId]) {
        const units = await registry.unitsOf(alice.address, op, assetId);
        expect(units).to.equal(1_000n * ALT);
        const fair = await fairUnits(registry, alice.address, op, assetId);
        // rounding (the amount's floor, the rate's floor) moves fair by a few wei, far within 0.1 %
        expect(fair).to.not.equal(units);
        const gap = fair > units ? fair - units : units - fair;
        expect(gap * BPS <= units * 10n).to.equal(true);
        await expect(registry.connect(other).revalueUnits(alice.address, op, assetId))
          .to.be.revertedWithCustomError(registry, "RegistryUnitsInLine")
          .withArgs(units, fair);
      }
    });

    it("refuses to revalue a position within 0.1 % of its fair units", async function () {
      const { registry, operator, operator2, alice, bob, carol, other, lstId } = await loadFixture(assetFixture);
      const op = operator.address;
      const revalue = (staker: HardhatEthersSigner, assetId: bigint) =>
        registry.connect(other).revalueUnits(staker.address, op, assetId);

      // ALT, weight 1:1 for good: its units are what its shares pay
      const altAmount = 123n * ALT + 45n;
      await registry.connect(alice).stake(op, 0, altAmount);
      await registry.connect(bob).stake(op, 0, 7n * ALT + 1n);
      expect(await fairUnits(registry, alice.address, op, 0n)).to.equal(altAmount);
      await expect(revalue(alice, 0n))
        .to.be.revertedWithCustomError(registry, "RegistryUnitsInLine")
        .withArgs(altAmount, altAmount);

      // no shares: no units, and nothing they are worth (carol never staked; nobody staked with operator2)
      await expect(revalue(carol, 0n)).to.be.revertedWithCustomError(registry, "RegistryUnitsInLine").withArgs(0n, 0n);
      await expect(revalue(carol, lstId))
        .to.be.revertedWithCustomError(registry, "RegistryUnitsInLine")
        .withArgs(0n, 0n);
      await expect(registry.connect(other).revalueUnits(alice.address, operator2.address, 0))
        .to.be.revertedWithCustomError(registry, "RegistryUnitsInLine")
        .withArgs(0n, 0n);

      // the edge: half an LST each at weight 2 carries 1e18 units; 0.1 % of them is 1e15
      await registry.connect(alice).stake(op, lstId, ALT / 2n);
      await registry.connect(bob).stake(op, lstId, ALT / 2n);
      for (const staker of [alice, bob]) expect(await registry.unitsOf(staker.address, op, lstId)).to.equal(ALT);

      // a cut to 1.998 puts fair exactly 0.1 % below the units: refused
      await registry.updateAsset(lstId, LST_WEIGHT - 2n * TENTH_PERCENT, LST_CAP);
      expect(await fairUnits(registry, alice.address, op, lstId)).to.equal(ALT - TENTH_PERCENT);
      await expect(revalue(alice, lstId))
        .to.be.revertedWithCustomError(registry, "RegistryUnitsInLine")
        .withArgs(ALT, ALT - TENTH_PERCENT);
      // two wei of weight less put it one wei beyond: accepted
      await registry.updateAsset(lstId, LST_WEIGHT - 2n * TENTH_PERCENT - 2n, LST_CAP);
      expect(await fairUnits(registry, alice.address, op, lstId)).to.equal(ALT - TENTH_PERCENT - 1n);
      await expect(revalue(alice, lstId))
        .to.emit(registry, "UnitsRevalued")
        .withArgs(alice.address, op, lstId, ALT, ALT - TENTH_PERCENT - 1n);

      // the same edge upwards, on bob's position: exactly 0.1 % above refused, one wei more accepted
      await registry.updateAsset(lstId, LST_WEIGHT + 2n * TENTH_PERCENT, LST_CAP);
      await expect(revalue(bob, lstId))
        .to.be.revertedWithCustomError(registry, "RegistryUnitsInLine")
        .withArgs(ALT, ALT + TENTH_PERCENT);
      await registry.updateAsset(lstId, LST_WEIGHT + 2n * TENTH_PERCENT + 2n, LST_CAP);
      await expect(revalue(bob, lstId))
        .to.emit(registry, "UnitsRevalued")
        .withArgs(bob.address, op, lstId, ALT, ALT + TENTH_PERCENT + 1n);
      expect(await registry.unitsOf(bob.address, op, lstId)).to.equal(ALT + TENTH_PERCENT + 1n);
      expect(await registry.unitsOf(alice.address, op, lstId)).to.equal(ALT - TENTH_PERCENT - 1n);
    });

    it("refuses an unknown asset with RegistryUnknownAsset(assetId)", async function () {
      const { registry, operator, alice, other } = await loadFixture(assetFixture);
      await registry.connect(alice).stake(operator.address, 0, ALT);
      for (const assetId of [2n, 7n, 8n, ethers.MaxUint256]) {
        await expect(registry.connect(other).revalueUnits(alice.address, operator.address, assetId))
          .to.be.revertedWithCustomError(registry, "RegistryUnknownAsset")
          .withArgs(assetId);
      }
    });

    it("refuses a second revalue right after the first: the units are in line", async function () {
      const { registry, operatorSets, operator, alice, other, lstId } = await loadFixture(assetFixture);
      const op = operator.address;
      const amount = 20n * ALT + 1n;
      await registry.connect(alice).stake(op, lstId, amount);
      await registry.updateAsset(lstId, WEIGHT_UNIT, LST_CAP);
      await registry.connect(other).revalueUnits(alice.address, op, lstId);
      expect(await registry.unitsOf(alice.address, op, lstId)).to.equal(amount);
      const e = await registry.currentEpoch();
      await expect(registry.connect(alice).revalueUnits(alice.address, op, lstId))
        .to.be.revertedWithCustomError(registry, "RegistryUnitsInLine")
        .withArgs(amount, amount);
      // and in a later epoch, the weight unchanged
      await nextEpoch(operatorSets);
      await expect(registry.connect(other).revalueUnits(alice.address, op, lstId))
        .to.be.revertedWithCustomError(registry, "RegistryUnitsInLine")
        .withArgs(amount, amount);
      // one checkpoint, keyed e + 1: the revalue rewrote the stake's in place, the refusals wrote none
      const [start, keys, values] = await registry.unitsWindow(op, alice.address, e, e + 10n, 8n);
      expect([start, [...keys], [...values]]).to.deep.equal([0n, [e + 1n], [amount]]);
    });

    it("values only the active shares of a position with a pending withdrawal", async function () {
      const { registry, operator, alice, other, lstId } = await loadFixture(assetFixture);
      const op = operator.address;
      const amount = 90n * ALT + 1n;
      await registry.connect(alice).stake(op, lstId, amount);
      const shares = await registry.sharesOf(alice.address, op, lstId);
      const requested = shares / 3n;
      await requestUnstake(registry, alice, op, lstId, requested);
      const active = shares - requested;
      // the request burned its shares' units pro rata
      const units = 2n * amount - (2n * amount * requested) / shares;
      expect(await registry.unitsOf(alice.address, op, lstId)).to.equal(units);
      const pool = await registry.pool(op, lstId);
      expect([pool.totalShares, pool.queuedShares]).to.deep.equal([shares, requested]);

      await registry.updateAsset(lstId, WEIGHT_UNIT, LST_CAP);
      // weight 1: the active shares' amount, priced by the whole pool (queued shares included); not all the shares'
      const fair = amountFor(active, pool.totalShares, pool.totalAssets);
      expect(fair < amountFor(shares, pool.totalShares, pool.totalAssets)).to.equal(true);
      expect(await fairUnits(registry, alice.address, op, lstId)).to.equal(fair);
      const e = await registry.currentEpoch();
      const tx = registry.connect(other).revalueUnits(alice.address, op, lstId);
      await expect(tx).to.emit(registry, "UnitsRevalued").withArgs(alice.address, op, lstId, units, fair);
      await expect(tx)
        .to.emit(registry, "UnitsChanged")
        .withArgs(op, alice.address, e + 1n, fair, fair);
      expect(await registry.unitsOf(alice.address, op, lstId)).to.equal(fair);
      // the withdrawal stays queued, its shares apart from the position
      expect(await registry.sharesOf(alice.address, op, lstId)).to.equal(active);
      expect(await registry.pool(op, lstId)).to.deep.equal(pool);
    });
  });

  // ================================================================= upgrades

  describe("upgrades", function () {
    /** The Ignition-deployed proxy registered with the upgrades plugin, with an operator and pools to preserve. */
    async function upgradeFixture() {
      const base = await loadFixture(assetFixture);
      const { registry, registryAddress, operator, alice } = base;
      // Ignition deployed the proxy: the plugin learns of it through forceImport
      await upgrades.forceImport(registryAddress, await ethers.getContractFactory("RestakingRegistry"), {
        kind: "uups",
      });
      await registry.connect(alice).stake(operator.address, 0, 700n * ALT);
      await registry.connect(alice).stake(operator.address, 1, 70n * ALT);
      return base;
    }

    it("validates the implementation as UUPS upgrade-safe", async function () {
      await upgrades.validateImplementation(await ethers.getContractFactory("RestakingRegistry"), { kind: "uups" });
    });

    it("validates an upgrade to RestakingRegistryV2 (annotated: it inherits the initializer the proxy already ran)", async function () {
      const { registryAddress } = await loadFixture(upgradeFixture);
      await upgrades.validateUpgrade(registryAddress, await ethers.getContractFactory("RestakingRegistryV2"), {
        kind: "uups",
      });
    });

    it("upgrades to V2 by the owner and keeps every operator, asset and pool", async function () {
      const { registry, registryAddress, operator, alice, lstAddress } = await loadFixture(upgradeFixture);
      const altPool = await registry.pool(operator.address, 0);
      const lstPool = await registry.pool(operator.address, 1);
      const aliceShares = await registry.sharesOf(alice.address, operator.address, 0);
      const stake = await registry.operatorStake(operator.address);
      const v2 = await ethers.deployContract("RestakingRegistryV2");
      const v2Address = await v2.getAddress();
      await expect(registry.upgradeToAndCall(v2Address, "0x")).to.emit(registry, "Upgraded").withArgs(v2Address);
      expect(await upgrades.erc1967.getImplementationAddress(registryAddress)).to.equal(v2Address);

      const upgraded = await ethers.getContractAt("RestakingRegistryV2", registryAddress);
      expect(await upgraded.version()).to.equal(2n);
      expect(await upgraded.isOperator(operator.address)).to.equal(true);
      expect(await upgraded.commissionOf(operator.address)).to.equal(500n);
      expect(await upgraded.assetCount()).to.equal(2n);
      expect((await upgraded.asset(1)).token).to.equal(lstAddress);
      expect(await upgraded.pool(operator.address, 0)).to.deep.equal(altPool);
      expect(await upgraded.pool(operator.address, 1)).to.deep.equal(lstPool);
      expect(await upgraded.sharesOf(alice.address, operator.address, 0)).to.equal(aliceShares);
      expect(await upgraded.operatorStake(operator.address)).to.equal(stake);
      expect(await upgraded.withdrawalDelay()).to.equal(BigInt(days(14)));
      // and it keeps working
      await upgraded.connect(alice).stake(operator.address, 0, ALT);
      expect((await upgraded.pool(operator.address, 0)).totalAssets).to.equal(altPool.totalAssets + ALT);
    });

    it("refuses an upgrade by anyone but the owner", async function () {
      const { registry, other } = await loadFixture(upgradeFixture);
      const v2 = await ethers.deployContract("RestakingRegistryV2");
      await expect(registry.connect(other).upgradeToAndCall(await v2.getAddress(), "0x"))
        .to.be.revertedWithCustomError(registry, "OwnableUnauthorizedAccount")
        .withArgs(other.address);
    });

    it("rejects RestakingRegistryBadV2", async function () {
      const { registryAddress } = await loadFixture(upgradeFixture);
      const BadV2 = await ethers.getContractFactory("RestakingRegistryBadV2");
      await expect(upgrades.validateUpgrade(registryAddress, BadV2, { kind: "uups" })).to.be.rejectedWith(
        /RestakingRegistryBadV2` is not upgrade safe[\s\S]*has a constructor/,
      );
    });

    // Documents what BadV2 actually exercises: its extra plain variable does NOT clash with the registry's layout
    // (all registry state is in ERC-7201 namespaces), so the rejection above comes from its constructor alone.
    it("finds no storage-layout conflict in RestakingRegistryBadV2 once its constructor is allowed", async function () {
      const { registryAddress } = await loadFixture(upgradeFixture);
      const BadV2 = await ethers.getContractFactory("RestakingRegistryBadV2");
      await upgrades.validateUpgrade(registryAddress, BadV2, {
        kind: "uups",
        unsafeAllow: ["constructor", "missing-initializer"],
      });
    });
  });

  // ================================================================= views

  describe("views", function () {
    it("reads assets, pools and share values", async function () {
      const { registry, tokenAddress, lstAddress, operator, alice } = await loadFixture(assetFixture);
      expect(await registry.alt()).to.equal(tokenAddress);
      expect(await registry.assetCount()).to.equal(2n);
      const lstAsset = await registry.asset(1);
      expect([lstAsset.token, lstAsset.weight, lstAsset.cap, lstAsset.totalStaked]).to.deep.equal([
        lstAddress,
        LST_WEIGHT,
        LST_CAP,
        0n,
      ]);
      await expect(registry.asset(2)).to.be.revertedWithCustomError(registry, "RegistryUnknownAsset").withArgs(2n);
      // an empty pool: zeros, and shares priced by the virtual offset alone
      const empty = await registry.pool(operator.address, 0);
      expect([empty.totalShares, empty.totalAssets, empty.queuedShares]).to.deep.equal([0n, 0n, 0n]);
      expect(await registry.sharesToAmount(operator.address, 0, 3n * VIRTUAL_SHARES)).to.equal(3n);
      expect(await registry.sharesToAmount(operator.address, 0, VIRTUAL_SHARES - 1n)).to.equal(0n);
      await registry.connect(alice).stake(operator.address, 0, 123n * ALT);
      const shares = sharesFor(123n * ALT, 0n, 0n);
      expect(await registry.sharesToAmount(operator.address, 0, shares)).to.equal(123n * ALT);
      expect(await registry.sharesToAmount(operator.address, 0, shares / 3n)).to.equal(
        amountFor(shares / 3n, shares, 123n * ALT),
      );
      expect(await registry.sharesToAmount(operator.address, 0, 0n)).to.equal(0n);
    });

    it("answers zero for accounts that are not operators", async function () {
      const { registry, other } = await loadFixture(registryFixture);
      expect(await registry.isOperator(other.address)).to.equal(false);
      expect(await registry.commissionOf(other.address)).to.equal(0n);
      expect(await registry.operatorStake(other.address)).to.equal(0n);
      expect(await registry.isJailed(other.address)).to.equal(false);
      expect(await registry.pendingSlashes(other.address)).to.equal(0n);
      expect(await registry.sharesOf(other.address, other.address, 0)).to.equal(0n);
      expect(await registry.unitsOf(other.address, other.address, 0)).to.equal(0n);
      expect(await registry.operatorUnitsAt(other.address, 1n)).to.equal(0n);
      expect(await registry.stakerUnitsAt(other.address, other.address, 1n)).to.equal(0n);
      // no slash: the rate units start at
      expect(await registry.unitRate(other.address)).to.equal(WEIGHT_UNIT);
      expect(await registry.isPendingWithdrawal(ethers.ZeroHash)).to.equal(false);
    });

    it("computes withdrawal roots as keccak256(abi.encode(withdrawal))", async function () {
      const { registry, operator, alice } = await loadFixture(registryFixture);
      const w: Withdrawal = {
        staker: alice.address,
        operator: operator.address,
        assetId: 7n,
        shares: MAX_UINT128,
        unlockAt: 2n ** 48n - 1n,
        nonce: 2n ** 64n - 1n,
      };
      expect(await registry.withdrawalRoot(w)).to.equal(rootOf(w));
    });
  });
});
