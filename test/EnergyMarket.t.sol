// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {Vm} from "forge-std/Vm.sol";

import {EnergyMarket} from "../contracts/EnergyMarket.sol";
import {GridStablecoin} from "../contracts/GridStablecoin.sol";
import {MeterRegistry} from "../contracts/MeterRegistry.sol";
import {IEnergyMarket} from "../contracts/interfaces/IEnergyMarket.sol";
import {IMeterRegistry} from "../contracts/interfaces/IMeterRegistry.sol";
import {ReferenceClearing} from "./libraries/UniformPriceClearing.t.sol";

uint256 constant SLOT_LENGTH = 900;
uint256 constant READING_WINDOW = 1800;
uint64 constant HORIZON = 8;
uint32 constant CAP = 40;
uint256 constant ACTORS = 4;

/// @dev Deploys registry, stablecoin and market on one clock, with ACTORS traders each owning a generation meter.
abstract contract MarketSetup is Test {
    MeterRegistry internal registry;
    GridStablecoin internal token;
    EnergyMarket internal market;
    address internal gridAccount = makeAddr("grid");
    address[ACTORS] internal actors;
    uint256[ACTORS] internal meterKeys;
    address[ACTORS] internal meters;

    function deployMarket(uint64 minOrderWh, uint64 collateral, uint64 penalty) internal {
        vm.warp(1_800_000_000);
        uint256 genesis = block.timestamp - (block.timestamp % SLOT_LENGTH);
        registry = new MeterRegistry(address(this), genesis, SLOT_LENGTH, READING_WINDOW, HORIZON + 1);
        registry.grantRole(registry.GRID_OPERATOR_ROLE(), address(this));
        token = new GridStablecoin(address(this));
        market = newMarket(registry, IEnergyMarket.MarketParams(uint32(minOrderWh), collateral, penalty, 1));
        for (uint256 i; i < ACTORS; ++i) {
            actors[i] = makeAddr(string.concat("actor", vm.toString(i)));
            meterKeys[i] = uint256(keccak256(abi.encode("meter key", i)));
            meters[i] = vm.addr(meterKeys[i]);
            registry.registerMeter(
                meters[i],
                actors[i],
                IMeterRegistry.MeterKind.Generation,
                IMeterRegistry.EnergySource.Solar,
                1_000_000, // 1 MW: 250,000 Wh per slot
                bytes8("Z1"),
                0
            );
        }
    }

    /// @dev A market on `registry_` and this setup's token, clock and roles (this contract is admin and grid
    /// operator), with `params` for its slots: the one place the tests build a MarketConfig.
    function newMarket(
        IMeterRegistry registry_,
        IEnergyMarket.MarketParams memory params
    ) internal returns (EnergyMarket) {
        return
            new EnergyMarket(
                IEnergyMarket.MarketConfig({
                    token: token,
                    registry: registry_,
                    admin: address(this),
                    gridOperator: address(this),
                    gridOperatorAccount: gridAccount,
                    horizonSlots: HORIZON,
                    gateClosureSeconds: 300,
                    maxOrdersPerSlot: CAP,
                    params: params
                })
            );
    }

    /// @dev A reading signed with the meter's key, in compact EIP-2098 form.
    function signedReading(
        uint256 actor,
        uint64 slot,
        uint32 exportedWh
    ) internal view returns (IMeterRegistry.SignedReading memory reading) {
        bytes32 commitment = registry.importedCommitment(
            meters[actor],
            slot,
            0,
            keccak256(abi.encode(actor))
        );
        bytes32 digest = registry.readingDigest(meters[actor], slot, exportedWh, commitment);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(meterKeys[actor], digest);
        bytes32 vs = bytes32(uint256(s) | (uint256(v - 27) << 255));
        reading = IMeterRegistry.SignedReading(meters[actor], slot, exportedWh, commitment, r, vs);
    }
}

