/**
 * Adversarial: quantities and prices at the limits of their types (uint48 Wh, uint64 token base units per
 * Wh) and balances at 112 bits (the ledger word also holds the signed-order nonce). Attack: pick values whose products overflow the lock, payment, escrow or
 * balance arithmetic, to lock less than the order is worth or to wrap a balance. The market must compute
 * every product exactly (2^48 x 2^64 < 2^112) or refuse with a clear error.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { AbiCoder } from "ethers";

import {
  COLLATERAL_PER_WH,
  DEPOSIT,
  PENALTY_PER_WH,
  Side,
  advanceTo,
  openSlot,
  place,
  signReading,
} from "../../fixtures/market.js";
import { expectMarketBalanced, gridSystem, type GridSystem } from "../integration/system.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const { time } = networkHelpers;
const MAX_QUANTITY = 2n ** 48n - 1n;
const MAX_PRICE = 2n ** 64n - 1n;
const MAX_BALANCE = 2n ** 112n - 1n;

/** Mints `amount` to the trader and deposits it. */
async function topUp(s: GridSystem, trader: typeof s.alice, amount: bigint) {
  await (await s.token.mint(trader.address, amount)).wait();
  await (await s.token.connect(trader).approve(await s.market.getAddress(), amount)).wait();
  await (await s.market.connect(trader).deposit(amount)).wait();
}

describe("Adversarial: quantities, prices and balances at their type limits", function () {
  it("locks, clears, escrows and settles uint48-max Wh at a uint64-max price exactly", async function () {
    const s = await networkHelpers.loadFixture(gridSystem);
    const { market } = s;
    const lock = MAX_QUANTITY * MAX_PRICE;
    const collateral = MAX_QUANTITY * COLLATERAL_PER_WH;
    await topUp(s, s.carol, lock);
    await topUp(s, s.alice, collateral);
    const slot = await openSlot(market);
    await place(market, s.carol, slot, Side.Buy, MAX_QUANTITY, MAX_PRICE);
    await place(market, s.alice, slot, Side.Sell, MAX_QUANTITY, MAX_PRICE, s.meterAlice.address);
    expect(await market.balanceOf(s.carol.address)).to.deep.equal([DEPOSIT, lock]);
    expect(await market.balanceOf(s.alice.address)).to.deep.equal([DEPOSIT, collateral]);
    await expectMarketBalanced(s);

    await advanceTo(s, time, await market.gateClosureOf(slot));
    await expect(market.clear(slot))
      .to.emit(market, "SlotCleared")
      .withArgs(slot, MAX_PRICE, MAX_QUANTITY, 1n, 1n);
    expect(await market.escrowed()).to.equal(lock);
    expect(await market.balanceOf(s.carol.address)).to.deep.equal([DEPOSIT, 0n]);
    await expectMarketBalanced(s);

    // The meter can export at most its capacity: the rest is a shortfall the grid is paid for.
    const exported = await s.registry.maxWhPerSlot(s.meterAlice.address);
    await advanceTo(s, time, await s.registry.slotEnd(slot));
    await (
      await s.registry.submitReading(
        await signReading(s.registry, s.meterAlice, slot, 0n, exported),
      )
    ).wait();
    await advanceTo(s, time, await market.readingWindowEnd(slot));
    const shortfall = MAX_QUANTITY - exported;
    const penalty =
      shortfall * PENALTY_PER_WH < collateral ? shortfall * PENALTY_PER_WH : collateral;
    await expect(market.settle(slot))
      .to.emit(market, "SlotSettled")
      .withArgs(slot, exported, shortfall, penalty);
    expect(await market.escrowed()).to.equal(0n);
    expect(await market.balanceOf(s.alice.address)).to.deep.equal([
      DEPOSIT + collateral - penalty + MAX_PRICE * exported,
      0n,
    ]);
    expect(await market.balanceOf(s.gridAccount.address)).to.deep.equal([
      MAX_PRICE * shortfall + penalty,
      0n,
    ]);
    await expectMarketBalanced(s);
  });

  it("refuses a lock above the free balance with MarketInsufficientBalance(account, free, needed)", async function () {
    const s = await networkHelpers.loadFixture(gridSystem);
    const slot = await openSlot(s.market);
    await expect(
      s.market
        .connect(s.carol)
        .placeOrder(slot, Side.Buy, MAX_QUANTITY, MAX_PRICE, ethers.ZeroAddress),
    )
      .to.be.revertedWithCustomError(s.market, "MarketInsufficientBalance")
      .withArgs(s.carol.address, DEPOSIT, MAX_QUANTITY * MAX_PRICE);
  });

  it("refuses a deposit that would take a balance past 112 bits with MarketBalanceOverflow", async function () {
    const s = await networkHelpers.loadFixture(gridSystem);
    await topUp(s, s.carol, MAX_BALANCE - DEPOSIT);
    expect(await s.market.balanceOf(s.carol.address)).to.deep.equal([MAX_BALANCE, 0n]);
    await (await s.token.mint(s.carol.address, 1n)).wait();
    await (await s.token.connect(s.carol).approve(await s.market.getAddress(), 1n)).wait();
    await expect(s.market.connect(s.carol).deposit(1n))
      .to.be.revertedWithCustomError(s.market, "MarketBalanceOverflow")
      .withArgs(s.carol.address);
    await expectMarketBalanced(s);
  });

  // Attack: hand-craft calldata whose quantity or price does not fit its type, hoping the market reads a
  // truncated value: the ABI decoder refuses it before any code runs.
  for (const [what, quantity, price] of [
    ["a quantity of 2^48 Wh", 2n ** 48n, 1n],
    ["a price of 2^64", 10n, 2n ** 64n],
  ] as const) {
    it(`refuses calldata with ${what} without a reason`, async function () {
      const s = await networkHelpers.loadFixture(gridSystem);
      const slot = await openSlot(s.market);
      const selector = s.market.interface.getFunction("placeOrder")!.selector;
      const args = AbiCoder.defaultAbiCoder().encode(
        ["uint256", "uint256", "uint256", "uint256", "address"],
        [slot, Side.Buy, quantity, price, ethers.ZeroAddress],
      );
      await expect(
        s.carol.sendTransaction({
          to: await s.market.getAddress(),
          data: selector + args.slice(2),
          gasLimit: 500_000n,
        }),
      ).to.be.revertedWithoutReason(ethers);
    });
  }
});
