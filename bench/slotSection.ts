/**
 * Gas of whole slots on the real contracts: a full book cleared and settled by the EnergyMarket, then (with
 * EnergyCertificates bound) its certificates delivered in pages, certifySellers then claimBuyers. Every
 * transaction of a slot is measured, and the largest pages that keep the worst transaction at least
 * REQUIRED_MARGIN under the per-transaction cap are searched. Used by bench/gas.ts and by
 * test/EnergyMarketGas.ts. Figures are receipts' gasUsed, intrinsic gas included.
 */
import type { NetworkConnection } from "hardhat/types/network";
import { Wallet } from "ethers";

import type { EnergyCertificates } from "../typechain-types/index.js";
import {
  SLOT_LENGTH,
  Side,
  deployMarket,
  latestTime,
  signReading,
  type MarketFixture,
} from "../fixtures/market.js";
import { gasOf } from "./gasUsed.js";
import { REQUIRED_MARGIN, TRANSACTION_GAS_CAP, type SlotRow } from "./types.js";

const ZERO = "0x0000000000000000000000000000000000000000";
const GAS_LIMIT = { gasLimit: BigInt(TRANSACTION_GAS_CAP) };
/** The most gas one transaction may use: 10 % under the per-transaction cap. */
export const GAS_LIMIT_WITH_MARGIN = Math.floor(TRANSACTION_GAS_CAP * (1 - REQUIRED_MARGIN));
const GENERATION = 1;
/** Every order's limit (per Wh): one price, so that the whole crowd is marginal. */
const LIMIT_PRICE = 10n;
const CAPACITY_W = 10_000;
const ZONE = "0x5a31000000000000";
/** The benchmark market's cap: 1,000 orders a slot, at most 500 a side (maxOrdersPerSide). */
export const MAX_ORDERS_PER_SLOT = 1_000;
export const MAX_ORDERS_PER_SIDE = MAX_ORDERS_PER_SLOT / 2;

/**
 * Recommended pages (orders per transaction), by number of renewable sources with a pool: found by
 * `findLargestPage` on the costliest books of a 1,000-order slot, a full side of 500 (every run of
 * bench/gas.ts re-checks them).
 */
export const RECOMMENDED_PAGES: Record<Sources, { sellOrders: number; buyOrders: number }> = {
  1: { sellOrders: 200, buyOrders: 420 },
  4: { sellOrders: 200, buyOrders: 120 },
};

/** Number of renewable sources among the selling meters (round-robin Solar, Wind, Hydro, Biomass). */
export type Sources = 1 | 4;
/**
 * Costliest books: a crowd on one side at one limit against the fewest orders on the other side (the crowd
 * at most a full side, MAX_ORDERS_PER_SIDE), or both sides as full as the slot's size allows.
 */
export type Shape = "sellerCrowd" | "buyerCrowd" | "halfAndHalf";
export const SHAPES: Shape[] = ["sellerCrowd", "buyerCrowd", "halfAndHalf"];

export interface SlotCase {
  /** The slot's size class: its book holds this many orders where the per-side cap allows (see bookOf). */
  orders: number;
  shape: Shape;
  sources: Sources;
  certificates: boolean;
  /** Page lengths; default RECOMMENDED_PAGES[sources]. */
  pages?: { sellOrders: number; buyOrders: number };
}

/** A slot whose book is placed, read and settled; its certificates not yet delivered. */
export interface SettledSlot {
  f: MarketFixture;
  connection: NetworkConnection;
  certificates?: EnergyCertificates;
  slot: bigint;
  buyOrders: number;
  sellOrders: number;
  clearGas: number;
  settleGas: number;
}

/** Wallet of trader `i` of a case (fresh keys per case label: nobody has held or sold anything yet). */
function trader(connection: NetworkConnection, label: string, i: number): Wallet {
  const { ethers } = connection;
  return new Wallet(ethers.id(`gridledger ${label} trader ${i}`), ethers.provider);
}

