// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {OwnableUpgradeable} from "@openzeppelin/contracts-upgradeable/access/OwnableUpgradeable.sol";

/// @title OwnedUpgradeable
/// @notice The base of every upgradeable protocol contract: a UUPS implementation behind an ERC-1967 proxy, whose
///         upgrades and parameters belong to one owner (the governance timelock after deployment).
/// @dev Implementations are locked at construction; state lives in ERC-7201 namespaces of the derived contracts.
abstract contract OwnedUpgradeable is Initializable, UUPSUpgradeable, OwnableUpgradeable {
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    // solhint-disable-next-line func-name-mixedcase
    function __OwnedUpgradeable_init(address owner_) internal onlyInitializing {
        __Ownable_init(owner_);
    }

    /// @notice Ownership can never be renounced: an owner-less contract could never be upgraded or reconfigured again.
    error OwnershipNotRenounceable();

    /// @notice Always refused (`OwnershipNotRenounceable`); ownership moves only to another owner (`transferOwnership`).
    function renounceOwnership() public view override onlyOwner {
        revert OwnershipNotRenounceable();
    }

    /// @dev Only the owner upgrades: the modifier is the whole check.
    // solhint-disable-next-line no-empty-blocks
    function _authorizeUpgrade(address) internal view override onlyOwner {}
}
