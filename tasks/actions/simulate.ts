/** `hardhat simulate`: the digital twin trades a day on chain; prints a summary and writes a report folder. */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { chainFrom } from "../../scripts/lib/chain.js";
import { ensureBuilt, runCommand } from "../../scripts/lib/command.js";
import { UsageError } from "../../scripts/lib/errors.js";
import { formatSummary } from "../../scripts/report/summary.js";
import path from "node:path";
import { collectProvenance, RUN_NAME, runName } from "../../scripts/report/provenance.js";
import { writeReport } from "../../scripts/report/write.js";
import { DEFAULT_SCENARIO, readScenario } from "../../scripts/scenario/read.js";
import { ORDER_FLOWS, type OrderFlow } from "../../scripts/scenario/schema.js";
import { runSimulation } from "../../scripts/sim/run.js";

export interface SimulateArguments {
  scenario: string;
  /** Whole numbers as typed; absent means "as the scenario says". */
  households: string | undefined;
  days: string | undefined;
  slots: string | undefined;
  /** Local time of day of the first slot, HH:MM. */
  start: string | undefined;
  seed: string;
  out: string;
  name: string;
  strategy: string;
  /** "relayed" | "direct", or "" for the scenario's. */
  orders: string;
  deploymentId: string;
  fresh: boolean;
  quiet: boolean;
}

/** An option that overrides the scenario: absent means "as the scenario says", anything else a whole number of at least 1. */
function optional(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\s*-?\d+\s*$/.test(value))
    throw new UsageError(option, `expected a whole number of at least 1, got "${value}"`);
  const number = Number(value);
  if (number < 1)
    throw new UsageError(option, `expected a whole number of at least 1, got ${number}`);
  return number;
}

function orderFlowOf(value: string): OrderFlow | undefined {
  if (value === "") return undefined;
  if (!(ORDER_FLOWS as readonly string[]).includes(value))
    throw new UsageError("--orders", `expected ${ORDER_FLOWS.join(" or ")}, got "${value}"`);
  return value as OrderFlow;
}

export default async function simulate(args: SimulateArguments, hre: HardhatRuntimeEnvironment) {
  return runCommand(async () => {
    const scenario = await readScenario(args.scenario || DEFAULT_SCENARIO, {
      households: optional(args.households, "--households"),
      days: optional(args.days, "--days"),
      slots: optional(args.slots, "--slots"),
      start: args.start,
      seed: args.seed || undefined,
      strategy: args.strategy || undefined,
      orders: orderFlowOf(args.orders),
    });
    if (args.name !== "" && !RUN_NAME.test(args.name))
      throw new UsageError("--name", `letters, digits, '.', '_' or '-' only, got "${args.name}"`);
    const name = args.name || runName(scenario);
    for (const notice of scenario.notices) process.stderr.write(`notice: ${notice}\n`);
    await ensureBuilt(hre);
    const chain = await chainFrom(await hre.network.create());
    const report = await runSimulation({
      chain,
      scenario,
      deploymentId: args.deploymentId || undefined,
      freshDeployment: args.fresh,
      progress: { silent: args.quiet },
    });
    report.run.name = name;
    report.run.provenance = await collectProvenance(scenario, name);
    const written = await writeReport(report, args.out || path.join("reports", name));
    process.stdout.write(
      `\n${formatSummary(report)}\n\nReport: ${written.files.html}\n        ${written.dir}/ (report.json, slots.csv, households.csv, household_slots.csv, roles.csv, actions.csv)\n`,
    );
    if (report.ledger.some((c) => !c.ok))
      throw new Error("the ledger does not add up (see the report)");
    return written;
  });
}
