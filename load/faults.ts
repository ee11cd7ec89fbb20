/** The load test's faults: the node paused (SIGSTOP) for a while, a client process killed and restarted. */
import { foldJournal, readJournal } from "./lib/journal.js";
import type { HardhatNode } from "./lib/node.js";
import type { Child } from "./lib/children.js";
import { sleep } from "./lib/rpc.js";
import type { FaultRecord } from "./options.js";

type Log = (message: string) => void;

/** Transactions a journal records as sent without an outcome. */
function inFlight(journalPath: string): number {
  return [...foldJournal(readJournal(journalPath)).values()].filter((e) => e.t === "sent").length;
}

/** A third into the phase, the node stops answering for `pauseSeconds`. */
export async function pauseNode(
  node: HardhatNode,
  phaseMs: number,
  pauseSeconds: number,
  seconds: () => number,
  log: Log,
): Promise<FaultRecord> {
  await sleep(phaseMs / 3);
  log(`fault: pausing the node (SIGSTOP ${node.pid}) for ${pauseSeconds} s`);
  const at = seconds();
  node.pause();
  await sleep(pauseSeconds * 1000);
  node.resume();
  return { kind: "pause", atSeconds: at, seconds: pauseSeconds };
}

/** Half way into the phase, `victim` is killed; it restarts and recovers from its journal and the chain. */
export async function killClient(
  victim: Child,
  journalPath: string,
  phaseMs: number,
  seconds: () => number,
  log: Log,
): Promise<FaultRecord> {
  await sleep(phaseMs / 2);
  log(`fault: killing ${victim.name} (SIGKILL ${victim.pid})`);
  const at = seconds();
  victim.kill();
  await sleep(100);
  const pending = inFlight(journalPath);
  await victim.restarted();
  const restartSeconds = seconds() - at;
  log(
    `fault: ${victim.name} restarted (pid ${victim.pid}) after ${(seconds() - at).toFixed(1)} s; ${pending} in flight at the kill, ${victim.lastReady?.recovered} recovered, ${victim.lastReady?.liveOrders} live orders from chain`,
  );
  return {
    kind: "kill",
    atSeconds: at,
    inFlightAtKill: pending,
    recoveredOnRestart: victim.lastReady?.recovered ?? 0,
    restartSeconds,
  };
}
