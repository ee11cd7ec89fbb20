/**
 * The chain a command or the simulation runs against: the embedded in-process network, a local node
 * (hardhat node, anvil) or a public testnet, behind one small interface.
 */
import { FetchRequest, JsonRpcProvider, Network } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { NetworkConnection } from "hardhat/types/network";
import { OneLineError } from "./failure.js";

/** Chain ids of development nodes (Hardhat, Anvil, Ganache), whose time can be fast-forwarded. */
const DEV_CHAIN_IDS = new Set([31337, 1337]);

/** A connection with the toolbox's `ethers` and `ignition` helpers (see the plugins' type extensions). */
export type Connection = NetworkConnection;

export interface Chain {
  connection: Connection;
  ethers: Connection["ethers"];
  networkName: string;
  chainId: number;
  /** The in-process network of this Hardhat process (state lives as long as the process). */
  embedded: boolean;
  /** A development node: accounts unlocked, time can be set with evm_setNextBlockTimestamp. */
  devNode: boolean;
  /** Raw JSON-RPC. */
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /** Timestamp of the latest block. */
  latestTimestamp(): Promise<number>;
}

/**
 * Whether `error` is the connection closing under a request: a keep-alive socket the node closed while idle
 * ("other side closed"), which a loaded machine's late timers make likely between two busy ticks. The request
 * never reached the node, so it may be sent again.
 */
export function isConnectionClosed(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; e && depth < 6; depth++, e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (code === "UND_ERR_SOCKET" || code === "ECONNRESET") return true;
  }
  return false;
}

/** `fn`, tried again (withRetry: 3 tries, 200 then 400 ms apart) only while its connection closes under it. */
export async function retryOnClosedConnection<T>(fn: () => Promise<T>): Promise<T> {
  const policy = { baseDelayMs: 200, maxDelayMs: 400, maxAttempts: 3 };
  const outcome = await withRetry(policy, async (): Promise<{ value: T } | { error: unknown }> => {
    try {
      return { value: await fn() };
    } catch (error) {
      if (isConnectionClosed(error)) throw error; // tried again
      return { error }; // any other failure ends the retries at once
    }
  });
  if ("error" in outcome) throw outcome.error;
  return outcome.value;
}

export async function chainFrom(connection: Connection): Promise<Chain> {
  const rpc = <T>(method: string, params: unknown[] = []) =>
    retryOnClosedConnection(() => connection.provider.request({ method, params }) as Promise<T>);
  const chainId = Number(await rpc<string>("eth_chainId"));
  const embedded = connection.networkConfig.type === "edr-simulated";
  return {
    connection,
    ethers: connection.ethers,
    networkName: connection.networkName,
    chainId,
    embedded,
    devNode: embedded || DEV_CHAIN_IDS.has(chainId),
    rpc,
    latestTimestamp: () => latestTimestampVia(rpc),
  };
}

/** Connects to the network chosen with `--network` (or the default, embedded one). */
export async function connect(
  hre: HardhatRuntimeEnvironment,
  override?: { network?: string; url?: string },
): Promise<Chain> {
  const params = override?.url
    ? { network: override.network ?? "localhost", override: { url: override.url } }
    : override?.network
      ? { network: override.network }
      : undefined;
  const connection = await hre.network.create(params);
  return chainFrom(connection);
}

/** Any raw JSON-RPC sender: a Chain's `rpc`, a provider's `send`, the load test's `Rpc.call`. */
export type RpcSend = <T>(method: string, params: unknown[]) => Promise<T>;

/** Timestamp of the latest block, through any raw JSON-RPC sender. */
export async function latestTimestampVia(send: RpcSend): Promise<number> {
  const block = await send<{ timestamp: string }>("eth_getBlockByNumber", ["latest", false]);
  return Number(block.timestamp);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `promise`, or undefined after `ms` (the timer is cleared either way, so it holds no process open). */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>(
    (resolve) => (timer = setTimeout(() => resolve(undefined), ms)),
  );
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** An endpoint that cannot be reached or does not answer in time: a one-line message. */
export class ConnectionError extends OneLineError {}

/** Rejects with a ConnectionError when `promise` takes longer than `ms`. */
export async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  const answer = await within(
    promise.then((value) => ({ value })),
    ms,
  );
  if (answer === undefined) throw new ConnectionError(`${what} did not answer within ${ms} ms`);
  return answer.value;
}

export interface RetryPolicy {
  /** Time a single request may take before it is abandoned, ms. */
  timeoutMs: number;
  /** First back-off, doubled after every failed attempt up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Attempts per call, the first one included. */
  maxAttempts: number;
}

/** Survives a node that stops answering for up to ~30 s: 2 s timeouts, back-off 0.25 s .. 4 s, 10 tries. */
export const DEFAULT_RETRY: RetryPolicy = {
  timeoutMs: 2_000,
  baseDelayMs: 250,
  maxDelayMs: 4_000,
  maxAttempts: 10,
};

/**
 * `attempt(n)` (n from 1) until it resolves, at most `policy.maxAttempts` times, sleeping the doubling
 * back-off between tries; `onRetry` hears each failure that is tried again. The last failure is thrown.
 * Only for idempotent work: a try that failed late may still have had its effect.
 */
export async function withRetry<T>(
  policy: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs" | "maxAttempts">,
  attempt: (n: number) => Promise<T>,
  onRetry?: (error: unknown, n: number) => void,
): Promise<T> {
  let delay = policy.baseDelayMs;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= policy.maxAttempts) throw error;
      onRetry?.(error, n);
      await sleep(delay);
      delay = Math.min(delay * 2, policy.maxDelayMs);
    }
  }
}

/**
 * An ethers provider for any JSON-RPC URL (outside Hardhat's network config): the chain id is asked
 * first, each try within `timeoutMs`, up to `attempts` tries (default 1: fail fast), so a dead or
 * wrong URL is one ConnectionError line instead of ethers' endless "retrying network detection".
 */
export async function connectUrl(
  url: string,
  options: { timeoutMs: number; attempts?: number; retryDelayMs?: number },
): Promise<JsonRpcProvider> {
  let request: FetchRequest;
  try {
    request = new FetchRequest(url);
  } catch {
    throw new ConnectionError(`invalid RPC URL: ${url}`);
  }
  request.timeout = options.timeoutMs;
  const probe = new JsonRpcProvider(request, undefined, {
    staticNetwork: Network.from(1),
    batchMaxCount: 1,
  });
  let chainId: bigint;
  try {
    chainId = await withRetry(
      {
        maxAttempts: options.attempts ?? 1,
        baseDelayMs: options.retryDelayMs ?? 250,
        maxDelayMs: DEFAULT_RETRY.maxDelayMs,
      },
      async () =>
        BigInt(await withDeadline(probe.send("eth_chainId", []), options.timeoutMs, `RPC ${url}`)),
    );
  } catch (error) {
    if (error instanceof ConnectionError) throw error;
    throw new ConnectionError(`RPC ${url} does not answer: ${firstLine(error)}`);
  } finally {
    probe.destroy();
  }
  return new JsonRpcProvider(request, undefined, { staticNetwork: Network.from(chainId) });
}

/** The first line of an error's short message (ethers) or message. */
export function firstLine(error: unknown): string {
  if (error && typeof error === "object") {
    const e = error as { shortMessage?: string; message?: string };
    return (e.shortMessage ?? e.message ?? String(error)).split("\n")[0]!;
  }
  return String(error);
}
