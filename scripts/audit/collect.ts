// Reads the registry, market and certificate events of a block range (in pages) and the views the
// reconciliation needs, into AuditData.
import { Contract, type EventFragment, type Log, type LogDescription, type Provider } from "ethers";
import {
  CERTIFICATES_ABI,
  MARKET_ABI,
  REGISTRY_ABI,
  certificatesInterface,
  marketInterface,
  registryInterface,
} from "./abi.js";
import { shortMessage } from "./connection.js";
import { AuditInputError } from "./errors.js";
import { getLogsPaged, type PageOptions } from "../lib/logs.js";
import { ENUMS, enumObject } from "../lib/enums.js";
import { MONEY_EVENTS } from "./money.js";
import {
  key,
  type AuditData,
  type EventRef,
  type MarketEvent,
  type MeterInfo,
  type TradedSlot,
} from "./types.js";

export interface CollectOptions extends PageOptions {
  registry: string;
  market: string;
  certificates: string;
}

const lower = (a: string) => a.toLowerCase();
const ref = (log: Log): EventRef => ({
  block: log.blockNumber,
  tx: log.transactionHash,
  logIndex: log.index,
});

/** Registry events that change a meter's status, and the status (IMeterRegistry.MeterStatus) they set. */
const MeterStatus = enumObject(ENUMS.meterStatus, ["Active", "Suspended", "Retired"]);
const STATUS_EVENTS: Record<string, number | undefined> = {
  MeterSuspended: MeterStatus.Suspended,
  MeterReinstated: MeterStatus.Active,
  MeterRetired: MeterStatus.Retired,
};

const certificatesEvents: EventFragment[] = [];
certificatesInterface.forEachEvent((event) => certificatesEvents.push(event));

export async function collect(
  provider: Provider,
  chainId: bigint,
  o: CollectOptions,
): Promise<AuditData> {
  const registry = new Contract(o.registry, REGISTRY_ABI, provider);
  const market = new Contract(o.market, MARKET_ABI, provider);
  const certificates = new Contract(o.certificates, CERTIFICATES_ABI, provider);
  const at = { blockTag: o.toBlock };
  const binding = {
    certificatesRegistry: lower(
      await expectKind(`certificates ${o.certificates}`, "EnergyCertificates", () =>
        certificates.registry(at),
      ),
    ),
    certificatesMarket: lower(await certificates.market(at)),
    marketRegistry: lower(
      await expectKind(`market ${o.market}`, "EnergyMarket", () => market.registry(at)),
    ),
    marketHook: lower(await market.settlementHook(at)),
  };
  await expectKind(`registry ${o.registry}`, "MeterRegistry", () => registry.meterAt(0, at));

  const topics = [
    ...Object.keys(STATUS_EVENTS).map((e) => registryInterface.getEvent(e)!.topicHash),
    ...certificatesEvents.map((e) => e.topicHash),
    ...MONEY_EVENTS.map((e) => marketInterface.getEvent(e)!.topicHash),
  ];
  const logs = await getLogsPaged(provider, [o.registry, o.market, o.certificates], [topics], o);

  const data: AuditData = {
    chainId,
    fromBlock: o.fromBlock,
    toBlock: o.toBlock,
    registry: lower(o.registry),
    market: lower(o.market),
    certificates: lower(o.certificates),
    binding,
    issuances: [],
    transfers: [],
    retirements: [],
    withholdings: [],
    skips: [],
    statusChanges: [],
    claims: [],
    returns: [],
    pages: [],
    traded: [],
    meters: new Map(),
    initialStatus: new Map(),
    readings: new Map(),
    balancesAfter: new Map(),
    balancesBefore: null,
    money: {
      events: [],
      balances: new Map(),
      escrowed: 0n,
      complete: o.fromBlock === 0,
      viewsRead: true,
    },
  };
  const settlements = new Map<bigint, EventRef & { deliveredWh: bigint }>();

  for (const log of logs) {
    const address = lower(log.address);
    const iface =
      address === data.registry
        ? registryInterface
        : address === data.market
          ? marketInterface
          : certificatesInterface;
    const parsed = iface.parseLog(log);
    if (parsed === null) continue;
    if (address === data.certificates) collectCertificateEvent(data, log, parsed);
    else if (address === data.registry) {
      // The topics include the certificates' AccessControl events, which the registry emits too.
      const status = STATUS_EVENTS[parsed.name];
      if (status !== undefined)
        data.statusChanges.push({
          ...ref(log),
          meter: lower(parsed.args.meter),
          status,
          slot: BigInt(parsed.args.slot ?? parsed.args.fromSlot),
        });
    } else {
      if (parsed.name === "SlotSettled")
        settlements.set(parsed.args.slot, { ...ref(log), deliveredWh: parsed.args.deliveredWh });
      data.money.events.push(marketEvent(log, parsed));
    }
  }

  // Traded slots: settled by the market (only a slot with a trade is settled), or certified by pages (a
  // market that emits no settlement event, such as the test double).
  const slots = new Set<bigint>([...settlements.keys(), ...data.pages.map((p) => p.slot)]);
  const meterAddresses = new Map<bigint, string>();
  for (const slot of [...slots].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const settlement = settlements.get(slot);
    const firstPage = data.pages.find((p) => p.slot === slot);
    const progress = await certificates.certificationOf(slot, at);
    data.traded.push({
      slot,
      settlement,
      orders: await ordersOf(
        market,
        registry,
        slot,
        [o.toBlock, settlement?.block, firstPage?.block],
        meterAddresses,
      ),
      sellersDone: progress.sellersDone,
      buyersDone: progress.buyersDone,
    });
  }

  await readViews(data, registry, certificates, o);
  await readMoneyViews(data, market, o);
  return data;
}

