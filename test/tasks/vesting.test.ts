import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { id, Wallet, ZeroAddress } from "ethers";
import type { AltToken, VestingFactory, VestingPosition } from "../../typechain-types";
import { ALT } from "../helpers/constants";
import { days, months } from "../helpers/time";
import type { PositionView } from "../../tasks/vesting";
import { expectTaskFailure, genesisFixture, isoTime, runTask, task, tempDir, transaction } from "../helpers/tasks";
import { formatAlt } from "../../tasks/lib/cli";
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

  describe("vesting list", function () {
    it("lists the seven genesis positions in table order with exact totals, schedules and beneficiaries", async function () {
      const { book, tge } = await loadFixture(vestingTaskFixture);
      const views = await task<PositionView[]>("vesting list", { json: true });
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
      const views = await task<PositionView[]>("vesting list", { json: true });
      expect(views.find((v) => v.category === "Ecosystem")!.total).to.equal(1_445_000_000n * ALT);
      expect(views.reduce((sum, v) => sum + v.total, 0n)).to.equal(9_945_000_000n * ALT);
    });

    it("shows each position's votes delegated to its beneficiary", async function () {
      await loadFixture(vestingTaskFixture);
      const views = await task<PositionView[]>("vesting list", { json: true });
      for (const view of views) expect(view.delegate).to.equal(view.beneficiary);
    });

    it("computes vested, releasable and locked at the latest block", async function () {
      const { tge } = await loadFixture(vestingTaskFixture);
      await time.increaseTo(tge + months(7));
      const views = await task<PositionView[]>("vesting list", { json: true });
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
      await time.increaseTo(tge + days(1)); // dates are printed with their distance from the latest block
      const { lines } = await runTask("vesting list", { json: false });
      expect(lines).to.have.lengthOf(4 * GENESIS.length);
      const team = row("Team");
      expect(lines.slice(16, 20)).to.deep.equal([
        `Team ${book["Genesis#Vesting_Team"]} (revocable)`,
        `  beneficiary ${team.beneficiary}, votes delegated to ${team.beneficiary}`,
        "  total 1,500,000,000 ALT | vested 0 ALT | released 0 ALT | locked 1,500,000,000 ALT",
        // 6 months are 182.5 days, 36 months 1,095 days
        `  start ${isoTime(tge)} (1d ago), cliff ${isoTime(tge + months(6))} (in 181d 12h), ` +
          `end ${isoTime(tge + months(36))} (in 1094d)`,
      ]);
      expect(lines[0]).to.equal(`Treasury ${book["Genesis#Vesting_Treasury"]}`);
    });

    it("keeps only the positions of --beneficiary", async function () {
      const { book } = await loadFixture(vestingTaskFixture);
      const team = row("Team");
      const views = await task<PositionView[]>("vesting list", {
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
      const { result, lines } = await runTask<PositionView[]>("vesting list", {
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

      const { result, lines } = await runTask<PositionView[]>("vesting list", {
        beneficiary: signers[9].address,
        json: false,
      });
      expect(result).to.have.lengthOf(1);
      expect(result[0]).to.include({ address, category: null, total: 1_000n * ALT, delegate: ZeroAddress });
      expect(lines[0]).to.equal(`position ${address}`);
      const all = await task<PositionView[]>("vesting list", { json: true });
      expect(all.map((v) => v.category)).to.deep.equal([...GENESIS.map((r) => r.category), null]);
    });

    it("refuses a malformed --beneficiary", async function () {
      await loadFixture(vestingTaskFixture);
      await expectTaskFailure(
        "vesting list",
        { beneficiary: "0xabc", json: true },
        "--beneficiary is not a valid address: 0xabc",
      );
    });
  });

  describe("vesting release", function () {
    it("releases the whole Launchpool, named case-insensitively, to its beneficiary", async function () {
      const { token, positions } = await loadFixture(vestingTaskFixture);
      const beneficiary = row("Launchpool").beneficiary;
      const before = await token.balanceOf(beneficiary);
      const result = await task<ReleaseResult>("vesting release", { position: "launchpool", json: true });
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
      const result = await task<ReleaseResult>("vesting release", { position: address.toLowerCase(), json: true });
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
      const result = await task<ReleaseResult>("vesting release", { position: "Team", json: true });
      const at = await blockTimestamp(result.tx.block);
      const expected = (team.total * BigInt(at - tge)) / BigInt(months(36));
      expect(result.amount).to.equal(expected);
      expect((await token.balanceOf(team.beneficiary)) - before).to.equal(expected);
      expect((await positions.Team.schedule()).released).to.equal(expected);
    });

    it("pays the beneficiary, not the --from account that sends the release", async function () {
      const { token, signers } = await loadFixture(vestingTaskFixture);
      const sender = signers[9];
      const result = await task<ReleaseResult>("vesting release", {
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
      const { result, lines } = await runTask<ReleaseResult>("vesting release", {
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
      await time.increaseTo(tge + days(1));
      const block = await hre.ethers.provider.getBlockNumber();
      await expectTaskFailure(
        "vesting release",
        { position: "Team", json: true },
        `nothing to release from Team: nothing vests before the cliff at ${isoTime(tge + months(6))} (in 181d 12h)`,
      );
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
    });

    it("refuses a position that has released everything, by name and by address", async function () {
      const { positions } = await loadFixture(vestingTaskFixture);
      await task("vesting release", { position: "Launchpool", json: true });
      const message = "nothing to release from Launchpool: everything is released";
      await expectTaskFailure("vesting release", { position: "Launchpool", json: true }, message);
      await expectTaskFailure(
        "vesting release",
        { position: await positions.Launchpool.getAddress(), json: true },
        message,
      );
    });

    it("refuses an unknown category name, listing the genesis categories", async function () {
      await loadFixture(vestingTaskFixture);
      await expectTaskFailure(
        "vesting release",
        { position: "Nope", json: true },
        `unknown vesting position Nope (genesis categories: ${CATEGORY_NAMES})`,
      );
    });

    it("refuses an address the factory did not create", async function () {
      const { book } = await loadFixture(vestingTaskFixture);
      for (const address of [Wallet.createRandom().address, book["Genesis#AltToken"]]) {
        await expectTaskFailure(
          "vesting release",
          { position: address, json: true },
          `unknown vesting position ${address} (genesis categories: ${CATEGORY_NAMES})`,
        );
      }
    });

    it("refuses a --from that is not an account of the network", async function () {
      await loadFixture(vestingTaskFixture);
      const stranger = Wallet.createRandom().address;
      await expectTaskFailure(
        "vesting release",
        { position: "Launchpool", from: stranger, json: true },
        `--from ${stranger} is not an account of network hardhat`,
      );
    });

    it("says a position revoked before its cliff was revoked, not that everything is released", async function () {
      const { positions } = await loadFixture(vestingTaskFixture);
      await (await positions.Team.revoke()).wait(); // the deployer owns the factory: it is the revoker
      await expectTaskFailure(
        "vesting release",
        { position: "Team", json: true },
        "nothing to release from Team: the position was revoked and its vested part is released",
      );
    });
  });

  /** Runs `name`, which must refuse with `message`, and checks `account` sent nothing (its nonce is unchanged). */
  async function expectRefusedBy(account: string, name: string, args: Record<string, unknown>, message: string) {
    const nonce = await hre.ethers.provider.getTransactionCount(account);
    await expectTaskFailure(name, { json: true, ...args }, message);
    expect(await hre.ethers.provider.getTransactionCount(account)).to.equal(nonce);
  }

  const signerOf = async (address: string) => hre.ethers.getSigner(address);

  describe("vesting delegate", function () {
    it("moves a position's votes as its beneficiary: the new delegatee holds its whole total", async function () {
      const { signers, token, book } = await loadFixture(vestingTaskFixture);
      const team = row("Team");
      const to = signers[9].address;
      const { result, lines } = await runTask<{
        delegatee: string;
        votes: bigint;
        tx: { hash: string; gasUsed: string; block: number };
      }>("vesting delegate", { position: "Team", to, from: team.beneficiary, json: false });
      expect(await token.delegates(book["Genesis#Vesting_Team"])).to.equal(to);
      expect(await token.getVotes(to)).to.equal(team.total);
      expect(result.votes).to.equal(team.total);
      await expect(result.tx.hash).to.emit(token, "DelegateChanged");
      const { tx } = result;
      expect(lines).to.deep.equal([
        `votes of Team delegated to ${to} (was ${team.beneficiary}); ${to} has 1,500,000,000 ALT of votes: ` +
          `tx ${tx.hash} (gas ${tx.gasUsed}, block ${tx.block})`,
      ]);
    });

    it("refuses anyone but the beneficiary, and a delegatee that has the votes already, sending nothing", async function () {
      const { signers } = await loadFixture(vestingTaskFixture);
      const team = row("Team");
      await expectRefusedBy(
        signers[0].address,
        "vesting delegate",
        { position: "Team", to: signers[9].address },
        `${signers[0].address} is not the beneficiary of Team: only ${team.beneficiary} delegates its votes`,
      );
      await expectRefusedBy(
        team.beneficiary,
        "vesting delegate",
        { position: "Team", to: team.beneficiary, from: team.beneficiary },
        `the votes of Team are delegated to ${team.beneficiary} already`,
      );
      await expectTaskFailure(
        "vesting delegate",
        { position: "Team", to: "nobody", json: true },
        "--to is not a valid address: nobody",
      );
    });
  });

  describe("vesting transfer-beneficiary and vesting accept-beneficiary", function () {
    it("hands a position over in two steps: offered by the beneficiary, accepted by the new one", async function () {
      const { signers, positions } = await loadFixture(vestingTaskFixture);
      const team = row("Team");
      const heir = signers[9].address;
      const offered = await runTask<{ pendingBeneficiary: string }>("vesting transfer-beneficiary", {
        position: "Team",
        to: heir,
        from: team.beneficiary,
        json: false,
      });
      expect(offered.result.pendingBeneficiary).to.equal(heir);
      expect(offered.lines[1]).to.equal(
        `  ${team.beneficiary} stays the beneficiary until ${heir} accepts: ` +
          `vesting accept-beneficiary --position Team --from ${heir}`,
      );
      expect(await positions.Team.pendingBeneficiary()).to.equal(heir);
      expect(await positions.Team.beneficiary()).to.equal(team.beneficiary);
      // only the heir accepts
      await expectRefusedBy(
        signers[8].address,
        "vesting accept-beneficiary",
        { position: "Team", from: signers[8].address },
        `Team is offered to ${heir}, not ${signers[8].address}`,
      );
      const accepted = await task<{ previous: string; beneficiary: string; tx: { hash: string } }>(
        "vesting accept-beneficiary",
        { position: "Team", from: heir, json: true },
      );
      expect([accepted.previous, accepted.beneficiary]).to.deep.equal([team.beneficiary, heir]);
      await expect(accepted.tx.hash).to.emit(positions.Team, "BeneficiaryTransferred").withArgs(team.beneficiary, heir);
      expect(await positions.Team.beneficiary()).to.equal(heir);
      expect(await positions.Team.pendingBeneficiary()).to.equal(ZeroAddress);
      // and nothing is offered any more
      await expectRefusedBy(
        heir,
        "vesting accept-beneficiary",
        { position: "Team", from: heir },
        "Team is offered to nobody: its beneficiary offers it first (vesting transfer-beneficiary)",
      );
    });

    it("refuses an offer by anyone but the beneficiary, to itself or to the zero address, sending nothing", async function () {
      const { signers } = await loadFixture(vestingTaskFixture);
      const team = row("Team");
      await expectRefusedBy(
        signers[9].address,
        "vesting transfer-beneficiary",
        { position: "Team", to: signers[9].address, from: signers[9].address },
        `${signers[9].address} is not the beneficiary of Team: only ${team.beneficiary} hands it over`,
      );
      await expectRefusedBy(
        team.beneficiary,
        "vesting transfer-beneficiary",
        { position: "Team", to: team.beneficiary, from: team.beneficiary },
        `${team.beneficiary} is the beneficiary of Team already`,
      );
      await expectRefusedBy(
        team.beneficiary,
        "vesting transfer-beneficiary",
        { position: "Team", to: ZeroAddress, from: team.beneficiary },
        "--to is the zero address: nobody could accept the position",
      );
    });
  });

  describe("vesting revoke", function () {
    it("revokes a revocable position as the factory owner: vested stays, the unvested part goes to the treasury", async function () {
      const { signers, token, factory, positions, tge } = await loadFixture(vestingTaskFixture);
      expect(await factory.owner()).to.equal(signers[0].address);
      const treasury = await factory.treasury();
      const team = row("Team");
      await time.increaseTo(tge + months(12) - 1); // revoked in the next block: 12 months after the TGE
      const before = await token.balanceOf(treasury);
      const { result, lines } = await runTask<{
        vested: bigint;
        unvested: bigint;
        treasury: string;
        tx: { hash: string; gasUsed: string; block: number };
      }>("vesting revoke", { position: "Team", json: false });
      const vested = vestedAt(
        { start: tge, cliff: tge + months(6), end: tge + months(36), total: team.total },
        tge + months(12),
      );
      expect(await blockTimestamp(result.tx.block)).to.equal(tge + months(12));
      expect([result.vested, result.unvested, result.treasury]).to.deep.equal([vested, team.total - vested, treasury]);
      await expect(result.tx.hash)
        .to.emit(positions.Team, "Revoked")
        .withArgs(vested, team.total - vested, treasury);
      expect((await token.balanceOf(treasury)) - before).to.equal(team.total - vested);
      const schedule = await positions.Team.schedule();
      expect([schedule.total, schedule.revoked]).to.deep.equal([vested, true]);
      const { hash, gasUsed, block } = result.tx;
      expect(lines).to.deep.equal([
        `revoked Team: ${formatAlt(team.total - vested)} unvested to the treasury ${treasury}: tx ${hash} (gas ${gasUsed}, block ${block})`,
        `  ${formatAlt(vested)} vested stays ${team.beneficiary}'s (${formatAlt(vested)} still to release)`,
      ]);
      await expectRefusedBy(signers[0].address, "vesting revoke", { position: "Team" }, "Team is revoked already");
    });

    it("refuses a position that is not revocable, and anyone but the factory owner, sending nothing", async function () {
      const { signers } = await loadFixture(vestingTaskFixture);
      await expectRefusedBy(
        signers[0].address,
        "vesting revoke",
        { position: "Treasury" },
        "Treasury is not revocable",
      );
      const team = row("Team");
      await expectRefusedBy(
        team.beneficiary,
        "vesting revoke",
        { position: "Team", from: team.beneficiary },
        `${team.beneficiary} is not the owner of the vesting factory: only ${signers[0].address} revokes ` +
          "(after deploy governance, a proposal)",
      );
    });
  });

  describe("vesting sweep and vesting set-treasury", function () {
    it("sweeps ALT sent to a position beyond what its schedule owes to the treasury, then refuses: nothing left", async function () {
      const { signers, token, factory, positions, book } = await loadFixture(vestingTaskFixture);
      const launchpool = await signerOf(row("Launchpool").beneficiary);
      await (await positions.Launchpool.release()).wait();
      const teamAddress = book["Genesis#Vesting_Team"];
      await (await token.connect(launchpool).transfer(teamAddress, 100n * ALT)).wait();
      const treasury = await factory.treasury();
      const before = await token.balanceOf(treasury);
      const result = await task<{ amount: bigint; treasury: string; tx: { hash: string } }>("vesting sweep", {
        position: "Team",
        json: true,
      });
      expect([result.amount, result.treasury]).to.deep.equal([100n * ALT, treasury]);
      await expect(result.tx.hash)
        .to.emit(positions.Team, "SurplusSwept")
        .withArgs(await token.getAddress(), 100n * ALT, treasury);
      expect((await token.balanceOf(treasury)) - before).to.equal(100n * ALT);
      expect(await token.balanceOf(teamAddress)).to.equal(row("Team").total);
      await expectRefusedBy(
        signers[0].address,
        "vesting sweep",
        { position: "Team" },
        "nothing to sweep from Team: it holds 1,500,000,000 ALT, all owed to its beneficiary",
      );
      await expectRefusedBy(
        launchpool.address,
        "vesting sweep",
        { position: "Team", from: launchpool.address },
        `${launchpool.address} is not the owner of the vesting factory: only ${signers[0].address} sweeps ` +
          "(after deploy governance, a proposal)",
      );
    });

    it("sets the factory's treasury as its owner; refuses the same treasury, the zero address and anyone else", async function () {
      const { signers, factory } = await loadFixture(vestingTaskFixture);
      const previous = await factory.treasury();
      const next = signers[9].address;
      const { result, lines } = await runTask<{ tx: { hash: string; gasUsed: string; block: number } }>(
        "vesting set-treasury",
        { treasury: next, json: false },
      );
      await expect(result.tx.hash).to.emit(factory, "TreasuryUpdated").withArgs(previous, next);
      expect(await factory.treasury()).to.equal(next);
      const { hash, gasUsed, block } = result.tx;
      expect(lines).to.deep.equal([
        `vesting treasury ${previous} -> ${next}: tx ${hash} (gas ${gasUsed}, block ${block})`,
      ]);
      const owner = signers[0].address;
      await expectRefusedBy(owner, "vesting set-treasury", { treasury: next }, `the treasury is ${next} already`);
      await expectRefusedBy(owner, "vesting set-treasury", { treasury: ZeroAddress }, "--treasury is the zero address");
      await expectRefusedBy(
        signers[9].address,
        "vesting set-treasury",
        { treasury: previous, from: signers[9].address },
        `${signers[9].address} is not the owner of the vesting factory: only ${owner} sets the treasury ` +
          "(after deploy governance, a proposal)",
      );
    });
  });

  describe("vesting create", function () {
    const files = tempDir("alt-vesting-create-");
    after(files.remove);

    it("approves the factory for the total with --approve, then creates the file's positions exactly", async function () {
      const { signers, token, factory, positions } = await loadFixture(vestingTaskFixture);
      const creator = await signerOf(row("Launchpool").beneficiary);
      await (await positions.Launchpool.release()).wait();
      const start = (await latestTimestamp()) + days(30);
      const file = files.write("positions.json", [
        { beneficiary: signers[9].address, amount: "1000.5", duration: "365d", cliff: "90d", start, salt: "advisor-9" },
        {
          beneficiary: signers[8].address,
          amount: "250",
          duration: "30d",
          revocable: true,
          delegatee: signers[7].address,
        },
      ]);
      const total = 1_250_500_000_000_000_000_000n;
      const before = await token.balanceOf(creator.address);
      const predicted = await factory.predictPositionAddress(creator.address, id("advisor-9"));
      const { result, lines } = await runTask<{
        total: bigint;
        positions: {
          position: string;
          beneficiary: string;
          amount: bigint;
          start: number;
          cliff: number;
          end: number;
          revocable: boolean;
        }[];
        approveTx: { hash: string; gasUsed: string; block: number };
        tx: { hash: string; gasUsed: string; block: number };
      }>("vesting create", { positions: file, approve: true, from: creator.address, json: false });
      expect(result.total).to.equal(total);
      const created = await blockTimestamp(result.tx.block);
      expect(result.positions).to.deep.equal([
        {
          position: predicted,
          beneficiary: signers[9].address,
          amount: 1000n * ALT + ALT / 2n,
          start,
          cliff: start + days(90),
          end: start + days(365),
          revocable: false,
        },
        {
          position: result.positions[1].position,
          beneficiary: signers[8].address,
          amount: 250n * ALT,
          start: created,
          cliff: created,
          end: created + days(30),
          revocable: true,
        },
      ]);
      expect((await transaction(result.approveTx.hash)).from).to.equal(creator.address);
      expect(await token.allowance(creator.address, await factory.getAddress())).to.equal(0n);
      expect(before - (await token.balanceOf(creator.address))).to.equal(total);
      expect(await token.balanceOf(predicted)).to.equal(1000n * ALT + ALT / 2n);
      expect(await token.delegates(predicted)).to.equal(signers[9].address); // the beneficiary by default
      expect(await token.delegates(result.positions[1].position)).to.equal(signers[7].address);
      // vesting list finds them, without a category
      const views = await task<PositionView[]>("vesting list", { beneficiary: signers[9].address, json: true });
      expect(views.map((v) => [v.address, v.category, v.total])).to.deep.equal([
        [predicted, null, 1000n * ALT + ALT / 2n],
      ]);
      expect(lines[0]).to.equal(
        `approved 1,250.5 ALT to the vesting factory: tx ${result.approveTx.hash} (gas ${result.approveTx.gasUsed}, block ${result.approveTx.block})`,
      );
      expect(lines[2]).to.equal(`  ${predicted} for ${signers[9].address}: 1,000.5 ALT`);
      expect(lines[3]).to.equal(
        `    start ${isoTime(start)} (in 29d 23h), cliff ${isoTime(start + days(90))} (in 119d 23h), ` +
          `end ${isoTime(start + days(365))} (in 394d 23h)`,
      );
      // the same file again: its salts are used
      await expectRefusedBy(
        creator.address,
        "vesting create",
        { positions: file, approve: true, from: creator.address },
        `${file} entry 0: ${creator.address} created a position with this salt already (${predicted}): give another salt`,
      );
    });

    it("refuses a short allowance without --approve, a short balance and malformed entries, sending nothing", async function () {
      const { signers, positions } = await loadFixture(vestingTaskFixture);
      const creator = await signerOf(row("Launchpool").beneficiary);
      await (await positions.Launchpool.release()).wait();
      const good = { beneficiary: signers[9].address, amount: "10", duration: "10d" };
      const file = files.write("one.json", [good]);
      await expectRefusedBy(
        creator.address,
        "vesting create",
        { positions: file, from: creator.address },
        `the factory may take 0 ALT of ${creator.address}'s ALT, less than the 10 ALT needed: pass --approve`,
      );
      const poor = signers[9].address;
      await expectRefusedBy(
        poor,
        "vesting create",
        { positions: file, approve: true, from: poor },
        `${poor} holds 0 ALT; this needs 10 ALT`,
      );
      const cases: [unknown, string][] = [
        [[], "expected a non-empty list of positions"],
        [[{ ...good, beneficiary: ZeroAddress }], "entry 0: beneficiary is the zero address"],
        [[{ ...good, amount: "0" }], "entry 0: amount must be positive"],
        [[{ ...good, cliff: "11d" }], "entry 0: the cliff (11d) is longer than the duration (10d)"],
        [[{ ...good, start: "someday" }], 'entry 0: start "someday" is neither unix seconds nor an ISO 8601 date'],
        [[good, { ...good, salt: "x" }, { ...good, salt: "x" }], "entry 2: salt x is used by an earlier entry"],
      ];
      for (const [content, message] of cases) {
        const bad = files.write("bad.json", content as object);
        await expectRefusedBy(
          creator.address,
          "vesting create",
          { positions: bad, approve: true, from: creator.address },
          `${bad}${message.startsWith("entry") ? " " : ": "}${message}`,
        );
      }
    });
  });
});
