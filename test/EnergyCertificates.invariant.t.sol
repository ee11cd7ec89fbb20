// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {Vm} from "forge-std/Vm.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {EnergyCertificates} from "../contracts/EnergyCertificates.sol";
import {MeterRegistry} from "../contracts/MeterRegistry.sol";
import {IEnergyCertificates} from "../contracts/interfaces/IEnergyCertificates.sol";
import {IEnergyMarketView} from "../contracts/interfaces/IEnergyMarketView.sol";
import {IMeterRegistry} from "../contracts/interfaces/IMeterRegistry.sol";
import {MockCertMarket} from "../contracts/mocks/MockCertMarket.sol";
import {CertificatesBase} from "./EnergyCertificatesBase.t.sol";

/// @dev Drives readings, market settlements (honest or lying), certification and claims in random pages,
/// issuance on request, recycling, transfers, retirements, suspensions and time, and keeps ghost totals
/// from the certificates' own events.
// A handler keeps one ghost ledger per property it checks: more state than a production contract.
// solhint-disable-next-line max-states-count
contract CertificatesHandler is Test {
    MeterRegistry internal immutable registry;
    EnergyCertificates internal immutable certificates;
    MockCertMarket internal immutable market;
    EnergyCertificatesInvariantTest internal immutable base;

    address[4] public meters;
    address[6] public holders; // 4 traders + 2 accounts that only buy: traders[0], traders[1] own meters
    uint256[] public ids;
    mapping(uint256 id => bool) public knownId;

    // (meter, slot) pairs that were read, with ghost totals
    address[] public pairMeter;
    uint64[] public pairSlot;
    mapping(address meter => mapping(uint64 slot => uint256)) public exportedOf;
    mapping(address meter => mapping(uint64 slot => uint256)) public issuedOf;
    mapping(address meter => mapping(uint64 slot => uint256)) public issuanceCount;
    /// @dev Wh issued per id as the events' `amountWh` (exports of issued meters), and what was minted of
    /// them: owner parts, buyers' claims, rounding returns.
    mapping(uint256 id => uint256) public issuedPerId;
    mapping(uint256 id => uint256) public mintedPerId;
    mapping(uint256 id => uint256) public pooledPerId;
    mapping(uint256 id => uint256) public claimedPerId;
    mapping(uint256 id => uint256) public returnedPerId;
    mapping(uint256 id => uint256) public retiredPerId;
    uint256 public retiredTotal;
    uint256 public issuedForInactiveSlot;
    uint256 public issuedAfterWithheld;
    /// @dev A claim of an honest slot's buy order that was not floor(pool x fill / Q) of its vintage.
    uint256 public claimViolations;

    // Settled slots (each settled once, as the market does)
    uint64[] public settledSlots;
    mapping(uint64 slot => bool) public isSettled;
    mapping(uint64 slot => bool) public isHonest;

    constructor(
        EnergyCertificatesInvariantTest base_,
        address[4] memory meters_,
        address[4] memory traders_
    ) {
        base = base_;
        registry = base_.registryOf();
        certificates = base_.certificatesOf();
        market = base_.marketOf();
        meters = meters_;
        for (uint256 i = 0; i < 4; ++i) holders[i] = traders_[i];
        holders[4] = address(0x2001);
        holders[5] = address(0x2002);
    }

    /// @dev startPrank after clearing any prank an earlier handler call left behind. CI-depth runs saw a later
    /// startPrank revert with "cannot overwrite a prank until it is applied" (most likely a handler call that
    /// reverted between its startPrank and its stopPrank): that is the test's own state, not the contracts'.
    function _prankFrom(address account) private {
        vm.stopPrank();
        vm.startPrank(account);
    }
    function pairCount() external view returns (uint256) {
        return pairMeter.length;
    }

    function idCount() external view returns (uint256) {
        return ids.length;
    }

    function settledCount() external view returns (uint256) {
        return settledSlots.length;
    }

    // ---------------------------------------------------------------------------------------------
    // Actions
    // ---------------------------------------------------------------------------------------------

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 1800));
    }

    function recordReading(uint256 meterSeed, uint256 back, uint32 exportedWh) external {
        uint256 i = meterSeed % 4;
        uint64 current = registry.currentSlot();
        back = bound(back, 1, 3);
        if (current < back) return;
        uint64 slot = current - uint64(back);
        exportedWh = uint32(bound(exportedWh, 0, 25_000));
        try registry.submitReading(base.signedReading(i, slot, exportedWh)) {
            exportedOf[meters[i]][slot] = exportedWh;
            pairMeter.push(meters[i]);
            pairSlot.push(slot);
        } catch {}
    }

    /// @dev An honest trade of a read slot: sell orders of random meters with random fills, Q their sum,
    /// buy orders of random holders whose fills add up to Q (some unfilled).
    function settleHonest(uint256 pairSeed, uint256 sellSeed, uint256 buySeed) external {
        uint64 slot;
        bool ok;
        (slot, ok) = _settleableSlot(pairSeed);
        if (!ok) return;
        uint256 nSells = 1 + (sellSeed % 5);
        address[] memory sellers = new address[](nSells);
        uint256[] memory sellFills = new uint256[](nSells);
        uint256 q = 0;
        for (uint256 k = 0; k < nSells; ++k) {
            sellSeed = uint256(keccak256(abi.encode(sellSeed, k)));
            sellers[k] = meters[sellSeed % 4];
            sellFills[k] = (sellSeed >> 8) % 7 == 0 ? 0 : bound(sellSeed >> 16, 1, 12_000);
            q += sellFills[k];
        }
        if (q == 0) return;
        uint256 nBuys = 1 + (buySeed % 6);
        IEnergyMarketView.BuyFill[] memory buys = new IEnergyMarketView.BuyFill[](nBuys);
        uint256 left = q;
        for (uint256 k = 0; k < nBuys; ++k) {
            buySeed = uint256(keccak256(abi.encode(buySeed, k)));
            uint256 fill = k + 1 == nBuys ? left : bound(buySeed >> 8, 0, left);
            left -= fill;
            buys[k] = IEnergyMarketView.BuyFill(holders[buySeed % 6], uint48(fill));
        }
        market.settle(slot, q, buys, _honestLots(sellers, sellFills));
        _markSettled(slot, true);
    }

    /// @dev A lying trade: any Q, any buy fills (summing above Q), any meter fill bookkeeping.
    function settleLying(
        uint256 pairSeed,
        uint256 cleared,
        uint48[3] calldata fills,
        uint32[3] calldata meterFills,
        uint256 shapeSeed
    ) external {
        uint64 slot;
        bool ok;
        (slot, ok) = _settleableSlot(pairSeed);
        if (!ok) return;
        cleared = bound(cleared, 1, 80_000);
        IEnergyMarketView.BuyFill[] memory buys = new IEnergyMarketView.BuyFill[](3);
        IEnergyMarketView.SellLot[] memory lots = new IEnergyMarketView.SellLot[](3);
        for (uint256 k = 0; k < 3; ++k) {
            buys[k] = IEnergyMarketView.BuyFill(
                holders[(shapeSeed + k) % 6],
                uint48(bound(fills[k], 0, 80_000))
            );
            uint32 index = registry.meterOf(meters[(shapeSeed >> (8 * k)) % 4]).index;
            lots[k] = IEnergyMarketView.SellLot(
                (shapeSeed >> (30 + k)) % 9 == 0 ? 77 : index, // now and then a meter index nobody has
                uint48(bound(fills[k], 1, 40_000)),
                uint32((shapeSeed >> (40 + k)) % 3 == 0 ? 5 : 0),
                uint32(bound(meterFills[k], 0, 40_000))
            );
        }
        market.settle(slot, cleared, buys, lots);
        _markSettled(slot, false);
    }

    function certifySellers(uint256 slotSeed, uint256 page) public {
        if (settledSlots.length == 0) return;
        uint64 slot = settledSlots[slotSeed % settledSlots.length];
        vm.recordLogs();
        page = bound(page, 0, 4);
        // startPrank / stopPrank: a prank of a call that reverted must not outlive it.
        _prankFrom(address(0xBEEF));
        // Only a page that went through counts: the recorder may also hold a reverted call's events. The
        // prank ends before the accounting reads the registry, so that nothing can outlive it.
        try certificates.certifySellers(slot, page) {
            vm.stopPrank();
            _account(vm.getRecordedLogs());
        } catch {
            vm.stopPrank();
            vm.getRecordedLogs();
        }
    }

    function claimBuyers(uint256 slotSeed, uint256 page) public {
        if (settledSlots.length == 0) return;
        _claimPage(settledSlots[slotSeed % settledSlots.length], bound(page, 0, 4));
    }

    function issue(uint256 pairSeed) external {
        if (pairMeter.length == 0) return;
        uint256 p = pairSeed % pairMeter.length;
        if (!isSettled[pairSlot[p]]) market.setSlotFinal(pairSlot[p], true);
        vm.recordLogs();
        try certificates.issue(pairMeter[p], pairSlot[p]) {
            _account(vm.getRecordedLogs());
        } catch {
            vm.getRecordedLogs();
        }
    }

    /// @dev The market forgets a slot's orders only once it is certified (its ring rule).
    function recycle(uint256 slotSeed) external {
        if (settledSlots.length == 0) return;
        uint64 slot = settledSlots[slotSeed % settledSlots.length];
        if (certificates.isSlotCertified(slot)) market.recycle(slot);
    }

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 idSeed, uint256 amount) external {
        if (ids.length == 0) return;
        address from = holders[fromSeed % 6];
        uint256 id = ids[idSeed % ids.length];
        amount = bound(amount, 0, certificates.balanceOf(from, id));
        _prankFrom(from);
        try certificates.safeTransferFrom(from, holders[toSeed % 6], id, amount, "") {} catch {}
        vm.stopPrank();
    }

    function retire(uint256 holderSeed, uint256 idSeed, uint256 amount, bool overdraw) external {
        if (ids.length == 0) return;
        address holder = holders[holderSeed % 6];
        uint256 id = ids[idSeed % ids.length];
        uint256 balance = certificates.balanceOf(holder, id);
        amount = overdraw ? balance + 1 + (amount % 1000) : bound(amount, 1, balance == 0 ? 1 : balance);
        _prankFrom(holder);
        try certificates.retire(id, amount, holders[(holderSeed + 1) % 6], "claim") {
            retiredPerId[id] += amount;
            retiredTotal += amount;
        } catch {}
        vm.stopPrank();
    }

    function suspendOrReinstate(uint256 meterSeed) external {
        address meter = meters[meterSeed % 4];
        if (registry.meterOf(meter).status == IMeterRegistry.MeterStatus.Active) registry.suspendMeter(meter);
        else registry.reinstateMeter(meter);
    }

    function withhold(uint256 pairSeed) external {
        if (pairMeter.length == 0) return;
        uint256 p = pairSeed % pairMeter.length;
        uint64[] memory slots = new uint64[](1);
        slots[0] = pairSlot[p];
        try certificates.withhold(pairMeter[p], slots) {} catch {}
    }

    // ---------------------------------------------------------------------------------------------
    // Final drain: an unprivileged account delivers every settled slot in random pages
    // ---------------------------------------------------------------------------------------------

    /// @dev Returns the number of held slots left uncertified because a lying market's pools exceed Q.
    function drain(uint256 seed) external returns (uint256 stuck) {
        for (uint256 s = 0; s < settledSlots.length; ++s) {
            uint64 slot = settledSlots[s];
            (bool held, , , ) = market.settledTrade(slot);
            if (!held) continue;
            for (uint256 guard = 0; guard < 64; ++guard) {
                (, , bool sellersDone, bool buyersDone) = certificates.certificationOf(slot);
                if (buyersDone) break;
                seed = uint256(keccak256(abi.encode(seed, s, guard)));
                uint256 page = 1 + (seed % 3);
                if (!sellersDone) {
                    vm.recordLogs();
                    _prankFrom(address(0xBEEF));
                    try certificates.certifySellers(slot, page) {} catch (bytes memory reason) {
                        vm.stopPrank();
                        if (
                            bytes4(reason) != IEnergyCertificates.CertificatesPoolExceedsTrade.selector ||
                            isHonest[slot]
                        ) revert("drain: certifySellers failed");
                        ++stuck;
                        break;
                    }
                    vm.stopPrank();
                    _account(vm.getRecordedLogs());
                } else {
                    _claimPage(slot, page);
                }
            }
            if (!certificates.isSlotCertified(slot) && isHonest[slot])
                revert("drain: honest slot not certified");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------

    function _settleableSlot(uint256 pairSeed) private view returns (uint64 slot, bool ok) {
        if (pairMeter.length == 0) return (0, false);
        slot = pairSlot[pairSeed % pairMeter.length];
        // The market settles a slot once, and never one that became final without a trade.
        ok = !isSettled[slot] && !market.isSlotFinal(slot);
    }

    function _markSettled(uint64 slot, bool honest) private {
        isSettled[slot] = true;
        isHonest[slot] = honest;
        settledSlots.push(slot);
    }

    function _honestLots(
        address[] memory sellers,
        uint256[] memory fills
    ) private view returns (IEnergyMarketView.SellLot[] memory lots) {
        lots = new IEnergyMarketView.SellLot[](sellers.length);
        for (uint256 k = 0; k < sellers.length; ++k) {
            if (fills[k] == 0) continue;
            uint256 prior = 0;
            uint256 total = 0;
            for (uint256 j = 0; j < sellers.length; ++j) {
                if (sellers[j] != sellers[k]) continue;
                if (j < k) prior += fills[j];
                total += fills[j];
            }
            lots[k] = IEnergyMarketView.SellLot(
                registry.meterOf(sellers[k]).index,
                uint48(fills[k]),
                uint32(prior),
                uint32(total)
            );
        }
    }

    /// @dev One claim page by an unprivileged account; for an honest slot, checks that every credited
    /// order got exactly floor(pool x fill / Q) of each vintage, in order.
    function _claimPage(uint64 slot, uint256 page) private {
        (, uint256 from, , ) = certificates.certificationOf(slot);
        vm.recordLogs();
        _prankFrom(address(0xBEEF));
        try certificates.claimBuyers(slot, page) {} catch {
            vm.stopPrank();
            vm.getRecordedLogs();
            return;
        }
        vm.stopPrank();
        Vm.Log[] memory logs = vm.getRecordedLogs();
        _account(logs);
        if (!isHonest[slot]) return;
        (, uint256 to, , ) = certificates.certificationOf(slot);
        (, uint256 q, , ) = market.settledTrade(slot);
        IEnergyMarketView.BuyFill[] memory fills = market.buyFillsOf(slot, from, to - from);
        uint256 next = _nextClaim(logs, 0);
        for (uint256 k = 0; k < fills.length; ++k) {
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
        if (next != logs.length) ++claimViolations; // a claim no order was entitled to
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

    /// @dev Ghost accounting from the certificates' own events.
    function _account(Vm.Log[] memory logs) private {
        for (uint256 k = 0; k < logs.length; ++k) {
            Vm.Log memory log = logs[k];
            if (log.emitter != address(certificates)) continue;
            bytes32 topic = log.topics[0];
            if (topic == IEnergyCertificates.CertificatesIssued.selector) {
                address meter = address(uint160(uint256(log.topics[1])));
                uint64 slot = uint64(uint256(log.topics[2]));
                uint256 id = uint256(log.topics[3]);
                (, , uint256 amountWh, uint256 toBuyersWh, uint256 toOwnerWh) = abi.decode(
                    log.data,
                    (IMeterRegistry.EnergySource, bytes8, uint256, uint256, uint256)
                );
                issuedOf[meter][slot] += amountWh;
                issuanceCount[meter][slot] += 1;
                issuedPerId[id] += amountWh;
                pooledPerId[id] += toBuyersWh;
                mintedPerId[id] += toOwnerWh;
                if (toBuyersWh + toOwnerWh != amountWh) ++claimViolations;
                // The meter's record for the slot counts (a later suspension does not reach back).
                if (registry.meterOfSlot(meter, slot).status != IMeterRegistry.MeterStatus.Active)
                    ++issuedForInactiveSlot;
                if (certificates.isWithheld(meter, slot)) ++issuedAfterWithheld;
                _learnId(id);
            } else if (topic == IEnergyCertificates.CertificatesClaimed.selector) {
                uint256 id = uint256(log.topics[3]);
                uint256 amountWh = abi.decode(log.data, (uint256));
                claimedPerId[id] += amountWh;
                mintedPerId[id] += amountWh;
                _learnId(id);
            } else if (topic == IEnergyCertificates.RoundingReturned.selector) {
                uint256 id = uint256(log.topics[3]);
                uint256 amountWh = abi.decode(log.data, (uint256));
                returnedPerId[id] += amountWh;
                mintedPerId[id] += amountWh;
                _learnId(id);
            }
        }
    }

    function _learnId(uint256 id) private {
        if (!knownId[id]) {
            knownId[id] = true;
            ids.push(id);
        }
    }
}

contract EnergyCertificatesInvariantTest is CertificatesBase {
    CertificatesHandler internal handler;
    uint256 internal lastRetiredTotal;

    function setUp() public {
        _deploy();
        address[4] memory m = meters;
        address[4] memory t = traders;
        handler = new CertificatesHandler(this, m, t);
        registry.grantRole(registry.REGULATOR_ROLE(), address(handler));
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](16);
        selectors[0] = CertificatesHandler.warp.selector;
        selectors[1] = CertificatesHandler.recordReading.selector;
        selectors[2] = CertificatesHandler.recordReading.selector;
        selectors[3] = CertificatesHandler.settleHonest.selector;
        selectors[4] = CertificatesHandler.settleHonest.selector;
        selectors[5] = CertificatesHandler.settleLying.selector;
        selectors[6] = CertificatesHandler.certifySellers.selector;
        selectors[7] = CertificatesHandler.certifySellers.selector;
        selectors[8] = CertificatesHandler.claimBuyers.selector;
        selectors[9] = CertificatesHandler.claimBuyers.selector;
        selectors[10] = CertificatesHandler.issue.selector;
        selectors[11] = CertificatesHandler.recycle.selector;
        selectors[12] = CertificatesHandler.transfer.selector;
        selectors[13] = CertificatesHandler.retire.selector;
        selectors[14] = CertificatesHandler.suspendOrReinstate.selector;
        selectors[15] = CertificatesHandler.withhold.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    function registryOf() external view returns (MeterRegistry) {
        return registry;
    }

    function certificatesOf() external view returns (EnergyCertificates) {
        return certificates;
    }

    function marketOf() external view returns (MockCertMarket) {
        return market;
    }

    function signedReading(
        uint256 i,
        uint64 slot,
        uint32 exportedWh
    ) external view returns (IMeterRegistry.SignedReading memory) {
        return _signed(i, slot, exportedWh);
    }

    function invariant_issuedAtMostExportedAndOnce() public view {
        for (uint256 p = 0; p < handler.pairCount(); ++p) {
            address meter = handler.pairMeter(p);
            uint64 slot = handler.pairSlot(p);
            assertLe(handler.issuanceCount(meter, slot), 1, "issued twice");
            assertLe(handler.issuedOf(meter, slot), handler.exportedOf(meter, slot), "issued above export");
        }
        assertEq(
            handler.issuedForInactiveSlot(),
            0,
            "issued for a slot a suspension spans or the meter is retired for"
        );
        assertEq(handler.issuedAfterWithheld(), 0, "issued a withheld slot");
    }

    /// @dev Per vintage: the buyers' claims and the rounding return never exceed the pool, the pool is what
    /// the sellers' certification put in, and nothing is minted beyond the issued meters' exports.
    function invariant_poolNeverExceeded() public view {
        for (uint256 k = 0; k < handler.idCount(); ++k) {
            uint256 id = handler.ids(k);
            (uint64 slot, IMeterRegistry.EnergySource source) = certificates.decodeId(id);
            (uint256 poolWh, uint256 claimedWh) = certificates.vintageOf(slot, source);
            assertEq(poolWh, handler.pooledPerId(id), "pool != delivered of certified meters");
            assertEq(claimedWh, handler.claimedPerId(id), "claimed != claims credited");
            assertLe(claimedWh + handler.returnedPerId(id), poolWh, "pool exceeded");
            assertLe(handler.mintedPerId(id), handler.issuedPerId(id), "minted above the exports");
        }
    }

    function invariant_claimsArePerOrderShares() public view {
        assertEq(handler.claimViolations(), 0, "a claim was not floor(pool x fill / Q)");
    }

    function invariant_supplyPlusRetiredEqualsIssued() public view {
        for (uint256 k = 0; k < handler.idCount(); ++k) {
            uint256 id = handler.ids(k);
            uint256 supply = 0;
            for (uint256 h = 0; h < 6; ++h) supply += certificates.balanceOf(handler.holders(h), id);
            assertEq(
                supply + handler.retiredPerId(id),
                handler.mintedPerId(id),
                "supply + retired != issued"
            );
        }
    }

    function invariant_retiredNeverDecreases() public {
        uint256 retired = handler.retiredTotal();
        assertGe(retired, lastRetiredTotal, "retired decreased");
        lastRetiredTotal = retired;
    }

    /// @dev After the run, an unprivileged account delivers every settled slot in random pages: every
    /// honest slot ends certified (a lying one may stay stuck on its own lie), every property still holds.
    function afterInvariant() public {
        handler.drain(block.timestamp);
        for (uint256 s = 0; s < handler.settledCount(); ++s) {
            uint64 slot = handler.settledSlots(s);
            assertTrue(market.isSlotFinal(slot), "settled slot not final");
            if (handler.isHonest(slot))
                assertTrue(certificates.isSlotCertified(slot), "honest slot not certified");
        }
        invariant_issuedAtMostExportedAndOnce();
        invariant_poolNeverExceeded();
        invariant_claimsArePerOrderShares();
        invariant_supplyPlusRetiredEqualsIssued();
    }
}
