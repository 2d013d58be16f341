import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { id, Wallet, ZeroAddress } from "ethers";
import type { AltToken, VestingFactory, VestingPosition } from "../../typechain-types";
import { ALT } from "../helpers/constants";
import { days, months } from "../helpers/time";
import type { PositionView } from "../../tasks/vesting";
import { expectTaskFailure, genesisFixture, isoTime, runTask, task } from "../helpers/tasks";
import { vestedAt } from "../helpers/vesting";

/** The genesis table of deploy/parameters/hardhat.json, as the chain must show it. */
const GENESIS = [
  {
    category: "Treasury",
    beneficiary: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    bps: 2150n,
    cliff: 6,
    duration: 36,
  },
  {
    category: "ProtocolDevelopment",
    beneficiary: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    bps: 2000n,
    cliff: 0,
    duration: 36,
    revocable: true,
  },
  {
    category: "Investors",
    beneficiary: "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
    bps: 1850n,
    cliff: 6,
    duration: 24,
  },
  {
    category: "Ecosystem",
    beneficiary: "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
    bps: 1500n,
    cliff: 0,
    duration: 36,
    revocable: true,
    airdrop: 55_000_000n * ALT,
  },
  {
    category: "Team",
    beneficiary: "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
    bps: 1500n,
    cliff: 6,
    duration: 36,
    revocable: true,
  },
  {
    category: "Advisors",
    beneficiary: "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
    bps: 500n,
    cliff: 6,
    duration: 24,
    revocable: true,
  },
  {
    category: "Launchpool",
    beneficiary: "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
    bps: 500n,
    cliff: 0,
    duration: 0,
  },
].map((row) => ({
  revocable: false,
  ...row,
  total: (row.bps * 10_000_000_000n * ALT) / 10_000n - (row.airdrop ?? 0n),
}));
const CATEGORY_NAMES = GENESIS.map((row) => row.category).join(", ");
const row = (category: string) => GENESIS.find((r) => r.category === category)!;

interface ReleaseResult {
  position: string;
  category: string | null;
  beneficiary: string;
  amount: bigint;
  tx: { hash: string; gasUsed: string; block: number };
}

const blockTimestamp = async (block: number) => (await hre.ethers.provider.getBlock(block))!.timestamp;
const latestTimestamp = async () => (await hre.ethers.provider.getBlock("latest"))!.timestamp;

