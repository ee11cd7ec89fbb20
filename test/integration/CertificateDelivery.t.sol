// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {EnergyCertificates} from "../../contracts/EnergyCertificates.sol";
import {EnergyMarket} from "../../contracts/EnergyMarket.sol";
import {GridStablecoin} from "../../contracts/GridStablecoin.sol";
import {MeterRegistry} from "../../contracts/MeterRegistry.sol";
import {IEnergyMarket} from "../../contracts/interfaces/IEnergyMarket.sol";
import {IMeterRegistry} from "../../contracts/interfaces/IMeterRegistry.sol";

/// @dev The real registry, stablecoin, market and certificates: one slot whose sellers deliver from all four
/// renewable sources to many buyers; money settles in one transaction, then an account without any role
/// delivers every buyer's certificates in pages.
contract CertificateDeliveryTest is Test {
    uint256 internal constant SLOT_LENGTH = 900;
    uint256 internal constant READING_WINDOW = 1800;
    uint256 internal constant SELLERS = 8; // two meters per renewable source
    uint256 internal constant BUYERS = 90;

    MeterRegistry internal registry;
    GridStablecoin internal token;
    EnergyMarket internal market;
    EnergyCertificates internal certificates;
    address internal gridAccount = makeAddr("grid operator account");
    address internal anyone = makeAddr("anyone");

    uint256[SELLERS] internal meterKeys;
    address[SELLERS] internal meters;
    address[SELLERS] internal owners;
    address[BUYERS] internal buyers;
    uint256[BUYERS] internal buyOrderIds;
    uint256[] internal sellOrderIds;
    uint64 internal slot;

    function setUp() public {
        vm.warp(1_800_000_000);
        uint256 genesis = block.timestamp - (block.timestamp % SLOT_LENGTH);
        registry = new MeterRegistry(address(this), genesis, SLOT_LENGTH, READING_WINDOW, 9);
        registry.grantRole(registry.GRID_OPERATOR_ROLE(), address(this));
        token = new GridStablecoin(address(this));
        market = new EnergyMarket(
            IEnergyMarket.MarketConfig({
                token: token,
                registry: registry,
                admin: address(this),
                gridOperator: address(this),
                gridOperatorAccount: gridAccount,
                horizonSlots: 8,
                gateClosureSeconds: 300,
                maxOrdersPerSlot: 1_000,
                params: IEnergyMarket.MarketParams(1, 2, 3, 1)
            })
        );
        certificates = new EnergyCertificates(registry, address(this), "");
        market.setSettlementHook(certificates);
        certificates.bindMarket(address(market));
        for (uint256 i; i < SELLERS; ++i) {
            meterKeys[i] = uint256(keccak256(abi.encode("four sources meter", i)));
            meters[i] = vm.addr(meterKeys[i]);
            owners[i] = makeAddr(string.concat("seller", vm.toString(i)));
            registry.registerMeter(
                meters[i],
                owners[i],
                IMeterRegistry.MeterKind.Generation,
                IMeterRegistry.EnergySource(1 + (i % 4)), // Solar, Wind, Hydro, Biomass, twice
                1_000_000, // 250,000 Wh per slot
                bytes8("Z1"),
                0
            );
        }
        for (uint256 b; b < BUYERS; ++b) buyers[b] = makeAddr(string.concat("buyer", vm.toString(b)));
        slot = market.currentSlot() + 1;
    }

    function _deposit(address account, uint256 amount) internal {
        token.mint(account, amount);
        vm.startPrank(account);
        token.approve(address(market), amount);
        market.deposit(amount);
        vm.stopPrank();
    }

    function _placeSell(uint256 i, uint48 quantityWh, uint64 price) internal {
        _deposit(owners[i], uint256(quantityWh) * 2);
        vm.prank(owners[i]);
        sellOrderIds.push(market.placeOrder(slot, IEnergyMarket.Side.Sell, quantityWh, price, meters[i]));
    }

    function _record(uint256 i, uint32 exportedWh) internal {
        bytes32 commitment = registry.importedCommitment(meters[i], slot, 0, keccak256(abi.encode(i)));
        bytes32 digest = registry.readingDigest(meters[i], slot, exportedWh, commitment);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(meterKeys[i], digest);
        bytes32 vs = bytes32(uint256(s) | (uint256(v - 27) << 255));
        registry.submitReading(IMeterRegistry.SignedReading(meters[i], slot, exportedWh, commitment, r, vs));
    }

    /// @dev Books, clears and settles the slot: every meter sells (meter 0 twice), the buyers want more than
    /// is offered at the clearing price; meters 1 and 6 deliver less than they sold.
    function _tradeAndSettle() internal returns (uint32[SELLERS] memory exported) {
        for (uint256 i; i < SELLERS; ++i) _placeSell(i, uint48(2_000 + 700 * i), uint64(1 + (i % 3)));
        _placeSell(0, 1_234, 2);
        for (uint256 b; b < BUYERS; ++b) {
            uint48 quantity = uint48(150 + 37 * b);
            uint64 limit = uint64(3 + (b % 5));
            _deposit(buyers[b], uint256(quantity) * limit);
            vm.prank(buyers[b]);
            buyOrderIds[b] = market.placeOrder(slot, IEnergyMarket.Side.Buy, quantity, limit, address(0));
        }
        vm.warp(market.gateClosureOf(slot));
        market.clear(slot);
        vm.warp(registry.slotEnd(slot));
        for (uint256 i; i < SELLERS; ++i) {
            exported[i] = uint32(
                i == 1 || i == 6 ? 1_000 + 13 * i : 2_000 + 700 * i + (i == 0 ? 1_234 : 0) + 50
            );
            _record(i, exported[i]);
        }
        vm.warp(market.readingWindowEnd(slot));
        market.settle(slot);
        assertEq(market.escrowed(), 0, "escrow left after settlement");
    }

    /// @dev The Wh each meter delivered: min(export, its fills), per the market's own order fills.
    function _deliveredOf(uint256 i, uint32 exported) internal view returns (uint256 fills) {
        for (uint256 k; k < sellOrderIds.length; ++k) {
            IEnergyMarket.Order memory order = market.orderOf(sellOrderIds[k]);
            if (order.meter == meters[i]) fills += order.filledWh;
        }
        return Math.min(fills, exported);
    }

    function test_claimBuyers_everyBuyerOfFourSourcesGetsItsShareInPages() public {
        uint32[SELLERS] memory exported = _tradeAndSettle();
        IEnergyMarket.SlotInfo memory info = market.slotInfo(slot);
        uint256 q = info.clearedWh;
        assertGt(q, 0);
        assertFalse(certificates.isSlotCertified(slot));

        // Sellers in pages of 3 orders, buyers in pages of 7, by an account without any role.
        uint256 pages;
        vm.startPrank(anyone);
        while (!certificates.certifySellers(slot, 3)) ++pages;
        assertEq(pages + 1, Math.ceilDiv(SELLERS + 1, 3), "seller pages");
        pages = 0;
        while (!certificates.claimBuyers(slot, 7)) ++pages;
        assertEq(pages + 1, Math.ceilDiv(BUYERS, 7), "buyer pages");
        vm.stopPrank();
        assertTrue(certificates.isSlotCertified(slot));

        uint256 totalPool;
        for (uint256 s = 1; s <= 4; ++s) totalPool += _checkSource(s, exported, q);
        // the under-delivering meters' shortfall is the only part of Q without certificates
        assertEq(totalPool, q - _shortfall(exported));
    }

    /// @dev Checks vintage (slot, source `s`): pool = its two meters' deliveries, every buyer's claim is
    /// floor(pool x fill / Q), the larger delivering meter's owner got the rounding remainder. Returns the pool.
    function _checkSource(
        uint256 s,
        uint32[SELLERS] memory exported,
        uint256 q
    ) internal view returns (uint256 pool) {
        IMeterRegistry.EnergySource source = IMeterRegistry.EnergySource(s);
        uint256 id = certificates.idOf(slot, source);
        uint256 claimed;
        (pool, claimed) = certificates.vintageOf(slot, source);
        uint256 deliveredA = _deliveredOf(s - 1, exported[s - 1]);
        uint256 deliveredB = _deliveredOf(s + 3, exported[s + 3]);
        assertEq(pool, deliveredA + deliveredB, "pool != deliveries");
        assertGt(pool, 0, "a source delivered nothing");
        assertEq(claimed, _checkBuyers(id, pool, q), "claimed != sum of shares");
        (uint256 larger, uint256 smaller) = deliveredA >= deliveredB ? (s - 1, s + 3) : (s + 3, s - 1);
        assertEq(
            certificates.balanceOf(owners[larger], id),
            exported[larger] - _deliveredOf(larger, exported[larger]) + pool - claimed,
            "larger meter's owner: unsold rest + remainder"
        );
        assertEq(
            certificates.balanceOf(owners[smaller], id),
            exported[smaller] - _deliveredOf(smaller, exported[smaller]),
            "smaller meter's owner: unsold rest"
        );
        assertTrue(certificates.isIssued(meters[s - 1], slot) && certificates.isIssued(meters[s + 3], slot));
    }

    function _checkBuyers(uint256 id, uint256 pool, uint256 q) internal view returns (uint256 sum) {
        for (uint256 b; b < BUYERS; ++b) {
            uint256 share = Math.mulDiv(pool, market.orderOf(buyOrderIds[b]).filledWh, q);
            assertEq(certificates.balanceOf(buyers[b], id), share, "buyer's claim != pro-rata share");
            sum += share;
        }
    }

    function _shortfall(uint32[SELLERS] memory exported) internal view returns (uint256 total) {
        for (uint256 i; i < SELLERS; ++i) {
            uint256 fills;
            for (uint256 k; k < sellOrderIds.length; ++k) {
                IEnergyMarket.Order memory order = market.orderOf(sellOrderIds[k]);
                if (order.meter == meters[i]) fills += order.filledWh;
            }
            if (fills > exported[i]) total += fills - exported[i];
        }
    }

    function test_placeOrder_ringPositionWaitsForTheCertificates() public {
        _tradeAndSettle();
        uint64 later = slot + uint64(market.RING());
        vm.warp(registry.slotStart(later) - 2 * SLOT_LENGTH);
        _deposit(buyers[0], 1_000);
        vm.prank(buyers[0]);
        vm.expectRevert(abi.encodeWithSelector(IEnergyMarket.MarketRingSlotBusy.selector, later, slot));
        market.placeOrder(later, IEnergyMarket.Side.Buy, 100, 5, address(0));
        // anyone delivers the certificates, then the position is free
        vm.startPrank(anyone);
        certificates.certifySellers(slot, 1_000);
        certificates.claimBuyers(slot, 1_000);
        vm.stopPrank();
        vm.prank(buyers[0]);
        market.placeOrder(later, IEnergyMarket.Side.Buy, 100, 5, address(0));
        assertTrue(market.isSlotFinal(slot));
    }
}
