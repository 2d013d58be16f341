// Operator-set tasks common to the three restaked services: join (registering the rollup's set if needed, replacing a
// smaller member of a full set), allocate, leave, remove a member below the minimum, and the set as it counts in the
// current epoch (read from OperatorSets' checkpoints).
import type { HardhatRuntimeEnvironment } from "hardhat/types";
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
  type TxReport,
  areaTask,
} from "./lib/cli";
import { blsKeyRegistry, formatWhen, latestTime, operatorSets, restakingRegistry } from "./lib/restaking";
import { parseRollup, rollupAt, rollupFactory } from "./lib/rollups";
import { SERVICES } from "../deploy/lib/rollups";
import type { OperatorSets } from "../typechain-types";
import { refusalExplainer } from "./lib/sets";
import {
  parseServiceName,
  registeredSet,
  setInEpoch,
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
  // the set's short name, as formatSetId prints it: "MACH/5001"
  const setName = `${name.toUpperCase()}/${await rollupContract.chainId()}`;
  return {
    name,
    rollupContract,
    rollup,
    setName,
    service: await serviceContract(hre, name),
    sets: await operatorSets(hre),
  };
}

/** An allocation must be at least the set's minimum stake. */
function requireMinimum(amount: bigint, minStake: bigint) {
  if (amount < minStake) fail(`the set needs at least ${formatAlt(minStake)} allocated, not ${formatAlt(amount)}`);
}

/** The member of `setId` with the smallest allocation, and that allocation. */
async function smallestMember(sets: OperatorSets, setId: bigint) {
  let smallest: { operator: string; allocated: bigint } | undefined;
  for (const operator of await sets.members(setId)) {
    const { allocated } = await sets.allocation(setId, operator);
    if (smallest === undefined || allocated < smallest.allocated) smallest = { operator, allocated };
  }
  return smallest!;
}

/** What a newcomer must allocate to replace a member holding `allocated`: the allocation plus the churn margin. */
async function churnNeeded(sets: OperatorSets, allocated: bigint) {
  const margin = await sets.churnMarginBps();
  return (allocated * (10_000n + margin) + 9_999n) / 10_000n;
}

/** The epoch from which an allocation changed by `tx` counts: the one after the epoch it was mined in. */
async function countsFrom(hre: HardhatRuntimeEnvironment, sets: OperatorSets, tx: TxReport) {
  const block = await hre.ethers.provider.getBlock(tx.block);
  return (await sets.epochAt(block!.timestamp)) + 1n;
}

const serviceTask = (name: string, description: string) =>
  areaTask(name, description)
    .addParam("service", "mach, vital or squad")
    .addParam("rollup", "Rollup address or chain ID")
    .addOptionalParam("from", "Account to act as (default: the first account)")
    .addFlag("json", "Print the result as JSON");

