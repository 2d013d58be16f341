// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Slashing manager
/// @notice Slash requests from governance-registered slashers (the services), each against what an operator allocated to
///         one of the slasher's own operator sets, capped per offence and, per (operator, set), at 30 % in a rolling
///         window. Every request waits a veto window in which the security council can veto it; afterwards anyone
///         executes it. While a request is pending its operator is jailed (the registry keeps the count): it cannot
///         join operator sets or receive stake, is left out of snapshots, and its stakers' withdrawals wait.
interface ISlashingManager {
    /// @notice The caller is not a registered slasher.
    error SlashingNotSlasher(address caller);
    /// @notice The caller is not the vetoer (the security council).
    error SlashingNotVetoer(address caller);
    /// @notice A zero address was given where one is required.
    error SlashingZeroAddress();
    /// @notice `account` is not a registered operator.
    error SlashingNotOperator(address account);
    /// @notice A fraction of zero or above the cap `max` (bps).
    error SlashingInvalidBps(uint256 bps, uint256 max);
    /// @notice The evidence dates from `evidenceTime`, older than the slasher's `maxAge` (or in the future).
    error SlashingEvidenceTooOld(uint256 evidenceTime, uint256 maxAge);
    /// @notice The operator was slashed (or has pending requests for) `windowBps` for set `setId` within the window;
    ///         `bps` more would pass the cap.
    error SlashingWindowCapExceeded(address operator, uint256 setId, uint256 windowBps, uint256 bps, uint256 cap);
    /// @notice The operator has `max` requests for set `setId` within the window already.
    error SlashingTooManyRequests(address operator, uint256 setId, uint256 max);
    /// @notice The caller is not the service of set `setId` (or governance removed that service).
    error SlashingNotSetService(uint256 setId, address caller);
    /// @notice The operator has nothing allocated to set `setId`, nor a deallocation from it still slashable.
    error SlashingNothingAllocated(address operator, uint256 setId);
    /// @notice No request has this id.
    error SlashingUnknownRequest(uint256 requestId);
    /// @notice The request is not pending (`status`).
    error SlashingNotPending(uint256 requestId, Status status);
    /// @notice The veto window runs until `executableAt`.
    error SlashingVetoWindowOpen(uint256 requestId, uint256 executableAt);
    /// @notice The veto window closed at `executableAt`.
    error SlashingVetoWindowClosed(uint256 requestId, uint256 executableAt);
    /// @notice The registry's withdrawal delay `withdrawalDelay` would be shorter than veto window plus evidence age
    ///         (`required`): a staker could leave before a slash for what their stake did.
    error SlashingDelayConflict(uint256 required, uint256 withdrawalDelay);
    /// @notice At most `max` slashers can be registered.
    error SlashingTooManySlashers(uint256 max);
    /// @notice A parameter is out of its range.
    error SlashingInvalidParameter();
    /// @notice The slasher already filed this evidence against this operator for this offence (reason).
    error SlashingEvidenceUsed(address operator, bytes32 evidenceHash);

    enum Status {
        None,
        Pending,
        Vetoed,
        Executed
    }

    /// @notice What a registered slasher may do.
    struct SlasherConfig {
        bool registered;
        uint16 maxBps;
        uint48 maxEvidenceAge;
    }

    /// @notice A slash request of `bps` of what `operator` allocated to `setId`; `slashable` is what it had there when
    ///         the request was made (allocation and deallocation not yet free; the execution takes at most `bps` of it).
    ///         slot 0: operator (160) | bps (16) | status (8) | requestedAt (48); slot 1: reporter (160) |
    ///         executableAt (48); slot 2: setId; slot 3: slashable.
    struct Request {
        address operator;
        uint16 bps;
        Status status;
        uint48 requestedAt;
        address reporter;
        uint48 executableAt;
        uint256 setId;
        uint256 slashable;
    }

