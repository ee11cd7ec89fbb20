/**
 * The whole GridLedger system wired as in production: MeterRegistry, GridStablecoin, EnergyMarket and
 * EnergyCertificates (market.setSettlementHook(certificates), certificates.bindMarket(market)), with the
 * roles on distinct accounts and a few renewable and non-renewable meters. Built on the market fixture
 * (fixtures/market.ts) so that both suites share one deployment recipe.
 * Units: Wh, token base units (6 decimals), token base units per Wh.
 */
import { expect } from "chai";
import { Wallet, type EventLog, type Interface, type Log, type LogDescription } from "ethers";
import type { NetworkConnection } from "hardhat/types/network";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

import type { EnergyCertificates } from "../../typechain-types/index.js";
import {
  METER_CAPACITY_W,
  MeterKind,
  deployMarket,
  fixtureAccounts,
  liabilities,
  signReading,
  type MarketFixture,
  type MarketOptions,
} from "../../fixtures/market.js";
import { EnergySource, REGULATOR_ROLE, zoneCode } from "../helpers/registry.js";

export const CERTIFICATE_URI = "https://certificates.gridledger.example/{id}.json";

/** The system: the market fixture plus the certificates, a regulator, a data hub and a stranger. */
export interface GridSystem extends MarketFixture {
  certificates: EnergyCertificates;
  /** Holds REGULATOR_ROLE in the registry (the admin holds it too, from the market fixture). */
  regulator: HardhatEthersSigner;
  /** Relays readings; holds no role. */
  hub: HardhatEthersSigner;
  /** Holds no role and no balance. */
  stranger: HardhatEthersSigner;
  /** Erin and frank: funded buyers without meters (the market fixture's extra traders). */
  erin: HardhatEthersSigner;
  frank: HardhatEthersSigner;
  /** Dave's wind meter (Generation, Wind). */
  meterDaveWind: Wallet;
  /** Dave's second wind meter, which never sells: its certificates go out by request. */
  meterDaveIdle: Wallet;
  /** Erin's battery (Bidirectional, Storage): sells energy that carries no certificate. */
  meterErinBattery: Wallet;
}

/**
 * Deploys and wires the system (market options as in deployMarket; two extra traders at least). For
 * `loadFixture` pass `gridSystem` (one function identity).
 */
export async function deployGridSystem(
  connection: NetworkConnection,
  options: MarketOptions = {},
): Promise<GridSystem> {
  const f = await deployMarket(connection, {
    ...options,
    traders: Math.max(options.traders ?? 0, 2),
  });
  const { ethers, registry, market, admin } = f;
  const signers = await ethers.getSigners();
  const [regulator, hub, stranger] = signers.slice(15, 18);
  const [erin, frank] = f.traders;

  await (await registry.grantRole(REGULATOR_ROLE, regulator.address)).wait();
  const certificates = (await ethers.deployContract("EnergyCertificates", [
    await registry.getAddress(),
    admin.address,
    CERTIFICATE_URI,
  ])) as unknown as EnergyCertificates;
  await (await market.setSettlementHook(await certificates.getAddress())).wait();
  await (await certificates.bindMarket(await market.getAddress())).wait();

  const meterDaveWind = new Wallet(ethers.id("gridledger integration meter dave wind"));
  const meterDaveIdle = new Wallet(ethers.id("gridledger integration meter dave idle"));
  const meterErinBattery = new Wallet(ethers.id("gridledger integration meter erin battery"));
  const zone = zoneCode("Z1");
  for (const [meter, owner, kind, source] of [
    [meterDaveWind, f.dave, MeterKind.Generation, EnergySource.Wind],
    [meterDaveIdle, f.dave, MeterKind.Generation, EnergySource.Wind],
    [meterErinBattery, erin, MeterKind.Bidirectional, EnergySource.Storage],
  ] as const) {
    await (
      await registry.registerMeter(
        meter.address,
        owner.address,
        kind,
        source,
        METER_CAPACITY_W,
        zone,
        0,
      )
    ).wait();
  }
  return {
    ...f,
    certificates,
    regulator,
    hub,
    stranger,
    erin,
    frank,
    meterDaveWind,
    meterDaveIdle,
    meterErinBattery,
  };
}

/** `loadFixture` target. */
export function gridSystem(connection: NetworkConnection): Promise<GridSystem> {
  return deployGridSystem(connection);
}

/** Every account that can hold a market balance in the system. */
export function systemAccounts(s: GridSystem): string[] {
  return [...fixtureAccounts(s), s.hub.address, s.stranger.address, s.regulator.address];
}

/** What `expectMarketBalanced` should count besides the system's own accounts. */
export interface BalanceCheckOptions {
  /** Further accounts with market balances (e.g. sybils, attacker contracts). */
  accounts?: readonly string[];
  /** Tokens sent to the market directly, outside `deposit`: owed to no one. */
  forced?: bigint;
}

/**
 * Asserts to the unit: token balance of the market == sum of free + locked balances + escrow (+ tokens
 * force-sent to it). Returns what the market owes.
 */
export async function expectMarketBalanced(
  s: GridSystem,
  options: BalanceCheckOptions = {},
): Promise<bigint> {
  const held = await s.token.balanceOf(await s.market.getAddress());
  const owed = await liabilities(s.market, [...systemAccounts(s), ...(options.accounts ?? [])]);
  expect(held, "market token balance vs balances + locks + escrow").to.equal(
    owed + (options.forced ?? 0n),
  );
  return owed;
}

/** Signs readings of several meters with their own keys and submits them in one batch as `relayer`. */
export async function relayReadings(
  s: GridSystem,
  relayer: HardhatEthersSigner,
  slot: bigint,
  readings: readonly { meter: Wallet; importedWh?: bigint; exportedWh: bigint }[],
): Promise<void> {
  const signed = await Promise.all(
    readings.map((r) => signReading(s.registry, r.meter, slot, r.importedWh ?? 0n, r.exportedWh)),
  );
  await (await s.registry.connect(relayer).trySubmitReadings(signed)).wait();
  for (const r of readings) {
    expect((await s.registry.readingOf(r.meter.address, slot)).exportedWh).to.equal(r.exportedWh);
  }
}

/** The parsed `name` events of `contract` in a receipt's logs (other contracts' logs are skipped). */
export function eventsOf(
  contract: { interface: Interface },
  logs: readonly (Log | EventLog)[],
  name: string,
): LogDescription[] {
  const events: LogDescription[] = [];
  for (const log of logs) {
    const parsed = contract.interface.parseLog(log);
    if (parsed?.name === name) events.push(parsed);
  }
  return events;
}
