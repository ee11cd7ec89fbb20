/**
 * Gas of the EnergyMarket: single operations (orders, cancels, money), and whole slots cleared and settled
 * at growing sizes and in the costliest shapes, with no settlement hook, a no-op hook or the real
 * EnergyCertificates bound as hook. Used by bench/gas.ts and by test/EnergyMarketGas.ts.
 * Figures are receipts' gasUsed, intrinsic gas included; per-order figures divide one transaction by its
 * orders.
 */
import type { NetworkConnection } from "hardhat/types/network";
import { Wallet } from "ethers";

import {
  MeterKind,
  SLOT_LENGTH,
  Side,
  deployMarket,
  latestTime,
  place,
  registerMeter,
  signReading,
  type MarketFixture,
  type MarketOptions,
} from "../test/helpers/market.js";
import { gasOf } from "./chain.js";
import {
  TRANSACTION_GAS_CAP,
  type GasFigure,
  type ScalingRow,
  type WorstCaseRow,
} from "./types.js";

const ZERO = "0x0000000000000000000000000000000000000000";
const RING = 256n;
const GAS_LIMIT = { gasLimit: BigInt(TRANSACTION_GAS_CAP) };

/** What settles along with the market: nothing, a hook that only counts calls, or the real certificates. */
export type HookKind = "none" | "noop" | "certificates";

/** A trader with its own key and its own (Solar) generation meter. */
interface Trader {
  wallet: Wallet;
  meter: Wallet;
}

/** A market deployment for the benchmark, with its trader pool. */
interface Bench {
  f: MarketFixture;
  connection: NetworkConnection;
  traders: Trader[];
}

/**
 * Moves the clock to the next slot boundary, so that the fixture (genesis 10 slots before the current slot's
 * start) and every slot number after it are the same on every run: the figures do not depend on the wall
 * clock. Blocks come faster than one a second, so each block advances the clock by exactly one second.
 */
async function alignToSlotBoundary(connection: NetworkConnection): Promise<void> {
  const block = await connection.ethers.provider.getBlock("latest");
  const now = BigInt(block!.timestamp);
  await connection.networkHelpers.time.increaseTo(now - (now % SLOT_LENGTH) + SLOT_LENGTH);
}

/** Deploys the market (aligned, see above) and binds the settlement hook of `hook`. */
async function deployBench(
  connection: NetworkConnection,
  hook: HookKind,
  options: MarketOptions = {},
): Promise<Bench> {
  await alignToSlotBoundary(connection);
  const f = await deployMarket(connection, options);
  if (hook === "noop") {
    const mock = await connection.ethers.deployContract("MockSettlementHookMarket", [false]);
    await (await f.market.setSettlementHook(await mock.getAddress())).wait();
  } else if (hook === "certificates") {
    const certificates = await connection.ethers.deployContract("EnergyCertificates", [
      await f.registry.getAddress(),
      f.admin.address,
      "",
    ]);
    await (await f.market.setSettlementHook(await certificates.getAddress())).wait();
    await (await certificates.bindMarket(await f.market.getAddress())).wait();
  }
  return { f, connection, traders: [] };
}

/** Adds traders to the pool until it holds `count`: funded, each with its own registered Solar meter. */
async function growTraders(bench: Bench, count: number, label = "gas"): Promise<Trader[]> {
  const { f, connection, traders } = bench;
  const { ethers, networkHelpers } = connection;
  const missing = count - traders.length;
  if (missing <= 0) return traders.slice(0, count);
  const perTrader = 10n ** 12n;
  await (await f.token.mint(f.admin.address, perTrader * BigInt(missing))).wait();
  await (await f.token.approve(await f.market.getAddress(), perTrader * BigInt(missing))).wait();
  for (let i = traders.length; i < count; i++) {
    const wallet = new Wallet(ethers.id(`gridledger ${label} trader ${i}`), ethers.provider);
    const meter = new Wallet(ethers.id(`gridledger ${label} meter ${i}`));
    await networkHelpers.setBalance(wallet.address, 10n ** 20n);
    await (await f.market.depositFor(wallet.address, perTrader)).wait();
    await registerMeter(f.registry, meter.address, wallet.address, MeterKind.Generation);
    traders.push({ wallet, meter });
  }
  return traders.slice(0, count);
}

