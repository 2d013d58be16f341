// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IRollupFactory} from "./IRollupFactory.sol";

/// @title Rollup
/// @notice One rollup's L1 record: batches of DA commitments in a hash chain, state outputs at a fixed interval with
///         their finality, a forced-inclusion queue, and its lifecycle (Active → Settling → Retired) with prepaid
///         service fees streamed per second to the rewards distributor.
/// @dev Roles the restaked services use: the sequencer (a centralised address, or the SQUAD service for its slot
///      leader), the proposer, VITAL (invalidates outputs), MACH (fast-finalizes outputs). Invariant: every ALT paid in
///      is in escrow, streamed or refunded: `prepaid + extensions == escrow + streamed + refunded`.
interface IRollup {
    enum Status {
        Active,
        Settling,
        Retired
    }

    enum OutputStatus {
        None,
        Proposed,
        FastFinalized,
        Finalized
    }

    /// @notice An invalidated output: when it was first proposed and when VITAL last invalidated it.
    struct Invalidation {
        uint48 proposedAt;
        uint48 invalidatedAt;
    }

    /// @notice slot: l2BlockNumber (64) | proposedAt (48) | status (8) | batchCount (64) | fastLimit (72); then root,
    ///         stateRoot.
    ///         `root` is the output root, bound at proposal to the data and the chain of outputs:
    ///         keccak256(abi.encode(l2BlockNumber, stateRoot, withdrawalsRoot, batchCount, batchRoot, parentRoot)), where
    ///         withdrawalsRoot is the Merkle root of every withdrawal the L2 has made up to `l2BlockNumber` (the
    ///         portal's claims prove against it), batchCount and batchRoot are the rollup's batch count and batch chain
    ///         head when the output was proposed, and parentRoot is the previous live output's `root` (zero for output
    ///         0); withdrawalsRoot, batchRoot and parentRoot are not stored: read them from `OutputProposed`. MACH
    ///         certifies the root, VITAL judges it, validity proofs prove it. `fastLimit`, set when MACH fast-finalizes
    ///         the output, is the most ALT the portal may pay out against it and the outputs before it that are not yet
    ///         Finalized, in gwei (units of 1e9 wei, rounded down): what slashing the signers would recover (see
    ///         `fastFinalize`).
    struct Output {
        uint64 l2BlockNumber;
        uint48 proposedAt;
        OutputStatus status;
        uint64 batchCount;
        uint72 fastLimit;
        bytes32 root;
        bytes32 stateRoot;
    }

    /// @notice A queued L1 transaction. `txHash` is the first 26 bytes (208 bits) of the hash queued (`TransactionQueued`
    ///         has all 32): what the rollup keeps, and what a forced batch commits to. `forcedAt` is when anyone forced it
    ///         in after its deadline (zero if the sequencer included it): the on-chain evidence that the sequencer skipped
    ///         it. `included`: a batch included it, or (after retirement) its payer reclaimed its fee. A deposit of the
    ///         rollup's portal is an item with the portal as payer, no fee, and the deposit's hash
    ///         (`IPortal.depositHash`) as its hash.
    /// @dev Stored in one slot for a deposit (hash prefix | deadline), two for anyone else's item (the payer apart), and
    ///      the fee in a third only when it is not zero: 208 bits of a hash keep a second preimage out of reach (2^208
    ///      work) and save a deposit a 20,000-gas slot.
    struct QueuedTx {
        address payer;
        uint48 deadline;
        bool included;
        uint40 forcedAt;
        uint256 fee;
        bytes26 txHash;
    }

