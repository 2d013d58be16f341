// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {OwnedUpgradeable} from "../libraries/OwnedUpgradeable.sol";
import {IRollupFactory} from "../interfaces/IRollupFactory.sol";
import {IRollup} from "../interfaces/IRollup.sol";
import {Rollup} from "./Rollup.sol";
import {ALL_SERVICES, MACH, SQUAD, VITAL, serviceCount} from "./Services.sol";

/// @title RollupFactory
/// @notice Templates (governance) and permissionless rollup creation (UUPS proxy, ERC-7201 storage).
contract RollupFactory is IRollupFactory, OwnedUpgradeable {
    using SafeERC20 for IERC20;

    /// @notice Largest chain ID wallets handle safely (JavaScript's Number.MAX_SAFE_INTEGER).
    uint256 public constant MAX_CHAIN_ID = 2 ** 53 - 1;
    /// @notice A permanent rollup prepays at least this long.
    uint48 public constant MIN_PREPAID_DURATION = 30 days;
    /// @notice MACH threshold when a creator leaves it at 0: two thirds of snapshot stake.
    uint16 public constant DEFAULT_FAST_FINALITY_BPS = 6_667;
    uint8 private constant ALL_DA_LAYERS = 15;
    uint48 private constant MAX_SETTLEMENT_WINDOW = 365 days;
    /// @notice The minimum forced-inclusion fee is at most this: governance cannot price users out of the escape hatch.
    uint256 public constant MAX_MIN_QUEUE_FEE = 100e18; // 100 ALT
    /// @notice A commitment to a creation is usable this long after it was made (about five L1 blocks): to take a chain
    ///         ID seen in a pending creation, a front-runner would need that creation kept out of blocks this long.
    uint48 public constant COMMIT_DELAY = 60;
    /// @notice A commitment expires this long after it was made: hidden claims on chain IDs cannot be held for free.
    uint48 public constant COMMIT_TTL = 1 days;
    /// @notice The highest fee rate (ALT per second per service, 18.4 ALT): each rollup fixes its rate in 64 bits.
    uint128 public constant MAX_FEE_RATE = type(uint64).max;

    /// @custom:storage-location erc7201:alt.storage.RollupFactory
    struct FactoryStorage {
        address alt;
        address rewardsDistributor;
        address operatorSets;
        address treasury;
        address council;
        address vital;
        address mach;
        address squad;
        // feePerServicePerSecond (128) | settlementWindow (48)
        uint128 feePerServicePerSecond;
        uint48 settlementWindow;
        Template[] templates;
        address[] rollups;
        // chain IDs are taken forever: a retired rollup keeps its entry
        mapping(uint256 chainId => address rollup) byChainId;
        // appended: the least fee of a forced-inclusion item, on every rollup (at most MAX_MIN_QUEUE_FEE < 2^96)
        uint96 minQueueFee;
        // appended: when each commitment to a creation was made; deleted by the creation that uses it. A commitment is
        // usable from committedAt + COMMIT_DELAY until committedAt + COMMIT_TTL (excluded), when it may be made again
        mapping(bytes32 commitment => uint48 committedAt) commitments;
    }

    // keccak256(abi.encode(uint256(keccak256("alt.storage.RollupFactory")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0xe715c9508d38bc33fcdbb9a17e33dc9092467f94a2f8b739d34bc5931c3dae00;

    function _s() private pure returns (FactoryStorage storage s) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            s.slot := STORAGE_SLOT
        }
    }

    function initialize(
        address owner_,
        address alt_,
        address rewardsDistributor_,
        address operatorSets_,
        address treasury_,
        address council_,
        uint128 feePerServicePerSecond_,
        uint48 settlementWindow_,
        uint256 minQueueFee_
    ) external initializer {
        if (
            alt_ == address(0) ||
            rewardsDistributor_ == address(0) ||
            operatorSets_ == address(0) ||
            treasury_ == address(0) ||
            council_ == address(0)
        ) revert FactoryZeroAddress();
        if (settlementWindow_ > MAX_SETTLEMENT_WINDOW || feePerServicePerSecond_ > MAX_FEE_RATE) {
            revert FactoryInvalidParameter();
        }
        __OwnedUpgradeable_init(owner_);
        FactoryStorage storage s = _s();
        s.alt = alt_;
        s.rewardsDistributor = rewardsDistributor_;
        s.operatorSets = operatorSets_;
        s.treasury = treasury_;
        s.council = council_;
        s.feePerServicePerSecond = feePerServicePerSecond_;
        s.settlementWindow = settlementWindow_;
        _setMinQueueFee(minQueueFee_);
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc IRollupFactory
    function registerTemplate(Template calldata t) external onlyOwner returns (uint256 templateId) {
        _checkTemplate(t);
        FactoryStorage storage s = _s();
        templateId = s.templates.length;
        s.templates.push(t);
        emit TemplateRegistered(templateId, t);
    }

    /// @inheritdoc IRollupFactory
    function updateTemplate(uint256 templateId, Template calldata t) external onlyOwner {
        _template(templateId);
        _checkTemplate(t);
        _s().templates[templateId] = t;
        emit TemplateUpdated(templateId, t);
    }

    /// @inheritdoc IRollupFactory
    function deprecateTemplate(uint256 templateId) external onlyOwner {
        _template(templateId).deprecated = true;
        emit TemplateDeprecated(templateId);
    }

    /// @inheritdoc IRollupFactory
    function setServices(address vital_, address mach_, address squad_) external onlyOwner {
        FactoryStorage storage s = _s();
        (s.vital, s.mach, s.squad) = (vital_, mach_, squad_);
        emit ServicesSet(vital_, mach_, squad_);
    }

    /// @inheritdoc IRollupFactory
    function setFeeRate(uint128 feePerServicePerSecond_) external onlyOwner {
        if (feePerServicePerSecond_ > MAX_FEE_RATE) revert FactoryInvalidParameter();
        _s().feePerServicePerSecond = feePerServicePerSecond_;
        emit FeeRateSet(feePerServicePerSecond_);
    }

    /// @inheritdoc IRollupFactory
    function setSettlementWindow(uint48 settlementWindow_) external onlyOwner {
        if (settlementWindow_ > MAX_SETTLEMENT_WINDOW) revert FactoryInvalidParameter();
        _s().settlementWindow = settlementWindow_;
        emit SettlementWindowSet(settlementWindow_);
    }

    /// @inheritdoc IRollupFactory
    function setCouncil(address council_) external onlyOwner {
        if (council_ == address(0)) revert FactoryZeroAddress();
        _s().council = council_;
        emit CouncilSet(council_);
    }

    /// @inheritdoc IRollupFactory
    function setTreasury(address treasury_) external onlyOwner {
        if (treasury_ == address(0)) revert FactoryZeroAddress();
        _s().treasury = treasury_;
        emit TreasurySet(treasury_);
    }

    /// @inheritdoc IRollupFactory
    function setMinQueueFee(uint256 minQueueFee_) external onlyOwner {
        _setMinQueueFee(minQueueFee_);
    }

    function _setMinQueueFee(uint256 minQueueFee_) private {
        if (minQueueFee_ > MAX_MIN_QUEUE_FEE) revert FactoryMinQueueFeeTooHigh(minQueueFee_, MAX_MIN_QUEUE_FEE);
        _s().minQueueFee = uint96(minQueueFee_);
        emit MinQueueFeeSet(minQueueFee_);
    }

    function _checkTemplate(Template calldata t) private view {
        bool validity = t.proofSystem == ProofSystem.Validity;
        if (
            t.daLayers == 0 ||
            t.daLayers > ALL_DA_LAYERS ||
            t.deprecated ||
            t.outputInterval == 0 ||
            (
                validity
                    ? t.verifier == address(0) || t.challengePeriod != 0 || t.outputBond != 0
                    : t.verifier != address(0)
            ) ||
            !_clonesFromHere(t.implementation)
        ) revert FactoryInvalidTemplate();
    }

    /// @dev A Rollup implementation built for this factory (anything else, with or without code, is refused).
    function _clonesFromHere(address implementation) private view returns (bool) {
        if (implementation.code.length == 0) return false;
        try Rollup(implementation).factory() returns (IRollupFactory f) {
            return f == this;
        } catch {
            return false;
        }
    }

    function _template(uint256 templateId) private view returns (Template storage) {
        FactoryStorage storage s = _s();
        if (templateId >= s.templates.length) revert FactoryUnknownTemplate(templateId);
        return s.templates[templateId];
    }

    // ---------------------------------------------------------------- creation

    /// @inheritdoc IRollupFactory
    function commitRollup(bytes32 commitment) external {
        mapping(bytes32 => uint48) storage commitments = _s().commitments;
        uint256 at = commitments[commitment];
        // a live commitment is never made again: copying a pending one delays nobody
        if (at != 0 && block.timestamp < at + COMMIT_TTL) revert FactoryAlreadyCommitted(commitment, at + COMMIT_TTL);
        commitments[commitment] = uint48(block.timestamp);
        emit RollupCommitted(commitment, msg.sender, block.timestamp + COMMIT_DELAY, block.timestamp + COMMIT_TTL);
    }

    /// @inheritdoc IRollupFactory
    function createRollup(CreateParams calldata params) external returns (address rollup) {
        FactoryStorage storage s = _s();
        Template memory t = _template(params.templateId);
        _checkParams(s, t, params);
        // after the parameters: a creation simulated before its commitment is refused with FactoryNotCommitted only if
        // every other check passes
        _useCommitment(s, params.chainId, params.salt);

        CreateParams memory p = params;
        if (p.fastFinalityBps == 0) p.fastFinalityBps = DEFAULT_FAST_FINALITY_BPS;
        rollup = Clones.cloneDeterministic(t.implementation, _salt(msg.sender, params.templateId, params.salt));
        s.byChainId[params.chainId] = rollup;
        s.rollups.push(rollup);
        IRollup(rollup).initialize(p, t);
        emit RollupCreated(s.rollups.length - 1, rollup, params.chainId, msg.sender, p);

        IERC20 token = IERC20(s.alt);
        if (t.creationFee != 0) token.safeTransferFrom(msg.sender, s.treasury, t.creationFee);
        if (params.prepaidFees != 0) token.safeTransferFrom(msg.sender, rollup, params.prepaidFees);
    }

    function _checkParams(FactoryStorage storage s, Template memory t, CreateParams calldata p) private view {
        if (t.deprecated) revert FactoryTemplateDeprecated(p.templateId);
        // an output proposed at the expiry finalizes before the rollup can be settled
        if (s.settlementWindow < t.challengePeriod) {
            revert FactorySettlementWindowTooShort(s.settlementWindow, t.challengePeriod);
        }
        if (t.daLayers & (1 << uint8(p.daLayer)) == 0) revert FactoryDALayerUnsupported(p.templateId, p.daLayer);
        uint256 id = p.chainId;
        if (id == 0 || id == block.chainid || id > MAX_CHAIN_ID) revert FactoryInvalidChainId(id);
        if (s.byChainId[id] != address(0)) revert FactoryChainIdTaken(id);
        if (p.owner == address(0) || p.proposer == address(0)) revert FactoryZeroAddress();
        if (p.services > ALL_SERVICES || (p.sequencer == address(0) && p.services & SQUAD == 0)) {
            revert FactoryInvalidServices(p.services);
        }
        if (p.services & VITAL != 0 && t.challengePeriod == 0) revert FactoryVitalWithoutChallengePeriod(p.templateId);
        // SQUAD sequences a rollup only as its sequencer role: a rollup with a sequencer of its own it never could
        if (p.services & SQUAD != 0 && p.sequencer != address(0)) revert FactorySquadWithSequencer(p.sequencer);
        if (p.fastFinalityBps != 0 && (p.fastFinalityBps <= 5_000 || p.fastFinalityBps > 10_000)) {
            revert FactoryInvalidThreshold(p.fastFinalityBps);
        }
        if (p.expiry != 0 && p.expiry <= block.timestamp) revert FactoryExpiryInPast(p.expiry);
        uint256 required = requiredPrepayment(p.services, p.expiry);
        if (p.prepaidFees < required) revert FactoryPrepaymentTooLow(p.prepaidFees, required);
    }

    /// @dev Deletes the sender's usable commitment to `chainId` and `salt`; refuses a missing, too new or expired one.
    function _useCommitment(FactoryStorage storage s, uint256 chainId, bytes32 salt) private {
        bytes32 commitment = rollupCommitment(msg.sender, chainId, salt);
        uint256 at = s.commitments[commitment];
        if (at == 0) revert FactoryNotCommitted(commitment);
        if (block.timestamp < at + COMMIT_DELAY) revert FactoryCommitmentTooNew(commitment, at + COMMIT_DELAY);
        if (block.timestamp >= at + COMMIT_TTL) revert FactoryCommitmentExpired(commitment, at + COMMIT_TTL);
        delete s.commitments[commitment];
    }

    function _salt(address creator, uint256 templateId, bytes32 salt) private pure returns (bytes32) {
        return keccak256(abi.encode(creator, templateId, salt));
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IRollupFactory
    function predictRollupAddress(address creator, uint256 templateId, bytes32 salt) external view returns (address) {
        return
            Clones.predictDeterministicAddress(_template(templateId).implementation, _salt(creator, templateId, salt));
    }

    /// @inheritdoc IRollupFactory
    function rollupCommitment(address creator, uint256 chainId, bytes32 salt) public pure returns (bytes32) {
        return keccak256(abi.encode(creator, chainId, salt));
    }

    /// @inheritdoc IRollupFactory
    function committedAt(bytes32 commitment) external view returns (uint48) {
        return _s().commitments[commitment];
    }

    /// @inheritdoc IRollupFactory
    function requiredPrepayment(uint8 services_, uint48 expiry) public view returns (uint256) {
        uint256 duration =
            expiry == 0
                ? MIN_PREPAID_DURATION
                : expiry > block.timestamp
                    ? expiry - block.timestamp
                    : 0;
        return uint256(_s().feePerServicePerSecond) * serviceCount(services_) * duration;
    }

    /// @inheritdoc IRollupFactory
    function template(uint256 templateId) external view returns (Template memory) {
        return _template(templateId);
    }

    /// @inheritdoc IRollupFactory
    function templateCount() external view returns (uint256) {
        return _s().templates.length;
    }

    /// @inheritdoc IRollupFactory
    function rollupCount() external view returns (uint256) {
        return _s().rollups.length;
    }

    /// @inheritdoc IRollupFactory
    function rollupAt(uint256 rollupId) external view returns (address) {
        return _s().rollups[rollupId];
    }

    /// @inheritdoc IRollupFactory
    function rollupByChainId(uint256 chainId) external view returns (address) {
        return _s().byChainId[chainId];
    }

    /// @inheritdoc IRollupFactory
    /// @dev Scans every rollup (a view for off-chain callers; ownership moves in two steps on each rollup).
    function rollupsOf(address owner_) external view returns (address[] memory owned) {
        address[] storage all = _s().rollups;
        owned = new address[](all.length);
        uint256 n;
        for (uint256 i; i < all.length; ++i) {
            if (Rollup(all[i]).owner() == owner_) owned[n++] = all[i];
        }
        // solhint-disable-next-line no-inline-assembly
        assembly {
            mstore(owned, n)
        }
    }

    /// @inheritdoc IRollupFactory
    function feePerServicePerSecond() external view returns (uint128) {
        return _s().feePerServicePerSecond;
    }

    /// @inheritdoc IRollupFactory
    function settlementWindow() external view returns (uint48) {
        return _s().settlementWindow;
    }

    /// @inheritdoc IRollupFactory
    function council() external view returns (address) {
        return _s().council;
    }

    /// @inheritdoc IRollupFactory
    function treasury() external view returns (address) {
        return _s().treasury;
    }

    /// @inheritdoc IRollupFactory
    function alt() external view returns (address) {
        return _s().alt;
    }

    /// @inheritdoc IRollupFactory
    function rewardsDistributor() external view returns (address) {
        return _s().rewardsDistributor;
    }

    /// @inheritdoc IRollupFactory
    function operatorSets() external view returns (address) {
        return _s().operatorSets;
    }

    /// @inheritdoc IRollupFactory
    function minQueueFee() external view returns (uint256) {
        return _s().minQueueFee;
    }

    /// @inheritdoc IRollupFactory
    function services() external view returns (address vital, address mach, address squad) {
        FactoryStorage storage s = _s();
        return (s.vital, s.mach, s.squad);
    }

    /// @inheritdoc IRollupFactory
    function serviceOf(uint8 service) external view returns (address) {
        FactoryStorage storage s = _s();
        if (service == VITAL) return s.vital;
        if (service == MACH) return s.mach;
        if (service == SQUAD) return s.squad;
        return address(0);
    }
}
