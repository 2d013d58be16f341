// The in-process network runs Osaka, the hardfork users deploy to, with its transaction gas cap (EIP-7825), and its gas
// estimates stay within that cap (config/gasEstimation.ts: EDR's own estimate of a call that keeps gas in reserve probes
// above the cap and fails).
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { createProvider } from "hardhat/internal/core/providers/construction";
import type { EIP1193Provider, RequestArguments } from "hardhat/types";
import { CappedGasEstimation, ESTIMATE_PRECISION } from "../../config/gasEstimation";
import type { GasReserve } from "../../typechain-types";

/** EIP-7825: the most gas one transaction may ask for from Osaka on. */
const TX_GAS_CAP = 2n ** 24n;
const capError = (gas: bigint) => `transaction gas limit (${gas}) is greater than the cap (${TX_GAS_CAP})`;
/** A reserve far above what `spend` uses (~45k): its estimate cannot be the gas the call used. */
const RESERVE = 3_000_000n;
const hex = (n: bigint) => `0x${n.toString(16)}`;

describe("Network (Osaka)", function () {
  async function reserveFixture() {
    const reserve = (await ethers.deployContract("GasReserve")) as unknown as GasReserve;
    const [sender] = await ethers.getSigners();
    const call = {
      from: sender.address,
      to: await reserve.getAddress(),
      data: reserve.interface.encodeFunctionData("spend", [RESERVE]),
    };
    return { reserve, sender, call };
  }

  it("runs the hardhat network on osaka", async function () {
    expect(hre.config.networks.hardhat.hardfork).to.equal("osaka");
  });

  it("refuses a transaction asking for more gas than the cap, and accepts one asking for exactly the cap", async function () {
    const { sender, call } = await loadFixture(reserveFixture);
    await expect(sender.sendTransaction({ ...call, gasLimit: TX_GAS_CAP + 1n })).to.be.rejectedWith(
      `Transaction gas limit is ${TX_GAS_CAP + 1n} and exceeds transaction gas cap of ${TX_GAS_CAP}`,
    );
    const receipt = await (await sender.sendTransaction({ ...call, gasLimit: TX_GAS_CAP })).wait();
    expect(receipt!.status).to.equal(1);
  });

  describe("EDR's own estimate (the cause)", function () {
    it("fails for a call that keeps gas in reserve: its search probes above the cap", async function () {
      // a fresh provider of the same configuration, without the wrapper: EDR as Hardhat 2.29.1 ships it
      const raw = await createProvider(hre.config, "hardhat", hre.artifacts);
      const [from] = (await raw.request({ method: "eth_accounts" })) as string[];
      const factory = await ethers.getContractFactory("GasReserve");
      const deployTx = (await raw.request({
        method: "eth_sendTransaction",
        params: [{ from, data: factory.bytecode, gas: hex(1_000_000n) }],
      })) as string;
      const { contractAddress } = (await raw.request({ method: "eth_getTransactionReceipt", params: [deployTx] })) as {
        contractAddress: string;
      };
      const data = factory.interface.encodeFunctionData("spend", [RESERVE]);
      const estimate = { method: "eth_estimateGas", params: [{ from, to: contractAddress, data }] };
      await expect(raw.request(estimate)).to.be.rejectedWith(
        /transaction gas limit \(\d+\) is greater than the cap \(16777216\)/,
      );
      // the same request through the wrapper: an estimate the call succeeds with, within the cap
      const fixed = BigInt((await new CappedGasEstimation(raw).request(estimate)) as string);
      expect(fixed > RESERVE && fixed <= TX_GAS_CAP).to.equal(true);
    });
  });

  describe("the estimate on this project's network", function () {
    it("is enough for the call, and within 1/64 of the least that is", async function () {
      const { reserve, sender, call } = await loadFixture(reserveFixture);
      const estimate = await ethers.provider.estimateGas(call);
      expect(estimate > RESERVE && estimate <= TX_GAS_CAP).to.equal(true);
      const tooLittle = estimate - (estimate + ESTIMATE_PRECISION - 1n) / ESTIMATE_PRECISION;
      await expect(ethers.provider.call({ ...call, gasLimit: tooLittle })).to.be.reverted;
      // sent without a gas limit: ethers asks for the estimate, and the node accepts the transaction
      await expect(reserve.connect(sender).spend(RESERVE)).not.to.be.reverted;
      expect(await reserve.calls()).to.equal(1n);
    });

    it("fails with the call's own error for a call that reverts whatever its gas", async function () {
      const { reserve, call } = await loadFixture(reserveFixture);
      const data = reserve.interface.encodeFunctionData("spend", [TX_GAS_CAP + 1n]);
      await expect(ethers.provider.estimateGas({ ...call, data })).to.be.revertedWithCustomError(
        reserve,
        "GasReserveShort",
      );
    });

    it("leaves an ordinary estimate to EDR", async function () {
      const { reserve, sender } = await loadFixture(reserveFixture);
      const estimate = await reserve.connect(sender).spend.estimateGas(0n);
      const receipt = await (await reserve.connect(sender).spend(0n)).wait();
      // EDR's estimate of a call without a reserve: the gas it uses (no search, so no 1/64 margin)
      expect(estimate).to.equal(receipt!.gasUsed);
    });
  });

  describe("CappedGasEstimation (the search, on a scripted node)", function () {
    /** A node whose EDR estimate fails with the cap error and whose eth_call succeeds from `needed` gas on. */
    function scriptedNode(needed: bigint, { capped = true }: { capped?: boolean } = {}) {
      const calls: bigint[] = [];
      const node: EIP1193Provider = {
        request: async ({ method, params }: RequestArguments) => {
          const [tx] = (params ?? [{}]) as [{ gas?: string }];
          if (method === "eth_estimateGas") {
            if (!capped) throw new Error("execution reverted: something else");
            throw new Error(capError(30_116_445n));
          }
          if (method !== "eth_call") return `passed:${method}`;
          const gas = BigInt(tx.gas!);
          calls.push(gas);
          if (gas > TX_GAS_CAP) throw new Error(capError(gas));
          if (gas < needed) throw new Error(`out of gas at ${gas}`);
          return "0x";
        },
        on: () => node,
      } as unknown as EIP1193Provider;
      return { provider: new CappedGasEstimation(node), calls };
    }
    const estimate = (provider: EIP1193Provider, tx: Record<string, string> = {}) =>
      provider.request({ method: "eth_estimateGas", params: [{ to: "0x01", ...tx }] }).then((g) => BigInt(g as string));

    it("passes every other request through untouched", async function () {
      const { provider, calls } = scriptedNode(100_000n);
      expect(await provider.request({ method: "eth_chainId" })).to.equal("passed:eth_chainId");
      expect(calls).to.deep.equal([]);
    });

    it("rethrows an estimate's error that is not the cap's", async function () {
      const { provider, calls } = scriptedNode(100_000n, { capped: false });
      await expect(estimate(provider)).to.be.rejectedWith("execution reverted: something else");
      expect(calls).to.deep.equal([]);
    });

    for (const needed of [21_000n, 100_000n, 426_349n, 3_000_000n, TX_GAS_CAP]) {
      it(`finds the least gas within 1/64 when ${needed} is needed, never probing above the cap`, async function () {
        const { provider, calls } = scriptedNode(needed);
        const found = await estimate(provider);
        expect(found >= needed).to.equal(true);
        expect((found - needed) * ESTIMATE_PRECISION <= found).to.equal(true);
        expect(calls[0]).to.equal(TX_GAS_CAP);
        expect(calls.every((g) => g <= TX_GAS_CAP)).to.equal(true);
        // one probe at the cap, then halving from 2^24 down to 1/64 of the answer (at least 21,000): 17 at most
        expect(calls.length).to.be.lessThanOrEqual(17);
      });
    }

    it("searches below the caller's own gas limit when it is under the cap", async function () {
      const { provider, calls } = scriptedNode(100_000n);
      const found = await estimate(provider, { gas: hex(500_000n) });
      expect(calls[0]).to.equal(500_000n);
      expect(found >= 100_000n && (found - 100_000n) * ESTIMATE_PRECISION <= found).to.equal(true);
    });

    it("fails with the call's error when even the cap is not enough", async function () {
      const { provider, calls } = scriptedNode(TX_GAS_CAP + 1n);
      await expect(estimate(provider)).to.be.rejectedWith(`out of gas at ${TX_GAS_CAP}`);
      expect(calls).to.deep.equal([TX_GAS_CAP]);
    });
  });
});
