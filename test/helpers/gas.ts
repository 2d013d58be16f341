/**
 * Gas snapshot harness (SPEC: "a gas snapshot of the key operations is committed and compared in the tests; the
 * budgets must hold").
 *
 * The committed snapshot is test/gas/snapshot.json: one object per *suite*, each mapping an operation name to the gas
 * it used, e.g.
 *
 *     { "token": { "ALT: transfer (...)": 34456, "vesting: release (...)": 51234 } }
 *
 * Every gas file owns exactly one suite (token.gas.test.ts owns "token"; a restaking.gas.test.ts would own
 * "restaking", and so on), so running one gas file checks and rewrites only its own suite and leaves the others alone.
 *
 * Adding a gas file:
 *
 *     import { describeGas } from "../helpers/gas";
 *
 *     describeGas("restaking", __filename, (gas) => {
 *       it("stake", async function () {
 *         const { registry, operator } = await loadFixture(restakingGasFixture);
 *         const receipt = await (await registry.connect(operator).stake(amount)).wait();
 *         gas.record("stake (operator already staked, second deposit)", receipt!.gasUsed, { budget: 120_000 });
 *       });
 *     });
 *
 * Adding an operation: call `gas.record(name, gasUsed, { budget })` (or `await gas.recordTx(name, tx, { items, budget
 * })`) inside an `it`; for a per-item figure divide first (`receipt.gasUsed / 10n`, or `items: 10`). Then run the file
 * in update mode (below) and commit the new snapshot entry. Name the *scenario*, not just the function: the same call
 * costs very different gas on fresh and on warm storage (zero to non-zero writes cost 20,000 more than non-zero to
 * non-zero ones), so say which storage is already written, e.g. "(both accounts already hold ALT, neither delegated)".
 *
 * What is checked, inside the `it` that records (so a failure names the operation):
 * - the figure may not grow by more than 1% over its snapshot entry (`TOLERANCE_PERCENT`); a figure that shrinks, or
 *   grows within the tolerance, passes and is reported in the summary printed after the suite;
 * - the figure may not exceed its budget, if it has one (budgets hold in update mode too: they are the spec);
 * - the operation must have a snapshot entry.
 * A last test of the suite ("snapshot ... has no stale entries") fails when the snapshot holds an entry of the suite
 * that no test recorded. That check needs every test of the suite to have run and passed (a test that failed or was
 * filtered out by --grep / .only recorded nothing); otherwise it is skipped, and says so.
 *
 * Updating the snapshot, after an intended change (review the diff of test/gas/snapshot.json before committing):
 *
 *     UPDATE_GAS_SNAPSHOT=true npx hardhat test test/gas/token.gas.test.ts   # one suite
 *     UPDATE_GAS_SNAPSHOT=true npx hardhat test $(ls test/gas/*.gas.test.ts)  # all suites
 *
 * In update mode the snapshot comparison never fails; after the suite its entries are replaced by what was measured
 * (keys sorted, 2-space JSON, trailing newline). If some test of the suite did not pass or did not run, the measured
 * entries are merged in and the unmeasured ones are kept instead, so a partial run never drops entries.
 *
 * Under solidity-coverage (instrumented bytecode, different gas) every gas suite skips itself. Before measuring, a suite
 * also checks that the artifacts were built with the configured optimizer settings (a coverage run recompiles the
 * shared artifacts with the optimizer off; measuring those would report every figure as grown).
 *
 * Figures are deterministic as long as the scenario is: measure transactions whose calldata is fixed (no signatures
 * over wall-clock expiries, no random addresses), deploy from an account no other test uses (so contract addresses do
 * not depend on which files ran first), and mind that ERC20Votes checkpoints are keyed by block timestamp.
 */
import hre from "hardhat";
import { AssertionError } from "chai";
import { existsSync, readFileSync, renameSync, writeFileSync } from "fs";
import path from "path";
import type { Suite } from "mocha";
import { coverageRunning } from "./coverage";

/** The committed snapshot. */
export const SNAPSHOT_PATH = path.join(__dirname, "..", "gas", "snapshot.json");
/** A figure may grow by at most this much over its snapshot entry. */
export const TOLERANCE_PERCENT = 1;
/** `UPDATE_GAS_SNAPSHOT=true` (or `1`): rewrite the snapshot of the suites that run instead of failing. */
export const UPDATE_MODE = ["true", "1"].includes((process.env.UPDATE_GAS_SNAPSHOT ?? "").toLowerCase());

