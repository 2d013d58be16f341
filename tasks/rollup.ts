// Rollup tasks: templates, create (commit, then create, at a predicted address), list, info, extend, sunset, settle,
// ownership handover; batches (append-batch by a central sequencer), forced inclusion (queue-tx, force-include,
// reclaim-fee once retired); outputs (propose-output, finalize after the challenge period, prove on validity rollups).
import { formatDuration } from "../deploy/lib/units";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { hexlify, id, isHexString, keccak256, randomBytes, ZeroAddress, ZeroHash } from "ethers";
import {
  confirm,
  fail,
  formatAlt,
  formatTime,
  isHardhatChain,
  output,
  parseAddress,
  parseAmount,
  parseSeconds,
  preflight,
  signerFor,
  txLine,
  type TxReport,
  areaTask,
} from "./lib/cli";
import { altToken } from "./lib/genesis";
import { eventsOf, latestTime, parseWhole } from "./lib/restaking";
import {
  explainFinality,
  oneOf,
  OUTPUT_STATUS,
  outputToFinalize,
  parseBytes32,
  parseRollup,
  payAlt,
  prepareAlt,
  readBytes,
  reclaimableFees,
  requireActive,
  requireNotPaused,
  ROLLUP_STATUS,
  rollupAt,
  rollupFactory,
  timeAt,
} from "./lib/rollups";
import { DA_LAYERS, PROOF_SYSTEMS, SERVICES, STACKS, VMS } from "../deploy/lib/rollups";
import type { Rollup, RollupFactory } from "../typechain-types";

const STATUS = ROLLUP_STATUS;
const MAX_CHAIN_ID = 2n ** 53n - 1n;
/** Expiries are 48-bit timestamps: a lifetime of 1,000 years is far inside them. */
const MAX_LIFETIME = 1000 * 365 * 86_400;

export interface TemplateView {
  id: number;
  name: string;
  stack: string;
  vm: string;
  proofSystem: string;
  daLayers: string[];
  deprecated: boolean;
  implementation: string;
  version: number;
  challengePeriod: number;
  verifier: string;
  outputInterval: bigint;
  creationFee: bigint;
  outputBond: bigint;
}

async function templates(factory: RollupFactory): Promise<TemplateView[]> {
  const count = Number(await factory.templateCount());
  const views: TemplateView[] = [];
  for (let i = 0; i < count; i++) {
    const t = await factory.template(i);
    const stack = STACKS[Number(t.stack)];
    const vm = VMS[Number(t.vm)];
    views.push({
      id: i,
      name: `${stack}-${vm}`,
      stack,
      vm,
      proofSystem: PROOF_SYSTEMS[Number(t.proofSystem)],
      daLayers: DA_LAYERS.filter((_, bit) => (Number(t.daLayers) >> bit) & 1),
      deprecated: t.deprecated,
      implementation: t.implementation,
      version: Number(t.version),
      challengePeriod: Number(t.challengePeriod),
      verifier: t.verifier,
      outputInterval: t.outputInterval,
      creationFee: t.creationFee,
      outputBond: t.outputBond,
    });
  }
  return views;
}

/** A template by id or name ("OPStack-EVM"; the first active one of that name). */
async function parseTemplate(factory: RollupFactory, value: string): Promise<TemplateView> {
  const all = await templates(factory);
  const found = /^\d+$/.test(value)
    ? all[Number(value)]
    : (all.find((t) => t.name === value && !t.deprecated) ?? all.find((t) => t.name === value));
  if (found === undefined) {
    fail(`unknown template ${value}: one of ${all.map((t) => `${t.id} ${t.name}`).join(", ")}`);
  }
  return found;
}

/** Service names ("VITAL,MACH", "none") as the factory's bitmask. */
function parseServices(value: string): number {
  if (value === "none") return 0;
  let bits = 0;
  for (const name of value.split(",").map((s) => s.trim().toUpperCase())) {
    const bit = SERVICES[name as keyof typeof SERVICES];
    if (bit === undefined) fail(`--services takes VITAL, MACH and SQUAD separated by commas, or none, not ${value}`);
    bits |= bit;
  }
  return bits;
}

const serviceNames = (bits: number) =>
  Object.entries(SERVICES)
    .filter(([, bit]) => bits & bit)
    .map(([name]) => name);

/** A salt given as 32-byte hex, or any text (hashed). */
const parseSalt = (value: string) => (isHexString(value, 32) ? value : id(value));

/** How often rollup create reads the latest block while its commitment is too new (on a chain it cannot move). */
const WAIT_POLL_MS = 1_000;

/**
 * Gets the chain to `timestamp`, so that the next block is at it or later, and returns the next block's timestamp. A
 * Hardhat chain (`movable`) is moved there: its next block at exactly that time, or the second after the latest if that
 * is later. On any other chain this waits until the latest block is at least that late, and counts on the next a
 * second later.
 */
async function reach(hre: HardhatRuntimeEnvironment, timestamp: number, movable: boolean): Promise<number> {
  if (movable) {
    const next = Math.max(timestamp, (await latestTime(hre)) + 1);
    await hre.network.provider.send("evm_setNextBlockTimestamp", [next]);
    return next;
  }
  let latest = await latestTime(hre);
  while (latest < timestamp) {
    await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
    latest = await latestTime(hre);
  }
  return latest + 1;
}

/** Refusals of a simulated creation that rollup create deals with before it creates: commit, wait, approve. */
const CREATE_LATER = [
  "FactoryNotCommitted",
  "FactoryCommitmentExpired",
  "FactoryCommitmentTooNew",
  "ERC20InsufficientAllowance",
];

