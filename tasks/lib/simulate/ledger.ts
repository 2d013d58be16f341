// What the chain said: every log of every simulated transaction, decoded and folded into the running totals the report
// is made of (deposits, withdrawals, slashes, fees, reward settlements and claims, outputs, challenges), so the report
// describes what happened on chain, not what the simulation meant to do.
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { decodeBytes32String, Interface, type EventFragment, type Fragment } from "ethers";
import { formatAlt } from "../cli";
import { toWithdrawal, type Withdrawal } from "../restaking";
import type { MinedReceipt, RawReceipt } from "./chain";
import type { ScriptedEvent, ScriptedKind, SlashRow } from "./report";

/** Contracts whose events and errors the simulation reads. */
const ARTIFACTS = [
  "AltToken",
  "RestakingRegistry",
  "OperatorSets",
  "SlashingManager",
  "RewardsDistributor",
  "BlsKeyRegistry",
  "RollupFactory",
  "Rollup",
  "Portal",
  "VitalService",
  "MachService",
  "SquadService",
  "AltGovernor",
];

/** One interface with every event and error of the simulated contracts (each signature once). */
export async function protocolInterface(hre: HardhatRuntimeEnvironment): Promise<Interface> {
  const seen = new Map<string, Fragment>();
  for (const name of ARTIFACTS) {
    for (const fragment of new Interface((await hre.artifacts.readArtifact(name)).abi).fragments) {
      if (fragment.type !== "event" && fragment.type !== "error") continue;
      seen.set(`${fragment.type} ${fragment.format("sighash")}`, fragment);
    }
  }
  return new Interface([...seen.values()]);
}

const OFFENCES: Record<string, string> = {
  VITAL_INVALID_OUTPUT: "invalid output",
  VITAL_VOTED_FOR_INVALID_OUTPUT: "voted valid",
  MACH_EQUIVOCATION: "equivocation",
  MACH_INVALID_CERTIFICATE: "invalid certificate",
  SQUAD_SKIPPED_FORCED_INCLUSION: "censorship",
};

export const OUTPUT = { Proposed: 1, FastFinalized: 2, Finalized: 3 } as const;
/** VitalService.Result. */
export const CHALLENGE = { Open: 1, Invalidated: 2, Failed: 3, Void: 4 } as const;
/** VitalService.Vote. */
export const VOTE = { None: 0n, Valid: 1n, Invalid: 2n, ValidReported: 3n } as const;
const CHALLENGE_RESULTS = ["None", "Open", "Invalidated", "Failed", "Void"];

export interface OutputRecord {
  l2BlockNumber: bigint;
  /** The output root (bound to the state root, the batches at proposal and the previous output): what MACH signs. */
  root: string;
  proposedAt: number;
  status: number;
  /** The parts of the root a withdrawal's claim proves it with (`IPortal.OutputProof`). */
  proof: { withdrawalsRoot: string; batchRoot: string; parentRoot: string };
  /** Its MACH certificate's fast-withdrawal limit (wei of ALT; 0 until FastFinalized). */
  fastLimit: bigint;
}

export interface RollupRecord {
  outputs: OutputRecord[];
  invalidated: number;
  batches: number;
  retired: boolean;
}

export interface ChallengeRecord {
  id: bigint;
  rollup: string;
  outputIndex: number;
  epoch: bigint;
  deadline: number;
  /** VitalService.Result (CHALLENGE). */
  result: number;
}

