// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";

import {IMeterRegistry} from "./interfaces/IMeterRegistry.sol";
import {SlotClock} from "./libraries/SlotClock.sol";
import {DeviceWord, DeviceWordLibrary} from "./types/DeviceWord.sol";
import {ReadingWord, ReadingWordLibrary} from "./types/ReadingWord.sol";

/// @title MeterRegistry
/// @notice Smart meters and their signed interval readings; the source of truth for metered energy.
/// @dev Invariants: at most one reading per (meter, slot); a recorded reading never changes; a reading of slot s
/// is only recorded if signed (EIP-712, low-s) by the meter's key for slot s and within its capacity for slot
/// s. The grid operator's changes (key, capacity, retirement, owner) take effect from the slot
/// `changeDelaySlots` after the one they are made in, so they never alter what a slot already open for
/// trading or in its reading window accepts or pays; the owner of record of every slot is kept for good.
contract MeterRegistry is IMeterRegistry, AccessControl, EIP712 {
    using Checkpoints for Checkpoints.Trace160;
    using Checkpoints for Checkpoints.Trace208;

    /// @notice Registers, updates, rotates keys of and retires meters.
    bytes32 public constant GRID_OPERATOR_ROLE = keccak256("GRID_OPERATOR_ROLE");
    /// @notice Suspends and reinstates meters.
    bytes32 public constant REGULATOR_ROLE = keccak256("REGULATOR_ROLE");

    /// @notice EIP-712 type hash of a reading. The meter signs its imported Wh only through
    /// `importedCommitment`, so the household's consumption never appears on chain in clear.
    bytes32 public constant READING_TYPEHASH = keccak256(
        "Reading(address meter,uint64 slot,uint32 exportedWh,bytes32 importedCommitment)"
    );

    uint256 private constant _SECONDS_PER_HOUR = 3600;
    uint256 private constant _MAX_SLOT_LENGTH = 1 days;
    uint256 private constant _MAX_READING_WINDOW = 7 days;
    /// @dev Keeps `fromSlot` far inside its 56 bits (a slot index stays below 2^40 for a million years).
    uint256 private constant _MAX_CHANGE_DELAY_SLOTS = type(uint32).max;

    /// @dev The rest of a meter's record, one storage word:
    /// | everSuspended 8 | ownerHistory 8 | source 8 | kind 8 | zone 64 | owner 160 |.
    /// Without `ownerHistory`, `owner` owns every slot; with it, `_owners` holds the owner of record per slot
    /// and `owner` is the latest scheduled one. `everSuspended` says whether `_history.suspensions` needs a look.
    struct Profile {
        address owner;
        bytes8 zone;
        MeterKind kind;
        EnergySource source;
        bool ownerHistory;
        bool everSuspended;
    }

    /// @dev A meter's scheduled record from `fromSlot` on, one storage word, read only when the device word's
    /// pending bit is set: | retiring 8 | fromSlot 56 | ratedCapacityW 32 | signer 160 |.
    struct PendingChange {
        address signer;
        uint32 ratedCapacityW;
        uint56 fromSlot;
        bool retiring;
    }

    /// @dev A meter's permanent per-slot history.
    /// `owners`: owner of record per slot (key: the owner's first slot), only once an owner change was scheduled.
    /// `suspensions`: value 1 from the slot containing a suspension, 0 from the slot after the one containing
    /// the reinstatement.
    struct History {
        Checkpoints.Trace160 owners;
        Checkpoints.Trace208 suspensions;
    }

    uint256 private immutable _genesis;
    uint256 private immutable _slotLength;
    uint256 private immutable _readingWindow;
    uint64 private immutable _changeDelaySlots;

    mapping(address meter => DeviceWord) private _devices;
    mapping(address meter => Profile) private _profiles;
    mapping(address meter => PendingChange) private _pending;
    mapping(address meter => History) private _history;
    mapping(uint32 index => address meter) private _meterAt;
    /// @dev One slot of eight meters with neighbouring indices per word (exported Wh and the recorded flag),
    /// keyed by `ReadingWordLibrary.keyOf(meterIndex, slot)`, see ReadingWord.
    mapping(uint256 key => ReadingWord) private _readings;
    uint32 private _meterCount;

    /// @param admin receives DEFAULT_ADMIN_ROLE (grants the operator and regulator roles)
    /// @param genesis unix time at which slot 0 starts
    /// @param slotLength_ slot length in seconds (900 for 15-minute slots)
    /// @param readingWindow_ seconds after a slot's end during which its readings are accepted
    /// @param changeDelaySlots_ slots between the slot of an operator's change and the first slot it applies
    /// to; a market on this registry requires it above its trading horizon
    constructor(
        address admin,
        uint256 genesis,
        uint256 slotLength_,
        uint256 readingWindow_,
        uint64 changeDelaySlots_
    ) EIP712("GridLedger MeterRegistry", "1") {
        if (admin == address(0)) revert RegistryZeroAddress();
        if (
            slotLength_ == 0 ||
            slotLength_ > _MAX_SLOT_LENGTH ||
            readingWindow_ == 0 ||
            readingWindow_ > _MAX_READING_WINDOW
        ) revert RegistryInvalidClock(slotLength_, readingWindow_);
        if (changeDelaySlots_ == 0 || changeDelaySlots_ > _MAX_CHANGE_DELAY_SLOTS) {
            revert RegistryInvalidChangeDelay(changeDelaySlots_);
        }
        _genesis = genesis;
        _changeDelaySlots = changeDelaySlots_;
        _slotLength = slotLength_;
        _readingWindow = readingWindow_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ---------------------------------------------------------------------------------------------
    // Meters
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IMeterRegistry
    function registerMeter(
        address meter,
        address owner,
        MeterKind kind,
        EnergySource source,
        uint32 ratedCapacityW,
        bytes8 zone,
        uint32 commissionedAt
    ) external onlyRole(GRID_OPERATOR_ROLE) returns (uint32 index) {
        if (meter == address(0) || owner == address(0)) revert RegistryZeroAddress();
        if (_devices[meter].status() != MeterStatus.Unregistered) revert RegistryMeterExists(meter);
        if ((kind == MeterKind.Consumption) != (source == EnergySource.None)) {
            revert RegistryInvalidSource(kind, source);
        }
        _checkCapacity(ratedCapacityW);

        index = _meterCount + 1;
        if (index > type(uint24).max) revert RegistryTooManyMeters(type(uint24).max);
        _meterCount = index;
        // index <= type(uint24).max, checked above.
        _devices[meter] = DeviceWordLibrary.pack(
            meter,
            ratedCapacityW,
            commissionedAt,
            uint24(index),
            MeterStatus.Active
        );
        _profiles[meter] = Profile({
            owner: owner,
            zone: zone,
            kind: kind,
            source: source,
            ownerHistory: false,
            everSuspended: false
        });
        _meterAt[index] = meter;
        emit MeterRegistered(meter, owner, index, kind, source, ratedCapacityW, zone, commissionedAt);
    }

    /// @inheritdoc IMeterRegistry
    function updateMeter(
        address meter,
        address owner,
        uint32 ratedCapacityW,
        bytes8 zone
    ) external onlyRole(GRID_OPERATOR_ROLE) {
        if (owner == address(0)) revert RegistryZeroAddress();
        _checkCapacity(ratedCapacityW);
        PendingChange memory change = _beginChange(meter);
        change.ratedCapacityW = ratedCapacityW;
        _pending[meter] = change;
        _scheduleOwner(meter, owner, change.fromSlot);
        // The zone only labels certificates (no reading, order or payment depends on it): it applies at once.
        _profiles[meter].zone = zone;
        emit MeterUpdated(meter, owner, ratedCapacityW, zone, change.fromSlot);
    }

    /// @inheritdoc IMeterRegistry
    function rotateMeterKey(address meter, address newSigner) external onlyRole(GRID_OPERATOR_ROLE) {
        if (newSigner == address(0)) revert RegistryZeroAddress();
        PendingChange memory change = _beginChange(meter);
        address oldSigner = change.signer;
        change.signer = newSigner;
        _pending[meter] = change;
        emit MeterKeyRotated(meter, oldSigner, newSigner, change.fromSlot);
    }

    /// @inheritdoc IMeterRegistry
    function revokeMeterKey(address meter) external onlyRole(GRID_OPERATOR_ROLE) {
        PendingChange memory change = _beginChange(meter);
        address oldSigner = change.signer;
        change.signer = address(0);
        _pending[meter] = change;
        emit MeterKeyRevoked(meter, oldSigner, change.fromSlot);
    }

    /// @inheritdoc IMeterRegistry
    function retireMeter(address meter) external onlyRole(GRID_OPERATOR_ROLE) {
        PendingChange memory change = _beginChange(meter);
        change.retiring = true;
        _pending[meter] = change;
        emit MeterRetired(meter, msg.sender, change.fromSlot);
    }

    /// @inheritdoc IMeterRegistry
    function suspendMeter(address meter) external onlyRole(REGULATOR_ROLE) {
        uint64 slot = _nowSlot();
        _transition(meter, slot, MeterStatus.Active, MeterStatus.Suspended);
        Checkpoints.Trace208 storage spans = _history[meter].suspensions;
        (bool exists, uint48 lastKey, ) = spans.latestCheckpoint();
        // Suspended again in the slot of a reinstatement: that slot is already spanned, the span goes on.
        uint48 from = SafeCast.toUint48(slot);
        if (exists && lastKey > from) from = lastKey;
        spans.push(from, 1);
        _profiles[meter].everSuspended = true;
        emit MeterSuspended(meter, msg.sender, slot);
    }

    /// @inheritdoc IMeterRegistry
    function reinstateMeter(address meter) external onlyRole(REGULATOR_ROLE) {
        uint64 slot = _nowSlot();
        _transition(meter, slot, MeterStatus.Suspended, MeterStatus.Active);
        _history[meter].suspensions.push(SafeCast.toUint48(uint256(slot) + 1), 0);
        emit MeterReinstated(meter, msg.sender, slot);
    }

    // ---------------------------------------------------------------------------------------------
    // Readings
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IMeterRegistry
    function submitReading(SignedReading calldata reading) external {
        _revertIfError(_record(reading));
    }

    /// @inheritdoc IMeterRegistry
    function submitReadings(SignedReading[] calldata readings) external {
        uint256 count = readings.length;
        if (count == 0) revert RegistryEmptyBatch();
        for (uint256 i; i < count; ++i) {
            SignedReading calldata reading = readings[i];
            bytes memory error = _record(reading);
            // Idempotent: a copy of a recorded reading (the same values, e.g. front-run from this very
            // batch) is skipped; a different value for a recorded (meter, slot) still reverts the batch.
            if (
                error.length != 0 &&
                !(bytes4(error) == RegistryReadingExists.selector && _isRecordedAs(reading))
            ) {
                _revertIfError(error);
            }
        }
    }

    /// @inheritdoc IMeterRegistry
    function trySubmitReadings(SignedReading[] calldata readings) external returns (uint256 recorded) {
        uint256 count = readings.length;
        if (count == 0) revert RegistryEmptyBatch();
        for (uint256 i; i < count; ++i) {
            SignedReading calldata reading = readings[i];
            bytes memory error = _record(reading);
            if (error.length == 0) {
                ++recorded;
            } else {
                emit ReadingRejected(reading.meter, reading.slot, bytes4(error));
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IMeterRegistry
    function readingOf(address meter, uint64 slot) external view returns (Reading memory) {
        return _readingOf(_devices[meter].index(), slot);
    }

    /// @inheritdoc IMeterRegistry
    function readingOfIndex(uint32 index, uint64 slot) external view returns (Reading memory) {
        return _readingOf(index, slot);
    }

    /// @inheritdoc IMeterRegistry
    function meterOf(address meter) external view returns (Meter memory record) {
        uint64 slot = _nowSlot();
        record = _meterFor(meter, slot);
        // The status in force now: a suspension shows while it lasts, not for the rest of its last slot.
        if (record.status == MeterStatus.Suspended || record.status == MeterStatus.Active) {
            record.status = _devices[meter].status();
        }
    }

    /// @inheritdoc IMeterRegistry
    function meterOfSlot(address meter, uint64 slot) external view returns (Meter memory) {
        return _meterFor(meter, slot);
    }

    /// @inheritdoc IMeterRegistry
    function ownerOfRecord(address meter, uint64 slot) external view returns (address) {
        return _ownerFor(meter, _profiles[meter], slot);
    }

    /// @inheritdoc IMeterRegistry
    function isSuspendedIn(address meter, uint64 slot) external view returns (bool) {
        return _isSuspendedIn(meter, _profiles[meter], slot);
    }

    /// @inheritdoc IMeterRegistry
    function pendingChangeOf(address meter) external view returns (MeterChange memory change) {
        if (!_devices[meter].hasPending()) return change;
        PendingChange memory pending = _pending[meter];
        if (pending.fromSlot <= _nowSlot()) return change;
        change = MeterChange({
            fromSlot: pending.fromSlot,
            owner: _ownerFor(meter, _profiles[meter], pending.fromSlot),
            ratedCapacityW: pending.ratedCapacityW,
            signer: pending.signer,
            retiring: pending.retiring
        });
    }

    /// @inheritdoc IMeterRegistry
    function changeDelaySlots() external view returns (uint64) {
        return _changeDelaySlots;
    }

    /// @inheritdoc IMeterRegistry
    function meterAt(uint32 index) external view returns (address) {
        return _meterAt[index];
    }

    /// @inheritdoc IMeterRegistry
    function meterCount() external view returns (uint32) {
        return _meterCount;
    }

    /// @inheritdoc IMeterRegistry
    function maxWhPerSlot(address meter) external view returns (uint256) {
        return _maxWhPerSlot(_meterFor(meter, _nowSlot()).ratedCapacityW);
    }

    /// @inheritdoc IMeterRegistry
    function readingDigest(
        address meter,
        uint64 slot,
        uint32 exportedWh,
        bytes32 importedCommitment_
    ) public view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(abi.encode(READING_TYPEHASH, meter, slot, exportedWh, importedCommitment_))
            );
    }

    /// @inheritdoc IMeterRegistry
    function importedCommitment(
        address meter,
        uint64 slot,
        uint32 importedWh,
        bytes32 salt
    ) public pure returns (bytes32) {
        return keccak256(abi.encode(meter, slot, importedWh, salt));
    }

    /// @inheritdoc IMeterRegistry
    function verifyImportedWh(
        address meter,
        uint64 slot,
        uint32 importedWh,
        bytes32 salt,
        bytes32 commitment
    ) external pure returns (bool) {
        return importedCommitment(meter, slot, importedWh, salt) == commitment;
    }

    /// @inheritdoc IMeterRegistry
    function slotClock() external view returns (uint256 genesis, uint256 slotLength, uint256 readingWindow) {
        return (_genesis, _slotLength, _readingWindow);
    }

    /// @inheritdoc IMeterRegistry
    function slotOf(uint256 timestamp) external view returns (uint64) {
        return SlotClock.slotOf(_genesis, _slotLength, timestamp);
    }

    /// @inheritdoc IMeterRegistry
    function currentSlot() external view returns (uint64) {
        return SlotClock.slotOf(_genesis, _slotLength, block.timestamp);
    }

    /// @inheritdoc IMeterRegistry
    function slotStart(uint64 slot) external view returns (uint256) {
        return SlotClock.startOf(_genesis, _slotLength, slot);
    }

    /// @inheritdoc IMeterRegistry
    function slotEnd(uint64 slot) external view returns (uint256) {
        return SlotClock.endOf(_genesis, _slotLength, slot);
    }

    /// @inheritdoc IMeterRegistry
    function readingWindowEnd(uint64 slot) external view returns (uint256) {
        return _readingWindowEndOf(slot);
    }

    // ---------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------

    /// @dev Validates and records one reading. Returns the ABI-encoded custom error that refuses it, or empty
    /// bytes when it was recorded, so that the strict and the tolerant batch share one code path.
    function _record(SignedReading calldata reading) private returns (bytes memory error) {
        address meter = reading.meter;
        uint64 slot = reading.slot;
        DeviceWord device = _devices[meter];
        // The common path reads one word; only a meter with a scheduled change reads its pending record.
        if (device.hasPending()) device = _deviceFor(meter, device, slot);
        error = _checkMeterAndTime(reading, device);
        if (error.length != 0) return error;

        uint32 index = device.index();
        uint256 key = ReadingWordLibrary.keyOf(index, slot);
        ReadingWord word = _readings[key];
        if (word.isRecorded(index)) {
            return abi.encodeWithSelector(RegistryReadingExists.selector, meter, slot);
        }
        error = _checkSignature(reading, device.signer());
        if (error.length != 0) return error;

        _readings[key] = word.pack(index, reading.exportedWh);
        // The log, not storage, keeps the commitment: emitted once per (meter, slot), it is the authentic
        // and permanent record a household opens later (32 bytes of log data cost 256 gas, a word 22,100).
        emit ReadingRecorded(meter, slot, reading.exportedWh, reading.importedCommitment);
    }

    /// @dev Whether (meter, slot) holds a reading with `reading`'s exported Wh. The commitment is not stored,
    /// so a copy that differs only in it is skipped as well: it changes nothing, the first record stands.
    function _isRecordedAs(SignedReading calldata reading) private view returns (bool) {
        uint32 index = _devices[reading.meter].index();
        ReadingWord word = _readings[ReadingWordLibrary.keyOf(index, reading.slot)];
        (bool recorded, uint32 exportedWh) = word.unpack(index);
        return recorded && exportedWh == reading.exportedWh;
    }

    /// @dev The meter is registered, not retired for the slot and commissioned, the slot has ended and its window
    /// is open, and the values are physically possible for the meter's rated capacity for the slot. A suspended
    /// meter's readings are accepted (see IMeterRegistry.suspendMeter).
    function _checkMeterAndTime(
        SignedReading calldata reading,
        DeviceWord record
    ) private view returns (bytes memory error) {
        address meter = reading.meter;
        uint64 slot = reading.slot;
        MeterStatus status = record.status();
        if (status == MeterStatus.Unregistered) {
            return abi.encodeWithSelector(RegistryUnknownMeter.selector, meter);
        }
        if (status == MeterStatus.Retired) {
            return abi.encodeWithSelector(RegistryMeterNotActive.selector, meter, status);
        }

        uint256 slotEnd_ = SlotClock.endOf(_genesis, _slotLength, slot);
        if (block.timestamp < slotEnd_) {
            return abi.encodeWithSelector(RegistrySlotNotEnded.selector, slot, slotEnd_, block.timestamp);
        }
        uint256 windowEnd = slotEnd_ + _readingWindow;
        if (block.timestamp >= windowEnd) {
            return
                abi.encodeWithSelector(
                    RegistryReadingWindowClosed.selector,
                    slot,
                    windowEnd,
                    block.timestamp
                );
        }
        if (slotEnd_ - _slotLength < record.commissionedAt()) {
            return
                abi.encodeWithSelector(
                    RegistryReadingBeforeCommissioning.selector,
                    meter,
                    slot,
                    record.commissionedAt()
                );
        }

        return _checkExport(reading, record);
    }

    /// @dev The export is physically possible for the meter's rated capacity for the slot. Only the export is
    /// bounded on chain: the import is hidden behind its commitment (a zero-knowledge range proof would be
    /// needed to bound it, see docs/threat-model.md).
    function _checkExport(
        SignedReading calldata reading,
        DeviceWord record
    ) private view returns (bytes memory error) {
        uint256 maxWh = _maxWhPerSlot(record.ratedCapacityW());
        uint256 exportedWh = reading.exportedWh;
        if (exportedWh > maxWh) {
            return
                abi.encodeWithSelector(
                    RegistryReadingExceedsCapacity.selector,
                    reading.meter,
                    reading.slot,
                    exportedWh,
                    maxWh
                );
        }
    }

    /// @dev The reading is signed by `signer` (OpenZeppelin's ECDSA refuses high-s signatures and address(0)).
    function _checkSignature(
        SignedReading calldata reading,
        address signer
    ) private view returns (bytes memory error) {
        if (signer == address(0)) return abi.encodeWithSelector(RegistryKeyRevoked.selector, reading.meter);
        bytes32 digest = readingDigest(
            reading.meter,
            reading.slot,
            reading.exportedWh,
            reading.importedCommitment
        );
        (address recovered, ECDSA.RecoverError status, ) = ECDSA.tryRecover(digest, reading.r, reading.vs);
        if (status != ECDSA.RecoverError.NoError || recovered != signer) {
            return
                abi.encodeWithSelector(
                    RegistryInvalidSignature.selector,
                    reading.meter,
                    reading.slot,
                    recovered
                );
        }
    }

    function _readingOf(uint32 index, uint64 slot) private view returns (Reading memory reading) {
        if (index == 0) return reading;
        (reading.recorded, reading.exportedWh) = _readings[ReadingWordLibrary.keyOf(index, slot)].unpack(
            index
        );
    }

    /// @dev Opens the one pending change of `meter` from the slot `changeDelaySlots` after the current one, and
    /// returns it holding the record it builds on (the caller edits it and stores it in `_pending`). A second
    /// change in the same slot merges into the pending one; an earlier pending change is first promoted into
    /// the device word, which is only allowed once no slot before its `fromSlot` accepts readings any more
    /// (every slot open for trading then is at or after it, since `changeDelaySlots` exceeds the horizon).
    function _beginChange(address meter) private returns (PendingChange memory change) {
        DeviceWord device = _devices[meter];
        if (device.status() == MeterStatus.Unregistered) revert RegistryUnknownMeter(meter);
        uint56 fromSlot = SafeCast.toUint56(uint256(_nowSlot()) + _changeDelaySlots);
        if (device.hasPending()) {
            change = _pending[meter];
            // A retirement, pending or in force, is final.
            if (change.retiring) revert RegistryMeterNotActive(meter, MeterStatus.Retired);
            if (change.fromSlot != fromSlot) {
                uint64 pendingFrom = change.fromSlot;
                // pendingFrom >= changeDelaySlots >= 1: no underflow.
                if (block.timestamp < _readingWindowEndOf(pendingFrom - 1)) {
                    revert RegistryChangePending(meter, pendingFrom);
                }
                device = _applied(device, change);
                change = PendingChange(device.signer(), device.ratedCapacityW(), fromSlot, false);
            }
        } else {
            change = PendingChange(device.signer(), device.ratedCapacityW(), fromSlot, false);
        }
        // The device word itself never says Retired: a retirement stays the pending change for good.
        _devices[meter] = device.withPending(true);
    }

    /// @dev Records `owner` as the owner of record from `fromSlot` on (merging with a change of the same slot).
    function _scheduleOwner(address meter, address owner, uint64 fromSlot) private {
        Profile storage profile = _profiles[meter];
        Checkpoints.Trace160 storage owners = _history[meter].owners;
        if (!profile.ownerHistory) {
            if (owner == profile.owner) return;
            owners.push(0, uint160(profile.owner));
            profile.ownerHistory = true;
        } else if (uint160(owner) == owners.latest()) {
            return;
        }
        owners.push(fromSlot, uint160(owner));
        profile.owner = owner;
    }

    /// @dev The device word in force for `slot` of a meter whose word `device` has the pending bit set.
    function _deviceFor(address meter, DeviceWord device, uint64 slot) private view returns (DeviceWord) {
        PendingChange memory change = _pending[meter];
        return slot < change.fromSlot ? device : _applied(device, change);
    }

    /// @dev `device` with the pending change `change` applied (the status a suspension set is kept).
    function _applied(DeviceWord device, PendingChange memory change) private pure returns (DeviceWord) {
        device = device.withKeyAndCapacity(change.signer, change.ratedCapacityW).withPending(false);
        return change.retiring ? device.withStatus(MeterStatus.Retired) : device;
    }

    /// @dev A meter's record for `slot`: key, capacity and retirement as scheduled for it, its owner of record,
    /// and status Suspended when a suspension spans the slot.
    function _meterFor(address meter, uint64 slot) private view returns (Meter memory) {
        DeviceWord device = _devices[meter];
        if (device.hasPending()) device = _deviceFor(meter, device, slot);
        Profile memory profile = _profiles[meter];
        MeterStatus status = device.status();
        // Without a suspension ever, an Active or Suspended word is Active for every slot: no history read.
        if (profile.everSuspended && status != MeterStatus.Retired) {
            status = _isSuspendedIn(meter, profile, slot) ? MeterStatus.Suspended : MeterStatus.Active;
        }
        return
            Meter({
                owner: profile.ownerHistory ? _ownerFor(meter, profile, slot) : profile.owner,
                ratedCapacityW: device.ratedCapacityW(),
                commissionedAt: device.commissionedAt(),
                kind: profile.kind,
                source: profile.source,
                status: status,
                signer: device.signer(),
                zone: profile.zone,
                index: device.index()
            });
    }

    function _ownerFor(address meter, Profile memory profile, uint64 slot) private view returns (address) {
        if (!profile.ownerHistory) return profile.owner;
        return address(_history[meter].owners.upperLookupRecent(slot));
    }

    function _isSuspendedIn(address meter, Profile memory profile, uint64 slot) private view returns (bool) {
        if (!profile.everSuspended) return false;
        uint48 key = slot > type(uint48).max ? type(uint48).max : uint48(slot);
        return _history[meter].suspensions.upperLookupRecent(key) != 0;
    }

    /// @dev The regulator's status change, at once; a retirement in force at `slot` is final.
    function _transition(address meter, uint64 slot, MeterStatus from, MeterStatus to) private {
        DeviceWord device = _devices[meter];
        MeterStatus status = (device.hasPending() ? _deviceFor(meter, device, slot) : device).status();
        if (status == MeterStatus.Unregistered) revert RegistryUnknownMeter(meter);
        if (status != from) revert RegistryInvalidStatusTransition(meter, status, to);
        _devices[meter] = device.withStatus(to);
    }

    /// @dev The current slot; before genesis 0 (slots 0 .. horizon are then open for trading).
    function _nowSlot() private view returns (uint64) {
        if (block.timestamp < _genesis) return 0;
        return SlotClock.slotOf(_genesis, _slotLength, block.timestamp);
    }

    function _readingWindowEndOf(uint64 slot) private view returns (uint256) {
        return SlotClock.endOf(_genesis, _slotLength, slot) + _readingWindow;
    }

    function _checkCapacity(uint32 ratedCapacityW) private view {
        uint256 maxWh = _maxWhPerSlot(ratedCapacityW);
        if (ratedCapacityW == 0 || maxWh > ReadingWordLibrary.MAX_WH_PER_SLOT) {
            revert RegistryInvalidCapacity(ratedCapacityW, maxWh);
        }
    }

    function _maxWhPerSlot(uint32 ratedCapacityW) private view returns (uint256) {
        return (uint256(ratedCapacityW) * _slotLength) / _SECONDS_PER_HOUR;
    }

    /// @dev Re-throws an error encoded by `_record` unchanged, so callers see the same custom error and arguments.
    function _revertIfError(bytes memory error) private pure {
        if (error.length != 0) {
            // Re-throwing raw revert data needs assembly; `error` is a well-formed ABI-encoded custom error.
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                revert(add(error, 0x20), mload(error))
            }
        }
    }
}
