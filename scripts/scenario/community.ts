/** From a scenario to the twin's input: which household is what, with which equipment. */
import { Rng } from "../lib/prng.js";
import type { BatterySpec } from "../twin/battery.js";
import type { HouseholdKind, HouseholdSpec, TwinInput } from "../twin/community.js";
import { ScenarioError } from "./fields.js";
import type { MeasuredSeries } from "./profiles.js";
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

type Override = Scenario["householdOverrides"][number] | undefined;

/** The household's kind: its override's; a measured household with PV sells, one without buys. */
function kindOf(mixKind: HouseholdKind, o: Override, measured: MeasuredSeries | undefined) {
  if (o?.kind) return o.kind;
  if (measured) return measured.pvWh.some((wh) => wh > 0) ? "prosumer" : "consumer";
  return mixKind;
}

function batteryOf(scenario: Scenario, o: Override): BatterySpec {
  const b = { ...scenario.battery, ...o?.battery };
  return {
    capacityWh: b.capacityKwh * 1000,
    maxPowerW: b.powerKw * 1000,
    roundTripEfficiency: b.roundTripEfficiency,
    initialSoc: b.initialSoc,
    minSoc: b.minSoc,
  };
}

/** The largest PV power a measured series shows, W (its nameplate for the report). */
function measuredPeakW(series: MeasuredSeries, slotSeconds: number): number {
  return Math.round((Math.max(0, ...series.pvWh) * 3600) / slotSeconds);
}

/** Overrides the household's kind would ignore (its kind came from the mix or its profile). */
function checkOverride(o: Override, kind: HouseholdKind): void {
  if (!o) return;
  const at = `scenario.householdOverrides (household ${o.household})`;
  if (kind !== "battery" && Object.keys(o.battery).length > 0)
    throw new ScenarioError(
      `${at}.battery`,
      `household ${o.household} is a ${kind}: add "kind": "battery"`,
    );
  if (kind === "consumer" && Object.keys(o.pv).length > 0)
    throw new ScenarioError(
      `${at}.pv`,
      `household ${o.household} is a consumer: add "kind": "prosumer"`,
    );
}

export function buildHouseholds(scenario: Scenario): HouseholdSpec[] {
  if (scenario.profiles && !scenario.measured)
    throw new ScenarioError("scenario.profiles", "not loaded: read the scenario with readScenario");
  const root = new Rng(scenario.seed).stream("equipment");
  const overrides = new Map(scenario.householdOverrides.map((o) => [o.household, o]));
  return householdKinds(scenario.households, scenario.mix).map((mixKind, i) => {
    const rng = root.stream(String(i + 1));
    const o = overrides.get(i + 1);
    const measured = scenario.measured?.households.get(i + 1);
    const kind = kindOf(mixKind, o, measured);
    checkOverride(o, kind);
    // Draws in the order they always had, so a household without overrides keeps its numbers.
    const drawPeakKw = () => rng.uniform(scenario.pv.peakKwMin, scenario.pv.peakKwMax);
    const drawnPeakKw = mixKind === "consumer" ? undefined : drawPeakKw();
    const pvFactor = rng.uniform(0.9, 1.05);
    const annualKWh = rng.uniform(scenario.load.annualKwhMin, scenario.load.annualKwhMax);
    let pvPeakW = 0;
    if (kind !== "consumer")
      pvPeakW =
        measured && o?.pv.peakKw === undefined
          ? measuredPeakW(measured, scenario.slotLengthSeconds)
          : Math.round((o?.pv.peakKw ?? drawnPeakKw ?? drawPeakKw()) * 1000);
    const load = { ...scenario.load, ...o?.load };
    return {
      index: i + 1,
      name: `household-${String(i + 1).padStart(3, "0")}`,
      kind,
      pvPeakW,
      pvFactor: o?.pv.factor ?? pvFactor,
      performanceRatio: o?.pv.performanceRatio ?? scenario.pv.performanceRatio,
      load: {
        annualKWh: o?.load.annualKwh ?? annualKWh,
        noise: load.noise,
        spikeProbability: load.spikeProbability,
        spikePowerW: load.spikePowerKw * 1000,
      },
      battery: kind === "battery" ? batteryOf(scenario, o) : undefined,
      ...(measured ? { measured } : {}),
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
