// tasks/lib/cli.ts: what every task shares. The one-line failures on the command line are run as a subprocess in
// deploy.test.ts ("from the command line"); here, the line itself.
import { expect } from "chai";
import { HardhatPluginError } from "hardhat/plugins";
import { failureLine, PLUGIN } from "../../tasks/lib/cli";

describe("task failures (tasks/lib/cli.ts)", function () {
  it("prints a task's refusal as Hardhat does, and another plugin's with the lines that say why", function () {
    expect(failureLine(new HardhatPluginError(PLUGIN, "--amount must be positive"))).to.equal(
      "Error in plugin alt-protocol: --amount must be positive",
    );
    const ignition = "The deployment wasn't run because of the following reconciliation errors:\n\n  * A: changed";
    expect(failureLine(new HardhatPluginError("hardhat-ignition", ignition))).to.equal(
      `Error in plugin hardhat-ignition: ${ignition}`,
    );
  });

  it("prints an unexpected error (no raw ENOENT trace) as one line with the hint for its trace", function () {
    const error = new Error("ENOENT: no such file or directory, open 'missing/attestation.json'\n    at open (fs)");
    expect(failureLine(error)).to.equal(
      "Error: ENOENT: no such file or directory, open 'missing/attestation.json' (run with --show-stack-traces for the trace)",
    );
    expect(failureLine("a thrown string")).to.equal(
      "Error: a thrown string (run with --show-stack-traces for the trace)",
    );
  });
});
