/**
 * The simulated day, start to end: a digital-twin community trades a day on chain. This module only
 * orders the named steps (setup.ts, clock.ts, tick.ts, retirement.ts) and times them; the report is built
 * from what they recorded (accounting.ts). Chain time is fast-forwarded on a development node and waited
 * for on any other network. After the last tick, consumers retire the certificates they hold.
 */
import type { Chain } from "../lib/chain.js";
import { UsageError } from "../lib/errors.js";
import { Rng } from "../lib/prng.js";
import { Progress, type ProgressOptions } from "../lib/progress.js";
import { basePerWhToPricePerKWh, whToKWh } from "../lib/units.js";
import type { SimulationReport } from "../report/model.js";
import { buildTwinInput } from "../scenario/community.js";
import type { Scenario } from "../scenario/schema.js";
import { strategiesOf } from "../strategy/index.js";
import { simulateCommunity } from "../twin/community.js";
import { buildReport } from "./accounting.js";
import { planDay, waitForTick } from "./clock.js";
import type { DayPlan, RunContext } from "./context.js";
import { reduceEvents } from "./events.js";
import { directOrders } from "./householdOrders.js";
import { relayedOrders } from "./relayedOrders.js";
import { readingDomain } from "./meterReadings.js";
import { retireCertificates } from "./retirement.js";
import {
  blocksGas,
  householdsOf,
  marketBalanceOf,
  readMarketFacts,
  roleSenders,
  setUpHouseholds,
  suiteOfRun,
  timingModeOf,
  totalsBefore,
  type SuiteOfRun,
  type SuiteOptions,
} from "./setup.js";
import type { SlotRuntime } from "./state.js";
import { runTick, type TickState } from "./tick.js";

export { GAS_LIMITS } from "./gas.js";

export interface SimulationOptions extends SuiteOptions {
  chain: Chain;
  scenario: Scenario;
  /** Ignition deployment id on a node (default chain-<id>); a run deploys when it finds no record. */
  deploymentId?: string;
  /** Deploy a new suite even when a record exists (end-to-end tests). */
  freshDeployment?: boolean;
  /** Parameters file for a deployment made by this run (default ignition/parameters/embedded.json). */
  parametersFile?: string;
  progress?: ProgressOptions;
}

/** Wall-clock seconds per named phase of the run. */
class Phases {
  readonly seconds: Record<string, number> = {};
  async time<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.seconds[name] = (this.seconds[name] ?? 0) + (performance.now() - t0) / 1000;
    }
  }
}

/** The twin, the suite, the senders and households: everything known before the setup batch. */
async function prepare(
  options: SimulationOptions,
  phases: Phases,
): Promise<{ ctx: RunContext; deployment: SuiteOfRun }> {
  const { chain, scenario } = options;
  const twin = await phases.time("twin", async () => simulateCommunity(buildTwinInput(scenario)));
  const signers = await chain.ethers.getSigners();
  if (signers.length === 0)
    throw new UsageError("--network", `${chain.networkName} has no accounts configured`);
  const accounts = signers.map((s) => s.address);
  const pick = (i: number) => accounts[i] ?? accounts[0]!;
  const timingMode = timingModeOf(chain, scenario);
  const deployment = await phases.time("deploy", () => suiteOfRun(chain, scenario, options, pick));
  const { suite } = deployment;
  const facts = await readMarketFacts(suite, scenario);
  const { runner, actors } = await roleSenders(chain, suite, timingMode, accounts);
  const households = await householdsOf(twin, scenario, suite, runner);
  const totals = await totalsBefore(suite);
  const ctx = {
    chain,
    scenario,
    suite,
    twin,
    timingMode,
    facts,
    runner,
    actors,
    households,
    totals,
  };
  return { ctx, deployment };
}

function tickStatus(slots: SlotRuntime[], k: number, localHours: number[]): string {
  const slot = slots[k];
  if (!slot) return "";
  const h = localHours[k]!; // the slot's middle
  const hh = String(Math.floor(h)).padStart(2, "0");
  const mm = String(Math.floor((h % 1) * 60)).padStart(2, "0");
  const cleared = slot.cleared;
  if (!cleared || cleared.quantityWh === 0n) return `slot ${k} ~${hh}:${mm} no trade`;
  return `slot ${k} ~${hh}:${mm} price ${basePerWhToPricePerKWh(cleared.price)}/kWh traded ${whToKWh(cleared.quantityWh)} kWh`;
}

