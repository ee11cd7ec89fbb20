// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IEnergyMarketView
/// @notice The part of the market that the certificate registry relies on.
interface IEnergyMarketView {
    /// @notice True when `slot` is settled, or never had orders and its reading window has closed: from then
    /// on the market will never call the settlement hook for `slot`.
    function isSlotFinal(uint64 slot) external view returns (bool);

    /// @notice The contract the market calls when it settles a slot.
    function settlementHook() external view returns (address);

    /// @notice The meter registry the market settles against.
    function registry() external view returns (address);
}
