// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {OwnedUpgradeable} from "../libraries/OwnedUpgradeable.sol";
import {CheckpointWindow} from "../libraries/CheckpointWindow.sol";
import {EpochClock} from "../libraries/EpochClock.sol";
import {IRewardsDistributor} from "../interfaces/IRewardsDistributor.sol";
import {IRestakingRegistry} from "../interfaces/IRestakingRegistry.sol";
import {IOperatorSets} from "../interfaces/IOperatorSets.sol";

/// @title RewardsDistributor
/// @notice Service fees to operators and stakers, settled lazily over checkpoints (UUPS proxy, ERC-7201 storage).
contract RewardsDistributor is IRewardsDistributor, OwnedUpgradeable {
    using SafeERC20 for IERC20;
    using Checkpoints for Checkpoints.Trace208;
    using CheckpointWindow for Checkpoints.Trace208;

    /// @inheritdoc IRewardsDistributor
    uint256 public constant SCALE = 1e18;
    /// @inheritdoc IRewardsDistributor
    uint256 public constant CLAIM_STEPS = 64;
    uint256 private constant BPS = 10_000;
    uint256 private constant MAX_PROTOCOL_SHARE_BPS = 5_000;

    /// @custom:storage-location erc7201:alt.storage.RewardsDistributor
    struct RewardsStorage {
        IERC20 alt;
        IRestakingRegistry registry;
        IOperatorSets sets;
        // the operator sets' epoch clock (fixed for the life of that contract), read at initialization; in the slot of
        // `sets`, which every credit reads anyway
        uint40 genesis;
        uint32 epochLength;
        address treasury;
        uint16 protocolShareBps;
        // cumulative scaled reward per wei of allocated stake, keyed by the epoch whose credits it includes
        mapping(uint256 setId => Checkpoints.Trace208) rewardPerStake;
        // cumulative scaled reward per unit of an operator's stakers in a set, keyed by the epoch it stands at the
        // start of (it includes the earnings of every epoch before the key)
        mapping(address operator => mapping(uint256 setId => Checkpoints.Trace208)) rewardPerUnit;
        mapping(address operator => mapping(uint256 setId => uint256)) settledUntil;
        mapping(address staker => mapping(address operator => mapping(uint256 setId => uint256))) claimedUntil;
        mapping(address account => uint256) owedScaled;
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
        // a clock that does not fit (a start past 2^40 s, epochs of 2^32 s or more) is refused, not truncated
        s.genesis = SafeCast.toUint40(IOperatorSets(sets_).epochStart(0));
        s.epochLength = SafeCast.toUint32(IOperatorSets(sets_).epochLength());
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
        // the stake the set counts in this epoch (allocations changed now count from the next one); reverts for an
        // unknown set
        (uint256 epoch, uint256 stake) = s.sets.currentSetStake(setId);
        // nobody secures a set that counts no stake: its fees are refused (a rollup keeps them in escrow), not carried
        // to whoever is counted first afterwards
        if (stake == 0) revert RewardsNoStake(setId, epoch);
        s.owedScaled[s.treasury] += _credit(s, setId, epoch, stake, amount);
        s.alt.safeTransferFrom(msg.sender, address(this), amount); // ALT: no fee on transfer
    }

    /// @inheritdoc IRewardsDistributor
    function creditStreamToSets(
        uint256[] calldata setIds,
        uint256 perSecond,
        uint256 from,
        uint256 until
    ) external returns (uint256 creditedMask, uint256 paidFrom) {
        if (from >= until || until > block.timestamp || setIds.length > 256) revert RewardsInvalidParameter();
        RewardsStorage storage s = _s();
        paidFrom = _streamStart(s, from);
        if (paidFrom >= until) return (0, until);
        uint256 amount = perSecond * (until - paidFrom);
        if (amount == 0) return (0, paidFrom);
        uint256 credited;
        (creditedMask, credited) = _creditSets(s, setIds, amount);
        if (credited != 0) s.alt.safeTransferFrom(msg.sender, address(this), amount * credited); // ALT: no fee
    }

    /// @dev The start of the time a stream sent now may credit: the previous epoch's start (the clock's start in epoch
    ///      0, or before it), or `from` if later.
    function _streamStart(RewardsStorage storage s, uint256 from) private view returns (uint256) {
        uint256 genesis = s.genesis;
        uint256 length = s.epochLength;
        uint256 epoch = EpochClock.epochAt(genesis, length, block.timestamp);
        uint256 opensAt = EpochClock.epochStart(genesis, length, epoch == 0 ? 0 : epoch - 1);
        return from < opensAt ? opensAt : from;
    }

    /// @dev Credits `amount` to each of `setIds` that exists and counts stake in the current epoch and skips the others;
    ///      adds the protocol share (and the remainders) to the treasury once. Returns the mask and count of those
    ///      credited.
    function _creditSets(
        RewardsStorage storage s,
        uint256[] calldata setIds,
        uint256 amount
    ) private returns (uint256 creditedMask, uint256 credited) {
        IOperatorSets sets = s.sets;
        uint256 toTreasuryScaled;
        for (uint256 i; i < setIds.length; ++i) {
            uint256 setId = setIds[i];
            // an unknown set (its service has not registered the payer yet), or one that counts no stake, is skipped
            try sets.currentSetStake(setId) returns (uint256 epoch, uint256 stake) {
                if (stake == 0) continue;
                toTreasuryScaled += _credit(s, setId, epoch, stake, amount);
                creditedMask |= 1 << i;
                ++credited;
            } catch {
                continue;
            }
        }
        if (credited != 0) s.owedScaled[s.treasury] += toTreasuryScaled;
    }

    /// @dev Raises `setId`'s reward per stake for `epoch`, in which it counts `stake` (non-zero), by `amount` less the
    ///      protocol share; returns what the caller owes the treasury (scaled): the protocol share (charged here, once
    ///      per credited fee) and the division's rounding remainder (below the stake: dust, not worth a storage slot
    ///      per set, which a credit would write every time).
    function _credit(
        RewardsStorage storage s,
        uint256 setId,
        uint256 epoch,
        uint256 stake,
        uint256 amount
    ) private returns (uint256 toTreasuryScaled) {
        uint256 creditedScaled = amount * SCALE;
        uint256 protocolScaled = (creditedScaled * s.protocolShareBps) / BPS;
        uint256 restScaled = creditedScaled - protocolScaled;
        uint256 increment = restScaled / stake;
        uint256 remainder = restScaled - increment * stake;
        if (increment != 0) {
            Checkpoints.Trace208 storage trace = s.rewardPerStake[setId];
            trace.push(uint48(epoch), SafeCast.toUint208(trace.latest() + increment));
        }
        emit FeesCredited(setId, msg.sender, epoch, amount, protocolScaled, remainder);
        return protocolScaled + remainder;
    }

    /// @inheritdoc IRewardsDistributor
    function settle(address operator, uint256 setId, uint256 maxSteps) external returns (uint256 until) {
        if (maxSteps == 0) revert RewardsInvalidParameter();
        return _settle(_s(), operator, setId, maxSteps);
    }

    /// @inheritdoc IRewardsDistributor
    function claim(address[] calldata operators, uint256[] calldata setIds) external returns (uint256 amount) {
        if (operators.length != setIds.length) revert RewardsLengthMismatch();
        RewardsStorage storage s = _s();
        uint256 earned;
        bool progressed;
        for (uint256 i; i < operators.length; ++i) {
            (address operator, uint256 setId) = (operators[i], setIds[i]);
            _settle(s, operator, setId, CLAIM_STEPS);
            (uint256 from, uint256 until, uint256 pairEarned) = _earned(s, msg.sender, operator, setId);
            if (until == from) continue;
            s.claimedUntil[msg.sender][operator][setId] = until;
            earned += pairEarned;
            progressed = true;
            emit Accrued(msg.sender, operator, setId, from, until, pairEarned);
        }
        uint256 owed = s.owedScaled[msg.sender] + earned;
        amount = owed / SCALE;
        s.owedScaled[msg.sender] = owed - amount * SCALE; // the fraction of a wei stays owed
        if (amount == 0) {
            // a walk that moved on keeps its progress (a long history earning less than a wei per call must not
            // stall); a claim that did nothing at all is refused
            if (!progressed) revert RewardsZeroAmount();
            return 0;
        }
        emit Claimed(msg.sender, amount);
        s.alt.safeTransfer(msg.sender, amount);
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
    function rewardPerStakeBefore(uint256 setId, uint256 epoch) external view returns (uint256) {
        return _rewardPerStakeBefore(_s(), setId, epoch);
    }

    /// @inheritdoc IRewardsDistributor
    function rewardPerUnitBefore(address operator, uint256 setId, uint256 epoch) external view returns (uint256) {
        return _s().rewardPerUnit[operator][setId].valueAt(epoch);
    }

    /// @inheritdoc IRewardsDistributor
    function settledUntil(address operator, uint256 setId) external view returns (uint256) {
        return _s().settledUntil[operator][setId];
    }

    /// @inheritdoc IRewardsDistributor
    function claimedUntil(address staker, address operator, uint256 setId) external view returns (uint256) {
        return _s().claimedUntil[staker][operator][setId];
    }

    /// @inheritdoc IRewardsDistributor
    function claimable(
        address account,
        address[] calldata operators,
        uint256[] calldata setIds
    ) external view returns (uint256) {
        if (operators.length != setIds.length) revert RewardsLengthMismatch();
        RewardsStorage storage s = _s();
        uint256 owed = s.owedScaled[account];
        for (uint256 i; i < operators.length; ++i) {
            if (_listedBefore(operators, setIds, i)) continue; // claim takes a pair once; so does this view
            (, , uint256 earned) = _earned(s, account, operators[i], setIds[i]);
            owed += earned;
        }
        return owed / SCALE;
    }

    /// @inheritdoc IRewardsDistributor
    function owedScaled(address account) external view returns (uint256) {
        return _s().owedScaled[account];
    }

    // ================================================================= internals

    /// @dev Whether pair `i` of the list appeared earlier in it (a view helper: O(i), over a caller-chosen list).
    function _listedBefore(
        address[] calldata operators,
        uint256[] calldata setIds,
        uint256 i
    ) private pure returns (bool) {
        for (uint256 j; j < i; ++j) if (operators[j] == operators[i] && setIds[j] == setIds[i]) return true;
        return false;
    }

    /// @dev A walk over the epochs where `operator`'s allocation to a set and its stakers' units were both constant.
    struct Walk {
        uint48[] allocationKeys;
        uint208[] allocations;
        uint48[] unitKeys;
        uint208[] units;
        uint256 allocation; // in force at the walk's epoch
        uint256 unitCount; // in force at the walk's epoch
        uint256 i; // the next allocation change
        uint256 j; // the next unit change
        uint256 commissionBps;
        uint256 toOperator;
        uint256 toStakers;
    }

    /// @dev Settles `operator` in `setId` from its first unsettled epoch to the current epoch (exclusive), or to the
    ///      last change read if either history has more than `maxSteps` changes in between; returns where it stopped.
    function _settle(
        RewardsStorage storage s,
        address operator,
        uint256 setId,
        uint256 maxSteps
    ) private returns (uint256 until) {
        uint256 from = s.settledUntil[operator][setId];
        until = s.sets.currentEpoch();
        if (from >= until) return from;
        Walk memory w;
        (w.allocation, w.allocationKeys, w.allocations) = s.sets.allocationWindow(
            setId,
            operator,
            from,
            until,
            maxSteps
        );
        // a window cut short may miss changes after its last key: stop there
        if (w.allocationKeys.length == maxSteps) until = w.allocationKeys[maxSteps - 1];
        // nothing is earned before the first allocation: the walk starts there (or nowhere, if none comes)
        uint256 start = from;
        if (w.allocation == 0) start = w.allocationKeys.length == 0 ? until : w.allocationKeys[0];
        if (start < until) {
            (w.unitCount, w.unitKeys, w.units) = s.registry.unitsWindow(operator, address(0), start, until, maxSteps);
        }
        if (w.unitKeys.length == maxSteps && w.unitKeys[maxSteps - 1] < until) until = w.unitKeys[maxSteps - 1];
        w.commissionBps = s.registry.commissionOf(operator);
        Checkpoints.Trace208 storage perUnit = s.rewardPerUnit[operator][setId];
        uint256 accumulated = perUnit.latest();
        // the set's reward per stake before `rateEpoch`: each stretch reads it at its end, and its start is the
        // previous stretch's end unless a stretch without allocation (not read) came between
        uint256 rate;
        uint256 rateEpoch = type(uint256).max;
        for (uint256 epoch = start; epoch < until;) {
            uint256 next = _nextChange(w, until);
            if (w.allocation != 0) {
                if (rateEpoch != epoch) rate = _rewardPerStakeBefore(s, setId, epoch);
                uint256 rateNext = _rewardPerStakeBefore(s, setId, next);
                uint256 increment = _split(w, w.allocation * (rateNext - rate));
                if (increment != 0) {
                    accumulated += increment;
                    perUnit.push(uint48(next), SafeCast.toUint208(accumulated));
                }
                (rate, rateEpoch) = (rateNext, next);
            }
            _apply(w, next);
            epoch = next;
        }
        s.settledUntil[operator][setId] = until;
        if (w.toOperator != 0) s.owedScaled[operator] += w.toOperator;
        emit Settled(operator, setId, from, until, w.toOperator, w.toStakers);
    }

    /// @dev The walk's next change before `until` (or `until`).
    function _nextChange(Walk memory w, uint256 until) private pure returns (uint256 next) {
        next = until;
        if (w.i < w.allocationKeys.length && w.allocationKeys[w.i] < next) next = w.allocationKeys[w.i];
        if (w.j < w.unitKeys.length && w.unitKeys[w.j] < next) next = w.unitKeys[w.j];
    }

    /// @dev Applies the changes keyed at `epoch`.
    function _apply(Walk memory w, uint256 epoch) private pure {
        if (w.i < w.allocationKeys.length && w.allocationKeys[w.i] == epoch) w.allocation = w.allocations[w.i++];
        if (w.j < w.unitKeys.length && w.unitKeys[w.j] == epoch) w.unitCount = w.units[w.j++];
    }

    /// @dev Splits what an operator earned over a stretch (scaled) into its commission and its stakers' part; returns
    ///      the rise in reward per unit, the remainder of the division by the units going to the operator (all of the
    ///      stakers' part when no units counted: nobody else backed the allocation).
    function _split(Walk memory w, uint256 earned) private pure returns (uint256 increment) {
        if (earned == 0) return 0;
        uint256 stakers = earned - (earned * w.commissionBps) / BPS;
        uint256 units = w.unitCount;
        if (units != 0) increment = stakers / units;
        uint256 paid = increment * units;
        w.toStakers += paid;
        w.toOperator += earned - paid;
    }

    /// @dev What `staker` earned as a staker of `operator` in `setId` from its first unclaimed epoch to the first
    ///      unsettled one (or to its last unit change read, if it made more than `CLAIM_STEPS` in between).
    function _earned(
        RewardsStorage storage s,
        address staker,
        address operator,
        uint256 setId
    ) private view returns (uint256 from, uint256 until, uint256 earned) {
        from = s.claimedUntil[staker][operator][setId];
        until = s.settledUntil[operator][setId];
        if (from >= until) return (from, from, 0);
        (uint256 units, uint48[] memory keys, uint208[] memory values) = s.registry.unitsWindow(
            operator,
            staker,
            from,
            until,
            CLAIM_STEPS
        );
        if (keys.length == CLAIM_STEPS) until = keys[CLAIM_STEPS - 1];
        Checkpoints.Trace208 storage perUnit = s.rewardPerUnit[operator][setId];
        // the reward per unit at the walk's epoch (read again only after a stretch without units)
        uint256 accumulated = perUnit.upperLookupRecent(uint48(from));
        uint256 epoch = from;
        for (uint256 i; epoch < until; ++i) {
            // the window's keys are before `until` (a window cut short ends at its last key)
            uint256 next = i < keys.length ? keys[i] : until;
            if (units != 0) {
                uint256 accumulatedNext = perUnit.upperLookupRecent(uint48(next));
                earned += units * (accumulatedNext - accumulated);
                accumulated = accumulatedNext;
            }
            if (i < keys.length) {
                uint256 unitsNext = values[i];
                if (units == 0 && unitsNext != 0) accumulated = perUnit.upperLookupRecent(uint48(next));
                units = unitsNext;
            }
            epoch = next;
        }
    }

    /// @dev The set's cumulative reward per stake from the fees credited in epochs before `epoch`.
    function _rewardPerStakeBefore(
        RewardsStorage storage s,
        uint256 setId,
        uint256 epoch
    ) private view returns (uint256) {
        return epoch == 0 ? 0 : s.rewardPerStake[setId].valueAt(epoch - 1);
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
