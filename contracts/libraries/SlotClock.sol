// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title SlotClock
/// @notice The one definition of GridLedger's delivery slots: slot `s` is the half-open interval
/// [genesis + s * length, genesis + (s + 1) * length). The registry owns the parameters; the market and
/// the certificates copy them at deployment and use these functions so that all three agree on time.
library SlotClock {
    /// @notice Thrown when a timestamp lies before the clock's genesis.
    error SlotClockBeforeGenesis(uint256 timestamp, uint256 genesis);

    /// @notice The slot that contains `timestamp`.
    function slotOf(uint256 genesis, uint256 length, uint256 timestamp) internal pure returns (uint64) {
        if (timestamp < genesis) revert SlotClockBeforeGenesis(timestamp, genesis);
        return SafeCast.toUint64((timestamp - genesis) / length);
    }

    /// @notice First second of `slot`.
    function startOf(uint256 genesis, uint256 length, uint64 slot) internal pure returns (uint256) {
        return genesis + uint256(slot) * length;
    }

    /// @notice First second after `slot` (the slot's end, exclusive).
    function endOf(uint256 genesis, uint256 length, uint64 slot) internal pure returns (uint256) {
        return genesis + (uint256(slot) + 1) * length;
    }
}
