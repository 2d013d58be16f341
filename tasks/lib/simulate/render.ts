// What `simulate` shows of its report: the summary printed at the end of the run (plain text, aligned tables) and the
// SVG chart of the run over epochs (four panels, deterministic: nothing from `report.run`).
import { formatUnits } from "ethers";
import { formatAlt } from "../cli";
import {
  GAS_CATEGORIES,
  UPKEEP_BUDGET,
  type EpochPoint,
  type OutputTiers,
  type RollupState,
  type SimulationConfig,
  type SimulationReport,
} from "./report";

const WEI_PER_ALT = 10n ** 18n;
/** The rewards distributor's scale: its accounts are in wei × 10^18. */
const SCALE = 10n ** 18n;
/** Rows a table shows before it is cut short (the JSON report has them all). */
export const MAX_ROWS = 20;
/** Operators shown by stake when the operator table is cut short (dishonest and slashed ones are always shown). */
export const TOP_OPERATORS = 10;

// ---------------------------------------------------------------------------------------------------------------------
// Numbers

const groupDigits = (digits: string) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/** `value` with thousands grouped by commas ("1,234,567"); a `number` is shown with `decimals` decimals. */
export function formatNumber(value: number | bigint, decimals = 0): string {
  const text = typeof value === "number" ? value.toFixed(decimals) : value.toString();
  const [whole, fraction] = text.split(".");
  const sign = whole.startsWith("-") ? "-" : "";
  return sign + groupDigits(whole.slice(sign.length)) + (fraction === undefined ? "" : "." + fraction);
}

/** A wei amount as ALT rounded half up to 2 decimals, without the unit, for table cells: "1,234,567.89". */
export function formatAltCell(wei: string): string {
  const value = BigInt(wei);
  const cent = WEI_PER_ALT / 100n;
  const cents = ((value < 0n ? -value : value) + cent / 2n) / cent;
  const text = `${groupDigits((cents / 100n).toString())}.${(cents % 100n).toString().padStart(2, "0")}`;
  return value < 0n && cents > 0n ? "-" + text : text;
}

/** A wei amount as a number of ALT: whole ALT divided exactly as bigints first, so large amounts keep their precision. */
export function weiToAlt(wei: string): number {
  const value = BigInt(wei);
  return Number(value / WEI_PER_ALT) + Number(value % WEI_PER_ALT) / 1e18;
}

// ---------------------------------------------------------------------------------------------------------------------
// Summary

export type Align = "left" | "right";

/** A table as text lines: the headers, a rule of dashes, then the rows; columns padded to align, two spaces apart. */
export function table(headers: string[], rows: string[][], align: Align[]): string[] {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (align[i] === "right" ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)];
}

const INDENT = "  ";
const yesNo = (value: boolean) => (value ? "yes" : "no");

/** A titled section: its table indented under the title, or "<title>: none" when there are no rows. */
function section(title: string, headers: string[], rows: string[][], align: Align[], after: string[] = []): string[] {
  if (rows.length === 0) return [`${title}: none`];
  return [title, ...[...table(headers, rows, align), ...after].map((line) => INDENT + line)];
}

const moreLine = (hidden: number, what: string) =>
  hidden > 0 ? [`… ${formatNumber(hidden)} more ${what} in the JSON report`] : [];

function describeConfig(config: SimulationConfig): string {
  const n = (value: number) => formatNumber(value);
  return (
    `seed ${config.seed}, ${n(config.operators)} operators (${n(config.dishonest)} dishonest), ${n(config.stakers)} ` +
    `stakers, ${n(config.rollups)} rollups, ${n(config.epochs)} epochs, parameters ${config.parameters}`
  );
}

/**
 * The operators a table shows: all of them up to MAX_ROWS, else the TOP_OPERATORS with the largest stake before plus
 * every dishonest or slashed operator, in the report's order.
 */
export function shownOperators(operators: SimulationReport["operators"]): SimulationReport["operators"] {
  if (operators.length <= MAX_ROWS) return operators;
  const byStake = operators
    .map((operator, index) => ({ stake: BigInt(operator.stakeBefore), index }))
    .sort((a, b) => (a.stake === b.stake ? a.index - b.index : a.stake > b.stake ? -1 : 1));
  const top = new Set(byStake.slice(0, TOP_OPERATORS).map((entry) => entry.index));
  return operators.filter((op, index) => top.has(index) || !op.honest || BigInt(op.slashed) > 0n);
}

