// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {RestakingRegistry} from "../restaking/RestakingRegistry.sol";
import {SlashingManager} from "../slashing/SlashingManager.sol";
import {RewardsDistributor} from "../rewards/RewardsDistributor.sol";
import {OperatorSets} from "../restaking/OperatorSets.sol";

/// @notice Test-only V2 implementations: same storage, one new function, to validate and exercise upgrades.
contract RestakingRegistryV2 is RestakingRegistry {
    function version() external pure returns (uint256) {
        return 2;
    }
}

contract SlashingManagerV2 is SlashingManager {
    function version() external pure returns (uint256) {
        return 2;
    }
}

contract RewardsDistributorV2 is RewardsDistributor {
    function version() external pure returns (uint256) {
        return 2;
    }
}

contract OperatorSetsV2 is OperatorSets {
    function version() external pure returns (uint256) {
        return 2;
    }
}

/// @notice Test-only: an implementation with a storage-layout-breaking plain state variable ahead of everything,
///         which the upgrades plugin must refuse as an upgrade of the registry.
contract RestakingRegistryBadV2 is RestakingRegistry {
    uint256 public clobber;

    constructor() {
        clobber = 1;
    }
}
