// The market's money from its events alone: replays every deposit, withdrawal, lock, release, payment,
// penalty and escrow movement in log order into each account's free and locked balance and each order's
// record (fill, payment, delivery, penalty), checking every event against the ones before it. Pure: the
// views it is compared with (balanceOf, escrowed) are read by collect.ts.
import type { EventRef, MarketEvent, MoneyData, Violation } from "./types.js";

/** The market events that move money or name whom it belongs to, in the order the replay needs them. */
export const MONEY_EVENTS = [
  "AccountOpened",
  "GridOperatorAccountScheduled",
  "Deposited",
  "Withdrawn",
  "OrderPlaced",
  "OrderCancelled",
  "OrderEvicted",
  "OrderFilled",
  "SlotCleared",
  "SellOrderSettled",
  "SlotSettled",
] as const;

/** An order's money, as its events tell it; kept after the market's ring has reused its slot. */
export interface OrderMoney {
  orderId: bigint;
  slot: bigint;
  side: "buy" | "sell";
  account: string;
  quantityWh: bigint;
  limitPrice: bigint;
  /** Moved from free to locked at placement. */
  lockedAtPlacement: bigint;
  status: "live" | "cancelled" | "evicted" | "cleared" | "settled";
  /** Released to free at cancellation, eviction or clearing. */
  released: bigint;
  fillWh: bigint;
  /** A buy's payment into the escrow at clearing, P x fill. */
  paid: bigint;
  /** A filled sell's lock kept from clearing to settlement, fill x collateral per Wh. */
  collateralWh: bigint;
  deliveredWh: bigint;
  /** A sell's payment at settlement, P x delivered. */
  payment: bigint;
  penalty: bigint;
  placed: EventRef;
  last: EventRef;
}

export interface AccountMoney {
  account: string;
  free: bigint;
  locked: bigint;
  /** The last event that changed the account: a mismatch is reported on its transaction. */
  last: EventRef | null;
}

export interface MoneyReplay {
  accounts: Map<string, AccountMoney>;
  /** Every order in placement order (evicted ones included). */
  orders: OrderMoney[];
  escrow: bigint;
  /** The last clearing or settlement: an escrow mismatch is reported on its transaction. */
  lastEscrowChange: EventRef | null;
  violations: Violation[];
}

interface SlotState {
  price: bigint;
  quantityWh: bigint;
  filled: OrderMoney[];
  gridOperatorPay: bigint;
}

const lower = (a: string) => a.toLowerCase();

/** The replay's state and the ledger moves every event handler goes through. */
class Replay {
  readonly accounts = new Map<string, AccountMoney>();
  readonly idToAccount = new Map<bigint, string>();
  readonly live = new Map<bigint, OrderMoney>();
  readonly orders: OrderMoney[] = [];
  readonly slots = new Map<bigint, SlotState>();
  readonly violations: Violation[] = [];
  /** The grid operator's accounts in event order, each from its activation slot on (non-decreasing). */
  readonly gridOperators: { fromSlot: bigint; account: string }[] = [];
  escrow = 0n;
  lastEscrowChange: EventRef | null = null;

  flag(at: EventRef, message: string, extra: Partial<Violation> = {}): void {
    this.violations.push({ rule: "money", message, tx: at.tx, ...extra });
  }

  accountOf(address: string): AccountMoney {
    const a = lower(address);
    let entry = this.accounts.get(a);
    if (entry === undefined) {
      entry = { account: a, free: 0n, locked: 0n, last: null };
      this.accounts.set(a, entry);
    }
    return entry;
  }

  /** free += freeIn - freeOut, locked += lockedIn - lockedOut, as MarketLedger.update does. */
  move(
    at: EventRef,
    address: string,
    freeIn: bigint,
    freeOut: bigint,
    lockedIn: bigint,
    lockedOut: bigint,
  ): void {
    const a = this.accountOf(address);
    a.free += freeIn - freeOut;
    a.locked += lockedIn - lockedOut;
    a.last = at;
    if (a.free < 0n || a.locked < 0n)
      this.flag(at, `${a.account}: balance below zero (free ${a.free}, locked ${a.locked})`);
  }

  slotOf(slot: bigint): SlotState {
    let s = this.slots.get(slot);
    if (s === undefined) {
      s = { price: 0n, quantityWh: 0n, filled: [], gridOperatorPay: 0n };
      this.slots.set(slot, s);
    }
    return s;
  }

  liveOrder(at: EventRef, orderId: bigint, what: string): OrderMoney | undefined {
    const order = this.live.get(orderId);
    if (order === undefined)
      this.flag(at, `${what} of order ${orderId}, which no event shows live`);
    return order;
  }
}

