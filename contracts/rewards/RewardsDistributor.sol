// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {OwnedUpgradeable} from "../libraries/OwnedUpgradeable.sol";
import {IRewardsDistributor} from "../interfaces/IRewardsDistributor.sol";
import {IStakeObserver} from "../interfaces/IStakeObserver.sol";
import {IRestakingRegistry} from "../interfaces/IRestakingRegistry.sol";
import {IOperatorSets} from "../interfaces/IOperatorSets.sol";

/// @title RewardsDistributor
/// @notice Service fees to operators and stakers (UUPS proxy, ERC-7201 storage).
contract RewardsDistributor is IRewardsDistributor, OwnedUpgradeable {
    using SafeERC20 for IERC20;

    /// @inheritdoc IRewardsDistributor
    uint256 public constant SCALE = 1e18;
    uint256 private constant BPS = 10_000;
    uint256 private constant MAX_PROTOCOL_SHARE_BPS = 5_000;

    /// @custom:storage-location erc7201:alt.storage.RewardsDistributor
    struct RewardsStorage {
        IERC20 alt;
        IRestakingRegistry registry;
        IOperatorSets sets;
        address treasury;
        uint16 protocolShareBps;
        mapping(uint256 setId => uint256) pendingFeesScaled;
        mapping(uint256 setId => uint256) nextEpoch;
        // Invariant: sum over stakers of their pool's active shares == the pool's active shares in the registry, so
        // acc increments times active shares are exactly what the pool's stakers are owed.
        mapping(address operator => mapping(uint256 assetId => uint256)) acc;
        mapping(address staker => mapping(address operator => mapping(uint256 assetId => uint256))) lastAcc;
        mapping(address account => uint256) owedScaled;
        // the part of pendingFeesScaled carried from earlier distributions: it paid the protocol share already
        mapping(uint256 setId => uint256) carriedScaled;
    }

    // keccak256(abi.encode(uint256(keccak256("alt.storage.RewardsDistributor")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0xfadcc26857e92ad8d004345bf9ab9aeb7afdc50e815a4c6ab56c8f6017863000;

    function _s() private pure returns (RewardsStorage storage s) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            s.slot := STORAGE_SLOT
        }
    }

    function initialize(
        address owner_,
        address registry_,
        address sets_,
        address treasury_,
        uint16 protocolShareBps_
    ) external initializer {
        if (registry_ == address(0) || sets_ == address(0)) revert RewardsZeroAddress();
        __OwnedUpgradeable_init(owner_);
        RewardsStorage storage s = _s();
        s.registry = IRestakingRegistry(registry_);
        s.alt = IERC20(IRestakingRegistry(registry_).alt());
        s.sets = IOperatorSets(sets_);
        _setParameters(treasury_, protocolShareBps_);
    }

    /// @inheritdoc IRewardsDistributor
    function setParameters(address treasury_, uint16 protocolShareBps_) external onlyOwner {
        _setParameters(treasury_, protocolShareBps_);
    }

    /// @inheritdoc IRewardsDistributor
    function creditFees(uint256 setId, uint256 amount) external {
        if (amount == 0) revert RewardsZeroAmount();
        RewardsStorage storage s = _s();
        s.sets.setConfig(setId); // reverts for an unknown set
        s.pendingFeesScaled[setId] += amount * SCALE;
        emit FeesCredited(setId, msg.sender, amount);
        s.alt.safeTransferFrom(msg.sender, address(this), amount); // ALT: no fee on transfer
    }

    /// @inheritdoc IRewardsDistributor
    function distribute(uint256 setId, uint256 epoch) external {
        RewardsStorage storage s = _s();
        uint256 next = s.nextEpoch[setId];
        if (epoch < next) revert RewardsEpochDistributed(setId, epoch, next);
        uint256 amountScaled = s.pendingFeesScaled[setId];
        if (amountScaled == 0) revert RewardsNothingToDistribute(setId);
        (address[] memory operators, uint256[] memory stakes) = s.sets.snapshotEntries(setId, epoch); // reverts if none
        s.nextEpoch[setId] = epoch + 1;

        // the protocol share is charged once per credited fee: not again on what earlier distributions carried
        uint256 protocolScaled = ((amountScaled - s.carriedScaled[setId]) * s.protocolShareBps) / BPS;
        s.owedScaled[s.treasury] += protocolScaled;
        uint256 restScaled = amountScaled - protocolScaled;
        uint256 totalStake;
        for (uint256 i; i < stakes.length; ++i) totalStake += stakes[i];

        uint256 usedScaled;
        if (totalStake != 0) {
            Weights memory w = _weights(s.registry);
            for (uint256 i; i < operators.length; ++i) {
                usedScaled += _rewardOperator(
                    s,
                    w,
                    setId,
                    epoch,
                    operators[i],
                    Math.mulDiv(restScaled, stakes[i], totalStake)
                );
            }
        }
        // usedScaled <= restScaled: each operator's share is a floor of its stake fraction, and it uses no more
        uint256 carried = restScaled - usedScaled;
        s.pendingFeesScaled[setId] = carried;
        s.carriedScaled[setId] = carried;
        emit Distributed(setId, epoch, amountScaled / SCALE, protocolScaled / SCALE, carried);
    }

    /// @inheritdoc IRewardsDistributor
    function claim(address[] calldata operators, uint256[] calldata assetIds) external returns (uint256 amount) {
        if (operators.length != assetIds.length) revert RewardsLengthMismatch();
        RewardsStorage storage s = _s();
        for (uint256 i; i < operators.length; ++i) {
            uint256 shares = s.registry.sharesOf(msg.sender, operators[i], assetIds[i]);
            _settle(s, msg.sender, operators[i], assetIds[i], shares);
        }
        uint256 owed = s.owedScaled[msg.sender];
        amount = owed / SCALE;
        if (amount == 0) revert RewardsZeroAmount();
        s.owedScaled[msg.sender] = owed - amount * SCALE; // the fraction of a wei stays owed
        emit Claimed(msg.sender, amount);
        s.alt.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IStakeObserver
    function onActiveSharesChanged(
        address staker,
        address operator,
        uint256 assetId,
        uint256 oldShares,
        uint256
    ) external {
        RewardsStorage storage s = _s();
        if (msg.sender != address(s.registry)) revert RewardsNotRegistry(msg.sender);
        _settle(s, staker, operator, assetId, oldShares);
    }

    // ================================================================= views

    /// @inheritdoc IRewardsDistributor
    function alt() external view returns (address) {
        return address(_s().alt);
    }

    /// @inheritdoc IRewardsDistributor
    function registry() external view returns (address) {
        return address(_s().registry);
    }

    /// @inheritdoc IRewardsDistributor
    function operatorSets() external view returns (address) {
        return address(_s().sets);
    }

    /// @inheritdoc IRewardsDistributor
    function treasury() external view returns (address) {
        return _s().treasury;
    }

    /// @inheritdoc IRewardsDistributor
    function protocolShareBps() external view returns (uint256) {
        return _s().protocolShareBps;
    }

    /// @inheritdoc IRewardsDistributor
    function pendingFeesScaled(uint256 setId) external view returns (uint256) {
        return _s().pendingFeesScaled[setId];
    }

    /// @inheritdoc IRewardsDistributor
    function carriedFeesScaled(uint256 setId) external view returns (uint256) {
        return _s().carriedScaled[setId];
    }

    /// @inheritdoc IRewardsDistributor
    function nextEpoch(uint256 setId) external view returns (uint256) {
        return _s().nextEpoch[setId];
    }

    /// @inheritdoc IRewardsDistributor
    function accRewardPerShare(address operator, uint256 assetId) external view returns (uint256) {
        return _s().acc[operator][assetId];
    }

    /// @inheritdoc IRewardsDistributor
    function claimable(
        address account,
        address[] calldata operators,
        uint256[] calldata assetIds
    ) external view returns (uint256) {
        if (operators.length != assetIds.length) revert RewardsLengthMismatch();
        RewardsStorage storage s = _s();
        uint256 owed = s.owedScaled[account];
        for (uint256 i; i < operators.length; ++i) {
            if (_listedBefore(operators, assetIds, i)) continue; // claim settles a pool once; so does this view
            uint256 shares = s.registry.sharesOf(account, operators[i], assetIds[i]);
            owed += shares * (s.acc[operators[i]][assetIds[i]] - s.lastAcc[account][operators[i]][assetIds[i]]);
        }
        return owed / SCALE;
    }

    /// @inheritdoc IRewardsDistributor
    function owedScaled(address account) external view returns (uint256) {
        return _s().owedScaled[account];
    }

    // ================================================================= internals

    /// @dev Whether pool `i` of the list appeared earlier in it (a view helper: O(i), over a caller-chosen list).
    function _listedBefore(
        address[] calldata operators,
        uint256[] calldata assetIds,
        uint256 i
    ) private pure returns (bool) {
        for (uint256 j; j < i; ++j) if (operators[j] == operators[i] && assetIds[j] == assetIds[i]) return true;
        return false;
    }

    /// @dev Asset weights read once per distribution (<= 8 assets).
    struct Weights {
        uint256[] weight;
    }

    function _weights(IRestakingRegistry registry_) private view returns (Weights memory w) {
        uint256 count = registry_.assetCount();
        w.weight = new uint256[](count);
        for (uint256 i; i < count; ++i) w.weight[i] = registry_.asset(i).weight;
    }

    /// @dev Credits the operator's commission and spreads the rest over its pools by active weighted value.
    ///      Returns what was allotted (scaled); the unallotted rest is carried by the caller.
    function _rewardOperator(
        RewardsStorage storage s,
        Weights memory w,
        uint256 setId,
        uint256 epoch,
        address operator,
        uint256 shareScaled
    ) private returns (uint256 usedScaled) {
        if (shareScaled == 0) return 0;
        IRestakingRegistry registry_ = s.registry;
        uint256 commission = (shareScaled * registry_.commissionOf(operator)) / BPS;
        s.owedScaled[operator] += commission;
        uint256 toStakers = shareScaled - commission;

        uint256 allotted = _allotToPools(s, w, operator, toStakers);
        emit OperatorRewarded(setId, epoch, operator, commission / SCALE, allotted / SCALE);
        return commission + allotted;
    }

    /// @dev Spreads `toStakers` (scaled) over the operator's pools in proportion to their active, weighted value and
    ///      raises each pool's accumulator; returns exactly what the pools' stakers are now owed (<= toStakers).
    function _allotToPools(
        RewardsStorage storage s,
        Weights memory w,
        address operator,
        uint256 toStakers
    ) private returns (uint256 allotted) {
        (uint256[] memory active, uint256[] memory value, uint256 totalValue) = _poolValues(s.registry, w, operator);
        if (totalValue == 0) return 0;
        for (uint256 a; a < active.length; ++a) {
            if (value[a] == 0) continue;
            uint256 increment = Math.mulDiv(toStakers, value[a], totalValue) / active[a];
            s.acc[operator][a] += increment;
            allotted += increment * active[a];
        }
    }

    /// @dev Active (not queued) shares and their ALT-equivalent value, per asset of `operator`.
    function _poolValues(
        IRestakingRegistry registry_,
        Weights memory w,
        address operator
    ) private view returns (uint256[] memory active, uint256[] memory value, uint256 totalValue) {
        uint256 count = w.weight.length;
        active = new uint256[](count);
        value = new uint256[](count);
        for (uint256 a; a < count; ++a) {
            IRestakingRegistry.Pool memory p = registry_.pool(operator, a);
            uint256 shares = p.totalShares - p.queuedShares;
            if (shares == 0) continue;
            active[a] = shares;
            value[a] = Math.mulDiv(registry_.sharesToAmount(operator, a, shares), w.weight[a], 1e18);
            totalValue += value[a];
        }
    }

    /// @dev Moves what `shares` earned since the staker's last settlement into its owed balance.
    function _settle(
        RewardsStorage storage s,
        address staker,
        address operator,
        uint256 assetId,
        uint256 shares
    ) private {
        uint256 current = s.acc[operator][assetId];
        uint256 last = s.lastAcc[staker][operator][assetId];
        if (current == last) return;
        if (shares != 0) s.owedScaled[staker] += shares * (current - last);
        s.lastAcc[staker][operator][assetId] = current;
    }

    function _setParameters(address treasury_, uint16 protocolShareBps_) private {
        if (treasury_ == address(0)) revert RewardsZeroAddress();
        if (protocolShareBps_ > MAX_PROTOCOL_SHARE_BPS) revert RewardsInvalidParameter();
        RewardsStorage storage s = _s();
        s.treasury = treasury_;
        s.protocolShareBps = protocolShareBps_;
        emit ParametersUpdated(treasury_, protocolShareBps_);
    }
}
