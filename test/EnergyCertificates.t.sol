// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC1155Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IEnergyCertificates} from "../contracts/interfaces/IEnergyCertificates.sol";
import {IMeterRegistry} from "../contracts/interfaces/IMeterRegistry.sol";
import {ISettlementHook} from "../contracts/interfaces/ISettlementHook.sol";
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

    function test_issue_refusedAfterSettlementIssued() public {
        market.settle(slot, 600, _fills1(traders[2], 600), _deliveries1(meters[0], 600));
        vm.expectRevert(
            abi.encodeWithSelector(IEnergyCertificates.CertificatesAlreadyIssued.selector, meters[0], slot)
        );
        certificates.issue(meters[0], slot);
        assertEq(
            certificates.balanceOf(traders[2], solarId) + certificates.balanceOf(traders[0], solarId),
            1_000
        );
    }

    function test_onSlotSettled_issuesNothingAfterRequestIssued() public {
        market.setSlotFinal(slot, true);
        certificates.issue(meters[0], slot);
        vm.expectEmit(address(certificates));
        emit IEnergyCertificates.IssuanceSkipped(
            meters[0],
            slot,
            IEnergyCertificates.CertificatesAlreadyIssued.selector
        );
        market.settle(slot, 600, _fills1(traders[2], 600), _deliveries1(meters[0], 600));
        assertEq(certificates.balanceOf(traders[2], solarId), 0);
        assertEq(certificates.balanceOf(traders[0], solarId), 1_000);
    }

    function test_issue_refusedBeforeTheSlotIsFinal() public {
        // the seller cannot front-run the settlement to take its sold energy's certificates
        vm.prank(traders[0]);
        vm.expectRevert(abi.encodeWithSelector(IEnergyCertificates.CertificatesSlotNotFinal.selector, slot));
        certificates.issue(meters[0], slot);
    }

    function test_onSlotSettled_refusedFromAnyoneButTheMarket() public {
        vm.expectRevert(
            abi.encodeWithSelector(IEnergyCertificates.CertificatesNotMarket.selector, address(this))
        );
        certificates.onSlotSettled(
            slot,
            1_000,
            _fills1(address(this), 1_000),
            _deliveries1(meters[0], 1_000)
        );
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
        market.settle(slot, 600, _fills1(traders[2], 600), _deliveries1(meters[0], 600));
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

    function test_issue_refusedForASuspendedMeterEvenAfterReinstatement() public {
        market.setSlotFinal(slot, true);
        registry.suspendMeter(meters[0]);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEnergyCertificates.CertificatesMeterNotActive.selector,
                meters[0],
                IMeterRegistry.MeterStatus.Suspended
            )
        );
        certificates.issue(meters[0], slot);
        uint64[] memory slots = new uint64[](1);
        slots[0] = slot;
        assertEq(certificates.withhold(meters[0], slots), 1);
        registry.reinstateMeter(meters[0]);
        vm.expectRevert(
            abi.encodeWithSelector(IEnergyCertificates.CertificatesWithheld.selector, meters[0], slot)
        );
        certificates.issue(meters[0], slot);
    }

    function test_onSlotSettled_withholdsASuspendedMeter() public {
        registry.suspendMeter(meters[0]);
        market.settle(slot, 600, _fills1(traders[2], 600), _deliveries1(meters[0], 600));
        assertTrue(certificates.isWithheld(meters[0], slot));
        assertEq(certificates.balanceOf(traders[2], solarId), 0);
        assertEq(certificates.balanceOf(traders[0], solarId), 0);
    }

    /// @dev A lying market (any fills, any deliveries, repeated meters) never gets more than the export
    /// issued, nor a buyer more than its fill.
    function testFuzz_onSlotSettled_neverExceedsExportNorFill(
        uint256 cleared,
        uint64[3] memory fills,
        uint64[3] memory delivered
    ) public {
        cleared = bound(cleared, 0, type(uint64).max);
        ISettlementHook.BuyerFill[] memory buyers = new ISettlementHook.BuyerFill[](3);
        ISettlementHook.SellerDelivery[] memory deliveries = new ISettlementHook.SellerDelivery[](3);
        for (uint256 i = 0; i < 3; ++i) {
            buyers[i] = ISettlementHook.BuyerFill(traders[1 + i], fills[i]);
            deliveries[i] = ISettlementHook.SellerDelivery(meters[0], delivered[i]);
        }
        market.settle(slot, cleared, buyers, deliveries);
        uint256 total = certificates.balanceOf(traders[0], solarId);
        for (uint256 i = 0; i < 3; ++i) {
            uint256 got = certificates.balanceOf(traders[1 + i], solarId);
            assertLe(got, fills[i]);
            total += got;
        }
        assertEq(total, 1_000);
    }
}
