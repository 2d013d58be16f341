import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { MaxUint256, Wallet, ZeroAddress } from "ethers";
import type { AltToken, VestingPosition } from "../../typechain-types";
import { ALT, GENESIS_SUPPLY } from "../helpers/constants";
import { asJson, expectRefused, expectTaskFailure, expectTx, genesisFixture, runTask, task } from "../helpers/tasks";
import type { TxReport } from "../../tasks/lib/cli";
import { signPermit } from "../../tasks/lib/signatures";

/** The Launchpool beneficiary (hardhat account #7): its whole 500,000,000 ALT is released at once. */
const LAUNCHPOOL_BENEFICIARY = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955";
const LAUNCHPOOL_TOTAL = 500_000_000n * ALT;
/** The Treasury beneficiary (account #1): the Treasury position's 2,150,000,000 ALT of votes are delegated to it. */
const TREASURY_BENEFICIARY = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const TREASURY_TOTAL = 2_150_000_000n * ALT;

interface TokenInfo {
  token: string;
  name: string;
  symbol: string;
  decimals: number;
  totalSupply: bigint;
  burned: bigint;
  clockMode: string;
  account?: { address: string; balance: bigint; votes: bigint; delegate: string; nonce: bigint };
}

interface TransferResult {
  from: string;
  to: string;
  amount: bigint;
  tx: TxReport;
}

interface ApproveResult {
  from: string;
  spender: string;
  amount: bigint;
  tx: TxReport;
}

interface DelegateResult {
  delegator: string;
  delegatee: string;
  votes: bigint;
  tx: { hash: string; gasUsed: string; block: number };
}

