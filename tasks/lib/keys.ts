// Signing with an encrypted JSON keystore (Web3 Secret Storage v3, as geth, Foundry's `cast wallet` and ethers write
// it) instead of a private key in a Hardhat variable: `--keystore <file>` on every task that sends, with the password
// from ALT_KEYSTORE_PASSWORD or typed at a hidden prompt.
import { existsSync, readFileSync } from "fs";
import { Wallet, encryptKeystoreJson } from "ethers";
import { actAs, areaTask, fail, writeOutput } from "./cli";

export const PASSWORD_VARIABLE = "ALT_KEYSTORE_PASSWORD";

/**
 * Adds `--keystore <file>` to each task of `names` that acts as an account (has `--from`): the task then acts as the
 * keystore's account, which `--from` may name but not contradict.
 */
export function keystoreOption(names: string[], hasFrom: (name: string) => boolean): void {
  for (const name of names.filter(hasFrom)) {
    areaTask(name)
      .addOptionalParam("keystore", `Encrypted JSON keystore to act as (password: ${PASSWORD_VARIABLE} or a prompt)`)
      .setAction(async (args: { keystore?: string; from?: string }, hre, runSuper) => {
        if (args.keystore === undefined) return runSuper(args);
        const wallet = (await openKeystore(args.keystore)).connect(hre.ethers.provider);
        if (args.from !== undefined && args.from.toLowerCase() !== wallet.address.toLowerCase()) {
          fail(`--from ${args.from} is not the account of --keystore ${args.keystore} (${wallet.address})`);
        }
        actAs(wallet);
        try {
          return await runSuper(args);
        } finally {
          actAs(undefined);
        }
      });
  }
}

/** Decrypts the keystore at `file` with the password of ALT_KEYSTORE_PASSWORD, else one typed at a hidden prompt. */
export async function openKeystore(file: string): Promise<Wallet> {
  if (!existsSync(file)) fail(`--keystore ${file} does not exist`);
  const json = readFileSync(file, "utf8");
  const password = process.env[PASSWORD_VARIABLE] ?? (await promptPassword(`password of ${file}: `));
  try {
    return (await Wallet.fromEncryptedJson(json, password)) as Wallet;
  } catch (e) {
    const reason = (e as Error).message.startsWith("incorrect password") ? "wrong password" : (e as Error).message;
    fail(`--keystore ${file} cannot be opened: ${reason.split(" (")[0]}`);
  }
}

/** Reads a password from the terminal without echoing it; refuses when there is no terminal to ask. */
async function promptPassword(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) fail(`no terminal to ask the keystore's password: set ${PASSWORD_VARIABLE}`);
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding("utf8");
  let password = "";
  try {
    for await (const chunk of stdin) {
      for (const char of String(chunk)) {
        if (char === "\r" || char === "\n") return password;
        if (char === "\u0003") fail("cancelled"); // Ctrl-C
        password = char === "\u007f" ? password.slice(0, -1) : password + char;
      }
    }
    return password;
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write("\n");
  }
}

/** Writes `wallet` encrypted with `password` to `out` (refusing to overwrite a file); `scryptN` for tests only. */
export async function writeKeystore(wallet: Wallet, password: string, out: string, scryptN?: number): Promise<void> {
  if (existsSync(out)) fail(`${out} exists: choose another --out (a keystore is never overwritten)`);
  if (password.length < 8) fail("the keystore's password must have at least 8 characters");
  const account = { address: wallet.address, privateKey: wallet.privateKey };
  const json = await encryptKeystoreJson(account, password, scryptN === undefined ? {} : { scrypt: { N: scryptN } });
  writeOutput(out, json, { mode: 0o600 });
}

/** The password for a new keystore: ALT_KEYSTORE_PASSWORD, else typed twice at the prompt. */
export async function newPassword(): Promise<string> {
  const fromEnv = process.env[PASSWORD_VARIABLE];
  if (fromEnv !== undefined) return fromEnv;
  const password = await promptPassword("password for the new keystore: ");
  if ((await promptPassword("the same password again: ")) !== password) fail("the two passwords differ");
  return password;
}
