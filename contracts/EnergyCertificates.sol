// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {TransientSlot} from "@openzeppelin/contracts/utils/TransientSlot.sol";
import {IEnergyCertificates} from "./interfaces/IEnergyCertificates.sol";
import {IEnergyMarketView} from "./interfaces/IEnergyMarketView.sol";
import {IMeterRegistry} from "./interfaces/IMeterRegistry.sol";
import {ISettlementHook} from "./interfaces/ISettlementHook.sol";
import {CertificateId} from "./libraries/CertificateId.sol";

/// @title EnergyCertificates
/// @notice GridLedger's granular renewable-energy certificates: ERC-1155, 1 unit = 1 Wh, one id per
/// (delivery slot, energy source). See IEnergyCertificates for the rules.
/// @dev Invariants: for every (meter, slot) the Wh issued equal the reading's exported Wh or zero, and are
/// issued at most once (`_closed` bit); for every id, total supply + Wh retired = Wh issued (every balance
/// change goes through OpenZeppelin's `_update`: `_credit` for issuance, `_burn` for retirement).
/// Gas: no per-id supply counters and no per-beneficiary retirement counter in storage. Each would cost a
/// storage write on every issuance or retirement (OpenZeppelin's burn alone is 30.1k gas; one more warm
/// write makes 35.1k, above the 35k target), so these totals are kept by the events (`CertificatesIssued`,
/// `CertificatesRetired` indexed by beneficiary) and reconciled by the auditor's command.
/// Issuance credits balances through `_update` without the ERC-1155 receiver callback, on purpose: it runs
/// inside the market's settlement, where a buyer contract's callback could revert the settlement of money
/// or re-enter the market mid-settlement. Holders that are contracts receive certificates like an EOA.
contract EnergyCertificates is ERC1155, AccessControl, IEnergyCertificates {
    /// @dev A meter's energy as the settlement hook will issue it.
    struct Lot {
        address meter;
        address owner;
        uint256 id;
        IMeterRegistry.EnergySource source;
        bytes8 zone;
        uint256 exportedWh;
        uint256 deliveredWh;
    }

    using TransientSlot for TransientSlot.Uint256Slot;

    /// @dev Number of EnergySource values (None .. Other): one vintage per source and slot.
    uint256 private constant _SOURCES = 7;
    /// @dev Transient marker of a meter whose (meter, slot) this settlement skipped or withheld.
    uint256 private constant _NOT_ISSUABLE = type(uint256).max;
    /// @dev Namespace of the transient meter -> lot map used while a settlement is processed.
    bytes32 private constant _LOT_NAMESPACE = keccak256("gridledger.certificates.settlement.lots");

    IMeterRegistry private immutable _registry;
    address private _market;

    /// @dev meter => slot >> 8 => bitmap; bit (slot & 0xff) is set once (meter, slot) is closed: issued or
    /// withheld. 256 slots per word, so all but one issuance in 256 rewrite a non-zero word.
    mapping(address meter => mapping(uint256 word => uint256 bits)) private _closed;
    /// @dev Same layout as `_closed`; bit set when (meter, slot) was withheld. Read only on refusals.
    mapping(address meter => mapping(uint256 word => uint256 bits)) private _withheld;

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
        return _issueToOwner(_requireMarket(), meter, slot);
    }

    /// @inheritdoc IEnergyCertificates
    function issueBatch(
        address[] calldata meters,
        uint64[] calldata slots
    ) external returns (uint256 amountWh) {
        if (meters.length != slots.length) revert CertificatesLengthMismatch(meters.length, slots.length);
        address market_ = _requireMarket();
        for (uint256 i = 0; i < meters.length; ++i) {
            amountWh += _issueToOwner(market_, meters[i], slots[i]);
        }
    }

    /// @inheritdoc IEnergyCertificates
    function withhold(address meter, uint64[] calldata slots) external returns (uint256 count) {
        IMeterRegistry.Meter memory info = _registry.meterOf(meter);
        if (!CertificateId.isRenewable(info.source)) revert CertificatesNotRenewable(meter, info.source);
        if (info.status == IMeterRegistry.MeterStatus.Active) revert CertificatesMeterActive(meter);
        for (uint256 i = 0; i < slots.length; ++i) {
            uint64 slot = slots[i];
            if (_isClosed(meter, slot) || !_registry.readingOfIndex(info.index, slot).recorded) continue;
            _withholdSlot(meter, slot, info.status);
            ++count;
        }
    }

    /// @inheritdoc ISettlementHook
    /// @dev Only the bound market. Never reverts on data: a delivery from a meter that is not renewable,
    /// has no reading or was already issued is skipped (`IssuanceSkipped`), one from a meter that is not
    /// active is withheld. A meter's deliveries are summed and capped at its reading's export, and the
    /// buyers' shares use the largest of `clearedWh`, the sum of fills and the sum of deliveries as the
    /// denominator, so that even a lying market can neither issue more than a reading's export nor give a
    /// buyer more than its fill.
    function onSlotSettled(
        uint64 slot,
        uint256 clearedWh,
        BuyerFill[] calldata buyers,
        SellerDelivery[] calldata deliveries
    ) external {
        if (msg.sender != _market) revert CertificatesNotMarket(msg.sender);

        (
            Lot[] memory lots,
            uint256 lotCount,
            uint256[_SOURCES] memory bySource,
            uint256 deliveredWh
        ) = _lotsOf(slot, deliveries);
        // Buyers first, one credit per (buyer, vintage); what rounding left of each vintage goes back to the
        // owners of its lots, in delivery order. Linear in buyers + meters, so a full slot settles in one tx.
        uint256[_SOURCES] memory remainders = _creditBuyers(slot, clearedWh, buyers, bySource, deliveredWh);
        for (uint256 j = 0; j < lotCount; ++j) {
            _issueLot(slot, lots[j], remainders);
        }
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
        return _isClosed(meter, slot) && !_isWithheld(meter, slot);
    }

    /// @inheritdoc IEnergyCertificates
    function isWithheld(address meter, uint64 slot) external view returns (bool) {
        return _isWithheld(meter, slot);
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

    /// @dev The request path: the whole export of (meter, slot) to the meter's owner.
    function _issueToOwner(address market_, address meter, uint64 slot) private returns (uint256 amountWh) {
        IMeterRegistry.Meter memory info = _registry.meterOf(meter);
        if (!CertificateId.isRenewable(info.source)) revert CertificatesNotRenewable(meter, info.source);
        if (info.status != IMeterRegistry.MeterStatus.Active)
            revert CertificatesMeterNotActive(meter, info.status);
        IMeterRegistry.Reading memory reading = _registry.readingOfIndex(info.index, slot);
        if (!reading.recorded) revert CertificatesNoReading(meter, slot);
        uint256 word = slot >> 8;
        uint256 bit = _bitOf(slot);
        uint256 bits = _closed[meter][word];
        if (bits & bit != 0) {
            if (_isWithheld(meter, slot)) revert CertificatesWithheld(meter, slot);
            revert CertificatesAlreadyIssued(meter, slot);
        }
        // A slot that is not final may still be settled: its certificates may belong to buyers.
        if (!IEnergyMarketView(market_).isSlotFinal(slot)) revert CertificatesSlotNotFinal(slot);
        _closed[meter][word] = bits | bit;
        amountWh = reading.exportedWh;
        uint256 id = CertificateId.encode(slot, info.source);
        if (amountWh != 0) _credit(info.owner, id, amountWh);
        emit CertificatesIssued(meter, slot, id, info.source, info.zone, amountWh, 0, amountWh);
    }

    /// @dev The settlement's buyers with consecutive entries of one account merged (one credit each), and
    /// the sum of their fills. Linear: accounts repeated out of order simply get several credits. Unused
    /// entries at the end are (address(0), 0): they get nothing.
    function _mergeBuyers(
        BuyerFill[] calldata buyers
    ) private pure returns (address[] memory holders, uint256[] memory fills, uint256 fillsWh) {
        holders = new address[](buyers.length);
        fills = new uint256[](buyers.length);
        uint256 count = 0;
        for (uint256 i = 0; i < buyers.length; ++i) {
            BuyerFill calldata fill = buyers[i];
            fillsWh += fill.filledWh;
            if (count != 0 && holders[count - 1] == fill.buyer) {
                fills[count - 1] += fill.filledWh;
            } else {
                holders[count] = fill.buyer;
                fills[count] = fill.filledWh;
                ++count;
            }
        }
    }

    /// @dev One lot per distinct delivering meter that can be issued (its deliveries summed, capped at its
    /// export); skips and withholds the others, once per meter. Meters are de-duplicated through transient
    /// storage (meter -> lot position + 1, or NOT_ISSUABLE), cleared before returning. Also returns the
    /// delivered Wh per energy source and in total.
    function _lotsOf(
        uint64 slot,
        SellerDelivery[] calldata deliveries
    )
        private
        returns (Lot[] memory lots, uint256 count, uint256[_SOURCES] memory bySource, uint256 deliveredWh)
    {
        lots = new Lot[](deliveries.length);
        for (uint256 i = 0; i < deliveries.length; ++i) {
            TransientSlot.Uint256Slot position = _lotPosition(deliveries[i].meter);
            uint256 seen = position.tload();
            if (seen == _NOT_ISSUABLE) continue;
            if (seen != 0) {
                lots[seen - 1].deliveredWh += deliveries[i].deliveredWh;
                continue;
            }
            (bool issuable, Lot memory lot) = _lotOf(deliveries[i].meter, slot);
            if (!issuable) {
                position.tstore(_NOT_ISSUABLE);
                continue;
            }
            lot.deliveredWh = deliveries[i].deliveredWh;
            lots[count++] = lot;
            position.tstore(count);
        }
        for (uint256 i = 0; i < deliveries.length; ++i) {
            _lotPosition(deliveries[i].meter).tstore(0);
        }
        for (uint256 j = 0; j < count; ++j) {
            Lot memory lot = lots[j];
            lot.deliveredWh = Math.min(lot.deliveredWh, lot.exportedWh);
            bySource[uint8(lot.source)] += lot.deliveredWh;
            deliveredWh += lot.deliveredWh;
        }
    }

    function _lotPosition(address meter) private pure returns (TransientSlot.Uint256Slot) {
        return TransientSlot.asUint256(keccak256(abi.encode(_LOT_NAMESPACE, meter)));
    }

    /// @dev Whether (meter, slot) can be issued by the settlement; emits why not, withholds when the meter
    /// is not active.
    function _lotOf(address meter, uint64 slot) private returns (bool issuable, Lot memory lot) {
        IMeterRegistry.Meter memory info = _registry.meterOf(meter);
        if (!CertificateId.isRenewable(info.source)) {
            emit IssuanceSkipped(meter, slot, CertificatesNotRenewable.selector);
            return (false, lot);
        }
        IMeterRegistry.Reading memory reading = _registry.readingOfIndex(info.index, slot);
        if (!reading.recorded) {
            emit IssuanceSkipped(meter, slot, CertificatesNoReading.selector);
            return (false, lot);
        }
        if (_isClosed(meter, slot)) {
            bytes4 reason =
                _isWithheld(meter, slot) ? CertificatesWithheld.selector : CertificatesAlreadyIssued.selector;
            emit IssuanceSkipped(meter, slot, reason);
            return (false, lot);
        }
        if (info.status != IMeterRegistry.MeterStatus.Active) {
            _withholdSlot(meter, slot, info.status);
            return (false, lot);
        }
        lot = Lot({
            meter: meter,
            owner: info.owner,
            id: CertificateId.encode(slot, info.source),
            source: info.source,
            zone: info.zone,
            exportedWh: reading.exportedWh,
            deliveredWh: 0
        });
        return (true, lot);
    }

    /// @dev Credits each buyer, once per vintage, `delivered * fill / denominator` rounded down, and returns
    /// per source what rounding left over (less than the number of buyers).
    function _creditBuyers(
        uint64 slot,
        uint256 clearedWh,
        BuyerFill[] calldata buyers,
        uint256[_SOURCES] memory bySource,
        uint256 deliveredWh
    ) private returns (uint256[_SOURCES] memory remainders) {
        (address[] memory holders, uint256[] memory fills, uint256 fillsWh) = _mergeBuyers(buyers);
        // A lying market cannot give buyers more than was delivered, nor a buyer more than its share.
        uint256 denominator = Math.max(clearedWh, Math.max(fillsWh, deliveredWh));
        remainders = _creditHolders(slot, holders, fills, bySource, denominator);
    }

    function _creditHolders(
        uint64 slot,
        address[] memory holders,
        uint256[] memory fills,
        uint256[_SOURCES] memory bySource,
        uint256 denominator
    ) private returns (uint256[_SOURCES] memory remainders) {
        // A copy, not an alias: the shares below must all be computed from the unchanged totals.
        for (uint256 source = 1; source < _SOURCES; ++source) {
            remainders[source] = bySource[source];
        }
        for (uint256 h = 0; h < holders.length; ++h) {
            if (holders[h] == address(0)) continue;
            for (uint256 source = 1; source < _SOURCES; ++source) {
                if (bySource[source] == 0) continue;
                uint256 amountWh = _share(bySource[source], fills[h], denominator);
                if (amountWh == 0) continue;
                // The shares sum to at most delivered * fills / denominator <= delivered: no underflow.
                remainders[source] -= amountWh;
                _credit(
                    holders[h],
                    CertificateId.encode(slot, IMeterRegistry.EnergySource(source)),
                    amountWh
                );
            }
        }
    }

    /// @dev Closes a lot's (meter, slot), gives its owner the export the buyers did not get (the rest of the
    /// export plus, in delivery order, the vintage's rounding remainder) and emits the provenance.
    function _issueLot(uint64 slot, Lot memory lot, uint256[_SOURCES] memory remainders) private {
        uint256 source = uint8(lot.source);
        uint256 roundedBackWh = Math.min(remainders[source], lot.deliveredWh);
        remainders[source] -= roundedBackWh;
        uint256 toBuyersWh = lot.deliveredWh - roundedBackWh;
        // Unreachable by construction (deliveredWh was capped at exportedWh); checked anyway so that no
        // arithmetic slip could ever over-issue.
        if (toBuyersWh > lot.exportedWh) {
            revert CertificatesExceedExport(lot.meter, slot, lot.exportedWh, toBuyersWh);
        }
        uint256 toOwnerWh = lot.exportedWh - toBuyersWh;
        _closed[lot.meter][slot >> 8] |= _bitOf(slot);
        if (toOwnerWh != 0) _credit(lot.owner, lot.id, toOwnerWh);
        emit CertificatesIssued(
            lot.meter,
            slot,
            lot.id,
            lot.source,
            lot.zone,
            lot.exportedWh,
            toBuyersWh,
            toOwnerWh
        );
    }

    /// @dev Closes (meter, slot) for good without issuing it.
    function _withholdSlot(address meter, uint64 slot, IMeterRegistry.MeterStatus status) private {
        uint256 bit = _bitOf(slot);
        _closed[meter][slot >> 8] |= bit;
        _withheld[meter][slot >> 8] |= bit;
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

    /// @dev A buyer's share of a lot's delivered Wh: deliveredWh * fill / denominator, rounded down.
    function _share(uint256 deliveredWh, uint256 fillWh, uint256 denominator) private pure returns (uint256) {
        if (denominator == 0) return 0;
        return Math.mulDiv(deliveredWh, fillWh, denominator);
    }

    function _isClosed(address meter, uint64 slot) private view returns (bool) {
        return _closed[meter][slot >> 8] & _bitOf(slot) != 0;
    }

    function _isWithheld(address meter, uint64 slot) private view returns (bool) {
        return _withheld[meter][slot >> 8] & _bitOf(slot) != 0;
    }

    /// @dev The bit of `slot` in its bitmap word.
    function _bitOf(uint64 slot) private pure returns (uint256) {
        return 1 << (slot & 0xff);
    }
}
