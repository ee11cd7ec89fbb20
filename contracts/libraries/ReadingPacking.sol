// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ReadingPacking
/// @notice Packs four consecutive slots' readings of one meter into one storage word, so that a data hub
/// that submits every slot writes a fresh word (22.1k gas) once per four readings and a warm one (5k) otherwise.
/// @dev Word layout, lane `i = slot % 4` occupies bits [64 * i, 64 * i + 64):
///
///     | bit 63: recorded | bits 32..62: importedWh (31 bits) | bits 0..31: exportedWh (32 bits) |
///
/// importedWh fits 31 bits because the registry refuses meters whose rated capacity could produce more than
/// `MAX_WH_PER_SLOT` (2^31 - 1) Wh in one slot, and refuses readings above a meter's capacity.
library ReadingPacking {
    /// @notice Largest Wh value either field of a lane can hold.
    uint256 internal constant MAX_WH_PER_SLOT = (1 << 31) - 1;

    uint256 private constant _LANE_BITS = 64;
    uint256 private constant _LANE_MASK = (1 << 64) - 1;
    uint256 private constant _RECORDED_BIT = 1 << 63;
    uint256 private constant _FIELD_MASK = (1 << 32) - 1;

    /// @notice Key of the word that holds `slot`'s lane.
    function wordOf(uint64 slot) internal pure returns (uint256) {
        return uint256(slot) >> 2;
    }

    /// @notice Whether `slot`'s lane of `word` holds a reading.
    function isRecorded(uint256 word, uint64 slot) internal pure returns (bool) {
        return (word >> _shift(slot)) & _RECORDED_BIT != 0;
    }

    /// @notice Reads `slot`'s lane of `word`; `recorded` is false for an empty lane.
    function unpack(
        uint256 word,
        uint64 slot
    ) internal pure returns (bool recorded, uint32 importedWh, uint32 exportedWh) {
        uint256 lane = (word >> _shift(slot)) & _LANE_MASK;
        recorded = lane & _RECORDED_BIT != 0;
        importedWh = uint32((lane >> 32) & (_FIELD_MASK >> 1));
        exportedWh = uint32(lane & _FIELD_MASK);
    }

    /// @notice Returns `word` with `slot`'s lane set to a recorded reading. The lane must be empty and
    /// `importedWh` must not exceed MAX_WH_PER_SLOT (the registry checks both before calling).
    function pack(
        uint256 word,
        uint64 slot,
        uint32 importedWh,
        uint32 exportedWh
    ) internal pure returns (uint256) {
        uint256 lane = _RECORDED_BIT | (uint256(importedWh) << 32) | uint256(exportedWh);
        return word | (lane << _shift(slot));
    }

    function _shift(uint64 slot) private pure returns (uint256) {
        return (uint256(slot) & 3) * _LANE_BITS;
    }
}
