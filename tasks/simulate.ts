// simulate: the whole restaked-rollup economy on the in-process network, from a seed, with a summary, a JSON report
// and an SVG chart (the README's main job).
import { task, types } from "hardhat/config";
import { mkdirSync, writeFileSync } from "fs";
import path from "path";
import { output } from "./lib/cli";
import { simulate } from "./lib/simulate/engine";
import { Progress } from "./lib/simulate/progress";
import { chartSvg, summaryLines } from "./lib/simulate/render";

interface SimulateArgs {
  seed: string;
  operators: number;
  dishonest?: number;
  stakers: number;
  rollups: number;
  epochs: number;
  parameters?: string;
  out: string;
  quiet: boolean;
  json: boolean;
}

/** Defaults: a world small enough to run in about a minute, long enough for every scripted event on hardhat.json. */
export const SIMULATE_DEFAULTS = { seed: "alt", operators: 12, stakers: 60, rollups: 5, epochs: 20, out: "reports" };

task("simulate", "Simulates the whole protocol on the in-process network from a seed; writes a JSON report and a chart")
  .addOptionalParam("seed", "Seed of every random choice (letters, digits, - and _)", SIMULATE_DEFAULTS.seed)
  .addOptionalParam("operators", "Operators", SIMULATE_DEFAULTS.operators, types.int)
  .addOptionalParam("dishonest", "Dishonest operators (default: one in five, at least one)", undefined, types.int)
  .addOptionalParam("stakers", "Stakers delegating to operators", SIMULATE_DEFAULTS.stakers, types.int)
  .addOptionalParam("rollups", "Rollups launched from the factory", SIMULATE_DEFAULTS.rollups, types.int)
  .addOptionalParam(
    "epochs",
    "Epochs to run (one epoch = the OperatorSets epoch length)",
    SIMULATE_DEFAULTS.epochs,
    types.int,
  )
  .addOptionalParam("parameters", "Parameter file (default: deploy/parameters/hardhat.json)")
  .addOptionalParam("out", "Folder of the report and chart", SIMULATE_DEFAULTS.out)
  .addFlag("quiet", "No progress bar")
  .addFlag("json", "Print the report as JSON instead of the summary")
  .setAction(async (args: SimulateArgs, hre) => {
    const options = {
      seed: args.seed,
      operators: args.operators,
      dishonest: args.dishonest ?? Math.max(1, Math.floor(args.operators / 5)),
      stakers: args.stakers,
      rollups: args.rollups,
      epochs: args.epochs,
    };
    await hre.run("compile", { quiet: true }); // a fresh clone has no artifacts yet
    const progress = new Progress(args.quiet ? undefined : process.stderr, args.epochs, "simulate");
    const report = await simulate(hre, {
      options,
      parameters: args.parameters,
      onEpoch: (epoch, detail) => progress.update(epoch, detail),
    });
    progress.finish(`${report.run.actions.toLocaleString("en-US")} transactions in ${report.run.wallSeconds} s`);
    mkdirSync(args.out, { recursive: true });
    const base = path.join(args.out, `simulation-${options.seed}`);
    writeFileSync(`${base}.json`, JSON.stringify(report, null, 2) + "\n");
    writeFileSync(`${base}.svg`, chartSvg(report));
    return output(args.json, report, () => [
      ...summaryLines(report),
      "",
      `report: ${base}.json`,
      `chart:  ${base}.svg`,
    ]);
  });