/** The slot clock on a slot boundary, so that slot numbers (and so calldata) are the same on every run. */
async function alignToSlotBoundary(connection: NetworkConnection): Promise<void> {
  const block = await connection.ethers.provider.getBlock("latest");
  const now = BigInt(block!.timestamp);
  await connection.networkHelpers.time.increaseTo(now - (now % SLOT_LENGTH) + SLOT_LENGTH);
}

async function warpTo(f: MarketFixture, connection: NetworkConnection, t: bigint): Promise<void> {
  if ((await latestTime(f)) < t) await connection.networkHelpers.time.increaseTo(t);
}

/**
 * Orders of one book of size class `orders`. Half and half: orders / 2 buys and the rest sells (1,000 =
 * 500 + 500). A crowd: orders - few on the crowd's side, at most a full side (MAX_ORDERS_PER_SIDE: the
 * 1,000 class is 500 + 1, or 500 buys + 4 sells), against one order, or one sell per source.
 */
export function bookOf(
  orders: number,
  shape: Shape,
  sources: Sources,
): { side: Side; wh: bigint }[] {
  if (shape === "halfAndHalf") {
    const buys = Math.floor(orders / 2);
    if (buys > MAX_ORDERS_PER_SIDE || orders - buys > MAX_ORDERS_PER_SIDE)
      throw new Error(`${orders} orders half and half exceed a side's cap`);
    return Array.from({ length: orders }, (_, i) => ({
      side: i < buys ? Side.Buy : Side.Sell,
      wh: 100n,
    }));
  }
  // The other side: one order, or one sell per source so that every source has a pool.
  const few = shape === "sellerCrowd" ? 1 : sources;
  const crowdSide = shape === "sellerCrowd" ? Side.Sell : Side.Buy;
  const otherSide = crowdSide === Side.Sell ? Side.Buy : Side.Sell;
  const crowd = Array.from({ length: Math.min(orders - few, MAX_ORDERS_PER_SIDE) }, (_, i) => ({
    side: crowdSide,
    wh: 100n + BigInt(i % 7),
  }));
  // One Wh less in all than the crowd: the whole crowd is marginal, rationed pro rata.
  const total = crowd.reduce((sum, o) => sum + o.wh, 0n) - 1n;
  const others = Array.from({ length: few }, (_, i) => ({
    side: otherSide,
    wh: total / BigInt(few) + (i === 0 ? total % BigInt(few) : 0n),
  }));
  return [...crowd, ...others];
}

/** Deploys the market (cap 1,000) and, when asked, EnergyCertificates bound to it. */
async function deploy(connection: NetworkConnection, certificates: boolean) {
  await alignToSlotBoundary(connection);
  const f = await deployMarket(connection, { maxOrdersPerSlot: BigInt(MAX_ORDERS_PER_SLOT) });
  if (!certificates) return { f };
  const certs = (await connection.ethers.deployContract("EnergyCertificates", [
    await f.registry.getAddress(),
    f.admin.address,
    "",
  ])) as unknown as EnergyCertificates;
  await (await f.market.setSettlementHook(await certs.getAddress())).wait();
  await (await certs.bindMarket(await f.market.getAddress())).wait();
  return { f, certificates: certs };
}

/**
 * Places, reads, clears and settles one costliest book. Every order is a distinct fresh account, every sell
 * a distinct fresh meter (its first issuance in its bitmap word) owned by its seller; each meter exports
 * 50 % more than it offers (capped by its 2,500 Wh a slot), so that each owner also gets certificates.
 */
