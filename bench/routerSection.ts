/**
 * Gas of the OrderRouter: signed orders relayed in batches (per order in a batch of 100 distinct traders,
 * distinct meters for the sells, steady state: ring position, order words and ledger words reused), a single
 * signed order in its own batch, and placeOrders for one account over 96 slots. Per-order figures are the
 * difference of two batches divided by the orders they differ by, so the 21,000 intrinsic gas and the
 * batch's fixed cost drop out. Used by bench/gas.ts and test/OrderRouterGas.ts.
 */
import type { NetworkConnection } from "hardhat/types/network";
import { Wallet } from "ethers";

import type { OrderRouter } from "../typechain-types/index.js";
import {
  MeterKind,
  SLOT_LENGTH,
  Side,
  deployMarket,
  latestTime,
  registerMeter,
  type MarketFixture,
} from "../fixtures/market.js";
import {
  orderDomain,
  signOrder,
  type OrderValues,
  type SignedOrder,
} from "../scripts/lib/orders.js";
import { gasOf } from "./gasUsed.js";
import type { GasFigure } from "./types.js";

const ZERO = "0x0000000000000000000000000000000000000000";
const RING = 256n;
const BIG_GAS = { gasLimit: 15_000_000n };
/** Signed targets of issue 12, per order in a batch of 100, signature check included. */
export const SIGNED_BUY_TARGET = 20_000;
export const SIGNED_SELL_TARGET = 22_000;
/** Traders of the signed batches: the difference of a batch of 100 and one of 50 needs 150. */
const TRADERS = 150;

interface RouterBench {
  f: MarketFixture;
  connection: NetworkConnection;
  router: OrderRouter;
}

async function deployRouterBench(connection: NetworkConnection): Promise<RouterBench> {
  const block = await connection.ethers.provider.getBlock("latest");
  const now = BigInt(block!.timestamp);
  await connection.networkHelpers.time.increaseTo(now - (now % SLOT_LENGTH) + SLOT_LENGTH);
  const f = await deployMarket(connection, { maxOrdersPerSlot: 1_000n });
  const router = (await connection.ethers.getContractAt(
    "OrderRouter",
    await f.market.orderRouter(),
  )) as unknown as OrderRouter;
  return { f, connection, router };
}

async function warpTo(bench: RouterBench, timestamp: bigint): Promise<void> {
  if ((await latestTime(bench.f)) < timestamp)
    await bench.connection.networkHelpers.time.increaseTo(timestamp);
}

/** Households that only sign: keys, a generation meter each, funds deposited for them by the admin. */
async function households(
  bench: RouterBench,
  count: number,
): Promise<{ keys: Wallet[]; meters: string[] }> {
  const { f } = bench;
  const keys = [...Array(count).keys()].map((i) => new Wallet(f.ethers.id(`bench household ${i}`)));
  const meters = keys.map((_, i) => new Wallet(f.ethers.id(`bench household meter ${i}`)).address);
  const each = 10n ** 9n;
  await (await f.token.mint(f.admin.address, each * BigInt(count))).wait();
  await (await f.token.approve(await f.market.getAddress(), each * BigInt(count))).wait();
  for (let i = 0; i < count; ++i) {
    await registerMeter(f.registry, meters[i], keys[i].address, MeterKind.Generation);
    await (await f.market.depositFor(keys[i].address, each)).wait();
  }
  return { keys, meters };
}

/**
 * Signed buys (limit 5) or sells (limit 10: nothing trades, so clearing releases every lock) of households
 * `from` to `to` for `slot`, each with nonce `nonce`.
 */
async function signedBatch(
  bench: RouterBench,
  h: { keys: Wallet[]; meters: string[] },
  slot: bigint,
  side: Side,
  nonce: bigint,
  from: number,
  to: number,
): Promise<SignedOrder[]> {
  const chainId = (await bench.f.ethers.provider.getNetwork()).chainId;
  const domain = orderDomain(await bench.router.getAddress(), chainId);
  const expiry = (await latestTime(bench.f)) + 10n ** 6n;
  const orders: Promise<SignedOrder>[] = [];
  for (let i = from; i < to; ++i) {
    const order: OrderValues = {
      trader: h.keys[i].address,
      slot,
      side,
      quantityWh: 100n,
      limitPrice: side === Side.Buy ? 5n : 10n,
      meter: side === Side.Buy ? ZERO : h.meters[i],
      nonce,
      expiry,
    };
    orders.push(signOrder(h.keys[i], domain, order));
  }
  return Promise.all(orders);
}

