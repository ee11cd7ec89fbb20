/**
 * Drives the certification of a settled slot to the end: `certifySellers` in pages until the sellers are
 * done, then `claimBuyers` in pages until every buy order is credited (EnergyCertificates' two passes).
 * Also the expected outcome of a slot's certification (IEnergyCertificates' rules), for tests that check
 * balances to the unit. Units: Wh.
 */
import type { ContractRunner, ContractTransactionReceipt } from "ethers";

import { modelCertification } from "../../scripts/lib/certification.js";
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
 * The certification IEnergyCertificates specifies, in the test's terms (lots, pools and balances by token
 * id and holder): each meter certified once, delivering min(export, its fills) into its vintage's pool;
 * each filled buy order floor(pool x fill / Q) of every vintage; each pool's remainder to the owner of its
 * largest delivering meter (the first in order index on a tie), at most that meter's delivery. The rules
 * themselves are the production model's (scripts/lib/certification.ts, shared with the simulation and the
 * auditor), keyed here by token id.
 */
export function expectedCertification(input: CertificationInput): ExpectedCertification {
  const byMeter = new Map(input.sells.map((sell) => [sell.meter, sell]));
  const model = modelCertification<bigint>(input.clearedWh, input.sells, input.buys, (meter) => {
    const sell = byMeter.get(meter);
    return sell && { source: sell.id, exportedWh: sell.exportedWh };
  });
  const balances = new Map<string, bigint>();
  const add = (holder: string, id: bigint, amount: bigint) => {
    if (amount === 0n) return;
    const key = holdingKey(holder, id);
    balances.set(key, (balances.get(key) ?? 0n) + amount);
  };
  const lots = [...model.toBuyersWh].map(([meter, toBuyersWh]): ExpectedLot => {
    const { owner, id, exportedWh } = byMeter.get(meter)!;
    add(owner, id, exportedWh - toBuyersWh);
    return { meter, owner, id, exportedWh, toBuyersWh, toOwnerWh: exportedWh - toBuyersWh };
  });
  model.claims.forEach((shares, i) => {
    for (const [id, share] of shares) add(input.buys[i]!.buyer, id, share);
  });
  const pools = new Map([...model.vintages].map(([id, v]) => [id, v.poolWh]));
  const remainders: ExpectedCertification["remainders"] = new Map();
  for (const [id, v] of model.vintages) {
    if (v.remainderMeter === undefined || v.returnedWh === 0n) continue;
    const owner = byMeter.get(v.remainderMeter)!.owner;
    remainders.set(id, { meter: v.remainderMeter, owner, amountWh: v.returnedWh });
    add(owner, id, v.returnedWh);
  }
  return { lots, pools, claims: model.claims, remainders, balances };
}
