/**
 * Integration: a regulator suspends a selling meter in the middle of a slot's life cycle, with the real
 * registry, market and certificates. Money always settles (on the readings that exist), the meter's
 * certificates are withheld for good (never issued, not even after reinstatement), and the market's
 * books stay balanced to the unit.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";

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
import { EnergySource, MeterStatus } from "../helpers/registry.js";
import { expectMarketBalanced, gridSystem, relayReadings } from "./system.js";

const { networkHelpers } = await network.create();
const { time } = networkHelpers;

describe("Integration: suspension mid-way through a slot", function () {
  it("after the reading: the sale settles on the reading and the certificates are withheld for good", async function () {
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

    await advanceTo(s, time, await registry.slotEnd(slot));
    await relayReadings(s, s.hub, slot, [
      { meter: s.meterAlice, exportedWh: 1_000n },
      { meter: s.meterBob, exportedWh: 500n },
      { meter: s.meterDaveIdle, exportedWh: 300n },
    ]);
    await expect(registry.connect(s.regulator).suspendMeter(s.meterAlice.address))
      .to.emit(registry, "MeterSuspended")
      .withArgs(s.meterAlice.address, s.regulator.address);
    await (await registry.connect(s.regulator).suspendMeter(s.meterDaveIdle.address)).wait();

    // A suspended meter cannot sell any more.
    await expect(
      market.connect(s.alice).placeOrder(slot + 4n, Side.Sell, 10n, 1n, s.meterAlice.address),
    )
      .to.be.revertedWithCustomError(market, "MarketInvalidMeter")
      .withArgs(s.meterAlice.address, 1n, MeterStatus.Suspended);

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

    // The idle meter is withheld by anyone while it is suspended.
    await expect(certificates.connect(s.stranger).withhold(s.meterDaveIdle.address, [slot]))
      .to.emit(certificates, "IssuanceWithheld")
      .withArgs(s.meterDaveIdle.address, slot, MeterStatus.Suspended);

    // Reinstatement does not revive withheld certificates.
    for (const meter of [s.meterAlice, s.meterDaveIdle]) {
      await (await registry.connect(s.regulator).reinstateMeter(meter.address)).wait();
      await expect(certificates.issue(meter.address, slot))
        .to.be.revertedWithCustomError(certificates, "CertificatesWithheld")
        .withArgs(meter.address, slot);
    }
    await expectMarketBalanced(s);
  });

  it("before the reading: the reading is refused, the sale settles as a shortfall and nothing is issued", async function () {
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
    await expect(registry.submitReading(reading))
      .to.be.revertedWithCustomError(registry, "RegistryMeterNotActive")
      .withArgs(s.meterAlice.address, MeterStatus.Suspended);

    await advanceTo(s, time, await market.readingWindowEnd(slot));
    const penalty = 1_000n * PENALTY_PER_WH;
    const collateral = 1_000n * COLLATERAL_PER_WH;
    const charged = penalty < collateral ? penalty : collateral;
    await expect(market.settle(slot))
      .to.emit(market, "SlotSettled")
      .withArgs(slot, 0n, 1_000n, charged);
    await expect(certificates.certifySellers(slot, 10n))
      .to.emit(certificates, "IssuanceSkipped")
      .withArgs(
        s.meterAlice.address,
        slot,
        certificates.interface.getError("CertificatesNoReading")!.selector,
      );
    await expect(certificates.claimBuyers(slot, 10n)).not.to.emit(certificates, "TransferSingle");
    expect(await certificates.isSlotCertified(slot)).to.equal(true);
    expect(await market.balanceOf(s.alice.address)).to.deep.equal([DEPOSIT - charged, 0n]);
    expect(await market.balanceOf(s.gridAccount.address)).to.deep.equal([
      price * 1_000n + charged,
      0n,
    ]);

    // After reinstatement the window has closed: the reading, and so the certificates, never come.
    await (await registry.connect(s.regulator).reinstateMeter(s.meterAlice.address)).wait();
    await expect(registry.submitReading(reading)).to.be.revertedWithCustomError(
      registry,
      "RegistryReadingWindowClosed",
    );
    await expect(certificates.issue(s.meterAlice.address, slot))
      .to.be.revertedWithCustomError(certificates, "CertificatesNoReading")
      .withArgs(s.meterAlice.address, slot);
    await expectMarketBalanced(s);
  });
});
