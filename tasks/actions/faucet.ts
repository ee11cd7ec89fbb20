import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { refuseEmbedded } from "../../scripts/lib/devnode.js";
import {
  checkFits,
  openContext,
  runCommand,
  signerFor,
  transact,
} from "../../scripts/lib/command.js";
import { UsageError } from "../../scripts/lib/errors.js";
import { baseToCurrency, currencyToBase } from "../../scripts/lib/units.js";

/** Anyone draws testbed stablecoin from the capped daily faucet. */
export default async function faucet(
  args: { amount: string; account: string; deploymentId: string; ephemeral: boolean },
  hre: HardhatRuntimeEnvironment,
) {
  return runCommand(async () => {
    if (args.amount === "") throw new UsageError("--amount", "is required (currency, e.g. 100)");
    const amount = currencyToBase(args.amount, "--amount");
    refuseEmbedded(hre, args.ephemeral);
    const ctx = await openContext(hre, args.deploymentId);
    const signer = await signerFor(ctx.chain, args.account || "0");
    checkFits(ctx.suite.token, "faucet", "amount", amount, "--amount", baseToCurrency);
    const { hash } = await transact(ctx, "faucet", () =>
      ctx.suite.token.connect(signer).faucet(amount),
    );
    const balance = await ctx.suite.token.balanceOf(signer.address);
    ctx.print(
      `drew ${baseToCurrency(amount)} for ${signer.address}; wallet ${baseToCurrency(balance)} (tx ${hash})`,
    );
  });
}
