/**
 * A small, fully deterministic SimulationReport for the report writers' tests (no chain needed).
 */
import type { SimulationReport } from "../../scripts/report/model.js";

export function sampleReport(slots = 8, households = 3): SimulationReport {
  const slotReports = Array.from({ length: slots }, (_, i) => {
    const traded = i % 3 === 0 ? 0 : 500 + 100 * i;
    return {
      index: i,
      chainSlot: 1_000_000n + BigInt(i),
      localTime: `${String(10 + Math.floor(i / 4)).padStart(2, "0")}:${String((i % 4) * 15).padStart(2, "0")}`,
      clearingPricePerWh: traded === 0 ? null : 150n + BigInt(i * 5),
      buyOrders: 2,
      sellOrders: 1,
      tradedWh: traded,
      settledWh: traded - (i === 4 ? 200 : 0),
      shortfallWh: i === 4 ? 200 : 0,
      generationWh: 3000 + 200 * i,
      consumptionWh: 2000 + 50 * i,
      gridImportWh: 400,
      gridExportWh: 1400 + 150 * i,
      imbalanceWh: 100 + 10 * i,
      penalties: i === 4 ? 10_000n : 0n,
      buyerPayments: traded === 0 ? 0n : BigInt(traded) * (150n + BigInt(i * 5)),
      sellerProceeds: 0n,
      readingsRecorded: households,
      readingsRejected: i === 2 ? 1 : 0,
    };
  });
  return {
    run: {
      scenario: "sample",
      description: "A <sample> report & its charts",
      seed: "seed",
      network: "default",
      chainId: 31337,
      households,
      slots,
      slotLengthSeconds: 900,
      currency: "EUR",
      retailPerWh: 320n,
      feedInPerWh: 80n,
      startedAt: "2025-06-21T00:00:00.000Z",
      wallSeconds: 1.5,
      transactions: 42,
      transactionsPerSecond: 28,
      phases: { twin: 0.01, trading: 1.2 },
      contracts: { registry: "0x0000000000000000000000000000000000000001" },
    },
    slots: slotReports,
    households: Array.from({ length: households }, (_, i) => ({
      index: i + 1,
      name: `household-00${i + 1}`,
      kind: i === 0 ? "consumer" : "prosumer",
      account: `0x${String(i + 1).padStart(40, "0")}`,
      meter: `0x${String(i + 11).padStart(40, "0")}`,
      pvPeakKw: i === 0 ? 0 : 6,
      batteryKwh: 0,
      generationWh: i === 0 ? 0 : 20_000,
      consumptionWh: 9_000,
      importWh: 5_000,
      exportWh: i === 0 ? 0 : 14_000,
      boughtWh: 1_000,
      soldWh: i === 0 ? 0 : 1_500,
      deliveredWh: i === 0 ? 0 : 1_300,
      shortfallWh: i === 0 ? 0 : 200,
      baselineCost: 1_000_000n,
      actualCost: 900_000n - BigInt(i) * 50_000n,
      savings: 100_000n + BigInt(i) * 50_000n,
      penaltiesPaid: 0n,
      certificatesReceivedWh: 800,
      readingsRejected: 0,
    })),
    roles: [
      { role: "household", transactions: 30, gasUsed: 3_000_000n },
      { role: "keeper", transactions: 12, gasUsed: 2_000_000n },
    ],
    actions: [{ action: "placeOrder", transactions: 30, gasUsed: 3_000_000n, maxGas: 120_000n }],
    certificates: { issuedWh: 9000, bundledWh: 3000, retiredWh: 2500 },
    faults: [
      {
        type: "forgedSignatures",
        household: 2,
        slots: "0-7",
        expected: "refused",
        observed: "8 of 8 refused",
        ok: true,
      },
    ],
    ledger: [
      { name: "traded Wh = settled Wh + shortfall Wh (each slot)", ok: true, detail: "ok" },
      { name: "money in = money out", ok: true, detail: "ok" },
    ],
    totals: {
      tradedWh: slotReports.reduce((a, s) => a + s.tradedWh, 0),
      settledWh: slotReports.reduce((a, s) => a + s.settledWh, 0),
      shortfallWh: 200,
      generationWh: 30_000,
      consumptionWh: 18_000,
      gridImportWh: 3_200,
      gridExportWh: 15_000,
      selfSufficiency: 0.82,
      savings: 450_000n,
      penalties: 10_000n,
      gasUsed: 5_000_000n,
    },
  };
}
