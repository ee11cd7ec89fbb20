/**
 * Measured PV and load profiles from a CSV file, resampled to the run's slots (docs/testbed.md,
 * "Measured profiles"). Lines starting with `#` are comments. The header names the columns, in any order:
 *
 *   household,slot,pv_wh,load_wh            energy per twin slot, Wh (slot 0 = the first simulated slot)
 *   household,timestamp,pv_kw,load_kw       mean power in kW from this sample's time until the next one's
 *
 * Optional forecast columns (`pv_forecast_wh`, `load_forecast_wh`, or `..._kw` with timestamps) give what the
 * household expected one slot ahead; without them its forecast is persistence (the previous slot's value).
 * Timestamps are ISO 8601 with a zone (`2025-06-21T10:00:00+02:00`, `...Z`) or Unix seconds. Samples
 * are resampled to slots conserving energy: a slot receives power x the time each sample's interval
 * overlaps it (the last sample of a household lasts as long as the one before it). Every slot of the run
 * must be covered. Households not in the file keep the modelled PV and load.
 */
import { createHash } from "node:crypto";
import { ScenarioError } from "./fields.js";

export interface MeasuredSeries {
  pvWh: number[];
  loadWh: number[];
  /** The household's own forecasts, when the file has them. */
  pvForecastWh?: number[];
  loadForecastWh?: number[];
}

/** What a file may hold per household and time: PV and load, and optionally their forecasts. */
const CHANNELS = ["pv", "load", "pv_forecast", "load_forecast"] as const;
const REQUIRED = 2;
const SERIES_KEYS = ["pvWh", "loadWh", "pvForecastWh", "loadForecastWh"] as const;

/** The series of a household from its channels (absent forecasts stay absent). */
function toSeries(channels: (number[] | undefined)[]): MeasuredSeries {
  const series: Partial<Record<(typeof SERIES_KEYS)[number], number[]>> = {};
  SERIES_KEYS.forEach((key, c) => {
    if (channels[c]) series[key] = channels[c];
  });
  return series as MeasuredSeries;
}

export interface MeasuredProfiles {
  /** The file as the scenario names it (relative to the scenario's folder). */
  file: string;
  sha256: string;
  households: Map<number, MeasuredSeries>;
}

/** The run's slot grid: slot s covers [firstSlotStart + s x slotSeconds, + slotSeconds). */
export interface SlotGrid {
  firstSlotStart: number;
  slotSeconds: number;
  slots: number;
  households: number;
}

interface Row {
  line: number;
  cells: string[];
}

class Table {
  constructor(
    readonly file: string,
    readonly headerLine: number,
    readonly columns: string[],
    readonly rows: Row[],
  ) {}

  index(name: string): number {
    return this.columns.indexOf(name);
  }

  fail(row: Row, column: number, reason: string): never {
    throw new ScenarioError(
      `${this.file} line ${row.line} column ${column + 1} (${this.columns[column]})`,
      reason,
    );
  }

  /** A non-negative finite number (or a household number when `integer`). */
  number(row: Row, column: number, integer = false): number {
    const text = row.cells[column] ?? "";
    const value = text === "" ? Number.NaN : Number(text);
    if (!Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value)))
      this.fail(
        row,
        column,
        `expected ${integer ? "a whole number" : "a number"} of at least 0, got "${text}"`,
      );
    return value;
  }
}

function readTable(text: string, file: string): Table {
  const lines = text.split(/\r?\n/).map((raw, i) => ({ line: i + 1, raw: raw.trim() }));
  const content = lines.filter((l) => l.raw !== "" && !l.raw.startsWith("#"));
  if (content.length === 0) throw new ScenarioError(file, "no header line and no data");
  const split = (raw: string) => raw.split(",").map((c) => c.trim());
  const columns = split(content[0]!.raw).map((c) => c.toLowerCase());
  const rows = content.slice(1).map((l) => ({ line: l.line, cells: split(l.raw) }));
  for (const row of rows)
    if (row.cells.length !== columns.length)
      throw new ScenarioError(
        `${file} line ${row.line}`,
        `expected ${columns.length} columns (${columns.join(",")}), got ${row.cells.length}`,
      );
  if (rows.length === 0) throw new ScenarioError(file, "a header but no data lines");
  return new Table(file, content[0]!.line, columns, rows);
}

/** Unix seconds of an ISO 8601 time with a zone, or of a whole number of Unix seconds. */
function parseTime(table: Table, row: Row, column: number): number {
  const text = row.cells[column] ?? "";
  if (/^\d+$/.test(text)) return Number(text);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text))
    table.fail(
      row,
      column,
      `expected an ISO 8601 time with a zone (2025-06-21T10:00:00+02:00) or Unix seconds, got "${text}"`,
    );
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) table.fail(row, column, `"${text}" is not a calendar time`);
  return ms / 1000;
}

function household(table: Table, row: Row, grid: SlotGrid): number {
  const column = table.index("household");
  const h = table.number(row, column, true);
  if (h < 1 || h > grid.households)
    table.fail(row, column, `household ${h} does not exist (the community has ${grid.households})`);
  return h;
}

