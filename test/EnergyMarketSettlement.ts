import { expect } from "chai";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";

import {
  COLLATERAL_PER_WH,
  DEPOSIT,
  MAX_ORDERS_PER_SLOT,
  PENALTY_PER_WH,
  Side,
  SlotStatus,
  clearSlot,
  deployMarket,
  fixtureAccounts,
  liabilities,
  marketFixture,
  openSlot,
  place,
  settleSlot,
  submitReading,
  type MarketFixture,
} from "./helpers/market.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const { time } = networkHelpers;
const timeTo = async (t: bigint) => {
  await time.increaseTo(t);
};

async function expectSolvent(f: MarketFixture) {
  const held = await f.token.balanceOf(await f.market.getAddress());
  expect(held).to.equal(await liabilities(f.market, fixtureAccounts(f)));
}

/** Dave buys 100 Wh at up to 10, bob sells 100 Wh at 4 or more from his meter: P = 7, Q = 100. */
async function tradedSlot(f: MarketFixture) {
  const slot = await openSlot(f.market);
  const buy = await place(f.market, f.dave, slot, Side.Buy, 100n, 10n);
  const sell = await place(f.market, f.bob, slot, Side.Sell, 100n, 4n, f.meterBob.address);
  await clearSlot(f, time, slot);
  return { slot, buy, sell };
}

