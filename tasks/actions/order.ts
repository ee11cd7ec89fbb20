import { ZeroAddress } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import {
  checkFits,
  parseAddress,
  parseChoice,
  runCommand,
  transact,
  openSlotCommand,
} from "../../scripts/lib/command.js";
import { ENUMS, enumChoices } from "../../scripts/lib/enums.js";
import { UsageError } from "../../scripts/lib/errors.js";
import {
  basePerWhToPricePerKWh,
  kWhToWh,
  pricePerKWhToBasePerWh,
  whToKWh,
} from "../../scripts/lib/units.js";

interface OrderArguments {
  side: string;
  kwh: string;
  price: string;
  slot: string;
  meter: string;
  account: string;
  deploymentId: string;
  ephemeral: boolean;
}

export default async function order(args: OrderArguments, hre: HardhatRuntimeEnvironment) {
  return runCommand(async () => {
    if (args.side === "") throw new UsageError("--side", "is required (buy or sell)");
    const sides = enumChoices(ENUMS.side);
    const side = parseChoice(args.side, "--side", sides);
    if (args.kwh === "") throw new UsageError("--kwh", "is required (quantity in kWh)");
    const quantityWh = kWhToWh(args.kwh, "--kwh");
    if (quantityWh === 0n) throw new UsageError("--kwh", "must be more than 0");
    if (args.price === "")
      throw new UsageError("--price", "is required (limit in currency per kWh)");
    const limit = pricePerKWhToBasePerWh(args.price, "--price");
    let meter = ZeroAddress;
    if (side === "sell") {
      if (args.meter === "")
        throw new UsageError("--meter", "is required for a sell order (your generation meter)");
      meter = parseAddress(args.meter, "--meter");
    } else if (args.meter !== "") {
      throw new UsageError("--meter", "is only for sell orders");
    }
    const { ctx, signer, slot } = await openSlotCommand(hre, args);
    const market = ctx.suite.market;
    checkFits(market, "placeOrder", "quantityWh", quantityWh, "--kwh", (max) => `${whToKWh(max)}`);
    checkFits(market, "placeOrder", "limitPrice", limit, "--price", basePerWhToPricePerKWh);
    const { hash, gasUsed, logs } = await transact(ctx, "placeOrder", () =>
      market.connect(signer).placeOrder(slot, sides.indexOf(side), quantityWh, limit, meter),
    );
    const placed = logs
      .map((l) => {
        try {
          return market.interface.parseLog(l);
        } catch {
          return null;
        }
      })
      .find((e) => e?.name === "OrderPlaced");
    ctx.print(
      `order ${placed?.args.orderId ?? "?"}: ${side} ${whToKWh(quantityWh)} kWh at ${basePerWhToPricePerKWh(limit)}/kWh for slot ${slot} (tx ${hash}, ${gasUsed} gas)`,
    );
  });
}
