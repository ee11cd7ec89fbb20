// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IEnergyMarketView} from "../interfaces/IEnergyMarketView.sol";
import {ISettlementHook} from "../interfaces/ISettlementHook.sol";

/// @title MockCertMarket
/// @notice Test double of the market as the certificates see it: the three views they read and a `settle`
/// that calls the settlement hook with whatever fills and deliveries a test (or a lying market) chooses.
/// @dev Emits the delivery and fill records an auditor reconciles against, one event per entry.
contract MockCertMarket is IEnergyMarketView {
    /// @notice Emitted after a slot was settled, before the hook ran.
    event MockSlotSettled(uint64 indexed slot, uint256 clearedWh);
    /// @notice Emitted for each sell order's metered delivery in a settlement.
    event MockDelivered(uint64 indexed slot, address indexed meter, uint256 deliveredWh);
    /// @notice Emitted for each buy order's fill in a settlement.
    event MockFilled(uint64 indexed slot, address indexed buyer, uint256 filledWh);

    address private immutable _registry;
    address private _hook;
    mapping(uint64 slot => bool) private _final;

    constructor(address registry_, address hook) {
        _registry = registry_;
        _hook = hook;
    }

    /// @notice Points the mock at another hook (to test the certificates' binding checks).
    function setSettlementHook(address hook) external {
        _hook = hook;
    }

    /// @notice Marks `slot` final or not without settling it (a slot that never had orders).
    function setSlotFinal(uint64 slot, bool isFinal) external {
        _final[slot] = isFinal;
    }

    /// @notice Marks `slot` final and calls the hook with the given settlement.
    function settle(
        uint64 slot,
        uint256 clearedWh,
        ISettlementHook.BuyerFill[] calldata buyers,
        ISettlementHook.SellerDelivery[] calldata deliveries
    ) external {
        _final[slot] = true;
        emit MockSlotSettled(slot, clearedWh);
        for (uint256 i = 0; i < deliveries.length; ++i) {
            emit MockDelivered(slot, deliveries[i].meter, deliveries[i].deliveredWh);
        }
        for (uint256 i = 0; i < buyers.length; ++i) {
            emit MockFilled(slot, buyers[i].buyer, buyers[i].filledWh);
        }
        ISettlementHook(_hook).onSlotSettled(slot, clearedWh, buyers, deliveries);
    }

    /// @notice Marks `slot` final and calls the hook, without the records (to measure the hook's own gas).
    function settleQuietly(
        uint64 slot,
        uint256 clearedWh,
        ISettlementHook.BuyerFill[] calldata buyers,
        ISettlementHook.SellerDelivery[] calldata deliveries
    ) external {
        _final[slot] = true;
        ISettlementHook(_hook).onSlotSettled(slot, clearedWh, buyers, deliveries);
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
}
