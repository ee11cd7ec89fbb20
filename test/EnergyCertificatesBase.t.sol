// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {EnergyCertificates} from "../contracts/EnergyCertificates.sol";
import {MeterRegistry} from "../contracts/MeterRegistry.sol";
import {IEnergyMarketView} from "../contracts/interfaces/IEnergyMarketView.sol";
import {IMeterRegistry} from "../contracts/interfaces/IMeterRegistry.sol";
import {MockCertMarket} from "../contracts/mocks/MockCertMarket.sol";

/// @dev Shared deployment of the certificates' Solidity tests: the real registry (readings signed with
/// vm.sign), the certificates and the mock market, four meters and four traders.
abstract contract CertificatesBase is Test {
    uint256 internal constant SLOT_LENGTH = 900;
    uint256 internal constant READING_WINDOW = 3600;
    bytes8 internal constant ZONE = bytes8("DE-TN-01");
    /// @dev A page length that takes every order of any test slot at once.
    uint256 internal constant ALL = type(uint256).max;

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
        registry = new MeterRegistry(address(this), block.timestamp, SLOT_LENGTH, READING_WINDOW, 4);
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

    /// @dev Registers one more generation meter (key `key`) for `owner`; returns its address.
    function _addMeter(
        uint256 key,
        address owner,
        IMeterRegistry.EnergySource source
    ) internal returns (address meter) {
        meter = vm.addr(key);
        registry.registerMeter(meter, owner, IMeterRegistry.MeterKind.Generation, source, 100_000, ZONE, 0);
    }

    /// @dev Records a reading of meter `i` in `slot`; the caller makes sure the time is inside its window.
    function _record(uint256 i, uint64 slot, uint32 exportedWh) internal {
        registry.submitReading(_signed(i, slot, exportedWh));
    }

    /// @dev Records a reading of the meter of key `key`.
    function _recordBy(uint256 key, uint64 slot, uint32 exportedWh) internal {
        registry.submitReading(_signedBy(key, slot, exportedWh));
    }

    function _signed(
        uint256 i,
        uint64 slot,
        uint32 exportedWh
    ) internal view returns (IMeterRegistry.SignedReading memory) {
        return _signedBy(meterKeys[i], slot, exportedWh);
    }

    function _signedBy(
        uint256 key,
        uint64 slot,
        uint32 exportedWh
    ) internal view returns (IMeterRegistry.SignedReading memory) {
        address meter = vm.addr(key);
        bytes32 commitment = registry.importedCommitment(meter, slot, 0, keccak256(abi.encode(key)));
        bytes32 digest = registry.readingDigest(meter, slot, exportedWh, commitment);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        bytes32 vs = bytes32(uint256(s) | (uint256(v - 27) << 255));
        return IMeterRegistry.SignedReading(meter, slot, exportedWh, commitment, r, vs);
    }

    function _toSlotEnd(uint64 slot) internal {
        uint256 end = registry.slotEnd(slot);
        if (block.timestamp < end) vm.warp(end);
    }

    /// @dev The registry index of `meter`, as the market's sell lots name it.
    function _indexOf(address meter) internal view returns (uint32) {
        return registry.meterOf(meter).index;
    }

    function _buys1(
        address buyer,
        uint256 wh
    ) internal pure returns (IEnergyMarketView.BuyFill[] memory fills) {
        fills = new IEnergyMarketView.BuyFill[](1);
        fills[0] = IEnergyMarketView.BuyFill(buyer, uint48(wh));
    }

    /// @dev One filled sell order of `meter`, its only one in the slot.
    function _lots1(
        address meter,
        uint256 wh
    ) internal view returns (IEnergyMarketView.SellLot[] memory lots) {
        lots = new IEnergyMarketView.SellLot[](1);
        lots[0] = IEnergyMarketView.SellLot(_indexOf(meter), uint48(wh), 0, uint32(wh));
    }

    /// @dev The sell lots an honest market reports for orders of `sellers` with `fills` (in order index
    /// order): each with its meter's earlier fills and all its fills. A zero fill is an unfilled order.
    function _honestLots(
        address[] memory sellers,
        uint256[] memory fills
    ) internal view returns (IEnergyMarketView.SellLot[] memory lots) {
        lots = new IEnergyMarketView.SellLot[](sellers.length);
        for (uint256 k = 0; k < sellers.length; ++k) {
            if (fills[k] == 0) continue;
            uint256 prior = 0;
            uint256 total = 0;
            for (uint256 j = 0; j < sellers.length; ++j) {
                if (sellers[j] != sellers[k]) continue;
                if (j < k) prior += fills[j];
                total += fills[j];
            }
            lots[k] = IEnergyMarketView.SellLot(
                _indexOf(sellers[k]),
                uint48(fills[k]),
                uint32(prior),
                uint32(total)
            );
        }
    }

    /// @dev Buy orders of `buyers` with `fills`.
    function _buyFills(
        address[] memory buyers,
        uint256[] memory fills
    ) internal pure returns (IEnergyMarketView.BuyFill[] memory out) {
        out = new IEnergyMarketView.BuyFill[](buyers.length);
        for (uint256 k = 0; k < buyers.length; ++k)
            out[k] = IEnergyMarketView.BuyFill(buyers[k], uint48(fills[k]));
    }

    /// @dev Certifies every seller, then credits every buyer, each in one page.
    function _certifyAll(uint64 slot) internal {
        assertTrue(certificates.certifySellers(slot, ALL), "sellers not done in one page");
        assertTrue(certificates.claimBuyers(slot, ALL), "buyers not done in one page");
    }

    /// @dev Certifies and claims the rest of `slot` in pages of `sellPage` and `buyPage` (each at least 1)
    /// orders, and checks that it takes exactly the pages the remaining orders need: none repeats or skips.
    function _certifyInPages(uint64 slot, uint256 sellPage, uint256 buyPage) internal {
        (, , uint256 buyOrders, uint256 sellOrders) = market.settledTrade(slot);
        (uint256 sellCursor, uint256 buyCursor, bool sellersDone, ) = certificates.certificationOf(slot);
        uint256 pages = 1;
        if (!sellersDone) {
            while (!certificates.certifySellers(slot, sellPage)) ++pages;
            assertEq(pages, Math.max(1, Math.ceilDiv(sellOrders - sellCursor, sellPage)), "sell pages");
        }
        pages = 1;
        while (!certificates.claimBuyers(slot, buyPage)) ++pages;
        assertEq(pages, Math.max(1, Math.ceilDiv(buyOrders - buyCursor, buyPage)), "buy pages");
    }

    /// @dev floor(pool x fill / Q): a buy order's share of a vintage.
    function _share(uint256 pool, uint256 fill, uint256 clearedWh) internal pure returns (uint256) {
        return Math.mulDiv(pool, fill, clearedWh);
    }
}
