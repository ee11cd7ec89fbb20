// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CommonBase} from "forge-std/Base.sol";
import {Test} from "forge-std/Test.sol";

import {MeterRegistry} from "../contracts/MeterRegistry.sol";
import {IMeterRegistry} from "../contracts/interfaces/IMeterRegistry.sol";

/// @notice Signs readings the way a meter does: commitment to the imported Wh and EIP-712 digest computed here,
/// independently of the registry's `importedCommitment` and `readingDigest`, then `vm.sign` and EIP-2098
/// compaction. Shared by the unit, fuzz and invariant tests.
abstract contract MeterRegistrySigning is CommonBase {
    bytes32 internal constant EIP712_DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );
    bytes32 internal constant READING_TYPEHASH = keccak256(
        "Reading(address meter,uint64 slot,uint32 exportedWh,bytes32 importedCommitment)"
    );
    /// @dev Half the secp256k1 order: OpenZeppelin's ECDSA refuses any s above it.
    uint256 internal constant HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    function _domainSeparator(uint256 chainId, address verifyingContract) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    EIP712_DOMAIN_TYPEHASH,
                    keccak256("GridLedger MeterRegistry"),
                    keccak256("1"),
                    chainId,
                    verifyingContract
                )
            );
    }

    /// @dev A per-reading salt only the key holder can compute (tests only; meters use scripts/lib/readings.ts).
    function _saltOf(uint256 privateKey, address meter, uint64 slot) internal pure returns (bytes32) {
        return keccak256(abi.encode("test reading salt", privateKey, meter, slot));
    }

    /// @dev `keccak256(abi.encode(meter, slot, importedWh, salt))`, as docs/integration.md specifies it.
    function _commitment(
        address meter,
        uint64 slot,
        uint32 importedWh,
        bytes32 salt
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(meter, slot, importedWh, salt));
    }

    function _digest(
        uint256 chainId,
        address verifyingContract,
        address meter,
        uint64 slot,
        uint32 exportedWh,
        bytes32 importedCommitment
    ) internal pure returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(READING_TYPEHASH, meter, slot, exportedWh, importedCommitment)
        );
        return
            keccak256(abi.encodePacked("\x19\x01", _domainSeparator(chainId, verifyingContract), structHash));
    }

    /// @dev (v, r, s) -> (r, vs) as in EIP-2098.
    function _compact(uint8 v, bytes32 r, bytes32 s) internal pure returns (bytes32, bytes32) {
        return (r, bytes32(uint256(s) | (uint256(v - 27) << 255)));
    }

    /// @dev A reading of `meter` signed with `privateKey` for `registry` on chain `chainId`, committing to
    /// `importedWh` with the key's salt for (meter, slot).
    function _signFor(
        uint256 privateKey,
        uint256 chainId,
        address registry,
        address meter,
        uint64 slot,
        uint32 importedWh,
        uint32 exportedWh
    ) internal pure returns (IMeterRegistry.SignedReading memory reading) {
        bytes32 commitment = _commitment(meter, slot, importedWh, _saltOf(privateKey, meter, slot));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(
            privateKey,
            _digest(chainId, registry, meter, slot, exportedWh, commitment)
        );
        (reading.r, reading.vs) = _compact(v, r, s);
        reading.meter = meter;
        reading.slot = slot;
        reading.exportedWh = exportedWh;
        reading.importedCommitment = commitment;
    }
}

/// @notice A registry on 15-minute slots with a two-hour reading window, roles granted to named accounts.
abstract contract MeterRegistryTestBase is Test, MeterRegistrySigning {
    uint256 internal constant GENESIS = 1_700_000_100;
    uint256 internal constant SLOT_LENGTH = 900;
    uint256 internal constant READING_WINDOW = 7200;
    uint256 internal constant MAX_WH_PER_LANE = (1 << 31) - 1;
    /// @dev A change made in slot c applies from slot c + CHANGE_DELAY (a market horizon below it is allowed).
    uint64 internal constant CHANGE_DELAY = 8;

    address internal admin = makeAddr("admin");
    address internal operator = makeAddr("grid operator");
    address internal regulator = makeAddr("regulator");
    address internal owner = makeAddr("prosumer");

    MeterRegistry internal registry;

    function _deployRegistry() internal {
        vm.warp(GENESIS - 1 hours);
        registry = new MeterRegistry(admin, GENESIS, SLOT_LENGTH, READING_WINDOW, CHANGE_DELAY);
        vm.startPrank(admin);
        registry.grantRole(registry.GRID_OPERATOR_ROLE(), operator);
        registry.grantRole(registry.REGULATOR_ROLE(), regulator);
        vm.stopPrank();
    }

    function _registerSolar(address meter, uint32 ratedCapacityW, uint32 commissionedAt) internal {
        vm.prank(operator);
        registry.registerMeter(
            meter,
            owner,
            IMeterRegistry.MeterKind.Generation,
            IMeterRegistry.EnergySource.Solar,
            ratedCapacityW,
            bytes8("DE-NORD"),
            commissionedAt
        );
    }

    function _sign(
        uint256 privateKey,
        address meter,
        uint64 slot,
        uint32 importedWh,
        uint32 exportedWh
    ) internal view returns (IMeterRegistry.SignedReading memory) {
        return _signFor(privateKey, block.chainid, address(registry), meter, slot, importedWh, exportedWh);
    }

    function _slotStart(uint64 slot) internal pure returns (uint256) {
        return GENESIS + uint256(slot) * SLOT_LENGTH;
    }

    function _slotEnd(uint64 slot) internal pure returns (uint256) {
        return GENESIS + (uint256(slot) + 1) * SLOT_LENGTH;
    }
}
