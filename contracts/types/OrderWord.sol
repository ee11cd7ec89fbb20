// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @dev The market's word per order, keyed by | ring position | side | index | (SlotBook).
/// | 30 generation | 2 status | 48 fillWh | 64 limitPrice | 48 quantityWh | 32 meterIndex | 32 accountId |
///   255 ...   226   225  224   223  176    175     112      111      64      63       32     31       0
/// generation = (slot / RING) mod 2^30: tells the order of slot s from the one of slot s - k * RING that
/// used the same storage word earlier. meterIndex is 0 for buy orders.
///
/// Cleared sell order word: a sell order with a fill, once its slot is cleared
/// | 30 generation | 2 status | 48 fillWh | 32 meterFillWh | 32 priorFillWh | 48 quantity | 32 meter | 32 acct |
///   255 ...   226   225  224   223  176    175        144    143        112    111   64    63   32   31    0
/// The limit price field is reused once the limit has done its work (a filled sell's limit is in its
/// OrderPlaced event): priorFillWh = the fills of the same meter's filled sell orders with a lower index in
/// the slot, meterFillWh = the fills of all of them, each capped at 2^32 - 1. A meter's export is at most
/// 2^31 - 1 Wh per slot (ReadingWordLibrary.MAX_WH_PER_SLOT), so the caps never change min(fill, export - prior)
/// nor min(export, meterFill). With them, settlement and certification can take a slot's sell orders in any
/// pages: no state has to be carried from one order to the next.
type OrderWord is uint256;

using OrderWordLibrary for OrderWord global;

