// The simulation's chain driver on the in-process network: its own clock (every block at a timestamp the simulation
// chooses), seeded block randomness, impersonated accounts, and each transaction's receipt checked and its gas counted
// under an action name, and per epoch under the action's category.
//
// Each transaction is mined on its own block, one second after the previous one: measured on EDR, queueing
// transactions with automine off and mining them together is slower (its mempool costs grow with every pending
// transaction: 400 transactions took 8.6 s in one block, 0.44 s as 400 blocks).
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Interface, Result } from "ethers";
import { toBeHex } from "ethers";
import { fail, revertReason } from "../cli";
import { categoryOf, GAS_CATEGORIES, type EpochGas, type GasCategory, type GasRow } from "./report";

/** Gas limit of every simulated transaction (none is estimated: estimation would run each one twice). */
const TX_GAS = toBeHex(15_000_000);
/** ETH each actor gets for gas (the amounts in the report are ALT; ETH spent on gas is not reported). */
const ACTOR_ETH = toBeHex(10n ** 24n);

type Provider = HardhatRuntimeEnvironment["network"]["provider"];

/** A receipt as the node returns it (hex quantities, lowercase addresses). */
export interface RawReceipt {
  gasUsed: string;
  logs: { address: string; topics: string[]; data: string }[];
}

/** A contract handle (typechain or ethers): its address and its ABI. */
export interface CallTarget {
  target: unknown;
  interface: Interface;
}

export interface MinedReceipt {
  action: string;
  receipt: RawReceipt;
  /** The block's timestamp. */
  time: number;
}

export class Chain {
  private readonly provider: Provider;
  private readonly gasByAction = new Map<string, { count: number; gas: number }>();
  private readonly gasByEpoch = new Map<number, Record<GasCategory, number>>();
  private readonly actors = new Set<string>();
  private mined: MinedReceipt[] = [];
  /** Timestamp of the last block mined. */
  time = 0;
  /** Timestamp of the next block. */
  private next = 0;
  blocks = 0;
  actions = 0;
  /** The simulation's epoch the transactions sent now are counted in (0: setup); the engine moves it on. */
  epoch = 0;

  constructor(
    private readonly hre: HardhatRuntimeEnvironment,
    /** Decodes a refusal's revert data (every contract's custom errors). */
    private readonly errors: Interface,
    /** Block randomness for the simulation's block `n` (the chain's own would depend on everything before it). */
    private readonly randomness: (block: number) => string,
  ) {
    this.provider = hre.network.provider;
  }

  /** A fresh in-process chain: deployments and balances of any earlier run in this process are gone. */
  async reset() {
    if (this.hre.network.name !== "hardhat")
      fail("simulate runs on the in-process hardhat network only: drop --network");
    const { reset } = await import("@nomicfoundation/hardhat-network-helpers");
    await reset(); // also forgets the snapshots of loadFixture
  }

  /**
   * Runs `deploy` (transactions sent by someone else, e.g. Ignition) with its blocks at `start`, `start + 1`, ...: the
   * deployment's timestamps, and so everything after it, no longer depend on the wall clock.
   */
  async pinned<T>(start: number, deploy: () => Promise<T>): Promise<T> {
    const provider = this.provider;
    const original = provider.request.bind(provider);
    let next = start;
    provider.request = async (args) => {
      if (args.method === "eth_sendTransaction" || args.method === "eth_sendRawTransaction") {
        await original({ method: "evm_setNextBlockTimestamp", params: [next++] });
      }
      return original(args);
    };
    try {
      return await deploy();
    } finally {
      provider.request = original;
      this.time = next - 1;
      this.next = next;
    }
  }

  /**
   * Starts a step planned at `timestamp`: the next transaction is mined then, or one second after the last block if a
   * long step before ran past it; each later one a second after the one before.
   */
  at(timestamp: number) {
    this.next = Math.max(timestamp, this.time + 1);
  }

  /** Lets `address` send transactions (an impersonated account with ETH for gas). */
  async actor(address: string) {
    if (this.actors.has(address)) return;
    this.actors.add(address);
    await this.provider.send("hardhat_impersonateAccount", [address]);
    await this.provider.send("hardhat_setBalance", [address, ACTOR_ETH]);
  }

