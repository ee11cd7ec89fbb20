// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";
import {IMeterRegistry} from "./IMeterRegistry.sol";
import {ISettlementHook} from "./ISettlementHook.sol";

/// @title IEnergyCertificates
/// @notice Granular renewable-energy certificates (ERC-1155): 1 unit = 1 Wh of renewable generation, one
/// token id per vintage (delivery slot, energy source), see CertificateId for the encoding.
/// @dev Rules:
/// - Certificates are only ever issued from the registry's recorded reading of an active, renewable
///   (Solar, Wind, Hydro, Biomass) generation or bidirectional meter, for exactly its exported Wh, at most
///   once per (meter, slot) whatever the path. No account, not even the admin, can mint otherwise.
/// - Once the market settled a slot's money, anyone delivers its certificates in pages, by entitlement:
///   `certifySellers` issues each selling meter's (meter, slot) once, the Wh the market delivered from it
///   into the vintage's pool and the unsold rest of its export to its owner of record for the slot
///   (`IMeterRegistry.ownerOfRecord`, whenever certification happens); then `claimBuyers` credits
///   every filled buy order floor(pool x fill / Q) of each vintage, on the buyer's behalf; after the last
///   page the pool's rounding remainder goes to the owner of its largest delivering meter (at most that
///   meter's delivery). Pages are bounded by their length and never repeat or skip an order (progress is
///   stored). A meter that sold nothing in a slot is issued to its owner on request (`issue`), by anyone,
///   once the slot is final and, if it traded, its sellers are certified.
/// - A (meter, slot) that a suspension spans (`IMeterRegistry.isSuspendedIn`: from the slot containing the
///   suspension through the slot containing the reinstatement) is withheld for good, even when the meter was
///   reinstated before the slot's reading window closed: `certifySellers` withholds it (its delivery never
///   reaches the pool), `issue` refuses it, `isWithheld` tells, and anyone may close it (`withhold`). A
///   suspension does not reach back to slots before it, and the operator's changes reach no slot at all.
/// - Retiring burns certificates for good; the `CertificatesRetired` event, indexed by beneficiary, is the
///   claim's record (as ERC-1888's `ClaimSingle`), no storage counter (see the gas note of the contract).
/// - Issuance credits balances without the ERC-1155 receiver callback: a holder contract cannot block a
///   page for the others.
interface IEnergyCertificates is IERC1155, ISettlementHook {
    // ----------------------------------------------------------------------------------------------
    // Events
    // ----------------------------------------------------------------------------------------------

    /// @notice Emitted after the admin bound the market whose settlements issue certificates (once).
    event MarketBound(address indexed market);

    /// @notice Emitted after the admin replaced the metadata URI template.
    event MetadataURIUpdated(string newUri);

    /// @notice Emitted after the certificates of (meter, slot) were issued, once per (meter, slot).
    /// @param meter the generation meter whose reading the certificates stand for
    /// @param slot the delivery slot
    /// @param id the token id (slot, source)
    /// @param source the meter's energy source
    /// @param zone the meter's grid zone
    /// @param amountWh Wh issued in total, equal to the reading's exported Wh
    /// @param toBuyersWh part put into the vintage's pool for the slot's buyers (energy the market delivered
    /// from this meter); the buyers claim it, and what rounding leaves returns to an owner (RoundingReturned)
    /// @param toOwnerWh part issued to the meter's owner at once (the unsold export)
    event CertificatesIssued(
        address indexed meter,
        uint64 indexed slot,
        uint256 indexed id,
        IMeterRegistry.EnergySource source,
        bytes8 zone,
        uint256 amountWh,
        uint256 toBuyersWh,
        uint256 toOwnerWh
    );

    /// @notice Emitted after a page of `certifySellers` certified sell orders `fromIndex` .. `toIndex - 1`.
    event SellersCertified(uint64 indexed slot, uint256 fromIndex, uint256 toIndex, bool done);

    /// @notice Emitted after a page of `claimBuyers` credited buy orders `fromIndex` .. `toIndex - 1`.
    event BuyersClaimed(uint64 indexed slot, uint256 fromIndex, uint256 toIndex, bool done);

    /// @notice Emitted after a buy order's share of vintage `id` was credited to `buyer`.
    event CertificatesClaimed(
        address indexed buyer,
        uint64 indexed slot,
        uint256 indexed id,
        uint256 amountWh
    );

