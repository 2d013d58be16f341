// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Operator sets
/// @notice One set per service per rollup. Operators join with a minimum stake, leave after a delay (slashable
///         meanwhile), and can be jailed by the set's service. Set stake is measured only in per-epoch snapshots taken by
///         a permissionless call, so stake changes never loop over sets and quorums use stake fixed before any vote.
///         A snapshot lists at most 256 members, so a signer bitmap over its indexes fits one word.
interface IOperatorSets {
    error SetsNotService(address caller);
    error SetsNotSetService(uint256 setId, address caller);
    error SetsUnknownSet(uint256 setId);
    error SetsExists(uint256 setId);
    /// @notice maxSize must be 1..256.
    error SetsInvalidSize(uint256 maxSize);
    error SetsNotOperator(address account);
    error SetsAlreadyMember(uint256 setId, address operator);
    error SetsNotMember(uint256 setId, address operator);
    error SetsFull(uint256 setId, uint256 maxSize);
    error SetsStakeTooLow(uint256 stake, uint256 minStake);
    /// @notice Jailed in this set until `until`.
    error SetsJailed(uint256 setId, address operator, uint256 until);
    /// @notice The operator has a pending slash request.
    error SetsOperatorJailed(address operator);
    error SetsLeaveNotRequested(uint256 setId, address operator);
    error SetsLeavePending(uint256 setId, address operator, uint256 leaveAt);
    error SetsSnapshotTaken(uint256 setId, uint256 epoch);
    error SetsNoSnapshot(uint256 setId, uint256 epoch);
    error SetsIndexOutOfRange(uint256 index, uint256 size);
    /// @notice The snapshot has no stake to draw from.
    error SetsEmptySnapshot(uint256 setId, uint256 epoch);
    error SetsInvalidParameter();

    /// @notice slot 0: service (160) | maxSize (16) | exists (8); slot 1: minStake.
    struct SetConfig {
        address service;
        uint16 maxSize;
        bool exists;
        uint256 minStake;
    }

    /// @notice An operator's standing in one set. `index` is its position in the member list.
    struct Membership {
        bool member;
        uint16 index;
        uint48 leaveAt;
        uint48 jailedUntil;
    }

    /// @notice A snapshot's header. `totalStake` is the sum of its entries' stakes (ALT-equivalent wei, in whole
    ///         STAKE_UNITs); `seed` is fixed when it was taken (for leader election).
    struct SnapshotInfo {
        uint256 totalStake;
        uint48 takenAt;
        uint16 size;
        bytes32 seed;
    }

    event ServiceUpdated(address indexed service, bool allowed);
    event LeaveDelayUpdated(uint256 leaveDelay);
    event SetCreated(uint256 indexed setId, address indexed service, bytes32 key, uint256 minStake, uint256 maxSize);
    event SetUpdated(uint256 indexed setId, uint256 minStake, uint256 maxSize);
    event Joined(uint256 indexed setId, address indexed operator);
    event LeaveRequested(uint256 indexed setId, address indexed operator, uint256 leaveAt);
    event Left(uint256 indexed setId, address indexed operator);
    event MemberJailed(uint256 indexed setId, address indexed operator, uint256 until);
    event SnapshotTaken(uint256 indexed setId, uint256 indexed epoch, uint256 size, uint256 totalStake, bytes32 seed);

    // governance (owner)
    function setService(address service, bool allowed) external;
    function setLeaveDelay(uint48 leaveDelay) external;

    // services
    /// @notice Creates the set `keccak256(abi.encode(msg.sender, key))`.
    function createSet(bytes32 key, uint256 minStake, uint16 maxSize) external returns (uint256 setId);
    /// @notice Changes a set's minimum stake and size bound (a bound below the member count only stops joins).
    function updateSet(uint256 setId, uint256 minStake, uint16 maxSize) external;
    /// @notice Keeps `operator` out of joins and snapshots of the set until `until`.
    function jail(uint256 setId, address operator, uint48 until) external;

    // operators
    function join(uint256 setId) external;
    function requestLeave(uint256 setId) external;
    function completeLeave(uint256 setId) external;

    // anyone
    /// @notice Records the current epoch's members and stakes: members not leaving, not jailed (in the set or by a
    ///         pending slash) and with at least the minimum stake. Once per set per epoch. Loops over <= 256 members.
    function snapshot(uint256 setId) external returns (uint256 epoch);

    // views
    function STAKE_UNIT() external view returns (uint256);
    function registry() external view returns (address);
    function epochLength() external view returns (uint256);
    function epochStart(uint256 epoch) external view returns (uint256);
    function currentEpoch() external view returns (uint256);
    /// @notice The epoch holding `timestamp` (0 before the first).
    function epochAt(uint256 timestamp) external view returns (uint256);
    function leaveDelay() external view returns (uint256);
    function isService(address account) external view returns (bool);
    function setIdOf(address service, bytes32 key) external pure returns (uint256);
    function setConfig(uint256 setId) external view returns (SetConfig memory);
    function members(uint256 setId) external view returns (address[] memory);
    function membership(uint256 setId, address operator) external view returns (Membership memory);
    function hasSnapshot(uint256 setId, uint256 epoch) external view returns (bool);
    function latestSnapshotEpoch(uint256 setId) external view returns (uint256 epoch, bool exists);
    function snapshotInfo(uint256 setId, uint256 epoch) external view returns (SnapshotInfo memory);
    /// @notice Entry `index` of a snapshot: the operator and its stake (ALT-equivalent wei).
    function snapshotEntry(
        uint256 setId,
        uint256 epoch,
        uint256 index
    ) external view returns (address operator, uint256 stake);
    function snapshotEntries(
        uint256 setId,
        uint256 epoch
    ) external view returns (address[] memory operators, uint256[] memory stakes);
    /// @notice The entries at the indexes set in `bitmap` (bit i = index i), in index order, and their summed stake.
    ///         Reads only those entries (and the one before each run), so a certificate costs per signer, not per member.
    function snapshotSubset(
        uint256 setId,
        uint256 epoch,
        uint256 bitmap
    ) external view returns (address[] memory operators, uint256 stake);
    /// @notice A stake-weighted draw: the entry whose stake range holds `random % total`, found by binary search over
    ///         cumulative stakes (each member's chance equals its share of the snapshot stake).
    function snapshotPick(
        uint256 setId,
        uint256 epoch,
        uint256 random
    ) external view returns (uint256 index, address operator);
}
