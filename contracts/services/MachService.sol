// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// DRAFT (issue 6, not yet tested or deployed): MACH fast finality by stake-weighted ECDSA attestations.

import {EIP712Upgradeable} from "@openzeppelin/contracts-upgradeable/utils/cryptography/EIP712Upgradeable.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {OwnedUpgradeable} from "../libraries/OwnedUpgradeable.sol";
import {IOperatorSets} from "../interfaces/IOperatorSets.sol";
import {IRestakingRegistry} from "../interfaces/IRestakingRegistry.sol";
import {ISlashingManager} from "../interfaces/ISlashingManager.sol";
import {IRollup} from "../interfaces/IRollup.sol";
import {IRollupFactory} from "../interfaces/IRollupFactory.sol";

/// @title MachService
/// @notice Members of a rollup's MACH set sign EIP-712 attestations (rollup, L2 block number, output root) with their
///         registered signing keys. `certify` sums the snapshot stake of the signers; at the rollup's threshold the
///         output is FastFinalized and the signer bitmap kept. Two attestations by one key for the same rollup and
///         block with different roots are an equivocation: a slash request, which jails the operator at once.
/// @dev A certificate lists (snapshot index, signature) pairs in strictly increasing index order: no duplicates, a
///      256-bit signer bitmap, and no reverse key lookup. Storage: ERC-7201 `alt.storage.MachService`.
contract MachService is OwnedUpgradeable, EIP712Upgradeable {
    bytes32 public constant ATTESTATION_TYPEHASH = keccak256(
        "Attestation(address rollup,uint64 l2BlockNumber,bytes32 outputRoot)"
    );
    bytes32 public constant EQUIVOCATION = "MACH_EQUIVOCATION";
    uint256 private constant BPS = 10_000;

    struct Signature {
        /// @notice the signer's index in the snapshot
        uint16 index;
        bytes signature;
    }

    struct Certificate {
        uint256 epoch;
        uint256 signerBitmap;
        uint256 signedStake;
    }

    error MachNotRollup(address rollup);
    error MachNotEnabled(address rollup);
    error MachSignersNotSorted(uint256 position);
    error MachBadSignature(uint256 position, address operator);
    error MachSignerJailed(address operator);
    error MachBelowThreshold(uint256 signedStake, uint256 required);
    error MachNotEquivocation();
    error MachEmptySnapshot(uint256 setId, uint256 epoch);
    error MachAlreadyProven(address operator, address rollup, uint64 l2BlockNumber);

    event Certified(address indexed rollup, uint256 indexed outputIndex, uint256 epoch, uint256 signerBitmap);
    event EquivocationProven(address indexed operator, address indexed rollup, uint64 l2BlockNumber, uint256 requestId);

    /// @custom:storage-location erc7201:alt.storage.MachService
    struct MachStorage {
        IRollupFactory factory;
        IOperatorSets sets;
        IRestakingRegistry registry;
        ISlashingManager slashing;
        uint16 equivocationBps;
        mapping(address rollup => mapping(uint256 outputIndex => Certificate)) certificates;
        // one report per (operator, rollup, block): keccak256(operator, rollup, l2BlockNumber)
        mapping(bytes32 offence => bool) proven;
    }

    // keccak256(abi.encode(uint256(keccak256("alt.storage.MachService")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x661760bf6c09987a0622f8dabbd0863a4b8e75e7ff756aed61ca10b2127a2b00;

    function _s() private pure returns (MachStorage storage s) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            s.slot := STORAGE_SLOT
        }
    }

    function initialize(
        address owner_,
        IRollupFactory factory_,
        IOperatorSets sets_,
        IRestakingRegistry registry_,
        ISlashingManager slashing_,
        uint16 equivocationBps_
    ) external initializer {
        __OwnedUpgradeable_init(owner_);
        __EIP712_init("ALT MACH", "1");
        MachStorage storage s = _s();
        (s.factory, s.sets, s.registry, s.slashing, s.equivocationBps) = (
            factory_,
            sets_,
            registry_,
            slashing_,
            equivocationBps_
        );
    }

    /// @notice The operator set of `rollup` in this service (created by `registerRollup`).
    function setIdOf(address rollup) public view returns (uint256) {
        return _s().sets.setIdOf(address(this), bytes32(uint256(uint160(rollup))));
    }

    /// @notice Creates the MACH set of a factory rollup that enabled MACH (anyone; once).
    function registerRollup(address rollup, uint256 minStake, uint16 maxSize) external returns (uint256) {
        _checkRollup(rollup);
        return _s().sets.createSet(bytes32(uint256(uint160(rollup))), minStake, maxSize);
    }

    function attestationDigest(address rollup, uint64 l2BlockNumber, bytes32 outputRoot) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(ATTESTATION_TYPEHASH, rollup, l2BlockNumber, outputRoot)));
    }

    /// @notice Fast-finalizes output `outputIndex` of `rollup` with attestations of the latest snapshot's members.
    function certify(address rollup, uint256 outputIndex, Signature[] calldata signatures) external {
        MachStorage storage s = _s();
        _checkRollup(rollup);
        IRollup.Output memory output = IRollupView(rollup).output(outputIndex);
        uint256 setId = setIdOf(rollup);
        (uint256 epoch, ) = s.sets.latestSnapshotEpoch(setId);
        bytes32 digest = attestationDigest(rollup, output.l2BlockNumber, output.root);
        (uint256 bitmap, uint256 signed) = _tally(setId, epoch, digest, signatures);
        uint256 totalStake = s.sets.snapshotInfo(setId, epoch).totalStake;
        if (totalStake == 0) revert MachEmptySnapshot(setId, epoch);
        uint256 required = (totalStake * IRollupView(rollup).fastFinalityBps()) / BPS;
        if (signed < required) revert MachBelowThreshold(signed, required);
        s.certificates[rollup][outputIndex] = Certificate(epoch, bitmap, signed);
        emit Certified(rollup, outputIndex, epoch, bitmap);
        IRollup(rollup).fastFinalize(outputIndex);
    }

    /// @dev Checks each signature against its snapshot member's signing key, in strictly increasing index order.
    function _tally(
        uint256 setId,
        uint256 epoch,
        bytes32 digest,
        Signature[] calldata signatures
    ) private view returns (uint256 bitmap, uint256 signed) {
        MachStorage storage s = _s();
        uint256 previous;
        for (uint256 i; i < signatures.length; ++i) {
            uint256 index = signatures[i].index;
            if (i != 0 && index <= previous) revert MachSignersNotSorted(i);
            previous = index;
            (address operator, uint256 stake) = s.sets.snapshotEntry(setId, epoch, index);
            if (ECDSA.recover(digest, signatures[i].signature) != s.registry.signingKeyOf(operator)) {
                revert MachBadSignature(i, operator);
            }
            if (s.registry.isJailed(operator)) revert MachSignerJailed(operator);
            bitmap |= 1 << index;
            signed += stake;
        }
    }

    /// @notice Two attestations by one signing key for the same rollup and block with different roots: the key's
    ///         operator is reported to the slashing manager (jailed at once; slashed after the veto window).
    function proveEquivocation(
        address rollup,
        uint64 l2BlockNumber,
        bytes32 rootA,
        bytes calldata signatureA,
        bytes32 rootB,
        bytes calldata signatureB
    ) external returns (uint256 requestId) {
        if (rootA == rootB) revert MachNotEquivocation();
        address key = ECDSA.recover(attestationDigest(rollup, l2BlockNumber, rootA), signatureA);
        if (ECDSA.recover(attestationDigest(rollup, l2BlockNumber, rootB), signatureB) != key) {
            revert MachNotEquivocation();
        }
        bytes32 evidence = keccak256(abi.encode(rollup, l2BlockNumber, rootA, rootB, signatureA, signatureB));
        requestId = _reportEquivocation(key, rollup, l2BlockNumber, evidence);
        emit EquivocationProven(_s().registry.operatorOfSigningKey(key), rollup, l2BlockNumber, requestId);
    }

    function _reportEquivocation(
        address key,
        address rollup,
        uint64 l2BlockNumber,
        bytes32 evidence
    ) private returns (uint256) {
        MachStorage storage s = _s();
        address operator = s.registry.operatorOfSigningKey(key);
        if (operator == address(0)) revert MachNotEquivocation();
        bytes32 offence = keccak256(abi.encode(operator, rollup, l2BlockNumber));
        if (s.proven[offence]) revert MachAlreadyProven(operator, rollup, l2BlockNumber);
        s.proven[offence] = true;
        return
            s.slashing.requestSlash(
                operator,
                s.equivocationBps,
                EQUIVOCATION,
                evidence,
                msg.sender,
                uint48(block.timestamp)
            );
    }

    function certificate(address rollup, uint256 outputIndex) external view returns (Certificate memory) {
        return _s().certificates[rollup][outputIndex];
    }

    function _checkRollup(address rollup) private view {
        MachStorage storage s = _s();
        if (s.factory.rollupByChainId(IRollupView(rollup).chainId()) != rollup) revert MachNotRollup(rollup);
        if (IRollupView(rollup).services() & 2 == 0) revert MachNotEnabled(rollup);
    }
}

/// @dev The Rollup views MACH reads.
interface IRollupView {
    function output(uint256 index) external view returns (IRollup.Output memory);
    function chainId() external view returns (uint64);
    function services() external view returns (uint8);
    function fastFinalityBps() external view returns (uint16);
}
