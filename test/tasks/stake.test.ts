import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { id, Wallet, ZeroHash } from "ethers";
import { recordInProcess, type AddressBook } from "../../tasks/lib/addressBook";
import { RESTAKING_KEYS } from "../../tasks/lib/restaking";
import { relativeTime } from "../../tasks/lib/cli";
import type { CompleteResult, DepositResult, Positions, UnstakeRequestResult } from "../../tasks/stake";
import type {
  AltToken,
  MockERC20,
  MockService,
  OperatorSets,
  RestakingRegistry,
  SlashingManager,
  VestingPosition,
} from "../../typechain-types";
import { ALT } from "../helpers/constants";
import { days } from "../helpers/time";
import {
  TASK_FUNDED_ALT,
  asJson,
  expectRefused,
  isoTime,
  load,
  restakingTaskFixture,
  runTask,
  task,
  transaction,
} from "../helpers/tasks";

/** ALT the fixture gives each of hardhat accounts 10..15 (from the Launchpool, released whole at TGE). */
const FUNDED = TASK_FUNDED_ALT;
const WITHDRAWAL_DELAY = days(14);
/** The registry's virtual shares: a share is worth (totalAssets + 1) / (totalShares + 1e6). */
const VIRTUAL_SHARES = 10n ** 6n;
const sharesFor = (amount: bigint, totalShares: bigint, totalAssets: bigint) =>
  (amount * (totalShares + VIRTUAL_SHARES)) / (totalAssets + 1n);
const valueOf = (shares: bigint, totalShares: bigint, totalAssets: bigint) =>
  (shares * (totalAssets + 1n)) / (totalShares + VIRTUAL_SHARES);

const blockTimestamp = async (block: number) => (await hre.ethers.provider.getBlock(block))!.timestamp;

