/**
 * Bidding strategies: how a household turns its forecast net position for a slot into orders.
 *
 * A strategy is a pure function of the context, so the same seed gives the same orders. Prices are
 * integers in token base units per Wh, quantities integers in Wh. Register new strategies with
 * `registerStrategy` (scripts/strategy/index.ts) and pick one in a scenario: `"strategy": { "name": ... }`.
 */
import type { Rng } from "../lib/prng.js";

export type Side = "buy" | "sell";

export interface BidContext {
  /** Household number, 1-based. */
  household: number;
  /** Twin slot index, 0-based. */
  slot: number;
  /** Forecast export minus import for the slot, Wh (positive: surplus to sell; negative: deficit to buy). */
  forecastNetWh: number;
  /** Whether the household has a generation meter it may sell from. */
  canSell: boolean;
  /** Battery state of charge at the slot's start (0..1), when the household has a battery. */
  batterySoc?: number;
  retailPerWh: bigint;
  feedInPerWh: bigint;
  /** The household's own stream of random numbers for this slot. */
  rng: Rng;
}

export interface OrderIntent {
  side: Side;
  quantityWh: bigint;
  /** Limit price, token base units per Wh: the most a buyer pays, the least a seller accepts. */
  limitPricePerWh: bigint;
}

export interface BiddingStrategy {
  readonly name: string;
  bid(context: BidContext): OrderIntent[];
}

export type StrategyFactory = (options: Record<string, number>) => BiddingStrategy;
