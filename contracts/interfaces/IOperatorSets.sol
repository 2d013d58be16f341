// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Operator sets
/// @notice One set per service per rollup, and the allocations that back them. An operator joins a set by allocating
///         part of its stake to it (at least the set's minimum); the sum of an operator's allocations never exceeds its
///         stake, so one stake is counted once (unique stake). Allocation changes are checkpointed by epoch and count
///         from the next epoch on; decreases (and leaving) stay slashable for the registry's withdrawal delay. Stake that
///         leaves the operator is taken from its unallocated stake first, then from every allocation pro rata.
///         What counted in an epoch — each operator's allocation, the set's total, how many operators, the liveness
///         minimums — is read from these checkpoints (O(log n) lookups, no per-epoch transaction), and so is a stake-weighted
///         draw over an epoch's allocations (`drawAt`, for SQUAD's leaders), from a draw index kept beside them.
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
    /// @notice Replacing a member is for full sets only: `join` has room.
    error SetsNotFull(uint256 setId);
    /// @notice A newcomer must allocate at least `needed` (the replaced member's allocation plus the churn margin).
    error SetsChurnTooSmall(uint256 amount, uint256 needed);
    /// @notice Only a member whose allocation fell below the set's minimum can be removed by others.
    error SetsStakeNotTooLow(uint256 allocated, uint256 minStake);
    /// @notice An allocation below the set's minimum stake.
    error SetsStakeTooLow(uint256 stake, uint256 minStake);
    /// @notice The operator's free stake (stake less what its allocations and pending deallocations hold) is `free`.
    error SetsInsufficientFreeStake(address operator, uint256 requested, uint256 free);
    /// @notice An operator can be a member of at most `max` sets.
    error SetsTooManySets(address operator, uint256 max);
    /// @notice Only the restaking registry may call this.
    error SetsNotRegistry(address caller);
    /// @notice An allocation above 2^104 - 1 wei.
    error SetsAllocationTooLarge(uint256 amount);
    /// @notice Jailed in this set until `until`.
    error SetsJailed(uint256 setId, address operator, uint256 until);
    /// @notice The operator has a pending slash request.
    error SetsOperatorJailed(address operator);
    error SetsLeaveNotRequested(uint256 setId, address operator);
    error SetsLeavePending(uint256 setId, address operator, uint256 leaveAt);
    error SetsInvalidParameter();
    /// @notice `drawAt` on a set that keeps no draw index.
    error SetsNotDrawable(uint256 setId);
    /// @notice Draws are enabled on a set before any allocation to it (the index must hold every allocation).
    error SetsDrawsTooLate(uint256 setId);
    /// @notice A listener is set before any allocation to the set, once.
    error SetsListenerTooLate(uint256 setId);

    /// @notice slot 0: service (160) | maxSize (16) | exists (8) | minMembers (16) | drawable (8); slot 1: minStake;
    ///         slot 2: minTotalStake. `drawable`: the set keeps a draw index (`enableDraws`), so `drawAt` works on it.
    ///         `notifies`: the set tells its listener (`setListener`) when an operator starts or stops counting. The set is live in an epoch (services decide on it) with at least `minMembers` operators
    ///         and `minTotalStake` counted (and never with no stake).
    struct SetConfig {
        address service;
        uint16 maxSize;
        bool exists;
        uint16 minMembers;
        bool drawable;
        bool notifies;
        uint256 minStake;
        uint256 minTotalStake;
    }

    /// @notice An operator's standing in one set. `member`: in the member list, at position `index`. `leaveAt`: it left
    ///         (or was replaced or removed) and completes leaving from then on; until then the set stays in its list of
    ///         sets, at position `setIndex`, and what it deallocated stays slashable.
    struct Membership {
        bool member;
        uint16 index;
        uint8 setIndex;
        uint48 leaveAt;
        uint48 jailedUntil;
    }

    /// @notice What an operator allocated to one set (ALT-equivalent wei). `allocated` counts in the set from the epoch
    ///         after its last change; `pendingFree` was deallocated: it no longer counts but stays slashable by the set
    ///         and held from other allocations until `freeAt`.
    struct Allocation {
        uint104 allocated;
        uint104 pendingFree;
        uint48 freeAt;
    }

    event ServiceUpdated(address indexed service, bool allowed);
    event SetCreated(uint256 indexed setId, address indexed service, bytes32 key, uint256 minStake, uint256 maxSize);
    /// @notice `setId` keeps a draw index from now on (`drawAt`).
    event DrawsEnabled(uint256 indexed setId);
    event ListenerSet(uint256 indexed setId, address indexed listener);
    event SetUpdated(uint256 indexed setId, uint256 minStake, uint256 maxSize);
    event Joined(uint256 indexed setId, address indexed operator);
    /// @notice `operator` left the member list (its place is free); it completes leaving from `leaveAt`.
    event LeaveRequested(uint256 indexed setId, address indexed operator, uint256 leaveAt);
    /// @notice `newcomer` replaced `replaced` in a full set (churn).
    event MemberReplaced(uint256 indexed setId, address indexed replaced, address indexed newcomer);
    /// @notice Anyone removed `operator`, whose allocation (`allocated`) fell below the set's minimum.
    event MemberRemoved(uint256 indexed setId, address indexed operator, uint256 allocated);
    event LivenessUpdated(uint256 indexed setId, uint256 minMembers, uint256 minTotalStake);
    event ChurnMarginUpdated(uint256 bps);
    event Left(uint256 indexed setId, address indexed operator);
    event MemberJailed(uint256 indexed setId, address indexed operator, uint256 until);
    /// @notice `operator`'s allocation to `setId` is now `allocated` (counted from epoch `effectiveEpoch`), with
    ///         `pendingFree` deallocated and slashable until `freeAt`.
    event AllocationUpdated(
        uint256 indexed setId,
        address indexed operator,
        uint256 allocated,
        uint256 pendingFree,
        uint256 freeAt,
        uint256 effectiveEpoch
    );
    /// @notice A slash took `fromAllocated` of `operator`'s allocation to `setId` and `fromPending` of its pending
    ///         deallocation from it.
    event AllocationSlashed(
        uint256 indexed setId,
        address indexed operator,
        uint256 fromAllocated,
        uint256 fromPending
    );
    /// @notice Stake left `operator` beyond its unallocated stake: its allocations shrank by `amount` in all, pro rata.
    event AllocationsReduced(address indexed operator, uint256 amount);

    // governance (owner)
    function setService(address service, bool allowed) external;
    /// @notice A newcomer replaces a member of a full set only by allocating at least (1 + bps / 10,000) times the
    ///         member's allocation (0–10,000 bps).
    function setChurnMargin(uint16 bps) external;

    // services
    /// @notice Creates the set `keccak256(abi.encode(msg.sender, key))`.
    function createSet(bytes32 key, uint256 minStake, uint16 maxSize) external returns (uint256 setId);
    /// @notice Makes the set keep a draw index, for `drawAt` (the set's service; before any allocation to the set,
    ///         else `SetsDrawsTooLate`). Only a service that draws from its sets needs it (SQUAD): keeping the index
    ///         costs each join, allocation change and slash of the set more gas.
    function enableDraws(uint256 setId) external;
    /// @notice Makes the set call `listener` (ISetListener) whenever an operator starts or stops counting in it (the
    ///         set's service; before any allocation to the set, once, else `SetsListenerTooLate`). MACH's sets tell the
    ///         BLS key registry, which keeps their aggregate public keys.
    function setListener(uint256 setId, address listener) external;
    /// @notice The set's listener (zero if none).
    function listenerOf(uint256 setId) external view returns (address);
    /// @notice Changes a set's minimum stake and size bound (a bound below the member count only stops joins).
    function updateSet(uint256 setId, uint256 minStake, uint16 maxSize) external;
    /// @notice The least members and stake the set needs to be live (`isLive`), from the next epoch on; the least stake
    ///         below 2^192.
    function setLiveness(uint256 setId, uint16 minMembers, uint256 minTotalStake) external;
    /// @notice Keeps `operator` (a member, or one that left and has not completed leaving) out of joins to the set (and
    ///         the services' eligibility checks) until `until`.
    function jail(uint256 setId, address operator, uint48 until) external;

    // operators
    /// @notice Joins `setId` with `amount` of the caller's free stake allocated to it (at least the set's minimum).
    function join(uint256 setId, uint256 amount) external;
    /// @notice Sets the caller's allocation to `setId` to `amount` (at least the set's minimum). An increase takes back
    ///         the caller's own pending deallocation from the set first (still held, it needs no free stake), then free
    ///         stake, never more than the active stake, and counts from the next epoch; a decrease stops counting from
    ///         the next epoch and stays slashable (and unavailable to other sets) for the registry's withdrawal delay.
    ///         Frees earlier decreases that are due.
    function allocate(uint256 setId, uint256 amount) external;
    /// @notice Joins a full set in place of member `replaced`, allocating at least its allocation plus the churn
    ///         margin (`SetsChurnTooSmall`). The replaced member leaves as by `requestLeave` (its allocation still counts in the
    ///         current epoch; the newcomer's counts from the next). Name the smallest member (`members` and `allocation` tell) to need the
    ///         least.
    function joinReplacing(uint256 setId, uint256 amount, address replaced) external;
    /// @notice Leaves the member list at once (its allocation counts no more from the next epoch, its place free) and deallocates everything;
    ///         `completeLeave` after the withdrawal delay frees it. Re-joining before that is allowed.
    function requestLeave(uint256 setId) external;
    /// @notice Anyone removes a member whose allocation fell below the set's minimum (after a slash or stake leaving);
    ///         it leaves as by `requestLeave`.
    function removeMember(uint256 setId, address operator) external;
    function completeLeave(uint256 setId) external;

    // restaking registry
    /// @notice `operator`'s active stake fell to `activeValue`: if its allocations exceed it, each shrinks pro rata
    ///         (the cut is deallocated: slashable until the withdrawal delay passes). Loops over the operator's sets.
    /// @return allocated the sum of the operator's allocations after it
    function onStakeDecreased(address operator, uint256 activeValue) external returns (uint256 allocated);
    /// @notice A slash request against `operator` for its service in `setId`, made at `since`, executes: takes `bps` of
    ///         its allocation to the set and of its deallocation from it still slashable at `since` (each rounded down),
    ///         at most `maxValue` in all, from the allocation first. Its other sets are not touched.
    /// @return value the ALT-equivalent stake the registry takes from the operator's pools
    /// @return allocated the sum of the operator's allocations after it
    function slashAllocation(
        address operator,
        uint256 setId,
        uint256 bps,
        uint256 since,
        uint256 maxValue
    ) external returns (uint256 value, uint256 allocated);

    // anyone
    /// @notice Shrinks `operator`'s allocations pro rata if they exceed its stake (after a governance weight change).
    function syncAllocations(address operator) external;

    // views
    function registry() external view returns (address);
    function epochLength() external view returns (uint256);
    function epochStart(uint256 epoch) external view returns (uint256);
    function currentEpoch() external view returns (uint256);
    /// @notice The epoch holding `timestamp` (0 before the first).
    function epochAt(uint256 timestamp) external view returns (uint256);
    /// @notice The most sets an operator can be a member of (bounds the loop of `onStakeDecreased`).
    function MAX_SETS_PER_OPERATOR() external view returns (uint256);
    function isService(address account) external view returns (bool);
    function setIdOf(address service, bytes32 key) external pure returns (uint256);
    function setConfig(uint256 setId) external view returns (SetConfig memory);
    function members(uint256 setId) external view returns (address[] memory);
    function membership(uint256 setId, address operator) external view returns (Membership memory);
    function allocation(uint256 setId, address operator) external view returns (Allocation memory);
    /// @notice What `operator`'s allocation to `setId` counted in `epoch`.
    function allocationAt(uint256 setId, address operator, uint256 epoch) external view returns (uint256);
    /// @notice The current epoch and the stake `setId` counts in it (`SetsUnknownSet` for an unknown set): one call for
    ///         a fee credit.
    function currentSetStake(uint256 setId) external view returns (uint256 epoch, uint256 stake);
    /// @notice The sum of the allocations that counted in `setId` in `epoch`.
    function setStakeAt(uint256 setId, uint256 epoch) external view returns (uint256);
    /// @notice The liveness minimums that counted in `setId` in `epoch` (zero before the service first set them).
    function livenessAt(uint256 setId, uint256 epoch) external view returns (uint256 minMembers, uint256 minTotalStake);
    /// @notice How many operators had a non-zero allocation counted in `setId` in `epoch`.
    function memberCountAt(uint256 setId, uint256 epoch) external view returns (uint256);
    /// @notice What each of `operators` had allocated to `setId` counted in `epoch` (one call for a certificate's
    ///         signers: O(log n) per operator, nothing per member of the set).
    function allocationsAt(
        uint256 setId,
        address[] calldata operators,
        uint256 epoch
    ) external view returns (uint256[] memory stakes);
    /// @notice Who may slash `operator` for `setId` and for how much: the set's service (zero once governance removed
    ///         it) and the operator's allocation to the set plus its deallocation from it not yet free.
    function slashTarget(uint256 setId, address operator) external view returns (address service, uint256 stake);
    /// @notice The sets `operator` is a member of.
    function setsOf(address operator) external view returns (uint256[] memory);
    /// @notice `operator`'s allocations in all (`allocated`) and with pending deallocations (`encumbered`).
    function allocatedOf(address operator) external view returns (uint256 allocated, uint256 encumbered);
    /// @notice Stake `operator` can still allocate: its stake less `encumbered` (zero if below).
    function freeStake(address operator) external view returns (uint256);
    /// @notice `operator`'s allocation to `setId` in force at epoch `from` and its changes keyed in (`from`, `until`),
    ///         at most `max` (a change counts from the epoch it is keyed at): what rewards settle over.
    function allocationWindow(
        uint256 setId,
        address operator,
        uint256 from,
        uint256 until,
        uint256 max
    ) external view returns (uint256 start, uint48[] memory keys, uint208[] memory values);
    function churnMarginBps() external view returns (uint256);
    /// @notice Whether the set counted some stake in `epoch`, at least `minTotalStake` of it, from at least `minMembers`
    ///         operators — the minimums that counted in that epoch (a change counts from the next epoch, like an
    ///         allocation): services decide nothing on a set that is not live, and no change rewrites a past or the
    ///         current epoch. Read from checkpoints.
    function isLive(uint256 setId, uint256 epoch) external view returns (bool);
    /// @notice The set's stake counted in `epoch` if it is live in it, else zero (`isLive` and `setStakeAt` in one).
    function liveStakeAt(uint256 setId, uint256 epoch) external view returns (uint256);
    /// @notice A stake-weighted draw over the allocations counted in `epoch`, from checkpoints (no snapshot): the
    ///         operator whose range holds `random % setStakeAt(setId, epoch)`, the operators in the set's draw-index
    ///         order (each one's chance is its share of the set's stake); zero when the set counted no stake;
    ///         `SetsNotDrawable` on a set that keeps no draw index (`enableDraws`). Reads at
    ///         most 16 bucket totals and 16 positions' operators and allocations.
    function drawAt(uint256 setId, uint256 epoch, uint256 random) external view returns (address);
}
