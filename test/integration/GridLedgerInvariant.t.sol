// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {Vm} from "forge-std/Vm.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {EnergyCertificates} from "../../contracts/EnergyCertificates.sol";
import {EnergyMarket} from "../../contracts/EnergyMarket.sol";
import {GridStablecoin} from "../../contracts/GridStablecoin.sol";
import {MeterRegistry} from "../../contracts/MeterRegistry.sol";
import {IEnergyCertificates} from "../../contracts/interfaces/IEnergyCertificates.sol";
import {IEnergyMarket} from "../../contracts/interfaces/IEnergyMarket.sol";
import {IEnergyMarketView} from "../../contracts/interfaces/IEnergyMarketView.sol";
import {IMeterRegistry} from "../../contracts/interfaces/IMeterRegistry.sol";

uint256 constant SLOT_LENGTH = 900;
uint256 constant READING_WINDOW = 1800;
uint64 constant HORIZON = 8;
uint32 constant CAP = 40;
uint256 constant ACTORS = 4;
uint256 constant RING = 256;

/// @dev The real registry, stablecoin, market and certificates, wired as in production; four traders, each
/// owning one generation meter (Solar, Wind, Solar, Other: the last one carries no certificates).
abstract contract GridLedgerSetup is Test {
    MeterRegistry internal registry;
    GridStablecoin internal token;
    EnergyMarket internal market;
    EnergyCertificates internal certificates;
    address internal gridAccount = makeAddr("grid operator account");
    address[ACTORS] internal actors;
    uint256[ACTORS] internal meterKeys;
    address[ACTORS] internal meters;

    function _deploy() internal {
        vm.warp(1_800_000_000);
        uint256 genesis = block.timestamp - (block.timestamp % SLOT_LENGTH);
        registry = new MeterRegistry(address(this), genesis, SLOT_LENGTH, READING_WINDOW, HORIZON + 1);
        registry.grantRole(registry.GRID_OPERATOR_ROLE(), address(this));
        token = new GridStablecoin(address(this));
        market = new EnergyMarket(
            IEnergyMarket.MarketConfig({
                token: token,
                registry: registry,
                admin: address(this),
                gridOperator: address(this),
                gridOperatorAccount: gridAccount,
                horizonSlots: HORIZON,
                gateClosureSeconds: 300,
                maxOrdersPerSlot: CAP,
                params: IEnergyMarket.MarketParams(1, 2, 3, 1)
            })
        );
        certificates = new EnergyCertificates(registry, address(this), "");
        market.setSettlementHook(certificates);
        certificates.bindMarket(address(market));
        IMeterRegistry.EnergySource[ACTORS] memory sources = [
            IMeterRegistry.EnergySource.Solar,
            IMeterRegistry.EnergySource.Wind,
            IMeterRegistry.EnergySource.Solar,
            IMeterRegistry.EnergySource.Other
        ];
        for (uint256 i; i < ACTORS; ++i) {
            actors[i] = makeAddr(string.concat("trader", vm.toString(i)));
            meterKeys[i] = uint256(keccak256(abi.encode("gridledger invariant meter", i)));
            meters[i] = vm.addr(meterKeys[i]);
            registry.registerMeter(
                meters[i],
                actors[i],
                IMeterRegistry.MeterKind.Generation,
                sources[i],
                40_000, // 10,000 Wh per slot
                bytes8("Z1"),
                0
            );
        }
    }
}

