// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IEnergyMarketView
/// @notice The part of the market that the certificate registry relies on.
interface IEnergyMarketView {
    /// @notice A filled sell order of a settled slot, as certification needs it.
    /// @param meterIndex registry index of the order's meter
    /// @param fillWh the order's fill
    /// @param priorFillWh fills of the same meter's filled sell orders with a lower index (capped at 2^32 - 1);
    /// 0 marks the meter's first filled order in the slot
    /// @param meterFillWh fills of all the meter's filled sell orders in the slot (capped at 2^32 - 1)
    struct SellLot {
        uint32 meterIndex;
        uint48 fillWh;
        uint32 priorFillWh;
        uint32 meterFillWh;
    }

    /// @notice A buy order's fill in a settled slot.
    struct BuyFill {
        address buyer;
        uint48 fillWh;
    }

    /// @notice True when `slot` is settled, or never had orders and its reading window has closed: from then
    /// on nothing about the slot's money or fills can change.
    function isSlotFinal(uint64 slot) external view returns (bool);

    /// @notice The certificate registry the market waits for before reusing a traded slot's ring position.
    function settlementHook() external view returns (address);

    /// @notice The meter registry the market settles against.
    function registry() external view returns (address);

    /// @notice Whether `slot` is settled with a trade and its order data is still held (not recycled), and
    /// then its traded quantity Q and its numbers of buy and sell orders (order indices run from 0).
    function settledTrade(
        uint64 slot
    ) external view returns (bool held, uint256 clearedWh, uint256 buyOrders, uint256 sellOrders);

    /// @notice Sell orders `from` .. `from + count - 1` (clipped to the slot's sell orders) of a settled
    /// slot; unfilled and cancelled orders have fillWh 0. Reverts unless `settledTrade(slot).held`.
    function sellLotsOf(uint64 slot, uint256 from, uint256 count) external view returns (SellLot[] memory);

    /// @notice Buy orders `from` .. `from + count - 1` (clipped) of a settled slot; unfilled and cancelled
    /// orders have fillWh 0. Reverts unless `settledTrade(slot).held`.
    function buyFillsOf(uint64 slot, uint256 from, uint256 count) external view returns (BuyFill[] memory);
}