export interface RollupInfo {
  address: string;
  chainId: bigint;
  templateId: number;
  owner: string;
  /** The account the owner offered ownership to (rollup transfer-ownership), until it accepts; zero if none. */
  pendingOwner: string;
  status: string;
  paused: boolean;
  /** Paused until this time (0 if never paused; in the past once the pause ended). */
  pausedUntil: number;
  daLayer: string;
  sequencer: string;
  proposer: string;
  /** The rollup's bridge (see docs/bridge.md). */
  portal: string;
  services: string[];
  fastFinalityBps: number;
  /** "optimistic" (outputs finalize after `challengePeriod` seconds) or "validity" (with a proof). */
  proofSystem: string;
  challengePeriod: number;
  /** ALT the proposer bonds per output (rollups with VITAL), back when it finalizes. */
  outputBond: bigint;
  expiry: number;
  paidUntil: number;
  escrow: bigint;
  streamed: bigint;
  batches: { count: bigint; root: string };
  outputs: {
    count: bigint;
    finalized: bigint;
    /** `root`: the output root (bound to `stateRoot`, the first `batchCount` batches and the previous output). */
    latest?: {
      index: number;
      l2BlockNumber: bigint;
      root: string;
      stateRoot: string;
      batchCount: bigint;
      status: string;
    };
    /** The next output to finalize; `finalizesAt` (optimistic rollups): the end of its challenge period. */
    next?: { index: number; status: string; proposedAt: number; finalizesAt?: number };
  };
  /**
   * `minFee`: the factory's minimum fee of a queued transaction now (every rollup reads it at each call);
   * `nextDeadline`: when the first item not included yet must be (else anyone forces it in).
   */
  queue: { length: bigint; included: bigint; minFee: bigint; nextDeadline?: number };
}

async function describeRollup(rollup: Rollup, factory: RollupFactory): Promise<RollupInfo> {
  const count = await rollup.outputCount();
  const finalized = await rollup.finalizedCount();
  const latest = count === 0n ? undefined : await rollup.output(count - 1n);
  const proofSystem = PROOF_SYSTEMS[Number(await rollup.proofSystem())];
  const challengePeriod = Number(await rollup.challengePeriod());
  const next = finalized === count ? undefined : await rollup.output(finalized);
  const [length, included] = [await rollup.queueLength(), await rollup.queueHead()];
  const nextDeadline = included === length ? undefined : Number((await rollup.queuedTransaction(included)).deadline);
  return {
    address: await rollup.getAddress(),
    chainId: await rollup.chainId(),
    templateId: Number(await rollup.templateId()),
    owner: await rollup.owner(),
    pendingOwner: await rollup.pendingOwner(),
    status: STATUS[Number(await rollup.status())],
    paused: await rollup.paused(),
    pausedUntil: Number(await rollup.pausedUntil()),
    daLayer: DA_LAYERS[Number(await rollup.daLayer())],
    sequencer: await rollup.sequencerRole(),
    proposer: await rollup.proposer(),
    portal: await rollup.portal(),
    services: serviceNames(Number(await rollup.services())),
    fastFinalityBps: Number(await rollup.fastFinalityBps()),
    proofSystem,
    challengePeriod,
    outputBond: await rollup.outputBond(),
    expiry: Number(await rollup.expiry()),
    paidUntil: Number(await rollup.paidUntil()),
    escrow: await rollup.escrow(),
    streamed: await rollup.streamed(),
    batches: { count: await rollup.batchCount(), root: await rollup.batchRoot() },
    outputs: {
      count,
      finalized,
      ...(latest && {
        latest: {
          index: Number(count - 1n),
          l2BlockNumber: latest.l2BlockNumber,
          root: latest.root,
          stateRoot: latest.stateRoot,
          batchCount: latest.batchCount,
          status: OUTPUT_STATUS[Number(latest.status)],
        },
      }),
      ...(next && {
        next: {
          index: Number(finalized),
          status: OUTPUT_STATUS[Number(next.status)],
          proposedAt: Number(next.proposedAt),
          ...(proofSystem === "optimistic" && { finalizesAt: Number(next.proposedAt) + challengePeriod }),
        },
      }),
    },
    queue: {
      length,
      included,
      minFee: await factory.minQueueFee(),
      ...(nextDeadline !== undefined && { nextDeadline }),
    },
  };
}

const lifetime = (expiry: number) => (expiry === 0 ? "permanent" : `expires ${formatTime(expiry)}`);

areaTask("rollup templates", "Lists the factory's rollup templates")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { json: boolean }, hre) => {
    const views = await templates(await rollupFactory(hre));
    return output(args.json, views, () =>
      views.map(
        (t) =>
          `${t.id} ${t.name} v${t.version} ${t.proofSystem}${t.deprecated ? " (deprecated)" : ""}: DA ${t.daLayers.join(
            ", ",
          )}; output every ${t.outputInterval} L2 blocks; creation fee ${formatAlt(t.creationFee)}${
            t.outputBond === 0n ? "" : `; output bond ${formatAlt(t.outputBond)}`
          }`,
      ),
    );
  });

areaTask("rollup predict-address", "The address a rollup will have, before it is created")
  .addParam("template", "Template id or name")
  .addParam("salt", "Salt: 32-byte hex or any text")
  .addOptionalParam("creator", "Creating account (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { template: string; salt: string; creator?: string; json: boolean }, hre) => {
    const factory = await rollupFactory(hre);
    const template = await parseTemplate(factory, args.template);
    const creator = args.creator ? parseAddress(args.creator, "--creator") : await (await signerFor(hre)).getAddress();
    const address = await factory.predictRollupAddress(creator, template.id, parseSalt(args.salt));
    const result = { address, creator, templateId: template.id, salt: parseSalt(args.salt) };
    return output(args.json, result, () => [`${address} (template ${template.name}, creator ${creator})`]);
  });

