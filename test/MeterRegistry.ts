import { expect } from "chai";
import { network } from "hardhat";
import { ZeroAddress, id, keccak256, toUtf8Bytes } from "ethers";

import {
  CHANGE_DELAY_SLOTS,
  DEFAULT_ADMIN_ROLE,
  EnergySource,
  GRID_OPERATOR_ROLE,
  MeterKind,
  MeterStatus,
  READING_WINDOW,
  REGULATOR_ROLE,
  SECONDS_PER_HOUR,
  SLOT_LENGTH,
  maxWhPerSlot,
  meterWallet,
  registryFixtures,
  zoneCode,
} from "./helpers/registry.js";
import type { MeterSpec, RegistryContext, RegistryWithMeters } from "./helpers/registry.js";
import {
  REGISTRY_DOMAIN_NAME,
  REGISTRY_DOMAIN_VERSION,
  READING_TYPE,
  readingDigest,
  signReading,
} from "../fixtures/readings.js";
import { shouldGuardWithRoles } from "./helpers/roles.js";
import type { Actor } from "./helpers/roles.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const { deployRegistry, registryWithMeters, toChangeInForce } = registryFixtures(connection);

const ONE_DAY = 86_400n;
const SEVEN_DAYS = 7n * ONE_DAY;
const MAX_WH_PER_LANE = (1n << 31n) - 1n;
const UINT32_MAX = (1n << 32n) - 1n;

function newMeter(label: string, overrides: Partial<MeterSpec> = {}): MeterSpec {
  return {
    wallet: meterWallet(label),
    kind: MeterKind.Generation,
    source: EnergySource.Wind,
    ratedCapacityW: 20_000n,
    zone: zoneCode("NL-01"),
    commissionedAt: 1_700_000_000n,
    ...overrides,
  };
}

function register(ctx: RegistryContext, spec: MeterSpec, owner = ctx.accounts.owner.address) {
  return ctx.registry
    .connect(ctx.accounts.operator)
    .registerMeter(
      spec.wallet.address,
      owner,
      spec.kind,
      spec.source,
      spec.ratedCapacityW,
      spec.zone,
      spec.commissionedAt,
    );
}

/** A registry on an hourly clock: the only clock on which a uint32 capacity can overflow a lane. */
async function hourlyRegistry() {
  const ctx = await deployRegistry();
  const registry = await ethers.deployContract("MeterRegistry", [
    ctx.accounts.admin.address,
    ctx.clock.genesis,
    SECONDS_PER_HOUR,
    READING_WINDOW,
    CHANGE_DELAY_SLOTS,
  ]);
  await registry.connect(ctx.accounts.admin).grantRole(GRID_OPERATOR_ROLE, ctx.accounts.operator);
  return { ...ctx, registry };
}

/** registryWithMeters with the battery suspended, so that reinstateMeter has something to act on. */
async function registryWithSuspendedBattery(): Promise<RegistryWithMeters> {
  const ctx = await registryWithMeters();
  await ctx.registry.connect(ctx.accounts.regulator).suspendMeter(ctx.battery.address);
  return ctx;
}

