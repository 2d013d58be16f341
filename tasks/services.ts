// Operator-set tasks common to the three restaked services: join (registering the rollup's set if needed), leave,
// snapshot.
import { task } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { confirm, fail, formatAlt, formatTime, output, signerFor, txLine, type TxReport } from "./lib/cli";
import { operatorSets, restakingRegistry } from "./lib/restaking";
import { parseRollup, rollupFactory } from "./lib/rollups";
import {
  currentSnapshot,
  parseServiceName,
  registeredSet,
  requireEnabled,
  serviceContract,
  type ServiceName,
} from "./lib/services";

interface ServiceArgs {
  service: string;
  rollup: string;
  from?: string;
  json: boolean;
}

async function resolve(hre: HardhatRuntimeEnvironment, args: ServiceArgs) {
  const name: ServiceName = parseServiceName(args.service);
  const rollupContract = await parseRollup(hre, await rollupFactory(hre), args.rollup);
  const rollup = await rollupContract.getAddress();
  return { name, rollupContract, rollup, service: await serviceContract(hre, name), sets: await operatorSets(hre) };
}

const serviceTask = (name: string, description: string) =>
  task(name, description)
    .addParam("service", "mach, vital or squad")
    .addParam("rollup", "Rollup address or chain ID")
    .addOptionalParam("from", "Account to act as (default: the first account)")
    .addFlag("json", "Print the result as JSON");

serviceTask(
  "service:join",
  "Joins the rollup's operator set of a service (registering the set first if nobody has)",
).setAction(async (args: ServiceArgs, hre) => {
  const { name, rollupContract, rollup, service, sets } = await resolve(hre, args);
  const signer = await signerFor(hre, args.from);
  const operator = await signer.getAddress();
  const isRegistered = await service.isRegistered(rollup);
  if (!isRegistered) await requireEnabled(rollupContract, name);
  // refused before the registration is sent: nothing is left half done
  const registry = await restakingRegistry(hre);
  if (!(await registry.isOperator(operator))) fail(`${operator} is not an operator (operator:register first)`);
  if (await registry.isJailed(operator)) fail(`${operator} is jailed by a pending slash request`);
  if (isRegistered && (await sets.membership(await service.setIdOf(rollup), operator)).member) {
    fail(`${operator} is a member of the set already`);
  }
  let registered: TxReport | undefined;
  if (!isRegistered) registered = await confirm(service.connect(signer).registerRollup(rollup));
  const setId = await service.setIdOf(rollup);
  const joined = await confirm(sets.connect(signer).join(setId));
  return output(args.json, { service: name, rollup, setId, operator, registered, joined }, () => [
    ...(registered ? [txLine(`registered ${rollup} in ${name.toUpperCase()}`, registered)] : []),
    txLine(`${operator} joined set ${setId}`, joined),
  ]);
});

serviceTask("service:leave", "Requests to leave the rollup's set of a service, or completes the leave with --complete")
  .addFlag("complete", "Complete a leave whose delay is over")
  .setAction(async (args: ServiceArgs & { complete: boolean }, hre) => {
    const { name, rollup, service, sets } = await resolve(hre, args);
    const signer = await signerFor(hre, args.from);
    const operator = await signer.getAddress();
    const setId = await registeredSet(hre, service, rollup, name);
    const membership = await sets.membership(setId, operator);
    if (!membership.member) fail(`${operator} is not a member of the set`);
    if (args.complete) {
      if (membership.leaveAt === 0n) fail(`${operator} has not asked to leave (service:leave without --complete)`);
    } else if (membership.leaveAt !== 0n) {
      fail(`${operator} leaves already, from ${formatTime(membership.leaveAt)}`);
    }
    const tx = await confirm(
      args.complete ? sets.connect(signer).completeLeave(setId) : sets.connect(signer).requestLeave(setId),
      (reason) =>
        reason.startsWith("SetsLeavePending")
          ? `the leave can be completed from ${formatTime(membership.leaveAt)}`
          : undefined,
    );
    const leaveAt = (await sets.membership(setId, operator)).leaveAt;
    return output(args.json, { service: name, rollup, setId, operator, completed: args.complete, leaveAt, tx }, () => [
      args.complete
        ? txLine(`${operator} left set ${setId}`, tx)
        : txLine(`${operator} leaves set ${setId} from ${formatTime(leaveAt)}`, tx),
    ]);
  });

serviceTask(
  "service:snapshot",
  "Takes the current epoch's snapshot of the rollup's set (if not taken) and prints it",
).setAction(async (args: ServiceArgs, hre) => {
  const { name, rollup, service, sets } = await resolve(hre, args);
  const setId = await registeredSet(hre, service, rollup, name);
  const epoch = await sets.currentEpoch();
  let taken: TxReport | undefined;
  if (!(await sets.hasSnapshot(setId, epoch)))
    taken = await confirm(sets.connect(await signerFor(hre, args.from)).snapshot(setId));
  const snap = await currentSnapshot(sets, setId);
  const members = snap.operators.map((operator, index) => ({ index, operator, stake: snap.stakes[index] }));
  return output(
    args.json,
    { service: name, rollup, setId, epoch, totalStake: snap.info.totalStake, members, taken },
    () => [
      ...(taken ? [txLine(`snapshot of epoch ${epoch} taken`, taken)] : []),
      `${name.toUpperCase()} set ${setId}, epoch ${epoch}: ${members.length} members, ${formatAlt(snap.info.totalStake)}`,
      ...members.map((m) => `  #${m.index} ${m.operator} ${formatAlt(m.stake)}`),
    ],
  );
});
