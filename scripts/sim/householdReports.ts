/**
 * One report row per household: its energy, its market trades, and its cost with the market against the
 * baseline of buying and selling everything at the grid's tariffs.
 */
import type { HouseholdReport, SlotMoney } from "../report/model.js";
import { householdStrategies } from "../scenario/households.js";
import type { AccountingInput, HouseholdRuntime } from "./state.js";
import { sum, sumBig } from "./sums.js";

/** The household's cost at the grid's tariffs alone, and with the market (residual flows at the tariffs). */
function costsOf(input: AccountingInput, h: HouseholdRuntime, fs: readonly SlotMoney[]) {
  const retail = input.scenario.tariffs.retailPerWh;
  const feedIn = input.scenario.tariffs.feedInPerWh;
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
  return { baseline, actual };
}

function householdReportOf(
  input: AccountingInput,
  h: HouseholdRuntime,
  fs: readonly SlotMoney[],
  strategy: string,
): HouseholdReport {
  const { baseline, actual } = costsOf(input, h, fs);
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
    readingsRejected: input.slots.filter((s) => s.rejected.has(meter)).length,
    strategy,
    measured: spec.measured !== undefined,
  };
}

export function householdReportsOf(
  input: AccountingInput,
  flows: ReadonlyMap<number, SlotMoney[]>,
): HouseholdReport[] {
  const strategies = householdStrategies(input.scenario);
  return input.households.map((h) =>
    householdReportOf(input, h, flows.get(h.index)!, strategies[h.index - 1]!.name),
  );
}