async function warpTo(bench: Bench, timestamp: bigint): Promise<void> {
  if ((await latestTime(bench.f)) < timestamp)
    await bench.connection.networkHelpers.time.increaseTo(timestamp);
}

/** A slot five slots ahead: placing 1,000 orders takes 1,000 blocks (seconds) of the chain. */
async function nextBenchSlot(bench: Bench): Promise<bigint> {
  return (await bench.f.market.currentSlot()) + 5n;
}

/** Places one order and waits for it. */
async function placeOrder(
  bench: Bench,
  trader: Trader,
  slot: bigint,
  side: Side,
  quantityWh: bigint,
  limitPrice: bigint,
): Promise<void> {
  const meter = side === Side.Sell ? trader.meter.address : ZERO;
  await (
    await bench.f.market
      .connect(trader.wallet)
      .placeOrder(slot, side, quantityWh, limitPrice, meter)
  ).wait();
}

/** Submits every seller's reading of `slot` (warps to the slot's end first), in batches of 100. */
async function submitReadings(
  bench: Bench,
  sellers: Trader[],
  slot: bigint,
  exportedWh: bigint,
): Promise<void> {
  const { f } = bench;
  await warpTo(bench, await f.registry.slotEnd(slot));
  for (let i = 0; i < sellers.length; i += 100) {
    const batch = await Promise.all(
      sellers.slice(i, i + 100).map((s) => signReading(f.registry, s.meter, slot, 0n, exportedWh)),
    );
    await (await f.registry.submitReadings(batch)).wait();
  }
}

/** Clears and settles `slot` (warping to its gate and then to its reading window's end). */
async function clearAndSettle(
  bench: Bench,
  slot: bigint,
): Promise<{ clearGas: number; settleGas: number }> {
  const { market } = bench.f;
  await warpTo(bench, await market.gateClosureOf(slot));
  const clearGas = await gasOf(market.clear(slot, GAS_LIMIT));
  await warpTo(bench, await market.readingWindowEnd(slot));
  const settleGas = await gasOf(market.settle(slot, GAS_LIMIT));
  return { clearGas, settleGas };
}

// ------------------------------------------------------------------------------------------------------
// Single operations
// ------------------------------------------------------------------------------------------------------

/**
 * Placing and cancelling orders on a cold ring (words created) and a warm ring (the same ring position
 * RING slots later: every word is overwritten), and depositing and withdrawing.
 */
