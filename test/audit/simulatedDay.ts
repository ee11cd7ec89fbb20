/**
 * An ordinary simulated day (the default scenario, on the in-process network) followed by the auditor's
 * reconciliation: no violation, every traded slot's certificates claimed, and the sell orders that filled
 * nothing (offers above the clearing price) are not taken for sellers whose deliveries lack certificates.
 */
import { expect } from "chai";
import hre, { network } from "hardhat";
import { runAudit, type AuditReport } from "../../scripts/audit/audit.js";
import { chainFrom } from "../../scripts/lib/chain.js";
import type { SimulationReport } from "../../scripts/report/model.js";
import { DEFAULT_SCENARIO, readScenario } from "../../scripts/scenario/read.js";
import { runSimulation } from "../../scripts/sim/run.js";

describe("auditor after an ordinary simulated day", function () {
  let simulation: SimulationReport;
  let audit: AuditReport;

  before(async function () {
    // Coverage instruments the contracts beyond the driver's explicit gas limits.
    if (hre.globalOptions.coverage === true) this.skip();
    const chain = await chainFrom(await network.create());
    const fromBlock = Number(await chain.rpc<string>("eth_blockNumber"));
    simulation = await runSimulation({
      chain,
      scenario: await readScenario(DEFAULT_SCENARIO),
      progress: { silent: true },
    });
    ({ report: audit } = await runAudit({
      provider: chain.ethers.provider,
      registry: simulation.run.contracts.registry!,
      market: simulation.run.contracts.market!,
      certificates: simulation.run.contracts.certificates!,
      fromBlock,
    }));
  });

  it("adds up in the simulation's own ledger", function () {
    const failed = simulation.ledger.filter((c) => !c.ok);
    expect(failed, failed.map((c) => `${c.name}: ${c.detail}`).join("; ")).to.deep.equal([]);
  });

  it("reports zero violations and every check passing", function () {
    expect(
      audit.violations,
      audit.violations.map((v) => `${v.rule}: ${v.message}`).join("; "),
    ).to.deep.equal([]);
    expect(audit.checks.map((c) => c.status)).to.not.include("fail");
  });

  it("replays every account's market balance and the escrow from the market's events", function () {
    const money = audit.checks.find((c) => c.name.includes("follow from the market's events"));
    expect(money?.status, money?.detail).to.equal("pass");
    expect(audit.orders.length).to.be.above(100);
    expect(audit.orders.filter((o) => o.status === "settled").length).to.be.above(0);
  });

  it("does not flag sell orders that filled nothing", function () {
    const unfilled = audit.certification.reduce(
      (n, r) => n + Number(r.sellOrders) - Number(r.filledSellOrders),
      0,
    );
    expect(unfilled, "the day should have unfilled sell orders").to.be.above(0);
    expect(audit.violations.filter((v) => v.rule === "pool")).to.deep.equal([]);
  });

  it("reports every traded slot's certificates as claimed", function () {
    const traded = simulation.slots.filter((s) => s.tradedWh > 0).length;
    expect(audit.certification).to.have.length(traded);
    expect(audit.certification.map((r) => r.status)).to.deep.equal(Array(traded).fill("claimed"));
    const pool = audit.certification.reduce((a, r) => a + BigInt(r.poolWh), 0n);
    const out = audit.certification.reduce(
      (a, r) => a + BigInt(r.claimedWh) + BigInt(r.returnedWh),
      0n,
    );
    expect(out).to.equal(pool);
    expect(pool).to.be.above(0n);
  });
});
