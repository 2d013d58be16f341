// Airdrop tasks: build the Merkle tree and proofs from a list, claim with a proof, sweep what is unclaimed after the
// deadline.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "fs";
import path from "path";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { isAddress, getAddress } from "ethers";
import {
  confirm,
  fail,
  formatAlt,
  formatTime,
  output,
  parseAddress,
  parseOr,
  preflight,
  relativeTime,
  signerFor,
  txLine,
  areaTask,
} from "./lib/cli";
import { altToken, merkleAirdrop } from "./lib/genesis";
import { signDelegation } from "./lib/signatures";
import { parseTokenAmount } from "../deploy/lib/units";

/** Leaf encoding of the on-chain MerkleAirdrop: (index, account, amount), double-hashed by StandardMerkleTree. */
export const LEAF_ENCODING = ["uint256", "address", "uint256"];

export interface ProofsFile {
  root: string;
  total: string;
  count: number;
  leafEncoding: string[];
  claims: Record<string, { index: number; amount: string; proof: string[] }>;
}

/** Reads "address,amount" rows (CSV with optional header, or JSON list / object) in whole ALT. */
function readEntries(file: string): { address: string; amount: bigint }[] {
  if (!existsSync(file)) fail(`input file not found: ${file}`);
  const text = readFileSync(file, "utf8");
  let rows: [string, string, string][]; // [where, address, amount]
  if (/\.json$/i.test(file)) {
    const data = parseOr(`${file} is not valid JSON`, () => JSON.parse(text));
    const shape = `${file}: expected a list of {"address", "amount"} or an object of address: amount`;
    if (data === null || typeof data !== "object") fail(shape);
    rows = Array.isArray(data)
      ? data.map((e: { address?: unknown; amount?: unknown } | null, i: number) => {
          if (e === null || typeof e !== "object") fail(`${shape} (entry ${i})`);
          return [`entry ${i}`, String(e.address), String(e.amount)];
        })
      : Object.entries(data).map(([address, amount]) => [`entry ${address}`, address, String(amount)]);
  } else {
    rows = [];
    text.split(/\r?\n/).forEach((line, i) => {
      const cells = line.split(",").map((c) => c.trim());
      if (line.trim() === "" || (i === 0 && !cells[0].startsWith("0x"))) return; // blank line or header
      if (cells.length !== 2) fail(`${file} line ${i + 1}: expected "address,amount", got ${cells.length} columns`);
      rows.push([`line ${i + 1}`, cells[0], cells[1]]);
    });
  }
  if (rows.length === 0) fail(`${file} has no entries`);
  const seen = new Set<string>();
  return rows.map(([where, address, amount]) => {
    if (!isAddress(address)) fail(`${file} ${where}: invalid address ${address}`);
    const checksummed = getAddress(address);
    if (seen.has(checksummed)) fail(`${file} ${where}: duplicate address ${checksummed}`);
    seen.add(checksummed);
    const wei = parseOr(`${file} ${where}`, () => parseTokenAmount(amount ?? ""));
    if (wei === 0n) fail(`${file} ${where}: zero amount for ${checksummed}`);
    return { address: checksummed, amount: wei };
  });
}

/** Builds the tree and proofs file content for a list of entries; the leaf index is the entry's position. */
export function buildProofs(entries: { address: string; amount: bigint }[]): ProofsFile {
  const tree = StandardMerkleTree.of(
    entries.map((e, i) => [i, e.address, e.amount]),
    LEAF_ENCODING,
  );
  const claims: ProofsFile["claims"] = {};
  for (const [i, [index, address, amount]] of tree.entries()) {
    claims[address as string] = { index: Number(index), amount: String(amount), proof: tree.getProof(i) };
  }
  const total = entries.reduce((sum, e) => sum + e.amount, 0n);
  return { root: tree.root, total: total.toString(), count: entries.length, leafEncoding: LEAF_ENCODING, claims };
}

areaTask("airdrop build", "Builds the airdrop Merkle root and a proofs file from a CSV or JSON of address,amount (ALT)")
  .addParam("input", "CSV (address,amount per line) or JSON ([{address, amount}] or {address: amount})")
  .addParam("out", "Proofs file to write (JSON)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { input: string; out: string; json: boolean }) => {
    const proofs = buildProofs(readEntries(args.input));
    try {
      mkdirSync(path.dirname(args.out), { recursive: true });
      writeFileSync(args.out, JSON.stringify(proofs, null, 2) + "\n");
    } catch (e) {
      fail(`cannot write ${args.out}: ${(e as Error).message}`);
    }
    const summary = { root: proofs.root, total: proofs.total, count: proofs.count, out: args.out };
    return output(args.json, summary, () => [
      `root  ${proofs.root}`,
      `total ${formatAlt(BigInt(proofs.total))} to ${proofs.count} accounts`,
      `proofs written to ${args.out}`,
    ]);
  });

