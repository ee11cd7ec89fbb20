// The auditor's rules, as pure functions of AuditData: each finding names the transaction.
import { RENEWABLE_SOURCES, STATUS_NAMES } from "./abi.js";
import { certificatesOf, checkClaims, checkPools } from "./certification.js";
import { checkMoney } from "./money.js";
import { key, type AuditData, type Check, type EventRef, type Violation } from "./types.js";

const ZERO = "0x0000000000000000000000000000000000000000";
const RETIRED = STATUS_NAMES.indexOf("Retired");

/** Runs every rule; returns one check per rule and every violation found. */
export function reconcile(data: AuditData): { checks: Check[]; violations: Violation[] } {
  const checks: Check[] = [];
  const violations: Violation[] = [];
  const rule = (name: string, found: Violation[], detail: string, skipped = false) => {
    violations.push(...found);
    checks.push({
      name,
      status: skipped ? "skipped" : found.length ? "fail" : "pass",
      detail: found.length ? `${found.length} violation(s)` : detail,
    });
  };
  rule(
    "contracts are bound to each other and to one registry",
    checkBinding(data),
    "certificates, market and registry agree",
  );
  rule(
    "issued <= exported of the recorded reading, renewable meter, slot neither suspended nor retired",
    checkIssuance(data),
    `${data.issuances.length} issuance(s)`,
  );
  rule(
    "at most one issuance per (meter, slot)",
    checkOnce(data),
    "no (meter, slot) issued twice or issued and withheld",
  );
  rule(
    "ERC-1155 mints and burns match issuance, claim, return and retirement events",
    checkMintsAndBurns(data),
    `${data.transfers.length} transfer record(s)`,
  );
  const supply = checkSupply(data);
  rule(
    "per id: supply + retired = credited (to owners, claimed, returned)",
    supply ?? [],
    supply
      ? "balances at the range's ends agree with the events"
      : "node has no state before the range",
    supply === null,
  );
  const slots = certificatesOf(data);
  const pending = slots.filter((c) => c.status !== "claimed").length;
  rule(
    "each filled seller's pool share = min(export, its fills)",
    checkPools(data, slots),
    `${slots.length} traded slot(s), ${slots.filter((c) => c.traded.sellersDone).length} certified`,
  );
  rule(
    "claims = floor(pool x fill / Q) per buy order; claimed + returned = pool",
    checkClaims(data, slots),
    `${slots.length - pending} slot(s) claimed, ${pending} not yet`,
  );
  const money = checkMoney(data.money);
  rule(
    "every account's free and locked balance and the escrow follow from the market's events",
    money?.violations ?? [],
    money
      ? `${money.replay.orders.length} order(s), ${money.replay.accounts.size} account(s) replayed and reconciled`
      : data.money.viewsRead
        ? "the range starts after the market's deployment: earlier events are missing"
        : "the market has no balance views",
    money === null,
  );
  return { checks, violations };
}

function violation(
  rule: string,
  message: string,
  at: EventRef | null,
  extra: Partial<Violation> = {},
): Violation {
  return { rule, message, tx: at?.tx ?? "-", ...extra };
}

function checkBinding(d: AuditData): Violation[] {
  const found: Violation[] = [];
  const b = d.binding;
  if (b.certificatesRegistry !== d.registry)
    found.push(
      violation(
        "binding",
        `certificates trust registry ${b.certificatesRegistry}, not the audited registry ${d.registry}`,
        null,
      ),
    );
  if (b.marketRegistry !== d.registry)
    found.push(
      violation(
        "binding",
        `market reads registry ${b.marketRegistry}, not the audited registry ${d.registry}`,
        null,
      ),
    );
  if (b.certificatesMarket !== d.market)
    found.push(
      violation(
        "binding",
        `certificates are bound to market ${b.certificatesMarket}, not ${d.market}`,
        null,
      ),
    );
  if (b.marketHook !== d.certificates)
    found.push(
      violation(
        "binding",
        `market's settlement hook is ${b.marketHook}, not the certificates ${d.certificates}`,
        null,
      ),
    );
  return found;
}

/** The first slot `meter` is retired for, from the retirements in the range (null when none). */
function retiredFrom(d: AuditData, meter: string): bigint | null {
  const retired = d.statusChanges.filter((c) => c.meter === meter && c.status === RETIRED);
  return retired.length ? retired[0].slot : null;
}

