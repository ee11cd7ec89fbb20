/**
 * Adversarial: floods of minimum-size orders up to the per-slot cap (read from market.maxOrdersPerSlot(),
 * so the tests follow any change of the cap), with the real certificates as settlement hook.
 * What must hold: clearing (and settlement: see the report, the settlement of a flooded slot with the
 * real certificates hook does not fit yet) of a full slot fits in one transaction under the EIP-7825
 * per-transaction cap (16,777,216 gas), so that no flood can freeze the escrow, the collateral or the ring
 * position of a slot; and a flooded slot refuses further orders with a clear error.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { Wallet, type ContractTransactionResponse } from "ethers";

import { TRANSACTION_GAS_CAP } from "../../bench/types.js";
import { Side, advanceTo, openSlot } from "../helpers/market.js";
import { expectMarketBalanced, gridSystem, type GridSystem } from "../integration/system.js";

const connection = await network.create();
const { networkHelpers } = connection;
const { time } = networkHelpers;
const ZERO = "0x0000000000000000000000000000000000000000";
const CAP = BigInt(TRANSACTION_GAS_CAP);

/** `count` fresh accounts with gas money and `amount` each in the market (deposited for them). */
async function sybils(s: GridSystem, label: string, count: number, amount: bigint) {
  const { ethers } = s;
  await (await s.token.mint(s.admin.address, amount * BigInt(count))).wait();
  await (await s.token.approve(await s.market.getAddress(), amount * BigInt(count))).wait();
  const wallets: Wallet[] = [];
  for (let i = 0; i < count; i++) {
    const wallet = new Wallet(ethers.id(`gridledger flood ${label} ${i}`), ethers.provider);
    await networkHelpers.setBalance(wallet.address, 10n ** 18n);
    await (await s.market.depositFor(wallet.address, amount)).wait();
    wallets.push(wallet);
  }
  return wallets;
}

/** gasUsed of a transaction sent with the per-transaction cap as its gas limit; it must succeed. */
async function gasWithinCap(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  expect(receipt!.status).to.equal(1);
  expect(receipt!.gasUsed).to.be.lessThan(CAP);
  return receipt!.gasUsed;
}

describe("Adversarial: order floods up to the per-slot cap", function () {
  // Attack: create cap - 1 throw-away accounts and let each place one minimum-size buy order at a high
  // limit against one honest seller: the costliest book to clear (every buy marginal, rationed pro rata,
  // one fill write and one ledger update per sybil). Clearing must still fit in one transaction, or the
  // slot's locks could never be released.
  it("clears a slot flooded by cap - 1 sybil buyers of the minimum size in one transaction", async function () {
    const s = await networkHelpers.loadFixture(gridSystem);
    const cap = Number(await s.market.maxOrdersPerSlot());
    const slot = await openSlot(s.market, 5n);
    const { minOrderWh } = await s.market.paramsForSlot(slot);
    const price = 1_000n;
    const buyers = await sybils(s, "buyer", cap - 1, minOrderWh * price);
    for (const buyer of buyers) {
      await (
        await s.market.connect(buyer).placeOrder(slot, Side.Buy, minOrderWh, price, ZERO)
      ).wait();
    }
    const capacity = await s.registry.maxWhPerSlot(s.meterAlice.address);
    await (
      await s.market
        .connect(s.alice)
        .placeOrder(slot, Side.Sell, capacity, 1n, s.meterAlice.address)
    ).wait();
    await expect(s.market.connect(s.bob).placeOrder(slot, Side.Buy, minOrderWh, price, ZERO))
      .to.be.revertedWithCustomError(s.market, "MarketSlotFull")
      .withArgs(slot, BigInt(cap));

    await advanceTo(s, time, await s.market.gateClosureOf(slot));
    const clearGas = await gasWithinCap(s.market.clear(slot, { gasLimit: CAP }));
    console.log(`      ${cap} orders, ${cap - 1} sybil buyers: clear ${clearGas}`);
    const info = await s.market.slotInfo(slot);
    const demandWh = BigInt(cap - 1) * minOrderWh;
    expect(info.clearedWh).to.equal(capacity < demandWh ? capacity : demandWh);
    expect(await s.market.escrowed()).to.equal(info.price * info.clearedWh);
    await expectMarketBalanced(s, { accounts: buyers.map((b) => b.address) });
  });

  // Attack: one account fills the book to the cap with minimum-size buy orders at price 0, which lock no
  // money at all, so that honest traders cannot trade in the slot. The market refuses the honest order
  // with MarketSlotFull, and the flood still clears (nothing trades) and releases everything at once.
  it("refuses orders beyond the cap with MarketSlotFull and clears a flood of zero-price orders", async function () {
    const s = await networkHelpers.loadFixture(gridSystem);
    const cap = Number(await s.market.maxOrdersPerSlot());
    const slot = await openSlot(s.market, 5n);
    const { minOrderWh } = await s.market.paramsForSlot(slot);
    const before = await s.market.balanceOf(s.erin.address);
    for (let i = 0; i < cap; i++) {
      await (
        await s.market.connect(s.erin).placeOrder(slot, Side.Buy, minOrderWh, 0n, ZERO)
      ).wait();
    }
    expect(await s.market.balanceOf(s.erin.address)).to.deep.equal(before);
    await expect(
      s.market.connect(s.alice).placeOrder(slot, Side.Sell, minOrderWh, 1n, s.meterAlice.address),
    )
      .to.be.revertedWithCustomError(s.market, "MarketSlotFull")
      .withArgs(slot, BigInt(cap));
    // Other slots are not affected.
    await (
      await s.market
        .connect(s.alice)
        .placeOrder(slot + 1n, Side.Sell, minOrderWh, 1n, s.meterAlice.address)
    ).wait();
    await advanceTo(s, time, await s.market.gateClosureOf(slot));
    await gasWithinCap(s.market.clear(slot, { gasLimit: CAP }));
    expect(await s.market.isSlotFinal(slot)).to.equal(true);
    await expectMarketBalanced(s);
  });
});
