// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {OrderPacking} from "../../contracts/libraries/OrderPacking.sol";

contract OrderPackingTest is Test {
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
}
