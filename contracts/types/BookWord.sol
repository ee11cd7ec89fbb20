// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @dev The market's book word, one per ring position (SlotBook).
/// | 30 minBuyPrice | 32 gridOperatorId | 32 penalty | 32 collateral | 32 minOrderWh | 2 status | 16 sells |
///   255       226   225            194   193    162   161       130   129        98   97    96   95   80
/// | 16 buys | 64 slot |
///   79  64   63   0
/// The four parameters and the grid operator's account id are the slot's snapshot, taken at its first order
/// (minBuyPrice: the lowest limit a buy order may name, token base units per Wh; gridOperatorId: the ledger
/// account credited with the slot's shortfall payments and penalties). The parameters' bounds (at most
/// 1,000,000 per Wh) fit their fields with room to spare.
type BookWord is uint256;

using BookWordLibrary for BookWord global;

/// @title BookWordLibrary
/// @notice Packs and reads book words. Packing uses SafeCast; reading masks each field.
library BookWordLibrary {
    using SafeCast for uint256;

    uint256 internal constant STATUS_NONE = 0;
    uint256 internal constant STATUS_OPEN = 1;
    uint256 internal constant STATUS_CLEARED = 2;
    uint256 internal constant STATUS_SETTLED = 3;

    /// @dev The side bit of a buy order (OrderPacking.SIDE_BUY).
    uint256 private constant _SIDE_BUY = 0;

    uint256 private constant _SHIFT_BUYS = 64;
    uint256 private constant _SHIFT_SELLS = 80;
    uint256 private constant _SHIFT_STATUS = 96;
    uint256 private constant _SHIFT_MIN_ORDER = 98;
    uint256 private constant _SHIFT_COLLATERAL = 130;
    uint256 private constant _SHIFT_PENALTY = 162;
    uint256 private constant _SHIFT_GRID_OPERATOR = 194;
    uint256 private constant _SHIFT_MIN_BUY_PRICE = 226;
    uint256 private constant _MASK_16 = type(uint16).max;
    uint256 private constant _MASK_30 = (1 << 30) - 1;
    uint256 private constant _MASK_32 = type(uint32).max;

    /// @notice An unpacked book word.
    struct Fields {
        uint64 slot;
        uint16 buyCount;
        uint16 sellCount;
        uint8 status;
        uint32 minOrderWh;
        uint32 collateralPerWh;
        uint32 penaltyPerWh;
        uint32 minBuyPricePerWh;
        uint32 gridOperatorId;
    }

    /// @notice A new open book for `slotOfBook` with no orders and the given snapshot: parameters (minimum order
    /// in Wh, seller collateral, shortfall penalty and minimum buy price, token base units per Wh) and the
    /// grid operator's ledger account id.
    function packNew(
        uint64 slotOfBook,
        uint256 minOrder,
        uint256 collateral,
        uint256 penalty,
        uint256 minBuyPrice,
        uint32 gridOperatorAccountId
    ) internal pure returns (BookWord) {
        if (minBuyPrice > _MASK_30) revert SafeCast.SafeCastOverflowedUintDowncast(30, minBuyPrice);
        return
            BookWord.wrap(
                uint256(slotOfBook) |
                    (STATUS_OPEN << _SHIFT_STATUS) |
                    (uint256(minOrder.toUint32()) << _SHIFT_MIN_ORDER) |
                    (uint256(collateral.toUint32()) << _SHIFT_COLLATERAL) |
                    (uint256(penalty.toUint32()) << _SHIFT_PENALTY) |
                    (uint256(gridOperatorAccountId) << _SHIFT_GRID_OPERATOR) |
                    (minBuyPrice << _SHIFT_MIN_BUY_PRICE)
            );
    }

    /// @notice Packs every field; used by tests.
    function packFields(Fields memory f) internal pure returns (BookWord) {
        if (f.status > 3) revert SafeCast.SafeCastOverflowedUintDowncast(2, f.status);
        if (f.minBuyPricePerWh > _MASK_30)
            revert SafeCast.SafeCastOverflowedUintDowncast(30, f.minBuyPricePerWh);
        return
            BookWord.wrap(
                (uint256(f.minBuyPricePerWh) << _SHIFT_MIN_BUY_PRICE) |
                    uint256(f.slot) |
                    (uint256(f.buyCount) << _SHIFT_BUYS) |
                    (uint256(f.sellCount) << _SHIFT_SELLS) |
                    (uint256(f.status) << _SHIFT_STATUS) |
                    (uint256(f.minOrderWh) << _SHIFT_MIN_ORDER) |
                    (uint256(f.collateralPerWh) << _SHIFT_COLLATERAL) |
                    (uint256(f.penaltyPerWh) << _SHIFT_PENALTY) |
                    (uint256(f.gridOperatorId) << _SHIFT_GRID_OPERATOR)
            );
    }

    /// @notice Unpacks every field.
    function unpack(BookWord book) internal pure returns (Fields memory f) {
        uint256 b = BookWord.unwrap(book);
        f.slot = uint64(b);
        f.buyCount = uint16(b >> _SHIFT_BUYS);
        f.sellCount = uint16(b >> _SHIFT_SELLS);
        f.status = uint8((b >> _SHIFT_STATUS) & 3);
        f.minOrderWh = uint32(b >> _SHIFT_MIN_ORDER);
        f.collateralPerWh = uint32(b >> _SHIFT_COLLATERAL);
        f.penaltyPerWh = uint32(b >> _SHIFT_PENALTY);
        f.minBuyPricePerWh = uint32(b >> _SHIFT_MIN_BUY_PRICE);
        f.gridOperatorId = uint32(b >> _SHIFT_GRID_OPERATOR);
    }

    function slot(BookWord book) internal pure returns (uint64) {
        return uint64(BookWord.unwrap(book));
    }

    function buyCount(BookWord book) internal pure returns (uint256) {
        return (BookWord.unwrap(book) >> _SHIFT_BUYS) & _MASK_16;
    }

    function sellCount(BookWord book) internal pure returns (uint256) {
        return (BookWord.unwrap(book) >> _SHIFT_SELLS) & _MASK_16;
    }

    function status(BookWord book) internal pure returns (uint256) {
        return (BookWord.unwrap(book) >> _SHIFT_STATUS) & 3;
    }

    function minOrderWh(BookWord book) internal pure returns (uint256) {
        return (BookWord.unwrap(book) >> _SHIFT_MIN_ORDER) & _MASK_32;
    }

    function collateralPerWh(BookWord book) internal pure returns (uint256) {
        return (BookWord.unwrap(book) >> _SHIFT_COLLATERAL) & _MASK_32;
    }

    function penaltyPerWh(BookWord book) internal pure returns (uint256) {
        return (BookWord.unwrap(book) >> _SHIFT_PENALTY) & _MASK_32;
    }

    /// @notice The ledger account id credited with the slot's grid share (see MarketLedger).
    function gridOperatorId(BookWord book) internal pure returns (uint32) {
        return uint32(BookWord.unwrap(book) >> _SHIFT_GRID_OPERATOR);
    }

    function minBuyPricePerWh(BookWord book) internal pure returns (uint256) {
        return BookWord.unwrap(book) >> _SHIFT_MIN_BUY_PRICE;
    }

    /// @notice `book` with one more order on `side`; the caller checks the per-side cap, which is far
    /// below 2^16, before calling.
    function withOrderAdded(BookWord book, uint256 side) internal pure returns (BookWord) {
        return
            BookWord.wrap(
                BookWord.unwrap(book) + (uint256(1) << (side == _SIDE_BUY ? _SHIFT_BUYS : _SHIFT_SELLS))
            );
    }

    /// @notice `book` with its status set to `newStatus`.
    function withStatus(BookWord book, uint256 newStatus) internal pure returns (BookWord) {
        return
            BookWord.wrap(
                (BookWord.unwrap(book) & ~(uint256(3) << _SHIFT_STATUS)) | ((newStatus & 3) << _SHIFT_STATUS)
            );
    }
}
