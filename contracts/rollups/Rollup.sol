// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IRollup} from "../interfaces/IRollup.sol";
import {IRollupFactory} from "../interfaces/IRollupFactory.sol";
import {IProofVerifier} from "../interfaces/IProofVerifier.sol";
import {IRewardsDistributor} from "../interfaces/IRewardsDistributor.sol";
import {IVitalChallenges} from "../interfaces/IVitalChallenges.sol";
import {OutputRoot} from "../libraries/OutputRoot.sol";
import {MACH, SQUAD, VITAL, serviceCount} from "./Services.sol";

/// @title Rollup
/// @notice The implementation behind every rollup clone of the factory (see IRollup).
contract Rollup is IRollup {
    using SafeERC20 for IERC20;

    /// @notice A queued transaction must be included within this time, else anyone may force it in.
    uint48 public constant INCLUSION_DELAY = 12 hours;

    /// @notice The factory that deployed this implementation: the only caller of `initialize`.
    IRollupFactory public immutable factory;
    /// @notice The implementation of every portal this implementation's rollups create (one each, see `portal`).
    address public immutable portalImplementation;

    /// @notice The longest pause the security council sets; governance (the factory's owner) pauses for longer.
    uint256 public constant MAX_COUNCIL_PAUSE = 3 days;
    /// @notice Once a pause ends, the council may pause again only this long after: it alone cannot hold a rollup
    ///         paused for more than half the time.
    uint256 public constant PAUSE_COOLDOWN = 3 days;
    /// @notice The challenger's share of a forfeited output bond, in basis points; the rest goes to the treasury.
    uint256 public constant CHALLENGER_SHARE_BPS = 5_000;

    // slot 0: owner (160) | chainId (64) | fastFinalityBps (16) | proofSystem (8) | daLayer (8)
    address public owner;
    uint64 public chainId;
    uint16 public fastFinalityBps;
    IRollupFactory.ProofSystem public proofSystem;
    IRollupFactory.DALayer public daLayer;
    // slot 1: sequencer (160) | feePerServicePerSecond (64) | settlementWindow (32); both terms fixed at creation
    /// @notice The centralised sequencer; zero when SQUAD sequences (its service contract holds the role).
    address public sequencer;
    /// @notice ALT per second per enabled service (the factory keeps its rate below 2^64: 18.4 ALT a second).
    uint64 public feePerServicePerSecond;
    /// @notice After the expiry, outputs may still be proposed for this long (at least the template's challenge period);
    ///         then `settle`. Outputs proposed before its end finalize (or are invalidated) after it, retired or not.
    uint32 public settlementWindow;
    // slot 2: proposer (160) | challengePeriod (48) | paidUntil (48)
    address public proposer;
    uint48 public challengePeriod;
    /// @notice Fees are prepaid up to this time (the expiry of an ephemeral rollup).
    uint48 public paidUntil;
    // slot 3: verifier (160) | outputInterval (64) | templateId (32)
    address public verifier;
    uint64 public outputInterval;
    uint32 public templateId;
    // slot 4: paid (96) | streamed (96) | lastStreamed (48). ALT amounts fit 96 bits: the whole supply is 1e28 < 2^96.
    // With `refunded` and the escrow they account for every ALT paid in: paid == escrow + streamed + refunded.
    uint96 public paid;
    uint96 public streamed;
    /// @notice Fees are streamed up to this time.
    uint48 public lastStreamed;
    // slot 5: refunded (96, written at settlement only) | pendingOwner (160, declared below)
    uint96 public refunded;
    // Initialization writes slots 0 to 4 and the hot slot below, and creates the portal: the DA config is not stored
    // (`RollupCreated` has it).

    address public pendingOwner;
    /// @notice Head of the batch hash chain: keccak256(previous root, commitment, queue items included so far).
    bytes32 public batchRoot;
    uint256 public batchCount;
    // one slot, read together by proposal, fast finality and finalization (2^128 outputs never pass)
    uint128 internal _outputCount;
    uint128 internal _finalizedCount;
    mapping(uint256 index => Output) internal _outputs;
    QueueItem[] internal _queue;
    /// @notice Queue items [0, queueHead) are included.
    uint256 public queueHead;
    // the hot slot, what every state change reads: pausedUntil (48) | _resumedAt (48) | _retired (8) | services (8) |
    // outputBond (96) | expiry (48)
    /// @notice Paused until this time (zero if never paused); a pause ends then, or earlier when the council lifts it.
    uint48 public pausedUntil;
    /// @dev When the pause before the latest one ended (zero if none).
    uint48 internal _resumedAt;
    bool internal _retired;
    uint8 public services;
    /// @notice ALT the proposer bonds per output (the template's, when VITAL can invalidate outputs; else 0), fixed at
    ///         creation: back when the output finalizes, forfeited when VITAL invalidates it.
    uint96 public outputBond;
    /// @notice 0 while permanent.
    uint48 public expiry;
    /// @dev keccak256(abi.encode(l2BlockNumber, root)) of each output VITAL invalidated => when it was first proposed and
    ///      when it was invalidated (its last invalidation).
    mapping(bytes32 output => Invalidation) internal _invalidations;
    /// @dev The fee of each queue item that paid one (a deposit pays none: it then costs no third slot).
    mapping(uint256 queueIndex => uint256) internal _queueFees;

    /// @dev A queue item as stored. Slot 0, all that a deposit of the portal writes: the first 26 bytes of its hash
    ///      (208 bits) | deadline (48). Slot 1: payer (160; zero for the portal) | forcedAt (40) | reclaimed (8). The
    ///      fee apart (`_queueFees`), only when it is not zero. An item is included when its index is below `queueHead`.
    struct QueueItem {
        bytes26 txHash;
        uint48 deadline;
        address payer;
        uint40 forcedAt;
        bool reclaimed;
    }

    /// @param factory_ the factory proxy whose templates point at this implementation
    /// @param portalImplementation_ the `Portal` implementation each rollup clones as its bridge
    constructor(IRollupFactory factory_, address portalImplementation_) {
        if (portalImplementation_.code.length == 0) revert RollupNoPortalImplementation(portalImplementation_);
        factory = factory_;
        portalImplementation = portalImplementation_;
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert RollupNotOwner(msg.sender);
        _;
    }

    /// @dev Finality (finalize, prove, invalidate) of outputs proposed before the end of settlement goes on after it, and
    ///      after retirement: only a pause stops it.
    modifier whenNotPaused() {
        uint256 until = pausedUntil;
        if (block.timestamp < until) revert RollupPaused(until);
        _;
    }

    modifier whenLive() {
        if (_retired) revert RollupRetired();
        uint256 until = pausedUntil;
        if (block.timestamp < until) revert RollupPaused(until);
        _;
    }

    /// @inheritdoc IRollup
    function initialize(IRollupFactory.CreateParams calldata p, IRollupFactory.Template calldata t) external {
        // only the factory initializes, once (a clone's owner is never zero afterwards; the implementation's stays zero
        // as the factory never initializes it)
        if (msg.sender != address(factory)) revert RollupNotFactory(msg.sender);
        if (owner != address(0)) revert RollupAlreadyInitialized();
        owner = p.owner;
        chainId = p.chainId;
        services = p.services;
        sequencer = p.sequencer;
        expiry = p.expiry;
        fastFinalityBps = p.fastFinalityBps;
        proofSystem = t.proofSystem;
        daLayer = p.daLayer;
        proposer = p.proposer;
        challengePeriod = t.challengePeriod;
        lastStreamed = uint48(block.timestamp);
        verifier = t.verifier;
        outputInterval = t.outputInterval;
        templateId = uint32(p.templateId); // the factory holds fewer than 2^32 templates
        uint64 rate = uint64(factory.feePerServicePerSecond()); // the factory keeps it below 2^64
        feePerServicePerSecond = rate;
        settlementWindow = uint32(factory.settlementWindow()); // the factory keeps it at most 365 days
        uint256 perSecond = uint256(rate) * serviceCount(p.services);
        // ephemeral: up to the expiry (the factory checked the prepayment covers it); permanent: as long as it lasts
        paidUntil =
            p.expiry != 0
                ? p.expiry
                : uint48(
                    perSecond == 0
                        ? type(uint48).max
                        : Math.min(block.timestamp + p.prepaidFees / perSecond, type(uint48).max)
                );
        paid = uint96(p.prepaidFees);
        // only VITAL can forfeit a bond: without it, bonding would only lock the proposer's ALT
        if (p.services & VITAL != 0) outputBond = t.outputBond;
        // the rollup's first creation: at the address `portal` derives from the rollup's and nonce 1
        Clones.cloneWithImmutableArgs(portalImplementation, abi.encodePacked(address(this)));
    }

    // ---------------------------------------------------------------- views

    /// @notice Active until the expiry, then Settling for the factory's settlement window, Retired once settled.
    function status() public view returns (Status) {
        if (_retired) return Status.Retired;
        if (expiry != 0 && block.timestamp >= expiry) return Status.Settling;
        return Status.Active;
    }

    /// @notice The address holding the sequencer role: the centralised sequencer, or the SQUAD service.
    function sequencerRole() public view returns (address) {
        address s = sequencer;
        if (s != address(0)) return s;
        return factory.serviceOf(SQUAD);
    }

    function output(uint256 index) external view returns (Output memory) {
        if (index >= _outputCount) revert RollupUnknownOutput(index);
        return _outputs[index];
    }

    /// @notice Live outputs are [0, outputCount); invalidation lowers the count.
    function outputCount() external view returns (uint256) {
        return _outputCount;
    }

    /// @notice Outputs [0, finalizedCount) are Finalized.
    function finalizedCount() external view returns (uint256) {
        return _finalizedCount;
    }

    function queuedTransaction(uint256 queueIndex) external view returns (QueuedTx memory) {
        QueueItem storage item = _queue[queueIndex];
        address payer = item.payer;
        return
            QueuedTx({
                payer: payer == address(0) ? portal() : payer,
                deadline: item.deadline,
                included: queueIndex < queueHead || item.reclaimed,
                forcedAt: item.forcedAt,
                fee: _queueFees[queueIndex],
                txHash: item.txHash
            });
    }

    /// @inheritdoc IRollup
    function portal() public view returns (address) {
        // CREATE's address for this contract's nonce 1 (a contract's first creation): keccak256(rlp([this, 1]))
        return address(uint160(uint256(keccak256(abi.encodePacked(bytes2(0xd694), address(this), bytes1(0x01))))));
    }

    function queueLength() external view returns (uint256) {
        return _queue.length;
    }

    /// @notice The operator-set key of this rollup in every service: its address.
    function serviceKey() public view returns (bytes32) {
        return bytes32(uint256(uint160(address(this))));
    }

    /// @notice Prepaid ALT still held for the services.
    function escrow() public view returns (uint256) {
        return paid - streamed - refunded;
    }

    // ---------------------------------------------------------------- batches and forced inclusion

    /// @inheritdoc IRollup
    function appendBatch(bytes32 commitment, uint256 includeCount) external whenLive {
        if (msg.sender != sequencerRole()) revert RollupNotSequencer(msg.sender);
        Status current = status();
        if (current != Status.Active) revert RollupNotActive(current);
        uint256 head = queueHead;
        uint256 length = _queue.length;
        if (includeCount > length - head) revert RollupNothingToInclude(includeCount, length - head);
        uint256 fees;
        // (inclusion is `queueHead` passing an item: nothing is written per item)
        for (uint256 i = head; i < head + includeCount; ++i) {
            fees += _queueFees[i];
        }
        head += includeCount;
        // an overdue item must be included before anything else is sequenced
        if (head < length && _queue[head].deadline < block.timestamp) revert RollupOverdueSkipped(head);
        queueHead = head;
        _appendBatch(commitment, head, includeCount);
        if (fees != 0) IERC20(factory.alt()).safeTransfer(msg.sender, fees);
    }

    /// @inheritdoc IRollup
    function queueTransaction(bytes32 txHash, uint256 fee) external whenLive returns (uint256 queueIndex) {
        Status current = status();
        if (current != Status.Active) revert RollupNotActive(current);
        // read live, not fixed at creation: an anti-spam setting of governance, not a term of the owner's rollup. The
        // portal's deposits are exempt: each locks the asset it moves
        bool deposit = msg.sender == portal();
        if (!deposit) {
            uint256 minimum = factory.minQueueFee();
            if (fee < minimum) revert RollupFeeTooLow(fee, minimum);
        }
        uint48 deadline = uint48(block.timestamp) + INCLUSION_DELAY;
        queueIndex = _queue.length;
        QueueItem storage item = _queue.push();
        (item.txHash, item.deadline) = (bytes26(txHash), deadline);
        if (!deposit) item.payer = msg.sender;
        emit TransactionQueued(queueIndex, txHash, fee, deadline, msg.sender);
        if (fee != 0) {
            _queueFees[queueIndex] = fee;
            IERC20(factory.alt()).safeTransferFrom(msg.sender, address(this), fee);
        }
    }

    /// @inheritdoc IRollup
    function forceInclude(uint256 count) external whenLive {
        // no batches once Settling: items still queued then are reclaimed by their payers after retirement
        Status current = status();
        if (current != Status.Active) revert RollupNotActive(current);
        uint256 head = queueHead;
        uint256 length = _queue.length;
        if (count == 0) revert RollupNothingToInclude(0, length - head);
        if (head == length || _queue[head].deadline >= block.timestamp) {
            revert RollupNotOverdue(head, head == length ? 0 : _queue[head].deadline);
        }
        address skipper = sequencerRole();
        uint256 end = head + count > length ? length : head + count;
        uint256 fees;
        uint256 i = head;
        bytes32 commitment;
        for (; i < end && _queue[i].deadline < block.timestamp; ++i) {
            QueueItem storage item = _queue[i];
            item.forcedAt = uint40(block.timestamp);
            fees += _queueFees[i];
            commitment = keccak256(abi.encode(commitment, item.txHash));
            emit SequencerFault(skipper, i, item.deadline);
        }
        queueHead = i;
        _appendBatch(commitment, i, i - head);
        if (fees != 0) IERC20(factory.alt()).safeTransfer(msg.sender, fees);
    }

    function _appendBatch(bytes32 commitment, uint256 includedUpTo, uint256 includeCount) private {
        bytes32 root = keccak256(abi.encode(batchRoot, commitment, includedUpTo));
        batchRoot = root;
        uint256 index = batchCount++;
        emit BatchAppended(index, commitment, root, msg.sender);
        if (includeCount != 0) emit TransactionsIncluded(includedUpTo - includeCount, includeCount, msg.sender);
    }

    // ---------------------------------------------------------------- outputs

    /// @inheritdoc IRollup
    function proposeOutput(uint64 l2BlockNumber, bytes32 stateRoot, bytes32 withdrawalsRoot) external whenLive {
        if (msg.sender != proposer) revert RollupNotProposer(msg.sender);
        _requireNotSettled();
        uint256 count = _outputCount;
        bytes32 parentRoot;
        uint64 expected = outputInterval;
        if (count != 0) {
            Output storage parent = _outputs[count - 1];
            parentRoot = parent.root;
            expected += parent.l2BlockNumber;
        }
        if (l2BlockNumber != expected) revert RollupInvalidOutput(l2BlockNumber, expected);
        // bound at proposal (as OP Stack's dispute games bind the L1 head): judged against the batches as they stand now
        uint64 batches = uint64(batchCount);
        bytes32 head = batchRoot;
        bytes32 root = OutputRoot.hash(l2BlockNumber, stateRoot, withdrawalsRoot, batches, head, parentRoot);
        _outputs[count] = Output({
            l2BlockNumber: l2BlockNumber,
            proposedAt: uint48(block.timestamp),
            status: OutputStatus.Proposed,
            batchCount: batches,
            fastLimit: 0,
            root: root,
            stateRoot: stateRoot
        });
        _outputCount = uint128(count + 1);
        emit OutputProposed(
            count,
            l2BlockNumber,
            root,
            stateRoot,
            withdrawalsRoot,
            batches,
            head,
            parentRoot,
            msg.sender
        );
        uint256 bond = outputBond;
        if (bond != 0) IERC20(factory.alt()).safeTransferFrom(msg.sender, address(this), bond);
    }

    /// @inheritdoc IRollup
    function fastFinalize(
        uint256 index,
        uint64 l2BlockNumber,
        bytes32 root,
        uint256 cover
    ) external whenLive returns (uint16 thresholdBps) {
        _requireService(MACH);
        _requireNotSettled();
        Output storage o = _liveOutput(index);
        if (o.l2BlockNumber != l2BlockNumber || o.root != root) revert RollupOutputMismatch(index);
        if (o.status != OutputStatus.Proposed) revert RollupOutputStatus(index, o.status);
        // a root VITAL proved wrong may be proposed again (VITAL may have erred, and the chain must go on) but never
        // fast-finalized again: replayed signatures of it count for nothing
        if (_invalidations[_rootKey(l2BlockNumber, root)].invalidatedAt != 0) {
            revert RollupRootInvalidated(l2BlockNumber, root);
        }
        o.status = OutputStatus.FastFinalized;
        // below 2^64 gwei, so the portal's counts stay within 64 bits; none without VITAL: only its invalidation makes
        // the signers slashable (a validity rollup's unprovable output never finalizes, and is never invalidated)
        uint256 limit = services & VITAL == 0 ? 0 : Math.min(cover / 1 gwei, type(uint64).max);
        // an invalidation of a parent not yet Finalized would drop this output too, and slash only the parent's signers
        if (index > _finalizedCount) {
            Output storage parent = _outputs[index - 1];
            limit = parent.status == OutputStatus.FastFinalized ? Math.min(limit, parent.fastLimit) : 0;
        }
        o.fastLimit = uint72(limit);
        emit OutputFastFinalized(index, limit * 1 gwei);
        return fastFinalityBps;
    }

    /// @inheritdoc IRollup
    function finalize(uint256 index) external whenNotPaused {
        if (proofSystem != IRollupFactory.ProofSystem.Optimistic) revert RollupNotOptimistic();
        Output storage o = _nextToFinalize(index);
        uint256 finalizesAt = uint256(o.proposedAt) + challengePeriod;
        if (block.timestamp < finalizesAt) revert RollupChallengePeriod(index, finalizesAt);
        // an output VITAL is deciding on, or has decided against (its invalidation deferred while the rollup could not
        // take it), never finalizes: a pause or a late call never turns a challenge's outcome
        if (services & VITAL != 0) {
            address vital = factory.serviceOf(VITAL);
            // (an address without code, as in unit tests, has no challenges)
            if (vital.code.length != 0) {
                (bool open, uint256 challengeId) = IVitalChallenges(vital).openChallenge(
                    address(this),
                    o.l2BlockNumber,
                    o.root
                );
                if (open) revert RollupOutputChallenged(index, challengeId);
            }
        }
        _finalize(o, index);
    }

    /// @inheritdoc IRollup
    function proveOutput(uint256 index, bytes calldata proof) external whenNotPaused {
        if (proofSystem != IRollupFactory.ProofSystem.Validity) revert RollupNotValidity();
        Output storage o = _nextToFinalize(index);
        if (!IProofVerifier(verifier).verify(chainId, o.l2BlockNumber, o.root, proof)) revert RollupInvalidProof(index);
        _finalize(o, index);
    }

    /// @inheritdoc IRollup
    function invalidate(uint256 index, address challenger) external whenNotPaused {
        _requireService(VITAL);
        Output storage o = _liveOutput(index);
        if (o.status == OutputStatus.Finalized) revert RollupOutputStatus(index, o.status);
        uint256 count = _outputCount;
        _outputCount = uint128(index); // the output and every later one: their slots are overwritten by later proposals
        // only this one was proven wrong: the later ones were dropped for building on it. The same root proposed and
        // invalidated again keeps its first proposal time: MACH's reports of its first signers stay in range
        Invalidation storage record = _invalidations[_rootKey(o.l2BlockNumber, o.root)];
        if (record.proposedAt == 0) record.proposedAt = o.proposedAt;
        record.invalidatedAt = uint48(block.timestamp);
        emit OutputsInvalidated(index, count);
        _forfeitBond(index, count, challenger);
    }

    /// @dev The invalidated output's bond is forfeited (`CHALLENGER_SHARE_BPS` to the challenger, the rest to the
    ///      treasury); the outputs dropped after it were not proven wrong: their bonds go back to the proposer. The
    ///      bond is fixed per rollup, so this is O(1) however many outputs were dropped.
    function _forfeitBond(uint256 index, uint256 count, address challenger) private {
        uint256 bond = outputBond;
        if (bond == 0) return;
        uint256 reward = (bond * CHALLENGER_SHARE_BPS) / 10_000;
        uint256 returned = bond * (count - index - 1);
        emit OutputBondForfeited(index, challenger, reward, bond - reward, returned);
        IERC20 alt = IERC20(factory.alt());
        alt.safeTransfer(challenger, reward);
        alt.safeTransfer(factory.treasury(), bond - reward);
        if (returned != 0) alt.safeTransfer(proposer, returned);
    }

    /// @inheritdoc IRollup
    function invalidatedAt(uint64 l2BlockNumber, bytes32 root) external view returns (uint256) {
        return _invalidations[_rootKey(l2BlockNumber, root)].invalidatedAt;
    }

    /// @inheritdoc IRollup
    function invalidation(uint64 l2BlockNumber, bytes32 root) external view returns (Invalidation memory) {
        return _invalidations[_rootKey(l2BlockNumber, root)];
    }

    function _rootKey(uint64 l2BlockNumber, bytes32 root) private pure returns (bytes32) {
        return keccak256(abi.encode(l2BlockNumber, root));
    }

    function _liveOutput(uint256 index) private view returns (Output storage o) {
        if (index >= _outputCount) revert RollupUnknownOutput(index);
        o = _outputs[index];
    }

    function _nextToFinalize(uint256 index) private view returns (Output storage o) {
        o = _liveOutput(index);
        if (index != _finalizedCount) revert RollupOutputNotInOrder(index);
    }

    function _finalize(Output storage o, uint256 index) private {
        o.status = OutputStatus.Finalized;
        _finalizedCount = uint128(index + 1);
        emit OutputFinalized(index);
        uint256 bond = outputBond;
        if (bond != 0) IERC20(factory.alt()).safeTransfer(proposer, bond);
    }

    function _requireService(uint8 service) private view {
        if (services & service == 0 || msg.sender != factory.serviceOf(service)) revert RollupNotService(msg.sender);
    }

    /// @dev Outputs may still be proposed (and fast-finalized) during the settlement window, not after it; their
    ///      finality by challenge period, proof or VITAL goes on after it.
    function _requireNotSettled() private view {
        if (expiry == 0) return;
        uint256 settlesAt = uint256(expiry) + settlementWindow;
        if (block.timestamp >= settlesAt) revert RollupNotActive(Status.Settling);
    }

    // ---------------------------------------------------------------- fees and lifecycle

    /// @inheritdoc IRollup
    function streamFees() public {
        if (_retired) revert RollupRetired();
        uint48 until = uint48(block.timestamp) < paidUntil ? uint48(block.timestamp) : paidUntil;
        uint48 last = lastStreamed;
        if (until <= last) revert RollupNothingToStream();
        _stream(last, until);
    }

    /// @dev Pays each enabled service's operator set `rate × (until − from)` through the rewards distributor, which
    ///      credits only the time since the previous epoch began (`FeesExpired` for the rest). A service whose set for
    ///      this rollup does not exist (yet) or counts no stake is not paid for that time. What is not paid stays in
    ///      escrow and is refunded at settlement, so a missing set never blocks streaming or settling.
    function _stream(uint48 from, uint48 until) private {
        lastStreamed = until;
        uint256 perSecond = feePerServicePerSecond;
        uint8 enabled = services;
        if (perSecond == 0 || enabled == 0) return;
        (address[] memory paid, uint256[] memory setIds) = _serviceSets(enabled);
        uint256 credited = _credit(paid, setIds, perSecond, from, until);
        streamed += uint96(credited);
        emit FeesStreamed(credited, until);
    }

    /// @dev The enabled services and their sets for this rollup (OperatorSets' ids, keccak256(abi.encode(service,
    ///      key))), in the order VITAL, MACH, SQUAD.
    function _serviceSets(uint8 enabled) private view returns (address[] memory paid, uint256[] memory setIds) {
        (address vital, address mach, address squad) = factory.services();
        address[3] memory all = [vital, mach, squad];
        uint8[3] memory bits = [VITAL, MACH, SQUAD];
        uint256 count = serviceCount(enabled);
        paid = new address[](count);
        setIds = new uint256[](count);
        uint256 n;
        bytes32 key = serviceKey();
        for (uint256 i; i < 3; ++i) {
            if (enabled & bits[i] == 0) continue;
            paid[n] = all[i];
            setIds[n++] = uint256(keccak256(abi.encode(all[i], key)));
        }
    }

    /// @dev Credits `perSecond × (until − from)` to each of `setIds` in one call and one transfer; time older than the
    ///      previous epoch is not credited (`FeesExpired`), and a set that is missing or counts no stake is skipped
    ///      (`FeesNotCredited`); what is not credited stays in escrow. Returns what was credited.
    function _credit(
        address[] memory paid,
        uint256[] memory setIds,
        uint256 perSecond,
        uint48 from,
        uint48 until
    ) private returns (uint256 credited) {
        IRewardsDistributor rewards = IRewardsDistributor(factory.rewardsDistributor());
        IERC20 token = IERC20(factory.alt());
        uint256 total = perSecond * (until - from) * setIds.length;
        token.forceApprove(address(rewards), total);
        uint256 mask;
        uint256 paidFrom = from;
        try rewards.creditStreamToSets(setIds, perSecond, from, until) returns (uint256 creditedMask, uint256 start) {
            // within [from, until] whatever the distributor answers: the arithmetic below must never revert
            (mask, paidFrom) = (
                creditedMask,
                start < from
                    ? from
                    : start > until
                        ? until
                        : start
            );
        } catch {} // solhint-disable-line no-empty-blocks
        if (paidFrom > from) emit FeesExpired(from, uint48(paidFrom), perSecond * (paidFrom - from)); // <= until
        uint256 share = perSecond * (until - paidFrom);
        for (uint256 i; i < setIds.length; ++i) {
            if (mask & (1 << i) != 0) credited += share;
            else if (share != 0) emit FeesNotCredited(paid[i], setIds[i], share);
        }
        if (credited < total) token.forceApprove(address(rewards), 0);
    }

    /// @inheritdoc IRollup
    function extend(uint48 newExpiry) external onlyOwner whenLive {
        uint48 current = expiry;
        if (current == 0) revert RollupPermanent();
        Status now_ = status();
        if (now_ != Status.Active) revert RollupNotActive(now_);
        if (newExpiry <= current) revert RollupInvalidExpiry(newExpiry);
        uint256 cost = uint256(feePerServicePerSecond) * serviceCount(services) * (newExpiry - current);
        expiry = newExpiry;
        paidUntil = newExpiry;
        paid += uint96(cost);
        emit Extended(newExpiry, cost);
        if (cost != 0) IERC20(factory.alt()).safeTransferFrom(msg.sender, address(this), cost);
    }

    /// @inheritdoc IRollup
    function sunset() external onlyOwner whenLive {
        Status now_ = status();
        if (now_ != Status.Active) revert RollupNotActive(now_);
        uint48 at = uint48(block.timestamp);
        expiry = at;
        if (paidUntil > at) paidUntil = at;
        emit Sunset(at);
    }

    /// @inheritdoc IRollup
    function settle() external {
        if (_retired) revert RollupRetired();
        // a pause holds the end too: a retired rollup can no longer be paused or resumed, so retiring one that is
        // paused would end the pause early (the portal's claims) or freeze what it holds until the pause lapses
        uint256 until = pausedUntil;
        if (block.timestamp < until) revert RollupPaused(until);
        uint256 settlesAt = expiry == 0 ? type(uint256).max : uint256(expiry) + settlementWindow;
        if (block.timestamp < settlesAt) revert RollupNotSettled(settlesAt);
        uint48 last = lastStreamed;
        if (paidUntil > last) _stream(last, paidUntil);
        _retired = true;
        uint256 refund = escrow();
        refunded += uint96(refund);
        emit Retired(refund);
        if (refund != 0) IERC20(factory.alt()).safeTransfer(owner, refund);
    }

    /// @inheritdoc IRollup
    function reclaimFee(uint256 queueIndex) external {
        if (!_retired || queueIndex < queueHead || queueIndex >= _queue.length) revert RollupNotReclaimable(queueIndex);
        QueueItem storage item = _queue[queueIndex];
        uint256 fee = _queueFees[queueIndex];
        if (item.reclaimed || fee == 0) revert RollupNotReclaimable(queueIndex);
        item.reclaimed = true; // never reclaimed twice
        emit FeeReclaimed(queueIndex, item.payer, fee);
        IERC20(factory.alt()).safeTransfer(item.payer, fee);
    }

    /// @inheritdoc IRollup
    function setPaused(bool paused_) external {
        if (msg.sender != factory.council()) revert RollupNotCouncil(msg.sender);
        if (_retired) revert RollupRetired();
        uint256 until = pausedUntil;
        if (!paused_) {
            if (block.timestamp >= until) revert RollupNotPaused();
            pausedUntil = uint48(block.timestamp);
            emit Resumed();
            return;
        }
        uint256 pausableAt = until == 0 ? 0 : until + PAUSE_COOLDOWN;
        if (block.timestamp < pausableAt) revert RollupPauseCooldown(pausableAt);
        _pause(block.timestamp + MAX_COUNCIL_PAUSE);
    }

    /// @inheritdoc IRollup
    function pauseUntil(uint48 until) external {
        if (msg.sender != Ownable(address(factory)).owner()) revert RollupNotGovernance(msg.sender);
        if (_retired) revert RollupRetired();
        if (until <= block.timestamp) revert RollupPauseInPast(until);
        _pause(until);
    }

    /// @inheritdoc IRollup
    function paused() public view returns (bool) {
        return block.timestamp < pausedUntil;
    }

    /// @inheritdoc IRollup
    function resumedAt() external view returns (uint48) {
        uint48 until = pausedUntil;
        return block.timestamp < until ? _resumedAt : until;
    }

    /// @dev Pauses (or keeps paused) until `until`; a new pause records when the previous one ended.
    function _pause(uint256 until) private {
        uint48 current = pausedUntil;
        if (block.timestamp >= current) _resumedAt = current;
        pausedUntil = uint48(until);
        emit Paused(until);
    }

    /// @inheritdoc IRollup
    function transferOwnership(address newOwner) external onlyOwner {
        pendingOwner = newOwner;
        emit OwnershipTransferStarted(msg.sender, newOwner);
    }

    /// @inheritdoc IRollup
    function acceptOwnership() external {
        if (msg.sender != pendingOwner) revert RollupNotPendingOwner(msg.sender);
        emit OwnershipTransferred(owner, msg.sender);
        owner = msg.sender;
        delete pendingOwner;
    }
}
