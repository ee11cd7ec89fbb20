/** From a scenario to the twin's input: which household is what, with which equipment. */
import { Rng } from "../lib/prng.js";
import type { HouseholdKind, HouseholdSpec, TwinInput } from "../twin/community.js";
import type { Scenario } from "./schema.js";

const KINDS: readonly HouseholdKind[] = ["consumer", "prosumer", "battery"];

/**
 * Kinds spread evenly over the household numbers (smooth weighted round robin), so that a small
 * community still has a mix and household 1 is always the same kind for the same shares.
 */
export function householdKinds(count: number, mix: Scenario["mix"]): HouseholdKind[] {
  const weights = [mix.consumers, mix.prosumers, mix.batteries];
  const credit = [0, 0, 0];
  const kinds: HouseholdKind[] = [];
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < 3; k++) credit[k]! += weights[k]!;
    let best = 0;
    for (let k = 1; k < 3; k++) if (credit[k]! > credit[best]!) best = k;
    credit[best]! -= 1;
    kinds.push(KINDS[best]!);
  }
  return kinds;
}

export function buildHouseholds(scenario: Scenario): HouseholdSpec[] {
  const root = new Rng(scenario.seed).stream("equipment");
  return householdKinds(scenario.households, scenario.mix).map((kind, i) => {
    const rng = root.stream(String(i + 1));
    const pvPeakW =
      kind === "consumer"
        ? 0
        : Math.round(rng.uniform(scenario.pv.peakKwMin, scenario.pv.peakKwMax) * 1000);
    const b = scenario.battery;
    return {
      index: i + 1,
      name: `household-${String(i + 1).padStart(3, "0")}`,
      kind,
      pvPeakW,
      pvFactor: rng.uniform(0.9, 1.05),
      performanceRatio: scenario.pv.performanceRatio,
      load: {
        annualKWh: rng.uniform(scenario.load.annualKwhMin, scenario.load.annualKwhMax),
        noise: scenario.load.noise,
        spikeProbability: scenario.load.spikeProbability,
        spikePowerW: scenario.load.spikePowerKw * 1000,
      },
      battery:
        kind === "battery"
          ? {
              capacityWh: b.capacityKwh * 1000,
              maxPowerW: b.powerKw * 1000,
              roundTripEfficiency: b.roundTripEfficiency,
              initialSoc: b.initialSoc,
              minSoc: b.minSoc,
            }
          : undefined,
    };
  });
}

/** Unix time of local midnight of the scenario's date. */
export function localMidnight(scenario: Scenario): number {
  return Date.parse(`${scenario.site.date}T00:00:00Z`) / 1000 - scenario.site.utcOffsetHours * 3600;
}

/**
 * The twin's input. `firstSlotStart` is the physical time of the first simulated slot: the scenario's
 * date at `startSlotOfDay`. (The chain runs on its own clock; the driver maps twin slot i to chain slot
 * firstChainSlot + i.)
 */
export function buildTwinInput(scenario: Scenario): TwinInput {
  return {
    seed: scenario.seed,
    site: { latitudeDeg: scenario.site.latitude, longitudeDeg: scenario.site.longitude },
    firstSlotStart: localMidnight(scenario) + scenario.startSlotOfDay * scenario.slotLengthSeconds,
    utcOffsetHours: scenario.site.utcOffsetHours,
    slotSeconds: scenario.slotLengthSeconds,
    slots: scenario.slots,
    sky: scenario.sky,
    cloudFronts: scenario.faults.flatMap((f) =>
      f.type === "cloudFront" ? [{ fromSlot: f.fromSlot, toSlot: f.toSlot, depth: f.depth }] : [],
    ),
    households: buildHouseholds(scenario),
  };
}
