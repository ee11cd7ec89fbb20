import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { refuseEmbedded } from "../../scripts/lib/devnode.js";
import { Steps, openContext, runCommand, signerFor, transact } from "../../scripts/lib/command.js";
import { UsageError } from "../../scripts/lib/errors.js";
import { baseToCurrency, currencyToBase } from "../../scripts/lib/units.js";

export default async function deposit(
  args: { amount: string; account: string; deploymentId: string; ephemeral: boolean },
  hre: HardhatRuntimeEnvironment,
) {
  return runCommand(async () => {
    if (args.amount === "") throw new UsageError("--amount", "is required (currency, e.g. 25.5)");
    const amount = currencyToBase(args.amount, "--amount");
    if (amount === 0n) throw new UsageError("--amount", "must be more than 0");
    refuseEmbedded(hre, args.ephemeral);
    const ctx = await openContext(hre, args.deploymentId);
    const signer = await signerFor(ctx.chain, args.account || "0");
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
