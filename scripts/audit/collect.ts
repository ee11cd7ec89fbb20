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
import { shortMessage } from "./chain.js";
import { AuditInputError } from "./errors.js";
import { getLogsPaged, type PageOptions } from "./logs.js";
import { key, type AuditData, type EventRef, type MeterInfo, type Settlement } from "./types.js";

export interface CollectOptions extends PageOptions {
  registry: string;
  market: string;
  certificates: string;
}

const SELL = 1n;
const lower = (a: string) => a.toLowerCase();
const ref = (log: Log): EventRef => ({
  block: log.blockNumber,
  tx: log.transactionHash,
  logIndex: log.index,
});

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
    ...["MeterSuspended", "MeterReinstated", "MeterRetired"].map(
      (e) => registryInterface.getEvent(e)!.topicHash,
    ),
    ...certificatesEvents.map((e) => e.topicHash),
    ...["OrderPlaced", "OrderCancelled", "SlotSettled", "MockSlotSettled", "MockDelivered"].map(
      (e) => marketInterface.getEvent(e)!.topicHash,
    ),
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
    settlements: [],
    meters: new Map(),
    initialStatus: new Map(),
    readings: new Map(),
    balancesAfter: new Map(),
    balancesBefore: null,
  };
  const sellOrders = new Map<bigint, { slot: bigint; meterIndex: bigint }>();
  const cancelled = new Set<bigint>();
  const settlementByTx = new Map<string, Settlement>();

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
      const status = { MeterSuspended: 2, MeterReinstated: 1, MeterRetired: 3 }[parsed.name]!;
      data.statusChanges.push({ ...ref(log), meter: lower(parsed.args.meter), status });
    } else if (parsed.name === "OrderPlaced" && parsed.args.side === SELL) {
      sellOrders.set(parsed.args.orderId, {
        slot: parsed.args.slot,
        meterIndex: parsed.args.meterIndex,
      });
    } else if (parsed.name === "OrderCancelled") {
      cancelled.add(parsed.args.orderId);
    } else if (parsed.name === "SlotSettled" || parsed.name === "MockSlotSettled") {
      const settlement: Settlement = {
        ...ref(log),
        slot: parsed.args.slot,
        deliveredWh: parsed.name === "SlotSettled" ? parsed.args.deliveredWh : 0n,
        sellers: new Set(),
        ...(parsed.name === "MockSlotSettled"
          ? { deliveredByMeter: new Map<string, bigint>() }
          : {}),
      };
      data.settlements.push(settlement);
      settlementByTx.set(`${log.transactionHash}:${settlement.slot}`, settlement);
    } else if (parsed.name === "MockDelivered") {
      const settlement = settlementByTx.get(`${log.transactionHash}:${parsed.args.slot}`);
      if (settlement?.deliveredByMeter === undefined) continue;
      const meter = lower(parsed.args.meter);
      settlement.deliveredByMeter.set(
        meter,
        (settlement.deliveredByMeter.get(meter) ?? 0n) + parsed.args.deliveredWh,
      );
      settlement.deliveredWh += parsed.args.deliveredWh;
      settlement.sellers.add(meter);
    }
  }

  // Sellers of each settled slot, from the market's sell orders (meter index -> meter address).
  const meterAt = new Map<bigint, string>();
  for (const [orderId, order] of sellOrders) {
    if (cancelled.has(orderId)) continue;
    if (!meterAt.has(order.meterIndex))
      meterAt.set(order.meterIndex, lower(await registry.meterAt(order.meterIndex, at)));
    for (const s of data.settlements)
      if (s.slot === order.slot) s.sellers.add(meterAt.get(order.meterIndex)!);
  }

  await readViews(data, registry, certificates, o);
  return data;
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
    ...data.settlements.flatMap((s) => [...s.sellers]),
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
    ...data.settlements.flatMap((s) => [...s.sellers].map((m) => key(m, s.slot))),
  ]);
  for (const pair of pairs) {
    const [meter, slot] = pair.split(":");
    const r = await registry.readingOf(meter, BigInt(slot), at);
    data.readings.set(pair, { recorded: r.recorded, exportedWh: BigInt(r.exportedWh) });
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
