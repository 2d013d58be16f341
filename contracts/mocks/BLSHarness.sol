// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {BLS} from "../libraries/BLS.sol";

/// @notice Test-only: exposes the BLS library's functions, and measures their gas as transactions.
contract BLSHarness {
    event Measured(bytes result);

    function verify(
        bytes memory publicKey,
        bytes memory messagePoint,
        bytes memory signature
    ) external view returns (bool) {
        return BLS.verify(publicKey, messagePoint, signature);
    }

    function isValidPublicKey(bytes memory point) external view returns (bool) {
        return BLS.isValidPublicKey(point);
    }

    function keyHash(bytes memory publicKey) external pure returns (uint208) {
        return BLS.keyHash(publicKey);
    }

    function negG2Generator() external pure returns (bytes memory) {
        return BLS.NEG_G2_GENERATOR;
    }

    function g1Add(bytes memory a, bytes memory b) external view returns (bytes memory) {
        return BLS.g1Add(a, b);
    }

    function g2Add(bytes memory a, bytes memory b) external view returns (bytes memory) {
        return BLS.g2Add(a, b);
    }

    /// @notice The sum of `count` points of `packed` (the first `count`), summed in one buffer, and each one's keyHash.
    function g2SumPacked(
        bytes calldata packed,
        uint256 count
    ) external view returns (bytes memory sum, uint256[] memory hashes) {
        bytes memory buffer = BLS.g2SumBuffer();
        hashes = new uint256[](count);
        for (uint256 i; i < count; ++i) {
            hashes[i] = BLS.loadPackedG2(buffer, packed, i);
            BLS.addLoadedG2(buffer);
        }
        sum = BLS.g2BufferSum(buffer);
    }

    function g2Negate(bytes memory a) external pure returns (bytes memory) {
        return BLS.g2Negate(a);
    }

    function hashToG1(bytes memory message, bytes memory domainTag) external view returns (bytes memory) {
        return BLS.hashToG1(message, domainTag);
    }

    function expandMessageXmd(
        bytes memory message,
        bytes memory domainTag,
        uint256 length
    ) external pure returns (bytes memory) {
        return BLS.expandMessageXmd(message, domainTag, length);
    }

    /// @notice Hashes `message` to G1 and verifies `signature` against it, as a transaction (for the gas snapshot).
    function hashAndVerify(
        bytes memory publicKey,
        bytes memory message,
        bytes memory domainTag,
        bytes memory signature
    ) external {
        bool ok = BLS.verify(publicKey, BLS.hashToG1(message, domainTag), signature);
        emit Measured(abi.encode(ok));
    }
}
