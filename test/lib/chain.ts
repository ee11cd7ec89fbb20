/**
 * The connection helpers of scripts/lib/chain.ts that the auditor and the load test share: a bounded
 * retry with a doubling back-off, a deadline, and a URL connection that fails in one line.
 */
import { expect } from "chai";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  ConnectionError,
  connectUrl,
  isConnectionClosed,
  latestTimestampVia,
  retryOnClosedConnection,
  withDeadline,
  withRetry,
} from "../../scripts/lib/chain.js";

const FAST = { baseDelayMs: 1, maxDelayMs: 4, maxAttempts: 4 };

describe("scripts/lib/chain connection helpers", function () {
  it("withRetry tries again until an attempt succeeds, reporting each failure", async function () {
    const heard: number[] = [];
    const result = await withRetry(
      FAST,
      async (n) => {
        if (n < 3) throw new Error(`down ${n}`);
        return n;
      },
      (_, n) => heard.push(n),
    );
    expect(result).to.equal(3);
    expect(heard).to.deep.equal([1, 2]);
  });

  it("withRetry gives up after maxAttempts with the last failure", async function () {
    let attempts = 0;
    const error = await withRetry(FAST, async (n) => {
      attempts += 1;
      throw new Error(`down ${n}`);
    }).catch((e: unknown) => e as Error);
    expect(attempts).to.equal(4);
    expect(error.message).to.equal("down 4");
  });

  it("withDeadline passes an answer in time and refuses a late one with a ConnectionError", async function () {
    expect(await withDeadline(Promise.resolve(7), 100, "fast")).to.equal(7);
    const late = await withDeadline(new Promise(() => {}), 20, "RPC x").catch((e: unknown) => e);
    expect(late).to.be.instanceOf(ConnectionError);
    expect((late as Error).message).to.equal("RPC x did not answer within 20 ms");
  });

  describe("connectUrl", function () {
    let server: Server;
    let url: string;
    let calls = 0;

    before(async function () {
      // Answers eth_chainId 0x7a69 from the third request on; the first two get HTTP 503.
      server = createServer((req, res) => {
        let body = "";
        req.on("data", (chunk) => (body += chunk));
        req.on("end", () => {
          calls += 1;
          if (calls <= 2) {
            res.writeHead(503).end();
            return;
          }
          const { id, method } = JSON.parse(body) as { id: number; method: string };
          const result =
            method === "eth_chainId" ? "0x7a69" : { timestamp: "0x6543", number: "0x1" };
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ jsonrpc: "2.0", id, result }));
        });
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    after(function () {
      server.close();
    });

    it("fails fast by default with one line naming the URL", async function () {
      calls = 0;
      const error = await connectUrl(url, { timeoutMs: 2_000 }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ConnectionError);
      expect((error as Error).message).to.match(/^RPC http:\/\/127\.0\.0\.1:\d+ does not answer: /);
      expect(calls).to.equal(1);
    });

    it("retries a bounded number of times and then connects on the chain it found", async function () {
      calls = 0;
      const provider = await connectUrl(url, { timeoutMs: 2_000, attempts: 3, retryDelayMs: 1 });
      try {
        expect(calls).to.equal(3);
        expect((await provider.getNetwork()).chainId).to.equal(31337n);
        const send = <T>(method: string, params: unknown[]) =>
          provider.send(method, params) as Promise<T>;
        expect(await latestTimestampVia(send)).to.equal(0x6543);
      } finally {
        provider.destroy();
      }
    });

    it("refuses a URL that is not one, in one line", async function () {
      const error = await connectUrl("not a url", { timeoutMs: 100 }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ConnectionError);
      expect((error as Error).message).to.equal(
        "RPC not a url does not answer: unsupported protocol not a url",
      );
    });
  });
});

/** The message `promise` rejects with. */
async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("it resolved");
}

describe("retryOnClosedConnection", function () {
  const closed = () =>
    Object.assign(new Error("Failed to make POST request"), {
      cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }),
    });

  it("sends again when the node had closed the idle connection, and gives up after three tries", async function () {
    let calls = 0;
    const value = await retryOnClosedConnection(async () => {
      calls += 1;
      if (calls < 3) throw closed();
      return "0x1";
    });
    expect([value, calls]).to.deep.equal(["0x1", 3]);
    calls = 0;
    const failing = retryOnClosedConnection(async () => {
      calls += 1;
      throw closed();
    });
    expect(await rejection(failing)).to.equal("Failed to make POST request");
    expect(calls).to.equal(3);
  });

  it("never repeats a request that failed for another reason", async function () {
    let calls = 0;
    const reverted = retryOnClosedConnection(async () => {
      calls += 1;
      throw new Error("execution reverted");
    });
    expect(await rejection(reverted)).to.equal("execution reverted");
    expect(calls).to.equal(1);
    expect(isConnectionClosed(closed())).to.equal(true);
    expect(isConnectionClosed(new Error("nonce too low"))).to.equal(false);
  });
});