describe("vesting tasks", function () {
  /** The hardhat genesis with typed handles on the token, factory and positions. */
  async function vestingTaskFixture() {
    const book = await genesisFixture();
    const signers = await hre.ethers.getSigners();
    const token = (await hre.ethers.getContractAt("AltToken", book["Genesis#AltToken"])) as unknown as AltToken;
    const factory = (await hre.ethers.getContractAt(
      "VestingFactory",
      book["Genesis#VestingFactory"],
    )) as unknown as VestingFactory;
    const positions: Record<string, VestingPosition> = {};
    for (const { category } of GENESIS) {
      const address = book[`Genesis#Vesting_${category}`];
      positions[category] = (await hre.ethers.getContractAt("VestingPosition", address)) as unknown as VestingPosition;
    }
    const tge = Number((await positions.Treasury.schedule()).start);
    return { book, signers, token, factory, positions, tge };
  }

  describe("vesting:list", function () {
    it("lists the seven genesis positions in table order with exact totals, schedules and beneficiaries", async function () {
      const { book, tge } = await loadFixture(vestingTaskFixture);
      const views = await task<PositionView[]>("vesting:list", { json: true });
      expect(views.map((v) => v.category)).to.deep.equal(GENESIS.map((r) => r.category));
      for (const [i, expected] of GENESIS.entries()) {
        const view = views[i];
        expect(view.address).to.equal(book[`Genesis#Vesting_${expected.category}`]);
        expect(view.beneficiary).to.equal(expected.beneficiary);
        expect(view.total).to.equal(expected.total);
        expect(view.start).to.equal(tge);
        expect(view.cliff).to.equal(tge + months(expected.cliff));
        expect(view.end).to.equal(tge + months(expected.duration));
        expect(view.revocable).to.equal(expected.revocable);
        expect(view.revoked).to.equal(false);
        expect(view.released).to.equal(0n);
      }
    });

    it("gives the 55,000,000 ALT of the airdrop from Ecosystem: the totals add up to 10B minus the airdrop", async function () {
      await loadFixture(vestingTaskFixture);
      const views = await task<PositionView[]>("vesting:list", { json: true });
      expect(views.find((v) => v.category === "Ecosystem")!.total).to.equal(1_445_000_000n * ALT);
      expect(views.reduce((sum, v) => sum + v.total, 0n)).to.equal(9_945_000_000n * ALT);
    });

    it("shows each position's votes delegated to its beneficiary", async function () {
      await loadFixture(vestingTaskFixture);
      const views = await task<PositionView[]>("vesting:list", { json: true });
      for (const view of views) expect(view.delegate).to.equal(view.beneficiary);
    });

    it("computes vested, releasable and locked at the latest block", async function () {
      const { tge } = await loadFixture(vestingTaskFixture);
      await time.increaseTo(tge + months(7));
      const views = await task<PositionView[]>("vesting:list", { json: true });
      const now = await latestTimestamp();
      for (const view of views) {
        const vested = vestedAt(view, now);
        expect(view.vested).to.equal(vested);
        expect(view.releasable).to.equal(vested);
        expect(view.locked).to.equal(view.total - vested);
      }
      expect(views.find((v) => v.category === "Launchpool")!.vested).to.equal(500_000_000n * ALT);
      expect(views.find((v) => v.category === "Team")!.vested).to.be.greaterThan(0n);
    });

    it("prints four lines per position in text mode", async function () {
      const { book, tge } = await loadFixture(vestingTaskFixture);
      const { lines } = await runTask("vesting:list", { json: false });
      expect(lines).to.have.lengthOf(4 * GENESIS.length);
      const team = row("Team");
      expect(lines.slice(16, 20)).to.deep.equal([
        `Team ${book["Genesis#Vesting_Team"]} (revocable)`,
        `  beneficiary ${team.beneficiary}, votes delegated to ${team.beneficiary}`,
        "  total 1,500,000,000 ALT | vested 0 ALT | released 0 ALT | locked 1,500,000,000 ALT",
        `  start ${isoTime(tge)}, cliff ${isoTime(tge + months(6))}, end ${isoTime(tge + months(36))}`,
      ]);
      expect(lines[0]).to.equal(`Treasury ${book["Genesis#Vesting_Treasury"]}`);
    });

    it("keeps only the positions of --beneficiary", async function () {
      const { book } = await loadFixture(vestingTaskFixture);
      const team = row("Team");
      const views = await task<PositionView[]>("vesting:list", {
        beneficiary: team.beneficiary.toLowerCase(),
        json: true,
      });
      expect(views).to.have.lengthOf(1);
      expect(views[0].category).to.equal("Team");
      expect(views[0].address).to.equal(book["Genesis#Vesting_Team"]);
      expect(views[0].total).to.equal(team.total);
    });

    it("prints that there is none for a --beneficiary without positions", async function () {
      const { signers } = await loadFixture(vestingTaskFixture);
      const { result, lines } = await runTask<PositionView[]>("vesting:list", {
        beneficiary: signers[9].address,
        json: false,
      });
      expect(result).to.deep.equal([]);
      expect(lines).to.deep.equal(["no vesting positions"]);
    });

    it("lists a position created outside the genesis without a category", async function () {
      const { signers, token, factory, positions } = await loadFixture(vestingTaskFixture);
      const creator = signers[7]; // the Launchpool beneficiary
      await (await positions.Launchpool.release()).wait();
      await (await token.connect(creator).approve(await factory.getAddress(), 1_000n * ALT)).wait();
      const params = {
        beneficiary: signers[9].address,
        start: 0,
        cliffDuration: 0,
        duration: days(10),
        amount: 1_000n * ALT,
        revocable: false,
        delegatee: ZeroAddress,
        salt: id("extra"),
      };
      await (await factory.connect(creator).createPositions([params])).wait();
      const address = await factory.predictPositionAddress(creator.address, id("extra"));

      const { result, lines } = await runTask<PositionView[]>("vesting:list", {
        beneficiary: signers[9].address,
        json: false,
      });
      expect(result).to.have.lengthOf(1);
      expect(result[0]).to.include({ address, category: null, total: 1_000n * ALT, delegate: ZeroAddress });
      expect(lines[0]).to.equal(`position ${address}`);
      const all = await task<PositionView[]>("vesting:list", { json: true });
      expect(all.map((v) => v.category)).to.deep.equal([...GENESIS.map((r) => r.category), null]);
    });

    it("refuses a malformed --beneficiary", async function () {
      await loadFixture(vestingTaskFixture);
      await expectTaskFailure(
        "vesting:list",
        { beneficiary: "0xabc", json: true },
        "--beneficiary is not a valid address: 0xabc",
      );
    });
  });

  describe("vesting:release", function () {
    it("releases the whole Launchpool, named case-insensitively, to its beneficiary", async function () {
      const { token, positions } = await loadFixture(vestingTaskFixture);
      const beneficiary = row("Launchpool").beneficiary;
      const before = await token.balanceOf(beneficiary);
      const result = await task<ReleaseResult>("vesting:release", { position: "launchpool", json: true });
      expect(result.category).to.equal("Launchpool");
      expect(result.position).to.equal(await positions.Launchpool.getAddress());
      expect(result.beneficiary).to.equal(beneficiary);
      expect(result.amount).to.equal(500_000_000n * ALT);
      expect((await token.balanceOf(beneficiary)) - before).to.equal(500_000_000n * ALT);
      expect((await positions.Launchpool.schedule()).released).to.equal(500_000_000n * ALT);
    });

    it("releases by position address exactly what vested at the release block", async function () {
      const { token, positions } = await loadFixture(vestingTaskFixture);
      const position = positions.ProtocolDevelopment;
      const address = await position.getAddress();
      const beneficiary = row("ProtocolDevelopment").beneficiary;
      const before = await token.balanceOf(beneficiary);
      const result = await task<ReleaseResult>("vesting:release", { position: address.toLowerCase(), json: true });
      const s = await position.schedule();
      const expected = vestedAt(
        { total: s.total, start: Number(s.start), cliff: Number(s.cliff), end: Number(s.end) },
        await blockTimestamp(result.tx.block),
      );
      expect(result.position).to.equal(address);
      expect(result.category).to.equal("ProtocolDevelopment");
      expect(expected).to.be.greaterThan(0n);
      expect(result.amount).to.equal(expected);
      expect((await token.balanceOf(beneficiary)) - before).to.equal(expected);
    });

    it("releases exactly the vested share of Team after its cliff has passed", async function () {
      const { token, positions, tge } = await loadFixture(vestingTaskFixture);
      await time.increase(months(6) + days(30));
      const team = row("Team");
      const before = await token.balanceOf(team.beneficiary);
      const result = await task<ReleaseResult>("vesting:release", { position: "Team", json: true });
      const at = await blockTimestamp(result.tx.block);
      const expected = (team.total * BigInt(at - tge)) / BigInt(months(36));
      expect(result.amount).to.equal(expected);
      expect((await token.balanceOf(team.beneficiary)) - before).to.equal(expected);
      expect((await positions.Team.schedule()).released).to.equal(expected);
    });

    it("pays the beneficiary, not the --from account that sends the release", async function () {
      const { token, signers } = await loadFixture(vestingTaskFixture);
      const sender = signers[9];
      const result = await task<ReleaseResult>("vesting:release", {
        position: "Launchpool",
        from: sender.address,
        json: true,
      });
      const receipt = (await hre.ethers.provider.getTransactionReceipt(result.tx.hash))!;
      expect(receipt.from).to.equal(sender.address);
      expect(await token.balanceOf(sender.address)).to.equal(0n);
      expect(await token.balanceOf(row("Launchpool").beneficiary)).to.equal(500_000_000n * ALT);
    });

    it("prints the amount, beneficiary and transaction in text mode", async function () {
      await loadFixture(vestingTaskFixture);
      const { result, lines } = await runTask<ReleaseResult>("vesting:release", {
        position: "Launchpool",
        json: false,
      });
      const { hash, gasUsed, block } = result.tx;
      expect(lines).to.deep.equal([
        `released 500,000,000 ALT to ${row("Launchpool").beneficiary}: tx ${hash} (gas ${gasUsed}, block ${block})`,
      ]);
    });

    it("refuses Team before its cliff, naming the cliff time, without sending anything", async function () {
      const { tge } = await loadFixture(vestingTaskFixture);
      const block = await hre.ethers.provider.getBlockNumber();
      await expectTaskFailure(
        "vesting:release",
        { position: "Team", json: true },
        `nothing to release from Team: nothing vests before the cliff at ${isoTime(tge + months(6))}`,
      );
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
    });

    it("refuses a position that has released everything, by name and by address", async function () {
      const { positions } = await loadFixture(vestingTaskFixture);
      await task("vesting:release", { position: "Launchpool", json: true });
      const message = "nothing to release from Launchpool: everything is released";
      await expectTaskFailure("vesting:release", { position: "Launchpool", json: true }, message);
      await expectTaskFailure(
        "vesting:release",
        { position: await positions.Launchpool.getAddress(), json: true },
        message,
      );
    });

    it("refuses an unknown category name, listing the genesis categories", async function () {
      await loadFixture(vestingTaskFixture);
      await expectTaskFailure(
        "vesting:release",
        { position: "Nope", json: true },
        `unknown vesting position Nope (genesis categories: ${CATEGORY_NAMES})`,
      );
    });

    it("refuses an address the factory did not create", async function () {
      const { book } = await loadFixture(vestingTaskFixture);
      for (const address of [Wallet.createRandom().address, book["Genesis#AltToken"]]) {
        await expectTaskFailure(
          "vesting:release",
          { position: address, json: true },
          `unknown vesting position ${address} (genesis categories: ${CATEGORY_NAMES})`,
        );
      }
    });

    it("refuses a --from that is not an account of the network", async function () {
      await loadFixture(vestingTaskFixture);
      const stranger = Wallet.createRandom().address;
      await expectTaskFailure(
        "vesting:release",
        { position: "Launchpool", from: stranger, json: true },
        `--from ${stranger} is not an account of network hardhat`,
      );
    });

    it("says a position revoked before its cliff was revoked, not that everything is released", async function () {
      const { positions } = await loadFixture(vestingTaskFixture);
      await (await positions.Team.revoke()).wait(); // the deployer owns the factory: it is the revoker
      await expectTaskFailure(
        "vesting:release",
        { position: "Team", json: true },
        "nothing to release from Team: the position was revoked and its vested part is released",
      );
    });
  });
});
