import { expect } from "chai";
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { id, parseEther, ZeroAddress } from "ethers";
import type { AddressBook } from "../../tasks/lib/addressBook";
import type { MockERC20, Portal, Rollup, RollupFactory } from "../../typechain-types";
import { ALT } from "../helpers/constants";
import { DAY, HOUR } from "../helpers/time";
import { stagedParametersFile } from "../helpers/parameters";
import { createRollup } from "../helpers/rollups";
import { expectRefused, expectTx, fundFromLaunchpool, isoTime, load, runTask, task, tempDir } from "../helpers/tasks";
import { treeAt, withdrawalHash, type L2Withdrawal } from "../../tasks/lib/withdrawals";

/** The shipped optimistic templates: a 7-day challenge period, an output every 1,800 L2 blocks; hardhat.json's 7-day
 * settlement window and Rollup.INCLUSION_DELAY. */
const CHALLENGE = 7 * DAY;
const INTERVAL = 1_800n;
const WINDOW = 7 * DAY;
const INCLUSION_DELAY = 12 * HOUR;
const FUNDED = 100_000n * ALT;

interface TxReport {
  hash: string;
  gasUsed: string;
  block: number;
}

const txLine = (what: string, tx: TxReport) => `${what}: tx ${tx.hash} (gas ${tx.gasUsed}, block ${tx.block})`;

