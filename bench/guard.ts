import type { GasSnapshot } from "./types.js";

/** Largest rise of a figure, relative to the committed snapshot, that the guard tolerates. */
export const TOLERANCE = 0.02;

export interface Regression {
  key: string;
  committed: number;
  fresh: number;
}

/**
 * Flattens a snapshot into key -> gas: every figure, and per slot its clearing, settlement and costliest
 * page of each kind. Rows of older snapshot formats (no `slots`) contribute nothing.
 */
export function flatten(snapshot: GasSnapshot): Map<string, number> {
  const figures = new Map<string, number>();
  for (const figure of snapshot.figures) figures.set(figure.key, figure.gas);
  for (const row of snapshot.slots ?? []) {
    figures.set(`${row.key}.clear`, row.clearGas);
    figures.set(`${row.key}.settle`, row.settleGas);
    if (row.sellPages?.length)
      figures.set(`${row.key}.certifySellers.max`, Math.max(...row.sellPages));
    if (row.buyPages?.length) figures.set(`${row.key}.claimBuyers.max`, Math.max(...row.buyPages));
  }
  return figures;
}

/** Figures of `fresh` that rose by more than TOLERANCE over `committed`, and keys that disappeared. */
export function compare(
  committed: GasSnapshot,
  fresh: GasSnapshot,
): {
  regressions: Regression[];
  missing: string[];
} {
  const before = flatten(committed);
  const after = flatten(fresh);
  const regressions: Regression[] = [];
  const missing: string[] = [];
  for (const [key, gas] of before) {
    const now = after.get(key);
    if (now === undefined) missing.push(key);
    else if (now > gas * (1 + TOLERANCE)) regressions.push({ key, committed: gas, fresh: now });
  }
  return { regressions, missing };
}
