// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IMeterRegistry} from "../interfaces/IMeterRegistry.sol";

/// @title CertificateId
/// @notice Token ids of GridLedger's renewable-energy certificates. An id is a vintage: the delivery slot
/// and the energy source; certificates of the same slot and source are fungible (1 unit = 1 Wh).
/// @dev Bit layout of an id (uint256, most significant bit first):
/// | 184 bits zero | 64 bits delivery slot | 8 bits energy source (IMeterRegistry.EnergySource) |
/// so `id = (uint256(slot) << 8) | uint8(source)`. Example: slot 42 of Solar (1) is id 0x2a01 = 10753.
/// Only renewable sources (Solar, Wind, Hydro, Biomass) are ever issued, but every source decodes.
library CertificateId {
    /// @notice Thrown when an id has bits above the slot field set or a source outside EnergySource.
    error CertificateIdInvalid(uint256 id);

    /// @dev Width of the source field, bits.
    uint256 private constant _SOURCE_BITS = 8;
    /// @dev Largest valid EnergySource value (Other).
    uint256 private constant _MAX_SOURCE = uint256(type(IMeterRegistry.EnergySource).max);

    /// @notice The id of the vintage (`slot`, `source`).
    function encode(uint64 slot, IMeterRegistry.EnergySource source) internal pure returns (uint256) {
        return (uint256(slot) << _SOURCE_BITS) | uint256(uint8(source));
    }

    /// @notice The vintage of `id`; reverts with `CertificateIdInvalid` for an id that `encode` cannot produce.
    function decode(uint256 id) internal pure returns (uint64 slot, IMeterRegistry.EnergySource source) {
        uint256 sourceBits = id & 0xff;
        if (id >> (64 + _SOURCE_BITS) != 0 || sourceBits > _MAX_SOURCE) revert CertificateIdInvalid(id);
        slot = uint64(id >> _SOURCE_BITS);
        source = IMeterRegistry.EnergySource(sourceBits);
    }

    /// @notice Whether `source` is renewable and can carry certificates: Solar, Wind, Hydro, Biomass.
    /// @dev Storage is not a source of energy (it re-exports what it imported, possibly fossil) and Other
    /// is unknown, so neither qualifies; None is a consumption meter.
    function isRenewable(IMeterRegistry.EnergySource source) internal pure returns (bool) {
        return source >= IMeterRegistry.EnergySource.Solar && source <= IMeterRegistry.EnergySource.Biomass;
    }
}