describe("MeterRegistry", function () {
  describe("constructor", function () {
    it("stores the slot clock and grants DEFAULT_ADMIN_ROLE to the admin only", async function () {
      const { registry, accounts, clock } = await networkHelpers.loadFixture(deployRegistry);
      expect(await registry.slotClock()).to.deep.equal([
        clock.genesis,
        SLOT_LENGTH,
        READING_WINDOW,
      ]);
      expect(await registry.hasRole(DEFAULT_ADMIN_ROLE, accounts.admin.address)).to.equal(true);
      expect(await registry.hasRole(DEFAULT_ADMIN_ROLE, accounts.operator.address)).to.equal(false);
      expect(await registry.getRoleAdmin(GRID_OPERATOR_ROLE)).to.equal(DEFAULT_ADMIN_ROLE);
      expect(await registry.getRoleAdmin(REGULATOR_ROLE)).to.equal(DEFAULT_ADMIN_ROLE);
      expect(await registry.meterCount()).to.equal(0n);
    });

    it("exposes the role ids, the EIP-712 domain and the Reading type hash", async function () {
      const { registry, chainId } = await networkHelpers.loadFixture(deployRegistry);
      expect(await registry.GRID_OPERATOR_ROLE()).to.equal(id("GRID_OPERATOR_ROLE"));
      expect(await registry.REGULATOR_ROLE()).to.equal(id("REGULATOR_ROLE"));
      // The one TypeScript copy of the type (scripts/lib/readings.ts) is the contract's.
      expect(READING_TYPE).to.equal(
        "Reading(address meter,uint64 slot,uint32 exportedWh,bytes32 importedCommitment)",
      );
      expect(await registry.READING_TYPEHASH()).to.equal(keccak256(toUtf8Bytes(READING_TYPE)));
      const domain = await registry.eip712Domain();
      expect(domain.name).to.equal(REGISTRY_DOMAIN_NAME);
      expect(domain.version).to.equal(REGISTRY_DOMAIN_VERSION);
      expect(domain.chainId).to.equal(chainId);
      expect(domain.verifyingContract).to.equal(await registry.getAddress());
    });

    it("reverts with RegistryZeroAddress for a zero admin", async function () {
      const { registry, clock } = await networkHelpers.loadFixture(deployRegistry);
      await expect(
        ethers.deployContract("MeterRegistry", [
          ZeroAddress,
          clock.genesis,
          SLOT_LENGTH,
          READING_WINDOW,
          CHANGE_DELAY_SLOTS,
        ]),
      ).to.be.revertedWithCustomError(registry, "RegistryZeroAddress");
    });

    const invalidClocks: [string, bigint, bigint][] = [
      ["a zero slot length", 0n, READING_WINDOW],
      ["a slot longer than one day", ONE_DAY + 1n, READING_WINDOW],
      ["a zero reading window", SLOT_LENGTH, 0n],
      ["a reading window longer than seven days", SLOT_LENGTH, SEVEN_DAYS + 1n],
    ];
    for (const [what, slotLength, readingWindow] of invalidClocks) {
      it(`reverts with RegistryInvalidClock for ${what}`, async function () {
        const { registry, accounts, clock } = await networkHelpers.loadFixture(deployRegistry);
        await expect(
          ethers.deployContract("MeterRegistry", [
            accounts.admin.address,
            clock.genesis,
            slotLength,
            readingWindow,
            CHANGE_DELAY_SLOTS,
          ]),
        )
          .to.be.revertedWithCustomError(registry, "RegistryInvalidClock")
          .withArgs(slotLength, readingWindow);
      });
    }

    it("accepts the largest clock (one-day slots, seven-day window) and the smallest (1 s, 1 s)", async function () {
      const { accounts } = await networkHelpers.loadFixture(deployRegistry);
      for (const [slotLength, readingWindow] of [
        [ONE_DAY, SEVEN_DAYS],
        [1n, 1n],
      ]) {
        const registry = await ethers.deployContract("MeterRegistry", [
          accounts.admin.address,
          0n,
          slotLength,
          readingWindow,
          CHANGE_DELAY_SLOTS,
        ]);
        expect(await registry.slotClock()).to.deep.equal([0n, slotLength, readingWindow]);
      }
    });
  });

  describe("registerMeter", function () {
    it("records every attribute, readable through meterOf, and assigns indexes from 1", async function () {
      const ctx = await networkHelpers.loadFixture(deployRegistry);
      const wind = newMeter("wind");
      const home = newMeter("home", {
        kind: MeterKind.Consumption,
        source: EnergySource.None,
        ratedCapacityW: 11_000n,
        zone: zoneCode("NL-02"),
        commissionedAt: 0n,
      });
      await register(ctx, wind);
      await register(ctx, home, ctx.accounts.stranger.address);

      const meter = await ctx.registry.meterOf(wind.wallet.address);
      expect(meter.owner).to.equal(ctx.accounts.owner.address);
      expect(meter.ratedCapacityW).to.equal(wind.ratedCapacityW);
      expect(meter.commissionedAt).to.equal(wind.commissionedAt);
      expect(meter.kind).to.equal(wind.kind);
      expect(meter.source).to.equal(wind.source);
      expect(meter.status).to.equal(MeterStatus.Active);
      expect(meter.signer).to.equal(wind.wallet.address);
      expect(meter.zone).to.equal(wind.zone);
      expect(meter.index).to.equal(1n);

      const second = await ctx.registry.meterOf(home.wallet.address);
      expect(second.owner).to.equal(ctx.accounts.stranger.address);
      expect(second.kind).to.equal(MeterKind.Consumption);
      expect(second.source).to.equal(EnergySource.None);
      expect(second.zone).to.equal(zoneCode("NL-02"));
      expect(second.index).to.equal(2n);

      expect(await ctx.registry.meterCount()).to.equal(2n);
      expect(await ctx.registry.meterAt(1)).to.equal(wind.wallet.address);
      expect(await ctx.registry.meterAt(2)).to.equal(home.wallet.address);
      expect(await ctx.registry.meterAt(3)).to.equal(ZeroAddress);
      expect(await ctx.registry.meterAt(0)).to.equal(ZeroAddress);
      expect(await ctx.registry.maxWhPerSlot(wind.wallet.address)).to.equal(5_000n);
    });

    it("returns the new index", async function () {
      const ctx = await networkHelpers.loadFixture(registryWithMeters);
      const spec = newMeter("fourth");
      expect(
        await ctx.registry
          .connect(ctx.accounts.operator)
          .registerMeter.staticCall(
            spec.wallet.address,
            ctx.accounts.owner.address,
            spec.kind,
            spec.source,
            spec.ratedCapacityW,
            spec.zone,
            spec.commissionedAt,
          ),
      ).to.equal(4n);
    });

    it("emits MeterRegistered with every attribute", async function () {
      const ctx = await networkHelpers.loadFixture(deployRegistry);
      const spec = newMeter("wind");
      await expect(register(ctx, spec))
        .to.emit(ctx.registry, "MeterRegistered")
        .withArgs(
          spec.wallet.address,
          ctx.accounts.owner.address,
          1n,
          spec.kind,
          spec.source,
          spec.ratedCapacityW,
          spec.zone,
          spec.commissionedAt,
        );
    });

    it("returns an Unregistered, all-zero record for an unknown meter", async function () {
      const { registry } = await networkHelpers.loadFixture(registryWithMeters);
      const meter = await registry.meterOf(meterWallet("nobody").address);
      expect(meter.status).to.equal(MeterStatus.Unregistered);
      expect(meter.owner).to.equal(ZeroAddress);
      expect(meter.signer).to.equal(ZeroAddress);
      expect(meter.index).to.equal(0n);
      expect(await registry.maxWhPerSlot(meterWallet("nobody").address)).to.equal(0n);
    });

    const validCombos: [string, bigint, bigint][] = [
      ["Consumption", MeterKind.Consumption, EnergySource.None],
      ...Object.entries(EnergySource)
        .filter(([, source]) => source !== EnergySource.None)
        .flatMap(([name, source]): [string, bigint, bigint][] => [
          [`Generation/${name}`, MeterKind.Generation, source],
          [`Bidirectional/${name}`, MeterKind.Bidirectional, source],
        ]),
    ];
    it(`accepts every consistent kind/source pair (${validCombos.length})`, async function () {
      const ctx = await networkHelpers.loadFixture(deployRegistry);
      for (const [name, kind, source] of validCombos) {
        const spec = newMeter(`combo ${name}`, { kind, source });
        await expect(register(ctx, spec), name).to.emit(ctx.registry, "MeterRegistered");
        const meter = await ctx.registry.meterOf(spec.wallet.address);
        expect([meter.kind, meter.source], name).to.deep.equal([kind, source]);
      }
    });

    const invalidCombos: [string, bigint, bigint][] = [
      ["Generation without a source", MeterKind.Generation, EnergySource.None],
      ["Bidirectional without a source", MeterKind.Bidirectional, EnergySource.None],
      ...Object.entries(EnergySource)
        .filter(([, source]) => source !== EnergySource.None)
        .map(([name, source]): [string, bigint, bigint] => [
          `Consumption with source ${name}`,
          MeterKind.Consumption,
          source,
        ]),
    ];
    for (const [what, kind, source] of invalidCombos) {
      it(`reverts with RegistryInvalidSource for ${what}`, async function () {
        const ctx = await networkHelpers.loadFixture(deployRegistry);
        await expect(register(ctx, newMeter("bad combo", { kind, source })))
          .to.be.revertedWithCustomError(ctx.registry, "RegistryInvalidSource")
          .withArgs(kind, source);
      });
    }

    it("reverts with RegistryInvalidCapacity for a zero capacity", async function () {
      const ctx = await networkHelpers.loadFixture(deployRegistry);
      await expect(register(ctx, newMeter("zero", { ratedCapacityW: 0n })))
        .to.be.revertedWithCustomError(ctx.registry, "RegistryInvalidCapacity")
        .withArgs(0n, 0n);
    });

    it("accepts 1 W and the largest uint32 capacity on 15-minute slots (lane never overflows)", async function () {
      const ctx = await networkHelpers.loadFixture(deployRegistry);
      for (const ratedCapacityW of [1n, UINT32_MAX]) {
        const spec = newMeter(`capacity ${ratedCapacityW}`, { ratedCapacityW });
        await register(ctx, spec);
        expect(await ctx.registry.maxWhPerSlot(spec.wallet.address)).to.equal(
          maxWhPerSlot(ratedCapacityW),
        );
      }
    });

    it("reverts with RegistryInvalidCapacity when one slot could exceed 2^31 - 1 Wh (hourly clock)", async function () {
      const ctx = await networkHelpers.loadFixture(hourlyRegistry);
      const tooLarge = MAX_WH_PER_LANE + 1n;
      await expect(register(ctx, newMeter("too large", { ratedCapacityW: tooLarge })))
        .to.be.revertedWithCustomError(ctx.registry, "RegistryInvalidCapacity")
        .withArgs(tooLarge, tooLarge);
      const largest = newMeter("largest", { ratedCapacityW: MAX_WH_PER_LANE });
      await register(ctx, largest);
      expect(await ctx.registry.maxWhPerSlot(largest.wallet.address)).to.equal(MAX_WH_PER_LANE);
    });

    it("reverts with RegistryMeterExists for a registered, suspended or retired meter", async function () {
      const ctx = await networkHelpers.loadFixture(registryWithMeters);
      const { registry, accounts } = ctx;
      await registry.connect(accounts.regulator).suspendMeter(ctx.battery.address);
      await registry.connect(accounts.operator).retireMeter(ctx.home.address);
      for (const meter of [ctx.solar, ctx.battery, ctx.home]) {
        await expect(register(ctx, meter))
          .to.be.revertedWithCustomError(registry, "RegistryMeterExists")
          .withArgs(meter.address);
      }
      expect(await registry.meterCount()).to.equal(3n);
    });

    it("reverts with RegistryZeroAddress for a zero meter or a zero owner", async function () {
      const ctx = await networkHelpers.loadFixture(deployRegistry);
      const spec = newMeter("zero");
      const operatorRegistry = ctx.registry.connect(ctx.accounts.operator);
      await expect(
        operatorRegistry.registerMeter(
          ZeroAddress,
          ctx.accounts.owner.address,
          spec.kind,
          spec.source,
          spec.ratedCapacityW,
          spec.zone,
          spec.commissionedAt,
        ),
      ).to.be.revertedWithCustomError(ctx.registry, "RegistryZeroAddress");
      await expect(register(ctx, spec, ZeroAddress)).to.be.revertedWithCustomError(
        ctx.registry,
        "RegistryZeroAddress",
      );
    });
  });

  describe("updateMeter", function () {
    it("schedules owner and capacity from the slot changeDelaySlots ahead, sets the zone at once", async function () {
      const ctx = await networkHelpers.loadFixture(registryWithMeters);
      const { registry, accounts, solar } = ctx;
      const before = await registry.meterOf(solar.address);
      // Before genesis the current slot counts as 0.
      await expect(
        registry
          .connect(accounts.operator)
          .updateMeter(solar.address, accounts.stranger.address, 6_000n, zoneCode("DE-WEST")),
      )
        .to.emit(registry, "MeterUpdated")
        .withArgs(
          solar.address,
          accounts.stranger.address,
          6_000n,
          zoneCode("DE-WEST"),
          CHANGE_DELAY_SLOTS,
        );
      const pending = await registry.meterOf(solar.address);
      expect(pending.owner).to.equal(before.owner);
      expect(pending.ratedCapacityW).to.equal(before.ratedCapacityW);
      expect(pending.zone).to.equal(zoneCode("DE-WEST"));
      expect(await registry.ownerOfRecord(solar.address, CHANGE_DELAY_SLOTS - 1n)).to.equal(
        before.owner,
      );
      expect(await registry.ownerOfRecord(solar.address, CHANGE_DELAY_SLOTS)).to.equal(
        accounts.stranger.address,
      );
      const change = await registry.pendingChangeOf(solar.address);
      expect([change.fromSlot, change.owner, change.ratedCapacityW, change.retiring]).to.deep.equal(
        [CHANGE_DELAY_SLOTS, accounts.stranger.address, 6_000n, false],
      );

      await toChangeInForce(ctx, solar.address);
      const after = await registry.meterOf(solar.address);
      expect(after.owner).to.equal(accounts.stranger.address);
      expect(after.ratedCapacityW).to.equal(6_000n);
      expect(after.zone).to.equal(zoneCode("DE-WEST"));
      expect([after.kind, after.source, after.status, after.signer, after.index]).to.deep.equal([
        before.kind,
        before.source,
        before.status,
        before.signer,
        before.index,
      ]);
      expect(after.commissionedAt).to.equal(before.commissionedAt);
      expect(await registry.maxWhPerSlot(solar.address)).to.equal(1_500n);
    });

    it("works on a suspended meter", async function () {
      const ctx = await networkHelpers.loadFixture(registryWithSuspendedBattery);
      const { registry, accounts, battery } = ctx;
      await registry
        .connect(accounts.operator)
        .updateMeter(battery.address, accounts.owner.address, 7_000n, battery.zone);
      await toChangeInForce(ctx, battery.address);
      expect((await registry.meterOf(battery.address)).ratedCapacityW).to.equal(7_000n);
    });

    it("reverts with RegistryZeroAddress for a zero owner", async function () {
      const { registry, accounts, solar } = await networkHelpers.loadFixture(registryWithMeters);
      await expect(
        registry.connect(accounts.operator).updateMeter(solar.address, ZeroAddress, 1n, solar.zone),
      ).to.be.revertedWithCustomError(registry, "RegistryZeroAddress");
    });

    it("reverts with RegistryInvalidCapacity for a zero capacity", async function () {
      const { registry, accounts, solar } = await networkHelpers.loadFixture(registryWithMeters);
      await expect(
        registry
          .connect(accounts.operator)
          .updateMeter(solar.address, accounts.owner.address, 0n, solar.zone),
      )
        .to.be.revertedWithCustomError(registry, "RegistryInvalidCapacity")
        .withArgs(0n, 0n);
    });

    it("reverts with RegistryUnknownMeter for an unregistered meter", async function () {
      const { registry, accounts } = await networkHelpers.loadFixture(registryWithMeters);
      const nobody = meterWallet("nobody").address;
      await expect(
        registry
          .connect(accounts.operator)
          .updateMeter(nobody, accounts.owner.address, 1_000n, zoneCode("X")),
      )
        .to.be.revertedWithCustomError(registry, "RegistryUnknownMeter")
        .withArgs(nobody);
    });

    it("reverts with RegistryMeterNotActive for a retired meter", async function () {
      const { registry, accounts, solar } = await networkHelpers.loadFixture(registryWithMeters);
      await registry.connect(accounts.operator).retireMeter(solar.address);
      await expect(
        registry
          .connect(accounts.operator)
          .updateMeter(solar.address, accounts.owner.address, 1_000n, solar.zone),
      )
        .to.be.revertedWithCustomError(registry, "RegistryMeterNotActive")
        .withArgs(solar.address, MeterStatus.Retired);
    });
  });

  describe("rotateMeterKey", function () {
    it("schedules the signer and emits MeterKeyRotated(meter, old, new, fromSlot); a second one in the slot merges", async function () {
      const ctx = await networkHelpers.loadFixture(registryWithMeters);
      const { registry, accounts, solar } = ctx;
      const next = meterWallet("solar replacement");
      await expect(registry.connect(accounts.operator).rotateMeterKey(solar.address, next.address))
        .to.emit(registry, "MeterKeyRotated")
        .withArgs(solar.address, solar.address, next.address, CHANGE_DELAY_SLOTS);
      const third = meterWallet("solar third");
      await expect(registry.connect(accounts.operator).rotateMeterKey(solar.address, third.address))
        .to.emit(registry, "MeterKeyRotated")
        .withArgs(solar.address, next.address, third.address, CHANGE_DELAY_SLOTS);
      expect((await registry.meterOf(solar.address)).signer).to.equal(solar.address);
      await toChangeInForce(ctx, solar.address);
      const meter = await registry.meterOf(solar.address);
      expect(meter.signer).to.equal(third.address);
      expect(meter.index).to.equal(solar.index);
    });

    it("works on a suspended meter and after a revocation", async function () {
      const ctx = await networkHelpers.loadFixture(registryWithSuspendedBattery);
      const { registry, accounts, battery } = ctx;
      const operatorRegistry = registry.connect(accounts.operator);
      await operatorRegistry.revokeMeterKey(battery.address);
      const next = meterWallet("battery replacement");
      await expect(operatorRegistry.rotateMeterKey(battery.address, next.address))
        .to.emit(registry, "MeterKeyRotated")
        .withArgs(battery.address, ZeroAddress, next.address, CHANGE_DELAY_SLOTS);
      await toChangeInForce(ctx, battery.address);
      expect((await registry.meterOf(battery.address)).signer).to.equal(next.address);
    });

    it("reverts with RegistryZeroAddress for a zero new signer", async function () {
      const { registry, accounts, solar } = await networkHelpers.loadFixture(registryWithMeters);
      await expect(
        registry.connect(accounts.operator).rotateMeterKey(solar.address, ZeroAddress),
      ).to.be.revertedWithCustomError(registry, "RegistryZeroAddress");
    });

    it("reverts for unknown and retired meters", async function () {
      const { registry, accounts, solar } = await networkHelpers.loadFixture(registryWithMeters);
      const operatorRegistry = registry.connect(accounts.operator);
      const nobody = meterWallet("nobody").address;
      await expect(operatorRegistry.rotateMeterKey(nobody, accounts.stranger.address))
        .to.be.revertedWithCustomError(registry, "RegistryUnknownMeter")
        .withArgs(nobody);
      await operatorRegistry.retireMeter(solar.address);
      await expect(operatorRegistry.rotateMeterKey(solar.address, accounts.stranger.address))
        .to.be.revertedWithCustomError(registry, "RegistryMeterNotActive")
        .withArgs(solar.address, MeterStatus.Retired);
    });
  });

  describe("revokeMeterKey", function () {
    it("schedules clearing the signer and emits MeterKeyRevoked(meter, old, fromSlot)", async function () {
      const ctx = await networkHelpers.loadFixture(registryWithMeters);
      const { registry, accounts, solar } = ctx;
      await expect(registry.connect(accounts.operator).revokeMeterKey(solar.address))
        .to.emit(registry, "MeterKeyRevoked")
        .withArgs(solar.address, solar.address, CHANGE_DELAY_SLOTS);
      expect((await registry.meterOf(solar.address)).signer).to.equal(solar.address);
      await toChangeInForce(ctx, solar.address);
      const meter = await registry.meterOf(solar.address);
      expect(meter.signer).to.equal(ZeroAddress);
      expect(meter.status).to.equal(MeterStatus.Active);
    });

    it("reverts for unknown and retired meters", async function () {
      const { registry, accounts, solar } = await networkHelpers.loadFixture(registryWithMeters);
      const operatorRegistry = registry.connect(accounts.operator);
      const nobody = meterWallet("nobody").address;
      await expect(operatorRegistry.revokeMeterKey(nobody))
        .to.be.revertedWithCustomError(registry, "RegistryUnknownMeter")
        .withArgs(nobody);
      await operatorRegistry.retireMeter(solar.address);
      await expect(operatorRegistry.revokeMeterKey(solar.address))
        .to.be.revertedWithCustomError(registry, "RegistryMeterNotActive")
        .withArgs(solar.address, MeterStatus.Retired);
    });
  });

  describe("retireMeter", function () {
    it("schedules Retired and emits MeterRetired(meter, operator, fromSlot)", async function () {
      const ctx = await networkHelpers.loadFixture(registryWithMeters);
      const { registry, accounts, solar } = ctx;
      await expect(registry.connect(accounts.operator).retireMeter(solar.address))
        .to.emit(registry, "MeterRetired")
        .withArgs(solar.address, accounts.operator.address, CHANGE_DELAY_SLOTS);
      expect((await registry.meterOf(solar.address)).status).to.equal(MeterStatus.Active);
      expect((await registry.pendingChangeOf(solar.address)).retiring).to.equal(true);
      await toChangeInForce(ctx, solar.address);
      const meter = await registry.meterOf(solar.address);
      expect(meter.status).to.equal(MeterStatus.Retired);
      expect(meter.index).to.equal(solar.index);
      expect(await registry.meterAt(solar.index)).to.equal(solar.address);
    });

    it("retires a suspended meter", async function () {
      const ctx = await networkHelpers.loadFixture(registryWithSuspendedBattery);
      const { registry, accounts, battery } = ctx;
      await registry.connect(accounts.operator).retireMeter(battery.address);
      await toChangeInForce(ctx, battery.address);
      expect((await registry.meterOf(battery.address)).status).to.equal(MeterStatus.Retired);
    });

    it("is final: retire, suspend and reinstate all revert afterwards", async function () {
      const ctx = await networkHelpers.loadFixture(registryWithMeters);
      const { registry, accounts, solar } = ctx;
      await registry.connect(accounts.operator).retireMeter(solar.address);
      await toChangeInForce(ctx, solar.address);
      await expect(registry.connect(accounts.operator).retireMeter(solar.address))
        .to.be.revertedWithCustomError(registry, "RegistryMeterNotActive")
        .withArgs(solar.address, MeterStatus.Retired);
      await expect(registry.connect(accounts.regulator).suspendMeter(solar.address))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidStatusTransition")
        .withArgs(solar.address, MeterStatus.Retired, MeterStatus.Suspended);
      await expect(registry.connect(accounts.regulator).reinstateMeter(solar.address))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidStatusTransition")
        .withArgs(solar.address, MeterStatus.Retired, MeterStatus.Active);
      expect((await registry.meterOf(solar.address)).status).to.equal(MeterStatus.Retired);
    });

    it("reverts with RegistryUnknownMeter for an unregistered meter", async function () {
      const { registry, accounts } = await networkHelpers.loadFixture(registryWithMeters);
      const nobody = meterWallet("nobody").address;
      await expect(registry.connect(accounts.operator).retireMeter(nobody))
        .to.be.revertedWithCustomError(registry, "RegistryUnknownMeter")
        .withArgs(nobody);
    });
  });

  describe("suspendMeter / reinstateMeter", function () {
    it("suspends an active meter and emits MeterSuspended(meter, regulator)", async function () {
      const { registry, accounts, solar } = await networkHelpers.loadFixture(registryWithMeters);
      await expect(registry.connect(accounts.regulator).suspendMeter(solar.address))
        .to.emit(registry, "MeterSuspended")
        .withArgs(solar.address, accounts.regulator.address, 0n);
      expect((await registry.meterOf(solar.address)).status).to.equal(MeterStatus.Suspended);
    });

    it("reinstates a suspended meter and emits MeterReinstated(meter, regulator)", async function () {
      const { registry, accounts, battery } = await networkHelpers.loadFixture(
        registryWithSuspendedBattery,
      );
      await expect(registry.connect(accounts.regulator).reinstateMeter(battery.address))
        .to.emit(registry, "MeterReinstated")
        .withArgs(battery.address, accounts.regulator.address, 0n);
      expect((await registry.meterOf(battery.address)).status).to.equal(MeterStatus.Active);
    });

    it("reverts with RegistryInvalidStatusTransition for suspend twice and reinstate of an active meter", async function () {
      const { registry, accounts, solar, battery } = await networkHelpers.loadFixture(
        registryWithSuspendedBattery,
      );
      await expect(registry.connect(accounts.regulator).suspendMeter(battery.address))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidStatusTransition")
        .withArgs(battery.address, MeterStatus.Suspended, MeterStatus.Suspended);
      await expect(registry.connect(accounts.regulator).reinstateMeter(solar.address))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidStatusTransition")
        .withArgs(solar.address, MeterStatus.Active, MeterStatus.Active);
    });

    it("reverts with RegistryUnknownMeter for an unregistered meter", async function () {
      const { registry, accounts } = await networkHelpers.loadFixture(registryWithMeters);
      const nobody = meterWallet("nobody").address;
      await expect(registry.connect(accounts.regulator).suspendMeter(nobody))
        .to.be.revertedWithCustomError(registry, "RegistryUnknownMeter")
        .withArgs(nobody);
      await expect(registry.connect(accounts.regulator).reinstateMeter(nobody))
        .to.be.revertedWithCustomError(registry, "RegistryUnknownMeter")
        .withArgs(nobody);
    });
  });

  describe("access control", function () {
    const actors = ({ accounts }: RegistryWithMeters): Actor[] => [
      { name: "admin", signer: accounts.admin, roles: [DEFAULT_ADMIN_ROLE] },
      { name: "grid operator", signer: accounts.operator, roles: [GRID_OPERATOR_ROLE] },
      { name: "regulator", signer: accounts.regulator, roles: [REGULATOR_ROLE] },
      { name: "meter owner", signer: accounts.owner, roles: [] },
      { name: "data hub", signer: accounts.hub, roles: [] },
      { name: "stranger", signer: accounts.stranger, roles: [] },
    ];

    shouldGuardWithRoles<RegistryWithMeters>({
      ethers,
      load: () => networkHelpers.loadFixture(registryWithSuspendedBattery),
      contract: (ctx) => ctx.registry,
      actors,
      functions: [
        {
          name: "registerMeter",
          role: GRID_OPERATOR_ROLE,
          roleName: "GRID_OPERATOR_ROLE",
          send: (ctx, caller) => {
            const spec = newMeter("role check");
            return ctx.registry
              .connect(caller)
              .registerMeter(
                spec.wallet.address,
                ctx.accounts.owner.address,
                spec.kind,
                spec.source,
                spec.ratedCapacityW,
                spec.zone,
                spec.commissionedAt,
              );
          },
        },
        {
          name: "updateMeter",
          role: GRID_OPERATOR_ROLE,
          roleName: "GRID_OPERATOR_ROLE",
          send: (ctx, caller) =>
            ctx.registry
              .connect(caller)
              .updateMeter(ctx.solar.address, ctx.accounts.owner.address, 5_000n, ctx.solar.zone),
        },
        {
          name: "rotateMeterKey",
          role: GRID_OPERATOR_ROLE,
          roleName: "GRID_OPERATOR_ROLE",
          send: (ctx, caller) =>
            ctx.registry
              .connect(caller)
              .rotateMeterKey(ctx.solar.address, meterWallet("r").address),
        },
        {
          name: "revokeMeterKey",
          role: GRID_OPERATOR_ROLE,
          roleName: "GRID_OPERATOR_ROLE",
          send: (ctx, caller) => ctx.registry.connect(caller).revokeMeterKey(ctx.solar.address),
        },
        {
          name: "retireMeter",
          role: GRID_OPERATOR_ROLE,
          roleName: "GRID_OPERATOR_ROLE",
          send: (ctx, caller) => ctx.registry.connect(caller).retireMeter(ctx.solar.address),
        },
        {
          name: "suspendMeter",
          role: REGULATOR_ROLE,
          roleName: "REGULATOR_ROLE",
          send: (ctx, caller) => ctx.registry.connect(caller).suspendMeter(ctx.solar.address),
        },
        {
          name: "reinstateMeter",
          role: REGULATOR_ROLE,
          roleName: "REGULATOR_ROLE",
          send: (ctx, caller) => ctx.registry.connect(caller).reinstateMeter(ctx.battery.address),
        },
        {
          name: "grantRole",
          role: DEFAULT_ADMIN_ROLE,
          roleName: "DEFAULT_ADMIN_ROLE",
          send: (ctx, caller) =>
            ctx.registry
              .connect(caller)
              .grantRole(GRID_OPERATOR_ROLE, ctx.accounts.stranger.address),
        },
        {
          name: "revokeRole",
          role: DEFAULT_ADMIN_ROLE,
          roleName: "DEFAULT_ADMIN_ROLE",
          send: (ctx, caller) =>
            ctx.registry.connect(caller).revokeRole(REGULATOR_ROLE, ctx.accounts.regulator.address),
        },
      ],
    });

    it("a role granted by the admin takes effect and a revoked one stops working", async function () {
      const ctx = await networkHelpers.loadFixture(registryWithMeters);
      const { registry, accounts } = ctx;
      await registry
        .connect(accounts.admin)
        .grantRole(GRID_OPERATOR_ROLE, accounts.stranger.address);
      await registry.connect(accounts.stranger).retireMeter(ctx.home.address);
      await registry
        .connect(accounts.admin)
        .revokeRole(GRID_OPERATOR_ROLE, accounts.stranger.address);
      await expect(registry.connect(accounts.stranger).retireMeter(ctx.solar.address))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(accounts.stranger.address, GRID_OPERATOR_ROLE);
    });
  });

  describe("slot clock views", function () {
    it("slotOf maps the half-open interval [start, end) of each slot", async function () {
      const { registry, clock } = await networkHelpers.loadFixture(deployRegistry);
      expect(await registry.slotOf(clock.genesis)).to.equal(0n);
      expect(await registry.slotOf(clock.genesis + SLOT_LENGTH - 1n)).to.equal(0n);
      expect(await registry.slotOf(clock.genesis + SLOT_LENGTH)).to.equal(1n);
      expect(await registry.slotOf(clock.genesis + 96n * SLOT_LENGTH + 450n)).to.equal(96n);
    });

    it("slotOf reverts with SlotClockBeforeGenesis before genesis", async function () {
      const { registry, clock } = await networkHelpers.loadFixture(deployRegistry);
      await expect(registry.slotOf(clock.genesis - 1n))
        .to.be.revertedWithCustomError(registry, "SlotClockBeforeGenesis")
        .withArgs(clock.genesis - 1n, clock.genesis);
    });

    it("slotStart, slotEnd and readingWindowEnd follow the clock", async function () {
      const { registry, clock } = await networkHelpers.loadFixture(deployRegistry);
      for (const slot of [0n, 1n, 95n, (1n << 64n) - 1n]) {
        const start = clock.genesis + slot * SLOT_LENGTH;
        expect(await registry.slotStart(slot)).to.equal(start);
        expect(await registry.slotEnd(slot)).to.equal(start + SLOT_LENGTH);
        expect(await registry.readingWindowEnd(slot)).to.equal(
          start + SLOT_LENGTH + READING_WINDOW,
        );
      }
    });

    it("currentSlot reverts before genesis and follows the block time after it", async function () {
      const { registry, clock } = await networkHelpers.loadFixture(deployRegistry);
      const now = BigInt(await networkHelpers.time.latest());
      await expect(registry.currentSlot())
        .to.be.revertedWithCustomError(registry, "SlotClockBeforeGenesis")
        .withArgs(now, clock.genesis);
      await networkHelpers.time.increaseTo(clock.genesis);
      expect(await registry.currentSlot()).to.equal(0n);
      await networkHelpers.time.increaseTo(clock.genesis + 5n * SLOT_LENGTH - 1n);
      expect(await registry.currentSlot()).to.equal(4n);
      await networkHelpers.time.increaseTo(clock.genesis + 5n * SLOT_LENGTH);
      expect(await registry.currentSlot()).to.equal(5n);
    });

    it("readingDigest equals the EIP-712 hash a meter signs", async function () {
      const { registry, domain, solar } = await networkHelpers.loadFixture(registryWithMeters);
      const values = { meter: solar.address, slot: 12n, importedWh: 3n, exportedWh: 987n };
      const signed = await signReading(solar.wallet, domain, values);
      expect(
        await registry.readingDigest(values.meter, values.slot, 987n, signed.importedCommitment),
      ).to.equal(readingDigest(domain, signed));
    });
  });
});
