// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {RollupService} from "./RollupService.sol";
import {IRollup} from "../interfaces/IRollup.sol";
import {VITAL} from "../rollups/Services.sol";

/// @title VitalService
/// @notice Verification of state outputs by stake-weighted challenges. A member of a rollup's VITAL set challenges a
///         live output with an ALT bond, early enough that the vote ends inside the output's challenge period (so the
///         output cannot finalize under an open challenge); one open challenge per output. Members of the snapshot of
///         the challenge's epoch vote with that stake until the deadline. The vote that brings "invalid" to two thirds of
///         the snapshot stake invalidates the output (and every later one): the bond goes back to the challenger, the
///         proposer (when it is a registered operator) is reported with the challenger as reporter (who gets the
///         reporter share of the slash: the reward), and the members who voted "valid" become reportable. A challenge
///         still short of two thirds at the deadline fails: its bond goes to the treasury.
/// @dev Storage: ERC-7201 `alt.storage.VitalService`. Votes are bitmaps over snapshot indexes (<= 256 members).
contract VitalService is RollupService {
    using SafeERC20 for IERC20;

    bytes32 public constant INVALID_OUTPUT = "VITAL_INVALID_OUTPUT";
    bytes32 public constant VOTED_VALID = "VITAL_VOTED_FOR_INVALID_OUTPUT";

    /// @notice Gas forwarded to the rollup's `invalidate` and to the proposer's slash request, each run in try/catch:
    ///         a caller must leave at least this much, so no gas limit can make either fail quietly (an out-of-gas
    ///         inside a try would otherwise let a voter spare the proposer or defer the invalidation).
    uint256 public constant CALL_GAS = 400_000;

    enum Result {
        None,
        Open,
        Invalidated,
        Failed,
        /// @notice the output was gone (an earlier one invalidated), or the rollup could not take the invalidation by the
        ///         deadline: the bond went back
        Void
    }

    /// @notice slot 0: rollup (160) | createdAt (48) | deadline (48); slot 1: challenger (160) | result (8) |
    ///         epoch (64); slot 2: outputIndex (48) | l2BlockNumber (64) | proposedAt (48) | bond (96); then the root,
    ///         the stakes and the bitmaps of the two sides.
    struct Challenge {
        address rollup;
        uint48 createdAt;
        uint48 deadline;
        address challenger;
        Result result;
        uint64 epoch;
        uint48 outputIndex;
        uint64 l2BlockNumber;
        uint48 proposedAt;
        /// @notice the bond paid (a later change of the bond parameter does not touch it)
        uint96 bond;
        bytes32 root;
        uint128 invalidStake;
        uint128 validStake;
        uint256 invalidVoters;
        uint256 validVoters;
    }

    error VitalNotMember(address account);
    /// @notice Less than the gas `CALL_GAS` needs was left for a guarded call.
    error VitalInsufficientGas();
    /// @notice The vote would end at `votingEndsAt`, after the output's challenge period (`closesAt`), or the output is
    ///         final already.
    error VitalNotChallengeable(address rollup, uint256 outputIndex, uint256 votingEndsAt, uint256 closesAt);
    error VitalChallengeOpen(uint256 challengeId);
    error VitalUnknownChallenge(uint256 challengeId);
    error VitalNotOpen(uint256 challengeId, Result result);
    error VitalVotingClosed(uint256 challengeId, uint256 deadline);
    error VitalVotingOpen(uint256 challengeId, uint256 deadline);
    /// @notice Snapshot entry `index` of the challenge's epoch is `operator`, not the caller.
    error VitalNotVoter(uint256 index, address operator);
    error VitalAlreadyVoted(uint256 challengeId, address operator);
    error VitalVoterJailed(address operator);
    /// @notice Bits of `voters` that did not vote "valid", or were reported already.
    error VitalNotReportable(uint256 challengeId, uint256 voters);

    event Challenged(
        uint256 indexed challengeId,
        address indexed rollup,
        uint256 indexed outputIndex,
        address challenger,
        uint256 bond,
        uint256 epoch,
        uint256 deadline
    );
    event Voted(uint256 indexed challengeId, address indexed operator, bool invalid, uint256 stake);
    event Resolved(uint256 indexed challengeId, Result result);
    /// @notice The proposer's slash request could not be made (not an operator, or the slashing manager refused it):
    ///         the invalidation stands regardless.
    event ProposerNotSlashed(uint256 indexed challengeId, address proposer, bytes reason);
    /// @notice Two thirds voted invalid but the rollup refused the invalidation (`reason`): `resolve` retries it.
    event InvalidationDeferred(uint256 indexed challengeId, bytes reason);
    event ProposerReported(uint256 indexed challengeId, address indexed proposer, uint256 requestId);
    event VoterReported(uint256 indexed challengeId, address indexed operator, uint256 requestId);
    event ParametersUpdated(
        address treasury,
        uint256 bond,
        uint256 votingPeriod,
        uint256 proposerBps,
        uint256 voterBps
    );

    /// @custom:storage-location erc7201:alt.storage.VitalService
    struct VitalStorage {
        IERC20 alt;
        address treasury;
        uint48 votingPeriod;
        uint16 proposerBps;
        uint16 voterBps;
        uint96 bond;
        Challenge[] challenges;
        // keccak256(rollup, l2BlockNumber, root)
        mapping(bytes32 output => uint256 challengeIdPlusOne) open;
        mapping(bytes32 output => uint256) invalidatedAt;
        mapping(uint256 challengeId => uint256) reportedVoters;
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
        ServiceConfig calldata config,
        address treasury_,
        uint96 bond_,
        uint48 votingPeriod_,
        uint16 proposerBps_,
        uint16 voterBps_
    ) external initializer {
        __RollupService_init(config);
        _s().alt = IERC20(config.factory.alt());
        _setParameters(treasury_, bond_, votingPeriod_, proposerBps_, voterBps_);
    }

    function _serviceBit() internal pure override returns (uint8) {
        return VITAL;
    }

    // ================================================================= governance

    function setParameters(
        address treasury_,
        uint96 bond_,
        uint48 votingPeriod_,
        uint16 proposerBps_,
        uint16 voterBps_
    ) external onlyOwner {
        _setParameters(treasury_, bond_, votingPeriod_, proposerBps_, voterBps_);
    }

    // ================================================================= challenges

    /// @notice Challenges output `outputIndex` of `rollup`, pulling the bond in ALT from the caller, a member of the
    ///         rollup's VITAL set. Votes count the stake of the current epoch's snapshot.
    function challenge(address rollup, uint256 outputIndex) external returns (uint256 challengeId) {
        uint256 setId = _setOf(rollup);
        ServiceStorage storage service = _service();
        if (!service.sets.membership(setId, msg.sender).member || service.registry.isJailed(msg.sender)) {
            revert VitalNotMember(msg.sender);
        }
        VitalStorage storage s = _s();
        IRollup.Output memory output = IRollup(rollup).output(outputIndex);
        uint256 deadline = block.timestamp + s.votingPeriod;
        uint256 closesAt = uint256(output.proposedAt) + IRollup(rollup).challengePeriod();
        if (output.status == IRollup.OutputStatus.Finalized || deadline > closesAt) {
            revert VitalNotChallengeable(rollup, outputIndex, deadline, closesAt);
        }
        bytes32 key = _outputKey(rollup, output.l2BlockNumber, output.root);
        uint256 open = s.open[key];
        if (open != 0) revert VitalChallengeOpen(open - 1);
        (uint256 epoch, ) = _currentSnapshot(setId);
        challengeId = s.challenges.length;
        s.open[key] = challengeId + 1;
        uint96 bond_ = s.bond;
        Challenge storage c = s.challenges.push();
        (c.rollup, c.createdAt, c.deadline) = (rollup, uint48(block.timestamp), uint48(deadline));
        (c.challenger, c.result, c.epoch) = (msg.sender, Result.Open, uint64(epoch));
        // the rollup's output count stays far below 2^48
        (c.outputIndex, c.l2BlockNumber, c.proposedAt, c.bond) = (
            uint48(outputIndex),
            output.l2BlockNumber,
            output.proposedAt,
            bond_
        );
        c.root = output.root;
        emit Challenged(challengeId, rollup, outputIndex, msg.sender, bond_, epoch, deadline);
        if (bond_ != 0) s.alt.safeTransferFrom(msg.sender, address(this), bond_);
    }

    /// @notice Votes on an open challenge with the caller's stake in the challenge's snapshot (`index` is the caller's
    ///         position in it). The vote that brings "invalid" to two thirds of the snapshot stake invalidates the output.
    function vote(uint256 challengeId, uint256 index, bool invalid) external {
        Challenge storage c = _openChallenge(challengeId);
        if (block.timestamp >= c.deadline) revert VitalVotingClosed(challengeId, c.deadline);
        ServiceStorage storage service = _service();
        uint256 setId = setIdOf(c.rollup);
        (address operator, uint256 stake) = service.sets.snapshotEntry(setId, c.epoch, index);
        if (operator != msg.sender) revert VitalNotVoter(index, operator);
        uint256 bit = 1 << index;
        if ((c.invalidVoters | c.validVoters) & bit != 0) revert VitalAlreadyVoted(challengeId, operator);
        if (service.registry.isJailed(operator)) revert VitalVoterJailed(operator);
        emit Voted(challengeId, operator, invalid, stake);
        if (!invalid) {
            c.validVoters |= bit;
            c.validStake += uint128(stake);
            return;
        }
        c.invalidVoters |= bit;
        uint256 invalidStake = c.invalidStake + stake;
        c.invalidStake = uint128(invalidStake);
        if (invalidStake * 3 >= service.sets.snapshotInfo(setId, c.epoch).totalStake * 2)
            _invalidate(challengeId, c, false);
    }

    /// @notice Ends a challenge. One that reached two thirds (while the rollup could not take the invalidation, e.g.
    ///         paused) retries the invalidation at any time, and after the deadline ends Void if it still cannot (bond
    ///         back). One short of two thirds at the deadline fails: its bond goes to the treasury (or back to the
    ///         challenger if the output was already gone).
    function resolve(uint256 challengeId) external {
        Challenge storage c = _openChallenge(challengeId);
        bool over = block.timestamp >= c.deadline;
        uint256 total = _service().sets.snapshotInfo(setIdOf(c.rollup), c.epoch).totalStake;
        if (uint256(c.invalidStake) * 3 >= total * 2) return _invalidate(challengeId, c, over);
        if (!over) revert VitalVotingOpen(challengeId, c.deadline);
        _close(challengeId, c, _outputLive(c) ? Result.Failed : Result.Void);
    }

    /// @notice Reports members in `voters` (a subset of the "valid" voters not reported before) of a challenge that
    ///         invalidated its output: one slash request each, dated at the challenge.
    function reportVoters(uint256 challengeId, uint256 voters) external {
        Challenge storage c = _challenge(challengeId);
        if (c.result != Result.Invalidated) revert VitalNotOpen(challengeId, c.result);
        VitalStorage storage s = _s();
        uint256 reported = s.reportedVoters[challengeId];
        if (voters == 0 || voters & (c.validVoters & ~reported) != voters)
            revert VitalNotReportable(challengeId, voters);
        s.reportedVoters[challengeId] = reported | voters;
        uint256 setId = setIdOf(c.rollup);
        (address[] memory operators, ) = _service().sets.snapshotSubset(setId, c.epoch, voters);
        bytes32 evidence = keccak256(abi.encode(challengeId, c.rollup, c.l2BlockNumber, c.root));
        uint16 bps = s.voterBps;
        for (uint256 i; i < operators.length; ++i) {
            uint256 requestId = _requestSlash(operators[i], setId, bps, VOTED_VALID, evidence, msg.sender, c.createdAt);
            emit VoterReported(challengeId, operators[i], requestId);
        }
    }

    // ================================================================= views

    function challengeOf(uint256 challengeId) external view returns (Challenge memory) {
        return _challenge(challengeId);
    }

    function challengeCount() external view returns (uint256) {
        return _s().challenges.length;
    }

    /// @notice The open challenge of an output, if any.
    function openChallenge(
        address rollup,
        uint64 l2BlockNumber,
        bytes32 root
    ) external view returns (bool open, uint256 challengeId) {
        uint256 plusOne = _s().open[_outputKey(rollup, l2BlockNumber, root)];
        return plusOne == 0 ? (false, 0) : (true, plusOne - 1);
    }

    /// @notice When VITAL invalidated this output (zero if it did not).
    function invalidatedAt(address rollup, uint64 l2BlockNumber, bytes32 root) external view returns (uint256) {
        return _s().invalidatedAt[_outputKey(rollup, l2BlockNumber, root)];
    }

    function reportedVoters(uint256 challengeId) external view returns (uint256) {
        return _s().reportedVoters[challengeId];
    }

    function parameters()
        external
        view
        returns (address treasury, uint256 bond, uint256 votingPeriod, uint256 proposerBps, uint256 voterBps)
    {
        VitalStorage storage s = _s();
        return (s.treasury, s.bond, s.votingPeriod, s.proposerBps, s.voterBps);
    }

    // ================================================================= internals

    /// @dev Invalidates the challenged output if it is still there. When the rollup refuses (paused, past its settlement
    ///      window) the challenge stays open for `resolve` to retry, or, when `last` (the vote is over), ends Void with the bond back.
    function _invalidate(uint256 challengeId, Challenge storage c, bool last) private {
        if (!_outputLive(c)) return _close(challengeId, c, Result.Void); // an earlier invalidation took it
        _requireCallGas();
        try IRollup(c.rollup).invalidate{gas: CALL_GAS}(c.outputIndex) {
            _s().invalidatedAt[_outputKey(c.rollup, c.l2BlockNumber, c.root)] = block.timestamp;
            _close(challengeId, c, Result.Invalidated);
            _reportProposer(challengeId, c);
        } catch (bytes memory reason) {
            if (last) _close(challengeId, c, Result.Void);
            else emit InvalidationDeferred(challengeId, reason);
        }
    }

    /// @dev Ends a challenge with `result`; the bond goes to the treasury on failure, else back to the challenger.
    function _close(uint256 challengeId, Challenge storage c, Result result) private {
        VitalStorage storage s = _s();
        delete s.open[_outputKey(c.rollup, c.l2BlockNumber, c.root)];
        c.result = result;
        emit Resolved(challengeId, result);
        uint256 bond_ = c.bond;
        if (bond_ != 0) s.alt.safeTransfer(result == Result.Failed ? s.treasury : c.challenger, bond_);
    }

    /// @dev The proposer's slash request must not block the invalidation: a refusal is an event.
    function _reportProposer(uint256 challengeId, Challenge storage c) private {
        address proposer = IRollup(c.rollup).proposer();
        ServiceStorage storage service = _service();
        if (!service.registry.isOperator(proposer)) {
            emit ProposerNotSlashed(challengeId, proposer, "");
            return;
        }
        bytes32 evidence = keccak256(abi.encode(challengeId, c.rollup, c.l2BlockNumber, c.root));
        _requireCallGas();
        try
            service.slashing.requestSlash{gas: CALL_GAS}(
                proposer,
                setIdOf(c.rollup),
                _s().proposerBps,
                INVALID_OUTPUT,
                evidence,
                c.challenger,
                c.proposedAt
            )
        returns (uint256 requestId) {
            emit ProposerReported(challengeId, proposer, requestId);
        } catch (bytes memory reason) {
            emit ProposerNotSlashed(challengeId, proposer, reason);
        }
    }

    /// @dev The guarded call gets all of CALL_GAS (the 63/64 rule keeps back a 64th of what is left).
    function _requireCallGas() private view {
        if (gasleft() < CALL_GAS + CALL_GAS / 63 + 20_000) revert VitalInsufficientGas();
    }

    /// @dev Whether the challenged output is still the rollup's output at its index.
    function _outputLive(Challenge storage c) private view returns (bool) {
        IRollup rollup = IRollup(c.rollup);
        uint256 index = c.outputIndex;
        if (index >= rollup.outputCount()) return false;
        IRollup.Output memory output = rollup.output(index);
        return output.root == c.root && output.l2BlockNumber == c.l2BlockNumber;
    }

    function _challenge(uint256 challengeId) private view returns (Challenge storage) {
        VitalStorage storage s = _s();
        if (challengeId >= s.challenges.length) revert VitalUnknownChallenge(challengeId);
        return s.challenges[challengeId];
    }

    function _openChallenge(uint256 challengeId) private view returns (Challenge storage c) {
        c = _challenge(challengeId);
        if (c.result != Result.Open) revert VitalNotOpen(challengeId, c.result);
    }

    function _setParameters(
        address treasury_,
        uint96 bond_,
        uint48 votingPeriod_,
        uint16 proposerBps_,
        uint16 voterBps_
    ) private {
        if (treasury_ == address(0) || votingPeriod_ == 0 || votingPeriod_ > 365 days) revert ServiceInvalidParameter();
        _checkBps(proposerBps_);
        _checkBps(voterBps_);
        VitalStorage storage s = _s();
        (s.treasury, s.bond, s.votingPeriod, s.proposerBps, s.voterBps) = (
            treasury_,
            bond_,
            votingPeriod_,
            proposerBps_,
            voterBps_
        );
        emit ParametersUpdated(treasury_, bond_, votingPeriod_, proposerBps_, voterBps_);
    }
}
