/**
 * Shared fixture and helpers for the EnergyMarket tests and gas benchmarks: deploys a MeterRegistry, the
 * GridStablecoin and an EnergyMarket on one slot clock, registers generation meters, funds traders, and
 * signs meter readings. Units: Wh and token base units per Wh (6 decimals).
 */
import type { NetworkConnection } from "hardhat/types/network";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { Wallet, type ContractTransactionResponse } from "ethers";

import type { EnergyMarket, GridStablecoin, MeterRegistry } from "../../typechain-types/index.js";
import { registryDomain, signReading as signMeterReading } from "./readings.js";

export const SLOT_LENGTH = 900n;
export const READING_WINDOW = 3600n;
export const HORIZON_SLOTS = 96n;
export const GATE_CLOSURE_SECONDS = 300n;
/** The fixture's cap: small, to keep the tests fast (the market allows up to 1,000, with or without a hook). */
export const MAX_ORDERS_PER_SLOT = 160n;
export const MIN_ORDER_WH = 10n;
export const COLLATERAL_PER_WH = 2n;
export const PENALTY_PER_WH = 5n;
/** Lowest limit a buy order may name: every buy locks at least MIN_ORDER_WH x this. */
export const MIN_BUY_PRICE_PER_WH = 1n;
/** Rated capacity of the fixture's meters: 10 kW, i.e. 2,500 Wh per 15-minute slot. */
export const METER_CAPACITY_W = 10_000n;
/** What each trader deposits: 1,000,000 gUSD. */
export const DEPOSIT = 1_000_000n * 10n ** 6n;

export enum Side {
  Buy = 0,
  Sell = 1,
}

export enum MeterKind {
  Consumption = 0,
  Generation = 1,
  Bidirectional = 2,
}

export enum SlotStatus {
  None = 0,
  Open = 1,
  Cleared = 2,
  Settled = 3,
}

export interface MarketParamsInput {
  minOrderWh: bigint;
  sellerCollateralPerWh: bigint;
  penaltyPerWh: bigint;
  minBuyPricePerWh: bigint;
}

export interface MarketOptions {
  params?: MarketParamsInput;
  maxOrdersPerSlot?: bigint;
  horizonSlots?: bigint;
  gateClosureSeconds?: bigint;
  /** Number of extra trader accounts (funded, no meter) besides alice, bob, carol and dave. */
  traders?: number;
}

export const DEFAULT_PARAMS: MarketParamsInput = {
  minOrderWh: MIN_ORDER_WH,
  sellerCollateralPerWh: COLLATERAL_PER_WH,
  penaltyPerWh: PENALTY_PER_WH,
  minBuyPricePerWh: MIN_BUY_PRICE_PER_WH,
};

/** Order id as the market computes it: | 64 slot | 31 zero | 1 side | 32 index |. */
export function orderIdOf(slot: bigint, side: Side, index: bigint): bigint {
  return (slot << 64n) | (BigInt(side) << 32n) | index;
}

/** gasUsed of a transaction's receipt. */
export async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("transaction was not mined");
  return receipt.gasUsed;
}

/**
 * Deploys registry, token and market; registers one generation meter each for alice and bob (and a
 * consumption meter for carol); funds alice, bob, carol and dave (and `traders` more) with DEPOSIT.
 */
export async function deployMarket(connection: NetworkConnection, options: MarketOptions = {}) {
  const { ethers } = connection;
  const signers = await ethers.getSigners();
  const [admin, operator, gridAccount, alice, bob, carol, dave] = signers;
  const latest = await ethers.provider.getBlock("latest");
  const now = BigInt(latest!.timestamp);
  // Genesis on a slot boundary, 10 slots in the past.
  const genesis = now - (now % SLOT_LENGTH) - 10n * SLOT_LENGTH;

  const registry = (await ethers.deployContract("MeterRegistry", [
    admin.address,
    genesis,
    SLOT_LENGTH,
    READING_WINDOW,
  ])) as unknown as MeterRegistry;
  await (await registry.grantRole(await registry.GRID_OPERATOR_ROLE(), admin.address)).wait();
  await (await registry.grantRole(await registry.REGULATOR_ROLE(), admin.address)).wait();
  const token = (await ethers.deployContract("GridStablecoin", [
    admin.address,
  ])) as unknown as GridStablecoin;
  const market = (await ethers.deployContract("EnergyMarket", [
    {
      token: await token.getAddress(),
      registry: await registry.getAddress(),
      admin: admin.address,
      gridOperator: operator.address,
      gridOperatorAccount: gridAccount.address,
      horizonSlots: options.horizonSlots ?? HORIZON_SLOTS,
      gateClosureSeconds: options.gateClosureSeconds ?? GATE_CLOSURE_SECONDS,
      maxOrdersPerSlot: options.maxOrdersPerSlot ?? MAX_ORDERS_PER_SLOT,
      params: options.params ?? DEFAULT_PARAMS,
    },
  ])) as unknown as EnergyMarket;

  const meterAlice = new Wallet(ethers.id("gridledger meter alice"));
  const meterBob = new Wallet(ethers.id("gridledger meter bob"));
  const meterCarol = new Wallet(ethers.id("gridledger meter carol"));
  await registerMeter(registry, meterAlice.address, alice.address, MeterKind.Generation);
  await registerMeter(registry, meterBob.address, bob.address, MeterKind.Bidirectional);
  await registerMeter(registry, meterCarol.address, carol.address, MeterKind.Consumption);

  const extra = signers.slice(7, 7 + (options.traders ?? 0));
  for (const trader of [alice, bob, carol, dave, ...extra])
    await fund(token, market, admin, trader, DEPOSIT);

  return {
    ethers,
    registry,
    token,
    market,
    genesis,
    admin,
    operator,
    gridAccount,
    alice,
    bob,
    carol,
    dave,
    traders: extra,
    meterAlice,
    meterBob,
    meterCarol,
  };
}

