// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Rewards distributor
/// @notice Rollups pay service fees in ALT per operator set (one set per service per rollup). Three levels, none of
///         which loops over members, assets or stakers:
///         1. Set: `creditFees` takes the protocol share once, then raises the set's reward per unit of allocated stake
///            for the current epoch by what is left over the stake the set counts in that epoch (O(1); a set that
///            counts no stake refuses fees: nobody would have secured what they pay for).
///         2. Operator: `settle` walks the epochs an operator's allocation to a set and its stakers' reward units were
///            constant (checkpoints, not epochs): the allocation times the rise in reward per stake is what the
///            operator earned there; it keeps its commission and the rest raises the reward per unit of its stakers.
///         3. Staker: `claim` walks the staker's own unit changes: units times the rise in reward per unit.
///         Allocations and units both count from the epoch after they change, so stake that arrives and leaves within
///         an epoch earns nothing of it, and stake is paid only for the epochs it was counted (and slashable) in.
/// @dev Amounts are scaled by 1e18 (`SCALE`) and every division leaves its remainder somewhere on record: the part of
///      a credit that does not divide by the set's stake (less than one scaled unit per wei of stake, so below
///      stake / 1e18 wei) goes to the treasury's account; an operator's stakers' part that does not divide by their
///      units goes to the operator. Exact conservation: credited * SCALE == paid * SCALE + sum(owed) + what settled
///      stakers have not claimed + what is credited and not yet settled.
interface IRewardsDistributor {
    error RewardsZeroAddress();
    error RewardsZeroAmount();
    error RewardsInvalidParameter();
    error RewardsLengthMismatch();
    /// @notice `setId` counts no stake in the current epoch `epoch`: nobody would earn fees credited now.
    error RewardsNoStake(uint256 setId, uint256 epoch);

    /// @notice `payer` credited `amount` of fees to `setId` in `epoch`: `protocolShareScaled` to the treasury's
    ///         account, the rest spread over the set's stake in that epoch but `remainderScaled`, the division's
    ///         rounding remainder (below the stake, scaled), also to the treasury's account.
    event FeesCredited(
        uint256 indexed setId,
        address indexed payer,
        uint256 indexed epoch,
        uint256 amount,
        uint256 protocolShareScaled,
        uint256 remainderScaled
    );
    /// @notice `operator`'s earnings in `setId` over epochs [`from`, `until`) were settled: `toOperatorScaled` (its
    ///         commission and what its stakers' units could not take) is owed to it, `toStakersScaled` to its stakers.
    event Settled(
        address indexed operator,
        uint256 indexed setId,
        uint256 from,
        uint256 until,
        uint256 toOperatorScaled,
        uint256 toStakersScaled
    );
    /// @notice `staker` earned `amountScaled` as a staker of `operator` in `setId` over epochs [`from`, `until`).
    event Accrued(
        address indexed staker,
        address indexed operator,
        uint256 indexed setId,
        uint256 from,
        uint256 until,
        uint256 amountScaled
    );
    event Claimed(address indexed account, uint256 amount);
    event ParametersUpdated(address treasury, uint256 protocolShareBps);

    function SCALE() external view returns (uint256);
    /// @notice Changes walked per (operator, set) by a claim: a claim's gas is bounded whatever the history, and a
    ///         longer history is claimed in several calls (or settled first with a larger `maxSteps`).
    function CLAIM_STEPS() external view returns (uint256);

    // governance
    function setParameters(address treasury, uint16 protocolShareBps) external;

    // anyone
    /// @notice Pulls `amount` ALT from the caller as fees of the current epoch for the operator set `setId`. O(1).
    ///         Refused (`RewardsNoStake`) when the set counts no stake in the current epoch.
    function creditFees(uint256 setId, uint256 amount) external;
    /// @notice Credits a stream of fees, `perSecond` for each of `setIds` over the time `[from, until)` (`until` not in
    ///         the future), to the sets' stake of the current epoch — but only the time since the previous epoch began:
    ///         older time, which nobody streamed while it was recent, is not credited (the payer keeps it), so no stake
    ///         counted in one epoch can take more than two epochs of a stream. Each set that exists and counts stake in
    ///         the current epoch is credited as `creditFees` would; the others are skipped (no revert). Pulls what it
    ///         credits in one transfer and adds the protocol share once. For a payer that funds several sets at a time
    ///         (a rollup's stream to its services' sets).
    /// @return creditedMask bit i set when `setIds[i]` was credited (at most 256 sets)
    /// @return paidFrom the start of the time credited (`from`, or the previous epoch's start if later; `until` when
    ///         no time is left): each credited set received `perSecond × (until − paidFrom)`
    function creditStreamToSets(
        uint256[] calldata setIds,
        uint256 perSecond,
        uint256 from,
        uint256 until
    ) external returns (uint256 creditedMask, uint256 paidFrom);
    /// @notice Settles `operator`'s earnings in `setId` for the epochs before the current one, walking at most
    ///         `maxSteps` changes of its allocation there and of its stakers' units; returns the first epoch not
    ///         settled. Permissionless: it only moves earnings to the accounts they belong to.
    function settle(address operator, uint256 setId, uint256 maxSteps) external returns (uint256 until);

    // accounts
    /// @notice For each pair (operators[i], setIds[i]): settles it (at most `CLAIM_STEPS` changes) and adds what the
    ///         caller earned there as a staker (at most `CLAIM_STEPS` of its unit changes); then pays every whole wei
    ///         the caller is owed (commission, stakers' rewards, protocol share). Refused (`RewardsZeroAmount`) when it
    ///         neither pays anything nor moves any of the caller's walks on; a call that only moves a walk on (a long
    ///         history earning less than a wei so far) keeps that progress and pays 0.
    function claim(address[] calldata operators, uint256[] calldata setIds) external returns (uint256 amount);

    // views
    function alt() external view returns (address);
    function registry() external view returns (address);
    function operatorSets() external view returns (address);
    function treasury() external view returns (address);
    function protocolShareBps() external view returns (uint256);
    /// @notice The set's cumulative reward per wei of allocated stake (scaled) for the fees credited before `epoch`.
    function rewardPerStakeBefore(uint256 setId, uint256 epoch) external view returns (uint256);
    /// @notice The cumulative reward per unit (scaled) of `operator`'s stakers in `setId`, settled before `epoch`.
    function rewardPerUnitBefore(address operator, uint256 setId, uint256 epoch) external view returns (uint256);
    /// @notice The first epoch of `operator` in `setId` not settled yet.
    function settledUntil(address operator, uint256 setId) external view returns (uint256);
    /// @notice The first epoch `staker` has not taken its rewards of, as a staker of `operator` in `setId`.
    function claimedUntil(address staker, address operator, uint256 setId) external view returns (uint256);
    /// @notice What `account` could claim now from the given pairs' settled epochs, in wei (claim settles first, so
    ///         it may pay more: simulate it for the exact figure).
    function claimable(
        address account,
        address[] calldata operators,
        uint256[] calldata setIds
    ) external view returns (uint256);
    /// @notice Rewards credited to `account` and not claimed, scaled, without its unclaimed stakers' rewards.
    function owedScaled(address account) external view returns (uint256);
}
