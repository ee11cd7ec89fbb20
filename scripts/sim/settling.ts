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

/** The keeper clears the slot when it has orders. */
export async function clearSlot(ctx: RunContext, slot: SlotRuntime): Promise<void> {
  if (slot.orders.length === 0) return;
  const { suite } = ctx;
  await ctx.runner.send(
    ctx.actors.keeper,
    `clear slot ${slot.index}`,
    suite.addresses.market,
    suite.market.interface.encodeFunctionData("clear", [slot.chainSlot]),
    GAS_LIMITS.clear(slot.orders.length),
  );
}

/** The fill of each order of a traded slot, read from the market after the clearing was mined. */
export async function readFills(ctx: RunContext, slot: SlotRuntime): Promise<void> {
  if (!traded(slot)) return;
  await Promise.all(
    slot.orders.map(async (o) => {
      o.fillWh = await ctx.suite.market.fillOf(o.id);
    }),
  );
}

/** The settled slot's certificates, in pages sent right after its settlement by the same keeper. */
async function certifySlot(ctx: RunContext, slot: SlotRuntime): Promise<void> {
  const { suite, runner } = ctx;
  const { keeper } = ctx.actors;
  const sells = slot.orders.filter((o) => o.side === "sell").length;
  const buys = slot.orders.length - sells;
  for (let page = 0; page < pagesFor(sells, CERTIFY_SELLERS_PAGE); page++)
    await runner.send(
      keeper,
      `certifySellers slot ${slot.index} page ${page}`,
      suite.addresses.certificates,
      suite.certificates.interface.encodeFunctionData("certifySellers", [
        slot.chainSlot,
        CERTIFY_SELLERS_PAGE,
      ]),
      GAS_LIMITS.certifySellers(Math.min(CERTIFY_SELLERS_PAGE, sells)),
    );
  for (let page = 0; page < pagesFor(buys, CLAIM_BUYERS_PAGE); page++)
    await runner.send(
      keeper,
      `claimBuyers slot ${slot.index} page ${page}`,
      suite.addresses.certificates,
      suite.certificates.interface.encodeFunctionData("claimBuyers", [
        slot.chainSlot,
        CLAIM_BUYERS_PAGE,
      ]),
      GAS_LIMITS.claimBuyers(Math.min(CLAIM_BUYERS_PAGE, buys)),
    );
}

/** The keeper settles a traded slot, then delivers its certificates. */
export async function settleSlot(ctx: RunContext, slot: SlotRuntime): Promise<void> {
  if (!traded(slot)) return;
  const { suite } = ctx;
  await ctx.runner.send(
    ctx.actors.keeper,
    `settle slot ${slot.index}`,
    suite.addresses.market,
    suite.market.interface.encodeFunctionData("settle", [slot.chainSlot]),
    GAS_LIMITS.settle(slot.orders.length),
  );
  await certifySlot(ctx, slot);
}
