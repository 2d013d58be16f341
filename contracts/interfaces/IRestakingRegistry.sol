// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Restaking registry
/// @notice Assets, operators, and the (operator, asset) pools that stakers restake into. Pool shares are priced by the
///         pool's tracked assets, so a slash lowers every share of the pool at once — requested (queued) shares too —
///         in O(number of assets), never looping over stakers. Unstaking is a queue: a request fixes shares, which stop
///         counting as stake at once but stay slashable until completion after the withdrawal delay.
interface IRestakingRegistry {
    /// @notice A zero address was given where a contract or account is required.
    error RegistryZeroAddress();
    /// @notice Only the slashing manager may call this.
    error RegistryNotSlashingManager(address caller);
    /// @notice Only the operator sets contract may call this.
    error RegistryNotOperatorSets(address caller);
    /// @notice The registry already holds the maximum number of assets.
    error RegistryTooManyAssets(uint256 max);
    /// @notice `token` is an asset already.
    error RegistryAssetExists(address token);
    /// @notice No asset has id `assetId`.
    error RegistryUnknownAsset(uint256 assetId);
    /// @notice ALT (asset 0) is the unit of stake: its weight is 1:1 and it has no cap, for good.
    error RegistryAltFixed();
    /// @notice An asset weight must be positive.
    error RegistryZeroWeight();
    /// @notice The deposit would take the asset's total stake past its cap.
    error RegistryCapExceeded(uint256 assetId, uint256 cap, uint256 totalAfter);
    /// @notice The token moved a different amount than asked: fee-on-transfer and rebasing tokens are refused.
    error RegistryUnsupportedToken(address token, uint256 expected, uint256 received);
    /// @notice `operator` is registered already.
    error RegistryOperatorExists(address operator);
    /// @notice `account` is not a registered operator.
    error RegistryNotOperator(address account);
    /// @notice A commission above the maximum.
    error RegistryCommissionTooHigh(uint256 bps, uint256 max);
    /// @notice Amounts and shares must be positive.
    error RegistryZeroAmount();
    /// @notice The staker holds fewer active shares in the pool than requested.
    error RegistryInsufficientShares(uint256 requested, uint256 available);
    /// @notice No pending withdrawal has this root.
    error RegistryUnknownWithdrawal(bytes32 root);
    /// @notice The withdrawal unlocks at `unlockAt`.
    error RegistryWithdrawalLocked(uint256 unlockAt);
    /// @notice The operator has a pending slash request: its withdrawals wait for the outcome.
    error RegistryOperatorJailed(address operator);
    /// @notice Only the staker of the withdrawal may complete it.
    error RegistryNotStaker(address caller);
    /// @notice The withdrawal delay must be at least `minimum` (veto window + longest evidence age).
    error RegistryDelayTooShort(uint256 delay, uint256 minimum);
    /// @notice A delay above the 365-day ceiling.
    error RegistryDelayTooLong(uint256 delay);
    /// @notice Operator sets wired in place of others must keep their epoch clock (genesis, epoch length): reward
    ///         units are checkpointed by its epochs.
    error RegistryEpochClockChanged(uint256 genesis, uint256 epochLength);
    /// @notice A position's `units` are within 0.1 % of what its shares are worth now (`fair`): nothing to revalue.
    error RegistryUnitsInLine(uint256 units, uint256 fair);

