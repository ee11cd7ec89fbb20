/**
 * A household's bids for a slot and the transactions that carry them. The bids are the strategy's, shaped
 * by the scenario's faults and the market's rules; how they reach the chain is an `OrderSubmitter`: each
 * household's own placeOrder (`directOrders`, here), or signed orders the aggregator submits in batches
 * (relayedOrders.ts), with the same bids.
 */
import { ZeroAddress } from "ethers";
import type { Rng } from "../lib/prng.js";
import type { BiddingStrategy, OrderIntent } from "../strategy/types.js";
import type { RunContext } from "./context.js";
import { faultFor } from "./faultWindows.js";
import { GAS_LIMITS } from "./gas.js";
import type { HouseholdRuntime, OrderRecord, SlotRuntime } from "./state.js";

/**
 * An order the simulation sent, with the hash of its transaction until its id is known (events.ts) and,
 * when it was signed, its nonce (to match the router's SignedOrderSkipped).
 */
export type PlacedOrder = OrderRecord & { hash: string; nonce?: number };

/** One household's bids for a slot. */
export interface HouseholdBids {
  household: HouseholdRuntime;
  bids: readonly OrderIntent[];
}

/**
 * Carries a slot's bids, every household's, to the market, recording each order it sends in the slot (not
 * yet mined: the tick flushes).
 */
export interface OrderSubmitter {
  submit(ctx: RunContext, slot: SlotRuntime, bids: readonly HouseholdBids[]): Promise<void>;
  /** Seconds spent signing orders (EIP-712) before they were sent. */
  readonly signingSeconds: number;
}

/** The market's `Side` enum values. */
export const SIDE = { buy: 0, sell: 1 } as const;

/** The battery's state of charge at the start of twin slot j, when the household has one. */
function batterySocAt(h: HouseholdRuntime, j: number): number | undefined {
  const battery = h.series.spec.battery;
  if (!battery) return undefined;
  return j === 0 ? battery.initialSoc : h.series.actual[j - 1]!.storedAfterWh / battery.capacityWh;
}

/**
 * The household's bids for twin slot j: the strategy's on its forecast, an over-promising seller's
 * inflated, and those the market would refuse (below the minimum, a sale without a generation meter) left out.
 */
export function bidsOf(
  ctx: RunContext,
  h: HouseholdRuntime,
  j: number,
  strategy: BiddingStrategy,
  bidRng: Rng,
): OrderIntent[] {
  const { scenario } = ctx;
  const f = h.series.forecast[j]!;
  const intents = strategy.bid({
    household: h.index,
    slot: j,
    forecastNetWh: f.exportWh - f.importWh,
    canSell: h.canSell,
    batterySoc: batterySocAt(h, j),
    retailPerWh: scenario.tariffs.retailPerWh,
    feedInPerWh: scenario.tariffs.feedInPerWh,
    rng: bidRng.stream(`${h.index}:${j}`),
  });
  const bids: OrderIntent[] = [];
  for (const intent of intents) {
    let { quantityWh, limitPricePerWh } = intent;
    const over = faultFor(scenario.faults, "overPromise", h.index, j);
    if (over && intent.side === "sell") {
      // An over-promising seller offers `factor` x its forecast at the feed-in tariff, so it is filled first.
      quantityWh = BigInt(Math.floor(Number(quantityWh) * over.factor));
      limitPricePerWh = scenario.tariffs.feedInPerWh;
    }
    if (quantityWh < ctx.facts.minOrderWh || (intent.side === "sell" && !h.canSell)) continue;
    bids.push({ side: intent.side, quantityWh, limitPricePerWh });
  }
  return bids;
}

/** Each bid as the household's own placeOrder transaction (the household pays the gas). */
export const directOrders: OrderSubmitter = {
  signingSeconds: 0,
  async submit(ctx, slot, bids) {
    for (const { household, bids: own } of bids) await placeOwnOrders(ctx, household, slot, own);
  },
};

async function placeOwnOrders(
  ctx: RunContext,
  h: HouseholdRuntime,
  slot: SlotRuntime,
  bids: readonly OrderIntent[],
) {
  const { suite } = ctx;
  for (const bid of bids) {
    // At the cap the market refuses the order (MarketSlotFull): first come, first served; the
    // household then trades that slot with the grid, as any prosumer whose order was refused.
    if (slot.orders.length >= ctx.facts.maxOrdersPerSlot) {
      ctx.totals.ordersRefusedAtCap += 1;
      continue;
    }
    const tx = await ctx.runner.send(
      h.account,
      `placeOrder ${h.index} slot ${slot.index}`,
      suite.addresses.market,
      suite.market.interface.encodeFunctionData("placeOrder", [
        slot.chainSlot,
        SIDE[bid.side],
        bid.quantityWh,
        bid.limitPricePerWh,
        bid.side === "sell" ? h.meter.address : ZeroAddress,
      ]),
      GAS_LIMITS.placeOrder,
    );
    const order: PlacedOrder = {
      id: -1n,
      household: h.index,
      slot: slot.index,
      ...bid,
      fillWh: 0n,
      hash: tx.hash,
    };
    slot.orders.push(order);
  }
}
