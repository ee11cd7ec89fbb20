/**
 * Gas of EnergyCertificates: issuance by request (single and batch, new and existing holder), the
 * settlement hook per buyer and per meter (through a mock market that adds only the call), retirement,
 * and OpenZeppelin's plain ERC-1155 as a baseline. Used by bench/gas.ts and by
 * test/EnergyCertificates.gas.ts, which checks the issue's targets.
 */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { Wallet } from "ethers";

import {
  GRID_OPERATOR_ROLE,
  Kind,
  READING_WINDOW,
  SLOT_LENGTH,
  Source,
  ZONE,
  signReading,
} from "../test/EnergyCertificates.fixture.js";
import { gasOf, type WarpTo } from "./chain.js";
import type { GasFigure } from "./types.js";

const TARGET_EXISTING_HOLDER = 35_000;
const TARGET_NEW_HOLDER = 55_000;
const TARGET_RETIRE = 35_000;
const BATCH = 10;

/** Measures issuance (request path, batch, settlement hook) and retirement on a fresh deployment. */
export async function measureCertificates(
  ethers: HardhatEthers,
  warpTo: WarpTo,
): Promise<GasFigure[]> {
  const [admin, alice, bob, carol, ...others] = await ethers.getSigners();
  const buyers = others.slice(0, BATCH + 1).map((s) => s.address);
  const block = await ethers.provider.getBlock("latest");
  const genesis = BigInt(block!.timestamp);
  const registry = await ethers.deployContract("MeterRegistry", [
    admin.address,
    genesis,
    SLOT_LENGTH,
    READING_WINDOW,
  ]);
  await (await registry.grantRole(GRID_OPERATOR_ROLE, admin.address)).wait();
  const certificates = await ethers.deployContract("EnergyCertificates", [
    await registry.getAddress(),
    admin.address,
    "",
  ]);
  const market = await ethers.deployContract("MockCertMarket", [
    await registry.getAddress(),
    await certificates.getAddress(),
  ]);
  await (await certificates.bindMarket(await market.getAddress())).wait();
  const baseline = await ethers.deployContract("MockCertBaselineERC1155");

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
  // Slot 1 warms each meter's bitmap word, slot 2 is the request path, slot 3 the hook.
  await warpTo(genesis + 4n * SLOT_LENGTH);
  const readings = [];
  for (const slot of [1n, 2n, 3n]) {
    for (const meter of meters) readings.push(await signReading(registry, meter, slot, 0n, 1_000n));
  }
  await (await registry.submitReadings(readings)).wait();
  await (await market.setSlotFinal(1n, true)).wait();
  await (await market.setSlotFinal(2n, true)).wait();
  const all = meters.map((m) => m.address);
  const issueSlot1 = await gasOf(
    certificates.issueBatch(
      all,
      all.map(() => 1n),
    ),
  );

  const figures: GasFigure[] = [];
  const push = (key: string, operation: string, gas: number, target?: number, unit?: string) =>
    figures.push({ key, operation, gas, ...(unit ? { unit } : {}), ...(target ? { target } : {}) });

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
    "issue (request path), new holder, one per transaction",
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

  // Settlement hook (through the mock market's quiet settle, which adds only the call): slot 3.
  const hookMeters = all.slice(3 + BATCH);
  const fills = (n: number, wh: bigint) =>
    buyers.slice(0, n).map((buyer) => ({ buyer, filledWh: wh }));
  const one = await gasOf(
    market.settleQuietly(3n, 100n, fills(1, 100n), [{ meter: hookMeters[0], deliveredWh: 100n }]),
  );
  const manyNew = await gasOf(
    market.settleQuietly(3n, 1_100n, fills(BATCH + 1, 100n), [
      { meter: hookMeters[1], deliveredWh: 1_100n },
    ]),
  );
  const manyExisting = await gasOf(
    market.settleQuietly(3n, 1_100n, fills(BATCH + 1, 100n), [
      { meter: hookMeters[2], deliveredWh: 1_100n },
    ]),
  );
  const manyMeters = await gasOf(
    market.settleQuietly(
      3n,
      100n * BigInt(BATCH + 1),
      fills(1, 100n * BigInt(BATCH + 1)),
      hookMeters.slice(3, 4 + BATCH).map((meter) => ({ meter, deliveredWh: 100n })),
    ),
  );
  push(
    "certificates.hook.oneMeterOneBuyer",
    "settlement hook, 1 meter, 1 buyer (market call included)",
    one,
  );
  push(
    "certificates.hook.perBuyer.newHolder",
    "settlement hook, each further buyer, new holder",
    Math.round((manyNew - one) / BATCH),
    TARGET_NEW_HOLDER,
    "buyer",
  );
  push(
    "certificates.hook.perBuyer.existingHolder",
    "settlement hook, each further buyer, existing holder",
    Math.round((manyExisting - one) / BATCH),
    TARGET_EXISTING_HOLDER,
    "buyer",
  );
  push(
    "certificates.hook.perMeter",
    "settlement hook, each further meter (reading, flag, owner credit, event)",
    Math.round((manyMeters - one) / BATCH),
    undefined,
    "meter",
  );

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
  return figures;
}
