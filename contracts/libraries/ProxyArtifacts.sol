// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// Compiles OpenZeppelin's ERC-1967 proxy so deployment modules can deploy it: every upgradeable protocol contract
// (registry, operator sets, slashing manager, rewards distributor) sits behind one.
// solhint-disable-next-line no-unused-import
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
