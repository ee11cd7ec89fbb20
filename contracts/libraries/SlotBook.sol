// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IEnergyMarket} from "../interfaces/IEnergyMarket.sol";
import {ISettlementHook} from "../interfaces/ISettlementHook.sol";
import {BookWord, BookWordLibrary} from "../types/BookWord.sol";
import {OrderWord, OrderWordLibrary} from "../types/OrderWord.sol";
import {ResultWord} from "../types/ResultWord.sol";
import {MarketLedger} from "./MarketLedger.sol";
import {OrderPacking} from "./OrderPacking.sol";

/// @title SlotBook
/// @notice The market's order books: one word per order and a book word and a result word per ring position
/// (slot % RING), reused every RING slots so that steady-state orders overwrite words instead of creating
/// them. Placement with the per-side cap, cancelled-index reuse and eviction, and cancellation.
library SlotBook {
    using MarketLedger for MarketLedger.State;

    /// @dev Number of ring positions: slot s lives at position s % RING until slot s + RING opens.
    uint256 internal constant RING = 256;

    /// @dev The books' storage, in the order (and so at the slots) of the market's former state variables.
    struct State {
        /// @dev Order words keyed by | ring position | side (1 bit) | index (32 bits) | (`orderKey`).
        mapping(uint256 key => OrderWord word) orders;
        /// @dev Book word per ring position.
        BookWord[RING] books;
        /// @dev Result word (P and Q) per ring position.
        ResultWord[RING] results;
    }

    /// @dev A new book for the first order of `slot` with the parameters `p`, after checking that the ring
    /// position is free: neither open nor cleared, and not held by the settlement hook.
    function openBook(
        State storage self,
        uint64 slot,
        BookWord oldBook,
        ISettlementHook hook,
        IEnergyMarket.MarketParams memory p,
        uint32 gridOperatorId
    ) internal view returns (BookWord) {
        uint256 oldStatus = oldBook.status();
        if (oldStatus == BookWordLibrary.STATUS_OPEN || oldStatus == BookWordLibrary.STATUS_CLEARED) {
            revert IEnergyMarket.MarketRingSlotBusy(slot, oldBook.slot());
        }
        // A settled slot that traded keeps its ring position until its certificates are all delivered: they
        // are computed from its fills. Settled slots that traded nothing have a zero result word.
        if (
            oldStatus == BookWordLibrary.STATUS_SETTLED &&
            address(hook) != address(0) &&
            self.results[slot % RING].quantityWh() != 0 &&
            hook.holdsRingPosition(oldBook.slot())
        ) revert IEnergyMarket.MarketRingSlotBusy(slot, oldBook.slot());
        return
            BookWordLibrary.packNew(
                slot,
                p.minOrderWh,
                p.sellerCollateralPerWh,
                p.penaltyPerWh,
                p.minBuyPricePerWh,
                gridOperatorId
            );
    }

    /// @dev The side bit, the lock and the order word (without its account id) of a new order of `slot`;
    /// `meterIndex` is 0 for a buy.
    function orderTerms(
        BookWord book,
        uint64 slot,
        bool sell,
        uint256 quantityWh,
        uint256 limitPrice,
        uint32 meterIndex
    ) internal pure returns (uint256 sideBit, uint256 lock, OrderWord word) {
        if (!sell) {
            uint256 minPrice = book.minBuyPricePerWh();
            if (limitPrice < minPrice) revert IEnergyMarket.MarketPriceBelowMinimum(limitPrice, minPrice);
            // < 2^48 * 2^64: no overflow.
            lock = quantityWh * limitPrice;
        } else {
            sideBit = OrderPacking.SIDE_SELL;
            lock = quantityWh * book.collateralPerWh();
        }
        word = OrderWordLibrary.pack(
            0,
            meterIndex,
            quantityWh,
            limitPrice,
            OrderWordLibrary.generationOfSlot(slot, RING)
        );
    }

    /// @dev Stores a new order word at the next index of its side and counts it in the book or, on a full
    /// side (`maxPerSide` orders), at the index `_freeIndexOfFullSide` frees.
    function record(
        State storage self,
        MarketLedger.State storage ledger,
        uint64 slot,
        uint256 position,
        BookWord book,
        uint256 sideBit,
        OrderWord word,
        uint256 maxPerSide
    ) internal returns (uint256 orderId) {
        uint256 count = sideBit == OrderPacking.SIDE_BUY ? book.buyCount() : book.sellCount();
        uint256 index = count;
        if (count < maxPerSide)
            self.books[position] = book.withOrderAdded(sideBit);
            // A full side holds exactly `maxPerSide` orders: the count never passes the cap.
        else index = _freeIndexOfFullSide(self, ledger, slot, book, sideBit, word, maxPerSide);
        self.orders[orderKey(position, sideBit, index)] = word;
        orderId = OrderPacking.orderId(slot, sideBit, index);
    }

    /// @dev Cancels the caller's live order `orderId` (slot, side bit and index decoded by the caller, which
    /// checked the gate and the horizon) and releases its lock. Returns the amount released.
    function cancel(
        State storage self,
        MarketLedger.State storage ledger,
        uint256 orderId,
        uint64 slot,
        uint256 sideBit,
        uint256 index
    ) internal returns (uint256 released) {
        uint256 position = slot % RING;
        uint256 key = orderKey(position, sideBit, index);
        OrderWord word = self.orders[key];
        // Scoped: keeps the stack within reach of the storage pointers.
        {
            uint256 status = word.status();
            if (
                status == OrderWordLibrary.STATUS_NONE ||
                word.generation() != OrderWordLibrary.generationOfSlot(slot, RING)
            ) {
                revert IEnergyMarket.MarketUnknownOrder(orderId);
            }
            if (status != OrderWordLibrary.STATUS_LIVE) revert IEnergyMarket.MarketOrderNotLive(orderId);
        }
        uint32 accountId = word.accountId();
        if (ledger.idOf[msg.sender] != accountId)
            revert IEnergyMarket.MarketNotOrderOwner(orderId, msg.sender);

        released =
            word.quantityWh() *
            (sideBit == OrderPacking.SIDE_BUY ? word.limitPrice() : self.books[position].collateralPerWh());
        self.orders[key] = word.withStatus(OrderWordLibrary.STATUS_CANCELLED);
        if (released != 0) ledger.update(accountId, released, 0, 0, released);
    }

    /// @dev The key of an order word: | ring position | side (1 bit) | index (32 bits) |.
    function orderKey(uint256 position, uint256 sideBit, uint256 index) internal pure returns (uint256) {
        return (position << 33) | (sideBit << 32) | index;
    }

    /// @dev On a full side: the first cancelled order's index, else the index of the worst live order, evicted
    /// with its lock refunded, if `word`'s limit is strictly better; else reverts.
    function _freeIndexOfFullSide(
        State storage self,
        MarketLedger.State storage ledger,
        uint64 slot,
        BookWord book,
        uint256 sideBit,
        OrderWord word,
        uint256 maxPerSide
    ) private returns (uint256 index) {
        bool cancelled;
        OrderWord worst;
        (cancelled, index, worst) = _scanFullSide(self, slot, sideBit, maxPerSide);
        if (cancelled) return index;
        bool buys = sideBit == OrderPacking.SIDE_BUY;
        uint256 worstPrice = worst.limitPrice();
        {
            uint256 price = word.limitPrice();
            if (buys ? price <= worstPrice : price >= worstPrice) {
                revert IEnergyMarket.MarketSlotFull(slot, maxPerSide);
            }
        }
        _evict(
            ledger,
            OrderPacking.orderId(slot, sideBit, index),
            worst,
            buys ? worstPrice : book.collateralPerWh()
        );
    }

    /// @dev Refunds the lock of the evicted order `orderId` (word `worst`, `perWh` locked per Wh).
    function _evict(
        MarketLedger.State storage ledger,
        uint256 orderId,
        OrderWord worst,
        uint256 perWh
    ) private {
        // < 2^48 * 2^64: no overflow.
        uint256 released = worst.quantityWh() * perWh;
        ledger.update(worst.accountId(), released, 0, 0, released);
        emit IEnergyMarket.OrderEvicted(orderId, ledger.accountAt[worst.accountId()], released);
    }

    /// @dev One pass over a full side (at most the per-side cap of reads): the first cancelled order's index,
    /// or the worst live order (lowest buy / highest sell limit, the highest index among equals) and its word.
    function _scanFullSide(
        State storage self,
        uint64 slot,
        uint256 sideBit,
        uint256 count
    ) private view returns (bool cancelled, uint256 index, OrderWord worst) {
        uint256 liveTag = OrderWordLibrary.liveTagOfSlot(slot, RING);
        uint256 keyBase = orderKey(slot % RING, sideBit, 0);
        bool buys = sideBit == OrderPacking.SIDE_BUY;
        for (uint256 i; i < count; ++i) {
            OrderWord w = self.orders[keyBase | i];
            // Every word below `count` belongs to this slot: one that is not live was cancelled.
            if (w.tag() != liveTag) return (true, i, OrderWord.wrap(0));
            uint256 price = w.limitPrice();
            if (i == 0 || (buys ? price <= worst.limitPrice() : price >= worst.limitPrice())) {
                index = i;
                worst = w;
            }
        }
    }
}
