// Gas snapshot of the token-side operations (suite "token" of test/gas/snapshot.json). See test/helpers/gas.ts.
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import type { AddressLike, BytesLike } from "ethers";
import { describeGas } from "../helpers/gas";
import { ALT } from "../helpers/constants";
import { airdropTree } from "../helpers/airdrop";
import { months } from "../helpers/time";
import { signDelegation } from "../../tasks/lib/signatures";
import type { IVestingFactory } from "../../typechain-types";

const BATCH = 10;
const POSITION_BUDGET = 200_000;
const AIRDROP_LEAVES = 1_000;
const PROOF_DEPTH = 10;
/** A fixed delegation expiry (2100-01-01) keeps the calldata, and so the figure, independent of the wall clock. */
const EXPIRY = 4_102_444_800n;

/** Deterministic accounts that hold nothing yet: vesting beneficiaries and airdrop claimants. */
const wallet = (label: string) => new ethers.Wallet(ethers.id(`alt-gas:${label}`));

async function tokenGasFixture() {
  const [governance, treasury, alice, bob, carol, relayer] = await ethers.getSigners();
  // A deployer used by nothing else: contract addresses (and so the signed calldata) do not depend on which tests ran
  // before in the same process.
  const deployer = wallet("deployer").connect(ethers.provider);
  await setBalance(deployer.address, 1_000n * ALT);
  const token = await ethers.deployContract("AltToken", [deployer.address], deployer);
  const factory = await ethers.deployContract("VestingFactory", [token, treasury, governance], deployer);

  // Holders that already hold ALT (warm balances), none of them delegated; the treasury holds ALT too, so revoked
  // tokens land on a non-zero balance.
  for (const holder of [alice, bob, carol, treasury]) await token.connect(deployer).transfer(holder, 1_000_000n * ALT);

  // A realistic airdrop: 1,000 leaves, so proofs are 9 or 10 hashes deep; claimants hold no ALT.
  const claimants = Array.from({ length: AIRDROP_LEAVES }, (_, i) => wallet(`claimant-${i}`));
  const entries = claimants.map((w, i) => ({ account: w.address, amount: (1_000n + BigInt(i)) * ALT }));
  const tree = airdropTree(entries);
  const airdrop = await ethers.deployContract("MerkleAirdrop", [token, tree.root, months(6), treasury], deployer);
  await token.connect(deployer).transfer(
    airdrop,
    entries.reduce((sum, e) => sum + e.amount, 0n),
  );

  return {
    token,
    factory,
    airdrop,
    tree,
    entries,
    claimants,
    deployer,
    governance,
    treasury,
    alice,
    bob,
    carol,
    relayer,
  };
}

type Fixture = Awaited<ReturnType<typeof tokenGasFixture>>;

/** `count` positions for distinct fresh beneficiaries: 48-month linear vesting after a 12-month cliff, revocable. */
function batch(count: number, tag: string, delegateToBeneficiary: boolean): IVestingFactory.PositionParamsStruct[] {
  return Array.from({ length: count }, (_, i) => {
    const beneficiary = wallet(`${tag}-beneficiary-${i}`).address;
    return {
      beneficiary,
      start: 0,
      cliffDuration: months(12),
      duration: months(48),
      amount: 1_000_000n * ALT,
      revocable: true,
      delegatee: delegateToBeneficiary ? beneficiary : ethers.ZeroAddress,
      salt: ethers.id(`${tag}-${i}`),
    };
  });
}

/** The creator approves exactly the batch sum, then creates the batch; returns the sent transaction and the positions. */
async function createBatch({ token, factory, deployer }: Fixture, params: IVestingFactory.PositionParamsStruct[]) {
  await token.connect(deployer).approve(
    factory,
    params.reduce((sum, p) => sum + BigInt(p.amount), 0n),
  );
  const tx = await factory.connect(deployer).createPositions(params);
  const positions = await Promise.all(
    params.map(async (p) =>
      ethers.getContractAt("VestingPosition", await factory.predictPositionAddress(deployer, p.salt)),
    ),
  );
  return { tx, positions };
}

/** Leaf indices in bitmap word 0 whose proof has PROOF_DEPTH hashes. */
function fullDepthIndices(f: Fixture, count: number): number[] {
  const found: number[] = [];
  for (let i = 0; i < 256 && found.length < count; i++) {
    if (f.tree.getProof([i, f.entries[i].account, f.entries[i].amount]).length === PROOF_DEPTH) found.push(i);
  }
  expect(found).to.have.length(count);
  return found;
}

function leaf(f: Fixture, index: number): [number, AddressLike, bigint, BytesLike[]] {
  const { account, amount } = f.entries[index];
  return [index, account, amount, f.tree.getProof([index, account, amount])];
}

