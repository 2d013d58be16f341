// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {OwnedUpgradeable} from "../libraries/OwnedUpgradeable.sol";
import {BLS} from "../libraries/BLS.sol";
import {CheckpointWindow} from "../libraries/CheckpointWindow.sol";
import {IOperatorSets} from "../interfaces/IOperatorSets.sol";
import {IRestakingRegistry} from "../interfaces/IRestakingRegistry.sol";
import {ISetListener} from "../interfaces/ISetListener.sol";

/// @title BlsKeyRegistry
/// @notice Operators' BLS12-381 public keys (G2, EIP-2537 encoding) and, for each operator set that listens to it (MACH's
///         sets), the aggregate of the keys of the operators counted in it — both checkpointed by epoch, like the stake,
///         so a certificate over any epoch checks its signers' key against one stored hash whatever the set's size.
/// @dev A key is registered with a proof of possession: the key's signature (G1) of `proofOfPossessionMessage`, which
///      binds this chain, this registry, the operator and the key, under a domain tag of its own. Without it an operator
///      could register another's key negated (a rogue key) and forge an aggregate; bound to the operator, a proof seen
///      in the mempool cannot be replayed to take the key. A key belongs to one operator, forever.
///      A new key (a rotation) counts from the next epoch, like an allocation: the aggregates of the sets where the
///      operator counts move from the old key to the new one from that epoch on, and nothing already counted changes.
///      Only the latest key and aggregate are stored in full (packed into 6 words: the four 48-byte coordinates without
///      EIP-2537's zero padding); history is 208-bit hashes (`BLS.keyHash`), and every full value is in an event.
///      Storage: ERC-7201 `alt.storage.BlsKeyRegistry`.
contract BlsKeyRegistry is ISetListener, OwnedUpgradeable {
    using Checkpoints for Checkpoints.Trace208;
    using CheckpointWindow for Checkpoints.Trace208;

    /// @notice The domain separation tag of proofs of possession (never used for anything else).
    bytes public constant POP_DOMAIN = "ALT-BLS-POP-V01-CS01-with-BLS12381G1_XMD:SHA-256_SSWU_RO_";

    error BlsNotOperator(address account);
    /// @notice The key is not a G2 point in the subgroup, or is the point at infinity.
    error BlsInvalidKey();
    error BlsKeyTaken(address owner);
    error BlsInvalidProof();
    /// @notice `operator` has no BLS key: it cannot count in a set that keeps an aggregate key.
    error BlsNoKey(address operator);
    error BlsNotOperatorSets(address caller);
    error BlsInvalidParameter();

    /// @notice `publicKey` is `operator`'s key from `epoch` on (its first, or a rotation).
    event KeyRegistered(address indexed operator, bytes publicKey, uint256 epoch);
    /// @notice The aggregate key of the operators counted in `setId` is `aggregateKey` from `epoch` on.
    event AggregateKeyUpdated(uint256 indexed setId, bytes aggregateKey, uint256 epoch);

    /// @custom:storage-location erc7201:alt.storage.BlsKeyRegistry
    struct KeyStorage {
        IOperatorSets sets;
        IRestakingRegistry registry;
        mapping(address operator => bytes32[6]) keys;
        // the latest key's hash and the epoch it counts from, in one word (epoch << 208 | hash): what a certificate
        // reads for each non-signer; older keys from the history
        mapping(address operator => uint256) latestKey;
        mapping(address operator => Checkpoints.Trace208) keyHistory;
        mapping(uint256 setId => bytes32[6]) aggregates;
        // the latest aggregate's hash and the epoch it counts from, in one word (as `latestKey`): what every
        // certificate reads
        mapping(uint256 setId => uint256) latestAggregate;
        mapping(uint256 setId => Checkpoints.Trace208) aggregateHistory;
        mapping(uint256 keyHash => address) owners;
    }

    // keccak256(abi.encode(uint256(keccak256("alt.storage.BlsKeyRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0xc1c50c9bc17579869830ab7ad5f6da7b3d15527c9f6b6df397ac6489cba0c100;

    function _s() private pure returns (KeyStorage storage s) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            s.slot := STORAGE_SLOT
        }
    }

    function initialize(address owner_, address sets_, address registry_) external initializer {
        if (sets_ == address(0) || registry_ == address(0)) revert BlsInvalidParameter();
        __OwnedUpgradeable_init(owner_);
        KeyStorage storage s = _s();
        (s.sets, s.registry) = (IOperatorSets(sets_), IRestakingRegistry(registry_));
    }

    // ================================================================= operators

    /// @notice Registers `publicKey` (G2) as the caller's BLS key from the next epoch on, with `proof` (G1), the key's
    ///         signature of `proofOfPossessionMessage(caller, publicKey)` under `POP_DOMAIN`. A registered operator
    ///         only; a rotation moves the aggregate of every set where the caller counts to the new key.
    function registerKey(bytes calldata publicKey, bytes calldata proof) external {
        KeyStorage storage s = _s();
        if (!s.registry.isOperator(msg.sender)) revert BlsNotOperator(msg.sender);
        if (!BLS.isValidPublicKey(publicKey)) revert BlsInvalidKey();
        uint256 hash = BLS.keyHash(publicKey);
        address owner_ = s.owners[hash];
        if (owner_ != address(0)) revert BlsKeyTaken(owner_);
        bytes memory message = proofOfPossessionMessage(msg.sender, publicKey);
        if (!BLS.verify(publicKey, BLS.hashToG1(message, POP_DOMAIN), proof)) revert BlsInvalidProof();
        s.owners[hash] = msg.sender;
        uint48 epoch = uint48(s.sets.currentEpoch() + 1);
        Checkpoints.Trace208 storage history = s.keyHistory[msg.sender];
        if (history.length() != 0) _rotate(s, msg.sender, _unpack(s.keys[msg.sender]), publicKey, epoch);
        s.keys[msg.sender] = _pack(publicKey);
        s.latestKey[msg.sender] = (uint256(epoch) << 208) | uint208(hash);
        history.push(epoch, uint208(hash));
        emit KeyRegistered(msg.sender, publicKey, epoch);
    }

    // ================================================================= operator sets

    /// @inheritdoc ISetListener
    /// @dev A start needs the operator's key (`BlsNoKey` refuses the join); a stop never reverts.
    function onCountedChanged(uint256 setId, address operator, bool counted, uint256 epoch) external {
        KeyStorage storage s = _s();
        if (msg.sender != address(s.sets)) revert BlsNotOperatorSets(msg.sender);
        // a stop always finds the key its start needed
        if (counted && s.keyHistory[operator].length() == 0) revert BlsNoKey(operator);
        bytes memory key = _unpack(s.keys[operator]);
        _updateAggregate(s, setId, counted ? key : BLS.g2Negate(key), uint48(epoch));
    }

    // ================================================================= views

    /// @notice What a proof of possession signs: this chain, this registry, the operator and its key.
    function proofOfPossessionMessage(address operator, bytes calldata publicKey) public view returns (bytes memory) {
        return abi.encodePacked(block.chainid, address(this), operator, publicKey);
    }

    /// @notice `operator`'s latest key (EIP-2537 G2, 256 bytes; empty if none): the one counting from
    ///         `keyHashAt`'s latest epoch.
    function keyOf(address operator) external view returns (bytes memory) {
        KeyStorage storage s = _s();
        if (s.keyHistory[operator].length() == 0) return "";
        return _unpack(s.keys[operator]);
    }

    /// @notice The hash (`BLS.keyHash`) of `operator`'s key in `epoch` (zero if it had none).
    function keyHashAt(address operator, uint256 epoch) external view returns (uint256) {
        return _keyHashAt(_s(), operator, epoch);
    }

    /// @notice `keyHashAt` of each of `operators` in `epoch`.
    function keyHashesAt(address[] calldata operators, uint256 epoch) external view returns (uint256[] memory hashes) {
        KeyStorage storage s = _s();
        uint256 count = operators.length;
        hashes = new uint256[](count);
        for (uint256 i; i < count; ++i) hashes[i] = _keyHashAt(s, operators[i], epoch);
    }

    /// @notice The latest aggregate key of `setId` (the point at infinity if nobody counts, or nobody ever did).
    function aggregateKeyOf(uint256 setId) external view returns (bytes memory) {
        return _unpack(_s().aggregates[setId]);
    }

    /// @notice The hash of `setId`'s aggregate key in `epoch` (zero if nobody had counted in it yet).
    function aggregateKeyHashAt(uint256 setId, uint256 epoch) external view returns (uint256) {
        KeyStorage storage s = _s();
        return _hashAt(s.latestAggregate[setId], s.aggregateHistory[setId], epoch);
    }

    function operatorSets() external view returns (address) {
        return address(_s().sets);
    }

    function registry() external view returns (address) {
        return address(_s().registry);
    }

    // ================================================================= internals

    /// @dev `operator`'s key hash in `epoch`.
    function _keyHashAt(KeyStorage storage s, address operator, uint256 epoch) private view returns (uint256) {
        return _hashAt(s.latestKey[operator], s.keyHistory[operator], epoch);
    }

    /// @dev A hash in `epoch`: the latest one (`latest`: epoch << 208 | hash) if it counts by then, one read, else
    ///      from `history`.
    function _hashAt(
        uint256 latest,
        Checkpoints.Trace208 storage history,
        uint256 epoch
    ) private view returns (uint256) {
        if (latest != 0 && latest >> 208 <= epoch) return uint208(latest);
        return history.valueAt(epoch);
    }

    /// @dev Moves the aggregate of each set where `operator` counts (its latest allocation, of a set this registry keeps
    ///      an aggregate for) from `oldKey` to `newKey`, from `epoch` on. At most MAX_SETS_PER_OPERATOR sets.
    function _rotate(
        KeyStorage storage s,
        address operator,
        bytes memory oldKey,
        bytes memory newKey,
        uint48 epoch
    ) private {
        IOperatorSets sets = s.sets;
        uint256[] memory setIds = sets.setsOf(operator);
        bytes memory change = BLS.g2Add(newKey, BLS.g2Negate(oldKey));
        for (uint256 i; i < setIds.length; ++i) {
            uint256 setId = setIds[i];
            if (s.aggregateHistory[setId].length() == 0 || sets.allocation(setId, operator).allocated == 0) continue;
            _updateAggregate(s, setId, change, epoch);
        }
    }

    /// @dev Adds `change` to `setId`'s aggregate, from `epoch` on.
    function _updateAggregate(KeyStorage storage s, uint256 setId, bytes memory change, uint48 epoch) private {
        bytes memory aggregate = BLS.g2Add(_unpack(s.aggregates[setId]), change);
        s.aggregates[setId] = _pack(aggregate);
        uint208 hash = BLS.keyHash(aggregate);
        s.latestAggregate[setId] = (uint256(epoch) << 208) | hash;
        s.aggregateHistory[setId].push(epoch, hash);
        emit AggregateKeyUpdated(setId, aggregate, epoch);
    }

    /// @dev A G2 point's four 48-byte coordinates, without EIP-2537's 16 zero bytes before each, in 6 words.
    function _pack(bytes memory point) private pure returns (bytes32[6] memory words) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            let from := add(point, 48) // the first coordinate's value, past the length word and 16 zero bytes
            mcopy(words, from, 48)
            mcopy(add(words, 48), add(from, 64), 48)
            mcopy(add(words, 96), add(from, 128), 48)
            mcopy(add(words, 144), add(from, 192), 48)
        }
    }

    /// @dev `_pack` undone: the EIP-2537 encoding (all zeros, the point at infinity, from zero words).
    function _unpack(bytes32[6] memory words) private pure returns (bytes memory point) {
        point = new bytes(BLS.G2_SIZE);
        // solhint-disable-next-line no-inline-assembly
        assembly {
            let to := add(point, 48)
            mcopy(to, words, 48)
            mcopy(add(to, 64), add(words, 48), 48)
            mcopy(add(to, 128), add(words, 96), 48)
            mcopy(add(to, 192), add(words, 144), 48)
        }
    }
}
