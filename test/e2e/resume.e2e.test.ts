// An interrupted release resumes where it stopped: `deploy protocol --network localhost` killed in the middle of the
// deployment, then run again, ends with exactly the address book of an uninterrupted run on a fresh node, and a third
// run sends nothing. Each deployment runs as a separate process against its own `npx hardhat node`.
import { expect } from "chai";
import { spawn } from "child_process";
import { existsSync, readFileSync, rmSync } from "fs";
import path from "path";
import { JsonRpcProvider } from "ethers";
import type { AddressBook } from "../../tasks/lib/addressBook";
import { hardhatCli, terminalEnv } from "../helpers/cli";
import { coverageRunning } from "../helpers/coverage";
import { startHardhatNode, type HardhatNode } from "../helpers/node";

const ROOT = path.join(__dirname, "..", "..");
/** The chain ID of this test's nodes: their deployment records go to their own folder. */
const CHAIN_ID = 31_339;
const RECORDS = path.join(ROOT, "deploy", "deployments", `chain-${CHAIN_ID}`);
const JOURNAL = path.join(RECORDS, "journal.jsonl");
/** Journal entries after which the first run is killed: some contracts deployed, far from all. */
const KILL_AFTER_ENTRIES = 40;

const nodeEnv = (node: HardhatNode) => terminalEnv({ HARDHAT_VAR_LOCALHOST_RPC_URL: node.url });
const removeRecords = () => rmSync(RECORDS, { recursive: true, force: true });
const journalEntries = () => (existsSync(JOURNAL) ? readFileSync(JOURNAL, "utf8").split("\n").filter(Boolean) : []);

/**
 * `deploy protocol --network localhost --json` against `node`, to the end; returns the address book it printed (the
 * JSON is all of standard output) and its progress lines (standard error).
 */
async function deployProtocol(node: HardhatNode): Promise<{ book: AddressBook; progress: string[] }> {
  const run = await hardhatCli(["deploy protocol", "--network", "localhost", "--json"], {
    env: nodeEnv(node),
    timeout: 15 * 60_000,
  });
  expect(run.code, run.output).to.equal(0);
  return { book: JSON.parse(run.stdout) as AddressBook, progress: run.stderr.split("\n").filter(Boolean) };
}

/** The progress lines of transactions sent, `[k/n] sent <future>: tx 0x…`. */
const sentLines = (progress: string[]) =>
  progress.filter((line) => /^\[\d+\/\d+\] sent \S+: tx 0x[0-9a-f]{64}$/.test(line));

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Whether a deployment stopped now could resume. Ignition journals a transaction's nonce (TRANSACTION_PREPARE_SEND)
 * before sending it and its hash (TRANSACTION_SEND) after: stopped in between, the resumed run cannot tell whether the
 * nonce was used and refuses (IGN411, "transaction lost"). A line cut short by the stop is not resumable either.
 */
function resumable(lines: string[]): boolean {
  const open = new Set<string>();
  for (const line of lines) {
    let entry: { type?: string; futureId?: string; networkInteractionId?: number };
    try {
      entry = JSON.parse(line);
    } catch {
      return false;
    }
    const key = `${entry.futureId}/${entry.networkInteractionId}`;
    if (entry.type === "TRANSACTION_PREPARE_SEND") open.add(key);
    if (entry.type === "TRANSACTION_SEND") open.delete(key);
  }
  return open.size === 0;
}

/**
 * Starts `deploy protocol` against `node` and kills its process group once the journal has `entries` entries, at a
 * resumable point: the group is frozen (SIGSTOP) and killed only if the frozen journal is resumable, else it runs on
 * a few milliseconds and is frozen again. (A kill at any instant is a real crash, but one Ignition cannot resume.)
 */
async function deployUntilKilled(node: HardhatNode, entries: number): Promise<number> {
  const child = spawn("npx", ["hardhat", "deploy", "protocol", "--network", "localhost", "--json"], {
    cwd: ROOT,
    env: nodeEnv(node),
    detached: true,
    stdio: "ignore",
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let code: number | null | undefined;
  void exited.then((c) => (code = c));
  while (code === undefined && journalEntries().length < entries) await pause(50);
  for (;;) {
    expect(code, "the deployment ended before it could be interrupted").to.equal(undefined);
    process.kill(-child.pid!, "SIGSTOP");
    if (resumable(journalEntries())) break;
    process.kill(-child.pid!, "SIGCONT");
    await pause(5);
  }
  process.kill(-child.pid!, "SIGKILL");
  await exited;
  return journalEntries().length;
}

describe("deploy protocol interrupted and resumed (e2e, JSON-RPC)", function () {
  this.timeout(40 * 60_000);
  const nodes: HardhatNode[] = [];

  before(function () {
    if (coverageRunning()) this.skip(); // subprocesses recompile over the instrumented artifacts
    removeRecords();
  });

  after(async function () {
    for (const node of nodes) await node.stop();
    removeRecords();
  });

  it("resumes to the addresses of an uninterrupted deployment, and a repeated run sends nothing", async function () {
    const started = Date.now();
    const reference = await startHardhatNode({ chainId: CHAIN_ID });
    nodes.push(reference);
    const { book: expected, progress } = await deployProtocol(reference);
    // progress: the plan, then one line per transaction sent and per step done; one block per transaction sent
    const steps = Number(/^deploying: (\d+) steps in \d+ batches/.exec(progress[0])?.[1]);
    const sent = sentLines(progress);
    const referenceProvider = new JsonRpcProvider(reference.url, undefined, { staticNetwork: true });
    expect(sent.length).to.equal(await referenceProvider.getBlockNumber());
    referenceProvider.destroy();
    expect(sent[0]).to.match(new RegExp(`^\\[1/${steps}\\] sent Genesis#AltToken: tx `));
    expect(progress.at(-1)).to.match(new RegExp(`^\\[${steps}/${steps}\\] done Governance#`));
    expect(Object.keys(expected)).to.include.members([
      "Genesis#AltToken",
      "Services#MachService",
      "Governance#AltGovernor",
    ]);
    await reference.stop();
    removeRecords();

    const node = await startHardhatNode({ chainId: CHAIN_ID });
    nodes.push(node);
    const killedAt = await deployUntilKilled(node, KILL_AFTER_ENTRIES);
    expect(killedAt).to.be.at.least(KILL_AFTER_ENTRIES);
    const provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true });
    const interruptedAt = await provider.getBlockNumber();
    expect(interruptedAt).to.be.greaterThan(0);

    const resumed = await deployProtocol(node);
    expect(resumed.book).to.deep.equal(expected);
    expect(await provider.getBlockNumber()).to.be.greaterThan(interruptedAt);
    // the resumed run sends only what the interrupted one had not: each transaction once over the two runs
    expect(sentLines(resumed.progress).length).to.equal((await provider.getBlockNumber()) - interruptedAt);

    const finishedAt = await provider.getBlockNumber();
    const repeated = await deployProtocol(node);
    expect(repeated.book).to.deep.equal(expected);
    expect(repeated.progress).to.deep.equal([
      "nothing to deploy: every step is recorded as done in the deployment's journal",
    ]);
    expect(await provider.getBlockNumber()).to.equal(finishedAt);
    provider.destroy();
    console.log(
      `      interrupted after ${killedAt} journal entries; e2e ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
  });
});
