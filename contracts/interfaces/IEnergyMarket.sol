// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IEnergyMarketView} from "./IEnergyMarketView.sol";
import {IMeterRegistry} from "./IMeterRegistry.sol";
import {ISettlementHook} from "./ISettlementHook.sol";

/// @title IEnergyMarket
/// @notice A uniform-price double auction per delivery slot with escrow, settled against metered delivery.
/// @dev Units: energy in Wh, prices in token base units per Wh, so a payment is exactly price x quantity.
/// Life of a slot: orders from `lastOpenSlot() >= slot` until `gateClosureOf(slot)` (exclusive); then anyone
/// may `clear` it; from `readingWindowEnd(slot)` on anyone may `settle` it. No privileged account is needed.
/// Participants deposit tokens into an internal balance (`free`); orders move funds from free to `locked`;
/// withdrawals pull from free. Invariant: the market's token balance >= sum of all free and locked balances
/// plus the escrow of cleared, unsettled slots.
/// Storage: the order data of a slot lives in a ring of `RING` positions reused every `RING` slots, so
/// per-slot views answer for the last `RING` slots only; events are the permanent record.
interface IEnergyMarket {
    /// @notice Side of an order.
    enum Side {
        Buy,
        Sell
    }

    /// @notice State of an order. A cleared order stays Live and carries its fill.
    enum OrderStatus {
        None,
        Live,
        Cancelled
    }

    /// @notice State of a slot's book.
    enum SlotStatus {
        None,
        Open,
        Cleared,
        Settled
    }

    /// @notice Parameters a slot snapshots at its first order.
    /// @param minOrderWh smallest order quantity, Wh (>= 1)
    /// @param sellerCollateralPerWh collateral a sell order locks per Wh offered, token base units per Wh
    /// @param sellerCollateralPerWh (>= 1, so that every sell order locks at least minOrderWh base units)
    /// @param penaltyPerWh imbalance penalty per Wh not delivered, token base units per Wh; capped by the
    /// order's collateral
    /// @param minBuyPricePerWh lowest limit price a buy order may name (>= 1), so that every buy order locks at
    /// least minOrderWh x minBuyPricePerWh: filling a book costs real money
    struct MarketParams {
        uint32 minOrderWh;
        uint64 sellerCollateralPerWh;
        uint64 penaltyPerWh;
        uint64 minBuyPricePerWh;
    }

    /// @notice Deployment settings.
    /// @param token the payment token (a stablecoin; transfer fees are not supported)
    /// @param registry the meter registry; its slot clock becomes the market's, its `changeDelaySlots` must
    /// exceed `horizonSlots`
    /// @param admin receives DEFAULT_ADMIN_ROLE
    /// @param gridOperator receives GRID_OPERATOR_ROLE (may change parameters)
    /// @param gridOperatorAccount internal account credited with shortfall payments and penalties
    /// @param horizonSlots how many slots ahead of the current one orders are accepted
    /// @param gateClosureSeconds seconds before a slot's start at which its orders close
    /// @param maxOrdersPerSlot cap on the orders of one slot (>= 2, at most MAX_ORDERS_PER_SLOT, with or
    /// without certificates), half of it per side, so that a flood of one side never shuts the other out.
    /// A new order on a full side takes the index of a cancelled order of that side, or evicts the side's worst
    /// live order if it is strictly better (see `placeOrder`), or reverts with `MarketSlotFull`
    /// @param params the initial parameters
    struct MarketConfig {
        IERC20 token;
        IMeterRegistry registry;
        address admin;
        address gridOperator;
        address gridOperatorAccount;
        uint64 horizonSlots;
        uint64 gateClosureSeconds;
        uint32 maxOrdersPerSlot;
        MarketParams params;
    }

    /// @notice An order as the views show it.
    /// @param account the owner
    /// @param meter the generation meter of a sell order (address(0) for a buy)
    /// @param quantityWh the quantity offered or bid, Wh
    /// @param limitPrice the limit, token base units per Wh; 0 for a filled sell once its slot is cleared (its
    /// word then holds the meter's fill bookkeeping, and the limit stays in the order's OrderPlaced event)
    /// @param filledWh the fill (0 until the slot is cleared)
    struct Order {
        address account;
        Side side;
        OrderStatus status;
        address meter;
        uint48 quantityWh;
        uint64 limitPrice;
        uint48 filledWh;
    }

