/**
 * The options that describe an order, shared by `market order` (sent at once) and `market sign-order`
 * (signed for a relayer): --side, --kwh, --price and --meter (sell orders only), read in human units and
 * checked against the widths of the market's `placeOrder`, which the signed `Order` type shares.
 */
import { ZeroAddress } from "ethers";
import type { EnergyMarket } from "../../typechain-types/index.js";
import { checkFits, parseAddress, parseChoice } from "../../scripts/lib/command.js";
import { ENUMS, enumChoices } from "../../scripts/lib/enums.js";
import { UsageError } from "../../scripts/lib/errors.js";
import {
  basePerWhToPricePerKWh,
  kWhToWh,
  pricePerKWhToBasePerWh,
  whToKWh,
} from "../../scripts/lib/units.js";

export interface OrderOptions {
  side: string;
  kwh: string;
  price: string;
  meter: string;
}

/** An order in the market's units: Wh, token base units per Wh, `sideIndex` as `IEnergyMarket.Side`. */
export interface OrderTerms {
  side: "buy" | "sell";
  sideIndex: number;
  quantityWh: bigint;
  limitPrice: bigint;
  /** The generation meter of a sell, the zero address for a buy. */
  meter: string;
}

/** The order the options describe, or a one-line error naming the option that is wrong or missing. */
export function parseOrderOptions(args: OrderOptions): OrderTerms {
  if (args.side === "") throw new UsageError("--side", "is required (buy or sell)");
  const sides = enumChoices(ENUMS.side);
  const side = parseChoice(args.side, "--side", sides) as OrderTerms["side"];
  if (args.kwh === "") throw new UsageError("--kwh", "is required (quantity in kWh)");
  const quantityWh = kWhToWh(args.kwh, "--kwh");
  if (quantityWh === 0n) throw new UsageError("--kwh", "must be more than 0");
  if (args.price === "") throw new UsageError("--price", "is required (limit in currency per kWh)");
  const limitPrice = pricePerKWhToBasePerWh(args.price, "--price");
  let meter = ZeroAddress;
  if (side === "sell") {
    if (args.meter === "")
      throw new UsageError("--meter", "is required for a sell order (your generation meter)");
    meter = parseAddress(args.meter, "--meter");
  } else if (args.meter !== "") {
    throw new UsageError("--meter", "is only for sell orders");
  }
  return { side, sideIndex: sides.indexOf(side), quantityWh, limitPrice, meter };
}

/** `terms` fit the quantity and price widths of the market's `placeOrder`, or a one-line error. */
export function checkOrderFits(market: EnergyMarket, terms: OrderTerms): void {
  const kWh = (max: bigint) => `${whToKWh(max)}`;
  checkFits(market, "placeOrder", "quantityWh", terms.quantityWh, "--kwh", kWh);
  checkFits(
    market,
    "placeOrder",
    "limitPrice",
    terms.limitPrice,
    "--price",
    basePerWhToPricePerKWh,
  );
}

/** An order in one line, in human units: `buy 1.5 kWh at 0.22/kWh`. */
export function describeTerms(terms: {
  side: string;
  quantityWh: bigint;
  limitPrice: bigint;
}): string {
  return `${terms.side} ${whToKWh(terms.quantityWh)} kWh at ${basePerWhToPricePerKWh(terms.limitPrice)}/kWh`;
}