function operatorLines(report: SimulationReport): string[] {
  const shown = shownOperators(report.operators);
  const rows = shown.map((op) => [
    op.name,
    op.honest ? "honest" : "dishonest",
    formatAltCell(op.stakeBefore),
    formatAltCell(op.stakeAfter),
    formatAltCell(op.slashed),
    formatAltCell(op.rewards),
    yesNo(op.jailed),
  ]);
  const headers = ["operator", "behaviour", "stake before (ALT)", "stake after (ALT)", "slashed (ALT)"];
  return section(
    "Operators",
    [...headers, "rewards (ALT)", "jailed"],
    rows,
    ["left", "left", "right", "right", "right", "right", "left"],
    moreLine(report.operators.length - shown.length, "operators"),
  );
}

function slashLines(report: SimulationReport): string[] {
  const rows = report.slashes.map((slash) => [
    String(slash.requestId),
    formatNumber(slash.epoch),
    slash.operator,
    slash.service,
    slash.offence,
    formatNumber(slash.bps),
    formatAltCell(slash.amount),
    slash.status,
  ]);
  return section(
    "Slashes",
    ["request", "epoch", "operator", "service", "offence", "bps", "amount (ALT)", "status"],
    rows,
    ["right", "right", "left", "left", "left", "right", "right", "left"],
  );
}

const ROLLUP_STATES: RollupState[] = ["Active", "Settling", "Retired"];

function rollupLines(report: SimulationReport): string[] {
  if (report.rollups.length === 0) return ["Rollups: none"];
  const count = (state: RollupState) => report.rollups.filter((rollup) => rollup.state === state).length;
  const states = ROLLUP_STATES.map((state) => `${formatNumber(count(state))} ${state}`).join(", ");
  const rows = report.rollups
    .slice(0, MAX_ROWS)
    .map((rollup) => [
      rollup.name,
      String(rollup.chainId),
      rollup.template,
      rollup.daLayer,
      rollup.services.length > 0 ? rollup.services.join("+") : "-",
      rollup.sequencing,
      yesNo(rollup.ephemeral),
      rollup.state,
      formatNumber(rollup.batches),
      formatNumber(rollup.outputs.proposed),
      formatNumber(rollup.outputs.fastFinalized),
      formatNumber(rollup.outputs.finalized),
      formatNumber(rollup.outputs.invalidated),
    ]);
  const headers = ["rollup", "chain id", "template", "DA", "services", "sequencing", "ephemeral", "state", "batches"];
  return section(
    `Rollups: ${states}`,
    [...headers, "proposed", "fast", "final", "invalidated"],
    rows,
    ["left", "right", "left", "left", "left", "left", "left", "left", "right", "right", "right", "right", "right"],
    moreLine(report.rollups.length - rows.length, "rollups"),
  );
}

function outputLines(outputs: OutputTiers): string[] {
  const tiers: [string, number][] = [
    ["proposed", outputs.proposed],
    ["fast-finalized", outputs.fastFinalized],
    ["finalized", outputs.finalized],
    ["invalidated", outputs.invalidated],
  ];
  const rows = tiers.map(([tier, count]) => [tier, formatNumber(count)]);
  return section("Outputs by finality tier", ["tier", "outputs"], rows, ["left", "right"]);
}

function gasLines(report: SimulationReport): string[] {
  const rows = report.gas.map((row) => [
    row.action,
    formatNumber(row.count),
    formatNumber(row.gas),
    formatNumber(row.average),
  ]);
  const align: Align[] = ["left", "right", "right", "right"];
  return section("Gas per action", ["action", "count", "total gas", "average gas"], rows, align);
}

/**
 * Gas per epoch (0: setup), one column per category and their total; every epoch is shown (a narrow table), then a row
 * `all` of the run's totals.
 */
