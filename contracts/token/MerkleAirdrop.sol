// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IMerkleAirdrop} from "../interfaces/IMerkleAirdrop.sol";

/// @title MerkleAirdrop
/// @notice ALT airdrop with a claim bitmap, claim-and-delegate, and a sweep of the rest after the deadline.
contract MerkleAirdrop is IMerkleAirdrop {
    using SafeERC20 for IERC20;

    /// @inheritdoc IMerkleAirdrop
    address public immutable token;
    /// @inheritdoc IMerkleAirdrop
    bytes32 public immutable merkleRoot;
    /// @inheritdoc IMerkleAirdrop
    uint256 public immutable deadline;
    /// @inheritdoc IMerkleAirdrop
    address public immutable treasury;

    /// @dev Bit `index % 256` of word `index / 256` is set once leaf `index` is claimed.
    mapping(uint256 wordIndex => uint256 bits) private _claimed;

    /// @param claimPeriod seconds from deployment during which claims are accepted
    constructor(address token_, bytes32 merkleRoot_, uint256 claimPeriod, address treasury_) {
        if (token_ == address(0) || treasury_ == address(0) || merkleRoot_ == bytes32(0) || claimPeriod == 0) {
            revert AirdropInvalidConfig();
        }
        token = token_;
        merkleRoot = merkleRoot_;
        deadline = block.timestamp + claimPeriod;
        treasury = treasury_;
    }

    /// @inheritdoc IMerkleAirdrop
    function isClaimed(uint256 index) external view returns (bool) {
        return (_claimed[index >> 8] >> (index & 0xff)) & 1 == 1;
    }

    /// @inheritdoc IMerkleAirdrop
    function claim(uint256 index, address account, uint256 amount, bytes32[] calldata proof) public {
        if (block.timestamp > deadline) revert AirdropClaimWindowClosed(deadline);
        uint256 wordIndex = index >> 8;
        uint256 bit = 1 << (index & 0xff);
        uint256 word = _claimed[wordIndex];
        if (word & bit != 0) revert AirdropAlreadyClaimed(index);
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(index, account, amount))));
        if (!MerkleProof.verifyCalldata(proof, merkleRoot, leaf)) revert AirdropInvalidProof();
        _claimed[wordIndex] = word | bit;
        emit Claimed(index, account, amount);
        IERC20(token).safeTransfer(account, amount);
    }

    /// @inheritdoc IMerkleAirdrop
    /// @dev The delegation is tried, not required to succeed: if someone front-ran the signature into the token, the
    ///      delegation already holds. What is required is the outcome, `account` delegating to `delegatee`; a
    ///      signature by anyone else leaves `account`'s delegate unchanged and the whole call reverts.
    function claimAndDelegate(
        uint256 index,
        address account,
        uint256 amount,
        bytes32[] calldata proof,
        address delegatee,
        uint256 expiry,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        claim(index, account, amount, proof);
        IVotes votes = IVotes(token);
        // solhint-disable-next-line no-empty-blocks
        try votes.delegateBySig(delegatee, IERC20Nonces(token).nonces(account), expiry, v, r, s) {} catch {}
        if (votes.delegates(account) != delegatee) revert AirdropDelegationFailed(account, delegatee);
    }

    /// @inheritdoc IMerkleAirdrop
    function sweep() external returns (uint256 amount) {
        if (block.timestamp <= deadline) revert AirdropClaimWindowOpen(deadline);
        amount = IERC20(token).balanceOf(address(this));
        emit Swept(treasury, amount);
        IERC20(token).safeTransfer(treasury, amount);
    }
}

/// @dev The nonce getter shared by ERC20Permit and ERC20Votes.
interface IERC20Nonces {
    function nonces(address owner) external view returns (uint256);
}
