/**
 * Gas of the EnergyMarket's single operations: orders and cancels on a cold and a warm ring, deposits and
 * withdrawals. Whole slots (clear, settle, certificate pages) are in bench/slotSection.ts. Used by
 * bench/gas.ts and by test/EnergyMarketGas.ts. Figures are receipts' gasUsed, intrinsic gas included.
 */
import type { NetworkConnection } from "hardhat/types/network";

import type { EnergyCertificates } from "../typechain-types/index.js";
import {
  SLOT_LENGTH,
  Side,
  deployMarket,
  latestTime,
  place,
  type MarketFixture,
} from "../fixtures/market.js";
import { gasOf } from "./gasUsed.js";
import { TRANSACTION_GAS_CAP, fig, type GasFigure } from "./types.js";

const ZERO = "0x0000000000000000000000000000000000000000";
const RING = 256n;
const GAS_LIMIT = { gasLimit: BigInt(TRANSACTION_GAS_CAP) };

interface Bench {
  f: MarketFixture;
  connection: NetworkConnection;
  /** EnergyCertificates bound to the market, when the bench has them. */
  certificates?: EnergyCertificates;
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

/** Deploys the market (aligned, see above), with EnergyCertificates bound when `certificates`. */
async function deployBench(connection: NetworkConnection, certificates: boolean): Promise<Bench> {
  await alignToSlotBoundary(connection);
  const f = await deployMarket(connection);
  if (!certificates) return { f, connection };
  const certs = (await connection.ethers.deployContract("EnergyCertificates", [
    await f.registry.getAddress(),
    f.admin.address,
    "",
  ])) as unknown as EnergyCertificates;
  await (await f.market.setSettlementHook(await certs.getAddress())).wait();
  await (await certs.bindMarket(await f.market.getAddress())).wait();
  return { f, connection, certificates: certs };
}

async function warpTo(bench: Bench, timestamp: bigint): Promise<void> {
  if ((await latestTime(bench.f)) < timestamp)
    await bench.connection.networkHelpers.time.increaseTo(timestamp);
}

/** Clears and settles `slot`, then delivers its certificates (one page each) when the bench has them. */
async function clearSettleAndCertify(bench: Bench, slot: bigint): Promise<void> {
  const { market } = bench.f;
  await warpTo(bench, await market.gateClosureOf(slot));
  await (await market.clear(slot, GAS_LIMIT)).wait();
  await warpTo(bench, await market.readingWindowEnd(slot));
  await (await market.settle(slot, GAS_LIMIT)).wait();
  if (bench.certificates === undefined) return;
  await (await bench.certificates.certifySellers(slot, 1_000n)).wait();
  await (await bench.certificates.claimBuyers(slot, 1_000n)).wait();
}

// ------------------------------------------------------------------------------------------------------
// Single operations
// ------------------------------------------------------------------------------------------------------

/**
 * Placing and cancelling orders on a cold ring (words created) and a warm ring (the same ring position
 * RING slots later: every word is overwritten), and depositing and withdrawing.
 */
export async function measureOrderOperations(connection: NetworkConnection): Promise<GasFigure[]> {
  const bench = await deployBench(connection, false);
  const { f } = bench;
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
  await clearSettleAndCertify(bench, slot);

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
  const warmFirstCertified = await measureRingReuseWithCertificates(connection);

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
      "place: first order of a slot, ring position reused (steady state, no certificates bound)",
      warmFirst,
      55_000,
    ),
    fig(
      "market.place.first.warm.certified",
      "place: first order of a slot, ring position reused, certificates bound (old slot certified: one holdsRingPosition call)",
      warmFirstCertified,
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

/**
 * The first order of a slot whose ring position a traded slot used, with EnergyCertificates bound: the
 * market asks the certificates whether they still hold the old slot (`holdsRingPosition`: they do not, both
 * pages were run).
 */
async function measureRingReuseWithCertificates(connection: NetworkConnection): Promise<number> {
  const bench = await deployBench(connection, true);
  const { f } = bench;
  const slot = (await f.market.currentSlot()) + 2n;
  await (await f.market.connect(f.alice).placeOrder(slot, Side.Buy, 100n, 10n, ZERO)).wait();
  await (
    await f.market.connect(f.bob).placeOrder(slot, Side.Sell, 100n, 5n, f.meterBob.address)
  ).wait();
  await clearSettleAndCertify(bench, slot);
  const warmSlot = slot + RING;
  await warpTo(bench, await f.registry.slotStart(warmSlot - (await f.market.horizonSlots())));
  return gasOf(f.market.connect(f.alice).placeOrder(warmSlot, Side.Buy, 100n, 10n, ZERO));
}
