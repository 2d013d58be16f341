// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {EIP712Upgradeable} from "@openzeppelin/contracts-upgradeable/utils/cryptography/EIP712Upgradeable.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {RollupService} from "./RollupService.sol";
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
///         least the rollup's threshold of the set's stake counted in the current epoch makes the output
///         FastFinalized, and the hash of its signer list is kept. Two attestations by one member for the same rollup and block with different roots prove an
///         equivocation: a slash request, which jails the operator at once. Signers of an output VITAL later invalidated
///         are slashable. A quorum-signed alert flags a rollup for its owner and the security council.
/// @dev A certificate lists its signers (operators) in strictly increasing address order, with one signature each:
///      duplicates and unsorted lists are refused; the signers' stakes (OperatorSets' checkpoints of the epoch) and
///      signing keys are read in one call each, so a certificate costs per signer, never per member, and needs no
///      snapshot. A report names signers by their positions in that list (a bitmap: at most 256 signers).
///      Signatures are EIP-2098 compact (r, vs). Storage: ERC-7201 `alt.storage.MachService`.
contract MachService is RollupService, EIP712Upgradeable {
    bytes32 public constant ATTESTATION_TYPEHASH = keccak256(
        "Attestation(address rollup,uint64 l2BlockNumber,bytes32 outputRoot)"
    );
    bytes32 public constant ALERT_TYPEHASH = keccak256("Alert(address rollup,bytes32 reason,uint256 nonce)");
    bytes32 public constant EQUIVOCATION = "MACH_EQUIVOCATION";
    bytes32 public constant INVALID_CERTIFICATE = "MACH_INVALID_CERTIFICATE";
    uint256 private constant BPS = 10_000;

    /// @notice An EIP-2098 compact signature.
    struct Signature {
        bytes32 r;
        bytes32 vs;
    }

    /// @notice slot 0: keccak256(abi.encodePacked(signers)); slot 1: epoch (64) | certifiedAt (48) | signedStake (144).
    struct Certificate {
        bytes32 signersHash;
        uint64 epoch;
        uint48 certifiedAt;
        uint144 signedStake;
    }

    /// @notice A rollup's flag: the reason the quorum signed and when (zero once cleared), and its signers' hash.
    struct Alert {
        bytes32 reason;
        uint48 raisedAt;
        uint64 epoch;
        bytes32 signersHash;
    }

    error MachSignersNotSorted(uint256 position);
    error MachEmptyCertificate();
    /// @notice `signers` and `signatures` differ in length, or there are more than 256 signers.
    error MachBadLength(uint256 signers, uint256 signatures);
    /// @notice The signer at `position` had no stake counted in the set in the certificate's epoch.
    error MachNotSigner(uint256 position, address operator);
    /// @notice The signature at `position` is not by the current signing key of `operator`.
    error MachBadSignature(uint256 position, address operator);
    /// @notice The list given is not the certificate's signer list.
    error MachSignersMismatch();
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
    /// @notice `positions` is empty, past the signer list, or names signers reported already.
    error MachNotReportable(uint256 positions);
    error MachNoAlert(address rollup);
    error MachNotOwnerOrCouncil(address caller);

    event Certified(
        address indexed rollup,
        uint256 indexed outputIndex,
        uint64 l2BlockNumber,
        bytes32 root,
        uint256 epoch,
        address[] signers,
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
    event AlertRaised(address indexed rollup, bytes32 reason, uint256 nonce, uint256 epoch, address[] signers);
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

    /// @notice Fast-finalizes output `outputIndex` of `rollup`: `signers` (operators, strictly increasing) sign the
    ///         output's (rollup, block, root), one signature each, and must carry at least the rollup's threshold of
    ///         the set's stake counted in the current epoch (the set live in it).
    function certify(
        address rollup,
        uint256 outputIndex,
        address[] calldata signers,
        Signature[] calldata signatures
    ) external {
        uint256 setId = _setOf(rollup);
        IRollup.Output memory output = IRollup(rollup).output(outputIndex);
        if (_invalidatedAt(rollup, output.l2BlockNumber, output.root) != 0) {
            revert MachOutputInvalidated(rollup, output.l2BlockNumber, output.root);
        }
        bytes32 digest = attestationDigest(rollup, output.l2BlockNumber, output.root);
        (uint256 epoch, uint256 signed) = _tally(rollup, setId, digest, signers, signatures);
        _s().certificates[_outputKey(rollup, output.l2BlockNumber, output.root)] = Certificate({
            signersHash: keccak256(abi.encodePacked(signers)),
            epoch: uint64(epoch),
            certifiedAt: uint48(block.timestamp),
            signedStake: uint144(signed) // allocations < 2^104 each, at most 256 of them
        });
        emit Certified(rollup, outputIndex, output.l2BlockNumber, output.root, epoch, signers, signed);
        IRollup(rollup).fastFinalize(outputIndex);
    }

    /// @notice Flags `rollup` with `reason`, signed by at least the rollup's threshold of the set's stake counted in the
    ///         current epoch. Each alert signs the rollup's alert nonce, so signatures raise one alert only.
    function raiseAlert(
        address rollup,
        bytes32 reason,
        address[] calldata signers,
        Signature[] calldata signatures
    ) external {
        uint256 setId = _setOf(rollup);
        MachStorage storage s = _s();
        uint256 nonce = s.alertNonces[rollup]++;
        (uint256 epoch, ) = _tally(rollup, setId, alertDigest(rollup, reason, nonce), signers, signatures);
        s.alerts[rollup] = Alert({
            reason: reason,
            raisedAt: uint48(block.timestamp),
            epoch: uint64(epoch),
            signersHash: keccak256(abi.encodePacked(signers))
        });
        emit AlertRaised(rollup, reason, nonce, epoch, signers);
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

    /// @notice Reports signers of an output that VITAL invalidated: `signers` is the certificate's signer list (as in
    ///         `Certified`), `positions` a bitmap of the positions in it to report (not reported before): one slash
    ///         request each, dated when the certificate was submitted.
    function reportInvalidCertificate(
        address rollup,
        uint64 l2BlockNumber,
        bytes32 root,
        address[] calldata signers,
        uint256 positions
    ) external {
        _setOf(rollup);
        MachStorage storage s = _s();
        bytes32 key = _outputKey(rollup, l2BlockNumber, root);
        Certificate memory cert = s.certificates[key];
        if (cert.certifiedAt == 0) revert MachNoCertificate(rollup, l2BlockNumber, root);
        if (_invalidatedAt(rollup, l2BlockNumber, root) == 0) revert MachNotInvalidated(rollup, l2BlockNumber, root);
        if (keccak256(abi.encodePacked(signers)) != cert.signersHash) revert MachSignersMismatch();
        uint256 count = signers.length; // <= 256, checked when certified
        uint256 reported = s.reported[key];
        if (positions == 0 || positions & reported != 0 || (count < 256 && positions >> count != 0)) {
            revert MachNotReportable(positions);
        }
        s.reported[key] = reported | positions;
        for (uint256 i; positions != 0; ++i) {
            if (positions & 1 != 0) _reportSigner(rollup, l2BlockNumber, root, signers[i], cert.certifiedAt);
            positions >>= 1;
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

    /// @notice Positions in that certificate's signer list already reported as having certified an invalidated output.
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

    /// @dev Checks the signers (strictly increasing: no duplicates), each one's stake counted in the current epoch and
    ///      its signature by its current signing key, and the summed stake against the rollup's threshold of the set's.
    function _tally(
        address rollup,
        uint256 setId,
        bytes32 digest,
        address[] calldata signers,
        Signature[] calldata signatures
    ) private view returns (uint256 epoch, uint256 signed) {
        uint256 count = signers.length;
        if (count == 0) revert MachEmptyCertificate();
        if (count != signatures.length || count > 256) revert MachBadLength(count, signatures.length);
        for (uint256 i = 1; i < count; ++i) {
            if (signers[i] <= signers[i - 1]) revert MachSignersNotSorted(i);
        }
        epoch = _liveEpoch(setId);
        ServiceStorage storage service = _service();
        uint256[] memory stakes = service.sets.allocationsAt(setId, signers, epoch);
        address[] memory keys = service.registry.activeSigningKeys(signers);
        for (uint256 i; i < count; ++i) {
            if (stakes[i] == 0) revert MachNotSigner(i, signers[i]);
            if (keys[i] == address(0)) revert MachSignerJailed(signers[i]);
            if (_recover(digest, signatures[i]) != keys[i]) revert MachBadSignature(i, signers[i]);
            signed += stakes[i];
        }
        uint256 total = service.sets.setStakeAt(setId, epoch);
        uint256 thresholdBps = IRollup(rollup).fastFinalityBps();
        if (signed * BPS < total * thresholdBps) revert MachBelowThreshold(signed, total, thresholdBps);
    }

    /// @dev One slash request against `operator`, a signer of the certificate of an invalidated output.
    function _reportSigner(
        address rollup,
        uint64 l2BlockNumber,
        bytes32 root,
        address operator,
        uint256 certifiedAt
    ) private {
        uint256 requestId = _requestSlash(
            operator,
            setIdOf(rollup),
            _s().invalidCertificateBps,
            INVALID_CERTIFICATE,
            _outputKey(rollup, l2BlockNumber, root),
            msg.sender,
            certifiedAt
        );
        emit InvalidCertificateReported(rollup, l2BlockNumber, root, operator, requestId);
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
