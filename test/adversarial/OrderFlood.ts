/**
 * Adversarial: floods of minimum-size orders up to the per-side cap (read from market.maxOrdersPerSide(),
 * half of maxOrdersPerSlot, so the tests follow any change of the cap), with the real certificates bound.
 * What must hold: the clearing and the settlement of a full slot each fit in one transaction under the
 * EIP-7825 per-transaction cap (16,777,216 gas), and so does every page of its certification. If either did not, the slot could never finish: the
 * buyers' payments would stay in escrow, the sellers' collateral locked, no certificate of the slot could
 * be issued (isSlotFinal stays false) and its ring position would refuse the slot RING slots later for good.
 * A flooded slot refuses further orders with MarketSlotFull.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { Wallet, type ContractTransactionResponse } from "ethers";

import { TRANSACTION_GAS_CAP } from "../../bench/types.js";
import { certifySlot } from "../helpers/certification.js";
import {
  MeterKind,
  Side,
  advanceTo,
  openSlot,
  registerMeter,
  signReading,
} from "../../fixtures/market.js";
import { expectMarketBalanced, gridSystem, type GridSystem } from "../integration/system.js";

const connection = await network.create();
const { networkHelpers } = connection;
const { time } = networkHelpers;
const ZERO = "0x0000000000000000000000000000000000000000";
const CAP = BigInt(TRANSACTION_GAS_CAP);
const HIGH_PRICE = 1_000n;

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

/**
 * Fills a slot to the cap: `buyers` sybil accounts each buy (at least) the minimum at a high limit; the sell side is
 * Alice's whole capacity when `sellers` is 0, else `sellers` distinct meters (registered by the grid
 * operator to distinct accounts) each selling the minimum. Then clears, records every seller's reading
 * (each delivers in full) and settles, each step under the transaction cap.
 */
async function floodClearSettle(s: GridSystem, buyerCount: number, sellerCount: number) {
  const slot = await openSlot(s.market, 5n);
  const { minOrderWh } = await s.market.paramsForSlot(slot);
  // Demand covers every seller's offer, so that every seller sells (and is issued in certification).
  const supplyWh = BigInt(sellerCount) * minOrderWh;
  const perBuyer = (supplyWh + BigInt(buyerCount) - 1n) / BigInt(buyerCount);
  const buyWh = perBuyer > minOrderWh ? perBuyer : minOrderWh;
  const buyers = await sybils(s, "buyer", buyerCount, buyWh * HIGH_PRICE);
  const sellers = await sybils(s, "seller", sellerCount, 10n ** 9n);
  const meters = sellers.map((_, i) => new Wallet(s.ethers.id(`gridledger flood meter ${i}`)));
  for (const [i, meter] of meters.entries()) {
    await registerMeter(s.registry, meter.address, sellers[i].address, MeterKind.Generation);
  }
  for (const buyer of buyers) {
    await (
      await s.market.connect(buyer).placeOrder(slot, Side.Buy, buyWh, HIGH_PRICE, ZERO)
    ).wait();
  }
  const readings: { meter: Wallet; exportedWh: bigint }[] = [];
  if (sellerCount === 0) {
    const capacity = await s.registry.maxWhPerSlot(s.meterAlice.address);
    await (
      await s.market
        .connect(s.alice)
        .placeOrder(slot, Side.Sell, capacity, 1n, s.meterAlice.address)
    ).wait();
    readings.push({ meter: s.meterAlice, exportedWh: capacity });
  }
  for (const [i, seller] of sellers.entries()) {
    await (
      await s.market.connect(seller).placeOrder(slot, Side.Sell, minOrderWh, 1n, meters[i].address)
    ).wait();
    readings.push({ meter: meters[i], exportedWh: minOrderWh });
  }
  // A full side refuses an order no better than its worst (ties keep the older order).
  const perSide = await s.market.maxOrdersPerSide();
  if (BigInt(buyers.length) === perSide) {
    await expect(s.market.connect(s.bob).placeOrder(slot, Side.Buy, minOrderWh, 1n, ZERO))
      .to.be.revertedWithCustomError(s.market, "MarketSlotFull")
      .withArgs(slot, perSide);
  }
  if (BigInt(sellers.length) === perSide) {
    await expect(
      s.market.connect(s.alice).placeOrder(slot, Side.Sell, minOrderWh, 1n, s.meterAlice.address),
    )
      .to.be.revertedWithCustomError(s.market, "MarketSlotFull")
      .withArgs(slot, perSide);
  }
  const cap = buyerCount + Math.max(sellerCount, 1);

  await advanceTo(s, time, await s.market.gateClosureOf(slot));
  const clearGas = await gasWithinCap(s.market.clear(slot, { gasLimit: CAP }));
  await advanceTo(s, time, await s.registry.slotEnd(slot));
  for (let i = 0; i < readings.length; i += 100) {
    const batch = await Promise.all(
      readings
        .slice(i, i + 100)
        .map((r) => signReading(s.registry, r.meter, slot, 0n, r.exportedWh)),
    );
    await (await s.registry.submitReadings(batch)).wait();
  }
  await advanceTo(s, time, await s.market.readingWindowEnd(slot));
  const settleGas = await gasWithinCap(s.market.settle(slot, { gasLimit: CAP }));
  console.log(
    `      ${cap} orders (${buyerCount} buyers, ${sellerCount || 1} sellers): clear ${clearGas}, settle ${settleGas}`,
  );

  expect(await s.market.isSlotFinal(slot)).to.equal(true);
  expect(await s.market.escrowed()).to.equal(0n);
  // Certification after settlement, in pages of 100 orders, each under the cap.
  const pages = await certifySlot(s.certificates, slot, { sellPage: 100n, buyPage: 100n });
  const pageGas = [...pages.sellers, ...pages.buyers].map((r) => r.gasUsed);
  for (const gas of pageGas) expect(gas).to.be.lessThan(CAP);
  console.log(
    `        certification: ${pageGas.length} pages of 100 orders, largest ${pageGas.reduce((a, b) => (a > b ? a : b), 0n)}`,
  );
  expect(await s.certificates.isSlotCertified(slot)).to.equal(true);
  for (const r of readings) {
    expect(await s.certificates.isIssued(r.meter.address, slot)).to.equal(true);
  }
  await expectMarketBalanced(s, {
    accounts: [...buyers, ...sellers].map((w) => w.address),
  });
}

describe("Adversarial: order floods up to the per-side cap", function () {
  // Attack: a full buy side of throw-away accounts each buying the minimum at a high limit from one honest
  // seller. Every sybil is marginal (rationed pro rata at clearing) and gets a fill and, in certification,
  // a share of the seller's certificates: one new ERC-1155 balance each, in pages after settlement.
  it("clears and settles a full side of sybil buyers against one seller, one transaction each", async function () {
    const s = await networkHelpers.loadFixture(gridSystem);
    await floodClearSettle(s, Number(await s.market.maxOrdersPerSide()), 0);
  });

  // No attacker needed, the costliest certification: a full side of sell orders from distinct meters never
  // issued before (a fresh bitmap word and a new owner balance each) against one buyer.
  it("clears and settles a full side of sellers of distinct meters against one buyer, one transaction each", async function () {
    const s = await networkHelpers.loadFixture(gridSystem);
    await floodClearSettle(s, 1, Number(await s.market.maxOrdersPerSide()));
  });

  it("clears and settles a full book: both sides full of distinct buyers and sellers, one transaction each", async function () {
    const s = await networkHelpers.loadFixture(gridSystem);
    const perSide = Number(await s.market.maxOrdersPerSide());
    await floodClearSettle(s, perSide, perSide);
  });
});