    error RollupNotFactory(address caller);
    error RollupAlreadyInitialized();
    error RollupNotOwner(address caller);
    error RollupNotPendingOwner(address caller);
    error RollupNotSequencer(address caller);
    error RollupNotProposer(address caller);
    error RollupNotService(address caller);
    error RollupNotCouncil(address caller);
    error RollupPaused(uint256 until);
    error RollupNotPaused();
    error RollupPauseCooldown(uint256 pausableAt);
    error RollupPauseInPast(uint256 until);
    error RollupNotGovernance(address caller);
    /// @notice VITAL has a challenge of the output open (voting, or decided and waiting for the rollup to take it).
    error RollupOutputChallenged(uint256 index, uint256 challengeId);
    error RollupNotActive(Status status);
    error RollupRetired();
    error RollupNotSettled(uint256 settlesAt);
    error RollupPermanent();
    error RollupInvalidExpiry(uint48 expiry);
    error RollupInvalidOutput(uint64 l2BlockNumber, uint64 expected);
    error RollupUnknownOutput(uint256 index);
    error RollupOutputStatus(uint256 index, OutputStatus status);
    /// @notice Output `index` is not for the block and root the caller named.
    error RollupOutputMismatch(uint256 index);
    /// @notice VITAL proved this root wrong for this block: it can never be fast-finalized again.
    error RollupRootInvalidated(uint64 l2BlockNumber, bytes32 root);
    error RollupOutputNotInOrder(uint256 index);
    error RollupChallengePeriod(uint256 index, uint256 finalizesAt);
    error RollupNotOptimistic();
    error RollupNotValidity();
    error RollupInvalidProof(uint256 index);
    error RollupOverdueSkipped(uint256 queueIndex);
    error RollupNothingToInclude(uint256 count, uint256 pending);
    error RollupNotOverdue(uint256 queueIndex, uint256 deadline);
    error RollupNothingToStream();
    /// @notice A queued transaction's fee below the factory's `minQueueFee` (`minimum`).
    error RollupFeeTooLow(uint256 fee, uint256 minimum);
    /// @notice Only the payer of an item still queued when the rollup retired gets its fee back, once.
    error RollupNotReclaimable(uint256 queueIndex);
    /// @notice A rollup implementation needs a portal implementation (a contract) to clone for each rollup.
    error RollupNoPortalImplementation(address implementation);

    event BatchAppended(uint256 indexed batchIndex, bytes32 commitment, bytes32 batchRoot, address indexed poster);
    /// @notice Output `index`: its output `root` and the parts it commits to (see `Output`).
    event OutputProposed(
        uint256 indexed index,
        uint64 l2BlockNumber,
        bytes32 root,
        bytes32 stateRoot,
        bytes32 withdrawalsRoot,
        uint64 batchCount,
        bytes32 batchRoot,
        bytes32 parentRoot,
        address indexed proposer
    );
    /// @notice `fastLimit` in wei of ALT (the output's `fastLimit` × 1e9).
    event OutputFastFinalized(uint256 indexed index, uint256 fastLimit);
    event OutputFinalized(uint256 indexed index);
    /// @notice The output at `index` and every later one are gone (`count` outputs before).
    event OutputsInvalidated(uint256 indexed index, uint256 count);
    /// @notice The bond of invalidated output `index`: `reward` to `challenger`, `toTreasury` to the treasury;
    ///         `returned` (the bonds of the later outputs dropped with it) back to the proposer.
    event OutputBondForfeited(
        uint256 indexed index,
        address indexed challenger,
        uint256 reward,
        uint256 toTreasury,
        uint256 returned
    );
    event TransactionQueued(uint256 indexed queueIndex, bytes32 txHash, uint256 fee, uint48 deadline, address payer);
    event TransactionsIncluded(uint256 firstQueueIndex, uint256 count, address indexed includer);
    /// @notice Overdue queue items forced in by anyone: `sequencer` (the sequencer role at the time) skipped them.
    event SequencerFault(address indexed sequencer, uint256 indexed queueIndex, uint48 deadline);
    /// @notice `amount` credited to the services' sets, for the time up to `until`.
    event FeesStreamed(uint256 amount, uint48 until);
    /// @notice `service` has no set for this rollup, or its set counts no stake: its `amount` stays in escrow (refunded
    ///         at settlement).
    event FeesNotCredited(address indexed service, uint256 setId, uint256 amount);
    /// @notice The time `[from, until)` was streamed only after the previous epoch had begun: the rewards distributor
    ///         credits no set for it, and each service's `amount` stays in escrow (refunded at settlement).
    event FeesExpired(uint48 from, uint48 until, uint256 amount);
    event Extended(uint48 expiry, uint256 paid);
    event Sunset(uint48 expiry);
    event Retired(uint256 refund);
    event FeeReclaimed(uint256 indexed queueIndex, address payer, uint256 fee);
    /// @notice Paused until `until` (by the council for `MAX_COUNCIL_PAUSE`, or by governance).
    event Paused(uint256 until);
    /// @notice The council lifted the pause.
    event Resumed();
    event OwnershipTransferStarted(address indexed owner, address indexed pendingOwner);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    // views the restaked services read
    function chainId() external view returns (uint64);
    function services() external view returns (uint8);
    function owner() external view returns (address);
    function proposer() external view returns (address);
    /// @notice ALT the proposer bonds per output (zero without VITAL).
    function outputBond() external view returns (uint96);
    function fastFinalityBps() external view returns (uint16);
    function challengePeriod() external view returns (uint48);
    function status() external view returns (Status);
    /// @notice Whether the rollup is paused now: it takes no batches, outputs, finality or queue changes.
    function paused() external view returns (bool);
    /// @notice When the last pause ended, lifted or lapsed (zero if never): duties missed before it are nobody's fault.
    function resumedAt() external view returns (uint48);
    function sequencer() external view returns (address);
    function expiry() external view returns (uint48);
    function output(uint256 index) external view returns (Output memory);
    function outputCount() external view returns (uint256);
    /// @notice Outputs [0, finalizedCount) are Finalized.
    function finalizedCount() external view returns (uint256);
    /// @notice The factory that created the rollup (its ALT, treasury and services).
    function factory() external view returns (IRollupFactory);
    function queuedTransaction(uint256 queueIndex) external view returns (QueuedTx memory);
    function queueLength() external view returns (uint256);
    /// @notice Queue items [0, queueHead) are included.
    function queueHead() external view returns (uint256);
    /// @notice Paused until this time (zero if never paused).
    function pausedUntil() external view returns (uint48);
    function proofSystem() external view returns (IRollupFactory.ProofSystem);
    /// @notice The rollup's bridge (`IPortal`): a clone of `portalImplementation` with this rollup as its immutable
    ///         argument, the rollup's first creation (CREATE by `initialize`), so its address follows from the
    ///         rollup's: keccak256(rlp([rollup, 1])).
    function portal() external view returns (address);

