// Bridge tasks: deposits to a rollup's L2 through its portal, the deposits' state, the L2's withdrawals (from the file
// its node exports) with their state and earliest claim time, a withdrawals root for proposers, proofs, claims, and
// refunds of deposits a retired rollup never included. See docs/bridge.md.
import { formatUnits, parseUnits, ZeroAddress } from "ethers";
import {
  approveFor,
  areaTask,
  confirm,
  fail,
  output,
  parseAddress,
  parseOr,
  preflight,
  prepareApproval,
  signerFor,
  txLine,
  writeOutput,
  type TxReport,
} from "./lib/cli";
import { latestTime, parseWhole } from "./lib/restaking";
import { parseRollup, rollupFactory, timeAt } from "./lib/rollups";
import {
  claimArguments,
  deposits,
  explainPortal,
  formatToken,
  portalOf,
  readJson,
  readWithdrawals,
  withdrawalStates,
  type WithdrawalState,
} from "./lib/bridge";
import { treeAt, type OutputProof, type Withdrawal } from "./lib/withdrawals";

/** `value` in the token's units (`decimals`), refused in one line unless a positive decimal with at most that many. */
function parseUnitsOf(value: string, decimals: number, what: string): bigint {
  const match = /^\d+(?:\.(\d+))?$/.exec(value);
  if (match === null) fail(`${what} must be a positive decimal: ${value}`);
  if ((match[1]?.length ?? 0) > decimals) fail(`${what} has more than ${decimals} decimals: ${value}`);
  const amount = parseUnits(value, decimals);
  if (amount === 0n) fail(`${what} must be positive: ${value}`);
  return amount;
}

areaTask("bridge deposit", "Deposits ETH or an ERC20 token to a rollup's L2 through its portal")
  .addParam("rollup", "Rollup address or chain ID")
  .addParam("amount", "The amount, in ETH or in the token's units (its decimals): e.g. 1.5")
  .addOptionalParam("token", "The ERC20 token's address (default: ETH)")
  .addOptionalParam("to", "The L2 recipient (default: the depositor)")
  .addOptionalParam("from", "Acting account (default: the first account)")
  .addFlag("approve", "Approve the portal for the token if the allowance is short")
  .addFlag("json", "Print JSON")
  .setAction(
    async (
      args: {
        rollup: string;
        amount: string;
        token?: string;
        to?: string;
        from?: string;
        approve: boolean;
        json: boolean;
      },
      hre,
    ) => {
      const rollup = await parseRollup(hre, await rollupFactory(hre), args.rollup);
      const portal = await portalOf(hre, rollup);
      const portalAddress = await portal.getAddress();
      const signer = await signerFor(hre, args.from);
      const from = await signer.getAddress();
      const to = args.to === undefined ? from : parseAddress(args.to, "--to");
      const token = args.token === undefined ? ZeroAddress : parseAddress(args.token, "--token");
      let approved: TxReport | undefined;
      let amount: bigint;
      if (token === ZeroAddress) {
        amount = parseUnitsOf(args.amount, 18, "--amount");
        const balance = await hre.ethers.provider.getBalance(from);
        if (balance < amount)
          fail(`${from} holds ${formatUnits(balance)} ETH: less than the ${args.amount} ETH to deposit`);
        await preflight(portal.connect(signer).depositETH.staticCall(to, { value: amount, blockTag: "pending" }));
      } else {
        if ((await hre.ethers.provider.getCode(token)) === "0x") fail(`--token ${token} is not a contract`);
        const erc20 = await hre.ethers.getContractAt("IERC20Metadata", token);
        const decimals = Number(await erc20.decimals().catch(() => fail(`--token ${token} has no decimals()`)));
        const symbol = await erc20.symbol().catch(() => token);
        amount = parseUnitsOf(args.amount, decimals, "--amount");
        const balance = await erc20.balanceOf(from);
        if (balance < amount) {
          fail(`${from} holds ${formatUnits(balance, decimals)} ${symbol}: less than the ${args.amount} to deposit`);
        }
        const format = (value: bigint) => `${formatUnits(value, decimals)} ${symbol}`;
        const approval = await prepareApproval(erc20, signer, portalAddress, amount, args.approve, format);
        // the deposit itself, simulated before the approval is sent
        approved = await approveFor(
          approval,
          () => portal.connect(signer).depositERC20.staticCall(token, amount, to, { blockTag: "pending" }),
          explainPortal,
        );
      }
      const tx = await confirm(
        token === ZeroAddress
          ? portal.connect(signer).depositETH(to, { value: amount })
          : portal.connect(signer).depositERC20(token, amount, to),
      );
      const [event] = await portal.queryFilter(portal.filters.DepositInitiated(), tx.block, tx.block);
      const queueIndex = event.args.queueIndex;
      const deadline = Number((await rollup.queuedTransaction(queueIndex)).deadline);
      const now = await latestTime(hre);
      const result = {
        rollup: await rollup.getAddress(),
        portal: portalAddress,
        queueIndex,
        from,
        to,
        token,
        amount,
        deadline,
        ...(approved && { approval: approved }),
        tx,
      };
      const formatted = await formatToken(hre, token, amount);
      return output(args.json, result, () => [
        ...(approved ? [txLine("approved the portal", approved)] : []),
        txLine(`deposited ${formatted} to ${to} on L2 as queue item ${queueIndex}`, tx),
        `  the sequencer must include it by ${timeAt(deadline, now)}; after that anyone forces it in (rollup force-include)`,
      ]);
    },
  );

