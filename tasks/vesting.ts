// Vesting tasks: list positions, release vested ALT.
import { task } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { isAddress } from "ethers";
import { confirm, fail, formatAlt, formatTime, output, parseAddress, signerFor, txLine } from "./lib/cli";
import { altToken, genesisCategories, vestingFactory, vestingPosition } from "./lib/genesis";

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
  const events = await factory.queryFilter(factory.filters.PositionCreated());
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

task("vesting:list", "Lists vesting positions: total, vested, released, locked, delegate")
  .addOptionalParam("beneficiary", "Only positions of this beneficiary")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { beneficiary?: string; json: boolean }, hre) => {
    const beneficiary = args.beneficiary === undefined ? undefined : parseAddress(args.beneficiary, "--beneficiary");
    const views: PositionView[] = [];
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
            `  start ${formatTime(v.start)}, cliff ${formatTime(v.cliff)}, end ${formatTime(v.end)}`,
          ]),
    );
  });

task("vesting:release", "Releases a position's vested ALT to its beneficiary")
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
          : `nothing vests before the cliff at ${formatTime(view.cliff)}`;
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
