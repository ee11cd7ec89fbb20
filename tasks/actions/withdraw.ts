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

export default async function withdraw(
  args: { amount: string; account: string; deploymentId: string; ephemeral: boolean },
  hre: HardhatRuntimeEnvironment,
) {
  return runCommand(async () => {
    if (args.amount === "") throw new UsageError("--amount", "is required (currency, e.g. 10)");
    const amount = currencyToBase(args.amount, "--amount");
    refuseEmbedded(hre, args.ephemeral);
    const ctx = await openContext(hre, args.deploymentId);
    const signer = await signerFor(ctx.chain, args.account || "0");
    checkFits(ctx.suite.market, "withdraw", "amount", amount, "--amount", baseToCurrency);
    const { hash, gasUsed } = await transact(ctx, "withdraw", () =>
      ctx.suite.market.connect(signer).withdraw(amount),
    );
    const [free, locked] = await ctx.suite.market.balanceOf(signer.address);
    ctx.print(
      `withdrew ${baseToCurrency(amount)} to ${signer.address} (tx ${hash}, ${gasUsed} gas); free ${baseToCurrency(free!)}, locked ${baseToCurrency(locked!)}`,
    );
  });
}
