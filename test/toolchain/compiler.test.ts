import { expect } from "chai";
import hre from "hardhat";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import { readdirSync, readFileSync } from "fs";
import path from "path";
import { SOLC_VERSION } from "../../hardhat.config";
import { coverageRunning } from "../helpers/coverage";

describe("Toolchain", function () {
  it("compiles with the solc-js build of the pinned npm solc package, not a downloaded compiler", async function () {
    const pinned = JSON.parse(readFileSync("package.json", "utf8")).devDependencies.solc;
    expect(pinned).to.equal(SOLC_VERSION);
    const build = await hre.run(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, { quiet: true, solcVersion: SOLC_VERSION });
    expect(build.isSolcJs).to.equal(true);
    expect(build.compilerPath).to.equal(require.resolve("solc/soljson.js"));
    expect(build.longVersion).to.equal(require("solc").version());
  });

  it("refuses any other compiler version instead of downloading it", async function () {
    await expect(
      hre.run(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, { quiet: true, solcVersion: "0.8.20" }),
    ).to.be.rejectedWith("only solc 0.8.28 (npm package) is available, not 0.8.20");
  });

  it("built every artifact with that compiler and the pinned EVM version", async function () {
    if (coverageRunning()) this.skip(); // compiling here would replace the instrumented artifacts
    await hre.run("compile", { quiet: true });
    const dir = hre.config.paths.artifacts + "/build-info";
    const infos = readdirSync(dir).map((f) => JSON.parse(readFileSync(path.join(dir, f), "utf8")));
    expect(infos.length).to.be.greaterThan(0);
    for (const info of infos) {
      expect(info.solcLongVersion).to.equal(require("solc").version());
      expect(info.input.settings.evmVersion).to.equal("cancun");
    }
  });
});
