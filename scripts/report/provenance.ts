/**
 * Where a run came from, recorded in report.json (`run.provenance`) so that two runs can be told apart
 * and repeated: the run's name, the resolved scenario, the strategies, the code's commit and the tools.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { householdStrategies, type StrategyChoice } from "../scenario/households.js";
import type { Scenario } from "../scenario/schema.js";

const run = promisify(execFile);

export interface Provenance {
  name: string;
  scenarioFile: string | null;
  /** The community's strategy; `householdStrategies` lists the households whose strategy differs. */
  strategy: StrategyChoice;
  householdStrategies: Array<{ household: number } & StrategyChoice>;
  /** `git rev-parse HEAD` of the working directory, "unknown" outside a repository. */
  commit: string;
  /** Whether the working tree had uncommitted changes (null when unknown). */
  dirty: boolean | null;
  tools: Record<string, string>;
  profiles: { file: string; sha256: string; households: number[] } | null;
  /** The scenario after defaults and command-line overrides, as the run used it. */
  scenario: Record<string, unknown>;
}

export const RUN_NAME = /^[A-Za-z0-9._-]+$/;

/** The strategies of a scenario in one word: `linear`, or `linear+reservation` when households differ. */
export function strategyLabel(scenario: Scenario): string {
  return [...new Set(householdStrategies(scenario).map((s) => s.name))].join("+");
}

/** `<scenario>-<strategies>-<UTC time>`, e.g. `default-linear-20250621T101112Z`. */
export function runName(scenario: Scenario, now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${scenario.name}-${strategyLabel(scenario)}-${stamp}`;
}

async function git(args: string[]): Promise<string | undefined> {
  try {
    return (await run("git", args, { timeout: 10_000 })).stdout.trim();
  } catch {
    return undefined;
  }
}

async function installedVersion(pkg: string): Promise<string> {
  try {
    const file = path.join("node_modules", pkg, "package.json");
    return (JSON.parse(await readFile(file, "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

export async function toolVersions(): Promise<Record<string, string>> {
  const packages = ["hardhat", "ethers", "solc", "@openzeppelin/contracts", "typescript"];
  const versions = await Promise.all(packages.map(installedVersion));
  let gridledger = "unknown";
  try {
    gridledger = (JSON.parse(await readFile("package.json", "utf8")) as { version: string })
      .version;
  } catch {
    // not run from the repository's root
  }
  return {
    gridledger,
    node: process.version,
    ...Object.fromEntries(packages.map((p, i) => [p, versions[i]!])),
  };
}

/** The scenario as JSON data: measured series left out (the file's hash stands for them). */
export function resolvedScenario(scenario: Scenario): Record<string, unknown> {
  const { measured, file: _file, ...rest } = scenario;
  return {
    ...rest,
    ...(measured ? { profiles: { file: measured.file, sha256: measured.sha256 } } : {}),
  };
}

export async function collectProvenance(scenario: Scenario, name: string): Promise<Provenance> {
  const [commit, status, tools] = await Promise.all([
    git(["rev-parse", "HEAD"]),
    git(["status", "--porcelain"]),
    toolVersions(),
  ]);
  const strategies = householdStrategies(scenario);
  const measured = scenario.measured;
  return {
    name,
    scenarioFile: scenario.file ?? null,
    strategy: scenario.strategy,
    householdStrategies: strategies.flatMap((s, i) =>
      s === scenario.strategy ? [] : [{ household: i + 1, ...s }],
    ),
    commit: commit || "unknown",
    dirty: status === undefined ? null : status.length > 0,
    tools,
    profiles: measured
      ? {
          file: measured.file,
          sha256: measured.sha256,
          households: [...measured.households.keys()],
        }
      : null,
    scenario: resolvedScenario(scenario),
  };
}