export type MarketFixture = Awaited<ReturnType<typeof deployMarket>>;

/** The default fixture, for `networkHelpers.loadFixture`. */
export function marketFixture(connection: NetworkConnection): Promise<MarketFixture> {
  return deployMarket(connection);
}

/** Registers a meter (source Solar for generation kinds, None for consumption), commissioned at time 0. */
export async function registerMeter(
  registry: MeterRegistry,
  meter: string,
  owner: string,
  kind: MeterKind,
): Promise<void> {
  const source = kind === MeterKind.Consumption ? 0 : 1;
  const zone = "0x5a31000000000000"; // "Z1"
  await (
    await registry.registerMeter(meter, owner, kind, source, METER_CAPACITY_W, zone, 0)
  ).wait();
}

/** Mints `amount` to `trader`, approves the market and deposits it. */
export async function fund(
  token: GridStablecoin,
  market: EnergyMarket,
  minter: HardhatEthersSigner,
  trader: HardhatEthersSigner,
  amount: bigint,
): Promise<void> {
  await (await token.connect(minter).mint(trader.address, amount)).wait();
  await (await token.connect(trader).approve(await market.getAddress(), amount)).wait();
  await (await market.connect(trader).deposit(amount)).wait();
}

/** A reading of `meter` signed with its key, in the registry's SignedReading form (EIP-2098 compact). */
export async function signReading(
  registry: MeterRegistry,
  meter: Wallet,
  slot: bigint,
  importedWh: bigint,
  exportedWh: bigint,
) {
  const { chainId } = await registry.runner!.provider!.getNetwork();
  const domain = registryDomain(await registry.getAddress(), chainId);
  return signMeterReading(meter, domain, { meter: meter.address, slot, importedWh, exportedWh });
}

/** Signs and submits a reading once its slot has ended (warps there if needed). */
export async function submitReading(
  f: MarketFixture,
  timeTo: (t: bigint) => Promise<void>,
  meter: Wallet,
  slot: bigint,
  exportedWh: bigint,
): Promise<void> {
  const slotEnd = await f.registry.slotEnd(slot);
  if ((await latestTime(f)) < slotEnd) await timeTo(slotEnd);
  await (
    await f.registry.submitReading(await signReading(f.registry, meter, slot, 0n, exportedWh))
  ).wait();
}

export async function latestTime(f: { ethers: MarketFixture["ethers"] }): Promise<bigint> {
  const block = await f.ethers.provider.getBlock("latest");
  return BigInt(block!.timestamp);
}

/** A slot whose gate is open for a while yet: two slots after the current one. */
export async function openSlot(market: EnergyMarket, ahead = 2n): Promise<bigint> {
  return (await market.currentSlot()) + ahead;
}

/** Places an order and returns its id (read from the OrderPlaced event). */
export async function place(
  market: EnergyMarket,
  trader: HardhatEthersSigner,
  slot: bigint,
  side: Side,
  quantityWh: bigint,
  limitPrice: bigint,
  meter = "0x0000000000000000000000000000000000000000",
): Promise<bigint> {
  const receipt = await (
    await market.connect(trader).placeOrder(slot, side, quantityWh, limitPrice, meter)
  ).wait();
  for (const log of receipt!.logs) {
    const parsed = market.interface.parseLog(log);
    if (parsed?.name === "OrderPlaced") return parsed.args.orderId as bigint;
  }
  throw new Error("no OrderPlaced event");
}

/** Free balance of `account` in the market. */
export async function freeOf(market: EnergyMarket, account: string): Promise<bigint> {
  return (await market.balanceOf(account)).free;
}

/** Locked balance of `account` in the market. */
export async function lockedOf(market: EnergyMarket, account: string): Promise<bigint> {
  return (await market.balanceOf(account)).locked;
}

/** Moves the chain's clock to `t` unless it is already there or later. */
export async function advanceTo(
  f: MarketFixture,
  time: { increaseTo: (t: bigint) => Promise<unknown> },
  t: bigint,
): Promise<void> {
  if ((await latestTime(f)) < t) await time.increaseTo(t);
}

/** Clears `slot` once its gate has closed (warps there first). */
export async function clearSlot(
  f: MarketFixture,
  time: { increaseTo: (t: bigint) => Promise<unknown> },
  slot: bigint,
): Promise<void> {
  await advanceTo(f, time, await f.market.gateClosureOf(slot));
  await (await f.market.clear(slot)).wait();
}

/** Settles `slot` once its reading window has closed (warps there first). */
export async function settleSlot(
  f: MarketFixture,
  time: { increaseTo: (t: bigint) => Promise<unknown> },
  slot: bigint,
): Promise<void> {
  await advanceTo(f, time, await f.market.readingWindowEnd(slot));
  await (await f.market.settle(slot)).wait();
}

/** Sum of free + locked balances of `accounts` plus the market's escrow: what the market owes. */
export async function liabilities(market: EnergyMarket, accounts: string[]): Promise<bigint> {
  let total = await market.escrowed();
  for (const account of accounts) {
    const { free, locked } = await market.balanceOf(account);
    total += free + locked;
  }
  return total;
}

/** Every account of the default fixture that can hold a balance. */
export function fixtureAccounts(f: MarketFixture): string[] {
  return [f.alice, f.bob, f.carol, f.dave, f.gridAccount, ...f.traders].map((s) => s.address);
}
