// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

import {IMeterRegistry} from "./interfaces/IMeterRegistry.sol";
import {ReadingPacking} from "./libraries/ReadingPacking.sol";
import {SlotClock} from "./libraries/SlotClock.sol";

/// @title MeterRegistry
/// @notice Smart meters and their signed interval readings; the source of truth for metered energy.
/// @dev Invariants: at most one reading per (meter, slot); a recorded reading never changes; a reading is only
/// recorded if signed (EIP-712, low-s) by the meter's key current at submission time.
contract MeterRegistry is IMeterRegistry, AccessControl, EIP712 {
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

    /// @dev What reading validation needs, in one storage word so a reading costs one cold SLOAD of the meter:
    /// | status 8 | index 24 | commissionedAt 32 | ratedCapacityW 32 | signer 160 |.
    struct Device {
        address signer;
        uint32 ratedCapacityW;
        uint32 commissionedAt;
        uint24 index;
        MeterStatus status;
    }

    /// @dev The rest of a meter's record, one storage word: | source 8 | kind 8 | zone 64 | owner 160 |.
    struct Profile {
        address owner;
        bytes8 zone;
        MeterKind kind;
        EnergySource source;
    }

    uint256 private immutable _genesis;
    uint256 private immutable _slotLength;
    uint256 private immutable _readingWindow;

    mapping(address meter => Device) private _devices;
    mapping(address meter => Profile) private _profiles;
    mapping(uint32 index => address meter) private _meterAt;
    /// @dev Eight slots per word (exported Wh and the recorded flag), see ReadingPacking.
    mapping(uint32 index => mapping(uint256 word => uint256 lanes)) private _readings;
    uint32 private _meterCount;

    /// @param admin receives DEFAULT_ADMIN_ROLE (grants the operator and regulator roles)
    /// @param genesis unix time at which slot 0 starts
    /// @param slotLength_ slot length in seconds (900 for 15-minute slots)
    /// @param readingWindow_ seconds after a slot's end during which its readings are accepted
    constructor(
        address admin,
        uint256 genesis,
        uint256 slotLength_,
        uint256 readingWindow_
    ) EIP712("GridLedger MeterRegistry", "1") {
        if (admin == address(0)) revert RegistryZeroAddress();
        if (
            slotLength_ == 0 ||
            slotLength_ > _MAX_SLOT_LENGTH ||
            readingWindow_ == 0 ||
            readingWindow_ > _MAX_READING_WINDOW
        ) revert RegistryInvalidClock(slotLength_, readingWindow_);
        _genesis = genesis;
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
        if (_devices[meter].status != MeterStatus.Unregistered) revert RegistryMeterExists(meter);
        if ((kind == MeterKind.Consumption) != (source == EnergySource.None)) {
            revert RegistryInvalidSource(kind, source);
        }
        _checkCapacity(ratedCapacityW);

        index = _meterCount + 1;
        if (index > type(uint24).max) revert RegistryTooManyMeters(type(uint24).max);
        _meterCount = index;
        _devices[meter] = Device({
            signer: meter,
            ratedCapacityW: ratedCapacityW,
            commissionedAt: commissionedAt,
            index: uint24(index),
            status: MeterStatus.Active
        });
        _profiles[meter] = Profile({owner: owner, zone: zone, kind: kind, source: source});
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
        Device storage device = _liveDevice(meter);
        _checkCapacity(ratedCapacityW);
        device.ratedCapacityW = ratedCapacityW;
        Profile storage profile = _profiles[meter];
        profile.owner = owner;
        profile.zone = zone;
        emit MeterUpdated(meter, owner, ratedCapacityW, zone);
    }

    /// @inheritdoc IMeterRegistry
    function rotateMeterKey(address meter, address newSigner) external onlyRole(GRID_OPERATOR_ROLE) {
        if (newSigner == address(0)) revert RegistryZeroAddress();
        Device storage device = _liveDevice(meter);
        address oldSigner = device.signer;
        device.signer = newSigner;
        emit MeterKeyRotated(meter, oldSigner, newSigner);
    }

    /// @inheritdoc IMeterRegistry
    function revokeMeterKey(address meter) external onlyRole(GRID_OPERATOR_ROLE) {
        Device storage device = _liveDevice(meter);
        address oldSigner = device.signer;
        device.signer = address(0);
        emit MeterKeyRevoked(meter, oldSigner);
    }

    /// @inheritdoc IMeterRegistry
    function retireMeter(address meter) external onlyRole(GRID_OPERATOR_ROLE) {
        _liveDevice(meter).status = MeterStatus.Retired;
        emit MeterRetired(meter, msg.sender);
    }

    /// @inheritdoc IMeterRegistry
    function suspendMeter(address meter) external onlyRole(REGULATOR_ROLE) {
        _transition(meter, MeterStatus.Active, MeterStatus.Suspended);
        emit MeterSuspended(meter, msg.sender);
    }

    /// @inheritdoc IMeterRegistry
    function reinstateMeter(address meter) external onlyRole(REGULATOR_ROLE) {
        _transition(meter, MeterStatus.Suspended, MeterStatus.Active);
        emit MeterReinstated(meter, msg.sender);
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
        return _readingOf(_devices[meter].index, slot);
    }

    /// @inheritdoc IMeterRegistry
    function readingOfIndex(uint32 index, uint64 slot) external view returns (Reading memory) {
        return _readingOf(index, slot);
    }

    /// @inheritdoc IMeterRegistry
    function meterOf(address meter) external view returns (Meter memory) {
        Device memory device = _devices[meter];
        Profile memory profile = _profiles[meter];
        return
            Meter({
                owner: profile.owner,
                ratedCapacityW: device.ratedCapacityW,
                commissionedAt: device.commissionedAt,
                kind: profile.kind,
                source: profile.source,
                status: device.status,
                signer: device.signer,
                zone: profile.zone,
                index: device.index
            });
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
        return _maxWhPerSlot(_devices[meter].ratedCapacityW);
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
        return SlotClock.endOf(_genesis, _slotLength, slot) + _readingWindow;
    }

    // ---------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------

    /// @dev Validates and records one reading. Returns the ABI-encoded custom error that refuses it, or empty
    /// bytes when it was recorded, so that the strict and the tolerant batch share one code path.
    function _record(SignedReading calldata reading) private returns (bytes memory error) {
        address meter = reading.meter;
        uint64 slot = reading.slot;
        Device memory device = _devices[meter];
        error = _checkMeterAndTime(reading, device);
        if (error.length != 0) return error;

        mapping(uint256 => uint256) storage lanes = _readings[device.index];
        uint256 wordKey = ReadingPacking.wordOf(slot);
        uint256 word = lanes[wordKey];
        if (ReadingPacking.isRecorded(word, slot)) {
            return abi.encodeWithSelector(RegistryReadingExists.selector, meter, slot);
        }
        error = _checkSignature(reading, device.signer);
        if (error.length != 0) return error;

        lanes[wordKey] = ReadingPacking.pack(word, slot, reading.exportedWh);
        // The log, not storage, keeps the commitment: emitted once per (meter, slot), it is the authentic
        // and permanent record a household opens later (32 bytes of log data cost 256 gas, a word 22,100).
        emit ReadingRecorded(meter, slot, reading.exportedWh, reading.importedCommitment);
    }

    /// @dev Whether (meter, slot) holds a reading with `reading`'s exported Wh. The commitment is not stored,
    /// so a copy that differs only in it is skipped as well: it changes nothing, the first record stands.
    function _isRecordedAs(SignedReading calldata reading) private view returns (bool) {
        uint256 word = _readings[_devices[reading.meter].index][ReadingPacking.wordOf(reading.slot)];
        (bool recorded, uint32 exportedWh) = ReadingPacking.unpack(word, reading.slot);
        return recorded && exportedWh == reading.exportedWh;
    }

    /// @dev The meter is active and commissioned, the slot has ended and its window is open, and the values
    /// are physically possible for the meter's rated capacity.
    function _checkMeterAndTime(
        SignedReading calldata reading,
        Device memory record
    ) private view returns (bytes memory error) {
        address meter = reading.meter;
        uint64 slot = reading.slot;
        if (record.status != MeterStatus.Active) {
            if (record.status == MeterStatus.Unregistered) {
                return abi.encodeWithSelector(RegistryUnknownMeter.selector, meter);
            }
            return abi.encodeWithSelector(RegistryMeterNotActive.selector, meter, record.status);
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
        if (slotEnd_ - _slotLength < record.commissionedAt) {
            return
                abi.encodeWithSelector(
                    RegistryReadingBeforeCommissioning.selector,
                    meter,
                    slot,
                    record.commissionedAt
                );
        }

        // Only the export is bounded on chain: the import is hidden behind its commitment (a zero-knowledge
        // range proof would be needed to bound it, see docs/threat-model.md).
        uint256 maxWh = _maxWhPerSlot(record.ratedCapacityW);
        uint256 exportedWh = reading.exportedWh;
        if (exportedWh > maxWh) {
            return
                abi.encodeWithSelector(
                    RegistryReadingExceedsCapacity.selector,
                    meter,
                    slot,
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
        (reading.recorded, reading.exportedWh) = ReadingPacking.unpack(
            _readings[index][ReadingPacking.wordOf(slot)],
            slot
        );
    }

    /// @dev A meter's record, for changes that any non-retired meter accepts.
    function _liveDevice(address meter) private view returns (Device storage device) {
        device = _devices[meter];
        MeterStatus status = device.status;
        if (status == MeterStatus.Unregistered) revert RegistryUnknownMeter(meter);
        if (status == MeterStatus.Retired) revert RegistryMeterNotActive(meter, status);
    }

    function _transition(address meter, MeterStatus from, MeterStatus to) private {
        Device storage record = _devices[meter];
        MeterStatus status = record.status;
        if (status == MeterStatus.Unregistered) revert RegistryUnknownMeter(meter);
        if (status != from) revert RegistryInvalidStatusTransition(meter, status, to);
        record.status = to;
    }

    function _checkCapacity(uint32 ratedCapacityW) private view {
        uint256 maxWh = _maxWhPerSlot(ratedCapacityW);
        if (ratedCapacityW == 0 || maxWh > ReadingPacking.MAX_WH_PER_SLOT) {
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
