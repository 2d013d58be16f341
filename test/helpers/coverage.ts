import hre from "hardhat";

/**
 * Whether solidity-coverage is running the tests. It instruments the bytecode (gas figures mean nothing) and compiles
 * into the shared artifacts folder, so anything that recompiles (a `npx hardhat` subprocess, the compile task) would
 * swap the instrumented contracts out from under the tests that follow.
 */
export function coverageRunning(): boolean {
  return (hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING === true;
}