describe("stake tasks", function () {
  /** Two operators (accounts 10, 11); a second asset "stETH" (1:1, cap 1,000,000) minted to alice and bob. */
  async function operatorsFixture() {
    const f = await loadFixture(restakingTaskFixture);
    const { registry, operator, other, deployer, alice, bob } = f;
    await (await registry.connect(operator).registerOperator("ipfs://op", 500)).wait();
    await (await registry.connect(other).registerOperator("ipfs://other", 1000)).wait();
    const factory = await hre.ethers.getContractFactory("MockERC20");
    const steth = (await factory.deploy("Staked ETH", "stETH")) as unknown as MockERC20;
    await steth.waitForDeployment();
    await (await registry.connect(deployer).addAsset(await steth.getAddress(), ALT, 1_000_000n * ALT)).wait();
    for (const account of [alice, bob]) await (await steth.mint(account.address, 10_000n * ALT)).wait();
    return { ...f, steth };
  }

  /** alice: 1,000 ALT and 100 stETH with the operator; bob: 3,000 ALT with the operator. */
  async function stakedFixture() {
    const f = await loadFixture(operatorsFixture);
    const { registry, token, steth, operator, alice, bob } = f;
    const registryAddress = await registry.getAddress();
    await (await token.connect(alice).approve(registryAddress, 1_000n * ALT)).wait();
    await (await registry.connect(alice).stake(operator.address, 0, 1_000n * ALT)).wait();
    await (await steth.connect(alice).approve(registryAddress, 100n * ALT)).wait();
    await (await registry.connect(alice).stake(operator.address, 1, 100n * ALT)).wait();
    await (await token.connect(bob).approve(registryAddress, 3_000n * ALT)).wait();
    await (await registry.connect(bob).stake(operator.address, 0, 3_000n * ALT)).wait();
    const aliceAlt = sharesFor(1_000n * ALT, 0n, 0n);
    const bobAlt = sharesFor(3_000n * ALT, aliceAlt, 1_000n * ALT);
    const aliceSteth = sharesFor(100n * ALT, 0n, 0n);
    return { ...f, aliceAlt, bobAlt, aliceSteth };
  }

  /** alice requested half her ALT shares (root `first`), then a day later all her stETH shares (root `second`). */
  async function requestedFixture() {
    const f = await loadFixture(stakedFixture);
    const { registry, operator, alice, aliceAlt, aliceSteth } = f;
    const first = await task<UnstakeRequestResult>("stake request-unstake", {
      operator: operator.address,
      asset: "ALT",
      shares: (aliceAlt / 2n).toString(),
      from: alice.address,
      json: true,
    });
    await time.increase(days(1));
    const second = await task<UnstakeRequestResult>("stake request-unstake", {
      operator: operator.address,
      asset: "stETH",
      all: true,
      from: alice.address,
      json: true,
    });
    expect(second.shares).to.equal(aliceSteth);
    expect(await registry.sharesOf(alice.address, operator.address, 1)).to.equal(0n);
    return { ...f, first, second };
  }

  /**
   * A MockService registered as slasher (10 %, 1-day evidence) and set creator by the owner, with a set the operator
   * joined with all its active stake; it can jail `operator` by a request through that set.
   */
  async function slasherFixture() {
    const f = await loadFixture(requestedFixture);
    const manager = (await hre.ethers.getContractAt(
      "SlashingManager",
      f.book[RESTAKING_KEYS.slashingManager],
    )) as unknown as SlashingManager;
    const sets = (await hre.ethers.getContractAt(
      "OperatorSets",
      f.book[RESTAKING_KEYS.operatorSets],
    )) as unknown as OperatorSets;
    const service = (await (
      await hre.ethers.getContractFactory("MockService")
    ).deploy(await sets.getAddress(), await manager.getAddress())) as unknown as MockService;
    await service.waitForDeployment();
    await (await manager.connect(f.deployer).setSlasher(await service.getAddress(), 1_000, days(1))).wait();
    await (await sets.connect(f.deployer).setService(await service.getAddress(), true)).wait();
    const setKey = id("stake tasks set");
    await (await service.createSet(setKey, 0, 8)).wait();
    const setId = await sets.setIdOf(await service.getAddress(), setKey);
    await (await sets.connect(f.operator).join(setId, await f.registry.operatorStake(f.operator.address))).wait();
    const requestSlash = async () =>
      (
        await service.requestSlash(
          f.operator.address,
          setId,
          500,
          id("double-sign"),
          id("evidence"),
          f.carol.address,
          await time.latest(),
        )
      ).wait();
    return { ...f, manager, sets, service, setId, requestSlash };
  }

  describe("stake deposit", function () {
    it("stakes ALT by a permit signature when the allowance is short, in one transaction", async function () {
      const { registry, token, operator, alice } = await load(operatorsFixture);
      const registryAddress = await registry.getAddress();
      const nonce = await token.nonces(alice.address);
      const before = await token.balanceOf(alice.address);
      const result = await task<DepositResult>("stake deposit", {
        operator: operator.address,
        asset: "alt",
        amount: "1000",
        from: alice.address,
        json: true,
      });
      const shares = sharesFor(1_000n * ALT, 0n, 0n);
      expect(result).to.deep.include({
        staker: alice.address,
        operator: operator.address,
        assetId: 0,
        symbol: "ALT",
        amount: 1_000n * ALT,
        shares,
        method: "permit",
        approveTx: null,
      });
      const tx = await transaction(result.tx.hash);
      expect(tx.from).to.equal(alice.address);
      expect(tx.to).to.equal(registryAddress);
      expect(tx.data.slice(0, 10)).to.equal(registry.interface.getFunction("stakeWithPermit").selector);
      await expect(tx)
        .to.emit(registry, "Staked")
        .withArgs(alice.address, operator.address, 0, 1_000n * ALT, shares);
      expect(before - (await token.balanceOf(alice.address))).to.equal(1_000n * ALT);
      expect(await token.balanceOf(registryAddress)).to.equal(1_000n * ALT);
      expect(await token.nonces(alice.address)).to.equal(nonce + 1n);
      expect(await token.allowance(alice.address, registryAddress)).to.equal(0n);
      expect(await registry.sharesOf(alice.address, operator.address, 0)).to.equal(shares);
    });

    it("stakes ALT with plain stake when the allowance suffices, priced on the pool", async function () {
      const { registry, token, operator, alice, bob } = await load(operatorsFixture);
      const registryAddress = await registry.getAddress();
      const first = await task<DepositResult>("stake deposit", {
        operator: operator.address,
        asset: "0",
        amount: "1000",
        from: alice.address,
        json: true,
      });
      await (await token.connect(bob).approve(registryAddress, 5_000n * ALT)).wait();
      const { result, lines } = await runTask<DepositResult>("stake deposit", {
        operator: operator.address,
        asset: "0",
        amount: "2500.5",
        from: bob.address,
        json: false,
      });
      const shares = sharesFor(2_500_500_000_000_000_000_000n, first.shares, 1_000n * ALT);
      expect(result.method).to.equal("stake");
      expect(result.shares).to.equal(shares);
      const tx = await transaction(result.tx.hash);
      expect(tx.data.slice(0, 10)).to.equal(registry.interface.getFunction("stake").selector);
      expect(await token.allowance(bob.address, registryAddress)).to.equal(
        5_000n * ALT - 2_500_500_000_000_000_000_000n,
      );
      const { hash, gasUsed, block } = result.tx;
      expect(lines).to.deep.equal([
        `staked 2,500.5 ALT with ${operator.address} for ${shares} shares: tx ${hash} (gas ${gasUsed}, block ${block})`,
      ]);
    });

    it("prints that a permit was used in text mode", async function () {
      const { operator, alice } = await load(operatorsFixture);
      const { result, lines } = await runTask<DepositResult>("stake deposit", {
        operator: operator.address,
        asset: "ALT",
        amount: "1",
        from: alice.address,
        json: false,
      });
      const { hash, gasUsed, block } = result.tx;
      expect(lines).to.deep.equal([
        `staked 1 ALT with ${operator.address} for ${result.shares} shares (permit): tx ${hash} (gas ${gasUsed}, block ${block})`,
      ]);
    });

    it("approves then stakes stETH (by symbol, any case) with --approve", async function () {
      const { registry, steth, operator, alice } = await load(operatorsFixture);
      const registryAddress = await registry.getAddress();
      const { result, lines } = await runTask<DepositResult>("stake deposit", {
        operator: operator.address,
        asset: "STETH",
        amount: "250",
        approve: true,
        from: alice.address,
        json: false,
      });
      const shares = sharesFor(250n * ALT, 0n, 0n);
      expect(result).to.deep.include({ assetId: 1, symbol: "stETH", amount: 250n * ALT, shares, method: "approve" });
      await expect(transaction(result.approveTx!.hash))
        .to.emit(steth, "Approval")
        .withArgs(alice.address, registryAddress, 250n * ALT);
      await expect(transaction(result.tx.hash))
        .to.emit(registry, "Staked")
        .withArgs(alice.address, operator.address, 1, 250n * ALT, shares);
      expect(await steth.balanceOf(alice.address)).to.equal(9_750n * ALT);
      expect(await steth.balanceOf(registryAddress)).to.equal(250n * ALT);
      expect((await registry.asset(1)).totalStaked).to.equal(250n * ALT);
      expect(await registry.sharesOf(alice.address, operator.address, 1)).to.equal(shares);
      const approveTx = result.approveTx!;
      expect(lines).to.deep.equal([
        `approved 250 stETH to the registry: tx ${approveTx.hash} (gas ${approveTx.gasUsed}, block ${approveTx.block})`,
        `staked 250 stETH with ${operator.address} for ${shares} shares: tx ${result.tx.hash} (gas ${result.tx.gasUsed}, block ${result.tx.block})`,
      ]);
    });

    it("stakes stETH named by id or by token address with an existing allowance", async function () {
      const { registry, steth, operator, alice } = await load(operatorsFixture);
      await (await steth.connect(alice).approve(await registry.getAddress(), 300n * ALT)).wait();
      const byId = await task<DepositResult>("stake deposit", {
        operator: operator.address,
        asset: "1",
        amount: "100",
        from: alice.address,
        json: true,
      });
      const byAddress = await task<DepositResult>("stake deposit", {
        operator: operator.address,
        asset: (await steth.getAddress()).toLowerCase(),
        amount: "200",
        from: alice.address,
        json: true,
      });
      expect([byId.method, byAddress.method]).to.deep.equal(["stake", "stake"]);
      expect(byAddress.shares).to.equal(sharesFor(200n * ALT, byId.shares, 100n * ALT));
      expect(await registry.sharesOf(alice.address, operator.address, 1)).to.equal(byId.shares + byAddress.shares);
    });

    it("approves ALT instead of signing a permit with --approve", async function () {
      const { registry, token, operator, alice } = await load(operatorsFixture);
      const result = await task<DepositResult>("stake deposit", {
        operator: operator.address,
        asset: "ALT",
        amount: "10",
        approve: true,
        from: alice.address,
        json: true,
      });
      expect(result.method).to.equal("approve");
      expect(result.approveTx).to.not.equal(null);
      expect(await token.nonces(alice.address)).to.equal(0n);
      expect(await registry.sharesOf(alice.address, operator.address, 0)).to.equal(sharesFor(10n * ALT, 0n, 0n));
    });

    it("refuses an ALT deposit without allowance from an account that cannot sign a permit", async function () {
      const { operator, alice } = await load(operatorsFixture);
      const original = HardhatEthersSigner.prototype.signTypedData;
      HardhatEthersSigner.prototype.signTypedData = async () => {
        throw new Error("eth_signTypedData_v4 is not supported\nby this signer");
      };
      try {
        await expectRefused(
          "stake deposit",
          { operator: operator.address, asset: "ALT", amount: "5", from: alice.address, json: true },
          `too little allowance: ${alice.address} allows the registry 0 ALT of the 5 ALT and cannot sign a permit (eth_signTypedData_v4 is not supported): pass --approve`,
        );
      } finally {
        HardhatEthersSigner.prototype.signTypedData = original;
      }
    });

    it("refuses stETH with too little allowance and no --approve (stETH has no permit)", async function () {
      const { registry, steth, operator, alice } = await load(operatorsFixture);
      await (await steth.connect(alice).approve(await registry.getAddress(), 10n * ALT)).wait();
      await expectRefused(
        "stake deposit",
        { operator: operator.address, asset: "stETH", amount: "20", from: alice.address, json: true },
        `too little allowance: ${alice.address} allows the registry 10 stETH of the 20 stETH and stETH has no permit: approve it first or pass --approve`,
      );
    });

    it("refuses too little balance, of ALT and of stETH", async function () {
      const { operator, alice, carol } = await load(operatorsFixture);
      await expectRefused(
        "stake deposit",
        { operator: operator.address, asset: "ALT", amount: "1000000.5", from: alice.address, json: true },
        `too little balance: ${alice.address} holds 1,000,000 ALT, the deposit needs 1,000,000.5 ALT`,
      );
      await expectRefused(
        "stake deposit",
        { operator: operator.address, asset: "stETH", amount: "1", approve: true, from: carol.address, json: true },
        `too little balance: ${carol.address} holds 0 stETH, the deposit needs 1 stETH`,
      );
    });

    it("refuses a deposit past the asset's cap", async function () {
      const { registry, deployer, operator, alice } = await load(operatorsFixture);
      await (await registry.connect(deployer).updateAsset(1, ALT, 100n * ALT)).wait();
      await task("stake deposit", {
        operator: operator.address,
        asset: "stETH",
        amount: "60",
        approve: true,
        from: alice.address,
        json: true,
      });
      await expectRefused(
        "stake deposit",
        { operator: operator.address, asset: "stETH", amount: "50", approve: true, from: alice.address, json: true },
        "the stETH cap of 100 stETH would be passed: 60 stETH staked, 50 stETH more asked",
      );
    });

    it("refuses an operator jailed by a pending slash request, before sending anything (no permit, no approval)", async function () {
      const { registry, steth, operator, alice, requestSlash } = await load(slasherFixture);
      await requestSlash();
      expect(await registry.pendingSlashes(operator.address)).to.equal(1n);
      const registryAddress = await registry.getAddress();
      const allowance = await steth.allowance(alice.address, registryAddress);
      const jailed = `${operator.address} is jailed by 1 pending slash request(s): it takes no stake until they end`;
      // ALT: the allowance is short, so a permit would be signed
      await expectRefused(
        "stake deposit",
        { operator: operator.address, asset: "ALT", amount: "5", from: alice.address, json: true },
        jailed,
      );
      // stETH with --approve: no approval is sent either
      await expectRefused(
        "stake deposit",
        { operator: operator.address, asset: "stETH", amount: "5", approve: true, from: alice.address, json: true },
        jailed,
      );
      expect(await steth.allowance(alice.address, registryAddress)).to.equal(allowance);
      // what the task spares the staker: the registry refuses the stake itself
      await (await steth.connect(alice).approve(registryAddress, 5n * ALT)).wait();
      await expect(registry.connect(alice).stake(operator.address, 1, 5n * ALT))
        .to.be.revertedWithCustomError(registry, "RegistryOperatorJailed")
        .withArgs(operator.address);
    });

    it("refuses a malformed operator address", async function () {
      const { alice } = await load(operatorsFixture);
      await expectRefused(
        "stake deposit",
        { operator: "0x12", asset: "ALT", amount: "1", from: alice.address, json: true },
        "--operator is not a valid address: 0x12",
      );
    });

    it("refuses an account that is not a registered operator", async function () {
      const { alice, bob } = await load(operatorsFixture);
      await expectRefused(
        "stake deposit",
        { operator: bob.address, asset: "ALT", amount: "1", from: alice.address, json: true },
        `${bob.address} is not a registered operator`,
      );
    });

    it("refuses an unknown asset id, symbol or token address, listing the assets", async function () {
      const { operator, alice, book } = await load(operatorsFixture);
      for (const asset of ["2", "DAI", book[RESTAKING_KEYS.registry]]) {
        await expectRefused(
          "stake deposit",
          { operator: operator.address, asset, amount: "1", from: alice.address, json: true },
          `unknown asset ${asset} (assets: 0 ALT, 1 stETH)`,
        );
      }
    });

    it("refuses a malformed, zero or over-precise amount", async function () {
      const { operator, alice } = await load(operatorsFixture);
      const args = { operator: operator.address, asset: "ALT", from: alice.address, json: true };
      for (const amount of ["abc", "-1", "1.0000000000000000001", "1e3"]) {
        await expectRefused(
          "stake deposit",
          { ...args, amount },
          `--amount: invalid amount "${amount}": expected a non-negative decimal with at most 18 decimals`,
        );
      }
      await expectRefused("stake deposit", { ...args, amount: "0.0" }, "--amount must be positive");
    });
  });

  describe("stake request-unstake", function () {
    it("queues --shares and prints the withdrawal root and unlock time", async function () {
      const { registry, operator, alice, aliceAlt, bobAlt } = await load(stakedFixture);
      const shares = aliceAlt / 3n;
      const { result, lines } = await runTask<UnstakeRequestResult>("stake request-unstake", {
        operator: operator.address,
        asset: "ALT",
        shares: shares.toString(),
        from: alice.address,
        json: false,
      });
      const unlockAt = (await blockTimestamp(result.tx.block)) + WITHDRAWAL_DELAY;
      const withdrawal = {
        staker: alice.address,
        operator: operator.address,
        assetId: 0n,
        shares,
        unlockAt: BigInt(unlockAt),
        nonce: 0n,
      };
      const root = (await registry.withdrawalRoot(withdrawal)).toLowerCase();
      const totalShares = aliceAlt + bobAlt;
      const value = valueOf(shares, totalShares, 4_000n * ALT);
      expect(result).to.deep.equal({
        root,
        staker: alice.address,
        operator: operator.address,
        assetId: 0,
        symbol: "ALT",
        shares,
        value,
        unlockAt,
        withdrawal,
        tx: result.tx,
      });
      await expect(transaction(result.tx.hash))
        .to.emit(registry, "UnstakeRequested")
        .withArgs(root, Object.values(withdrawal));
      expect(await registry.isPendingWithdrawal(root)).to.equal(true);
      expect(await registry.sharesOf(alice.address, operator.address, 0)).to.equal(aliceAlt - shares);
      expect((await registry.pool(operator.address, 0)).queuedShares).to.equal(shares);
      const { hash, gasUsed, block } = result.tx;
      expect(value).to.equal(333_333_333_333_333_333_333n);
      expect(lines).to.deep.equal([
        `requested to unstake ${shares} ALT shares (333.333333333333333333 ALT now) from ${operator.address}: tx ${hash} (gas ${gasUsed}, block ${block})`,
        `  root ${root}`,
        `  unlocks at ${isoTime(unlockAt)} (in 14d): then run stake complete --root ${root}`,
      ]);
    });

    it("converts --amount to the shares worth at least that much, rounding up", async function () {
      const { registry, operator, alice, aliceAlt, bobAlt } = await load(stakedFixture);
      const amount = 250n * ALT + 1n;
      const result = await task<UnstakeRequestResult>("stake request-unstake", {
        operator: operator.address,
        asset: "0",
        amount: "250.000000000000000001",
        from: alice.address,
        json: true,
      });
      const totalShares = aliceAlt + bobAlt;
      const totalAssets = 4_000n * ALT;
      const numerator = amount * (totalShares + VIRTUAL_SHARES);
      const expected = (numerator + totalAssets) / (totalAssets + 1n); // ceil(numerator / (totalAssets + 1))
      expect(result.shares).to.equal(expected);
      expect(valueOf(expected, totalShares, totalAssets)).to.be.at.least(amount);
      expect(valueOf(expected - 1n, totalShares, totalAssets)).to.be.lessThan(amount);
      expect(result.value).to.equal(valueOf(expected, totalShares, totalAssets));
      expect(await registry.sharesOf(alice.address, operator.address, 0)).to.equal(aliceAlt - expected);
    });

    it("queues every share of the pool with --all", async function () {
      const { registry, operator, alice, aliceSteth } = await load(stakedFixture);
      const result = await task<UnstakeRequestResult>("stake request-unstake", {
        operator: operator.address,
        asset: "stETH",
        all: true,
        from: alice.address,
        json: true,
      });
      expect(result.shares).to.equal(aliceSteth);
      expect(result.value).to.equal(valueOf(aliceSteth, aliceSteth, 100n * ALT));
      expect(result.withdrawal.assetId).to.equal(1n);
      expect(await registry.sharesOf(alice.address, operator.address, 1)).to.equal(0n);
      expect((await registry.pool(operator.address, 1)).queuedShares).to.equal(aliceSteth);
    });

    it("numbers successive withdrawals with the registry's nonce", async function () {
      const { operator, alice, bob } = await load(stakedFixture);
      const args = { operator: operator.address, asset: "ALT", shares: "1000", json: true };
      const a = await task<UnstakeRequestResult>("stake request-unstake", { ...args, from: alice.address });
      const b = await task<UnstakeRequestResult>("stake request-unstake", { ...args, from: bob.address });
      const c = await task<UnstakeRequestResult>("stake request-unstake", { ...args, from: alice.address });
      expect([a, b, c].map((r) => r.withdrawal.nonce)).to.deep.equal([0n, 1n, 2n]);
      expect(new Set([a.root, b.root, c.root]).size).to.equal(3);
    });

    it("refuses unless exactly one of --shares, --amount or --all is given", async function () {
      const { operator, alice } = await load(stakedFixture);
      const args = { operator: operator.address, asset: "ALT", from: alice.address, json: true };
      for (const extra of [{}, { shares: "1", all: true }, { shares: "1", amount: "1" }, { amount: "1", all: true }]) {
        await expectRefused(
          "stake request-unstake",
          { ...args, ...extra },
          "pass exactly one of --shares, --amount or --all",
        );
      }
    });

    it("refuses --shares above the staker's holdings", async function () {
      const { operator, alice, aliceAlt } = await load(stakedFixture);
      await expectRefused(
        "stake request-unstake",
        {
          operator: operator.address,
          asset: "ALT",
          shares: (aliceAlt + 1n).toString(),
          from: alice.address,
          json: true,
        },
        `${alice.address} holds ${aliceAlt} ALT shares with ${operator.address}, fewer than the ${aliceAlt + 1n} asked`,
      );
    });

    it("refuses an --amount worth more than the staker's holdings", async function () {
      const { operator, alice, aliceAlt, bobAlt } = await load(stakedFixture);
      const amount = 1_001n * ALT;
      const totalShares = aliceAlt + bobAlt;
      const numerator = amount * (totalShares + VIRTUAL_SHARES);
      const shares = (numerator + 4_000n * ALT) / (4_000n * ALT + 1n);
      await expectRefused(
        "stake request-unstake",
        { operator: operator.address, asset: "ALT", amount: "1001", from: alice.address, json: true },
        `${alice.address} holds ${aliceAlt} ALT shares with ${operator.address}, fewer than the ${shares} worth 1,001 ALT asked`,
      );
    });

    it("refuses --all and --shares from a staker without shares in the pool", async function () {
      const { operator, other, carol } = await load(stakedFixture);
      await expectRefused(
        "stake request-unstake",
        { operator: operator.address, asset: "ALT", all: true, from: carol.address, json: true },
        `${carol.address} holds no ALT shares with ${operator.address}`,
      );
      await expectRefused(
        "stake request-unstake",
        { operator: other.address, asset: "stETH", shares: "5", from: carol.address, json: true },
        `${carol.address} holds 0 stETH shares with ${other.address}, fewer than the 5 asked`,
      );
    });

    it("refuses zero or fractional --shares", async function () {
      const { operator, alice } = await load(stakedFixture);
      for (const shares of ["0", "1.5", "x"]) {
        await expectRefused(
          "stake request-unstake",
          { operator: operator.address, asset: "ALT", shares, from: alice.address, json: true },
          `--shares must be a positive whole number, not ${shares}`,
        );
      }
    });

    it("refuses a malformed or unknown operator and an unknown asset", async function () {
      const { operator, alice } = await load(stakedFixture);
      const args = { asset: "ALT", all: true, from: alice.address, json: true };
      await expectRefused(
        "stake request-unstake",
        { ...args, operator: "nope" },
        "--operator is not a valid address: nope",
      );
      await expectRefused(
        "stake request-unstake",
        { ...args, operator: alice.address },
        `${alice.address} is not a registered operator`,
      );
      await expectRefused(
        "stake request-unstake",
        { ...args, operator: operator.address, asset: "7" },
        "unknown asset 7 (assets: 0 ALT, 1 stETH)",
      );
    });
  });

  describe("stake complete", function () {
    it("completes a withdrawal by --root once unlocked, found from its UnstakeRequested event", async function () {
      const { registry, token, operator, alice, aliceAlt, bobAlt, first } = await load(requestedFixture);
      await time.increaseTo(first.unlockAt);
      const before = await token.balanceOf(alice.address);
      const { result, lines } = await runTask<CompleteResult>("stake complete", {
        root: first.root.toUpperCase().replace("0X", "0x"),
        from: alice.address,
        json: false,
      });
      const amount = valueOf(aliceAlt / 2n, aliceAlt + bobAlt, 4_000n * ALT);
      expect(result.staker).to.equal(alice.address);
      expect(result.waiting).to.deep.equal([]);
      expect(result.completed).to.have.lengthOf(1);
      const [done] = result.completed;
      expect(done).to.deep.include({
        root: first.root,
        operator: operator.address,
        assetId: 0,
        symbol: "ALT",
        shares: aliceAlt / 2n,
        amount,
      });
      await expect(transaction(done.tx.hash))
        .to.emit(registry, "UnstakeCompleted")
        .withArgs(first.root, alice.address, operator.address, amount);
      expect((await token.balanceOf(alice.address)) - before).to.equal(amount);
      expect(await registry.isPendingWithdrawal(first.root)).to.equal(false);
      expect(lines).to.deep.equal([
        `completed ${first.root}: 500 ALT from ${operator.address}: tx ${done.tx.hash} (gas ${done.tx.gasUsed}, block ${done.tx.block})`,
      ]);
      expect(amount).to.equal(500n * ALT);
    });

    it("completes --all ready withdrawals and reports the ones still locked", async function () {
      const { registry, steth, operator, alice, aliceSteth, first, second } = await load(requestedFixture);
      await time.increaseTo(second.unlockAt - 10);
      const result = await task<CompleteResult>("stake complete", { all: true, from: alice.address, json: true });
      expect(result.completed.map((c) => c.root)).to.deep.equal([first.root]);
      expect(result.waiting).to.deep.equal([
        { root: second.root, operator: operator.address, unlockAt: second.unlockAt, reason: "locked" },
      ]);
      await time.increaseTo(second.unlockAt);
      const before = await steth.balanceOf(alice.address);
      const rest = await task<CompleteResult>("stake complete", { all: true, from: alice.address, json: true });
      expect(rest.completed.map((c) => [c.root, c.symbol, c.amount])).to.deep.equal([
        [second.root, "stETH", valueOf(aliceSteth, aliceSteth, 100n * ALT)],
      ]);
      expect(rest.waiting).to.deep.equal([]);
      expect((await steth.balanceOf(alice.address)) - before).to.equal(valueOf(aliceSteth, aliceSteth, 100n * ALT));
      expect(await registry.isPendingWithdrawal(second.root)).to.equal(false);
    });

    it("refuses a withdrawal before its unlock time, naming it", async function () {
      const { alice, first } = await load(requestedFixture);
      await time.increaseTo(first.unlockAt - 1);
      await expectRefused(
        "stake complete",
        { root: first.root, from: alice.address, json: true },
        `withdrawal ${first.root} unlocks at ${isoTime(first.unlockAt)} (in 1s)`,
      );
    });

    it("refuses --all when nothing is ready, naming the next unlock time", async function () {
      const { alice, first } = await load(requestedFixture);
      const now = await time.latest();
      await expectRefused(
        "stake complete",
        { all: true, from: alice.address, json: true },
        `no withdrawal of ${alice.address} is ready (2 pending): the next unlocks at ${isoTime(first.unlockAt)} ` +
          `(${relativeTime(first.unlockAt, now)})`,
      );
    });

    it("refuses an unknown root and a malformed one", async function () {
      const { alice } = await load(requestedFixture);
      const unknown = id("no such withdrawal");
      await expectRefused(
        "stake complete",
        { root: unknown, from: alice.address, json: true },
        `unknown withdrawal root ${unknown}`,
      );
      await expectRefused(
        "stake complete",
        { root: ZeroHash, from: alice.address, json: true },
        `unknown withdrawal root ${ZeroHash}`,
      );
      await expectRefused(
        "stake complete",
        { root: "0x1234", from: alice.address, json: true },
        "--root is not a 32-byte hex value: 0x1234",
      );
    });

    it("refuses a withdrawal completed already", async function () {
      const { alice, first } = await load(requestedFixture);
      await time.increaseTo(first.unlockAt);
      await task("stake complete", { root: first.root, from: alice.address, json: true });
      await expectRefused(
        "stake complete",
        { root: first.root, from: alice.address, json: true },
        `withdrawal ${first.root} is completed already`,
      );
    });

    it("refuses another staker's withdrawal", async function () {
      const { alice, bob, first } = await load(requestedFixture);
      await time.increaseTo(first.unlockAt);
      await expectRefused(
        "stake complete",
        { root: first.root, from: bob.address, json: true },
        `withdrawal ${first.root} belongs to ${alice.address}, not ${bob.address}`,
      );
    });

    it("refuses --all from a staker without pending withdrawals", async function () {
      const { bob } = await load(requestedFixture);
      await expectRefused(
        "stake complete",
        { all: true, from: bob.address, json: true },
        `${bob.address} has no pending withdrawals`,
      );
    });

    it("refuses unless exactly one of --root or --all is given", async function () {
      const { alice, first } = await load(requestedFixture);
      for (const extra of [{}, { root: first.root, all: true }]) {
        await expectRefused(
          "stake complete",
          { ...extra, from: alice.address, json: true },
          "pass exactly one of --root or --all",
        );
      }
    });

    it("refuses while the operator is jailed by a pending slash request, by --root and with --all", async function () {
      const { operator, alice, first, second, requestSlash } = await load(slasherFixture);
      await requestSlash();
      await time.increaseTo(second.unlockAt);
      await expectRefused(
        "stake complete",
        { root: first.root, from: alice.address, json: true },
        `withdrawal ${first.root} waits: its operator ${operator.address} has a pending slash request`,
      );
      await expectRefused(
        "stake complete",
        { all: true, from: alice.address, json: true },
        `no withdrawal of ${alice.address} is ready (2 pending): 2 wait for a pending slash of their operator`,
      );
    });

    it("names both reasons when one withdrawal is locked and another waits for a slash", async function () {
      const { alice, first, second, requestSlash } = await load(slasherFixture);
      await requestSlash();
      await time.increaseTo(first.unlockAt);
      await expectRefused(
        "stake complete",
        { all: true, from: alice.address, json: true },
        `no withdrawal of ${alice.address} is ready (2 pending): the next unlocks at ${isoTime(second.unlockAt)} (in 1d 1s); 1 wait for a pending slash of their operator`,
      );
    });
  });

  describe("stake positions", function () {
    it("lists every pool with shares and value now, and pending withdrawals with unlock time", async function () {
      const { registry, token, operator, other, alice, aliceAlt, bobAlt, first, second } = await load(requestedFixture);
      await (await token.connect(alice).approve(await registry.getAddress(), 50n * ALT)).wait();
      await (await registry.connect(alice).stake(other.address, 0, 50n * ALT)).wait();
      const { result, lines } = await runTask<Positions>("stake positions", { staker: alice.address, json: false });
      const now = await time.latest();
      const remaining = aliceAlt - aliceAlt / 2n;
      const altValue = valueOf(remaining, aliceAlt + bobAlt, 4_000n * ALT);
      const otherShares = sharesFor(50n * ALT, 0n, 0n);
      expect(result).to.deep.equal({
        staker: alice.address,
        pools: [
          { operator: operator.address, assetId: 0, symbol: "ALT", shares: remaining, value: altValue, altValue },
          {
            operator: other.address,
            assetId: 0,
            symbol: "ALT",
            shares: otherShares,
            value: valueOf(otherShares, otherShares, 50n * ALT),
            altValue: valueOf(otherShares, otherShares, 50n * ALT),
          },
        ],
        pending: [
          {
            root: first.root,
            operator: operator.address,
            assetId: 0,
            symbol: "ALT",
            shares: first.shares,
            value: valueOf(first.shares, aliceAlt + bobAlt, 4_000n * ALT),
            altValue: valueOf(first.shares, aliceAlt + bobAlt, 4_000n * ALT),
            unlockAt: first.unlockAt,
            operatorJailed: false,
            ready: false,
          },
          {
            root: second.root,
            operator: operator.address,
            assetId: 1,
            symbol: "stETH",
            shares: second.shares,
            value: second.value,
            altValue: second.value, // stETH weighs 1 ALT
            unlockAt: second.unlockAt,
            operatorJailed: false,
            ready: false,
          },
        ],
      });
      expect(lines).to.deep.equal([
        `staker ${alice.address}`,
        `  pool ${operator.address} ALT: ${remaining} shares, 500 ALT now`,
        `  pool ${other.address} ALT: ${otherShares} shares, 50 ALT now`,
        `  withdrawal ${first.root}: ${first.shares} ALT shares from ${operator.address}, 500 ALT now, unlocks at ${isoTime(first.unlockAt)} (${relativeTime(first.unlockAt, now)})`,
        `  withdrawal ${second.root}: ${second.shares} stETH shares from ${operator.address}, 100 stETH (100 ALT) now, unlocks at ${isoTime(second.unlockAt)} (${relativeTime(second.unlockAt, now)})`,
      ]);
      expect(altValue).to.equal(500n * ALT);
    });

    it("marks withdrawals ready once unlocked, and drops completed ones", async function () {
      const { alice, first, second } = await load(requestedFixture);
      await time.increaseTo(first.unlockAt);
      let positions = await task<Positions>("stake positions", { staker: alice.address, json: true });
      expect(positions.pending.map((p) => [p.root, p.ready])).to.deep.equal([
        [first.root, true],
        [second.root, false],
      ]);
      await task("stake complete", { root: first.root, from: alice.address, json: true });
      positions = await task<Positions>("stake positions", { staker: alice.address, json: true });
      expect(positions.pending.map((p) => p.root)).to.deep.equal([second.root]);
    });

    it("shows unlocked withdrawals of a jailed operator as waiting, not ready", async function () {
      const { alice, first, second, requestSlash } = await load(slasherFixture);
      await requestSlash();
      await time.increaseTo(first.unlockAt);
      const { result, lines } = await runTask<Positions>("stake positions", { staker: alice.address, json: false });
      expect(result.pending.map((p) => [p.operatorJailed, p.ready])).to.deep.equal([
        [true, false],
        [true, false],
      ]);
      expect(lines[2]).to.match(/, waiting for a pending slash of the operator$/);
      expect(lines[3]).to.equal(
        `  withdrawal ${second.root}: ${second.shares} stETH shares from ${second.operator}, 100 stETH (100 ALT) now, unlocks at ${isoTime(second.unlockAt)} (in 1d 1s)`,
      );
    });

    it("shows an account without stake as such, by default the first account", async function () {
      const { deployer } = await load(requestedFixture);
      const { result, lines } = await runTask<Positions>("stake positions", { json: false });
      expect(result).to.deep.equal({ staker: deployer.address, pools: [], pending: [] });
      expect(lines).to.deep.equal([`staker ${deployer.address}`, "  no staked pools"]);
    });

    it("prints exactly the returned data as JSON with --json", async function () {
      const { alice, first } = await load(requestedFixture);
      const { result, lines } = await runTask<Positions>("stake positions", { staker: alice.address, json: true });
      expect(JSON.parse(lines.join("\n"))).to.deep.equal(asJson(result));
      expect(JSON.parse(lines.join("\n")).pending[0].root).to.equal(first.root);
    });

    it("refuses when the deployment has no restaking registry", async function () {
      const { book, alice } = await load(requestedFixture);
      recordInProcess({ [RESTAKING_KEYS.registry]: undefined as unknown as string });
      try {
        await expectRefused(
          "stake positions",
          { staker: alice.address, json: true },
          "the deployment of network hardhat has no Restaking#RestakingRegistry: run deploy restaking first",
        );
      } finally {
        recordInProcess(book);
      }
    });

    it("refuses a malformed --staker", async function () {
      await load(requestedFixture);
      await expectRefused("stake positions", { staker: "0xzz", json: true }, "--staker is not a valid address: 0xzz");
    });
  });

  it("keeps a random address out of every lookup", async function () {
    await load(operatorsFixture);
    const stranger = Wallet.createRandom().address;
    const positions = await task<Positions>("stake positions", { staker: stranger, json: true });
    expect(positions).to.deep.equal({ staker: stranger, pools: [], pending: [] });
  });
});
