// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @dev One slot's readings of eight meters with neighbouring indices, one storage word per
/// (slot, meterIndex / 8) (key: `ReadingWordLibrary.keyOf`). Lane `i = meterIndex % 8` occupies bits
/// [32 * i, 32 * i + 32):
/// | lane 7 | lane 6 | lane 5 | lane 4 | lane 3 | lane 2 | lane 1 | lane 0 |
///   255 224  223 192  191 160  159 128  127  96   95  64   63  32   31   0
/// and each lane is
/// | recorded 1 | exportedWh 31 |
///   31           30          0
/// A data hub submits one slot for all meters at a time, and meters get consecutive indices at registration,
/// so a batch opens one fresh word (22,100 gas) per eight readings and writes the other seven into it while
/// it is warm and dirty (100 gas each), in every slot alike. Only what the contracts need is stored: the
/// exported Wh and the recorded flag; the imported Wh never reaches the chain (its commitment is only
/// emitted in `ReadingRecorded`). exportedWh fits 31 bits because the registry refuses meters whose rated
/// capacity could produce more than `MAX_WH_PER_SLOT` Wh in one slot, and readings above a meter's capacity.
type ReadingWord is uint256;

using ReadingWordLibrary for ReadingWord global;

/// @title ReadingWordLibrary
/// @notice Keys, packs and reads reading words (the exported Wh and recorded flag of eight meters in a slot).
library ReadingWordLibrary {
    /// @notice Largest Wh value a lane can hold.
    uint256 internal constant MAX_WH_PER_SLOT = (1 << 31) - 1;

    uint256 private constant _LANE_BITS = 32;
    uint256 private constant _RECORDED_BIT = 1 << 31;
    /// @dev meterIndex / 8 of any uint32 index fits 29 bits, so (slot, meterIndex / 8) -> key is injective.
    uint256 private constant _SLOT_SHIFT = 29;

    /// @notice Storage key of the word holding the lane of meter `meterIndex` in `slot`:
    /// | free 163 | slot 64 | meterIndex / 8 (29) |.
    function keyOf(uint32 meterIndex, uint64 slot) internal pure returns (uint256) {
        return (uint256(slot) << _SLOT_SHIFT) | (uint256(meterIndex) >> 3);
    }

    /// @notice Whether meter `meterIndex`'s lane of `word` holds a reading.
    function isRecorded(ReadingWord word, uint32 meterIndex) internal pure returns (bool) {
        return (ReadingWord.unwrap(word) >> _shift(meterIndex)) & _RECORDED_BIT != 0;
    }

    /// @notice Reads meter `meterIndex`'s lane of `word`; `recorded` is false for an empty lane.
    function unpack(
        ReadingWord word,
        uint32 meterIndex
    ) internal pure returns (bool recorded, uint32 exportedWh) {
        uint256 lane = ReadingWord.unwrap(word) >> _shift(meterIndex);
        recorded = lane & _RECORDED_BIT != 0;
        exportedWh = uint32(lane & MAX_WH_PER_SLOT);
    }

    /// @notice Returns `word` with meter `meterIndex`'s lane set to a recorded reading. The lane must be empty
    /// and `exportedWh` must not exceed MAX_WH_PER_SLOT (the registry checks both before calling).
    function pack(
        ReadingWord word,
        uint32 meterIndex,
        uint32 exportedWh
    ) internal pure returns (ReadingWord) {
        return
            ReadingWord.wrap(
                ReadingWord.unwrap(word) | ((_RECORDED_BIT | uint256(exportedWh)) << _shift(meterIndex))
            );
    }

    function _shift(uint32 meterIndex) private pure returns (uint256) {
        return (uint256(meterIndex) & 7) * _LANE_BITS;
    }
}
