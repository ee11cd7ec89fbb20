/**
 * `hardhat certificates issue --meter 0x… --slot N`: the request path for a meter that sold nothing in a slot
 * (anyone): `issue(meter, slot)` credits its whole recorded export to its owner. The contract's refusals are
 * explained in one line, with what to do about them.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { parseAddress, runCommand, transact, openSlotCommand } from "../../scripts/lib/command.js";
import { RevertError, UsageError } from "../../scripts/lib/errors.js";
import { whToKWh } from "../../scripts/lib/units.js";
import { describeVintage, sourceName } from "./vintages.js";

/** What each of `issue`'s custom errors means for the person who asked. */
function refusal(error: RevertError, meter: string, slot: bigint): string | undefined {
  const { errorName, args, values } = error;
  switch (errorName) {
    case "CertificatesSlotNotFinal":
      return `slot ${slot} is not final yet: the market may still settle it (settle it, or wait for its reading window to end if it had no orders)`;
    case "CertificatesSellersNotCertified":
      return `slot ${slot} traded and its sellers are not certified yet: run certificates certify --slot ${slot} first`;
    case "CertificatesAlreadyIssued":
      return `the certificates of meter ${meter} in slot ${slot} are already issued`;
    case "CertificatesWithheld":
      return `the certificates of meter ${meter} in slot ${slot} were withheld for good (the meter was not active)`;
    case "CertificatesNoReading":
      return `meter ${meter} has no recorded reading for slot ${slot}`;
    case "CertificatesNotRenewable":
      return `meter ${meter} is not a renewable generator (source ${sourceName((values.source as bigint | undefined) ?? 0n)}; unknown meters read as none)`;
    case "CertificatesMeterNotActive":
      return `meter ${meter} is not active (status ${args.status}): its certificates cannot be issued`;
    case "CertificatesMarketNotBound":
      return "no market is bound to the certificates yet";
    default:
      return undefined;
  }
}

interface IssueArguments {
  meter: string;
  slot: string;
  account: string;
  deploymentId: string;
  ephemeral: boolean;
}

export default async function issue(args: IssueArguments, hre: HardhatRuntimeEnvironment) {
  return runCommand(async () => {
    if (args.meter === "")
      throw new UsageError("--meter", "is required (the meter's device address)");
    const meter = parseAddress(args.meter, "--meter");
    const { ctx, signer, slot } = await openSlotCommand(hre, args);
    const { certificates } = ctx.suite;
    let sent;
    try {
      sent = await transact(ctx, "issue", () => certificates.connect(signer).issue(meter, slot));
    } catch (error) {
      const reason = error instanceof RevertError ? refusal(error, meter, slot) : undefined;
      if (reason === undefined) throw error;
      throw new Error(`issue refused: ${reason} (${(error as RevertError).errorName})`);
    }
    const issued = sent.logs
      .map((log) => certificates.interface.parseLog(log))
      .find((event) => event?.name === "CertificatesIssued");
    if (!issued) throw new Error(`issue: no CertificatesIssued event in tx ${sent.hash}`);
    const { id, source, amountWh } = issued.args;
    const owner = (await ctx.suite.registry.meterOf(meter)).owner;
    ctx.print(
      `issued ${whToKWh(amountWh as bigint)} kWh of ${await describeVintage(ctx, { id: id as bigint, slot, source: Number(source) })} to ${owner}, owner of meter ${meter} (tx ${sent.hash}, ${sent.gasUsed} gas)`,
    );
  });
}
