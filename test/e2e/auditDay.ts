/**
 * The auditor on the real contracts, end to end: the default simulated day (scenarios/default.json) run
 * through `runSimulation` against a node in its own process (Hardhat node, then Anvil), then `runAudit`
 * over the run's contracts and blocks. An ordinary day must report no violation: every check passes, the
 * sell orders that filled nothing are not flagged, and every traded slot's certificates are claimed.
 */
import { expect } from "chai";
import { rm } from "node:fs/promises";
import path from "node:path";
import hre, { network } from "hardhat";
import { runAudit, type AuditReport } from "../../scripts/audit/audit.js";
import { chainFrom } from "../../scripts/lib/chain.js";
import type { SimulationReport } from "../../scripts/report/model.js";
import { DEFAULT_SCENARIO, readScenario } from "../../scripts/scenario/read.js";
import { runSimulation } from "../../scripts/sim/run.js";
import { anvilBinary, startNode, type RunningNode } from "./nodes.js";

for (const kind of ["hardhat", "anvil"] as const) {
  describe(`auditor after the default simulated day on ${kind === "hardhat" ? "a Hardhat node" : "an Anvil node"}`, function () {
    let node: RunningNode | undefined;
    let simulation: SimulationReport;
    let audit: AuditReport;
    const deploymentId = `e2e-audit-${kind}-${process.pid}`;

    before(async function () {
      // Coverage instruments the contracts beyond the driver's explicit gas limits.
      if (hre.globalOptions.coverage === true) this.skip();
      if (kind === "anvil" && !anvilBinary()) {
        throw new Error("Anvil is missing: the npm package @foundry-rs/anvil must be installed");
      }
      node = await startNode(kind);
      const chain = await chainFrom(
        await network.create({ network: "localhost", override: { url: node.url } }),
      );
      const fromBlock = Number(await chain.rpc<string>("eth_blockNumber"));
      simulation = await runSimulation({
        chain,
        scenario: await readScenario(DEFAULT_SCENARIO),
        deploymentId,
        freshDeployment: true,
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

    after(async function () {
      await node?.stop();
      await rm(path.join("ignition", "deployments", deploymentId), {
        recursive: true,
        force: true,
      });
    });

    it("runs the whole default day and adds up in the simulation's own ledger", function () {
      expect(simulation.slots).to.have.lengthOf(96);
      expect(simulation.totals.tradedWh).to.be.above(0);
      const failed = simulation.ledger.filter((c) => !c.ok);
      expect(failed, failed.map((c) => `${c.name}: ${c.detail}`).join("; ")).to.deep.equal([]);
    });

    it("reports zero violations and every check passing", function () {
      expect(
        audit.violations,
        audit.violations.map((v) => `${v.rule} (${v.tx}): ${v.message}`).join("; "),
      ).to.deep.equal([]);
      expect(audit.checks.length).to.be.at.least(7);
      const notPassing = audit.checks.filter((c) => c.status !== "pass");
      expect(notPassing, notPassing.map((c) => `${c.name}: ${c.status}`).join("; ")).to.deep.equal(
        [],
      );
      expect(audit.issuance.length).to.be.above(0);
    });

    it("does not flag the sell orders that filled nothing", function () {
      const unfilled = audit.certification.reduce(
        (n, r) => n + Number(r.sellOrders) - Number(r.filledSellOrders),
        0,
      );
      expect(unfilled, "the day should have unfilled sell orders").to.be.above(0);
      expect(audit.violations.filter((v) => v.rule === "pool")).to.deep.equal([]);
    });

    it("reports every traded slot's certificates as claimed", function () {
      const traded = simulation.slots.filter((s) => s.tradedWh > 0).length;
      expect(traded).to.be.above(0);
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
}
