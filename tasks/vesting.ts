// Vesting tasks: list positions, release vested ALT; the beneficiary's actions (delegate the position's votes, hand it
// to a new beneficiary, who accepts), the factory owner's (revoke, sweep, set the treasury), and creating positions.
import { scanStart } from "./lib/addressBook";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { existsSync, readFileSync } from "fs";
import { ZeroAddress, getAddress, id, isAddress, isHexString } from "ethers";
import {
  confirm,
  fail,
  formatAlt,
  output,
  parseAddress,
  parseOr,
  preflight,
  signerFor,
  txLine,
  type TxReport,
  areaTask,
} from "./lib/cli";
import { altToken, genesisCategories, requireAlt, vestingFactory, vestingPosition } from "./lib/genesis";
import { eventsOf, formatWhen, latestTime } from "./lib/restaking";
import { parseDuration, parseTokenAmount } from "../deploy/lib/units";

export interface PositionView {
  address: string;
  category: string | null;
  beneficiary: string;
  total: bigint;
  vested: bigint;
  released: bigint;
  releasable: bigint;
  locked: bigint;
  delegate: string;
  start: number;
  cliff: number;
  end: number;
  revocable: boolean;
  revoked: boolean;
}

async function describePosition(hre: HardhatRuntimeEnvironment, address: string, category: string | null) {
  const position = await vestingPosition(hre, address);
  const token = await altToken(hre);
  const s = await position.schedule();
  const now = (await hre.ethers.provider.getBlock("latest"))!.timestamp;
  const vested = await position.vestedAmount(now);
  const view: PositionView = {
    address,
    category,
    beneficiary: s.beneficiary,
    total: s.total,
    vested,
    released: s.released,
    releasable: vested - s.released,
    locked: s.total - vested,
    delegate: await token.delegates(address),
    start: Number(s.start),
    cliff: Number(s.cliff),
    end: Number(s.end),
    revocable: s.revocable,
    revoked: s.revoked,
  };
  return view;
}

/** Every position the factory created, oldest first, as (address, genesis category or null). */
async function allPositions(hre: HardhatRuntimeEnvironment): Promise<[string, string | null][]> {
  const factory = await vestingFactory(hre);
  const categories = await genesisCategories(hre);
  const events = await factory.queryFilter(factory.filters.PositionCreated(), await scanStart());
  return events.map((e) => [e.args.position, categories.get(e.args.position.toLowerCase()) ?? null]);
}

/** A position by address or genesis category name; refuses anything the factory did not create. */
async function resolvePosition(hre: HardhatRuntimeEnvironment, ref: string): Promise<[string, string | null]> {
  const positions = await allPositions(hre);
  const key = ref.toLowerCase();
  const found = positions.find(([address, category]) => (isAddress(ref) ? address : category)?.toLowerCase() === key);
  if (!found) {
    const names = positions.flatMap(([, c]) => (c ? [c] : [])).join(", ");
    fail(`unknown vesting position ${ref}${names ? ` (genesis categories: ${names})` : ""}`);
  }
  return found;
}

areaTask("vesting list", "Lists vesting positions: total, vested, released, locked, delegate")
  .addOptionalParam("beneficiary", "Only positions of this beneficiary")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { beneficiary?: string; json: boolean }, hre) => {
    const beneficiary = args.beneficiary === undefined ? undefined : parseAddress(args.beneficiary, "--beneficiary");
    const views: PositionView[] = [];
    const now = await latestTime(hre);
    for (const [address, category] of await allPositions(hre)) {
      const view = await describePosition(hre, address, category);
      if (beneficiary === undefined || view.beneficiary === beneficiary) views.push(view);
    }
    return output(args.json, views, () =>
      views.length === 0
        ? ["no vesting positions"]
        : views.flatMap((v) => [
            `${v.category ?? "position"} ${v.address}${v.revoked ? " (revoked)" : v.revocable ? " (revocable)" : ""}`,
            `  beneficiary ${v.beneficiary}, votes delegated to ${v.delegate}`,
            `  total ${formatAlt(v.total)} | vested ${formatAlt(v.vested)} | released ${formatAlt(v.released)} | locked ${formatAlt(v.locked)}`,
            `  start ${formatWhen(v.start, now)}, cliff ${formatWhen(v.cliff, now)}, end ${formatWhen(v.end, now)}`,
          ]),
    );
  });

