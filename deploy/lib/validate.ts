// Field checks shared by every parameter section; each section passes its own `fail`, so its errors keep their prefix
// and class ("genesis parameters: …", "restaking parameters: …", …).
import { getAddress, isAddress, ZeroAddress } from "ethers";
import { DEPLOYER } from "./parameters";
import { TIMELOCK } from "./timelock";
import { parseDuration, parseTokenAmount } from "./units";

/** The longest delay a section accepts: one year. */
const MAX_DELAY = 365 * 24 * 3600;

export function fieldValidators(fail: (message: string) => never) {
  /** Seconds from a duration ("7d") or a number; a broken one fails naming `field`. */
  const duration = (value: unknown, field: string): number => {
    try {
      return parseDuration(value as string | number);
    } catch (e) {
      fail(`${field}: ${(e as Error).message}`);
    }
  };
  return {
    /** A checksummed non-zero address, or "timelock" where the protocol's timelock is meant (`allowTimelock`). */
    address(value: unknown, field: string, allowTimelock = false): string {
      if (allowTimelock && value === TIMELOCK) return TIMELOCK;
      if (value === DEPLOYER)
        fail(`${field} is "${DEPLOYER}", which only the deploy tasks resolve (npx hardhat deploy protocol)`);
      if (typeof value !== "string" || !isAddress(value)) fail(`${field} is not an address: ${String(value)}`);
      const checksummed = getAddress(value);
      if (checksummed === ZeroAddress) fail(`${field} is the zero address`);
      return checksummed;
    },
    duration,
    /** A duration from `min` to MAX_DELAY seconds. */
    delay(value: unknown, field: string, min = 0): number {
      const parsed = duration(value, field);
      if (parsed < min || parsed > MAX_DELAY) {
        fail(`${field} must be between ${min} and ${MAX_DELAY} seconds, not ${parsed}`);
      }
      return parsed;
    },
    /** Whole tokens ("1.5") in wei. */
    amount(value: unknown, field: string): bigint {
      try {
        return parseTokenAmount(value as string);
      } catch (e) {
        fail(`${field}: ${(e as Error).message}`);
      }
    },
  };
}
