import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { eventsNamed, openSlotCommand, runCommand, transact } from "../../scripts/lib/command.js";
import { checkOrderFits, describeTerms, parseOrderOptions } from "./orderOptions.js";

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
    const terms = parseOrderOptions(args);
    const { ctx, signer, slot } = await openSlotCommand(hre, args);
    const market = ctx.suite.market;
    checkOrderFits(market, terms);
    const { quantityWh, limitPrice, meter } = terms;
    const { hash, gasUsed, logs } = await transact(ctx, "placeOrder", () =>
      market.connect(signer).placeOrder(slot, terms.sideIndex, quantityWh, limitPrice, meter),
    );
    const [placed] = eventsNamed(market, logs, "OrderPlaced");
    ctx.print(
      `order ${placed?.args.orderId ?? "?"}: ${describeTerms(terms)} for slot ${slot} (tx ${hash}, ${gasUsed} gas)`,
    );
  });
}
