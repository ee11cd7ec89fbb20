// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Panic} from "@openzeppelin/contracts/utils/Panic.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SlotDerivation} from "@openzeppelin/contracts/utils/SlotDerivation.sol";
import {TransientSlot} from "@openzeppelin/contracts/utils/TransientSlot.sol";

import {IEnergyMarket} from "./interfaces/IEnergyMarket.sol";
import {IEnergyMarketView} from "./interfaces/IEnergyMarketView.sol";
import {IMeterRegistry} from "./interfaces/IMeterRegistry.sol";
import {ISettlementHook} from "./interfaces/ISettlementHook.sol";
import {OrderPacking} from "./libraries/OrderPacking.sol";
import {SlotClock} from "./libraries/SlotClock.sol";
import {UniformPriceClearing} from "./libraries/UniformPriceClearing.sol";

/// @title EnergyMarket
/// @notice Uniform-price double auction per 15-minute delivery slot, with escrow in an internal ledger and
/// settlement against the meters' signed readings.
/// @dev Invariants: token balance >= sum of free + locked balances + escrowed(); per cleared slot, buy fills
/// = sell fills = Q (checked in `clear`); every lock is released by cancel, clear or settle.
/// Storage: one word per order and a book word and a result word per ring position (slot % RING), reused
/// every RING slots so that steady-state orders overwrite words instead of creating them (see OrderPacking).
contract EnergyMarket is IEnergyMarket, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using OrderPacking for uint256;
    using SlotDerivation for bytes32;
    using TransientSlot for bytes32;
    using TransientSlot for TransientSlot.Uint256Slot;

    /// @notice May change the market parameters (for future slots only).
    bytes32 public constant GRID_OPERATOR_ROLE = keccak256("GRID_OPERATOR_ROLE");

    /// @notice Number of ring positions: slot s lives at position s % RING until slot s + RING opens.
    uint256 public constant RING = 256;
    /// @notice Highest per-slot order cap, with or without certificates: a full slot's clearing and its
    /// money settlement each fit one transaction at least 10 % below the 16,777,216 gas per-transaction
    /// cap (the measured worst cases are in gas/GAS.md, "Order cap"); certificates never run inside them.
    uint256 public constant MAX_ORDERS_PER_SLOT = 1_000;
    /// @notice Bounds of the parameters.
    uint256 public constant MAX_MIN_ORDER_WH = 100_000;
    uint256 public constant MAX_COLLATERAL_PER_WH = 1_000_000;
    uint256 public constant MAX_PENALTY_PER_WH = 1_000_000;
    uint256 public constant MAX_MIN_BUY_PRICE_PER_WH = 1_000_000;

    /// @dev Transient namespace of the running fills of a meter's sell orders while `clear` records them.
    bytes32 private constant _METER_FILLS = keccak256("gridledger.market.meterFills");

    IERC20 private immutable _token;
    IMeterRegistry private immutable _registry;
    uint256 private immutable _genesis;
    uint256 private immutable _slotLength;
    uint256 private immutable _readingWindow;
    uint64 private immutable _horizonSlots;
    uint64 private immutable _gateClosureSeconds;
    uint32 private immutable _maxOrdersPerSlot;
    uint32 private immutable _maxOrdersPerSide;

    /// @dev A parameter change waiting for its activation slot (one word).
    struct PendingParams {
        MarketParams params;
        uint64 activationSlot;
    }

    /// @dev One side of a book during clearing: live orders as clearing entries (sorted by `clear`), every
    /// order word of the side by order index, and the fills aligned with the sorted entries.
    struct BookSide {
        uint256[] entries;
        uint256[] words;
        uint256[] fills;
    }

    mapping(address account => uint32 id) private _accountIdOf;
    mapping(uint32 id => address account) private _accountAt;
    /// @dev Ledger word per account id: | 128 free | 128 locked |. Changed only by `_updateAccount`.
    mapping(uint32 id => uint256 word) private _accounts;
    uint32 private _accountCount;
    uint32 private _gridOperatorId;
    address private _gridOperatorAccount;
    ISettlementHook private _settlementHook;

    /// @dev Order words (OrderPacking) keyed by | ring position | side (1 bit) | index (32 bits) |.
    mapping(uint256 key => uint256 word) private _orders;
    /// @dev Book word (OrderPacking) per ring position.
    uint256[RING] private _books;
    /// @dev Result word (OrderPacking: P and Q) per ring position.
    uint256[RING] private _results;

    MarketParams private _params;
    PendingParams private _pending;
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
        _setGridOperatorAccount(config.gridOperatorAccount);
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
        uint32 id = _accountIdOf[msg.sender];
        if (id == 0) revert MarketInsufficientBalance(msg.sender, 0, amount);
        _updateAccount(id, 0, amount, 0, 0);
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
        (uint256 position, uint256 book) = _bookForNewOrder(slot, quantityWh);
        (uint256 sideBit, uint256 lock, uint256 word) = _orderTerms(
            slot,
            side,
            quantityWh,
            limitPrice,
            meter,
            book
        );
        uint32 accountId = _accountIdOf[msg.sender];
        if (accountId == 0) accountId = _openAccount(msg.sender);
        // lock >= minOrderWh >= 1: the parameters' lower bounds make every order lock something.
        _updateAccount(accountId, 0, lock, lock, 0);
        orderId = _recordOrder(slot, position, book, sideBit, word | accountId);
        emit OrderPlaced(orderId, msg.sender, slot, side, quantityWh, limitPrice, word.meterIndexOf());
    }

    /// @dev The side bit, the lock and the order word (without its account id) of a new order.
    function _orderTerms(
        uint64 slot,
        Side side,
        uint256 quantityWh,
        uint256 limitPrice,
        address meter,
        uint256 book
    ) private view returns (uint256 sideBit, uint256 lock, uint256 word) {
        uint32 meterIndex;
        if (side == Side.Buy) {
            if (meter != address(0)) revert MarketBuyWithMeter(meter);
            uint256 minPrice = book.bookMinBuyPricePerWh();
            if (limitPrice < minPrice) revert MarketPriceBelowMinimum(limitPrice, minPrice);
            // < 2^48 * 2^64: no overflow.
            lock = quantityWh * limitPrice;
        } else {
            meterIndex = _sellerMeterIndex(meter);
            sideBit = OrderPacking.SIDE_SELL;
            lock = quantityWh * book.bookCollateralPerWh();
        }
        word = OrderPacking.packOrder(
            0,
            meterIndex,
            quantityWh,
            limitPrice,
            OrderPacking.generationOfSlot(slot, RING)
        );
    }

    /// @dev Stores a new order word at the next index of its side and counts it in the book or, on a full
    /// side, at the index `_freeIndexOfFullSide` frees.
    function _recordOrder(
        uint64 slot,
        uint256 position,
        uint256 book,
        uint256 sideBit,
        uint256 word
    ) private returns (uint256 orderId) {
        uint256 count = sideBit == OrderPacking.SIDE_BUY ? book.bookBuyCount() : book.bookSellCount();
        uint256 index = count;
        if (count < _maxOrdersPerSide) _books[position] = book.bookWithOrderAdded(sideBit);
        else index = _freeIndexOfFullSide(slot, position, book, sideBit, count, word);
        _orders[_orderKey(position, sideBit, index)] = word;
        orderId = OrderPacking.orderId(slot, sideBit, index);
    }

    /// @dev On a full side: the first cancelled order's index, else the index of the worst live order, evicted
    /// with its lock refunded, if `word`'s limit is strictly better; else reverts.
    function _freeIndexOfFullSide(
        uint64 slot,
        uint256 position,
        uint256 book,
        uint256 sideBit,
        uint256 count,
        uint256 word
    ) private returns (uint256) {
        (bool cancelled, uint256 index, uint256 worst) = _scanFullSide(slot, position, sideBit, count);
        if (cancelled) return index;
        bool buys = sideBit == OrderPacking.SIDE_BUY;
        uint256 price = word.limitPriceOf();
        uint256 worstPrice = worst.limitPriceOf();
        if (buys ? price <= worstPrice : price >= worstPrice) revert MarketSlotFull(slot, _maxOrdersPerSide);
        // < 2^48 * 2^64: no overflow.
        uint256 released = worst.quantityOf() * (buys ? worstPrice : book.bookCollateralPerWh());
        _updateAccount(worst.accountIdOf(), released, 0, 0, released);
        emit OrderEvicted(
            OrderPacking.orderId(slot, sideBit, index),
            _accountAt[worst.accountIdOf()],
            released
        );
        return index;
    }

    /// @dev One pass over a full side (at most the per-side cap of reads): the first cancelled order's index,
    /// or the worst live order (lowest buy / highest sell limit, the highest index among equals) and its word.
    function _scanFullSide(
        uint64 slot,
        uint256 position,
        uint256 sideBit,
        uint256 count
    ) private view returns (bool cancelled, uint256 index, uint256 worst) {
        uint256 liveTag = OrderPacking.liveTagOfSlot(slot, RING);
        uint256 keyBase = _orderKey(position, sideBit, 0);
        bool buys = sideBit == OrderPacking.SIDE_BUY;
        for (uint256 i; i < count; ++i) {
            uint256 w = _orders[keyBase | i];
            // Every word below `count` belongs to this slot: one that is not live was cancelled.
            if (w.tagOf() != liveTag) return (true, i, 0);
            uint256 price = w.limitPriceOf();
            if (i == 0 || (buys ? price <= worst.limitPriceOf() : price >= worst.limitPriceOf())) {
                index = i;
                worst = w;
            }
        }
    }

    /// @inheritdoc IEnergyMarket
    function cancelOrder(uint256 orderId) external {
        (uint64 slot, uint256 sideBit, uint256 index) = OrderPacking.decodeOrderId(orderId);
        uint256 gate = _gateClosureOf(slot);
        if (block.timestamp >= gate) revert MarketGateClosed(slot, gate, block.timestamp);
        // Beyond the horizon no order exists; within it, the generation tells the slot apart unambiguously.
        if (slot > _lastOpenSlot()) revert MarketUnknownOrder(orderId);
        uint256 position = slot % RING;
        uint256 key = _orderKey(position, sideBit, index);
        uint256 word = _orders[key];
        uint256 status = word.statusOf();
        if (
            status == OrderPacking.STATUS_NONE ||
            word.generationOf() != OrderPacking.generationOfSlot(slot, RING)
        ) {
            revert MarketUnknownOrder(orderId);
        }
        if (status != OrderPacking.STATUS_LIVE) revert MarketOrderNotLive(orderId);
        uint32 accountId = word.accountIdOf();
        if (_accountIdOf[msg.sender] != accountId) revert MarketNotOrderOwner(orderId, msg.sender);

        uint256 released =
            word.quantityOf() *
                (
                    sideBit == OrderPacking.SIDE_BUY
                        ? word.limitPriceOf()
                        : _books[position].bookCollateralPerWh()
                );
        _orders[key] = word.withStatus(OrderPacking.STATUS_CANCELLED);
        if (released != 0) _updateAccount(accountId, released, 0, 0, released);
        emit OrderCancelled(orderId, msg.sender, released);
    }

    // ----------------------------------------------------------------------------------------------
    // Clearing
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc IEnergyMarket
    function clear(uint64 slot) external {
        uint256 position = slot % RING;
        uint256 book = _books[position];
        if (book.bookSlot() != slot || book.bookStatus() != OrderPacking.BOOK_OPEN) {
            revert MarketSlotNotOpen(slot, _statusOf(slot, book));
        }
        uint256 gate = _gateClosureOf(slot);
        if (block.timestamp < gate) revert MarketGateNotClosed(slot, gate, block.timestamp);

        (UniformPriceClearing.Result memory r, uint256 liveBuys, uint256 liveSells) = _clearBook(
            slot,
            position,
            book
        );
        _results[position] = OrderPacking.packResult(r.price, r.quantityWh);
        if (r.quantityWh == 0) {
            // Nothing traded, every lock is released: nothing is left to settle.
            _books[position] = book.bookWithStatus(OrderPacking.BOOK_SETTLED);
        } else {
            _books[position] = book.bookWithStatus(OrderPacking.BOOK_CLEARED);
            _escrowed += r.price * r.quantityWh;
        }
        // P < 2^64, Q <= cap * 2^48 < 2^64, counts <= cap: the casts are exact.
        emit SlotCleared(slot, uint64(r.price), uint64(r.quantityWh), uint32(liveBuys), uint32(liveSells));
    }

    /// @dev Runs the clearing rule on the live orders and applies the fills to orders and balances.
    function _clearBook(
        uint64 slot,
        uint256 position,
        uint256 book
    ) private returns (UniformPriceClearing.Result memory r, uint256 liveBuys, uint256 liveSells) {
        BookSide memory buys = _loadLiveOrders(slot, position, OrderPacking.SIDE_BUY, book.bookBuyCount());
        BookSide memory sells = _loadLiveOrders(slot, position, OrderPacking.SIDE_SELL, book.bookSellCount());
        (r, buys.fills, sells.fills) = UniformPriceClearing.clear(buys.entries, sells.entries);
        uint256 collateralPerWh = book.bookCollateralPerWh();
        uint256 boughtWh = _applyFills(position, OrderPacking.SIDE_BUY, buys, r.price, collateralPerWh);
        uint256 soldWh = _applyFills(position, OrderPacking.SIDE_SELL, sells, r.price, collateralPerWh);
        _recordSellFills(slot, position, sells.words);
        if (boughtWh != r.quantityWh || soldWh != r.quantityWh) {
            revert MarketConservationViolated(slot, boughtWh, soldWh, r.quantityWh);
        }
        return (r, buys.entries.length, sells.entries.length);
    }

    /// @dev Reads the live orders of one side into clearing entries (and all its words, by order index).
    function _loadLiveOrders(
        uint64 slot,
        uint256 position,
        uint256 sideBit,
        uint256 count
    ) private view returns (BookSide memory side) {
        uint256 liveTag = OrderPacking.liveTagOfSlot(slot, RING);
        uint256 keyBase = _orderKey(position, sideBit, 0);
        uint256[] memory entries = new uint256[](count);
        uint256[] memory words = new uint256[](count);
        uint256 live;
        // Unchecked: i < count <= cap and live <= i.
        unchecked {
            for (uint256 i; i < count; ++i) {
                uint256 word = _orders[keyBase | i];
                words[i] = word;
                // A word of this slot (index < count) that is not live was cancelled.
                if (word.tagOf() == liveTag) {
                    entries[live++] = UniformPriceClearing.encodeUnchecked(
                        word.limitPriceOf(),
                        i,
                        word.quantityOf()
                    );
                }
            }
        }
        _shrink(entries, live);
        side.entries = entries;
        side.words = words;
    }

    /// @dev Records the fills of one side and releases what clearing frees: a buyer pays P x fill out of its
    /// lock and gets the rest back; a seller gets its unfilled collateral back (the filled part stays locked
    /// until settlement). Returns the sum of the side's fills.
    function _applyFills(
        uint256 position,
        uint256 side,
        BookSide memory book,
        uint256 price,
        uint256 collateralPerWh
    ) private returns (uint256 total) {
        uint256 keyBase = _orderKey(position, side, 0);
        uint256[] memory entries = book.entries;
        uint256[] memory words = book.words;
        uint256[] memory fills = book.fills;
        bool buys = side == OrderPacking.SIDE_BUY;
        // Unchecked: quantity < 2^48, prices and collateral < 2^64, so products < 2^112; fill <= quantity;
        // P <= b* <= the limit of every filled buy, so a buyer's payment <= its lock; total <= Q.
        unchecked {
            for (uint256 k; k < entries.length; ++k) {
                uint256 index = UniformPriceClearing.indexOf(entries[k]);
                uint256 word = words[index];
                uint256 fill = fills[k];
                uint256 unlocked =
                    buys
                        ? word.quantityOf() * word.limitPriceOf()
                        : (word.quantityOf() - fill) * collateralPerWh;
                uint256 refund = buys ? unlocked - price * fill : unlocked;
                if (unlocked != 0) _updateAccount(word.accountIdOf(), refund, 0, 0, unlocked);
                if (fill != 0) {
                    total += fill;
                    if (buys) _orders[keyBase | index] = word.withFill(fill);
                    else words[index] = word.withFill(fill);
                }
            }
        }
    }

    /// @dev Stores the filled sell orders (their words carry the fill since `_applyFills`), each with its
    /// meter's fills before it and in all (OrderPacking's cleared sell word), in two passes by order index:
    /// the first sums the fills per meter in transient storage, the second writes the words.
    function _recordSellFills(uint64 slot, uint256 position, uint256[] memory words) private {
        uint256 keyBase = _orderKey(position, OrderPacking.SIDE_SELL, 0);
        uint256 n = words.length;
        uint256[] memory prior = new uint256[](n);
        // Unchecked: i < n <= cap; running sums < cap * 2^48.
        unchecked {
            for (uint256 i; i < n; ++i) {
                uint256 fill = words[i].fillOf();
                if (fill == 0) continue;
                TransientSlot.Uint256Slot running = _meterFills(slot, words[i].meterIndexOf());
                uint256 before = running.tload();
                prior[i] = before;
                running.tstore(before + fill);
            }
            for (uint256 i; i < n; ++i) {
                uint256 word = words[i];
                if (word.fillOf() == 0) continue;
                uint256 meterFill = _meterFills(slot, word.meterIndexOf()).tload();
                _orders[keyBase | i] = word.withMeterFills(prior[i], meterFill);
            }
        }
    }

    /// @dev Keyed by slot too, so that two clearings in one transaction never see each other's sums.
    function _meterFills(uint64 slot, uint32 meterIndex) private pure returns (TransientSlot.Uint256Slot) {
        return _METER_FILLS.deriveMapping((uint256(slot) << 32) | meterIndex).asUint256();
    }

    // ----------------------------------------------------------------------------------------------
    // Settlement
    // ----------------------------------------------------------------------------------------------

    /// @dev Running totals of a settlement.
    struct SettlementTotals {
        uint256 deliveredWh;
        uint256 shortfallWh;
        uint256 penalties;
        uint256 gridOperatorPay;
    }

    /// @inheritdoc IEnergyMarket
    function settle(uint64 slot) external nonReentrant {
        uint256 position = slot % RING;
        uint256 book = _books[position];
        if (book.bookSlot() != slot || book.bookStatus() != OrderPacking.BOOK_CLEARED) {
            revert MarketSlotNotCleared(slot, _statusOf(slot, book));
        }
        uint256 windowEnd = _readingWindowEnd(slot);
        if (block.timestamp < windowEnd) revert MarketReadingWindowOpen(slot, windowEnd, block.timestamp);

        uint256 result = _results[position];
        uint256 price = result.resultPrice();
        uint256 quantity = result.resultQuantity();
        SettlementTotals memory totals = _settleSells(slot, position, book, price);
        if (totals.deliveredWh + totals.shortfallWh != quantity) {
            revert MarketConservationViolated(
                slot,
                quantity,
                totals.deliveredWh + totals.shortfallWh,
                quantity
            );
        }
        if (totals.gridOperatorPay != 0) _updateAccount(_gridOperatorId, totals.gridOperatorPay, 0, 0, 0);
        _escrowed -= price * quantity;
        _books[position] = book.bookWithStatus(OrderPacking.BOOK_SETTLED);
        emit SlotSettled(slot, totals.deliveredWh, totals.shortfallWh, totals.penalties);
    }

    /// @dev Pays every filled sell order of the slot for what its meter delivered.
    function _settleSells(
        uint64 slot,
        uint256 position,
        uint256 book,
        uint256 price
    ) private returns (SettlementTotals memory totals) {
        uint256 count = book.bookSellCount();
        uint256 keyBase = _orderKey(position, OrderPacking.SIDE_SELL, 0);
        for (uint256 i; i < count; ++i) {
            uint256 word = _orders[keyBase | i];
            uint256 fill = word.fillOf();
            // Cancelled and unfilled orders have no fill (their collateral was released already).
            if (fill == 0) continue;
            (uint256 delivered, uint256 penalty) = _settleSellOrder(slot, word, price, book);
            uint256 shortfall = fill - delivered;
            totals.deliveredWh += delivered;
            totals.shortfallWh += shortfall;
            totals.penalties += penalty;
            totals.gridOperatorPay += price * shortfall + penalty;
        }
    }

    /// @dev Pays one filled sell order: P x delivered plus its collateral less the penalty for the shortfall.
    function _settleSellOrder(
        uint64 slot,
        uint256 word,
        uint256 price,
        uint256 book
    ) private returns (uint256 delivered, uint256 penalty) {
        uint256 fill = word.fillOf();
        delivered = _deliveredOf(slot, word, fill);
        uint256 collateral = fill * book.bookCollateralPerWh();
        penalty = (fill - delivered) * book.bookPenaltyPerWh();
        if (penalty > collateral) penalty = collateral;
        _updateAccount(word.accountIdOf(), collateral - penalty + price * delivered, 0, 0, collateral);
    }

    /// @dev min(fill, the meter's export in `slot` less what its earlier filled orders took): the meter's
    /// export covers its sell orders in ascending order index. A missing reading counts as nothing exported.
    function _deliveredOf(uint64 slot, uint256 word, uint256 fill) private view returns (uint256) {
        uint256 exported = _registry.readingOfIndex(word.meterIndexOf(), slot).exportedWh;
        uint256 prior = word.priorFillOf();
        if (exported <= prior) return 0;
        uint256 available = exported - prior;
        return fill < available ? fill : available;
    }

    // ----------------------------------------------------------------------------------------------
    // Administration
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc IEnergyMarket
    function setParams(MarketParams calldata newParams) external onlyRole(GRID_OPERATOR_ROLE) {
        _checkParams(newParams);
        PendingParams memory pending = _pending;
        // Once the current slot reached the activation slot, no slot before it can get a first order any
        // more: the pending change has become the parameters in force.
        if (pending.activationSlot != 0 && _currentSlot() >= pending.activationSlot) _params = pending.params;
        uint64 activationSlot = _lastOpenSlot() + 1;
        _pending = PendingParams(newParams, activationSlot);
        emit ParamsScheduled(newParams, activationSlot);
    }

    /// @inheritdoc IEnergyMarket
    function setGridOperatorAccount(address account) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (account == address(0)) revert MarketZeroAddress();
        _setGridOperatorAccount(account);
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
        return _gridOperatorAccount;
    }

    /// @inheritdoc IEnergyMarket
    function balanceOf(address account) external view returns (uint256 free, uint256 locked) {
        uint256 word = _accounts[_accountIdOf[account]];
        return (word >> 128, uint128(word));
    }

    /// @inheritdoc IEnergyMarket
    function accountIdOf(address account) external view returns (uint32) {
        return _accountIdOf[account];
    }

    /// @inheritdoc IEnergyMarket
    function escrowed() external view returns (uint256) {
        return _escrowed;
    }

    /// @inheritdoc IEnergyMarket
    function orderOf(uint256 orderId) public view returns (Order memory order) {
        (uint64 slot, uint256 sideBit, uint256 index) = OrderPacking.decodeOrderId(orderId);
        uint256 position = slot % RING;
        uint256 book = _books[position];
        _revertIfRecycled(slot, book);
        uint256 word = _orders[_orderKey(position, sideBit, index)];
        if (
            book.bookSlot() != slot ||
            word.statusOf() == OrderPacking.STATUS_NONE ||
            word.generationOf() != OrderPacking.generationOfSlot(slot, RING)
        ) revert MarketUnknownOrder(orderId);
        OrderPacking.OrderFields memory f = word.unpackOrder();
        order.account = _accountAt[f.accountId];
        order.side = sideBit == OrderPacking.SIDE_BUY ? Side.Buy : Side.Sell;
        order.status = OrderStatus(f.status);
        if (f.meterIndex != 0) order.meter = _registry.meterAt(f.meterIndex);
        order.quantityWh = f.quantityWh;
        order.filledWh = f.fillWh;
        // A filled sell's limit field holds its meter's fills once the slot is cleared (OrderPacking).
        if (sideBit == OrderPacking.SIDE_BUY || f.fillWh == 0) order.limitPrice = f.limitPrice;
    }

    /// @inheritdoc IEnergyMarket
    function fillOf(uint256 orderId) external view returns (uint256) {
        return orderOf(orderId).filledWh;
    }

    /// @inheritdoc IEnergyMarket
    function slotInfo(uint64 slot) external view returns (SlotInfo memory info) {
        uint256 position = slot % RING;
        uint256 book = _books[position];
        _revertIfRecycled(slot, book);
        if (book.bookSlot() != slot || book.bookStatus() == OrderPacking.BOOK_NONE) {
            info.params = _paramsFor(slot);
            return info;
        }
        OrderPacking.BookFields memory f = book.unpackBook();
        info.status = SlotStatus(f.status);
        info.buyOrders = f.buyCount;
        info.sellOrders = f.sellCount;
        info.params = MarketParams(f.minOrderWh, f.collateralPerWh, f.penaltyPerWh, f.minBuyPricePerWh);
        if (f.status >= OrderPacking.BOOK_CLEARED) {
            uint256 result = _results[position];
            info.price = uint64(result.resultPrice());
            info.clearedWh = uint64(result.resultQuantity());
        }
    }

    /// @inheritdoc IEnergyMarket
    function isSlotFinal(uint64 slot) external view returns (bool) {
        uint256 book = _books[slot % RING];
        if (book.bookStatus() != OrderPacking.BOOK_NONE) {
            uint64 occupant = book.bookSlot();
            if (occupant == slot) return book.bookStatus() == OrderPacking.BOOK_SETTLED;
            // A newer slot reuses the position: this one was settled before it could.
            if (occupant > slot) return true;
        }
        // The slot never had an order; none can come once its reading window has closed.
        return block.timestamp >= _readingWindowEnd(slot);
    }

    /// @inheritdoc IEnergyMarket
    function paramsForSlot(uint64 slot) external view returns (MarketParams memory) {
        uint256 book = _books[slot % RING];
        if (book.bookSlot() == slot && book.bookStatus() != OrderPacking.BOOK_NONE) {
            return
                MarketParams(
                    uint32(book.bookMinOrderWh()),
                    uint64(book.bookCollateralPerWh()),
                    uint64(book.bookPenaltyPerWh()),
                    uint64(book.bookMinBuyPricePerWh())
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
    function settledTrade(
        uint64 slot
    ) public view returns (bool held, uint256 clearedWh, uint256 buyOrders, uint256 sellOrders) {
        uint256 position = slot % RING;
        uint256 book = _books[position];
        if (book.bookSlot() != slot || book.bookStatus() != OrderPacking.BOOK_SETTLED)
            return (false, 0, 0, 0);
        clearedWh = _results[position].resultQuantity();
        if (clearedWh == 0) return (false, 0, 0, 0);
        return (true, clearedWh, book.bookBuyCount(), book.bookSellCount());
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
            uint256 word = _orders[keyBase | (from + k)];
            uint256 fill = word.fillOf();
            if (fill == 0) continue;
            // Fields of a cleared sell word: the casts are exact.
            lots[k] = IEnergyMarketView.SellLot(
                word.meterIndexOf(),
                uint48(fill),
                uint32(word.priorFillOf()),
                uint32(word.meterFillOf())
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
            uint256 word = _orders[keyBase | (from + k)];
            uint256 fill = word.fillOf();
            if (fill == 0) continue;
            fills[k] = IEnergyMarketView.BuyFill(_accountAt[word.accountIdOf()], uint48(fill));
        }
    }

    /// @dev The order key base of one side of a settled, traded, held slot and the page length clipped to it.
    function _settledPage(
        uint64 slot,
        uint256 sideBit,
        uint256 from,
        uint256 count
    ) private view returns (uint256 keyBase, uint256 clipped) {
        (bool held, , uint256 buys, uint256 sells) = settledTrade(slot);
        if (!held) revert MarketSlotNotSettled(slot, _statusOf(slot, _books[slot % RING]));
        uint256 total = sideBit == OrderPacking.SIDE_BUY ? buys : sells;
        clipped = from >= total ? 0 : (count < total - from ? count : total - from);
        keyBase = _orderKey(slot % RING, sideBit, 0);
    }

    // ----------------------------------------------------------------------------------------------
    // Internals
    // ----------------------------------------------------------------------------------------------

    /// @dev The one place where an internal balance changes: free += freeIn - freeOut, locked += lockedIn -
    /// lockedOut. Reverts when free cannot pay freeOut; a locked underflow would be a bug (panics).
    function _updateAccount(
        uint32 id,
        uint256 freeIn,
        uint256 freeOut,
        uint256 lockedIn,
        uint256 lockedOut
    ) private {
        uint256 word = _accounts[id];
        uint256 free = word >> 128;
        uint256 locked = uint128(word);
        // Unchecked: every amount is below 2^129 (balances < 2^128, locks < 2^112, payments < 2^128), so the
        // additions cannot overflow, and each subtraction is guarded by the comparison before it.
        unchecked {
            free += freeIn;
            if (free < freeOut) revert MarketInsufficientBalance(_accountAt[id], word >> 128, freeOut);
            free -= freeOut;
            locked += lockedIn;
            if (locked < lockedOut) Panic.panic(Panic.UNDER_OVERFLOW); // a lock released twice: a bug
            locked -= lockedOut;
        }
        if ((free | locked) > type(uint128).max) revert MarketBalanceOverflow(_accountAt[id]);
        _accounts[id] = (free << 128) | locked;
    }

    function _deposit(address account, uint256 amount) private {
        if (amount == 0) revert MarketZeroAmount();
        uint32 id = _accountIdOf[account];
        if (id == 0) id = _openAccount(account);
        // Credit what arrived (not what was asked), so a token that takes a fee cannot make the market
        // insolvent; the guard keeps a re-entrant token from counting one arrival twice.
        uint256 before = _token.balanceOf(address(this));
        _token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = _token.balanceOf(address(this)) - before;
        _updateAccount(id, received, 0, 0, 0);
        emit Deposited(account, msg.sender, received);
    }

    function _openAccount(address account) private returns (uint32 id) {
        id = ++_accountCount;
        _accountIdOf[account] = id;
        _accountAt[id] = account;
        emit AccountOpened(account, id);
    }

    function _setGridOperatorAccount(address account) private {
        uint32 id = _accountIdOf[account];
        if (id == 0) id = _openAccount(account);
        _gridOperatorAccount = account;
        _gridOperatorId = id;
        emit GridOperatorAccountSet(account);
    }

    /// @dev Checks the order window, the cap and the minimum size; returns the ring position and the
    /// slot's (possibly new) book.
    function _bookForNewOrder(
        uint64 slot,
        uint256 quantityWh
    ) private view returns (uint256 position, uint256 book) {
        uint256 gate = _gateClosureOf(slot);
        if (block.timestamp >= gate) revert MarketGateClosed(slot, gate, block.timestamp);
        uint64 last = _lastOpenSlot();
        if (slot > last) revert MarketBeyondHorizon(slot, last);
        position = slot % RING;
        book = _books[position];
        if (book.bookSlot() != slot || book.bookStatus() == OrderPacking.BOOK_NONE)
            book = _openBook(slot, book);
        // The book is Open: clearing needs the gate closed, and the gate is open. A full side is handled
        // when the order is recorded (`_recordOrder`).
        if (quantityWh < book.bookMinOrderWh()) revert MarketOrderTooSmall(quantityWh, book.bookMinOrderWh());
    }

    /// @dev A new book for the first order of `slot`, after checking that the ring position is free.
    function _openBook(uint64 slot, uint256 oldBook) private view returns (uint256) {
        uint256 oldStatus = oldBook.bookStatus();
        if (oldStatus == OrderPacking.BOOK_OPEN || oldStatus == OrderPacking.BOOK_CLEARED) {
            revert MarketRingSlotBusy(slot, oldBook.bookSlot());
        }
        // A settled slot that traded keeps its ring position until its certificates are all delivered: they
        // are computed from its fills. Settled slots that traded nothing have a zero result word.
        ISettlementHook hook = _settlementHook;
        if (
            oldStatus == OrderPacking.BOOK_SETTLED &&
            address(hook) != address(0) &&
            _results[slot % RING].resultQuantity() != 0 &&
            hook.holdsRingPosition(oldBook.bookSlot())
        ) revert MarketRingSlotBusy(slot, oldBook.bookSlot());
        MarketParams memory p = _paramsFor(slot);
        return
            OrderPacking.packNewBook(
                slot,
                p.minOrderWh,
                p.sellerCollateralPerWh,
                p.penaltyPerWh,
                p.minBuyPricePerWh
            );
    }

    /// @dev The parameters a first order of `slot` snapshots.
    function _paramsFor(uint64 slot) private view returns (MarketParams memory) {
        PendingParams memory pending = _pending;
        if (pending.activationSlot != 0 && slot >= pending.activationSlot) return pending.params;
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

    /// @dev The registry index of the caller's active generation (or bidirectional) meter `meter`.
    function _sellerMeterIndex(address meter) private view returns (uint32) {
        IMeterRegistry.Meter memory m = _registry.meterOf(meter);
        if (m.status != IMeterRegistry.MeterStatus.Active || m.kind == IMeterRegistry.MeterKind.Consumption) {
            revert MarketInvalidMeter(meter, m.kind, m.status);
        }
        if (m.owner != msg.sender) revert MarketNotMeterOwner(meter, m.owner, msg.sender);
        return m.index;
    }

    function _revertIfRecycled(uint64 slot, uint256 book) private pure {
        if (book.bookStatus() != OrderPacking.BOOK_NONE && book.bookSlot() > slot) {
            revert MarketSlotRecycled(slot, book.bookSlot());
        }
    }

    /// @dev The status of `slot` as seen from the book word of its ring position.
    function _statusOf(uint64 slot, uint256 book) private pure returns (SlotStatus) {
        if (book.bookSlot() != slot) return SlotStatus.None;
        return SlotStatus(book.bookStatus());
    }

    function _orderKey(uint256 position, uint256 sideBit, uint256 index) private pure returns (uint256) {
        return (position << 33) | (sideBit << 32) | index;
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

    /// @dev Shrinks a memory array's length in place: it was allocated with the larger length, so the words
    /// beyond the new length simply stay unused. Cheaper than a second pass or a copy.
    function _shrink(uint256[] memory a, uint256 length) private pure {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(a, length)
        }
    }
}
