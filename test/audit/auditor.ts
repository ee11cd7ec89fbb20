import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";
import path from "node:path";
import { JsonRpcProvider, Wallet } from "ethers";
import { AuditInputError, runAudit, type AuditReport } from "../../scripts/audit/audit.js";
import { collect } from "../../scripts/audit/collect.js";
import { reconcile } from "../../scripts/audit/reconcile.js";
import type { AuditData } from "../../scripts/audit/types.js";
import {
  EnergyCertificates__factory,
  MeterRegistry__factory,
  MockCertMarket__factory,
} from "../../typechain-types/index.js";
import {
  CHANGE_DELAY_SLOTS,
  GRID_OPERATOR_ROLE,
  Kind,
  REGULATOR_ROLE,
  SLOT_LENGTH,
  Source,
  ZONE,
  signReading,
} from "../../fixtures/certificates.js";
import { startNode, type RunningNode } from "../e2e/nodes.js";
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

const TX_HASH = /^0x[0-9a-f]{64}$/;
const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

/** The transaction of the issuance for (meter, slot) in the report. */
function issuanceTx(report: AuditReport, meter: string, slot: bigint): string {
  const found = report.issuance.filter(
    (i) => i.meter === meter.toLowerCase() && i.slot === String(slot),
  );
  expect(found, `one issuance for ${meter} in slot ${slot}`).to.have.length(1);
  return String(found[0].tx);
}

/** Asserts that `rule` is reported, each time on one of the transactions `txs`, and returns its findings. */
function expectRuleAt(
  violations: { rule: string; tx: string; message: string }[],
  rule: string,
  txs: string[],
) {
  const found = violations.filter((v) => v.rule === rule);
  expect(found, `a "${rule}" violation among ${violations.map((v) => v.rule)}`).to.not.be.empty;
  for (const v of found) {
    expect(v.tx, `${rule}: ${v.message}`).to.match(TX_HASH);
    expect(txs, `${rule}: ${v.message}`).to.include(v.tx);
  }
  return found;
}

