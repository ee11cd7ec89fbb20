// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";

import {EnergyMarket} from "../contracts/EnergyMarket.sol";
import {GridStablecoin} from "../contracts/GridStablecoin.sol";
import {OrderRouter} from "../contracts/OrderRouter.sol";
import {IEnergyMarket} from "../contracts/interfaces/IEnergyMarket.sol";
import {IOrderRouter} from "../contracts/interfaces/IOrderRouter.sol";
import {MarketSetup, HORIZON} from "./EnergyMarket.t.sol";

uint256 constant SIGNERS = 3;

/// @dev Relays signed buys (fresh, nonce ahead, replayed, forged, expired), invalidates nonces, cancels
/// placed orders and clears slots; counts every placement per signed order.
contract OrderRouterHandler is Test {
    EnergyMarket internal immutable market;
    OrderRouter internal immutable router;
    uint256[SIGNERS] internal keys;
    address[SIGNERS] public traders;

    /// @dev Every signed order made so far (replays pick from here) and its placements.
    IOrderRouter.SignedOrder[] internal _signed;
    mapping(bytes32 orderHash => uint256 placements) public placements;
    uint256 public maxPlacements;
    uint64[] internal _slots;
    mapping(uint64 slot => bool) internal _known;
    uint256[] internal _placedIds;
    address[] internal _placedBy;

    constructor(EnergyMarket market_) {
        market = market_;
        router = OrderRouter(market_.orderRouter());
        GridStablecoin token = GridStablecoin(address(market_.token()));
        for (uint256 i; i < SIGNERS; ++i) {
            keys[i] = uint256(keccak256(abi.encode("signer", i)));
            traders[i] = vm.addr(keys[i]);
            token.mint(traders[i], 1e12);
            vm.startPrank(traders[i]);
            token.approve(address(market_), 1e12);
            market_.deposit(1e12);
            vm.stopPrank();
        }
    }

    function slots() external view returns (uint64[] memory) {
        return _slots;
    }

    /// @dev A new signed buy of trader `who`, nonce next + `ahead` % 3, placed alone or twice in a row.
    function relayNew(uint256 who, uint256 ahead, uint256 slotSeed, uint48 quantity, bool twice) external {
        uint256 i = who % SIGNERS;
        IOrderRouter.Order memory o = IOrderRouter.Order({
            trader: traders[i],
            slot: market.currentSlot() + 1 + uint64(slotSeed % HORIZON),
            side: IEnergyMarket.Side.Buy,
            quantityWh: uint48(bound(quantity, 1, 1_000)),
            limitPrice: 10,
            meter: address(0),
            nonce: market.nonceOf(traders[i]) + uint32(ahead % 3),
            expiry: uint40(block.timestamp + (ahead % 5 == 0 ? 0 : 3_600))
        });
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(
            ahead % 7 == 0 ? keys[(i + 1) % SIGNERS] : keys[i],
            router.hashOrder(o)
        );
        _signed.push(IOrderRouter.SignedOrder(o, abi.encodePacked(r, s, v)));
        _relay(_signed.length - 1, twice);
    }

    /// @dev Relays again an order signed before.
    function replay(uint256 seed) external {
        if (_signed.length == 0) return;
        _relay(seed % _signed.length, false);
    }

    function invalidate(uint256 who, uint8 step) external {
        address trader = traders[who % SIGNERS];
        uint256 next = uint256(market.nonceOf(trader)) + 1 + (step % 3);
        vm.prank(trader);
        router.invalidateNonces(uint32(next));
    }

    function cancel(uint256 seed) external {
        if (_placedIds.length == 0) return;
        uint256 k = seed % _placedIds.length;
        vm.prank(_placedBy[k]);
        try market.cancelOrder(_placedIds[k]) {} catch {}
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 2 * 900));
        _clearClosed();
    }

    /// @dev Clears every slot whose gate closed (buys only: nothing trades, every lock is released).
    function finishAll() external {
        vm.warp(block.timestamp + (HORIZON + 2) * 900);
        _clearClosed();
    }

    function _clearClosed() internal {
        for (uint256 k; k < _slots.length; ++k) {
            uint64 slot = _slots[k];
            if (block.timestamp < market.gateClosureOf(slot)) continue;
            try market.clear(slot) {} catch {}
        }
    }

    function _relay(uint256 index, bool twice) internal {
        IOrderRouter.SignedOrder[] memory batch = new IOrderRouter.SignedOrder[](twice ? 2 : 1);
        batch[0] = _signed[index];
        if (twice) batch[1] = _signed[index];
        bytes32 orderHash = router.hashOrder(batch[0].order);
        uint256[] memory ids = router.placeSignedOrders(batch);
        for (uint256 k; k < ids.length; ++k) {
            if (ids[k] == router.NOT_PLACED()) continue;
            uint256 count = ++placements[orderHash];
            if (count > maxPlacements) maxPlacements = count;
            _placedIds.push(ids[k]);
            _placedBy.push(batch[0].order.trader);
            uint64 slot = batch[0].order.slot;
            if (!_known[slot]) {
                _known[slot] = true;
                _slots.push(slot);
            }
        }
    }
}

contract OrderRouterInvariantTest is MarketSetup {
    OrderRouterHandler internal handler;

    function setUp() public {
        deployMarket(1, 2, 3);
        // The handler's constructor funds its signers: it needs the minter role before it exists.
        token.grantRole(
            token.MINTER_ROLE(),
            vm.computeCreateAddress(address(this), vm.getNonce(address(this)))
        );
        handler = new OrderRouterHandler(market);
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](5);
        selectors[0] = OrderRouterHandler.relayNew.selector;
        selectors[1] = OrderRouterHandler.replay.selector;
        selectors[2] = OrderRouterHandler.invalidate.selector;
        selectors[3] = OrderRouterHandler.cancel.selector;
        selectors[4] = OrderRouterHandler.warp.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @dev Replay protection: no signed order was ever placed twice.
    function invariant_signedOrderPlacedAtMostOnce() public view {
        assertLe(handler.maxPlacements(), 1);
    }

    /// @dev The market stays solvent: its token balance covers every free and locked balance.
    function invariant_locksBacked() public view {
        uint256 total;
        for (uint256 i; i < SIGNERS; ++i) {
            (uint256 free, uint256 locked) = market.balanceOf(handler.traders(i));
            total += free + locked;
        }
        assertGe(token.balanceOf(address(market)), total);
    }

    /// @dev Every lock is still released: once every slot is cleared, nothing stays locked.
    function afterInvariant() public {
        handler.finishAll();
        for (uint256 i; i < SIGNERS; ++i) {
            (, uint256 locked) = market.balanceOf(handler.traders(i));
            assertEq(locked, 0);
        }
    }
}
