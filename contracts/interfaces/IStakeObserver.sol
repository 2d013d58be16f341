// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Stake observer
/// @notice What the registry tells the rewards distributor when a staker's active shares in a pool change, before the
///         change takes effect in reward accounting (so rewards earned on the old shares are settled first).
interface IStakeObserver {
    function onActiveSharesChanged(
        address staker,
        address operator,
        uint256 assetId,
        uint256 oldShares,
        uint256 newShares
    ) external;
}
