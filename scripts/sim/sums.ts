/** Small sums and the ledger check record the report modules share. */
import type { LedgerCheck } from "../report/model.js";

export function sum<T>(items: readonly T[], f: (x: T) => number): number {
  return items.reduce((a, x) => a + f(x), 0);
}

export function sumBig<T>(items: readonly T[], f: (x: T) => bigint): bigint {
  return items.reduce((a, x) => a + f(x), 0n);
}

/** The sum of a map's amounts. */
export function total(amounts: ReadonlyMap<unknown, bigint>): bigint {
  return sumBig([...amounts.values()], (x) => x);
}

export function check(name: string, ok: boolean, detail: string): LedgerCheck {
  return { name, ok, detail };
}
