/**
 * Gas measurements of the EnergyMarket, reusable by the benchmark (bench/gas.ts can push these figures and
 * rows into its snapshot) and by test/EnergyMarketGas.ts. Figures are receipts' gasUsed, intrinsic gas
 * included; per-order figures divide one transaction by its orders.
 */
import type { NetworkConnection } from "hardhat/types/network";
import { Wallet } from "ethers";

import type { GasFigure, ScalingRow } from "../../bench/types.js";
import { TRANSACTION_GAS_CAP } from "../../bench/types.js";
import {
  MeterKind,
  Side,
  deployMarket,
  gasOf,
  latestTime,
  place,
  registerMeter,
  signReading,
  type MarketFixture,
} from "./market.js";

const ZERO = "0x0000000000000000000000000000000000000000";
const RING = 256n;

/** A trader with its own key and, for sellers, its own generation meter. */
interface Trader {
  wallet: Wallet;
  meter: Wallet;
}

/** Sets a settlement hook that only counts calls: what remains is the market's cost of calling a hook. */
async function setNoOpHook(f: MarketFixture, connection: NetworkConnection): Promise<void> {
  const mock = await connection.ethers.deployContract("MockSettlementHookMarket", [false]);
  await (await f.market.setSettlementHook(await mock.getAddress())).wait();
}

/** Creates `count` funded traders (each with a registered generation meter). */
async function createTraders(
  f: MarketFixture,
  connection: NetworkConnection,
  count: number,
): Promise<Trader[]> {
  const { ethers, networkHelpers } = connection;
  const traders: Trader[] = [];
  const perTrader = 10n ** 12n;
  await (await f.token.mint(f.admin.address, perTrader * BigInt(count))).wait();
  await (await f.token.approve(await f.market.getAddress(), perTrader * BigInt(count))).wait();
  for (let i = 0; i < count; i++) {
    const wallet = new Wallet(ethers.id(`gridledger gas trader ${i}`), ethers.provider);
    const meter = new Wallet(ethers.id(`gridledger gas meter ${i}`));
    await networkHelpers.setBalance(wallet.address, 10n ** 20n);
    await (await f.market.depositFor(wallet.address, perTrader)).wait();
    await registerMeter(f.registry, meter.address, wallet.address, MeterKind.Generation);
    traders.push({ wallet, meter });
  }
  return traders;
}

/** Warps so that `slot` is open for orders (its horizon reached, gate not closed). */
async function warpToOpen(
  f: MarketFixture,
  connection: NetworkConnection,
  slot: bigint,
): Promise<void> {
  const horizon = await f.market.horizonSlots();
  const opensAt = await f.registry.slotStart(slot - horizon);
  if ((await latestTime(f)) < opensAt) await connection.networkHelpers.time.increaseTo(opensAt);
}

/** Fills `slot` with `buys` buy orders and `sells` sell orders of distinct traders, all crossing. */
async function fillSlot(
  f: MarketFixture,
  traders: Trader[],
  slot: bigint,
  buys: number,
  sells: number,
): Promise<void> {
  for (let i = 0; i < buys; i++) {
    const t = traders[i];
    await (
      await f.market
        .connect(t.wallet)
        .placeOrder(slot, Side.Buy, 100n + BigInt((i * 37) % 50), 50n + BigInt((i * 7) % 50), ZERO)
    ).wait();
  }
  for (let i = 0; i < sells; i++) {
    const t = traders[buys + i];
    await (
      await f.market
        .connect(t.wallet)
        .placeOrder(
          slot,
          Side.Sell,
          100n + BigInt((i * 53) % 50),
          1n + BigInt((i * 13) % 50),
          t.meter.address,
        )
    ).wait();
  }
}

