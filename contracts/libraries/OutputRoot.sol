// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title OutputRoot
/// @notice What a rollup's output root commits to (`IRollup.Output.root`), in one place: the rollup computes it when an
///         output is proposed, the portal again from a withdrawal claim's parts (`IPortal.OutputProof`) to check them.
library OutputRoot {
    /// @notice keccak256(abi.encode(l2BlockNumber, stateRoot, withdrawalsRoot, batchCount, batchRoot, parentRoot)).
    function hash(
        uint64 l2BlockNumber,
        bytes32 stateRoot,
        bytes32 withdrawalsRoot,
        uint64 batchCount,
        bytes32 batchRoot,
        bytes32 parentRoot
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(l2BlockNumber, stateRoot, withdrawalsRoot, batchCount, batchRoot, parentRoot));
    }
}
