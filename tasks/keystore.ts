// Keystore tasks: an encrypted JSON keystore to sign with (`--keystore` on every task that sends) instead of a private
// key kept in a Hardhat variable.
import { Wallet } from "ethers";
import { fail, output, areaTask } from "./lib/cli";
import { PASSWORD_VARIABLE, newPassword, openKeystore, writeKeystore } from "./lib/keys";

/** The variable `keystore import` reads the private key from (else it asks for it at a hidden prompt). */
const KEY_VARIABLE = "ALT_PRIVATE_KEY";

areaTask(
  "keystore new",
  `Creates a new account in an encrypted JSON keystore (password: ${PASSWORD_VARIABLE} or a prompt)`,
)
  .addParam("out", "The keystore file to write (never overwritten)")
  .addFlag("json", "Print the result as JSON")
  .setAction(async (args: { out: string; json: boolean }) => {
    const password = await newPassword();
    const wallet = Wallet.createRandom();
    await writeKeystore(new Wallet(wallet.privateKey), password, args.out);
    return output(args.json, { address: wallet.address, keystore: args.out }, () => [
      `new account ${wallet.address} in ${args.out}: fund it, then pass --keystore ${args.out} to any task that sends`,
    ]);
  });

areaTask("keystore import", `Encrypts a private key (from ${KEY_VARIABLE}) into a JSON keystore`)
  .addParam("out", "The keystore file to write (never overwritten)")
  .addFlag("json", "Print the result as JSON")
  .setAction(async (args: { out: string; json: boolean }) => {
    const key = process.env[KEY_VARIABLE];
    if (key === undefined)
      fail(`set ${KEY_VARIABLE} to the private key to import (it is not read from the command line)`);
    let wallet: Wallet;
    try {
      wallet = new Wallet(key.startsWith("0x") ? key : `0x${key}`);
    } catch {
      fail(`${KEY_VARIABLE} is not a private key (32 bytes of hex)`);
    }
    await writeKeystore(wallet, await newPassword(), args.out);
    return output(args.json, { address: wallet.address, keystore: args.out }, () => [
      `account ${wallet.address} encrypted into ${args.out}: unset ${KEY_VARIABLE}`,
    ]);
  });

areaTask("keystore address", "The account of a keystore (checks its password)")
  .addParam("keystore", "The keystore file")
  .addFlag("json", "Print the result as JSON")
  .setAction(async (args: { keystore: string; json: boolean }) => {
    const wallet = await openKeystore(args.keystore);
    return output(args.json, { address: wallet.address }, () => [wallet.address]);
  });