/** Submits readings for the sellers' meters: each exported 80 % of a 100 Wh offer, so most fall short. */
async function submitSellerReadings(
  f: MarketFixture,
  connection: NetworkConnection,
  sellers: Trader[],
  slot: bigint,
) {
  const slotEnd = await f.registry.slotEnd(slot);
  if ((await latestTime(f)) < slotEnd) await connection.networkHelpers.time.increaseTo(slotEnd);
  for (let i = 0; i < sellers.length; i += 100) {
    const batch = await Promise.all(
      sellers.slice(i, i + 100).map((s) => signReading(f.registry, s.meter, slot, 0n, 80n)),
    );
    await (await f.registry.submitReadings(batch)).wait();
  }
}

/** Clears and settles a slot; returns the gas of both. */
async function clearAndSettle(f: MarketFixture, connection: NetworkConnection, slot: bigint) {
  const gate = await f.market.gateClosureOf(slot);
  if ((await latestTime(f)) < gate) await connection.networkHelpers.time.increaseTo(gate);
  const clearGas = await gasOf(f.market.clear(slot, { gasLimit: BigInt(TRANSACTION_GAS_CAP) }));
  const windowEnd = await f.market.readingWindowEnd(slot);
  if ((await latestTime(f)) < windowEnd) await connection.networkHelpers.time.increaseTo(windowEnd);
  const settleGas = await gasOf(f.market.settle(slot, { gasLimit: BigInt(TRANSACTION_GAS_CAP) }));
  return { clearGas, settleGas };
}

/** Single-order operations, on a cold ring (words created) and a warm ring (words reused). */
export async function measureOrderOperations(connection: NetworkConnection): Promise<GasFigure[]> {
  const f = await deployMarket(connection);
  const figures: GasFigure[] = [];
  const slot = (await f.market.currentSlot()) + 2n;
  const buy = (who: typeof f.alice, s: bigint, q = 100n, p = 10n) =>
    f.market.connect(who).placeOrder(s, Side.Buy, q, p, ZERO);
  const sell = (who: typeof f.alice, meter: string, s: bigint) =>
    f.market.connect(who).placeOrder(s, Side.Sell, 100n, 5n, meter);

  const coldFirst = Number(await gasOf(buy(f.alice, slot)));
  const coldLater = Number(await gasOf(buy(f.bob, slot)));
  const coldSell = Number(await gasOf(sell(f.alice, f.meterAlice.address, slot)));
  await gasOf(buy(f.carol, slot));
  await gasOf(sell(f.bob, f.meterBob.address, slot));
  const coldCancel = Number(await gasOf(f.market.connect(f.carol).cancelOrder((slot << 64n) | 2n)));
  await submitSellerReadings(f, connection, [], slot);
  await clearAndSettle(f, connection, slot);

  // The same ring position, RING slots later: every word written above is overwritten now.
  const warmSlot = slot + RING;
  await warpToOpen(f, connection, warmSlot);
  const warmFirst = Number(await gasOf(buy(f.alice, warmSlot)));
  const warmLater = Number(await gasOf(buy(f.bob, warmSlot)));
  const warmSell = Number(await gasOf(sell(f.alice, f.meterAlice.address, warmSlot)));
  await gasOf(buy(f.carol, warmSlot));
  const warmCancel = Number(
    await gasOf(f.market.connect(f.carol).cancelOrder((warmSlot << 64n) | 2n)),
  );
  const sellId = await place(f.market, f.bob, warmSlot, Side.Sell, 100n, 5n, f.meterBob.address);
  const warmCancelSell = Number(await gasOf(f.market.connect(f.bob).cancelOrder(sellId)));

  figures.push(
    {
      key: "market.place.first.cold",
      operation: "first order of a slot, ring position never used",
      gas: coldFirst,
      target: 55_000,
    },
    {
      key: "market.place.later.cold",
      operation: "later buy order, order word never used",
      gas: coldLater,
      target: 40_000,
    },
    {
      key: "market.place.sell.cold",
      operation: "first sell order of a slot, order word never used",
      gas: coldSell,
      target: 40_000,
    },
    {
      key: "market.cancel.cold",
      operation: "cancel a buy order (first slot at this ring position)",
      gas: coldCancel,
      target: 35_000,
    },
    {
      key: "market.place.first.warm",
      operation: "first order of a slot, ring position reused (steady state)",
      gas: warmFirst,
      target: 55_000,
    },
    {
      key: "market.place.later.warm",
      operation: "later buy order, order word reused (steady state)",
      gas: warmLater,
      target: 40_000,
    },
    {
      key: "market.place.sell.warm",
      operation: "later sell order, order word reused (steady state)",
      gas: warmSell,
      target: 40_000,
    },
    {
      key: "market.cancel.buy.warm",
      operation: "cancel a buy order (steady state)",
      gas: warmCancel,
      target: 35_000,
    },
    {
      key: "market.cancel.sell.warm",
      operation: "cancel a sell order (steady state)",
      gas: warmCancelSell,
      target: 35_000,
    },
  );
  return figures;
}

