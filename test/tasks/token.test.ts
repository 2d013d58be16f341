import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Wallet, ZeroAddress } from "ethers";
import type { AltToken, VestingPosition } from "../../typechain-types";
import { ALT, GENESIS_SUPPLY } from "../helpers/constants";
import { expectTaskFailure, genesisFixture, runTask, task } from "../helpers/tasks";
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

  describe("token:info", function () {
    it("shows the 10,000,000,000 ALT supply with nothing burned", async function () {
      const { book } = await loadFixture(tokenTaskFixture);
      const info = await task<TokenInfo>("token:info", { json: true });
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
      const { lines } = await runTask("token:info", { json: false });
      expect(lines).to.deep.equal([
        `ALT (ALT) at ${book["Genesis#AltToken"]}`,
        "  supply   10,000,000,000 ALT (burned 0 ALT)",
        "  clock    mode=timestamp",
      ]);
    });

    it("prints JSON with --json, amounts as decimal strings", async function () {
      const { book } = await loadFixture(tokenTaskFixture);
      const { lines } = await runTask("token:info", { json: true });
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
      const { result, lines } = await runTask<TokenInfo>("token:info", { json: false });
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

      const info = await task<TokenInfo>("token:info", { account: holder.address.toLowerCase(), json: true });
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
      const { result, lines } = await runTask<TokenInfo>("token:info", { account: TREASURY_BENEFICIARY, json: false });
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
        "token:info",
        { account: "0x123", json: true },
        "--account is not a valid address: 0x123",
      );
    });
  });

  describe("token:delegate", function () {
    it("delegates the --from account's votes to itself: its votes become its balance", async function () {
      const { holder, token } = await loadFixture(tokenTaskFixture);
      const result = await task<DelegateResult>("token:delegate", {
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
      const { tx } = await task<DelegateResult>("token:delegate", {
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
      const result = await task<DelegateResult>("token:delegate", {
        to: TREASURY_BENEFICIARY.toLowerCase(),
        from: holder.address,
        json: true,
      });
      expect(result.delegatee).to.equal(TREASURY_BENEFICIARY);
      expect(result.votes).to.equal(TREASURY_TOTAL + LAUNCHPOOL_TOTAL);
    });

    it("acts as the first account without --from", async function () {
      const { signers, token } = await loadFixture(tokenTaskFixture);
      const result = await task<DelegateResult>("token:delegate", { to: TREASURY_BENEFICIARY, json: true });
      expect(result.delegator).to.equal(signers[0].address);
      expect(result.votes).to.equal(TREASURY_TOTAL); // the deployer handed out every token at genesis
      expect(await token.delegates(signers[0].address)).to.equal(TREASURY_BENEFICIARY);
    });

    it("prints the transaction and the delegatee's new votes in text mode", async function () {
      const { holder } = await loadFixture(tokenTaskFixture);
      const { result, lines } = await runTask<DelegateResult>("token:delegate", {
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
        "token:delegate",
        { to: "0xnope", from: holder.address, json: true },
        "--to is not a valid address: 0xnope",
      );
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
    });

    it("refuses a --from that is not an account of the network", async function () {
      const { holder } = await loadFixture(tokenTaskFixture);
      const stranger = Wallet.createRandom().address;
      await expectTaskFailure(
        "token:delegate",
        { to: holder.address, from: stranger.toLowerCase(), json: true },
        `--from ${stranger} is not an account of network hardhat`,
      );
    });

    it("refuses a malformed --from", async function () {
      const { holder } = await loadFixture(tokenTaskFixture);
      await expectTaskFailure(
        "token:delegate",
        { to: holder.address, from: "alice", json: true },
        "--from is not a valid address: alice",
      );
    });
  });
});
