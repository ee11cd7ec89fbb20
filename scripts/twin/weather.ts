/**
 * The community's sky: a clear-sky index process (the fraction of clear-sky irradiance that reaches the
 * ground), shared by all households because clouds cover a whole neighbourhood, and its forecast.
 *
 * The index follows a mean-reverting AR(1) process clamped to [0.05, 1.05] (a little above 1 models cloud
 * edge enhancement). Forecasts are made `leadSlots` ahead from the last observed index, as the AR(1)
 * conditional expectation: mean + phi^lead x (observed - mean); the prosumers bid on that.
 * A cloud front (an injected fault) multiplies the actual index over a window of slots; the forecast
 * does not see it coming and catches up only as it is observed.
 */
import type { Rng } from "../lib/prng.js";

export interface SkyParameters {
  /** Long-run mean clear-sky index, 0..1 (0.75 = a fair day). */
  meanClearSkyIndex: number;
  /** AR(1) persistence per slot, 0..1. */
  persistence: number;
  /** Standard deviation of the per-slot innovation. */
  volatility: number;
}

export interface CloudFront {
  fromSlot: number;
  toSlot: number;
  /** Multiplier of the clear-sky index inside the window, 0..1. */
  depth: number;
}

export interface Sky {
  /** Actual clear-sky index per slot. */
  actual: number[];
  /** Forecast clear-sky index per slot, made `leadSlots` before it. */
  forecast: number[];
}

const MIN_INDEX = 0.05;
const MAX_INDEX = 1.05;

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

export function simulateSky(
  rng: Rng,
  slots: number,
  params: SkyParameters,
  fronts: readonly CloudFront[],
  leadSlots = 1,
): Sky {
  const { meanClearSkyIndex: mean, persistence: phi, volatility } = params;
  const latent: number[] = [];
  let x = clamp(mean + rng.normal(0, volatility), MIN_INDEX, MAX_INDEX);
  for (let s = 0; s < slots; s++) {
    if (s > 0) x = clamp(mean + phi * (x - mean) + rng.normal(0, volatility), MIN_INDEX, MAX_INDEX);
    latent.push(x);
  }
  const actual = latent.map((value, s) => {
    const factor = fronts.reduce(
      (f, front) => (s >= front.fromSlot && s <= front.toSlot ? f * front.depth : f),
      1,
    );
    return clamp(value * factor, MIN_INDEX * factor, MAX_INDEX);
  });
  const decay = Math.pow(phi, leadSlots);
  const forecast = actual.map((_, s) => {
    const observed = s - leadSlots >= 0 ? actual[s - leadSlots]! : mean;
    return clamp(mean + decay * (observed - mean), MIN_INDEX, MAX_INDEX);
  });
  return { actual, forecast };
}
