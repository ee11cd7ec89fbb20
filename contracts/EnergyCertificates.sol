// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {BitMaps} from "@openzeppelin/contracts/utils/structs/BitMaps.sol";
import {IEnergyCertificates} from "./interfaces/IEnergyCertificates.sol";
import {IEnergyMarketView} from "./interfaces/IEnergyMarketView.sol";
import {IMeterRegistry} from "./interfaces/IMeterRegistry.sol";
import {ISettlementHook} from "./interfaces/ISettlementHook.sol";
import {CertificateId} from "./libraries/CertificateId.sol";
import {CertificationPacking, SlotCertification, Vintage} from "./libraries/CertificationPacking.sol";

/// @title EnergyCertificates
/// @notice GridLedger's granular renewable-energy certificates: ERC-1155, 1 unit = 1 Wh, one id per
/// (delivery slot, energy source). See IEnergyCertificates for the rules.
/// @dev Certificates never run inside the market's settlement of money. Once a slot is settled, anyone
/// delivers its certificates in pages: `certifySellers` walks its sell orders (each selling meter's export is
/// issued once: the part the market delivered into the vintage's pool for the buyers, the unsold rest to the
/// meter's owner of record for the slot), then `claimBuyers` walks its buy orders (each filled buy order gets
/// floor(pool x fill / Q) of every vintage; the pool's rounding remainder goes to the owner of the vintage's
/// largest delivering meter when the last page is done). Every page's work is bounded by its length, which
/// the caller picks, so no book can make a slot's certificates undeliverable; the market keeps a traded
/// slot's ring position until `isSlotCertified`.
/// Invariants: for every (meter, slot) the Wh issued are at most the reading's exported Wh, issued at most
/// once (`_closed` bit); per vintage the buyers' claims never exceed the pool; total supply + Wh retired =
/// Wh issued (every balance change goes through OpenZeppelin's `_update`).
/// Gas: no per-id supply counter and no per-beneficiary retirement counter in storage; each would add a
/// storage write to every issuance or retirement, so these totals are kept by the events
/// (`CertificatesIssued`, `CertificatesClaimed`, `RoundingReturned`, `CertificatesRetired`) and reconciled
/// by the auditor's command.
/// Issuance credits balances through `_update` without the ERC-1155 receiver callback, on purpose: a
/// holder contract's callback could otherwise block a page for every other holder.
contract EnergyCertificates is ERC1155, AccessControl, IEnergyCertificates {
    using BitMaps for BitMaps.BitMap;
    using CertificationPacking for SlotCertification;
    using CertificationPacking for Vintage;

    /// @dev Renewable sources are Solar (1) .. Biomass (4): one pool per source and slot.
    uint256 private constant _FIRST_RENEWABLE = 1;
    uint256 private constant _LAST_RENEWABLE = 4;

    /// @dev A page's working copy of a slot's four renewable vintages, indexed by source.
    struct Pools {
        uint256[5] deliveredWh;
        uint256[5] claimedWh;
        uint256[5] remainderMeterIndex;
        uint256[5] remainderMeterDeliveredWh;
    }

    IMeterRegistry private immutable _registry;
    address private _market;

    /// @dev Per meter, bit `slot` set once (meter, slot) is closed: issued or withheld.
    mapping(address meter => BitMaps.BitMap) private _closed;
    /// @dev Per meter, bit `slot` set when (meter, slot) was withheld. Read only on refusals.
    mapping(address meter => BitMaps.BitMap) private _withheld;
    /// @dev Certification progress per slot.
    mapping(uint64 slot => SlotCertification) private _certification;
    /// @dev Buyers' pools per (slot, renewable source).
    mapping(uint64 slot => mapping(uint256 source => Vintage)) private _vintages;

    /// @param registry_ the meter registry whose recorded readings certificates stand for
    /// @param admin the account that binds the market and sets the metadata URI
    /// @param uri_ ERC-1155 metadata URI template (`{id}` substitution)
    constructor(IMeterRegistry registry_, address admin, string memory uri_) ERC1155(uri_) {
        _registry = registry_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ----------------------------------------------------------------------------------------------
    // Administration
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc IEnergyCertificates
    function bindMarket(address market_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (_market != address(0)) revert CertificatesMarketAlreadyBound(_market);
        if (market_.code.length == 0) revert CertificatesMarketMismatch(market_, address(0), address(0));
        address hook = IEnergyMarketView(market_).settlementHook();
        address marketRegistry = IEnergyMarketView(market_).registry();
        if (hook != address(this) || marketRegistry != address(_registry)) {
            revert CertificatesMarketMismatch(market_, hook, marketRegistry);
        }
        _market = market_;
        emit MarketBound(market_);
    }

    /// @inheritdoc IEnergyCertificates
    function setURI(string calldata newUri) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setURI(newUri);
        emit MetadataURIUpdated(newUri);
    }

    // ----------------------------------------------------------------------------------------------
    // Issuance
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc IEnergyCertificates
    function issue(address meter, uint64 slot) external returns (uint256 amountWh) {
        address market_ = _requireMarket();
        _requireRequestable(market_, slot);
        return _issueToOwner(meter, slot);
    }

    /// @inheritdoc IEnergyCertificates
    function issueBatch(
        address[] calldata meters,
        uint64[] calldata slots
    ) external returns (uint256 amountWh) {
        if (meters.length != slots.length) revert CertificatesLengthMismatch(meters.length, slots.length);
        address market_ = _requireMarket();
        for (uint256 i = 0; i < meters.length; ++i) {
            _requireRequestable(market_, slots[i]);
            amountWh += _issueToOwner(meters[i], slots[i]);
        }
    }

    /// @inheritdoc IEnergyCertificates
    function withhold(address meter, uint64[] calldata slots) external returns (uint256 count) {
        IMeterRegistry.Meter memory info = _registry.meterOf(meter);
        if (!CertificateId.isRenewable(info.source)) revert CertificatesNotRenewable(meter, info.source);
        for (uint256 i = 0; i < slots.length; ++i) {
            uint64 slot = slots[i];
            if (_closed[meter].get(slot) || !_registry.readingOfIndex(info.index, slot).recorded) continue;
            if (!_registry.isSuspendedIn(meter, slot)) continue;
            _withholdSlot(meter, slot, IMeterRegistry.MeterStatus.Suspended);
            ++count;
        }
    }

    /// @inheritdoc IEnergyCertificates
    function certifySellers(uint64 slot, uint256 maxOrders) external returns (bool done) {
        (uint256 clearedWh, , uint256 sellOrders) = _settledTrade(slot);
        SlotCertification c = _certification[slot];
        if (c.sellersDone()) revert CertificatesSellersAlreadyCertified(slot);
        uint256 from = c.sellCursor();
        IEnergyMarketView.SellLot[] memory lots = IEnergyMarketView(_market).sellLotsOf(
            slot,
            from,
            maxOrders
        );
        Pools memory pools = _loadPools(slot);
        for (uint256 k = 0; k < lots.length; ++k) {
            // A meter is certified at its first filled order, which knows the fills of all its orders.
            if (lots[k].fillWh != 0 && lots[k].priorFillWh == 0) _certifyLot(slot, lots[k], pools);
        }
        uint256 cursor = from + lots.length;
        done = cursor == sellOrders;
        _storePools(slot, pools);
        _certification[slot] = CertificationPacking.pack(cursor, 0, done, false);
        emit SellersCertified(slot, from, cursor, done);
        // The pools can never exceed the traded quantity: the market delivers at most Q.
        if (done) _checkPoolsWithin(slot, pools, clearedWh);
    }

    /// @inheritdoc IEnergyCertificates
    function claimBuyers(uint64 slot, uint256 maxOrders) external returns (bool done) {
        (uint256 clearedWh, uint256 buyOrders, ) = _settledTrade(slot);
        SlotCertification c = _certification[slot];
        if (!c.sellersDone()) revert CertificatesSellersNotCertified(slot);
        if (c.buyersDone()) revert CertificatesAlreadyClaimed(slot);
        uint256 from = c.buyCursor();
        IEnergyMarketView.BuyFill[] memory fills = IEnergyMarketView(_market).buyFillsOf(
            slot,
            from,
            maxOrders
        );
        Pools memory pools = _loadPools(slot);
        for (uint256 k = 0; k < fills.length; ++k) {
            if (fills[k].fillWh != 0) _claimFor(slot, fills[k], clearedWh, pools);
        }
        uint256 cursor = from + fills.length;
        done = cursor == buyOrders;
        if (done) _returnRemainders(slot, pools);
        _storePools(slot, pools);
        _certification[slot] = CertificationPacking.pack(c.sellCursor(), cursor, true, done);
        emit BuyersClaimed(slot, from, cursor, done);
    }

    // ----------------------------------------------------------------------------------------------
    // Retirement
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc IEnergyCertificates
    function retire(uint256 id, uint256 amountWh, address beneficiary, bytes calldata claimData) external {
        if (beneficiary == address(0)) revert CertificatesZeroBeneficiary();
        if (amountWh == 0) revert CertificatesZeroAmount();
        _burn(msg.sender, id, amountWh);
        emit CertificatesRetired(msg.sender, beneficiary, id, amountWh, claimData);
    }

    // ----------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc IEnergyCertificates
    function registry() external view returns (IMeterRegistry) {
        return _registry;
    }

    /// @inheritdoc IEnergyCertificates
    function market() external view returns (address) {
        return _market;
    }

    /// @inheritdoc IEnergyCertificates
    function idOf(uint64 slot, IMeterRegistry.EnergySource source) external pure returns (uint256) {
        return CertificateId.encode(slot, source);
    }

    /// @inheritdoc IEnergyCertificates
    function decodeId(uint256 id) external pure returns (uint64 slot, IMeterRegistry.EnergySource source) {
        return CertificateId.decode(id);
    }

    /// @inheritdoc IEnergyCertificates
    function isIssued(address meter, uint64 slot) external view returns (bool) {
        return _closed[meter].get(slot) && !_withheld[meter].get(slot);
    }

    /// @inheritdoc IEnergyCertificates
    function isWithheld(address meter, uint64 slot) external view returns (bool) {
        if (_closed[meter].get(slot)) return _withheld[meter].get(slot);
        // Not closed yet: withheld all the same when a suspension spans the slot (nothing can issue it).
        return _registry.isSuspendedIn(meter, slot);
    }

    /// @inheritdoc ISettlementHook
    function holdsRingPosition(uint64 slot) external view returns (bool) {
        return msg.sender == _market && !_certification[slot].buyersDone();
    }

    /// @inheritdoc IEnergyCertificates
    function isSlotCertified(uint64 slot) external view returns (bool) {
        return _certification[slot].buyersDone();
    }

    /// @inheritdoc IEnergyCertificates
    function certificationOf(
        uint64 slot
    ) external view returns (uint256 sellCursor, uint256 buyCursor, bool sellersDone, bool buyersDone) {
        SlotCertification c = _certification[slot];
        return (c.sellCursor(), c.buyCursor(), c.sellersDone(), c.buyersDone());
    }

    /// @inheritdoc IEnergyCertificates
    function vintageOf(
        uint64 slot,
        IMeterRegistry.EnergySource source
    ) external view returns (uint256 poolWh, uint256 claimedWh) {
        Vintage v = _vintages[slot][uint8(source)];
        return (v.deliveredWh(), v.claimedWh());
    }

    /// @inheritdoc IEnergyCertificates
    function isRenewable(IMeterRegistry.EnergySource source) external pure returns (bool) {
        return CertificateId.isRenewable(source);
    }

    /// @inheritdoc ERC1155
    function supportsInterface(
        bytes4 interfaceId
    ) public view override(ERC1155, AccessControl, IERC165) returns (bool) {
        return ERC1155.supportsInterface(interfaceId) || AccessControl.supportsInterface(interfaceId);
    }

    // ----------------------------------------------------------------------------------------------
    // Internals
    // ----------------------------------------------------------------------------------------------

    /// @dev The bound market; reverts when none is bound yet (no slot can be known final without it).
    function _requireMarket() private view returns (address market_) {
        market_ = _market;
        if (market_ == address(0)) revert CertificatesMarketNotBound();
    }

    /// @dev The request path may issue (meter, slot) only once nothing of the slot can still go to buyers:
    /// the slot is final and, if it traded, its sellers are certified (a meter that sold is closed by then).
    function _requireRequestable(address market_, uint64 slot) private view {
        if (!IEnergyMarketView(market_).isSlotFinal(slot)) revert CertificatesSlotNotFinal(slot);
        (bool held, , , ) = IEnergyMarketView(market_).settledTrade(slot);
        if (held && !_certification[slot].sellersDone()) revert CertificatesSellersNotCertified(slot);
    }

    /// @dev Q and the order counts of a settled, traded slot whose orders the market still holds.
    function _settledTrade(
        uint64 slot
    ) private view returns (uint256 clearedWh, uint256 buyOrders, uint256 sellOrders) {
        bool held;
        (held, clearedWh, buyOrders, sellOrders) = IEnergyMarketView(_requireMarket()).settledTrade(slot);
        if (!held) revert CertificatesSlotNotSettled(slot);
    }

    /// @dev The request path: the whole export of (meter, slot) to the meter's owner of record for the slot.
    function _issueToOwner(address meter, uint64 slot) private returns (uint256 amountWh) {
        IMeterRegistry.Meter memory info = _registry.meterOfSlot(meter, slot);
        if (!CertificateId.isRenewable(info.source)) revert CertificatesNotRenewable(meter, info.source);
        if (info.status == IMeterRegistry.MeterStatus.Suspended) revert CertificatesWithheld(meter, slot);
        if (info.status != IMeterRegistry.MeterStatus.Active)
            revert CertificatesMeterNotActive(meter, info.status);
        IMeterRegistry.Reading memory reading = _registry.readingOfIndex(info.index, slot);
        if (!reading.recorded) revert CertificatesNoReading(meter, slot);
        if (_closed[meter].get(slot)) {
            if (_withheld[meter].get(slot)) revert CertificatesWithheld(meter, slot);
            revert CertificatesAlreadyIssued(meter, slot);
        }
        _closed[meter].set(slot);
        amountWh = reading.exportedWh;
        uint256 id = CertificateId.encode(slot, info.source);
        if (amountWh != 0) _credit(info.owner, id, amountWh);
        emit CertificatesIssued(meter, slot, id, info.source, info.zone, amountWh, 0, amountWh);
    }

    /// @dev Certifies a selling meter's (meter, slot) at its first filled order: the market delivered
    /// min(export, the meter's fills) of it, which joins the vintage's pool; the unsold rest goes to the
    /// owner of record for the slot. Never reverts on data: a meter that is not renewable, has no reading or is
    /// closed is skipped (`IssuanceSkipped`), one that a suspension spans in the slot is withheld (its delivery
    /// never reaches the pool).
    function _certifyLot(uint64 slot, IEnergyMarketView.SellLot memory lot, Pools memory pools) private {
        address meter = _registry.meterAt(lot.meterIndex);
        IMeterRegistry.Meter memory info = _registry.meterOfSlot(meter, slot);
        if (!CertificateId.isRenewable(info.source)) {
            emit IssuanceSkipped(meter, slot, CertificatesNotRenewable.selector);
            return;
        }
        IMeterRegistry.Reading memory reading = _registry.readingOfIndex(lot.meterIndex, slot);
        if (!reading.recorded) {
            emit IssuanceSkipped(meter, slot, CertificatesNoReading.selector);
            return;
        }
        if (_closed[meter].get(slot)) {
            bool withheld = _withheld[meter].get(slot);
            emit IssuanceSkipped(
                meter,
                slot,
                withheld ? CertificatesWithheld.selector : CertificatesAlreadyIssued.selector
            );
            return;
        }
        if (info.status != IMeterRegistry.MeterStatus.Active) {
            _withholdSlot(meter, slot, info.status);
            return;
        }
        uint256 source = uint8(info.source);
        uint256 deliveredWh = Math.min(reading.exportedWh, lot.meterFillWh);
        pools.deliveredWh[source] += deliveredWh;
        if (deliveredWh > pools.remainderMeterDeliveredWh[source]) {
            pools.remainderMeterIndex[source] = lot.meterIndex;
            pools.remainderMeterDeliveredWh[source] = deliveredWh;
        }
        _closed[meter].set(slot);
        uint256 id = CertificateId.encode(slot, info.source);
        uint256 toOwnerWh = reading.exportedWh - deliveredWh;
        if (toOwnerWh != 0) _credit(info.owner, id, toOwnerWh);
        emit CertificatesIssued(
            meter,
            slot,
            id,
            info.source,
            info.zone,
            reading.exportedWh,
            deliveredWh,
            toOwnerWh
        );
    }

    /// @dev Credits one filled buy order its share of every vintage: floor(pool x fill / Q), never more than
    /// the pool has left (a guard against a lying market; with an honest one the shares sum to <= pool).
    function _claimFor(
        uint64 slot,
        IEnergyMarketView.BuyFill memory fill,
        uint256 clearedWh,
        Pools memory pools
    ) private {
        for (uint256 source = _FIRST_RENEWABLE; source <= _LAST_RENEWABLE; ++source) {
            uint256 pool = pools.deliveredWh[source];
            if (pool == 0) continue;
            uint256 amountWh = Math.min(
                Math.mulDiv(pool, fill.fillWh, clearedWh),
                pool - pools.claimedWh[source]
            );
            if (amountWh == 0) continue;
            pools.claimedWh[source] += amountWh;
            uint256 id = CertificateId.encode(slot, IMeterRegistry.EnergySource(source));
            _credit(fill.buyer, id, amountWh);
            emit CertificatesClaimed(fill.buyer, slot, id, amountWh);
        }
    }

    /// @dev After the last claim: each pool's rounding remainder to the owner of record of its largest
    /// delivering meter, at most that meter's delivery (so no (meter, slot) is ever issued above its export).
    function _returnRemainders(uint64 slot, Pools memory pools) private {
        for (uint256 source = _FIRST_RENEWABLE; source <= _LAST_RENEWABLE; ++source) {
            uint256 remainderWh = Math.min(
                pools.deliveredWh[source] - pools.claimedWh[source],
                pools.remainderMeterDeliveredWh[source]
            );
            if (remainderWh == 0) continue;
            address meter = _registry.meterAt(uint32(pools.remainderMeterIndex[source]));
            uint256 id = CertificateId.encode(slot, IMeterRegistry.EnergySource(source));
            _credit(_registry.ownerOfRecord(meter, slot), id, remainderWh);
            emit RoundingReturned(meter, slot, id, remainderWh);
        }
    }

    function _loadPools(uint64 slot) private view returns (Pools memory pools) {
        for (uint256 source = _FIRST_RENEWABLE; source <= _LAST_RENEWABLE; ++source) {
            Vintage v = _vintages[slot][source];
            pools.deliveredWh[source] = v.deliveredWh();
            pools.claimedWh[source] = v.claimedWh();
            pools.remainderMeterIndex[source] = v.remainderMeterIndex();
            pools.remainderMeterDeliveredWh[source] = v.remainderMeterDeliveredWh();
        }
    }

    /// @dev Writes back the vintages a page changed (an unchanged word costs only a warm read).
    function _storePools(uint64 slot, Pools memory pools) private {
        for (uint256 source = _FIRST_RENEWABLE; source <= _LAST_RENEWABLE; ++source) {
            Vintage v = CertificationPacking.packVintage(
                pools.deliveredWh[source],
                pools.claimedWh[source],
                pools.remainderMeterIndex[source],
                pools.remainderMeterDeliveredWh[source]
            );
            if (Vintage.unwrap(v) != Vintage.unwrap(_vintages[slot][source])) _vintages[slot][source] = v;
        }
    }

    function _checkPoolsWithin(uint64 slot, Pools memory pools, uint256 clearedWh) private pure {
        uint256 total;
        for (uint256 source = _FIRST_RENEWABLE; source <= _LAST_RENEWABLE; ++source) {
            total += pools.deliveredWh[source];
        }
        if (total > clearedWh) revert CertificatesPoolExceedsTrade(slot, total, clearedWh);
    }

    /// @dev Closes (meter, slot) for good without issuing it.
    function _withholdSlot(address meter, uint64 slot, IMeterRegistry.MeterStatus status) private {
        _closed[meter].set(slot);
        _withheld[meter].set(slot);
        emit IssuanceWithheld(meter, slot, status);
    }

    /// @dev Credits `amountWh` of `id` to `to`: a mint through OpenZeppelin's `_update` choke point,
    /// without the receiver callback (see the contract's NatSpec).
    function _credit(address to, uint256 id, uint256 amountWh) private {
        uint256[] memory ids = new uint256[](1);
        uint256[] memory values = new uint256[](1);
        ids[0] = id;
        values[0] = amountWh;
        _update(address(0), to, ids, values);
    }
}