    /// @notice Governance added `token` as asset `assetId`.
    event AssetAdded(uint256 indexed assetId, address indexed token, uint256 weight, uint256 cap);
    /// @notice Governance changed an asset's weight (ALT-equivalent multiplier, 1e18 = 1:1) and cap.
    event AssetUpdated(uint256 indexed assetId, uint256 weight, uint256 cap);
    /// @notice `operator` registered.
    event OperatorRegistered(address indexed operator, uint256 commissionBps, string metadataURI);
    /// @notice `operator` published new metadata.
    event OperatorMetadataURIUpdated(address indexed operator, string metadataURI);
    /// @notice The commission of `operator` becomes `bps` at `effectiveAt` (at once for decreases).
    event CommissionChanged(address indexed operator, uint256 bps, uint256 effectiveAt);
    /// @notice `staker` staked `amount` of asset `assetId` with `operator` for `shares`.
    event Staked(
        address indexed staker,
        address indexed operator,
        uint256 indexed assetId,
        uint256 amount,
        uint256 shares
    );
    /// @notice `staker` queued `shares` for withdrawal; `root` identifies the withdrawal.
    event UnstakeRequested(bytes32 indexed root, Withdrawal withdrawal);
    /// @notice The withdrawal `root` paid `amount` to its staker.
    event UnstakeCompleted(bytes32 indexed root, address indexed staker, address indexed operator, uint256 amount);
    /// @notice Slash request `requestId` took `amount` of asset `assetId` from the pool of `operator`: `reporterAmount`
    ///         claimable by the reporter, the rest to burn (ALT, see `burnSlashedAlt`) or claimable by the treasury (other
    ///         assets).
    event PoolSlashed(
        uint256 indexed requestId,
        address indexed operator,
        uint256 indexed assetId,
        uint256 amount,
        uint256 reporterAmount,
        uint256 totalAssetsAfter
    );
    /// @notice `amount` of asset `assetId` from a slash became claimable by `account` (a reporter or the treasury).
    event SlashProceedsCredited(address indexed account, uint256 indexed assetId, uint256 amount);
    /// @notice `account` claimed its `amount` of asset `assetId` from slashes, paid to `to`.
    event SlashProceedsClaimed(address indexed account, uint256 indexed assetId, address to, uint256 amount);
    /// @notice `caller` burned `amount` of slashed ALT (all that slashes had left to burn).
    event SlashedAltBurned(address indexed caller, uint256 amount);
    /// @notice A delay parameter changed.
    event DelaysUpdated(uint256 withdrawalDelay, uint256 commissionDelay);
    /// @notice The slashing manager or the operator sets were (re)wired.
    event ModulesUpdated(address slashingManager, address operatorSets);
    /// @notice `staker`'s position in the pool of `operator` and `assetId` now carries `units` reward units instead of
    ///         `previous`, at the asset's current weight.
    event UnitsRevalued(
        address indexed staker,
        address indexed operator,
        uint256 indexed assetId,
        uint256 previous,
        uint256 units
    );
    /// @notice From epoch `epoch` on, `staker` holds `stakerUnits` reward units in `operator`, of `operatorUnits`.
    event UnitsChanged(
        address indexed operator,
        address indexed staker,
        uint256 epoch,
        uint256 stakerUnits,
        uint256 operatorUnits
    );

    /// @notice A restakable asset. `weight` converts its amounts to ALT-equivalent stake (1e18 = 1:1). `cap` bounds
    ///         `totalStaked`, the sum of the asset's pools; ALT (asset 0, fixed supply) is neither capped nor counted.
    /// @dev slot 0: token (160) | weight (96); slot 1: cap (128) | totalStaked (128).
    struct Asset {
        address token;
        uint96 weight;
        uint128 cap;
        uint128 totalStaked;
    }

    /// @notice An (operator, asset) pool. Invariants: queuedShares <= totalShares; the registry holds at least
    ///         totalAssets of the token for the pool; a share is worth (totalAssets + 1) / (totalShares + 1e6).
    struct Pool {
        uint128 totalShares;
        uint128 totalAssets;
        uint128 queuedShares;
    }

    /// @notice What the slashing manager orders executed: `bps` of what `operator` allocated to `setId` (and of its
    ///         deallocation from it still slashable at `requestedAt`, when the request was made), at most `maxValue`.
    struct SlashOrder {
        address operator;
        uint256 setId;
        uint16 bps;
        uint48 requestedAt;
        uint256 maxValue;
        address reporter;
        uint16 reporterBps;
        address treasury;
        /// @dev receives the slashed ALT (less any reporter share) instead of the burn; zero: burned
        address recipient;
    }

