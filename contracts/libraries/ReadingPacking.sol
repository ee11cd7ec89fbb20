// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ReadingPacking
/// @notice Packs eight consecutive slots' readings of one meter into one storage word, so that a data hub
/// that submits every slot writes a fresh word (22.1k gas) once per eight readings and a warm one (5k) otherwise.
/// @dev Only what the contracts need is stored: the exported Wh and the recorded flag. The imported Wh is
/// personal data and never reaches the chain; the reading's commitment to it is only emitted in
/// `ReadingRecorded`. Word layout, lane `i = slot % 8` occupies bits [32 * i, 32 * i + 32):
///
///     | bit 31: recorded | bits 0..30: exportedWh (31 bits) |
///
/// exportedWh fits 31 bits because the registry refuses meters whose rated capacity could produce more than
/// `MAX_WH_PER_SLOT` (2^31 - 1) Wh in one slot, and refuses readings above a meter's capacity.
library ReadingPacking {
    /// @notice Largest Wh value a lane can hold.
    uint256 internal constant MAX_WH_PER_SLOT = (1 << 31) - 1;

    uint256 private constant _LANE_BITS = 32;
    uint256 private constant _RECORDED_BIT = 1 << 31;

    /// @notice Key of the word that holds `slot`'s lane.
    function wordOf(uint64 slot) internal pure returns (uint256) {
        return uint256(slot) >> 3;
    }

    /// @notice Whether `slot`'s lane of `word` holds a reading.
    function isRecorded(uint256 word, uint64 slot) internal pure returns (bool) {
        return (word >> _shift(slot)) & _RECORDED_BIT != 0;
    }

    /// @notice Reads `slot`'s lane of `word`; `recorded` is false for an empty lane.
    function unpack(uint256 word, uint64 slot) internal pure returns (bool recorded, uint32 exportedWh) {
        uint256 lane = word >> _shift(slot);
        recorded = lane & _RECORDED_BIT != 0;
        exportedWh = uint32(lane & MAX_WH_PER_SLOT);
    }

    /// @notice Returns `word` with `slot`'s lane set to a recorded reading. The lane must be empty and
    /// `exportedWh` must not exceed MAX_WH_PER_SLOT (the registry checks both before calling).
    function pack(uint256 word, uint64 slot, uint32 exportedWh) internal pure returns (uint256) {
        return word | ((_RECORDED_BIT | uint256(exportedWh)) << _shift(slot));
    }

    function _shift(uint64 slot) private pure returns (uint256) {
        return (uint256(slot) & 7) * _LANE_BITS;
    }
}
