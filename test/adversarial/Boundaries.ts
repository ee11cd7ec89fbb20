/**
 * Adversarial: transactions racing a boundary in the same block. Orders are accepted while
 * block.timestamp < gateClosureOf(slot) and clearing needs block.timestamp >= gateClosureOf(slot);
 * readings are accepted while block.timestamp < readingWindowEnd(slot) and settlement needs
 * block.timestamp >= readingWindowEnd(slot). All transactions of a block share one timestamp, so however
 * a block producer orders them, no order can slip in after the clearing and no reading after the
 * settlement. The single-transaction t-1 / t / t+1 checks live in test/EnergyMarket.ts,
 * test/EnergyMarketClearing.ts, test/EnergyMarketSettlement.ts and test/MeterRegistryReadings.ts.
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { ContractTransactionResponse } from "ethers";

import {
  DEFAULT_PARAMS,
  GATE_CLOSURE_SECONDS,
  HORIZON_SLOTS,
  MAX_ORDERS_PER_SLOT,
  READING_WINDOW,
  SLOT_LENGTH,
  Side,
  SlotStatus,
  openSlot,
  place,
  signReading,
} from "../../fixtures/market.js";
import { gridSystem, type GridSystem } from "../integration/system.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const { time } = networkHelpers;
const ZERO = ethers.ZeroAddress;
const GAS = { gasLimit: 1_000_000n };

/** Sends `transactions` (in that order) into one block mined at `timestamp`; returns their statuses. */
async function inOneBlock(
  timestamp: bigint,
  transactions: (() => Promise<ContractTransactionResponse>)[],
): Promise<number[]> {
  await ethers.provider.send("evm_setAutomine", [false]);
  try {
    const sent: ContractTransactionResponse[] = [];
    for (const send of transactions) sent.push(await send());
    await time.setNextBlockTimestamp(timestamp);
    await networkHelpers.mine();
    const receipts = await Promise.all(
      sent.map((tx) => ethers.provider.getTransactionReceipt(tx.hash)),
    );
    expect(new Set(receipts.map((r) => r!.blockNumber)).size, "one block").to.equal(1);
    return receipts.map((r) => r!.status!);
  } finally {
    await ethers.provider.send("evm_setAutomine", [true]);
  }
}

/** A slot with a crossing buy and sell, ready to clear at its gate. */
async function bookedSlot(s: GridSystem) {
  const slot = await openSlot(s.market);
  await place(s.market, s.carol, slot, Side.Buy, 100n, 10n);
  await place(s.market, s.alice, slot, Side.Sell, 100n, 2n, s.meterAlice.address);
  return slot;
}

describe("Adversarial: racing the gate closure and the reading window in one block", function () {
  // Attack: a trader who sees the clearing transaction in the mempool places (or cancels) an order in
  // the same block, before or after it, to trade with knowledge of the book at the gate.
  for (const clearFirst of [true, false]) {
    it(`at the gate, refuses the order and clears without it (clear sent ${clearFirst ? "first" : "last"})`, async function () {
      const s = await networkHelpers.loadFixture(gridSystem);
      const slot = await bookedSlot(s);
      const gate = await s.market.gateClosureOf(slot);
      const order = () => s.market.connect(s.dave).placeOrder(slot, Side.Buy, 100n, 50n, ZERO, GAS);
      const clear = () => s.market.connect(s.stranger).clear(slot, GAS);
      const statuses = await inOneBlock(gate, clearFirst ? [clear, order] : [order, clear]);
      expect(statuses).to.deep.equal(clearFirst ? [1, 0] : [0, 1]);
      const info = await s.market.slotInfo(slot);
      expect([info.status, info.buyOrders, info.clearedWh]).to.deep.equal([
        BigInt(SlotStatus.Cleared),
        1n,
        100n,
      ]);
    });
  }

  it("one second before the gate, takes the order and refuses the clearing", async function () {
    const s = await networkHelpers.loadFixture(gridSystem);
    const slot = await bookedSlot(s);
    const gate = await s.market.gateClosureOf(slot);
    const statuses = await inOneBlock(gate - 1n, [
      () => s.market.connect(s.stranger).clear(slot, GAS),
      () => s.market.connect(s.dave).placeOrder(slot, Side.Buy, 100n, 50n, ZERO, GAS),
      () => s.market.connect(s.dave).cancelOrder((slot << 64n) | 1n, GAS),
    ]);
    expect(statuses).to.deep.equal([0, 1, 1]);
    expect((await s.market.slotInfo(slot)).status).to.equal(BigInt(SlotStatus.Open));
  });

  // Attack: a seller who sees the settlement in the mempool submits a (late) reading in the same block to
  // be paid for energy that was never recorded in time.
  it("at the reading window's end, refuses the reading and settles on the readings recorded before", async function () {
    const s = await networkHelpers.loadFixture(gridSystem);
    const slot = await bookedSlot(s);
    await time.increaseTo(await s.market.gateClosureOf(slot));
    await (await s.market.clear(slot)).wait();
    const late = await signReading(s.registry, s.meterAlice, slot, 0n, 100n);
    const end = await s.market.readingWindowEnd(slot);
    expect(end).to.equal(await s.registry.readingWindowEnd(slot));
    const statuses = await inOneBlock(end, [
      () => s.registry.connect(s.alice).submitReading(late, GAS),
      () => s.market.connect(s.stranger).settle(slot, { gasLimit: 3_000_000n }),
    ]);
    expect(statuses).to.deep.equal([0, 1]);
    expect((await s.registry.readingOf(s.meterAlice.address, slot)).recorded).to.equal(false);
    expect(await s.market.isSlotFinal(slot)).to.equal(true);
  });

  // Before the registry's genesis the first horizon + 1 slots are open; slot horizon + 1 is not.
  it("before genesis, opens slots 0 to the horizon only", async function () {
    const s = await networkHelpers.loadFixture(gridSystem);
    const now = BigInt(await time.latest());
    const genesis = now - (now % SLOT_LENGTH) + 4n * SLOT_LENGTH;
    const registry = await ethers.deployContract("MeterRegistry", [
      s.admin.address,
      genesis,
      SLOT_LENGTH,
      READING_WINDOW,
      HORIZON_SLOTS + 1n,
    ]);
    const market = await ethers.deployContract("EnergyMarket", [
      {
        token: await s.token.getAddress(),
        registry: await registry.getAddress(),
        admin: s.admin.address,
        gridOperator: s.operator.address,
        gridOperatorAccount: s.gridAccount.address,
        horizonSlots: HORIZON_SLOTS,
        gateClosureSeconds: GATE_CLOSURE_SECONDS,
        maxOrdersPerSlot: MAX_ORDERS_PER_SLOT,
        params: DEFAULT_PARAMS,
      },
    ]);
    expect(await market.lastOpenSlot()).to.equal(HORIZON_SLOTS);
    // Every order locks something (minimum buy price): carol funds her account in this market first.
    await (await s.token.mint(s.carol.address, 100n)).wait();
    await (await s.token.connect(s.carol).approve(await market.getAddress(), 100n)).wait();
    await (await market.connect(s.carol).deposit(100n)).wait();
    await expect(
      market.connect(s.carol).placeOrder(HORIZON_SLOTS, Side.Buy, 10n, 1n, ZERO),
    ).to.emit(market, "OrderPlaced");
    await expect(market.connect(s.carol).placeOrder(HORIZON_SLOTS + 1n, Side.Buy, 10n, 1n, ZERO))
      .to.be.revertedWithCustomError(market, "MarketBeyondHorizon")
      .withArgs(HORIZON_SLOTS + 1n, HORIZON_SLOTS);
  });
});
