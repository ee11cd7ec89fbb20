/**
 * Scenario files: what community trades which day under which sky, and which faults are injected.
 * A scenario is JSON or YAML; every field has a default (scenarios/default.json spells them out), and a
 * bad field is refused with a ScenarioError naming it. See docs/testbed.md for the fields.
 */
import { pricePerKWhToBasePerWh, currencyToBase, UnitError } from "../lib/units.js";
import { Fields, ScenarioError } from "./fields.js";
import {
  parseHouseholdOverrides,
  parseStrategy,
  type HouseholdOverride,
  type StrategyChoice,
} from "./households.js";
import type { MeasuredProfiles } from "./profiles.js";

export const FAULT_TYPES = [
  "meterOffline",
  "cloudFront",
  "overPromise",
  "forgedSignatures",
  "lateReadings",
] as const;
export type FaultType = (typeof FAULT_TYPES)[number];

interface SlotWindow {
  /** First twin slot affected (0 = the first simulated slot). */
  fromSlot: number;
  /** Last twin slot affected, inclusive. */
  toSlot: number;
}

export type Fault =
  | ({ type: "meterOffline"; household: number } & SlotWindow)
  | ({ type: "cloudFront"; depth: number } & SlotWindow)
  | ({ type: "overPromise"; household: number; factor: number } & SlotWindow)
  | ({ type: "forgedSignatures"; household: number } & SlotWindow)
  | ({ type: "lateReadings"; household: number; delaySlots: number } & SlotWindow);

export interface Scenario {
  name: string;
  description: string;
  seed: string;
  households: number;
  days: number;
  /** Number of slots simulated (at most days x slots per day). */
  slots: number;
  /** Slot of the local day at which the simulation starts (0 = midnight). */
  startSlotOfDay: number;
  slotLengthSeconds: number;
  readingWindowSeconds: number;
  site: { latitude: number; longitude: number; utcOffsetHours: number; date: string };
  mix: { consumers: number; prosumers: number; batteries: number };
  pv: { peakKwMin: number; peakKwMax: number; performanceRatio: number };
  load: {
    annualKwhMin: number;
    annualKwhMax: number;
    noise: number;
    spikeProbability: number;
    spikePowerKw: number;
  };
  battery: {
    capacityKwh: number;
    powerKw: number;
    roundTripEfficiency: number;
    initialSoc: number;
    minSoc: number;
  };
  sky: { meanClearSkyIndex: number; persistence: number; volatility: number };
  tariffs: {
    currency: string;
    retail: string;
    feedIn: string;
    retailPerWh: bigint;
    feedInPerWh: bigint;
  };
  /**
   * Market deposit per household (currency, deposited for it by the grid operator) and gas money per
   * household (ETH): "1" by default in the direct flow, "0" in the relayed flow (households hold no ETH).
   */
  funding: { deposit: string; depositBase: bigint; gasEth: string };
  /**
   * How orders reach the market: "relayed" (default) households sign, the aggregator submits each slot's
   * orders in `placeSignedOrders` batches of `batchSize`; "direct" each household sends its own placeOrder.
   */
  orders: { flow: OrderFlow; batchSize: number };
  strategy: StrategyChoice;
  /** Per-household kind, strategy and equipment (scripts/scenario/households.ts). */
  householdOverrides: HouseholdOverride[];
  /** Measured PV and load: `file` as written in the scenario (relative to it), loaded by readScenario. */
  profiles?: { file: string };
  /** The profiles' data once loaded (scripts/scenario/profiles.ts). */
  measured?: MeasuredProfiles;
  /** The scenario file this was read from, when it came from a file. */
  file?: string;
  /** "auto": fast-forward chain time on a development node, wait in real time elsewhere. */
  timing: "auto" | "fast-forward" | "real-time";
  faults: Fault[];
  /**
   * What the command-line overrides changed beyond the field they set, one line each: faults and
   * household overrides dropped by a smaller `--households`, `--slots` capped at the days simulated.
   */
  notices: string[];
}

