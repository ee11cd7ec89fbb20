/** The load test's options, their defaults, and the report a run writes (report.json). */
import type { Deployment } from "./lib/config.js";
import { repoFile } from "./lib/node.js";
import type { Verification } from "./verify.js";

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
    /** Exits before the stop (the kill fault's, and any crash with the last line it logged). */
    exits: { code: number | null; signal: string | null; lastLine: string }[];
    /** Journaled transactions the process resolved when it started, over all its incarnations. */
    recovered: number;
    ops: number;
    rpcRetries: number;
    longestOutageMs: number;
  }[];
  gas: Record<string, { txs: number; averageGas: number }>;
  verification: Verification;
}
