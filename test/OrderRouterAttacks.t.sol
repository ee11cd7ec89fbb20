// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EnergyMarket} from "../contracts/EnergyMarket.sol";
import {OrderRouter} from "../contracts/OrderRouter.sol";
import {IEnergyMarket} from "../contracts/interfaces/IEnergyMarket.sol";
import {IMeterRegistry} from "../contracts/interfaces/IMeterRegistry.sol";
import {IOrderRouter} from "../contracts/interfaces/IOrderRouter.sol";
import {OrderRouterTestBase} from "./OrderRouterBase.t.sol";

// Adversarial review of the signed-order design (OrderRouter + EnergyMarket.placeOrderFor/advanceNonce +
// the nonce in the ledger word). Each test states a property the design claims; it fails if the claim breaks.
// The attacks by ERC-1271 wallets are in OrderRouter.t.sol. The hostile double below lives here (not in
// contracts/mocks) because it exists only for these attacks.

/// @dev An honest registry front that forwards every call to the real registry but spends `burn` gas in
/// meterOfSlot first (a registry whose lookup walks a history, say): a nested call of the market's
/// placement that a relayer can starve of gas.
contract SlowRegistryFront {
    address internal immutable _registry;
    uint256 internal immutable _burn;

    constructor(address registry_, uint256 burn) {
        _registry = registry_;
        _burn = burn;
    }

    // A forwarding front must take every selector: the fallback is the point.
    // solhint-disable-next-line no-complex-fallback
    fallback(bytes calldata data) external returns (bytes memory) {
        if (bytes4(data) == IMeterRegistry.meterOfSlot.selector) {
            // Short of `burn`, it runs out of gas (like a real lookup would), it does not revert with data.
            uint256 stop = gasleft() > _burn ? gasleft() - _burn : 0;
            uint256 sink;
            while (gasleft() > stop) sink = uint256(keccak256(abi.encode(sink)));
        }
        (bool ok, bytes memory result) = _registry.staticcall(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
        return result;
    }
}

contract OrderRouterAttacksTest is OrderRouterTestBase {
    function setUp() public {
        setUpRouter();
    }

    // ------------------------------------------------------------------------------------------
    // Relayer: reorder, drop, repeat, mix traders
    // ------------------------------------------------------------------------------------------

    /// @dev Reordering a trader's orders cannot lose one: the later nonce is skipped unconsumed and goes in
    /// once the earlier one is placed.
    function test_placeSignedOrders_reorderedNoncesAreDeferredNotLost() public {
        IOrderRouter.SignedOrder memory first = _signed(aliceKey, _buy(alice, 0));
        IOrderRouter.SignedOrder memory second = _signed(aliceKey, _buy(alice, 1));
        uint256[] memory ids = _relay(_two(second, first));
        assertEq(ids[0], router.NOT_PLACED(), "the nonce ahead is skipped");
        assertTrue(ids[1] != router.NOT_PLACED(), "the next nonce is placed");
        assertEq(market.nonceOf(alice), 1, "the skipped one consumed nothing");
        ids = _relay(_one(second));
        assertTrue(ids[0] != router.NOT_PLACED(), "the deferred order still goes in");
        assertEq(_locked(alice), 2 * uint256(QUANTITY) * PRICE);
    }

    /// @dev A relayer that drops (censors) nonce 0 blocks nonce 1 only until the trader skips past it.
    function test_invalidateNonces_unblocksOrdersBehindACensoredOne() public {
        IOrderRouter.SignedOrder memory second = _signed(aliceKey, _buy(alice, 1));
        assertEq(_relay(_one(second))[0], router.NOT_PLACED());
        vm.prank(alice);
        router.invalidateNonces(1);
        assertTrue(_relay(_one(second))[0] != router.NOT_PLACED(), "nonce 1 is placeable after the skip");
        // The dropped nonce-0 order is dead now, whoever sends it.
        assertEq(_relay(_one(_signed(aliceKey, _buy(alice, 0))))[0], router.NOT_PLACED());
    }

    /// @dev One batch of several traders, interleaved and with a repeat: each order placed at most once and
    /// for its own trader only.
    function test_placeSignedOrders_mixedTradersAndRepeatsPlaceEachOnceForItsTrader() public {
        IOrderRouter.SignedOrder[] memory batch = new IOrderRouter.SignedOrder[](5);
        batch[0] = _signed(aliceKey, _buy(alice, 0));
        batch[1] = _signed(bobKey, _buy(bob, 0));
        batch[2] = batch[0];
        batch[3] = _signed(aliceKey, _buy(alice, 1));
        batch[4] = batch[1];
        uint256[] memory ids = _relay(batch);
        assertEq(ids[2], router.NOT_PLACED(), "alice's repeat");
        assertEq(ids[4], router.NOT_PLACED(), "bob's repeat");
        assertEq(market.orderOf(ids[0]).account, alice);
        assertEq(market.orderOf(ids[1]).account, bob);
        assertEq(market.orderOf(ids[3]).account, alice);
        assertEq(_locked(alice), 2 * uint256(QUANTITY) * PRICE);
        assertEq(_locked(bob), uint256(QUANTITY) * PRICE);
        assertEq(_locked(relayer), 0, "the relayer pays nothing and locks nothing");
    }

    // ------------------------------------------------------------------------------------------
    // Relayer: too little gas (the 63/64 rule)
    // ------------------------------------------------------------------------------------------

    /// @dev Whatever gas the relayer sends, a placeable order is either placed (nonce consumed, locked) or the
    /// whole call reverts (nothing consumed): never skipped with its nonce burned.
    function testFuzz_placeSignedOrders_lowGasNeverBurnsANonce(uint256 gas) public {
        gas = bound(gas, 30_000, 400_000);
        bytes memory call = abi.encodeCall(
            router.placeSignedOrders,
            (_one(_signed(aliceKey, _buy(alice, 0))))
        );
        vm.prank(relayer);
        (bool ok, ) = address(router).call{gas: gas}(call);
        bool placed = _locked(alice) == uint256(QUANTITY) * PRICE;
        if (!ok) assertEq(market.nonceOf(alice), 0, "a reverted batch consumes nothing");
        else assertEq(market.nonceOf(alice) == 1, placed, "a consumed nonce means a placed order");
    }

    /// empty-reason rule a relayer choosing the gas limit burned the nonce (measured: a lookup of 200,000 gas
    /// or more, at a 228,000 gas limit). With it, every limit places the order or reverts the batch.
    function test_placeSignedOrders_nestedOutOfGasCannotBurnANonce() public {
        _assertNoGasLimitBurnsASellNonce(
            new SlowRegistryFront(address(registry), 1_000_000),
            60_000,
            3_000_000,
            20_000
        );
    }

    /// @dev With the real registry the nested lookup is too cheap for the attack: the leftover gas after a
    /// nested out-of-gas cannot pay for consuming the nonce, so the call reverts instead.
    function test_placeSignedOrders_nestedOutOfGasWithTheRealRegistryCannotBurnANonce() public {
        // Every 500 gas: the window in which the lookup itself runs out is a few thousand gas wide.
        _assertNoGasLimitBurnsASellNonce(new SlowRegistryFront(address(registry), 0), 30_000, 400_000, 500);
    }

    function _assertNoGasLimitBurnsASellNonce(
        SlowRegistryFront front,
        uint256 from,
        uint256 to,
        uint256 step
    ) internal {
        EnergyMarket slowMarket = newMarket(
            IMeterRegistry(address(front)),
            IEnergyMarket.MarketParams(1, 2, 5, 1)
        );
        OrderRouter slowRouter = OrderRouter(slowMarket.orderRouter());
        uint256 actorKey = uint256(keccak256(abi.encodePacked("actor0")));
        _fundIn(slowMarket, actors[0]);
        IOrderRouter.Order memory sell = _buy(actors[0], 0);
        sell.side = IEnergyMarket.Side.Sell;
        sell.meter = meters[0];
        bytes memory call = abi.encodeCall(
            slowRouter.placeSignedOrders,
            (_one(_sign(slowRouter, actorKey, sell)))
        );
        for (uint256 gas = from; gas < to; gas += step) {
            uint256 snapshot = vm.snapshotState();
            (bool ok, ) = address(slowRouter).call{gas: gas}(call);
            (, uint256 locked) = slowMarket.balanceOf(actors[0]);
            if (ok && locked == 0) {
                assertEq(
                    slowMarket.nonceOf(actors[0]),
                    0,
                    string.concat("nonce burned at gas ", vm.toString(gas))
                );
            }
            vm.revertToState(snapshot);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Front-runner
    // ------------------------------------------------------------------------------------------

    /// @dev A front-runner who copies a signed order from the mempool can only place it as signed (for its
    /// trader); changing any field breaks the signature, and the relayer's copy is then a harmless repeat.
    function test_placeSignedOrders_frontRunnerCanOnlyPlaceTheOrderAsSigned() public {
        IOrderRouter.SignedOrder memory signed = _signed(aliceKey, _buy(alice, 0));
        // A fresh struct: assigning `signed` would alias it in memory.
        IOrderRouter.SignedOrder memory tampered = IOrderRouter.SignedOrder(_buy(alice, 0), signed.signature);
        tampered.order.limitPrice = PRICE + 1;
        address frontRunner = makeAddr("front-runner");
        vm.prank(frontRunner);
        assertEq(router.placeSignedOrders(_one(tampered))[0], router.NOT_PLACED(), "a changed price");
        tampered.order = _buy(frontRunner, 0);
        vm.prank(frontRunner);
        assertEq(router.placeSignedOrders(_one(tampered))[0], router.NOT_PLACED(), "a changed trader");
        vm.prank(frontRunner);
        uint256 id = router.placeSignedOrders(_one(signed))[0];
        assertEq(market.orderOf(id).account, alice, "placed for alice, as she signed it");
        assertEq(_relay(_one(signed))[0], router.NOT_PLACED(), "the relayer's copy is a repeat");
        assertEq(_locked(alice), uint256(QUANTITY) * PRICE, "locked once");
    }

    /// @dev Design weakness (holds as documented: "a relayer can censor"): anyone holding a signed order can
    /// pick the moment it fails. An order signed ahead for a slot beyond the horizon is burned by submitting
    /// it now; the trader's later orders are not blocked, but this one is lost. Fix if unwanted: a signed
    /// `notBefore`, or consume the nonce only for permanent refusals (expired, gate closed).
    function test_placeSignedOrders_anyoneCanBurnAnOrderSignedAheadOfTheHorizon() public {
        IOrderRouter.Order memory ahead = _buy(alice, 0);
        ahead.slot = market.lastOpenSlot() + 1;
        ahead.expiry = uint40(block.timestamp + 2 days);
        IOrderRouter.SignedOrder memory signed = _signed(aliceKey, ahead);
        assertEq(_relay(_one(signed))[0], router.NOT_PLACED());
        assertEq(market.nonceOf(alice), 1, "the nonce is burned");
        vm.warp(block.timestamp + 900);
        assertEq(
            _relay(_one(signed))[0],
            router.NOT_PLACED(),
            "once the slot opens it can no longer be placed"
        );
    }

    /// @dev After gate closure a signed order cannot be placed; its nonce is consumed so later ones go on.
    function test_placeSignedOrders_afterGateClosureSkipsAndConsumes() public {
        IOrderRouter.SignedOrder memory signed = _signed(aliceKey, _buy(alice, 0));
        vm.warp(market.gateClosureOf(slot));
        assertEq(_relay(_one(signed))[0], router.NOT_PLACED());
        assertEq(market.nonceOf(alice), 1);
        assertEq(_locked(alice), 0);
    }

    // ------------------------------------------------------------------------------------------
    // Signature malleability and replay across domains
    // ------------------------------------------------------------------------------------------

    /// @dev Only the canonical 65-byte low-s form checks: EIP-2098 compact (64 bytes), v = 0/1, a trailing
    /// byte and high s are refused, and none consumes the nonce.
    function test_placeSignedOrders_nonCanonicalSignaturesAreRefused() public {
        IOrderRouter.Order memory order = _buy(alice, 0);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(aliceKey, router.hashOrder(order));
        bytes32 vs = bytes32(uint256(s) | (uint256(v - 27) << 255));
        uint256 n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141;
        bytes[5] memory forms = [
            abi.encodePacked(r, vs),
            abi.encodePacked(r, s, v - 27),
            abi.encodePacked(r, s, v, uint8(0)),
            abi.encodePacked(r, bytes32(n - uint256(s)), v == 27 ? uint8(28) : uint8(27)),
            abi.encodePacked(r, s, v == 27 ? uint8(28) : uint8(27))
        ];
        for (uint256 i; i < forms.length; ++i) {
            assertEq(_relay(_one(IOrderRouter.SignedOrder(order, forms[i])))[0], router.NOT_PLACED());
        }
        assertEq(market.nonceOf(alice), 0, "refused forms consume nothing");
        assertTrue(
            _relay(_one(IOrderRouter.SignedOrder(order, abi.encodePacked(r, s, v))))[0] != router.NOT_PLACED()
        );
    }

    /// @dev A chain fork: the domain separator follows block.chainid (OZ EIP712 rebuilds its cache), so an
    /// order signed before the fork is refused on the new chain id and a fresh one is accepted.
    function test_placeSignedOrders_chainForkRefusesOldDomainAcceptsNew() public {
        IOrderRouter.SignedOrder memory oldChain = _signed(aliceKey, _buy(alice, 0));
        vm.chainId(block.chainid + 1);
        (, , , uint256 chainId, , , ) = router.eip712Domain();
        assertEq(chainId, block.chainid, "eip712Domain reports the new chain id");
        assertEq(_relay(_one(oldChain))[0], router.NOT_PLACED());
        assertEq(market.nonceOf(alice), 0);
        assertTrue(_relay(_one(_signed(aliceKey, _buy(alice, 0))))[0] != router.NOT_PLACED());
    }

    /// @dev An order signed for another market's router does not check here, and vice versa.
    function test_placeSignedOrders_otherMarketsSignatureIsRefused() public {
        EnergyMarket other = newMarket(registry, IEnergyMarket.MarketParams(1, 2, 5, 1));
        OrderRouter otherRouter = OrderRouter(other.orderRouter());
        assertTrue(otherRouter.hashOrder(_buy(alice, 0)) != router.hashOrder(_buy(alice, 0)));
        IOrderRouter.SignedOrder memory forOther = _sign(otherRouter, aliceKey, _buy(alice, 0));
        assertEq(_relay(_one(forOther))[0], router.NOT_PLACED());
        assertEq(market.nonceOf(alice), 0);
    }

    // ------------------------------------------------------------------------------------------
    // Nonces: overflow, other callers, the admin
    // ------------------------------------------------------------------------------------------

    /// @dev The last nonce 2^32 - 1 is never usable and the field never wraps back to 0 (which would
    /// revive every old signature).
    function test_invalidateNonces_lastNonceNeverWraps() public {
        vm.prank(alice);
        router.invalidateNonces(type(uint32).max - 1);
        IOrderRouter.SignedOrder memory last = _signed(aliceKey, _buy(alice, type(uint32).max - 1));
        assertTrue(_relay(_one(last))[0] != router.NOT_PLACED());
        assertEq(market.nonceOf(alice), type(uint32).max);
        assertEq(_relay(_one(_signed(aliceKey, _buy(alice, type(uint32).max))))[0], router.NOT_PLACED());
        assertEq(_relay(_one(_signed(aliceKey, _buy(alice, 0))))[0], router.NOT_PLACED(), "no wrap to 0");
        assertEq(market.nonceOf(alice), type(uint32).max);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOrderRouter.RouterNonceNotAhead.selector,
                type(uint32).max,
                type(uint32).max
            )
        );
        router.invalidateNonces(type(uint32).max);
    }

    /// @dev invalidateNonces only ever moves the caller's own nonce.
    function test_invalidateNonces_bySomeoneElseLeavesTheTraderAlone() public {
        vm.prank(bob);
        router.invalidateNonces(1_000);
        assertEq(market.nonceOf(bob), 1_000);
        assertEq(market.nonceOf(alice), 0);
        assertTrue(_relay(_one(_signed(aliceKey, _buy(alice, 0))))[0] != router.NOT_PLACED());
    }

    /// @dev Nobody but the router, admin and grid operator included, reaches placeOrderFor or advanceNonce;
    /// the router is the market's first CREATE (made in its constructor, immutable).
    function test_placeOrderFor_refusesEveryoneButTheRouter() public {
        assertEq(address(router), vm.computeCreateAddress(address(market), 1));
        assertTrue(market.hasRole(market.DEFAULT_ADMIN_ROLE(), address(this)));
        address[3] memory callers = [address(this), relayer, alice];
        for (uint256 i; i < callers.length; ++i) {
            vm.startPrank(callers[i]);
            vm.expectRevert(abi.encodeWithSelector(IEnergyMarket.MarketNotRouter.selector, callers[i]));
            market.placeOrderFor(alice, 0, slot, IEnergyMarket.Side.Buy, QUANTITY, PRICE, address(0));
            vm.expectRevert(abi.encodeWithSelector(IEnergyMarket.MarketNotRouter.selector, callers[i]));
            market.advanceNonce(alice, 0, 5);
            vm.stopPrank();
        }
        assertEq(market.nonceOf(alice), 0);
    }

    /// @dev Neither the relayer, the router's address, nor the admin can cancel a relayed order.
    function test_cancelOrder_onlyTheTraderCancelsARelayedOrder() public {
        uint256 id = _relay(_one(_signed(aliceKey, _buy(alice, 0))))[0];
        address[3] memory callers = [relayer, address(router), address(this)];
        for (uint256 i; i < callers.length; ++i) {
            vm.prank(callers[i]);
            vm.expectRevert(
                abi.encodeWithSelector(IEnergyMarket.MarketNotOrderOwner.selector, id, callers[i])
            );
            market.cancelOrder(id);
        }
        vm.prank(alice);
        market.cancelOrder(id);
        assertEq(_locked(alice), 0, "the trader's cancel releases the lock");
        assertEq(_free(alice), DEPOSIT);
    }

    // ------------------------------------------------------------------------------------------
    // Ledger word: 112-bit balances beside the nonce
    // ------------------------------------------------------------------------------------------

    /// @dev A deposit that would pass 2^112 - 1 reverts; the nonce survives every balance change.
    function test_deposit_overflowAt112BitsRevertsAndKeepsTheNonce() public {
        vm.prank(alice);
        router.invalidateNonces(type(uint32).max - 1);
        uint256 room = type(uint112).max - _free(alice);
        token.mint(alice, room + 1);
        vm.startPrank(alice);
        market.deposit(room);
        assertEq(_free(alice), type(uint112).max);
        vm.expectRevert(abi.encodeWithSelector(IEnergyMarket.MarketBalanceOverflow.selector, alice));
        market.deposit(1);
        market.withdraw(room);
        vm.stopPrank();
        assertEq(market.nonceOf(alice), type(uint32).max - 1, "deposit and withdraw kept the nonce");
    }

    /// @dev Balances and nonce never bleed into each other, at any value.
    function testFuzz_ledger_nonceAndBalancesAreIndependent(uint32 nonce, uint96 amount) public {
        nonce = uint32(bound(nonce, 1, type(uint32).max));
        amount = uint96(bound(amount, 1, type(uint96).max));
        vm.prank(alice);
        router.invalidateNonces(nonce);
        token.mint(alice, amount);
        vm.prank(alice);
        market.deposit(amount);
        assertEq(_free(alice), DEPOSIT + amount);
        assertEq(_locked(alice), 0);
        assertEq(market.nonceOf(alice), nonce);
        vm.prank(alice);
        market.placeOrder(slot, IEnergyMarket.Side.Buy, QUANTITY, PRICE, address(0));
        assertEq(_locked(alice), uint256(QUANTITY) * PRICE);
        assertEq(market.nonceOf(alice), nonce, "a direct order uses no nonce");
    }

    // ------------------------------------------------------------------------------------------
    // Liveness: every lock of a relayed order is released
    // ------------------------------------------------------------------------------------------

    /// @dev Relayed buy and sell trade, clear and settle: every lock comes back.
    function test_settle_releasesEveryLockOfRelayedOrders() public {
        uint256 actorKey = uint256(keccak256(abi.encodePacked("actor1")));
        IOrderRouter.Order memory sell = _buy(actors[1], 0);
        sell.side = IEnergyMarket.Side.Sell;
        sell.meter = meters[1];
        sell.limitPrice = 4;
        IOrderRouter.Order memory lowBuy = _buy(bob, 0);
        lowBuy.limitPrice = 1;
        IOrderRouter.SignedOrder[] memory batch = new IOrderRouter.SignedOrder[](3);
        batch[0] = _signed(aliceKey, _buy(alice, 0));
        batch[1] = _sign(router, actorKey, sell);
        batch[2] = _signed(bobKey, lowBuy);
        uint256[] memory ids = _relay(batch);
        for (uint256 i; i < ids.length; ++i) assertTrue(ids[i] != router.NOT_PLACED());
        vm.warp(market.gateClosureOf(slot));
        market.clear(slot);
        assertEq(_locked(alice), 0, "a filled buy's lock goes to escrow");
        assertEq(_locked(bob), 0, "an unfilled buy is released at clearing");
        vm.warp(registry.slotEnd(slot));
        registry.submitReading(signedReading(1, slot, uint32(QUANTITY)));
        vm.warp(market.readingWindowEnd(slot));
        market.settle(slot);
        assertEq(_locked(actors[1]), 0, "the seller's collateral is back");
        assertEq(_free(bob), DEPOSIT);
    }

    /// @dev A relayed order evicted from a full side gets its lock back; a relayed order that cannot enter a
    /// full side is skipped and its nonce consumed, so the trader's next order is not blocked.
    function test_placeSignedOrders_evictionAndFullSideWithRelayedOrders() public {
        IOrderRouter.Order memory cheap = _buy(alice, 0);
        cheap.limitPrice = 5;
        _relay(_one(_signed(aliceKey, cheap)));
        uint32 perSide = market.maxOrdersPerSide();
        vm.startPrank(actors[0]);
        for (uint256 i = 1; i < perSide; ++i)
            market.placeOrder(slot, IEnergyMarket.Side.Buy, QUANTITY, PRICE, address(0));
        market.placeOrder(slot, IEnergyMarket.Side.Buy, QUANTITY, PRICE, address(0));
        vm.stopPrank();
        assertEq(_locked(alice), 0, "the evicted relayed order's lock is released");
        assertEq(_free(alice), DEPOSIT);
        IOrderRouter.Order memory tooLow = _buy(bob, 0);
        tooLow.limitPrice = PRICE;
        assertEq(_relay(_one(_signed(bobKey, tooLow)))[0], router.NOT_PLACED(), "no better than the worst");
        assertEq(market.nonceOf(bob), 1);
        assertEq(_locked(bob), 0);
    }

    // ------------------------------------------------------------------------------------------
    // Finding one's order id
    // ------------------------------------------------------------------------------------------

    /// @dev A household finds its relayed order through OrderPlaced (indexed by its account) and can cancel
    /// it; the event carries no nonce or order hash, so two identical signed orders are told apart only by
    /// id (see the report: a SignedOrderPlaced(orderHash, orderId) event would make the link explicit).
    function test_placeSignedOrders_orderPlacedNamesTheTraderAndTheId() public {
        IOrderRouter.SignedOrder memory signed = _signed(aliceKey, _buy(alice, 0));
        uint256 expectedId = (uint256(slot) << 64) | 0;
        vm.expectEmit(address(market));
        emit IEnergyMarket.OrderPlaced(
            expectedId,
            alice,
            slot,
            IEnergyMarket.Side.Buy,
            QUANTITY,
            PRICE,
            0,
            uint256(QUANTITY) * PRICE
        );
        uint256[] memory ids = _relay(_one(signed));
        assertEq(ids[0], expectedId, "the returned id is the event's");
    }
}
