/**
 * `hardhat audit`: the auditor's report (scripts/audit) on this network's deployment, as a role command.
 * Exit codes as `npm run audit`'s: 0 no violation, 1 violations found, 2 the audit could not run (bad
 * input: a bad block number, no deployment, an unreachable node).
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { AuditInputError, runAudit } from "../../scripts/audit/audit.js";
import { formatReport } from "../../scripts/audit/report.js";
import { openContext, parseWhole, runCommand } from "../../scripts/lib/command.js";
import { UsageError } from "../../scripts/lib/errors.js";

class ViolationsFound extends Error {}

export default async function audit(
  args: { fromBlock: string; toBlock: string; out: string; deploymentId: string },
  hre: HardhatRuntimeEnvironment,
) {
  const result = await runCommand(async () => {
    const fromBlock =
      args.fromBlock === "" ? undefined : Number(parseWhole(args.fromBlock, "--from-block"));
    const toBlock =
      args.toBlock === "" ? undefined : Number(parseWhole(args.toBlock, "--to-block"));
    const ctx = await openContext(hre, args.deploymentId);
    try {
      const { report, files } = await runAudit({
        provider: ctx.chain.ethers.provider,
        registry: ctx.suite.addresses.registry,
        market: ctx.suite.addresses.market,
        certificates: ctx.suite.addresses.certificates,
        fromBlock,
        toBlock,
        outDir: args.out || undefined,
      });
      ctx.print(formatReport(report));
      if (files.length) ctx.print(`written: ${files.join(", ")}`);
      if (report.violations.length > 0)
        throw new ViolationsFound(`${report.violations.length} violation(s) found`);
    } catch (error) {
      if (error instanceof AuditInputError) throw new UsageError("audit", error.message);
      throw error;
    }
  });
  if (!result.success && !(result.error instanceof ViolationsFound)) process.exitCode = 2;
  return result;
}
