/**
 * A prosumer client process: owns a disjoint set of prosumer accounts and, until the driver says stop,
 * places, cancels and (one account) settles orders for the run's target slots, each account one
 * transaction at a time with its own nonce sequence. Every attempt and what the client was told about it
 * goes to the process's journal. On start it resumes from its journal and the chain: it re-delivers the
 * transactions it had sent without an answer, takes its nonces and live orders from the chain.
 *
 * Run by the driver: `node --import tsx load/client.ts <config.json>` (see load/run.ts).
 */
import { readFileSync } from "node:fs";
import { ZeroAddress } from "ethers";

import { liveOrdersOf, ChainClock } from "./lib/chainState.js";
import {
  between,
  gateClosureOf,
  meterWallet,
  prosumerWallet,
  random,
  readingWindowEndOf,
  targetSlots,
  type ClientConfig,
  type FromChild,
  type ToChild,
} from "./lib/config.js";
import { Side, marketInterface } from "./lib/contracts.js";
import { Journal, foldJournal, type SentEntry } from "./lib/journal.js";
import { Rpc, sleep } from "./lib/rpc.js";
import { AccountSender, type TxResult } from "./lib/sender.js";

/** Shares of the actions (the rest are placements). */
const CANCEL_SHARE = 0.2;
const WITHDRAW_SHARE = 0.05;
/** Placements deliberately below the minimum quantity: refused at preflight, never on chain. */
const INVALID_SHARE = 0.03;
/** Placements go to the next TRADED_SLOTS open slots, NEAREST_SLOT_SHARE of them to the nearest. */
const TRADED_SLOTS = 2;
const NEAREST_SLOT_SHARE = 0.7;
/** A withdrawal takes 1 gUSD out of the market (keeps the ledger moving once every book is full). */
const WITHDRAWAL = 1_000_000n;

interface Prosumer {
  sender: AccountSender;
  meter: string;
  rng: () => number;
  /** Live orders of this account: id -> slot. */
  live: Map<string, number>;
  settler: boolean;
}

const config = JSON.parse(readFileSync(process.argv[2], "utf8")) as ClientConfig;
const d = config.deployment;
const targets = targetSlots(d);
const send = (message: FromChild) =>
  new Promise<void>((resolve) =>
    process.send ? process.send(message, () => resolve()) : resolve(),
  );
let stopping = false;
process.on("message", (message: ToChild) => {
  if (message.type === "stop") stopping = true;
});

async function open(
  rpc: Rpc,
  journal: Journal,
): Promise<{ prosumers: Prosumer[]; recovered: number }> {
  const prior = foldJournal(journal.read());
  const chainId = BigInt(d.chainId);
  // Operation ids stay unique across restarts: the prefix carries this process's PID.
  const prefix = `${config.name}.${process.pid}`;
  const recoveries: number[] = [];
  const prosumers = await Promise.all(
    config.prosumers.map(async (index, position) => {
      const sender = await AccountSender.open(rpc, prosumerWallet(index), chainId, journal, prefix);
      const pending = [...prior.values()].filter(
        (e): e is SentEntry => e.t === "sent" && e.account === sender.address,
      );
      recoveries.push((await sender.recover(pending)).length);
      return {
        sender,
        meter: meterWallet(index).address,
        rng: random(config.seed * 100_003 + index * 7 + process.pid),
        live: new Map<string, number>(),
        settler: position === 0,
      };
    }),
  );
  const byAccount = new Map(prosumers.map((p) => [p.sender.address, p]));
  const live = await liveOrdersOf(
    rpc,
    d,
    prosumers.map((p) => p.sender.address),
  );
  for (const [orderId, { account, slot }] of live) byAccount.get(account)?.live.set(orderId, slot);
  return { prosumers, recovered: recoveries.reduce((a, b) => a + b, 0) };
}

/**
 * MarketGateClosed(slot, gateClosure, timestamp) tells the chain's time: take it at once rather than
 * waiting for the clock's next refresh, so the other accounts stop aiming at the closed slot.
 */
function learnTime(clock: ChainClock, error: string | undefined): void {
  const match = error?.match(/^MarketGateClosed\(\d+, \d+, (\d+)\)$/);
  if (match) clock.now = Math.max(clock.now, Number(match[1]));
}

