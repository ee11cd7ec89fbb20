import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { refuseEmbedded } from "../../scripts/lib/devnode.js";
import {
  Steps,
  checkFits,
  openContext,
  parseAddress,
  roleSigner,
  runCommand,
  transact,
} from "../../scripts/lib/command.js";
import { UsageError } from "../../scripts/lib/errors.js";
import { baseToCurrency, currencyToBase } from "../../scripts/lib/units.js";

/**
 * The grid operator funds an account with testbed stablecoin (into its market balance with --deposit:
 * mint to the operator, approve the market, deposit for the account). Everything that can be checked is
 * checked before the first transaction; if a later step fails, the error says which steps were done.
 */
export default async function mint(
  args: {
    to: string;
    amount: string;
    deposit: boolean;
    account: string;
    deploymentId: string;
    ephemeral: boolean;
  },
  hre: HardhatRuntimeEnvironment,
) {
  return runCommand(async () => {
    if (args.to === "") throw new UsageError("--to", "is required (the account to fund)");
    const to = parseAddress(args.to, "--to", { allowZero: false });
    if (args.amount === "") throw new UsageError("--amount", "is required (currency, e.g. 100)");
    const amount = currencyToBase(args.amount, "--amount");
    if (amount === 0n) throw new UsageError("--amount", "must be more than 0");
    refuseEmbedded(hre, args.ephemeral);
    const ctx = await openContext(hre, args.deploymentId);
    const { token, market, addresses } = ctx.suite;
    checkFits(token, "mint", "amount", amount, "--amount", baseToCurrency);
    const signer = await roleSigner(ctx.chain, token, "MINTER_ROLE", args.account);
    if (!args.deposit) {
      const { hash } = await transact(ctx, "mint", () => token.connect(signer).mint(to, amount));
      ctx.print(`minted ${baseToCurrency(amount)} to ${to} (tx ${hash})`);
      return;
    }
    const shown = baseToCurrency(amount);
    const steps = new Steps();
    await steps.run(
      () => transact(ctx, "mint", () => token.connect(signer).mint(signer.address, amount)),
      ({ hash }) => `minted ${shown} to ${signer.address} (tx ${hash})`,
    );
    await steps.run(
      () => transact(ctx, "approve", () => token.connect(signer).approve(addresses.market, amount)),
      ({ hash }) => `approved the market for ${shown} (tx ${hash})`,
    );
    const { hash } = await steps.run(
      () => transact(ctx, "depositFor", () => market.connect(signer).depositFor(to, amount)),
      () => "deposited",
    );
    ctx.print(`funded ${to} with ${shown} in the market (tx ${hash})`);
  });
}
