// Turns AuditData and the findings into rows, files (JSON, CSV) and an on-screen table.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { toUtf8String } from "ethers";
import { recordsCsv as csv } from "../lib/csv.js";
import { SOURCE_NAMES, STATUS_NAMES, decodeId } from "./abi.js";
import { certificatesOf } from "./certification.js";
import { moneyRows } from "./money.js";
import type { AuditData, AuditReport, Check, SuspensionSpan, Violation } from "./types.js";

type Row = Record<string, string | number>;
const ACTIVE = STATUS_NAMES.indexOf("Active");
const SUSPENDED = STATUS_NAMES.indexOf("Suspended");
const ZERO = "0x0000000000000000000000000000000000000000";
const sourceName = (s: number) => SOURCE_NAMES[s] ?? String(s);

function vintage(id: bigint): Row {
  const { slot, source } = decodeId(id);
  return { id: id.toString(), slot: slot.toString(), source: sourceName(source) };
}

/** Claim data as text when it is printable UTF-8, else empty (the hex is always in claimData). */
function claimText(data: string): string {
  try {
    const text = toUtf8String(data);
    return /^[\x20-\x7e\u00a0-\uffff]*$/.test(text) ? text : "";
  } catch {
    return "";
  }
}

type AuditRows = Pick<
  AuditReport,
  "issuance" | "transfers" | "retirements" | "withheld" | "suspensions" | "skipped"
>;

/** One row per certificate event: issuance, transfer, retirement, withholding, suspension, skip. */
function eventRows(data: AuditData): AuditRows {
  const pageTxs = new Set(data.pages.filter((p) => p.pass === "sellers").map((p) => p.tx));
  const issuance = data.issuances.map((i) => ({
    block: i.block,
    tx: i.tx,
    meter: i.meter,
    zone: i.zone,
    ...vintage(i.id),
    amountWh: i.amountWh.toString(),
    toBuyersWh: i.toBuyersWh.toString(),
    toOwnerWh: i.toOwnerWh.toString(),
    exportedWh: data.readings.get(`${i.meter}:${i.slot}`)?.exportedWh.toString() ?? "",
    path: pageTxs.has(i.tx) ? "certification" : "request",
  }));
  const transfers = data.transfers.map((t) => ({
    block: t.block,
    tx: t.tx,
    kind: t.from === ZERO ? "issue" : t.to === ZERO ? "retire" : "transfer",
    operator: t.operator,
    from: t.from,
    to: t.to,
    ...vintage(t.id),
    valueWh: t.valueWh.toString(),
  }));
  const retirements = data.retirements.map((r) => ({
    block: r.block,
    tx: r.tx,
    holder: r.holder,
    beneficiary: r.beneficiary,
    ...vintage(r.id),
    amountWh: r.amountWh.toString(),
    claimData: r.claimData,
    claimText: claimText(r.claimData),
  }));
  const withheld = data.withholdings.map((w) => ({
    block: w.block,
    tx: w.tx,
    meter: w.meter,
    slot: w.slot.toString(),
    status: STATUS_NAMES[w.status] ?? w.status,
  }));
  const suspensions = suspensionSpans(data).map((span) => ({
    meter: span.meter,
    firstSlot: span.firstSlot.toString(),
    lastSlot: span.lastSlot === null ? "ongoing" : span.lastSlot.toString(),
  }));
  const skipped = data.skips.map((s) => ({
    block: s.block,
    tx: s.tx,
    meter: s.meter,
    slot: s.slot.toString(),
    reason: s.reason,
  }));
  return { issuance, transfers, retirements, withheld, suspensions, skipped };
}

/** Per meter: the slots it was issued for, what went to buyers and to its owner, slots withheld. */
function perMeterRows(data: AuditData): AuditReport["perMeter"] {
  const perMeter = new Map<
    string,
    { slots: number; issued: bigint; toBuyers: bigint; toOwner: bigint; withheld: number }
  >();
  const meterRow = (m: string) =>
    perMeter.get(m) ??
    perMeter.set(m, { slots: 0, issued: 0n, toBuyers: 0n, toOwner: 0n, withheld: 0 }).get(m)!;
  for (const i of data.issuances) {
    const r = meterRow(i.meter);
    r.slots += 1;
    r.issued += i.amountWh;
    r.toBuyers += i.toBuyersWh;
    r.toOwner += i.toOwnerWh;
  }
  for (const w of data.withholdings) meterRow(w.meter).withheld += 1;
  return [...perMeter].map(([meter, r]) => ({
    meter,
    source: sourceName(data.meters.get(meter)?.source ?? -1),
    slotsIssued: r.slots,
    issuedWh: r.issued.toString(),
    toBuyersWh: r.toBuyers.toString(),
    toOwnerWh: r.toOwner.toString(),
    slotsWithheld: r.withheld,
  }));
}

