// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IVitalChallenges
/// @notice What a rollup asks VITAL before it finalizes an output.
interface IVitalChallenges {
    /// @notice The open challenge of the output (`l2BlockNumber`, `root`) of `rollup`, if any: voting, or decided
    ///         invalid and waiting for the rollup to take the invalidation.
    function openChallenge(
        address rollup,
        uint64 l2BlockNumber,
        bytes32 root
    ) external view returns (bool open, uint256 challengeId);
}
