// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {StdUtils} from "forge-std/StdUtils.sol";
import {Vm} from "forge-std/Vm.sol";

import {MeterRegistry} from "../contracts/MeterRegistry.sol";
import {IMeterRegistry} from "../contracts/interfaces/IMeterRegistry.sol";
import {MeterRegistrySigning, MeterRegistryTestBase} from "./MeterRegistryBase.t.sol";

/// @notice Drives the registry like a messy data hub and grid: fresh readings, exact and modified replays,
/// wrong keys, strict and tolerant batches, scheduled key rotations and revocations, capacity and owner
/// changes, suspensions, time passing. Ghost state: how many `ReadingRecorded` events each (meter, slot)
/// produced and the values of the first (exported Wh and the commitment to the imported Wh); the key
/// schedule of each meter. Every scheduled change is checked not to alter the record (key, capacity,
/// retirement, owner) of any slot open for trading or in its window.
contract MeterRegistryHandler is MeterRegistrySigning, StdUtils {
    struct NextKey {
        uint256 key;
        uint64 fromSlot;
    }

    struct GhostReading {
        uint32 exportedWh;
        bytes32 importedCommitment;
    }

    uint256 internal constant METERS = 3;
    uint256 internal constant MAX_WH = 1000;
    uint256 internal constant MAX_SLOTS_BACK = 12;
    /// @dev How far back the owner-of-record check looks (owners are kept for every slot, for good).
    uint64 internal constant OWNER_HISTORY_CHECKED = 48;

    MeterRegistry public immutable registry;
    address internal immutable _operator;
    address internal immutable _regulator;

    address[METERS] internal _meters;
    /// @dev The private key the registry accepts for each meter's slots before `_nextKeyOf.fromSlot` (0 once revoked)...
    mapping(address meter => uint256 key) internal _keyOf;
    /// @dev ... and from `fromSlot` on.
    mapping(address meter => NextKey) internal _nextKeyOf;
    uint256 internal _keyGeneration;
    /// @dev Changes the registry accepted and refused (a change while one is pending is refused).
    uint256 public scheduledCount;
    uint256 public pendingRefusedCount;

    IMeterRegistry.SignedReading[] internal _accepted;
    mapping(address meter => mapping(uint64 slot => uint256 count)) public recordedEvents;
    mapping(address meter => mapping(uint64 slot => GhostReading)) internal _ghost;
    mapping(address meter => mapping(uint64 slot => bool)) internal _touched;
    address[] internal _touchedMeters;
    uint64[] internal _touchedSlots;

    /// @dev First broken expectation seen inside an action; reverts inside the handler would be swallowed
    /// (failOnRevert is off), so the handler records it and an invariant reports it.
    string public violation;

    /// @dev Call counters, to see that the run exercised both sides.
    uint256 public recordedCount;
    uint256 public refusedCount;

    constructor(MeterRegistry registry_, address operator_, address regulator_, uint256[METERS] memory keys) {
        registry = registry_;
        _operator = operator_;
        _regulator = regulator_;
        for (uint256 i; i < METERS; ++i) {
            _meters[i] = vm.addr(keys[i]);
            _keyOf[_meters[i]] = keys[i];
            _nextKeyOf[_meters[i]] = NextKey(keys[i], 0);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Actions
    // ---------------------------------------------------------------------------------------------

    function submitFresh(
        uint256 meterSeed,
        uint256 slotsBack,
        uint256 importedWh,
        uint256 exportedWh,
        bool wrongKey
    ) external {
        _submitOne(_newReading(meterSeed, slotsBack, importedWh, exportedWh, wrongKey));
    }

    function replayExact(uint256 index) external {
        if (_accepted.length == 0) return;
        _submitOne(_accepted[index % _accepted.length]);
    }

    /// @dev Same meter and slot as a recorded reading, other values, signed by the meter's current key.
    function replayModified(uint256 index, uint256 importedWh, uint256 exportedWh) external {
        if (_accepted.length == 0) return;
        IMeterRegistry.SignedReading memory original = _accepted[index % _accepted.length];
        _submitOne(
            _signed(
                _keyOrStranger(original.meter, original.slot),
                original.meter,
                original.slot,
                uint32(bound(importedWh, 0, MAX_WH)),
                uint32(bound(exportedWh, 0, MAX_WH))
            )
        );
    }

    /// @dev A tolerant batch of fresh readings with a replay mixed in.
    function submitTolerantBatch(uint256 seed, uint256 size) external {
        size = bound(size, 1, 6);
        IMeterRegistry.SignedReading[] memory batch = new IMeterRegistry.SignedReading[](size);
        for (uint256 i; i < size; ++i) {
            uint256 s = uint256(keccak256(abi.encode(seed, i)));
            if (i == size - 1 && _accepted.length != 0 && s % 2 == 0) {
                batch[i] = _accepted[s % _accepted.length];
            } else {
                batch[i] = _newReading(s, s >> 8, s >> 16, s >> 32, s % 7 == 0);
            }
        }
        _track(batch);
        vm.recordLogs();
        uint256 recorded = registry.trySubmitReadings(batch);
        uint256 seen = _absorbLogs(batch);
        _check(seen == recorded, "trySubmitReadings count differs from ReadingRecorded events");
        refusedCount += size - recorded;
    }

    /// @dev A strict batch: all or nothing.
    function submitStrictBatch(uint256 seed, uint256 size) external {
        size = bound(size, 1, 4);
        IMeterRegistry.SignedReading[] memory batch = new IMeterRegistry.SignedReading[](size);
        for (uint256 i; i < size; ++i) {
            uint256 s = uint256(keccak256(abi.encode(seed, i, "strict")));
            batch[i] = _newReading(s, s >> 8, s >> 16, s >> 32, false);
        }
        _track(batch);
        bool[] memory before = _recordedFlags(batch);
        vm.recordLogs();
        try registry.submitReadings(batch) {
            // Idempotent: a copy of a reading already recorded (before or earlier in this batch) is skipped.
            _check(_absorbLogs(batch) == _newPairs(batch, before), "strict batch recorded only part");
        } catch {
            _discardLogs();
            _check(_sameFlags(batch, before), "reverted strict batch changed readings");
            refusedCount += size;
        }
    }

    function rotateKey(uint256 meterSeed) external {
        address meter = _pick(meterSeed);
        uint256 key = boundPrivateKey(uint256(keccak256(abi.encode("rotated key", ++_keyGeneration))));
        _schedule(meter, abi.encodeCall(IMeterRegistry.rotateMeterKey, (meter, vm.addr(key))), key, true);
    }

    function revokeKey(uint256 meterSeed) external {
        address meter = _pick(meterSeed);
        _schedule(meter, abi.encodeCall(IMeterRegistry.revokeMeterKey, (meter)), 0, true);
    }

    /// @dev Capacity between 1 W (nothing fits a slot) and 8 kW, and the owner: the prosumer or a stranger.
    function updateMeter(uint256 meterSeed, uint256 capacitySeed, bool stranger) external {
        address meter = _pick(meterSeed);
        address owner = stranger ? address(0x57A) : registry.meterOf(meter).owner;
        uint32 capacity = uint32(bound(capacitySeed, 1, 8000));
        IMeterRegistry.Meter memory record = registry.meterOf(meter);
        _schedule(
            meter,
            abi.encodeCall(IMeterRegistry.updateMeter, (meter, owner, capacity, record.zone)),
            0,
            false
        );
    }

    /// @dev Retires only the third meter, so that the others keep the traffic going.
    function retire(uint256 seed) external {
        if (seed % 8 != 0) return;
        address meter = _meters[METERS - 1];
        _schedule(meter, abi.encodeCall(IMeterRegistry.retireMeter, (meter)), 0, false);
    }

    function suspend(uint256 meterSeed) external {
        address meter = _pick(meterSeed);
        if (registry.meterOf(meter).status != IMeterRegistry.MeterStatus.Active) return;
        vm.prank(_regulator);
        registry.suspendMeter(meter);
    }

    function reinstate(uint256 meterSeed) external {
        address meter = _pick(meterSeed);
        if (registry.meterOf(meter).status != IMeterRegistry.MeterStatus.Suspended) return;
        vm.prank(_regulator);
        registry.reinstateMeter(meter);
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 3 hours));
    }

    // ---------------------------------------------------------------------------------------------
    // Ghost views
    // ---------------------------------------------------------------------------------------------

    function touchedCount() external view returns (uint256) {
        return _touchedMeters.length;
    }

    function touchedAt(uint256 i) external view returns (address meter, uint64 slot) {
        return (_touchedMeters[i], _touchedSlots[i]);
    }

    function ghostOf(
        address meter,
        uint64 slot
    ) external view returns (uint32 exportedWh, bytes32 importedCommitment) {
        GhostReading memory g = _ghost[meter][slot];
        return (g.exportedWh, g.importedCommitment);
    }

    // ---------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------

    /// @dev Makes one change as the operator. The record (key, capacity, retirement, owner) of every slot from
    /// the oldest still in its reading window up to the last one a market with a horizon below CHANGE_DELAY
    /// trades now must stay the same, and the owner of record of every earlier slot too.
    function _schedule(address meter, bytes memory call, uint256 key, bool keyChange) private {
        uint64 current = registry.currentSlot();
        uint64 oldest = current;
        while (oldest > 0 && registry.readingWindowEnd(oldest - 1) > block.timestamp) --oldest;
        uint64 last = current + registry.changeDelaySlots() - 1;
        uint64 ownersFrom = current > OWNER_HISTORY_CHECKED ? current - OWNER_HISTORY_CHECKED : 0;
        bytes32 before = _recordsOf(meter, oldest, last);
        bytes32 ownersBefore = _ownersOf(meter, ownersFrom, last);
        IMeterRegistry.MeterChange memory pending = registry.pendingChangeOf(meter);
        vm.prank(_operator);
        (bool ok, ) = address(registry).call(call);
        if (!ok) {
            ++pendingRefusedCount;
            return;
        }
        ++scheduledCount;
        _check(_recordsOf(meter, oldest, last) == before, "a change reached a slot already open");
        _check(_ownersOf(meter, ownersFrom, last) == ownersBefore, "a change rewrote an owner of record");
        IMeterRegistry.MeterChange memory change = registry.pendingChangeOf(meter);
        _check(change.fromSlot == last + 1, "change not scheduled CHANGE_DELAY slots ahead");
        _followKeys(meter, pending.fromSlot != change.fromSlot, keyChange, key, change.fromSlot);
    }

    /// @dev The ghost key schedule after a change from `fromSlot`. A change of another slot first promoted the
    /// pending one (`promoted`: its key now judges every slot before `fromSlot`).
    function _followKeys(address meter, bool promoted, bool keyChange, uint256 key, uint64 fromSlot) private {
        if (promoted) _keyOf[meter] = _nextKeyOf[meter].key;
        if (keyChange) _nextKeyOf[meter] = NextKey(key, fromSlot);
        else if (promoted) _nextKeyOf[meter] = NextKey(_keyOf[meter], fromSlot);
    }

    function _recordsOf(address meter, uint64 first, uint64 last) private view returns (bytes32 digest) {
        for (uint64 slot = first; slot <= last; ++slot) {
            IMeterRegistry.Meter memory m = registry.meterOfSlot(meter, slot);
            bool retired = m.status == IMeterRegistry.MeterStatus.Retired;
            digest = keccak256(abi.encode(digest, m.signer, m.ratedCapacityW, m.owner, retired));
        }
    }

    function _ownersOf(address meter, uint64 first, uint64 last) private view returns (bytes32 digest) {
        for (uint64 slot = first; slot <= last; ++slot) {
            digest = keccak256(abi.encode(digest, registry.ownerOfRecord(meter, slot)));
        }
    }

    /// @dev A reading signed by the key scheduled for its slot is never refused for its signature.
    function _checkKeyNotRefused(IMeterRegistry.SignedReading memory reading, bytes memory error) private {
        if (bytes4(error) != IMeterRegistry.RegistryInvalidSignature.selector) return;
        uint256 key = _keyOrStranger(reading.meter, reading.slot);
        (, , address recovered) = abi.decode(_tail(error), (address, uint64, address));
        _check(recovered != vm.addr(key), "reading refused although signed by the key for its slot");
    }

    function _tail(bytes memory error) private pure returns (bytes memory tail) {
        tail = new bytes(error.length - 4);
        for (uint256 i; i < tail.length; ++i) tail[i] = error[i + 4];
    }

    function _check(bool condition, string memory what) private {
        if (!condition && bytes(violation).length == 0) violation = what;
    }

    function _submitOne(IMeterRegistry.SignedReading memory reading) private {
        IMeterRegistry.SignedReading[] memory one = new IMeterRegistry.SignedReading[](1);
        one[0] = reading;
        _track(one);
        bool[] memory before = _recordedFlags(one);
        vm.recordLogs();
        try registry.submitReading(reading) {
            _check(_absorbLogs(one) == 1, "accepted reading without ReadingRecorded");
        } catch (bytes memory error) {
            _discardLogs();
            _checkKeyNotRefused(reading, error);
            _check(_sameFlags(one, before), "refused reading changed readings");
            ++refusedCount;
        }
    }

    /// @dev The cheatcode also records logs of reverted calls: drop them.
    function _discardLogs() private {
        vm.getRecordedLogs();
    }

    function _recordedFlags(
        IMeterRegistry.SignedReading[] memory readings
    ) private view returns (bool[] memory flags) {
        flags = new bool[](readings.length);
        for (uint256 i; i < readings.length; ++i) {
            flags[i] = registry.readingOf(readings[i].meter, readings[i].slot).recorded;
        }
    }

    /// @dev How many distinct (meter, slot) pairs of `readings` had no reading before the batch.
    function _newPairs(
        IMeterRegistry.SignedReading[] memory readings,
        bool[] memory recordedBefore
    ) private pure returns (uint256 count) {
        for (uint256 i; i < readings.length; ++i) {
            bool seen = recordedBefore[i];
            for (uint256 j; j < i && !seen; ++j) {
                seen = readings[j].meter == readings[i].meter && readings[j].slot == readings[i].slot;
            }
            if (!seen) ++count;
        }
    }

    function _sameFlags(
        IMeterRegistry.SignedReading[] memory readings,
        bool[] memory flags
    ) private view returns (bool) {
        bool[] memory current = _recordedFlags(readings);
        for (uint256 i; i < readings.length; ++i) {
            if (current[i] != flags[i]) return false;
        }
        return true;
    }

    /// @dev Counts the ReadingRecorded events of the last call into the ghost state; keeps a copy of the first
    /// values per (meter, slot) and remembers the submitted reading that produced them, for replays.
    function _absorbLogs(IMeterRegistry.SignedReading[] memory submitted) private returns (uint256 seen) {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (
                logs[i].emitter != address(registry) ||
                logs[i].topics[0] != IMeterRegistry.ReadingRecorded.selector
            ) {
                continue;
            }
            ++seen;
            address meter = address(uint160(uint256(logs[i].topics[1])));
            uint64 slot = uint64(uint256(logs[i].topics[2]));
            (uint32 exportedWh, bytes32 commitment) = abi.decode(logs[i].data, (uint32, bytes32));
            if (++recordedEvents[meter][slot] == 1) {
                _ghost[meter][slot] = GhostReading(exportedWh, commitment);
            }
            ++recordedCount;
            // A batch may hold several readings of one (meter, slot), refused ones included: the recorded
            // values must be those of one of them.
            bool submittedThem;
            for (uint256 j; j < submitted.length && !submittedThem; ++j) {
                IMeterRegistry.SignedReading memory r = submitted[j];
                submittedThem =
                    r.meter == meter &&
                    r.slot == slot &&
                    r.exportedWh == exportedWh &&
                    r.importedCommitment == commitment;
                if (submittedThem) _accepted.push(r);
            }
            _check(submittedThem, "recorded values nobody submitted");
        }
    }

    function _track(IMeterRegistry.SignedReading[] memory readings) private {
        for (uint256 i; i < readings.length; ++i) {
            address meter = readings[i].meter;
            uint64 slot = readings[i].slot;
            if (_touched[meter][slot]) continue;
            _touched[meter][slot] = true;
            _touchedMeters.push(meter);
            _touchedSlots.push(slot);
        }
    }

    /// @dev A reading of a picked meter for a slot from the current one (not ended) back past its window.
    function _newReading(
        uint256 meterSeed,
        uint256 slotsBack,
        uint256 importedWh,
        uint256 exportedWh,
        bool wrongKey
    ) private view returns (IMeterRegistry.SignedReading memory) {
        address meter = _pick(meterSeed);
        uint64 current = registry.currentSlot();
        uint64 back = uint64(bound(slotsBack, 0, MAX_SLOTS_BACK));
        uint64 slot = current > back ? current - back : 0;
        uint256 key = wrongKey ? 0xBAD : _keyOrStranger(meter, slot);
        // Export up to one Wh over the 1,000 Wh limit, so that capacity refusals happen too; import is not
        // bounded on chain (it is hidden behind its commitment).
        return
            _signed(
                key,
                meter,
                slot,
                uint32(bound(importedWh, 0, 4 * MAX_WH)),
                uint32(bound(exportedWh, 0, MAX_WH + 1))
            );
    }

    function _signed(
        uint256 key,
        address meter,
        uint64 slot,
        uint32 importedWh,
        uint32 exportedWh
    ) private view returns (IMeterRegistry.SignedReading memory) {
        return _signFor(key, block.chainid, address(registry), meter, slot, importedWh, exportedWh);
    }

    /// @dev The key the registry should accept for (meter, slot), or a stranger's once revoked.
    function _keyOrStranger(address meter, uint64 slot) private view returns (uint256) {
        NextKey memory next = _nextKeyOf[meter];
        uint256 key = slot >= next.fromSlot ? next.key : _keyOf[meter];
        return key == 0 ? 0x5742 : key;
    }

    function _pick(uint256 seed) private view returns (address) {
        return _meters[seed % METERS];
    }
}