function gasByEpochLines(report: SimulationReport): string[] {
  const row = (label: string, byCategory: Record<string, number>) => {
    const gas = GAS_CATEGORIES.map((category) => byCategory[category]);
    return [label, ...gas.map((value) => formatNumber(value)), formatNumber(gas.reduce((a, b) => a + b, 0))];
  };
  const rows = report.gasByEpoch.map((epoch) => row(formatNumber(epoch.epoch), epoch.byCategory));
  const totals = Object.fromEntries(
    GAS_CATEGORIES.map((category) => [
      category,
      report.gasByEpoch.reduce((total, epoch) => total + epoch.byCategory[category], 0),
    ]),
  );
  if (rows.length > 0) rows.push(row("all", totals));
  const align: Align[] = ["right", ...GAS_CATEGORIES.map((): Align => "right"), "right"];
  return section("Gas per epoch by category", ["epoch", ...GAS_CATEGORIES, "total"], rows, align);
}

/** The upkeep's gas per rollup-epoch against its budget. */
export function upkeepLine(report: SimulationReport): string {
  const u = report.upkeep;
  return (
    `Upkeep: ${formatNumber(u.perRollupEpoch)} gas per rollup-epoch (${formatNumber(u.totalGas)} over ` +
    `${formatNumber(u.rollupEpochs)} rollup-epochs; budget ${formatNumber(UPKEEP_BUDGET)})`
  );
}

function eventLines(report: SimulationReport): string[] {
  const rows = report.events.map((event) => [formatNumber(event.epoch), event.kind, event.detail]);
  return section("Scripted events", ["epoch", "kind", "detail"], rows, ["right", "left", "left"]);
}

/** An amount scaled by 10^18 (wei × 10^18) as ALT with every decimal: "0.000000000000000000500000000000000001 ALT". */
export function formatScaledAlt(scaled: bigint): string {
  const sign = scaled < 0n ? "-" : "";
  const [whole, fraction] = formatUnits(scaled < 0n ? -scaled : scaled, 36).split(".");
  return `${sign}${groupDigits(whole)}${fraction === "0" ? "" : "." + fraction} ALT`;
}

/** The two conservation laws written out with their terms, each followed by "holds" or "BROKEN". */
export function conservationLines(report: SimulationReport): string[] {
  const c = report.conservation;
  const alt = (wei: string) => formatAlt(BigInt(wei));
  const scaled = (value: string) => formatScaledAlt(BigInt(value));
  const sum = (...terms: string[]) => terms.reduce((total, term) => total + BigInt(term), 0n);
  const verdict = (holds: boolean) => (holds ? "holds" : "BROKEN");
  const stakeSide = sum(c.stake, c.slashed, c.withdrawn);
  const stakeHolds = stakeSide === BigInt(c.deposited);
  const rewardTerms = [c.rewardsOwedScaled, c.rewardsUnclaimedScaled, c.rewardsUnsettledScaled];
  const feeSide = BigInt(c.rewardsPaid) * SCALE + sum(...rewardTerms);
  const feesHold = feeSide === BigInt(c.feesCredited) * SCALE && rewardTerms.every((term) => BigInt(term) >= 0n);
  return [
    "Conservation",
    INDENT +
      `stake ${alt(c.stake)} + slashed ${alt(c.slashed)} + withdrawn ${alt(c.withdrawn)} = ${formatAlt(stakeSide)}` +
      ` vs deposited ${alt(c.deposited)}: ${verdict(stakeHolds)}`,
    INDENT +
      `rewards paid ${alt(c.rewardsPaid)} + owed ${scaled(c.rewardsOwedScaled)} + unclaimed ` +
      `${scaled(c.rewardsUnclaimedScaled)} + unsettled ${scaled(c.rewardsUnsettledScaled)} = ` +
      `${formatScaledAlt(feeSide)} vs fees credited ${alt(c.feesCredited)}:` +
      ` ${verdict(feesHold)}`,
  ];
}

/** The summary printed at the end of the run: plain text lines, sections separated by a blank line. */
export function summaryLines(report: SimulationReport): string[] {
  const run = report.run;
  const sections = [
    [`Simulation: ${describeConfig(report.config)}`],
    operatorLines(report),
    slashLines(report),
    rollupLines(report),
    outputLines(report.outputs),
    gasLines(report),
    gasByEpochLines(report),
    [upkeepLine(report)],
    eventLines(report),
    conservationLines(report),
    [
      `Run: ${formatNumber(run.wallSeconds, 1)} s wall, ${formatNumber(run.actions)} actions, ` +
        `${formatNumber(run.actionsPerSecond, 1)} actions/s`,
    ],
  ];
  return sections.flatMap((lines, i) => (i === 0 ? lines : ["", ...lines]));
}

