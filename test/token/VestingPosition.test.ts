import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { AltToken, VestingFactory, VestingPosition } from "../../typechain-types";
import type { IVestingFactory } from "../../typechain-types/contracts/token/VestingFactory";
import { ALT } from "../helpers/constants";
import { DAY, YEAR, days, months } from "../helpers/time";
import { deployTokenAndFactory, type Timing, vestedAt } from "../helpers/vesting";
import { expectReentryRefused } from "../helpers/reentrancy";

const TOTAL = 36_000_000n * ALT;
const CLIFF_DURATION = months(6);
const DURATION = months(36);
/** Vested at the cliff of the standard position: 6 of 36 months of 36M ALT. */
const VESTED_AT_CLIFF = 6_000_000n * ALT;
/** Vested halfway (18 of 36 months). */
const VESTED_AT_HALF = 18_000_000n * ALT;
const UINT48_MAX = 2 ** 48 - 1;

let saltCounter = 0;
const nextSalt = () => ethers.id(`VestingPosition.test salt ${saltCounter++}`);

async function createPosition(
  factory: VestingFactory,
  creator: HardhatEthersSigner,
  overrides: Partial<IVestingFactory.PositionParamsStruct> & { beneficiary: string },
): Promise<VestingPosition> {
  const params: IVestingFactory.PositionParamsStruct = {
    start: 0,
    cliffDuration: CLIFF_DURATION,
    duration: DURATION,
    amount: TOTAL,
    revocable: true,
    delegatee: ethers.ZeroAddress,
    salt: nextSalt(),
    ...overrides,
  };
  const address = await factory.predictPositionAddress(creator.address, params.salt);
  await factory.connect(creator).createPositions([params]);
  return ethers.getContractAt("VestingPosition", address);
}

