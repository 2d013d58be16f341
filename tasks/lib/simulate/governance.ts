// The simulation's governance thread: one parameter change proposed by the largest genesis delegate, voted for by
// every genesis delegate, queued and executed through the timelock as the epochs pass.
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { AltGovernor, AltToken, RewardsDistributor } from "../../../typechain-types";
import { prepareProposal, type PreparedProposal } from "../proposal";
import { RESTAKING_KEYS } from "../restaking";
import type { Chain } from "./chain";

const FOR = 1;
const STATES = ["Pending", "Active", "Canceled", "Defeated", "Succeeded", "Queued", "Expired", "Executed"];

export class GovernanceThread {
  private prepared?: PreparedProposal;
  private id = 0n;
  private voted = false;
  private queued = false;
  private executed = false;
  description = "";

  constructor(
    private readonly hre: HardhatRuntimeEnvironment,
    private readonly chain: Chain,
    private readonly governor: AltGovernor,
    private readonly token: AltToken,
    private readonly rewards: RewardsDistributor,
    /** Addresses that hold delegated votes at genesis (vesting beneficiaries and their delegates). */
    private readonly delegates: string[],
  ) {}

  /** Delegates with votes, largest first (ties by address, so the order never depends on anything else). */
  private async byVotes() {
    const votes = await Promise.all(this.delegates.map(async (d) => ({ d, v: await this.token.getVotes(d) })));
    return votes
      .filter(({ v }) => v > 0n)
      .sort((a, b) => (a.v === b.v ? (a.d.toLowerCase() < b.d.toLowerCase() ? -1 : 1) : a.v > b.v ? -1 : 1));
  }

  /** Proposes halving the protocol's share of service fees. */
  async propose() {
    const [{ d: proposer }] = await this.byVotes();
    const share = await this.rewards.protocolShareBps();
    const file = {
      description:
        `Rewards: lower the protocol share of service fees from ${share} to ${share / 2n} bps\n\n` +
        "Proposed by the simulation: more of each rollup's fees go to its operators and their stakers.",
      actions: [
        {
          contract: RESTAKING_KEYS.rewardsDistributor,
          function: "setParameters",
          args: [await this.rewards.treasury(), Number(share / 2n)],
        },
      ],
    };
    this.description = file.description.split("\n")[0];
    const [deployer] = await this.hre.ethers.getSigners();
    this.prepared = await prepareProposal(this.hre, file, proposer, deployer);
    const { targets, values, calldatas, description, descriptionHash } = this.prepared;
    this.id = await this.governor.hashProposal(targets, values, calldatas, descriptionHash);
    await this.chain.actor(proposer);
    await this.send(proposer, "propose", [targets, values, calldatas, description], "governance: propose");
  }

  /** Moves the proposal on as far as the time `t` of the next block allows: votes, then queue, then execute. */
  async advance(t: number) {
    if (this.prepared === undefined || this.executed) return;
    const { targets, values, calldatas, descriptionHash } = this.prepared;
    const keeper = this.delegates[0];
    if (!this.voted) {
      const snapshot = await this.governor.proposalSnapshot(this.id);
      if (t <= Number(snapshot) || t > Number(await this.governor.proposalDeadline(this.id))) return;
      for (const { d } of await this.byVotes()) {
        await this.chain.actor(d);
        await this.send(d, "castVote", [this.id, FOR], "governance: vote");
      }
      this.voted = true;
    } else if (!this.queued) {
      if (t <= Number(await this.governor.proposalDeadline(this.id))) return;
      await this.chain.actor(keeper);
      await this.send(
        keeper,
        "queue(address[],uint256[],bytes[],bytes32)",
        [targets, values, calldatas, descriptionHash],
        "governance: queue",
      );
      this.queued = true;
    } else {
      if (t < Number(await this.governor.proposalEta(this.id))) return;
      await this.send(
        keeper,
        "execute(address[],uint256[],bytes[],bytes32)",
        [targets, values, calldatas, descriptionHash],
        "governance: execute",
      );
      this.executed = true;
    }
  }

  async state(): Promise<string> {
    return this.prepared === undefined ? "NotProposed" : STATES[Number(await this.governor.state(this.id))];
  }

  private send(from: string, fn: string, args: unknown[], action: string) {
    return this.chain.call(from, this.governor, fn, args, action);
  }
}
