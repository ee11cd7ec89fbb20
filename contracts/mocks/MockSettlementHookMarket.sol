// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ISettlementHook} from "../interfaces/ISettlementHook.sol";

/// @title MockSettlementHookMarket
/// @notice Test double of the certificate registry as the market sees it: answers `holdsRingPosition` as
/// told (it holds every slot until `setCertified`), to test that the market keeps a traded slot's ring
/// position until the slot is certified.
contract MockSettlementHookMarket is ISettlementHook {
    mapping(uint64 slot => bool) private _certified;

    /// @notice Sets the answer for `slot`.
    function setCertified(uint64 slot, bool certified) external {
        _certified[slot] = certified;
    }

    /// @notice The answer for `slot`.
    function isSlotCertified(uint64 slot) external view returns (bool) {
        return _certified[slot];
    }

    /// @inheritdoc ISettlementHook
    function holdsRingPosition(uint64 slot) external view returns (bool) {
        return !_certified[slot];
    }
}
