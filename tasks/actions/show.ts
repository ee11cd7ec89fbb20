import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { openContext, runCommand, signerFor } from "../../scripts/lib/command.js";
import { baseToCurrency, basePerWhToPricePerKWh, whToKWh } from "../../scripts/lib/units.js";

const SIDES = ["buy", "sell"];
const STATUS = ["none", "live", "cancelled"];

export default async function show(
  args: { account: string; slots: number; deploymentId: string },
  hre: HardhatRuntimeEnvironment,
) {
  return runCommand(async () => {
    const ctx = await openContext(hre, args.deploymentId);
    const signer = await signerFor(ctx.chain, args.account || "0");
    const { market, token } = ctx.suite;
    const [free, locked] = (await market.getFunction("balanceOf")(signer.address)) as bigint[];
    const wallet = (await token.getFunction("balanceOf")(signer.address)) as bigint;
    const current = (await market.getFunction("currentSlot")()) as bigint;
    ctx.print(
      `account ${signer.address}: wallet ${baseToCurrency(wallet)}, market free ${baseToCurrency(free!)}, locked ${baseToCurrency(locked!)}; current slot ${current}`,
    );
    const from = current > BigInt(args.slots) ? current - BigInt(args.slots) : 0n;
    const events = await market.queryFilter(market.filters.OrderPlaced!(null, signer.address), 0);
    const mine = events.filter((e) => "args" in e && (e.args.slot as bigint) >= from);
    if (mine.length === 0) ctx.print(`no orders in slots ${from}..${current + 96n}`);
    for (const e of mine) {
      if (!("args" in e)) continue;
      const id = e.args.orderId as bigint;
      try {
        const o = (await market.getFunction("orderOf")(id)) as {
          side: bigint;
          status: bigint;
          quantityWh: bigint;
          limitPrice: bigint;
          filledWh: bigint;
        };
        ctx.print(
          `order ${id}: slot ${e.args.slot} ${SIDES[Number(o.side)]} ${whToKWh(o.quantityWh)} kWh at ${basePerWhToPricePerKWh(o.limitPrice)}/kWh, ${STATUS[Number(o.status)]}, filled ${whToKWh(o.filledWh)} kWh`,
        );
      } catch {
        ctx.print(
          `order ${id}: slot ${e.args.slot} (recycled: older than the market's ring of slots)`,
        );
      }
    }
  });
}
