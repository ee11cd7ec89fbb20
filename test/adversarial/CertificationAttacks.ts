/**
 * Adversarial: the attacks on certificate delivery (issue #9), against the real registry, market and
 * certificates.
 * - Four sources, full book: sellers of Solar, Wind, Hydro and Biomass meters and as many buyers as the
 *   cap of 1,000 orders leaves, each a fresh account. Settlement pays money only and fits one
 *   transaction; certification runs in pages that each fit one, and delivers every buy order exactly
 *   floor(pool x fill / Q) of every vintage.
 * - The ring: a traded, settled slot holds its ring position until it is certified (by anyone); a slot
 *   that traded nothing never does.
 * - A meter with several sell orders: its export covers them in ascending order index, in the money and
 *   in the certificates.
 * Gas: every transaction stays 10 % under the EIP-7825 cap of 16,777,216 (bench/types.ts).
 */
import { expect } from "chai";
import { network } from "hardhat";
import { Wallet } from "ethers";
import type { NetworkConnection } from "hardhat/types/network";

import { REQUIRED_MARGIN, TRANSACTION_GAS_CAP } from "../../bench/types.js";
import { certifySlot, expectedCertification, holdingKey } from "../helpers/certification.js";
import {
  COLLATERAL_PER_WH,
  DEPOSIT,
  MeterKind,
  PENALTY_PER_WH,
  Side,
  advanceTo,
  openSlot,
  place,
  signReading,
} from "../../fixtures/market.js";
import { EnergySource, zoneCode } from "../helpers/registry.js";
import {
  deployGridSystem,
  expectMarketBalanced,
  gridSystem,
  type GridSystem,
} from "../integration/system.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const { time } = networkHelpers;
const ZERO = "0x0000000000000000000000000000000000000000";
/** 10 % under the per-transaction cap: 15,099,494 gas. */
const GAS_BUDGET = BigInt(Math.floor(TRANSACTION_GAS_CAP * (1 - REQUIRED_MARGIN)));
const RING = 256n;

/** The system with the market's full cap of 1,000 orders per slot. */
function fullCapSystem(c: NetworkConnection): Promise<GridSystem> {
  return deployGridSystem(c, { maxOrdersPerSlot: 1_000n });
}

/** Registers a generation meter of `source` owned by `owner`, with room for large exports (1 MW). */
async function registerSeller(s: GridSystem, label: string, owner: string, source: bigint) {
  const meter = new Wallet(ethers.id(`gridledger certification attack ${label}`));
  await (
    await s.registry.registerMeter(
      meter.address,
      owner,
      MeterKind.Generation,
      source,
      1_000_000n,
      zoneCode("Z1"),
      0,
    )
  ).wait();
  return meter;
}

/** Submits the readings of `slot` (in batches of 100) once it has ended. */
async function submitReadings(
  s: GridSystem,
  slot: bigint,
  readings: readonly { meter: Wallet; exportedWh: bigint }[],
) {
  await advanceTo(s, time, await s.registry.slotEnd(slot));
  for (let i = 0; i < readings.length; i += 100) {
    const batch = await Promise.all(
      readings
        .slice(i, i + 100)
        .map((r) => signReading(s.registry, r.meter, slot, 0n, r.exportedWh)),
    );
    await (await s.registry.submitReadings(batch)).wait();
  }
}

async function gasOf(tx: Promise<{ wait: () => Promise<{ gasUsed: bigint } | null> }>) {
  const receipt = await (await tx).wait();
  return receipt!.gasUsed;
}

