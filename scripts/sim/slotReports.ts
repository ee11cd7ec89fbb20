/** One report row per traded slot: the clearing, the settlement, the metered physics and the readings. */
import type { SlotReport } from "../report/model.js";
import type { AccountingInput, SlotRuntime } from "./state.js";

function hhmm(hour: number): string {
  const minutes = Math.round(hour * 60) % (24 * 60);
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

/** The community's physics of slot j: generation, load, grid flows and the imbalance against forecast. */
function physicsOf(input: AccountingInput, j: number) {
  let gen = 0;
  let load = 0;
  let imp = 0;
  let exp = 0;
  let imbalance = 0;
  for (const h of input.households) {
    const a = h.series.actual[j]!;
    const r = h.series.readings[j]!;
    gen += a.pvWh;
    load += a.loadWh;
    imp += r.importedWh;
    exp += r.exportedWh;
    // Imbalance: metered net position against the forecast the household bid on.
    const forecast = h.series.forecast[j]!;
    imbalance += Math.abs(r.exportedWh - r.importedWh - (forecast.exportWh - forecast.importWh));
  }
  return { gen, load, imp, exp, imbalance };
}

function slotReportOf(input: AccountingInput, slot: SlotRuntime): SlotReport {
  const j = slot.index;
  const { gen, load, imp, exp, imbalance } = physicsOf(input, j);
  const traded = Number(slot.cleared?.quantityWh ?? 0n);
  const settled = slot.settled;
  const price = slot.cleared && slot.cleared.quantityWh > 0n ? slot.cleared.price : null;
  return {
    index: j,
    chainSlot: slot.chainSlot,
    localTime: hhmm(
      (((input.twin.localHours[j]! - input.scenario.slotLengthSeconds / 7200) % 24) + 24) % 24,
    ),
    clearingPricePerWh: price,
    buyOrders: slot.orders.filter((o) => o.side === "buy").length,
    sellOrders: slot.orders.filter((o) => o.side === "sell").length,
    tradedWh: traded,
    settledWh: Number(settled?.deliveredWh ?? 0n),
    shortfallWh: Number(settled?.shortfallWh ?? 0n),
    generationWh: Math.round(gen),
    consumptionWh: Math.round(load),
    gridImportWh: imp,
    gridExportWh: exp,
    imbalanceWh: Math.round(imbalance),
    penalties: settled?.penalties ?? 0n,
    buyerPayments: (price ?? 0n) * BigInt(traded),
    sellerProceeds: (price ?? 0n) * (settled?.deliveredWh ?? 0n),
    readingsRecorded: slot.recorded.size,
    readingsRejected: slot.rejected.size,
    ordersSkipped: slot.skipped.map((o) => ({
      household: o.household,
      side: o.side,
      quantityWh: Number(o.quantityWh),
      reason: o.reason,
    })),
  };
}

export function slotReportsOf(input: AccountingInput): SlotReport[] {
  return input.slots.map((slot) => slotReportOf(input, slot));
}
