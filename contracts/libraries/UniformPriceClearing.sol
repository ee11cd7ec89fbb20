// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title UniformPriceClearing
/// @notice The clearing rule of GridLedger's uniform-price double auction, as pure functions on memory arrays.
/// @dev With D(x) = buy quantity with limit >= x, S(x) = sell quantity with limit <= x, V(x) = min(D(x), S(x)):
/// - Q = max over all integer prices of V. If Q = 0 nothing trades.
/// - a* = the lowest price with S(a*) >= Q, b* = the highest price with D(b*) >= Q. Because D never increases
///   and S never decreases, {x : V(x) = Q} = [a*, b*], and the clearing price is P = floor((a* + b*) / 2).
/// - Buys above b* fill completely; buys at b* share Q - D(b* + 1) pro rata to their quantities, rounded
///   down, and the Wh left by rounding go 1 Wh each to those orders in ascending order index. Sells mirror
///   this around a*. Both sides' fills add up to exactly Q.
/// Since a* is a sell limit and V(a*) = Q, Q is found by evaluating V at the sell limits only.
///
/// An order is passed as one `uint256` entry: | 64 price | 32 index | 112 zero | 48 quantityWh |, so that
/// sorting entries ascending sorts by price, then by order index. `clear` sorts both arrays in place
/// (O(n log n) merge sort in memory, worst case included) and returns the fills aligned with the sorted arrays.
library UniformPriceClearing {
    using SafeCast for uint256;

    /// @notice The outcome of a clearing. All zero when nothing trades.
    /// @param price the uniform clearing price P, token base units per Wh
    /// @param quantityWh the traded quantity Q, Wh
    /// @param marginalSellPrice a*, the limit of the marginal (last, partly filled) sell orders
    /// @param marginalBuyPrice b*, the limit of the marginal (last, partly filled) buy orders
    struct Result {
        uint256 price;
        uint256 quantityWh;
        uint256 marginalSellPrice;
        uint256 marginalBuyPrice;
    }

    uint256 private constant _SHIFT_PRICE = 192;
    uint256 private constant _SHIFT_INDEX = 160;
    uint256 private constant _MASK_48 = type(uint48).max;

    /// @notice Packs an order into a sortable entry.
    function encode(uint256 price, uint256 index, uint256 quantityWh) internal pure returns (uint256) {
        return
            (uint256(price.toUint64()) << _SHIFT_PRICE) |
            (uint256(index.toUint32()) << _SHIFT_INDEX) |
            uint256(quantityWh.toUint48());
    }

    /// @notice Packs an order whose fields are known to fit (price < 2^64, index < 2^32, quantity < 2^48),
    /// e.g. read from a packed storage word; skips the range checks of `encode`.
    function encodeUnchecked(
        uint256 price,
        uint256 index,
        uint256 quantityWh
    ) internal pure returns (uint256) {
        return (price << _SHIFT_PRICE) | (index << _SHIFT_INDEX) | quantityWh;
    }

    function priceOf(uint256 entry) internal pure returns (uint256) {
        return entry >> _SHIFT_PRICE;
    }

    function indexOf(uint256 entry) internal pure returns (uint256) {
        return uint32(entry >> _SHIFT_INDEX);
    }

    function quantityOf(uint256 entry) internal pure returns (uint256) {
        return entry & _MASK_48;
    }

    /// @notice Clears a book. Sorts `buys` and `sells` ascending in place.
    /// @return r the result (all zero when nothing trades)
    /// @return buyFills fill of `buys[i]` (after sorting), Wh
    /// @return sellFills fill of `sells[i]` (after sorting), Wh
    function clear(
        uint256[] memory buys,
        uint256[] memory sells
    ) internal pure returns (Result memory r, uint256[] memory buyFills, uint256[] memory sellFills) {
        sort(buys);
        sort(sells);
        buyFills = new uint256[](buys.length);
        sellFills = new uint256[](sells.length);

        uint256 q = tradedQuantity(buys, sells);
        if (q == 0) return (r, buyFills, sellFills);
        r.quantityWh = q;
        r.marginalSellPrice = _fillSells(sells, sellFills, q);
        r.marginalBuyPrice = _fillBuys(buys, buyFills, q);
        // a* <= b* (both bound the interval where V = Q), each < 2^64: the sum cannot overflow.
        r.price = (r.marginalSellPrice + r.marginalBuyPrice) / 2;
    }

    /// @notice Q = max over prices of min(D, S), for books sorted ascending.
    function tradedQuantity(uint256[] memory buys, uint256[] memory sells) internal pure returns (uint256 q) {
        // Unchecked: sums of < 2^32 quantities below 2^48 cannot overflow; `demand` only loses buys it
        // counted; indexes stay below the lengths.
        unchecked {
            uint256 demand;
            for (uint256 k; k < buys.length; ++k) demand += quantityOf(buys[k]);
            uint256 supply;
            uint256 b; // buys below the current sell price already removed from `demand`
            uint256 i = 0;
            while (i < sells.length) {
                uint256 price = priceOf(sells[i]);
                while (i < sells.length && priceOf(sells[i]) == price) {
                    supply += quantityOf(sells[i]);
                    ++i;
                }
                while (b < buys.length && priceOf(buys[b]) < price) {
                    demand -= quantityOf(buys[b]);
                    ++b;
                }
                uint256 v = demand < supply ? demand : supply;
                if (v > q) q = v;
                // From here on V <= D <= demand <= supply: V can only fall.
                if (demand <= supply) break;
            }
        }
    }

    /// @dev Fills sells lowest price first up to `q`; returns a*.
    function _fillSells(
        uint256[] memory sells,
        uint256[] memory fills,
        uint256 q
    ) private pure returns (uint256 marginalPrice) {
        // Unchecked: filled + groupTotal <= total supply < 2^81; indexes stay within the array.
        unchecked {
            uint256 filled;
            uint256 i;
            while (true) {
                // There is always a group left: total supply >= q by definition of q.
                uint256 price = priceOf(sells[i]);
                uint256 end = i;
                uint256 groupTotal;
                while (end < sells.length && priceOf(sells[end]) == price) {
                    groupTotal += quantityOf(sells[end]);
                    ++end;
                }
                if (filled + groupTotal >= q) {
                    _shareMargin(sells, fills, i, end, q - filled, groupTotal);
                    return price;
                }
                for (uint256 k = i; k < end; ++k) fills[k] = quantityOf(sells[k]);
                filled += groupTotal;
                i = end;
            }
        }
    }

    /// @dev Fills buys highest price first up to `q`; returns b*.
    function _fillBuys(
        uint256[] memory buys,
        uint256[] memory fills,
        uint256 q
    ) private pure returns (uint256 marginalPrice) {
        // Unchecked: filled + groupTotal <= total demand < 2^81; `start` only decreases while positive.
        unchecked {
            uint256 filled;
            uint256 end = buys.length; // exclusive end of the group being looked at
            while (true) {
                // There is always a group left: total demand >= q by definition of q.
                uint256 price = priceOf(buys[end - 1]);
                uint256 start = end;
                uint256 groupTotal;
                while (start > 0 && priceOf(buys[start - 1]) == price) {
                    --start;
                    groupTotal += quantityOf(buys[start]);
                }
                if (filled + groupTotal >= q) {
                    _shareMargin(buys, fills, start, end, q - filled, groupTotal);
                    return price;
                }
                for (uint256 k = start; k < end; ++k) fills[k] = quantityOf(buys[k]);
                filled += groupTotal;
                end = start;
            }
        }
    }

    /// @dev Shares `amount` (<= groupTotal) among entries [from, to) of one price, pro rata rounded down,
    /// then 1 Wh each of the remainder to the first entries in ascending index (the entries of one price
    /// are sorted by index).
    function _shareMargin(
        uint256[] memory entries,
        uint256[] memory fills,
        uint256 from,
        uint256 to,
        uint256 amount,
        uint256 groupTotal
    ) private pure {
        // Unchecked: amount <= groupTotal < 2^81 and quantity < 2^48, so products fit; given <= amount.
        unchecked {
            uint256 given;
            for (uint256 k = from; k < to; ++k) {
                uint256 share = (amount * quantityOf(entries[k])) / groupTotal;
                fills[k] = share;
                given += share;
            }
            // Each order lost less than 1 Wh to rounding, so the remainder is below the number of orders;
            // an order only rounds down when amount < groupTotal, so share + 1 <= its quantity.
            uint256 left = amount - given;
            for (uint256 k = from; left > 0; ++k) {
                ++fills[k];
                --left;
            }
        }
    }

    /// @notice Sorts `a` ascending in place: insertion sort of runs of 8, then bottom-up merge sort through
    /// one scratch array. O(n log n) in every case, so an adversarial order book cannot make clearing
    /// quadratic. Assembly because this is the hottest loop of clearing: it saves the bounds checks of
    /// every element access (about a third of the sort's gas; covered by testFuzz_sort*).
    // solhint-disable-next-line function-max-lines
    function sort(uint256[] memory a) internal pure {
        uint256 n = a.length;
        if (n < 2) return;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let base := add(a, 0x20)
            for {
                let lo := 0
            } lt(lo, n) {
                lo := add(lo, 8)
            } {
                let hi := add(lo, 8)
                if gt(hi, n) {
                    hi := n
                }
                for {
                    let i := add(lo, 1)
                } lt(i, hi) {
                    i := add(i, 1)
                } {
                    let x := mload(add(base, shl(5, i)))
                    let j := i
                    for {} gt(j, lo) {} {
                        let previous := mload(add(base, shl(5, sub(j, 1))))
                        if iszero(gt(previous, x)) {
                            break
                        }
                        mstore(add(base, shl(5, j)), previous)
                        j := sub(j, 1)
                    }
                    mstore(add(base, shl(5, j)), x)
                }
            }
        }
        if (n <= 8) return;
        uint256[] memory scratch = new uint256[](n);
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let src := add(a, 0x20)
            let dst := add(scratch, 0x20)
            let inScratch := 0
            for {
                let width := 8
            } lt(width, n) {
                width := shl(1, width)
            } {
                for {
                    let lo := 0
                } lt(lo, n) {
                    lo := add(lo, shl(1, width))
                } {
                    let mid := add(lo, width)
                    if gt(mid, n) {
                        mid := n
                    }
                    let hi := add(mid, width)
                    if gt(hi, n) {
                        hi := n
                    }
                    let i := add(src, shl(5, lo))
                    let iEnd := add(src, shl(5, mid))
                    let j := iEnd
                    let jEnd := add(src, shl(5, hi))
                    let k := add(dst, shl(5, lo))
                    for {} and(lt(i, iEnd), lt(j, jEnd)) {
                        k := add(k, 0x20)
                    } {
                        let x := mload(i)
                        let y := mload(j)
                        switch gt(x, y)
                        case 0 {
                            mstore(k, x)
                            i := add(i, 0x20)
                        }
                        default {
                            mstore(k, y)
                            j := add(j, 0x20)
                        }
                    }
                    // One run is exhausted: copy the rest of the other.
                    mcopy(k, i, sub(iEnd, i))
                    k := add(k, sub(iEnd, i))
                    mcopy(k, j, sub(jEnd, j))
                }
                let t := src
                src := dst
                dst := t
                inScratch := iszero(inScratch)
            }
            if inScratch {
                mcopy(add(a, 0x20), src, shl(5, n))
            }
        }
    }
}