areaTask(
  "rollup create",
  "Creates a rollup from a template (permissionless): commits to its chain ID, waits COMMIT_DELAY (moving a Hardhat " +
    "chain's clock), then creates it",
)
  .addParam("template", "Template id or name, e.g. OPStack-EVM (see rollup templates)")
  .addParam("chainId", "Chain ID: unique forever, not 0, not the host chain's, at most 2^53-1")
  .addOptionalParam("da", `DA layer: ${DA_LAYERS.join(", ")}`, "EthereumBlobs")
  .addOptionalParam("daConfig", "DA configuration bytes (hex)", "0x")
  .addOptionalParam("owner", "Rollup owner (default: the sender)")
  .addOptionalParam(
    "sequencer",
    'Centralised sequencer address, or "squad" (default: squad with SQUAD among --services, else the sender)',
  )
  .addOptionalParam("proposer", "Output proposer (default: the sender)")
  .addOptionalParam("services", "Restaked services: VITAL, MACH, SQUAD separated by commas, or none", "VITAL,MACH")
  .addOptionalParam("threshold", "MACH fast-finality threshold in bps (default 6667)")
  .addOptionalParam("lifetime", 'How long it lives: "permanent" or a duration such as 30d', "permanent")
  .addOptionalParam("prepay", "ALT prepaid for the services (default: the minimum the factory requires)")
  .addOptionalParam(
    "salt",
    "Salt of the commitment and the address: 32-byte hex or any text (default: random). Keep it secret until the " +
      "creation: whoever guesses it learns the chain ID from the commitment",
  )
  .addOptionalParam("from", "Creating account (default: the first account)")
  .addFlag("approve", "Approve the factory for the creation fee and prepayment if the allowance is short")
  .addFlag("json", "Print JSON")
  .setAction(
    async (
      args: {
        template: string;
        chainId: string;
        da: string;
        daConfig: string;
        owner?: string;
        sequencer?: string;
        proposer?: string;
        services: string;
        threshold?: string;
        lifetime: string;
        prepay?: string;
        salt?: string;
        from?: string;
        approve: boolean;
        json: boolean;
      },
      hre,
    ) => {
      const factory = await rollupFactory(hre);
      const template = await parseTemplate(factory, args.template);
      if (template.deprecated) fail(`template ${template.id} ${template.name} is deprecated`);
      const daLayer = DA_LAYERS.indexOf(args.da as (typeof DA_LAYERS)[number]);
      if (daLayer < 0) fail(`--da must be one of ${DA_LAYERS.join(", ")}, not ${args.da}`);
      if (!template.daLayers.includes(args.da)) {
        fail(`template ${template.name} does not support ${args.da}: it supports ${template.daLayers.join(", ")}`);
      }
      if (!isHexString(args.daConfig, true)) fail(`--da-config must be hex bytes, not ${args.daConfig}`);
      const chainId = parseWhole(args.chainId, "--chain-id");
      const { chainId: host } = await hre.ethers.provider.getNetwork();
      if (chainId === 0n || chainId === host || chainId > MAX_CHAIN_ID) {
        fail(`chain ID ${chainId} is not allowed: not 0, not the host chain's (${host}), at most ${MAX_CHAIN_ID}`);
      }
      const taken = await factory.rollupByChainId(chainId);
      if (taken !== ZeroAddress) fail(`chain ID ${chainId} is taken (by ${taken}), forever`);
      const signer = await signerFor(hre, args.from);
      const sender = await signer.getAddress();
      const services = parseServices(args.services);
      const squad = (services & SERVICES.SQUAD) !== 0;
      // SQUAD sequences a rollup only when it has no sequencer of its own, and nothing changes the sequencer after
      // creation (the factory refuses SQUAD with one): with SQUAD among the services the sequencer defaults to SQUAD
      const sequencer =
        args.sequencer === "squad"
          ? ZeroAddress
          : args.sequencer
            ? parseAddress(args.sequencer, "--sequencer")
            : squad
              ? ZeroAddress
              : sender;
      if (sequencer === ZeroAddress && !squad) fail("--sequencer squad needs SQUAD among --services");
      if (sequencer !== ZeroAddress && squad) {
        fail(
          `SQUAD sequences only a rollup without a sequencer of its own: use --sequencer squad (or leave it out), or ` +
            `leave SQUAD out of --services`,
        );
      }
      if ((services & SERVICES.VITAL) !== 0 && template.challengePeriod === 0) {
        fail(
          `VITAL needs a challenge period: template ${template.name} (${template.proofSystem}) has none; leave VITAL out of --services`,
        );
      }
      const threshold = args.threshold === undefined ? 0 : Number(parseWhole(args.threshold, "--threshold"));
      if (threshold !== 0 && (threshold <= 5_000 || threshold > 10_000)) {
        fail(`--threshold must be above 5000 and at most 10000 bps, not ${threshold}`);
      }
      const lifetimeSeconds = args.lifetime === "permanent" ? 0 : parseSeconds(args.lifetime, "--lifetime");
      if (args.lifetime !== "permanent" && lifetimeSeconds === 0) fail("--lifetime must be longer than zero");
      if (lifetimeSeconds > MAX_LIFETIME) fail(`--lifetime must be at most ${MAX_LIFETIME} seconds`);
      const required =
        lifetimeSeconds === 0
          ? await factory.requiredPrepayment(services, 0)
          : (await factory.feePerServicePerSecond()) * BigInt(serviceNames(services).length) * BigInt(lifetimeSeconds);
      const prepaidFees = args.prepay === undefined ? required : parseAmount(args.prepay, "--prepay");
      if (prepaidFees < required)
        fail(`--prepay ${formatAlt(prepaidFees)} is below the ${formatAlt(required)} required`);
      const owner = args.owner ? parseAddress(args.owner, "--owner") : sender;
      const proposer = args.proposer ? parseAddress(args.proposer, "--proposer") : sender;
      if (owner === ZeroAddress || proposer === ZeroAddress)
        fail("--owner and --proposer must not be the zero address");
      const salt = args.salt === undefined ? hexlify(randomBytes(32)) : parseSalt(args.salt);
      const address = await factory.predictRollupAddress(sender, template.id, salt);
      if ((await hre.ethers.provider.getCode(address)) !== "0x") {
        fail(`${sender} created a rollup from template ${template.name} with this salt already (${address})`);
      }
      // the rollup lives --lifetime from the block that creates it
      const expiryFrom = (createdAt: number) => (lifetimeSeconds === 0 ? 0 : createdAt + lifetimeSeconds);
      const params = {
        templateId: template.id,
        daLayer,
        daConfig: args.daConfig,
        chainId,
        owner,
        sequencer,
        proposer,
        services,
        fastFinalityBps: threshold,
        expiry: expiryFrom((await latestTime(hre)) + 1),
        prepaidFees,
        salt,
      };

      // Everything this sends is simulated before the first transaction. The creation cannot be, before its commitment
      // is mined and old enough: the factory checks the commitment after every parameter, and takes the fee and the
      // prepayment after the commitment, so a simulated creation refused for its commitment (none, expired: commit;
      // too new: wait) or for the allowance (approve) passes every parameter check. Balance and allowance are checked
      // below (prepareAlt), the clone address above; the creation itself is simulated again (gas estimation) when sent.
      await preflight(
        factory.connect(signer).createRollup.staticCall(params, { blockTag: "pending" }),
        undefined,
        CREATE_LATER,
      );
      const commitment = await factory.rollupCommitment(sender, chainId, salt);
      const [delay, ttl] = [Number(await factory.COMMIT_DELAY()), Number(await factory.COMMIT_TTL())];
      const committed = Number(await factory.committedAt(commitment));
      // a live commitment of the sender to this chain ID and salt (an earlier run's) is used as it is
      const mustCommit = committed === 0 || committed + ttl <= (await latestTime(hre)) + 1;
      if (mustCommit) {
        await preflight(factory.connect(signer).commitRollup.staticCall(commitment, { blockTag: "pending" }));
      }
      const approve = await prepareAlt(
        hre,
        signer,
        await factory.getAddress(),
        template.creationFee + prepaidFees,
        args.approve,
      );
      const approval = await approve?.();
      let commit: TxReport | undefined;
      if (mustCommit) {
        commit = await confirm(factory.connect(signer).commitRollup(commitment), (reason) =>
          reason.startsWith("FactoryAlreadyCommitted(")
            ? `the same commitment was made meanwhile (copied?): it binds ${sender} all the same; run rollup create ` +
              `again with --salt ${salt}`
            : undefined,
        );
      }
      const usableAt = Number(await factory.committedAt(commitment)) + delay;
      const movable = await isHardhatChain(hre);
      if (!movable && usableAt > (await latestTime(hre))) {
        // on stderr: a redirected --json output holds the result only
        console.warn(
          `committed; creating from ${formatTime(usableAt)} (if interrupted, run rollup create again with --salt ${salt})`,
        );
      }
      params.expiry = expiryFrom(await reach(hre, usableAt, movable));
      const tx = await confirm(factory.connect(signer).createRollup(params));
      const result = {
        address,
        chainId,
        template: template.name,
        owner: params.owner,
        services: serviceNames(services),
        expiry: params.expiry,
        prepaidFees,
        creationFee: template.creationFee,
        salt,
        ...(approval && { approval }),
        ...(commit && { commit }),
        tx,
      };
      return output(args.json, result, () => [
        ...(approval ? [txLine("approved the factory", approval)] : []),
        ...(commit ? [txLine(`committed to the creation (salt ${salt})`, commit)] : []),
        txLine(`created rollup ${address} (chain ID ${chainId}, ${template.name})`, tx),
        `  ${lifetime(params.expiry)}; services ${result.services.join(", ") || "none"}; prepaid ${formatAlt(
          prepaidFees,
        )}, creation fee ${formatAlt(template.creationFee)}`,
      ]);
    },
  );

