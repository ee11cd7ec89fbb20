import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";
import path from "node:path";
import { AuditInputError, runAudit } from "../../scripts/audit/audit.js";
import { MeterRegistry__factory } from "../../typechain-types/index.js";
import {
  GRID_OPERATOR_ROLE,
  Kind,
  SLOT_LENGTH,
  Source,
  ZONE,
  signReading,
} from "../EnergyCertificates.fixture.js";
import { startNode, type LocalNode } from "./node.js";
import { tradingRun, type TradingRun } from "./tradingRun.js";

/** Runs the command as a user would; returns its exit code and output. */
function cli(args: string[]) {
  const tsx = fileURLToPath(new URL("../../node_modules/tsx/dist/cli.mjs", import.meta.url));
  const result = spawnSync(process.execPath, [tsx, "scripts/audit/cli.ts", "--quiet", ...args], {
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("auditor (scripts/audit) against a local node", function () {
  let node: LocalNode;
  let run: TradingRun;
  let plantedRegistry: string;

  before(async function () {
    node = await startNode();
    run = await tradingRun(node.provider);
  });

  after(function () {
    node?.stop();
  });

  it("lists issuance, transfers and retirements and finds no violation after a trading run", async function () {
    const out = await mkdtemp(path.join(tmpdir(), "audit-"));
    const { report, files } = await runAudit({
      provider: node.provider,
      ...run,
      pageSize: 3,
      outDir: out,
    });
    expect(report.violations).to.deep.equal([]);
    expect(report.checks.map((c) => c.status)).to.deep.equal([
      "pass",
      "pass",
      "pass",
      "pass",
      "pass",
      "pass",
      "pass",
    ]);

    const solar = run.meters.solar.address.toLowerCase();
    const wind = run.meters.wind.address.toLowerCase();
    expect(
      report.issuance.map((i) => [
        i.meter,
        i.amountWh,
        i.toBuyersWh,
        i.toOwnerWh,
        i.exportedWh,
        i.path,
      ]),
    ).to.deep.equal([
      [solar, "9000", "5001", "3999", "9000", "certification"],
      [wind, "4000", "0", "4000", "4000", "request"],
      [wind, "1000", "600", "400", "1000", "certification"],
    ]);
    // Wind's unfilled sell order made it no seller: issued on request, and no violation.
    expect(report.certification).to.deep.equal([
      {
        slot: String(run.slot),
        status: "claimed",
        sellOrders: 4,
        filledSellOrders: 3,
        buyOrders: 2,
        poolWh: "5001",
        claimedWh: "5000",
        returnedWh: "1",
        notYetClaimedWh: "0",
      },
      // Claims not done yet: reported as such, not as a violation.
      {
        slot: String(run.slot + 1n),
        status: "not yet claimed",
        sellOrders: 1,
        filledSellOrders: 1,
        buyOrders: 1,
        poolWh: "600",
        claimedWh: "0",
        returnedWh: "0",
        notYetClaimedWh: "600",
      },
    ]);
    const carol = run.accounts.carol.toLowerCase();
    expect(report.perBeneficiary).to.deep.equal([
      { beneficiary: carol, retirements: 2, retiredWh: "3000" },
    ]);
    expect(report.retirements[0].claimText).to.equal("Scope 2, 2025");
    expect(report.transfers.filter((t) => t.kind === "transfer")).to.have.length(1);
    expect(report.withheld).to.deep.equal([
      {
        block: report.withheld[0].block,
        tx: report.withheld[0].tx,
        meter: solar,
        slot: String(run.slot + 1n),
        status: "Suspended",
      },
    ]);
    const solarId = report.perId.find((r) => r.source === "Solar")!;
    expect([
      solarId.issuedWh,
      solarId.poolWh,
      solarId.claimedWh,
      solarId.returnedWh,
      solarId.retiredWh,
      solarId.supplyWh,
    ]).to.deep.equal(["9000", "5001", "5000", "1", "3000", "6000"]);

    expect(files.map((f) => path.basename(f))).to.include.members([
      "audit.json",
      "issuance.csv",
      "transfers.csv",
      "retirements.csv",
      "violations.csv",
    ]);
    const issuanceCsv = await readFile(path.join(out, "issuance.csv"), "utf8");
    expect(issuanceCsv.split("\n")[0]).to.equal(
      "block,tx,meter,zone,id,slot,source,amountWh,toBuyersWh,toOwnerWh,exportedWh,path",
    );
    expect(issuanceCsv.trim().split("\n")).to.have.length(4);
    expect(
      JSON.parse(await readFile(path.join(out, "audit.json"), "utf8")).violations,
    ).to.deep.equal([]);
  });

  it("finds certificates whose readings are not in the registry the market reads", async function () {
    // Plant: a second registry with the same meters and lower readings, as if the market read it.
    const admin = await node.provider.getSigner(0);
    const now = BigInt((await node.provider.getBlock("latest"))!.timestamp);
    const other = await new MeterRegistry__factory(admin).deploy(
      admin.address,
      now - (now % SLOT_LENGTH) - 10n * SLOT_LENGTH,
      SLOT_LENGTH,
      86_400n,
    );
    await other.waitForDeployment();
    await (await other.grantRole(GRID_OPERATOR_ROLE, admin.address)).wait();
    const meters = run.meters;
    await (
      await other.registerMeter(
        meters.solar.address,
        run.accounts.alice,
        Kind.Generation,
        Source.Solar,
        100_000,
        ZONE,
        0,
      )
    ).wait();
    await (
      await other.registerMeter(
        meters.wind.address,
        run.accounts.bob,
        Kind.Generation,
        Source.Wind,
        100_000,
        ZONE,
        0,
      )
    ).wait();
    const slot = (await other.currentSlot()) - 2n;
    await (
      await other.submitReading(await signReading(other, meters.solar, slot, 0n, 100n))
    ).wait();

    plantedRegistry = await other.getAddress();
    const { report } = await runAudit({
      provider: node.provider,
      ...run,
      registry: plantedRegistry,
      fromBlock: run.startBlock,
    });
    const rules = report.violations.map((v) => v.rule);
    expect(rules).to.include("binding");
    expect(rules).to.include("reading");
    const issuanceTxs = report.issuance.map((i) => i.tx);
    const unread = report.violations.filter((v) => v.rule === "reading");
    expect(unread).to.have.length(3);
    for (const v of unread) expect(issuanceTxs).to.include(v.tx);
    expect(report.checks.find((c) => c.name.startsWith("contracts are bound"))!.status).to.equal(
      "fail",
    );
  });

  it("the command exits 0 on a clean report, 1 on violations", function () {
    const out = path.join(tmpdir(), `audit-cli-${process.pid}`);
    const clean = cli([
      "--rpc",
      node.url,
      "--registry",
      run.registry,
      "--market",
      run.market,
      "--certificates",
      run.certificates,
      "--out",
      out,
    ]);
    expect(clean.code, clean.stderr).to.equal(0);
    expect(clean.stdout).to.contain("Issuance per meter");
    const dirty = cli([
      "--rpc",
      node.url,
      "--registry",
      plantedRegistry,
      "--market",
      run.market,
      "--certificates",
      run.certificates,
      "--out",
      out,
    ]);
    expect(dirty.code).to.equal(1);
    expect(dirty.stdout).to.contain("VIOLATIONS");
  });

  it("the command refuses a contract that is not what it should be, with exit code 2", function () {
    const result = cli([
      "--rpc",
      node.url,
      "--registry",
      run.certificates,
      "--market",
      run.market,
      "--certificates",
      run.certificates,
    ]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/registry .* does not answer as a MeterRegistry/);
  });

  it("the command refuses bad input with one line and exit code 2", function () {
    const addresses = [
      "--registry",
      run.registry,
      "--market",
      run.market,
      "--certificates",
      run.certificates,
    ];
    const cases: [string[], RegExp][] = [
      [["--network", "nowhere", ...addresses], /unknown network "nowhere"/],
      [
        [
          "--rpc",
          node.url,
          ...addresses.slice(0, 4),
          "--certificates",
          "0x000000000000000000000000000000000000dEaD",
        ],
        /certificates: no contract at/,
      ],
      [["--rpc", "http://127.0.0.1:9", ...addresses, "--timeout", "2000"], /does not answer/],
      [["--rpc", node.url, ...addresses, "--to-block", "99999999"], /past the chain head/],
      [["--rpc", node.url, ...addresses, "--from-block", "abc"], /non-negative integer/],
    ];
    for (const [args, message] of cases) {
      const result = cli(args);
      expect(result.code, `${args.join(" ")}: ${result.stderr}`).to.equal(2);
      expect(result.stderr).to.match(message);
      expect(result.stderr.trim().split("\n")).to.have.length(1);
      expect(result.stderr).not.to.match(/\n\s+at /);
    }
  });

  it("runAudit throws AuditInputError (no stack needed) for a range past the head", async function () {
    const head = await node.provider.getBlockNumber();
    const error = await runAudit({ provider: node.provider, ...run, toBlock: head + 10 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(AuditInputError);
    expect((error as Error).message).to.match(/past the chain head/);
  });
});
