// VITAL verification tasks: challenge an output (with the bond) of a set live in the current epoch, vote with the stake
// counted in the set in the challenge's epoch (OperatorSets' checkpoints: no snapshot), resolve after the vote.
import { task } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { confirm, fail, formatAlt, formatTime, output, signerFor, txLine } from "./lib/cli";
import { operatorSets, parseWhole } from "./lib/restaking";
import { ensureAlt, parseRollup, rollupFactory, rollupOutput } from "./lib/rollups";
import { liveEpoch, registeredSet, serviceContract } from "./lib/services";

const RESULTS = ["None", "Open", "Invalidated", "Failed", "Void"] as const;
/** VitalService.Vote */
const VOTES = ["None", "Valid", "Invalid", "ValidReported"] as const;

async function challengeOf(hre: HardhatRuntimeEnvironment, value: string) {
  const vital = await serviceContract(hre, "vital");
  const challengeId = parseWhole(value, "--challenge");
  const count = await vital.challengeCount();
  if (challengeId >= count) fail(`no challenge ${challengeId}: there are ${count}`);
  return { vital, challengeId, challenge: await vital.challengeOf(challengeId) };
}

task("vital:challenge", "Challenges a rollup output in VITAL, paying the bond (a member of the rollup's VITAL set)")
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
    const approval = await ensureAlt(hre, signer, await vital.getAddress(), bond, args.approve);
    const challengeId = await vital.challengeCount();
    const tx = await confirm(vital.connect(signer).challenge(rollup, outputIndex));
    const { deadline, epoch } = await vital.challengeOf(challengeId);
    return output(args.json, { challengeId, rollup, outputIndex, bond, epoch, deadline, approval, tx }, () => [
      ...(approval ? [txLine("bond approved", approval)] : []),
      txLine(`challenge ${challengeId} of output ${outputIndex} (bond ${formatAlt(bond)})`, tx),
      `  votes with epoch ${epoch} stake until ${formatTime(deadline)}`,
    ]);
  });

task("vital:vote", "Votes on a VITAL challenge with the caller's stake counted in the set in the challenge's epoch")
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

task(
  "vital:resolve",
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
    const tx = await confirm(vital.connect(await signerFor(hre, args.from)).resolve(challengeId), (reason) =>
      reason.startsWith("VitalVotingOpen")
        ? `the vote of challenge ${challengeId} runs until ${formatTime(challenge.deadline)}`
        : undefined,
    );
    const result = RESULTS[Number((await vital.challengeOf(challengeId)).result)];
    return output(args.json, { challengeId, result, tx }, () => [txLine(`challenge ${challengeId}: ${result}`, tx)]);
  });