areaTask(
  "bridge deposits",
  "Lists a rollup's deposits: queued, overdue, included, refundable after retirement, refunded",
)
  .addParam("rollup", "Rollup address or chain ID")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { rollup: string; json: boolean }, hre) => {
    const rollup = await parseRollup(hre, await rollupFactory(hre), args.rollup);
    const portal = await portalOf(hre, rollup);
    const now = await latestTime(hre);
    const list = await deposits(rollup, portal, now);
    const portalAddress = await portal.getAddress();
    const lines: string[] = [];
    for (const d of list) {
      const state =
        d.status === "queued" || d.status === "overdue" ? `${d.status}, due ${timeAt(d.deadline, now)}` : d.status;
      lines.push(
        `  #${d.queueIndex}: ${await formatToken(hre, d.token, d.amount)} from ${d.from} to ${d.to}: ${state}`,
      );
    }
    return output(args.json, { rollup: await rollup.getAddress(), portal: portalAddress, deposits: list }, () => [
      `portal ${portalAddress}: ${list.length} deposit(s)`,
      ...lines,
    ]);
  });

/** One withdrawal state as a line (`amount`: the withdrawal's, formatted). */
function stateLine(s: WithdrawalState, amount: string, now: number): string {
  const w = s.withdrawal;
  const what = `withdrawal ${w.nonce} (L2 block ${w.l2Block}): ${amount} to ${w.recipient}`;
  switch (s.status) {
    case "claimable":
      return `  ${what}: claimable against output ${s.output!.index}`;
    case "claimable fast":
      return `  ${what}: claimable now, fast, against output ${s.output!.index} (FastFinalized; fast capacity ${formatUnits(
        s.fastCapacity!,
      )} ALT)`;
    case "waiting":
      return `  ${what}: in output ${s.output!.index} (${s.output!.status}), claimable ${
        s.claimableAt === undefined ? "once its validity proof is verified" : timeAt(s.claimableAt, now)
      }`;
    default:
      return `  ${what}: ${s.status}`;
  }
}