serviceTask(
  "service join",
  "Joins the rollup's operator set of a service, allocating stake to it (registering the set first if nobody has)",
)
  .addOptionalParam("amount", "ALT-equivalent stake to allocate to the set (default: all the operator's free stake)")
  .addOptionalParam(
    "replace",
    "In a full set, the member to replace (an address, or 'smallest'): the allocation must beat its by the churn margin",
  )
  .setAction(async (args: ServiceArgs & { amount?: string; replace?: string }, hre) => {
    const { name, rollupContract, rollup, setName, service, sets } = await resolve(hre, args);
    const signer = await signerFor(hre, args.from);
    const operator = await signer.getAddress();
    const explain = await refusalExplainer(hre);
    const isRegistered = await service.isRegistered(rollup);
    if (!isRegistered) await requireEnabled(rollupContract, name);
    // refused before the registration is sent: nothing is left half done
    const registry = await restakingRegistry(hre);
    if (!(await registry.isOperator(operator))) fail(`${operator} is not an operator (operator register first)`);
    if (await registry.isJailed(operator)) fail(`${operator} is jailed by a pending slash request`);
    // a MACH set adds each member's BLS key to its aggregate key: the registry refuses a join without one (BlsNoKey)
    if (name === "mach" && (await (await blsKeyRegistry(hre)).keyOf(operator)) === "0x") {
      fail(
        `${operator} has no BLS key, which MACH needs: register a BLS key first: ` +
          `npx hardhat mach register-key --from ${operator} (its secret key in $ALT_BLS_KEY)`,
      );
    }
    if (isRegistered && (await sets.membership(await service.setIdOf(rollup), operator)).member) {
      fail(`${operator} is a member of the set already`);
    }
    // what it deallocated from this set and is still held comes back first, needing no free stake
    const held = isRegistered ? (await sets.allocation(await service.setIdOf(rollup), operator)).pendingFree : 0n;
    const free = (await sets.freeStake(operator)) + held;
    const amount = args.amount === undefined ? free : parseAmount(args.amount, "--amount");
    if (amount > free) fail(`${operator} has ${formatAlt(free)} of free stake, less than ${formatAlt(amount)}`);
    const minStake = isRegistered
      ? (await sets.setConfig(await service.setIdOf(rollup))).minStake
      : (await service.setDefaults()).minStake;
    requireMinimum(amount, minStake);
    const setId = await service.setIdOf(rollup);
    const replaced = isRegistered ? await replacement(sets, setId, amount, args.replace) : undefined;
    if (replaced === undefined && args.replace !== undefined)
      fail("--replace is for a full set only: this one has room");
    // Everything this sends is simulated before the first transaction. A join to a set that exists is simulated as
    // it is. A join after registerRollup cannot be (its set exists only once the registration is mined), so the
    // registration is simulated and the join's preconditions read instead: the operator registered, not jailed and
    // with MACH's BLS key, the allocation within its free stake and at least the set's minimum (all above), within
    // its stake not yet allocated (allocations never exceed the active stake), a place among its sets (at most
    // MAX_SETS_PER_OPERATOR) and a place in the new set (its maximum size). Nobody is a member of the new set, nor
    // jailed in it.
    if (isRegistered) {
      await preflight(
        replaced === undefined
          ? sets.connect(signer).join.staticCall(setId, amount, { blockTag: "pending" })
          : sets.connect(signer).joinReplacing.staticCall(setId, amount, replaced, { blockTag: "pending" }),
        explain,
      );
    } else {
      await preflight(service.connect(signer).registerRollup.staticCall(rollup, { blockTag: "pending" }), explain);
      const [{ maxSize }, stake, { allocated }, mySets, maxSets] = await Promise.all([
        service.setDefaults(),
        registry.operatorStake(operator),
        sets.allocatedOf(operator),
        sets.setsOf(operator),
        sets.MAX_SETS_PER_OPERATOR(),
      ]);
      const room = stake > allocated ? stake - allocated : 0n;
      if (amount > room) {
        fail(`${operator} has ${formatAlt(room)} of stake not allocated yet, less than ${formatAlt(amount)}`);
      }
      if (BigInt(mySets.length) >= maxSets)
        fail(`${operator} is in ${mySets.length} sets, the most an operator can be`);
      if (maxSize === 0n) fail(`${name.toUpperCase()} creates sets with room for nobody (maxSize 0)`);
    }
    let registered: TxReport | undefined;
    if (!isRegistered) registered = await confirm(service.connect(signer).registerRollup(rollup), explain);
    // a replaced member's allocation still counts in this epoch, the newcomer's from the next: nothing waits
    const joined = await confirm(
      replaced === undefined
        ? sets.connect(signer).join(setId, amount)
        : sets.connect(signer).joinReplacing(setId, amount, replaced),
      explain,
    );
    const counts = await countsFrom(hre, sets, joined);
    return output(
      args.json,
      {
        service: name,
        rollup,
        setId,
        set: setName,
        operator,
        amount,
        replaced: replaced ?? null,
        countsFrom: counts,
        registered,
        joined,
      },
      () => [
        ...(registered ? [txLine(`registered ${rollup} in ${name.toUpperCase()}`, registered)] : []),
        txLine(
          `${operator} joined set ${setName} with ${formatAlt(amount)} allocated, counted from epoch ${counts}` +
            (replaced === undefined ? "" : `, replacing ${replaced}`),
          joined,
        ),
      ],
    );
  });

