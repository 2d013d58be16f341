// The L2's withdrawals tree and its proofs, as the portal checks them: an OpenZeppelin standard Merkle tree of
// (nonce, sender, recipient, token, amount) leaves, each double-hashed, whose root an output commits to (its
// withdrawalsRoot). The tree is cumulative: each output's root covers every withdrawal the L2 has made up to its block,
// so any finalized output at or after a withdrawal proves it: the output at L2 block B commits to every withdrawal made in
// blocks up to B (`treeAt`).
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { AbiCoder, getAddress, isAddress, keccak256, ZeroAddress, ZeroHash } from "ethers";

/** Leaf encoding of `Portal.withdrawalHash`. */
export const WITHDRAWAL_LEAF = ["uint256", "address", "address", "address", "uint256"] as const;

/** An L2→L1 withdrawal: `amount` of `token` (the zero address: ETH) from `sender` on L2 to `recipient` on L1. */
export interface Withdrawal {
  nonce: bigint;
  sender: string;
  recipient: string;
  token: string;
  amount: bigint;
}

/** The parts of an output root the rollup does not store: what `Portal.claimWithdrawal` takes with the proof. */
export interface OutputProof {
  withdrawalsRoot: string;
  batchRoot: string;
  parentRoot: string;
}

const leafValues = (w: Withdrawal) => [w.nonce, w.sender, w.recipient, w.token, w.amount];

/** The withdrawal itself, as `Portal.claimWithdrawal` takes it: `w` without what else a record of it carries. */
export function leafOf(w: Withdrawal): Withdrawal {
  return { nonce: w.nonce, sender: w.sender, recipient: w.recipient, token: w.token, amount: w.amount };
}

/** A withdrawal's leaf and ID on L1 (`Portal.withdrawalHash`). */
export function withdrawalHash(w: Withdrawal): string {
  return keccak256(keccak256(AbiCoder.defaultAbiCoder().encode([...WITHDRAWAL_LEAF], leafValues(w))));
}

/** The withdrawals tree of `withdrawals` (the L2's, in nonce order); its root is zero when there are none. */
export class WithdrawalsTree {
  private readonly tree?: StandardMerkleTree<(string | bigint)[]>;
  private readonly index = new Map<string, number>();

  constructor(readonly withdrawals: readonly Withdrawal[]) {
    withdrawals.forEach((w, i) => {
      const hash = withdrawalHash(w);
      if (this.index.has(hash)) throw new Error(`withdrawal ${w.nonce} appears twice`);
      this.index.set(hash, i);
    });
    if (withdrawals.length !== 0) {
      // the library sorts leaves by hash by default: the tree is the same whatever order the withdrawals come in
      this.tree = StandardMerkleTree.of(withdrawals.map(leafValues), [...WITHDRAWAL_LEAF]);
    }
  }

  /** What an output commits to: zero while the L2 has made no withdrawal. */
  get root(): string {
    return this.tree?.root ?? ZeroHash;
  }

  /** The proof of `w` against `root`; throws if `w` is not in the tree. */
  proof(w: Withdrawal): string[] {
    const at = this.index.get(withdrawalHash(w));
    if (at === undefined || this.tree === undefined) throw new Error(`withdrawal ${w.nonce} is not in the tree`);
    return this.tree.getProof(at);
  }
}

/** Whether `proof` puts `w` under `root` (the portal's check, off-chain). */
export function verifyWithdrawal(root: string, w: Withdrawal, proof: string[]): boolean {
  return StandardMerkleTree.verify(root, [...WITHDRAWAL_LEAF], leafValues(w), proof);
}

/** One withdrawal of an L2's withdrawals file, with the L2 block it was made in. */
export interface L2Withdrawal extends Withdrawal {
  l2Block: bigint;
}

/**
 * The withdrawals an L2 has made, from a JSON file `{"withdrawals": [{nonce, l2Block, sender, recipient, token,
 * amount}]}` (what the L2's node exports; token `"ETH"` or the zero address for ETH; numbers as decimal strings or
 * numbers). Throws one line on a malformed entry or a nonce given twice.
 */
export function parseWithdrawals(json: unknown): L2Withdrawal[] {
  const list = (json as { withdrawals?: unknown })?.withdrawals;
  if (!Array.isArray(list)) throw new Error(`expected {"withdrawals": [...]}`);
  const nonces = new Set<bigint>();
  return list.map((entry: Record<string, unknown>, i) => {
    const whole = (key: string) => {
      const value = entry?.[key];
      if ((typeof value !== "string" && typeof value !== "number") || !/^\d+$/.test(String(value))) {
        throw new Error(`withdrawal ${i}: ${key} must be a whole number`);
      }
      return BigInt(value);
    };
    const address = (key: string) => {
      const value = entry?.[key];
      if (key === "token" && (value === "ETH" || value === undefined)) return ZeroAddress;
      if (typeof value !== "string" || !isAddress(value)) throw new Error(`withdrawal ${i}: ${key} must be an address`);
      return getAddress(value);
    };
    const w = {
      nonce: whole("nonce"),
      l2Block: whole("l2Block"),
      sender: address("sender"),
      recipient: address("recipient"),
      token: address("token"),
      amount: whole("amount"),
    };
    if (w.amount === 0n) throw new Error(`withdrawal ${i}: amount must be positive`);
    if (nonces.has(w.nonce)) throw new Error(`withdrawal ${i}: nonce ${w.nonce} is given twice`);
    nonces.add(w.nonce);
    return w;
  });
}

/** The tree an output at `l2BlockNumber` commits to: every withdrawal made at or before that block. */
export function treeAt(withdrawals: readonly L2Withdrawal[], l2BlockNumber: bigint): WithdrawalsTree {
  return new WithdrawalsTree(withdrawals.filter((w) => w.l2Block <= l2BlockNumber).map(leafOf));
}