/** Suite name -> operation name -> gas. */
export type GasSnapshotFile = Record<string, Record<string, number>>;

export interface RecordOptions {
  /** The figure may not exceed this (gas). */
  budget?: number | bigint;
}

export interface Measurement {
  operation: string;
  gas: number;
  /** The snapshot entry the figure was compared with, if any. */
  previous?: number;
  budget?: number;
}

const relative = (file: string) => path.relative(hre.config.paths.root, file) || file;

export function readSnapshot(file: string = SNAPSHOT_PATH): GasSnapshotFile {
  if (!existsSync(file)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${relative(file)} is not valid JSON: ${(e as Error).message}`);
  }
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isObject(parsed)) throw new Error(`${relative(file)} must be an object of suites`);
  for (const [suite, entries] of Object.entries(parsed)) {
    if (!isObject(entries)) throw new Error(`${relative(file)}: suite "${suite}" must be an object of operations`);
    for (const [operation, gas] of Object.entries(entries)) {
      if (!Number.isSafeInteger(gas) || (gas as number) < 0) {
        throw new Error(`${relative(file)}: "${suite}" / "${operation}" must be a non-negative integer, not ${gas}`);
      }
    }
  }
  return parsed as GasSnapshotFile;
}

/** The committed format: keys sorted at both levels, 2-space indentation, trailing newline. */
export function formatSnapshot(snapshot: GasSnapshotFile): string {
  const sortKeys = <T>(o: Record<string, T>) =>
    Object.fromEntries(
      Object.keys(o)
        .sort()
        .map((k) => [k, o[k]]),
    );
  const sorted = Object.fromEntries(
    Object.keys(snapshot)
      .sort()
      .map((s) => [s, sortKeys(snapshot[s])]),
  );
  return JSON.stringify(sorted, null, 2) + "\n";
}

function writeSnapshot(snapshot: GasSnapshotFile, file: string = SNAPSHOT_PATH): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, formatSnapshot(snapshot));
  renameSync(tmp, file); // atomic: a concurrent reader sees the old or the new file, never half of one
}

const fmt = (n: number) => n.toLocaleString("en-US");

/** Signed percentage change from `previous` to `current`, two decimals. */
export function percentChange(previous: number, current: number): string {
  if (previous === 0) return current === 0 ? "+0.00%" : "+inf%";
  const pct = ((current - previous) * 100) / previous;
  return `${pct >= 0 ? "+" : ""}${pct.toFixed(2)}%`;
}

/** Whether `current` grew by more than TOLERANCE_PERCENT over `previous` (exact integer arithmetic). */
export function exceedsTolerance(previous: number, current: number): boolean {
  return BigInt(current) * 100n > BigInt(previous) * BigInt(100 + TOLERANCE_PERCENT);
}

/**
 * Fails if an artifact was not built with the configured optimizer settings. solidity-coverage recompiles the shared
 * artifacts with the optimizer off, so a gas run that starts right after (or during) a coverage run in the same
 * checkout would otherwise report every figure as grown.
 */
export async function assertOptimizedArtifacts(): Promise<void> {
  const { compilers, overrides } = hre.config.solidity;
  const key = (version: string, optimizer?: { enabled?: boolean; runs?: number }) =>
    `${version} optimizer=${optimizer?.enabled ?? false} runs=${optimizer?.runs ?? 200}`;
  const allowed = new Set(
    [...compilers, ...Object.values(overrides)].map((c) => key(c.version, c.settings?.optimizer)),
  );
  for (const file of await hre.artifacts.getBuildInfoPaths()) {
    const info = JSON.parse(readFileSync(file, "utf8"));
    const built = key(info.solcVersion, info.input.settings.optimizer);
    if (!allowed.has(built)) {
      throw new Error(
        `gas snapshot: ${relative(file)} was compiled with ${built}, not the configured ${[...allowed].join(" / ")} ` +
          `(did a coverage run overwrite the artifacts?). Run \`npx hardhat compile --force\` and measure again.`,
      );
    }
  }
}

