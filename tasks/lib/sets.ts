// Operator set IDs for humans: each service (MACH, VITAL, SQUAD) has one set per rollup, whose 77-digit id is
// keccak256(abi.encode(service, bytes32(rollup))) (RollupService.setIdOf). The tasks print it as "MACH/5002" (service /
// rollup chain ID) and take that, decimal or 0x hex wherever they take a set; a set no service of the deployment knows
// is printed as 32 bytes of hex. Also: contract refusals with their arguments made readable (amounts in ALT, set IDs
// short, times with their distance from now).
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { AbiCoder, ZeroAddress, keccak256, toBeHex, zeroPadValue } from "ethers";
import { loadAddressBook } from "./addressBook";
import { fail, formatAlt, formatTime, relativeTime } from "./cli";
import { ROLLUP_KEYS } from "./rollups";
import { SERVICE_KEYS, SERVICE_NAMES, type ServiceName } from "./services";

/** The set id of `rollup` in the service at `service` (RollupService.setIdOf, computed here). */
export function serviceSetId(service: string, rollup: string): bigint {
  return BigInt(
    keccak256(AbiCoder.defaultAbiCoder().encode(["address", "bytes32"], [service, zeroPadValue(rollup, 32)])),
  );
}

export interface SetName {
  service: ServiceName;
  rollup: string;
  chainId: bigint;
  /** "MACH/5002" */
  name: string;
}

/** The sets of a deployment by id: every (service, factory rollup) pair, registered or not. */
export interface SetNames {
  byId: Map<bigint, SetName>;
  /** The service addresses of the deployment (none before deploy services). */
  services: Partial<Record<ServiceName, string>>;
  /** The factory's rollup with a chain ID, or undefined. */
  rollupOf(chainId: bigint): Promise<string | undefined>;
}

/** The address recorded under `key` if it holds code (a deployment may lack the stage, or its records be stale). */
async function deployed(hre: HardhatRuntimeEnvironment, key: string): Promise<string | undefined> {
  const address = (await loadAddressBook(hre))[key];
  if (address === undefined || (await hre.ethers.provider.getCode(address)) === "0x") return undefined;
  return address;
}

/** Names every set the services of the deployment have (or would have) for the factory's rollups. */
export async function setNames(hre: HardhatRuntimeEnvironment): Promise<SetNames> {
  const services: Partial<Record<ServiceName, string>> = {};
  for (const name of SERVICE_NAMES) {
    const address = await deployed(hre, SERVICE_KEYS[name]);
    if (address !== undefined) services[name] = address;
  }
  const byId = new Map<bigint, SetName>();
  const factoryAddress = await deployed(hre, ROLLUP_KEYS.factory);
  if (factoryAddress === undefined) return { byId, services, rollupOf: async () => undefined };
  const factory = await hre.ethers.getContractAt("RollupFactory", factoryAddress);
  try {
    const count = Number(await factory.rollupCount());
    for (let i = 0; i < count; i++) {
      const rollup = await factory.rollupAt(i);
      const chainId = await (await hre.ethers.getContractAt("Rollup", rollup)).chainId();
      for (const [service, address] of Object.entries(services) as [ServiceName, string][]) {
        byId.set(serviceSetId(address, rollup), {
          service,
          rollup,
          chainId,
          name: `${service.toUpperCase()}/${chainId}`,
        });
      }
    }
  } catch (error) {
    // records naming another contract (an in-process chain reverted under them): the sets keep their hex ids
    const code = (error as { code?: string }).code;
    if (code !== "CALL_EXCEPTION" && code !== "BAD_DATA") throw error;
    byId.clear();
  }
  const rollupOf = async (chainId: bigint) => {
    const rollup = await factory.rollupByChainId(chainId);
    return rollup === ZeroAddress ? undefined : rollup;
  };
  return { byId, services, rollupOf };
}

/** A set id as the tasks print it: "MACH/5002", or 32 bytes of hex for a set no service of the deployment knows. */
export function formatSetId(setId: bigint, names?: SetNames): string {
  return names?.byId.get(setId)?.name ?? toBeHex(setId, 32);
}

/** A set id as --json prints it: the number (decimal string once printed) and its short name (null if none). */
export const setIdJson = (setId: bigint, names?: SetNames) => ({
  setId,
  set: names?.byId.get(setId)?.name ?? null,
});

const SET_ID_FORMS = "a set as SERVICE/CHAINID (e.g. MACH/5002), in decimal or in 0x hex";

