// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IRollup} from "./IRollup.sol";

/// @title Portal
/// @notice One rollup's bridge on L1: it holds the ETH and ERC20 tokens deposited to the rollup and pays the
///         withdrawals its finalized outputs commit to. A deposit is an L1→L2 message in the rollup's forced-inclusion
///         queue (payer: the portal, no fee), so the sequencer must include it by its deadline like any queued
///         transaction. A withdrawal is a leaf of the withdrawals root an output commits to; it is claimed once, against
///         a Finalized output, or (ALT only) sooner against a FastFinalized one within its MACH cover: the ALT
///         paid out fast against outputs not yet Finalized (the exposure) never exceeds the output's `fastLimit`, what
///         slashing its signers would recover if VITAL invalidated it. After an ephemeral rollup retires, withdrawals
///         stay claimable forever and deposits it never included are refunded to their senders.
/// @dev Each portal is an EIP-1167 clone with one immutable argument, its rollup, created by the rollup when the
///      factory initializes it (the rollup's first CREATE: `IRollup.portal` derives its address).
interface IPortal {
    /// @notice An L1→L2 transfer: `amount` of `token` (zero: ETH) from `from` on L1 to `to` on L2. Its hash
    ///         (`depositHash`) is the queue item's `txHash`; its queue index is its ID on L2.
    struct Deposit {
        address from;
        address to;
        address token;
        uint256 amount;
    }

    /// @notice An L2→L1 transfer: `amount` of `token` (zero: ETH) from `sender` on L2 to `recipient` on L1, the L2's
    ///         `nonce`-th withdrawal. Its leaf (`withdrawalHash`) is in the withdrawals tree: an OpenZeppelin standard
    ///         Merkle tree of (uint256 nonce, address sender, address recipient, address token, uint256 amount).
    struct Withdrawal {
        uint256 nonce;
        address sender;
        address recipient;
        address token;
        uint256 amount;
    }

    /// @notice The parts of an output root the rollup does not store (from `IRollup.OutputProposed`).
    struct OutputProof {
        bytes32 withdrawalsRoot;
        bytes32 batchRoot;
        bytes32 parentRoot;
    }

    error PortalZeroAddress();
    /// @notice The rollup's outputs are checked by nothing (optimistic without VITAL): its proposer could finalize any
    ///         withdrawal, so the portal takes no deposit.
    error PortalOutputsUnverified();
    error PortalZeroAmount();
    /// @notice The token moved a different amount than asked: fee-on-transfer and rebasing tokens are refused.
    error PortalUnsupportedToken(address token, uint256 expected, uint256 received);
    /// @notice The output proof does not hash to the root of live output `outputIndex`.
    error PortalOutputMismatch(uint256 outputIndex);
    /// @notice Output `outputIndex` is not Finalized (its status), nor FastFinalized for an ALT withdrawal.
    error PortalOutputNotFinalized(uint256 outputIndex, IRollup.OutputStatus status);
    /// @notice A fast withdrawal would raise the ALT paid out fast against outputs not yet Finalized, plus the deficit, to
    ///         `exposure`, above output `outputIndex`'s MACH cover `limit` (wei).
    error PortalFastLimit(uint256 outputIndex, uint256 exposure, uint256 limit);
    /// @notice The Merkle proof does not put the withdrawal in the output's withdrawals root.
    error PortalInvalidProof(bytes32 withdrawalHash);
    error PortalAlreadyClaimed(bytes32 withdrawalHash);
    /// @notice Only the recipient (of a withdrawal) or sender (of a deposit) may have it paid elsewhere.
    error PortalNotPayee(address caller, address payee);
    /// @notice The rollup is paused until `until` (a retired rollup's portal never is).
    error PortalPaused(uint256 until);
    /// @notice Refunds wait for the rollup to retire.
    error PortalNotRetired();
    /// @notice Queue item `queueIndex` is not this deposit, was included, or was refunded.
    error PortalNotRefundable(uint256 queueIndex);
    error PortalTransferFailed(address to);
    /// @notice The portal implementation serves no rollup: only its clones do.
    error PortalNotClone();