// ---------------------------------------------------------------------------------------------------------------------
// Chart

/** The chart's layout (pixels): a title band, then four equal panels in a 2×2 grid, each with margins for its axes. */
export const CHART = {
  width: 960,
  height: 600,
  titleHeight: 40,
  margin: { left: 64, right: 20, top: 36, bottom: 36 },
} as const;

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Panel `index` (0 top left, 1 top right, 2 bottom left, 3 bottom right) of the 2×2 grid. */
export function panelBox(index: number): Box {
  const width = CHART.width / 2;
  const height = (CHART.height - CHART.titleHeight) / 2;
  return { x: (index % 2) * width, y: CHART.titleHeight + Math.floor(index / 2) * height, width, height };
}

/** The plotting area of panel `index`: the panel less its margins. */
export function plotBox(index: number): Box {
  const panel = panelBox(index);
  const { left, right, top, bottom } = CHART.margin;
  return {
    x: panel.x + left,
    y: panel.y + top,
    width: panel.width - left - right,
    height: panel.height - top - bottom,
  };
}

/** Mantissas of the y axis maxima, with the tick step of each (4 or 5 ticks above 0). */
const NICE: [number, number][] = [
  [1, 0.25],
  [2, 0.5],
  [2.5, 0.5],
  [5, 1],
];

/** The smallest 1, 2, 2.5 or 5 × 10^k at or above `max`, and its tick step; 1 when `max` is 0 or less. */
export function niceScale(max: number): { max: number; step: number } {
  if (!(max > 0)) return { max: 1, step: 0.25 };
  let exponent = Math.floor(Math.log10(max));
  if (10 ** exponent > max) exponent -= 1; // log10 rounding just above a power of ten
  for (let e = exponent; ; e++) {
    for (const [mantissa, step] of NICE) {
      if (mantissa * 10 ** e >= max) return { max: mantissa * 10 ** e, step: step * 10 ** e };
    }
  }
}

/** A tick label in compact units: 750, 2.5k, 1.25M, 3B (three significant digits at most). */
export function compact(value: number): string {
  const units: [number, string][] = [
    [1e9, "B"],
    [1e6, "M"],
    [1e3, "k"],
  ];
  const [divisor, unit] = units.find(([size]) => Math.abs(value) >= size) ?? [1, ""];
  return `${Number((value / divisor).toPrecision(3))}${unit}`;
}

