/**
 * The load test's processes: a data hub that signs and submits the readings of a slot when asked, and the
 * client processes, each owning every processes-th prosumer account.
 */
import { Child } from "./lib/children.js";
import type { ClientConfig, DataHubConfig, Deployment, FromChild } from "./lib/config.js";
import type { LoadOptions } from "./options.js";

export interface Processes {
  hub: Child;
  /** The hub first, then the clients c0, c1, ... */
  children: Child[];
  /** Asks the hub for a slot's readings; `readingsOf` then resolves when it reports them done. */
  requestReadings: (slot: number) => void;
  readingsOf: (slot: number) => Promise<void> | undefined;
}

interface Start {
  options: LoadOptions;
  url: string;
  d: Deployment;
  out: (file: string) => string;
  deadline: number;
}

function clientConfig(s: Start, p: number): ClientConfig {
  const { options } = s;
  return {
    name: `c${p}`,
    url: s.url,
    deployment: s.d,
    prosumers: Array.from({ length: options.accounts }, (_, i) => i).filter(
      (i) => i % options.processes === p,
    ),
    seed: options.seed * 1_000 + p,
    journal: s.out(`c${p}.jsonl`),
    maxOpsPerAccount: 10_000,
    deadline: s.deadline,
  };
}

function hubConfig(s: Start): DataHubConfig {
  return {
    name: "hub",
    url: s.url,
    deployment: s.d,
    meters: Array.from({ length: s.options.accounts }, (_, i) => i),
    batchSize: s.options.batchSize,
    seed: s.options.seed,
    journal: s.out("hub.jsonl"),
    deadline: s.deadline,
  };
}

/**
 * Creates the hub and the clients and pushes each onto `children` as soon as it exists (so that the
 * caller stops every process that was created, even when a later one fails), then starts them all.
 */
export async function startProcesses(s: Start, children: Child[]): Promise<Processes> {
  const readingsDone = new Map<number, () => void>();
  const readingsWaits = new Map<number, Promise<void>>();
  const onMessage = (_child: Child, message: FromChild) => {
    if (message.type === "readingsDone") readingsDone.get(message.slot)?.();
  };
  const hub = new Child(
    "hub",
    "load/datahub.ts",
    hubConfig(s),
    s.out("hub.json"),
    s.out("hub.log"),
    onMessage,
  );
  children.push(hub);
  for (let p = 0; p < s.options.processes; p++) {
    const config = clientConfig(s, p);
    children.push(
      new Child(
        config.name,
        "load/client.ts",
        config,
        s.out(`c${p}.json`),
        s.out(`c${p}.log`),
        onMessage,
      ),
    );
  }
  await Promise.all(children.map((c) => c.start()));
  return {
    hub,
    children,
    requestReadings: (slot) => {
      readingsWaits.set(slot, new Promise<void>((resolve) => readingsDone.set(slot, resolve)));
      hub.send({ type: "readings", slot });
    },
    readingsOf: (slot) => readingsWaits.get(slot),
  };
}
