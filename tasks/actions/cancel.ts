import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { refuseEmbedded } from "../../scripts/lib/devnode.js";
import {
  type CommandContext,
  eventsNamed,
  openContext,
  parseWhole,
  runCommand,
  signerFor,
  transact,
} from "../../scripts/lib/command.js";
import { UsageError } from "../../scripts/lib/errors.js";
import { orderSlot, orderStatusName, slotStatusName } from "./orders.js";
import { baseToCurrency } from "../../scripts/lib/units.js";

/**
 * The market answers an unknown or finished order with whatever check fails first (often the gate of
 * slot 0): name the order's real state instead, from orderOf and its slot's status.
 */
async function refuseFinishedOrder(ctx: CommandContext, orderId: bigint): Promise<void> {
  const { market } = ctx.suite;
  let order: { status: bigint };
  try {
    order = await market.orderOf(orderId);
  } catch (error) {
    const explained = ctx.decoder.explain("orderOf", error);
    const recycled = explained.message.includes("Recycled");
    throw new UsageError(
      "--order",
      recycled
        ? `order ${orderId} is too old: its slot's book has been recycled`
        : `unknown order ${orderId} (no such order in the market)`,
    );
  }
  if (orderStatusName(order.status) === "cancelled")
    throw new UsageError("--order", `order ${orderId} is already cancelled`);
  const slot = orderSlot(orderId);
  const { status } = await market.slotInfo(slot);
  const state = slotStatusName(status);
  if (state === "cleared" || state === "settled")
    throw new UsageError(
      "--order",
      `order ${orderId} is final: its slot ${slot} is already ${state}; only orders of open slots can be cancelled`,
    );
}

export default async function cancel(
  args: { order: string; account: string; deploymentId: string; ephemeral: boolean },
  hre: HardhatRuntimeEnvironment,
) {
  return runCommand(async () => {
    if (args.order === "")
      throw new UsageError("--order", "is required (the order id printed when it was placed)");
    const orderId = parseWhole(args.order, "--order");
    refuseEmbedded(hre, args.ephemeral);
    const ctx = await openContext(hre, args.deploymentId);
    const signer = await signerFor(ctx.chain, args.account || "0");
    await refuseFinishedOrder(ctx, orderId);
    const { hash, gasUsed, logs } = await transact(ctx, "cancelOrder", () =>
      ctx.suite.market.connect(signer).cancelOrder(orderId),
    );
    const [event] = eventsNamed(ctx.suite.market, logs, "OrderCancelled");
    ctx.print(
      `cancelled order ${orderId}, released ${baseToCurrency((event?.args.released as bigint | undefined) ?? 0n)} (tx ${hash}, ${gasUsed} gas)`,
    );
  });
}
