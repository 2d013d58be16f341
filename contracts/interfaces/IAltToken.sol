// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ALT token
/// @notice The ALT governance and restaking token: 10,000,000,000 ALT minted once, at construction, to a genesis
///         recipient. No mint function exists afterwards, so the supply can only fall (burns).
/// @dev The ALT-specific surface. The token also implements IERC20, IERC20Permit and IERC5805 (IVotes + IERC6372):
///      voting checkpoints use a timestamp clock (`CLOCK_MODE` is `mode=timestamp`), the one the governor reads.
interface IAltToken {
    /// @notice The genesis recipient was the zero address.
    error AltTokenZeroGenesisRecipient();

    /// @notice The fixed amount minted at construction: 10,000,000,000 ALT with 18 decimals.
    function GENESIS_SUPPLY() external view returns (uint256);

    /// @notice Destroys `amount` of the caller's tokens.
    function burn(uint256 amount) external;

    /// @notice Destroys `amount` of `account`'s tokens, spending the caller's allowance.
    function burnFrom(address account, uint256 amount) external;
}