/** `text` safe inside an SVG element or attribute: & < > " and ' as entities. */
export function escapeXml(text: string): string {
  const entities: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };
  return text.replace(/[&<>"']/g, (char) => entities[char]);
}

const round1 = (value: number) => Math.round(value * 10) / 10;

interface Series {
  label: string;
  colour: string;
  values: number[];
}

interface Panel {
  title: string;
  series: Series[];
}

const BLUE = "#1f77b4";
const ORANGE = "#ff7f0e";

/** The four panels of the chart, in grid order. */
function panels(points: EpochPoint[]): Panel[] {
  const amount = (title: string, key: "totalStake" | "rewardsPaid" | "slashed", colour: string): Panel => ({
    title,
    series: [{ label: title, colour, values: points.map((point) => weiToAlt(point[key])) }],
  });
  return [
    amount("Total stake (ALT)", "totalStake", BLUE),
    amount("Rewards paid (ALT)", "rewardsPaid", "#2ca02c"),
    amount("Slashed (ALT)", "slashed", "#d62728"),
    {
      title: "Finalized outputs",
      series: [
        { label: "finalized", colour: BLUE, values: points.map((point) => point.finalizedOutputs) },
        { label: "fast-finalized", colour: ORANGE, values: points.map((point) => point.fastFinalizedOutputs) },
      ],
    },
  ];
}

/** The x axis: the first epoch and the epochs it spans (one at least, so a single point sits at the left). */
function epochRange(epochs: number[]): { first: number; span: number } {
  const first = epochs[0] ?? 0;
  return { first, span: Math.max(1, (epochs.at(-1) ?? 0) - first) };
}

/** Epoch ticks: the first epoch, then every 1, 2 or 5 × 10^k epochs, the smallest step giving at most 6 ticks. */
function epochTicks(epochs: number[]): number[] {
  const { first, span } = epochRange(epochs);
  const step = (() => {
    for (let k = 1; ; k *= 10) for (const m of [1, 2, 5]) if (span / (m * k) <= 5) return m * k;
  })();
  return Array.from({ length: Math.floor(span / step) + 1 }, (_, i) => first + i * step);
}

/** Where an epoch falls horizontally in `box` when the axis runs over `epochs`. */
function epochX(epochs: number[], box: Box): (epoch: number) => number {
  const { first, span } = epochRange(epochs);
  return (epoch) => box.x + ((epoch - first) / span) * box.width;
}

/** The polyline points of `values` over `epochs` in `box` with the y axis from 0 to `max`: "x,y x,y ...". */
export function polylinePoints(epochs: number[], values: number[], box: Box, max: number): string {
  const x = epochX(epochs, box);
  return values
    .map((value, i) => `${round1(x(epochs[i]))},${round1(box.y + box.height - (value / max) * box.height)}`)
    .join(" ");
}

function panelSvg(panel: Panel, index: number, epochs: number[]): string[] {
  const outer = panelBox(index);
  const box = plotBox(index);
  const bottom = box.y + box.height;
  const scale = niceScale(Math.max(0, ...panel.series.flatMap((series) => series.values)));
  const x = epochX(epochs, box);
  const out = [
    `<g>`,
    `<text x="${outer.x + outer.width / 2}" y="${outer.y + 22}" text-anchor="middle" font-size="14" ` +
      `font-weight="bold">${escapeXml(panel.title)}</text>`,
  ];
  const yTicks = Math.round(scale.max / scale.step);
  for (let i = 0; i <= yTicks; i++) {
    const y = round1(bottom - (i / yTicks) * box.height);
    out.push(
      `<line x1="${box.x}" y1="${y}" x2="${box.x + box.width}" y2="${y}" stroke="#e5e5e5"/>`,
      `<text x="${box.x - 6}" y="${y + 4}" text-anchor="end">${compact(i * scale.step)}</text>`,
    );
  }
  for (const epoch of epochTicks(epochs)) {
    const tick = round1(x(epoch));
    out.push(
      `<line x1="${tick}" y1="${bottom}" x2="${tick}" y2="${bottom + 4}" stroke="#333"/>`,
      `<text x="${tick}" y="${bottom + 18}" text-anchor="middle">${formatNumber(epoch)}</text>`,
    );
  }
  out.push(
    `<line x1="${box.x}" y1="${box.y}" x2="${box.x}" y2="${bottom}" stroke="#333"/>`,
    `<line x1="${box.x}" y1="${bottom}" x2="${box.x + box.width}" y2="${bottom}" stroke="#333"/>`,
    `<text x="${box.x + box.width}" y="${bottom + 32}" text-anchor="end" fill="#666">epoch</text>`,
  );
  for (const series of panel.series) {
    if (series.values.length === 0) continue;
    const points = polylinePoints(epochs, series.values, box, scale.max);
    out.push(`<polyline points="${points}" fill="none" stroke="${series.colour}" stroke-width="2"/>`);
  }
  if (panel.series.length > 1) {
    panel.series.forEach((series, i) => {
      const x = box.x + 12;
      const y = box.y + 14 + i * 16;
      out.push(
        `<line x1="${x}" y1="${y - 4}" x2="${x + 18}" y2="${y - 4}" stroke="${series.colour}" stroke-width="2"/>`,
        `<text x="${x + 24}" y="${y}">${escapeXml(series.label)}</text>`,
      );
    });
  }
  out.push(`</g>`);
  return out;
}

/** The chart of the run over epochs: a standalone SVG, the same string for the same report (`run` is not used). */
export function chartSvg(report: SimulationReport): string {
  const { width, height, titleHeight } = CHART;
  const epochs = report.epochs.map((point) => point.epoch);
  const lines = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="sans-serif" font-size="11" fill="#222">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="${titleHeight / 2 + 6}" text-anchor="middle" font-size="13">` +
      `${escapeXml(`Simulation: ${describeConfig(report.config)}`)}</text>`,
    ...panels(report.epochs).flatMap((panel, i) => panelSvg(panel, i, epochs)),
    `</svg>`,
  ];
  return lines.join("\n") + "\n";
}
