/** Gas of the MeterRegistry: registering a meter, single readings and batches of 100. */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { Wallet } from "ethers";

import { CHANGE_DELAY_SLOTS } from "../fixtures/market.js";
import { registryDomain, signReading } from "../scripts/lib/readings.js";
import { gasOf, type WarpTo } from "./chain.js";
import type { GasFigure } from "./types.js";

const SLOT_LENGTH = 900n;

/** Measures the registry's user-facing operations on a fresh deployment. */
export async function measureRegistry(ethers: HardhatEthers, warpTo: WarpTo): Promise<GasFigure[]> {
  const [admin] = await ethers.getSigners();
  const block = await ethers.provider.getBlock("latest");
  const genesis = BigInt(block!.timestamp);
  const registry = await ethers.deployContract("MeterRegistry", [
    admin.address,
    genesis,
    SLOT_LENGTH,
    SLOT_LENGTH,
    CHANGE_DELAY_SLOTS,
  ]);
  await (await registry.grantRole(await registry.GRID_OPERATOR_ROLE(), admin.address)).wait();

  const meters = Array.from({ length: 101 }, (_, i) => new Wallet(ethers.toBeHex(1000 + i, 32)));
  const figures: GasFigure[] = [];
  const register = (meter: Wallet) =>
    registry.registerMeter(
      meter.address,
      admin.address,
      2,
      1,
      10_000,
      ethers.encodeBytes32String("Z1").slice(0, 18),
      0,
    );
  figures.push({
    key: "registry.registerMeter",
    operation: "register a meter",
    gas: await gasOf(register(meters[0])),
  });
  for (const meter of meters.slice(1)) await (await register(meter)).wait();

  const { chainId } = await ethers.provider.getNetwork();
  const domain = registryDomain(await registry.getAddress(), chainId);
  // The registry stores only the export and logs a 32-byte commitment to the import (scripts/lib/readings.ts).
  const sign = (meter: Wallet, slot: bigint, importedWh: number, exportedWh: number) =>
    signReading(meter, domain, {
      meter: meter.address,
      slot,
      importedWh: BigInt(importedWh),
      exportedWh: BigInt(exportedWh),
    });
  const batchOf = (slot: bigint) =>
    Promise.all(meters.slice(1).map((m, i) => sign(m, slot, 100 + i, 200 + i)));

  // Slot 8 opens a fresh storage word per meter (eight slots per word); slot 9 writes into the same words.
  await warpTo(genesis + 9n * SLOT_LENGTH);
  const single = await sign(meters[0], 8n, 1, 2);
  figures.push({
    key: "registry.submitReading.freshWord",
    operation: "one reading, alone in a transaction (first slot of an 8-slot word)",
    gas: await gasOf(registry.submitReading(single)),
  });
  const freshBatch = await batchOf(8n);
  figures.push({
    key: "registry.submitReadings.batch100.freshWord",
    operation: "batch of 100 readings of 100 meters, each opening a new 8-slot word",
    gas: Math.round((await gasOf(registry.submitReadings(freshBatch))) / 100),
    unit: "reading",
    target: 20_000,
  });
  await warpTo(genesis + 10n * SLOT_LENGTH);
  const warmBatch = await batchOf(9n);
  figures.push({
    key: "registry.submitReadings.batch100.warmWord",
    operation: "batch of 100 readings of 100 meters, word already holding an earlier slot",
    gas: Math.round((await gasOf(registry.submitReadings(warmBatch))) / 100),
    unit: "reading",
    target: 20_000,
  });
  const average = Math.round((figures[2].gas + 7 * figures[3].gas) / 8);
  figures.push({
    key: "registry.submitReadings.batch100.steady",
    operation: "batch of 100, averaged over the 8 slots of a word (one fresh, seven warm)",
    gas: average,
    unit: "reading",
    target: 20_000,
  });
  return figures;
}