export async function measureOrderOperations(connection: NetworkConnection): Promise<GasFigure[]> {
  const { f } = await deployBench(connection, "none");
  const bench: Bench = { f, connection, traders: [] };
  const slot = (await f.market.currentSlot()) + 2n;
  const buy = (who: typeof f.alice, s: bigint) =>
    f.market.connect(who).placeOrder(s, Side.Buy, 100n, 10n, ZERO);
  const sell = (who: typeof f.alice, meter: string, s: bigint) =>
    f.market.connect(who).placeOrder(s, Side.Sell, 100n, 5n, meter);

  const coldFirst = await gasOf(buy(f.alice, slot));
  const coldLater = await gasOf(buy(f.bob, slot));
  const coldSell = await gasOf(sell(f.alice, f.meterAlice.address, slot));
  await gasOf(buy(f.carol, slot));
  await gasOf(sell(f.bob, f.meterBob.address, slot));
  const coldCancel = await gasOf(f.market.connect(f.carol).cancelOrder((slot << 64n) | 2n));
  await clearAndSettle(bench, slot);

  const warmSlot = slot + RING;
  await warpTo(bench, await f.registry.slotStart(warmSlot - (await f.market.horizonSlots())));
  const warmFirst = await gasOf(buy(f.alice, warmSlot));
  const warmLater = await gasOf(buy(f.bob, warmSlot));
  const warmSell = await gasOf(sell(f.alice, f.meterAlice.address, warmSlot));
  await gasOf(buy(f.carol, warmSlot));
  const warmCancel = await gasOf(f.market.connect(f.carol).cancelOrder((warmSlot << 64n) | 2n));
  const sellId = await place(f.market, f.bob, warmSlot, Side.Sell, 100n, 5n, f.meterBob.address);
  const warmCancelSell = await gasOf(f.market.connect(f.bob).cancelOrder(sellId));

  // Money: a new account's first deposit (account opened), a later one, withdrawals.
  const [newcomer] = f.traders.length > 0 ? f.traders : (await f.ethers.getSigners()).slice(12);
  await (await f.token.mint(newcomer.address, 10n ** 12n)).wait();
  await (await f.token.connect(newcomer).approve(await f.market.getAddress(), 10n ** 12n)).wait();
  const depositFirst = await gasOf(f.market.connect(newcomer).deposit(10n ** 6n));
  const depositLater = await gasOf(f.market.connect(newcomer).deposit(10n ** 6n));
  const withdrawPart = await gasOf(f.market.connect(newcomer).withdraw(10n ** 6n));
  const withdrawAll = await gasOf(f.market.connect(newcomer).withdraw(10n ** 6n));

  return [
    fig(
      "market.place.first.cold",
      "place: first order of a slot, ring position never used",
      coldFirst,
      55_000,
    ),
    fig(
      "market.place.later.cold",
      "place: later buy order, order word never used",
      coldLater,
      40_000,
    ),
    fig(
      "market.place.sell.cold",
      "place: later sell order, order word never used",
      coldSell,
      40_000,
    ),
    fig("market.cancel.cold", "cancel a buy order, ring position never used", coldCancel, 35_000),
    fig(
      "market.place.first.warm",
      "place: first order of a slot, ring position reused (steady state)",
      warmFirst,
      55_000,
    ),
    fig(
      "market.place.later.warm",
      "place: later buy order, order word reused (steady state)",
      warmLater,
      40_000,
    ),
    fig(
      "market.place.sell.warm",
      "place: later sell order, order word reused (steady state)",
      warmSell,
      40_000,
    ),
    fig("market.cancel.buy.warm", "cancel a buy order (steady state)", warmCancel, 35_000),
    fig("market.cancel.sell.warm", "cancel a sell order (steady state)", warmCancelSell, 35_000),
    fig("market.deposit.first", "deposit, first of an account (account opened)", depositFirst),
    fig("market.deposit.later", "deposit into an existing account", depositLater),
    fig("market.withdraw.part", "withdraw part of the free balance", withdrawPart),
    fig("market.withdraw.all", "withdraw the whole free balance", withdrawAll),
  ];
}

function fig(
  key: string,
  operation: string,
  gas: number,
  target?: number,
  unit?: string,
): GasFigure {
  return { key, operation, gas, ...(unit ? { unit } : {}), ...(target ? { target } : {}) };
}

// ------------------------------------------------------------------------------------------------------
// Whole slots
// ------------------------------------------------------------------------------------------------------

/** Fills `slot` with `buys` buy orders and then `sells` sell orders of distinct traders, all crossing. */
async function fillCrossingSlot(
  bench: Bench,
  traders: Trader[],
  slot: bigint,
  buys: number,
): Promise<void> {
  for (const [i, t] of traders.entries()) {
    if (i < buys) {
      await placeOrder(
        bench,
        t,
        slot,
        Side.Buy,
        100n + BigInt((i * 37) % 50),
        50n + BigInt((i * 7) % 50),
      );
    } else {
      const j = i - buys;
      await placeOrder(
        bench,
        t,
        slot,
        Side.Sell,
        100n + BigInt((j * 53) % 50),
        1n + BigInt((j * 13) % 50),
      );
    }
  }
}

