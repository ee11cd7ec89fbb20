/**
 * The simulated day on the chain's clock: the first chain slot (aligned with the twin's time of day when
 * time is ours to fast-forward), the slots to trade, the last tick with work, and waiting for a tick.
 */
import type { SignedReading } from "../lib/readings.js";
import type { DayPlan, RunContext } from "./context.js";
import type { SlotRuntime } from "./state.js";

const DAY = 86_400;

/** Seconds of the local time of day, given seconds since the epoch and the site's UTC offset. */
function timeOfDay(seconds: number, utcOffsetHours: number): number {
  return (((seconds + utcOffsetHours * 3600) % DAY) + DAY) % DAY;
}

/** The first chain slot to trade: two (fast-forward, then aligned) or three (real time) slots ahead. */
function firstChainSlot(ctx: RunContext, now: number, startOf: (slot: bigint) => number): bigint {
  const { genesis, slotLength } = ctx.facts;
  const fastForward = ctx.timingMode === "fast-forward";
  let c0 = BigInt(Math.floor((now - genesis) / slotLength) + (fastForward ? 2 : 3));
  if (!fastForward) return c0;
  const offset = ctx.scenario.site.utcOffsetHours;
  const wanted = timeOfDay(ctx.twin.slotStarts[0]!, offset);
  for (let i = 0; i < DAY / slotLength; i++, c0++) {
    if (timeOfDay(startOf(c0), offset) === wanted) break;
  }
  return c0;
}

function emptySlot(index: number, chainSlot: bigint): SlotRuntime {
  return {
    index,
    chainSlot,
    orders: [],
    recorded: new Map(),
    rejected: new Map(),
    issued: new Map(),
    notIssued: new Set(),
    claimed: new Map(),
    returned: new Map(),
    sellersCertified: false,
    buyersClaimed: false,
    submitted: new Map(),
    skipped: [],
  };
}

/** The day laid on chain slots, from the chain's time now. */
export async function planDay(ctx: RunContext): Promise<DayPlan> {
  const { genesis, slotLength, readingWindow } = ctx.facts;
  const { scenario } = ctx;
  const now = await ctx.chain.latestTimestamp();
  const startOf = (chainSlot: bigint) => genesis + Number(chainSlot) * slotLength;
  const c0 = firstChainSlot(ctx, now, startOf);
  const slots = Array.from({ length: scenario.slots }, (_, j) => emptySlot(j, c0 + BigInt(j)));
  const windowSlots = Math.ceil(readingWindow / slotLength);
  let lastTick = scenario.slots + 2 + windowSlots;
  for (const f of scenario.faults) {
    if (f.type === "lateReadings")
      lastTick = Math.max(lastTick, Math.min(f.toSlot, scenario.slots - 1) + 1 + f.delaySlots);
  }
  return {
    firstChainSlot: c0,
    slots,
    slotByChain: new Map(slots.map((s) => [s.chainSlot, s])),
    windowSlots,
    lastTick,
    startOf,
  };
}

/** The time of tick k: one second into chain slot c0 + k. */
export function tickTime(plan: DayPlan, k: number): number {
  return plan.startOf(plan.firstChainSlot + BigInt(k)) + 1;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** In real time, waits until tick k has come (with a few seconds' margin); fast-forward does not wait. */
export async function waitForTick(ctx: RunContext, plan: DayPlan, k: number): Promise<void> {
  if (ctx.timingMode !== "real-time") return;
  const margin = Math.min(5, Math.floor(ctx.facts.slotLength / 10));
  const waitMs = (tickTime(plan, k) + margin) * 1000 - Date.now();
  if (waitMs > 0) await sleep(waitMs);
}

/** Readings held back by a lateReadings fault, by the tick they are due. */
export type LateReadings = Map<number, SignedReading[]>;
