/**
 * The relayed order flow: each household signs its bids for the slot (EIP-712, scripts/lib/orders.ts) with
 * its next nonces in order and the slot's gate closure as expiry; the aggregator submits the community's
 * signed orders in `placeSignedOrders` batches of the scenario's `orders.batchSize` and pays their gas, so
 * households need no ETH. The router places what it can and skips the rest with SignedOrderSkipped, which
 * events.ts records per slot with the decoded reason: a skipped order never silently vanishes.
 *
 * The aggregator knows the market's side cap (500 of 1,000 by default): it never submits more of a side than
 * the slot has room for, since the market would refuse (or evict) them. When a side has more bids than room,
 * it keeps the largest (most energy per order place; ties by household number) and counts the rest as held
 * back: those households trade that slot with the grid, as a prosumer whose order was refused.
 */
import { ZeroAddress } from "ethers";
import { OrderRouter__factory } from "../../typechain-types/index.js";
import type { OrderIntent, Side } from "../strategy/types.js";
import { orderDomain, signOrder, type SignedOrder } from "../lib/orders.js";
import type { RunContext } from "./context.js";
import { chunk, GAS_LIMITS } from "./gas.js";
import {
  SIDE,
  type HouseholdBids,
  type OrderSubmitter,
  type PlacedOrder,
} from "./householdOrders.js";
import type { SlotRuntime } from "./state.js";

export const ROUTER = OrderRouter__factory.createInterface();

/** One bid of one household, before it is signed. */
interface Bid {
  entry: HouseholdBids;
  bid: OrderIntent;
}

/** The last second at which the market takes orders for `chainSlot` (its gate closure is exclusive). */
export function expiryOf(ctx: RunContext, chainSlot: bigint): bigint {
  const { genesis, slotLength, gateClosureSeconds } = ctx.facts;
  return BigInt(genesis) + chainSlot * BigInt(slotLength) - BigInt(gateClosureSeconds) - 1n;
}

/**
 * The bids that fit the slot's side cap (`room` per side), the largest kept; the rest are returned as held
 * back. Order among the kept is the households' order, so each household's nonces follow its bids.
 */
export function fitSideCap(
  bids: readonly Bid[],
  room: Record<Side, number>,
): { kept: Bid[]; heldBack: Bid[] } {
  const keep = new Set<Bid>();
  for (const side of ["buy", "sell"] as const) {
    const ofSide = bids.filter((b) => b.bid.side === side);
    const byQuantity = [...ofSide].sort((a, b) =>
      a.bid.quantityWh === b.bid.quantityWh
        ? a.entry.household.index - b.entry.household.index
        : a.bid.quantityWh > b.bid.quantityWh
          ? -1
          : 1,
    );
    for (const b of byQuantity.slice(0, Math.max(0, room[side]))) keep.add(b);
  }
  return { kept: bids.filter((b) => keep.has(b)), heldBack: bids.filter((b) => !keep.has(b)) };
}

/** Room left on each side of the slot for orders of this run. */
function roomOf(ctx: RunContext, slot: SlotRuntime): Record<Side, number> {
  const side = ctx.facts.maxOrdersPerSide;
  const count = (s: Side) => slot.orders.filter((o) => o.side === s).length;
  return { buy: side - count("buy"), sell: side - count("sell") };
}

/** Signs each bid with its household's key and next nonce; returns the signed orders in bid order. */
async function signAll(
  ctx: RunContext,
  slot: SlotRuntime,
  bids: readonly Bid[],
): Promise<Array<{ bid: Bid; signed: SignedOrder }>> {
  const domain = orderDomain(ctx.facts.orderRouter, BigInt(ctx.chain.chainId));
  const expiry = expiryOf(ctx, slot.chainSlot);
  return Promise.all(
    bids.map(async (b) => {
      const h = b.entry.household;
      const wallet = h.account.account.wallet;
      if (!wallet) throw new Error(`household ${h.index} has no local key to sign its orders`);
      const values = {
        trader: h.account.address,
        slot: slot.chainSlot,
        side: SIDE[b.bid.side],
        quantityWh: b.bid.quantityWh,
        limitPrice: b.bid.limitPricePerWh,
        meter: b.bid.side === "sell" ? h.meter.address : ZeroAddress,
        nonce: BigInt(h.orderNonce++),
        expiry,
      };
      return { bid: b, signed: await signOrder(wallet, domain, values) };
    }),
  );
}

/** Sends one batch from the aggregator and records its orders in the slot, matched to events later. */
async function sendBatch(
  ctx: RunContext,
  slot: SlotRuntime,
  batch: ReadonlyArray<{ bid: Bid; signed: SignedOrder }>,
  n: number,
): Promise<void> {
  const { runner, actors } = ctx;
  const tx = await runner.send(
    actors.aggregator,
    `placeSignedOrders slot ${slot.index} batch ${n} (${batch.length} orders)`,
    ctx.facts.orderRouter,
    ROUTER.encodeFunctionData("placeSignedOrders", [batch.map((b) => b.signed)]),
    GAS_LIMITS.placeSignedOrders(batch.length),
  );
  for (const { bid, signed } of batch) {
    const order: PlacedOrder = {
      id: -1n,
      household: bid.entry.household.index,
      slot: slot.index,
      ...bid.bid,
      fillWh: 0n,
      hash: tx.hash,
      nonce: Number(signed.order.nonce),
    };
    slot.orders.push(order);
  }
}

/** The relayed submitter: households sign, the aggregator sends batches of at most `batchSize`. */
export function relayedOrders(batchSize: number): OrderSubmitter {
  const submitter = {
    signingSeconds: 0,
    async submit(ctx: RunContext, slot: SlotRuntime, entries: readonly HouseholdBids[]) {
      const bids = entries.flatMap((entry) => entry.bids.map((bid) => ({ entry, bid })));
      const { kept, heldBack } = fitSideCap(bids, roomOf(ctx, slot));
      ctx.totals.ordersHeldBackAtCap += heldBack.length;
      const started = performance.now();
      const signed = await signAll(ctx, slot, kept);
      submitter.signingSeconds += (performance.now() - started) / 1000;
      const batches = chunk(signed, batchSize);
      for (let n = 0; n < batches.length; n++) await sendBatch(ctx, slot, batches[n]!, n);
    },
  };
  return submitter;
}
