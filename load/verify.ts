/**
 * Checks a finished run against the chain: what every client was told agrees with what is on chain (no
 * accepted order missing, no failed order present, no on-chain order unknown to a journal), nonces were
 * used once each without gaps, every mined transaction is journaled, slots conserve energy, every traded
 * slot's certificates are delivered, and the market's ledger balances. Returns the counts and the list of failures (empty: the run passed).
 */
import { getAddress, type Interface } from "ethers";

import {
  certificatesInterface,
  marketInterface,
  registryInterface,
  Side,
  slotStatusName,
  tokenInterface,
} from "./lib/contracts.js";
import { targetSlots, type Deployment } from "./lib/config.js";
import { foldJournal, type JournalEntry, type OutcomeEntry } from "./lib/journal.js";
import { RpcError, type Rpc } from "./lib/rpc.js";
import type { RawLog, RawReceipt } from "./lib/sender.js";

export interface SlotCheck {
  slot: number;
  status: string;
  price: string;
  clearedWh: string;
  buyFillsWh: string;
  sellFillsWh: string;
  orders: number;
}

export interface Verification {
  failures: string[];
  counts: Record<string, number>;
  ledger: {
    marketTokenBalance: string;
    owed: string;
    free: string;
    locked: string;
    escrowed: string;
    accounts: number;
  };
  slots: SlotCheck[];
  /** Transactions mined in blocks [fromBlock, toBlock] (the load phase), reverted ones included. */
  windowTxs: number;
}

interface ChainOrderEvent {
  account: string;
  tx: string;
  slot: number;
  side: Side;
}

/** One order as placed on chain: its id names it until a later placement reuses the index. */
interface Placement extends ChainOrderEvent {
  orderId: string;
  cancelled: boolean;
}

const hex = (n: number) => `0x${n.toString(16)}`;

/** The logs of `address` whose first topic is one of `topic0` (a topic or a list), in chain order. */
async function logs(rpc: Rpc, address: string, fromBlock: number, topic0: string | string[]) {
  return rpc.call<(RawLog & { transactionHash: string })[]>("eth_getLogs", [
    { address, fromBlock: hex(fromBlock), toBlock: "latest", topics: [topic0] },
  ]);
}

async function view<T>(rpc: Rpc, to: string, iface: Interface, fn: string, args: unknown[]) {
  const data = iface.encodeFunctionData(fn, args);
  const result = await rpc.call<string>("eth_call", [{ to, data }, "latest"]);
  return iface.decodeFunctionResult(fn, result) as unknown as T;
}

/** What every check reads and where it records: the chain, the journals, failures and counts. */
interface Check {
  rpc: Rpc;
  d: Deployment;
  journals: JournalEntry[];
  outcomes: OutcomeEntry[];
  fail: (message: string) => void;
  count: (key: string, n?: number) => void;
  counts: Record<string, number>;
}

interface Fills {
  buy: bigint;
  sell: bigint;
  orders: number;
}

/** The journals: what the processes were told (every operation resolved, no nonce collision). */
function checkJournals(c: Omit<Check, "outcomes">): OutcomeEntry[] {
  const { journals, fail, count } = c;
  const ops = [...foldJournal(journals).values()];
  const outcomes = ops.filter((e): e is OutcomeEntry => e.t === "outcome");
  count("unresolved", ops.length - outcomes.length);
  if (ops.length !== outcomes.length)
    fail(`${ops.length - outcomes.length} operations have no outcome`);
  for (const o of outcomes) {
    count(`${o.kind}.${o.status}${o.stage ? "." + o.stage : ""}`);
    if (o.recovered) count(`recovered.${o.recovered}`);
    if (o.deduplicated) count("deduplicatedRetries");
    if (o.error === "nonce collision") fail(`nonce collision on ${o.account} nonce ${o.nonce}`);
  }
  return outcomes;
}

