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
const ZERO = "0x0000000000000000000000000000000000000000";
const { time } = networkHelpers;

/** Orders of 1 Wh allowed, so that the worked examples (5 Wh orders) can be placed as written. */
function smallOrdersFixture(connection: NetworkConnection) {
  return deployMarket(connection, {
    params: { minOrderWh: 1n, sellerCollateralPerWh: 2n, penaltyPerWh: 5n, minBuyPricePerWh: 1n },
  });
}

/** One order a side (cap 2), small orders allowed: the second bid on a side evicts or is refused. */
function oneOrderASideFixture(connection: NetworkConnection) {
  return deployMarket(connection, {
    maxOrdersPerSlot: 2n,
    params: { minOrderWh: 1n, sellerCollateralPerWh: 2n, penaltyPerWh: 5n, minBuyPricePerWh: 1n },
  });
}

async function expectSolvent(f: MarketFixture) {
  const held = await f.token.balanceOf(await f.market.getAddress());
  expect(held).to.equal(await liabilities(f.market, fixtureAccounts(f)));
}

/** The OrderFilled events of a transaction, as [orderId, accountId, fillWh, released]. */
async function fillsOf(f: MarketFixture, tx: Promise<{ wait: () => Promise<unknown> }>) {
  const receipt = (await (await tx).wait()) as { logs: { topics: string[]; data: string }[] };
  return receipt.logs
    .map((log) => f.market.interface.parseLog(log))
    .filter((e) => e?.name === "OrderFilled")
    .map((e) => [e!.args.orderId, e!.args.accountId, e!.args.fillWh, e!.args.released]);
}

describe("EnergyMarket: clearing", function () {
  describe("per-order events", function () {
    it("emits each order's fill and release, a tie at the marginal bid split pro rata", async function () {
      const f = await networkHelpers.loadFixture(smallOrdersFixture);
      const slot = await openSlot(f.market);
      const sell = await place(f.market, f.alice, slot, Side.Sell, 15n, 5n, f.meterAlice.address);
      const carolBuy = await place(f.market, f.carol, slot, Side.Buy, 10n, 8n);
      const daveBuy = await place(f.market, f.dave, slot, Side.Buy, 10n, 8n);
      await time.increaseTo(await f.market.gateClosureOf(slot));
      // a* = 5, b* = 8, P = 6, Q = 15: the two bids at b* share 15 Wh, 7 each and the 1 Wh left to the
      // lower index. A buyer gets its lock (10 x 8) back less P x fill; the seller keeps 15 x 2 locked.
      const id = (s: { address: string }) => f.market.accountIdOf(s.address);
      const tx = f.market.clear(slot);
      await expect(tx)
        .to.emit(f.market, "OrderFilled")
        .withArgs(slot, await id(f.carol), carolBuy, 8n, 80n - 6n * 8n)
        .and.to.emit(f.market, "OrderFilled")
        .withArgs(slot, await id(f.dave), daveBuy, 7n, 80n - 6n * 7n)
        .and.to.emit(f.market, "OrderFilled")
        .withArgs(slot, await id(f.alice), sell, 15n, 0n)
        .and.to.emit(f.market, "SlotCleared")
        .withArgs(slot, 6n, 15n, 2n, 1n);
      expect(await fillsOf(f, tx)).to.have.length(3);
      expect(await f.market.balanceOf(f.carol.address)).to.deep.equal([DEPOSIT - 48n, 0n]);
      expect(await f.market.balanceOf(f.alice.address)).to.deep.equal([DEPOSIT - 30n, 30n]);
    });

    it("emits nothing for an evicted or a cancelled order, and the evicting order's fill under the same id", async function () {
      const f = await networkHelpers.loadFixture(oneOrderASideFixture);
      const slot = await openSlot(f.market);
      const evicted = await place(f.market, f.carol, slot, Side.Buy, 10n, 3n);
      await expect(f.market.connect(f.dave).placeOrder(slot, Side.Buy, 10n, 5n, ZERO))
        .to.emit(f.market, "OrderEvicted")
        .withArgs(evicted, f.carol.address, 30n);
      const cancelled = await place(f.market, f.bob, slot, Side.Sell, 10n, 2n, f.meterBob.address);
      await (await f.market.connect(f.bob).cancelOrder(cancelled)).wait();
      const sell = await place(
        f.market,
        f.alice,
        slot + 1n,
        Side.Sell,
        10n,
        2n,
        f.meterAlice.address,
      );
      await (await f.market.connect(f.dave).placeOrder(slot + 1n, Side.Buy, 10n, 5n, ZERO)).wait();
      await time.increaseTo(await f.market.gateClosureOf(slot));
      // Dave's order took the evicted one's id; bob's cancelled sell is no live order: nothing traded.
      expect(await fillsOf(f, f.market.clear(slot))).to.deep.equal([
        [evicted, await f.market.accountIdOf(f.dave.address), 0n, 50n],
      ]);
      await time.increaseTo(await f.market.gateClosureOf(slot + 1n));
      // P = floor((2 + 5) / 2) = 3: the buyer pays 30 of its 50.
      expect(await fillsOf(f, f.market.clear(slot + 1n))).to.deep.equal([
        [orderIdOf(slot + 1n, Side.Buy, 0n), await f.market.accountIdOf(f.dave.address), 10n, 20n],
        [sell, await f.market.accountIdOf(f.alice.address), 10n, 0n],
      ]);
    });
  });

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
