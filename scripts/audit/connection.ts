// The auditor's connection (scripts/lib/chain.ts, its failures as AuditInputError) and the checks of
// the contracts to audit.
import type { JsonRpcProvider, Provider } from "ethers";
import { ConnectionError, connectUrl, firstLine, withDeadline as deadline } from "../lib/chain.js";
import { AuditInputError } from "./errors.js";

/** A ConnectionError as the auditor's bad-input error (one line, exit code 2); others unchanged. */
function asInputError(error: unknown): unknown {
  return error instanceof ConnectionError ? new AuditInputError(error.message) : error;
}

/** Connects to `url`, failing with a clear message when it does not answer within `timeoutMs`. */
export async function connectRpc(url: string, timeoutMs: number): Promise<JsonRpcProvider> {
  return connectUrl(url, { timeoutMs }).catch((error: unknown) => {
    throw asInputError(error);
  });
}

/** Rejects with an AuditInputError when `promise` takes longer than `ms`. */
export async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return deadline(promise, ms, what).catch((error: unknown) => {
    throw asInputError(error);
  });
}

/** Throws when `address` is not an address or has no code at `blockTag`. */
export async function requireContract(
  provider: Provider,
  label: string,
  address: string,
  blockTag: number,
) {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address))
    throw new AuditInputError(`${label}: not an address: ${address}`);
  const code = await provider.getCode(address, blockTag);
  if (code === "0x")
    throw new AuditInputError(`${label}: no contract at ${address} (block ${blockTag})`);
}

export const shortMessage = firstLine;
