// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {OrderWord, OrderWordLibrary} from "../../contracts/types/OrderWord.sol";

contract OrderWordTest is Test {
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
        OrderWordLibrary.Fields memory f = OrderWordLibrary.Fields(
            accountId,
            meterIndex,
            quantityWh,
            limitPrice,
            fillWh,
            status,
            generation
        );
        OrderWord word = OrderWordLibrary.packFields(f);
        OrderWordLibrary.Fields memory g = word.unpack();
        assertEq(g.accountId, accountId);
        assertEq(g.meterIndex, meterIndex);
        assertEq(g.quantityWh, quantityWh);
        assertEq(g.limitPrice, limitPrice);
        assertEq(g.fillWh, fillWh);
        assertEq(g.status, status);
        assertEq(g.generation, generation);
        // The field accessors agree with the unpacked struct.
        assertEq(word.accountId(), accountId);
        assertEq(word.meterIndex(), meterIndex);
        assertEq(word.quantityWh(), quantityWh);
        assertEq(word.limitPrice(), limitPrice);
        assertEq(word.fillWh(), fillWh);
        assertEq(word.status(), status);
        assertEq(word.generation(), generation);
        assertEq(word.tag(), (uint256(generation) << 2) | status);
    }

    function test_orderWordFieldsAtTheirLimits() public pure {
        OrderWord word = OrderWordLibrary.pack(
            type(uint32).max,
            type(uint32).max,
            type(uint48).max,
            type(uint64).max,
            (1 << 30) - 1
        );
        assertEq(word.accountId(), type(uint32).max);
        assertEq(word.meterIndex(), type(uint32).max);
        assertEq(word.quantityWh(), type(uint48).max);
        assertEq(word.limitPrice(), type(uint64).max);
        assertEq(word.fillWh(), 0);
        assertEq(word.status(), OrderWordLibrary.STATUS_LIVE);
        assertEq(word.generation(), (1 << 30) - 1);
        OrderWord filled = word.withFill(type(uint48).max);
        assertEq(filled.fillWh(), type(uint48).max);
        assertEq(filled.quantityWh(), type(uint48).max);
        assertEq(filled.status(), OrderWordLibrary.STATUS_LIVE);
        OrderWord cancelled = filled.withStatus(OrderWordLibrary.STATUS_CANCELLED);
        assertEq(cancelled.status(), OrderWordLibrary.STATUS_CANCELLED);
        assertEq(cancelled.generation(), (1 << 30) - 1);
        assertEq(cancelled.fillWh(), type(uint48).max);
    }

    function test_withMeterFills_replacesTheLimitPriceOnly() public pure {
        OrderWord word = OrderWordLibrary
            .pack(type(uint32).max, type(uint32).max, type(uint48).max, type(uint64).max, (1 << 30) - 1)
            .withFill(type(uint48).max);
        OrderWord cleared = word.withMeterFills(123, 456);
        assertEq(cleared.priorFillWh(), 123);
        assertEq(cleared.meterFillWh(), 456);
        // the limit price field now holds the two sums: | 32 meterFillWh | 32 priorFillWh |
        assertEq(cleared.limitPrice(), (uint256(456) << 32) | 123);
        assertEq(cleared.accountId(), type(uint32).max);
        assertEq(cleared.meterIndex(), type(uint32).max);
        assertEq(cleared.quantityWh(), type(uint48).max);
        assertEq(cleared.fillWh(), type(uint48).max);
        assertEq(cleared.status(), OrderWordLibrary.STATUS_LIVE);
        assertEq(cleared.generation(), (1 << 30) - 1);
        // zero sums clear the old limit price entirely
        assertEq(word.withMeterFills(0, 0).limitPrice(), 0);
        assertEq(
            OrderWord.unwrap(word.withMeterFills(0, 0)),
            OrderWord.unwrap(word) & ~(uint256(type(uint64).max) << 112)
        );
    }

    function test_withMeterFills_capsAtThirtyTwoBits() public pure {
        OrderWord word = OrderWordLibrary.pack(7, 9, 1_000, 42, 3).withFill(1_000);
        uint256 max = type(uint32).max;
        OrderWord atCap = word.withMeterFills(max, max);
        assertEq(atCap.priorFillWh(), max);
        assertEq(atCap.meterFillWh(), max);
        OrderWord above = word.withMeterFills(max + 1, type(uint256).max);
        assertEq(above.priorFillWh(), max);
        assertEq(above.meterFillWh(), max);
        assertEq(OrderWord.unwrap(above), OrderWord.unwrap(atCap), "a capped sum bled into another field");
        assertEq(above.fillWh(), 1_000);
        assertEq(above.quantityWh(), 1_000);
        assertEq(above.meterIndex(), 9);
        assertEq(above.accountId(), 7);
        assertEq(above.generation(), 3);
        // a cancelled-status change afterwards keeps the sums
        assertEq(above.withStatus(OrderWordLibrary.STATUS_CANCELLED).meterFillWh(), max);
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
        OrderWord word = OrderWordLibrary
            .pack(accountId, meterIndex, quantityWh, limitPrice, generation)
            .withFill(fillWh);
        OrderWord cleared = word.withMeterFills(priorFillWh, meterFillWh);
        uint256 cap = type(uint32).max;
        assertEq(cleared.priorFillWh(), priorFillWh > cap ? cap : priorFillWh);
        assertEq(cleared.meterFillWh(), meterFillWh > cap ? cap : meterFillWh);
        OrderWordLibrary.Fields memory f = cleared.unpack();
        assertEq(f.accountId, accountId);
        assertEq(f.meterIndex, meterIndex);
        assertEq(f.quantityWh, quantityWh);
        assertEq(f.fillWh, fillWh);
        assertEq(f.status, OrderWordLibrary.STATUS_LIVE);
        assertEq(f.generation, generation);
        assertEq(cleared.tag(), word.tag());
        // applying it again with other sums overwrites them, never ORs into them
        OrderWord again = cleared.withMeterFills(1, 2);
        assertEq(OrderWord.unwrap(again), OrderWord.unwrap(word.withMeterFills(1, 2)));
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

    function pack(uint256 a, uint256 m, uint256 q, uint256 p) external pure returns (OrderWord) {
        return OrderWordLibrary.pack(a, m, q, p, 0);
    }

    function testFuzz_generationWrapsAtThirtyBits(uint64 slot) public pure {
        uint256 generation = OrderWordLibrary.generationOfSlot(slot, 256);
        assertEq(generation, (uint256(slot) / 256) % (1 << 30));
        assertEq(OrderWordLibrary.liveTagOfSlot(slot, 256), (generation << 2) | OrderWordLibrary.STATUS_LIVE);
    }
}