    /// @notice A slot's book as the views show it.
    /// @param price the clearing price P (0 until cleared, and when nothing traded)
    /// @param clearedWh the traded quantity Q
    /// @param params the parameters the slot snapshotted at its first order
    struct SlotInfo {
        SlotStatus status;
        uint32 buyOrders;
        uint32 sellOrders;
        uint64 price;
        uint64 clearedWh;
        MarketParams params;
    }

    // ----------------------------------------------------------------------------------------------
    // Events
    // ----------------------------------------------------------------------------------------------

    /// @notice Emitted after `account` was given its compact id, at its first deposit.
    event AccountOpened(address indexed account, uint32 indexed accountId);

    /// @notice Emitted after `amount` tokens paid by `payer` were credited to `account`'s free balance.
    event Deposited(address indexed account, address indexed payer, uint256 amount);

    /// @notice Emitted after `amount` tokens were withdrawn from `account`'s free balance.
    event Withdrawn(address indexed account, uint256 amount);

    /// @notice Emitted after an order was placed and `locked` tokens moved from `account`'s free balance to its
    /// locked balance (a buy locks quantityWh x limitPrice, a sell quantityWh x the slot's seller collateral
    /// per Wh). `meterIndex` is the registry index of a sell order's meter.
    event OrderPlaced(
        uint256 indexed orderId,
        address indexed account,
        uint64 indexed slot,
        Side side,
        uint256 quantityWh,
        uint256 limitPrice,
        uint32 meterIndex,
        uint256 locked
    );

    /// @notice Emitted after a better order evicted this order from its full side: `released` tokens went back
    /// to `account`'s free balance at once, and `orderId` now names the evicting order (OrderPlaced follows).
    event OrderEvicted(uint256 indexed orderId, address indexed account, uint256 released);

    /// @notice Emitted after an order was cancelled and `released` tokens returned to its owner's free balance.
    event OrderCancelled(uint256 indexed orderId, address indexed account, uint256 released);

    /// @notice Emitted at clearing for every live order of the slot, filled or not, after its fill was recorded
    /// and its lock released: `released` tokens went from the account's locked to its free balance. A buy
    /// order's whole lock leaves its locked balance: lock - released = P x fillWh is its payment into the
    /// slot's escrow. A sell order keeps lock - released = fillWh x collateral per Wh locked until settlement.
    /// SlotCleared (P, Q) follows the slot's OrderFilled events in the same transaction. With OrderPlaced
    /// (the lock) this makes each order's clearing permanent in the logs after the ring reused its slot.
    /// @param accountId the owner's compact id (AccountOpened maps it to the address), indexed for filtering:
    /// reading the address would cost a cold storage read per order in the clearing loop.
    event OrderFilled(
        uint64 indexed slot,
        uint32 indexed accountId,
        uint256 indexed orderId,
        uint256 fillWh,
        uint256 released
    );

    /// @notice Emitted at settlement for every filled sell order, after its seller was paid: the order's
    /// remaining lock (fill x collateral per Wh) left the seller's locked balance, and its free balance got
    /// that lock - penalty + P x deliveredWh. The grid operator's account is credited, once per slot after
    /// these events, the sum of P x (fill - deliveredWh) + penalty over them. SlotSettled follows.
    /// @param accountId the seller's compact id (see OrderFilled)
    /// @param deliveredWh the part of the fill the meter's reading covers, Wh
    /// @param penalty the imbalance penalty (fill - deliveredWh) x penaltyPerWh, capped by the order's lock
    event SellOrderSettled(
        uint64 indexed slot,
        uint32 indexed accountId,
        uint256 indexed orderId,
        uint256 deliveredWh,
        uint256 penalty
    );

    /// @notice Emitted after a slot was cleared: `quantityWh` traded at `price` among the live orders.
    event SlotCleared(
        uint64 indexed slot,
        uint64 price,
        uint64 quantityWh,
        uint32 buyOrders,
        uint32 sellOrders
    );

