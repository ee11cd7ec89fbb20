// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IMeterRegistry
/// @notice Registry of smart meters and of their signed 15-minute interval readings: the source of truth
/// for metered energy that the market settles against and that certificates are issued from.
/// @dev A meter is an IoT device with its own secp256k1 key; the address of its first key is its identity
/// for life (`meter`). The key that signs (`signer`) can be rotated or revoked without touching the history.
/// Energy is in Wh, power in W, time in seconds (unix), slots are indices of the slot clock (see SlotClock).
interface IMeterRegistry {
    /// @notice What a meter measures.
    enum MeterKind {
        Consumption,
        Generation,
        Bidirectional
    }

    /// @notice Energy source of a meter's generation (None for pure consumption meters).
    enum EnergySource {
        None,
        Solar,
        Wind,
        Hydro,
        Biomass,
        Storage,
        Other
    }

    /// @notice Life cycle of a meter. Retired is final.
    enum MeterStatus {
        Unregistered,
        Active,
        Suspended,
        Retired
    }

    /// @notice A meter's record.
    /// @param owner the prosumer account that trades with this meter
    /// @param ratedCapacityW rated power in W; bounds what a reading may claim per slot
    /// @param commissionedAt unix time from which readings are accepted
    /// @param zone grid zone / location code (e.g. a substation or bidding-zone code)
    /// @param signer the key that currently signs readings (address(0) once revoked)
    /// @param index compact id used by the market to reference the meter in packed orders (1 to 2^24 - 1)
    struct Meter {
        address owner;
        uint32 ratedCapacityW;
        uint32 commissionedAt;
        MeterKind kind;
        EnergySource source;
        MeterStatus status;
        address signer;
        bytes8 zone;
        uint32 index;
    }

    /// @notice A reading as a meter signs it (EIP-712 type
    /// `Reading(address meter,uint64 slot,uint32 exportedWh,bytes32 importedCommitment)`), with its compact
    /// EIP-2098 signature. The imported Wh (the household's consumption, personal data) is not in it, only a
    /// hiding and binding commitment to it, see `importedCommitment`.
    /// @param meter the meter's identity
    /// @param slot the slot the energy was measured in
    /// @param exportedWh energy fed into the grid in the slot, Wh
    /// @param importedCommitment `importedCommitment(meter, slot, importedWh, salt)` with the energy drawn
    /// from the grid in the slot (Wh) and a secret per-reading salt the meter derives from its key
    /// @param r signature r
    /// @param vs signature s with the parity bit of v in its top bit (EIP-2098)
    struct SignedReading {
        address meter;
        uint64 slot;
        uint32 exportedWh;
        bytes32 importedCommitment;
        bytes32 r;
        bytes32 vs;
    }

    /// @notice A recorded reading. `recorded` tells "no reading" apart from a reading of zero. The commitment
    /// to the imported Wh is not stored: it is in the reading's `ReadingRecorded` event.
    struct Reading {
        bool recorded;
        uint32 exportedWh;
    }

    // ----------------------------------------------------------------------------------------------
    // Events
    // ----------------------------------------------------------------------------------------------

    /// @notice Emitted after a meter was registered.
    event MeterRegistered(
        address indexed meter,
        address indexed owner,
        uint32 indexed index,
        MeterKind kind,
        EnergySource source,
        uint32 ratedCapacityW,
        bytes8 zone,
        uint32 commissionedAt
    );

    /// @notice Emitted after a meter's owner, rated capacity or zone were updated.
    event MeterUpdated(address indexed meter, address indexed owner, uint32 ratedCapacityW, bytes8 zone);

    /// @notice Emitted after a regulator suspended a meter.
    event MeterSuspended(address indexed meter, address indexed regulator);

    /// @notice Emitted after a regulator reinstated a suspended meter.
    event MeterReinstated(address indexed meter, address indexed regulator);

    /// @notice Emitted after the grid operator retired (decommissioned) a meter, for good.
    event MeterRetired(address indexed meter, address indexed operator);

    /// @notice Emitted after a meter's signing key was replaced; readings signed before stay valid.
    event MeterKeyRotated(address indexed meter, address indexed oldSigner, address indexed newSigner);

    /// @notice Emitted after a meter's signing key was revoked; no reading is accepted until a rotation.
    event MeterKeyRevoked(address indexed meter, address indexed oldSigner);

