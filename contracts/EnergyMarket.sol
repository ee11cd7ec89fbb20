// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {OrderRouter} from "./OrderRouter.sol";
import {IEnergyMarket} from "./interfaces/IEnergyMarket.sol";
import {IEnergyMarketView} from "./interfaces/IEnergyMarketView.sol";
import {IMeterRegistry} from "./interfaces/IMeterRegistry.sol";
import {ISettlementHook} from "./interfaces/ISettlementHook.sol";
import {MarketLedger} from "./libraries/MarketLedger.sol";
import {OrderPacking} from "./libraries/OrderPacking.sol";
import {SlotBook} from "./libraries/SlotBook.sol";
import {SlotClock} from "./libraries/SlotClock.sol";
import {SlotSettlement} from "./libraries/SlotSettlement.sol";
import {UniformPriceClearing} from "./libraries/UniformPriceClearing.sol";
import {BookWord, BookWordLibrary} from "./types/BookWord.sol";
import {OrderWord, OrderWordLibrary} from "./types/OrderWord.sol";
import {ResultWord, ResultWordLibrary} from "./types/ResultWord.sol";

/// @title EnergyMarket
/// @notice Uniform-price double auction per 15-minute delivery slot, with escrow in an internal ledger and
/// settlement against the meters' signed readings.
/// @dev Invariants: token balance >= sum of free + locked balances + escrowed(); per cleared slot, buy fills
/// = sell fills = Q (checked in `clear`); every lock is released by cancel, clear or settle.
/// The logic lives in libraries over this contract's storage: MarketLedger (accounts and the one balance
/// choke point), SlotBook (placement, eviction, cancellation) and SlotSettlement (clearing fills, money
/// settlement). This contract keeps the external functions, access control, the checks that need its
/// immutables, the events and the views. Storage: one word per order and a book word and a result word per
/// ring position (slot % RING), reused every RING slots (see SlotBook and contracts/types/).
contract EnergyMarket is IEnergyMarket, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using MarketLedger for MarketLedger.State;
    using SlotBook for SlotBook.State;
    using SlotSettlement for SlotBook.State;

    /// @notice May change the market parameters (for future slots only).
    bytes32 public constant GRID_OPERATOR_ROLE = keccak256("GRID_OPERATOR_ROLE");

    /// @notice Number of ring positions: slot s lives at position s % RING until slot s + RING opens.
    uint256 public constant RING = SlotBook.RING;
    /// @notice Highest per-slot order cap, with or without certificates: a full slot's clearing and its
    /// money settlement each fit one transaction at least 10 % below the 16,777,216 gas per-transaction
    /// cap (the measured worst cases are in gas/GAS.md, "Order cap"); certificates never run inside them.
    uint256 public constant MAX_ORDERS_PER_SLOT = 1_000;
    /// @notice Bounds of the parameters.
    uint256 public constant MAX_MIN_ORDER_WH = 100_000;
    uint256 public constant MAX_COLLATERAL_PER_WH = 1_000_000;
    uint256 public constant MAX_PENALTY_PER_WH = 1_000_000;
    uint256 public constant MAX_MIN_BUY_PRICE_PER_WH = 1_000_000;

    /// @dev The `nonce` of `_place` for an order from the trader's own account: no nonce is used.
    uint256 private constant _NO_NONCE = type(uint256).max;

    IERC20 private immutable _token;
    IMeterRegistry private immutable _registry;
    uint256 private immutable _genesis;
    uint256 private immutable _slotLength;
    uint256 private immutable _readingWindow;
    uint64 private immutable _horizonSlots;
    uint64 private immutable _gateClosureSeconds;
    uint32 private immutable _maxOrdersPerSlot;
    uint32 private immutable _maxOrdersPerSide;
    /// @dev Created here, so that nobody can ever change whom the market trusts with placeOrderFor.
    OrderRouter private immutable _orderRouter;

    /// @dev Changes waiting for their activation slot. Word 1: the pending parameters. Word 2:
    /// | 64 free | 64 gridOperatorFromSlot | 32 gridOperatorId | 32 priorGridOperatorId | 64 activationSlot |
    /// The grid operator's ledger account id is `gridOperatorId` for the slots from `gridOperatorFromSlot` on,
    /// `priorGridOperatorId` for the earlier ones; a slot's book snapshots it at its first order. It shares
    /// the word `_paramsFor` reads there, so the snapshot costs no cold storage read.
    struct Pending {
        MarketParams params;
        uint64 activationSlot;
        uint32 priorGridOperatorId;
        uint32 gridOperatorId;
        uint64 gridOperatorFromSlot;
    }

    /// @dev Accounts and balances; changed only through MarketLedger.
    MarketLedger.State private _ledger;
    ISettlementHook private _settlementHook;
    /// @dev Order, book and result words of the ring positions.
    SlotBook.State private _slots;

    MarketParams private _params;
    Pending private _pending;
    uint256 private _escrowed;

    constructor(MarketConfig memory config) {
        if (
            address(config.token) == address(0) ||
            address(config.registry) == address(0) ||
            config.admin == address(0) ||
            config.gridOperator == address(0) ||
            config.gridOperatorAccount == address(0)
        ) revert MarketZeroAddress();
        (uint256 genesis, uint256 slotLength, uint256 readingWindow) = config.registry.slotClock();
        // A slot must be settleable before the slot RING later can open at the same ring position.
        uint256 lagSlots = 1 + (readingWindow + slotLength - 1) / slotLength;
        if (
            config.horizonSlots == 0 ||
            config.horizonSlots + lagSlots >= RING ||
            config.gateClosureSeconds >= config.horizonSlots * slotLength ||
            config.maxOrdersPerSlot < 2 ||
            config.maxOrdersPerSlot > MAX_ORDERS_PER_SLOT
        ) revert MarketInvalidConfig(config.horizonSlots, lagSlots, config.maxOrdersPerSlot);
        uint64 changeDelaySlots = config.registry.changeDelaySlots();
        if (changeDelaySlots <= config.horizonSlots) {
            revert MarketChangeDelayTooShort(changeDelaySlots, config.horizonSlots);
        }
        _checkParams(config.params);

        _token = config.token;
        _registry = config.registry;
        _genesis = genesis;
        _slotLength = slotLength;
        _readingWindow = readingWindow;
        _horizonSlots = config.horizonSlots;
        _gateClosureSeconds = config.gateClosureSeconds;
        _maxOrdersPerSlot = config.maxOrdersPerSlot;
        _maxOrdersPerSide = config.maxOrdersPerSlot / 2;
        _params = config.params;
        _grantRole(DEFAULT_ADMIN_ROLE, config.admin);
        _grantRole(GRID_OPERATOR_ROLE, config.gridOperator);
        _scheduleGridOperatorAccount(config.gridOperatorAccount, 0);
        _orderRouter = new OrderRouter(this);
    }

    // ----------------------------------------------------------------------------------------------
    // Money
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc IEnergyMarket
    function deposit(uint256 amount) external nonReentrant {
        _deposit(msg.sender, amount);
    }

    /// @inheritdoc IEnergyMarket
    function depositFor(address account, uint256 amount) external nonReentrant {
        if (account == address(0)) revert MarketZeroAddress();
        _deposit(account, amount);
    }

    /// @inheritdoc IEnergyMarket
    function withdraw(uint256 amount) external nonReentrant {
        if (amount == 0) revert MarketZeroAmount();
        uint32 id = _ledger.idOf[msg.sender];
        if (id == 0) revert MarketInsufficientBalance(msg.sender, 0, amount);
        _ledger.update(id, 0, amount, 0, 0);
        emit Withdrawn(msg.sender, amount);
        _token.safeTransfer(msg.sender, amount);
    }

    // ----------------------------------------------------------------------------------------------
    // Orders
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc IEnergyMarket
    function placeOrder(
        uint64 slot,
        Side side,
        uint48 quantityWh,
        uint64 limitPrice,
        address meter
    ) external returns (uint256 orderId) {
        return _place(msg.sender, _NO_NONCE, slot, side, quantityWh, limitPrice, meter);
    }

    /// @inheritdoc IEnergyMarket
    function placeOrderFor(
        address trader,
        uint256 nonce,
        uint64 slot,
        Side side,
        uint48 quantityWh,
        uint64 limitPrice,
        address meter
    ) external returns (uint256 orderId) {
        if (msg.sender != address(_orderRouter)) revert MarketNotRouter(msg.sender);
        return _place(trader, nonce, slot, side, quantityWh, limitPrice, meter);
    }

    /// @inheritdoc IEnergyMarket
    function advanceNonce(address trader, uint32 from, uint32 to) external returns (bool) {
        if (msg.sender != address(_orderRouter)) revert MarketNotRouter(msg.sender);
        return _ledger.advanceNonce(_accountOf(trader), from, to);
    }

    /// @inheritdoc IEnergyMarket
    function cancelOrder(uint256 orderId) external {
        (uint64 slot, uint256 sideBit, uint256 index) = OrderPacking.decodeOrderId(orderId);
        uint256 gate = _gateClosureOf(slot);
        if (block.timestamp >= gate) revert MarketGateClosed(slot, gate, block.timestamp);
        // Beyond the horizon no order exists; within it, the generation tells the slot apart unambiguously.
        if (slot > _lastOpenSlot()) revert MarketUnknownOrder(orderId);
        uint256 released = _slots.cancel(_ledger, orderId, slot, sideBit, index);
        emit OrderCancelled(orderId, msg.sender, released);
    }

    // ----------------------------------------------------------------------------------------------
    // Clearing and settlement
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc IEnergyMarket
    function clear(uint64 slot) external {
        uint256 position = slot % RING;
        BookWord book = _slots.books[position];
        if (book.slot() != slot || book.status() != BookWordLibrary.STATUS_OPEN) {
            revert MarketSlotNotOpen(slot, _statusOf(slot, book));
        }
        uint256 gate = _gateClosureOf(slot);
        if (block.timestamp < gate) revert MarketGateNotClosed(slot, gate, block.timestamp);

        (UniformPriceClearing.Result memory r, uint256 liveBuys, uint256 liveSells) = _slots.clear(
            _ledger,
            slot,
            position,
            book
        );
        _slots.results[position] = ResultWordLibrary.pack(r.price, r.quantityWh);
        if (r.quantityWh == 0) {
            // Nothing traded, every lock is released: nothing is left to settle.
            _slots.books[position] = book.withStatus(BookWordLibrary.STATUS_SETTLED);
        } else {
            _slots.books[position] = book.withStatus(BookWordLibrary.STATUS_CLEARED);
            _escrowed += r.price * r.quantityWh;
        }
        // P < 2^64, Q <= cap * 2^48 < 2^64, counts <= cap: the casts are exact.
        emit SlotCleared(slot, uint64(r.price), uint64(r.quantityWh), uint32(liveBuys), uint32(liveSells));
    }

    /// @inheritdoc IEnergyMarket
    function settle(uint64 slot) external nonReentrant {
        uint256 position = slot % RING;
        BookWord book = _slots.books[position];
        if (book.slot() != slot || book.status() != BookWordLibrary.STATUS_CLEARED) {
            revert MarketSlotNotCleared(slot, _statusOf(slot, book));
        }
        uint256 windowEnd = _readingWindowEnd(slot);
        if (block.timestamp < windowEnd) revert MarketReadingWindowOpen(slot, windowEnd, block.timestamp);

        ResultWord result = _slots.results[position];
        uint256 price = result.price();
        uint256 quantity = result.quantityWh();
        SlotSettlement.Totals memory totals = _slots.settleSells(
            _ledger,
            _registry,
            slot,
            position,
            book,
            price
        );
        if (totals.deliveredWh + totals.shortfallWh != quantity) {
            revert MarketConservationViolated(
                slot,
                quantity,
                totals.deliveredWh + totals.shortfallWh,
                quantity
            );
        }
        // The account the slot was traded under (snapshotted at its first order), whatever the admin set since.
        if (totals.gridOperatorPay != 0)
            _ledger.update(book.gridOperatorId(), totals.gridOperatorPay, 0, 0, 0);
        _escrowed -= price * quantity;
        _slots.books[position] = book.withStatus(BookWordLibrary.STATUS_SETTLED);
        emit SlotSettled(slot, totals.deliveredWh, totals.shortfallWh, totals.penalties);
    }

    // ----------------------------------------------------------------------------------------------
    // Administration
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc IEnergyMarket
    function setParams(MarketParams calldata newParams) external onlyRole(GRID_OPERATOR_ROLE) {
        _checkParams(newParams);
        uint64 pendingSlot = _pending.activationSlot;
        // Once the current slot reached the activation slot, no slot before it can get a first order any
        // more: the pending change has become the parameters in force.
        uint64 last = _lastOpenSlot();
        if (pendingSlot != 0) {
            if (_currentSlot() >= pendingSlot)
                _params = _pending.params;
                // A pending change that slots open for trading already advertise (paramsForSlot) is kept:
                // replacing it would change what those slots' first orders snapshot.
            else if (pendingSlot <= last) revert MarketParamsAnnounced(pendingSlot, last);
        }
        uint64 activationSlot = last + 1;
        _pending.params = newParams;
        _pending.activationSlot = activationSlot;
        emit ParamsScheduled(newParams, activationSlot);
    }

    /// @inheritdoc IEnergyMarket
    function setGridOperatorAccount(address account) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (account == address(0)) revert MarketZeroAddress();
        uint64 last = _lastOpenSlot();
        uint64 from = _pending.gridOperatorFromSlot;
        // As in setParams: once the current slot (0 before genesis) reached `from`, no slot before it can get a
        // first order, so the account in force from `from` on becomes the one before the new activation slot.
        if (last - _horizonSlots >= from) {
            _pending.priorGridOperatorId = _pending.gridOperatorId;
        } else if (from <= last) {
            // Slots open for trading advertise the pending account (gridOperatorAccountOf): it is kept.
            revert MarketGridOperatorAccountAnnounced(_ledger.accountAt[_pending.gridOperatorId], from, last);
        }
        _scheduleGridOperatorAccount(account, last + 1);
    }

    /// @inheritdoc IEnergyMarket
    function setSettlementHook(ISettlementHook hook) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (address(hook) == address(0)) revert MarketZeroAddress();
        if (address(_settlementHook) != address(0)) revert MarketHookAlreadySet(address(_settlementHook));
        _settlementHook = hook;
        emit SettlementHookSet(address(hook));
    }

    // ----------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc IEnergyMarket
    function token() external view returns (IERC20) {
        return _token;
    }

    /// @inheritdoc IEnergyMarket
    function registry() external view returns (IMeterRegistry) {
        return _registry;
    }

    /// @inheritdoc IEnergyMarket
    function settlementHook() external view returns (ISettlementHook) {
        return _settlementHook;
    }

    /// @inheritdoc IEnergyMarket
    function gridOperatorAccount() external view returns (address) {
        return gridOperatorAccountOf(_lastOpenSlot() - _horizonSlots);
    }

    /// @inheritdoc IEnergyMarket
    function gridOperatorAccountOf(uint64 slot) public view returns (address) {
        BookWord book = _slots.books[slot % RING];
        _revertIfRecycled(slot, book);
        bool opened = book.slot() == slot && book.status() != BookWordLibrary.STATUS_NONE;
        return _ledger.accountAt[opened ? book.gridOperatorId() : _gridOperatorIdFor(slot)];
    }

    /// @inheritdoc IEnergyMarket
    function balanceOf(address account) external view returns (uint256 free, uint256 locked) {
        return _ledger.balanceOf(account);
    }

    /// @inheritdoc IEnergyMarket
    function accountIdOf(address account) external view returns (uint32) {
        return _ledger.idOf[account];
    }

    /// @inheritdoc IEnergyMarket
    function escrowed() external view returns (uint256) {
        return _escrowed;
    }

    /// @inheritdoc IEnergyMarket
    function orderOf(uint256 orderId) public view returns (Order memory order) {
        (uint64 slot, uint256 sideBit, uint256 index) = OrderPacking.decodeOrderId(orderId);
        uint256 position = slot % RING;
        BookWord book = _slots.books[position];
        _revertIfRecycled(slot, book);
        OrderWord word = _slots.orders[SlotBook.orderKey(position, sideBit, index)];
        if (
            book.slot() != slot ||
            word.status() == OrderWordLibrary.STATUS_NONE ||
            word.generation() != OrderWordLibrary.generationOfSlot(slot, RING)
        ) revert MarketUnknownOrder(orderId);
        OrderWordLibrary.Fields memory f = word.unpack();
        order.account = _ledger.accountAt[f.accountId];
        order.side = sideBit == OrderPacking.SIDE_BUY ? Side.Buy : Side.Sell;
        order.status = OrderStatus(f.status);
        if (f.meterIndex != 0) order.meter = _registry.meterAt(f.meterIndex);
        order.quantityWh = f.quantityWh;
        order.filledWh = f.fillWh;
        // A filled sell's limit field holds its meter's fills once the slot is cleared (the cleared sell word).
        if (sideBit == OrderPacking.SIDE_BUY || f.fillWh == 0) order.limitPrice = f.limitPrice;
    }

    /// @inheritdoc IEnergyMarket
    function fillOf(uint256 orderId) external view returns (uint256) {
        return orderOf(orderId).filledWh;
    }

    /// @inheritdoc IEnergyMarket
    function slotInfo(uint64 slot) external view returns (SlotInfo memory info) {
        uint256 position = slot % RING;
        BookWord book = _slots.books[position];
        _revertIfRecycled(slot, book);
        if (book.slot() != slot || book.status() == BookWordLibrary.STATUS_NONE) {
            info.params = _paramsFor(slot);
            return info;
        }
        BookWordLibrary.Fields memory f = book.unpack();
        info.status = SlotStatus(f.status);
        info.buyOrders = f.buyCount;
        info.sellOrders = f.sellCount;
        info.params = MarketParams(f.minOrderWh, f.collateralPerWh, f.penaltyPerWh, f.minBuyPricePerWh);
        if (f.status >= BookWordLibrary.STATUS_CLEARED) {
            ResultWord result = _slots.results[position];
            info.price = uint64(result.price());
            info.clearedWh = uint64(result.quantityWh());
        }
    }

    /// @inheritdoc IEnergyMarket
    function isSlotFinal(uint64 slot) external view returns (bool) {
        BookWord book = _slots.books[slot % RING];
        if (book.status() != BookWordLibrary.STATUS_NONE) {
            uint64 occupant = book.slot();
            if (occupant == slot) return book.status() == BookWordLibrary.STATUS_SETTLED;
            // A newer slot reuses the position: this one was settled before it could.
            if (occupant > slot) return true;
        }
        // The slot never had an order; none can come once its reading window has closed.
        return block.timestamp >= _readingWindowEnd(slot);
    }

    /// @inheritdoc IEnergyMarket
    function paramsForSlot(uint64 slot) external view returns (MarketParams memory) {
        BookWord book = _slots.books[slot % RING];
        if (book.slot() == slot && book.status() != BookWordLibrary.STATUS_NONE) {
            return
                MarketParams(
                    uint32(book.minOrderWh()),
                    uint64(book.collateralPerWh()),
                    uint64(book.penaltyPerWh()),
                    uint64(book.minBuyPricePerWh())
                );
        }
        return _paramsFor(slot);
    }

    /// @inheritdoc IEnergyMarket
    function params()
        external
        view
        returns (MarketParams memory current, MarketParams memory pending, uint64 activationSlot)
    {
        return (_params, _pending.params, _pending.activationSlot);
    }

    /// @inheritdoc IEnergyMarket
    function gateClosureOf(uint64 slot) external view returns (uint256) {
        return _gateClosureOf(slot);
    }

    /// @inheritdoc IEnergyMarket
    function readingWindowEnd(uint64 slot) external view returns (uint256) {
        return _readingWindowEnd(slot);
    }

    /// @inheritdoc IEnergyMarket
    function currentSlot() external view returns (uint64) {
        return _currentSlot();
    }

    /// @inheritdoc IEnergyMarket
    function lastOpenSlot() external view returns (uint64) {
        return _lastOpenSlot();
    }

    /// @inheritdoc IEnergyMarket
    function horizonSlots() external view returns (uint64) {
        return _horizonSlots;
    }

    /// @inheritdoc IEnergyMarket
    function gateClosureSeconds() external view returns (uint64) {
        return _gateClosureSeconds;
    }

    /// @inheritdoc IEnergyMarket
    function maxOrdersPerSlot() external view returns (uint32) {
        return _maxOrdersPerSlot;
    }

    /// @inheritdoc IEnergyMarket
    function maxOrdersPerSide() external view returns (uint32) {
        return _maxOrdersPerSide;
    }

    /// @inheritdoc IEnergyMarket
    function orderRouter() external view returns (address) {
        return address(_orderRouter);
    }

    /// @inheritdoc IEnergyMarket
    function nonceOf(address account) external view returns (uint32) {
        return _ledger.nonceOf(account);
    }

    /// @inheritdoc IEnergyMarket
    function settledTrade(
        uint64 slot
    ) public view returns (bool held, uint256 clearedWh, uint256 buyOrders, uint256 sellOrders) {
        uint256 position = slot % RING;
        BookWord book = _slots.books[position];
        if (book.slot() != slot || book.status() != BookWordLibrary.STATUS_SETTLED) return (false, 0, 0, 0);
        clearedWh = _slots.results[position].quantityWh();
        if (clearedWh == 0) return (false, 0, 0, 0);
        return (true, clearedWh, book.buyCount(), book.sellCount());
    }

    /// @inheritdoc IEnergyMarket
    function sellLotsOf(
        uint64 slot,
        uint256 from,
        uint256 count
    ) external view returns (IEnergyMarketView.SellLot[] memory lots) {
        uint256 keyBase;
        (keyBase, count) = _settledPage(slot, OrderPacking.SIDE_SELL, from, count);
        lots = new IEnergyMarketView.SellLot[](count);
        for (uint256 k; k < count; ++k) {
            OrderWord word = _slots.orders[keyBase | (from + k)];
            uint256 fill = word.fillWh();
            if (fill == 0) continue;
            // Fields of a cleared sell word: the casts are exact.
            lots[k] = IEnergyMarketView.SellLot(
                word.meterIndex(),
                uint48(fill),
                uint32(word.priorFillWh()),
                uint32(word.meterFillWh())
            );
        }
    }

    /// @inheritdoc IEnergyMarket
    function buyFillsOf(
        uint64 slot,
        uint256 from,
        uint256 count
    ) external view returns (IEnergyMarketView.BuyFill[] memory fills) {
        uint256 keyBase;
        (keyBase, count) = _settledPage(slot, OrderPacking.SIDE_BUY, from, count);
        fills = new IEnergyMarketView.BuyFill[](count);
        for (uint256 k; k < count; ++k) {
            OrderWord word = _slots.orders[keyBase | (from + k)];
            uint256 fill = word.fillWh();
            if (fill == 0) continue;
            fills[k] = IEnergyMarketView.BuyFill(_ledger.accountAt[word.accountId()], uint48(fill));
        }
    }

    // ----------------------------------------------------------------------------------------------
    // Internals
    // ----------------------------------------------------------------------------------------------

    function _deposit(address account, uint256 amount) private {
        if (amount == 0) revert MarketZeroAmount();
        uint32 id = _accountOf(account);
        // Credit what arrived (not what was asked), so a token that takes a fee cannot make the market
        // insolvent; the guard keeps a re-entrant token from counting one arrival twice.
        uint256 before = _token.balanceOf(address(this));
        _token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = _token.balanceOf(address(this)) - before;
        _ledger.update(id, received, 0, 0, 0);
        emit Deposited(account, msg.sender, received);
    }

    /// @dev Makes `account` (opening its ledger account if needed) the grid operator's from `fromSlot` on.
    function _scheduleGridOperatorAccount(address account, uint64 fromSlot) private {
        _pending.gridOperatorId = _accountOf(account);
        _pending.gridOperatorFromSlot = fromSlot;
        emit GridOperatorAccountScheduled(account, fromSlot);
    }

    /// @dev The grid operator's account id a first order of `slot` snapshots.
    function _gridOperatorIdFor(uint64 slot) private view returns (uint32) {
        return slot >= _pending.gridOperatorFromSlot ? _pending.gridOperatorId : _pending.priorGridOperatorId;
    }

    /// @dev Places an order for `trader` (the caller, or a signer whose signature the router checked); a
    /// signed order (`nonce` != _NO_NONCE) also consumes `trader`'s nonce `nonce` in the same ledger write.
    function _place(
        address trader,
        uint256 nonce,
        uint64 slot,
        Side side,
        uint48 quantityWh,
        uint64 limitPrice,
        address meter
    ) private returns (uint256 orderId) {
        (uint256 position, BookWord book) = _bookForNewOrder(slot, quantityWh);
        uint32 meterIndex;
        if (side == Side.Buy) {
            if (meter != address(0)) revert MarketBuyWithMeter(meter);
        } else {
            meterIndex = _sellerMeterIndex(meter, slot, trader);
        }
        (uint256 sideBit, uint256 lock, OrderWord word) = SlotBook.orderTerms(
            book,
            slot,
            side == Side.Sell,
            quantityWh,
            limitPrice,
            meterIndex
        );
        // The account id field of `word` is zero: OR-ing the id in sets it.
        word = OrderWord.wrap(OrderWord.unwrap(word) | _lockFor(trader, nonce, lock));
        orderId = _slots.record(_ledger, slot, position, book, sideBit, word, _maxOrdersPerSide);
        emit OrderPlaced(orderId, trader, slot, side, quantityWh, limitPrice, meterIndex, lock);
    }

    /// @dev Locks `lock` of `trader`'s free balance (opening its account if needed) and, for a signed order,
    /// consumes its nonce in the same ledger write; returns the account id.
    function _lockFor(address trader, uint256 nonce, uint256 lock) private returns (uint32 accountId) {
        accountId = _accountOf(trader);
        // lock >= minOrderWh >= 1: the parameters' lower bounds make every order lock something.
        if (nonce == _NO_NONCE) _ledger.update(accountId, 0, lock, lock, 0);
        else _ledger.lockWithNonce(accountId, trader, lock, nonce);
    }

    /// @dev The account id of `account`, opening its account if it has none.
    function _accountOf(address account) private returns (uint32 id) {
        id = _ledger.idOf[account];
        if (id == 0) id = _ledger.open(account);
    }

    /// @dev Checks the order window, the cap and the minimum size; returns the ring position and the
    /// slot's (possibly new) book.
    function _bookForNewOrder(
        uint64 slot,
        uint256 quantityWh
    ) private view returns (uint256 position, BookWord book) {
        uint256 gate = _gateClosureOf(slot);
        if (block.timestamp >= gate) revert MarketGateClosed(slot, gate, block.timestamp);
        uint64 last = _lastOpenSlot();
        if (slot > last) revert MarketBeyondHorizon(slot, last);
        position = slot % RING;
        book = _slots.books[position];
        if (book.slot() != slot || book.status() == BookWordLibrary.STATUS_NONE) {
            book = _slots.openBook(slot, book, _settlementHook, _paramsFor(slot), _gridOperatorIdFor(slot));
        }
        // The book is Open: clearing needs the gate closed, and the gate is open. A full side is handled
        // when the order is recorded (`SlotBook.record`).
        if (quantityWh < book.minOrderWh()) revert MarketOrderTooSmall(quantityWh, book.minOrderWh());
    }

    /// @dev The order key base of one side of a settled, traded, held slot and the page length clipped to it.
    function _settledPage(
        uint64 slot,
        uint256 sideBit,
        uint256 from,
        uint256 count
    ) private view returns (uint256 keyBase, uint256 clipped) {
        (bool held, , uint256 buys, uint256 sells) = settledTrade(slot);
        if (!held) revert MarketSlotNotSettled(slot, _statusOf(slot, _slots.books[slot % RING]));
        uint256 total = sideBit == OrderPacking.SIDE_BUY ? buys : sells;
        clipped = from >= total ? 0 : (count < total - from ? count : total - from);
        keyBase = SlotBook.orderKey(slot % RING, sideBit, 0);
    }

    /// @dev The parameters a first order of `slot` snapshots.
    function _paramsFor(uint64 slot) private view returns (MarketParams memory) {
        uint64 pendingSlot = _pending.activationSlot;
        if (pendingSlot != 0 && slot >= pendingSlot) return _pending.params;
        return _params;
    }

    function _checkParams(MarketParams memory p) private pure {
        if (p.minOrderWh == 0 || p.minOrderWh > MAX_MIN_ORDER_WH) {
            revert MarketParamOutOfBounds(p.minOrderWh, 1, MAX_MIN_ORDER_WH);
        }
        if (p.sellerCollateralPerWh == 0 || p.sellerCollateralPerWh > MAX_COLLATERAL_PER_WH) {
            revert MarketParamOutOfBounds(p.sellerCollateralPerWh, 1, MAX_COLLATERAL_PER_WH);
        }
        if (p.minBuyPricePerWh == 0 || p.minBuyPricePerWh > MAX_MIN_BUY_PRICE_PER_WH) {
            revert MarketParamOutOfBounds(p.minBuyPricePerWh, 1, MAX_MIN_BUY_PRICE_PER_WH);
        }
        if (p.penaltyPerWh > MAX_PENALTY_PER_WH)
            revert MarketParamOutOfBounds(p.penaltyPerWh, 0, MAX_PENALTY_PER_WH);
    }

    /// @dev The registry index of `meter`, a generation (or bidirectional) meter active for `slot` whose owner
    /// of record for `slot` is `trader`.
    function _sellerMeterIndex(address meter, uint64 slot, address trader) private view returns (uint32) {
        IMeterRegistry.Meter memory m = _registry.meterOfSlot(meter, slot);
        if (m.status != IMeterRegistry.MeterStatus.Active || m.kind == IMeterRegistry.MeterKind.Consumption) {
            revert MarketInvalidMeter(meter, m.kind, m.status);
        }
        if (m.owner != trader) revert MarketNotMeterOwner(meter, m.owner, trader);
        return m.index;
    }

    function _revertIfRecycled(uint64 slot, BookWord book) private pure {
        if (book.status() != BookWordLibrary.STATUS_NONE && book.slot() > slot) {
            revert MarketSlotRecycled(slot, book.slot());
        }
    }

    /// @dev The status of `slot` as seen from the book word of its ring position.
    function _statusOf(uint64 slot, BookWord book) private pure returns (SlotStatus) {
        if (book.slot() != slot) return SlotStatus.None;
        return SlotStatus(book.status());
    }

    function _gateClosureOf(uint64 slot) private view returns (uint256) {
        uint256 start = SlotClock.startOf(_genesis, _slotLength, slot);
        return start > _gateClosureSeconds ? start - _gateClosureSeconds : 0;
    }

    function _readingWindowEnd(uint64 slot) private view returns (uint256) {
        return SlotClock.endOf(_genesis, _slotLength, slot) + _readingWindow;
    }

    function _currentSlot() private view returns (uint64) {
        return SlotClock.slotOf(_genesis, _slotLength, block.timestamp);
    }

    /// @dev Before genesis the first `horizon + 1` slots are open.
    function _lastOpenSlot() private view returns (uint64) {
        if (block.timestamp < _genesis) return _horizonSlots;
        return _currentSlot() + _horizonSlots;
    }
}
