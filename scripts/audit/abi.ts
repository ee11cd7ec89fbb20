// The events and views the auditor reads, as human-readable fragments: the auditor needs no build
// artifacts and works against any deployment. test/audit/abi.ts checks them against the compiled ABIs.
import { Interface } from "ethers";

export const REGISTRY_ABI = [
  "event MeterRegistered(address indexed meter, address indexed owner, uint32 indexed index, uint8 kind, uint8 source, uint32 ratedCapacityW, bytes8 zone, uint40 commissionedAt)",
  "event MeterSuspended(address indexed meter, address indexed regulator)",
  "event MeterReinstated(address indexed meter, address indexed regulator)",
  "event MeterRetired(address indexed meter, address indexed operator)",
  "event ReadingRecorded(address indexed meter, uint64 indexed slot, uint32 importedWh, uint32 exportedWh)",
  "function readingOf(address meter, uint64 slot) view returns ((bool recorded, uint32 importedWh, uint32 exportedWh))",
  "function meterOf(address meter) view returns ((address owner, uint32 ratedCapacityW, uint40 commissionedAt, uint8 kind, uint8 source, uint8 status, address signer, bytes8 zone, uint32 index))",
  "function meterAt(uint32 index) view returns (address)",
] as const;

export const CERTIFICATES_ABI = [
  "event MarketBound(address indexed market)",
  "event CertificatesIssued(address indexed meter, uint64 indexed slot, uint256 indexed id, uint8 source, bytes8 zone, uint256 amountWh, uint256 toBuyersWh, uint256 toOwnerWh)",
  "event IssuanceWithheld(address indexed meter, uint64 indexed slot, uint8 status)",
  "event IssuanceSkipped(address indexed meter, uint64 indexed slot, bytes4 reason)",
  "event CertificatesRetired(address indexed holder, address indexed beneficiary, uint256 indexed id, uint256 amountWh, bytes claimData)",
  "event TransferSingle(address indexed operator, address indexed from, address indexed to, uint256 id, uint256 value)",
  "event TransferBatch(address indexed operator, address indexed from, address indexed to, uint256[] ids, uint256[] values)",
  "function registry() view returns (address)",
  "function market() view returns (address)",
  "function balanceOfBatch(address[] accounts, uint256[] ids) view returns (uint256[])",
] as const;

/** The real EnergyMarket's events and views, and the test double's records (MockCertMarket). */
export const MARKET_ABI = [
  "event OrderPlaced(uint256 indexed orderId, address indexed account, uint64 indexed slot, uint8 side, uint256 quantityWh, uint256 limitPrice, uint32 meterIndex)",
  "event OrderCancelled(uint256 indexed orderId, address indexed account, uint256 released)",
  "event SlotSettled(uint64 indexed slot, uint256 deliveredWh, uint256 shortfallWh, uint256 penalties)",
  "event MockSlotSettled(uint64 indexed slot, uint256 clearedWh)",
  "event MockDelivered(uint64 indexed slot, address indexed meter, uint256 deliveredWh)",
  "function registry() view returns (address)",
  "function settlementHook() view returns (address)",
] as const;

export const registryInterface = new Interface(REGISTRY_ABI);
export const certificatesInterface = new Interface(CERTIFICATES_ABI);
export const marketInterface = new Interface(MARKET_ABI);

/** IMeterRegistry.EnergySource and MeterStatus names, by value. */
export const SOURCE_NAMES = [
  "None",
  "Solar",
  "Wind",
  "Hydro",
  "Biomass",
  "Storage",
  "Other",
] as const;
export const STATUS_NAMES = ["Unregistered", "Active", "Suspended", "Retired"] as const;
export const RENEWABLE_SOURCES = new Set([1, 2, 3, 4]);

/** The vintage of a certificate id: (slot << 8) | source. */
export function decodeId(id: bigint): { slot: bigint; source: number } {
  return { slot: id >> 8n, source: Number(id & 0xffn) };
}
