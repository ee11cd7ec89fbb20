// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";

import {ReadingPacking} from "../../contracts/libraries/ReadingPacking.sol";

/// @notice Four lanes of 64 bits per word: | recorded 1 | importedWh 31 | exportedWh 32 |, lane = slot % 4.
contract ReadingPackingTest is Test {
    uint256 internal constant MAX_IMPORTED = (1 << 31) - 1;
    uint256 internal constant LANE_MASK = (1 << 64) - 1;

    function _laneMask(uint64 slot) private pure returns (uint256) {
        return LANE_MASK << ((uint256(slot) % 4) * 64);
    }

    function test_maxWhPerSlot_is2Pow31Minus1() public pure {
        assertEq(ReadingPacking.MAX_WH_PER_SLOT, MAX_IMPORTED);
    }

    function testFuzz_wordOf_groupsFourConsecutiveSlots(uint64 slot) public pure {
        uint64 first = slot - (slot % 4);
        assertEq(ReadingPacking.wordOf(slot), uint256(slot) / 4);
        assertEq(ReadingPacking.wordOf(first), ReadingPacking.wordOf(slot));
        if (first <= type(uint64).max - 4)
            assertEq(ReadingPacking.wordOf(first + 4), ReadingPacking.wordOf(slot) + 1);
    }

    function testFuzz_unpack_emptyLaneIsNotRecorded(uint64 slot, uint256 word) public pure {
        word &= ~_laneMask(slot);
        (bool recorded, uint32 importedWh, uint32 exportedWh) = ReadingPacking.unpack(word, slot);
        assertFalse(recorded);
        assertEq(importedWh, 0);
        assertEq(exportedWh, 0);
        assertFalse(ReadingPacking.isRecorded(word, slot));
    }

    function testFuzz_pack_zeroReadingIsRecorded(uint64 slot) public pure {
        uint256 word = ReadingPacking.pack(0, slot, 0, 0);
        (bool recorded, uint32 importedWh, uint32 exportedWh) = ReadingPacking.unpack(word, slot);
        assertTrue(recorded);
        assertEq(importedWh, 0);
        assertEq(exportedWh, 0);
        assertTrue(ReadingPacking.isRecorded(word, slot));
    }

    /// @notice Packing into an empty lane round-trips the values and leaves the other three lanes untouched.
    function testFuzz_pack_roundTripsAndKeepsOtherLanes(
        uint64 slot,
        uint256 others,
        uint32 importedWh,
        uint32 exportedWh
    ) public pure {
        importedWh = uint32(bound(importedWh, 0, MAX_IMPORTED));
        uint256 word = others & ~_laneMask(slot);
        uint256 packed = ReadingPacking.pack(word, slot, importedWh, exportedWh);
        (bool recorded, uint32 gotImported, uint32 gotExported) = ReadingPacking.unpack(packed, slot);
        assertTrue(recorded);
        assertEq(gotImported, importedWh);
        assertEq(gotExported, exportedWh);
        assertEq(packed & ~_laneMask(slot), word, "other lanes changed");
    }

    /// @notice Every lane at the field limits, all four in one word, each read back unchanged.
    function test_pack_everyLaneAtFieldLimits() public pure {
        uint32[4] memory imported = [uint32(MAX_IMPORTED), 0, uint32(MAX_IMPORTED), 1];
        uint32[4] memory exported = [type(uint32).max, type(uint32).max, 0, type(uint32).max - 1];
        uint64 base = 4 * 1_000_003;
        uint256 word;
        for (uint64 i; i < 4; ++i) {
            word = ReadingPacking.pack(word, base + i, imported[i], exported[i]);
        }
        for (uint64 i; i < 4; ++i) {
            (bool recorded, uint32 gotImported, uint32 gotExported) = ReadingPacking.unpack(word, base + i);
            assertTrue(recorded);
            assertEq(gotImported, imported[i]);
            assertEq(gotExported, exported[i]);
        }
    }

    /// @notice Four random readings packed in random order into one word all read back.
    function testFuzz_pack_fourLanesIndependent(
        uint64 word_,
        uint32[4] memory imported,
        uint32[4] memory exported,
        uint8 order
    ) public pure {
        uint64 base = uint64(bound(word_, 0, type(uint64).max / 4)) * 4;
        uint256 word;
        for (uint64 k; k < 4; ++k) {
            uint64 i = (k + order) % 4;
            imported[i] = uint32(bound(imported[i], 0, MAX_IMPORTED));
            word = ReadingPacking.pack(word, base + i, imported[i], exported[i]);
        }
        for (uint64 i; i < 4; ++i) {
            (bool recorded, uint32 gotImported, uint32 gotExported) = ReadingPacking.unpack(word, base + i);
            assertTrue(recorded);
            assertEq(gotImported, imported[i]);
            assertEq(gotExported, exported[i]);
        }
    }

    /// @notice Documents the precondition the registry enforces: importedWh above 2^31 - 1 does not fit its
    /// 31 bits (its top bit lands on the recorded flag), which is why capacities are capped at MAX_WH_PER_SLOT.
    function testFuzz_pack_importedAboveLimitIsNotRepresentable(uint64 slot, uint32 importedWh) public pure {
        importedWh = uint32(bound(importedWh, MAX_IMPORTED + 1, type(uint32).max));
        (, uint32 gotImported, ) = ReadingPacking.unpack(ReadingPacking.pack(0, slot, importedWh, 0), slot);
        assertEq(gotImported, importedWh - (1 << 31));
    }
}
