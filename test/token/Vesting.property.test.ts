import { expect } from "chai";
import { ethers } from "hardhat";
import fc from "fast-check";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { VestingFactory, VestingPosition } from "../../typechain-types";
import { YEAR, days } from "../helpers/time";
import { deployTokenAndFactory, type Timing, vestedAt } from "../helpers/vesting";

const MAX_TOTAL = 10n ** 27n;
const MAX_DURATION = 10 * YEAR;
const UINT48_MAX = 2 ** 48 - 1;
/** Fraction resolution for times picked inside a schedule. */
const PPM = 1_000_000;

interface Shape {
  total: bigint;
  cliffDuration: number;
  duration: number;
  /** Seconds from the creation block to the start. */
  startDelay: number;
}

const durationsArb: fc.Arbitrary<{ cliffDuration: number; duration: number }> = fc.oneof(
  // unlocked at start
  fc.constant({ cliffDuration: 0, duration: 0 }),
  // short schedules, where rounding matters most
  fc
    .tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 }))
    .map(([a, b]) => ({ cliffDuration: Math.min(a, b), duration: Math.max(a, b) })),
  // anything up to ten years
  fc
    .tuple(fc.integer({ min: 0, max: MAX_DURATION }), fc.integer({ min: 0, max: MAX_DURATION }))
    .map(([a, b]) => ({ cliffDuration: Math.min(a, b), duration: Math.max(a, b) })),
  // no cliff
  fc.integer({ min: 0, max: MAX_DURATION }).map((duration) => ({ cliffDuration: 0, duration })),
);

const shapeArb: fc.Arbitrary<Shape> = fc
  .record({
    total: fc.oneof(
      fc.bigInt({ min: 1n, max: MAX_TOTAL }),
      fc.bigInt({ min: 1n, max: 1000n }),
      fc.constantFrom(1n, 1_000_000_000_000_000_001n, MAX_TOTAL, MAX_TOTAL - 1n),
    ),
    durations: durationsArb,
    startDelay: fc.integer({ min: 100, max: days(30) }),
  })
  .map(({ total, durations, startDelay }) => ({ total, ...durations, startDelay }));

/** A point in time relative to a schedule: an anchor plus a few seconds, or a fraction of the way through it. */
type TimePoint = { anchor: "start" | "cliff" | "end"; delta: number } | { fraction: number };

const timePointArb: fc.Arbitrary<TimePoint> = fc.oneof(
  fc.record({
    anchor: fc.constantFrom("start" as const, "cliff" as const, "end" as const),
    delta: fc.integer({ min: -2, max: 2 }),
  }),
  fc.record({ fraction: fc.integer({ min: 0, max: PPM }) }),
);

/** Resolves to an absolute time in [start - 10, end + 10 + duration / 10]. */
function resolve(point: TimePoint, s: Timing): number {
  if ("anchor" in point)
    return (point.anchor === "start" ? s.start : point.anchor === "cliff" ? s.cliff : s.end) + point.delta;
  const span = s.end - s.start + 20 + Math.floor((s.end - s.start) / 10);
  return s.start - 10 + Math.floor((span * point.fraction) / PPM);
}