function perBeneficiaryRows(data: AuditData): AuditReport["perBeneficiary"] {
  const perBeneficiary = new Map<string, { retirements: number; wh: bigint }>();
  for (const r of data.retirements) {
    const b = perBeneficiary.get(r.beneficiary) ?? { retirements: 0, wh: 0n };
    perBeneficiary.set(r.beneficiary, { retirements: b.retirements + 1, wh: b.wh + r.amountWh });
  }
  return [...perBeneficiary].map(([beneficiary, r]) => ({
    beneficiary,
    retirements: r.retirements,
    retiredWh: r.wh.toString(),
  }));
}

/** Per certificate id: issued, pooled, claimed, returned, retired, and the supply held at the end. */
function perIdRows(data: AuditData): AuditReport["perId"] {
  const perId = new Map<
    bigint,
    {
      issued: bigint;
      pool: bigint;
      claimed: bigint;
      returned: bigint;
      retired: bigint;
      supply: bigint;
    }
  >();
  const idRow = (id: bigint) =>
    perId.get(id) ??
    perId
      .set(id, { issued: 0n, pool: 0n, claimed: 0n, returned: 0n, retired: 0n, supply: 0n })
      .get(id)!;
  for (const i of data.issuances) {
    idRow(i.id).issued += i.amountWh;
    idRow(i.id).pool += i.toBuyersWh;
  }
  for (const c of data.claims) idRow(c.id).claimed += c.amountWh;
  for (const r of data.returns) idRow(r.id).returned += r.amountWh;
  for (const r of data.retirements) idRow(r.id).retired += r.amountWh;
  for (const [k, v] of data.balancesAfter) idRow(BigInt(k.split(":")[1])).supply += v;
  return [...perId].map(([id, r]) => ({
    ...vintage(id),
    issuedWh: r.issued.toString(),
    poolWh: r.pool.toString(),
    claimedWh: r.claimed.toString(),
    returnedWh: r.returned.toString(),
    retiredWh: r.retired.toString(),
    supplyWh: r.supply.toString(),
  }));
}

function certificationRows(data: AuditData): AuditReport["certification"] {
  return certificatesOf(data).map((c) => ({
    slot: c.traded.slot.toString(),
    status: c.status,
    sellOrders: c.traded.orders?.sellOrders ?? "",
    filledSellOrders: c.traded.orders?.sells.length ?? "",
    buyOrders: c.traded.orders?.buyOrders ?? "",
    poolWh: c.poolWh.toString(),
    claimedWh: c.claimedWh.toString(),
    returnedWh: c.returnedWh.toString(),
    notYetClaimedWh: c.traded.buyersDone ? "0" : (c.poolWh - c.claimedWh - c.returnedWh).toString(),
  }));
}

export function buildReport(
  data: AuditData,
  pageSize: number,
  checks: Check[],
  violations: Violation[],
): AuditReport {
  return {
    chainId: data.chainId.toString(),
    range: { fromBlock: data.fromBlock, toBlock: data.toBlock, pageSize },
    contracts: { registry: data.registry, market: data.market, certificates: data.certificates },
    ...eventRows(data),
    perMeter: perMeterRows(data),
    perBeneficiary: perBeneficiaryRows(data),
    perId: perIdRows(data),
    certification: certificationRows(data),
    ...moneyRows(data.money),
    checks,
    violations,
  };
}

/** Writes audit.json and the CSV files into `dir`; returns their paths. */
export async function writeReport(report: AuditReport, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: [string, string][] = [
    ["audit.json", JSON.stringify(report, null, 2) + "\n"],
    [
      "issuance.csv",
      csv(report.issuance, [
        "block",
        "tx",
        "meter",
        "zone",
        "id",
        "slot",
        "source",
        "amountWh",
        "toBuyersWh",
        "toOwnerWh",
        "exportedWh",
        "path",
      ]),
    ],
    [
      "transfers.csv",
      csv(report.transfers, [
        "block",
        "tx",
        "kind",
        "operator",
        "from",
        "to",
        "id",
        "slot",
        "source",
        "valueWh",
      ]),
    ],
    [
      "retirements.csv",
      csv(report.retirements, [
        "block",
        "tx",
        "holder",
        "beneficiary",
        "id",
        "slot",
        "source",
        "amountWh",
        "claimData",
        "claimText",
      ]),
    ],
    ["withheld.csv", csv(report.withheld, ["block", "tx", "meter", "slot", "status"])],
    ["suspensions.csv", csv(report.suspensions, ["meter", "firstSlot", "lastSlot"])],
    ["certification.csv", csv(report.certification, CERTIFICATION_COLUMNS)],
    ["orders.csv", csv(report.orders, ORDER_COLUMNS)],
    ["accounts.csv", csv(report.accounts, ["account", "free", "locked", "viewFree", "viewLocked"])],
    [
      "violations.csv",
      csv(report.violations as unknown as Row[], ["rule", "tx", "meter", "slot", "id", "message"]),
    ],
  ];
  const paths: string[] = [];
  for (const [name, content] of files) {
    const file = path.join(dir, name);
    await writeFile(file, content);
    paths.push(file);
  }
  return paths;
}

