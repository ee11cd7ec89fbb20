/**
 * A `hardhat node` child process on 127.0.0.1, which the driver can pause (SIGSTOP: the node stops
 * answering but keeps its sockets, like a hung server) and must stop by its PID. The node is started with
 * Node.js directly, not through npx, so that the PID signalled is the node's own.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { openSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

import { sleep } from "./rpc.js";

export interface HardhatNode {
  url: string;
  pid: number;
  /** Stops answering (SIGSTOP) until `resume`. */
  pause(): void;
  resume(): void;
  /** Kills the node (by PID) and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A path relative to the repository's root. */
export const repoFile = (relative: string) =>
  fileURLToPath(new URL(`../../${relative}`, import.meta.url));

/** A Node.js that Hardhat 3 accepts (>= 22): this one, or the `node` package of the repository. */
export function nodeBinary(): string {
  const major = Number(process.versions.node.split(".")[0]);
  if (major >= 22) return process.execPath;
  return repoFile("node_modules/node/bin/node");
}

/** Starts the node on `port` (0: any free port), logging to `logPath`, and waits until it answers. */
export async function startHardhatNode(port: number, logPath: string): Promise<HardhatNode> {
  const chosen = port === 0 ? await freePort() : port;
  const cli = repoFile("node_modules/hardhat/dist/src/cli.js");
  const log = openSync(logPath, "w");
  const child: ChildProcess = spawn(
    nodeBinary(),
    [
      cli,
      "--config",
      repoFile("load/hardhat-node.config.ts"),
      "node",
      "--hostname",
      "127.0.0.1",
      "--port",
      String(chosen),
    ],
    { stdio: ["ignore", log, log] },
  );
  const pid = child.pid!;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let running = true;
  exited.then(() => (running = false));
  const stop = async () => {
    if (!running) return;
    process.kill(pid, "SIGCONT"); // a paused process only handles SIGTERM once continued
    process.kill(pid, "SIGTERM");
    await Promise.race([exited, sleep(5_000)]);
    if (running) process.kill(pid, "SIGKILL");
    await exited;
  };
  const url = `http://127.0.0.1:${chosen}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!running) throw new Error(`hardhat node exited at start; see ${logPath}`);
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
        signal: AbortSignal.timeout(1_000),
      });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`hardhat node did not answer within 60 s; see ${logPath}`);
    }
    await sleep(250);
  }
  return {
    url,
    pid,
    pause: () => process.kill(pid, "SIGSTOP"),
    resume: () => process.kill(pid, "SIGCONT"),
    stop,
  };
}
