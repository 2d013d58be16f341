// The simulation's chain driver on the in-process network: its own clock (every block at a timestamp the simulation
// chooses), seeded block randomness, impersonated accounts, and batching: automine off, transactions queued in order
// and mined together in one block, each receipt checked and its gas counted under an action name.
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Interface, TransactionReceipt } from "ethers";
import { toBeHex } from "ethers";
import { fail } from "../cli";
import type { GasRow } from "./report";

/** Gas limit of every simulated transaction; the block gas limit is raised so that a step always fits one block. */
const TX_GAS = 15_000_000;
const BLOCK_GAS = 2_000_000_000;
/** ETH each actor gets for gas (the amounts in the report are ALT; ETH spent on gas is not reported). */
const ACTOR_ETH = toBeHex(10n ** 24n);

type Provider = HardhatRuntimeEnvironment["network"]["provider"];

export interface MinedReceipt {
  action: string;
  receipt: TransactionReceipt;
}

export class Chain {
  private readonly provider: Provider;
  private readonly pending: { hash: string; action: string; from: string; to: string; data: string }[] = [];
  private readonly gasByAction = new Map<string, { count: number; gas: number }>();
  private readonly actors = new Set<string>();
  /** Timestamp of the last block mined. */
  time = 0;
  blocks = 0;
  actions = 0;

  constructor(
    private readonly hre: HardhatRuntimeEnvironment,
    /** Decodes a refusal's revert data (every contract's custom errors). */
    private readonly errors: Interface,
    /** Block randomness for block `n` (the chain's own would depend on everything before it). */
    private readonly randomness: (block: number) => string,
  ) {
    this.provider = hre.network.provider;
  }

  /** A fresh in-process chain: deployments and balances of any earlier run in this process are gone. */
  async reset() {
    if (this.hre.network.name !== "hardhat") fail("simulate runs on the in-process hardhat network only");
    const { reset } = await import("@nomicfoundation/hardhat-network-helpers");
    await reset(); // also forgets the snapshots of loadFixture
  }

  /**
   * Runs `deploy` (transactions sent one by one, e.g. by Ignition) with every block at `start`, `start + 1`, ...: the
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
    }
  }

  /** From here on, blocks are mined only by `mine`. */
  async startBatching() {
    await this.provider.send("evm_setAutomine", [false]);
    await this.provider.send("evm_setBlockGasLimit", [toBeHex(BLOCK_GAS)]);
  }

  /** Lets `address` send transactions (an impersonated account with ETH for gas). */
  async actor(address: string) {
    if (this.actors.has(address)) return;
    this.actors.add(address);
    await this.provider.send("hardhat_impersonateAccount", [address]);
    await this.provider.send("hardhat_setBalance", [address, ACTOR_ETH]);
  }

  /** Queues a call for the next block, counted under `action`. */
  async send(from: string, to: string, data: string, action: string) {
    const hash = (await this.provider.send("eth_sendTransaction", [
      { from, to, data, gas: toBeHex(TX_GAS) },
    ])) as string;
    this.pending.push({ hash, action, from, to, data });
  }

  get queued(): number {
    return this.pending.length;
  }

  /**
   * Mines the queued transactions in one block at `timestamp` and returns their receipts in order. Nothing queued:
   * no block. A refused transaction ends the simulation with its decoded reason (a simulation bug, never expected).
   */
  async mine(timestamp: number): Promise<MinedReceipt[]> {
    if (this.pending.length === 0) return [];
    if (timestamp <= this.time) throw new Error(`simulation clock went back: ${timestamp} <= ${this.time}`);
    await this.provider.send("hardhat_setPrevRandao", [this.randomness(this.blocks)]);
    await this.provider.send("evm_mine", [timestamp]);
    this.time = timestamp;
    this.blocks++;
    const batch = this.pending.splice(0);
    const mined: MinedReceipt[] = [];
    for (const tx of batch) {
      const receipt = await this.hre.ethers.provider.getTransactionReceipt(tx.hash);
      if (receipt === null) throw new Error(`${tx.action}: transaction ${tx.hash} did not fit its block`);
      if (receipt.status !== 1)
        throw new Error(`${tx.action} (from ${tx.from}) was refused: ${await this.why(tx.hash)}`);
      const entry = this.gasByAction.get(tx.action) ?? { count: 0, gas: 0 };
      entry.count++;
      entry.gas += Number(receipt.gasUsed);
      this.gasByAction.set(tx.action, entry);
      this.actions++;
      mined.push({ action: tx.action, receipt });
    }
    return mined;
  }

  /** The decoded refusal of a mined transaction that reverted. */
  private async why(hash: string): Promise<string> {
    const trace = (await this.provider.send("debug_traceTransaction", [
      hash,
      { disableStorage: true, disableMemory: true, disableStack: true },
    ])) as { returnValue: string };
    const data = trace.returnValue.startsWith("0x") ? trace.returnValue : `0x${trace.returnValue}`;
    try {
      const error = this.errors.parseError(data);
      if (error) return `${error.name}(${error.args.map(String).join(", ")})`;
    } catch {
      // not a known custom error
    }
    return data;
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
}
