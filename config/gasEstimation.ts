// Gas estimation on the in-process network bounded by the transaction gas cap (EIP-7825, Osaka).
//
// Why: the EDR build of Hardhat 2.29.1 (0.12.0-next.23) binary-searches `eth_estimateGas` between the gas the call used
// and the *block* gas limit (60M on Osaka). It searches only when the call does not succeed with the gas it used —
// a call that must keep gas in reserve, such as VitalService's guarded calls (`gasleft()` checked before a try/catch
// so that nobody can starve the call into its catch branch) — and its first probe, halfway to the block gas limit, is
// above Osaka's cap of 2^24: the node answers "transaction gas limit (30116445) is greater than the cap (16777216)"
// and the estimate fails. EDR fixed it upstream (the search is bounded by the transaction's gas limit), in releases
// Hardhat 2 does not use; geth, reth and erigon bound their search by the cap as well. Public Osaka nodes therefore
// estimate these calls correctly; this wrapper makes the in-process network and `npx hardhat node` do the same.
//
// How: every request passes through untouched. Only an `eth_estimateGas` that EDR refused with that cap error is
// estimated again, here: the smallest gas limit (within ESTIMATE_PRECISION) at which the same call, sent as `eth_call`
// with that limit, succeeds, searched between 21,000 and the cap the node named (or the caller's own lower limit). A
// call that fails even at the cap throws that `eth_call`'s error, as an estimate of a reverting call does.
import { ProviderWrapper } from "hardhat/plugins";
import { BackwardsCompatibilityProviderAdapter } from "hardhat/internal/core/providers/backwards-compatibility";
import type { EIP1193Provider, EthereumProvider, RequestArguments } from "hardhat/types";

/** What EDR says when a probe's gas limit is over the hardfork's transaction gas cap. */
const CAP_ERROR = /transaction gas limit \((\d+)\) is greater than the cap \((\d+)\)/;
/** No transaction uses less (the intrinsic gas of a plain transfer). */
const MIN_GAS = 21_000n;
/** The search stops once the bounds are this close, relative to the upper one (1/64: at most ~1.6 % over). */
export const ESTIMATE_PRECISION = 64n;

type CallRequest = Record<string, unknown> & { gas?: string };

export class CappedGasEstimation extends ProviderWrapper {
  constructor(provider: EIP1193Provider) {
    super(provider);
  }

  async request(args: RequestArguments): Promise<unknown> {
    if (args.method !== "eth_estimateGas") return this._wrappedProvider.request(args);
    try {
      return await this._wrappedProvider.request(args);
    } catch (error) {
      const capped = CAP_ERROR.exec(error instanceof Error ? error.message : String(error));
      if (capped === null) throw error;
      const [call, block] = this._getParams<[CallRequest, unknown?]>(args) as [CallRequest, unknown?];
      return `0x${(await this.estimateWithin(call, block ?? "pending", BigInt(capped[2]))).toString(16)}`;
    }
  }

  /** The smallest gas limit, up to `cap` (or the call's own lower one), at which `call` succeeds, within the precision. */
  private async estimateWithin(call: CallRequest, block: unknown, cap: bigint): Promise<bigint> {
    const run = (gas: bigint) =>
      this._wrappedProvider.request({ method: "eth_call", params: [{ ...call, gas: `0x${gas.toString(16)}` }, block] });
    let high = call.gas === undefined ? cap : BigInt(call.gas) < cap ? BigInt(call.gas) : cap;
    await run(high); // a call that fails with all the gas it may have fails the estimate with its own error
    let low = MIN_GAS - 1n; // the largest limit known to fail
    while ((high - low) * ESTIMATE_PRECISION > high) {
      const middle = (low + high) / 2n;
      const fits = await run(middle).then(
        () => true,
        () => false,
      );
      if (fits) high = middle;
      else low = middle;
    }
    return high;
  }
}

const WRAPPED = Symbol("CappedGasEstimation");

/**
 * `provider` with its gas estimates bounded by the cap, as the EthereumProvider Hardhat exposes (request, send,
 * sendAsync, events). Wrapping twice returns the wrapped provider itself.
 */
export function withCappedGasEstimation(provider: EthereumProvider): EthereumProvider {
  if ((provider as unknown as Record<symbol, boolean>)[WRAPPED]) return provider;
  const wrapped = new BackwardsCompatibilityProviderAdapter(new CappedGasEstimation(provider));
  Object.defineProperty(wrapped, WRAPPED, { value: true });
  return wrapped;
}
