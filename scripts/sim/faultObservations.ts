/**
 * Each injected fault of the scenario: what it should have done, and what the chain shows it did (readings
 * refused or missing, sales settled as shortfall, generation below forecast).
 */
import { baseToCurrency } from "../lib/units.js";
import type { FaultObservation } from "../report/model.js";
import type { AccountingInput, HouseholdRuntime } from "./state.js";
import { sum, sumBig } from "./sums.js";

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
export function faultObservationsOf(
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