areaTask("vesting release", "Releases a position's vested ALT to its beneficiary")
  .addParam("position", "Position address or genesis category (e.g. Team)")
  .addOptionalParam("from", "Acting account (default: the first account); funds always go to the beneficiary")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { position: string; from?: string; json: boolean }, hre) => {
    const [address, category] = await resolvePosition(hre, args.position);
    const view = await describePosition(hre, address, category);
    if (view.releasable === 0n) {
      const why = view.revoked
        ? "the position was revoked and its vested part is released"
        : view.released === view.total
          ? "everything is released"
          : `nothing vests before the cliff at ${formatWhen(view.cliff, await latestTime(hre))}`;
      fail(`nothing to release from ${category ?? address}: ${why}`);
    }
    const signer = await signerFor(hre, args.from);
    const position = await vestingPosition(hre, address);
    const tx = await confirm(position.connect(signer).release());
    const after = await position.schedule();
    const result = {
      position: address,
      category,
      beneficiary: view.beneficiary,
      amount: after.released - view.released,
      tx,
    };
    return output(args.json, result, () => [
      txLine(`released ${formatAlt(result.amount)} to ${result.beneficiary}`, tx),
    ]);
  });

// ------------------------------------------------------------------ the beneficiary's and the owner's actions

/** The position named by --position, its view, and the acting signer. */
async function positionAndSigner(hre: HardhatRuntimeEnvironment, ref: string, from?: string) {
  const [address, category] = await resolvePosition(hre, ref);
  const view = await describePosition(hre, address, category);
  const signer = await signerFor(hre, from);
  const sender = await signer.getAddress();
  const position = (await vestingPosition(hre, address)).connect(signer);
  return { address, category, name: category ?? address, view, signer, sender, position };
}

/** Refuses unless `sender` is the position's beneficiary. */
function requireBeneficiary(sender: string, view: PositionView, name: string, what: string) {
  if (sender !== view.beneficiary)
    fail(`${sender} is not the beneficiary of ${name}: only ${view.beneficiary} ${what}`);
}

/** Refuses unless `sender` owns the vesting factory (the revoker); returns the factory. */
async function requireFactoryOwner(hre: HardhatRuntimeEnvironment, sender: string, what: string) {
  const factory = await vestingFactory(hre);
  const owner = await factory.owner();
  if (sender !== owner) {
    fail(
      `${sender} is not the owner of the vesting factory: only ${owner} ${what} (after deploy governance, a proposal)`,
    );
  }
  return factory;
}

const positionTask = (name: string, description: string) =>
  areaTask(name, description)
    .addParam("position", "Position address or genesis category (e.g. Team)")
    .addOptionalParam("from", "Acting account (default: the first account)")
    .addFlag("json", "Print JSON");

interface PositionArgs {
  position: string;
  from?: string;
  json: boolean;
}

positionTask("vesting delegate", "Delegates a position's ALT votes (the beneficiary only)")
  .addParam("to", "The delegatee")
  .setAction(async (args: PositionArgs & { to: string }, hre) => {
    const to = parseAddress(args.to, "--to");
    const { address, category, name, view, sender, position } = await positionAndSigner(hre, args.position, args.from);
    requireBeneficiary(sender, view, name, "delegates its votes");
    if (view.delegate === to) fail(`the votes of ${name} are delegated to ${to} already`);
    await preflight(position.delegate.staticCall(to));
    const tx = await confirm(position.delegate(to));
    const token = await altToken(hre);
    const result = {
      position: address,
      category,
      previous: view.delegate,
      delegatee: to,
      votes: await token.getVotes(to),
      tx,
    };
    return output(args.json, result, () => [
      txLine(
        `votes of ${name} delegated to ${to} (was ${view.delegate}); ${to} has ${formatAlt(result.votes)} of votes`,
        tx,
      ),
    ]);
  });

