// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IVestingFactory} from "../interfaces/IVestingFactory.sol";
import {VestingPosition} from "./VestingPosition.sol";

/// @title VestingFactory
/// @notice Batch creation of ALT vesting positions as clones at predictable addresses. The owner is the revoker.
contract VestingFactory is IVestingFactory, Ownable {
    using SafeERC20 for IERC20;

    /// @inheritdoc IVestingFactory
    address public immutable token;
    /// @inheritdoc IVestingFactory
    address public immutable implementation;
    /// @inheritdoc IVestingFactory
    address public treasury;

    /// @param token_ the ALT token
    /// @param treasury_ recipient of revoked and swept tokens
    /// @param owner_ the revoker and treasury setter (the governance timelock after deployment)
    constructor(address token_, address treasury_, address owner_) Ownable(owner_) {
        if (token_ == address(0) || treasury_ == address(0)) revert VestingFactoryZeroAddress();
        token = token_;
        treasury = treasury_;
        implementation = address(new VestingPosition(token_));
    }

    /// @inheritdoc IVestingFactory
    function predictPositionAddress(address creator, bytes32 salt) external view returns (address) {
        return Clones.predictDeterministicAddress(implementation, _salt(creator, salt));
    }

    /// @inheritdoc IVestingFactory
    function createPositions(PositionParams[] calldata params) external returns (address[] memory positions) {
        uint256 count = params.length;
        if (count == 0) revert VestingFactoryEmptyBatch();
        uint256 sum;
        for (uint256 i; i < count; ++i) sum += params[i].amount; // uint96 terms: cannot overflow uint256
        // One pull for the whole batch: the factory holds no votes, so funding each clone moves no checkpoint of
        // the creator's delegate.
        IERC20(token).safeTransferFrom(msg.sender, address(this), sum);
        positions = new address[](count);
        for (uint256 i; i < count; ++i) positions[i] = _createPosition(params[i], i);
    }

    /// @inheritdoc IVestingFactory
    function setTreasury(address newTreasury) external onlyOwner {
        if (newTreasury == address(0)) revert VestingFactoryZeroAddress();
        emit TreasuryUpdated(treasury, newTreasury);
        treasury = newTreasury;
    }

    /// @notice Disabled: the owner is the revoker, and a position without one cannot be revoked or swept.
    function renounceOwnership() public view override onlyOwner {
        revert VestingFactoryRenounceDisabled();
    }

    function _createPosition(PositionParams calldata p, uint256 index) private returns (address position) {
        if (p.beneficiary == address(0)) revert VestingFactoryZeroAddress();
        uint256 start = p.start == 0 ? block.timestamp : p.start;
        uint256 end = start + p.duration;
        if (p.amount == 0 || p.cliffDuration > p.duration || end > type(uint48).max) {
            revert VestingFactoryInvalidSchedule(index);
        }
        uint48 cliff = uint48(start + p.cliffDuration); // <= end <= uint48 max
        position = Clones.cloneDeterministic(implementation, _salt(msg.sender, p.salt));
        VestingPosition(position).initialize(
            p.beneficiary,
            uint48(start),
            cliff,
            uint48(end),
            p.amount,
            p.revocable,
            p.delegatee
        );
        IERC20(token).safeTransfer(position, p.amount);
        emit PositionCreated(
            position,
            p.beneficiary,
            msg.sender,
            p.amount,
            uint48(start),
            cliff,
            uint48(end),
            p.revocable
        );
    }

    function _salt(address creator, bytes32 salt) private pure returns (bytes32) {
        return keccak256(abi.encode(creator, salt));
    }
}
