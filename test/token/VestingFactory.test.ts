import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import path from "path";
import { deploy, DeploymentResultType } from "@nomicfoundation/ignition-core";
import { HardhatArtifactResolver } from "@nomicfoundation/hardhat-ignition/helpers";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { IVestingFactory } from "../../typechain-types/contracts/token/VestingFactory";
import { ALT, GENESIS_SUPPLY } from "../helpers/constants";
import { days, months } from "../helpers/time";
import { deployGenesis, hardhatGenesisInput } from "../helpers/genesis";
import { resolveGenesis, type GenesisInput } from "../../deploy/lib/genesis";
import { buildGenesisModule } from "../../deploy/lib/genesisModule";
import { deployTokenAndFactory } from "../helpers/vesting";
import { parseDuration, parseTokenAmount } from "../../deploy/lib/units";
import { stagedParameters } from "../helpers/parameters";

type Params = IVestingFactory.PositionParamsStruct;

const UINT48_MAX = 2n ** 48n - 1n;

/** EIP-1167 clone address computed independently of the factory: CREATE2 over the minimal proxy's init code. */
function cloneAddress(factory: string, implementation: string, creator: string, salt: string): string {
  const initCode =
    "0x3d602d80600a3d3981f3363d3d373d3d3d363d73" +
    implementation.slice(2).toLowerCase() +
    "5af43d82803e903d91602b57fd5bf3";
  const create2Salt = ethers.keccak256(
    ethers.AbiCoder.defaultAbiCoder().encode(["address", "bytes32"], [creator, salt]),
  );
  return ethers.getCreate2Address(factory, create2Salt, ethers.keccak256(initCode));
}

