// The auditor's rules for a traded slot's certificate pages: each filled sell order's meter put
// min(export, its fills) into its vintage's pool, each buy order got floor(pool x fill / Q), and once the
// claims are done the pool is all claimed or returned. A slot whose pages are not all done is reported as
// "not yet certified" or "not yet claimed", never as a violation.
import { modelCertification } from "../lib/certification.js";
import { RENEWABLE_SOURCES } from "./abi.js";
import { key, type AuditData, type EventRef, type TradedSlot, type Violation } from "./types.js";

export type CertificationStatus = "claimed" | "not yet claimed" | "not yet certified";

/** What the auditor knows of one traded slot's certificates. */
export interface SlotCertificates {
  traded: TradedSlot;
  status: CertificationStatus;
  /** Whether the slot's first certifySellers page is in the range, so that all its issuances are too. */
  complete: boolean;
  poolWh: bigint;
  claimedWh: bigint;
  returnedWh: bigint;
}

const sum = <T>(xs: readonly T[], f: (x: T) => bigint) => xs.reduce((a, x) => a + f(x), 0n);

export function certificatesOf(d: AuditData): SlotCertificates[] {
  return d.traded.map((traded) => {
    const s = traded.slot;
    const pages = d.pages.filter((p) => p.slot === s);
    return {
      traded,
      status: traded.buyersDone
        ? "claimed"
        : traded.sellersDone
          ? "not yet claimed"
          : "not yet certified",
      complete: pages.some((p) => p.pass === "sellers" && p.fromIndex === 0n),
      poolWh: sum(
        d.issuances.filter((i) => i.slot === s),
        (i) => i.toBuyersWh,
      ),
      claimedWh: sum(
        d.claims.filter((c) => c.slot === s),
        (c) => c.amountWh,
      ),
      returnedWh: sum(
        d.returns.filter((r) => r.slot === s),
        (r) => r.amountWh,
      ),
    };
  });
}

function at(rule: string, message: string, e: EventRef | undefined, extra: Partial<Violation>) {
  return { rule, message, tx: e?.tx ?? "-", ...extra };
}

/** Pools: every filled seller certified (issued, withheld or skipped), with min(export, fills) to buyers. */
export function checkPools(d: AuditData, slots: SlotCertificates[]): Violation[] {
  const found: Violation[] = [];
  for (const c of slots) {
    const { traded } = c;
    const s = traded.slot;
    const where = { slot: String(s) };
    const issued = d.issuances.filter((i) => i.slot === s);
    // A meter that sold nothing may only be issued to its owner: nothing of it goes to buyers.
    const sellers = new Set(traded.orders?.sells.map((x) => x.meter) ?? []);
    for (const i of issued)
      if (traded.orders && i.toBuyersWh > 0n && !sellers.has(i.meter))
        found.push(
          at("pool", `${i.toBuyersWh} Wh to buyers from a meter that sold nothing`, i, {
            meter: i.meter,
            ...where,
          }),
        );
    if (!c.complete || !traded.orders || !traded.sellersDone) continue;
    const model = modelCertification(traded.orders.clearedWh, traded.orders.sells, [], (meter) => {
      const i = issued.find((x) => x.meter === meter);
      return i && { source: i.source, exportedWh: i.amountWh };
    });
    for (const meter of sellers) {
      const i = issued.find((x) => x.meter === meter);
      if (!i) {
        const closed =
          d.withholdings.some((w) => w.meter === meter && w.slot === s) ||
          d.skips.some((k) => k.meter === meter && k.slot === s);
        const info = d.meters.get(meter);
        const reading = d.readings.get(key(meter, s));
        if (!closed && info && RENEWABLE_SOURCES.has(info.source) && reading?.recorded)
          found.push(
            at(
              "pool",
              "renewable meter sold in the slot, its sellers are certified, but it was neither issued nor withheld",
              d.pages.find((p) => p.slot === s && p.pass === "sellers" && p.done),
              { meter, ...where },
            ),
          );
        continue;
      }
      const due = model.toBuyersWh.get(meter) ?? 0n;
      if (i.toBuyersWh !== due)
        found.push(
          at(
            "pool",
            `sold ${traded.orders.sells.filter((x) => x.meter === meter).reduce((a, x) => a + x.fillWh, 0n)} Wh of ${i.amountWh} Wh exported: ${due} Wh due to buyers, ${i.toBuyersWh} Wh put in the pool`,
            i,
            { meter, ...where },
          ),
        );
    }
  }
  return found;
}

