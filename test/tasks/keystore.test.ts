// Encrypted JSON keystores (tasks/keystore.ts, tasks/lib/keys.ts): keystore new, keystore import and keystore address,
// and `--keystore` on every task that acts as an account, here token transfer on the staged genesis. The password
// comes from ALT_KEYSTORE_PASSWORD (the tests never have a terminal to type it in).
import { expect } from "chai";
import hre from "hardhat";
import { setBalance } from "@nomicfoundation/hardhat-network-helpers";
import { statSync } from "fs";
import { Wallet, id } from "ethers";
import type { AltToken } from "../../typechain-types";
import { writeKeystore } from "../../tasks/lib/keys";
import { ALT } from "../helpers/constants";
import {
  expectRefused,
  expectTaskFailure,
  expectTx,
  genesisFixture,
  load,
  runTask,
  task,
  tempDir,
} from "../helpers/tasks";
import type { TxReport } from "../../tasks/lib/cli";

const PASSWORD = "correct horse battery";
/** A low scrypt cost for the keystores the tests write themselves (the tasks write the standard 2^17). */
const TEST_SCRYPT_N = 1 << 10;
/** A fixed key for keystore import and the funded keystore: not one of the configured accounts. */
const KEY = id("ALT keystore test key");

describe("keystore tasks", function () {
  const files = tempDir("alt-keystore-");
  let saved: Record<string, string | undefined>;
  beforeEach(function () {
    saved = { ALT_KEYSTORE_PASSWORD: process.env.ALT_KEYSTORE_PASSWORD, ALT_PRIVATE_KEY: process.env.ALT_PRIVATE_KEY };
    process.env.ALT_KEYSTORE_PASSWORD = PASSWORD;
    delete process.env.ALT_PRIVATE_KEY;
  });
  afterEach(function () {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  after(files.remove);

  describe("keystore new, keystore import and keystore address", function () {
    it("creates a new account in a keystore only its owner can read, and keystore address opens it", async function () {
      this.timeout(60_000); // the standard scrypt cost, twice
      const out = files.path("new.json");
      const { result, lines } = await runTask<{ address: string; keystore: string }>("keystore new", { out });
      expect(lines).to.deep.equal([
        `new account ${result.address} in ${out}: fund it, then pass --keystore ${out} to any task that sends`,
      ]);
      expect(statSync(out).mode & 0o777).to.equal(0o600);
      expect(await task("keystore address", { keystore: out, json: true })).to.deep.equal({ address: result.address });
      await expectTaskFailure(
        "keystore new",
        { out },
        `${out} exists: choose another --out (a keystore is never overwritten)`,
      );
    });

    it("imports ALT_PRIVATE_KEY, refusing a missing or malformed key and a short password", async function () {
      this.timeout(60_000);
      const out = files.path("imported.json");
      await expectTaskFailure(
        "keystore import",
        { out },
        "set ALT_PRIVATE_KEY to the private key to import (it is not read from the command line)",
      );
      process.env.ALT_PRIVATE_KEY = "0x1234";
      await expectTaskFailure("keystore import", { out }, "ALT_PRIVATE_KEY is not a private key (32 bytes of hex)");
      process.env.ALT_PRIVATE_KEY = KEY.slice(2); // without its 0x
      process.env.ALT_KEYSTORE_PASSWORD = "short";
      await expectTaskFailure("keystore import", { out }, "the keystore's password must have at least 8 characters");
      process.env.ALT_KEYSTORE_PASSWORD = PASSWORD;
      const result = await task<{ address: string }>("keystore import", { out, json: true });
      expect(result).to.deep.equal({ address: new Wallet(KEY).address, keystore: out });
      expect(await task("keystore address", { keystore: out, json: true })).to.deep.equal({ address: result.address });
    });

    it("refuses a wrong password and a missing file in one line", async function () {
      const out = files.path("wrong.json");
      await writeKeystore(Wallet.createRandom() as unknown as Wallet, PASSWORD, out, TEST_SCRYPT_N);
      process.env.ALT_KEYSTORE_PASSWORD = "not the password";
      await expectTaskFailure(
        "keystore address",
        { keystore: out },
        `--keystore ${out} cannot be opened: wrong password`,
      );
      const missing = files.path("missing.json");
      await expectTaskFailure("keystore address", { keystore: missing }, `--keystore ${missing} does not exist`);
    });

    it("asks for the password only on a terminal: without one and without ALT_KEYSTORE_PASSWORD it refuses", async function () {
      if (process.stdin.isTTY) this.skip(); // a terminal would wait for the password to be typed
      const out = files.path("prompt.json");
      await writeKeystore(Wallet.createRandom() as unknown as Wallet, PASSWORD, out, TEST_SCRYPT_N);
      delete process.env.ALT_KEYSTORE_PASSWORD;
      await expectTaskFailure(
        "keystore address",
        { keystore: out },
        "no terminal to ask the keystore's password: set ALT_KEYSTORE_PASSWORD",
      );
    });
  });

  describe("--keystore on a task that sends", function () {
    /** The staged genesis; a keystore account holding 1,000 ALT (from the Launchpool beneficiary) and 1 ETH. */
    async function keystoreFixture() {
      const book = await genesisFixture();
      const token = (await hre.ethers.getContractAt("AltToken", book["Genesis#AltToken"])) as unknown as AltToken;
      const signers = await hre.ethers.getSigners();
      const launchpool = await hre.ethers.getContractAt("VestingPosition", book["Genesis#Vesting_Launchpool"]);
      await (await launchpool.release()).wait();
      const wallet = new Wallet(KEY);
      await (await token.connect(signers[7]).transfer(wallet.address, 1_000n * ALT)).wait();
      await setBalance(wallet.address, 10n ** 18n);
      const keystore = files.path("funded.json");
      await writeKeystore(wallet, PASSWORD, keystore, TEST_SCRYPT_N);
      return { book, token, wallet, keystore, recipient: signers[9].address };
    }

    it("acts as the keystore's account, which no configured account is: token transfer from it", async function () {
      const { book, token, wallet, keystore, recipient } = await load(keystoreFixture);
      const configured = (await hre.ethers.getSigners()).map((s) => s.address);
      expect(configured).to.not.include(wallet.address);
      const before = await token.balanceOf(recipient);
      const result = await task<{ from: string; tx: TxReport }>("token transfer", {
        to: recipient,
        amount: "250",
        keystore,
        json: true,
      });
      expect(result.from).to.equal(wallet.address);
      await expectTx(result.tx, wallet.address, book["Genesis#AltToken"]);
      expect(await token.balanceOf(wallet.address)).to.equal(750n * ALT);
      expect(await token.balanceOf(recipient)).to.equal(before + 250n * ALT);
      // --from may name the keystore's account
      await task("token transfer", { to: recipient, amount: "1", keystore, from: wallet.address, json: true });
      expect(await token.balanceOf(wallet.address)).to.equal(749n * ALT);
      // and the next task without --keystore acts as a configured account again
      const next = await task<{ from: string }>("token transfer", {
        to: recipient,
        amount: "1",
        from: configured[7],
        json: true,
      });
      expect(next.from).to.equal(configured[7]);
    });

    it("refuses a wrong password, or a --from that is not the keystore's account, sending nothing", async function () {
      const { book, wallet, keystore, recipient } = await load(keystoreFixture);
      const other = (await hre.ethers.getSigners())[1].address;
      await expectRefused(
        "token transfer",
        { to: recipient, amount: "1", keystore, from: other },
        `--from ${other} is not the account of --keystore ${keystore} (${wallet.address})`,
      );
      process.env.ALT_KEYSTORE_PASSWORD = "wrong password";
      await expectRefused(
        "token transfer",
        { to: recipient, amount: "1", keystore },
        `--keystore ${keystore} cannot be opened: wrong password`,
      );
      expect(await hre.ethers.provider.getTransactionCount(wallet.address)).to.equal(0);
    });
  });
});
