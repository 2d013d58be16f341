import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { existsSync, readFileSync } from "fs";
import path from "path";
import { getAddress, parseUnits } from "ethers";
import type { AltToken, MerkleAirdrop } from "../../typechain-types";
import { ALT } from "../helpers/constants";
import { days } from "../helpers/time";
import { expectTaskFailure, genesisFixture, isoTime, runTask, task, tempDir } from "../helpers/tasks";

const ROOT = path.join(__dirname, "..", "..");
const HARDHAT_CSV = path.join(ROOT, "deploy", "airdrop", "hardhat.csv");
const HARDHAT_PROOFS = path.join(ROOT, "deploy", "airdrop", "hardhat.proofs.json");
const HARDHAT_PARAMETERS = path.join(ROOT, "deploy", "parameters", "hardhat.json");
const ENCODING = ["uint256", "address", "uint256"];

interface ProofsFile {
  root: string;
  total: string;
  count: number;
  leafEncoding: string[];
  claims: Record<string, { index: number; amount: string; proof: string[] }>;
}

interface BuildSummary {
  root: string;
  total: string;
  count: number;
  out: string;
}

interface ClaimResult {
  account: string;
  index: number;
  amount: string;
  delegatee: string | null;
  tx: { hash: string; gasUsed: string; block: number };
}

/** A list to build from: mixed-case addresses, whole and fractional amounts. */
const ENTRIES = [
  { address: "0xbcd4042de499d14e55001ccbb24a551f3b954096", amount: "1000" },
  { address: "0x71bE63f3384f5fb98995898A86B02Fb2426c5788", amount: "0.5" },
  { address: "0xFABB0ac9d68B0B445fB7357272Ff202C5651694a", amount: "1234.000000000000000001" },
  { address: "0x1CBd3b2770909D4e10f157cABC84C7264073C9Ec", amount: "7" },
];

/** The root the airdrop contract expects for entries in file order: leaves (index, address, amount in wei). */
function expectedRoot(entries: { address: string; amount: string }[]): string {
  return StandardMerkleTree.of(
    entries.map((e, i) => [i, getAddress(e.address), parseUnits(e.amount, 18)]),
    ENCODING,
  ).root;
}