function onAccountOpened(r: Replay, at: EventRef, a: MarketEvent["args"]): void {
  r.idToAccount.set(BigInt(a.accountId as bigint), lower(a.account as string));
  r.accountOf(a.account as string).last = at;
}

/** A change replaces a pending one of the same activation slot; slots before it keep their account. */
function onGridOperatorAccountScheduled(r: Replay, at: EventRef, a: MarketEvent["args"]): void {
  const fromSlot = a.activationSlot as bigint;
  const last = r.gridOperators.at(-1);
  if (last !== undefined && fromSlot < last.fromSlot)
    r.flag(
      at,
      `grid operator account scheduled from slot ${fromSlot}, before slot ${last.fromSlot}`,
    );
  if (last?.fromSlot === fromSlot) r.gridOperators.pop();
  r.gridOperators.push({ fromSlot, account: lower(a.account as string) });
}

/** The grid operator's account for `slot`: the last one scheduled from `slot` or earlier. */
function gridOperatorOf(r: Replay, slot: bigint): string {
  return r.gridOperators.findLast((g) => g.fromSlot <= slot)?.account ?? "";
}

function onDeposited(r: Replay, at: EventRef, a: MarketEvent["args"]): void {
  r.move(at, a.account as string, a.amount as bigint, 0n, 0n, 0n);
}

function onWithdrawn(r: Replay, at: EventRef, a: MarketEvent["args"]): void {
  r.move(at, a.account as string, 0n, a.amount as bigint, 0n, 0n);
}

function onOrderPlaced(r: Replay, at: EventRef, a: MarketEvent["args"]): void {
  const orderId = a.orderId as bigint;
  if (r.live.has(orderId))
    r.flag(at, `order ${orderId} placed over a live order that was neither evicted nor cancelled`);
  const order: OrderMoney = {
    orderId,
    slot: a.slot as bigint,
    side: Number(a.side) === 0 ? "buy" : "sell",
    account: lower(a.account as string),
    quantityWh: a.quantityWh as bigint,
    limitPrice: a.limitPrice as bigint,
    lockedAtPlacement: a.locked as bigint,
    status: "live",
    released: 0n,
    fillWh: 0n,
    paid: 0n,
    collateralWh: 0n,
    deliveredWh: 0n,
    payment: 0n,
    penalty: 0n,
    placed: at,
    last: at,
  };
  if (order.side === "buy" && order.lockedAtPlacement !== order.quantityWh * order.limitPrice)
    r.flag(at, `buy order ${orderId} locked ${order.lockedAtPlacement}, not quantity x limit`);
  if (order.side === "sell" && order.lockedAtPlacement % order.quantityWh !== 0n)
    r.flag(
      at,
      `sell order ${orderId} locked ${order.lockedAtPlacement}, not a multiple of its quantity`,
    );
  r.live.set(orderId, order);
  r.orders.push(order);
  r.move(at, order.account, 0n, order.lockedAtPlacement, order.lockedAtPlacement, 0n);
}

/** A cancellation or an eviction: the order's whole lock is released. */
function onOrderReleased(r: Replay, at: EventRef, a: MarketEvent["args"], e: MarketEvent): void {
  const orderId = a.orderId as bigint;
  const order = r.liveOrder(at, orderId, e.name === "OrderCancelled" ? "cancellation" : "eviction");
  const released = a.released as bigint;
  if (order === undefined) return;
  if (order.account !== lower(a.account as string))
    r.flag(at, `order ${orderId} of ${order.account} released to ${lower(a.account as string)}`);
  if (released !== order.lockedAtPlacement)
    r.flag(at, `order ${orderId} released ${released}, locked ${order.lockedAtPlacement}`);
  order.status = e.name === "OrderCancelled" ? "cancelled" : "evicted";
  order.released = released;
  order.last = at;
  r.live.delete(orderId);
  r.move(at, order.account, released, 0n, 0n, released);
}