    /// @notice Emitted after a slot was settled against the meters' readings.
    /// @param deliveredWh sold energy covered by the sellers' readings
    /// @param shortfallWh sold energy the grid supplied instead
    /// @param penalties imbalance penalties paid to the grid operator's account, token base units
    event SlotSettled(uint64 indexed slot, uint256 deliveredWh, uint256 shortfallWh, uint256 penalties);

    /// @notice Emitted after the parameters for slots from `activationSlot` on were set.
    event ParamsScheduled(MarketParams params, uint64 activationSlot);

    /// @notice Emitted after `account` became the grid operator's account for the slots from `activationSlot`
    /// on (at deployment with activation slot 0); the slots before it keep the account in force for them.
    event GridOperatorAccountScheduled(address indexed account, uint64 activationSlot);

    /// @notice Emitted after the settlement hook was set (once).
    event SettlementHookSet(address indexed hook);

    // ----------------------------------------------------------------------------------------------
    // Errors
    // ----------------------------------------------------------------------------------------------

    /// @notice Thrown when a zero address is given where an account or contract is required.
    error MarketZeroAddress();
    /// @notice Thrown when an amount or quantity of zero is given.
    error MarketZeroAmount();
    /// @notice Thrown when the deployment settings are inconsistent (ring too short, cap out of range...).
    error MarketInvalidConfig(uint256 horizonSlots, uint256 settlementLagSlots, uint256 maxOrdersPerSlot);
    /// @notice Thrown at deployment when the registry's meter changes could reach a slot open for trading
    /// (its `changeDelaySlots` must exceed the horizon).
    error MarketChangeDelayTooShort(uint256 changeDelaySlots, uint256 horizonSlots);
    /// @notice Thrown when a new parameter change would replace a pending one that open slots (from
    /// `activationSlot` to `lastOpenSlot`) already advertise; retry once `activationSlot` has started.
    error MarketParamsAnnounced(uint64 activationSlot, uint64 lastOpenSlot);
    /// @notice Thrown when a new grid operator account would replace the pending `account` that open slots
    /// (from `activationSlot` to `lastOpenSlot`) already advertise; retry once `activationSlot` has started.
    error MarketGridOperatorAccountAnnounced(address account, uint64 activationSlot, uint64 lastOpenSlot);
    /// @notice Thrown when a parameter is outside its bounds.
    error MarketParamOutOfBounds(uint256 value, uint256 minimum, uint256 maximum);
    /// @notice Thrown when an account's free balance does not cover what it must pay or lock.
    error MarketInsufficientBalance(address account, uint256 free, uint256 needed);
    /// @notice Thrown when a balance would exceed 112 bits (the ledger word also holds the signed-order nonce).
    error MarketBalanceOverflow(address account);
    /// @notice Thrown when an order is placed or cancelled at or after its slot's gate closure.
    error MarketGateClosed(uint64 slot, uint256 gateClosure, uint256 timestamp);
    /// @notice Thrown when an order is placed for a slot beyond the trading horizon.
    error MarketBeyondHorizon(uint64 slot, uint64 lastOpenSlot);
    /// @notice Thrown when an order's quantity is below the slot's minimum.
    error MarketOrderTooSmall(uint256 quantityWh, uint256 minimumWh);
    /// @notice Thrown when a side of a slot holds `capPerSide` live orders and the new one is no better than
    /// its worst (a buy must bid more, a sell ask less; ties keep the older order).
    error MarketSlotFull(uint64 slot, uint256 capPerSide);
    /// @notice Thrown when a buy order's limit is below the slot's minimum buy price.
    error MarketPriceBelowMinimum(uint256 limitPrice, uint256 minimum);
    /// @notice Thrown when the first order of a slot would reuse the ring position of an older slot that
    /// is not settled yet, or whose certificates are not all delivered; anyone can clear and settle
    /// `occupiedBy`, and certify its sellers and claim for its buyers, first.
    error MarketRingSlotBusy(uint64 slot, uint64 occupiedBy);
    /// @notice Thrown when a view asks for a slot whose ring position a newer slot reuses.
    error MarketSlotRecycled(uint64 slot, uint64 occupiedBy);
    /// @notice Thrown when a buy order names a meter.
    error MarketBuyWithMeter(address meter);
    /// @notice Thrown when a sell order's meter is not a generation or bidirectional meter active for the
    /// order's slot (status Suspended: a suspension spans the slot).
    error MarketInvalidMeter(address meter, IMeterRegistry.MeterKind kind, IMeterRegistry.MeterStatus status);
    /// @notice Thrown when a sell order's meter has another owner of record for the order's slot.
    error MarketNotMeterOwner(address meter, address owner, address caller);
    /// @notice Thrown when an order id names no order.
    error MarketUnknownOrder(uint256 orderId);
    /// @notice Thrown when someone other than its owner cancels an order.
    error MarketNotOrderOwner(uint256 orderId, address caller);
    /// @notice Thrown when cancelling an order that is not live (already cancelled).
    error MarketOrderNotLive(uint256 orderId);
    /// @notice Thrown when clearing a slot before its gate closure.
    error MarketGateNotClosed(uint64 slot, uint256 gateClosure, uint256 timestamp);
    /// @notice Thrown when clearing a slot that has no open book (no orders, or already cleared).
    error MarketSlotNotOpen(uint64 slot, SlotStatus status);
    /// @notice Thrown when settling a slot that is not cleared (not yet, or already settled).
    error MarketSlotNotCleared(uint64 slot, SlotStatus status);
    /// @notice Thrown when a certification view asks for a slot that is not settled with a trade, or recycled.
    error MarketSlotNotSettled(uint64 slot, SlotStatus status);
    /// @notice Thrown when settling a slot before its reading window closed.
    error MarketReadingWindowOpen(uint64 slot, uint256 windowEnd, uint256 timestamp);
    /// @notice Thrown when clearing or settlement would break conservation (never expected).
    error MarketConservationViolated(uint64 slot, uint256 buyFills, uint256 sellFills, uint256 quantityWh);
    /// @notice Thrown when the settlement hook was already set.
    error MarketHookAlreadySet(address hook);
    /// @notice Thrown when someone other than the market's order router calls a router-only function.
    error MarketNotRouter(address caller);
    /// @notice Thrown when a signed order's nonce is not `account`'s next nonce `expected` (already used, or
    /// ahead: place the earlier ones first), or is the last nonce 2^32 - 1, which is never usable.
    error MarketNonceMismatch(address account, uint256 expected, uint256 given);

