// The events and views the auditor reads: the compiled ABIs (typechain's copies of the build artifacts), so
// that an event the contracts change cannot silently stop matching. The market's ABI also serves the test
// double MockCertMarket, which answers the same certification views (settledTrade, sellLotsOf, buyFillsOf).
import { Interface } from "ethers";
import { ENUMS, enumMembers, enumValue } from "../lib/enums.js";
import {
  EnergyCertificates__factory,
  EnergyMarket__factory,
  MeterRegistry__factory,
} from "../../typechain-types/index.js";

export const REGISTRY_ABI = MeterRegistry__factory.abi;
export const CERTIFICATES_ABI = EnergyCertificates__factory.abi;
export const MARKET_ABI = EnergyMarket__factory.abi;

export const registryInterface = new Interface(REGISTRY_ABI);
export const certificatesInterface = new Interface(CERTIFICATES_ABI);
export const marketInterface = new Interface(MARKET_ABI);

/** IMeterRegistry.EnergySource and MeterStatus names, by value, from the compiler output. */
export const SOURCE_NAMES = enumMembers(ENUMS.energySource);
export const STATUS_NAMES = enumMembers(ENUMS.meterStatus);
/**
 * The sources the auditor holds renewable (solar, wind, hydro, biomass): the regulator's own rule, kept apart
 * from the contract's `isRenewable` on purpose so that an issuance the contract wrongly allowed is caught.
 */
export const RENEWABLE_SOURCES = new Set(
  ["Solar", "Wind", "Hydro", "Biomass"].map((name) => enumValue(ENUMS.energySource, name)),
);

/** The vintage of a certificate id: (slot << 8) | source. */
export function decodeId(id: bigint): { slot: bigint; source: number } {
  return { slot: id >> 8n, source: Number(id & 0xffn) };
}
