/**
 * A minimal JSON-RPC client over fetch with a per-call timeout and a bounded exponential back-off
 * (the retry loop, policy, `sleep` and `within` are scripts/lib/chain.ts's). Only transport failures
 * (timeout, refused or reset connection, HTTP 5xx) are retried: an answer that is a JSON-RPC error is
 * final and surfaces as `RpcError`. Calls are retried as they are, so the callers must only retry
 * idempotent requests (reads, and `eth_sendRawTransaction` of an already signed transaction, whose
 * hash and nonce fix what it can do).
 *
 * Why not an ethers JsonRpcProvider (scripts/lib/chain.ts `connectUrl`): the journaled exactly-once
 * sender needs what ethers does not give. ethers retries only HTTP 429 and hides its attempts, while
 * the load report counts every retried attempt and the longest outage (RpcStats) and the sender must
 * know that a send was retried as the same signed bytes; ethers' batches reject as a whole on a JSON-RPC
 * error, while the verification reads thousands of views in batches and needs each answer's own error
 * (`batch`); and ethers' provider polls and caches (block number, network) behind the driver's back.
 */
import {
  ConnectionError,
  DEFAULT_RETRY,
  sleep,
  within,
  withRetry,
  type RetryPolicy,
} from "../../scripts/lib/chain.js";

export { DEFAULT_RETRY, sleep, within, type RetryPolicy };

/** A JSON-RPC error answer (for a revert: code 3 and the revert data in `data`). */
export class RpcError extends Error {
  constructor(
    readonly method: string,
    readonly code: number,
    message: string,
    readonly data: unknown,
  ) {
    super(`${method}: ${message}`);
  }
}

/** The node did not answer within the retry budget. */
export class RpcUnavailable extends ConnectionError {}

export interface RpcStats {
  calls: number;
  /** Attempts that failed at the transport level and were retried. */
  retries: number;
  /** Longest time a single call spent retrying, ms. */
  longestOutageMs: number;
}

interface JsonRpcAnswer {
  id: number;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export class Rpc {
  readonly stats: RpcStats = { calls: 0, retries: 0, longestOutageMs: 0 };
  private _nextId = 1;

  constructor(
    readonly url: string,
    readonly policy: RetryPolicy = DEFAULT_RETRY,
  ) {}

  /** One call; retried with back-off while the node does not answer. */
  async call<T>(method: string, params: unknown[] = []): Promise<T> {
    const [answer] = await this._post([{ method, params }]);
    return this._unwrap<T>(method, answer);
  }

  /**
   * Several calls in JSON-RPC batches of `chunk`; each result is either the value or the RpcError.
   * Used by the verification, which reads thousands of blocks and views.
   */
  async batch<T>(
    requests: { method: string; params: unknown[] }[],
    chunk = 200,
  ): Promise<(T | RpcError)[]> {
    const results: (T | RpcError)[] = [];
    for (let i = 0; i < requests.length; i += chunk) {
      const part = requests.slice(i, i + chunk);
      const answers = await this._post(part);
      answers.forEach((answer, j) => {
        try {
          results.push(this._unwrap<T>(part[j].method, answer));
        } catch (error) {
          if (!(error instanceof RpcError)) throw error;
          results.push(error);
        }
      });
    }
    return results;
  }

  private _unwrap<T>(method: string, answer: JsonRpcAnswer): T {
    if (answer.error !== undefined) {
      throw new RpcError(method, answer.error.code, answer.error.message, answer.error.data);
    }
    return answer.result as T;
  }

  private async _post(requests: { method: string; params: unknown[] }[]): Promise<JsonRpcAnswer[]> {
    const body = requests.map((r) => ({ jsonrpc: "2.0", id: this._nextId++, ...r }));
    const started = Date.now();
    try {
      return await withRetry(
        this.policy,
        async (attempt) => {
          this.stats.calls += 1;
          const response = await fetch(this.url, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body.length === 1 ? body[0] : body),
            signal: AbortSignal.timeout(this.policy.timeoutMs),
          });
          if (response.status >= 500) throw new Error(`HTTP ${response.status}`);
          const parsed = (await response.json()) as JsonRpcAnswer | JsonRpcAnswer[];
          const answers = Array.isArray(parsed) ? parsed : [parsed];
          const outage = Date.now() - started;
          if (attempt > 1 && outage > this.stats.longestOutageMs)
            this.stats.longestOutageMs = outage;
          // Batch answers may come in any order: put them back in request order.
          return answers.sort((a, b) => a.id - b.id);
        },
        () => (this.stats.retries += 1),
      );
    } catch (error) {
      throw new RpcUnavailable(
        `${requests[0].method}: no answer after ${this.policy.maxAttempts} attempts in ${Date.now() - started} ms (${String(error)})`,
      );
    }
  }
}

/** Hex quantity of a bigint or number, as JSON-RPC wants it. */
export const quantity = (value: bigint | number) => `0x${BigInt(value).toString(16)}`;