/** Claims: never more than the pool; once done, floor(pool x fill / Q) per buy order and the rest returned. */
export function checkClaims(d: AuditData, slots: SlotCertificates[]): Violation[] {
  const found: Violation[] = [];
  for (const c of slots) {
    if (!c.complete) continue;
    const s = c.traded.slot;
    const where = { slot: String(s) };
    const issued = d.issuances.filter((i) => i.slot === s);
    const claims = d.claims.filter((x) => x.slot === s);
    const returns = d.returns.filter((x) => x.slot === s);
    const lastPage = d.pages.filter((p) => p.slot === s).at(-1);
    for (const id of new Set([...issued, ...claims, ...returns].map((x) => x.id))) {
      const pool = sum(
        issued.filter((i) => i.id === id),
        (i) => i.toBuyersWh,
      );
      const claimed = sum(
        claims.filter((x) => x.id === id),
        (x) => x.amountWh,
      );
      const returned = sum(
        returns.filter((x) => x.id === id),
        (x) => x.amountWh,
      );
      const largest = issued
        .filter((i) => i.id === id)
        .reduce((a, i) => (i.toBuyersWh > a ? i.toBuyersWh : a), 0n);
      if (claimed + returned > pool)
        found.push(
          at(
            "claim",
            `id ${id}: claimed ${claimed} + returned ${returned} Wh > pool ${pool} Wh`,
            lastPage,
            { ...where, id: String(id) },
          ),
        );
      else if (c.traded.buyersDone && claimed + returned < pool && returned < largest)
        found.push(
          at(
            "claim",
            `id ${id}: claims done but ${pool - claimed - returned} Wh of the pool neither claimed nor returned`,
            lastPage,
            { ...where, id: String(id) },
          ),
        );
    }
    const orders = c.traded.orders;
    if (!c.traded.buyersDone || !orders) continue;
    const model = modelCertification(orders.clearedWh, orders.sells, orders.buys, (meter) => {
      const i = issued.find((x) => x.meter === meter);
      return i && { source: i.source, exportedWh: i.amountWh };
    });
    const idOf = (source: number) => (s << 8n) | BigInt(source);
    const expected = new Map<string, bigint>();
    for (const [buyer, bySource] of model.claimsByBuyer)
      for (const [source, wh] of bySource) expected.set(`${buyer}|${idOf(source)}`, wh);
    const got = new Map<string, bigint>();
    for (const x of claims)
      got.set(`${x.buyer}|${x.id}`, (got.get(`${x.buyer}|${x.id}`) ?? 0n) + x.amountWh);
    for (const k of new Set([...expected.keys(), ...got.keys()])) {
      const [, id] = k.split("|");
      if ((expected.get(k) ?? 0n) !== (got.get(k) ?? 0n))
        found.push(
          at(
            "claim",
            `id ${id}: buyer's orders are due ${expected.get(k) ?? 0n} Wh (floor(pool x fill / Q) each), claimed ${got.get(k) ?? 0n} Wh`,
            claims.find((x) => `${x.buyer}|${x.id}` === k) ?? lastPage,
            { ...where, id },
          ),
        );
    }
    for (const v of model.vintages.values()) {
      const id = idOf(v.source);
      const r = returns.filter((x) => x.id === id);
      const ok =
        sum(r, (x) => x.amountWh) === v.returnedWh && r.every((x) => x.meter === v.remainderMeter);
      if (!ok)
        found.push(
          at(
            "claim",
            `id ${id}: ${v.returnedWh} Wh of rounding due back to the owner of ${v.remainderMeter ?? "-"} (largest delivery), returned ${r.map((x) => `${x.amountWh} Wh to ${x.meter}`).join(", ") || "nothing"}`,
            r[0] ?? lastPage,
            { ...where, id: String(id) },
          ),
        );
    }
  }
  return found;
}
