// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title OrderPacking
/// @notice The bit layout of the market's order ids and the side bit. The packed storage words have their own
/// types with their layouts drawn above them: `OrderWord` (including the cleared sell order word),
/// `BookWord` and `ResultWord` in contracts/types/.
library OrderPacking {
    using SafeCast for uint256;

    // ----------------------------------------------------------------------------------------------
    // Order id
    // | 128 zero | 64 slot | 31 zero | 1 side | 32 index within the side |
    // Buy and sell orders of a slot are numbered separately from 0 in arrival order, so that settlement
    // walks the sell orders alone; ascending order id within a side is arrival order.
    // ----------------------------------------------------------------------------------------------

    uint256 internal constant SIDE_BUY = 0;
    uint256 internal constant SIDE_SELL = 1;

    uint256 private constant _MASK_32 = type(uint32).max;

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
}