export async function settleCase(connection: NetworkConnection, c: SlotCase): Promise<SettledSlot> {
  const { ethers, networkHelpers } = connection;
  const { f, certificates } = await deploy(connection, c.certificates);
  const book = bookOf(c.orders, c.shape, c.sources);
  const label = `${c.shape} ${c.orders} ${c.sources}`;
  const deposit = 10n ** 12n;
  await (await f.token.mint(f.admin.address, deposit * BigInt(book.length))).wait();
  await (await f.token.approve(await f.market.getAddress(), deposit * BigInt(book.length))).wait();
  const wallets: Wallet[] = [];
  const meters: Wallet[] = [];
  let sellIndex = 0;
  for (const [i, order] of book.entries()) {
    const wallet = trader(connection, label, i);
    await networkHelpers.setBalance(wallet.address, 10n ** 20n);
    await (await f.market.depositFor(wallet.address, deposit)).wait();
    wallets.push(wallet);
    if (order.side === Side.Sell) {
      const meter = new Wallet(ethers.id(`gridledger ${label} meter ${i}`));
      const source = 1 + (sellIndex++ % c.sources);
      await (
        await f.registry.registerMeter(
          meter.address,
          wallet.address,
          GENERATION,
          source,
          CAPACITY_W,
          ZONE,
          0,
        )
      ).wait();
      meters[i] = meter;
    }
  }
  // Placing 1,000 orders takes 1,000 blocks (seconds): five slots ahead leaves the gate open throughout.
  const slot = (await f.market.currentSlot()) + 5n;
  // Every limit 10: above the slot's minimum buy price, which every buy must name.
  const { minBuyPricePerWh } = await f.market.paramsForSlot(slot);
  if (minBuyPricePerWh > LIMIT_PRICE)
    throw new Error(`limit ${LIMIT_PRICE} below ${minBuyPricePerWh}`);
  for (const [i, order] of book.entries()) {
    const meter = order.side === Side.Sell ? meters[i].address : ZERO;
    await (
      await f.market.connect(wallets[i]).placeOrder(slot, order.side, order.wh, LIMIT_PRICE, meter)
    ).wait();
  }
  await submitReadings(connection, f, book, meters, slot);
  await warpTo(f, connection, await f.market.gateClosureOf(slot));
  const clearGas = await gasOf(f.market.clear(slot, GAS_LIMIT));
  await warpTo(f, connection, await f.market.readingWindowEnd(slot));
  const settleGas = await gasOf(f.market.settle(slot, GAS_LIMIT));
  const sellOrders = book.filter((o) => o.side === Side.Sell).length;
  return {
    f,
    connection,
    certificates,
    slot,
    buyOrders: book.length - sellOrders,
    sellOrders,
    clearGas,
    settleGas,
  };
}

async function submitReadings(
  connection: NetworkConnection,
  f: MarketFixture,
  book: { side: Side; wh: bigint }[],
  meters: Wallet[],
  slot: bigint,
): Promise<void> {
  await warpTo(f, connection, await f.registry.slotEnd(slot));
  const readings = [];
  for (const [i, order] of book.entries()) {
    if (order.side !== Side.Sell) continue;
    const exported = (order.wh * 3n) / 2n > 2_500n ? 2_500n : (order.wh * 3n) / 2n;
    readings.push(await signReading(f.registry, meters[i], slot, 0n, exported));
  }
  for (let i = 0; i < readings.length; i += 100)
    await (await f.registry.submitReadings(readings.slice(i, i + 100))).wait();
}

/** Runs certifySellers in pages of `length` (the first of `first`) to the end; the gas of every page. */
export function certifySellersInPages(s: SettledSlot, length: number, first = length) {
  return inPages(s.sellOrders, first, length, (n) =>
    gasOf(s.certificates!.certifySellers(s.slot, n, GAS_LIMIT)),
  );
}

/** Runs claimBuyers in pages of `length` (the first of `first`) to the end; the gas of every page. */
export function claimBuyersInPages(s: SettledSlot, length: number, first = length) {
  return inPages(s.buyOrders, first, length, (n) =>
    gasOf(s.certificates!.claimBuyers(s.slot, n, GAS_LIMIT)),
  );
}

async function inPages(
  total: number,
  first: number,
  rest: number,
  send: (length: number) => Promise<number>,
): Promise<number[]> {
  const gas: number[] = [];
  for (let from = 0; from < total;) {
    const length = gas.length === 0 ? first : rest;
    gas.push(await send(length));
    from += length;
  }
  return gas;
}

/** The largest page found for one side of a book, and the costliest page when paging with it. */
export interface LargestPage {
  side: "sellers" | "buyers";
  orders: number;
  worstPageGas: number;
}

/**
 * Measures one case: clear, settle and (with certificates) every page in the recommended lengths. With
 * `search`, also finds the largest page of the book's crowd side (sellers of a seller crowd, buyers of a
 * buyer crowd) and pages the crowd with it twice, first page full and last page full, on a snapshot that
 * is rolled back before the recommended pages run.
 */