/// @dev Drives the market with bounded random calls and keeps ghost totals.
contract MarketHandler is Test {
    EnergyMarket internal immutable market;
    GridStablecoin internal immutable token;
    MeterRegistry internal immutable registry;
    MarketSetupView internal immutable setup;

    uint256 public ghostDeposited;
    uint256 public ghostWithdrawn;
    /// @dev Set when a cleared slot's buy fills, sell fills and Q disagree.
    bool public ghostFillMismatch;
    uint256 public clearedSlots;
    uint256 public settledSlots;

    uint64[] internal _slots;
    mapping(uint64 slot => bool) internal _known;
    mapping(uint64 slot => uint256[]) internal _orderIds;

    constructor(EnergyMarket market_, MarketSetupView setup_) {
        market = market_;
        token = GridStablecoin(address(market_.token()));
        registry = MeterRegistry(address(market_.registry()));
        setup = setup_;
    }

    function slots() external view returns (uint64[] memory) {
        return _slots;
    }

    function deposit(uint256 actorSeed, uint256 amount) external {
        address actor = setup.actor(actorSeed % ACTORS);
        amount = bound(amount, 1, 1e12);
        token.mint(actor, amount);
        vm.startPrank(actor);
        token.approve(address(market), amount);
        market.deposit(amount);
        vm.stopPrank();
        ghostDeposited += amount;
    }

    function withdraw(uint256 actorSeed, uint256 amount) external {
        address actor = setup.actor(actorSeed % ACTORS);
        (uint256 free, ) = market.balanceOf(actor);
        if (free == 0) return;
        amount = bound(amount, 1, free);
        vm.prank(actor);
        market.withdraw(amount);
        ghostWithdrawn += amount;
    }

    function placeOrder(
        uint256 actorSeed,
        uint256 slotSeed,
        bool sell,
        uint256 quantity,
        uint256 price
    ) external {
        uint256 actorIndex = actorSeed % ACTORS;
        address actor = setup.actor(actorIndex);
        uint64 slot = market.currentSlot() + 1 + uint64(slotSeed % HORIZON);
        if (block.timestamp >= market.gateClosureOf(slot)) return;
        IEnergyMarket.SlotInfo memory info = market.slotInfo(slot);
        if (info.buyOrders + info.sellOrders >= CAP) return;
        // Small prices with ties, quantities from tiny to large.
        price = bound(price, 0, 30);
        quantity = quantity % 3 == 0 ? bound(quantity, 1, 5) : bound(quantity, 1, 300_000);
        uint256 lock = sell ? quantity * info.params.sellerCollateralPerWh : quantity * price;
        (uint256 free, ) = market.balanceOf(actor);
        if (free < lock) this.deposit(actorIndex, lock - free);
        // The ring position may hold an older, unsettled slot: finish it first (anyone may).
        _finishOccupant(slot);
        vm.prank(actor);
        uint256 id = market.placeOrder(
            slot,
            sell ? IEnergyMarket.Side.Sell : IEnergyMarket.Side.Buy,
            uint48(quantity),
            uint64(price),
            sell ? setup.meter(actorIndex) : address(0)
        );
        if (!_known[slot]) {
            _known[slot] = true;
            _slots.push(slot);
        }
        _orderIds[slot].push(id);
    }

    function cancel(uint256 slotSeed, uint256 orderSeed) external {
        if (_slots.length == 0) return;
        uint64 slot = _slots[slotSeed % _slots.length];
        uint256[] storage ids = _orderIds[slot];
        if (ids.length == 0 || block.timestamp >= market.gateClosureOf(slot)) return;
        uint256 id = ids[orderSeed % ids.length];
        IEnergyMarket.Order memory order = market.orderOf(id);
        if (order.status != IEnergyMarket.OrderStatus.Live) return;
        vm.prank(order.account);
        market.cancelOrder(id);
    }

    function clear(uint256 slotSeed) external {
        if (_slots.length == 0) return;
        _clear(_slots[slotSeed % _slots.length]);
    }

    function submitReading(uint256 actorSeed, uint256 slotSeed, uint256 exported) external {
        if (_slots.length == 0) return;
        uint64 slot = _slots[slotSeed % _slots.length];
        if (block.timestamp < registry.slotEnd(slot) || block.timestamp >= registry.readingWindowEnd(slot))
            return;
        uint256 actorIndex = actorSeed % ACTORS;
        if (registry.readingOf(setup.meter(actorIndex), slot).recorded) return;
        registry.submitReading(setup.reading(actorIndex, slot, uint32(bound(exported, 0, 250_000))));
    }

    function settle(uint256 slotSeed) external {
        if (_slots.length == 0) return;
        _settle(_slots[slotSeed % _slots.length]);
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 2 hours));
    }

    /// @dev Drives every known slot to its end: clear, then settle once the reading window closed.
    function finishAll() external {
        if (_slots.length == 0) return;
        uint64 last = _slots[0];
        for (uint256 i; i < _slots.length; ++i) if (_slots[i] > last) last = _slots[i];
        uint256 end = registry.readingWindowEnd(last);
        if (block.timestamp < end) vm.warp(end);
        for (uint256 i; i < _slots.length; ++i) {
            _clear(_slots[i]);
            _settle(_slots[i]);
        }
    }

    function _finishOccupant(uint64 slot) internal {
        uint64 older = slot >= 256 ? slot - 256 : slot;
        if (older == slot || !_known[older]) return;
        _clear(older);
        _settle(older);
    }

    function _clear(uint64 slot) internal {
        if (block.timestamp < market.gateClosureOf(slot)) return;
        if (market.slotInfo(slot).status != IEnergyMarket.SlotStatus.Open) return;
        market.clear(slot);
        ++clearedSlots;
        // Buy fills, sell fills and Q must agree to the Wh.
        uint256 buys;
        uint256 sells;
        uint256[] storage ids = _orderIds[slot];
        for (uint256 i; i < ids.length; ++i) {
            uint256 fill = market.fillOf(ids[i]);
            if ((ids[i] >> 32) & 1 == 0) buys += fill;
            else sells += fill;
        }
        if (buys != sells || buys != market.slotInfo(slot).clearedWh) ghostFillMismatch = true;
    }

    function _settle(uint64 slot) internal {
        if (block.timestamp < market.readingWindowEnd(slot)) return;
        if (market.slotInfo(slot).status != IEnergyMarket.SlotStatus.Cleared) return;
        market.settle(slot);
        ++settledSlots;
    }
}