areaTask("rollup list", "Lists the factory's rollups")
  .addOptionalParam("owner", "Only the rollups of this owner")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { owner?: string; json: boolean }, hre) => {
    const factory = await rollupFactory(hre);
    const owner = args.owner === undefined ? undefined : parseAddress(args.owner, "--owner");
    const addresses =
      owner === undefined
        ? await Promise.all(Array.from({ length: Number(await factory.rollupCount()) }, (_, i) => factory.rollupAt(i)))
        : await factory.rollupsOf(owner);
    const views: { address: string; chainId: bigint; owner: string; status: string; expiry: number }[] = [];
    for (const address of addresses) {
      const rollup = await rollupAt(hre, address);
      views.push({
        address,
        chainId: await rollup.chainId(),
        owner: await rollup.owner(),
        status: STATUS[Number(await rollup.status())],
        expiry: Number(await rollup.expiry()),
      });
    }
    return output(args.json, views, () =>
      views.length === 0
        ? ["no rollups"]
        : views.map((v) => `${v.chainId} ${v.address} ${v.status}, ${lifetime(v.expiry)}, owner ${v.owner}`),
    );
  });

areaTask("rollup info", "Shows a rollup: configuration, status, batches, outputs, expiry, fees")
  .addParam("rollup", "Rollup address or chain ID")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { rollup: string; json: boolean }, hre) => {
    const factory = await rollupFactory(hre);
    const info = await describeRollup(await parseRollup(hre, factory, args.rollup), factory);
    const now = await latestTime(hre);
    const { latest, next } = info.outputs;
    return output(args.json, info, () => [
      `rollup ${info.address} (chain ID ${info.chainId}, template ${info.templateId}): ${info.status}${
        info.paused ? `, paused until ${timeAt(info.pausedUntil, now)}` : ""
      }`,
      `  owner ${info.owner}${
        info.pendingOwner === ZeroAddress ? "" : ` (offered to ${info.pendingOwner})`
      }; sequencer ${info.sequencer}; proposer ${info.proposer}; DA ${info.daLayer}`,
      `  services ${info.services.join(", ") || "none"}; fast finality at ${info.fastFinalityBps} bps`,
      `  bridge portal ${info.portal} (bridge deposit, bridge withdrawals)`,
      `  ${info.proofSystem} proofs${
        info.proofSystem === "optimistic" ? `, challenge period ${formatDuration(info.challengePeriod)}` : ""
      }; output bond ${formatAlt(info.outputBond)}`,
      `  ${info.expiry === 0 ? "permanent" : `expires ${timeAt(info.expiry, now)}`}; fees paid until ${timeAt(
        info.paidUntil,
        now,
      )}; escrow ${formatAlt(info.escrow)}, streamed ${formatAlt(info.streamed)}`,
      `  batches ${info.batches.count} (root ${info.batches.root}); forced-inclusion queue ${info.queue.length} (${info.queue.included} included; minimum fee ${formatAlt(info.queue.minFee)})${
        info.queue.nextDeadline === undefined ? "" : `; next deadline ${timeAt(info.queue.nextDeadline, now)}`
      }`,
      latest
        ? `  outputs ${info.outputs.count} (${info.outputs.finalized} finalized); latest #${latest.index} at L2 block ${latest.l2BlockNumber}: ${latest.status}, root ${latest.root} (state root ${latest.stateRoot}; batches ${latest.batchCount})`
        : "  no outputs",
      ...(next
        ? [
            `  next to finalize #${next.index}: ${next.status}, proposed ${timeAt(next.proposedAt, now)}; ${
              next.finalizesAt === undefined
                ? "finalizes with a validity proof (rollup prove)"
                : `finalizes from ${timeAt(next.finalizesAt, now)} (rollup finalize)`
            }`,
          ]
        : []),
    ]);
  });

