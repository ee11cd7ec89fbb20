/**
 * From what happened on chain and in the twin to the report, and the checks that the numbers add up:
 * money in equals money out, traded Wh equal settled plus shortfall, our model of settlement agrees with
 * the market's, every recorded renewable export carries its certificates once, and each injected fault
 * shows where it should.
 */
import { baseToCurrency } from "../lib/units.js";
import { communitySelfSufficiency } from "../report/figures.js";
import { modelCertification, type CertificationModel } from "../lib/certification.js";
import type { Chain } from "../lib/chain.js";
import type { Suite } from "../lib/deployment.js";
import type {
  FaultObservation,
  HouseholdReport,
  LedgerCheck,
  RoleStats,
  SimulationReport,
  SlotMoney,
  SlotReport,
} from "../report/model.js";
import type { Scenario } from "../scenario/schema.js";
import type { TwinResult } from "../twin/community.js";
import { householdStrategies } from "../scenario/households.js";
import { householdSlotSeries } from "./series.js";
import type { HouseholdRuntime, RunTotals, SlotRuntime } from "./state.js";
import type { Role, RoleTally } from "./transactions.js";

export interface AccountingInput {
  scenario: Scenario;
  chain: Chain;
  suite: Suite;
  twin: TwinResult;
  households: HouseholdRuntime[];
  slots: SlotRuntime[];
  totals: RunTotals;
  market: { penaltyPerWh: bigint; collateralPerWh: bigint };
  /** The deployed registry's reading window, seconds. */
  readingWindowSeconds: number;
  roles: Map<Role, RoleTally>;
  actions: Map<string, RoleTally & { maxGas: bigint }>;
  transactions: number;
  wallSeconds: number;
  phases: Record<string, number>;
  startedAt: string;
  maxOrdersPerSlot: number;
}

/** Settlement of one filled sell order as the market computes it (see EnergyMarket._settleSellOrder). */
export interface SellSettlement {
  deliveredWh: bigint;
  shortfallWh: bigint;
  penalty: bigint;
}

export function settleSell(
  fillWh: bigint,
  unassignedExportWh: bigint,
  penaltyPerWh: bigint,
  collateralPerWh: bigint,
): SellSettlement {
  const deliveredWh = fillWh < unassignedExportWh ? fillWh : unassignedExportWh;
  const shortfallWh = fillWh - deliveredWh;
  const uncapped = shortfallWh * penaltyPerWh;
  const collateral = fillWh * collateralPerWh;
  return { deliveredWh, shortfallWh, penalty: uncapped > collateral ? collateral : uncapped };
}

