// What `simulate` shows of its report: the summary printed at the end of the run (plain text, aligned tables) and the
// SVG chart of the run over epochs (five panels and the scripted events, deterministic: nothing from `report.run`).
import { formatUnits } from "ethers";
import { formatAlt } from "../cli";
import {
  GAS_CATEGORIES,
  UPKEEP_BUDGET,
  type EpochPoint,
  type GasCategory,
  type OutputTiers,
  type RollupState,
  type ScriptedEvent,
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

/** A duration in seconds in its largest unit and the next one down, left out when 0: "7 d 4 h", "2 h", "1 d". */
export function formatDuration(seconds: number): string {
  const units: [number, string][] = [
    [86_400, "d"],
    [3_600, "h"],
    [60, "min"],
    [1, "s"],
  ];
  const found = units.findIndex(([size]) => seconds >= size);
  const i = found === -1 ? units.length - 1 : found;
  const [size, unit] = units[i];
  const whole = `${Math.floor(seconds / size)} ${unit}`;
  if (i === units.length - 1) return whole;
  const [nextSize, nextUnit] = units[i + 1];
  const next = Math.floor((seconds % size) / nextSize);
  return next === 0 ? whole : `${whole} ${next} ${nextUnit}`;
}

/** Each rollup's bridge traffic, and what its portal holds against what it owes (ETH and ALT). */
export function bridgeLines(report: SimulationReport): string[] {
  const b = report.bridge;
  const rows = b.rollups.map((row) => {
    const holds = (["ETH", "ALT"] as const).every((asset) => row.held[asset] === row.owed[asset]);
    return [
      row.rollup,
      formatNumber(row.deposits),
      formatNumber(row.included),
      formatNumber(row.refunded),
      formatNumber(row.withdrawals),
      formatNumber(row.claimedFast),
      formatNumber(row.claimedNormal),
      formatNumber(row.unclaimed),
      formatAltCell(row.held.ETH),
      formatAltCell(row.held.ALT),
      holds ? "held = owed" : "BROKEN",
    ];
  });
  const headers = ["rollup", "deposits", "included", "refunded", "withdrawals", "fast", "normal", "unclaimed"];
  const latency = b.latency.map((row) => [
    row.rollup,
    row.path,
    formatNumber(row.claims),
    formatDuration(row.min),
    formatDuration(row.median),
    formatDuration(row.max),
  ]);
  const used = b.fastOutputs.filter((row) => row.used !== "0");
  const unused = b.fastOutputs.length - used.length;
  const limits = used
    .slice(0, MAX_ROWS)
    .map((row) => [
      row.rollup,
      formatNumber(row.output),
      formatNumber(row.epoch),
      formatAltCell(row.limit),
      formatAltCell(row.used),
      `${row.limit === "0" ? "-" : ((100 * weiToAlt(row.used)) / weiToAlt(row.limit)).toFixed(1) + " %"}`,
    ]);
  return [
    ...section(
      "Bridge: deposits and withdrawals per rollup, the portal's holdings (ETH, ALT) against what it owes",
      [...headers, "ETH held", "ALT held", "invariant"],
      rows,
      [...headers.map((_, i): Align => (i === 0 ? "left" : "right")), "right", "right", "left"],
    ),
    "",
    ...section(
      "Withdrawal latency (made on L2 to claimed on L1)",
      ["rollup", "path", "claims", "fastest", "median", "slowest"],
      latency,
      ["left", "left", "right", "right", "right", "right"],
    ),
    "",
    ...section(
      "Fast-withdrawal limit used per output (MACH cover, ALT)",
      ["rollup", "output", "epoch", "limit", "claimed fast", "used"],
      limits,
      ["left", "right", "right", "right", "right", "right"],
      [
        ...moreLine(used.length - limits.length, "outputs"),
        `${formatNumber(unused)} more output(s) certified with no fast claim; ${formatNumber(b.fastRefused)} fast ` +
          "claim(s) over a limit waited for finality",
      ],
    ),
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
    bridgeLines(report),
    [
      `Run: ${formatNumber(run.wallSeconds, 1)} s wall, ${formatNumber(run.actions)} actions, ` +
        `${formatNumber(run.actionsPerSecond, 1)} actions/s`,
    ],
  ];
  return sections.flatMap((lines, i) => (i === 0 ? lines : ["", ...lines]));
}

// ---------------------------------------------------------------------------------------------------------------------
// Chart

/**
 * The chart's layout (pixels): a title band; three rows of panels (total stake and rewards paid; slashed and outputs;
 * the L1 gas per epoch across the whole width, its category legend on its right); then the scripted events' legend, as
 * tall as the events need. Each panel has margins for its axes, and above its plot two rows for the numbers of the
 * event markers.
 */
export const CHART = {
  width: 960,
  titleHeight: 40,
  rowHeight: 240,
  margin: { left: 64, right: 20, top: 44, bottom: 36 },
  /** Room right of the gas panel's plot for its category legend. */
  gasLegendWidth: 150,
  /** The events' legend: a heading, then entries in two columns, each cut to `chars` characters after its number. */
  legend: { headerHeight: 28, lineHeight: 13, padding: 8, columns: 2, chars: 76, maxRows: 30 },
} as const;

/** The panels, in drawing order: 0 top left, 1 top right, 2 middle left, 3 middle right, 4 the gas (bottom row). */
export const GAS_PANEL = 4;
const ROWS = 3;

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Panel `index` of the grid: two per row, the gas panel alone across the bottom row. */
export function panelBox(index: number): Box {
  const y = CHART.titleHeight + Math.floor(index / 2) * CHART.rowHeight;
  if (index === GAS_PANEL) return { x: 0, y, width: CHART.width, height: CHART.rowHeight };
  const width = CHART.width / 2;
  return { x: (index % 2) * width, y, width, height: CHART.rowHeight };
}

/** The plotting area of panel `index`: the panel less its margins (and, for the gas panel, its legend). */
export function plotBox(index: number): Box {
  const panel = panelBox(index);
  const { left, right, top, bottom } = CHART.margin;
  const legend = index === GAS_PANEL ? CHART.gasLegendWidth : 0;
  return {
    x: panel.x + left,
    y: panel.y + top,
    width: panel.width - left - right - legend,
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

/** A y axis: from `min` to `max`, a tick every `step`. */
export interface Scale {
  min: number;
  max: number;
  step: number;
}

/**
 * A y axis fitted to values from `min` to `max`: the step the smallest 1, 2, 2.5 or 5 × 10^k that spans them in 5 steps
 * at most, the axis from `min` rounded down to a step to `max` rounded up to one (a step either side of a single value
 * other than 0; 0 to 1 for nothing above 0).
 */
export function fitScale(min: number, max: number): Scale {
  if (!(max > 0)) return { min: 0, ...niceScale(0) };
  const step = niceScale(max > min ? (max - min) / 5 : max / 50).max;
  const low = Math.floor(min / step) * step;
  const high = Math.ceil(max / step) * step;
  return high > low ? { min: low, max: high, step } : { min: low - step, max: high + step, step };
}

/**
 * The y axis of `values` that need not start at 0 (the total stake): from 0 to niceScale's maximum when the values come
 * within half their maximum of 0; otherwise cut around them (fitScale), so that a drop of a few percent shows.
 */
export function cutScale(values: number[]): Scale {
  const max = Math.max(0, ...values);
  const min = Math.min(max, ...values);
  return min > max / 2 ? fitScale(min, max) : { min: 0, ...niceScale(max) };
}

const UNITS: [number, string][] = [
  [1e9, "B"],
  [1e6, "M"],
  [1e3, "k"],
];

/** A tick label in compact units: 750, 2.5k, 1.25M, 3B (three significant digits at most). */
export function compact(value: number): string {
  const [divisor, unit] = UNITS.find(([size]) => Math.abs(value) >= size) ?? [1, ""];
  return `${Number((value / divisor).toPrecision(3))}${unit}`;
}

/** A tick label in compact units with the decimals its axis' `step` needs: 6.83M and 6.84M, 3.025k, 750, 0.25. */
export function tickLabel(value: number, step: number): string {
  const [divisor, unit] = UNITS.find(([size]) => Math.abs(value) >= size) ?? [1, ""];
  const unitStep = step / divisor;
  let decimals = 0;
  while (decimals < 12 && Math.abs(Math.round(unitStep * 10 ** decimals) - unitStep * 10 ** decimals) > 1e-6) {
    decimals++;
  }
  return `${Number((value / divisor).toFixed(decimals))}${unit}`;
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
  /** The y axis may start above 0 (cutScale): the total stake. */
  cut?: boolean;
}

const BLUE = "#1f77b4";
const ORANGE = "#ff7f0e";

/** The line panels of the chart, in grid order (the gas panel is drawn by gasPanelSvg). */
function panels(points: EpochPoint[]): Panel[] {
  const amount = (title: string, key: "totalStake" | "rewardsPaid" | "slashed", colour: string): Panel => ({
    title,
    series: [{ label: title, colour, values: points.map((point) => weiToAlt(point[key])) }],
  });
  return [
    { ...amount("Total stake (ALT)", "totalStake", BLUE), cut: true },
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

/** The gas categories' colours (Okabe–Ito, told apart by most colour-blind readers), stacked in GAS_CATEGORIES order. */
export const GAS_COLOURS: Readonly<Record<GasCategory, string>> = {
  setup: "#999999",
  staking: "#0072b2",
  rewards: "#009e73",
  duties: "#e69f00",
  upkeep: "#cc79a7",
  governance: "#56b4e9",
  bridge: "#d55e00",
};

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

/** Where a value falls vertically in `box` when the y axis runs from `min` to `max`. */
function valueY(box: Box, max: number, min: number): (value: number) => number {
  return (value) => box.y + box.height - ((value - min) / (max - min)) * box.height;
}

/** The polyline points of `values` over `epochs` in `box` with the y axis from `min` (0) to `max`: "x,y x,y ...". */
export function polylinePoints(epochs: number[], values: number[], box: Box, max: number, min = 0): string {
  const x = epochX(epochs, box);
  const y = valueY(box, max, min);
  return values.map((value, i) => `${round1(x(epochs[i]))},${round1(y(value))}`).join(" ");
}

/**
 * The stacked areas of the gas per epoch: for each category, in GAS_CATEGORIES order, the polygon between the sum of
 * the categories below it and that sum plus its own gas ("x,y ..." along its top from the first epoch, then back along
 * its bottom); categories without gas in the run have none. Then the total's line along the top of the stack.
 */
export function gasAreas(
  epochs: number[],
  byCategory: Record<GasCategory, number[]>,
  box: Box,
  max: number,
): { areas: { category: GasCategory; points: string }[]; total: string } {
  const x = epochX(epochs, box);
  const y = valueY(box, max, 0);
  const point = (i: number, value: number) => `${round1(x(epochs[i]))},${round1(y(value))}`;
  let below = epochs.map(() => 0);
  const areas: { category: GasCategory; points: string }[] = [];
  for (const category of GAS_CATEGORIES) {
    const values = byCategory[category];
    const above = below.map((value, i) => value + values[i]);
    if (values.some((value) => value > 0)) {
      const top = above.map((value, i) => point(i, value));
      const bottom = below.map((value, i) => point(i, value)).reverse();
      areas.push({ category, points: [...top, ...bottom].join(" ") });
    }
    below = above;
  }
  return { areas, total: below.map((value, i) => point(i, value)).join(" ") };
}

/** An epoch with scripted events: its line on every panel, numbered by the events' places in the report (from 1). */
export interface EventMarker {
  epoch: number;
  numbers: number[];
}

/** The markers of `events`, one per epoch that has any, by epoch. */
export function eventMarkers(events: ScriptedEvent[]): EventMarker[] {
  const byEpoch = new Map<number, number[]>();
  events.forEach((event, i) => byEpoch.set(event.epoch, [...(byEpoch.get(event.epoch) ?? []), i + 1]));
  return [...byEpoch].map(([epoch, numbers]) => ({ epoch, numbers })).sort((a, b) => a.epoch - b.epoch);
}

/** The width of a marker's label at 9 pixels (digits 5 px, commas 2.5 px), to keep neighbours apart. */
const labelWidth = (label: string) => [...label].reduce((width, char) => width + (char === "," ? 2.5 : 5), 0);

/**
 * The event markers of a panel: a thin dashed line down the plot at each marker's epoch (within the x axis), its
 * numbers above the plot ("2,3" for two events in one epoch); a label that would touch its left neighbour's goes on the
 * row above, if that row is free there.
 */
function markersSvg(markers: EventMarker[], box: Box, epochs: number[]): string[] {
  const { first, span } = epochRange(epochs);
  const x = epochX(epochs, box);
  const rowEnds = [-Infinity, -Infinity];
  const out: string[] = [];
  for (const marker of markers) {
    if (marker.epoch < first || marker.epoch > first + span) continue;
    const at = round1(x(marker.epoch));
    const label = marker.numbers.join(",");
    const half = labelWidth(label) / 2;
    const free = rowEnds.findIndex((end) => at - half >= end + 3);
    const row = free === -1 ? 0 : free;
    rowEnds[row] = at + half;
    out.push(
      `<line x1="${at}" y1="${box.y}" x2="${at}" y2="${box.y + box.height}" stroke="#777" stroke-width="1" ` +
        `stroke-dasharray="4,3"/>`,
      `<text x="${at}" y="${box.y - 3 - row * 10}" text-anchor="middle" font-size="9" fill="#555">${label}</text>`,
    );
  }
  return out.length === 0 ? [] : [`<g class="event-markers">`, ...out, `</g>`];
}

/**
 * A panel's frame: its title, the y axis' grid lines and labels (a break mark at its foot when it does not start at 0),
 * the epoch ticks, and the axes.
 */
function frameSvg(title: string, index: number, epochs: number[], scale: Scale): string[] {
  const outer = panelBox(index);
  const box = plotBox(index);
  const bottom = box.y + box.height;
  const x = epochX(epochs, box);
  const out = [
    `<text x="${outer.x + outer.width / 2}" y="${outer.y + 17}" text-anchor="middle" font-size="14" ` +
      `font-weight="bold">${escapeXml(title)}</text>`,
  ];
  const yTicks = Math.round((scale.max - scale.min) / scale.step);
  for (let i = 0; i <= yTicks; i++) {
    const y = round1(bottom - (i / yTicks) * box.height);
    out.push(
      `<line x1="${box.x}" y1="${y}" x2="${box.x + box.width}" y2="${y}" stroke="#e5e5e5"/>`,
      `<text x="${box.x - 6}" y="${y + 4}" text-anchor="end">${tickLabel(scale.min + i * scale.step, scale.step)}</text>`,
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
  if (scale.min > 0) {
    // The axis is cut: two slanted strokes across a gap in it, just above the lowest tick.
    out.push(
      `<rect x="${box.x - 6}" y="${bottom - 17}" width="12" height="6" fill="white"/>`,
      `<path d="M${box.x - 6},${bottom - 9} L${box.x + 6},${bottom - 13} M${box.x - 6},${bottom - 15} ` +
        `L${box.x + 6},${bottom - 19}" stroke="#333" fill="none"/>`,
    );
  }
  return out;
}

function panelSvg(panel: Panel, index: number, epochs: number[], markers: EventMarker[]): string[] {
  const box = plotBox(index);
  const values = panel.series.flatMap((series) => series.values);
  const scale = panel.cut ? cutScale(values) : { min: 0, ...niceScale(Math.max(0, ...values)) };
  const out = [`<g>`, ...frameSvg(panel.title, index, epochs, scale)];
  for (const series of panel.series) {
    if (series.values.length === 0) continue;
    const points = polylinePoints(epochs, series.values, box, scale.max, scale.min);
    out.push(`<polyline points="${points}" fill="none" stroke="${series.colour}" stroke-width="2"/>`);
  }
  out.push(...markersSvg(markers, box, epochs));
  if (panel.series.length > 1) {
    const width = 30 + Math.max(...panel.series.map((series) => series.label.length)) * 6.5;
    const height = 8 + panel.series.length * 16;
    out.push(`<rect x="${box.x + 6}" y="${box.y + 2}" width="${width}" height="${height}" fill="white"/>`);
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

/** The gas of each category at each of `epochs` (0 for an epoch the report has no gas row for). */
function gasSeries(report: SimulationReport, epochs: number[]): Record<GasCategory, number[]> {
  const rows = new Map(report.gasByEpoch.map((row) => [row.epoch, row.byCategory]));
  const entries = GAS_CATEGORIES.map((category) => [category, epochs.map((e) => rows.get(e)?.[category] ?? 0)]);
  return Object.fromEntries(entries) as Record<GasCategory, number[]>;
}

/**
 * The gas panel: the L1 gas of each epoch's transactions stacked by category (epoch 0: setup) under a line of their
 * total, on an axis from 0 fitted to the largest epoch (fitScale: setup's epoch 0 would leave most of niceScale's
 * empty), and on its right the legend, top of the stack first, with each category's gas over the run.
 */
function gasPanelSvg(report: SimulationReport, epochs: number[], markers: EventMarker[]): string[] {
  const box = plotBox(GAS_PANEL);
  const byCategory = gasSeries(report, epochs);
  const totals = epochs.map((_, i) => GAS_CATEGORIES.reduce((sum, category) => sum + byCategory[category][i], 0));
  const scale = fitScale(0, Math.max(0, ...totals));
  const { areas, total } = gasAreas(epochs, byCategory, box, scale.max);
  const out = [`<g>`, ...frameSvg("L1 gas per epoch by category", GAS_PANEL, epochs, scale)];
  for (const area of areas) {
    out.push(`<polygon points="${area.points}" fill="${GAS_COLOURS[area.category]}" fill-opacity="0.85"/>`);
  }
  if (epochs.length > 0) out.push(`<polyline points="${total}" fill="none" stroke="#222" stroke-width="1.5"/>`);
  out.push(...markersSvg(markers, box, epochs));
  const x = box.x + box.width + 20;
  out.push(`<text x="${x}" y="${box.y + 4}" fill="#666">gas over the run</text>`);
  const line = (i: number) => box.y + 22 + i * 17;
  [...GAS_CATEGORIES].reverse().forEach((category, i) => {
    const gas = byCategory[category].reduce((sum, value) => sum + value, 0);
    out.push(
      `<rect x="${x}" y="${line(i) - 9}" width="14" height="10" fill="${GAS_COLOURS[category]}" fill-opacity="0.85"/>`,
      `<text x="${x + 20}" y="${line(i)}">${category} ${compact(gas)}</text>`,
    );
  });
  const all = totals.reduce((sum, value) => sum + value, 0);
  const y = line(GAS_CATEGORIES.length);
  out.push(
    `<line x1="${x}" y1="${y - 4}" x2="${x + 14}" y2="${y - 4}" stroke="#222" stroke-width="1.5"/>`,
    `<text x="${x + 20}" y="${y}">total ${compact(all)}</text>`,
    `</g>`,
  );
  return out;
}

/** A legend entry: "epoch <e>: <kind> — <detail>", the detail cut with "…" to CHART.legend.chars in all. */
export function legendEntry(event: ScriptedEvent): string {
  const entry = `epoch ${formatNumber(event.epoch)}: ${event.kind} — ${event.detail}`;
  const max = CHART.legend.chars;
  return entry.length <= max ? entry : entry.slice(0, max - 1).trimEnd() + "…";
}

/** The entries the legend shows: every event up to two full columns, else all but one and a line counting the rest. */
function legendRows(events: ScriptedEvent[]): { number?: number; text: string }[] {
  const { columns, maxRows } = CHART.legend;
  const entries = events.map((event, i) => ({ number: i + 1, text: legendEntry(event) }));
  if (entries.length <= columns * maxRows) return entries;
  const shown = entries.slice(0, columns * maxRows - 1);
  return [...shown, { text: `… ${formatNumber(events.length - shown.length)} more events in the JSON report` }];
}

/** The height of the events' legend. */
function legendHeight(events: ScriptedEvent[]): number {
  const { headerHeight, lineHeight, padding, columns } = CHART.legend;
  return headerHeight + Math.ceil(legendRows(events).length / columns) * lineHeight + padding;
}

/** The events' legend below the panels: each event's number and entry, down the first column then the second. */
function legendSvg(events: ScriptedEvent[], top: number): string[] {
  const { headerHeight, lineHeight, columns } = CHART.legend;
  const rows = legendRows(events);
  const perColumn = Math.ceil(rows.length / columns);
  const columnWidth = (CHART.width - 32) / columns;
  const heading = events.length === 0 ? "Scripted events: none" : "Scripted events (dashed lines on every panel)";
  const out = [
    `<g>`,
    `<line x1="16" y1="${top}" x2="${CHART.width - 16}" y2="${top}" stroke="#e5e5e5"/>`,
    `<text x="16" y="${top + 20}" font-size="12" font-weight="bold">${heading}</text>`,
  ];
  rows.forEach((row, i) => {
    const x = 16 + Math.floor(i / perColumn) * columnWidth;
    const y = top + headerHeight + (i % perColumn) * lineHeight + 6;
    if (row.number !== undefined) {
      out.push(`<text x="${x + 16}" y="${y}" text-anchor="end" font-size="10" font-weight="bold">${row.number}</text>`);
    }
    out.push(`<text x="${x + 22}" y="${y}" font-size="10">${escapeXml(row.text)}</text>`);
  });
  out.push(`</g>`);
  return out;
}

/** The chart's height: the panels' rows and the events' legend. */
export function chartHeight(report: SimulationReport): number {
  return CHART.titleHeight + ROWS * CHART.rowHeight + legendHeight(report.events);
}

/** The chart of the run over epochs: a standalone SVG, the same string for the same report (`run` is not used). */
export function chartSvg(report: SimulationReport): string {
  const { width, titleHeight } = CHART;
  const height = chartHeight(report);
  const epochs = report.epochs.map((point) => point.epoch);
  const markers = eventMarkers(report.events);
  const lines = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="sans-serif" font-size="11" fill="#222">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="${titleHeight / 2 + 6}" text-anchor="middle" font-size="13">` +
      `${escapeXml(`Simulation: ${describeConfig(report.config)}`)}</text>`,
    ...panels(report.epochs).flatMap((panel, i) => panelSvg(panel, i, epochs, markers)),
    ...gasPanelSvg(report, epochs, markers),
    ...legendSvg(report.events, titleHeight + ROWS * CHART.rowHeight),
    `</svg>`,
  ];
  return lines.join("\n") + "\n";
}