describe("token tasks", function () {
  /** The hardhat genesis, and the Launchpool beneficiary holding its released 500,000,000 ALT. */
  async function tokenTaskFixture() {
    const book = await genesisFixture();
    const signers = await hre.ethers.getSigners();
    const holder = signers.find((s) => s.address === LAUNCHPOOL_BENEFICIARY)!;
    const token = (await hre.ethers.getContractAt("AltToken", book["Genesis#AltToken"])) as unknown as AltToken;
    const launchpool = (await hre.ethers.getContractAt(
      "VestingPosition",
      book["Genesis#Vesting_Launchpool"],
    )) as unknown as VestingPosition;
    await (await launchpool.release()).wait();
    return { book, signers, holder, token };
  }

  describe("token info", function () {
    it("shows the 10,000,000,000 ALT supply with nothing burned", async function () {
      const { book } = await loadFixture(tokenTaskFixture);
      const info = await task<TokenInfo>("token info", { json: true });
      expect(info).to.deep.equal({
        token: book["Genesis#AltToken"],
        name: "ALT",
        symbol: "ALT",
        decimals: 18,
        totalSupply: 10_000_000_000n * ALT,
        burned: 0n,
        clockMode: "mode=timestamp",
        account: undefined,
      });
    });

    it("prints the supply and clock in text mode", async function () {
      const { book } = await loadFixture(tokenTaskFixture);
      const { lines } = await runTask("token info", { json: false });
      expect(lines).to.deep.equal([
        `ALT (ALT) at ${book["Genesis#AltToken"]}`,
        "  supply   10,000,000,000 ALT (burned 0 ALT)",
        "  clock    mode=timestamp",
      ]);
    });

    it("prints JSON with --json, amounts as decimal strings", async function () {
      const { book } = await loadFixture(tokenTaskFixture);
      const { lines } = await runTask("token info", { json: true });
      expect(JSON.parse(lines.join("\n"))).to.deep.equal({
        token: book["Genesis#AltToken"],
        name: "ALT",
        symbol: "ALT",
        decimals: 18,
        totalSupply: (10_000_000_000n * ALT).toString(),
        burned: "0",
        clockMode: "mode=timestamp",
      });
    });

    it("reports exactly what was burned, in the data and the text", async function () {
      const { holder, token } = await loadFixture(tokenTaskFixture);
      const burned = 1_234n * ALT + ALT / 2n; // 1,234.5 ALT
      await (await token.connect(holder).burn(burned)).wait();
      const { result, lines } = await runTask<TokenInfo>("token info", { json: false });
      expect(result.burned).to.equal(burned);
      expect(result.totalSupply).to.equal(GENESIS_SUPPLY - burned);
      expect(lines[1]).to.equal("  supply   9,999,998,765.5 ALT (burned 1,234.5 ALT)");
    });

    it("shows an account's exact balance, votes, delegate and nonce with --account", async function () {
      const { holder, token, signers } = await loadFixture(tokenTaskFixture);
      // a permit consumes nonce 0; delegating to itself makes its votes its balance
      const permit = { owner: holder.address, spender: signers[0].address, value: 1n, nonce: 0n, deadline: 2n ** 40n };
      const { v, r, s } = await signPermit(holder, token, permit);
      await (await token.permit(holder.address, signers[0].address, 1n, 2n ** 40n, v, r, s)).wait();
      await (await token.connect(holder).delegate(holder.address)).wait();

      const info = await task<TokenInfo>("token info", { account: holder.address.toLowerCase(), json: true });
      expect(info.account).to.deep.equal({
        address: LAUNCHPOOL_BENEFICIARY,
        balance: LAUNCHPOOL_TOTAL,
        votes: LAUNCHPOOL_TOTAL,
        delegate: LAUNCHPOOL_BENEFICIARY,
        nonce: 1n,
      });
    });

    it("shows votes delegated by a vesting position to an account that holds no ALT", async function () {
      await loadFixture(tokenTaskFixture);
      const { result, lines } = await runTask<TokenInfo>("token info", { account: TREASURY_BENEFICIARY, json: false });
      expect(result.account).to.deep.equal({
        address: TREASURY_BENEFICIARY,
        balance: 0n,
        votes: TREASURY_TOTAL,
        delegate: ZeroAddress,
        nonce: 0n,
      });
      expect(lines.slice(3)).to.deep.equal([
        `account ${TREASURY_BENEFICIARY}`,
        "  balance  0 ALT",
        "  votes    2,150,000,000 ALT",
        `  delegate ${ZeroAddress}`,
      ]);
    });

    it("refuses a malformed --account", async function () {
      await loadFixture(tokenTaskFixture);
      await expectTaskFailure(
        "token info",
        { account: "0x123", json: true },
        "--account is not a valid address: 0x123",
      );
    });
  });

  describe("token delegate", function () {
    it("delegates the --from account's votes to itself: its votes become its balance", async function () {
      const { holder, token } = await loadFixture(tokenTaskFixture);
      const result = await task<DelegateResult>("token delegate", {
        to: holder.address,
        from: holder.address,
        json: true,
      });
      expect(result.delegator).to.equal(LAUNCHPOOL_BENEFICIARY);
      expect(result.delegatee).to.equal(LAUNCHPOOL_BENEFICIARY);
      expect(result.votes).to.equal(await token.balanceOf(holder.address));
      expect(result.votes).to.equal(LAUNCHPOOL_TOTAL);
      expect(await token.delegates(holder.address)).to.equal(holder.address);
      expect(await token.getVotes(holder.address)).to.equal(LAUNCHPOOL_TOTAL);
    });

    it("reports the transaction's hash, gas and block", async function () {
      const { holder, token } = await loadFixture(tokenTaskFixture);
      const { tx } = await task<DelegateResult>("token delegate", {
        to: holder.address,
        from: holder.address,
        json: true,
      });
      const receipt = (await hre.ethers.provider.getTransactionReceipt(tx.hash))!;
      expect(tx.hash).to.match(/^0x[0-9a-f]{64}$/);
      expect(receipt.from).to.equal(holder.address);
      expect(receipt.to).to.equal(await token.getAddress());
      expect(tx.gasUsed).to.equal(receipt.gasUsed.toString());
      expect(tx.block).to.equal(receipt.blockNumber);
      expect(tx.block).to.equal(await hre.ethers.provider.getBlockNumber());
    });

    it("adds the delegated balance to what the delegatee already had", async function () {
      const { holder } = await loadFixture(tokenTaskFixture);
      const result = await task<DelegateResult>("token delegate", {
        to: TREASURY_BENEFICIARY.toLowerCase(),
        from: holder.address,
        json: true,
      });
      expect(result.delegatee).to.equal(TREASURY_BENEFICIARY);
      expect(result.votes).to.equal(TREASURY_TOTAL + LAUNCHPOOL_TOTAL);
    });

    it("acts as the first account without --from", async function () {
      const { signers, token } = await loadFixture(tokenTaskFixture);
      const result = await task<DelegateResult>("token delegate", { to: TREASURY_BENEFICIARY, json: true });
      expect(result.delegator).to.equal(signers[0].address);
      expect(result.votes).to.equal(TREASURY_TOTAL); // the deployer handed out every token at genesis
      expect(await token.delegates(signers[0].address)).to.equal(TREASURY_BENEFICIARY);
    });

    it("prints the transaction and the delegatee's new votes in text mode", async function () {
      const { holder } = await loadFixture(tokenTaskFixture);
      const { result, lines } = await runTask<DelegateResult>("token delegate", {
        to: holder.address,
        from: holder.address,
        json: false,
      });
      const { hash, gasUsed, block } = result.tx;
      expect(lines).to.deep.equal([
        `${holder.address} delegated to ${holder.address}: tx ${hash} (gas ${gasUsed}, block ${block})`,
        `  ${holder.address} now has 500,000,000 ALT of votes`,
      ]);
    });

    it("refuses a malformed --to without sending anything", async function () {
      const { holder } = await loadFixture(tokenTaskFixture);
      const block = await hre.ethers.provider.getBlockNumber();
      await expectTaskFailure(
        "token delegate",
        { to: "0xnope", from: holder.address, json: true },
        "--to is not a valid address: 0xnope",
      );
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
    });

    it("refuses a --from that is not an account of the network", async function () {
      const { holder } = await loadFixture(tokenTaskFixture);
      const stranger = Wallet.createRandom().address;
      await expectTaskFailure(
        "token delegate",
        { to: holder.address, from: stranger.toLowerCase(), json: true },
        `--from ${stranger} is not an account of network hardhat`,
      );
    });

    it("refuses a malformed --from", async function () {
      const { holder } = await loadFixture(tokenTaskFixture);
      await expectTaskFailure(
        "token delegate",
        { to: holder.address, from: "alice", json: true },
        "--from is not a valid address: alice",
      );
    });
  });

  /**
   * Checks `name`, acting for the Launchpool beneficiary toward account 12 (its --to or --spender), refuses `args` with
   * `message`, sending nothing: no ALT moved, no allowance set.
   */
  async function expectHolderRefused(name: string, args: Record<string, unknown>, message: string) {
    const { holder, token, signers } = await loadFixture(tokenTaskFixture);
    const other = signers[12].address;
    const toward = name === "token transfer" ? "to" : "spender";
    await expectRefused(name, { [toward]: other, from: holder.address, json: true, ...args }, message);
    expect([
      await token.balanceOf(holder.address),
      await token.balanceOf(other),
      await token.allowance(holder.address, other),
    ]).to.deep.equal([LAUNCHPOOL_TOTAL, 0n, 0n]);
  }

  it("token transfer and token approve refuse a negative or malformed --amount, sending nothing", async function () {
    for (const name of ["token transfer", "token approve"]) {
      for (const amount of ["-1", "1.5.2", "ten", "1,000", "0.0000000000000000001"]) {
        await expectHolderRefused(
          name,
          { amount },
          `--amount: invalid amount "${amount}": expected a non-negative decimal`,
        );
      }
    }
  });

  describe("token transfer", function () {
    const AMOUNT = 1_234n * ALT + ALT / 2n; // 1,234.5 ALT

    it("moves exactly --amount from --from to --to, with one Transfer", async function () {
      const { holder, token, signers } = await loadFixture(tokenTaskFixture);
      const recipient = signers[12].address;
      const result = await task<TransferResult>("token transfer", {
        to: recipient.toLowerCase(),
        amount: "1234.5",
        from: holder.address,
        json: true,
      });
      expect(result).to.deep.equal({ from: holder.address, to: recipient, amount: AMOUNT, tx: result.tx });
      const receipt = await expectTx(result.tx, holder.address, await token.getAddress());
      const events = receipt.logs.map((log) => token.interface.parseLog(log)!);
      expect(events.map((e) => [e.name, ...e.args])).to.deep.equal([["Transfer", holder.address, recipient, AMOUNT]]);
      expect(await token.balanceOf(holder.address)).to.equal(LAUNCHPOOL_TOTAL - AMOUNT);
      expect(await token.balanceOf(recipient)).to.equal(AMOUNT);
      expect(await token.totalSupply()).to.equal(GENESIS_SUPPLY);
    });

    it("--dry-run prints the transaction it would send (every check passed) and sends nothing", async function () {
      const { holder, token, signers } = await loadFixture(tokenTaskFixture);
      const recipient = signers[12].address;
      const [nonce, block] = [
        await hre.ethers.provider.getTransactionCount(holder.address),
        await hre.ethers.provider.getBlockNumber(),
      ];
      const args = { to: recipient, amount: "1234.5", from: holder.address, dryRun: true };
      const { result, lines } = await runTask<unknown>("token transfer", { ...args, json: false });
      const transaction = {
        from: holder.address,
        to: await token.getAddress(),
        value: "0",
        data: token.interface.encodeFunctionData("transfer", [recipient, AMOUNT]),
      };
      expect(result).to.deep.equal({ dryRun: true, transaction });
      expect(lines).to.deep.equal([
        "dry run: nothing was sent; the first transaction would be",
        `  from  ${transaction.from}`,
        `  to    ${transaction.to}`,
        "  value 0",
        `  data  ${transaction.data}`,
        "(every check and simulation before it passed; a later transaction of the task depends on it)",
      ]);
      expect(await hre.ethers.provider.getTransactionCount(holder.address)).to.equal(nonce);
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
      expect(await token.balanceOf(recipient)).to.equal(0n);
      // the checks run first: a dry run of a transfer above the balance is refused as the transfer is
      await expectTaskFailure(
        "token transfer",
        { ...args, amount: "500000001", json: true },
        `${holder.address} holds 500,000,000 ALT; this needs 500,000,001 ALT`,
      );
      // and sending what it printed does what the task would have done
      await (await holder.sendTransaction({ to: transaction.to, data: transaction.data })).wait();
      expect(await token.balanceOf(recipient)).to.equal(AMOUNT);
    });

    it("sends the whole balance, to the last wei", async function () {
      const { holder, token, signers } = await loadFixture(tokenTaskFixture);
      await task("token transfer", { to: signers[12].address, amount: "500000000", from: holder.address, json: true });
      expect(await token.balanceOf(holder.address)).to.equal(0n);
      expect(await token.balanceOf(signers[12].address)).to.equal(LAUNCHPOOL_TOTAL);
    });

    it("prints one line with the amount, both accounts and the transaction in text mode", async function () {
      const { holder, signers } = await loadFixture(tokenTaskFixture);
      const recipient = signers[12].address;
      const { result, lines } = await runTask<TransferResult>("token transfer", {
        to: recipient,
        amount: "1234.5",
        from: holder.address,
        json: false,
      });
      const { hash, gasUsed, block } = result.tx;
      expect(lines).to.deep.equal([
        `sent 1,234.5 ALT from ${holder.address} to ${recipient}: tx ${hash} (gas ${gasUsed}, block ${block})`,
      ]);
    });

    it("prints the same data as JSON with --json, the amount in wei", async function () {
      const { holder, signers } = await loadFixture(tokenTaskFixture);
      const { result, lines } = await runTask<TransferResult>("token transfer", {
        to: signers[12].address,
        amount: "1234.5",
        from: holder.address,
        json: true,
      });
      expect(JSON.parse(lines.join("\n"))).to.deep.equal(asJson(result));
      expect(JSON.parse(lines.join("\n")).amount).to.equal("1234500000000000000000");
    });

    it("refuses a malformed --to", async function () {
      await expectHolderRefused("token transfer", { to: "0xnope", amount: "1" }, "--to is not a valid address: 0xnope");
    });

    it("refuses a zero --amount", async function () {
      await expectHolderRefused("token transfer", { amount: "0" }, "--amount must be more than 0 ALT");
    });

    it("refuses more than the sender's balance, naming both", async function () {
      await expectHolderRefused(
        "token transfer",
        { amount: "500000000.000000000000000001" },
        `${LAUNCHPOOL_BENEFICIARY} holds 500,000,000 ALT; this needs 500,000,000.000000000000000001 ALT`,
      );
    });

    it("refuses a sender that holds no ALT", async function () {
      const { signers } = await loadFixture(tokenTaskFixture);
      await expectHolderRefused(
        "token transfer",
        { amount: "1", from: signers[0].address },
        `${signers[0].address} holds 0 ALT; this needs 1 ALT`,
      );
    });

    it("refuses the zero address as recipient, as the simulated transfer does", async function () {
      await expectHolderRefused(
        "token transfer",
        { to: ZeroAddress, amount: "1" },
        `the contract refused the transaction: ERC20InvalidReceiver("${ZeroAddress}")`,
      );
    });
  });

  describe("token approve", function () {
    /** Runs token approve for the Launchpool beneficiary (spender: account 12); returns the result and the allowance. */
    async function approve(args: Record<string, unknown>) {
      const { holder, token, signers } = await loadFixture(tokenTaskFixture);
      const spender = signers[12].address;
      const run = await runTask<ApproveResult>("token approve", { spender, from: holder.address, ...args });
      const receipt = await expectTx(run.result.tx, holder.address, await token.getAddress());
      const events = receipt.logs.map((log) => token.interface.parseLog(log)!);
      return { ...run, holder, spender, events, allowance: await token.allowance(holder.address, spender) };
    }

    it("sets the allowance to exactly --amount, with one Approval", async function () {
      const { result, holder, spender, events, allowance } = await approve({ amount: "1234.5", json: true });
      const amount = 1_234n * ALT + ALT / 2n;
      expect(result).to.deep.equal({ from: holder.address, spender, amount, tx: result.tx });
      expect(allowance).to.equal(amount);
      expect(events.map((e) => [e.name, ...e.args])).to.deep.equal([["Approval", holder.address, spender, amount]]);
    });

    it("allows any amount with --max", async function () {
      const { result, allowance } = await approve({ max: true, json: true });
      expect(result.amount).to.equal(MaxUint256);
      expect(allowance).to.equal(MaxUint256);
    });

    it("revokes the allowance with --amount 0", async function () {
      const { holder, token, signers } = await loadFixture(tokenTaskFixture);
      await (await token.connect(holder).approve(signers[12].address, ALT)).wait();
      const { allowance, result } = await approve({ amount: "0", json: true });
      expect([result.amount, allowance]).to.deep.equal([0n, 0n]);
    });

    it("prints one line with the accounts, the amount and the transaction in text mode", async function () {
      const { result, lines, holder, spender } = await approve({ amount: "1234.5", json: false });
      const { hash, gasUsed, block } = result.tx;
      expect(lines).to.deep.equal([
        `${holder.address} allowed ${spender} to spend 1,234.5 ALT: tx ${hash} (gas ${gasUsed}, block ${block})`,
      ]);
    });

    it("prints 'any amount of ALT' for --max, and the same data as JSON with --json", async function () {
      const text = await approve({ max: true, json: false });
      const { hash, gasUsed, block } = text.result.tx;
      expect(text.lines).to.deep.equal([
        `${text.holder.address} allowed ${text.spender} to spend any amount of ALT: tx ${hash} (gas ${gasUsed}, block ${block})`,
      ]);
      const json = await approve({ max: true, json: true });
      expect(JSON.parse(json.lines.join("\n"))).to.deep.equal(asJson(json.result));
    });

    it("refuses a malformed --spender", async function () {
      await expectHolderRefused(
        "token approve",
        { spender: "bob", amount: "1" },
        "--spender is not a valid address: bob",
      );
    });

    it("refuses neither or both of --amount and --max", async function () {
      await expectHolderRefused("token approve", {}, "pass either --amount <ALT> or --max");
      await expectHolderRefused("token approve", { amount: "1", max: true }, "pass either --amount <ALT> or --max");
    });

    it("refuses the zero address as spender, as the simulated approval does", async function () {
      await expectHolderRefused(
        "token approve",
        { spender: ZeroAddress, amount: "1" },
        `the contract refused the transaction: ERC20InvalidSpender("${ZeroAddress}")`,
      );
    });
  });
});
