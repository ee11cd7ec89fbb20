/**
 * Adversarial: a payment token that re-enters the market on transfer.
 * test/EnergyMarket.ts already shows that the token itself cannot re-enter deposit from a deposit or
 * withdraw from a withdrawal (ReentrantMarketToken). Here the attacker is the trader: a contract called by
 * an ERC-777-style token before it sends (deposit) and after it receives (withdraw), which re-enters
 * every market function as itself while the market is mid-transfer.
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { Interface } from "ethers";

import { Side, openSlot, orderIdOf } from "../../fixtures/market.js";
import { STAKE, deployHookTokenMarket, type HookTokenMarket } from "./hookTokenMarket.js";

const connection = await network.create();
const { networkHelpers } = connection;
const { time } = networkHelpers;
const ZERO = "0x0000000000000000000000000000000000000000";

function hookTokenMarket() {
  return deployHookTokenMarket(connection);
}

/** Arms the attacker with `call` on the market, runs `trigger`, and returns the re-entry's outcome. */
async function reenter(
  f: HookTokenMarket,
  call: string,
  trigger: () => Promise<unknown>,
): Promise<string> {
  await (await f.attacker.arm(call)).wait();
  const before = await f.attacker.reentries();
  await trigger();
  expect(await f.attacker.reentries(), "the hook ran").to.equal(before + 1n);
  return f.lastReentry();
}

describe("Adversarial: re-entrancy through the payment token", function () {
  describe("from inside a withdrawal (after the tokens arrived)", function () {
    // Attack: withdraw 1,000, and from the token's receive hook withdraw (or deposit, or settle) again
    // before the outer call finished, hoping the market pays twice or counts a deposit twice.
    for (const [name, args] of [
      ["withdraw", [1_000n]],
      ["deposit", [1n]],
      ["depositFor", ["0x000000000000000000000000000000000000dEaD", 1n]],
      ["settle", [1n]],
    ] as [string, unknown[]][]) {
      it(`refuses ${name} with ReentrancyGuardReentrantCall and pays exactly once`, async function () {
        const f = await networkHelpers.loadFixture(hookTokenMarket);
        const call = (f.market.interface as Interface).encodeFunctionData(name, args);
        const outcome = await reenter(f, call, async () =>
          (await f.attacker.withdraw(1_000n)).wait(),
        );
        expect(outcome).to.equal("ReentrancyGuardReentrantCall");
        expect(await f.market.balanceOf(f.attackerAddress)).to.deep.equal([STAKE - 1_000n, 0n]);
        expect(await f.token.balanceOf(f.attackerAddress)).to.equal(STAKE + 1_000n);
        await f.expectBalanced();
      });
    }

    // Attack: place an order from the receive hook, betting that the market has not yet debited the
    // withdrawal and will lock money it is paying out. The market debits before it transfers, so the
    // order can only lock what is left.
    it("lets placeOrder lock only what is left after the debit", async function () {
      const f = await networkHelpers.loadFixture(hookTokenMarket);
      const slot = await openSlot(f.market);
      const left = STAKE - 1_000n;
      const tooMuch = f.market.interface.encodeFunctionData("placeOrder", [
        slot,
        Side.Buy,
        10n,
        left / 10n + 1n,
        ZERO,
      ]);
      expect(
        await reenter(f, tooMuch, async () => (await f.attacker.withdraw(1_000n)).wait()),
      ).to.equal("MarketInsufficientBalance");
      const exact = f.market.interface.encodeFunctionData("placeOrder", [
        slot,
        Side.Buy,
        10n,
        (left - 1_000n) / 10n,
        ZERO,
      ]);
      expect(
        await reenter(f, exact, async () => (await f.attacker.withdraw(1_000n)).wait()),
      ).to.equal("ok");
      expect(await f.market.balanceOf(f.attackerAddress)).to.deep.equal([0n, left - 1_000n]);
      await f.expectBalanced();
    });

    // Attack: cancel an order from the receive hook, hoping its lock is released twice (once by the
    // re-entrant cancel, once more by a second cancel).
    it("releases a cancelled order's lock once", async function () {
      const f = await networkHelpers.loadFixture(hookTokenMarket);
      const slot = await openSlot(f.market);
      await (await f.attacker.placeOrder(slot, Side.Buy, 10n, 100n, ZERO)).wait();
      const id = orderIdOf(slot, Side.Buy, 0n);
      const cancel = f.market.interface.encodeFunctionData("cancelOrder", [id]);
      expect(await reenter(f, cancel, async () => (await f.attacker.withdraw(1n)).wait())).to.equal(
        "ok",
      );
      expect(await reenter(f, cancel, async () => (await f.attacker.withdraw(1n)).wait())).to.equal(
        "MarketOrderNotLive",
      );
      expect(await f.market.balanceOf(f.attackerAddress)).to.deep.equal([STAKE - 2n, 0n]);
      await f.expectBalanced();
    });

    // Attack: clear the slot from the receive hook. Clearing moves no tokens, so it is harmless; the
    // books stay exact.
    it("lets clear run (it moves no tokens) and keeps the books exact", async function () {
      const f = await networkHelpers.loadFixture(hookTokenMarket);
      const slot = await openSlot(f.market);
      await (await f.attacker.placeOrder(slot, Side.Buy, 100n, 10n, ZERO)).wait();
      await (
        await f.market.connect(f.alice).placeOrder(slot, Side.Sell, 100n, 0n, f.meterAlice.address)
      ).wait();
      await time.increaseTo(await f.market.gateClosureOf(slot));
      const clear = f.market.interface.encodeFunctionData("clear", [slot]);
      expect(await reenter(f, clear, async () => (await f.attacker.withdraw(1n)).wait())).to.equal(
        "ok",
      );
      const { price, clearedWh } = await f.market.slotInfo(slot);
      expect(clearedWh).to.equal(100n);
      expect(await f.market.escrowed()).to.equal(price * clearedWh);
      await f.expectBalanced();
    });
  });

  describe("from inside a deposit (before the tokens move)", function () {
    // Attack: deposit 1,000 and, from the token's send hook, deposit again: with balance-difference
    // accounting the outer deposit would count the inner one's tokens too (a double credit).
    for (const [name, args] of [
      ["deposit", [1_000n]],
      ["withdraw", [1n]],
    ] as [string, unknown[]][]) {
      it(`refuses ${name} with ReentrancyGuardReentrantCall and credits exactly once`, async function () {
        const f = await networkHelpers.loadFixture(hookTokenMarket);
        const call = (f.market.interface as Interface).encodeFunctionData(name, args);
        const outcome = await reenter(f, call, async () =>
          (await f.attacker.deposit(1_000n)).wait(),
        );
        expect(outcome).to.equal("ReentrancyGuardReentrantCall");
        expect(await f.market.balanceOf(f.attackerAddress)).to.deep.equal([STAKE + 1_000n, 0n]);
        await f.expectBalanced();
      });
    }

    // Attack: lock the deposit that is still in flight.
    it("does not let an order lock the deposit in flight", async function () {
      const f = await networkHelpers.loadFixture(hookTokenMarket);
      const slot = await openSlot(f.market);
      const call = f.market.interface.encodeFunctionData("placeOrder", [
        slot,
        Side.Buy,
        10n,
        (STAKE + 1_000n) / 10n,
        ZERO,
      ]);
      const outcome = await reenter(f, call, async () => (await f.attacker.deposit(1_000n)).wait());
      expect(outcome).to.equal("MarketInsufficientBalance");
      await f.expectBalanced();
    });
  });
});
