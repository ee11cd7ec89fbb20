// A short trading run on a node reached over JSON-RPC: registry, certificates, the market's test double,
// readings, a settled trade with an unfilled sell order, its certificate pages (sellers, then buyers),
// issuance on request, a transfer, retirements and a suspension. Returns the addresses and what the
// auditor must find.
import { Wallet, type BaseWallet, type JsonRpcProvider, type JsonRpcSigner } from "ethers";
import {
  EnergyCertificates__factory,
  MeterRegistry__factory,
  MockCertMarket__factory,
} from "../../typechain-types/index.js";
import {
  CHANGE_DELAY_SLOTS,
  GRID_OPERATOR_ROLE,
  Kind,
  REGULATOR_ROLE,
  SLOT_LENGTH,
  Source,
  ZONE,
  signReading,
} from "../../fixtures/certificates.js";

export interface TradingRun {
  registry: string;
  market: string;
  certificates: string;
  accounts: { alice: string; bob: string; carol: string; dave: string };
  meters: { solar: BaseWallet; wind: BaseWallet; gas: BaseWallet };
  slot: bigint;
  startBlock: number;
}

async function mine(provider: JsonRpcProvider, timestamp: bigint) {
  await provider.send("evm_setNextBlockTimestamp", [Number(timestamp)]);
  await provider.send("evm_mine", []);
}

/** Deploys and trades; `meters` lets a test register the same meters elsewhere before the run. */
export async function tradingRun(
  provider: JsonRpcProvider,
  meters: TradingRun["meters"] = {
    solar: Wallet.createRandom(),
    wind: Wallet.createRandom(),
    gas: Wallet.createRandom(),
  },
): Promise<TradingRun> {
  const [admin, alice, bob, carol, dave]: JsonRpcSigner[] = await Promise.all(
    [0, 1, 2, 3, 4].map((i) => provider.getSigner(i)),
  );
  const startBlock = await provider.getBlockNumber();
  const now = BigInt((await provider.getBlock("latest"))!.timestamp);
  const genesis = now - (now % SLOT_LENGTH);
  const registry = await new MeterRegistry__factory(admin).deploy(
    admin.address,
    genesis,
    SLOT_LENGTH,
    3600n,
    CHANGE_DELAY_SLOTS,
  );
  await registry.waitForDeployment();
  await (await registry.grantRole(GRID_OPERATOR_ROLE, admin.address)).wait();
  await (await registry.grantRole(REGULATOR_ROLE, admin.address)).wait();
  await (
    await registry.registerMeter(
      meters.solar.address,
      alice.address,
      Kind.Generation,
      Source.Solar,
      100_000,
      ZONE,
      0,
    )
  ).wait();
  await (
    await registry.registerMeter(
      meters.wind.address,
      bob.address,
      Kind.Generation,
      Source.Wind,
      100_000,
      ZONE,
      0,
    )
  ).wait();
  await (
    await registry.registerMeter(
      meters.gas.address,
      bob.address,
      Kind.Generation,
      Source.Other,
      100_000,
      ZONE,
      0,
    )
  ).wait();

  const certificates = await new EnergyCertificates__factory(admin).deploy(
    await registry.getAddress(),
    admin.address,
    "",
  );
  await certificates.waitForDeployment();
  const market = await new MockCertMarket__factory(admin).deploy(
    await registry.getAddress(),
    await certificates.getAddress(),
  );
  await market.waitForDeployment();
  await (await certificates.bindMarket(await market.getAddress())).wait();

  // Two slots of readings: in `slot` solar and gas sell to carol and dave, wind sells nothing.
  const slot = (await registry.currentSlot()) + 1n;
  // The solar meter is suspended during slot + 1 (its reading is still accepted): that slot is withheld.
  await mine(provider, await registry.slotEnd(slot));
  await (await registry.suspendMeter(meters.solar.address)).wait();
  await mine(provider, await registry.slotEnd(slot + 1n));
  const readings = [
    await signReading(registry, meters.solar, slot, 0n, 9_000n),
    await signReading(registry, meters.wind, slot, 0n, 4_000n),
    await signReading(registry, meters.gas, slot, 0n, 5_000n),
    await signReading(registry, meters.solar, slot + 1n, 0n, 2_000n),
    await signReading(registry, meters.wind, slot + 1n, 0n, 1_000n),
  ];
  await (await registry.submitReadings(readings)).wait();
  // Q = 8,000 Wh: solar fills 5,001 Wh in two orders, gas 2,999 Wh, wind's order is not filled; carol and
  // dave buy. The solar pool of 5,001 Wh leaves 1 Wh of rounding (1,875 + 3,125), returned to alice.
  const indexOf = async (meter: BaseWallet) =>
    Number((await registry.meterOf(meter.address)).index);
  const [solarIndex, windIndex, gasIndex] = await Promise.all(
    [meters.solar, meters.wind, meters.gas].map(indexOf),
  );
  const lot = (meterIndex: number, fillWh: number, priorFillWh: number, meterFillWh: number) => ({
    meterIndex,
    fillWh,
    priorFillWh,
    meterFillWh,
  });
  await (
    await market.settle(
      slot,
      8_000n,
      [
        { buyer: carol.address, fillWh: 3_000n },
        { buyer: dave.address, fillWh: 5_000n },
      ],
      [
        lot(solarIndex, 3_001, 0, 5_001),
        lot(windIndex, 0, 0, 0),
        lot(gasIndex, 2_999, 0, 2_999),
        lot(solarIndex, 2_000, 3_001, 5_001),
      ],
    )
  ).wait();
  // Anyone delivers the certificates, in pages of two sell orders and one buy order.
  for (let page = 0; page < 2; page++) await (await certificates.certifySellers(slot, 2)).wait();
  for (let page = 0; page < 2; page++) await (await certificates.claimBuyers(slot, 1)).wait();
  await (await certificates.issue(meters.wind.address, slot)).wait();

  // In slot + 1 wind sells 600 Wh to carol; its sellers are certified, its buyers not yet claimed.
  await (
    await market.settle(
      slot + 1n,
      600n,
      [{ buyer: carol.address, fillWh: 600n }],
      [lot(windIndex, 600, 0, 600)],
    )
  ).wait();
  await (await certificates.certifySellers(slot + 1n, 10)).wait();

  const solarId = (slot << 8n) | BigInt(Source.Solar);
  const carolCertificates = certificates.connect(carol);
  await (
    await carolCertificates.safeTransferFrom(carol.address, dave.address, solarId, 500n, "0x")
  ).wait();
  await (
    await carolCertificates.retire(
      solarId,
      1_000n,
      carol.address,
      "0x" + Buffer.from("Scope 2, 2025").toString("hex"),
    )
  ).wait();
  await (
    await certificates.connect(dave).retire(solarId, 2_000n, carol.address, "0x" + "ab".repeat(32))
  ).wait();

  // Anyone closes the solar meter's slot + 1, which the suspension spans: withheld.
  await (await certificates.withhold(meters.solar.address, [slot + 1n])).wait();

  return {
    registry: await registry.getAddress(),
    market: await market.getAddress(),
    certificates: await certificates.getAddress(),
    accounts: { alice: alice.address, bob: bob.address, carol: carol.address, dave: dave.address },
    meters,
    slot,
    startBlock,
  };
}
