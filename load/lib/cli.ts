/** Command line of the driver: its options and the summary it prints. */
import path from "node:path";

import type { LoadOptions, LoadReport } from "../options.js";

export function parseArgs(argv: string[]): Partial<LoadOptions> {
  const options: Partial<LoadOptions> = {};
  const numeric: Record<string, keyof LoadOptions> = {
    "--accounts": "accounts",
    "--processes": "processes",
    "--slots": "slots",
    "--phase": "phaseSeconds",
    "--port": "port",
    "--pause-seconds": "pauseSeconds",
    "--seed": "seed",
    "--batch": "batchSize",
    "--max-seconds": "maxSeconds",
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--fault-pause") options.faultPause = true;
    else if (arg === "--fault-kill") options.faultKill = true;
    else if (arg === "--faults") options.faultPause = options.faultKill = true;
    else if (arg === "--out") options.outDir = path.resolve(argv[++i]);
    else if (arg in numeric) (options as Record<string, number>)[numeric[arg]] = Number(argv[++i]);
    else throw new Error(`unknown argument ${arg}`);
  }
  return options;
}

export function summary(report: LoadReport): string {
  const c = report.verification.counts;
  const lines = [
    `${report.ok ? "PASS" : "FAIL"}: ${report.options.accounts} prosumers in ${report.options.processes} processes, ${report.options.slots} slots`,
    `load phase ${report.load.seconds.toFixed(1)} s, ${report.load.minedTxs} txs mined: ${report.load.txPerSecond.toFixed(1)} tx/s sustained (${report.load.txPerSecondExcludingPause.toFixed(1)} tx/s without the pause)`,
    `orders: ${c["place.accepted"] ?? 0} accepted (${c.onChainOrders ?? 0} on chain), ${c["place.failed.preflight"] ?? 0} refused at preflight, ${c["place.failed.mined"] ?? 0} reverted when mined`,
    `cancels: ${c["cancel.accepted"] ?? 0} accepted (${c.onChainCancels ?? 0} on chain), ${(c["cancel.failed.preflight"] ?? 0) + (c["cancel.failed.mined"] ?? 0)} failed; settles by clients: ${c["settle.accepted"] ?? 0} accepted, ${(c["settle.failed.preflight"] ?? 0) + (c["settle.failed.mined"] ?? 0)} failed`,
    `readings: ${c.readingsAccepted ?? 0} accepted, ${c.readingsOnChain ?? 0} on chain; unresolved ${c.unresolved ?? 0}; resolved after a restart: ${c["recovered.receipt"] ?? 0} already mined, ${c["recovered.resend"] ?? 0} re-sent; retried sends refused as already mined: ${c.deduplicatedRetries ?? 0}`,
    `ledger: market holds ${report.verification.ledger.marketTokenBalance}, owes ${report.verification.ledger.owed} (locked ${report.verification.ledger.locked}, escrow ${report.verification.ledger.escrowed})`,
    ...report.faults.map(
      (f) => `fault ${f.kind} at ${f.atSeconds.toFixed(1)} s: ${JSON.stringify(f)}`,
    ),
    ...report.processes.flatMap((p) =>
      p.exits.map(
        (e) =>
          `exit of ${p.name}: ${e.signal ?? `code ${e.code}`}${e.lastLine ? ` (${e.lastLine})` : ""}; ${p.recovered} resolved from its journal on restarts`,
      ),
    ),
    ...report.verification.failures.map((f) => `  failure: ${f}`),
  ];
  return lines.join("\n");
}
