/**
 * Integration: a regulator suspends a selling meter in the middle of a slot's life cycle, with the real
 * registry, market and certificates. The suspension spans the slots from the one containing it through
 * the one containing the reinstatement: their readings are still accepted, so money settles on the real
 * delivery (a suspension never turns it into a shortfall), their certificates are withheld for good (never
 * issued, not even after reinstatement), earlier slots are not reached, and the books stay balanced.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";

import { DEPOSIT, Side, advanceTo, openSlot, place, signReading } from "../../fixtures/market.js";
import { EnergySource, MeterStatus } from "../helpers/registry.js";
import { expectMarketBalanced, gridSystem, relayReadings } from "./system.js";

const { networkHelpers } = await network.create();
const { time } = networkHelpers;

describe("Integration: suspension mid-way through a slot", function () {
  it("suspended during the slot, reinstated in its window: paid on the reading, certificates withheld for good", async function () {
    const s = await networkHelpers.loadFixture(gridSystem);
    const { market, certificates, registry } = s;
    const slot = await openSlot(market);
    await place(market, s.alice, slot, Side.Sell, 1_000n, 4n, s.meterAlice.address);
    await place(market, s.bob, slot, Side.Sell, 500n, 4n, s.meterBob.address);
    await place(market, s.carol, slot, Side.Buy, 1_500n, 6n);
    await advanceTo(s, time, await market.gateClosureOf(slot));
    await (await market.clear(slot)).wait();
    const { price, clearedWh } = await market.slotInfo(slot);
    expect(clearedWh).to.equal(1_500n);

    // Suspended during the slot.
    await advanceTo(s, time, await registry.slotStart(slot));
    await expect(registry.connect(s.regulator).suspendMeter(s.meterAlice.address))
      .to.emit(registry, "MeterSuspended")
      .withArgs(s.meterAlice.address, s.regulator.address, slot);
    await (await registry.connect(s.regulator).suspendMeter(s.meterDaveIdle.address)).wait();
    await advanceTo(s, time, await registry.slotEnd(slot));
    await relayReadings(s, s.hub, slot, [
      { meter: s.meterAlice, exportedWh: 1_000n },
      { meter: s.meterBob, exportedWh: 500n },
      { meter: s.meterDaveIdle, exportedWh: 300n },
    ]);

    // A suspended meter cannot sell any more.
    await expect(
      market.connect(s.alice).placeOrder(slot + 4n, Side.Sell, 10n, 1n, s.meterAlice.address),
    )
      .to.be.revertedWithCustomError(market, "MarketInvalidMeter")
      .withArgs(s.meterAlice.address, 1n, MeterStatus.Suspended);

    // Reinstated before the slot's window closes: the slot stays spanned.
    await (await registry.connect(s.regulator).reinstateMeter(s.meterAlice.address)).wait();
    expect(await registry.isSuspendedIn(s.meterAlice.address, slot)).to.equal(true);
    await advanceTo(s, time, await market.readingWindowEnd(slot));
    const solarId = await certificates.idOf(slot, EnergySource.Solar);
    await expect(market.settle(slot)).to.emit(market, "SlotSettled").withArgs(slot, 1_500n, 0n, 0n);
    // Certification by anyone: the suspended meter is withheld, the pool holds Bob's 500 Wh only.
    await expect(certificates.connect(s.stranger).certifySellers(slot, 10n))
      .to.emit(certificates, "IssuanceWithheld")
      .withArgs(s.meterAlice.address, slot, MeterStatus.Suspended)
      .and.to.emit(certificates, "CertificatesIssued")
      .withArgs(s.meterBob.address, slot, solarId, EnergySource.Solar, anyValue, 500n, 500n, 0n);
    // Carol's one order gets floor(500 x 1500 / 1500): all of the pool, no remainder.
    await expect(certificates.connect(s.stranger).claimBuyers(slot, 10n))
      .to.emit(certificates, "CertificatesClaimed")
      .withArgs(s.carol.address, slot, solarId, 500n)
      .and.not.to.emit(certificates, "RoundingReturned");
    // Money follows the readings: Alice delivered, so she is paid.
    expect(await market.balanceOf(s.alice.address)).to.deep.equal([DEPOSIT + price * 1_000n, 0n]);
    expect(await market.balanceOf(s.carol.address)).to.deep.equal([DEPOSIT - price * 1_500n, 0n]);
    // Certificates: only Bob's delivered energy reached Carol; nobody holds Alice's.
    expect(await certificates.balanceOf(s.carol.address, solarId)).to.equal(500n);
    expect(await certificates.balanceOf(s.alice.address, solarId)).to.equal(0n);
    expect(await certificates.isWithheld(s.meterAlice.address, slot)).to.equal(true);
    expect(await certificates.isIssued(s.meterAlice.address, slot)).to.equal(false);

    // The idle meter's spanned slot is withheld by anyone.
    await expect(certificates.connect(s.stranger).withhold(s.meterDaveIdle.address, [slot]))
      .to.emit(certificates, "IssuanceWithheld")
      .withArgs(s.meterDaveIdle.address, slot, MeterStatus.Suspended);

    // Reinstatement does not revive withheld certificates.
    await (await registry.connect(s.regulator).reinstateMeter(s.meterDaveIdle.address)).wait();
    for (const meter of [s.meterAlice, s.meterDaveIdle]) {
      await expect(certificates.issue(meter.address, slot))
        .to.be.revertedWithCustomError(certificates, "CertificatesWithheld")
        .withArgs(meter.address, slot);
    }
    await expectMarketBalanced(s);
  });

  it("suspended before the slot: the reading is still accepted, the sale settles on it, nothing is issued", async function () {
    const s = await networkHelpers.loadFixture(gridSystem);
    const { market, certificates, registry } = s;
    const slot = await openSlot(market);
    await place(market, s.alice, slot, Side.Sell, 1_000n, 4n, s.meterAlice.address);
    await place(market, s.carol, slot, Side.Buy, 1_000n, 6n);
    // The order placed while the meter was active stays in the book after the suspension.
    await (await registry.connect(s.regulator).suspendMeter(s.meterAlice.address)).wait();
    await advanceTo(s, time, await market.gateClosureOf(slot));
    await (await market.clear(slot)).wait();
    const { price, clearedWh } = await market.slotInfo(slot);
    expect(clearedWh).to.equal(1_000n);

    await advanceTo(s, time, await registry.slotEnd(slot));
    const reading = await signReading(registry, s.meterAlice, slot, 0n, 1_000n);
    await expect(registry.submitReading(reading)).to.emit(registry, "ReadingRecorded");

    await advanceTo(s, time, await market.readingWindowEnd(slot));
    await expect(market.settle(slot)).to.emit(market, "SlotSettled").withArgs(slot, 1_000n, 0n, 0n);
    await expect(certificates.certifySellers(slot, 10n))
      .to.emit(certificates, "IssuanceWithheld")
      .withArgs(s.meterAlice.address, slot, MeterStatus.Suspended);
    await expect(certificates.claimBuyers(slot, 10n)).not.to.emit(certificates, "TransferSingle");
    expect(await certificates.isSlotCertified(slot)).to.equal(true);
    expect(await market.balanceOf(s.alice.address)).to.deep.equal([DEPOSIT + price * 1_000n, 0n]);
    expect(await market.balanceOf(s.gridAccount.address)).to.deep.equal([0n, 0n]);

    await (await registry.connect(s.regulator).reinstateMeter(s.meterAlice.address)).wait();
    await expect(certificates.issue(s.meterAlice.address, slot))
      .to.be.revertedWithCustomError(certificates, "CertificatesWithheld")
      .withArgs(s.meterAlice.address, slot);
    await expectMarketBalanced(s);
  });

  it("suspended after the slot: the slot's certificates are issued (a suspension does not reach back)", async function () {
    const s = await networkHelpers.loadFixture(gridSystem);
    const { market, certificates, registry } = s;
    const slot = await openSlot(market);
    await advanceTo(s, time, await registry.slotEnd(slot));
    await relayReadings(s, s.hub, slot, [{ meter: s.meterDaveIdle, exportedWh: 300n }]);
    await (await registry.connect(s.regulator).suspendMeter(s.meterDaveIdle.address)).wait();
    await advanceTo(s, time, await market.readingWindowEnd(slot));
    expect(await certificates.isWithheld(s.meterDaveIdle.address, slot)).to.equal(false);
    await expect(certificates.issue(s.meterDaveIdle.address, slot)).to.emit(
      certificates,
      "CertificatesIssued",
    );
  });
});