/** Orders: journal <-> OrderPlaced / OrderCancelled / OrderEvicted events, both ways. A full side reuses a cancelled or evicted order's index, so one order id can name several orders over time: each placement is keyed by its transaction, and the events are read in chain order. */
async function checkOrders(c: Check): Promise<Map<string, Placement>> {
  const { rpc, d, outcomes, fail, count } = c;
  const topics = (["OrderPlaced", "OrderCancelled", "OrderEvicted"] as const).map(
    (name) => marketInterface.getEvent(name)!.topicHash,
  );
  const placements = new Map<string, Placement>();
  const current = new Map<string, Placement>();
  const cancels = new Map<string, string>();
  const eventTxs = new Set<string>();
  for (const log of await logs(rpc, d.market, d.deployBlock, topics)) {
    const e = marketInterface.parseLog(log)!;
    const orderId = (e.args.orderId as bigint).toString();
    eventTxs.add(log.transactionHash);
    if (e.name === "OrderPlaced") {
      const placement: Placement = {
        orderId,
        account: e.args.account as string,
        tx: log.transactionHash,
        slot: Number(e.args.slot),
        side: Number(e.args.side) as Side,
        cancelled: false,
      };
      placements.set(log.transactionHash, placement);
      current.set(orderId, placement);
    } else if (e.name === "OrderCancelled") {
      cancels.set(log.transactionHash, orderId);
      const placement = current.get(orderId);
      if (placement !== undefined) placement.cancelled = true;
    } else {
      current.delete(orderId);
    }
  }
  count("onChainOrders", placements.size);
  count("onChainCancels", cancels.size);

  const acceptedPlaces = new Set<string>();
  const acceptedCancels = new Set<string>();
  const failedHashes: string[] = [];
  for (const o of outcomes) {
    if (o.kind !== "place" && o.kind !== "cancel") continue;
    if (o.status === "failed") {
      if (o.hash !== undefined) failedHashes.push(o.hash);
      continue;
    }
    if (o.kind === "place") {
      const event = placements.get(o.hash ?? "");
      if (event === undefined) fail(`accepted order ${o.orderId} (${o.hash}) is not on chain`);
      else if (event.orderId !== o.orderId || getAddress(event.account) !== getAddress(o.account)) {
        fail(
          `accepted order ${o.orderId} differs on chain: tx ${event.tx}, order ${event.orderId}, account ${event.account}`,
        );
      }
      acceptedPlaces.add(o.hash ?? "");
    } else {
      const orderId = String(o.meta.orderId);
      if (cancels.get(o.hash ?? "") !== orderId)
        fail(`accepted cancel of ${orderId} (${o.hash}) not on chain`);
      acceptedCancels.add(o.hash ?? "");
    }
  }
  for (const [tx, event] of placements) {
    if (!acceptedPlaces.has(tx))
      fail(`order ${event.orderId} (tx ${tx}) is on chain but no client was told`);
  }
  for (const [tx, orderId] of cancels) {
    if (!acceptedCancels.has(tx))
      fail(`cancel of ${orderId} (tx ${tx}) is on chain but no client was told`);
  }
  // A failure that was mined must have reverted: its transaction left no event.
  const failedReceipts = await rpc.batch<RawReceipt | null>(
    failedHashes.map((h) => ({ method: "eth_getTransactionReceipt", params: [h] })),
  );
  failedReceipts.forEach((receipt, i) => {
    if (receipt instanceof RpcError) fail(`receipt of ${failedHashes[i]}: ${receipt.message}`);
    else if (receipt !== null && receipt.status !== "0x0")
      fail(`failed tx ${failedHashes[i]} succeeded on chain`);
    if (eventTxs.has(failedHashes[i])) fail(`failed tx ${failedHashes[i]} emitted an order event`);
  });
  return current;
}

/** Order state and fills: orderOf of every order id's current occupant. */
async function checkFills(c: Check, current: Map<string, Placement>): Promise<Map<number, Fills>> {
  const { rpc, d, fail } = c;
  const orderIds = [...current.keys()];
  const orderViews = await rpc.batch<string>(
    orderIds.map((id) => ({
      method: "eth_call",
      params: [
        { to: d.market, data: marketInterface.encodeFunctionData("orderOf", [BigInt(id)]) },
        "latest",
      ],
    })),
  );
  const fills = new Map<number, { buy: bigint; sell: bigint; orders: number }>();
  orderViews.forEach((answer, i) => {
    const id = orderIds[i];
    const event = current.get(id)!;
    if (answer instanceof RpcError) return fail(`orderOf(${id}): ${answer.message}`);
    const [order] = marketInterface.decodeFunctionResult("orderOf", answer);
    if (getAddress(order.account) !== getAddress(event.account))
      fail(`orderOf(${id}).account differs`);
    const wantStatus = event.cancelled ? 2 : 1;
    if (Number(order.status) !== wantStatus)
      fail(`orderOf(${id}).status ${order.status}, expected ${wantStatus}`);
    const slot = fills.get(event.slot) ?? { buy: 0n, sell: 0n, orders: 0 };
    if (event.side === Side.Buy) slot.buy += order.filledWh as bigint;
    else slot.sell += order.filledWh as bigint;
    slot.orders += 1;
    fills.set(event.slot, slot);
  });
  return fills;
}

