import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { refuseEmbedded } from "../../scripts/lib/devnode.js";
import {
  eventsNamed,
  openContext,
  parseAddress,
  parseChoice,
  roleSigner,
  runCommand,
  transact,
} from "../../scripts/lib/command.js";
import { ENUMS, enumChoices } from "../../scripts/lib/enums.js";
import { UsageError } from "../../scripts/lib/errors.js";
import { parseCapacityW, parseZone } from "./meterOptions.js";

interface RegisterArguments {
  meter: string;
  owner: string;
  kind: string;
  source: string;
  capacityKw: string;
  zone: string;
  account: string;
  deploymentId: string;
  ephemeral: boolean;
}

export default async function register(args: RegisterArguments, hre: HardhatRuntimeEnvironment) {
  return runCommand(async () => {
    if (args.meter === "")
      throw new UsageError("--meter", "is required (the meter's device address)");
    const meter = parseAddress(args.meter, "--meter");
    if (args.owner === "") throw new UsageError("--owner", "is required (the prosumer's account)");
    const owner = parseAddress(args.owner, "--owner");
    const kinds = enumChoices(ENUMS.meterKind);
    const kind = kinds.indexOf(parseChoice(args.kind, "--kind", kinds));
    const sources = enumChoices(ENUMS.energySource);
    const source = sources.indexOf(parseChoice(args.source, "--source", sources));
    const capacityW = parseCapacityW(args.capacityKw);
    const zone = parseZone(args.zone);
    refuseEmbedded(hre, args.ephemeral);
    const ctx = await openContext(hre, args.deploymentId);
    const registry = ctx.suite.registry;
    const signer = await roleSigner(ctx.chain, registry, "GRID_OPERATOR_ROLE", args.account);
    const now = await ctx.chain.latestTimestamp();
    const { hash, gasUsed, logs } = await transact(ctx, "registerMeter", () =>
      registry.connect(signer).registerMeter(meter, owner, kind, source, capacityW, zone, now),
    );
    const [e] = eventsNamed(registry, logs, "MeterRegistered");
    ctx.print(
      `registered meter ${meter} (index ${e?.args.index ?? "?"}) for ${owner}: ${kinds[kind]}, ${sources[source]}, ${args.capacityKw} kW, zone ${args.zone} (tx ${hash}, ${gasUsed} gas)`,
    );
  });
}
