import { expect } from "chai";
import { network } from "hardhat";
import { Signature, recoverAddress } from "ethers";

import {
  CHANGE_DELAY_SLOTS,
  EnergySource,
  GRID_OPERATOR_ROLE,
  MeterKind,
  MeterStatus,
  READING_WINDOW,
  SLOT_LENGTH,
  maxWhPerSlot,
  meterWallet,
  registerMeter,
  registryFixtures,
  signedReading,
} from "./helpers/registry.js";
import type { RegisteredMeter, RegistryWithMeters } from "./helpers/registry.js";
import {
  SECP256K1_N,
  malleate,
  readingDigest,
  registryDomain,
  signReading,
  splitVs,
} from "../fixtures/readings.js";
import type { SignedReading } from "../fixtures/readings.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const { registryWithMeters } = registryFixtures(connection);

/** The address ecrecover yields for `reading` under `domain`, decoding (r, vs) as the registry does. */
function recoveredBy(reading: SignedReading, domain: Parameters<typeof readingDigest>[0]): string {
  return recoverAddress(
    readingDigest(domain, reading),
    Signature.from({ r: reading.r, yParityAndS: reading.vs }),
  );
}

describe("MeterRegistry readings", function () {
  /** Slot 3 ends at genesis + 4 slots; the fixture's clock starts before genesis. */
  const SLOT = 3n;
  let ctx: RegistryWithMeters;
  let slotEnd: bigint;
  let windowEnd: bigint;

  beforeEach(async function () {
    ctx = await networkHelpers.loadFixture(registryWithMeters);
    slotEnd = await ctx.registry.slotEnd(SLOT);
    windowEnd = await ctx.registry.readingWindowEnd(SLOT);
  });

  /** Sends `reading` in a block whose timestamp is exactly `timestamp`. */
  async function submitAt(timestamp: bigint, reading: SignedReading, from = ctx.accounts.hub) {
    await networkHelpers.time.setNextBlockTimestamp(timestamp);
    return ctx.registry.connect(from).submitReading(reading);
  }

  describe("submitReading", function () {
    it("records the reading, emits ReadingRecorded and makes it readable by meter and by index", async function () {
      const reading = await signedReading(ctx, ctx.solar, SLOT, 12n, 843n);
      await expect(submitAt(slotEnd, reading))
        .to.emit(ctx.registry, "ReadingRecorded")
        .withArgs(ctx.solar.address, SLOT, 843n, reading.importedCommitment);
      expect(await ctx.registry.readingOf(ctx.solar.address, SLOT)).to.deep.equal([true, 843n]);
      expect(await ctx.registry.readingOfIndex(ctx.solar.index, SLOT)).to.deep.equal([true, 843n]);
    });

    it("may be submitted by anyone, the meter's owner and a stranger included", async function () {
      await networkHelpers.time.increaseTo(slotEnd);
      for (const [meter, from] of [
        [ctx.solar, ctx.accounts.stranger],
        [ctx.home, ctx.accounts.owner],
      ] as const) {
        await ctx.registry
          .connect(from)
          .submitReading(await signedReading(ctx, meter, SLOT, 1n, 0n));
        expect((await ctx.registry.readingOf(meter.address, SLOT)).recorded).to.equal(true);
      }
    });

    it("readingOf tells no reading (recorded = false) from a zero reading (recorded = true)", async function () {
      const empty = await ctx.registry.readingOf(ctx.solar.address, SLOT);
      expect(empty).to.deep.equal([false, 0n]);
      await submitAt(slotEnd, await signedReading(ctx, ctx.solar, SLOT, 0n, 0n));
      expect(await ctx.registry.readingOf(ctx.solar.address, SLOT)).to.deep.equal([true, 0n]);
      expect(await ctx.registry.readingOf(ctx.solar.address, SLOT + 1n)).to.deep.equal([false, 0n]);
      expect(await ctx.registry.readingOf(meterWallet("nobody").address, SLOT)).to.deep.equal([
        false,
        0n,
      ]);
      expect(await ctx.registry.readingOfIndex(0, SLOT)).to.deep.equal([false, 0n]);
    });

    it("keeps the slots that share a storage word and their neighbours apart, at full scale", async function () {
      // A uint32-max-W meter: its per-slot limit is the largest a lane is ever asked to hold on this clock.
      const big = await registerMeter(ctx, {
        wallet: meterWallet("substation"),
        kind: MeterKind.Bidirectional,
        source: EnergySource.Other,
        ratedCapacityW: (1n << 32n) - 1n,
        zone: ctx.solar.zone,
        commissionedAt: ctx.clock.genesis,
      });
      const max = maxWhPerSlot(big.ratedCapacityW);
      const values: [bigint, bigint, bigint][] = [
        [3n, max, 0n],
        [4n, 0n, max],
        [5n, max, max],
        [6n, 0n, 0n],
        [7n, 1n, max - 1n],
        [8n, max, 1n],
      ];
      await networkHelpers.time.increaseTo(await ctx.registry.slotEnd(8n));
      for (const [slot, importedWh, exportedWh] of values) {
        await ctx.registry.submitReading(
          await signedReading(ctx, big, slot, importedWh, exportedWh),
        );
      }
      for (const [slot, importedWh, exportedWh] of values) {
        // The import is not stored (only committed to in the log); the export is.
        expect(
          await ctx.registry.readingOf(big.address, slot),
          `slot ${slot} (${importedWh} Wh in)`,
        ).to.deep.equal([true, exportedWh]);
      }
      for (const slot of [2n, 9n]) {
        expect((await ctx.registry.readingOf(big.address, slot)).recorded).to.equal(false);
      }
    });

    it("reverts with RegistryUnknownMeter for an unregistered meter", async function () {
      const nobody = meterWallet("nobody");
      const reading = await signReading(nobody, ctx.domain, {
        meter: nobody.address,
        slot: SLOT,
        importedWh: 1n,
        exportedWh: 1n,
      });
      await expect(submitAt(slotEnd, reading))
        .to.be.revertedWithCustomError(ctx.registry, "RegistryUnknownMeter")
        .withArgs(nobody.address);
    });
  });

  describe("time rules", function () {
    it("refuses a reading one second before its slot ends (RegistrySlotNotEnded) and accepts it at the end", async function () {
      const reading = await signedReading(ctx, ctx.solar, SLOT, 0n, 500n);
      await expect(submitAt(slotEnd - 1n, reading))
        .to.be.revertedWithCustomError(ctx.registry, "RegistrySlotNotEnded")
        .withArgs(SLOT, slotEnd, slotEnd - 1n);
      await expect(submitAt(slotEnd, reading)).to.emit(ctx.registry, "ReadingRecorded");
    });

    it("accepts a reading one second before its window closes and refuses it at the close (RegistryReadingWindowClosed)", async function () {
      expect(windowEnd).to.equal(slotEnd + READING_WINDOW);
      const late = await signedReading(ctx, ctx.solar, SLOT, 0n, 500n);
      const lastChance = await signedReading(ctx, ctx.home, SLOT, 700n, 0n);
      await expect(submitAt(windowEnd - 1n, lastChance)).to.emit(ctx.registry, "ReadingRecorded");
      await expect(submitAt(windowEnd, late))
        .to.be.revertedWithCustomError(ctx.registry, "RegistryReadingWindowClosed")
        .withArgs(SLOT, windowEnd, windowEnd);
      expect((await ctx.registry.readingOf(ctx.solar.address, SLOT)).recorded).to.equal(false);
    });

    it("refuses slots that start before commissioning (RegistryReadingBeforeCommissioning) and accepts the first whole slot", async function () {
      // Commissioned in the middle of slot 2: slot 2 is refused, slot 3 (starting after) is accepted.
      const commissionedAt = ctx.clock.genesis + 2n * SLOT_LENGTH + 1n;
      const late = await registerMeter(ctx, {
        wallet: meterWallet("late"),
        kind: MeterKind.Generation,
        source: EnergySource.Hydro,
        ratedCapacityW: 1_000n,
        zone: ctx.solar.zone,
        commissionedAt,
      });
      await networkHelpers.time.increaseTo(slotEnd);
      await expect(ctx.registry.submitReading(await signedReading(ctx, late, 2n, 0n, 1n)))
        .to.be.revertedWithCustomError(ctx.registry, "RegistryReadingBeforeCommissioning")
        .withArgs(late.address, 2n, commissionedAt);
      await expect(ctx.registry.submitReading(await signedReading(ctx, late, 3n, 0n, 1n))).to.emit(
        ctx.registry,
        "ReadingRecorded",
      );
    });

    it("accepts the slot that starts exactly at commissioning", async function () {
      await networkHelpers.time.increaseTo(await ctx.registry.slotEnd(0n));
      await expect(
        ctx.registry.submitReading(await signedReading(ctx, ctx.solar, 0n, 0n, 1n)),
      ).to.emit(ctx.registry, "ReadingRecorded");
    });
  });

  describe("capacity", function () {
    it("accepts exportedWh exactly at maxWhPerSlot and refuses one Wh more (RegistryReadingExceedsCapacity)", async function () {
      const max = await ctx.registry.maxWhPerSlot(ctx.battery.address);
      expect(max).to.equal(maxWhPerSlot(ctx.battery.ratedCapacityW));
      await networkHelpers.time.increaseTo(await ctx.registry.slotEnd(SLOT + 1n));
      await expect(
        ctx.registry.submitReading(await signedReading(ctx, ctx.battery, SLOT, 0n, max + 1n)),
      )
        .to.be.revertedWithCustomError(ctx.registry, "RegistryReadingExceedsCapacity")
        .withArgs(ctx.battery.address, SLOT, max + 1n, max);
      await ctx.registry.submitReading(await signedReading(ctx, ctx.battery, SLOT, 0n, max));
      expect((await ctx.registry.readingOf(ctx.battery.address, SLOT)).exportedWh).to.equal(max);
    });

    it("does not bound importedWh on chain: it is hidden behind its commitment", async function () {
      const max = await ctx.registry.maxWhPerSlot(ctx.battery.address);
      await networkHelpers.time.increaseTo(slotEnd);
      await expect(
        ctx.registry.submitReading(await signedReading(ctx, ctx.battery, SLOT, max + 1n, 0n)),
      ).to.emit(ctx.registry, "ReadingRecorded");
    });

    it("rounds the limit down and applies a capacity update to later readings", async function () {
      const { registry, accounts, solar } = ctx;
      await registry
        .connect(accounts.operator)
        .updateMeter(solar.address, accounts.owner.address, 4_003n, solar.zone);
      // 4,003 W x 900 s / 3,600 s/h = 1,000.75 Wh: the limit is 1,000 Wh.
      expect(await registry.maxWhPerSlot(solar.address)).to.equal(1_000n);
      await networkHelpers.time.increaseTo(slotEnd);
      await expect(registry.submitReading(await signedReading(ctx, solar, SLOT, 0n, 1_001n)))
        .to.be.revertedWithCustomError(registry, "RegistryReadingExceedsCapacity")
        .withArgs(solar.address, SLOT, 1_001n, 1_000n);
    });
  });

  describe("replays", function () {
    it("refuses the same reading twice and a re-signed different one (RegistryReadingExists); the first stays", async function () {
      const first = await signedReading(ctx, ctx.solar, SLOT, 5n, 600n);
      await submitAt(slotEnd, first);
      await expect(ctx.registry.connect(ctx.accounts.stranger).submitReading(first))
        .to.be.revertedWithCustomError(ctx.registry, "RegistryReadingExists")
        .withArgs(ctx.solar.address, SLOT);
      const corrected = await signedReading(ctx, ctx.solar, SLOT, 0n, 999n);
      await expect(ctx.registry.submitReading(corrected))
        .to.be.revertedWithCustomError(ctx.registry, "RegistryReadingExists")
        .withArgs(ctx.solar.address, SLOT);
      expect(await ctx.registry.readingOf(ctx.solar.address, SLOT)).to.deep.equal([true, 600n]);
    });
  });

  describe("signatures", function () {
    it("refuses a reading signed by another key (RegistryInvalidSignature with that key's address)", async function () {
      const intruder = meterWallet("intruder");
      const reading = await signedReading(ctx, ctx.solar, SLOT, 0n, 1n, intruder);
      await expect(submitAt(slotEnd, reading))
        .to.be.revertedWithCustomError(ctx.registry, "RegistryInvalidSignature")
        .withArgs(ctx.solar.address, SLOT, intruder.address);
    });

    it("refuses another meter's key, though it is registered", async function () {
      const reading = await signedReading(ctx, ctx.solar, SLOT, 0n, 1n, ctx.home.wallet);
      await expect(submitAt(slotEnd, reading))
        .to.be.revertedWithCustomError(ctx.registry, "RegistryInvalidSignature")
        .withArgs(ctx.solar.address, SLOT, ctx.home.address);
    });

    it("refuses values changed after signing", async function () {
      const signed = await signedReading(ctx, ctx.solar, SLOT, 0n, 100n);
      const tampered = { ...signed, exportedWh: 900n };
      const recovered = recoveredBy(tampered, ctx.domain);
      expect(recovered).to.not.equal(ctx.solar.address);
      await expect(submitAt(slotEnd, tampered))
        .to.be.revertedWithCustomError(ctx.registry, "RegistryInvalidSignature")
        .withArgs(ctx.solar.address, SLOT, recovered);
    });

    it("refuses the high-s twin (s -> n - s, parity toggled) of a valid signature", async function () {
      const valid = await signedReading(ctx, ctx.solar, SLOT, 0n, 100n);
      const twin = malleate(valid);
      const { s } = splitVs(valid.vs);
      // The twin encodes n - s with the other parity: what plain ecrecover would also accept.
      expect(BigInt(twin.vs) & ((1n << 255n) - 1n)).to.equal(
        (SECP256K1_N - s) & ((1n << 255n) - 1n),
      );
      const recovered = recoveredBy(twin, ctx.domain);
      expect(recovered).to.not.equal(ctx.solar.address);
      await expect(submitAt(slotEnd, twin))
        .to.be.revertedWithCustomError(ctx.registry, "RegistryInvalidSignature")
        .withArgs(ctx.solar.address, SLOT, recovered);
      await expect(ctx.registry.submitReading(valid)).to.emit(ctx.registry, "ReadingRecorded");
    });

    it("refuses a signature made for another chainId", async function () {
      const otherChain = registryDomain(await ctx.registry.getAddress(), ctx.chainId + 1n);
      const reading = await signReading(ctx.solar.wallet, otherChain, {
        meter: ctx.solar.address,
        slot: SLOT,
        importedWh: 0n,
        exportedWh: 10n,
      });
      await expect(submitAt(slotEnd, reading))
        .to.be.revertedWithCustomError(ctx.registry, "RegistryInvalidSignature")
        .withArgs(ctx.solar.address, SLOT, recoveredBy(reading, ctx.domain));
    });

    it("refuses a signature made for another registry, which accepts it", async function () {
      const { accounts, clock } = ctx;
      const other = await ethers.deployContract("MeterRegistry", [
        accounts.admin.address,
        clock.genesis,
        clock.slotLength,
        clock.readingWindow,
        CHANGE_DELAY_SLOTS,
      ]);
      await other.connect(accounts.admin).grantRole(GRID_OPERATOR_ROLE, accounts.operator.address);
      const s = ctx.solar;
      await other
        .connect(accounts.operator)
        .registerMeter(
          s.address,
          accounts.owner.address,
          s.kind,
          s.source,
          s.ratedCapacityW,
          s.zone,
          s.commissionedAt,
        );
      const otherDomain = registryDomain(await other.getAddress(), ctx.chainId);
      const reading = await signReading(s.wallet, otherDomain, {
        meter: s.address,
        slot: SLOT,
        importedWh: 0n,
        exportedWh: 10n,
      });
      await expect(submitAt(slotEnd, reading))
        .to.be.revertedWithCustomError(ctx.registry, "RegistryInvalidSignature")
        .withArgs(s.address, SLOT, recoveredBy(reading, ctx.domain));
      await expect(other.submitReading(reading)).to.emit(other, "ReadingRecorded");
    });
  });

  describe("key life cycle", function () {
    async function rotate(meter: RegisteredMeter, label: string) {
      const next = meterWallet(label);
      await ctx.registry.connect(ctx.accounts.operator).rotateMeterKey(meter.address, next.address);
      return next;
    }

    it("after a rotation: the old key signs the slots before its slot, the new key the slots from it", async function () {
      await networkHelpers.time.increaseTo(await ctx.registry.slotEnd(SLOT + 1n));
      await ctx.registry.submitReading(await signedReading(ctx, ctx.solar, SLOT - 1n, 0n, 321n));
      const next = await rotate(ctx.solar, "solar replacement");
      const from = (await ctx.registry.pendingChangeOf(ctx.solar.address)).fromSlot;
      expect(from).to.equal(SLOT + 2n + CHANGE_DELAY_SLOTS);

      expect(await ctx.registry.readingOf(ctx.solar.address, SLOT - 1n)).to.deep.equal([
        true,
        321n,
      ]);
      // The slot in its reading window keeps the key it was traded under.
      await expect(
        ctx.registry.submitReading(await signedReading(ctx, ctx.solar, SLOT, 0n, 2n, next)),
      )
        .to.be.revertedWithCustomError(ctx.registry, "RegistryInvalidSignature")
        .withArgs(ctx.solar.address, SLOT, next.address);
      await expect(
        ctx.registry.submitReading(await signedReading(ctx, ctx.solar, SLOT, 0n, 1n)),
      ).to.emit(ctx.registry, "ReadingRecorded");

      await networkHelpers.time.increaseTo(await ctx.registry.slotEnd(from));
      await expect(ctx.registry.submitReading(await signedReading(ctx, ctx.solar, from, 0n, 1n)))
        .to.be.revertedWithCustomError(ctx.registry, "RegistryInvalidSignature")
        .withArgs(ctx.solar.address, from, ctx.solar.address);
      const byNewKey = await signedReading(ctx, ctx.solar, from, 0n, 2n, next);
      await expect(ctx.registry.submitReading(byNewKey))
        .to.emit(ctx.registry, "ReadingRecorded")
        .withArgs(ctx.solar.address, from, 2n, byNewKey.importedCommitment);
    });

    it("after a revocation every key is refused (RegistryKeyRevoked) from its slot until a rotation", async function () {
      await ctx.registry.connect(ctx.accounts.operator).revokeMeterKey(ctx.solar.address);
      const from = CHANGE_DELAY_SLOTS; // revoked before genesis: from slot 0 + the delay
      await networkHelpers.time.increaseTo(slotEnd);
      await expect(
        ctx.registry.submitReading(await signedReading(ctx, ctx.solar, SLOT, 0n, 1n)),
      ).to.emit(ctx.registry, "ReadingRecorded");
      await networkHelpers.time.increaseTo(await ctx.registry.slotEnd(from));
      for (const key of [ctx.solar.wallet, meterWallet("anyone")]) {
        await expect(
          ctx.registry.submitReading(await signedReading(ctx, ctx.solar, from, 0n, 1n, key)),
        )
          .to.be.revertedWithCustomError(ctx.registry, "RegistryKeyRevoked")
          .withArgs(ctx.solar.address);
      }
      // The next change waits until no slot before `from` accepts readings.
      await expect(rotate(ctx.solar, "solar after revocation"))
        .to.be.revertedWithCustomError(ctx.registry, "RegistryChangePending")
        .withArgs(ctx.solar.address, from);
      await networkHelpers.time.increaseTo(await ctx.registry.readingWindowEnd(from - 1n));
      const next = await rotate(ctx.solar, "solar after revocation");
      const rotatedFrom = (await ctx.registry.pendingChangeOf(ctx.solar.address)).fromSlot;
      await networkHelpers.time.increaseTo(await ctx.registry.slotEnd(rotatedFrom));
      await expect(
        ctx.registry.submitReading(await signedReading(ctx, ctx.solar, rotatedFrom, 0n, 1n)),
      )
        .to.be.revertedWithCustomError(ctx.registry, "RegistryInvalidSignature")
        .withArgs(ctx.solar.address, rotatedFrom, ctx.solar.address);
      await expect(
        ctx.registry.submitReading(await signedReading(ctx, ctx.solar, rotatedFrom, 0n, 1n, next)),
      ).to.emit(ctx.registry, "ReadingRecorded");
    });
  });

  describe("meter status", function () {
    it("accepts readings while suspended (a suspension never makes a delivery a shortfall) and marks the slots", async function () {
      const { registry, accounts, battery } = ctx;
      await registry.connect(accounts.regulator).suspendMeter(battery.address);
      const reading = await signedReading(ctx, battery, SLOT, 10n, 0n);
      await expect(submitAt(slotEnd, reading)).to.emit(registry, "ReadingRecorded");
      expect((await registry.meterOf(battery.address)).status).to.equal(MeterStatus.Suspended);
      expect(await registry.isSuspendedIn(battery.address, SLOT)).to.equal(true);
      await registry.connect(accounts.regulator).reinstateMeter(battery.address);
      expect(await registry.isSuspendedIn(battery.address, SLOT)).to.equal(true);
      expect(await registry.isSuspendedIn(battery.address, SLOT + 2n)).to.equal(false);
    });

    it("refuses readings of a retired meter (RegistryMeterNotActive) from its slot and keeps its history", async function () {
      const { registry, accounts, home } = ctx;
      await submitAt(slotEnd, await signedReading(ctx, home, SLOT, 2_000n, 0n));
      await registry.connect(accounts.operator).retireMeter(home.address);
      const from = (await registry.pendingChangeOf(home.address)).fromSlot;
      await expect(
        registry.submitReading(await signedReading(ctx, home, SLOT - 1n, 1n, 0n)),
      ).to.emit(registry, "ReadingRecorded");
      await networkHelpers.time.increaseTo(await registry.slotEnd(from));
      await expect(registry.submitReading(await signedReading(ctx, home, from, 1n, 0n)))
        .to.be.revertedWithCustomError(registry, "RegistryMeterNotActive")
        .withArgs(home.address, MeterStatus.Retired);
      expect(await registry.readingOf(home.address, SLOT)).to.deep.equal([true, 0n]);
    });
  });
});
