// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {stdStorage, StdStorage} from "forge-std/StdStorage.sol";

import {MeterRegistry} from "../contracts/MeterRegistry.sol";
import {IMeterRegistry} from "../contracts/interfaces/IMeterRegistry.sol";
import {MeterRegistryTestBase} from "./MeterRegistryBase.t.sol";

/// @notice Unit and fuzz tests of reading validation; the TypeScript suite covers the rest of the API.
contract MeterRegistryTest is MeterRegistryTestBase {
    using stdStorage for StdStorage;

    uint256 internal constant METER_KEY = 0xA11CE;
    uint256 internal constant OTHER_KEY = 0xB0B;
    address internal meter;

    function setUp() public {
        _deployRegistry();
        meter = vm.addr(METER_KEY);
        _registerSolar(meter, 4000, uint32(GENESIS));
    }

    // ---------------------------------------------------------------------------------------------
    // Unit
    // ---------------------------------------------------------------------------------------------

    function test_readingDigest_matchesIndependentEip712() public view {
        bytes32 commitment = keccak256("commitment");
        assertEq(
            registry.readingDigest(meter, 7, 2, commitment),
            _digest(block.chainid, address(registry), meter, 7, 2, commitment)
        );
    }

    function test_importedCommitment_isKeccakOfAbiEncodedOpening() public view {
        bytes32 salt = _saltOf(METER_KEY, meter, 7);
        assertEq(registry.importedCommitment(meter, 7, 1234, salt), _commitment(meter, 7, 1234, salt));
        assertEq(
            registry.importedCommitment(meter, 7, 1234, salt),
            keccak256(abi.encode(meter, uint64(7), uint32(1234), salt))
        );
    }

    /// @notice The opening (importedWh, salt) of a recorded reading verifies against the commitment of its
    /// `ReadingRecorded` event; any other value, salt, slot or meter does not.
    function testFuzz_verifyImportedWh_onlyTheOpeningVerifies(
        uint32 importedWh,
        uint32 otherWh,
        bytes32 otherSalt
    ) public {
        vm.warp(_slotEnd(3));
        IMeterRegistry.SignedReading memory reading = _sign(METER_KEY, meter, 3, importedWh, 5);
        bytes32 salt = _saltOf(METER_KEY, meter, 3);
        vm.recordLogs();
        registry.submitReading(reading);
        (, bytes32 logged) = abi.decode(vm.getRecordedLogs()[0].data, (uint32, bytes32));
        assertEq(logged, reading.importedCommitment);

        assertTrue(registry.verifyImportedWh(meter, 3, importedWh, salt, logged));
        vm.assume(otherWh != importedWh && otherSalt != salt);
        assertFalse(registry.verifyImportedWh(meter, 3, otherWh, salt, logged), "other value verified");
        assertFalse(
            registry.verifyImportedWh(meter, 3, importedWh, otherSalt, logged),
            "other salt verified"
        );
        assertFalse(registry.verifyImportedWh(meter, 4, importedWh, salt, logged), "other slot verified");
        assertFalse(registry.verifyImportedWh(owner, 3, importedWh, salt, logged), "other meter verified");
    }

    /// @notice The signature binds the commitment: the meter's signature over one imported value does not carry a
    /// commitment to another (the attacker knows the salt here, which a real one would not).
    function test_submitReading_otherCommitmentWithSameSignature_reverts() public {
        vm.warp(_slotEnd(3));
        IMeterRegistry.SignedReading memory reading = _sign(METER_KEY, meter, 3, 100, 5);
        IMeterRegistry.SignedReading memory forged = IMeterRegistry.SignedReading({
            meter: meter,
            slot: 3,
            exportedWh: 5,
            importedCommitment: _commitment(meter, 3, 1, _saltOf(METER_KEY, meter, 3)),
            r: reading.r,
            vs: reading.vs
        });
        vm.expectPartialRevert(IMeterRegistry.RegistryInvalidSignature.selector);
        registry.submitReading(forged);
        assertFalse(registry.readingOf(meter, 3).recorded);
        registry.submitReading(reading);
        assertTrue(registry.readingOf(meter, 3).recorded);
    }

    /// @notice Import is not bounded on chain any more (it is hidden): only the export is checked against the
    /// rated capacity, and an import above it is recorded.
    function test_submitReading_importAboveCapacity_isRecorded() public {
        vm.warp(_slotEnd(3));
        uint256 maxWh = registry.maxWhPerSlot(meter);
        registry.submitReading(_sign(METER_KEY, meter, 3, type(uint32).max, uint32(maxWh)));
        assertEq(registry.readingOf(meter, 3).exportedWh, maxWh);
        IMeterRegistry.SignedReading memory over = _sign(METER_KEY, meter, 2, 0, uint32(maxWh + 1));
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeterRegistry.RegistryReadingExceedsCapacity.selector,
                meter,
                uint64(2),
                maxWh + 1,
                maxWh
            )
        );
        registry.submitReading(over);
    }

    /// @notice A batch copy that differs from the recorded reading only in its commitment changes nothing: it is
    /// skipped (idempotence compares what is stored), and the first commitment remains the only one logged.
    function test_submitReadings_copyWithOtherCommitment_isSkipped() public {
        vm.warp(_slotEnd(3));
        IMeterRegistry.SignedReading memory first = _sign(METER_KEY, meter, 3, 100, 5);
        registry.submitReading(first);
        IMeterRegistry.SignedReading[] memory batch = new IMeterRegistry.SignedReading[](2);
        batch[0] = _sign(METER_KEY, meter, 3, 101, 5);
        batch[1] = _sign(METER_KEY, meter, 2, 7, 6);
        vm.recordLogs();
        registry.submitReadings(batch);
        assertEq(vm.getRecordedLogs().length, 1, "only slot 2 logged");
        assertEq(registry.readingOf(meter, 2).exportedWh, 6);
        batch[0] = _sign(METER_KEY, meter, 3, 100, 6);
        vm.expectRevert(
            abi.encodeWithSelector(IMeterRegistry.RegistryReadingExists.selector, meter, uint64(3))
        );
        registry.submitReadings(batch);
    }

    /// @dev Compact indexes are 24 bits wide: the 16,777,215th meter is the last one.
    function test_registerMeter_beyondIndexRange_reverts() public {
        uint256 lastIndex = type(uint24).max;
        stdstore.target(address(registry)).sig("meterCount()").checked_write(lastIndex - 1);
        _registerSolar(vm.addr(0x1A57), 1000, 0);
        assertEq(registry.meterOf(vm.addr(0x1A57)).index, lastIndex);
        assertEq(registry.meterAt(uint32(lastIndex)), vm.addr(0x1A57));

        vm.expectRevert(abi.encodeWithSelector(IMeterRegistry.RegistryTooManyMeters.selector, lastIndex));
        _registerSolar(vm.addr(0x2A57), 1000, 0);
        assertEq(registry.meterCount(), lastIndex);
    }

    function test_submitReading_recordsAtSlotEnd() public {
        vm.warp(_slotEnd(3));
        vm.expectEmit(address(registry));
        emit IMeterRegistry.ReadingRecorded(
            meter,
            3,
            990,
            _commitment(meter, 3, 10, _saltOf(METER_KEY, meter, 3))
        );
        registry.submitReading(_sign(METER_KEY, meter, 3, 10, 990));
        IMeterRegistry.Reading memory reading = registry.readingOf(meter, 3);
        assertTrue(reading.recorded);
        assertEq(reading.exportedWh, 990);
    }

    function test_submitReading_oneSecondBeforeSlotEnd_reverts() public {
        uint256 slotEnd = _slotEnd(3);
        vm.warp(slotEnd - 1);
        IMeterRegistry.SignedReading memory reading = _sign(METER_KEY, meter, 3, 0, 1);
        vm.expectRevert(
            abi.encodeWithSelector(IMeterRegistry.RegistrySlotNotEnded.selector, 3, slotEnd, slotEnd - 1)
        );
        registry.submitReading(reading);
    }

    function test_submitReading_atWindowEnd_reverts() public {
        uint256 windowEnd = _slotEnd(3) + READING_WINDOW;
        assertEq(registry.readingWindowEnd(3), windowEnd);
        vm.warp(windowEnd);
        IMeterRegistry.SignedReading memory reading = _sign(METER_KEY, meter, 3, 0, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeterRegistry.RegistryReadingWindowClosed.selector,
                3,
                windowEnd,
                windowEnd
            )
        );
        registry.submitReading(reading);
        vm.warp(windowEnd - 1);
        registry.submitReading(reading);
        assertTrue(registry.readingOf(meter, 3).recorded);
    }

    /// @dev The twin (n - s, other parity) recovers the meter under plain ecrecover; in compact form its high
    /// bit collides with the parity bit, and the registry must refuse it either way.
    function test_submitReading_highSTwin_reverts() public {
        vm.warp(_slotEnd(3));
        IMeterRegistry.SignedReading memory twin = _sign(METER_KEY, meter, 3, 0, 500);
        bytes32 digest = _digest(block.chainid, address(registry), meter, 3, 500, twin.importedCommitment);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(METER_KEY, digest);
        assertLe(uint256(s), HALF_ORDER, "vm.sign returns low-s");
        uint256 highS = SECP256K1_ORDER - uint256(s);
        uint8 twinV = v == 27 ? 28 : 27;
        assertEq(ecrecover(digest, twinV, r, bytes32(highS)), meter, "plain ecrecover accepts the twin");

        twin.vs = bytes32(highS | (uint256(twinV - 27) << 255));
        // The registry decodes s as the low 255 bits and the parity from the top bit.
        uint256 decodedS = uint256(twin.vs) & ((1 << 255) - 1);
        uint8 decodedV = uint8(uint256(twin.vs) >> 255) + 27;
        address recovered =
            decodedS > HALF_ORDER ? address(0) : ecrecover(digest, decodedV, r, bytes32(decodedS));
        assertTrue(recovered != meter);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeterRegistry.RegistryInvalidSignature.selector,
                meter,
                uint64(3),
                recovered
            )
        );
        registry.submitReading(twin);

        (twin.r, twin.vs) = _compact(v, r, s);
        registry.submitReading(twin);
        assertEq(registry.readingOf(meter, 3).exportedWh, 500);
    }

    function test_submitReading_afterChainIdChange_reverts() public {
        vm.warp(_slotEnd(3));
        uint256 originalChain = block.chainid;
        IMeterRegistry.SignedReading memory reading = _sign(METER_KEY, meter, 3, 0, 1);
        vm.chainId(originalChain + 1);
        address recovered = ecrecover(
            _digest(originalChain + 1, address(registry), meter, 3, 1, reading.importedCommitment),
            uint8(uint256(reading.vs) >> 255) + 27,
            reading.r,
            bytes32(uint256(reading.vs) & ((1 << 255) - 1))
        );
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeterRegistry.RegistryInvalidSignature.selector,
                meter,
                uint64(3),
                recovered
            )
        );
        registry.submitReading(reading);
        registry.submitReading(_sign(METER_KEY, meter, 3, 0, 1));
        assertTrue(registry.readingOf(meter, 3).recorded);
    }

    function test_submitReading_forAnotherRegistry_reverts() public {
        vm.warp(_slotEnd(3));
        MeterRegistry other = new MeterRegistry(admin, GENESIS, SLOT_LENGTH, READING_WINDOW, CHANGE_DELAY);
        IMeterRegistry.SignedReading memory reading = _signFor(
            METER_KEY,
            block.chainid,
            address(other),
            meter,
            3,
            0,
            1
        );
        vm.expectPartialRevert(IMeterRegistry.RegistryInvalidSignature.selector);
        registry.submitReading(reading);
        assertFalse(registry.readingOf(meter, 3).recorded);
    }

    // ---------------------------------------------------------------------------------------------
    // Fuzz
    // ---------------------------------------------------------------------------------------------

    /// @dev What the test does to the meter between registration and submission (Active is drawn half the time).
    enum Scenario {
        Active,
        Suspended,
        Revoked,
        Retired,
        RotatedToOtherKey
    }

    struct FuzzCase {
        uint256 signingKey;
        uint256 otherKey;
        uint32 ratedCapacityW;
        uint256 maxWh;
        uint32 commissionedAt;
        uint64 slot;
        uint256 timestamp;
        uint32 importedWh;
        uint32 exportedWh;
        Scenario scenario;
        bool preRecorded;
        /// @dev Whether the operator's change (revocation, retirement, rotation) applies to the reading's slot:
        /// it applies from the slot CHANGE_DELAY after the one it was made in.
        bool changeApplies;
    }

    /// @notice A reading is recorded iff every rule holds; otherwise the first broken rule's error is thrown and
    /// nothing changes. The expectation is computed here from the rules, not from the registry: the operator's
    /// change applies only from CHANGE_DELAY slots after the slot it was made in, a suspension never refuses
    /// a reading.
    function testFuzz_submitReading_acceptedIffAllRulesHold(
        uint256 otherKey,
        bool signWithOtherKey,
        uint32 ratedCapacityW,
        uint256 commissionOffset,
        uint64 slot,
        uint256 timeOffset,
        uint32 importedWh,
        uint32 exportedWh,
        uint8 scenario,
        uint8 preRecorded
    ) public {
        FuzzCase memory c;
        c.otherKey = boundPrivateKey(otherKey);
        c.signingKey = signWithOtherKey ? c.otherKey : 0xFEED;
        c.ratedCapacityW = uint32(bound(ratedCapacityW, 1, type(uint32).max));
        c.maxWh = (uint256(c.ratedCapacityW) * SLOT_LENGTH) / 3600;
        c.slot = uint64(bound(slot, 2, 2000));
        // Around the slot's start: before it (refused, one time in four), at it and after it (accepted).
        c.commissionedAt = uint32(
            _slotStart(c.slot) - SLOT_LENGTH + bound(commissionOffset, 0, (4 * SLOT_LENGTH) / 3)
        );
        // From one slot before the slot starts to one slot after its window closed.
        c.timestamp =
            _slotStart(c.slot) -
            SLOT_LENGTH +
            bound(timeOffset, 0, 3 * SLOT_LENGTH + READING_WINDOW);
        // Import is any value (it is hidden, not bounded); export up to two Wh over the limit so that both
        // sides of the capacity rule are hit.
        c.importedWh = importedWh;
        c.exportedWh = uint32(bound(exportedWh, 0, c.maxWh + 2));
        uint256 drawn = bound(scenario, 0, 2 * uint256(type(Scenario).max) - 1);
        c.scenario = drawn > uint256(type(Scenario).max) ? Scenario.Active : Scenario(drawn);
        // A reading already recorded in the slot one time in four.
        c.preRecorded = preRecorded % 4 == 0 && c.commissionedAt <= _slotStart(c.slot);
        _run(c);
    }

    function _run(FuzzCase memory c) private {
        address identity = vm.addr(0xFEED);
        _registerSolar(identity, c.ratedCapacityW, c.commissionedAt);
        if (c.preRecorded) {
            vm.warp(_slotEnd(c.slot));
            registry.submitReading(_sign(0xFEED, identity, c.slot, 0, 0));
        }
        // Changed before genesis (slot 0) or, after the pre-recorded reading, in slot c.slot + 1.
        _applyScenario(identity, c.scenario, c.otherKey);
        c.changeApplies = c.slot >= (c.preRecorded ? c.slot + 1 : 0) + CHANGE_DELAY;

        bytes memory expected = _expectedError(identity, c);
        IMeterRegistry.SignedReading memory reading = _sign(
            c.signingKey,
            identity,
            c.slot,
            c.importedWh,
            c.exportedWh
        );
        IMeterRegistry.Reading memory before = registry.readingOf(identity, c.slot);
        vm.warp(c.timestamp);
        if (expected.length == 0) {
            vm.expectEmit(address(registry));
            emit IMeterRegistry.ReadingRecorded(
                identity,
                c.slot,
                c.exportedWh,
                _commitment(identity, c.slot, c.importedWh, _saltOf(c.signingKey, identity, c.slot))
            );
            registry.submitReading(reading);
            IMeterRegistry.Reading memory stored = registry.readingOf(identity, c.slot);
            assertTrue(stored.recorded);
            assertEq(stored.exportedWh, c.exportedWh);
            // A replay of the accepted reading is refused.
            vm.expectRevert(
                abi.encodeWithSelector(IMeterRegistry.RegistryReadingExists.selector, identity, c.slot)
            );
            registry.submitReading(reading);
        } else {
            vm.expectRevert(expected);
            registry.submitReading(reading);
            IMeterRegistry.Reading memory stored = registry.readingOf(identity, c.slot);
            assertEq(stored.recorded, before.recorded);
            assertEq(stored.exportedWh, before.exportedWh);
        }
    }

    function _applyScenario(address identity, Scenario scenario, uint256 otherKey) private {
        if (scenario == Scenario.Suspended) {
            vm.prank(regulator);
            registry.suspendMeter(identity);
        } else if (scenario == Scenario.Revoked) {
            vm.prank(operator);
            registry.revokeMeterKey(identity);
        } else if (scenario == Scenario.Retired) {
            vm.prank(operator);
            registry.retireMeter(identity);
        } else if (scenario == Scenario.RotatedToOtherKey) {
            vm.prank(operator);
            registry.rotateMeterKey(identity, vm.addr(otherKey));
        }
    }

    /// @dev The rules in the order the registry applies them (status, time, commissioning, capacity, uniqueness,
    /// key, signature); empty when the reading must be accepted.
    function _expectedError(address identity, FuzzCase memory c) private pure returns (bytes memory) {
        bytes memory meterOrTime = _meterOrTimeError(identity, c);
        return meterOrTime.length != 0 ? meterOrTime : _valueOrSignatureError(identity, c);
    }

    function _meterOrTimeError(address identity, FuzzCase memory c) private pure returns (bytes memory) {
        if (c.scenario == Scenario.Retired && c.changeApplies) {
            return
                abi.encodeWithSelector(
                    IMeterRegistry.RegistryMeterNotActive.selector,
                    identity,
                    IMeterRegistry.MeterStatus.Retired
                );
        }
        uint256 slotEnd = _slotEnd(c.slot);
        uint256 windowEnd = slotEnd + READING_WINDOW;
        if (c.timestamp < slotEnd) {
            return
                abi.encodeWithSelector(
                    IMeterRegistry.RegistrySlotNotEnded.selector,
                    c.slot,
                    slotEnd,
                    c.timestamp
                );
        }
        if (c.timestamp >= windowEnd) {
            return
                abi.encodeWithSelector(
                    IMeterRegistry.RegistryReadingWindowClosed.selector,
                    c.slot,
                    windowEnd,
                    c.timestamp
                );
        }
        if (_slotStart(c.slot) < c.commissionedAt) {
            return
                abi.encodeWithSelector(
                    IMeterRegistry.RegistryReadingBeforeCommissioning.selector,
                    identity,
                    c.slot,
                    c.commissionedAt
                );
        }
        return "";
    }

    function _valueOrSignatureError(address identity, FuzzCase memory c) private pure returns (bytes memory) {
        if (c.exportedWh > c.maxWh) {
            return
                abi.encodeWithSelector(
                    IMeterRegistry.RegistryReadingExceedsCapacity.selector,
                    identity,
                    c.slot,
                    uint256(c.exportedWh),
                    c.maxWh
                );
        }
        if (c.preRecorded) {
            return abi.encodeWithSelector(IMeterRegistry.RegistryReadingExists.selector, identity, c.slot);
        }
        if (c.scenario == Scenario.Revoked && c.changeApplies) {
            return abi.encodeWithSelector(IMeterRegistry.RegistryKeyRevoked.selector, identity);
        }
        address signer =
            c.scenario == Scenario.RotatedToOtherKey && c.changeApplies ? vm.addr(c.otherKey) : identity;
        address recovered = vm.addr(c.signingKey);
        if (recovered != signer) {
            return
                abi.encodeWithSelector(
                    IMeterRegistry.RegistryInvalidSignature.selector,
                    identity,
                    c.slot,
                    recovered
                );
        }
        return "";
    }

    /// @notice Registration accepts a capacity iff it is positive and one slot at that power fits a lane.
    function testFuzz_registerMeter_capacityWithinLane(uint32 ratedCapacityW, uint256 slotLength) public {
        slotLength = bound(slotLength, 1, 1 days);
        MeterRegistry clockRegistry = new MeterRegistry(
            admin,
            GENESIS,
            slotLength,
            READING_WINDOW,
            CHANGE_DELAY
        );
        vm.startPrank(admin);
        clockRegistry.grantRole(clockRegistry.GRID_OPERATOR_ROLE(), operator);
        vm.stopPrank();

        uint256 maxWh = (uint256(ratedCapacityW) * slotLength) / 3600;
        bool valid = ratedCapacityW > 0 && maxWh <= MAX_WH_PER_LANE;
        if (!valid) {
            vm.expectRevert(
                abi.encodeWithSelector(IMeterRegistry.RegistryInvalidCapacity.selector, ratedCapacityW, maxWh)
            );
        }
        vm.prank(operator);
        clockRegistry.registerMeter(
            meter,
            owner,
            IMeterRegistry.MeterKind.Bidirectional,
            IMeterRegistry.EnergySource.Storage,
            ratedCapacityW,
            bytes8("X"),
            0
        );
        if (valid) assertEq(clockRegistry.maxWhPerSlot(meter), maxWh);
    }

    /// @notice Consumption meters have no source; generation and bidirectional meters have one.
    function testFuzz_registerMeter_sourceMatchesKind(uint8 kind, uint8 source) public {
        IMeterRegistry.MeterKind k = IMeterRegistry.MeterKind(bound(kind, 0, 2));
        IMeterRegistry.EnergySource s = IMeterRegistry.EnergySource(bound(source, 0, 6));
        bool valid = (k == IMeterRegistry.MeterKind.Consumption) == (s == IMeterRegistry.EnergySource.None);
        address identity = vm.addr(0xC0FFEE);
        if (!valid) {
            vm.expectRevert(abi.encodeWithSelector(IMeterRegistry.RegistryInvalidSource.selector, k, s));
        }
        vm.prank(operator);
        registry.registerMeter(identity, owner, k, s, 1000, bytes8("X"), 0);
        assertEq(uint8(registry.meterOf(identity).status), valid ? 1 : 0);
    }

    /// @notice The constructor accepts slot lengths in (0, 1 day] and reading windows in (0, 7 days].
    function testFuzz_constructor_clockBounds(uint256 slotLength, uint256 readingWindow) public {
        slotLength = bound(slotLength, 0, 2 days);
        readingWindow = bound(readingWindow, 0, 14 days);
        bool valid = slotLength > 0 && slotLength <= 1 days && readingWindow > 0 && readingWindow <= 7 days;
        if (!valid) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IMeterRegistry.RegistryInvalidClock.selector,
                    slotLength,
                    readingWindow
                )
            );
        }
        MeterRegistry created = new MeterRegistry(admin, GENESIS, slotLength, readingWindow, CHANGE_DELAY);
        if (valid) {
            (uint256 genesis, uint256 length, uint256 window) = created.slotClock();
            assertEq(genesis, GENESIS);
            assertEq(length, slotLength);
            assertEq(window, readingWindow);
        }
    }
}

