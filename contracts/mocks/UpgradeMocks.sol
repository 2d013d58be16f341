// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {RestakingRegistry} from "../restaking/RestakingRegistry.sol";
import {SlashingManager} from "../slashing/SlashingManager.sol";
import {RewardsDistributor} from "../rewards/RewardsDistributor.sol";
import {OperatorSets} from "../restaking/OperatorSets.sol";

/// @notice Test-only V2 implementations: same storage, one new function, to validate and exercise upgrades. They
///         inherit `initialize` (already run on the proxy), which the plugin cannot see through: hence the annotation.
/// @custom:oz-upgrades-unsafe-allow missing-initializer
contract RestakingRegistryV2 is RestakingRegistry {
    function version() external pure returns (uint256) {
        return 2;
    }
}

/// @custom:oz-upgrades-unsafe-allow missing-initializer
contract SlashingManagerV2 is SlashingManager {
    function version() external pure returns (uint256) {
        return 2;
    }
}

/// @custom:oz-upgrades-unsafe-allow missing-initializer
contract RewardsDistributorV2 is RewardsDistributor {
    function version() external pure returns (uint256) {
        return 2;
    }
}

/// @custom:oz-upgrades-unsafe-allow missing-initializer
contract OperatorSetsV2 is OperatorSets {
    function version() external pure returns (uint256) {
        return 2;
    }
}

/// @notice Test-only: an implementation whose constructor writes state (which a proxy never sees), which the upgrades
///         plugin must refuse as an upgrade of the registry.
contract RestakingRegistryBadV2 is RestakingRegistry {
    uint256 public clobber;

    constructor() {
        clobber = 1;
    }
}