positionTask(
  "vesting transfer-beneficiary",
  "Offers a position to a new beneficiary (the beneficiary only); it becomes theirs once they accept " +
    "(vesting accept-beneficiary)",
)
  .addParam("to", "The new beneficiary")
  .setAction(async (args: PositionArgs & { to: string }, hre) => {
    const to = parseAddress(args.to, "--to");
    const { address, category, name, view, sender, position } = await positionAndSigner(hre, args.position, args.from);
    requireBeneficiary(sender, view, name, "hands it over");
    if (to === ZeroAddress) fail("--to is the zero address: nobody could accept the position");
    if (to === view.beneficiary) fail(`${to} is the beneficiary of ${name} already`);
    await preflight(position.transferBeneficiary.staticCall(to));
    const tx = await confirm(position.transferBeneficiary(to));
    const result = { position: address, category, beneficiary: view.beneficiary, pendingBeneficiary: to, tx };
    return output(args.json, result, () => [
      txLine(`${name} offered to ${to}`, tx),
      `  ${view.beneficiary} stays the beneficiary until ${to} accepts: ` +
        `vesting accept-beneficiary --position ${name} --from ${to}`,
    ]);
  });

positionTask(
  "vesting accept-beneficiary",
  "Accepts a position offered to the sender (vesting transfer-beneficiary)",
).setAction(async (args: PositionArgs, hre) => {
  const { address, category, name, view, sender, position } = await positionAndSigner(hre, args.position, args.from);
  const pending = await position.pendingBeneficiary();
  if (pending === ZeroAddress)
    fail(`${name} is offered to nobody: its beneficiary offers it first (vesting transfer-beneficiary)`);
  if (pending !== sender) fail(`${name} is offered to ${pending}, not ${sender}`);
  await preflight(position.acceptBeneficiary.staticCall());
  const tx = await confirm(position.acceptBeneficiary());
  const result = { position: address, category, previous: view.beneficiary, beneficiary: sender, tx };
  return output(args.json, result, () => [
    txLine(`${sender} is the beneficiary of ${name} (was ${view.beneficiary})`, tx),
    `  its votes stay delegated to ${view.delegate}: vesting delegate moves them`,
  ]);
});

positionTask(
  "vesting revoke",
  "Revokes a revocable position (the vesting factory's owner only): what vested stays the beneficiary's, the rest " +
    "goes to the factory's treasury",
).setAction(async (args: PositionArgs, hre) => {
  const { address, category, name, view, sender, position } = await positionAndSigner(hre, args.position, args.from);
  await requireFactoryOwner(hre, sender, "revokes");
  if (view.revoked) fail(`${name} is revoked already`);
  if (!view.revocable) fail(`${name} is not revocable`);
  await preflight(position.revoke.staticCall());
  const tx = await confirm(position.revoke());
  const [revoked] = await eventsOf(hre, tx, position, "Revoked");
  const result = {
    position: address,
    category,
    vested: revoked.args.vested as bigint,
    unvested: revoked.args.unvested as bigint,
    treasury: revoked.args.treasury as string,
    tx,
  };
  return output(args.json, result, () => [
    txLine(`revoked ${name}: ${formatAlt(result.unvested)} unvested to the treasury ${result.treasury}`, tx),
    `  ${formatAlt(result.vested)} vested stays ${view.beneficiary}'s (${formatAlt(result.vested - view.released)} ` +
      "still to release)",
  ]);
});

positionTask(
  "vesting sweep",
  "Sends tokens sent to a position by mistake to the factory's treasury (the factory's owner only); of ALT, only " +
    "what the schedule does not owe",
)
  .addOptionalParam("token", "The token to sweep (default: ALT)")
  .setAction(async (args: PositionArgs & { token?: string }, hre) => {
    const { address, category, name, view, sender, position } = await positionAndSigner(hre, args.position, args.from);
    const alt = await altToken(hre);
    const tokenAddress = args.token === undefined ? await alt.getAddress() : parseAddress(args.token, "--token");
    await requireFactoryOwner(hre, sender, "sweeps");
    if ((await hre.ethers.provider.getCode(tokenAddress)) === "0x") fail(`--token ${tokenAddress} is not a contract`);
    const token = await hre.ethers.getContractAt("IERC20Metadata", tokenAddress);
    const isAlt = tokenAddress === (await alt.getAddress());
    const symbol = isAlt ? "ALT" : await token.symbol().catch(() => tokenAddress);
    const balance = await token.balanceOf(address);
    const owed = isAlt ? view.total - view.released : 0n;
    const surplus = balance - owed;
    if (surplus <= 0n) {
      fail(
        `nothing to sweep from ${name}: it holds ${isAlt ? formatAlt(balance) : `${balance} ${symbol}`}` +
          (isAlt ? `, all owed to its beneficiary` : ""),
      );
    }
    await preflight(position.sweep.staticCall(tokenAddress));
    const tx = await confirm(position.sweep(tokenAddress));
    const [swept] = await eventsOf(hre, tx, position, "SurplusSwept");
    const result = {
      position: address,
      category,
      token: tokenAddress,
      amount: swept.args.amount as bigint,
      treasury: swept.args.treasury as string,
      tx,
    };
    return output(args.json, result, () => [
      txLine(
        `swept ${isAlt ? formatAlt(result.amount) : `${result.amount} ${symbol}`} from ${name} to the treasury ` +
          result.treasury,
        tx,
      ),
    ]);
  });