    /// @notice Emitted after a reading was recorded, once per (meter, slot): the authentic, permanent record of
    /// the meter's commitment to its imported Wh, which a household opens with `verifyImportedWh`.
    event ReadingRecorded(
        address indexed meter,
        uint64 indexed slot,
        uint32 exportedWh,
        bytes32 importedCommitment
    );

    /// @notice Emitted by `trySubmitReadings` for each reading it refused; `reason` is the custom error's selector.
    event ReadingRejected(address indexed meter, uint64 indexed slot, bytes4 reason);

    // ----------------------------------------------------------------------------------------------
    // Errors
    // ----------------------------------------------------------------------------------------------

    /// @notice Thrown when a zero address is given where an account or meter is required.
    error RegistryZeroAddress();
    /// @notice Thrown when registering a meter identity that already exists.
    error RegistryMeterExists(address meter);
    /// @notice Thrown when a meter is not registered.
    error RegistryUnknownMeter(address meter);
    /// @notice Thrown when a meter's status does not allow the operation.
    error RegistryMeterNotActive(address meter, MeterStatus status);
    /// @notice Thrown when a status change is not allowed from the meter's current status.
    error RegistryInvalidStatusTransition(address meter, MeterStatus from, MeterStatus to);
    /// @notice Thrown when kind and source contradict (generation without a source, consumption with one).
    error RegistryInvalidSource(MeterKind kind, EnergySource source);
    /// @notice Thrown when the rated capacity is zero or could produce more Wh per slot than a reading can hold.
    error RegistryInvalidCapacity(uint32 ratedCapacityW, uint256 maxWhPerSlot);
    /// @notice Thrown when a reading for (meter, slot) is already recorded (replays included).
    error RegistryReadingExists(address meter, uint64 slot);
    /// @notice Thrown when a reading's signature is not by the meter's current key (or is malformed / high-s).
    error RegistryInvalidSignature(address meter, uint64 slot, address recovered);
    /// @notice Thrown when the meter's key was revoked.
    error RegistryKeyRevoked(address meter);
    /// @notice Thrown when a reading is submitted before its slot has ended.
    error RegistrySlotNotEnded(uint64 slot, uint256 slotEnd, uint256 timestamp);
    /// @notice Thrown when a reading is submitted after the reading window of its slot closed.
    error RegistryReadingWindowClosed(uint64 slot, uint256 windowEnd, uint256 timestamp);
    /// @notice Thrown when a reading's slot starts before the meter's commissioning date.
    error RegistryReadingBeforeCommissioning(address meter, uint64 slot, uint32 commissionedAt);
    /// @notice Thrown when a reading claims to have exported more Wh than the rated capacity allows in one slot.
    error RegistryReadingExceedsCapacity(address meter, uint64 slot, uint256 wh, uint256 maxWh);
    /// @notice Thrown when registering more meters than a compact index can number.
    error RegistryTooManyMeters(uint256 limit);
    /// @notice Thrown when a batch is empty.
    error RegistryEmptyBatch();
    /// @notice Thrown when constructor parameters are out of range.
    error RegistryInvalidClock(uint256 slotLength, uint256 readingWindow);

    // ----------------------------------------------------------------------------------------------
    // Meters (grid operator, regulator)
    // ----------------------------------------------------------------------------------------------

    /// @notice Registers a meter. Grid operator only.
    /// @param meter the meter's identity (address of its device key, which is also its first signer)
    /// @param owner the prosumer account that trades with this meter
    /// @param kind what the meter measures
    /// @param source the energy source of its generation (None for consumption meters)
    /// @param ratedCapacityW rated power, W
    /// @param zone grid zone / location code
    /// @param commissionedAt unix time from which its readings are accepted
    /// @return index the meter's compact index
    function registerMeter(
        address meter,
        address owner,
        MeterKind kind,
        EnergySource source,
        uint32 ratedCapacityW,
        bytes8 zone,
        uint32 commissionedAt
    ) external returns (uint32 index);

    /// @notice Updates a meter's owner, rated capacity and zone. Grid operator only; not for retired meters.
    function updateMeter(address meter, address owner, uint32 ratedCapacityW, bytes8 zone) external;

    /// @notice Replaces the key that signs a meter's readings (device replaced). Grid operator only.
    function rotateMeterKey(address meter, address newSigner) external;

    /// @notice Revokes the key that signs a meter's readings (key compromised). Grid operator only.
    function revokeMeterKey(address meter) external;

    /// @notice Retires a meter for good. Grid operator only.
    function retireMeter(address meter) external;

    /// @notice Suspends an active meter: no readings, no sell orders, no certificates. Regulator only.
    function suspendMeter(address meter) external;

