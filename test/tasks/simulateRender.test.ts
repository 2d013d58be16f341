// What `simulate` shows of its report (tasks/lib/simulate/render.ts, progress.ts), from a small synthetic report: the
// summary's tables line by line, the cut-short tables of large runs, a broken conservation law, the SVG chart's
// layout, escaping and determinism, and the progress line on a terminal, on a log and without a stream. No chain.
import { expect } from "chai";
import { parseUnits } from "ethers";
import type { OperatorRow, RollupRow, SimulationReport } from "../../tasks/lib/simulate/report";
import {
  chartSvg,
  compact,
  cutScale,
  eventMarkers,
  fitScale,
  formatAltCell,
  formatDuration,
  GAS_PANEL,
  gasAreas,
  legendEntry,
  niceScale,
  panelBox,
  plotBox,
  summaryLines,
  table,
  tickLabel,
  weiToAlt,
} from "../../tasks/lib/simulate/render";
import { BAR_WIDTH, Progress } from "../../tasks/lib/simulate/progress";

/** A decimal ALT amount as a wei string. */
const alt = (amount: string) => parseUnits(amount, 18).toString();
/** One ALT in the rewards distributor's scaled unit (wei × 10^18). */
const SCALED_ALT = 10n ** 36n;

function operator(name: string, stakeBefore: string, overrides: Partial<OperatorRow> = {}): OperatorRow {
  return {
    name,
    address: "0x" + "0".repeat(40),
    honest: true,
    stakeBefore: alt(stakeBefore),
    stakeAfter: alt(stakeBefore),
    slashed: "0",
    rewards: "0",
    jailed: false,
    ...overrides,
  };
}

function rollup(name: string, chainId: number, overrides: Partial<RollupRow> = {}): RollupRow {
  return {
    name,
    chainId,
    template: "OPStack EVM",
    daLayer: "Ethereum blobs",
    services: ["VITAL", "MACH", "SQUAD"],
    sequencing: "SQUAD",
    ephemeral: false,
    state: "Active",
    batches: 0,
    outputs: { proposed: 0, fastFinalized: 0, finalized: 0, invalidated: 0 },
    ...overrides,
  };
}

/** 3 epochs, 3 operators (mallory dishonest, slashed once and jailed by a pending request), 2 rollups. */
function reportFixture(): SimulationReport {
  return {
    config: {
      seed: "42",
      operators: 3,
      dishonest: 1,
      stakers: 6,
      rollups: 2,
      epochs: 3,
      parameters: "deploy/parameters/hardhat.json",
      epochLength: 3600,
    },
    proposal: { description: "Raise the MACH quorum", state: "Executed", proposedEpoch: 1, executedEpoch: 3 },
    operators: [
      operator("alice", "1000", { stakeAfter: alt("1050"), rewards: alt("2.5") }),
      operator("bob", "1234.565", { stakeAfter: alt("1284.564"), rewards: alt("3.5") }),
      operator("mallory", "1000", { honest: false, stakeAfter: alt("900"), slashed: alt("100"), jailed: true }),
    ],
    slashes: [
      {
        requestId: 1,
        epoch: 2,
        operator: "mallory",
        service: "VITAL",
        offence: "invalid output",
        bps: 1000,
        amount: alt("100"),
        status: "executed",
      },
      {
        requestId: 2,
        epoch: 3,
        operator: "mallory",
        service: "MACH",
        offence: "equivocation",
        bps: 500,
        amount: "0",
        status: "pending",
      },
    ],
    rollups: [
      rollup("alpha", 420001, {
        batches: 12,
        outputs: { proposed: 6, fastFinalized: 4, finalized: 5, invalidated: 1 },
      }),
      rollup("beta", 420002, {
        template: "ArbitrumOrbit WASM",
        daLayer: "Celestia",
        services: ["VITAL"],
        sequencing: "central",
        ephemeral: true,
        state: "Settling",
        batches: 3,
        outputs: { proposed: 2, fastFinalized: 0, finalized: 0, invalidated: 0 },
      }),
    ],
    outputs: { proposed: 8, fastFinalized: 4, finalized: 5, invalidated: 1 },
    gas: [
      { action: "stake", count: 12, gas: 1234567, average: 102880 },
      { action: "propose output", count: 8, gas: 800000, average: 100000 },
    ],
    gasByEpoch: [
      {
        epoch: 0,
        byCategory: { setup: 2500000, staking: 1000000, rewards: 0, duties: 0, upkeep: 0, governance: 0, bridge: 0 },
      },
      {
        epoch: 1,
        byCategory: {
          setup: 0,
          staking: 50000,
          rewards: 0,
          duties: 800000,
          upkeep: 450000,
          governance: 120000,
          bridge: 0,
        },
      },
      {
        epoch: 2,
        byCategory: {
          setup: 0,
          staking: 0,
          rewards: 630000,
          duties: 650000,
          upkeep: 450000,
          governance: 90000,
          bridge: 0,
        },
      },
      {
        epoch: 3,
        byCategory: {
          setup: 0,
          staking: 184567,
          rewards: 1260001,
          duties: 700000,
          upkeep: 300001,
          governance: 0,
          bridge: 45000,
        },
      },
    ],
    upkeep: { totalGas: 1200001, rollupEpochs: 6, perRollupEpoch: 200000 },
    events: [
      { epoch: 1, kind: "bad-output", detail: "mallory posted a bad output on alpha" },
      { epoch: 2, kind: "slash-executed", detail: "mallory slashed 100 ALT" },
      { epoch: 3, kind: "equivocation", detail: "mallory equivocated on MACH" },
    ],
    epochs: [
      {
        epoch: 0,
        totalStake: alt("3000"),
        rewardsPaid: "0",
        slashed: "0",
        finalizedOutputs: 0,
        fastFinalizedOutputs: 0,
      },
      {
        epoch: 1,
        totalStake: alt("3100"),
        rewardsPaid: alt("2"),
        slashed: "0",
        finalizedOutputs: 1,
        fastFinalizedOutputs: 1,
      },
      {
        epoch: 2,
        totalStake: alt("3000"),
        rewardsPaid: alt("4"),
        slashed: alt("100"),
        finalizedOutputs: 3,
        fastFinalizedOutputs: 2,
      },
      {
        epoch: 3,
        totalStake: alt("3050"),
        rewardsPaid: alt("6"),
        slashed: alt("100"),
        finalizedOutputs: 5,
        fastFinalizedOutputs: 4,
      },
    ],
    bridge: {
      rollups: [
        {
          rollup: "rollup-0",
          deposits: 3,
          included: 3,
          refunded: 0,
          withdrawals: 2,
          claimedFast: 1,
          claimedNormal: 0,
          unclaimed: 1,
          held: { ETH: alt("1.5"), ALT: alt("250") },
          owed: { ETH: alt("1.5"), ALT: alt("250") },
        },
        {
          rollup: "rollup-1",
          deposits: 2,
          included: 1,
          refunded: 1,
          withdrawals: 1,
          claimedFast: 0,
          claimedNormal: 1,
          unclaimed: 0,
          held: { ETH: "0", ALT: "1" },
          owed: { ETH: "0", ALT: "0" },
        },
      ],
      latency: [
        { rollup: "rollup-0", path: "fast (MACH)", claims: 1, min: 6_300, median: 6_300, max: 6_300 },
        { rollup: "rollup-1", path: "normal (validity proof)", claims: 3, min: 6_240, median: 612_000, max: 700_000 },
      ],
      fastOutputs: [
        { rollup: "rollup-0", output: 0, epoch: 1, limit: alt("400"), used: alt("100") },
        { rollup: "rollup-0", output: 1, epoch: 2, limit: alt("400"), used: "0" },
      ],
      fastRefused: 2,
    },
    conservation: {
      deposited: alt("3150"),
      stake: alt("3050"),
      slashed: alt("100"),
      withdrawn: "0",
      proceedsUnclaimed: "0",
      altToBurn: "0",
      feesCredited: alt("10"),
      rewardsPaid: alt("6"),
      rewardsOwedScaled: (3n * SCALED_ALT).toString(),
      rewardsUnclaimedScaled: (SCALED_ALT / 2n).toString(),
      rewardsUnsettledScaled: (SCALED_ALT / 2n).toString(),
    },
    run: {
      startedAt: "2025-01-01T00:00:00Z",
      wallSeconds: 12.34,
      actions: 4567,
      actionsPerSecond: 370.1,
    },
  };
}