/// @dev Drives the wired system with bounded random calls and keeps ghost totals. Violations found inside
/// a call (where the state before and after is at hand) are counted and asserted zero by the invariants.
// A handler keeps one ghost ledger per property it checks: more state than a production contract.
// solhint-disable-next-line max-states-count
contract GridLedgerHandler is Test {
    EnergyMarket internal immutable market;
    GridStablecoin internal immutable token;
    MeterRegistry internal immutable registry;
    EnergyCertificates internal immutable certificates;
    address internal immutable gridAccount;
    address[ACTORS] internal actors;
    uint256[ACTORS] internal meterKeys;
    address[ACTORS] internal meters;

    // Money
    uint256 public ghostDeposited;
    uint256 public ghostWithdrawn;
    uint256 public ghostForced;
    /// @dev Clearing or settlement created or destroyed money, or paid other than P x Q.
    uint256 public moneyViolations;
    /// @dev A cleared slot's buy fills, sell fills and Q disagree, or delivered + shortfall != Q.
    uint256 public energyViolations;
    /// @dev Issuance above the export, twice for one (meter, slot), while a sale of it was unsettled, or
    /// a request-path issue of a meter that sold in the slot.
    uint256 public certificateViolations;
    /// @dev A recorded reading was replaced.
    uint256 public readingViolations;
    /// @dev Operator changes that altered the record of a slot open for trading or in its reading window.
    uint256 public scheduleViolations;
    /// @dev A buy order's claim was not floor(pool x fill / Q) of its vintage, or a claim page credited
    /// something no order was entitled to.
    uint256 public claimViolations;
    /// @dev The account that delivers certificates: it holds no role anywhere.
    address public immutable anyone = makeAddr("anyone");

    // Slots and orders
    uint64[] internal _slots;
    mapping(uint64 slot => bool) internal _known;
    mapping(uint64 slot => uint256[]) internal _orderIds;
    mapping(uint64 slot => mapping(address meter => bool)) internal _soldFrom;
    /// @dev Settled slots with a trade, whose certificates are delivered in pages.
    uint64[] public tradedSlots;

    // Readings: what was recorded, first time seen
    address[] public readMeter;
    uint64[] public readSlot;
    mapping(address meter => mapping(uint64 slot => uint256)) public exportedOf;

    // Certificates, from the certificates' own events
    mapping(address meter => mapping(uint64 slot => uint256)) public issuedOf;
    mapping(address meter => mapping(uint64 slot => uint256)) public issuanceCount;
    uint256[] public ids;
    mapping(uint256 id => bool) internal _knownId;
    /// @dev Per id: the exports issued (events' amountWh), what reached the buyers' pool, and what was
    /// minted (owner parts, claims, rounding returns).
    mapping(uint256 id => uint256) public issuedPerId;
    mapping(uint256 id => uint256) public pooledPerId;
    mapping(uint256 id => uint256) public claimedPerId;
    mapping(uint256 id => uint256) public returnedPerId;
    mapping(uint256 id => uint256) public mintedPerId;
    mapping(uint256 id => uint256) public retiredPerId;
    uint256 public retiredTotal;

    uint256 public clearedSlots;
    uint256 public settledSlots;

    constructor(
        EnergyMarket market_,
        EnergyCertificates certificates_,
        address[ACTORS] memory actors_,
        uint256[ACTORS] memory meterKeys_,
        address[ACTORS] memory meters_
    ) {
        market = market_;
        certificates = certificates_;
        token = GridStablecoin(address(market_.token()));
        registry = MeterRegistry(address(market_.registry()));
        gridAccount = market_.gridOperatorAccount();
        actors = actors_;
        meterKeys = meterKeys_;
        meters = meters_;
    }

    function slotCount() external view returns (uint256) {
        return _slots.length;
    }

    function readingCount() external view returns (uint256) {
        return readMeter.length;
    }

    function idCount() external view returns (uint256) {
        return ids.length;
    }

    function slotAt(uint256 k) external view returns (uint64) {
        return _slots[k];
    }

    function tradedCount() external view returns (uint256) {
        return tradedSlots.length;
    }

    /// @dev Free + locked of every trader and the grid operator's account, plus the escrow.
    function liabilities() public view returns (uint256 total, uint256 locked) {
        total = market.escrowed();
        for (uint256 i; i <= ACTORS; ++i) {
            (uint256 free, uint256 lockedPart) = market.balanceOf(i < ACTORS ? actors[i] : gridAccount);
            total += free + lockedPart;
            locked += lockedPart;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Money
    // ---------------------------------------------------------------------------------------------

    function deposit(uint256 actorSeed, uint256 amount) public {
        address actor = actors[actorSeed % ACTORS];
        amount = bound(amount, 1, 1e12);
        token.mint(actor, amount);
        vm.startPrank(actor);
        token.approve(address(market), amount);
        market.deposit(amount);
        vm.stopPrank();
        ghostDeposited += amount;
    }

    function withdraw(uint256 actorSeed, uint256 amount) external {
        address actor = actors[actorSeed % ACTORS];
        (uint256 free, ) = market.balanceOf(actor);
        if (free == 0) return;
        _withdraw(actor, bound(amount, 1, free));
    }

    /// @dev Tokens sent to the market without a deposit: owed to no one, so the market holds more than it
    /// owes (the invariant is >=, and == deposits - withdrawals + forced).
    function forceSend(uint256 amount) external {
        amount = bound(amount, 1, 1e9);
        token.mint(address(market), amount);
        ghostForced += amount;
    }

    // ---------------------------------------------------------------------------------------------
    // Orders and the slot life cycle
    // ---------------------------------------------------------------------------------------------

    /// @dev An order, and (when `counter` is set) an opposite order by the next trader in the same slot,
    /// so that books cross often enough for trades, shortfalls and certificates to happen.
    function placeOrder(
        uint256 actorSeed,
        uint256 slotSeed,
        bool sell,
        uint256 quantity,
        uint256 price,
        bool counter
    ) external {
        uint256 a = actorSeed % ACTORS;
        // Most orders in the next three slots, so that books fill up.
        uint64 slot = market.currentSlot() + 1 + uint64(slotSeed % 3);
        if (block.timestamp >= market.gateClosureOf(slot)) return;
        _finishOccupant(slot);
        quantity = quantity % 3 == 0 ? bound(quantity, 1, 5) : bound(quantity, 1, 12_000);
        _place(a, slot, sell, quantity, bound(price, 0, 20));
        if (counter) _place((a + 1) % ACTORS, slot, !sell, quantity / 2 + 1, (price >> 8) % 21);
    }

    function cancel(uint256 slotSeed, uint256 orderSeed) external {
        if (_slots.length == 0) return;
        uint64 slot = _slots[slotSeed % _slots.length];
        uint256[] storage orderIds = _orderIds[slot];
        if (orderIds.length == 0 || block.timestamp >= market.gateClosureOf(slot)) return;
        _cancel(orderIds[orderSeed % orderIds.length]);
    }

    function clear(uint256 slotSeed) external {
        if (_slots.length == 0) return;
        _clear(_slots[slotSeed % _slots.length]);
    }

    function settle(uint256 slotSeed) external {
        if (_slots.length == 0) return;
        _settle(_slots[slotSeed % _slots.length]);
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 60, 20 minutes));
    }

    // ---------------------------------------------------------------------------------------------
    // Readings and meters
    // ---------------------------------------------------------------------------------------------

    /// @dev A reading of a meter for a slot whose window is open: a traded slot if one is, else the last
    /// ended slot.
    function submitReading(uint256 actorSeed, uint256 slotSeed, uint32 exported, uint32 imported) external {
        uint64 current = market.currentSlot();
        if (current == 0) return;
        uint64 slot = current - 1;
        for (uint256 k; k < _slots.length; ++k) {
            uint64 candidate = _slots[(slotSeed + k) % _slots.length];
            if (candidate < current && block.timestamp < registry.readingWindowEnd(candidate)) {
                slot = candidate;
                break;
            }
        }
        if (block.timestamp >= registry.readingWindowEnd(slot)) return;
        uint256 a = actorSeed % ACTORS;
        IMeterRegistry.SignedReading memory reading = _signed(
            a,
            slot,
            uint32(bound(imported, 0, 10_000)),
            uint32(bound(exported, 0, 10_000))
        );
        if (registry.readingOf(meters[a], slot).recorded) {
            // A replay, or a second reading of the same (meter, slot): must be refused.
            try registry.submitReading(reading) {
                ++readingViolations;
            } catch {}
            return;
        }
        try registry.submitReading(reading) {
            readMeter.push(meters[a]);
            readSlot.push(slot);
            exportedOf[meters[a]][slot] = reading.exportedWh;
        } catch {} // suspended meter
    }

    /// @dev The grid operator changes a meter's capacity (down to 1 W: nothing fits a slot) and, as the
    /// attack of issue 10, may make itself the owner and give the meter back in the same slot. No slot open
    /// for trading or in its reading window may see its key, capacity, retirement or owner change.
    function operatorChange(uint256 actorSeed, uint256 capacitySeed, bool ownerSwap) external {
        address meter = meters[actorSeed % ACTORS];
        uint64 first = market.currentSlot();
        while (first > 0 && block.timestamp < registry.readingWindowEnd(first - 1)) --first;
        uint64 last = market.lastOpenSlot();
        bytes32 before = _recordsOf(meter, first, last);
        IMeterRegistry.Meter memory m = registry.meterOf(meter);
        uint32 capacity = uint32(bound(capacitySeed, 1, 1_000_000));
        try registry.updateMeter(meter, ownerSwap ? address(this) : m.owner, capacity, m.zone) {
            if (ownerSwap) registry.updateMeter(meter, m.owner, capacity, m.zone);
        } catch {} // a change is still pending
        if (_recordsOf(meter, first, last) != before) ++scheduleViolations;
    }

    function _recordsOf(address meter, uint64 first, uint64 last) private view returns (bytes32 digest) {
        for (uint64 slot = first; slot <= last; ++slot) {
            IMeterRegistry.Meter memory m = registry.meterOfSlot(meter, slot);
            digest = keccak256(abi.encode(digest, m.signer, m.ratedCapacityW, m.owner, m.status));
        }
    }

    function suspendOrReinstate(uint256 actorSeed) external {
        address meter = meters[actorSeed % ACTORS];
        if (registry.meterOf(meter).status == IMeterRegistry.MeterStatus.Active) registry.suspendMeter(meter);
        else registry.reinstateMeter(meter);
    }

    // ---------------------------------------------------------------------------------------------
    // Certificates
    // ---------------------------------------------------------------------------------------------

    /// @dev The request path for a recorded (meter, slot); it must refuse a meter that sold in the slot.
    function issue(uint256 readingSeed) external {
        if (readMeter.length == 0) return;
        uint256 k = readingSeed % readMeter.length;
        (address meter, uint64 slot) = (readMeter[k], readSlot[k]);
        vm.recordLogs();
        // Only a call that went through counts: the recorder may also hold a reverted call's events.
        try certificates.issue(meter, slot) {
            if (_soldFrom[slot][meter]) ++certificateViolations;
            _account(vm.getRecordedLogs());
        } catch {
            vm.getRecordedLogs();
        }
    }

    /// @dev A page of `certifySellers` of a traded slot, any length, by an account without a role.
    function certifySellers(uint256 slotSeed, uint256 page) external {
        if (tradedSlots.length == 0) return;
        _certifyPage(tradedSlots[slotSeed % tradedSlots.length], bound(page, 0, 6));
    }

    /// @dev A page of `claimBuyers` of a traded slot, any length, by an account without a role.
    function claimBuyers(uint256 slotSeed, uint256 page) external {
        if (tradedSlots.length == 0) return;
        _claimPage(tradedSlots[slotSeed % tradedSlots.length], bound(page, 0, 6));
    }

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 idSeed, uint256 amount) external {
        if (ids.length == 0) return;
        address from = actors[fromSeed % ACTORS];
        uint256 id = ids[idSeed % ids.length];
        amount = bound(amount, 0, certificates.balanceOf(from, id));
        vm.prank(from);
        certificates.safeTransferFrom(from, actors[toSeed % ACTORS], id, amount, "");
    }

    function retire(uint256 holderSeed, uint256 idSeed, uint256 amount) external {
        if (ids.length == 0) return;
        address holder = actors[holderSeed % ACTORS];
        uint256 id = ids[idSeed % ids.length];
        uint256 balance = certificates.balanceOf(holder, id);
        if (balance == 0) return;
        amount = bound(amount, 1, balance);
        vm.prank(holder);
        certificates.retire(id, amount, actors[(holderSeed + 1) % ACTORS], "claim");
        retiredPerId[id] += amount;
        retiredTotal += amount;
    }

    // ---------------------------------------------------------------------------------------------
    // Final drain
    // ---------------------------------------------------------------------------------------------

    /// @dev Everyone cancels what it still can, every slot is cleared and settled, an account without a
    /// role delivers every traded slot's certificates in random pages, everyone withdraws.
    function drain(uint256 seed) external {
        for (uint256 s; s < _slots.length; ++s) {
            uint64 slot = _slots[s];
            if (block.timestamp >= market.gateClosureOf(slot)) continue;
            uint256[] storage orderIds = _orderIds[slot];
            for (uint256 i; i < orderIds.length; ++i) _cancel(orderIds[i]);
        }
        uint64 last;
        for (uint256 s; s < _slots.length; ++s) if (_slots[s] > last) last = _slots[s];
        uint256 end = registry.readingWindowEnd(last);
        if (block.timestamp < end) vm.warp(end);
        for (uint256 s; s < _slots.length; ++s) {
            _clear(_slots[s]);
            _settle(_slots[s]);
        }
        for (uint256 s; s < tradedSlots.length; ++s) {
            seed = uint256(keccak256(abi.encode(seed, s)));
            _deliver(tradedSlots[s], 1 + (seed % 4), 1 + ((seed >> 8) % 4));
        }
        for (uint256 i; i <= ACTORS; ++i) {
            address account = i < ACTORS ? actors[i] : gridAccount;
            (uint256 free, ) = market.balanceOf(account);
            if (free != 0) _withdraw(account, free);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------

    function _place(uint256 a, uint64 slot, bool sell, uint256 quantity, uint256 price) private {
        IEnergyMarket.SlotInfo memory info = market.slotInfo(slot);
        if (info.buyOrders + info.sellOrders >= CAP) return;
        if (sell && registry.meterOf(meters[a]).status != IMeterRegistry.MeterStatus.Active) return;
        uint256 lock = sell ? quantity * info.params.sellerCollateralPerWh : quantity * price;
        (uint256 free, ) = market.balanceOf(actors[a]);
        if (free < lock) deposit(a, lock - free);
        vm.prank(actors[a]);
        uint256 id = market.placeOrder(
            slot,
            sell ? IEnergyMarket.Side.Sell : IEnergyMarket.Side.Buy,
            uint48(quantity),
            uint64(price),
            sell ? meters[a] : address(0)
        );
        if (!_known[slot]) {
            _known[slot] = true;
            _slots.push(slot);
        }
        _orderIds[slot].push(id);
    }

    function _withdraw(address account, uint256 amount) private {
        vm.prank(account);
        market.withdraw(amount);
        ghostWithdrawn += amount;
    }

    function _cancel(uint256 id) private {
        IEnergyMarket.Order memory order = market.orderOf(id);
        if (order.status != IEnergyMarket.OrderStatus.Live) return;
        (uint256 before, ) = liabilities();
        vm.prank(order.account);
        market.cancelOrder(id);
        (uint256 afterCancel, ) = liabilities();
        if (afterCancel != before) ++moneyViolations;
    }

    /// @dev Before the first order of `slot`, the slot RING earlier at the same position must be finished.
    function _finishOccupant(uint64 slot) private {
        if (slot < RING) return;
        uint64 older = slot - uint64(RING);
        if (!_known[older]) return;
        _clear(older);
        _settle(older);
        _deliver(older, CAP, CAP);
    }

    function _clear(uint64 slot) private {
        // Final covers slots whose ring position a newer slot reuses (their views revert as recycled).
        if (block.timestamp < market.gateClosureOf(slot) || market.isSlotFinal(slot)) return;
        if (market.slotInfo(slot).status != IEnergyMarket.SlotStatus.Open) return;
        (uint256 owedBefore, ) = liabilities();
        uint256 escrowBefore = market.escrowed();
        market.clear(slot);
        ++clearedSlots;
        IEnergyMarket.SlotInfo memory info = market.slotInfo(slot);
        // Buyers paid exactly P x Q into the escrow; no token was created or lost.
        (uint256 owedAfter, ) = liabilities();
        if (
            owedAfter != owedBefore ||
            market.escrowed() - escrowBefore != uint256(info.price) * info.clearedWh
        ) ++moneyViolations;
        uint256 buys;
        uint256 sells;
        uint256[] storage orderIds = _orderIds[slot];
        for (uint256 i; i < orderIds.length; ++i) {
            IEnergyMarket.Order memory order = market.orderOf(orderIds[i]);
            if (order.side == IEnergyMarket.Side.Buy) {
                buys += order.filledWh;
            } else {
                sells += order.filledWh;
                if (order.filledWh != 0) _soldFrom[slot][order.meter] = true;
            }
        }
        if (buys != info.clearedWh || sells != info.clearedWh) ++energyViolations;
    }

    function _settle(uint64 slot) private {
        if (block.timestamp < market.readingWindowEnd(slot) || market.isSlotFinal(slot)) return;
        if (market.slotInfo(slot).status != IEnergyMarket.SlotStatus.Cleared) return;
        IEnergyMarket.SlotInfo memory info = market.slotInfo(slot);
        (uint256 owedBefore, ) = liabilities();
        uint256 escrowBefore = market.escrowed();
        vm.recordLogs();
        market.settle(slot);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        ++settledSlots;
        if (info.clearedWh != 0) tradedSlots.push(slot);
        // The escrow of P x Q is paid out in full to sellers and the grid operator, nothing else.
        (uint256 owedAfter, ) = liabilities();
        if (
            owedAfter != owedBefore ||
            escrowBefore - market.escrowed() != uint256(info.price) * info.clearedWh
        ) ++moneyViolations;
        for (uint256 k; k < logs.length; ++k) {
            if (logs[k].emitter != address(market) || logs[k].topics[0] != IEnergyMarket.SlotSettled.selector)
                continue;
            (uint256 delivered, uint256 shortfall, ) = abi.decode(logs[k].data, (uint256, uint256, uint256));
            if (delivered + shortfall != info.clearedWh) ++energyViolations;
        }
        _account(logs);
    }

    /// @dev Delivers the rest of `slot`'s certificates in pages of the given lengths (at least 1).
    function _deliver(uint64 slot, uint256 sellPage, uint256 buyPage) private {
        (bool held, , , ) = market.settledTrade(slot);
        if (!held) return;
        // Each page advances by at least one order: CAP + 1 pages of each kind are always enough.
        for (uint256 guard; guard <= 2 * CAP + 2; ++guard) {
            (, , bool sellersDone, bool buyersDone) = certificates.certificationOf(slot);
            if (buyersDone) return;
            if (!sellersDone) _certifyPage(slot, sellPage);
            else _claimPage(slot, buyPage);
        }
    }

    function _certifyPage(uint64 slot, uint256 page) private {
        vm.recordLogs();
        vm.prank(anyone);
        try certificates.certifySellers(slot, page) {
            _account(vm.getRecordedLogs());
        } catch {
            vm.getRecordedLogs();
        }
    }

    /// @dev One claim page; checks that every credited buy order got exactly floor(pool x fill / Q) of each
    /// vintage, in order, and nothing else was claimed.
    function _claimPage(uint64 slot, uint256 page) private {
        (, uint256 from, , ) = certificates.certificationOf(slot);
        vm.recordLogs();
        vm.prank(anyone);
        try certificates.claimBuyers(slot, page) {} catch {
            return;
        }
        Vm.Log[] memory logs = vm.getRecordedLogs();
        _account(logs);
        (, uint256 to, , ) = certificates.certificationOf(slot);
        (, uint256 q, , ) = market.settledTrade(slot);
        IEnergyMarketView.BuyFill[] memory fills = market.buyFillsOf(slot, from, to - from);
        uint256 next = _nextClaim(logs, 0);
        for (uint256 k; k < fills.length; ++k) {
            for (uint8 source = 1; source <= 4; ++source) {
                (uint256 pool, ) = certificates.vintageOf(slot, IMeterRegistry.EnergySource(source));
                uint256 share = Math.mulDiv(pool, fills[k].fillWh, q);
                if (share == 0) continue;
                if (next == logs.length) {
                    ++claimViolations;
                    return;
                }
                uint256 amount = abi.decode(logs[next].data, (uint256));
                if (
                    address(uint160(uint256(logs[next].topics[1]))) != fills[k].buyer ||
                    uint256(logs[next].topics[3]) !=
                        certificates.idOf(slot, IMeterRegistry.EnergySource(source)) ||
                    amount != share
                ) ++claimViolations;
                next = _nextClaim(logs, next + 1);
            }
        }
        if (next != logs.length) ++claimViolations;
    }

    function _nextClaim(Vm.Log[] memory logs, uint256 from) private view returns (uint256) {
        for (uint256 k = from; k < logs.length; ++k) {
            if (
                logs[k].emitter == address(certificates) &&
                logs[k].topics[0] == IEnergyCertificates.CertificatesClaimed.selector
            ) return k;
        }
        return logs.length;
    }

    /// @dev Ghost totals of issuance, claims and rounding returns from the certificates' own events.
    function _account(Vm.Log[] memory logs) private {
        for (uint256 k; k < logs.length; ++k) {
            Vm.Log memory log = logs[k];
            if (log.emitter != address(certificates)) continue;
            bytes32 topic = log.topics[0];
            uint256 id = log.topics.length > 3 ? uint256(log.topics[3]) : 0;
            if (topic == IEnergyCertificates.CertificatesIssued.selector) {
                address meter = address(uint160(uint256(log.topics[1])));
                uint64 slot = uint64(uint256(log.topics[2]));
                (, , uint256 amountWh, uint256 toBuyersWh, uint256 toOwnerWh) = abi.decode(
                    log.data,
                    (IMeterRegistry.EnergySource, bytes8, uint256, uint256, uint256)
                );
                issuedOf[meter][slot] += amountWh;
                issuanceCount[meter][slot] += 1;
                issuedPerId[id] += amountWh;
                pooledPerId[id] += toBuyersWh;
                mintedPerId[id] += toOwnerWh;
                if (!market.isSlotFinal(slot) || toBuyersWh + toOwnerWh != amountWh) ++certificateViolations;
            } else if (topic == IEnergyCertificates.CertificatesClaimed.selector) {
                uint256 amountWh = abi.decode(log.data, (uint256));
                claimedPerId[id] += amountWh;
                mintedPerId[id] += amountWh;
            } else if (topic == IEnergyCertificates.RoundingReturned.selector) {
                uint256 amountWh = abi.decode(log.data, (uint256));
                returnedPerId[id] += amountWh;
                mintedPerId[id] += amountWh;
            } else {
                continue;
            }
            if (!_knownId[id]) {
                _knownId[id] = true;
                ids.push(id);
            }
        }
    }

    function _signed(
        uint256 a,
        uint64 slot,
        uint32 importedWh,
        uint32 exportedWh
    ) private view returns (IMeterRegistry.SignedReading memory) {
        bytes32 commitment = registry.importedCommitment(
            meters[a],
            slot,
            importedWh,
            keccak256(abi.encode(a))
        );
        bytes32 digest = registry.readingDigest(meters[a], slot, exportedWh, commitment);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(meterKeys[a], digest);
        bytes32 vs = bytes32(uint256(s) | (uint256(v - 27) << 255));
        return IMeterRegistry.SignedReading(meters[a], slot, exportedWh, commitment, r, vs);
    }
}

/// @dev Stateful invariants of the wired system (registry + market + certificates + stablecoin).
contract GridLedgerInvariantTest is GridLedgerSetup {
    GridLedgerHandler internal handler;
    uint256 internal lastRetiredTotal;

    function setUp() public {
        _deploy();
        handler = new GridLedgerHandler(market, certificates, actors, meterKeys, meters);
        token.grantRole(token.MINTER_ROLE(), address(handler));
        registry.grantRole(registry.REGULATOR_ROLE(), address(handler));
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](21);
        selectors[0] = GridLedgerHandler.deposit.selector;
        selectors[1] = GridLedgerHandler.withdraw.selector;
        selectors[2] = GridLedgerHandler.forceSend.selector;
        selectors[3] = GridLedgerHandler.placeOrder.selector;
        selectors[4] = GridLedgerHandler.placeOrder.selector; // orders, readings and time more likely
        selectors[5] = GridLedgerHandler.cancel.selector;
        selectors[6] = GridLedgerHandler.clear.selector;
        selectors[7] = GridLedgerHandler.settle.selector;
        selectors[8] = GridLedgerHandler.warp.selector;
        selectors[9] = GridLedgerHandler.submitReading.selector;
        selectors[10] = GridLedgerHandler.suspendOrReinstate.selector;
        selectors[11] = GridLedgerHandler.issue.selector;
        selectors[12] = GridLedgerHandler.transfer.selector;
        selectors[13] = GridLedgerHandler.retire.selector;
        selectors[14] = GridLedgerHandler.placeOrder.selector;
        selectors[15] = GridLedgerHandler.submitReading.selector;
        selectors[16] = GridLedgerHandler.warp.selector;
        selectors[17] = GridLedgerHandler.certifySellers.selector;
        selectors[18] = GridLedgerHandler.claimBuyers.selector;
        selectors[19] = GridLedgerHandler.claimBuyers.selector;
        selectors[20] = GridLedgerHandler.operatorChange.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @dev The market holds what it owes, plus exactly what was force-sent to it.
    function invariant_marketSolvent() public view {
        (uint256 owed, ) = handler.liabilities();
        uint256 held = token.balanceOf(address(market));
        assertGe(held, owed, "market holds less than it owes");
        assertEq(owed, handler.ghostDeposited() - handler.ghostWithdrawn(), "owed != deposits - withdrawals");
        assertEq(held, owed + handler.ghostForced(), "held != owed + force-sent");
    }

    /// @dev Clearing and settlement only move money between accounts; buyers pay P x Q, the escrow pays out
    /// P x Q; cancellation releases exactly the lock.
    function invariant_paidEqualsOwed() public view {
        assertEq(handler.moneyViolations(), 0, "paid != owed");
    }

    /// @dev Buy fills = sell fills = Q for every cleared slot; delivered + shortfall = Q at settlement.
    function invariant_fillsMatchQuantity() public view {
        assertEq(handler.energyViolations(), 0, "fills or deliveries do not add up to Q");
    }

    /// @dev Per (meter, slot): issued <= exported, at most once, only once final, never by request for a
    /// meter that sold in the slot.
    function invariant_certificatesIssuedAtMostExportedAndOnce() public view {
        assertEq(handler.certificateViolations(), 0, "issued before final or by request after a sale");
        for (uint256 k; k < handler.readingCount(); ++k) {
            address meter = handler.readMeter(k);
            uint64 slot = handler.readSlot(k);
            assertLe(handler.issuanceCount(meter, slot), 1, "issued twice");
            assertLe(handler.issuedOf(meter, slot), handler.exportedOf(meter, slot), "issued above export");
        }
    }

    /// @dev Per vintage: the pool is what the certified sellers delivered, claims and the rounding return
    /// never exceed it, nothing is minted beyond the issued exports; every claim is its order's share.
    function invariant_poolsNeverExceeded() public view {
        assertEq(handler.claimViolations(), 0, "a claim was not floor(pool x fill / Q)");
        for (uint256 k; k < handler.idCount(); ++k) {
            uint256 id = handler.ids(k);
            (uint64 slot, IMeterRegistry.EnergySource source) = certificates.decodeId(id);
            (uint256 poolWh, uint256 claimedWh) = certificates.vintageOf(slot, source);
            assertEq(poolWh, handler.pooledPerId(id), "pool != certified deliveries");
            assertEq(claimedWh, handler.claimedPerId(id), "claimed != claims credited");
            assertLe(claimedWh + handler.returnedPerId(id), poolWh, "pool exceeded");
            assertLe(handler.mintedPerId(id), handler.issuedPerId(id), "minted above the exports");
            (, uint256 clearedWh, , ) = market.settledTrade(slot);
            if (clearedWh != 0) assertLe(poolWh, clearedWh, "pool above Q");
        }
    }

    /// @dev For every id: total supply + retired = minted.
    function invariant_supplyPlusRetiredEqualsIssued() public view {
        for (uint256 k; k < handler.idCount(); ++k) {
            uint256 id = handler.ids(k);
            uint256 supply;
            for (uint256 i; i < ACTORS; ++i) supply += certificates.balanceOf(actors[i], id);
            supply += certificates.balanceOf(gridAccount, id);
            assertEq(
                supply + handler.retiredPerId(id),
                handler.mintedPerId(id),
                "supply + retired != minted"
            );
        }
    }

    function invariant_retiredNeverDecreases() public {
        uint256 retired = handler.retiredTotal();
        assertGe(retired, lastRetiredTotal, "retired decreased");
        lastRetiredTotal = retired;
    }

    /// @dev A recorded reading never changes, and a second submission for its (meter, slot) is refused.
    /// @notice No handler sequence lets a change made after slot s alter what slot s accepts or pays: every
    /// operator change left the record of each slot open for trading or in its window as it was.
    function invariant_changesNeverReachAnOpenSlot() public view {
        assertEq(handler.scheduleViolations(), 0, "an operator change reached an open slot");
    }

    function invariant_readingsImmutable() public view {
        assertEq(handler.readingViolations(), 0, "a second reading was accepted");
        for (uint256 k; k < handler.readingCount(); ++k) {
            address meter = handler.readMeter(k);
            uint64 slot = handler.readSlot(k);
            IMeterRegistry.Reading memory reading = registry.readingOf(meter, slot);
            assertTrue(reading.recorded);
            assertEq(reading.exportedWh, handler.exportedOf(meter, slot));
        }
    }

    /// @dev The final drain, with no privileged action: after everyone cancelled, every slot cleared and
    /// settled, every traded slot's certificates delivered in random pages and everyone withdrew, nothing is
    /// locked or escrowed, every slot is final and certified, and the market holds exactly what was
    /// force-sent to it.
    function afterInvariant() public {
        handler.drain(block.timestamp);
        for (uint256 s; s < handler.slotCount(); ++s) {
            assertTrue(market.isSlotFinal(handler.slotAt(s)), "slot not final after the drain");
        }
        for (uint256 s; s < handler.tradedCount(); ++s) {
            uint64 slot = handler.tradedSlots(s);
            assertTrue(market.isSlotFinal(slot), "traded slot not final");
            assertTrue(certificates.isSlotCertified(slot), "traded slot not certified after the drain");
        }
        (uint256 owed, uint256 locked) = handler.liabilities();
        assertEq(locked, 0, "locks left after the drain");
        assertEq(market.escrowed(), 0, "escrow left after the drain");
        assertEq(owed, 0, "balances left after everyone withdrew");
        assertEq(
            token.balanceOf(address(market)),
            handler.ghostForced(),
            "market holds more than force-sent"
        );
        invariant_marketSolvent();
        invariant_paidEqualsOwed();
        invariant_fillsMatchQuantity();
        invariant_certificatesIssuedAtMostExportedAndOnce();
        invariant_supplyPlusRetiredEqualsIssued();
        invariant_poolsNeverExceeded();
    }
}