areaTask("bridge withdrawals", "Lists an L2's withdrawals (from its withdrawals file) with their state and claim time")
  .addParam("rollup", "Rollup address or chain ID")
  .addParam("file", 'The L2\'s withdrawals file: {"withdrawals": [{nonce, l2Block, sender, recipient, token, amount}]}')
  .addFlag("json", "Print JSON")
  .setAction(async (args: { rollup: string; file: string; json: boolean }, hre) => {
    const withdrawals = readWithdrawals(args.file);
    const rollup = await parseRollup(hre, await rollupFactory(hre), args.rollup);
    const portal = await portalOf(hre, rollup);
    const states = await withdrawalStates(rollup, portal, withdrawals);
    const now = await latestTime(hre);
    const data = states.map((s) => ({
      nonce: s.withdrawal.nonce,
      hash: s.hash,
      status: s.status,
      ...(s.output && { outputIndex: s.output.index }),
      ...(s.claimableAt && { claimableAt: s.claimableAt }),
      ...(s.fastCapacity !== undefined && { fastCapacity: s.fastCapacity }),
    }));
    const lines: string[] = [];
    for (const s of states) {
      lines.push(stateLine(s, await formatToken(hre, s.withdrawal.token, s.withdrawal.amount), now));
    }
    return output(args.json, { rollup: await rollup.getAddress(), withdrawals: data }, () => [
      `${states.length} withdrawal(s) of rollup ${args.rollup}:`,
      ...lines,
    ]);
  });

areaTask(
  "bridge withdrawals-root",
  "The withdrawals root an output at an L2 block commits to (for rollup propose-output)",
)
  .addParam("file", "The L2's withdrawals file")
  .addParam("block", "The output's L2 block number: the root holds every withdrawal made up to it")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { file: string; block: string; json: boolean }) => {
    const withdrawals = readWithdrawals(args.file);
    const block = parseWhole(args.block, "--block");
    const tree = treeAt(withdrawals, block);
    return output(args.json, { l2BlockNumber: block, withdrawals: tree.withdrawals.length, root: tree.root }, () => [
      `withdrawals root at L2 block ${block} (${tree.withdrawals.length} withdrawal(s)): ${tree.root}`,
    ]);
  });

/** The state of withdrawal `nonce` of the file, refused unless it is in an output. */
function stateOf(states: WithdrawalState[], nonce: bigint): WithdrawalState {
  const state = states.find((s) => s.withdrawal.nonce === nonce);
  if (state === undefined) fail(`the withdrawals file has no withdrawal ${nonce}`);
  if (state.status === "claimed") fail(`withdrawal ${nonce} was claimed already`);
  if (state.status === "not in an output") fail(`withdrawal ${nonce} is in no live output yet`);
  return state;
}

areaTask("bridge prove", "Builds a withdrawal's claim (output, output proof, Merkle proof) and checks it on chain")
  .addParam("rollup", "Rollup address or chain ID")
  .addParam("file", "The L2's withdrawals file")
  .addParam("nonce", "The withdrawal's nonce")
  .addOptionalParam("out", "Write the claim to this JSON file (for bridge claim --proof)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { rollup: string; file: string; nonce: string; out?: string; json: boolean }, hre) => {
    const withdrawals = readWithdrawals(args.file);
    const nonce = parseWhole(args.nonce, "--nonce");
    const rollup = await parseRollup(hre, await rollupFactory(hre), args.rollup);
    const portal = await portalOf(hre, rollup);
    const state = stateOf(await withdrawalStates(rollup, portal, withdrawals), nonce);
    const claim = claimArguments(state, withdrawals, state.withdrawal.recipient);
    // the portal's own check: a claimable withdrawal must pass it now (nothing is sent)
    const claimableNow = state.status === "claimable" || state.status === "claimable fast";
    if (claimableNow) {
      await preflight(
        portal.claimWithdrawal.staticCall(
          claim.withdrawal,
          claim.outputIndex,
          claim.outputProof,
          claim.proof,
          claim.to,
        ),
      );
    }
    const data = { rollup: await rollup.getAddress(), status: state.status, ...claim };
    const json = JSON.stringify(data, (_, v) => (typeof v === "bigint" ? v.toString() : v), 2);
    if (args.out !== undefined) writeOutput(args.out, `${json}\n`);
    const now = await latestTime(hre);
    const amount = await formatToken(hre, claim.withdrawal.token, claim.withdrawal.amount);
    return output(args.json, data, () => [
      `withdrawal ${nonce}: proven against output ${claim.outputIndex} (${claim.proof.length}-level proof)${
        claimableNow
          ? `, checked by the portal: claimable now${state.status === "claimable fast" ? " (fast)" : ""}`
          : ""
      }`,
      ...(state.status === "waiting" ? [stateLine(state, amount, now)] : []),
      ...(args.out === undefined ? [] : [`  written to ${args.out} (bridge claim --proof ${args.out})`]),
    ]);
  });

