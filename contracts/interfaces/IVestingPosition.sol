// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Vesting position
/// @notice Holds a fixed total of ALT for one beneficiary, released linearly from `start` to `end` with nothing before
///         `cliff`. Tokens sent to the position after creation never vest: they are surplus the revoker can sweep.
///         The beneficiary delegates the voting power of the locked balance, so locked tokens can vote.
/// @dev Deployed as an EIP-1167 clone by the vesting factory. The revoker and the treasury are read from the factory,
///      so governance changes them for every position at once.
interface IVestingPosition {
    /// @notice The caller is not the beneficiary.
    error VestingNotBeneficiary(address caller);
    /// @notice The caller is not the pending beneficiary.
    error VestingNotPendingBeneficiary(address caller);
    /// @notice The caller is not the revoker (the vesting factory's owner).
    error VestingNotRevoker(address caller);
    /// @notice The caller is not the factory.
    error VestingNotFactory(address caller);
    /// @notice The position was created as irrevocable, or has been revoked already.
    error VestingNotRevocable();
    /// @notice Nothing has vested beyond what was already released.
    error VestingNothingToRelease();
    /// @notice There is no surplus of this token to sweep.
    error VestingNothingToSweep(address token);

    /// @notice `amount` ALT was released to `beneficiary`.
    event Released(address indexed beneficiary, uint256 amount);
    /// @notice The position was revoked: `vested` stays for the beneficiary, `unvested` went to `treasury`.
    event Revoked(uint256 vested, uint256 unvested, address indexed treasury);
    /// @notice The beneficiary proposed `newBeneficiary`, who must accept.
    event BeneficiaryTransferStarted(address indexed beneficiary, address indexed newBeneficiary);
    /// @notice The beneficiary changed.
    event BeneficiaryTransferred(address indexed previousBeneficiary, address indexed newBeneficiary);
    /// @notice `amount` of `token` that was never part of the schedule was sent to `treasury`.
    event SurplusSwept(address indexed token, uint256 amount, address indexed treasury);

    /// @notice A position's schedule and accounting, as read by tools.
    /// @dev `total` is fixed at creation and only falls on revocation (to what had vested by then).
    struct Schedule {
        address beneficiary;
        uint48 start;
        uint48 cliff;
        uint48 end;
        bool revocable;
        bool revoked;
        uint256 total;
        uint256 released;
    }

    /// @notice Called once by the factory right after it deploys the clone and before it funds it.
    function initialize(
        address beneficiary,
        uint48 start,
        uint48 cliff,
        uint48 end,
        uint96 total,
        bool revocable,
        address delegatee
    ) external;

    /// @notice The ALT token.
    function token() external view returns (address);
    /// @notice The factory that created this position (and whose owner is the revoker).
    function factory() external view returns (address);
    /// @notice The current beneficiary.
    function beneficiary() external view returns (address);
    /// @notice The proposed beneficiary of a two-step transfer, or zero.
    function pendingBeneficiary() external view returns (address);
    /// @notice The whole schedule and its accounting.
    function schedule() external view returns (Schedule memory);
    /// @notice ALT vested by `timestamp` (released or not).
    function vestedAmount(uint48 timestamp) external view returns (uint256);
    /// @notice ALT vested now and not yet released.
    function releasable() external view returns (uint256);
    /// @notice ALT of the schedule not vested yet (what voting power is kept for through delegation).
    function locked() external view returns (uint256);

    /// @notice Sends every vested, unreleased ALT to the beneficiary. Anyone may call; funds only go to the beneficiary.
    function release() external returns (uint256 amount);
    /// @notice Delegates the voting power of the ALT the position holds. Beneficiary only.
    function delegate(address delegatee) external;
    /// @notice Proposes a new beneficiary, who must call `acceptBeneficiary`. Beneficiary only.
    function transferBeneficiary(address newBeneficiary) external;
    /// @notice Accepts a proposed beneficiary transfer. Pending beneficiary only.
    function acceptBeneficiary() external;
    /// @notice Ends vesting now: the vested part stays releasable, the unvested part goes to the treasury.
    ///         Revoker only, revocable positions only, once.
    function revoke() external;
    /// @notice Sends `token` held beyond the schedule (ALT sent after creation, or any other token) to the treasury.
    ///         Revoker only.
    function sweep(address token) external returns (uint256 amount);
}
