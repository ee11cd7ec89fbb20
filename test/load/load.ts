/**
 * The load test at CI size: 100 prosumer accounts in 3 client processes and a data hub trade 3 slots on a
 * real `hardhat node` while the node is paused for 5 s and a client process is killed and restarted.
 * The full size runs with `npx tsx load/run.ts --faults` (docs/load.md).
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { runLoad, type LoadReport } from "../../load/run.js";

describe("Load test against a hardhat node (CI size)", function () {
  let report: LoadReport;
  const outDir = mkdtempSync(path.join(tmpdir(), "gridledger-load-"));

  before(async function () {
    this.timeout(240_000);
    report = await runLoad({
      accounts: 100,
      processes: 3,
      slots: 3,
      phaseSeconds: 4,
      // Any free port on 127.0.0.1, so the test never collides with a developer's node or another test.
      port: 0,
      faultPause: true,
      faultKill: true,
      pauseSeconds: 5,
      outDir,
      maxSeconds: 200,
      verbose: false,
    });
  });

  // Journals, logs and report.json stay in outDir when something failed.
  after(function () {
    const failed = this.test?.parent?.tests.some((t) => t.state === "failed") ?? true;
    if (report?.ok && !failed) rmSync(outDir, { recursive: true, force: true });
    else console.log(`load test: journals, logs and report.json kept in ${outDir}`);
  });

  it("finds no disagreement between the clients' journals and the chain", function () {
    expect(report.verification.failures).to.deep.equal([]);
    expect(report.ok).to.equal(true);
  });

  it("puts every accepted order on chain and no failed one, with nothing unresolved", function () {
    const c = report.verification.counts;
    expect(c.unresolved).to.equal(0);
    expect(c["place.accepted"]).to.be.greaterThan(100);
    expect(c.onChainOrders).to.equal(c["place.accepted"]);
    expect(c.onChainCancels).to.equal(c["cancel.accepted"]);
    // Deliberately invalid orders and gate-closure races: failures the clients were told about.
    expect(c["place.failed.preflight"]).to.be.greaterThan(0);
    expect(c.unjournaledTxs ?? 0).to.equal(0);
    expect(c.nonceReuse ?? 0).to.equal(0);
    expect(c.nonceGaps ?? 0).to.equal(0);
  });

  it("records every reading the data hub was told was accepted", function () {
    const c = report.verification.counts;
    expect(c.readingsAccepted).to.equal(100 * 3);
    expect(c.readingsOnChain).to.equal(c.readingsAccepted);
  });

  it("settles every slot with buy fills equal to sell fills, delivers its certificates and balances the ledger", function () {
    expect(report.verification.slots.map((s) => s.status)).to.deep.equal([
      "Settled",
      "Settled",
      "Settled",
    ]);
    for (const slot of report.verification.slots) {
      expect(slot.buyFillsWh).to.equal(slot.sellFillsWh);
      expect(slot.buyFillsWh).to.equal(slot.clearedWh);
    }
    // Settled slots all traded: each one's certificate pages (sellers, then buyers) ran to the end.
    expect(report.verification.counts.slotsCertified).to.equal(3);
    const { ledger } = report.verification;
    expect(ledger.marketTokenBalance).to.equal(ledger.owed);
    expect(ledger.locked).to.equal("0");
    expect(ledger.escrowed).to.equal("0");
  });

  it("rides out the node pause with bounded retries", function () {
    expect(report.faults.find((f) => f.kind === "pause")?.seconds).to.equal(5);
    const clients = report.processes.filter((p) => p.name.startsWith("c"));
    expect(clients.some((p) => p.rpcRetries > 0)).to.equal(true);
    for (const p of clients) expect(p.longestOutageMs).to.be.lessThan(30_000);
  });

  it("resumes a killed client from its journal and the chain", function () {
    const kill = report.faults.find((f) => f.kind === "kill")!;
    expect(kill).to.not.equal(undefined);
    const victim = report.processes.find((p) => p.name === "c0")!;
    expect(victim.restarts).to.equal(1);
    expect(victim.exits.map((e) => e.signal)).to.deep.equal(["SIGKILL"]);
    // Every transaction the killed process had in flight was resolved by its next incarnation.
    expect(kill.recoveredOnRestart).to.equal(kill.inFlightAtKill);
    expect(victim.recovered).to.equal(kill.inFlightAtKill);
  });

  it("resolves every journaled transaction after a restart exactly once, in the process that restarted", function () {
    // Each process counts what it resolved from its journal when it started; the journals mark each
    // such outcome. Any other restart (a crash: its exit and last log line are in the report) adds to both.
    const c = report.verification.counts;
    const inJournals = (c["recovered.receipt"] ?? 0) + (c["recovered.resend"] ?? 0);
    expect(inJournals).to.equal(report.processes.reduce((sum, p) => sum + p.recovered, 0));
    for (const p of report.processes) {
      expect(p.exits.length, `${p.name}: ${JSON.stringify(p.exits)}`).to.equal(p.restarts);
      if (p.restarts === 0) expect(p.recovered, p.name).to.equal(0);
    }
  });

  it("reports the sustained transaction rate", function () {
    expect(report.load.minedTxs).to.be.greaterThan(500);
    expect(report.load.txPerSecond).to.be.greaterThan(0);
  });
});
