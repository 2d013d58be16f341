// VITAL verification tasks: challenge an output (with the bond) of a set live in the current epoch, vote with the stake
// counted in the set in the challenge's epoch (OperatorSets' checkpoints: no snapshot), resolve after the vote.
import { scanFrom } from "./lib/addressBook";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { confirm, fail, formatAlt, output, parseAddress, preflight, signerFor, txLine, areaTask } from "./lib/cli";
import { eventsOf, formatBps, latestTime, operatorSets, parseWhole, slashingManager } from "./lib/restaking";
import { parseRollup, payAlt, rollupFactory, rollupOutput } from "./lib/rollups";
import {
  liveEpoch,
  registeredSet,
  serviceContract,
  slashRefusal,
  VITAL_RESULTS as RESULTS,
  VITAL_VOTES as VOTES,
  votersOf,
  when,
} from "./lib/services";

async function challengeOf(hre: HardhatRuntimeEnvironment, value: string) {
  const vital = await serviceContract(hre, "vital");
  const challengeId = parseWhole(value, "--challenge");
  const count = await vital.challengeCount();
  if (challengeId >= count) fail(`no challenge ${challengeId}: there are ${count}`);
  return { vital, challengeId, challenge: await vital.challengeOf(challengeId) };
}

areaTask("vital challenge", "Challenges a rollup output in VITAL, paying the bond (a member of the rollup's VITAL set)")
  .addParam("rollup", "Rollup address or chain ID")
  .addParam("output", "Index of the output")
  .addOptionalParam("from", "Account to act as (default: the first account)")
  .addFlag("approve", "Approve the bond if the allowance is short")
  .addFlag("json", "Print the result as JSON")
  .setAction(async (args: { rollup: string; output: string; from?: string; approve: boolean; json: boolean }, hre) => {
    const rollupContract = await parseRollup(hre, await rollupFactory(hre), args.rollup);
    const rollup = await rollupContract.getAddress();
    const { index: outputIndex, output: challenged } = await rollupOutput(rollupContract, args.output);
    const vital = await serviceContract(hre, "vital");
    const setId = await registeredSet(hre, vital, rollup, "vital");
    const signer = await signerFor(hre, args.from);
    const challenger = await signer.getAddress();
    // refused before the bond's approval is sent
    const sets = await operatorSets(hre);
    const membership = await sets.membership(setId, challenger);
    if (!membership.member) fail(`${challenger} is not a member of the rollup's VITAL set`);
    // the set must be live in the current epoch (read from the checkpoints: no snapshot needed)
    await liveEpoch(sets, setId);
    const [open, openId] = await vital.openChallenge(rollup, challenged.l2BlockNumber, challenged.root);
    if (open) fail(`output ${outputIndex} is under challenge ${openId} already`);
    const [, bond] = await vital.parameters();
    const approval = await payAlt(hre, signer, await vital.getAddress(), bond, args.approve, () =>
      vital.connect(signer).challenge.staticCall(rollup, outputIndex, { blockTag: "pending" }),
    );
    const challengeId = await vital.challengeCount();
    const tx = await confirm(vital.connect(signer).challenge(rollup, outputIndex));
    const { deadline, epoch } = await vital.challengeOf(challengeId);
    const now = await latestTime(hre);
    return output(args.json, { challengeId, rollup, outputIndex, bond, epoch, deadline, approval, tx }, () => [
      ...(approval ? [txLine("bond approved", approval)] : []),
      txLine(`challenge ${challengeId} of output ${outputIndex} (bond ${formatAlt(bond)})`, tx),
      `  votes with epoch ${epoch} stake until ${when(deadline, now)}`,
    ]);
  });

areaTask("vital vote", "Votes on a VITAL challenge with the caller's stake counted in the set in the challenge's epoch")
  .addParam("challenge", "Challenge id")
  .addFlag("invalid", "Vote that the output is invalid")
  .addFlag("valid", "Vote that the output is valid")
  .addOptionalParam("from", "Account to act as (default: the first account)")
  .addFlag("json", "Print the result as JSON")
  .setAction(
    async (args: { challenge: string; invalid: boolean; valid: boolean; from?: string; json: boolean }, hre) => {
      if (args.invalid === args.valid) fail("pass exactly one of --invalid and --valid");
      const { vital, challengeId, challenge } = await challengeOf(hre, args.challenge);
      if (RESULTS[Number(challenge.result)] !== "Open")
        fail(`challenge ${challengeId} is ${RESULTS[Number(challenge.result)]}`);
      const signer = await signerFor(hre, args.from);
      const voter = await signer.getAddress();
      // refused before sending, in the contract's order: no stake counted in the challenge's epoch, voted (a jailed
      // voter votes with that stake too)
      const sets = await operatorSets(hre);
      const stake = await sets.allocationAt(await vital.setIdOf(challenge.rollup), voter, challenge.epoch);
      if (stake === 0n) {
        fail(`${voter} had no stake counted in the set in epoch ${challenge.epoch}, the challenge's: it cannot vote`);
      }
      const cast = VOTES[Number(await vital.voteOf(challengeId, voter))];
      if (cast !== "None") fail(`${voter} voted on challenge ${challengeId} already (${cast})`);
      const tx = await confirm(vital.connect(signer).vote(challengeId, args.invalid));
      const after = await vital.challengeOf(challengeId);
      const result = RESULTS[Number(after.result)];
      return output(
        args.json,
        {
          challengeId,
          voter,
          invalid: args.invalid,
          invalidStake: after.invalidStake,
          validStake: after.validStake,
          result,
          tx,
        },
        () => [
          txLine(`voted ${args.invalid ? "invalid" : "valid"} on challenge ${challengeId}`, tx),
          `  invalid ${formatAlt(after.invalidStake)}, valid ${formatAlt(after.validStake)}: ${result}`,
        ],
      );
    },
  );

