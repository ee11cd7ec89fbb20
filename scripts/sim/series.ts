/**
 * The per-household, per-slot series of a run (household_slots.csv): what the twin produced and
 * forecast, what the meter measured and the registry recorded, what the household ordered and was
 * filled, and what it paid or earned.
 */
import type { HouseholdSlotReport, SlotMoney } from "../report/model.js";
import { householdStrategies } from "../scenario/households.js";
import type { AccountingInput } from "./state.js";
import type { OrderRecord, SlotRuntime } from "./state.js";

/** Total quantity and quantity-weighted limit price of a household's orders of one side. */
function ordersOf(orders: readonly OrderRecord[]): {
  quantityWh: bigint;
  limitPerWh: bigint | null;
} {
  const quantityWh = orders.reduce((a, o) => a + o.quantityWh, 0n);
  if (quantityWh === 0n) return { quantityWh, limitPerWh: null };
  return {
    quantityWh,
    limitPerWh: orders.reduce((a, o) => a + o.quantityWh * o.limitPricePerWh, 0n) / quantityWh,
  };
}

function readingOf(slot: SlotRuntime, meter: string): string {
  if (slot.recorded.has(meter)) return "recorded";
  const rejected = slot.rejected.get(meter);
  return rejected ? `rejected ${rejected}` : "missing";
}

export function householdSlotSeries(
  input: AccountingInput,
  money: Map<number, SlotMoney[]>,
  localTimes: readonly string[],
): HouseholdSlotReport[] {
  const strategies = householdStrategies(input.scenario);
  return input.households.flatMap((h) =>
    input.slots.map((slot): HouseholdSlotReport => {
      const j = slot.index;
      const actual = h.series.actual[j]!;
      const forecast = h.series.forecast[j]!;
      const reading = h.series.readings[j]!;
      const mine = slot.orders.filter((o) => o.household === h.index);
      const buy = ordersOf(mine.filter((o) => o.side === "buy"));
      const sell = ordersOf(mine.filter((o) => o.side === "sell"));
      const meter = h.meter.address.toLowerCase();
      const battery = h.series.spec.battery;
      const m = money.get(h.index)![j]!;
      return {
        household: h.index,
        slot: j,
        localTime: localTimes[j]!,
        kind: h.series.spec.kind,
        strategy: strategies[h.index - 1]!.name,
        measured: h.series.spec.measured !== undefined,
        pvWh: actual.pvWh,
        loadWh: actual.loadWh,
        importWh: reading.importedWh,
        exportWh: reading.exportedWh,
        chargedWh: actual.chargedWh,
        dischargedWh: actual.dischargedWh,
        batterySoc: battery ? actual.storedAfterWh / battery.capacityWh : null,
        forecastPvWh: forecast.pvWh,
        forecastLoadWh: forecast.loadWh,
        forecastNetWh: forecast.exportWh - forecast.importWh,
        actualNetWh: reading.exportedWh - reading.importedWh,
        buyOrderWh: buy.quantityWh,
        buyLimitPerWh: buy.limitPerWh,
        sellOrderWh: sell.quantityWh,
        sellLimitPerWh: sell.limitPerWh,
        clearingPricePerWh:
          slot.cleared && slot.cleared.quantityWh > 0n ? slot.cleared.price : null,
        ...m,
        submitted: slot.submitted.get(meter) ?? "",
        reading: readingOf(slot, meter),
      };
    }),
  );
}
