import { Wallet } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { runCommand, transact, openSlotCommand } from "../../scripts/lib/command.js";
import { UsageError } from "../../scripts/lib/errors.js";
import { kWhToWh, whToKWh } from "../../scripts/lib/units.js";
import { registryDomain, signReading } from "../../scripts/sim/readings.js";

interface ReadingArguments {
  slot: string;
  importedKwh: string;
  exportedKwh: string;
  keyEnv: string;
  account: string;
  deploymentId: string;
  ephemeral: boolean;
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
    const key = process.env[args.keyEnv];
    if (!key)
      throw new UsageError("--key-env", `environment variable ${args.keyEnv} holds no meter key`);
    let meter: Wallet;
    try {
      meter = new Wallet(key);
    } catch {
      throw new UsageError(
        "--key-env",
        `${args.keyEnv} is not a private key (0x followed by 64 hex digits)`,
      );
    }
    const { ctx, signer: relayer, slot } = await openSlotCommand(hre, args);
    const signed = await signReading(
      registryDomain(ctx.chain.chainId, ctx.suite.addresses.registry),
      meter,
      meter.address,
      slot,
      Number(imported),
      Number(exported),
    );
    const { hash, gasUsed } = await transact(ctx, "submitReading", () =>
      ctx.suite.registry.connect(relayer).getFunction("submitReading")(signed),
    );
    ctx.print(
      `recorded reading of meter ${meter.address} for slot ${slot}: imported ${whToKWh(imported)} kWh, exported ${whToKWh(exported)} kWh (tx ${hash}, ${gasUsed} gas)`,
    );
  });
}