function onOrderFilled(r: Replay, at: EventRef, a: MarketEvent["args"]): void {
  const orderId = a.orderId as bigint;
  const order = r.liveOrder(at, orderId, "fill");
  if (order === undefined) return;
  const account = r.idToAccount.get(BigInt(a.accountId as bigint));
  if (account !== order.account)
    r.flag(at, `order ${orderId} of ${order.account} filled for account id ${a.accountId}`);
  const fill = a.fillWh as bigint;
  const released = a.released as bigint;
  if (fill > order.quantityWh)
    r.flag(at, `order ${orderId} filled ${fill} Wh > ${order.quantityWh} Wh`);
  if (released > order.lockedAtPlacement)
    r.flag(at, `order ${orderId} released ${released} > its lock ${order.lockedAtPlacement}`);
  order.status = "cleared";
  order.fillWh = fill;
  order.released = released;
  order.last = at;
  r.live.delete(orderId);
  if (order.side === "buy") {
    // The whole lock leaves: the rest is released, P x fill goes into the escrow (checked at SlotCleared).
    order.paid = order.lockedAtPlacement - released;
    r.move(at, order.account, released, 0n, 0n, order.lockedAtPlacement);
  } else {
    order.collateralWh = order.lockedAtPlacement - released;
    const perWh = order.lockedAtPlacement / order.quantityWh;
    if (order.collateralWh !== fill * perWh)
      r.flag(
        at,
        `sell order ${orderId} keeps ${order.collateralWh} locked for a fill of ${fill} Wh`,
      );
    r.move(at, order.account, released, 0n, 0n, released);
  }
  r.slotOf(order.slot).filled.push(order);
}

function onSlotCleared(r: Replay, at: EventRef, a: MarketEvent["args"]): void {
  const slot = a.slot as bigint;
  const s = r.slotOf(slot);
  s.price = a.price as bigint;
  s.quantityWh = a.quantityWh as bigint;
  const buys = s.filled.filter((o) => o.side === "buy");
  const sells = s.filled.filter((o) => o.side === "sell");
  const sum = (os: OrderMoney[]) => os.reduce((t, o) => t + o.fillWh, 0n);
  if (sum(buys) !== s.quantityWh || sum(sells) !== s.quantityWh)
    r.flag(at, `slot ${slot}: fills ${sum(buys)} / ${sum(sells)} Wh, cleared ${s.quantityWh} Wh`, {
      slot: String(slot),
    });
  if (BigInt(buys.length) !== BigInt(a.buyOrders) || BigInt(sells.length) !== BigInt(a.sellOrders))
    r.flag(
      at,
      `slot ${slot}: ${buys.length} / ${sells.length} OrderFilled, SlotCleared counts ${a.buyOrders} / ${a.sellOrders}`,
      {
        slot: String(slot),
      },
    );
  for (const o of buys)
    if (o.paid !== s.price * o.fillWh)
      r.flag(at, `buy order ${o.orderId} paid ${o.paid}, P x fill = ${s.price * o.fillWh}`, {
        slot: String(slot),
      });
  for (const [orderId, o] of r.live)
    if (o.slot === slot)
      r.flag(at, `slot ${slot} cleared without releasing live order ${orderId}`, {
        slot: String(slot),
      });
  r.escrow += s.price * s.quantityWh;
  r.lastEscrowChange = at;
}

function onSellOrderSettled(r: Replay, at: EventRef, a: MarketEvent["args"]): void {
  const slot = a.slot as bigint;
  const s = r.slotOf(slot);
  const orderId = a.orderId as bigint;
  const order = s.filled.find((o) => o.orderId === orderId && o.side === "sell");
  if (order === undefined || order.status !== "cleared") {
    r.flag(at, `settlement of sell order ${orderId}, which no event shows filled and unsettled`);
    return;
  }
  if (r.idToAccount.get(BigInt(a.accountId as bigint)) !== order.account)
    r.flag(at, `sell order ${orderId} of ${order.account} settled for account id ${a.accountId}`);
  const delivered = a.deliveredWh as bigint;
  const penalty = a.penalty as bigint;
  if (delivered > order.fillWh)
    r.flag(at, `sell order ${orderId} delivered ${delivered} Wh > its fill ${order.fillWh} Wh`);
  if (penalty > order.collateralWh)
    r.flag(at, `sell order ${orderId} penalty ${penalty} > its collateral ${order.collateralWh}`);
  order.status = "settled";
  order.deliveredWh = delivered;
  order.payment = s.price * delivered;
  order.penalty = penalty;
  order.last = at;
  r.move(
    at,
    order.account,
    order.collateralWh - penalty + order.payment,
    0n,
    0n,
    order.collateralWh,
  );
  s.gridOperatorPay += s.price * (order.fillWh - delivered) + penalty;
}

