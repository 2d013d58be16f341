// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title EpochClock
/// @notice The protocol's one epoch clock: epochs of `length` seconds counted from `genesis` (OperatorSets'
///         deployment). OperatorSets defines it; the registry, the rewards distributor and the services keep a copy of
///         its two numbers (they never change) and count with this same function.
library EpochClock {
    /// @notice The epoch `timestamp` falls in (0 before the genesis).
    function epochAt(uint256 genesis, uint256 length, uint256 timestamp) internal pure returns (uint256) {
        return timestamp < genesis ? 0 : (timestamp - genesis) / length;
    }

    /// @notice When `epoch` begins.
    function epochStart(uint256 genesis, uint256 length, uint256 epoch) internal pure returns (uint256) {
        return genesis + epoch * length;
    }
}
