/**
 * The "what changed" section of gas/GAS.md: today's figures next to the two earlier tables, the paged table
 * (bench/paged-snapshot.json: gas/gas-snapshot.json as committed on `liveness`, before the per-side cap,
 * the minimum lock and eviction) and the table before the liveness change (bench/previous.ts, from `main`:
 * the settlement hook inside `settle`).
 */
import { readFileSync } from "node:fs";

import { flatten } from "./guard.js";
import { PREVIOUS } from "./previous.js";
import { number, percent } from "./format.js";
import type { GasSnapshot, SlotRow } from "./types.js";

/** gas/gas-snapshot.json of the paged table, as committed on `liveness`. */
const PAGED: GasSnapshot = JSON.parse(
  readFileSync(new URL("./paged-snapshot.json", import.meta.url), "utf8"),
) as GasSnapshot;

/** A change under this is noise of a different deployment (bytecode layout, dispatch order). */
const NOISE = 0.005;

const METRICS: { suffix: string; name: string }[] = [
  { suffix: "clear", name: "clear" },
  { suffix: "settle", name: "settle" },
  { suffix: "certifySellers.max", name: "costliest certifySellers page" },
  { suffix: "claimBuyers.max", name: "costliest claimBuyers page" },
];

const signed = (change: number) => `${change > 0 ? "+" : ""}${percent(change)}`;

/** "999 sells + 1 buy" */
function shortBook(row: Pick<SlotRow, "buyOrders" | "sellOrders">): string {
  const n = (count: number, what: string) => `${number(count)} ${what}${count === 1 ? "" : "s"}`;
  return `${n(row.sellOrders, "sell")} + ${n(row.buyOrders, "buy")}`;
}

function certsOf(row: SlotRow): string {
  return row.certificates
    ? `${row.sources} source${row.sources > 1 ? "s" : ""}`
    : "no certificates";
}

export function comparison(snapshot: GasSnapshot, rows: SlotRow[]): string[] {
  const paged = flatten(PAGED);
  const now = flatten(snapshot);
  const main = new Map(PREVIOUS.map((p) => [p.key, p]));
  const lines = [
    "",
    "## What changed",
    "",
    "Three tables: before the liveness change (`main`: `settle` issued every certificate through the",
    "settlement hook, cap 160 orders with the hook), the paged table (`liveness`: settle pays money only,",
    "certificates in certifySellers / claimBuyers pages, one cap of 1,000 orders a slot), and now, after",
    "four contract changes:",
    "",
    "1. Per-side cap: a slot holds at most maxOrdersPerSlot orders, at most half of them a side (500 of",
    "   1,000). Books such as 999 sells vs 1 buy are now impossible; the costliest are a full side of",
    "   500 marginal orders against 1 (or 4 sells), and both sides full (500 vs 500).",
    "2. Minimum lock: MarketParams has a fourth field, minBuyPricePerWh (>= 1); a buy below it reverts",
    "   (MarketPriceBelowMinimum) and sellerCollateralPerWh must be >= 1, so every order locks something.",
    "3. Eviction: on a full side an order reuses a cancelled order's index, else evicts the worst live",
    "   order if strictly better (OrderEvicted, refund at once), else reverts MarketSlotFull.",
    "4. Ring: the market's call to the certificates at the first order of a reused traded ring position is",
    "   `holdsRingPosition(slot)` (true only for the bound market and a slot not yet certified) instead of",
    "   `isSlotCertified(slot)`.",
    "",
    `Changes under ${percent(NOISE)} are noise of a different deployment. Operations, rises first:`,
    "",
    "| Operation | Before liveness | Paged | Now | Change vs paged | Change vs before liveness |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  const ops = snapshot.figures.map((f) => {
    const before = paged.get(f.key);
    return { f, before, change: before === undefined ? Infinity : f.gas / before - 1 };
  });
  ops.sort((a, b) => b.change - a.change);
  for (const { f, before, change } of ops) {
    const old = main.get(f.key);
    const vsPaged =
      before === undefined ? "new" : `${signed(change)}${change > NOISE ? " **worse**" : ""}`;
    const vsMain = old === undefined ? "" : signed(f.gas / old.gas - 1);
    const note = old?.before ? ` (before liveness: ${old.before})` : "";
    lines.push(
      `| ${f.operation}${note} | ${old === undefined ? "" : number(old.gas)} | ` +
        `${before === undefined ? "" : number(before)} | ${number(f.gas)} | ${vsPaged} | ${vsMain} |`,
    );
  }

  const targets = new Map(snapshot.figures.map((f) => [f.key, f.target]));
  const crossed = ops.filter(({ f, before }) => {
    const t = targets.get(f.key);
    return t !== undefined && before !== undefined && before <= t && f.gas > t;
  });
  if (crossed.length > 0) {
    lines.push("", "Targets met in the paged table and missed now:", "");
    for (const { f, before } of crossed)
      lines.push(
        `- ${f.operation}: ${number(f.gas)} against ${number(f.target!)} (+${number(f.gas - before!)} gas).`,
      );
  }

  // Slots: every figure whose book changed or that moved by more than the noise.
  const pagedRows = new Map((PAGED.slots ?? []).map((r) => [r.key, r]));
  const slotLines: string[] = [];
  let unchanged = 0;
  for (const row of rows) {
    const old = pagedRows.get(row.key);
    for (const m of METRICS) {
      const key = `${row.key}.${m.suffix}`;
      const gas = now.get(key);
      if (gas === undefined) continue;
      const before = paged.get(key);
      const sameBook =
        old !== undefined && old.buyOrders === row.buyOrders && old.sellOrders === row.sellOrders;
      const change = before === undefined ? undefined : gas / before - 1;
      if (sameBook && change !== undefined && Math.abs(change) < NOISE) {
        unchanged++;
        continue;
      }
      const book = sameBook
        ? shortBook(row)
        : `${old ? shortBook(old) : "none"} → **${shortBook(row)}**`;
      const mainFigure = main.get(key);
      slotLines.push(
        `| ${m.name}, ${number(row.orders)} class, ${row.shape}, ${certsOf(row)} | ${book} | ` +
          `${mainFigure ? number(mainFigure.gas) : ""} | ${before === undefined ? "" : number(before)} | ` +
          `${number(gas)} | ${change === undefined ? "new" : signed(change)} |`,
      );
    }
  }
  lines.push(
    "",
    `Slots: the figures whose book changed (in bold, now) or that moved by ${percent(NOISE)} or more;`,
    `${unchanged} other slot figures (same book) are within ${percent(NOISE)} of the paged table.`,
    "Before liveness: the same key on `main` (its 1,000-order books were 999 + 1 and 500 + 500 too).",
    "",
    "| Figure | Book | Before liveness | Paged | Now | Change vs paged |",
    "| --- | --- | ---: | ---: | ---: | ---: |",
    ...slotLines,
    ...WHY,
  );
  return lines;
}

