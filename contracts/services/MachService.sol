// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {EIP712Upgradeable} from "@openzeppelin/contracts-upgradeable/utils/cryptography/EIP712Upgradeable.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {RollupService} from "./RollupService.sol";
import {IOperatorSets} from "../interfaces/IOperatorSets.sol";
import {IRollup} from "../interfaces/IRollup.sol";
import {MACH} from "../rollups/Services.sol";

/// @dev What MACH reads of VITAL: whether it invalidated an output.
interface IInvalidations {
    function invalidatedAt(address rollup, uint64 l2BlockNumber, bytes32 root) external view returns (uint256);
}

/// @title MachService
/// @notice Fast finality by stake-weighted attestations. Members of a rollup's MACH set sign EIP-712 attestations
///         (rollup, L2 block number, output root) with their registered signing keys; the domain binds the chain ID and
///         this contract, so an attestation is good for one rollup on one chain only. Anyone submits a certificate: at
///         least the rollup's threshold of the current snapshot's stake makes the output FastFinalized and the signer
///         bitmap is kept. Two attestations by one member for the same rollup and block with different roots prove an
///         equivocation: a slash request, which jails the operator at once. Signers of an output VITAL later invalidated
///         are slashable. A quorum-signed alert flags a rollup for its owner and the security council.
/// @dev A certificate lists (snapshot index, signature) in strictly increasing index order: duplicates and unsorted
///      lists are refused, the signer set is a 256-bit bitmap, the snapshot entries and the signing keys are read in
///      one call each. Signatures are EIP-2098 compact (r, vs). Storage: ERC-7201 `alt.storage.MachService`.
contract MachService is RollupService, EIP712Upgradeable {
    bytes32 public constant ATTESTATION_TYPEHASH = keccak256(
        "Attestation(address rollup,uint64 l2BlockNumber,bytes32 outputRoot)"
    );
    bytes32 public constant ALERT_TYPEHASH = keccak256("Alert(address rollup,bytes32 reason,uint256 nonce)");
    bytes32 public constant EQUIVOCATION = "MACH_EQUIVOCATION";
    bytes32 public constant INVALID_CERTIFICATE = "MACH_INVALID_CERTIFICATE";
    uint256 private constant BPS = 10_000;

    /// @notice One member's signature: its index in the current snapshot and its EIP-2098 compact signature.
    struct Signature {
        uint256 index;
        bytes32 r;
        bytes32 vs;
    }

    /// @notice slot 0: the signer bitmap; slot 1: epoch (64) | certifiedAt (48) | signedStake (144).
    struct Certificate {
        uint256 signerBitmap;
        uint64 epoch;
        uint48 certifiedAt;
        uint144 signedStake;
    }

    /// @notice A rollup's flag: the reason the quorum signed and when (zero once cleared).
    struct Alert {
        bytes32 reason;
        uint48 raisedAt;
        uint64 epoch;
        uint256 signerBitmap;
    }

    error MachSignersNotSorted(uint256 position);
    error MachEmptyCertificate();
    /// @notice The signature at `position` is not by the current signing key of snapshot member `operator`.
    error MachBadSignature(uint256 position, address operator);
    /// @notice `operator` has a pending slash request: its signature does not count.
    error MachSignerJailed(address operator);
    error MachBelowThreshold(uint256 signedStake, uint256 totalStake, uint256 thresholdBps);
    error MachNotEquivocation();
    /// @notice `key` is nobody's current signing key, or its operator is not a member of the rollup's set.
    error MachUnknownSigner(address key);
    error MachAlreadyProven(address operator, address rollup, uint64 l2BlockNumber);
    /// @notice VITAL invalidated this (block, root): no certificate can bring it back.
    error MachOutputInvalidated(address rollup, uint64 l2BlockNumber, bytes32 root);
    error MachNoCertificate(address rollup, uint64 l2BlockNumber, bytes32 root);
    error MachNotInvalidated(address rollup, uint64 l2BlockNumber, bytes32 root);
    /// @notice Bits of `signers` that did not sign, or were reported already.
    error MachNotReportable(uint256 signers);
    error MachNoAlert(address rollup);
    error MachNotOwnerOrCouncil(address caller);

    event Certified(
        address indexed rollup,
        uint256 indexed outputIndex,
        uint64 l2BlockNumber,
        bytes32 root,
        uint256 epoch,
        uint256 signerBitmap,
        uint256 signedStake
    );
    event EquivocationProven(
        address indexed operator,
        address indexed rollup,
        uint64 l2BlockNumber,
        bytes32 rootA,
        bytes32 rootB,
        uint256 requestId
    );
    event InvalidCertificateReported(
        address indexed rollup,
        uint64 l2BlockNumber,
        bytes32 root,
        address indexed operator,
        uint256 requestId
    );
    event AlertRaised(address indexed rollup, bytes32 reason, uint256 nonce, uint256 epoch, uint256 signerBitmap);
    event AlertCleared(address indexed rollup, address by);
    event OffenceBpsUpdated(uint256 equivocationBps, uint256 invalidCertificateBps);

    /// @custom:storage-location erc7201:alt.storage.MachService
    struct MachStorage {
        uint16 equivocationBps;
        uint16 invalidCertificateBps;
        // keccak256(rollup, l2BlockNumber, root)
        mapping(bytes32 output => Certificate) certificates;
        mapping(bytes32 output => uint256) reported;
        // keccak256(operator, rollup, l2BlockNumber)
        mapping(bytes32 offence => bool) proven;
        mapping(address rollup => Alert) alerts;
        mapping(address rollup => uint256) alertNonces;
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
        ServiceConfig calldata config,
        uint16 equivocationBps_,
        uint16 invalidCertificateBps_
    ) external initializer {
        __RollupService_init(config);
        __EIP712_init("ALT MACH", "1");
        _setOffenceBps(equivocationBps_, invalidCertificateBps_);
    }

    function _serviceBit() internal pure override returns (uint8) {
        return MACH;
    }

    // ================================================================= governance

    /// @notice The fractions requested per offence (each must stay within this slasher's cap in the slashing manager).
    function setOffenceBps(uint16 equivocationBps_, uint16 invalidCertificateBps_) external onlyOwner {
        _setOffenceBps(equivocationBps_, invalidCertificateBps_);
    }

    // ================================================================= certificates

    /// @notice Fast-finalizes output `outputIndex` of `rollup`: the signatures, by members of the current snapshot over
    ///         the output's (rollup, block, root), must carry at least the rollup's threshold of the snapshot stake.
    function certify(address rollup, uint256 outputIndex, Signature[] calldata signatures) external {
        uint256 setId = _setOf(rollup);
        IRollup.Output memory output = IRollup(rollup).output(outputIndex);
        if (_invalidatedAt(rollup, output.l2BlockNumber, output.root) != 0) {
            revert MachOutputInvalidated(rollup, output.l2BlockNumber, output.root);
        }
        bytes32 digest = attestationDigest(rollup, output.l2BlockNumber, output.root);
        (uint256 epoch, uint256 bitmap, uint256 signed) = _tally(rollup, setId, digest, signatures);
        _s().certificates[_outputKey(rollup, output.l2BlockNumber, output.root)] = Certificate({
            signerBitmap: bitmap,
            epoch: uint64(epoch),
            certifiedAt: uint48(block.timestamp),
            signedStake: uint144(signed) // < 2^96 stake units of 1e9 wei
        });
        emit Certified(rollup, outputIndex, output.l2BlockNumber, output.root, epoch, bitmap, signed);
        IRollup(rollup).fastFinalize(outputIndex);
    }

    /// @notice Flags `rollup` with `reason`, signed by at least the rollup's threshold of the current snapshot's stake.
    ///         Each alert signs the rollup's alert nonce, so signatures raise one alert only.
    function raiseAlert(address rollup, bytes32 reason, Signature[] calldata signatures) external {
        uint256 setId = _setOf(rollup);
        MachStorage storage s = _s();
        uint256 nonce = s.alertNonces[rollup]++;
        (uint256 epoch, uint256 bitmap, ) = _tally(rollup, setId, alertDigest(rollup, reason, nonce), signatures);
        s.alerts[rollup] = Alert({
            reason: reason,
            raisedAt: uint48(block.timestamp),
            epoch: uint64(epoch),
            signerBitmap: bitmap
        });
        emit AlertRaised(rollup, reason, nonce, epoch, bitmap);
    }

    /// @notice The rollup's owner or the security council lowers its flag.
    function clearAlert(address rollup) external {
        MachStorage storage s = _s();
        if (s.alerts[rollup].raisedAt == 0) revert MachNoAlert(rollup);
        if (msg.sender != IRollup(rollup).owner() && msg.sender != _service().factory.council()) {
            revert MachNotOwnerOrCouncil(msg.sender);
        }
        delete s.alerts[rollup];
        emit AlertCleared(rollup, msg.sender);
    }

    // ================================================================= faults

    /// @notice Two attestations by one member's signing key for the same rollup and block with different roots: the
    ///         member is reported to the slashing manager (jailed at once, slashed after the veto window). The key must
    ///         be its operator's current one (a key rotated away cannot frame it) and the operator a member of the set.
    function proveEquivocation(
        address rollup,
        uint64 l2BlockNumber,
        bytes32 rootA,
        Signature calldata signatureA,
        bytes32 rootB,
        Signature calldata signatureB
    ) external returns (uint256 requestId) {
        uint256 setId = _setOf(rollup);
        if (rootA == rootB) revert MachNotEquivocation();
        bytes32 digestA = attestationDigest(rollup, l2BlockNumber, rootA);
        bytes32 digestB = attestationDigest(rollup, l2BlockNumber, rootB);
        address key = _recover(digestA, signatureA);
        if (_recover(digestB, signatureB) != key) revert MachNotEquivocation();
        address operator = _memberOfKey(setId, key);
        MachStorage storage s = _s();
        bytes32 offence = keccak256(abi.encode(operator, rollup, l2BlockNumber));
        if (s.proven[offence]) revert MachAlreadyProven(operator, rollup, l2BlockNumber);
        s.proven[offence] = true;
        // an attestation carries no time: the offence is dated by its proof
        requestId = _requestSlash(
            operator,
            setId,
            s.equivocationBps,
            EQUIVOCATION,
            keccak256(abi.encode(digestA, digestB)),
            msg.sender,
            block.timestamp
        );
        emit EquivocationProven(operator, rollup, l2BlockNumber, rootA, rootB, requestId);
    }

    /// @notice Reports the signers in `signers` (a subset of the certificate's bitmap not reported before) of an output
    ///         that VITAL invalidated: one slash request each, dated when the certificate was submitted.
    function reportInvalidCertificate(address rollup, uint64 l2BlockNumber, bytes32 root, uint256 signers) external {
        uint256 setId = _setOf(rollup);
        MachStorage storage s = _s();
        bytes32 key = _outputKey(rollup, l2BlockNumber, root);
        Certificate memory cert = s.certificates[key];
        if (cert.certifiedAt == 0) revert MachNoCertificate(rollup, l2BlockNumber, root);
        if (_invalidatedAt(rollup, l2BlockNumber, root) == 0) revert MachNotInvalidated(rollup, l2BlockNumber, root);
        uint256 reported = s.reported[key];
        if (signers == 0 || signers & (cert.signerBitmap & ~reported) != signers) revert MachNotReportable(signers);
        s.reported[key] = reported | signers;
        (address[] memory operators, ) = _service().sets.snapshotSubset(setId, cert.epoch, signers);
        uint16 bps = s.invalidCertificateBps;
        for (uint256 i; i < operators.length; ++i) {
            uint256 requestId = _requestSlash(
                operators[i],
                setId,
                bps,
                INVALID_CERTIFICATE,
                key,
                msg.sender,
                cert.certifiedAt
            );
            emit InvalidCertificateReported(rollup, l2BlockNumber, root, operators[i], requestId);
        }
    }

    // ================================================================= views

    function attestationDigest(address rollup, uint64 l2BlockNumber, bytes32 outputRoot) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(ATTESTATION_TYPEHASH, rollup, l2BlockNumber, outputRoot)));
    }

    function alertDigest(address rollup, bytes32 reason, uint256 nonce) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(ALERT_TYPEHASH, rollup, reason, nonce)));
    }

    /// @notice The certificate of an output (zero if none), keyed by its block and root: a later output at the same
    ///         index after an invalidation has a certificate of its own.
    function certificate(
        address rollup,
        uint64 l2BlockNumber,
        bytes32 root
    ) external view returns (Certificate memory) {
        return _s().certificates[_outputKey(rollup, l2BlockNumber, root)];
    }

    /// @notice Signers of that certificate already reported as having certified an invalidated output.
    function reportedSigners(address rollup, uint64 l2BlockNumber, bytes32 root) external view returns (uint256) {
        return _s().reported[_outputKey(rollup, l2BlockNumber, root)];
    }

    /// @notice The rollup's raised alert (`raisedAt` zero if none).
    function alertOf(address rollup) external view returns (Alert memory) {
        return _s().alerts[rollup];
    }

    /// @notice The nonce the next alert for `rollup` must sign.
    function alertNonce(address rollup) external view returns (uint256) {
        return _s().alertNonces[rollup];
    }

    function isEquivocationProven(address operator, address rollup, uint64 l2BlockNumber) external view returns (bool) {
        return _s().proven[keccak256(abi.encode(operator, rollup, l2BlockNumber))];
    }

    function offenceBps() external view returns (uint256 equivocationBps, uint256 invalidCertificateBps) {
        MachStorage storage s = _s();
        return (s.equivocationBps, s.invalidCertificateBps);
    }

    // ================================================================= internals

    /// @dev Checks each signature against the current signing key of its snapshot member, in strictly increasing index
    ///      order, and the summed snapshot stake against the rollup's threshold.
    function _tally(
        address rollup,
        uint256 setId,
        bytes32 digest,
        Signature[] calldata signatures
    ) private view returns (uint256 epoch, uint256 bitmap, uint256 signed) {
        uint256 count = signatures.length;
        if (count == 0) revert MachEmptyCertificate();
        for (uint256 i; i < count; ++i) {
            uint256 index = signatures[i].index;
            // strictly increasing: no duplicates; an index past 255 shifts out and is refused as out of range below
            if (i != 0 && index <= signatures[i - 1].index) revert MachSignersNotSorted(i);
            if (index > 255) revert IOperatorSets.SetsIndexOutOfRange(index, 256);
            bitmap |= 1 << index;
        }
        IOperatorSets.SnapshotInfo memory info;
        (epoch, info) = _currentSnapshot(setId);
        ServiceStorage storage service = _service();
        address[] memory operators;
        (operators, signed) = service.sets.snapshotSubset(setId, epoch, bitmap);
        address[] memory keys = service.registry.activeSigningKeys(operators);
        for (uint256 i; i < count; ++i) {
            if (keys[i] == address(0)) revert MachSignerJailed(operators[i]);
            if (_recover(digest, signatures[i]) != keys[i]) revert MachBadSignature(i, operators[i]);
        }
        uint256 thresholdBps = IRollup(rollup).fastFinalityBps();
        if (signed * BPS < info.totalStake * thresholdBps) {
            revert MachBelowThreshold(signed, info.totalStake, thresholdBps);
        }
    }

    /// @dev When VITAL invalidated the output (zero if it did not, or there is no VITAL).
    function _invalidatedAt(address rollup, uint64 l2BlockNumber, bytes32 root) private view returns (uint256) {
        (address vital, , ) = _service().factory.services();
        return vital == address(0) ? 0 : IInvalidations(vital).invalidatedAt(rollup, l2BlockNumber, root);
    }

    /// @dev The operator whose current signing key is `key`, bound to the set (a member, or one that has not completed
    ///      leaving: what it signed while a member stays provable).
    function _memberOfKey(uint256 setId, address key) private view returns (address operator) {
        ServiceStorage storage service = _service();
        operator = service.registry.operatorOfSigningKey(key);
        if (operator == address(0) || service.registry.signingKeyOf(operator) != key || !_bound(setId, operator))
            revert MachUnknownSigner(key);
    }

    function _recover(bytes32 digest, Signature calldata signature) private pure returns (address) {
        return ECDSA.recover(digest, signature.r, signature.vs);
    }

    function _setOffenceBps(uint16 equivocationBps_, uint16 invalidCertificateBps_) private {
        _checkBps(equivocationBps_);
        _checkBps(invalidCertificateBps_);
        MachStorage storage s = _s();
        (s.equivocationBps, s.invalidCertificateBps) = (equivocationBps_, invalidCertificateBps_);
        emit OffenceBpsUpdated(equivocationBps_, invalidCertificateBps_);
    }
}
