// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IEnergyMarket} from "../interfaces/IEnergyMarket.sol";
import {IAttackTokenHooks} from "./AttackHookToken.sol";

/// @title AttackTrader
/// @notice Test double of a hostile market participant that is a contract: it trades through the market
/// like any account, and from inside the payment token's transfer hooks it either re-enters the market
/// with an armed call (recording whether the market refused it) or refuses the transfer outright. It also
/// refuses every ERC-1155 transfer, to show that certificates reach it without a receiver callback.
contract AttackTrader is IAttackTokenHooks {
    /// @notice Thrown by the hooks and the ERC-1155 receiver while the trader refuses transfers.
    error AttackTraderRefused();

    IEnergyMarket private immutable _market;
    IERC20 private immutable _token;

    bytes private _payload;
    bool private _armed;
    bool private _refusing;

    /// @notice Outcome of the last re-entrant call: whether it succeeded and its return or revert data.
    bool public lastReentryOk;
    bytes public lastReentryData;
    uint256 public reentries;

    constructor(IEnergyMarket market_, IERC20 token_) {
        _market = market_;
        _token = token_;
    }

    // ----------------------------------------------------------------------------------------------
    // Trading like any account
    // ----------------------------------------------------------------------------------------------

    function approveMarket() external {
        _token.approve(address(_market), type(uint256).max);
    }

    function deposit(uint256 amount) external {
        _market.deposit(amount);
    }

    function withdraw(uint256 amount) external {
        _market.withdraw(amount);
    }

    function placeOrder(
        uint64 slot,
        IEnergyMarket.Side side,
        uint48 quantityWh,
        uint64 limitPrice,
        address meter
    ) external returns (uint256) {
        return _market.placeOrder(slot, side, quantityWh, limitPrice, meter);
    }

    function cancelOrder(uint256 orderId) external {
        _market.cancelOrder(orderId);
    }

    // ----------------------------------------------------------------------------------------------
    // The attack
    // ----------------------------------------------------------------------------------------------

    /// @notice The next token hook calls the market with `payload` (once).
    function arm(bytes calldata payload) external {
        _payload = payload;
        _armed = true;
    }

    /// @notice While set, every token hook and every ERC-1155 receiver call reverts.
    function setRefusing(bool refusing) external {
        _refusing = refusing;
    }

    /// @inheritdoc IAttackTokenHooks
    function onTokensToSend(address, uint256) external {
        _onHook();
    }

    /// @inheritdoc IAttackTokenHooks
    function onTokensReceived(address, uint256) external {
        _onHook();
    }

    function onERC1155Received(
        address,
        address,
        uint256,
        uint256,
        bytes calldata
    ) external view returns (bytes4) {
        if (_refusing) revert AttackTraderRefused();
        return this.onERC1155Received.selector;
    }

    function onERC1155BatchReceived(
        address,
        address,
        uint256[] calldata,
        uint256[] calldata,
        bytes calldata
    ) external view returns (bytes4) {
        if (_refusing) revert AttackTraderRefused();
        return this.onERC1155BatchReceived.selector;
    }

    function _onHook() private {
        if (_refusing) revert AttackTraderRefused();
        if (!_armed) return;
        _armed = false;
        ++reentries;
        // solhint-disable-next-line avoid-low-level-calls
        (lastReentryOk, lastReentryData) = address(_market).call(_payload);
    }
}
