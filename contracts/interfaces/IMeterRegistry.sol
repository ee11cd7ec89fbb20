// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IMeterRegistry
/// @notice Registry of smart meters and of their signed 15-minute interval readings: the source of truth
/// for metered energy that the market settles against and that certificates are issued from.
/// @dev A meter is an IoT device with its own secp256k1 key; the address of its first key is its identity
/// for life (`meter`). The key that signs (`signer`) can be rotated or revoked without touching the history.
/// Energy is in Wh, power in W, time in seconds (unix), slots are indices of the slot clock (see SlotClock).
///
/// Changes never reach back into a slot. The grid operator's changes (key rotation and revocation, rated
/// capacity, owner, retirement) made in slot c apply from slot c + `changeDelaySlots` on (slot 0 stands for c
/// before genesis); the delay exceeds the market's trading horizon, so every slot already open for trading
/// or in its reading window keeps the record it was traded under: its readings are judged by the key,
/// capacity and retirement scheduled for it, its certificates go to its owner of record. A meter holds one
/// pending change: a second change in the same slot merges into it; a change while an earlier one is
/// pending is refused (`RegistryChangePending`) until no slot before the pending `fromSlot` accepts readings.
/// The zone only labels certificates and changes at once. The regulator's suspension acts at once and spans
/// the slots from the one containing the suspension through the one containing the reinstatement: their
/// certificates are withheld for good and no sell order is accepted for them, but their readings are
/// accepted, so that a suspension cannot turn a seller's real delivery into shortfall and penalty.
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
    /// @param signer the key that signs readings (address(0) once revoked)
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

    /// @notice A scheduled change of a meter's record: the record from `fromSlot` on.
    /// @param fromSlot first slot the change applies to (0 when no change is pending)
    /// @param owner owner of record from `fromSlot`
    /// @param ratedCapacityW rated power from `fromSlot`, W
    /// @param signer the key that signs readings of `fromSlot` on (address(0): revoked)
    /// @param retiring whether the meter is retired from `fromSlot` on
    struct MeterChange {
        uint64 fromSlot;
        address owner;
        uint32 ratedCapacityW;
        address signer;
        bool retiring;
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

    /// @notice Emitted after a change of a meter's owner and rated capacity was scheduled from `fromSlot` on
    /// (the zone changed at once).
    event MeterUpdated(
        address indexed meter,
        address indexed owner,
        uint32 ratedCapacityW,
        bytes8 zone,
        uint64 fromSlot
    );

    /// @notice Emitted after a regulator suspended a meter; `slot` (the current one) is the first slot spanned.
    event MeterSuspended(address indexed meter, address indexed regulator, uint64 slot);

    /// @notice Emitted after a regulator reinstated a suspended meter; `slot` (the current one) is the last
    /// slot the suspension spans.
    event MeterReinstated(address indexed meter, address indexed regulator, uint64 slot);

    /// @notice Emitted after the grid operator scheduled a meter's retirement (decommissioning, for good)
    /// from `fromSlot` on.
    event MeterRetired(address indexed meter, address indexed operator, uint64 fromSlot);

    /// @notice Emitted after a meter's signing key was scheduled to be replaced from `fromSlot` on; readings
    /// of earlier slots stay judged by the old key.
    event MeterKeyRotated(
        address indexed meter,
        address indexed oldSigner,
        address indexed newSigner,
        uint64 fromSlot
    );

    /// @notice Emitted after a meter's signing key was scheduled to be revoked from `fromSlot` on; no reading
    /// of those slots is accepted until a rotation.
    event MeterKeyRevoked(address indexed meter, address indexed oldSigner, uint64 fromSlot);

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
    /// @notice Thrown when a meter's status does not allow the operation (changing a meter retired or being
    /// retired, a reading of a slot the meter is retired for).
    error RegistryMeterNotActive(address meter, MeterStatus status);
    /// @notice Thrown when a status change is not allowed from the meter's current status.
    error RegistryInvalidStatusTransition(address meter, MeterStatus from, MeterStatus to);
    /// @notice Thrown when kind and source contradict (generation without a source, consumption with one).
    error RegistryInvalidSource(MeterKind kind, EnergySource source);
    /// @notice Thrown when the rated capacity is zero or could produce more Wh per slot than a reading can hold.
    error RegistryInvalidCapacity(uint32 ratedCapacityW, uint256 maxWhPerSlot);
    /// @notice Thrown when a reading for (meter, slot) is already recorded (replays included).
    error RegistryReadingExists(address meter, uint64 slot);
    /// @notice Thrown when a reading's signature is not by the meter's key for its slot (or is malformed / high-s).
    error RegistryInvalidSignature(address meter, uint64 slot, address recovered);
    /// @notice Thrown when the meter's key for the reading's slot is revoked.
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
    /// @notice Thrown when the change delay is zero or above 2^32 - 1 slots.
    error RegistryInvalidChangeDelay(uint256 changeDelaySlots);
    /// @notice Thrown when a meter is changed while its pending change from `pendingFromSlot` still has to keep
    /// the earlier record for a slot that accepts readings (retry once `readingWindowEnd(pendingFromSlot - 1)`).
    error RegistryChangePending(address meter, uint64 pendingFromSlot);

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

    /// @notice Schedules a meter's owner and rated capacity from slot `currentSlot() + changeDelaySlots()` on
    /// and sets its zone at once. Grid operator only; not for meters retired or being retired; reverts with
    /// `RegistryChangePending` while an earlier change is pending (see the contract's notes).
    function updateMeter(address meter, address owner, uint32 ratedCapacityW, bytes8 zone) external;

    /// @notice Schedules the key that signs a meter's readings (device replaced) from slot
    /// `currentSlot() + changeDelaySlots()` on. Grid operator only; same conditions as `updateMeter`.
    function rotateMeterKey(address meter, address newSigner) external;

    /// @notice Schedules the revocation of a meter's key (key compromised) from slot
    /// `currentSlot() + changeDelaySlots()` on. Grid operator only; same conditions as `updateMeter`.
    function revokeMeterKey(address meter) external;

    /// @notice Schedules a meter's retirement, for good, from slot `currentSlot() + changeDelaySlots()` on;
    /// earlier slots keep accepting its readings. Grid operator only; same conditions as `updateMeter`.
    function retireMeter(address meter) external;

    /// @notice Suspends an active meter at once, from the current slot on: no sell orders for the slots it
    /// spans, their certificates withheld for good (even after a reinstatement). Its readings are still
    /// accepted, so that a suspension never makes a delivery of an open slot a shortfall. Regulator only.
    function suspendMeter(address meter) external;

    /// @notice Reinstates a suspended meter at once; the current slot is the last the suspension spans.
    /// Regulator only.
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
    /// @dev Cheapest as a data hub submits: one slot's readings of meters with neighbouring indices (the
    /// meters `8k .. 8k + 7` of a slot share one storage word), about 18k gas a reading in a batch of 100;
    /// a meter catching up several slots opens one fresh word per slot.
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

    /// @notice A meter's record in force now, i.e. for the current slot (status Unregistered when unknown;
    /// Suspended while a suspension lasts).
    function meterOf(address meter) external view returns (Meter memory);

    /// @notice A meter's record for `slot`: the key, capacity and retirement scheduled for it, its owner of
    /// record, and status Suspended when a suspension spans it (for a future slot: a suspension lasting now).
    /// Owner and suspension are kept for every slot for good; key and capacity for every slot still open for
    /// trading or in its reading window (a later change may show for older slots, which accept no reading).
    function meterOfSlot(address meter, uint64 slot) external view returns (Meter memory);

    /// @notice The owner of record of `meter` for `slot`, who receives its certificates of that slot.
    function ownerOfRecord(address meter, uint64 slot) external view returns (address);

    /// @notice Whether a suspension of `meter` spans `slot` (certificates of the slot are withheld).
    function isSuspendedIn(address meter, uint64 slot) external view returns (bool);

    /// @notice The change of `meter` scheduled for a slot after the current one (fromSlot 0 when none).
    function pendingChangeOf(address meter) external view returns (MeterChange memory);

    /// @notice Slots between the slot of an operator's change and the first slot it applies to.
    function changeDelaySlots() external view returns (uint64);

    /// @notice The meter with compact index `index` (address(0) when none).
    function meterAt(uint32 index) external view returns (address);

    /// @notice Number of meters ever registered.
    function meterCount() external view returns (uint32);

    /// @notice Most Wh a reading of `meter` may claim to have exported per slot under the capacity in force
    /// now (rated capacity x slot length).
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
