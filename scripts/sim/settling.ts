/**
 * Tick steps (b) and (d) of the keeper: clear a slot whose gate has closed (and read its fills once
 * mined), settle a slot whose reading window has passed, and deliver its certificates in pages right
 * after, certifySellers until done, then claimBuyers until done (same sender: nonce order is page order).
 */
import { CERTIFY_SELLERS_PAGE, CLAIM_BUYERS_PAGE, pagesFor } from "../lib/certification.js";
import type { RunContext } from "./context.js";
import { GAS_LIMITS } from "./gas.js";
import type { SlotRuntime } from "./state.js";

/** Whether the slot's clearing traded anything (known once its SlotCleared event was read). */
export function traded(slot: SlotRuntime): boolean {
  return (slot.cleared?.quantityWh ?? 0n) > 0n;
}

/** The keeper's clear or settle of the slot (the market's two slot calls, gas by the slot's orders). */
async function keeperSlotCall(ctx: RunContext, fn: "clear" | "settle", slot: SlotRuntime) {
  const { suite } = ctx;
  const data =
    fn === "clear"
      ? suite.market.interface.encodeFunctionData("clear", [slot.chainSlot])
      : suite.market.interface.encodeFunctionData("settle", [slot.chainSlot]);
  await ctx.runner.send(
    ctx.actors.keeper,
    `${fn} slot ${slot.index}`,
    suite.addresses.market,
    data,
    GAS_LIMITS[fn](slot.orders.length),
  );
}

/** The keeper clears the slot when it has orders (their fills come with its OrderFilled events). */
export async function clearSlot(ctx: RunContext, slot: SlotRuntime): Promise<void> {
  if (slot.orders.length > 0) await keeperSlotCall(ctx, "clear", slot);
}

/** The pages of one certification pass over `orders` orders of the slot. */
async function sendPages(
  ctx: RunContext,
  slot: SlotRuntime,
  pass: "certifySellers" | "claimBuyers",
  pageSize: number,
  orders: number,
): Promise<void> {
  const { suite } = ctx;
  const data =
    pass === "certifySellers"
      ? suite.certificates.interface.encodeFunctionData("certifySellers", [
          slot.chainSlot,
          pageSize,
        ])
      : suite.certificates.interface.encodeFunctionData("claimBuyers", [slot.chainSlot, pageSize]);
  for (let page = 0; page < pagesFor(orders, pageSize); page++)
    await ctx.runner.send(
      ctx.actors.keeper,
      `${pass} slot ${slot.index} page ${page}`,
      suite.addresses.certificates,
      data,
      GAS_LIMITS[pass](Math.min(pageSize, orders)),
    );
}

/** The settled slot's certificates, in pages sent right after its settlement by the same keeper. */
async function certifySlot(ctx: RunContext, slot: SlotRuntime): Promise<void> {
  const sells = slot.orders.filter((o) => o.side === "sell").length;
  await sendPages(ctx, slot, "certifySellers", CERTIFY_SELLERS_PAGE, sells);
  await sendPages(ctx, slot, "claimBuyers", CLAIM_BUYERS_PAGE, slot.orders.length - sells);
}

/** The keeper settles a traded slot, then delivers its certificates. */
export async function settleSlot(ctx: RunContext, slot: SlotRuntime): Promise<void> {
  if (!traded(slot)) return;
  await keeperSlotCall(ctx, "settle", slot);
  await certifySlot(ctx, slot);
}