/** Loads --rollup and checks the sender is its owner. */
async function ownedRollup(hre: HardhatRuntimeEnvironment, args: { rollup: string; from?: string }) {
  const rollup = await parseRollup(hre, await rollupFactory(hre), args.rollup);
  const signer = await signerFor(hre, args.from);
  const sender = await signer.getAddress();
  const owner = await rollup.owner();
  if (sender !== owner) fail(`${sender} is not the owner of ${await rollup.getAddress()} (${owner} is)`);
  const status = STATUS[Number(await rollup.status())];
  if (status !== "Active") fail(`rollup ${await rollup.getAddress()} is ${status}, not Active`);
  return { rollup, signer };
}

areaTask("rollup extend", "Moves an ephemeral rollup's expiry later, paying the services for the added time (owner)")
  .addParam("by", "Added time, e.g. 7d")
  .addParam("rollup", "Rollup address or chain ID")
  .addOptionalParam("from", "Acting account, the owner (default: the first account)")
  .addFlag("approve", "Approve the rollup for the cost if the allowance is short")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { by: string; rollup: string; from?: string; approve: boolean; json: boolean }, hre) => {
    const added = parseSeconds(args.by, "--by");
    if (added === 0) fail("--by must be longer than zero");
    const { rollup, signer } = await ownedRollup(hre, args);
    const expiry = Number(await rollup.expiry());
    if (expiry === 0) fail(`rollup ${await rollup.getAddress()} is permanent: there is no expiry to extend`);
    const services = Number(await rollup.services());
    const cost = (await rollup.feePerServicePerSecond()) * BigInt(serviceNames(services).length) * BigInt(added);
    const approval = await payAlt(hre, signer, await rollup.getAddress(), cost, args.approve, () =>
      rollup.connect(signer).extend.staticCall(expiry + added, { blockTag: "pending" }),
    );
    const tx = await confirm(rollup.connect(signer).extend(expiry + added));
    const result = {
      rollup: await rollup.getAddress(),
      expiry: expiry + added,
      cost,
      ...(approval && { approval }),
      tx,
    };
    return output(args.json, result, () => [
      ...(approval ? [txLine("approved the rollup", approval)] : []),
      txLine(`extended to ${formatTime(result.expiry)} for ${formatAlt(cost)}`, tx),
    ]);
  });

areaTask("rollup sunset", "Ends a rollup early: it expires now and starts settling (owner)")
  .addParam("rollup", "Rollup address or chain ID")
  .addOptionalParam("from", "Acting account, the owner (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { rollup: string; from?: string; json: boolean }, hre) => {
    const { rollup, signer } = await ownedRollup(hre, args);
    const tx = await confirm(rollup.connect(signer).sunset());
    const result = { rollup: await rollup.getAddress(), expiry: Number(await rollup.expiry()), tx };
    return output(args.json, result, () => [txLine(`sunset: expired at ${formatTime(result.expiry)}`, tx)]);
  });

areaTask(
  "rollup settle",
  "Retires a rollup after its settlement window: final state frozen, unused fees refunded (anyone)",
)
  .addParam("rollup", "Rollup address or chain ID")
  .addOptionalParam("from", "Acting account (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { rollup: string; from?: string; json: boolean }, hre) => {
    const factory = await rollupFactory(hre);
    const rollup = await parseRollup(hre, factory, args.rollup);
    const status = STATUS[Number(await rollup.status())];
    if (status === "Retired") fail(`rollup ${await rollup.getAddress()} is already retired`);
    const expiry = Number(await rollup.expiry());
    if (expiry === 0) fail(`rollup ${await rollup.getAddress()} is permanent: sunset it first`);
    const settlesAt = expiry + Number(await factory.settlementWindow());
    if ((await latestTime(hre)) + 1 < settlesAt)
      fail(`rollup ${await rollup.getAddress()} settles from ${formatTime(settlesAt)}`);
    const signer = await signerFor(hre, args.from);
    const tx = await confirm(rollup.connect(signer).settle());
    const refund = await rollup.refunded();
    const result = { rollup: await rollup.getAddress(), refund, owner: await rollup.owner(), tx };
    return output(args.json, result, () => [txLine(`retired; refunded ${formatAlt(refund)} to ${result.owner}`, tx)]);
  });

areaTask(
  "rollup force-include",
  "Forces overdue queued transactions into the batch chain (anyone); the sequencer is at fault",
)
  .addParam("rollup", "Rollup address or chain ID")
  .addOptionalParam("count", "How many overdue items at most", "16")
  .addOptionalParam("from", "Acting account (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { rollup: string; count: string; from?: string; json: boolean }, hre) => {
    const rollup = await parseRollup(hre, await rollupFactory(hre), args.rollup);
    const count = parseWhole(args.count, "--count", { positive: true });
    const head = await rollup.queueHead();
    if (head === (await rollup.queueLength())) fail("the forced-inclusion queue is empty");
    const item = await rollup.queuedTransaction(head);
    if ((await latestTime(hre)) + 1 <= Number(item.deadline)) {
      fail(`queue item ${head} is not overdue: its deadline is ${formatTime(item.deadline)}`);
    }
    const signer = await signerFor(hre, args.from);
    const tx = await confirm(rollup.connect(signer).forceInclude(count));
    const included = (await rollup.queueHead()) - head;
    const result = {
      rollup: await rollup.getAddress(),
      firstIndex: head,
      included,
      sequencer: await rollup.sequencerRole(),
      tx,
    };
    return output(args.json, result, () => [
      txLine(`forced ${included} overdue item(s) in from index ${head}; sequencer ${result.sequencer} at fault`, tx),
    ]);
  });

