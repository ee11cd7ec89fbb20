// The auditor's command:
//   npx tsx scripts/audit/cli.ts (--rpc <url> | --network <name>) [--registry A --market B --certificates C]
//     [--deployment-id ID] [--from-block N] [--to-block N] [--page-size N] [--out DIR] [--timeout MS] [--quiet]
// Addresses default to Ignition's record ignition/deployments/<ID, default chain-<id>>/deployed_addresses.json
// (any module: GridLedger, GridLedgerExternalToken, GridLedgerTestnet), read by scripts/lib/deployment.ts.
// Exit codes: 0 no violation, 1 violations found, 2 bad input (one line on stderr, no stack trace).
import { parseArgs } from "node:util";
import type { Provider } from "ethers";
import { AuditInputError, DEFAULT_PAGE_SIZE, runAudit } from "./audit.js";
import { deploymentDir, readDeploymentRecord } from "../lib/deployment.js";
import { connectRpc, shortMessage } from "./connection.js";
import { formatReport } from "./report.js";

const USAGE =
  "usage: tsx scripts/audit/cli.ts (--rpc <url> | --network <name>) [--registry <a> --market <a> --certificates <a>] " +
  "[--deployment-id <id>] [--from-block <n>] [--to-block <n>] [--page-size <n>] [--out <dir>] [--timeout <ms>] [--quiet]";

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value))
    throw new AuditInputError(`--${name} must be a non-negative integer, got "${value}"`);
  return Number(value);
}

/** A provider for a Hardhat network name: its URL for HTTP networks, the in-process EDR otherwise. */
async function providerOfNetwork(name: string, timeoutMs: number): Promise<Provider> {
  const hre = (await import("hardhat")).default;
  const config = hre.config.networks[name];
  if (config === undefined) {
    throw new AuditInputError(
      `unknown network "${name}" (known: ${Object.keys(hre.config.networks).join(", ")})`,
    );
  }
  if (config.type === "http") {
    let url: string;
    try {
      url = await config.url.get();
    } catch (error) {
      throw new AuditInputError(`network "${name}" has no URL configured: ${shortMessage(error)}`);
    }
    return connectRpc(url, timeoutMs);
  }
  const connection = await hre.network.create({ network: name });
  return connection.ethers.provider;
}

/** The suite's addresses from Ignition's record of the chain (or of `deploymentId`). */
async function addressesFromIgnition(chainId: bigint, deploymentId?: string) {
  const record = await readDeploymentRecord({ chainId: Number(chainId) }, deploymentId);
  if (record === undefined)
    throw new AuditInputError(
      `no addresses given and no Ignition deployment record of the suite in ${deploymentDir({ chainId: Number(chainId) }, deploymentId)}; give the addresses explicitly`,
    );
  return record;
}

export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        rpc: { type: "string" },
        network: { type: "string" },
        registry: { type: "string" },
        market: { type: "string" },
        certificates: { type: "string" },
        "deployment-id": { type: "string" },
        "from-block": { type: "string" },
        "to-block": { type: "string" },
        "page-size": { type: "string" },
        out: { type: "string" },
        timeout: { type: "string" },
        quiet: { type: "boolean" },
        help: { type: "boolean" },
      },
    }));
  } catch (error) {
    throw new AuditInputError(`${shortMessage(error)}\n${USAGE}`);
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if ((values.rpc === undefined) === (values.network === undefined))
    throw new AuditInputError(`give one of --rpc or --network\n${USAGE}`);
  const timeoutMs = integer("timeout", values.timeout) ?? 10_000;
  const provider =
    values.rpc !== undefined
      ? await connectRpc(values.rpc, timeoutMs)
      : await providerOfNetwork(values.network!, timeoutMs);
  try {
    const { chainId } = await provider.getNetwork();
    const given = {
      registry: values.registry,
      market: values.market,
      certificates: values.certificates,
    };
    const addresses =
      given.registry && given.market && given.certificates
        ? (given as { registry: string; market: string; certificates: string })
        : {
            ...(await addressesFromIgnition(chainId, values["deployment-id"])),
            ...Object.fromEntries(Object.entries(given).filter(([, v]) => v)),
          };
    const { report, files } = await runAudit({
      provider,
      ...addresses,
      fromBlock: integer("from-block", values["from-block"]),
      toBlock: integer("to-block", values["to-block"]),
      pageSize: integer("page-size", values["page-size"]) ?? DEFAULT_PAGE_SIZE,
      outDir: values.out ?? "reports/audit",
      timeoutMs,
      onPage: values.quiet
        ? undefined
        : (from, to, logs) => process.stderr.write(`\rblocks ${from}..${to}: ${logs} log(s)   `),
    });
    if (!values.quiet) process.stderr.write("\n");
    console.log(formatReport(report));
    console.log(`written: ${files.join(", ")}`);
    if (report.violations.length) console.log(`${report.violations.length} violation(s) found`);
    return report.violations.length ? 1 : 0;
  } finally {
    (provider as { destroy?: () => void }).destroy?.();
  }
}

// Run only as a command, not when imported (e.g. by the simulation's Hardhat task or the tests).
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof AuditInputError) console.error(`audit: ${error.message}`);
      else console.error(`audit: unexpected error: ${shortMessage(error)}`);
      process.exit(2);
    },
  );
}