/** The lines of the summary section whose title starts with `title`, up to the blank line that ends it. */
function sectionOf(lines: string[], title: string): string[] {
  const start = lines.findIndex((line) => line.startsWith(title));
  expect(start, `section ${title}`).to.be.greaterThan(-1);
  const end = lines.indexOf("", start);
  return lines.slice(start, end === -1 ? undefined : end);
}

/** The first cell of each row of a section's table (the title, headers and rule left out). */
const firstCells = (section: string[]) => section.slice(3).map((line) => line.trim().split(/\s+/)[0]);

describe("simulate report rendering", function () {
  describe("summary", function () {
    it("opens with the seed and the configuration", function () {
      expect(summaryLines(reportFixture())[0]).to.equal(
        "Simulation: seed 42, 3 operators (1 dishonest), 6 stakers, 2 rollups, 3 epochs, parameters " +
          "deploy/parameters/hardhat.json",
      );
    });

    it("aligns the operator table, amounts in ALT rounded to cents", function () {
      expect(sectionOf(summaryLines(reportFixture()), "Operators")).to.deep.equal([
        "Operators",
        "  operator  behaviour  stake before (ALT)  stake after (ALT)  slashed (ALT)  rewards (ALT)  jailed",
        "  --------  ---------  ------------------  -----------------  -------------  -------------  ------",
        "  alice     honest               1,000.00           1,050.00           0.00           2.50  no",
        "  bob       honest               1,234.57           1,284.56           0.00           3.50  no",
        "  mallory   dishonest            1,000.00             900.00         100.00           0.00  yes",
      ]);
    });

    it("lists the slashes with their status", function () {
      expect(sectionOf(summaryLines(reportFixture()), "Slashes")).to.deep.equal([
        "Slashes",
        "  request  epoch  operator  service  offence           bps  amount (ALT)  status",
        "  -------  -----  --------  -------  --------------  -----  ------------  --------",
        "        1      2  mallory   VITAL    invalid output  1,000        100.00  executed",
        "        2      3  mallory   MACH     equivocation      500          0.00  pending",
      ]);
    });

    it("counts the rollups by state and lists them with their outputs by tier", function () {
      const section = sectionOf(summaryLines(reportFixture()), "Rollups");
      expect(section[0]).to.equal("Rollups: 1 Active, 1 Settling, 0 Retired");
      expect(section[3]).to.equal(
        "  alpha     420001  OPStack EVM         Ethereum blobs  VITAL+MACH+SQUAD  SQUAD       no         Active" +
          "         12         6     4      5            1",
      );
      expect(section[4]).to.equal(
        "  beta      420002  ArbitrumOrbit WASM  Celestia        VITAL             central     yes        Settling" +
          "        3         2     0      0            0",
      );
    });

    it("totals the outputs by finality tier", function () {
      expect(sectionOf(summaryLines(reportFixture()), "Outputs by finality tier")).to.deep.equal([
        "Outputs by finality tier",
        "  tier            outputs",
        "  --------------  -------",
        "  proposed              8",
        "  fast-finalized        4",
        "  finalized             5",
        "  invalidated           1",
      ]);
    });

    it("shows the gas per action in the report's order, with grouped thousands", function () {
      expect(sectionOf(summaryLines(reportFixture()), "Gas per action")).to.deep.equal([
        "Gas per action",
        "  action          count  total gas  average gas",
        "  --------------  -----  ---------  -----------",
        "  stake              12  1,234,567      102,880",
        "  propose output      8    800,000      100,000",
      ]);
    });

    it("shows the gas per epoch by category, with each epoch's total and the run's totals", function () {
      expect(sectionOf(summaryLines(reportFixture()), "Gas per epoch by category")).to.deep.equal([
        "Gas per epoch by category",
        "  epoch      setup    staking    rewards     duties     upkeep  governance  bridge      total",
        "  -----  ---------  ---------  ---------  ---------  ---------  ----------  ------  ---------",
        "      0  2,500,000  1,000,000          0          0          0           0       0  3,500,000",
        "      1          0     50,000          0    800,000    450,000     120,000       0  1,420,000",
        "      2          0          0    630,000    650,000    450,000      90,000       0  1,820,000",
        "      3          0    184,567  1,260,001    700,000    300,001           0  45,000  2,489,569",
        "    all  2,500,000  1,234,567  1,890,001  2,150,000  1,200,001     210,000  45,000  9,229,569",
      ]);
    });

    it("gives the upkeep per rollup-epoch against its budget, after the gas per epoch", function () {
      const lines = summaryLines(reportFixture());
      const upkeep = "Upkeep: 200,000 gas per rollup-epoch (1,200,001 over 6 rollup-epochs; budget 200,000)";
      expect(lines).to.include(upkeep);
      expect(lines.indexOf(upkeep)).to.equal(
        lines.indexOf("    all  2,500,000  1,234,567  1,890,001  2,150,000  1,200,001     210,000  45,000  9,229,569") +
          2,
      );
      expect(lines[lines.indexOf(upkeep) + 1]).to.equal("");
    });

    it("shows every epoch of a long run, not only the first 20", function () {
      const report = reportFixture();
      const byCategory = { setup: 0, staking: 0, rewards: 500, duties: 1000, upkeep: 2000, governance: 0, bridge: 0 };
      report.gasByEpoch = Array.from({ length: 31 }, (_, epoch) => ({ epoch, byCategory }));
      const section = sectionOf(summaryLines(report), "Gas per epoch by category");
      expect(firstCells(section)).to.deep.equal([...Array.from({ length: 31 }, (_, epoch) => String(epoch)), "all"]);
      expect(section.at(-1)).to.equal("    all      0        0   15,500  31,000  62,000           0       0  108,500");
    });

    it("lists the scripted events", function () {
      expect(sectionOf(summaryLines(reportFixture()), "Scripted events").slice(1)).to.deep.equal([
        "  epoch  kind            detail",
        "  -----  --------------  ------------------------------------",
        "      1  bad-output      mallory posted a bad output on alpha",
        "      2  slash-executed  mallory slashed 100 ALT",
        "      3  equivocation    mallory equivocated on MACH",
      ]);
    });

    it("writes out both conservation laws with full precision", function () {
      expect(sectionOf(summaryLines(reportFixture()), "Conservation")).to.deep.equal([
        "Conservation",
        "  stake 3,050 ALT + slashed 100 ALT + withdrawn 0 ALT = 3,150 ALT vs deposited 3,150 ALT: holds",
        "  rewards paid 6 ALT + owed 3 ALT + unclaimed 0.5 ALT + unsettled 0.5 ALT = 10 ALT vs fees credited 10 ALT:" +
          " holds",
      ]);
    });

    it("lists each rollup's bridge traffic, and whether its portal holds exactly what it owes", function () {
      expect(sectionOf(summaryLines(reportFixture()), "Bridge")).to.deep.equal([
        "Bridge: deposits and withdrawals per rollup, the portal's holdings (ETH, ALT) against what it owes",
        "  rollup    deposits  included  refunded  withdrawals  fast  normal  unclaimed  ETH held  ALT held  invariant",
        "  --------  --------  --------  --------  -----------  ----  ------  ---------  --------  --------  -----------",
        "  rollup-0         3         3         0            2     1       0          1      1.50    250.00  held = owed",
        "  rollup-1         2         1         1            1     0       1          0      0.00      0.00  BROKEN",
      ]);
    });

    it("gives the withdrawal latency per rollup and path, and the fast limit used per output", function () {
      const lines = summaryLines(reportFixture());
      expect(sectionOf(lines, "Withdrawal latency")).to.deep.equal([
        "Withdrawal latency (made on L2 to claimed on L1)",
        "  rollup    path                     claims     fastest      median     slowest",
        "  --------  -----------------------  ------  ----------  ----------  ----------",
        "  rollup-0  fast (MACH)                   1  1 h 45 min  1 h 45 min  1 h 45 min",
        "  rollup-1  normal (validity proof)       3  1 h 44 min     7 d 2 h     8 d 2 h",
      ]);
      expect(sectionOf(lines, "Fast-withdrawal limit")).to.deep.equal([
        "Fast-withdrawal limit used per output (MACH cover, ALT)",
        "  rollup    output  epoch   limit  claimed fast    used",
        "  --------  ------  -----  ------  ------------  ------",
        "  rollup-0       0      1  400.00        100.00  25.0 %",
        "  1 more output(s) certified with no fast claim; 2 fast claim(s) over a limit waited for finality",
      ]);
    });

    it("writes durations in their two largest units", function () {
      expect(formatDuration(0)).to.equal("0 s");
      expect(formatDuration(59)).to.equal("59 s");
      expect(formatDuration(6_300)).to.equal("1 h 45 min");
      expect(formatDuration(7_200)).to.equal("2 h");
      expect(formatDuration(612_000)).to.equal("7 d 2 h");
      expect(formatDuration(86_461)).to.equal("1 d");
      expect(formatDuration(90_000)).to.equal("1 d 1 h");
    });

    it("ends with the run's speed", function () {
      expect(summaryLines(reportFixture()).at(-1)).to.equal("Run: 12.3 s wall, 4,567 actions, 370.1 actions/s");
    });

    it("says none for a run without slashes, rollups, gas or events", function () {
      const report = {
        ...reportFixture(),
        slashes: [],
        events: [],
        gas: [],
        gasByEpoch: [],
        upkeep: { totalGas: 0, rollupEpochs: 0, perRollupEpoch: 0 },
        rollups: [],
      };
      const lines = summaryLines(report);
      expect(lines).to.include.members([
        "Slashes: none",
        "Scripted events: none",
        "Gas per action: none",
        "Gas per epoch by category: none",
      ]);
      expect(lines).to.include("Rollups: none");
      expect(lines).to.include("Upkeep: 0 gas per rollup-epoch (0 over 0 rollup-epochs; budget 200,000)");
    });

    describe("when a conservation law fails", function () {
      it("marks the stake law BROKEN when a wei is missing", function () {
        const report = reportFixture();
        report.conservation.deposited = (BigInt(report.conservation.deposited) + 1n).toString();
        const [, stake, fees] = sectionOf(summaryLines(report), "Conservation");
        expect(stake).to.equal(
          "  stake 3,050 ALT + slashed 100 ALT + withdrawn 0 ALT = 3,150 ALT vs deposited 3,150.000000000000000001 ALT:" +
            " BROKEN",
        );
        expect(fees).to.match(/: holds$/);
      });

      it("marks the fee law BROKEN when the terms do not add up", function () {
        const report = reportFixture();
        report.conservation.rewardsOwedScaled = (4n * SCALED_ALT).toString();
        expect(sectionOf(summaryLines(report), "Conservation")[2]).to.match(
          /= 11 ALT vs fees credited 10 ALT: BROKEN$/,
        );
      });

      it("marks the fee law BROKEN when a term is negative, even if the terms add up", function () {
        const report = reportFixture();
        // owed 1e-36 ALT short, unsettled 1e-36 ALT over (and 3 ALT of owed shown as unclaimed): the sum is right
        report.conservation.rewardsOwedScaled = (-1n).toString();
        report.conservation.rewardsUnclaimedScaled = (3n * SCALED_ALT + SCALED_ALT / 2n).toString();
        report.conservation.rewardsUnsettledScaled = (SCALED_ALT / 2n + 1n).toString();
        expect(sectionOf(summaryLines(report), "Conservation")[2]).to.equal(
          "  rewards paid 6 ALT + owed -0.000000000000000000000000000000000001 ALT + unclaimed 3.5 ALT + unsettled" +
            " 0.500000000000000000000000000000000001 ALT = 10 ALT vs fees credited 10 ALT: BROKEN",
        );
      });
    });

    describe("given more than 20 operators or rollups", function () {
      /** op-01 … op-25 with 1,000 … 25,000 ALT; op-03 dishonest, op-05 slashed. */
      function largeReport(): SimulationReport {
        const operators = Array.from({ length: 25 }, (_, i) =>
          operator(`op-${String(i + 1).padStart(2, "0")}`, String((i + 1) * 1000)),
        );
        operators[2].honest = false;
        operators[4].slashed = alt("1");
        const rollups = Array.from({ length: 23 }, (_, i) => rollup(`r-${i + 1}`, 1000 + i));
        return { ...reportFixture(), operators, rollups };
      }

      it("shows the 10 largest operators plus every dishonest or slashed one, and how many are left out", function () {
        const section = sectionOf(summaryLines(largeReport()), "Operators");
        expect(firstCells(section.slice(0, -1))).to.deep.equal([
          "op-03",
          "op-05",
          ...Array.from({ length: 10 }, (_, i) => `op-${i + 16}`),
        ]);
        expect(section.at(-1)).to.equal("  … 13 more operators in the JSON report");
      });

      it("shows the first 20 rollups and how many are left out", function () {
        const section = sectionOf(summaryLines(largeReport()), "Rollups");
        expect(section[0]).to.equal("Rollups: 23 Active, 0 Settling, 0 Retired");
        expect(firstCells(section.slice(0, -1))).to.deep.equal(Array.from({ length: 20 }, (_, i) => `r-${i + 1}`));
        expect(section.at(-1)).to.equal("  … 3 more rollups in the JSON report");
      });

      it("shows all operators when there are exactly 20", function () {
        const report = largeReport();
        report.operators = report.operators.slice(0, 20);
        expect(firstCells(sectionOf(summaryLines(report), "Operators"))).to.have.length(20);
      });
    });

    it("builds every table with one helper: headers, a rule, then aligned rows", function () {
      expect(table(["a", "number"], [["xyz", "1"]], ["left", "right"])).to.deep.equal([
        "a    number",
        "---  ------",
        "xyz       1",
      ]);
    });

    it("rounds table amounts half up to cents", function () {
      expect(formatAltCell(alt("1234567.885"))).to.equal("1,234,567.89");
      expect(formatAltCell(alt("0.004"))).to.equal("0.00");
      expect(formatAltCell("-" + alt("1.005"))).to.equal("-1.01");
    });
  });

  describe("chart", function () {
    /** The `points` of every polyline, in drawing order (stake, rewards, slashed, finalized, fast-finalized, gas total). */
    const polylines = (svg: string) => [...svg.matchAll(/<polyline points="([^"]*)"/g)].map((match) => match[1]);
    /** The `points` of every polygon (the gas panel's stacked areas), in drawing order. */
    const polygons = (svg: string) =>
      [...svg.matchAll(/<polygon points="([^"]*)" fill="([^"]*)"/g)].map((match) => ({
        points: match[1],
        fill: match[2],
      }));
    /** Each panel's event markers: the x of each dashed line and its label, and the label's y. */
    const markerGroups = (svg: string) =>
      [...svg.matchAll(/<g class="event-markers">\n([\s\S]*?)\n<\/g>/g)].map((group) =>
        [
          ...group[1].matchAll(
            /<line x1="([\d.]+)" y1="([\d.]+)" x2="\1" y2="([\d.]+)"[^>]*\/>\n<text x="\1" y="([\d.]+)"[^>]*>([^<]*)<\/text>/g,
          ),
        ].map((m) => ({ x: Number(m[1]), top: Number(m[2]), bottom: Number(m[3]), labelY: Number(m[4]), label: m[5] })),
      );
    /** The y axis labels of the panel whose plot starts at `box.x`, bottom up. */
    const yLabels = (svg: string, index: number) => {
      const box = plotBox(index);
      const pattern = new RegExp(`<text x="${box.x - 6}" y="([\\d.]+)" text-anchor="end">([^<]*)</text>`, "g");
      return [...svg.matchAll(pattern)]
        .map((match) => ({ y: Number(match[1]) - 4, label: match[2] }))
        .filter(({ y }) => y >= box.y && y <= box.y + box.height)
        .map(({ label }) => label);
    };
    /** The fixture with the total stake at `stakes` (ALT) over epochs 0..3. */
    const withStakes = (stakes: string[]) => {
      const report = reportFixture();
      report.epochs.forEach((point, i) => (point.totalStake = alt(stakes[i])));
      return report;
    };

    it("is a standalone SVG of 960 pixels with a white background and no scripts or external resources", function () {
      const svg = chartSvg(reportFixture());
      // 40 (title) + 3 rows of 240 + the events' legend: 28 (heading) + 2 rows of 13 + 8.
      expect(
        svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="960" height="822" viewBox="0 0 960 822"'),
      ).to.equal(true);
      expect(svg.trimEnd().endsWith("</svg>")).to.equal(true);
      expect(svg).to.include('fill="white"').and.include('font-family="sans-serif"');
      expect(svg).not.to.match(/<script|href=|url\(|<foreignObject|on[a-z]+=/i);
    });

    it("lays out five panels: two rows of two, then the gas across the whole width", function () {
      expect([0, 1, 2, 3, 4].map(panelBox)).to.deep.equal([
        { x: 0, y: 40, width: 480, height: 240 },
        { x: 480, y: 40, width: 480, height: 240 },
        { x: 0, y: 280, width: 480, height: 240 },
        { x: 480, y: 280, width: 480, height: 240 },
        { x: 0, y: 520, width: 960, height: 240 },
      ]);
      expect(plotBox(0)).to.deep.equal({ x: 64, y: 84, width: 396, height: 160 });
      expect(plotBox(4)).to.deep.equal({ x: 64, y: 564, width: 726, height: 160 });
    });

    it("has a titled panel per series and a title line with the seed and the configuration", function () {
      const svg = chartSvg(reportFixture());
      for (const title of [
        "Total stake (ALT)",
        "Rewards paid (ALT)",
        "Slashed (ALT)",
        "Finalized outputs",
        "L1 gas per epoch by category",
      ]) {
        expect(svg).to.include(`>${title}</text>`);
      }
      expect(svg).to.include(">Simulation: seed 42, 3 operators (1 dishonest), 6 stakers, 2 rollups, 3 epochs,");
    });

    it("cuts the total stake's axis around the stake, with a break mark, when it never comes near 0", function () {
      const svg = chartSvg(reportFixture());
      // Stake 3,000 / 3,100 / 3,000 / 3,050 ALT over epochs 0..3; the axis runs from 3,000 to 3,100 ALT by 20.
      const box = plotBox(0);
      const expected = [3000, 3100, 3000, 3050]
        .map((stake, epoch) => {
          const x = box.x + (epoch / 3) * box.width;
          const y = box.y + box.height - ((stake - 3000) / 100) * box.height;
          return `${Math.round(x * 10) / 10},${Math.round(y * 10) / 10}`;
        })
        .join(" ");
      expect(polylines(svg)[0]).to.equal(expected);
      expect(expected).to.equal("64,244 196,84 328,244 460,164");
      expect(yLabels(svg, 0)).to.deep.equal(["3k", "3.02k", "3.04k", "3.06k", "3.08k", "3.1k"]);
      // The break: a white gap in the y axis just above its lowest tick, crossed by two slanted strokes.
      expect(svg).to.include('<rect x="58" y="227" width="12" height="6" fill="white"/>');
      expect(svg).to.include('<path d="M58,235 L70,231 M58,229 L70,225" stroke="#333" fill="none"/>');
      expect(svg.match(/<path /g)).to.have.length(1); // the other panels start at 0
    });

    it("shows a 2 % slash of the stake as a drop over the whole plot's height", function () {
      const svg = chartSvg(withStakes(["3000", "3000", "2940", "2940"]));
      expect(cutScale([3000, 3000, 2940, 2940])).to.deep.equal({ min: 2940, max: 3000, step: 20 });
      expect(yLabels(svg, 0)).to.deep.equal(["2.94k", "2.96k", "2.98k", "3k"]);
      const ys = polylines(svg)[0]
        .split(" ")
        .map((point) => Number(point.split(",")[1]));
      expect(ys).to.deep.equal([84, 84, 244, 244]);
      const drop = ys[2] - ys[1];
      expect(drop).to.be.greaterThan(0.1 * plotBox(0).height);
      // From 0, the same drop would be 60 / 5,000 of the height: under 2 pixels.
      expect((60 / 5000) * plotBox(0).height).to.be.lessThan(2);
    });

    it("keeps the stake's axis from 0 when the stake comes within half its maximum of 0, and the other panels' always", function () {
      const svg = chartSvg(withStakes(["1000", "3100", "3000", "3050"]));
      expect(yLabels(svg, 0)).to.deep.equal(["0", "1k", "2k", "3k", "4k", "5k"]);
      expect(svg).not.to.include("<path ");
      // Rewards 0..6 ALT, slashed 0..100 ALT, outputs 0..5: from 0 to niceScale's maximum.
      expect(yLabels(svg, 1)).to.deep.equal(["0", "2.5", "5", "7.5", "10"]);
      expect(yLabels(svg, 2)).to.deep.equal(["0", "25", "50", "75", "100"]);
      expect(yLabels(svg, 3)).to.deep.equal(["0", "1", "2", "3", "4", "5"]);
    });

    it("fits cut axes to 1, 2, 2.5 or 5 × 10^k steps", function () {
      expect(cutScale([3000, 3100, 3000, 3050])).to.deep.equal({ min: 3000, max: 3100, step: 20 });
      expect(cutScale([6863015.2, 6832945.7])).to.deep.equal({ min: 6830000, max: 6870000, step: 10000 });
      expect(cutScale([3000, 3000])).to.deep.equal({ min: 2900, max: 3100, step: 100 });
      expect(cutScale([1500, 3100])).to.deep.equal({ min: 0, max: 5000, step: 1000 });
      expect(cutScale([])).to.deep.equal({ min: 0, max: 1, step: 0.25 });
      expect(fitScale(0, 3500000)).to.deep.equal({ min: 0, max: 4000000, step: 1000000 });
      expect(fitScale(0, 59219085)).to.deep.equal({ min: 0, max: 60000000, step: 20000000 });
      expect(fitScale(0, 0)).to.deep.equal({ min: 0, max: 1, step: 0.25 });
    });

    it("labels ticks with the decimals their step needs", function () {
      expect(tickLabel(6830000, 10000)).to.equal("6.83M");
      expect(tickLabel(3025, 25)).to.equal("3.025k");
      expect(tickLabel(3000, 25)).to.equal("3k");
      expect(tickLabel(750, 250)).to.equal("750");
      expect(tickLabel(0.75, 0.25)).to.equal("0.75");
      expect(tickLabel(0, 1)).to.equal("0");
    });

    it("draws the fast-finalized outputs as a second line with a legend", function () {
      const svg = chartSvg(reportFixture());
      const lines = polylines(svg);
      expect(lines).to.have.length(6);
      // Fast-finalized 0 / 1 / 2 / 4 over epochs 0..3 in the middle right panel; the axis runs to 5 outputs.
      expect(lines[4]).to.equal("544,484 676,452 808,420 940,356");
      expect(svg).to.include(">finalized</text>").and.include(">fast-finalized</text>");
    });

    it("stacks the gas per epoch by category, under a line of the total, on an axis fitted to the largest epoch", function () {
      const svg = chartSvg(reportFixture());
      // Totals 3,500,000 / 1,420,000 / 1,820,000 / 2,489,569 gas: the axis runs from 0 to 4M by 1M, so a gas g is at
      // y = 724 - g / 25,000; epochs 0..3 at x = 64, 306, 548, 790. Each area: its top left to right, its bottom back.
      expect(yLabels(svg, GAS_PANEL)).to.deep.equal(["0", "1M", "2M", "3M", "4M"]);
      const bottom = "790,724 548,724 306,724 64,724";
      expect(polygons(svg)).to.deep.equal([
        { fill: "#999999", points: `64,624 306,724 548,724 790,724 ${bottom}` }, // setup 2.5M at epoch 0
        { fill: "#0072b2", points: "64,584 306,722 548,724 790,716.6 790,724 548,724 306,724 64,624" }, // staking
        { fill: "#009e73", points: "64,584 306,722 548,698.8 790,666.2 790,716.6 548,724 306,722 64,584" }, // rewards
        { fill: "#e69f00", points: "64,584 306,690 548,672.8 790,638.2 790,666.2 548,698.8 306,722 64,584" }, // duties
        { fill: "#cc79a7", points: "64,584 306,672 548,654.8 790,626.2 790,638.2 548,672.8 306,690 64,584" }, // upkeep
        { fill: "#56b4e9", points: "64,584 306,667.2 548,651.2 790,626.2 790,626.2 548,654.8 306,672 64,584" }, // gov.
        { fill: "#d55e00", points: "64,584 306,667.2 548,651.2 790,624.4 790,626.2 548,651.2 306,667.2 64,584" }, // bridge
      ]);
      expect(polylines(svg)[5]).to.equal("64,584 306,667.2 548,651.2 790,624.4");
      // The legend, top of the stack first, with each category's gas over the run.
      const legend = [...svg.matchAll(/<text x="830" y="[\d.]+">([^<]*)<\/text>/g)].map((match) => match[1]);
      expect(legend).to.deep.equal([
        "bridge 45k",
        "governance 210k",
        "upkeep 1.2M",
        "duties 2.15M",
        "rewards 1.89M",
        "staking 1.23M",
        "setup 2.5M",
        "total 9.23M",
      ]);
    });

    it("computes the stacked areas from the gas of each category", function () {
      const box = { x: 0, y: 0, width: 100, height: 100 };
      const gas = {
        setup: [10, 0],
        staking: [0, 0],
        rewards: [0, 20],
        duties: [5, 5],
        upkeep: [0, 0],
        governance: [0, 0],
        bridge: [0, 0],
      };
      expect(gasAreas([0, 1], gas, box, 50)).to.deep.equal({
        areas: [
          { category: "setup", points: "0,80 100,100 100,100 0,100" },
          { category: "rewards", points: "0,80 100,60 100,100 0,80" },
          { category: "duties", points: "0,70 100,50 100,60 0,80" },
        ],
        total: "0,70 100,50",
      });
    });

    it("draws a flat gas panel for a run without gas", function () {
      const report = reportFixture();
      report.gasByEpoch = report.gasByEpoch.map(({ epoch }) => ({
        epoch,
        byCategory: { setup: 0, staking: 0, rewards: 0, duties: 0, upkeep: 0, governance: 0, bridge: 0 },
      }));
      for (const svg of [chartSvg(report), chartSvg({ ...report, gasByEpoch: [] })]) {
        expect(polygons(svg)).to.deep.equal([]);
        expect(polylines(svg)[5]).to.equal("64,724 306,724 548,724 790,724");
        expect(svg).to.include(">setup 0</text>").and.include(">total 0</text>");
      }
    });

    it("marks each epoch with scripted events by a numbered dashed line on every panel", function () {
      const report = reportFixture();
      report.events.push({ epoch: 2, kind: "challenge", detail: "bob challenged output 1 of alpha" });
      const groups = markerGroups(chartSvg(report));
      expect(groups).to.have.length(5);
      // Events 1..4 at epochs 1, 2, 3, 2: one line per epoch, the events of epoch 2 listed on one.
      const panel = (index: number, xs: number[]) => {
        const box = plotBox(index);
        return xs.map((x, i) => ({
          x,
          top: box.y,
          bottom: box.y + box.height,
          labelY: box.y - 3,
          label: ["1", "2,4", "3"][i],
        }));
      };
      expect(groups[0]).to.deep.equal(panel(0, [196, 328, 460]));
      expect(groups[1]).to.deep.equal(panel(1, [676, 808, 940]));
      expect(groups[2]).to.deep.equal(panel(2, [196, 328, 460]));
      expect(groups[3]).to.deep.equal(panel(3, [676, 808, 940]));
      expect(groups[4]).to.deep.equal(panel(4, [306, 548, 790]));
      expect(eventMarkers(report.events)).to.deep.equal([
        { epoch: 1, numbers: [1] },
        { epoch: 2, numbers: [2, 4] },
        { epoch: 3, numbers: [3] },
      ]);
    });

    it("raises a marker's numbers a row when they would touch its neighbour's", function () {
      const report = reportFixture();
      report.config.epochs = 40;
      report.epochs = Array.from({ length: 41 }, (_, epoch) => ({ ...reportFixture().epochs[0], epoch }));
      report.events = [10, 11, 11, 11, 12, 13].map((epoch) => ({ epoch, kind: "expiry", detail: "" }));
      // 9.9 pixels an epoch: "1" at 163, "2,3,4" (17.5 px wide) at 172.9 touches it, "5" at 182.8 fits after "1".
      const [first] = markerGroups(chartSvg(report));
      expect(first.map(({ x, labelY, label }) => ({ x, labelY, label }))).to.deep.equal([
        { x: 163, labelY: 81, label: "1" },
        { x: 172.9, labelY: 71, label: "2,3,4" },
        { x: 182.8, labelY: 81, label: "5" },
        { x: 192.7, labelY: 81, label: "6" },
      ]);
    });

    it("lists the events below the panels, numbered, in two columns, long details cut and all escaped", function () {
      const report = reportFixture();
      report.events.push({ epoch: 12, kind: "pause", detail: `the council's "pause" <of alpha> & ${"x".repeat(80)}` });
      const svg = chartSvg(report);
      // 4 entries: two a column, down the first column then the second; rows 13 pixels apart.
      const entries = [...svg.matchAll(/<text x="(\d+)" y="(\d+)" font-size="10">([^<]*)<\/text>/g)].map((m) => [
        Number(m[1]),
        Number(m[2]),
        m[3],
      ]);
      expect(entries).to.deep.equal([
        [38, 794, "epoch 1: bad-output — mallory posted a bad output on alpha"],
        [38, 807, "epoch 2: slash-executed — mallory slashed 100 ALT"],
        [502, 794, "epoch 3: equivocation — mallory equivocated on MACH"],
        [
          502,
          807,
          "epoch 12: pause — the council&apos;s &quot;pause&quot; &lt;of alpha&gt; &amp; xxxxxxxxxxxxxxxxxxxxxx…",
        ],
      ]);
      const numbers = [...svg.matchAll(/text-anchor="end" font-size="10" font-weight="bold">(\d+)<\/text>/g)];
      expect(numbers.map((m) => m[1])).to.deep.equal(["1", "2", "3", "4"]);
      expect(legendEntry(report.events[3])).to.have.length(76);
      expect(svg).to.include(">Scripted events (dashed lines on every panel)</text>");
      expect(svg).not.to.include("<of alpha>");
    });

    it("lists 60 events at most, the last line counting the others", function () {
      const report = reportFixture();
      report.events = Array.from({ length: 61 }, (_, i) => ({
        epoch: 1 + (i % 3),
        kind: "expiry",
        detail: `e${i + 1}`,
      }));
      const svg = chartSvg(report);
      const entries = [...svg.matchAll(/ font-size="10">([^<]*)<\/text>/g)].map((match) => match[1]);
      expect(entries).to.have.length(60); // 59 events and the count
      expect(entries.at(-2)).to.equal("epoch 2: expiry — e59");
      expect(entries.at(-1)).to.equal("… 2 more events in the JSON report");
      // 40 + 3 × 240 + 28 + 30 rows of 13 pixels + 8.
      expect(svg).to.include('height="1186"');
    });

    it("says so when there are no events, and draws no markers", function () {
      const svg = chartSvg({ ...reportFixture(), events: [] });
      expect(svg).not.to.include("event-markers").and.not.to.include("stroke-dasharray");
      expect(svg).to.include(">Scripted events: none</text>");
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="960" height="796"')).to.equal(true);
    });

    it("escapes XML special characters of the report's text", function () {
      const report = reportFixture();
      report.config.seed = "a<b&c";
      report.config.parameters = `"p's".json`;
      const svg = chartSvg(report);
      expect(svg).to.include("seed a&lt;b&amp;c,").and.include("parameters &quot;p&apos;s&quot;.json");
      expect(svg).not.to.include("a<b");
    });

    it("is the same string for the same report, whatever the run", function () {
      const other = reportFixture();
      other.run = { startedAt: "2030-06-01T12:00:00Z", wallSeconds: 99, actions: 1, actionsPerSecond: 0.1 };
      expect(chartSvg(other)).to.equal(chartSvg(reportFixture()));
    });

    it("picks axis maxima of 1, 2, 2.5 or 5 × 10^k with 4 or 5 ticks above 0", function () {
      expect(niceScale(3100)).to.deep.equal({ max: 5000, step: 1000 });
      expect(niceScale(1000)).to.deep.equal({ max: 1000, step: 250 });
      expect(niceScale(1001)).to.deep.equal({ max: 2000, step: 500 });
      expect(niceScale(2.2)).to.deep.equal({ max: 2.5, step: 0.5 });
      expect(niceScale(7)).to.deep.equal({ max: 10, step: 2.5 });
      expect(niceScale(0)).to.deep.equal({ max: 1, step: 0.25 });
    });

    it("labels ticks in compact units", function () {
      expect([0, 750, 2500, 1e6, 1.25e9].map(compact)).to.deep.equal(["0", "750", "2.5k", "1M", "1.25B"]);
    });

    it("converts wei to ALT without losing the whole part", function () {
      expect(weiToAlt(alt("123456789.5"))).to.equal(123456789.5);
      expect(weiToAlt("1")).to.equal(1e-18);
    });
  });

  describe("progress", function () {
    function fakeStream(isTTY: boolean) {
      const written: string[] = [];
      const stream = { isTTY, write: (text: string) => written.push(text) > 0 } as unknown as NodeJS.WriteStream;
      return { stream, written };
    }
    const bar = (filled: number) => "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled);

    it("redraws one line on a terminal and ends it with a newline", function () {
      const { stream, written } = fakeStream(true);
      const progress = new Progress(stream, 30, "epochs");
      progress.update(12, "epoch 12 of 30");
      progress.update(13, "epoch 13");
      progress.finish("done");
      expect(written).to.deep.equal([
        `\repochs [${bar(12)}] 12/30 epoch 12 of 30`,
        `\repochs [${bar(13)}] 13/30 epoch 13      `, // blanks what the longer line left
        `\repochs [${bar(30)}] 30/30 done    \n`, // as long as the line before,
      ]);
    });

    it("prints a plain line per 10 % step on a log, and a final line", function () {
      const { stream, written } = fakeStream(false);
      const progress = new Progress(stream, 30, "epochs");
      for (let done = 1; done <= 30; done++) progress.update(done, `epoch ${done}`);
      progress.finish("done");
      expect(written).to.deep.equal([
        ...[1, 3, 6, 9, 12, 15, 18, 21, 24, 27].map((done) => `epochs [${bar(done)}] ${done}/30 epoch ${done}\n`),
        `epochs [${bar(30)}] 30/30 done\n`,
      ]);
    });

    it("prints nothing without a stream", function () {
      const progress = new Progress(undefined, 3, "epochs");
      expect(() => {
        progress.update(1, "epoch 1");
        progress.finish("done");
      }).not.to.throw();
    });
  });
});
