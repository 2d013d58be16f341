// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {IAltToken} from "../interfaces/IAltToken.sol";

/// @title AltToken
/// @notice ERC20 + permit + votes (timestamp clock) + burnable. The whole supply is minted once in the constructor.
contract AltToken is ERC20, ERC20Burnable, ERC20Permit, ERC20Votes, IAltToken {
    /// @inheritdoc IAltToken
    uint256 public constant GENESIS_SUPPLY = 10_000_000_000 ether;

    /// @param genesisRecipient receives the whole supply (the genesis deployer, which distributes it at once)
    constructor(address genesisRecipient) ERC20("ALT", "ALT") ERC20Permit("ALT") {
        if (genesisRecipient == address(0)) revert AltTokenZeroGenesisRecipient();
        _mint(genesisRecipient, GENESIS_SUPPLY);
    }

    /// @notice EIP-6372: votes are checkpointed by block timestamp.
    function clock() public view override returns (uint48) {
        return uint48(block.timestamp);
    }

    /// @notice EIP-6372 clock description.
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
    }

    /// @inheritdoc IAltToken
    function burn(uint256 amount) public override(ERC20Burnable, IAltToken) {
        super.burn(amount);
    }

    /// @inheritdoc IAltToken
    function burnFrom(address account, uint256 amount) public override(ERC20Burnable, IAltToken) {
        super.burnFrom(account, amount);
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }

    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }
}