/**
 * Clears and settles one slot of `orders` orders (half buys, half sells, every order a distinct trader and
 * every seller a distinct meter: the worst case for storage access), for each size in `sizes`.
 * With `hook`, settlement also calls a near no-op settlement hook (the market's cost of building its data).
 */
export async function measureScaling(
  connection: NetworkConnection,
  sizes: number[],
  hook = false,
): Promise<ScalingRow[]> {
  const f = await deployMarket(connection);
  if (hook) await setNoOpHook(f, connection);
  const traders = await createTraders(f, connection, Math.max(...sizes));
  const rows: ScalingRow[] = [];
  let slot = (await f.market.currentSlot()) + 5n;
  for (const orders of sizes) {
    const buys = Math.floor(orders / 2);
    const sells = orders - buys;
    await fillSlot(f, traders, slot, buys, sells);
    await submitSellerReadings(f, connection, traders.slice(buys, buys + sells), slot);
    const { clearGas, settleGas } = await clearAndSettle(f, connection, slot);
    rows.push({
      orders,
      sellOrders: sells,
      clearGas: Number(clearGas),
      clearGasPerOrder: Math.round(Number(clearGas) / orders),
      settleGas: Number(settleGas),
      settleGasPerSellOrder: Math.round(Number(settleGas) / sells),
      fitsOneTransaction:
        clearGas <= BigInt(TRANSACTION_GAS_CAP) && settleGas <= BigInt(TRANSACTION_GAS_CAP),
    });
    slot = (await f.market.currentSlot()) + 5n;
  }
  return rows;
}

/**
 * The costliest book to clear: `orders - 1` orders of distinct traders on one side, all at the same limit
 * (every one marginal: each gets a pro-rata fill, a fill write and a ledger update), against one order on
 * the other side. `marginalSide` picks which side is the crowd.
 */
export async function measureWorstCaseClear(
  connection: NetworkConnection,
  orders: number,
  marginalSide: Side,
  hook = false,
): Promise<{ clearGas: bigint; settleGas: bigint }> {
  const f = await deployMarket(connection);
  if (hook) await setNoOpHook(f, connection);
  const traders = await createTraders(f, connection, orders);
  // Five slots ahead: placing 1,000 orders takes 1,000 blocks (seconds) of the embedded chain.
  const slot = (await f.market.currentSlot()) + 5n;
  let crowdTotal = 0n;
  for (let i = 0; i < orders - 1; i++) {
    const t = traders[i];
    const quantity = 100n + BigInt(i % 7);
    crowdTotal += quantity;
    const meter = marginalSide === Side.Sell ? t.meter.address : ZERO;
    await (
      await f.market.connect(t.wallet).placeOrder(slot, marginalSide, quantity, 10n, meter)
    ).wait();
  }
  const last = traders[orders - 1];
  const otherSide = marginalSide === Side.Buy ? Side.Sell : Side.Buy;
  const meter = otherSide === Side.Sell ? last.meter.address : ZERO;
  // One Wh less than the crowd: the whole crowd is rationed pro rata.
  await (
    await f.market.connect(last.wallet).placeOrder(slot, otherSide, crowdTotal - 1n, 10n, meter)
  ).wait();
  const sellers = marginalSide === Side.Sell ? traders.slice(0, orders - 1) : [last];
  await submitSellerReadings(f, connection, sellers, slot);
  return clearAndSettle(f, connection, slot);
}