areaTask(
  "vital resolve",
  "Ends a VITAL challenge after its vote (Failed: the bond goes to the treasury), or retries a deferred invalidation",
)
  .addParam("challenge", "Challenge id")
  .addOptionalParam("from", "Account to act as (default: the first account)")
  .addFlag("json", "Print the result as JSON")
  .setAction(async (args: { challenge: string; from?: string; json: boolean }, hre) => {
    const { vital, challengeId, challenge } = await challengeOf(hre, args.challenge);
    if (RESULTS[Number(challenge.result)] !== "Open")
      fail(`challenge ${challengeId} is ${RESULTS[Number(challenge.result)]}`);
    // a challenge that reached two thirds retries its deferred invalidation at any time; others wait for the deadline
    const now = await latestTime(hre);
    const tx = await confirm(vital.connect(await signerFor(hre, args.from)).resolve(challengeId), (reason) =>
      reason.startsWith("VitalVotingOpen")
        ? `the vote of challenge ${challengeId} runs until ${when(challenge.deadline, now)}`
        : undefined,
    );
    const result = RESULTS[Number((await vital.challengeOf(challengeId)).result)];
    return output(args.json, { challengeId, result, tx }, () => [txLine(`challenge ${challengeId}: ${result}`, tx)]);
  });

areaTask(
  "vital report-voters",
  "Reports the members that voted valid on an output a VITAL challenge invalidated (anyone): one slash request each",
)
  .addParam("challenge", "Challenge id")
  .addOptionalParam("voters", "Voters to report, comma-separated (default: every valid voter not reported yet)")
  .addOptionalParam("fromBlock", "Look for the challenge's votes from this block", "0")
  .addOptionalParam("from", "Account to act as and be the reporter (default: the first account)")
  .addFlag("json", "Print the result as JSON")
  .setAction(
    async (args: { challenge: string; voters?: string; fromBlock: string; from?: string; json: boolean }, hre) => {
      const fromBlock = Number(parseWhole(args.fromBlock, "--from-block"));
      const given = args.voters?.split(",").map((v) => parseAddress(v.trim(), "--voters"));
      const { vital, challengeId, challenge } = await challengeOf(hre, args.challenge);
      const now = await latestTime(hre);
      const result = RESULTS[Number(challenge.result)];
      if (result !== "Invalidated") {
        fail(
          `challenge ${challengeId} is ${result}` +
            (result === "Open" ? ` (its vote runs until ${when(challenge.deadline, now)})` : "") +
            `: only the valid voters of a challenge that invalidated its output are reportable`,
        );
      }
      const voters = await votersOf(vital, challengeId, await scanFrom(hre, fromBlock));
      let reported: string[];
      if (given === undefined) {
        reported = voters.filter((v) => v.vote === "Valid").map((v) => v.operator);
        if (reported.length === 0) {
          const already = voters.filter((v) => v.vote === "ValidReported").map((v) => v.operator);
          fail(
            already.length === 0
              ? `nobody voted valid on challenge ${challengeId}: nobody to report`
              : `every valid voter of challenge ${challengeId} is reported already: ${already.join(", ")}`,
          );
        }
      } else {
        for (const [i, voter] of given.entries()) {
          if (given.indexOf(voter) !== i) fail(`--voters lists ${voter} twice`);
          const vote = VOTES[Number(await vital.voteOf(challengeId, voter))];
          if (vote === "None") fail(`${voter} did not vote on challenge ${challengeId}: not reportable`);
          if (vote === "Invalid") fail(`${voter} voted invalid on challenge ${challengeId}: not reportable`);
          if (vote === "ValidReported") fail(`${voter} was reported for challenge ${challengeId} already`);
        }
        reported = given;
      }
      const signer = await signerFor(hre, args.from);
      const reporter = await signer.getAddress();
      const explain = (reason: string) => slashRefusal(reason, now);
      await preflight(vital.connect(signer).reportVoters.staticCall(challengeId, reported), explain);
      const tx = await confirm(vital.connect(signer).reportVoters(challengeId, reported), explain);
      const manager = await slashingManager(hre);
      const stakes = new Map(voters.map((v) => [v.operator, v.stake]));
      const reports: { operator: string; stake: bigint; requestId: bigint; bps: bigint; executableAt: bigint }[] = [];
      for (const e of await eventsOf(hre, tx, vital, "VoterReported")) {
        const requestId = e.args.requestId as bigint;
        const request = await manager.request(requestId);
        const operator = e.args.operator as string;
        reports.push({
          operator,
          stake: stakes.get(operator)!,
          requestId,
          bps: request.bps,
          executableAt: request.executableAt,
        });
      }
      const reporterBps = await manager.reporterBps();
      const sentAt = await latestTime(hre);
      return output(args.json, { challengeId, reporter, reports, tx }, () => [
        txLine(
          `reported ${reports.length} valid voter${reports.length === 1 ? "" : "s"} of challenge ${challengeId}: ` +
            `slash request${reports.length === 1 ? "" : "s"} ${reports.map((r) => r.requestId).join(", ")}`,
          tx,
        ),
        ...reports.map(
          (r) =>
            `  ${r.operator} (voted valid with ${formatAlt(r.stake)}): request ${r.requestId}, ${formatBps(r.bps)} of ` +
            `its allocation, executable from ${when(r.executableAt, sentAt)} unless vetoed; jailed while pending`,
        ),
        `  the reporter ${reporter} receives ${formatBps(reporterBps)} of what is slashed`,
      ]);
    },
  );

