/**
 * The driver's client and data-hub processes: started with `node --import tsx <script> <config.json>`,
 * restarted (a bounded number of times) when they exit unexpectedly or are killed by the fault injector,
 * and stopped over IPC at the end. Each child's PID is its own Node.js process, so SIGKILL hits it.
 */
import { fork, type ChildProcess } from "node:child_process";
import { openSync, readFileSync, writeFileSync } from "node:fs";

import type { FromChild, ToChild } from "./config.js";
import { nodeBinary, repoFile } from "./node.js";
import { sleep, within } from "./rpc.js";

const MAX_RESTARTS = 3;
const RESTART_DELAY_MS = 500;

export class Child {
  restarts = 0;
  /** Messages of the current incarnation's "ready" and of the last "done". */
  lastReady?: Extract<FromChild, { type: "ready" }>;
  lastDone?: Extract<FromChild, { type: "done" }>;
  /** Every exit before the stop: its code or signal, and the last line the process wrote (its error). */
  exits: { code: number | null; signal: string | null; lastLine: string }[] = [];
  /** Journaled transactions resolved on start, summed over every incarnation ("ready" messages). */
  recovered = 0;
  private _process?: ChildProcess;
  private _stopping = false;
  private _ready?: Promise<boolean>;
  private _exited?: Promise<void>;

  constructor(
    readonly name: string,
    private readonly _script: string,
    config: unknown,
    private readonly _configPath: string,
    private readonly _logPath: string,
    private readonly _onMessage: (child: Child, message: FromChild) => void,
  ) {
    writeFileSync(this._configPath, JSON.stringify(config, null, 2));
  }

  get pid(): number | undefined {
    return this._process?.pid;
  }

  /** Starts the process; resolves when it reported ready (it has recovered its state). */
  start(): Promise<void> {
    const log = openSync(this._logPath, "a");
    const child = fork(repoFile(this._script), [this._configPath], {
      cwd: repoFile(""),
      execPath: nodeBinary(),
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", log, log, "ipc"],
    });
    this._process = child;
    this._ready = new Promise<boolean>((resolve) => {
      child.once("exit", () => resolve(false));
      child.on("message", (message: FromChild) => {
        if (message.type === "ready") {
          this.lastReady = message;
          this.recovered += message.recovered;
          resolve(true);
        }
        if (message.type === "done") this.lastDone = message;
        this._onMessage(this, message);
      });
    });
    this._exited = new Promise<void>((resolve) => {
      child.once("exit", (code, signal) => {
        if (!this._stopping) this.exits.push({ code, signal, lastLine: this._lastLogLine() });
        resolve();
        if (!this._stopping && this.restarts < MAX_RESTARTS) {
          this.restarts += 1;
          void sleep(RESTART_DELAY_MS).then(() => {
            if (!this._stopping) this.start().catch(() => undefined);
          });
        }
      });
    });
    return this.ready();
  }

  /** Resolves when the current incarnation is ready (bounded: rejects after `timeoutMs`). */
  async ready(timeoutMs = 60_000): Promise<void> {
    if ((await within(this._ready!, timeoutMs)) !== true) {
      throw new Error(`${this.name} exited or was not ready within ${timeoutMs} ms`);
    }
  }

  private _lastLogLine(): string {
    try {
      const lines = readFileSync(this._logPath, "utf8").trimEnd().split("\n");
      return lines[lines.length - 1] ?? "";
    } catch {
      return "";
    }
  }

  send(message: ToChild): void {
    if (this._process?.connected) this._process.send(message);
  }

  /** The fault: SIGKILL by PID. The exit handler restarts the process after RESTART_DELAY_MS. */
  kill(): void {
    if (this._process?.pid !== undefined) process.kill(this._process.pid, "SIGKILL");
  }

  /** Waits until the restarted incarnation is ready. */
  async restarted(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const before = this._process;
    while (this._process === before && Date.now() < deadline) await sleep(50);
    await this.ready(Math.max(1, deadline - Date.now()));
  }

  /** Asks the process to finish; kills it if it has not exited within `timeoutMs`. */
  async stop(timeoutMs = 30_000): Promise<void> {
    this._stopping = true;
    this.send({ type: "stop" });
    await within(this._exited!, timeoutMs);
    if (this._process?.exitCode === null && this._process.signalCode === null) {
      this.kill();
      await this._exited;
    }
  }
}
