/**
 * After the last tick: consumers retire the certificates they received (a green-electricity claim), one
 * retire transaction per vintage they hold. Retiring is the holder's own transaction: a household without
 * gas money (the relayed flow's default) keeps its certificates, to retire them whenever it likes.
 */
import { toUtf8Bytes } from "ethers";
import type { DayPlan, RunContext } from "./context.js";
import { GAS_LIMITS } from "./gas.js";
import { SOURCE } from "./setup.js";
import type { HouseholdRuntime } from "./state.js";

/** The solar certificate ids of the slots in which certificates were issued. */
function issuedIds(plan: DayPlan): bigint[] {
  const slots = plan.slots.flatMap((s) => (s.issued.size > 0 ? [s.chainSlot] : []));
  return [...new Set(slots)].map((chainSlot) => (chainSlot << 8n) | BigInt(SOURCE.solar));
}

async function holdsGasMoney(ctx: RunContext, h: HouseholdRuntime): Promise<boolean> {
  const balance = await ctx.chain.rpc<string>("eth_getBalance", [h.account.address, "latest"]);
  return BigInt(balance) > 0n;
}

async function retireHeld(ctx: RunContext, h: HouseholdRuntime, ids: bigint[]): Promise<void> {
  const { suite } = ctx;
  const balances = await suite.certificates.balanceOfBatch(
    ids.map(() => h.account.address),
    ids,
  );
  for (let i = 0; i < ids.length; i++) {
    if (balances[i]! === 0n) continue;
    await ctx.runner.send(
      h.account,
      `retire ${h.index}`,
      suite.addresses.certificates,
      suite.certificates.interface.encodeFunctionData("retire", [
        ids[i]!,
        balances[i]!,
        h.account.address,
        toUtf8Bytes(`green electricity of household ${h.index}`),
      ]),
      GAS_LIMITS.retire,
    );
  }
}

/** Sends the consumers' retirements (not yet mined: the caller flushes them). */
export async function retireCertificates(ctx: RunContext, plan: DayPlan): Promise<void> {
  const ids = issuedIds(plan);
  const consumers = ctx.households.filter((h) => !h.canSell);
  if (ids.length === 0 || consumers.length === 0) return;
  for (const h of consumers) if (await holdsGasMoney(ctx, h)) await retireHeld(ctx, h, ids);
}
