/**
 * `market invalidate-nonces`: the trader moves its next signed-order nonce forward, so that its signed
 * orders with lower nonces that no relayer has placed yet can never be (the router's `invalidateNonces`).
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import {
  eventsNamed,
  openContext,
  parseWhole,
  runCommand,
  signerFor,
  transact,
} from "../../scripts/lib/command.js";
import { refuseEmbedded } from "../../scripts/lib/devnode.js";
import { UsageError } from "../../scripts/lib/errors.js";

export default async function invalidateNonces(
  args: { nonce: string; account: string; deploymentId: string; ephemeral: boolean },
  hre: HardhatRuntimeEnvironment,
) {
  return runCommand(async () => {
    if (args.nonce === "")
      throw new UsageError("--nonce", "is required (the new next nonce: orders below it are void)");
    const nonce = parseWhole(args.nonce, "--nonce");
    if (nonce >= 1n << 32n)
      throw new UsageError("--nonce", `is too large (at most ${(1n << 32n) - 1n})`);
    refuseEmbedded(hre, args.ephemeral);
    const ctx = await openContext(hre, args.deploymentId);
    const signer = await signerFor(ctx.chain, args.account || "0");
    const { market, orderRouter } = ctx.suite;
    const before = await market.nonceOf(signer.address);
    const { hash, gasUsed, logs } = await transact(ctx, "invalidateNonces", () =>
      orderRouter.connect(signer).invalidateNonces(nonce),
    );
    const [event] = eventsNamed(orderRouter, logs, "NoncesInvalidated");
    ctx.print(
      `next signed-order nonce of ${signer.address} is now ${event?.args.nextNonce ?? nonce} (was ${before}): its signed orders with nonces ${before}..${nonce - 1n} not yet placed can no longer be (tx ${hash}, ${gasUsed} gas)`,
    );
  });
}
