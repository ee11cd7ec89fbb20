// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EnergyMarket} from "../../contracts/EnergyMarket.sol";
import {MeterRegistry} from "../../contracts/MeterRegistry.sol";
import {IEnergyMarket} from "../../contracts/interfaces/IEnergyMarket.sol";
import {IMeterRegistry} from "../../contracts/interfaces/IMeterRegistry.sol";
import {HORIZON, MarketSetup, READING_WINDOW, SLOT_LENGTH} from "../EnergyMarket.t.sol";

/// @notice Issue 10, item 1, on the real market: the grid operator's changes to a selling meter during the
/// reading window of a traded slot neither refuse its true reading nor cost the seller anything at
/// settlement; the market takes the seller's ownership from the owner of record of the order's slot.
contract OperatorChangesTest is MarketSetup {
    /// @dev What the operator does to the seller's meter while the traded slot's window is open.
    enum Attack {
        SwapKey,
        ShrinkCapacity,
        RevokeKey,
        Retire
    }

    uint256 internal constant OPERATOR_KEY = 0x0BAD;
    uint48 internal constant SOLD_WH = 1_000;
    uint64 internal constant ASK = 2;
    uint64 internal constant BID = 3;
    uint256 internal constant DEPOSIT = 1e9;

    address internal seller;
    address internal buyer;
    uint64 internal traded;

    function setUp() public {
        deployMarket(1, 2, 5);
        (seller, buyer) = (actors[0], actors[1]);
        _fund(seller);
        _fund(buyer);
        traded = market.currentSlot() + 2;
        vm.prank(seller);
        market.placeOrder(traded, IEnergyMarket.Side.Sell, SOLD_WH, ASK, meters[0]);
        vm.prank(buyer);
        market.placeOrder(traded, IEnergyMarket.Side.Buy, SOLD_WH, BID, address(0));
        vm.warp(market.gateClosureOf(traded));
        market.clear(traded);
        assertEq(market.slotInfo(traded).clearedWh, SOLD_WH);
        vm.warp(registry.slotEnd(traded) + 60);
    }

    function _fund(address account) internal {
        token.mint(account, DEPOSIT);
        vm.startPrank(account);
        token.approve(address(market), DEPOSIT);
        market.deposit(DEPOSIT);
        vm.stopPrank();
    }

    /// @dev The attack, the operator's forged "0 Wh exported" where it can sign one, the true reading, then
    /// settlement: the seller is paid P x Q and keeps its collateral, the grid operator's account gets nothing.
    function _runAttack(Attack attack) internal {
        address operatorSigner = vm.addr(OPERATOR_KEY);
        if (attack == Attack.SwapKey) {
            registry.rotateMeterKey(meters[0], operatorSigner);
            IMeterRegistry.SignedReading memory forged = _signedBy(OPERATOR_KEY, meters[0], traded, 0);
            vm.expectRevert(
                abi.encodeWithSelector(
                    IMeterRegistry.RegistryInvalidSignature.selector,
                    meters[0],
                    traded,
                    operatorSigner
                )
            );
            registry.submitReading(forged);
            registry.rotateMeterKey(meters[0], meters[0]);
        } else if (attack == Attack.ShrinkCapacity) {
            registry.updateMeter(meters[0], seller, 1, bytes8("Z1"));
        } else if (attack == Attack.RevokeKey) {
            registry.revokeMeterKey(meters[0]);
        } else {
            registry.retireMeter(meters[0]);
        }
        registry.submitReading(signedReading(0, traded, uint32(SOLD_WH)));

        vm.warp(market.readingWindowEnd(traded));
        market.settle(traded);
        uint256 price = market.slotInfo(traded).price;
        (uint256 free, uint256 locked) = market.balanceOf(seller);
        assertEq(locked, 0);
        assertEq(free, DEPOSIT + price * SOLD_WH, "seller not paid in full");
        (uint256 gridFree, ) = market.balanceOf(gridAccount);
        assertEq(gridFree, 0, "grid operator's account credited");
    }

    function _signedBy(
        uint256 key,
        address meter,
        uint64 slot,
        uint32 exportedWh
    ) internal view returns (IMeterRegistry.SignedReading memory) {
        bytes32 commitment = registry.importedCommitment(meter, slot, 0, keccak256(abi.encode(key)));
        bytes32 digest = registry.readingDigest(meter, slot, exportedWh, commitment);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        bytes32 vs = bytes32(uint256(s) | (uint256(v - 27) << 255));
        return IMeterRegistry.SignedReading(meter, slot, exportedWh, commitment, r, vs);
    }

    function test_settle_operatorKeySwapInReadingWindow_paysTheSeller() public {
        _runAttack(Attack.SwapKey);
    }

    function test_settle_operatorCapacityShrinkInReadingWindow_paysTheSeller() public {
        _runAttack(Attack.ShrinkCapacity);
    }

    function test_settle_operatorRevokeInReadingWindow_paysTheSeller() public {
        _runAttack(Attack.RevokeKey);
    }

    function test_settle_operatorRetireInReadingWindow_paysTheSeller() public {
        _runAttack(Attack.Retire);
    }

    /// @dev A suspension in the window does not make the real delivery a shortfall either.
    function test_settle_suspendedInReadingWindow_paysTheSeller() public {
        registry.grantRole(registry.REGULATOR_ROLE(), address(this));
        registry.suspendMeter(meters[0]);
        registry.submitReading(signedReading(0, traded, uint32(SOLD_WH)));
        vm.warp(market.readingWindowEnd(traded));
        market.settle(traded);
        (uint256 free, ) = market.balanceOf(seller);
        assertEq(free, DEPOSIT + market.slotInfo(traded).price * SOLD_WH);
    }

    /// @dev The operator hands the meter to another account from slot `from` on: the old owner can still sell
    /// the slots before it and not the slots from it, the new owner only those from it.
    function test_placeOrder_ownerOfRecordForTheSlotIsAnother_reverts() public {
        address next = actors[2];
        _fund(next);
        registry.updateMeter(meters[0], next, 1_000_000, bytes8("Z1"));
        uint64 from = registry.pendingChangeOf(meters[0]).fromSlot;
        assertGt(from, market.lastOpenSlot(), "the change must not reach an open slot");
        vm.warp(registry.slotStart(from - HORIZON));
        assertEq(market.lastOpenSlot(), from);

        vm.prank(seller);
        vm.expectRevert(
            abi.encodeWithSelector(IEnergyMarket.MarketNotMeterOwner.selector, meters[0], next, seller)
        );
        market.placeOrder(from, IEnergyMarket.Side.Sell, SOLD_WH, ASK, meters[0]);
        vm.prank(next);
        vm.expectRevert(
            abi.encodeWithSelector(IEnergyMarket.MarketNotMeterOwner.selector, meters[0], seller, next)
        );
        market.placeOrder(from - 1, IEnergyMarket.Side.Sell, SOLD_WH, ASK, meters[0]);

        vm.prank(seller);
        market.placeOrder(from - 1, IEnergyMarket.Side.Sell, SOLD_WH, ASK, meters[0]);
        vm.prank(next);
        market.placeOrder(from, IEnergyMarket.Side.Sell, SOLD_WH, ASK, meters[0]);
    }

    /// @dev No sell order while the meter is suspended, for any slot; after the reinstatement, again.
    function test_placeOrder_suspendedMeter_reverts() public {
        registry.grantRole(registry.REGULATOR_ROLE(), address(this));
        registry.suspendMeter(meters[0]);
        uint64 slot = market.lastOpenSlot();
        vm.prank(seller);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEnergyMarket.MarketInvalidMeter.selector,
                meters[0],
                IMeterRegistry.MeterKind.Generation,
                IMeterRegistry.MeterStatus.Suspended
            )
        );
        market.placeOrder(slot, IEnergyMarket.Side.Sell, SOLD_WH, ASK, meters[0]);
        registry.reinstateMeter(meters[0]);
        vm.prank(seller);
        market.placeOrder(slot, IEnergyMarket.Side.Sell, SOLD_WH, ASK, meters[0]);
    }

    /// @dev The market refuses a registry whose changes could reach a slot it trades.
    function test_constructor_changeDelayNotAboveHorizon_reverts() public {
        MeterRegistry short = new MeterRegistry(
            address(this),
            block.timestamp,
            SLOT_LENGTH,
            READING_WINDOW,
            HORIZON
        );
        vm.expectRevert(
            abi.encodeWithSelector(IEnergyMarket.MarketChangeDelayTooShort.selector, HORIZON, HORIZON)
        );
        new EnergyMarket(
            IEnergyMarket.MarketConfig({
                token: token,
                registry: short,
                admin: address(this),
                gridOperator: address(this),
                gridOperatorAccount: gridAccount,
                horizonSlots: HORIZON,
                gateClosureSeconds: 300,
                maxOrdersPerSlot: 40,
                params: IEnergyMarket.MarketParams(1, 2, 5, 1)
            })
        );
    }
}