describe("EnergyMarket: settlement", function () {
  it("pays the seller P x fill and releases the collateral when the meter delivered it all", async function () {
    const f = await networkHelpers.loadFixture(marketFixture);
    const { slot } = await tradedSlot(f);
    await submitReading(f, timeTo, f.meterBob, slot, 150n);
    await time.increaseTo(await f.market.readingWindowEnd(slot));
    await expect(f.market.settle(slot))
      .to.emit(f.market, "SlotSettled")
      .withArgs(slot, 100n, 0n, 0n);
    expect(await f.market.balanceOf(f.bob.address)).to.deep.equal([DEPOSIT + 700n, 0n]);
    expect(await f.market.balanceOf(f.gridAccount.address)).to.deep.equal([0n, 0n]);
    expect(await f.market.escrowed()).to.equal(0n);
    expect((await f.market.slotInfo(slot)).status).to.equal(BigInt(SlotStatus.Settled));
    await expectSolvent(f);
  });

  it("pays the grid for a shortfall and charges the seller's collateral the penalty", async function () {
    const f = await networkHelpers.loadFixture(marketFixture);
    const { slot } = await tradedSlot(f);
    const daveBefore = await f.market.balanceOf(f.dave.address);
    await submitReading(f, timeTo, f.meterBob, slot, 60n);
    await time.increaseTo(await f.market.readingWindowEnd(slot));
    // Shortfall 40 Wh: penalty min(40 x 5, 100 x 2) = 200.
    const penalty = 40n * PENALTY_PER_WH;
    await expect(f.market.settle(slot))
      .to.emit(f.market, "SlotSettled")
      .withArgs(slot, 60n, 40n, penalty);
    const collateral = 100n * COLLATERAL_PER_WH;
    expect(await f.market.balanceOf(f.bob.address)).to.deep.equal([
      DEPOSIT - collateral + 7n * 60n + collateral - penalty,
      0n,
    ]);
    expect(await f.market.balanceOf(f.gridAccount.address)).to.deep.equal([7n * 40n + penalty, 0n]);
    // The buyer is not affected by the seller's shortfall.
    expect(await f.market.balanceOf(f.dave.address)).to.deep.equal(daveBefore);
    await expectSolvent(f);
  });

  it("caps the penalty at the order's collateral, and counts a missing reading as nothing exported", async function () {
    const f = await networkHelpers.loadFixture(marketFixture);
    const { slot } = await tradedSlot(f);
    await time.increaseTo(await f.market.readingWindowEnd(slot));
    const collateral = 100n * COLLATERAL_PER_WH;
    await expect(f.market.settle(slot))
      .to.emit(f.market, "SlotSettled")
      .withArgs(slot, 0n, 100n, collateral);
    expect(await f.market.balanceOf(f.bob.address)).to.deep.equal([DEPOSIT - collateral, 0n]);
    expect(await f.market.balanceOf(f.gridAccount.address)).to.deep.equal([700n + collateral, 0n]);
    await expectSolvent(f);
  });

  it("assigns a meter's export to its sell orders in ascending order id", async function () {
    const f = await networkHelpers.loadFixture(marketFixture);
    const slot = await openSlot(f.market);
    await place(f.market, f.dave, slot, Side.Buy, 120n, 10n);
    // The later order has the better price but the higher id: it is served second.
    await place(f.market, f.alice, slot, Side.Sell, 60n, 4n, f.meterAlice.address);
    await place(f.market, f.alice, slot, Side.Sell, 60n, 3n, f.meterAlice.address);
    await clearSlot(f, time, slot);
    await submitReading(f, timeTo, f.meterAlice, slot, 80n);
    const hook = await ethers.deployContract("MockSettlementHookMarket", [true]);
    await (await f.market.setSettlementHook(await hook.getAddress())).wait();
    await time.increaseTo(await f.market.readingWindowEnd(slot));
    // The second order fell 40 Wh short: penalty min(40 x 5, its collateral 60 x 2) = 120.
    await expect(f.market.settle(slot))
      .to.emit(f.market, "SlotSettled")
      .withArgs(slot, 80n, 40n, 120n);
    const deliveries = await hook.lastDeliveries();
    expect(deliveries.map((d) => [d.meter, d.deliveredWh])).to.deep.equal([
      [f.meterAlice.address, 60n],
      [f.meterAlice.address, 20n],
    ]);
    await expectSolvent(f);
  });

  it("refuses to settle before the reading window closed, and settles from then on (t-1, t)", async function () {
    const f = await networkHelpers.loadFixture(marketFixture);
    const { slot } = await tradedSlot(f);
    const windowEnd = await f.market.readingWindowEnd(slot);
    expect(windowEnd).to.equal(await f.registry.readingWindowEnd(slot));
    await time.setNextBlockTimestamp(windowEnd - 1n);
    await expect(f.market.settle(slot))
      .to.be.revertedWithCustomError(f.market, "MarketReadingWindowOpen")
      .withArgs(slot, windowEnd, windowEnd - 1n);
    await time.setNextBlockTimestamp(windowEnd);
    await expect(f.market.settle(slot)).to.emit(f.market, "SlotSettled");
  });

  it("refuses to settle a slot that is not cleared, or twice", async function () {
    const f = await networkHelpers.loadFixture(marketFixture);
    const slot = await openSlot(f.market);
    await expect(f.market.settle(slot))
      .to.be.revertedWithCustomError(f.market, "MarketSlotNotCleared")
      .withArgs(slot, SlotStatus.None);
    await place(f.market, f.dave, slot, Side.Buy, 100n, 10n);
    await place(f.market, f.bob, slot, Side.Sell, 100n, 4n, f.meterBob.address);
    await expect(f.market.settle(slot))
      .to.be.revertedWithCustomError(f.market, "MarketSlotNotCleared")
      .withArgs(slot, SlotStatus.Open);
    await clearSlot(f, time, slot);
    await settleSlot(f, time, slot);
    await expect(f.market.settle(slot))
      .to.be.revertedWithCustomError(f.market, "MarketSlotNotCleared")
      .withArgs(slot, SlotStatus.Settled);
  });

  describe("settlement hook", function () {
    it("hands the hook every filled buy order and every filled sell order's delivery", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      const hook = await ethers.deployContract("MockSettlementHookMarket", [true]);
      await expect(f.market.setSettlementHook(await hook.getAddress()))
        .to.emit(f.market, "SettlementHookSet")
        .withArgs(await hook.getAddress());
      expect(await f.market.settlementHook()).to.equal(await hook.getAddress());
      const slot = await openSlot(f.market);
      await place(f.market, f.dave, slot, Side.Buy, 70n, 10n);
      await place(f.market, f.carol, slot, Side.Buy, 30n, 9n);
      await place(f.market, f.carol, slot, Side.Buy, 30n, 1n); // unfilled: not reported
      await place(f.market, f.bob, slot, Side.Sell, 100n, 4n, f.meterBob.address);
      await clearSlot(f, time, slot);
      await submitReading(f, timeTo, f.meterBob, slot, 90n);
      await settleSlot(f, time, slot);
      expect(await hook.callCount()).to.equal(1n);
      const call = await hook.callAt(0n);
      expect([call.slot, call.clearedWh]).to.deep.equal([slot, 100n]);
      expect((await hook.lastBuyers()).map((b) => [b.buyer, b.filledWh])).to.deep.equal([
        [f.dave.address, 70n],
        [f.carol.address, 30n],
      ]);
      expect((await hook.lastDeliveries()).map((d) => [d.meter, d.deliveredWh])).to.deep.equal([
        [f.meterBob.address, 90n],
      ]);
    });

    it("is set once, by the admin, to a non-zero address", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      const hook = await ethers.deployContract("MockSettlementHookMarket", [true]);
      await expect(f.market.connect(f.operator).setSettlementHook(await hook.getAddress()))
        .to.be.revertedWithCustomError(f.market, "AccessControlUnauthorizedAccount")
        .withArgs(f.operator.address, ethers.ZeroHash);
      await expect(f.market.setSettlementHook(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        f.market,
        "MarketZeroAddress",
      );
      await (await f.market.setSettlementHook(await hook.getAddress())).wait();
      await expect(f.market.setSettlementHook(f.alice.address))
        .to.be.revertedWithCustomError(f.market, "MarketHookAlreadySet")
        .withArgs(await hook.getAddress());
    });

    it("is refused when a full slot could not settle in one transaction with the hook", async function () {
      const f = await deployMarket(connection, { maxOrdersPerSlot: MAX_ORDERS_PER_SLOT + 1n });
      const hook = await ethers.deployContract("MockSettlementHookMarket", [true]);
      await expect(f.market.setSettlementHook(await hook.getAddress()))
        .to.be.revertedWithCustomError(f.market, "MarketCapTooHighForHook")
        .withArgs(MAX_ORDERS_PER_SLOT + 1n, await f.market.MAX_ORDERS_PER_SLOT_WITH_HOOK());
      expect(await f.market.MAX_ORDERS_PER_SLOT_WITH_HOOK()).to.equal(MAX_ORDERS_PER_SLOT);
    });
  });

  describe("isSlotFinal", function () {
    it("follows a slot from open to settled", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      const { slot } = await tradedSlot(f);
      expect(await f.market.isSlotFinal(slot)).to.equal(false);
      await settleSlot(f, time, slot);
      expect(await f.market.isSlotFinal(slot)).to.equal(true);
    });

    it("is true for a slot without orders once its reading window closed (t-1, t)", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      const slot = await openSlot(f.market);
      const windowEnd = await f.market.readingWindowEnd(slot);
      await time.increaseTo(windowEnd - 1n);
      expect(await f.market.isSlotFinal(slot)).to.equal(false);
      await time.increaseTo(windowEnd);
      expect(await f.market.isSlotFinal(slot)).to.equal(true);
    });

    it("is false for a cleared slot after its window until someone settles it", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      const { slot } = await tradedSlot(f);
      await time.increaseTo((await f.market.readingWindowEnd(slot)) + 1000n);
      expect(await f.market.isSlotFinal(slot)).to.equal(false);
    });
  });

  describe("grid operator account", function () {
    it("is changed by the admin and receives later shortfall payments", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      await expect(f.market.setGridOperatorAccount(f.carol.address))
        .to.emit(f.market, "GridOperatorAccountSet")
        .withArgs(f.carol.address);
      expect(await f.market.gridOperatorAccount()).to.equal(f.carol.address);
      const { slot } = await tradedSlot(f);
      await settleSlot(f, time, slot);
      expect((await f.market.balanceOf(f.carol.address)).free).to.equal(DEPOSIT + 700n + 200n);
    });

    it("refuses a non-admin and the zero address", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      await expect(f.market.connect(f.operator).setGridOperatorAccount(f.carol.address))
        .to.be.revertedWithCustomError(f.market, "AccessControlUnauthorizedAccount")
        .withArgs(f.operator.address, ethers.ZeroHash);
      await expect(
        f.market.setGridOperatorAccount(ethers.ZeroAddress),
      ).to.be.revertedWithCustomError(f.market, "MarketZeroAddress");
    });
  });

  describe("ring of slot books", function () {
    const RING = 256n;

    it("refuses the first order of a slot whose ring position holds an unsettled older slot", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      const { slot, buy } = await tradedSlot(f);
      const later = slot + RING;
      // `later` opens for orders once the current slot reaches later - horizon.
      await time.increaseTo(await f.registry.slotStart(later - (await f.market.horizonSlots())));
      await expect(
        f.market.connect(f.alice).placeOrder(later, Side.Buy, 10n, 1n, ethers.ZeroAddress),
      )
        .to.be.revertedWithCustomError(f.market, "MarketRingSlotBusy")
        .withArgs(later, slot);
      expect(await f.market.fillOf(buy)).to.equal(100n);
      // Anyone settles the old slot; then the position is free.
      await (await f.market.connect(f.carol).settle(slot)).wait();
      await place(f.market, f.alice, later, Side.Buy, 10n, 1n);
      // The old slot's data is gone from the views; it is final.
      await expect(f.market.slotInfo(slot))
        .to.be.revertedWithCustomError(f.market, "MarketSlotRecycled")
        .withArgs(slot, later);
      await expect(f.market.orderOf(buy))
        .to.be.revertedWithCustomError(f.market, "MarketSlotRecycled")
        .withArgs(slot, later);
      expect(await f.market.isSlotFinal(slot)).to.equal(true);
      expect((await f.market.slotInfo(later)).buyOrders).to.equal(1n);
    });

    it("reuses a position whose old slot never got cleared once anyone clears it", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      const slot = await openSlot(f.market);
      await place(f.market, f.dave, slot, Side.Buy, 100n, 10n);
      const later = slot + RING;
      await time.increaseTo(await f.registry.slotStart(later - (await f.market.horizonSlots())));
      await expect(
        f.market.connect(f.alice).placeOrder(later, Side.Buy, 10n, 1n, ethers.ZeroAddress),
      ).to.be.revertedWithCustomError(f.market, "MarketRingSlotBusy");
      await (await f.market.clear(slot)).wait();
      const id = await place(f.market, f.alice, later, Side.Buy, 10n, 1n);
      // The new slot's order 0 overwrote the old one's word: it belongs to alice now.
      expect((await f.market.orderOf(id)).account).to.equal(f.alice.address);
      expect(await f.market.balanceOf(f.dave.address)).to.deep.equal([DEPOSIT, 0n]);
    });
  });

  describe("parameters", function () {
    const next = { minOrderWh: 50n, sellerCollateralPerWh: 9n, penaltyPerWh: 11n };

    it("applies a change from the slot after the horizon only", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      const last = await f.market.lastOpenSlot();
      await expect(f.market.connect(f.operator).setParams(next))
        .to.emit(f.market, "ParamsScheduled")
        .withArgs([50n, 9n, 11n], last + 1n);
      expect(await f.market.paramsForSlot(last)).to.deep.equal([
        10n,
        COLLATERAL_PER_WH,
        PENALTY_PER_WH,
      ]);
      expect(await f.market.paramsForSlot(last + 1n)).to.deep.equal([50n, 9n, 11n]);
      const [current, pending, activation] = await f.market.params();
      expect(current).to.deep.equal([10n, COLLATERAL_PER_WH, PENALTY_PER_WH]);
      expect(pending).to.deep.equal([50n, 9n, 11n]);
      expect(activation).to.equal(last + 1n);
    });

    it("never changes what an open slot locked (snapshot at its first order)", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      const slot = await f.market.lastOpenSlot();
      const id = await place(f.market, f.alice, slot, Side.Sell, 100n, 5n, f.meterAlice.address);
      await (await f.market.connect(f.operator).setParams(next)).wait();
      // Even a later change that would apply to this slot number leaves its snapshot alone.
      await time.increaseTo(await f.registry.slotStart(slot));
      expect(await f.market.paramsForSlot(slot)).to.deep.equal([
        10n,
        COLLATERAL_PER_WH,
        PENALTY_PER_WH,
      ]);
      expect((await f.market.slotInfo(slot)).params.sellerCollateralPerWh).to.equal(
        COLLATERAL_PER_WH,
      );
      expect(await f.market.fillOf(id)).to.equal(0n);
    });

    it("makes the pending change current once its activation slot is reached", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      await (await f.market.connect(f.operator).setParams(next)).wait();
      const [, , activation] = await f.market.params();
      await time.increaseTo(await f.registry.slotStart(activation));
      const third = { minOrderWh: 20n, sellerCollateralPerWh: 0n, penaltyPerWh: 0n };
      await (await f.market.connect(f.operator).setParams(third)).wait();
      const [current, pending] = await f.market.params();
      expect(current).to.deep.equal([50n, 9n, 11n]);
      expect(pending).to.deep.equal([20n, 0n, 0n]);
      // A slot now open but before the new activation uses the promoted parameters.
      const slot = await openSlot(f.market);
      await expect(
        f.market.connect(f.alice).placeOrder(slot, Side.Buy, 49n, 1n, ethers.ZeroAddress),
      )
        .to.be.revertedWithCustomError(f.market, "MarketOrderTooSmall")
        .withArgs(49n, 50n);
    });

    it("replaces a change that is still pending", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      await (await f.market.connect(f.operator).setParams(next)).wait();
      const other = { minOrderWh: 30n, sellerCollateralPerWh: 1n, penaltyPerWh: 1n };
      await (await f.market.connect(f.operator).setParams(other)).wait();
      const [current, pending] = await f.market.params();
      expect(current).to.deep.equal([10n, COLLATERAL_PER_WH, PENALTY_PER_WH]);
      expect(pending).to.deep.equal([30n, 1n, 1n]);
    });

    it("refuses a caller without the grid operator role", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      await expect(f.market.connect(f.alice).setParams(next))
        .to.be.revertedWithCustomError(f.market, "AccessControlUnauthorizedAccount")
        .withArgs(f.alice.address, await f.market.GRID_OPERATOR_ROLE());
    });

    it("refuses parameters out of bounds", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      const cases = [
        [{ ...next, minOrderWh: 0n }, [0n, 1n, 100_000n]],
        [{ ...next, minOrderWh: 100_001n }, [100_001n, 1n, 100_000n]],
        [{ ...next, sellerCollateralPerWh: 1_000_001n }, [1_000_001n, 0n, 1_000_000n]],
        [{ ...next, penaltyPerWh: 1_000_001n }, [1_000_001n, 0n, 1_000_000n]],
      ] as const;
      for (const [params, args] of cases) {
        await expect(f.market.connect(f.operator).setParams(params))
          .to.be.revertedWithCustomError(f.market, "MarketParamOutOfBounds")
          .withArgs(...args);
      }
      // The bounds themselves are allowed.
      await (
        await f.market.connect(f.operator).setParams({
          minOrderWh: 100_000n,
          sellerCollateralPerWh: 1_000_000n,
          penaltyPerWh: 1_000_000n,
        })
      ).wait();
    });
  });

  it("settles a market without collateral or penalty: the grid is paid for the shortfall only", async function () {
    const f = await networkHelpers.loadFixture(function zeroCollateral(
      connection: NetworkConnection,
    ) {
      return deployMarket(connection, {
        params: { minOrderWh: 1n, sellerCollateralPerWh: 0n, penaltyPerWh: 0n },
      });
    });
    const slot = await openSlot(f.market);
    await place(f.market, f.dave, slot, Side.Buy, 10n, 8n);
    await place(f.market, f.bob, slot, Side.Sell, 10n, 5n, f.meterBob.address);
    expect(await f.market.balanceOf(f.bob.address)).to.deep.equal([DEPOSIT, 0n]);
    await clearSlot(f, time, slot);
    await submitReading(f, timeTo, f.meterBob, slot, 4n);
    await settleSlot(f, time, slot);
    expect(await f.market.balanceOf(f.bob.address)).to.deep.equal([DEPOSIT + 6n * 4n, 0n]);
    expect(await f.market.balanceOf(f.gridAccount.address)).to.deep.equal([6n * 6n, 0n]);
    await expectSolvent(f);
  });
});