/**
 * The member a join must replace: none while the set has room; in a full set the one named by `replace` (an address or
 * "smallest"), refused unless `amount` beats its allocation by the churn margin.
 */
async function replacement(sets: OperatorSets, setId: bigint, amount: bigint, replace: string | undefined) {
  const { maxSize } = await sets.setConfig(setId);
  const count = (await sets.members(setId)).length;
  if (BigInt(count) < maxSize) return undefined;
  const smallest = await smallestMember(sets, setId);
  if (replace === undefined) {
    const needed = await churnNeeded(sets, smallest.allocated);
    fail(
      `the set is full (${count} members, at most ${maxSize}): to replace its smallest member ${smallest.operator} ` +
        `(${formatAlt(smallest.allocated)}), pass --replace smallest and allocate at least ${formatAlt(needed)}`,
    );
  }
  const operator = replace === "smallest" ? smallest.operator : parseAddress(replace, "--replace");
  if (!(await sets.membership(setId, operator)).member) fail(`${operator} is not a member of the set`);
  const needed = await churnNeeded(sets, (await sets.allocation(setId, operator)).allocated);
  if (amount < needed) {
    fail(
      `replacing ${operator} needs at least ${formatAlt(needed)} allocated (churn margin), not ${formatAlt(amount)}`,
    );
  }
  return operator;
}

serviceTask(
  "service allocate",
  "Changes the stake a member allocates to the rollup's set (an increase counts from the next epoch; a decrease " +
    "stops counting then and stays slashable for the withdrawal delay)",
)
  .addParam("amount", "The new allocation, ALT-equivalent")
  .setAction(async (args: ServiceArgs & { amount: string }, hre) => {
    const { name, rollup, setName, service, sets } = await resolve(hre, args);
    const signer = await signerFor(hre, args.from);
    const operator = await signer.getAddress();
    const setId = await registeredSet(hre, service, rollup, name);
    const amount = parseAmount(args.amount, "--amount");
    const membership = await sets.membership(setId, operator);
    if (!membership.member) fail(`${operator} is not a member of the set (service join)`);
    const { minStake } = await sets.setConfig(setId);
    requireMinimum(amount, minStake);
    const { allocated: before, pendingFree: held } = await sets.allocation(setId, operator);
    const free = (await sets.freeStake(operator)) + held;
    if (amount > before + free) {
      fail(`${operator} has ${formatAlt(free)} of free stake: at most ${formatAlt(before + free)} can be allocated`);
    }
    const tx = await confirm(sets.connect(signer).allocate(setId, amount), await refusalExplainer(hre));
    const after = await sets.allocation(setId, operator);
    const now = await latestTime(hre);
    const counts = await countsFrom(hre, sets, tx);
    return output(
      args.json,
      { service: name, rollup, setId, set: setName, operator, before, allocation: after, countsFrom: counts, tx },
      () => [
        txLine(
          `${operator} allocates ${formatAlt(amount)} to set ${setName} (was ${formatAlt(before)}), from epoch ${counts}`,
          tx,
        ),
        ...(after.pendingFree > 0n
          ? [`  ${formatAlt(after.pendingFree)} deallocated, slashable until ${formatWhen(after.freeAt, now)}`]
          : []),
      ],
    );
  });

