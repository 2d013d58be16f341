import hre from "hardhat";
import { writeFileSync } from "fs";
import { runTask, task, load } from "../helpers/tasks";
import type { AddressBook } from "../../tasks/lib/addressBook";

describe("scratch", function () {
  async function base() {
    const book = await task<AddressBook>("deploy:governance", { json: true });
    return { book };
  }
  it("explores", async function () {
    const { book } = await load(base);
    const signers = await hre.ethers.getSigners();
    const try_ = async (name: string, args: Record<string, unknown>) => {
      const b = await hre.ethers.provider.getBlockNumber();
      try {
        const r = await runTask(name, args);
        console.log(name, "OK", r.lines.join("\n"));
      } catch (e) {
        console.log(name, "FAIL", JSON.stringify((e as Error).message), (e as Error).constructor.name);
      }
      console.log("  blocks", (await hre.ethers.provider.getBlockNumber()) - b);
    };
    const w = (o: unknown) => { writeFileSync("/tmp/p.json", typeof o === "string" ? o : JSON.stringify(o)); return "/tmp/p.json"; };
    const from = signers[2].address;
    const act = (a: object) => w({ description: "x", actions: [a] });
    await try_("gov:propose", { file: act({ contract: "Governance#AltGovernor", function: "queue", args: [1] }), from, json: true });
    await try_("gov:propose", { file: act({ contract: "Restaking#RestakingRegistry", function: "setDelays", args: ["abc", 1, 2] }), from, json: true });
    await try_("gov:propose", { file: act({ contract: "Restaking#RestakingRegistry", function: "setDelays", args: [-1, 1, 2] }), from, json: true });
    await try_("gov:propose", { file: act({ contract: "Restaking#SlashingManager", function: "setSlasher", args: ["0x12", 1, 2] }), from, json: true });
    await try_("gov:propose", { file: w("{ nope"), from, json: true });
    await try_("gov:propose", { file: w({ description: "x", implementations: { bad: { artifact: "RestakingRegistryBadV2", proxy: "Restaking#RestakingRegistry" } }, actions: [{ contract: "Restaking#RestakingRegistry", function: "upgradeToAndCall", args: ["$bad", "0x"] }] }), from, json: true });
    await try_("gov:propose", { file: act({ contract: "Restaking#RestakingRegistry", function: "setDelays", args: [1, 1, 2], value: "1" }), from, json: true });
    await try_("gov:propose", { file: act({ contract: "Restaking#RestakingRegistry", function: "setDelays", args: [1, 1, 2], value: "x" }), from, json: true });
    await try_("gov:propose", { file: act({ contract: "0x000000000000000000000000000000000000dEaD", function: "setDelays", args: [1, 1, 2] }), from, json: true });
    await try_("gov:propose", { file: act({ contract: "0x000000000000000000000000000000000000dEaD", artifact: "RestakingRegistry", function: "setDelays", args: [1, 1, 2] }), from, json: true });
    await try_("gov:propose", { file: act({ contract: book["Restaking#RestakingRegistry"].toLowerCase(), function: "setDelays", args: [864000, 604800, 604800] }), from, json: true });
    await try_("gov:propose", { file: act({ contract: "Restaking#RestakingRegistry", function: "setDelays", args: [1, 1, 2] }), from, json: true });
    await try_("gov:simulate", { file: "deploy/proposals/withdrawal-delay.json", json: true });
    await try_("gov:propose", { file: "deploy/proposals/withdrawal-delay.json", from, json: true });
    await try_("gov:simulate", { file: "deploy/proposals/withdrawal-delay.json", json: true });
  });
});
