/**
 * One tick of the simulated day, at the start of chain slot c0 + k. Timeline of twin slot j:
 *   tick j-1   households place orders for j (bids on their forecast)
 *   tick j     the keeper clears j (its gate closed `gateClosureSeconds` before its start)
 *   tick j+1   the data hub submits the meters' signed readings of j (trySubmitReadings, in batches)
 *   tick j+1+w the keeper settles j (w = reading window in slots), then delivers its certificates in pages
 *   tick j+2+w the keeper issues certificates of meters that exported but sold nothing in j
 * All of a tick's transactions are mined in one batch, then its events are read.
 */
import type { Rng } from "../lib/prng.js";
import type { SignedReading } from "../lib/readings.js";
import type { BiddingStrategy } from "../strategy/types.js";
import { tickTime, type LateReadings } from "./clock.js";
import type { DayPlan, RunContext } from "./context.js";
import { reduceEvents } from "./events.js";
import { bidsOf, type OrderSubmitter } from "./householdOrders.js";
import { issueUnsold } from "./issuance.js";
import { readingsOfSlot, submitReadings } from "./meterReadings.js";
import { clearSlot, settleSlot } from "./settling.js";
import type { SlotRuntime } from "./state.js";

/** What the ticks share beyond the run's context. */
export interface TickState {
  plan: DayPlan;
  strategies: readonly BiddingStrategy[];
  bidRng: Rng;
  submitOrders: OrderSubmitter;
  domain: Parameters<typeof readingsOfSlot>[3];
  late: LateReadings;
  /** Wall seconds per step of the ticks (orders, clearing, readings, settlement, ...), summed over the day. */
  seconds: Record<string, number>;
}

/** Runs `fn`, adding its wall time to `state.seconds[name]`. */
async function timed<T>(state: TickState, name: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    state.seconds[name] = (state.seconds[name] ?? 0) + (performance.now() - t0) / 1000;
  }
}

/** The twin slot `j`, when the day has one. */
function slotAt(plan: DayPlan, j: number): SlotRuntime | undefined {
  return j >= 0 && j < plan.slots.length ? plan.slots[j] : undefined;
}

async function placeOrders(ctx: RunContext, state: TickState, slot: SlotRuntime) {
  const bids = ctx.households.map((household) => ({
    household,
    bids: bidsOf(ctx, household, slot.index, state.strategies[household.index - 1]!, state.bidRng),
  }));
  await state.submitOrders.submit(ctx, slot, bids);
}

async function readingsDue(ctx: RunContext, state: TickState, k: number): Promise<SignedReading[]> {
  const due = [...(state.late.get(k) ?? [])];
  const slot = slotAt(state.plan, k - 1);
  if (slot) due.push(...(await readingsOfSlot(ctx, slot, k, state.domain, state.late)));
  return due;
}

/** Sends tick k's transactions, mines them (at the tick's time when fast-forwarding), reads the events. */
export async function runTick(ctx: RunContext, state: TickState, k: number): Promise<void> {
  const { plan } = state;
  const ordering = slotAt(plan, k + 1);
  if (ordering) await timed(state, "orders", () => placeOrders(ctx, state, ordering)); // (a) for slot k+1
  const clearing = slotAt(plan, k);
  if (clearing) await timed(state, "clearing", () => clearSlot(ctx, clearing)); // (b) clear slot k
  await timed(state, "readings", async () => submitReadings(ctx, await readingsDue(ctx, state, k))); // (c) readings of k-1, late ones due now
  const settling = slotAt(plan, k - 1 - plan.windowSlots);
  if (settling) await timed(state, "settlement", () => settleSlot(ctx, settling)); // (d) and certify it
  const issuing = slotAt(plan, k - 2 - plan.windowSlots);
  if (issuing) await timed(state, "issuance", () => issueUnsold(ctx, issuing)); // (e) sold nothing in k-2-w
  const fastForward = ctx.timingMode === "fast-forward";
  const mined = await timed(state, "mining", () =>
    ctx.runner.flush(fastForward ? tickTime(plan, k) : undefined),
  );
  // The fills of the slot cleared now come with its OrderFilled events (one per live order).
  await timed(state, "events", async () => reduceEvents(ctx, plan, mined));
}
