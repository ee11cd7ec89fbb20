// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC1155Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IEnergyCertificates} from "../contracts/interfaces/IEnergyCertificates.sol";
import {IEnergyMarketView} from "../contracts/interfaces/IEnergyMarketView.sol";
import {IMeterRegistry} from "../contracts/interfaces/IMeterRegistry.sol";
import {MockCertMarket} from "../contracts/mocks/MockCertMarket.sol";
import {CertificatesBase} from "./EnergyCertificatesBase.t.sol";

/// @dev Tampering: every way around the rules is refused.
contract EnergyCertificatesTamperTest is CertificatesBase {
    uint64 internal slot;
    uint256 internal solarId;

    function setUp() public {
        _deploy();
        slot = registry.currentSlot() + 1;
        solarId = certificates.idOf(slot, IMeterRegistry.EnergySource.Solar);
        _toSlotEnd(slot);
        _record(0, slot, 1_000);
    }

    function test_issue_refusedAfterSellersCertified() public {
        market.settle(slot, 600, _buys1(traders[2], 600), _lots1(meters[0], 600));
        _certifyAll(slot);
        vm.expectRevert(
            abi.encodeWithSelector(IEnergyCertificates.CertificatesAlreadyIssued.selector, meters[0], slot)
        );
        certificates.issue(meters[0], slot);
        assertEq(certificates.balanceOf(traders[2], solarId), 600);
        assertEq(certificates.balanceOf(traders[0], solarId), 400);
    }

    function test_issue_refusedUntilSellersCertified() public {
        // a seller, and a meter that sold nothing in the slot: both wait for the sellers' pass
        _record(1, slot, 500);
        market.settle(slot, 600, _buys1(traders[2], 600), _lots1(meters[0], 600));
        vm.expectRevert(
            abi.encodeWithSelector(IEnergyCertificates.CertificatesSellersNotCertified.selector, slot)
        );
        certificates.issue(meters[0], slot);
        vm.expectRevert(
            abi.encodeWithSelector(IEnergyCertificates.CertificatesSellersNotCertified.selector, slot)
        );
        certificates.issue(meters[1], slot);
        assertTrue(certificates.certifySellers(slot, 1));
        assertEq(certificates.issue(meters[1], slot), 500);
        uint256 windId = certificates.idOf(slot, IMeterRegistry.EnergySource.Wind);
        assertEq(certificates.balanceOf(traders[1], windId), 500);
        // the seller's unsold rest went to its owner at certification, the sold part waits in the pool
        assertEq(certificates.balanceOf(traders[0], solarId), 400);
        (uint256 poolWh, uint256 claimedWh) = certificates.vintageOf(slot, IMeterRegistry.EnergySource.Solar);
        assertEq(poolWh, 600);
        assertEq(claimedWh, 0);
    }

    function test_certifySellers_skipsAMeterIssuedOnRequest() public {
        market.setSlotFinal(slot, true);
        certificates.issue(meters[0], slot);
        market.settle(slot, 600, _buys1(traders[2], 600), _lots1(meters[0], 600));
        vm.expectEmit(address(certificates));
        emit IEnergyCertificates.IssuanceSkipped(
            meters[0],
            slot,
            IEnergyCertificates.CertificatesAlreadyIssued.selector
        );
        certificates.certifySellers(slot, ALL);
        certificates.claimBuyers(slot, ALL);
        assertEq(certificates.balanceOf(traders[2], solarId), 0);
        assertEq(certificates.balanceOf(traders[0], solarId), 1_000);
    }

    function test_certifySellers_skipsNonRenewableAndUnreadMeters() public {
        _record(2, slot, 700); // Other: no certificates
        uint256[] memory fills = new uint256[](3);
        address[] memory sellers = new address[](3);
        (sellers[0], sellers[1], sellers[2]) = (meters[2], meters[1], meters[0]);
        (fills[0], fills[1], fills[2]) = (300, 200, 100);
        market.settle(slot, 600, _buys1(traders[2], 600), _honestLots(sellers, fills));
        vm.expectEmit(address(certificates));
        emit IEnergyCertificates.IssuanceSkipped(
            meters[2],
            slot,
            IEnergyCertificates.CertificatesNotRenewable.selector
        );
        vm.expectEmit(address(certificates));
        emit IEnergyCertificates.IssuanceSkipped(
            meters[1],
            slot,
            IEnergyCertificates.CertificatesNoReading.selector
        );
        certificates.certifySellers(slot, ALL);
        certificates.claimBuyers(slot, ALL);
        // only the solar meter's 100 Wh reached the pool; the buyer took all of Q, so all of it
        assertEq(certificates.balanceOf(traders[2], solarId), 100);
        assertEq(certificates.balanceOf(traders[0], solarId), 900);
        assertFalse(certificates.isIssued(meters[1], slot));
        assertFalse(certificates.isIssued(meters[2], slot));
    }

    function test_issue_refusedBeforeTheSlotIsFinal() public {
        // the seller cannot front-run the settlement to take its sold energy's certificates
        vm.prank(traders[0]);
        vm.expectRevert(abi.encodeWithSelector(IEnergyCertificates.CertificatesSlotNotFinal.selector, slot));
        certificates.issue(meters[0], slot);
    }

    function test_certifySellers_refusedForAnUnsettledSlot() public {
        vm.expectRevert(
            abi.encodeWithSelector(IEnergyCertificates.CertificatesSlotNotSettled.selector, slot)
        );
        certificates.certifySellers(slot, ALL);
        // final without a trade: nothing to certify either
        market.setSlotFinal(slot, true);
        vm.expectRevert(
            abi.encodeWithSelector(IEnergyCertificates.CertificatesSlotNotSettled.selector, slot)
        );
        certificates.certifySellers(slot, ALL);
        vm.expectRevert(
            abi.encodeWithSelector(IEnergyCertificates.CertificatesSlotNotSettled.selector, slot)
        );
        certificates.claimBuyers(slot, ALL);
    }

    function test_certifySellers_refusedOnceTheMarketRecycledTheSlot() public {
        market.settle(slot, 600, _buys1(traders[2], 600), _lots1(meters[0], 600));
        market.recycle(slot);
        vm.expectRevert(
            abi.encodeWithSelector(IEnergyCertificates.CertificatesSlotNotSettled.selector, slot)
        );
        certificates.certifySellers(slot, ALL);
    }

    function test_claimBuyers_refusedBeforeSellersCertified() public {
        market.settle(slot, 600, _buys1(traders[2], 600), _lots1(meters[0], 600));
        vm.expectRevert(
            abi.encodeWithSelector(IEnergyCertificates.CertificatesSellersNotCertified.selector, slot)
        );
        certificates.claimBuyers(slot, ALL);
    }

    function test_certifySellers_exactlyOnce() public {
        market.settle(slot, 600, _buys1(traders[2], 600), _lots1(meters[0], 600));
        assertTrue(certificates.certifySellers(slot, ALL));
        vm.expectRevert(
            abi.encodeWithSelector(IEnergyCertificates.CertificatesSellersAlreadyCertified.selector, slot)
        );
        certificates.certifySellers(slot, ALL);
        assertEq(certificates.balanceOf(traders[0], solarId), 400);
    }

    function test_claimBuyers_exactlyOnce() public {
        market.settle(slot, 600, _buys1(traders[2], 600), _lots1(meters[0], 600));
        _certifyAll(slot);
        assertTrue(certificates.isSlotCertified(slot));
        vm.expectRevert(
            abi.encodeWithSelector(IEnergyCertificates.CertificatesAlreadyClaimed.selector, slot)
        );
        certificates.claimBuyers(slot, ALL);
        vm.expectRevert(
            abi.encodeWithSelector(IEnergyCertificates.CertificatesSellersAlreadyCertified.selector, slot)
        );
        certificates.certifySellers(slot, ALL);
        assertEq(certificates.balanceOf(traders[2], solarId), 600);
    }

    function test_claimBuyers_poolNeverExceededByALyingMarket() public {
        // three buy orders each claiming all of Q: the first takes the pool, the others find it empty
        address[] memory buyers = new address[](3);
        uint256[] memory fills = new uint256[](3);
        for (uint256 k = 0; k < 3; ++k) (buyers[k], fills[k]) = (traders[1 + k], 600);
        market.settle(slot, 600, _buyFills(buyers, fills), _lots1(meters[0], 600));
        _certifyInPages(slot, 1, 1);
        assertEq(certificates.balanceOf(traders[1], solarId), 600);
        assertEq(certificates.balanceOf(traders[2], solarId), 0);
        assertEq(certificates.balanceOf(traders[3], solarId), 0);
        (uint256 poolWh, uint256 claimedWh) = certificates.vintageOf(slot, IMeterRegistry.EnergySource.Solar);
        assertEq(poolWh, 600);
        assertEq(claimedWh, 600);
    }

    function test_certifySellers_refusesAPoolAboveTheTrade() public {
        // a lying market: the meter's fills say 900 Wh, Q says 600
        IEnergyMarketView.SellLot[] memory lots = new IEnergyMarketView.SellLot[](1);
        lots[0] = IEnergyMarketView.SellLot(_indexOf(meters[0]), 900, 0, 900);
        market.settle(slot, 600, _buys1(traders[2], 600), lots);
        vm.expectRevert(
            abi.encodeWithSelector(IEnergyCertificates.CertificatesPoolExceedsTrade.selector, slot, 900, 600)
        );
        certificates.certifySellers(slot, ALL);
    }

    function test_bindMarket_cannotRebindToARogueMarket() public {
        MockCertMarket rogue = new MockCertMarket(address(registry), address(certificates));
        vm.expectRevert(
            abi.encodeWithSelector(
                IEnergyCertificates.CertificatesMarketAlreadyBound.selector,
                address(market)
            )
        );
        certificates.bindMarket(address(rogue));
    }

    function test_admin_hasNoMintFunction() public {
        (bool ok, ) = address(certificates).call(
            abi.encodeWithSignature("mint(address,uint256,uint256,bytes)", address(this), solarId, 1, "")
        );
        assertFalse(ok);
        (ok, ) = address(certificates).call(
            abi.encodeWithSignature("mint(address,uint256,uint256)", address(this), solarId, 1)
        );
        assertFalse(ok);
        // the settlement callback of the old design is gone: nobody can push fills into the certificates
        (ok, ) = address(certificates).call(abi.encodeWithSignature("onSlotSettled(uint64)", slot));
        assertFalse(ok);
        assertEq(certificates.balanceOf(address(this), solarId), 0);
    }

    function test_setURI_refusedForNonAdmin() public {
        vm.prank(traders[0]);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                traders[0],
                bytes32(0)
            )
        );
        certificates.setURI("x");
    }

    function test_safeTransferFrom_sellerCannotMoveSoldCertificates() public {
        market.settle(slot, 600, _buys1(traders[2], 600), _lots1(meters[0], 600));
        certificates.certifySellers(slot, ALL);
        // before the buyers claimed: the sold 600 Wh sit in the pool, not with the seller
        assertEq(certificates.balanceOf(traders[0], solarId), 400);
        vm.prank(traders[0]);
        vm.expectRevert(
            abi.encodeWithSelector(
                IERC1155Errors.ERC1155InsufficientBalance.selector,
                traders[0],
                400,
                401,
                solarId
            )
        );
        certificates.safeTransferFrom(traders[0], traders[3], solarId, 401, "");
    }

    function test_retire_refusedAboveTheBalance() public {
        market.setSlotFinal(slot, true);
        certificates.issue(meters[0], slot);
        vm.prank(traders[0]);
        vm.expectRevert(
            abi.encodeWithSelector(
                IERC1155Errors.ERC1155InsufficientBalance.selector,
                traders[0],
                1_000,
                1_001,
                solarId
            )
        );
        certificates.retire(solarId, 1_001, traders[0], "");
    }

    function test_retire_retiredCannotBeRetiredAgain() public {
        market.setSlotFinal(slot, true);
        certificates.issue(meters[0], slot);
        vm.startPrank(traders[0]);
        certificates.retire(solarId, 1_000, traders[3], "claim");
        vm.expectRevert(
            abi.encodeWithSelector(
                IERC1155Errors.ERC1155InsufficientBalance.selector,
                traders[0],
                0,
                1,
                solarId
            )
        );
        certificates.retire(solarId, 1, traders[3], "claim");
        vm.stopPrank();
        assertEq(certificates.balanceOf(traders[3], solarId), 0);
    }

    /// @dev Suspended during slot + 1 and reinstated before its reading window closed: the slot's reading is
    /// recorded, its certificates are withheld all the same, for good.
    function test_issue_refusedForASuspendedSlotEvenAfterReinstatement() public {
        uint64 spanned = slot + 1;
        registry.suspendMeter(meters[0]);
        registry.reinstateMeter(meters[0]);
        _toSlotEnd(spanned);
        _record(0, spanned, 700);
        market.setSlotFinal(spanned, true);
        assertTrue(certificates.isWithheld(meters[0], spanned), "visible before anyone closes it");
        assertFalse(certificates.isIssued(meters[0], spanned));
        vm.expectRevert(
            abi.encodeWithSelector(IEnergyCertificates.CertificatesWithheld.selector, meters[0], spanned)
        );
        certificates.issue(meters[0], spanned);
        uint64[] memory slots = new uint64[](2);
        (slots[0], slots[1]) = (slot, spanned);
        // Only the spanned slot is withheld: the slot before the suspension is not reached.
        assertEq(certificates.withhold(meters[0], slots), 1);
        assertTrue(certificates.isWithheld(meters[0], spanned));
        assertFalse(certificates.isWithheld(meters[0], slot));
        vm.expectRevert(
            abi.encodeWithSelector(IEnergyCertificates.CertificatesWithheld.selector, meters[0], spanned)
        );
        certificates.issue(meters[0], spanned);
    }

    /// @dev A suspension does not reach back: the slot before it is issued to the owner as usual.
    function test_issue_slotBeforeASuspension_issued() public {
        registry.suspendMeter(meters[0]);
        market.setSlotFinal(slot, true);
        assertFalse(certificates.isWithheld(meters[0], slot));
        assertEq(certificates.issue(meters[0], slot), 1_000);
        assertEq(certificates.balanceOf(traders[0], solarId), 1_000);
    }

    /// @dev The operator makes itself the meter's owner, issues the past slot, and gives the meter back: the
    /// certificates go to the owner of record of the slot all the same.
    function test_issue_afterOwnerSwap_goesToTheOwnerOfRecord() public {
        address operatorAccount = makeAddr("operator account");
        registry.updateMeter(meters[0], operatorAccount, 100_000, ZONE);
        // Issued once the operator is the owner in force (its change applies from a later slot only).
        vm.warp(registry.slotStart(registry.pendingChangeOf(meters[0]).fromSlot));
        assertEq(registry.meterOf(meters[0]).owner, operatorAccount);
        market.setSlotFinal(slot, true);
        certificates.issue(meters[0], slot);
        assertEq(certificates.balanceOf(operatorAccount, solarId), 0);
        assertEq(certificates.balanceOf(traders[0], solarId), 1_000);
    }

    /// @dev The solar meter is suspended during `spanned` and reinstated before its window closed; it and an
    /// active hydro meter sell: only the hydro delivery is pooled, the solar slot is withheld for good.
    function test_certifySellers_withholdsASlotASuspensionSpans() public {
        uint64 spanned = slot + 1;
        uint256 spannedSolarId = certificates.idOf(spanned, IMeterRegistry.EnergySource.Solar);
        registry.suspendMeter(meters[0]);
        _toSlotEnd(spanned);
        registry.reinstateMeter(meters[0]);
        _record(0, spanned, 1_000);
        _record(3, spanned, 800);
        address[] memory sellers = new address[](2);
        uint256[] memory fills = new uint256[](2);
        (sellers[0], sellers[1]) = (meters[0], meters[3]);
        (fills[0], fills[1]) = (600, 400);
        market.settle(spanned, 1_000, _buys1(traders[2], 1_000), _honestLots(sellers, fills));
        vm.expectEmit(address(certificates));
        emit IEnergyCertificates.IssuanceWithheld(meters[0], spanned, IMeterRegistry.MeterStatus.Suspended);
        assertFalse(certificates.certifySellers(spanned, 1));
        _certifyInPages(spanned, 1, 1);
        assertTrue(certificates.isWithheld(meters[0], spanned));
        (uint256 solarPool, ) = certificates.vintageOf(spanned, IMeterRegistry.EnergySource.Solar);
        (uint256 hydroPool, ) = certificates.vintageOf(spanned, IMeterRegistry.EnergySource.Hydro);
        assertEq(solarPool, 0);
        assertEq(hydroPool, 400);
        assertEq(certificates.balanceOf(traders[2], spannedSolarId), 0);
        assertEq(certificates.balanceOf(traders[0], spannedSolarId), 0);
        uint256 hydroId = certificates.idOf(spanned, IMeterRegistry.EnergySource.Hydro);
        assertEq(certificates.balanceOf(traders[2], hydroId), 400);
        assertEq(certificates.balanceOf(traders[0], hydroId), 400);
        vm.expectRevert(
            abi.encodeWithSelector(IEnergyCertificates.CertificatesWithheld.selector, meters[0], spanned)
        );
        certificates.issue(meters[0], spanned);
    }

    /// @dev The operator swaps the owner between settlement and certification: the unsold rest and the
    /// rounding remainder go to the owner of record of the slot, not to the operator.
    function test_certifySellers_afterOwnerSwap_creditsTheOwnerOfRecord() public {
        address operatorAccount = makeAddr("operator account");
        // Meter 0 exported 1,000 Wh and sold 1,200: three buyers of 400 get floor(1,000 x 400 / 1,200) = 333
        // each, the remainder of 1 Wh returns to the owner.
        IEnergyMarketView.BuyFill[] memory buys = new IEnergyMarketView.BuyFill[](3);
        for (uint256 k = 0; k < 3; ++k) buys[k] = IEnergyMarketView.BuyFill(traders[k + 1], 400);
        market.settle(slot, 1_200, buys, _lots1(meters[0], 1_200));
        registry.updateMeter(meters[0], operatorAccount, 100_000, ZONE);
        uint64 from = registry.pendingChangeOf(meters[0]).fromSlot;
        vm.warp(registry.slotStart(from));
        _certifyAll(slot);
        assertEq(certificates.balanceOf(operatorAccount, solarId), 0);
        assertEq(certificates.balanceOf(traders[0], solarId), 1);
        assertEq(certificates.balanceOf(traders[1], solarId), 333);

        // The unsold rest of a meter that sold less than it exported goes to the owner of record too.
        uint64 next = from - 1;
        uint256 nextId = certificates.idOf(next, IMeterRegistry.EnergySource.Solar);
        vm.warp(registry.slotEnd(next));
        _record(0, next, 1_000);
        market.settle(next, 600, _buys1(traders[2], 600), _lots1(meters[0], 600));
        _certifyAll(next);
        assertEq(certificates.balanceOf(operatorAccount, nextId), 0);
        assertEq(certificates.balanceOf(traders[0], nextId), 400);
        assertEq(certificates.balanceOf(traders[2], nextId), 600);
    }

    /// @dev A lying market (any Q, any buy fills, any meter fills on one meter) never gets more than the
    /// meter's export issued, nor the buyers more than the pool, nor a buyer more than its share.
    function testFuzz_claimBuyers_lyingMarketNeverExceedsExportNorPool(
        uint256 cleared,
        uint48[3] memory fills,
        uint32[3] memory prior,
        uint32[3] memory meterFill,
        uint8 sellPage,
        uint8 buyPage
    ) public {
        cleared = bound(cleared, 1, type(uint64).max);
        (bool certified, uint256 expectedPool) = _settleLying(cleared, fills, prior, meterFill);
        if (expectedPool > cleared) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IEnergyCertificates.CertificatesPoolExceedsTrade.selector,
                    slot,
                    expectedPool,
                    cleared
                )
            );
            certificates.certifySellers(slot, ALL);
            return;
        }
        _certifyInPages(slot, bound(sellPage, 1, 4), bound(buyPage, 1, 4));
        _assertLyingOutcome(cleared, fills, certified, expectedPool);
    }

    function _assertLyingOutcome(
        uint256 cleared,
        uint48[3] memory fills,
        bool certified,
        uint256 expectedPool
    ) internal view {
        (uint256 poolWh, uint256 claimedWh) = certificates.vintageOf(slot, IMeterRegistry.EnergySource.Solar);
        assertEq(poolWh, expectedPool);
        assertLe(claimedWh, poolWh);
        uint256 total = certificates.balanceOf(traders[0], solarId);
        for (uint256 i = 0; i < 3; ++i) {
            uint256 got = certificates.balanceOf(traders[1 + i], solarId);
            assertLe(got, _share(poolWh, fills[i], cleared));
            total += got;
        }
        // the only meter's export, all of it (owner part + claims + remainder), or nothing
        assertEq(total, certified ? 1_000 : 0);
    }

    /// @dev Settles `slot` with three buy orders and three lots of meter 0 (1 Wh each, any bookkeeping);
    /// returns whether some lot certifies the meter and the pool that lot makes.
    function _settleLying(
        uint256 cleared,
        uint48[3] memory fills,
        uint32[3] memory prior,
        uint32[3] memory meterFill
    ) internal returns (bool certified, uint256 expectedPool) {
        IEnergyMarketView.BuyFill[] memory buys = new IEnergyMarketView.BuyFill[](3);
        IEnergyMarketView.SellLot[] memory lots = new IEnergyMarketView.SellLot[](3);
        for (uint256 i = 0; i < 3; ++i) {
            buys[i] = IEnergyMarketView.BuyFill(traders[1 + i], fills[i]);
            lots[i] = IEnergyMarketView.SellLot(_indexOf(meters[0]), 1, prior[i] % 2, meterFill[i]);
            if (!certified && prior[i] % 2 == 0) {
                certified = true;
                expectedPool = meterFill[i] < 1_000 ? meterFill[i] : 1_000;
            }
        }
        market.settle(slot, cleared, buys, lots);
    }
}

