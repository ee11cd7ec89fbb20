import { expect } from "chai";
import { network } from "hardhat";
import {
  AbiCoder,
  computeHmac,
  keccak256,
  toBeHex,
  toUtf8Bytes,
  type TransactionReceipt,
} from "ethers";

import { meterWallet, registryFixtures, signedReading } from "./helpers/registry.js";
import type { RegisteredMeter, RegistryWithMeters } from "./helpers/registry.js";
import {
  importedCommitment,
  openingOf,
  readingSalt,
  saltSeedOf,
  signReading,
  type SignedReading,
} from "../fixtures/readings.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const { registryWithMeters } = registryFixtures(connection);

/**
 * A consumption no other field of a reading holds by chance: 0x9e3779b9 (the golden-ratio constant). The
 * registry does not bound imports (it cannot see them), so even this impossible value is accepted.
 */
const IMPORTED_WH = 0x9e3779b9n;
const IMPORTED_HEX = "9e3779b9";
/** The exported Wh, as distinctive, so that the scans are shown to find a value that is there. */
const EXPORTED_WH = 0x2b1n;
const SLOT = 3n;

/** Hex digits of `text` without 0x, lower case. */
const digits = (text: string) => text.toLowerCase().replace(/^0x/, "");

/**
 * The storage key of `_readings[(slot << 29) | (index >> 3)]` in the registry (ReadingWord: one slot of
 * eight meters per word, lane = index % 8), found by probing the declaration order for the mapping whose
 * lane holds the exported value (so a layout change cannot make the scan look at an empty word and pass).
 */
async function laneWordKey(
  registry: string,
  index: bigint,
  slot: bigint,
  exportedWh: bigint,
): Promise<string> {
  const abi = AbiCoder.defaultAbiCoder();
  const wordKey = (slot << 29n) | (index >> 3n);
  for (let base = 0n; base < 32n; base++) {
    const key = keccak256(abi.encode(["uint256", "uint256"], [wordKey, base]));
    const word = BigInt(await ethers.provider.getStorage(registry, key));
    const lane = (word >> ((index & 7n) * 32n)) & 0xffffffffn;
    if (lane === (1n << 31n) + exportedWh) return key;
  }
  throw new Error("no storage word holds the reading's lane");
}

/** Every storage word the transaction wrote (SSTORE keys of the registry's trace), when the node traces. */
async function writtenWords(hash: string): Promise<string[]> {
  const trace = (await ethers.provider.send("debug_traceTransaction", [hash, {}])) as {
    structLogs: { op: string; stack?: string[] }[];
  };
  const keys = new Set<string>();
  for (const step of trace.structLogs) {
    if (step.op !== "SSTORE" || step.stack === undefined) continue;
    // SSTORE's key is the top of the stack.
    keys.add(`0x${digits(step.stack[step.stack.length - 1]!).padStart(64, "0")}`);
  }
  return [...keys];
}

