// Human units shared by parameter files and tasks: durations ("7d", "6mo") and whole-token amounts ("1.5").
import { parseUnits } from "ethers";

export const MINUTE = 60;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/// A month is a twelfth of a 365-day year, so 12 months are exactly one year and 36 months exactly three.
export const MONTH = (365 * DAY) / 12;
export const YEAR = 365 * DAY;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: MINUTE, h: HOUR, d: DAY, w: 7 * DAY, mo: MONTH, y: YEAR };

/** Parses "90", "45s", "30m", "12h", "7d", "2w", "6mo", "1y" (or a number of seconds) into whole seconds. */
export function parseDuration(value: string | number): number {
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`invalid duration ${value}: expected whole seconds`);
    return value;
  }
  const match = /^(\d+(?:\.\d+)?)(s|m|h|d|w|mo|y)?$/.exec(value.trim());
  if (!match) throw new Error(`invalid duration "${value}": use seconds or a number with s, m, h, d, w, mo or y`);
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2] ?? "s"];
  if (!Number.isSafeInteger(seconds)) throw new Error(`invalid duration "${value}": not a whole number of seconds`);
  return seconds;
}

/** Formats seconds as the largest exact unit, e.g. 15768000 -> "6mo". */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return "0s";
  for (const unit of ["y", "mo", "w", "d", "h", "m"]) {
    if (seconds % UNIT_SECONDS[unit] === 0) return `${seconds / UNIT_SECONDS[unit]}${unit}`;
  }
  return `${seconds}s`;
}

/** Parses a whole-token amount with up to 18 decimals ("1000", "0.5") into wei. */
export function parseTokenAmount(value: string | number): bigint {
  const text = String(value).trim();
  if (!/^\d+(\.\d{1,18})?$/.test(text)) throw new Error(`invalid amount "${text}": expected a non-negative decimal`);
  return parseUnits(text, 18);
}
