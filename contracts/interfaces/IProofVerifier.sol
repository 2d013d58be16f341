// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Validity proof verifier
/// @notice What a validity-proof template names: proves that `outputRoot` is the state of `chainId` at `l2BlockNumber`.
interface IProofVerifier {
    function verify(
        uint256 chainId,
        uint256 l2BlockNumber,
        bytes32 outputRoot,
        bytes calldata proof
    ) external view returns (bool);
}
