// Sending many transactions fast on the in-process network: automining off, mined in as few blocks as the block gas
// limit allows (fixtures of hundreds of operators).
import { expect } from "chai";
import { ethers, network } from "hardhat";
import type { TransactionResponse } from "ethers";

/** Explicit fees for transactions sent with automining off (no estimate against a pending state); add a gasLimit. */
export const BATCH_FEES = { maxFeePerGas: 1_000n * 10n ** 9n, maxPriorityFeePerGas: 10n ** 9n };

/**
 * Sends many transactions with automining off and mines them in as few blocks as the block gas limit allows, then
 * checks that every one of them succeeded; returns their hashes in the order sent.
 */
export async function inBlocks(send: () => Promise<(TransactionResponse | string)[]>): Promise<string[]> {
  await network.provider.send("evm_setAutomine", [false]);
  let sent: (TransactionResponse | string)[];
  try {
    sent = await send();
    for (let blocks = 0; ; blocks++) {
      const pending = await network.provider.send("eth_getBlockByNumber", ["pending", false]);
      if (pending.transactions.length === 0) break;
      if (blocks > 1_000) throw new Error("inBlocks: transactions still pending after 1,000 blocks");
      await network.provider.send("evm_mine");
    }
  } finally {
    await network.provider.send("evm_setAutomine", [true]);
  }
  const hashes = sent.map((tx) => (typeof tx === "string" ? tx : tx.hash));
  const receipts = await Promise.all(hashes.map((hash) => ethers.provider.getTransactionReceipt(hash)));
  for (const [i, receipt] of receipts.entries()) {
    if (receipt === null) throw new Error(`inBlocks: ${hashes[i]} was never mined`);
    expect(receipt.status, `transaction ${hashes[i]}`).to.equal(1);
  }
  return hashes;
}
