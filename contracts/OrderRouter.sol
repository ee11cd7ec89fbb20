// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

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

    /// @inheritdoc IOrderRouter
    uint256 public constant ERC1271_GAS_STIPEND = 100_000;

    /// @dev Gas the wallet call spends before the wallet runs, on top of what it forwards: the cold access to
    /// the wallet's account (2,600, EIP-2929) and the few opcodes between the check and the STATICCALL.
    uint256 private constant _ERC1271_CALL_OVERHEAD = 2_700;

    /// @dev Gas that must be left at the check so that the wallet gets its whole stipend: a call forwards at
    /// most 63/64 of what remains after its own cost (EIP-150), so stipend * 64 / 63 (rounded up) and the cost.
    uint256 private constant _ERC1271_MIN_GAS = (ERC1271_GAS_STIPEND * 64 + 62) / 63 + _ERC1271_CALL_OVERHEAD;

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
    /// contract at `trader` (`_isApprovedByWallet`). ECDSA comes first so that an EOA costs no EXTCODESIZE on its
    /// (cold) address, which SignatureChecker.isValidSignatureNow pays to choose the branch. Trying ECDSA on a
    /// contract is sound: a contract's address has no private key, so a match proves the holder of the key of
    /// `trader`; an EIP-7702 delegated EOA is an EOA and its key may sign for it. Only when ECDSA does not yield
    /// `trader` is the ERC-1271 call made (a call to an address without code returns nothing and fails it).
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
        return _isApprovedByWallet(trader, hash, signature);
    }

    /// @dev ERC-1271 check with a bounded cost, which OZ 5.4's SignatureChecker.isValidERC1271SignatureNow
    /// does not give (it forwards all gas and copies all return data): `isValidSignature(hash, signature)` in a
    /// STATICCALL with ERC1271_GAS_STIPEND gas, at most 32 bytes of its answer copied, and only an answer of
    /// exactly one word holding the magic value accepted. A wallet that runs out of its stipend, reverts, or
    /// answers anything else fails the check, so one wallet costs a batch at most the stipend. Reverts
    /// RouterOutOfGas (the batch) when less gas is left than the wallet's full stipend needs: a relayer cannot
    /// make an honest wallet's check fail by sending too little gas.
    function _isApprovedByWallet(
        address wallet,
        bytes32 hash,
        bytes calldata signature
    ) private view returns (bool approved) {
        bytes4 magic = IERC1271.isValidSignature.selector;
        uint256 minGas = _ERC1271_MIN_GAS;
        bool starved;
        // Assembly for the two bounds Solidity's call cannot give: it copies all the return data into memory
        // (a returndata bomb's cost), and a check of gasleft() right before the STATICCALL, after the encoding
        // whose cost grows with the signature's length. The calldata is encoded past the free memory pointer,
        // which is not moved (nothing stays allocated); the answer lands in the scratch space 0x00-0x1f.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            let padded := and(add(signature.length, 31), not(31))
            mstore(add(ptr, add(0x44, padded)), 0) // zeroes the signature's last word: ABI padding
            mstore(ptr, magic) // the selector of isValidSignature(bytes32,bytes) is the magic value
            mstore(add(ptr, 0x04), hash)
            mstore(add(ptr, 0x24), 0x40) // offset of `signature` in the arguments
            mstore(add(ptr, 0x44), signature.length)
            calldatacopy(add(ptr, 0x64), signature.offset, signature.length)
            starved := lt(gas(), minGas)
            if iszero(starved) {
                let success := staticcall(ERC1271_GAS_STIPEND, wallet, ptr, add(0x64, padded), 0x00, 0x20)
                approved := and(success, and(eq(returndatasize(), 0x20), eq(mload(0x00), magic)))
            }
        }
        if (starved) revert RouterOutOfGas(hash);
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
