// The auditor: reads the registry, market and certificate events of a block range and reconciles them.
// Importable and side-effect free: runAudit does the work; cli.ts is the command.
import type { Provider } from "ethers";
import { requireContract, shortMessage, withDeadline } from "./connection.js";
import { collect } from "./collect.js";
import { AuditInputError } from "./errors.js";
import { reconcile } from "./reconcile.js";
import { buildReport, writeReport } from "./report.js";
import type { AuditReport } from "./types.js";

export { AuditInputError } from "./errors.js";
export type { AuditReport, Violation, Check } from "./types.js";

export interface AuditOptions {
  /** A connected provider: JsonRpcProvider for an RPC, or a Hardhat connection's ethers.provider. */
  provider: Provider;
  registry: string;
  market: string;
  certificates: string;
  /** First block (default 0) and last block (default the head) of the range, inclusive. */
  fromBlock?: number;
  toBlock?: number;
  /** Blocks per eth_getLogs query (default 2000). */
  pageSize?: number;
  /** Directory for audit.json and the CSV files; nothing is written when undefined. */
  outDir?: string;
  /** Deadline of the first RPC answer, ms (default 10000). */
  timeoutMs?: number;
  onPage?: (from: number, to: number, logs: number) => void;
}

export interface AuditResult {
  report: AuditReport;
  files: string[];
}

export const DEFAULT_PAGE_SIZE = 2000;

/** Runs the audit. Throws AuditInputError for bad input (range, addresses, unreachable RPC). */
export async function runAudit(options: AuditOptions): Promise<AuditResult> {
  const { provider } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  let head: number;
  let chainId: bigint;
  try {
    head = await withDeadline(provider.getBlockNumber(), timeoutMs, "RPC");
    chainId = (await withDeadline(provider.getNetwork(), timeoutMs, "RPC")).chainId;
  } catch (error) {
    if (error instanceof AuditInputError) throw error;
    throw new AuditInputError(`RPC does not answer: ${shortMessage(error)}`);
  }
  const fromBlock = options.fromBlock ?? 0;
  const toBlock = options.toBlock ?? head;
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isSafeInteger(fromBlock) || fromBlock < 0)
    throw new AuditInputError(`invalid --from-block ${fromBlock}`);
  if (!Number.isSafeInteger(toBlock) || toBlock < 0)
    throw new AuditInputError(`invalid --to-block ${toBlock}`);
  if (!Number.isSafeInteger(pageSize) || pageSize < 1)
    throw new AuditInputError(`invalid --page-size ${pageSize}`);
  if (toBlock > head)
    throw new AuditInputError(`--to-block ${toBlock} is past the chain head ${head}`);
  if (fromBlock > toBlock)
    throw new AuditInputError(`--from-block ${fromBlock} is after --to-block ${toBlock}`);
  for (const [label, address] of [
    ["registry", options.registry],
    ["market", options.market],
    ["certificates", options.certificates],
  ] as const) {
    await requireContract(provider, label, address, toBlock);
  }

  const data = await collect(provider, chainId, { ...options, fromBlock, toBlock, pageSize });
  const { checks, violations } = reconcile(data);
  const report = buildReport(data, pageSize, checks, violations);
  const files = options.outDir === undefined ? [] : await writeReport(report, options.outDir);
  return { report, files };
}
