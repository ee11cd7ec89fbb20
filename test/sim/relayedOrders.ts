/**
 * The relayed order flow of the simulation: households sign, the aggregator submits each slot's orders in
 * batches and pays the gas; the router's skipped orders show in the report with their reasons; the direct
 * flow stays available.
 */
import { expect } from "chai";
import hre, { network } from "hardhat";
import { chainFrom, type Chain } from "../../scripts/lib/chain.js";
import type { SimulationReport } from "../../scripts/report/model.js";
import { formatSummary } from "../../scripts/report/summary.js";
import { parseScenario, type ScenarioOverrides } from "../../scripts/scenario/schema.js";
import { fitSideCap } from "../../scripts/sim/relayedOrders.js";
import { runSimulation } from "../../scripts/sim/run.js";
import type { HouseholdRuntime } from "../../scripts/sim/state.js";
import { EnergyMarket__factory } from "../../typechain-types/index.js";

/**
 * Five households trading four late-morning slots, orders in batches of `batchSize`; each run its own seed,
 * so its households are new accounts (no ETH, nonces from 0) on the shared chain.
 */
function smallDay(batchSize: number, deposit = "20", overrides: ScenarioOverrides = {}) {
  return parseScenario(
    {
      name: "relay-test",
      seed: `relay-test-${batchSize}-${deposit}-${overrides.orders ?? "relayed"}`,
      households: 5,
      slots: 4,
      startSlotOfDay: 44,
      mix: { consumers: 0.4, prosumers: 0.6, batteries: 0 },
      funding: { deposit },
      orders: { flow: "relayed", batchSize },
    },
    overrides,
  );
}

async function simulate(chain: Chain, scenario: ReturnType<typeof smallDay>) {
  return runSimulation({ chain, scenario, progress: { silent: true } });
}

const roleOf = (report: SimulationReport, role: string) =>
  report.roles.find((r) => r.role === role);
const ordersOf = (report: SimulationReport) =>
  report.slots.map((s) => s.buyOrders + s.sellOrders + s.ordersSkipped.length);

describe("simulation: relayed orders", function () {
  let chain: Chain;

  before(async function () {
    if (hre.globalOptions.coverage === true) this.skip();
    chain = await chainFrom(await network.create());
  });

  describe("fitSideCap", function () {
    const bid = (index: number, side: "buy" | "sell", quantityWh: bigint) => ({
      entry: { household: { index } as HouseholdRuntime, bids: [] },
      bid: { side, quantityWh, limitPricePerWh: 100n },
    });

    it("keeps the largest bids of a full side, in the households' order, and holds back the rest", function () {
      const bids = [bid(1, "buy", 10n), bid(2, "buy", 30n), bid(3, "sell", 5n), bid(4, "buy", 20n)];
      const { kept, heldBack } = fitSideCap(bids, { buy: 2, sell: 1 });
      expect(kept.map((b) => b.entry.household.index)).to.deep.equal([2, 3, 4]);
      expect(heldBack.map((b) => b.entry.household.index)).to.deep.equal([1]);
    });

    it("breaks ties by household number and keeps nothing of a side without room", function () {
      const bids = [bid(3, "buy", 10n), bid(1, "buy", 10n), bid(2, "sell", 10n)];
      const { kept, heldBack } = fitSideCap(bids, { buy: 1, sell: 0 });
      expect(kept.map((b) => b.entry.household.index)).to.deep.equal([1]);
      expect(heldBack.map((b) => b.entry.household.index)).to.deep.equal([3, 2]);
    });
  });

  describe("a day with batches of 2", function () {
    let report: SimulationReport;

    before(async function () {
      report = await simulate(chain, smallDay(2));
    });

    it("sends each slot's signed orders in batches of at most 2, from the aggregator", function () {
      const batches = report.actions.find((a) => a.action === "placeSignedOrders");
      const expected = ordersOf(report).reduce((n, orders) => n + Math.ceil(orders / 2), 0);
      expect(ordersOf(report).reduce((a, b) => a + b, 0)).to.be.above(4);
      expect(batches?.transactions).to.equal(expected);
      expect(report.actions.find((a) => a.action === "placeOrder")).to.equal(undefined);
    });

    it("charges the households nothing: the aggregator pays for the orders", function () {
      expect(roleOf(report, "household")).to.deep.equal({
        role: "household",
        transactions: 0,
        gasUsed: 0n,
      });
      expect(roleOf(report, "aggregator")?.gasUsed).to.be.above(0n);
    });

    it("uses each household's nonces in order: every order placed, the next nonce its order count", async function () {
      const market = EnergyMarket__factory.connect(
        report.run.contracts.market!,
        chain.ethers.provider,
      );
      let orders = 0;
      for (const h of report.households) {
        const placed = await market.queryFilter(market.filters.OrderPlaced(undefined, h.account));
        expect(Number(await market.nonceOf(h.account)), `household ${h.index}`).to.equal(
          placed.length,
        );
        orders += placed.length;
      }
      expect(orders).to.equal(ordersOf(report).reduce((a, b) => a + b, 0));
      expect(report.run.ordersSkipped).to.deep.equal({});
    });

    it("trades and adds up", function () {
      expect(report.totals.tradedWh).to.be.above(0);
      const failed = report.ledger.filter((c) => !c.ok);
      expect(failed, failed.map((c) => `${c.name}: ${c.detail}`).join("; ")).to.deep.equal([]);
    });
  });

  it("reports the orders the router refused, with their reasons, and still adds up", async function () {
    // 0.01 of deposit locks less than a minimum order: the buys are skipped for insufficient balance.
    const report = await simulate(chain, smallDay(100, "0.01"));
    const skipped = report.slots.flatMap((s) => s.ordersSkipped);
    expect(skipped.length).to.be.above(0);
    expect(report.run.ordersSkipped.MarketInsufficientBalance).to.equal(
      skipped.filter((o) => o.reason.startsWith("MarketInsufficientBalance(")).length,
    );
    expect(skipped[0]!.reason).to.match(/^MarketInsufficientBalance\(account=0x[0-9a-fA-F]{40}, /);
    expect(formatSummary(report)).to.match(
      /\d+ skipped by the router \(\d+ MarketInsufficientBalance/,
    );
    const failed = report.ledger.filter((c) => !c.ok);
    expect(failed, failed.map((c) => `${c.name}: ${c.detail}`).join("; ")).to.deep.equal([]);
  });

  it("keeps the direct flow: each household sends and pays for its own orders", async function () {
    const report = await simulate(chain, smallDay(100, "20", { orders: "direct" }));
    expect(report.run.orderFlow).to.equal("direct");
    expect(roleOf(report, "household")?.transactions).to.be.above(0);
    expect(roleOf(report, "aggregator")).to.equal(undefined);
    expect(report.actions.find((a) => a.action === "placeOrder")?.transactions).to.be.above(0);
  });
});
