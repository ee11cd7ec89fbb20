/**
 * The report's headline figures, each computed in one place from the report's own tables, with the
 * definition printed beside it (HTML report, `compare`, docs/report.md). Energy in Wh, prices in token
 * base units per Wh, money in base units.
 */
import type { SlotReport } from "./model.js";

type PricedSlot = Pick<SlotReport, "clearingPricePerWh" | "tradedWh">;
type MeteredSlot = Pick<SlotReport, "consumptionWh" | "gridImportWh" | "gridExportWh">;

/**
 * Volume-weighted mean clearing price: sum over cleared slots of price x traded Wh, divided by the
 * traded Wh; null when nothing traded. Rounded down to a whole base unit per Wh.
 */
export function volumeWeightedPrice(slots: readonly PricedSlot[]): bigint | null {
  let value = 0n;
  let volume = 0n;
  for (const s of slots) {
    if (s.clearingPricePerWh === null || s.tradedWh === 0) continue;
    value += s.clearingPricePerWh * BigInt(s.tradedWh);
    volume += BigInt(s.tradedWh);
  }
  return volume === 0n ? null : value / volume;
}

/** Community self-sufficiency: 1 - sum over slots of max(0, import - export) / consumption. */
export function communitySelfSufficiency(slots: readonly MeteredSlot[]): number {
  const consumption = slots.reduce((a, s) => a + s.consumptionWh, 0);
  const netImport = slots.reduce((a, s) => a + Math.max(0, s.gridImportWh - s.gridExportWh), 0);
  return consumption > 0 ? 1 - netImport / consumption : 0;
}

/** Household self-sufficiency: 1 - metered grid import / consumption, all households together. */
export function householdSelfSufficiency(totals: {
  consumptionWh: number;
  gridImportWh: number;
}): number {
  const { consumptionWh, gridImportWh } = totals;
  return consumptionWh > 0 ? 1 - gridImportWh / consumptionWh : 0;
}

export interface Definition {
  figure: string;
  definition: string;
}

/** What every printed figure means; the same text is in docs/report.md. */
export const DEFINITIONS: readonly Definition[] = [
  {
    figure: "traded",
    definition: "energy matched at clearing, summed over slots (buy fills = sell fills), kWh",
  },
  {
    figure: "settled / shortfall",
    definition:
      "traded energy covered by the sellers' metered export / traded energy the sellers did not deliver (settled + shortfall = traded)",
  },
  {
    figure: "clearing price",
    definition:
      "the uniform price of a slot's double auction, currency per kWh; none when nothing cleared",
  },
  {
    figure: "mean clearing price",
    definition:
      "volume-weighted: sum of price x traded kWh over the cleared slots, divided by the traded kWh",
  },
  {
    figure: "generation / consumption",
    definition: "PV energy produced / household load, summed over households and slots, kWh",
  },
  {
    figure: "grid import / export",
    definition:
      "what the meters measured at each household's grid connection, summed over households and slots (gross: one household's export is not netted against another's import)",
  },
  {
    figure: "self-sufficiency (community)",
    definition:
      "1 - sum over slots of max(0, import - export) / consumption: the share of consumption the community covered from its own PV and batteries, neighbours' export counting in the slot it flowed",
  },
  {
    figure: "self-sufficiency (each household alone)",
    definition:
      "1 - grid import / consumption: the share each household covered from its own PV and battery, all households together",
  },
  {
    figure: "baseline cost",
    definition:
      "cost of a household's metered flows with no community market: import x retail tariff - export x feed-in tariff",
  },
  {
    figure: "cost with the market",
    definition:
      "market payments - proceeds + penalties + residual import x retail - residual export x feed-in (residual: beyond what it bought or delivered)",
  },
  {
    figure: "savings",
    definition:
      "baseline cost - cost with the market, per household; community savings is the sum over households (negative: the market cost money)",
  },
  {
    figure: "penalties",
    definition:
      "paid by sellers for undelivered energy: shortfall Wh x penalty per Wh, at most the order's collateral; shown in currency",
  },
  {
    figure: "imbalance",
    definition:
      "sum over households of abs(metered net - forecast net) per slot, net = export - import, kWh",
  },
  {
    figure: "gas",
    definition:
      "gas used by all transactions of the run, deployment included when the run deployed",
  },
];
