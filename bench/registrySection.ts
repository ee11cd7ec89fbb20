/**
 * Gas of the MeterRegistry: registering a meter, and readings as a data hub submits them (one slot of 100
 * meters per batch, every slot of a day) and as single meters do (alone, or catching up several slots).
 */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { Wallet } from "ethers";

import { CHANGE_DELAY_SLOTS, READING_WINDOW } from "../fixtures/market.js";
import { registryDomain, signReading } from "../scripts/lib/readings.js";
import type { MeterRegistry } from "../typechain-types/index.js";
import { gasOf } from "./gasUsed.js";
import type { GasFigure, WarpTo } from "./types.js";

const SLOT_LENGTH = 900n;
/** Readings per data hub batch, of meters with consecutive indices (2 .. 101). */
const BATCH = 100;
/** The day the data hub submits: slots FIRST_SLOT .. FIRST_SLOT + 95, one batch per slot. */
const FIRST_SLOT = 8n;
const DAY_SLOTS = 96;
/** Slots one meter submits in a single batch after missing them (all inside the reading window). */
const CATCH_UP_SLOTS = Number(READING_WINDOW / SLOT_LENGTH);
const READING_TARGET = 20_000;

type Sign = (meter: Wallet, slot: bigint, exportedWh: number) => ReturnType<typeof signReading>;

/** Measures the registry's user-facing operations on a fresh deployment. */
export async function measureRegistry(ethers: HardhatEthers, warpTo: WarpTo): Promise<GasFigure[]> {
  const [admin] = await ethers.getSigners();
  const genesis = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  const registry = (await ethers.deployContract("MeterRegistry", [
    admin.address,
    genesis,
    SLOT_LENGTH,
    READING_WINDOW,
    CHANGE_DELAY_SLOTS,
  ])) as unknown as MeterRegistry;
  await (await registry.grantRole(await registry.GRID_OPERATOR_ROLE(), admin.address)).wait();

  const meters = Array.from(
    { length: BATCH + 1 },
    (_, i) => new Wallet(ethers.toBeHex(1000 + i, 32)),
  );
  const figures: GasFigure[] = [
    {
      key: "registry.registerMeter",
      operation: "register a meter",
      gas: await register(meters[0]),
    },
  ];
  for (const meter of meters.slice(1)) await register(meter);

  const { chainId } = await ethers.provider.getNetwork();
  const domain = registryDomain(await registry.getAddress(), chainId);
  // The registry stores only the export and logs a 32-byte commitment to the import (scripts/lib/readings.ts).
  const sign: Sign = (meter, slot, exportedWh) =>
    signReading(meter, domain, {
      meter: meter.address,
      slot,
      importedWh: 100n + BigInt(exportedWh),
      exportedWh: BigInt(exportedWh),
    });
  const endOf = (slot: bigint) => genesis + (slot + 1n) * SLOT_LENGTH;

  figures.push(
    ...(await measureDay(registry, meters.slice(1), sign, (slot) => warpTo(endOf(slot)))),
  );
  const lastSlot = FIRST_SLOT + BigInt(DAY_SLOTS + CATCH_UP_SLOTS);
  await warpTo(endOf(lastSlot - 1n));
  figures.push(...(await measureSingleMeters(registry, meters, sign, lastSlot - 1n)));
  return figures;

  async function register(meter: Wallet): Promise<number> {
    const zone = ethers.encodeBytes32String("Z1").slice(0, 18);
    return gasOf(registry.registerMeter(meter.address, admin.address, 2, 1, 10_000, zone, 0));
  }
}

/** A data hub's day: one batch of the 100 meters per slot, each submitted once its slot has ended. */
async function measureDay(
  registry: MeterRegistry,
  meters: Wallet[],
  sign: Sign,
  warpToEnd: (slot: bigint) => Promise<void>,
): Promise<GasFigure[]> {
  const perReading: number[] = [];
  for (let day = 0; day < DAY_SLOTS; day++) {
    const slot = FIRST_SLOT + BigInt(day);
    const batch = await Promise.all(meters.map((m, i) => sign(m, slot, 200 + i + day)));
    await warpToEnd(slot);
    perReading.push((await gasOf(registry.submitReadings(batch))) / BATCH);
  }
  const perDay = perReading.reduce((sum, gas) => sum + gas, 0) / DAY_SLOTS;
  const reading = { unit: "reading", target: READING_TARGET };
  return [
    {
      key: "registry.submitReadings.batch100.freshWord",
      operation: `batch of ${BATCH} readings of ${BATCH} meters (consecutive indices), the day's first slot`,
      gas: Math.round(perReading[0]),
      ...reading,
    },
    {
      key: "registry.submitReadings.batch100.worstSlot",
      operation: `batch of ${BATCH} readings of ${BATCH} meters, the costliest slot of the day`,
      gas: Math.round(Math.max(...perReading)),
      ...reading,
    },
    {
      key: "registry.submitReadings.batch100.steady",
      operation: `batch of ${BATCH} readings of ${BATCH} meters, averaged over a day of ${DAY_SLOTS} slots`,
      gas: Math.round(perDay),
      ...reading,
    },
  ];
}

/**
 * Meters that submit their own readings, after the day: two neighbours alone in a transaction each (the
 * first opens the storage word of their slot, the second finds it), a meter submitting its next slot
 * alone, and one meter catching up every slot still in its reading window in one batch. `slot` is the newest ended slot; no reading of it or of the
 * CATCH_UP_SLOTS - 1 before it is recorded yet.
 */
async function measureSingleMeters(
  registry: MeterRegistry,
  meters: Wallet[],
  sign: Sign,
  slot: bigint,
): Promise<GasFigure[]> {
  const alone = await gasOf(registry.submitReading(await sign(meters[0], slot, 2)));
  const neighbour = await gasOf(registry.submitReading(await sign(meters[1], slot, 3)));
  // A meter that submits its own readings, one per transaction: here its slot before, then this one.
  const ownMeter = meters[16];
  await (await registry.submitReading(await sign(ownMeter, slot - 1n, 5))).wait();
  const ownNext = await gasOf(registry.submitReading(await sign(ownMeter, slot, 6)));
  const catchUp = await Promise.all(
    Array.from({ length: CATCH_UP_SLOTS }, (_, k) => sign(meters[9], slot - BigInt(k), 4 + k)),
  );
  const caughtUp = await gasOf(registry.submitReadings(catchUp));
  return [
    {
      key: "registry.submitReading.freshWord",
      operation: "one reading, alone in a transaction (the first of its storage word)",
      gas: alone,
    },
    {
      key: "registry.submitReading.warmWord",
      operation:
        "one reading, alone in a transaction (a neighbouring meter's reading of the slot already in its word)",
      gas: neighbour,
    },
    {
      key: "registry.submitReading.ownNextSlot",
      operation:
        "one reading, alone in a transaction, of a meter whose reading of the slot before is recorded",
      gas: ownNext,
    },
    {
      key: `registry.submitReadings.catchUp${CATCH_UP_SLOTS}`,
      operation: `one meter catching up ${CATCH_UP_SLOTS} slots in one batch (every slot still in its reading window)`,
      gas: Math.round(caughtUp / CATCH_UP_SLOTS),
      unit: "reading",
    },
  ];
}