    // ----------------------------------------------------------------------------------------------
    // Money (anyone)
    // ----------------------------------------------------------------------------------------------

    /// @notice Moves `amount` tokens (base units) from the caller into the caller's free balance.
    /// Needs an ERC-20 allowance. Opens the caller's account on first use.
    function deposit(uint256 amount) external;

    /// @notice Moves `amount` tokens from the caller into `account`'s free balance (funding scripts).
    function depositFor(address account, uint256 amount) external;

    /// @notice Sends `amount` tokens of the caller's free balance to the caller.
    function withdraw(uint256 amount) external;

    // ----------------------------------------------------------------------------------------------
    // Orders (anyone with a balance)
    // ----------------------------------------------------------------------------------------------

    /// @notice Places an order for `slot`. A buy locks quantityWh x limitPrice (limitPrice >= the slot's
    /// minBuyPricePerWh); a sell locks quantityWh x the slot's seller collateral per Wh (>= 1) and must name
    /// a generation meter that the caller owns of record for `slot` and that is active for `slot` (no
    /// suspension spans it). When the order's side holds `maxOrdersPerSide()` orders, the order takes the
    /// index of a cancelled order of the side, else evicts the side's worst live order (lowest
    /// buy limit / highest sell limit; among equals the one with the highest index) if it is strictly better,
    /// refunding the evicted lock at once (OrderEvicted), else reverts with MarketSlotFull. The work of a full
    /// side is one pass over its orders, bounded by the cap.
    /// @param slot the delivery slot (<= lastOpenSlot(), before gateClosureOf(slot))
    /// @param side Buy or Sell
    /// @param quantityWh quantity in Wh (>= the slot's minOrderWh)
    /// @param limitPrice highest price a buyer pays / lowest a seller accepts, token base units per Wh
    /// @param meter the generation meter a sell order sells from; address(0) for a buy
    /// @return orderId the order's id (see OrderPacking: slot, side and index within the side)
    function placeOrder(
        uint64 slot,
        Side side,
        uint48 quantityWh,
        uint64 limitPrice,
        address meter
    ) external returns (uint256 orderId);

