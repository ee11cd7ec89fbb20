import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { addressFor, openContext, runCommand } from "../../scripts/lib/command.js";
import { orderState, sideName } from "./orders.js";
import { baseToCurrency, basePerWhToPricePerKWh, whToKWh } from "../../scripts/lib/units.js";

export default async function show(
  args: { account: string; slots: number; deploymentId: string },
  hre: HardhatRuntimeEnvironment,
) {
  return runCommand(async () => {
    const ctx = await openContext(hre, args.deploymentId);
    // Read-only: any address, not only the network's accounts.
    const address = await addressFor(ctx.chain, args.account);
    const { market, token } = ctx.suite;
    const [free, locked] = await market.balanceOf(address);
    const wallet = await token.balanceOf(address);
    const current = await market.currentSlot();
    ctx.print(
      `account ${address}: wallet ${baseToCurrency(wallet)}, market free ${baseToCurrency(free!)}, locked ${baseToCurrency(locked!)}; current slot ${current}`,
    );
    ctx.print(`next signed-order nonce ${await market.nonceOf(address)}`);
    const from = current > BigInt(args.slots) ? current - BigInt(args.slots) : 0n;
    const events = await market.queryFilter(market.filters.OrderPlaced(undefined, address), 0);
    const mine = events.filter((e) => "args" in e && (e.args.slot as bigint) >= from);
    if (mine.length === 0) ctx.print(`no orders in slots ${from}..${current + 96n}`);
    const slotStatus = new Map<bigint, Promise<bigint>>();
    const statusOf = (slot: bigint) => {
      if (!slotStatus.has(slot))
        slotStatus.set(
          slot,
          market.slotInfo(slot).then((info: { status: bigint }) => info.status),
        );
      return slotStatus.get(slot)!;
    };
    for (const e of mine) {
      if (!("args" in e)) continue;
      const id = e.args.orderId as bigint;
      try {
        const o = await market.orderOf(id);
        const state = orderState(o.status, await statusOf(e.args.slot as bigint));
        // A filled sell's limit is in its OrderPlaced event once the slot is cleared (see IEnergyMarket.Order).
        const limit = (e.args.limitPrice as bigint | undefined) ?? o.limitPrice;
        ctx.print(
          `order ${id}: slot ${e.args.slot} ${sideName(o.side)} ${whToKWh(o.quantityWh)} kWh at ${basePerWhToPricePerKWh(limit)}/kWh, ${state}, filled ${whToKWh(o.filledWh)} kWh`,
        );
      } catch {
        ctx.print(
          `order ${id}: slot ${e.args.slot} (recycled: older than the market's ring of slots)`,
        );
      }
    }
  });
}
