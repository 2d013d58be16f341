// ALT token tasks.
import { task } from "hardhat/config";
import { confirm, formatAlt, output, parseAddress, signerFor, txLine } from "./lib/cli";
import { altToken, delegateVotes } from "./lib/genesis";
import { GENESIS_SUPPLY } from "../deploy/lib/genesis";

task("token:info", "Shows the ALT supply and clock, and an account's balance, votes and delegate")
  .addOptionalParam("account", "Account to inspect")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { account?: string; json: boolean }, hre) => {
    const account = args.account === undefined ? undefined : parseAddress(args.account, "--account");
    const token = await altToken(hre);
    const totalSupply = await token.totalSupply();
    const info = {
      token: await token.getAddress(),
      name: await token.name(),
      symbol: await token.symbol(),
      decimals: Number(await token.decimals()),
      totalSupply,
      burned: GENESIS_SUPPLY - totalSupply,
      clockMode: await token.CLOCK_MODE(),
      account:
        account === undefined
          ? undefined
          : {
              address: account,
              balance: await token.balanceOf(account),
              votes: await token.getVotes(account),
              delegate: await token.delegates(account),
              nonce: await token.nonces(account),
            },
    };
    return output(args.json, info, () => [
      `${info.name} (${info.symbol}) at ${info.token}`,
      `  supply   ${formatAlt(totalSupply)} (burned ${formatAlt(info.burned)})`,
      `  clock    ${info.clockMode}`,
      ...(info.account === undefined
        ? []
        : [
            `account ${info.account.address}`,
            `  balance  ${formatAlt(info.account.balance)}`,
            `  votes    ${formatAlt(info.account.votes)}`,
            `  delegate ${info.account.delegate}`,
          ]),
    ]);
  });

task("token:delegate", "Delegates the sender's ALT votes")
  .addParam("to", "Delegatee (the sender's own address to vote directly)")
  .addOptionalParam("from", "Acting account (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { to: string; from?: string; json: boolean }, hre) => {
    const result = await delegateVotes(hre, args.to, args.from);
    return output(args.json, result, () => [
      txLine(`${result.delegator} delegated to ${result.delegatee}`, result.tx),
      `  ${result.delegatee} now has ${formatAlt(result.votes)} of votes`,
    ]);
  });
