// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {IERC6372} from "@openzeppelin/contracts/interfaces/IERC6372.sol";

/// @title ALT token
/// @notice The ALT governance and restaking token: 10,000,000,000 ALT minted once, at construction, to a genesis
///         recipient. No mint function exists afterwards, so the supply can only fall (burns).
/// @dev Voting checkpoints use a timestamp clock (EIP-6372 `mode=timestamp`); the governor reads the same clock.
interface IAltToken is IERC20, IERC20Permit, IVotes, IERC6372 {
    /// @notice The genesis recipient was the zero address.
    error AltTokenZeroGenesisRecipient();

    /// @notice The fixed amount minted at construction: 10,000,000,000 ALT with 18 decimals.
    function GENESIS_SUPPLY() external view returns (uint256);

    /// @notice Destroys `amount` of the caller's tokens.
    function burn(uint256 amount) external;

    /// @notice Destroys `amount` of `account`'s tokens, spending the caller's allowance.
    function burnFrom(address account, uint256 amount) external;
}
