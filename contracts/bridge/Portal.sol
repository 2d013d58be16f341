// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IPortal} from "../interfaces/IPortal.sol";
import {IRollup} from "../interfaces/IRollup.sol";
import {IRollupFactory} from "../interfaces/IRollupFactory.sol";
import {VITAL} from "../rollups/Services.sol";

/// @title Portal
/// @notice The implementation behind every rollup's portal clone (see IPortal).
/// @dev Stateless but for the two nullifier maps: what it holds is its balances, what it owes is in the rollup's queue
///      (deposits not yet included) and in the rollup's finalized outputs (withdrawals not yet claimed).
contract Portal is IPortal, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @dev The implementation's own address: it holds nothing and serves no rollup (only its clones do).
    address private immutable _self = address(this);

    mapping(bytes32 withdrawalHash => bool) internal _claimed;
    mapping(uint256 queueIndex => bool) internal _refunded;

    // ---------------------------------------------------------------- deposits

    /// @inheritdoc IPortal
    function depositETH(address to) external payable nonReentrant returns (uint256 queueIndex) {
        return _deposit(Deposit({from: msg.sender, to: to, token: address(0), amount: msg.value}));
    }

    /// @inheritdoc IPortal
    function depositERC20(address token, uint256 amount, address to) external nonReentrant returns (uint256) {
        if (token == address(0)) revert PortalZeroAddress();
        IERC20 t = IERC20(token);
        uint256 before = t.balanceOf(address(this));
        t.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = t.balanceOf(address(this)) - before;
        if (received != amount) revert PortalUnsupportedToken(token, amount, received);
        return _deposit(Deposit({from: msg.sender, to: to, token: token, amount: amount}));
    }

    /// @dev Queues `d` in the rollup (which refuses it unless Active and not paused) and announces it to L2, if something
    ///      checks the rollup's outputs.
    function _deposit(Deposit memory d) private returns (uint256 queueIndex) {
        if (d.to == address(0)) revert PortalZeroAddress();
        if (d.amount == 0) revert PortalZeroAmount();
        IRollup r = rollup();
        if (!verifiesOutputs(r)) revert PortalOutputsUnverified();
        queueIndex = r.queueTransaction(keccak256(abi.encode(d)), 0);
        emit DepositInitiated(queueIndex, d.from, d.to, d.token, d.amount);
    }

    // ---------------------------------------------------------------- withdrawals

    /// @inheritdoc IPortal
    function claimWithdrawal(
        Withdrawal calldata w,
        uint256 outputIndex,
        OutputProof calldata outputProof,
        bytes32[] calldata proof,
        address to
    ) external nonReentrant {
        _checkPayee(to, w.recipient);
        bytes32 leaf = withdrawalHash(w);
        _checkFinalized(leaf, outputIndex, outputProof, proof);
        if (_claimed[leaf]) revert PortalAlreadyClaimed(leaf);
        _claimed[leaf] = true;
        emit WithdrawalClaimed(leaf, w.nonce, outputIndex, w.recipient, to, w.token, w.amount);
        _pay(w.token, to, w.amount);
    }

    /// @dev Checks that `leaf` is in the withdrawals root of output `outputIndex`, live and Finalized, of a rollup that
    ///      is not paused.
    function _checkFinalized(
        bytes32 leaf,
        uint256 outputIndex,
        OutputProof calldata outputProof,
        bytes32[] calldata proof
    ) private view {
        IRollup r = rollup();
        IRollup.Output memory o = r.output(outputIndex); // refused unless live
        bytes32 root = keccak256(
            abi.encode(
                o.l2BlockNumber,
                o.stateRoot,
                outputProof.withdrawalsRoot,
                o.batchCount,
                outputProof.batchRoot,
                outputProof.parentRoot
            )
        );
        if (root != o.root) revert PortalOutputMismatch(outputIndex);
        if (o.status != IRollup.OutputStatus.Finalized) revert PortalOutputNotFinalized(outputIndex, o.status);
        if (!MerkleProof.verifyCalldata(proof, outputProof.withdrawalsRoot, leaf)) revert PortalInvalidProof(leaf);
        _requireNotPaused(r);
    }

    // ---------------------------------------------------------------- escape hatch

    /// @inheritdoc IPortal
    function refundDeposit(uint256 queueIndex, Deposit calldata d, address to) external nonReentrant {
        _checkPayee(to, d.from);
        IRollup r = rollup();
        if (r.status() != IRollup.Status.Retired) revert PortalNotRetired();
        if (queueIndex >= r.queueLength() || _refunded[queueIndex]) revert PortalNotRefundable(queueIndex);
        // never included: `included` is the rollup's queue head passing the item (a deposit's fee is zero, so the
        // rollup's own reclaim never marks one); the rollup keeps each hash's first 26 bytes
        IRollup.QueuedTx memory item = r.queuedTransaction(queueIndex);
        if (item.payer != address(this) || item.txHash != bytes26(depositHash(d)) || item.included) {
            revert PortalNotRefundable(queueIndex);
        }
        _refunded[queueIndex] = true;
        emit DepositRefunded(queueIndex, d.from, to, d.token, d.amount);
        _pay(d.token, to, d.amount);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IPortal
    function rollup() public view returns (IRollup) {
        if (address(this) == _self) revert PortalNotClone();
        return IRollup(address(bytes20(Clones.fetchCloneArgs(address(this)))));
    }

    /// @notice Whether anything checks `r`'s outputs before they finalize: a validity proof, or VITAL's challenges (an
    ///         optimistic rollup without VITAL finalizes whatever its proposer posts once the challenge period is over).
    function verifiesOutputs(IRollup r) public view returns (bool) {
        return r.proofSystem() == IRollupFactory.ProofSystem.Validity || r.services() & VITAL != 0;
    }

    /// @inheritdoc IPortal
    function isClaimed(bytes32 withdrawalHash_) external view returns (bool) {
        return _claimed[withdrawalHash_];
    }

    /// @inheritdoc IPortal
    function isRefunded(uint256 queueIndex) external view returns (bool) {
        return _refunded[queueIndex];
    }

    /// @inheritdoc IPortal
    function depositHash(Deposit calldata d) public pure returns (bytes32) {
        return keccak256(abi.encode(d));
    }

    /// @inheritdoc IPortal
    function withdrawalHash(Withdrawal calldata w) public pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(w.nonce, w.sender, w.recipient, w.token, w.amount))));
    }

    // ---------------------------------------------------------------- internals

    /// @dev `payee` is paid to `to`: itself, or another address it chose (a contract that cannot take ETH or a
    ///      blocklisted account redirects its own payment; nobody else can).
    function _checkPayee(address to, address payee) private view {
        if (to == address(0)) revert PortalZeroAddress();
        if (to != payee && msg.sender != payee) revert PortalNotPayee(msg.sender, payee);
    }

    /// @dev A pause of the rollup holds its claims too (a rollup cannot retire while paused, nor be paused once
    ///      retired).
    function _requireNotPaused(IRollup r) private view {
        uint256 until = r.pausedUntil();
        if (block.timestamp < until) revert PortalPaused(until);
    }

    function _pay(address token, address to, uint256 amount) private {
        if (token != address(0)) return IERC20(token).safeTransfer(to, amount);
        (bool ok, ) = to.call{value: amount}("");
        if (!ok) revert PortalTransferFailed(to);
    }
}
