import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { runCommand, transact, openSlotCommand } from "../../scripts/lib/command.js";
import { baseToCurrency, whToKWh } from "../../scripts/lib/units.js";
import { UsageError } from "../../scripts/lib/errors.js";
import { certifySlot } from "./certify.js";
import { slotStatusName } from "./orders.js";

export default async function settle(
  args: {
    slot: string;
    certify: boolean;
    account: string;
    deploymentId: string;
    ephemeral: boolean;
  },
  hre: HardhatRuntimeEnvironment,
) {
  return runCommand(async () => {
    const { ctx, signer, slot } = await openSlotCommand(hre, args);
    const market = ctx.suite.market;
    // A slot that cleared with no trade is final at once (the market settles it in clear): say so
    // instead of sending a settle that reverts with MarketSlotNotCleared(status=Settled).
    const info = await market.slotInfo(slot);
    if (slotStatusName(info.status) === "settled") {
      if (info.clearedWh !== 0n) throw new UsageError("--slot", `slot ${slot} is already settled`);
      ctx.print(`slot ${slot} cleared with no trade: it is final already, nothing to settle`);
      return;
    }
    const { hash, gasUsed, logs } = await transact(ctx, "settle", () =>
      market.connect(signer).settle(slot),
    );
    const e = logs
      .map((l) => {
        try {
          return market.interface.parseLog(l);
        } catch {
          return null;
        }
      })
      .find((x) => x?.name === "SlotSettled");
    ctx.print(
      `settled slot ${slot}: delivered ${whToKWh(e?.args.deliveredWh ?? 0n)} kWh, shortfall ${whToKWh(e?.args.shortfallWh ?? 0n)} kWh, penalties ${baseToCurrency(e?.args.penalties ?? 0n)} (tx ${hash}, ${gasUsed} gas)`,
    );
    if (args.certify && (e?.args.deliveredWh ?? 0n) + (e?.args.shortfallWh ?? 0n) > 0n)
      await certifySlot(ctx, signer, slot);
  });
}