describe("bridge tasks", function () {
  const files = tempDir("alt-bridge-task-");
  after(() => files.remove());

  /**
   * The staged protocol through `deploy rollups`, stand-in services (accounts 16..18), alice's permanent rollup 1001
   * (VITAL + MACH, alice its sequencer and proposer) and bob's ephemeral rollup 1002 (30 days); a token BRG (6
   * decimals) that alice and carol hold.
   */
  async function bridgeFixture() {
    const book = await task<AddressBook>("deploy rollups", { json: true, parameters: stagedParametersFile() });
    const signers = await hre.ethers.getSigners();
    const [alice, bob, carol] = signers.slice(10, 13);
    const token = await fundFromLaunchpool(book, FUNDED);
    const factory = (await hre.ethers.getContractAt(
      "RollupFactory",
      book["Rollups#RollupFactory"],
    )) as unknown as RollupFactory;
    const operatorSets = await hre.ethers.getContractAt("OperatorSets", book["Restaking#OperatorSets"]);
    const [vital, mach, squad] = signers.slice(16, 19);
    for (const service of [vital, mach, squad]) await (await operatorSets.setService(service.address, true)).wait();
    await (await factory.setServices(vital.address, mach.address, squad.address)).wait();
    for (const user of [alice, bob])
      await (await token.connect(user).approve(await factory.getAddress(), FUNDED)).wait();
    const permanent = await createRollup({ factory }, alice, { chainId: 1001, salt: id("bridge-permanent") });
    const expiry = (await time.latest()) + 30 * DAY;
    const ephemeral = await createRollup({ factory }, bob, { chainId: 1002, salt: id("bridge-ephemeral"), expiry });
    const portalOf = async (r: Rollup) =>
      (await hre.ethers.getContractAt("Portal", await r.portal())) as unknown as Portal;
    const brg = (await hre.ethers.deployContract("MockERC20", ["Bridged", "BRG"])) as unknown as MockERC20;
    for (const user of [alice, carol]) await (await brg.mint(user.address, 1_000n * 10n ** 18n)).wait();
    return {
      book,
      alice,
      bob,
      carol,
      token,
      factory,
      permanent,
      ephemeral,
      expiry,
      portal: await portalOf(permanent),
      ephemeralPortal: await portalOf(ephemeral),
      brg,
      mach,
    };
  }
  type Fixture = Awaited<ReturnType<typeof bridgeFixture>>;

  /** The L2's withdrawals: two made by L2 block 1,800 (output 0), one after it. */
  function withdrawalsOf(f: Fixture, brg: string): L2Withdrawal[] {
    return [
      {
        nonce: 0n,
        l2Block: 100n,
        sender: f.alice.address,
        recipient: f.alice.address,
        token: ZeroAddress,
        amount: parseEther("0.4"),
      },
      {
        nonce: 1n,
        l2Block: 1_700n,
        sender: f.carol.address,
        recipient: f.carol.address,
        token: brg,
        amount: 2n * 10n ** 18n,
      },
      { nonce: 2n, l2Block: 2_000n, sender: f.alice.address, recipient: f.bob.address, token: ZeroAddress, amount: 1n },
    ];
  }

  /** The withdrawals file of `withdrawals`, as the L2's node exports it (ETH as "ETH", numbers as strings). */
  function withdrawalsFile(name: string, withdrawals: L2Withdrawal[]) {
    return files.write(name, {
      withdrawals: withdrawals.map((w) => ({
        nonce: w.nonce.toString(),
        l2Block: w.l2Block.toString(),
        sender: w.sender,
        recipient: w.recipient,
        token: w.token === ZeroAddress ? "ETH" : w.token,
        amount: w.amount.toString(),
      })),
    });
  }

  describe("bridge deposit and bridge deposits", function () {
    it("deposits ETH to the sender on L2 as a forced-inclusion item, and lists it queued with its deadline", async function () {
      const f = await load(bridgeFixture);
      const { result, lines } = await runTask<{ queueIndex: bigint; deadline: number; tx: TxReport }>(
        "bridge deposit",
        {
          rollup: "1001",
          amount: "1.5",
          from: f.alice.address,
          json: false,
        },
      );
      expect(result.queueIndex).to.equal(0n);
      await expectTx(result.tx, f.alice.address, await f.portal.getAddress());
      const at = (await hre.ethers.provider.getBlock(result.tx.block))!.timestamp;
      expect(result.deadline).to.equal(at + INCLUSION_DELAY);
      expect(await hre.ethers.provider.getBalance(await f.portal.getAddress())).to.equal(parseEther("1.5"));
      expect(lines).to.deep.equal([
        txLine(`deposited 1.5 ETH to ${f.alice.address} on L2 as queue item 0`, result.tx),
        `  the sequencer must include it by ${isoTime(at + INCLUSION_DELAY)} (in 12h); after that anyone forces it in (rollup force-include)`,
      ]);
      const listed = await runTask("bridge deposits", { rollup: "1001", json: false });
      expect(listed.lines).to.deep.equal([
        `portal ${await f.portal.getAddress()}: 1 deposit(s)`,
        `  #0: 1.5 ETH from ${f.alice.address} to ${f.alice.address}: queued, due ${isoTime(at + INCLUSION_DELAY)} (in 12h)`,
      ]);
    });

    it("deposits an ERC20 in its own units to another L2 address, approving the portal with --approve", async function () {
      const f = await load(bridgeFixture);
      const brg = await f.brg.getAddress();
      await expectRefused(
        "bridge deposit",
        { rollup: "1001", amount: "2.5", token: brg, to: f.bob.address, from: f.carol.address, json: true },
        "allowance 0.0 BRG is below the 2.5 BRG needed: pass --approve",
      );
      const result = await task<{ queueIndex: bigint; approval: TxReport; tx: TxReport }>("bridge deposit", {
        rollup: "1001",
        amount: "2.5",
        token: brg,
        to: f.bob.address,
        from: f.carol.address,
        approve: true,
        json: true,
      });
      await expectTx(result.approval, f.carol.address, brg);
      await expectTx(result.tx, f.carol.address, await f.portal.getAddress());
      expect(await f.brg.balanceOf(await f.portal.getAddress())).to.equal(25n * 10n ** 17n);
      const [event] = await f.portal.queryFilter(f.portal.filters.DepositInitiated(result.queueIndex));
      expect([...event.args]).to.deep.equal([0n, f.carol.address, f.bob.address, brg, 25n * 10n ** 17n]);
    });

    it("refuses a bad amount, a short balance, a token that is no contract and a fee-on-transfer token, sending nothing", async function () {
      const f = await load(bridgeFixture);
      const base = { rollup: "1001", from: f.alice.address, json: true };
      for (const [amount, message] of [
        ["0", "--amount must be positive: 0"],
        ["-1", "--amount must be a positive decimal: -1"],
        ["1.0000000000000000001", "--amount has more than 18 decimals: 1.0000000000000000001"],
      ]) {
        await expectRefused("bridge deposit", { ...base, amount }, message);
      }
      const balance = await hre.ethers.provider.getBalance(f.alice.address);
      await expectRefused(
        "bridge deposit",
        { ...base, amount: "1000000" },
        `${f.alice.address} holds ${hre.ethers.formatUnits(balance)} ETH: less than the 1000000 ETH to deposit`,
      );
      await expectRefused(
        "bridge deposit",
        { ...base, amount: "1", token: f.bob.address },
        `--token ${f.bob.address} is not a contract`,
      );
      const fot = await hre.ethers.deployContract("FeeOnTransferToken");
      await (await fot.mint(f.alice.address, 10n ** 18n)).wait();
      await (await fot.connect(f.alice).approve(await f.portal.getAddress(), 10n ** 18n)).wait();
      await expectRefused(
        "bridge deposit",
        { ...base, amount: "1", token: await fot.getAddress() },
        `the portal refuses token ${await fot.getAddress()}: it moved 990000000000000000 of the 1000000000000000000 ` +
          "units asked (fee-on-transfer and rebasing tokens are refused)",
      );
    });
  });

  describe("bridge withdrawals, withdrawals-root, prove and claim", function () {
    /** Output 0 of rollup 1001 (L2 block 1,800) commits to the file's withdrawals up to it; returns when it was proposed. */
    async function proposedFixture() {
      const f = await load(bridgeFixture);
      const brg = await f.brg.getAddress();
      await (await f.brg.connect(f.carol).approve(await f.portal.getAddress(), 10n ** 19n)).wait();
      await (await f.portal.connect(f.carol).depositERC20(brg, 10n ** 19n, f.carol.address)).wait();
      await (await f.portal.connect(f.alice).depositETH(f.alice.address, { value: parseEther("1") })).wait();
      const withdrawals = withdrawalsOf(f, brg);
      const file = withdrawalsFile("withdrawals.json", withdrawals);
      const root = await task<{ root: string; withdrawals: number }>("bridge withdrawals-root", {
        file,
        block: "1800",
        json: true,
      });
      expect(root).to.deep.equal({ l2BlockNumber: 1_800n, withdrawals: 2, root: treeAt(withdrawals, INTERVAL).root });
      await task("rollup propose-output", {
        rollup: "1001",
        root: id("state 0"),
        withdrawalsRoot: root.root,
        from: f.alice.address,
        json: true,
      });
      const proposedAt = Number((await f.permanent.output(0)).proposedAt);
      return { ...f, brg, withdrawals, file, proposedAt };
    }

    it("lists each withdrawal: waiting for its output with the time it becomes claimable, then claimable, then claimed", async function () {
      const f = await load(proposedFixture);
      const listed = await runTask("bridge withdrawals", { rollup: "1001", file: f.file, json: false });
      const claimableAt = f.proposedAt + CHALLENGE;
      expect(listed.lines).to.deep.equal([
        "3 withdrawal(s) of rollup 1001:",
        `  withdrawal 0 (L2 block 100): 0.4 ETH to ${f.alice.address}: in output 0 (Proposed), claimable ${isoTime(claimableAt)} (in 7d)`,
        `  withdrawal 1 (L2 block 1700): 2.0 BRG to ${f.carol.address}: in output 0 (Proposed), claimable ${isoTime(claimableAt)} (in 7d)`,
        `  withdrawal 2 (L2 block 2000): 0.000000000000000001 ETH to ${f.bob.address}: not in an output`,
      ]);
      await expectRefused(
        "bridge claim",
        { rollup: "1001", file: f.file, nonce: "0", from: f.alice.address, json: true },
        `not yet claimable: withdrawal 0 (L2 block 100): 0.4 ETH to ${f.alice.address}: in output 0 (Proposed), claimable ${isoTime(claimableAt)} (in 7d)`,
      );
      await time.increaseTo(claimableAt);
      await (await f.permanent.finalize(0)).wait();
      const json = await task<{ withdrawals: { nonce: bigint; status: string; outputIndex?: bigint }[] }>(
        "bridge withdrawals",
        { rollup: "1001", file: f.file, json: true },
      );
      expect(json.withdrawals.map((w) => [w.nonce, w.status, w.outputIndex])).to.deep.equal([
        [0n, "claimable", 0n],
        [1n, "claimable", 0n],
        [2n, "not in an output", undefined],
      ]);
      // anyone claims for the recipient
      const before = await hre.ethers.provider.getBalance(f.alice.address);
      const { result, lines } = await runTask<{ tx: TxReport }>("bridge claim", {
        rollup: "1001",
        file: f.file,
        nonce: "0",
        from: f.carol.address,
        json: false,
      });
      expect(lines).to.deep.equal([
        txLine(`claimed withdrawal 0: 0.4 ETH to ${f.alice.address}, against output 0`, result.tx),
      ]);
      expect(await hre.ethers.provider.getBalance(f.alice.address)).to.equal(before + parseEther("0.4"));
      expect(await f.portal.isClaimed(withdrawalHash(f.withdrawals[0]))).to.equal(true);
      const after = await task<{ withdrawals: { status: string }[] }>("bridge withdrawals", {
        rollup: "1001",
        file: f.file,
        json: true,
      });
      expect(after.withdrawals[0].status).to.equal("claimed");
      await expectRefused(
        "bridge claim",
        { rollup: "1001", file: f.file, nonce: "0", json: true },
        "withdrawal 0 was claimed already",
      );
    });

    it("prove writes a claim the portal checked; claim --proof sends it, and only the recipient pays it elsewhere", async function () {
      const f = await load(proposedFixture);
      await time.increaseTo(f.proposedAt + CHALLENGE);
      await (await f.permanent.finalize(0)).wait();
      const out = files.path("claim-1.json");
      const { lines } = await runTask("bridge prove", { rollup: "1001", file: f.file, nonce: "1", out, json: false });
      expect(lines).to.deep.equal([
        "withdrawal 1: proven against output 0 (1-level proof), checked by the portal: claimable now",
        `  written to ${out} (bridge claim --proof ${out})`,
      ]);
      await expectRefused(
        "bridge claim",
        { rollup: "1001", proof: out, to: f.bob.address, from: f.alice.address, json: true },
        `only ${f.carol.address} may have it paid to another address, not ${f.alice.address}`,
      );
      await expectRefused(
        "bridge claim",
        { rollup: "1002", proof: out, from: f.carol.address, json: true },
        `${out} is a claim on rollup ${await f.permanent.getAddress()}, not ${await f.ephemeral.getAddress()}`,
      );
      const result = await task<{ tx: TxReport }>("bridge claim", {
        rollup: "1001",
        proof: out,
        to: f.bob.address,
        from: f.carol.address,
        json: true,
      });
      await expectTx(result.tx, f.carol.address, await f.portal.getAddress());
      expect(await (await hre.ethers.getContractAt("MockERC20", f.brg)).balanceOf(f.bob.address)).to.equal(
        2n * 10n ** 18n,
      );
    });

    it("refuses a withdrawal the file lacks or no output holds, a file that is not one, and --proof with --file", async function () {
      const f = await load(proposedFixture);
      const base = { rollup: "1001", file: f.file, json: true };
      await expectRefused("bridge prove", { ...base, nonce: "9" }, "the withdrawals file has no withdrawal 9");
      await expectRefused("bridge prove", { ...base, nonce: "2" }, "withdrawal 2 is in no live output yet");
      const bad = files.write("bad.json", { withdrawals: [{ nonce: "0", l2Block: "1", sender: "0x12" }] });
      await expectRefused(
        "bridge withdrawals",
        { ...base, file: bad },
        `${bad} is not a withdrawals file: withdrawal 0: sender must be an address`,
      );
      await expectRefused(
        "bridge claim",
        { ...base, nonce: "0", proof: bad },
        "give --proof, or --file and --nonce, not both",
      );
      await expectRefused("bridge claim", { rollup: "1001", json: true }, "give --file and --nonce, or --proof");
    });
  });

  describe("fast withdrawals: bridge withdrawals, claim and recover", function () {
    it("lists an ALT withdrawal within a FastFinalized output's cover as claimable now, fast, and claims it; a larger one waits; recover refuses when nothing is credited", async function () {
      const f = await load(bridgeFixture);
      const alt = await f.token.getAddress();
      await (await f.token.connect(f.alice).approve(await f.portal.getAddress(), 1_000n * ALT)).wait();
      await (await f.portal.connect(f.alice).depositERC20(alt, 1_000n * ALT, f.alice.address)).wait();
      const withdrawals: L2Withdrawal[] = [
        {
          nonce: 0n,
          l2Block: 100n,
          sender: f.alice.address,
          recipient: f.carol.address,
          token: alt,
          amount: 10n * ALT,
        },
        { nonce: 1n, l2Block: 200n, sender: f.alice.address, recipient: f.bob.address, token: alt, amount: 600n * ALT },
      ];
      const file = withdrawalsFile("fast.json", withdrawals);
      const root = treeAt(withdrawals, INTERVAL).root;
      await (await f.permanent.connect(f.alice).proposeOutput(INTERVAL, id("state 0"), root)).wait();
      const output = await f.permanent.output(0);
      // MACH (the stand-in account) certifies it with a cover of 500 ALT
      await (await f.permanent.connect(f.mach).fastFinalize(0, INTERVAL, output.root, 500n * ALT)).wait();
      const claimableAt = Number(output.proposedAt) + CHALLENGE;
      const listed = await runTask("bridge withdrawals", { rollup: "1001", file, json: false });
      expect(listed.lines).to.deep.equal([
        "2 withdrawal(s) of rollup 1001:",
        `  withdrawal 0 (L2 block 100): 10.0 ALT to ${f.carol.address}: claimable now, fast, against output 0 (FastFinalized; fast capacity 500.0 ALT)`,
        `  withdrawal 1 (L2 block 200): 600.0 ALT to ${f.bob.address}: in output 0 (FastFinalized), claimable ${isoTime(claimableAt)} (in 6d 23h)`, // (a block after the proposal)
      ]);
      const before = await f.token.balanceOf(f.carol.address);
      const { result, lines } = await runTask<{ tx: TxReport }>("bridge claim", {
        rollup: "1001",
        file,
        nonce: "0",
        from: f.alice.address,
        json: false,
      });
      expect(lines).to.deep.equal([
        txLine(`claimed withdrawal 0: 10.0 ALT to ${f.carol.address}, against output 0`, result.tx),
      ]);
      expect(await f.token.balanceOf(f.carol.address)).to.equal(before + 10n * ALT);
      expect(await f.portal.fastExposure()).to.equal(10n * ALT);
      const json = await task<{ withdrawals: { status: string }[] }>("bridge withdrawals", {
        rollup: "1001",
        file,
        json: true,
      });
      expect(json.withdrawals.map((w) => w.status)).to.deep.equal(["claimed", "waiting"]);
      await expectRefused(
        "bridge recover",
        { rollup: "1001", from: f.bob.address, json: true },
        "nothing to recover: no slash of the rollup's MACH signers is credited to the portal",
      );
    });
  });

  describe("bridge refund", function () {
    it("refunds a deposit a retired rollup never included, once; refuses it while the rollup lives", async function () {
      const f = await load(bridgeFixture);
      await (await f.ephemeralPortal.connect(f.alice).depositETH(f.alice.address, { value: parseEther("2") })).wait();
      await expectRefused(
        "bridge refund",
        { rollup: "1002", index: "0", from: f.alice.address, json: true },
        "deposit 0 is queued: refunds wait for the rollup to retire",
      );
      await time.increaseTo(f.expiry + WINDOW);
      await (await f.ephemeral.settle()).wait();
      const listed = await runTask("bridge deposits", { rollup: "1002", json: false });
      expect(listed.lines[1]).to.equal(`  #0: 2.0 ETH from ${f.alice.address} to ${f.alice.address}: refundable`);
      const before = await hre.ethers.provider.getBalance(f.alice.address);
      const { result, lines } = await runTask<{ tx: TxReport }>("bridge refund", {
        rollup: "1002",
        index: "0",
        from: f.carol.address,
        json: false,
      });
      expect(lines).to.deep.equal([txLine(`refunded deposit 0: 2.0 ETH to ${f.alice.address}`, result.tx)]);
      expect(await hre.ethers.provider.getBalance(f.alice.address)).to.equal(before + parseEther("2"));
      await expectRefused(
        "bridge refund",
        { rollup: "1002", index: "0", json: true },
        "deposit 0 was refunded already",
      );
      await expectRefused(
        "bridge refund",
        { rollup: "1002", index: "1", json: true },
        "queue item 1 is not a deposit of the portal",
      );
    });

    it("refuses an included deposit: it went to L2", async function () {
      const f = await load(bridgeFixture);
      await (await f.ephemeralPortal.connect(f.alice).depositETH(f.alice.address, { value: 1n })).wait();
      await (await f.ephemeral.connect(f.bob).appendBatch(id("batch"), 1)).wait();
      await time.increaseTo(f.expiry + WINDOW);
      await (await f.ephemeral.settle()).wait();
      await expectRefused(
        "bridge refund",
        { rollup: "1002", index: "0", json: true },
        "deposit 0 was included: it left L1 (withdraw it on L2)",
      );
    });
  });
});