function hhmm(hour: number): string {
  const minutes = Math.round(hour * 60) % (24 * 60);
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

function sum<T>(items: readonly T[], f: (x: T) => number): number {
  return items.reduce((a, x) => a + f(x), 0);
}

function sumBig<T>(items: readonly T[], f: (x: T) => bigint): bigint {
  return items.reduce((a, x) => a + f(x), 0n);
}

function check(name: string, ok: boolean, detail: string): LedgerCheck {
  return { name, ok, detail };
}

const ROLE_ORDER: Role[] = [
  "deployer",
  "grid operator",
  "household",
  "data hub",
  "keeper",
  "regulator",
];

export function buildReport(input: AccountingInput): SimulationReport {
  const { scenario, twin, households, slots, totals, market } = input;
  const retail = scenario.tariffs.retailPerWh;
  const feedIn = scenario.tariffs.feedInPerWh;
  const byIndex = new Map(households.map((h) => [h.index, h]));

  // Per household and slot: market energy and money, as the market settles it.
  type Flow = SlotMoney;
  const flows = new Map<number, Flow[]>(
    households.map((h) => [
      h.index,
      slots.map(() => ({
        boughtWh: 0n,
        soldWh: 0n,
        deliveredWh: 0n,
        shortfallWh: 0n,
        paid: 0n,
        proceeds: 0n,
        penalty: 0n,
      })),
    ]),
  );
  const modelSettled = slots.map(() => ({ deliveredWh: 0n, shortfallWh: 0n, penalties: 0n }));
  for (const slot of slots) {
    const price = slot.cleared?.price ?? 0n;
    const assigned = new Map<string, bigint>();
    // The market settles sell orders in ascending order index, i.e. in the order they were placed.
    for (const order of slot.orders) {
      if (order.fillWh === 0n) continue;
      const h = byIndex.get(order.household)!;
      const f = flows.get(order.household)![slot.index]!;
      if (order.side === "buy") {
        f.boughtWh += order.fillWh;
        f.paid += order.fillWh * price;
        continue;
      }
      const meter = h.meter.address.toLowerCase();
      const exported = BigInt(slot.recorded.get(meter)?.exportedWh ?? 0);
      const already = assigned.get(meter) ?? 0n;
      const s = settleSell(
        order.fillWh,
        exported - already,
        market.penaltyPerWh,
        market.collateralPerWh,
      );
      assigned.set(meter, already + s.deliveredWh);
      f.soldWh += order.fillWh;
      f.deliveredWh += s.deliveredWh;
      f.shortfallWh += s.shortfallWh;
      f.proceeds += s.deliveredWh * price;
      f.penalty += s.penalty;
      modelSettled[slot.index]!.deliveredWh += s.deliveredWh;
      modelSettled[slot.index]!.shortfallWh += s.shortfallWh;
      modelSettled[slot.index]!.penalties += s.penalty;
    }
  }

  // ----- slots -----
  const slotReports: SlotReport[] = slots.map((slot) => {
    const j = slot.index;
    let gen = 0;
    let load = 0;
    let imp = 0;
    let exp = 0;
    let imbalance = 0;
    for (const h of households) {
      const a = h.series.actual[j]!;
      const r = h.series.readings[j]!;
      gen += a.pvWh;
      load += a.loadWh;
      imp += r.importedWh;
      exp += r.exportedWh;
      // Imbalance: metered net position against the forecast the household bid on.
      const forecast = h.series.forecast[j]!;
      imbalance += Math.abs(r.exportedWh - r.importedWh - (forecast.exportWh - forecast.importWh));
    }
    const traded = Number(slot.cleared?.quantityWh ?? 0n);
    const settled = slot.settled;
    const price = slot.cleared && slot.cleared.quantityWh > 0n ? slot.cleared.price : null;
    return {
      index: j,
      chainSlot: slot.chainSlot,
      localTime: hhmm(
        (((twin.localHours[j]! - input.scenario.slotLengthSeconds / 7200) % 24) + 24) % 24,
      ),
      clearingPricePerWh: price,
      buyOrders: slot.orders.filter((o) => o.side === "buy").length,
      sellOrders: slot.orders.filter((o) => o.side === "sell").length,
      tradedWh: traded,
      settledWh: Number(settled?.deliveredWh ?? 0n),
      shortfallWh: Number(settled?.shortfallWh ?? 0n),
      generationWh: Math.round(gen),
      consumptionWh: Math.round(load),
      gridImportWh: imp,
      gridExportWh: exp,
      imbalanceWh: Math.round(imbalance),
      penalties: settled?.penalties ?? 0n,
      buyerPayments: (price ?? 0n) * BigInt(traded),
      sellerProceeds: (price ?? 0n) * (settled?.deliveredWh ?? 0n),
      readingsRecorded: slot.recorded.size,
      readingsRejected: slot.rejected.size,
    };
  });

  // ----- households -----
  const strategies = householdStrategies(scenario);
  const householdReports: HouseholdReport[] = households.map((h) => {
    const fs = flows.get(h.index)!;
    let baseline = 0n;
    let actual = 0n;
    h.series.readings.forEach((r, j) => {
      const f = fs[j]!;
      const imp = BigInt(r.importedWh);
      const exp = BigInt(r.exportedWh);
      baseline += imp * retail - exp * feedIn;
      const residualImport = imp > f.boughtWh ? imp - f.boughtWh : 0n;
      const residualExport = exp > f.deliveredWh ? exp - f.deliveredWh : 0n;
      actual += f.paid - f.proceeds + f.penalty + residualImport * retail - residualExport * feedIn;
    });
    const spec = h.series.spec;
    const meter = h.meter.address.toLowerCase();
    return {
      index: h.index,
      name: spec.name,
      kind: spec.kind,
      account: h.account.address,
      meter: h.meter.address,
      pvPeakKw: spec.pvPeakW / 1000,
      batteryKwh: (spec.battery?.capacityWh ?? 0) / 1000,
      generationWh: Math.round(sum(h.series.actual, (a) => a.pvWh)),
      consumptionWh: Math.round(sum(h.series.actual, (a) => a.loadWh)),
      importWh: sum(h.series.readings, (r) => r.importedWh),
      exportWh: sum(h.series.readings, (r) => r.exportedWh),
      boughtWh: Number(sumBig(fs, (f) => f.boughtWh)),
      soldWh: Number(sumBig(fs, (f) => f.soldWh)),
      deliveredWh: Number(sumBig(fs, (f) => f.deliveredWh)),
      shortfallWh: Number(sumBig(fs, (f) => f.shortfallWh)),
      baselineCost: baseline,
      actualCost: actual,
      savings: baseline - actual,
      penaltiesPaid: sumBig(fs, (f) => f.penalty),
      certificatesReceivedWh: h.certificatesReceivedWh,
      readingsRejected: slots.filter((s) => s.rejected.has(meter)).length,
      strategy: strategies[h.index - 1]!.name,
      measured: spec.measured !== undefined,
    };
  });

  // ----- ledger checks -----
  const ledger: LedgerCheck[] = [];
  const tradedSlots = slots.filter((s) => (s.cleared?.quantityWh ?? 0n) > 0n);
  const unsettled = tradedSlots.filter((s) => !s.settled);
  ledger.push(
    check(
      "every traded slot settled",
      unsettled.length === 0,
      `${tradedSlots.length} traded, ${unsettled.length} unsettled`,
    ),
  );
  const badEnergy = tradedSlots.filter(
    (s) => s.settled && s.settled.deliveredWh + s.settled.shortfallWh !== s.cleared!.quantityWh,
  );
  ledger.push(
    check(
      "traded Wh = settled Wh + shortfall Wh (each slot)",
      badEnergy.length === 0,
      `traded ${sumBig(tradedSlots, (s) => s.cleared!.quantityWh)} Wh = settled ${sumBig(tradedSlots, (s) => s.settled?.deliveredWh ?? 0n)} + shortfall ${sumBig(tradedSlots, (s) => s.settled?.shortfallWh ?? 0n)}${badEnergy.length ? `; off in slots ${badEnergy.map((s) => s.index).join(", ")}` : ""}`,
    ),
  );
  const badFills = tradedSlots.filter((s) => {
    const buys = sumBig(
      s.orders.filter((o) => o.side === "buy"),
      (o) => o.fillWh,
    );
    const sells = sumBig(
      s.orders.filter((o) => o.side === "sell"),
      (o) => o.fillWh,
    );
    return buys !== s.cleared!.quantityWh || sells !== s.cleared!.quantityWh;
  });
  ledger.push(
    check(
      "buy fills = sell fills = traded Wh (each slot)",
      badFills.length === 0,
      badFills.length
        ? `off in slots ${badFills.map((s) => s.index).join(", ")}`
        : `${tradedSlots.length} slots`,
    ),
  );
  const modelOff = tradedSlots.filter((s) => {
    const m = modelSettled[s.index]!;
    return (
      !s.settled ||
      m.deliveredWh !== s.settled.deliveredWh ||
      m.shortfallWh !== s.settled.shortfallWh ||
      m.penalties !== s.settled.penalties
    );
  });
  ledger.push(
    check(
      "settlement matches the meters' readings (delivered, shortfall, penalties)",
      modelOff.length === 0,
      modelOff.length
        ? `differs in slots ${modelOff.map((s) => s.index).join(", ")}`
        : "recomputed from fills and recorded readings",
    ),
  );
  const paid = sumBig(slotReports, (s) => s.buyerPayments);
  const proceeds = sumBig(slotReports, (s) => s.sellerProceeds);
  const shortfallPay = sumBig(
    tradedSlots,
    (s) => s.cleared!.price * (s.settled?.shortfallWh ?? 0n),
  );
  const penalties = sumBig(slotReports, (s) => s.penalties);
  ledger.push(
    check(
      "buyers' payments = sellers' proceeds + grid operator's shortfall payments",
      paid === proceeds + shortfallPay,
      `${paid} = ${proceeds} + ${shortfallPay} base units`,
    ),
  );
  const operatorGain = totals.operatorBalanceAfter - totals.operatorBalanceBefore;
  ledger.push(
    check(
      "grid operator's account gained shortfall payments + penalties",
      operatorGain === shortfallPay + penalties,
      `${operatorGain} = ${shortfallPay} + ${penalties} base units`,
    ),
  );
  const badHouseholds = households.filter((h) => {
    const fs = flows.get(h.index)!;
    const expected =
      h.balanceBefore +
      h.depositBase -
      sumBig(fs, (f) => f.paid) +
      sumBig(fs, (f) => f.proceeds) -
      sumBig(fs, (f) => f.penalty);
    return expected !== h.balanceAfter;
  });
  ledger.push(
    check(
      "each household's market balance = deposit - payments + proceeds - penalties",
      badHouseholds.length === 0,
      badHouseholds.length
        ? `off for households ${badHouseholds.map((h) => h.index).join(", ")}`
        : `${households.length} households`,
    ),
  );
  const internalDelta =
    sumBig(households, (h) => h.balanceAfter - h.balanceBefore) +
    operatorGain +
    (totals.escrowAfter - totals.escrowBefore);
  const tokenDelta = totals.marketTokenAfter - totals.marketTokenBefore;
  ledger.push(
    check(
      "money in = money out: tokens deposited = market's token balance change",
      tokenDelta === totals.depositsBase,
      `${tokenDelta} = ${totals.depositsBase} base units`,
    ),
  );
  ledger.push(
    check(
      "internal balances + escrow = market's token balance (change)",
      internalDelta === tokenDelta,
      `${internalDelta} = ${tokenDelta} base units`,
    ),
  );
  ledger.push(
    check(
      "escrow back to its level before the run",
      totals.escrowAfter === totals.escrowBefore,
      `${totals.escrowBefore} -> ${totals.escrowAfter}`,
    ),
  );

  // Certificates: every recorded renewable export, exactly once.
  const renewable = new Set(
    households.filter((h) => h.canSell).map((h) => h.meter.address.toLowerCase()),
  );
  let exportedRenewable = 0n;
  let issued = 0n;
  let bundled = 0n;
  let deliveredRenewable = 0n;
  for (const slot of slots) {
    for (const [meter, r] of slot.recorded)
      if (renewable.has(meter) && !slot.notIssued.has(meter))
        exportedRenewable += BigInt(r.exportedWh);
    for (const c of slot.issued.values()) {
      issued += c.amountWh;
      bundled += c.toBuyersWh;
    }
    deliveredRenewable += slot.settled?.deliveredWh ?? 0n;
  }
  ledger.push(
    check(
      "certificates issued = recorded renewable export",
      issued === exportedRenewable,
      `${issued} = ${exportedRenewable} Wh`,
    ),
  );
  ledger.push(
    check(
      "certificates bundled to buyers <= delivered Wh",
      bundled <= deliveredRenewable,
      `${bundled} <= ${deliveredRenewable} Wh`,
    ),
  );

  ledger.push(...certificateChecks(input));

  // Physics: energy balance of the twin.
  let worst = 0;
  for (const h of households) {
    for (const a of h.series.actual) {
      worst = Math.max(
        worst,
        Math.abs(a.pvWh + a.importWh + a.dischargedWh - a.loadWh - a.exportWh - a.chargedWh),
      );
    }
  }
  ledger.push(
    check(
      "twin energy balance per household and slot",
      worst < 1e-6,
      `largest error ${worst.toExponential(1)} Wh`,
    ),
  );

  // ----- faults -----
  const faults = observeFaults(input, flows);

  // ----- totals -----
  const totalImport = sum(slotReports, (s) => s.gridImportWh);
  const totalExport = sum(slotReports, (s) => s.gridExportWh);
  const consumption = sum(slotReports, (s) => s.consumptionWh);
  const roles: RoleStats[] = ROLE_ORDER.flatMap((role) => {
    const t = input.roles.get(role);
    return t ? [{ role, transactions: t.transactions, gasUsed: t.gasUsed }] : [];
  });
  const gasUsed = sumBig(roles, (r) => r.gasUsed);
  const transactions = sum(roles, (r) => r.transactions);
  return {
    run: {
      scenario: scenario.name,
      description: scenario.description,
      seed: scenario.seed,
      network: input.chain.networkName,
      chainId: input.chain.chainId,
      households: households.length,
      slots: slots.length,
      slotLengthSeconds: scenario.slotLengthSeconds,
      currency: scenario.tariffs.currency,
      retailPerWh: retail,
      feedInPerWh: feedIn,
      startedAt: input.startedAt,
      wallSeconds: input.wallSeconds,
      transactions,
      transactionsPerSecond: transactions / Math.max(input.wallSeconds, 1e-9),
      ordersRefusedAtCap: input.totals.ordersRefusedAtCap,
      maxOrdersPerSlot: input.maxOrdersPerSlot,
      phases: input.phases,
      contracts: { ...input.suite.addresses },
    },
    slots: slotReports,
    households: householdReports,
    roles,
    actions: [...input.actions].map(([action, t]) => ({
      action,
      transactions: t.transactions,
      gasUsed: t.gasUsed,
      maxGas: t.maxGas,
    })),
    certificates: {
      issuedWh: Number(issued),
      bundledWh: Number(bundled),
      claimedWh: Number(sumBig(slots, (s) => sumBig([...s.claimed.values()], (x) => x))),
      returnedWh: Number(sumBig(slots, (s) => sumBig([...s.returned.values()], (x) => x))),
      retiredWh: Number(totals.retiredWh),
    },
    faults,
    ledger,
    series: householdSlotSeries(
      input,
      flows,
      slotReports.map((s) => s.localTime),
    ),
    totals: {
      tradedWh: sum(slotReports, (s) => s.tradedWh),
      settledWh: sum(slotReports, (s) => s.settledWh),
      shortfallWh: sum(slotReports, (s) => s.shortfallWh),
      generationWh: sum(slotReports, (s) => s.generationWh),
      consumptionWh: consumption,
      gridImportWh: totalImport,
      gridExportWh: totalExport,
      selfSufficiency: communitySelfSufficiency(slotReports),
      savings: sumBig(householdReports, (h) => h.savings),
      penalties,
      gasUsed,
    },
  };
}

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

/** The certificate pages against our model: pools, per-buy-order shares, remainders, each holder's total. */
function certificateChecks(input: AccountingInput): LedgerCheck[] {
  const { slots, households } = input;
  const models = modelSlotCertificates(input);
  const traded = slots.filter((s) => (s.cleared?.quantityWh ?? 0n) > 0n && s.settled);
  const undelivered = traded.filter((s) => !s.sellersCertified || !s.buyersClaimed);
  const poolsOff: number[] = [];
  const claimsOff: number[] = [];
  const lost: number[] = [];
  let pools = 0n;
  let claimed = 0n;
  let returned = 0n;
  for (const slot of traded) {
    const model = models.get(slot.index)!;
    const chainPool = new Map(
      [...slot.issued].filter(([, c]) => c.toBuyersWh > 0n).map(([m, c]) => [m, c.toBuyersWh]),
    );
    const modelPool = new Map([...model.toBuyersWh].filter(([, wh]) => wh > 0n));
    if (
      chainPool.size !== modelPool.size ||
      [...modelPool].some(([m, wh]) => chainPool.get(m) !== wh)
    )
      poolsOff.push(slot.index);
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
    const same = (a: Map<string, bigint>, b: Map<string, bigint>) =>
      a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
    if (!same(modelClaims, slot.claimed) || !same(modelReturned, slot.returned))
      claimsOff.push(slot.index);
    const pool = sumBig([...chainPool.values()], (x) => x);
    const out =
      sumBig([...slot.claimed.values()], (x) => x) + sumBig([...slot.returned.values()], (x) => x);
    if (pool !== out) lost.push(slot.index);
    pools += pool;
    claimed += sumBig([...slot.claimed.values()], (x) => x);
    returned += sumBig([...slot.returned.values()], (x) => x);
  }
  const list = (xs: number[]) => xs.join(", ");
  // Each household's certificates: the unsold export of its meter, its buy orders' shares, its remainders.
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
  const holdersOff = households.filter(
    (h) => BigInt(h.certificatesReceivedWh) !== expected.get(h.index),
  );
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
      "pools = claimed + returned (each slot)",
      lost.length === 0,
      `${pools} = ${claimed} + ${returned} Wh${lost.length ? `; off in slots ${list(lost)}` : ""}`,
    ),
    check(
      "each household's certificates = unsold export + its claims + its remainders",
      holdersOff.length === 0,
      holdersOff.length
        ? `off for households ${holdersOff.map((h) => h.index).join(", ")}`
        : `${households.length} households`,
    ),
  ];
}

