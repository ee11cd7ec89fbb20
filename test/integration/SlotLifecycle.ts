/**
 * Integration: the real registry, stablecoin, market and certificates wired together, one delivery slot
 * from deposits to withdrawals. Every step is checked to the unit against an independent model
 * (test/integration/model.ts): money (the market's token balance equals balances + locks + escrow after
 * every transaction, and nothing is created or lost), energy (buy fills = sell fills = Q, delivered +
 * shortfall = sold) and certificates, delivered after settlement by permissionless pages (each buy order
 * gets floor(pool x fill / Q) per vintage, owners the rest, at most the export, once per (meter, slot),
 * never twice through the request path).
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { Wallet } from "ethers";

import {
  COLLATERAL_PER_WH,
  DEPOSIT,
  PENALTY_PER_WH,
  Side,
  SlotStatus,
  advanceTo,
  openSlot,
  place,
} from "../../fixtures/market.js";
import { EnergySource } from "../helpers/registry.js";
import { certifySlot } from "../helpers/certification.js";
import { holding, modelSlot, type ModelMeter, type ModelOrder } from "./model.js";
import {
  eventsOf,
  expectMarketBalanced,
  gridSystem,
  relayReadings,
  systemAccounts,
  type GridSystem,
} from "./system.js";

const { networkHelpers } = await network.create();
const { time } = networkHelpers;

interface PlacedOrder extends ModelOrder {
  id: bigint;
  signer: HardhatEthersSigner;
}

/** Places an order, checks the books still balance, and remembers it for the model. */
async function placeChecked(
  s: GridSystem,
  orders: PlacedOrder[],
  signer: HardhatEthersSigner,
  slot: bigint,
  side: Side,
  quantityWh: bigint,
  limitPrice: bigint,
  meter?: Wallet,
): Promise<PlacedOrder> {
  const id = await place(s.market, signer, slot, side, quantityWh, limitPrice, meter?.address);
  const order: PlacedOrder = {
    id,
    signer,
    account: signer.address,
    meter: meter?.address,
    quantityWh,
    limitPrice,
    filledWh: 0n,
  };
  orders.push(order);
  await expectMarketBalanced(s);
  return order;
}

/** Total money in the system: what the market owes plus what the accounts hold outside it. */
async function moneySupply(s: GridSystem): Promise<bigint> {
  let total = await s.token.balanceOf(await s.market.getAddress());
  for (const account of systemAccounts(s)) total += await s.token.balanceOf(account);
  return total;
}

