// Rollup factory parameters (templates, fee rate, settlement window, minimum queue fee, SPEC 3.6): validated before
// deploying.
import { getAddress, isAddress, ZeroAddress } from "ethers";
import { fieldValidators } from "./validate";

export const STACKS = ["OPStack", "ArbitrumOrbit", "ZKStack", "PolygonCDK"] as const;
export const VMS = ["EVM", "WASM"] as const;
export const PROOF_SYSTEMS = ["optimistic", "validity"] as const;
export const DA_LAYERS = ["EthereumBlobs", "Celestia", "EigenDA", "Avail"] as const;
/** Bits of a rollup's `services`. */
export const SERVICES = { VITAL: 1, MACH: 2, SQUAD: 4 } as const;
/** Written as a validity template's verifier: deploy the test verifier (MockVerifier), for dev networks only. */
export const MOCK_VERIFIER = "mock";
/** The factory's MAX_MIN_QUEUE_FEE: the highest minimum fee of a forced-inclusion item (100 ALT, in wei). */
export const MAX_MIN_QUEUE_FEE = 100n * 10n ** 18n;

export interface TemplateInput {
  stack: (typeof STACKS)[number];
  vm: (typeof VMS)[number];
  proofSystem: (typeof PROOF_SYSTEMS)[number];
  daLayers: (typeof DA_LAYERS)[number][];
  version: number;
  /** Optimistic only. */
  challengePeriod?: string | number;
  /** Validity only: an address, or "mock". */
  verifier?: string;
  outputInterval: number;
  /** Whole ALT. */
  creationFee: string;
  /** Optimistic only, whole ALT: what the proposer of a rollup with VITAL bonds per output (0 if absent). */
  outputBond?: string;
}

export interface RollupsInput {
  /** ALT per second paid to each restaked service of a rollup. */
  feePerServicePerSecond: string;
  settlementWindow: string | number;
  /** Whole ALT: the least fee of a forced-inclusion item on every rollup (at most 100). */
  minQueueFee: string;
  templates: TemplateInput[];
}

/** The factory's Template struct, with the implementation filled in by the module. */
export interface TemplateConfig {
  stack: number;
  vm: number;
  proofSystem: number;
  daLayers: number;
  deprecated: boolean;
  version: number;
  challengePeriod: number;
  /** An address, or "mock". */
  verifier: string;
  outputInterval: bigint;
  creationFee: bigint;
  outputBond: bigint;
}

export interface RollupsConfig {
  feePerServicePerSecond: bigint;
  settlementWindow: number;
  minQueueFee: bigint;
  templates: TemplateConfig[];
}

export class RollupsParameterError extends Error {}

function fail(message: string): never {
  throw new RollupsParameterError(`rollups parameters: ${message}`);
}

function oneOf<T extends readonly string[]>(list: T, value: unknown, field: string): number {
  const index = list.indexOf(value as string);
  if (index < 0) fail(`${field} must be one of ${list.join(", ")}, not ${String(value)}`);
  return index;
}

const { amount, duration } = fieldValidators(fail);

function resolveTemplate(input: TemplateInput, i: number): TemplateConfig {
  const at = `templates[${i}]`;
  const proofSystem = oneOf(PROOF_SYSTEMS, input.proofSystem, `${at}.proofSystem`);
  if (!Array.isArray(input.daLayers) || input.daLayers.length === 0) fail(`${at}.daLayers must list DA layers`);
  let daLayers = 0;
  for (const layer of input.daLayers) daLayers |= 1 << oneOf(DA_LAYERS, layer, `${at}.daLayers`);
  if (!Number.isSafeInteger(input.version) || input.version < 1 || input.version > 2 ** 32 - 1) {
    fail(`${at}.version must be a whole number from 1`);
  }
  if (!Number.isSafeInteger(input.outputInterval) || input.outputInterval < 1) {
    fail(`${at}.outputInterval must be a whole number of L2 blocks from 1`);
  }
  let verifier = ZeroAddress;
  let challengePeriod = 0;
  let outputBond = 0n;
  if (PROOF_SYSTEMS[proofSystem] === "optimistic") {
    if (input.verifier !== undefined) fail(`${at}: an optimistic template has no verifier`);
    challengePeriod = duration(input.challengePeriod, `${at}.challengePeriod`);
    if (input.outputBond !== undefined) outputBond = amount(input.outputBond, `${at}.outputBond`);
  } else {
    if (input.challengePeriod !== undefined) fail(`${at}: a validity template has no challengePeriod`);
    if (input.outputBond !== undefined) fail(`${at}: a validity template has no outputBond`);
    if (input.verifier === MOCK_VERIFIER) verifier = MOCK_VERIFIER;
    else if (
      typeof input.verifier === "string" &&
      isAddress(input.verifier) &&
      getAddress(input.verifier) !== ZeroAddress
    ) {
      verifier = getAddress(input.verifier);
    } else fail(`${at}.verifier must be an address or "${MOCK_VERIFIER}", not ${String(input.verifier)}`);
  }
  return {
    stack: oneOf(STACKS, input.stack, `${at}.stack`),
    vm: oneOf(VMS, input.vm, `${at}.vm`),
    proofSystem,
    daLayers,
    deprecated: false,
    version: input.version,
    challengePeriod,
    verifier,
    outputInterval: BigInt(input.outputInterval),
    creationFee: amount(input.creationFee, `${at}.creationFee`),
    outputBond,
  };
}

/** At most the factory's MAX_MIN_QUEUE_FEE, which would refuse more when deploying. */
function resolveMinQueueFee(value: unknown): bigint {
  const fee = amount(value, "minQueueFee");
  if (fee > MAX_MIN_QUEUE_FEE) fail(`minQueueFee must be at most 100 ALT, not ${String(value)}`);
  return fee;
}

/** Validates the rollups section. */
export function resolveRollups(input: RollupsInput | undefined): RollupsConfig {
  if (input === undefined || input === null || typeof input !== "object") fail("the rollups section is missing");
  if (!Array.isArray(input.templates)) fail("templates must be a list");
  return {
    feePerServicePerSecond: amount(input.feePerServicePerSecond, "feePerServicePerSecond"),
    settlementWindow: duration(input.settlementWindow, "settlementWindow"),
    minQueueFee: resolveMinQueueFee(input.minQueueFee),
    templates: input.templates.map(resolveTemplate),
  };
}