function scalingRow(
  orders: number,
  sellOrders: number,
  clearGas: number,
  settleGas: number,
): ScalingRow {
  return {
    orders,
    sellOrders,
    clearGas,
    clearGasPerOrder: Math.round(clearGas / orders),
    settleGas,
    settleGasPerSellOrder: Math.round(settleGas / sellOrders),
    fitsOneTransaction: clearGas <= TRANSACTION_GAS_CAP && settleGas <= TRANSACTION_GAS_CAP,
  };
}

/**
 * Clears and settles one slot of each size in `sizes` (half buys, half sells, every order a distinct trader
 * and every seller a distinct meter whose reading covers 80 % of a 100 Wh offer: most sellers fall short).
 * `maxOrdersPerSlot` lets a market without hook demonstrate sizes above the default cap.
 */
export async function measureScaling(
  connection: NetworkConnection,
  sizes: number[],
  hook: HookKind = "none",
  maxOrdersPerSlot?: bigint,
): Promise<ScalingRow[]> {
  const bench = await deployBench(connection, hook, maxOrdersPerSlot ? { maxOrdersPerSlot } : {});
  await growTraders(bench, Math.max(...sizes));
  const rows: ScalingRow[] = [];
  for (const orders of sizes) {
    const slot = await nextBenchSlot(bench);
    const buys = Math.floor(orders / 2);
    const traders = bench.traders.slice(0, orders);
    await fillCrossingSlot(bench, traders, slot, buys);
    await submitReadings(bench, traders.slice(buys), slot, 80n);
    const { clearGas, settleGas } = await clearAndSettle(bench, slot);
    rows.push(scalingRow(orders, orders - buys, clearGas, settleGas));
  }
  return rows;
}

/** Shapes of the costliest books: a crowd on one side at one limit against one order on the other side. */
export type WorstCaseShape = "sellerCrowd" | "buyerCrowd" | "halfAndHalf";

/**
 * The costliest slot of `orders` orders to clear and settle, every order a distinct trader (and every
 * sell a distinct Solar meter, never issued before) and every order filled:
 * - "sellerCrowd": `orders - 1` sells at one limit (all marginal, rationed pro rata) against one buy;
 * - "buyerCrowd": the mirror image;
 * - "halfAndHalf": half buys, half sells, every one a distinct account that never held a certificate.
 * Every meter's reading exports 50 % more than its offer, so that with the certificates bound each meter's
 * owner also receives the undelivered remainder (one more new holder per meter).
 * The traders are fresh (`label`) so that no account or meter has been touched by an earlier slot.
 */
export async function measureWorstCase(
  connection: NetworkConnection,
  orders: number,
  shape: WorstCaseShape,
  hook: HookKind,
  maxOrdersPerSlot?: bigint,
): Promise<{ clearGas: number; settleGas: number; sellOrders: number }> {
  const bench = await deployBench(connection, hook, maxOrdersPerSlot ? { maxOrdersPerSlot } : {});
  const traders = await growTraders(bench, orders, `worst ${shape}`);
  const slot = await nextBenchSlot(bench);
  let sellers: Trader[];
  if (shape === "halfAndHalf") {
    const buys = Math.floor(orders / 2);
    for (const [i, t] of traders.entries())
      await placeOrder(bench, t, slot, i < buys ? Side.Buy : Side.Sell, 100n, 10n);
    sellers = traders.slice(buys);
  } else {
    const crowdSide = shape === "sellerCrowd" ? Side.Sell : Side.Buy;
    const otherSide = crowdSide === Side.Buy ? Side.Sell : Side.Buy;
    let crowdTotal = 0n;
    for (const [i, t] of traders.slice(0, -1).entries()) {
      const quantity = 100n + BigInt(i % 7);
      crowdTotal += quantity;
      await placeOrder(bench, t, slot, crowdSide, quantity, 10n);
    }
    // One Wh less than the crowd: the whole crowd is rationed pro rata.
    await placeOrder(bench, traders[orders - 1], slot, otherSide, crowdTotal - 1n, 10n);
    sellers = crowdSide === Side.Sell ? traders.slice(0, -1) : traders.slice(-1);
  }
  // The lone seller of a buyer crowd offers the crowd's total: its reading must cover it too.
  const exportedWh = shape === "buyerCrowd" ? 2_400n : 160n;
  await submitReadings(bench, sellers, slot, exportedWh);
  const { clearGas, settleGas } = await clearAndSettle(bench, slot);
  return { clearGas, settleGas, sellOrders: sellers.length };
}

