// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Vesting factory
/// @notice Creates vesting positions in batches, as EIP-1167 clones at CREATE2 addresses that can be predicted before
///         creation, pulling the ALT for the whole batch from the caller in one transfer. Its owner (the governance
///         timelock after deployment) is the revoker of every revocable position and sets the treasury.
interface IVestingFactory {
    /// @notice Entry `index` of the batch is malformed: zero amount, cliff longer than the duration, or an end past
    ///         the uint48 range.
    error VestingFactoryInvalidSchedule(uint256 index);
    /// @notice A zero address was given where an account is required.
    error VestingFactoryZeroAddress();
    /// @notice The batch is empty.
    error VestingFactoryEmptyBatch();
    /// @notice Renouncing ownership would make every revocable position irrevocable and strand swept surplus.
    error VestingFactoryRenounceDisabled();

    /// @notice A position was created and funded.
    event PositionCreated(
        address indexed position,
        address indexed beneficiary,
        address indexed creator,
        uint256 amount,
        uint48 start,
        uint48 cliff,
        uint48 end,
        bool revocable
    );
    /// @notice The treasury (recipient of revoked and swept tokens) changed.
    event TreasuryUpdated(address indexed previousTreasury, address indexed newTreasury);

    /// @notice One position of a batch.
    /// @param start the vesting start; 0 means the block timestamp of creation
    /// @param cliffDuration seconds from start before anything vests
    /// @param duration seconds from start until everything has vested (0 with cliffDuration 0: unlocked at start)
    /// @param delegatee where the locked balance's votes go at creation (zero: undelegated until the beneficiary chooses)
    /// @param salt chosen by the creator; with the creator's address it fixes the position's address
    struct PositionParams {
        address beneficiary;
        uint48 start;
        uint48 cliffDuration;
        uint48 duration;
        uint96 amount;
        bool revocable;
        address delegatee;
        bytes32 salt;
    }

    /// @notice The ALT token.
    function token() external view returns (address);
    /// @notice The position implementation every clone delegates to.
    function implementation() external view returns (address);
    /// @notice Where revoked and swept tokens go.
    function treasury() external view returns (address);
    /// @notice The address a position created by `creator` with `salt` has (or will have).
    function predictPositionAddress(address creator, bytes32 salt) external view returns (address);

    /// @notice Creates and funds one position per entry; pulls the sum of the amounts from the caller.
    /// @dev Bounded by the caller's gas only: each entry is independent, and the caller pays for its own batch.
    function createPositions(PositionParams[] calldata params) external returns (address[] memory positions);
    /// @notice Sets the treasury. Owner only.
    function setTreasury(address newTreasury) external;
}
