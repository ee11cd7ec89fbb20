// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @dev The market's result word, one per ring position, meaningful once the book is Cleared or Settled.
/// | 64 free | 64 quantityWh (Q) | 64 free | 64 price (P) |
///   255 192   191          128   127  64   63       0
type ResultWord is uint256;

using ResultWordLibrary for ResultWord global;

/// @title ResultWordLibrary
/// @notice Packs and reads result words (the clearing price P and quantity Q of a slot).
library ResultWordLibrary {
    using SafeCast for uint256;

    uint256 private constant _MASK_64 = type(uint64).max;

    /// @notice The result of a clearing at `clearingPrice` (token base units per Wh) of `clearedWh`.
    function pack(uint256 clearingPrice, uint256 clearedWh) internal pure returns (ResultWord) {
        return ResultWord.wrap(uint256(clearingPrice.toUint64()) | (uint256(clearedWh.toUint64()) << 128));
    }

    function price(ResultWord result) internal pure returns (uint256) {
        return ResultWord.unwrap(result) & _MASK_64;
    }

    function quantityWh(ResultWord result) internal pure returns (uint256) {
        return (ResultWord.unwrap(result) >> 128) & _MASK_64;
    }
}
