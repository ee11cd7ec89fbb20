/**
 * Per-household settings of a scenario: `householdOverrides` is a list of entries, each naming one
 * household (or several) and overriding what the community-wide fields would give it: its kind, its
 * bidding strategy and options, its PV, load and battery parameters. Fields left out keep the
 * community's values. Example:
 *
 *   "householdOverrides": [
 *     { "household": 3, "kind": "battery", "battery": { "capacityKwh": 13.5 } },
 *     { "household": [4, 5], "strategy": { "name": "reservation" }, "pv": { "peakKw": 7.5 } }
 *   ]
 */
import type { HouseholdKind } from "../twin/community.js";
import { Fields, ScenarioError } from "./fields.js";

export const HOUSEHOLD_KINDS: readonly HouseholdKind[] = ["consumer", "prosumer", "battery"];

export interface StrategyChoice {
  name: string;
  options: Record<string, number>;
}

export interface HouseholdOverride {
  household: number;
  kind?: HouseholdKind;
  strategy?: StrategyChoice;
  pv: { peakKw?: number; performanceRatio?: number; factor?: number };
  load: { annualKwh?: number; noise?: number; spikeProbability?: number; spikePowerKw?: number };
  battery: {
    capacityKwh?: number;
    powerKw?: number;
    roundTripEfficiency?: number;
    initialSoc?: number;
    minSoc?: number;
  };
}

/** `strategy: { name, options }` at `fields`; options are numbers, any key (the strategy checks them). */
export function parseStrategy(fields: Fields, fallbackName: string): StrategyChoice {
  const name = fields.string("name", fallbackName, /^[A-Za-z0-9_-]+$/, "a strategy name");
  const optF = fields.object("options");
  const options: Record<string, number> = {};
  const raw = (fields.raw("options") as Record<string, unknown> | undefined) ?? {};
  for (const key of Object.keys(raw)) options[key] = optF.number(key, undefined);
  optF.done();
  fields.done();
  return { name, options };
}

function householdNumbers(f: Fields, households: number): number[] {
  const raw = f.raw("household");
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) throw new ScenarioError(f.at("household"), "expected at least one number");
  return list.map((value) => {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
      throw new ScenarioError(
        f.at("household"),
        `expected a household number (or a list of them), got ${JSON.stringify(value) ?? "nothing"}`,
      );
    }
    if (value > households) {
      throw new ScenarioError(
        f.at("household"),
        `household ${value} does not exist (the community has ${households})`,
      );
    }
    return value;
  });
}

/** An object of optional numbers, each with its bounds; absent keys stay undefined. */
function optionalNumbers<K extends string>(
  f: Fields,
  key: string,
  rules: Record<K, { min: number; max: number }>,
): Partial<Record<K, number>> {
  if (!f.has(key)) {
    f.raw(key);
    return {};
  }
  const o = f.object(key);
  const out: Partial<Record<K, number>> = {};
  for (const [name, rule] of Object.entries(rules) as Array<[K, { min: number; max: number }]>) {
    const value = o.optionalNumber(name, rule);
    if (value !== undefined) out[name] = value;
  }
  o.done();
  return out;
}

function parseEntry(
  value: unknown,
  path: string,
  households: number,
  community: StrategyChoice,
): HouseholdOverride[] {
  const f = Fields.of(value, path);
  const numbers = householdNumbers(f, households);
  const kind = f.has("kind")
    ? f.oneOf("kind", undefined, HOUSEHOLD_KINDS)
    : (f.raw("kind"), undefined);
  let strategy: StrategyChoice | undefined;
  if (f.has("strategy")) {
    const chosen = parseStrategy(f.object("strategy"), community.name);
    // Same strategy as the community's: the household's options refine the community's.
    strategy =
      chosen.name === community.name
        ? { name: chosen.name, options: { ...community.options, ...chosen.options } }
        : chosen;
  } else f.raw("strategy");
  const pv = optionalNumbers(f, "pv", {
    peakKw: { min: 0, max: 1000 },
    performanceRatio: { min: 0.1, max: 1 },
    factor: { min: 0.1, max: 2 },
  });
  const load = optionalNumbers(f, "load", {
    annualKwh: { min: 100, max: 1_000_000 },
    noise: { min: 0, max: 1 },
    spikeProbability: { min: 0, max: 1 },
    spikePowerKw: { min: 0, max: 100 },
  });
  const battery = optionalNumbers(f, "battery", {
    capacityKwh: { min: 0.1, max: 10_000 },
    powerKw: { min: 0.1, max: 10_000 },
    roundTripEfficiency: { min: 0.5, max: 1 },
    initialSoc: { min: 0, max: 1 },
    minSoc: { min: 0, max: 1 },
  });
  if (kind === "consumer" && pv.peakKw !== undefined && pv.peakKw > 0)
    throw new ScenarioError(
      `${path}.pv.peakKw`,
      `a consumer has no PV; set "kind" to prosumer or battery`,
    );
  if (kind !== undefined && kind !== "battery" && Object.keys(battery).length > 0)
    throw new ScenarioError(
      `${path}.battery`,
      `only a household of kind battery has a battery, got kind ${kind}`,
    );
  f.done();
  return numbers.map((household) => ({ household, kind, strategy, pv, load, battery }));
}

/** Validates `scenario.householdOverrides`; a household may be named by one entry only. */
export function parseHouseholdOverrides(
  list: unknown[],
  path: string,
  households: number,
  community: StrategyChoice,
): HouseholdOverride[] {
  const seen = new Map<number, number>();
  return list.flatMap((entry, i) =>
    parseEntry(entry, `${path}[${i}]`, households, community).map((o) => {
      const first = seen.get(o.household);
      if (first !== undefined)
        throw new ScenarioError(
          `${path}[${i}].household`,
          `household ${o.household} is already set by ${path}[${first}]`,
        );
      seen.set(o.household, i);
      return o;
    }),
  );
}

/** The strategy of every household, 1-based: its override's, else the community's. */
export function householdStrategies(scenario: {
  households: number;
  strategy: StrategyChoice;
  householdOverrides: readonly HouseholdOverride[];
}): StrategyChoice[] {
  const byHousehold = new Map(scenario.householdOverrides.map((o) => [o.household, o.strategy]));
  return Array.from(
    { length: scenario.households },
    (_, i) => byHousehold.get(i + 1) ?? scenario.strategy,
  );
}
