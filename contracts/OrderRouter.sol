// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
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
    bytes32 public constant ORDER_TYPEHASH = keccak256(
        "Order(address trader,uint64 slot,uint8 side,uint48 quantityWh,uint64 limitPrice,address meter,"
        "uint32 nonce,uint40 expiry)"
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
        return _hashTypedDataV4(_structHash(order));
    }

    /// @dev EIP-712 hashStruct of `order`, hashed straight from calldata in scratch memory past the free memory
    /// pointer (which is not moved: nothing allocated grows the memory of a batch). Every field of Order is
    /// static, so EIP-712 encodeData is each field as one 32-byte word in declaration order (the enum as its
    /// uint8), which is the calldata layout of the struct: keccak256(ORDER_TYPEHASH ‖ the 8 words). The words
    /// are checked clean first, with the revert Solidity's own decoding of a dirty field gives (no data), so
    /// that the raw words hashed are the values the fields hold.
    function _structHash(Order calldata order) private pure returns (bytes32 structHash) {
        bytes32 typeHash = ORDER_TYPEHASH;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let dirty := shr(160, calldataload(order)) // trader
            dirty := or(dirty, shr(64, calldataload(add(order, 0x20)))) // slot
            dirty := or(dirty, gt(calldataload(add(order, 0x40)), 1)) // side: Buy or Sell
            dirty := or(dirty, shr(48, calldataload(add(order, 0x60)))) // quantityWh
            dirty := or(dirty, shr(64, calldataload(add(order, 0x80)))) // limitPrice
            dirty := or(dirty, shr(160, calldataload(add(order, 0xa0)))) // meter
            dirty := or(dirty, shr(32, calldataload(add(order, 0xc0)))) // nonce
            dirty := or(dirty, shr(40, calldataload(add(order, 0xe0)))) // expiry
            if dirty {
                revert(0, 0)
            }
            let ptr := mload(0x40)
            mstore(ptr, typeHash)
            calldatacopy(add(ptr, 0x20), order, 0x100)
            structHash := keccak256(ptr, 0x120)
        }
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
        if (!_isSignedBy(o.trader, orderHash, signed.signature)) {
            // Nothing is consumed: a forged order must not burn the trader's nonce.
            return
                _skip(orderHash, o, false, abi.encodeWithSelector(RouterInvalidSignature.selector, o.trader));
        }
        if (block.timestamp > o.expiry) {
            bytes memory expired = abi.encodeWithSelector(
                RouterOrderExpired.selector,
                o.expiry,
                block.timestamp
            );
            return _skip(orderHash, o, _consume(o), expired);
        }
        uint256 gasBefore = gasleft();
        try
            _market.placeOrderFor(o.trader, o.nonce, o.slot, o.side, o.quantityWh, o.limitPrice, o.meter)
        returns (uint256 orderId) {
            return orderId;
        } catch (bytes memory reason) {
            // The call got at most 63/64 of gasBefore: if less than 1/63 is left, it may have run out of gas,
            // which a relayer could cause on purpose to burn the nonce. Revert the batch instead (as OZ's
            // ERC2771Forwarder does); an honest relayer retries with more gas. Empty revert data is an
            // out-of-gas too (every refusal of the market carries a selector): one in a call nested in the
            // placement (the registry lookup, the settlement hook) leaves the router more than 1/63.
            if (reason.length == 0 || gasleft() < gasBefore / 63) revert RouterOutOfGas(orderHash);
            // A nonce that is not the next one (used, or ahead) stays as it is: `_consume` changes nothing then.
            return _skip(orderHash, o, _consume(o), reason);
        }
    }

    /// @dev Whether `signature` is `trader`'s over `hash`: an ECDSA signature (65 bytes r, s, v; OZ's ECDSA
    /// rejects high s and malleable or invalid ones) recovering to `trader`, or else an ERC-1271 approval by the
    /// contract at `trader`. ECDSA comes first so that an EOA costs no EXTCODESIZE on its (cold) address, which
    /// SignatureChecker.isValidSignatureNow pays to choose the branch. Trying ECDSA on a contract is sound: a
    /// contract's address has no private key, so a match proves the holder of the key of `trader`; an EIP-7702
    /// delegated EOA is an EOA and its key may sign for it. Only when ECDSA does not yield `trader` is the
    /// ERC-1271 call made (a call to an address without code returns nothing and fails the check).
    function _isSignedBy(address trader, bytes32 hash, bytes calldata signature) private view returns (bool) {
        if (signature.length == 65) {
            bytes32 r;
            bytes32 s;
            uint8 v;
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                r := calldataload(signature.offset)
                s := calldataload(add(signature.offset, 0x20))
                v := byte(0, calldataload(add(signature.offset, 0x40)))
            }
            (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecover(hash, v, r, s);
            if (err == ECDSA.RecoverError.NoError && recovered == trader) return true;
        }
        return SignatureChecker.isValidERC1271SignatureNow(trader, hash, signature);
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