/** The ticks from one before the first slot to the last with work, with progress output. */
async function startTrading(ctx: RunContext, plan: DayPlan, progressOptions?: ProgressOptions) {
  const { scenario } = ctx;
  const state: TickState = {
    plan,
    strategies: strategiesOf(scenario),
    bidRng: new Rng(scenario.seed).stream("bids"),
    submitOrders:
      scenario.orders.flow === "relayed" ? relayedOrders(scenario.orders.batchSize) : directOrders,
    domain: readingDomain(ctx),
    late: new Map(),
    seconds: {},
  };
  const progress = new Progress("trading", plan.lastTick + 2, progressOptions);
  const c0 = plan.firstChainSlot;
  progress.log(
    `Trading ${scenario.slots} slots of ${ctx.facts.slotLength} s from chain slot ${c0} (${new Date(plan.startOf(c0) * 1000).toISOString()}), ${ctx.households.length} households, ${ctx.timingMode}, ${scenario.orders.flow} orders`,
  );
  return { state, progress };
}

/** Retirements sent and mined, then their events read. */
async function retire(ctx: RunContext, plan: DayPlan) {
  await retireCertificates(ctx, plan);
  const fastForward = ctx.timingMode === "fast-forward";
  const at = fastForward ? (await ctx.chain.latestTimestamp()) + 1 : undefined;
  reduceEvents(ctx, plan, await ctx.runner.flush(at));
}

/** The balances after the run. */
async function readBalancesAfter(ctx: RunContext): Promise<void> {
  const { suite, totals } = ctx;
  for (const h of ctx.households) h.balanceAfter = await marketBalanceOf(suite, h.account.address);
  totals.marketTokenAfter = await suite.token.balanceOf(suite.addresses.market);
  totals.escrowAfter = await suite.market.escrowed();
  totals.operatorBalanceAfter = await marketBalanceOf(
    suite,
    await suite.market.gridOperatorAccount(),
  );
}

/** The deployment's transactions and gas, counted to the deployer, when this run deployed. */
async function tallyDeployment(ctx: RunContext, deployment: SuiteOfRun): Promise<void> {
  if (!deployment.deployBlocks) return;
  const { from, to } = deployment.deployBlocks;
  const deployTally = await blocksGas(ctx.chain, from, to);
  const tally = ctx.runner.tally;
  tally.set("deployer", {
    transactions: (tally.get("deployer")?.transactions ?? 0) + deployTally.transactions,
    gasUsed: (tally.get("deployer")?.gasUsed ?? 0n) + deployTally.gasUsed,
  });
}

function report(ctx: RunContext, state: TickState, phases: Phases, wallStart: number) {
  const { runner } = ctx;
  const plan = state.plan;
  const wallSeconds = (performance.now() - wallStart) / 1000;
  // The trading phase's parts: each tick step's time (sending included), signing the orders within it.
  for (const [step, seconds] of Object.entries(state.seconds))
    phases.seconds[`trading: ${step}`] = seconds;
  phases.seconds["trading: orders: signing (EIP-712)"] = state.submitOrders.signingSeconds;
  phases.seconds["send (sign + submit), all phases"] = runner.seconds.send;
  phases.seconds["mine + receipts, all phases"] = runner.seconds.mine;
  const started = performance.now();
  const built = buildReport({
    scenario: ctx.scenario,
    chain: ctx.chain,
    suite: ctx.suite,
    twin: ctx.twin,
    households: ctx.households,
    slots: plan.slots,
    totals: ctx.totals,
    market: {
      penaltyPerWh: ctx.facts.penaltyPerWh,
      collateralPerWh: ctx.facts.sellerCollateralPerWh,
    },
    readingWindowSeconds: ctx.facts.readingWindow,
    maxOrdersPerSlot: ctx.facts.maxOrdersPerSlot,
    roles: runner.tally,
    actions: runner.actions,
    transactions: runner.transactions,
    wallSeconds,
    phases: phases.seconds,
    startedAt: new Date(Date.now() - wallSeconds * 1000).toISOString(),
  });
  built.run.phases["report (accounting)"] = (performance.now() - started) / 1000;
  return built;
}

/** Runs the scenario's day on the chain and returns its report (ledger checks included). */
export async function runSimulation(options: SimulationOptions): Promise<SimulationReport> {
  const wallStart = performance.now();
  const phases = new Phases();
  const { ctx, deployment } = await prepare(options, phases);
  await ctx.runner.begin();
  try {
    await phases.time("setup", () => setUpHouseholds(ctx));
    const plan = await planDay(ctx);
    const { state, progress } = await startTrading(ctx, plan, options.progress);
    await phases.time("trading", async () => {
      for (let k = -1; k <= plan.lastTick; k++) {
        await waitForTick(ctx, plan, k);
        await runTick(ctx, state, k);
        progress.update(k + 2, tickStatus(plan.slots, k, ctx.twin.localHours));
      }
    });
    progress.finish();
    await phases.time("retire", () => retire(ctx, plan));
    await readBalancesAfter(ctx);
    await tallyDeployment(ctx, deployment);
    return report(ctx, state, phases, wallStart);
  } finally {
    await ctx.runner.restore();
  }
}
