// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {OrderPacking} from "../../contracts/libraries/OrderPacking.sol";

contract OrderPackingTest is Test {
    using OrderPacking for uint256;

    function testFuzz_orderWordRoundTrip(
        uint32 accountId,
        uint32 meterIndex,
        uint48 quantityWh,
        uint64 limitPrice,
        uint48 fillWh,
        uint8 status,
        uint32 generation
    ) public pure {
        status = uint8(bound(status, 0, 3));
        generation = uint32(bound(generation, 0, (1 << 30) - 1));
        OrderPacking.OrderFields memory f = OrderPacking.OrderFields(
            accountId,
            meterIndex,
            quantityWh,
            limitPrice,
            fillWh,
            status,
            generation
        );
        uint256 word = OrderPacking.packOrderFields(f);
        OrderPacking.OrderFields memory g = word.unpackOrder();
        assertEq(g.accountId, accountId);
        assertEq(g.meterIndex, meterIndex);
        assertEq(g.quantityWh, quantityWh);
        assertEq(g.limitPrice, limitPrice);
        assertEq(g.fillWh, fillWh);
        assertEq(g.status, status);
        assertEq(g.generation, generation);
        // The field accessors agree with the unpacked struct.
        assertEq(word.accountIdOf(), accountId);
        assertEq(word.meterIndexOf(), meterIndex);
        assertEq(word.quantityOf(), quantityWh);
        assertEq(word.limitPriceOf(), limitPrice);
        assertEq(word.fillOf(), fillWh);
        assertEq(word.statusOf(), status);
        assertEq(word.generationOf(), generation);
        assertEq(word.tagOf(), (uint256(generation) << 2) | status);
    }

    function test_orderWordFieldsAtTheirLimits() public pure {
        uint256 word = OrderPacking.packOrder(
            type(uint32).max,
            type(uint32).max,
            type(uint48).max,
            type(uint64).max,
            (1 << 30) - 1
        );
        assertEq(word.accountIdOf(), type(uint32).max);
        assertEq(word.meterIndexOf(), type(uint32).max);
        assertEq(word.quantityOf(), type(uint48).max);
        assertEq(word.limitPriceOf(), type(uint64).max);
        assertEq(word.fillOf(), 0);
        assertEq(word.statusOf(), OrderPacking.STATUS_LIVE);
        assertEq(word.generationOf(), (1 << 30) - 1);
        uint256 filled = word.withFill(type(uint48).max);
        assertEq(filled.fillOf(), type(uint48).max);
        assertEq(filled.quantityOf(), type(uint48).max);
        assertEq(filled.statusOf(), OrderPacking.STATUS_LIVE);
        uint256 cancelled = filled.withStatus(OrderPacking.STATUS_CANCELLED);
        assertEq(cancelled.statusOf(), OrderPacking.STATUS_CANCELLED);
        assertEq(cancelled.generationOf(), (1 << 30) - 1);
        assertEq(cancelled.fillOf(), type(uint48).max);
    }

    function test_withMeterFills_replacesTheLimitPriceOnly() public pure {
        uint256 word = OrderPacking
            .packOrder(type(uint32).max, type(uint32).max, type(uint48).max, type(uint64).max, (1 << 30) - 1)
            .withFill(type(uint48).max);
        uint256 cleared = word.withMeterFills(123, 456);
        assertEq(cleared.priorFillOf(), 123);
        assertEq(cleared.meterFillOf(), 456);
        // the limit price field now holds the two sums: | 32 meterFillWh | 32 priorFillWh |
        assertEq(cleared.limitPriceOf(), (uint256(456) << 32) | 123);
        assertEq(cleared.accountIdOf(), type(uint32).max);
        assertEq(cleared.meterIndexOf(), type(uint32).max);
        assertEq(cleared.quantityOf(), type(uint48).max);
        assertEq(cleared.fillOf(), type(uint48).max);
        assertEq(cleared.statusOf(), OrderPacking.STATUS_LIVE);
        assertEq(cleared.generationOf(), (1 << 30) - 1);
        // zero sums clear the old limit price entirely
        assertEq(word.withMeterFills(0, 0).limitPriceOf(), 0);
        assertEq(word.withMeterFills(0, 0), word & ~(uint256(type(uint64).max) << 112));
    }

    function test_withMeterFills_capsAtThirtyTwoBits() public pure {
        uint256 word = OrderPacking.packOrder(7, 9, 1_000, 42, 3).withFill(1_000);
        uint256 max = type(uint32).max;
        uint256 atCap = word.withMeterFills(max, max);
        assertEq(atCap.priorFillOf(), max);
        assertEq(atCap.meterFillOf(), max);
        uint256 above = word.withMeterFills(max + 1, type(uint256).max);
        assertEq(above.priorFillOf(), max);
        assertEq(above.meterFillOf(), max);
        assertEq(above, atCap, "a capped sum bled into another field");
        assertEq(above.fillOf(), 1_000);
        assertEq(above.quantityOf(), 1_000);
        assertEq(above.meterIndexOf(), 9);
        assertEq(above.accountIdOf(), 7);
        assertEq(above.generationOf(), 3);
        // a cancelled-status change afterwards keeps the sums
        assertEq(above.withStatus(OrderPacking.STATUS_CANCELLED).meterFillOf(), max);
    }

    function testFuzz_withMeterFills_roundTrip(
        uint32 accountId,
        uint32 meterIndex,
        uint48 quantityWh,
        uint64 limitPrice,
        uint48 fillWh,
        uint32 generation,
        uint256 priorFillWh,
        uint256 meterFillWh
    ) public pure {
        generation = uint32(bound(generation, 0, (1 << 30) - 1));
        uint256 word = OrderPacking
            .packOrder(accountId, meterIndex, quantityWh, limitPrice, generation)
            .withFill(fillWh);
        uint256 cleared = word.withMeterFills(priorFillWh, meterFillWh);
        uint256 cap = type(uint32).max;
        assertEq(cleared.priorFillOf(), priorFillWh > cap ? cap : priorFillWh);
        assertEq(cleared.meterFillOf(), meterFillWh > cap ? cap : meterFillWh);
        OrderPacking.OrderFields memory f = cleared.unpackOrder();
        assertEq(f.accountId, accountId);
        assertEq(f.meterIndex, meterIndex);
        assertEq(f.quantityWh, quantityWh);
        assertEq(f.fillWh, fillWh);
        assertEq(f.status, OrderPacking.STATUS_LIVE);
        assertEq(f.generation, generation);
        assertEq(cleared.tagOf(), word.tagOf());
        // applying it again with other sums overwrites them, never ORs into them
        uint256 again = cleared.withMeterFills(1, 2);
        assertEq(again, word.withMeterFills(1, 2));
    }

    function test_packOrder_revertsWhenAFieldDoesNotFit() public {
        vm.expectRevert();
        this.pack(uint256(type(uint32).max) + 1, 0, 1, 1);
        vm.expectRevert();
        this.pack(1, uint256(type(uint32).max) + 1, 1, 1);
        vm.expectRevert();
        this.pack(1, 0, uint256(type(uint48).max) + 1, 1);
        vm.expectRevert();
        this.pack(1, 0, 1, uint256(type(uint64).max) + 1);
    }

    function pack(uint256 a, uint256 m, uint256 q, uint256 p) external pure returns (uint256) {
        return OrderPacking.packOrder(a, m, q, p, 0);
    }

    function testFuzz_generationWrapsAtThirtyBits(uint64 slot) public pure {
        uint256 generation = OrderPacking.generationOfSlot(slot, 256);
        assertEq(generation, (uint256(slot) / 256) % (1 << 30));
        assertEq(OrderPacking.liveTagOfSlot(slot, 256), (generation << 2) | OrderPacking.STATUS_LIVE);
    }

    function testFuzz_orderIdRoundTrip(uint64 slot, bool sell, uint32 index) public pure {
        uint256 side = sell ? OrderPacking.SIDE_SELL : OrderPacking.SIDE_BUY;
        uint256 id = OrderPacking.orderId(slot, side, index);
        (uint64 s, uint256 d, uint256 i) = OrderPacking.decodeOrderId(id);
        assertEq(s, slot);
        assertEq(d, side);
        assertEq(i, index);
    }

    function testFuzz_decodeOrderId_refusesStrayBits(uint256 id) public {
        bool stray = (id >> 128) != 0 || ((id >> 33) & ((1 << 31) - 1)) != 0;
        if (stray) {
            vm.expectRevert(abi.encodeWithSelector(OrderPacking.OrderPackingMalformedId.selector, id));
            this.decode(id);
        } else {
            (uint64 s, , ) = this.decode(id);
            assertEq(s, uint64(id >> 64));
        }
    }

    function decode(uint256 id) external pure returns (uint64, uint256, uint256) {
        return OrderPacking.decodeOrderId(id);
    }

    function testFuzz_bookWordRoundTrip(
        uint64 slot,
        uint16 buys,
        uint16 sells,
        uint8 status,
        uint32 minOrderWh,
        uint48 collateral,
        uint48 penalty,
        uint32 minBuyPrice
    ) public pure {
        status = uint8(bound(status, 0, 3));
        minBuyPrice = uint32(bound(minBuyPrice, 0, (1 << 30) - 1));
        uint256 book = OrderPacking.packBookFields(
            OrderPacking.BookFields(slot, buys, sells, status, minOrderWh, collateral, penalty, minBuyPrice)
        );
        OrderPacking.BookFields memory f = book.unpackBook();
        assertEq(f.slot, slot);
        assertEq(f.buyCount, buys);
        assertEq(f.sellCount, sells);
        assertEq(f.status, status);
        assertEq(f.minOrderWh, minOrderWh);
        assertEq(f.collateralPerWh, collateral);
        assertEq(f.penaltyPerWh, penalty);
        assertEq(f.minBuyPricePerWh, minBuyPrice);
        assertEq(book.bookMinBuyPricePerWh(), minBuyPrice);
        assertEq(book.bookSlot(), slot);
        assertEq(book.bookBuyCount(), buys);
        assertEq(book.bookSellCount(), sells);
        assertEq(book.bookStatus(), status);
        assertEq(book.bookMinOrderWh(), minOrderWh);
        assertEq(book.bookCollateralPerWh(), collateral);
        assertEq(book.bookPenaltyPerWh(), penalty);
        uint256 changed = book.bookWithStatus(OrderPacking.BOOK_SETTLED);
        assertEq(changed.bookStatus(), OrderPacking.BOOK_SETTLED);
        assertEq(changed.bookSlot(), slot);
        assertEq(changed.bookPenaltyPerWh(), penalty);
        assertEq(changed.bookMinBuyPricePerWh(), minBuyPrice);
    }

    function test_newBookCountsOrders() public pure {
        uint256 book = OrderPacking.packNewBook(
            type(uint64).max,
            type(uint32).max,
            type(uint48).max,
            type(uint48).max,
            (1 << 30) - 1
        );
        assertEq(book.bookStatus(), OrderPacking.BOOK_OPEN);
        book = book.bookWithOrderAdded(OrderPacking.SIDE_BUY);
        book = book.bookWithOrderAdded(OrderPacking.SIDE_SELL);
        book = book.bookWithOrderAdded(OrderPacking.SIDE_SELL);
        assertEq(book.bookBuyCount(), 1);
        assertEq(book.bookSellCount(), 2);
        assertEq(book.bookSlot(), type(uint64).max);
        assertEq(book.bookMinOrderWh(), type(uint32).max);
        assertEq(book.bookCollateralPerWh(), type(uint48).max);
        assertEq(book.bookPenaltyPerWh(), type(uint48).max);
        assertEq(book.bookMinBuyPricePerWh(), (1 << 30) - 1);
    }

    function testFuzz_resultRoundTrip(uint64 price, uint64 quantity) public pure {
        uint256 result = OrderPacking.packResult(price, quantity);
        assertEq(result.resultPrice(), price);
        assertEq(result.resultQuantity(), quantity);
    }
}