interface ClaimFile {
  rollup: string;
  withdrawal: Withdrawal;
  outputIndex: bigint;
  outputProof: OutputProof;
  proof: string[];
}

/** A claim written by `bridge prove --out`. */
function readClaim(file: string): ClaimFile {
  const data = readJson(file) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  return parseOr(`${file} is not a claim of bridge prove`, () => {
    const w = data.withdrawal;
    if (w === undefined || data.outputProof === undefined || !Array.isArray(data.proof))
      throw new Error("fields missing");
    return {
      rollup: String(data.rollup),
      withdrawal: {
        nonce: BigInt(w.nonce),
        sender: w.sender,
        recipient: w.recipient,
        token: w.token,
        amount: BigInt(w.amount),
      },
      outputIndex: BigInt(data.outputIndex),
      outputProof: data.outputProof,
      proof: data.proof,
    };
  });
}

areaTask(
  "bridge claim",
  "Claims a withdrawal against a Finalized output, or ALT fast against a FastFinalized one (anyone for the recipient)",
)
  .addParam("rollup", "Rollup address or chain ID")
  .addOptionalParam("file", "The L2's withdrawals file (with --nonce)")
  .addOptionalParam("nonce", "The withdrawal's nonce (with --file)")
  .addOptionalParam("proof", "Instead of --file and --nonce: a claim written by bridge prove --out")
  .addOptionalParam("to", "Pay to this address (the recipient only; default: the recipient)")
  .addOptionalParam("from", "Acting account (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(
    async (
      args: {
        rollup: string;
        file?: string;
        nonce?: string;
        proof?: string;
        to?: string;
        from?: string;
        json: boolean;
      },
      hre,
    ) => {
      const rollup = await parseRollup(hre, await rollupFactory(hre), args.rollup);
      const portal = await portalOf(hre, rollup);
      let claim: Omit<ClaimFile, "rollup">;
      if (args.proof !== undefined) {
        if (args.file !== undefined || args.nonce !== undefined) fail("give --proof, or --file and --nonce, not both");
        const read = readClaim(args.proof);
        if (read.rollup.toLowerCase() !== (await rollup.getAddress()).toLowerCase()) {
          fail(`${args.proof} is a claim on rollup ${read.rollup}, not ${await rollup.getAddress()}`);
        }
        claim = read;
      } else {
        if (args.file === undefined || args.nonce === undefined) fail("give --file and --nonce, or --proof");
        const withdrawals = readWithdrawals(args.file);
        const state = stateOf(await withdrawalStates(rollup, portal, withdrawals), parseWhole(args.nonce, "--nonce"));
        if (state.status === "waiting") {
          const amount = await formatToken(hre, state.withdrawal.token, state.withdrawal.amount);
          fail(`not yet claimable: ${stateLine(state, amount, await latestTime(hre)).trim()}`);
        }
        claim = claimArguments(state, withdrawals, state.withdrawal.recipient);
      }
      const signer = await signerFor(hre, args.from);
      const to = args.to === undefined ? claim.withdrawal.recipient : parseAddress(args.to, "--to");
      const call = [claim.withdrawal, claim.outputIndex, claim.outputProof, claim.proof, to] as const;
      await preflight(
        portal.connect(signer).claimWithdrawal.staticCall(...call, { blockTag: "pending" }),
        explainPortal,
      );
      const tx = await confirm(portal.connect(signer).claimWithdrawal(...call), explainPortal);
      const w = claim.withdrawal;
      const amount = await formatToken(hre, w.token, w.amount);
      const result = { rollup: await rollup.getAddress(), nonce: w.nonce, outputIndex: claim.outputIndex, to, tx };
      return output(args.json, result, () => [
        txLine(`claimed withdrawal ${w.nonce}: ${amount} to ${to}, against output ${claim.outputIndex}`, tx),
      ]);
    },
  );

