// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Rollup factory
/// @notice Rollup-as-a-Service: governance registers templates; anyone creates a rollup from one, as an EIP-1167 clone
///         at a CREATE2 address that can be predicted before creation. Chain IDs are unique forever, never 0, never the
///         host chain's, at most 2^53 - 1, and cannot be sniped from a pending creation: a creator first commits to the
///         chain ID, hidden by a salt (`commitRollup`), then creates the rollup from `COMMIT_DELAY` until `COMMIT_TTL`
///         after (commit and reveal, as the ENS registrar does).
interface IRollupFactory {
    enum Stack {
        OPStack,
        ArbitrumOrbit,
        ZKStack,
        PolygonCDK
    }

    enum VM {
        EVM,
        WASM
    }

    enum ProofSystem {
        Optimistic,
        Validity
    }

    /// @notice Bit `1 << uint8(layer)` of a template's `daLayers`.
    enum DALayer {
        EthereumBlobs,
        Celestia,
        EigenDA,
        Avail
    }

    /// @notice Restaked services, as bits of `services`.
    /// @dev VITAL = 1, MACH = 2, SQUAD = 4.
    struct Template {
        Stack stack;
        VM vm;
        ProofSystem proofSystem;
        /// @notice bitmask of DALayer
        uint8 daLayers;
        bool deprecated;
        /// @notice the Rollup implementation its clones delegate to
        address implementation;
        uint32 version;
        /// @notice optimistic: time an output can be challenged before it finalizes; validity: 0
        uint48 challengePeriod;
        /// @notice validity: the proof verifier; optimistic: zero
        address verifier;
        /// @notice L2 blocks between two outputs
        uint64 outputInterval;
        /// @notice ALT paid to the treasury per rollup created (the whole supply fits 96 bits)
        uint96 creationFee;
        /// @notice optimistic: ALT the proposer of a rollup with VITAL bonds per output, back when the output
        ///         finalizes, forfeited when VITAL invalidates it (half to the challenger); validity: 0
        uint96 outputBond;
    }

    /// @notice What `createRollup` takes.
    struct CreateParams {
        uint256 templateId;
        DALayer daLayer;
        bytes daConfig;
        uint64 chainId;
        address owner;
        /// @notice a centralised sequencer, or zero for SQUAD sequencing: zero exactly when SQUAD is among `services`
        address sequencer;
        /// @notice proposes state outputs
        address proposer;
        /// @notice bits: VITAL 1, MACH 2, SQUAD 4
        uint8 services;
        /// @notice share of snapshot stake MACH needs to fast-finalize an output (bps); 0 for the default
        uint16 fastFinalityBps;
        /// @notice 0: permanent; otherwise the expiry of an ephemeral rollup
        uint48 expiry;
        /// @notice ALT prepaid for the services (streamed per second to the rewards distributor)
        uint128 prepaidFees;
        bytes32 salt;
    }

    error FactoryUnknownTemplate(uint256 templateId);
    error FactoryTemplateDeprecated(uint256 templateId);
    error FactoryInvalidTemplate();
    error FactoryDALayerUnsupported(uint256 templateId, DALayer daLayer);
    error FactoryChainIdTaken(uint256 chainId);
    /// @notice 0, the host chain's, or above 2^53 - 1.
    error FactoryInvalidChainId(uint256 chainId);
    error FactoryZeroAddress();
    error FactoryInvalidServices(uint8 services);
    /// @notice SQUAD among the services of a rollup with a centralised `sequencer`: SQUAD sequences only rollups without
    ///         one (its members could never post a batch), and nothing changes a rollup's sequencer after creation.
    error FactorySquadWithSequencer(address sequencer);
    /// @notice VITAL among the services of a rollup whose template has no challenge period (validity proofs): no
    ///         output of it could ever be challenged.
    error FactoryVitalWithoutChallengePeriod(uint256 templateId);
    error FactoryInvalidThreshold(uint16 fastFinalityBps);
    error FactoryExpiryInPast(uint48 expiry);
    error FactoryPrepaymentTooLow(uint256 paid, uint256 required);
    /// @notice The settlement window is shorter than the template's challenge period: an output proposed at the expiry
    ///         would not finalize before the rollup could be settled.
    error FactorySettlementWindowTooShort(uint256 settlementWindow, uint256 challengePeriod);
    /// @notice A settlement window above 365 days.
    error FactoryInvalidParameter();
    /// @notice A minimum forced-inclusion fee above `MAX_MIN_QUEUE_FEE` (`max`).
    error FactoryMinQueueFeeTooHigh(uint256 minQueueFee, uint256 max);
    /// @notice `commitment` was made less than `COMMIT_TTL` ago: it cannot be made again (reset or delayed) before
    ///         `expiresAt`.
    error FactoryAlreadyCommitted(bytes32 commitment, uint256 expiresAt);
    /// @notice The sender made no commitment to this chain ID and salt (`commitment`), or its creation used it.
    error FactoryNotCommitted(bytes32 commitment);
    /// @notice The sender's commitment to this chain ID and salt is usable from `usableAt` only (`COMMIT_DELAY`).
    error FactoryCommitmentTooNew(bytes32 commitment, uint256 usableAt);
    /// @notice The sender's commitment to this chain ID and salt expired at `expiredAt` (`COMMIT_TTL`): commit again.
    error FactoryCommitmentExpired(bytes32 commitment, uint256 expiredAt);

