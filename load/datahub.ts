/**
 * The data hub process: when the driver says a slot has ended, it signs every meter's reading of that
 * slot with the meter's device key and submits them in batches (`submitReadings`, all or nothing), while
 * the prosumer clients keep trading. Its transactions go through the same journaled sender as theirs.
 *
 * Run by the driver: `node --import tsx load/datahub.ts <config.json>` (see load/run.ts).
 */
import { readFileSync } from "node:fs";

import { registryDomain, signReading } from "../scripts/lib/readings.js";
import {
  between,
  dataHubWallet,
  meterWallet,
  random,
  type DataHubConfig,
  type FromChild,
  type ToChild,
} from "./lib/config.js";
import { registryInterface } from "./lib/contracts.js";
import { Journal, foldJournal, type SentEntry } from "./lib/journal.js";
import { Rpc, sleep } from "./lib/rpc.js";
import { AccountSender } from "./lib/sender.js";

/** Imports of a prosumer in one slot stay below this, Wh. */
const MAX_IMPORT_WH = 1_000;

const config = JSON.parse(readFileSync(process.argv[2], "utf8")) as DataHubConfig;
const d = config.deployment;
const maxExportWh = Math.floor((d.meterCapacityW * d.slotLength) / 3600);
const send = (message: FromChild) =>
  new Promise<void>((resolve) =>
    process.send ? process.send(message, () => resolve()) : resolve(),
  );

const queue: number[] = [];
let stopping = false;
process.on("message", (message: ToChild) => {
  if (message.type === "stop") stopping = true;
  else queue.push(message.slot);
});

/** Meter indexes whose reading of `slot` an accepted batch of this journal already carries. */
function alreadySubmitted(journal: Journal, slot: number): Set<number> {
  const done = new Set<number>();
  for (const entry of foldJournal(journal.read()).values()) {
    if (entry.t !== "outcome" || entry.status !== "accepted" || entry.meta.slot !== slot) continue;
    for (const meter of String(entry.meta.meters).split(",")) done.add(Number(meter));
  }
  return done;
}

async function submitSlot(sender: AccountSender, journal: Journal, slot: number) {
  const domain = registryDomain(d.registry, BigInt(d.chainId));
  const done = alreadySubmitted(journal, slot);
  const todo = config.meters.filter((m) => !done.has(m));
  let recorded = 0;
  let failedBatches = 0;
  for (let i = 0; i < todo.length; i += config.batchSize) {
    const batch = todo.slice(i, i + config.batchSize);
    const readings = await Promise.all(
      batch.map((m) => {
        // The same values for the same (seed, slot, meter): a resubmission after a restart agrees.
        const rng = random(config.seed * 65_537 + slot * 1_009 + m);
        return signReading(meterWallet(m), domain, {
          meter: meterWallet(m).address,
          slot: BigInt(slot),
          importedWh: BigInt(between(rng, 0, MAX_IMPORT_WH)),
          exportedWh: BigInt(between(rng, Math.floor(maxExportWh / 4), maxExportWh)),
        });
      }),
    );
    const result = await sender.submit({
      kind: "readings",
      to: d.registry,
      data: registryInterface.encodeFunctionData("submitReadings", [readings]),
      meta: { slot, meters: batch.join(","), count: batch.length },
    });
    if (result.outcome.status === "accepted") recorded += batch.length;
    else failedBatches += 1;
  }
  return { recorded, failedBatches, submitted: Math.ceil(todo.length / config.batchSize) };
}

async function main(): Promise<void> {
  const rpc = new Rpc(config.url);
  const journal = new Journal(config.journal);
  const sender = await AccountSender.open(
    rpc,
    dataHubWallet(),
    BigInt(d.chainId),
    journal,
    `${config.name}.${process.pid}`,
  );
  const pending = [...foldJournal(journal.read()).values()].filter(
    (e): e is SentEntry => e.t === "sent",
  );
  const recovered = (await sender.recover(pending)).length;
  await send({ type: "ready", name: config.name, recovered, liveOrders: 0 });
  let batches = 0;
  while (!stopping && Date.now() < config.deadline) {
    const slot = queue.shift();
    if (slot === undefined) {
      await sleep(100);
      continue;
    }
    const { recorded, failedBatches, submitted } = await submitSlot(sender, journal, slot);
    batches += submitted;
    await send({ type: "readingsDone", slot, recorded, failedBatches });
  }
  await send({ type: "done", name: config.name, ops: batches, rpc: rpc.stats });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`${config.name}: ${String(error)}`);
    process.exit(1);
  },
);