serviceTask("service leave", "Requests to leave the rollup's set of a service, or completes the leave with --complete")
  .addFlag("complete", "Complete a leave whose delay is over")
  .setAction(async (args: ServiceArgs & { complete: boolean }, hre) => {
    const { name, rollup, setName, service, sets } = await resolve(hre, args);
    const signer = await signerFor(hre, args.from);
    const operator = await signer.getAddress();
    const setId = await registeredSet(hre, service, rollup, name);
    const membership = await sets.membership(setId, operator);
    const now = await latestTime(hre);
    if (args.complete) {
      if (membership.member) fail(`${operator} is a member of the set: service leave without --complete first`);
      if (membership.leaveAt === 0n) fail(`${operator} has no leave to complete in the set`);
    } else if (!membership.member) {
      fail(
        membership.leaveAt === 0n
          ? `${operator} is not a member of the set`
          : `${operator} has left the set already: service leave --complete from ${formatWhen(membership.leaveAt, now)}`,
      );
    }
    const explain = await refusalExplainer(hre);
    const tx = await confirm(
      args.complete ? sets.connect(signer).completeLeave(setId) : sets.connect(signer).requestLeave(setId),
      (reason) =>
        reason.startsWith("SetsLeavePending")
          ? `the leave can be completed from ${formatWhen(membership.leaveAt, now)}`
          : explain(reason),
    );
    const leaveAt = (await sets.membership(setId, operator)).leaveAt;
    const minedAt = await latestTime(hre);
    return output(
      args.json,
      { service: name, rollup, setId, set: setName, operator, completed: args.complete, leaveAt, tx },
      () => [
        args.complete
          ? txLine(`${operator} left set ${setName}`, tx)
          : txLine(`${operator} leaves set ${setName} from ${formatWhen(leaveAt, minedAt)}`, tx),
      ],
    );
  });

serviceTask(
  "service remove",
  "Removes a member whose allocation fell below the set's minimum stake (anyone): its place is free at once",
)
  .addParam("operator", "The member to remove")
  .setAction(async (args: ServiceArgs & { operator: string }, hre) => {
    const { name, rollup, setName, service, sets } = await resolve(hre, args);
    const setId = await registeredSet(hre, service, rollup, name);
    const operator = parseAddress(args.operator, "--operator");
    if (!(await sets.membership(setId, operator)).member) fail(`${operator} is not a member of the set`);
    const { allocated } = await sets.allocation(setId, operator);
    const { minStake } = await sets.setConfig(setId);
    if (allocated >= minStake) {
      fail(`${operator} allocates ${formatAlt(allocated)}, not below the minimum of ${formatAlt(minStake)}`);
    }
    const signer = await signerFor(hre, args.from);
    // its allocation still counts in this epoch (the change is keyed from the next): nothing waits for the epoch
    const tx = await confirm(sets.connect(signer).removeMember(setId, operator), await refusalExplainer(hre));
    return output(args.json, { service: name, rollup, setId, set: setName, operator, allocated, minStake, tx }, () => [
      txLine(
        `removed ${operator} from set ${setName} (${formatAlt(allocated)} allocated, below ${formatAlt(minStake)})`,
        tx,
      ),
    ]);
  });

areaTask("service set", "Prints the rollup's set of a service as it counts in the current epoch (sends nothing)")
  .addParam("service", "mach, vital or squad")
  .addParam("rollup", "Rollup address or chain ID")
  .addFlag("json", "Print the result as JSON")
  .setAction(async (args: Omit<ServiceArgs, "from">, hre) => {
    const { name, rollup, setName, service, sets } = await resolve(hre, args);
    const setId = await registeredSet(hre, service, rollup, name);
    const epoch = await sets.currentEpoch();
    const set = await setInEpoch(sets, setId, epoch);
    const { count, totalStake, minMembers, minTotalStake, live } = set;
    return output(args.json, { service: name, rollup, setId, set: setName, epoch, ...set }, () => [
      `set ${setName}, epoch ${epoch}: ${count} operators counted, ${formatAlt(totalStake)}; ` +
        `needs ${minMembers} and ${formatAlt(minTotalStake)}: ` +
        (live ? "live" : "not live (the services decide nothing on it)"),
      ...set.members.map(
        (m) => `  ${m.operator} ${formatAlt(m.counted)} counted, ${formatAlt(m.allocated)} allocated now`,
      ),
      ...set.left.map((m) => `  ${m.operator} ${formatAlt(m.counted)} counted, left the set`),
    ]);
  });

/** A rollup's set as service info shows it: the set's parameters and its members as they count in this epoch. */
export interface RollupSetInfo {
  rollup: string;
  chainId: bigint;
  registered: boolean;
  setId: bigint;
  /** Short name: "MACH/5001". */
  set: string;
  /** Null while the rollup is not registered (the set does not exist). */
  minStake: bigint | null;
  maxSize: bigint | null;
  members: { operator: string; allocated: bigint; counted: bigint }[];
  /** Stake counted in the current epoch. */
  totalStake: bigint;
  count: bigint;
  minMembers: bigint | null;
  minTotalStake: bigint | null;
  live: boolean;
}

