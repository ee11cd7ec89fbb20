// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {Vm} from "forge-std/Vm.sol";
import {EnergyCertificates} from "../contracts/EnergyCertificates.sol";
import {MeterRegistry} from "../contracts/MeterRegistry.sol";
import {IEnergyCertificates} from "../contracts/interfaces/IEnergyCertificates.sol";
import {IMeterRegistry} from "../contracts/interfaces/IMeterRegistry.sol";
import {ISettlementHook} from "../contracts/interfaces/ISettlementHook.sol";
import {MockCertMarket} from "../contracts/mocks/MockCertMarket.sol";
import {CertificatesBase} from "./EnergyCertificatesBase.t.sol";

/// @dev Drives readings, market settlements (honest or lying), issuance on request, transfers,
/// retirements, suspensions and time, and keeps ghost totals from the certificates' own events.
contract CertificatesHandler is Test {
    MeterRegistry internal immutable registry;
    EnergyCertificates internal immutable certificates;
    MockCertMarket internal immutable market;
    EnergyCertificatesInvariantTest internal immutable base;

    address[4] public meters;
    address[6] public holders; // 4 traders + 2 meter owners overlap: traders[0], traders[1] own meters
    uint256[] public ids;
    mapping(uint256 id => bool) public knownId;

    // (meter, slot) pairs that were read, with ghost totals
    address[] public pairMeter;
    uint64[] public pairSlot;
    mapping(address meter => mapping(uint64 slot => uint256)) public exportedOf;
    mapping(address meter => mapping(uint64 slot => uint256)) public issuedOf;
    mapping(address meter => mapping(uint64 slot => uint256)) public issuanceCount;
    mapping(uint256 id => uint256) public issuedPerId;
    mapping(uint256 id => uint256) public retiredPerId;
    uint256 public retiredTotal;
    uint256 public issuedWhileNotActive;
    uint256 public issuedAfterWithheld;

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

    function pairCount() external view returns (uint256) {
        return pairMeter.length;
    }

    function idCount() external view returns (uint256) {
        return ids.length;
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

    function settle(
        uint256 pairSeed,
        uint256 cleared,
        uint64[3] calldata fills,
        uint64[2] calldata delivered,
        uint256 otherMeterSeed
    ) external {
        if (pairMeter.length == 0) return;
        uint256 p = pairSeed % pairMeter.length;
        uint64 slot = pairSlot[p];
        ISettlementHook.BuyerFill[] memory buyers = new ISettlementHook.BuyerFill[](3);
        for (uint256 b = 0; b < 3; ++b)
            buyers[b] = ISettlementHook.BuyerFill(holders[(b + pairSeed) % 6], bound(fills[b], 0, 40_000));
        ISettlementHook.SellerDelivery[] memory deliveries = new ISettlementHook.SellerDelivery[](2);
        deliveries[0] = ISettlementHook.SellerDelivery(pairMeter[p], bound(delivered[0], 0, 40_000));
        deliveries[1] = ISettlementHook.SellerDelivery(
            meters[otherMeterSeed % 4],
            bound(delivered[1], 0, 40_000)
        );
        vm.recordLogs();
        market.settle(slot, bound(cleared, 0, 80_000), buyers, deliveries);
        _account(vm.getRecordedLogs());
    }

    function issue(uint256 pairSeed) external {
        if (pairMeter.length == 0) return;
        uint256 p = pairSeed % pairMeter.length;
        market.setSlotFinal(pairSlot[p], true);
        vm.recordLogs();
        try certificates.issue(pairMeter[p], pairSlot[p]) {} catch {}
        _account(vm.getRecordedLogs());
    }

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 idSeed, uint256 amount) external {
        if (ids.length == 0) return;
        address from = holders[fromSeed % 6];
        uint256 id = ids[idSeed % ids.length];
        amount = bound(amount, 0, certificates.balanceOf(from, id));
        vm.prank(from);
        certificates.safeTransferFrom(from, holders[toSeed % 6], id, amount, "");
    }

    function retire(uint256 holderSeed, uint256 idSeed, uint256 amount, bool overdraw) external {
        if (ids.length == 0) return;
        address holder = holders[holderSeed % 6];
        uint256 id = ids[idSeed % ids.length];
        uint256 balance = certificates.balanceOf(holder, id);
        amount = overdraw ? balance + 1 + (amount % 1000) : bound(amount, 1, balance == 0 ? 1 : balance);
        vm.prank(holder);
        try certificates.retire(id, amount, holders[(holderSeed + 1) % 6], "claim") {
            retiredPerId[id] += amount;
            retiredTotal += amount;
        } catch {}
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
    // Ghost accounting from the certificates' own events
    // ---------------------------------------------------------------------------------------------

    function _account(Vm.Log[] memory logs) private {
        for (uint256 k = 0; k < logs.length; ++k) {
            Vm.Log memory log = logs[k];
            if (
                log.emitter != address(certificates) ||
                log.topics[0] != IEnergyCertificates.CertificatesIssued.selector
            ) continue;
            address meter = address(uint160(uint256(log.topics[1])));
            uint64 slot = uint64(uint256(log.topics[2]));
            uint256 id = uint256(log.topics[3]);
            (, , uint256 amountWh, , ) = abi.decode(
                log.data,
                (IMeterRegistry.EnergySource, bytes8, uint256, uint256, uint256)
            );
            issuedOf[meter][slot] += amountWh;
            issuanceCount[meter][slot] += 1;
            issuedPerId[id] += amountWh;
            if (registry.meterOf(meter).status != IMeterRegistry.MeterStatus.Active) ++issuedWhileNotActive;
            if (certificates.isWithheld(meter, slot)) ++issuedAfterWithheld;
            if (!knownId[id]) {
                knownId[id] = true;
                ids.push(id);
            }
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
        assertEq(handler.issuedWhileNotActive(), 0, "issued for a meter that is not active");
        assertEq(handler.issuedAfterWithheld(), 0, "issued a withheld slot");
    }

    function invariant_supplyPlusRetiredEqualsIssued() public view {
        for (uint256 k = 0; k < handler.idCount(); ++k) {
            uint256 id = handler.ids(k);
            uint256 supply = 0;
            for (uint256 h = 0; h < 6; ++h) supply += certificates.balanceOf(handler.holders(h), id);
            assertEq(
                supply + handler.retiredPerId(id),
                handler.issuedPerId(id),
                "supply + retired != issued"
            );
        }
    }

    function invariant_retiredNeverDecreases() public {
        uint256 retired = handler.retiredTotal();
        assertGe(retired, lastRetiredTotal, "retired decreased");
        lastRetiredTotal = retired;
    }
}
