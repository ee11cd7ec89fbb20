// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IMeterRegistry} from "../contracts/interfaces/IMeterRegistry.sol";
import {MeterRegistryTestBase} from "./MeterRegistryBase.t.sol";

/// @notice Readings of meters that share a storage word (one slot, indices 8k .. 8k + 7) stay independent:
/// each (meter, slot) holds exactly its own reading, once, whatever its neighbours record.
contract MeterRegistryLanesTest is MeterRegistryTestBase {
    /// @dev Meters 1 .. 17: words {1..7}, {8..15}, {16, 17} of every slot.
    uint32 internal constant METERS = 17;
    /// @dev Most Wh a reading can claim at the largest rated capacity (2^32 - 1 W for 15 minutes).
    uint32 internal constant MAX_EXPORT = uint32((uint256(type(uint32).max) * 900) / 3600);

    function setUp() public {
        _deployRegistry();
        for (uint32 index = 1; index <= METERS; ++index) {
            _registerSolar(_meter(index), type(uint32).max, uint32(GENESIS));
        }
    }

    function _key(uint32 index) private pure returns (uint256) {
        return 0x5EED00 + index;
    }

    function _meter(uint32 index) private pure returns (address) {
        return vm.addr(_key(index));
    }

    function _submit(uint32 index, uint64 slot, uint32 exportedWh) private {
        registry.submitReading(_sign(_key(index), _meter(index), slot, 7, exportedWh));
    }

    function _assertReading(uint32 index, uint64 slot, bool recorded, uint32 exportedWh) private view {
        IMeterRegistry.Reading memory reading = registry.readingOfIndex(index, slot);
        assertEq(reading.recorded, recorded, "recorded");
        assertEq(reading.exportedWh, exportedWh, "exportedWh");
        reading = registry.readingOf(_meter(index), slot);
        assertEq(reading.recorded, recorded, "recorded by address");
        assertEq(reading.exportedWh, exportedWh, "exportedWh by address");
    }

    function test_setUp_indicesAreConsecutive() public view {
        for (uint32 index = 1; index <= METERS; ++index) {
            assertEq(registry.meterOf(_meter(index)).index, index);
        }
    }

    /// @notice Meter 7 is the last lane of the first word, meter 8 the first lane of the next: both at the
    /// largest export, neither touches the other nor meters 6 and 9.
    function test_submitReading_indices7And8_atMaxExport_independent() public {
        vm.warp(_slotEnd(3));
        _submit(7, 3, MAX_EXPORT);
        _submit(8, 3, MAX_EXPORT);
        _assertReading(7, 3, true, MAX_EXPORT);
        _assertReading(8, 3, true, MAX_EXPORT);
        _assertReading(6, 3, false, 0);
        _assertReading(9, 3, false, 0);
        _assertReading(7, 2, false, 0);
        _assertReading(8, 4, false, 0);
    }

    /// @notice Slot 0 of meters 1 .. 7 is storage key 0; it holds readings like any other word.
    function test_submitReading_slot0_recordedAndNotAliased() public {
        vm.warp(_slotEnd(0));
        _submit(1, 0, 11);
        _submit(7, 0, 0);
        _assertReading(1, 0, true, 11);
        _assertReading(7, 0, true, 0);
        _assertReading(2, 0, false, 0);
        _assertReading(0, 0, false, 0);
        _assertReading(1, 1, false, 0);
    }

    /// @notice A zero reading is recorded: a neighbour's later reading neither clears nor duplicates it.
    function test_submitReading_neighbourAfterZeroReading_bothKept() public {
        vm.warp(_slotEnd(5));
        _submit(2, 5, 0);
        _submit(3, 5, 42);
        _assertReading(2, 5, true, 0);
        _assertReading(3, 5, true, 42);
    }

    /// @notice The lane of a recorded reading refuses a second reading, while the other lanes of its word
    /// still accept theirs.
    function test_submitReading_secondReadingInSharedWord_onlyDuplicateReverts() public {
        vm.warp(_slotEnd(5));
        _submit(10, 5, 100);
        vm.expectRevert(abi.encodeWithSelector(IMeterRegistry.RegistryReadingExists.selector, _meter(10), 5));
        _submit(10, 5, 101);
        _submit(11, 5, 200);
        _assertReading(10, 5, true, 100);
        _assertReading(11, 5, true, 200);
    }

    /// @notice One data hub batch of every meter's reading of one slot: all recorded, each its own value.
    function test_submitReadings_oneSlotOfEveryMeter_eachReadsBack() public {
        vm.warp(_slotEnd(9));
        IMeterRegistry.SignedReading[] memory batch = new IMeterRegistry.SignedReading[](METERS);
        for (uint32 index = 1; index <= METERS; ++index) {
            batch[index - 1] = _sign(_key(index), _meter(index), 9, 1, index * 1000 + 1);
        }
        registry.submitReadings(batch);
        for (uint32 index = 1; index <= METERS; ++index) _assertReading(index, 9, true, index * 1000 + 1);
        _assertReading(METERS + 1, 9, false, 0);
    }

    /// @notice Random readings of random meters of one slot and its neighbour, in random order: each
    /// (meter, slot) holds exactly the value first recorded for it, the others stay empty.
    function testFuzz_submitReading_sharedWords_eachLaneKeepsItsReading(
        uint64 slot,
        uint256 seed,
        uint32[8] memory values
    ) public {
        slot = uint64(bound(slot, 0, 1_000_000));
        vm.warp(_slotEnd(slot + 1));
        uint32[METERS + 1][2] memory expected;
        bool[METERS + 1][2] memory recorded;
        for (uint256 k; k < values.length; ++k) {
            uint32 index = uint32(1 + (uint256(keccak256(abi.encode(seed, k))) % METERS));
            uint256 later = uint256(keccak256(abi.encode(seed, k, "slot"))) % 2;
            if (recorded[later][index]) continue;
            uint32 exportedWh = uint32(bound(values[k], 0, MAX_EXPORT));
            _submit(index, slot + uint64(later), exportedWh);
            recorded[later][index] = true;
            expected[later][index] = exportedWh;
        }
        for (uint256 later; later < 2; ++later) {
            for (uint32 index = 1; index <= METERS; ++index) {
                _assertReading(index, slot + uint64(later), recorded[later][index], expected[later][index]);
            }
        }
    }

    /// @notice Over any (index, slot) pair a view can be asked for, only the recorded one holds a reading.
    function testFuzz_readingOfIndex_onlyTheRecordedPair(
        uint32 index,
        uint64 slot,
        uint32 otherIndex,
        uint64 otherSlot
    ) public {
        index = uint32(bound(index, 1, METERS));
        slot = uint64(bound(slot, 0, 1_000_000));
        vm.warp(_slotEnd(slot));
        _submit(index, slot, 77);
        bool same = otherIndex == index && otherSlot == slot;
        IMeterRegistry.Reading memory reading = registry.readingOfIndex(otherIndex, otherSlot);
        assertEq(reading.recorded, same);
        assertEq(reading.exportedWh, same ? 77 : 0);
    }
}