areaTask("vesting set-treasury", "Changes where revoked and swept tokens go (the vesting factory's owner only)")
  .addParam("treasury", "The new treasury")
  .addOptionalParam("from", "Acting account, the factory's owner (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { treasury: string; from?: string; json: boolean }, hre) => {
    const treasury = parseAddress(args.treasury, "--treasury");
    const signer = await signerFor(hre, args.from);
    const factory = await requireFactoryOwner(hre, await signer.getAddress(), "sets the treasury");
    if (treasury === ZeroAddress) fail("--treasury is the zero address");
    const previous = await factory.treasury();
    if (previous === treasury) fail(`the treasury is ${treasury} already`);
    await preflight(factory.connect(signer).setTreasury.staticCall(treasury));
    const tx = await confirm(factory.connect(signer).setTreasury(treasury));
    return output(args.json, { previous, treasury, tx }, () => [
      txLine(`vesting treasury ${previous} -> ${treasury}`, tx),
    ]);
  });

// ------------------------------------------------------------------ creating positions

/** A position as vesting create reads it from its file (see docs/operations.md). */
export interface PositionParams {
  beneficiary: string;
  start: bigint;
  cliffDuration: bigint;
  duration: bigint;
  amount: bigint;
  revocable: boolean;
  delegatee: string;
  salt: string;
}

const UINT48_MAX = 2n ** 48n - 1n;
const UINT96_MAX = 2n ** 96n - 1n;

/** A start time: unix seconds, an ISO 8601 date, or 0 / absent for the block the positions are created in. */
function parseStart(value: unknown, where: string): bigint {
  if (value === undefined || value === null || value === 0 || value === "0") return 0n;
  if (typeof value === "number" || /^\d+$/.test(String(value))) {
    const seconds = BigInt(String(value));
    if (seconds > UINT48_MAX) fail(`${where}: start ${value} is too far in the future`);
    return seconds;
  }
  const ms = Date.parse(String(value));
  if (Number.isNaN(ms)) fail(`${where}: start "${value}" is neither unix seconds nor an ISO 8601 date`);
  return BigInt(Math.floor(ms / 1000));
}

/** Reads the positions file: a JSON list of positions; refuses a malformed entry naming it. */
function readPositions(file: string): PositionParams[] {
  if (!existsSync(file)) fail(`positions file not found: ${file}`);
  const data = parseOr(`${file} is not valid JSON`, () => JSON.parse(readFileSync(file, "utf8")));
  if (!Array.isArray(data) || data.length === 0) fail(`${file}: expected a non-empty list of positions`);
  const salts = new Set<string>();
  return data.map((entry: Record<string, unknown> | null, i: number) => {
    const where = `${file} entry ${i}`;
    if (entry === null || typeof entry !== "object") fail(`${where}: expected an object`);
    const address = (key: string, fallback?: string) => {
      const value = entry[key] ?? fallback;
      if (typeof value !== "string" || !isAddress(value)) fail(`${where}: ${key} is not a valid address: ${value}`);
      return getAddress(value);
    };
    const beneficiary = address("beneficiary");
    if (beneficiary === ZeroAddress) fail(`${where}: beneficiary is the zero address`);
    const amount = parseOr(`${where}: amount`, () => parseTokenAmount(String(entry.amount ?? "")));
    if (amount === 0n) fail(`${where}: amount must be positive`);
    if (amount > UINT96_MAX) fail(`${where}: amount ${formatAlt(amount)} is too large`);
    const duration = BigInt(parseOr(`${where}: duration`, () => parseDuration(String(entry.duration ?? ""))));
    const cliffDuration = BigInt(parseOr(`${where}: cliff`, () => parseDuration(String(entry.cliff ?? "0"))));
    if (cliffDuration > duration)
      fail(`${where}: the cliff (${entry.cliff}) is longer than the duration (${entry.duration})`);
    const start = parseStart(entry.start, where);
    if (start + duration > UINT48_MAX) fail(`${where}: the schedule ends too far in the future`);
    if (entry.revocable !== undefined && typeof entry.revocable !== "boolean")
      fail(`${where}: revocable must be true or false`);
    const delegatee = entry.delegatee === undefined ? beneficiary : address("delegatee");
    // a salt names the position's address (with the creator's): text is hashed, 32 bytes of hex taken as they are
    const saltText =
      entry.salt === undefined ? `vesting create:${beneficiary}:${amount}:${start}:${i}` : String(entry.salt);
    const salt = isHexString(saltText, 32) ? saltText.toLowerCase() : id(saltText);
    if (salts.has(salt)) fail(`${where}: salt ${saltText} is used by an earlier entry`);
    salts.add(salt);
    return {
      beneficiary,
      start,
      cliffDuration,
      duration,
      amount,
      revocable: entry.revocable === true,
      delegatee,
      salt,
    };
  });
}

