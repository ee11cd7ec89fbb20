/** The summary printed on screen at the end of a run. */
import { baseToCurrency, basePerWhToPricePerKWh, whToKWh } from "../lib/units.js";
import { householdSelfSufficiency, volumeWeightedPrice } from "./figures.js";
import type { SimulationReport } from "./model.js";

function kWh(wh: number): string {
  return `${Number(whToKWh(Math.round(wh))).toFixed(1)} kWh`;
}

function money(base: bigint, currency: string): string {
  const [whole, fraction = ""] = baseToCurrency(base).split(".");
  return `${whole}.${fraction.padEnd(2, "0").slice(0, 2)} ${currency}`;
}

/** How orders reached the market, and every relayed order that was not placed, by reason. */
function orderLines(report: SimulationReport): string[] {
  const { run } = report;
  const skipped = Object.entries(run.ordersSkipped);
  const total = skipped.reduce((n, [, count]) => n + count, 0);
  const lines = [
    run.orderFlow === "relayed"
      ? `Orders: signed by the households, submitted by the aggregator; ${total} skipped by the router${total ? ` (${skipped.map(([name, count]) => `${count} ${name}`).join(", ")})` : ""}`
      : "Orders: each household's own placeOrder transaction",
  ];
  if (run.ordersHeldBackAtCap > 0)
    lines.push(
      `Orders held back by the aggregator at the side cap of ${run.maxOrdersPerSlot / 2} (largest kept): ${run.ordersHeldBackAtCap}`,
    );
  return lines;
}

export function formatSummary(report: SimulationReport): string {
  const { run, totals } = report;
  const cur = run.currency;
  const cleared = report.slots.filter((s) => s.clearingPricePerWh !== null).length;
  const weighted = volumeWeightedPrice(report.slots);
  const meanPrice = weighted === null ? "-" : basePerWhToPricePerKWh(weighted);
  const percent = (share: number) => `${(share * 100).toFixed(1)} %`;
  const failed = report.ledger.filter((c) => !c.ok);
  const faultLines = report.faults.map(
    (f) =>
      `  ${f.injected === false ? "n/a " : f.ok ? "ok  " : "FAIL"} ${f.type}${f.household ? ` (household ${f.household})` : ""}, slots ${f.slots}: ${f.observed}`,
  );
  const roleLines = report.roles.map(
    (r) =>
      `  ${r.role.padEnd(14)} ${String(r.transactions).padStart(6)} tx ${r.gasUsed.toString().padStart(12)} gas`,
  );
  return [
    `Scenario ${run.scenario}: ${run.households} households, ${run.slots} slots of ${run.slotLengthSeconds / 60} min on ${run.network} (chain ${run.chainId})`,
    `Traded ${kWh(totals.tradedWh)} (settled ${kWh(totals.settledWh)}, shortfall ${kWh(totals.shortfallWh)}); volume-weighted mean clearing price ${meanPrice} ${cur}/kWh (${cleared} slots cleared)`,
    `Generation ${kWh(totals.generationWh)}, consumption ${kWh(totals.consumptionWh)}, grid import ${kWh(totals.gridImportWh)}, export ${kWh(totals.gridExportWh)}`,
    `Self-sufficiency ${percent(totals.selfSufficiency)} as a community (${percent(householdSelfSufficiency(report.totals))} each household alone); community savings ${money(totals.savings, cur)}; penalties ${money(totals.penalties, cur)}`,
    `Certificates: issued ${kWh(report.certificates.issuedWh)}, bundled to buyers ${kWh(report.certificates.bundledWh)} (claimed ${kWh(report.certificates.claimedWh)}, rounding returned ${report.certificates.returnedWh} Wh), retired ${kWh(report.certificates.retiredWh)}`,
    ...(run.ordersRefusedAtCap > 0
      ? [
          `Orders refused at the market's cap of ${run.maxOrdersPerSlot} per slot: ${run.ordersRefusedAtCap}`,
        ]
      : []),
    ...orderLines(report),
    `Transactions ${run.transactions} in ${run.wallSeconds.toFixed(1)} s (${run.transactionsPerSecond.toFixed(1)} tx/s), gas ${totals.gasUsed}`,
    "Gas per role:",
    ...roleLines,
    "Faults:",
    ...(faultLines.length ? faultLines : ["  none injected"]),
    failed.length === 0
      ? `Ledger: all ${report.ledger.length} checks add up`
      : `Ledger: ${failed.length} check(s) FAILED: ${failed.map((c) => `${c.name} (${c.detail})`).join("; ")}`,
  ].join("\n");
}
