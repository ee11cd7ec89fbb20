/**
 * From what happened on chain and in the twin to the report: the slot and household rows (slotReports.ts,
 * householdReports.ts) from the money model (slotMoney.ts), the ledger checks that the numbers add up
 * (ledger.ts), the faults as observed (faultObservations.ts), and the run's totals.
 */
import { communitySelfSufficiency } from "../report/figures.js";
import type { HouseholdReport, RoleStats, SimulationReport, SlotReport } from "../report/model.js";
import { faultObservationsOf } from "./faultObservations.js";
import { householdReportsOf } from "./householdReports.js";
import { certificateSupply, ledgerChecks } from "./ledger.js";
import { householdSlotSeries } from "./series.js";
import { moneyModelOf } from "./slotMoney.js";
import { slotReportsOf } from "./slotReports.js";
import type { AccountingInput } from "./state.js";
import { sum, sumBig, total } from "./sums.js";
import type { Role } from "./transactions.js";

export type { AccountingInput } from "./state.js";

const ROLE_ORDER: Role[] = [
  "deployer",
  "grid operator",
  "household",
  "aggregator",
  "data hub",
  "keeper",
  "regulator",
];

/** Gas per role; households always have a row, so that "households paid nothing" shows as 0. */
function roleStatsOf(input: AccountingInput): RoleStats[] {
  return ROLE_ORDER.flatMap((role) => {
    const t =
      input.roles.get(role) ??
      (role === "household" ? { transactions: 0, gasUsed: 0n } : undefined);
    return t ? [{ role, transactions: t.transactions, gasUsed: t.gasUsed }] : [];
  });
}

/** The relayed orders the router skipped, counted by error name (the arguments are in the slots' lists). */
function skippedByReason(slots: AccountingInput["slots"]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const slot of slots)
    for (const o of slot.skipped) {
      const name = o.reason.split("(")[0]!;
      counts[name] = (counts[name] ?? 0) + 1;
    }
  return counts;
}

function runSummary(input: AccountingInput, roles: readonly RoleStats[]): SimulationReport["run"] {
  const { scenario } = input;
  const transactions = sum(roles, (r) => r.transactions);
  return {
    scenario: scenario.name,
    description: scenario.description,
    seed: scenario.seed,
    network: input.chain.networkName,
    chainId: input.chain.chainId,
    households: input.households.length,
    slots: input.slots.length,
    slotLengthSeconds: scenario.slotLengthSeconds,
    currency: scenario.tariffs.currency,
    retailPerWh: scenario.tariffs.retailPerWh,
    feedInPerWh: scenario.tariffs.feedInPerWh,
    startedAt: input.startedAt,
    wallSeconds: input.wallSeconds,
    transactions,
    transactionsPerSecond: transactions / Math.max(input.wallSeconds, 1e-9),
    ordersRefusedAtCap: input.totals.ordersRefusedAtCap,
    orderFlow: scenario.orders.flow,
    ordersHeldBackAtCap: input.totals.ordersHeldBackAtCap,
    ordersSkipped: skippedByReason(input.slots),
    maxOrdersPerSlot: input.maxOrdersPerSlot,
    phases: input.phases,
    contracts: { ...input.suite.addresses },
  };
}

function certificateTotals(input: AccountingInput): SimulationReport["certificates"] {
  const { issued, bundled } = certificateSupply(input);
  return {
    issuedWh: Number(issued),
    bundledWh: Number(bundled),
    claimedWh: Number(sumBig(input.slots, (s) => total(s.claimed))),
    returnedWh: Number(sumBig(input.slots, (s) => total(s.returned))),
    retiredWh: Number(input.totals.retiredWh),
  };
}

function runTotals(
  slotReports: readonly SlotReport[],
  householdReports: readonly HouseholdReport[],
  roles: readonly RoleStats[],
): SimulationReport["totals"] {
  return {
    tradedWh: sum(slotReports, (s) => s.tradedWh),
    settledWh: sum(slotReports, (s) => s.settledWh),
    shortfallWh: sum(slotReports, (s) => s.shortfallWh),
    generationWh: sum(slotReports, (s) => s.generationWh),
    consumptionWh: sum(slotReports, (s) => s.consumptionWh),
    gridImportWh: sum(slotReports, (s) => s.gridImportWh),
    gridExportWh: sum(slotReports, (s) => s.gridExportWh),
    selfSufficiency: communitySelfSufficiency(slotReports),
    savings: sumBig(householdReports, (h) => h.savings),
    penalties: sumBig(slotReports, (s) => s.penalties),
    gasUsed: sumBig(roles, (r) => r.gasUsed),
  };
}

export function buildReport(input: AccountingInput): SimulationReport {
  const money = moneyModelOf(input);
  const slotReports = slotReportsOf(input);
  const householdReports = householdReportsOf(input, money.flows);
  const ledger = ledgerChecks(input, money, slotReports);
  const faults = faultObservationsOf(input, money.flows);
  const roles = roleStatsOf(input);
  return {
    run: runSummary(input, roles),
    slots: slotReports,
    households: householdReports,
    roles,
    actions: [...input.actions].map(([action, t]) => ({
      action,
      transactions: t.transactions,
      gasUsed: t.gasUsed,
      maxGas: t.maxGas,
    })),
    certificates: certificateTotals(input),
    faults,
    ledger,
    series: householdSlotSeries(
      input,
      money.flows,
      slotReports.map((s) => s.localTime),
    ),
    totals: runTotals(slotReports, householdReports, roles),
  };
}
