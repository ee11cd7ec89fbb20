/**
 * Gas guard: compares a fresh benchmark snapshot with the committed one and fails when any figure
 * rose by more than 2 % (or disappeared). Usage: node bench/check.ts <committed.json> <fresh.json>
 */
import { readFileSync } from "node:fs";

import { compare, TOLERANCE } from "./guard.js";
import type { GasSnapshot } from "./types.js";

const [committedPath, freshPath] = process.argv.slice(2);
if (committedPath === undefined || freshPath === undefined) {
  console.error("usage: node bench/check.ts <committed.json> <fresh.json>");
  process.exit(2);
}
const read = (file: string) => JSON.parse(readFileSync(file, "utf8")) as GasSnapshot;
const { regressions, missing } = compare(read(committedPath), read(freshPath));
for (const r of regressions) {
  const rise = ((r.fresh / r.committed - 1) * 100).toFixed(2);
  console.error(
    `gas regression: ${r.key} ${r.committed} -> ${r.fresh} (+${rise} %, tolerance ${TOLERANCE * 100} %)`,
  );
}
for (const key of missing) console.error(`gas figure missing from the fresh run: ${key}`);
if (regressions.length > 0 || missing.length > 0) {
  console.error(
    "Update gas/ with `npm run bench:gas` in the same change if the rise is intended, and say why.",
  );
  process.exit(1);
}
console.log("gas guard: no figure rose by more than 2 %");
