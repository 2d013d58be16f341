// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// DRAFT (issue 6, not yet tested or deployed): VITAL verification by stake-weighted challenges.

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {OwnedUpgradeable} from "../libraries/OwnedUpgradeable.sol";
import {IOperatorSets} from "../interfaces/IOperatorSets.sol";
import {IRestakingRegistry} from "../interfaces/IRestakingRegistry.sol";
import {ISlashingManager} from "../interfaces/ISlashingManager.sol";
import {IRollup} from "../interfaces/IRollup.sol";
import {IRollupFactory} from "../interfaces/IRollupFactory.sol";

/// @title VitalService
/// @notice A member of a rollup's VITAL set challenges a proposed output inside its challenge period, with an ALT bond.
///         Members vote with their stake in the snapshot fixed at the challenge, within `voteWindow`. At two thirds of
///         that snapshot's stake voting "invalid", anyone resolves: the output and its successors are invalidated, the
///         proposer (if an operator) and the members who voted "valid" are reported for slashing, and the challenger
///         gets the bond back plus the reporter share. Otherwise, after the window, the bond is forfeited to the treasury.
/// @dev Storage: ERC-7201 `alt.storage.VitalService`. Snapshots hold at most 256 members: votes are a bitmap.
contract VitalService is OwnedUpgradeable {
    using SafeERC20 for IERC20;

    bytes32 public constant INVALID_OUTPUT = "VITAL_INVALID_OUTPUT";
    bytes32 public constant VOTED_FOR_INVALID = "VITAL_VOTED_FOR_INVALID";
    uint256 private constant BPS = 10_000;
    uint256 private constant QUORUM_BPS = 6_667;

    enum Outcome {
        Open,
        Invalidated,
        Failed
    }

    struct Challenge {
        address rollup;
        uint64 outputIndex;
        uint48 deadline;
        Outcome outcome;
        address challenger;
        uint256 epoch;
        uint256 invalidStake;
        uint256 validStake;
        uint256 votedBitmap;
        uint256 validBitmap;
        bytes32 outputRoot;
    }

    error VitalNotRollup(address rollup);
    error VitalNotMember(address account);
    error VitalOutputNotChallengeable(address rollup, uint256 outputIndex);
    error VitalChallengeOpen(address rollup, uint256 outputIndex, uint256 challengeId);
    error VitalUnknownChallenge(uint256 challengeId);
    error VitalVotingClosed(uint256 challengeId, uint256 deadline);
    error VitalAlreadyVoted(uint256 challengeId, address operator);
    error VitalNotResolvable(uint256 challengeId);
    error VitalNotSlashable(uint256 challengeId, address operator);

    event Challenged(uint256 indexed challengeId, address indexed rollup, uint256 outputIndex, address challenger);
    event Voted(uint256 indexed challengeId, address indexed operator, bool invalid, uint256 stake);
    event Resolved(uint256 indexed challengeId, Outcome outcome);

    /// @custom:storage-location erc7201:alt.storage.VitalService
    struct VitalStorage {
        IRollupFactory factory;
        IOperatorSets sets;
        IRestakingRegistry registry;
        ISlashingManager slashing;
        IERC20 alt;
        address treasury;
        uint256 bond;
        uint48 voteWindow;
        uint16 proposerBps;
        uint16 voterBps;
        Challenge[] challenges;
        mapping(address rollup => mapping(uint256 outputIndex => uint256 challengeIdPlusOne)) open;
    }

    // keccak256(abi.encode(uint256(keccak256("alt.storage.VitalService")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x13ef3f25187c6635a489aa35197e790c385bae40182a783b99175d3d76712000;

    function _s() private pure returns (VitalStorage storage s) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            s.slot := STORAGE_SLOT
        }
    }

    function initialize(
        address owner_,
        IRollupFactory factory_,
        IOperatorSets sets_,
        IRestakingRegistry registry_,
        ISlashingManager slashing_,
        address treasury_,
        uint256 bond_,
        uint48 voteWindow_,
        uint16 proposerBps_,
        uint16 voterBps_
    ) external initializer {
        __OwnedUpgradeable_init(owner_);
        VitalStorage storage s = _s();
        (s.factory, s.sets, s.registry, s.slashing) = (factory_, sets_, registry_, slashing_);
        s.alt = IERC20(factory_.alt());
        (s.treasury, s.bond, s.voteWindow, s.proposerBps, s.voterBps) = (
            treasury_,
            bond_,
            voteWindow_,
            proposerBps_,
            voterBps_
        );
    }

    function setIdOf(address rollup) public view returns (uint256) {
        return _s().sets.setIdOf(address(this), bytes32(uint256(uint160(rollup))));
    }

    function registerRollup(address rollup, uint256 minStake, uint16 maxSize) external returns (uint256) {
        _checkRollup(rollup);
        return _s().sets.createSet(bytes32(uint256(uint160(rollup))), minStake, maxSize);
    }

    /// @notice Challenges output `outputIndex` of `rollup` (a member of the latest snapshot; pulls the bond).
    function challenge(address rollup, uint64 outputIndex) external returns (uint256 challengeId) {
        VitalStorage storage s = _s();
        _checkRollup(rollup);
        uint256 setId = setIdOf(rollup);
        (uint256 epoch, ) = s.sets.latestSnapshotEpoch(setId);
        if (_indexOf(setId, epoch, msg.sender) == type(uint256).max) revert VitalNotMember(msg.sender);
        IRollup.Output memory output = IRollupOutputs(rollup).output(outputIndex);
        uint256 finalizesAt = uint256(output.proposedAt) + IRollupOutputs(rollup).challengePeriod();
        if (output.status == IRollup.OutputStatus.Finalized || block.timestamp >= finalizesAt) {
            revert VitalOutputNotChallengeable(rollup, outputIndex);
        }
        uint256 open = s.open[rollup][outputIndex];
        if (open != 0 && s.challenges[open - 1].outcome == Outcome.Open) {
            revert VitalChallengeOpen(rollup, outputIndex, open - 1);
        }
        challengeId = s.challenges.length;
        s.challenges.push(
            Challenge({
                rollup: rollup,
                outputIndex: outputIndex,
                deadline: uint48(block.timestamp) + s.voteWindow,
                outcome: Outcome.Open,
                challenger: msg.sender,
                epoch: epoch,
                invalidStake: 0,
                validStake: 0,
                votedBitmap: 0,
                validBitmap: 0,
                outputRoot: output.root
            })
        );
        s.open[rollup][outputIndex] = challengeId + 1;
        emit Challenged(challengeId, rollup, outputIndex, msg.sender);
        s.alt.safeTransferFrom(msg.sender, address(this), s.bond);
    }

    /// @notice Votes on an open challenge with the caller's stake in its snapshot.
    function vote(uint256 challengeId, bool invalid) external {
        Challenge storage c = _challenge(challengeId);
        if (c.outcome != Outcome.Open || block.timestamp >= c.deadline) {
            revert VitalVotingClosed(challengeId, c.deadline);
        }
        uint256 setId = setIdOf(c.rollup);
        uint256 index = _indexOf(setId, c.epoch, msg.sender);
        if (index == type(uint256).max) revert VitalNotMember(msg.sender);
        if (c.votedBitmap & (1 << index) != 0) revert VitalAlreadyVoted(challengeId, msg.sender);
        (, uint256 stake) = _s().sets.snapshotEntry(setId, c.epoch, index);
        c.votedBitmap |= 1 << index;
        if (invalid) c.invalidStake += stake;
        else {
            c.validStake += stake;
            c.validBitmap |= 1 << index;
        }
        emit Voted(challengeId, msg.sender, invalid, stake);
    }

    /// @notice Settles a challenge: invalidated at two thirds of the snapshot stake, failed once the window closed.
    function resolve(uint256 challengeId) external {
        VitalStorage storage s = _s();
        Challenge storage c = _challenge(challengeId);
        if (c.outcome != Outcome.Open) revert VitalNotResolvable(challengeId);
        uint256 total = s.sets.snapshotInfo(setIdOf(c.rollup), c.epoch).totalStake;
        if (c.invalidStake * BPS >= total * QUORUM_BPS) {
            c.outcome = Outcome.Invalidated;
            emit Resolved(challengeId, Outcome.Invalidated);
            IRollup(c.rollup).invalidate(c.outputIndex);
            address proposer = IRollupOutputs(c.rollup).proposer();
            if (s.registry.isOperator(proposer)) {
                s.slashing.requestSlash(
                    proposer,
                    s.proposerBps,
                    INVALID_OUTPUT,
                    keccak256(abi.encode(c.rollup, c.outputIndex, c.outputRoot)),
                    c.challenger,
                    uint48(block.timestamp)
                );
            }
            s.alt.safeTransfer(c.challenger, s.bond);
        } else if (block.timestamp >= c.deadline) {
            c.outcome = Outcome.Failed;
            emit Resolved(challengeId, Outcome.Failed);
            s.alt.safeTransfer(s.treasury, s.bond);
        } else {
            revert VitalNotResolvable(challengeId);
        }
    }

    /// @notice Reports a member who voted "valid" on an output that was invalidated (anyone; the caller reports).
    function reportValidVoter(uint256 challengeId, address operator) external returns (uint256) {
        VitalStorage storage s = _s();
        Challenge storage c = _challenge(challengeId);
        uint256 index = _indexOf(setIdOf(c.rollup), c.epoch, operator);
        if (c.outcome != Outcome.Invalidated || index == type(uint256).max || c.validBitmap & (1 << index) == 0) {
            revert VitalNotSlashable(challengeId, operator);
        }
        c.validBitmap &= ~(1 << index); // once
        return
            s.slashing.requestSlash(
                operator,
                s.voterBps,
                VOTED_FOR_INVALID,
                keccak256(abi.encode(challengeId, operator)),
                msg.sender,
                uint48(block.timestamp)
            );
    }

    function challengeAt(uint256 challengeId) external view returns (Challenge memory) {
        return _challenge(challengeId);
    }

    function _challenge(uint256 challengeId) private view returns (Challenge storage) {
        VitalStorage storage s = _s();
        if (challengeId >= s.challenges.length) revert VitalUnknownChallenge(challengeId);
        return s.challenges[challengeId];
    }

    /// @dev The member's index in the snapshot, or max if absent (≤ 256 entries).
    function _indexOf(uint256 setId, uint256 epoch, address account) private view returns (uint256) {
        (address[] memory operators, ) = _s().sets.snapshotEntries(setId, epoch);
        for (uint256 i; i < operators.length; ++i) if (operators[i] == account) return i;
        return type(uint256).max;
    }

    function _checkRollup(address rollup) private view {
        if (_s().factory.rollupByChainId(IRollupOutputs(rollup).chainId()) != rollup) revert VitalNotRollup(rollup);
    }
}

/// @dev The Rollup views VITAL reads.
interface IRollupOutputs {
    function output(uint256 index) external view returns (IRollup.Output memory);
    function chainId() external view returns (uint64);
    function challengePeriod() external view returns (uint48);
    function proposer() external view returns (address);
}