/** A market log with its arguments by name (the event's inputs, in the ABI's order). */
function marketEvent(log: Log, parsed: LogDescription): MarketEvent {
  const args: MarketEvent["args"] = {};
  parsed.fragment.inputs.forEach((input, i) => (args[input.name] = parsed.args[i]));
  return { ...ref(log), name: parsed.name, args };
}

/**
 * The market's balances of every account its events name, and its escrow, at toBlock; and whether the range
 * covers the market's whole life (no code before fromBlock), without which the replay misses events.
 */
async function readMoneyViews(data: AuditData, market: Contract, o: CollectOptions) {
  const at = { blockTag: o.toBlock };
  const accounts = new Set<string>();
  for (const e of data.money.events)
    if (typeof e.args.account === "string") accounts.add(lower(e.args.account));
  try {
    for (const account of accounts) {
      const [free, locked] = await market.balanceOf(account, at);
      data.money.balances.set(account, { free, locked });
    }
    data.money.escrowed = await market.escrowed(at);
  } catch {
    // A market without the balance views (the certification test double): nothing to reconcile with.
    data.money.viewsRead = false;
    return;
  }
  if (o.fromBlock > 0) {
    try {
      const code = await market.runner!.provider!.getCode(data.market, o.fromBlock - 1);
      data.money.complete = code === "0x";
    } catch {
      data.money.complete = false; // no archive state: the money check is skipped
    }
  }
}

/**
 * The market's record of a settled slot's orders, read at the first of `blocks` where it still holds them
 * (a newer slot may have reused the ring position since); null when none does or the node keeps no state
 * that old. Only filled sell orders are sellers: an unfilled one delivered nothing.
 */
async function ordersOf(
  market: Contract,
  registry: Contract,
  slot: bigint,
  blocks: (number | undefined)[],
  cache: Map<bigint, string>,
): Promise<TradedSlot["orders"]> {
  for (const blockTag of blocks) {
    if (blockTag === undefined) continue;
    try {
      const trade = await market.settledTrade(slot, { blockTag });
      if (!trade.held) continue;
      const lots = await market.sellLotsOf(slot, 0, trade.sellOrders, { blockTag });
      const fills = await market.buyFillsOf(slot, 0, trade.buyOrders, { blockTag });
      const sells: { meter: string; fillWh: bigint }[] = [];
      for (const lot of lots) {
        if (lot.fillWh === 0n) continue;
        const index = BigInt(lot.meterIndex);
        if (!cache.has(index)) cache.set(index, lower(await registry.meterAt(index, { blockTag })));
        sells.push({ meter: cache.get(index)!, fillWh: BigInt(lot.fillWh) });
      }
      return {
        clearedWh: trade.clearedWh,
        sellOrders: Number(trade.sellOrders),
        buyOrders: Number(trade.buyOrders),
        sells,
        buys: fills.map((f: { buyer: string; fillWh: bigint }) => ({
          buyer: lower(f.buyer),
          fillWh: BigInt(f.fillWh),
        })),
      };
    } catch {
      // No state at that block on this node: try the next one.
    }
  }
  return null;
}

/** Runs a view that only the expected kind of contract answers; refuses the address otherwise. */
async function expectKind<T>(label: string, kind: string, view: () => Promise<T>): Promise<T> {
  try {
    return await view();
  } catch (error) {
    throw new AuditInputError(`${label} does not answer as a ${kind}: ${shortMessage(error)}`);
  }
}

