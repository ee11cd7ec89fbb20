/**
 * `hardhat certificates retire --slot N --source solar --kwh 0.3 --beneficiary 0x… --purpose "…"` (or `--id`
 * for slot and source): a holder retires (burns) its own certificates for a beneficiary, the purpose as UTF-8
 * claim data. The contract sets no length limit on the claim data; the calldata's gas is the only cost.
 * Refused before sending: a zero amount, an amount above the balance, a bad address, an unknown source.
 */
import { ZeroAddress, toUtf8Bytes } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { refuseEmbedded } from "../../scripts/lib/devnode.js";
import {
  openContext,
  parseAddress,
  runCommand,
  signerFor,
  transact,
} from "../../scripts/lib/command.js";
import { UsageError } from "../../scripts/lib/errors.js";
import { kWhToWh, whToKWh } from "../../scripts/lib/units.js";
import { describeVintage, parseSource, vintageFromArguments } from "./vintages.js";

interface RetireArguments {
  id: string;
  slot: string;
  source: string;
  kwh: string;
  beneficiary: string;
  purpose: string;
  account: string;
  deploymentId: string;
  ephemeral: boolean;
}

export default async function retire(args: RetireArguments, hre: HardhatRuntimeEnvironment) {
  return runCommand(async () => {
    if (args.id === "" && args.slot === "")
      throw new UsageError("--slot", "is required with --source, or give --id");
    if (args.source !== "") parseSource(args.source);
    if (args.kwh === "") throw new UsageError("--kwh", "is required (the amount to retire)");
    const amountWh = kWhToWh(args.kwh, "--kwh");
    if (amountWh === 0n) throw new UsageError("--kwh", "must be above 0");
    if (args.beneficiary === "")
      throw new UsageError("--beneficiary", "is required (the address the claim is made for)");
    const beneficiary = parseAddress(args.beneficiary, "--beneficiary");
    if (beneficiary.toLowerCase() === ZeroAddress)
      throw new UsageError("--beneficiary", "must not be the zero address");
    if (args.purpose.trim() === "")
      throw new UsageError("--purpose", "is required (what the energy is claimed for)");
    const claimData = toUtf8Bytes(args.purpose);
    refuseEmbedded(hre, args.ephemeral);
    const ctx = await openContext(hre, args.deploymentId);
    const signer = await signerFor(ctx.chain, args.account || "0");
    const vintage = await vintageFromArguments(ctx, args);
    const what = await describeVintage(ctx, vintage);
    const { certificates } = ctx.suite;
    const balanceOf = async () => await certificates.balanceOf(signer.address, vintage.id);
    const held = await balanceOf();
    if (amountWh > held)
      throw new UsageError(
        "--kwh",
        `${whToKWh(amountWh)} kWh is above the balance of ${signer.address} in ${what}: ${whToKWh(held)} kWh`,
      );
    const { hash, gasUsed } = await transact(ctx, "retire", () =>
      certificates.connect(signer).retire(vintage.id, amountWh, beneficiary, claimData),
    );
    ctx.print(
      `retired ${whToKWh(amountWh)} kWh of ${what} for ${beneficiary}, purpose ${JSON.stringify(args.purpose)}; ${whToKWh(await balanceOf())} kWh left (tx ${hash}, ${gasUsed} gas)`,
    );
  });
}
