/**
 * The certificate ledger checks: each traded slot's pages against our model of them (pools, per-buy-order
 * shares, remainders, scripts/lib/certification.ts) and each household's certificates against its share.
 */
import { modelCertification, type CertificationModel } from "../lib/certification.js";
import type { LedgerCheck } from "../report/model.js";
import type { AccountingInput, HouseholdRuntime, SlotRuntime } from "./state.js";
import { check, sumBig, total } from "./sums.js";

/** Order index within its side of the slot (the low 32 bits of the market's order id). */
const orderIndex = (id: bigint) => id & 0xffff_ffffn;

/** Our model of each traded slot's certificate pages (see modelCertification), by twin slot index. */
export function modelSlotCertificates(input: AccountingInput): Map<number, CertificationModel> {
  const byIndex = new Map(input.households.map((h) => [h.index, h]));
  const models = new Map<number, CertificationModel>();
  for (const slot of input.slots) {
    const clearedWh = slot.cleared?.quantityWh ?? 0n;
    if (clearedWh === 0n || !slot.settled) continue;
    const sorted = [...slot.orders].sort((a, b) =>
      orderIndex(a.id) < orderIndex(b.id) ? -1 : orderIndex(a.id) > orderIndex(b.id) ? 1 : 0,
    );
    const sells = sorted
      .filter((o) => o.side === "sell")
      .map((o) => ({
        meter: byIndex.get(o.household)!.meter.address.toLowerCase(),
        fillWh: o.fillWh,
      }));
    const buys = sorted
      .filter((o) => o.side === "buy")
      .map((o) => ({
        buyer: byIndex.get(o.household)!.account.address.toLowerCase(),
        fillWh: o.fillWh,
      }));
    const sellers = new Set(
      input.households.filter((h) => h.canSell).map((h) => h.meter.address.toLowerCase()),
    );
    models.set(
      slot.index,
      modelCertification(clearedWh, sells, buys, (meter) => {
        const reading = slot.recorded.get(meter);
        if (!sellers.has(meter) || !reading || slot.notIssued.has(meter)) return undefined;
        return { source: SOLAR, exportedWh: BigInt(reading.exportedWh) };
      }),
    );
  }
  return models;
}

const SOLAR = 1;

const same = (a: Map<string, bigint>, b: Map<string, bigint>) =>
  a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);

/**
 * One slot's pool accounted for from its events alone: the part of the pool no buyer got (the rounding
 * rest) goes back up to the remainder meter's own delivery, the contract's cap (a (meter, slot) is never
 * issued above its export, EnergyCertificates._returnRemainders), so pool = claimed + returned + the rest
 * above that cap, which stays unissued. With hundreds of buy orders the rest (under 1 Wh per buy order)
 * can exceed the largest delivery of a slot of small sellers. The simulation's meters are all solar: one
 * vintage per slot.
 */
export function poolAccount(slot: Pick<SlotRuntime, "issued" | "claimed" | "returned">) {
  const deliveries = [...slot.issued.values()].map((c) => c.toBuyersWh);
  const pool = sumBig(deliveries, (wh) => wh);
  const largest = deliveries.reduce((a, wh) => (wh > a ? wh : a), 0n);
  const claimed = total(slot.claimed);
  const returned = total(slot.returned);
  const rest = pool - claimed;
  const aboveCapWh = rest > largest ? rest - largest : 0n;
  const ok = claimed <= pool && returned === rest - aboveCapWh;
  return { pool, claimed, returned, aboveCapWh, ok };
}

/** One traded slot's pages against the model: pools, claims and remainders, and its pool accounted for. */
function compareSlot(slot: SlotRuntime, model: CertificationModel) {
  const chainPool = new Map(
    [...slot.issued].filter(([, c]) => c.toBuyersWh > 0n).map(([m, c]) => [m, c.toBuyersWh]),
  );
  const modelPool = new Map([...model.toBuyersWh].filter(([, wh]) => wh > 0n));
  const poolOff =
    chainPool.size !== modelPool.size || [...modelPool].some(([m, wh]) => chainPool.get(m) !== wh);
  const modelClaims = new Map(
    [...model.claimsByBuyer].map(([b, bySource]) => [
      b,
      [...bySource.values()].reduce((a, x) => a + x, 0n),
    ]),
  );
  const modelReturned = new Map<string, bigint>();
  for (const v of model.vintages.values())
    if (v.returnedWh > 0n && v.remainderMeter)
      modelReturned.set(
        v.remainderMeter,
        (modelReturned.get(v.remainderMeter) ?? 0n) + v.returnedWh,
      );
  const claimsOff = !same(modelClaims, slot.claimed) || !same(modelReturned, slot.returned);
  const { ok, ...account } = poolAccount(slot);
  return { poolOff, claimsOff, lost: !ok, ...account };
}

