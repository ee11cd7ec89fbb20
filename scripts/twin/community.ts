/**
 * The digital twin of an energy community: households with load, some with PV, a few with batteries,
 * under one sky. Everything is a pure function of the scenario and its seed.
 *
 * For every household and slot the twin gives the actual flows (what the smart meter measures) and the
 * forecast flows (what the prosumer bids on). Per slot and household the energy balance holds:
 *   pv + import + discharged = load + export + charged
 * and the meter reads import and export at the grid connection, rounded to whole Wh.
 */
import { Rng } from "../lib/prng.js";
import { dispatchBattery, type BatterySpec } from "./battery.js";
import { simulateDemand, type DemandParameters } from "./demand.js";
import { meanClearSkyGhi, pvEnergyWh, type Site } from "./solar.js";
import { simulateSky, type CloudFront, type Sky, type SkyParameters } from "./weather.js";

export type HouseholdKind = "consumer" | "prosumer" | "battery";

export interface HouseholdSpec {
  index: number;
  name: string;
  kind: HouseholdKind;
  /** PV peak power in W (0 for consumers). */
  pvPeakW: number;
  /** Orientation / shading factor of the PV array, ~0.9..1.05. */
  pvFactor: number;
  performanceRatio: number;
  load: DemandParameters;
  battery?: BatterySpec;
  /** Measured PV and load per slot, Wh (scenario profiles): used instead of the models. */
  measured?: {
    pvWh: readonly number[];
    loadWh: readonly number[];
    /** The household's own forecasts; persistence of the measured values without them. */
    pvForecastWh?: readonly number[];
    loadForecastWh?: readonly number[];
  };
}

export interface SlotFlows {
  pvWh: number;
  loadWh: number;
  chargedWh: number;
  dischargedWh: number;
  importWh: number;
  exportWh: number;
  storedAfterWh: number;
  lossWh: number;
}

export interface MeterReadingWh {
  importedWh: number;
  exportedWh: number;
}

export interface HouseholdSeries {
  spec: HouseholdSpec;
  actual: SlotFlows[];
  forecast: SlotFlows[];
  /** What the meter measures: actual import/export rounded to whole Wh. */
  readings: MeterReadingWh[];
}

export interface TwinInput {
  seed: string;
  site: Site;
  /** Unix time of the first simulated slot's start. */
  firstSlotStart: number;
  /** Offset of local time from UTC in hours (for the load shape). */
  utcOffsetHours: number;
  slotSeconds: number;
  slots: number;
  sky: SkyParameters;
  cloudFronts: readonly CloudFront[];
  households: readonly HouseholdSpec[];
}

export interface TwinResult {
  slotStarts: number[];
  localHours: number[];
  sky: Sky;
  clearSkyGhi: number[];
  households: HouseholdSeries[];
}

/** Net of a slot's flows: export minus import (positive = surplus to the grid). */
export function netWh(flows: SlotFlows): number {
  return flows.exportWh - flows.importWh;
}

/** One slot of one household: PV and load in, battery dispatch, grid exchange out. */
export function householdSlot(
  spec: HouseholdSpec,
  storedWh: number,
  pvWh: number,
  loadWh: number,
  slotSeconds: number,
): SlotFlows {
  const surplus = pvWh - loadWh;
  const step = spec.battery
    ? dispatchBattery(spec.battery, storedWh, surplus, slotSeconds)
    : { chargedWh: 0, dischargedWh: 0, storedAfterWh: 0, lossWh: 0 };
  const net = surplus - step.chargedWh + step.dischargedWh;
  return {
    pvWh,
    loadWh,
    chargedWh: step.chargedWh,
    dischargedWh: step.dischargedWh,
    importWh: net < 0 ? -net : 0,
    exportWh: net > 0 ? net : 0,
    storedAfterWh: step.storedAfterWh,
    lossWh: step.lossWh,
  };
}

/** The forecast of a measured series one slot ahead: the last slot's value (the first slot's own). */
export function persistence(values: readonly number[]): number[] {
  return values.map((_, s) => values[Math.max(0, s - 1)]!);
}

export function simulateCommunity(input: TwinInput): TwinResult {
  const root = new Rng(input.seed);
  const slotStarts = Array.from(
    { length: input.slots },
    (_, s) => input.firstSlotStart + s * input.slotSeconds,
  );
  const localHours = slotStarts.map(
    (start) => ((((start + input.slotSeconds / 2) / 3600 + input.utcOffsetHours) % 24) + 24) % 24,
  );
  const sky = simulateSky(root.stream("sky"), input.slots, input.sky, input.cloudFronts);
  const clearSkyGhi = slotStarts.map((start) =>
    meanClearSkyGhi(input.site, start, input.slotSeconds),
  );

  const households = input.households.map((spec) => {
    const rng = root.stream(`household:${spec.index}`);
    const load = spec.measured
      ? {
          actualWh: spec.measured.loadWh,
          forecastWh: spec.measured.loadForecastWh ?? persistence(spec.measured.loadWh),
        }
      : simulateDemand(rng.stream("load"), localHours, input.slotSeconds, spec.load);
    const measuredPv = spec.measured
      ? (spec.measured.pvForecastWh ?? persistence(spec.measured.pvWh))
      : undefined;
    const skyJitter = rng.stream("sky-jitter");
    const actual: SlotFlows[] = [];
    const forecast: SlotFlows[] = [];
    let stored = spec.battery ? spec.battery.initialSoc * spec.battery.capacityWh : 0;
    for (let s = 0; s < input.slots; s++) {
      const pvAt = (index: number) =>
        spec.pvPeakW === 0
          ? 0
          : pvEnergyWh(
              clearSkyGhi[s]! * index,
              spec.pvPeakW * spec.pvFactor,
              spec.performanceRatio,
              input.slotSeconds,
            );
      const localIndex = Math.max(0, sky.actual[s]! * (1 + skyJitter.normal(0, 0.03)));
      // The forecast starts from the battery's actual state at the slot's start (see docs/testbed.md).
      const pvForecast = measuredPv ? measuredPv[s]! : pvAt(sky.forecast[s]!);
      forecast.push(
        householdSlot(spec, stored, pvForecast, load.forecastWh[s]!, input.slotSeconds),
      );
      const flows = householdSlot(
        spec,
        stored,
        spec.measured ? spec.measured.pvWh[s]! : pvAt(localIndex),
        load.actualWh[s]!,
        input.slotSeconds,
      );
      actual.push(flows);
      stored = flows.storedAfterWh;
    }
    const readings = actual.map((f) => ({
      importedWh: Math.round(f.importWh),
      exportedWh: Math.round(f.exportWh),
    }));
    return { spec, actual, forecast, readings };
  });
  return { slotStarts, localHours, sky, clearSkyGhi, households };
}