function toGas(value: number | bigint, what: string): number {
  const n = typeof value === "bigint" ? Number(value) : value;
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${what} must be a non-negative integer, not ${value}`);
  return n;
}

/** The recorder handed to a gas suite's body. */
export class GasSnapshot {
  readonly measured = new Map<string, Measurement>();
  private baseline: Record<string, number> = {};

  constructor(
    readonly suite: string,
    readonly file: string,
  ) {}

  private get updateCommand(): string {
    return `UPDATE_GAS_SNAPSHOT=true npx hardhat test ${relative(this.file)}`;
  }

  private label(operation: string): string {
    return `[${this.suite}] "${operation}"`;
  }

  /** @internal Reads the suite's snapshot entries; called by describeGas before the suite's tests. */
  load(): void {
    this.baseline = { ...(readSnapshot()[this.suite] ?? {}) };
    this.measured.clear();
  }

  /**
   * Records `gasUsed` (a receipt's `gasUsed`, or a per-item share of it) as `operation` and checks it against the
   * snapshot and `options.budget`; throws an AssertionError naming the operation when a check fails.
   */
  record(operation: string, gasUsed: number | bigint, options: RecordOptions = {}): Measurement {
    if (operation.trim() === "" || operation !== operation.trim()) {
      throw new Error(`gas operation name ${JSON.stringify(operation)} must be non-empty and trimmed`);
    }
    if (this.measured.has(operation)) throw new Error(`gas ${this.label(operation)} was recorded twice in one run`);
    const gas = toGas(gasUsed, `gas of ${this.label(operation)}`);
    const budget =
      options.budget === undefined ? undefined : toGas(options.budget, `budget of ${this.label(operation)}`);
    const previous = this.baseline[operation];
    const measurement: Measurement = { operation, gas, previous, budget };
    this.measured.set(operation, measurement);

    if (budget !== undefined && gas > budget) {
      throw new AssertionError(
        `gas budget ${this.label(operation)}: ${fmt(gas)} gas is over its budget of ${fmt(budget)} ` +
          `(${percentChange(budget, gas)})` +
          (previous === undefined ? "" : `; snapshot ${fmt(previous)} (${percentChange(previous, gas)})`),
      );
    }
    if (UPDATE_MODE) return measurement;
    if (previous === undefined) {
      throw new AssertionError(
        `gas snapshot ${this.label(operation)}: measured ${fmt(gas)} gas, but ${relative(SNAPSHOT_PATH)} has no entry ` +
          `for it. Record it with: ${this.updateCommand}`,
      );
    }
    if (exceedsTolerance(previous, gas)) {
      throw new AssertionError(
        `gas snapshot ${this.label(operation)}: grew from ${fmt(previous)} to ${fmt(gas)} gas ` +
          `(${percentChange(previous, gas)}, tolerance +${TOLERANCE_PERCENT}%). If the increase is intended, update ` +
          `the snapshot with: ${this.updateCommand}`,
      );
    }
    return measurement;
  }

  /**
   * Waits for `tx` and records its gasUsed divided by `items` (the per-item figure of a batch; integer division).
   */
  async recordTx(
    operation: string,
    tx: Promise<TxLike> | TxLike,
    options: RecordOptions & { items?: number } = {},
  ): Promise<Measurement> {
    const receipt = await (await tx).wait();
    if (receipt === null) throw new Error(`gas ${this.label(operation)}: no receipt`);
    const items = options.items ?? 1;
    if (!Number.isSafeInteger(items) || items < 1) throw new Error(`gas ${this.label(operation)}: items must be >= 1`);
    return this.record(operation, receipt.gasUsed / BigInt(items), options);
  }

  /** Snapshot entries of the suite that were not recorded in this run. */
  staleEntries(): [string, number][] {
    return Object.entries(this.baseline).filter(([operation]) => !this.measured.has(operation));
  }

  /** @internal The summary printed after the suite. */
  summary(): string {
    const rows = [...this.measured.values()].sort((a, b) => a.operation.localeCompare(b.operation));
    if (rows.length === 0) return "";
    const width = Math.max(...rows.map((r) => r.operation.length), "operation".length);
    const line = (op: string, gas: string, prev: string, change: string, budget: string) =>
      `      ${op.padEnd(width)}  ${gas.padStart(9)}  ${prev.padStart(9)}  ${change.padStart(8)}  ${budget.padStart(9)}`;
    const out = [
      `    gas snapshot "${this.suite}" (${relative(SNAPSHOT_PATH)}, tolerance +${TOLERANCE_PERCENT}%` +
        `${UPDATE_MODE ? ", UPDATE MODE" : ""}):`,
      line("operation", "gas", "snapshot", "change", "budget"),
    ];
    for (const r of rows) {
      const prev = r.previous === undefined ? "-" : fmt(r.previous);
      const change = r.previous === undefined ? "new" : percentChange(r.previous, r.gas);
      out.push(line(r.operation, fmt(r.gas), prev, change, r.budget === undefined ? "-" : fmt(r.budget)));
    }
    return out.join("\n");
  }
}

/** What `recordTx` needs of a sent transaction (ethers v6 ContractTransactionResponse / TransactionResponse). */
export interface TxLike {
  wait(): Promise<{ gasUsed: bigint } | null>;
}

const registeredSuites = new Map<string, string>();

function testsOf(suite: Suite): Mocha.Test[] {
  return [...suite.tests, ...suite.suites.flatMap(testsOf)];
}

/**
 * Declares the gas suite `suite` (its key in snapshot.json), owned by the test file `file` (pass `__filename`).
 * `body` declares the suite's tests (`it`s and nested `describe`s) and records into the `GasSnapshot` it is given.
 */
export function describeGas(suite: string, file: string, body: (gas: GasSnapshot) => void): void {
  if (suite.trim() === "" || suite !== suite.trim()) throw new Error(`gas suite name "${suite}" must be non-empty`);
  const owner = registeredSuites.get(suite);
  if (owner !== undefined && owner !== file) {
    throw new Error(`gas suite "${suite}" is declared by both ${relative(owner)} and ${relative(file)}`);
  }
  registeredSuites.set(suite, file);
  const gas = new GasSnapshot(suite, file);

  describe(`Gas snapshot: ${suite}`, function () {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const root: Suite = this;
    let checkOf: Mocha.Test | undefined;

    before(async function () {
      if (coverageRunning()) this.skip(); // skips every test of the suite, nested ones included
      await assertOptimizedArtifacts();
      gas.load();
    });

    // The body's own `it`s run first, then its nested describes, then this file's last describe below.
    describe("operations", function () {
      body(gas);
    });

    describe("snapshot", function () {
      checkOf = it(`test/gas/snapshot.json "${suite}" has no stale entries`, function () {
        const others = testsOf(root).filter((t) => t !== checkOf);
        const incomplete = others.filter((t) => t.state !== "passed");
        if (incomplete.length > 0) {
          console.log(
            `      (stale-entry check of "${suite}" skipped: ${incomplete.length} of its tests did not run or pass)`,
          );
          this.skip();
        }
        const stale = gas.staleEntries();
        if (stale.length === 0) return;
        const list = stale.map(([op, g]) => `"${op}" (${fmt(g)})`).join(", ");
        if (UPDATE_MODE) {
          console.log(`      removing stale entries of "${suite}": ${list}`);
          return;
        }
        throw new AssertionError(
          `gas snapshot [${suite}]: ${stale.length} entr${stale.length === 1 ? "y was" : "ies were"} not measured by ` +
            `any test (stale): ${list}. Remove ${stale.length === 1 ? "it" : "them"} with: ` +
            `UPDATE_GAS_SNAPSHOT=true npx hardhat test ${relative(file)}`,
        );
      });
    });

    after(function () {
      if (coverageRunning() || gas.measured.size === 0) return;
      const summary = gas.summary();
      if (summary !== "") console.log(summary);
      if (!UPDATE_MODE) return;
      const complete = testsOf(root).every((t) => t === checkOf || t.state === "passed");
      const snapshot = readSnapshot(); // fresh: another suite of this run may have written its part already
      const entries: Record<string, number> = complete ? {} : { ...(snapshot[suite] ?? {}) };
      for (const m of gas.measured.values()) entries[m.operation] = m.gas;
      const before = formatSnapshot(snapshot);
      snapshot[suite] = entries;
      if (formatSnapshot(snapshot) === before) {
        console.log(`    ${relative(SNAPSHOT_PATH)}: "${suite}" unchanged`);
        return;
      }
      writeSnapshot(snapshot);
      console.log(
        `    ${relative(SNAPSHOT_PATH)}: "${suite}" ${complete ? "rewritten" : "merged (some tests did not pass)"} ` +
          `with ${gas.measured.size} entr${gas.measured.size === 1 ? "y" : "ies"}`,
      );
    });
  });
}