    /// @notice Emitted after a vintage pool's rounding remainder went to the owner of `meter`, the vintage's
    /// largest delivering meter (part of that meter's `toBuyersWh` that no buyer got).
    event RoundingReturned(address indexed meter, uint64 indexed slot, uint256 indexed id, uint256 amountWh);

    /// @notice Emitted after (meter, slot) was withheld for good because the meter was not active.
    event IssuanceWithheld(address indexed meter, uint64 indexed slot, IMeterRegistry.MeterStatus status);

    /// @notice Emitted by `certifySellers` for a selling meter it issued nothing for and did not withhold;
    /// `reason` is the selector of the error that `issue` would throw (not renewable, no reading, already
    /// issued or withheld).
    event IssuanceSkipped(address indexed meter, uint64 indexed slot, bytes4 reason);

    /// @notice Emitted after `holder` retired (burned) certificates for `beneficiary`, modelled on ERC-1888's
    /// `ClaimSingle(claimIssuer, claimSubject, topic, id, value, claimData)`: holder = claim issuer,
    /// beneficiary = claim subject, id = topic and id, purpose = claim data.
    /// @param claimData the purpose of the claim: UTF-8 free text, or the 32-byte hash of a document
    event CertificatesRetired(
        address indexed holder,
        address indexed beneficiary,
        uint256 indexed id,
        uint256 amountWh,
        bytes claimData
    );

    // ----------------------------------------------------------------------------------------------
    // Errors
    // ----------------------------------------------------------------------------------------------

    /// @notice Thrown when `bindMarket` is called after a market was bound.
    error CertificatesMarketAlreadyBound(address market);
    /// @notice Thrown when issuance by request needs a market and none is bound yet.
    error CertificatesMarketNotBound();
    /// @notice Thrown when a market does not call this contract as its hook or reads another registry.
    error CertificatesMarketMismatch(address market, address hook, address registry);
    /// @notice Thrown when the registry has no reading of (meter, slot).
    error CertificatesNoReading(address meter, uint64 slot);
    /// @notice Thrown when a meter's source is not renewable (or the meter is unknown: source None).
    error CertificatesNotRenewable(address meter, IMeterRegistry.EnergySource source);
    /// @notice Thrown when a meter is retired (or unknown) for the slot of the certificates.
    error CertificatesMeterNotActive(address meter, IMeterRegistry.MeterStatus status);
    /// @notice Thrown when the certificates of (meter, slot) were already issued.
    error CertificatesAlreadyIssued(address meter, uint64 slot);
    /// @notice Thrown when (meter, slot) is withheld (closed as withheld or spanned by a suspension), for good.
    error CertificatesWithheld(address meter, uint64 slot);
    /// @notice Thrown when the market may still settle `slot` (its certificates may belong to buyers).
    error CertificatesSlotNotFinal(uint64 slot);
    /// @notice Thrown when a slot is not settled with a trade, or the market no longer holds its orders.
    error CertificatesSlotNotSettled(uint64 slot);
    /// @notice Thrown when `certifySellers` is called for a slot whose sellers are all certified.
    error CertificatesSellersAlreadyCertified(uint64 slot);
    /// @notice Thrown when buyers claim, or an owner requests, before the slot's sellers are certified.
    error CertificatesSellersNotCertified(uint64 slot);
    /// @notice Thrown when `claimBuyers` is called for a slot whose claims are all done.
    error CertificatesAlreadyClaimed(uint64 slot);
    /// @notice Thrown when a market reports more delivered Wh than it traded (defensive, unreachable).
    error CertificatesPoolExceedsTrade(uint64 slot, uint256 poolWh, uint256 clearedWh);
    /// @notice Thrown when retiring for the zero address.
    error CertificatesZeroBeneficiary();
    /// @notice Thrown when retiring zero Wh.
    error CertificatesZeroAmount();
    /// @notice Thrown when two batch arrays differ in length.
    error CertificatesLengthMismatch(uint256 meters, uint256 slots);

    // ----------------------------------------------------------------------------------------------
    // Administration
    // ----------------------------------------------------------------------------------------------

    /// @notice Binds the market whose settlements issue certificates. Admin only, once. The market must
    /// name this contract as its settlement hook and read the same registry.
    function bindMarket(address market) external;

    /// @notice Sets the metadata URI template (ERC-1155 `{id}` substitution). Admin only.
    function setURI(string calldata newUri) external;

