/**
 * Gas of EnergyCertificates: issuance by request (single and batch, new and existing holder), the
 * certificate pages of a settled slot per selling meter (certifySellers) and per buy order (claimBuyers)
 * through a mock market that serves a chosen settled trade, retirement, and OpenZeppelin's plain ERC-1155
 * as a baseline. Used by bench/gas.ts and by
 * test/EnergyCertificates.gas.ts, which checks the issue's targets.
 */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { Wallet } from "ethers";

import {
  CHANGE_DELAY_SLOTS,
  GRID_OPERATOR_ROLE,
  Kind,
  READING_WINDOW,
  SLOT_LENGTH,
  Source,
  ZONE,
  signReading,
} from "../fixtures/certificates.js";
import type {
  EnergyCertificates,
  MeterRegistry,
  MockCertMarket,
} from "../typechain-types/index.js";
import { gasOf } from "./gasUsed.js";
import { fig, type GasFigure, type WarpTo } from "./types.js";

const TARGET_EXISTING_HOLDER = 35_000;
const TARGET_NEW_HOLDER = 55_000;
const TARGET_RETIRE = 35_000;
const BATCH = 10;
const LAST_PAGE_SLOT = 11n;

type Push = (key: string, operation: string, gas: number, target?: number, unit?: string) => void;

/** The registry, the certificates bound to a mock market, and OpenZeppelin's ERC-1155 as a baseline. */
async function deployBench(ethers: HardhatEthers) {
  const [admin, alice, bob, carol, ...others] = await ethers.getSigners();
  const buyers = others.slice(0, BATCH + 1).map((s) => s.address);
  const block = await ethers.provider.getBlock("latest");
  const genesis = BigInt(block!.timestamp);
  const registry = (await ethers.deployContract("MeterRegistry", [
    admin.address,
    genesis,
    SLOT_LENGTH,
    READING_WINDOW,
    CHANGE_DELAY_SLOTS,
  ])) as unknown as MeterRegistry;
  await (await registry.grantRole(GRID_OPERATOR_ROLE, admin.address)).wait();
  const certificates = (await ethers.deployContract("EnergyCertificates", [
    await registry.getAddress(),
    admin.address,
    "",
  ])) as unknown as EnergyCertificates;
  const market = (await ethers.deployContract("MockCertMarket", [
    await registry.getAddress(),
    await certificates.getAddress(),
  ])) as unknown as MockCertMarket;
  await (await certificates.bindMarket(await market.getAddress())).wait();
  const baseline = await ethers.deployContract("MockCertBaselineERC1155");
  return { admin, alice, bob, carol, buyers, genesis, registry, certificates, market, baseline };
}

type Bench = Awaited<ReturnType<typeof deployBench>>;

/** The Solar meters of the request path, the batch and the pages, fresh meters, one of each other source. */
async function registerBenchMeters(ethers: HardhatEthers, bench: Bench) {
  const { registry, alice, bob } = bench;
  // 3 meters for the request path, BATCH for the batch, BATCH + 3 for the hook; all Solar.
  const meters = Array.from(
    { length: 2 * BATCH + 6 },
    (_, i) => new Wallet(ethers.toBeHex(5000 + i, 32)),
  );
  for (const [i, meter] of meters.entries()) {
    const owner = i === 2 ? bob.address : alice.address;
    await (
      await registry.registerMeter(
        meter.address,
        owner,
        Kind.Generation,
        Source.Solar,
        100_000,
        ZONE,
        0,
      )
    ).wait();
  }
  // For the pages: meters never issued, each with its own owner; one meter of each other renewable source.
  const fresh = Array.from(
    { length: BATCH + 2 },
    (_, i) => new Wallet(ethers.toBeHex(6000 + i, 32)),
  );
  for (const [i, meter] of fresh.entries())
    await (
      await registry.registerMeter(
        meter.address,
        new Wallet(ethers.toBeHex(8000 + i, 32)).address,
        Kind.Generation,
        Source.Solar,
        100_000,
        ZONE,
        0,
      )
    ).wait();
  const otherSources = [Source.Wind, Source.Hydro, Source.Biomass];
  const otherMeters = otherSources.map((_, i) => new Wallet(ethers.toBeHex(7000 + i, 32)));
  for (const [i, meter] of otherMeters.entries())
    await (
      await registry.registerMeter(
        meter.address,
        alice.address,
        Kind.Generation,
        otherSources[i],
        100_000,
        ZONE,
        0,
      )
    ).wait();
  return { meters, fresh, otherMeters };
}

type BenchMeters = Awaited<ReturnType<typeof registerBenchMeters>>;

