/**
 * Certificates after a settlement: the page sizes every caller uses (simulation, role command, load test),
 * and the model of what the pages deliver (EnergyCertificates.certifySellers / claimBuyers), which the
 * simulation's accounting and the auditor compare with the chain.
 */

/**
 * Orders per page. One place for both: the gas measurement of a worst-case page (bench/) decides them.
 * certifySellers: each filled sell order of a new meter issues one (meter, slot); claimBuyers: each filled buy
 * order is credited once per vintage of the slot.
 */
export const CERTIFY_SELLERS_PAGE = 100;
export const CLAIM_BUYERS_PAGE = 40;

/** Number of pages that cover `orders` orders (at least one: a pass over zero orders still finishes). */
export function pagesFor(orders: number, pageSize: number): number {
  return Math.max(1, Math.ceil(orders / pageSize));
}

/** A sell order of a traded slot, in ascending order index. */
export interface SellLotInput {
  meter: string;
  fillWh: bigint;
}

/** A buy order of a traded slot, in ascending order index. */
export interface BuyFillInput {
  buyer: string;
  fillWh: bigint;
}

/**
 * A meter that certifySellers puts into a vintage's pool; undefined for a skipped or withheld meter. Its
 * vintage is named by `source` (the simulation and the auditor: one slot, so the source number; the
 * contract tests: the token id), any key that tells the slot's vintages apart.
 */
export interface CertifiedMeter<K = number> {
  source: K;
  exportedWh: bigint;
}

export interface VintageModel<K = number> {
  source: K;
  poolWh: bigint;
  claimedWh: bigint;
  /** The owner's meter that gets the rounding remainder (largest delivery, first in order index on a tie). */
  remainderMeter?: string;
  returnedWh: bigint;
}

export interface CertificationModel<K = number> {
  /** Wh each certified meter put into its vintage's pool: min(export, the meter's fills). */
  toBuyersWh: Map<string, bigint>;
  /** Per buy order (same index as the input): its credit per source. */
  claims: Map<K, bigint>[];
  /** Per buyer (as given), per source: the sum of its buy orders' credits. */
  claimsByBuyer: Map<string, Map<K, bigint>>;
  vintages: Map<K, VintageModel<K>>;
}

/**
 * What certifySellers then claimBuyers deliver for one traded slot of Q = `clearedWh`: each certified meter
 * puts min(export, its fills) into its source's pool; each filled buy order gets floor(pool x fill / Q) of
 * every pool; after the last claim the rest of a pool, at most the remainder meter's delivery, goes back to
 * the owner of its largest delivering meter.
 */
export function modelCertification<K = number>(
  clearedWh: bigint,
  sells: readonly SellLotInput[],
  buys: readonly BuyFillInput[],
  certified: (meter: string) => CertifiedMeter<K> | undefined,
): CertificationModel<K> {
  const meterFill = new Map<string, bigint>();
  for (const s of sells) meterFill.set(s.meter, (meterFill.get(s.meter) ?? 0n) + s.fillWh);
  const toBuyersWh = new Map<string, bigint>();
  const vintages = new Map<K, VintageModel<K> & { largestWh: bigint }>();
  for (const s of sells) {
    if (s.fillWh === 0n || toBuyersWh.has(s.meter)) continue;
    const info = certified(s.meter);
    if (!info) continue;
    const fill = meterFill.get(s.meter)!;
    const delivered = info.exportedWh < fill ? info.exportedWh : fill;
    toBuyersWh.set(s.meter, delivered);
    const v = vintages.get(info.source) ?? {
      source: info.source,
      poolWh: 0n,
      claimedWh: 0n,
      returnedWh: 0n,
      largestWh: 0n,
    };
    v.poolWh += delivered;
    if (delivered > v.largestWh) {
      v.largestWh = delivered;
      v.remainderMeter = s.meter;
    }
    vintages.set(info.source, v);
  }
  const claims: Map<K, bigint>[] = [];
  const claimsByBuyer = new Map<string, Map<K, bigint>>();
  for (const b of buys) {
    const credit = new Map<K, bigint>();
    claims.push(credit);
    if (b.fillWh === 0n || clearedWh === 0n) continue;
    for (const v of vintages.values()) {
      const share = (v.poolWh * b.fillWh) / clearedWh;
      const left = v.poolWh - v.claimedWh;
      const amount = share < left ? share : left;
      if (amount === 0n) continue;
      v.claimedWh += amount;
      credit.set(v.source, amount);
      const byBuyer = claimsByBuyer.get(b.buyer) ?? new Map<K, bigint>();
      byBuyer.set(v.source, (byBuyer.get(v.source) ?? 0n) + amount);
      claimsByBuyer.set(b.buyer, byBuyer);
    }
  }
  for (const v of vintages.values()) {
    const rest = v.poolWh - v.claimedWh;
    v.returnedWh = rest < v.largestWh ? rest : v.largestWh;
  }
  return {
    toBuyersWh,
    claims,
    claimsByBuyer,
    vintages: new Map(
      [...vintages].map(([source, { largestWh: _largest, ...v }]) => [source, v] as const),
    ),
  };
}
