/**
 * Opening a reading's commitment to its imported Wh: the household (or the meter) reveals one slot's
 * consumption to a chosen party, who checks it against the registry's `ReadingRecorded` log.
 */
import type { Provider } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { getLogsPaged } from "../../scripts/lib/logs.js";
import { MeterRegistry__factory } from "../../typechain-types/index.js";
import { openContext, parseAddress, parseWhole, runCommand } from "../../scripts/lib/command.js";
import { UsageError } from "../../scripts/lib/errors.js";
import { openingOf, registryDomain } from "../../scripts/lib/readings.js";
import { resolveSlot } from "../../scripts/lib/slots.js";
import { kWhToWh, whToKWh } from "../../scripts/lib/units.js";
import { meterKeyFrom } from "./reading.js";

interface OpeningArguments {
  meter: string;
  slot: string;
  importedKwh: string;
  salt: string;
  keyEnv: string;
  for: string;
  fromBlock: string;
  account: string;
  deploymentId: string;
}
type VerifyArguments = Omit<OpeningArguments, "keyEnv" | "for">;
type RevealArguments = Omit<OpeningArguments, "salt">;

const LOG_PAGE_BLOCKS = 10_000;

const registryInterface = MeterRegistry__factory.createInterface();

/** The commitment the registry logged for (meter, slot), or undefined when it recorded no reading. */
export async function recordedCommitment(
  provider: Provider,
  registry: string,
  meter: string,
  slot: bigint,
  fromBlock = 0,
): Promise<string | undefined> {
  const topics = registryInterface.encodeFilterTopics("ReadingRecorded", [meter, slot]);
  const toBlock = await provider.getBlockNumber();
  const logs = await getLogsPaged(provider, [registry], topics, {
    fromBlock,
    toBlock,
    pageSize: LOG_PAGE_BLOCKS,
  });
  // The registry emits it once per (meter, slot), so the first log is the only one.
  if (logs.length === 0) return undefined;
  return registryInterface.parseLog(logs[0])!.args.importedCommitment as string;
}

function required(value: string, option: string, what: string): string {
  if (value.trim() === "") throw new UsageError(option, `is required (${what})`);
  return value.trim();
}

/** `meter verify-import`: checks a revealed (imported kWh, salt) against the logged commitment. */
export async function verifyImport(args: VerifyArguments, hre: HardhatRuntimeEnvironment) {
  return runCommand(async () => {
    const meter = parseAddress(required(args.meter, "--meter", "the meter's address"), "--meter");
    const importedWh = kWhToWh(
      required(args.importedKwh, "--imported-kwh", "the revealed kWh"),
      "--imported-kwh",
    );
    const salt = required(args.salt, "--salt", "the revealed 32-byte salt, 0x + 64 hex digits");
    if (!/^0x[0-9a-fA-F]{64}$/.test(salt))
      throw new UsageError("--salt", "is not 32 bytes (0x followed by 64 hex digits)");
    const ctx = await openContext(hre, args.deploymentId);
    const slot = await resolveSlot(ctx.chain, ctx.suite.market, args.slot);
    const { registry, addresses } = ctx.suite;
    const fromBlock =
      args.fromBlock === "" ? 0 : Number(parseWhole(args.fromBlock, "--from-block"));
    const commitment = await recordedCommitment(
      ctx.chain.ethers.provider,
      addresses.registry,
      meter,
      slot,
      fromBlock,
    );
    if (commitment === undefined)
      throw new UsageError(
        "--slot",
        `the registry recorded no reading of ${meter} in slot ${slot}`,
      );
    const valid = await registry.verifyImportedWh(meter, slot, importedWh, salt, commitment);
    ctx.print(
      valid
        ? `verified: meter ${meter} imported ${whToKWh(importedWh)} kWh in slot ${slot} (commitment ${commitment})`
        : `NOT verified: ${whToKWh(importedWh)} kWh with this salt does not open the commitment ${commitment} of meter ${meter} in slot ${slot}`,
    );
    if (!valid) process.exitCode = 1;
    return { valid, commitment };
  });
}

/** `meter reveal-import`: derives the salt from the meter key and prints the opening for one party. */
export async function revealImport(args: RevealArguments, hre: HardhatRuntimeEnvironment) {
  return runCommand(async () => {
    const importedWh = kWhToWh(
      required(args.importedKwh, "--imported-kwh", "the kWh the meter measured"),
      "--imported-kwh",
    );
    const party = required(args.for, "--for", "who the opening is for, e.g. a supplier's name");
    const key = meterKeyFrom(args.keyEnv);
    const ctx = await openContext(hre, args.deploymentId);
    const slot = await resolveSlot(ctx.chain, ctx.suite.market, args.slot);
    const registry = ctx.suite.addresses.registry;
    const meter = args.meter === "" ? key.address : parseAddress(args.meter, "--meter");
    const opening = openingOf(key, registryDomain(registry, ctx.chain.chainId), {
      meter,
      slot,
      importedWh,
    });
    const fromBlock =
      args.fromBlock === "" ? 0 : Number(parseWhole(args.fromBlock, "--from-block"));
    const logged = await recordedCommitment(
      ctx.chain.ethers.provider,
      registry,
      meter,
      slot,
      fromBlock,
    );
    if (logged !== opening.commitment)
      throw new UsageError(
        "--imported-kwh",
        logged === undefined
          ? `the registry recorded no reading of ${meter} in slot ${slot}`
          : `${whToKWh(importedWh)} kWh does not open the logged commitment ${logged} with this key's salt`,
      );
    ctx.print(
      JSON.stringify(
        {
          for: party,
          chainId: ctx.chain.chainId,
          registry,
          meter,
          slot: slot.toString(),
          importedKwh: whToKWh(importedWh),
          salt: opening.salt,
          commitment: opening.commitment,
          verify: `npx hardhat meter verify-import --meter ${meter} --slot ${slot} --imported-kwh ${whToKWh(importedWh)} --salt ${opening.salt}`,
        },
        null,
        2,
      ),
    );
    return opening;
  });
}
