// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ISetListener
/// @notice What OperatorSets tells the listener of a set (`IOperatorSets.setListener`): an operator starts or stops
///         counting in it. The BLS key registry listens to MACH's sets, to keep each one's aggregate public key.
interface ISetListener {
    /// @notice `operator`'s allocation to `setId` counts (`counted`) or stops counting from `epoch` on: its latest
    ///         checkpoint went from zero to non-zero, or back. Called in the transaction of the change; a listener may
    ///         refuse a start (the change reverts) but must never revert a stop (slashes and withdrawals go through it).
    function onCountedChanged(uint256 setId, address operator, bool counted, uint256 epoch) external;
}
