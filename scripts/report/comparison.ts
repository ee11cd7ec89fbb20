/**
 * The comparison of several runs as one self-contained HTML page (inline SVG, no script, no network)
 * and a CSV with one row per run. Figures follow scripts/report/figures.ts.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { baseToCurrency, baseToCurrencyNumber, basePerWhToPricePerKWh } from "../lib/units.js";
import type { ComparedRun } from "./compare.js";
import { toCsv } from "./csv.js";
import { DEFINITIONS } from "./figures.js";
import { escapeXml, renderChart, type Series } from "./svg.js";

const PALETTE = [
  "#2563eb",
  "#dc2626",
  "#16a34a",
  "#f59e0b",
  "#7c3aed",
  "#0ea5e9",
  "#db2777",
  "#4b5563",
];

const color = (i: number) => PALETTE[i % PALETTE.length]!;
const price = (p: bigint | null) => (p === null ? "" : basePerWhToPricePerKWh(p));
const percent = (x: number) => (x * 100).toFixed(1);

const HEADER = [
  "run",
  "folder",
  "scenario",
  "strategy",
  "commit",
  "households",
  "slots",
  "traded_kwh",
  "mean_clearing_price_per_kwh",
  "savings",
  "savings_per_household",
  "self_sufficiency_community_pct",
  "self_sufficiency_households_pct",
  "penalties",
  "shortfall_kwh",
  "gas_used",
];

function row(r: ComparedRun): (string | number)[] {
  return [
    r.name,
    r.dir,
    r.scenario,
    r.strategy,
    r.commit,
    r.households,
    r.slots.length,
    (r.tradedWh / 1000).toFixed(3),
    price(r.meanPricePerWh),
    baseToCurrency(r.savings),
    baseToCurrency(r.households > 0 ? r.savings / BigInt(r.households) : 0n),
    percent(r.selfSufficiency),
    percent(r.householdSelfSufficiency),
    baseToCurrency(r.penalties),
    (r.shortfallWh / 1000).toFixed(3),
    r.gasUsed.toString(),
  ];
}

export function comparisonCsv(runs: readonly ComparedRun[]): string {
  return toCsv(HEADER, runs.map(row));
}

/** Per-slot series of every run on one chart; x labels from the run with the most slots. */
function perSlotChart(
  runs: readonly ComparedRun[],
  id: string,
  title: string,
  yLabel: string,
  value: (s: ComparedRun["slots"][number]) => number,
): string {
  const longest = runs.reduce((a, r) => (r.slots.length > a.slots.length ? r : a), runs[0]!);
  const series: Series[] = runs.map((r, i) => ({
    name: r.name,
    values: longest.slots.map((_, j) => (r.slots[j] ? value(r.slots[j]!) : Number.NaN)),
    color: color(i),
  }));
  return renderChart({ id, title, yLabel, xLabels: longest.slots.map((s) => s.localTime), series });
}

function perRunChart(
  runs: readonly ComparedRun[],
  id: string,
  title: string,
  yLabel: string,
  series: Series[],
): string {
  return renderChart({
    id,
    title,
    yLabel,
    xLabels: runs.map((_, i) => `run ${i + 1}`),
    xLabelEvery: 1,
    series,
  });
}

function charts(runs: readonly ComparedRun[]): string[] {
  const currency = runs[0]!.currency;
  return [
    perSlotChart(
      runs,
      "price",
      `Clearing price per slot (${currency}/kWh)`,
      `${currency}/kWh`,
      (s) => (s.pricePerWh === null ? Number.NaN : Number(basePerWhToPricePerKWh(s.pricePerWh))),
    ),
    perSlotChart(runs, "volume", "Traded volume per slot (kWh)", "kWh", (s) => s.tradedWh / 1000),
    perRunChart(runs, "savings", `Community savings per run (${currency})`, currency, [
      {
        name: "savings",
        values: runs.map((r) => baseToCurrencyNumber(r.savings)),
        color: "#059669",
        kind: "bar",
      },
    ]),
    perRunChart(runs, "self-sufficiency", "Self-sufficiency per run (%)", "%", [
      {
        name: "community",
        values: runs.map((r) => r.selfSufficiency * 100),
        color: "#2563eb",
        kind: "bar",
      },
      {
        name: "each household alone",
        values: runs.map((r) => r.householdSelfSufficiency * 100),
        color: "#f59e0b",
        kind: "bar",
      },
    ]),
  ];
}

function htmlTable(header: string[], rows: (string | number)[][]): string {
  const head = header.map((h) => `<th>${escapeXml(h)}</th>`).join("");
  const body = rows
    .map((r) => `<tr>${r.map((c) => `<td>${escapeXml(String(c))}</td>`).join("")}</tr>`)
    .join("\n");
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

export function renderComparison(runs: readonly ComparedRun[]): string {
  const runsTable = htmlTable(
    ["#", ...HEADER],
    runs.map((r, i) => [i + 1, ...row(r)]),
  );
  const used = [
    "traded",
    "mean clearing price",
    "savings",
    "self-sufficiency (community)",
    "self-sufficiency (each household alone)",
    "penalties",
    "gas",
  ];
  const definitions = htmlTable(
    ["figure", "definition"],
    DEFINITIONS.filter((d) => used.includes(d.figure)).map((d) => [d.figure, d.definition]),
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>GridLedger: ${runs.length} runs compared</title>
<style>
body { font-family: system-ui, sans-serif; margin: 24px auto; max-width: 1100px; color: #111827; background: #f9fafb; }
svg { display: block; margin: 12px 0; background: #fff; border: 1px solid #e5e7eb; max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 12px; background: #fff; margin: 8px 0; }
th, td { border: 1px solid #e5e7eb; padding: 3px 6px; text-align: right; } th { background: #f3f4f6; }
td:nth-child(2), td:nth-child(3) { text-align: left; }
</style>
</head>
<body>
<h1>GridLedger: ${runs.length} runs compared</h1>
<h2>Runs</h2>
${runsTable}
<h2>Charts</h2>
${charts(runs).join("\n")}
<h2 id="definitions">Definitions</h2>
${definitions}
</body>
</html>
`;
}

/** Writes compare.html and compare.csv into `dir`. */
export async function writeComparison(runs: readonly ComparedRun[], dir: string) {
  await mkdir(dir, { recursive: true });
  const files = { html: path.join(dir, "compare.html"), csv: path.join(dir, "compare.csv") };
  await writeFile(files.html, renderComparison(runs));
  await writeFile(files.csv, comparisonCsv(runs));
  return files;
}
