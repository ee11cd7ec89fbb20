/**
 * Drives the certification of a settled slot to the end: `certifySellers` in pages until the sellers are
 * done, then `claimBuyers` in pages until every buy order is credited (EnergyCertificates' two passes).
 * Also the expected outcome of a slot's certification (IEnergyCertificates' rules), for tests that check
 * balances to the unit. Units: Wh.
 */
import type { ContractRunner, ContractTransactionReceipt } from "ethers";

import type { EnergyCertificates } from "../../typechain-types/index.js";

export interface CertifyPages {
  /** Sell orders per `certifySellers` page (default 1,000: the market's cap, one page). */
  sellPage?: bigint;
  /** Buy orders per `claimBuyers` page (default 1,000). */
  buyPage?: bigint;
  /** Who sends the pages (default: the contract's runner). Certification is permissionless. */
  runner?: ContractRunner;
}

export interface CertifyReceipts {
  sellers: ContractTransactionReceipt[];
  buyers: ContractTransactionReceipt[];
}

const MAX_PAGE = 1_000n;

/**
 * Sends the pages of `slot`'s certification that are still due (a pass already done is skipped) and
 * returns their receipts in order. Throws on a page size of 0 (it would never finish).
 */
export async function certifySlot(
  certificates: EnergyCertificates,
  slot: bigint,
  pages: CertifyPages = {},
): Promise<CertifyReceipts> {
  const sellPage = pages.sellPage ?? MAX_PAGE;
  const buyPage = pages.buyPage ?? MAX_PAGE;
  if (sellPage <= 0n || buyPage <= 0n) throw new Error("certifySlot: page sizes must be positive");
  const sender = pages.runner === undefined ? certificates : certificates.connect(pages.runner);
  const receipts: CertifyReceipts = { sellers: [], buyers: [] };
  let progress = await certificates.certificationOf(slot);
  while (!progress.sellersDone) {
    receipts.sellers.push(await mined(sender.certifySellers(slot, sellPage)));
    progress = await certificates.certificationOf(slot);
  }
  while (!progress.buyersDone) {
    receipts.buyers.push(await mined(sender.claimBuyers(slot, buyPage)));
    progress = await certificates.certificationOf(slot);
  }
  return receipts;
}

async function mined(
  tx: Promise<{ wait: () => Promise<ContractTransactionReceipt | null> }>,
): Promise<ContractTransactionReceipt> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("transaction was not mined");
  return receipt;
}

/** A selling meter's certificates as `certifySellers` issues them. */
export interface ExpectedLot {
  meter: string;
  owner: string;
  id: bigint;
  exportedWh: bigint;
  /** min(export, the meter's fills): into the vintage's pool. */
  toBuyersWh: bigint;
  /** export - toBuyersWh: to the owner at once. */
  toOwnerWh: bigint;
}

export interface CertificationInput {
  clearedWh: bigint;
  /** Every buy order, by order index (fill 0 for unfilled or cancelled ones). */
  buys: readonly { buyer: string; fillWh: bigint }[];
  /**
   * Every filled sell order of a renewable, active meter with a reading, by order index, with the meter's
   * vintage id, owner and export.
   */
  sells: readonly {
    meter: string;
    owner: string;
    id: bigint;
    exportedWh: bigint;
    fillWh: bigint;
  }[];
}

export interface ExpectedCertification {
  lots: ExpectedLot[];
  /** Per vintage id: the pool. */
  pools: Map<bigint, bigint>;
  /** Per buy order (by index): its share of each vintage id (0 omitted). */
  claims: Map<bigint, bigint>[];
  /** Per vintage id: the rounding remainder and the meter whose owner gets it. */
  remainders: Map<bigint, { meter: string; owner: string; amountWh: bigint }>;
  /** Per `${holder}/${id}` (holder lower-cased): the balance certification leaves. */
  balances: Map<string, bigint>;
}

export const holdingKey = (holder: string, id: bigint) => `${holder.toLowerCase()}/${id}`;

/**
 * The certification IEnergyCertificates specifies: each meter certified once, delivering min(export, its
 * fills) into its vintage's pool; each filled buy order floor(pool x fill / Q) of every vintage; each
 * pool's remainder to the owner of its largest delivering meter (the first in order index on a tie), at
 * most that meter's delivery.
 */
export function expectedCertification(input: CertificationInput): ExpectedCertification {
  const fillsByMeter = new Map<string, bigint>();
  const order: (typeof input.sells)[number][] = [];
  for (const sell of input.sells) {
    if (sell.fillWh === 0n) continue;
    if (!fillsByMeter.has(sell.meter)) order.push(sell);
    fillsByMeter.set(sell.meter, (fillsByMeter.get(sell.meter) ?? 0n) + sell.fillWh);
  }
  const balances = new Map<string, bigint>();
  const add = (holder: string, id: bigint, amount: bigint) => {
    if (amount === 0n) return;
    const key = holdingKey(holder, id);
    balances.set(key, (balances.get(key) ?? 0n) + amount);
  };
  const lots: ExpectedLot[] = [];
  const pools = new Map<bigint, bigint>();
  const largest = new Map<bigint, { meter: string; owner: string; deliveredWh: bigint }>();
  for (const sell of order) {
    const fills = fillsByMeter.get(sell.meter)!;
    const toBuyersWh = sell.exportedWh < fills ? sell.exportedWh : fills;
    const toOwnerWh = sell.exportedWh - toBuyersWh;
    lots.push({ ...sell, toBuyersWh, toOwnerWh });
    pools.set(sell.id, (pools.get(sell.id) ?? 0n) + toBuyersWh);
    add(sell.owner, sell.id, toOwnerWh);
    const best = largest.get(sell.id);
    if (toBuyersWh > (best?.deliveredWh ?? 0n)) {
      largest.set(sell.id, { meter: sell.meter, owner: sell.owner, deliveredWh: toBuyersWh });
    }
  }
  const claimed = new Map<bigint, bigint>();
  const claims = input.buys.map((buy) => {
    const shares = new Map<bigint, bigint>();
    if (buy.fillWh === 0n) return shares;
    for (const [id, pool] of pools) {
      const share = (pool * buy.fillWh) / input.clearedWh;
      if (share === 0n) continue;
      shares.set(id, share);
      claimed.set(id, (claimed.get(id) ?? 0n) + share);
      add(buy.buyer, id, share);
    }
    return shares;
  });
  const remainders = new Map<bigint, { meter: string; owner: string; amountWh: bigint }>();
  for (const [id, pool] of pools) {
    const best = largest.get(id);
    if (best === undefined) continue;
    const left = pool - (claimed.get(id) ?? 0n);
    const amountWh = left < best.deliveredWh ? left : best.deliveredWh;
    if (amountWh === 0n) continue;
    remainders.set(id, { meter: best.meter, owner: best.owner, amountWh });
    add(best.owner, id, amountWh);
  }
  return { lots, pools, claims, remainders, balances };
}
