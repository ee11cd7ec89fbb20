/**
 * What the certificate commands share: a vintage named in human terms (slot, its start time, source), the
 * `--source` choice, the account `--account` names for a read, and a certificate id from `--id` or
 * `--slot` + `--source`. The id encoding and the source's renewability are the contract's (`idOf`,
 * `decodeId`); the source names are IMeterRegistry.EnergySource's, from the compiler output.
 */
import type { EnergyCertificates } from "../../typechain-types/index.js";
import { RENEWABLE_SOURCES } from "../../scripts/audit/abi.js";
import { addressFor, type CommandContext } from "../../scripts/lib/command.js";
import { describeTime } from "../../scripts/lib/devnode.js";
import { ENUMS, enumChoices } from "../../scripts/lib/enums.js";
import { UsageError } from "../../scripts/lib/errors.js";
import { resolveSlot } from "../../scripts/lib/slots.js";

/** The renewable sources, as `--source` takes them: solar, wind, hydro, biomass. */
export const renewableNames = () =>
  enumChoices(ENUMS.energySource).filter((_, value) => RENEWABLE_SOURCES.has(value));

/** The EnergySource value of `--source`; refuses a name that is unknown or not renewable. */
export function parseSource(value: string, option = "--source"): number {
  const source = enumChoices(ENUMS.energySource).indexOf(value.trim().toLowerCase());
  if (!RENEWABLE_SOURCES.has(source))
    throw new UsageError(
      option,
      `"${value}" is not a renewable source (one of ${renewableNames().join(", ")})`,
    );
  return source;
}

export const sourceName = (source: number | bigint) =>
  enumChoices(ENUMS.energySource)[Number(source)] ?? String(source);

/** The address `--account` names for a read: an index among the network's accounts, or any address. */
export const accountAddress = (ctx: CommandContext, account: string) =>
  addressFor(ctx.chain, account);

export interface Vintage {
  id: bigint;
  slot: bigint;
  source: number;
}

/** The vintage of `id`, decoded by the contract; an id no vintage has is refused as `option`. */
export async function vintageOf(certificates: EnergyCertificates, id: bigint, option = "--id") {
  try {
    const [slot, source] = await certificates.decodeId(id);
    return { id, slot, source: Number(source) };
  } catch {
    throw new UsageError(option, `${id} is not a certificate id (no slot and source encode to it)`);
  }
}

/** `--id`, or `--slot` with `--source` (exactly one of the two forms). */
export async function vintageFromArguments(
  ctx: CommandContext,
  args: { id: string; slot: string; source: string },
): Promise<Vintage> {
  const { certificates, market } = ctx.suite;
  if (args.id !== "") {
    if (args.slot !== "" || args.source !== "")
      throw new UsageError("--id", "give either --id or --slot with --source, not both");
    if (!/^\d+$/.test(args.id.trim()))
      throw new UsageError("--id", `"${args.id}" is not a whole number`);
    return vintageOf(certificates, BigInt(args.id.trim()));
  }
  if (args.source === "")
    throw new UsageError("--source", `is required with --slot (${renewableNames().join(", ")})`);
  const source = parseSource(args.source);
  const slot = await resolveSlot(ctx.chain, market, args.slot);
  const id = await certificates.idOf(slot, source);
  return { id, slot, source };
}

/** "slot 42 solar (from 2026-01-01 10:30:00 UTC (1767263400))". */
export async function describeVintage(ctx: CommandContext, vintage: Vintage): Promise<string> {
  const start = Number(await ctx.suite.registry.slotStart(vintage.slot));
  return `slot ${vintage.slot} ${sourceName(vintage.source)} (from ${describeTime(start)})`;
}
