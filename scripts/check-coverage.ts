// Fails when Solidity coverage (coverage/coverage-summary.json from `hardhat coverage`) is under the thresholds.
import { readFileSync } from "fs";

const THRESHOLDS = { lines: 95, branches: 90 } as const;

const summary = JSON.parse(readFileSync("coverage/coverage-summary.json", "utf8")).total;
let failed = false;
for (const [metric, minimum] of Object.entries(THRESHOLDS)) {
  const pct: number = summary[metric].pct;
  const ok = pct >= minimum;
  failed ||= !ok;
  console.log(`${ok ? "ok  " : "FAIL"} ${metric}: ${pct}% (threshold ${minimum}%)`);
}
process.exit(failed ? 1 : 0);
