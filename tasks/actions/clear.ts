import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { refuseEmbedded } from "../../scripts/lib/devnode.js";
import { openContext, runCommand, signerFor, transact } from "../../scripts/lib/command.js";
import { resolveSlot } from "../../scripts/lib/slots.js";
import { basePerWhToPricePerKWh, whToKWh } from "../../scripts/lib/units.js";

export default async function clear(
  args: { slot: string; account: string; deploymentId: string; ephemeral: boolean },
  hre: HardhatRuntimeEnvironment,
) {
  return runCommand(async () => {
    refuseEmbedded(hre, args.ephemeral);
    const ctx = await openContext(hre, args.deploymentId);
    const signer = await signerFor(ctx.chain, args.account || "0");
    const slot = await resolveSlot(ctx.chain, ctx.suite.market, args.slot);
    const { hash, gasUsed } = await transact(ctx, "clear", () =>
      ctx.suite.market.connect(signer).getFunction("clear")(slot),
    );
    const info = (await ctx.suite.market.getFunction("slotInfo")(slot)) as {
      price: bigint;
      clearedWh: bigint;
    };
    ctx.print(
      `cleared slot ${slot}: ${whToKWh(info.clearedWh)} kWh at ${basePerWhToPricePerKWh(info.price)}/kWh (tx ${hash}, ${gasUsed} gas)`,
    );
  });
}
