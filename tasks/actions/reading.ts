import { Wallet } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { runCommand, transact, openSlotCommand } from "../../scripts/lib/command.js";
import { UsageError } from "../../scripts/lib/errors.js";
import { registryDomain, signReading } from "../../scripts/lib/readings.js";
import { kWhToWh, whToKWh } from "../../scripts/lib/units.js";

interface ReadingArguments {
  slot: string;
  importedKwh: string;
  exportedKwh: string;
  keyEnv: string;
  account: string;
  deploymentId: string;
  ephemeral: boolean;
}

/** The meter key in environment variable `keyEnv` (never on the command line, where `ps` shows it). */
export function meterKeyFrom(keyEnv: string): Wallet {
  const key = process.env[keyEnv];
  if (!key) throw new UsageError("--key-env", `environment variable ${keyEnv} holds no meter key`);
  try {
    return new Wallet(key);
  } catch {
    throw new UsageError(
      "--key-env",
      `${keyEnv} is not a private key (0x followed by 64 hex digits)`,
    );
  }
}

export default async function reading(args: ReadingArguments, hre: HardhatRuntimeEnvironment) {
  return runCommand(async () => {
    // A reading is final (the registry never replaces one): a forgotten quantity must not become 0.
    for (const [value, option] of [
      [args.importedKwh, "--imported-kwh"],
      [args.exportedKwh, "--exported-kwh"],
    ] as const)
      if (value.trim() === "")
        throw new UsageError(
          option,
          "is required (kWh; a reading cannot be replaced, give 0 for none)",
        );
    const imported = kWhToWh(args.importedKwh, "--imported-kwh");
    const exported = kWhToWh(args.exportedKwh, "--exported-kwh");
    const meter = meterKeyFrom(args.keyEnv);
    const { ctx, signer: relayer, slot } = await openSlotCommand(hre, args);
    // The import never leaves this process in clear: the transaction carries only its commitment.
    const signed = await signReading(
      meter,
      registryDomain(ctx.suite.addresses.registry, ctx.chain.chainId),
      { meter: meter.address, slot, importedWh: imported, exportedWh: exported },
    );
    const { hash, gasUsed } = await transact(ctx, "submitReading", () =>
      ctx.suite.registry.connect(relayer).submitReading(signed),
    );
    ctx.print(
      `recorded reading of meter ${meter.address} for slot ${slot}: exported ${whToKWh(exported)} kWh, imported ${whToKWh(imported)} kWh committed as ${signed.importedCommitment} (only the commitment is on chain; tx ${hash}, ${gasUsed} gas)`,
    );
  });
}