describe("MeterRegistry privacy: the imported Wh stays off chain", function () {
  let ctx: RegistryWithMeters;
  let meter: RegisteredMeter;

  beforeEach(async function () {
    ctx = await networkHelpers.loadFixture(registryWithMeters);
    meter = ctx.battery;
    await networkHelpers.time.increaseTo(await ctx.registry.slotEnd(SLOT));
  });

  async function submit(reading: SignedReading): Promise<TransactionReceipt> {
    const tx = await ctx.registry.connect(ctx.accounts.hub).submitReadings([reading]);
    return (await tx.wait())!;
  }

  it("holds the imported Wh in clear in no calldata, event or storage word of a submission", async function () {
    const reading = await signedReading(ctx, meter, SLOT, IMPORTED_WH, EXPORTED_WH);
    const receipt = await submit(reading);
    const tx = (await ethers.provider.getTransaction(receipt.hash))!;

    // Calldata: the exported Wh is there (the scan works), the imported Wh is not.
    expect(digits(tx.data)).to.include(digits(toBeHex(EXPORTED_WH, 32)));
    expect(digits(tx.data)).to.not.include(IMPORTED_HEX);

    // Logs: every topic and every data word of every log of the transaction.
    expect(receipt.logs).to.have.length(1);
    for (const log of receipt.logs) {
      for (const topic of log.topics) expect(digits(topic)).to.not.include(IMPORTED_HEX);
      expect(digits(log.data)).to.not.include(IMPORTED_HEX);
    }
    const event = ctx.registry.interface.parseLog(receipt.logs[0]!)!;
    expect(event.args.exportedWh).to.equal(EXPORTED_WH);
    expect(event.args.importedCommitment).to.equal(reading.importedCommitment);

    // Storage: the lane word of (meter, slot), and every other word the transaction wrote.
    const registry = await ctx.registry.getAddress();
    const lane = await laneWordKey(registry, meter.index, SLOT, EXPORTED_WH);
    const written = await writtenWords(receipt.hash);
    expect(written).to.include(lane);
    for (const key of written) {
      const word = await ethers.provider.getStorage(registry, key);
      expect(digits(word), `storage word ${key}`).to.not.include(IMPORTED_HEX);
      // Nor shifted into any 32-bit lane position, nor as the lane's 31-bit field.
      for (let shift = 0n; shift < 256n; shift += 32n) {
        expect((BigInt(word) >> shift) & 0xffffffffn).to.not.equal(IMPORTED_WH);
        expect((BigInt(word) >> shift) & 0x7fffffffn).to.not.equal(IMPORTED_WH & 0x7fffffffn);
      }
    }
    // What is read back is the export only.
    expect(await ctx.registry.readingOf(meter.address, SLOT)).to.deep.equal([true, EXPORTED_WH]);
  });

  it("verifies the opening derived from the meter key, and refuses a wrong value or salt", async function () {
    const reading = await signedReading(ctx, meter, SLOT, IMPORTED_WH, EXPORTED_WH);
    const receipt = await submit(reading);
    const logged = ctx.registry.interface.parseLog(receipt.logs[0]!)!.args
      .importedCommitment as string;

    // The meter (or the household holding the seed) re-derives the salt later: same opening.
    const opening = openingOf(meter.wallet, ctx.domain, {
      meter: meter.address,
      slot: SLOT,
      importedWh: IMPORTED_WH,
    });
    const seed = saltSeedOf(meter.wallet.privateKey);
    expect(readingSalt(seed, ctx.domain, meter.address, SLOT)).to.equal(opening.salt);
    expect(opening.commitment).to.equal(logged);
    expect(
      await ctx.registry.importedCommitment(meter.address, SLOT, IMPORTED_WH, opening.salt),
    ).to.equal(logged);
    expect(importedCommitment(meter.address, SLOT, IMPORTED_WH, opening.salt)).to.equal(logged);

    const verify = (wh: bigint, salt: string, slot = SLOT) =>
      ctx.registry.verifyImportedWh(meter.address, slot, wh, salt, logged);
    expect(await verify(IMPORTED_WH, opening.salt)).to.equal(true);
    expect(await verify(IMPORTED_WH - 1n, opening.salt)).to.equal(false);
    expect(
      await verify(IMPORTED_WH, readingSalt(seed, ctx.domain, meter.address, SLOT + 1n)),
    ).to.equal(false);
    expect(await verify(IMPORTED_WH, opening.salt, SLOT + 1n)).to.equal(false);
    // Another key's salt for the same reading does not open it either.
    const other = openingOf(meterWallet("someone else"), ctx.domain, opening);
    expect(await verify(IMPORTED_WH, other.salt)).to.equal(false);
  });

  it("derives a distinct salt per slot, meter and registry, the same every time", async function () {
    const seed = saltSeedOf(meter.wallet.privateKey);
    const salt = readingSalt(seed, ctx.domain, meter.address, SLOT);
    // As docs/integration.md specifies it, with plain ethers.
    const abi = AbiCoder.defaultAbiCoder();
    const documentedSeed = computeHmac(
      "sha256",
      meter.wallet.privateKey,
      toUtf8Bytes("GridLedger reading salt seed v1"),
    );
    expect(seed).to.equal(documentedSeed);
    expect(salt).to.equal(
      computeHmac(
        "sha256",
        documentedSeed,
        abi.encode(
          ["uint256", "address", "address", "uint64"],
          [ctx.chainId, await ctx.registry.getAddress(), meter.address, SLOT],
        ),
      ),
    );
    expect(readingSalt(seed, ctx.domain, meter.address, SLOT)).to.equal(salt);
    expect(readingSalt(seed, ctx.domain, meter.address, SLOT + 1n)).to.not.equal(salt);
    expect(readingSalt(seed, ctx.domain, ctx.solar.address, SLOT)).to.not.equal(salt);
    const otherRegistry = { ...ctx.domain, verifyingContract: ctx.accounts.stranger.address };
    expect(readingSalt(seed, otherRegistry, meter.address, SLOT)).to.not.equal(salt);
    expect(saltSeedOf(ctx.solar.wallet.privateKey)).to.not.equal(seed);
  });

  it("binds the commitment: the meter's signature with a commitment to another value is refused", async function () {
    const reading = await signedReading(ctx, meter, SLOT, IMPORTED_WH, EXPORTED_WH);
    // Even an attacker who knew the salt could not move the import: the signature covers the commitment.
    const { salt } = openingOf(meter.wallet, ctx.domain, { ...reading, importedWh: IMPORTED_WH });
    const forged = {
      ...reading,
      importedCommitment: importedCommitment(meter.address, SLOT, 1n, salt),
    };
    await expect(ctx.registry.submitReading(forged)).to.be.revertedWithCustomError(
      ctx.registry,
      "RegistryInvalidSignature",
    );
    expect((await ctx.registry.readingOf(meter.address, SLOT)).recorded).to.equal(false);
    await expect(ctx.registry.submitReading(reading))
      .to.emit(ctx.registry, "ReadingRecorded")
      .withArgs(meter.address, SLOT, EXPORTED_WH, reading.importedCommitment);
  });

  it("refuses to sign values that do not fit a uint32", async function () {
    const values = { meter: meter.address, slot: SLOT, importedWh: 1n << 32n, exportedWh: 0n };
    await expect(signReading(meter.wallet, ctx.domain, values)).to.be.rejectedWith(RangeError);
  });
});
