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

import { Child } from "./lib/children.js";
import {
  gateClosureOf,
  keeperWallet,
  targetSlots,
  type ClientConfig,
  type DataHubConfig,
  type Deployment,
  type FromChild,
} from "./lib/config.js";
import { CERTIFY_SELLERS_PAGE, CLAIM_BUYERS_PAGE } from "../scripts/lib/certification.js";
import { SlotStatus, certificatesInterface, marketInterface } from "./lib/contracts.js";
import { Journal, readJournal, foldJournal, type JournalEntry } from "./lib/journal.js";
import { repoFile, startHardhatNode, type HardhatNode } from "./lib/node.js";
import { Rpc, sleep, within } from "./lib/rpc.js";
import { AccountSender } from "./lib/sender.js";
import { advanceChainTo, deployAndFund } from "./deploy.js";
import { verifyRun, type Verification } from "./verify.js";
import { parseArgs, summary } from "./lib/cli.js";

export interface LoadOptions {
  accounts: number;
  processes: number;
  slots: number;
  /** Wall time of each trading phase, s. */
  phaseSeconds: number;
  /** 0: any free port. */
  port: number;
  faultPause: boolean;
  faultKill: boolean;
  pauseSeconds: number;
  outDir: string;
  seed: number;
  /** Readings per data-hub transaction. */
  batchSize: number;
  /** Hard bound of the whole run (node start to verification), s. */
  maxSeconds: number;
  /** Print progress to stdout. */
  verbose: boolean;
}

export const DEFAULT_OPTIONS: LoadOptions = {
  accounts: 100,
  processes: 4,
  slots: 6,
  phaseSeconds: 10,
  port: 8555,
  faultPause: false,
  faultKill: false,
  pauseSeconds: 5,
  outDir: repoFile("load/out"),
  seed: 1,
  batchSize: 25,
  maxSeconds: 600,
  verbose: true,
};

export interface FaultRecord {
  kind: "pause" | "kill";
  atSeconds: number;
  seconds?: number;
  /** Kill: transactions the killed process had journaled as sent without an outcome. */
  inFlightAtKill?: number;
  /** Kill: outcomes the restarted process resolved from its journal and the chain. */
  recoveredOnRestart?: number;
  restartSeconds?: number;
}

export interface LoadReport {
  ok: boolean;
  options: Omit<LoadOptions, "verbose">;
  deployment: Deployment;
  setup: { txs: number; seconds: number };
  load: {
    seconds: number;
    fromBlock: number;
    toBlock: number;
    minedTxs: number;
    txPerSecond: number;
    txPerSecondExcludingPause: number;
  };
  faults: FaultRecord[];
  processes: {
    name: string;
    restarts: number;
    ops: number;
    rpcRetries: number;
    longestOutageMs: number;
  }[];
  gas: Record<string, { txs: number; averageGas: number }>;
  verification: Verification;
}

/** The files a run writes to its output directory (and only these are removed by the next run). */
const RUN_FILE = /^(node\.log|report\.json|(setup|keeper|hub|c\d+)\.(jsonl|json|log))$/;

/** Operations of all journals in `outDir`. */
function journalsIn(outDir: string): JournalEntry[] {
  return readdirSync(outDir)
    .filter((f) => RUN_FILE.test(f) && f.endsWith(".jsonl"))
    .flatMap((f) => readJournal(path.join(outDir, f)));
}