    /// @notice `from` deposited `amount` of `token` (zero: ETH) to `to` on L2, as queue item `queueIndex`.
    event DepositInitiated(
        uint256 indexed queueIndex,
        address indexed from,
        address indexed to,
        address token,
        uint256 amount
    );
    /// @notice The withdrawal `withdrawalHash` (the L2's `nonce`-th) paid `amount` of `token` to `to`, proven against
    ///         output `outputIndex`.
    event WithdrawalClaimed(
        bytes32 indexed withdrawalHash,
        uint256 indexed nonce,
        uint256 outputIndex,
        address indexed recipient,
        address to,
        address token,
        uint256 amount
    );
    /// @notice Withdrawal `withdrawalHash` was paid against FastFinalized output `outputIndex`: the ALT paid out fast
    ///         against outputs not yet Finalized is now `exposure`, within the output's cover `limit`.
    event FastWithdrawal(bytes32 indexed withdrawalHash, uint256 indexed outputIndex, uint256 exposure, uint256 limit);
    /// @notice Fast withdrawals against outputs since Finalized (`released`) or dropped by an invalidation (`lost`, also
    ///         released, and added to the deficit) no longer count in the exposure.
    event FastWithdrawalsSettled(uint256 released, uint256 lost);
    /// @notice `amount` of ALT slashed from signers of invalid MACH certificates came to the portal; what was lost to
    ///         invalidations and not yet made good is now `deficit`.
    event SlashProceedsRecovered(uint256 amount, uint256 deficit);
    /// @notice The deposit at queue item `queueIndex`, never included, paid back to `to` after retirement.
    event DepositRefunded(uint256 indexed queueIndex, address indexed from, address to, address token, uint256 amount);

    /// @notice Deposits the ETH sent to `to` on L2. Returns its queue index.
    function depositETH(address to) external payable returns (uint256 queueIndex);

    /// @notice Deposits `amount` of `token` (pulled from the caller, who approved the portal) to `to` on L2.
    function depositERC20(address token, uint256 amount, address to) external returns (uint256 queueIndex);

    /// @notice Pays withdrawal `w` to `to` (its recipient; only the recipient may name another address), proven by
    ///         `proof` against the withdrawals root of output `outputIndex`, once: a Finalized output, or for ALT a
    ///         FastFinalized one whose `fastLimit` covers the exposure with `w` (settling up to `SYNC_BATCH` earlier fast
    ///         withdrawals first).
    function claimWithdrawal(
        Withdrawal calldata w,
        uint256 outputIndex,
        OutputProof calldata outputProof,
        bytes32[] calldata proof,
        address to
    ) external;

    /// @notice After the rollup retired, pays deposit `d` back to `to` (its sender; only the sender may name another
    ///         address), if queue item `queueIndex` is that deposit and the rollup never included it. Once.
    function refundDeposit(uint256 queueIndex, Deposit calldata d, address to) external;

    /// @notice Settles up to `max` fast withdrawals in the order they were paid, stopping at the first whose output is
    ///         still pending (anyone: fast claims settle a few each, this catches up after many).
    function settleFastWithdrawals(uint256 max) external returns (uint256 released, uint256 lost);

    /// @notice Takes into the portal the ALT the restaking registry holds for it: what slashing the rollup's MACH
    ///         signers for invalid certificates took (anyone; refused, `RegistryZeroAmount`, when there is none). It
    ///         stays in the portal, making good the fast withdrawals lost to invalidations (and any later ones).
    function recoverSlashProceeds() external returns (uint256 amount);

    /// @notice ALT recovered from slashes, in all.
    function fastRecovered() external view returns (uint256);

    /// @notice ALT lost to invalidations not yet made good by recovered slashes (each recovery lowers it, down to zero;
    ///         what exceeds it stays in the portal as a reserve). A fast claim needs exposure + deficit + amount within
    ///         the output's limit.
    function fastDeficit() external view returns (uint256);

    /// @notice ALT paid out fast against outputs not yet known to be Finalized or dropped (settled lazily: an upper
    ///         bound).
    function fastExposure() external view returns (uint256);

    /// @notice ALT paid out fast against outputs later dropped by an invalidation, in all.
    function fastLost() external view returns (uint256);

    /// @notice The ALT a fast withdrawal against output `outputIndex` may take now: its `fastLimit` less the exposure and
    ///         the deficit (zero unless it is FastFinalized).
    function fastCapacity(uint256 outputIndex) external view returns (uint256);

    /// @notice The rollup this portal bridges to.
    function rollup() external view returns (IRollup);

    function isClaimed(bytes32 withdrawalHash) external view returns (bool);

    function isRefunded(uint256 queueIndex) external view returns (bool);

    /// @notice The queue item hash of a deposit: keccak256(abi.encode(d)).
    function depositHash(Deposit calldata d) external pure returns (bytes32);

    /// @notice A withdrawal's leaf and ID: keccak256(bytes.concat(keccak256(abi.encode(nonce, sender, recipient, token,
    ///         amount)))).
    function withdrawalHash(Withdrawal calldata w) external pure returns (bytes32);
}