    event TemplateRegistered(uint256 indexed templateId, Template template);
    event TemplateUpdated(uint256 indexed templateId, Template template);
    event TemplateDeprecated(uint256 indexed templateId);
    /// @notice `committer` committed to a creation: the creator it binds may use it from `usableAt` until `expiresAt`
    ///         (excluded).
    event RollupCommitted(bytes32 indexed commitment, address indexed committer, uint256 usableAt, uint256 expiresAt);
    event RollupCreated(
        uint256 indexed rollupId,
        address indexed rollup,
        uint64 indexed chainId,
        address creator,
        CreateParams params
    );
    event ServicesSet(address vital, address mach, address squad);
    event FeeRateSet(uint128 feePerServicePerSecond);
    event SettlementWindowSet(uint48 settlementWindow);
    event CouncilSet(address council);
    event TreasurySet(address treasury);
    event MinQueueFeeSet(uint256 minQueueFee);

    function registerTemplate(Template calldata template) external returns (uint256 templateId);
    function updateTemplate(uint256 templateId, Template calldata template) external;
    function deprecateTemplate(uint256 templateId) external;
    function setServices(address vital, address mach, address squad) external;
    function setFeeRate(uint128 feePerServicePerSecond) external;
    function setSettlementWindow(uint48 settlementWindow) external;
    function setCouncil(address council) external;
    function setTreasury(address treasury) external;
    /// @notice The least ALT fee of a forced-inclusion item, at most `MAX_MIN_QUEUE_FEE`; every rollup reads it live.
    function setMinQueueFee(uint256 minQueueFee) external;

    /// @notice Commits to creating a rollup (permissionless): `commitment` is `rollupCommitment(creator, chainId,
    ///         salt)`, with the `salt` of the creation, chosen at random (a guessable salt reveals the chain ID). Only
    ///         `creator` can use it, from `COMMIT_DELAY` to `COMMIT_TTL` after now; a commitment made less than
    ///         `COMMIT_TTL` ago is refused (`FactoryAlreadyCommitted`), an expired one is renewed.
    function commitRollup(bytes32 commitment) external;

    /// @notice Creates a rollup (permissionless), using the sender's commitment to `params.chainId` and `params.salt`:
    ///         made at least `COMMIT_DELAY` and less than `COMMIT_TTL` ago (`FactoryNotCommitted`,
    ///         `FactoryCommitmentTooNew`, `FactoryCommitmentExpired`). The commitment is then spent. Pulls the template's
    ///         creation fee (to the treasury) and `params.prepaidFees` (to the rollup) from the sender.
    function createRollup(CreateParams calldata params) external returns (address rollup);

    /// @notice The commitment `commitRollup` takes for a creation by `creator` of chain ID `chainId` with `salt`:
    ///         `keccak256(abi.encode(creator, chainId, salt))`.
    function rollupCommitment(address creator, uint256 chainId, bytes32 salt) external pure returns (bytes32);
    /// @notice When `commitment` was made; 0 if never, or once a creation used it.
    function committedAt(bytes32 commitment) external view returns (uint48);
    function predictRollupAddress(address creator, uint256 templateId, bytes32 salt) external view returns (address);
    function template(uint256 templateId) external view returns (Template memory);
    function templateCount() external view returns (uint256);
    function rollupCount() external view returns (uint256);
    function rollupAt(uint256 rollupId) external view returns (address);
    function rollupByChainId(uint256 chainId) external view returns (address);
    function rollupsOf(address owner) external view returns (address[] memory);
    /// @notice ALT per second each enabled service of a rollup is paid (fixed per rollup at its creation).
    function feePerServicePerSecond() external view returns (uint128);
    /// @notice Prepaid fees of a rollup as `rate × duration`: its lifetime, or `MIN_PREPAID_DURATION` if permanent.
    function requiredPrepayment(uint8 services, uint48 expiry) external view returns (uint256);
    function settlementWindow() external view returns (uint48);
    function council() external view returns (address);
    function treasury() external view returns (address);
    function alt() external view returns (address);
    function rewardsDistributor() external view returns (address);
    function operatorSets() external view returns (address);
    /// @notice The least ALT fee `Rollup.queueTransaction` accepts, on every rollup (anti-spam: read at each call, not
    ///         fixed at creation).
    function minQueueFee() external view returns (uint256);
    function services() external view returns (address vital, address mach, address squad);
    /// @notice The contract of one service, by its bit (VITAL 1, MACH 2, SQUAD 4; zero for anything else): one storage
    ///         read, where `services()` takes three.
    function serviceOf(uint8 service) external view returns (address);
}
