import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { id, toBeHex } from "ethers";
import { recordInProcess, type AddressBook } from "../../tasks/lib/addressBook";
import { RESTAKING_KEYS } from "../../tasks/lib/restaking";
import type { OperatorInfo } from "../../tasks/operator";
import type { SlashAmount, SlashRequestView } from "../../tasks/slash";
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
  expectTx,
  isoTime,
  load,
  restakingTaskFixture,
  runTask,
  task,
  transaction,
} from "../helpers/tasks";

/** ALT the fixture gives each of hardhat accounts 10..15 (from the Launchpool, released whole at TGE). */
const FUNDED = TASK_FUNDED_ALT;
const VETO_WINDOW = days(2);
const REPORTER_BPS = 1_000n;
const BPS = 10_000n;
/** The keys of the MockService's two operator sets: `operator` backs the first, `other` the second. */
const SET_KEYS = [id("rollup-1"), id("rollup-2")];
/** A set id as slash list prints it: 0x and its first 10 hex digits. */

interface TxReport {
  hash: string;
  gasUsed: string;
  block: number;
}

interface VetoResult {
  id: number;
  operator: string;
  bps: bigint;
  vetoer: string;
  tx: TxReport;
}

interface ClaimResult {
  account: string;
  to: string;
  claims: { assetId: number; symbol: string; amount: bigint; tx: { hash: string; gasUsed: bigint; block: number } }[];
}

interface BurnResult {
  amount: bigint;
  tx: TxReport;
}

interface ExecuteResult {
  id: number;
  operator: string;
  bps: bigint;
  reporter: string;
  amounts: SlashAmount[];
  tx: TxReport;
}

