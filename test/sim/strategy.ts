import { expect } from "chai";
import { Rng } from "../../scripts/lib/prng.js";
import { createStrategy, registerStrategy, type BidContext } from "../../scripts/strategy/index.js";
import { LinearStrategy, priceInBand } from "../../scripts/strategy/linear.js";
import { expectClose, expectWithin } from "../helpers/approx.js";

function context(forecastNetWh: number, overrides: Partial<BidContext> = {}): BidContext {
  return {
    household: 1,
    slot: 0,
    forecastNetWh,
    canSell: true,
    retailPerWh: 320n,
    feedInPerWh: 80n,
    rng: new Rng("strategy"),
    ...overrides,
  };
}

describe("strategy: linear (default)", function () {
  const strategy = new LinearStrategy();

  it("sells a forecast surplus and buys a forecast deficit", function () {
    const [sell] = strategy.bid(context(1000));
    expect(sell!.side).to.equal("sell");
    expect(sell!.quantityWh).to.equal(900n); // sellShare 0.9
    const [buy] = strategy.bid(context(-500));
    expect(buy!.side).to.equal("buy");
    expect(buy!.quantityWh).to.equal(500n);
  });

  it("always prices between the feed-in and the retail tariff", function () {
    const rng = new Rng("band");
    for (let i = 0; i < 500; i++) {
      const [order] = strategy.bid(context(rng.uniform(-3000, 3000), { rng }));
      if (!order) continue;
      expectWithin(order.limitPricePerWh, 80n, 320n);
    }
  });

  it("bids buyers above sellers on average, so orders cross", function () {
    const rng = new Rng("cross");
    const asks = Array.from(
      { length: 200 },
      () => strategy.bid(context(1000, { rng }))[0]!.limitPricePerWh,
    );
    const bids = Array.from(
      { length: 200 },
      () => strategy.bid(context(-1000, { rng }))[0]!.limitPricePerWh,
    );
    const mean = (xs: bigint[]) => Number(xs.reduce((a, b) => a + b, 0n)) / xs.length;
    expectClose(mean(bids) - mean(asks), 0.3 * 240, 10);
  });

  it("places no dust orders and does not sell without a generation meter", function () {
    expect(strategy.bid(context(5))).to.deep.equal([]);
    expect(strategy.bid(context(1000, { canSell: false }))).to.deep.equal([]);
  });

  it("computes prices in the band exactly at the ends", function () {
    expect(priceInBand(80n, 320n, 0)).to.equal(80n);
    expect(priceInBand(80n, 320n, 1)).to.equal(320n);
    expect(priceInBand(80n, 320n, 2)).to.equal(320n);
    expect(priceInBand(80n, 320n, 0.5)).to.equal(200n);
  });
});

describe("strategy registry", function () {
  it("creates strategies by name with options and refuses unknown names", function () {
    expect(createStrategy("reservation").bid(context(1000))[0]!.limitPricePerWh).to.equal(80n);
    expect(createStrategy("idle").bid(context(1000))).to.deep.equal([]);
    expect(() => createStrategy("nope")).to.throw(
      /scenario\.strategy\.name: unknown strategy "nope"/,
    );
  });

  it("accepts a plugged-in strategy", function () {
    registerStrategy("always-sell-10", () => ({
      name: "always-sell-10",
      bid: (ctx) => [{ side: "sell", quantityWh: 10n, limitPricePerWh: ctx.feedInPerWh }],
    }));
    expect(createStrategy("always-sell-10").bid(context(0))).to.have.lengthOf(1);
  });
});