    /// @notice Router only: places an order for `trader` exactly as `placeOrder` from `trader`'s account would
    /// (the lock comes from `trader`'s free balance, a sell's meter must be `trader`'s). A signed order (the
    /// router checked `trader`'s signature) also consumes `trader`'s nonce `nonce`, which must be
    /// `nonceOf(trader)` (else MarketNonceMismatch); `nonce` = 2^256 - 1 means no nonce: `trader` itself sent
    /// the order through the router's `placeOrders`. Reverts MarketNotRouter for anyone else.
    function placeOrderFor(
        address trader,
        uint256 nonce,
        uint64 slot,
        Side side,
        uint48 quantityWh,
        uint64 limitPrice,
        address meter
    ) external returns (uint256 orderId);

    /// @notice Router only: sets `trader`'s next signed-order nonce to `to` if it is `from` and `to` > `from`
    /// (a refused signed order's nonce, or the trader's own invalidation); else changes nothing.
    /// @return advanced whether the nonce changed
    function advanceNonce(address trader, uint32 from, uint32 to) external returns (bool advanced);

    /// @notice Cancels the caller's live order before its slot's gate closure and releases its lock at once.
    /// A signed order placed by a relayer belongs to its trader: only the trader can cancel it.
    function cancelOrder(uint256 orderId) external;

    // ----------------------------------------------------------------------------------------------
    // Slot life cycle (anyone)
    // ----------------------------------------------------------------------------------------------

    /// @notice Clears `slot` (after its gate closure): one uniform price P for a traded quantity Q, fills
    /// per order, buyers pay P x fill and get the rest of their lock back, unfilled collateral is released.
    /// When nothing trades every lock is released and the slot is final at once (no settlement).
    /// A filled sell order's word records its fill and its meter's fills (priorFillWh, meterFillWh), so that
    /// settlement and certification need no state carried from one order to the next.
    function clear(uint64 slot) external;

    /// @notice Settles a cleared `slot` (from readingWindowEnd(slot) on): sellers are paid P x delivered,
    /// the grid operator's account P x shortfall plus the penalty (capped by the order's collateral); the
    /// rest of the collateral is released. An order's delivery is min(fill, export - priorFillWh): a meter's
    /// export covers its orders in ascending order index. Calls nothing but the registry's views: certificates
    /// are delivered afterwards by EnergyCertificates' permissionless pages, and never delay the money.
    function settle(uint64 slot) external;

    // ----------------------------------------------------------------------------------------------
    // Administration
    // ----------------------------------------------------------------------------------------------

    /// @notice Sets the parameters for the slots from currentSlot + horizon + 1 on (no slot open for
    /// trading is affected). Replaces a pending change only while no open slot advertises it yet (in the
    /// slot it was scheduled in); once `paramsForSlot` has announced it for an open slot it is kept, and a
    /// new change reverts with `MarketParamsAnnounced` until its activation slot starts. Grid operator only.
    function setParams(MarketParams calldata params) external;

    /// @notice Makes `account` the internal account that receives the shortfall payments and penalties of
    /// the slots from currentSlot + horizon + 1 on: a slot open for trading, cleared or measured keeps the
    /// account it was traded under (its book snapshots it at its first order). Replaces a pending change only
    /// while no open slot advertises it yet (in the slot it was scheduled in); afterwards a new change reverts
    /// with `MarketGridOperatorAccountAnnounced` until its activation slot starts. Admin only.
    function setGridOperatorAccount(address account) external;

    /// @notice Sets the certificate registry (the settlement hook), once. Admin only. From then on a traded
    /// slot's ring position is reused only once `hook.holdsRingPosition(slot)` is false, so no buyer's
    /// certificates can be lost to the ring.
    function setSettlementHook(ISettlementHook hook) external;

    // ----------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------