describe("VestingFactory", function () {
  async function deployFactoryFixture() {
    const [deployer, treasury, beneficiary, beneficiary2, other, delegatee, newTreasury] = await ethers.getSigners();
    const { token, factory } = await deployTokenAndFactory(deployer, treasury);
    const start = (await time.latest()) + days(1);
    const params = (overrides: Partial<Params> = {}): Params => ({
      beneficiary: beneficiary.address,
      start,
      cliffDuration: months(6),
      duration: months(24),
      amount: 1_000n * ALT,
      revocable: true,
      delegatee: ethers.ZeroAddress,
      salt: ethers.id("salt 0"),
      ...overrides,
    });
    return {
      token,
      factory,
      deployer,
      treasury,
      beneficiary,
      beneficiary2,
      other,
      delegatee,
      newTreasury,
      start,
      params,
    };
  }

  /** The deployer approved the factory for everything. */
  async function approvedFixture() {
    const base = await loadFixture(deployFactoryFixture);
    await base.token.approve(await base.factory.getAddress(), ethers.MaxUint256);
    return base;
  }

  describe("constructor", function () {
    it("records the token, treasury, owner and an implementation bound to the factory", async function () {
      const { token, factory, treasury, deployer } = await loadFixture(deployFactoryFixture);
      expect(await factory.token()).to.equal(await token.getAddress());
      expect(await factory.treasury()).to.equal(treasury.address);
      expect(await factory.owner()).to.equal(deployer.address);
      const implementation = await ethers.getContractAt("VestingPosition", await factory.implementation());
      expect(await implementation.factory()).to.equal(await factory.getAddress());
      expect(await implementation.token()).to.equal(await token.getAddress());
    });

    it("reverts on a zero token, treasury or owner", async function () {
      const { token, treasury, deployer } = await loadFixture(deployFactoryFixture);
      const Factory = await ethers.getContractFactory("VestingFactory");
      const tokenAddress = await token.getAddress();
      await expect(
        Factory.deploy(ethers.ZeroAddress, treasury.address, deployer.address),
      ).to.be.revertedWithCustomError(Factory, "VestingFactoryZeroAddress");
      await expect(Factory.deploy(tokenAddress, ethers.ZeroAddress, deployer.address)).to.be.revertedWithCustomError(
        Factory,
        "VestingFactoryZeroAddress",
      );
      await expect(Factory.deploy(tokenAddress, treasury.address, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(Factory, "OwnableInvalidOwner")
        .withArgs(ethers.ZeroAddress);
    });
  });

  describe("createPositions validation", function () {
    it("reverts on an empty batch", async function () {
      const { factory } = await loadFixture(approvedFixture);
      await expect(factory.createPositions([])).to.be.revertedWithCustomError(factory, "VestingFactoryEmptyBatch");
    });

    it("reverts on a zero beneficiary", async function () {
      const { factory, params } = await loadFixture(approvedFixture);
      await expect(
        factory.createPositions([params(), params({ beneficiary: ethers.ZeroAddress, salt: ethers.id("salt 1") })]),
      ).to.be.revertedWithCustomError(factory, "VestingFactoryZeroAddress");
    });

    it("reverts on a zero amount with the entry's index", async function () {
      const { factory, params } = await loadFixture(approvedFixture);
      await expect(factory.createPositions([params({ amount: 0n })]))
        .to.be.revertedWithCustomError(factory, "VestingFactoryInvalidSchedule")
        .withArgs(0n);
      await expect(
        factory.createPositions([
          params(),
          params({ salt: ethers.id("salt 1") }),
          params({ amount: 0n, salt: ethers.id("salt 2") }),
        ]),
      )
        .to.be.revertedWithCustomError(factory, "VestingFactoryInvalidSchedule")
        .withArgs(2n);
    });

    it("reverts on a cliff longer than the duration with the entry's index", async function () {
      const { factory, params } = await loadFixture(approvedFixture);
      await expect(
        factory.createPositions([
          params(),
          params({ cliffDuration: months(24) + 1, salt: ethers.id("salt 1") }),
          params({ salt: ethers.id("salt 2") }),
        ]),
      )
        .to.be.revertedWithCustomError(factory, "VestingFactoryInvalidSchedule")
        .withArgs(1n);
      await expect(factory.createPositions([params({ cliffDuration: 1, duration: 0 })]))
        .to.be.revertedWithCustomError(factory, "VestingFactoryInvalidSchedule")
        .withArgs(0n);
    });

    it("accepts a cliff equal to the duration", async function () {
      const { factory, deployer, params, start } = await loadFixture(approvedFixture);
      const p = params({ cliffDuration: months(24) });
      const address = await factory.predictPositionAddress(deployer.address, p.salt);
      await factory.createPositions([p]);
      const position = await ethers.getContractAt("VestingPosition", address);
      const s = await position.schedule();
      expect(s.cliff).to.equal(start + months(24));
      expect(s.end).to.equal(start + months(24));
    });

    it("refuses an amount above the uint96 maximum: it does not ABI-decode into PositionParams", async function () {
      const { factory, token, deployer, params } = await loadFixture(approvedFixture);
      // createPositions with the batch encoded as if the amount were a uint256, as a caller bypassing the ABI sends it
      const selector = factory.interface.getFunction("createPositions").selector;
      const send = (amount: bigint) => {
        const p = params({ amount: 1n });
        const entry = [p.beneficiary, p.start, p.cliffDuration, p.duration, amount, p.revocable, p.delegatee, p.salt];
        const args = ethers.AbiCoder.defaultAbiCoder().encode(
          ["(address,uint48,uint48,uint48,uint256,bool,address,bytes32)[]"],
          [[entry]],
        );
        return deployer.sendTransaction({ to: factory, data: ethers.concat([selector, args]), gasLimit: 1_000_000n });
      };
      const UINT96_MAX = 2n ** 96n - 1n;
      await expect(send(UINT96_MAX + 1n)).to.be.revertedWithoutReason();
      // the maximum decodes, and is refused only because it exceeds the whole supply
      expect(UINT96_MAX).to.be.greaterThan(GENESIS_SUPPLY);
      await expect(send(UINT96_MAX))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(deployer.address, GENESIS_SUPPLY, UINT96_MAX);
    });

    it("reverts when the end overflows uint48, and accepts an end of exactly the uint48 maximum", async function () {
      const { factory, deployer, params } = await loadFixture(approvedFixture);
      const duration = 1000n;
      await expect(
        factory.createPositions([
          params(),
          params({ start: UINT48_MAX - duration + 1n, duration, salt: ethers.id("x") }),
        ]),
      )
        .to.be.revertedWithCustomError(factory, "VestingFactoryInvalidSchedule")
        .withArgs(1n);
      // start 0 means now: now + max duration overflows too
      await expect(factory.createPositions([params({ start: 0, duration: UINT48_MAX })]))
        .to.be.revertedWithCustomError(factory, "VestingFactoryInvalidSchedule")
        .withArgs(0n);
      const p = params({ start: UINT48_MAX - duration, cliffDuration: 10, duration });
      const address = await factory.predictPositionAddress(deployer.address, p.salt);
      await factory.createPositions([p]);
      const position = await ethers.getContractAt("VestingPosition", address);
      expect((await position.schedule()).end).to.equal(UINT48_MAX);
    });
  });

  describe("addresses", function () {
    it("creates each position at the predicted address, which is CREATE2 of an EIP-1167 clone", async function () {
      const { factory, deployer, params } = await loadFixture(approvedFixture);
      const salts = [ethers.id("a"), ethers.id("b"), ethers.ZeroHash];
      const predicted = await Promise.all(salts.map((salt) => factory.predictPositionAddress(deployer.address, salt)));
      const factoryAddress = await factory.getAddress();
      const implementation = await factory.implementation();
      salts.forEach((salt, i) =>
        expect(predicted[i]).to.equal(cloneAddress(factoryAddress, implementation, deployer.address, salt)),
      );
      const batch = salts.map((salt) => params({ salt }));
      expect(await factory.createPositions.staticCall(batch)).to.deep.equal(predicted);
      await factory.createPositions(batch);
      for (const address of predicted) {
        const code = await ethers.provider.getCode(address);
        expect(code).to.equal(
          "0x363d3d373d3d3d363d73" + implementation.slice(2).toLowerCase() + "5af43d82803e903d91602b57fd5bf3",
        );
      }
    });

    it("reverts when the same creator reuses a salt", async function () {
      const { factory, params } = await loadFixture(approvedFixture);
      await factory.createPositions([params()]);
      await expect(factory.createPositions([params()])).to.be.revertedWithCustomError(factory, "FailedDeployment");
      await expect(
        factory.createPositions([params({ salt: ethers.id("dup") }), params({ salt: ethers.id("dup") })]),
      ).to.be.revertedWithCustomError(factory, "FailedDeployment");
    });

    it("gives different creators using the same salt different addresses", async function () {
      const { factory, token, deployer, other, beneficiary, start, params } = await loadFixture(approvedFixture);
      const salt = ethers.id("shared salt");
      const ours = await factory.predictPositionAddress(deployer.address, salt);
      const theirs = await factory.predictPositionAddress(other.address, salt);
      expect(ours).to.not.equal(theirs);
      await token.transfer(other.address, 1_000n * ALT);
      await token.connect(other).approve(await factory.getAddress(), 1_000n * ALT);
      await expect(factory.createPositions([params({ salt })]))
        .to.emit(factory, "PositionCreated")
        .withArgs(
          ours,
          beneficiary.address,
          deployer.address,
          1_000n * ALT,
          start,
          start + months(6),
          start + months(24),
          true,
        );
      await expect(factory.connect(other).createPositions([params({ salt })]))
        .to.emit(factory, "PositionCreated")
        .withArgs(
          theirs,
          beneficiary.address,
          other.address,
          1_000n * ALT,
          start,
          start + months(6),
          start + months(24),
          true,
        );
      expect(await token.balanceOf(ours)).to.equal(1_000n * ALT);
      expect(await token.balanceOf(theirs)).to.equal(1_000n * ALT);
    });
  });

  describe("createPositions", function () {
    it("emits PositionCreated with the exact schedule", async function () {
      const { factory, deployer, beneficiary, beneficiary2, start, params } = await loadFixture(approvedFixture);
      const p0 = params({ salt: ethers.id("p0") });
      const p1 = params({
        beneficiary: beneficiary2.address,
        start: start + 5,
        cliffDuration: 0,
        duration: days(7),
        amount: 123n,
        revocable: false,
        salt: ethers.id("p1"),
      });
      const a0 = await factory.predictPositionAddress(deployer.address, p0.salt);
      const a1 = await factory.predictPositionAddress(deployer.address, p1.salt);
      await expect(factory.createPositions([p0, p1]))
        .to.emit(factory, "PositionCreated")
        .withArgs(
          a0,
          beneficiary.address,
          deployer.address,
          1_000n * ALT,
          start,
          start + months(6),
          start + months(24),
          true,
        )
        .and.to.emit(factory, "PositionCreated")
        .withArgs(a1, beneficiary2.address, deployer.address, 123n, start + 5, start + 5, start + 5 + days(7), false);
      const s1 = await (await ethers.getContractAt("VestingPosition", a1)).schedule();
      expect(s1.beneficiary).to.equal(beneficiary2.address);
      expect(s1.start).to.equal(start + 5);
      expect(s1.cliff).to.equal(start + 5);
      expect(s1.end).to.equal(start + 5 + days(7));
      expect(s1.total).to.equal(123n);
      expect(s1.revocable).to.equal(false);
      expect(s1.revoked).to.equal(false);
      expect(s1.released).to.equal(0n);
    });

    it("uses the block timestamp when start is zero", async function () {
      const { factory, deployer, beneficiary, params } = await loadFixture(approvedFixture);
      const now = (await time.latest()) + 1000;
      const p = params({ start: 0 });
      const address = await factory.predictPositionAddress(deployer.address, p.salt);
      await time.setNextBlockTimestamp(now);
      await expect(factory.createPositions([p]))
        .to.emit(factory, "PositionCreated")
        .withArgs(
          address,
          beneficiary.address,
          deployer.address,
          1_000n * ALT,
          now,
          now + months(6),
          now + months(24),
          true,
        );
      const s = await (await ethers.getContractAt("VestingPosition", address)).schedule();
      expect(s.start).to.equal(now);
      expect(s.cliff).to.equal(now + months(6));
      expect(s.end).to.equal(now + months(24));
    });

    it("unlocks a zero-duration position created with start zero at creation", async function () {
      const { factory, token, deployer, beneficiary, params } = await loadFixture(approvedFixture);
      const p = params({ start: 0, cliffDuration: 0, duration: 0 });
      const address = await factory.predictPositionAddress(deployer.address, p.salt);
      const now = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(now);
      await factory.createPositions([p]);
      const position = await ethers.getContractAt("VestingPosition", address);
      expect(await position.vestedAmount(now - 1)).to.equal(0n);
      expect(await position.vestedAmount(now)).to.equal(1_000n * ALT);
      expect(await position.releasable()).to.equal(1_000n * ALT);
      await position.release();
      expect(await token.balanceOf(beneficiary.address)).to.equal(1_000n * ALT);
    });

    it("pulls exactly the sum from the caller in one transfer and keeps nothing", async function () {
      const { factory, token, deployer, params } = await loadFixture(deployFactoryFixture);
      const factoryAddress = await factory.getAddress();
      const amounts = [1n, 7n * ALT + 3n, 1_234_567n * ALT];
      const sum = amounts.reduce((a, b) => a + b, 0n);
      await token.approve(factoryAddress, sum + 5n);
      const batch = amounts.map((amount, i) => params({ amount, salt: ethers.id(`sum ${i}`) }));
      const addresses = await Promise.all(batch.map((p) => factory.predictPositionAddress(deployer.address, p.salt)));
      const before = await token.balanceOf(deployer.address);
      const tx = await factory.createPositions(batch);
      await expect(tx).to.emit(token, "Transfer").withArgs(deployer.address, factoryAddress, sum);
      expect(await token.balanceOf(deployer.address)).to.equal(before - sum);
      expect(await token.allowance(deployer.address, factoryAddress)).to.equal(5n);
      expect(await token.balanceOf(factoryAddress)).to.equal(0n);
      for (let i = 0; i < amounts.length; i++) expect(await token.balanceOf(addresses[i])).to.equal(amounts[i]);

      const receipt = await tx.wait();
      const transfers = receipt!.logs
        .filter((log) => log.address === (token.target as string))
        .map((log) => token.interface.parseLog(log))
        .filter((parsed) => parsed?.name === "Transfer");
      const fromCaller = transfers.filter((parsed) => parsed!.args.from === deployer.address);
      expect(fromCaller.length).to.equal(1);
      expect(fromCaller[0]!.args.value).to.equal(sum);
      expect(transfers.length).to.equal(1 + amounts.length);
    });

    it("spends nobody else's allowance to the factory: createPositions pulls only from its caller", async function () {
      const { factory, token, deployer, other, params } = await loadFixture(approvedFixture);
      const factoryAddress = await factory.getAddress();
      const before = await token.balanceOf(deployer.address);
      // the deployer approved the factory for everything; another account creating a position to itself pays itself
      await expect(factory.connect(other).createPositions([params({ beneficiary: other.address })]))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
        .withArgs(factoryAddress, 0n, 1_000n * ALT);
      await token.connect(other).approve(factoryAddress, ethers.MaxUint256);
      await expect(factory.connect(other).createPositions([params({ beneficiary: other.address })]))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(other.address, 0n, 1_000n * ALT);
      expect(await token.balanceOf(deployer.address)).to.equal(before);
      expect(await token.allowance(deployer.address, factoryAddress)).to.equal(ethers.MaxUint256);
    });

    it("reverts with ERC20InsufficientAllowance when the caller approved less than the sum", async function () {
      const { factory, token, params } = await loadFixture(deployFactoryFixture);
      const factoryAddress = await factory.getAddress();
      const batch = [params({ amount: 10n }), params({ amount: 20n, salt: ethers.id("second") })];
      await token.approve(factoryAddress, 29n);
      await expect(factory.createPositions(batch))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
        .withArgs(factoryAddress, 29n, 30n);
    });

    it("delegates the locked balance's votes to the delegatee given at creation", async function () {
      const { factory, token, deployer, delegatee, params } = await loadFixture(approvedFixture);
      await token.delegate(deployer.address);
      const votesBefore = await token.getVotes(deployer.address);
      const p = params({ delegatee: delegatee.address, amount: 4_321n * ALT + 9n });
      const address = await factory.predictPositionAddress(deployer.address, p.salt);
      await factory.createPositions([p]);
      expect(await token.delegates(address)).to.equal(delegatee.address);
      expect(await token.getVotes(delegatee.address)).to.equal(4_321n * ALT + 9n);
      expect(await token.getVotes(deployer.address)).to.equal(votesBefore - (4_321n * ALT + 9n));
      expect(await token.delegates(await factory.getAddress())).to.equal(ethers.ZeroAddress);
    });

    it("leaves the position undelegated without a delegatee", async function () {
      const { factory, token, deployer, beneficiary, params } = await loadFixture(approvedFixture);
      const p = params();
      const address = await factory.predictPositionAddress(deployer.address, p.salt);
      await factory.createPositions([p]);
      expect(await token.delegates(address)).to.equal(ethers.ZeroAddress);
      expect(await token.getVotes(beneficiary.address)).to.equal(0n);
    });
  });

  describe("setTreasury", function () {
    it("lets the owner set the treasury, emitting TreasuryUpdated", async function () {
      const { factory, treasury, newTreasury } = await loadFixture(deployFactoryFixture);
      await expect(factory.setTreasury(newTreasury.address))
        .to.emit(factory, "TreasuryUpdated")
        .withArgs(treasury.address, newTreasury.address);
      expect(await factory.treasury()).to.equal(newTreasury.address);
    });

    it("refuses anyone but the owner", async function () {
      const { factory, other, treasury } = await loadFixture(deployFactoryFixture);
      await expect(factory.connect(other).setTreasury(other.address))
        .to.be.revertedWithCustomError(factory, "OwnableUnauthorizedAccount")
        .withArgs(other.address);
      expect(await factory.treasury()).to.equal(treasury.address);
    });

    it("reverts on the zero address", async function () {
      const { factory } = await loadFixture(deployFactoryFixture);
      await expect(factory.setTreasury(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        factory,
        "VestingFactoryZeroAddress",
      );
    });
  });

  describe("ownership", function () {
    it("refuses to renounce ownership, which would leave revocable positions without a revoker", async function () {
      const { factory, deployer } = await loadFixture(deployFactoryFixture);
      await expect(factory.renounceOwnership()).to.be.revertedWithCustomError(
        factory,
        "VestingFactoryRenounceDisabled",
      );
      expect(await factory.owner()).to.equal(deployer.address);
    });

    it("refuses a renounce attempt by anyone but the owner as unauthorised", async function () {
      const { factory, other } = await loadFixture(deployFactoryFixture);
      await expect(factory.connect(other).renounceOwnership())
        .to.be.revertedWithCustomError(factory, "OwnableUnauthorizedAccount")
        .withArgs(other.address);
    });
  });

  describe("genesis", function () {
    async function genesisFixture() {
      const [deployer] = await ethers.getSigners();
      const deployment = await deployGenesis();
      return { deployer, ...deployment };
    }

    it("genesis: creates each category's position with its beneficiary, amount, schedule, revocability and delegate", async function () {
      const { positions, token, tge, config } = await loadFixture(genesisFixture);
      const input = stagedParameters().genesis;
      const airdropAmount = parseTokenAmount(input.airdrop.amount);
      expect(airdropAmount).to.equal(55_000_000n * ALT);
      expect(Object.keys(positions)).to.deep.equal(input.allocations.map((a) => a.category));
      for (const allocation of input.allocations) {
        const position = positions[allocation.category];
        let amount = (GENESIS_SUPPLY * BigInt(allocation.bps)) / 10_000n;
        if (allocation.category === input.airdrop.fundedBy) amount -= airdropAmount;
        const s = await position.schedule();
        const positionAddress = await position.getAddress();
        expect(s.beneficiary, allocation.category).to.equal(ethers.getAddress(allocation.beneficiary));
        expect(s.total, allocation.category).to.equal(amount);
        expect(s.released, allocation.category).to.equal(0n);
        expect(s.start, allocation.category).to.equal(tge);
        expect(s.cliff, allocation.category).to.equal(tge + parseDuration(allocation.cliff));
        expect(s.end, allocation.category).to.equal(tge + parseDuration(allocation.duration));
        expect(s.revocable, allocation.category).to.equal(allocation.revocable);
        expect(s.revoked, allocation.category).to.equal(false);
        expect(await token.balanceOf(positionAddress), allocation.category).to.equal(amount);
        expect(await token.delegates(positionAddress), allocation.category).to.equal(s.beneficiary);
        expect(await token.getVotes(s.beneficiary), allocation.category).to.equal(amount);
      }
      // spot-check the units against the table: Team 15% over 36 months after a 6-month cliff
      const team = await positions.Team.schedule();
      expect(team.total).to.equal(1_500_000_000n * ALT);
      expect(team.cliff - team.start).to.equal(BigInt(months(6)));
      expect(team.end - team.start).to.equal(BigInt(months(36)));
      const ecosystem = await positions.Ecosystem.schedule();
      expect(ecosystem.total).to.equal(1_500_000_000n * ALT - 55_000_000n * ALT);
      const launchpool = await positions.Launchpool.schedule();
      expect(launchpool.end).to.equal(launchpool.start);
      expect(await positions.Launchpool.vestedAmount(tge)).to.equal(500_000_000n * ALT);
      expect(config.positions.map((p) => p.amount)).to.deep.equal(
        await Promise.all(Object.values(positions).map(async (p) => (await p.schedule()).total)),
      );
    });

    it("genesis: hands out the whole supply, leaving the deployer with no ALT", async function () {
      const { deployer, positions, token, airdrop, vestingFactory, input } = await loadFixture(genesisFixture);
      expect(await token.totalSupply()).to.equal(GENESIS_SUPPLY);
      expect(await token.balanceOf(deployer.address)).to.equal(0n);
      expect(await token.balanceOf(await vestingFactory.getAddress())).to.equal(0n);
      const airdropBalance = await token.balanceOf(await airdrop.getAddress());
      expect(airdropBalance).to.equal(55_000_000n * ALT);
      let sum = 0n;
      for (const position of Object.values(positions)) sum += await token.balanceOf(await position.getAddress());
      expect(sum + airdropBalance).to.equal(GENESIS_SUPPLY);
      expect(await vestingFactory.owner()).to.equal(deployer.address);
      expect(await vestingFactory.treasury()).to.equal(ethers.getAddress(input.treasury));
      expect(await vestingFactory.token()).to.equal(await token.getAddress());
    });

    it("genesis: Ignition refuses a re-run with changed parameters on a chain that has the genesis; the same parameters send nothing", async function () {
      const dir = mkdtempSync(path.join(tmpdir(), "alt-genesis-"));
      try {
        const input = hardhatGenesisInput();
        const accounts = (await hre.network.provider.request({ method: "eth_accounts" })) as string[];
        // as the deploy tasks do on a live network: the records of the deployment kept in its folder
        const run = (genesis: GenesisInput) =>
          deploy({
            provider: hre.network.provider,
            deploymentDir: dir,
            artifactResolver: new HardhatArtifactResolver(hre),
            ignitionModule: buildGenesisModule(resolveGenesis(genesis)),
            deploymentParameters: {},
            accounts,
          });
        const first = await run(input);
        if (first.type !== DeploymentResultType.SUCCESSFUL_DEPLOYMENT) expect.fail(JSON.stringify(first));
        const block = await ethers.provider.getBlockNumber();
        const again = await run(input);
        if (again.type !== DeploymentResultType.SUCCESSFUL_DEPLOYMENT) expect.fail(JSON.stringify(again));
        expect(again.contracts).to.deep.equal(first.contracts);
        // another airdrop root, another treasury: refused before any transaction
        const changed = await run({
          ...input,
          treasury: accounts[9],
          airdrop: { ...input.airdrop, root: ethers.id("another airdrop") },
        });
        if (changed.type !== DeploymentResultType.RECONCILIATION_ERROR) expect.fail(JSON.stringify(changed));
        // (Ignition names the first changed argument of each contract: the treasury of the factory, the airdrop's root)
        expect(changed.errors).to.deep.equal({
          "Genesis#VestingFactory": ["Argument at index 1 has been changed"],
          "Genesis#MerkleAirdrop": ["Argument at index 1 has been changed"],
        });
        expect(await ethers.provider.getBlockNumber()).to.equal(block);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("genesis: starts every schedule at the block that created the positions", async function () {
      const { positions, vestingFactory, tge } = await loadFixture(genesisFixture);
      const events = await vestingFactory.queryFilter(vestingFactory.filters.PositionCreated());
      expect(events.length).to.equal(Object.keys(positions).length);
      for (const event of events) {
        const block = await ethers.provider.getBlock(event.blockNumber);
        expect(event.args.start).to.equal(BigInt(block!.timestamp));
        expect(event.args.start).to.equal(BigInt(tge));
      }
      expect(tge).to.be.greaterThan(0);
    });
  });
});
