/**
 * The event reducer: what the suite's events of a mined batch say, recorded into the slots, households and
 * totals of the run (order ids, clearing and settlement results, readings, certificates, retirements).
 */
import { ZeroAddress, type Interface } from "ethers";
import type { DayPlan, RunContext } from "./context.js";
import type { PlacedOrder } from "./householdOrders.js";
import type { HouseholdRuntime, SlotRuntime } from "./state.js";
import { ROUTER } from "./relayedOrders.js";
import { parseLogs, type MinedTx } from "./transactions.js";

/** An event's arguments by name (the driver reads each as the type its event declares). */
type Args = Record<string, never>;

interface Reduction {
  ctx: RunContext;
  plan: DayPlan;
  a: Args;
  /** The run's slot the event names (read only by the events that have a slot argument). */
  slotOf: () => SlotRuntime | undefined;
  byAccount: Map<string, HouseholdRuntime>;
  /** The mined placeOrder or placeSignedOrders transaction that emitted the event, if it was one. */
  orderTx: MinedTx | undefined;
}

const lower = (value: unknown) => String(value).toLowerCase();
const addTo = <K>(map: Map<K, bigint>, key: K, amount: bigint) =>
  map.set(key, (map.get(key) ?? 0n) + amount);

/** The household that received newly minted certificates, if a household did. */
function mintedTo(r: Reduction) {
  return String(r.a.from) === ZeroAddress ? r.byAccount.get(lower(r.a.to)) : undefined;
}

function registryError(ctx: RunContext, selector: string): string {
  try {
    return ctx.suite.registry.interface.getError(selector)?.name ?? selector;
  } catch {
    return selector;
  }
}

const REDUCERS: Record<string, (r: Reduction) => void> = {
  OrderPlaced: ({ slotOf, a, orderTx, byAccount }) => {
    // A batch carries many orders: the first of this transaction's orders by this trader still without an
    // id (the router places a trader's orders in nonce order, and events.ts sees them in emission order).
    const household = byAccount.get(lower(a.account))?.index;
    const order = slotOf()?.orders.find(
      (o) => (o as PlacedOrder).hash === orderTx?.hash && o.household === household && o.id === -1n,
    );
    if (order) order.id = BigInt(a.orderId);
  },
  SignedOrderSkipped: (r) => recordSkipped(r),
  OrderFilled: ({ slotOf, a }) => {
    const id = BigInt(a.orderId);
    const order = slotOf()?.orders.find((o) => o.id === id);
    if (order) order.fillWh = BigInt(a.fillWh);
  },
  SlotCleared: ({ slotOf, a }) => {
    const slot = slotOf();
    if (slot) slot.cleared = { price: BigInt(a.price), quantityWh: BigInt(a.quantityWh) };
  },
  SlotSettled: ({ slotOf, a }) => {
    const slot = slotOf();
    if (slot)
      slot.settled = {
        deliveredWh: BigInt(a.deliveredWh),
        shortfallWh: BigInt(a.shortfallWh),
        penalties: BigInt(a.penalties),
      };
  },
  ReadingRecorded: ({ slotOf, a }) => {
    const slot = slotOf();
    slot?.recorded.set(lower(a.meter), {
      exportedWh: Number(a.exportedWh),
      importedCommitment: String(a.importedCommitment),
    });
  },
  ReadingRejected: ({ ctx, slotOf, a }) => {
    const slot = slotOf();
    slot?.rejected.set(lower(a.meter), registryError(ctx, String(a.reason)));
  },
  CertificatesIssued: ({ slotOf, a }) => {
    const slot = slotOf();
    slot?.issued.set(lower(a.meter), {
      amountWh: BigInt(a.amountWh),
      toBuyersWh: BigInt(a.toBuyersWh),
      toOwnerWh: BigInt(a.toOwnerWh),
    });
  },
  CertificatesClaimed: ({ slotOf, a }) => {
    const slot = slotOf();
    if (slot) addTo(slot.claimed, lower(a.buyer), BigInt(a.amountWh));
  },
  RoundingReturned: ({ slotOf, a }) => {
    const slot = slotOf();
    if (slot) addTo(slot.returned, lower(a.meter), BigInt(a.amountWh));
  },
  SellersCertified: ({ slotOf, a }) => {
    const slot = slotOf();
    if (slot && Boolean(a.done)) slot.sellersCertified = true;
  },
  BuyersClaimed: ({ slotOf, a }) => {
    const slot = slotOf();
    if (slot && Boolean(a.done)) slot.buyersClaimed = true;
  },
  IssuanceSkipped: ({ slotOf, a }) => {
    const slot = slotOf();
    slot?.notIssued.add(lower(a.meter));
  },
  IssuanceWithheld: ({ slotOf, a }) => {
    const slot = slotOf();
    slot?.notIssued.add(lower(a.meter));
  },
  TransferSingle: (r) => {
    const h = mintedTo(r);
    if (h) h.certificatesReceivedWh += Number(r.a.value);
  },
  TransferBatch: (r) => {
    const h = mintedTo(r);
    if (h) for (const v of r.a.values as unknown as bigint[]) h.certificatesReceivedWh += Number(v);
  },
  CertificatesRetired: ({ ctx, a }) => {
    ctx.totals.retiredWh += BigInt(a.amountWh);
    ctx.totals.retirements += 1;
  },
};

