import { expect } from "chai";
import { network } from "hardhat";

import {
  CHANGE_DELAY_SLOTS,
  COLLATERAL_PER_WH,
  DEFAULT_PARAMS,
  DEPOSIT,
  GATE_CLOSURE_SECONDS,
  HORIZON_SLOTS,
  MAX_ORDERS_PER_SLOT,
  MIN_ORDER_WH,
  READING_WINDOW,
  SLOT_LENGTH,
  Side,
  deployMarket,
  freeOf,
  lockedOf,
  marketFixture,
  openSlot,
  orderIdOf,
  place,
} from "../fixtures/market.js";
import type { NetworkConnection } from "hardhat/types/network";

const { ethers, networkHelpers } = await network.create();
const ZERO = ethers.ZeroAddress;

describe("EnergyMarket: deployment, money, orders", function () {
  describe("deployment", function () {
    it("exposes its configuration", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      expect(await f.market.token()).to.equal(await f.token.getAddress());
      expect(await f.market.registry()).to.equal(await f.registry.getAddress());
      expect(await f.market.gridOperatorAccount()).to.equal(f.gridAccount.address);
      expect(await f.market.settlementHook()).to.equal(ZERO);
      expect(await f.market.horizonSlots()).to.equal(HORIZON_SLOTS);
      expect(await f.market.gateClosureSeconds()).to.equal(GATE_CLOSURE_SECONDS);
      expect(await f.market.maxOrdersPerSlot()).to.equal(MAX_ORDERS_PER_SLOT);
      const [current, , activation] = await f.market.params();
      expect(current.minOrderWh).to.equal(MIN_ORDER_WH);
      expect(current.sellerCollateralPerWh).to.equal(COLLATERAL_PER_WH);
      expect(activation).to.equal(0n);
      expect(
        await f.market.hasRole(await f.market.GRID_OPERATOR_ROLE(), f.operator.address),
      ).to.equal(true);
      expect(await f.market.hasRole(ethers.ZeroHash, f.admin.address)).to.equal(true);
      expect(await f.market.currentSlot()).to.equal(await f.registry.currentSlot());
      expect(await f.market.lastOpenSlot()).to.equal(
        (await f.registry.currentSlot()) + HORIZON_SLOTS,
      );
      expect(await f.market.readingWindowEnd(5n)).to.equal(await f.registry.readingWindowEnd(5n));
      expect(await f.market.gateClosureOf(5n)).to.equal(
        (await f.registry.slotStart(5n)) - GATE_CLOSURE_SECONDS,
      );
    });

    async function deployWith(overrides: Record<string, unknown>) {
      const f = await networkHelpers.loadFixture(marketFixture);
      const config = {
        token: await f.token.getAddress(),
        registry: await f.registry.getAddress(),
        admin: f.admin.address,
        gridOperator: f.operator.address,
        gridOperatorAccount: f.gridAccount.address,
        horizonSlots: HORIZON_SLOTS,
        gateClosureSeconds: GATE_CLOSURE_SECONDS,
        maxOrdersPerSlot: MAX_ORDERS_PER_SLOT,
        params: DEFAULT_PARAMS,
        ...overrides,
      };
      const factory = await ethers.getContractFactory("EnergyMarket");
      return { f, factory, deploy: () => factory.deploy(config) };
    }

    it("refuses a ring too short for horizon plus settlement lag", async function () {
      // Reading window 3600 s = 4 slots, so the lag is 5 slots: 250 + 5 >= 256.
      const { factory, deploy } = await deployWith({ horizonSlots: 251n });
      await expect(deploy())
        .to.be.revertedWithCustomError(factory, "MarketInvalidConfig")
        .withArgs(251n, 5n, MAX_ORDERS_PER_SLOT);
      // Horizon 250 fits the ring; it needs a registry whose changes wait longer than that.
      const ok = await deployWith({ horizonSlots: 250n });
      const [genesis] = await ok.f.registry.slotClock();
      const slowRegistry = await ethers.deployContract("MeterRegistry", [
        ok.f.admin.address,
        genesis,
        SLOT_LENGTH,
        READING_WINDOW,
        251n,
      ]);
      const config = {
        token: await ok.f.token.getAddress(),
        registry: await slowRegistry.getAddress(),
        admin: ok.f.admin.address,
        gridOperator: ok.f.operator.address,
        gridOperatorAccount: ok.f.gridAccount.address,
        horizonSlots: 250n,
        gateClosureSeconds: GATE_CLOSURE_SECONDS,
        maxOrdersPerSlot: MAX_ORDERS_PER_SLOT,
        params: DEFAULT_PARAMS,
      };
      await expect(ok.factory.deploy(config)).to.not.be.revert(ethers);
      await expect(ok.deploy())
        .to.be.revertedWithCustomError(factory, "MarketChangeDelayTooShort")
        .withArgs(CHANGE_DELAY_SLOTS, 250n);
    });

    it("refuses a registry whose changes could reach an open slot (changeDelaySlots <= horizon)", async function () {
      const { factory, deploy } = await deployWith({ horizonSlots: CHANGE_DELAY_SLOTS });
      await expect(deploy())
        .to.be.revertedWithCustomError(factory, "MarketChangeDelayTooShort")
        .withArgs(CHANGE_DELAY_SLOTS, CHANGE_DELAY_SLOTS);
      const ok = await deployWith({ horizonSlots: CHANGE_DELAY_SLOTS - 1n });
      await expect(ok.deploy()).to.not.be.revert(ethers);
    });

    it("refuses a zero horizon, a zero cap and a cap above the maximum", async function () {
      for (const [overrides, args] of [
        [{ horizonSlots: 0n }, [0n, 5n, MAX_ORDERS_PER_SLOT]],
        [{ maxOrdersPerSlot: 0n }, [96n, 5n, 0n]],
        [{ maxOrdersPerSlot: 1n }, [96n, 5n, 1n]],
        [{ maxOrdersPerSlot: 1_001n }, [96n, 5n, 1_001n]],
        [{ gateClosureSeconds: 96n * 900n }, [96n, 5n, MAX_ORDERS_PER_SLOT]],
      ] as const) {
        const { factory, deploy } = await deployWith(overrides);
        await expect(deploy())
          .to.be.revertedWithCustomError(factory, "MarketInvalidConfig")
          .withArgs(...args);
      }
    });

    it("refuses zero addresses and out-of-bounds parameters", async function () {
      for (const key of ["token", "admin", "gridOperator", "gridOperatorAccount"]) {
        const { factory, deploy } = await deployWith({ [key]: ZERO });
        await expect(deploy()).to.be.revertedWithCustomError(factory, "MarketZeroAddress");
      }
      const { factory, deploy } = await deployWith({
        params: { ...DEFAULT_PARAMS, minOrderWh: 0n },
      });
      await expect(deploy())
        .to.be.revertedWithCustomError(factory, "MarketParamOutOfBounds")
        .withArgs(0n, 1n, 100_000n);
    });
  });

  describe("deposit and withdraw", function () {
    it("credits a deposit to the free balance and opens the account once", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      const [, , , , , , , eve] = await ethers.getSigners();
      await (await f.token.mint(eve.address, 500n)).wait();
      await (await f.token.connect(eve).approve(await f.market.getAddress(), 500n)).wait();
      const id = (await f.market.accountIdOf(f.dave.address)) + 1n;
      await expect(f.market.connect(eve).deposit(300n))
        .to.emit(f.market, "AccountOpened")
        .withArgs(eve.address, id)
        .and.to.emit(f.market, "Deposited")
        .withArgs(eve.address, eve.address, 300n);
      await expect(f.market.connect(eve).deposit(200n)).to.not.emit(f.market, "AccountOpened");
      expect(await f.market.balanceOf(eve.address)).to.deep.equal([500n, 0n]);
      expect(await f.market.accountIdOf(eve.address)).to.equal(id);
    });

    it("deposits for another account", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      await (await f.token.mint(f.admin.address, 70n)).wait();
      await (await f.token.approve(await f.market.getAddress(), 70n)).wait();
      await expect(f.market.depositFor(f.alice.address, 70n))
        .to.emit(f.market, "Deposited")
        .withArgs(f.alice.address, f.admin.address, 70n);
      expect(await freeOf(f.market, f.alice.address)).to.equal(DEPOSIT + 70n);
      await expect(f.market.depositFor(ZERO, 1n)).to.be.revertedWithCustomError(
        f.market,
        "MarketZeroAddress",
      );
    });

    it("refuses zero amounts", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      await expect(f.market.connect(f.alice).deposit(0n)).to.be.revertedWithCustomError(
        f.market,
        "MarketZeroAmount",
      );
      await expect(f.market.connect(f.alice).withdraw(0n)).to.be.revertedWithCustomError(
        f.market,
        "MarketZeroAmount",
      );
    });

    it("withdraws from the free balance", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      const tx = f.market.connect(f.alice).withdraw(123n);
      await expect(tx).to.emit(f.market, "Withdrawn").withArgs(f.alice.address, 123n);
      await expect(tx).to.changeTokenBalances(ethers, f.token, [f.alice, f.market], [123n, -123n]);
      expect(await freeOf(f.market, f.alice.address)).to.equal(DEPOSIT - 123n);
    });

    it("never withdraws locked funds", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      const slot = await openSlot(f.market);
      await place(f.market, f.alice, slot, Side.Buy, 1000n, DEPOSIT / 1000n - 1n);
      const free = await freeOf(f.market, f.alice.address);
      expect(free).to.equal(1000n);
      await expect(f.market.connect(f.alice).withdraw(free + 1n))
        .to.be.revertedWithCustomError(f.market, "MarketInsufficientBalance")
        .withArgs(f.alice.address, free, free + 1n);
    });

    it("refuses a withdrawal from an account that never deposited", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      await expect(f.market.connect(f.operator).withdraw(1n))
        .to.be.revertedWithCustomError(f.market, "MarketInsufficientBalance")
        .withArgs(f.operator.address, 0n, 1n);
    });

    it("refuses re-entrancy from the token", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      const evil = await ethers.deployContract("ReentrantMarketToken");
      const market = await ethers.deployContract("EnergyMarket", [
        {
          token: await evil.getAddress(),
          registry: await f.registry.getAddress(),
          admin: f.admin.address,
          gridOperator: f.operator.address,
          gridOperatorAccount: f.gridAccount.address,
          horizonSlots: HORIZON_SLOTS,
          gateClosureSeconds: GATE_CLOSURE_SECONDS,
          maxOrdersPerSlot: MAX_ORDERS_PER_SLOT,
          params: DEFAULT_PARAMS,
        },
      ]);
      await (await evil.mint(f.admin.address, 1000n)).wait();
      await (await evil.approve(await market.getAddress(), 1000n)).wait();
      await (await market.deposit(500n)).wait();
      // The token calls deposit again from inside the transfer of a deposit: refused.
      await (
        await evil.arm(
          await market.getAddress(),
          market.interface.encodeFunctionData("deposit", [1n]),
        )
      ).wait();
      await expect(market.deposit(100n)).to.be.revertedWithCustomError(
        market,
        "ReentrancyGuardReentrantCall",
      );
      // ... and withdraw from inside the transfer of a withdrawal.
      await (
        await evil.arm(
          await market.getAddress(),
          market.interface.encodeFunctionData("withdraw", [1n]),
        )
      ).wait();
      await expect(market.withdraw(100n)).to.be.revertedWithCustomError(
        market,
        "ReentrancyGuardReentrantCall",
      );
      expect(await market.balanceOf(f.admin.address)).to.deep.equal([500n, 0n]);
    });
  });

  describe("placeOrder", function () {
    it("locks quantity x limit for a buy and numbers orders per side", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      const slot = await openSlot(f.market);
      await expect(f.market.connect(f.alice).placeOrder(slot, Side.Buy, 100n, 7n, ZERO))
        .to.emit(f.market, "OrderPlaced")
        .withArgs(
          orderIdOf(slot, Side.Buy, 0n),
          f.alice.address,
          slot,
          Side.Buy,
          100n,
          7n,
          0n,
          700n,
        );
      expect(await place(f.market, f.bob, slot, Side.Buy, 10n, 1n)).to.equal(
        orderIdOf(slot, Side.Buy, 1n),
      );
      expect(await place(f.market, f.bob, slot, Side.Sell, 10n, 1n, f.meterBob.address)).to.equal(
        orderIdOf(slot, Side.Sell, 0n),
      );
      expect(await f.market.balanceOf(f.alice.address)).to.deep.equal([DEPOSIT - 700n, 700n]);
      const order = await f.market.orderOf(orderIdOf(slot, Side.Buy, 0n));
      expect(order.account).to.equal(f.alice.address);
      expect(order.side).to.equal(BigInt(Side.Buy));
      expect(order.status).to.equal(1n);
      expect(order.quantityWh).to.equal(100n);
      expect(order.limitPrice).to.equal(7n);
      expect(order.filledWh).to.equal(0n);
      const info = await f.market.slotInfo(slot);
      expect(info.status).to.equal(1n);
      expect(info.buyOrders).to.equal(2n);
      expect(info.sellOrders).to.equal(1n);
    });

    it("locks quantity x collateral for a sell from the seller's meter", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      const slot = await openSlot(f.market);
      const index = (await f.registry.meterOf(f.meterAlice.address)).index;
      await expect(
        f.market.connect(f.alice).placeOrder(slot, Side.Sell, 500n, 3n, f.meterAlice.address),
      )
        .to.emit(f.market, "OrderPlaced")
        .withArgs(
          orderIdOf(slot, Side.Sell, 0n),
          f.alice.address,
          slot,
          Side.Sell,
          500n,
          3n,
          index,
          500n * COLLATERAL_PER_WH,
        );
      expect(await lockedOf(f.market, f.alice.address)).to.equal(500n * COLLATERAL_PER_WH);
      expect((await f.market.orderOf(orderIdOf(slot, Side.Sell, 0n))).meter).to.equal(
        f.meterAlice.address,
      );
    });

    it("accepts orders until gate closure, exclusive (t-1, t, t+1)", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      const slot = await openSlot(f.market);
      const gate = await f.market.gateClosureOf(slot);
      await networkHelpers.time.setNextBlockTimestamp(gate - 1n);
      await (await f.market.connect(f.alice).placeOrder(slot, Side.Buy, 10n, 1n, ZERO)).wait();
      await networkHelpers.time.setNextBlockTimestamp(gate);
      await expect(f.market.connect(f.alice).placeOrder(slot, Side.Buy, 10n, 1n, ZERO))
        .to.be.revertedWithCustomError(f.market, "MarketGateClosed")
        .withArgs(slot, gate, gate);
      await networkHelpers.time.setNextBlockTimestamp(gate + 1n);
      await expect(f.market.connect(f.alice).placeOrder(slot, Side.Buy, 10n, 1n, ZERO))
        .to.be.revertedWithCustomError(f.market, "MarketGateClosed")
        .withArgs(slot, gate, gate + 1n);
    });

    it("accepts slots up to the horizon and no further", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      const last = await f.market.lastOpenSlot();
      // Stay inside the current slot so the horizon does not move between the two calls.
      await (await f.market.connect(f.alice).placeOrder(last, Side.Buy, 10n, 1n, ZERO)).wait();
      await expect(f.market.connect(f.alice).placeOrder(last + 1n, Side.Buy, 10n, 1n, ZERO))
        .to.be.revertedWithCustomError(f.market, "MarketBeyondHorizon")
        .withArgs(last + 1n, last);
    });

    it("refuses orders below the minimum size", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      const slot = await openSlot(f.market);
      await (
        await f.market.connect(f.alice).placeOrder(slot, Side.Buy, MIN_ORDER_WH, 1n, ZERO)
      ).wait();
      await expect(
        f.market.connect(f.alice).placeOrder(slot, Side.Buy, MIN_ORDER_WH - 1n, 1n, ZERO),
      )
        .to.be.revertedWithCustomError(f.market, "MarketOrderTooSmall")
        .withArgs(MIN_ORDER_WH - 1n, MIN_ORDER_WH);
      await expect(f.market.connect(f.alice).placeOrder(slot, Side.Buy, 0n, 1n, ZERO))
        .to.be.revertedWithCustomError(f.market, "MarketOrderTooSmall")
        .withArgs(0n, MIN_ORDER_WH);
    });

    it("refuses an order the free balance cannot lock", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      const slot = await openSlot(f.market);
      const price = DEPOSIT / 10n + 1n;
      await expect(f.market.connect(f.alice).placeOrder(slot, Side.Buy, 10n, price, ZERO))
        .to.be.revertedWithCustomError(f.market, "MarketInsufficientBalance")
        .withArgs(f.alice.address, DEPOSIT, 10n * price);
      await expect(f.market.connect(f.operator).placeOrder(slot, Side.Buy, 10n, 1n, ZERO))
        .to.be.revertedWithCustomError(f.market, "MarketInsufficientBalance")
        .withArgs(f.operator.address, 0n, 10n);
    });

    it("refuses a buy that names a meter", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      const slot = await openSlot(f.market);
      await expect(
        f.market.connect(f.alice).placeOrder(slot, Side.Buy, 10n, 1n, f.meterAlice.address),
      )
        .to.be.revertedWithCustomError(f.market, "MarketBuyWithMeter")
        .withArgs(f.meterAlice.address);
    });

    it("refuses a sell from someone else's meter", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      const slot = await openSlot(f.market);
      await expect(
        f.market.connect(f.bob).placeOrder(slot, Side.Sell, 10n, 1n, f.meterAlice.address),
      )
        .to.be.revertedWithCustomError(f.market, "MarketNotMeterOwner")
        .withArgs(f.meterAlice.address, f.alice.address, f.bob.address);
    });

    it("refuses a sell from a consumption, unknown, suspended or retired meter", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      const slot = await openSlot(f.market);
      const sell = (signer: typeof f.alice, meter: string) =>
        f.market.connect(signer).placeOrder(slot, Side.Sell, 10n, 1n, meter);
      await expect(sell(f.carol, f.meterCarol.address))
        .to.be.revertedWithCustomError(f.market, "MarketInvalidMeter")
        .withArgs(f.meterCarol.address, 0n, 1n);
      await expect(sell(f.carol, f.dave.address))
        .to.be.revertedWithCustomError(f.market, "MarketInvalidMeter")
        .withArgs(f.dave.address, 0n, 0n);
      await (await f.registry.suspendMeter(f.meterAlice.address)).wait();
      await expect(sell(f.alice, f.meterAlice.address))
        .to.be.revertedWithCustomError(f.market, "MarketInvalidMeter")
        .withArgs(f.meterAlice.address, 1n, 2n);
      // A retirement applies from a slot beyond the horizon: open slots still take the meter's sells.
      await (await f.registry.retireMeter(f.meterBob.address)).wait();
      await (await sell(f.bob, f.meterBob.address)).wait();
      const { fromSlot } = await f.registry.pendingChangeOf(f.meterBob.address);
      expect(fromSlot).to.be.greaterThan(await f.market.lastOpenSlot());
      await networkHelpers.time.increaseTo(await f.registry.slotStart(fromSlot - HORIZON_SLOTS));
      await expect(
        f.market.connect(f.bob).placeOrder(fromSlot, Side.Sell, 10n, 1n, f.meterBob.address),
      )
        .to.be.revertedWithCustomError(f.market, "MarketInvalidMeter")
        .withArgs(f.meterBob.address, 2n, 3n);
    });

    it("refuses a sell for a slot whose owner of record is another account", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      const { ratedCapacityW, zone } = await f.registry.meterOf(f.meterAlice.address);
      await (
        await f.registry.updateMeter(f.meterAlice.address, f.dave.address, ratedCapacityW, zone)
      ).wait();
      const { fromSlot } = await f.registry.pendingChangeOf(f.meterAlice.address);
      await networkHelpers.time.increaseTo(await f.registry.slotStart(fromSlot - HORIZON_SLOTS));
      await expect(
        f.market.connect(f.alice).placeOrder(fromSlot, Side.Sell, 10n, 1n, f.meterAlice.address),
      )
        .to.be.revertedWithCustomError(f.market, "MarketNotMeterOwner")
        .withArgs(f.meterAlice.address, f.dave.address, f.alice.address);
      await (
        await f.market
          .connect(f.alice)
          .placeOrder(fromSlot - 1n, Side.Sell, 10n, 1n, f.meterAlice.address)
      ).wait();
      await (
        await f.market
          .connect(f.dave)
          .placeOrder(fromSlot, Side.Sell, 10n, 1n, f.meterAlice.address)
      ).wait();
    });

    describe("order cap", function () {
      function cappedFixture(connection: NetworkConnection) {
        return deployMarket(connection, { maxOrdersPerSlot: 4n });
      }

      it("caps each side at half the slot's cap and reuses a cancelled order's index first", async function () {
        const f = await networkHelpers.loadFixture(cappedFixture);
        expect(await f.market.maxOrdersPerSide()).to.equal(2n);
        const slot = await openSlot(f.market);
        const first = await place(f.market, f.alice, slot, Side.Buy, 10n, 1n);
        await place(f.market, f.carol, slot, Side.Buy, 10n, 1n);
        // The buy side is full and the new bid is no better than its worst: refused.
        await expect(f.market.connect(f.dave).placeOrder(slot, Side.Buy, 10n, 1n, ZERO))
          .to.be.revertedWithCustomError(f.market, "MarketSlotFull")
          .withArgs(slot, 2n);
        // The sell side has its own half.
        await place(f.market, f.bob, slot, Side.Sell, 10n, 1n, f.meterBob.address);
        // A cancelled order frees its index: the same bid now goes in there, nobody is evicted.
        await (await f.market.connect(f.alice).cancelOrder(first)).wait();
        await expect(f.market.connect(f.dave).placeOrder(slot, Side.Buy, 10n, 1n, ZERO))
          .to.emit(f.market, "OrderPlaced")
          .withArgs(first, f.dave.address, slot, Side.Buy, 10n, 1n, 0, 10n)
          .and.not.to.emit(f.market, "OrderEvicted");
        expect((await f.market.slotInfo(slot)).buyOrders).to.equal(2n);
        // Another slot is not affected.
        await place(f.market, f.dave, slot + 1n, Side.Buy, 10n, 1n);
      });
    });
  });

  describe("cancelOrder", function () {
    it("releases a buy's lock at once", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      const slot = await openSlot(f.market);
      const id = await place(f.market, f.alice, slot, Side.Buy, 100n, 9n);
      await expect(f.market.connect(f.alice).cancelOrder(id))
        .to.emit(f.market, "OrderCancelled")
        .withArgs(id, f.alice.address, 900n);
      expect(await f.market.balanceOf(f.alice.address)).to.deep.equal([DEPOSIT, 0n]);
      expect((await f.market.orderOf(id)).status).to.equal(2n);
    });

    it("releases a sell's collateral at once", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      const slot = await openSlot(f.market);
      const id = await place(f.market, f.alice, slot, Side.Sell, 100n, 9n, f.meterAlice.address);
      await expect(f.market.connect(f.alice).cancelOrder(id))
        .to.emit(f.market, "OrderCancelled")
        .withArgs(id, f.alice.address, 100n * COLLATERAL_PER_WH);
      expect(await f.market.balanceOf(f.alice.address)).to.deep.equal([DEPOSIT, 0n]);
    });

    it("refuses someone else's order, a cancelled order and an unknown order", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      const slot = await openSlot(f.market);
      const id = await place(f.market, f.alice, slot, Side.Buy, 100n, 9n);
      await expect(f.market.connect(f.bob).cancelOrder(id))
        .to.be.revertedWithCustomError(f.market, "MarketNotOrderOwner")
        .withArgs(id, f.bob.address);
      await (await f.market.connect(f.alice).cancelOrder(id)).wait();
      await expect(f.market.connect(f.alice).cancelOrder(id))
        .to.be.revertedWithCustomError(f.market, "MarketOrderNotLive")
        .withArgs(id);
      const unknown = orderIdOf(slot, Side.Buy, 1n);
      await expect(f.market.connect(f.alice).cancelOrder(unknown))
        .to.be.revertedWithCustomError(f.market, "MarketUnknownOrder")
        .withArgs(unknown);
      const beyond = orderIdOf((await f.market.lastOpenSlot()) + 1n, Side.Buy, 0n);
      await expect(f.market.connect(f.alice).cancelOrder(beyond))
        .to.be.revertedWithCustomError(f.market, "MarketUnknownOrder")
        .withArgs(beyond);
      await expect(f.market.orderOf(unknown)).to.be.revertedWithCustomError(
        f.market,
        "MarketUnknownOrder",
      );
      const malformed = id | (1n << 40n);
      await expect(f.market.connect(f.alice).cancelOrder(malformed))
        .to.be.revertedWithCustomError(f.market, "OrderPackingMalformedId")
        .withArgs(malformed);
    });

    it("cancels until gate closure, exclusive (t-1, t, t+1)", async function () {
      const f = await networkHelpers.loadFixture(marketFixture);
      const slot = await openSlot(f.market);
      const ids = [
        await place(f.market, f.alice, slot, Side.Buy, 10n, 1n),
        await place(f.market, f.alice, slot, Side.Buy, 10n, 1n),
        await place(f.market, f.alice, slot, Side.Buy, 10n, 1n),
      ];
      const gate = await f.market.gateClosureOf(slot);
      await networkHelpers.time.setNextBlockTimestamp(gate - 1n);
      await (await f.market.connect(f.alice).cancelOrder(ids[0])).wait();
      await networkHelpers.time.setNextBlockTimestamp(gate);
      await expect(f.market.connect(f.alice).cancelOrder(ids[1]))
        .to.be.revertedWithCustomError(f.market, "MarketGateClosed")
        .withArgs(slot, gate, gate);
      await networkHelpers.time.setNextBlockTimestamp(gate + 1n);
      await expect(f.market.connect(f.alice).cancelOrder(ids[2]))
        .to.be.revertedWithCustomError(f.market, "MarketGateClosed")
        .withArgs(slot, gate, gate + 1n);
    });
  });
});
