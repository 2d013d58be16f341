// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {OwnedUpgradeable} from "../libraries/OwnedUpgradeable.sol";
import {ISlashingManager} from "../interfaces/ISlashingManager.sol";
import {IRestakingRegistry} from "../interfaces/IRestakingRegistry.sol";
import {IOperatorSets} from "../interfaces/IOperatorSets.sol";

/// @title SlashingManager
/// @notice Slash requests, caps, veto window and execution (UUPS proxy, ERC-7201 storage).
contract SlashingManager is ISlashingManager, OwnedUpgradeable {
    /// @inheritdoc ISlashingManager
    uint256 public constant WINDOW_CAP_BPS = 3_000;
    /// @notice Requests per (operator, set) within one window; bounds the window scan.
    uint256 public constant MAX_REQUESTS_PER_WINDOW = 16;
    /// @notice Registered slashers; bounds the evidence-age scan.
    uint256 public constant MAX_SLASHERS = 16;
    uint256 private constant MAX_REPORTER_BPS = 5_000;
    uint256 private constant BPS = 10_000;
    uint256 private constant MAX_WINDOW = 365 days;

    /// @custom:storage-location erc7201:alt.storage.SlashingManager
    struct ManagerStorage {
        IRestakingRegistry registry;
        address vetoer;
        address treasury;
        uint48 vetoWindow;
        uint16 reporterBps;
        uint48 windowDuration;
        address[] slasherList;
        mapping(address slasher => SlasherConfig) slashers;
        Request[] requests;
        // ids of the pending and executed requests against an operator for one set, oldest first (a veto removes its
        // request); only the tail within the window is ever read
        mapping(address operator => mapping(uint256 setId => uint256[])) setRequests;
        // keccak256(slasher, operator, reason, evidenceHash) of every request made: a piece of evidence slashes an
        // operator once per service and offence, whatever became of the request (vetoed evidence cannot be filed again)
        mapping(bytes32 evidenceKey => bool) evidenceUsed;
        // who receives a request's slashed ALT instead of the burn (`requestSlashTo`; such a request has no reporter)
        mapping(uint256 requestId => address) recipients;
    }

    // keccak256(abi.encode(uint256(keccak256("alt.storage.SlashingManager")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x1ae1b5ea10bcaa5349857a61e02aa8898f5006f55402442701ee12a34a9ae500;

    function _s() private pure returns (ManagerStorage storage s) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            s.slot := STORAGE_SLOT
        }
    }

    /// @param vetoer_ the security council
    /// @param treasury_ receives slashed non-ALT assets
    function initialize(
        address owner_,
        address registry_,
        address vetoer_,
        address treasury_,
        uint48 vetoWindow_,
        uint16 reporterBps_,
        uint48 windowDuration_
    ) external initializer {
        if (registry_ == address(0) || vetoer_ == address(0) || treasury_ == address(0)) revert SlashingZeroAddress();
        __OwnedUpgradeable_init(owner_);
        ManagerStorage storage s = _s();
        s.registry = IRestakingRegistry(registry_);
        s.vetoer = vetoer_;
        s.treasury = treasury_;
        _setParameters(vetoWindow_, reporterBps_, windowDuration_);
    }

    // ================================================================= governance

    /// @inheritdoc ISlashingManager
    function setSlasher(address slasher_, uint16 maxBps, uint48 maxEvidenceAge) external onlyOwner {
        if (slasher_ == address(0)) revert SlashingZeroAddress();
        if (maxBps == 0 || maxBps > WINDOW_CAP_BPS) revert SlashingInvalidBps(maxBps, WINDOW_CAP_BPS);
        ManagerStorage storage s = _s();
        SlasherConfig storage config = s.slashers[slasher_];
        if (!config.registered) {
            if (s.slasherList.length == MAX_SLASHERS) revert SlashingTooManySlashers(MAX_SLASHERS);
            s.slasherList.push(slasher_);
        }
        s.slashers[slasher_] = SlasherConfig({registered: true, maxBps: maxBps, maxEvidenceAge: maxEvidenceAge});
        _checkDelay(_delayBase(s) + uint256(maxEvidenceAge));
        emit SlasherSet(slasher_, maxBps, maxEvidenceAge);
    }

    /// @inheritdoc ISlashingManager
    /// @dev Pending requests of a removed slasher stay executable: they were valid when made.
    function removeSlasher(address slasher_) external onlyOwner {
        ManagerStorage storage s = _s();
        if (!s.slashers[slasher_].registered) revert SlashingNotSlasher(slasher_);
        delete s.slashers[slasher_];
        uint256 last = s.slasherList.length - 1;
        for (uint256 i; i <= last; ++i) {
            if (s.slasherList[i] == slasher_) {
                s.slasherList[i] = s.slasherList[last];
                s.slasherList.pop();
                break;
            }
        }
        emit SlasherRemoved(slasher_);
    }

    /// @inheritdoc ISlashingManager
    function setParameters(uint48 vetoWindow_, uint16 reporterBps_, uint48 windowDuration_) external onlyOwner {
        _setParameters(vetoWindow_, reporterBps_, windowDuration_);
    }

    /// @inheritdoc ISlashingManager
    function setVetoer(address vetoer_) external onlyOwner {
        if (vetoer_ == address(0)) revert SlashingZeroAddress();
        _s().vetoer = vetoer_;
        emit VetoerUpdated(vetoer_);
    }

    /// @inheritdoc ISlashingManager
    function setTreasury(address treasury_) external onlyOwner {
        if (treasury_ == address(0)) revert SlashingZeroAddress();
        _s().treasury = treasury_;
        emit TreasuryUpdated(treasury_);
    }

    // ================================================================= requests

    /// @inheritdoc ISlashingManager
    function requestSlash(
        address operator,
        uint256 setId,
        uint16 bps,
        bytes32 reason,
        bytes32 evidenceHash,
        address reporter,
        uint48 evidenceTime
    ) external returns (uint256) {
        return _request(operator, setId, bps, reason, evidenceHash, reporter, evidenceTime);
    }

    /// @inheritdoc ISlashingManager
    function requestSlashTo(
        address operator,
        uint256 setId,
        uint16 bps,
        bytes32 reason,
        bytes32 evidenceHash,
        address recipient,
        uint48 evidenceTime
    ) external returns (uint256 requestId) {
        if (recipient == address(0)) revert SlashingZeroAddress();
        requestId = _request(operator, setId, bps, reason, evidenceHash, address(0), evidenceTime);
        _s().recipients[requestId] = recipient;
        emit SlashRedirected(requestId, recipient);
    }

    function _request(
        address operator,
        uint256 setId,
        uint16 bps,
        bytes32 reason,
        bytes32 evidenceHash,
        address reporter,
        uint48 evidenceTime
    ) private returns (uint256 requestId) {
        ManagerStorage storage s = _s();
        _checkSlasher(s, bps, evidenceTime);
        if (!s.registry.isOperator(operator)) revert SlashingNotOperator(operator);
        uint256 slashable = _checkTarget(s, setId, operator);
        bytes32 evidenceKey = _evidenceKey(msg.sender, operator, reason, evidenceHash);
        if (s.evidenceUsed[evidenceKey]) revert SlashingEvidenceUsed(operator, evidenceHash);
        s.evidenceUsed[evidenceKey] = true;
        uint256[] storage ids = s.setRequests[operator][setId];
        _checkWindow(s, ids, operator, setId, bps);

        requestId = s.requests.length;
        Request memory r = Request({
            operator: operator,
            bps: bps,
            status: Status.Pending,
            requestedAt: uint48(block.timestamp),
            reporter: reporter,
            executableAt: uint48(block.timestamp) + s.vetoWindow,
            setId: setId,
            slashable: slashable
        });
        s.requests.push(r);
        ids.push(requestId);
        s.registry.onSlashRequested(operator);
        emit SlashRequested(
            requestId,
            operator,
            msg.sender,
            setId,
            bps,
            reason,
            evidenceHash,
            reporter,
            r.executableAt
        );
    }

    /// @inheritdoc ISlashingManager
    function veto(uint256 requestId) external {
        ManagerStorage storage s = _s();
        if (msg.sender != s.vetoer) revert SlashingNotVetoer(msg.sender);
        Request storage r = _pending(s, requestId);
        if (block.timestamp >= r.executableAt) revert SlashingVetoWindowClosed(requestId, r.executableAt);
        r.status = Status.Vetoed;
        address operator = r.operator;
        _forget(s.setRequests[operator][r.setId], requestId);
        emit SlashVetoed(requestId, operator);
        s.registry.onSlashVetoed(operator);
    }

    /// @inheritdoc ISlashingManager
    function execute(uint256 requestId) external returns (uint256[] memory amounts) {
        ManagerStorage storage s = _s();
        Request storage r = _pending(s, requestId);
        if (block.timestamp < r.executableAt) revert SlashingVetoWindowOpen(requestId, r.executableAt);
        r.status = Status.Executed;
        address reporter = r.reporter;
        IRestakingRegistry.SlashOrder memory order = IRestakingRegistry.SlashOrder({
            operator: r.operator,
            setId: r.setId,
            bps: r.bps,
            requestedAt: r.requestedAt,
            // never more than bps of what was slashable in the set when the request was made (a later allocation, or a
            // later decrease merged into an older, already free deallocation, adds nothing)
            maxValue: (r.slashable * r.bps) / BPS,
            reporter: reporter,
            // no reporter, no reporter share
            reporterBps: reporter == address(0) ? 0 : s.reporterBps,
            treasury: s.treasury,
            // (only a request without a reporter may have one)
            recipient: reporter == address(0) ? s.recipients[requestId] : address(0)
        });
        amounts = s.registry.slash(requestId, order);
        emit SlashExecuted(requestId, order.operator, order.setId, order.bps, amounts);
    }

    // ================================================================= views

    /// @inheritdoc ISlashingManager
    function registry() external view returns (address) {
        return address(_s().registry);
    }

    /// @inheritdoc ISlashingManager
    function vetoer() external view returns (address) {
        return _s().vetoer;
    }

    /// @inheritdoc ISlashingManager
    function treasury() external view returns (address) {
        return _s().treasury;
    }

    /// @inheritdoc ISlashingManager
    function vetoWindow() external view returns (uint256) {
        return _s().vetoWindow;
    }

    /// @inheritdoc ISlashingManager
    function reporterBps() external view returns (uint256) {
        return _s().reporterBps;
    }

    /// @inheritdoc ISlashingManager
    function windowDuration() external view returns (uint256) {
        return _s().windowDuration;
    }

    /// @inheritdoc ISlashingManager
    function slasher(address account) external view returns (SlasherConfig memory) {
        return _s().slashers[account];
    }

    /// @inheritdoc ISlashingManager
    function slashers() external view returns (address[] memory) {
        return _s().slasherList;
    }

    /// @inheritdoc ISlashingManager
    function request(uint256 requestId) external view returns (Request memory) {
        ManagerStorage storage s = _s();
        if (requestId >= s.requests.length) revert SlashingUnknownRequest(requestId);
        return s.requests[requestId];
    }

    /// @inheritdoc ISlashingManager
    function recipientOf(uint256 requestId) external view returns (address) {
        return _s().recipients[requestId];
    }

    /// @inheritdoc ISlashingManager
    function requestCount() external view returns (uint256) {
        return _s().requests.length;
    }

    /// @inheritdoc ISlashingManager
    function isEvidenceUsed(
        address slasher_,
        address operator,
        bytes32 reason,
        bytes32 evidenceHash
    ) external view returns (bool) {
        return _s().evidenceUsed[_evidenceKey(slasher_, operator, reason, evidenceHash)];
    }

    /// @inheritdoc ISlashingManager
    function windowSlashedBps(address operator, uint256 setId) external view returns (uint256 windowBps) {
        ManagerStorage storage s = _s();
        (windowBps, ) = _window(s, s.setRequests[operator][setId]);
    }

    /// @inheritdoc ISlashingManager
    function minWithdrawalDelay() public view returns (uint256) {
        ManagerStorage storage s = _s();
        uint256 longest;
        uint256 count = s.slasherList.length; // <= MAX_SLASHERS
        for (uint256 i; i < count; ++i) {
            uint256 age = s.slashers[s.slasherList[i]].maxEvidenceAge;
            if (age > longest) longest = age;
        }
        return _delayBase(s) + longest;
    }

    // ================================================================= internals

    /// @dev The caller must be a registered slasher, `bps` within its cap and the evidence within its age.
    function _checkSlasher(ManagerStorage storage s, uint16 bps, uint48 evidenceTime) private view {
        SlasherConfig memory config = s.slashers[msg.sender];
        if (!config.registered) revert SlashingNotSlasher(msg.sender);
        if (bps == 0 || bps > config.maxBps) revert SlashingInvalidBps(bps, config.maxBps);
        if (evidenceTime > block.timestamp || block.timestamp - evidenceTime > config.maxEvidenceAge) {
            revert SlashingEvidenceTooOld(evidenceTime, config.maxEvidenceAge);
        }
    }

    /// @dev `bps` more against (`operator`, `setId`), whose requests are `ids`, must stay within the window's cap and
    ///      request count.
    function _checkWindow(
        ManagerStorage storage s,
        uint256[] storage ids,
        address operator,
        uint256 setId,
        uint256 bps
    ) private view {
        (uint256 windowBps, uint256 inWindow) = _window(s, ids);
        if (inWindow == MAX_REQUESTS_PER_WINDOW) {
            revert SlashingTooManyRequests(operator, setId, MAX_REQUESTS_PER_WINDOW);
        }
        if (windowBps + bps > WINDOW_CAP_BPS) {
            revert SlashingWindowCapExceeded(operator, setId, windowBps, bps, WINDOW_CAP_BPS);
        }
    }

    /// @dev The caller must be the service of `setId` (not removed by governance), and `operator` must have stake there
    ///      to slash: a request that could take nothing would only jail the operator.
    function _checkTarget(
        ManagerStorage storage s,
        uint256 setId,
        address operator
    ) private view returns (uint256 stake) {
        IOperatorSets sets = IOperatorSets(s.registry.operatorSets());
        // unwired by governance: no set has a service
        if (address(sets) == address(0)) revert SlashingNotSetService(setId, msg.sender);
        address service;
        (service, stake) = sets.slashTarget(setId, operator);
        if (service != msg.sender) revert SlashingNotSetService(setId, msg.sender);
        if (stake == 0) revert SlashingNothingAllocated(operator, setId);
    }

    /// @dev Sums the bps of the (pending or executed) requests in `ids` made within the window, newest first; reads at
    ///      most MAX_REQUESTS_PER_WINDOW entries (a request is refused once that many fall within the window).
    function _window(
        ManagerStorage storage s,
        uint256[] storage ids
    ) private view returns (uint256 bps, uint256 count) {
        uint256 since = block.timestamp > s.windowDuration ? block.timestamp - s.windowDuration : 0;
        for (uint256 i = ids.length; i > 0 && count < MAX_REQUESTS_PER_WINDOW; --i) {
            Request storage r = s.requests[ids[i - 1]];
            if (r.requestedAt <= since) break;
            ++count;
            bps += r.bps;
        }
    }

    /// @dev Removes a vetoed request from its operator's list, keeping the order, so vetoed requests neither count
    ///      toward the window cap nor use up the window's request slots. A vetoable request is among the newest
    ///      MAX_REQUESTS_PER_WINDOW entries (newer ones were accepted only while fewer than that were in the window,
    ///      and the veto window is shorter than the slashing window in any sane setting); the scan stops there.
    function _forget(uint256[] storage ids, uint256 requestId) private {
        uint256 length = ids.length;
        for (uint256 i = length; i > 0 && length - i < MAX_REQUESTS_PER_WINDOW; --i) {
            if (ids[i - 1] != requestId) continue;
            for (uint256 j = i - 1; j + 1 < length; ++j) ids[j] = ids[j + 1];
            ids.pop();
            return;
        }
    }

    function _evidenceKey(
        address slasher_,
        address operator,
        bytes32 reason,
        bytes32 evidenceHash
    ) private pure returns (bytes32) {
        return keccak256(abi.encode(slasher_, operator, reason, evidenceHash));
    }

    function _pending(ManagerStorage storage s, uint256 requestId) private view returns (Request storage r) {
        if (requestId >= s.requests.length) revert SlashingUnknownRequest(requestId);
        r = s.requests[requestId];
        if (r.status != Status.Pending) revert SlashingNotPending(requestId, r.status);
    }

    function _setParameters(uint48 vetoWindow_, uint16 reporterBps_, uint48 windowDuration_) private {
        if (reporterBps_ > MAX_REPORTER_BPS || windowDuration_ == 0 || windowDuration_ > MAX_WINDOW) {
            revert SlashingInvalidParameter();
        }
        ManagerStorage storage s = _s();
        s.vetoWindow = vetoWindow_;
        s.reporterBps = reporterBps_;
        s.windowDuration = windowDuration_;
        _checkDelay(minWithdrawalDelay());
        emit ParametersUpdated(vetoWindow_, reporterBps_, windowDuration_);
    }

    /// @dev What a withdrawal delay needs besides the evidence age: the veto window, or the operator sets' epoch length
    ///      if longer — stake counted in an epoch serves (and can offend) until it ends, though it may have been
    ///      deallocated or queued for withdrawal at its start.
    function _delayBase(ManagerStorage storage s) private view returns (uint256) {
        address sets = s.registry.operatorSets();
        return sets == address(0) ? s.vetoWindow : Math.max(s.vetoWindow, IOperatorSets(sets).epochLength());
    }

    function _checkDelay(uint256 required) private view {
        uint256 delay = _s().registry.withdrawalDelay();
        if (required > delay) revert SlashingDelayConflict(required, delay);
    }
}