    // ----------------------------------------------------------------------------------------------
    // Issuance
    // ----------------------------------------------------------------------------------------------

    /// @notice Issues the certificates of a meter's recorded reading in `slot` to the meter's owner: all its
    /// exported Wh. Anyone may call, once the market says `slot` is final (so the meter sold nothing in it:
    /// a meter that sold is issued by the settlement). The meter must be renewable, and not retired for the slot
    /// nor suspended in it (`CertificatesWithheld`). The owner is the owner of record for `slot`.
    /// @return amountWh Wh issued
    function issue(address meter, uint64 slot) external returns (uint256 amountWh);

    /// @notice `issue` for several (meter, slot) pairs, all or nothing. Anyone may call.
    /// @return amountWh Wh issued in total
    function issueBatch(
        address[] calldata meters,
        uint64[] calldata slots
    ) external returns (uint256 amountWh);

    /// @notice Withholds for good the unissued certificates of (meter, slot) for each slot with a recorded
    /// reading that a suspension spans. Anyone may call; slots already issued, withheld, without a reading or
    /// not spanned by a suspension are left as they are.
    /// @return count number of slots withheld by this call
    function withhold(address meter, uint64[] calldata slots) external returns (uint256 count);

    /// @notice Certifies the next `maxOrders` sell orders of the settled `slot` (anyone; pages continue where
    /// the last one stopped). Each selling meter is certified once, at its first filled order.
    /// @return done true when the last sell order was certified (buyers may claim from then on)
    function certifySellers(uint64 slot, uint256 maxOrders) external returns (bool done);

    /// @notice Credits the next `maxOrders` buy orders of `slot` their certificates (anyone, on the buyers'
    /// behalf), after `certifySellers` is done. The last page returns the rounding remainders.
    /// @return done true when every buy order was credited (the slot is certified)
    function claimBuyers(uint64 slot, uint256 maxOrders) external returns (bool done);

    // ----------------------------------------------------------------------------------------------
    // Retirement
    // ----------------------------------------------------------------------------------------------

    /// @notice Retires (burns) `amountWh` of the caller's certificates `id` on behalf of `beneficiary`, for
    /// the purpose in `claimData` (UTF-8 free text, or the 32-byte hash of a document stating the claim).
    /// Retired certificates can never move or be retired again. Any holder may call for its own balance.
    function retire(uint256 id, uint256 amountWh, address beneficiary, bytes calldata claimData) external;

    // ----------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------

    /// @notice True once every certificate of the settled, traded `slot` is delivered (sellers certified and
    /// every buyer's claim done).
    function isSlotCertified(uint64 slot) external view returns (bool);

    /// @notice Progress of `slot`'s certification: the next sell and buy order index, and which passes are done.
    function certificationOf(
        uint64 slot
    ) external view returns (uint256 sellCursor, uint256 buyCursor, bool sellersDone, bool buyersDone);

    /// @notice The buyers' pool of vintage (`slot`, `source`) and what the buyers' claims credited so far.
    function vintageOf(
        uint64 slot,
        IMeterRegistry.EnergySource source
    ) external view returns (uint256 poolWh, uint256 claimedWh);

    /// @notice The meter registry whose readings certificates are issued from.
    function registry() external view returns (IMeterRegistry);

    /// @notice The bound market (address(0) until bound).
    function market() external view returns (address);

    /// @notice The token id of the vintage (`slot`, `source`): `(uint256(slot) << 8) | uint8(source)`.
    function idOf(uint64 slot, IMeterRegistry.EnergySource source) external pure returns (uint256);

    /// @notice The vintage of a token id; reverts `CertificateIdInvalid(id)` for an id no vintage has.
    function decodeId(uint256 id) external pure returns (uint64 slot, IMeterRegistry.EnergySource source);

    /// @notice Whether the certificates of (meter, slot) were issued.
    function isIssued(address meter, uint64 slot) external view returns (bool);

    /// @notice Whether (meter, slot) is withheld for good: closed as withheld, or not issued and spanned by a
    /// suspension (then nothing can issue it).
    function isWithheld(address meter, uint64 slot) external view returns (bool);

    /// @notice Whether `source` carries certificates (Solar, Wind, Hydro, Biomass).
    function isRenewable(IMeterRegistry.EnergySource source) external pure returns (bool);
}
