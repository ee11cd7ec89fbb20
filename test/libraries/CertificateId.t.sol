// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {IMeterRegistry} from "../../contracts/interfaces/IMeterRegistry.sol";
import {CertificateId} from "../../contracts/libraries/CertificateId.sol";

contract CertificateIdHarness {
    function decode(uint256 id) external pure returns (uint64, IMeterRegistry.EnergySource) {
        return CertificateId.decode(id);
    }
}

contract CertificateIdTest is Test {
    CertificateIdHarness private harness = new CertificateIdHarness();

    function testFuzz_encodeDecode_roundTrips(uint64 slot, uint8 sourceSeed) public view {
        IMeterRegistry.EnergySource source = IMeterRegistry.EnergySource(bound(sourceSeed, 0, 6));
        uint256 id = CertificateId.encode(slot, source);
        assertEq(id, (uint256(slot) << 8) | uint256(uint8(source)));
        (uint64 decodedSlot, IMeterRegistry.EnergySource decodedSource) = harness.decode(id);
        assertEq(decodedSlot, slot);
        assertEq(uint8(decodedSource), uint8(source));
    }

    function test_encode_fieldsAtTheirLimits() public view {
        uint256 id = CertificateId.encode(type(uint64).max, IMeterRegistry.EnergySource.Other);
        assertEq(id, (uint256(type(uint64).max) << 8) | 6);
        assertEq(id >> 72, 0);
        (uint64 slot, IMeterRegistry.EnergySource source) = harness.decode(id);
        assertEq(slot, type(uint64).max);
        assertEq(uint8(source), 6);
        assertEq(CertificateId.encode(0, IMeterRegistry.EnergySource.None), 0);
    }

    function testFuzz_decode_revertsForIdsNoVintageHas(uint256 id) public {
        vm.assume(id >> 72 != 0 || id & 0xff > 6);
        vm.expectRevert(abi.encodeWithSelector(CertificateId.CertificateIdInvalid.selector, id));
        harness.decode(id);
    }

    function test_isRenewable_onlySolarWindHydroBiomass() public pure {
        for (uint8 s = 0; s <= 6; ++s) {
            bool expected = s >= 1 && s <= 4;
            assertEq(CertificateId.isRenewable(IMeterRegistry.EnergySource(s)), expected);
        }
    }
}
