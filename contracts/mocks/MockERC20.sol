// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Test-only: a plain mintable ERC20 (stands in for a liquid-staking token).
contract MockERC20 is ERC20 {
    constructor(string memory name_, string memory symbol_) ERC20(name_, symbol_) {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// @notice Test-only: keeps 1 % of every transfer (a fee-on-transfer token the registry must refuse).
contract FeeOnTransferToken is ERC20 {
    constructor() ERC20("Fee on transfer", "FOT") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) return super._update(from, to, value);
        uint256 fee = value / 100;
        super._update(from, address(0xdead), fee);
        super._update(from, to, value - fee);
    }
}

/// @notice Test-only: on the first transfer or transferFrom after `arm`, calls back into `target` with `payload` (a
///         reentrancy attempt), and records whether the call failed.
contract ReentrantToken is ERC20 {
    address public reentryTarget;
    bytes public payload;
    bool public reentryFailed;
    bytes public reentryError;

    constructor() ERC20("Reentrant", "RE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function arm(address target_, bytes calldata payload_) external {
        reentryTarget = target_;
        payload = payload_;
    }

    function transfer(address to, uint256 value) public override returns (bool) {
        _reenter();
        return super.transfer(to, value);
    }

    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        _reenter();
        return super.transferFrom(from, to, value);
    }

    function _reenter() private {
        if (reentryTarget == address(0)) return;
        address t = reentryTarget;
        reentryTarget = address(0);
        (bool ok, bytes memory err) = t.call(payload);
        reentryFailed = !ok;
        reentryError = err;
    }
}

/// @notice Test-only: refuses transfers to and from blocklisted accounts (as USDC and USDT can), the way a reporter or
///         a treasury can become unpayable.
contract BlocklistToken is ERC20 {
    error Blocklisted(address account);

    mapping(address account => bool) public blocklisted;

    constructor() ERC20("Blocklist USD", "BUSD") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setBlocklisted(address account, bool blocked) external {
        blocklisted[account] = blocked;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (blocklisted[from]) revert Blocklisted(from);
        if (blocklisted[to]) revert Blocklisted(to);
        super._update(from, to, value);
    }
}
