// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {OrderPacking} from "../../contracts/libraries/OrderPacking.sol";
import {BookWord, BookWordLibrary} from "../../contracts/types/BookWord.sol";

contract BookWordTest is Test {
    function testFuzz_bookWordRoundTrip(
        uint64 slot,
        uint16 buys,
        uint16 sells,
        uint8 status,
        uint32 minOrderWh,
        uint32 collateral,
        uint32 penalty,
        uint32 minBuyPrice,
        uint32 gridOperatorId
    ) public pure {
        status = uint8(bound(status, 0, 3));
        minBuyPrice = uint32(bound(minBuyPrice, 0, (1 << 30) - 1));
        BookWord book = BookWordLibrary.packFields(
            BookWordLibrary.Fields(
                slot,
                buys,
                sells,
                status,
                minOrderWh,
                collateral,
                penalty,
                minBuyPrice,
                gridOperatorId
            )
        );
        BookWordLibrary.Fields memory f = book.unpack();
        assertEq(f.slot, slot);
        assertEq(f.buyCount, buys);
        assertEq(f.sellCount, sells);
        assertEq(f.status, status);
        assertEq(f.minOrderWh, minOrderWh);
        assertEq(f.collateralPerWh, collateral);
        assertEq(f.penaltyPerWh, penalty);
        assertEq(f.minBuyPricePerWh, minBuyPrice);
        assertEq(f.gridOperatorId, gridOperatorId);
        assertEq(book.minBuyPricePerWh(), minBuyPrice);
        assertEq(book.gridOperatorId(), gridOperatorId);
        assertEq(book.slot(), slot);
        assertEq(book.buyCount(), buys);
        assertEq(book.sellCount(), sells);
        assertEq(book.status(), status);
        assertEq(book.minOrderWh(), minOrderWh);
        assertEq(book.collateralPerWh(), collateral);
        assertEq(book.penaltyPerWh(), penalty);
        BookWord changed = book.withStatus(BookWordLibrary.STATUS_SETTLED);
        assertEq(changed.status(), BookWordLibrary.STATUS_SETTLED);
        assertEq(changed.slot(), slot);
        assertEq(changed.penaltyPerWh(), penalty);
        assertEq(changed.minBuyPricePerWh(), minBuyPrice);
        assertEq(changed.gridOperatorId(), gridOperatorId);
    }

    function test_newBookCountsOrders() public pure {
        BookWord book = BookWordLibrary.packNew(
            type(uint64).max,
            type(uint32).max,
            type(uint32).max,
            type(uint32).max,
            (1 << 30) - 1,
            type(uint32).max
        );
        assertEq(book.status(), BookWordLibrary.STATUS_OPEN);
        book = book.withOrderAdded(OrderPacking.SIDE_BUY);
        book = book.withOrderAdded(OrderPacking.SIDE_SELL);
        book = book.withOrderAdded(OrderPacking.SIDE_SELL);
        assertEq(book.buyCount(), 1);
        assertEq(book.sellCount(), 2);
        assertEq(book.slot(), type(uint64).max);
        assertEq(book.minOrderWh(), type(uint32).max);
        assertEq(book.collateralPerWh(), type(uint32).max);
        assertEq(book.penaltyPerWh(), type(uint32).max);
        assertEq(book.minBuyPricePerWh(), (1 << 30) - 1);
        assertEq(book.gridOperatorId(), type(uint32).max);
    }

    /// @dev The collateral and penalty fields are 32 bits wide (the bounds are 1,000,000 per Wh): a wider value
    /// is refused, never truncated into the grid operator's account id.
    function test_packNew_refusesCollateralAndPenaltyBeyond32Bits() public {
        BookWordHarness harness = new BookWordHarness();
        vm.expectRevert(
            abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 32, 1 << 32)
        );
        harness.packNew(1 << 32, 1);
        vm.expectRevert(
            abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 32, 1 << 32)
        );
        harness.packNew(1, 1 << 32);
    }
}

/// @dev Calls packNew from outside, so that a test can expect its reverts.
contract BookWordHarness {
    function packNew(uint256 collateral, uint256 penalty) external pure returns (BookWord) {
        return BookWordLibrary.packNew(1, 1, collateral, penalty, 1, 7);
    }
}
