import { expect } from "chai";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";

import {
  COLLATERAL_PER_WH,
  DEPOSIT,
  Side,
  SlotStatus,
  clearSlot,
  deployMarket,
  fixtureAccounts,
  liabilities,
  openSlot,
  orderIdOf,
  place,
  type MarketFixture,
} from "../fixtures/market.js";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;

/** Orders of 1 Wh allowed, so that the worked examples (5 Wh orders) can be placed as written. */
function smallOrdersFixture(connection: NetworkConnection) {
  return deployMarket(connection, {
    params: { minOrderWh: 1n, sellerCollateralPerWh: 2n, penaltyPerWh: 5n, minBuyPricePerWh: 1n },
  });
}

async function expectSolvent(f: MarketFixture) {
  const held = await f.token.balanceOf(await f.market.getAddress());
  expect(held).to.equal(await liabilities(f.market, fixtureAccounts(f)));
}

describe("EnergyMarket: clearing", function () {
  it("refuses to clear before gate closure, and clears from it on (t-1, t)", async function () {
    const f = await networkHelpers.loadFixture(smallOrdersFixture);
    const slot = await openSlot(f.market);
    await place(f.market, f.alice, slot, Side.Buy, 10n, 8n);
    const gate = await f.market.gateClosureOf(slot);
    await time.setNextBlockTimestamp(gate - 1n);
    await expect(f.market.clear(slot))
      .to.be.revertedWithCustomError(f.market, "MarketGateNotClosed")
      .withArgs(slot, gate, gate - 1n);
    await time.setNextBlockTimestamp(gate);
    await expect(f.market.clear(slot)).to.emit(f.market, "SlotCleared");
  });

  it("refuses to clear a slot without orders, or twice", async function () {
    const f = await networkHelpers.loadFixture(smallOrdersFixture);
    const slot = await openSlot(f.market);
    await expect(f.market.clear(slot))
      .to.be.revertedWithCustomError(f.market, "MarketSlotNotOpen")
      .withArgs(slot, SlotStatus.None);
    await place(f.market, f.alice, slot, Side.Buy, 10n, 8n);
    await place(f.market, f.bob, slot, Side.Sell, 10n, 5n, f.meterBob.address);
    await clearSlot(f, time, slot);
    await expect(f.market.clear(slot))
      .to.be.revertedWithCustomError(f.market, "MarketSlotNotOpen")
      .withArgs(slot, SlotStatus.Cleared);
  });

  describe("worked examples of the issue", function () {
    it("buys 10@8, asks 10@5: P = 6, Q = 10", async function () {
      const f = await networkHelpers.loadFixture(smallOrdersFixture);
      const slot = await openSlot(f.market);
      const buy = await place(f.market, f.alice, slot, Side.Buy, 10n, 8n);
      const ask = await place(f.market, f.bob, slot, Side.Sell, 10n, 5n, f.meterBob.address);
      await time.increaseTo(await f.market.gateClosureOf(slot));
      await expect(f.market.clear(slot))
        .to.emit(f.market, "SlotCleared")
        .withArgs(slot, 6n, 10n, 1n, 1n);
      expect(await f.market.fillOf(buy)).to.equal(10n);
      expect(await f.market.fillOf(ask)).to.equal(10n);
      // The buyer paid 6 x 10 of its 80 lock and got 20 back; the seller's collateral stays locked.
      expect(await f.market.balanceOf(f.alice.address)).to.deep.equal([DEPOSIT - 60n, 0n]);
      expect(await f.market.balanceOf(f.bob.address)).to.deep.equal([DEPOSIT - 20n, 20n]);
      expect(await f.market.escrowed()).to.equal(60n);
      const info = await f.market.slotInfo(slot);
      expect([info.status, info.price, info.clearedWh]).to.deep.equal([
        BigInt(SlotStatus.Cleared),
        6n,
        10n,
      ]);
      await expectSolvent(f);
    });

    it("buys 5@10 and 5@6, asks 5@4 and 5@8: Q = 5, P = 7, the 10-bid and the 4-ask fill", async function () {
      const f = await networkHelpers.loadFixture(smallOrdersFixture);
      const slot = await openSlot(f.market);
      const bid10 = await place(f.market, f.alice, slot, Side.Buy, 5n, 10n);
      const bid6 = await place(f.market, f.dave, slot, Side.Buy, 5n, 6n);
      const ask4 = await place(f.market, f.bob, slot, Side.Sell, 5n, 4n, f.meterBob.address);
      const ask8 = await place(f.market, f.alice, slot, Side.Sell, 5n, 8n, f.meterAlice.address);
      await time.increaseTo(await f.market.gateClosureOf(slot));
      await expect(f.market.clear(slot))
        .to.emit(f.market, "SlotCleared")
        .withArgs(slot, 7n, 5n, 2n, 2n);
      expect(await f.market.fillOf(bid10)).to.equal(5n);
      expect(await f.market.fillOf(bid6)).to.equal(0n);
      expect(await f.market.fillOf(ask4)).to.equal(5n);
      expect(await f.market.fillOf(ask8)).to.equal(0n);
      // Dave bought nothing and has all his lock back; alice paid 35 and her 8-ask's collateral is free.
      expect(await f.market.balanceOf(f.dave.address)).to.deep.equal([DEPOSIT, 0n]);
      expect(await f.market.balanceOf(f.alice.address)).to.deep.equal([DEPOSIT - 35n, 0n]);
      await expectSolvent(f);
    });

    it("buys 10@8, asks 6@5 and 6@7: Q = 10, P = 7, the 5-ask fills 6 and the 7-ask fills 4", async function () {
      const f = await networkHelpers.loadFixture(smallOrdersFixture);
      const slot = await openSlot(f.market);
      const bid = await place(f.market, f.dave, slot, Side.Buy, 10n, 8n);
      const ask5 = await place(f.market, f.alice, slot, Side.Sell, 6n, 5n, f.meterAlice.address);
      const ask7 = await place(f.market, f.bob, slot, Side.Sell, 6n, 7n, f.meterBob.address);
      await time.increaseTo(await f.market.gateClosureOf(slot));
      await expect(f.market.clear(slot))
        .to.emit(f.market, "SlotCleared")
        .withArgs(slot, 7n, 10n, 1n, 2n);
      expect(await f.market.fillOf(bid)).to.equal(10n);
      expect(await f.market.fillOf(ask5)).to.equal(6n);
      expect(await f.market.fillOf(ask7)).to.equal(4n);
      // Bob's 2 unfilled Wh release their collateral; 4 Wh of collateral stay locked until settlement.
      expect(await f.market.balanceOf(f.bob.address)).to.deep.equal([
        DEPOSIT - 4n * COLLATERAL_PER_WH,
        8n,
      ]);
      expect(await f.market.balanceOf(f.dave.address)).to.deep.equal([DEPOSIT - 70n, 0n]);
      await expectSolvent(f);
    });
  });

  it("shares the margin pro rata and gives the rounding remainder to the lowest order ids", async function () {
    const f = await networkHelpers.loadFixture(smallOrdersFixture);
    const slot = await openSlot(f.market);
    // Three buys of 1 Wh at 9 share the 2 Wh offered: the first two order ids get 1 Wh each.
    const buys = [
      await place(f.market, f.carol, slot, Side.Buy, 1n, 9n),
      await place(f.market, f.alice, slot, Side.Buy, 1n, 9n),
      await place(f.market, f.dave, slot, Side.Buy, 1n, 9n),
    ];
    await place(f.market, f.bob, slot, Side.Sell, 2n, 3n, f.meterBob.address);
    await clearSlot(f, time, slot);
    expect(await Promise.all(buys.map((id) => f.market.fillOf(id)))).to.deep.equal([1n, 1n, 0n]);
    expect(await f.market.balanceOf(f.dave.address)).to.deep.equal([DEPOSIT, 0n]);
  });

  it("rations a margin of several orders pro rata to their quantities", async function () {
    const f = await networkHelpers.loadFixture(smallOrdersFixture);
    const slot = await openSlot(f.market);
    const sells = [
      await place(f.market, f.alice, slot, Side.Sell, 30n, 5n, f.meterAlice.address),
      await place(f.market, f.bob, slot, Side.Sell, 10n, 5n, f.meterBob.address),
    ];
    const buy = await place(f.market, f.dave, slot, Side.Buy, 20n, 9n);
    await clearSlot(f, time, slot);
    expect(await f.market.fillOf(sells[0])).to.equal(15n);
    expect(await f.market.fillOf(sells[1])).to.equal(5n);
    expect(await f.market.fillOf(buy)).to.equal(20n);
    // P = floor((5 + 9) / 2)
    expect((await f.market.slotInfo(slot)).price).to.equal(7n);
  });

  it("does not depend on the arrival order of orders without ties at the margin", async function () {
    const f = await networkHelpers.loadFixture(smallOrdersFixture);
    const slot = await openSlot(f.market);
    const book: [typeof f.alice, Side, bigint, bigint, string?][] = [
      [f.alice, Side.Buy, 40n, 12n],
      [f.dave, Side.Buy, 25n, 9n],
      [f.carol, Side.Buy, 30n, 6n],
      [f.alice, Side.Sell, 35n, 4n, f.meterAlice.address],
      [f.bob, Side.Sell, 50n, 8n, f.meterBob.address],
    ];
    const results: bigint[][] = [];
    for (const [s, order] of [
      [slot, [0, 1, 2, 3, 4]],
      [slot + 1n, [4, 2, 3, 0, 1]],
    ] as const) {
      const ids: bigint[] = new Array<bigint>(book.length);
      for (const i of order) {
        const [who, side, q, p, meter] = book[i];
        ids[i] = await place(f.market, who, s, side, q, p, meter);
      }
      await clearSlot(f, time, s);
      const info = await f.market.slotInfo(s);
      results.push([
        info.price,
        info.clearedWh,
        ...(await Promise.all(ids.map((id) => f.market.fillOf(id)))),
      ]);
    }
    expect(results[1]).to.deep.equal(results[0]);
    expect(results[0].slice(0, 2)).to.deep.equal([8n, 65n]);
  });

  it("allows self-trades", async function () {
    const f = await networkHelpers.loadFixture(smallOrdersFixture);
    const slot = await openSlot(f.market);
    const buy = await place(f.market, f.alice, slot, Side.Buy, 10n, 8n);
    const sell = await place(f.market, f.alice, slot, Side.Sell, 10n, 4n, f.meterAlice.address);
    await clearSlot(f, time, slot);
    expect(await f.market.fillOf(buy)).to.equal(10n);
    expect(await f.market.fillOf(sell)).to.equal(10n);
    await expectSolvent(f);
  });

  it("releases every lock and makes the slot final at once when nothing trades", async function () {
    const f = await networkHelpers.loadFixture(smallOrdersFixture);
    const slot = await openSlot(f.market);
    await place(f.market, f.alice, slot, Side.Buy, 10n, 4n);
    await place(f.market, f.bob, slot, Side.Sell, 10n, 5n, f.meterBob.address);
    await time.increaseTo(await f.market.gateClosureOf(slot));
    await expect(f.market.clear(slot))
      .to.emit(f.market, "SlotCleared")
      .withArgs(slot, 0n, 0n, 1n, 1n);
    expect(await f.market.balanceOf(f.alice.address)).to.deep.equal([DEPOSIT, 0n]);
    expect(await f.market.balanceOf(f.bob.address)).to.deep.equal([DEPOSIT, 0n]);
    expect((await f.market.slotInfo(slot)).status).to.equal(BigInt(SlotStatus.Settled));
    expect(await f.market.isSlotFinal(slot)).to.equal(true);
    expect(await f.market.escrowed()).to.equal(0n);
  });

  it("leaves cancelled orders out", async function () {
    const f = await networkHelpers.loadFixture(smallOrdersFixture);
    const slot = await openSlot(f.market);
    const cancelled = await place(f.market, f.alice, slot, Side.Buy, 10n, 20n);
    const live = await place(f.market, f.dave, slot, Side.Buy, 10n, 8n);
    await place(f.market, f.bob, slot, Side.Sell, 10n, 4n, f.meterBob.address);
    await (await f.market.connect(f.alice).cancelOrder(cancelled)).wait();
    await time.increaseTo(await f.market.gateClosureOf(slot));
    await expect(f.market.clear(slot))
      .to.emit(f.market, "SlotCleared")
      .withArgs(slot, 6n, 10n, 1n, 1n);
    expect(await f.market.fillOf(cancelled)).to.equal(0n);
    expect(await f.market.fillOf(live)).to.equal(10n);
    expect(await f.market.balanceOf(f.alice.address)).to.deep.equal([DEPOSIT, 0n]);
  });

  it("clears one-sided books without trading", async function () {
    const f = await networkHelpers.loadFixture(smallOrdersFixture);
    const slot = await openSlot(f.market);
    await place(f.market, f.alice, slot, Side.Buy, 10n, 4n);
    await place(f.market, f.dave, slot, Side.Buy, 10n, 9n);
    await clearSlot(f, time, slot);
    expect((await f.market.slotInfo(slot)).clearedWh).to.equal(0n);
    expect(await f.market.balanceOf(f.dave.address)).to.deep.equal([DEPOSIT, 0n]);
  });

  it("shows order ids as slot, side and index", async function () {
    const f = await networkHelpers.loadFixture(smallOrdersFixture);
    const slot = await openSlot(f.market);
    expect(await place(f.market, f.alice, slot, Side.Sell, 10n, 4n, f.meterAlice.address)).to.equal(
      orderIdOf(slot, Side.Sell, 0n),
    );
    expect(ethers.toBeHex(orderIdOf(slot, Side.Sell, 0n))).to.equal(
      ethers.toBeHex((slot << 64n) | (1n << 32n)),
    );
  });
});