areaTask(
  "service info",
  "Shows a service: its address, owner and the defaults of the sets it creates, and each rollup's set (members, " +
    "allocations, stake counted this epoch, minimum stake, maximum size, liveness); sends nothing",
)
  .addParam("service", "mach, vital or squad")
  .addOptionalParam("rollup", "Only this rollup (address or chain ID; default: every factory rollup using the service)")
  .addFlag("json", "Print the result as JSON")
  .setAction(async (args: { service: string; rollup?: string; json: boolean }, hre) => {
    const name = parseServiceName(args.service);
    const service = await serviceContract(hre, name);
    const factory = await rollupFactory(hre);
    const sets = await operatorSets(hre);
    let rollups: string[];
    if (args.rollup !== undefined) {
      const rollup = await parseRollup(hre, factory, args.rollup);
      await requireEnabled(rollup, name);
      rollups = [await rollup.getAddress()];
    } else {
      rollups = [];
      const bit = SERVICES[name.toUpperCase() as keyof typeof SERVICES];
      const count = Number(await factory.rollupCount());
      for (let i = 0; i < count; i++) {
        const address = await factory.rollupAt(i);
        if ((Number(await (await rollupAt(hre, address)).services()) & bit) !== 0) rollups.push(address);
      }
    }
    const epoch = await sets.currentEpoch();
    const defaults = await service.setDefaults();
    const infos: RollupSetInfo[] = [];
    for (const rollup of rollups) {
      const chainId = await (await rollupAt(hre, rollup)).chainId();
      const setId = await service.setIdOf(rollup);
      const base = { rollup, chainId, setId, set: `${name.toUpperCase()}/${chainId}` };
      if (!(await service.isRegistered(rollup))) {
        infos.push({
          ...base,
          registered: false,
          minStake: null,
          maxSize: null,
          members: [],
          totalStake: 0n,
          count: 0n,
          minMembers: null,
          minTotalStake: null,
          live: false,
        });
        continue;
      }
      const config = await sets.setConfig(setId);
      const set = await setInEpoch(sets, setId, epoch);
      infos.push({
        ...base,
        registered: true,
        minStake: config.minStake,
        maxSize: config.maxSize,
        members: set.members,
        totalStake: set.totalStake,
        count: set.count,
        minMembers: set.minMembers,
        minTotalStake: set.minTotalStake,
        live: set.live,
      });
    }
    const result = {
      service: name,
      address: await service.getAddress(),
      owner: await service.owner(),
      epoch,
      defaults: {
        minStake: defaults.minStake,
        maxSize: defaults.maxSize,
        minMembers: defaults.minMembers,
        minTotalStake: defaults.minTotalStake,
      },
      rollups: infos,
    };
    const NAME = name.toUpperCase();
    return output(args.json, result, () => [
      `${NAME} ${result.address}, owner ${result.owner}`,
      `  new sets: min stake ${formatAlt(defaults.minStake)}, at most ${defaults.maxSize} members; live with ` +
        `${defaults.minMembers} operators and ${formatAlt(defaults.minTotalStake)}`,
      ...(infos.length === 0 ? [`  no rollup uses ${NAME}`] : []),
      ...infos.flatMap((r) =>
        !r.registered
          ? [`set ${r.set} (rollup ${r.rollup}): not registered (service join registers it)`]
          : [
              `set ${r.set} (rollup ${r.rollup}), epoch ${epoch}: ${r.members.length} members, ` +
                `${formatAlt(r.totalStake)} counted from ${r.count} operators; ` +
                (r.live ? "live" : "not live"),
              `  min stake ${formatAlt(r.minStake!)}, at most ${r.maxSize} members; live with ${r.minMembers} ` +
                `operators and ${formatAlt(r.minTotalStake!)}`,
              ...r.members.map(
                (m) => `  ${m.operator} ${formatAlt(m.allocated)} allocated, ${formatAlt(m.counted)} counted`,
              ),
            ],
      ),
    ]);
  });
