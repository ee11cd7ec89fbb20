import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { refuseEmbedded } from "../../scripts/lib/devnode.js";
import {
  openContext,
  parseAddress,
  roleSigner,
  runCommand,
  transact,
} from "../../scripts/lib/command.js";
import { UsageError } from "../../scripts/lib/errors.js";

interface StatusArguments {
  meter: string;
  account: string;
  deploymentId: string;
  ephemeral: boolean;
}

/** The regulator suspends or reinstates a meter (REGULATOR_ROLE on the registry). */
async function changeStatus(
  action: "suspendMeter" | "reinstateMeter",
  args: StatusArguments,
  hre: HardhatRuntimeEnvironment,
) {
  return runCommand(async () => {
    if (args.meter === "")
      throw new UsageError("--meter", "is required (the meter's device address)");
    const meter = parseAddress(args.meter, "--meter");
    refuseEmbedded(hre, args.ephemeral);
    const ctx = await openContext(hre, args.deploymentId);
    const registry = ctx.suite.registry;
    const signer = await roleSigner(ctx.chain, registry, "REGULATOR_ROLE", args.account);
    const { hash, gasUsed, logs } = await transact(ctx, action, () =>
      registry.connect(signer)[action](meter),
    );
    // The event names the slot: the first the suspension spans, or the last one (reinstatement).
    const event = action === "suspendMeter" ? "MeterSuspended" : "MeterReinstated";
    const slot = logs
      .map((log) => registry.interface.parseLog(log))
      .find((parsed) => parsed?.name === event)?.args.slot;
    const verb = action === "suspendMeter" ? "suspended" : "reinstated";
    const span =
      action === "suspendMeter"
        ? `from slot ${slot}: no sell orders, certificates of every slot it spans withheld (readings still accepted)`
        : `slot ${slot} is the last the suspension spans (its certificates stay withheld)`;
    ctx.print(`${verb} meter ${meter} (tx ${hash}, ${gasUsed} gas), ${span}`);
  });
}

export const suspend = (args: StatusArguments, hre: HardhatRuntimeEnvironment) =>
  changeStatus("suspendMeter", args, hre);
export const reinstate = (args: StatusArguments, hre: HardhatRuntimeEnvironment) =>
  changeStatus("reinstateMeter", args, hre);
