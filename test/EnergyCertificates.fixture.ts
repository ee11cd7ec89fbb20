// Shared set-up of the EnergyCertificates tests: a registry with renewable and non-renewable meters, the
// certificates bound to a mock market, and helpers to record signed readings and settle slots.
import { ethers as ethersLib, type BaseWallet } from "ethers";
import type { MeterRegistry } from "../typechain-types/index.js";
import { registryDomain, signReading as signMeterReading } from "./helpers/readings.js";

export const SLOT_LENGTH = 900n;
export const READING_WINDOW = 3600n;
export const GRID_OPERATOR_ROLE = ethersLib.id("GRID_OPERATOR_ROLE");
export const REGULATOR_ROLE = ethersLib.id("REGULATOR_ROLE");
export const URI = "https://certificates.gridledger.example/{id}.json";

/** IMeterRegistry.MeterKind / EnergySource / MeterStatus as numbers. */
export const Kind = { Consumption: 0, Generation: 1, Bidirectional: 2 } as const;
export const Source = {
  None: 0,
  Solar: 1,
  Wind: 2,
  Hydro: 3,
  Biomass: 4,
  Storage: 5,
  Other: 6,
} as const;
export const Status = { Unregistered: 0, Active: 1, Suspended: 2, Retired: 3 } as const;

export const ZONE = ethersLib.encodeBytes32String("DE-TN-01").slice(0, 18); // bytes8

/** IEnergyMarketView.BuyFill: a buy order's fill in a settled slot. */
export interface BuyFill {
  buyer: string;
  fillWh: bigint;
}
/** IEnergyMarketView.SellLot: a sell order of a settled slot as the market reports it. */
export interface SellLot {
  meterIndex: bigint;
  fillWh: bigint;
  priorFillWh: bigint;
  meterFillWh: bigint;
}

export const buyFill = (buyer: string, fillWh: bigint): BuyFill => ({ buyer, fillWh });

/** The market's cap on a cleared sell word's prior and meter fills (2^32 - 1). */
export const FILL_SUM_CAP = 2n ** 32n - 1n;

/**
 * The sell lots an honest market reports for sell orders given by order index as [meterIndex, fill]: per
 * meter, the fills of its earlier filled orders and of all of them (capped); an unfilled order is all zero.
 */
export function sellLots(orders: readonly (readonly [bigint, bigint])[]): SellLot[] {
  const total = new Map<bigint, bigint>();
  for (const [meterIndex, fillWh] of orders) {
    total.set(meterIndex, (total.get(meterIndex) ?? 0n) + fillWh);
  }
  const cap = (x: bigint) => (x > FILL_SUM_CAP ? FILL_SUM_CAP : x);
  const prior = new Map<bigint, bigint>();
  return orders.map(([meterIndex, fillWh]) => {
    if (fillWh === 0n) return { meterIndex: 0n, fillWh: 0n, priorFillWh: 0n, meterFillWh: 0n };
    const before = prior.get(meterIndex) ?? 0n;
    prior.set(meterIndex, before + fillWh);
    return {
      meterIndex,
      fillWh,
      priorFillWh: cap(before),
      meterFillWh: cap(total.get(meterIndex)!),
    };
  });
}

/** A meter's reading of `slot`, signed (EIP-712) in compact EIP-2098 form, ready for the registry. */
export async function signReading(
  registry: MeterRegistry,
  meter: BaseWallet,
  slot: bigint,
  importedWh: bigint,
  exportedWh: bigint,
) {
  const chainId = (await registry.runner!.provider!.getNetwork()).chainId;
  const domain = registryDomain(await registry.getAddress(), chainId);
  return signMeterReading(meter, domain, { meter: meter.address, slot, importedWh, exportedWh });
}

/** Signs and submits a meter's reading of `slot`. */
export async function submitReading(
  registry: MeterRegistry,
  meter: BaseWallet,
  slot: bigint,
  importedWh: bigint,
  exportedWh: bigint,
): Promise<void> {
  await (
    await registry.submitReading(await signReading(registry, meter, slot, importedWh, exportedWh))
  ).wait();
}

/** Registers a meter whose identity (and signing key) is a fresh random wallet. */
export async function registerMeter(
  registry: MeterRegistry,
  owner: string,
  kind: number,
  source: number,
  ratedCapacityW = 100_000n,
): Promise<BaseWallet> {
  const wallet = ethersLib.Wallet.createRandom();
  await (
    await registry.registerMeter(wallet.address, owner, kind, source, ratedCapacityW, ZONE, 0n)
  ).wait();
  return wallet;
}
