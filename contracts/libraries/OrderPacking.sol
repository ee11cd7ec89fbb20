// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title OrderPacking
/// @notice Bit layouts of the market's packed storage words and of its order ids. Pure functions only:
/// the market keeps one word per order, one book word and one result word per ring position.
/// @dev Packing uses SafeCast so a value that does not fit its field reverts instead of bleeding into the
/// next field. Unpacking masks each field.
library OrderPacking {
    using SafeCast for uint256;

    // ----------------------------------------------------------------------------------------------
    // Order word
    // | 30 generation | 2 status | 48 fillWh | 64 limitPrice | 48 quantityWh | 32 meterIndex | 32 accountId |
    //   255 ...   226   225  224   223  176    175     112      111      64      63       32     31       0
    // generation = (slot / RING) mod 2^30: tells the order of slot s from the one of slot s - k * RING that
    // used the same storage word earlier. meterIndex is 0 for buy orders.
    // ----------------------------------------------------------------------------------------------

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
    uint256 private constant _SHIFT_FILL = 176;
    uint256 private constant _SHIFT_STATUS = 224;
    uint256 private constant _SHIFT_GENERATION = 226;

    /// @notice An unpacked order word.
    struct OrderFields {
        uint32 accountId;
        uint32 meterIndex;
        uint48 quantityWh;
        uint64 limitPrice;
        uint48 fillWh;
        uint8 status;
        uint32 generation;
    }

    /// @notice Packs a live order with no fill yet.
    function packOrder(
        uint256 accountId,
        uint256 meterIndex,
        uint256 quantityWh,
        uint256 limitPrice,
        uint256 generation
    ) internal pure returns (uint256) {
        return
            uint256(accountId.toUint32()) |
            (uint256(meterIndex.toUint32()) << _SHIFT_METER) |
            (uint256(quantityWh.toUint48()) << _SHIFT_QUANTITY) |
            (uint256(limitPrice.toUint64()) << _SHIFT_PRICE) |
            (STATUS_LIVE << _SHIFT_STATUS) |
            ((generation & _MASK_GENERATION) << _SHIFT_GENERATION);
    }

    /// @notice Packs every field; used by tests and by nothing that needs speed.
    function packOrderFields(OrderFields memory f) internal pure returns (uint256 word) {
        if (f.status > 3) revert SafeCast.SafeCastOverflowedUintDowncast(2, f.status);
        if (f.generation > _MASK_GENERATION) revert SafeCast.SafeCastOverflowedUintDowncast(30, f.generation);
        word =
            uint256(f.accountId) |
            (uint256(f.meterIndex) << _SHIFT_METER) |
            (uint256(f.quantityWh) << _SHIFT_QUANTITY) |
            (uint256(f.limitPrice) << _SHIFT_PRICE) |
            (uint256(f.fillWh) << _SHIFT_FILL) |
            (uint256(f.status) << _SHIFT_STATUS) |
            (uint256(f.generation) << _SHIFT_GENERATION);
    }

    /// @notice Unpacks every field.
    function unpackOrder(uint256 word) internal pure returns (OrderFields memory f) {
        f.accountId = uint32(word);
        f.meterIndex = uint32(word >> _SHIFT_METER);
        f.quantityWh = uint48(word >> _SHIFT_QUANTITY);
        f.limitPrice = uint64(word >> _SHIFT_PRICE);
        f.fillWh = uint48(word >> _SHIFT_FILL);
        f.status = uint8((word >> _SHIFT_STATUS) & 3);
        f.generation = uint32(word >> _SHIFT_GENERATION);
    }

    function accountIdOf(uint256 word) internal pure returns (uint32) {
        return uint32(word);
    }

    function meterIndexOf(uint256 word) internal pure returns (uint32) {
        return uint32(word >> _SHIFT_METER);
    }

    function quantityOf(uint256 word) internal pure returns (uint256) {
        return (word >> _SHIFT_QUANTITY) & _MASK_48;
    }

    function limitPriceOf(uint256 word) internal pure returns (uint256) {
        return (word >> _SHIFT_PRICE) & _MASK_64;
    }

    function fillOf(uint256 word) internal pure returns (uint256) {
        return (word >> _SHIFT_FILL) & _MASK_48;
    }

    function statusOf(uint256 word) internal pure returns (uint256) {
        return (word >> _SHIFT_STATUS) & 3;
    }

    function generationOf(uint256 word) internal pure returns (uint256) {
        return word >> _SHIFT_GENERATION;
    }

    /// @notice The top 32 bits of a live order word of `slot`'s generation: | 30 generation | 2 status |.
    /// Comparing `word >> 224` with it checks "live and of this slot" at once.
    function liveTagOfSlot(uint64 slot, uint256 ring) internal pure returns (uint256) {
        return (generationOfSlot(slot, ring) << 2) | STATUS_LIVE;
    }

    /// @notice The top 32 bits of an order word (generation and status).
    function tagOf(uint256 word) internal pure returns (uint256) {
        return word >> _SHIFT_STATUS;
    }

    /// @notice The generation field value of `slot` for a ring of `ring` positions.
    function generationOfSlot(uint64 slot, uint256 ring) internal pure returns (uint256) {
        return (uint256(slot) / ring) & _MASK_GENERATION;
    }

    /// @notice `word` with its fill set to `fillWh` (the fill field must be zero before).
    function withFill(uint256 word, uint256 fillWh) internal pure returns (uint256) {
        return word | (uint256(fillWh.toUint48()) << _SHIFT_FILL);
    }

    // ----------------------------------------------------------------------------------------------
    // Cleared sell order word: a sell order with a fill, once its slot is cleared
    // | 30 generation | 2 status | 48 fillWh | 32 meterFillWh | 32 priorFillWh | 48 quantity | 32 meter | 32 acct |
    //   255 ...   226   225  224   223  176    175        144    143        112    111   64    63   32   31    0
    // The limit price field of the order word is reused once the limit has done its work (a filled sell's
    // limit is in its OrderPlaced event): priorFillWh = the fills of the same meter's filled sell orders with
    // a lower index in the slot, meterFillWh = the fills of all of them, each capped at 2^32 - 1. A meter's
    // export is at most 2^31 - 1 Wh per slot (ReadingPacking.MAX_WH_PER_SLOT), so the caps never change
    // min(fill, export - prior) nor min(export, meterFill). With them, settlement and certification can take
    // a slot's sell orders in any pages: no state has to be carried from one order to the next.
    // ----------------------------------------------------------------------------------------------

    uint256 private constant _SHIFT_PRIOR = 112;
    uint256 private constant _SHIFT_METER_FILL = 144;

    /// @notice A sell `word` whose fill is set (`withFill`) with its meter's fill bookkeeping in place of its
    /// limit price.
    function withMeterFills(
        uint256 word,
        uint256 priorFillWh,
        uint256 meterFillWh
    ) internal pure returns (uint256) {
        return
            (word & ~(_MASK_64 << _SHIFT_PRICE)) |
            (_cap32(priorFillWh) << _SHIFT_PRIOR) |
            (_cap32(meterFillWh) << _SHIFT_METER_FILL);
    }

    /// @notice Fills of the same meter's filled sell orders before this one (capped at 2^32 - 1).
    function priorFillOf(uint256 word) internal pure returns (uint256) {
        return (word >> _SHIFT_PRIOR) & _MASK_32;
    }

    /// @notice Fills of all the meter's filled sell orders in the slot (capped at 2^32 - 1).
    function meterFillOf(uint256 word) internal pure returns (uint256) {
        return (word >> _SHIFT_METER_FILL) & _MASK_32;
    }

    function _cap32(uint256 value) private pure returns (uint256) {
        return value > _MASK_32 ? _MASK_32 : value;
    }

    /// @notice `word` with its status set to `status`.
    function withStatus(uint256 word, uint256 status) internal pure returns (uint256) {
        return (word & ~(uint256(3) << _SHIFT_STATUS)) | ((status & 3) << _SHIFT_STATUS);
    }

    // ----------------------------------------------------------------------------------------------
    // Order id
    // | 128 zero | 64 slot | 31 zero | 1 side | 32 index within the side |
    // Buy and sell orders of a slot are numbered separately from 0 in arrival order, so that settlement
    // walks the sell orders alone; ascending order id within a side is arrival order.
    // ----------------------------------------------------------------------------------------------

    uint256 internal constant SIDE_BUY = 0;
    uint256 internal constant SIDE_SELL = 1;

    /// @notice Thrown when an order id has bits set outside its fields.
    error OrderPackingMalformedId(uint256 orderId);

    function orderId(uint64 slot, uint256 side, uint256 index) internal pure returns (uint256) {
        return (uint256(slot) << 64) | ((side & 1) << 32) | uint256(index.toUint32());
    }

    function decodeOrderId(uint256 id) internal pure returns (uint64 slot, uint256 side, uint256 index) {
        if ((id >> 128) != 0 || ((id >> 33) & ((1 << 31) - 1)) != 0) revert OrderPackingMalformedId(id);
        slot = uint64(id >> 64);
        side = (id >> 32) & 1;
        index = id & _MASK_32;
    }

    // ----------------------------------------------------------------------------------------------
    // Book word (one per ring position)
    // | 30 minBuyPrice | 48 penalty | 48 collateral | 32 minOrderWh | 2 status | 16 sells | 16 buys | 64 slot |
    //   255       226   225    178   177       130   129        98   97    96   95   80   79  64   63   0
    // The four parameters are the slot's snapshot, taken at its first order (minBuyPrice: the lowest limit
    // a buy order may name, token base units per Wh).
    // ----------------------------------------------------------------------------------------------

    uint256 internal constant BOOK_NONE = 0;
    uint256 internal constant BOOK_OPEN = 1;
    uint256 internal constant BOOK_CLEARED = 2;
    uint256 internal constant BOOK_SETTLED = 3;

    uint256 private constant _SHIFT_BUYS = 64;
    uint256 private constant _SHIFT_SELLS = 80;
    uint256 private constant _SHIFT_BOOK_STATUS = 96;
    uint256 private constant _SHIFT_MIN_ORDER = 98;
    uint256 private constant _SHIFT_COLLATERAL = 130;
    uint256 private constant _SHIFT_PENALTY = 178;
    uint256 private constant _SHIFT_MIN_BUY_PRICE = 226;
    uint256 private constant _MASK_30 = (1 << 30) - 1;
    uint256 private constant _MASK_16 = type(uint16).max;

    /// @notice An unpacked book word.
    struct BookFields {
        uint64 slot;
        uint16 buyCount;
        uint16 sellCount;
        uint8 status;
        uint32 minOrderWh;
        uint48 collateralPerWh;
        uint48 penaltyPerWh;
        uint32 minBuyPricePerWh;
    }

    /// @notice A new open book for `slot` with no orders and the given parameter snapshot.
    function packNewBook(
        uint64 slot,
        uint256 minOrderWh,
        uint256 collateralPerWh,
        uint256 penaltyPerWh,
        uint256 minBuyPricePerWh
    ) internal pure returns (uint256) {
        if (minBuyPricePerWh > _MASK_30) revert SafeCast.SafeCastOverflowedUintDowncast(30, minBuyPricePerWh);
        return
            uint256(slot) |
            (BOOK_OPEN << _SHIFT_BOOK_STATUS) |
            (uint256(minOrderWh.toUint32()) << _SHIFT_MIN_ORDER) |
            (uint256(collateralPerWh.toUint48()) << _SHIFT_COLLATERAL) |
            (uint256(penaltyPerWh.toUint48()) << _SHIFT_PENALTY) |
            (minBuyPricePerWh << _SHIFT_MIN_BUY_PRICE);
    }

    /// @notice Packs every field; used by tests.
    function packBookFields(BookFields memory f) internal pure returns (uint256) {
        if (f.status > 3) revert SafeCast.SafeCastOverflowedUintDowncast(2, f.status);
        if (f.minBuyPricePerWh > _MASK_30)
            revert SafeCast.SafeCastOverflowedUintDowncast(30, f.minBuyPricePerWh);
        return
            (uint256(f.minBuyPricePerWh) << _SHIFT_MIN_BUY_PRICE) |
            uint256(f.slot) |
            (uint256(f.buyCount) << _SHIFT_BUYS) |
            (uint256(f.sellCount) << _SHIFT_SELLS) |
            (uint256(f.status) << _SHIFT_BOOK_STATUS) |
            (uint256(f.minOrderWh) << _SHIFT_MIN_ORDER) |
            (uint256(f.collateralPerWh) << _SHIFT_COLLATERAL) |
            (uint256(f.penaltyPerWh) << _SHIFT_PENALTY);
    }

    /// @notice Unpacks every field.
    function unpackBook(uint256 book) internal pure returns (BookFields memory f) {
        f.slot = uint64(book);
        f.buyCount = uint16(book >> _SHIFT_BUYS);
        f.sellCount = uint16(book >> _SHIFT_SELLS);
        f.status = uint8((book >> _SHIFT_BOOK_STATUS) & 3);
        f.minOrderWh = uint32(book >> _SHIFT_MIN_ORDER);
        f.collateralPerWh = uint48(book >> _SHIFT_COLLATERAL);
        f.penaltyPerWh = uint48(book >> _SHIFT_PENALTY);
        f.minBuyPricePerWh = uint32(book >> _SHIFT_MIN_BUY_PRICE);
    }

    function bookSlot(uint256 book) internal pure returns (uint64) {
        return uint64(book);
    }

    function bookBuyCount(uint256 book) internal pure returns (uint256) {
        return (book >> _SHIFT_BUYS) & _MASK_16;
    }

    function bookSellCount(uint256 book) internal pure returns (uint256) {
        return (book >> _SHIFT_SELLS) & _MASK_16;
    }

    function bookStatus(uint256 book) internal pure returns (uint256) {
        return (book >> _SHIFT_BOOK_STATUS) & 3;
    }

    function bookMinOrderWh(uint256 book) internal pure returns (uint256) {
        return (book >> _SHIFT_MIN_ORDER) & _MASK_32;
    }

    function bookCollateralPerWh(uint256 book) internal pure returns (uint256) {
        return (book >> _SHIFT_COLLATERAL) & _MASK_48;
    }

    function bookPenaltyPerWh(uint256 book) internal pure returns (uint256) {
        return (book >> _SHIFT_PENALTY) & _MASK_48;
    }

    function bookMinBuyPricePerWh(uint256 book) internal pure returns (uint256) {
        return book >> _SHIFT_MIN_BUY_PRICE;
    }

    /// @notice `book` with one more order on `side`; the caller checks the per-side cap, which is far
    /// below 2^16, before calling.
    function bookWithOrderAdded(uint256 book, uint256 side) internal pure returns (uint256) {
        return book + (uint256(1) << (side == SIDE_BUY ? _SHIFT_BUYS : _SHIFT_SELLS));
    }

    /// @notice `book` with its status set to `status`.
    function bookWithStatus(uint256 book, uint256 status) internal pure returns (uint256) {
        return (book & ~(uint256(3) << _SHIFT_BOOK_STATUS)) | ((status & 3) << _SHIFT_BOOK_STATUS);
    }

    // ----------------------------------------------------------------------------------------------
    // Result word (one per ring position, meaningful once the book is Cleared or Settled)
    // | 64 free | 64 quantityWh (Q) | 64 free | 64 price (P) |
    // ----------------------------------------------------------------------------------------------

    function packResult(uint256 price, uint256 quantityWh) internal pure returns (uint256) {
        return uint256(price.toUint64()) | (uint256(quantityWh.toUint64()) << 128);
    }

    function resultPrice(uint256 result) internal pure returns (uint256) {
        return result & _MASK_64;
    }

    function resultQuantity(uint256 result) internal pure returns (uint256) {
        return (result >> 128) & _MASK_64;
    }
}
