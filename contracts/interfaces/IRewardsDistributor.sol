// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IStakeObserver} from "./IStakeObserver.sol";

/// @title Rewards distributor
/// @notice Rollups pay service fees in ALT per operator set (one set per service per rollup). Each distribution of a
///         set's fees for an epoch pays the protocol share to the treasury's account, then splits the rest between the
///         members of the epoch's snapshot in proportion to their snapshot stake; each operator keeps its commission and
///         the rest goes to its pools' stakers through reward-per-share accumulators (O(1) per staker and pool; queued
///         shares earn nothing).
/// @dev All internal amounts are scaled by 1e18 (`SCALE`) and settled as exact integer products, so no rounding
///      remainder is lost: what cannot be allotted is carried to the set's next distribution, and fractions of a wei
///      stay on the account that earned them until they add up. Invariant: credited * SCALE ==
///      sum(rewards owed, scaled) + paid * SCALE + sum(carried, scaled).
interface IRewardsDistributor is IStakeObserver {
    error RewardsZeroAddress();
    error RewardsZeroAmount();
    error RewardsNotRegistry(address caller);
    /// @notice Epochs of a set are distributed in increasing order; the next allowed is `next`.
    error RewardsEpochDistributed(uint256 setId, uint256 epoch, uint256 next);
    error RewardsNothingToDistribute(uint256 setId);
    error RewardsInvalidParameter();
    error RewardsLengthMismatch();

    event FeesCredited(uint256 indexed setId, address indexed payer, uint256 amount);
    /// @notice Fees of `setId` were distributed over the snapshot of `epoch`; `carried` (scaled) waits for the next.
    event Distributed(
        uint256 indexed setId,
        uint256 indexed epoch,
        uint256 amount,
        uint256 protocolShare,
        uint256 carried
    );
    event OperatorRewarded(
        uint256 indexed setId,
        uint256 indexed epoch,
        address indexed operator,
        uint256 commission,
        uint256 toStakers
    );
    event Claimed(address indexed account, uint256 amount);
    event ParametersUpdated(address treasury, uint256 protocolShareBps);

    function SCALE() external view returns (uint256);

    // governance
    function setParameters(address treasury, uint16 protocolShareBps) external;

    // anyone
    /// @notice Pulls `amount` ALT from the caller as fees for the operator set `setId`.
    function creditFees(uint256 setId, uint256 amount) external;
    /// @notice Distributes everything credited (and carried) for `setId` over the snapshot of `epoch`; the protocol
    ///         share is taken from what was credited since the last distribution only (once per fee).
    ///         Loops over the snapshot's members (<= 256) and their assets (<= 8).
    function distribute(uint256 setId, uint256 epoch) external;

    // accounts
    /// @notice Settles the caller's rewards in the given pools, then pays every whole wei it is owed.
    function claim(address[] calldata operators, uint256[] calldata assetIds) external returns (uint256 amount);

    // views
    function alt() external view returns (address);
    function registry() external view returns (address);
    function operatorSets() external view returns (address);
    function treasury() external view returns (address);
    function protocolShareBps() external view returns (uint256);
    /// @notice Fees waiting for the next distribution of `setId` (scaled), carried ones included.
    function pendingFeesScaled(uint256 setId) external view returns (uint256);
    /// @notice The part of `pendingFeesScaled` carried from earlier distributions (scaled): it paid the protocol share
    ///         when first distributed and does not pay it again.
    function carriedFeesScaled(uint256 setId) external view returns (uint256);
    /// @notice The next epoch of `setId` that may be distributed.
    function nextEpoch(uint256 setId) external view returns (uint256);
    function accRewardPerShare(address operator, uint256 assetId) external view returns (uint256);
    /// @notice What `account` could claim after settling the given pools, in wei.
    function claimable(
        address account,
        address[] calldata operators,
        uint256[] calldata assetIds
    ) external view returns (uint256);
    /// @notice Rewards credited to `account` and not claimed, scaled, without unsettled pool rewards.
    function owedScaled(address account) external view returns (uint256);
}