function collectCertificateEvent(data: AuditData, log: Log, parsed: LogDescription): void {
  const a = parsed.args;
  switch (parsed.name) {
    case "CertificatesIssued":
      data.issuances.push({
        ...ref(log),
        meter: lower(a.meter),
        slot: a.slot,
        id: a.id,
        source: Number(a.source),
        zone: a.zone,
        amountWh: a.amountWh,
        toBuyersWh: a.toBuyersWh,
        toOwnerWh: a.toOwnerWh,
      });
      break;
    case "TransferSingle":
      data.transfers.push({
        ...ref(log),
        operator: lower(a.operator),
        from: lower(a.from),
        to: lower(a.to),
        id: a.id,
        valueWh: a.value,
      });
      break;
    case "TransferBatch":
      a.ids.forEach((id: bigint, i: number) =>
        data.transfers.push({
          ...ref(log),
          operator: lower(a.operator),
          from: lower(a.from),
          to: lower(a.to),
          id,
          valueWh: a[4][i],
        }),
      );
      break;
    case "CertificatesRetired":
      data.retirements.push({
        ...ref(log),
        holder: lower(a.holder),
        beneficiary: lower(a.beneficiary),
        id: a.id,
        amountWh: a.amountWh,
        claimData: a.claimData,
      });
      break;
    case "IssuanceWithheld":
      data.withholdings.push({
        ...ref(log),
        meter: lower(a.meter),
        slot: a.slot,
        status: Number(a.status),
      });
      break;
    case "IssuanceSkipped":
      data.skips.push({ ...ref(log), meter: lower(a.meter), slot: a.slot, reason: a.reason });
      break;
    case "CertificatesClaimed":
      data.claims.push({
        ...ref(log),
        buyer: lower(a.buyer),
        slot: a.slot,
        id: a.id,
        amountWh: a.amountWh,
      });
      break;
    case "RoundingReturned":
      data.returns.push({
        ...ref(log),
        meter: lower(a.meter),
        slot: a.slot,
        id: a.id,
        amountWh: a.amountWh,
      });
      break;
    case "SellersCertified":
    case "BuyersClaimed":
      data.pages.push({
        ...ref(log),
        slot: a.slot,
        pass: parsed.name === "SellersCertified" ? "sellers" : "buyers",
        fromIndex: a.fromIndex,
        toIndex: a.toIndex,
        done: a.done,
      });
      break;
  }
}

/** Meter records, readings and balances the reconciliation compares the events with. */
async function readViews(
  data: AuditData,
  registry: Contract,
  certificates: Contract,
  o: CollectOptions,
) {
  const at = { blockTag: o.toBlock };
  const meters = new Set<string>([
    ...data.issuances.map((i) => i.meter),
    ...data.withholdings.map((w) => w.meter),
    ...data.statusChanges.map((s) => s.meter),
    ...data.returns.map((r) => r.meter),
    ...data.traded.flatMap((t) => t.orders?.sells.map((s) => s.meter) ?? []),
  ]);
  for (const meter of meters) {
    const m = await registry.meterOf(meter, at);
    const info: MeterInfo = {
      owner: lower(m.owner),
      source: Number(m.source),
      status: Number(m.status),
      index: Number(m.index),
      zone: m.zone,
    };
    data.meters.set(meter, info);
    if (o.fromBlock > 0) {
      try {
        data.initialStatus.set(
          meter,
          Number((await registry.meterOf(meter, { blockTag: o.fromBlock - 1 })).status),
        );
      } catch {
        // No archive state on this node: the timeline starts at the first status event in the range.
      }
    }
  }
  const pairs = new Set<string>([
    ...data.issuances.map((i) => key(i.meter, i.slot)),
    ...data.traded.flatMap((t) => t.orders?.sells.map((s) => key(s.meter, t.slot)) ?? []),
  ]);
  for (const pair of pairs) {
    const [meter, slot] = pair.split(":");
    const r = await registry.readingOf(meter, BigInt(slot), at);
    const suspended: boolean = await registry.isSuspendedIn(meter, BigInt(slot), at);
    data.readings.set(pair, { recorded: r.recorded, exportedWh: BigInt(r.exportedWh), suspended });
  }

  const holdings = new Set<string>();
  for (const t of data.transfers)
    for (const a of [t.from, t.to])
      if (a !== "0x0000000000000000000000000000000000000000") holdings.add(key(a, t.id));
  const list = [...holdings].map((h) => h.split(":"));
  const accounts = list.map(([a]) => a);
  const ids = list.map(([, id]) => BigInt(id));
  const after: bigint[] = list.length ? await certificates.balanceOfBatch(accounts, ids, at) : [];
  list.forEach((_, i) => data.balancesAfter.set([...holdings][i], after[i]));
  if (o.fromBlock === 0) {
    data.balancesBefore = new Map([...holdings].map((h) => [h, 0n]));
  } else {
    try {
      const code = await certificates.runner!.provider!.getCode(data.certificates, o.fromBlock - 1);
      const before: bigint[] =
        code === "0x" || !list.length
          ? list.map(() => 0n)
          : await certificates.balanceOfBatch(accounts, ids, { blockTag: o.fromBlock - 1 });
      data.balancesBefore = new Map([...holdings].map((h, i) => [h, before[i]]));
    } catch {
      data.balancesBefore = null; // no archive state: the balance check is skipped
    }
  }
}
