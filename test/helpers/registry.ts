import { Wallet, ZeroHash, id, toUtf8Bytes, zeroPadBytes } from "ethers";
import type { TypedDataDomain } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkConnection } from "hardhat/types/network";

import type { MeterRegistry } from "../../typechain-types/index.js";
import { Kind, Source, Status } from "../../fixtures/certificates.js";
import { registryDomain, signReading } from "../../fixtures/readings.js";
import type { SignedReading, MeterKey } from "../../fixtures/readings.js";

export const DEFAULT_ADMIN_ROLE = ZeroHash;
export const GRID_OPERATOR_ROLE = id("GRID_OPERATOR_ROLE");
export const REGULATOR_ROLE = id("REGULATOR_ROLE");

/** `IMeterRegistry.MeterKind`, `EnergySource`, `MeterStatus` as bigints (views return bigints), from the build. */
const asBigints = <N extends string>(values: { readonly [K in N]: number }) =>
  Object.freeze(
    Object.fromEntries(Object.entries(values).map(([k, v]) => [k, BigInt(v as number)])),
  ) as { readonly [K in N]: bigint };
export const MeterKind = asBigints(Kind);
export const EnergySource = asBigints(Source);
export const MeterStatus = asBigints(Status);

/** 15-minute slots, readings accepted for two hours after a slot's end. */
export const SLOT_LENGTH = 900n;
export const READING_WINDOW = 7_200n;
/** The registry's change delay in these tests: a change made in slot c applies from slot c + 8. */
export const CHANGE_DELAY_SLOTS = 8n;
export const SECONDS_PER_HOUR = 3_600n;

/** A grid zone code as the registry stores it (`bytes8`, UTF-8, right-padded with zeros). */
export function zoneCode(text: string): string {
  return zeroPadBytes(toUtf8Bytes(text), 8);
}

/** A meter's device key, deterministic per label so that failures reproduce. */
export function meterWallet(label: string): Wallet {
  return new Wallet(id(`gridledger meter device ${label}`));
}

/** Most Wh per slot for a rated capacity, as the registry computes it (rounded down). */
export function maxWhPerSlot(ratedCapacityW: bigint, slotLength: bigint = SLOT_LENGTH): bigint {
  return (ratedCapacityW * slotLength) / SECONDS_PER_HOUR;
}

export interface RegistryAccounts {
  admin: HardhatEthersSigner;
  operator: HardhatEthersSigner;
  regulator: HardhatEthersSigner;
  owner: HardhatEthersSigner;
  hub: HardhatEthersSigner;
  stranger: HardhatEthersSigner;
}

export interface SlotClockParameters {
  genesis: bigint;
  slotLength: bigint;
  readingWindow: bigint;
}

export interface RegistryContext {
  registry: MeterRegistry;
  accounts: RegistryAccounts;
  clock: SlotClockParameters;
  chainId: bigint;
  domain: TypedDataDomain;
}

/** What a test registers a meter with; `wallet` is the device key whose address is the meter identity. */
export interface MeterSpec {
  wallet: Wallet;
  kind: bigint;
  source: bigint;
  ratedCapacityW: bigint;
  zone: string;
  commissionedAt: bigint;
}

export interface RegisteredMeter extends MeterSpec {
  address: string;
  index: bigint;
}

export interface RegistryWithMeters extends RegistryContext {
  /** Rooftop PV, 4 kW: at most 1,000 Wh per slot. */
  solar: RegisteredMeter;
  /** Household consumption, 11 kW: at most 2,750 Wh per slot. */
  home: RegisteredMeter;
  /** Home battery, bidirectional, 5 kW: at most 1,250 Wh per slot. */
  battery: RegisteredMeter;
}

/** Registers `spec` as the grid operator and returns it with its identity and index. */
export async function registerMeter(
  ctx: RegistryContext,
  spec: MeterSpec,
  owner: string = ctx.accounts.owner.address,
): Promise<RegisteredMeter> {
  const address = spec.wallet.address;
  await (
    await ctx.registry
      .connect(ctx.accounts.operator)
      .registerMeter(
        address,
        owner,
        spec.kind,
        spec.source,
        spec.ratedCapacityW,
        spec.zone,
        spec.commissionedAt,
      )
  ).wait();
  const meter = await ctx.registry.meterOf(address);
  return { ...spec, address, index: meter.index };
}