function checkIssuance(d: AuditData): Violation[] {
  const found: Violation[] = [];
  for (const i of d.issuances) {
    const where = { meter: i.meter, slot: String(i.slot), id: String(i.id) };
    const meter = d.meters.get(i.meter);
    const reading = d.readings.get(key(i.meter, i.slot));
    if (!meter || !RENEWABLE_SOURCES.has(meter.source))
      found.push(
        violation(
          "renewable",
          `issued for a meter whose source ${meter?.source ?? "?"} is not renewable`,
          i,
          where,
        ),
      );
    if (meter && (i.source !== meter.source || i.id !== ((i.slot << 8n) | BigInt(meter.source))))
      found.push(
        violation(
          "id",
          `id ${i.id} / source ${i.source} do not match slot ${i.slot} and the meter's source ${meter.source}`,
          i,
          where,
        ),
      );
    if (i.toBuyersWh + i.toOwnerWh !== i.amountWh)
      found.push(
        violation(
          "split",
          `to buyers ${i.toBuyersWh} + to owner ${i.toOwnerWh} != issued ${i.amountWh}`,
          i,
          where,
        ),
      );
    if (!reading?.recorded)
      found.push(
        violation(
          "reading",
          `${i.amountWh} Wh issued without a recorded reading in the registry`,
          i,
          where,
        ),
      );
    else if (i.amountWh > reading.exportedWh)
      found.push(
        violation(
          "export",
          `issued ${i.amountWh} Wh > exported ${reading.exportedWh} Wh`,
          i,
          where,
        ),
      );
    // Changes never reach back: what counts is the meter's record for the slot, not at issuance.
    if (reading?.suspended)
      found.push(violation("suspended", `issued for a slot a suspension spans`, i, where));
    const retired = retiredFrom(d, i.meter);
    if (retired !== null && i.slot >= retired)
      found.push(
        violation(
          "retired",
          `issued for a slot the meter is retired for (from ${retired})`,
          i,
          where,
        ),
      );
  }
  return found;
}

function checkOnce(d: AuditData): Violation[] {
  const found: Violation[] = [];
  const seen = new Set<string>();
  for (const i of d.issuances) {
    const k = key(i.meter, i.slot);
    if (seen.has(k))
      found.push(
        violation("once", `second issuance for (meter, slot)`, i, {
          meter: i.meter,
          slot: String(i.slot),
        }),
      );
    seen.add(k);
  }
  for (const w of d.withholdings) {
    if (seen.has(key(w.meter, w.slot)))
      found.push(
        violation("once", `(meter, slot) both issued and withheld`, w, {
          meter: w.meter,
          slot: String(w.slot),
        }),
      );
  }
  return found;
}

function sumBy<T>(
  items: T[],
  keyOf: (t: T) => string,
  valueOf: (t: T) => bigint,
): Map<string, bigint> {
  const sums = new Map<string, bigint>();
  for (const item of items) sums.set(keyOf(item), (sums.get(keyOf(item)) ?? 0n) + valueOf(item));
  return sums;
}

function compareSums(
  rule: string,
  what: string,
  events: Map<string, bigint>,
  transfers: Map<string, bigint>,
): Violation[] {
  const found: Violation[] = [];
  for (const k of new Set([...events.keys(), ...transfers.keys()])) {
    const [tx, id] = k.split("|");
    const e = events.get(k) ?? 0n;
    const t = transfers.get(k) ?? 0n;
    if (e !== t)
      found.push({
        rule,
        message: `id ${id}: ${what} events say ${e} Wh, ERC-1155 transfers ${t} Wh`,
        tx,
        id,
      });
  }
  return found;
}

function checkMintsAndBurns(d: AuditData): Violation[] {
  const txId = (x: { tx: string; id: bigint }) => `${x.tx}|${x.id}`;
  // What each transaction credits: the unsold export at issuance, the buyers' claims, the remainders.
  const issued = sumBy(
    [
      ...d.issuances.map((i) => ({ tx: i.tx, id: i.id, wh: i.toOwnerWh })),
      ...d.claims.map((c) => ({ tx: c.tx, id: c.id, wh: c.amountWh })),
      ...d.returns.map((r) => ({ tx: r.tx, id: r.id, wh: r.amountWh })),
    ],
    txId,
    (x) => x.wh,
  );
  const minted = sumBy(
    d.transfers.filter((t) => t.from === ZERO),
    txId,
    (t) => t.valueWh,
  );
  const retired = sumBy(d.retirements, txId, (r) => r.amountWh);
  const burned = sumBy(
    d.transfers.filter((t) => t.to === ZERO),
    txId,
    (t) => t.valueWh,
  );
  return [
    ...compareSums("mint", "issuance", issued, minted),
    ...compareSums("burn", "retirement", retired, burned),
  ];
}

function checkSupply(d: AuditData): Violation[] | null {
  if (d.balancesBefore === null) return null;
  const found: Violation[] = [];
  const byId = (m: Map<string, bigint>) =>
    sumBy(
      [...m],
      ([k]) => k.split(":")[1],
      ([, v]) => v,
    );
  const after = byId(d.balancesAfter);
  const before = byId(d.balancesBefore);
  const issued = sumBy(
    [
      ...d.issuances.map((i) => ({ id: i.id, wh: i.toOwnerWh })),
      ...d.claims.map((c) => ({ id: c.id, wh: c.amountWh })),
      ...d.returns.map((r) => ({ id: r.id, wh: r.amountWh })),
    ],
    (x) => String(x.id),
    (x) => x.wh,
  );
  const retired = sumBy(
    d.retirements,
    (r) => String(r.id),
    (r) => r.amountWh,
  );
  for (const id of new Set([...after.keys(), ...issued.keys(), ...retired.keys()])) {
    const change = (after.get(id) ?? 0n) - (before.get(id) ?? 0n);
    const expected = (issued.get(id) ?? 0n) - (retired.get(id) ?? 0n);
    if (change !== expected) {
      const last = [...d.transfers].reverse().find((t) => String(t.id) === id) ?? null;
      found.push(
        violation(
          "supply",
          `id ${id}: supply changed by ${change} Wh, credited - retired = ${expected} Wh`,
          last,
          { id },
        ),
      );
    }
  }
  return found;
}