areaTask(
  "vesting create",
  "Creates vesting positions from a JSON file, paying their ALT from the sender (approving the factory first with " +
    "--approve); every position is checked, and the creation simulated, before anything is sent",
)
  .addParam("positions", "JSON list of {beneficiary, amount, duration, cliff?, start?, revocable?, delegatee?, salt?}")
  .addFlag("approve", "Approve the factory for the total first when the allowance is short")
  .addOptionalParam("from", "Acting account, the creator paying the ALT (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { positions: string; approve: boolean; from?: string; json: boolean }, hre) => {
    const params = readPositions(args.positions);
    const factory = await vestingFactory(hre);
    const token = await altToken(hre);
    const signer = await signerFor(hre, args.from);
    const creator = await signer.getAddress();
    const factoryAddress = await factory.getAddress();
    const total = params.reduce((sum, p) => sum + p.amount, 0n);
    await requireAlt(token, creator, total);
    for (const [i, p] of params.entries()) {
      const predicted = await factory.predictPositionAddress(creator, p.salt);
      if ((await hre.ethers.provider.getCode(predicted)) !== "0x") {
        fail(
          `${args.positions} entry ${i}: ${creator} created a position with this salt already (${predicted}): give another salt`,
        );
      }
    }
    const allowance = await token.allowance(creator, factoryAddress);
    let approveTx: TxReport | null = null;
    if (allowance >= total) {
      await preflight(factory.connect(signer).createPositions.staticCall(params, { blockTag: "pending" }));
    } else {
      if (!args.approve) {
        fail(
          `the factory may take ${formatAlt(allowance)} of ${creator}'s ALT, less than the ${formatAlt(total)} needed: pass --approve`,
        );
      }
      // the creation cannot be simulated before the approval is mined: its rules are checked above (beneficiaries,
      // amounts, cliffs, ends, unused salts, the balance), and the approval simulated before it is sent
      await preflight(token.connect(signer).approve.staticCall(factoryAddress, total, { blockTag: "pending" }));
      approveTx = await confirm(token.connect(signer).approve(factoryAddress, total));
    }
    const tx = await confirm(factory.connect(signer).createPositions(params));
    const created = (await eventsOf(hre, tx, factory, "PositionCreated")).map((e) => ({
      position: e.args.position as string,
      beneficiary: e.args.beneficiary as string,
      amount: e.args.amount as bigint,
      start: Number(e.args.start),
      cliff: Number(e.args.cliff),
      end: Number(e.args.end),
      revocable: e.args.revocable as boolean,
    }));
    const now = await latestTime(hre);
    const result = { creator, total, positions: created, approveTx, tx };
    return output(args.json, result, () => [
      ...(approveTx ? [txLine(`approved ${formatAlt(total)} to the vesting factory`, approveTx)] : []),
      txLine(`created ${created.length} vesting position(s) holding ${formatAlt(total)}`, tx),
      ...created.flatMap((c) => [
        `  ${c.position} for ${c.beneficiary}: ${formatAlt(c.amount)}${c.revocable ? " (revocable)" : ""}`,
        `    start ${formatWhen(c.start, now)}, cliff ${formatWhen(c.cliff, now)}, end ${formatWhen(c.end, now)}`,
      ]),
    ]);
  });
