// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {RollupService} from "./RollupService.sol";
import {IRollup} from "../interfaces/IRollup.sol";
import {IVitalChallenges} from "../interfaces/IVitalChallenges.sol";
import {VITAL} from "../rollups/Services.sol";

/// @title VitalService
/// @notice Verification of state outputs by stake-weighted challenges. A member of a rollup's VITAL set challenges a
///         live output with an ALT bond, early enough that the vote ends inside the output's challenge period (so the
///         output cannot finalize under an open challenge); one open challenge per output; the set must be live in the
///         challenge's epoch. Operators with stake counted in the set in that epoch vote with that stake until the
///         deadline, jailed by a pending slash request or not (that stake is what a vote puts at risk, and it stays in
///         the two-thirds denominator: a jailed member kept from voting would count as a "valid" vote). The vote that
///         brings "invalid" to two thirds of the set's stake of that epoch invalidates the output (and every later
///         one, forfeiting the proposer's output bond, half of it to the challenger): the bond goes back to the
///         challenger, the proposer (when it is a registered operator) is reported
///         with the challenger as reporter (who gets the reporter share of the slash: the reward), and the members who
///         voted "valid" become reportable. A challenge still short of two thirds at the deadline fails: its bond goes
///         to the treasury.
/// @dev Storage: ERC-7201 `alt.storage.VitalService`. Stakes are read from OperatorSets' checkpoints; each vote is
///      recorded per (challenge, operator).
contract VitalService is RollupService, IVitalChallenges {
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

    /// @notice An operator's vote on a challenge; `ValidReported`: voted "valid" on an output the challenge invalidated
    ///         and was reported for it.
    enum Vote {
        None,
        Valid,
        Invalid,
        ValidReported
    }

    /// @notice slot 0: rollup (160) | createdAt (48) | deadline (48); slot 1: challenger (160) | result (8) |
    ///         epoch (64); slot 2: outputIndex (48) | l2BlockNumber (64) | proposedAt (48) | bond (96); then the root
    ///         and the stakes of the two sides.
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
    /// @notice `operator` had no stake counted in the set in the challenge's epoch.
    error VitalNotVoter(address operator, uint256 epoch);
    error VitalAlreadyVoted(uint256 challengeId, address operator);
    /// @notice `operator` did not vote "valid" on the challenge, or was reported already.
    error VitalNotReportable(uint256 challengeId, address operator);
    error VitalNoVoters();
    /// @notice `rollup` has no challenge period (validity proofs): no output of it could ever be challenged.
    error VitalNoChallengePeriod(address rollup);
    /// @notice `rollup`'s challenge period is shorter than the voting period: no vote could end inside it.
    error VitalChallengePeriodTooShort(address rollup, uint256 challengePeriod, uint256 votingPeriod);

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
        mapping(uint256 challengeId => mapping(address operator => Vote)) votes;
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

    /// @dev Only a rollup whose outputs can be challenged: a challenge period (none under validity proofs) at least as
    ///      long as the voting period. A later, longer voting period is not checked against registered rollups.
    function _acceptRollup(address rollup) internal view override {
        uint256 period = IRollup(rollup).challengePeriod();
        if (period == 0) revert VitalNoChallengePeriod(rollup);
        uint256 votingPeriod_ = _s().votingPeriod;
        if (period < votingPeriod_) revert VitalChallengePeriodTooShort(rollup, period, votingPeriod_);
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
    ///         rollup's VITAL set (jailed by a pending slash request or not: the bond is at stake, not a privilege),
    ///         which must be live in the current epoch. Votes count the stake of that epoch.
    function challenge(address rollup, uint256 outputIndex) external returns (uint256 challengeId) {
        uint256 setId = _setOf(rollup);
        if (!_service().sets.membership(setId, msg.sender).member) revert VitalNotMember(msg.sender);
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
        uint256 epoch = _liveEpoch(setId);
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

    /// @notice Votes on an open challenge with the caller's stake counted in the set in the challenge's epoch, whether
    ///         or not the caller is jailed now. The vote that brings "invalid" to two thirds of the set's stake of that
    ///         epoch invalidates the output.
    function vote(uint256 challengeId, bool invalid) external {
        Challenge storage c = _openChallenge(challengeId);
        if (block.timestamp >= c.deadline) revert VitalVotingClosed(challengeId, c.deadline);
        ServiceStorage storage service = _service();
        uint256 setId = setIdOf(c.rollup);
        uint256 stake = service.sets.allocationAt(setId, msg.sender, c.epoch);
        if (stake == 0) revert VitalNotVoter(msg.sender, c.epoch);
        mapping(address => Vote) storage votes = _s().votes[challengeId];
        if (votes[msg.sender] != Vote.None) revert VitalAlreadyVoted(challengeId, msg.sender);
        emit Voted(challengeId, msg.sender, invalid, stake);
        // allocations stay below 2^104 each, and so do sums over at most 256 operators
        if (!invalid) {
            votes[msg.sender] = Vote.Valid;
            c.validStake += uint128(stake);
            return;
        }
        votes[msg.sender] = Vote.Invalid;
        uint256 invalidStake = c.invalidStake + stake;
        c.invalidStake = uint128(invalidStake);
        if (invalidStake * 3 >= service.sets.setStakeAt(setId, c.epoch) * 2) _invalidate(challengeId, c, false);
    }

    /// @notice Ends a challenge. One that reached two thirds (while the rollup could not take the invalidation, e.g.
    ///         paused) retries the invalidation at any time; after the deadline it ends Void (bond back) if the rollup
    ///         still refuses for good (VITAL no longer its service in the factory), never for a pause:
    ///         it stays open, and the rollup finalizes no output with an open challenge. One short of two thirds at the deadline fails: its bond goes to the treasury (or back to the
    ///         challenger if the output was already gone).
    function resolve(uint256 challengeId) external {
        Challenge storage c = _openChallenge(challengeId);
        bool over = block.timestamp >= c.deadline;
        uint256 total = _service().sets.setStakeAt(setIdOf(c.rollup), c.epoch);
        if (uint256(c.invalidStake) * 3 >= total * 2) return _invalidate(challengeId, c, over);
        if (!over) revert VitalVotingOpen(challengeId, c.deadline);
        _close(challengeId, c, _outputLive(c) ? Result.Failed : Result.Void);
    }

    /// @notice Reports `voters` (operators that voted "valid" and were not reported before) of a challenge that
    ///         invalidated its output: one slash request each, dated at the challenge.
    function reportVoters(uint256 challengeId, address[] calldata voters) external {
        Challenge storage c = _challenge(challengeId);
        if (c.result != Result.Invalidated) revert VitalNotOpen(challengeId, c.result);
        if (voters.length == 0) revert VitalNoVoters();
        VitalStorage storage s = _s();
        mapping(address => Vote) storage votes = s.votes[challengeId];
        uint256 setId = setIdOf(c.rollup);
        bytes32 evidence = keccak256(abi.encode(challengeId, c.rollup, c.l2BlockNumber, c.root));
        uint16 bps = s.voterBps;
        for (uint256 i; i < voters.length; ++i) {
            address voter = voters[i];
            if (votes[voter] != Vote.Valid) revert VitalNotReportable(challengeId, voter);
            votes[voter] = Vote.ValidReported;
            uint256 requestId = _requestSlash(
                voter,
                setId,
                bps,
                VOTED_VALID,
                evidence,
                msg.sender,
                c.createdAt,
                address(0)
            );
            emit VoterReported(challengeId, voter, requestId);
        }
    }

    // ================================================================= views

    function challengeOf(uint256 challengeId) external view returns (Challenge memory) {
        return _challenge(challengeId);
    }

    function challengeCount() external view returns (uint256) {
        return _s().challenges.length;
    }

    /// @inheritdoc IVitalChallenges
    function openChallenge(
        address rollup,
        uint64 l2BlockNumber,
        bytes32 root
    ) external view returns (bool open, uint256 challengeId) {
        uint256 plusOne = _s().open[_outputKey(rollup, l2BlockNumber, root)];
        return plusOne == 0 ? (false, 0) : (true, plusOne - 1);
    }

    /// @notice When VITAL invalidated this output (zero if it did not): the rollup's own record of it.
    function invalidatedAt(address rollup, uint64 l2BlockNumber, bytes32 root) external view returns (uint256) {
        return IRollup(rollup).invalidatedAt(l2BlockNumber, root);
    }

    /// @notice How `operator` voted on a challenge (and whether it was reported for a "valid" vote).
    function voteOf(uint256 challengeId, address operator) external view returns (Vote) {
        return _s().votes[challengeId][operator];
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

    /// @dev Invalidates the challenged output if it is still there. When the rollup refuses (paused, VITAL no longer
    ///      its service) the challenge stays open for `resolve` to retry, or, when `last` (the vote is over) and the rollup
    ///      is not paused (a pause only defers), ends Void with the bond back.
    function _invalidate(uint256 challengeId, Challenge storage c, bool last) private {
        if (!_outputLive(c)) return _close(challengeId, c, Result.Void); // an earlier invalidation took it
        _requireCallGas();
        try IRollup(c.rollup).invalidate{gas: CALL_GAS}(c.outputIndex, c.challenger) {
            _close(challengeId, c, Result.Invalidated);
            _reportProposer(challengeId, c);
        } catch (bytes memory reason) {
            if (last && !IRollup(c.rollup).paused()) _close(challengeId, c, Result.Void);
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
        uint16 bps = _capped(service.slashing, _s().proposerBps);
        _requireCallGas();
        try
            service.slashing.requestSlash{gas: CALL_GAS}(
                proposer,
                setIdOf(c.rollup),
                bps,
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
