// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {UniformPriceClearing} from "../../contracts/libraries/UniformPriceClearing.sol";

/// @dev A straightforward clearing written from the issue's text: loop over every integer price of a bounded
/// range, compute D, S and V there, take the interval where V is maximal, then share at the margins.
contract ReferenceClearing {
    struct Outcome {
        uint256 price;
        uint256 quantity;
        uint256 low;
        uint256 high;
        uint256[] buyFills;
        uint256[] sellFills;
    }

    function demandAt(
        uint256[] memory prices,
        uint256[] memory qty,
        uint256 x
    ) internal pure returns (uint256 d) {
        for (uint256 i; i < prices.length; ++i) if (prices[i] >= x) d += qty[i];
    }

    function supplyAt(
        uint256[] memory prices,
        uint256[] memory qty,
        uint256 x
    ) internal pure returns (uint256 s) {
        for (uint256 i; i < prices.length; ++i) if (prices[i] <= x) s += qty[i];
    }

    /// @dev Orders are given in order-id order; every price must be <= maxPrice.
    function referenceClear(
        uint256[] memory buyPrices,
        uint256[] memory buyQty,
        uint256[] memory sellPrices,
        uint256[] memory sellQty,
        uint256 maxPrice
    ) internal pure returns (Outcome memory o) {
        o.buyFills = new uint256[](buyPrices.length);
        o.sellFills = new uint256[](sellPrices.length);
        // V over every integer price; above maxPrice D = 0, so V = 0 there.
        bool found;
        for (uint256 x = 0; x <= maxPrice + 1; ++x) {
            uint256 d = demandAt(buyPrices, buyQty, x);
            uint256 s = supplyAt(sellPrices, sellQty, x);
            uint256 v = d < s ? d : s;
            if (v > o.quantity) {
                o.quantity = v;
                o.low = x;
                o.high = x;
                found = true;
            } else if (found && v == o.quantity) {
                o.high = x;
            }
        }
        if (o.quantity == 0) {
            o.low = 0;
            o.high = 0;
            return o;
        }
        o.price = (o.low + o.high) / 2;

        uint256 bStar;
        for (uint256 x = 0; x <= maxPrice; ++x) if (demandAt(buyPrices, buyQty, x) >= o.quantity) bStar = x;
        uint256 aStar = type(uint256).max;
        for (uint256 x = maxPrice + 1; x > 0; --x) {
            if (supplyAt(sellPrices, sellQty, x - 1) >= o.quantity) aStar = x - 1;
        }
        uint256 buyMargin = o.quantity - demandAt(buyPrices, buyQty, bStar + 1);
        uint256 sellMargin = o.quantity - (aStar == 0 ? 0 : supplyAt(sellPrices, sellQty, aStar - 1));
        share(buyPrices, buyQty, o.buyFills, bStar, buyMargin, true);
        share(sellPrices, sellQty, o.sellFills, aStar, sellMargin, false);
    }

    function share(
        uint256[] memory prices,
        uint256[] memory qty,
        uint256[] memory fills,
        uint256 marginal,
        uint256 amount,
        bool isBuy
    ) internal pure {
        uint256 groupTotal;
        for (uint256 i; i < prices.length; ++i) {
            if (prices[i] == marginal) groupTotal += qty[i];
            else if (isBuy ? prices[i] > marginal : prices[i] < marginal) fills[i] = qty[i];
        }
        uint256 given;
        for (uint256 i; i < prices.length; ++i) {
            if (prices[i] != marginal) continue;
            fills[i] = (amount * qty[i]) / groupTotal;
            given += fills[i];
        }
        for (uint256 i; i < prices.length && given < amount; ++i) {
            if (prices[i] != marginal) continue;
            fills[i] += 1;
            given += 1;
        }
    }
}

