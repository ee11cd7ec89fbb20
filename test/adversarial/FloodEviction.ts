/**
 * Adversarial: filling a slot's book to keep honest orders out. Two properties must hold whatever the
 * attacker does: filling a book costs real money (every order locks at least minOrderWh x the minimum buy
 * price, or x the seller collateral, both >= 1), and an honest order at a better price still enters
 * (a full side evicts its worst live order, whose lock is refunded at once). Each side holds at most half
 * the slot's cap, so a flood of one side never shuts the other out.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { Wallet } from "ethers";

import {
  MeterKind,
  Side,
  advanceTo,
  gasOf,
  lockedOf,
  openSlot,
  orderIdOf,
  place,
  registerMeter,
} from "../../fixtures/market.js";
import { deployGridSystem, expectMarketBalanced, type GridSystem } from "../integration/system.js";
import type { NetworkConnection } from "hardhat/types/network";

const connection = await network.create();
const { networkHelpers } = connection;
const { time } = networkHelpers;
const ZERO = "0x0000000000000000000000000000000000000000";
/** 16,777,216 gas (EIP-7825) less 10 %. */
const TX_BUDGET = (16_777_216n * 9n) / 10n;

/** A system whose slots hold 10 orders per side. */
function smallBook(c: NetworkConnection): Promise<GridSystem> {
  return deployGridSystem(c, { maxOrdersPerSlot: 20n });
}

/** A system whose slots hold 2 orders per side. */
function tinyBook(c: NetworkConnection): Promise<GridSystem> {
  return deployGridSystem(c, { maxOrdersPerSlot: 4n });
}

/** The system with the default fixture cap. */
function defaultBook(c: NetworkConnection): Promise<GridSystem> {
  return deployGridSystem(c);
}

/** The system with the largest cap: 500 orders per side. */
function largestBook(c: NetworkConnection): Promise<GridSystem> {
  return deployGridSystem(c, { maxOrdersPerSlot: 1_000n });
}

/** Fills the buy side of `slot` with `count` minimum buys of `attacker` at the slot's minimum price. */
async function floodBuys(s: GridSystem, slot: bigint, count: number) {
  const { minOrderWh, minBuyPricePerWh } = await s.market.paramsForSlot(slot);
  const ids: bigint[] = [];
  for (let i = 0; i < count; i++) {
    ids.push(await place(s.market, s.erin, slot, Side.Buy, minOrderWh, minBuyPricePerWh));
  }
  return { ids, minOrderWh, minBuyPricePerWh };
}

