/**
 * The load test driver. Starts a `hardhat node` on 127.0.0.1, deploys and funds the market for
 * `accounts` prosumers, forks `processes` client processes (disjoint accounts) and a data hub, and then
 * walks the chain through `slots` delivery slots: trading phases of `phaseSeconds` wall time, after each
 * of which it moves chain time to the next gate closure, clears the closed slot, asks the data hub for the
 * readings of the slot that ended, and settles the slot whose reading window closed. Optional faults: the
 * node is paused (SIGSTOP) for `pauseSeconds`, a client process is killed (SIGKILL) and restarted.
 * Afterwards it verifies the run against the chain (load/verify.ts) and writes `report.json`.
 *
 *   npx tsx load/run.ts [--accounts 100] [--processes 4] [--slots 6] [--phase 10] [--port 8555]
 *                       [--fault-pause] [--fault-kill] [--pause-seconds 5] [--out load/out] [--seed 1]
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

import type { Child } from "./lib/children.js";
import { gateClosureOf, targetSlots, type Deployment } from "./lib/config.js";
import { SlotStatus } from "./lib/contracts.js";
import { Journal, readJournal, foldJournal, type JournalEntry } from "./lib/journal.js";
import { repoFile, startHardhatNode, type HardhatNode } from "./lib/node.js";
import { Rpc, sleep, within } from "./lib/rpc.js";
import { advanceChainTo, deployAndFund } from "./deploy.js";
import { killClient, pauseNode } from "./faults.js";
import { Keeper } from "./keeper.js";
import { parseArgs, summary } from "./lib/cli.js";
import { DEFAULT_OPTIONS, type FaultRecord, type LoadOptions, type LoadReport } from "./options.js";
import { startProcesses, type Processes } from "./processes.js";
import { verifyRun } from "./verify.js";

export { DEFAULT_OPTIONS, type FaultRecord, type LoadOptions, type LoadReport } from "./options.js";

/** The files a run writes to its output directory (and only these are removed by the next run). */
const RUN_FILE = /^(node\.log|report\.json|(setup|keeper|hub|c\d+)\.(jsonl|json|log))$/;

/** Operations of all journals in `outDir`. */
function journalsIn(outDir: string): JournalEntry[] {
  return readdirSync(outDir)
    .filter((f) => RUN_FILE.test(f) && f.endsWith(".jsonl"))
    .flatMap((f) => readJournal(path.join(outDir, f)));
}

function gasByKind(entries: JournalEntry[]): LoadReport["gas"] {
  const sums = new Map<string, { txs: number; gas: number }>();
  for (const e of foldJournal(entries).values()) {
    if (e.t !== "outcome" || e.gasUsed === undefined || e.status !== "accepted") continue;
    const key = e.kind === "setup" ? `setup ${e.meta.what}` : e.kind;
    const sum = sums.get(key) ?? { txs: 0, gas: 0 };
    sum.txs += 1;
    sum.gas += e.gasUsed;
    sums.set(key, sum);
  }
  return Object.fromEntries(
    [...sums].map(([k, v]) => [k, { txs: v.txs, averageGas: Math.round(v.gas / v.txs) }]),
  );
}

/** The output directory emptied of the files of an earlier run (only those). */
function prepareOutDir(outDir: string): (file: string) => string {
  mkdirSync(outDir, { recursive: true });
  for (const f of readdirSync(outDir)) {
    if (RUN_FILE.test(f)) rmSync(path.join(outDir, f));
  }
  return (f: string) => path.join(outDir, f);
}

/** What the steps of a run share. */
interface LoadRun {
  options: LoadOptions;
  node: HardhatNode;
  rpc: Rpc;
  d: Deployment;
  out: (file: string) => string;
  deadline: number;
  log: (message: string) => void;
  processes: Processes;
  keeper: Keeper;
  targets: Set<number>;
  faults: FaultRecord[];
  seconds: () => number;
  pausedSeconds: number;
}

/** A trading phase of wall time, with the fault the options ask for at its step. */
async function tradingPhase(run: LoadRun, step: number, phaseMs: number): Promise<void> {
  const { options } = run;
  const phaseEnd = Date.now() + phaseMs;
  if (options.faultPause && step === Math.min(2, options.slots - 1)) {
    run.faults.push(await pauseNode(run.node, phaseMs, options.pauseSeconds, run.seconds, run.log));
    run.pausedSeconds += options.pauseSeconds;
  }
  if (options.faultKill && step === Math.min(1, options.slots - 1)) {
    const victim = run.processes.children[1]!;
    const journal = run.out(`${victim.name}.jsonl`);
    run.faults.push(await killClient(victim, journal, phaseMs, run.seconds, run.log));
  }
  const rest = phaseEnd - Date.now();
  if (rest > 0) await sleep(rest);
}

/** After a phase: the keeper finishes late slots, chain time moves to the next gate closure. */
async function moveOn(run: LoadRun, step: number): Promise<void> {
  const { keeper, targets } = run;
  const first = run.d.firstSlot;
  // Clients had the whole phase to settle slot first + step - 4 themselves: the keeper finishes it.
  const lateSettle = first + step - 4;
  if (targets.has(lateSettle) && (await keeper.slotStatus(lateSettle)) === SlotStatus.Cleared)
    await keeper.marketCall("settle", lateSettle);
  if (targets.has(lateSettle)) await keeper.certify(lateSettle);
  // The readings of slot first + step - 3 must be in before its reading window closes.
  const waiting = run.processes.readingsOf(first + step - 3);
  if (
    waiting !== undefined &&
    (await within(
      waiting.then(() => true),
      60_000,
    )) === undefined
  )
    run.log(`readings of slot ${first + step - 3} not confirmed`);

  await advanceChainTo(run.rpc, gateClosureOf(run.d, first + step));
  run.log(
    `step ${step}: chain time at gate closure of slot ${first + step} (${run.seconds().toFixed(1)} s)`,
  );
  if (targets.has(first + step) && (await keeper.slotStatus(first + step)) === SlotStatus.Open)
    await keeper.marketCall("clear", first + step);
  if (targets.has(first + step - 2)) run.processes.requestReadings(first + step - 2);
}

