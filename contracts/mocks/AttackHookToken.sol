// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title IAttackTokenHooks
/// @notice The callbacks AttackHookToken makes into hooked accounts, in the manner of ERC-777's
/// `tokensToSend` / `tokensReceived`.
interface IAttackTokenHooks {
    /// @notice Called on a hooked sender before its tokens move.
    function onTokensToSend(address to, uint256 value) external;

    /// @notice Called on a hooked recipient after its tokens arrived.
    function onTokensReceived(address from, uint256 value) external;
}

/// @title AttackHookToken
/// @notice Test double of a payment token with transfer hooks (ERC-777 style): a hooked account is called
/// before it sends and after it receives, so that it can re-enter the market from inside a deposit or a
/// withdrawal, or refuse a transfer (as a blocklisting stablecoin would). Reverts bubble up.
contract AttackHookToken is ERC20 {
    mapping(address account => bool) private _hooked;

    constructor() ERC20("Attack Hook Token", "AHT") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Turns the callbacks to `account` on or off.
    function setHooked(address account, bool hooked) external {
        _hooked[account] = hooked;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && _hooked[from]) IAttackTokenHooks(from).onTokensToSend(to, value);
        super._update(from, to, value);
        if (to != address(0) && _hooked[to]) IAttackTokenHooks(to).onTokensReceived(from, value);
    }
}
