/**
 * End to end: a real node in its own process (Hardhat node, then Anvil), the suite deployed with Ignition
 * over JSON-RPC, a short scenario run through the same code as `npm run simulate`, then the auditor's
 * report; the ledger must add up and every injected fault must show. Orders take the relayed flow: the
 * households sign, the aggregator submits and pays, the households hold no ETH.
 */
import { expect } from "chai";
import { rm } from "node:fs/promises";
import path from "node:path";
import hre, { network } from "hardhat";
import { chainFrom } from "../../scripts/lib/chain.js";
import type { SimulationReport } from "../../scripts/report/model.js";
import { writeReport } from "../../scripts/report/write.js";
import { readScenario } from "../../scripts/scenario/read.js";
import { runAudit } from "../../scripts/audit/audit.js";
import { runSimulation } from "../../scripts/sim/run.js";
import { anvilBinary, startNode, type RunningNode } from "./nodes.js";

for (const kind of ["hardhat", "anvil"] as const) {
  describe(`end to end on ${kind === "hardhat" ? "a Hardhat node" : "an Anvil node"}`, function () {
    let node: RunningNode | undefined;
    let report: SimulationReport;
    let chainBlockBefore = 0;
    let chain: Awaited<ReturnType<typeof chainFrom>>;
    const deploymentId = `e2e-${kind}-${process.pid}`;
    const outDir = path.join("reports", `e2e-${kind}-${process.pid}`);

    before(async function () {
      // Coverage instruments the contracts (bigger code, more gas than the driver's explicit limits):
      // this test is about the testbed, and runs in the normal suite.
      if (hre.globalOptions.coverage === true) this.skip();
      if (kind === "anvil" && !anvilBinary()) {
        throw new Error("Anvil is missing: the npm package @foundry-rs/anvil must be installed");
      }
      node = await startNode(kind);
      const connection = await network.create({
        network: "localhost",
        override: { url: node.url },
      });
      chain = await chainFrom(connection);
      chainBlockBefore = Number(await chain.rpc<string>("eth_blockNumber"));
      const scenario = await readScenario("scenarios/e2e.json");
      report = await runSimulation({
        chain,
        scenario,
        deploymentId,
        freshDeployment: true,
        progress: { silent: true },
      });
      await writeReport(report, outDir);
    });

    after(async function () {
      await node?.stop();
      await rm(path.join("ignition", "deployments", deploymentId), {
        recursive: true,
        force: true,
      });
      await rm(outDir, { recursive: true, force: true });
    });

    it("trades every slot of the scenario on the node", function () {
      expect(report.run.chainId).to.equal(31337);
      expect(report.slots).to.have.lengthOf(8);
      expect(report.totals.tradedWh).to.be.above(0);
      expect(report.slots.filter((s) => s.clearingPricePerWh !== null).length).to.be.above(4);
    });

    it("adds up: every ledger check passes", function () {
      const failed = report.ledger.filter((c) => !c.ok);
      expect(failed, failed.map((c) => `${c.name}: ${c.detail}`).join("; ")).to.deep.equal([]);
      expect(report.ledger.length).to.be.at.least(12);
      expect(report.totals.tradedWh).to.equal(report.totals.settledWh + report.totals.shortfallWh);
    });

    it("shows every injected fault, and the forged meter's readings refused", function () {
      expect(report.faults.map((f) => f.type).sort()).to.deep.equal([
        "cloudFront",
        "forgedSignatures",
        "lateReadings",
        "meterOffline",
        "overPromise",
      ]);
      for (const f of report.faults) expect(f.ok, `${f.type}: ${f.observed}`).to.equal(true);
      const forged = report.faults.find((f) => f.type === "forgedSignatures")!;
      expect(forged.observed).to.match(/^8 of 8 refused as RegistryInvalidSignature, 0 recorded/);
      const household5 = report.households.find((h) => h.index === 5)!;
      expect(household5.readingsRejected).to.equal(8);
      expect(household5.deliveredWh).to.equal(0);
      // The offline meter and the late reading hit a seller: its sales in those slots fall short.
      for (const type of ["meterOffline", "lateReadings"]) {
        const fault = report.faults.find((f) => f.type === type)!;
        expect(fault.injected, type).to.equal(true);
        expect(fault.observed, type).to.match(
          /its [1-9]\d* Wh sold settled as [1-9]\d* Wh shortfall/,
        );
      }
    });

    it("counts transactions and gas for every role; households, relayed, pay none", function () {
      const roles = new Map(report.roles.map((r) => [r.role, r]));
      for (const role of ["deployer", "grid operator", "aggregator", "data hub", "keeper"]) {
        expect(roles.get(role)?.transactions, role).to.be.above(0);
        expect(roles.get(role)?.gasUsed, role).to.be.above(0n);
      }
      expect(report.run.orderFlow).to.equal("relayed");
      expect(roles.get("household")).to.deep.include({ transactions: 0, gasUsed: 0n });
    });

    it("places every signed order the aggregator relayed", async function () {
      const placed = report.slots.reduce((n, s) => n + s.buyOrders + s.sellOrders, 0);
      expect(placed).to.be.above(8);
      expect(report.run.ordersSkipped).to.deep.equal({});
      expect(report.run.ordersHeldBackAtCap).to.equal(0);
      for (const h of report.households) {
        const balance = BigInt(await chain.rpc<string>("eth_getBalance", [h.account, "latest"]));
        expect(balance, `household ${h.index} holds no ETH`).to.equal(0n);
      }
    });

    it("passes the auditor's reconciliation of the certificates", async function () {
      const { report: audit } = await runAudit({
        provider: chain.ethers.provider,
        registry: report.run.contracts.registry!,
        market: report.run.contracts.market!,
        certificates: report.run.contracts.certificates!,
        fromBlock: chainBlockBefore,
      });
      expect(
        audit.violations,
        audit.violations.map((v) => `${v.rule}: ${v.message}`).join("; "),
      ).to.deep.equal([]);
      expect(audit.issuance.length).to.be.above(0);
    });
  });
}
