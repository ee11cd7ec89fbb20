/** Loading scenario files (JSON, or YAML when the `yaml` or `js-yaml` package is installed). */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { localMidnight } from "./community.js";
import { ScenarioError } from "./fields.js";
import { parseProfiles } from "./profiles.js";
import { parseScenario, type Scenario, type ScenarioOverrides } from "./schema.js";

export const DEFAULT_SCENARIO = "scenarios/default.json";

async function parseYaml(text: string, file: string): Promise<unknown> {
  // Imported by name at run time so that JSON scenarios need no YAML package at all.
  const candidates: Array<[string, (mod: Record<string, unknown>) => unknown]> = [
    ["yaml", (mod) => (mod.parse as (t: string) => unknown)(text)],
    [
      "js-yaml",
      (mod) =>
        ((mod.load ?? (mod.default as Record<string, unknown>).load) as (t: string) => unknown)(
          text,
        ),
    ],
  ];
  for (const [name, parse] of candidates) {
    let mod: Record<string, unknown>;
    try {
      mod = (await import(name)) as Record<string, unknown>;
    } catch {
      continue;
    }
    try {
      return parse(mod);
    } catch (error) {
      throw new ScenarioError(file, `not valid YAML: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  throw new ScenarioError(
    file,
    "YAML scenarios need the npm package `yaml`; use JSON or install it",
  );
}

/** Parses scenario text; the format follows the file name's extension. */
export async function parseScenarioText(
  text: string,
  file: string,
  overrides: ScenarioOverrides = {},
): Promise<Scenario> {
  const ext = path.extname(file).toLowerCase();
  let data: unknown;
  if (ext === ".yaml" || ext === ".yml") {
    data = await parseYaml(text, file);
  } else {
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new ScenarioError(file, `not valid JSON: ${(error as Error).message}`);
    }
  }
  return parseScenario(data, overrides, path.basename(file, ext));
}

/** A file's text, or a one-line error naming the option or field that named the file. */
async function readText(file: string, namedBy: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    throw new ScenarioError(
      namedBy,
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
}

export async function readScenario(
  file: string = DEFAULT_SCENARIO,
  overrides: ScenarioOverrides = {},
): Promise<Scenario> {
  const text = await readText(file, "--scenario");
  const scenario = await parseScenarioText(text, file, overrides);
  scenario.file = file;
  if (scenario.profiles)
    await attachProfiles(scenario, path.join(path.dirname(file), scenario.profiles.file));
  return scenario;
}

/** Reads the scenario's measured profiles, and refuses overrides they would make meaningless. */
async function attachProfiles(scenario: Scenario, file: string): Promise<void> {
  const text = await readText(file, "scenario.profiles");
  scenario.measured = parseProfiles(text, file, {
    firstSlotStart: localMidnight(scenario) + scenario.startSlotOfDay * scenario.slotLengthSeconds,
    slotSeconds: scenario.slotLengthSeconds,
    slots: scenario.slots,
    households: scenario.households,
  });
  scenario.householdOverrides.forEach((o) => {
    const series = scenario.measured!.households.get(o.household);
    if (!series) return;
    const field = `scenario.householdOverrides (household ${o.household})`;
    if (Object.keys(o.load).length > 0)
      throw new ScenarioError(
        field,
        `load parameters do not apply: its load is measured in ${file}`,
      );
    if (o.kind === "consumer" && series.pvWh.some((wh) => wh > 0))
      throw new ScenarioError(field, `kind consumer, but ${file} has PV generation for it`);
  });
}