/// @notice Invariants of the registry's ledger of readings under the handler's random traffic.
contract MeterRegistryInvariantTest is MeterRegistryTestBase {
    MeterRegistryHandler internal handler;

    function setUp() public {
        _deployRegistry();
        uint256[3] memory keys = [uint256(0x1001), 0x1002, 0x1003];
        for (uint256 i; i < keys.length; ++i) {
            _registerSolar(vm.addr(keys[i]), 4000, uint32(GENESIS));
        }
        handler = new MeterRegistryHandler(registry, operator, regulator, keys);
        // The handler pranks as the operator and regulator; it holds no role itself.
        vm.warp(GENESIS + 10 * SLOT_LENGTH);

        bytes4[] memory selectors = new bytes4[](12);
        selectors[0] = MeterRegistryHandler.submitFresh.selector;
        selectors[1] = MeterRegistryHandler.replayExact.selector;
        selectors[2] = MeterRegistryHandler.replayModified.selector;
        selectors[3] = MeterRegistryHandler.submitTolerantBatch.selector;
        selectors[4] = MeterRegistryHandler.submitStrictBatch.selector;
        selectors[5] = MeterRegistryHandler.rotateKey.selector;
        selectors[6] = MeterRegistryHandler.revokeKey.selector;
        selectors[7] = MeterRegistryHandler.suspend.selector;
        selectors[8] = MeterRegistryHandler.reinstate.selector;
        selectors[9] = MeterRegistryHandler.warp.selector;
        selectors[10] = MeterRegistryHandler.updateMeter.selector;
        selectors[11] = MeterRegistryHandler.retire.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// @notice Every (meter, slot) produced at most one ReadingRecorded, and readingOf says recorded iff it did.
    function invariant_atMostOneReadingPerMeterSlot() public view {
        uint256 count = handler.touchedCount();
        for (uint256 i; i < count; ++i) {
            (address meter, uint64 slot) = handler.touchedAt(i);
            uint256 events = handler.recordedEvents(meter, slot);
            assertLe(events, 1, "two readings for one (meter, slot)");
            assertEq(
                registry.readingOf(meter, slot).recorded,
                events == 1,
                "recorded flag disagrees with events"
            );
        }
    }

    /// @notice Every recorded reading still holds the exported Wh of its ReadingRecorded event, and that event
    /// carried the commitment of a reading the meter's key signed (checked in the handler).
    function invariant_recordedReadingNeverChanges() public view {
        uint256 count = handler.touchedCount();
        for (uint256 i; i < count; ++i) {
            (address meter, uint64 slot) = handler.touchedAt(i);
            if (handler.recordedEvents(meter, slot) == 0) continue;
            (uint32 exportedWh, ) = handler.ghostOf(meter, slot);
            IMeterRegistry.Reading memory stored = registry.readingOf(meter, slot);
            assertEq(stored.exportedWh, exportedWh, "exportedWh changed");
            uint32 index = registry.meterOf(meter).index;
            IMeterRegistry.Reading memory byIndex = registry.readingOfIndex(index, slot);
            assertEq(abi.encode(byIndex), abi.encode(stored), "readingOfIndex disagrees with readingOf");
        }
    }

    /// @notice No handler sequence let a change made after slot s alter what slot s accepts: the record of every
    /// slot open for trading or in its window was the same before and after each change (checked in the
    /// handler), and a reading of a slot signed by the key scheduled for it is never refused for its key.
    /// The handler saw every call behave as documented (events match return values and submissions).
    function invariant_handlerSawNoViolation() public view {
        assertEq(handler.violation(), "");
    }

    /// @notice Nothing in the traffic registers or loses meters.
    function invariant_meterCountUnchanged() public view {
        assertEq(registry.meterCount(), 3);
    }
}