    /// @notice A queued withdrawal. Only its hash is stored; the staker presents it again to complete.
    struct Withdrawal {
        address staker;
        address operator;
        uint8 assetId;
        uint128 shares;
        uint48 unlockAt;
        uint64 nonce;
    }

    // ---------------------------------------------------------------- governance (owner)
    /// @notice Adds an ERC20 asset (at most 8 in all, ALT being asset 0).
    function addAsset(address token, uint96 weight, uint128 cap) external returns (uint256 assetId);
    /// @notice Changes an asset's weight and cap (a cap below the total staked only stops new deposits); not ALT's.
    function updateAsset(uint256 assetId, uint96 weight, uint128 cap) external;
    /// @notice Sets the withdrawal and commission-increase delays.
    function setDelays(uint48 withdrawalDelay, uint48 commissionDelay) external;
    /// @notice Wires the slashing manager and the operator sets (zero: not wired).
    /// @param operatorSets told whenever an operator's active stake falls (unstake request, slash), so the operator's
    ///        allocations can shrink to fit it; its epoch clock keys the reward units, and later operator sets must
    ///        keep that clock (`RegistryEpochClockChanged`)
    function setModules(address slashingManager, address operatorSets) external;

    // ---------------------------------------------------------------- operators
    /// @notice Registers the caller as an operator. Operators hold no signing key here: the services that need one
    ///         (MACH) take BLS keys registered in `BlsKeyRegistry`.
    function registerOperator(string calldata metadataURI, uint16 commissionBps) external;
    function setMetadataURI(string calldata metadataURI) external;
    /// @notice Decreases apply at once; increases after the commission delay.
    function setCommission(uint16 bps) external;