/** A set id given as "MACH/5002" (service / rollup chain ID, any case), decimal or 0x hex (up to 32 bytes). */
export async function parseSetId(
  hre: HardhatRuntimeEnvironment,
  value: string,
  what = "--set",
  names?: SetNames,
): Promise<bigint> {
  const text = String(value).trim();
  const short = /^([a-z]+)\/(\d+)$/i.exec(text);
  if (short) {
    const service = short[1].toLowerCase() as ServiceName;
    if (!SERVICE_NAMES.includes(service)) {
      fail(`${what}: unknown service ${short[1]} in ${text} (services: ${SERVICE_NAMES.join(", ")})`);
    }
    const known = names ?? (await setNames(hre));
    const address = known.services[service];
    if (address === undefined) fail(`${what}: the deployment of network ${hre.network.name} has no ${service} service`);
    const rollup = await known.rollupOf(BigInt(short[2]));
    if (rollup === undefined) fail(`${what}: no rollup has chain ID ${short[2]}`);
    return serviceSetId(address, rollup);
  }
  if (!/^(\d+|0x[0-9a-fA-F]{1,64})$/.test(text)) fail(`${what} must be ${SET_ID_FORMS}, not ${text}`);
  const setId = BigInt(text);
  if (setId >= 2n ** 256n) fail(`${what} must be ${SET_ID_FORMS}, not ${text}`);
  return setId;
}

// ------------------------------------------------------------------ refusals

type ArgKind = "alt" | "set" | "time" | undefined;

/**
 * The arguments of the custom errors the restaking, service and token tasks meet that are ALT amounts ("alt"), set ids
 * ("set") or timestamps ("time"); other arguments are printed as they are.
 */
const ERROR_ARGS: Record<string, ArgKind[]> = {
  SetsStakeTooLow: ["alt", "alt"],
  SetsStakeNotTooLow: ["alt", "alt"],
  SetsChurnTooSmall: ["alt", "alt"],
  SetsInsufficientFreeStake: [undefined, "alt", "alt"],
  SetsAllocationTooLarge: ["alt"],
  SetsUnknownSet: ["set"],
  SetsExists: ["set"],
  SetsAlreadyMember: ["set"],
  SetsNotMember: ["set"],
  SetsFull: ["set"],
  SetsNotFull: ["set"],
  SetsNotDrawable: ["set"],
  SetsNotSetService: ["set"],
  SetsJailed: ["set", undefined, "time"],
  SetsLeaveNotRequested: ["set"],
  SetsLeavePending: ["set", undefined, "time"],
  ServiceSetNotLive: ["set"],
  RewardsNoStake: ["set"],
  SlashingNotSetService: ["set"],
  SlashingNothingAllocated: [undefined, "set"],
  SlashingTooManyRequests: [undefined, "set"],
  SlashingWindowCapExceeded: [undefined, "set"],
  SlashingVetoWindowOpen: [undefined, "time"],
  SlashingVetoWindowClosed: [undefined, "time"],
  RegistryWithdrawalLocked: ["time"],
  AirdropClaimWindowClosed: ["time"],
  AirdropClaimWindowOpen: ["time"],
};

/** Splits "a, b, [c, d]" at its top-level commas. */
function splitArgs(text: string): string[] {
  const args: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of text) {
    if (ch === "[" || ch === "(") depth++;
    if (ch === "]" || ch === ")") depth--;
    if (ch === "," && depth === 0) {
      args.push(current.trim());
      current = "";
    } else current += ch;
  }
  if (current.trim() !== "") args.push(current.trim());
  return args;
}

/**
 * A refusal as `revertReason` gives it ("SetsStakeTooLow(0, 1000000000000000000000)") with the arguments it can tell
 * the kind of made readable ("SetsStakeTooLow(0 ALT, 1,000 ALT)"); anything else unchanged. `now` for the times.
 */
export function readableReason(reason: string, names?: SetNames, now?: number): string {
  const match = /^(\w+)\((.*)\)$/s.exec(reason);
  const kinds = match ? ERROR_ARGS[match[1]] : undefined;
  if (!match || !kinds) return reason;
  const args = splitArgs(match[2]);
  if (args.length < kinds.length) return reason; // the kinds of its first arguments: the rest are printed as they are
  const readable = args.map((arg, i) => {
    const raw = arg.replace(/^"|"$/g, "");
    if (!/^\d+$/.test(raw)) return arg;
    const value = BigInt(raw);
    switch (kinds[i]) {
      case "alt":
        return formatAlt(value);
      case "set":
        return formatSetId(value, names);
      case "time":
        return formatTime(value) + (now === undefined ? "" : ` (${relativeTime(Number(value), now)})`);
      default:
        return arg;
    }
  });
  return `${match[1]}(${readable.join(", ")})`;
}

/**
 * An `explain` callback for `confirm`/`preflight`: the refusal with its arguments made readable, in the tasks' usual
 * words ("the contract refused the transaction: …"); `undefined` (the default line) when nothing changes.
 */
export async function refusalExplainer(
  hre: HardhatRuntimeEnvironment,
  names?: SetNames,
): Promise<(reason: string) => string | undefined> {
  const known = names ?? (await setNames(hre));
  const now = (await hre.ethers.provider.getBlock("latest"))!.timestamp;
  return (reason) => {
    const readable = readableReason(reason, known, now);
    return readable === reason ? undefined : `the contract refused the transaction: ${readable}`;
  };
}
