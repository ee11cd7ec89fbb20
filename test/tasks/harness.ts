/**
 * Running role commands in this process as a person types them, and checking their one-line failures: shared
 * by the command tests of this folder, with the `hardhat node` they run against.
 */
import { readFile, rm } from "node:fs/promises";
import { expect } from "chai";
import { createHardhatRuntimeEnvironment } from "hardhat/hre";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import userConfig from "../../hardhat.config.js";
import { chainFrom, type Chain } from "../../scripts/lib/chain.js";
import { deploySuite, deploymentDir, type Suite } from "../../scripts/lib/deployment.js";
import { startNode, type RunningNode } from "../e2e/nodes.js";

export interface Outcome {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Runs a task in this process, capturing its output and exit code. */
export async function runTask(
  runtime: HardhatRuntimeEnvironment,
  id: string | string[],
  args: Record<string, unknown> = {},
): Promise<Outcome> {
  const out: string[] = [];
  const err: string[] = [];
  const write = {
    out: process.stdout.write.bind(process.stdout),
    err: process.stderr.write.bind(process.stderr),
  };
  process.stdout.write = ((chunk: string) => (
    out.push(String(chunk)),
    true
  )) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => (
    err.push(String(chunk)),
    true
  )) as typeof process.stderr.write;
  const before = process.exitCode;
  process.exitCode = 0;
  try {
    await runtime.tasks.getTask(id).run(args);
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = before;
  return { stdout: out.join(""), stderr: err.join(""), exitCode };
}

export function expectOneLineError(outcome: Outcome, pattern: RegExp): void {
  expect(outcome.exitCode, outcome.stderr).to.equal(1);
  expect(outcome.stderr.split("\n").filter(Boolean), outcome.stderr).to.have.lengthOf(1);
  expect(outcome.stderr).to.match(pattern);
  expect(outcome.stderr).to.not.match(/\n\s+at /); // no stack trace
}

/** A `hardhat node` child process with a fresh suite, and the commands run against it. */
export interface CommandNode {
  node: RunningNode;
  hre: HardhatRuntimeEnvironment;
  chain: Chain;
  suite: Suite;
  /** A command on the node, `--network localhost --deployment-id <this node's deployment>`. */
  run(id: string | string[], args?: Record<string, unknown>): Promise<Outcome>;
  stop(): Promise<void>;
}

/** Starts a node, deploys the suite with the embedded parameters as `deploymentId`, and connects to it. */
export async function startCommandNode(deploymentId: string): Promise<CommandNode> {
  const node = await startNode("hardhat");
  const localhost = { ...userConfig.networks!.localhost!, url: node.url } as never;
  const runtime = await createHardhatRuntimeEnvironment(
    { ...userConfig, networks: { ...userConfig.networks, localhost } },
    { network: "localhost" },
  );
  const chain = await chainFrom(await runtime.network.getOrCreate());
  const parameters = JSON.parse(await readFile("ignition/parameters/embedded.json", "utf8")) as {
    GridLedger: Record<string, number>;
  };
  const suite = await deploySuite(chain, parameters.GridLedger, deploymentId);
  return {
    node,
    hre: runtime,
    chain,
    suite,
    run: (id, args = {}) => runTask(runtime, id, { deploymentId, ...args }),
    async stop() {
      await node.stop();
      await rm(deploymentDir(chain, deploymentId), { recursive: true, force: true });
    },
  };
}
