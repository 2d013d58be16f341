// Re-entrancy attempts through the test-only ReentrantToken (contracts/mocks/MockERC20.sol): once armed, its next
// transfer or transferFrom calls back into a target and records how that call ended.
import { expect } from "chai";
import type { Interface } from "ethers";
import type { ReentrantToken } from "../../typechain-types";

/** The armed token's call back into `target` failed with the custom error `error` (and its arguments `args`, if given). */
export async function expectReentryRefused(
  reentrant: ReentrantToken,
  target: { interface: Interface },
  error: string,
  args?: unknown[],
) {
  expect(await reentrant.reentryFailed()).to.equal(true);
  const parsed = target.interface.parseError(await reentrant.reentryError());
  expect(parsed?.name).to.equal(error);
  if (args !== undefined) expect(parsed!.args.toArray()).to.deep.equal(args);
}