    // ---------------------------------------------------------------- stakers
    function stake(address operator, uint256 assetId, uint256 amount) external returns (uint256 shares);
    /// @notice Stakes ALT with an EIP-2612 permit instead of a prior approval.
    function stakeWithPermit(
        address operator,
        uint256 amount,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (uint256 shares);
    function requestUnstake(address operator, uint256 assetId, uint256 shares) external returns (bytes32 root);
    /// @notice Re-values a position's reward units at what its shares are worth now, at the asset's current weight and
    ///         the operator's `unitRate` (anyone: after governance changes an asset's weight, the units of older
    ///         positions would otherwise keep the weight they were minted at). Counts from the next epoch, like any
    ///         unit change. Refused (`RegistryUnitsInLine`) when the units are within 0.1 % of that already.
    /// @return units the position's units from the next epoch on
    function revalueUnits(address staker, address operator, uint256 assetId) external returns (uint256 units);
    function completeUnstake(Withdrawal calldata withdrawal) external returns (uint256 amount);

    // ---------------------------------------------------------------- slashing manager
    /// @notice Counts a new pending slash request against `operator`: it is jailed while any is pending.
    function onSlashRequested(address operator) external;
    /// @notice Uncounts a vetoed request.
    function onSlashVetoed(address operator) external;
    /// @notice Executes a request: uncounts it, has the operator sets cut the operator's allocation to the request's set
    ///         (`OperatorSets.slashAllocation`) and takes the value cut from the operator's pools, the same fraction of
    ///         each (queued shares included). `reporterBps` of it becomes claimable by the reporter, the rest of the ALT
    ///         is set aside to burn (`altToBurn`), or becomes claimable by the order's `recipient` if it has one, and
    ///         the rest of other assets becomes claimable by `treasury`. Calls no
    ///         token, so no token can block it. O(number of assets).
    function slash(uint256 requestId, SlashOrder calldata order) external returns (uint256[] memory amounts);

    /// @notice Burns all the slashed ALT set aside by executions (anyone; refused, `RegistryZeroAmount`, when there is
    ///         none). The ALT sits in the registry outside every pool until then: nobody can withdraw or claim it.
    function burnSlashedAlt() external returns (uint256 amount);

    /// @notice Pays the caller's slash proceeds of asset `assetId` (reporter shares, or the treasury's part of other
    ///         assets) to `to` (another address than a blocklisted caller's own, if need be). Refused
    ///         (`RegistryZeroAmount`) when there is nothing to claim.
    function claimSlashProceeds(uint256 assetId, address to) external returns (uint256 amount);

    // ---------------------------------------------------------------- views
    /// @notice Slash proceeds of asset `assetId` that `account` can claim.
    function slashProceeds(address account, uint256 assetId) external view returns (uint256);
    /// @notice Slashed ALT set aside by executions and not yet burned (`burnSlashedAlt`).
    function altToBurn() external view returns (uint256);
    function alt() external view returns (address);
    function assetCount() external view returns (uint256);
    function asset(uint256 assetId) external view returns (Asset memory);
    function pool(address operator, uint256 assetId) external view returns (Pool memory);
    function sharesOf(address staker, address operator, uint256 assetId) external view returns (uint256);
    /// @notice The reward units that `staker`'s active shares in the pool carry. Units measure a staker's part of an
    ///         operator's stakers' rewards: a stake mints its ALT-equivalent value (at the asset's weight then) times
    ///         the operator's `unitRate`; an unstake request burns the requested shares' part of the position's units.
    function unitsOf(address staker, address operator, uint256 assetId) external view returns (uint256);
    /// @notice Units minted per ALT-equivalent staked with `operator` (1e18 = one per wei): it starts at 1e18 and each
    ///         slash that takes a fraction f of the operator's pools divides it by (1 - f), so units minted after a
    ///         slash weigh what the stake weighs against the units of older (now slashed) stake.
    function unitRate(address operator) external view returns (uint256);
    /// @notice The reward units of `operator`'s stakers that count in `epoch` (changes count from the next epoch).
    function operatorUnitsAt(address operator, uint256 epoch) external view returns (uint256);
    /// @notice The reward units of `staker` in `operator` that count in `epoch`.
    function stakerUnitsAt(address staker, address operator, uint256 epoch) external view returns (uint256);
    /// @notice The units in force at epoch `from` and their changes keyed in (`from`, `until`), at most `max`: the
    ///         operator's total when `staker` is zero, else the staker's.
    function unitsWindow(
        address operator,
        address staker,
        uint256 from,
        uint256 until,
        uint256 max
    ) external view returns (uint256 start, uint48[] memory keys, uint208[] memory values);
    /// @notice The operator sets' epoch now (0 until they are wired).
    function currentEpoch() external view returns (uint256);
    /// @notice What `shares` of the pool would pay now.
    function sharesToAmount(address operator, uint256 assetId, uint256 shares) external view returns (uint256);
    /// @notice The ALT-equivalent stake of `operator`: active (not queued) pool value times asset weight, all assets.
    function operatorStake(address operator) external view returns (uint256);
    /// @notice Operator sets: the sum of `operator`'s allocations is now `allocated`. Unstake requests and slashes tell
    ///         the operator sets only when they leave the operator's active stake below it.
    function setAllocated(address operator, uint256 allocated) external;
    function isOperator(address account) external view returns (bool);
    /// @notice Whether `operator` has a pending slash request (it cannot join sets, is left out of snapshots, and
    ///         its stakers' withdrawals cannot complete).
    function isJailed(address operator) external view returns (bool);
    function pendingSlashes(address operator) external view returns (uint256);
    /// @notice The commission in force now.
    function commissionOf(address operator) external view returns (uint256);
    function withdrawalDelay() external view returns (uint256);
    function commissionDelay() external view returns (uint256);
    function slashingManager() external view returns (address);
    function operatorSets() external view returns (address);
    function isPendingWithdrawal(bytes32 root) external view returns (bool);
    /// @notice The hash that identifies a withdrawal.
    function withdrawalRoot(Withdrawal calldata withdrawal) external pure returns (bytes32);
}
