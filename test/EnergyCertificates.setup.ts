// The hardhat-network fixture of the EnergyCertificates mocha tests.
import { network } from "hardhat";
import {
  CHANGE_DELAY_SLOTS,
  GRID_OPERATOR_ROLE,
  Kind,
  READING_WINDOW,
  REGULATOR_ROLE,
  SLOT_LENGTH,
  Source,
  URI,
  registerMeter,
  sellLots,
  submitReading,
  type BuyFill,
} from "../fixtures/certificates.js";

export const { ethers, networkHelpers } = await network.create();

export async function deployCertificates() {
  const [admin, alice, bob, carol, dave, outsider] = await ethers.getSigners();
  const now = BigInt(await networkHelpers.time.latest());
  const genesis = now - (now % SLOT_LENGTH);
  const registry = await ethers.deployContract("MeterRegistry", [
    admin.address,
    genesis,
    SLOT_LENGTH,
    READING_WINDOW,
    CHANGE_DELAY_SLOTS,
  ]);
  await registry.grantRole(GRID_OPERATOR_ROLE, admin.address);
  await registry.grantRole(REGULATOR_ROLE, admin.address);
  const solar = await registerMeter(registry, alice.address, Kind.Generation, Source.Solar);
  const wind = await registerMeter(registry, bob.address, Kind.Bidirectional, Source.Wind);
  const gas = await registerMeter(registry, bob.address, Kind.Generation, Source.Other);
  const battery = await registerMeter(registry, alice.address, Kind.Generation, Source.Storage);
  const home = await registerMeter(registry, carol.address, Kind.Consumption, Source.None);

  const certificates = await ethers.deployContract("EnergyCertificates", [
    await registry.getAddress(),
    admin.address,
    URI,
  ]);
  const market = await ethers.deployContract("MockCertMarket", [
    await registry.getAddress(),
    await certificates.getAddress(),
  ]);
  await certificates.bindMarket(await market.getAddress());

  /** The first slot that has ended: readings of it are accepted now. */
  async function readableSlot(): Promise<bigint> {
    return (await registry.currentSlot()) - 1n;
  }
  /** Moves time to the end of `slot` so that its readings are accepted. */
  async function endSlot(slot: bigint): Promise<void> {
    const end = await registry.slotEnd(slot);
    if (BigInt(await networkHelpers.time.latest()) < end) await networkHelpers.time.increaseTo(end);
  }
  /** Ends `slot` and records a reading of it. */
  async function record(
    meter: typeof solar,
    slot: bigint,
    exportedWh: bigint,
    importedWh = 0n,
  ): Promise<void> {
    await endSlot(slot);
    await submitReading(registry, meter, slot, importedWh, exportedWh);
  }

  /** The registry index of a meter: what the market's sell lots name it by. */
  async function indexOf(meter: { address: string }): Promise<bigint> {
    return (await registry.meterOf(meter.address)).index;
  }
  /**
   * Settles `slot` in the mock market with Q = `clearedWh`, the buy orders `buys` and the sell orders
   * `sells` ([meter, fill] by order index) as an honest market reports them.
   */
  async function settleTrade(
    slot: bigint,
    clearedWh: bigint,
    buys: BuyFill[],
    sells: readonly (readonly [{ address: string }, bigint])[],
  ): Promise<void> {
    const orders = await Promise.all(
      sells.map(async ([meter, fillWh]) => [await indexOf(meter), fillWh] as const),
    );
    await (await market.settle(slot, clearedWh, buys, sellLots(orders))).wait();
  }

  const slot = (await registry.currentSlot()) + 1n;
  return {
    registry,
    certificates,
    market,
    admin,
    alice,
    bob,
    carol,
    dave,
    outsider,
    solar,
    wind,
    gas,
    battery,
    home,
    slot,
    record,
    endSlot,
    readableSlot,
    indexOf,
    settleTrade,
  };
}