describe("Vesting properties", function () {
  async function deployPropertyFixture() {
    const [deployer, treasury, beneficiary] = await ethers.getSigners();
    const { token, factory } = await deployTokenAndFactory(deployer, treasury);
    await token.approve(await factory.getAddress(), ethers.MaxUint256);
    return { token, factory, deployer, treasury, beneficiary };
  }

  /** Creates a position of the given shape, starting `startDelay` seconds after the latest block. */
  async function createPosition(
    factory: VestingFactory,
    beneficiary: string,
    shape: Shape,
  ): Promise<{ position: VestingPosition; timing: Timing }> {
    const [deployer] = await ethers.getSigners();
    const start = (await time.latest()) + shape.startDelay;
    const salt = ethers.id("property");
    const address = await factory.predictPositionAddress(deployer.address, salt);
    await factory.createPositions([
      {
        beneficiary,
        start,
        cliffDuration: shape.cliffDuration,
        duration: shape.duration,
        amount: shape.total,
        revocable: true,
        delegatee: ethers.ZeroAddress,
        salt,
      },
    ]);
    const position = await ethers.getContractAt("VestingPosition", address);
    return {
      position,
      timing: { start, cliff: start + shape.cliffDuration, end: start + shape.duration, total: shape.total },
    };
  }

  it("keeps released + locked == total, vested monotonic and the beneficiary's balance == released over any release sequence", async function () {
    await fc.assert(
      fc.asyncProperty(
        shapeArb,
        fc.array(timePointArb, { minLength: 1, maxLength: 8 }),
        fc.option(fc.nat({ max: 7 }), { nil: undefined }),
        async (shape, points, revokeStep) => {
          const { token, factory, treasury, beneficiary } = await loadFixture(deployPropertyFixture);
          const { position, timing } = await createPosition(factory, beneficiary.address, shape);
          const positionAddress = await position.getAddress();
          const created = await time.latest();
          const times = [...new Set(points.map((p) => resolve(p, timing)))]
            .filter((t) => t > created)
            .sort((a, b) => a - b);

          let total = shape.total;
          let released = 0n;
          let revoked = false;
          let previousVested = 0n;
          for (const [i, t] of times.entries()) {
            await time.setNextBlockTimestamp(t);
            if (i === revokeStep) {
              const vested = vestedAt(timing, t);
              const treasuryBefore = await token.balanceOf(treasury.address);
              await expect(position.revoke())
                .to.emit(position, "Revoked")
                .withArgs(vested, total - vested, treasury.address);
              expect(await token.balanceOf(treasury.address)).to.equal(treasuryBefore + total - vested);
              total = vested;
              revoked = true;
            } else {
              const vestedNow = revoked ? total : vestedAt(timing, t);
              const amount = vestedNow - released;
              if (amount > 0n) {
                await expect(position.release()).to.emit(position, "Released").withArgs(beneficiary.address, amount);
                released += amount;
              } else {
                await expect(position.release()).to.be.revertedWithCustomError(position, "VestingNothingToRelease");
              }
            }
            expect(await time.latest()).to.equal(t);

            const vested = await position.vestedAmount(t);
            expect(vested).to.equal(revoked ? total : vestedAt(timing, t));
            expect(vested).to.be.at.least(previousVested);
            previousVested = vested;
            const s = await position.schedule();
            expect(s.total).to.equal(total);
            expect(s.released).to.equal(released);
            expect(s.revoked).to.equal(revoked);
            expect(released).to.be.at.most(total);
            expect(await token.balanceOf(beneficiary.address)).to.equal(released);
            expect(await token.balanceOf(positionAddress)).to.equal(total - released);
            const locked = await position.locked();
            const releasable = await position.releasable();
            expect(released + releasable + locked).to.equal(total);
            if (!revoked) {
              expect(releasable).to.equal(0n);
              expect(released + locked).to.equal(total);
            } else {
              expect(locked).to.equal(0n);
            }
          }

          // whatever happened, a release after the end pays out the rest, and nothing more
          const last = Math.max(timing.end, times.length ? times[times.length - 1] : created) + 1;
          await time.setNextBlockTimestamp(last);
          if (released < total) {
            await expect(position.release())
              .to.emit(position, "Released")
              .withArgs(beneficiary.address, total - released);
          } else {
            await expect(position.release()).to.be.revertedWithCustomError(position, "VestingNothingToRelease");
          }
          expect(await token.balanceOf(beneficiary.address)).to.equal(total);
          expect(await token.balanceOf(positionAddress)).to.equal(0n);
          expect((await position.schedule()).released).to.equal(total);
          expect(await position.locked()).to.equal(0n);
          if (revoked) {
            expect(total + (await token.balanceOf(treasury.address))).to.equal(shape.total);
          } else {
            expect(total).to.equal(shape.total);
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  it("never vests more than the total, and vests exactly the independent formula at any time", async function () {
    await fc.assert(
      fc.asyncProperty(
        shapeArb,
        fc.array(fc.oneof(timePointArb, fc.integer({ min: 0, max: UINT48_MAX })), { minLength: 1, maxLength: 12 }),
        async (shape, points) => {
          const { factory, beneficiary } = await loadFixture(deployPropertyFixture);
          const { position, timing } = await createPosition(factory, beneficiary.address, shape);
          const times = [
            0,
            timing.start - 1,
            timing.start,
            timing.cliff - 1,
            timing.cliff,
            timing.end - 1,
            timing.end,
            UINT48_MAX,
            ...points.map((p) => (typeof p === "number" ? p : Math.max(0, resolve(p, timing)))),
          ].sort((a, b) => a - b);
          let previous = 0n;
          for (const t of times) {
            const vested = await position.vestedAmount(t);
            expect(vested).to.equal(vestedAt(timing, t));
            expect(vested).to.be.at.most(shape.total);
            expect(vested).to.be.at.least(previous);
            previous = vested;
          }
          expect(await position.vestedAmount(timing.end)).to.equal(shape.total);
          expect(await position.vestedAmount(UINT48_MAX)).to.equal(shape.total);
          if (timing.cliff > 0) expect(await position.vestedAmount(timing.cliff - 1)).to.equal(0n);
        },
      ),
      { numRuns: 60 },
    );
  });
});
