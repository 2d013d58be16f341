// Who may do what once governance is deployed: every owner and role of the protocol ends with the timelock (the
// council keeps its four narrow powers: veto a slash, cancel a proposal, pause a rollup, lower a MACH alert), and every
// state-changing function of every deployed contract (the restaked services and the BLS key registry included, and of
// a rollup a user created) is either guarded (an outsider, the deployer and the council are refused with the exact
// error) or public by design, with the reason.
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture, setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import {
  AbiCoder,
  type BaseContract,
  FunctionFragment,
  getAddress,
  id,
  Interface,
  keccak256,
  MaxUint256,
  type ParamType,
  type Signer,
  Wallet,
  ZeroAddress,
  ZeroHash,
  zeroPadValue,
} from "ethers";
import { deployGovernance } from "../helpers/governance";
import { commitRollup } from "../helpers/rollups";
import { ALT } from "../helpers/constants";
import { days, nextEpoch } from "../helpers/time";
import { signPermit } from "../../tasks/lib/signatures";
import { outputRootOf } from "../../tasks/lib/rollups";
import { blsPublicKey, blsSecretFrom, buildQuorum, keyRegistration, signDigest } from "../../tasks/lib/mach";
import type { BlsKeyRegistry } from "../../typechain-types";

// ERC-1967 slots: bytes32(uint256(keccak256("eip1967.proxy.<name>")) - 1)
const IMPLEMENTATION_SLOT = "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc";
const ADMIN_SLOT = "0xb53127684a568b3173ae13b9f8a6016e243e63b6e8ee1178d6a717850b5d6103";
const BEACON_SLOT = "0xa3f0ad74e5423aebfd80d3ef4346578335a9a72aeaee59ff6cb3582b35133d50";

// TimelockController roles, computed here rather than read from the deploy code
const DEFAULT_ADMIN_ROLE = ZeroHash;
const PROPOSER_ROLE = id("PROPOSER_ROLE");
const EXECUTOR_ROLE = id("EXECUTOR_ROLE");
const CANCELLER_ROLE = id("CANCELLER_ROLE");
const ROLE_NAMES: Record<string, string> = {
  [DEFAULT_ADMIN_ROLE]: "DEFAULT_ADMIN_ROLE",
  [PROPOSER_ROLE]: "PROPOSER_ROLE",
  [EXECUTOR_ROLE]: "EXECUTOR_ROLE",
  [CANCELLER_ROLE]: "CANCELLER_ROLE",
};

// IGovernor.ProposalState and ISlashingManager.Status
const ACTIVE = 1n;
const CANCELED = 2n;
const VETOED = 2n;

const STAKE = 1_000n * ALT;
const SLASH_BPS = 100;

// hardhat.json "rollups": 0.001 ALT per service per second, template 0 (OP Stack) costs 1,000 ALT to create
const FEE_PER_SERVICE_PER_SECOND = ALT / 1_000n;
const CREATION_FEE = 1_000n * ALT;
const OP_STACK = 0;
const OUTPUT_INTERVAL = 1_800n; // template 0
const ZK_STACK = 3; // the first validity template: its verifier is the MockVerifier
/** VITAL 1 | MACH 2: the user's centrally sequenced rollup (SQUAD sequences only rollups without a sequencer). */
const VITAL_MACH = 3;
const SQUAD = 4;
const ROLLUP_LIFETIME = days(60);

// hardhat.json "services": each service is a slasher with its own cap and a 10-day evidence age; the sets it creates
// need 1,000 ALT of stake and hold at most 64 members; VITAL's bond is 10,000 ALT
const MAX_EVIDENCE_AGE = days(10);
const SERVICE_CAPS = { mach: 1_000, vital: 1_000, squad: 500 };
const SERVICE_MIN_STAKE = 1_000n * ALT;
const SERVICE_MAX_SIZE = 64;
// and they are live in an epoch that counts 1 operator and 1,000 ALT
const SERVICE_MIN_MEMBERS = 1;
const SERVICE_MIN_TOTAL_STAKE = 1_000n * ALT;
/** RollupService.SetDefaults of hardhat.json, as an ABI tuple. */
const SET_DEFAULTS = [SERVICE_MIN_STAKE, SERVICE_MAX_SIZE, SERVICE_MIN_MEMBERS, SERVICE_MIN_TOTAL_STAKE];
/** hardhat.json "restaking": a newcomer replaces a member of a full set allocating 10 % more. */
const CHURN_MARGIN_BPS = 1_000;
const VITAL_BOND = 10_000n * ALT;
const VETO_WINDOW = days(2); // hardhat.json "restaking"
/** The stake of the member of the services' sets in the matrix. */
const MEMBER_STAKE = 10_000n * ALT;
/** The member's BLS secret key (MACH signs with BLS keys, which the key registry holds). */
const MEMBER_BLS = blsSecretFrom("access-control:member");

type Account = Signer & { address: string };

/** Head of a rollup's batch hash chain after one more batch: keccak256(abi.encode(previous, commitment, queueHead)). */
const batchRoot = (previous: string, commitment: string, queueHead: bigint) =>
  keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "bytes32", "uint256"], [previous, commitment, queueHead]));