/** Why the figures moved (reasons checked against the contracts' diff and the figures above). */
const WHY = [
  "",
  "Why, since the paged table:",
  "",
  "- Slots of the 1,000 class: the per-side cap halves the crowds (999 or 996 → 500), so clearing a",
  "  crowd and settling a seller crowd cost about half (clear scales with the orders; settle with the",
  "  sell orders). The costliest clear is now both sides full, 500 + 500 (11,018,417, unchanged: that book",
  "  was possible before too); the costliest settle, 6.79M, is a full side of 500 sells (500 + 1 and",
  "  500 + 500 settle the same), down from 13.59M (999 sells). Clear and settle now keep a margin of",
  "  34 % or more at the largest cap, where the 999-sell settle kept 19 %.",
  "- Certificate pages: unchanged (within 20 gas: one more function in the certificates' dispatch). A",
  "  page's cost depends on its length and its orders, not on the book's size, so the costliest pages",
  "  are the same, the largest pages found are the same (206 sells; 426 buys with 1 pool, 122 with 4) and",
  "  so are the recommended ones (200 / 420 / 120). A full side of 500 now takes 3 certifySellers pages",
  "  (was 5 for 999) and 2 claim pages of 420 or 5 of 120 (was 3 or 9).",
  "- First order of a reused traded ring position with certificates bound: +2.1k. The market calls",
  "  `holdsRingPosition`, which also reads the certificates' bound market (`msg.sender == _market`: one",
  "  cold storage slot) before the certification progress `isSlotCertified` read alone. That check keeps",
  "  a market the certificates are not bound to from ever being blocked by them.",
  "- First order of a slot: +54, the fourth parameter (minBuyPricePerWh) read and packed into the book.",
  "- Later orders: −95 (buy) and −154 (sell): the per-slot count check (buys + sells against",
  "  maxOrdersPerSlot) is gone; the per-side check compares one count with an immutable; a buy also",
  "  checks its limit against the book's minimum price (already in memory). Every order locks something",
  "  now, so the account update is unconditional (it was skipped only for a zero lock).",
  "- Full side (new rows): the pass over 500 order words (one cold read each, 2.1k) is about 1.05M of the",
  "  1.25M to 1.28M; evicting adds the refund to the evicted owner's account (a cold word) and the event",
  "  (about 10k more than reusing a cancelled index); a sell also reads its meter from the registry. 92 %",
  "  margin under the cap; with 500 a side they grow linearly with the per-side cap, which cannot exceed",
  "  500 (MAX_ORDERS_PER_SLOT = 1,000).",
  "- Cancels, deposits, withdrawals, settle per sell order: ±25 gas with no change to their code: a",
  "  different layout of the contract (dispatch, shared internal functions) after the changes above.",
  "",
  "Why, since before liveness (the `main` table, unchanged reasons):",
  "",
  "- Certificate pages per meter and per buy order: the hook was handed the fills in memory; a page",
  "  reads its orders back from the market (`sellLotsOf` / `buyFillsOf`) and each selling meter's record",
  "  from the registry: 4.6k to 11.3k more per order; in exchange no book can make a slot's certificates",
  "  undeliverable, and settle carries none of them.",
  "- Clear of a seller crowd: every filled sell word carries its meter's fills (`priorFillWh`,",
  "  `meterFillWh`), summed per meter in transient storage, about 1.7k more per order; settle gives back",
  "  about 0.5k per sell order.",
  "- First order of a slot: the market reads the bound certificates' address (about 2.1k) whether or",
  "  not one is bound; on a reused traded ring position it also calls the certificates (now",
  "  `holdsRingPosition`, about 10k in all). Such a position is free only once the old slot is",
  "  certified; until then the first order reverts with `MarketRingSlotBusy`.",
  "- Request-path issuance (`issue`, `issueBatch`): it asks the market for the slot's settled trade",
  "  (`settledTrade`), to refuse a traded slot whose sellers are not certified yet.",
  "- Retirement: unchanged code, a longer function dispatch; it misses its 35,000 target by 32 to 44 gas.",
  "",
  "Removed then: the settlement hook rows (certificates inside `settle`: 138,402 for 1 meter and 1",
  "buyer, 93,184 per sell order for a 100-order slot) and the cap of 160 orders with a hook.",
];