/**
 * A signed order the router skipped: out of its slot's orders (it was never placed) and into the slot's
 * skipped list with its reason. When its nonce was not consumed, the household's counter goes back to it,
 * so that its next orders are signed with the nonce the market expects.
 */
function recordSkipped({ ctx, plan, a, byAccount, orderTx }: Reduction) {
  const h = byAccount.get(lower(a.trader));
  const nonce = Number(a.nonce);
  for (const slot of plan.slots) {
    const i = slot.orders.findIndex(
      (o) =>
        (o as PlacedOrder).hash === orderTx?.hash &&
        o.household === h?.index &&
        (o as PlacedOrder).nonce === nonce,
    );
    if (i < 0) continue;
    const [order] = slot.orders.splice(i, 1);
    const nonceConsumed = Boolean(a.nonceConsumed);
    const reason = ctx.runner.decoder.describe(String(a.reason));
    slot.skipped.push({ ...order!, nonce, nonceConsumed, reason });
    if (h && !nonceConsumed && nonce < h.orderNonce) h.orderNonce = nonce;
    return;
  }
  throw new Error(
    `SignedOrderSkipped for ${String(a.trader)} nonce ${nonce} in ${orderTx?.hash}: no such order was sent`,
  );
}

/** The contracts whose events the run reads. */
function eventSources(ctx: RunContext): Array<{ address: string; iface: Interface }> {
  const { suite } = ctx;
  return [
    { address: suite.addresses.registry, iface: suite.registry.interface },
    { address: suite.addresses.market, iface: suite.market.interface },
    { address: suite.addresses.certificates, iface: suite.certificates.interface },
    { address: ctx.facts.orderRouter, iface: ROUTER },
  ];
}

/** Records the events of a mined batch, in the order they were emitted. */
export function reduceEvents(ctx: RunContext, plan: DayPlan, mined: MinedTx[]): void {
  const events = parseLogs(
    mined.map((m) => m.receipt),
    eventSources(ctx),
  );
  const orderByHash = new Map(
    mined.filter((m) => m.label.startsWith("place")).map((m) => [m.hash, m]),
  );
  const byAccount = new Map(ctx.households.map((h) => [h.account.address.toLowerCase(), h]));
  for (const e of events) {
    if (!Object.hasOwn(REDUCERS, e.name)) continue;
    const reduce = REDUCERS[e.name]!;
    const a = e.args as unknown as Args;
    const slotOf = () => plan.slotByChain.get(BigInt(a.slot));
    reduce({ ctx, plan, a, slotOf, byAccount, orderTx: orderByHash.get(e.log.transactionHash) });
  }
}
