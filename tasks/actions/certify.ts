/**
 * `hardhat certificates certify --slot N`: delivers a settled slot's certificates in pages (anyone): certifySellers
 * until done, then claimBuyers until done, printing each page. Continues where earlier pages stopped.
 */
import type { Signer } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import {
  CERTIFY_SELLERS_PAGE,
  CLAIM_BUYERS_PAGE,
  pagesFor,
} from "../../scripts/lib/certification.js";
import {
  runCommand,
  transact,
  type CommandContext,
  openSlotCommand,
} from "../../scripts/lib/command.js";
import { UsageError } from "../../scripts/lib/errors.js";

interface Progress {
  sellCursor: bigint;
  buyCursor: bigint;
  sellersDone: boolean;
  buyersDone: boolean;
}

/** Runs the remaining pages of both passes for `slot`; returns the number of transactions sent. */
export async function certifySlot(
  ctx: CommandContext,
  signer: Signer,
  slot: bigint,
): Promise<number> {
  const { market, certificates } = ctx.suite;
  const trade = await market.settledTrade(slot);
  const progress = async (): Promise<Progress> => await certificates.certificationOf(slot);
  let state = await progress();
  if (state.buyersDone) {
    ctx.print(`slot ${slot}: certificates already delivered`);
    return 0;
  }
  if (!trade.held)
    throw new UsageError("--slot", `slot ${slot} is not settled with a trade (settle it first)`);
  const sells = Number(trade.sellOrders);
  const buys = Number(trade.buyOrders);
  const pass = async (
    name: "certifySellers" | "claimBuyers",
    pageSize: number,
    total: number,
    cursor: () => bigint,
    done: () => boolean,
  ) => {
    let sent = 0;
    const pages = pagesFor(total, pageSize);
    while (!done()) {
      const from = cursor();
      const { hash, gasUsed } = await transact(ctx, name, () =>
        certificates.connect(signer)[name](slot, pageSize),
      );
      state = await progress();
      sent += 1;
      const page = Math.floor(Number(from) / pageSize) + 1;
      ctx.print(
        `${name} slot ${slot}: page ${page}/${pages}, orders ${from}..${cursor()} of ${total}${done() ? ", done" : ""} (tx ${hash}, ${gasUsed} gas)`,
      );
    }
    return sent;
  };
  const sent =
    (await pass(
      "certifySellers",
      CERTIFY_SELLERS_PAGE,
      sells,
      () => state.sellCursor,
      () => state.sellersDone,
    )) +
    (await pass(
      "claimBuyers",
      CLAIM_BUYERS_PAGE,
      buys,
      () => state.buyCursor,
      () => state.buyersDone,
    ));
  ctx.print(`slot ${slot}: certificates delivered to ${sells} sell and ${buys} buy orders`);
  return sent;
}

export default async function certify(
  args: { slot: string; account: string; deploymentId: string; ephemeral: boolean },
  hre: HardhatRuntimeEnvironment,
) {
  return runCommand(async () => {
    const { ctx, signer, slot } = await openSlotCommand(hre, args);
    await certifySlot(ctx, signer, slot);
  });
}
