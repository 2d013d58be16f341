// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Merkle airdrop
/// @notice Distributes ALT to the accounts of a Merkle tree until a deadline; afterwards anyone sweeps the rest to the
///         treasury. Leaves are `keccak256(bytes.concat(keccak256(abi.encode(index, account, amount))))`, the
///         double-hashed leaf of the OpenZeppelin merkle-tree library StandardMerkleTree over ["uint256","address","uint256"].
interface IMerkleAirdrop {
    /// @notice Leaf `index` was claimed already.
    error AirdropAlreadyClaimed(uint256 index);
    /// @notice The proof does not lead from the leaf to the root.
    error AirdropInvalidProof();
    /// @notice Claims ended at `deadline`.
    error AirdropClaimWindowClosed(uint256 deadline);
    /// @notice The rest can be swept only after `deadline`.
    error AirdropClaimWindowOpen(uint256 deadline);
    /// @notice After the claim, `account` does not delegate to `delegatee`: the signature was not `account`'s.
    error AirdropDelegationFailed(address account, address delegatee);
    /// @notice A zero address, a zero root or a zero claim period was given at construction.
    error AirdropInvalidConfig();

    /// @notice `account` received `amount` for leaf `index`.
    event Claimed(uint256 indexed index, address indexed account, uint256 amount);
    /// @notice `amount` unclaimed ALT went to `treasury` after the deadline.
    event Swept(address indexed treasury, uint256 amount);

    /// @notice The ALT token.
    function token() external view returns (address);
    /// @notice The root of the claims tree.
    function merkleRoot() external view returns (bytes32);
    /// @notice Last timestamp at which claims are accepted.
    function deadline() external view returns (uint256);
    /// @notice Recipient of the unclaimed rest.
    function treasury() external view returns (address);
    /// @notice Whether leaf `index` was claimed.
    function isClaimed(uint256 index) external view returns (bool);

    /// @notice Sends `amount` to `account` for leaf `index`. Anyone may submit; tokens only go to `account`.
    function claim(uint256 index, address account, uint256 amount, bytes32[] calldata proof) external;

    /// @notice Claims as `claim` does, then delegates `account`'s votes to `delegatee` with `account`'s EIP-712
    ///         delegation signature (the token's `delegateBySig`), so a relayer can submit both in one transaction.
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
    ) external;

    /// @notice After the deadline, sends every unclaimed ALT to the treasury. Anyone may call.
    function sweep() external returns (uint256 amount);
}
