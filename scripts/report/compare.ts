/**
 * Several report folders side by side (`hardhat compare <dir> <dir> ...`): one row of headline figures
 * per run, computed with the same definitions as each report (scripts/report/figures.ts).
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { UsageError } from "../lib/errors.js";
import {
  communitySelfSufficiency,
  householdSelfSufficiency,
  volumeWeightedPrice,
} from "./figures.js";

/** One slot as report.json has it (bigints as decimal strings). */
interface JsonSlot {
  localTime: string;
  clearingPricePerWh: string | null;
  tradedWh: number;
  consumptionWh: number;
  gridImportWh: number;
  gridExportWh: number;
}

export interface ComparedRun {
  name: string;
  dir: string;
  scenario: string;
  strategy: string;
  commit: string;
  households: number;
  currency: string;
  /** Per slot: local time, clearing price (base units per Wh, null: none) and traded Wh. */
  slots: Array<{ localTime: string; pricePerWh: bigint | null; tradedWh: number }>;
  tradedWh: number;
  meanPricePerWh: bigint | null;
  savings: bigint;
  penalties: bigint;
  shortfallWh: number;
  selfSufficiency: number;
  householdSelfSufficiency: number;
  gasUsed: bigint;
}

function wrong(dir: string, reason: string): never {
  throw new UsageError(dir, reason);
}

async function readReportJson(dir: string): Promise<Record<string, unknown>> {
  const info = await stat(dir).catch(() => undefined);
  if (!info) wrong(dir, "no such folder");
  if (!info.isDirectory())
    wrong(dir, "not a folder (give a report folder such as reports/default-…)");
  const file = path.join(dir, "report.json");
  const text = await readFile(file, "utf8").catch(() => undefined);
  if (text === undefined) wrong(dir, "has no report.json: not a simulation report folder");
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    return wrong(dir, `report.json is not valid JSON: ${(error as Error).message}`);
  }
}

function object(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Reads one report folder; refuses anything that is not a simulation report, naming the folder. */
export async function loadRun(dir: string): Promise<ComparedRun> {
  const data = await readReportJson(dir);
  const run = object(data.run);
  const totals = object(data.totals);
  const slots = data.slots as JsonSlot[] | undefined;
  if (!run || !totals || !Array.isArray(slots) || !Array.isArray(data.households))
    wrong(dir, "report.json is not a simulation report (no run, slots, households or totals)");
  const provenance = object(run.provenance);
  const strategy = object(provenance?.strategy) ?? object(object(provenance?.scenario)?.strategy);
  const differing = (provenance?.householdStrategies as Array<{ name: string }> | undefined) ?? [];
  const names = [
    ...new Set([String(strategy?.name ?? "unknown"), ...differing.map((s) => s.name)]),
  ];
  const priced = slots.map((s) => ({
    ...s,
    clearingPricePerWh: s.clearingPricePerWh === null ? null : BigInt(s.clearingPricePerWh),
  }));
  return {
    name: String(run.name ?? path.basename(path.resolve(dir))),
    dir,
    scenario: String(run.scenario),
    strategy: names.join("+"),
    commit: String(provenance?.commit ?? "unknown"),
    households: Number(run.households),
    currency: String(run.currency ?? ""),
    slots: priced.map((s) => ({
      localTime: s.localTime,
      pricePerWh: s.clearingPricePerWh,
      tradedWh: s.tradedWh,
    })),
    tradedWh: Number(totals.tradedWh),
    meanPricePerWh: volumeWeightedPrice(priced),
    savings: BigInt(String(totals.savings)),
    penalties: BigInt(String(totals.penalties)),
    shortfallWh: Number(totals.shortfallWh),
    selfSufficiency: communitySelfSufficiency(priced),
    householdSelfSufficiency: householdSelfSufficiency({
      consumptionWh: Number(totals.consumptionWh),
      gridImportWh: Number(totals.gridImportWh),
    }),
    gasUsed: BigInt(String(totals.gasUsed)),
  };
}

/** Loads every folder, in the order given; at least one. */
export async function loadRuns(dirs: readonly string[]): Promise<ComparedRun[]> {
  if (dirs.length === 0) throw new UsageError("compare", "give one or more report folders");
  const runs: ComparedRun[] = [];
  for (const dir of dirs) runs.push(await loadRun(dir));
  return runs;
}
