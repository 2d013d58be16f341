import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { readFileSync } from "fs";
import path from "path";
import { getAddress, isAddress, ZeroAddress } from "ethers";
import { PARAMETERS_DIR, type ProtocolParameters } from "../../deploy/lib/parameters";
import { resolveRollups } from "../../deploy/lib/rollups";
import { resolveGenesis } from "../../deploy/lib/genesis";
import { buildProtocolModules } from "../../deploy/lib/protocol";
import { firstJournaledBlock, recordInProcess, type AddressBook } from "../../tasks/lib/addressBook";
import type { VestingPosition } from "../../typechain-types";
import { expectTaskFailure, runTask, tempDir } from "../helpers/tasks";
import { coverageRunning } from "../helpers/coverage";
import { hardhatCli, terminalEnv } from "../helpers/cli";
import { ALT } from "../helpers/constants";

const CATEGORIES = ["Treasury", "ProtocolDevelopment", "Investors", "Ecosystem", "Team", "Advisors", "Launchpool"];
const BOOK_KEYS = [
  "Genesis#AltToken",
  "Genesis#VestingFactory",
  "Genesis#MerkleAirdrop",
  ...CATEGORIES.map((c) => `Genesis#Vesting_${c}`),
  "Timelock#TimelockController", // hardhat.json names the timelock as the treasury
];

/** A fresh copy of deploy/parameters/hardhat.json to break one rule of. */
function hardhatParameters(): ProtocolParameters {
  return JSON.parse(readFileSync(path.join(PARAMETERS_DIR, "hardhat.json"), "utf8"));
}

function allocation(parameters: ProtocolParameters, category: string) {
  const row = parameters.genesis.allocations.find((a) => a.category === category);
  if (!row) throw new Error(`no ${category} in the parameters`);
  return row;
}

