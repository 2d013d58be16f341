// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IRollupFactory} from "../interfaces/IRollupFactory.sol";

/// @notice Test-only rollup implementation standing for a validity rollup with VITAL that the factory created before it
///         refused VITAL without a challenge period: whatever its template says, it reports no challenge period. Only
///         what `RollupService.registerRollup` reads.
contract MockLegacyRollup {
    IRollupFactory public immutable factory;
    uint64 public chainId;
    uint8 public services;

    constructor(IRollupFactory factory_) {
        factory = factory_;
    }

    function initialize(IRollupFactory.CreateParams calldata p, IRollupFactory.Template calldata) external {
        (chainId, services) = (p.chainId, p.services);
    }

    function challengePeriod() external pure returns (uint48) {
        return 0;
    }
}
