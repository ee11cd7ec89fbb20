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

    /// @dev Fills sells lowest price first up to `q`; returns a*.
    function _fillSells(uint256[] memory sells, uint256[] memory fills, uint256 q) private pure returns (uint256 marginalPrice) {
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

    /// @dev Fills buys highest price first up to `q`; returns b*.
    function _fillBuys(uint256[] memory buys, uint256[] memory fills, uint256 q) private pure returns (uint256 marginalPrice) {
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
        uint256 given;
        for (uint256 k = from; k < to; ++k) {
            // amount <= groupTotal < 2^64 and quantity < 2^48: the product fits.
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

    /// @notice Sorts `a` ascending in place: bottom-up merge sort through one scratch array, O(n log n)
    /// in every case (an adversarial order book cannot make clearing quadratic).
    function sort(uint256[] memory a) internal pure {
        uint256 n = a.length;
        if (n < 2) return;
        // Runs of 8 sorted by insertion first: fewer passes, and cheap on short runs.
        for (uint256 lo = 0; lo < n; lo += 8) {
            uint256 hi = lo + 8 < n ? lo + 8 : n;
            for (uint256 i = lo + 1; i < hi; ++i) {
                uint256 x = a[i];
                uint256 j = i;
                while (j > lo && a[j - 1] > x) {
                    a[j] = a[j - 1];
                    --j;
                }
                a[j] = x;
            }
        }
        if (n <= 8) return;
        uint256[] memory src = a;
        uint256[] memory dst = new uint256[](n);
        bool inScratch;
        for (uint256 width = 8; width < n; width *= 2) {
            for (uint256 lo = 0; lo < n; lo += 2 * width) {
                uint256 mid = lo + width < n ? lo + width : n;
                uint256 hi = lo + 2 * width < n ? lo + 2 * width : n;
                _merge(src, dst, lo, mid, hi);
            }
            (src, dst) = (dst, src);
            inScratch = !inScratch;
        }
        if (inScratch) {
            for (uint256 i; i < n; ++i) a[i] = src[i];
        }
    }

    /// @dev Merges the sorted runs src[lo, mid) and src[mid, hi) into dst[lo, hi).
    function _merge(uint256[] memory src, uint256[] memory dst, uint256 lo, uint256 mid, uint256 hi) private pure {
        uint256 i = lo;
        uint256 j = mid;
        for (uint256 k = lo; k < hi; ++k) {
            if (i < mid && (j >= hi || src[i] <= src[j])) {
                dst[k] = src[i];
                ++i;
            } else {
                dst[k] = src[j];
                ++j;
            }
        }
    }
}
