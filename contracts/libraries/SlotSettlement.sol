// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SlotDerivation} from "@openzeppelin/contracts/utils/SlotDerivation.sol";
import {TransientSlot} from "@openzeppelin/contracts/utils/TransientSlot.sol";

import {IEnergyMarket} from "../interfaces/IEnergyMarket.sol";
import {IMeterRegistry} from "../interfaces/IMeterRegistry.sol";
import {BookWord} from "../types/BookWord.sol";
import {OrderWord, OrderWordLibrary} from "../types/OrderWord.sol";
import {MarketLedger} from "./MarketLedger.sol";
import {OrderPacking} from "./OrderPacking.sol";
import {SlotBook} from "./SlotBook.sol";
import {UniformPriceClearing} from "./UniformPriceClearing.sol";

/// @title SlotSettlement
/// @notice A slot's clearing and money settlement over the books and the ledger: applies the clearing fills
/// to orders and balances, records the sell orders' meter fills, and pays the sellers for what their meters
/// delivered.
library SlotSettlement {
    using MarketLedger for MarketLedger.State;
    using SlotDerivation for bytes32;
    using TransientSlot for bytes32;
    using TransientSlot for TransientSlot.Uint256Slot;

    /// @dev Transient namespace of the running fills of a meter's sell orders while `clear` records them.
    bytes32 private constant _METER_FILLS = keccak256("gridledger.market.meterFills");

    /// @dev One side of a book during clearing: live orders as clearing entries (sorted by `clear`), every
    /// order word of the side by order index, and the fills aligned with the sorted entries.
    struct BookSide {
        uint256[] entries;
        OrderWord[] words;
        uint256[] fills;
    }

    /// @dev Running totals of a settlement.
    struct Totals {
        uint256 deliveredWh;
        uint256 shortfallWh;
        uint256 penalties;
        uint256 gridOperatorPay;
    }

    /// @dev Runs the clearing rule on the live orders of `slot` (open book `book` at `position`) and applies
    /// the fills to orders and balances. Reverts when the buy fills or the sell fills differ from Q.
    function clear(
        SlotBook.State storage self,
        MarketLedger.State storage ledger,
        uint64 slot,
        uint256 position,
        BookWord book
    ) internal returns (UniformPriceClearing.Result memory r, uint256 liveBuys, uint256 liveSells) {
        BookSide memory buys = _loadLiveOrders(self, slot, position, OrderPacking.SIDE_BUY, book.buyCount());
        BookSide memory sells = _loadLiveOrders(
            self,
            slot,
            position,
            OrderPacking.SIDE_SELL,
            book.sellCount()
        );
        (r, buys.fills, sells.fills) = UniformPriceClearing.clear(buys.entries, sells.entries);
        uint256 boughtWh = _applyBuyFills(
            buys,
            r.price,
            SlotBook.orderKey(position, OrderPacking.SIDE_BUY, 0),
            OrderPacking.orderId(slot, OrderPacking.SIDE_BUY, 0),
            self,
            ledger
        );
        uint256 soldWh = _applySellFills(
            sells,
            book.collateralPerWh(),
            OrderPacking.orderId(slot, OrderPacking.SIDE_SELL, 0),
            ledger
        );
        _recordSellFills(self, slot, position, sells.words);
        if (boughtWh != r.quantityWh || soldWh != r.quantityWh) {
            revert IEnergyMarket.MarketConservationViolated(slot, boughtWh, soldWh, r.quantityWh);
        }
        return (r, buys.entries.length, sells.entries.length);
    }

    /// @dev Pays every filled sell order of the slot for what its meter delivered (from `registry`).
    function settleSells(
        SlotBook.State storage self,
        MarketLedger.State storage ledger,
        IMeterRegistry registry,
        uint64 slot,
        uint256 position,
        BookWord book,
        uint256 price
    ) internal returns (Totals memory totals) {
        uint256 count = book.sellCount();
        uint256 keyBase = SlotBook.orderKey(position, OrderPacking.SIDE_SELL, 0);
        for (uint256 i; i < count; ++i) {
            OrderWord word = self.orders[keyBase | i];
            uint256 fill = word.fillWh();
            // Cancelled and unfilled orders have no fill (their collateral was released already).
            if (fill == 0) continue;
            (uint256 delivered, uint256 penalty) = _settleSellOrder(
                ledger,
                registry,
                slot,
                word,
                price,
                book
            );
            emit IEnergyMarket.SellOrderSettled(
                slot,
                word.accountId(),
                OrderPacking.orderId(slot, OrderPacking.SIDE_SELL, i),
                delivered,
                penalty
            );
            uint256 shortfall = fill - delivered;
            totals.deliveredWh += delivered;
            totals.shortfallWh += shortfall;
            totals.penalties += penalty;
            totals.gridOperatorPay += price * shortfall + penalty;
        }
    }

    /// @dev Reads the live orders of one side into clearing entries (and all its words, by order index).
    function _loadLiveOrders(
        SlotBook.State storage self,
        uint64 slot,
        uint256 position,
        uint256 sideBit,
        uint256 count
    ) private view returns (BookSide memory side) {
        uint256 liveTag = OrderWordLibrary.liveTagOfSlot(slot, SlotBook.RING);
        uint256 keyBase = SlotBook.orderKey(position, sideBit, 0);
        uint256[] memory entries = new uint256[](count);
        OrderWord[] memory words = new OrderWord[](count);
        uint256 live;
        // Unchecked: i < count <= cap and live <= i.
        unchecked {
            for (uint256 i; i < count; ++i) {
                OrderWord word = self.orders[keyBase | i];
                words[i] = word;
                // A word of this slot (index < count) that is not live was cancelled.
                if (word.tag() == liveTag) {
                    entries[live++] = UniformPriceClearing.encodeUnchecked(
                        word.limitPrice(),
                        i,
                        word.quantityWh()
                    );
                }
            }
        }
        _shrink(entries, live);
        side.entries = entries;
        side.words = words;
    }

    /// @dev Records the buy fills (in storage, order key base `keyBase`) and releases what clearing frees: a
    /// buyer pays P x fill out of its lock and gets the rest back (`_payBuyFill`, order id `idBase | index`).
    /// Returns the sum of the fills. The storage pointers come last so that they stay within reach of the
    /// stack inside the loop.
    function _applyBuyFills(
        BookSide memory book,
        uint256 price,
        uint256 keyBase,
        uint256 idBase,
        SlotBook.State storage self,
        MarketLedger.State storage ledger
    ) private returns (uint256 total) {
        uint256[] memory entries = book.entries;
        // Unchecked: fill <= quantity < 2^48, so total <= Q < 2^64; k and index < cap. The words and fills
        // are read through `book`: the loop has no stack slot left for their pointers.
        unchecked {
            for (uint256 k; k < entries.length; ++k) {
                uint256 index = UniformPriceClearing.indexOf(entries[k]);
                OrderWord word = book.words[index];
                uint256 fill = book.fills[k];
                _payBuyFill(ledger, idBase | index, word, fill, price);
                if (fill != 0) {
                    total += fill;
                    self.orders[keyBase | index] = word.withFill(fill);
                }
            }
        }
    }

    /// @dev A buy order's clearing: its whole lock leaves the locked balance, P x fill into the escrow, the
    /// rest to its free balance (a function of its own: `_applyBuyFills`' loop has no stack slot left).
    function _payBuyFill(
        MarketLedger.State storage ledger,
        uint256 orderId,
        OrderWord word,
        uint256 fill,
        uint256 price
    ) private {
        // Unchecked: quantity < 2^48 and limits < 2^64, so the lock < 2^112; P <= b* <= the limit of every
        // filled buy and fill <= quantity, so the payment P x fill <= the lock.
        unchecked {
            uint256 lock = word.quantityWh() * word.limitPrice();
            uint256 released = lock - price * fill;
            // Every buy locks at least minOrderWh x minBuyPricePerWh >= 1 (the parameters' lower bounds).
            ledger.update(word.accountId(), released, 0, 0, lock);
            _emitFilled(orderId, word.accountId(), fill, released);
        }
    }

    /// @dev Records the sell fills (in `book.words`, stored by `_recordSellFills`) and gives each seller its
    /// unfilled collateral back (OrderFilled, order id `idBase | index`); the filled part stays locked until
    /// settlement. Returns the sum of the fills.
    function _applySellFills(
        BookSide memory book,
        uint256 collateralPerWh,
        uint256 idBase,
        MarketLedger.State storage ledger
    ) private returns (uint256 total) {
        uint256[] memory entries = book.entries;
        OrderWord[] memory words = book.words;
        uint256[] memory fills = book.fills;
        // Unchecked: quantity < 2^48 and collateral < 2^64, so products < 2^112; fill <= quantity; total <= Q.
        unchecked {
            for (uint256 k; k < entries.length; ++k) {
                uint256 index = UniformPriceClearing.indexOf(entries[k]);
                OrderWord word = words[index];
                uint256 fill = fills[k];
                uint256 unlocked = (word.quantityWh() - fill) * collateralPerWh;
                if (unlocked != 0) ledger.update(word.accountId(), unlocked, 0, 0, unlocked);
                if (fill != 0) {
                    total += fill;
                    words[index] = word.withFill(fill);
                }
                _emitFilled(idBase | index, word.accountId(), fill, unlocked);
            }
        }
    }

    /// @dev Stores the filled sell orders (their words carry the fill since `_applyFills`), each with its
    /// meter's fills before it and in all (the cleared sell order word), in two passes by order index: the
    /// first sums the fills per meter in transient storage, the second writes the words.
    function _recordSellFills(
        SlotBook.State storage self,
        uint64 slot,
        uint256 position,
        OrderWord[] memory words
    ) private {
        uint256 keyBase = SlotBook.orderKey(position, OrderPacking.SIDE_SELL, 0);
        uint256 n = words.length;
        uint256[] memory prior = new uint256[](n);
        // Unchecked: i < n <= cap; running sums < cap * 2^48.
        unchecked {
            for (uint256 i; i < n; ++i) {
                uint256 fill = words[i].fillWh();
                if (fill == 0) continue;
                TransientSlot.Uint256Slot running = _meterFills(slot, words[i].meterIndex());
                uint256 before = running.tload();
                prior[i] = before;
                running.tstore(before + fill);
            }
            for (uint256 i; i < n; ++i) {
                OrderWord word = words[i];
                if (word.fillWh() == 0) continue;
                uint256 meterFill = _meterFills(slot, word.meterIndex()).tload();
                self.orders[keyBase | i] = word.withMeterFills(prior[i], meterFill);
            }
        }
    }

    /// @dev Pays one filled sell order: P x delivered plus its collateral less the penalty for the shortfall.
    function _settleSellOrder(
        MarketLedger.State storage ledger,
        IMeterRegistry registry,
        uint64 slot,
        OrderWord word,
        uint256 price,
        BookWord book
    ) private returns (uint256 delivered, uint256 penalty) {
        uint256 fill = word.fillWh();
        delivered = _deliveredOf(registry, slot, word, fill);
        uint256 collateral = fill * book.collateralPerWh();
        penalty = (fill - delivered) * book.penaltyPerWh();
        if (penalty > collateral) penalty = collateral;
        ledger.update(word.accountId(), collateral - penalty + price * delivered, 0, 0, collateral);
    }

    /// @dev min(fill, the meter's export in `slot` less what its earlier filled orders took): the meter's
    /// export covers its sell orders in ascending order index. A missing reading counts as nothing exported.
    function _deliveredOf(
        IMeterRegistry registry,
        uint64 slot,
        OrderWord word,
        uint256 fill
    ) private view returns (uint256) {
        uint256 exported = registry.readingOfIndex(word.meterIndex(), slot).exportedWh;
        uint256 prior = word.priorFillWh();
        if (exported <= prior) return 0;
        uint256 available = exported - prior;
        return fill < available ? fill : available;
    }

    /// @dev OrderFilled of order `orderId` (a function of its own: the clearing loops have no stack slot left).
    function _emitFilled(uint256 orderId, uint32 accountId, uint256 fill, uint256 released) private {
        // The slot is the id's bits 64 to 127 (OrderPacking): the cast is exact.
        emit IEnergyMarket.OrderFilled(uint64(orderId >> 64), accountId, orderId, fill, released);
    }

    /// @dev Keyed by slot too, so that two clearings in one transaction never see each other's sums.
    function _meterFills(uint64 slot, uint32 meterIndex) private pure returns (TransientSlot.Uint256Slot) {
        return _METER_FILLS.deriveMapping((uint256(slot) << 32) | meterIndex).asUint256();
    }

    /// @dev Shrinks a memory array's length in place: it was allocated with the larger length, so the words
    /// beyond the new length simply stay unused. Cheaper than a second pass or a copy.
    function _shrink(uint256[] memory a, uint256 length) private pure {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(a, length)
        }
    }
}