function parseErrorOf(text: string): string {
  try {
    JSON.parse(text);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("valid JSON");
}

const readProofs = (file: string): ProofsFile => JSON.parse(readFileSync(file, "utf8"));

describe("airdrop tasks", function () {
  const files = tempDir("alt-airdrop-task-");
  after(files.remove);

  describe("airdrop build", function () {
    /** Builds `input` (written to a temp file named `name`) and returns the summary and the proofs file. */
    async function build(name: string, input: string | object) {
      const file = files.write(name, input);
      const out = files.path(`${name}.proofs.json`);
      const summary = await task<BuildSummary>("airdrop build", { input: file, out, json: true });
      return { summary, proofs: readProofs(out), out };
    }

    /** Checks a proofs file against ENTRIES: root, totals, indices and a valid proof for every entry. */
    function expectProofsOfEntries(proofs: ProofsFile) {
      const root = expectedRoot(ENTRIES);
      expect(proofs.root).to.equal(root);
      expect(proofs.count).to.equal(ENTRIES.length);
      expect(proofs.total).to.equal((1000n * ALT + ALT / 2n + 1234n * ALT + 1n + 7n * ALT).toString());
      expect(proofs.leafEncoding).to.deep.equal(ENCODING);
      expect(Object.keys(proofs.claims)).to.deep.equal(ENTRIES.map((e) => getAddress(e.address)));
      for (const [i, entry] of ENTRIES.entries()) {
        const claim = proofs.claims[getAddress(entry.address)];
        expect(claim.index).to.equal(i);
        expect(claim.amount).to.equal(parseUnits(entry.amount, 18).toString());
        const leaf = [i, getAddress(entry.address), claim.amount];
        expect(StandardMerkleTree.verify(root, ENCODING, leaf, claim.proof)).to.equal(true);
      }
    }

    const csv = (header: boolean) =>
      (header ? "address,amount\n" : "") + ENTRIES.map((e) => `${e.address},${e.amount}`).join("\n") + "\n";

    it("builds the root and a proofs file that verifies for every entry from a CSV with a header", async function () {
      const { summary, proofs, out } = await build("with-header.csv", csv(true));
      expect(summary).to.deep.equal({ root: expectedRoot(ENTRIES), total: proofs.total, count: 4, out });
      expectProofsOfEntries(proofs);
    });

    it("builds the same from a CSV without a header, with CRLF line ends and spaces", async function () {
      const text = ENTRIES.map((e) => ` ${e.address} , ${e.amount} `).join("\r\n");
      const { proofs } = await build("no-header.csv", text);
      expectProofsOfEntries(proofs);
    });

    it("builds the same from a JSON list of {address, amount}", async function () {
      const { proofs } = await build("list.json", ENTRIES);
      expectProofsOfEntries(proofs);
    });

    it("builds the same from a JSON object of address: amount", async function () {
      const { proofs } = await build("object.json", Object.fromEntries(ENTRIES.map((e) => [e.address, e.amount])));
      expectProofsOfEntries(proofs);
    });

    it("builds from deploy/airdrop/hardhat.csv the root of the hardhat parameters and the committed proofs", async function () {
      const out = files.path("hardhat.proofs.json");
      const { result, lines } = await runTask<BuildSummary>("airdrop build", {
        input: HARDHAT_CSV,
        out,
        json: false,
      });
      const parameters = JSON.parse(readFileSync(HARDHAT_PARAMETERS, "utf8"));
      expect(result.root).to.equal(parameters.genesis.airdrop.root);
      expect(result.total).to.equal((55_000_000n * ALT).toString());
      expect(readProofs(out)).to.deep.equal(readProofs(HARDHAT_PROOFS));
      expect(lines).to.deep.equal([
        `root  ${result.root}`,
        "total 55,000,000 ALT to 10 accounts",
        `proofs written to ${out}`,
      ]);
    });

    it("refuses an invalid address, naming its line", async function () {
      const file = files.write("bad-address.csv", `address,amount\n${ENTRIES[0].address},1\n0xnothex,2\n`);
      await expectTaskFailure(
        "airdrop build",
        { input: file, out: files.path("x.json"), json: true },
        `${file} line 3: invalid address 0xnothex`,
      );
    });

    it("refuses an invalid amount, naming its line", async function () {
      const file = files.write("bad-amount.csv", `${ENTRIES[0].address},1\n${ENTRIES[1].address},1.2.3\n`);
      await expectTaskFailure(
        "airdrop build",
        { input: file, out: files.path("x.json"), json: true },
        `${file} line 2: invalid amount "1.2.3": expected a non-negative decimal`,
      );
    });

    it("refuses a missing amount, naming its line", async function () {
      const file = files.write("no-amount.csv", `${ENTRIES[0].address}\n${ENTRIES[1].address},\n`);
      await expectTaskFailure(
        "airdrop build",
        { input: file, out: files.path("x.json"), json: true },
        `${file} line 1: expected "address,amount", got 1 columns`,
      );
      const empty = files.write("empty-amount.csv", `${ENTRIES[0].address},1\n${ENTRIES[1].address},\n`);
      await expectTaskFailure(
        "airdrop build",
        { input: empty, out: files.path("x.json"), json: true },
        `${empty} line 2: invalid amount "": expected a non-negative decimal`,
      );
    });

    it("refuses a zero amount, naming its line", async function () {
      const file = files.write("zero.csv", `address,amount\n${ENTRIES[0].address},1\n${ENTRIES[1].address},0.0\n`);
      await expectTaskFailure(
        "airdrop build",
        { input: file, out: files.path("x.json"), json: true },
        `${file} line 3: zero amount for ${getAddress(ENTRIES[1].address)}`,
      );
    });

    it("refuses an address listed twice, in any case", async function () {
      const address = getAddress(ENTRIES[0].address);
      const file = files.write("duplicate.csv", `${address},1\n${ENTRIES[1].address},2\n${address.toLowerCase()},3\n`);
      await expectTaskFailure(
        "airdrop build",
        { input: file, out: files.path("x.json"), json: true },
        `${file} line 3: duplicate address ${address}`,
      );
    });

    it("names the JSON entry at fault", async function () {
      const list = files.write("bad-list.json", [ENTRIES[0], { address: "nope", amount: "1" }]);
      await expectTaskFailure(
        "airdrop build",
        { input: list, out: files.path("x.json"), json: true },
        `${list} entry 1: invalid address nope`,
      );
      const object = files.write("bad-object.json", { [ENTRIES[0].address]: "0" });
      await expectTaskFailure(
        "airdrop build",
        { input: object, out: files.path("x.json"), json: true },
        `${object} entry ${ENTRIES[0].address}: zero amount for ${getAddress(ENTRIES[0].address)}`,
      );
    });

    it("refuses a file without entries: empty, or a header only", async function () {
      for (const [name, text] of [
        ["empty.csv", ""],
        ["header-only.csv", "address,amount\n\n"],
        ["empty.json", "[]"],
      ]) {
        const file = files.write(name, text);
        await expectTaskFailure(
          "airdrop build",
          { input: file, out: files.path("x.json"), json: true },
          `${file} has no entries`,
        );
      }
    });

    it("refuses a missing input file", async function () {
      const missing = files.path("missing.csv");
      await expectTaskFailure(
        "airdrop build",
        { input: missing, out: files.path("x.json"), json: true },
        `input file not found: ${missing}`,
      );
    });

    it("refuses invalid JSON", async function () {
      const text = '[{"address": "0x71bE63f3384f5fb98995898A86B02Fb2426c5788", "amount": }]';
      const file = files.write("invalid.json", text);
      await expectTaskFailure(
        "airdrop build",
        { input: file, out: files.path("x.json"), json: true },
        `${file} is not valid JSON: ${parseErrorOf(text)}`,
      );
    });

    it("refuses a JSON input that is null, or a list with a null entry, with one line", async function () {
      const shape = 'expected a list of {"address", "amount"} or an object of address: amount';
      const nullFile = files.write("null.json", "null");
      await expectTaskFailure(
        "airdrop build",
        { input: nullFile, out: files.path("x.json"), json: true },
        `${nullFile}: ${shape}`,
      );
      const nullEntry = files.write("null-entry.json", "[null]");
      await expectTaskFailure(
        "airdrop build",
        { input: nullEntry, out: files.path("x.json"), json: true },
        `${nullEntry}: ${shape} (entry 0)`,
      );
    });

    it("refuses a CSV row with other than two columns", async function () {
      const file = files.write("three.csv", "address,amount\n0x71bE63f3384f5fb98995898A86B02Fb2426c5788,1,2\n");
      await expectTaskFailure(
        "airdrop build",
        { input: file, out: files.path("x.json"), json: true },
        `${file} line 2: expected "address,amount", got 3 columns`,
      );
    });

    it("creates a missing --out directory", async function () {
      const file = files.write("ok.csv", csv(false));
      const out = files.path(path.join("no-such-dir", "proofs.json"));
      const { result } = await runTask<{ root: string }>("airdrop build", { input: file, out, json: true });
      expect(existsSync(out)).to.equal(true);
      expect(JSON.parse(readFileSync(out, "utf8")).root).to.equal(result.root);
    });
  });

  describe("airdrop claim", function () {
    /** The hardhat genesis, whose airdrop holds the root of deploy/airdrop/hardhat.proofs.json. */
    async function airdropTaskFixture() {
      const book = await genesisFixture();
      const signers = await hre.ethers.getSigners();
      const token = (await hre.ethers.getContractAt("AltToken", book["Genesis#AltToken"])) as unknown as AltToken;
      const airdrop = (await hre.ethers.getContractAt(
        "MerkleAirdrop",
        book["Genesis#MerkleAirdrop"],
      )) as unknown as MerkleAirdrop;
      return { book, signers, token, airdrop, proofs: readProofs(HARDHAT_PROOFS) };
    }

    it("claims for the signing account: its balance grows by exactly its amount", async function () {
      const { signers, token, airdrop, proofs } = await loadFixture(airdropTaskFixture);
      const claimant = signers[10];
      const entry = proofs.claims[claimant.address];
      expect(entry.index).to.equal(0);
      const before = await token.balanceOf(claimant.address);
      const result = await task<ClaimResult>("airdrop claim", {
        proofs: HARDHAT_PROOFS,
        from: claimant.address,
        json: true,
      });
      expect(result).to.deep.include({ account: claimant.address, index: 0, delegatee: null });
      expect(result.amount).to.equal((1_000_000n * ALT).toString());
      expect((await token.balanceOf(claimant.address)) - before).to.equal(1_000_000n * ALT);
      expect(await token.balanceOf(await airdrop.getAddress())).to.equal(54_000_000n * ALT);
      expect(await airdrop.isClaimed(0)).to.equal(true);
    });

    it("claims for another --account through a relayer: the account is paid, not the relayer", async function () {
      const { signers, token } = await loadFixture(airdropTaskFixture);
      const [relayer, account] = [signers[0], signers[11]];
      const result = await task<ClaimResult>("airdrop claim", {
        proofs: HARDHAT_PROOFS,
        account: account.address.toLowerCase(),
        json: true,
      });
      const receipt = (await hre.ethers.provider.getTransactionReceipt(result.tx.hash))!;
      expect(receipt.from).to.equal(relayer.address);
      expect(result.account).to.equal(account.address);
      expect(result.index).to.equal(1);
      expect(await token.balanceOf(account.address)).to.equal(2_000_000n * ALT);
      expect(await token.balanceOf(relayer.address)).to.equal(0n);
    });

    it("delegates the claimed votes in the same transaction with --delegate", async function () {
      const { signers, token, airdrop } = await loadFixture(airdropTaskFixture);
      const [account, delegatee] = [signers[12], signers[9]];
      const { result, lines } = await runTask<ClaimResult>("airdrop claim", {
        proofs: HARDHAT_PROOFS,
        delegate: delegatee.address,
        from: account.address,
        json: false,
      });
      expect(result.delegatee).to.equal(delegatee.address);
      expect(await token.delegates(account.address)).to.equal(delegatee.address);
      expect(await token.getVotes(delegatee.address)).to.equal(3_000_000n * ALT);
      expect(await token.balanceOf(account.address)).to.equal(3_000_000n * ALT);
      expect(await token.nonces(account.address)).to.equal(1n);

      const receipt = (await hre.ethers.provider.getTransactionReceipt(result.tx.hash))!;
      const events = receipt.logs.map(
        (log) => (token.interface.parseLog(log) ?? airdrop.interface.parseLog(log))?.name,
      );
      expect(events).to.include.members(["Claimed", "DelegateChanged", "DelegateVotesChanged", "Transfer"]);
      const { hash, gasUsed, block } = result.tx;
      expect(lines).to.deep.equal([
        `claimed 3,000,000 ALT for ${account.address}: tx ${hash} (gas ${gasUsed}, block ${block})`,
        `  votes delegated to ${delegatee.address}`,
      ]);
    });

    it("prints the claim in text mode", async function () {
      const { signers } = await loadFixture(airdropTaskFixture);
      const account = signers[19];
      const { result, lines } = await runTask<ClaimResult>("airdrop claim", {
        proofs: HARDHAT_PROOFS,
        from: account.address,
        json: false,
      });
      const { hash, gasUsed, block } = result.tx;
      expect(lines).to.deep.equal([
        `claimed 10,000,000 ALT for ${account.address}: tx ${hash} (gas ${gasUsed}, block ${block})`,
      ]);
    });

    it("refuses a second claim, naming the leaf, without sending anything", async function () {
      const { signers } = await loadFixture(airdropTaskFixture);
      const account = signers[10].address;
      await task("airdrop claim", { proofs: HARDHAT_PROOFS, account, json: true });
      const block = await hre.ethers.provider.getBlockNumber();
      await expectTaskFailure(
        "airdrop claim",
        { proofs: HARDHAT_PROOFS, from: account, json: true },
        `already claimed: ${account} (leaf 0)`,
      );
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
    });

    it("refuses an account that has no claim in the file", async function () {
      const { signers } = await loadFixture(airdropTaskFixture);
      await expectTaskFailure(
        "airdrop claim",
        { proofs: HARDHAT_PROOFS, from: signers[8].address, json: true },
        `no claim for ${signers[8].address} in ${HARDHAT_PROOFS}`,
      );
    });

    it("refuses a tampered proof or amount without sending anything", async function () {
      const { signers, proofs } = await loadFixture(airdropTaskFixture);
      const account = signers[13].address;
      const block = await hre.ethers.provider.getBlockNumber();

      const badProof = structuredClone(proofs);
      badProof.claims[account].proof[0] = "0x" + "ab".repeat(32);
      const proofFile = files.write("tampered-proof.json", badProof);
      await expectTaskFailure(
        "airdrop claim",
        { proofs: proofFile, account, json: true },
        `wrong proof for ${account}`,
      );

      const badAmount = structuredClone(proofs);
      badAmount.claims[account].amount = (40_000_000n * ALT).toString();
      const amountFile = files.write("tampered-amount.json", badAmount);
      await expectTaskFailure(
        "airdrop claim",
        { proofs: amountFile, account, json: true },
        `wrong proof for ${account}`,
      );
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
    });

    it("refuses a proofs file built for another root", async function () {
      const { signers, airdrop } = await loadFixture(airdropTaskFixture);
      const account = signers[14].address;
      const input = files.write("other.csv", `${account},5000000\n${signers[15].address},1\n`);
      const out = files.path("other.proofs.json");
      const { root } = await task<BuildSummary>("airdrop build", { input, out, json: true });
      await expectTaskFailure(
        "airdrop claim",
        { proofs: out, account, json: true },
        `${out} is for root ${root}, but the airdrop's root is ${await airdrop.merkleRoot()}`,
      );
    });

    it("refuses to claim once the 90-day claim window has closed", async function () {
      const { signers, airdrop } = await loadFixture(airdropTaskFixture);
      const deadline = await airdrop.deadline();
      await time.increaseTo(deadline + BigInt(days(1)));
      await expectTaskFailure(
        "airdrop claim",
        { proofs: HARDHAT_PROOFS, from: signers[10].address, json: true },
        `the claim window closed at ${isoTime(deadline)} (1d ago)`,
      );
    });

    it("refuses --delegate when the signer is not the --account", async function () {
      const { signers } = await loadFixture(airdropTaskFixture);
      const account = signers[14].address;
      await expectTaskFailure(
        "airdrop claim",
        { proofs: HARDHAT_PROOFS, account, delegate: account, from: signers[0].address, json: true },
        `--delegate needs ${account} itself to sign: pass --from ${account}`,
      );
    });

    it("refuses a malformed --account or --delegate", async function () {
      await loadFixture(airdropTaskFixture);
      await expectTaskFailure(
        "airdrop claim",
        { proofs: HARDHAT_PROOFS, account: "0x12", json: true },
        "--account is not a valid address: 0x12",
      );
      await expectTaskFailure(
        "airdrop claim",
        { proofs: HARDHAT_PROOFS, delegate: "bob", json: true },
        "--delegate is not a valid address: bob",
      );
    });

    it("refuses a missing proofs file", async function () {
      await loadFixture(airdropTaskFixture);
      const missing = files.path("missing.proofs.json");
      await expectTaskFailure("airdrop claim", { proofs: missing, json: true }, `proofs file not found: ${missing}`);
    });

    it("refuses a proofs file that is not JSON, or not a proofs file", async function () {
      await loadFixture(airdropTaskFixture);
      const text = '{"root": "0x12", "claims": {';
      const invalid = files.write("invalid.proofs.json", text);
      await expectTaskFailure(
        "airdrop claim",
        { proofs: invalid, json: true },
        `${invalid} is not a proofs file: ${parseErrorOf(text)}`,
      );
      const wrongShape = files.write("wrong-shape.proofs.json", { claims: {} });
      await expectTaskFailure(
        "airdrop claim",
        { proofs: wrongShape, json: true },
        `${wrongShape} is not a proofs file`,
      );
    });

    it("refuses a proofs file whose claims are null with one line", async function () {
      await loadFixture(airdropTaskFixture);
      const file = files.write("null-claims.proofs.json", { root: "0x" + "00".repeat(32), claims: null });
      await expectTaskFailure("airdrop claim", { proofs: file, json: true }, `${file} is not a proofs file`);
    });
  });

  describe("airdrop sweep", function () {
    async function sweepFixture() {
      const book = await genesisFixture();
      const signers = await hre.ethers.getSigners();
      const token = (await hre.ethers.getContractAt("AltToken", book["Genesis#AltToken"])) as unknown as AltToken;
      const airdrop = (await hre.ethers.getContractAt(
        "MerkleAirdrop",
        book["Genesis#MerkleAirdrop"],
      )) as unknown as MerkleAirdrop;
      return { book, signers, token, airdrop };
    }

    it("refuses while the claim window is open, saying until when, sending nothing", async function () {
      const { signers, airdrop } = await loadFixture(sweepFixture);
      const deadline = await airdrop.deadline();
      await time.increaseTo(deadline - 3600n);
      const nonce = await hre.ethers.provider.getTransactionCount(signers[0].address);
      await expectTaskFailure(
        "airdrop sweep",
        { json: true },
        `the claim window is open until ${isoTime(deadline)} (in 1h): the unclaimed ALT can be swept after it`,
      );
      expect(await hre.ethers.provider.getTransactionCount(signers[0].address)).to.equal(nonce);
    });

    it("sends every unclaimed ALT to the treasury from the deadline on (anyone), then refuses a second sweep", async function () {
      const { signers, token, airdrop } = await loadFixture(sweepFixture);
      const claimed = await task<ClaimResult>("airdrop claim", {
        proofs: HARDHAT_PROOFS,
        from: signers[10].address,
        json: true,
      });
      const deadline = await airdrop.deadline();
      await time.increaseTo(deadline);
      const treasury = await airdrop.treasury();
      const airdropAddress = await airdrop.getAddress();
      const unclaimed = await token.balanceOf(airdropAddress);
      expect(unclaimed).to.equal(55_000_000n * ALT - BigInt(claimed.amount));
      const before = await token.balanceOf(treasury);
      const sweeper = signers[12];
      const { result, lines } = await runTask<{
        amount: bigint;
        treasury: string;
        deadline: bigint;
        tx: { hash: string; gasUsed: string; block: number };
      }>("airdrop sweep", { from: sweeper.address, json: false });
      expect(result).to.deep.include({ amount: unclaimed, treasury, deadline });
      const receipt = (await hre.ethers.provider.getTransactionReceipt(result.tx.hash))!;
      expect([receipt.from, receipt.to, receipt.status]).to.deep.equal([sweeper.address, airdropAddress, 1]);
      await expect(receipt.hash).to.emit(airdrop, "Swept").withArgs(treasury, unclaimed);
      expect((await token.balanceOf(treasury)) - before).to.equal(unclaimed);
      expect(await token.balanceOf(airdropAddress)).to.equal(0n);
      const { hash, gasUsed, block } = result.tx;
      expect(lines).to.deep.equal([
        `swept ${Number(unclaimed / ALT).toLocaleString("en-US")} ALT of unclaimed airdrop ALT to the treasury ${treasury}: tx ${hash} (gas ${gasUsed}, block ${block})`,
      ]);
      const nonce = await hre.ethers.provider.getTransactionCount(sweeper.address);
      await expectTaskFailure(
        "airdrop sweep",
        { from: sweeper.address, json: true },
        "nothing to sweep: the airdrop holds no ALT",
      );
      expect(await hre.ethers.provider.getTransactionCount(sweeper.address)).to.equal(nonce);
    });
  });
});
