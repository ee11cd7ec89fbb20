/** CSV text (RFC 4180 quoting): one writer for the simulation's and the auditor's tables. */

/** One cell: empty for null/undefined, quoted when it holds a quote, comma or line break. */
export function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? "" : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A header line and one line per row, each line ended by "\n". */
export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(",")).join("\n") + "\n";
}

/** Records as CSV, columns in the order given (default: the first record's keys). */
export function recordsCsv(
  records: readonly Record<string, unknown>[],
  columns: readonly string[] = records.length ? Object.keys(records[0]!) : [],
): string {
  return toCsv(
    columns,
    records.map((record) => columns.map((column) => record[column])),
  );
}
