// Connection to any JSON-RPC endpoint with a deadline, and the checks of the contracts to audit.
import { FetchRequest, JsonRpcProvider, Network, type Provider } from "ethers";
import { AuditInputError } from "./errors.js";

/** Connects to `url`, failing with a clear message when it does not answer within `timeoutMs`. */
export async function connectRpc(url: string, timeoutMs: number): Promise<JsonRpcProvider> {
  let request: FetchRequest;
  try {
    request = new FetchRequest(url);
  } catch {
    throw new AuditInputError(`invalid RPC URL: ${url}`);
  }
  request.timeout = timeoutMs;
  const probe = new JsonRpcProvider(request, undefined, {
    staticNetwork: Network.from(1),
    batchMaxCount: 1,
  });
  let chainId: bigint;
  try {
    chainId = BigInt(await withDeadline(probe.send("eth_chainId", []), timeoutMs, `RPC ${url}`));
  } catch (error) {
    if (error instanceof AuditInputError) throw error;
    throw new AuditInputError(`RPC ${url} does not answer: ${shortMessage(error)}`);
  } finally {
    probe.destroy();
  }
  return new JsonRpcProvider(request, undefined, { staticNetwork: Network.from(chainId) });
}

/** Rejects with an AuditInputError when `promise` takes longer than `ms`. */
export async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new AuditInputError(`${what} did not answer within ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
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

export function shortMessage(error: unknown): string {
  if (error && typeof error === "object") {
    const e = error as { shortMessage?: string; message?: string; code?: string };
    return (e.shortMessage ?? e.message ?? String(error)).split("\n")[0];
  }
  return String(error);
}
