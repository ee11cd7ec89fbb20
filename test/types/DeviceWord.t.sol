// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {IMeterRegistry} from "../../contracts/interfaces/IMeterRegistry.sol";
import {DeviceWord, DeviceWordLibrary} from "../../contracts/types/DeviceWord.sol";

contract DeviceWordTest is Test {
    /// @notice Every field packs and unpacks at any value, its limits included, and no setter touches another.
    function testFuzz_deviceRoundTrip(
        address signer,
        uint32 capacity,
        uint32 commissionedAt,
        uint24 index,
        uint8 statusSeed,
        address newSigner,
        uint32 newCapacity,
        uint8 newStatusSeed
    ) public pure {
        IMeterRegistry.MeterStatus status = IMeterRegistry.MeterStatus(statusSeed % 4);
        IMeterRegistry.MeterStatus newStatus = IMeterRegistry.MeterStatus(newStatusSeed % 4);
        DeviceWord word = DeviceWordLibrary.pack(signer, capacity, commissionedAt, index, status);
        _assertFields(word, signer, capacity, commissionedAt, index, status, false);

        DeviceWord pending = word.withPending(true);
        _assertFields(pending, signer, capacity, commissionedAt, index, status, true);
        assertEq(DeviceWord.unwrap(pending.withPending(false)), DeviceWord.unwrap(word));

        DeviceWord changed = pending.withKeyAndCapacity(newSigner, newCapacity).withStatus(newStatus);
        _assertFields(changed, newSigner, newCapacity, commissionedAt, index, newStatus, true);
    }

    function test_pack_limits() public pure {
        DeviceWord word = DeviceWordLibrary.pack(
            address(type(uint160).max),
            type(uint32).max,
            type(uint32).max,
            type(uint24).max,
            IMeterRegistry.MeterStatus.Retired
        );
        _assertFields(
            word,
            address(type(uint160).max),
            type(uint32).max,
            type(uint32).max,
            type(uint24).max,
            IMeterRegistry.MeterStatus.Retired,
            false
        );
        // The five free bits and the pending bit stay clear.
        assertEq(DeviceWord.unwrap(word) >> 250, 0);
    }

    function _assertFields(
        DeviceWord word,
        address signer,
        uint32 capacity,
        uint32 commissionedAt,
        uint24 index,
        IMeterRegistry.MeterStatus status,
        bool pending
    ) private pure {
        assertEq(word.signer(), signer);
        assertEq(word.ratedCapacityW(), capacity);
        assertEq(word.commissionedAt(), commissionedAt);
        assertEq(word.index(), index);
        assertEq(uint8(word.status()), uint8(status));
        assertEq(word.hasPending(), pending);
    }
}