describe("deploy genesis task", function () {
  const files = tempDir("alt-deploy-task-");
  after(files.remove);

  /** Deploys the hardhat genesis in text mode, capturing what it prints. */
  async function deployTaskFixture() {
    const { result: book, lines } = await runTask<AddressBook>("deploy genesis", { json: false });
    return { book, lines };
  }

  /** Runs deploy genesis on a parameter file that breaks a rule and checks it fails with `message`, sending nothing. */
  async function expectRefused(parameters: ProtocolParameters | string, message: string, task = "deploy genesis") {
    await loadFixture(deployTaskFixture);
    const [deployer] = await hre.ethers.getSigners();
    const file = files.write(`parameters-${Math.random().toString(36).slice(2)}.json`, parameters);
    const blockBefore = await hre.ethers.provider.getBlockNumber();
    const nonceBefore = await hre.ethers.provider.getTransactionCount(deployer.address);
    await expectTaskFailure(task, { parameters: file, json: true }, message.replace("<file>", file));
    expect(await hre.ethers.provider.getBlockNumber()).to.equal(blockBefore);
    expect(await hre.ethers.provider.getTransactionCount(deployer.address)).to.equal(nonceBefore);
    expect(process.env.ALT_PARAMETERS).to.equal(undefined);
  }

  describe("deploying the hardhat genesis", function () {
    it("returns the address book of the token, factory, airdrop, the seven vesting positions and the timelock", async function () {
      const { book } = await loadFixture(deployTaskFixture);
      expect(Object.keys(book)).to.have.members(BOOK_KEYS);
      expect(Object.keys(book)).to.have.lengthOf(11);
      const addresses = Object.values(book);
      expect(new Set(addresses.map((a) => a.toLowerCase())).size).to.equal(11);
      for (const address of addresses) {
        expect(isAddress(address)).to.equal(true);
        expect(address).to.equal(getAddress(address));
        expect(await hre.ethers.provider.getCode(address)).to.not.equal("0x");
      }
    });

    it("records each position under its category, with that category's beneficiary and the factory", async function () {
      const { book } = await loadFixture(deployTaskFixture);
      const parameters = hardhatParameters();
      for (const category of CATEGORIES) {
        const position = (await hre.ethers.getContractAt(
          "VestingPosition",
          book[`Genesis#Vesting_${category}`],
        )) as unknown as VestingPosition;
        const beneficiary = allocation(parameters, category).beneficiary;
        expect((await position.schedule()).beneficiary).to.equal(
          beneficiary === "timelock" ? book["Timelock#TimelockController"] : beneficiary,
        );
        expect(await position.factory()).to.equal(book["Genesis#VestingFactory"]);
        expect(await position.token()).to.equal(book["Genesis#AltToken"]);
      }
      const airdrop = await hre.ethers.getContractAt("MerkleAirdrop", book["Genesis#MerkleAirdrop"]);
      expect(await airdrop.token()).to.equal(book["Genesis#AltToken"]);
      expect(await airdrop.merkleRoot()).to.equal(parameters.genesis.airdrop.root);
    });

    it("prints the ephemeral-network warning and one line per contract in text mode", async function () {
      const { book, lines } = await loadFixture(deployTaskFixture);
      expect(lines).to.deep.equal([
        "warning: the in-process hardhat network is ephemeral; this deployment ends with the process",
        "genesis deployed on hardhat:",
        ...BOOK_KEYS.map((key) => `  ${key.padEnd(36)} ${book[key]}`),
      ]);
    });

    it("prints exactly the returned address book as JSON with --json, without the warning", async function () {
      const { book } = await loadFixture(deployTaskFixture);
      try {
        const { result, lines } = await runTask<AddressBook>("deploy genesis", { json: true });
        expect(JSON.parse(lines.join("\n"))).to.deep.equal(result);
        expect(Object.keys(result)).to.have.members(BOOK_KEYS);
      } finally {
        recordInProcess(book); // the fixture's chain is restored next; so is its address book
      }
    });

    it("deploys from the --parameters file instead of the network's, and forgets the file afterwards", async function () {
      const { book } = await loadFixture(deployTaskFixture);
      const signers = await hre.ethers.getSigners();
      const parameters = hardhatParameters();
      allocation(parameters, "Team").beneficiary = signers[15].address;
      const file = files.write("other-team.json", parameters);
      try {
        const { result } = await runTask<AddressBook>("deploy genesis", { parameters: file, json: true });
        const team = await hre.ethers.getContractAt("VestingPosition", result["Genesis#Vesting_Team"]);
        expect((await team.schedule()).beneficiary).to.equal(signers[15].address);
        expect(result["Genesis#AltToken"]).to.not.equal(book["Genesis#AltToken"]);
        expect(process.env.ALT_PARAMETERS).to.equal(undefined);
      } finally {
        recordInProcess(book);
      }
    });
  });

  describe("reading the address book", function () {
    it("dates a deployment by the lowest block of its journaled receipts: event scans start there", function () {
      const confirm = (block: number) =>
        JSON.stringify({ futureId: "Genesis#AltToken", receipt: { blockNumber: block }, type: "TRANSACTION_CONFIRM" });
      const prepare = JSON.stringify({ futureId: "Genesis#AltToken", nonce: 0, type: "TRANSACTION_PREPARE_SEND" });
      const journal = [prepare, confirm(812), confirm(790), confirm(805), '{"type":"TRANSACTION_CONFIRM","rece'];
      expect(firstJournaledBlock(journal.join("\n"))).to.equal(790); // the line an interruption cut short is skipped
      expect(firstJournaledBlock(prepare)).to.equal(0);
      expect(firstJournaledBlock("")).to.equal(0);
    });

    it("refuses a recorded address that holds no contract, naming the stale record", async function () {
      const { book } = await loadFixture(deployTaskFixture);
      const stale = "0x000000000000000000000000000000000000dEaD";
      recordInProcess({ "Genesis#AltToken": stale });
      try {
        await expectTaskFailure(
          "token info",
          { json: true },
          `no contract at ${stale} (Genesis#AltToken) on hardhat: the deployment records are stale (chain reset?)`,
        );
      } finally {
        recordInProcess(book);
      }
    });
  });

  describe("refusing a broken parameter file before sending any transaction", function () {
    it("refuses allocations that sum to 9999 bps", async function () {
      const parameters = hardhatParameters();
      allocation(parameters, "Treasury").bps = 2149;
      await expectRefused(parameters, "genesis parameters: allocations sum to 9999 bps, not 10000");
    });

    it("refuses a zero-address beneficiary", async function () {
      const parameters = hardhatParameters();
      allocation(parameters, "Team").beneficiary = ZeroAddress;
      await expectRefused(parameters, "genesis parameters: Team.beneficiary is the zero address");
    });

    it("refuses a zero-address beneficiary written without its 0x prefix", async function () {
      const parameters = hardhatParameters();
      allocation(parameters, "Team").beneficiary = "00".repeat(20);
      await expectRefused(parameters, "genesis parameters: Team.beneficiary is the zero address");
    });

    it("refuses a zero-address delegatee: an undelegated position is written as none", async function () {
      const parameters = hardhatParameters();
      allocation(parameters, "Team").delegatee = ZeroAddress;
      await expectRefused(parameters, "genesis parameters: Team.delegatee is the zero address");
      allocation(parameters, "Team").delegatee = "none";
      const { positions, categories } = resolveGenesis(parameters.genesis);
      expect(positions[categories.indexOf("Team")].delegatee).to.equal(ZeroAddress);
    });

    it("refuses a revocable flag that is not a boolean", async function () {
      const parameters = hardhatParameters();
      (allocation(parameters, "Investors") as { revocable: unknown }).revocable = "false";
      await expectRefused(parameters, "genesis parameters: Investors: revocable must be true or false");
    });

    it("refuses a malformed beneficiary address", async function () {
      const parameters = hardhatParameters();
      allocation(parameters, "Advisors").beneficiary = "0x1234";
      await expectRefused(parameters, "genesis parameters: Advisors.beneficiary is not an address: 0x1234");
    });

    it("refuses a category that appears twice", async function () {
      const parameters = hardhatParameters();
      allocation(parameters, "Advisors").category = "Team";
      await expectRefused(parameters, "genesis parameters: category Team appears twice");
    });

    it("refuses a cliff longer than the vesting duration", async function () {
      const parameters = hardhatParameters();
      Object.assign(allocation(parameters, "Investors"), { cliff: "25mo", duration: "24mo" });
      await expectRefused(parameters, "genesis parameters: Investors: cliff is longer than the duration");
    });

    it("refuses an airdrop larger than the allocation that funds it", async function () {
      const parameters = hardhatParameters();
      parameters.genesis.airdrop.amount = "1500000001"; // Ecosystem holds 15% of 10B: 1,500,000,000 ALT
      await expectRefused(parameters, "genesis parameters: airdrop.amount must be less than the Ecosystem allocation");
    });

    it("refuses a parameter file without a genesis section", async function () {
      await expectRefused(
        { network: "hardhat" } as unknown as ProtocolParameters,
        "genesis parameters: the genesis section is missing",
      );
    });

    it("refuses a parameter file that does not exist", async function () {
      await loadFixture(deployTaskFixture);
      const missing = files.path("missing.json");
      const blockBefore = await hre.ethers.provider.getBlockNumber();
      await expectTaskFailure(
        "deploy genesis",
        { parameters: missing, json: true },
        `no parameter file for network hardhat: ${missing}`,
      );
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(blockBefore);
      expect(process.env.ALT_PARAMETERS).to.equal(undefined);
    });

    it("refuses a parameter file that is not valid JSON", async function () {
      const text = '{ "genesis": { "treasury": ';
      let parseError = "";
      try {
        JSON.parse(text);
      } catch (e) {
        parseError = (e as Error).message;
      }
      await expectRefused(text, `parameter file <file> is not valid JSON: ${parseError}`);
    });

    it("leaves an ALT_PARAMETERS the caller had set untouched by a --parameters run", async function () {
      await loadFixture(deployTaskFixture);
      const preset = files.write("preset.json", hardhatParameters());
      process.env.ALT_PARAMETERS = preset;
      try {
        await expectTaskFailure(
          "deploy genesis",
          { parameters: files.path("missing.json"), json: true },
          `no parameter file for network hardhat: ${files.path("missing.json")}`,
        );
        expect(process.env.ALT_PARAMETERS).to.equal(preset);
      } finally {
        delete process.env.ALT_PARAMETERS;
      }
    });
  });

  describe("refusing a broken rollups section before sending any transaction", function () {
    type Template = Record<string, unknown>;
    /** hardhat.json with one field of template `index` changed (undefined removes it). */
    function withTemplate(index: number, field: string, value: unknown): ProtocolParameters {
      const parameters = hardhatParameters();
      const template = parameters.rollups!.templates[index] as unknown as Template;
      template[field] = value;
      if (value === undefined) delete template[field];
      return parameters;
    }
    const refusedByRollups = (parameters: ProtocolParameters, message: string) =>
      expectRefused(parameters, message, "deploy rollups");

    it("refuses a file without a rollups section, and templates that are not a list", async function () {
      const missing = hardhatParameters();
      delete missing.rollups;
      await refusedByRollups(missing, "rollups parameters: the rollups section is missing");
      const notList = hardhatParameters();
      (notList.rollups as unknown as Record<string, unknown>).templates = {};
      await refusedByRollups(notList, "rollups parameters: templates must be a list");
    });

    it("refuses an unknown stack, VM, proof system or DA layer, naming the template", async function () {
      await refusedByRollups(
        withTemplate(0, "stack", "Optimism"),
        "rollups parameters: templates[0].stack must be one of OPStack, ArbitrumOrbit, ZKStack, PolygonCDK, not Optimism",
      );
      await refusedByRollups(
        withTemplate(1, "vm", "MoveVM"),
        "rollups parameters: templates[1].vm must be one of EVM, WASM, not MoveVM",
      );
      await refusedByRollups(
        withTemplate(2, "proofSystem", "zk"),
        "rollups parameters: templates[2].proofSystem must be one of optimistic, validity, not zk",
      );
      await refusedByRollups(
        withTemplate(3, "daLayers", ["Celestia", "Filecoin"]),
        "rollups parameters: templates[3].daLayers must be one of EthereumBlobs, Celestia, EigenDA, Avail, not Filecoin",
      );
      await refusedByRollups(
        withTemplate(4, "daLayers", []),
        "rollups parameters: templates[4].daLayers must list DA layers",
      );
    });

    it("refuses a version or output interval below 1", async function () {
      await refusedByRollups(
        withTemplate(0, "version", 0),
        "rollups parameters: templates[0].version must be a whole number from 1",
      );
      await refusedByRollups(
        withTemplate(0, "outputInterval", 0),
        "rollups parameters: templates[0].outputInterval must be a whole number of L2 blocks from 1",
      );
    });

    it("refuses a verifier on an optimistic template and a challenge period or bad verifier on a validity one", async function () {
      await refusedByRollups(
        withTemplate(0, "verifier", "mock"),
        "rollups parameters: templates[0]: an optimistic template has no verifier",
      );
      await refusedByRollups(
        withTemplate(3, "challengePeriod", "7d"),
        "rollups parameters: templates[3]: a validity template has no challengePeriod",
      );
      await refusedByRollups(
        withTemplate(3, "verifier", ZeroAddress),
        `rollups parameters: templates[3].verifier must be an address or "mock", not ${ZeroAddress}`,
      );
      await refusedByRollups(
        withTemplate(4, "verifier", undefined),
        'rollups parameters: templates[4].verifier must be an address or "mock", not undefined',
      );
    });

    it("refuses a malformed creation fee, fee rate or duration", async function () {
      await refusedByRollups(
        withTemplate(0, "creationFee", "-1"),
        'rollups parameters: templates[0].creationFee: invalid amount "-1": expected a non-negative decimal',
      );
      await refusedByRollups(
        withTemplate(1, "challengePeriod", "a week"),
        'rollups parameters: templates[1].challengePeriod: invalid duration "a week": use seconds or a number with s, m, h, d, w, mo or y',
      );
      const rate = hardhatParameters();
      rate.rollups!.feePerServicePerSecond = "free";
      await refusedByRollups(
        rate,
        'rollups parameters: feePerServicePerSecond: invalid amount "free": expected a non-negative decimal',
      );
    });

    it("refuses a minimum queue fee that is malformed or above the factory's bound of 100 ALT, and takes 100", async function () {
      const malformed = hardhatParameters();
      malformed.rollups!.minQueueFee = "none";
      await refusedByRollups(
        malformed,
        'rollups parameters: minQueueFee: invalid amount "none": expected a non-negative decimal',
      );
      const above = hardhatParameters();
      above.rollups!.minQueueFee = "100.000000000000000001";
      await refusedByRollups(
        above,
        "rollups parameters: minQueueFee must be at most 100 ALT, not 100.000000000000000001",
      );
      const bound = hardhatParameters();
      bound.rollups!.minQueueFee = "100";
      expect(resolveRollups(bound.rollups).minQueueFee).to.equal(100n * ALT);
    });
  });

  describe("deploy services", function () {
    /** The staged deployment up to the services (the deployer keeps ownership), from hardhat.json's sections. */
    async function servicesDeployFixture() {
      const book = await runTask<AddressBook>("deploy services", { json: true });
      return book.result;
    }

    it("deploys the three services and wires them: set services, slashers with their caps, the factory", async function () {
      const book = await loadFixture(servicesDeployFixture);
      recordInProcess(book);
      const parameters = hardhatParameters();
      const section = parameters.services!;
      const at = (name: string, key: string) => hre.ethers.getContractAt(name, book[key]);
      const sets = await at("OperatorSets", "Restaking#OperatorSets");
      const manager = await at("SlashingManager", "Restaking#SlashingManager");
      const factory = await at("RollupFactory", "Rollups#RollupFactory");
      const addresses = ["Services#VitalService", "Services#MachService", "Services#SquadService"].map((k) => book[k]);
      for (const address of addresses) expect(isAddress(address)).to.equal(true);
      expect(await factory.services()).to.deep.equal(addresses);
      const tenDays = 10 * 24 * 3600;
      expect(section.maxEvidenceAge).to.equal("10d");
      const caps = [section.vital.capBps, section.mach.capBps, section.squad.capBps];
      for (const [i, address] of addresses.entries()) {
        expect(await sets.isService(address)).to.equal(true);
        expect(await manager.slasher(address)).to.deep.equal([true, BigInt(caps[i]), BigInt(tenDays)]);
        const service = await hre.ethers.getContractAt("MachService", address);
        expect(await service.owner()).to.equal((await hre.ethers.getSigners())[0].address);
        // hardhat.json: 1,000 ALT and 64 members at most per set; live in an epoch counting 1 member and 1,000 ALT
        expect(await service.setDefaults()).to.deep.equal([1_000n * ALT, 64n, 1n, 1_000n * ALT]);
      }
      expect([section.minStake, section.maxSize, section.minMembers, section.minTotalStake]).to.deep.equal([
        "1000",
        64,
        1,
        "1000",
      ]);
      // the operator sets' churn margin: a newcomer replaces a member of a full set with 10 % more
      expect(await sets.churnMarginBps()).to.equal(1_000n);
      expect([...(await manager.slashers())]).to.have.members(addresses); // exactly the three, in setSlasher order
    });
  });

  describe("deploy protocol with the public networks' parameter files", function () {
    const TESTNETS = ["sepolia", "holesky", "hoodi"];

    /** The whole protocol from deploy/parameters/sepolia.json, on the in-process network. */
    async function testnetFixture() {
      const { result: book } = await runTask<AddressBook>("deploy protocol", {
        json: true,
        parameters: path.join(PARAMETERS_DIR, "sepolia.json"),
      });
      return book;
    }

    it("reads the same file on every testnet, with short delays that keep the protocol's rules", async function () {
      const [sepolia, ...others] = TESTNETS.map((n) => readFileSync(path.join(PARAMETERS_DIR, `${n}.json`), "utf8"));
      for (const other of others) expect(other).to.equal(sepolia);
      const testnet = JSON.parse(sepolia) as ProtocolParameters;
      // ≥ vetoWindow 2h + maxEvidenceAge 12h, and ≥ 2 epochs of 1h + the 6h challenge period + a 3-day council pause +
      // a 1h vote's margin to resolve and report (3 days 9 hours: the fast withdrawals' cover outlasts the latest
      // invalidation)
      expect(testnet.restaking.withdrawalDelay).to.equal("4d");
      expect([testnet.restaking.vetoWindow, testnet.services!.maxEvidenceAge]).to.deep.equal(["2h", "12h"]);
      expect(testnet.governance!.timelockDelay).to.equal("10m");
    });

    it('deploys a testnet file with "deployer" as the first account: council and beneficiaries', async function () {
      const book = await loadFixture(testnetFixture);
      recordInProcess(book);
      const [deployer] = await hre.ethers.getSigners();
      const manager = await hre.ethers.getContractAt("SlashingManager", book["Restaking#SlashingManager"]);
      expect(await manager.vetoer()).to.equal(deployer.address);
      const factory = await hre.ethers.getContractAt("RollupFactory", book["Rollups#RollupFactory"]);
      expect(await factory.council()).to.equal(deployer.address);
      for (const category of CATEGORIES) {
        const position = (await hre.ethers.getContractAt(
          "VestingPosition",
          book[`Genesis#Vesting_${category}`],
        )) as unknown as VestingPosition;
        expect(await position.beneficiary()).to.equal(
          category === "Treasury" ? book["Timelock#TimelockController"] : deployer.address,
        );
      }
      expect(Object.keys(book)).to.include.members(["Governance#AltGovernor", "Services#MachService"]);
      // the testnets' sets are live with 3 members and 10,000 ALT
      for (const key of ["Services#MachService", "Services#VitalService", "Services#SquadService"]) {
        const service = await hre.ethers.getContractAt("MachService", book[key]);
        expect(await service.setDefaults(), key).to.deep.equal([1_000n * ALT, 64n, 3n, 10_000n * ALT]);
      }
      const sets = await hre.ethers.getContractAt("OperatorSets", book["Restaking#OperatorSets"]);
      expect(await sets.churnMarginBps()).to.equal(1_000n);
    });

    it("refuses the mainnet file until its addresses and airdrop root are set", async function () {
      const mainnet = readFileSync(path.join(PARAMETERS_DIR, "mainnet.json"), "utf8");
      await expectRefused(mainnet, "genesis parameters: airdrop.root is not a 32-byte hex value", "deploy protocol");
      expect(mainnet).to.not.include('"deployer"');
      // six beneficiaries, the council, the two validity templates' verifiers and the airdrop root
      expect(mainnet.match(/"SET-ME: /g)).to.have.length(10);
    });
  });

  describe("refusing a broken services section before sending any transaction", function () {
    const refusedByServices = (parameters: ProtocolParameters, message: string) =>
      expectRefused(parameters, message, "deploy services");
    /** hardhat.json with `change` applied to its services section. */
    function withServices(change: (section: Record<string, Record<string, unknown>>) => void): ProtocolParameters {
      const parameters = hardhatParameters();
      change(parameters.services as unknown as Record<string, Record<string, unknown>>);
      return parameters;
    }

    it("refuses a file without a services section, or without one of the three", async function () {
      const missing = hardhatParameters();
      delete missing.services;
      await refusedByServices(missing, "services parameters: the services section is missing");
      await refusedByServices(
        withServices((s) => delete s.squad),
        "services parameters: mach, vital and squad sections are required",
      );
    });

    it("refuses a cap above the slashing manager's 30 %, and an offence above its service's cap", async function () {
      await refusedByServices(
        withServices((s) => (s.mach.capBps = 3_001)),
        "services parameters: mach.capBps must be a whole number from 1 to 3000, not 3001",
      );
      await refusedByServices(
        withServices((s) => (s.vital.proposerBps = 1_001)),
        "services parameters: vital.proposerBps must be a whole number from 1 to 1000, not 1001",
      );
      await refusedByServices(
        withServices((s) => (s.squad.censorshipBps = 0)),
        "services parameters: squad.censorshipBps must be a whole number from 1 to 500, not 0",
      );
    });

    it("refuses a grace period not shorter than the slot, a zero slot or voting period, and a set size above 256", async function () {
      await refusedByServices(
        withServices((s) => (s.squad.gracePeriod = "5m")),
        "services parameters: squad.gracePeriod must be shorter than squad.slotLength",
      );
      await refusedByServices(
        withServices((s) => (s.squad.slotLength = 0)),
        "services parameters: squad.slotLength must be between 1 and 31536000 seconds, not 0",
      );
      await refusedByServices(
        withServices((s) => (s.vital.votingPeriod = "0s")),
        "services parameters: vital.votingPeriod must be between 1 and 31536000 seconds, not 0",
      );
      await refusedByServices(
        withServices((s) => ((s as unknown as Record<string, unknown>).maxSize = 257)),
        "services parameters: maxSize must be a whole number from 1 to 256, not 257",
      );
    });

    it("refuses liveness minimums that need more members than a set may hold, or a malformed total stake", async function () {
      await refusedByServices(
        withServices((s) => ((s as unknown as Record<string, unknown>).minMembers = 65)),
        "services parameters: minMembers must be a whole number from 0 to 64, not 65",
      );
      await refusedByServices(
        withServices((s) => ((s as unknown as Record<string, unknown>).minMembers = -1)),
        "services parameters: minMembers must be a whole number from 0 to 64, not -1",
      );
      // the bound follows maxSize: 8 members at most, so 9 are refused
      await refusedByServices(
        withServices((s) => {
          const section = s as unknown as Record<string, unknown>;
          section.maxSize = 8;
          section.minMembers = 9;
        }),
        "services parameters: minMembers must be a whole number from 0 to 8, not 9",
      );
      await refusedByServices(
        withServices((s) => delete (s as unknown as Record<string, unknown>).minMembers),
        "services parameters: minMembers must be a whole number from 0 to 64, not undefined",
      );
      await refusedByServices(
        withServices((s) => ((s as unknown as Record<string, unknown>).minTotalStake = "much")),
        'services parameters: minTotalStake: invalid amount "much": expected a non-negative decimal',
      );
    });

    it("refuses a withdrawal delay below the veto window plus the services' evidence age", async function () {
      await refusedByServices(
        withServices((s) => ((s as unknown as Record<string, unknown>).maxEvidenceAge = 1_036_801)),
        "protocol parameters: restaking.withdrawalDelay (1209600s) must be at least the longer of restaking.vetoWindow" +
          " and restaking.epochLength plus services.maxEvidenceAge (1209601s): stake could leave before the evidence" +
          " against it expires",
      );
      // exactly at the bound (2 days + 12 days = the 14-day withdrawal delay) is accepted by the file checks
      const atBound = withServices((s) => ((s as unknown as Record<string, unknown>).maxEvidenceAge = "12d"));
      expect(() => buildProtocolModules(atBound, "services")).to.not.throw();
    });

    it("refuses a withdrawal delay below an epoch longer than the veto window plus the evidence age: stake counted in an epoch acts until it ends", async function () {
      // a 3-day epoch and a 12-day evidence age need 15 days, one more than the 14-day withdrawal delay
      const longEpoch = withServices((s) => ((s as unknown as Record<string, unknown>).maxEvidenceAge = "12d"));
      (longEpoch.restaking as unknown as Record<string, unknown>).epochLength = "3d";
      await refusedByServices(
        longEpoch,
        "protocol parameters: restaking.withdrawalDelay (1209600s) must be at least the longer of restaking.vetoWindow" +
          " and restaking.epochLength plus services.maxEvidenceAge (1296000s): stake could leave before the evidence" +
          " against it expires",
      );
    });

    it("refuses a withdrawal delay a late invalidation outlasts: the fast withdrawals' cover must still be slashable", async function () {
      // 2 epochs (2 days) + a 7-day challenge period + a 3-day council pause + a 2-day vote (1 s more): 14 days and 1 s
      await refusedByServices(
        withServices((s) => (s.vital.votingPeriod = 2 * 86_400 + 1)),
        "protocol parameters: restaking.withdrawalDelay (1209600s) must be at least two restaking.epochLength plus the" +
          " longest optimistic challengePeriod, services.vital.votingPeriod and a council pause of 3 days (1209601s):" +
          " a MACH signer's stake could leave before an invalidation slashes it for what fast withdrawals took",
      );
      // exactly at the bound is accepted; without an optimistic template nothing is ever invalidated: no bound
      expect(() =>
        buildProtocolModules(
          withServices((s) => (s.vital.votingPeriod = "2d")),
          "services",
        ),
      ).to.not.throw();
      const validityOnly = withServices((s) => (s.vital.votingPeriod = "3d"));
      validityOnly.rollups!.templates = validityOnly.rollups!.templates.filter((t) => t.proofSystem !== "optimistic");
      expect(() => buildProtocolModules(validityOnly, "services")).to.not.throw();
    });

    it("refuses a malformed bond, minimum stake or evidence age", async function () {
      await refusedByServices(
        withServices((s) => (s.vital.bond = "lots")),
        'services parameters: vital.bond: invalid amount "lots": expected a non-negative decimal',
      );
      await refusedByServices(
        withServices((s) => ((s as unknown as Record<string, unknown>).minStake = "-5")),
        'services parameters: minStake: invalid amount "-5": expected a non-negative decimal',
      );
      await refusedByServices(
        withServices((s) => ((s as unknown as Record<string, unknown>).maxEvidenceAge = "forever")),
        'services parameters: maxEvidenceAge: invalid duration "forever": use seconds or a number with s, m, h, d, w, mo or y',
      );
    });
  });

  describe("refusing a broken governance section before sending any transaction", function () {
    type Governance = Record<string, unknown>;
    /** hardhat.json with one governance field changed (undefined removes it). */
    function withGovernance(field: string, value: unknown): ProtocolParameters {
      const parameters = hardhatParameters();
      (parameters.governance as unknown as Governance)[field] = value;
      if (value === undefined) delete (parameters.governance as unknown as Governance)[field];
      return parameters;
    }
    const refusedByGovernance = (parameters: ProtocolParameters, message: string) =>
      expectRefused(parameters, message, "deploy governance");

    it("refuses a file without a governance section", async function () {
      const parameters = hardhatParameters();
      delete parameters.governance;
      await refusedByGovernance(parameters, "governance parameters: the governance section is missing");
    });

    it("refuses a quorum of 0 or above 10000 bps", async function () {
      for (const quorumBps of [0, 10_001, 4.5]) {
        await refusedByGovernance(
          withGovernance("quorumBps", quorumBps),
          `governance parameters: quorumBps must be a whole number of bps from 1 to 10000, not ${quorumBps}`,
        );
      }
    });

    it("refuses a proposal threshold above the supply, or not an amount", async function () {
      await refusedByGovernance(
        withGovernance("proposalThreshold", "10000000001"),
        "governance parameters: proposalThreshold is larger than the ALT supply",
      );
      await refusedByGovernance(
        withGovernance("proposalThreshold", "ten"),
        'governance parameters: proposalThreshold: invalid amount "ten": expected a non-negative decimal',
      );
    });

    it("refuses a zero voting period and malformed or too long durations", async function () {
      await refusedByGovernance(
        withGovernance("votingPeriod", "0"),
        "governance parameters: votingPeriod must be between 1 and 31536000 seconds, not 0",
      );
      await refusedByGovernance(
        withGovernance("timelockDelay", "2 days"),
        'governance parameters: timelockDelay: invalid duration "2 days": use seconds or a number with s, m, h, d, w, mo or y',
      );
      await refusedByGovernance(
        withGovernance("votingDelay", "2y"),
        "governance parameters: votingDelay must be between 0 and 31536000 seconds, not 63072000",
      );
    });

    it("refuses owner fields: governance gives every contract to the timelock", async function () {
      const genesisOwner = hardhatParameters();
      genesisOwner.genesis.owner = "0x000000000000000000000000000000000000dEaD";
      await refusedByGovernance(
        genesisOwner,
        "protocol parameters: genesis.owner must be left out: governance gives it to the timelock",
      );
      const restakingOwner = hardhatParameters();
      restakingOwner.restaking.owner = "0x000000000000000000000000000000000000dEaD";
      await refusedByGovernance(
        restakingOwner,
        "protocol parameters: restaking.owner must be left out: governance gives it to the timelock",
      );
    });

    it('refuses "timelock" as an address in a file without a governance section, at every stage', async function () {
      const parameters = hardhatParameters();
      delete parameters.governance;
      const message = 'protocol parameters: "timelock" is named as an address but there is no governance section';
      await expectRefused(parameters, message, "deploy genesis");
      await expectRefused(parameters, message, "deploy restaking");
    });
  });

  describe("from the command line", function () {
    this.timeout(150_000);

    before(function () {
      if (coverageRunning()) this.skip(); // a `npx hardhat` subprocess recompiles over the instrumented artifacts
    });

    it("fails with one line and no stack trace when a task needs a deployment the fresh network lacks", async function () {
      const { code, output } = await hardhatCli(["vesting release", "--position", "Nope"]);
      expect(code).to.not.equal(0);
      expect(output).to.include(
        "Error in plugin alt-protocol: nothing is deployed on the in-process hardhat network: run deploy genesis first" +
          " in the same process, or use --network localhost",
      );
      expect(output).to.not.include("    at ");
    });

    it("fails in one line also on a terminal Hardhat takes for a CI server (Linux without a display, CI set); --show-stack-traces shows the trace", async function () {
      const ciLike: NodeJS.ProcessEnv = { ...terminalEnv(), CI: "true" };
      delete ciLike.DISPLAY;
      const line =
        "Error in plugin alt-protocol: nothing is deployed on the in-process hardhat network: run deploy genesis first" +
        " in the same process, or use --network localhost";
      const plain = await hardhatCli(["vesting release", "--position", "Nope"], { env: ciLike });
      expect(plain.code).to.equal(1);
      expect(plain.stderr.trim()).to.equal(line);
      expect(plain.stdout.trim()).to.equal("");
      const traced = await hardhatCli(["vesting release", "--position", "Nope", "--show-stack-traces"], {
        env: ciLike,
      });
      expect(traced.code).to.equal(1);
      expect(traced.output).to.include("    at fail (");
    });

    it("refuses a public network whose RPC URL variable is not set, naming the variable, in one line", async function () {
      const { code, output } = await hardhatCli(["--network", "sepolia", "deploy protocol"]);
      expect(code).to.not.equal(0);
      expect(output).to.include(
        "Error in plugin alt-protocol: network sepolia needs its RPC URL: npx hardhat vars set SEPOLIA_RPC_URL",
      );
      expect(output).to.not.include("    at ");
    });

    it('refuses an Ignition CLI deployment of a file naming "deployer", which only the deploy tasks resolve', async function () {
      const { code, output } = await hardhatCli(["ignition", "deploy", "deploy/modules/Governance.ts"], {
        env: terminalEnv({ ALT_PARAMETERS: path.join(PARAMETERS_DIR, "hoodi.json") }),
      });
      expect(code).to.not.equal(0);
      expect(output).to.include(
        'genesis parameters: ProtocolDevelopment.beneficiary is "deployer", which only the deploy tasks resolve' +
          " (npx hardhat deploy protocol)",
      );
      expect(output).to.not.include("    at ");
    });

    it("refuses an Ignition deployment of a genesis whose allocations sum to 9,999 bps, in one line", async function () {
      const parameters = hardhatParameters();
      allocation(parameters, "Treasury").bps = 2149;
      const file = files.write("ignition-9999.json", parameters);
      const { code, output } = await hardhatCli(["ignition", "deploy", "deploy/modules/Genesis.ts"], {
        env: terminalEnv({ ALT_PARAMETERS: file }),
      });
      expect(code).to.not.equal(0);
      expect(output).to.include("genesis parameters: allocations sum to 9999 bps, not 10000");
      expect(output).to.not.include("An unexpected error occurred");
      expect(output).to.not.include("    at ");
    });
  });
});
