// A `hardhat node` child process on a free port, for the auditor's end-to-end tests.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { JsonRpcProvider } from "ethers";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface LocalNode {
  url: string;
  process: ChildProcess;
  provider: JsonRpcProvider;
  stop(): void;
}

/** Starts `hardhat node` with the Node.js that runs the tests, and waits until it answers. */
export async function startNode(): Promise<LocalNode> {
  const port = await freePort();
  const cli = fileURLToPath(new URL("../../node_modules/hardhat/dist/src/cli.js", import.meta.url));
  const child = spawn(
    process.execPath,
    [cli, "node", "--hostname", "127.0.0.1", "--port", String(port)],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hardhat node exited: ${output}`);
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`hardhat node did not start: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  return {
    url,
    process: child,
    provider,
    stop() {
      provider.destroy();
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid);
    },
  };
}
