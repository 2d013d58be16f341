// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {OwnedUpgradeable} from "../libraries/OwnedUpgradeable.sol";
import {IOperatorSets} from "../interfaces/IOperatorSets.sol";
import {IRestakingRegistry} from "../interfaces/IRestakingRegistry.sol";

/// @title OperatorSets
/// @notice Operator sets and their epoch snapshots (UUPS proxy, ERC-7201 storage).
contract OperatorSets is IOperatorSets, OwnedUpgradeable {
    /// @notice Snapshot stakes are stored in whole units of 1e9 wei (1 gwei of ALT-equivalent), 96 bits beside the
    ///         operator's address in one slot per entry.
    uint256 public constant STAKE_UNIT = 1e9;
    /// @notice The largest set: a signer bitmap over snapshot indexes fits one uint256.
    uint256 public constant MAX_SET_SIZE = 256;
    uint256 private constant MAX_DELAY = 365 days;

    struct Snapshot {
        uint128 totalUnits;
        uint48 takenAt;
        uint16 size;
        bytes32 seed;
        // operator << 96 | cumulative stake in STAKE_UNITs of entries [0, i]: an entry's own stake is the difference
        // with the previous one, and a stake-weighted draw is a binary search
        uint256[] entries;
    }

    /// @custom:storage-location erc7201:alt.storage.OperatorSets
    struct SetsStorage {
        IRestakingRegistry registry;
        uint48 genesis;
        uint48 epochLength;
        uint48 leaveDelay;
        mapping(address service => bool) services;
        mapping(uint256 setId => SetConfig) sets;
        mapping(uint256 setId => address[]) members;
        mapping(uint256 setId => mapping(address operator => Membership)) memberships;
        mapping(uint256 setId => mapping(uint256 epoch => Snapshot)) snapshots;
        mapping(uint256 setId => uint256) latestEpochPlusOne;
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
    function initialize(
        address owner_,
        address registry_,
        uint48 epochLength_,
        uint48 leaveDelay_
    ) external initializer {
        if (registry_ == address(0) || epochLength_ == 0 || leaveDelay_ > MAX_DELAY) revert SetsInvalidParameter();
        __OwnedUpgradeable_init(owner_);
        SetsStorage storage s = _s();
        s.registry = IRestakingRegistry(registry_);
        s.genesis = uint48(block.timestamp);
        s.epochLength = epochLength_;
        s.leaveDelay = leaveDelay_;
        emit LeaveDelayUpdated(leaveDelay_);
    }

    // ================================================================= governance

    /// @inheritdoc IOperatorSets
    function setService(address service, bool allowed) external onlyOwner {
        if (service == address(0)) revert SetsInvalidParameter();
        _s().services[service] = allowed;
        emit ServiceUpdated(service, allowed);
    }

    /// @inheritdoc IOperatorSets
    function setLeaveDelay(uint48 leaveDelay_) external onlyOwner {
        if (leaveDelay_ > MAX_DELAY) revert SetsInvalidParameter();
        _s().leaveDelay = leaveDelay_;
        emit LeaveDelayUpdated(leaveDelay_);
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
        s.sets[setId] = SetConfig({service: msg.sender, maxSize: maxSize, exists: true, minStake: minStake});
        emit SetCreated(setId, msg.sender, key, minStake, maxSize);
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
    function jail(uint256 setId, address operator, uint48 until) external {
        _ownSet(setId);
        Membership storage m = _s().memberships[setId][operator];
        if (!m.member) revert SetsNotMember(setId, operator);
        if (until > m.jailedUntil) m.jailedUntil = until;
        emit MemberJailed(setId, operator, m.jailedUntil);
    }

    // ================================================================= operators

    /// @inheritdoc IOperatorSets
    function join(uint256 setId) external {
        SetsStorage storage s = _s();
        SetConfig storage config = _set(setId);
        Membership storage m = s.memberships[setId][msg.sender];
        if (m.member) revert SetsAlreadyMember(setId, msg.sender);
        if (block.timestamp < m.jailedUntil) revert SetsJailed(setId, msg.sender, m.jailedUntil);
        IRestakingRegistry registry_ = s.registry;
        if (!registry_.isOperator(msg.sender)) revert SetsNotOperator(msg.sender);
        if (registry_.isJailed(msg.sender)) revert SetsOperatorJailed(msg.sender);
        uint256 stake = registry_.operatorStake(msg.sender);
        if (stake < config.minStake) revert SetsStakeTooLow(stake, config.minStake);
        address[] storage list = s.members[setId];
        if (list.length >= config.maxSize) revert SetsFull(setId, config.maxSize);
        // length < maxSize <= 256, so the index fits 16 bits
        s.memberships[setId][msg.sender] = Membership({
            member: true,
            index: uint16(list.length),
            leaveAt: 0,
            jailedUntil: m.jailedUntil
        });
        list.push(msg.sender);
        emit Joined(setId, msg.sender);
    }

    /// @inheritdoc IOperatorSets
    function requestLeave(uint256 setId) external {
        Membership storage m = _member(setId, msg.sender);
        if (m.leaveAt != 0) revert SetsLeavePending(setId, msg.sender, m.leaveAt);
        uint48 leaveAt = uint48(block.timestamp) + _s().leaveDelay;
        m.leaveAt = leaveAt;
        emit LeaveRequested(setId, msg.sender, leaveAt);
    }

    /// @inheritdoc IOperatorSets
    function completeLeave(uint256 setId) external {
        SetsStorage storage s = _s();
        Membership storage m = _member(setId, msg.sender);
        if (m.leaveAt == 0) revert SetsLeaveNotRequested(setId, msg.sender);
        if (block.timestamp < m.leaveAt) revert SetsLeavePending(setId, msg.sender, m.leaveAt);
        address[] storage list = s.members[setId];
        uint256 index = m.index;
        address moved = list[list.length - 1];
        list[index] = moved;
        s.memberships[setId][moved].index = uint16(index);
        list.pop();
        // the jail term outlives the membership: leaving and re-joining does not clear it
        s.memberships[setId][msg.sender] = Membership({
            member: false,
            index: 0,
            leaveAt: 0,
            jailedUntil: m.jailedUntil
        });
        emit Left(setId, msg.sender);
    }

    // ================================================================= snapshots

    /// @inheritdoc IOperatorSets
    function snapshot(uint256 setId) external returns (uint256 epoch) {
        SetsStorage storage s = _s();
        SetConfig storage config = _set(setId);
        epoch = currentEpoch();
        Snapshot storage snap = s.snapshots[setId][epoch];
        if (snap.takenAt != 0) revert SetsSnapshotTaken(setId, epoch);

        IRestakingRegistry registry_ = s.registry;
        uint256 minStake = config.minStake;
        address[] storage list = s.members[setId];
        uint256 count = list.length; // <= 256
        uint256 totalUnits;
        for (uint256 i; i < count; ++i) {
            address operator = list[i];
            Membership storage m = s.memberships[setId][operator];
            if (m.leaveAt != 0 || block.timestamp < m.jailedUntil) continue;
            if (registry_.isJailed(operator)) continue;
            uint256 stake = registry_.operatorStake(operator);
            if (stake < minStake) continue;
            uint256 units = stake / STAKE_UNIT;
            // the running total stays below 2^96 units (~7.9e37 wei, beyond any real stake)
            uint256 room = type(uint96).max - totalUnits;
            if (units > room) units = room;
            if (units == 0) continue;
            totalUnits += units;
            snap.entries.push((uint256(uint160(operator)) << 96) | totalUnits);
        }
        bytes32 seed = keccak256(abi.encode(block.prevrandao, setId, epoch));
        snap.totalUnits = uint128(totalUnits); // < 2^96
        snap.takenAt = uint48(block.timestamp);
        snap.size = uint16(snap.entries.length);
        snap.seed = seed;
        s.latestEpochPlusOne[setId] = epoch + 1;
        emit SnapshotTaken(setId, epoch, snap.size, totalUnits * STAKE_UNIT, seed);
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
        return s.genesis + epoch * s.epochLength;
    }

    /// @inheritdoc IOperatorSets
    function currentEpoch() public view returns (uint256) {
        return epochAt(block.timestamp);
    }

    /// @inheritdoc IOperatorSets
    function epochAt(uint256 timestamp) public view returns (uint256) {
        SetsStorage storage s = _s();
        return timestamp < s.genesis ? 0 : (timestamp - s.genesis) / s.epochLength;
    }

    /// @inheritdoc IOperatorSets
    function leaveDelay() external view returns (uint256) {
        return _s().leaveDelay;
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
    function hasSnapshot(uint256 setId, uint256 epoch) external view returns (bool) {
        return _s().snapshots[setId][epoch].takenAt != 0;
    }

    /// @inheritdoc IOperatorSets
    function latestSnapshotEpoch(uint256 setId) external view returns (uint256 epoch, bool exists) {
        uint256 plusOne = _s().latestEpochPlusOne[setId];
        return plusOne == 0 ? (0, false) : (plusOne - 1, true);
    }

    /// @inheritdoc IOperatorSets
    function snapshotInfo(uint256 setId, uint256 epoch) external view returns (SnapshotInfo memory) {
        Snapshot storage snap = _snapshot(setId, epoch);
        return SnapshotInfo(uint256(snap.totalUnits) * STAKE_UNIT, snap.takenAt, snap.size, snap.seed);
    }

    /// @inheritdoc IOperatorSets
    function snapshotEntry(
        uint256 setId,
        uint256 epoch,
        uint256 index
    ) external view returns (address operator, uint256 stake) {
        uint256[] storage entries = _snapshot(setId, epoch).entries;
        if (index >= entries.length) revert SetsIndexOutOfRange(index, entries.length);
        uint256 entry = entries[index];
        return (_operatorOf(entry), _units(entry, index == 0 ? 0 : entries[index - 1]) * STAKE_UNIT);
    }

    /// @inheritdoc IOperatorSets
    function snapshotEntries(
        uint256 setId,
        uint256 epoch
    ) external view returns (address[] memory operators, uint256[] memory stakes) {
        uint256[] storage entries = _snapshot(setId, epoch).entries;
        uint256 count = entries.length;
        operators = new address[](count);
        stakes = new uint256[](count);
        uint256 previous;
        for (uint256 i; i < count; ++i) {
            uint256 entry = entries[i];
            operators[i] = _operatorOf(entry);
            stakes[i] = _units(entry, previous) * STAKE_UNIT;
            previous = entry;
        }
    }

    /// @inheritdoc IOperatorSets
    function snapshotSubset(
        uint256 setId,
        uint256 epoch,
        uint256 bitmap
    ) external view returns (address[] memory operators, uint256 stake) {
        uint256[] storage entries = _snapshot(setId, epoch).entries;
        uint256 count = entries.length;
        if (count < MAX_SET_SIZE && bitmap >> count != 0) revert SetsIndexOutOfRange(_highestBit(bitmap), count);
        operators = new address[](_popCount(bitmap));
        uint256 units;
        uint256 found;
        uint256 previous; // the entry before index i, read when i - 1 was not in the bitmap
        bool previousRead = true;
        for (uint256 i; bitmap != 0; ++i) {
            if (bitmap & 1 == 0) {
                previousRead = false;
            } else {
                if (!previousRead) previous = entries[i - 1];
                uint256 entry = entries[i];
                operators[found++] = _operatorOf(entry);
                units += _units(entry, previous);
                previous = entry;
                previousRead = true;
            }
            bitmap >>= 1;
        }
        stake = units * STAKE_UNIT;
    }

    /// @inheritdoc IOperatorSets
    function snapshotPick(
        uint256 setId,
        uint256 epoch,
        uint256 random
    ) external view returns (uint256 index, address operator) {
        Snapshot storage snap = _snapshot(setId, epoch);
        uint256 total = snap.totalUnits;
        if (total == 0) revert SetsEmptySnapshot(setId, epoch);
        uint256 target = random % total;
        uint256[] storage entries = snap.entries;
        // the first entry whose cumulative stake passes the target
        uint256 low;
        uint256 high = entries.length - 1;
        while (low < high) {
            uint256 mid = (low + high) >> 1;
            if (entries[mid] & type(uint96).max > target) high = mid;
            else low = mid + 1;
        }
        return (low, _operatorOf(entries[low]));
    }

    // ================================================================= internals

    function _operatorOf(uint256 entry) private pure returns (address) {
        return address(uint160(entry >> 96));
    }

    /// @dev An entry's own stake units: its cumulative units less the previous entry's (zero for the first).
    function _units(uint256 entry, uint256 previous) private pure returns (uint256) {
        return (entry & type(uint96).max) - (previous & type(uint96).max);
    }

    function _popCount(uint256 bitmap) private pure returns (uint256 count) {
        for (; bitmap != 0; ++count) bitmap &= bitmap - 1;
    }

    function _highestBit(uint256 bitmap) private pure returns (uint256 bit) {
        while (bitmap >> (bit + 1) != 0) ++bit;
    }

    function _snapshot(uint256 setId, uint256 epoch) private view returns (Snapshot storage snap) {
        snap = _s().snapshots[setId][epoch];
        if (snap.takenAt == 0) revert SetsNoSnapshot(setId, epoch);
    }

    function _set(uint256 setId) private view returns (SetConfig storage config) {
        config = _s().sets[setId];
        if (!config.exists) revert SetsUnknownSet(setId);
    }

    function _ownSet(uint256 setId) private view returns (SetConfig storage config) {
        config = _set(setId);
        if (config.service != msg.sender) revert SetsNotSetService(setId, msg.sender);
    }

    function _member(uint256 setId, address operator) private view returns (Membership storage m) {
        _set(setId);
        m = _s().memberships[setId][operator];
        if (!m.member) revert SetsNotMember(setId, operator);
    }

    function _checkSize(uint16 maxSize) private pure {
        if (maxSize == 0 || maxSize > MAX_SET_SIZE) revert SetsInvalidSize(maxSize);
    }
}