/// @dev What the handler needs from the setup (actors, meters, signatures).
contract MarketSetupView is MarketSetup {
    function actor(uint256 i) external view returns (address) {
        return actors[i];
    }

    function meter(uint256 i) external view returns (address) {
        return meters[i];
    }

    function reading(
        uint256 i,
        uint64 slot,
        uint32 exportedWh
    ) external view returns (IMeterRegistry.SignedReading memory) {
        return signedReading(i, slot, exportedWh);
    }
}

contract EnergyMarketInvariantTest is MarketSetupView, ReferenceClearing {
    MarketHandler internal handler;

    function setUp() public {
        deployMarket(1, 2, 3);
        handler = new MarketHandler(market, MarketSetupView(address(this)));
        token.grantRole(token.MINTER_ROLE(), address(handler));
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](8);
        selectors[0] = MarketHandler.deposit.selector;
        selectors[1] = MarketHandler.withdraw.selector;
        selectors[2] = MarketHandler.placeOrder.selector;
        selectors[3] = MarketHandler.cancel.selector;
        selectors[4] = MarketHandler.clear.selector;
        selectors[5] = MarketHandler.submitReading.selector;
        selectors[6] = MarketHandler.settle.selector;
        selectors[7] = MarketHandler.warp.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    function _liabilities() internal view returns (uint256 total, uint256 locked) {
        total = market.escrowed();
        for (uint256 i; i < ACTORS; ++i) {
            (uint256 free, uint256 lockedPart) = market.balanceOf(actors[i]);
            total += free + lockedPart;
            locked += lockedPart;
        }
        (uint256 gf, uint256 gl) = market.balanceOf(gridAccount);
        total += gf + gl;
        locked += gl;
    }

    /// @dev The market holds at least (here: exactly) what it owes: balances, locks and escrow.
    function invariant_solvent() public view {
        (uint256 owed, ) = _liabilities();
        uint256 held = token.balanceOf(address(market));
        assertGe(held, owed);
        assertEq(held, handler.ghostDeposited() - handler.ghostWithdrawn());
        assertEq(owed, held, "every token is someone's balance or a slot's escrow");
    }

    /// @dev Buy fills = sell fills = Q for every cleared slot.
    function invariant_fillsMatchQuantity() public view {
        assertFalse(handler.ghostFillMismatch());
    }

    /// @dev Every lock is eventually released: finishing every slot leaves nothing locked and no escrow.
    function afterInvariant() public {
        handler.finishAll();
        (, uint256 locked) = _liabilities();
        assertEq(locked, 0, "locks left after every slot ran its course");
        assertEq(market.escrowed(), 0);
        invariant_solvent();
    }
}

