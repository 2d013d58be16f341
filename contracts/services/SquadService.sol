// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {RollupService} from "./RollupService.sol";
import {CheckpointWindow} from "../libraries/CheckpointWindow.sol";
import {IOperatorSets} from "../interfaces/IOperatorSets.sol";
import {IRollup} from "../interfaces/IRollup.sol";
import {SQUAD} from "../rollups/Services.sol";

/// @title SquadService
/// @notice Decentralised sequencing for rollups that chose SQUAD (their sequencer role is this contract). Time is cut
///         into slots of `slotLength` seconds; the leader of a slot is drawn stake-weighted from the allocations counted
///         in the epoch before the slot's (`OperatorSets.drawAt`, no snapshot) with the rollup's seed for the slot's
///         epoch, set in the epoch before by commit and reveal: the first batch of that epoch (or anyone, `commitSeed`)
///         names a block `SEED_DELAY` blocks ahead, and a reveal in exactly that block (`revealSeed`, anyone, or a batch
///         landing in it) mixes in its `prevrandao`, which nobody knew at the commit; a target missed or past the epoch
///         leaves the seed inherited. The allocations drawn from are fixed before the seed is known, no poster chooses
///         the seed, and an epoch's schedule is fixed before it begins, never rewritten after the fact. No leaders in an epoch unless the set is live in it and in the one before. Only the leader
///         posts batches in its slot; after `gracePeriod` any eligible member may (liveness). A slot its leader left empty is reported by
///         anyone as a miss; `maxMisses` misses in its slots of the current epoch and the one before (its posts do
///         not reset the count) jail it in the set for `jailTime`. A forced-inclusion item forced in after a whole slot
///         went by without it is censorship by that slot's leader: a slash request with the item as evidence. A leader
///         is excused for a slot only if it could not post in it: jailed for misses at some moment from the slot's
///         start to the end of its grace period (judged from the jails' history, whenever the report comes), or
///         jailed now by a pending slash request.
/// @dev Storage: ERC-7201 `alt.storage.SquadService`.
contract SquadService is RollupService {
    using SafeERC20 for IERC20;
    using Checkpoints for Checkpoints.Trace208;
    using CheckpointWindow for Checkpoints.Trace208;

    bytes32 public constant CENSORSHIP = "SQUAD_SKIPPED_FORCED_INCLUSION";

    error SquadNotLeader(address caller, address leader);
    error SquadNotEligible(address caller);
    error SquadSlotNotOver(uint256 slot);
    /// @notice Misses are reported within the slot's epoch and the next.
    error SquadSlotTooOld(uint256 slot);
    error SquadNoLeader(uint256 slot);
    /// @notice The slot's leader could not post in it: jailed for misses (by this contract) at some moment from the
    ///         slot's start to the end of its grace period, or jailed now by a pending slash request. Its misses there do
    ///         not count.
    error SquadLeaderJailed(uint256 slot, address leader);
    /// @notice The leader posted in its slot, or the miss was reported already.
    error SquadNotMissed(uint256 slot);
    error SquadNotForced(uint256 queueIndex);
    /// @notice The item was forced in before a whole slot went by after its deadline: nobody is provably at fault.
    error SquadNotAttributable(uint256 queueIndex);
    /// @notice The leader of that slot was reported for censorship already (one report per slot).
    error SquadAlreadyReported(uint256 slot);
    /// @notice The rollup's sequencer is a centralised address: SQUAD does not sequence it.
    error SquadNotSequencer(address rollup);
    /// @notice The rollup could not take batches in that slot (paused, resumed after it began, or past its expiry).
    error SquadRollupNotLive(uint256 slot);
    /// @notice The seed of `epoch` (the next) was committed already: one commitment an epoch, never replaced.
    error SquadSeedCommitted(uint256 epoch);
    /// @notice No seed is committed for `epoch` (the next one): nothing to reveal.
    error SquadSeedNotCommitted(uint256 epoch);
    /// @notice The latest commitment was for `epoch`, which has begun: its seed is inherited, no longer revealed.
    error SquadSeedEpochBegun(uint256 epoch);
    /// @notice A seed is revealed only in the committed block `target`.
    error SquadNotSeedBlock(uint256 target);
    /// @notice The seed of `epoch` was revealed already.
    error SquadSeedRevealed(uint256 epoch);

    event BatchPosted(address indexed rollup, uint256 indexed slot, address indexed poster, bool byLeader);
    event SlotMissed(address indexed rollup, uint256 indexed slot, address indexed leader, uint256 misses);
    event LeaderJailed(address indexed rollup, address indexed leader, uint256 until);
    event CensorshipReported(
        address indexed rollup,
        uint256 indexed queueIndex,
        uint256 slot,
        address indexed leader,
        uint256 requestId
    );
    event ParametersUpdated(uint256 gracePeriod, uint256 maxMisses, uint256 jailTime, uint256 censorshipBps);
    /// @notice The seed of `epoch` will mix in the `prevrandao` of block `target`, if revealed in it.
    event SeedCommitted(address indexed rollup, uint256 indexed epoch, uint256 target);
    event SeedRevealed(address indexed rollup, uint256 indexed epoch, uint256 seed);

    /// @custom:storage-location erc7201:alt.storage.SquadService
    struct SquadStorage {
        IERC20 alt;
        // slotLength (48, fixed at initialization) | gracePeriod (48) | jailTime (48) | maxMisses (16) |
        // censorshipBps (16)
        uint48 slotLength;
        uint48 gracePeriod;
        uint48 jailTime;
        uint16 maxMisses;
        uint16 censorshipBps;
        // two bits per slot, 128 slots a word: bit 0 = the leader posted, bit 1 = its miss was reported
        mapping(address rollup => mapping(uint256 word => uint256)) slotMarks;
        // the misses counted towards a jail, in one word: epoch (48 bits, the latest epoch the word was moved to) |
        // misses in its slots of that epoch (104) | misses in its slots of the epoch before (104); cleared by a jail
        mapping(address rollup => mapping(address operator => uint256)) missWindow;
        // unused (the release of the last jail, read before the jails' history): kept for the layout
        mapping(address rollup => mapping(address operator => uint48)) retiredReleasedAt;
        mapping(address rollup => mapping(uint256 slot => bool)) censorshipReported;
        // the leader-draw seed of each epoch, keyed by the epoch it draws for: revealed in the epoch before (or
        // inherited), so an epoch's schedule is fixed when it begins (one epoch ahead)
        mapping(address rollup => Checkpoints.Trace208) seeds;
        // each leader's jails for misses, keyed by the second they began, valued at when the jails so far end (the
        // latest release: a jail ending before one already running is not recorded); never pruned, one a jail
        mapping(address rollup => mapping(address operator => Checkpoints.Trace208)) jails;
        // the latest seed commitment: the epoch whose seed it is (the one after the epoch it was made in) and the block
        // whose prevrandao the seed mixes in
        mapping(address rollup => SeedCommitment) seedCommitments;
    }

    struct SeedCommitment {
        uint48 epoch;
        uint64 target;
    }

    /// @notice Blocks from a seed's commitment to the block whose `prevrandao` it mixes in: at the commitment that
    ///         value depends on the RANDAO reveals of the proposers of the blocks in between, not yet made.
    uint256 public constant SEED_DELAY = 64;

    // keccak256(abi.encode(uint256(keccak256("alt.storage.SquadService")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x8ba00c39526655cd435414a815f75c09ca09c9af2e9b82db86d4092a2a01a700;

    uint256 private constant POSTED = 1;
    uint256 private constant REPORTED = 2;
    // the miss window's fields: the epoch in bits 0-47, its misses from bit 48, the epoch before's from bit 152
    uint256 private constant EPOCH_MASK = (1 << 48) - 1;
    uint256 private constant COUNT_MASK = (1 << 104) - 1;
    uint256 private constant MISS = 1 << 48;
    uint256 private constant MISS_BEFORE = 1 << 152;

    function _s() private pure returns (SquadStorage storage s) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            s.slot := STORAGE_SLOT
        }
    }

    /// @param slotLength_ seconds per slot, fixed for the life of the contract (slot numbers are timestamps divided by it)
    function initialize(
        ServiceConfig calldata config,
        uint48 slotLength_,
        uint48 gracePeriod_,
        uint16 maxMisses_,
        uint48 jailTime_,
        uint16 censorshipBps_
    ) external initializer {
        __RollupService_init(config);
        if (slotLength_ == 0) revert ServiceInvalidParameter();
        SquadStorage storage s = _s();
        s.alt = IERC20(config.factory.alt());
        s.slotLength = slotLength_;
        _setParameters(gracePeriod_, maxMisses_, jailTime_, censorshipBps_);
    }

    function _serviceBit() internal pure override returns (uint8) {
        return SQUAD;
    }

    // ================================================================= governance

    function setParameters(
        uint48 gracePeriod_,
        uint16 maxMisses_,
        uint48 jailTime_,
        uint16 censorshipBps_
    ) external onlyOwner {
        _setParameters(gracePeriod_, maxMisses_, jailTime_, censorshipBps_);
    }

    // ================================================================= sequencing

    /// @notice Appends a batch to `rollup` (see `Rollup.appendBatch`) in the current slot: its leader at any time in
    ///         the slot (also one that left and has not completed leaving); any other member not jailed after the grace
    ///         period, or at once when the slot has no leader or its leader is not eligible. Fees of included queue items go to the
    ///         poster.
    function postBatch(address rollup, bytes32 commitment, uint256 includeCount) external {
        uint256 setId = _setOf(rollup);
        SquadStorage storage s = _s();
        uint256 slot = currentSlot();
        address leader = _leaderAt(rollup, setId, slot);
        bool byLeader = msg.sender == leader;
        if (!_eligible(setId, msg.sender, byLeader)) revert SquadNotEligible(msg.sender);
        if (byLeader) {
            s.slotMarks[rollup][slot >> 7] |= POSTED << ((slot & 127) << 1);
        } else if (
            leader != address(0) &&
            block.timestamp < slot * s.slotLength + s.gracePeriod &&
            _eligible(setId, leader, true)
        ) {
            revert SquadNotLeader(msg.sender, leader);
        }
        emit BatchPosted(rollup, slot, msg.sender, byLeader);
        _seedDuty(s, rollup);
        if (includeCount == 0) {
            IRollup(rollup).appendBatch(commitment, 0);
        } else {
            // the rollup pays the included items' fees to its sequencer (this contract): pass them on
            IERC20 alt = s.alt;
            uint256 before = alt.balanceOf(address(this));
            IRollup(rollup).appendBatch(commitment, includeCount);
            uint256 fees = alt.balanceOf(address(this)) - before;
            if (fees != 0) alt.safeTransfer(msg.sender, fees);
        }
    }

    /// @notice Records that the leader of `slot` (over, in this epoch or the previous one) did not post in it. It counts
    ///         in the leader's window of the current epoch and the one before (the slots still reportable), a late report
    ///         of a previous-epoch slot included; at `maxMisses` in the window the leader is jailed in the set and the
    ///         window is cleared.
    function reportMiss(address rollup, uint256 slot) external {
        uint256 setId = _setOf(rollup);
        SquadStorage storage s = _s();
        if (slot >= currentSlot()) revert SquadSlotNotOver(slot);
        IOperatorSets sets = _service().sets;
        uint256 epoch = sets.epochAt(slot * s.slotLength);
        uint256 current = sets.currentEpoch();
        if (epoch + 1 < current) revert SquadSlotTooOld(slot);
        _requireLiveDuring(rollup, slot);
        address leader = _leaderAt(rollup, setId, slot);
        if (leader == address(0)) revert SquadNoLeader(slot);
        if (_excused(s, rollup, leader, slot)) revert SquadLeaderJailed(slot, leader);
        uint256 shift = (slot & 127) << 1;
        uint256 word = s.slotMarks[rollup][slot >> 7];
        if ((word >> shift) & (POSTED | REPORTED) != 0) revert SquadNotMissed(slot);
        s.slotMarks[rollup][slot >> 7] = word | (REPORTED << shift);
        // the slot is of the current epoch or the one before: the window's bucket of its own epoch
        uint256 window = _rollMisses(s.missWindow[rollup][leader], current) + (epoch == current ? MISS : MISS_BEFORE);
        uint256 count = _missCount(window);
        emit SlotMissed(rollup, slot, leader, count);
        if (count < s.maxMisses) {
            s.missWindow[rollup][leader] = window;
            return;
        }
        delete s.missWindow[rollup][leader];
        uint48 until = uint48(block.timestamp) + s.jailTime;
        // the history keeps the union of the jails: a jail that ends no later than the one running adds nothing
        Checkpoints.Trace208 storage jails = s.jails[rollup][leader];
        if (until > block.timestamp && until > jails.latest()) jails.push(uint48(block.timestamp), until);
        emit LeaderJailed(rollup, leader, until);
        // a leader that has completed leaving cannot be jailed in the set (one still leaving can)
        IOperatorSets.Membership memory m = sets.membership(setId, leader);
        if (m.member || m.leaveAt != 0) sets.jail(setId, leader, until);
    }

    /// @notice Reports the leader of the first whole slot after the deadline of queue item `queueIndex`, which was later
    ///         forced in: had that leader posted, the rollup would have made it include the item. One report per slot
    ///         (several items due together are one offence).
    function reportCensorship(address rollup, uint256 queueIndex) external returns (uint256 requestId) {
        uint256 setId = _setOf(rollup);
        SquadStorage storage s = _s();
        IRollup.QueuedTx memory item = IRollup(rollup).queuedTransaction(queueIndex);
        if (item.forcedAt == 0) revert SquadNotForced(queueIndex);
        uint256 slotLength_ = s.slotLength;
        uint256 slot = item.deadline / slotLength_ + 1;
        uint256 slotEnd = (slot + 1) * slotLength_;
        address leader = _leaderAt(rollup, setId, slot);
        if (slotEnd > item.forcedAt || leader == address(0)) revert SquadNotAttributable(queueIndex);
        if (s.censorshipReported[rollup][slot]) revert SquadAlreadyReported(slot);
        // a leader that could not post (jailed) censored nobody: the slot was open to every member at once; one jailed
        // for misses only after the slot's grace period could post in it, and is to blame
        if (_excused(s, rollup, leader, slot)) revert SquadNotAttributable(queueIndex);
        _requireLiveDuring(rollup, slot);
        s.censorshipReported[rollup][slot] = true;
        requestId = _requestSlash(
            leader,
            setId,
            s.censorshipBps,
            CENSORSHIP,
            keccak256(abi.encode(rollup, queueIndex, item.txHash, slot)),
            msg.sender,
            slotEnd,
            address(0)
        );
        emit CensorshipReported(rollup, queueIndex, slot, leader, requestId);
    }

    // ================================================================= seeds

    /// @notice Commits the seed of the next epoch of `rollup` to the `prevrandao` of the block `SEED_DELAY` blocks
    ///         from this one (the first batch of an epoch does the same). One commitment an epoch.
    function commitSeed(address rollup) external {
        _setOf(rollup);
        SquadStorage storage s = _s();
        uint256 next = _service().sets.currentEpoch() + 1;
        if (s.seedCommitments[rollup].epoch == next) revert SquadSeedCommitted(next);
        _commitSeed(s, rollup, next);
    }

    /// @notice Reveals the next epoch's seed of `rollup` in the committed block, still in the epoch of the commitment:
    ///         keccak256(abi.encode(latest seed, block.prevrandao, next epoch)). Anyone may; a batch posted in that
    ///         block reveals it too. A target missed leaves the next epoch the latest seed (inherited).
    function revealSeed(address rollup) external {
        _setOf(rollup);
        SquadStorage storage s = _s();
        uint256 next = _service().sets.currentEpoch() + 1;
        SeedCommitment memory c = s.seedCommitments[rollup];
        if (c.epoch != next) {
            if (c.epoch != 0) revert SquadSeedEpochBegun(c.epoch);
            revert SquadSeedNotCommitted(next);
        }
        if (block.number != c.target) revert SquadNotSeedBlock(c.target);
        if (!_revealSeed(s, rollup, next)) revert SquadSeedRevealed(next);
    }

    // ================================================================= views

    function currentSlot() public view returns (uint256) {
        return block.timestamp / _s().slotLength;
    }

    /// @notice The leader of `slot` of `rollup`; zero unless the rollup's set is live in the slot's epoch and the one
    ///         before.
    function leaderAt(address rollup, uint256 slot) external view returns (address) {
        return _leaderAt(rollup, setIdOf(rollup), slot);
    }

    /// @notice The leaders of `count` slots from `firstSlot`.
    function schedule(
        address rollup,
        uint256 firstSlot,
        uint256 count
    ) external view returns (address[] memory leaders) {
        uint256 setId = setIdOf(rollup);
        leaders = new address[](count);
        Draw memory draw = Draw({epoch: type(uint256).max, live: false, seed: 0});
        for (uint256 i; i < count; ++i) leaders[i] = _leaderIn(rollup, setId, firstSlot + i, draw);
    }

    /// @notice The leader-draw seed of `rollup` for `epoch`: revealed in the epoch before (the seed before mixed with
    ///         the committed block's `prevrandao`); an epoch whose seed was not revealed inherits the seed before (0
    ///         before any reveal). Final once `epoch` begins; before that, the inherited seed until a reveal.
    function seedAt(address rollup, uint256 epoch) external view returns (uint256) {
        return _s().seeds[rollup].valueAt(epoch);
    }

    /// @notice The latest seed commitment of `rollup`: the epoch whose seed it is, the block it mixes the `prevrandao`
    ///         of, and whether it was revealed (0, 0, false before any).
    function seedCommitment(address rollup) external view returns (uint256 epoch, uint256 target, bool revealed) {
        SquadStorage storage s = _s();
        SeedCommitment memory c = s.seedCommitments[rollup];
        (bool exists, uint48 key, ) = s.seeds[rollup].latestCheckpoint();
        return (c.epoch, c.target, c.epoch != 0 && exists && key == c.epoch);
    }

    /// @notice Whether the leader of `slot` posted in it, and whether its miss was reported.
    function slotMarks(address rollup, uint256 slot) external view returns (bool posted, bool missReported) {
        uint256 bits = _s().slotMarks[rollup][slot >> 7] >> ((slot & 127) << 1);
        return (bits & POSTED != 0, bits & REPORTED != 0);
    }

    /// @notice The misses of `operator` counted towards its next jail in `rollup`'s set: reported in its slots of the
    ///         current epoch and the one before, since its last jail (the count of its last `SlotMissed`, unless a jail
    ///         cleared it or an epoch of it has dropped out of the window since).
    function misses(address rollup, address operator) external view returns (uint256) {
        return _missCount(_rollMisses(_s().missWindow[rollup][operator], _service().sets.currentEpoch()));
    }

    /// @notice When `operator`'s jails for misses in `rollup`'s set end (the latest release; 0: never jailed).
    function releasedAt(address rollup, address operator) external view returns (uint256) {
        return _s().jails[rollup][operator].latest();
    }

    /// @notice How many jails for misses of `operator` in `rollup`'s set are recorded (see `jailAt`).
    function jailCount(address rollup, address operator) external view returns (uint256) {
        return _s().jails[rollup][operator].length();
    }

    /// @notice The `index`-th recorded jail for misses of `operator` in `rollup`'s set: when it began, and when the jails
    ///         up to it end (a jail ending no later than one already running is not recorded). A slot is excused if
    ///         a jail covers some moment from its start to the end of its grace period.
    function jailAt(
        address rollup,
        address operator,
        uint256 index
    ) external view returns (uint256 start, uint256 release) {
        Checkpoints.Checkpoint208 memory jail = _s().jails[rollup][operator].at(uint32(index));
        return (jail._key, jail._value);
    }

    /// @notice Whether the leader of `slot` was reported for censorship.
    function isCensorshipReported(address rollup, uint256 slot) external view returns (bool) {
        return _s().censorshipReported[rollup][slot];
    }

    function parameters()
        external
        view
        returns (uint256 slotLength, uint256 gracePeriod, uint256 maxMisses, uint256 jailTime, uint256 censorshipBps)
    {
        SquadStorage storage s = _s();
        return (s.slotLength, s.gracePeriod, s.maxMisses, s.jailTime, s.censorshipBps);
    }

    // ================================================================= internals

    function _leaderAt(address rollup, uint256 setId, uint256 slot) private view returns (address leader) {
        return _leaderIn(rollup, setId, slot, Draw({epoch: type(uint256).max, live: false, seed: 0}));
    }

    /// @dev What an epoch offers a draw, read once per epoch by a schedule.
    struct Draw {
        uint256 epoch;
        bool live;
        uint256 seed;
    }

    /// @dev The leader of `slot`, reading the slot's epoch into `draw` unless it holds that epoch already: drawn
    ///      stake-weighted from the allocations counted in the epoch (`OperatorSets.drawAt`, no snapshot), with the
    ///      epoch's seed; no leader in an epoch the set is not live in.
    function _leaderIn(
        address rollup,
        uint256 setId,
        uint256 slot,
        Draw memory draw
    ) private view returns (address leader) {
        IOperatorSets sets = _service().sets;
        uint256 epoch = sets.epochAt(slot * _s().slotLength);
        if (epoch != draw.epoch) {
            draw.epoch = epoch;
            // live in the epoch and in the one before, whose allocations the leaders are drawn from
            draw.live = epoch != 0 && sets.isLive(setId, epoch) && sets.isLive(setId, epoch - 1);
            draw.seed = _s().seeds[rollup].valueAt(epoch);
        }
        if (!draw.live) return address(0);
        // the previous epoch's allocations were fixed before it began, so before the seed was: nobody can reorder or
        // resize the draw once the seed is known
        return sets.drawAt(setId, epoch - 1, uint256(keccak256(abi.encode(draw.seed, rollup, slot))));
    }

    /// @dev A batch's part in the seed: the first of an epoch commits the next epoch's seed, one landing in the
    ///      committed block reveals it; neither lets the poster choose the seed (the target's `prevrandao` is unknown at
    ///      the commitment, and the reveal block is not the poster's to pick).
    function _seedDuty(SquadStorage storage s, address rollup) private {
        uint256 next = _service().sets.currentEpoch() + 1;
        SeedCommitment memory c = s.seedCommitments[rollup];
        if (c.epoch != next) _commitSeed(s, rollup, next);
        else if (block.number == c.target) _revealSeed(s, rollup, next);
    }

    function _commitSeed(SquadStorage storage s, address rollup, uint256 next) private {
        uint256 target = block.number + SEED_DELAY;
        s.seedCommitments[rollup] = SeedCommitment({epoch: uint48(next), target: uint64(target)});
        emit SeedCommitted(rollup, next, target);
    }

    /// @dev Sets the seed of `next` unless revealed already; whether it did.
    function _revealSeed(SquadStorage storage s, address rollup, uint256 next) private returns (bool) {
        Checkpoints.Trace208 storage seeds = s.seeds[rollup];
        (bool exists, uint48 key, uint208 seed) = seeds.latestCheckpoint();
        if (exists && key == next) return false;
        uint208 revealed = uint208(uint256(keccak256(abi.encode(seed, block.prevrandao, next))));
        seeds.push(uint48(next), revealed);
        emit SeedRevealed(rollup, next, revealed);
        return true;
    }

    /// @dev Not jailed (in the set or by a pending slash), and a member — or, for the slot's own leader, one that left
    ///      (or was replaced) and has not completed leaving: it still serves the slots it was drawn for and stays
    ///      slashable for them, but stands in for nobody.
    function _eligible(uint256 setId, address account, bool asLeader) private view returns (bool) {
        IOperatorSets.Membership memory m = _service().sets.membership(setId, account);
        return (m.member || (asLeader && m.leaveAt != 0)) && !_jailed(account, m.jailedUntil);
    }

    /// @dev Whether `leader` is not to blame for `slot` because it could not post in it: it was jailed for misses at
    ///      some moment of the slot's exclusive window, from its start to the end of its grace period (so a jail's slots
    ///      never count towards the next one, whenever reported; a jail begun after the window does not excuse: the
    ///      leader had its chance), or it is jailed now by a pending slash request (judged at the report). Only this
    ///      contract jails in its sets: the history holds every jail in the set.
    function _excused(
        SquadStorage storage s,
        address rollup,
        address leader,
        uint256 slot
    ) private view returns (bool) {
        uint256 start = slot * s.slotLength;
        // the latest jail begun by the window's end, valued at when the jails up to it end; the slot is over (or
        // forced past), so the window's end is a past second
        if (s.jails[rollup][leader].upperLookupRecent(uint48(start + s.gracePeriod)) > start) return true;
        return _service().registry.isJailed(leader);
    }

    /// @dev `window` moved forward to `epoch` (not earlier than its own): the misses of an epoch that is no longer the
    ///      current one or the one before drop out. A word written before the window (a plain count) reads as an
    ///      epoch with no misses.
    function _rollMisses(uint256 window, uint256 epoch) private pure returns (uint256) {
        uint256 stored = window & EPOCH_MASK;
        if (stored == epoch) return window;
        uint256 kept = stored + 1 == epoch ? (window >> 48) & COUNT_MASK : 0;
        return epoch | (kept << 152);
    }

    function _missCount(uint256 window) private pure returns (uint256) {
        return ((window >> 48) & COUNT_MASK) + (window >> 152);
    }

    function _jailed(address account, uint256 jailedUntil) private view returns (bool) {
        return block.timestamp < jailedUntil || _service().registry.isJailed(account);
    }

    /// @dev A slot's leader is at fault only if the rollup could take batches throughout the slot: not paused now, not
    ///      resumed from a pause after the slot began, not past an ephemeral rollup's expiry.
    function _requireLiveDuring(address rollup, uint256 slot) private view {
        IRollup r = IRollup(rollup);
        uint256 start = slot * _s().slotLength;
        uint256 expiry = r.expiry();
        if (r.paused() || r.resumedAt() > start || (expiry != 0 && start + _s().slotLength > expiry)) {
            revert SquadRollupNotLive(slot);
        }
    }

    function _drawsFromSets() internal pure override returns (bool) {
        return true;
    }

    function _acceptRollup(address rollup) internal view override {
        if (IRollup(rollup).sequencer() != address(0)) revert SquadNotSequencer(rollup);
    }

    function _setParameters(uint48 gracePeriod_, uint16 maxMisses_, uint48 jailTime_, uint16 censorshipBps_) private {
        SquadStorage storage s = _s();
        if (gracePeriod_ >= s.slotLength || maxMisses_ == 0 || jailTime_ > 365 days) revert ServiceInvalidParameter();
        _checkBps(censorshipBps_);
        (s.gracePeriod, s.maxMisses, s.jailTime, s.censorshipBps) = (
            gracePeriod_,
            maxMisses_,
            jailTime_,
            censorshipBps_
        );
        emit ParametersUpdated(gracePeriod_, maxMisses_, jailTime_, censorshipBps_);
    }
}