function window(f: { fromSlot: number; toSlot: number }, n: number): number[] {
  const out: number[] = [];
  for (let s = f.fromSlot; s <= Math.min(f.toSlot, n - 1); s++) out.push(s);
  return out;
}

/**
 * What a missing or refused reading did in the market: a sale is settled against the seller's
 * reading, so without one it is all shortfall; a purchase is not settled against readings, so a
 * household that sold nothing in the window feels nothing, and the report says so.
 */
function marketEffect(
  h: HouseholdRuntime,
  sold: bigint,
  shortfall: bigint,
  penalties: bigint,
  currency: string,
): string {
  if (sold > 0n)
    return `its ${sold} Wh sold settled as ${shortfall} Wh shortfall, penalties ${baseToCurrency(penalties)} ${currency}`;
  return `no market effect: the ${h.series.spec.kind} sold nothing in these slots, and only sales are settled against readings`;
}

/** Each injected fault, what it should have done and what the chain shows it did. */
export function observeFaults(
  input: Pick<AccountingInput, "scenario" | "slots" | "households" | "readingWindowSeconds">,
  flows: Map<number, Array<{ soldWh: bigint; shortfallWh: bigint; penalty: bigint }>>,
): FaultObservation[] {
  const { scenario, slots, households } = input;
  const n = slots.length;
  return scenario.faults.map((fault): FaultObservation => {
    const range = window(fault, n);
    if (range.length === 0)
      return {
        type: fault.type,
        ...("household" in fault ? { household: fault.household } : {}),
        slots: "outside the run",
        expected: "-",
        observed: `not injected: its slots ${fault.fromSlot}-${fault.toSlot} are outside the run's slots 0-${n - 1}`,
        ok: true,
        injected: false,
      };
    const slotsText = `${range[0]}-${range.at(-1)}`;
    if (fault.type === "cloudFront") {
      const forecast = sum(range, (s) => sum(households, (h) => h.series.forecast[s]!.pvWh));
      const actual = sum(range, (s) => sum(households, (h) => h.series.actual[s]!.pvWh));
      const night = forecast < 1;
      return {
        type: fault.type,
        slots: slotsText,
        expected: `generation below forecast (sky x${fault.depth})`,
        observed: night
          ? "no effect: night, no generation to hide"
          : `generation ${(actual / 1000).toFixed(1)} kWh vs forecast ${(forecast / 1000).toFixed(1)} kWh`,
        ok: night || actual < forecast,
        injected: true,
      };
    }
    const h = households.find((x) => x.index === fault.household)!;
    const meter = h.meter.address.toLowerCase();
    const recorded = range.filter((s) => slots[s]!.recorded.has(meter)).length;
    const rejectedReasons = range.flatMap((s) =>
      slots[s]!.rejected.has(meter) ? [slots[s]!.rejected.get(meter)!] : [],
    );
    const f = flows.get(h.index)!;
    const shortfall = sumBig(range, (s) => f[s]!.shortfallWh);
    const sold = sumBig(range, (s) => f[s]!.soldWh);
    const penalties = sumBig(range, (s) => f[s]!.penalty);
    const effect = marketEffect(h, sold, shortfall, penalties, scenario.tariffs.currency);
    const base = { type: fault.type, household: fault.household, slots: slotsText, injected: true };
    switch (fault.type) {
      case "forgedSignatures": {
        const invalid = rejectedReasons.filter((r) => r === "RegistryInvalidSignature").length;
        return {
          ...base,
          expected: "every forged reading refused (RegistryInvalidSignature)",
          observed: `${invalid} of ${range.length} refused as RegistryInvalidSignature, ${recorded} recorded; ${effect}`,
          ok: recorded === 0 && invalid === range.length && shortfall === sold,
        };
      }
      case "meterOffline":
        return {
          ...base,
          expected: "no reading on chain for these slots; sales count as shortfall",
          observed: `${range.length - recorded} of ${range.length} readings missing on chain (none sent), ${recorded} recorded; ${effect}`,
          ok: recorded === 0 && shortfall === sold,
        };
      case "lateReadings": {
        const closed = rejectedReasons.filter((r) => r === "RegistryReadingWindowClosed").length;
        // Submitted at the start of slot s+1+delay (+1 s): refused once that is past the window's end.
        const tooLate =
          fault.delaySlots * scenario.slotLengthSeconds + 1 >= input.readingWindowSeconds;
        return {
          ...base,
          expected: tooLate
            ? `readings ${fault.delaySlots} slots late refused (RegistryReadingWindowClosed); sales count as shortfall`
            : `readings ${fault.delaySlots} slots late still recorded`,
          observed: tooLate
            ? `${closed} of ${range.length} refused as RegistryReadingWindowClosed, ${recorded} recorded; ${effect}`
            : `no effect: the reading window (${input.readingWindowSeconds} s) outlasts a delay of ${fault.delaySlots} slots; ${recorded} of ${range.length} recorded`,
          ok: tooLate
            ? closed === range.length && recorded === 0 && shortfall === sold
            : recorded === range.length,
        };
      }
      case "overPromise": {
        const forecastSurplus = sum(range, (s) => Math.max(0, h.series.forecast[s]!.exportWh));
        return {
          ...base,
          expected: `offers x${fault.factor} the forecast; the undelivered part is shortfall with penalties`,
          observed: `sold ${sold} Wh (forecast surplus ${Math.round(forecastSurplus)} Wh), shortfall ${shortfall} Wh, penalties ${baseToCurrency(penalties)} ${scenario.tariffs.currency}`,
          ok: sold === 0n ? forecastSurplus < 10 : shortfall > 0n && penalties > 0n,
        };
      }
    }
  });
}