areaTask("bridge refund", "Refunds a deposit a retired rollup never included, to its sender (or where the sender says)")
  .addParam("rollup", "Rollup address or chain ID")
  .addParam("index", "The deposit's queue index")
  .addOptionalParam("to", "Pay to this address (the depositor only; default: the depositor)")
  .addOptionalParam("from", "Acting account (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { rollup: string; index: string; to?: string; from?: string; json: boolean }, hre) => {
    const rollup = await parseRollup(hre, await rollupFactory(hre), args.rollup);
    const portal = await portalOf(hre, rollup);
    const index = parseWhole(args.index, "--index");
    const [found] = await deposits(rollup, portal, await latestTime(hre), index);
    if (found === undefined) fail(`queue item ${index} is not a deposit of the portal`);
    const { from, to: l2, token, amount, status } = found;
    const deposit = { from, to: l2, token, amount };
    if (status === "included") fail(`deposit ${index} was included: it left L1 (withdraw it on L2)`);
    if (status === "refunded") fail(`deposit ${index} was refunded already`);
    if (status !== "refundable") fail(`deposit ${index} is ${status}: refunds wait for the rollup to retire`);
    const signer = await signerFor(hre, args.from);
    const payee = args.to === undefined ? from : parseAddress(args.to, "--to");
    await preflight(
      portal.connect(signer).refundDeposit.staticCall(index, deposit, payee, { blockTag: "pending" }),
      explainPortal,
    );
    const tx = await confirm(portal.connect(signer).refundDeposit(index, deposit, payee), explainPortal);
    const formatted = await formatToken(hre, token, amount);
    return output(
      args.json,
      { rollup: await rollup.getAddress(), queueIndex: index, to: payee, amount, token, tx },
      () => [txLine(`refunded deposit ${index}: ${formatted} to ${payee}`, tx)],
    );
  });

areaTask(
  "bridge recover",
  "Moves into the portal the ALT slashed from signers of invalid MACH certificates (anyone): it makes good fast withdrawals",
)
  .addParam("rollup", "Rollup address or chain ID")
  .addOptionalParam("from", "Acting account (default: the first account)")
  .addFlag("json", "Print JSON")
  .setAction(async (args: { rollup: string; from?: string; json: boolean }, hre) => {
    const rollup = await parseRollup(hre, await rollupFactory(hre), args.rollup);
    const portal = await portalOf(hre, rollup);
    const signer = await signerFor(hre, args.from);
    await preflight(portal.connect(signer).recoverSlashProceeds.staticCall({ blockTag: "pending" }), explainPortal);
    const before = await portal.fastRecovered();
    const tx = await confirm(portal.connect(signer).recoverSlashProceeds(), explainPortal);
    const [recovered, deficit] = [await portal.fastRecovered(), await portal.fastDeficit()];
    const amount = recovered - before;
    const portalAddress = await portal.getAddress();
    return output(
      args.json,
      { rollup: await rollup.getAddress(), portal: portalAddress, amount, recovered, deficit, tx },
      () => [
        txLine(
          `recovered ${formatUnits(amount)} ALT into portal ${portalAddress} (${formatUnits(recovered)} in all; ` +
            `still lost to invalidations: ${formatUnits(deficit)} ALT)`,
          tx,
        ),
      ],
    );
  });
