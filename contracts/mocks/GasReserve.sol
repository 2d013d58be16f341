// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Test-only: a call that must keep gas in reserve, as VitalService's guarded calls do (a `gasleft()` check
///         before a call that may not be starved). It uses little gas but succeeds only with `reserve` left, so a gas
///         estimate has to search above the gas it used.
contract GasReserve {
    /// @notice Less than the reserve was left.
    error GasReserveShort(uint256 left, uint256 reserve);

    uint256 public calls;

    function spend(uint256 reserve) external {
        uint256 left = gasleft();
        if (left < reserve) revert GasReserveShort(left, reserve);
        ++calls;
    }
}