function inFlight(journalPath: string): number {
  return [...foldJournal(readJournal(journalPath)).values()].filter((e) => e.t === "sent").length;
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

export async function runLoad(overrides: Partial<LoadOptions> = {}): Promise<LoadReport> {
  const options: LoadOptions = { ...DEFAULT_OPTIONS, ...overrides };
  const log = (message: string) =>
    options.verbose && console.log(`[load ${new Date().toISOString().slice(11, 19)}] ${message}`);
  if (options.accounts < options.processes)
    throw new Error("need at least one account per process");
  mkdirSync(options.outDir, { recursive: true });
  for (const f of readdirSync(options.outDir)) {
    if (RUN_FILE.test(f)) rmSync(path.join(options.outDir, f));
  }
  const out = (f: string) => path.join(options.outDir, f);
  const runDeadline = Date.now() + options.maxSeconds * 1000;

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

    // ---- Processes: a data hub and the clients, each owning every processes-th account.
    const readingsDone = new Map<number, () => void>();
    const readingsWaits = new Map<number, Promise<void>>();
    const onMessage = (_child: Child, message: FromChild) => {
      if (message.type === "readingsDone") readingsDone.get(message.slot)?.();
    };
    const hubConfig: DataHubConfig = {
      name: "hub",
      url: node.url,
      deployment: d,
      meters: Array.from({ length: options.accounts }, (_, i) => i),
      batchSize: options.batchSize,
      seed: options.seed,
      journal: out("hub.jsonl"),
      deadline: runDeadline,
    };
    const hub = new Child(
      "hub",
      "load/datahub.ts",
      hubConfig,
      out("hub.json"),
      out("hub.log"),
      onMessage,
    );
    children.push(hub);
    for (let p = 0; p < options.processes; p++) {
      const config: ClientConfig = {
        name: `c${p}`,
        url: node.url,
        deployment: d,
        prosumers: Array.from({ length: options.accounts }, (_, i) => i).filter(
          (i) => i % options.processes === p,
        ),
        seed: options.seed * 1_000 + p,
        journal: out(`c${p}.jsonl`),
        maxOpsPerAccount: 10_000,
        deadline: runDeadline,
      };
      children.push(
        new Child(
          config.name,
          "load/client.ts",
          config,
          out(`c${p}.json`),
          out(`c${p}.log`),
          onMessage,
        ),
      );
    }
    await Promise.all(children.map((c) => c.start()));
    log(`${options.processes} clients and the data hub are ready`);

    const keeper = await AccountSender.open(
      rpc,
      keeperWallet(),
      BigInt(d.chainId),
      new Journal(out("keeper.jsonl")),
      "keeper",
    );
    const slotStatus = async (slot: number) => {
      const data = marketInterface.encodeFunctionData("slotInfo", [slot]);
      const [info] = marketInterface.decodeFunctionResult(
        "slotInfo",
        await rpc.call<string>("eth_call", [{ to: d.market, data }, "latest"]),
      );
      return Number(info.status) as SlotStatus;
    };
    const keeperCall = async (fn: "clear" | "settle", slot: number) => {
      const result = await keeper.submit({
        kind: fn,
        to: d.market,
        data:
          fn === "clear"
            ? marketInterface.encodeFunctionData("clear", [slot])
            : marketInterface.encodeFunctionData("settle", [slot]),
        meta: { slot },
      });
      log(
        `keeper ${fn}(${slot}): ${result.outcome.status}${result.outcome.error ? " " + result.outcome.error : ""}`,
      );
    };
    // A traded slot's certificates after its settlement, whoever settled it: both passes, in pages.
    const certify = async (slot: number) => {
      const [trade] = marketInterface.decodeFunctionResult(
        "settledTrade",
        await rpc.call<string>("eth_call", [
          { to: d.market, data: marketInterface.encodeFunctionData("settledTrade", [slot]) },
          "latest",
        ]),
      ) as unknown as [boolean];
      if (!trade) return;
      const passes = [
        ["certifySellers", CERTIFY_SELLERS_PAGE, "sellersDone"],
        ["claimBuyers", CLAIM_BUYERS_PAGE, "buyersDone"],
      ] as const;
      for (const [fn, pageSize, doneField] of passes) {
        for (;;) {
          const progress = certificatesInterface.decodeFunctionResult(
            "certificationOf",
            await rpc.call<string>("eth_call", [
              {
                to: d.certificates,
                data: certificatesInterface.encodeFunctionData("certificationOf", [slot]),
              },
              "latest",
            ]),
          );
          if (progress[doneField]) break;
          const result = await keeper.submit({
            kind: "certify",
            to: d.certificates,
            data:
              fn === "certifySellers"
                ? certificatesInterface.encodeFunctionData("certifySellers", [slot, pageSize])
                : certificatesInterface.encodeFunctionData("claimBuyers", [slot, pageSize]),
            meta: { slot, fn },
          });
          log(
            `keeper ${fn}(${slot}, ${pageSize}): ${result.outcome.status}${result.outcome.error ? " " + result.outcome.error : ""}`,
          );
          if (result.outcome.status !== "accepted") break;
        }
      }
    };
    const requestReadings = (slot: number) => {
      readingsWaits.set(slot, new Promise<void>((resolve) => readingsDone.set(slot, resolve)));
      hub.send({ type: "readings", slot });
    };

    // ---- The run: trading phases, each followed by a move of chain time to the next gate closure.
    const targets = new Set(targetSlots(d));
    const first = d.firstSlot;
    const faults: FaultRecord[] = [];
    const pauseStep = Math.min(2, options.slots - 1);
    const killStep = Math.min(1, options.slots - 1);
    const loadStarted = Date.now();
    const fromBlock = Number(await rpc.call<string>("eth_blockNumber")) + 1;
    const seconds = () => (Date.now() - loadStarted) / 1000;
    let pausedSeconds = 0;
    for (let step = 0; step <= options.slots + 3; step++) {
      if (Date.now() > runDeadline) throw new Error("run deadline passed");
      const trading = step < options.slots;
      const phaseMs = trading ? options.phaseSeconds * 1000 : 1_500;
      const phaseEnd = Date.now() + phaseMs;
      if (trading && options.faultPause && step === pauseStep) {
        await sleep(phaseMs / 3);
        log(`fault: pausing the node (SIGSTOP ${node.pid}) for ${options.pauseSeconds} s`);
        const at = seconds();
        node.pause();
        await sleep(options.pauseSeconds * 1000);
        node.resume();
        pausedSeconds += options.pauseSeconds;
        faults.push({ kind: "pause", atSeconds: at, seconds: options.pauseSeconds });
      }
      if (trading && options.faultKill && step === killStep) {
        await sleep(phaseMs / 2);
        const victim = children[1];
        log(`fault: killing ${victim.name} (SIGKILL ${victim.pid})`);
        const at = seconds();
        victim.kill();
        await sleep(100);
        const pending = inFlight(out(`${victim.name}.jsonl`));
        await victim.restarted();
        faults.push({
          kind: "kill",
          atSeconds: at,
          inFlightAtKill: pending,
          recoveredOnRestart: victim.lastReady?.recovered ?? 0,
          restartSeconds: seconds() - at,
        });
        log(
          `fault: ${victim.name} restarted (pid ${victim.pid}) after ${(seconds() - at).toFixed(1)} s; ${pending} in flight at the kill, ${victim.lastReady?.recovered} recovered, ${victim.lastReady?.liveOrders} live orders from chain`,
        );
      }
      const rest = phaseEnd - Date.now();
      if (rest > 0) await sleep(rest);

      // Clients had the whole phase to settle slot first + step - 4 themselves: the keeper finishes it.
      const lateSettle = first + step - 4;
      if (targets.has(lateSettle) && (await slotStatus(lateSettle)) === SlotStatus.Cleared)
        await keeperCall("settle", lateSettle);
      if (targets.has(lateSettle)) await certify(lateSettle);
      // The readings of slot first + step - 3 must be in before its reading window closes.
      const waiting = readingsWaits.get(first + step - 3);
      if (
        waiting !== undefined &&
        (await within(
          waiting.then(() => true),
          60_000,
        )) === undefined
      )
        log(`readings of slot ${first + step - 3} not confirmed`);

      await advanceChainTo(rpc, gateClosureOf(d, first + step));
      log(
        `step ${step}: chain time at gate closure of slot ${first + step} (${seconds().toFixed(1)} s)`,
      );
      if (targets.has(first + step) && (await slotStatus(first + step)) === SlotStatus.Open)
        await keeperCall("clear", first + step);
      if (targets.has(first + step - 2)) requestReadings(first + step - 2);
    }
    for (const child of children) await child.stop();
    const loadSeconds = seconds();
    const toBlock = Number(await rpc.call<string>("eth_blockNumber"));
    log(`load phase done in ${loadSeconds.toFixed(1)} s; verifying`);

    const journals = journalsIn(options.outDir);
    const verification = await verifyRun(
      rpc,
      d,
      journals,
      { fromBlock, toBlock },
      options.accounts,
    );
    const report: LoadReport = {
      ok: verification.failures.length === 0,
      options: { ...options, verbose: undefined } as unknown as LoadReport["options"],
      deployment: d,
      setup: { txs: setup.setupTxs, seconds: setupSeconds },
      load: {
        seconds: loadSeconds,
        fromBlock,
        toBlock,
        minedTxs: verification.windowTxs,
        txPerSecond: verification.windowTxs / loadSeconds,
        txPerSecondExcludingPause: verification.windowTxs / (loadSeconds - pausedSeconds),
      },
      faults,
      processes: children.map((c) => ({
        name: c.name,
        restarts: c.restarts,
        ops: c.lastDone?.ops ?? 0,
        rpcRetries: c.lastDone?.rpc.retries ?? 0,
        longestOutageMs: c.lastDone?.rpc.longestOutageMs ?? 0,
      })),
      gas: gasByKind(journals),
      verification,
    };
    writeFileSync(out("report.json"), JSON.stringify(report, null, 2));
    return report;
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
