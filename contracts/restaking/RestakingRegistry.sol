// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {OwnedUpgradeable} from "../libraries/OwnedUpgradeable.sol";
import {EpochClock} from "../libraries/EpochClock.sol";
import {CheckpointWindow} from "../libraries/CheckpointWindow.sol";
import {IRestakingRegistry} from "../interfaces/IRestakingRegistry.sol";
import {ISlashingManager} from "../interfaces/ISlashingManager.sol";
import {IOperatorSets} from "../interfaces/IOperatorSets.sol";
import {IAltToken} from "../interfaces/IAltToken.sol";

/// @title RestakingRegistry
/// @notice Assets, operators and staking pools of ALT Protocol (UUPS proxy, ERC-7201 storage).
contract RestakingRegistry is IRestakingRegistry, OwnedUpgradeable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using Checkpoints for Checkpoints.Trace208;
    using CheckpointWindow for Checkpoints.Trace208;

    /// @notice At most 8 assets: every loop over assets is bounded by this.
    uint256 public constant MAX_ASSETS = 8;
    /// @notice Commission ceiling: 20 %.
    uint16 public constant MAX_COMMISSION_BPS = 2_000;
    uint256 private constant BPS = 10_000;
    uint256 private constant WEIGHT_UNIT = 1e18;
    /// @dev Reward units per ALT-equivalent of stake before any slash (see `OperatorData.unitRate`).
    uint256 private constant RATE_UNIT = 1e18;
    /// @dev `revalueUnits` moves units that are more than this far (in bps) from their fair value: rounding and the
    ///      pools' virtual offset keep positions of unchanged weight within it, but for dust (under about 1,000 units,
    ///      1e-15 ALT) where one wei of rounding is more.
    uint256 private constant REVALUE_TOLERANCE_BPS = 10;
    /// @dev Virtual shares and assets of every pool: a share is worth (totalAssets + 1) / (totalShares + 1e6). Assets
    ///      are tracked, not read from balances, so donations change no price; the offset bounds rounding losses.
    uint256 private constant VIRTUAL_SHARES = 1e6;
    uint256 private constant VIRTUAL_ASSETS = 1;
    uint256 private constant MAX_DELAY = 365 days;

    /// @dev slot 0: commissionBps (16) | pendingCommissionBps (16) | commissionEffectiveAt (48) | registered (8) |
    ///      pendingSlashes (32) | allocated (128); slot 1: unitRate (128). Slot 0 is never zero once registered, so a
    ///      slash request (the jail counter) and a first allocation write a non-zero slot; slot 1 is written at the
    ///      operator's first executed slash.
    struct OperatorData {
        uint16 commissionBps;
        uint16 pendingCommissionBps;
        uint48 commissionEffectiveAt;
        bool registered;
        uint32 pendingSlashes;
        // the sum of its allocations to operator sets, kept by OperatorSets: while the active stake stays at or above
        // it, a stake decrease needs no call to OperatorSets
        uint128 allocated;
        // reward units minted per ALT-equivalent staked, RATE_UNIT-scaled (0 reads as RATE_UNIT): a slash takes the
        // same fraction f of every pool of the operator and raises the rate by 1 / (1 - f), so units stay
        // proportional to stake across stakers who staked before and after it
        uint128 unitRate;
    }

    /// @dev A staker's active shares in a pool and the reward units they carry (both < 2^128).
    struct Position {
        uint128 shares;
        uint128 units;
    }

    /// @custom:storage-location erc7201:alt.storage.RestakingRegistry
    struct RegistryStorage {
        // fixed size: reading an asset needs no length check against storage
        Asset[MAX_ASSETS] assets;
        mapping(address token => bool) isAsset;
        mapping(address operator => OperatorData) operators;
        mapping(address operator => mapping(uint256 assetId => Pool)) pools;
        // Active shares only: shares a staker requested to withdraw live in the withdrawal, not here.
        mapping(address staker => mapping(address operator => mapping(uint256 assetId => Position))) positions;
        mapping(bytes32 root => bool) pendingWithdrawals;
        uint8 assetCount;
        uint64 withdrawalNonce;
        uint48 withdrawalDelay;
        // <= MAX_DELAY < 2^32
        uint32 commissionDelay;
        // the operator sets' epoch clock (fixed for the life of that contract), read when it is wired; in the slot of
        // the withdrawal nonce and delay, which every stake change reads or writes anyway
        uint40 genesis;
        uint32 epochLength;
        ISlashingManager slashingManager;
        // Slashed ALT set aside to burn (`burnSlashedAlt`), in the slashing manager's slot: an execution then writes a
        // slot that is never zero instead of calling the token (whose burn writes a new supply checkpoint). ALT's
        // whole supply (1e28) is below 2^96.
        uint96 altToBurn;
        // Slash proceeds not yet claimed (reporter shares, other assets for the treasury): held by this contract,
        // outside every pool, and paid only when their owner claims them.
        mapping(address account => mapping(uint256 assetId => uint256)) slashProceeds;
        // told when an operator's active stake falls, so its allocations never exceed it
        IOperatorSets operatorSets;
        // Reward units by epoch (keyed by the epoch they count from: the next one), per operator and per staker of it.
        // Invariant: an operator's units at any epoch == the sum of its stakers' units at that epoch.
        mapping(address operator => Checkpoints.Trace208) operatorUnits;
        mapping(address operator => mapping(address staker => Checkpoints.Trace208)) stakerUnits;
    }

    // keccak256(abi.encode(uint256(keccak256("alt.storage.RestakingRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x40021648a8ea4fb27205d0b80430c0e8dfa723f1bd4db4140e3f7373185d6900;

    function _s() private pure returns (RegistryStorage storage s) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            s.slot := STORAGE_SLOT
        }
    }

    /// @param owner_ governance (the timelock after deployment)
    /// @param alt_ the ALT token, asset 0 with weight 1:1
    function initialize(
        address owner_,
        address alt_,
        uint48 withdrawalDelay_,
        uint48 commissionDelay_
    ) external initializer {
        if (alt_ == address(0)) revert RegistryZeroAddress();
        __OwnedUpgradeable_init(owner_);
        _addAsset(alt_, uint96(WEIGHT_UNIT), type(uint128).max); // ALT: fixed supply, never capped
        _setDelays(withdrawalDelay_, commissionDelay_);
    }

    // ================================================================= governance

    /// @inheritdoc IRestakingRegistry
    function addAsset(address token, uint96 weight, uint128 cap) external onlyOwner returns (uint256 assetId) {
        if (token == address(0)) revert RegistryZeroAddress();
        return _addAsset(token, weight, cap);
    }

    /// @inheritdoc IRestakingRegistry
    function updateAsset(uint256 assetId, uint96 weight, uint128 cap) external onlyOwner {
        if (assetId == 0) revert RegistryAltFixed();
        if (weight == 0) revert RegistryZeroWeight();
        Asset storage a = _asset(assetId);
        a.weight = weight;
        a.cap = cap;
        emit AssetUpdated(assetId, weight, cap);
    }

    /// @inheritdoc IRestakingRegistry
    function setDelays(uint48 withdrawalDelay_, uint48 commissionDelay_) external onlyOwner {
        _setDelays(withdrawalDelay_, commissionDelay_);
    }

    /// @inheritdoc IRestakingRegistry
    function setModules(address slashingManager_, address operatorSets_) external onlyOwner {
        RegistryStorage storage s = _s();
        s.slashingManager = ISlashingManager(slashingManager_);
        s.operatorSets = IOperatorSets(operatorSets_);
        if (operatorSets_ != address(0)) {
            // epochs are counted from the operator sets' genesis, and their length never changes
            uint256 genesis = IOperatorSets(operatorSets_).epochStart(0);
            uint256 length = IOperatorSets(operatorSets_).epochLength();
            // reward units are checkpointed by the epochs of one clock: a clock that went back would refuse every
            // later stake change (checkpoints only move forward), so a replacement must keep the clock
            if (s.epochLength != 0 && (genesis != s.genesis || length != s.epochLength)) {
                revert RegistryEpochClockChanged(s.genesis, s.epochLength);
            }
            s.genesis = SafeCast.toUint40(genesis);
            s.epochLength = SafeCast.toUint32(length);
        }
        emit ModulesUpdated(slashingManager_, operatorSets_);
        // the slashing manager may demand a longer delay than the current one
        if (slashingManager_ != address(0)) _checkWithdrawalDelay(s.withdrawalDelay);
    }

    // ================================================================= operators

    /// @inheritdoc IRestakingRegistry
    function registerOperator(string calldata metadataURI, uint16 commissionBps) external {
        OperatorData storage op = _s().operators[msg.sender];
        if (op.registered) revert RegistryOperatorExists(msg.sender);
        if (commissionBps > MAX_COMMISSION_BPS) revert RegistryCommissionTooHigh(commissionBps, MAX_COMMISSION_BPS);
        op.registered = true;
        op.commissionBps = commissionBps;
        op.pendingCommissionBps = commissionBps; // in force from effectiveAt = 0, i.e. now
        emit OperatorRegistered(msg.sender, commissionBps, metadataURI);
    }

    /// @inheritdoc IRestakingRegistry
    function setMetadataURI(string calldata metadataURI) external {
        _operator(msg.sender);
        emit OperatorMetadataURIUpdated(msg.sender, metadataURI);
    }

    /// @inheritdoc IRestakingRegistry
    function setCommission(uint16 bps) external {
        OperatorData storage op = _operator(msg.sender);
        if (bps > MAX_COMMISSION_BPS) revert RegistryCommissionTooHigh(bps, MAX_COMMISSION_BPS);
        uint16 current = _currentCommission(op);
        uint48 effectiveAt = uint48(block.timestamp);
        if (bps > current) effectiveAt += _s().commissionDelay;
        // a decrease applies at once and cancels a pending increase; an increase waits
        op.commissionBps = bps > current ? current : bps;
        op.pendingCommissionBps = bps;
        op.commissionEffectiveAt = effectiveAt;
        emit CommissionChanged(msg.sender, bps, effectiveAt);
    }

    // ================================================================= stakers

    /// @inheritdoc IRestakingRegistry
    function stake(address operator, uint256 assetId, uint256 amount) external nonReentrant returns (uint256) {
        return _stake(operator, assetId, amount);
    }

    /// @inheritdoc IRestakingRegistry
    /// @dev The permit is tried, not required: if it was front-run into the token, the allowance is already there.
    function stakeWithPermit(
        address operator,
        uint256 amount,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant returns (uint256) {
        address token = _s().assets[0].token;
        // solhint-disable-next-line no-empty-blocks
        try IERC20Permit(token).permit(msg.sender, address(this), amount, deadline, v, r, s) {} catch {}
        return _stake(operator, 0, amount);
    }

    /// @inheritdoc IRestakingRegistry
    function requestUnstake(
        address operator,
        uint256 assetId,
        uint256 shareAmount
    ) external nonReentrant returns (bytes32 root) {
        if (shareAmount == 0) revert RegistryZeroAmount();
        RegistryStorage storage s = _s();
        Position storage position = s.positions[msg.sender][operator][assetId];
        Position memory held = position;
        if (shareAmount > held.shares) revert RegistryInsufficientShares(shareAmount, held.shares);
        // the requested shares' units, pro rata (all of them with the last share): they earn no rewards from the next
        // epoch on, like the shares stop counting as stake
        uint256 units = shareAmount == held.shares ? held.units : (uint256(held.units) * shareAmount) / held.shares;
        unchecked {
            // checked just above; units <= held.units
            position.shares = held.shares - uint128(shareAmount);
            position.units = held.units - uint128(units);
        }
        // shareAmount <= held <= totalShares < 2^128
        s.pools[operator][assetId].queuedShares += uint128(shareAmount);
        Withdrawal memory w = Withdrawal({
            staker: msg.sender,
            operator: operator,
            assetId: uint8(assetId), // held > 0 implies assetId < MAX_ASSETS
            shares: uint128(shareAmount),
            unlockAt: uint48(block.timestamp) + s.withdrawalDelay,
            nonce: s.withdrawalNonce++
        });
        root = keccak256(abi.encode(w));
        s.pendingWithdrawals[root] = true;
        emit UnstakeRequested(root, w);
        if (units != 0) _moveUnits(s, msg.sender, operator, units, false);
        _stakeDecreased(s, operator);
    }

    /// @inheritdoc IRestakingRegistry
    function revalueUnits(
        address staker,
        address operator,
        uint256 assetId
    ) external nonReentrant returns (uint256 units) {
        RegistryStorage storage s = _s();
        Position storage position = s.positions[staker][operator][assetId];
        Position memory held = position;
        Asset storage a = _asset(assetId);
        uint256 amount = _toAmount(s.pools[operator][assetId], held.shares);
        // ALT's weight is 1:1 for good (updateAsset refuses asset 0)
        uint256 value = assetId == 0 ? amount : Math.mulDiv(amount, a.weight, WEIGHT_UNIT);
        units = Math.mulDiv(value, _unitRate(s.operators[operator]), RATE_UNIT);
        uint256 previous = held.units;
        uint256 gap = units > previous ? units - previous : previous - units;
        if (gap * BPS <= previous * REVALUE_TOLERANCE_BPS) revert RegistryUnitsInLine(previous, units);
        position.units = SafeCast.toUint128(units);
        emit UnitsRevalued(staker, operator, assetId, previous, units);
        _moveUnits(s, staker, operator, gap, units > previous);
    }

    /// @inheritdoc IRestakingRegistry
    function completeUnstake(Withdrawal calldata w) external nonReentrant returns (uint256 amount) {
        RegistryStorage storage s = _s();
        bytes32 root = keccak256(abi.encode(w));
        if (!s.pendingWithdrawals[root]) revert RegistryUnknownWithdrawal(root);
        if (msg.sender != w.staker) revert RegistryNotStaker(msg.sender);
        if (block.timestamp < w.unlockAt) revert RegistryWithdrawalLocked(w.unlockAt);
        if (s.operators[w.operator].pendingSlashes != 0) revert RegistryOperatorJailed(w.operator);
        delete s.pendingWithdrawals[root];

        Pool storage p = s.pools[w.operator][w.assetId];
        Pool memory current = p;
        amount = _toAmount(current, w.shares);
        // queued shares are part of totalShares, and amount <= totalAssets since shares <= totalShares
        unchecked {
            p.totalShares = current.totalShares - w.shares;
            p.queuedShares = current.queuedShares - w.shares;
            p.totalAssets = current.totalAssets - uint128(amount);
        }
        if (w.assetId != 0) s.assets[w.assetId].totalStaked -= uint128(amount); // ALT is not capped, not counted
        emit UnstakeCompleted(root, w.staker, w.operator, amount);
        IERC20(s.assets[w.assetId].token).safeTransfer(w.staker, amount);
    }

    // ================================================================= operator sets

    /// @inheritdoc IRestakingRegistry
    function setAllocated(address operator, uint256 allocated) external {
        RegistryStorage storage s = _s();
        if (msg.sender != address(s.operatorSets)) revert RegistryNotOperatorSets(msg.sender);
        s.operators[operator].allocated = uint128(allocated); // <= the operator's stake < 2^128
    }

    // ================================================================= slashing

    /// @inheritdoc IRestakingRegistry
    function onSlashRequested(address operator) external {
        _onlySlashingManager();
        ++_s().operators[operator].pendingSlashes;
    }

    /// @inheritdoc IRestakingRegistry
    function onSlashVetoed(address operator) external {
        _onlySlashingManager();
        --_s().operators[operator].pendingSlashes;
    }

    /// @inheritdoc IRestakingRegistry
    function slash(
        uint256 requestId,
        SlashOrder calldata order
    ) external nonReentrant returns (uint256[] memory amounts) {
        _onlySlashingManager();
        RegistryStorage storage s = _s();
        address operator = order.operator;
        OperatorData storage op = s.operators[operator];
        --op.pendingSlashes; // the request was counted by onSlashRequested
        amounts = new uint256[](s.assetCount);
        IOperatorSets sets = s.operatorSets;
        // unwired by governance: nothing is allocated anywhere, so nothing is slashable
        if (address(sets) == address(0)) return amounts;
        (uint256 value, uint256 allocated) = sets.slashAllocation(
            operator,
            order.setId,
            order.bps,
            order.requestedAt,
            order.maxValue
        );
        op.allocated = uint128(allocated);
        if (value != 0) _take(s, requestId, operator, value, order, amounts);
        _stakeDecreased(s, operator);
    }

    /// @inheritdoc IRestakingRegistry
    function claimSlashProceeds(uint256 assetId, address to) external nonReentrant returns (uint256 amount) {
        if (to == address(0)) revert RegistryZeroAddress();
        IERC20 token = IERC20(_asset(assetId).token);
        mapping(uint256 => uint256) storage proceeds = _s().slashProceeds[msg.sender];
        amount = proceeds[assetId];
        if (amount == 0) revert RegistryZeroAmount();
        delete proceeds[assetId];
        emit SlashProceedsClaimed(msg.sender, assetId, to, amount);
        token.safeTransfer(to, amount);
    }

    /// @inheritdoc IRestakingRegistry
    function burnSlashedAlt() external returns (uint256 amount) {
        RegistryStorage storage s = _s();
        amount = s.altToBurn;
        if (amount == 0) revert RegistryZeroAmount();
        s.altToBurn = 0;
        emit SlashedAltBurned(msg.sender, amount);
        IAltToken(s.assets[0].token).burn(amount);
    }

    // ================================================================= views

    /// @inheritdoc IRestakingRegistry
    function altToBurn() external view returns (uint256) {
        return _s().altToBurn;
    }

    /// @inheritdoc IRestakingRegistry
    function alt() external view returns (address) {
        return _s().assets[0].token;
    }

    /// @inheritdoc IRestakingRegistry
    function assetCount() external view returns (uint256) {
        return _s().assetCount;
    }

    /// @inheritdoc IRestakingRegistry
    function asset(uint256 assetId) external view returns (Asset memory) {
        return _asset(assetId);
    }

    /// @inheritdoc IRestakingRegistry
    function pool(address operator, uint256 assetId) external view returns (Pool memory) {
        return _s().pools[operator][assetId];
    }

    /// @inheritdoc IRestakingRegistry
    function sharesOf(address staker, address operator, uint256 assetId) external view returns (uint256) {
        return _s().positions[staker][operator][assetId].shares;
    }

    /// @inheritdoc IRestakingRegistry
    function unitsOf(address staker, address operator, uint256 assetId) external view returns (uint256) {
        return _s().positions[staker][operator][assetId].units;
    }

    /// @inheritdoc IRestakingRegistry
    function unitRate(address operator) external view returns (uint256) {
        return _unitRate(_s().operators[operator]);
    }

    /// @inheritdoc IRestakingRegistry
    function operatorUnitsAt(address operator, uint256 epoch) external view returns (uint256) {
        return _s().operatorUnits[operator].valueAt(epoch);
    }

    /// @inheritdoc IRestakingRegistry
    function stakerUnitsAt(address staker, address operator, uint256 epoch) external view returns (uint256) {
        return _s().stakerUnits[operator][staker].valueAt(epoch);
    }

    /// @inheritdoc IRestakingRegistry
    function unitsWindow(
        address operator,
        address staker,
        uint256 from,
        uint256 until,
        uint256 max
    ) external view returns (uint256 start, uint48[] memory keys, uint208[] memory values) {
        RegistryStorage storage s = _s();
        Checkpoints.Trace208 storage trace =
            staker == address(0) ? s.operatorUnits[operator] : s.stakerUnits[operator][staker];
        return trace.window(from, until, max);
    }

    /// @inheritdoc IRestakingRegistry
    function currentEpoch() external view returns (uint256) {
        return _currentEpoch(_s());
    }

    /// @inheritdoc IRestakingRegistry
    function sharesToAmount(address operator, uint256 assetId, uint256 shareAmount) external view returns (uint256) {
        return _toAmount(_s().pools[operator][assetId], shareAmount);
    }

    /// @inheritdoc IRestakingRegistry
    function operatorStake(address operator) external view returns (uint256) {
        return _activeValue(_s(), operator);
    }

    /// @inheritdoc IRestakingRegistry
    function isOperator(address account) external view returns (bool) {
        return _s().operators[account].registered;
    }

    /// @inheritdoc IRestakingRegistry
    function isJailed(address operator) external view returns (bool) {
        return _s().operators[operator].pendingSlashes != 0;
    }

    /// @inheritdoc IRestakingRegistry
    function pendingSlashes(address operator) external view returns (uint256) {
        return _s().operators[operator].pendingSlashes;
    }

    /// @inheritdoc IRestakingRegistry
    function commissionOf(address operator) external view returns (uint256) {
        return _currentCommission(_s().operators[operator]);
    }

    /// @inheritdoc IRestakingRegistry
    function withdrawalDelay() external view returns (uint256) {
        return _s().withdrawalDelay;
    }

    /// @inheritdoc IRestakingRegistry
    function commissionDelay() external view returns (uint256) {
        return _s().commissionDelay;
    }

    /// @inheritdoc IRestakingRegistry
    function slashingManager() external view returns (address) {
        return address(_s().slashingManager);
    }

    /// @inheritdoc IRestakingRegistry
    function operatorSets() external view returns (address) {
        return address(_s().operatorSets);
    }

    /// @inheritdoc IRestakingRegistry
    function slashProceeds(address account, uint256 assetId) external view returns (uint256) {
        return _s().slashProceeds[account][assetId];
    }

    /// @inheritdoc IRestakingRegistry
    function isPendingWithdrawal(bytes32 root) external view returns (bool) {
        return _s().pendingWithdrawals[root];
    }

    /// @inheritdoc IRestakingRegistry
    function withdrawalRoot(Withdrawal calldata w) external pure returns (bytes32) {
        return keccak256(abi.encode(w));
    }

    // ================================================================= internals

    /// @dev The ALT-equivalent value of `operator`'s active (not requested) stake.
    function _activeValue(RegistryStorage storage s, address operator) private view returns (uint256 value) {
        uint256 count = s.assetCount;
        for (uint256 i; i < count; ++i) {
            Pool memory p = s.pools[operator][i];
            if (p.totalShares == p.queuedShares) continue;
            uint256 amount = _toAmount(p, p.totalShares - p.queuedShares);
            // ALT's weight is 1:1 for good (updateAsset refuses asset 0)
            value += i == 0 ? amount : (amount * s.assets[i].weight) / WEIGHT_UNIT;
        }
    }

    /// @dev `operator`'s active stake fell: its allocations must not exceed it.
    function _stakeDecreased(RegistryStorage storage s, address operator) private {
        OperatorData storage op = s.operators[operator];
        uint256 allocated = op.allocated;
        if (allocated == 0) return;
        uint256 active = _activeValue(s, operator);
        if (active >= allocated) return;
        IOperatorSets sets = s.operatorSets;
        // unwired by governance: nothing may block a staker's request
        if (address(sets) != address(0)) op.allocated = uint128(sets.onStakeDecreased(operator, active));
    }

    /// @dev Takes `value` (ALT-equivalent) from `operator`'s pools, the same fraction of each (queued stake included,
    ///      so a withdrawal requested after the offence pays its part): value / the pools' total value, at most
    ///      `bps` of it. Allocations are valued when made; after governance lowers an asset's weight they may exceed
    ///      what the pools are worth, and a request must still never take more than its fraction.
    function _take(
        RegistryStorage storage s,
        uint256 requestId,
        address operator,
        uint256 value,
        SlashOrder calldata order,
        uint256[] memory amounts
    ) private {
        uint256 count = amounts.length;
        uint256 totalValue;
        for (uint256 i; i < count; ++i) {
            uint256 assets = s.pools[operator][i].totalAssets;
            // ALT's weight is 1:1 for good (updateAsset refuses asset 0)
            totalValue += i == 0 ? assets : (assets * s.assets[i].weight) / WEIGHT_UNIT;
        }
        if (totalValue == 0) return;
        uint256 most = (totalValue * order.bps) / BPS;
        if (value > most) value = most;
        if (value == 0) return;
        // every pool loses the fraction value / totalValue (bps <= 100 %, and the slashing manager caps it far lower)
        OperatorData storage op = s.operators[operator];
        if (value < totalValue) {
            // saturating, never reverting: an execution must always go through (an operator slashed to dust so
            // often that the rate would pass 2^128 - 1 refuses new stake instead, as its units overflow)
            uint256 rate = Math.mulDiv(_unitRate(op), totalValue, totalValue - value);
            op.unitRate = rate > type(uint128).max ? type(uint128).max : uint128(rate);
        }
        for (uint256 i; i < count; ++i) {
            Pool storage p = s.pools[operator][i];
            uint256 total = p.totalAssets;
            if (total == 0) continue;
            // value <= totalValue, so amount <= total
            uint256 amount = Math.mulDiv(total, value, totalValue);
            if (amount == 0) continue;
            uint256 toReporter = (amount * order.reporterBps) / BPS;
            unchecked {
                p.totalAssets = uint128(total - amount);
            }
            if (i != 0) s.assets[i].totalStaked -= uint128(amount);
            amounts[i] = amount;
            emit PoolSlashed(requestId, operator, i, amount, toReporter, total - amount);
            // Nothing is pushed and no token is called: a token that refuses a transfer (a blocklisted reporter or
            // treasury) must not block the execution, and with it the operator's jail. Shares become claimable; ALT's
            // rest waits in the registry for `burnSlashedAlt`.
            if (toReporter != 0) _creditProceeds(s, order.reporter, i, toReporter);
            // ALT's supply < 2^96 bounds what the registry can hold to burn; a redirected slash's ALT is its recipient's
            if (i != 0) _creditProceeds(s, order.treasury, i, amount - toReporter);
            else if (order.recipient != address(0)) _creditProceeds(s, order.recipient, 0, amount - toReporter);
            else s.altToBurn += uint96(amount - toReporter);
        }
    }

    function _creditProceeds(RegistryStorage storage s, address account, uint256 assetId, uint256 amount) private {
        s.slashProceeds[account][assetId] += amount;
        emit SlashProceedsCredited(account, assetId, amount);
    }

    function _stake(address operator, uint256 assetId, uint256 amount) private returns (uint256 newShares) {
        if (amount == 0) revert RegistryZeroAmount();
        RegistryStorage storage s = _s();
        OperatorData storage op = s.operators[operator];
        if (!op.registered) revert RegistryNotOperator(operator);
        // stake arriving after an offence must not pay for it: none is taken while a slash request is pending
        if (op.pendingSlashes != 0) revert RegistryOperatorJailed(operator);
        Asset storage a = _asset(assetId);

        // The transfer comes first so the balance delta can prove the token moved exactly `amount`
        // (fee-on-transfer tokens are refused, and rebasing ones moving less than asked; governance vets assets for
        // rebases that move exact amounts); `nonReentrant` guards the callers. ALT (asset 0) is the
        // protocol's own plain ERC20 and needs no such proof.
        IERC20 token = IERC20(a.token);
        if (assetId == 0) {
            token.safeTransferFrom(msg.sender, address(this), amount);
        } else {
            uint256 totalAfter = a.totalStaked + amount;
            if (totalAfter > a.cap) revert RegistryCapExceeded(assetId, a.cap, totalAfter);
            a.totalStaked = uint128(totalAfter); // <= cap < 2^128
            uint256 balanceBefore = token.balanceOf(address(this));
            token.safeTransferFrom(msg.sender, address(this), amount);
            uint256 received = token.balanceOf(address(this)) - balanceBefore;
            if (received != amount) revert RegistryUnsupportedToken(address(token), amount, received);
        }

        Pool storage p = s.pools[operator][assetId];
        (uint256 totalShares, uint256 totalAssets) = (p.totalShares, p.totalAssets); // one slot: queuedShares unread
        newShares = Math.mulDiv(amount, totalShares + VIRTUAL_SHARES, totalAssets + VIRTUAL_ASSETS);
        if (newShares == 0) revert RegistryZeroAmount();
        p.totalShares = SafeCast.toUint128(totalShares + newShares);
        p.totalAssets = SafeCast.toUint128(totalAssets + amount);
        emit Staked(msg.sender, operator, assetId, amount, newShares);
        // ALT's weight is 1:1 for good (updateAsset refuses asset 0); units keep the weight in force when staked
        uint256 value = assetId == 0 ? amount : Math.mulDiv(amount, a.weight, WEIGHT_UNIT);
        _addPosition(s, operator, assetId, newShares, Math.mulDiv(value, _unitRate(op), RATE_UNIT));
    }

    /// @dev Adds `shares` carrying `units` to the caller's position in the pool.
    function _addPosition(
        RegistryStorage storage s,
        address operator,
        uint256 assetId,
        uint256 shares,
        uint256 units
    ) private {
        Position storage position = s.positions[msg.sender][operator][assetId];
        Position memory held = position;
        // shares <= the pool's total < 2^128; units < 2^128 unless the unit rate explodes (see unitRate)
        position.shares = uint128(held.shares + shares);
        position.units = SafeCast.toUint128(held.units + units);
        if (units != 0) _moveUnits(s, msg.sender, operator, units, true);
    }

    /// @dev Adds (or removes) `units` of `staker` in `operator`, from the next epoch on, in both checkpoint traces.
    function _moveUnits(RegistryStorage storage s, address staker, address operator, uint256 units, bool add) private {
        uint48 key = uint48(_currentEpoch(s) + 1);
        Checkpoints.Trace208 storage own = s.stakerUnits[operator][staker];
        Checkpoints.Trace208 storage total = s.operatorUnits[operator];
        // a staker's units <= the operator's total (the sum of its stakers'), so removing never underflows
        uint256 ownUnits = add ? own.latest() + units : own.latest() - units;
        uint256 totalUnits = add ? total.latest() + units : total.latest() - units;
        own.push(key, SafeCast.toUint208(ownUnits));
        total.push(key, SafeCast.toUint208(totalUnits));
        emit UnitsChanged(operator, staker, key, ownUnits, totalUnits);
    }

    /// @dev The epoch of the operator sets' clock now (0 until it is wired).
    function _currentEpoch(RegistryStorage storage s) private view returns (uint256) {
        uint256 length = s.epochLength;
        return length == 0 ? 0 : EpochClock.epochAt(s.genesis, length, block.timestamp);
    }

    function _unitRate(OperatorData storage op) private view returns (uint256 rate) {
        rate = op.unitRate;
        if (rate == 0) rate = RATE_UNIT;
    }

    function _onlySlashingManager() private view {
        if (msg.sender != address(_s().slashingManager)) revert RegistryNotSlashingManager(msg.sender);
    }

    function _toAmount(Pool memory p, uint256 shareAmount) private pure returns (uint256) {
        return Math.mulDiv(shareAmount, p.totalAssets + VIRTUAL_ASSETS, p.totalShares + VIRTUAL_SHARES);
    }

    function _addAsset(address token, uint96 weight, uint128 cap) private returns (uint256 assetId) {
        RegistryStorage storage s = _s();
        assetId = s.assetCount;
        if (assetId == MAX_ASSETS) revert RegistryTooManyAssets(MAX_ASSETS);
        if (s.isAsset[token]) revert RegistryAssetExists(token);
        if (weight == 0) revert RegistryZeroWeight();
        s.isAsset[token] = true;
        s.assets[assetId] = Asset({token: token, weight: weight, cap: cap, totalStaked: 0});
        s.assetCount = uint8(assetId + 1);
        emit AssetAdded(assetId, token, weight, cap);
    }

    function _asset(uint256 assetId) private view returns (Asset storage) {
        RegistryStorage storage s = _s();
        if (assetId >= s.assetCount) revert RegistryUnknownAsset(assetId);
        return s.assets[assetId];
    }

    function _operator(address account) private view returns (OperatorData storage op) {
        op = _s().operators[account];
        if (!op.registered) revert RegistryNotOperator(account);
    }

    function _currentCommission(OperatorData storage op) private view returns (uint16) {
        return block.timestamp >= op.commissionEffectiveAt ? op.pendingCommissionBps : op.commissionBps;
    }

    function _setDelays(uint48 withdrawalDelay_, uint48 commissionDelay_) private {
        if (withdrawalDelay_ > MAX_DELAY) revert RegistryDelayTooLong(withdrawalDelay_);
        if (commissionDelay_ > MAX_DELAY) revert RegistryDelayTooLong(commissionDelay_);
        _checkWithdrawalDelay(withdrawalDelay_);
        RegistryStorage storage s = _s();
        s.withdrawalDelay = withdrawalDelay_;
        s.commissionDelay = uint32(commissionDelay_); // <= MAX_DELAY
        emit DelaysUpdated(withdrawalDelay_, commissionDelay_);
    }

    /// @dev A withdrawal must outlast every slash that could still be requested and vetoed for what the stake did.
    function _checkWithdrawalDelay(uint256 delay) private view {
        ISlashingManager manager = _s().slashingManager;
        if (address(manager) == address(0)) return;
        uint256 minimum = manager.minWithdrawalDelay();
        if (delay < minimum) revert RegistryDelayTooShort(delay, minimum);
    }
}