/// @dev The contract's clearing against the reference, through placeOrder and clear.
contract EnergyMarketClearingFuzzTest is MarketSetup, ReferenceClearing {
    function setUp() public {
        deployMarket(1, 1, 0);
        for (uint256 i; i < ACTORS; ++i) {
            token.mint(actors[i], 1e30);
            vm.startPrank(actors[i]);
            token.approve(address(market), type(uint256).max);
            market.deposit(1e24);
            vm.stopPrank();
        }
    }

    struct Book {
        uint256[] bp;
        uint256[] bq;
        uint256[] sp;
        uint256[] sq;
        uint256[] buyIds;
        uint256[] sellIds;
        uint256 buys;
        uint256 sells;
    }

    function testFuzz_clearMatchesReference(uint256 seed) public {
        uint64 slot = market.currentSlot() + 2;
        (Book memory book, uint256 nb, uint256 ns, uint256 maxPrice) = _randomBook(slot, seed);
        if (nb + ns == 0) return;
        Outcome memory ref = referenceClear(book.bp, book.bq, book.sp, book.sq, maxPrice);
        vm.warp(market.gateClosureOf(slot));
        market.clear(slot);
        IEnergyMarket.SlotInfo memory info = market.slotInfo(slot);
        assertEq(info.clearedWh, ref.quantity, "Q");
        assertEq(info.price, ref.price, "P");
        for (uint256 i; i < nb; ++i) assertEq(market.fillOf(book.buyIds[i]), ref.buyFills[i], "buy fill");
        for (uint256 i; i < ns; ++i) assertEq(market.fillOf(book.sellIds[i]), ref.sellFills[i], "sell fill");
    }

    /// @dev The clearing's OrderFilled events alone give every account's free balance change and every fill.
    function testFuzz_clear_orderFilledEventsGiveEveryFillAndRelease(uint256 seed) public {
        uint64 slot = market.currentSlot() + 2;
        (, uint256 nb, uint256 ns, ) = _randomBook(slot, seed);
        if (nb + ns == 0) return;
        uint256[ACTORS] memory freeBefore;
        for (uint256 i; i < ACTORS; ++i) (freeBefore[i], ) = market.balanceOf(actors[i]);
        vm.warp(market.gateClosureOf(slot));
        vm.recordLogs();
        market.clear(slot);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint256[ACTORS] memory released;
        uint256 events;
        for (uint256 k; k < logs.length; ++k) {
            if (logs[k].topics[0] != IEnergyMarket.OrderFilled.selector) continue;
            ++events;
            assertEq(uint64(uint256(logs[k].topics[1])), slot, "slot topic");
            uint256 orderId = uint256(logs[k].topics[3]);
            (uint256 fill, uint256 release) = abi.decode(logs[k].data, (uint256, uint256));
            assertEq(fill, market.fillOf(orderId), "fill");
            address owner = market.orderOf(orderId).account;
            assertEq(uint256(logs[k].topics[2]), market.accountIdOf(owner), "account id topic");
            for (uint256 i; i < ACTORS; ++i) if (actors[i] == owner) released[i] += release;
        }
        assertEq(events, nb + ns, "one OrderFilled per live order");
        for (uint256 i; i < ACTORS; ++i) {
            (uint256 free, ) = market.balanceOf(actors[i]);
            assertEq(free - freeBefore[i], released[i], "free balance change = sum of released");
        }
    }

    /// @dev Up to 15 buys and 15 sells at random limits and quantities, interleaved in a random arrival order
    /// (ids stay in arrival order per side).
    function _randomBook(
        uint64 slot,
        uint256 seed
    ) internal returns (Book memory book, uint256 nb, uint256 ns, uint256 maxPrice) {
        nb = uint256(keccak256(abi.encode(seed, "nb"))) % 16;
        ns = uint256(keccak256(abi.encode(seed, "ns"))) % 16;
        maxPrice = seed % 2 == 0 ? 6 : 40;
        book = Book(
            new uint256[](nb),
            new uint256[](nb),
            new uint256[](ns),
            new uint256[](ns),
            new uint256[](nb),
            new uint256[](ns),
            0,
            0
        );
        for (uint256 k; k < nb + ns; ++k) _placeRandom(book, slot, seed, k, maxPrice);
    }

    function _placeRandom(Book memory book, uint64 slot, uint256 seed, uint256 k, uint256 maxPrice) internal {
        bool buyNext =
            book.sells == book.sp.length ||
                (book.buys < book.bp.length && uint256(keccak256(abi.encode(seed, "turn", k))) % 2 == 0);
        uint256 r = uint256(keccak256(abi.encode(seed, k)));
        uint256 actor = r % ACTORS;
        // From 1: no order may lock nothing (a buy names at least the minimum buy price of 1).
        uint256 price = 1 + ((r >> 8) % maxPrice);
        uint256 quantity = (r >> 16) % 4 == 0 ? 1 + ((r >> 24) % 3) : 1 + ((r >> 24) % 1e9);
        vm.prank(actors[actor]);
        if (buyNext) {
            (book.bp[book.buys], book.bq[book.buys]) = (price, quantity);
            book.buyIds[book.buys++] = market.placeOrder(
                slot,
                IEnergyMarket.Side.Buy,
                uint48(quantity),
                uint64(price),
                address(0)
            );
        } else {
            (book.sp[book.sells], book.sq[book.sells]) = (price, quantity);
            book.sellIds[book.sells++] = market.placeOrder(
                slot,
                IEnergyMarket.Side.Sell,
                uint48(quantity),
                uint64(price),
                meters[actor]
            );
        }
    }
}

