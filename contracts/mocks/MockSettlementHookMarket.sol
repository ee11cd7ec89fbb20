// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ISettlementHook} from "../interfaces/ISettlementHook.sol";

/// @title MockSettlementHookMarket
/// @notice Test double of the market's settlement hook: records every call, and the arrays of the last
/// call unless built with `recordDetails` false (then it is a near no-op, for gas measurements).
contract MockSettlementHookMarket is ISettlementHook {
    struct Call {
        uint64 slot;
        uint256 clearedWh;
        uint256 buyers;
        uint256 deliveries;
    }

    Call[] private _calls;
    BuyerFill[] private _lastBuyers;
    SellerDelivery[] private _lastDeliveries;
    bool private immutable _recordDetails;

    constructor(bool recordDetails) {
        _recordDetails = recordDetails;
    }

    /// @inheritdoc ISettlementHook
    function onSlotSettled(
        uint64 slot,
        uint256 clearedWh,
        BuyerFill[] calldata buyers,
        SellerDelivery[] calldata deliveries
    ) external {
        _calls.push(Call(slot, clearedWh, buyers.length, deliveries.length));
        if (!_recordDetails) return;
        delete _lastBuyers;
        delete _lastDeliveries;
        for (uint256 i; i < buyers.length; ++i) _lastBuyers.push(buyers[i]);
        for (uint256 i; i < deliveries.length; ++i) _lastDeliveries.push(deliveries[i]);
    }

    function callCount() external view returns (uint256) {
        return _calls.length;
    }

    function callAt(uint256 i) external view returns (Call memory) {
        return _calls[i];
    }

    function lastBuyers() external view returns (BuyerFill[] memory) {
        return _lastBuyers;
    }

    function lastDeliveries() external view returns (SellerDelivery[] memory) {
        return _lastDeliveries;
    }
}
