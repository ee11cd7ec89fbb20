import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import {
  Steps,
  openAmountCommand,
  runCommand,
  transact,
  type AmountCommandArgs,
} from "../../scripts/lib/command.js";
import { UsageError } from "../../scripts/lib/errors.js";
import { baseToCurrency } from "../../scripts/lib/units.js";

export default async function deposit(args: AmountCommandArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(async () => {
    const { ctx, signer, amount } = await openAmountCommand(hre, args, "25.5", { positive: true });
    const { market, token } = ctx.suite;
    const balance = await token.balanceOf(signer.address);
    if (balance < amount) {
      throw new UsageError(
        "--amount",
        `${args.amount} exceeds the wallet's ${baseToCurrency(balance)} (get tokens from the grid operator or the faucet)`,
      );
    }
    const allowance = await token.allowance(signer.address, ctx.suite.addresses.market);
    const steps = new Steps();
    if (allowance < amount) {
      await steps.run(
        () =>
          transact(ctx, "approve", () =>
            token.connect(signer).approve(ctx.suite.addresses.market, amount),
          ),
        ({ hash }) => `approved the market for ${baseToCurrency(amount)} (tx ${hash})`,
      );
    }
    const { hash, gasUsed } = await steps.run(
      () => transact(ctx, "deposit", () => market.connect(signer).deposit(amount)),
      () => "deposited",
    );
    const [free, locked] = await market.balanceOf(signer.address);
    ctx.print(
      `deposited ${baseToCurrency(amount)} for ${signer.address} (tx ${hash}, ${gasUsed} gas); free ${baseToCurrency(free!)}, locked ${baseToCurrency(locked!)}`,
    );
  });
}
