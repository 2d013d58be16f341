// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IProofVerifier} from "../interfaces/IProofVerifier.sol";

/// @notice Test-only validity verifier: a proof is valid when it equals keccak256(chainId, l2BlockNumber, outputRoot).
contract MockVerifier is IProofVerifier {
    function verify(
        uint256 chainId,
        uint256 l2BlockNumber,
        bytes32 outputRoot,
        bytes calldata proof
    ) external pure returns (bool) {
        return keccak256(proof) == keccak256(abi.encode(keccak256(abi.encode(chainId, l2BlockNumber, outputRoot))));
    }
}
