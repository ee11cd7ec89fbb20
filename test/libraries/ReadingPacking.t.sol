// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";

import {ReadingPacking} from "../../contracts/libraries/ReadingPacking.sol";

/// @notice Eight lanes of 32 bits per word: | recorded 1 | exportedWh 31 |, lane = slot % 8. No imported Wh.
contract ReadingPackingTest is Test {
    uint256 internal constant MAX_WH = (1 << 31) - 1;
    uint256 internal constant LANE_MASK = (1 << 32) - 1;

    function _laneMask(uint64 slot) private pure returns (uint256) {
        return LANE_MASK << ((uint256(slot) % 8) * 32);
    }

    function test_maxWhPerSlot_is2Pow31Minus1() public pure {
        assertEq(ReadingPacking.MAX_WH_PER_SLOT, MAX_WH);
    }

    function testFuzz_wordOf_groupsEightConsecutiveSlots(uint64 slot) public pure {
        uint64 first = slot - (slot % 8);
        assertEq(ReadingPacking.wordOf(slot), uint256(slot) / 8);
        assertEq(ReadingPacking.wordOf(first), ReadingPacking.wordOf(slot));
        assertEq(ReadingPacking.wordOf(first + 7), ReadingPacking.wordOf(slot));
        if (first <= type(uint64).max - 8)
            assertEq(ReadingPacking.wordOf(first + 8), ReadingPacking.wordOf(slot) + 1);
    }

    function testFuzz_unpack_emptyLaneIsNotRecorded(uint64 slot, uint256 word) public pure {
        word &= ~_laneMask(slot);
        (bool recorded, uint32 exportedWh) = ReadingPacking.unpack(word, slot);
        assertFalse(recorded);
        assertEq(exportedWh, 0);
        assertFalse(ReadingPacking.isRecorded(word, slot));
    }

    function testFuzz_pack_zeroReadingIsRecorded(uint64 slot) public pure {
        uint256 word = ReadingPacking.pack(0, slot, 0);
        (bool recorded, uint32 exportedWh) = ReadingPacking.unpack(word, slot);
        assertTrue(recorded);
        assertEq(exportedWh, 0);
        assertTrue(ReadingPacking.isRecorded(word, slot));
        assertEq(word, uint256(1 << 31) << ((uint256(slot) % 8) * 32), "only the recorded bit is set");
    }

    /// @notice Packing into an empty lane round-trips the value and leaves the other seven lanes untouched.
    function testFuzz_pack_roundTripsAndKeepsOtherLanes(
        uint64 slot,
        uint256 others,
        uint32 exportedWh
    ) public pure {
        exportedWh = uint32(bound(exportedWh, 0, MAX_WH));
        uint256 word = others & ~_laneMask(slot);
        uint256 packed = ReadingPacking.pack(word, slot, exportedWh);
        (bool recorded, uint32 got) = ReadingPacking.unpack(packed, slot);
        assertTrue(recorded);
        assertEq(got, exportedWh);
        assertEq(packed & ~_laneMask(slot), word, "other lanes changed");
    }

    /// @notice Every lane at the field limits, all eight in one word, each read back unchanged.
    function test_pack_everyLaneAtFieldLimits() public pure {
        uint32[8] memory exported = [
            uint32(MAX_WH),
            0,
            uint32(MAX_WH),
            1,
            uint32(MAX_WH - 1),
            0,
            1 << 30,
            uint32(MAX_WH)
        ];
        uint64 base = 8 * 1_000_003;
        uint256 word;
        for (uint64 i; i < 8; ++i) {
            word = ReadingPacking.pack(word, base + i, exported[i]);
        }
        for (uint64 i; i < 8; ++i) {
            (bool recorded, uint32 got) = ReadingPacking.unpack(word, base + i);
            assertTrue(recorded);
            assertEq(got, exported[i]);
        }
    }

    /// @notice Eight random readings packed in random order into one word all read back.
    function testFuzz_pack_eightLanesIndependent(
        uint64 word_,
        uint32[8] memory exported,
        uint8 order
    ) public pure {
        uint64 base = uint64(bound(word_, 0, type(uint64).max / 8)) * 8;
        uint256 word;
        for (uint64 k; k < 8; ++k) {
            uint64 i = (k + order) % 8;
            exported[i] = uint32(bound(exported[i], 0, MAX_WH));
            word = ReadingPacking.pack(word, base + i, exported[i]);
        }
        for (uint64 i; i < 8; ++i) {
            (bool recorded, uint32 got) = ReadingPacking.unpack(word, base + i);
            assertTrue(recorded);
            assertEq(got, exported[i]);
        }
    }

    /// @notice Documents the precondition the registry enforces: exportedWh above 2^31 - 1 does not fit its
    /// 31 bits (its top bit lands on the recorded flag), which is why capacities are capped at MAX_WH_PER_SLOT.
    function testFuzz_pack_exportedAboveLimitIsNotRepresentable(uint64 slot, uint32 exportedWh) public pure {
        exportedWh = uint32(bound(exportedWh, MAX_WH + 1, type(uint32).max));
        (, uint32 got) = ReadingPacking.unpack(ReadingPacking.pack(0, slot, exportedWh), slot);
        assertEq(got, exportedWh - (1 << 31));
    }
}