/** Slots: all final, buy fills = sell fills = cleared quantity. */
async function checkSlots(c: Check, fills: Map<number, Fills>): Promise<SlotCheck[]> {
  const { rpc, d, fail, count } = c;
  const slots: SlotCheck[] = [];
  for (const slot of targetSlots(d)) {
    const [info] = await view<[{ status: bigint; price: bigint; clearedWh: bigint }]>(
      rpc,
      d.market,
      marketInterface,
      "slotInfo",
      [slot],
    );
    const [final] = await view<[boolean]>(rpc, d.market, marketInterface, "isSlotFinal", [slot]);
    const f = fills.get(slot) ?? { buy: 0n, sell: 0n, orders: 0 };
    slots.push({
      slot,
      status: slotStatusName(info.status),
      price: info.price.toString(),
      clearedWh: info.clearedWh.toString(),
      buyFillsWh: f.buy.toString(),
      sellFillsWh: f.sell.toString(),
      orders: f.orders,
    });
    if (!final) fail(`slot ${slot} is not final (status ${slotStatusName(info.status)})`);
    if (info.clearedWh > 0n) {
      const [certified] = await view<[boolean]>(
        rpc,
        d.certificates,
        certificatesInterface,
        "isSlotCertified",
        [slot],
      );
      if (!certified) fail(`slot ${slot} traded but its certificates are not all delivered`);
      else count("slotsCertified", 1);
    }
    if (f.buy !== f.sell || f.buy !== info.clearedWh) {
      fail(`slot ${slot}: buy fills ${f.buy}, sell fills ${f.sell}, cleared ${info.clearedWh}`);
    }
  }
  return slots;
}

/** Ledger: the market holds at least what it owes (free + locked of every account + escrow). */
async function checkLedger(c: Check): Promise<Verification["ledger"]> {
  const { rpc, d, fail, count } = c;
  const openedTopic = marketInterface.getEvent("AccountOpened")!.topicHash;
  const accounts = new Set<string>([getAddress(d.gridOperatorAccount)]);
  for (const log of await logs(rpc, d.market, d.deployBlock, openedTopic)) {
    accounts.add(getAddress(marketInterface.parseLog(log)!.args.account as string));
  }
  let free = 0n;
  let locked = 0n;
  for (const account of accounts) {
    const [f, l] = await view<[bigint, bigint]>(rpc, d.market, marketInterface, "balanceOf", [
      account,
    ]);
    free += f;
    locked += l;
  }
  const [escrowed] = await view<[bigint]>(rpc, d.market, marketInterface, "escrowed", []);
  const [held] = await view<[bigint]>(rpc, d.token, tokenInterface, "balanceOf", [d.market]);
  const owed = free + locked + escrowed;
  if (held < owed) fail(`ledger: market holds ${held} but owes ${owed}`);
  if (held !== owed) count("ledgerSurplus", Number(held - owed));
  if (locked !== 0n) fail(`ledger: ${locked} still locked after every slot was final`);
  if (escrowed !== 0n) fail(`ledger: ${escrowed} still in escrow after every slot was final`);
  return {
    marketTokenBalance: held.toString(),
    owed: owed.toString(),
    free: free.toString(),
    locked: locked.toString(),
    escrowed: escrowed.toString(),
    accounts: accounts.size,
  };
}

/** Readings: every accepted batch's readings are recorded, and nothing else. */
async function checkReadings(c: Check, meters: number): Promise<void> {
  const { rpc, d, outcomes, fail, count } = c;
  const recordedTopic = registryInterface.getEvent("ReadingRecorded")!.topicHash;
  const recorded = new Set<string>();
  const perSlot = new Map<number, number>();
  for (const log of await logs(rpc, d.registry, d.deployBlock, recordedTopic)) {
    const e = registryInterface.parseLog(log)!;
    recorded.add(`${getAddress(e.args.meter as string)}:${e.args.slot}`);
    perSlot.set(Number(e.args.slot), (perSlot.get(Number(e.args.slot)) ?? 0) + 1);
  }
  for (const slot of targetSlots(d)) {
    if (perSlot.get(slot) !== meters)
      fail(`slot ${slot}: ${perSlot.get(slot) ?? 0} of ${meters} readings`);
  }
  count("readingsOnChain", recorded.size);
  let readingsAccepted = 0;
  for (const o of outcomes) {
    if (o.kind === "readings" && o.status === "accepted") readingsAccepted += Number(o.meta.count);
  }
  count("readingsAccepted", readingsAccepted);
  if (readingsAccepted !== recorded.size)
    fail(`readings: ${readingsAccepted} accepted, ${recorded.size} on chain`);
}

