// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {EnergyCertificates} from "../contracts/EnergyCertificates.sol";
import {MeterRegistry} from "../contracts/MeterRegistry.sol";
import {IMeterRegistry} from "../contracts/interfaces/IMeterRegistry.sol";
import {ISettlementHook} from "../contracts/interfaces/ISettlementHook.sol";
import {MockCertMarket} from "../contracts/mocks/MockCertMarket.sol";

/// @dev Shared deployment of the certificates' Solidity tests: the real registry (readings signed with
/// vm.sign), the certificates and the mock market, four meters and four traders.
abstract contract CertificatesBase is Test {
    uint256 internal constant SLOT_LENGTH = 900;
    uint256 internal constant READING_WINDOW = 3600;
    bytes8 internal constant ZONE = bytes8("DE-TN-01");

    MeterRegistry internal registry;
    EnergyCertificates internal certificates;
    MockCertMarket internal market;

    uint256[4] internal meterKeys = [uint256(0xA11CE), 0xB0B, 0xCA5, 0xD00D];
    address[4] internal meters;
    IMeterRegistry.EnergySource[4] internal sources = [
        IMeterRegistry.EnergySource.Solar,
        IMeterRegistry.EnergySource.Wind,
        IMeterRegistry.EnergySource.Other,
        IMeterRegistry.EnergySource.Hydro
    ];
    address[4] internal traders = [address(0x1001), address(0x1002), address(0x1003), address(0x1004)];

    function _deploy() internal {
        vm.warp(1_700_000_000);
        registry = new MeterRegistry(address(this), block.timestamp, SLOT_LENGTH, READING_WINDOW);
        registry.grantRole(registry.GRID_OPERATOR_ROLE(), address(this));
        registry.grantRole(registry.REGULATOR_ROLE(), address(this));
        for (uint256 i = 0; i < 4; ++i) {
            meters[i] = vm.addr(meterKeys[i]);
            // meters 0 and 3 belong to trader 0, meters 1 and 2 to trader 1
            address owner = traders[i == 0 || i == 3 ? 0 : 1];
            registry.registerMeter(
                meters[i],
                owner,
                IMeterRegistry.MeterKind.Generation,
                sources[i],
                100_000,
                ZONE,
                0
            );
        }
        certificates = new EnergyCertificates(registry, address(this), "");
        market = new MockCertMarket(address(registry), address(certificates));
        certificates.bindMarket(address(market));
    }

    /// @dev Records a reading of meter `i` in `slot`; the caller makes sure the time is inside its window.
    function _record(uint256 i, uint64 slot, uint32 exportedWh) internal {
        registry.submitReading(_signed(i, slot, exportedWh));
    }

    function _signed(
        uint256 i,
        uint64 slot,
        uint32 exportedWh
    ) internal view returns (IMeterRegistry.SignedReading memory) {
        bytes32 digest = registry.readingDigest(meters[i], slot, 0, exportedWh);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(meterKeys[i], digest);
        bytes32 vs = bytes32(uint256(s) | (uint256(v - 27) << 255));
        return IMeterRegistry.SignedReading(meters[i], slot, 0, exportedWh, r, vs);
    }

    function _toSlotEnd(uint64 slot) internal {
        uint256 end = registry.slotEnd(slot);
        if (block.timestamp < end) vm.warp(end);
    }

    function _fills1(
        address buyer,
        uint256 wh
    ) internal pure returns (ISettlementHook.BuyerFill[] memory fills) {
        fills = new ISettlementHook.BuyerFill[](1);
        fills[0] = ISettlementHook.BuyerFill(buyer, wh);
    }

    function _deliveries1(
        address meter,
        uint256 wh
    ) internal pure returns (ISettlementHook.SellerDelivery[] memory d) {
        d = new ISettlementHook.SellerDelivery[](1);
        d[0] = ISettlementHook.SellerDelivery(meter, wh);
    }
}