describe("slash tasks", function () {
  /**
   * Two operators with stake (alice: 1,000 ALT and 100 stETH with `operator`; bob: 3,000 ALT with `other`), and a
   * MockService the owner registered as slasher (at most 10 % per offence, 1-day evidence) and as a service, with two
   * operator sets: `operator` allocates its whole stake to the first (`setId`), `other` to the second (`setId2`).
   */
  async function slasherFixture() {
    const f = await loadFixture(restakingTaskFixture);
    const { registry, manager, sets, token, deployer, operator, other, alice, bob } = f;
    await (await registry.connect(operator).registerOperator("ipfs://op", 500)).wait();
    await (await registry.connect(other).registerOperator("ipfs://other", 1000)).wait();
    const steth = (await (
      await hre.ethers.getContractFactory("MockERC20")
    ).deploy("Staked ETH", "stETH")) as unknown as MockERC20;
    await steth.waitForDeployment();
    await (await registry.connect(deployer).addAsset(await steth.getAddress(), ALT, 1_000_000n * ALT)).wait();
    await (await steth.mint(alice.address, 100n * ALT)).wait();
    const registryAddress = await registry.getAddress();
    await (await token.connect(alice).approve(registryAddress, 1_000n * ALT)).wait();
    await (await registry.connect(alice).stake(operator.address, 0, 1_000n * ALT)).wait();
    await (await steth.connect(alice).approve(registryAddress, 100n * ALT)).wait();
    await (await registry.connect(alice).stake(operator.address, 1, 100n * ALT)).wait();
    await (await token.connect(bob).approve(registryAddress, 3_000n * ALT)).wait();
    await (await registry.connect(bob).stake(other.address, 0, 3_000n * ALT)).wait();

    const service = (await (
      await hre.ethers.getContractFactory("MockService")
    ).deploy(await sets.getAddress(), await manager.getAddress())) as unknown as MockService;
    await service.waitForDeployment();
    await (await manager.connect(deployer).setSlasher(await service.getAddress(), 1_000, days(1))).wait();
    await (await sets.connect(deployer).setService(await service.getAddress(), true)).wait();
    for (const key of SET_KEYS) await (await service.createSet(key, 0, 256)).wait();
    const ids = await Promise.all(SET_KEYS.map((key) => sets.setIdOf(service, key)));
    for (const [i, member] of [operator, other].entries()) {
      await (await sets.connect(member).join(ids[i], await sets.freeStake(member.address))).wait();
    }
    return { ...f, steth, service, setId: ids[0], setId2: ids[1] };
  }

  /**
   * Request #0: 500 bps of `operator`'s allocation to `setId`, reporter carol; a minute later #1: 200 bps of `other`'s
   * allocation to `setId2`, reporter carol.
   */
  async function requestedFixture() {
    const f = await loadFixture(slasherFixture);
    const { service, operator, other, carol, setId, setId2 } = f;
    await (
      await service.requestSlash(
        operator.address,
        setId,
        500,
        id("double-sign"),
        id("evidence-0"),
        carol.address,
        await time.latest(),
      )
    ).wait();
    const requestedAt0 = await time.latest();
    await time.increase(60);
    await (
      await service.requestSlash(
        other.address,
        setId2,
        200,
        id("downtime"),
        id("evidence-1"),
        carol.address,
        await time.latest(),
      )
    ).wait();
    const requestedAt1 = await time.latest();
    return { ...f, requestedAt0, requestedAt1 };
  }

  describe("slash list", function () {
    it("lists every request with status, operator, set, bps, slasher, reason, reporter and times", async function () {
      const { service, operator, other, carol, setId, setId2, requestedAt0, requestedAt1 } =
        await load(requestedFixture);
      expect(setId).to.not.equal(setId2);
      const views = await task<SlashRequestView[]>("slash list", { json: true });
      const slasher = await service.getAddress();
      expect(views).to.deep.equal([
        {
          id: 0,
          status: "pending",
          operator: operator.address,
          setId,
          set: null,
          bps: 500n,
          slasher,
          reason: id("double-sign"),
          evidenceHash: id("evidence-0"),
          reporter: carol.address,
          requestedAt: requestedAt0,
          executableAt: requestedAt0 + VETO_WINDOW,
          executable: false,
        },
        {
          id: 1,
          status: "pending",
          operator: other.address,
          setId: setId2,
          set: null,
          bps: 200n,
          slasher,
          reason: id("downtime"),
          evidenceHash: id("evidence-1"),
          reporter: carol.address,
          requestedAt: requestedAt1,
          executableAt: requestedAt1 + VETO_WINDOW,
          executable: false,
        },
      ]);
    });

    it("shows vetoed and executed requests, and marks pending ones executable after the window", async function () {
      const { manager, council, requestedAt0, requestedAt1 } = await load(requestedFixture);
      await (await manager.connect(council).veto(1)).wait();
      await time.increaseTo(requestedAt0 + VETO_WINDOW);
      let views = await task<SlashRequestView[]>("slash list", { json: true });
      expect(views.map((v) => [v.status, v.executable])).to.deep.equal([
        ["pending", true],
        ["vetoed", false],
      ]);
      await (await manager.execute(0)).wait();
      await time.increaseTo(requestedAt1 + VETO_WINDOW);
      views = await task<SlashRequestView[]>("slash list", { json: true });
      expect(views.map((v) => [v.status, v.executable])).to.deep.equal([
        ["executed", false],
        ["vetoed", false],
      ]);
    });

    it("keeps only the requests against --operator, and only pending ones with --pending", async function () {
      const { manager, council, other } = await load(requestedFixture);
      let views = await task<SlashRequestView[]>("slash list", { operator: other.address.toLowerCase(), json: true });
      expect(views.map((v) => v.id)).to.deep.equal([1]);
      await (await manager.connect(council).veto(0)).wait();
      views = await task<SlashRequestView[]>("slash list", { pending: true, json: true });
      expect(views.map((v) => v.id)).to.deep.equal([1]);
      views = await task<SlashRequestView[]>("slash list", { operator: other.address, pending: true, json: true });
      expect(views.map((v) => v.id)).to.deep.equal([1]);
    });

    it("prints one line per request in text mode", async function () {
      const { service, operator, other, carol, setId, setId2, requestedAt0, requestedAt1 } =
        await load(requestedFixture);
      await time.increaseTo(requestedAt0 + VETO_WINDOW);
      expect(requestedAt1 - requestedAt0).to.equal(61); // #1 is executable 1m 1s after #0
      const { lines } = await runTask("slash list", { json: false });
      const slasher = await service.getAddress();
      expect(lines).to.deep.equal([
        `#0 pending (executable): 500 bps (5 %) of ${operator.address}'s allocation to set ${toBeHex(setId, 32)}, executable from ${isoTime(requestedAt0 + VETO_WINDOW)} (now), reporter ${carol.address}, slasher ${slasher}`,
        `#1 pending: 200 bps (2 %) of ${other.address}'s allocation to set ${toBeHex(setId2, 32)}, executable from ${isoTime(requestedAt1 + VETO_WINDOW)} (in 1m 1s), reporter ${carol.address}, slasher ${slasher}`,
      ]);
    });

    it("prints exactly the returned data as JSON with --json, the set id whole", async function () {
      const { setId2 } = await load(requestedFixture);
      const { result, lines } = await runTask<SlashRequestView[]>("slash list", { json: true });
      expect(JSON.parse(lines.join("\n"))).to.deep.equal(asJson(result));
      expect(JSON.parse(lines.join("\n"))[1].bps).to.equal("200");
      expect(JSON.parse(lines.join("\n"))[1].setId).to.equal(setId2.toString());
    });

    it("refuses when the deployment has no slashing manager", async function () {
      const { book } = await load(requestedFixture);
      recordInProcess({ [RESTAKING_KEYS.slashingManager]: undefined as unknown as string });
      try {
        await expectRefused(
          "slash list",
          { json: true },
          "the deployment of network hardhat has no Restaking#SlashingManager: run deploy restaking first",
        );
      } finally {
        recordInProcess(book);
      }
    });

    it("prints that there is none before any request", async function () {
      await load(slasherFixture);
      const { result, lines } = await runTask<SlashRequestView[]>("slash list", { json: false });
      expect(result).to.deep.equal([]);
      expect(lines).to.deep.equal(["no slash requests"]);
    });

    it("refuses a malformed --operator and an account that is not an operator", async function () {
      const { alice } = await load(requestedFixture);
      await expectRefused("slash list", { operator: "0x01", json: true }, "--operator is not a valid address: 0x01");
      await expectRefused(
        "slash list",
        { operator: alice.address, json: true },
        `${alice.address} is not a registered operator`,
      );
    });
  });

  describe("slash veto", function () {
    it("vetoes a pending request as the council, releasing the operator", async function () {
      const { manager, registry, council, operator } = await load(requestedFixture);
      expect(await registry.pendingSlashes(operator.address)).to.equal(1n);
      const { result, lines } = await runTask<VetoResult>("slash veto", {
        id: "0",
        from: council.address,
        json: false,
      });
      expect(result).to.deep.include({ id: 0, operator: operator.address, bps: 500n, vetoer: council.address });
      await expect(transaction(result.tx.hash)).to.emit(manager, "SlashVetoed").withArgs(0, operator.address);
      expect((await manager.request(0)).status).to.equal(2n); // Vetoed
      expect(await registry.pendingSlashes(operator.address)).to.equal(0n);
      expect(await registry.isJailed(operator.address)).to.equal(false);
      const { hash, gasUsed, block } = result.tx;
      expect(lines).to.deep.equal([
        `vetoed slash request #0 (500 bps (5 %) of ${operator.address}): tx ${hash} (gas ${gasUsed}, block ${block})`,
      ]);
    });

    it("vetoes up to the last second of the window", async function () {
      const { manager, council, requestedAt0 } = await load(requestedFixture);
      await time.setNextBlockTimestamp(requestedAt0 + VETO_WINDOW - 2);
      await hre.network.provider.send("evm_mine");
      await task("slash veto", { id: "0", from: council.address, json: true });
      expect((await manager.request(0)).status).to.equal(2n);
    });

    it("refuses an account that is not the vetoer", async function () {
      const { alice, council, deployer } = await load(requestedFixture);
      for (const sender of [alice, deployer]) {
        await expectRefused(
          "slash veto",
          { id: "0", from: sender.address, json: true },
          `${sender.address} is not the vetoer: only ${council.address} (the security council) vetoes`,
        );
      }
    });

    it("refuses once the veto window has closed, naming when", async function () {
      const { council, requestedAt0 } = await load(requestedFixture);
      await time.increaseTo(requestedAt0 + VETO_WINDOW);
      await expectRefused(
        "slash veto",
        { id: "0", from: council.address, json: true },
        `the veto window of slash request 0 closed at ${isoTime(requestedAt0 + VETO_WINDOW)} (now)`,
      );
    });

    it("refuses a second before the window closes: no later block can carry the veto in time", async function () {
      const { manager, council, requestedAt0 } = await load(requestedFixture);
      await time.increaseTo(requestedAt0 + VETO_WINDOW - 1);
      await expectRefused(
        "slash veto",
        { id: "0", from: council.address, json: true },
        `the veto window of slash request 0 closed at ${isoTime(requestedAt0 + VETO_WINDOW)} (in 1s)`,
      );
      // the contract agrees: the earliest block is at executableAt
      await expect(manager.connect(council).veto(0))
        .to.be.revertedWithCustomError(manager, "SlashingVetoWindowClosed")
        .withArgs(0, requestedAt0 + VETO_WINDOW);
    });

    it("refuses a request that is vetoed or executed", async function () {
      const { manager, council, requestedAt0 } = await load(requestedFixture);
      await (await manager.connect(council).veto(1)).wait();
      await expectRefused(
        "slash veto",
        { id: "1", from: council.address, json: true },
        "slash request 1 is vetoed, not pending",
      );
      await time.increaseTo(requestedAt0 + VETO_WINDOW);
      await (await manager.execute(0)).wait();
      await expectRefused(
        "slash veto",
        { id: "0", from: council.address, json: true },
        "slash request 0 is executed, not pending",
      );
    });

    it("refuses an unknown or malformed request id", async function () {
      const { council } = await load(requestedFixture);
      await expectRefused(
        "slash veto",
        { id: "2", from: council.address, json: true },
        "unknown slash request 2 (there are 2)",
      );
      await expectRefused(
        "slash veto",
        { id: "-1", from: council.address, json: true },
        "--id must be a whole number, not -1",
      );
    });
  });

  describe("slash execute", function () {
    it("executes after the window: the reporter's share claimable, ALT set aside to burn, other assets claimable by the treasury", async function () {
      const { manager, registry, sets, token, steth, treasury, carol, operator, alice, setId, requestedAt0 } =
        await load(requestedFixture);
      await time.increaseTo(requestedAt0 + VETO_WINDOW);
      // 500 bps of the operator's allocation to the set (its whole stake: 1,000 ALT + 100 stETH at weight 1), taken
      // from each pool in proportion to its value
      const allocated = (await sets.allocation(setId, operator.address)).allocated;
      expect(allocated).to.equal(1_100n * ALT);
      const value = (allocated * 500n) / BPS;
      const totalValue = 1_000n * ALT + 100n * ALT;
      const supply = await token.totalSupply();
      const carolAlt = await token.balanceOf(carol.address);
      const treasuryAlt = await token.balanceOf(treasury.address);
      const registryAlt = await token.balanceOf(await registry.getAddress());
      expect(await registry.altToBurn()).to.equal(0n);
      const { result, lines } = await runTask<ExecuteResult>("slash execute", {
        id: "0",
        from: alice.address,
        json: false,
      });
      const altAmount = (1_000n * ALT * value) / totalValue;
      const altReporter = (altAmount * REPORTER_BPS) / BPS;
      const stethAmount = (100n * ALT * value) / totalValue;
      const stethReporter = (stethAmount * REPORTER_BPS) / BPS;
      expect(altAmount).to.equal(50n * ALT);
      expect(stethAmount).to.equal(5n * ALT);
      expect(result).to.deep.include({ id: 0, operator: operator.address, bps: 500n, reporter: carol.address });
      expect(result.amounts).to.deep.equal([
        { assetId: 0, symbol: "ALT", amount: altAmount, reporterAmount: altReporter },
        { assetId: 1, symbol: "stETH", amount: stethAmount, reporterAmount: stethReporter },
      ]);
      await expect(transaction(result.tx.hash))
        .to.emit(manager, "SlashExecuted")
        .withArgs(0, operator.address, setId, 500, [altAmount, stethAmount]);
      await expect(transaction(result.tx.hash))
        .to.emit(sets, "AllocationSlashed")
        .withArgs(setId, operator.address, value, 0);
      // nothing burned yet: the ALT not paid to the reporter stays in the registry, set aside for slash burn
      expect(await token.totalSupply()).to.equal(supply);
      expect(await registry.altToBurn()).to.equal(altAmount - altReporter);
      expect(await token.balanceOf(carol.address)).to.equal(carolAlt);
      expect(await token.balanceOf(treasury.address)).to.equal(treasuryAlt);
      expect(await token.balanceOf(await registry.getAddress())).to.equal(registryAlt);
      expect(await steth.balanceOf(carol.address)).to.equal(0n);
      expect(await steth.balanceOf(treasury.address)).to.equal(0n);
      expect(await registry.slashProceeds(carol.address, 0)).to.equal(altReporter);
      expect(await registry.slashProceeds(carol.address, 1)).to.equal(stethReporter);
      expect(await registry.slashProceeds(treasury.address, 1)).to.equal(stethAmount - stethReporter);
      expect((await registry.pool(operator.address, 0)).totalAssets).to.equal(1_000n * ALT - altAmount);
      expect((await registry.pool(operator.address, 1)).totalAssets).to.equal(100n * ALT - stethAmount);
      expect((await manager.request(0)).status).to.equal(3n); // Executed
      expect(await registry.isJailed(operator.address)).to.equal(false);
      const { hash, gasUsed, block } = result.tx;
      expect(lines).to.deep.equal([
        `executed slash request #0: 500 bps (5 %) of ${operator.address}: tx ${hash} (gas ${gasUsed}, block ${block})`,
        "  50 ALT slashed, 5 ALT claimable by the reporter, the rest set aside to burn (slash burn)",
        "  5 stETH slashed, 0.5 stETH claimable by the reporter, the rest claimable by the treasury",
      ]);
    });

    it("refuses before the request is executable, naming when it is", async function () {
      const { requestedAt0 } = await load(requestedFixture);
      await time.increaseTo(requestedAt0 + VETO_WINDOW - 1);
      await expectRefused(
        "slash execute",
        { id: "0", json: true },
        `slash request 0 is executable from ${isoTime(requestedAt0 + VETO_WINDOW)} (in 1s)`,
      );
    });

    it("refuses a vetoed request and one executed already", async function () {
      const { manager, council, requestedAt1 } = await load(requestedFixture);
      await (await manager.connect(council).veto(0)).wait();
      await time.increaseTo(requestedAt1 + VETO_WINDOW);
      await expectRefused("slash execute", { id: "0", json: true }, "slash request 0 is vetoed, not pending");
      await task("slash execute", { id: "1", json: true });
      await expectRefused("slash execute", { id: "1", json: true }, "slash request 1 is executed, not pending");
    });

    it("refuses an unknown or malformed request id", async function () {
      await load(requestedFixture);
      await expectRefused("slash execute", { id: "99", json: true }, "unknown slash request 99 (there are 2)");
      await expectRefused("slash execute", { id: "one", json: true }, "--id must be a whole number, not one");
    });

    it("refuses every request id when there is none", async function () {
      await load(slasherFixture);
      await expectRefused("slash execute", { id: "0", json: true }, "unknown slash request 0 (there are 0)");
    });
  });

  describe("slash claim", function () {
    /** Request #0 executed: carol (the reporter) may claim 5 ALT and 0.5 stETH, the treasury 4.5 stETH. */
    async function executedFixture() {
      const f = await loadFixture(requestedFixture);
      await time.increaseTo(f.requestedAt0 + VETO_WINDOW);
      await (await f.manager.execute(0)).wait();
      return f;
    }

    it("claims every asset the reporter has proceeds in, one transaction each (text)", async function () {
      const { registry, token, steth, carol } = await load(executedFixture);
      const carolAlt = await token.balanceOf(carol.address);
      const { result, lines } = await runTask<ClaimResult>("slash claim", { from: carol.address, json: false });
      expect(result.account).to.equal(carol.address);
      expect(result.to).to.equal(carol.address);
      expect(result.claims.map(({ assetId, symbol, amount }) => ({ assetId, symbol, amount }))).to.deep.equal([
        { assetId: 0, symbol: "ALT", amount: 5n * ALT },
        { assetId: 1, symbol: "stETH", amount: ALT / 2n },
      ]);
      expect(lines).to.deep.equal(
        result.claims.map(
          (c, i) =>
            `claimed ${["5 ALT", "0.5 stETH"][i]} of slash proceeds to ${carol.address}: tx ${c.tx.hash} (gas ${c.tx.gasUsed}, block ${c.tx.block})`,
        ),
      );
      await expect(transaction(result.claims[0].tx.hash))
        .to.emit(registry, "SlashProceedsClaimed")
        .withArgs(carol.address, 0, carol.address, 5n * ALT);
      expect(await token.balanceOf(carol.address)).to.equal(carolAlt + 5n * ALT);
      expect(await steth.balanceOf(carol.address)).to.equal(ALT / 2n);
      expect(await registry.slashProceeds(carol.address, 0)).to.equal(0n);
      expect(await registry.slashProceeds(carol.address, 1)).to.equal(0n);
      await expectRefused(
        "slash claim",
        { from: carol.address, json: true },
        `nothing to claim: ${carol.address} has no slash proceeds`,
      );
    });

    it("pays the treasury's stETH to --to (JSON)", async function () {
      const { registry, steth, treasury, payer } = await load(executedFixture);
      const result = await task<ClaimResult>("slash claim", { from: treasury.address, to: payer.address, json: true });
      expect(result.claims.map((c) => [c.assetId, c.amount])).to.deep.equal([[1, (45n * ALT) / 10n]]);
      expect(await steth.balanceOf(payer.address)).to.equal((45n * ALT) / 10n);
      expect(await registry.slashProceeds(treasury.address, 1)).to.equal(0n);
    });

    it("refuses an account without proceeds and a malformed --to, sending nothing", async function () {
      const { carol, payer } = await load(executedFixture);
      const nonce = await hre.ethers.provider.getTransactionCount(payer.address);
      await expectRefused(
        "slash claim",
        { from: payer.address, json: true },
        `nothing to claim: ${payer.address} has no slash proceeds`,
      );
      await expectRefused(
        "slash claim",
        { from: carol.address, to: "0x1234", json: true },
        "--to is not a valid address: 0x1234",
      );
      // refused by the registry while checking, before the first of carol's two claims is sent
      const carolNonce = await hre.ethers.provider.getTransactionCount(carol.address);
      await expectRefused(
        "slash claim",
        { from: carol.address, to: hre.ethers.ZeroAddress, json: true },
        "the contract refused the transaction: RegistryZeroAddress()",
      );
      expect(await hre.ethers.provider.getTransactionCount(carol.address)).to.equal(carolNonce);
      expect(await hre.ethers.provider.getTransactionCount(payer.address)).to.equal(nonce);
    });
  });

  describe("slash burn", function () {
    /** Request #0 executed: 50 ALT taken, 5 ALT for carol (the reporter), 45 ALT set aside to burn. */
    async function executedFixture() {
      const f = await loadFixture(requestedFixture);
      await time.increaseTo(f.requestedAt0 + VETO_WINDOW);
      await (await f.manager.execute(0)).wait();
      return f;
    }

    it("burns the slashed ALT set aside, for anyone, and prints it (text)", async function () {
      const { registry, token, carol, payer } = await load(executedFixture);
      const registryAddress = await registry.getAddress();
      expect(await registry.altToBurn()).to.equal(45n * ALT);
      const supply = await token.totalSupply();
      const registryAlt = await token.balanceOf(registryAddress);
      const { result, lines } = await runTask<BurnResult>("slash burn", { from: payer.address, json: false });
      expect(result.amount).to.equal(45n * ALT);
      await expectTx(result.tx, payer.address, registryAddress);
      await expect(transaction(result.tx.hash))
        .to.emit(registry, "SlashedAltBurned")
        .withArgs(payer.address, 45n * ALT);
      expect(await token.totalSupply()).to.equal(supply - 45n * ALT);
      expect(await token.balanceOf(registryAddress)).to.equal(registryAlt - 45n * ALT);
      expect(await registry.altToBurn()).to.equal(0n);
      // the reporter's share is not burned: it stays claimable
      expect(await registry.slashProceeds(carol.address, 0)).to.equal(5n * ALT);
      const { hash, gasUsed, block } = result.tx;
      expect(lines).to.deep.equal([`burned 45 ALT of slashed ALT: tx ${hash} (gas ${gasUsed}, block ${block})`]);
      // all of it is gone: a second burn has nothing left
      await expectRefused(
        "slash burn",
        { from: payer.address, json: false },
        "nothing to burn: no slashed ALT is set aside",
      );
    });

    it("burns what several executions set aside in one transaction, from the first account by default (JSON)", async function () {
      const { registry, token, manager, deployer, requestedAt1 } = await load(executedFixture);
      const registryAddress = await registry.getAddress();
      // #1: 200 bps of `other`'s 3,000 ALT allocated, 60 ALT, 6 ALT of it for carol: 54 ALT more set aside
      await time.increaseTo(requestedAt1 + VETO_WINDOW);
      await (await manager.execute(1)).wait();
      expect(await registry.altToBurn()).to.equal(99n * ALT);
      const supply = await token.totalSupply();
      const { result, lines } = await runTask<BurnResult>("slash burn", { json: true });
      expect(result.amount).to.equal(99n * ALT);
      await expectTx(result.tx, deployer.address, registryAddress);
      await expect(transaction(result.tx.hash))
        .to.emit(registry, "SlashedAltBurned")
        .withArgs(deployer.address, 99n * ALT);
      expect(await token.totalSupply()).to.equal(supply - 99n * ALT);
      expect(await registry.altToBurn()).to.equal(0n);
      expect(JSON.parse(lines.join("\n"))).to.deep.equal(asJson(result));
      expect(JSON.parse(lines.join("\n"))).to.deep.equal({ amount: (99n * ALT).toString(), tx: result.tx });
    });

    it("refuses when no slashed ALT is set aside, sending nothing", async function () {
      const { registry, payer } = await load(requestedFixture);
      // requests pending, none executed: nothing set aside
      expect(await registry.altToBurn()).to.equal(0n);
      const nonce = await hre.ethers.provider.getTransactionCount(payer.address);
      await expectRefused(
        "slash burn",
        { from: payer.address, json: true },
        "nothing to burn: no slashed ALT is set aside",
      );
      await expectRefused("slash burn", { json: false }, "nothing to burn: no slashed ALT is set aside");
      expect(await hre.ethers.provider.getTransactionCount(payer.address)).to.equal(nonce);
    });
  });

  describe("operator info of a slashed operator", function () {
    it("shows the pending slash requests and the jail", async function () {
      const { service, operator, carol, setId } = await load(requestedFixture);
      await (
        await service.requestSlash(
          operator.address,
          setId,
          100,
          id("again"),
          id("evidence-2"),
          carol.address,
          await time.latest(),
        )
      ).wait();
      const { result, lines } = await runTask<OperatorInfo>("operator info", {
        operator: operator.address,
        json: false,
      });
      expect(result.pendingSlashes).to.equal(2n);
      expect(result.jailed).to.equal(true);
      expect(lines[0]).to.equal(`operator ${operator.address} (jailed: 2 pending slash requests)`);
    });

    it("shows the pools reduced by an executed slash", async function () {
      const { operator, requestedAt0 } = await load(requestedFixture);
      await time.increaseTo(requestedAt0 + VETO_WINDOW);
      await task("slash execute", { id: "0", json: true });
      const info = await task<OperatorInfo>("operator info", { operator: operator.address, json: true });
      expect(info.jailed).to.equal(false);
      expect(info.pools.map((p) => p.totalAssets)).to.deep.equal([950n * ALT, 95n * ALT]);
      expect(info.pools[0].totalShares).to.equal(1_000n * ALT * 10n ** 6n);
    });
  });
});
