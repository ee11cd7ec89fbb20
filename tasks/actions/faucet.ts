import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import {
  checkFits,
  openAmountCommand,
  runCommand,
  transact,
  type AmountCommandArgs,
} from "../../scripts/lib/command.js";
import { baseToCurrency } from "../../scripts/lib/units.js";

/** Anyone draws testbed stablecoin from the capped daily faucet. */
export default async function faucet(args: AmountCommandArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(async () => {
    const { ctx, signer, amount } = await openAmountCommand(hre, args, "100");
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