describe("Governance access control", function () {
  /** The deployment as governance leaves it, and an outsider: a fresh key with gas money and nothing else. */
  async function deployedFixture() {
    const deployment = await deployGovernance();
    // the deployment helper does not return the key registry: MACH's, which the wiring test checks from the other side
    const blsKeys = (await ethers.getContractAt(
      "BlsKeyRegistry",
      await deployment.machService.blsKeys(),
    )) as unknown as BlsKeyRegistry;
    const stranger = new Wallet(id("access-control:stranger"), ethers.provider);
    await setBalance(stranger.address, 10n ** 18n);
    // deployed for the validity templates (hardhat.json's verifier "mock"); the factory names it in the template
    const mockVerifier = await ethers.getContractAt(
      "MockVerifier",
      (await deployment.rollupFactory.template(ZK_STACK)).verifier,
    );
    return { ...deployment, blsKeys, stranger, mockVerifier };
  }

  /** A contract as a signer (impersonated, for setup and checks only). */
  async function impersonate(contract: BaseContract): Promise<HardhatEthersSigner> {
    const signer = await ethers.getImpersonatedSigner(await contract.getAddress());
    await setBalance(signer.address, 10n ** 18n);
    return signer;
  }

  /** The timelock as a signer: the owner acting, as it would after a vote (impersonated, for setup and checks only). */
  const timelockSigner = (timelock: BaseContract) => impersonate(timelock);

  type Deployed = Awaited<ReturnType<typeof deployedFixture>>;
  /** The restaked services. */
  const services = (d: Deployed) => [d.machService, d.vitalService, d.squadService];
  /** The UUPS proxies, all owned by the timelock. */
  const proxies = (d: Deployed) => [
    d.registry,
    d.operatorSets,
    d.slashingManager,
    d.rewards,
    d.blsKeys,
    d.rollupFactory,
    ...services(d),
  ];
  /** Every Ownable of the protocol. */
  const ownables = (d: Deployed) => [d.vestingFactory, ...proxies(d)];

  /**
   * Something for every guard to refuse: a set of a registered service, an operator with a pending withdrawal of a
   * staker, a pending slash request by a registered slasher, a pending proposal, a rollup a user created (with a
   * proposed output and a pending owner) served by the deployed services, and a SQUAD-sequenced rollup; in the
   * services, a member of their sets, an alert it raised on the user's rollup and a challenge of that rollup's output.
   */
  async function matrixFixture() {
    const deployment = await loadFixture(deployedFixture);
    const {
      token,
      registry,
      operatorSets,
      slashingManager,
      rollupFactory,
      governor,
      timelock,
      positions,
      signers,
      blsKeys,
    } = deployment;
    const service = signers[1]; // the set's service and the slasher: an address governance trusted
    const proposer = signers[2]; // ProtocolDevelopment's beneficiary: 2B votes
    const staker = signers[7]; // Launchpool's beneficiary: 500M ALT to release
    const operator = signers[9];

    // governance's decisions, taken as the timelock (what an executed proposal would do)
    const owner = await timelockSigner(timelock);
    await operatorSets.connect(owner).setService(service.address, true);
    await slashingManager.connect(owner).setSlasher(service.address, 1_000, days(1));

    const setKey = id("access-control set");
    await operatorSets.connect(service).createSet(setKey, 0, 8);
    const setId = await operatorSets.setIdOf(service.address, setKey);

    await registry.connect(operator).registerOperator("ipfs://operator", 500);
    await positions.Launchpool.release();
    await token.connect(staker).approve(await registry.getAddress(), STAKE);
    await registry.connect(staker).stake(operator.address, 0, STAKE);
    // the operator allocates the stake to the set; the staker's request deallocates it, slashable until it is free
    await operatorSets.connect(operator).join(setId, STAKE);
    const shares = await registry.sharesOf(staker.address, operator.address, 0);
    const unstake = await (await registry.connect(staker).requestUnstake(operator.address, 0, shares)).wait();
    const requested = unstake!.logs
      .map((log) => registry.interface.parseLog(log))
      .find((event) => event?.name === "UnstakeRequested")!;
    const w = requested.args.withdrawal;
    const withdrawal = {
      staker: w.staker as string,
      operator: w.operator as string,
      assetId: w.assetId as bigint,
      shares: w.shares as bigint,
      unlockAt: w.unlockAt as bigint,
      nonce: w.nonce as bigint,
    };

    await slashingManager
      .connect(service)
      .requestSlash(operator.address, setId, SLASH_BPS, id("reason"), id("evidence"), ZeroAddress, await time.latest());
    const slashRequestId = (await slashingManager.requestCount()) - 1n;

    const proposal = {
      targets: [await timelock.getAddress()],
      values: [0n],
      calldatas: [timelock.interface.encodeFunctionData("updateDelay", [days(3)])],
      description: "access control: a pending proposal",
    };
    await governor
      .connect(proposer)
      .propose(proposal.targets, proposal.values, proposal.calldatas, proposal.description);
    const descriptionHash = id(proposal.description);
    const proposalId = await governor.getProposalId(
      proposal.targets,
      proposal.values,
      proposal.calldatas,
      descriptionHash,
    );

    // the deployment named the services in the factory: the rollups call them back as contracts (impersonated here,
    // for checks only)
    const { machService, vitalService, squadService } = deployment;
    const rollupServices = {
      vital: await impersonate(vitalService),
      mach: await impersonate(machService),
      squad: await impersonate(squadService),
    };

    // the Launchpool's beneficiary creates a SQUAD-sequenced rollup (no sequencer of its own), prepaying SQUAD
    const squadRollupSalt = id("access control SQUAD rollup");
    const squadPrepayment = FEE_PER_SERVICE_PER_SECOND * BigInt(ROLLUP_LIFETIME);
    await token.connect(staker).approve(await rollupFactory.getAddress(), CREATION_FEE + squadPrepayment);
    await commitRollup(rollupFactory, staker, { chainId: 424_243, salt: squadRollupSalt });
    const squadRollupAddress = await rollupFactory.predictRollupAddress(staker.address, OP_STACK, squadRollupSalt);
    await rollupFactory.connect(staker).createRollup({
      templateId: OP_STACK,
      daLayer: 0,
      daConfig: "0x",
      chainId: 424_243,
      owner: staker.address,
      sequencer: ZeroAddress,
      proposer: staker.address,
      services: SQUAD,
      fastFinalityBps: 0,
      expiry: (await time.latest()) + ROLLUP_LIFETIME, // at most ROLLUP_LIFETIME from creation: the prepayment covers it
      prepaidFees: squadPrepayment,
      salt: squadRollupSalt,
    });
    const squadRollup = await ethers.getContractAt("Rollup", squadRollupAddress);

    // then a user creates an ephemeral OP Stack rollup with all three services, paying the creation fee and the
    // prepayment with ALT from the Launchpool's beneficiary
    const [rollupOwner, sequencer, rollupProposer, nextRollupOwner] = signers.slice(10, 14);
    const rollupSalt = id("access control rollup");
    await commitRollup(rollupFactory, rollupOwner, { chainId: 424_242, salt: rollupSalt });
    const rollupCreatedAt = (await time.latest()) + 10;
    const rollupExpiry = rollupCreatedAt + ROLLUP_LIFETIME;
    const prepayment = FEE_PER_SERVICE_PER_SECOND * 2n * BigInt(ROLLUP_LIFETIME);
    const creationCost = CREATION_FEE + prepayment;
    await token.connect(staker).transfer(rollupOwner.address, creationCost);
    await token.connect(rollupOwner).approve(await rollupFactory.getAddress(), creationCost);
    const rollupParams = {
      templateId: OP_STACK,
      daLayer: 0, // Ethereum blobs
      daConfig: "0x",
      chainId: 424_242,
      owner: rollupOwner.address,
      sequencer: sequencer.address,
      proposer: rollupProposer.address,
      services: VITAL_MACH,
      fastFinalityBps: 0,
      expiry: rollupExpiry,
      prepaidFees: prepayment,
      salt: rollupSalt,
    };
    const rollupAddress = await rollupFactory.predictRollupAddress(rollupOwner.address, OP_STACK, rollupParams.salt);
    const treasuryBefore = await token.balanceOf(timelock.target);
    await time.setNextBlockTimestamp(rollupCreatedAt);
    await rollupFactory.connect(rollupOwner).createRollup(rollupParams);
    const rollup = await ethers.getContractAt("Rollup", rollupAddress);
    // the proposer bonds each output (the template's outputBond: the rollup has VITAL)
    const outputBond = await rollup.outputBond();
    await token.connect(staker).transfer(rollupProposer.address, 10n * outputBond);
    await token.connect(rollupProposer).approve(rollupAddress, ethers.MaxUint256);
    await rollup.connect(rollupProposer).proposeOutput(OUTPUT_INTERVAL, id("output 0"), ZeroHash);
    await rollup.connect(rollupOwner).transferOwnership(nextRollupOwner.address);

    // a member of the services' sets: an operator staking its own ALT, with a BLS key
    // (without one it could not join the MACH set)
    const member = signers[14];
    await token.connect(staker).transfer(member.address, MEMBER_STAKE + VITAL_BOND);
    await registry.connect(member).registerOperator("ipfs://member", 0);
    await token.connect(member).approve(await registry.getAddress(), MEMBER_STAKE);
    await registry.connect(member).stake(member.address, 0, MEMBER_STAKE);
    const registration = await keyRegistration(blsKeys, member.address, MEMBER_BLS);
    await blsKeys.connect(member).registerKey(registration.publicKey, registration.proof);
    // the user's rollup registered in MACH and VITAL (a rollup with a sequencer cannot have SQUAD), the SQUAD rollup in SQUAD;
    // the member joins the three sets with a third of its stake each; in the next epoch the allocations count and the
    // MACH and VITAL sets are live
    await machService.connect(member).registerRollup(rollupAddress);
    await vitalService.connect(member).registerRollup(rollupAddress);
    await squadService.connect(member).registerRollup(squadRollupAddress);
    const machSet = await machService.setIdOf(rollupAddress);
    const vitalSet = await vitalService.setIdOf(rollupAddress);
    for (const setId of [machSet, vitalSet, await squadService.setIdOf(squadRollupAddress)]) {
      await operatorSets.connect(member).join(setId, MEMBER_STAKE / 3n);
    }
    await nextEpoch(operatorSets);
    expect(await operatorSets.isLive(machSet, await operatorSets.currentEpoch())).to.equal(true);
    expect(await operatorSets.isLive(vitalSet, await operatorSets.currentEpoch())).to.equal(true);
    // the member, all of the MACH set's stake, raises an alert on the user's rollup (the one signer, nonce 0)
    const alertReason = id("access control alert");
    const alertEpoch = await operatorSets.currentEpoch();
    const alertSignature = signDigest(
      MEMBER_BLS,
      await machService.alertDigest(rollupAddress, alertReason, 0n, alertEpoch),
    );
    const alertQuorum = await buildQuorum(
      operatorSets,
      blsKeys,
      machSet,
      alertEpoch,
      [member.address],
      [alertSignature],
    );
    const alertReceipt = await (await machService.raiseAlert(rollupAddress, alertReason, alertQuorum)).wait();
    const alertRaisedAt = (await ethers.provider.getBlock(alertReceipt!.blockNumber))!.timestamp;
    // and challenges output 0 with VITAL's bond: the vote is open
    await token.connect(member).approve(await vitalService.getAddress(), VITAL_BOND);
    await vitalService.connect(member).challenge(rollupAddress, 0);
    const challengeId = (await vitalService.challengeCount()) - 1n;
    const challengeEpoch = (await vitalService.challengeOf(challengeId)).epoch;

    return {
      ...deployment,
      service,
      proposer,
      staker,
      operator,
      setId,
      withdrawal,
      slashRequestId,
      proposal: { ...proposal, descriptionHash },
      proposalId,
      rollupServices,
      rollup,
      squadRollup,
      member,
      machSet,
      alertReason,
      alertEpoch,
      alertRaisedAt,
      challengeId,
      challengeEpoch,
      rollupOwner,
      sequencer,
      rollupProposer,
      nextRollupOwner,
      rollupCreatedAt,
      rollupExpiry,
      prepayment,
      treasuryBefore,
    };
  }

  type Ctx = Awaited<ReturnType<typeof matrixFixture>>;
  type Args = (c: Ctx, caller: Account) => unknown[] | Promise<unknown[]>;

  /** Refused to an unauthorised caller with `error(errorArgs)`; `args` default to zero values of the ABI types. */
  interface Guarded {
    error: string;
    errorArgs: (c: Ctx, caller: Account) => unknown[];
    args?: Args;
    /** Why the council, alone among the tried callers, is authorised here. */
    council?: string;
  }
  /** Anyone may call it: the reason. */
  interface Open {
    reason: string;
  }
  type Access = Guarded | Open;
  interface ContractAccess {
    name: string;
    artifact: string;
    contract: (c: Ctx) => BaseContract;
    functions: Record<string, Access>;
  }

  const isGuarded = (a: Access): a is Guarded => "error" in a;
  const open = (reason: string): Open => ({ reason });
  const guarded = (error: string, errorArgs: Guarded["errorArgs"], args?: Args): Guarded => ({
    error,
    errorArgs,
    args,
  });
  const onlyOwner = (args?: Args) => guarded("OwnableUnauthorizedAccount", (_, caller) => [caller.address], args);
  const self = (_: Ctx, caller: Account) => [caller.address];

  /**
   * The functions every OwnedUpgradeable proxy has: initializer (spent), ownership and UUPS upgrades (owner-only).
   * `renounceOwnership` is a view that always reverts (tested on its own below).
   */
  const ownedUpgradeable = (initialize: string): Record<string, Access> => ({
    [initialize]: guarded("InvalidInitialization", () => []),
    "transferOwnership(address)": onlyOwner(self),
    "upgradeToAndCall(address,bytes)": onlyOwner(),
  });
  // RollupService.SetDefaults, ServiceConfig, MachService.Quorum and MachService.Attestation as ABI tuples
  const SET_DEFAULTS_TUPLE = "(uint256,uint16,uint16,uint256)";
  const SERVICE_CONFIG = `(address,address,address,address,address,${SET_DEFAULTS_TUPLE})`;
  /** The functions every restaked service shares (RollupService): its set defaults, a rollup's set, registration. */
  const rollupService = (registeredRollup: (c: Ctx) => string): Record<string, Access> => ({
    [`setSetDefaults(${SET_DEFAULTS_TUPLE})`]: onlyOwner(() => [SET_DEFAULTS]),
    [`updateRollupSet(address,${SET_DEFAULTS_TUPLE})`]: onlyOwner((c) => [registeredRollup(c), SET_DEFAULTS]),
    "registerRollup(address)": open(
      "anyone registers a factory rollup that enabled the service, once: it creates the rollup's operator set",
    ),
  });
  const QUORUM = "(uint64,bytes,bytes,address[],bytes)";
  const ATTESTATION = "(uint256,uint64,bytes32,uint64,bytes)";
  const userRollup = (c: Ctx) => c.rollup.target as string;
  const onlyExecutor = (args?: Args) => guarded("GovernorOnlyExecutor", (_, caller) => [caller.address], args);
  const missingRole = (role: string, args?: Args) =>
    guarded("AccessControlUnauthorizedAccount", (_, caller) => [caller.address, role], args);
  const harmlessOperation = async (c: Ctx) => [
    await c.timelock.getAddress(),
    0n,
    c.timelock.interface.encodeFunctionData("updateDelay", [0]),
    ZeroHash,
    id("access control"),
    days(2),
  ];
  const proposalDetails = (c: Ctx) => [
    c.proposal.targets,
    c.proposal.values,
    c.proposal.calldatas,
    c.proposal.descriptionHash,
  ];
  const unableToCancel = (args: Args): Guarded => ({
    ...guarded("GovernorUnableToCancel", (c, caller) => [c.proposalId, caller.address], args),
    council: "the proposal guardian cancels any proposal",
  });
  const treasuryPosition = (c: Ctx) => c.positions.Treasury.getAddress();
  // IRollupFactory.Template and CreateParams as ABI tuples
  const TEMPLATE = "(uint8,uint8,uint8,uint8,bool,address,uint32,uint48,address,uint64,uint96,uint96)";
  const CREATE_PARAMS = "(uint256,uint8,bytes,uint64,address,address,address,uint8,uint16,uint48,uint128,bytes32)";
  const opStackTemplate = async (c: Ctx) => [...(await c.rollupFactory.template(OP_STACK))];

  const TABLE: ContractAccess[] = [
    {
      name: "AltToken",
      artifact: "AltToken",
      contract: (c) => c.token,
      functions: {
        "approve(address,uint256)": open("ERC20: sets the caller's own allowance"),
        "burn(uint256)": open("burns the caller's own balance"),
        "burnFrom(address,uint256)": guarded(
          "ERC20InsufficientAllowance",
          (_, caller) => [caller.address, 0n, 1n],
          async (c) => [await treasuryPosition(c), 1n],
        ),
        "delegate(address)": open("moves the caller's own votes"),
        "delegateBySig(address,uint256,uint256,uint8,bytes32,bytes32)": open(
          "moves the votes of the signer of the delegation, nobody else's",
        ),
        "permit(address,address,uint256,uint256,uint8,bytes32,bytes32)": guarded(
          "ERC2612InvalidSigner",
          (c, caller) => [caller.address, c.positions.Treasury.target],
          async (c, caller) => {
            const owner = await treasuryPosition(c);
            const message = { owner, spender: caller.address, value: 1n, nonce: await c.token.nonces(owner) };
            const signature = await signPermit(caller, c.token, { ...message, deadline: MaxUint256 });
            return [owner, caller.address, 1n, MaxUint256, signature.v, signature.r, signature.s];
          },
        ),
        "transfer(address,uint256)": open("ERC20: moves the caller's own balance"),
        "transferFrom(address,address,uint256)": guarded(
          "ERC20InsufficientAllowance",
          (_, caller) => [caller.address, 0n, 1n],
          async (c, caller) => [await treasuryPosition(c), caller.address, 1n],
        ),
      },
    },
    {
      name: "VestingFactory",
      artifact: "VestingFactory",
      contract: (c) => c.vestingFactory,
      functions: {
        "createPositions((address,uint48,uint48,uint48,uint96,bool,address,bytes32)[])": open(
          "vests the creator's own ALT, pulled from the creator",
        ),
        "setTreasury(address)": onlyOwner(self),
        "transferOwnership(address)": onlyOwner(self),
      },
    },
    {
      name: "VestingPosition",
      artifact: "VestingPosition",
      contract: (c) => c.positions.Team,
      functions: {
        "acceptBeneficiary()": guarded("VestingNotPendingBeneficiary", self),
        "delegate(address)": guarded("VestingNotBeneficiary", self, self),
        "initialize(address,uint48,uint48,uint48,uint96,bool,address)": guarded("VestingNotFactory", self),
        "release()": open("pays what has vested to the beneficiary, whoever calls"),
        "revoke()": guarded("VestingNotRevoker", self),
        "sweep(address)": guarded("VestingNotRevoker", self, (c) => [c.token.target]),
        "transferBeneficiary(address)": guarded("VestingNotBeneficiary", self, self),
      },
    },
    {
      name: "MerkleAirdrop",
      artifact: "MerkleAirdrop",
      contract: (c) => c.airdrop,
      functions: {
        "claim(uint256,address,uint256,bytes32[])": open("a Merkle proof authorises it; pays the leaf's account"),
        "claimAndDelegate(uint256,address,uint256,bytes32[],address,uint256,uint8,bytes32,bytes32)": open(
          "a Merkle proof and the account's delegation signature authorise it",
        ),
        "sweep()": open("after the deadline only, to the fixed treasury (the timelock)"),
      },
    },
    {
      name: "RestakingRegistry",
      artifact: "RestakingRegistry",
      contract: (c) => c.registry,
      functions: {
        ...ownedUpgradeable("initialize(address,address,uint48,uint48)"),
        "addAsset(address,uint96,uint128)": onlyOwner(),
        "updateAsset(uint256,uint96,uint128)": onlyOwner(),
        "setDelays(uint48,uint48)": onlyOwner(),
        "setModules(address,address)": onlyOwner((_, caller) => [caller.address, caller.address]),
        "registerOperator(string,uint16)": open("anyone may become an operator"),
        "setMetadataURI(string)": guarded("RegistryNotOperator", self),
        "setCommission(uint16)": guarded("RegistryNotOperator", self),
        "stake(address,uint256,uint256)": open("stakes the caller's own tokens"),
        "stakeWithPermit(address,uint256,uint256,uint8,bytes32,bytes32)": open(
          "stakes the caller's own ALT (the permit is the caller's)",
        ),
        "requestUnstake(address,uint256,uint256)": open("queues the caller's own shares"),
        "revalueUnits(address,address,uint256)": open(
          "anyone brings a position's reward units to what its shares are worth at the asset's current weight",
        ),
        "claimSlashProceeds(uint256,address)": open("pays the caller's own slash proceeds"),
        "burnSlashedAlt()": open("burns the slashed ALT that executions set aside, which nobody owns"),
        "completeUnstake((address,address,uint8,uint128,uint48,uint64))": guarded("RegistryNotStaker", self, (c) => [
          c.withdrawal,
        ]),
        "onSlashRequested(address)": guarded("RegistryNotSlashingManager", self),
        "onSlashVetoed(address)": guarded("RegistryNotSlashingManager", self),
        "slash(uint256,(address,uint256,uint16,uint48,uint256,address,uint16,address,address))": guarded(
          "RegistryNotSlashingManager",
          self,
        ),
        "setAllocated(address,uint256)": guarded("RegistryNotOperatorSets", self, (c) => [c.operator.address, 1n]),
      },
    },
    {
      name: "OperatorSets",
      artifact: "OperatorSets",
      contract: (c) => c.operatorSets,
      functions: {
        ...ownedUpgradeable("initialize(address,address,uint48,uint16)"),
        "setService(address,bool)": onlyOwner((_, caller) => [caller.address, true]),
        // hardhat.json's margin: only the caller is wrong
        "setChurnMargin(uint16)": onlyOwner(() => [CHURN_MARGIN_BPS]),
        "createSet(bytes32,uint256,uint16)": guarded("SetsNotService", self),
        "enableDraws(uint256)": guarded(
          "SetsNotSetService",
          (c, caller) => [c.setId, caller.address],
          (c) => [c.setId],
        ),
        "setListener(uint256,address)": guarded(
          "SetsNotSetService",
          (c, caller) => [c.setId, caller.address],
          (c, caller) => [c.setId, caller.address],
        ),
        "updateSet(uint256,uint256,uint16)": guarded(
          "SetsNotSetService",
          (c, caller) => [c.setId, caller.address],
          (c) => [c.setId, 0n, 8],
        ),
        "setLiveness(uint256,uint16,uint256)": guarded(
          "SetsNotSetService",
          (c, caller) => [c.setId, caller.address],
          (c) => [c.setId, 1, STAKE],
        ),
        "jail(uint256,address,uint48)": guarded(
          "SetsNotSetService",
          (c, caller) => [c.setId, caller.address],
          (c) => [c.setId, c.operator.address, 2n ** 48n - 1n],
        ),
        "join(uint256,uint256)": open("any registered operator allocating at least the set's minimum stake"),
        "joinReplacing(uint256,uint256,address)": open(
          "any registered operator joins a full set in place of a member, allocating the member's allocation plus the " +
            "churn margin: the stake decides, not the caller",
        ),
        "allocate(uint256,uint256)": guarded(
          "SetsNotMember",
          (c, caller) => [c.setId, caller.address],
          (c) => [c.setId, 0n],
        ),
        "onStakeDecreased(address,uint256)": guarded("SetsNotRegistry", self, (c) => [c.operator.address, 0n]),
        "slashAllocation(address,uint256,uint256,uint256,uint256)": guarded("SetsNotRegistry", self, (c) => [
          c.operator.address,
          c.setId,
          SLASH_BPS,
          0n,
          STAKE,
        ]),
        "syncAllocations(address)": open("shrinks an operator's allocations only if they exceed its stake"),
        "requestLeave(uint256)": guarded(
          "SetsNotMember",
          (c, caller) => [c.setId, caller.address],
          (c) => [c.setId],
        ),
        "removeMember(uint256,address)": open(
          "anyone removes a member whose allocation fell below the set's minimum stake: the allocation decides",
        ),
        "completeLeave(uint256)": guarded(
          "SetsLeaveNotRequested",
          (c, caller) => [c.setId, caller.address],
          (c) => [c.setId],
        ),
      },
    },
    {
      name: "SlashingManager",
      artifact: "SlashingManager",
      contract: (c) => c.slashingManager,
      functions: {
        ...ownedUpgradeable("initialize(address,address,address,address,uint48,uint16,uint48)"),
        "setSlasher(address,uint16,uint48)": onlyOwner((_, caller) => [caller.address, 1_000, 0]),
        "removeSlasher(address)": onlyOwner((c) => [c.service.address]),
        "setParameters(uint48,uint16,uint48)": onlyOwner(),
        "setVetoer(address)": onlyOwner(self),
        "setTreasury(address)": onlyOwner(self),
        "requestSlash(address,uint256,uint16,bytes32,bytes32,address,uint48)": guarded(
          "SlashingNotSlasher",
          self,
          (c) => [c.operator.address, c.setId, SLASH_BPS, ZeroHash, ZeroHash, ZeroAddress, 0],
        ),
        "requestSlashTo(address,uint256,uint16,bytes32,bytes32,address,uint48)": guarded(
          "SlashingNotSlasher",
          self,
          (c) => [c.operator.address, c.setId, SLASH_BPS, ZeroHash, ZeroHash, c.operator.address, 0],
        ),
        "veto(uint256)": {
          ...guarded("SlashingNotVetoer", self, (c) => [c.slashRequestId]),
          council: "the council vetoes slashes",
        },
        "execute(uint256)": open("anyone executes a request once its veto window has passed"),
      },
    },
    {
      name: "RewardsDistributor",
      artifact: "RewardsDistributor",
      contract: (c) => c.rewards,
      functions: {
        ...ownedUpgradeable("initialize(address,address,address,address,uint16)"),
        "setParameters(address,uint16)": onlyOwner((_, caller) => [caller.address, 0]),
        "creditFees(uint256,uint256)": open("anyone pays fees into a set, from its own ALT"),
        "creditStreamToSets(uint256[],uint256,uint256,uint256)": open(
          "anyone streams fees into several sets for time up to now, from its own ALT: the payer pays",
        ),
        "settle(address,uint256,uint256)": open(
          "anyone settles an operator's earnings in a set: it only moves them to the accounts they belong to",
        ),
        "claim(address[],uint256[])": open("pays the caller's own rewards"),
      },
    },
    {
      name: "BlsKeyRegistry",
      artifact: "BlsKeyRegistry",
      contract: (c) => c.blsKeys,
      functions: {
        ...ownedUpgradeable("initialize(address,address,address)"),
        // any registered operator registers (or rotates) its own key, with the key's proof of possession
        "registerKey(bytes,bytes)": guarded("BlsNotOperator", self, () => [
          blsPublicKey(blsSecretFrom("access-control:other key")),
          "0x",
        ]),
        // the member stops counting in the MACH set from the next epoch: only the caller is wrong
        "onCountedChanged(uint256,address,bool,uint256)": guarded("BlsNotOperatorSets", self, async (c) => [
          c.machSet,
          c.member.address,
          false,
          (await c.operatorSets.currentEpoch()) + 1n,
        ]),
      },
    },
    {
      name: "TimelockController",
      artifact: "TimelockController",
      contract: (c) => c.timelock,
      functions: {
        "schedule(address,uint256,bytes,bytes32,bytes32,uint256)": missingRole(PROPOSER_ROLE, harmlessOperation),
        "scheduleBatch(address[],uint256[],bytes[],bytes32,bytes32,uint256)": missingRole(PROPOSER_ROLE, async (c) => {
          const [target, value, data, predecessor, salt, delay] = await harmlessOperation(c);
          return [[target], [value], [data], predecessor, salt, delay];
        }),
        "cancel(bytes32)": missingRole(CANCELLER_ROLE),
        "execute(address,uint256,bytes,bytes32,bytes32)": open(
          "open execution (EXECUTOR_ROLE is address(0)) of ready operations only",
        ),
        "executeBatch(address[],uint256[],bytes[],bytes32,bytes32)": open(
          "open execution (EXECUTOR_ROLE is address(0)) of ready operations only",
        ),
        "updateDelay(uint256)": guarded("TimelockUnauthorizedCaller", self),
        "grantRole(bytes32,address)": missingRole(DEFAULT_ADMIN_ROLE, (_, caller) => [PROPOSER_ROLE, caller.address]),
        "revokeRole(bytes32,address)": missingRole(DEFAULT_ADMIN_ROLE, (c) => [PROPOSER_ROLE, c.governor.target]),
        "renounceRole(bytes32,address)": guarded(
          "AccessControlBadConfirmation",
          () => [],
          (c) => [PROPOSER_ROLE, c.governor.target],
        ),
        "onERC721Received(address,address,uint256,bytes)": open("token-receiver hook: returns its selector"),
        "onERC1155Received(address,address,uint256,uint256,bytes)": open("token-receiver hook: returns its selector"),
        "onERC1155BatchReceived(address,address,uint256[],uint256[],bytes)": open(
          "token-receiver hook: returns its selector",
        ),
      },
    },
    {
      name: "AltGovernor",
      artifact: "AltGovernor",
      contract: (c) => c.governor,
      functions: {
        "propose(address[],uint256[],bytes[],string)": open("anyone holding proposalThreshold votes"),
        "castVote(uint256,uint8)": open("votes the caller's own weight"),
        "castVoteWithReason(uint256,uint8,string)": open("votes the caller's own weight"),
        "castVoteWithReasonAndParams(uint256,uint8,string,bytes)": open("votes the caller's own weight"),
        "castVoteBySig(uint256,uint8,address,bytes)": open("votes the signer's own weight"),
        "castVoteWithReasonAndParamsBySig(uint256,uint8,address,string,bytes,bytes)": open(
          "votes the signer's own weight",
        ),
        "queue(address[],uint256[],bytes[],bytes32)": open("anyone queues a succeeded proposal in the timelock"),
        "queue(uint256)": open("anyone queues a succeeded proposal in the timelock"),
        "execute(address[],uint256[],bytes[],bytes32)": open(
          "anyone executes a queued proposal once its delay is over",
        ),
        "execute(uint256)": open("anyone executes a queued proposal once its delay is over"),
        "cancel(address[],uint256[],bytes[],bytes32)": unableToCancel(proposalDetails),
        "cancel(uint256)": unableToCancel((c) => [c.proposalId]),
        "relay(address,uint256,bytes)": onlyExecutor(),
        "setVotingDelay(uint48)": onlyExecutor(),
        "setVotingPeriod(uint32)": onlyExecutor(),
        "setProposalThreshold(uint256)": onlyExecutor(),
        "updateQuorumNumerator(uint256)": onlyExecutor(),
        "setLateQuorumVoteExtension(uint48)": onlyExecutor(),
        "setProposalGuardian(address)": onlyExecutor(self),
        "onERC721Received(address,address,uint256,bytes)": open(
          "token-receiver hook: refuses every deposit (GovernorDisabledDeposit), the timelock holds the funds",
        ),
        "onERC1155Received(address,address,uint256,uint256,bytes)": open(
          "token-receiver hook: refuses every deposit (GovernorDisabledDeposit), the timelock holds the funds",
        ),
        "onERC1155BatchReceived(address,address,uint256[],uint256[],bytes)": open(
          "token-receiver hook: refuses every deposit (GovernorDisabledDeposit), the timelock holds the funds",
        ),
      },
    },
    {
      name: "RollupFactory",
      artifact: "RollupFactory",
      contract: (c) => c.rollupFactory,
      functions: {
        ...ownedUpgradeable("initialize(address,address,address,address,address,address,uint128,uint48,uint256)"),
        // a valid template (template 0 as registered): only the caller is wrong
        [`registerTemplate(${TEMPLATE})`]: onlyOwner(async (c) => [await opStackTemplate(c)]),
        [`updateTemplate(uint256,${TEMPLATE})`]: onlyOwner(async (c) => [OP_STACK, await opStackTemplate(c)]),
        "deprecateTemplate(uint256)": onlyOwner(() => [OP_STACK]),
        "setServices(address,address,address)": onlyOwner(),
        "setFeeRate(uint128)": onlyOwner(),
        "setSettlementWindow(uint48)": onlyOwner(),
        "setMinQueueFee(uint256)": onlyOwner(() => [2n * ALT]),
        "setCouncil(address)": onlyOwner(self),
        "setTreasury(address)": onlyOwner(self),
        "commitRollup(bytes32)": open(
          "permissionless: anyone commits to a creation; the commitment binds the creator it names, the only one " +
            "who can use it",
        ),
        [`createRollup(${CREATE_PARAMS})`]: open(
          "permissionless: anyone creates a rollup from a live template, paying the creation fee (to the timelock) " +
            "and the services' prepayment from its own ALT; the creator picks the rollup's owner and roles",
        ),
      },
    },
    {
      // the clone a user created in the fixture (owner, sequencer and proposer: three other accounts)
      name: "Rollup",
      artifact: "Rollup",
      contract: (c) => c.rollup,
      functions: {
        [`initialize(${CREATE_PARAMS},${TEMPLATE})`]: guarded("RollupNotFactory", self),
        "appendBatch(bytes32,uint256)": guarded("RollupNotSequencer", self, () => [id("batch"), 0]),
        "proposeOutput(uint64,bytes32,bytes32)": guarded("RollupNotProposer", self, () => [
          2n * OUTPUT_INTERVAL,
          id("output 1"),
          ZeroHash,
        ]),
        // output 0 is proposed: the MACH service could fast-finalize it, the VITAL service invalidate it
        "fastFinalize(uint256,uint64,bytes32,uint256)": guarded("RollupNotService", self, () => [
          0,
          OUTPUT_INTERVAL,
          // its output root: state root "output 0" proposed before any batch, with no parent
          outputRootOf({
            l2BlockNumber: OUTPUT_INTERVAL,
            stateRoot: id("output 0"),
            batchCount: 0n,
            batchRoot: ethers.ZeroHash,
          }),
          0n,
        ]),
        "invalidate(uint256,address)": guarded("RollupNotService", self, (c) => [0, c.rollupOwner.address]),
        "setPaused(bool)": {
          ...guarded("RollupNotCouncil", self, () => [true]),
          council:
            "the factory's council pauses any rollup for at most 3 days (then a 3-day cooldown) and lifts pauses",
        },
        // governance (the factory's owner, the timelock) pauses for longer, or extends or shortens a pause
        "pauseUntil(uint48)": guarded("RollupNotGovernance", self, (c) => [c.rollupExpiry]),
        "extend(uint48)": guarded("RollupNotOwner", self, (c) => [c.rollupExpiry + days(30)]),
        "sunset()": guarded("RollupNotOwner", self),
        "transferOwnership(address)": guarded("RollupNotOwner", self, self),
        "acceptOwnership()": guarded("RollupNotPendingOwner", self),
        "finalize(uint256)": open("anyone finalizes the next output once its challenge period is over (optimistic)"),
        "proveOutput(uint256,bytes)": open(
          "anyone finalizes the next output with a proof the template's verifier accepts (validity)",
        ),
        "queueTransaction(bytes32,uint256)": open(
          "anyone queues a transaction for forced inclusion, paying its own fee (at least the factory's minimum)",
        ),
        "forceInclude(uint256)": open(
          "anyone includes the transactions the sequencer left overdue, and is paid their fees (censorship resistance)",
        ),
        "streamFees()": open("anyone streams the fees already due to the services' operator sets"),
        "settle()": open("anyone retires the rollup after its settlement window: the escrow goes back to its owner"),
        "reclaimFee(uint256)": open("after retirement, returns an unincluded queue fee to its payer, whoever calls"),
      },
    },
    {
      name: "MachService",
      artifact: "MachService",
      contract: (c) => c.machService,
      functions: {
        ...ownedUpgradeable(`initialize(${SERVICE_CONFIG},address,uint16,uint16)`),
        ...rollupService(userRollup),
        "setOffenceBps(uint16,uint16)": onlyOwner(() => [1_000, 500]),
        [`certify(address,uint256,uint64,bytes32,${QUORUM})`]: open(
          "the quorum authorises it: an aggregate BLS signature of operators holding the rollup's threshold of the " +
            "stake counted in the epoch, checked against the set's aggregate key",
        ),
        [`raiseAlert(address,bytes32,${QUORUM})`]: open(
          "the quorum authorises it: an aggregate BLS signature of operators holding the rollup's threshold of the " +
            "stake counted in the epoch, over a fresh nonce",
        ),
        // the user's rollup has an alert raised: only its owner or the council lowers it
        "clearAlert(address)": {
          ...guarded("MachNotOwnerOrCouncil", self, (c) => [userRollup(c)]),
          council: "the factory's council lowers an alert on any rollup",
        },
        [`proveEquivocation(address,address,${ATTESTATION},bytes,${ATTESTATION},bytes)`]: open(
          "two conflicting attestations signed by a member's BLS key are the proof; the caller is only the reporter",
        ),
        [`reportInvalidCertificate(address,uint256,uint64,bytes32,${QUORUM},address[])`]: open(
          "anyone reports the signers of an output VITAL invalidated: their aggregate signature of it is the evidence",
        ),
      },
    },
    {
      name: "VitalService",
      artifact: "VitalService",
      contract: (c) => c.vitalService,
      functions: {
        ...ownedUpgradeable(`initialize(${SERVICE_CONFIG},address,uint96,uint48,uint16,uint16)`),
        ...rollupService(userRollup),
        // hardhat.json's parameters, failed bonds to the timelock: only the caller is wrong
        "setParameters(address,uint96,uint48,uint16,uint16)": onlyOwner((c) => [
          c.timelock.target,
          VITAL_BOND,
          days(1),
          1_000,
          500,
        ]),
        // the user's rollup is registered: only a member of its VITAL set challenges
        "challenge(address,uint256)": guarded("VitalNotMember", self, (c) => [userRollup(c), 0]),
        // the challenge is open: only an operator with stake counted in the set in its epoch votes (the member)
        "vote(uint256,bool)": guarded(
          "VitalNotVoter",
          (c, caller) => [caller.address, c.challengeEpoch],
          (c) => [c.challengeId, true],
        ),
        "resolve(uint256)": open(
          "anyone ends a challenge as its votes decided, or at its deadline; the bond goes where the outcome sends it",
        ),
        "reportVoters(uint256,address[])": open(
          "anyone reports the members who voted 'valid' on an output VITAL invalidated: the votes are the evidence",
        ),
      },
    },
    {
      name: "SquadService",
      artifact: "SquadService",
      contract: (c) => c.squadService,
      functions: {
        ...ownedUpgradeable(`initialize(${SERVICE_CONFIG},uint48,uint48,uint16,uint48,uint16)`),
        ...rollupService((c) => c.squadRollup.target as string),
        // hardhat.json's parameters: only the caller is wrong
        "setParameters(uint48,uint16,uint48,uint16)": onlyOwner(() => [120, 5, days(7), 500]),
        // the SQUAD rollup is registered: only an eligible member of its set sequences it
        "postBatch(address,bytes32,uint256)": guarded("SquadNotEligible", self, (c) => [
          c.squadRollup.target,
          id("batch"),
          0,
        ]),
        "reportMiss(address,uint256)": open(
          "anyone reports a slot its leader left empty: the slot's marks are the evidence, the leader is drawn on chain",
        ),
        "reportCensorship(address,uint256)": open(
          "anyone reports the leader of the slot that skipped a queued item later forced in: the queue is the evidence",
        ),
        "commitSeed(address)": open(
          "anyone commits the next epoch's seed to a block 64 blocks ahead (once an epoch): its randomness is unknown then",
        ),
        "revealSeed(address)": open(
          "anyone reveals the committed seed, only in the committed block: the block's prevrandao is the randomness",
        ),
      },
    },
    {
      // a pure verify(): nothing to guard, and the completeness check proves it
      name: "MockVerifier",
      artifact: "MockVerifier",
      contract: (c) => c.mockVerifier,
      functions: {},
    },
  ];

  /** A syntactically valid zero value for an ABI parameter. */
  function zeroValue(param: ParamType): unknown {
    if (param.isArray()) {
      return param.arrayLength === -1
        ? []
        : Array.from({ length: param.arrayLength }, () => zeroValue(param.arrayChildren));
    }
    if (param.isTuple()) return param.components.map(zeroValue);
    if (param.baseType === "address") return ZeroAddress;
    if (param.baseType === "bool") return false;
    if (param.baseType === "string") return "";
    if (param.baseType === "bytes") return "0x";
    if (/^bytes\d+$/.test(param.baseType)) return zeroPadValue("0x", Number(param.baseType.slice(5)));
    if (/^u?int\d*$/.test(param.baseType)) return 0n;
    throw new Error(`no zero value for ${param.type}`);
  }

  /** Functions of the artifact's ABI that can change state (nonpayable or payable), by full signature. */
  async function stateChangingFunctions(artifact: string): Promise<string[]> {
    const { abi } = await hre.artifacts.readArtifact(artifact);
    return new Interface(abi).fragments
      .filter((f): f is FunctionFragment => FunctionFragment.isFunction(f))
      .filter((f) => f.stateMutability === "nonpayable" || f.stateMutability === "payable")
      .map((f) => f.format("sighash"))
      .sort();
  }

  // ============================================================================ who holds what

  describe("after deployment", function () {
    it("leaves every Ownable to the timelock", async function () {
      const d = await loadFixture(deployedFixture);
      for (const contract of ownables(d)) {
        expect(await contract.owner()).to.equal(d.timelock.target);
      }
    });

    it("shows in the events each Ownable handed over from the deployer to the timelock, and nothing else", async function () {
      const d = await loadFixture(deployedFixture);
      for (const contract of ownables(d)) {
        const events = await contract.queryFilter(contract.filters.OwnershipTransferred(), 0);
        expect(
          events.map((e) => [e.args.previousOwner, e.args.newOwner]),
          await contract.getAddress(),
        ).to.deep.equal([
          [ZeroAddress, d.deployer.address],
          [d.deployer.address, d.timelock.target],
        ]);
      }
    });

    it("leaves the ERC-1967 admin and beacon slots of the nine proxies empty (UUPS: the owner upgrades)", async function () {
      const d = await loadFixture(deployedFixture);
      for (const proxy of proxies(d)) {
        const address = await proxy.getAddress();
        expect(await ethers.provider.getStorage(address, ADMIN_SLOT)).to.equal(ZeroHash);
        expect(await ethers.provider.getStorage(address, BEACON_SLOT)).to.equal(ZeroHash);
        expect(await ethers.provider.getStorage(address, IMPLEMENTATION_SLOT)).not.to.equal(ZeroHash);
      }
    });

    it("locks the nine implementations: no owner, no initialisation", async function () {
      const d = await loadFixture(deployedFixture);
      const { stranger } = d;
      for (const proxy of proxies(d)) {
        const slot = await ethers.provider.getStorage(await proxy.getAddress(), IMPLEMENTATION_SLOT);
        const implementation = proxy.attach(getAddress("0x" + slot.slice(26))) as typeof proxy;
        expect(await implementation.owner()).to.equal(ZeroAddress);
        const initialize = implementation.interface.getFunction("initialize")!;
        await expect(
          implementation.connect(stranger).getFunction(initialize.format("sighash"))(
            ...initialize.inputs.map(zeroValue),
          ),
        ).to.be.revertedWithCustomError(implementation, "InvalidInitialization");
      }
    });

    it("lets the timelock, the owner, pass the upgrade check of every proxy", async function () {
      const d = await loadFixture(deployedFixture);
      const owner = await timelockSigner(d.timelock);
      for (const proxy of proxies(d)) {
        const slot = await ethers.provider.getStorage(await proxy.getAddress(), IMPLEMENTATION_SLOT);
        // re-installing the current implementation: only the authorisation is exercised (static call, no change)
        await proxy.connect(owner).upgradeToAndCall.staticCall(getAddress("0x" + slot.slice(26)), "0x");
      }
    });

    it("keeps the factory's ownership from being renounced, even by the timelock", async function () {
      const { vestingFactory, timelock, deployer } = await loadFixture(deployedFixture);
      // a view (so outside the matrix of state-changing functions) that always reverts
      await expect(vestingFactory.connect(deployer).renounceOwnership())
        .to.be.revertedWithCustomError(vestingFactory, "OwnableUnauthorizedAccount")
        .withArgs(deployer.address);
      await expect(
        vestingFactory.connect(await timelockSigner(timelock)).renounceOwnership(),
      ).to.be.revertedWithCustomError(vestingFactory, "VestingFactoryRenounceDisabled");
    });

    it("keeps every upgradeable contract's ownership from being renounced, even by the timelock", async function () {
      const d = await loadFixture(deployedFixture);
      const owner = await timelockSigner(d.timelock);
      for (const proxy of proxies(d)) {
        const contract = await ethers.getContractAt("OwnedUpgradeable", await proxy.getAddress());
        for (const caller of [d.stranger, d.deployer, d.council]) {
          await expect(contract.connect(caller).renounceOwnership())
            .to.be.revertedWithCustomError(contract, "OwnableUnauthorizedAccount")
            .withArgs(caller.address);
        }
        await expect(contract.connect(owner).renounceOwnership()).to.be.revertedWithCustomError(
          contract,
          "OwnershipNotRenounceable",
        );
        expect(await contract.owner()).to.equal(await d.timelock.getAddress());
      }
    });

    it("makes the governor refuse deposits: the timelock holds the funds", async function () {
      const { governor, stranger } = await loadFixture(deployedFixture);
      await expect(
        governor.connect(stranger).onERC721Received(stranger.address, stranger.address, 0, "0x"),
      ).to.be.revertedWithCustomError(governor, "GovernorDisabledDeposit");
      await expect(
        stranger.sendTransaction({ to: await governor.getAddress(), value: 1n }),
      ).to.be.revertedWithCustomError(governor, "GovernorDisabledDeposit");
    });

    it("makes the council the slash vetoer, the proposal guardian and the rollup factory's council", async function () {
      const { slashingManager, governor, rollupFactory, council } = await loadFixture(deployedFixture);
      expect(await slashingManager.vetoer()).to.equal(council.address);
      expect(await governor.proposalGuardian()).to.equal(council.address);
      expect(await rollupFactory.council()).to.equal(council.address);
    });

    it("binds the governor to the timelock and ALT", async function () {
      const { governor, timelock, token } = await loadFixture(deployedFixture);
      expect(await governor.timelock()).to.equal(timelock.target);
      expect(await governor.token()).to.equal(token.target);
    });

    it("gives the timelock roles exactly to the timelock (admin), the governor (proposer, canceller) and everyone (executor)", async function () {
      const { timelock, governor, deployer, council, stranger } = await loadFixture(deployedFixture);
      const timelockAddress = await timelock.getAddress();
      const governorAddress = await governor.getAddress();
      const expected: Record<string, string[]> = {
        [DEFAULT_ADMIN_ROLE]: [timelockAddress],
        [PROPOSER_ROLE]: [governorAddress],
        [CANCELLER_ROLE]: [governorAddress],
        [EXECUTOR_ROLE]: [ZeroAddress],
      };

      // the whole role history of the timelock, replayed in order
      const logs = [
        ...(await timelock.queryFilter(timelock.filters.RoleGranted(), 0)),
        ...(await timelock.queryFilter(timelock.filters.RoleRevoked(), 0)),
      ].sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
      const members = new Map<string, Set<string>>();
      const seen = new Set<string>([deployer.address, governorAddress, council.address, timelockAddress]);
      for (const log of logs) {
        const { role, account } = log.args;
        seen.add(account);
        if (!members.has(role)) members.set(role, new Set());
        if (log.eventName === "RoleGranted") members.get(role)!.add(account);
        else members.get(role)!.delete(account);
      }
      expect([...members.keys()].map((r) => ROLE_NAMES[r] ?? r).sort()).to.deep.equal(
        Object.keys(expected)
          .map((r) => ROLE_NAMES[r])
          .sort(),
      );
      for (const [role, accounts] of Object.entries(expected)) {
        expect([...members.get(role)!].sort(), ROLE_NAMES[role]).to.deep.equal([...accounts].sort());
      }
      // the chain agrees with the replay for every account that ever held a role, and for the named ones
      seen.add(stranger.address);
      seen.add(ZeroAddress);
      for (const role of Object.keys(expected)) {
        for (const account of seen) {
          expect(await timelock.hasRole(role, account), `${ROLE_NAMES[role]} of ${account}`).to.equal(
            expected[role].includes(account),
          );
        }
        expect(await timelock.getRoleAdmin(role)).to.equal(DEFAULT_ADMIN_ROLE);
      }
      expect(await timelock.queryFilter(timelock.filters.RoleAdminChanged(), 0)).to.have.length(0);
    });

    it("shows the deployer's bootstrap roles granted, then revoked and renounced", async function () {
      const { timelock, deployer } = await loadFixture(deployedFixture);
      const granted = await timelock.queryFilter(timelock.filters.RoleGranted(undefined, deployer.address), 0);
      const revoked = await timelock.queryFilter(timelock.filters.RoleRevoked(undefined, deployer.address), 0);
      const names = (logs: typeof granted) => logs.map((l) => ROLE_NAMES[l.args.role]).sort();
      expect(names(granted)).to.deep.equal(["CANCELLER_ROLE", "DEFAULT_ADMIN_ROLE", "PROPOSER_ROLE"]);
      expect(names(revoked)).to.deep.equal(["CANCELLER_ROLE", "DEFAULT_ADMIN_ROLE", "PROPOSER_ROLE"]);
      // the admin role was renounced by the deployer itself, the others revoked by it as admin
      expect(revoked.map((l) => l.args.sender)).to.deep.equal([deployer.address, deployer.address, deployer.address]);
    });

    it("leaves no operation pending in the timelock, whose delay is the configured one", async function () {
      const { timelock, config } = await loadFixture(deployedFixture);
      const scheduled = await timelock.queryFilter(timelock.filters.CallScheduled(), 0);
      expect(scheduled.length).to.be.greaterThan(0);
      for (const id of new Set(scheduled.map((e) => e.args.id)))
        expect(await timelock.isOperationDone(id)).to.equal(true);
      expect(await timelock.getMinDelay()).to.equal(BigInt(config.timelockDelay));
    });

    it("sends every treasury flow to the timelock, rollup creation fees and failed VITAL bonds included", async function () {
      const { vestingFactory, airdrop, slashingManager, rewards, rollupFactory, vitalService, timelock } =
        await loadFixture(deployedFixture);
      expect(await vestingFactory.treasury()).to.equal(timelock.target);
      expect(await airdrop.treasury()).to.equal(timelock.target);
      expect(await slashingManager.treasury()).to.equal(timelock.target);
      expect(await rewards.treasury()).to.equal(timelock.target);
      expect(await rollupFactory.treasury()).to.equal(timelock.target);
      expect((await vitalService.parameters()).treasury).to.equal(timelock.target);
    });

    it("wires the registry's modules, and the modules to the registry", async function () {
      const { registry, operatorSets, slashingManager, rewards } = await loadFixture(deployedFixture);
      expect(await registry.slashingManager()).to.equal(slashingManager.target);
      expect(await registry.operatorSets()).to.equal(operatorSets.target);
      expect(await operatorSets.registry()).to.equal(registry.target);
      expect(await slashingManager.registry()).to.equal(registry.target);
      expect(await rewards.registry()).to.equal(registry.target);
      expect(await rewards.operatorSets()).to.equal(operatorSets.target);
    });

    it("wires MACH's BLS key registry to the operator sets and the registry", async function () {
      // the fixture's key registry is MachService.blsKeys(); that the sets tell it who counts is checked on a MACH set
      const { blsKeys, operatorSets, registry } = await loadFixture(deployedFixture);
      expect(await blsKeys.operatorSets()).to.equal(operatorSets.target);
      expect(await blsKeys.registry()).to.equal(registry.target);
    });

    it("wires the rollup factory to ALT, the rewards distributor and the operator sets", async function () {
      const { rollupFactory, token, rewards, operatorSets } = await loadFixture(deployedFixture);
      expect(await rollupFactory.alt()).to.equal(token.target);
      expect(await rollupFactory.rewardsDistributor()).to.equal(rewards.target);
      expect(await rollupFactory.operatorSets()).to.equal(operatorSets.target);
    });

    it("points every template at the Rollup implementation, which only the factory initialises, and the validity ones at the MockVerifier", async function () {
      const { rollupFactory, rollupImplementation, mockVerifier, parameters, deployer, council, stranger } =
        await loadFixture(deployedFixture);
      const templates = parameters.rollups!.templates;
      expect(await rollupFactory.templateCount()).to.equal(BigInt(templates.length));
      for (const [i, configured] of templates.entries()) {
        const t = await rollupFactory.template(i);
        expect(t.implementation, `template ${i}`).to.equal(rollupImplementation.target);
        expect(t.deprecated, `template ${i}`).to.equal(false);
        expect(t.verifier, `template ${i}`).to.equal(
          configured.verifier === "mock" ? mockVerifier.target : ZeroAddress,
        );
      }
      expect(templates.filter((t) => t.verifier === "mock").length).to.be.greaterThan(0);
      // the MockVerifier's code is the artifact's (it has no immutables)
      const { deployedBytecode } = await hre.artifacts.readArtifact("MockVerifier");
      expect(await ethers.provider.getCode(mockVerifier.target)).to.equal(deployedBytecode);
      // the implementation is bound to the factory proxy and never initialised
      expect(await rollupImplementation.factory()).to.equal(rollupFactory.target);
      expect(await rollupImplementation.owner()).to.equal(ZeroAddress);
      const initialize = rollupImplementation.interface.getFunction("initialize")!;
      for (const caller of [deployer, council, stranger]) {
        const call = rollupImplementation.connect(caller).getFunction(initialize.format("sighash"));
        await expect(call(...initialize.inputs.map(zeroValue)))
          .to.be.revertedWithCustomError(rollupImplementation, "RollupNotFactory")
          .withArgs(caller.address);
      }
      expect(await rollupFactory.rollupCount()).to.equal(0n);
    });

    it("registers exactly the three services: slashers with their caps and a 10-day evidence age, allowed to create operator sets, and the rollup factory's services", async function () {
      const d = await loadFixture(deployedFixture);
      const { slashingManager, operatorSets, rollupFactory, registry, parameters } = d;
      const { machService, vitalService, squadService } = d;
      // the caps and the evidence age are hardhat.json's
      const configured = parameters.services!;
      expect(configured.maxEvidenceAge).to.equal("10d");
      expect([configured.mach.capBps, configured.vital.capBps, configured.squad.capBps]).to.deep.equal([
        SERVICE_CAPS.mach,
        SERVICE_CAPS.vital,
        SERVICE_CAPS.squad,
      ]);
      const expected: [string, number][] = [
        [machService.target as string, SERVICE_CAPS.mach],
        [vitalService.target as string, SERVICE_CAPS.vital],
        [squadService.target as string, SERVICE_CAPS.squad],
      ];

      // slashers: these three and no other, each set once
      expect([...(await slashingManager.slashers())]).to.have.members(expected.map(([service]) => service));
      expect(await slashingManager.slashers()).to.have.length(3);
      for (const [service, cap] of expected) {
        const slasher = await slashingManager.slasher(service);
        expect([slasher.registered, slasher.maxBps, slasher.maxEvidenceAge], service).to.deep.equal([
          true,
          BigInt(cap),
          BigInt(MAX_EVIDENCE_AGE),
        ]);
      }
      const slasherSet = await slashingManager.queryFilter(slashingManager.filters.SlasherSet(), 0);
      expect(slasherSet.map((e) => [e.args.slasher, e.args.maxBps, e.args.maxEvidenceAge])).to.have.deep.members(
        expected.map(([service, cap]) => [service, BigInt(cap), BigInt(MAX_EVIDENCE_AGE)]),
      );
      expect(slasherSet).to.have.length(3);
      expect(await slashingManager.queryFilter(slashingManager.filters.SlasherRemoved(), 0)).to.have.length(0);
      // a withdrawal must outlast the veto window plus the services' evidence age, and the 14-day delay does
      expect(await slashingManager.minWithdrawalDelay()).to.equal(BigInt(VETO_WINDOW + MAX_EVIDENCE_AGE));
      expect(await registry.withdrawalDelay()).to.equal(BigInt(days(14)));

      // OperatorSets services: these three, allowed once each, none revoked
      const serviceUpdated = await operatorSets.queryFilter(operatorSets.filters.ServiceUpdated(), 0);
      expect(serviceUpdated.map((e) => [e.args.service, e.args.allowed])).to.have.deep.members(
        expected.map(([service]) => [service, true]),
      );
      expect(serviceUpdated).to.have.length(3);
      for (const [service] of expected) expect(await operatorSets.isService(service), service).to.equal(true);

      // the factory's services, in its (VITAL, MACH, SQUAD) order
      expect([...(await rollupFactory.services())]).to.deep.equal([
        vitalService.target,
        machService.target,
        squadService.target,
      ]);
    });

    it("wires each service to the factory, the operator sets, the registry and the slashing manager, with hardhat.json's parameters", async function () {
      const d = await loadFixture(deployedFixture);
      const { rollupFactory, operatorSets, registry, slashingManager, timelock } = d;
      for (const service of services(d)) {
        const label = await service.getAddress();
        expect(await service.factory(), label).to.equal(rollupFactory.target);
        expect(await service.operatorSets(), label).to.equal(operatorSets.target);
        expect(await service.registry(), label).to.equal(registry.target);
        expect(await service.slashingManager(), label).to.equal(slashingManager.target);
        expect([...(await service.setDefaults())], label).to.deep.equal([
          SERVICE_MIN_STAKE,
          BigInt(SERVICE_MAX_SIZE),
          BigInt(SERVICE_MIN_MEMBERS),
          SERVICE_MIN_TOTAL_STAKE,
        ]);
      }
      // hardhat.json "services": mach equivocation 1,000 and invalid certificate 500 bps; vital bond 10,000 ALT, 1-day
      // vote, proposer 1,000 and voter 500 bps; squad 5-minute slots, 2-minute grace, 5 misses, 7-day jail, 500 bps
      expect([...(await d.machService.offenceBps())]).to.deep.equal([1_000n, 500n]);
      expect([...(await d.vitalService.parameters())]).to.deep.equal([
        timelock.target,
        VITAL_BOND,
        BigInt(days(1)),
        1_000n,
        500n,
      ]);
      expect([...(await d.squadService.parameters())]).to.deep.equal([300n, 120n, 5n, BigInt(days(7)), 500n]);
    });

    it("makes the factory owner, the timelock, the revoker of every vesting position", async function () {
      const { vestingFactory, positions, timelock, deployer, council, stranger, parameters } =
        await loadFixture(deployedFixture);
      const owner = await timelockSigner(timelock);
      const allocations = parameters.genesis.allocations;
      expect(Object.keys(positions).sort()).to.deep.equal(allocations.map((a) => a.category).sort());
      for (const { category, revocable } of allocations) {
        const position = positions[category];
        // VestingPosition's revoker is Ownable(factory).owner(), read at each call
        expect(await position.factory(), category).to.equal(vestingFactory.target);
        if (revocable) await position.connect(owner).revoke.staticCall();
        else
          await expect(position.connect(owner).revoke.staticCall()).to.be.revertedWithCustomError(
            position,
            "VestingNotRevocable",
          );
        for (const outsider of [deployer, council, stranger]) {
          await expect(position.connect(outsider).revoke.staticCall())
            .to.be.revertedWithCustomError(position, "VestingNotRevoker")
            .withArgs(outsider.address);
        }
      }
    });

    it("leaves the deployer no ALT, no votes, and no role or ownership anywhere", async function () {
      const d = await loadFixture(deployedFixture);
      const { deployer, token, timelock, governor, slashingManager, operatorSets, registry, positions } = d;
      expect(await token.balanceOf(deployer.address)).to.equal(0n);
      expect(await token.getVotes(deployer.address)).to.equal(0n);
      for (const role of [DEFAULT_ADMIN_ROLE, PROPOSER_ROLE, CANCELLER_ROLE, EXECUTOR_ROLE]) {
        expect(await timelock.hasRole(role, deployer.address)).to.equal(false);
      }
      for (const contract of ownables(d)) {
        expect(await contract.owner()).not.to.equal(deployer.address);
      }
      for (const position of Object.values(positions)) {
        expect(await position.beneficiary()).not.to.equal(deployer.address);
        expect(await position.pendingBeneficiary()).to.equal(ZeroAddress);
      }
      expect(await slashingManager.vetoer()).not.to.equal(deployer.address);
      expect((await slashingManager.slasher(deployer.address)).registered).to.equal(false);
      expect(await operatorSets.isService(deployer.address)).to.equal(false);
      expect(await registry.isOperator(deployer.address)).to.equal(false);
      expect(await governor.proposalGuardian()).not.to.equal(deployer.address);
      expect(await d.rollupFactory.council()).not.to.equal(deployer.address);
      expect(await d.rollupFactory.treasury()).not.to.equal(deployer.address);
      expect([...(await d.rollupFactory.services())]).not.to.include(deployer.address);
      expect(await d.rollupFactory.rollupsOf(deployer.address)).to.deep.equal([]);
    });

    it("leaves no ALT allowance standing, and none ever given to the council", async function () {
      const { token, council } = await loadFixture(deployedFixture);
      const approvals = await token.queryFilter(token.filters.Approval(), 0);
      expect(approvals.length).to.be.greaterThan(0); // the genesis approval of the factory
      for (const { args } of approvals) {
        expect(await token.allowance(args.owner, args.spender), `${args.owner} -> ${args.spender}`).to.equal(0n);
      }
      expect(approvals.filter((a) => a.args.spender === council.address)).to.deep.equal([]);
    });
  });

  // ============================================================================ the access-control matrix

  describe("access-control matrix", function () {
    for (const entry of TABLE) {
      describe(entry.name, function () {
        it("classifies every state-changing function of the ABI, and only those", async function () {
          const fromAbi = await stateChangingFunctions(entry.artifact);
          const fromTable = Object.keys(entry.functions).sort();
          expect(
            fromAbi.filter((f) => !fromTable.includes(f)),
            "state-changing functions missing from the table",
          ).to.deep.equal([]);
          expect(
            fromTable.filter((f) => !fromAbi.includes(f)),
            "functions of the table missing from the ABI",
          ).to.deep.equal([]);
          for (const [signature, access] of Object.entries(entry.functions)) {
            if (!isGuarded(access)) expect(access.reason, signature).to.match(/\S/);
          }
        });

        for (const [signature, access] of Object.entries(entry.functions)) {
          if (!isGuarded(access)) continue;
          const callers =
            access.council === undefined ? "an outsider, the deployer and the council" : "an outsider and the deployer";
          it(`refuses ${signature} to ${callers} with ${access.error}`, async function () {
            const c = await loadFixture(matrixFixture);
            const contract = entry.contract(c);
            const fragment = contract.interface.getFunction(signature);
            expect(fragment, signature).not.to.equal(null);
            const tried: [string, Account][] = [
              ["outsider", c.stranger],
              ["deployer", c.deployer],
            ];
            if (access.council === undefined) tried.push(["council", c.council]);
            for (const [label, caller] of tried) {
              const args = access.args === undefined ? fragment!.inputs.map(zeroValue) : await access.args(c, caller);
              const call = (contract.connect(caller) as BaseContract).getFunction(signature);
              await expect(call(...args), `${entry.name}.${signature} by the ${label}`)
                .to.be.revertedWithCustomError(contract, access.error)
                .withArgs(...access.errorArgs(c, caller));
            }
          });
        }
      });
    }
  });

  // ============================================================================ churn, removal and liveness

  describe("the operator sets' churn, removal and liveness", function () {
    it("lets the timelock alone change the churn margin, and the set's service alone its liveness", async function () {
      const c = await loadFixture(matrixFixture);
      const { operatorSets, timelock, service, setId } = c;
      expect(await operatorSets.churnMarginBps()).to.equal(BigInt(CHURN_MARGIN_BPS));
      await expect(operatorSets.connect(await timelockSigner(timelock)).setChurnMargin(500))
        .to.emit(operatorSets, "ChurnMarginUpdated")
        .withArgs(500);
      expect(await operatorSets.churnMarginBps()).to.equal(500n);
      await expect(operatorSets.connect(service).setLiveness(setId, 1, STAKE))
        .to.emit(operatorSets, "LivenessUpdated")
        .withArgs(setId, 1, STAKE);
      const config = await operatorSets.setConfig(setId);
      expect([config.minMembers, config.minTotalStake]).to.deep.equal([1n, STAKE]);
      // the timelock owns the operator sets but is not the set's service
      await expect(operatorSets.connect(await timelockSigner(timelock)).setLiveness(setId, 0, 0))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotSetService")
        .withArgs(setId, timelock.target);
    });

    it("leaves removeMember and joinReplacing to anyone: an outsider, the deployer and the council meet only their rules", async function () {
      const c = await loadFixture(matrixFixture);
      const { operatorSets, service, operator, setId } = c;
      const callers: [string, Account][] = [
        ["outsider", c.stranger],
        ["deployer", c.deployer],
        ["council", c.council],
      ];
      // the operator is the set's one member, its allocation down to 0 by its staker's request; the minimum is 0
      expect(await operatorSets.members(setId)).to.deep.equal([operator.address]);
      expect((await operatorSets.allocation(setId, operator.address)).allocated).to.equal(0n);
      for (const [label, caller] of callers) {
        await expect(operatorSets.connect(caller).removeMember(setId, operator.address), label)
          .to.be.revertedWithCustomError(operatorSets, "SetsStakeNotTooLow")
          .withArgs(0n, 0n);
        await expect(operatorSets.connect(caller).joinReplacing(setId, 1n, operator.address), label)
          .to.be.revertedWithCustomError(operatorSets, "SetsNotFull")
          .withArgs(setId);
      }
      // the service raises the minimum to 1 wei and bounds the set at its one member
      await operatorSets.connect(service).updateSet(setId, 1n, 1);
      for (const [label, caller] of callers) {
        // the set is full and 1 wei beats the member's 0 by any margin: only being no operator stops the caller
        await expect(operatorSets.connect(caller).joinReplacing(setId, 1n, operator.address), label)
          .to.be.revertedWithCustomError(operatorSets, "SetsNotOperator")
          .withArgs(caller.address);
      }
      // below the minimum now: the outsider removes it, which leaves as by its own request
      const { freeAt } = await operatorSets.allocation(setId, operator.address);
      await expect(operatorSets.connect(c.stranger).removeMember(setId, operator.address))
        .to.emit(operatorSets, "LeaveRequested")
        .withArgs(setId, operator.address, freeAt)
        .and.to.emit(operatorSets, "MemberRemoved")
        .withArgs(setId, operator.address, 0n);
      expect(await operatorSets.members(setId)).to.deep.equal([]);
      const membership = await operatorSets.membership(setId, operator.address);
      expect([membership.member, membership.leaveAt]).to.deep.equal([false, freeAt]);
    });
  });

  // ============================================================================ a service governance removed

  describe("a service governance removed", function () {
    it("keeps no power over the sets it created: it can no longer update them, set their liveness, jail in them or slash through them", async function () {
      const c = await loadFixture(matrixFixture);
      const { operatorSets, slashingManager, timelock, service, operator, setId } = c;
      // before: the service's set, the operator's stake there deallocated by its staker's request, still slashable
      expect(await operatorSets.slashTarget(setId, operator.address)).to.deep.equal([service.address, STAKE]);
      await expect(operatorSets.connect(await timelockSigner(timelock)).setService(service.address, false))
        .to.emit(operatorSets, "ServiceUpdated")
        .withArgs(service.address, false);
      expect(await operatorSets.slashTarget(setId, operator.address)).to.deep.equal([ZeroAddress, STAKE]);
      await expect(operatorSets.connect(service).updateSet(setId, 0n, 8))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotService")
        .withArgs(service.address);
      await expect(operatorSets.connect(service).jail(setId, operator.address, 2n ** 48n - 1n))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotService")
        .withArgs(service.address);
      await expect(operatorSets.connect(service).setLiveness(setId, 0, 0))
        .to.be.revertedWithCustomError(operatorSets, "SetsNotService")
        .withArgs(service.address);
      // still a registered slasher, but no longer the service of the set
      expect((await slashingManager.slasher(service.address)).registered).to.equal(true);
      await expect(
        slashingManager
          .connect(service)
          .requestSlash(
            operator.address,
            setId,
            SLASH_BPS,
            id("another reason"),
            id("other evidence"),
            ZeroAddress,
            await time.latest(),
          ),
      )
        .to.be.revertedWithCustomError(slashingManager, "SlashingNotSetService")
        .withArgs(setId, service.address);
    });
  });

  // ============================================================================ a user's rollup

  describe("a rollup created under governance", function () {
    it("is created by a user alone: the creation fee goes to the timelock, the prepayment to the rollup", async function () {
      const c = await loadFixture(matrixFixture);
      const { rollupFactory, rollup, token, timelock, rollupOwner, prepayment, treasuryBefore, rollupCreatedAt } = c;
      expect(prepayment).to.equal(FEE_PER_SERVICE_PER_SECOND * 2n * BigInt(days(60)));
      expect(await token.balanceOf(timelock.target)).to.equal(treasuryBefore + CREATION_FEE);
      // the prepayment, and the bond of the fixture's one output
      expect(await token.balanceOf(rollup.target)).to.equal(prepayment + (await rollup.outputBond()));
      expect(await token.balanceOf(rollupOwner.address)).to.equal(0n);
      expect(await rollup.paid()).to.equal(prepayment);
      expect(await rollup.paidUntil()).to.equal(BigInt(rollupCreatedAt + days(60)));
      // the SQUAD-sequenced rollup of the fixture was created first
      expect(await rollupFactory.rollupCount()).to.equal(2n);
      expect(await rollupFactory.rollupAt(0)).to.equal(c.squadRollup.target);
      expect(await rollupFactory.rollupAt(1)).to.equal(rollup.target);
      expect(await rollupFactory.rollupByChainId(424_242)).to.equal(rollup.target);
      expect(await rollup.owner()).to.equal(rollupOwner.address);
      expect(await rollup.factory()).to.equal(rollupFactory.target);
    });

    it("lets each role through its own guard with the matrix's arguments: only the caller is wrong there", async function () {
      const c = await loadFixture(matrixFixture);
      const { rollup, rollupFactory, timelock, sequencer, rollupProposer, rollupOwner, nextRollupOwner } = c;
      const { vital, mach } = c.rollupServices;
      const rollupGuards = TABLE.find((e) => e.name === "Rollup")!.functions;
      const factoryGuards = TABLE.find((e) => e.name === "RollupFactory")!.functions;
      const allowed: [Record<string, Access>, BaseContract, string, Account][] = [
        [rollupGuards, rollup, "appendBatch(bytes32,uint256)", sequencer],
        [rollupGuards, rollup, "proposeOutput(uint64,bytes32,bytes32)", rollupProposer],
        [rollupGuards, rollup, "fastFinalize(uint256,uint64,bytes32,uint256)", mach],
        [rollupGuards, rollup, "invalidate(uint256,address)", vital],
        [rollupGuards, rollup, "setPaused(bool)", c.council],
        [rollupGuards, rollup, "pauseUntil(uint48)", await timelockSigner(timelock)],
        [rollupGuards, rollup, "sunset()", rollupOwner],
        [rollupGuards, rollup, "transferOwnership(address)", rollupOwner],
        [rollupGuards, rollup, "acceptOwnership()", nextRollupOwner],
        [factoryGuards, rollupFactory, `registerTemplate(${TEMPLATE})`, await timelockSigner(timelock)],
        [factoryGuards, rollupFactory, `updateTemplate(uint256,${TEMPLATE})`, await timelockSigner(timelock)],
        [factoryGuards, rollupFactory, "deprecateTemplate(uint256)", await timelockSigner(timelock)],
      ];
      for (const [functions, contract, signature, caller] of allowed) {
        const access = functions[signature] as Guarded;
        const fragment = contract.interface.getFunction(signature)!;
        const args = access.args === undefined ? fragment.inputs.map(zeroValue) : await access.args(c, caller);
        await (contract.connect(caller) as BaseContract).getFunction(signature).staticCall(...args);
      }
    });

    it("lets the timelock, the member, the rollup's owner and the council through the services' guards with the matrix's arguments", async function () {
      const c = await loadFixture(matrixFixture);
      const { machService, vitalService, squadService, member, rollupOwner, council } = c;
      const owner = await timelockSigner(c.timelock);
      const guards = (name: string) => TABLE.find((e) => e.name === name)!.functions;
      const [mach, vital, squad] = [guards("MachService"), guards("VitalService"), guards("SquadService")];
      const allowed: [Record<string, Access>, BaseContract, string, Account][] = [
        ...[
          [mach, machService],
          [vital, vitalService],
          [squad, squadService],
        ].flatMap(([functions, contract]) =>
          [`setSetDefaults(${SET_DEFAULTS_TUPLE})`, `updateRollupSet(address,${SET_DEFAULTS_TUPLE})`].map(
            (signature) =>
              [functions, contract, signature, owner] as [Record<string, Access>, BaseContract, string, Account],
          ),
        ),
        [mach, machService, "setOffenceBps(uint16,uint16)", owner],
        [mach, machService, "clearAlert(address)", rollupOwner],
        [mach, machService, "clearAlert(address)", council],
        [vital, vitalService, "setParameters(address,uint96,uint48,uint16,uint16)", owner],
        [vital, vitalService, "vote(uint256,bool)", member],
        [squad, squadService, "setParameters(uint48,uint16,uint48,uint16)", owner],
        [squad, squadService, "postBatch(address,bytes32,uint256)", member],
      ];
      for (const [functions, contract, signature, caller] of allowed) {
        const access = functions[signature] as Guarded;
        const args = await access.args!(c, caller);
        await (contract.connect(caller) as BaseContract).getFunction(signature).staticCall(...args);
      }
      // the member may not open a second challenge of the output under challenge, whatever its guard lets through
      await expect(vitalService.connect(member).challenge(c.rollup.target, 0))
        .to.be.revertedWithCustomError(vitalService, "VitalChallengeOpen")
        .withArgs(c.challengeId);
    });
  });

  // ============================================================================ the BLS key registry

  describe("the BLS key registry", function () {
    it("is told who counts in the MACH set it keeps the aggregate of, and in no other service's set", async function () {
      const c = await loadFixture(matrixFixture);
      const { operatorSets, blsKeys, machSet, vitalService, squadService, rollup, squadRollup, member } = c;
      expect(await operatorSets.listenerOf(machSet)).to.equal(blsKeys.target);
      expect(await operatorSets.listenerOf(await vitalService.setIdOf(rollup.target))).to.equal(ZeroAddress);
      expect(await operatorSets.listenerOf(await squadService.setIdOf(squadRollup.target))).to.equal(ZeroAddress);
      expect(await operatorSets.listenerOf(c.setId)).to.equal(ZeroAddress);
      // the member alone counts in the MACH set: its aggregate is the member's key
      expect(await blsKeys.aggregateKeyOf(machSet)).to.equal(blsPublicKey(MEMBER_BLS));
    });

    it("lets an operator register its own key, and OperatorSets alone (not its owner, the timelock) report a change", async function () {
      const c = await loadFixture(matrixFixture);
      const { blsKeys, operatorSets, operator, timelock } = c;
      // the fixture's operator has no BLS key yet: it registers one, counting from the next epoch
      const secret = blsSecretFrom("access-control:operator");
      const registration = await keyRegistration(blsKeys, operator.address, secret);
      const epoch = await operatorSets.currentEpoch();
      await expect(blsKeys.connect(operator).registerKey(registration.publicKey, registration.proof))
        .to.emit(blsKeys, "KeyRegistered")
        .withArgs(operator.address, registration.publicKey, epoch + 1n);
      expect(await blsKeys.keyOf(operator.address)).to.equal(registration.publicKey);
      // the matrix's arguments, from the operator sets: a stop passes the guard (and never reverts)
      const access = TABLE.find((e) => e.name === "BlsKeyRegistry")!.functions[
        "onCountedChanged(uint256,address,bool,uint256)"
      ] as Guarded;
      const sets = await impersonate(operatorSets);
      await blsKeys
        .connect(sets)
        .onCountedChanged.staticCall(...((await access.args!(c, sets)) as [bigint, string, boolean, bigint]));
      // the owner of everything is not the operator sets
      const owner = await timelockSigner(timelock);
      await expect(
        blsKeys
          .connect(owner)
          .onCountedChanged(...((await access.args!(c, owner)) as [bigint, string, boolean, bigint])),
      )
        .to.be.revertedWithCustomError(blsKeys, "BlsNotOperatorSets")
        .withArgs(timelock.target);
    });
  });

  // ============================================================================ the council

  describe("the security council", function () {
    it("is exempt from exactly the guards of its four powers: the slash veto, proposal cancellation, the rollup pause and lowering a MACH alert", async function () {
      const exempt = TABLE.flatMap((entry) =>
        Object.entries(entry.functions)
          .filter(([, access]) => isGuarded(access) && access.council !== undefined)
          .map(([signature]) => `${entry.name}.${signature}`),
      );
      expect(exempt.sort()).to.deep.equal([
        "AltGovernor.cancel(address[],uint256[],bytes[],bytes32)",
        "AltGovernor.cancel(uint256)",
        "MachService.clearAlert(address)",
        "Rollup.setPaused(bool)",
        "SlashingManager.veto(uint256)",
      ]);
    });

    it("lowers the MACH alert raised on a user's rollup", async function () {
      const { machService, rollup, council, alertReason, alertEpoch, alertRaisedAt } = await loadFixture(matrixFixture);
      const raised = await machService.alertOf(rollup.target);
      expect([raised.reason, raised.raisedAt, raised.epoch]).to.deep.equal([
        alertReason,
        BigInt(alertRaisedAt),
        alertEpoch,
      ]);
      await expect(machService.connect(council).clearAlert(rollup.target))
        .to.emit(machService, "AlertCleared")
        .withArgs(rollup.target, council.address);
      const cleared = await machService.alertOf(rollup.target);
      expect([cleared.reason, cleared.raisedAt, cleared.epoch]).to.deep.equal([ZeroHash, 0n, 0n]);
      // the alert's nonce moved on: the same signatures cannot raise it again
      expect(await machService.alertNonce(rollup.target)).to.equal(1n);
    });

    it("pauses and unpauses a user's rollup, and can do nothing else there", async function () {
      const c = await loadFixture(matrixFixture);
      const { rollup, token, council, sequencer } = c;
      const escrowBefore = await rollup.escrow();
      const balanceBefore = await token.balanceOf(rollup.target);

      const pausedAt = (await time.latest()) + 1;
      await time.setNextBlockTimestamp(pausedAt);
      await expect(rollup.connect(council).setPaused(true))
        .to.emit(rollup, "Paused")
        .withArgs(pausedAt + 3 * 86_400);
      expect(await rollup.paused()).to.equal(true);
      // paused: the sequencer is stopped
      await expect(rollup.connect(sequencer).appendBatch(id("batch"), 0))
        .to.be.revertedWithCustomError(rollup, "RollupPaused")
        .withArgs(pausedAt + 3 * 86_400);

      await expect(rollup.connect(council).setPaused(false)).to.emit(rollup, "Resumed");
      expect(await rollup.paused()).to.equal(false);
      await expect(rollup.connect(sequencer).appendBatch(id("batch"), 0))
        .to.emit(rollup, "BatchAppended")
        .withArgs(0n, id("batch"), batchRoot(ZeroHash, id("batch"), 0n), sequencer.address);

      // the pause moved nothing and handed nothing over
      expect(await rollup.owner()).to.equal(c.rollupOwner.address);
      expect(await rollup.pendingOwner()).to.equal(c.nextRollupOwner.address);
      expect(await rollup.sequencer()).to.equal(sequencer.address);
      expect(await rollup.proposer()).to.equal(c.rollupProposer.address);
      expect(await rollup.expiry()).to.equal(BigInt(c.rollupExpiry));
      expect(await rollup.escrow()).to.equal(escrowBefore);
      expect(await token.balanceOf(rollup.target)).to.equal(balanceBefore);
      expect(await token.balanceOf(council.address)).to.equal(0n);

      // every other guard of the rollup still refuses the council, with its exact error
      const entry = TABLE.find((e) => e.name === "Rollup")!;
      const others = Object.entries(entry.functions).filter(
        ([signature, access]) => isGuarded(access) && signature !== "setPaused(bool)",
      );
      expect(others).to.have.length(10);
      for (const [signature, access] of others) {
        const guard = access as Guarded;
        const fragment = (rollup as BaseContract).interface.getFunction(signature)!;
        const args = guard.args === undefined ? fragment.inputs.map(zeroValue) : await guard.args(c, council);
        const call = (rollup.connect(council) as BaseContract).getFunction(signature);
        await expect(call(...args), signature)
          .to.be.revertedWithCustomError(rollup, guard.error)
          .withArgs(...guard.errorArgs(c, council));
      }
    });

    it("vetoes a pending slash", async function () {
      const { slashingManager, registry, council, operator, slashRequestId } = await loadFixture(matrixFixture);
      expect(await registry.pendingSlashes(operator.address)).to.equal(1n);
      await expect(slashingManager.connect(council).veto(slashRequestId))
        .to.emit(slashingManager, "SlashVetoed")
        .withArgs(slashRequestId, operator.address);
      expect((await slashingManager.request(slashRequestId)).status).to.equal(VETOED);
      expect(await registry.pendingSlashes(operator.address)).to.equal(0n);
    });

    it("cancels a pending proposal by its id", async function () {
      const { governor, council, proposalId } = await loadFixture(matrixFixture);
      await expect(governor.connect(council)["cancel(uint256)"](proposalId))
        .to.emit(governor, "ProposalCanceled")
        .withArgs(proposalId);
      expect(await governor.state(proposalId)).to.equal(CANCELED);
    });

    it("cancels an active proposal by its details, which its proposer no longer can", async function () {
      const { governor, council, proposer, proposalId, proposal } = await loadFixture(matrixFixture);
      await time.increaseTo((await governor.proposalSnapshot(proposalId)) + 1n);
      expect(await governor.state(proposalId)).to.equal(ACTIVE);
      const details = [proposal.targets, proposal.values, proposal.calldatas, proposal.descriptionHash] as const;
      await expect(governor.connect(proposer)["cancel(address[],uint256[],bytes[],bytes32)"](...details))
        .to.be.revertedWithCustomError(governor, "GovernorUnableToCancel")
        .withArgs(proposalId, proposer.address);
      await expect(governor.connect(council)["cancel(address[],uint256[],bytes[],bytes32)"](...details))
        .to.emit(governor, "ProposalCanceled")
        .withArgs(proposalId);
      expect(await governor.state(proposalId)).to.equal(CANCELED);
    });

    it("holds no timelock role and owns nothing", async function () {
      const d = await loadFixture(deployedFixture);
      for (const role of [DEFAULT_ADMIN_ROLE, PROPOSER_ROLE, CANCELLER_ROLE, EXECUTOR_ROLE]) {
        expect(await d.timelock.hasRole(role, d.council.address)).to.equal(false);
      }
      for (const contract of ownables(d)) {
        expect(await contract.owner()).not.to.equal(d.council.address);
      }
      expect(await d.rollupFactory.treasury()).not.to.equal(d.council.address);
      for (const position of Object.values(d.positions)) {
        expect(await position.beneficiary()).not.to.equal(d.council.address);
      }
    });
  });
});
