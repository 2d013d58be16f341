import { expect } from "chai";
import hre from "hardhat";
import { HardhatPluginError } from "hardhat/plugins";
import { mine, setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import { id } from "ethers";
import { readFileSync } from "fs";
import path from "path";
import { PARAMETERS_DIR, type ProtocolParameters } from "../../deploy/lib/parameters";
import { loadAddressBook, recordInProcess, type AddressBook } from "../../tasks/lib/addressBook";
import { PLUGIN, formatAlt } from "../../tasks/lib/cli";
import type { CheckReport } from "../../tasks/deployCheck";
import type {
  AltGovernor,
  BlsKeyRegistry,
  OperatorSets,
  RestakingRegistry,
  SquadService,
  VestingFactory,
  VitalService,
} from "../../typechain-types";
import { ALT } from "../helpers/constants";
import { coverageRunning } from "../helpers/coverage";
import { hardhatCli } from "../helpers/cli";
import { hardhatParameters, STAGED_TREASURY, stagedParameters, stagedParametersFile } from "../helpers/parameters";
import { asJson, expectTaskFailure, isoTime, load, runTask, task, tempDir } from "../helpers/tasks";

const HARDHAT_FILE = path.join(PARAMETERS_DIR, "hardhat.json");
/** The claims of the hardhat genesis' airdrop (deploy protocol on hardhat.json deploys its root). */
const HARDHAT_PROOFS = path.join(PARAMETERS_DIR, "..", "airdrop", "hardhat.proofs.json");
const DAY = 24 * 3600;
/** An account the timelock hands an Ownable to (anyone but the timelock). */
const OTHER_OWNER = "0x000000000000000000000000000000000000bEEF";

/** Values deploy check compares for a deployment of every stage of `p` (governance when `p` has it). */
function valuesChecked(p: ProtocolParameters): number {
  const positions = p.genesis.allocations.length * 6; // beneficiary, total, start, cliff, end, revocable
  const genesis = 1 + 2 + positions + 4; // supply; factory treasury, owner; airdrop root, period, treasury, balance
  // registry 2 delays, sets 2 (epoch length, churn margin), manager 5, rewards 2, BLS key registry 2 (its operator
  // sets and registry); 5 owners
  const restaking = 2 + 2 + 5 + 2 + 2 + 5;
  const templates = p.rollups!.templates.length * 12; // every field of the Template struct
  // fee, window, minimum queue fee, council, treasury, owner, template count; the implementation's portal implementation
  const rollups = 8 + templates;
  // MACH (2 and its key registry), VITAL, SQUAD parameters; per service 8 (setDefaults' minStake, maxSize, minMembers,
  // minTotalStake, owner, slasher cap and evidence age, isService); factory services
  const services = 2 + 1 + 5 + 5 + 3 * 8 + 3;
  const governance = p.governance === undefined ? 0 : 7; // 5 settings, guardian, timelock delay
  return genesis + restaking + rollups + services + governance;
}

/**
 * Runs deploy check expecting the one-line failure `message`, and returns what it printed before failing (the report
 * with --json).
 */
async function checkFailing(args: Record<string, unknown>, message: string): Promise<string[]> {
  const lines: string[] = [];
  const { log } = console;
  console.log = (...parts: unknown[]) => lines.push(...parts.map(String).join(" ").split("\n"));
  let error: unknown;
  try {
    await hre.run({ scope: "deploy", task: "check" }, args);
  } catch (e) {
    error = e;
  } finally {
    console.log = log;
  }
  expect(HardhatPluginError.isHardhatPluginError(error), `not a plugin failure: ${error}`).to.equal(true);
  expect((error as HardhatPluginError).pluginName).to.equal(PLUGIN);
  expect((error as HardhatPluginError).message).to.equal(message);
  return lines;
}

async function asTimelock(book: AddressBook) {
  const address = book["Timelock#TimelockController"];
  await hre.network.provider.request({ method: "hardhat_impersonateAccount", params: [address] });
  await setBalance(address, 10n ** 18n);
  return hre.ethers.getSigner(address);
}

describe("deploy check task", function () {
  const files = tempDir("alt-deploy-check-");
  after(files.remove);

  async function protocolFixture() {
    return { book: await task<AddressBook>("deploy protocol", { json: true }) };
  }

  async function stagedServicesFixture() {
    return { book: await task<AddressBook>("deploy services", { json: true, parameters: stagedParametersFile() }) };
  }

  describe("on the protocol deployed from hardhat.json", function () {
    it("derives the number of values it compares from the parameters", function () {
      expect(valuesChecked(hardhatParameters())).to.equal(182);
      expect(valuesChecked(stagedParameters())).to.equal(175);
    });

    it("finds every value as the parameters say, one line each, with a summary", async function () {
      const { book } = await load(protocolFixture);
      const { result, lines } = await runTask<CheckReport>("deploy check", { json: false });
      const checked = valuesChecked(hardhatParameters());
      expect(result).to.deep.equal({ checked, differences: [], drift: [] });
      expect(lines[0]).to.equal(`deployment on hardhat against ${HARDHAT_FILE}:`);
      expect(lines.at(-1)).to.equal(`all ${checked} values match ${HARDHAT_FILE}`);
      const values = lines.slice(1, -1);
      expect(values).to.have.lengthOf(checked);
      for (const line of values) expect(line).to.match(/^ {2}\S.*: ok \(.+\)$/);
      expect(values.filter((l) => l.startsWith("  Vesting_"))).to.have.lengthOf(7 * 6);
      expect(values.filter((l) => l.startsWith("  RollupFactory.template("))).to.have.lengthOf(5 * 12);

      const timelock = book["Timelock#TimelockController"];
      const factory = (await hre.ethers.getContractAt(
        "VestingFactory",
        book["Genesis#VestingFactory"],
      )) as unknown as VestingFactory;
      const [created] = await factory.queryFilter(factory.filters.PositionCreated(book["Genesis#Vesting_Team"]));
      const tge = (await created.getBlock()).timestamp;
      expect(values).to.include.members([
        "  AltToken.totalSupply: ok (10,000,000,000 ALT)",
        `  VestingFactory.treasury: ok (${timelock})`,
        `  VestingFactory.owner: ok (${timelock})`,
        `  Vesting_Treasury.beneficiary: ok (${timelock})`,
        "  Vesting_Ecosystem.total: ok (1,445,000,000 ALT)",
        `  Vesting_Team.start: ok (${isoTime(tge)})`,
        "  Vesting_Team.cliff - start: ok (6mo)",
        "  Vesting_Team.end - start: ok (3y)",
        "  Vesting_Team.revocable: ok (true)",
        "  MerkleAirdrop.deadline - creation (claim period): ok (90d)",
        "  AltToken.balanceOf(MerkleAirdrop): ok (55,000,000 ALT)",
        "  RestakingRegistry.withdrawalDelay: ok (2w)",
        "  SlashingManager.vetoer: ok (0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f)",
        `  RewardsDistributor.owner: ok (${timelock})`,
        `  BlsKeyRegistry.operatorSets: ok (${book["Restaking#OperatorSets"]})`,
        `  BlsKeyRegistry.registry: ok (${book["Restaking#RestakingRegistry"]})`,
        `  BlsKeyRegistry.owner: ok (${timelock})`,
        `  MachService.blsKeys: ok (${book["Restaking#BlsKeyRegistry"]})`,
        "  RollupFactory.feePerServicePerSecond: ok (0.001 ALT)",
        "  RollupFactory.minQueueFee: ok (1 ALT)",
        "  RollupFactory.templateCount: ok (5)",
        "  RollupFactory.template(0).challengePeriod: ok (1w)",
        "  RollupFactory.template(3).daLayers: ok (11 (EthereumBlobs, Celestia, Avail))",
        `  RollupFactory.template(3).verifier: ok (${book["Rollups#MockVerifier"]})`,
        `  RollupFactory.template(4).implementation: ok (${book["Rollups#Rollup"]})`,
        "  SquadService.parameters.maxMisses: ok (5)",
        "  OperatorSets.churnMarginBps: ok (1000 bps)",
        "  MachService.setDefaults.minMembers: ok (1)",
        "  VitalService.setDefaults.minTotalStake: ok (1,000 ALT)",
        "  SquadService.setDefaults.maxSize: ok (64)",
        "  SlashingManager.slasher(SquadService).maxBps: ok (500 bps)",
        "  OperatorSets.isService(VitalService): ok (true)",
        `  RollupFactory.services.mach: ok (${book["Services#MachService"]})`,
        "  AltGovernor.quorumNumerator: ok (400 bps)",
        "  AltGovernor.proposalThreshold: ok (10,000,000 ALT)",
        "  TimelockController.getMinDelay: ok (2d)",
      ]);
    });

    it("returns and prints the same report with --json", async function () {
      await load(protocolFixture);
      const { result, lines } = await runTask<CheckReport>("deploy check", { json: true });
      expect(result).to.deep.equal({ checked: 182, differences: [], drift: [] });
      expect(JSON.parse(lines.join("\n"))).to.deep.equal(asJson(result));
    });

    it("fails naming a delay the timelock changed on chain, with the difference in the report", async function () {
      const { book } = await load(protocolFixture);
      const registry = (await hre.ethers.getContractAt(
        "RestakingRegistry",
        book["Restaking#RestakingRegistry"],
      )) as unknown as RestakingRegistry;
      await (await registry.connect(await asTimelock(book)).setDelays(15 * DAY, 7 * DAY)).wait();

      const message = `1 of 182 values differ from ${HARDHAT_FILE}: RestakingRegistry.withdrawalDelay`;
      const lines = await checkFailing({ json: true }, message);
      expect(JSON.parse(lines.join("\n"))).to.deep.equal({
        checked: 182,
        differences: [{ what: "RestakingRegistry.withdrawalDelay", chain: "15d", parameters: "2w" }],
        drift: [],
      });
    });

    /**
     * Takes `actions` through the governor as a real proposal: proposed and voted For by account 2 (ProtocolDevelopment,
     * 2B delegated at genesis: above quorum), queued and executed. Returns its id and the block it was executed in.
     */
    async function enact(book: AddressBook, actions: { target: string; data: string }[], description: string) {
      const governor = (await hre.ethers.getContractAt(
        "AltGovernor",
        book["Governance#AltGovernor"],
      )) as unknown as AltGovernor;
      const voter = (await hre.ethers.getSigners())[2];
      const targets = actions.map((a) => a.target);
      const values = actions.map(() => 0n);
      const calldatas = actions.map((a) => a.data);
      const descriptionHash = id(description);
      await (await governor.connect(voter).propose(targets, values, calldatas, description)).wait();
      const proposalId = await governor.hashProposal(targets, values, calldatas, descriptionHash);
      await time.increaseTo((await governor.proposalSnapshot(proposalId)) + 1n);
      await (await governor.connect(voter).castVote(proposalId, 1)).wait();
      await time.increaseTo((await governor.proposalDeadline(proposalId)) + 1n);
      await (
        await governor["queue(address[],uint256[],bytes[],bytes32)"](targets, values, calldatas, descriptionHash)
      ).wait();
      await time.increaseTo(await governor.proposalEta(proposalId));
      const executed = await (
        await governor["execute(address[],uint256[],bytes[],bytes32)"](targets, values, calldatas, descriptionHash)
      ).wait();
      expect(await governor.state(proposalId)).to.equal(7n); // Executed
      return { proposalId: proposalId.toString(), executedIn: executed!.blockNumber };
    }

    it("the airdrop's balance is the amount less the claims: claims in normal use keep deploy check green", async function () {
      await load(protocolFixture);
      const proofs = JSON.parse(readFileSync(HARDHAT_PROOFS, "utf8")) as { claims: Record<string, { amount: string }> };
      const [first, second] = Object.keys(proofs.claims);
      for (const account of [first, second])
        await task("airdrop claim", { proofs: HARDHAT_PROOFS, account, json: true });
      const claimed = BigInt(proofs.claims[first].amount) + BigInt(proofs.claims[second].amount);
      const { result, lines } = await runTask<CheckReport>("deploy check", { json: false });
      expect(result).to.deep.equal({ checked: 182, differences: [], drift: [] });
      expect(lines).to.include(
        `  AltToken.balanceOf(MerkleAirdrop): ok (${formatAlt(55_000_000n * ALT - claimed)}: 55,000,000 ALT less ` +
          `${formatAlt(claimed)} claimed)`,
      );
    });

    it("a value an executed proposal changed is drift, named with the proposal: deploy check passes", async function () {
      const { book } = await load(protocolFixture);
      const registry = (await hre.ethers.getContractAt(
        "RestakingRegistry",
        book["Restaking#RestakingRegistry"],
      )) as unknown as RestakingRegistry;
      const data = registry.interface.encodeFunctionData("setDelays", [21 * DAY, 8 * DAY]);
      const target = book["Restaking#RestakingRegistry"];
      const { proposalId, executedIn } = await enact(book, [{ target, data }], "Restaking: delays 21d and 8d");

      const { result, lines } = await runTask<CheckReport>("deploy check", { json: false });
      const cause = { proposalId, executedIn, action: "RestakingRegistry.setDelays" };
      expect(result).to.deep.equal({
        checked: 182,
        differences: [],
        drift: [
          { what: "RestakingRegistry.withdrawalDelay", chain: "3w", parameters: "2w", ...cause },
          { what: "RestakingRegistry.commissionDelay", chain: "8d", parameters: "1w", ...cause },
        ],
      });
      expect(lines.filter((l) => l.includes("drift"))).to.deep.equal([
        `  RestakingRegistry.withdrawalDelay: drift: chain 3w, parameters 2w (changed by proposal ${proposalId}, ` +
          `executed in block ${executedIn}: RestakingRegistry.setDelays)`,
        `  RestakingRegistry.commissionDelay: drift: chain 8d, parameters 1w (changed by proposal ${proposalId}, ` +
          `executed in block ${executedIn}: RestakingRegistry.setDelays)`,
        `all 182 values match ${HARDHAT_FILE} (2 changed since by executed proposals: drift)`,
      ]);
    });

    it("a change no executed proposal explains still fails: drift covers only the contracts a proposal acted on", async function () {
      const { book } = await load(protocolFixture);
      const registry = (await hre.ethers.getContractAt(
        "RestakingRegistry",
        book["Restaking#RestakingRegistry"],
      )) as unknown as RestakingRegistry;
      const data = registry.interface.encodeFunctionData("setDelays", [21 * DAY, 7 * DAY]);
      const target = book["Restaking#RestakingRegistry"];
      const { proposalId, executedIn } = await enact(book, [{ target, data }], "Restaking: a 21-day withdrawal delay");
      // the timelock's key (a compromise, or an operation scheduled around the governor) changes SQUAD directly
      const squad = (await hre.ethers.getContractAt(
        "SquadService",
        book["Services#SquadService"],
      )) as unknown as SquadService;
      await (await squad.connect(await asTimelock(book)).setParameters(2 * 60, 6, 7 * DAY, 500)).wait();

      const lines = await checkFailing(
        { json: true },
        `1 of 182 values differ from ${HARDHAT_FILE} (1 changed since by executed proposals: drift): ` +
          "SquadService.parameters.maxMisses",
      );
      expect(JSON.parse(lines.join("\n"))).to.deep.equal({
        checked: 182,
        differences: [{ what: "SquadService.parameters.maxMisses", chain: "6", parameters: "5" }],
        drift: [
          {
            what: "RestakingRegistry.withdrawalDelay",
            chain: "3w",
            parameters: "2w",
            proposalId,
            executedIn,
            action: "RestakingRegistry.setDelays",
          },
        ],
      });
    });

    it("finds the deployment times from receipts and events where past state reads empty (blocks of hardhat_mine)", async function () {
      const { book } = await load(protocolFixture);
      await mine(100); // Hardhat mines these lazily: eth_getCode at them reads no code, even of contracts deployed before
      await mine();
      const token = book["Genesis#AltToken"];
      const reserved = (await hre.ethers.provider.getBlockNumber()) - 50;
      expect(await hre.ethers.provider.getCode(token, reserved)).to.equal("0x");
      const { result, lines } = await runTask<CheckReport>("deploy check", { json: false });
      expect(result).to.deep.equal({ checked: 182, differences: [], drift: [] });
      expect(lines).to.include.members([
        "  MerkleAirdrop.deadline - creation (claim period): ok (90d)",
        "  Vesting_Team.cliff - start: ok (6mo)",
      ]);
    });

    it("prints each difference on its line and names the first in the failure", async function () {
      const { book } = await load(protocolFixture);
      const timelock = await asTimelock(book);
      const squad = (await hre.ethers.getContractAt(
        "SquadService",
        book["Services#SquadService"],
      )) as unknown as SquadService;
      await (await squad.connect(timelock).setParameters(2 * 60, 6, 7 * DAY, 500)).wait();
      const registry = (await hre.ethers.getContractAt(
        "RestakingRegistry",
        book["Restaking#RestakingRegistry"],
      )) as unknown as RestakingRegistry;
      await (await registry.connect(timelock).setDelays(14 * DAY, 8 * DAY)).wait();

      const lines = await checkFailing(
        { json: false },
        `2 of 182 values differ from ${HARDHAT_FILE}: RestakingRegistry.commissionDelay`,
      );
      expect(lines).to.have.lengthOf(184);
      expect(lines.filter((l) => l.includes("DIFFERENT"))).to.deep.equal([
        "  RestakingRegistry.commissionDelay: DIFFERENT: chain 8d, parameters 1w",
        "  SquadService.parameters.maxMisses: DIFFERENT: chain 6, parameters 5",
      ]);
      expect(lines.filter((l) => l.endsWith(": ok (5)"))).to.include("  RollupFactory.templateCount: ok (5)");
      expect(lines.at(-1)).to.equal(`2 of 182 values differ from ${HARDHAT_FILE}`);
    });

    it("fails naming the churn margin and a service's liveness defaults that governance changed on chain", async function () {
      const { book } = await load(protocolFixture);
      const timelock = await asTimelock(book);
      const sets = (await hre.ethers.getContractAt(
        "OperatorSets",
        book["Restaking#OperatorSets"],
      )) as unknown as OperatorSets;
      await (await sets.connect(timelock).setChurnMargin(500)).wait();
      const vital = (await hre.ethers.getContractAt(
        "VitalService",
        book["Services#VitalService"],
      )) as unknown as VitalService;
      const defaults = { minStake: 1_000n * ALT, maxSize: 64, minMembers: 2, minTotalStake: 2_500n * ALT };
      await (await vital.connect(timelock).setSetDefaults(defaults)).wait();

      const lines = await checkFailing(
        { json: false },
        `3 of 182 values differ from ${HARDHAT_FILE}: OperatorSets.churnMarginBps`,
      );
      expect(lines.filter((l) => l.includes("DIFFERENT"))).to.deep.equal([
        "  OperatorSets.churnMarginBps: DIFFERENT: chain 500 bps, parameters 1000 bps",
        "  VitalService.setDefaults.minMembers: DIFFERENT: chain 2, parameters 1",
        "  VitalService.setDefaults.minTotalStake: DIFFERENT: chain 2,500 ALT, parameters 1,000 ALT",
      ]);
      // the other services' defaults are untouched
      expect(lines).to.include.members([
        "  MachService.setDefaults.minMembers: ok (1)",
        "  SquadService.setDefaults.minTotalStake: ok (1,000 ALT)",
        "  VitalService.setDefaults.minStake: ok (1,000 ALT)",
        "  VitalService.setDefaults.maxSize: ok (64)",
      ]);
      expect(lines.at(-1)).to.equal(`3 of 182 values differ from ${HARDHAT_FILE}`);
    });

    it("fails naming the BLS key registry's owner when the timelock handed it to another account", async function () {
      const { book } = await load(protocolFixture);
      const keys = (await hre.ethers.getContractAt(
        "BlsKeyRegistry",
        book["Restaking#BlsKeyRegistry"],
      )) as unknown as BlsKeyRegistry;
      await (await keys.connect(await asTimelock(book)).transferOwnership(OTHER_OWNER)).wait();

      const lines = await checkFailing(
        { json: true },
        `1 of 182 values differ from ${HARDHAT_FILE}: BlsKeyRegistry.owner`,
      );
      expect(JSON.parse(lines.join("\n"))).to.deep.equal({
        checked: 182,
        differences: [
          { what: "BlsKeyRegistry.owner", chain: OTHER_OWNER, parameters: book["Timelock#TimelockController"] },
        ],
        drift: [],
      });
    });

    it("fails naming each wire of a BLS key registry the deployment did not wire: its sets, its registry, MACH's keys", async function () {
      const { book } = await load(protocolFixture);
      // a key registry owned by the timelock but initialised with the registry and the operator sets swapped, recorded
      // in place of the deployed one (which MachService still reads)
      const implementation = await hre.ethers.deployContract("BlsKeyRegistry");
      const data = implementation.interface.encodeFunctionData("initialize", [
        book["Timelock#TimelockController"],
        book["Restaking#RestakingRegistry"],
        book["Restaking#OperatorSets"],
      ]);
      const miswired = await (await hre.ethers.deployContract("ERC1967Proxy", [implementation, data])).getAddress();
      recordInProcess({ "Restaking#BlsKeyRegistry": miswired });
      try {
        const lines = await checkFailing(
          { json: false },
          `3 of 182 values differ from ${HARDHAT_FILE}: BlsKeyRegistry.operatorSets`,
        );
        expect(lines.filter((l) => l.includes("DIFFERENT"))).to.deep.equal([
          `  BlsKeyRegistry.operatorSets: DIFFERENT: chain ${book["Restaking#RestakingRegistry"]}, parameters ${book["Restaking#OperatorSets"]}`,
          `  BlsKeyRegistry.registry: DIFFERENT: chain ${book["Restaking#OperatorSets"]}, parameters ${book["Restaking#RestakingRegistry"]}`,
          `  MachService.blsKeys: DIFFERENT: chain ${book["Restaking#BlsKeyRegistry"]}, parameters ${miswired}`,
        ]);
        // its owner is the timelock, as the parameters want
        expect(lines).to.include(`  BlsKeyRegistry.owner: ok (${book["Timelock#TimelockController"]})`);
        expect(lines.at(-1)).to.equal(`3 of 182 values differ from ${HARDHAT_FILE}`);
      } finally {
        recordInProcess(book);
      }
    });

    it("fails naming the value a parameter file has that was not deployed", async function () {
      await load(protocolFixture);
      const parameters = hardhatParameters();
      parameters.rollups!.templates[4].creationFee = "2000";
      const file = files.write("creation-fee.json", parameters);
      const lines = await checkFailing(
        { json: true, parameters: file },
        `1 of 182 values differ from ${file}: RollupFactory.template(4).creationFee`,
      );
      expect(JSON.parse(lines.join("\n"))).to.deep.equal({
        checked: 182,
        differences: [{ what: "RollupFactory.template(4).creationFee", chain: "1,000 ALT", parameters: "2,000 ALT" }],
        drift: [],
      });
    });

    it("reports an allocation the parameters add as a position that is not deployed", async function () {
      await load(protocolFixture);
      const parameters = hardhatParameters();
      const launchpool = parameters.genesis.allocations.find((a) => a.category === "Launchpool")!;
      launchpool.bps = 400;
      parameters.genesis.allocations.push({ ...launchpool, category: "DeployCheckExtra", bps: 100 });
      const file = files.write("extra-category.json", parameters);
      const lines = await checkFailing(
        { json: true, parameters: file },
        `2 of 183 values differ from ${file}: Vesting_Launchpool.total`,
      );
      expect(JSON.parse(lines.join("\n"))).to.deep.equal({
        checked: 183,
        differences: [
          { what: "Vesting_Launchpool.total", chain: "500,000,000 ALT", parameters: "400,000,000 ALT" },
          {
            what: "Vesting_DeployCheckExtra",
            chain: "not deployed (no Genesis#Vesting_DeployCheckExtra in the address book)",
            parameters: "a DeployCheckExtra allocation",
          },
        ],
        drift: [],
      });
    });

    it("counts a stage of the parameter file that the address book does not record as one difference", async function () {
      const { book } = await load(protocolFixture);
      // the in-process record is the book loadAddressBook returns: drop the governor from it for this test
      delete (await loadAddressBook(hre))["Governance#AltGovernor"];
      try {
        const lines = await checkFailing(
          { json: true },
          `1 of 176 values differ from ${HARDHAT_FILE}: governance stage`,
        );
        expect(JSON.parse(lines.join("\n"))).to.deep.equal({
          checked: 182 - 7 + 1,
          differences: [
            {
              what: "governance stage",
              chain: "not deployed (no Governance#AltGovernor in the address book)",
              parameters: "a governance section",
            },
          ],
          drift: [],
        });
      } finally {
        recordInProcess(book);
      }
    });

    it("refuses a parameter file that breaks a rule, in the deployment's words", async function () {
      await load(protocolFixture);
      const parameters = hardhatParameters();
      parameters.genesis.allocations[0].bps -= 1;
      const file = files.write("broken.json", parameters);
      await expectTaskFailure(
        "deploy check",
        { json: false, parameters: file },
        "genesis parameters: allocations sum to 9999 bps, not 10000",
      );
    });
  });

  describe("on the staged services deployed without governance", function () {
    it("passes against the staged file, which has no governance section, with the deployer as every owner", async function () {
      await load(stagedServicesFixture);
      const [deployer] = await hre.ethers.getSigners();
      const file = stagedParametersFile();
      const { result, lines } = await runTask<CheckReport>("deploy check", { json: false, parameters: file });
      expect(result).to.deep.equal({ checked: 175, differences: [], drift: [] });
      expect(lines).to.have.lengthOf(177);
      expect(lines.at(-1)).to.equal(`all 175 values match ${file}`);
      expect(lines.filter((l) => l.includes(".owner: ok ("))).to.deep.equal(
        [
          "VestingFactory",
          "RestakingRegistry",
          "OperatorSets",
          "SlashingManager",
          "RewardsDistributor",
          "BlsKeyRegistry",
          "RollupFactory",
          "MachService",
          "VitalService",
          "SquadService",
        ].map((contract) => `  ${contract}.owner: ok (${deployer.address})`),
      );
      expect(lines).to.include(`  VitalService.parameters.treasury: ok (${STAGED_TREASURY})`);
      expect(lines.filter((l) => l.startsWith("  AltGovernor") || l.startsWith("  Timelock"))).to.deep.equal([]);
    });
  });

  describe("from the command line", function () {
    this.timeout(150_000);

    before(function () {
      if (coverageRunning()) this.skip(); // a `npx hardhat` subprocess recompiles over the instrumented artifacts
    });

    it("fails with one line when the network has no deployment recorded", async function () {
      const { code, output } = await hardhatCli(["deploy check"]);
      expect(code).to.not.equal(0);
      expect(output).to.include(
        "Error in plugin alt-protocol: nothing is deployed on the in-process hardhat network: run deploy genesis first" +
          " in the same process, or use --network localhost",
      );
      expect(output).to.not.include("    at ");
    });
  });
});