export type OrderFlow = "relayed" | "direct";
export const ORDER_FLOWS: readonly OrderFlow[] = ["relayed", "direct"];
/** Orders per placeSignedOrders batch: the default, and the most that fit the gas cap (scripts/sim/gas.ts). */
export const DEFAULT_RELAY_BATCH = 100;
export const MAX_RELAY_BATCH = 130;

/** Command-line overrides (`--households`, `--days`, `--slots`, `--start`, `--seed`, `--strategy`, `--orders`). */
export interface ScenarioOverrides {
  /** The order flow (`--orders relayed|direct`). */
  orders?: OrderFlow;
  households?: number;
  days?: number;
  slots?: number;
  /** Local time of day of the first slot, "HH:MM" on a slot boundary (`--start`). */
  start?: string;
  seed?: string;
  /** The community's strategy by name; its options are the scenario's only for the same name. */
  strategy?: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DECIMAL = /^\d+(\.\d+)?$/;

function price(fields: Fields, key: string, fallback: string): { text: string; perWh: bigint } {
  const text = fields.string(key, fallback, DECIMAL, "a price in currency per kWh such as 0.25");
  try {
    return { text, perWh: pricePerKWhToBasePerWh(text, fields.at(key)) };
  } catch (error) {
    if (error instanceof UnitError)
      throw new ScenarioError(
        fields.at(key),
        `${error.message.split(": ").slice(1).join(": ")} (prices have at most 3 decimals per kWh)`,
      );
    throw error;
  }
}

function slotWindow(fields: Fields): SlotWindow {
  const fromSlot = fields.number("fromSlot", 0, { integer: true, min: 0 });
  const toSlot = fields.number("toSlot", Number.MAX_SAFE_INTEGER, { integer: true, min: 0 });
  if (toSlot < fromSlot) {
    throw new ScenarioError(
      fields.at("toSlot"),
      `must not be before fromSlot (${fromSlot}), got ${toSlot}`,
    );
  }
  return { fromSlot, toSlot };
}

/** A fault as written; `households` is the count the scenario file itself declares. */
function parseFault(value: unknown, path: string, households: number): Fault {
  const f = Fields.of(value, path);
  const type = f.oneOf("type", undefined, FAULT_TYPES);
  const household = () => {
    const h = f.number("household", undefined, { integer: true, min: 1 });
    if (h > households) {
      throw new ScenarioError(
        f.at("household"),
        `household ${h} does not exist (the community has ${households})`,
      );
    }
    return h;
  };
  let fault: Fault;
  switch (type) {
    case "meterOffline":
      fault = { type, household: household(), ...slotWindow(f) };
      break;
    case "forgedSignatures":
      fault = { type, household: household(), ...slotWindow(f) };
      break;
    case "cloudFront":
      fault = { type, depth: f.number("depth", 0.2, { min: 0, max: 1 }), ...slotWindow(f) };
      break;
    case "overPromise":
      fault = {
        type,
        household: household(),
        factor: f.number("factor", 2, { min: 1, max: 100 }),
        ...slotWindow(f),
      };
      break;
    case "lateReadings":
      fault = {
        type,
        household: household(),
        delaySlots: f.number("delaySlots", 2, { integer: true, min: 1, max: 1000 }),
        ...slotWindow(f),
      };
      break;
  }
  f.done();
  return fault;
}

/** How big the run is: households, days, the slot clock and the slots to trade (overrides applied). */
function parseSize(s: Fields, overrides: ScenarioOverrides, notices: string[]) {
  // Faults and household overrides are checked against the file's own count (a fault the file names
  // for a household it does not have is the file's mistake); `--households` then drops the ones
  // beyond its smaller count, with a notice.
  const fileHouseholds = s.number("households", 20, { integer: true, min: 1, max: 10_000 });
  const households = overrides.households ?? fileHouseholds;
  if (!Number.isInteger(households) || households < 1) {
    throw new ScenarioError(
      "--households",
      `expected a whole number of at least 1, got ${households}`,
    );
  }
  const days = overrides.days ?? s.number("days", 1, { integer: true, min: 1, max: 366 });
  if (overrides.days !== undefined) s.raw("days");
  if (!Number.isInteger(days) || days < 1)
    throw new ScenarioError("--days", `expected a whole number of at least 1, got ${days}`);

  const slotLengthSeconds = s.number("slotLengthSeconds", 900, {
    integer: true,
    min: 10,
    max: 86_400,
  });
  if (86_400 % slotLengthSeconds !== 0) {
    throw new ScenarioError(
      s.at("slotLengthSeconds"),
      `must divide a day (86400 s) evenly, got ${slotLengthSeconds}`,
    );
  }
  const slotsPerDay = 86_400 / slotLengthSeconds;
  const fileStartSlot = s.number("startSlotOfDay", 0, {
    integer: true,
    min: 0,
    max: slotsPerDay - 1,
  });
  const startSlotOfDay =
    overrides.start === undefined ? fileStartSlot : startSlotOf(overrides.start, slotLengthSeconds);
  const maxSlots = days * slotsPerDay - startSlotOfDay;
  const slotsRaw = overrides.slots ?? s.optionalNumber("slots", { integer: true, min: 1 });
  if (overrides.slots !== undefined) s.raw("slots");
  if (slotsRaw !== undefined && (!Number.isInteger(slotsRaw) || slotsRaw < 1)) {
    throw new ScenarioError("--slots", `expected a whole number of at least 1, got ${slotsRaw}`);
  }
  const slots = Math.min(slotsRaw ?? maxSlots, maxSlots);
  if (slotsRaw !== undefined && slotsRaw > maxSlots)
    notices.push(
      `${overrides.slots === undefined ? s.at("slots") : "--slots"} ${slotsRaw} capped at ${maxSlots}, ` +
        `the slots left in ${days} day${days === 1 ? "" : "s"} from ${clockOf(startSlotOfDay * slotLengthSeconds)} (raise --days for more)`,
    );
  const readingWindowSeconds = s.number("readingWindowSeconds", slotLengthSeconds, {
    integer: true,
    min: 1,
  });
  return {
    fileHouseholds,
    households,
    days,
    slots,
    startSlotOfDay,
    slotLengthSeconds,
    readingWindowSeconds,
  };
}

function parseSite(s: Fields): Scenario["site"] {
  const siteF = s.object("site");
  const site = {
    latitude: siteF.number("latitude", 48.14, { min: -66, max: 66 }),
    longitude: siteF.number("longitude", 11.58, { min: -180, max: 180 }),
    utcOffsetHours: siteF.number("utcOffsetHours", 2, { min: -12, max: 14 }),
    date: siteF.string("date", "2025-06-21", DATE, "a date as YYYY-MM-DD"),
  };
  if (Number.isNaN(Date.parse(`${site.date}T00:00:00Z`))) {
    throw new ScenarioError(siteF.at("date"), `"${site.date}" is not a calendar date`);
  }
  siteF.done();
  return site;
}

function parseMix(s: Fields): Scenario["mix"] {
  const mixF = s.object("mix");
  const mix = {
    consumers: mixF.number("consumers", 0.4, { min: 0, max: 1 }),
    prosumers: mixF.number("prosumers", 0.45, { min: 0, max: 1 }),
    batteries: mixF.number("batteries", 0.15, { min: 0, max: 1 }),
  };
  const mixSum = mix.consumers + mix.prosumers + mix.batteries;
  if (Math.abs(mixSum - 1) > 1e-6) {
    throw new ScenarioError(
      s.at("mix"),
      `shares of consumers, prosumers and batteries must add up to 1, got ${mixSum}`,
    );
  }
  mixF.done();
  return mix;
}

function parsePv(s: Fields): Scenario["pv"] {
  const pvF = s.object("pv");
  const pv = {
    peakKwMin: pvF.number("peakKwMin", 4, { min: 0.1, max: 1000 }),
    peakKwMax: pvF.number("peakKwMax", 9, { min: 0.1, max: 1000 }),
    performanceRatio: pvF.number("performanceRatio", 0.85, { min: 0.1, max: 1 }),
  };
  if (pv.peakKwMax < pv.peakKwMin)
    throw new ScenarioError(pvF.at("peakKwMax"), `must not be below peakKwMin (${pv.peakKwMin})`);
  pvF.done();
  return pv;
}

/** The households' demand (the scenario's "load" object). */
function parseDemand(s: Fields): Scenario["load"] {
  const loadF = s.object("load");
  const load = {
    annualKwhMin: loadF.number("annualKwhMin", 2500, { min: 100, max: 1_000_000 }),
    annualKwhMax: loadF.number("annualKwhMax", 5000, { min: 100, max: 1_000_000 }),
    noise: loadF.number("noise", 0.2, { min: 0, max: 1 }),
    spikeProbability: loadF.number("spikeProbability", 0.05, { min: 0, max: 1 }),
    spikePowerKw: loadF.number("spikePowerKw", 2, { min: 0, max: 100 }),
  };
  if (load.annualKwhMax < load.annualKwhMin) {
    throw new ScenarioError(
      loadF.at("annualKwhMax"),
      `must not be below annualKwhMin (${load.annualKwhMin})`,
    );
  }
  loadF.done();
  return load;
}

function parseBattery(s: Fields): Scenario["battery"] {
  const batF = s.object("battery");
  const battery = {
    capacityKwh: batF.number("capacityKwh", 10, { min: 0.1, max: 10_000 }),
    powerKw: batF.number("powerKw", 5, { min: 0.1, max: 10_000 }),
    roundTripEfficiency: batF.number("roundTripEfficiency", 0.9, { min: 0.5, max: 1 }),
    initialSoc: batF.number("initialSoc", 0.3, { min: 0, max: 1 }),
    minSoc: batF.number("minSoc", 0.05, { min: 0, max: 1 }),
  };
  batF.done();
  return battery;
}

function parseSky(s: Fields): Scenario["sky"] {
  const skyF = s.object("sky");
  const sky = {
    meanClearSkyIndex: skyF.number("meanClearSkyIndex", 0.75, { min: 0.05, max: 1 }),
    persistence: skyF.number("persistence", 0.9, { min: 0, max: 1 }),
    volatility: skyF.number("volatility", 0.08, { min: 0, max: 1 }),
  };
  skyF.done();
  return sky;
}

function parseTariffs(s: Fields): Scenario["tariffs"] {
  const tarF = s.object("tariffs");
  const retail = price(tarF, "retail", "0.32");
  const feedIn = price(tarF, "feedIn", "0.08");
  const currency = tarF.string("currency", "EUR", /^[A-Za-z]{1,8}$/, "a currency code such as EUR");
  if (feedIn.perWh >= retail.perWh) {
    throw new ScenarioError(
      tarF.at("feedIn"),
      `must be below the retail tariff (${retail.text}), got ${feedIn.text}`,
    );
  }
  tarF.done();
  return {
    currency,
    retail: retail.text,
    feedIn: feedIn.text,
    retailPerWh: retail.perWh,
    feedInPerWh: feedIn.perWh,
  };
}

function parseOrders(s: Fields, overrides: ScenarioOverrides): Scenario["orders"] {
  const ordersF = s.object("orders");
  const fromFile = ordersF.oneOf("flow", "relayed", ORDER_FLOWS);
  const flow = overrides.orders ?? fromFile;
  const batchSize = ordersF.number("batchSize", DEFAULT_RELAY_BATCH, {
    integer: true,
    min: 1,
    max: MAX_RELAY_BATCH,
  });
  ordersF.done();
  return { flow, batchSize };
}

/** Households hold gas money only in the direct flow, unless the scenario gives them some. */
function parseFunding(s: Fields, flow: OrderFlow): Scenario["funding"] {
  const fundF = s.object("funding");
  const deposit = fundF.string("deposit", "100", DECIMAL, "an amount of currency such as 100");
  const depositBase = currencyToBase(deposit, fundF.at("deposit"));
  const gasEth = fundF.string(
    "gasEth",
    flow === "direct" ? "1" : "0",
    /^\d+(\.\d{1,6})?$/,
    "an amount of ETH with at most 6 decimals such as 0.05",
  );
  fundF.done();
  return { deposit, depositBase, gasEth };
}

/**
 * The choices: strategy, per-household overrides, measured profiles, timing and faults; those the file
 * names for households beyond `--households` dropped with a notice.
 */
function parseChoices(
  s: Fields,
  overrides: ScenarioOverrides,
  size: { fileHouseholds: number; households: number },
  notices: string[],
) {
  const { fileHouseholds, households } = size;
  const fromFile = parseStrategy(s.object("strategy"), "linear");
  if (overrides.strategy !== undefined && !/^[A-Za-z0-9_-]+$/.test(overrides.strategy))
    throw new ScenarioError("--strategy", `expected a strategy name, got "${overrides.strategy}"`);
  const strategy =
    overrides.strategy === undefined || overrides.strategy === fromFile.name
      ? fromFile
      : { name: overrides.strategy, options: {} };
  const householdOverrides = parseHouseholdOverrides(
    s.list("householdOverrides"),
    s.at("householdOverrides"),
    fileHouseholds,
    strategy,
  ).filter((o) => {
    if (o.household <= households) return true;
    notices.push(
      `${s.at("householdOverrides")}: household ${o.household} dropped (--households ${households})`,
    );
    return false;
  });
  const profilesFile = s.has("profiles")
    ? s.string("profiles", undefined, /\.csv$/i, "a CSV file name such as profiles/sample.csv")
    : (s.raw("profiles"), undefined);

  const timing = s.oneOf("timing", "auto", ["auto", "fast-forward", "real-time"] as const);
  const faults = s
    .list("faults")
    .map((f, i) => parseFault(f, `${s.at("faults")}[${i}]`, fileHouseholds))
    .filter((fault, i) => {
      if (!("household" in fault) || fault.household <= households) return true;
      notices.push(
        `${s.at("faults")}[${i}] (${fault.type}, household ${fault.household}) dropped: --households ${households}`,
      );
      return false;
    });
  return {
    strategy,
    householdOverrides,
    ...(profilesFile === undefined ? {} : { profiles: { file: profilesFile } }),
    timing,
    faults,
  };
}

/** Validates scenario data (parsed JSON/YAML) and applies command-line overrides. */
export function parseScenario(
  data: unknown,
  overrides: ScenarioOverrides = {},
  fallbackName = "scenario",
): Scenario {
  const s = Fields.of(data ?? {}, "scenario");
  const name = s.string(
    "name",
    fallbackName,
    /^[A-Za-z0-9._-]+$/,
    "letters, digits, '.', '_' or '-'",
  );
  const description = s.string("description", "");
  const seedRaw = s.raw("seed");
  const seed = overrides.seed ?? (seedRaw === undefined ? "gridledger" : String(seedRaw));
  const notices: string[] = [];
  const { fileHouseholds, ...size } = parseSize(s, overrides, notices);
  const site = parseSite(s);
  const mix = parseMix(s);
  const pv = parsePv(s);
  const load = parseDemand(s);
  const battery = parseBattery(s);
  const sky = parseSky(s);
  const tariffs = parseTariffs(s);
  const orders = parseOrders(s, overrides);
  const funding = parseFunding(s, orders.flow);
  const choices = parseChoices(
    s,
    overrides,
    { fileHouseholds, households: size.households },
    notices,
  );
  s.done();

  return {
    name,
    description,
    seed,
    ...size,
    site,
    mix,
    pv,
    load,
    battery,
    sky,
    tariffs,
    funding,
    orders,
    ...choices,
    notices,
  };
}

/** "HH:MM" from seconds after local midnight. */
function clockOf(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

/** The slot of the day at which `--start HH:MM` begins; refused unless it is a slot boundary. */
function startSlotOf(start: string, slotLengthSeconds: number): number {
  const match = /^(\d{1,2}):(\d{2})$/.exec(start);
  const seconds = match ? Number(match[1]) * 3600 + Number(match[2]) * 60 : NaN;
  if (!match || Number(match[1]) > 23 || Number(match[2]) > 59)
    throw new ScenarioError("--start", `expected a local time of day as HH:MM, got "${start}"`);
  if (seconds % slotLengthSeconds !== 0)
    throw new ScenarioError(
      "--start",
      `${start} is not the start of a slot: slots are ${slotLengthSeconds / 60} min long from 00:00`,
    );
  return seconds / slotLengthSeconds;
}