contract UniformPriceClearingTest is Test, ReferenceClearing {
    using UniformPriceClearing for uint256;

    // ----------------------------------------------------------------------------------------------
    // Helpers
    // ----------------------------------------------------------------------------------------------

    function entries(
        uint256[] memory prices,
        uint256[] memory qty
    ) internal pure returns (uint256[] memory e) {
        e = new uint256[](prices.length);
        for (uint256 i; i < prices.length; ++i) e[i] = UniformPriceClearing.encode(prices[i], i, qty[i]);
    }

    /// @dev Fills by order index (the library returns them aligned with the sorted entries).
    function byIndex(
        uint256[] memory sorted,
        uint256[] memory fills
    ) internal pure returns (uint256[] memory out) {
        out = new uint256[](sorted.length);
        for (uint256 i; i < sorted.length; ++i) out[UniformPriceClearing.indexOf(sorted[i])] = fills[i];
    }

    /// @dev Fisher-Yates shuffle of the entries (each keeps its order index).
    function shuffle(uint256[] memory e, uint256 seed) internal pure {
        for (uint256 i = e.length; i > 1; --i) {
            uint256 j = uint256(keccak256(abi.encode(seed, i))) % i;
            (e[i - 1], e[j]) = (e[j], e[i - 1]);
        }
    }

    function clearByIndex(
        uint256[] memory bp,
        uint256[] memory bq,
        uint256[] memory sp,
        uint256[] memory sq,
        uint256 shuffleSeed
    ) internal pure returns (UniformPriceClearing.Result memory r, uint256[] memory bf, uint256[] memory sf) {
        uint256[] memory buys = entries(bp, bq);
        uint256[] memory sells = entries(sp, sq);
        if (shuffleSeed != 0) {
            shuffle(buys, shuffleSeed);
            shuffle(sells, uint256(keccak256(abi.encode(shuffleSeed))));
        }
        (r, bf, sf) = UniformPriceClearing.clear(buys, sells);
        bf = byIndex(buys, bf);
        sf = byIndex(sells, sf);
    }

    function arr(uint256 a) internal pure returns (uint256[] memory x) {
        x = new uint256[](1);
        x[0] = a;
    }

    function arr(uint256 a, uint256 b) internal pure returns (uint256[] memory x) {
        x = new uint256[](2);
        (x[0], x[1]) = (a, b);
    }

    function arr(uint256 a, uint256 b, uint256 c) internal pure returns (uint256[] memory x) {
        x = new uint256[](3);
        (x[0], x[1], x[2]) = (a, b, c);
    }

    function sum(uint256[] memory x) internal pure returns (uint256 s) {
        for (uint256 i; i < x.length; ++i) s += x[i];
    }

    // ----------------------------------------------------------------------------------------------
    // Worked examples of the issue
    // ----------------------------------------------------------------------------------------------

    function test_clear_workedExampleOne() public pure {
        (UniformPriceClearing.Result memory r, uint256[] memory bf, uint256[] memory sf) = clearByIndex(
            arr(8),
            arr(10),
            arr(5),
            arr(10),
            0
        );
        assertEq(r.price, 6);
        assertEq(r.quantityWh, 10);
        assertEq(r.marginalSellPrice, 5);
        assertEq(r.marginalBuyPrice, 8);
        assertEq(bf[0], 10);
        assertEq(sf[0], 10);
    }

    function test_clear_workedExampleTwo() public pure {
        (UniformPriceClearing.Result memory r, uint256[] memory bf, uint256[] memory sf) = clearByIndex(
            arr(10, 6),
            arr(5, 5),
            arr(4, 8),
            arr(5, 5),
            0
        );
        assertEq(r.quantityWh, 5);
        assertEq(r.price, 7);
        assertEq(bf[0], 5, "10-bid fills");
        assertEq(bf[1], 0);
        assertEq(sf[0], 5, "4-ask fills");
        assertEq(sf[1], 0);
    }

    function test_clear_workedExampleThree() public pure {
        (UniformPriceClearing.Result memory r, uint256[] memory bf, uint256[] memory sf) = clearByIndex(
            arr(8),
            arr(10),
            arr(5, 7),
            arr(6, 6),
            0
        );
        assertEq(r.quantityWh, 10);
        assertEq(r.price, 7);
        assertEq(bf[0], 10);
        assertEq(sf[0], 6, "5-ask fills 6");
        assertEq(sf[1], 4, "7-ask fills 4");
    }

    // ----------------------------------------------------------------------------------------------
    // Edge cases
    // ----------------------------------------------------------------------------------------------

    function test_clear_emptyBook() public pure {
        (UniformPriceClearing.Result memory r, uint256[] memory bf, uint256[] memory sf) = clearByIndex(
            new uint256[](0),
            new uint256[](0),
            new uint256[](0),
            new uint256[](0),
            0
        );
        assertEq(r.quantityWh, 0);
        assertEq(r.price, 0);
        assertEq(bf.length + sf.length, 0);
    }

    function test_clear_oneSidedBooksTradeNothing() public pure {
        (UniformPriceClearing.Result memory r, uint256[] memory bf, ) = clearByIndex(
            arr(8, 9),
            arr(10, 3),
            new uint256[](0),
            new uint256[](0),
            0
        );
        assertEq(r.quantityWh, 0);
        assertEq(bf[0] + bf[1], 0);
        uint256[] memory sf;
        (r, , sf) = clearByIndex(new uint256[](0), new uint256[](0), arr(1), arr(7), 0);
        assertEq(r.quantityWh, 0);
        assertEq(sf[0], 0);
    }

    function test_clear_noCrossTradesNothing() public pure {
        (UniformPriceClearing.Result memory r, uint256[] memory bf, uint256[] memory sf) = clearByIndex(
            arr(4),
            arr(10),
            arr(5),
            arr(10),
            0
        );
        assertEq(r.quantityWh, 0);
        assertEq(bf[0] + sf[0], 0);
    }

    function test_clear_extremePrices() public pure {
        uint256 max = type(uint64).max;
        (UniformPriceClearing.Result memory r, , ) = clearByIndex(arr(max), arr(1), arr(0), arr(1), 0);
        assertEq(r.quantityWh, 1);
        assertEq(r.price, max / 2);
        (r, , ) = clearByIndex(arr(max), arr(1), arr(max), arr(1), 0);
        assertEq(r.price, max);
    }

    function test_clear_marginRemainderGoesToLowestIndexes() public pure {
        // Three buys of 1 Wh at the same price share 2 Wh: floor shares are 0, the two first get 1 Wh.
        (UniformPriceClearing.Result memory r, uint256[] memory bf, uint256[] memory sf) = clearByIndex(
            arr(9, 9, 9),
            arr(1, 1, 1),
            arr(3),
            arr(2),
            7
        );
        assertEq(r.quantityWh, 2);
        assertEq(bf[0], 1);
        assertEq(bf[1], 1);
        assertEq(bf[2], 0);
        assertEq(sf[0], 2);
        // P = floor((3 + 9) / 2)
        assertEq(r.price, 6);
    }

    function test_clear_proRataAtTheMargin() public pure {
        // Sells 30 and 10 at 5 share 20 Wh: 15 and 5.
        (UniformPriceClearing.Result memory r, , uint256[] memory sf) = clearByIndex(
            arr(9),
            arr(20),
            arr(5, 5),
            arr(30, 10),
            0
        );
        assertEq(r.quantityWh, 20);
        assertEq(sf[0], 15);
        assertEq(sf[1], 5);
    }

    function test_clear_hugeQuantities() public pure {
        uint256 max = type(uint48).max;
        (UniformPriceClearing.Result memory r, uint256[] memory bf, uint256[] memory sf) = clearByIndex(
            arr(5, 5, 5),
            arr(max, max, max),
            arr(5),
            arr(max),
            0
        );
        assertEq(r.quantityWh, max);
        assertEq(sum(bf), max);
        assertEq(sf[0], max);
    }

    function test_encode_revertsOnOverflow() public {
        vm.expectRevert();
        this.encodeExternal(uint256(type(uint64).max) + 1, 0, 1);
        vm.expectRevert();
        this.encodeExternal(1, uint256(type(uint32).max) + 1, 1);
        vm.expectRevert();
        this.encodeExternal(1, 0, uint256(type(uint48).max) + 1);
    }

    function encodeExternal(uint256 p, uint256 i, uint256 q) external pure returns (uint256) {
        return UniformPriceClearing.encode(p, i, q);
    }

    // ----------------------------------------------------------------------------------------------
    // Fuzz: the library against the reference over random books
    // ----------------------------------------------------------------------------------------------

    /// @dev Random book from a seed. `mode` picks the shape: tiny quantities, huge quantities, mixed;
    /// few or many distinct prices (ties); sometimes one side empty.
    function randomBook(
        uint256 seed,
        uint256 mode
    )
        internal
        pure
        returns (
            uint256[] memory bp,
            uint256[] memory bq,
            uint256[] memory sp,
            uint256[] memory sq,
            uint256 maxPrice
        )
    {
        uint256 nb = uint256(keccak256(abi.encode(seed, "nb"))) % 25;
        uint256 ns = uint256(keccak256(abi.encode(seed, "ns"))) % 25;
        if (mode % 7 == 0) nb = 0;
        if (mode % 11 == 0) ns = 0;
        maxPrice = mode % 3 == 0 ? 3 : (mode % 3 == 1 ? 20 : 120);
        bp = new uint256[](nb);
        bq = new uint256[](nb);
        sp = new uint256[](ns);
        sq = new uint256[](ns);
        for (uint256 i; i < nb; ++i) {
            bp[i] = uint256(keccak256(abi.encode(seed, "bp", i))) % (maxPrice + 1);
            bq[i] = randomQuantity(seed, mode, "bq", i);
        }
        for (uint256 i; i < ns; ++i) {
            sp[i] = uint256(keccak256(abi.encode(seed, "sp", i))) % (maxPrice + 1);
            sq[i] = randomQuantity(seed, mode, "sq", i);
        }
    }

    function randomQuantity(
        uint256 seed,
        uint256 mode,
        string memory tag,
        uint256 i
    ) internal pure returns (uint256) {
        uint256 r = uint256(keccak256(abi.encode(seed, tag, i)));
        uint256 shape = (mode / 3) % 4;
        if (shape == 0) return 1 + (r % 3); // tiny: many rounding remainders
        if (shape == 1) return type(uint48).max - (r % 1000); // huge
        if (shape == 2) return 1 + (r % 1_000_000);
        return (r & 1) == 0 ? 1 + (r % 5) : type(uint48).max - (r % 7); // mixed
    }

    function testFuzz_clearMatchesReference(uint256 seed, uint256 mode) public pure {
        (
            uint256[] memory bp,
            uint256[] memory bq,
            uint256[] memory sp,
            uint256[] memory sq,
            uint256 maxPrice
        ) = randomBook(seed, mode);
        Outcome memory ref = referenceClear(bp, bq, sp, sq, maxPrice);
        (UniformPriceClearing.Result memory r, uint256[] memory bf, uint256[] memory sf) = clearByIndex(
            bp,
            bq,
            sp,
            sq,
            seed | 1
        );
        assertEq(r.quantityWh, ref.quantity, "Q");
        assertEq(r.price, ref.price, "P");
        if (ref.quantity > 0) {
            assertEq(r.marginalSellPrice, ref.low, "a* = x_lo");
            assertEq(r.marginalBuyPrice, ref.high, "b* = x_hi");
        }
        for (uint256 i; i < bf.length; ++i) {
            assertEq(bf[i], ref.buyFills[i], "buy fill");
            assertLe(bf[i], bq[i]);
        }
        for (uint256 i; i < sf.length; ++i) {
            assertEq(sf[i], ref.sellFills[i], "sell fill");
            assertLe(sf[i], sq[i]);
        }
        assertEq(sum(bf), r.quantityWh, "buy fills = Q");
        assertEq(sum(sf), r.quantityWh, "sell fills = Q");
    }

    function testFuzz_clearIndependentOfArrivalOrder(
        uint256 seed,
        uint256 mode,
        uint256 shuffleSeed
    ) public pure {
        (uint256[] memory bp, uint256[] memory bq, uint256[] memory sp, uint256[] memory sq, ) = randomBook(
            seed,
            mode
        );
        (UniformPriceClearing.Result memory r1, uint256[] memory bf1, uint256[] memory sf1) = clearByIndex(
            bp,
            bq,
            sp,
            sq,
            0
        );
        (UniformPriceClearing.Result memory r2, uint256[] memory bf2, uint256[] memory sf2) = clearByIndex(
            bp,
            bq,
            sp,
            sq,
            shuffleSeed | 1
        );
        assertEq(r1.price, r2.price);
        assertEq(r1.quantityWh, r2.quantityWh);
        for (uint256 i; i < bf1.length; ++i) assertEq(bf1[i], bf2[i]);
        for (uint256 i; i < sf1.length; ++i) assertEq(sf1[i], sf2[i]);
    }

    function testFuzz_sortSortsAPermutation(uint256[] memory a) public pure {
        uint256[] memory copy = new uint256[](a.length);
        uint256 xorAll;
        uint256 sumAll;
        for (uint256 i; i < a.length; ++i) {
            copy[i] = a[i];
            xorAll ^= a[i];
            unchecked {
                sumAll += a[i];
            }
        }
        UniformPriceClearing.sort(copy);
        uint256 xorSorted;
        uint256 sumSorted;
        for (uint256 i; i < copy.length; ++i) {
            if (i > 0) assertLe(copy[i - 1], copy[i]);
            xorSorted ^= copy[i];
            unchecked {
                sumSorted += copy[i];
            }
        }
        assertEq(xorSorted, xorAll);
        assertEq(sumSorted, sumAll);
    }

    function testFuzz_sortLongArrays(uint256 seed, uint16 length) public pure {
        uint256 n = bound(length, 0, 300);
        uint256[] memory a = new uint256[](n);
        for (uint256 i; i < n; ++i) a[i] = uint256(keccak256(abi.encode(seed, i))) % 50;
        UniformPriceClearing.sort(a);
        for (uint256 i = 1; i < n; ++i) assertLe(a[i - 1], a[i]);
    }
}
