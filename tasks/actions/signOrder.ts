/**
 * `market sign-order`: the prosumer signs an order (EIP-712, scripts/lib/orders.ts) with its account's key
 * and appends it to a file for a relayer (`market relay`). No transaction, no ETH needed.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { EnergyMarket } from "../../typechain-types/index.js";
import {
  openContext,
  parseWhole,
  runCommand,
  signerFor,
  type CommandContext,
} from "../../scripts/lib/command.js";
import { UsageError } from "../../scripts/lib/errors.js";
import { orderDomain, signOrder, type SignedOrder } from "../../scripts/lib/orders.js";
import { resolveSlot } from "../../scripts/lib/slots.js";
import { ENUMS, enumValue } from "../../scripts/lib/enums.js";
import { baseToCurrency } from "../../scripts/lib/units.js";
import {
  checkOrderFits,
  describeTerms,
  parseOrderOptions,
  type OrderOptions,
} from "./orderOptions.js";
import { readSignedOrders, writeSignedOrders } from "./signedOrderFile.js";

interface SignOrderArguments extends OrderOptions {
  slot: string;
  nonce: string;
  expiresInMinutes: string;
  out: string;
  account: string;
  deploymentId: string;
}

/** The market never accepts the last nonce (2^32 - 1), so the largest usable one is one below. */
const LAST_USABLE_NONCE = (1n << 32n) - 2n;
const SELL = BigInt(enumValue(ENUMS.side, "Sell"));

/**
 * The trader's next nonce, past the orders of the trader already in the file (signed in a row, not yet
 * relayed): the larger of the market's `nonceOf` and one after the file's highest nonce of the trader.
 */
async function nextNonce(market: EnergyMarket, trader: string, pending: readonly SignedOrder[]) {
  let next = BigInt(await market.nonceOf(trader));
  for (const { order } of pending)
    if (order.trader === trader && order.nonce >= next) next = order.nonce + 1n;
  return next;
}

/**
 * The last second the order may be placed: --expires-in-minutes from now, else the slot's last second
 * before its gate closure (exclusive). A slot whose gate has closed is refused: its order could only be
 * submitted to fail, and burn its nonce.
 */
async function expiryOf(ctx: CommandContext, slot: bigint, minutes: bigint | undefined) {
  const now = BigInt(await ctx.chain.latestTimestamp());
  const lastSecond = (await ctx.suite.market.gateClosureOf(slot)) - 1n;
  if (lastSecond <= now)
    throw new UsageError("--slot", `slot ${slot}'s gate has closed: sign for an open slot`);
  return minutes === undefined ? lastSecond : now + minutes * 60n;
}

/**
 * A warning when the trader's free balance does not cover the locks of its orders in the file plus this one:
 * a relayer submitting then would see the order refused and its nonce consumed (README, Known limits).
 */
async function fundingWarning(ctx: CommandContext, orders: readonly SignedOrder[]) {
  const { market } = ctx.suite;
  let needed = 0n;
  for (const { order } of orders) {
    const perWh =
      BigInt(order.side) === SELL
        ? (await market.paramsForSlot(order.slot)).sellerCollateralPerWh
        : order.limitPrice;
    needed += order.quantityWh * perWh;
  }
  const trader = orders[orders.length - 1]!.order.trader;
  const [free] = await market.balanceOf(trader);
  return free >= needed
    ? ""
    : `; warning: ${trader}'s free balance in the market (${baseToCurrency(free)}) does not cover these orders' locks (${baseToCurrency(needed)}): deposit before the relayer submits, or an order is refused and its nonce used up`;
}

function parseOptional(value: string, option: string): bigint | undefined {
  return value === "" ? undefined : parseWhole(value, option);
}

export default async function signOrderCommand(
  args: SignOrderArguments,
  hre: HardhatRuntimeEnvironment,
) {
  return runCommand(async () => {
    const terms = parseOrderOptions(args);
    if (args.out === "")
      throw new UsageError("--out", "is required (the JSON file to add the signed order to)");
    const minutes = parseOptional(args.expiresInMinutes, "--expires-in-minutes");
    if (minutes === 0n) throw new UsageError("--expires-in-minutes", "must be more than 0");
    const givenNonce = parseOptional(args.nonce, "--nonce");
    if (givenNonce !== undefined && givenNonce > LAST_USABLE_NONCE)
      throw new UsageError("--nonce", `is too large (at most ${LAST_USABLE_NONCE})`);
    const pending = await readSignedOrders(args.out, "--out", { missingIsEmpty: true });
    const ctx = await openContext(hre, args.deploymentId);
    const { market, addresses } = ctx.suite;
    checkOrderFits(market, terms);
    const signer = await signerFor(ctx.chain, args.account || "0");
    const slot = await resolveSlot(ctx.chain, market, args.slot);
    const expiry = await expiryOf(ctx, slot, minutes);
    const nonce = givenNonce ?? (await nextNonce(market, signer.address, pending));
    const used = BigInt(await market.nonceOf(signer.address));
    if (nonce < used)
      throw new UsageError(
        "--nonce",
        `${nonce} is used up (the next nonce of ${signer.address} is ${used})`,
      );
    const { sideIndex: side, quantityWh, limitPrice, meter } = terms;
    const order = {
      trader: signer.address,
      slot,
      side,
      quantityWh,
      limitPrice,
      meter,
      nonce,
      expiry,
    };
    const domain = orderDomain(addresses.orderRouter, BigInt(ctx.chain.chainId));
    const orders = [...pending, await signOrder(signer, domain, order)];
    await writeSignedOrders(args.out, orders);
    const warning = await fundingWarning(
      ctx,
      orders.filter((o) => o.order.trader === signer.address && o.order.nonce >= used),
    );
    const until = new Date(Number(expiry) * 1000).toISOString().replace(/\.000Z$/, "Z");
    ctx.print(
      `signed order nonce ${nonce} of ${signer.address}: ${describeTerms(terms)} for slot ${slot}, valid until ${until} (${expiry}); ${args.out} holds ${orders.length} signed orders (no transaction sent)${warning}`,
    );
  });
}