export async function measureSlot(
  connection: NetworkConnection,
  c: SlotCase,
  search = false,
): Promise<{ row: SlotRow; largest?: LargestPage }> {
  const s = await settleCase(connection, c);
  const pages = c.pages ?? RECOMMENDED_PAGES[c.sources];
  if (!c.certificates) return { row: rowOf(c, s, pages, { sellPages: [], buyPages: [] }) };
  let largest: LargestPage | undefined;
  if (search && c.shape === "sellerCrowd") largest = await searchLargest(s, "sellers");
  const sellPages = await certifySellersInPages(s, pages.sellOrders);
  if (search && c.shape === "buyerCrowd") largest = await searchLargest(s, "buyers");
  const buyPages = await claimBuyersInPages(s, pages.buyOrders);
  if (!(await s.certificates!.isSlotCertified(s.slot)))
    throw new Error(`slot ${s.slot} not certified`);
  return { row: rowOf(c, s, pages, { sellPages, buyPages }), largest };
}

/**
 * The largest page of one side: bisection on the first page's estimate, then shortened until paging the
 * side with it (first page full, and again on the snapshot with the last page full: the last claim page
 * also returns the pools' rounding remainders) keeps every page within GAS_LIMIT_WITH_MARGIN. The state
 * is rolled back afterwards.
 */
async function searchLargest(s: SettledSlot, side: "sellers" | "buyers"): Promise<LargestPage> {
  const total = side === "sellers" ? s.sellOrders : s.buyOrders;
  const run = side === "sellers" ? certifySellersInPages : claimBuyersInPages;
  const snapshot = await s.connection.networkHelpers.takeSnapshot();
  let orders = await findLargestPage(s, side, total);
  for (;;) {
    const firstFull = await run(s, orders);
    await snapshot.restore();
    const lastFull = await run(s, orders, total % orders || orders);
    await snapshot.restore();
    const worstPageGas = Math.max(...firstFull, ...lastFull);
    if (worstPageGas <= GAS_LIMIT_WITH_MARGIN) return { side, orders, worstPageGas };
    const perOrder = worstPageGas / orders;
    orders -= Math.max(1, Math.ceil((worstPageGas - GAS_LIMIT_WITH_MARGIN) / perOrder));
  }
}

export function rowOf(
  c: SlotCase,
  s: SettledSlot,
  pages: { sellOrders: number; buyOrders: number },
  delivered: { sellPages: number[]; buyPages: number[] },
): SlotRow {
  const certified = c.certificates ? `certificates.${c.sources}src` : "none";
  return {
    key: `slot.${certified}.${c.shape}.${c.orders}`,
    shape: c.shape,
    certificates: c.certificates,
    sources: c.sources,
    orders: c.orders,
    buyOrders: s.buyOrders,
    sellOrders: s.sellOrders,
    clearGas: s.clearGas,
    settleGas: s.settleGas,
    ...(c.certificates
      ? {
          sellPageOrders: pages.sellOrders,
          buyPageOrders: pages.buyOrders,
          sellPages: delivered.sellPages,
          buyPages: delivered.buyPages,
        }
      : {}),
  };
}

/**
 * The largest page length whose first page (the costliest: it writes the slot's progress and pools from
 * zero) the node estimates at most GAS_LIMIT_WITH_MARGIN, by bisection over 1 .. `upTo`. Nothing is sent.
 */
export async function findLargestPage(
  s: SettledSlot,
  side: "sellers" | "buyers",
  upTo: number,
): Promise<number> {
  const certs = s.certificates!;
  const fits = async (length: number) => {
    try {
      const call =
        side === "sellers"
          ? certs.certifySellers.estimateGas(s.slot, length, GAS_LIMIT)
          : certs.claimBuyers.estimateGas(s.slot, length, GAS_LIMIT);
      return Number(await call) <= GAS_LIMIT_WITH_MARGIN;
    } catch {
      return false; // out of gas at the cap
    }
  };
  let low = 0;
  let high = upTo;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (await fits(mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}