/** Slots this process saw refuse an order with MarketSlotFull: no more placements there. */
const fullSlots = new Set<number>();

async function withdraw(p: Prosumer): Promise<void> {
  await p.sender.submit({
    kind: "withdraw",
    to: d.market,
    data: marketInterface.encodeFunctionData("withdraw", [WITHDRAWAL]),
    meta: { amount: WITHDRAWAL.toString() },
  });
}

async function act(p: Prosumer, clock: ChainClock, settleTried: Set<number>): Promise<boolean> {
  const now = clock.now;
  if (p.settler) {
    const due = targets.find((s) => readingWindowEndOf(d, s) <= now && !settleTried.has(s));
    if (due !== undefined) {
      settleTried.add(due);
      await p.sender.submit({
        kind: "settle",
        to: d.market,
        data: marketInterface.encodeFunctionData("settle", [due]),
        meta: { slot: due },
      });
      return true;
    }
  }
  if (targets.every((s) => gateClosureOf(d, s) <= now)) return false;
  const openSlots = targets
    .filter((s) => gateClosureOf(d, s) > now && !fullSlots.has(s))
    .slice(0, TRADED_SLOTS);
  const cancellable = [...p.live].filter(([, slot]) => gateClosureOf(d, slot) > now);
  if (cancellable.length > 0 && p.rng() < CANCEL_SHARE) {
    const [orderId, slot] = cancellable[Math.floor(p.rng() * cancellable.length)];
    const result = await p.sender.submit({
      kind: "cancel",
      to: d.market,
      data: marketInterface.encodeFunctionData("cancelOrder", [BigInt(orderId)]),
      meta: { orderId, slot },
    });
    // Accepted or refused (e.g. the gate closed meanwhile), the order is no longer ours to cancel.
    p.live.delete(orderId);
    learnTime(clock, result.outcome.error);
    return true;
  }
  if (openSlots.length === 0 || p.rng() < WITHDRAW_SHARE) {
    await withdraw(p);
    return true;
  }
  const slot =
    p.rng() < NEAREST_SLOT_SHARE
      ? openSlots[0]
      : openSlots[between(p.rng, 0, openSlots.length - 1)];
  const side = p.rng() < 0.5 ? Side.Buy : Side.Sell;
  const quantityWh = p.rng() < INVALID_SHARE ? 5 : between(p.rng, 50, 2_000);
  const limitPrice = side === Side.Buy ? between(p.rng, 80, 160) : between(p.rng, 40, 120);
  const meter = side === Side.Sell ? p.meter : ZeroAddress;
  const result: TxResult = await p.sender.submit({
    kind: "place",
    to: d.market,
    data: marketInterface.encodeFunctionData("placeOrder", [
      slot,
      side,
      quantityWh,
      limitPrice,
      meter,
    ]),
    meta: { slot, side, quantityWh, limitPrice },
  });
  if (result.outcome.status === "accepted") p.live.set(result.outcome.orderId!, slot);
  else if (result.outcome.error?.startsWith("MarketSlotFull")) fullSlots.add(slot);
  else learnTime(clock, result.outcome.error);
  return true;
}

async function main(): Promise<void> {
  const rpc = new Rpc(config.url);
  const journal = new Journal(config.journal);
  const { prosumers, recovered } = await open(rpc, journal);
  const liveOrders = prosumers.reduce((n, p) => n + p.live.size, 0);
  await send({ type: "ready", name: config.name, recovered, liveOrders });
  const clock = await ChainClock.start(rpc);
  const settleTried = new Set<number>();
  let ops = 0;
  await Promise.all(
    prosumers.map(async (p) => {
      for (let done = 0; done < config.maxOpsPerAccount;) {
        if (stopping || Date.now() > config.deadline) return;
        if (await act(p, clock, settleTried)) {
          done += 1;
          ops += 1;
        } else {
          await sleep(250);
        }
      }
    }),
  );
  clock.stop();
  await send({ type: "done", name: config.name, ops, rpc: rpc.stats });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`${config.name}: ${String(error)}`);
    process.exit(1);
  },
);
