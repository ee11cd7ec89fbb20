import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { runCommand, transact, openSlotCommand } from "../../scripts/lib/command.js";
import { basePerWhToPricePerKWh, whToKWh } from "../../scripts/lib/units.js";
import { slotStatusName } from "./orders.js";

export default async function clear(
  args: { slot: string; account: string; deploymentId: string; ephemeral: boolean },
  hre: HardhatRuntimeEnvironment,
) {
  return runCommand(async () => {
    const { ctx, signer, slot } = await openSlotCommand(hre, args);
    const { hash, gasUsed } = await transact(ctx, "clear", () =>
      ctx.suite.market.connect(signer).clear(slot),
    );
    const info = await ctx.suite.market.slotInfo(slot);
    const final =
      slotStatusName(info.status) === "settled"
        ? "; no trade, so it is final: nothing to settle"
        : "";
    ctx.print(
      `cleared slot ${slot}: ${whToKWh(info.clearedWh)} kWh at ${basePerWhToPricePerKWh(info.price)}/kWh${final} (tx ${hash}, ${gasUsed} gas)`,
    );
  });
}
