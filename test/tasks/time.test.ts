import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { asJson, expectRefused, expectTaskFailure, isoTime, runTask, task } from "../helpers/tasks";

interface Advanced {
  block: number;
  timestamp: number;
  advanced: number;
  previous: { block: number; timestamp: number };
}

const DAY = 86_400;

describe("time tasks", function () {
  /** The latest block before a task moves time. */
  async function latestFixture() {
    const block = (await hre.ethers.provider.getBlock("latest"))!;
    return { block: block.number, timestamp: block.timestamp };
  }

  const latest = async () => (await hre.ethers.provider.getBlock("latest"))!;

  describe("time advance", function () {
    it("mines one block exactly --by a duration after the latest", async function () {
      const before = await loadFixture(latestFixture);
      const result = await task<Advanced>("time advance", { by: "7d", json: true });
      expect(result).to.deep.equal({
        block: before.block + 1,
        timestamp: before.timestamp + 7 * DAY,
        advanced: 7 * DAY,
        previous: before,
      });
      const block = await latest();
      expect([block.number, block.timestamp]).to.deep.equal([before.block + 1, before.timestamp + 7 * DAY]);
    });

    it("prints the new block and its time, and the previous block's relative to it", async function () {
      const before = await loadFixture(latestFixture);
      const { lines } = await runTask("time advance", { by: "2h", json: false });
      expect(lines).to.deep.equal([
        `block ${before.block + 1} at ${isoTime(before.timestamp + 7_200)}`,
        `  previous block ${before.block} at ${isoTime(before.timestamp)} (2h ago)`,
      ]);
    });

    it("mines one block at exactly the ISO 8601 time --to names", async function () {
      const before = await loadFixture(latestFixture);
      const target = before.timestamp + 30 * DAY + 3_661;
      const result = await task<Advanced>("time advance", { to: isoTime(target), json: true });
      expect(result).to.deep.equal({
        block: before.block + 1,
        timestamp: target,
        advanced: 30 * DAY + 3_661,
        previous: before,
      });
      expect((await latest()).timestamp).to.equal(target);
    });

    it("takes --to in unix seconds, and prints the same data as JSON", async function () {
      const before = await loadFixture(latestFixture);
      const target = before.timestamp + 90;
      const { result, lines } = await runTask<Advanced>("time advance", { to: String(target), json: true });
      expect(JSON.parse(lines.join("\n"))).to.deep.equal(asJson(result));
      expect(result.timestamp).to.equal(target);
      expect((await latest()).timestamp).to.equal(target);
    });

    it("refuses a --to that is not after the latest block, mining nothing", async function () {
      const before = await loadFixture(latestFixture);
      for (const to of [before.timestamp, before.timestamp - DAY]) {
        await expectRefused(
          "time advance",
          { to: String(to), json: true },
          `--to ${isoTime(to)} is not after the latest block ${before.block} at ${isoTime(before.timestamp)}: ` +
            "time only moves forward",
        );
      }
      expect((await latest()).timestamp).to.equal(before.timestamp);
    });

    it("refuses neither or both of --by and --to", async function () {
      await loadFixture(latestFixture);
      const message = "pass either --by <duration> or --to <time>";
      await expectRefused("time advance", { json: true }, message);
      await expectRefused("time advance", { by: "1d", to: "2100-01-01", json: true }, message);
    });

    it("refuses a zero or malformed --by and a malformed --to", async function () {
      await loadFixture(latestFixture);
      await expectRefused("time advance", { by: "0d", json: true }, "--by must be longer than 0s");
      await expectRefused(
        "time advance",
        { by: "a week", json: true },
        '--by: invalid duration "a week": use seconds or a number with s, m, h, d, w, mo or y',
      );
      for (const to of ["tomorrow", "2100-01-01T12:00", "-5"]) {
        await expectRefused(
          "time advance",
          { to, json: true },
          `--to must be an ISO 8601 time with its zone (2030-01-31T12:00:00Z), a date or unix seconds, not ${to}`,
        );
      }
    });

    it("refuses on a chain whose client is not Hardhat, sending nothing to it", async function () {
      const before = await loadFixture(latestFixture);
      const provider = hre.network.provider;
      const send = provider.send.bind(provider);
      const methods: string[] = [];
      // the chain as a Geth node answers: only the client version differs; every request is recorded
      provider.send = async (method: string, params?: unknown[]) => {
        methods.push(method);
        return method === "web3_clientVersion" ? "Geth/v1.14.12-stable/linux-amd64/go1.23.4" : send(method, params);
      };
      try {
        await expectTaskFailure(
          "time advance",
          { by: "7d", json: true },
          "time advance moves time only on a local Hardhat chain",
        );
      } finally {
        provider.send = send;
      }
      expect(methods).to.deep.equal(["web3_clientVersion"]);
      const block = await latest();
      expect([block.number, block.timestamp]).to.deep.equal([before.block, before.timestamp]);
    });
  });
});
