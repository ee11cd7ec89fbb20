/**
 * The grid operator's changes of a meter's record (GRID_OPERATOR_ROLE on the registry): owner and rated
 * capacity (`meter update`), the signing key (`meter rotate-key`, `meter revoke-key`) and retirement
 * (`meter retire`). Each is scheduled from the slot `changeDelaySlots` after the current one, beyond every
 * slot open for trading or in its reading window, and the command prints that slot and its start.
 */
import type { ContractTransactionResponse, LogDescription } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { refuseEmbedded } from "../../scripts/lib/devnode.js";
import {
  eventsNamed,
  openContext,
  parseAddress,
  roleSigner,
  runCommand,
  transact,
  type CommandContext,
} from "../../scripts/lib/command.js";
import { UsageError } from "../../scripts/lib/errors.js";
import type { MeterRegistry } from "../../typechain-types/index.js";
import { parseCapacityW, parseZone, zoneText } from "./meterOptions.js";

interface ChangeArguments {
  meter: string;
  owner?: string;
  capacityKw?: string;
  zone?: string;
  signer?: string;
  account: string;
  deploymentId: string;
  ephemeral: boolean;
}

/** What a change sends, the event that records it, and how to say what it did. */
interface Change {
  action: "updateMeter" | "rotateMeterKey" | "revokeMeterKey" | "retireMeter";
  event: "MeterUpdated" | "MeterKeyRotated" | "MeterKeyRevoked" | "MeterRetired";
  send: (registry: MeterRegistry, meter: string) => Promise<ContractTransactionResponse>;
  describe: (event: LogDescription) => string;
}

/** Sends `change` of `args.meter` as the grid operator and prints the slot it applies from. */
async function schedule(
  args: ChangeArguments,
  hre: HardhatRuntimeEnvironment,
  change: () => Promise<Change>,
) {
  return runCommand(async () => {
    if (args.meter === "")
      throw new UsageError("--meter", "is required (the meter's device address)");
    const meter = parseAddress(args.meter, "--meter");
    refuseEmbedded(hre, args.ephemeral);
    const ctx = await openContext(hre, args.deploymentId);
    const c = await change();
    const registry = ctx.suite.registry;
    const signer = await roleSigner(ctx.chain, registry, "GRID_OPERATOR_ROLE", args.account);
    const { hash, gasUsed, logs } = await transact(ctx, c.action, () =>
      c.send(registry.connect(signer), meter),
    );
    const [event] = eventsNamed(registry, logs, c.event);
    ctx.print(`${c.describe(event!)} (tx ${hash}, ${gasUsed} gas)`);
    await printFromSlot(ctx, registry, event!.args.fromSlot as bigint);
  });
}

async function printFromSlot(ctx: CommandContext, registry: MeterRegistry, fromSlot: bigint) {
  const start = new Date(Number(await registry.slotStart(fromSlot)) * 1000).toISOString();
  const current = await registry.currentSlot();
  ctx.print(
    `applies from slot ${fromSlot} (starts ${start.replace(/\.000Z$/, "Z")}, ${fromSlot - current} slots after the current ${current}); earlier slots keep the record they were traded under`,
  );
}

/** `meter update`: a new owner and/or rated capacity (scheduled) and zone (at once); omitted ones are kept. */
export const update = (args: ChangeArguments, hre: HardhatRuntimeEnvironment) =>
  schedule(args, hre, async () => {
    if (!args.owner && !args.capacityKw && !args.zone)
      throw new UsageError("--owner", "give at least one of --owner, --capacity-kw, --zone");
    const owner = args.owner
      ? parseAddress(args.owner, "--owner", { allowZero: false })
      : undefined;
    const capacityW = args.capacityKw ? parseCapacityW(args.capacityKw) : undefined;
    const zone = args.zone ? parseZone(args.zone) : undefined;
    return {
      action: "updateMeter",
      event: "MeterUpdated",
      send: async (registry, meter) => {
        // Omitted fields keep the record of the current slot (a pending change makes the call revert).
        const current = await registry.meterOf(meter);
        return registry.updateMeter(
          meter,
          owner ?? current.owner,
          capacityW ?? current.ratedCapacityW,
          zone ?? current.zone,
        );
      },
      describe: (e) =>
        `updated meter ${e.args.meter}: owner ${e.args.owner}, ${Number(e.args.ratedCapacityW) / 1000} kW, zone ${zoneText(e.args.zone as string)}`,
    };
  });

/** `meter rotate-key`: the device was replaced; its new key signs the readings of later slots. */
export const rotateKey = (args: ChangeArguments, hre: HardhatRuntimeEnvironment) =>
  schedule(args, hre, async () => {
    if (!args.signer) throw new UsageError("--signer", "is required (the new key's address)");
    const newSigner = parseAddress(args.signer, "--signer", { allowZero: false });
    return {
      action: "rotateMeterKey",
      event: "MeterKeyRotated",
      send: (registry, meter) => registry.rotateMeterKey(meter, newSigner),
      describe: (e) =>
        `rotated the key of meter ${e.args.meter}: ${e.args.oldSigner} -> ${e.args.newSigner}`,
    };
  });

/** `meter revoke-key`: the key is compromised; no reading of later slots is accepted until a rotation. */
export const revokeKey = (args: ChangeArguments, hre: HardhatRuntimeEnvironment) =>
  schedule(args, hre, async () => ({
    action: "revokeMeterKey",
    event: "MeterKeyRevoked",
    send: (registry, meter) => registry.revokeMeterKey(meter),
    describe: (e) => `revoked key ${e.args.oldSigner} of meter ${e.args.meter}`,
  }));

/** `meter retire`: decommissioned for good; earlier slots keep accepting its readings. */
export const retire = (args: ChangeArguments, hre: HardhatRuntimeEnvironment) =>
  schedule(args, hre, async () => ({
    action: "retireMeter",
    event: "MeterRetired",
    send: (registry, meter) => registry.retireMeter(meter),
    describe: (e) => `retired meter ${e.args.meter}`,
  }));
