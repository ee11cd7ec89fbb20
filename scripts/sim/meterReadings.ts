/**
 * Tick step (c): the data hub signs the meters' readings of a slot and submits them in batches; readings
 * the scenario delays are held until their tick, meters it takes offline send nothing, and forged ones are
 * signed with another key.
 */
import type { TypedDataDomain } from "ethers";
import { registryDomain, signReading, type SignedReading } from "../lib/readings.js";
import type { LateReadings } from "./clock.js";
import type { RunContext } from "./context.js";
import { faultFor } from "./faultWindows.js";
import { chunk, GAS_LIMITS, READINGS_PER_BATCH } from "./gas.js";
import { forgerKey } from "./keys.js";
import type { HouseholdRuntime, SlotRuntime } from "./state.js";

type Domain = TypedDataDomain;

/** The registry's EIP-712 domain on this chain. */
export function readingDomain(ctx: RunContext): Domain {
  return registryDomain(ctx.suite.addresses.registry, ctx.chain.chainId);
}

async function signedReadingOf(
  ctx: RunContext,
  h: HouseholdRuntime,
  slot: SlotRuntime,
  domain: Domain,
  forged: boolean,
): Promise<SignedReading> {
  const r = h.series.readings[slot.index]!;
  // The household's own model keeps its imported Wh; the chain gets only a commitment to it.
  return signReading(forged ? forgerKey(ctx.scenario.seed, h.index) : h.meter, domain, {
    meter: h.meter.address,
    slot: slot.chainSlot,
    importedWh: BigInt(r.importedWh),
    exportedWh: BigInt(r.exportedWh),
  });
}

/** The readings of `slot` due at tick k (the late ones parked in `late` for their tick). */
export async function readingsOfSlot(
  ctx: RunContext,
  slot: SlotRuntime,
  k: number,
  domain: Domain,
  late: LateReadings,
): Promise<SignedReading[]> {
  const { faults } = ctx.scenario;
  const due: SignedReading[] = [];
  for (const h of ctx.households) {
    if (faultFor(faults, "meterOffline", h.index, slot.index)) continue;
    const forged = faultFor(faults, "forgedSignatures", h.index, slot.index) !== undefined;
    const delayed = faultFor(faults, "lateReadings", h.index, slot.index);
    const signed = await signedReadingOf(ctx, h, slot, domain, forged);
    const key = h.meter.address.toLowerCase();
    if (delayed) {
      const tick = k + delayed.delaySlots;
      late.set(tick, [...(late.get(tick) ?? []), signed]);
      slot.submitted.set(key, "late");
    } else {
      due.push(signed);
      slot.submitted.set(key, forged ? "forged" : "on time");
    }
  }
  return due;
}

/** The readings in batches of trySubmitReadings from the data hub. */
export async function submitReadings(ctx: RunContext, readings: SignedReading[]): Promise<void> {
  const { suite } = ctx;
  for (const part of chunk(readings, READINGS_PER_BATCH)) {
    await ctx.runner.send(
      ctx.actors.hub,
      `trySubmitReadings (${part.length})`,
      suite.addresses.registry,
      suite.registry.interface.encodeFunctionData("trySubmitReadings", [part]),
      GAS_LIMITS.readings(part.length),
    );
  }
}
