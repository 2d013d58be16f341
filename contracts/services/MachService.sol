// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {RollupService} from "./RollupService.sol";
import {BLS} from "../libraries/BLS.sol";
import {IRollup} from "../interfaces/IRollup.sol";
import {IOperatorSets} from "../interfaces/IOperatorSets.sol";
import {MACH} from "../rollups/Services.sol";

/// @dev What MACH reads of the BLS key registry: operators' keys and sets' aggregate keys in an epoch, as hashes.
interface IBlsKeys {
    function keyHashAt(address operator, uint256 epoch) external view returns (uint256);
    function keyHashesAt(address[] calldata operators, uint256 epoch) external view returns (uint256[] memory);
    function aggregateKeyHashAt(uint256 setId, uint256 epoch) external view returns (uint256);
}

/// @title MachService
/// @notice Fast finality by BLS12-381 aggregate certificates. Members of a rollup's MACH set sign the EIP-712 digest of
///         an attestation (rollup, output index, L2 block number, output root, epoch; the domain binds the chain ID and
///         this contract) with their BLS keys (BlsKeyRegistry), the digest hashed to G1 per RFC 9380 under `DOMAIN`.
///         Anyone submits a certificate: one aggregate signature and the list of the members that did not sign. The
///         signers' key is the set's aggregate key in the epoch less the non-signers' keys, their stake the set's stake
///         in the epoch less the non-signers' allocations; at least the rollup's threshold of it, and one pairing
///         check, make the output FastFinalized. The cost does not grow with the members, only with the non-signers.
///         Two attestations by one member for the same rollup and block with different roots prove an equivocation;
///         the signers of an output VITAL invalidated are slashable, proven by their aggregate signature of it. A
///         quorum-signed alert flags a rollup for its owner and the security council.
/// @dev A certificate's epoch is the current one or the one before (signatures gathered across an epoch's end stay
///      good), and the set must be live in it. Keys and aggregates are given in calldata and checked against the key
///      registry's hashes (cheaper than reading 6 words each); non-signers are listed in strictly increasing address
///      order, at most 256, each with stake counted in the epoch. Nothing of a certificate is stored: its signatures
///      are its own evidence (`Certified` has the rest). A signer with a pending slash request still counts (its
///      stake in the epoch is what is at risk); an operator proven to equivocate is jailed at once.
///      Storage: ERC-7201 `alt.storage.MachService`.
contract MachService is RollupService {
    bytes32 public constant ATTESTATION_TYPEHASH = keccak256(
        "Attestation(address rollup,uint256 outputIndex,uint64 l2BlockNumber,bytes32 outputRoot,uint64 epoch)"
    );
    bytes32 public constant ALERT_TYPEHASH = keccak256(
        "Alert(address rollup,bytes32 reason,uint256 nonce,uint64 epoch)"
    );
    bytes32 private constant DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );
    /// @dev The EIP-712 domain's name ("ALT MACH") and version ("2"), hashed.
    bytes32 private constant NAME_HASH = keccak256("ALT MACH");
    bytes32 private constant VERSION_HASH = keccak256("2");
    /// @notice The domain separation tag under which attestation and alert digests are hashed to G1.
    bytes public constant DOMAIN = "ALT-MACH-V01-CS01-with-BLS12381G1_XMD:SHA-256_SSWU_RO_";
    bytes32 public constant EQUIVOCATION = "MACH_EQUIVOCATION";
    bytes32 public constant INVALID_CERTIFICATE = "MACH_INVALID_CERTIFICATE";
    uint256 private constant BPS = 10_000;
    uint256 private constant MAX_NON_SIGNERS = 256;

    /// @notice A quorum's proof: an aggregate signature (G1) over a digest of `epoch`, by the members counted in the set
    ///         in `epoch` except `nonSigners` (strictly increasing), whose keys (G2) are `nonSignerKeys`, packed
    ///         (`BLS.G2_PACKED_SIZE`, 192 bytes each: a key's EIP-2537 encoding without its padding) and concatenated;
    ///         `aggregateKey` is the set's aggregate key in `epoch` (BlsKeyRegistry's `AggregateKeyUpdated`).
    struct Quorum {
        uint64 epoch;
        bytes signature;
        bytes aggregateKey;
        address[] nonSigners;
        bytes nonSignerKeys;
    }

    /// @notice One member's attestation, as signed: its output index, block, root and epoch, and its signature (G1).
    struct Attestation {
        uint256 outputIndex;
        uint64 l2BlockNumber;
        bytes32 outputRoot;
        uint64 epoch;
        bytes signature;
    }

    /// @dev A report of an invalid certificate's signers: the output's key, the rollup's MACH set, when VITAL invalidated
    ///      the output (the offence's evidence time) and the rollup's portal (the slash's recipient).
    struct Report {
        bytes32 key;
        uint256 setId;
        uint256 evidenceTime;
        address portal;
    }

    /// @notice A rollup's flag: the reason the quorum signed and when (zero once cleared), and its epoch.
    struct Alert {
        bytes32 reason;
        uint48 raisedAt;
        uint64 epoch;
    }

    error MachEmptyCertificate();
    /// @notice The quorum's epoch is neither the current one nor the one before.
    error MachStaleEpoch(uint256 epoch, uint256 currentEpoch);
    /// @notice `nonSignerKeys` is not 192 bytes a non-signer, or there are more than 256 non-signers.
    error MachBadLength(uint256 nonSigners, uint256 keyBytes);
    error MachNonSignersNotSorted(uint256 position);
    /// @notice The non-signer at `position` had no stake counted in the set in the quorum's epoch.
    error MachNotCounted(uint256 position, address operator);
    /// @notice The key given for the non-signer (or attestation) at `position` is not its key in that epoch.
    error MachWrongKey(uint256 position, address operator);
    /// @notice The aggregate key given is not the set's in the quorum's epoch.
    error MachWrongAggregateKey(uint256 setId, uint256 epoch);
    error MachBadSignature();
    error MachBelowThreshold(uint256 signedStake, uint256 totalStake, uint256 thresholdBps);
    error MachNotEquivocation();
    /// @notice `operator` had no stake counted in the rollup's set in `epoch`: what it signed then decided nothing.
    error MachNotMember(address operator, uint256 epoch);
    error MachAlreadyProven(address operator, address rollup, uint64 l2BlockNumber);
    error MachNotInvalidated(address rollup, uint64 l2BlockNumber, bytes32 root);
    /// @notice A report's quorum epoch is outside [from, until]: the epochs in which the output could be certified.
    error MachEpochOutOfRange(uint256 epoch, uint256 from, uint256 until);
    /// @notice `operator` did not sign the certificate (not counted in its epoch, or a non-signer), or was reported.
    error MachNotReportable(address operator);
    error MachNoAlert(address rollup);
    error MachNotOwnerOrCouncil(address caller);

    event Certified(
        address indexed rollup,
        uint256 indexed outputIndex,
        uint64 l2BlockNumber,
        bytes32 root,
        uint256 epoch,
        address[] nonSigners,
        uint256 signedStake,
        uint256 totalStake
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
    event AlertRaised(address indexed rollup, bytes32 reason, uint256 nonce, uint256 epoch, address[] nonSigners);
    event AlertCleared(address indexed rollup, address by);
    event OffenceBpsUpdated(uint256 equivocationBps, uint256 invalidCertificateBps);

    /// @custom:storage-location erc7201:alt.storage.MachService
    struct MachStorage {
        IBlsKeys keys;
        uint16 equivocationBps;
        uint16 invalidCertificateBps;
        // keccak256(keccak256(rollup, l2BlockNumber, root), operator)
        mapping(bytes32 signer => bool) reported;
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

    /// @param keys the BLS key registry, which every MACH set tells who counts (it keeps the sets' aggregate keys)
    function initialize(
        ServiceConfig calldata config,
        address keys,
        uint16 equivocationBps_,
        uint16 invalidCertificateBps_
    ) external initializer {
        if (keys == address(0)) revert ServiceInvalidParameter();
        __RollupService_init(config);
        _s().keys = IBlsKeys(keys);
        _setOffenceBps(equivocationBps_, invalidCertificateBps_);
    }

    function _serviceBit() internal pure override returns (uint8) {
        return MACH;
    }

    function _listener() internal view override returns (address) {
        return address(_s().keys);
    }

    // ================================================================= governance

    /// @notice The fractions requested per offence (each must stay within this slasher's cap in the slashing manager).
    function setOffenceBps(uint16 equivocationBps_, uint16 invalidCertificateBps_) external onlyOwner {
        _setOffenceBps(equivocationBps_, invalidCertificateBps_);
    }

    // ================================================================= certificates

    /// @notice Fast-finalizes output `outputIndex` of `rollup`, for `l2BlockNumber` and `root`, with `quorum`'s
    ///         aggregate signature of `attestationDigest(rollup, outputIndex, l2BlockNumber, root, quorum.epoch)`.
    function certify(
        address rollup,
        uint256 outputIndex,
        uint64 l2BlockNumber,
        bytes32 root,
        Quorum calldata quorum
    ) external {
        uint256 setId = _setOf(rollup);
        uint256 total = _recentStake(setId, quorum.epoch);
        bytes32 digest = attestationDigest(rollup, outputIndex, l2BlockNumber, root, quorum.epoch);
        uint256 signed = _checkQuorum(setId, total, digest, quorum);
        // the rollup checks the output is (block, root) and Proposed (a root VITAL invalidated never is again)
        uint256 thresholdBps = IRollup(rollup).fastFinalize(
            outputIndex,
            l2BlockNumber,
            root,
            // what slashing the signers for an invalid certificate brings the rollup's portal (all of it: that offence
            // pays no reporter share); a slasher cap lowered below the offence's bps, the window cap or a veto would
            // bring less (docs/bridge.md)
            (signed * _s().invalidCertificateBps) / BPS
        );
        if (signed * BPS < total * thresholdBps) revert MachBelowThreshold(signed, total, thresholdBps);
        emit Certified(rollup, outputIndex, l2BlockNumber, root, quorum.epoch, quorum.nonSigners, signed, total);
    }

    /// @notice Flags `rollup` with `reason`, signed by a quorum over `alertDigest(rollup, reason, nonce, epoch)` with the
    ///         rollup's alert nonce, so signatures raise one alert only.
    function raiseAlert(address rollup, bytes32 reason, Quorum calldata quorum) external {
        uint256 setId = _setOf(rollup);
        uint256 total = _recentStake(setId, quorum.epoch);
        MachStorage storage s = _s();
        uint256 nonce = s.alertNonces[rollup]++;
        uint256 signed = _checkQuorum(setId, total, alertDigest(rollup, reason, nonce, quorum.epoch), quorum);
        uint256 thresholdBps = IRollup(rollup).fastFinalityBps();
        if (signed * BPS < total * thresholdBps) revert MachBelowThreshold(signed, total, thresholdBps);
        s.alerts[rollup] = Alert({reason: reason, raisedAt: uint48(block.timestamp), epoch: quorum.epoch});
        emit AlertRaised(rollup, reason, nonce, quorum.epoch, quorum.nonSigners);
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

    /// @notice Two attestations by `operator` for the same rollup and block with different roots, each verified against
    ///         the operator's key in its own epoch (`keyA`, `keyB`; a key rotated away still proves what it signed), in
    ///         which the operator counted in the rollup's set: a slash request (the operator jailed at once, slashed
    ///         after the veto window), dated at the start of the later attestation's epoch. It stays provable for as
    ///         long as the slashing manager accepts evidence of that age and the set holds what the operator
    ///         allocated: leaving the set does not end it.
    function proveEquivocation(
        address rollup,
        address operator,
        Attestation calldata a,
        bytes calldata keyA,
        Attestation calldata b,
        bytes calldata keyB
    ) external returns (uint256 requestId) {
        uint256 setId = _setOf(rollup);
        if (a.l2BlockNumber != b.l2BlockNumber || a.outputRoot == b.outputRoot) revert MachNotEquivocation();
        bytes32 evidence = keccak256(
            abi.encode(
                _checkAttestation(rollup, setId, operator, a, keyA, 0),
                _checkAttestation(rollup, setId, operator, b, keyB, 1)
            )
        );
        MachStorage storage s = _s();
        bytes32 offence = keccak256(abi.encode(operator, rollup, a.l2BlockNumber));
        if (s.proven[offence]) revert MachAlreadyProven(operator, rollup, a.l2BlockNumber);
        s.proven[offence] = true;
        // dated when the later attestation's epoch began (now, for one signed ahead of its epoch): the slashing
        // manager's evidence age bounds how long after it the offence stays provable
        uint256 signedAt = Math.min(_epochStart(Math.max(a.epoch, b.epoch)), block.timestamp);
        requestId = _requestSlash(
            operator,
            setId,
            s.equivocationBps,
            EQUIVOCATION,
            evidence,
            msg.sender,
            signedAt,
            address(0)
        );
        emit EquivocationProven(operator, rollup, a.l2BlockNumber, a.outputRoot, b.outputRoot, requestId);
    }

    /// @notice Reports `operators`, signers of output `outputIndex` of `rollup` for (`l2BlockNumber`, `root`), which
    ///         VITAL invalidated: `quorum` is their aggregate signature of its attestation (as certified, or any other
    ///         subset's), each reported operator counted in the set in its epoch and not a non-signer, and reported
    ///         once: one slash request each, dated when VITAL invalidated the output (the slashing manager's evidence
    ///         age counts from the proof of the fault, whenever the quorum signed).
    function reportInvalidCertificate(
        address rollup,
        uint256 outputIndex,
        uint64 l2BlockNumber,
        bytes32 root,
        Quorum calldata quorum,
        address[] calldata operators
    ) external {
        Report memory r = Report({
            key: _outputKey(rollup, l2BlockNumber, root),
            setId: _setOf(rollup),
            evidenceTime: _invalidatedAt(rollup, l2BlockNumber, root, quorum.epoch),
            portal: IRollup(rollup).portal()
        });
        IOperatorSets sets = _service().sets;
        bytes32 digest = attestationDigest(rollup, outputIndex, l2BlockNumber, root, quorum.epoch);
        _checkQuorum(r.setId, sets.setStakeAt(r.setId, quorum.epoch), digest, quorum);
        uint256[] memory stakes = sets.allocationsAt(r.setId, operators, quorum.epoch);
        for (uint256 i; i < operators.length; ++i) {
            uint256 requestId = _reportSigner(r, operators[i], stakes[i], quorum.nonSigners);
            emit InvalidCertificateReported(rollup, l2BlockNumber, root, operators[i], requestId);
        }
    }

    // ================================================================= views

    function attestationDigest(
        address rollup,
        uint256 outputIndex,
        uint64 l2BlockNumber,
        bytes32 outputRoot,
        uint64 epoch
    ) public view returns (bytes32) {
        return
            _hashTyped(
                keccak256(abi.encode(ATTESTATION_TYPEHASH, rollup, outputIndex, l2BlockNumber, outputRoot, epoch))
            );
    }

    function alertDigest(address rollup, bytes32 reason, uint256 nonce, uint64 epoch) public view returns (bytes32) {
        return _hashTyped(keccak256(abi.encode(ALERT_TYPEHASH, rollup, reason, nonce, epoch)));
    }

    /// @notice The EIP-712 domain separator: name "ALT MACH", version "2", this chain and this contract.
    function domainSeparator() public view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
    }

    /// @notice Whether `operator` was reported as a signer of that (invalidated) output.
    function isReported(
        address rollup,
        uint64 l2BlockNumber,
        bytes32 root,
        address operator
    ) external view returns (bool) {
        return _s().reported[keccak256(abi.encode(_outputKey(rollup, l2BlockNumber, root), operator))];
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

    /// @notice The BLS key registry.
    function blsKeys() external view returns (address) {
        return address(_s().keys);
    }

    // ================================================================= internals

    /// @dev The set's stake in `epoch`, which must be the current one or the one before, and live.
    function _recentStake(uint256 setId, uint256 epoch) private view returns (uint256) {
        uint256 current = _currentEpoch();
        if (epoch > current || epoch + 1 < current) revert MachStaleEpoch(epoch, current);
        return _liveStake(setId, epoch);
    }

    /// @dev Checks `quorum` for `digest`: the aggregate key and each non-signer's key and stake in its epoch, then the
    ///      signature under the aggregate less the non-signers' keys. Returns the signers' stake: the set's `total` less
    ///      the non-signers'.
    function _checkQuorum(
        uint256 setId,
        uint256 total,
        bytes32 digest,
        Quorum calldata quorum
    ) private view returns (uint256 signed) {
        uint256 epoch = quorum.epoch;
        IBlsKeys keys = _s().keys;
        if (BLS.keyHashCalldata(quorum.aggregateKey) != keys.aggregateKeyHashAt(setId, epoch)) {
            revert MachWrongAggregateKey(setId, epoch);
        }
        address[] calldata nonSigners = quorum.nonSigners;
        bytes calldata packedKeys = quorum.nonSignerKeys;
        uint256 count = nonSigners.length;
        if (packedKeys.length != count * BLS.G2_PACKED_SIZE || count > MAX_NON_SIGNERS) {
            revert MachBadLength(count, packedKeys.length);
        }
        bytes memory signersKey = quorum.aggregateKey;
        signed = total;
        if (count != 0) {
            uint256[] memory stakes = _service().sets.allocationsAt(setId, nonSigners, epoch);
            uint256[] memory hashes = keys.keyHashesAt(nonSigners, epoch);
            bytes memory sum = BLS.g2SumBuffer();
            for (uint256 i; i < count; ++i) {
                if (i != 0 && nonSigners[i] <= nonSigners[i - 1]) revert MachNonSignersNotSorted(i);
                if (stakes[i] == 0) revert MachNotCounted(i, nonSigners[i]);
                if (BLS.loadPackedG2(sum, packedKeys, i) != hashes[i]) revert MachWrongKey(i, nonSigners[i]);
                BLS.addLoadedG2(sum);
                signed -= stakes[i];
            }
            signersKey = BLS.g2Add(signersKey, BLS.g2Negate(BLS.g2BufferSum(sum)));
        }
        if (signed == 0) revert MachEmptyCertificate();
        if (!BLS.verify(signersKey, BLS.hashToG1(abi.encodePacked(digest), DOMAIN), quorum.signature)) {
            revert MachBadSignature();
        }
    }

    /// @dev Checks one attestation of `operator` (counted in the set in its epoch, signed with its key then) and returns
    ///      its digest.
    function _checkAttestation(
        address rollup,
        uint256 setId,
        address operator,
        Attestation calldata a,
        bytes calldata key,
        uint256 position
    ) private view returns (bytes32 digest) {
        if (_service().sets.allocationAt(setId, operator, a.epoch) == 0) revert MachNotMember(operator, a.epoch);
        if (BLS.keyHashCalldata(key) != _s().keys.keyHashAt(operator, a.epoch)) revert MachWrongKey(position, operator);
        digest = attestationDigest(rollup, a.outputIndex, a.l2BlockNumber, a.outputRoot, a.epoch);
        if (!BLS.verify(key, BLS.hashToG1(abi.encodePacked(digest), DOMAIN), a.signature)) revert MachBadSignature();
    }

    /// @dev When VITAL invalidated (block, root) of `rollup`, which it must have, and `epoch` one in which the output
    ///      could have been certified: from the one before its proposal to the invalidation's (so a key rotated away
    ///      long before cannot be used to frame its former operator).
    function _invalidatedAt(
        address rollup,
        uint64 l2BlockNumber,
        bytes32 root,
        uint256 epoch
    ) private view returns (uint256) {
        IRollup.Invalidation memory invalidation = IRollup(rollup).invalidation(l2BlockNumber, root);
        if (invalidation.invalidatedAt == 0) revert MachNotInvalidated(rollup, l2BlockNumber, root);
        uint256 from = _epochAt(invalidation.proposedAt);
        uint256 until = _epochAt(invalidation.invalidatedAt);
        if (epoch + 1 < from || epoch > until) revert MachEpochOutOfRange(epoch, from == 0 ? 0 : from - 1, until);
        return invalidation.invalidatedAt;
    }

    /// @dev One slash request against `operator`, reported as a signer of the invalidated output `key`: its ALT to the
    ///      rollup's `portal` (no reporter share).
    function _reportSigner(
        Report memory r,
        address operator,
        uint256 stake,
        address[] calldata nonSigners
    ) private returns (uint256) {
        MachStorage storage s = _s();
        bytes32 signer = keccak256(abi.encode(r.key, operator));
        if (stake == 0 || s.reported[signer] || _contains(nonSigners, operator)) revert MachNotReportable(operator);
        s.reported[signer] = true;
        return
            _requestSlash(
                operator,
                r.setId,
                s.invalidCertificateBps,
                INVALID_CERTIFICATE,
                signer,
                address(0),
                r.evidenceTime,
                // the whole slash makes good the fast withdrawals the rollup's portal paid against the output
                r.portal
            );
    }

    /// @dev The EIP-712 digest of `structHash` in this contract's domain.
    function _hashTyped(bytes32 structHash) private view returns (bytes32) {
        return MessageHashUtils.toTypedDataHash(domainSeparator(), structHash);
    }

    /// @dev Whether the strictly increasing `list` holds `account` (binary search).
    function _contains(address[] calldata list, address account) private pure returns (bool) {
        uint256 low;
        uint256 high = list.length;
        while (low < high) {
            uint256 mid = (low + high) / 2;
            address at = list[mid];
            if (at == account) return true;
            if (at < account) low = mid + 1;
            else high = mid;
        }
        return false;
    }

    function _setOffenceBps(uint16 equivocationBps_, uint16 invalidCertificateBps_) private {
        _checkBps(equivocationBps_);
        _checkBps(invalidCertificateBps_);
        MachStorage storage s = _s();
        (s.equivocationBps, s.invalidCertificateBps) = (equivocationBps_, invalidCertificateBps_);
        emit OffenceBpsUpdated(equivocationBps_, invalidCertificateBps_);
    }
}
