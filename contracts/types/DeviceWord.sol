// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IMeterRegistry} from "../interfaces/IMeterRegistry.sol";

/// @dev What reading validation needs, one storage word per meter, so a reading costs one cold SLOAD of the
/// meter when no change is pending:
/// | pending 1 | free 5 | status 2 | index 24 | commissionedAt 32 | ratedCapacityW 32 | signer 160 |
///   255        254 250  249   248  247  224  223           192  191          160  159        0
/// `pending` set: the registry holds a scheduled change (signer, capacity, retirement) from a later slot.
type DeviceWord is uint256;

using DeviceWordLibrary for DeviceWord global;

/// @title DeviceWordLibrary
/// @notice Packs and reads device words (a meter's signer, rated capacity, commissioning, index, status).
library DeviceWordLibrary {
    uint256 private constant _MASK_160 = type(uint160).max;
    uint256 private constant _MASK_32 = type(uint32).max;
    uint256 private constant _MASK_24 = type(uint24).max;
    uint256 private constant _CAPACITY_SHIFT = 160;
    uint256 private constant _COMMISSIONED_SHIFT = 192;
    uint256 private constant _INDEX_SHIFT = 224;
    uint256 private constant _STATUS_SHIFT = 248;
    uint256 private constant _PENDING_BIT = 1 << 255;

    /// @notice A device word without a pending change. Every argument fits its field by its type.
    function pack(
        address signer_,
        uint32 ratedCapacityW_,
        uint32 commissionedAt_,
        uint24 index_,
        IMeterRegistry.MeterStatus status_
    ) internal pure returns (DeviceWord) {
        return
            DeviceWord.wrap(
                uint256(uint160(signer_)) |
                    (uint256(ratedCapacityW_) << _CAPACITY_SHIFT) |
                    (uint256(commissionedAt_) << _COMMISSIONED_SHIFT) |
                    (uint256(index_) << _INDEX_SHIFT) |
                    (uint256(status_) << _STATUS_SHIFT)
            );
    }

    function signer(DeviceWord word) internal pure returns (address) {
        return address(uint160(DeviceWord.unwrap(word) & _MASK_160));
    }

    function ratedCapacityW(DeviceWord word) internal pure returns (uint32) {
        return uint32((DeviceWord.unwrap(word) >> _CAPACITY_SHIFT) & _MASK_32);
    }

    function commissionedAt(DeviceWord word) internal pure returns (uint32) {
        return uint32((DeviceWord.unwrap(word) >> _COMMISSIONED_SHIFT) & _MASK_32);
    }

    function index(DeviceWord word) internal pure returns (uint24) {
        return uint24((DeviceWord.unwrap(word) >> _INDEX_SHIFT) & _MASK_24);
    }

    /// @dev Two bits hold the four statuses; the enum conversion cannot fail.
    function status(DeviceWord word) internal pure returns (IMeterRegistry.MeterStatus) {
        return IMeterRegistry.MeterStatus((DeviceWord.unwrap(word) >> _STATUS_SHIFT) & 3);
    }

    function hasPending(DeviceWord word) internal pure returns (bool) {
        return DeviceWord.unwrap(word) & _PENDING_BIT != 0;
    }

    /// @notice `word` with `signer_` and `ratedCapacityW_` in place of its own.
    function withKeyAndCapacity(
        DeviceWord word,
        address signer_,
        uint32 ratedCapacityW_
    ) internal pure returns (DeviceWord) {
        uint256 kept = DeviceWord.unwrap(word) & ~(_MASK_160 | (_MASK_32 << _CAPACITY_SHIFT));
        return
            DeviceWord.wrap(kept | uint256(uint160(signer_)) | (uint256(ratedCapacityW_) << _CAPACITY_SHIFT));
    }

    function withStatus(
        DeviceWord word,
        IMeterRegistry.MeterStatus status_
    ) internal pure returns (DeviceWord) {
        uint256 kept = DeviceWord.unwrap(word) & ~(uint256(3) << _STATUS_SHIFT);
        return DeviceWord.wrap(kept | (uint256(status_) << _STATUS_SHIFT));
    }

    function withPending(DeviceWord word, bool pending) internal pure returns (DeviceWord) {
        uint256 kept = DeviceWord.unwrap(word) & ~_PENDING_BIT;
        return DeviceWord.wrap(pending ? kept | _PENDING_BIT : kept);
    }
}