/// @dev The per-order record in events: every live order's fill and release at clearing, every filled sell
/// order's delivery and penalty at settlement, with exact values.
contract EnergyMarketEventsTest is MarketSetup {
    uint64 internal slot;

    function setUp() public {
        deployMarket(1, 2, 5);
        for (uint256 i; i < ACTORS; ++i) {
            token.mint(actors[i], 1e12);
            vm.startPrank(actors[i]);
            token.approve(address(market), type(uint256).max);
            market.deposit(1e12);
            vm.stopPrank();
        }
        slot = market.currentSlot() + 2;
    }

    /// @dev Buys: 100 Wh at 10 (actor 0), 10 Wh at 3 (actor 3, below a*); sells: 60 Wh at 4 from actors 1
    /// and 2, a tie at a* = 4 sharing Q = 100 pro rata. P = floor((4 + 10) / 2) = 7.
    function _placeTiedBook() internal returns (uint256[2] memory buyIds, uint256[2] memory sellIds) {
        vm.prank(actors[0]);
        buyIds[0] = market.placeOrder(slot, IEnergyMarket.Side.Buy, 100, 10, address(0));
        vm.prank(actors[3]);
        buyIds[1] = market.placeOrder(slot, IEnergyMarket.Side.Buy, 10, 3, address(0));
        vm.prank(actors[1]);
        sellIds[0] = market.placeOrder(slot, IEnergyMarket.Side.Sell, 60, 4, meters[1]);
        vm.prank(actors[2]);
        sellIds[1] = market.placeOrder(slot, IEnergyMarket.Side.Sell, 60, 4, meters[2]);
    }

    function test_placeOrder_emitsTheLock() public {
        uint256 id = (uint256(slot) << 64) | (1 << 32);
        vm.expectEmit(address(market));
        emit IEnergyMarket.OrderPlaced(id, actors[1], slot, IEnergyMarket.Side.Sell, 60, 4, 2, 120);
        vm.prank(actors[1]);
        market.placeOrder(slot, IEnergyMarket.Side.Sell, 60, 4, meters[1]);
    }

    function test_clear_emitsEveryOrdersFillAndRelease_partiallyFilledTie() public {
        (uint256[2] memory buyIds, uint256[2] memory sellIds) = _placeTiedBook();
        vm.warp(market.gateClosureOf(slot));
        // Buys in ascending limit, then sells: the clearing loops walk the sorted entries.
        vm.expectEmit(address(market));
        emit IEnergyMarket.OrderFilled(slot, market.accountIdOf(actors[3]), buyIds[1], 0, 30);
        vm.expectEmit(address(market));
        emit IEnergyMarket.OrderFilled(slot, market.accountIdOf(actors[0]), buyIds[0], 100, 1000 - 700);
        vm.expectEmit(address(market));
        emit IEnergyMarket.OrderFilled(slot, market.accountIdOf(actors[1]), sellIds[0], 50, 10 * 2);
        vm.expectEmit(address(market));
        emit IEnergyMarket.OrderFilled(slot, market.accountIdOf(actors[2]), sellIds[1], 50, 10 * 2);
        vm.expectEmit(address(market));
        emit IEnergyMarket.SlotCleared(slot, 7, 100, 2, 2);
        market.clear(slot);
        (, uint256 locked0) = market.balanceOf(actors[0]);
        (, uint256 locked1) = market.balanceOf(actors[1]);
        assertEq(locked0, 0, "a buyer's whole lock leaves at clearing");
        assertEq(locked1, 50 * 2, "a seller keeps fill x collateral locked");
    }

    function test_settle_emitsDeliveryAndPenalty_shortfall() public {
        (, uint256[2] memory sellIds) = _placeTiedBook();
        vm.warp(market.gateClosureOf(slot));
        market.clear(slot);
        vm.warp(registry.slotEnd(slot));
        registry.submitReading(signedReading(1, slot, 50));
        registry.submitReading(signedReading(2, slot, 40));
        vm.warp(market.readingWindowEnd(slot));
        (uint256 free2, ) = market.balanceOf(actors[2]);
        vm.expectEmit(address(market));
        emit IEnergyMarket.SellOrderSettled(slot, market.accountIdOf(actors[1]), sellIds[0], 50, 0);
        vm.expectEmit(address(market));
        // 10 Wh short at 5 per Wh, under the order's collateral of 100.
        emit IEnergyMarket.SellOrderSettled(slot, market.accountIdOf(actors[2]), sellIds[1], 40, 50);
        vm.expectEmit(address(market));
        emit IEnergyMarket.SlotSettled(slot, 90, 10, 50);
        market.settle(slot);
        (uint256 free2After, uint256 locked2) = market.balanceOf(actors[2]);
        assertEq(free2After - free2, 100 - 50 + 7 * 40, "collateral - penalty + P x delivered");
        assertEq(locked2, 0);
        (uint256 gridFree, ) = market.balanceOf(gridAccount);
        assertEq(gridFree, 7 * 10 + 50, "P x shortfall + penalty");
    }
}
