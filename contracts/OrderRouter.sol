// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {IEnergyMarket} from "./interfaces/IEnergyMarket.sol";
import {IOrderRouter} from "./interfaces/IOrderRouter.sol";

/// @title OrderRouter
/// @notice Checks signed orders (EOA signatures with low s, ERC-1271 contract wallets) and places them in its
/// market for their traders. Created by the market in its constructor: the market trusts exactly this router.
/// @dev Holds no state: the nonces live in the market's ledger words, so that the replay check costs no
/// storage access of its own. See IOrderRouter for the nonce rules and what a relayer can and cannot do.
contract OrderRouter is IOrderRouter, EIP712 {
    /// @inheritdoc IOrderRouter
    bytes32 public constant ORDER_TYPEHASH =
        keccak256(
            "Order(address trader,uint64 slot,uint8 side,uint48 quantityWh,uint64 limitPrice,address meter,uint32 nonce,uint40 expiry)"
        );

    /// @inheritdoc IOrderRouter
    uint256 public constant NOT_PLACED = type(uint256).max;

    /// @dev The market's `placeOrderFor` nonce for an order the trader sent itself: no nonce is used.
    uint256 private constant _NO_NONCE = type(uint256).max;

    IEnergyMarket private immutable _market;

    constructor(IEnergyMarket market_) EIP712("GridLedger OrderRouter", "1") {
        _market = market_;
    }

    /// @inheritdoc IOrderRouter
    function market() external view returns (IEnergyMarket) {
        return _market;
    }

    /// @inheritdoc IOrderRouter
    function hashOrder(Order calldata order) public view returns (bytes32) {
        // Every field is static: abi.encode lays them out as EIP-712 encodeData does.
        return _hashTypedDataV4(keccak256(abi.encode(ORDER_TYPEHASH, order)));
    }

    /// @inheritdoc IOrderRouter
    function placeSignedOrders(SignedOrder[] calldata orders) external returns (uint256[] memory orderIds) {
        orderIds = new uint256[](orders.length);
        for (uint256 i; i < orders.length; ++i) {
            orderIds[i] = _placeSigned(orders[i]);
        }
    }

    /// @inheritdoc IOrderRouter
    function placeOrders(OrderRequest[] calldata orders) external returns (uint256[] memory orderIds) {
        orderIds = new uint256[](orders.length);
        for (uint256 i; i < orders.length; ++i) {
            OrderRequest calldata o = orders[i];
            orderIds[i] = _market.placeOrderFor(
                msg.sender,
                _NO_NONCE,
                o.slot,
                o.side,
                o.quantityWh,
                o.limitPrice,
                o.meter
            );
        }
    }

    /// @inheritdoc IOrderRouter
    function invalidateNonces(uint32 newNonce) external {
        uint32 next = _market.nonceOf(msg.sender);
        if (newNonce <= next) revert RouterNonceNotAhead(next, newNonce);
        // The market's nonce is `next` (read just above, in this transaction): the advance always applies.
        _market.advanceNonce(msg.sender, next, newNonce);
        emit NoncesInvalidated(msg.sender, newNonce);
    }

    /// @dev Places one signed order, or skips it with the reason; returns its order id or NOT_PLACED.
    function _placeSigned(SignedOrder calldata signed) private returns (uint256) {
        Order calldata o = signed.order;
        bytes32 orderHash = hashOrder(o);
        if (!SignatureChecker.isValidSignatureNow(o.trader, orderHash, signed.signature)) {
            // Nothing is consumed: a forged order must not burn the trader's nonce.
            return _skip(orderHash, o, false, abi.encodeWithSelector(RouterInvalidSignature.selector, o.trader));
        }
        if (block.timestamp > o.expiry) {
            bytes memory expired = abi.encodeWithSelector(RouterOrderExpired.selector, o.expiry, block.timestamp);
            return _skip(orderHash, o, _consume(o), expired);
        }
        uint256 gasBefore = gasleft();
        try _market.placeOrderFor(o.trader, o.nonce, o.slot, o.side, o.quantityWh, o.limitPrice, o.meter) returns (
            uint256 orderId
        ) {
            return orderId;
        } catch (bytes memory reason) {
            // The call got at most 63/64 of gasBefore: if less than 1/63 is left, it may have run out of gas,
            // which a relayer could cause on purpose to burn the nonce. Revert the batch instead (as OZ's
            // ERC2771Forwarder does); an honest relayer retries with more gas.
            if (gasleft() < gasBefore / 63) revert RouterOutOfGas(orderHash);
            // A nonce that is not the next one (used, or ahead) stays as it is: `_consume` changes nothing then.
            return _skip(orderHash, o, _consume(o), reason);
        }
    }

    /// @dev Consumes the order's nonce if it is its trader's next one; returns whether it did.
    function _consume(Order calldata o) private returns (bool) {
        // The last nonce is never usable (the market refuses it): nothing to move past.
        if (o.nonce == type(uint32).max) return false;
        return _market.advanceNonce(o.trader, o.nonce, o.nonce + 1);
    }

    function _skip(
        bytes32 orderHash,
        Order calldata o,
        bool nonceConsumed,
        bytes memory reason
    ) private returns (uint256) {
        emit SignedOrderSkipped(orderHash, o.trader, o.nonce, nonceConsumed, reason);
        return NOT_PLACED;
    }
}