/** The market's two per-slot caps, read from the contract: without and with a settlement hook. */
export async function marketCaps(
  connection: NetworkConnection,
): Promise<{ withoutHook: number; withHook: number }> {
  const f = await deployMarket(connection);
  return {
    withoutHook: Number(await f.market.MAX_ORDERS_PER_SLOT()),
    withHook: Number(await f.market.MAX_ORDERS_PER_SLOT_WITH_HOOK()),
  };
}

/**
 * The scaling table: every size in `sizes` cleared and settled by a market without hook (deployed with the
 * cap `caps.withoutHook`), and the sizes up to `caps.withHook` settled once more with EnergyCertificates
 * bound as hook (the same books, so the clearing is the same).
 */
export async function measureScalingTable(
  connection: NetworkConnection,
  sizes: number[],
  caps: { withoutHook: number; withHook: number },
): Promise<ScalingRow[]> {
  const rows = await measureScaling(connection, sizes, "none", BigInt(caps.withoutHook));
  const hookSizes = sizes.filter((orders) => orders <= caps.withHook);
  const hookRows = await measureScaling(
    connection,
    hookSizes,
    "certificates",
    BigInt(caps.withHook),
  );
  return rows.map((row) => {
    const hooked = hookRows.find((r) => r.orders === row.orders);
    if (hooked === undefined) return row;
    return {
      ...row,
      settleWithHookGas: hooked.settleGas,
      settleWithHookGasPerSellOrder: hooked.settleGasPerSellOrder,
      fitsOneTransaction: row.fitsOneTransaction && hooked.fitsOneTransaction,
    };
  });
}

const SHAPES: Record<WorstCaseShape, string> = {
  sellerCrowd: "every sell order marginal: {n} sells of distinct meters at one limit vs 1 buy",
  buyerCrowd: "every buy order marginal: {n} buys of distinct buyers at one limit vs 1 sell",
  halfAndHalf: "{n} buys vs {n} sells, all filled, all distinct accounts and meters",
};

/** The costliest full slots at the cap without hook and at the cap with the certificates hook. */
export async function measureWorstCases(
  connection: NetworkConnection,
  caps: { withoutHook: number; withHook: number },
): Promise<WorstCaseRow[]> {
  const rows: WorstCaseRow[] = [];
  const cases: [HookKind, number][] = [
    ["none", caps.withoutHook],
    ["certificates", caps.withHook],
  ];
  for (const [hook, orders] of cases) {
    for (const shape of Object.keys(SHAPES) as WorstCaseShape[]) {
      const r = await measureWorstCase(connection, orders, shape, hook, BigInt(orders));
      const crowd = shape === "halfAndHalf" ? orders / 2 : orders - 1;
      rows.push({
        key: `worst.${hook}.${shape}.${orders}`,
        shape: SHAPES[shape].replaceAll("{n}", crowd.toLocaleString("en-US")),
        hook,
        orders,
        sellOrders: r.sellOrders,
        clearGas: r.clearGas,
        settleGas: r.settleGas,
      });
    }
  }
  return rows;
}