/** One challenge as vital list shows it. */
interface ChallengeRow {
  challengeId: bigint;
  rollup: string;
  outputIndex: bigint;
  l2BlockNumber: bigint;
  challenger: string;
  result: (typeof RESULTS)[number];
  bond: bigint;
  epoch: bigint;
  createdAt: bigint;
  deadline: bigint;
  invalidStake: bigint;
  invalidVotes: number;
  validStake: bigint;
  validVotes: number;
  /** The set's stake counted in the challenge's epoch: two thirds of it invalidate. */
  totalStake: bigint;
}

areaTask(
  "vital list",
  "Lists the VITAL challenges (from their events): output, challenger, result, deadline, stake each side",
)
  .addOptionalParam("rollup", "Only the challenges of this rollup (address or chain ID)")
  .addFlag("open", "Only the open challenges")
  .addOptionalParam("fromBlock", "Look for challenges from this block", "0")
  .addFlag("json", "Print the result as JSON")
  .setAction(async (args: { rollup?: string; open: boolean; fromBlock: string; json: boolean }, hre) => {
    const fromBlock = Number(parseWhole(args.fromBlock, "--from-block"));
    const scan = await scanFrom(hre, fromBlock);
    const rollup =
      args.rollup === undefined
        ? undefined
        : await (await parseRollup(hre, await rollupFactory(hre), args.rollup)).getAddress();
    const vital = await serviceContract(hre, "vital");
    const sets = await operatorSets(hre);
    const now = await latestTime(hre);
    const [events, votes] = await Promise.all([
      vital.queryFilter(vital.filters.Challenged(undefined, rollup), scan),
      vital.queryFilter(vital.filters.Voted(), scan),
    ]);
    const challenges: ChallengeRow[] = [];
    for (const e of events) {
      const challengeId = e.args.challengeId;
      const c = await vital.challengeOf(challengeId);
      const result = RESULTS[Number(c.result)];
      if (args.open && result !== "Open") continue;
      const ofChallenge = votes.filter((v) => v.args.challengeId === challengeId);
      const totalStake = await sets.setStakeAt(await vital.setIdOf(c.rollup), c.epoch);
      challenges.push({
        challengeId,
        rollup: c.rollup,
        outputIndex: c.outputIndex,
        l2BlockNumber: c.l2BlockNumber,
        challenger: c.challenger,
        result,
        bond: c.bond,
        epoch: c.epoch,
        createdAt: c.createdAt,
        deadline: c.deadline,
        invalidStake: c.invalidStake,
        invalidVotes: ofChallenge.filter((v) => v.args.invalid).length,
        validStake: c.validStake,
        validVotes: ofChallenge.filter((v) => !v.args.invalid).length,
        totalStake,
      });
    }
    const votesOf = (n: number) => `${n} vote${n === 1 ? "" : "s"}`;
    const filters = [args.open ? "open " : "", rollup === undefined ? "" : ` of ${rollup}`];
    return output(args.json, challenges, () =>
      challenges.length === 0
        ? [`no ${filters[0]}VITAL challenge${filters[1]}${fromBlock === 0 ? "" : ` from block ${fromBlock}`}`]
        : challenges.flatMap((c) => [
            `challenge ${c.challengeId}: output ${c.outputIndex} (block ${c.l2BlockNumber}) of ${c.rollup} by ` +
              `${c.challenger}, bond ${formatAlt(c.bond)}: ${c.result}, vote ${c.deadline > BigInt(now) ? "until" : "ended"} ` +
              `${when(c.deadline, now)}`,
            `  invalid ${formatAlt(c.invalidStake)} (${votesOf(c.invalidVotes)}), valid ${formatAlt(c.validStake)} ` +
              `(${votesOf(c.validVotes)}) of ${formatAlt(c.totalStake)} counted in epoch ${c.epoch}: two thirds invalidate`,
          ]),
    );
  });
