// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// The restaked services a rollup enables, as bits of its `services` (shared by the factory and the rollups).

uint8 constant VITAL = 1;
uint8 constant MACH = 2;
uint8 constant SQUAD = 4;
uint8 constant ALL_SERVICES = 7;

/// @notice How many of the three services `services` enables (bits above the third are ignored).
function serviceCount(uint8 services) pure returns (uint256) {
    return (services & VITAL) + ((services >> 1) & 1) + ((services >> 2) & 1);
}
