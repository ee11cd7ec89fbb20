// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ISettlementHook
/// @notice What the market asks the certificate registry bound to it, and nothing else: whether a settled
/// slot's certificates are all delivered, before the market lets a newer slot reuse that slot's ring
/// position (and overwrite the fills the certificates are computed from).
/// @dev The market never calls the certificates while it moves money: settlement pays sellers, the grid
/// operator and releases collateral on its own, and certificates are then delivered by permissionless pages
/// (EnergyCertificates.certifySellers, claimBuyers). The only call is this view, made at the first order of
/// a slot whose ring position holds an older slot that traded.
interface ISettlementHook {
    /// @notice True while the calling market must keep the settled `slot`'s ring position: the caller is
    /// the market these certificates are bound to and the slot's certificates are not all delivered yet.
    /// For any other caller (a market these certificates are not bound to) false: nothing could ever be
    /// certified from it, so it must never block that market's ring.
    function holdsRingPosition(uint64 slot) external view returns (bool);
}
