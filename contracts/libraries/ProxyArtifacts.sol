// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// Compiles the OpenZeppelin contracts that deployment modules deploy unchanged: the ERC-1967 proxy every upgradeable
// protocol contract (registry, operator sets, slashing manager, rewards distributor) sits behind, and the timelock
// that owns the protocol.
// solhint-disable no-unused-import
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
