// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IPortal} from "../interfaces/IPortal.sol";
import {IRollup} from "../interfaces/IRollup.sol";
import {IRollupFactory} from "../interfaces/IRollupFactory.sol";
import {IOperatorSets} from "../interfaces/IOperatorSets.sol";
import {IRestakingRegistry} from "../interfaces/IRestakingRegistry.sol";
import {OutputRoot} from "../libraries/OutputRoot.sol";
import {VITAL} from "../rollups/Services.sol";

/// @title Portal
/// @notice The implementation behind every rollup's portal clone (see IPortal).
/// @dev Stateless but for the two nullifier maps and the fast withdrawals' ledger: what it holds is its balances, what
///      it owes is in the rollup's queue (deposits not yet included) and in the rollup's finalized outputs (withdrawals
///      not yet claimed). Fast withdrawals are settled lazily: each is an entry (output index, root, amount; one per
///      output, merged) in the order paid; an entry whose output is Finalized with the same root is released, one whose
///      output is gone or holds another root was dropped by an invalidation (lost), one still pending stops the
///      settling (the exposure is then an upper bound, which only makes the limit stricter).
contract Portal is IPortal, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @dev The implementation's own address: it holds nothing and serves no rollup (only its clones do).
    address private immutable _self = address(this);

    /// @notice Fast withdrawals settled per fast claim (`settleFastWithdrawals` does more).
    uint256 public constant SYNC_BATCH = 8;

    /// @notice ALT: the only asset paid out fast (the implementation's, so every clone's, at no cost to a rollup).
    address public immutable alt;

    /// @dev A fast withdrawal's (or several against one output's) record until it settles, in one slot: the output root's
    ///      first 20 bytes, the output's index and the amount in gwei (rounded up).
    struct FastEntry {
        bytes20 root;
        uint32 outputIndex;
        uint64 amount;
    }

    /// @dev The fast withdrawals' ledger, one slot, amounts in gwei: the exposure, what was lost to invalidations and not
    ///      yet made good by recovered slashes (the deficit), and the entries still to settle, [head, tail). A fast claim
    ///      needs exposure + deficit + amount <= the output's `fastLimit` (< 2^64 gwei), so neither passes 2^64.
    struct FastLedger {
        uint64 exposure;
        uint64 deficit;
        uint64 head;
        uint64 tail;
    }

    /// @dev Totals for the views, written only when something is lost or recovered: lost (gwei) and recovered (wei).
    struct FastTotals {
        uint128 lost;
        uint128 recovered;
    }

    mapping(bytes32 withdrawalHash => bool) internal _claimed;
    mapping(uint256 queueIndex => bool) internal _refunded;
    FastLedger internal _fast;
    mapping(uint256 position => FastEntry) internal _fastEntries;
    FastTotals internal _totals;

    /// @param alt_ the ALT token
    constructor(address alt_) {
        alt = alt_;
    }

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
        IRollup r = rollup();
        IRollup.Output memory o = _checkOutput(r, leaf, outputIndex, outputProof, proof);
        if (_claimed[leaf]) revert PortalAlreadyClaimed(leaf);
        _claimed[leaf] = true;
        if (o.status != IRollup.OutputStatus.Finalized) {
            if (o.status != IRollup.OutputStatus.FastFinalized || w.token != alt) {
                revert PortalOutputNotFinalized(outputIndex, o.status);
            }
            _takeFast(r, leaf, outputIndex, o, w.amount);
        }
        emit WithdrawalClaimed(leaf, w.nonce, outputIndex, w.recipient, to, w.token, w.amount);
        _pay(w.token, to, w.amount);
    }

    /// @dev Checks that `leaf` is in the withdrawals root of output `outputIndex`, live, of a rollup that is not paused;
    ///      returns the output.
    function _checkOutput(
        IRollup r,
        bytes32 leaf,
        uint256 outputIndex,
        OutputProof calldata outputProof,
        bytes32[] calldata proof
    ) private view returns (IRollup.Output memory o) {
        o = r.output(outputIndex); // refused unless live
        bytes32 root = OutputRoot.hash(
            o.l2BlockNumber,
            o.stateRoot,
            outputProof.withdrawalsRoot,
            o.batchCount,
            outputProof.batchRoot,
            outputProof.parentRoot
        );
        if (root != o.root) revert PortalOutputMismatch(outputIndex);
        if (!MerkleProof.verifyCalldata(proof, outputProof.withdrawalsRoot, leaf)) revert PortalInvalidProof(leaf);
        _requireNotPaused(r);
    }

    /// @dev Counts `amount` of ALT (rounded up to gwei) paid out fast against FastFinalized output `outputIndex` `o`: the
    ///      exposure with it, after settling what it can, plus the deficit must stay within the output's `fastLimit` (an
    ///      invalidation's loss not yet made good holds the cover it used until its slash is recovered: signers whose
    ///      slash is vetoed, capped by the window or still pending back no new fast withdrawals).
    function _takeFast(IRollup r, bytes32 leaf, uint256 outputIndex, IRollup.Output memory o, uint256 amount) private {
        FastLedger memory ledger = _settle(r, SYNC_BATCH);
        uint256 gweis = Math.ceilDiv(amount, 1 gwei);
        uint256 exposure = ledger.exposure + gweis;
        if (exposure + ledger.deficit > o.fastLimit) {
            revert PortalFastLimit(outputIndex, (exposure + ledger.deficit) * 1 gwei, uint256(o.fastLimit) * 1 gwei);
        }
        ledger.exposure = uint64(exposure); // <= fastLimit < 2^64
        emit FastWithdrawal(leaf, outputIndex, exposure * 1 gwei, uint256(o.fastLimit) * 1 gwei);
        bytes20 root = bytes20(o.root);
        // one entry per output while claims against it follow one another
        if (ledger.tail > ledger.head) {
            FastEntry storage last = _fastEntries[ledger.tail - 1];
            if (last.outputIndex == outputIndex && last.root == root) {
                last.amount += uint64(gweis);
                _fast = ledger;
                return;
            }
        }
        // (2^32 outputs take over 8,000 years at one an minute)
        _fastEntries[ledger.tail++] = FastEntry({root: root, outputIndex: uint32(outputIndex), amount: uint64(gweis)});
        _fast = ledger;
    }

    /// @inheritdoc IPortal
    function settleFastWithdrawals(uint256 max) external nonReentrant returns (uint256 released, uint256 lost) {
        FastLedger memory before = _fast;
        FastLedger memory ledger = _settle(rollup(), max);
        return (uint256(before.exposure - ledger.exposure) * 1 gwei, uint256(ledger.deficit - before.deficit) * 1 gwei);
    }

    /// @dev Settles up to `max` entries from the oldest: released when its output is Finalized with the same root, lost
    ///      (and released) when the output was dropped; stops at the first still pending. Returns the ledger, written.
    function _settle(IRollup r, uint256 max) private returns (FastLedger memory ledger) {
        ledger = _fast;
        uint256 end = ledger.tail;
        if (end > ledger.head + max) end = ledger.head + max;
        if (ledger.head == end) return ledger;
        (uint256 live, uint256 finalized) = (r.outputCount(), r.finalizedCount());
        uint256 released;
        uint256 lost;
        uint64 head = ledger.head;
        for (; head < end; ++head) {
            FastEntry memory e = _fastEntries[head];
            bool dropped = e.outputIndex >= live || bytes20(r.output(e.outputIndex).root) != e.root;
            if (!dropped && e.outputIndex >= finalized) break; // still pending
            released += e.amount;
            if (dropped) lost += e.amount;
            delete _fastEntries[head];
        }
        if (head == ledger.head) return ledger;
        // (a loss moves from the exposure to the deficit: their sum never grows)
        (ledger.head, ledger.exposure, ledger.deficit) = (
            head,
            ledger.exposure - uint64(released),
            ledger.deficit + uint64(lost)
        );
        _fast = ledger;
        if (lost != 0) _totals.lost += uint128(lost);
        emit FastWithdrawalsSettled(released * 1 gwei, lost * 1 gwei);
    }

    /// @inheritdoc IPortal
    function recoverSlashProceeds() external nonReentrant returns (uint256 amount) {
        IRollupFactory factory = rollup().factory();
        IRestakingRegistry registry = IRestakingRegistry(IOperatorSets(factory.operatorSets()).registry());
        amount = registry.claimSlashProceeds(0, address(this)); // asset 0: ALT
        _totals.recovered += uint128(amount); // (ALT's supply is below 2^96)
        // what exceeds the deficit stays in the portal, a reserve for its depositors (it raises no fast limit)
        FastLedger storage ledger = _fast;
        uint256 madeGood = Math.min(ledger.deficit, amount / 1 gwei);
        ledger.deficit -= uint64(madeGood);
        emit SlashProceedsRecovered(amount, uint256(ledger.deficit) * 1 gwei);
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
    function fastExposure() external view returns (uint256) {
        return uint256(_fast.exposure) * 1 gwei;
    }

    /// @inheritdoc IPortal
    function fastLost() external view returns (uint256) {
        return uint256(_totals.lost) * 1 gwei;
    }

    /// @inheritdoc IPortal
    function fastRecovered() external view returns (uint256) {
        return _totals.recovered;
    }

    /// @inheritdoc IPortal
    function fastDeficit() external view returns (uint256) {
        return uint256(_fast.deficit) * 1 gwei;
    }

    /// @inheritdoc IPortal
    function fastCapacity(uint256 outputIndex) external view returns (uint256) {
        IRollup.Output memory o = rollup().output(outputIndex);
        uint256 exposure = uint256(_fast.exposure) + _fast.deficit;
        if (o.status != IRollup.OutputStatus.FastFinalized || o.fastLimit <= exposure) return 0;
        return (o.fastLimit - exposure) * 1 gwei;
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
