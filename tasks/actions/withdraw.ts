import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import {
  checkFits,
  openAmountCommand,
  runCommand,
  transact,
  type AmountCommandArgs,
} from "../../scripts/lib/command.js";
import { baseToCurrency } from "../../scripts/lib/units.js";

export default async function withdraw(args: AmountCommandArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(async () => {
    const { ctx, signer, amount } = await openAmountCommand(hre, args, "10");
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
