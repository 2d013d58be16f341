// Ignition deployments without re-parsing the compiler's build-info file for every contract.
//
// Ignition's artifact resolver reads and parses a whole build-info file (23 MB for this project's main compile job)
// each time it deploys a contract: measured with a CPU profile, 7 of the 12 seconds of a protocol deployment. This keeps
// each parsed file for the life of the process, keyed by its path and checked against its size and modification time,
// so a recompilation (coverage's instrumented build, `npx hardhat compile` in a test) is read again. Every Ignition
// deployment of the process benefits: the tests' fixtures, the deploy tasks and the simulation.
import { readFile, stat } from "fs/promises";
import path from "path";
import { HardhatArtifactResolver } from "@nomicfoundation/hardhat-ignition/helpers";
import type { BuildInfo, HardhatRuntimeEnvironment } from "hardhat/types";

const parsed = new Map<string, { stamp: string; buildInfo: Promise<BuildInfo | undefined> }>();

/** The build-info file of a compiled contract, named by its debug file next to the artifact. */
async function buildInfoFile(artifactsDir: string, fqn: string): Promise<string> {
  const [sourceName, contractName] = fqn.split(":");
  const debugFile = path.join(artifactsDir, sourceName, `${contractName}.dbg.json`);
  const { buildInfo } = JSON.parse(await readFile(debugFile, "utf8")) as { buildInfo: string };
  return path.resolve(path.dirname(debugFile), buildInfo);
}

/** The build info of `contractName` (bare or fully qualified), parsed once per version of its file. */
export async function cachedBuildInfo(
  hre: HardhatRuntimeEnvironment,
  contractName: string,
): Promise<BuildInfo | undefined> {
  const fqn = contractName.includes(":")
    ? contractName
    : await hre.artifacts.readArtifact(contractName).then((a) => `${a.sourceName}:${a.contractName}`);
  const file = await buildInfoFile(hre.config.paths.artifacts, fqn);
  const { size, mtimeMs } = await stat(file);
  const stamp = `${size}:${mtimeMs}`;
  const cached = parsed.get(file);
  if (cached?.stamp === stamp) return cached.buildInfo;
  const buildInfo = hre.artifacts.getBuildInfo(fqn);
  parsed.set(file, { stamp, buildInfo });
  // a failed read is not kept (unless a newer read has replaced it meanwhile)
  buildInfo.catch(() => parsed.get(file)?.buildInfo === buildInfo && parsed.delete(file));
  return buildInfo;
}

/** Makes every HardhatArtifactResolver (Ignition's) read build infos through the cache. */
export function parseBuildInfoOnce(): void {
  const resolver = HardhatArtifactResolver.prototype as unknown as {
    getBuildInfo(contractName: string): Promise<BuildInfo | undefined>;
    _hre: HardhatRuntimeEnvironment;
  };
  resolver.getBuildInfo = function (contractName: string) {
    return cachedBuildInfo(this._hre, contractName);
  };
}