const ORDER_COLUMNS = [
  "orderId",
  "slot",
  "side",
  "account",
  "status",
  "quantityWh",
  "limitPrice",
  "locked",
  "fillWh",
  "released",
  "paid",
  "deliveredWh",
  "payment",
  "penalty",
  "placedTx",
  "lastTx",
];

const CERTIFICATION_COLUMNS = [
  "slot",
  "status",
  "sellOrders",
  "filledSellOrders",
  "buyOrders",
  "poolWh",
  "claimedWh",
  "returnedWh",
  "notYetClaimedWh",
];

function table(title: string, rows: Row[], columns: string[]): string {
  if (rows.length === 0) return `${title}: none\n`;
  const short = (v: unknown) => {
    const s = String(v ?? "");
    return /^0x[0-9a-f]{40,64}$/i.test(s) ? `${s.slice(0, 8)}…${s.slice(-4)}` : s;
  };
  const cells = rows.map((r) => columns.map((c) => short(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i])).join("  ");
  return (
    [`${title}:`, line(columns), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join(
      "\n",
    ) + "\n"
  );
}

/** The on-screen summary. */
export function formatReport(report: AuditReport): string {
  return [
    `GridLedger certificate audit — chain ${report.chainId}, blocks ${report.range.fromBlock}..${report.range.toBlock}`,
    table("Issuance per meter", report.perMeter, [
      "meter",
      "source",
      "slotsIssued",
      "issuedWh",
      "toBuyersWh",
      "toOwnerWh",
      "slotsWithheld",
    ]),
    table("Issuance", report.issuance, [
      "block",
      "meter",
      "slot",
      "source",
      "amountWh",
      "toBuyersWh",
      "toOwnerWh",
      "exportedWh",
      "path",
    ]),
    table("Certificates per id", report.perId, [
      "id",
      "slot",
      "source",
      "issuedWh",
      "poolWh",
      "claimedWh",
      "returnedWh",
      "retiredWh",
      "supplyWh",
    ]),
    certificationSummary(report),
    table(
      "Transfers",
      report.transfers.filter((t) => t.kind === "transfer"),
      ["block", "from", "to", "slot", "source", "valueWh"],
    ),
    table("Retirements per beneficiary", report.perBeneficiary, [
      "beneficiary",
      "retirements",
      "retiredWh",
    ]),
    table("Retirements", report.retirements, [
      "block",
      "holder",
      "beneficiary",
      "slot",
      "source",
      "amountWh",
      "claimText",
    ]),
    table("Withheld (a suspension spans the slot)", report.withheld, [
      "block",
      "meter",
      "slot",
      "status",
    ]),
    table("Suspension spans (certificates of these slots are withheld)", report.suspensions, [
      "meter",
      "firstSlot",
      "lastSlot",
    ]),
    table("Checks", report.checks as unknown as Row[], ["status", "name", "detail"]),
    table("VIOLATIONS", report.violations as unknown as Row[], ["rule", "tx", "message"]),
  ].join("\n");
}

/** Traded slots by certification status; the slots not yet claimed are listed, they are not violations. */
function certificationSummary(report: AuditReport): string {
  const rows = report.certification;
  const claimed = rows.filter((r) => r.status === "claimed");
  const open = rows.filter((r) => r.status !== "claimed");
  const wh = (rs: Row[], column: string) => rs.reduce((a, r) => a + BigInt(r[column]!), 0n);
  const head = `Certification of traded slots: ${claimed.length} claimed (${wh(claimed, "claimedWh")} Wh claimed, ${wh(claimed, "returnedWh")} Wh returned), ${open.length} not yet claimed (${wh(open, "notYetClaimedWh")} Wh in their pools)\n`;
  return open.length ? head + table("Not yet claimed", open, CERTIFICATION_COLUMNS) : head;
}

/** The slots each suspension in the range spans, from the slot of the suspension through the slot of the
 * reinstatement (IMeterRegistry: MeterSuspended and MeterReinstated carry those slots). */
export function suspensionSpans(data: AuditData): SuspensionSpan[] {
  const spans: SuspensionSpan[] = [];
  const open = new Map<string, SuspensionSpan>();
  for (const change of data.statusChanges) {
    if (change.status === SUSPENDED) {
      const span = { meter: change.meter, firstSlot: change.slot, lastSlot: null };
      spans.push(span);
      open.set(change.meter, span);
    } else if (change.status === ACTIVE) {
      const span = open.get(change.meter);
      if (span) span.lastSlot = change.slot;
      open.delete(change.meter);
    }
  }
  return spans;
}
