// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {OwnedUpgradeable} from "../libraries/OwnedUpgradeable.sol";
import {EpochClock} from "../libraries/EpochClock.sol";
import {IOperatorSets} from "../interfaces/IOperatorSets.sol";
import {IRestakingRegistry} from "../interfaces/IRestakingRegistry.sol";
import {ISlashingManager} from "../interfaces/ISlashingManager.sol";
import {IRollup} from "../interfaces/IRollup.sol";
import {IRollupFactory} from "../interfaces/IRollupFactory.sol";

/// @title RollupService
/// @notice What the three restaked services share: each rollup of the factory that enabled the service gets one
///         operator set, keyed by the rollup's address (the key its fees are credited under); anyone registers it, once.
///         Stake always comes from what counted in the set in an epoch (OperatorSets' checkpoints: nobody needs to
///         send anything each epoch for MACH and VITAL to decide); offences become slash requests to the
///         slashing manager, where this service is a registered slasher with its own per-offence cap.
/// @dev Storage: ERC-7201 `alt.storage.RollupService`; each service keeps its own state in a namespace of its own.
abstract contract RollupService is OwnedUpgradeable {
    /// @notice `rollup` was not created by the factory.
    error ServiceNotRollup(address rollup);
    /// @notice `rollup` did not enable this service.
    error ServiceNotEnabled(address rollup);
    /// @notice `rollup` has no set in this service yet (`registerRollup`).
    error ServiceNotRegistered(address rollup);
    error ServiceAlreadyRegistered(address rollup);
    /// @notice The set is not live in `epoch` (too few operators or too little stake counted): nothing is decided on it.
    error ServiceSetNotLive(uint256 setId, uint256 epoch);
    error ServiceInvalidParameter();

    /// @notice What the sets a service creates start with: the least allocation of a member and the most members, and
    ///         the least operators and total stake of a live set.
    struct SetDefaults {
        uint256 minStake;
        uint16 maxSize;
        uint16 minMembers;
        uint256 minTotalStake;
    }

    /// @notice What every service is initialized with: its owner (the timelock), the protocol contracts it uses, and
    ///         the defaults of the sets it creates.
    struct ServiceConfig {
        address owner;
        IRollupFactory factory;
        IOperatorSets sets;
        IRestakingRegistry registry;
        ISlashingManager slashing;
        SetDefaults defaults;
    }

    event RollupRegistered(address indexed rollup, uint256 indexed setId, SetDefaults params);
    event SetDefaultsUpdated(SetDefaults defaults);

    /// @custom:storage-location erc7201:alt.storage.RollupService
    struct ServiceStorage {
        IRollupFactory factory;
        // one slot: the operator sets and their epoch clock (fixed for their life), so the current epoch costs no call
        IOperatorSets sets;
        uint48 genesis;
        uint48 epochLength;
        IRestakingRegistry registry;
        ISlashingManager slashing;
        SetDefaults defaults;
        mapping(address rollup => bool) registered;
    }

    // keccak256(abi.encode(uint256(keccak256("alt.storage.RollupService")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant SERVICE_SLOT = 0xf50e6e5cfe5f54763494263b73984236ecf9f8405bdec85d2753e3e7600aa800;

    function _service() internal pure returns (ServiceStorage storage s) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            s.slot := SERVICE_SLOT
        }
    }

    // solhint-disable-next-line func-name-mixedcase
    function __RollupService_init(ServiceConfig calldata config) internal onlyInitializing {
        if (
            address(config.factory) == address(0) ||
            address(config.sets) == address(0) ||
            address(config.registry) == address(0) ||
            address(config.slashing) == address(0)
        ) revert ServiceInvalidParameter();
        __OwnedUpgradeable_init(config.owner);
        ServiceStorage storage s = _service();
        (s.factory, s.sets, s.registry, s.slashing) = (config.factory, config.sets, config.registry, config.slashing);
        (s.genesis, s.epochLength) = (uint48(config.sets.epochStart(0)), uint48(config.sets.epochLength()));
        _setDefaults(config.defaults);
    }

    /// @dev This service's bit in a rollup's `services` (Services.sol).
    function _serviceBit() internal pure virtual returns (uint8);

    /// @dev A service's own condition on the rollups it serves (none by default).
    // solhint-disable-next-line no-empty-blocks
    function _acceptRollup(address rollup) internal view virtual {}

    /// @dev Whether the service draws from its sets (`OperatorSets.drawAt`): only then do they keep a draw index.
    function _drawsFromSets() internal pure virtual returns (bool) {
        return false;
    }

    /// @dev Who its sets tell when an operator starts or stops counting (`OperatorSets.setListener`; none by default).
    function _listener() internal view virtual returns (address) {
        return address(0);
    }

    // ================================================================= governance

    /// @notice The parameters of the sets registered from now on.
    function setSetDefaults(SetDefaults calldata defaults) external onlyOwner {
        _setDefaults(defaults);
    }

    /// @notice Changes the parameters of one rollup's set.
    function updateRollupSet(address rollup, SetDefaults calldata params) external onlyOwner {
        _checkParams(params);
        uint256 setId = _setOf(rollup);
        IOperatorSets sets = _service().sets;
        sets.updateSet(setId, params.minStake, params.maxSize);
        sets.setLiveness(setId, params.minMembers, params.minTotalStake);
    }

    // ================================================================= anyone

    /// @notice Creates the operator set of a factory rollup that enabled this service (anyone; once per rollup).
    function registerRollup(address rollup) external returns (uint256 setId) {
        ServiceStorage storage s = _service();
        if (s.registered[rollup]) revert ServiceAlreadyRegistered(rollup);
        (bool ok, bytes memory data) = rollup.staticcall(abi.encodeCall(IRollup.chainId, ()));
        if (!ok || data.length != 32 || s.factory.rollupByChainId(abi.decode(data, (uint64))) != rollup) {
            revert ServiceNotRollup(rollup);
        }
        if (IRollup(rollup).services() & _serviceBit() == 0) revert ServiceNotEnabled(rollup);
        _acceptRollup(rollup);
        s.registered[rollup] = true;
        SetDefaults memory d = s.defaults;
        setId = s.sets.createSet(_keyOf(rollup), d.minStake, d.maxSize);
        if (_drawsFromSets()) s.sets.enableDraws(setId);
        address listener = _listener();
        if (listener != address(0)) s.sets.setListener(setId, listener);
        s.sets.setLiveness(setId, d.minMembers, d.minTotalStake);
        emit RollupRegistered(rollup, setId, d);
    }

    // ================================================================= views

    /// @notice The operator set of `rollup` in this service (whether registered or not).
    function setIdOf(address rollup) public view returns (uint256) {
        // OperatorSets.setIdOf(address(this), key), computed here: one call less on every certificate and vote
        return uint256(keccak256(abi.encode(address(this), _keyOf(rollup))));
    }

    function isRegistered(address rollup) external view returns (bool) {
        return _service().registered[rollup];
    }

    function factory() external view returns (address) {
        return address(_service().factory);
    }

    function operatorSets() external view returns (address) {
        return address(_service().sets);
    }

    function registry() external view returns (address) {
        return address(_service().registry);
    }

    function slashingManager() external view returns (address) {
        return address(_service().slashing);
    }

    function setDefaults() external view returns (SetDefaults memory) {
        return _service().defaults;
    }

    // ================================================================= internals

    /// @dev The set of a registered rollup.
    function _setOf(address rollup) internal view returns (uint256) {
        if (!_service().registered[rollup]) revert ServiceNotRegistered(rollup);
        return setIdOf(rollup);
    }

    /// @dev The current epoch, in which `setId` must be live.
    function _liveEpoch(uint256 setId) internal view returns (uint256 epoch) {
        epoch = _currentEpoch();
        _liveStake(setId, epoch);
    }

    /// @dev The operator sets' epoch now.
    function _currentEpoch() internal view returns (uint256) {
        return _epochAt(block.timestamp);
    }

    /// @dev The operator sets' epoch at `timestamp`.
    function _epochAt(uint256 timestamp) internal view returns (uint256) {
        ServiceStorage storage s = _service();
        return EpochClock.epochAt(s.genesis, s.epochLength, timestamp);
    }

    /// @dev When `epoch` begins on the operator sets' clock.
    function _epochStart(uint256 epoch) internal view returns (uint256) {
        ServiceStorage storage s = _service();
        return EpochClock.epochStart(s.genesis, s.epochLength, epoch);
    }

    /// @dev The set's stake counted in `epoch`, which must be a live one.
    function _liveStake(uint256 setId, uint256 epoch) internal view returns (uint256 stake) {
        stake = _service().sets.liveStakeAt(setId, epoch);
        if (stake == 0) revert ServiceSetNotLive(setId, epoch);
    }

    /// @dev A slash request against what `operator` allocated to `setId`, one of this service's sets; with a `recipient`,
    ///      its ALT is paid to it instead of burned, and `reporter` must be zero (such a request has none).
    function _requestSlash(
        address operator,
        uint256 setId,
        uint16 bps,
        bytes32 reason,
        bytes32 evidence,
        address reporter,
        uint256 evidenceTime,
        address recipient
    ) internal returns (uint256) {
        ISlashingManager slashing = _service().slashing;
        uint16 capped = _capped(slashing, bps);
        if (recipient != address(0)) {
            return slashing.requestSlashTo(operator, setId, capped, reason, evidence, recipient, uint48(evidenceTime));
        }
        return slashing.requestSlash(operator, setId, capped, reason, evidence, reporter, uint48(evidenceTime));
    }

    /// @dev An offence's fraction above this slasher's cap (lowered by governance since) is requested at the cap, so the
    ///      offence stays punishable.
    function _capped(ISlashingManager slashing, uint16 bps) internal view returns (uint16) {
        uint16 cap = slashing.slasher(address(this)).maxBps;
        return bps > cap ? cap : bps;
    }

    /// @dev An output by what it claims (a later output at the same index after an invalidation is another one).
    function _outputKey(address rollup, uint64 l2BlockNumber, bytes32 root) internal pure returns (bytes32) {
        return keccak256(abi.encode(rollup, l2BlockNumber, root));
    }

    /// @dev An offence's fraction: 1..10,000 bps (requested at most at the slasher's cap in the slashing manager).
    function _checkBps(uint16 bps) internal pure {
        if (bps == 0 || bps > 10_000) revert ServiceInvalidParameter();
    }

    function _keyOf(address rollup) private pure returns (bytes32) {
        return bytes32(uint256(uint160(rollup)));
    }

    function _setDefaults(SetDefaults memory defaults) private {
        _checkParams(defaults);
        _service().defaults = defaults;
        emit SetDefaultsUpdated(defaults);
    }

    function _checkParams(SetDefaults memory params) private pure {
        if (
            params.maxSize == 0 ||
            params.maxSize > 256 ||
            params.minMembers > params.maxSize ||
            params.minTotalStake > type(uint192).max
        ) {
            revert ServiceInvalidParameter();
        }
    }
}
