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
        uint48 penalty
    ) public pure {
        status = uint8(bound(status, 0, 3));
        uint256 book = OrderPacking.packBookFields(
            OrderPacking.BookFields(slot, buys, sells, status, minOrderWh, collateral, penalty)
        );
        OrderPacking.BookFields memory f = book.unpackBook();
        assertEq(f.slot, slot);
        assertEq(f.buyCount, buys);
        assertEq(f.sellCount, sells);
        assertEq(f.status, status);
        assertEq(f.minOrderWh, minOrderWh);
        assertEq(f.collateralPerWh, collateral);
        assertEq(f.penaltyPerWh, penalty);
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
    }

    function test_newBookCountsOrders() public pure {
        uint256 book = OrderPacking.packNewBook(
            type(uint64).max,
            type(uint32).max,
            type(uint48).max,
            type(uint48).max
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
    }

    function testFuzz_resultRoundTrip(uint64 price, uint64 quantity) public pure {
        uint256 result = OrderPacking.packResult(price, quantity);
        assertEq(result.resultPrice(), price);
        assertEq(result.resultQuantity(), quantity);
    }
}
