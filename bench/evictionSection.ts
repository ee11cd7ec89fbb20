/**
 * Gas of placing an order on a full side of a slot: the market scans the side once (at most
 * maxOrdersPerSide order words) for a cancelled order's index, else for its worst live order, which a
 * strictly better order evicts (its lock refunded at once). The worst cases: a full side of equal limits,
 * so that the order evicted is the last index (the highest among equals), and a cancelled order at the last
 * index, found at the end of the scan. Used by bench/gas.ts and by test/EnergyMarketGas.ts. Figures are
 * receipts' gasUsed, intrinsic gas included.
 */
import type { NetworkConnection } from "hardhat/types/network";

import { SLOT_LENGTH, Side, deployMarket, orderIdOf } from "../fixtures/market.js";
import { gasOf } from "./gasUsed.js";
import { GAS_LIMIT_WITH_MARGIN, MAX_ORDERS_PER_SLOT } from "./slotSection.js";
import { TRANSACTION_GAS_CAP, type GasFigure } from "./types.js";

const ZERO = "0x0000000000000000000000000000000000000000";
const GAS_LIMIT = { gasLimit: BigInt(TRANSACTION_GAS_CAP) };
/** The flood's asks: every ask equal, and above the ask that evicts. */
const FLOOD_ASK = 500n;

/**
 * Fills both sides of one slot of a market with the cap `maxOrdersPerSlot` (default the benchmark's 1,000:
 * 500 a side), every buy at the slot's minimum price and every ask equal, then measures on each side: an
 * order that evicts the last index, and, after that order is cancelled, an order at the worst limit that
 * takes its index (no eviction). The flood is one account per side (the scan reads order words, not
 * accounts); the evicting orders come from other accounts, so the evicted owner's account word is cold.
 */
export async function measureFullSide(
  connection: NetworkConnection,
  maxOrdersPerSlot = MAX_ORDERS_PER_SLOT,
): Promise<GasFigure[]> {
  const block = await connection.ethers.provider.getBlock("latest");
  const now = BigInt(block!.timestamp);
  await connection.networkHelpers.time.increaseTo(now - (now % SLOT_LENGTH) + SLOT_LENGTH);
  const f = await deployMarket(connection, { maxOrdersPerSlot: BigInt(maxOrdersPerSlot) });
  const perSide = Number(await f.market.maxOrdersPerSide());
  // Filling both sides takes 2 x perSide blocks (seconds): five slots ahead keeps the gate open.
  const slot = (await f.market.currentSlot()) + 5n;
  const { minOrderWh, minBuyPricePerWh } = await f.market.paramsForSlot(slot);
  const buy = (who: typeof f.alice, limit: bigint) =>
    f.market.connect(who).placeOrder(slot, Side.Buy, minOrderWh, limit, ZERO, GAS_LIMIT);
  const sell = (who: typeof f.alice, meter: string, limit: bigint) =>
    f.market.connect(who).placeOrder(slot, Side.Sell, minOrderWh, limit, meter, GAS_LIMIT);
  for (let i = 0; i < perSide; i++) {
    await (await buy(f.carol, minBuyPricePerWh)).wait();
    await (await sell(f.alice, f.meterAlice.address, FLOOD_ASK)).wait();
  }
  const last = BigInt(perSide - 1);
  const lastBuy = orderIdOf(slot, Side.Buy, last);
  const lastSell = orderIdOf(slot, Side.Sell, last);

  // A bid one base unit per Wh above the flood evicts the last of the equal bids.
  const evictBuy = await gasOf(buy(f.dave, minBuyPricePerWh + 1n));
  const evictSell = await gasOf(sell(f.bob, f.meterBob.address, FLOOD_ASK - 1n));
  if ((await f.market.orderOf(lastBuy)).account !== f.dave.address)
    throw new Error("the evicting bid did not take the last index");
  if ((await f.market.orderOf(lastSell)).account !== f.bob.address)
    throw new Error("the evicting ask did not take the last index");
  // Cancelled at the last index: the scan reads every other order before it finds the free index.
  await (await f.market.connect(f.dave).cancelOrder(lastBuy)).wait();
  await (await f.market.connect(f.bob).cancelOrder(lastSell)).wait();
  const reuseBuy = await gasOf(buy(f.dave, minBuyPricePerWh));
  const reuseSell = await gasOf(sell(f.bob, f.meterBob.address, FLOOD_ASK));
  const info = await f.market.slotInfo(slot);
  if (info.buyOrders !== BigInt(perSide) || info.sellOrders !== BigInt(perSide))
    throw new Error("a full side grew past its cap");

  const side = `a full side of ${perSide.toLocaleString("en-US")}`;
  return [
    fig(
      `market.place.evict.buy.side${perSide}`,
      `place: buy on ${side} equal bids, evicts the last index (one scan of the side, refund)`,
      evictBuy,
    ),
    fig(
      `market.place.evict.sell.side${perSide}`,
      `place: sell on ${side} equal asks, evicts the last index (one scan of the side, refund)`,
      evictSell,
    ),
    fig(
      `market.place.reuseCancelled.buy.side${perSide}`,
      `place: buy on ${side}, takes the index of a cancelled buy at the last index (no eviction)`,
      reuseBuy,
    ),
    fig(
      `market.place.reuseCancelled.sell.side${perSide}`,
      `place: sell on ${side}, takes the index of a cancelled sell at the last index (no eviction)`,
      reuseSell,
    ),
  ];
}

function fig(key: string, operation: string, gas: number): GasFigure {
  // Target: at least 10 % under the per-transaction cap, like every transaction of a full slot.
  return { key, operation, gas, target: GAS_LIMIT_WITH_MARGIN };
}
