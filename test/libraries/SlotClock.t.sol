// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";

import {SlotClock} from "../../contracts/libraries/SlotClock.sol";

/// @notice Calls the library through an external call so that its reverts can be expected.
contract SlotClockHarness {
    function slotOf(uint256 genesis, uint256 length, uint256 timestamp) external pure returns (uint64) {
        return SlotClock.slotOf(genesis, length, timestamp);
    }
}

/// @notice Slot s is [genesis + s * length, genesis + (s + 1) * length).
contract SlotClockTest is Test {
    uint256 internal constant GENESIS = 1_700_000_100;
    uint256 internal constant LENGTH = 900;

    SlotClockHarness internal harness;

    function setUp() public {
        harness = new SlotClockHarness();
    }

    function test_slotOf_fifteenMinuteExamples() public pure {
        assertEq(SlotClock.slotOf(GENESIS, LENGTH, GENESIS), 0);
        assertEq(SlotClock.slotOf(GENESIS, LENGTH, GENESIS + 899), 0);
        assertEq(SlotClock.slotOf(GENESIS, LENGTH, GENESIS + 900), 1);
        assertEq(SlotClock.slotOf(GENESIS, LENGTH, GENESIS + 1 days), 96);
        assertEq(SlotClock.startOf(GENESIS, LENGTH, 96), GENESIS + 1 days);
        assertEq(SlotClock.endOf(GENESIS, LENGTH, 95), GENESIS + 1 days);
    }

    function test_slotOf_beforeGenesis_reverts() public {
        vm.expectRevert(
            abi.encodeWithSelector(SlotClock.SlotClockBeforeGenesis.selector, GENESIS - 1, GENESIS)
        );
        harness.slotOf(GENESIS, LENGTH, GENESIS - 1);
    }

    function testFuzz_slotOf_revertsBeforeGenesis(uint256 genesis, uint256 length, uint256 timestamp) public {
        genesis = bound(genesis, 1, type(uint256).max);
        length = bound(length, 1, 1 days);
        timestamp = bound(timestamp, 0, genesis - 1);
        vm.expectRevert(
            abi.encodeWithSelector(SlotClock.SlotClockBeforeGenesis.selector, timestamp, genesis)
        );
        harness.slotOf(genesis, length, timestamp);
    }

    /// @notice The slot of a timestamp contains it: start <= timestamp < end.
    function testFuzz_slotOf_containsTimestamp(uint256 genesis, uint256 length, uint256 elapsed) public pure {
        genesis = bound(genesis, 0, type(uint64).max);
        length = bound(length, 1, 1 days);
        // Keep the slot within uint64, the range the registry's slots live in.
        elapsed = bound(elapsed, 0, uint256(type(uint64).max) * length);
        uint256 timestamp = genesis + elapsed;
        uint64 slot = SlotClock.slotOf(genesis, length, timestamp);
        assertEq(slot, elapsed / length);
        assertLe(SlotClock.startOf(genesis, length, slot), timestamp);
        assertGt(SlotClock.endOf(genesis, length, slot), timestamp);
    }

    /// @notice Slots tile time: end(s) = start(s) + length = start(s + 1); first and last second map back to s.
    function testFuzz_startAndEnd_tileTime(uint256 genesis, uint256 length, uint64 slot) public pure {
        genesis = bound(genesis, 0, type(uint64).max);
        length = bound(length, 1, 1 days);
        slot = uint64(bound(slot, 0, type(uint64).max - 1));
        uint256 start = SlotClock.startOf(genesis, length, slot);
        uint256 end = SlotClock.endOf(genesis, length, slot);
        assertEq(start, genesis + uint256(slot) * length);
        assertEq(end, start + length);
        assertEq(end, SlotClock.startOf(genesis, length, slot + 1));
        assertEq(SlotClock.slotOf(genesis, length, start), slot);
        assertEq(SlotClock.slotOf(genesis, length, end - 1), slot);
        assertEq(SlotClock.slotOf(genesis, length, end), slot + 1);
    }
}