/**
 * The households whose certificates differ from their share: the unsold export of their meter, their
 * buy orders' shares, their remainders.
 */
function holdersOff(
  input: AccountingInput,
  models: Map<number, CertificationModel>,
): HouseholdRuntime[] {
  const { slots, households } = input;
  const expected = new Map(households.map((h) => [h.index, 0n]));
  for (const slot of slots) {
    const model = models.get(slot.index);
    for (const h of households) {
      const meter = h.meter.address.toLowerCase();
      const account = h.account.address.toLowerCase();
      let wh = 0n;
      const issued = slot.issued.get(meter);
      if (issued) wh += issued.amountWh - (model?.toBuyersWh.get(meter) ?? 0n);
      for (const bySource of model?.claimsByBuyer.get(account)?.values() ?? []) wh += bySource;
      for (const v of model?.vintages.values() ?? [])
        if (v.remainderMeter === meter) wh += v.returnedWh;
      expected.set(h.index, expected.get(h.index)! + wh);
    }
  }
  return households.filter((h) => BigInt(h.certificatesReceivedWh) !== expected.get(h.index));
}

/** The certificate pages against our model: pools, per-buy-order shares, remainders, each holder's total. */
export function certificateChecks(input: AccountingInput): LedgerCheck[] {
  const { slots, households } = input;
  const models = modelSlotCertificates(input);
  const traded = slots.filter((s) => (s.cleared?.quantityWh ?? 0n) > 0n && s.settled);
  const undelivered = traded.filter((s) => !s.sellersCertified || !s.buyersClaimed);
  const compared = traded.map((slot) => ({
    index: slot.index,
    ...compareSlot(slot, models.get(slot.index)!),
  }));
  const where = (off: (c: (typeof compared)[number]) => boolean) =>
    compared.filter(off).map((c) => c.index);
  const poolsOff = where((c) => c.poolOff);
  const claimsOff = where((c) => c.claimsOff);
  const lost = where((c) => c.lost);
  const pools = sumBig(compared, (c) => c.pool);
  const claimed = sumBig(compared, (c) => c.claimed);
  const returned = sumBig(compared, (c) => c.returned);
  const aboveCap = sumBig(compared, (c) => c.aboveCapWh);
  const capped = where((c) => c.aboveCapWh > 0n);
  const list = (xs: number[]) => xs.join(", ");
  const offHolders = holdersOff(input, models);
  return [
    check(
      "every traded slot's certificates delivered (sellers certified, buyers claimed)",
      undelivered.length === 0,
      `${traded.length} traded, ${undelivered.length} not delivered${undelivered.length ? ` (slots ${list(undelivered.map((s) => s.index))})` : ""}`,
    ),
    check(
      "pools = min(export, fills) of each certified selling meter",
      poolsOff.length === 0,
      poolsOff.length ? `differs in slots ${list(poolsOff)}` : `${pools} Wh in the buyers' pools`,
    ),
    check(
      "claims = floor(pool x fill / Q) per buy order, remainder to the largest seller",
      claimsOff.length === 0,
      claimsOff.length
        ? `differs in slots ${list(claimsOff)}`
        : `${claimed} Wh claimed, ${returned} Wh returned`,
    ),
    check(
      "pools = claimed + returned + the rest above the remainder meter's delivery (each slot)",
      lost.length === 0,
      `${pools} = ${claimed} + ${returned} + ${aboveCap} Wh` +
        (capped.length ? ` (unissued above the cap in slots ${list(capped)})` : "") +
        (lost.length ? `; off in slots ${list(lost)}` : ""),
    ),
    check(
      "each household's certificates = unsold export + its claims + its remainders",
      offHolders.length === 0,
      offHolders.length
        ? `off for households ${offHolders.map((h) => h.index).join(", ")}`
        : `${households.length} households`,
    ),
  ];
}