    /// @notice Reinstates a suspended meter. Regulator only.
    function reinstateMeter(address meter) external;

    // ----------------------------------------------------------------------------------------------
    // Readings (anyone)
    // ----------------------------------------------------------------------------------------------

    /// @notice Records one signed reading; reverts with the reason if it is refused. Anyone may call.
    function submitReading(SignedReading calldata reading) external;

    /// @notice Records a batch of signed readings of any meters and slots, all or nothing, idempotently: a
    /// reading whose (meter, slot) already holds exactly its values is skipped (so copying one reading out
    /// of a pending batch and submitting it first cannot revert the batch), while a different value for a
    /// recorded (meter, slot) reverts with `RegistryReadingExists`. Anyone may call.
    function submitReadings(SignedReading[] calldata readings) external;

    /// @notice Records the valid readings of a batch and emits `ReadingRejected` for each refused one,
    /// so that one bad meter cannot block a data hub's batch. Anyone may call.
    /// @return recorded number of readings recorded
    function trySubmitReadings(SignedReading[] calldata readings) external returns (uint256 recorded);

    // ----------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------

    /// @notice The recorded reading of `meter` in `slot` (`recorded` is false when there is none).
    function readingOf(address meter, uint64 slot) external view returns (Reading memory);

    /// @notice The recorded reading of the meter with compact index `index` in `slot`.
    function readingOfIndex(uint32 index, uint64 slot) external view returns (Reading memory);

    /// @notice A meter's record (status Unregistered when unknown).
    function meterOf(address meter) external view returns (Meter memory);

    /// @notice The meter with compact index `index` (address(0) when none).
    function meterAt(uint32 index) external view returns (address);

    /// @notice Number of meters ever registered.
    function meterCount() external view returns (uint32);

    /// @notice Most Wh a reading of `meter` may claim to have exported per slot (rated capacity x slot length).
    function maxWhPerSlot(address meter) external view returns (uint256);

    /// @notice EIP-712 digest a meter signs for a reading.
    /// @param exportedWh energy fed into the grid in the slot, Wh
    /// @param importedCommitment the reading's commitment to its imported Wh (see `importedCommitment`)
    function readingDigest(
        address meter,
        uint64 slot,
        uint32 exportedWh,
        bytes32 importedCommitment
    ) external view returns (bytes32);

    /// @notice The commitment a reading carries to its imported Wh: `keccak256(abi.encode(meter, slot,
    /// importedWh, salt))`. Binding (keccak256 is collision resistant) and hiding as long as the 32-byte salt
    /// is secret and unpredictable; the meter derives it from its key per (meter, slot), see
    /// docs/integration.md. Computing it on chain publishes `importedWh`: call it off chain (eth_call).
    /// @param importedWh energy drawn from the grid in the slot, Wh
    /// @param salt the reading's secret salt
    function importedCommitment(
        address meter,
        uint64 slot,
        uint32 importedWh,
        bytes32 salt
    ) external pure returns (bytes32);

    /// @notice Whether (`importedWh`, `salt`) opens `commitment` for (meter, slot); the commitment to check
    /// is the one in the reading's `ReadingRecorded` event. Call it off chain (eth_call).
    /// @param importedWh the revealed energy drawn from the grid in the slot, Wh
    /// @param salt the revealed salt of that reading
    /// @param commitment the commitment recorded for (meter, slot)
    function verifyImportedWh(
        address meter,
        uint64 slot,
        uint32 importedWh,
        bytes32 salt,
        bytes32 commitment
    ) external pure returns (bool);

    /// @notice The slot clock: genesis (unix s), slot length (s) and reading window after a slot's end (s).
    function slotClock() external view returns (uint256 genesis, uint256 slotLength, uint256 readingWindow);

    /// @notice The slot that contains `timestamp`.
    function slotOf(uint256 timestamp) external view returns (uint64);

    /// @notice The slot that contains the current block's timestamp.
    function currentSlot() external view returns (uint64);

    /// @notice First second of `slot`.
    function slotStart(uint64 slot) external view returns (uint256);

    /// @notice First second after `slot`.
    function slotEnd(uint64 slot) external view returns (uint256);

    /// @notice First second at which readings for `slot` are refused; a reading is accepted from
    /// `slotEnd(slot)` (inclusive) to `readingWindowEnd(slot)` (exclusive). Settlement may start then.
    function readingWindowEnd(uint64 slot) external view returns (uint256);
}
