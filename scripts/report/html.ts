/**
 * One self-contained HTML file: inline CSS and inline SVG charts, no script, no external resource, so
 * it opens from disk with no network.
 */
import { baseToCurrency, baseToCurrencyNumber, basePerWhToPricePerKWh } from "../lib/units.js";
import { DEFINITIONS, householdSelfSufficiency } from "./figures.js";
import type { FaultObservation, SimulationReport } from "./model.js";
import type { Provenance } from "./provenance.js";
import type { StrategyChoice } from "../scenario/households.js";
import { escapeXml, renderChart } from "./svg.js";
import { formatSummary } from "./summary.js";

const COLORS = {
  price: "#2563eb",
  retail: "#dc2626",
  feedIn: "#16a34a",
  generation: "#f59e0b",
  consumption: "#7c3aed",
  traded: "#0ea5e9",
  import: "#ef4444",
  export: "#22c55e",
  imbalance: "#f97316",
  shortfall: "#b91c1c",
  savings: "#059669",
  gas: "#6366f1",
};

function table(header: string[], rows: (string | number)[][], className = ""): string {
  const head = header.map((h) => `<th>${escapeXml(h)}</th>`).join("");
  const body = rows
    .map((r) => `<tr>${r.map((c) => `<td>${escapeXml(String(c))}</td>`).join("")}</tr>`)
    .join("");
  return `<table class="${className}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function kwh(wh: number): string {
  return (wh / 1000).toFixed(2);
}

function money(base: bigint): string {
  return baseToCurrencyNumber(base).toFixed(2);
}

function strategyText(s: StrategyChoice): string {
  const options = Object.entries(s.options).map(([k, v]) => `${k} ${v}`);
  return options.length ? `${s.name} (${options.join(", ")})` : s.name;
}

/** The run's name, scenario, strategies, commit and tools, one row each. */
export function provenanceRows(p: Provenance): string[][] {
  return [
    ["run", p.name],
    ["scenario file", p.scenarioFile ?? "-"],
    ["strategy", strategyText(p.strategy)],
    ...p.householdStrategies.map((s) => [`household ${s.household}`, strategyText(s)]),
    ["commit", `${p.commit}${p.dirty ? " (uncommitted changes)" : ""}`],
    [
      "profiles",
      p.profiles ? `${p.profiles.file} (sha256 ${p.profiles.sha256.slice(0, 12)}…)` : "-",
    ],
    [
      "tools",
      Object.entries(p.tools)
        .map(([k, v]) => `${k} ${v}`)
        .join(", "),
    ],
  ];
}

/** A fault's result: "not injected" when none of its slots ran (older reports lack the flag). */
export function faultResult(f: FaultObservation): string {
  if (f.injected === false) return "not injected";
  return f.ok ? "ok" : "NOT OBSERVED";
}

/**
 * Where each day starts in a run of several days, from the slots' local times (a time earlier than
 * the one before it is a new day); none for a run within one day, whose times do not repeat.
 */
export function dayMarks(localTimes: readonly string[]): Array<{ index: number; label: string }> {
  const starts = localTimes.flatMap((t, i) => (i > 0 && t < localTimes[i - 1]! ? [i] : []));
  if (starts.length === 0) return [];
  return [0, ...starts].map((index, day) => ({ index, label: `day ${day + 1}` }));
}

/** The charts over the slots: price, energy, grid flows, imbalance. */
function slotCharts(report: SimulationReport): string[] {
  const { run } = report;
  const labels = report.slots.map((s) => s.localTime);
  const days = dayMarks(labels);
  const price = (p: bigint | null) => (p === null ? NaN : Number(basePerWhToPricePerKWh(p)));
  const retail = Number(basePerWhToPricePerKWh(run.retailPerWh));
  const feedIn = Number(basePerWhToPricePerKWh(run.feedInPerWh));
  return [
    renderChart({
      id: "price",
      title: `Clearing price per slot (${run.currency}/kWh)`,
      yLabel: `${run.currency}/kWh`,
      xLabels: labels,
      dayMarks: days,
      series: [
        {
          name: "clearing price",
          values: report.slots.map((s) => price(s.clearingPricePerWh)),
          color: COLORS.price,
        },
        {
          name: "retail tariff",
          values: labels.map(() => retail),
          color: COLORS.retail,
          dashed: true,
        },
        {
          name: "feed-in tariff",
          values: labels.map(() => feedIn),
          color: COLORS.feedIn,
          dashed: true,
        },
      ],
    }),
    renderChart({
      id: "energy",
      title: "Community generation, consumption and traded volume per slot (kWh)",
      yLabel: "kWh",
      xLabels: labels,
      dayMarks: days,
      series: [
        {
          name: "traded",
          values: report.slots.map((s) => s.tradedWh / 1000),
          color: COLORS.traded,
          kind: "bar",
        },
        {
          name: "generation",
          values: report.slots.map((s) => s.generationWh / 1000),
          color: COLORS.generation,
          kind: "area",
        },
        {
          name: "consumption",
          values: report.slots.map((s) => s.consumptionWh / 1000),
          color: COLORS.consumption,
        },
      ],
    }),
    renderChart({
      id: "grid",
      title: "Grid import (+) and export (-) per slot (kWh)",
      yLabel: "kWh",
      xLabels: labels,
      dayMarks: days,
      series: [
        {
          name: "import",
          values: report.slots.map((s) => s.gridImportWh / 1000),
          color: COLORS.import,
          kind: "bar",
        },
        {
          name: "export",
          values: report.slots.map((s) => -s.gridExportWh / 1000),
          color: COLORS.export,
          kind: "bar",
        },
      ],
    }),
    renderChart({
      id: "imbalance",
      title: "Imbalance and undelivered (shortfall) energy per slot (kWh)",
      yLabel: "kWh",
      xLabels: labels,
      dayMarks: days,
      series: [
        {
          name: "imbalance",
          values: report.slots.map((s) => s.imbalanceWh / 1000),
          color: COLORS.imbalance,
          kind: "bar",
        },
        {
          name: "shortfall",
          values: report.slots.map((s) => s.shortfallWh / 1000),
          color: COLORS.shortfall,
          kind: "bar",
        },
      ],
    }),
  ];
}

/** The charts over households and roles: savings, gas. */
function householdCharts(report: SimulationReport): string[] {
  const { run } = report;
  return [
    renderChart({
      id: "savings",
      title: `Savings per household against retail/feed-in tariffs (${run.currency})`,
      yLabel: run.currency,
      xLabels: report.households.map((h) => String(h.index)),
      xLabelEvery: Math.max(1, Math.ceil(report.households.length / 25)),
      series: [
        {
          name: "savings",
          values: report.households.map((h) => baseToCurrencyNumber(h.savings)),
          color: COLORS.savings,
          kind: "bar",
        },
      ],
    }),
    renderChart({
      id: "gas",
      title: "Gas per role (million gas)",
      yLabel: "Mgas",
      xLabels: report.roles.map((r) => r.role),
      xLabelEvery: 1,
      series: [
        {
          name: "gas used",
          values: report.roles.map((r) => Number(r.gasUsed) / 1e6),
          color: COLORS.gas,
          kind: "bar",
        },
      ],
    }),
  ];
}

/** The checks' tables: ledger and faults. */
function checkTables(report: SimulationReport) {
  const ledger = table(
    ["check", "result", "detail"],
    report.ledger.map((c) => [c.name, c.ok ? "ok" : "FAILED", c.detail]),
    "ledger",
  );
  const faults = table(
    ["fault", "household", "slots", "expected", "observed", "result"],
    report.faults.map((f) => [
      f.type,
      f.household ?? "-",
      f.slots,
      f.expected,
      f.observed,
      faultResult(f),
    ]),
    "faults",
  );
  return { ledger, faults };
}

function householdTable(report: SimulationReport): string {
  const { run } = report;
  return table(
    [
      "#",
      "kind",
      "PV kWp",
      "battery kWh",
      "gen kWh",
      "load kWh",
      "import kWh",
      "export kWh",
      "bought kWh",
      "sold kWh",
      "shortfall kWh",
      `baseline ${run.currency}`,
      `with market ${run.currency}`,
      `saved ${run.currency}`,
      "certs kWh",
      "rejected readings",
    ],
    report.households.map((h) => [
      h.index,
      h.kind,
      h.pvPeakKw,
      h.batteryKwh,
      kwh(h.generationWh),
      kwh(h.consumptionWh),
      kwh(h.importWh),
      kwh(h.exportWh),
      kwh(h.boughtWh),
      kwh(h.soldWh),
      kwh(h.shortfallWh),
      money(h.baselineCost),
      money(h.actualCost),
      money(h.savings),
      kwh(h.certificatesReceivedWh),
      h.readingsRejected,
    ]),
    "households",
  );
}

/** The run's tables: gas per role and action, contracts, phases, provenance, definitions. */
function runTables(report: SimulationReport) {
  const { run } = report;
  const roles = table(
    ["role", "transactions", "gas used", "gas / tx"],
    report.roles.map((r) => [
      r.role,
      r.transactions,
      r.gasUsed.toString(),
      r.transactions ? (r.gasUsed / BigInt(r.transactions)).toString() : "0",
    ]),
    "roles",
  );
  const actions = table(
    ["action", "transactions", "gas used", "gas / tx", "largest"],
    report.actions.map((a) => [
      a.action,
      a.transactions,
      a.gasUsed.toString(),
      a.transactions ? (a.gasUsed / BigInt(a.transactions)).toString() : "0",
      a.maxGas.toString(),
    ]),
    "actions",
  );
  const contracts = table(["contract", "address"], Object.entries(run.contracts), "contracts");
  const phases = table(
    ["phase", "seconds"],
    Object.entries(run.phases).map(([k, v]) => [k, v.toFixed(2)]),
    "phases",
  );
  const ledgerOk = report.ledger.every((c) => c.ok);
  const provenance = run.provenance
    ? table(["what", "value"], provenanceRows(run.provenance), "provenance")
    : "";
  const definitions = table(
    ["figure", "definition"],
    DEFINITIONS.map((d) => [d.figure, d.definition]),
    "definitions",
  );
  return { roles, actions, contracts, phases, ledgerOk, provenance, definitions };
}

export function renderHtml(report: SimulationReport): string {
  const { run } = report;
  const charts = [...slotCharts(report), ...householdCharts(report)];
  const { ledger, faults } = checkTables(report);
  const households = householdTable(report);
  const { roles, actions, contracts, phases, ledgerOk, provenance, definitions } =
    runTables(report);

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>GridLedger simulation report: ${escapeXml(run.scenario)}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 24px auto; max-width: 960px; color: #111827; background: #f9fafb; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #d1d5db; padding-bottom: 4px; }
pre.summary { background: #111827; color: #e5e7eb; padding: 12px; border-radius: 6px; font-size: 12px; white-space: pre-wrap; overflow-wrap: anywhere; max-width: 100%; box-sizing: border-box; }
.charts svg { display: block; margin: 12px 0; background: #fff; border: 1px solid #e5e7eb; border-radius: 6px; max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 12px; margin: 8px 0; background: #fff; }
th, td { border: 1px solid #e5e7eb; padding: 3px 6px; text-align: right; } th { background: #f3f4f6; }
td:first-child, th:first-child { text-align: left; }
.badge { display: inline-block; padding: 2px 8px; border-radius: 10px; color: #fff; font-size: 12px; }
.ok { background: #16a34a; } .bad { background: #dc2626; }
</style>
</head>
<body>
<h1>GridLedger simulation: ${escapeXml(run.scenario)}</h1>
<p>${escapeXml(run.description)}</p>
<p>Seed <code>${escapeXml(run.seed)}</code>, ${run.households} households, ${run.slots} slots of ${run.slotLengthSeconds} s, network ${escapeXml(run.network)} (chain ${run.chainId}), started ${escapeXml(run.startedAt)}.
Tariffs: retail ${escapeXml(basePerWhToPricePerKWh(run.retailPerWh))}, feed-in ${escapeXml(basePerWhToPricePerKWh(run.feedInPerWh))} ${escapeXml(run.currency)}/kWh.
Ledger <span id="ledger-status" class="badge ${ledgerOk ? "ok" : "bad"}">${ledgerOk ? "adds up" : "DOES NOT ADD UP"}</span></p>
<pre class="summary">${escapeXml(formatSummary(report))}</pre>
${provenance ? `<h2>Provenance</h2>\n${provenance}` : ""}
<h2>Charts</h2>
<div class="charts">
${charts.join("\n")}
</div>
<h2>Ledger checks</h2>
${ledger}
<h2>Injected faults</h2>
${faults}
<h2>Households</h2>
${households}
<h2>Transactions and gas per role</h2>
${roles}
<h2>Gas per action</h2>
${actions}
<h2>Where the time went</h2>
${phases}
<h2>Contracts</h2>
${contracts}
<p>Community savings ${escapeXml(baseToCurrency(report.totals.savings))} ${escapeXml(run.currency)}; self-sufficiency ${(report.totals.selfSufficiency * 100).toFixed(1)} % as a community, ${(householdSelfSufficiency(report.totals) * 100).toFixed(1)} % each household alone.</p>
<h2 id="definitions">Definitions</h2>
${definitions}
</body>
</html>
`;
}
