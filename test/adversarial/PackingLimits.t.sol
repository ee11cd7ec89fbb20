// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {BookWord, BookWordLibrary} from "../../contracts/types/BookWord.sol";
import {OrderWord, OrderWordLibrary} from "../../contracts/types/OrderWord.sol";

/// @dev Calls the packers from outside, so that a test can expect their reverts.
contract PackingHarness {
    function packOrderFields(OrderWordLibrary.Fields memory f) external pure returns (OrderWord) {
        return OrderWordLibrary.packFields(f);
    }

    function packBookFields(BookWordLibrary.Fields memory f) external pure returns (BookWord) {
        return BookWordLibrary.packFields(f);
    }
}

/// @dev Adversarial: fields one past their bit width. Attack: a status or generation that does not fit its
/// 2 or 30 bits would spill into the neighbouring field of the packed word (e.g. turn a cancelled order live
/// in another generation); the packers refuse it instead of truncating.
contract PackingLimitsTest is Test {
    PackingHarness internal harness = new PackingHarness();

    function testFuzz_packOrderFields_refusesStatusBeyondTwoBits(uint8 status) public {
        status = uint8(bound(status, 4, type(uint8).max));
        OrderWordLibrary.Fields memory f = OrderWordLibrary.Fields(1, 2, 3, 4, 0, status, 5);
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 2, status));
        harness.packOrderFields(f);
    }

    function testFuzz_packOrderFields_refusesGenerationBeyondThirtyBits(uint32 generation) public {
        generation = uint32(bound(generation, 1 << 30, type(uint32).max));
        OrderWordLibrary.Fields memory f = OrderWordLibrary.Fields(1, 2, 3, 4, 0, 1, generation);
        vm.expectRevert(
            abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 30, generation)
        );
        harness.packOrderFields(f);
    }

    function testFuzz_packBookFields_refusesStatusBeyondTwoBits(uint8 status) public {
        status = uint8(bound(status, 4, type(uint8).max));
        BookWordLibrary.Fields memory f = BookWordLibrary.Fields(7, 1, 1, status, 10, 2, 5, 1, 3);
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 2, status));
        harness.packBookFields(f);
    }

    function test_packers_acceptTheLargestFittingValues() public view {
        OrderWord order = harness.packOrderFields(OrderWordLibrary.Fields(1, 2, 3, 4, 0, 3, (1 << 30) - 1));
        assertEq(order.unpack().generation, (1 << 30) - 1);
        assertEq(order.unpack().status, 3);
        BookWord book = harness.packBookFields(
            BookWordLibrary.Fields(7, 1, 1, 3, 10, 2, 5, (1 << 30) - 1, 3)
        );
        assertEq(book.unpack().status, 3);
        assertEq(book.unpack().minBuyPricePerWh, (1 << 30) - 1);
    }

    function testFuzz_packBookFields_refusesMinBuyPriceBeyondThirtyBits(uint32 minBuyPrice) public {
        minBuyPrice = uint32(bound(minBuyPrice, 1 << 30, type(uint32).max));
        BookWordLibrary.Fields memory f = BookWordLibrary.Fields(7, 1, 1, 1, 10, 2, 5, minBuyPrice, 3);
        vm.expectRevert(
            abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 30, minBuyPrice)
        );
        harness.packBookFields(f);
    }
}