describe("Adversarial: book floods and eviction", function () {
  it("refuses a buy below the minimum price and parameters under which an order locks nothing", async function () {
    const s = await networkHelpers.loadFixture(smallBook);
    const slot = await openSlot(s.market);
    const { minOrderWh, minBuyPricePerWh } = await s.market.paramsForSlot(slot);
    expect(minBuyPricePerWh).to.be.greaterThan(0n);
    await expect(s.market.connect(s.erin).placeOrder(slot, Side.Buy, minOrderWh, 0n, ZERO))
      .to.be.revertedWithCustomError(s.market, "MarketPriceBelowMinimum")
      .withArgs(0n, minBuyPricePerWh);
    const max = await s.market.MAX_MIN_BUY_PRICE_PER_WH();
    const base = await s.market.paramsForSlot(slot);
    const params = {
      minOrderWh: base.minOrderWh,
      sellerCollateralPerWh: base.sellerCollateralPerWh,
      penaltyPerWh: base.penaltyPerWh,
      minBuyPricePerWh: base.minBuyPricePerWh,
    };
    const op = s.market.connect(s.operator);
    await expect(op.setParams({ ...params, minBuyPricePerWh: 0n }))
      .to.be.revertedWithCustomError(s.market, "MarketParamOutOfBounds")
      .withArgs(0n, 1n, max);
    await expect(op.setParams({ ...params, sellerCollateralPerWh: 0n }))
      .to.be.revertedWithCustomError(s.market, "MarketParamOutOfBounds")
      .withArgs(0n, 1n, await s.market.MAX_COLLATERAL_PER_WH());
  });

  it("makes a one-sided flood lock the minimum per order, and leaves the other side open", async function () {
    const s = await networkHelpers.loadFixture(smallBook);
    const slot = await openSlot(s.market);
    const perSide = await s.market.maxOrdersPerSide();
    expect(perSide).to.equal(10n);
    const lockedBefore = await lockedOf(s.market, s.erin.address);
    const { minOrderWh, minBuyPricePerWh } = await floodBuys(s, slot, Number(perSide));
    expect((await lockedOf(s.market, s.erin.address)) - lockedBefore).to.equal(
      perSide * minOrderWh * minBuyPricePerWh,
    );
    // A tie keeps the older order: an honest bid at the flood's price is refused.
    await expect(
      s.market.connect(s.frank).placeOrder(slot, Side.Buy, minOrderWh, minBuyPricePerWh, ZERO),
    )
      .to.be.revertedWithCustomError(s.market, "MarketSlotFull")
      .withArgs(slot, perSide);
    // The sell side has its own half of the cap.
    await place(s.market, s.alice, slot, Side.Sell, minOrderWh, 1n, s.meterAlice.address);
    expect((await s.market.slotInfo(slot)).sellOrders).to.equal(1n);
  });

  it("lets a better bid evict the worst live buy at once, refunding its lock to its owner", async function () {
    const s = await networkHelpers.loadFixture(smallBook);
    const slot = await openSlot(s.market);
    const perSide = Number(await s.market.maxOrdersPerSide());
    const { ids, minOrderWh, minBuyPricePerWh } = await floodBuys(s, slot, perSide);
    const erinLocked = await lockedOf(s.market, s.erin.address);
    const frankLocked = await lockedOf(s.market, s.frank.address);
    const better = minBuyPricePerWh + 1n;
    // All flood orders tie at the worst price: the one with the highest index goes.
    const victim = ids[perSide - 1];
    await expect(s.market.connect(s.frank).placeOrder(slot, Side.Buy, minOrderWh, better, ZERO))
      .to.emit(s.market, "OrderEvicted")
      .withArgs(victim, s.erin.address, minOrderWh * minBuyPricePerWh)
      .and.to.emit(s.market, "OrderPlaced")
      .withArgs(
        victim,
        s.frank.address,
        slot,
        Side.Buy,
        minOrderWh,
        better,
        0,
        minOrderWh * better,
      );
    expect(await lockedOf(s.market, s.erin.address)).to.equal(
      erinLocked - minOrderWh * minBuyPricePerWh,
    );
    expect(await lockedOf(s.market, s.frank.address)).to.equal(frankLocked + minOrderWh * better);
    const order = await s.market.orderOf(victim);
    expect(order.account).to.equal(s.frank.address);
    expect(order.limitPrice).to.equal(better);
    // The evicted owner cannot cancel what is now someone else's order.
    await expect(s.market.connect(s.erin).cancelOrder(victim)).to.be.revertedWithCustomError(
      s.market,
      "MarketNotOrderOwner",
    );
    // The book count never grows past the cap: evictions reuse the index.
    expect((await s.market.slotInfo(slot)).buyOrders).to.equal(BigInt(perSide));
    // The slot still ends through permissionless calls, every lock released.
    await advanceTo(s, time, await s.market.gateClosureOf(slot));
    await (await s.market.connect(s.stranger).clear(slot)).wait();
    expect(await s.market.isSlotFinal(slot)).to.equal(true);
    expect(await lockedOf(s.market, s.erin.address)).to.equal(0n);
    await expectMarketBalanced(s);
  });

  it("lets a lower ask evict the highest live ask, refunding its collateral; an equal ask is refused", async function () {
    const s = await networkHelpers.loadFixture(tinyBook);
    const slot = await openSlot(s.market);
    const { minOrderWh, sellerCollateralPerWh } = await s.market.paramsForSlot(slot);
    await place(s.market, s.alice, slot, Side.Sell, minOrderWh, 50n, s.meterAlice.address);
    const bobs = await place(s.market, s.bob, slot, Side.Sell, minOrderWh, 60n, s.meterBob.address);
    const bobLocked = await lockedOf(s.market, s.bob.address);
    const wind = s.meterDaveWind.address;
    await expect(s.market.connect(s.dave).placeOrder(slot, Side.Sell, minOrderWh, 60n, wind))
      .to.be.revertedWithCustomError(s.market, "MarketSlotFull")
      .withArgs(slot, 2n);
    await expect(s.market.connect(s.dave).placeOrder(slot, Side.Sell, minOrderWh, 55n, wind))
      .to.emit(s.market, "OrderEvicted")
      .withArgs(bobs, s.bob.address, minOrderWh * sellerCollateralPerWh);
    expect(await lockedOf(s.market, s.bob.address)).to.equal(
      bobLocked - minOrderWh * sellerCollateralPerWh,
    );
  });

  it("fills a cancelled order's index before it evicts anyone", async function () {
    const s = await networkHelpers.loadFixture(smallBook);
    const slot = await openSlot(s.market);
    const perSide = Number(await s.market.maxOrdersPerSide());
    const { ids, minOrderWh, minBuyPricePerWh } = await floodBuys(s, slot, perSide);
    await (await s.market.connect(s.erin).cancelOrder(ids[3])).wait();
    // Even at the worst price (a tie), the free index takes the order; nobody is evicted.
    const receipt = await (
      await s.market.connect(s.frank).placeOrder(slot, Side.Buy, minOrderWh, minBuyPricePerWh, ZERO)
    ).wait();
    const names = receipt!.logs.map((l) => s.market.interface.parseLog(l)?.name);
    expect(names).to.not.include("OrderEvicted");
    expect((await s.market.orderOf(ids[3])).account).to.equal(s.frank.address);
    expect((await s.market.orderOf(orderIdOf(slot, Side.Buy, 4n))).account).to.equal(
      s.erin.address,
    );
  });

  // What an attacker must lock and pay to keep one slot full for its whole trading window, against
  // honest bids up to a price p: it must hold every index of the side at a limit above p (ties keep the
  // older order, so equal is enough only if it came first), each order locking minOrderWh x its limit for
  // as long as the slot trades (from horizon slots ahead until gate closure), and pay gas per order. When
  // the slot clears its bids are the best, so it buys energy at the clearing price: the lock is at risk.
  it("computes the cost of holding a default slot full for its trading window, and an honest better bid still enters", async function () {
    const s = await networkHelpers.loadFixture(defaultBook);
    const slot = await openSlot(s.market, 5n);
    const perSide = Number(await s.market.maxOrdersPerSide());
    const { minOrderWh, minBuyPricePerWh } = await s.market.paramsForSlot(slot);
    const floodPrice = 100n * minBuyPricePerWh;
    const attackers = [s.erin, s.frank];
    let gas = 0n;
    for (let i = 0; i < perSide; i++) {
      gas += await gasOf(
        s.market.connect(attackers[i % 2]).placeOrder(slot, Side.Buy, minOrderWh, floodPrice, ZERO),
      );
    }
    const lock = BigInt(perSide) * minOrderWh * floodPrice;
    const locked =
      (await lockedOf(s.market, s.erin.address)) + (await lockedOf(s.market, s.frank.address));
    expect(locked).to.equal(lock);
    const [, slotLength] = await s.registry.slotClock();
    const horizonHours = Number((await s.market.horizonSlots()) * slotLength) / 3600;
    console.log(
      `      holding ${perSide} buy orders at ${floodPrice} per Wh: ${lock} base units locked for ` +
        `${horizonHours} h of trading window, ${gas} gas (${gas / BigInt(perSide)} per order)`,
    );
    expect(lock).to.be.at.least(BigInt(perSide) * minOrderWh * minBuyPricePerWh);
    // An honest household outbids the flood by one base unit per Wh and gets in.
    const honest = new Wallet(s.ethers.id("gridledger honest bidder"), s.ethers.provider);
    await networkHelpers.setBalance(honest.address, 10n ** 18n);
    await (await s.token.mint(s.admin.address, 10n ** 9n)).wait();
    await (await s.token.approve(await s.market.getAddress(), 10n ** 9n)).wait();
    await (await s.market.depositFor(honest.address, 10n ** 9n)).wait();
    const tx = s.market
      .connect(honest)
      .placeOrder(slot, Side.Buy, minOrderWh, floodPrice + 1n, ZERO);
    await expect(tx).to.emit(s.market, "OrderEvicted");
    // Evicting on a full side reads each of its orders once: bounded, far below the transaction cap.
    expect(await gasOf(tx)).to.be.lessThan(TX_BUDGET);
    expect(await lockedOf(s.market, honest.address)).to.equal(minOrderWh * (floodPrice + 1n));
  });

  it("keeps an evicting placement on a full side of the largest cap under 10 % below the transaction cap", async function () {
    this.timeout(300_000);
    const s = await networkHelpers.loadFixture(largestBook);
    const slot = await openSlot(s.market, 5n);
    const perSide = Number(await s.market.maxOrdersPerSide());
    expect(perSide).to.equal(500);
    const { minOrderWh, minBuyPricePerWh } = await s.market.paramsForSlot(slot);
    const sellers: Wallet[] = [];
    for (let i = 0; i < perSide; i++) {
      const seller = new Wallet(s.ethers.id(`gridledger eviction seller ${i}`), s.ethers.provider);
      const meter = new Wallet(s.ethers.id(`gridledger eviction meter ${i}`));
      await networkHelpers.setBalance(seller.address, 10n ** 18n);
      await registerMeter(s.registry, meter.address, seller.address, MeterKind.Generation);
      await (await s.token.mint(s.admin.address, 10n ** 9n)).wait();
      await (await s.token.approve(await s.market.getAddress(), 10n ** 9n)).wait();
      await (await s.market.depositFor(seller.address, 10n ** 9n)).wait();
      // Equal asks: the eviction below must scan the whole side to find the highest index.
      await (
        await s.market.connect(seller).placeOrder(slot, Side.Sell, minOrderWh, 500n, meter.address)
      ).wait();
      sellers.push(seller);
    }
    expect(minBuyPricePerWh).to.be.greaterThan(0n);
    const gas = await gasOf(
      s.market.connect(s.alice).placeOrder(slot, Side.Sell, minOrderWh, 1n, s.meterAlice.address),
    );
    console.log(`      evicting placement on a full side of ${perSide}: ${gas} gas`);
    expect(gas).to.be.lessThan(TX_BUDGET);
    expect(
      (await s.market.orderOf(orderIdOf(slot, Side.Sell, BigInt(perSide - 1)))).account,
    ).to.equal(s.alice.address);
  });
});