/** `household,slot,pv_wh,load_wh[,...]`: one row per household and slot; slots past the run are ignored. */
function bySlot(table: Table, grid: SlotGrid, columns: number[]): Map<number, MeasuredSeries> {
  const slotCol = table.index("slot");
  const present = columns.filter((c) => c >= 0);
  const out = new Map<number, { channels: number[][]; seen: number[] }>();
  for (const row of table.rows) {
    const h = household(table, row, grid);
    const slot = table.number(row, slotCol, true);
    const series = out.get(h) ?? { channels: present.map(() => []), seen: [] };
    out.set(h, series);
    if (slot >= grid.slots) continue;
    if (series.seen[slot] !== undefined)
      table.fail(
        row,
        slotCol,
        `household ${h} slot ${slot} is already on line ${series.seen[slot]}`,
      );
    series.seen[slot] = row.line;
    present.forEach((column, c) => (series.channels[c]![slot] = table.number(row, column)));
  }
  for (const [h, series] of out) {
    const missing = Array.from({ length: grid.slots }, (_, s) => s).find(
      (s) => series.seen[s] === undefined,
    );
    if (missing !== undefined)
      throw new ScenarioError(table.file, `household ${h} has no row for slot ${missing}`);
  }
  return new Map([...out].map(([h, s]) => [h, toSeries(withAbsent(s.channels, columns))]));
}

/** Channels in CHANNELS order, undefined where the file has no such column. */
function withAbsent<T>(present: T[], columns: number[]): (T | undefined)[] {
  let next = 0;
  return CHANNELS.map((_, c) => (columns[c]! >= 0 ? present[next++] : undefined));
}

interface Sample {
  time: number;
  /** Mean power per channel, kW. */
  kw: number[];
  row: Row;
}

/** Energy-conserving resampling of one household's power samples to the slot grid, Wh per channel. */
export function resample(samples: readonly Sample[], grid: SlotGrid): number[][] {
  const ends = samples.map((s, i) =>
    i + 1 < samples.length ? samples[i + 1]!.time : s.time + (s.time - samples[i - 1]!.time),
  );
  const wh = samples[0]!.kw.map(() => new Array<number>(grid.slots).fill(0));
  samples.forEach((sample, i) => {
    const from = Math.floor((sample.time - grid.firstSlotStart) / grid.slotSeconds);
    for (let s = Math.max(0, from); s < grid.slots; s++) {
      const start = grid.firstSlotStart + s * grid.slotSeconds;
      if (start >= ends[i]!) break;
      const overlap = Math.min(ends[i]!, start + grid.slotSeconds) - Math.max(sample.time, start);
      // kW x seconds / 3600 = kWh; x 1000 = Wh.
      if (overlap > 0) sample.kw.forEach((kw, c) => (wh[c]![s]! += (kw * overlap) / 3.6));
    }
  });
  return wh;
}

/** `household,timestamp,pv_kw,load_kw[,...]`: samples in time order per household, covering the run. */
function byTimestamp(table: Table, grid: SlotGrid, columns: number[]): Map<number, MeasuredSeries> {
  const timeCol = table.index("timestamp");
  const present = columns.filter((c) => c >= 0);
  const samples = new Map<number, Sample[]>();
  for (const row of table.rows) {
    const h = household(table, row, grid);
    const list = samples.get(h) ?? [];
    samples.set(h, list);
    const time = parseTime(table, row, timeCol);
    const before = list.at(-1);
    if (before && time <= before.time)
      table.fail(row, timeCol, `must be after household ${h}'s sample on line ${before.row.line}`);
    list.push({ time, kw: present.map((c) => table.number(row, c)), row });
  }
  const runEnd = grid.firstSlotStart + grid.slots * grid.slotSeconds;
  const out = new Map<number, MeasuredSeries>();
  for (const [h, list] of samples) {
    const last = list.at(-1)!;
    const end = list.length > 1 ? 2 * last.time - list.at(-2)!.time : last.time;
    if (list[0]!.time > grid.firstSlotStart || end < runEnd)
      throw new ScenarioError(
        table.file,
        `household ${h}'s samples cover ${iso(list[0]!.time)} to ${iso(end)}, the run needs ${iso(grid.firstSlotStart)} to ${iso(runEnd)}`,
      );
    out.set(h, toSeries(withAbsent(resample(list, grid), columns)));
  }
  return out;
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace(".000Z", "Z");

/** Parses and validates a profile CSV for the run's slot grid. */
export function parseProfiles(text: string, file: string, grid: SlotGrid): MeasuredProfiles {
  const table = readTable(text, file);
  const bySlots = table.index("slot") >= 0;
  const unit = bySlots ? "wh" : "kw";
  const columns = CHANNELS.map((c) => table.index(`${c}_${unit}`));
  const known = [
    "household",
    bySlots ? "slot" : "timestamp",
    ...CHANNELS.map((c) => `${c}_${unit}`),
  ];
  const wrong =
    table.index("household") < 0 ||
    table.index("timestamp") >= 0 === bySlots ||
    columns.slice(0, REQUIRED).some((c) => c < 0) ||
    table.columns.some((c) => !known.includes(c));
  if (wrong)
    throw new ScenarioError(
      `${file} line ${table.headerLine}`,
      `expected the columns household,slot,pv_wh,load_wh or household,timestamp,pv_kw,load_kw (forecasts optional: pv_forecast_${unit}, load_forecast_${unit}), got ${table.columns.join(",")}`,
    );
  const households = bySlots ? bySlot(table, grid, columns) : byTimestamp(table, grid, columns);
  return { file, sha256: createHash("sha256").update(text).digest("hex"), households };
}
