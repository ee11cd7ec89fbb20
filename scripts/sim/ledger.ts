/**
 * The ledger checks of a run: the numbers add up. Energy (traded = settled + shortfall, buy fills = sell
 * fills), our settlement model against the market's, money in = money out, certificates once per recorded
 * renewable export (certificateChecks.ts for the pages), and the twin's energy balance.
 */
import type { LedgerCheck, SlotReport } from "../report/model.js";
import { certificateChecks } from "./certificateChecks.js";
import type { MoneyModel } from "./slotMoney.js";
import type { AccountingInput, SlotRuntime } from "./state.js";
import { check, sumBig } from "./sums.js";

const fillsOf = (s: SlotRuntime, side: "buy" | "sell") =>
  sumBig(
    s.orders.filter((o) => o.side === side),
    (o) => o.fillWh,
  );

const slotList = (slots: readonly SlotRuntime[]) => slots.map((s) => s.index).join(", ");

/** Traded slots settled, and each slot's energy and fills conserved. */
function energyChecks(traded: readonly SlotRuntime[]): LedgerCheck[] {
  const unsettled = traded.filter((s) => !s.settled);
  const badEnergy = traded.filter(
    (s) => s.settled && s.settled.deliveredWh + s.settled.shortfallWh !== s.cleared!.quantityWh,
  );
  const badFills = traded.filter(
    (s) =>
      fillsOf(s, "buy") !== s.cleared!.quantityWh || fillsOf(s, "sell") !== s.cleared!.quantityWh,
  );
  return [
    check(
      "every traded slot settled",
      unsettled.length === 0,
      `${traded.length} traded, ${unsettled.length} unsettled`,
    ),
    check(
      "traded Wh = settled Wh + shortfall Wh (each slot)",
      badEnergy.length === 0,
      `traded ${sumBig(traded, (s) => s.cleared!.quantityWh)} Wh = settled ${sumBig(traded, (s) => s.settled?.deliveredWh ?? 0n)} + shortfall ${sumBig(traded, (s) => s.settled?.shortfallWh ?? 0n)}${badEnergy.length ? `; off in slots ${slotList(badEnergy)}` : ""}`,
    ),
    check(
      "buy fills = sell fills = traded Wh (each slot)",
      badFills.length === 0,
      badFills.length ? `off in slots ${slotList(badFills)}` : `${traded.length} slots`,
    ),
  ];
}

/** Our settlement model (fills against recorded readings) against the market's SlotSettled totals. */
function settlementCheck(traded: readonly SlotRuntime[], money: MoneyModel): LedgerCheck {
  const modelOff = traded.filter((s) => {
    const m = money.modelSettled[s.index]!;
    return (
      !s.settled ||
      m.deliveredWh !== s.settled.deliveredWh ||
      m.shortfallWh !== s.settled.shortfallWh ||
      m.penalties !== s.settled.penalties
    );
  });
  return check(
    "settlement matches the meters' readings (delivered, shortfall, penalties)",
    modelOff.length === 0,
    modelOff.length
      ? `differs in slots ${slotList(modelOff)}`
      : "recomputed from fills and recorded readings",
  );
}

/** Payments, the operator's gain and each household's balance, by the slot reports and the money model. */
function paymentChecks(
  input: AccountingInput,
  traded: readonly SlotRuntime[],
  slotReports: readonly SlotReport[],
  money: MoneyModel,
): LedgerCheck[] {
  const { households, totals } = input;
  const paid = sumBig(slotReports, (s) => s.buyerPayments);
  const proceeds = sumBig(slotReports, (s) => s.sellerProceeds);
  const shortfallPay = sumBig(traded, (s) => s.cleared!.price * (s.settled?.shortfallWh ?? 0n));
  const penalties = sumBig(slotReports, (s) => s.penalties);
  const operatorGain = totals.operatorBalanceAfter - totals.operatorBalanceBefore;
  const badHouseholds = households.filter((h) => {
    const fs = money.flows.get(h.index)!;
    const expected =
      h.balanceBefore +
      h.depositBase -
      sumBig(fs, (f) => f.paid) +
      sumBig(fs, (f) => f.proceeds) -
      sumBig(fs, (f) => f.penalty);
    return expected !== h.balanceAfter;
  });
  return [
    check(
      "buyers' payments = sellers' proceeds + grid operator's shortfall payments",
      paid === proceeds + shortfallPay,
      `${paid} = ${proceeds} + ${shortfallPay} base units`,
    ),
    check(
      "grid operator's account gained shortfall payments + penalties",
      operatorGain === shortfallPay + penalties,
      `${operatorGain} = ${shortfallPay} + ${penalties} base units`,
    ),
    check(
      "each household's market balance = deposit - payments + proceeds - penalties",
      badHouseholds.length === 0,
      badHouseholds.length
        ? `off for households ${badHouseholds.map((h) => h.index).join(", ")}`
        : `${households.length} households`,
    ),
  ];
}

