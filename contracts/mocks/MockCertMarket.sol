// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IEnergyMarketView} from "../interfaces/IEnergyMarketView.sol";

/// @title MockCertMarket
/// @notice Test double of the market as the certificates see it: the views they read, answering with
/// whatever settled trade a test (or a lying market) chooses.
contract MockCertMarket is IEnergyMarketView {
    struct Trade {
        uint256 clearedWh;
        SellLot[] sells;
        BuyFill[] buys;
        bool held;
    }

    address private immutable _registry;
    address private _hook;
    mapping(uint64 slot => bool) private _final;
    mapping(uint64 slot => Trade) private _trades;

    constructor(address registry_, address hook) {
        _registry = registry_;
        _hook = hook;
    }

    /// @notice Points the mock at another hook (to test the certificates' binding checks).
    function setSettlementHook(address hook) external {
        _hook = hook;
    }

    /// @notice Marks `slot` final or not without a trade (a slot that never had orders).
    function setSlotFinal(uint64 slot, bool isFinal) external {
        _final[slot] = isFinal;
    }

    /// @notice Marks `slot` final and settled with the given trade.
    function settle(
        uint64 slot,
        uint256 clearedWh,
        BuyFill[] calldata buys,
        SellLot[] calldata sells
    ) external {
        _final[slot] = true;
        Trade storage t = _trades[slot];
        delete t.sells;
        delete t.buys;
        t.clearedWh = clearedWh;
        t.held = clearedWh != 0;
        for (uint256 i = 0; i < sells.length; ++i) t.sells.push(sells[i]);
        for (uint256 i = 0; i < buys.length; ++i) t.buys.push(buys[i]);
    }

    /// @notice Forgets `slot`'s orders, as the market's ring does when a newer slot reuses its position.
    function recycle(uint64 slot) external {
        _trades[slot].held = false;
    }

    /// @inheritdoc IEnergyMarketView
    function isSlotFinal(uint64 slot) external view returns (bool) {
        return _final[slot];
    }

    /// @inheritdoc IEnergyMarketView
    function settlementHook() external view returns (address) {
        return _hook;
    }

    /// @inheritdoc IEnergyMarketView
    function registry() external view returns (address) {
        return _registry;
    }

    /// @inheritdoc IEnergyMarketView
    function settledTrade(
        uint64 slot
    ) external view returns (bool held, uint256 clearedWh, uint256 buyOrders, uint256 sellOrders) {
        Trade storage t = _trades[slot];
        if (!t.held) return (false, 0, 0, 0);
        return (true, t.clearedWh, t.buys.length, t.sells.length);
    }

    /// @inheritdoc IEnergyMarketView
    function sellLotsOf(
        uint64 slot,
        uint256 from,
        uint256 count
    ) external view returns (SellLot[] memory lots) {
        SellLot[] storage all = _trades[slot].sells;
        uint256 n = _clip(all.length, from, count);
        lots = new SellLot[](n);
        for (uint256 k = 0; k < n; ++k) lots[k] = all[from + k];
    }

    /// @inheritdoc IEnergyMarketView
    function buyFillsOf(
        uint64 slot,
        uint256 from,
        uint256 count
    ) external view returns (BuyFill[] memory fills) {
        BuyFill[] storage all = _trades[slot].buys;
        uint256 n = _clip(all.length, from, count);
        fills = new BuyFill[](n);
        for (uint256 k = 0; k < n; ++k) fills[k] = all[from + k];
    }

    function _clip(uint256 total, uint256 from, uint256 count) private pure returns (uint256) {
        if (from >= total) return 0;
        return count < total - from ? count : total - from;
    }
}
