/**
 * The default strategy: bid the forecast net position at a price between the feed-in and the retail tariff.
 *
 * Why that band: a seller can always export to the grid at the feed-in tariff, so selling below it
 * loses money; a buyer can always import at the retail tariff, so buying above it loses money. Any
 * price in between leaves both better off than trading with the supplier. With spread = retail - feedIn:
 *
 *   sell limit = feedIn + spread x clamp(ask + jitter x u)     (u uniform in [-1, 1], drawn per order)
 *   buy  limit = feedIn + spread x clamp(bid + jitter x u)
 *
 * With ask < bid most orders cross and the uniform clearing price lands between them. Quantities below
 * `minWh` are not worth an order's gas and are left to the grid.
 */
import type { BiddingStrategy, BidContext, OrderIntent, StrategyFactory } from "./types.js";

export interface LinearOptions {
  /** Sellers' position in the band, 0 = feed-in, 1 = retail. */
  ask: number;
  /** Buyers' position in the band. */
  bid: number;
  /** Half-width of the random spread around ask and bid, in band fractions. */
  jitter: number;
  /** Smallest order, Wh. */
  minWh: number;
  /** Share of the forecast deficit a buyer orders (the rest is left to the grid). */
  buyShare: number;
  /** Share of the forecast surplus a seller offers (a margin against forecast error). */
  sellShare: number;
}

export const LINEAR_DEFAULTS: LinearOptions = {
  ask: 0.35,
  bid: 0.65,
  jitter: 0.1,
  minWh: 10,
  buyShare: 1,
  sellShare: 0.9,
};

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

/** A price at `fraction` of the way from feed-in to retail, rounded to a whole base unit per Wh. */
export function priceInBand(feedInPerWh: bigint, retailPerWh: bigint, fraction: number): bigint {
  const spread = Number(retailPerWh - feedInPerWh);
  return feedInPerWh + BigInt(Math.round(spread * clamp01(fraction)));
}

export class LinearStrategy implements BiddingStrategy {
  readonly name = "linear";
  readonly options: LinearOptions;

  constructor(options: Partial<LinearOptions> = {}) {
    this.options = { ...LINEAR_DEFAULTS, ...options };
    for (const [key, value] of Object.entries(this.options)) {
      if (!Number.isFinite(value) || value < 0)
        throw new Error(`strategy.options.${key}: must be a number >= 0, got ${value}`);
    }
  }

  bid(ctx: BidContext): OrderIntent[] {
    const { ask, bid, jitter, minWh, buyShare, sellShare } = this.options;
    const u = ctx.rng.uniform(-1, 1);
    if (ctx.forecastNetWh > 0 && ctx.canSell) {
      const quantityWh = BigInt(Math.floor(ctx.forecastNetWh * sellShare));
      if (quantityWh < BigInt(Math.ceil(minWh))) return [];
      return [
        {
          side: "sell",
          quantityWh,
          limitPricePerWh: priceInBand(ctx.feedInPerWh, ctx.retailPerWh, ask + jitter * u),
        },
      ];
    }
    if (ctx.forecastNetWh < 0) {
      const quantityWh = BigInt(Math.floor(-ctx.forecastNetWh * buyShare));
      if (quantityWh < BigInt(Math.ceil(minWh))) return [];
      return [
        {
          side: "buy",
          quantityWh,
          limitPricePerWh: priceInBand(ctx.feedInPerWh, ctx.retailPerWh, bid + jitter * u),
        },
      ];
    }
    return [];
  }
}

export const linearStrategy: StrategyFactory = (options) => new LinearStrategy(options);