/** The run: trading phases, each followed by a move of chain time to the next gate closure. */
async function walkSlots(run: LoadRun): Promise<void> {
  for (let step = 0; step <= run.options.slots + 3; step++) {
    if (Date.now() > run.deadline) throw new Error("run deadline passed");
    const trading = step < run.options.slots;
    const phaseMs = trading ? run.options.phaseSeconds * 1000 : 1_500;
    if (trading) await tradingPhase(run, step, phaseMs);
    else await sleep(phaseMs);
    await moveOn(run, step);
  }
}

function processStats(children: readonly Child[]): LoadReport["processes"] {
  return children.map((c) => ({
    name: c.name,
    restarts: c.restarts,
    exits: c.exits,
    recovered: c.recovered,
    ops: c.lastDone?.ops ?? 0,
    rpcRetries: c.lastDone?.rpc.retries ?? 0,
    longestOutageMs: c.lastDone?.rpc.longestOutageMs ?? 0,
  }));
}

/** The processes stopped, the run verified against the chain, and report.json written. */
async function finish(
  run: LoadRun,
  setup: { txs: number; seconds: number },
  fromBlock: number,
): Promise<LoadReport> {
  const { options } = run;
  const { children } = run.processes;
  for (const child of children) await child.stop();
  const loadSeconds = run.seconds();
  const toBlock = Number(await run.rpc.call<string>("eth_blockNumber"));
  run.log(`load phase done in ${loadSeconds.toFixed(1)} s; verifying`);
  const journals = journalsIn(options.outDir);
  const window = { fromBlock, toBlock };
  const verification = await verifyRun(run.rpc, run.d, journals, window, options.accounts);
  const report: LoadReport = {
    ok: verification.failures.length === 0,
    options: { ...options, verbose: undefined } as unknown as LoadReport["options"],
    deployment: run.d,
    setup,
    load: {
      seconds: loadSeconds,
      fromBlock,
      toBlock,
      minedTxs: verification.windowTxs,
      txPerSecond: verification.windowTxs / loadSeconds,
      txPerSecondExcludingPause: verification.windowTxs / (loadSeconds - run.pausedSeconds),
    },
    faults: run.faults,
    processes: processStats(children),
    gas: gasByKind(journals),
    verification,
  };
  writeFileSync(run.out("report.json"), JSON.stringify(report, null, 2));
  return report;
}

export async function runLoad(overrides: Partial<LoadOptions> = {}): Promise<LoadReport> {
  const options: LoadOptions = { ...DEFAULT_OPTIONS, ...overrides };
  const log = (message: string) =>
    options.verbose && console.log(`[load ${new Date().toISOString().slice(11, 19)}] ${message}`);
  if (options.accounts < options.processes)
    throw new Error("need at least one account per process");
  const out = prepareOutDir(options.outDir);
  const deadline = Date.now() + options.maxSeconds * 1000;

  let node: HardhatNode | undefined;
  const children: Child[] = [];
  try {
    node = await startHardhatNode(options.port, out("node.log"));
    log(`hardhat node pid ${node.pid} at ${node.url}`);
    const rpc = new Rpc(node.url);

    const setupStarted = Date.now();
    const setup = await deployAndFund(
      rpc,
      options.accounts,
      options.slots,
      new Journal(out("setup.jsonl")),
    );
    const d = setup.deployment;
    const setupSeconds = (Date.now() - setupStarted) / 1000;
    log(
      `deployed and funded ${options.accounts} prosumers in ${setupSeconds.toFixed(1)} s (${setup.setupTxs} txs); slots ${d.firstSlot}..${d.firstSlot + d.slots - 1}`,
    );
    const processes = await startProcesses({ options, url: node.url, d, out, deadline }, children);
    log(`${options.processes} clients and the data hub are ready`);
    const keeper = await Keeper.open(rpc, d, out("keeper.jsonl"), log);
    const loadStarted = Date.now();
    const fromBlock = Number(await rpc.call<string>("eth_blockNumber")) + 1;
    const run: LoadRun = {
      options,
      node,
      rpc,
      d,
      out,
      deadline,
      log,
      processes,
      keeper,
      targets: new Set(targetSlots(d)),
      faults: [],
      seconds: () => (Date.now() - loadStarted) / 1000,
      pausedSeconds: 0,
    };
    await walkSlots(run);
    return await finish(run, { txs: setup.setupTxs, seconds: setupSeconds }, fromBlock);
  } finally {
    for (const child of children) await child.stop(5_000).catch(() => undefined);
    await node?.stop();
  }
}

// Run as a script (not when imported by the test).
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === repoFile("load/run.ts")) {
  runLoad(parseArgs(process.argv.slice(2))).then(
    (report) => {
      console.log(summary(report));
      console.log(`report: ${path.join(report.options.outDir, "report.json")}`);
      process.exit(report.ok ? 0 : 1);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
