// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {OwnedUpgradeable} from "../libraries/OwnedUpgradeable.sol";
import {CheckpointWindow} from "../libraries/CheckpointWindow.sol";
import {EpochClock} from "../libraries/EpochClock.sol";
import {IOperatorSets} from "../interfaces/IOperatorSets.sol";
import {IRestakingRegistry} from "../interfaces/IRestakingRegistry.sol";
import {ISetListener} from "../interfaces/ISetListener.sol";

/// @title OperatorSets
/// @notice Operator sets, the allocations that back them checkpointed by epoch, and a draw index over them (UUPS proxy,
///         ERC-7201 storage).
contract OperatorSets is IOperatorSets, OwnedUpgradeable {
    using Checkpoints for Checkpoints.Trace208;
    using CheckpointWindow for Checkpoints.Trace208;

    /// @notice The largest set (16 buckets of 16 in the draw index).
    uint256 public constant MAX_SET_SIZE = 256;
    /// @inheritdoc IOperatorSets
    uint256 public constant MAX_SETS_PER_OPERATOR = 64;
    uint256 private constant BPS = 10_000;
    /// @dev The draw index groups the positions of a set's counted operators in buckets of 16 (16 buckets for 256).
    uint256 private constant BUCKET = 16;
    /// @dev A set's least total stake for liveness is kept in 192 bits beside its least member count.
    uint256 private constant MAX_MIN_TOTAL_STAKE = type(uint192).max;

    /// @dev A set's draw index: the operators with an allocation counted, at positions [0, count), and the total
    ///      allocation of each bucket of BUCKET positions, all checkpointed by epoch like the allocations — so a
    ///      stake-weighted draw over any epoch reads O(sqrt(MAX_SET_SIZE)) checkpoints and needs no snapshot.
    struct DrawIndex {
        mapping(uint256 position => Checkpoints.Trace208) operators; // the operator's address
        mapping(uint256 bucket => Checkpoints.Trace208) buckets;
        mapping(address operator => uint256) positionPlusOne; // now (0: none)
    }

    /// @dev Per operator, one slot: the sum of its allocations, and of allocations plus pending deallocations.
    struct OperatorTotals {
        uint128 allocated;
        uint128 encumbered;
    }

    /// @dev What `_reduce` carries through its loop over the operator's sets.
    struct Shrink {
        uint256 excess;
        uint256 total;
        uint48 freeAt;
        bool release;
        uint256 reduced;
        uint256 freed;
    }

    /// @custom:storage-location erc7201:alt.storage.OperatorSets
    struct SetsStorage {
        IRestakingRegistry registry;
        uint48 genesis;
        uint48 epochLength;
        mapping(address service => bool) services;
        mapping(uint256 setId => SetConfig) sets;
        mapping(uint256 setId => address[]) members;
        mapping(uint256 setId => mapping(address operator => Membership)) memberships;
        mapping(uint256 setId => mapping(address operator => Allocation)) allocations;
        // what counted in each epoch, keyed by the first epoch it counts in (a change made in epoch e is keyed e + 1)
        mapping(uint256 setId => mapping(address operator => Checkpoints.Trace208)) allocationHistory;
        mapping(uint256 setId => Checkpoints.Trace208) stakeHistory;
        // how many operators have a non-zero allocation counted, and the liveness minimums (minMembers << 192 |
        // minTotalStake), keyed the same way
        mapping(uint256 setId => Checkpoints.Trace208) countHistory;
        mapping(uint256 setId => Checkpoints.Trace208) livenessHistory;
        mapping(address operator => OperatorTotals) totals;
        mapping(address operator => uint256[]) setList;
        // how much more a newcomer must allocate than the member it replaces in a full set
        uint16 churnMarginBps;
        mapping(uint256 setId => DrawIndex) drawIndex;
        mapping(uint256 setId => address) listeners;
    }

    // keccak256(abi.encode(uint256(keccak256("alt.storage.OperatorSets")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0xac0789affcf260924b9a65af49f94a6699b5530b693ddda81c145837f519ca00;

    function _s() private pure returns (SetsStorage storage s) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            s.slot := STORAGE_SLOT
        }
    }

    /// @param epochLength_ seconds per epoch, counted from this call; fixed for the life of the contract
    /// @param churnMarginBps_ see `setChurnMargin`
    function initialize(
        address owner_,
        address registry_,
        uint48 epochLength_,
        uint16 churnMarginBps_
    ) external initializer {
        if (registry_ == address(0) || epochLength_ == 0) revert SetsInvalidParameter();
        __OwnedUpgradeable_init(owner_);
        SetsStorage storage s = _s();
        s.registry = IRestakingRegistry(registry_);
        s.genesis = uint48(block.timestamp);
        s.epochLength = epochLength_;
        _setChurnMargin(churnMarginBps_);
    }

    // ================================================================= governance

    /// @inheritdoc IOperatorSets
    function setService(address service, bool allowed) external onlyOwner {
        if (service == address(0)) revert SetsInvalidParameter();
        _s().services[service] = allowed;
        emit ServiceUpdated(service, allowed);
    }

    /// @inheritdoc IOperatorSets
    function setChurnMargin(uint16 bps) external onlyOwner {
        _setChurnMargin(bps);
    }

    // ================================================================= services

    /// @inheritdoc IOperatorSets
    function createSet(bytes32 key, uint256 minStake, uint16 maxSize) external returns (uint256 setId) {
        SetsStorage storage s = _s();
        if (!s.services[msg.sender]) revert SetsNotService(msg.sender);
        _checkSize(maxSize);
        setId = setIdOf(msg.sender, key);
        SetConfig storage config = s.sets[setId];
        if (config.exists) revert SetsExists(setId);
        s.sets[setId] = SetConfig({
            service: msg.sender,
            maxSize: maxSize,
            exists: true,
            minMembers: 0,
            drawable: false,
            notifies: false,
            minStake: minStake,
            minTotalStake: 0
        });
        emit SetCreated(setId, msg.sender, key, minStake, maxSize);
    }

    /// @inheritdoc IOperatorSets
    function enableDraws(uint256 setId) external {
        SetConfig storage config = _ownSet(setId);
        if (_s().stakeHistory[setId].length() != 0) revert SetsDrawsTooLate(setId);
        config.drawable = true;
        emit DrawsEnabled(setId);
    }

    /// @inheritdoc IOperatorSets
    function setListener(uint256 setId, address listener) external {
        SetConfig storage config = _ownSet(setId);
        SetsStorage storage s = _s();
        if (listener == address(0)) revert SetsInvalidParameter();
        if (config.notifies || s.stakeHistory[setId].length() != 0) revert SetsListenerTooLate(setId);
        config.notifies = true;
        s.listeners[setId] = listener;
        emit ListenerSet(setId, listener);
    }

    /// @inheritdoc IOperatorSets
    function updateSet(uint256 setId, uint256 minStake, uint16 maxSize) external {
        SetConfig storage config = _ownSet(setId);
        _checkSize(maxSize);
        config.minStake = minStake;
        config.maxSize = maxSize;
        emit SetUpdated(setId, minStake, maxSize);
    }

    /// @inheritdoc IOperatorSets
    function setLiveness(uint256 setId, uint16 minMembers, uint256 minTotalStake) external {
        SetConfig storage config = _ownSet(setId);
        if (minMembers > MAX_SET_SIZE || minTotalStake > MAX_MIN_TOTAL_STAKE) revert SetsInvalidParameter();
        config.minMembers = minMembers;
        config.minTotalStake = minTotalStake;
        // from the next epoch on, like the allocations: a change rewrites neither a past epoch nor the current one
        _s().livenessHistory[setId].push(
            uint48(currentEpoch() + 1),
            uint208((uint256(minMembers) << 192) | minTotalStake)
        );
        emit LivenessUpdated(setId, minMembers, minTotalStake);
    }

    /// @inheritdoc IOperatorSets
    function jail(uint256 setId, address operator, uint48 until) external {
        _ownSet(setId);
        Membership storage m = _s().memberships[setId][operator];
        // one that left and has not completed leaving is jailed too: leaving must not be a way out of a jail
        if (!m.member && m.leaveAt == 0) revert SetsNotMember(setId, operator);
        if (until > m.jailedUntil) m.jailedUntil = until;
        emit MemberJailed(setId, operator, m.jailedUntil);
    }

    // ================================================================= operators

    /// @inheritdoc IOperatorSets
    function join(uint256 setId, uint256 amount) external {
        SetsStorage storage s = _s();
        SetConfig storage config = _set(setId);
        if (s.members[setId].length >= config.maxSize) revert SetsFull(setId, config.maxSize);
        _join(s, setId, config, amount);
    }

    /// @inheritdoc IOperatorSets
    function joinReplacing(uint256 setId, uint256 amount, address replaced) external {
        SetsStorage storage s = _s();
        SetConfig storage config = _set(setId);
        if (s.members[setId].length < config.maxSize) revert SetsNotFull(setId);
        if (!s.memberships[setId][replaced].member) revert SetsNotMember(setId, replaced);
        uint256 theirs = s.allocations[setId][replaced].allocated;
        // the newcomer must beat the member it replaces by the churn margin, so two near-equal operators cannot take
        // turns evicting each other
        uint256 needed = Math.mulDiv(theirs, BPS + s.churnMarginBps, BPS, Math.Rounding.Ceil);
        if (amount < needed) revert SetsChurnTooSmall(amount, needed);
        _exit(s, setId, replaced);
        emit MemberReplaced(setId, replaced, msg.sender);
        _join(s, setId, config, amount);
    }

    /// @inheritdoc IOperatorSets
    function allocate(uint256 setId, uint256 amount) external {
        SetsStorage storage s = _s();
        _member(setId, msg.sender);
        uint256 minStake = s.sets[setId].minStake;
        if (amount < minStake) revert SetsStakeTooLow(amount, minStake);
        _release(s, setId, msg.sender);
        _allocate(s, setId, msg.sender, amount);
    }

    /// @inheritdoc IOperatorSets
    function requestLeave(uint256 setId) external {
        SetsStorage storage s = _s();
        _member(setId, msg.sender);
        _exit(s, setId, msg.sender);
    }

    /// @inheritdoc IOperatorSets
    function removeMember(uint256 setId, address operator) external {
        SetsStorage storage s = _s();
        SetConfig storage config = _member(setId, operator);
        uint256 allocated = s.allocations[setId][operator].allocated;
        if (allocated >= config.minStake) revert SetsStakeNotTooLow(allocated, config.minStake);
        _exit(s, setId, operator);
        emit MemberRemoved(setId, operator, allocated);
    }

    /// @inheritdoc IOperatorSets
    function completeLeave(uint256 setId) external {
        SetsStorage storage s = _s();
        _set(setId);
        Membership storage m = s.memberships[setId][msg.sender];
        if (m.member || m.leaveAt == 0) revert SetsLeaveNotRequested(setId, msg.sender);
        if (block.timestamp < m.leaveAt) revert SetsLeavePending(setId, msg.sender, m.leaveAt);
        // a pending slash request may still take from what this set holds
        if (!_release(s, setId, msg.sender)) revert SetsOperatorJailed(msg.sender);
        uint256[] storage sets_ = s.setList[msg.sender];
        uint256 setIndex = m.setIndex;
        uint256 movedSet = sets_[sets_.length - 1];
        sets_[setIndex] = movedSet;
        s.memberships[movedSet][msg.sender].setIndex = uint8(setIndex);
        sets_.pop();
        // the jail term outlives the membership: leaving and re-joining does not clear it
        s.memberships[setId][msg.sender] = Membership({
            member: false,
            index: 0,
            setIndex: 0,
            leaveAt: 0,
            jailedUntil: m.jailedUntil
        });
        emit Left(setId, msg.sender);
    }

    // ================================================================= stake leaving

    /// @inheritdoc IOperatorSets
    function onStakeDecreased(address operator, uint256 activeValue) external returns (uint256 allocated) {
        SetsStorage storage s = _s();
        if (msg.sender != address(s.registry)) revert SetsNotRegistry(msg.sender);
        return _reduce(s, operator, activeValue);
    }

    /// @inheritdoc IOperatorSets
    function slashAllocation(
        address operator,
        uint256 setId,
        uint256 bps,
        uint256 since,
        uint256 maxValue
    ) external returns (uint256 value, uint256 allocated) {
        SetsStorage storage s = _s();
        if (msg.sender != address(s.registry)) revert SetsNotRegistry(msg.sender);
        Allocation memory a = s.allocations[setId][operator];
        // bps <= 10,000 (the slashing manager caps it), so each cut is at most what it is cut from
        // at most maxValue in all, taken from the allocation first
        uint256 fromAllocated = Math.min((uint256(a.allocated) * bps) / BPS, maxValue);
        uint256 fromPending = a.freeAt > since ? (uint256(a.pendingFree) * bps) / BPS : 0;
        fromPending = Math.min(fromPending, maxValue - fromAllocated);
        OperatorTotals memory t = s.totals[operator];
        value = fromAllocated + fromPending;
        allocated = t.allocated - fromAllocated;
        if (value == 0) return (0, allocated);
        a.allocated -= uint104(fromAllocated);
        a.pendingFree -= uint104(fromPending);
        s.totals[operator] = OperatorTotals({allocated: uint128(allocated), encumbered: uint128(t.encumbered - value)});
        emit AllocationSlashed(setId, operator, fromAllocated, fromPending);
        _store(s, setId, operator, a);
    }

    /// @inheritdoc IOperatorSets
    function syncAllocations(address operator) external {
        SetsStorage storage s = _s();
        IRestakingRegistry registry_ = s.registry;
        uint256 before = s.totals[operator].allocated;
        uint256 allocated = _reduce(s, operator, registry_.operatorStake(operator));
        if (allocated != before) registry_.setAllocated(operator, allocated);
    }

    // ================================================================= views

    /// @inheritdoc IOperatorSets
    function registry() external view returns (address) {
        return address(_s().registry);
    }

    /// @inheritdoc IOperatorSets
    function epochLength() external view returns (uint256) {
        return _s().epochLength;
    }

    /// @inheritdoc IOperatorSets
    function epochStart(uint256 epoch) external view returns (uint256) {
        SetsStorage storage s = _s();
        return EpochClock.epochStart(s.genesis, s.epochLength, epoch);
    }

    /// @inheritdoc IOperatorSets
    function currentEpoch() public view returns (uint256) {
        return epochAt(block.timestamp);
    }

    /// @inheritdoc IOperatorSets
    function epochAt(uint256 timestamp) public view returns (uint256) {
        SetsStorage storage s = _s();
        return EpochClock.epochAt(s.genesis, s.epochLength, timestamp);
    }

    /// @inheritdoc IOperatorSets
    function isService(address account) external view returns (bool) {
        return _s().services[account];
    }

    /// @inheritdoc IOperatorSets
    function setIdOf(address service, bytes32 key) public pure returns (uint256) {
        return uint256(keccak256(abi.encode(service, key)));
    }

    /// @inheritdoc IOperatorSets
    function listenerOf(uint256 setId) external view returns (address) {
        return _s().listeners[setId];
    }

    /// @inheritdoc IOperatorSets
    function setConfig(uint256 setId) external view returns (SetConfig memory) {
        return _set(setId);
    }

    /// @inheritdoc IOperatorSets
    function members(uint256 setId) external view returns (address[] memory) {
        return _s().members[setId];
    }

    /// @inheritdoc IOperatorSets
    function membership(uint256 setId, address operator) external view returns (Membership memory) {
        return _s().memberships[setId][operator];
    }

    /// @inheritdoc IOperatorSets
    function allocation(uint256 setId, address operator) external view returns (Allocation memory) {
        return _s().allocations[setId][operator];
    }

    /// @inheritdoc IOperatorSets
    function allocationAt(uint256 setId, address operator, uint256 epoch) external view returns (uint256) {
        return _s().allocationHistory[setId][operator].valueAt(epoch);
    }

    /// @inheritdoc IOperatorSets
    function setStakeAt(uint256 setId, uint256 epoch) external view returns (uint256) {
        return _s().stakeHistory[setId].valueAt(epoch);
    }

    /// @inheritdoc IOperatorSets
    function currentSetStake(uint256 setId) external view returns (uint256 epoch, uint256 stake) {
        _set(setId);
        epoch = currentEpoch();
        stake = _s().stakeHistory[setId].valueAt(epoch);
    }

    /// @inheritdoc IOperatorSets
    function slashTarget(uint256 setId, address operator) external view returns (address service, uint256 stake) {
        SetsStorage storage s = _s();
        service = _set(setId).service;
        if (!s.services[service]) service = address(0);
        Allocation memory a = s.allocations[setId][operator];
        stake = a.allocated;
        if (a.freeAt > block.timestamp) stake += a.pendingFree;
    }

    /// @inheritdoc IOperatorSets
    function setsOf(address operator) external view returns (uint256[] memory) {
        return _s().setList[operator];
    }

    /// @inheritdoc IOperatorSets
    function allocatedOf(address operator) external view returns (uint256 allocated, uint256 encumbered) {
        OperatorTotals memory t = _s().totals[operator];
        return (t.allocated, t.encumbered);
    }

    /// @inheritdoc IOperatorSets
    function freeStake(address operator) external view returns (uint256) {
        SetsStorage storage s = _s();
        return _free(s, operator, s.totals[operator].encumbered);
    }

    /// @inheritdoc IOperatorSets
    function churnMarginBps() external view returns (uint256) {
        return _s().churnMarginBps;
    }

    /// @inheritdoc IOperatorSets
    function isLive(uint256 setId, uint256 epoch) external view returns (bool) {
        return liveStakeAt(setId, epoch) != 0;
    }

    /// @inheritdoc IOperatorSets
    function liveStakeAt(uint256 setId, uint256 epoch) public view returns (uint256) {
        _set(setId);
        SetsStorage storage s = _s();
        uint256 stake = s.stakeHistory[setId].valueAt(epoch);
        uint256 minimums = s.livenessHistory[setId].valueAt(epoch);
        // a set with no stake decides nothing, whatever its minimums say
        bool live =
            stake != 0 &&
                stake >= minimums & MAX_MIN_TOTAL_STAKE &&
                s.countHistory[setId].valueAt(epoch) >= minimums >> 192;
        return live ? stake : 0;
    }

    /// @inheritdoc IOperatorSets
    function livenessAt(
        uint256 setId,
        uint256 epoch
    ) external view returns (uint256 minMembers, uint256 minTotalStake) {
        uint256 minimums = _s().livenessHistory[setId].valueAt(epoch);
        return (minimums >> 192, minimums & MAX_MIN_TOTAL_STAKE);
    }

    /// @inheritdoc IOperatorSets
    function memberCountAt(uint256 setId, uint256 epoch) external view returns (uint256) {
        return _s().countHistory[setId].valueAt(epoch);
    }

    /// @inheritdoc IOperatorSets
    function allocationsAt(
        uint256 setId,
        address[] calldata operators,
        uint256 epoch
    ) external view returns (uint256[] memory stakes) {
        mapping(address => Checkpoints.Trace208) storage history = _s().allocationHistory[setId];
        uint256 count = operators.length;
        stakes = new uint256[](count);
        for (uint256 i; i < count; ++i) stakes[i] = history[operators[i]].valueAt(epoch);
    }

    /// @inheritdoc IOperatorSets
    function allocationWindow(
        uint256 setId,
        address operator,
        uint256 from,
        uint256 until,
        uint256 max
    ) external view returns (uint256 start, uint48[] memory keys, uint208[] memory values) {
        return _s().allocationHistory[setId][operator].window(from, until, max);
    }

    /// @inheritdoc IOperatorSets
    function drawAt(uint256 setId, uint256 epoch, uint256 random) external view returns (address) {
        SetsStorage storage s = _s();
        uint48 key = CheckpointWindow.key(epoch);
        if (!s.sets[setId].drawable) revert SetsNotDrawable(setId);
        uint256 total = s.stakeHistory[setId].upperLookupRecent(key);
        if (total == 0) return address(0);
        uint256 target = random % total;
        DrawIndex storage d = s.drawIndex[setId];
        mapping(address => Checkpoints.Trace208) storage allocations = s.allocationHistory[setId];
        for (uint256 first; first < MAX_SET_SIZE; first += BUCKET) {
            uint256 inBucket = d.buckets[first / BUCKET].upperLookupRecent(key);
            if (target >= inBucket) {
                target -= inBucket;
                continue;
            }
            for (uint256 position = first; position < first + BUCKET; ++position) {
                address operator = address(uint160(d.operators[position].upperLookupRecent(key)));
                if (operator == address(0)) continue;
                uint256 allocated = allocations[operator].upperLookupRecent(key);
                if (target < allocated) return operator;
                target -= allocated;
            }
        }
        // unreachable: the buckets' totals sum to the set's stake in every epoch
        return address(0);
    }

    // ================================================================= internals

    /// @dev Adds the caller to `setId` (room checked by the caller) with `amount` allocated. An operator that left the
    ///      set and has not completed leaving re-joins in place: its pending deallocation stays pending.
    function _join(SetsStorage storage s, uint256 setId, SetConfig storage config, uint256 amount) private {
        Membership storage m = s.memberships[setId][msg.sender];
        if (m.member) revert SetsAlreadyMember(setId, msg.sender);
        if (block.timestamp < m.jailedUntil) revert SetsJailed(setId, msg.sender, m.jailedUntil);
        IRestakingRegistry registry_ = s.registry;
        if (!registry_.isOperator(msg.sender)) revert SetsNotOperator(msg.sender);
        if (registry_.isJailed(msg.sender)) revert SetsOperatorJailed(msg.sender);
        if (amount < config.minStake) revert SetsStakeTooLow(amount, config.minStake);
        address[] storage list = s.members[setId];
        uint256 setIndex = m.setIndex;
        if (m.leaveAt == 0) {
            uint256[] storage sets_ = s.setList[msg.sender];
            if (sets_.length == MAX_SETS_PER_OPERATOR) revert SetsTooManySets(msg.sender, MAX_SETS_PER_OPERATOR);
            setIndex = sets_.length;
            sets_.push(setId);
        }
        // list.length < maxSize <= 256 and setIndex < 64: both indexes fit
        s.memberships[setId][msg.sender] = Membership({
            member: true,
            index: uint16(list.length),
            setIndex: uint8(setIndex),
            leaveAt: 0,
            jailedUntil: m.jailedUntil
        });
        list.push(msg.sender);
        emit Joined(setId, msg.sender);
        _allocate(s, setId, msg.sender, amount);
    }

    /// @dev Takes `operator` out of the member list at once (its place is free) and deallocates everything; the set
    ///      stays among its sets, slashable, until `completeLeave` after the withdrawal delay.
    function _exit(SetsStorage storage s, uint256 setId, address operator) private {
        // an older deallocation already free is freed, not re-locked under the new one's delay
        _release(s, setId, operator);
        Membership storage m = s.memberships[setId][operator];
        address[] storage list = s.members[setId];
        uint256 index = m.index;
        address moved = list[list.length - 1];
        list[index] = moved;
        s.memberships[setId][moved].index = uint16(index);
        list.pop();
        _allocate(s, setId, operator, 0);
        // complete once everything deallocated from the set is free (at once if nothing is)
        uint48 leaveAt = uint48(Math.max(s.allocations[setId][operator].freeAt, block.timestamp));
        m.member = false;
        m.index = 0;
        m.leaveAt = leaveAt;
        emit LeaveRequested(setId, operator, leaveAt);
    }

    /// @dev Sets `operator`'s allocation to `setId` to `amount`: an increase takes free stake, a decrease becomes a
    ///      pending deallocation (slashable, still held) until the registry's withdrawal delay passes.
    function _allocate(SetsStorage storage s, uint256 setId, address operator, uint256 amount) private {
        if (amount > type(uint104).max) revert SetsAllocationTooLarge(amount);
        Allocation memory a = s.allocations[setId][operator];
        OperatorTotals memory t = s.totals[operator];
        if (amount > a.allocated) {
            uint256 increase = amount - a.allocated;
            uint256 stake = s.registry.operatorStake(operator);
            // its own pending deallocation from this set comes back first: still held (and slashable), it needs no free
            // stake — so a member replaced or removed can return at once with what it had there
            uint256 back = Math.min(increase, a.pendingFree);
            uint256 free = stake > t.encumbered ? stake - t.encumbered : 0;
            if (increase - back > free) revert SetsInsufficientFreeStake(operator, increase - back, free);
            // never more allocated than the active stake (what stake leaving deallocated comes back only with stake)
            uint256 room = stake > t.allocated ? stake - t.allocated : 0;
            if (increase > room) revert SetsInsufficientFreeStake(operator, increase, room);
            a.pendingFree -= uint104(back);
            if (a.pendingFree == 0) a.freeAt = 0;
            // encumbered <= stake, which the registry keeps below 2^128
            t.allocated += uint128(increase);
            t.encumbered += uint128(increase - back);
        } else if (amount < a.allocated) {
            uint256 decrease = a.allocated - amount;
            t.allocated -= uint128(decrease);
            a.pendingFree += uint104(decrease); // pendingFree + allocated <= 2^104 - 1 stays true
            a.freeAt = uint48(block.timestamp + s.registry.withdrawalDelay());
        } else {
            return;
        }
        a.allocated = uint104(amount);
        s.totals[operator] = t;
        s.registry.setAllocated(operator, t.allocated);
        _store(s, setId, operator, a);
    }

    /// @dev `operator`'s stake less `encumbered` (zero if below).
    function _free(SetsStorage storage s, address operator, uint256 encumbered) private view returns (uint256) {
        uint256 stake = s.registry.operatorStake(operator);
        return stake > encumbered ? stake - encumbered : 0;
    }

    /// @dev Frees `operator`'s deallocation from `setId` once due, unless a pending slash request may still take from
    ///      it; returns whether nothing stays pending.
    function _release(SetsStorage storage s, uint256 setId, address operator) private returns (bool released) {
        Allocation storage a = s.allocations[setId][operator];
        uint256 pending = a.pendingFree;
        if (pending == 0) return true;
        if (block.timestamp < a.freeAt || s.registry.isJailed(operator)) return false;
        s.totals[operator].encumbered -= uint128(pending);
        a.pendingFree = 0;
        a.freeAt = 0;
        emit AllocationUpdated(setId, operator, a.allocated, 0, 0, currentEpoch() + 1);
        return true;
    }

    /// @dev If `operator`'s allocations exceed `activeValue`, deallocates the excess from each set pro rata (each cut
    ///      rounded up, so the allocations end at or below `activeValue`); returns the allocations' new sum.
    function _reduce(SetsStorage storage s, address operator, uint256 activeValue) private returns (uint256) {
        OperatorTotals memory t = s.totals[operator];
        if (t.allocated <= activeValue) return t.allocated;
        Shrink memory k = Shrink({
            excess: t.allocated - activeValue,
            total: t.allocated,
            freeAt: uint48(block.timestamp + s.registry.withdrawalDelay()),
            // an older deallocation already free is freed, not re-locked under the new one's delay (unless a pending
            // slash request may still take from it)
            release: !s.registry.isJailed(operator),
            reduced: 0,
            freed: 0
        });
        uint256[] storage sets_ = s.setList[operator];
        uint256 count = sets_.length; // <= MAX_SETS_PER_OPERATOR
        for (uint256 i; i < count; ++i) _shrink(s, sets_[i], operator, k);
        uint256 allocated = t.allocated - k.reduced;
        s.totals[operator] = OperatorTotals({
            allocated: uint128(allocated),
            encumbered: uint128(t.encumbered - k.freed)
        });
        emit AllocationsReduced(operator, k.reduced);
        return allocated;
    }

    /// @dev `_reduce`'s cut of `operator`'s allocation to `setId`: its share (rounded up) of `k.excess` over `k.total`,
    ///      into the pending deallocation (free from `k.freeAt`), after freeing an older deallocation already due.
    function _shrink(SetsStorage storage s, uint256 setId, address operator, Shrink memory k) private {
        Allocation memory a = s.allocations[setId][operator];
        if (a.allocated == 0) return;
        if (k.release && a.pendingFree != 0 && a.freeAt <= block.timestamp) {
            k.freed += a.pendingFree;
            a.pendingFree = 0;
        }
        uint256 cut = Math.min(Math.mulDiv(a.allocated, k.excess, k.total, Math.Rounding.Ceil), a.allocated);
        a.allocated -= uint104(cut);
        a.pendingFree += uint104(cut);
        if (k.freeAt > a.freeAt || a.pendingFree == cut) a.freeAt = k.freeAt;
        k.reduced += cut;
        _store(s, setId, operator, a);
    }

    /// @dev Stores `a` and checkpoints what counts from the next epoch: the member's allocation and the set's total.
    function _store(SetsStorage storage s, uint256 setId, address operator, Allocation memory a) private {
        s.allocations[setId][operator] = a;
        uint48 key = uint48(currentEpoch() + 1);
        Checkpoints.Trace208 storage own = s.allocationHistory[setId][operator];
        uint256 previous = own.latest();
        if (previous != a.allocated) {
            own.push(key, a.allocated);
            Checkpoints.Trace208 storage total = s.stakeHistory[setId];
            // the total is the sum of its members' latest allocations, each below 2^104
            total.push(key, uint208(total.latest() + a.allocated - previous));
            // the count of operators with stake in the set changes when an allocation starts or ends (only then does
            // the draw index need it)
            uint256 counted;
            SetConfig storage config = s.sets[setId];
            if (previous == 0 || a.allocated == 0) {
                Checkpoints.Trace208 storage count = s.countHistory[setId];
                counted = previous == 0 ? count.latest() + 1 : count.latest() - 1;
                count.push(key, uint208(counted));
                if (config.notifies) {
                    ISetListener(s.listeners[setId]).onCountedChanged(setId, operator, previous == 0, key);
                }
            }
            if (config.drawable) _index(s, setId, operator, previous, a.allocated, counted, key);
        }
        emit AllocationUpdated(setId, operator, a.allocated, a.pendingFree, a.freeAt, key);
    }

    /// @dev Moves `operator` in the set's draw index from `previous` to `current` (they differ), `counted` operators
    ///      having an allocation after the change: a new one takes the next position, one that leaves gives its
    ///      position to the last one, and the buckets' totals follow; all keyed `key`, like the allocation.
    function _index(
        SetsStorage storage s,
        uint256 setId,
        address operator,
        uint256 previous,
        uint256 current,
        uint256 counted,
        uint48 key
    ) private {
        DrawIndex storage d = s.drawIndex[setId];
        if (previous == 0) {
            uint256 position = counted - 1;
            d.positionPlusOne[operator] = counted;
            d.operators[position].push(key, uint160(operator));
            _bucket(d, position, current, true, key);
            return;
        }
        uint256 at = d.positionPlusOne[operator] - 1;
        if (current != 0) {
            if (current > previous) _bucket(d, at, current - previous, true, key);
            else _bucket(d, at, previous - current, false, key);
            return;
        }
        // the last position moves into the freed one (`counted` is the last position's index now)
        delete d.positionPlusOne[operator];
        _bucket(d, at, previous, false, key);
        if (at != counted) {
            address moved = address(uint160(d.operators[counted].latest()));
            uint256 movedAllocation = s.allocationHistory[setId][moved].latest();
            d.operators[at].push(key, uint160(moved));
            d.positionPlusOne[moved] = at + 1;
            if (at / BUCKET != counted / BUCKET) {
                _bucket(d, counted, movedAllocation, false, key);
                _bucket(d, at, movedAllocation, true, key);
            }
        }
        d.operators[counted].push(key, 0);
    }

    /// @dev Adds `amount` to (or takes it from) the total of `position`'s bucket, keyed `key`.
    function _bucket(DrawIndex storage d, uint256 position, uint256 amount, bool add, uint48 key) private {
        Checkpoints.Trace208 storage bucket = d.buckets[position / BUCKET];
        uint256 total = bucket.latest();
        // a bucket's total is a sum of allocations below 2^104 each
        bucket.push(key, uint208(add ? total + amount : total - amount));
    }

    function _set(uint256 setId) private view returns (SetConfig storage config) {
        config = _s().sets[setId];
        if (!config.exists) revert SetsUnknownSet(setId);
    }

    /// @dev A set of the calling service, which governance has not removed: a removed service keeps no power.
    function _ownSet(uint256 setId) private view returns (SetConfig storage config) {
        config = _set(setId);
        if (config.service != msg.sender) revert SetsNotSetService(setId, msg.sender);
        if (!_s().services[msg.sender]) revert SetsNotService(msg.sender);
    }

    function _member(uint256 setId, address operator) private view returns (SetConfig storage config) {
        config = _set(setId);
        if (!_s().memberships[setId][operator].member) revert SetsNotMember(setId, operator);
    }

    function _setChurnMargin(uint16 bps) private {
        if (bps > BPS) revert SetsInvalidParameter();
        _s().churnMarginBps = bps;
        emit ChurnMarginUpdated(bps);
    }

    function _checkSize(uint16 maxSize) private pure {
        if (maxSize == 0 || maxSize > MAX_SET_SIZE) revert SetsInvalidSize(maxSize);
    }
}
