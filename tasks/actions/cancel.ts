import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import {
  openContext,
  parseWhole,
  runCommand,
  signerFor,
  transact,
} from "../../scripts/lib/command.js";
import { UsageError } from "../../scripts/lib/errors.js";
import { baseToCurrency } from "../../scripts/lib/units.js";

export default async function cancel(
  args: { order: string; account: string; deploymentId: string },
  hre: HardhatRuntimeEnvironment,
) {
  return runCommand(async () => {
    if (args.order === "")
      throw new UsageError("--order", "is required (the order id printed when it was placed)");
    const orderId = parseWhole(args.order, "--order");
    const ctx = await openContext(hre, args.deploymentId);
    const signer = await signerFor(ctx.chain, args.account || "0");
    const { hash, gasUsed, logs } = await transact(ctx, "cancelOrder", () =>
      ctx.suite.market.connect(signer).getFunction("cancelOrder")(orderId),
    );
    const event = logs
      .map((l) => {
        try {
          return ctx.suite.market.interface.parseLog(l);
        } catch {
          return null;
        }
      })
      .find((e) => e?.name === "OrderCancelled");
    ctx.print(
      `cancelled order ${orderId}, released ${baseToCurrency((event?.args.released as bigint | undefined) ?? 0n)} (tx ${hash}, ${gasUsed} gas)`,
    );
  });
}
