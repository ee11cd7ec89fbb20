/**
 * Writes a report folder: report.json, slots.csv, households.csv, household_slots.csv, roles.csv,
 * actions.csv, report.html. report.json holds everything but the per-household series (its CSV does).
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { actionsCsv, householdSlotsCsv, householdsCsv, rolesCsv, slotsCsv } from "./csv.js";
import { renderHtml } from "./html.js";
import { toJson, type SimulationReport } from "./model.js";

export interface WrittenReport {
  dir: string;
  files: Record<
    "json" | "slots" | "households" | "householdSlots" | "roles" | "actions" | "html",
    string
  >;
}

/** Default folder: reports/<scenario>-<UTC timestamp>/. */
export function defaultReportDir(scenario: string, now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return path.join("reports", `${scenario}-${stamp}`);
}

export async function writeReport(report: SimulationReport, dir: string): Promise<WrittenReport> {
  await mkdir(dir, { recursive: true });
  const files = {
    json: path.join(dir, "report.json"),
    slots: path.join(dir, "slots.csv"),
    households: path.join(dir, "households.csv"),
    householdSlots: path.join(dir, "household_slots.csv"),
    roles: path.join(dir, "roles.csv"),
    actions: path.join(dir, "actions.csv"),
    html: path.join(dir, "report.html"),
  };
  await Promise.all([
    writeFile(files.json, toJson({ ...report, series: undefined })),
    writeFile(files.slots, slotsCsv(report)),
    writeFile(files.households, householdsCsv(report)),
    writeFile(files.householdSlots, householdSlotsCsv(report)),
    writeFile(files.roles, rolesCsv(report)),
    writeFile(files.actions, actionsCsv(report)),
    writeFile(files.html, renderHtml(report)),
  ]);
  return { dir, files };
}
