import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { openContext, parseChoice, parseWhole, runCommand } from "../../scripts/lib/command.js";
import { describeTime, mineAt, refuseEmbedded } from "../../scripts/lib/devnode.js";
import { UsageError } from "../../scripts/lib/errors.js";
import { resolveSlot } from "../../scripts/lib/slots.js";

const TARGETS = ["gate", "start", "end", "window"] as const;
const NAMES = {
  gate: "gate closure",
  start: "start",
  end: "end",
  window: "reading-window end",
};

interface TimeArguments {
  to: string;
  slot: string;
  slots: string;
  ephemeral: boolean;
  deploymentId: string;
}

/** Development nodes only: moves chain time to a moment of a slot, or by whole slot lengths. */
export default async function advance(args: TimeArguments, hre: HardhatRuntimeEnvironment) {
  return runCommand(async () => {
    if ((args.to === "") === (args.slots === ""))
      throw new UsageError(
        "--to",
        "give either --to gate|start|end|window with --slot, or --slots N",
      );
    const to = args.to === "" ? undefined : parseChoice(args.to, "--to", TARGETS);
    const slots = args.slots === "" ? 0n : parseWhole(args.slots, "--slots");
    if (to === undefined && slots === 0n) throw new UsageError("--slots", "must be at least 1");
    refuseEmbedded(hre, args.ephemeral);
    const ctx = await openContext(hre, args.deploymentId);
    const { registry, market } = ctx.suite;
    const [genesis, slotLength] = (await registry.slotClock()).map(Number);
    const now = await ctx.chain.latestTimestamp();
    let target: number;
    let what: string;
    if (to === undefined) {
      target = now + Number(slots) * slotLength;
      what = `${slots} slot${slots === 1n ? "" : "s"} ahead`;
    } else {
      const slot = await resolveSlot(ctx.chain, market, args.slot);
      const start = genesis + Number(slot) * slotLength;
      target =
        to === "gate"
          ? Number(await market.gateClosureOf(slot))
          : to === "window"
            ? Number(await market.readingWindowEnd(slot))
            : to === "start"
              ? start
              : start + slotLength;
      what = `the ${NAMES[to]} of slot ${slot}`;
    }
    await mineAt(ctx.chain, target);
    const reached = await ctx.chain.latestTimestamp();
    const current = await market.currentSlot();
    const into = reached - (genesis + Number(current) * slotLength);
    ctx.print(
      `advanced to ${what}: ${describeTime(reached)}, +${reached - now} s; current slot ${current}, ${into} s into its ${slotLength} s`,
    );
  });
}