areaTask("rollup propose-output", "Proposes the rollup's next state output (its proposer)")
  .addParam("rollup", "Rollup address or chain ID")
  .addParam("root", "The L2 state root: 32-byte hex (the rollup binds it to the batches and the previous output)")
  .addOptionalParam(
    "withdrawalsRoot",
    "The root of the L2's withdrawals so far, 32-byte hex (default: zero, none made yet)",
  )
  .addOptionalParam("block", "Its L2 block number (default: the next one, one output interval on)")
  .addOptionalParam("from", "Acting account (default: the first account)")
  .addFlag("approve", "Approve the rollup for the output bond if the allowance is short")
  .addFlag("json", "Print JSON")
  .setAction(
    async (
      args: {
        rollup: string;
        root: string;
        withdrawalsRoot?: string;
        block?: string;
        from?: string;
        approve: boolean;
        json: boolean;
      },
      hre,
    ) => {
      const rollup = await parseRollup(hre, await rollupFactory(hre), args.rollup);
      if (!isHexString(args.root, 32)) fail(`--root must be 32-byte hex: ${args.root}`);
      const withdrawalsRoot = args.withdrawalsRoot ?? ZeroHash;
      if (!isHexString(withdrawalsRoot, 32)) fail(`--withdrawals-root must be 32-byte hex: ${withdrawalsRoot}`);
      const count = await rollup.outputCount();
      const last = count === 0n ? 0n : (await rollup.output(count - 1n)).l2BlockNumber;
      const next = last + (await rollup.outputInterval());
      const block = args.block === undefined ? next : parseWhole(args.block, "--block");
      if (block !== next) fail(`the next output is at L2 block ${next}, not ${block}`);
      const signer = await signerFor(hre, args.from);
      const proposer = await rollup.proposer();
      if ((await signer.getAddress()) !== proposer) fail(`only the rollup's proposer ${proposer} proposes outputs`);
      // the bond (rollups with VITAL): back when the output finalizes, forfeited if VITAL invalidates it
      const bond = await rollup.outputBond();
      const approval = await payAlt(hre, signer, await rollup.getAddress(), bond, args.approve, () =>
        rollup.connect(signer).proposeOutput.staticCall(block, args.root, withdrawalsRoot, { blockTag: "pending" }),
      );
      const tx = await confirm(rollup.connect(signer).proposeOutput(block, args.root, withdrawalsRoot));
      // the output root the rollup bound: what MACH certifies and VITAL judges
      const proposed = await rollup.output(count);
      const result = {
        rollup: await rollup.getAddress(),
        index: count,
        l2BlockNumber: block,
        root: proposed.root,
        stateRoot: proposed.stateRoot,
        withdrawalsRoot,
        batchCount: proposed.batchCount,
        bond,
        ...(approval && { approval }),
        tx,
      };
      return output(args.json, result, () => [
        ...(approval ? [txLine("approved the rollup", approval)] : []),
        txLine(`output ${count} proposed at L2 block ${block}${bond === 0n ? "" : `, bonding ${formatAlt(bond)}`}`, tx),
        `  output root ${proposed.root} (state root ${proposed.stateRoot}; withdrawals root ${withdrawalsRoot}; ` +
          `batches ${proposed.batchCount})`,
      ]);
    },
  );

/** The next queue items (from `head`) overdue at the next block: the prefix a batch must include. */
async function overdueCount(rollup: Rollup, head: bigint, length: bigint, now: number): Promise<bigint> {
  let i = head;
  while (i < length && Number((await rollup.queuedTransaction(i)).deadline) < now + 1) i++;
  return i - head;
}

areaTask("rollup append-batch", "Posts a batch to a rollup with a sequencer of its own (the sequencer)")
  .addParam("rollup", "Rollup address or chain ID")
  .addOptionalParam("commitment", "The batch's DA commitment: 32-byte hex")
  .addOptionalParam(
    "data",
    "Instead of --commitment: a file of the batch's data, committed to as its keccak256 (a file of 0x-hex text is " +
      "read as the bytes it spells)",
  )
  .addOptionalParam(
    "include",
    'Forced-inclusion queue items the batch includes: a number, or "all" (every item queued and not included yet)',
    "all",
  )
  .addOptionalParam("from", "Acting account, the sequencer (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(
    async (
      args: { rollup: string; commitment?: string; data?: string; include: string; from?: string; json: boolean },
      hre,
    ) => {
      const [given, value] = oneOf(["--commitment", args.commitment], ["--data", args.data]);
      const commitment =
        given === "--commitment" ? parseBytes32(value, "--commitment") : keccak256(readBytes(value, "--data"));
      const rollup = await parseRollup(hre, await rollupFactory(hre), args.rollup);
      const address = await rollup.getAddress();
      const sequencer = await rollup.sequencer();
      if (sequencer === ZeroAddress)
        fail(`rollup ${address} is sequenced by SQUAD: post its batches with squad post-batch`);
      const signer = await signerFor(hre, args.from);
      const sender = await signer.getAddress();
      if (sender !== sequencer) fail(`${sender} is not the sequencer of rollup ${address} (${sequencer} is)`);
      const now = await latestTime(hre);
      await requireActive(rollup, now);
      const [head, length] = [await rollup.queueHead(), await rollup.queueLength()];
      const pending = length - head;
      const include = args.include === "all" ? pending : parseWhole(args.include, "--include");
      if (include > pending) {
        fail(`--include ${include} is more than the ${pending} queued item(s) not included yet`);
      }
      // an overdue item must be included before anything else is sequenced
      const overdue = await overdueCount(rollup, head, length, now);
      if (include < overdue) {
        const first = await rollup.queuedTransaction(head + include);
        fail(
          `queue item ${head + include} is overdue (its deadline was ${timeAt(first.deadline, now)}): the batch must ` +
            `include the ${overdue} overdue item(s), --include ${overdue} or more`,
        );
      }
      const poster = rollup.connect(signer);
      await preflight(poster.appendBatch.staticCall(commitment, include, { blockTag: "pending" }));
      const token = await altToken(hre);
      const before = await token.balanceOf(sender);
      const tx = await confirm(poster.appendBatch(commitment, include));
      const fees = (await token.balanceOf(sender)) - before;
      const [appended] = await eventsOf(hre, tx, rollup, "BatchAppended");
      const result = {
        rollup: address,
        batchIndex: appended.args.batchIndex as bigint,
        batchCount: await rollup.batchCount(),
        commitment,
        batchRoot: appended.args.batchRoot as string,
        firstIncluded: head,
        included: include,
        fees,
        tx,
      };
      return output(args.json, result, () => [
        txLine(
          `batch ${result.batchIndex} appended (commitment ${commitment})${
            include === 0n ? "" : `, including queue items ${head} to ${head + include - 1n}`
          }`,
          tx,
        ),
        `  batches ${result.batchCount}; batch-chain head ${result.batchRoot}`,
        ...(fees === 0n ? [] : [`  inclusion fees received: ${formatAlt(fees)}`]),
      ]);
    },
  );