describe("Adversarial: certificate delivery (issue #9)", function () {
  it("delivers a full four-source slot: money in one transaction, certificates in bounded pages", async function () {
    const s = await networkHelpers.loadFixture(fullCapSystem);
    const { market, certificates } = s;
    const cap = Number(await market.maxOrdersPerSlot());
    expect(cap).to.equal(1_000);
    const slot = await openSlot(market, 10n);

    // Four sellers, one meter of each renewable source; one exports more than it sold, two less.
    const sources = [
      {
        label: "solar",
        owner: s.alice,
        source: EnergySource.Solar,
        sellWh: 40_000n,
        exportWh: 45_000n,
      },
      {
        label: "wind",
        owner: s.bob,
        source: EnergySource.Wind,
        sellWh: 30_000n,
        exportWh: 25_000n,
      },
      {
        label: "hydro",
        owner: s.dave,
        source: EnergySource.Hydro,
        sellWh: 20_000n,
        exportWh: 20_000n,
      },
      {
        label: "biomass",
        owner: s.erin,
        source: EnergySource.Biomass,
        sellWh: 10_007n,
        exportWh: 9_001n,
      },
    ];
    const sellers = [];
    for (const [k, src] of sources.entries()) {
      const meter = await registerSeller(s, src.label, src.owner.address, src.source);
      const id = await place(
        market,
        src.owner,
        slot,
        Side.Sell,
        src.sellWh,
        2n + BigInt(k),
        meter.address,
      );
      sellers.push({
        ...src,
        meter,
        orderId: id,
        vintage: await certificates.idOf(slot, src.source),
      });
    }

    // The whole buy side (half the cap): fresh buyers of 150 to 300 Wh at a limit of 10, funded by
    // depositFor; their demand exceeds the four sellers' supply.
    const buyerCount = Number(await market.maxOrdersPerSide());
    const LIMIT = 10n;
    const quantities = Array.from({ length: buyerCount }, (_, i) => 150n + BigInt((i * 37) % 151));
    const total = quantities.reduce((a, b) => a + b, 0n) * LIMIT;
    await (await s.token.mint(s.admin.address, total)).wait();
    await (await s.token.approve(await market.getAddress(), total)).wait();
    const buyers: Wallet[] = [];
    for (let i = 0; i < buyerCount; i++) {
      const wallet = new Wallet(ethers.id(`gridledger certification buyer ${i}`), ethers.provider);
      await networkHelpers.setBalance(wallet.address, 10n ** 17n);
      await (await market.depositFor(wallet.address, quantities[i] * LIMIT)).wait();
      await (
        await market.connect(wallet).placeOrder(slot, Side.Buy, quantities[i], LIMIT, ZERO)
      ).wait();
      buyers.push(wallet);
    }
    await expect(market.connect(s.frank).placeOrder(slot, Side.Buy, 50n, LIMIT, ZERO))
      .to.be.revertedWithCustomError(market, "MarketSlotFull")
      .withArgs(slot, BigInt(buyerCount));

    await advanceTo(s, time, await market.gateClosureOf(slot));
    const clearGas = await gasOf(market.clear(slot, { gasLimit: TRANSACTION_GAS_CAP }));
    expect(clearGas).to.be.lessThan(GAS_BUDGET);
    const { price, clearedWh } = await market.slotInfo(slot);
    const soldWh = sources.reduce((a, src) => a + src.sellWh, 0n);
    expect(clearedWh, "demand exceeds supply: every seller sells in full").to.equal(soldWh);

    await submitReadings(
      s,
      slot,
      sellers.map((x) => ({ meter: x.meter, exportedWh: x.exportWh })),
    );
    await advanceTo(s, time, await market.readingWindowEnd(slot));
    const settleGas = await gasOf(
      market.connect(s.stranger).settle(slot, { gasLimit: TRANSACTION_GAS_CAP }),
    );
    expect(settleGas).to.be.lessThan(GAS_BUDGET);

    // Money: every lock released, the sellers paid for what they delivered less their penalties.
    for (const account of [
      ...buyers.map((b) => b.address),
      ...sellers.map((x) => x.owner.address),
    ]) {
      expect((await market.balanceOf(account)).locked, account).to.equal(0n);
    }
    for (const x of sellers) {
      const delivered = x.exportWh < x.sellWh ? x.exportWh : x.sellWh;
      const shortfall = x.sellWh - delivered;
      const penalty = shortfall * PENALTY_PER_WH;
      const collateral = x.sellWh * COLLATERAL_PER_WH;
      const charged = penalty < collateral ? penalty : collateral;
      expect((await market.balanceOf(x.owner.address)).free).to.equal(
        DEPOSIT + price * delivered - charged,
      );
    }
    expect(await market.escrowed()).to.equal(0n);
    await expectMarketBalanced(s, { accounts: buyers.map((b) => b.address) });
    expect(await certificates.isSlotCertified(slot)).to.equal(false);

    // Certification by a stranger: the four sellers in one page, the buyers in pages of 100 (about 122,000 gas per buy order of four vintages).
    const BUY_PAGE = 100n;
    const pages = await certifySlot(certificates, slot, {
      sellPage: 1_000n,
      buyPage: BUY_PAGE,
      runner: s.stranger,
    });
    expect(pages.sellers.length).to.equal(1);
    expect(pages.buyers.length).to.equal(Math.ceil(buyerCount / Number(BUY_PAGE)));
    const pageGas = [...pages.sellers, ...pages.buyers].map((r) => r.gasUsed);
    for (const gas of pageGas) expect(gas).to.be.lessThan(GAS_BUDGET);
    const largestBuyPage = pages.buyers.map((r) => r.gasUsed).reduce((a, b) => (a > b ? a : b));
    console.log(
      `      ${cap} orders (4 sources, ${buyerCount} buyers): clear ${clearGas}, settle ${settleGas}, ` +
        `certifySellers ${pages.sellers[0].gasUsed}, claimBuyers pages of ${BUY_PAGE}: largest ${largestBuyPage}`,
    );
    expect(await certificates.isSlotCertified(slot)).to.equal(true);

    // Every buy order got exactly floor(pool x fill / Q) of every vintage; the remainders went to the
    // largest seller of each vintage; supply = export of every id.
    const fills = await market.buyFillsOf(slot, 0n, 1_000n);
    expect(fills.length).to.equal(buyerCount);
    const expected = expectedCertification({
      clearedWh,
      buys: fills.map((f) => ({ buyer: f.buyer, fillWh: f.fillWh })),
      sells: sellers.map((x) => ({
        meter: x.meter.address,
        owner: x.owner.address,
        id: x.vintage,
        exportedWh: x.exportWh,
        fillWh: x.sellWh,
      })),
    });
    for (const x of sellers) {
      const delivered = x.exportWh < x.sellWh ? x.exportWh : x.sellWh;
      expect(expected.pools.get(x.vintage)).to.equal(delivered);
      expect(await certificates.vintageOf(slot, x.source)).to.deep.equal([
        delivered,
        delivered - (expected.remainders.get(x.vintage)?.amountWh ?? 0n),
      ]);
      const holders = [...buyers.map((b) => b.address), x.owner.address];
      const balances = await certificates.balanceOfBatch(
        holders,
        holders.map(() => x.vintage),
      );
      expect(balances, `balances of ${x.label}`).to.deep.equal(
        holders.map((h) => expected.balances.get(holdingKey(h, x.vintage)) ?? 0n),
      );
      expect(
        balances.reduce((a, b) => a + b, 0n),
        `supply of ${x.label}`,
      ).to.equal(x.exportWh);
      expect(await certificates.isIssued(x.meter.address, slot)).to.equal(true);
    }
    // Each buyer is one order, so its balance is its order's claim: check the claim events too.
    const claimed = pages.buyers
      .flatMap((r) => r.logs)
      .map((log) => certificates.interface.parseLog(log))
      .filter((e) => e?.name === "CertificatesClaimed");
    const expectedClaims = expected.claims.flatMap((shares, k) =>
      [...shares].map(([id, amount]) => [fills[k].buyer, id, amount]),
    );
    expect(claimed.map((e) => [e!.args.buyer, e!.args.id, e!.args.amountWh])).to.deep.equal(
      expectedClaims,
    );
  });

  describe("the ring", function () {
    /** Alice sells 100 Wh to Carol in a slot, settled (money only). */
    async function settledTrade(s: GridSystem) {
      const slot = await openSlot(s.market);
      await place(s.market, s.carol, slot, Side.Buy, 100n, 10n);
      await place(s.market, s.alice, slot, Side.Sell, 100n, 4n, s.meterAlice.address);
      await advanceTo(s, time, await s.market.gateClosureOf(slot));
      await (await s.market.clear(slot)).wait();
      await submitReadings(s, slot, [{ meter: s.meterAlice, exportedWh: 100n }]);
      await advanceTo(s, time, await s.market.readingWindowEnd(slot));
      await (await s.market.settle(slot)).wait();
      return slot;
    }

    async function openLater(s: GridSystem, slot: bigint) {
      const later = slot + RING;
      await advanceTo(s, time, await s.registry.slotStart(later - (await s.market.horizonSlots())));
      return later;
    }

    it("refuses slot + 256 until the traded slot is certified, by anyone", async function () {
      const s = await networkHelpers.loadFixture(gridSystem);
      const slot = await settledTrade(s);
      const later = await openLater(s, slot);
      await expect(s.market.connect(s.frank).placeOrder(later, Side.Buy, 10n, 1n, ZERO))
        .to.be.revertedWithCustomError(s.market, "MarketRingSlotBusy")
        .withArgs(later, slot);
      // Half-way is not enough: the sellers are certified, the buyers not yet.
      await (await s.certificates.connect(s.stranger).certifySellers(slot, 10n)).wait();
      await expect(
        s.market.connect(s.frank).placeOrder(later, Side.Buy, 10n, 1n, ZERO),
      ).to.be.revertedWithCustomError(s.market, "MarketRingSlotBusy");
      await (await s.certificates.connect(s.stranger).claimBuyers(slot, 10n)).wait();
      expect(await s.certificates.isSlotCertified(slot)).to.equal(true);
      expect(
        await s.certificates.balanceOf(s.carol.address, await s.certificates.idOf(slot, 1n)),
      ).to.equal(100n);
      await place(s.market, s.frank, later, Side.Buy, 10n, 1n);
      // The old slot's data is gone; its certificates stay delivered.
      expect((await s.market.settledTrade(slot)).held).to.equal(false);
      await expect(s.certificates.certifySellers(slot, 10n))
        .to.be.revertedWithCustomError(s.certificates, "CertificatesSlotNotSettled")
        .withArgs(slot);
    });

    it("never holds a position for a slot that traded nothing", async function () {
      const s = await networkHelpers.loadFixture(gridSystem);
      const slot = await openSlot(s.market);
      await place(s.market, s.carol, slot, Side.Buy, 100n, 3n);
      await place(s.market, s.alice, slot, Side.Sell, 100n, 4n, s.meterAlice.address);
      await advanceTo(s, time, await s.market.gateClosureOf(slot));
      await (await s.market.clear(slot)).wait();
      expect((await s.market.settledTrade(slot)).held).to.equal(false);
      const later = await openLater(s, slot);
      expect(await s.certificates.isSlotCertified(slot)).to.equal(false);
      await place(s.market, s.frank, later, Side.Buy, 10n, 1n);
      expect((await s.market.slotInfo(later)).buyOrders).to.equal(1n);
    });
  });

  it("covers a meter's sell orders in ascending order index, in the money and in the certificates", async function () {
    const s = await networkHelpers.loadFixture(gridSystem);
    const { market, certificates } = s;
    const slot = await openSlot(market);
    await place(market, s.carol, slot, Side.Buy, 600n, 10n);
    // Alice's three orders from one meter, the later ones cheaper: index order, not price, decides.
    const orders = [
      await place(market, s.alice, slot, Side.Sell, 200n, 5n, s.meterAlice.address),
      await place(market, s.bob, slot, Side.Sell, 100n, 5n, s.meterBob.address),
      await place(market, s.alice, slot, Side.Sell, 150n, 3n, s.meterAlice.address),
      await place(market, s.alice, slot, Side.Sell, 150n, 2n, s.meterAlice.address),
    ];
    await advanceTo(s, time, await market.gateClosureOf(slot));
    await (await market.clear(slot)).wait();
    const { price, clearedWh } = await market.slotInfo(slot);
    expect(clearedWh).to.equal(600n);
    // Alice sold 500 Wh and exported 280: 200 to the first order, 80 to the second, 0 to the third.
    await submitReadings(s, slot, [
      { meter: s.meterAlice, exportedWh: 280n },
      { meter: s.meterBob, exportedWh: 100n },
    ]);
    const aliceBefore = (await market.balanceOf(s.alice.address)).free;
    await advanceTo(s, time, await market.readingWindowEnd(slot));
    // Penalties: second order min(70 x 5, 150 x 2) = 300, third min(150 x 5, 150 x 2) = 300.
    await expect(market.settle(slot))
      .to.emit(market, "SlotSettled")
      .withArgs(slot, 380n, 220n, 600n);
    expect((await market.balanceOf(s.alice.address)).free).to.equal(
      aliceBefore + 500n * COLLATERAL_PER_WH + price * 280n - 600n,
    );
    const aliceIndex = (await s.registry.meterOf(s.meterAlice.address)).index;
    const bobIndex = (await s.registry.meterOf(s.meterBob.address)).index;
    expect((await market.sellLotsOf(slot, 0n, 10n)).map((l) => [...l])).to.deep.equal([
      [aliceIndex, 200n, 0n, 500n],
      [bobIndex, 100n, 0n, 100n],
      [aliceIndex, 150n, 200n, 500n],
      [aliceIndex, 150n, 350n, 500n],
    ]);
    for (const id of orders) expect(await market.fillOf(id)).to.be.greaterThan(0n);

    // Certificates: the meter is certified once, at its first order, delivering min(280, 500) = 280.
    const solarId = await certificates.idOf(slot, EnergySource.Solar);
    const pages = await certifySlot(certificates, slot, {
      sellPage: 1n,
      buyPage: 1n,
      runner: s.hub,
    });
    const issued = pages.sellers
      .flatMap((r) => r.logs)
      .map((log) => certificates.interface.parseLog(log))
      .filter((e) => e?.name === "CertificatesIssued")
      .map((e) => [e!.args.meter, e!.args.amountWh, e!.args.toBuyersWh, e!.args.toOwnerWh]);
    expect(issued).to.deep.equal([
      [s.meterAlice.address, 280n, 280n, 0n],
      [s.meterBob.address, 100n, 100n, 0n],
    ]);
    // Carol's one order (fill 600 = Q) takes the whole pool: 380, as the money delivered.
    expect(await certificates.balanceOf(s.carol.address, solarId)).to.equal(380n);
    expect(await certificates.balanceOf(s.alice.address, solarId)).to.equal(0n);
    await expectMarketBalanced(s);
  });
});
