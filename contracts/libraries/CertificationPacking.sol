// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @dev Progress of one slot's certification (EnergyCertificates), one word per slot:
/// | 190 free | 1 buyersDone | 1 sellersDone | 32 buyCursor | 32 sellCursor |
///   255  66    65            64              63   32         31    0
/// sellCursor / buyCursor: the next sell / buy order index a page starts from.
type SlotCertification is uint256;

/// @dev One vintage (slot, renewable source) of a slot being certified, one word per (slot, source):
/// | 64 free | 32 remainderMeterDeliveredWh | 32 remainderMeterIndex | 64 claimedWh | 64 deliveredWh |
///   255 192   191                      160   159                 128   127    64    63     0
/// deliveredWh: the Wh the market delivered from the vintage's certified meters (the buyers' pool);
/// claimedWh: what the buyers' claims credited so far; remainderMeter*: the certified meter of the vintage
/// with the largest delivery (first on ties), whose owner gets the pool's rounding remainder.
type Vintage is uint256;

/// @title CertificationPacking
/// @notice Bit layouts of EnergyCertificates' per-slot certification words.
library CertificationPacking {
    using SafeCast for uint256;

    uint256 private constant _MASK_32 = type(uint32).max;
    uint256 private constant _MASK_64 = type(uint64).max;
    uint256 private constant _SELLERS_DONE = 1 << 64;
    uint256 private constant _BUYERS_DONE = 1 << 65;

    function sellCursor(SlotCertification c) internal pure returns (uint256) {
        return SlotCertification.unwrap(c) & _MASK_32;
    }

    function buyCursor(SlotCertification c) internal pure returns (uint256) {
        return (SlotCertification.unwrap(c) >> 32) & _MASK_32;
    }

    function sellersDone(SlotCertification c) internal pure returns (bool) {
        return SlotCertification.unwrap(c) & _SELLERS_DONE != 0;
    }

    function buyersDone(SlotCertification c) internal pure returns (bool) {
        return SlotCertification.unwrap(c) & _BUYERS_DONE != 0;
    }

    function pack(
        uint256 sellCursor_,
        uint256 buyCursor_,
        bool sellersDone_,
        bool buyersDone_
    ) internal pure returns (SlotCertification) {
        return
            SlotCertification.wrap(
                uint256(sellCursor_.toUint32()) |
                    (uint256(buyCursor_.toUint32()) << 32) |
                    (sellersDone_ ? _SELLERS_DONE : 0) |
                    (buyersDone_ ? _BUYERS_DONE : 0)
            );
    }

    function deliveredWh(Vintage v) internal pure returns (uint256) {
        return Vintage.unwrap(v) & _MASK_64;
    }

    function claimedWh(Vintage v) internal pure returns (uint256) {
        return (Vintage.unwrap(v) >> 64) & _MASK_64;
    }

    function remainderMeterIndex(Vintage v) internal pure returns (uint32) {
        return uint32(Vintage.unwrap(v) >> 128);
    }

    function remainderMeterDeliveredWh(Vintage v) internal pure returns (uint256) {
        return (Vintage.unwrap(v) >> 160) & _MASK_32;
    }

    function packVintage(
        uint256 deliveredWh_,
        uint256 claimedWh_,
        uint256 remainderMeterIndex_,
        uint256 remainderMeterDeliveredWh_
    ) internal pure returns (Vintage) {
        return
            Vintage.wrap(
                uint256(deliveredWh_.toUint64()) |
                    (uint256(claimedWh_.toUint64()) << 64) |
                    (uint256(remainderMeterIndex_.toUint32()) << 128) |
                    (uint256(remainderMeterDeliveredWh_.toUint32()) << 160)
            );
    }
}