areaTask(
  "rollup queue-tx",
  "Queues an L2 transaction for forced inclusion (anyone), paying a fee to whoever includes it",
)
  .addParam("rollup", "Rollup address or chain ID")
  .addOptionalParam("txHash", "The L2 transaction's hash: 32-byte hex")
  .addOptionalParam(
    "data",
    "Instead of --tx-hash: a file of the signed L2 transaction, whose hash is its keccak256 (a file of 0x-hex text " +
      "is read as the bytes it spells)",
  )
  .addOptionalParam("fee", "ALT paid to whoever includes it (default: the factory's minimum queue fee)")
  .addOptionalParam("from", "Acting account (default: the first account)")
  .addFlag("approve", "Approve the rollup for the fee if the allowance is short")
  .addFlag("json", "Print JSON")
  .setAction(
    async (
      args: {
        rollup: string;
        txHash?: string;
        data?: string;
        fee?: string;
        from?: string;
        approve: boolean;
        json: boolean;
      },
      hre,
    ) => {
      const [given, value] = oneOf(["--tx-hash", args.txHash], ["--data", args.data]);
      const txHash = given === "--tx-hash" ? parseBytes32(value, "--tx-hash") : keccak256(readBytes(value, "--data"));
      const factory = await rollupFactory(hre);
      const rollup = await parseRollup(hre, factory, args.rollup);
      const address = await rollup.getAddress();
      const minimum = await factory.minQueueFee();
      const fee = args.fee === undefined ? minimum : parseAmount(args.fee, "--fee");
      if (fee < minimum)
        fail(`--fee ${formatAlt(fee)} is below the factory's minimum queue fee, ${formatAlt(minimum)}`);
      await requireActive(rollup, await latestTime(hre));
      const signer = await signerFor(hre, args.from);
      const approval = await payAlt(hre, signer, address, fee, args.approve, () =>
        rollup.connect(signer).queueTransaction.staticCall(txHash, fee, { blockTag: "pending" }),
      );
      const tx = await confirm(rollup.connect(signer).queueTransaction(txHash, fee));
      const [queued] = await eventsOf(hre, tx, rollup, "TransactionQueued");
      const at = (await hre.ethers.provider.getBlock(tx.block))!.timestamp;
      const result = {
        rollup: address,
        queueIndex: queued.args.queueIndex as bigint,
        txHash,
        fee,
        deadline: Number(queued.args.deadline),
        ...(approval && { approval }),
        tx,
      };
      return output(args.json, result, () => [
        ...(approval ? [txLine("approved the rollup", approval)] : []),
        txLine(`queued transaction ${txHash} at index ${result.queueIndex}, paying ${formatAlt(fee)}`, tx),
        `  the sequencer must include it by ${timeAt(result.deadline, at)}; after that anyone may force it in: ` +
          `rollup force-include --rollup ${address}`,
      ]);
    },
  );

/** What rollup finalize and rollup prove report. */
export interface FinalizeResult {
  rollup: string;
  index: bigint;
  l2BlockNumber: bigint;
  root: string;
  /** ALT returned to `proposer`: the output bond (rollups with VITAL), else 0. */
  bond: bigint;
  proposer: string;
  tx: TxReport;
}

async function finalized(rollup: Rollup, index: bigint, o: { l2BlockNumber: bigint; root: string }, tx: TxReport) {
  return {
    rollup: await rollup.getAddress(),
    index,
    l2BlockNumber: o.l2BlockNumber,
    root: o.root,
    bond: await rollup.outputBond(),
    proposer: await rollup.proposer(),
    tx,
  };
}

const finalizedLines = (r: FinalizeResult, how: string) => [
  txLine(`output ${r.index} (L2 block ${r.l2BlockNumber}) finalized${how}`, r.tx),
  r.bond === 0n ? "  no output bond" : `  bond ${formatAlt(r.bond)} returned to the proposer ${r.proposer}`,
];

areaTask("rollup finalize", "Finalizes an optimistic rollup's output after its challenge period (anyone)")
  .addParam("rollup", "Rollup address or chain ID")
  .addOptionalParam("index", "The output (default: the next to finalize; outputs finalize in order)")
  .addOptionalParam("from", "Acting account (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { rollup: string; index?: string; from?: string; json: boolean }, hre) => {
    const rollup = await parseRollup(hre, await rollupFactory(hre), args.rollup);
    const address = await rollup.getAddress();
    if (PROOF_SYSTEMS[Number(await rollup.proofSystem())] !== "optimistic") {
      fail(`rollup ${address} is a validity rollup: its outputs finalize with a proof (rollup prove)`);
    }
    const now = await latestTime(hre);
    await requireNotPaused(rollup, now);
    const { index, output: o } = await outputToFinalize(rollup, args.index);
    const finalizesAt = Number(o.proposedAt) + Number(await rollup.challengePeriod());
    if (now + 1 < finalizesAt) {
      fail(`output ${index} of rollup ${address} is in its challenge period until ${timeAt(finalizesAt, now)}`);
    }
    const signer = await signerFor(hre, args.from);
    // an output VITAL is deciding on never finalizes: only the contract knows (the service's openChallenge)
    await preflight(
      rollup.connect(signer).finalize.staticCall(index, { blockTag: "pending" }),
      explainFinality(address),
    );
    const tx = await confirm(rollup.connect(signer).finalize(index), explainFinality(address));
    const result: FinalizeResult = await finalized(rollup, index, o, tx);
    return output(args.json, result, () => finalizedLines(result, ""));
  });

