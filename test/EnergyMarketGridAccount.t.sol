// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Vm} from "forge-std/Vm.sol";

import {EnergyMarket} from "../contracts/EnergyMarket.sol";
import {IEnergyMarket} from "../contracts/interfaces/IEnergyMarket.sol";
import {HORIZON, MarketSetup} from "./EnergyMarket.t.sol";

/// @dev The admin's change of the grid operator account never reaches back into a slot open for trading,
/// cleared or measured: each slot's grid share (P x shortfall + penalties) goes to the account in effect
/// for that slot, the one its first order snapshotted; the new account applies from the first slot beyond
/// every slot open for trading.
contract EnergyMarketGridAccountTest is MarketSetup {
    address internal newAccount = makeAddr("new grid account");
    address internal thirdAccount = makeAddr("third grid account");
    address internal stranger = makeAddr("stranger");

    /// @dev P = 7, Q = 100; the meter exports 60 of 100 Wh: 40 short, penalty min(40 x 5, 100 x 2) = 200.
    uint256 internal constant GRID_SHARE = 7 * 40 + 200;

    function setUp() public {
        deployMarket(1, 2, 5);
        for (uint256 i; i < 2; ++i) {
            token.mint(actors[i], 1e12);
            vm.startPrank(actors[i]);
            token.approve(address(market), type(uint256).max);
            market.deposit(1e12);
            vm.stopPrank();
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Helpers
    // ------------------------------------------------------------------------------------------------

    /// @dev Actor 0 buys 100 Wh at up to 10, actor 1 sells 100 Wh at 4 or more from meter 1.
    function _placeTrade(uint64 slot) internal {
        vm.prank(actors[0]);
        market.placeOrder(slot, IEnergyMarket.Side.Buy, 100, 10, address(0));
        vm.prank(actors[1]);
        market.placeOrder(slot, IEnergyMarket.Side.Sell, 100, 4, meters[1]);
    }

    function _clear(uint64 slot) internal {
        if (block.timestamp < market.gateClosureOf(slot)) vm.warp(market.gateClosureOf(slot));
        market.clear(slot);
    }

    function _submitShortReading(uint64 slot) internal {
        if (block.timestamp < registry.slotEnd(slot)) vm.warp(registry.slotEnd(slot));
        registry.submitReading(signedReading(1, slot, 60));
    }

    /// @dev Settles `slot` (its reading submitted before) and returns what each account received.
    function _settle(uint64 slot) internal returns (uint256 toOld, uint256 toNew, uint256 toThird) {
        if (block.timestamp < market.readingWindowEnd(slot)) vm.warp(market.readingWindowEnd(slot));
        uint256[3] memory before = [_free(gridAccount), _free(newAccount), _free(thirdAccount)];
        market.settle(slot);
        return (
            _free(gridAccount) - before[0],
            _free(newAccount) - before[1],
            _free(thirdAccount) - before[2]
        );
    }

    function _free(address account) internal view returns (uint256 free) {
        (free, ) = market.balanceOf(account);
    }

    function _assertPaidOld(uint64 slot) internal {
        (uint256 toOld, uint256 toNew, ) = _settle(slot);
        assertEq(toOld, GRID_SHARE, "the account the slot was traded under gets the grid share");
        assertEq(toNew, 0, "the new account gets nothing of an earlier slot");
    }

    // ------------------------------------------------------------------------------------------------
    // Slots before the activation slot keep their account
    // ------------------------------------------------------------------------------------------------

    function test_setGridOperatorAccount_whileSlotOpen_slotPaysOldAccount() public {
        uint64 slot = market.currentSlot() + 2;
        _placeTrade(slot);
        market.setGridOperatorAccount(newAccount);
        assertEq(market.gridOperatorAccountOf(slot), gridAccount);
        _clear(slot);
        _submitShortReading(slot);
        _assertPaidOld(slot);
    }

    function test_setGridOperatorAccount_openSlotWithoutOrders_slotPaysOldAccount() public {
        // The last slot open for trading has no order yet when the change comes: its first order, placed
        // after the change, still trades under the old account.
        uint64 slot = market.lastOpenSlot();
        market.setGridOperatorAccount(newAccount);
        assertEq(market.gridOperatorAccountOf(slot), gridAccount);
        _placeTrade(slot);
        _clear(slot);
        _submitShortReading(slot);
        _assertPaidOld(slot);
    }

    function test_setGridOperatorAccount_afterClear_slotPaysOldAccount() public {
        uint64 slot = market.currentSlot() + 2;
        _placeTrade(slot);
        _clear(slot);
        market.setGridOperatorAccount(newAccount);
        _submitShortReading(slot);
        _assertPaidOld(slot);
    }

    function test_setGridOperatorAccount_afterReadings_slotPaysOldAccount() public {
        uint64 slot = market.currentSlot() + 2;
        _placeTrade(slot);
        _clear(slot);
        _submitShortReading(slot);
        vm.warp(market.readingWindowEnd(slot));
        market.setGridOperatorAccount(newAccount);
        // The change is in force for the current slot by now, not for the measured one.
        assertEq(market.gridOperatorAccountOf(slot), gridAccount);
        _assertPaidOld(slot);
    }

    // ------------------------------------------------------------------------------------------------
    // From the activation slot on, the new account
    // ------------------------------------------------------------------------------------------------

    function test_setGridOperatorAccount_schedulesBeyondEveryOpenSlot() public {
        uint64 activation = market.lastOpenSlot() + 1;
        vm.expectEmit(address(market));
        emit IEnergyMarket.GridOperatorAccountScheduled(newAccount, activation);
        market.setGridOperatorAccount(newAccount);
        assertEq(market.gridOperatorAccountOf(activation - 1), gridAccount);
        assertEq(market.gridOperatorAccountOf(activation), newAccount);
        assertEq(market.gridOperatorAccount(), gridAccount, "the current slot keeps the old account");
    }

    function test_setGridOperatorAccount_activationSlot_paysNewAccount() public {
        uint64 activation = market.lastOpenSlot() + 1;
        market.setGridOperatorAccount(newAccount);
        // The activation slot opens for trading one slot later.
        vm.warp(registry.slotStart(activation - HORIZON));
        _placeTrade(activation);
        _clear(activation);
        _submitShortReading(activation);
        (uint256 toOld, uint256 toNew, ) = _settle(activation);
        assertEq(toNew, GRID_SHARE);
        assertEq(toOld, 0);
    }

    function test_gridOperatorAccount_fromActivationSlot_isNewAccount() public {
        uint64 activation = market.lastOpenSlot() + 1;
        market.setGridOperatorAccount(newAccount);
        vm.warp(registry.slotStart(activation) - 1);
        assertEq(market.gridOperatorAccount(), gridAccount);
        vm.warp(registry.slotStart(activation));
        assertEq(market.gridOperatorAccount(), newAccount);
    }

    // ------------------------------------------------------------------------------------------------
    // A second change
    // ------------------------------------------------------------------------------------------------

    function test_setGridOperatorAccount_pendingNotYetAnnounced_isReplaced() public {
        uint64 activation = market.lastOpenSlot() + 1;
        market.setGridOperatorAccount(newAccount);
        // Still no slot open for trading advertises the pending account: it may be replaced.
        vm.expectEmit(address(market));
        emit IEnergyMarket.GridOperatorAccountScheduled(thirdAccount, activation);
        market.setGridOperatorAccount(thirdAccount);
        assertEq(market.gridOperatorAccountOf(activation), thirdAccount);
        assertEq(market.gridOperatorAccountOf(activation - 1), gridAccount);
        vm.warp(registry.slotStart(activation - HORIZON));
        _placeTrade(activation);
        _clear(activation);
        _submitShortReading(activation);
        (uint256 toOld, uint256 toNew, uint256 toThird) = _settle(activation);
        assertEq(toThird, GRID_SHARE);
        assertEq(toOld + toNew, 0);
    }

    function test_setGridOperatorAccount_pendingAnnounced_reverts() public {
        uint64 activation = market.lastOpenSlot() + 1;
        market.setGridOperatorAccount(newAccount);
        // One slot later the activation slot is open for trading under the pending account.
        vm.warp(registry.slotStart(activation - HORIZON));
        uint64 last = market.lastOpenSlot();
        vm.expectRevert(
            abi.encodeWithSelector(
                IEnergyMarket.MarketGridOperatorAccountAnnounced.selector,
                newAccount,
                activation,
                last
            )
        );
        market.setGridOperatorAccount(thirdAccount);
        // Until the activation slot starts.
        vm.warp(registry.slotStart(activation) - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEnergyMarket.MarketGridOperatorAccountAnnounced.selector,
                newAccount,
                activation,
                market.lastOpenSlot()
            )
        );
        market.setGridOperatorAccount(thirdAccount);
    }

    /// @dev Three accounts over time; a slot traded under the first one is cleared before the first change and
    /// settled only after the second: each slot still pays the account it was traded under.
    function test_setGridOperatorAccount_afterActivation_schedulesNextAndEarlierSlotsKeepTheirs() public {
        uint64 early = market.currentSlot() + 2;
        _placeTrade(early);
        _clear(early);

        uint64 first = market.lastOpenSlot() + 1;
        market.setGridOperatorAccount(newAccount);
        // A slot traded under the new account before the next change.
        vm.warp(registry.slotStart(first - HORIZON));
        _placeTrade(first);
        // The early slot is measured (its window closes long before the second change).
        _submitShortReading(early);

        vm.warp(registry.slotStart(first));
        uint64 second = market.lastOpenSlot() + 1;
        vm.expectEmit(address(market));
        emit IEnergyMarket.GridOperatorAccountScheduled(thirdAccount, second);
        market.setGridOperatorAccount(thirdAccount);
        assertEq(market.gridOperatorAccount(), newAccount);
        // Open for trading, no order yet, after the first activation: the new account.
        assertEq(market.gridOperatorAccountOf(second - 1), newAccount);
        assertEq(market.gridOperatorAccountOf(second), thirdAccount);
        assertEq(market.gridOperatorAccountOf(first), newAccount);
        assertEq(market.gridOperatorAccountOf(early), gridAccount);

        vm.warp(registry.slotStart(second - HORIZON));
        _placeTrade(second);

        _assertPaidOld(early);

        _clear(first);
        _submitShortReading(first);
        (uint256 toOld, uint256 toNew, uint256 toThird) = _settle(first);
        assertEq(toNew, GRID_SHARE, "the first activation slot: the second account");
        assertEq(toOld + toThird, 0);

        _clear(second);
        _submitShortReading(second);
        (toOld, toNew, toThird) = _settle(second);
        assertEq(toThird, GRID_SHARE, "the second activation slot: the third account");
        assertEq(toOld + toNew, 0);
    }

    /// @dev The pending parameters and the pending account share a storage word: neither change erases the
    /// other.
    function test_setGridOperatorAccount_andSetParams_keepEachOther() public {
        uint64 activation = market.lastOpenSlot() + 1;
        market.setGridOperatorAccount(newAccount);
        market.setParams(IEnergyMarket.MarketParams(1, 3, 5, 1));
        market.setGridOperatorAccount(thirdAccount);
        market.setParams(IEnergyMarket.MarketParams(1, 4, 5, 1));
        assertEq(market.gridOperatorAccountOf(activation), thirdAccount);
        assertEq(market.paramsForSlot(activation).sellerCollateralPerWh, 4);
        assertEq(market.gridOperatorAccountOf(activation - 1), gridAccount);
        assertEq(market.paramsForSlot(activation - 1).sellerCollateralPerWh, 2);
    }

    // ------------------------------------------------------------------------------------------------
    // Refusals
    // ------------------------------------------------------------------------------------------------

    function test_setGridOperatorAccount_zeroAddress_reverts() public {
        vm.expectRevert(IEnergyMarket.MarketZeroAddress.selector);
        market.setGridOperatorAccount(address(0));
    }

    function test_setGridOperatorAccount_notAdmin_reverts() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                stranger,
                market.DEFAULT_ADMIN_ROLE()
            )
        );
        vm.prank(stranger);
        market.setGridOperatorAccount(newAccount);
    }

    function test_constructor_emitsTheAccountFromSlotZero() public {
        vm.recordLogs();
        deployMarket(1, 2, 5);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bytes32 topic = IEnergyMarket.GridOperatorAccountScheduled.selector;
        uint256 found;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(market) || logs[i].topics[0] != topic) continue;
            ++found;
            assertEq(logs[i].topics[1], bytes32(uint256(uint160(gridAccount))));
            assertEq(abi.decode(logs[i].data, (uint64)), 0, "in effect from slot 0");
        }
        assertEq(found, 1);
        // Typed as the contract (not the interface): the import also gives this file the market's compiler
        // settings (hardhat.config.ts), so the test runs the bytecode that is deployed.
        EnergyMarket deployed = market;
        assertEq(deployed.gridOperatorAccountOf(0), gridAccount);
        assertEq(market.gridOperatorAccount(), gridAccount);
    }
}
