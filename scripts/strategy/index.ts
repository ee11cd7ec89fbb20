/** The strategy registry: names a scenario may use, and the hook to add more. */
import { linearStrategy } from "./linear.js";
import { priceInBand } from "./linear.js";
import { householdStrategies } from "../scenario/households.js";
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
  field = "scenario.strategy.name",
): BiddingStrategy {
  const factory = registry.get(name);
  if (!factory)
    throw new Error(`${field}: unknown strategy "${name}" (known: ${strategyNames().join(", ")})`);
  return factory(options);
}

/** Each household's strategy (1-based), from the community's and the households' overrides. */
export function strategiesOf(
  scenario: Parameters<typeof householdStrategies>[0],
): BiddingStrategy[] {
  const community = createStrategy(scenario.strategy.name, scenario.strategy.options);
  return householdStrategies(scenario).map((choice, i) =>
    choice === scenario.strategy
      ? community
      : createStrategy(
          choice.name,
          choice.options,
          `scenario.householdOverrides (household ${i + 1}).strategy.name`,
        ),
  );
}
