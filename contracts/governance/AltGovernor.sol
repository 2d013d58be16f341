// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {GovernorCountingSimple} from "@openzeppelin/contracts/governance/extensions/GovernorCountingSimple.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
import {GovernorVotesQuorumFraction} from "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";
import {GovernorPreventLateQuorum} from "@openzeppelin/contracts/governance/extensions/GovernorPreventLateQuorum.sol";
import {GovernorProposalGuardian} from "@openzeppelin/contracts/governance/extensions/GovernorProposalGuardian.sol";
import {GovernorStorage} from "@openzeppelin/contracts/governance/extensions/GovernorStorage.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title AltGovernor
/// @notice ALT token governance: OpenZeppelin Governor with settings, simple counting, ALT votes on the token's
/// timestamp clock, a quorum fraction (in bps) of the supply that can vote, timelock control, late-quorum prevention,
/// a proposal guardian (the security council, which can cancel any proposal) and on-chain proposal enumeration.
/// @dev Votes delegated to the timelock are the treasury's own ALT (the timelock delegates its balance to itself at
/// deployment, and the Treasury vesting position delegates to it). Those votes can never be cast — `_getVotes` is zero
/// for the timelock — so they are also left out of the supply the quorum is computed on, at the proposal's snapshot.
contract AltGovernor is
    GovernorSettings,
    GovernorCountingSimple,
    GovernorVotesQuorumFraction,
    GovernorTimelockControl,
    GovernorPreventLateQuorum,
    GovernorProposalGuardian,
    GovernorStorage
{
    /// @notice A succeeded proposal must be queued within this time after its voting deadline, else it expires: a
    /// decision is not left lying around to be enacted long after the vote, in other circumstances.
    uint256 public constant QUEUE_PERIOD = 14 days;

    /// @notice `updateTimelock` is disabled (see there).
    error GovernorTimelockFixed();

    /// @param token_ ALT (ERC20Votes, timestamp clock)
    /// @param timelock_ owns the protocol; the governor must be its only proposer and canceller
    /// @param guardian_ the security council: may cancel any proposal before it executes
    /// @param quorumBps_ share of the votable supply (total supply less the timelock's votes) that must vote for or
    /// abstain
    constructor(
        IVotes token_,
        TimelockController timelock_,
        address guardian_,
        uint48 votingDelay_,
        uint32 votingPeriod_,
        uint256 proposalThreshold_,
        uint256 quorumBps_,
        uint48 lateQuorumExtension_
    )
        Governor("ALT Governor")
        GovernorSettings(votingDelay_, votingPeriod_, proposalThreshold_)
        GovernorVotes(token_)
        GovernorVotesQuorumFraction(quorumBps_)
        GovernorTimelockControl(timelock_)
        GovernorPreventLateQuorum(lateQuorumExtension_)
    {
        _setProposalGuardian(guardian_);
    }

    /// @notice Quorum numerators are in basis points.
    function quorumDenominator() public pure override returns (uint256) {
        return 10_000;
    }

    /// @notice Votes needed at `timepoint`: the quorum fraction of the total supply less the votes delegated to the
    /// timelock (the treasury), both read at `timepoint`.
    function quorum(uint256 timepoint) public view override(Governor, GovernorVotesQuorumFraction) returns (uint256) {
        IVotes votes = token();
        // the timelock's votes are part of the total supply, so the subtraction cannot underflow
        uint256 votable = votes.getPastTotalSupply(timepoint) - votes.getPastVotes(timelock(), timepoint);
        return Math.mulDiv(votable, quorumNumerator(timepoint), quorumDenominator());
    }

    /// @notice Disabled: the quorum at a past timepoint leaves out the timelock's votes at that timepoint, which holds
    /// only while there is one timelock (the treasury and owner of the protocol). To change the governor instead, grant
    /// a new governor the timelock's proposer and canceller roles through a proposal.
    function updateTimelock(TimelockController) public pure override {
        revert GovernorTimelockFixed();
    }

    /// @dev The timelock holds the treasury: its votes never count, so a proposal cannot make the treasury vote.
    function _getVotes(
        address account,
        uint256 timepoint,
        bytes memory params
    ) internal view override(Governor, GovernorVotes) returns (uint256) {
        if (account == timelock()) return 0;
        return super._getVotes(account, timepoint, params);
    }

    // ---- overrides required by the combination of extensions ----

    function proposalThreshold() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.proposalThreshold();
    }

    function proposalDeadline(
        uint256 proposalId
    ) public view override(Governor, GovernorPreventLateQuorum) returns (uint256) {
        return super.proposalDeadline(proposalId);
    }

    /// @notice The Governor's states, plus `Expired` for a proposal that succeeded but was not queued within
    /// `QUEUE_PERIOD` of its deadline (it can then never be queued).
    function state(uint256 proposalId) public view override(Governor, GovernorTimelockControl) returns (ProposalState) {
        ProposalState current = super.state(proposalId);
        if (current == ProposalState.Succeeded && clock() > proposalDeadline(proposalId) + QUEUE_PERIOD) {
            return ProposalState.Expired;
        }
        return current;
    }

    function proposalNeedsQueuing(
        uint256 proposalId
    ) public view override(Governor, GovernorTimelockControl) returns (bool) {
        return super.proposalNeedsQueuing(proposalId);
    }

    function _propose(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        string memory description,
        address proposer
    ) internal override(Governor, GovernorStorage) returns (uint256) {
        return super._propose(targets, values, calldatas, description, proposer);
    }

    function _tallyUpdated(uint256 proposalId) internal override(Governor, GovernorPreventLateQuorum) {
        super._tallyUpdated(proposalId);
    }

    function _validateCancel(
        uint256 proposalId,
        address caller
    ) internal view override(Governor, GovernorProposalGuardian) returns (bool) {
        return super._validateCancel(proposalId, caller);
    }

    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint48) {
        return super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) {
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint256) {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor() internal view override(Governor, GovernorTimelockControl) returns (address) {
        return super._executor();
    }
}