areaTask("rollup prove", "Finalizes a validity rollup's output with its validity proof (anyone)")
  .addParam("rollup", "Rollup address or chain ID")
  .addOptionalParam("index", "The output (default: the next to finalize; outputs finalize in order)")
  .addOptionalParam("proof", "The proof: hex bytes")
  .addOptionalParam("proofFile", "Instead of --proof: a file of the proof (raw bytes, or 0x-hex text)")
  .addOptionalParam("from", "Acting account (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(
    async (
      args: { rollup: string; index?: string; proof?: string; proofFile?: string; from?: string; json: boolean },
      hre,
    ) => {
      const [given, value] = oneOf(["--proof", args.proof], ["--proof-file", args.proofFile]);
      if (given === "--proof" && !isHexString(value, true)) fail(`--proof must be hex bytes, not ${value}`);
      const proof = given === "--proof" ? value : hexlify(readBytes(value, "--proof-file"));
      const rollup = await parseRollup(hre, await rollupFactory(hre), args.rollup);
      const address = await rollup.getAddress();
      if (PROOF_SYSTEMS[Number(await rollup.proofSystem())] !== "validity") {
        fail(`rollup ${address} is optimistic: its outputs finalize after their challenge period (rollup finalize)`);
      }
      await requireNotPaused(rollup, await latestTime(hre));
      const { index, output: o } = await outputToFinalize(rollup, args.index);
      const signer = await signerFor(hre, args.from);
      const explain = explainFinality(address, await rollup.verifier());
      await preflight(rollup.connect(signer).proveOutput.staticCall(index, proof, { blockTag: "pending" }), explain);
      const tx = await confirm(rollup.connect(signer).proveOutput(index, proof), explain);
      const result: FinalizeResult = await finalized(rollup, index, o, tx);
      return output(args.json, result, () => finalizedLines(result, " with its proof"));
    },
  );

areaTask(
  "rollup reclaim-fee",
  "Pays back the fees of transactions queued on a retired rollup and never included, to their payers (anyone)",
)
  .addParam("rollup", "Rollup address or chain ID")
  .addOptionalParam("index", "The queue item (default: every reclaimable item of --payer)")
  .addOptionalParam("payer", "Without --index: whose fees (default: the acting account)")
  .addOptionalParam("from", "Acting account (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { rollup: string; index?: string; payer?: string; from?: string; json: boolean }, hre) => {
    if (args.index !== undefined && args.payer !== undefined) fail("pass --index or --payer, not both");
    const rollup = await parseRollup(hre, await rollupFactory(hre), args.rollup);
    const signer = await signerFor(hre, args.from);
    const payer = args.payer === undefined ? await signer.getAddress() : parseAddress(args.payer, "--payer");
    const items = await reclaimableFees(hre, rollup, args.index, payer);
    for (const item of items) {
      await preflight(rollup.connect(signer).reclaimFee.staticCall(item.index, { blockTag: "pending" }));
    }
    const reclaimed: { index: bigint; payer: string; fee: bigint; tx: TxReport }[] = [];
    for (const item of items)
      reclaimed.push({ ...item, tx: await confirm(rollup.connect(signer).reclaimFee(item.index)) });
    const result = {
      rollup: await rollup.getAddress(),
      reclaimed,
      total: reclaimed.reduce((sum, r) => sum + r.fee, 0n),
    };
    return output(args.json, result, () =>
      reclaimed.map((r) => txLine(`reclaimed ${formatAlt(r.fee)} of queue item ${r.index} for ${r.payer}`, r.tx)),
    );
  });

areaTask(
  "rollup transfer-ownership",
  "Offers a rollup's ownership to another account (owner); it becomes the owner when it accepts",
)
  .addParam("rollup", "Rollup address or chain ID")
  .addParam("to", "The new owner (replaces an offer not accepted yet)")
  .addOptionalParam("from", "Acting account, the owner (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { rollup: string; to: string; from?: string; json: boolean }, hre) => {
    const to = parseAddress(args.to, "--to");
    if (to === ZeroAddress) fail("--to must not be the zero address");
    const rollup = await parseRollup(hre, await rollupFactory(hre), args.rollup);
    const address = await rollup.getAddress();
    const signer = await signerFor(hre, args.from);
    const sender = await signer.getAddress();
    const owner = await rollup.owner();
    if (sender !== owner) fail(`${sender} is not the owner of ${address} (${owner} is)`);
    if (to === owner) fail(`${to} owns rollup ${address} already`);
    const replaced = await rollup.pendingOwner();
    await preflight(rollup.connect(signer).transferOwnership.staticCall(to, { blockTag: "pending" }));
    const tx = await confirm(rollup.connect(signer).transferOwnership(to));
    const result = {
      rollup: address,
      owner,
      pendingOwner: to,
      ...(replaced !== ZeroAddress && replaced !== to && { replaced }),
      tx,
    };
    return output(args.json, result, () => [
      txLine(`ownership of rollup ${address} offered to ${to}`, tx),
      ...(result.replaced ? [`  (the offer to ${result.replaced} is withdrawn)`] : []),
      `  ${owner} stays the owner until ${to} accepts: rollup accept-ownership --rollup ${address} --from ${to}`,
    ]);
  });

areaTask("rollup accept-ownership", "Accepts the ownership of a rollup offered to the acting account")
  .addParam("rollup", "Rollup address or chain ID")
  .addOptionalParam("from", "Acting account, the offered owner (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { rollup: string; from?: string; json: boolean }, hre) => {
    const rollup = await parseRollup(hre, await rollupFactory(hre), args.rollup);
    const address = await rollup.getAddress();
    const signer = await signerFor(hre, args.from);
    const sender = await signer.getAddress();
    const pending = await rollup.pendingOwner();
    if (pending === ZeroAddress) fail(`no ownership of rollup ${address} is offered (rollup transfer-ownership)`);
    if (sender !== pending) fail(`${sender} is not the pending owner of rollup ${address} (${pending} is)`);
    const previousOwner = await rollup.owner();
    await preflight(rollup.connect(signer).acceptOwnership.staticCall({ blockTag: "pending" }));
    const tx = await confirm(rollup.connect(signer).acceptOwnership());
    const result = { rollup: address, previousOwner, owner: sender, tx };
    return output(args.json, result, () => [
      txLine(`${sender} owns rollup ${address} now (from ${previousOwner})`, tx),
    ]);
  });