areaTask(
  "airdrop claim",
  "Claims an airdrop allocation with its proof, optionally delegating the votes in the same call",
)
  .addParam("proofs", "Proofs file written by airdrop build")
  .addOptionalParam("account", "Account to claim for (default: the acting account); tokens always go to it")
  .addOptionalParam("delegate", "Also delegate the account's votes (the acting account must be the account)")
  .addOptionalParam("from", "Acting account (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(
    async (args: { proofs: string; account?: string; delegate?: string; from?: string; json: boolean }, hre) => {
      if (!existsSync(args.proofs)) fail(`proofs file not found: ${args.proofs}`);
      const file = parseOr(`${args.proofs} is not a proofs file`, () => JSON.parse(readFileSync(args.proofs, "utf8")));
      if (typeof file?.root !== "string" || typeof file.claims !== "object" || file.claims === null) {
        fail(`${args.proofs} is not a proofs file`);
      }
      const proofs = file as ProofsFile;
      const signer = await signerFor(hre, args.from);
      const signerAddress = await signer.getAddress();
      const account = args.account === undefined ? signerAddress : parseAddress(args.account, "--account");
      const delegatee = args.delegate === undefined ? undefined : parseAddress(args.delegate, "--delegate");
      const entry = Object.entries(proofs.claims).find(([a]) => a.toLowerCase() === account.toLowerCase())?.[1];
      if (!entry) fail(`no claim for ${account} in ${args.proofs}`);

      const airdrop = await merkleAirdrop(hre);
      const root = await airdrop.merkleRoot();
      if (root !== proofs.root) fail(`${args.proofs} is for root ${proofs.root}, but the airdrop's root is ${root}`);
      const deadline = await airdrop.deadline();
      const now = (await hre.ethers.provider.getBlock("latest"))!.timestamp;
      if (BigInt(now) >= deadline) {
        fail(`the claim window closed at ${formatTime(deadline)} (${relativeTime(Number(deadline), now)})`);
      }
      if (await airdrop.isClaimed(entry.index)) fail(`already claimed: ${account} (leaf ${entry.index})`);
      const leaf = [entry.index, account, entry.amount];
      if (!StandardMerkleTree.verify(root, LEAF_ENCODING, leaf, entry.proof)) fail(`wrong proof for ${account}`);

      let tx;
      if (delegatee === undefined) {
        tx = await confirm(airdrop.connect(signer).claim(entry.index, account, entry.amount, entry.proof));
      } else {
        if (signerAddress !== account) fail(`--delegate needs ${account} itself to sign: pass --from ${account}`);
        const token = await altToken(hre);
        const expiry = BigInt(now) + 3600n;
        const { v, r, s } = await signDelegation(signer, token, {
          delegatee,
          nonce: await token.nonces(account),
          expiry,
        });
        tx = await confirm(
          airdrop
            .connect(signer)
            .claimAndDelegate(entry.index, account, entry.amount, entry.proof, delegatee, expiry, v, r, s),
        );
      }
      const result = { account, index: entry.index, amount: entry.amount, delegatee: delegatee ?? null, tx };
      return output(args.json, result, () => [
        txLine(`claimed ${formatAlt(BigInt(entry.amount))} for ${account}`, tx),
        ...(delegatee ? [`  votes delegated to ${delegatee}`] : []),
      ]);
    },
  );

areaTask(
  "airdrop sweep",
  "Sends the airdrop's unclaimed ALT to its treasury once the claim window has closed (anyone); nothing can be " +
    "claimed after",
)
  .addOptionalParam("from", "Acting account (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { from?: string; json: boolean }, hre) => {
    const airdrop = await merkleAirdrop(hre);
    const token = await altToken(hre);
    const deadline = await airdrop.deadline();
    const now = (await hre.ethers.provider.getBlock("latest"))!.timestamp;
    // the sweep is mined after the latest block: from the deadline on, its block is past it
    if (BigInt(now) < deadline) {
      fail(
        `the claim window is open until ${formatTime(deadline)} (${relativeTime(Number(deadline), now)}): ` +
          "the unclaimed ALT can be swept after it",
      );
    }
    const airdropAddress = await airdrop.getAddress();
    const amount = await token.balanceOf(airdropAddress);
    if (amount === 0n) fail("nothing to sweep: the airdrop holds no ALT");
    const signer = await signerFor(hre, args.from);
    const treasury = await airdrop.treasury();
    await preflight(airdrop.connect(signer).sweep.staticCall({ blockTag: "pending" }));
    const tx = await confirm(airdrop.connect(signer).sweep());
    return output(args.json, { amount, treasury, deadline, tx }, () => [
      txLine(`swept ${formatAlt(amount)} of unclaimed airdrop ALT to the treasury ${treasury}`, tx),
    ]);
  });