    event SlasherSet(address indexed slasher, uint256 maxBps, uint256 maxEvidenceAge);
    event SlasherRemoved(address indexed slasher);
    event ParametersUpdated(uint256 vetoWindow, uint256 reporterBps, uint256 windowDuration);
    event VetoerUpdated(address indexed vetoer);
    event TreasuryUpdated(address indexed treasury);
    /// @notice `slasher` asked to slash `bps` of what `operator` allocated to `setId` for `reason`, with
    ///         `evidenceHash`; executable from `executableAt` unless vetoed.
    event SlashRequested(
        uint256 indexed requestId,
        address indexed operator,
        address indexed slasher,
        uint256 setId,
        uint256 bps,
        bytes32 reason,
        bytes32 evidenceHash,
        address reporter,
        uint256 executableAt
    );
    /// @notice Request `requestId` pays what it slashes of ALT to `recipient` instead of burning it (no reporter share).
    event SlashRedirected(uint256 indexed requestId, address indexed recipient);
    event SlashVetoed(uint256 indexed requestId, address indexed operator);
    /// @notice Request `requestId` took `bps` of what `operator` allocated to `setId`: `amounts[assetId]` from each of
    ///         its pools.
    event SlashExecuted(
        uint256 indexed requestId,
        address indexed operator,
        uint256 indexed setId,
        uint256 bps,
        uint256[] amounts
    );

    // governance (owner)
    function setSlasher(address slasher, uint16 maxBps, uint48 maxEvidenceAge) external;
    function removeSlasher(address slasher) external;
    function setParameters(uint48 vetoWindow, uint16 reporterBps, uint48 windowDuration) external;
    function setVetoer(address vetoer) external;
    function setTreasury(address treasury) external;

    // slashers, council, anyone
    /// @param setId one of the caller's operator sets, to which `operator` allocated stake (or deallocated stake that
    ///        is still slashable); only that stake is slashed
    /// @param evidenceHash accepted once per (slasher, operator, reason): a repeat is refused (`SlashingEvidenceUsed`),
    ///        even after a veto (one piece of evidence may prove two offences, e.g. VITAL's proposer that also voted
    ///        for its own invalid output)
    /// @param reporter may claim the reporter share after execution (the registry's `claimSlashProceeds`); zero for
    ///        none (the whole slash is burned or the treasury's)
    /// @param evidenceTime when the offence happened; must be within the slasher's evidence age
    function requestSlash(
        address operator,
        uint256 setId,
        uint16 bps,
        bytes32 reason,
        bytes32 evidenceHash,
        address reporter,
        uint48 evidenceTime
    ) external returns (uint256 requestId);
    /// @notice As `requestSlash` without a reporter, the ALT slashed paid to `recipient` (a claimable balance in the
    ///         registry) instead of burned: MACH's invalid certificates, whose slash makes good the fast withdrawals the
    ///         rollup's portal paid against them. Other assets go to the treasury as ever.
    function requestSlashTo(
        address operator,
        uint256 setId,
        uint16 bps,
        bytes32 reason,
        bytes32 evidenceHash,
        address recipient,
        uint48 evidenceTime
    ) external returns (uint256 requestId);
    function veto(uint256 requestId) external;
    function execute(uint256 requestId) external returns (uint256[] memory amounts);

    // views
    /// @notice 30 %: the most an operator's allocation to one set can be slashed within one rolling window.
    function WINDOW_CAP_BPS() external view returns (uint256);
    function registry() external view returns (address);
    function vetoer() external view returns (address);
    function treasury() external view returns (address);
    function vetoWindow() external view returns (uint256);
    function reporterBps() external view returns (uint256);
    function windowDuration() external view returns (uint256);
    function slasher(address account) external view returns (SlasherConfig memory);
    function slashers() external view returns (address[] memory);
    function request(uint256 requestId) external view returns (Request memory);
    /// @notice Who receives request `requestId`'s slashed ALT (zero: burned).
    function recipientOf(uint256 requestId) external view returns (address);
    function requestCount() external view returns (uint256);
    /// @notice Whether `slasher_` already filed `evidenceHash` against `operator` for `reason` (each is accepted once).
    function isEvidenceUsed(
        address slasher_,
        address operator,
        bytes32 reason,
        bytes32 evidenceHash
    ) external view returns (bool);
    /// @notice Bps of `operator`'s allocation to `setId` requested (pending or executed) within the rolling window.
    function windowSlashedBps(address operator, uint256 setId) external view returns (uint256);
    /// @notice The veto window (or the operator sets' epoch length if longer: stake counted in an epoch acts until it
    ///         ends, though it may have left at its start) plus the longest evidence age of any slasher: the least
    ///         withdrawal delay that keeps every stake slashable for what it did.
    function minWithdrawalDelay() external view returns (uint256);
}
