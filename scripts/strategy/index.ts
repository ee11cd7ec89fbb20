/** The strategy registry: names a scenario may use, and the hook to add more. */
import { linearStrategy } from "./linear.js";
import { priceInBand } from "./linear.js";
import type { BiddingStrategy, StrategyFactory } from "./types.js";

export type { BiddingStrategy, BidContext, OrderIntent, Side, StrategyFactory } from "./types.js";

/** Bids at the reservation prices: sell at the feed-in tariff, buy at the retail tariff (maximum volume). */
const reservationStrategy: StrategyFactory = (options) => {
  const minWh = BigInt(Math.ceil(options.minWh ?? 10));
  return {
    name: "reservation",
    bid(ctx) {
      const q = BigInt(Math.floor(Math.abs(ctx.forecastNetWh)));
      if (q < minWh) return [];
      if (ctx.forecastNetWh > 0)
        return ctx.canSell
          ? [{ side: "sell", quantityWh: q, limitPricePerWh: ctx.feedInPerWh }]
          : [];
      return [
        {
          side: "buy",
          quantityWh: q,
          limitPricePerWh: priceInBand(ctx.feedInPerWh, ctx.retailPerWh, 1),
        },
      ];
    },
  };
};

/** Places no orders: every household stays with the supplier (a baseline run). */
const idleStrategy: StrategyFactory = () => ({ name: "idle", bid: () => [] });

const registry = new Map<string, StrategyFactory>([
  ["linear", linearStrategy],
  ["reservation", reservationStrategy],
  ["idle", idleStrategy],
]);

/** Adds a strategy under `name` (e.g. from a script that wraps the simulation). */
export function registerStrategy(name: string, factory: StrategyFactory): void {
  registry.set(name, factory);
}

export function strategyNames(): string[] {
  return [...registry.keys()];
}

export function createStrategy(
  name: string,
  options: Record<string, number> = {},
): BiddingStrategy {
  const factory = registry.get(name);
  if (!factory)
    throw new Error(
      `scenario.strategy.name: unknown strategy "${name}" (known: ${strategyNames().join(", ")})`,
    );
  return factory(options);
}