describeGas("token", __filename, (gas) => {
  describe("ALT", function () {
    it("transfer between holders, neither delegated", async function () {
      const { token, alice, bob } = await loadFixture(tokenGasFixture);
      await token.connect(alice).transfer(bob, 10n * ALT); // warm-up: both balances already non-zero anyway
      await gas.recordTx(
        "ALT: transfer (both accounts already hold ALT, neither delegated)",
        token.connect(alice).transfer(bob, 10n * ALT),
      );
    });

    it("transfer between self-delegated holders", async function () {
      const { token, alice, bob } = await loadFixture(tokenGasFixture);
      await token.connect(alice).delegate(alice);
      await token.connect(bob).delegate(bob);
      await token.connect(alice).transfer(bob, 10n * ALT); // warm-up: both checkpoint arrays exist
      await time.increase(60); // a later timestamp: each delegate pushes a new checkpoint (the common case)
      await gas.recordTx(
        "ALT: transfer (both accounts hold ALT and are self-delegated; one new votes checkpoint each)",
        token.connect(alice).transfer(bob, 10n * ALT),
      );
      expect(await token.getVotes(bob)).to.equal(1_000_020n * ALT);
    });

    it("first delegation of a holder", async function () {
      const { token, carol } = await loadFixture(tokenGasFixture);
      await gas.recordTx(
        "ALT: delegate (a holder's first delegation, to self: no checkpoints yet)",
        token.connect(carol).delegate(carol),
      );
      expect(await token.getVotes(carol)).to.equal(1_000_000n * ALT);
    });
  });

  describe("vesting", function () {
    it("createPositions, batch of 10 without delegatee", async function () {
      const f = await loadFixture(tokenGasFixture);
      const { tx } = await createBatch(f, batch(BATCH, "plain", false));
      await gas.recordTx("vesting: create position (batch of 10 for fresh beneficiaries, each; no delegatee)", tx, {
        items: BATCH,
        budget: POSITION_BUDGET,
      });
    });

    it("createPositions, batch of 10 with delegatee = beneficiary", async function () {
      const f = await loadFixture(tokenGasFixture);
      const params = batch(BATCH, "delegated", true);
      const { tx, positions } = await createBatch(f, params);
      await gas.recordTx(
        "vesting: create position (batch of 10 for fresh beneficiaries, each; delegatee = beneficiary)",
        tx,
        { items: BATCH, budget: POSITION_BUDGET },
      );
      expect(await f.token.delegates(positions[0])).to.equal(params[0].beneficiary);
      expect(await f.token.getVotes(params[0].beneficiary)).to.equal(params[0].amount);
    });

    it("release, mid-schedule, second release", async function () {
      const f = await loadFixture(tokenGasFixture);
      const { positions } = await createBatch(f, batch(1, "release", false));
      await time.increase(months(18));
      await positions[0].release(); // warm-up: `released` and the beneficiary's balance become non-zero
      await time.increase(months(6));
      await gas.recordTx(
        "vesting: release (mid-schedule, second release; position undelegated)",
        positions[0].release(),
      );
    });

    it("release, mid-schedule, second release, position delegated to the beneficiary", async function () {
      const f = await loadFixture(tokenGasFixture);
      const { positions } = await createBatch(f, batch(1, "release-delegated", true));
      await time.increase(months(18));
      await positions[0].release();
      await time.increase(months(6));
      await gas.recordTx(
        "vesting: release (mid-schedule, second release; position delegates to the beneficiary: a new checkpoint)",
        positions[0].release(),
      );
    });

    it("revoke", async function () {
      const f = await loadFixture(tokenGasFixture);
      const { positions } = await createBatch(f, batch(1, "revoke", false));
      await time.increase(months(18));
      await gas.recordTx(
        "vesting: revoke (mid-schedule, nothing released; unvested to a treasury already holding ALT)",
        positions[0].connect(f.governance).revoke(),
      );
      const schedule = await positions[0].schedule();
      expect(schedule.revoked).to.equal(true);
      expect(await f.token.balanceOf(f.treasury)).to.equal(1_000_000n * ALT + 1_000_000n * ALT - schedule.total);
    });
  });

  describe("airdrop", function () {
    it("claim, first claim in its bitmap word", async function () {
      const f = await loadFixture(tokenGasFixture);
      const [index] = fullDepthIndices(f, 1);
      await gas.recordTx(
        "airdrop: claim (1,000-leaf tree, 10-hash proof; first claim in its bitmap word, claimant holds no ALT)",
        f.airdrop.connect(f.relayer).claim(...leaf(f, index)),
      );
      expect(await f.airdrop.isClaimed(index)).to.equal(true);
    });

    it("claim, bitmap word already touched", async function () {
      const f = await loadFixture(tokenGasFixture);
      const [first, second] = fullDepthIndices(f, 2);
      await f.airdrop.connect(f.relayer).claim(...leaf(f, first)); // warm-up: the bitmap word becomes non-zero
      await gas.recordTx(
        "airdrop: claim (1,000-leaf tree, 10-hash proof; bitmap word already touched, claimant holds no ALT)",
        f.airdrop.connect(f.relayer).claim(...leaf(f, second)),
      );
    });

    it("claimAndDelegate, bitmap word already touched", async function () {
      const f = await loadFixture(tokenGasFixture);
      const [first, second] = fullDepthIndices(f, 2);
      await f.airdrop.connect(f.relayer).claim(...leaf(f, first));
      const account = f.claimants[second];
      const signature = await signDelegation(account, f.token, {
        delegatee: account.address,
        nonce: await f.token.nonces(account),
        expiry: EXPIRY,
      });
      await gas.recordTx(
        "airdrop: claimAndDelegate (1,000-leaf tree, 10-hash proof; bitmap word already touched; " +
          "first delegation, to self, relayed)",
        f.airdrop
          .connect(f.relayer)
          .claimAndDelegate(...leaf(f, second), account.address, EXPIRY, signature.v, signature.r, signature.s),
      );
      expect(await f.token.getVotes(account)).to.equal(f.entries[second].amount);
    });
  });
});
