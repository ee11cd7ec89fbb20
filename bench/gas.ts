/**
 * Gas benchmark: measures every user-facing operation on the embedded network, clears and settles slots of
 * growing size and the costliest full slots, and writes gas/GAS.md (tables with targets) and
 * gas/gas-snapshot.json (the figures the CI guard compares). Deterministic: every section starts from a
 * fixed position of the slot clock, so a run gives the same figures as the last.
 * Usage: npm run bench:gas                                     (writes the committed files)
 *        GAS_OUT=/tmp/fresh.json npx hardhat run bench/gas.ts   (writes elsewhere, for the guard)
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { network } from "hardhat";

import { measureCertificates } from "./certificatesSection.js";
import {
  marketCaps,
  measureOrderOperations,
  measureScalingTable,
  measureWorstCases,
} from "./marketSection.js";
import { measureRegistry } from "./registrySection.js";
import { renderMarkdown } from "./render.js";
import type { GasFigure, GasSnapshot, ScalingRow } from "./types.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const warpTo = async (timestamp: bigint) => {
  await networkHelpers.time.increaseTo(timestamp);
};
const started = Date.now();
const progress = (what: string) =>
  console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${what}`);

progress("registry");
const figures: GasFigure[] = [...(await measureRegistry(ethers, warpTo))];
progress("market: orders and money");
figures.push(...(await measureOrderOperations(connection)));
progress("certificates");
figures.push(...(await measureCertificates(ethers, warpTo)));

const caps = await marketCaps(connection);
const sizes = [...new Set([10, 100, caps.withHook, 500, 1_000, caps.withoutHook])]
  .filter((n) => n <= caps.withoutHook)
  .sort((a, b) => a - b);
progress(`scaling: ${sizes.join(", ")} orders`);
const scaling = await measureScalingTable(connection, sizes, caps);
figures.push(...slotFigures(scaling.find((r) => r.orders === 100)!));
progress(`worst cases at the caps (${caps.withoutHook} without hook, ${caps.withHook} with)`);
const worstCases = await measureWorstCases(connection, caps);

const snapshot: GasSnapshot = { figures, scaling, worstCases };
const jsonOut = process.env.GAS_OUT ?? "gas/gas-snapshot.json";
await mkdir(path.dirname(jsonOut), { recursive: true });
await writeFile(jsonOut, JSON.stringify(snapshot, null, 2) + "\n");
if (process.env.GAS_OUT === undefined)
  await writeFile("gas/GAS.md", renderMarkdown(snapshot, caps));
progress(`done: ${jsonOut}`);
for (const figure of snapshot.figures) {
  const target = figure.target === undefined ? "" : `  (target ${figure.target})`;
  console.log(
    `${figure.key.padEnd(48)} ${String(figure.gas).padStart(10)}${figure.unit ? ` / ${figure.unit}` : ""}${target}`,
  );
}

/** Clearing and settlement of the 100-order slot, per order, for the operations table. */
function slotFigures(row: ScalingRow): GasFigure[] {
  const result: GasFigure[] = [
    {
      key: "market.clear.perOrder",
      operation: "clear a slot of 100 orders (50 buys, 50 sells), per order",
      gas: row.clearGasPerOrder,
      unit: "order",
      target: 12_000,
    },
    {
      key: "market.settle.perSellOrder",
      operation: "settle a slot of 100 orders without hook, per sell order",
      gas: row.settleGasPerSellOrder,
      unit: "sell order",
      target: 15_000,
    },
  ];
  if (row.settleWithHookGasPerSellOrder !== undefined)
    result.push({
      key: "market.settle.withCertificates.perSellOrder",
      operation:
        "settle the same slot with EnergyCertificates as hook, per sell order (certificates issued)",
      gas: row.settleWithHookGasPerSellOrder,
      unit: "sell order",
    });
  return result;
}
