// Running `npx hardhat` as a separate process, as a developer would in a terminal.
import { execFile } from "child_process";
import path from "path";
import { AREAS } from "../../tasks/lib/cli";

const ROOT = path.join(__dirname, "..", "..");

/**
 * The environment of a developer's terminal: Hardhat shows stack traces of every error by default on what it takes for
 * a CI server (CI variables, or Linux without a display), so those are removed for the one-line checks.
 */
export function terminalEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DISPLAY: process.env.DISPLAY ?? ":0", ...extra };
  const ciVars = ["CI", "CONTINUOUS_INTEGRATION", "BUILD_NUMBER", "RUN_ID", "GITHUB_ACTIONS", "NOW", "DEPLOYMENT_ID"];
  ciVars.push("CODEBUILD_BUILD_NUMBER");
  // the vendors Hardhat's own copy of ci-info recognises by their variables
  const vendorsFile = require.resolve("ci-info/vendors.json", { paths: [require.resolve("hardhat")] });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const vendors: { env: string | string[] | Record<string, string> }[] = require(vendorsFile);
  for (const { env: vendorEnv } of vendors) {
    if (typeof vendorEnv === "string") ciVars.push(vendorEnv);
    else if (Array.isArray(vendorEnv)) ciVars.push(...vendorEnv);
    else ciVars.push(...Object.keys(vendorEnv));
  }
  for (const name of ciVars) delete env[name];
  return env;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout, then stderr. */
  output: string;
}

const OUR_TASK = new RegExp(`^(${Object.keys(AREAS).join("|")}) [a-z][a-z-]*$`);

/** `args` as the shell passes them: our task `"rollup create"` is the two words `rollup create` (area, action). */
export const commandLine = (args: string[]) => args.flatMap((arg) => (OUR_TASK.test(arg) ? arg.split(" ") : [arg]));

/** Runs `npx hardhat ...args` in the project (a terminal's environment by default); resolves whatever the exit code. */
export function hardhatCli(
  args: string[],
  { env = terminalEnv(), timeout = 120_000 }: { env?: NodeJS.ProcessEnv; timeout?: number } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    execFile("npx", ["hardhat", ...commandLine(args)], { cwd: ROOT, env, timeout }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") return reject(error); // could not run, or timed out
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr, output: `${stdout}\n${stderr}` });
    });
  });
}
