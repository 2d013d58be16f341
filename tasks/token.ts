// ALT token tasks.
import { MaxUint256 } from "ethers";
import {
  confirm,
  fail,
  formatAlt,
  output,
  parseAddress,
  parseAmount,
  preflight,
  signerFor,
  txLine,
  areaTask,
} from "./lib/cli";
import { altToken, delegateVotes, requireAlt } from "./lib/genesis";
import { GENESIS_SUPPLY } from "../deploy/lib/genesis";

areaTask("token info", "Shows the ALT supply and clock, and an account's balance, votes and delegate")
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

areaTask("token delegate", "Delegates the sender's ALT votes")
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

areaTask("token transfer", "Sends ALT from the acting account")
  .addParam("to", "Recipient")
  .addParam("amount", "ALT to send, e.g. 1000 or 0.5")
  .addOptionalParam("from", "Acting account (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { to: string; amount: string; from?: string; json: boolean }, hre) => {
    const to = parseAddress(args.to, "--to");
    const amount = parseAmount(args.amount, "--amount");
    if (amount === 0n) fail("--amount must be more than 0 ALT");
    const signer = await signerFor(hre, args.from);
    const from = await signer.getAddress();
    const token = (await altToken(hre)).connect(signer);
    await requireAlt(token, from, amount);
    await preflight(token.transfer.staticCall(to, amount));
    const tx = await confirm(token.transfer(to, amount));
    const result = { from, to, amount, tx };
    return output(args.json, result, () => [txLine(`sent ${formatAlt(amount)} from ${from} to ${to}`, tx)]);
  });

areaTask("token approve", "Lets a spender move up to an amount of the acting account's ALT (0 revokes)")
  .addParam("spender", "Account or contract allowed to spend")
  .addOptionalParam("amount", "ALT it may spend, e.g. 1000 or 0.5 (0 revokes the allowance)")
  .addFlag("max", "Allow it to spend any amount (the largest uint256)")
  .addOptionalParam("from", "Acting account (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { spender: string; amount?: string; max: boolean; from?: string; json: boolean }, hre) => {
    const spender = parseAddress(args.spender, "--spender");
    if ((args.amount === undefined) === !args.max) fail("pass either --amount <ALT> or --max");
    const amount = args.max ? MaxUint256 : parseAmount(args.amount!, "--amount");
    const signer = await signerFor(hre, args.from);
    const from = await signer.getAddress();
    const token = (await altToken(hre)).connect(signer);
    await preflight(token.approve.staticCall(spender, amount));
    const tx = await confirm(token.approve(spender, amount));
    const result = { from, spender, amount, tx };
    const allowed = amount === MaxUint256 ? "any amount of ALT" : formatAlt(amount);
    return output(args.json, result, () => [txLine(`${from} allowed ${spender} to spend ${allowed}`, tx)]);
  });
