/**
 * docs/testbed.md's "A slot by hand", run as written: the commands of its code block, one `npx hardhat`
 * process each, against a fresh `hardhat node` that GRIDLEDGER_LOCALHOST_URL points `--network localhost` at.
 * The walk writes Ignition's record ignition/deployments/chain-31337; a developer's own is put back after.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, rename, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { expect } from "chai";
import { startNode, type RunningNode } from "../e2e/nodes.js";

const RECORD = path.join("ignition", "deployments", "chain-31337");
const SIGNED_FILE = "signed-orders.json";
const cli = path.join(
  path.dirname(createRequire(import.meta.url).resolve("hardhat/package.json")),
  "dist",
  "src",
  "cli.js",
);

/** The lines of the first bash block after the heading `### <heading>`, comments dropped. */
async function walkFromDoc(heading = "A slot by hand"): Promise<string[]> {
  const doc = await readFile("docs/testbed.md", "utf8");
  const at = doc.indexOf(`### ${heading}`);
  const block = at < 0 ? null : /```bash\n([\s\S]*?)```/.exec(doc.slice(at));
  if (!block) throw new Error(`docs/testbed.md: no bash block under '${heading}'`);
  return block[1]!
    .split("\n")
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter(Boolean);
}

function hardhat(args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Runs the lines (npx hardhat commands and `export` lines) one process each; returns the transcript. */
async function runLines(lines: readonly string[], node: RunningNode): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, GRIDLEDGER_LOCALHOST_URL: node.url };
  const outputs: string[] = [];
  for (const line of lines) {
    const exported = /^export (\w+)=(\S+)$/.exec(line);
    if (exported) {
      env[exported[1]!] = exported[2]!;
      continue;
    }
    expect(line, "every step is an npx hardhat command").to.match(/^npx hardhat /);
    const result = await hardhat(line.split(/\s+/).slice(2), env);
    expect(result.code, `${line}\n${result.stdout}${result.stderr}`).to.equal(0);
    outputs.push(`$ ${line}\n${result.stdout}`);
  }
  return outputs.join("");
}

describe("docs/testbed.md: a slot by hand", function () {
  const kept = `${RECORD}.kept-${process.pid}`;
  /** The file the signed-order walk writes in the working directory, as the doc's commands do. */
  const hadSignedFile = existsSync(SIGNED_FILE);
  let node: RunningNode;

  before(async function () {
    if (existsSync(RECORD)) await rename(RECORD, kept);
    node = await startNode("hardhat");
  });

  after(async function () {
    await node?.stop();
    await rm(RECORD, { recursive: true, force: true });
    if (existsSync(kept)) await rename(kept, RECORD);
    if (!hadSignedFile) await rm(SIGNED_FILE, { force: true });
  });

  it("registers, funds, trades, clears, reads, settles, certifies, shows, retires and audits a slot", async function () {
    const lines = await walkFromDoc();
    expect(lines[0]).to.match(/^npm run node$/); // the test's own node stands in for it
    const transcript = await runLines(lines.slice(1), node);
    expect(transcript).to.match(/registered meter 0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199/i);
    expect(transcript).to.match(/^order \d+: sell 1 kWh at 0\.1\/kWh for slot (\d+)/m);
    const slot = /^order \d+: sell .* for slot (\d+)/m.exec(transcript)![1]!;
    expect(transcript).to.contain(`advanced to the gate closure of slot ${slot}:`);
    expect(transcript).to.match(new RegExp(`^cleared slot ${slot}: 1 kWh at 0\\.\\d+/kWh`, "m"));
    expect(transcript).to.contain(
      `recorded reading of meter 0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199 for slot ${slot}: exported 0.9 kWh, imported 0.3 kWh committed as 0x`,
    );
    expect(transcript).to.match(
      /"for": "supplier",[\s\S]*"importedKwh": "0\.3",[\s\S]*"salt": "0x[0-9a-f]{64}"/,
    );
    expect(transcript).to.match(
      new RegExp(`^settled slot ${slot}: delivered 0\\.9 kWh, shortfall 0\\.1 kWh`, "m"),
    );
    expect(transcript).to.contain(
      `slot ${slot}: certificates delivered to 1 sell and 1 buy orders`,
    );
    expect(transcript).to.match(
      new RegExp(`^order \\d+: slot ${slot} sell 1 kWh at 0\\.1/kWh, settled, filled 1 kWh$`, "m"),
    );
    expect(transcript).to.match(
      new RegExp(`^order \\d+: slot ${slot} buy 1 kWh at 0\\.2/kWh, settled, filled 1 kWh$`, "m"),
    );
    expect(transcript).to.match(
      new RegExp(`^slot ${slot} solar \\(from .* UTC \\(\\d+\\)\\): 0\\.9 kWh \\(900 Wh,`, "m"),
    );
    expect(transcript).to.match(
      new RegExp(
        `^retired 0\\.4 kWh of slot ${slot} solar .*purpose "heat-pump-2026"; 0\\.5 kWh left`,
        "m",
      ),
    );
    expect(transcript).to.match(/^GridLedger certificate audit — chain 31337/m);
  });

  it("signs two orders as the buyer, relays them from another account and shows them (after the slot walk)", async function () {
    const transcript = await runLines(await walkFromDoc("A signed order by hand"), node);
    const buyer = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    expect(transcript).to.match(new RegExp(`^signed order nonce 0 of ${buyer}: buy 1 kWh`, "m"));
    expect(transcript).to.match(/^signed order nonce 1 of .*: buy 0\.5 kWh at 0\.15\/kWh/m);
    const ids = [...transcript.matchAll(/: placed as order (\d+)$/gm)].map((m) => m[1]!);
    expect(ids, transcript).to.have.lengthOf(2);
    expect(transcript).to.match(
      /^relayed 2 signed orders from 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC: 2 placed/m,
    );
    for (const id of ids)
      expect(transcript).to.match(
        new RegExp(`^order ${id}: slot \\d+ buy .*, open, filled 0 kWh$`, "m"),
      );
    expect(transcript).to.match(/^next signed-order nonce 2$/m);
    expect(transcript).to.match(
      /nonce 1 .*: skipped, MarketNonceMismatch\(.*expected=2, given=1\); nonce not consumed$/m,
    );
  });
});