/// @dev Delivery by pages: entitlement, paging, rounding.
contract EnergyCertificatesPagesTest is CertificatesBase {
    uint64 internal slot;
    uint256 internal constant SOLAR2_KEY = 0x50_1A2;
    address internal solar2;

    function setUp() public {
        _deploy();
        solar2 = _addMeter(SOLAR2_KEY, traders[2], IMeterRegistry.EnergySource.Solar);
        slot = registry.currentSlot() + 1;
        _toSlotEnd(slot + 1);
    }

    /// @dev The same trade in `s`: meters 0 (Solar, two orders), solar2, 1 (Wind), 3 (Hydro) sell, with
    /// more filled than some meters exported; `buyerCount` buy orders (some repeated accounts, some unfilled).
    function _settleSample(uint64 s, uint256 buyerCount) internal returns (uint256 clearedWh) {
        _record(0, s, 5_000);
        _recordBy(SOLAR2_KEY, s, 2_000);
        _record(1, s, 3_333);
        _record(3, s, 777);
        address[] memory sellers = new address[](6);
        uint256[] memory sellFills = new uint256[](6);
        (sellers[0], sellFills[0]) = (meters[0], 1_500);
        (sellers[1], sellFills[1]) = (meters[1], 3_000);
        (sellers[2], sellFills[2]) = (solar2, 2_500); // above its export: delivers 2,000
        (sellers[3], sellFills[3]) = (meters[0], 1_200);
        (sellers[4], sellFills[4]) = (meters[3], 0); // unfilled
        (sellers[5], sellFills[5]) = (meters[3], 1_000); // above its export: delivers 777
        for (uint256 k = 0; k < 6; ++k) clearedWh += sellFills[k];
        address[] memory buyers = new address[](buyerCount);
        uint256[] memory buyFills = new uint256[](buyerCount);
        uint256 left = clearedWh;
        for (uint256 k = 0; k < buyerCount; ++k) {
            buyers[k] = address(uint160(0x7000 + (k % 7)));
            uint256 fill = k + 1 == buyerCount ? left : (k % 5 == 3 ? 0 : (left * 3) / 11);
            buyFills[k] = fill;
            left -= fill;
        }
        market.settle(s, clearedWh, _buyFills(buyers, buyFills), _honestLots(sellers, sellFills));
    }

    function _ids(uint64 s) internal view returns (uint256[4] memory ids) {
        ids[0] = certificates.idOf(s, IMeterRegistry.EnergySource.Solar);
        ids[1] = certificates.idOf(s, IMeterRegistry.EnergySource.Wind);
        ids[2] = certificates.idOf(s, IMeterRegistry.EnergySource.Hydro);
        ids[3] = certificates.idOf(s, IMeterRegistry.EnergySource.Biomass);
    }

    function _holders() internal view returns (address[10] memory h) {
        for (uint256 k = 0; k < 7; ++k) h[k] = address(uint160(0x7000 + k));
        (h[7], h[8], h[9]) = (traders[0], traders[1], traders[2]);
    }

    function test_certifySellers_deliversMinOfExportAndTheMetersFills() public {
        uint256 q = _settleSample(slot, 5);
        assertEq(q, 9_200);
        _certifyAll(slot);
        (uint256 solarPool, ) = certificates.vintageOf(slot, IMeterRegistry.EnergySource.Solar);
        (uint256 windPool, ) = certificates.vintageOf(slot, IMeterRegistry.EnergySource.Wind);
        (uint256 hydroPool, ) = certificates.vintageOf(slot, IMeterRegistry.EnergySource.Hydro);
        assertEq(solarPool, 2_700 + 2_000);
        assertEq(windPool, 3_000);
        assertEq(hydroPool, 777);
        assertTrue(certificates.isIssued(meters[0], slot));
        assertTrue(certificates.isIssued(solar2, slot));
        assertTrue(certificates.isIssued(meters[3], slot));
    }

    function test_claimBuyers_pagesOfOneEqualOnePage() public {
        _settleSample(slot, 9);
        _settleSample(slot + 1, 9);
        _certifyAll(slot);
        _certifyInPages(slot + 1, 1, 1);
        uint256[4] memory a = _ids(slot);
        uint256[4] memory b = _ids(slot + 1);
        address[10] memory h = _holders();
        for (uint256 i = 0; i < 10; ++i) {
            for (uint256 s = 0; s < 4; ++s) {
                assertEq(
                    certificates.balanceOf(h[i], a[s]),
                    certificates.balanceOf(h[i], b[s]),
                    "page size matters"
                );
            }
        }
        (uint256 sellCursor, uint256 buyCursor, bool sellersDone, bool buyersDone) = certificates
            .certificationOf(slot + 1);
        assertEq(sellCursor, 6);
        assertEq(buyCursor, 9);
        assertTrue(sellersDone && buyersDone);
    }

    function test_certifySellers_pagesContinueWhereTheLastStopped() public {
        _settleSample(slot, 4);
        assertFalse(certificates.certifySellers(slot, 2));
        (uint256 sellCursor, , bool sellersDone, ) = certificates.certificationOf(slot);
        assertEq(sellCursor, 2);
        assertFalse(sellersDone);
        // a page of zero orders changes nothing
        assertFalse(certificates.certifySellers(slot, 0));
        (sellCursor, , , ) = certificates.certificationOf(slot);
        assertEq(sellCursor, 2);
        vm.expectEmit(address(certificates));
        emit IEnergyCertificates.SellersCertified(slot, 2, 6, true);
        assertTrue(certificates.certifySellers(slot, 100));
        assertFalse(certificates.claimBuyers(slot, 3));
        assertFalse(certificates.isSlotCertified(slot));
        vm.expectEmit(address(certificates));
        emit IEnergyCertificates.BuyersClaimed(slot, 3, 4, true);
        assertTrue(certificates.claimBuyers(slot, 3));
        assertTrue(certificates.isSlotCertified(slot));
    }

    /// @dev Paging never repeats nor skips: any page sizes give every buy order floor(pool x fill / Q) of
    /// every vintage, exactly, and the rest of each pool (the rounding) to the largest delivering meter's owner.
    function testFuzz_claimBuyers_anyPagesGiveEveryOrderItsShare(
        uint8 buyerCount,
        uint8 sellPage,
        uint8 buyPage
    ) public {
        uint256 n = bound(buyerCount, 1, 24);
        uint256 q = _settleSample(slot, n);
        (, , uint256 buyOrders, ) = market.settledTrade(slot);
        assertEq(buyOrders, n);
        _certifyInPages(slot, bound(sellPage, 1, 7), bound(buyPage, 1, 25));
        // expected balances: shares summed by account, remainders to solar2 (solar), meter 1 (wind), meter 3
        IEnergyMarketView.BuyFill[] memory fills = market.buyFillsOf(slot, 0, n);
        uint256[4] memory ids = _ids(slot);
        IMeterRegistry.EnergySource[3] memory srcs = [
            IMeterRegistry.EnergySource.Solar,
            IMeterRegistry.EnergySource.Wind,
            IMeterRegistry.EnergySource.Hydro
        ];
        for (uint256 s = 0; s < 3; ++s) {
            (uint256 pool, uint256 claimed) = certificates.vintageOf(slot, srcs[s]);
            uint256 sum = 0;
            for (uint256 a = 0; a < 7; ++a) {
                address account = address(uint160(0x7000 + a));
                uint256 expected = 0;
                for (uint256 k = 0; k < n; ++k) {
                    if (fills[k].buyer == account) expected += _share(pool, fills[k].fillWh, q);
                }
                assertEq(certificates.balanceOf(account, ids[s]), expected, "claim != pro-rata share");
                sum += expected;
            }
            assertEq(claimed, sum, "claimed != sum of shares");
            assertLe(pool - claimed, n, "remainder above one Wh per buy order");
        }
        // owners: export - delivered at certification, plus the rounding remainder of their largest meter
        (uint256 solarPool, uint256 solarClaimed) = certificates.vintageOf(slot, srcs[0]);
        (uint256 windPool, uint256 windClaimed) = certificates.vintageOf(slot, srcs[1]);
        (uint256 hydroPool, uint256 hydroClaimed) = certificates.vintageOf(slot, srcs[2]);
        // (meter 0 delivered 2,700 solar Wh, more than solar2's 2,000: it takes the solar remainder)
        assertEq(certificates.balanceOf(traders[0], ids[0]), 5_000 - 2_700 + solarPool - solarClaimed);
        assertEq(certificates.balanceOf(traders[2], ids[0]), 0);
        assertEq(certificates.balanceOf(traders[1], ids[1]), 3_333 - 3_000 + windPool - windClaimed);
        assertEq(certificates.balanceOf(traders[0], ids[2]), hydroPool - hydroClaimed);
        assertEq(certificates.balanceOf(traders[0], ids[3]), 0);
    }

    function test_claimBuyers_returnsTheRemainderToTheLargestDeliveringMeter() public {
        _record(0, slot, 300);
        _recordBy(SOLAR2_KEY, slot, 700);
        _record(1, slot, 1_000);
        address[] memory sellers = new address[](3);
        uint256[] memory sellFills = new uint256[](3);
        (sellers[0], sellers[1], sellers[2]) = (meters[0], solar2, meters[1]);
        (sellFills[0], sellFills[1], sellFills[2]) = (300, 700, 1_000);
        address[] memory buyers = new address[](3);
        uint256[] memory buyFills = new uint256[](3);
        (buyers[0], buyers[1], buyers[2]) = (address(0x7000), address(0x7001), address(0x7002));
        (buyFills[0], buyFills[1], buyFills[2]) = (667, 667, 666);
        market.settle(slot, 2_000, _buyFills(buyers, buyFills), _honestLots(sellers, sellFills));
        certificates.certifySellers(slot, ALL);
        uint256 solarId = certificates.idOf(slot, IMeterRegistry.EnergySource.Solar);
        uint256 windId = certificates.idOf(slot, IMeterRegistry.EnergySource.Wind);
        vm.expectEmit(address(certificates));
        emit IEnergyCertificates.RoundingReturned(solar2, slot, solarId, 1);
        vm.expectEmit(address(certificates));
        emit IEnergyCertificates.RoundingReturned(meters[1], slot, windId, 1);
        certificates.claimBuyers(slot, ALL);
        for (uint256 k = 0; k < 3; ++k) {
            assertEq(certificates.balanceOf(buyers[k], solarId), 333);
            assertEq(certificates.balanceOf(buyers[k], windId), 333);
        }
        assertEq(certificates.balanceOf(traders[2], solarId), 1); // solar2's owner
        assertEq(certificates.balanceOf(traders[0], solarId), 0);
        assertEq(certificates.balanceOf(traders[1], windId), 1);
    }

    function test_claimBuyers_remainderNeverAboveTheMetersDelivery() public {
        // two solar meters deliver 1 Wh each; the buyers' shares of the 2 Wh pool round to 0
        _record(0, slot, 1);
        _recordBy(SOLAR2_KEY, slot, 1);
        _record(1, slot, 10_000);
        address[] memory sellers = new address[](3);
        uint256[] memory sellFills = new uint256[](3);
        (sellers[0], sellers[1], sellers[2]) = (meters[0], solar2, meters[1]);
        (sellFills[0], sellFills[1], sellFills[2]) = (1, 1, 10_000);
        address[] memory buyers = new address[](3);
        uint256[] memory buyFills = new uint256[](3);
        (buyers[0], buyers[1], buyers[2]) = (address(0x7000), address(0x7001), address(0x7002));
        (buyFills[0], buyFills[1], buyFills[2]) = (3_334, 3_334, 3_334);
        market.settle(slot, 10_002, _buyFills(buyers, buyFills), _honestLots(sellers, sellFills));
        _certifyAll(slot);
        uint256 solarId = certificates.idOf(slot, IMeterRegistry.EnergySource.Solar);
        (uint256 pool, uint256 claimed) = certificates.vintageOf(slot, IMeterRegistry.EnergySource.Solar);
        assertEq(pool, 2);
        assertEq(claimed, 0);
        // the first of the tied largest meters (meter 0) gets at most its own 1 Wh delivery
        assertEq(certificates.balanceOf(traders[0], solarId), 1);
        assertEq(certificates.balanceOf(traders[2], solarId), 0);
        for (uint256 k = 0; k < 3; ++k) assertEq(certificates.balanceOf(buyers[k], solarId), 0);
    }

    function test_claimBuyers_skipsUnfilledOrdersAndCreditsRepeatedAccountsPerOrder() public {
        _record(0, slot, 1_000);
        address[] memory buyers = new address[](4);
        uint256[] memory buyFills = new uint256[](4);
        (buyers[0], buyers[1], buyers[2], buyers[3]) = (traders[2], traders[3], traders[2], traders[3]);
        (buyFills[0], buyFills[1], buyFills[2], buyFills[3]) = (1, 0, 998, 1);
        market.settle(slot, 1_000, _buyFills(buyers, buyFills), _lots1(meters[0], 1_000));
        certificates.certifySellers(slot, ALL);
        uint256 solarId = certificates.idOf(slot, IMeterRegistry.EnergySource.Solar);
        vm.expectEmit(address(certificates));
        emit IEnergyCertificates.CertificatesClaimed(traders[2], slot, solarId, 1);
        vm.expectEmit(address(certificates));
        emit IEnergyCertificates.CertificatesClaimed(traders[2], slot, solarId, 998);
        vm.expectEmit(address(certificates));
        emit IEnergyCertificates.CertificatesClaimed(traders[3], slot, solarId, 1);
        certificates.claimBuyers(slot, ALL);
        assertEq(certificates.balanceOf(traders[2], solarId), 999);
        assertEq(certificates.balanceOf(traders[3], solarId), 1);
    }
}
