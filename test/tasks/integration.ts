/**
 * docs/integration.md's plain ethers example, run as written: its code block, as a file of its own with no
 * project import, against a `hardhat node` with a fresh suite (deposit with approval, an order, balances).
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { expect } from "chai";
import { startCommandNode, type CommandNode } from "./harness.js";

/** Hardhat node account #0, the well-known development key. */
const ACCOUNT_0_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

async function exampleFromDoc(): Promise<string> {
  const doc = await readFile("docs/integration.md", "utf8");
  const section = doc.slice(doc.indexOf("## A plain ethers example"));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error("docs/integration.md: no ts block under 'A plain ethers example'");
  return block[1]!;
}

function tsx(file: string, env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", file], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += String(chunk)));
    child.stderr.on("data", (chunk) => (stderr += String(chunk)));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

describe("docs/integration.md", function () {
  const deploymentId = `integration-doc-${process.pid}`;
  let bed: CommandNode;

  before(async function () {
    bed = await startCommandNode(deploymentId);
  });

  after(async function () {
    await bed?.stop();
  });

  it("runs the plain ethers example as written: approve, deposit, order, balances", async function () {
    const [me] = await bed.chain.ethers.getSigners();
    const funded = await bed.run(["token", "mint"], { to: me!.address, amount: "100" });
    expect(funded.exitCode, funded.stderr).to.equal(0);
    // In the project folder, so that `ethers` resolves from node_modules as for a client's own script.
    const dir = await mkdtemp(path.join("cache", "integration-example-"));
    const file = path.join(dir, "example.ts");
    await writeFile(file, await exampleFromDoc());
    try {
      const result = await tsx(file, {
        ...process.env,
        GRIDLEDGER_LOCALHOST_URL: bed.node.url,
        GRIDLEDGER_DEPLOYMENT: deploymentId,
        PRIVATE_KEY: ACCOUNT_0_KEY,
      });
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.match(/^order \d+ for slot \d+\n/);
      expect(result.stdout).to.match(/free: 24625000n/);
      expect(result.stdout).to.match(/locked: 375000n/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const [free, locked] = (await bed.suite.market.getFunction("balanceOf")(
      me!.address,
    )) as bigint[];
    expect([free, locked]).to.deep.equal([24_625_000n, 375_000n]);
  });
});