async function submitBenchReadings(bench: Bench, m: BenchMeters, warpTo: WarpTo): Promise<void> {
  const { registry, market, genesis } = bench;
  const { meters, fresh, otherMeters } = m;
  // Slot 1 warms each meter's bitmap word, slot 2 is the request path, slots 3 .. 11 the pages.
  // Each slot's readings once it has ended (its reading window is 4 slots long).
  for (let slot = 1n; slot <= LAST_PAGE_SLOT; slot++) {
    await warpTo(genesis + (slot + 1n) * SLOT_LENGTH);
    const readings = [];
    for (const meter of [...meters, ...fresh, ...otherMeters])
      readings.push(await signReading(registry, meter, slot, 0n, 1_000n));
    await (await registry.submitReadings(readings)).wait();
  }
  await (await market.setSlotFinal(1n, true)).wait();
  await (await market.setSlotFinal(2n, true)).wait();
}

/** The baseline's mints, then issuance by request and in batches (alice, bob: holders of id(2, Solar)). */
async function issuanceFigures(
  bench: Bench,
  meters: BenchMeters["meters"],
  all: string[],
  issueSlot1: number,
  push: Push,
): Promise<void> {
  const { baseline, carol, certificates } = bench;
  // OpenZeppelin's plain ERC-1155, for comparison.
  push(
    "baseline.erc1155.mint.newHolder",
    "OpenZeppelin ERC-1155 mint, new holder (baseline)",
    await gasOf(baseline.mint(carol.address, 1n, 100n)),
  );
  push(
    "baseline.erc1155.mint.existingHolder",
    "OpenZeppelin ERC-1155 mint, existing holder (baseline)",
    await gasOf(baseline.mint(carol.address, 1n, 100n)),
  );

  push(
    "certificates.issueBatch.freshWord",
    `issueBatch of ${all.length} meters, each meter's first slot in a 256-slot bitmap word`,
    Math.round(issueSlot1 / all.length),
    undefined,
    "issuance",
  );

  // Request path, one issuance per transaction: meter 0 makes alice a holder of id(2, Solar).
  push(
    "certificates.issue.first",
    "issue (request path), the slot's first issuance, new holder, one per transaction",
    await gasOf(certificates.issue(meters[0].address, 2n)),
  );
  push(
    "certificates.issue.existingHolder",
    "issue (request path), existing holder, one per transaction",
    await gasOf(certificates.issue(meters[1].address, 2n)),
    TARGET_EXISTING_HOLDER,
  );
  push(
    "certificates.issue.newHolder",
    "issue (request path), new holder, one per transaction",
    await gasOf(certificates.issue(meters[2].address, 2n)),
    TARGET_NEW_HOLDER,
  );
  const batchMeters = all.slice(3, 3 + BATCH);
  push(
    "certificates.issueBatch.existingHolder",
    `issueBatch of ${BATCH} meters, existing holder`,
    Math.round(
      (await gasOf(
        certificates.issueBatch(
          batchMeters,
          batchMeters.map(() => 2n),
        ),
      )) / BATCH,
    ),
    TARGET_EXISTING_HOLDER,
    "issuance",
  );
}

async function retirementFigures(ethers: HardhatEthers, bench: Bench, push: Push): Promise<void> {
  const { alice, baseline, carol, certificates } = bench;
  // Retirement: alice holds id(2, Solar).
  const id = await certificates.idOf(2n, Source.Solar);
  const retire = (beneficiary: string, claimData: string) =>
    gasOf(certificates.connect(alice).retire(id, 10n, beneficiary, claimData));
  push(
    "certificates.retire.newBeneficiary",
    "retire, first retirement for a beneficiary, 32-byte document hash",
    await retire(carol.address, ethers.id("report")),
    TARGET_RETIRE,
  );
  push(
    "certificates.retire.existingBeneficiary",
    "retire, beneficiary with earlier retirements, 32-byte document hash",
    await retire(carol.address, ethers.id("report")),
    TARGET_RETIRE,
  );
  push(
    "certificates.retire.withText",
    "retire, 31 characters of free text",
    await retire(
      carol.address,
      ethers.hexlify(ethers.toUtf8Bytes("Scope 2 claim 2025, site Berlin")),
    ),
    TARGET_RETIRE,
  );
  push(
    "baseline.erc1155.burn",
    "OpenZeppelin ERC-1155 burn (baseline)",
    await gasOf(baseline.connect(carol).burn(1n, 10n)),
  );
}

/** Measures issuance (request path, batch, certificate pages) and retirement on a fresh deployment. */
export async function measureCertificates(
  ethers: HardhatEthers,
  warpTo: WarpTo,
): Promise<GasFigure[]> {
  const bench = await deployBench(ethers);
  const { registry, certificates, market, buyers, carol } = bench;
  const benchMeters = await registerBenchMeters(ethers, bench);
  const { meters, fresh, otherMeters } = benchMeters;
  await submitBenchReadings(bench, benchMeters, warpTo);
  const all = meters.map((m) => m.address);
  const issueSlot1 = await gasOf(
    certificates.issueBatch(
      all,
      all.map(() => 1n),
    ),
  );

  const figures: GasFigure[] = [];
  const push: Push = (key, operation, gas, target, unit) =>
    figures.push({ key, operation, gas, ...(unit ? { unit } : {}), ...(target ? { target } : {}) });
  await issuanceFigures(bench, meters, all, issueSlot1, push);
  // Certificate pages, through the mock market's settled trades (slots 3 .. 11): the difference between a
  // page of 1 + BATCH orders and a page of 1 is what each further order costs.
  figures.push(
    ...(await pageFigures(registry, certificates, market, {
      warm: all.slice(3 + BATCH),
      fresh: fresh.map((m) => m.address),
      others: otherMeters.map((m) => m.address),
      buyers,
      repeatedBuyer: carol.address,
    })),
  );
  await retirementFigures(ethers, bench, push);
  return figures;
}

