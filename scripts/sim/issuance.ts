/**
 * Tick step (e): the keeper issues the certificates of meters that exported in a slot but sold nothing
 * (no settlement page certified them), in batches.
 */
import type { RunContext } from "./context.js";
import { chunk, GAS_LIMITS, ISSUES_PER_BATCH } from "./gas.js";
import type { SlotRuntime } from "./state.js";

/** Generation meters (lower case) with a recorded export and neither an issuance nor a refusal yet. */
function metersToIssue(ctx: RunContext, slot: SlotRuntime): string[] {
  return ctx.households
    .filter((h) => h.canSell)
    .map((h) => h.meter.address.toLowerCase())
    .filter(
      (m) =>
        (slot.recorded.get(m)?.exportedWh ?? 0) > 0 &&
        !slot.issued.has(m) &&
        !slot.notIssued.has(m),
    );
}

export async function issueUnsold(ctx: RunContext, slot: SlotRuntime): Promise<void> {
  const { suite } = ctx;
  for (const part of chunk(metersToIssue(ctx, slot), ISSUES_PER_BATCH)) {
    await ctx.runner.send(
      ctx.actors.keeper,
      `issueBatch slot ${slot.index} (${part.length})`,
      suite.addresses.certificates,
      suite.certificates.interface.encodeFunctionData("issueBatch", [
        part,
        part.map(() => slot.chainSlot),
      ]),
      GAS_LIMITS.issueBatch(part.length),
    );
  }
}
