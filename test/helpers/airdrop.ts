// Airdrop trees as @openzeppelin/merkle-tree builds them: leaves (index, account, amount).
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";

export const AIRDROP_LEAF_ENCODING = ["uint256", "address", "uint256"];

export function airdropTree(entries: { account: string; amount: bigint }[]) {
  return StandardMerkleTree.of(
    entries.map((e, i) => [i, e.account, e.amount]),
    AIRDROP_LEAF_ENCODING,
  );
}