/** `count` 4 kW solar meters commissioned at genesis (labels `batch-0` ...). */
export async function registerSolarMeters(
  ctx: RegistryContext,
  count: number,
): Promise<RegisteredMeter[]> {
  const meters: RegisteredMeter[] = [];
  for (let i = 0; i < count; i++) {
    meters.push(
      await registerMeter(ctx, {
        wallet: meterWallet(`batch-${i}`),
        kind: MeterKind.Generation,
        source: EnergySource.Solar,
        ratedCapacityW: 4_000n,
        zone: zoneCode("DE-NORD"),
        commissionedAt: ctx.clock.genesis,
      }),
    );
  }
  return meters;
}

/** A reading of `meter`, signed by its device key (or by `key`, e.g. a rotated-in or a wrong one). */
export function signedReading(
  ctx: RegistryContext,
  meter: RegisteredMeter,
  slot: bigint,
  importedWh: bigint,
  exportedWh: bigint,
  key: MeterKey = meter.wallet,
): Promise<SignedReading> {
  return signReading(key, ctx.domain, { meter: meter.address, slot, importedWh, exportedWh });
}

/**
 * Fixtures for one network connection. Call once per test file and pass the returned functions to
 * `loadFixture` (it snapshots per function identity).
 */
export function registryFixtures(connection: NetworkConnection) {
  const { ethers, networkHelpers } = connection;

  /** A registry whose genesis is the next full hour + 1 h (so "before genesis" is observable), roles granted. */
  async function deployRegistry(): Promise<RegistryContext> {
    const [admin, operator, regulator, owner, hub, stranger] = await ethers.getSigners();
    const now = BigInt(await networkHelpers.time.latest());
    const genesis = now - (now % SECONDS_PER_HOUR) + 2n * SECONDS_PER_HOUR;
    const registry = await ethers.deployContract("MeterRegistry", [
      admin.address,
      genesis,
      SLOT_LENGTH,
      READING_WINDOW,
      CHANGE_DELAY_SLOTS,
    ]);
    await registry.waitForDeployment();
    await (await registry.connect(admin).grantRole(GRID_OPERATOR_ROLE, operator.address)).wait();
    await (await registry.connect(admin).grantRole(REGULATOR_ROLE, regulator.address)).wait();
    const { chainId } = await ethers.provider.getNetwork();
    return {
      registry,
      accounts: { admin, operator, regulator, owner, hub, stranger },
      clock: { genesis, slotLength: SLOT_LENGTH, readingWindow: READING_WINDOW },
      chainId,
      domain: registryDomain(await registry.getAddress(), chainId),
    };
  }

  /** The registry with a solar, a consumption and a battery meter, all commissioned at genesis. */
  async function registryWithMeters(): Promise<RegistryWithMeters> {
    const ctx = await deployRegistry();
    const commissionedAt = ctx.clock.genesis;
    const solar = await registerMeter(ctx, {
      wallet: meterWallet("solar"),
      kind: MeterKind.Generation,
      source: EnergySource.Solar,
      ratedCapacityW: 4_000n,
      zone: zoneCode("DE-NORD"),
      commissionedAt,
    });
    const home = await registerMeter(ctx, {
      wallet: meterWallet("home"),
      kind: MeterKind.Consumption,
      source: EnergySource.None,
      ratedCapacityW: 11_000n,
      zone: zoneCode("DE-NORD"),
      commissionedAt,
    });
    const battery = await registerMeter(ctx, {
      wallet: meterWallet("battery"),
      kind: MeterKind.Bidirectional,
      source: EnergySource.Storage,
      ratedCapacityW: 5_000n,
      zone: zoneCode("DE-SUED"),
      commissionedAt,
    });
    return { ...ctx, solar, home, battery };
  }

  /** Moves time to the first slot of `meter`'s pending change, where it is in force. */
  async function toChangeInForce(ctx: RegistryContext, meter: string): Promise<bigint> {
    const { fromSlot } = await ctx.registry.pendingChangeOf(meter);
    await networkHelpers.time.increaseTo(await ctx.registry.slotStart(fromSlot));
    return fromSlot;
  }

  return { deployRegistry, registryWithMeters, toChangeInForce };
}
