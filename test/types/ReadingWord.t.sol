// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";

import {ReadingWord, ReadingWordLibrary} from "../../contracts/types/ReadingWord.sol";

/// @notice One slot of eight meters per word, lane = meterIndex % 8: | recorded 1 | exportedWh 31 |; the key
/// is | slot 64 | meterIndex / 8 (29) |. No imported Wh.
contract ReadingWordTest is Test {
    uint256 internal constant MAX_WH = (1 << 31) - 1;
    uint256 internal constant LANE_MASK = (1 << 32) - 1;

    function _laneMask(uint32 index) private pure returns (uint256) {
        return LANE_MASK << ((uint256(index) % 8) * 32);
    }

    function _word(uint256 raw) private pure returns (ReadingWord) {
        return ReadingWord.wrap(raw);
    }

    function test_maxWhPerSlot_is2Pow31Minus1() public pure {
        assertEq(ReadingWordLibrary.MAX_WH_PER_SLOT, MAX_WH);
    }

    function test_keyOf_indices7And8_lieInNeighbouringWords() public pure {
        assertEq(ReadingWordLibrary.keyOf(0, 5), ReadingWordLibrary.keyOf(7, 5));
        assertEq(ReadingWordLibrary.keyOf(8, 5), ReadingWordLibrary.keyOf(15, 5));
        assertEq(ReadingWordLibrary.keyOf(8, 5), ReadingWordLibrary.keyOf(7, 5) + 1);
    }

    function test_keyOf_slot0_firstWordIsKeyZero() public pure {
        assertEq(ReadingWordLibrary.keyOf(1, 0), 0);
        assertEq(ReadingWordLibrary.keyOf(8, 0), 1);
        assertEq(ReadingWordLibrary.keyOf(1, 1), 1 << 29);
    }

    function test_keyOf_largestIndexAndSlot() public pure {
        assertEq(
            ReadingWordLibrary.keyOf(type(uint32).max, type(uint64).max),
            (uint256(type(uint64).max) << 29) | (uint256(type(uint32).max) >> 3)
        );
    }

    /// @notice Two (meterIndex, slot) pairs share a word iff they are in the same slot and eight-meter group.
    function testFuzz_keyOf_sharedIffSameSlotAndGroup(uint32 a, uint64 s, uint32 b, uint64 t) public pure {
        bool same = s == t && a / 8 == b / 8;
        assertEq(ReadingWordLibrary.keyOf(a, s) == ReadingWordLibrary.keyOf(b, t), same);
    }

    function testFuzz_keyOf_groupsEightNeighbouringIndices(uint32 index, uint64 slot) public pure {
        uint32 first = index - (index % 8);
        uint256 key = ReadingWordLibrary.keyOf(index, slot);
        assertEq(ReadingWordLibrary.keyOf(first, slot), key);
        assertEq(ReadingWordLibrary.keyOf(first + 7, slot), key);
        if (first <= type(uint32).max - 8) assertEq(ReadingWordLibrary.keyOf(first + 8, slot), key + 1);
    }

    function testFuzz_unpack_emptyLaneIsNotRecorded(uint32 index, uint256 raw) public pure {
        ReadingWord word = _word(raw & ~_laneMask(index));
        (bool recorded, uint32 exportedWh) = word.unpack(index);
        assertFalse(recorded);
        assertEq(exportedWh, 0);
        assertFalse(word.isRecorded(index));
    }

    function testFuzz_pack_zeroReadingIsRecorded(uint32 index) public pure {
        ReadingWord word = _word(0).pack(index, 0);
        (bool recorded, uint32 exportedWh) = word.unpack(index);
        assertTrue(recorded);
        assertEq(exportedWh, 0);
        assertTrue(word.isRecorded(index));
        assertEq(ReadingWord.unwrap(word), uint256(1 << 31) << ((uint256(index) % 8) * 32), "only the flag");
    }

    /// @notice Packing into an empty lane round-trips the value and leaves the other seven lanes untouched.
    function testFuzz_pack_roundTripsAndKeepsOtherLanes(
        uint32 index,
        uint256 others,
        uint32 exportedWh
    ) public pure {
        exportedWh = uint32(bound(exportedWh, 0, MAX_WH));
        uint256 raw = others & ~_laneMask(index);
        ReadingWord packed = _word(raw).pack(index, exportedWh);
        (bool recorded, uint32 got) = packed.unpack(index);
        assertTrue(recorded);
        assertEq(got, exportedWh);
        assertEq(ReadingWord.unwrap(packed) & ~_laneMask(index), raw, "other lanes changed");
    }

    /// @notice Every lane at the field limits, all eight meters in one word, each read back unchanged.
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
        uint32 base = 8 * 1_000_003;
        ReadingWord word;
        for (uint32 i; i < 8; ++i) word = word.pack(base + i, exported[i]);
        for (uint32 i; i < 8; ++i) {
            (bool recorded, uint32 got) = word.unpack(base + i);
            assertTrue(recorded);
            assertEq(got, exported[i]);
        }
    }

    /// @notice Eight random readings packed in random order into one word all read back.
    function testFuzz_pack_eightLanesIndependent(
        uint32 group,
        uint32[8] memory exported,
        uint8 order
    ) public pure {
        uint32 base = uint32(bound(group, 0, type(uint32).max / 8)) * 8;
        ReadingWord word;
        for (uint32 k; k < 8; ++k) {
            uint32 i = (k + order) % 8;
            exported[i] = uint32(bound(exported[i], 0, MAX_WH));
            word = word.pack(base + i, exported[i]);
        }
        for (uint32 i; i < 8; ++i) {
            (bool recorded, uint32 got) = word.unpack(base + i);
            assertTrue(recorded);
            assertEq(got, exported[i]);
        }
    }

    /// @notice Documents the precondition the registry enforces: exportedWh above 2^31 - 1 does not fit its
    /// 31 bits (its top bit lands on the recorded flag), which is why capacities are capped at MAX_WH_PER_SLOT.
    function testFuzz_pack_exportedAboveLimitIsNotRepresentable(uint32 index, uint32 exportedWh) public pure {
        exportedWh = uint32(bound(exportedWh, MAX_WH + 1, type(uint32).max));
        (, uint32 got) = _word(0).pack(index, exportedWh).unpack(index);
        assertEq(got, exportedWh - (1 << 31));
    }
}