function onSlotSettled(r: Replay, at: EventRef, a: MarketEvent["args"]): void {
  const slot = a.slot as bigint;
  const s = r.slotOf(slot);
  const sells = s.filled.filter((o) => o.side === "sell" && o.fillWh > 0n);
  const unsettled = sells.filter((o) => o.status !== "settled");
  if (unsettled.length)
    r.flag(
      at,
      `slot ${slot} settled without SellOrderSettled for ${unsettled.map((o) => o.orderId)}`,
      {
        slot: String(slot),
      },
    );
  const delivered = sells.reduce((t, o) => t + o.deliveredWh, 0n);
  const penalties = sells.reduce((t, o) => t + o.penalty, 0n);
  if (
    delivered !== (a.deliveredWh as bigint) ||
    s.quantityWh - delivered !== (a.shortfallWh as bigint) ||
    penalties !== (a.penalties as bigint)
  )
    r.flag(
      at,
      `slot ${slot}: orders delivered ${delivered} Wh with penalties ${penalties}, SlotSettled says ${a.deliveredWh} Wh, shortfall ${a.shortfallWh} Wh, penalties ${a.penalties}`,
      { slot: String(slot) },
    );
  // The grid operator's account is credited once, after the orders, with the shortfall and penalties
  // (zero too: a mismatch of its balance is then reported on its last settlement).
  r.move(at, gridOperatorOf(r, slot), s.gridOperatorPay, 0n, 0n, 0n);
  r.escrow -= s.price * s.quantityWh;
  r.lastEscrowChange = at;
}

const HANDLERS: Partial<
  Record<string, (r: Replay, at: EventRef, a: MarketEvent["args"], e: MarketEvent) => void>
> = {
  AccountOpened: onAccountOpened,
  GridOperatorAccountScheduled: onGridOperatorAccountScheduled,
  Deposited: onDeposited,
  Withdrawn: onWithdrawn,
  OrderPlaced: onOrderPlaced,
  OrderCancelled: onOrderReleased,
  OrderEvicted: onOrderReleased,
  OrderFilled: onOrderFilled,
  SlotCleared: onSlotCleared,
  SellOrderSettled: onSellOrderSettled,
  SlotSettled: onSlotSettled,
};

/** Replays the market's money events (in log order, from the market's deployment on). */
export function replayMoney(events: MarketEvent[]): MoneyReplay {
  const r = new Replay();
  for (const e of events) {
    const at: EventRef = { block: e.block, tx: e.tx, logIndex: e.logIndex };
    if (Object.hasOwn(HANDLERS, e.name)) HANDLERS[e.name]!(r, at, e.args, e);
  }
  const { accounts, orders, escrow, lastEscrowChange, violations } = r;
  return { accounts, orders, escrow, lastEscrowChange, violations };
}

/**
 * The money rule: the replay's own findings, then every account's replayed free and locked balance and the
 * replayed escrow against the market's views at the range's end. Null when the range does not start at the
 * market's deployment (the replay would miss events) or the market has no balance views.
 */
export function checkMoney(m: MoneyData): { violations: Violation[]; replay: MoneyReplay } | null {
  if (!m.complete || !m.viewsRead) return null;
  const replay = replayMoney(m.events);
  const violations = [...replay.violations];
  for (const [account, view] of m.balances) {
    const replayed = replay.accounts.get(account);
    const free = replayed?.free ?? 0n;
    const locked = replayed?.locked ?? 0n;
    if (free !== view.free || locked !== view.locked)
      violations.push({
        rule: "balance",
        message: `${account}: events give free ${free}, locked ${locked}; balanceOf says free ${view.free}, locked ${view.locked}`,
        tx: replayed?.last?.tx ?? "-",
      });
  }
  if (replay.escrow !== m.escrowed)
    violations.push({
      rule: "escrow",
      message: `events give an escrow of ${replay.escrow}; escrowed() says ${m.escrowed}`,
      tx: replay.lastEscrowChange?.tx ?? "-",
    });
  return { violations, replay };
}

/** The report's rows: each order's money and each account's balance, from the events. */
export function moneyRows(m: MoneyData): {
  orders: Record<string, string | number>[];
  accounts: Record<string, string | number>[];
} {
  const replay = replayMoney(m.events);
  const orders = replay.orders.map((o) => ({
    orderId: o.orderId.toString(),
    slot: o.slot.toString(),
    side: o.side,
    account: o.account,
    status: o.status,
    quantityWh: o.quantityWh.toString(),
    limitPrice: o.limitPrice.toString(),
    locked: o.lockedAtPlacement.toString(),
    fillWh: o.fillWh.toString(),
    released: o.released.toString(),
    paid: o.paid.toString(),
    deliveredWh: o.deliveredWh.toString(),
    payment: o.payment.toString(),
    penalty: o.penalty.toString(),
    placedTx: o.placed.tx,
    lastTx: o.last.tx,
  }));
  const accounts = [...replay.accounts.values()].map((a) => ({
    account: a.account,
    free: a.free.toString(),
    locked: a.locked.toString(),
    viewFree: m.balances.get(a.account)?.free.toString() ?? "",
    viewLocked: m.balances.get(a.account)?.locked.toString() ?? "",
  }));
  return { orders, accounts };
}