export class Ledger {
  deposited = 0n;
  withdrawn = 0n;
  slashed = 0n;
  feesCredited = 0n;
  rewardsPaid = 0n;
  /** The stakers' part of every settlement (`Settled`), scaled by 1e18. */
  toStakersScaled = 0n;
  /** What stakers took of it into their claims (`Accrued`), scaled by 1e18. */
  accruedScaled = 0n;
  finalized = 0;
  fastFinalized = 0;
  readonly slashedOf = new Map<string, bigint>();
  /** Reporter shares of slashed ALT credited and not yet claimed, by account (the registry holds them). */
  readonly proceeds = new Map<string, bigint>();
  /** Rewards claimed, by account. */
  readonly paidTo = new Map<string, bigint>();
  readonly requests = new Map<number, SlashRow & { address: string; executableAt: number }>();
  readonly rollups = new Map<string, RollupRecord>();
  readonly withdrawals = new Map<string, Withdrawal>();
  readonly challenges = new Map<bigint, ChallengeRecord>();
  readonly events: ScriptedEvent[] = [];
  readonly proposal = { created: 0, queued: 0, executed: 0 };
  /** The simulation's epoch (0 during setup), stamped on what is recorded. */
  epoch = 0;

  /** Event fragments by topic, looked up once (ethers' parseLog hashes every signature on each call). */
  private readonly fragments = new Map<string, EventFragment>();

  constructor(
    private readonly abi: Interface,
    /** Operator names by address, and each slasher's service name by address. */
    private readonly nameOf: (address: string) => string,
    private readonly serviceOf: (slasher: string) => SlashRow["service"],
  ) {
    abi.forEachEvent((fragment) => this.fragments.set(fragment.topicHash, fragment));
  }

  /** Keeps the record of `rollup` (looked up by its lowercase address, as logs give it). */
  track(rollup: string) {
    this.rollups.set(rollup.toLowerCase(), { outputs: [], invalidated: 0, batches: 0, retired: false });
  }

  rollup(address: string): RollupRecord {
    return this.rollups.get(address.toLowerCase())!;
  }

  note(kind: ScriptedKind, detail: string) {
    this.events.push({ epoch: this.epoch, kind, detail });
  }

  observe(mined: MinedReceipt[]) {
    for (const { receipt, time, action } of mined) for (const log of receipt.logs) this.apply(log, time, action);
  }