/// @notice The operator's changes apply from CHANGE_DELAY slots after the one they are made in, never to a slot
/// already open for trading or in its reading window; the regulator's suspension spans slots for good.
/// Each attack of issue 10 is a test that the registry now refuses it.
contract MeterRegistryScheduleTest is MeterRegistryTestBase {
    uint256 internal constant METER_KEY = 0xA11CE;
    uint256 internal constant OPERATOR_KEY = 0x0BAD;
    /// @dev The traded slot whose reading window is open when the operator acts (in slot TRADED + 1).
    uint64 internal constant TRADED = 20;
    /// @dev 4 kW: 1,000 Wh per slot.
    uint32 internal constant CAPACITY_W = 4000;

    address internal meter;
    address internal operatorKey;
    address internal stranger = makeAddr("stranger");

    function setUp() public {
        _deployRegistry();
        meter = vm.addr(METER_KEY);
        operatorKey = vm.addr(OPERATOR_KEY);
        _registerSolar(meter, CAPACITY_W, uint32(GENESIS));
        vm.warp(_slotEnd(TRADED) + 60);
    }

    function _from() internal view returns (uint64) {
        return registry.currentSlot() + CHANGE_DELAY;
    }

    function _submitTrue(uint64 slot, uint32 exportedWh) internal {
        registry.submitReading(_sign(METER_KEY, meter, slot, 0, exportedWh));
        assertEq(registry.readingOf(meter, slot).exportedWh, exportedWh);
    }

    // ---------------------------------------------------------------------------------------------
    // The attacks of issue 10
    // ---------------------------------------------------------------------------------------------

    /// @dev Rotate to the operator's key, record "0 Wh exported", rotate back: the forged reading is refused.
    function test_rotateMeterKey_swapInReadingWindow_forgedReadingRefused() public {
        uint64 from = _from();
        vm.expectEmit(address(registry));
        emit IMeterRegistry.MeterKeyRotated(meter, meter, operatorKey, from);
        vm.prank(operator);
        registry.rotateMeterKey(meter, operatorKey);

        IMeterRegistry.SignedReading memory forged = _sign(OPERATOR_KEY, meter, TRADED, 0, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeterRegistry.RegistryInvalidSignature.selector,
                meter,
                TRADED,
                operatorKey
            )
        );
        registry.submitReading(forged);
        vm.prank(operator);
        registry.rotateMeterKey(meter, meter);

        _submitTrue(TRADED, 900);
        assertEq(registry.meterOfSlot(meter, TRADED).signer, meter);
    }

    /// @dev The rotation applies from its slot on: the new key signs slot `from`, the old one `from - 1`.
    function test_rotateMeterKey_appliesFromScheduledSlot() public {
        uint64 from = _from();
        vm.prank(operator);
        registry.rotateMeterKey(meter, operatorKey);
        assertEq(registry.meterOf(meter).signer, meter);
        assertEq(registry.meterOfSlot(meter, from - 1).signer, meter);
        assertEq(registry.meterOfSlot(meter, from).signer, operatorKey);

        vm.warp(_slotEnd(from));
        registry.submitReading(_sign(METER_KEY, meter, from - 1, 0, 1));
        vm.expectRevert(
            abi.encodeWithSelector(IMeterRegistry.RegistryInvalidSignature.selector, meter, from, meter)
        );
        registry.submitReading(_sign(METER_KEY, meter, from, 0, 1));
        registry.submitReading(_sign(OPERATOR_KEY, meter, from, 0, 2));
        assertEq(registry.readingOf(meter, from).exportedWh, 2);
        assertEq(registry.meterOf(meter).signer, operatorKey);
    }

    /// @dev Shrinking the rated capacity to 1 W for the window does not refuse the true reading.
    function test_updateMeter_capacityShrinkInReadingWindow_trueReadingAccepted() public {
        uint64 from = _from();
        vm.expectEmit(address(registry));
        emit IMeterRegistry.MeterUpdated(meter, owner, 1, bytes8("DE-NORD"), from);
        vm.prank(operator);
        registry.updateMeter(meter, owner, 1, bytes8("DE-NORD"));

        _submitTrue(TRADED, 1000);
        assertEq(registry.maxWhPerSlot(meter), 1000);
        vm.warp(_slotEnd(from));
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeterRegistry.RegistryReadingExceedsCapacity.selector,
                meter,
                from,
                1000,
                0
            )
        );
        registry.submitReading(_sign(METER_KEY, meter, from, 0, 1000));
        assertEq(registry.maxWhPerSlot(meter), 0);
    }

    function test_revokeMeterKey_inReadingWindow_trueReadingAccepted() public {
        uint64 from = _from();
        vm.expectEmit(address(registry));
        emit IMeterRegistry.MeterKeyRevoked(meter, meter, from);
        vm.prank(operator);
        registry.revokeMeterKey(meter);

        _submitTrue(TRADED, 700);
        vm.warp(_slotEnd(from));
        _submitTrue(from - 1, 5);
        vm.expectRevert(abi.encodeWithSelector(IMeterRegistry.RegistryKeyRevoked.selector, meter));
        registry.submitReading(_sign(METER_KEY, meter, from, 0, 5));
    }

    function test_retireMeter_inReadingWindow_trueReadingAccepted() public {
        uint64 from = _from();
        vm.expectEmit(address(registry));
        emit IMeterRegistry.MeterRetired(meter, operator, from);
        vm.prank(operator);
        registry.retireMeter(meter);

        _submitTrue(TRADED, 650);
        assertEq(uint8(registry.meterOf(meter).status), uint8(IMeterRegistry.MeterStatus.Active));
        assertEq(uint8(registry.meterOfSlot(meter, from).status), uint8(IMeterRegistry.MeterStatus.Retired));
        // Nothing can be changed on a meter being retired.
        vm.prank(operator);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeterRegistry.RegistryMeterNotActive.selector,
                meter,
                IMeterRegistry.MeterStatus.Retired
            )
        );
        registry.rotateMeterKey(meter, operatorKey);

        vm.warp(_slotEnd(from));
        _submitTrue(from - 1, 3);
        assertEq(uint8(registry.meterOf(meter).status), uint8(IMeterRegistry.MeterStatus.Retired));
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeterRegistry.RegistryMeterNotActive.selector,
                meter,
                IMeterRegistry.MeterStatus.Retired
            )
        );
        registry.submitReading(_sign(METER_KEY, meter, from, 0, 3));
        // A retirement in force is final: no suspension either.
        vm.prank(regulator);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeterRegistry.RegistryInvalidStatusTransition.selector,
                meter,
                IMeterRegistry.MeterStatus.Retired,
                IMeterRegistry.MeterStatus.Suspended
            )
        );
        registry.suspendMeter(meter);
    }

    /// @dev The operator makes itself owner for a past slot: the owner of record of that slot does not change.
    function test_updateMeter_ownerSwap_ownerOfRecordOfPastSlotsKept() public {
        uint64 from = _from();
        vm.prank(operator);
        registry.updateMeter(meter, operator, CAPACITY_W, bytes8("DE-NORD"));
        assertEq(registry.ownerOfRecord(meter, TRADED), owner);
        assertEq(registry.ownerOfRecord(meter, from - 1), owner);
        assertEq(registry.ownerOfRecord(meter, from), operator);
        assertEq(registry.meterOf(meter).owner, owner);
        assertEq(registry.pendingChangeOf(meter).owner, operator);

        // Swapping back in the same slot merges: nobody else ever owns a slot.
        vm.prank(operator);
        registry.updateMeter(meter, owner, CAPACITY_W, bytes8("DE-NORD"));
        assertEq(registry.ownerOfRecord(meter, from), owner);

        // A later real sale: the history keeps every slot's owner for good.
        vm.warp(registry.readingWindowEnd(from - 1));
        uint64 later = _from();
        vm.prank(operator);
        registry.updateMeter(meter, stranger, CAPACITY_W, bytes8("DE-NORD"));
        assertEq(registry.ownerOfRecord(meter, TRADED), owner);
        assertEq(registry.ownerOfRecord(meter, later - 1), owner);
        assertEq(registry.ownerOfRecord(meter, later), stranger);
        assertEq(registry.ownerOfRecord(meter, type(uint64).max), stranger);
        vm.warp(_slotStart(later));
        assertEq(registry.meterOf(meter).owner, stranger);
    }

    // ---------------------------------------------------------------------------------------------
    // One pending change
    // ---------------------------------------------------------------------------------------------

    function test_rotateMeterKey_whileChangePending_reverts() public {
        uint64 from = _from();
        vm.prank(operator);
        registry.rotateMeterKey(meter, operatorKey);

        vm.warp(block.timestamp + SLOT_LENGTH);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(IMeterRegistry.RegistryChangePending.selector, meter, from));
        registry.updateMeter(meter, stranger, 1, bytes8("DE-NORD"));
        // Still refused while slot from - 1 accepts readings (it must keep the old record).
        vm.warp(registry.readingWindowEnd(from - 1) - 1);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(IMeterRegistry.RegistryChangePending.selector, meter, from));
        registry.revokeMeterKey(meter);

        vm.warp(registry.readingWindowEnd(from - 1));
        uint64 next = _from();
        vm.expectEmit(address(registry));
        emit IMeterRegistry.MeterKeyRevoked(meter, operatorKey, next);
        vm.prank(operator);
        registry.revokeMeterKey(meter);
        // The first change was promoted: its key judges the slots from `from` to `next - 1`.
        assertEq(registry.meterOfSlot(meter, next - 1).signer, operatorKey);
        assertEq(registry.meterOfSlot(meter, next).signer, address(0));
        IMeterRegistry.MeterChange memory change = registry.pendingChangeOf(meter);
        assertEq(change.fromSlot, next);
        assertEq(change.signer, address(0));
    }

    function test_updateMeter_sameSlotAsRotation_mergesIntoOnePendingChange() public {
        uint64 from = _from();
        vm.startPrank(operator);
        registry.rotateMeterKey(meter, operatorKey);
        registry.updateMeter(meter, stranger, 2000, bytes8("DE-SUED"));
        vm.stopPrank();
        IMeterRegistry.MeterChange memory change = registry.pendingChangeOf(meter);
        assertEq(change.fromSlot, from);
        assertEq(change.signer, operatorKey);
        assertEq(change.ratedCapacityW, 2000);
        assertEq(change.owner, stranger);
        assertFalse(change.retiring);
        // The zone labels certificates only and applies at once.
        assertEq(registry.meterOf(meter).zone, bytes8("DE-SUED"));
        IMeterRegistry.Meter memory now_ = registry.meterOf(meter);
        assertEq(now_.signer, meter);
        assertEq(now_.ratedCapacityW, CAPACITY_W);
        assertEq(now_.owner, owner);
        // Once in force, nothing is pending any more and meterOf shows the new record.
        vm.warp(_slotStart(from));
        assertEq(registry.pendingChangeOf(meter).fromSlot, 0);
        assertEq(registry.meterOf(meter).signer, operatorKey);
        assertEq(registry.meterOf(meter).ratedCapacityW, 2000);
    }

    function test_changes_beforeGenesis_applyFromSlotChangeDelay() public {
        _deployRegistry();
        _registerSolar(meter, CAPACITY_W, uint32(GENESIS));
        vm.warp(GENESIS - 1);
        vm.prank(operator);
        registry.rotateMeterKey(meter, operatorKey);
        assertEq(registry.pendingChangeOf(meter).fromSlot, CHANGE_DELAY);
        assertEq(registry.meterOfSlot(meter, CHANGE_DELAY - 1).signer, meter);
    }

    function test_constructor_changeDelayOutOfRange_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IMeterRegistry.RegistryInvalidChangeDelay.selector, 0));
        new MeterRegistry(admin, GENESIS, SLOT_LENGTH, READING_WINDOW, 0);
        uint64 tooLong = uint64(type(uint32).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(IMeterRegistry.RegistryInvalidChangeDelay.selector, tooLong));
        new MeterRegistry(admin, GENESIS, SLOT_LENGTH, READING_WINDOW, tooLong);
        assertEq(registry.changeDelaySlots(), CHANGE_DELAY);
    }

    function test_rotateMeterKey_unknownMeter_reverts() public {
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(IMeterRegistry.RegistryUnknownMeter.selector, stranger));
        registry.rotateMeterKey(stranger, operatorKey);
    }

    // ---------------------------------------------------------------------------------------------
    // Suspension
    // ---------------------------------------------------------------------------------------------

    /// @dev Suspended in slot TRADED + 1 and reinstated in TRADED + 3: readings are accepted all along
    /// (no shortfall for real deliveries), the spanned slots stay marked for good.
    function test_suspendMeter_reinstatedInWindow_spannedSlotsStayMarked() public {
        uint64 first = TRADED + 1;
        vm.expectEmit(address(registry));
        emit IMeterRegistry.MeterSuspended(meter, regulator, first);
        vm.prank(regulator);
        registry.suspendMeter(meter);
        assertEq(uint8(registry.meterOf(meter).status), uint8(IMeterRegistry.MeterStatus.Suspended));
        _submitTrue(TRADED, 400);

        vm.warp(_slotStart(first + 2));
        _submitTrue(first, 410);
        vm.expectEmit(address(registry));
        emit IMeterRegistry.MeterReinstated(meter, regulator, first + 2);
        vm.prank(regulator);
        registry.reinstateMeter(meter);
        vm.warp(_slotEnd(first + 2));
        _submitTrue(first + 2, 420);

        assertFalse(registry.isSuspendedIn(meter, TRADED));
        for (uint64 slot = first; slot <= first + 2; ++slot) {
            assertTrue(registry.isSuspendedIn(meter, slot));
            assertEq(
                uint8(registry.meterOfSlot(meter, slot).status),
                uint8(IMeterRegistry.MeterStatus.Suspended)
            );
        }
        assertFalse(registry.isSuspendedIn(meter, first + 3));
        assertEq(uint8(registry.meterOf(meter).status), uint8(IMeterRegistry.MeterStatus.Active));
    }

    /// @dev Suspended, reinstated, suspended again and reinstated in one slot: that slot alone is spanned.
    function test_suspendMeter_repeatedInOneSlot_spansThatSlot() public {
        uint64 slot = TRADED + 1;
        vm.startPrank(regulator);
        registry.suspendMeter(meter);
        registry.reinstateMeter(meter);
        registry.suspendMeter(meter);
        assertTrue(registry.isSuspendedIn(meter, slot + 5), "a lasting suspension spans later slots");
        registry.reinstateMeter(meter);
        vm.stopPrank();
        assertFalse(registry.isSuspendedIn(meter, slot - 1));
        assertTrue(registry.isSuspendedIn(meter, slot));
        assertFalse(registry.isSuspendedIn(meter, slot + 1));
        assertFalse(registry.isSuspendedIn(meter, type(uint64).max));
    }

    /// @dev A suspension during a pending retirement is allowed; the retirement still comes into force.
    function test_suspendMeter_whileRetirementPending_retirementStillApplies() public {
        uint64 from = _from();
        vm.prank(operator);
        registry.retireMeter(meter);
        vm.prank(regulator);
        registry.suspendMeter(meter);
        assertEq(
            uint8(registry.meterOfSlot(meter, from - 1).status),
            uint8(IMeterRegistry.MeterStatus.Suspended)
        );
        assertEq(uint8(registry.meterOfSlot(meter, from).status), uint8(IMeterRegistry.MeterStatus.Retired));
        vm.warp(_slotStart(from));
        vm.prank(regulator);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeterRegistry.RegistryInvalidStatusTransition.selector,
                meter,
                IMeterRegistry.MeterStatus.Retired,
                IMeterRegistry.MeterStatus.Active
            )
        );
        registry.reinstateMeter(meter);
    }

    // ---------------------------------------------------------------------------------------------
    // Fuzz
    // ---------------------------------------------------------------------------------------------

    /// @notice Whatever the operator changes, whenever: the record of every slot before `current +
    /// CHANGE_DELAY` (all a market with a shorter horizon trades, all still in a window) stays as it was, and
    /// every slot from there on has the new record.
    function testFuzz_change_neverReachesAnOpenSlot(
        uint256 when,
        uint8 kind,
        uint32 capacity,
        uint256 probe
    ) public {
        vm.warp(bound(when, GENESIS - 1 days, GENESIS + 365 days));
        uint64 current = block.timestamp < GENESIS ? 0 : registry.currentSlot();
        uint64 from = current + CHANGE_DELAY;
        IMeterRegistry.Meter memory before = registry.meterOfSlot(meter, from - 1);
        capacity = uint32(bound(capacity, 1, 100_000));
        vm.startPrank(operator);
        uint256 k = kind % 4;
        if (k == 0) registry.rotateMeterKey(meter, operatorKey);
        else if (k == 1) registry.revokeMeterKey(meter);
        else if (k == 2) registry.retireMeter(meter);
        else registry.updateMeter(meter, stranger, capacity, bytes8("DE-NORD"));
        vm.stopPrank();

        uint64 earlier = uint64(bound(probe, 0, from - 1));
        assertEq(abi.encode(registry.meterOfSlot(meter, earlier)), abi.encode(before));
        uint64 later = uint64(bound(probe, from, uint256(from) + 10_000));
        IMeterRegistry.Meter memory changed = registry.meterOfSlot(meter, later);
        assertEq(
            changed.signer,
            k == 0
                ? operatorKey
                : k == 1
                    ? address(0)
                    : meter
        );
        assertEq(
            uint8(changed.status),
            uint8(k == 2 ? IMeterRegistry.MeterStatus.Retired : IMeterRegistry.MeterStatus.Active)
        );
        assertEq(changed.owner, k == 3 ? stranger : owner);
        assertEq(changed.ratedCapacityW, k == 3 ? capacity : CAPACITY_W);
    }
}