/** Nonces and transactions: each nonce of each account used once, no gaps, nothing unjournaled. */
async function checkNonces(c: Check): Promise<Set<string>> {
  const { rpc, journals, outcomes, fail, count, counts } = c;
  const byAccount = new Map<string, Map<number, Set<string>>>();
  const journaled = new Set<string>();
  for (const e of journals) {
    if (e.t !== "sent") continue;
    journaled.add(e.hash);
    const nonces = byAccount.get(e.account) ?? new Map<number, Set<string>>();
    nonces.set(e.nonce, (nonces.get(e.nonce) ?? new Set()).add(e.hash));
    byAccount.set(e.account, nonces);
  }
  const minedNonces = new Map<string, Set<number>>();
  for (const o of outcomes) {
    if (o.block === undefined) continue;
    minedNonces.set(o.account, (minedNonces.get(o.account) ?? new Set()).add(o.nonce!));
  }
  const addresses = [...byAccount.keys()];
  const txCounts = await rpc.batch<string>(
    addresses.map((a) => ({ method: "eth_getTransactionCount", params: [a, "latest"] })),
  );
  addresses.forEach((account, i) => {
    const nonces = byAccount.get(account)!;
    for (const [nonce, hashes] of nonces) {
      if (hashes.size > 1) {
        count("nonceReuse");
        fail(`${account} signed ${hashes.size} transactions with nonce ${nonce}`);
      }
    }
    const onChain = Number(txCounts[i] as string);
    const mined = minedNonces.get(account) ?? new Set<number>();
    for (let n = 0; n < onChain; n++) {
      if (!mined.has(n)) {
        count("nonceGaps");
        fail(`${account}: nonce ${n} was mined but no journaled transaction says so`);
      }
    }
    if (mined.size !== onChain)
      fail(`${account}: ${mined.size} journaled mined txs, ${onChain} on chain`);
  });
  counts.accounts = addresses.length;
  return journaled;
}

/** Every transaction in every block since the deployment is one the journals know.; returns the transactions mined in the load window. */
async function checkBlocks(
  c: Check,
  journaled: Set<string>,
  window: { fromBlock: number; toBlock: number },
): Promise<number> {
  const { rpc, d, fail, count } = c;
  const latest = Number(await rpc.call<string>("eth_blockNumber"));
  const blockNumbers = Array.from(
    { length: latest - d.deployBlock + 1 },
    (_, i) => d.deployBlock + i,
  );
  const blocks = await rpc.batch<{ number: string; transactions: string[] }>(
    blockNumbers.map((n) => ({ method: "eth_getBlockByNumber", params: [hex(n), false] })),
    100,
  );
  let windowTxs = 0;
  let minedTxs = 0;
  for (const block of blocks) {
    if (block instanceof RpcError) {
      fail(`block: ${block.message}`);
      continue;
    }
    const number = Number(block.number);
    for (const tx of block.transactions) {
      minedTxs += 1;
      if (number >= window.fromBlock && number <= window.toBlock) windowTxs += 1;
      if (!journaled.has(tx)) {
        count("unjournaledTxs");
        fail(`tx ${tx} in block ${number} is in no journal`);
      }
    }
  }
  count("minedTxs", minedTxs);
  return windowTxs;
}

export async function verifyRun(
  rpc: Rpc,
  d: Deployment,
  journals: JournalEntry[],
  window: { fromBlock: number; toBlock: number },
  /** Meters the data hub reads: every target slot must end with this many readings. */
  meters: number,
): Promise<Verification> {
  const failures: string[] = [];
  const fail = (message: string) => {
    if (failures.length < 50) failures.push(message);
    else if (failures.length === 50) failures.push("... more failures left out");
  };
  const counts: Record<string, number> = {};
  const count = (key: string, n = 1) => (counts[key] = (counts[key] ?? 0) + n);
  const base = { rpc, d, journals, fail, count, counts };
  const c: Check = { ...base, outcomes: checkJournals(base) };
  const current = await checkOrders(c);
  const slots = await checkSlots(c, await checkFills(c, current));
  const ledger = await checkLedger(c);
  await checkReadings(c, meters);
  const journaled = await checkNonces(c);
  const windowTxs = await checkBlocks(c, journaled, window);
  return { failures, counts, ledger, slots, windowTxs };
}