/**
 * certifySellers per selling meter and claimBuyers per buy order: each figure is the difference between a
 * page of 1 + BATCH orders and a page of 1 (both a slot's first and last page), divided by BATCH.
 * Slots: 3, 4 fresh meters (first issuance in their bitmap word, each owner a new holder); 5, 6 warm meters
 * of one owner (an existing holder after the first); 7 .. 9 one Solar pool, new and existing holders;
 * 10, 11 four pools (Solar, Wind, Hydro, Biomass), new holders.
 */
async function pageFigures(
  registry: MeterRegistry,
  certificates: EnergyCertificates,
  market: MockCertMarket,
  m: { warm: string[]; fresh: string[]; others: string[]; buyers: string[]; repeatedBuyer: string },
): Promise<GasFigure[]> {
  const lotOf = async (meter: string, fillWh: bigint) => ({
    meterIndex: (await registry.meterOf(meter)).index,
    fillWh,
    priorFillWh: 0n,
    meterFillWh: fillWh,
  });
  /** Settles `slot` in the mock with the given sells and buys, certifies its sellers in one page. */
  const certify = async (slot: bigint, meters: string[], buyers: string[], fillWh = 100n) => {
    const clearedWh = fillWh * BigInt(meters.length);
    const sells = await Promise.all(meters.map((meter) => lotOf(meter, fillWh)));
    const perBuyer = clearedWh / BigInt(buyers.length);
    const buys = buyers.map((buyer) => ({ buyer, fillWh: perBuyer }));
    await (await market.settle(slot, perBuyer * BigInt(buyers.length), buys, sells)).wait();
    return gasOf(certificates.certifySellers(slot, 1_000n));
  };
  const claim = (slot: bigint) => gasOf(certificates.claimBuyers(slot, 1_000n));
  const n = BATCH + 1;
  const buyer = [m.buyers[0]];

  const freshOne = await certify(3n, m.fresh.slice(0, 1), buyer);
  const freshMany = await certify(4n, m.fresh.slice(1, 1 + n), buyer);
  const warmOne = await certify(5n, m.warm.slice(0, 1), buyer);
  const warmMany = await certify(6n, m.warm.slice(1, 1 + n), buyer);
  await certify(7n, m.warm.slice(0, 1), buyer, 990n);
  const claimOne = await claim(7n);
  await certify(8n, m.warm.slice(0, 1), m.buyers.slice(0, n), 990n);
  const claimNew = await claim(8n);
  await certify(9n, m.warm.slice(0, 1), Array<string>(n).fill(m.repeatedBuyer), 990n);
  const claimExisting = await claim(9n);
  const fourPools = [m.warm[0], ...m.others];
  await certify(10n, fourPools, buyer, 990n);
  const claimOneFour = await claim(10n);
  await certify(11n, fourPools, m.buyers.slice(0, n), 990n);
  const claimNewFour = await claim(11n);

  const per = (many: number, one: number) => Math.round((many - one) / BATCH);
  return [
    fig(
      "certificates.certifySellers.oneMeter",
      "certifySellers, a page of 1 selling meter (first and last page of its slot)",
      freshOne,
    ),
    fig(
      "certificates.certifySellers.perMeter.fresh",
      "certifySellers, each further meter: first issuance in its bitmap word, owner a new holder (registry reads, closed bit, owner credit, event)",
      per(freshMany, freshOne),
      undefined,
      "meter",
    ),
    fig(
      "certificates.certifySellers.perMeter.warm",
      "certifySellers, each further meter: bitmap word already written, owner already holding the id",
      per(warmMany, warmOne),
      undefined,
      "meter",
    ),
    fig(
      "certificates.claimBuyers.oneBuyOrder",
      "claimBuyers, a page of 1 buy order, 1 pool (first and last page: remainders returned)",
      claimOne,
    ),
    fig(
      "certificates.claimBuyers.perBuyOrder.newHolder",
      "claimBuyers, each further buy order, 1 pool, buyer a new holder",
      per(claimNew, claimOne),
      TARGET_NEW_HOLDER,
      "buy order",
    ),
    fig(
      "certificates.claimBuyers.perBuyOrder.existingHolder",
      "claimBuyers, each further buy order, 1 pool, buyer already holding the id",
      per(claimExisting, claimOne),
      TARGET_EXISTING_HOLDER,
      "buy order",
    ),
    fig(
      "certificates.claimBuyers.perBuyOrder.fourPools.newHolder",
      "claimBuyers, each further buy order, 4 pools (one credit and event each), buyer a new holder",
      per(claimNewFour, claimOneFour),
      undefined,
      "buy order",
    ),
  ];
}
