// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// DRAFT (issue 6, not yet tested or deployed): SQUAD decentralised sequencing.

import {OwnedUpgradeable} from "../libraries/OwnedUpgradeable.sol";
import {IOperatorSets} from "../interfaces/IOperatorSets.sol";
import {IRollup} from "../interfaces/IRollup.sol";
import {IRollupFactory} from "../interfaces/IRollupFactory.sol";

/// @title SquadService
/// @notice Sequencing for rollups that chose SQUAD: time is cut into slots; each slot has one leader, drawn
///         stake-weighted from the rollup set's latest snapshot with the seed fixed when that snapshot was taken (never
///         from data a leader controls). Only the leader posts in its slot; after a grace period any snapshot member
///         may (liveness). Slots left empty count against their leaders, who are jailed in the set after `maxMisses`.
/// @dev Storage: ERC-7201 `alt.storage.SquadService`.
contract SquadService is OwnedUpgradeable {
    error SquadNotRollup(address rollup);
    error SquadNotEnabled(address rollup);
    error SquadNotLeader(address caller, address leader);
    error SquadNotMember(address caller);
    error SquadSlotTaken(uint256 slot);
    error SquadEmptySnapshot(uint256 setId);
    error SquadInvalidParameter();

    event BatchPosted(address indexed rollup, uint256 indexed slot, address indexed poster, bool byLeader);
    event SlotMissed(address indexed rollup, uint256 indexed slot, address indexed leader, uint256 misses);
    event ParametersSet(uint48 slotLength, uint48 gracePeriod, uint16 maxMisses, uint48 jailTime);

    /// @notice Slots checked for misses per post: a bound on the work of one call.
    uint256 public constant MAX_MISSES_PER_POST = 32;

    /// @custom:storage-location erc7201:alt.storage.SquadService
    struct SquadStorage {
        IRollupFactory factory;
        IOperatorSets sets;
        // slotLength (48) | gracePeriod (48) | maxMisses (16) | jailTime (48)
        uint48 slotLength;
        uint48 gracePeriod;
        uint16 maxMisses;
        uint48 jailTime;
        mapping(address rollup => uint256) lastPostedSlot;
        mapping(address rollup => mapping(address operator => uint256)) misses;
    }

    // keccak256(abi.encode(uint256(keccak256("alt.storage.SquadService")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x8ba00c39526655cd435414a815f75c09ca09c9af2e9b82db86d4092a2a01a700;

    function _s() private pure returns (SquadStorage storage s) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            s.slot := STORAGE_SLOT
        }
    }

    function initialize(
        address owner_,
        IRollupFactory factory_,
        IOperatorSets sets_,
        uint48 slotLength_,
        uint48 gracePeriod_,
        uint16 maxMisses_,
        uint48 jailTime_
    ) external initializer {
        __OwnedUpgradeable_init(owner_);
        SquadStorage storage s = _s();
        (s.factory, s.sets) = (factory_, sets_);
        _setParameters(slotLength_, gracePeriod_, maxMisses_, jailTime_);
    }

    function setParameters(
        uint48 slotLength_,
        uint48 gracePeriod_,
        uint16 maxMisses_,
        uint48 jailTime_
    ) external onlyOwner {
        _setParameters(slotLength_, gracePeriod_, maxMisses_, jailTime_);
    }

    function _setParameters(uint48 slotLength_, uint48 gracePeriod_, uint16 maxMisses_, uint48 jailTime_) private {
        if (slotLength_ == 0 || gracePeriod_ >= slotLength_ || maxMisses_ == 0) revert SquadInvalidParameter();
        SquadStorage storage s = _s();
        (s.slotLength, s.gracePeriod, s.maxMisses, s.jailTime) = (slotLength_, gracePeriod_, maxMisses_, jailTime_);
        emit ParametersSet(slotLength_, gracePeriod_, maxMisses_, jailTime_);
    }

    function setIdOf(address rollup) public view returns (uint256) {
        return _s().sets.setIdOf(address(this), bytes32(uint256(uint160(rollup))));
    }

    /// @notice Creates the SQUAD set of a factory rollup that chose SQUAD (anyone; once).
    function registerRollup(address rollup, uint256 minStake, uint16 maxSize) external returns (uint256) {
        _checkRollup(rollup);
        return _s().sets.createSet(bytes32(uint256(uint160(rollup))), minStake, maxSize);
    }

    function currentSlot() public view returns (uint256) {
        return block.timestamp / _s().slotLength;
    }

    /// @notice The leader of `slot`: stake-weighted from the latest snapshot of the rollup's set.
    function leaderAt(address rollup, uint256 slot) public view returns (address) {
        IOperatorSets sets = _s().sets;
        uint256 setId = setIdOf(rollup);
        (uint256 epoch, bool exists) = sets.latestSnapshotEpoch(setId);
        if (!exists) revert SquadEmptySnapshot(setId);
        IOperatorSets.SnapshotInfo memory info = sets.snapshotInfo(setId, epoch);
        if (info.totalStake == 0) revert SquadEmptySnapshot(setId);
        uint256 draw = uint256(keccak256(abi.encode(info.seed, rollup, slot))) % info.totalStake;
        (address[] memory operators, uint256[] memory stakes) = sets.snapshotEntries(setId, epoch);
        for (uint256 i; i < operators.length; ++i) {
            if (draw < stakes[i]) return operators[i];
            draw -= stakes[i];
        }
        return operators[operators.length - 1]; // unreachable: the draw is below the total
    }

    /// @notice Appends a batch to `rollup` in the current slot: the leader, or after the grace period any member.
    function postBatch(address rollup, bytes32 commitment, uint256 includeCount) external {
        SquadStorage storage s = _s();
        _checkRollup(rollup);
        uint256 slot = currentSlot();
        uint256 last = s.lastPostedSlot[rollup];
        if (last == slot && last != 0) revert SquadSlotTaken(slot);
        address leader = leaderAt(rollup, slot);
        bool byLeader = msg.sender == leader;
        if (!byLeader) {
            if (block.timestamp < slot * s.slotLength + s.gracePeriod) revert SquadNotLeader(msg.sender, leader);
            if (!_isMember(rollup, msg.sender)) revert SquadNotMember(msg.sender);
        }
        _countMisses(rollup, last, slot, byLeader ? slot : slot + 1, leader);
        s.lastPostedSlot[rollup] = slot;
        emit BatchPosted(rollup, slot, msg.sender, byLeader);
        IRollup(rollup).appendBatch(commitment, includeCount);
    }

    /// @dev Counts the leaders of the empty slots since the last post (at most MAX_MISSES_PER_POST of them), and this
    ///      slot's leader when someone else had to post for it; jails a leader at `maxMisses`.
    function _countMisses(address rollup, uint256 last, uint256 slot, uint256 end, address currentLeader) private {
        SquadStorage storage s = _s();
        uint256 start = last == 0 ? slot : last + 1;
        if (end > start + MAX_MISSES_PER_POST) start = end - MAX_MISSES_PER_POST;
        for (uint256 missed = start; missed < end; ++missed) {
            address leader = missed == slot ? currentLeader : leaderAt(rollup, missed);
            uint256 count = ++s.misses[rollup][leader];
            emit SlotMissed(rollup, missed, leader, count);
            if (count >= s.maxMisses) {
                s.misses[rollup][leader] = 0;
                s.sets.jail(setIdOf(rollup), leader, uint48(block.timestamp) + s.jailTime);
            }
        }
    }

    function _isMember(address rollup, address account) private view returns (bool) {
        IOperatorSets sets = _s().sets;
        uint256 setId = setIdOf(rollup);
        (uint256 epoch, ) = sets.latestSnapshotEpoch(setId);
        (address[] memory operators, ) = sets.snapshotEntries(setId, epoch);
        for (uint256 i; i < operators.length; ++i) if (operators[i] == account) return true;
        return false;
    }

    function misses(address rollup, address operator) external view returns (uint256) {
        return _s().misses[rollup][operator];
    }

    function _checkRollup(address rollup) private view {
        IRollupFactory factory = _s().factory;
        (bool ok, bytes memory data) = rollup.staticcall(abi.encodeWithSignature("chainId()"));
        if (!ok || data.length != 32 || factory.rollupByChainId(abi.decode(data, (uint64))) != rollup) {
            revert SquadNotRollup(rollup);
        }
        (, bytes memory services) = rollup.staticcall(abi.encodeWithSignature("services()"));
        if (abi.decode(services, (uint8)) & 4 == 0) revert SquadNotEnabled(rollup);
    }
}
