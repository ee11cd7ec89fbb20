/**
 * Local EVM nodes for the end-to-end tests, each in its own process on 127.0.0.1 and a free port:
 * a Hardhat node (`hardhat node`) and Anvil (npm @foundry-rs/anvil, which ships the Linux binary).
 * Only the processes started here are stopped, by their own pid.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";

export interface RunningNode {
  kind: "hardhat" | "anvil";
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

const HOST = "127.0.0.1";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The Anvil binary of the npm package for this platform, if installed. */
export function anvilBinary(): string | undefined {
  const require = createRequire(import.meta.url);
  try {
    const pkg = require.resolve(
      `@foundry-rs/anvil-${process.platform}-${process.arch === "x64" ? "amd64" : process.arch}/package.json`,
    );
    const bin = path.join(path.dirname(pkg), "bin", "anvil");
    return existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}

async function waitForRpc(
  url: string,
  child: ChildProcess,
  log: () => string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`node exited with ${child.exitCode}: ${log().slice(-2000)}`);
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`node at ${url} did not answer within ${timeoutMs} ms: ${log().slice(-2000)}`);
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.pid === undefined) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.exitCode === null && child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };
}

export async function startNode(kind: RunningNode["kind"]): Promise<RunningNode> {
  const port = await freePort();
  let child: ChildProcess;
  if (kind === "hardhat") {
    const manifest = createRequire(import.meta.url).resolve("hardhat/package.json");
    const cli = path.join(path.dirname(manifest), "dist", "src", "cli.js"); // the package's "bin"
    // process.execPath is the Node that runs the tests (Node 22 from node_modules when run via npx).
    child = spawn(process.execPath, [cli, "node", "--hostname", HOST, "--port", String(port)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
  } else {
    const bin = anvilBinary();
    if (!bin) throw new Error("Anvil is not installed (npm package @foundry-rs/anvil)");
    child = spawn(bin, ["--host", HOST, "--port", String(port), "--silent"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
  }
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  child.stderr?.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  const url = `http://${HOST}:${port}`;
  const stop = stopper(child);
  try {
    await waitForRpc(url, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { kind, url, process: child, stop };
}
