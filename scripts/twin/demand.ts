/**
 * Residential load: a typical daily shape, scaled to the household's annual consumption, times noise.
 *
 * The shape is an hourly profile in the spirit of the German BDEW H0 standard load profile (night base,
 * morning peak around 07:00-08:00, midday plateau, evening peak around 19:00-20:00), interpolated
 * linearly between hours. The forecast is the shape itself (what a household expects); the actual load
 * is the shape times a mean-reverting multiplicative noise plus occasional appliance spikes (kettle,
 * oven, washing machine), so the meters measure something the forecast did not know.
 */
import type { Rng } from "../lib/prng.js";

/** Relative power per hour of the local day (hour 0 = 00:00-01:00); normalised at use. */
const HOURLY_SHAPE = [
  0.55, 0.45, 0.4, 0.38, 0.38, 0.42, 0.6, 0.95, 1.1, 0.95, 0.85, 0.9, 1.05, 1.0, 0.85, 0.8, 0.85,
  1.05, 1.35, 1.55, 1.5, 1.3, 1.0, 0.75,
];
const SHAPE_MEAN = HOURLY_SHAPE.reduce((a, b) => a + b, 0) / HOURLY_SHAPE.length;

/** Relative power (mean 1 over the day) at `localHour` in [0, 24), interpolated between hour centres. */
export function demandShape(localHour: number): number {
  const h = (((localHour - 0.5) % 24) + 24) % 24;
  const i = Math.floor(h);
  const frac = h - i;
  const a = HOURLY_SHAPE[i]!;
  const b = HOURLY_SHAPE[(i + 1) % 24]!;
  return (a + (b - a) * frac) / SHAPE_MEAN;
}

export interface DemandParameters {
  /** Annual consumption in kWh (3,500 is a typical 3-person home). */
  annualKWh: number;
  /** Standard deviation of the multiplicative noise (0.2 = 20 %). */
  noise: number;
  /** Probability per slot of an appliance spike. */
  spikeProbability: number;
  /** Extra power of a spike in W. */
  spikePowerW: number;
}

export interface DemandSeries {
  forecastWh: number[];
  actualWh: number[];
}

/**
 * Load per slot for `localHours[s]` (local time of day at each slot's middle), each slot `slotSeconds` long.
 */
export function simulateDemand(
  rng: Rng,
  localHours: readonly number[],
  slotSeconds: number,
  params: DemandParameters,
): DemandSeries {
  const meanPowerW = (params.annualKWh * 1000) / 8760;
  const hours = slotSeconds / 3600;
  let noise = 0;
  const forecastWh: number[] = [];
  const actualWh: number[] = [];
  for (const hour of localHours) {
    const expected = meanPowerW * demandShape(hour) * hours;
    noise = 0.7 * noise + rng.normal(0, params.noise * Math.sqrt(1 - 0.49));
    const spike = rng.chance(params.spikeProbability)
      ? params.spikePowerW * hours * rng.uniform(0.3, 1)
      : 0;
    forecastWh.push(expected);
    actualWh.push(Math.max(0.05 * expected, expected * (1 + noise)) + spike);
  }
  return { forecastWh, actualWh };
}
