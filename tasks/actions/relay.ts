/**
 * `market relay`: a relayer (any account with ETH) submits prosumers' signed orders (files written by
 * `market sign-order`) in one `placeSignedOrders` batch, pays its gas, and reports each order's outcome:
 * placed with its order id, or skipped with the router's decoded reason and whether its nonce was consumed.
 */
import type { LogDescription } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import {
  eventsNamed,
  openContext,
  runCommand,
  signerFor,
  transact,
  type CommandContext,
} from "../../scripts/lib/command.js";
import { refuseEmbedded } from "../../scripts/lib/devnode.js";
import { UsageError } from "../../scripts/lib/errors.js";
import type { SignedOrder } from "../../scripts/lib/orders.js";
import { sideName } from "./orders.js";
import { describeTerms } from "./orderOptions.js";
import { readSignedOrders } from "./signedOrderFile.js";

interface RelayArguments {
  files: string[];
  account: string;
  deploymentId: string;
  ephemeral: boolean;
}

async function readAll(files: readonly string[]): Promise<SignedOrder[]> {
  if (files.length === 0)
    throw new UsageError(
      "files",
      "name at least one file of signed orders (market sign-order --out)",
    );
  const orders = (await Promise.all(files.map((f) => readSignedOrders(f, "files")))).flat();
  if (orders.length === 0)
    throw new UsageError("files", `${files.join(", ")} hold no signed orders`);
  return orders;
}

/**
 * Each order's outcome line. The router places or skips the orders in batch order, and each placement
 * emits exactly one OrderPlaced (the market's) and each skip one SignedOrderSkipped (the router's), so the
 * n-th of those events, in log order, is the n-th order's outcome.
 */
function outcomes(ctx: CommandContext, orders: readonly SignedOrder[], events: LogDescription[]) {
  if (events.length !== orders.length)
    throw new Error(`placeSignedOrders: ${events.length} outcomes for ${orders.length} orders`);
  return orders.map(({ order }, i) => {
    const event = events[i]!;
    const terms = { ...order, side: sideName(order.side) };
    const head = `signed order ${i + 1} of ${order.trader} nonce ${order.nonce} (${describeTerms(terms)}, slot ${order.slot})`;
    if (event.name === "OrderPlaced") return `${head}: placed as order ${event.args.orderId}`;
    const reason = ctx.decoder.describe(String(event.args.reason));
    const nonce = event.args.nonceConsumed ? "nonce consumed" : "nonce not consumed";
    return `${head}: skipped, ${reason}; ${nonce}`;
  });
}

export default async function relay(args: RelayArguments, hre: HardhatRuntimeEnvironment) {
  return runCommand(async () => {
    const orders = await readAll(args.files);
    refuseEmbedded(hre, args.ephemeral);
    const ctx = await openContext(hre, args.deploymentId);
    const signer = await signerFor(ctx.chain, args.account || "0");
    const { market, orderRouter } = ctx.suite;
    const { hash, gasUsed, logs } = await transact(ctx, "placeSignedOrders", () =>
      orderRouter.connect(signer).placeSignedOrders(orders),
    );
    // In log order: per log, the market's placement or the router's skip.
    const events = logs.flatMap((log) => [
      ...eventsNamed(market, [log], "OrderPlaced"),
      ...eventsNamed(orderRouter, [log], "SignedOrderSkipped"),
    ]);
    for (const line of outcomes(ctx, orders, events)) ctx.print(line);
    const placed = events.filter((e) => e.name === "OrderPlaced");
    const skipped = events.length - placed.length;
    ctx.print(
      `relayed ${orders.length} signed orders from ${signer.address}: ${placed.length} placed, ${skipped} skipped (tx ${hash}, ${gasUsed} gas)`,
    );
  });
}