describe("VestingPosition", function () {
  async function deployVestingFixture() {
    const [deployer, treasury, beneficiary, other, delegatee, newBeneficiary, newOwner, newTreasury] =
      await ethers.getSigners();
    const { token, factory } = await deployTokenAndFactory(deployer, treasury);
    await token.approve(await factory.getAddress(), ethers.MaxUint256);
    const start = (await time.latest()) + days(1);
    const position = await createPosition(factory, deployer, { beneficiary: beneficiary.address, start });
    const timing: Timing = { start, cliff: start + CLIFF_DURATION, end: start + DURATION, total: TOTAL };
    return {
      token,
      factory,
      position,
      timing,
      deployer,
      treasury,
      beneficiary,
      other,
      delegatee,
      newBeneficiary,
      newOwner,
      newTreasury,
    };
  }

  /** The standard position plus ALT sent to it after creation and a second ERC20 ("other token"). */
  const SURPLUS = 1234n * ALT + 1n;
  const OTHER_AMOUNT = 777n * ALT + 3n;
  async function surplusFixture() {
    const base = await loadFixture(deployVestingFixture);
    const { token, position, deployer } = base;
    await token.transfer(await position.getAddress(), SURPLUS);
    const otherToken: AltToken = await ethers.deployContract("AltToken", [deployer.address]);
    await otherToken.transfer(await position.getAddress(), OTHER_AMOUNT);
    return { ...base, otherToken };
  }

  /** Odd total over a 7-second schedule, to exercise rounding. */
  const ODD_TOTAL = 1_000_000_000_000_000_001n;
  async function oddRoundingFixture() {
    const base = await loadFixture(deployVestingFixture);
    const { factory, deployer, beneficiary } = base;
    const start = (await time.latest()) + 100;
    const withCliff = await createPosition(factory, deployer, {
      beneficiary: beneficiary.address,
      start,
      cliffDuration: 3,
      duration: 7,
      amount: ODD_TOTAL,
    });
    const noCliff = await createPosition(factory, deployer, {
      beneficiary: beneficiary.address,
      start,
      cliffDuration: 0,
      duration: 7,
      amount: ODD_TOTAL,
    });
    return {
      ...base,
      withCliff,
      noCliff,
      withCliffTiming: { start, cliff: start + 3, end: start + 7, total: ODD_TOTAL },
      noCliffTiming: { start, cliff: start, end: start + 7, total: ODD_TOTAL },
    };
  }

  async function irrevocableFixture() {
    const base = await loadFixture(deployVestingFixture);
    const irrevocable = await createPosition(base.factory, base.deployer, {
      beneficiary: base.beneficiary.address,
      start: base.timing.start,
      revocable: false,
    });
    return { ...base, irrevocable };
  }

  async function releaseAt(position: VestingPosition, t: number) {
    await time.setNextBlockTimestamp(t);
    return position.release();
  }

  describe("creation", function () {
    it("records the schedule, beneficiary, token and factory it was created with", async function () {
      const { position, timing, token, factory, beneficiary } = await loadFixture(deployVestingFixture);
      const s = await position.schedule();
      expect(s.beneficiary).to.equal(beneficiary.address);
      expect(s.start).to.equal(timing.start);
      expect(s.cliff).to.equal(timing.start + CLIFF_DURATION);
      expect(s.end).to.equal(timing.start + DURATION);
      expect(s.revocable).to.equal(true);
      expect(s.revoked).to.equal(false);
      expect(s.total).to.equal(TOTAL);
      expect(s.released).to.equal(0n);
      expect(await position.beneficiary()).to.equal(beneficiary.address);
      expect(await position.pendingBeneficiary()).to.equal(ethers.ZeroAddress);
      expect(await position.token()).to.equal(await token.getAddress());
      expect(await position.factory()).to.equal(await factory.getAddress());
      expect(await token.balanceOf(await position.getAddress())).to.equal(TOTAL);
    });
  });

  describe("vesting schedule", function () {
    it("vests nothing before the cliff", async function () {
      const { position, timing } = await loadFixture(deployVestingFixture);
      expect(await position.vestedAmount(0)).to.equal(0n);
      expect(await position.vestedAmount(timing.start - 1)).to.equal(0n);
      expect(await position.vestedAmount(timing.start)).to.equal(0n);
      expect(await position.vestedAmount(timing.start + 1)).to.equal(0n);
      expect(await position.vestedAmount(timing.cliff - 1)).to.equal(0n);
    });

    it("vests total * (cliff - start) / (end - start) exactly at the cliff", async function () {
      const { position, timing } = await loadFixture(deployVestingFixture);
      const expected = (TOTAL * BigInt(timing.cliff - timing.start)) / BigInt(timing.end - timing.start);
      expect(expected).to.equal(VESTED_AT_CLIFF);
      expect(await position.vestedAmount(timing.cliff)).to.equal(VESTED_AT_CLIFF);
    });

    it("vests linearly from the start between the cliff and the end", async function () {
      const { position, timing } = await loadFixture(deployVestingFixture);
      expect(await position.vestedAmount(timing.start + months(18))).to.equal(VESTED_AT_HALF);
      for (const t of [timing.cliff + 1, timing.cliff + 12_345, timing.start + months(30) + 7, timing.end - 1]) {
        const elapsed = BigInt(t - timing.start);
        expect(await position.vestedAmount(t)).to.equal((TOTAL * elapsed) / BigInt(DURATION));
      }
      expect(await position.vestedAmount(timing.end - 1)).to.be.lessThan(TOTAL);
    });

    it("vests the whole total exactly at the end and at any time after it", async function () {
      const { position, timing } = await loadFixture(deployVestingFixture);
      expect(await position.vestedAmount(timing.end)).to.equal(TOTAL);
      expect(await position.vestedAmount(timing.end + 1)).to.equal(TOTAL);
      expect(await position.vestedAmount(timing.end + 10 * YEAR)).to.equal(TOTAL);
      expect(await position.vestedAmount(UINT48_MAX)).to.equal(TOTAL);
    });

    it("reports locked() as total minus vested and releasable() as vested minus released at the current block", async function () {
      const { position, timing } = await loadFixture(deployVestingFixture);
      await time.increaseTo(timing.cliff - 1);
      expect(await position.locked()).to.equal(TOTAL);
      expect(await position.releasable()).to.equal(0n);

      const t = timing.cliff + days(10) + 17;
      await time.increaseTo(t);
      const vested = vestedAt(timing, t);
      expect(await position.locked()).to.equal(TOTAL - vested);
      expect(await position.releasable()).to.equal(vested);

      await releaseAt(position, t + 1);
      expect(await position.locked()).to.equal(TOTAL - vestedAt(timing, t + 1));
      expect(await position.releasable()).to.equal(0n);

      await time.increaseTo(timing.end);
      expect(await position.locked()).to.equal(0n);
      expect(await position.releasable()).to.equal(TOTAL - vestedAt(timing, t + 1));
    });

    it("unlocks everything at the start when duration and cliff are zero", async function () {
      const { factory, deployer, beneficiary, token } = await loadFixture(deployVestingFixture);
      const start = (await time.latest()) + DAY;
      const position = await createPosition(factory, deployer, {
        beneficiary: beneficiary.address,
        start,
        cliffDuration: 0,
        duration: 0,
      });
      expect(await position.vestedAmount(start - 1)).to.equal(0n);
      expect(await position.vestedAmount(start)).to.equal(TOTAL);

      await time.setNextBlockTimestamp(start - 1);
      await expect(position.release()).to.be.revertedWithCustomError(position, "VestingNothingToRelease");
      await expect(releaseAt(position, start)).to.emit(position, "Released").withArgs(beneficiary.address, TOTAL);
      expect(await token.balanceOf(beneficiary.address)).to.equal(TOTAL);
    });
  });

  describe("release", function () {
    it("releases nothing before the cliff", async function () {
      const { position, token, beneficiary, timing } = await loadFixture(deployVestingFixture);
      const positionAddress = await position.getAddress();
      await time.setNextBlockTimestamp(timing.cliff - 1);
      await expect(position.release()).to.be.revertedWithCustomError(position, "VestingNothingToRelease");
      expect(await time.latest()).to.equal(timing.cliff - 1);
      expect(await token.balanceOf(beneficiary.address)).to.equal(0n);
      expect(await token.balanceOf(positionAddress)).to.equal(TOTAL);
      expect((await position.schedule()).released).to.equal(0n);
    });

    it("releases exactly the cliff amount at the cliff, emitting Released and moving exact balances", async function () {
      const { position, token, beneficiary, timing } = await loadFixture(deployVestingFixture);
      const positionAddress = await position.getAddress();
      await expect(releaseAt(position, timing.cliff))
        .to.emit(position, "Released")
        .withArgs(beneficiary.address, VESTED_AT_CLIFF);
      expect(await token.balanceOf(beneficiary.address)).to.equal(VESTED_AT_CLIFF);
      expect(await token.balanceOf(positionAddress)).to.equal(TOTAL - VESTED_AT_CLIFF);
      expect((await position.schedule()).released).to.equal(VESTED_AT_CLIFF);
    });

    it("accumulates successive releases that sum to the total", async function () {
      const { position, token, beneficiary, timing } = await loadFixture(deployVestingFixture);
      const positionAddress = await position.getAddress();
      let released = 0n;
      for (const t of [timing.cliff, timing.cliff + 1, timing.start + months(18), timing.end - 1, timing.end]) {
        const amount = vestedAt(timing, t) - released;
        expect(amount).to.be.greaterThan(0n);
        const beneficiaryBefore = await token.balanceOf(beneficiary.address);
        const positionBefore = await token.balanceOf(positionAddress);
        await expect(releaseAt(position, t)).to.emit(position, "Released").withArgs(beneficiary.address, amount);
        released += amount;
        expect(await token.balanceOf(beneficiary.address)).to.equal(beneficiaryBefore + amount);
        expect(await token.balanceOf(positionAddress)).to.equal(positionBefore - amount);
        expect((await position.schedule()).released).to.equal(released);
      }
      expect(released).to.equal(TOTAL);
      expect(await token.balanceOf(beneficiary.address)).to.equal(TOTAL);
      expect(await token.balanceOf(positionAddress)).to.equal(0n);

      await time.setNextBlockTimestamp(timing.end + YEAR);
      await expect(position.release()).to.be.revertedWithCustomError(position, "VestingNothingToRelease");
    });

    it("releases the whole total in one call after the end", async function () {
      const { position, token, beneficiary, timing } = await loadFixture(deployVestingFixture);
      await expect(releaseAt(position, timing.end + days(100)))
        .to.emit(position, "Released")
        .withArgs(beneficiary.address, TOTAL);
      expect(await token.balanceOf(beneficiary.address)).to.equal(TOTAL);
      expect(await token.balanceOf(await position.getAddress())).to.equal(0n);
    });

    it("lets anyone trigger a release but pays only the beneficiary", async function () {
      const { position, token, beneficiary, other, timing } = await loadFixture(deployVestingFixture);
      await time.setNextBlockTimestamp(timing.start + months(18));
      await expect(position.connect(other).release())
        .to.emit(position, "Released")
        .withArgs(beneficiary.address, VESTED_AT_HALF);
      expect(await token.balanceOf(beneficiary.address)).to.equal(VESTED_AT_HALF);
      expect(await token.balanceOf(other.address)).to.equal(0n);
    });

    it("records a release or a revocation before its transfer: a token re-entering release from that transfer gets nothing more than vested", async function () {
      const { deployer, treasury, beneficiary, timing } = await loadFixture(deployVestingFixture);
      const reentrant = await ethers.deployContract("ReentrantToken");
      const factory: VestingFactory = await ethers.deployContract("VestingFactory", [
        await reentrant.getAddress(),
        treasury.address,
        deployer.address,
      ]);
      await reentrant.mint(deployer.address, TOTAL);
      await reentrant.approve(await factory.getAddress(), TOTAL);
      const position = await createPosition(factory, deployer, {
        beneficiary: beneficiary.address,
        start: timing.start,
      });
      // the position holds the whole total: a second payout would find the tokens
      await reentrant.arm(await position.getAddress(), position.interface.encodeFunctionData("release"));
      await expect(releaseAt(position, timing.start + months(18)))
        .to.emit(position, "Released")
        .withArgs(beneficiary.address, VESTED_AT_HALF);
      await expectReentryRefused(reentrant, position, "VestingNothingToRelease", []);
      expect(await reentrant.balanceOf(beneficiary.address)).to.equal(VESTED_AT_HALF);
      expect(await reentrant.balanceOf(await position.getAddress())).to.equal(TOTAL - VESTED_AT_HALF);
      expect((await position.schedule()).released).to.equal(VESTED_AT_HALF);

      // a revocation at 27 of 36 months: re-entered from its transfer to the treasury, release pays what vested since
      const t = timing.start + months(27);
      const vested = vestedAt(timing, t);
      await reentrant.arm(await position.getAddress(), position.interface.encodeFunctionData("release"));
      await time.setNextBlockTimestamp(t);
      await expect(position.revoke())
        .to.emit(position, "Revoked")
        .withArgs(vested, TOTAL - vested, treasury.address)
        .and.to.emit(position, "Released")
        .withArgs(beneficiary.address, vested - VESTED_AT_HALF);
      expect(await reentrant.reentryFailed()).to.equal(false);
      expect(await reentrant.balanceOf(beneficiary.address)).to.equal(vested);
      expect(await reentrant.balanceOf(treasury.address)).to.equal(TOTAL - vested);
      expect(await reentrant.balanceOf(await position.getAddress())).to.equal(0n);
      await expect(position.release()).to.be.revertedWithCustomError(position, "VestingNothingToRelease");
    });

    it("never lets rounding release more than an odd total over a 7-second schedule with a cliff", async function () {
      const { withCliff, withCliffTiming, token, beneficiary } = await loadFixture(oddRoundingFixture);
      const s = withCliffTiming;
      // 1000000000000000001 * 3 / 7 = 428571428571428571.86
      expect(await withCliff.vestedAmount(s.cliff)).to.equal(428_571_428_571_428_571n);
      for (let t = s.start - 1; t <= s.end + 1; t++) {
        const vested = await withCliff.vestedAmount(t);
        expect(vested).to.equal(vestedAt(s, t));
        expect(vested).to.be.at.most(ODD_TOTAL);
      }
      const before = await token.balanceOf(beneficiary.address);
      let released = 0n;
      await time.setNextBlockTimestamp(s.cliff - 1);
      await expect(withCliff.release()).to.be.revertedWithCustomError(withCliff, "VestingNothingToRelease");
      for (let t = s.cliff; t <= s.end; t++) {
        const amount = vestedAt(s, t) - released;
        await expect(releaseAt(withCliff, t)).to.emit(withCliff, "Released").withArgs(beneficiary.address, amount);
        released += amount;
        expect((await withCliff.schedule()).released).to.equal(released);
        expect(released).to.be.at.most(ODD_TOTAL);
      }
      expect(released).to.equal(ODD_TOTAL);
      expect(await token.balanceOf(beneficiary.address)).to.equal(before + ODD_TOTAL);
      expect(await token.balanceOf(await withCliff.getAddress())).to.equal(0n);
      await expect(withCliff.release()).to.be.revertedWithCustomError(withCliff, "VestingNothingToRelease");
    });

    it("never lets rounding release more than an odd total when released every second without a cliff", async function () {
      const { noCliff, noCliffTiming, beneficiary } = await loadFixture(oddRoundingFixture);
      const s = noCliffTiming;
      // floor(total * 1 / 7) = 142857142857142857
      expect(await noCliff.vestedAmount(s.start + 1)).to.equal(142_857_142_857_142_857n);
      let released = 0n;
      for (let t = s.start + 1; t <= s.end; t++) {
        const amount = vestedAt(s, t) - released;
        await expect(releaseAt(noCliff, t)).to.emit(noCliff, "Released").withArgs(beneficiary.address, amount);
        released += amount;
        expect(released).to.be.at.most(ODD_TOTAL);
      }
      expect(released).to.equal(ODD_TOTAL);
      expect((await noCliff.schedule()).released).to.equal(ODD_TOTAL);
    });
  });

  describe("surplus and sweep", function () {
    it("never vests tokens sent after creation", async function () {
      const { position, token, beneficiary, timing } = await loadFixture(surplusFixture);
      const positionAddress = await position.getAddress();
      expect(await token.balanceOf(positionAddress)).to.equal(TOTAL + SURPLUS);
      expect(await position.vestedAmount(timing.end)).to.equal(TOTAL);
      await expect(releaseAt(position, timing.end)).to.emit(position, "Released").withArgs(beneficiary.address, TOTAL);
      expect(await token.balanceOf(beneficiary.address)).to.equal(TOTAL);
      expect(await token.balanceOf(positionAddress)).to.equal(SURPLUS);
      expect(await position.releasable()).to.equal(0n);
      await expect(position.release()).to.be.revertedWithCustomError(position, "VestingNothingToRelease");
    });

    it("never vests tokens sent to a predicted address before creation: they are surplus, swept only to the treasury", async function () {
      const { factory, token, deployer, treasury, beneficiary, timing } = await loadFixture(deployVestingFixture);
      const salt = nextSalt();
      const predicted = await factory.predictPositionAddress(deployer.address, salt);
      await token.transfer(predicted, SURPLUS);
      const position = await createPosition(factory, deployer, {
        beneficiary: beneficiary.address,
        start: timing.start,
        salt,
      });
      expect(await position.getAddress()).to.equal(predicted);
      expect(await token.balanceOf(predicted)).to.equal(TOTAL + SURPLUS);
      expect(await position.vestedAmount(timing.end)).to.equal(TOTAL);
      await expect(releaseAt(position, timing.end)).to.emit(position, "Released").withArgs(beneficiary.address, TOTAL);
      await expect(position.release()).to.be.revertedWithCustomError(position, "VestingNothingToRelease");
      await expect(position.connect(beneficiary).sweep(await token.getAddress()))
        .to.be.revertedWithCustomError(position, "VestingNotRevoker")
        .withArgs(beneficiary.address);
      await expect(position.sweep(await token.getAddress()))
        .to.emit(position, "SurplusSwept")
        .withArgs(await token.getAddress(), SURPLUS, treasury.address);
      expect(await token.balanceOf(beneficiary.address)).to.equal(TOTAL);
      expect(await token.balanceOf(treasury.address)).to.equal(SURPLUS);
    });

    it("sweeps only the surplus to the treasury, keeping what the schedule still owes", async function () {
      const { position, token, treasury, beneficiary, timing } = await loadFixture(surplusFixture);
      const positionAddress = await position.getAddress();
      const tokenAddress = await token.getAddress();
      expect(await position.sweep.staticCall(tokenAddress)).to.equal(SURPLUS);
      await expect(position.sweep(tokenAddress))
        .to.emit(position, "SurplusSwept")
        .withArgs(tokenAddress, SURPLUS, treasury.address);
      expect(await token.balanceOf(treasury.address)).to.equal(SURPLUS);
      expect(await token.balanceOf(positionAddress)).to.equal(TOTAL);

      await expect(releaseAt(position, timing.end)).to.emit(position, "Released").withArgs(beneficiary.address, TOTAL);
      expect(await token.balanceOf(positionAddress)).to.equal(0n);
    });

    it("sweeps only the surplus after a partial release", async function () {
      const { position, token, treasury, timing } = await loadFixture(surplusFixture);
      const positionAddress = await position.getAddress();
      const tokenAddress = await token.getAddress();
      await releaseAt(position, timing.cliff);
      await expect(position.sweep(tokenAddress))
        .to.emit(position, "SurplusSwept")
        .withArgs(tokenAddress, SURPLUS, treasury.address);
      expect(await token.balanceOf(treasury.address)).to.equal(SURPLUS);
      expect(await token.balanceOf(positionAddress)).to.equal(TOTAL - VESTED_AT_CLIFF);
    });

    it("reverts a sweep of the vesting token when there is no surplus", async function () {
      const { position, token } = await loadFixture(deployVestingFixture);
      const tokenAddress = await token.getAddress();
      await expect(position.sweep(tokenAddress))
        .to.be.revertedWithCustomError(position, "VestingNothingToSweep")
        .withArgs(tokenAddress);
    });

    it("reverts a second sweep once the surplus is gone", async function () {
      const { position, token } = await loadFixture(surplusFixture);
      const tokenAddress = await token.getAddress();
      await position.sweep(tokenAddress);
      await expect(position.sweep(tokenAddress))
        .to.be.revertedWithCustomError(position, "VestingNothingToSweep")
        .withArgs(tokenAddress);
    });

    it("sweeps all of another ERC20 the position holds", async function () {
      const { position, otherToken, treasury } = await loadFixture(surplusFixture);
      const otherAddress = await otherToken.getAddress();
      await expect(position.sweep(otherAddress))
        .to.emit(position, "SurplusSwept")
        .withArgs(otherAddress, OTHER_AMOUNT, treasury.address);
      expect(await otherToken.balanceOf(treasury.address)).to.equal(OTHER_AMOUNT);
      expect(await otherToken.balanceOf(await position.getAddress())).to.equal(0n);
      await expect(position.sweep(otherAddress))
        .to.be.revertedWithCustomError(position, "VestingNothingToSweep")
        .withArgs(otherAddress);
    });

    it("refuses a sweep by anyone but the revoker", async function () {
      const { position, token, otherToken, other, beneficiary, treasury } = await loadFixture(surplusFixture);
      for (const caller of [other, beneficiary, treasury]) {
        await expect(position.connect(caller).sweep(await token.getAddress()))
          .to.be.revertedWithCustomError(position, "VestingNotRevoker")
          .withArgs(caller.address);
        await expect(position.connect(caller).sweep(await otherToken.getAddress()))
          .to.be.revertedWithCustomError(position, "VestingNotRevoker")
          .withArgs(caller.address);
      }
    });

    it("sweeps only the surplus after a revocation", async function () {
      const { position, token, treasury, timing } = await loadFixture(surplusFixture);
      const positionAddress = await position.getAddress();
      const tokenAddress = await token.getAddress();
      const t = timing.start + months(18);
      await time.setNextBlockTimestamp(t);
      await position.revoke();
      expect(await token.balanceOf(treasury.address)).to.equal(TOTAL - VESTED_AT_HALF);
      await expect(position.sweep(tokenAddress))
        .to.emit(position, "SurplusSwept")
        .withArgs(tokenAddress, SURPLUS, treasury.address);
      expect(await token.balanceOf(treasury.address)).to.equal(TOTAL - VESTED_AT_HALF + SURPLUS);
      expect(await token.balanceOf(positionAddress)).to.equal(VESTED_AT_HALF);
    });
  });

  describe("revoke", function () {
    it("before the cliff sends everything to the treasury and leaves nothing to release", async function () {
      const { position, token, treasury, timing } = await loadFixture(deployVestingFixture);
      const positionAddress = await position.getAddress();
      await time.setNextBlockTimestamp(timing.cliff - 1);
      await expect(position.revoke()).to.emit(position, "Revoked").withArgs(0n, TOTAL, treasury.address);
      expect(await token.balanceOf(treasury.address)).to.equal(TOTAL);
      expect(await token.balanceOf(positionAddress)).to.equal(0n);
      const s = await position.schedule();
      expect(s.total).to.equal(0n);
      expect(s.revoked).to.equal(true);
      expect(s.released).to.equal(0n);
      for (const t of [0, timing.cliff, timing.end, UINT48_MAX]) expect(await position.vestedAmount(t)).to.equal(0n);
      expect(await position.locked()).to.equal(0n);
      await time.setNextBlockTimestamp(timing.end + 1);
      await expect(position.release()).to.be.revertedWithCustomError(position, "VestingNothingToRelease");
    });

    it("mid-vesting keeps the exact vested amount releasable and sends the exact unvested amount to the treasury", async function () {
      const { position, token, treasury, beneficiary, timing } = await loadFixture(deployVestingFixture);
      const positionAddress = await position.getAddress();
      const t = timing.start + months(18) + 12_345;
      const vested = (TOTAL * BigInt(t - timing.start)) / BigInt(DURATION);
      const unvested = TOTAL - vested;
      await time.setNextBlockTimestamp(t);
      await expect(position.revoke()).to.emit(position, "Revoked").withArgs(vested, unvested, treasury.address);
      expect(await token.balanceOf(treasury.address)).to.equal(unvested);
      expect(await token.balanceOf(positionAddress)).to.equal(vested);
      const s = await position.schedule();
      expect(s.total).to.equal(vested);
      expect(s.revoked).to.equal(true);
      for (const at of [0, timing.start, t, timing.end, timing.end + 10 * YEAR]) {
        expect(await position.vestedAmount(at)).to.equal(vested);
      }
      expect(await position.releasable()).to.equal(vested);
      expect(await position.locked()).to.equal(0n);

      await expect(releaseAt(position, timing.end + DAY))
        .to.emit(position, "Released")
        .withArgs(beneficiary.address, vested);
      expect(await token.balanceOf(beneficiary.address)).to.equal(vested);
      expect(await token.balanceOf(positionAddress)).to.equal(0n);
      await expect(position.release()).to.be.revertedWithCustomError(position, "VestingNothingToRelease");
    });

    it("after a partial release keeps only the vested, unreleased part", async function () {
      const { position, token, treasury, beneficiary, timing } = await loadFixture(deployVestingFixture);
      const positionAddress = await position.getAddress();
      await releaseAt(position, timing.cliff);
      const t = timing.start + months(18);
      await time.setNextBlockTimestamp(t);
      await expect(position.revoke())
        .to.emit(position, "Revoked")
        .withArgs(VESTED_AT_HALF, TOTAL - VESTED_AT_HALF, treasury.address);
      expect(await token.balanceOf(positionAddress)).to.equal(VESTED_AT_HALF - VESTED_AT_CLIFF);
      expect((await position.schedule()).released).to.equal(VESTED_AT_CLIFF);
      await expect(position.release())
        .to.emit(position, "Released")
        .withArgs(beneficiary.address, VESTED_AT_HALF - VESTED_AT_CLIFF);
      expect(await token.balanceOf(beneficiary.address)).to.equal(VESTED_AT_HALF);
      expect(await token.balanceOf(positionAddress)).to.equal(0n);
    });

    it("after the end keeps the whole total and sends nothing to the treasury", async function () {
      const { position, token, treasury, beneficiary, timing } = await loadFixture(deployVestingFixture);
      await time.setNextBlockTimestamp(timing.end + 1);
      await expect(position.revoke()).to.emit(position, "Revoked").withArgs(TOTAL, 0n, treasury.address);
      expect(await token.balanceOf(treasury.address)).to.equal(0n);
      const s = await position.schedule();
      expect(s.total).to.equal(TOTAL);
      expect(s.revoked).to.equal(true);
      await expect(position.release()).to.emit(position, "Released").withArgs(beneficiary.address, TOTAL);
    });

    it("reverts on an irrevocable position", async function () {
      const { irrevocable, timing } = await loadFixture(irrevocableFixture);
      expect((await irrevocable.schedule()).revocable).to.equal(false);
      await time.setNextBlockTimestamp(timing.cliff);
      await expect(irrevocable.revoke()).to.be.revertedWithCustomError(irrevocable, "VestingNotRevocable");
    });

    it("reverts when the position was already revoked", async function () {
      const { position, timing } = await loadFixture(deployVestingFixture);
      await time.setNextBlockTimestamp(timing.cliff);
      await position.revoke();
      await expect(position.revoke()).to.be.revertedWithCustomError(position, "VestingNotRevocable");
    });

    it("refuses a revocation by anyone but the factory owner", async function () {
      const { position, other, beneficiary, treasury } = await loadFixture(deployVestingFixture);
      for (const caller of [other, beneficiary, treasury]) {
        await expect(position.connect(caller).revoke())
          .to.be.revertedWithCustomError(position, "VestingNotRevoker")
          .withArgs(caller.address);
      }
    });

    it("follows the factory's ownership: the new owner is the revoker", async function () {
      const { position, factory, deployer, newOwner, treasury, token, timing } = await loadFixture(surplusFixture);
      await factory.transferOwnership(newOwner.address);
      await expect(position.connect(deployer).revoke())
        .to.be.revertedWithCustomError(position, "VestingNotRevoker")
        .withArgs(deployer.address);
      await expect(position.connect(deployer).sweep(await token.getAddress()))
        .to.be.revertedWithCustomError(position, "VestingNotRevoker")
        .withArgs(deployer.address);
      await time.setNextBlockTimestamp(timing.start + months(18));
      await expect(position.connect(newOwner).revoke())
        .to.emit(position, "Revoked")
        .withArgs(VESTED_AT_HALF, TOTAL - VESTED_AT_HALF, treasury.address);
      await expect(position.connect(newOwner).sweep(await token.getAddress()))
        .to.emit(position, "SurplusSwept")
        .withArgs(await token.getAddress(), SURPLUS, treasury.address);
    });

    it("sends revoked and swept tokens to the factory's current treasury", async function () {
      const { position, factory, token, otherToken, treasury, newTreasury, timing } = await loadFixture(surplusFixture);
      await factory.setTreasury(newTreasury.address);
      const t = timing.start + months(18);
      await time.setNextBlockTimestamp(t);
      await expect(position.revoke())
        .to.emit(position, "Revoked")
        .withArgs(VESTED_AT_HALF, TOTAL - VESTED_AT_HALF, newTreasury.address);
      await expect(position.sweep(await otherToken.getAddress()))
        .to.emit(position, "SurplusSwept")
        .withArgs(await otherToken.getAddress(), OTHER_AMOUNT, newTreasury.address);
      expect(await token.balanceOf(newTreasury.address)).to.equal(TOTAL - VESTED_AT_HALF);
      expect(await otherToken.balanceOf(newTreasury.address)).to.equal(OTHER_AMOUNT);
      expect(await token.balanceOf(treasury.address)).to.equal(0n);
      expect(await otherToken.balanceOf(treasury.address)).to.equal(0n);
    });
  });

  describe("initialize", function () {
    it("refuses anyone but the factory on a created position", async function () {
      const { position, other, deployer, beneficiary, timing } = await loadFixture(deployVestingFixture);
      for (const caller of [other, deployer, beneficiary]) {
        await expect(
          position
            .connect(caller)
            .initialize(caller.address, timing.start, timing.start, timing.start, 1n, true, caller.address),
        )
          .to.be.revertedWithCustomError(position, "VestingNotFactory")
          .withArgs(caller.address);
      }
      expect(await position.beneficiary()).to.equal(beneficiary.address);
    });

    it("refuses anyone but the factory on the implementation", async function () {
      const { factory, token, other, deployer } = await loadFixture(deployVestingFixture);
      const implementation = await ethers.getContractAt("VestingPosition", await factory.implementation());
      expect(await implementation.factory()).to.equal(await factory.getAddress());
      expect(await implementation.token()).to.equal(await token.getAddress());
      expect(await implementation.beneficiary()).to.equal(ethers.ZeroAddress);
      for (const caller of [other, deployer]) {
        await expect(implementation.connect(caller).initialize(caller.address, 1, 1, 1, 1n, true, ethers.ZeroAddress))
          .to.be.revertedWithCustomError(implementation, "VestingNotFactory")
          .withArgs(caller.address);
      }
    });
  });

  describe("delegation", function () {
    it("leaves the locked balance undelegated when created without a delegatee", async function () {
      const { position, token, beneficiary } = await loadFixture(deployVestingFixture);
      expect(await token.delegates(await position.getAddress())).to.equal(ethers.ZeroAddress);
      expect(await token.getVotes(beneficiary.address)).to.equal(0n);
    });

    it("lets the beneficiary delegate the votes of the locked balance", async function () {
      const { position, token, beneficiary, delegatee } = await loadFixture(deployVestingFixture);
      const positionAddress = await position.getAddress();
      await expect(position.connect(beneficiary).delegate(delegatee.address))
        .to.emit(token, "DelegateChanged")
        .withArgs(positionAddress, ethers.ZeroAddress, delegatee.address)
        .and.to.emit(token, "DelegateVotesChanged")
        .withArgs(delegatee.address, 0n, TOTAL);
      expect(await token.delegates(positionAddress)).to.equal(delegatee.address);
      expect(await token.getVotes(delegatee.address)).to.equal(TOTAL);
    });

    it("refuses delegation by anyone but the beneficiary", async function () {
      const { position, other, deployer } = await loadFixture(deployVestingFixture);
      for (const caller of [other, deployer]) {
        await expect(position.connect(caller).delegate(caller.address))
          .to.be.revertedWithCustomError(position, "VestingNotBeneficiary")
          .withArgs(caller.address);
      }
    });

    it("reduces the delegate's votes by what is released", async function () {
      const { position, token, beneficiary, delegatee, timing } = await loadFixture(deployVestingFixture);
      await position.connect(beneficiary).delegate(delegatee.address);
      await releaseAt(position, timing.cliff);
      expect(await token.getVotes(delegatee.address)).to.equal(TOTAL - VESTED_AT_CLIFF);
      expect(await token.getVotes(beneficiary.address)).to.equal(0n);
      await releaseAt(position, timing.end);
      expect(await token.getVotes(delegatee.address)).to.equal(0n);
    });

    it("moves the votes when the beneficiary re-delegates", async function () {
      const { position, token, beneficiary, delegatee, other } = await loadFixture(deployVestingFixture);
      await position.connect(beneficiary).delegate(delegatee.address);
      await position.connect(beneficiary).delegate(other.address);
      expect(await token.getVotes(delegatee.address)).to.equal(0n);
      expect(await token.getVotes(other.address)).to.equal(TOTAL);
    });
  });

  describe("beneficiary transfer", function () {
    it("refuses a transfer started by anyone but the beneficiary", async function () {
      const { position, other, newBeneficiary } = await loadFixture(deployVestingFixture);
      await expect(position.connect(other).transferBeneficiary(newBeneficiary.address))
        .to.be.revertedWithCustomError(position, "VestingNotBeneficiary")
        .withArgs(other.address);
    });

    it("starts a transfer without changing the beneficiary", async function () {
      const { position, beneficiary, newBeneficiary } = await loadFixture(deployVestingFixture);
      await expect(position.connect(beneficiary).transferBeneficiary(newBeneficiary.address))
        .to.emit(position, "BeneficiaryTransferStarted")
        .withArgs(beneficiary.address, newBeneficiary.address);
      expect(await position.pendingBeneficiary()).to.equal(newBeneficiary.address);
      expect(await position.beneficiary()).to.equal(beneficiary.address);
    });

    it("refuses acceptance by anyone but the pending beneficiary", async function () {
      const { position, beneficiary, newBeneficiary, other } = await loadFixture(deployVestingFixture);
      await expect(position.connect(newBeneficiary).acceptBeneficiary())
        .to.be.revertedWithCustomError(position, "VestingNotPendingBeneficiary")
        .withArgs(newBeneficiary.address);
      await position.connect(beneficiary).transferBeneficiary(newBeneficiary.address);
      for (const caller of [other, beneficiary]) {
        await expect(position.connect(caller).acceptBeneficiary())
          .to.be.revertedWithCustomError(position, "VestingNotPendingBeneficiary")
          .withArgs(caller.address);
      }
    });

    it("completes on acceptance and pays later releases to the new beneficiary", async function () {
      const { position, token, beneficiary, newBeneficiary, delegatee, timing } =
        await loadFixture(deployVestingFixture);
      await position.connect(beneficiary).transferBeneficiary(newBeneficiary.address);
      await expect(position.connect(newBeneficiary).acceptBeneficiary())
        .to.emit(position, "BeneficiaryTransferred")
        .withArgs(beneficiary.address, newBeneficiary.address);
      expect(await position.beneficiary()).to.equal(newBeneficiary.address);
      expect((await position.schedule()).beneficiary).to.equal(newBeneficiary.address);
      expect(await position.pendingBeneficiary()).to.equal(ethers.ZeroAddress);

      await expect(releaseAt(position, timing.cliff))
        .to.emit(position, "Released")
        .withArgs(newBeneficiary.address, VESTED_AT_CLIFF);
      expect(await token.balanceOf(newBeneficiary.address)).to.equal(VESTED_AT_CLIFF);
      expect(await token.balanceOf(beneficiary.address)).to.equal(0n);

      await expect(position.connect(beneficiary).transferBeneficiary(beneficiary.address))
        .to.be.revertedWithCustomError(position, "VestingNotBeneficiary")
        .withArgs(beneficiary.address);
      await expect(position.connect(beneficiary).delegate(beneficiary.address))
        .to.be.revertedWithCustomError(position, "VestingNotBeneficiary")
        .withArgs(beneficiary.address);
      await position.connect(newBeneficiary).delegate(delegatee.address);
      expect(await token.getVotes(delegatee.address)).to.equal(TOTAL - VESTED_AT_CLIFF);
      await expect(position.connect(newBeneficiary).acceptBeneficiary())
        .to.be.revertedWithCustomError(position, "VestingNotPendingBeneficiary")
        .withArgs(newBeneficiary.address);
    });

    it("cancels a pending transfer when transferring to the zero address", async function () {
      const { position, beneficiary, newBeneficiary } = await loadFixture(deployVestingFixture);
      await position.connect(beneficiary).transferBeneficiary(newBeneficiary.address);
      await expect(position.connect(beneficiary).transferBeneficiary(ethers.ZeroAddress))
        .to.emit(position, "BeneficiaryTransferStarted")
        .withArgs(beneficiary.address, ethers.ZeroAddress);
      expect(await position.pendingBeneficiary()).to.equal(ethers.ZeroAddress);
      await expect(position.connect(newBeneficiary).acceptBeneficiary())
        .to.be.revertedWithCustomError(position, "VestingNotPendingBeneficiary")
        .withArgs(newBeneficiary.address);
      expect(await position.beneficiary()).to.equal(beneficiary.address);
    });
  });
});
