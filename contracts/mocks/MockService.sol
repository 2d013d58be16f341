// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IOperatorSets} from "../interfaces/IOperatorSets.sol";
import {ISlashingManager} from "../interfaces/ISlashingManager.sol";
import {ISetListener} from "../interfaces/ISetListener.sol";

/// @notice Test-only: a service that governance registered as an operator-set creator and as a slasher, driven
///         directly by tests until SQUAD, VITAL and MACH exist.
contract MockService {
    IOperatorSets public immutable sets;
    ISlashingManager public immutable slashing;

    constructor(IOperatorSets sets_, ISlashingManager slashing_) {
        sets = sets_;
        slashing = slashing_;
    }

    /// @dev A set that keeps a draw index (as SQUAD's do), so tests can draw from it.
    function createSet(bytes32 key, uint256 minStake, uint16 maxSize) external returns (uint256 setId) {
        setId = sets.createSet(key, minStake, maxSize);
        sets.enableDraws(setId);
    }

    /// @dev A set without a draw index (as MACH's and VITAL's are).
    function createPlainSet(bytes32 key, uint256 minStake, uint16 maxSize) external returns (uint256) {
        return sets.createSet(key, minStake, maxSize);
    }

    function enableDraws(uint256 setId) external {
        sets.enableDraws(setId);
    }

    function setListener(uint256 setId, address listener) external {
        sets.setListener(setId, listener);
    }

    function updateSet(uint256 setId, uint256 minStake, uint16 maxSize) external {
        sets.updateSet(setId, minStake, maxSize);
    }

    function setLiveness(uint256 setId, uint16 minMembers, uint256 minTotalStake) external {
        sets.setLiveness(setId, minMembers, minTotalStake);
    }

    function jail(uint256 setId, address operator, uint48 until) external {
        sets.jail(setId, operator, until);
    }

    function requestSlash(
        address operator,
        uint256 setId,
        uint16 bps,
        bytes32 reason,
        bytes32 evidenceHash,
        address reporter,
        uint48 evidenceTime
    ) external returns (uint256) {
        return slashing.requestSlash(operator, setId, bps, reason, evidenceHash, reporter, evidenceTime);
    }

    function requestSlashTo(
        address operator,
        uint256 setId,
        uint16 bps,
        bytes32 reason,
        bytes32 evidenceHash,
        address recipient,
        uint48 evidenceTime
    ) external returns (uint256) {
        return slashing.requestSlashTo(operator, setId, bps, reason, evidenceHash, recipient, evidenceTime);
    }
}

/// @notice Test-only: a set listener that records what it is told, and refuses starts when asked to.
contract MockSetListener is ISetListener {
    event Told(uint256 setId, address operator, bool counted, uint256 epoch);

    error Refused(address operator);

    bool public refuseStarts;
    uint256 public calls;

    function setRefuseStarts(bool refuse) external {
        refuseStarts = refuse;
    }

    function onCountedChanged(uint256 setId, address operator, bool counted, uint256 epoch) external {
        if (counted && refuseStarts) revert Refused(operator);
        ++calls;
        emit Told(setId, operator, counted, epoch);
    }
}