  private apply(log: RawReceipt["logs"][number], at: number, action: string) {
    const fragment = this.fragments.get(log.topics[0]);
    if (fragment === undefined) return;
    const parsed = { name: fragment.name, args: this.abi.decodeEventLog(fragment, log.data, log.topics) };
    const a = parsed.args;
    const rollup = this.rollups.get(log.address.toLowerCase());
    switch (parsed.name) {
      case "Staked":
        this.deposited += a.amount;
        break;
      case "UnstakeRequested":
        this.withdrawals.set(a.root, toWithdrawal(a.withdrawal));
        break;
      case "UnstakeCompleted":
        this.withdrawn += a.amount;
        this.withdrawals.delete(a.root);
        break;
      case "SlashProceedsCredited":
        if (a.assetId === 0n) this.proceeds.set(a.account, (this.proceeds.get(a.account) ?? 0n) + a.amount);
        break;
      case "SlashProceedsClaimed":
        if (a.assetId === 0n) this.proceeds.delete(a.account);
        break;
      case "PoolSlashed":
        this.slashed += a.amount;
        this.slashedOf.set(a.operator, (this.slashedOf.get(a.operator) ?? 0n) + a.amount);
        break;
      case "SlashRequested": {
        const offence = OFFENCES[decodeBytes32String(a.reason)] ?? decodeBytes32String(a.reason);
        this.requests.set(Number(a.requestId), {
          requestId: Number(a.requestId),
          epoch: this.epoch,
          operator: this.nameOf(a.operator),
          address: a.operator,
          service: this.serviceOf(a.slasher),
          offence,
          bps: Number(a.bps),
          amount: "0",
          status: "pending",
          executableAt: Number(a.executableAt),
        });
        break;
      }
      case "SlashExecuted": {
        const request = this.requests.get(Number(a.requestId))!;
        const amount = (a.amounts as bigint[]).reduce((s, x) => s + x, 0n);
        request.status = "executed";
        request.amount = amount.toString();
        this.note(
          "slash-executed",
          `request ${a.requestId}: ${request.operator} lost ${formatAlt(amount)} (${request.offence})`,
        );
        break;
      }
      case "SlashVetoed":
        this.requests.get(Number(a.requestId))!.status = "vetoed";
        break;
      case "FeesCredited":
        this.feesCredited += a.amount;
        break;
      case "Settled":
        this.toStakersScaled += a.toStakersScaled;
        break;
      case "Accrued":
        this.accruedScaled += a.amountScaled;
        break;
      case "Claimed":
        this.rewardsPaid += a.amount;
        this.paidTo.set(a.account, (this.paidTo.get(a.account) ?? 0n) + a.amount);
        break;
      case "BatchAppended":
        if (rollup) rollup.batches++;
        break;
      case "OutputProposed":
        if (rollup) {
          rollup.outputs[Number(a.index)] = {
            l2BlockNumber: a.l2BlockNumber,
            root: a.root,
            proposedAt: at,
            status: OUTPUT.Proposed,
            proof: { withdrawalsRoot: a.withdrawalsRoot, batchRoot: a.batchRoot, parentRoot: a.parentRoot },
            fastLimit: 0n,
          };
        }
        break;
      case "OutputFastFinalized":
        if (rollup) {
          rollup.outputs[Number(a.index)].status = OUTPUT.FastFinalized;
          rollup.outputs[Number(a.index)].fastLimit = a.fastLimit;
        }
        this.fastFinalized++;
        break;
      case "OutputFinalized":
        if (rollup) rollup.outputs[Number(a.index)].status = OUTPUT.Finalized;
        this.finalized++;
        break;
      case "OutputsInvalidated":
        if (rollup) {
          rollup.invalidated += Number(a.count) - Number(a.index);
          rollup.outputs.length = Number(a.index);
        }
        break;
      case "Retired":
        if (rollup) rollup.retired = true;
        break;
      case "Challenged":
        this.challenges.set(a.challengeId, {
          id: a.challengeId,
          rollup: a.rollup,
          outputIndex: Number(a.outputIndex),
          epoch: a.epoch,
          deadline: Number(a.deadline),
          result: CHALLENGE.Open,
        });
        this.note(
          "challenge",
          `${this.nameOf(a.challenger)} challenged output ${a.outputIndex} of ${this.nameOf(a.rollup)}`,
        );
        break;
      case "Resolved": {
        const challenge = this.challenges.get(a.challengeId)!;
        challenge.result = Number(a.result);
        if (challenge.result === CHALLENGE.Invalidated) {
          this.note(
            "invalidation",
            `challenge ${a.challengeId}: output ${challenge.outputIndex} of ${this.nameOf(challenge.rollup)} invalidated`,
          );
        } else {
          this.note("challenge", `challenge ${a.challengeId} ended ${CHALLENGE_RESULTS[challenge.result]}`);
        }
        break;
      }
      case "InvalidationDeferred": {
        const challenge = this.challenges.get(a.challengeId)!;
        const rollupName = this.nameOf(challenge.rollup);
        const refusal = this.abi.parseError(a.reason)?.name ?? "refused";
        this.note(
          "invalidation-deferred",
          action === "VITAL: resolve"
            ? `challenge ${a.challengeId}: resolved past its deadline while ${rollupName} refuses (${refusal}): ` +
                "deferred again, the challenge stays open, not void"
            : `challenge ${a.challengeId}: two thirds voted invalid while ${rollupName} refuses the invalidation ` +
                `(${refusal}): deferred, the challenge stays open`,
        );
        break;
      }
      case "EquivocationProven":
        this.note(
          "equivocation",
          `${this.nameOf(a.operator)} signed two roots for block ${a.l2BlockNumber} of ${this.nameOf(a.rollup)}`,
        );
        break;
      case "ProposalCreated":
        this.proposal.created = this.epoch;
        this.note("proposal-created", `proposal ${String(a.proposalId).slice(0, 12)}… by ${this.nameOf(a.proposer)}`);
        break;
      case "ProposalQueued":
        this.proposal.queued = this.epoch;
        break;
      case "ProposalExecuted":
        this.proposal.executed = this.epoch;
        this.note("proposal-executed", `proposal ${String(a.proposalId).slice(0, 12)}… executed by the timelock`);
        break;
    }
  }
}