  /**
   * Calls `fn` of `contract` from `from`, mined at the current time and counted under `action` and, in the current
   * epoch, under its category. A refusal ends the simulation with its decoded reason (a simulation bug, never
   * expected); so does an action without a category, before anything is sent. `value`: wei of ETH sent with it.
   */
  async call(from: string, contract: CallTarget, fn: string, args: unknown[], action: string, value = 0n) {
    const category = categoryOf(action);
    const to = contract.target as string;
    const data = contract.interface.encodeFunctionData(fn, args);
    const time = this.next;
    await this.provider.send("evm_setNextBlockTimestamp", [toBeHex(time)]);
    let hash: string;
    try {
      const tx = { from, to, data, gas: TX_GAS, ...(value === 0n ? {} : { value: toBeHex(value) }) };
      hash = (await this.provider.send("eth_sendTransaction", [tx])) as string;
    } catch (error) {
      throw new Error(`${action} (from ${from}) was refused: ${this.reason(error)}`);
    }
    this.blocks++;
    this.time = time;
    this.next = time + 1;
    const receipt = (await this.provider.send("eth_getTransactionReceipt", [hash])) as RawReceipt;
    const gas = Number(receipt.gasUsed);
    const entry = this.gasByAction.get(action) ?? { count: 0, gas: 0 };
    entry.count++;
    entry.gas += gas;
    this.gasByAction.set(action, entry);
    const epoch = this.gasByEpoch.get(this.epoch) ?? zeroByCategory();
    epoch[category] += gas;
    this.gasByEpoch.set(this.epoch, epoch);
    this.actions++;
    this.mined.push({ action, receipt, time });
  }

  /**
   * What `fn` of `contract` returns when `from` calls it now, without sending anything (an `eth_call`: nothing is mined
   * or counted), or its decoded refusal: a transaction whose refusal is expected (a claim with nothing to pay) is
   * simulated first, since a refused transaction stops the run.
   */
  async simulate(
    from: string,
    contract: CallTarget,
    fn: string,
    args: unknown[],
  ): Promise<{ result: Result; refusal?: undefined } | { result?: undefined; refusal: string }> {
    const data = contract.interface.encodeFunctionData(fn, args);
    let returned: string;
    try {
      returned = (await this.provider.send("eth_call", [{ from, to: contract.target, data, gas: TX_GAS }])) as string;
    } catch (error) {
      return { refusal: this.reason(error) };
    }
    return { result: contract.interface.decodeFunctionResult(fn, returned) };
  }

  /**
   * Gives the next block seeded randomness (its prevrandao), for a transaction that reads it (a SQUAD seed's reveal
   * mixes it into its rollup's leader-election seed of the next epoch), and returns it.
   */
  async seedNextBlock(): Promise<string> {
    const randomness = this.randomness(this.blocks);
    await this.provider.send("hardhat_setPrevRandao", [randomness]);
    return randomness;
  }

  /**
   * Mines empty blocks, a second apart from the current time on, until the next block is number `block` (a SQUAD seed's
   * committed block, which its reveal must land in); nothing if it is already, or past.
   */
  async mineUntil(block: number) {
    const count = block - (await this.blockNumber()) - 1;
    if (count <= 0) return;
    await this.provider.send("evm_setNextBlockTimestamp", [toBeHex(this.next)]);
    await this.provider.send("hardhat_mine", [toBeHex(count), toBeHex(1)]);
    this.time = this.next + count - 1;
    this.next = this.time + 1;
  }

  /** The number of the last block mined. */
  async blockNumber(): Promise<number> {
    return Number(await this.provider.send("eth_blockNumber", []));
  }

  /** The receipts mined since the last call, in order. */
  take(): MinedReceipt[] {
    const mined = this.mined;
    this.mined = [];
    return mined;
  }

  private reason(error: unknown): string {
    const data = (error as { data?: unknown }).data;
    if (typeof data === "string" && data.startsWith("0x")) {
      try {
        const decoded = this.errors.parseError(data);
        if (decoded) return `${decoded.name}(${decoded.args.map(String).join(", ")})`;
      } catch {
        // not a known custom error: fall back to the node's own words
      }
    }
    return revertReason(error) ?? String((error as Error).message);
  }

  /** Gas per action, in the order actions first appeared. */
  gasReport(): GasRow[] {
    return [...this.gasByAction].map(([action, { count, gas }]) => ({
      action,
      count,
      gas,
      average: Math.floor(gas / count),
    }));
  }

  /** Gas per category of epochs 0 (setup) to `last`, one row each (zeros for an epoch that sent nothing). */
  gasByEpochReport(last: number): EpochGas[] {
    return Array.from({ length: last + 1 }, (_, epoch) => ({
      epoch,
      byCategory: { ...(this.gasByEpoch.get(epoch) ?? zeroByCategory()) },
    }));
  }
}

const zeroByCategory = () =>
  Object.fromEntries(GAS_CATEGORIES.map((category) => [category, 0])) as Record<GasCategory, number>;
