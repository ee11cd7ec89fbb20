import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { openContext, runCommand } from "../../scripts/lib/command.js";
import { baseToCurrency, basePerWhToPricePerKWh } from "../../scripts/lib/units.js";

export default async function suite(
  args: { deploymentId: string },
  hre: HardhatRuntimeEnvironment,
) {
  return runCommand(async () => {
    const ctx = await openContext(hre, args.deploymentId);
    const { registry, market, addresses } = ctx.suite;
    const [genesis, slotLength, readingWindow] = await registry.slotClock();
    const { current } = await market.params();
    ctx.print(
      `network ${ctx.chain.networkName} (chain ${ctx.chain.chainId}), from ${ctx.suite.source}`,
    );
    for (const [name, address] of Object.entries(addresses))
      ctx.print(`  ${name.padEnd(13)} ${address}`);
    ctx.print(
      `  slot clock    genesis ${genesis}, ${slotLength} s slots, readings accepted ${readingWindow} s after a slot`,
    );
    ctx.print(
      `  market        gate closes ${await market.gateClosureSeconds()} s before a slot, horizon ${await market.horizonSlots()} slots, current slot ${await market.currentSlot()}`,
    );
    ctx.print(
      `  parameters    min order ${current.minOrderWh} Wh, collateral ${basePerWhToPricePerKWh(current.sellerCollateralPerWh)}/kWh, penalty ${basePerWhToPricePerKWh(current.penaltyPerWh)}/kWh (${baseToCurrency(current.penaltyPerWh * 1000n)} per kWh short), lowest buy limit ${basePerWhToPricePerKWh(current.minBuyPricePerWh)}/kWh`,
    );
  });
}