/** Tokens: what was deposited is what the market holds, all of it in balances and escrow. */
function tokenChecks(input: AccountingInput): LedgerCheck[] {
  const { households, totals } = input;
  const operatorGain = totals.operatorBalanceAfter - totals.operatorBalanceBefore;
  const internalDelta =
    sumBig(households, (h) => h.balanceAfter - h.balanceBefore) +
    operatorGain +
    (totals.escrowAfter - totals.escrowBefore);
  const tokenDelta = totals.marketTokenAfter - totals.marketTokenBefore;
  return [
    check(
      "money in = money out: tokens deposited = market's token balance change",
      tokenDelta === totals.depositsBase,
      `${tokenDelta} = ${totals.depositsBase} base units`,
    ),
    check(
      "internal balances + escrow = market's token balance (change)",
      internalDelta === tokenDelta,
      `${internalDelta} = ${tokenDelta} base units`,
    ),
    check(
      "escrow back to its level before the run",
      totals.escrowAfter === totals.escrowBefore,
      `${totals.escrowBefore} -> ${totals.escrowAfter}`,
    ),
  ];
}

/** Certificates issued, bundled and delivered over the run (the pages themselves: certificateChecks.ts). */
export function certificateSupply(input: AccountingInput) {
  const renewable = new Set(
    input.households.filter((h) => h.canSell).map((h) => h.meter.address.toLowerCase()),
  );
  let exportedRenewable = 0n;
  let issued = 0n;
  let bundled = 0n;
  let deliveredRenewable = 0n;
  for (const slot of input.slots) {
    for (const [meter, r] of slot.recorded)
      if (renewable.has(meter) && !slot.notIssued.has(meter))
        exportedRenewable += BigInt(r.exportedWh);
    for (const c of slot.issued.values()) {
      issued += c.amountWh;
      bundled += c.toBuyersWh;
    }
    deliveredRenewable += slot.settled?.deliveredWh ?? 0n;
  }
  return { exportedRenewable, issued, bundled, deliveredRenewable };
}

function supplyChecks(input: AccountingInput): LedgerCheck[] {
  const { exportedRenewable, issued, bundled, deliveredRenewable } = certificateSupply(input);
  return [
    check(
      "certificates issued = recorded renewable export",
      issued === exportedRenewable,
      `${issued} = ${exportedRenewable} Wh`,
    ),
    check(
      "certificates bundled to buyers <= delivered Wh",
      bundled <= deliveredRenewable,
      `${bundled} <= ${deliveredRenewable} Wh`,
    ),
  ];
}

/** Physics: the twin's energy balance per household and slot. */
function twinBalanceCheck(input: AccountingInput): LedgerCheck {
  let worst = 0;
  for (const h of input.households) {
    for (const a of h.series.actual) {
      worst = Math.max(
        worst,
        Math.abs(a.pvWh + a.importWh + a.dischargedWh - a.loadWh - a.exportWh - a.chargedWh),
      );
    }
  }
  return check(
    "twin energy balance per household and slot",
    worst < 1e-6,
    `largest error ${worst.toExponential(1)} Wh`,
  );
}

/** Every ledger check of the run, in the report's order. */
export function ledgerChecks(
  input: AccountingInput,
  money: MoneyModel,
  slotReports: readonly SlotReport[],
): LedgerCheck[] {
  const traded = input.slots.filter((s) => (s.cleared?.quantityWh ?? 0n) > 0n);
  return [
    ...energyChecks(traded),
    settlementCheck(traded, money),
    ...paymentChecks(input, traded, slotReports, money),
    ...tokenChecks(input),
    ...supplyChecks(input),
    ...certificateChecks(input),
    twinBalanceCheck(input),
  ];
}
