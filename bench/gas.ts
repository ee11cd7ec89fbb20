/**
 * Gas benchmark: measures every user-facing operation on the embedded network, and the costliest slots
 * from clearing to the last certificate page, and writes gas/GAS.md (tables with targets and margins) and
 * gas/gas-snapshot.json (the figures the CI guard compares). Deterministic: every section starts from a
 * fixed position of the slot clock, so a run gives the same figures as the last.
 * Slots of 10, 100, 500 and 1,000 orders (a full side is 500: the 1,000 class is 500 + 500, or a crowd of
 * 500 against 1 or 4) and the search for the largest certificate pages take a few minutes on two cores;
 * the run fails when a recommended page is longer than the largest found, or when a transaction of a slot
 * or of a full side uses more than GAS_LIMIT_WITH_MARGIN (10 % under the per-transaction cap).
 * Usage: npm run bench:gas                                     (writes the committed files)
 *        GAS_OUT=/tmp/fresh.json npx hardhat run bench/gas.ts   (writes elsewhere, for the guard)
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { network } from "hardhat";

import { measureCertificates } from "./certificatesSection.js";
import { measureFullSide } from "./evictionSection.js";
import { measureOrderOperations } from "./marketSection.js";
import { measureRegistry } from "./registrySection.js";
import { measureSignedOrders } from "./routerSection.js";
import { renderMarkdown } from "./render.js";
import {
  GAS_LIMIT_WITH_MARGIN,
  RECOMMENDED_PAGES,
  SHAPES,
  measureSlot,
  type LargestPage,
  type SlotCase,
  type Sources,
} from "./slotSection.js";
import {
  worstOf,
  type GasFigure,
  type GasSnapshot,
  type PageSearch,
  type SlotRow,
} from "./types.js";

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
progress("router: signed orders in batches, placeOrders");
figures.push(...(await measureSignedOrders(connection)));
progress("market: full sides (eviction, cancelled index reused)");
figures.push(...(await measureFullSide(connection)));
progress("certificates");
figures.push(...(await measureCertificates(ethers, warpTo)));
const pageSearch = new Map<number, PageSearch>();
const slots = await measureSlots([10, 100, 500, 1_000], pageSearch);
figures.push(...slotFigures(slots.find((r) => r.key === "slot.none.halfAndHalf.100")!));

const snapshot: GasSnapshot = { figures, slots, pageSearch: [...pageSearch.values()] };
const jsonOut = process.env.GAS_OUT ?? "gas/gas-snapshot.json";
await mkdir(path.dirname(jsonOut), { recursive: true });
await writeFile(jsonOut, JSON.stringify(snapshot, null, 2) + "\n");
if (process.env.GAS_OUT === undefined) await writeFile("gas/GAS.md", renderMarkdown(snapshot));
progress(`done: ${jsonOut}`);
for (const figure of snapshot.figures) {
  const target = figure.target === undefined ? "" : `  (target ${figure.target})`;
  console.log(
    `${figure.key.padEnd(48)} ${String(figure.gas).padStart(10)}${figure.unit ? ` / ${figure.unit}` : ""}${target}`,
  );
}

// A recommended page longer than the largest that fits would let a keeper run out of margin.
for (const found of snapshot.pageSearch ?? []) {
  const recommended = RECOMMENDED_PAGES[found.sources as Sources];
  if (recommended.sellOrders > found.sellOrders || recommended.buyOrders > found.buyOrders) {
    console.error(
      `recommended pages for ${found.sources} source(s) (${recommended.sellOrders} sells, ` +
        `${recommended.buyOrders} buys) exceed the largest that fit (${found.sellOrders}, ${found.buyOrders}): ` +
        "lower RECOMMENDED_PAGES in bench/slotSection.ts",
    );
    process.exitCode = 1;
  }
}

// Every transaction of every slot, and every placement on a full side, must keep the 10 % margin.
for (const row of snapshot.slots ?? []) {
  if (worstOf(row) > GAS_LIMIT_WITH_MARGIN) {
    console.error(
      `${row.key}: a transaction uses ${worstOf(row)} gas, over ${GAS_LIMIT_WITH_MARGIN}`,
    );
    process.exitCode = 1;
  }
}
for (const figure of snapshot.figures) {
  if (figure.unit === undefined && figure.gas > GAS_LIMIT_WITH_MARGIN) {
    console.error(`${figure.key}: ${figure.gas} gas, over ${GAS_LIMIT_WITH_MARGIN}`);
    process.exitCode = 1;
  }
}

/** Every costliest book of each size: without certificates, and with them for 1 and for 4 sources. */
async function measureSlots(
  sizes: number[],
  pageSearch?: Map<number, PageSearch>,
): Promise<SlotRow[]> {
  const rows: SlotRow[] = [];
  for (const orders of sizes) {
    for (const shape of SHAPES) {
      const cases: SlotCase[] = [
        { orders, shape, sources: 1, certificates: false },
        { orders, shape, sources: 1, certificates: true },
        { orders, shape, sources: 4, certificates: true },
      ];
      for (const c of cases) {
        progress(
          `slot: ${orders} orders, ${shape}, ${c.certificates ? `${c.sources} source(s)` : "no certificates"}`,
        );
        // The page search runs on the largest books only.
        const search = pageSearch !== undefined && orders === Math.max(...sizes);
        const { row, largest } = await measureSlot(connection, c, search);
        rows.push(row);
        if (largest !== undefined) recordLargest(pageSearch!, c.sources, largest);
      }
    }
  }
  return rows;
}

/** Clearing and settlement of the 100-order half-and-half slot, per order, for the operations table. */
function slotFigures(row: SlotRow): GasFigure[] {
  return [
    {
      key: "market.clear.perOrder",
      operation: "clear a slot of 100 orders (50 buys vs 50 sells, all filled), per order",
      gas: Math.round(row.clearGas / row.orders),
      unit: "order",
      target: 12_000,
    },
    {
      key: "market.settle.perSellOrder",
      operation: "settle (money only) the same slot, per sell order",
      gas: Math.round(row.settleGas / row.sellOrders),
      unit: "sell order",
      target: 15_000,
    },
  ];
}

function recordLargest(
  search: Map<number, PageSearch>,
  sources: number,
  largest: LargestPage,
): void {
  const entry = search.get(sources) ?? {
    sources,
    sellOrders: 0,
    buyOrders: 0,
    worstSellPageGas: 0,
    worstBuyPageGas: 0,
  };
  if (largest.side === "sellers") {
    entry.sellOrders = largest.orders;
    entry.worstSellPageGas = largest.worstPageGas;
  } else {
    entry.buyOrders = largest.orders;
    entry.worstBuyPageGas = largest.worstPageGas;
  }
  search.set(sources, entry);
}