/** Relays the signed batches of one slot: buys 0-50 and 50-150, then sells likewise; returns the gas. */
async function relaySlot(
  bench: RouterBench,
  h: Awaited<ReturnType<typeof households>>,
  slot: bigint,
  nonce: bigint,
) {
  const { f, router } = bench;
  // The first order of the slot (opening the book) is not what is measured.
  await (await f.market.connect(f.dave).placeOrder(slot, Side.Buy, 100n, 5n, ZERO)).wait();
  const relay = async (side: Side, n: bigint, from: number, to: number) =>
    gasOf(router.placeSignedOrders(await signedBatch(bench, h, slot, side, n, from, to), BIG_GAS));
  const buy50 = await relay(Side.Buy, nonce, 0, 50);
  const buy100 = await relay(Side.Buy, nonce, 50, 150);
  // The last household only buys, alone (its second order is in the second round: nonce / 2).
  const single = await relay(Side.Buy, nonce / 2n, TRADERS, TRADERS + 1);
  const sell50 = await relay(Side.Sell, nonce + 1n, 0, 50);
  const sell100 = await relay(Side.Sell, nonce + 1n, 50, 150);
  return { buy: (buy100 - buy50) / 50, sell: (sell100 - sell50) / 50, single };
}

/** Signed orders per order in a batch of 100, steady state, and one signed order alone. */
export async function measureSignedOrders(connection: NetworkConnection): Promise<GasFigure[]> {
  const bench = await deployRouterBench(connection);
  const { f } = bench;
  const h = await households(bench, TRADERS + 1);
  const slot = (await f.market.currentSlot()) + 2n;
  const cold = await relaySlot(bench, h, slot, 0n);
  await warpTo(bench, await f.market.gateClosureOf(slot));
  await (await f.market.clear(slot, BIG_GAS)).wait();

  const warmSlot = slot + RING;
  await warpTo(bench, await f.registry.slotStart(warmSlot - (await f.market.horizonSlots())));
  const warm = await relaySlot(bench, h, warmSlot, 2n);
  return [
    fig(
      "router.signed.buy.cold",
      "signed buy, per order in a batch of 100, order words never used",
      cold.buy,
      "order",
    ),
    fig(
      "router.signed.sell.cold",
      "signed sell, per order in a batch of 100, order words never used",
      cold.sell,
      "order",
    ),
    fig(
      "router.signed.buy.warm",
      "signed buy, per order in a batch of 100 distinct traders (steady state, signature check included)",
      warm.buy,
      "order",
      SIGNED_BUY_TARGET,
    ),
    fig(
      "router.signed.sell.warm",
      "signed sell, per order in a batch of 100 distinct traders and meters (steady state, signature check included)",
      warm.sell,
      "order",
      SIGNED_SELL_TARGET,
    ),
    fig(
      "router.signed.single",
      "one signed buy alone in its batch (steady state, a whole transaction)",
      warm.single,
    ),
    ...(await measurePlaceOrders(connection)),
  ];
}

/** placeOrders: one account's buys over 96 slots (later orders, words reused), per order. */
async function measurePlaceOrders(connection: NetworkConnection): Promise<GasFigure[]> {
  const bench = await deployRouterBench(connection);
  const { f, router } = bench;
  // 96 slots from the next one: the whole horizon.
  const first = (await f.market.currentSlot()) + 1n;
  const round = async (start: bigint) => {
    const slots = [...Array(96).keys()].map((k) => start + BigInt(k));
    const buys = (to: number) =>
      slots
        .slice(0, to)
        .map((slot) => ({ slot, side: Side.Buy, quantityWh: 100n, limitPrice: 5n, meter: ZERO }));
    // Dave opens the books; alice's 48 and bob's 96 are later orders.
    await (await router.connect(f.dave).placeOrders(buys(96), BIG_GAS)).wait();
    const g48 = await gasOf(router.connect(f.alice).placeOrders(buys(48), BIG_GAS));
    const g96 = await gasOf(router.connect(f.bob).placeOrders(buys(96), BIG_GAS));
    return { slots, perOrder: (g96 - g48) / 48 };
  };
  const cold = await round(first);
  // Only buys: every slot clears with nothing traded and releases its locks at once.
  for (const slot of cold.slots) {
    await warpTo(bench, await f.market.gateClosureOf(slot));
    await (await f.market.clear(slot, BIG_GAS)).wait();
  }
  await warpTo(bench, await f.registry.slotStart(first + RING - 1n));
  const warm = await round(first + RING);
  return [
    fig(
      "router.placeOrders.cold",
      "placeOrders: later buy, per order in one account's batch of 96 slots, words never used",
      cold.perOrder,
      "order",
    ),
    fig(
      "router.placeOrders.warm",
      "placeOrders: later buy, per order in one account's batch of 96 slots (steady state)",
      warm.perOrder,
      "order",
    ),
  ];
}

function fig(
  key: string,
  operation: string,
  gas: number,
  unit?: string,
  target?: number,
): GasFigure {
  return {
    key,
    operation,
    gas: Math.round(gas),
    ...(unit ? { unit } : {}),
    ...(target ? { target } : {}),
  };
}
