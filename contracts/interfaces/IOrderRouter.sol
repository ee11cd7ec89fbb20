// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IEnergyMarket} from "./IEnergyMarket.sol";

/// @title IOrderRouter
/// @notice Signed orders relayed in batches: a prosumer signs an order as EIP-712 typed data (domain "GridLedger
/// OrderRouter", version "1", this router as verifying contract; the router serves exactly one market, so a
/// signature is good on one chain and one market only) and anyone submits it, alone or with others. The lock
/// comes from the trader's internal balance in the market, as for an order from the trader's own account.
/// @dev Replay: each trader has one sequential nonce in the market (`IEnergyMarket.nonceOf`); an order is
/// placed only with the trader's next nonce, which placement consumes, so a signed order is placed at most
/// once. Nonce rules: an order whose nonce is ahead is skipped and its nonce is not consumed (place the
/// earlier ones first); an order whose signature does not check is skipped and consumes nothing (else anyone
/// could burn nonces); a validly signed order with the next nonce that cannot be placed (expired, too small,
/// slot full, insufficient balance, gate closed, ...) is skipped and consumes its nonce, so the trader's later
/// orders are not blocked. What a relayer can do: censor an order or delay it (until its expiry or its slot's
/// gate closure). What it cannot do: change an order (the signature covers every field), place it twice or on
/// another chain or market, reorder a trader's orders past the nonce sequence, or make an order fail on
/// purpose by sending too little gas (the batch reverts instead, see `placeSignedOrders`).
/// ERC-1271 wallets: a trader that is a contract approves its orders in `isValidSignature`, which the router
/// calls with a fixed ERC1271_GAS_STIPEND, reading one 32-byte word of its answer, so that one hostile wallet
/// (burning all gas, returning megabytes) costs a batch at most that stipend and cannot make it revert.
/// A trader cancels a signed order not yet placed with `invalidateNonces` and a placed one with the
/// market's `cancelOrder(orderId)` from its own account (the relayer cannot: the order is the trader's).
interface IOrderRouter {
    /// @notice An order as the trader signs it (EIP-712 type `Order`, see ORDER_TYPEHASH). Units as in
    /// `IEnergyMarket.placeOrder`: quantity in Wh, limit price in token base units per Wh; `meter` is the
    /// generation meter of a sell, address(0) for a buy; `nonce` must be the trader's next nonce when the
    /// order is placed; the order may be placed until `expiry` (unix seconds, inclusive).
    struct Order {
        address trader;
        uint64 slot;
        IEnergyMarket.Side side;
        uint48 quantityWh;
        uint64 limitPrice;
        address meter;
        uint32 nonce;
        uint40 expiry;
    }

    /// @notice One order of a `placeOrders` batch: the arguments of `IEnergyMarket.placeOrder`.
    struct OrderRequest {
        uint64 slot;
        IEnergyMarket.Side side;
        uint48 quantityWh;
        uint64 limitPrice;
        address meter;
    }

    /// @notice An order and its trader's signature: 65 bytes (r, s, v) from an EOA, or whatever the trader's
    /// ERC-1271 contract wallet accepts.
    struct SignedOrder {
        Order order;
        bytes signature;
    }

    /// @notice Emitted when a signed order of a batch was not placed; `reason` is the ABI-encoded error (a
    /// Router* error of this interface, or the market's error), `nonceConsumed` whether its nonce was used up.
    event SignedOrderSkipped(
        bytes32 indexed orderHash,
        address indexed trader,
        uint32 nonce,
        bool nonceConsumed,
        bytes reason
    );

    /// @notice Emitted after `trader` moved its next nonce forward to `nextNonce`, cancelling its signed
    /// orders with lower nonces that were not placed.
    event NoncesInvalidated(address indexed trader, uint32 nextNonce);

    /// @notice Skip reason: the signature is not the trader's over this order on this router and chain.
    error RouterInvalidSignature(address trader);
    /// @notice Skip reason: the order expired at `expiry`, before `timestamp`.
    error RouterOrderExpired(uint40 expiry, uint256 timestamp);
    /// @notice Thrown when `invalidateNonces` would not move the caller's next nonce `nextNonce` forward.
    error RouterNonceNotAhead(uint32 nextNonce, uint32 newNonce);
    /// @notice Thrown when a placement attempt ran out of gas, or when too little gas was left to give an
    /// ERC-1271 wallet its whole ERC1271_GAS_STIPEND: the relayer sent too little gas for the batch (the
    /// whole batch reverts, so that no order can be made to fail, and its nonce consumed, on purpose).
    error RouterOutOfGas(bytes32 orderHash);

    /// @notice EIP-712 type hash of `Order`.
    // solhint-disable-next-line func-name-mixedcase
    function ORDER_TYPEHASH() external view returns (bytes32);

    /// @notice Gas the router gives a trader's ERC-1271 wallet for `isValidSignature`: 100,000, 3.6 times
    /// what a 3-of-3 multisig with its owners in cold storage spends (three ECDSA recoveries: 27,500 measured,
    /// test/OrderRouter.t.sol), 8.5 times a one-owner wallet (11,700), so an honest wallet fits with room, and
    /// a hostile one costs a batch at most that. The check fails (the order is skipped with
    /// RouterInvalidSignature, no nonce moves) when the wallet runs out of it, reverts, or answers anything
    /// but the magic value 0x1626ba7e in exactly one 32-byte word. A wallet whose check needs more cannot sign
    /// orders for this router: it places its orders from its own account (the market's `placeOrder`, or
    /// `placeOrders`), or its owner trades from an EOA.
    // solhint-disable-next-line func-name-mixedcase
    function ERC1271_GAS_STIPEND() external view returns (uint256);

    /// @notice Value of `placeSignedOrders`' order id for an order that was skipped (no order id is this).
    // solhint-disable-next-line func-name-mixedcase
    function NOT_PLACED() external view returns (uint256);

    /// @notice The one market this router places orders in (the market that created it).
    function market() external view returns (IEnergyMarket);

    /// @notice The EIP-712 digest the trader signs for `order`.
    function hashOrder(Order calldata order) external view returns (bytes32);

    /// @notice Permissionless: places each signed order of `orders` in the market for its trader, in the
    /// given order; skips (SignedOrderSkipped) an order whose signature does not check, that expired, whose
    /// nonce is not the trader's next, or that the market refuses, and places the rest (the market's
    /// OrderPlaced names the trader). Reverts RouterOutOfGas when an attempt ran out of gas, and before an
    /// ERC-1271 check when less gas is left than the wallet's whole ERC1271_GAS_STIPEND needs (the stipend,
    /// 64/63 of it for the EIP-150 rule, and the call's cost): a relayer sends enough or nothing is placed.
    /// @return orderIds the market order ids, NOT_PLACED for a skipped order
    function placeSignedOrders(SignedOrder[] calldata orders) external returns (uint256[] memory orderIds);

    /// @notice Places `orders` for the caller, from the caller's own balance, in one transaction (any slots,
    /// both sides: a home energy manager bids a day ahead at once), each exactly as the market's `placeOrder`
    /// would. Atomic: the first order the market refuses reverts the whole batch with the market's error. No
    /// signature and no nonce are used.
    /// @return orderIds the market order ids, in the order of `orders`
    function placeOrders(OrderRequest[] calldata orders) external returns (uint256[] memory orderIds);

    /// @notice Moves the caller's next nonce forward to `newNonce` (never back): every signed order of the
    /// caller with a lower nonce that was not placed can no longer be.
    function invalidateNonces(uint32 newNonce) external;
}
