// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IVestingPosition} from "../interfaces/IVestingPosition.sol";
import {IVestingFactory} from "../interfaces/IVestingFactory.sol";

/// @title VestingPosition
/// @notice One beneficiary's linear vesting of a fixed total of ALT, deployed as a clone by `VestingFactory`.
/// @dev Invariants: start <= cliff <= end; released <= total; the ALT balance is >= total - released (anything above is
///      surplus, never vested). `total` only changes on revocation, down to what had vested then (>= released).
contract VestingPosition is IVestingPosition {
    using SafeERC20 for IERC20;

    /// @inheritdoc IVestingPosition
    address public immutable token;
    /// @inheritdoc IVestingPosition
    address public immutable factory;

    // slot 0: beneficiary (160) | start (48) | cliff (48)
    /// @inheritdoc IVestingPosition
    address public beneficiary;
    uint48 private _start;
    uint48 private _cliff;
    // slot 1: total (96) | released (96) | end (48) | revocable (8) | revoked (8).
    // uint96 holds 7.9e28 wei, above the whole 1e28 supply.
    uint96 private _total;
    uint96 private _released;
    uint48 private _end;
    bool private _revocable;
    bool private _revoked;
    // slot 2: written only during a beneficiary transfer
    /// @inheritdoc IVestingPosition
    address public pendingBeneficiary;

    /// @param token_ the ALT token; the deployer (the factory) becomes `factory`
    constructor(address token_) {
        token = token_;
        factory = msg.sender;
    }

    modifier onlyBeneficiary() {
        if (msg.sender != beneficiary) revert VestingNotBeneficiary(msg.sender);
        _;
    }

    modifier onlyRevoker() {
        if (msg.sender != Ownable(factory).owner()) revert VestingNotRevoker(msg.sender);
        _;
    }

    /// @inheritdoc IVestingPosition
    /// @dev The factory validated the schedule and calls this once, right after deploying the clone.
    function initialize(
        address beneficiary_,
        uint48 start,
        uint48 cliff,
        uint48 end,
        uint96 total,
        bool revocable,
        address delegatee
    ) external {
        if (msg.sender != factory) revert VestingNotFactory(msg.sender);
        beneficiary = beneficiary_;
        _start = start;
        _cliff = cliff;
        _end = end;
        _total = total;
        _revocable = revocable;
        if (delegatee != address(0)) IVotes(token).delegate(delegatee);
    }

    /// @inheritdoc IVestingPosition
    function schedule() external view returns (Schedule memory) {
        return Schedule(beneficiary, _start, _cliff, _end, _revocable, _revoked, _total, _released);
    }

    /// @inheritdoc IVestingPosition
    function vestedAmount(uint48 timestamp) public view returns (uint256) {
        uint256 total = _total;
        if (_revoked) return total; // revocation cut the total down to what had vested
        if (timestamp < _cliff) return 0;
        if (timestamp >= _end) return total;
        // here start <= cliff <= timestamp < end, so end - start > 0; total < 2^96 and elapsed < 2^48: no overflow
        return (total * (timestamp - _start)) / (_end - _start);
    }

    /// @inheritdoc IVestingPosition
    function releasable() public view returns (uint256) {
        return vestedAmount(uint48(block.timestamp)) - _released;
    }

    /// @inheritdoc IVestingPosition
    function locked() external view returns (uint256) {
        return _total - vestedAmount(uint48(block.timestamp));
    }

    /// @inheritdoc IVestingPosition
    function release() external returns (uint256 amount) {
        amount = releasable();
        if (amount == 0) revert VestingNothingToRelease();
        // amount <= total - released, so the sum stays below total < 2^96
        _released += uint96(amount);
        address to = beneficiary;
        emit Released(to, amount);
        IERC20(token).safeTransfer(to, amount);
    }

    /// @inheritdoc IVestingPosition
    function delegate(address delegatee) external onlyBeneficiary {
        IVotes(token).delegate(delegatee);
    }

    /// @inheritdoc IVestingPosition
    /// @dev A zero `newBeneficiary` cancels a pending transfer.
    function transferBeneficiary(address newBeneficiary) external onlyBeneficiary {
        pendingBeneficiary = newBeneficiary;
        emit BeneficiaryTransferStarted(msg.sender, newBeneficiary);
    }

    /// @inheritdoc IVestingPosition
    function acceptBeneficiary() external {
        if (msg.sender != pendingBeneficiary) revert VestingNotPendingBeneficiary(msg.sender);
        address previous = beneficiary;
        beneficiary = msg.sender;
        delete pendingBeneficiary;
        emit BeneficiaryTransferred(previous, msg.sender);
    }

    /// @inheritdoc IVestingPosition
    function revoke() external onlyRevoker {
        if (!_revocable || _revoked) revert VestingNotRevocable();
        uint256 vested = vestedAmount(uint48(block.timestamp));
        uint256 unvested = _total - vested;
        _total = uint96(vested);
        _revoked = true;
        address treasury = IVestingFactory(factory).treasury();
        emit Revoked(vested, unvested, treasury);
        if (unvested != 0) IERC20(token).safeTransfer(treasury, unvested);
    }

    /// @inheritdoc IVestingPosition
    function sweep(address sweptToken) external onlyRevoker returns (uint256 amount) {
        amount = IERC20(sweptToken).balanceOf(address(this));
        if (sweptToken == token) amount -= _total - _released; // what the schedule still owes stays
        if (amount == 0) revert VestingNothingToSweep(sweptToken);
        address treasury = IVestingFactory(factory).treasury();
        emit SurplusSwept(sweptToken, amount, treasury);
        IERC20(sweptToken).safeTransfer(treasury, amount);
    }
}