describe("Integration: one slot through registry, market and certificates", function () {
  it("conserves money, energy and certificates from deposits to withdrawals", async function () {
    const s = await networkHelpers.loadFixture(gridSystem);
    const { market, certificates, registry } = s;
    const supplyBefore = await moneySupply(s);
    await expectMarketBalanced(s);

    // Orders: four sellers (two Solar meters, one Wind meter with two orders, one Storage meter; one order
    // priced out), three buyers (Carol's last two orders adjacent), one cancelled buy.
    const slot = await openSlot(market);
    const buys: PlacedOrder[] = [];
    const sells: PlacedOrder[] = [];
    await placeChecked(s, sells, s.alice, slot, Side.Sell, 1_000n, 4n, s.meterAlice);
    await placeChecked(s, sells, s.bob, slot, Side.Sell, 800n, 5n, s.meterBob);
    await placeChecked(s, sells, s.dave, slot, Side.Sell, 600n, 5n, s.meterDaveWind);
    await placeChecked(s, sells, s.erin, slot, Side.Sell, 500n, 3n, s.meterErinBattery);
    await placeChecked(s, sells, s.alice, slot, Side.Sell, 300n, 12n, s.meterAlice);
    await placeChecked(s, sells, s.dave, slot, Side.Sell, 200n, 4n, s.meterDaveWind);
    await placeChecked(s, buys, s.carol, slot, Side.Buy, 900n, 9n);
    await placeChecked(s, buys, s.frank, slot, Side.Buy, 700n, 7n);
    await placeChecked(s, buys, s.erin, slot, Side.Buy, 500n, 5n);
    await placeChecked(s, buys, s.carol, slot, Side.Buy, 200n, 8n);
    await placeChecked(s, buys, s.carol, slot, Side.Buy, 100n, 8n);
    const cancelled = await placeChecked(s, buys, s.frank, slot, Side.Buy, 400n, 10n);
    await (await market.connect(s.frank).cancelOrder(cancelled.id)).wait();
    cancelled.cancelled = true;
    await expectMarketBalanced(s);

    // Clear at gate closure: uniform price, fills consistent with every limit.
    await advanceTo(s, time, await market.gateClosureOf(slot));
    await (await market.connect(s.stranger).clear(slot)).wait();
    const info = await market.slotInfo(slot);
    expect(info.status).to.equal(BigInt(SlotStatus.Cleared));
    const price = info.price;
    const q = info.clearedWh;
    expect(q, "something traded").to.be.greaterThan(0n);
    for (const order of [...buys, ...sells]) {
      order.filledWh = await market.fillOf(order.id);
      expect(order.filledWh).to.be.at.most(order.quantityWh);
      if (order.cancelled) expect(order.filledWh).to.equal(0n);
      if (order.filledWh === 0n) continue;
      if (order.meter === undefined) expect(order.limitPrice).to.be.at.least(price);
      else expect(order.limitPrice).to.be.at.most(price);
    }
    const liveBuys = buys.filter((o) => !o.cancelled);
    expect(
      liveBuys.reduce((t, o) => t + o.filledWh, 0n),
      "buy fills = Q",
    ).to.equal(q);
    expect(
      sells.reduce((t, o) => t + o.filledWh, 0n),
      "sell fills = Q",
    ).to.equal(q);
    expect(await market.escrowed()).to.equal(price * q);
    await expectMarketBalanced(s);

    // Every meter's reading, signed by its own key, relayed by the data hub in one batch once the slot
    // has ended. Alice exports more than she sold, Dave's wind less; Dave's idle meter sold nothing.
    await advanceTo(s, time, await registry.slotEnd(slot));
    const exports = new Map<Wallet, bigint>([
      [s.meterAlice, 1_234n],
      [s.meterBob, 1_000n],
      [s.meterDaveWind, 250n],
      [s.meterErinBattery, 500n],
      [s.meterDaveIdle, 700n],
    ]);
    await relayReadings(s, s.hub, slot, [
      ...[...exports].map(([meter, exportedWh]) => ({ meter, exportedWh })),
      { meter: s.meterCarol, importedWh: 900n, exportedWh: 0n },
    ]);

    // Before settlement the request path refuses every meter: a seller's export may belong to buyers, and
    // even the idle meter waits until the slot is final.
    for (const meter of [s.meterAlice, s.meterDaveWind, s.meterDaveIdle]) {
      await expect(certificates.issue(meter.address, slot))
        .to.be.revertedWithCustomError(certificates, "CertificatesSlotNotFinal")
        .withArgs(slot);
    }

    // The model of the settlement.
    const solarId = await certificates.idOf(slot, EnergySource.Solar);
    const windId = await certificates.idOf(slot, EnergySource.Wind);
    const meters = new Map<string, ModelMeter>([
      [s.meterAlice.address, { owner: s.alice.address, certificateId: solarId }],
      [s.meterBob.address, { owner: s.bob.address, certificateId: solarId }],
      [s.meterDaveWind.address, { owner: s.dave.address, certificateId: windId }],
      [s.meterErinBattery.address, { owner: s.erin.address }],
    ]);
    for (const [meter, exportedWh] of exports) {
      const m = meters.get(meter.address);
      if (m !== undefined) m.exportedWh = exportedWh;
    }
    const model = modelSlot({
      price,
      quantityWh: q,
      collateralPerWh: COLLATERAL_PER_WH,
      penaltyPerWh: PENALTY_PER_WH,
      buys: liveBuys,
      sells,
      meters,
    });
    expect(model.shortfallWh, "the scenario has a shortfall").to.be.greaterThan(0n);

    // Settle: money, energy and certificates exactly as modelled.
    await advanceTo(s, time, await market.readingWindowEnd(slot));
    const tx = market.connect(s.stranger).settle(slot);
    await expect(tx)
      .to.emit(market, "SlotSettled")
      .withArgs(slot, model.deliveredWh, model.shortfallWh, model.penalties);
    expect(model.deliveredWh + model.shortfallWh, "delivered + shortfall = sold").to.equal(q);
    const receipt = (await (await tx).wait())!;
    expect(await market.escrowed()).to.equal(0n);
    expect(await market.isSlotFinal(slot)).to.equal(true);
    const traders = [s.alice, s.bob, s.carol, s.dave, s.erin, s.frank];
    for (const trader of traders) {
      const { free, locked } = await market.balanceOf(trader.address);
      expect(locked, `${trader.address} locked`).to.equal(0n);
      expect(free, `${trader.address} free`).to.equal(
        DEPOSIT + (model.moneyDelta.get(trader.address) ?? 0n),
      );
    }
    expect(await market.balanceOf(s.gridAccount.address)).to.deep.equal([
      model.gridOperatorPay,
      0n,
    ]);
    await expectMarketBalanced(s);

    // Settlement moved money only: no certificate exists yet, and the request path waits for the sellers.
    expect(eventsOf(certificates, receipt.logs, "TransferSingle")).to.deep.equal([]);
    await expect(certificates.issue(s.meterDaveIdle.address, slot))
      .to.be.revertedWithCustomError(certificates, "CertificatesSellersNotCertified")
      .withArgs(slot);

    // Certification, by a stranger, in pages of two orders.
    const pages = await certifySlot(certificates, slot, {
      sellPage: 2n,
      buyPage: 2n,
      runner: s.stranger,
    });
    expect(pages.sellers.length).to.equal(Math.ceil(sells.length / 2));
    expect(pages.buyers.length).to.equal(Math.ceil(buys.length / 2));
    expect(await certificates.isSlotCertified(slot)).to.equal(true);
    const logs = [...pages.sellers, ...pages.buyers].flatMap((r) => r.logs);
    const issued = eventsOf(certificates, logs, "CertificatesIssued");
    expect(issued.map((e) => e.args.meter)).to.have.members(model.issues.map((i) => i.meter));
    expect(issued.length).to.equal(model.issues.length);
    for (const expected of model.issues) {
      const event = issued.find((e) => e.args.meter === expected.meter)!;
      expect(event.args.slot).to.equal(slot);
      expect(event.args.id).to.equal(expected.certificateId);
      expect(event.args.amountWh, "issued = export").to.equal(expected.exportedWh);
      expect(event.args.toBuyersWh).to.equal(expected.toBuyersWh);
      expect(event.args.toOwnerWh).to.equal(expected.toOwnerWh);
      expect(await certificates.isIssued(expected.meter, slot)).to.equal(true);
    }
    const skipped = eventsOf(certificates, logs, "IssuanceSkipped");
    expect(skipped.map((e) => [e.args.meter, e.args.reason])).to.deep.equal([
      [
        s.meterErinBattery.address,
        certificates.interface.getError("CertificatesNotRenewable")!.selector,
      ],
    ]);
    const returned = eventsOf(certificates, logs, "RoundingReturned");
    expect(returned.map((e) => [e.args.meter, e.args.id, e.args.amountWh])).to.have.deep.members(
      [...model.remainders].map(([id, r]) => [r.meter, id, r.amountWh]),
    );
    const holders = [...traders.map((t) => t.address), s.gridAccount.address];
    for (const id of [solarId, windId]) {
      let supply = 0n;
      for (const holder of holders) {
        const balance = await certificates.balanceOf(holder, id);
        expect(balance, `${holder} / ${id}`).to.equal(
          model.certificates.get(holding(holder, id)) ?? 0n,
        );
        supply += balance;
      }
      const issuedOfId = model.issues
        .filter((i) => i.certificateId === id)
        .reduce((t, i) => t + i.exportedWh, 0n);
      expect(supply, "supply of the id = exports issued").to.equal(issuedOfId);
    }

    // The seller keeps only its unsold export plus, as the largest solar seller, the pool's rounding
    // remainder (< one Wh per filled buy order): never the certificates of what it delivered.
    const aliceIssue = model.issues.find((i) => i.meter === s.meterAlice.address)!;
    const remainder = model.remainders.get(solarId);
    const filledBuys = liveBuys.filter((o) => o.filledWh > 0n).length;
    expect(remainder?.meter ?? s.meterAlice.address).to.equal(s.meterAlice.address);
    expect(remainder?.amountWh ?? 0n).to.be.lessThan(BigInt(filledBuys));
    expect(await certificates.balanceOf(s.alice.address, solarId)).to.equal(
      aliceIssue.exportedWh - aliceIssue.toBuyersWh + (remainder?.amountWh ?? 0n),
    );

    // The request path: already issued for every meter that sold, the whole export for the idle meter,
    // once.
    const soldFrom = [s.meterAlice, s.meterBob, s.meterDaveWind];
    for (const meter of soldFrom) {
      expect(sells.some((o) => o.meter === meter.address && o.filledWh > 0n)).to.equal(true);
    }
    for (const meter of soldFrom) {
      await expect(certificates.issue(meter.address, slot))
        .to.be.revertedWithCustomError(certificates, "CertificatesAlreadyIssued")
        .withArgs(meter.address, slot);
    }
    await expect(certificates.connect(s.hub).issue(s.meterDaveIdle.address, slot))
      .to.emit(certificates, "CertificatesIssued")
      .withArgs(
        s.meterDaveIdle.address,
        slot,
        windId,
        EnergySource.Wind,
        await zoneOf(s),
        700n,
        0n,
        700n,
      );
    await expect(certificates.issue(s.meterDaveIdle.address, slot)).to.be.revertedWithCustomError(
      certificates,
      "CertificatesAlreadyIssued",
    );
    await expect(certificates.issue(s.meterErinBattery.address, slot))
      .to.be.revertedWithCustomError(certificates, "CertificatesNotRenewable")
      .withArgs(s.meterErinBattery.address, EnergySource.Storage);

    // Retirement burns for good: supply + retired = issued.
    const carolSolar = await certificates.balanceOf(s.carol.address, solarId);
    expect(carolSolar).to.be.greaterThan(0n);
    await expect(
      certificates.connect(s.carol).retire(solarId, carolSolar, s.carol.address, "0x1234"),
    )
      .to.emit(certificates, "CertificatesRetired")
      .withArgs(s.carol.address, s.carol.address, solarId, carolSolar, "0x1234");
    expect(await certificates.balanceOf(s.carol.address, solarId)).to.equal(0n);

    // Everyone withdraws everything: the market is left empty and no token was created or lost.
    for (const account of [...traders, s.gridAccount]) {
      const { free } = await market.balanceOf(account.address);
      if (free !== 0n) await (await market.connect(account).withdraw(free)).wait();
      await expectMarketBalanced(s);
    }
    expect(await s.token.balanceOf(await market.getAddress())).to.equal(0n);
    expect(await moneySupply(s)).to.equal(supplyBefore);
  });
});

async function zoneOf(s: GridSystem): Promise<string> {
  return (await s.registry.meterOf(s.meterDaveIdle.address)).zone;
}