describe("auditor (scripts/audit) against a local node", function () {
  let node: RunningNode & { provider: JsonRpcProvider };
  let run: TradingRun;
  let plantedRegistry: string;

  before(async function () {
    const running = await startNode("hardhat");
    const provider = new JsonRpcProvider(running.url, undefined, {
      staticNetwork: true,
      cacheTimeout: -1,
    });
    node = { ...running, provider };
    run = await tradingRun(node.provider);
  });

  after(async function () {
    node?.provider.destroy();
    await node?.stop();
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
      // Money: the trading run's market is the certification double, without balance views (see
      // test/audit/money.ts for the money reconstruction on the real market).
      "skipped",
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
    // The auditor shows the slots the suspension spans (it lasts: no last slot yet).
    expect(report.suspensions).to.deep.equal([
      { meter: solar, firstSlot: String(run.slot + 1n), lastSlot: "ongoing" },
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
      "orders.csv",
      "accounts.csv",
    ]);
    const ordersCsv = (await readFile(path.join(out, "orders.csv"), "utf8")).trim().split("\n");
    expect(ordersCsv[0]).to.equal(
      "orderId,slot,side,account,status,quantityWh,limitPrice,locked,fillWh,released,paid,deliveredWh,payment,penalty,placedTx,lastTx",
    );
    expect(ordersCsv).to.have.length(report.orders.length + 1);
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
      CHANGE_DELAY_SLOTS,
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

  it("the command takes the addresses from Ignition's record of any module, by --deployment-id", async function () {
    const deploymentId = `audit-record-${process.pid}`;
    const dir = path.join("ignition", "deployments", deploymentId);
    await mkdir(dir, { recursive: true });
    try {
      // The keys of the module that deploys on an existing token: only the "#<contract>" end is read.
      await writeFile(
        path.join(dir, "deployed_addresses.json"),
        JSON.stringify({
          "GridLedgerExternalToken#MeterRegistry": run.registry,
          "GridLedgerExternalToken#EnergyMarket": run.market,
          "GridLedgerExternalToken#EnergyCertificates": run.certificates,
        }),
      );
      const out = path.join(tmpdir(), `audit-cli-record-${process.pid}`);
      const fromRecord = cli(["--rpc", node.url, "--deployment-id", deploymentId, "--out", out]);
      expect(fromRecord.code, fromRecord.stderr).to.equal(0);
      expect(fromRecord.stdout).to.contain("Issuance per meter");
      // An explicit address still wins over the record's.
      const overridden = cli([
        "--rpc",
        node.url,
        "--deployment-id",
        deploymentId,
        "--registry",
        plantedRegistry,
        "--out",
        out,
      ]);
      expect(overridden.code).to.equal(1);
      const missing = cli(["--rpc", node.url, "--deployment-id", `${deploymentId}-none`]);
      expect(missing.code).to.equal(2);
      expect(missing.stderr).to.match(/no Ignition deployment record of the suite in .*-none/);
      expect(missing.stderr.trim().split("\n")).to.have.length(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
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

  it("finds certificates above the reading's export, for a non-renewable source and under the wrong id", async function () {
    // Plant: a registry on the same slot clock where solar is a fossil meter that exported 100 Wh.
    const admin = await node.provider.getSigner(0);
    const [genesis] = await MeterRegistry__factory.connect(run.registry, node.provider).slotClock();
    const other = await new MeterRegistry__factory(admin).deploy(
      admin.address,
      genesis,
      SLOT_LENGTH,
      86_400n,
      CHANGE_DELAY_SLOTS,
    );
    await other.waitForDeployment();
    await (await other.grantRole(GRID_OPERATOR_ROLE, admin.address)).wait();
    await (
      await other.registerMeter(
        run.meters.solar.address,
        run.accounts.alice,
        Kind.Generation,
        Source.Other,
        100_000,
        ZONE,
        0,
      )
    ).wait();
    await (
      await other.submitReading(await signReading(other, run.meters.solar, run.slot, 0n, 100n))
    ).wait();

    const { report } = await runAudit({
      provider: node.provider,
      ...run,
      registry: await other.getAddress(),
      fromBlock: run.startBlock,
    });
    // Wind is not in the planted registry at all: its findings are the "reading" test's; these are solar's.
    const solar = report.violations.filter(
      (v) => v.meter === run.meters.solar.address.toLowerCase(),
    );
    const solarTx = issuanceTx(report, run.meters.solar.address, run.slot);
    for (const rule of ["export", "renewable", "id"])
      expect(expectRuleAt(solar, rule, [solarTx])).to.have.length(1);
    expect(report.violations.find((v) => v.rule === "export")!.message).to.equal(
      "issued 9000 Wh > exported 100 Wh",
    );
  });

  it("finds certificates issued for a slot a suspension spans", async function () {
    // Plant: the same meters in a registry, deployed before a second trading run, where solar is suspended.
    const admin = await node.provider.getSigner(0);
    const meters = {
      solar: Wallet.createRandom(),
      wind: Wallet.createRandom(),
      gas: Wallet.createRandom(),
    };
    const now = BigInt((await node.provider.getBlock("latest"))!.timestamp);
    const other = await new MeterRegistry__factory(admin).deploy(
      admin.address,
      now - (now % SLOT_LENGTH),
      SLOT_LENGTH,
      86_400n,
      CHANGE_DELAY_SLOTS,
    );
    await other.waitForDeployment();
    await (await other.grantRole(GRID_OPERATOR_ROLE, admin.address)).wait();
    await (await other.grantRole(REGULATOR_ROLE, admin.address)).wait();
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
    await (await other.suspendMeter(meters.solar.address)).wait();
    const second = await tradingRun(node.provider, meters);

    const { report } = await runAudit({
      provider: node.provider,
      ...second,
      registry: await other.getAddress(),
      fromBlock: second.startBlock,
    });
    // Only solar is in the planted registry (wind counts there as Unregistered): solar's findings.
    const solar = report.violations.filter((v) => v.meter === meters.solar.address.toLowerCase());
    const solarTx = issuanceTx(report, meters.solar.address, second.slot);
    const [suspended] = expectRuleAt(solar, "suspended", [solarTx]);
    expect(suspended.message).to.equal("issued for a slot a suspension spans");
  });

  it("finds pools and claims that do not match the market's record of the trade", async function () {
    // Plant: after the certificates are delivered, the market's test double rewrites the trades: in
    // `slot` carol and dave swap fills, in `slot + 1` the sale is the gas meter's instead of wind's.
    const admin = await node.provider.getSigner(0);
    const third = await tradingRun(node.provider);
    const registry = MeterRegistry__factory.connect(third.registry, node.provider);
    const indexOf = async (meter: Wallet | { address: string }) =>
      Number((await registry.meterOf(meter.address)).index);
    const [solarIndex, windIndex, gasIndex] = await Promise.all(
      [third.meters.solar, third.meters.wind, third.meters.gas].map(indexOf),
    );
    const market = MockCertMarket__factory.connect(third.market, admin);
    await (
      await market.settle(
        third.slot,
        8_000n,
        [
          { buyer: third.accounts.carol, fillWh: 5_000n },
          { buyer: third.accounts.dave, fillWh: 3_000n },
        ],
        [
          { meterIndex: solarIndex, fillWh: 3_001, priorFillWh: 0, meterFillWh: 5_001 },
          { meterIndex: windIndex, fillWh: 0, priorFillWh: 0, meterFillWh: 0 },
          { meterIndex: gasIndex, fillWh: 2_999, priorFillWh: 0, meterFillWh: 2_999 },
          { meterIndex: solarIndex, fillWh: 2_000, priorFillWh: 3_001, meterFillWh: 5_001 },
        ],
      )
    ).wait();
    await (
      await market.settle(
        third.slot + 1n,
        600n,
        [{ buyer: third.accounts.carol, fillWh: 600n }],
        [{ meterIndex: gasIndex, fillWh: 600, priorFillWh: 0, meterFillWh: 600 }],
      )
    ).wait();

    const { report } = await runAudit({
      provider: node.provider,
      ...third,
      fromBlock: third.startBlock,
    });
    const windTx = issuanceTx(report, third.meters.wind.address, third.slot + 1n);
    const [pool] = expectRuleAt(report.violations, "pool", [windTx]);
    expect(pool.message).to.equal("600 Wh to buyers from a meter that sold nothing");
    // Each claim violation names the claimBuyers transaction that credited the buyer.
    const claims = report.violations.filter((v) => v.rule === "claim");
    expect(claims).to.have.length(2);
    const certificates = EnergyCertificates__factory.createInterface();
    for (const v of claims) {
      expect(v.tx).to.match(TX_HASH);
      const tx = (await node.provider.getTransaction(v.tx))!;
      const call = certificates.parseTransaction({ data: tx.data })!;
      expect([call.name, call.args[0]]).to.deep.equal(["claimBuyers", third.slot]);
    }
    expect(new Set(claims.map((v) => v.tx)).size).to.equal(2);
  });

  describe("rules the contracts themselves enforce, on the run's data with one record altered", function () {
    // EnergyCertificates cannot issue twice, mis-split, or mint and burn other than its events say: the
    // only way to see these rules fire is to alter what was read from the chain, one record at a time.
    let data: AuditData;

    before(async function () {
      const toBlock = await node.provider.getBlockNumber();
      const { chainId } = await node.provider.getNetwork();
      data = await collect(node.provider, chainId, {
        ...run,
        fromBlock: run.startBlock,
        toBlock,
        pageSize: 2000,
      });
      expect(reconcile(data).violations).to.deep.equal([]);
    });

    const altered = (change: (d: AuditData) => void) => {
      const copy = structuredClone(data);
      change(copy);
      return reconcile(copy).violations;
    };
    const solar = () => run.meters.solar.address.toLowerCase();
    const solarIssuance = (d: AuditData) =>
      d.issuances.find((i) => i.meter === solar() && i.slot === run.slot)!;

    it("once: a second issuance for the same (meter, slot), and an issued slot also withheld", function () {
      const issuance = solarIssuance(data);
      const twice = altered((d) => d.issuances.push({ ...solarIssuance(d), logIndex: 99 }));
      expectRuleAt(twice, "once", [issuance.tx]);
      const withheld = data.withholdings[0];
      const both = altered((d) =>
        d.withholdings.push({ ...d.withholdings[0], slot: run.slot, logIndex: 99 }),
      );
      const [v] = expectRuleAt(both, "once", [withheld.tx]);
      expect(v.message).to.equal("(meter, slot) both issued and withheld");
    });

    it("split: to buyers + to owner differs from the amount issued", function () {
      const issuance = solarIssuance(data);
      const found = altered((d) => (solarIssuance(d).toOwnerWh += 1n));
      expectRuleAt(found, "split", [issuance.tx]);
    });

    it("mint: an issuance transaction mints other than its events credit", function () {
      const issuance = solarIssuance(data);
      const found = altered((d) => {
        d.transfers.find((t) => t.tx === issuance.tx && t.from === ZERO_ADDRESS)!.valueWh += 1n;
      });
      expectRuleAt(found, "mint", [issuance.tx]);
    });

    it("burn: a retirement transaction burns other than it retires", function () {
      const retirement = data.retirements[0];
      const found = altered((d) => {
        d.transfers.find((t) => t.tx === retirement.tx && t.to === ZERO_ADDRESS)!.valueWh -= 1n;
      });
      expectRuleAt(found, "burn", [retirement.tx]);
    });

    it("supply: a balance at the range's end differs from what the events credited", function () {
      const id = solarIssuance(data).id;
      const lastTransfer = [...data.transfers].reverse().find((t) => t.id === id)!;
      const found = altered((d) => {
        const k = `${run.accounts.carol.toLowerCase()}:${id}`;
        d.balancesAfter.set(k, (d.balancesAfter.get(k) ?? 0n) + 1n);
      });
      expectRuleAt(found, "supply", [lastTransfer.tx]);
    });
  });
});
