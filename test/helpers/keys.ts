// Operator signing keys for tests: deterministic wallets, and the proof that an operator controls one.
import { getBytes, id, Wallet } from "ethers";
import type { RestakingRegistry } from "../../typechain-types";

const known = new Map<string, Wallet>();

/** Remembers `wallet` as a signing key whose proofs `keyProof` can make; returns it. */
export function rememberKey(wallet: Wallet): Wallet {
  known.set(wallet.address, wallet);
  return wallet;
}

/** A signing-key wallet derived from a label (the same label gives the same key). */
export const keyWallet = (label: string) => rememberKey(new Wallet(id(`alt-test-signing-key:${label}`)));

/**
 * The `keyProof` argument of `registerOperator` / `rotateSigningKey` for `key` and `operator`: "0x" when the key is the
 * operator itself (or unknown here, e.g. the zero address), else the key's signature of the registry's message.
 */
export async function keyProof(registry: RestakingRegistry, key: string, operator: string): Promise<string> {
  const wallet = known.get(key);
  if (key === operator || wallet === undefined) return "0x";
  return wallet.signMessage(getBytes(await registry.signingKeyMessage(operator)));
}
