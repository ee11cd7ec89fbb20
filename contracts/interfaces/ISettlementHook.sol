// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ISettlementHook
/// @notice What the market tells the certificate registry when it settles a slot, so that the renewable
/// energy the market delivered carries its certificates to that slot's buyers.
/// @dev Called by the market inside `settle`, once per slot, with every buyer's fill and every sell
/// order's metered delivery. The hook must not revert for reasons that depend on the data (a suspended
/// meter is withheld, not refused), otherwise it would block the settlement of money.
interface ISettlementHook {
    /// @notice A buyer's filled quantity in the slot (one entry per buy order, accounts may repeat).
    struct BuyerFill {
        address buyer;
        uint256 filledWh;
    }

    /// @notice A sell order's metered delivery (one entry per sell order, meters may repeat).
    /// @param meter the generation meter the order sold from
    /// @param deliveredWh the part of the order's fill that the meter's reading covered
    struct SellerDelivery {
        address meter;
        uint256 deliveredWh;
    }

    /// @notice Called by the market when `slot` settled with `clearedWh` traded.
    /// @dev The sum of `buyers[i].filledWh` equals `clearedWh`; the sum of `deliveries[i].deliveredWh` is at
    /// most `clearedWh`. Callable only by the market the hook trusts.
    function onSlotSettled(
        uint64 slot,
        uint256 clearedWh,
        BuyerFill[] calldata buyers,
        SellerDelivery[] calldata deliveries
    ) external;
}