    function initialize(
        IRollupFactory.CreateParams calldata params,
        IRollupFactory.Template calldata template
    ) external;

    function appendBatch(bytes32 commitment, uint256 includeCount) external;
    /// @notice Proposes the output for `l2BlockNumber` with L2 state root `stateRoot` and the root of the L2's
    ///         withdrawals so far `withdrawalsRoot`, bound to the batch chain as it stands now and to the previous output
    ///         (see `Output`); pulls `outputBond`.
    function proposeOutput(uint64 l2BlockNumber, bytes32 stateRoot, bytes32 withdrawalsRoot) external;
    /// @notice MACH: output `index`, which must be for `l2BlockNumber` and output root `root`, is FastFinalized; returns the
    ///         rollup's threshold (bps of the set's stake) that the certificate must meet. `cover` is the ALT that
    ///         slashing its signers for an invalid certificate would bring the portal; the output's `fastLimit` is the
    ///         least cover of it and the outputs before it not yet Finalized (an invalidation drops every later output,
    ///         and slashes only the invalidated one's signers): its own if its parent is Finalized (or it has none), the
    ///         lower of its own and its parent's if the parent is FastFinalized, and zero if the parent is only Proposed.
    function fastFinalize(
        uint256 index,
        uint64 l2BlockNumber,
        bytes32 root,
        uint256 cover
    ) external returns (uint16 thresholdBps);
    function finalize(uint256 index) external;
    function proveOutput(uint256 index, bytes calldata proof) external;
    /// @notice VITAL: output `index` was proven wrong in a challenge opened by `challenger`. It and every later output
    ///         are dropped; its bond is forfeited (`challenger` gets `CHALLENGER_SHARE_BPS`, the treasury the rest), the
    ///         dropped outputs' bonds go back to the proposer.
    function invalidate(uint256 index, address challenger) external;
    /// @notice When VITAL invalidated `root` for `l2BlockNumber` (zero if it never did).
    function invalidatedAt(uint64 l2BlockNumber, bytes32 root) external view returns (uint256);
    /// @notice VITAL's last invalidation of `root` for `l2BlockNumber`: when that output was proposed and when it was
    ///         invalidated (zeros if never).
    function invalidation(uint64 l2BlockNumber, bytes32 root) external view returns (Invalidation memory);
    /// @notice Queues an L1 transaction for forced inclusion, paying `fee` ALT to whoever includes it: at least the
    ///         factory's `minQueueFee` at the time of the call (`RollupFeeTooLow`), so the queue cannot be filled for free
    ///         — except for the rollup's portal, whose deposits pay no fee (each moves assets the depositor locked).
    ///         Returns the item's index.
    function queueTransaction(bytes32 txHash, uint256 fee) external returns (uint256 queueIndex);
    function forceInclude(uint256 count) external;
    function streamFees() external;
    function extend(uint48 newExpiry) external;
    function sunset() external;
    /// @notice Retires the rollup once its settlement window is over (anyone): the rest of the fees streamed, the escrow
    ///         refunded to the owner. Refused while the rollup is paused (`RollupPaused`).
    function settle() external;
    function reclaimFee(uint256 queueIndex) external;
    /// @notice The security council pauses for `MAX_COUNCIL_PAUSE` (not within `PAUSE_COOLDOWN` of the last pause's
    ///         end) or lifts a pause.
    function setPaused(bool paused) external;
    /// @notice Governance (the factory's owner) pauses, or extends or shortens a pause, until `until` (in the future).
    function pauseUntil(uint48 until) external;
    function transferOwnership(address newOwner) external;
    function acceptOwnership() external;
}
