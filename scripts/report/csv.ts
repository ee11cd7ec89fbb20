/** CSV tables of a report (RFC 4180 quoting; money in currency with 6 decimals, prices in currency/kWh). */
import { toCsv } from "../lib/csv.js";
import { baseToCurrency, basePerWhToPricePerKWh } from "../lib/units.js";
import type { SimulationReport } from "./model.js";

export { toCsv };

export function slotsCsv(report: SimulationReport): string {
  return toCsv(
    [
      "slot",
      "chain_slot",
      "local_time",
      "clearing_price_per_kwh",
      "buy_orders",
      "sell_orders",
      "traded_wh",
      "settled_wh",
      "shortfall_wh",
      "generation_wh",
      "consumption_wh",
      "grid_import_wh",
      "grid_export_wh",
      "imbalance_wh",
      "penalties",
      "buyer_payments",
      "seller_proceeds",
      "readings_recorded",
      "readings_rejected",
      "orders_skipped",
    ],
    report.slots.map((s) => [
      s.index,
      s.chainSlot,
      s.localTime,
      s.clearingPricePerWh === null ? "" : basePerWhToPricePerKWh(s.clearingPricePerWh),
      s.buyOrders,
      s.sellOrders,
      s.tradedWh,
      s.settledWh,
      s.shortfallWh,
      s.generationWh,
      s.consumptionWh,
      s.gridImportWh,
      s.gridExportWh,
      s.imbalanceWh,
      baseToCurrency(s.penalties),
      baseToCurrency(s.buyerPayments),
      baseToCurrency(s.sellerProceeds),
      s.readingsRecorded,
      s.readingsRejected,
      s.ordersSkipped.length,
    ]),
  );
}

export function householdsCsv(report: SimulationReport): string {
  return toCsv(
    [
      "household",
      "name",
      "kind",
      "account",
      "meter",
      "pv_peak_kw",
      "battery_kwh",
      "generation_wh",
      "consumption_wh",
      "import_wh",
      "export_wh",
      "bought_wh",
      "sold_wh",
      "delivered_wh",
      "shortfall_wh",
      "baseline_cost",
      "actual_cost",
      "savings",
      "penalties_paid",
      "certificates_received_wh",
      "readings_rejected",
      "strategy",
      "measured",
    ],
    report.households.map((h) => [
      h.index,
      h.name,
      h.kind,
      h.account,
      h.meter,
      h.pvPeakKw,
      h.batteryKwh,
      h.generationWh,
      h.consumptionWh,
      h.importWh,
      h.exportWh,
      h.boughtWh,
      h.soldWh,
      h.deliveredWh,
      h.shortfallWh,
      baseToCurrency(h.baselineCost),
      baseToCurrency(h.actualCost),
      baseToCurrency(h.savings),
      baseToCurrency(h.penaltiesPaid),
      h.certificatesReceivedWh,
      h.readingsRejected,
      h.strategy ?? "",
      h.measured === undefined ? "" : h.measured ? 1 : 0,
    ]),
  );
}

export function rolesCsv(report: SimulationReport): string {
  return toCsv(
    ["role", "transactions", "gas_used", "gas_per_transaction"],
    report.roles.map((r) => [
      r.role,
      r.transactions,
      r.gasUsed,
      r.transactions === 0 ? 0 : (r.gasUsed / BigInt(r.transactions)).toString(),
    ]),
  );
}

export function actionsCsv(report: SimulationReport): string {
  return toCsv(
    ["action", "transactions", "gas_used", "gas_per_transaction", "largest_gas"],
    report.actions.map((a) => [
      a.action,
      a.transactions,
      a.gasUsed,
      a.transactions === 0 ? 0 : (a.gasUsed / BigInt(a.transactions)).toString(),
      a.maxGas,
    ]),
  );
}

const price = (p: bigint | null) => (p === null ? "" : basePerWhToPricePerKWh(p));

/** household_slots.csv: one row per household and slot. */
export function householdSlotsCsv(report: SimulationReport): string {
  return toCsv(
    [
      "household",
      "slot",
      "local_time",
      "kind",
      "strategy",
      "measured",
      "pv_wh",
      "load_wh",
      "import_wh",
      "export_wh",
      "battery_charged_wh",
      "battery_discharged_wh",
      "battery_soc",
      "forecast_pv_wh",
      "forecast_load_wh",
      "forecast_net_wh",
      "actual_net_wh",
      "buy_order_wh",
      "buy_limit_per_kwh",
      "sell_order_wh",
      "sell_limit_per_kwh",
      "clearing_price_per_kwh",
      "bought_wh",
      "sold_wh",
      "delivered_wh",
      "shortfall_wh",
      "paid",
      "proceeds",
      "penalty",
      "reading_submitted",
      "reading",
    ],
    (report.series ?? []).map((r) => [
      r.household,
      r.slot,
      r.localTime,
      r.kind,
      r.strategy,
      r.measured ? 1 : 0,
      r.pvWh.toFixed(1),
      r.loadWh.toFixed(1),
      r.importWh,
      r.exportWh,
      r.chargedWh.toFixed(1),
      r.dischargedWh.toFixed(1),
      r.batterySoc === null ? "" : r.batterySoc.toFixed(4),
      r.forecastPvWh.toFixed(1),
      r.forecastLoadWh.toFixed(1),
      r.forecastNetWh.toFixed(1),
      r.actualNetWh,
      r.buyOrderWh,
      price(r.buyLimitPerWh),
      r.sellOrderWh,
      price(r.sellLimitPerWh),
      price(r.clearingPricePerWh),
      r.boughtWh,
      r.soldWh,
      r.deliveredWh,
      r.shortfallWh,
      baseToCurrency(r.paid),
      baseToCurrency(r.proceeds),
      baseToCurrency(r.penalty),
      r.submitted,
      r.reading,
    ]),
  );
}
