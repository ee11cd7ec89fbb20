// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {OrderRouter} from "../contracts/OrderRouter.sol";
import {IEnergyMarket} from "../contracts/interfaces/IEnergyMarket.sol";
import {IOrderRouter} from "../contracts/interfaces/IOrderRouter.sol";
import {MarketSetup} from "./EnergyMarket.t.sol";

/// @dev The market of MarketSetup with its router, two funded signers (alice, bob), funded actors and a
/// relayer; helpers to build, sign and relay orders. Every OrderRouter unit and attack test starts here.
abstract contract OrderRouterTestBase is MarketSetup {
    uint256 internal constant DEPOSIT = 1e12;
    uint48 internal constant QUANTITY = 100;
    uint64 internal constant PRICE = 10;

    OrderRouter internal router;
    uint64 internal slot;
    uint256 internal aliceKey;
    address internal alice;
    uint256 internal bobKey;
    address internal bob;
    address internal relayer = makeAddr("relayer");

    /// @dev Deploys the market (min order 1 Wh, collateral 2, penalty 5 per Wh), funds everyone, picks a slot.
    function setUpRouter() internal {
        deployMarket(1, 2, 5);
        router = OrderRouter(market.orderRouter());
        (alice, aliceKey) = makeAddrAndKey("alice");
        (bob, bobKey) = makeAddrAndKey("bob");
        _fund(alice);
        _fund(bob);
        for (uint256 i; i < actors.length; ++i) _fund(actors[i]);
        slot = market.currentSlot() + 2;
    }

    /// @dev Mints DEPOSIT to `account`, which deposits it in `on`.
    function _fundIn(IEnergyMarket on, address account) internal {
        token.mint(account, DEPOSIT);
        vm.startPrank(account);
        token.approve(address(on), type(uint256).max);
        on.deposit(DEPOSIT);
        vm.stopPrank();
    }

    function _fund(address account) internal {
        _fundIn(market, account);
    }

    /// @dev Deposits DEPOSIT for a contract wallet that cannot call the market itself.
    function _wallet(address account) internal {
        token.mint(address(this), DEPOSIT);
        token.approve(address(market), DEPOSIT);
        market.depositFor(account, DEPOSIT);
    }

    function _buy(address trader, uint32 nonce) internal view returns (IOrderRouter.Order memory) {
        return
            IOrderRouter.Order({
                trader: trader,
                slot: slot,
                side: IEnergyMarket.Side.Buy,
                quantityWh: QUANTITY,
                limitPrice: PRICE,
                meter: address(0),
                nonce: nonce,
                expiry: uint40(block.timestamp + 3_600)
            });
    }

    function _sign(
        OrderRouter on,
        uint256 key,
        IOrderRouter.Order memory order
    ) internal view returns (IOrderRouter.SignedOrder memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, on.hashOrder(order));
        return IOrderRouter.SignedOrder(order, abi.encodePacked(r, s, v));
    }

    function _signed(
        uint256 key,
        IOrderRouter.Order memory order
    ) internal view returns (IOrderRouter.SignedOrder memory) {
        return _sign(router, key, order);
    }

    function _one(
        IOrderRouter.SignedOrder memory signed
    ) internal pure returns (IOrderRouter.SignedOrder[] memory batch) {
        batch = new IOrderRouter.SignedOrder[](1);
        batch[0] = signed;
    }

    function _two(
        IOrderRouter.SignedOrder memory first,
        IOrderRouter.SignedOrder memory second
    ) internal pure returns (IOrderRouter.SignedOrder[] memory batch) {
        batch = new IOrderRouter.SignedOrder[](2);
        batch[0] = first;
        batch[1] = second;
    }

    function _relay(IOrderRouter.SignedOrder[] memory batch) internal returns (uint256[] memory) {
        vm.prank(relayer);
        return router.placeSignedOrders(batch);
    }

    function _locked(address account) internal view returns (uint256 locked) {
        (, locked) = market.balanceOf(account);
    }

    function _free(address account) internal view returns (uint256 free) {
        (free, ) = market.balanceOf(account);
    }
}