    /// @notice The payment token.
    function token() external view returns (IERC20);

    /// @notice The meter registry.
    function registry() external view returns (IMeterRegistry);

    /// @notice The settlement hook (address(0) when none).
    function settlementHook() external view returns (ISettlementHook);

    /// @notice The internal account credited with the current slot's shortfall payments and penalties (the
    /// first slot's before genesis).
    function gridOperatorAccount() external view returns (address);

    /// @notice The internal account credited with `slot`'s shortfall payments and penalties: the one its book
    /// snapshotted (if it has orders), else the one its next first order would snapshot. Reverts with
    /// `MarketSlotRecycled` once a later slot reuses its ring position.
    function gridOperatorAccountOf(uint64 slot) external view returns (address);

    /// @notice Free and locked internal balance of `account`, token base units.
    function balanceOf(address account) external view returns (uint256 free, uint256 locked);

    /// @notice Compact id of `account` (0 before its first deposit).
    function accountIdOf(address account) external view returns (uint32);

    /// @notice Tokens held for cleared slots that are not settled yet (sum of P x Q).
    function escrowed() external view returns (uint256);

    /// @notice An order. Reverts with MarketSlotRecycled for orders older than RING slots.
    function orderOf(uint256 orderId) external view returns (Order memory);

    /// @notice An order's fill in Wh (0 until its slot is cleared).
    function fillOf(uint256 orderId) external view returns (uint256);

    /// @notice A slot's book (status None when it has no order). Reverts with MarketSlotRecycled for
    /// slots older than RING slots.
    function slotInfo(uint64 slot) external view returns (SlotInfo memory);

    /// @notice True when nothing about `slot` can change any more: it was settled (or traded nothing), or it
    /// never had an order and its reading window has closed.
    function isSlotFinal(uint64 slot) external view returns (bool);

    /// @notice The parameters the next first order of `slot` would snapshot (or did, if it has orders).
    function paramsForSlot(uint64 slot) external view returns (MarketParams memory);

    /// @notice The parameters in force and the pending change with its activation slot (0 when none).
    function params()
        external
        view
        returns (MarketParams memory current, MarketParams memory pending, uint64 activationSlot);

    /// @notice Last second (exclusive) at which orders of `slot` may be placed or cancelled.
    function gateClosureOf(uint64 slot) external view returns (uint256);

    /// @notice First second at which `slot` may be settled (its reading window's end).
    function readingWindowEnd(uint64 slot) external view returns (uint256);

    /// @notice The slot that contains the current block's timestamp.
    function currentSlot() external view returns (uint64);

    /// @notice The furthest slot that accepts orders now.
    function lastOpenSlot() external view returns (uint64);

    /// @notice Slots ahead of the current one that accept orders.
    function horizonSlots() external view returns (uint64);

    /// @notice Seconds before a slot's start at which its gate closes.
    function gateClosureSeconds() external view returns (uint64);

    /// @notice Cap on the orders of one slot.
    function maxOrdersPerSlot() external view returns (uint32);

    /// @notice The order router this market created in its constructor: the only caller of `placeOrderFor`
    /// and `advanceNonce`; nobody can change it.
    function orderRouter() external view returns (address);

    /// @notice The next signed-order nonce of `account` (signed orders are placed in nonce order).
    function nonceOf(address account) external view returns (uint32);

    /// @notice Cap on the orders of one side of a slot (maxOrdersPerSlot / 2).
    function maxOrdersPerSide() external view returns (uint32);

    /// @notice See IEnergyMarketView.settledTrade.
    function settledTrade(
        uint64 slot
    ) external view returns (bool held, uint256 clearedWh, uint256 buyOrders, uint256 sellOrders);

    /// @notice See IEnergyMarketView.sellLotsOf.
    function sellLotsOf(
        uint64 slot,
        uint256 from,
        uint256 count
    ) external view returns (IEnergyMarketView.SellLot[] memory lots);

    /// @notice See IEnergyMarketView.buyFillsOf.
    function buyFillsOf(
        uint64 slot,
        uint256 from,
        uint256 count
    ) external view returns (IEnergyMarketView.BuyFill[] memory fills);
}