/// @title OrderWordLibrary
/// @notice Packs and reads order words. Packing uses SafeCast so a value that does not fit its field
/// reverts instead of bleeding into the next field; reading masks each field.
library OrderWordLibrary {
    using SafeCast for uint256;

    uint256 internal constant STATUS_NONE = 0;
    uint256 internal constant STATUS_LIVE = 1;
    uint256 internal constant STATUS_CANCELLED = 2;

    uint256 private constant _MASK_32 = type(uint32).max;
    uint256 private constant _MASK_48 = type(uint48).max;
    uint256 private constant _MASK_64 = type(uint64).max;
    uint256 private constant _MASK_GENERATION = (1 << 30) - 1;

    uint256 private constant _SHIFT_METER = 32;
    uint256 private constant _SHIFT_QUANTITY = 64;
    uint256 private constant _SHIFT_PRICE = 112;
    uint256 private constant _SHIFT_PRIOR = 112;
    uint256 private constant _SHIFT_METER_FILL = 144;
    uint256 private constant _SHIFT_FILL = 176;
    uint256 private constant _SHIFT_STATUS = 224;
    uint256 private constant _SHIFT_GENERATION = 226;

    /// @notice An unpacked order word.
    struct Fields {
        uint32 accountId;
        uint32 meterIndex;
        uint48 quantityWh;
        uint64 limitPrice;
        uint48 fillWh;
        uint8 status;
        uint32 generation;
    }

    /// @notice Packs a live order (account id, meter index, quantity in Wh, limit price, generation) with no
    /// fill yet.
    function pack(
        uint256 account,
        uint256 meter,
        uint256 quantity,
        uint256 limit,
        uint256 gen
    ) internal pure returns (OrderWord) {
        return
            OrderWord.wrap(
                uint256(account.toUint32()) |
                    (uint256(meter.toUint32()) << _SHIFT_METER) |
                    (uint256(quantity.toUint48()) << _SHIFT_QUANTITY) |
                    (uint256(limit.toUint64()) << _SHIFT_PRICE) |
                    (STATUS_LIVE << _SHIFT_STATUS) |
                    ((gen & _MASK_GENERATION) << _SHIFT_GENERATION)
            );
    }

    /// @notice Packs every field; used by tests and by nothing that needs speed.
    function packFields(Fields memory f) internal pure returns (OrderWord) {
        if (f.status > 3) revert SafeCast.SafeCastOverflowedUintDowncast(2, f.status);
        if (f.generation > _MASK_GENERATION) revert SafeCast.SafeCastOverflowedUintDowncast(30, f.generation);
        return
            OrderWord.wrap(
                uint256(f.accountId) |
                    (uint256(f.meterIndex) << _SHIFT_METER) |
                    (uint256(f.quantityWh) << _SHIFT_QUANTITY) |
                    (uint256(f.limitPrice) << _SHIFT_PRICE) |
                    (uint256(f.fillWh) << _SHIFT_FILL) |
                    (uint256(f.status) << _SHIFT_STATUS) |
                    (uint256(f.generation) << _SHIFT_GENERATION)
            );
    }

    /// @notice Unpacks every field.
    function unpack(OrderWord word) internal pure returns (Fields memory f) {
        uint256 w = OrderWord.unwrap(word);
        f.accountId = uint32(w);
        f.meterIndex = uint32(w >> _SHIFT_METER);
        f.quantityWh = uint48(w >> _SHIFT_QUANTITY);
        f.limitPrice = uint64(w >> _SHIFT_PRICE);
        f.fillWh = uint48(w >> _SHIFT_FILL);
        f.status = uint8((w >> _SHIFT_STATUS) & 3);
        f.generation = uint32(w >> _SHIFT_GENERATION);
    }

    function accountId(OrderWord word) internal pure returns (uint32) {
        return uint32(OrderWord.unwrap(word));
    }

    function meterIndex(OrderWord word) internal pure returns (uint32) {
        return uint32(OrderWord.unwrap(word) >> _SHIFT_METER);
    }

    function quantityWh(OrderWord word) internal pure returns (uint256) {
        return (OrderWord.unwrap(word) >> _SHIFT_QUANTITY) & _MASK_48;
    }

    function limitPrice(OrderWord word) internal pure returns (uint256) {
        return (OrderWord.unwrap(word) >> _SHIFT_PRICE) & _MASK_64;
    }

    function fillWh(OrderWord word) internal pure returns (uint256) {
        return (OrderWord.unwrap(word) >> _SHIFT_FILL) & _MASK_48;
    }

    function status(OrderWord word) internal pure returns (uint256) {
        return (OrderWord.unwrap(word) >> _SHIFT_STATUS) & 3;
    }

    function generation(OrderWord word) internal pure returns (uint256) {
        return OrderWord.unwrap(word) >> _SHIFT_GENERATION;
    }

    /// @notice The top 32 bits of an order word (generation and status).
    function tag(OrderWord word) internal pure returns (uint256) {
        return OrderWord.unwrap(word) >> _SHIFT_STATUS;
    }

    /// @notice The top 32 bits of a live order word of `slot`'s generation: | 30 generation | 2 status |.
    /// Comparing a word's `tag()` with it checks "live and of this slot" at once.
    function liveTagOfSlot(uint64 slot, uint256 ring) internal pure returns (uint256) {
        return (generationOfSlot(slot, ring) << 2) | STATUS_LIVE;
    }

    /// @notice The generation field value of `slot` for a ring of `ring` positions.
    function generationOfSlot(uint64 slot, uint256 ring) internal pure returns (uint256) {
        return (uint256(slot) / ring) & _MASK_GENERATION;
    }

    /// @notice `word` with its fill set to `fill` (the fill field must be zero before).
    function withFill(OrderWord word, uint256 fill) internal pure returns (OrderWord) {
        return OrderWord.wrap(OrderWord.unwrap(word) | (uint256(fill.toUint48()) << _SHIFT_FILL));
    }

    /// @notice `word` with its status set to `newStatus`.
    function withStatus(OrderWord word, uint256 newStatus) internal pure returns (OrderWord) {
        return
            OrderWord.wrap(
                (OrderWord.unwrap(word) & ~(uint256(3) << _SHIFT_STATUS)) | ((newStatus & 3) << _SHIFT_STATUS)
            );
    }

    /// @notice A sell `word` whose fill is set (`withFill`) with its meter's fill bookkeeping in place of its
    /// limit price (the cleared sell order word).
    function withMeterFills(
        OrderWord word,
        uint256 priorFill,
        uint256 meterFill
    ) internal pure returns (OrderWord) {
        return
            OrderWord.wrap(
                (OrderWord.unwrap(word) & ~(_MASK_64 << _SHIFT_PRICE)) |
                    (_cap32(priorFill) << _SHIFT_PRIOR) |
                    (_cap32(meterFill) << _SHIFT_METER_FILL)
            );
    }

    /// @notice Cleared sell word: fills of the same meter's filled sell orders before this one (capped at
    /// 2^32 - 1).
    function priorFillWh(OrderWord word) internal pure returns (uint256) {
        return (OrderWord.unwrap(word) >> _SHIFT_PRIOR) & _MASK_32;
    }

    /// @notice Cleared sell word: fills of all the meter's filled sell orders in the slot (capped at 2^32 - 1).
    function meterFillWh(OrderWord word) internal pure returns (uint256) {
        return (OrderWord.unwrap(word) >> _SHIFT_METER_FILL) & _MASK_32;
    }

    function _cap32(uint256 value) private pure returns (uint256) {
        return value > _MASK_32 ? _MASK_32 : value;
    }
}
