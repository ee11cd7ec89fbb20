/**
 * Gas of the OrderRouter (printed; figures in bench/routerSection.ts, which feeds gas/GAS.md): a signed
 * order in a batch of 100 costs less than the same order sent alone from the trader's account, and
 * placeOrders less per order than placeOrder. The targets (20,000 a buy, 22,000 a sell) are
 * printed beside the figures; see gas/GAS.md for where the gas goes.
 */
import { expect } from "chai";
import { network } from "hardhat";

import { measureOrderOperations } from "../bench/marketSection.js";
import { measureSignedOrders } from "../bench/routerSection.js";

const connection = await network.create();

describe("OrderRouter gas", function () {
  it("makes a signed order in a batch of 100, and placeOrders, cheaper per order than placeOrder alone", async function () {
    const signed = Object.fromEntries(
      (await measureSignedOrders(connection)).map((f) => [f.key, f]),
    );
    for (const f of Object.values(signed))
      console.log(
        `      ${f.key.padEnd(30)} ${String(f.gas).padStart(8)}  (target ${f.target ?? "-"})`,
      );
    const market = Object.fromEntries(
      (await measureOrderOperations(connection)).map((f) => [f.key, f.gas]),
    );
    expect(signed["router.signed.buy.warm"].gas).to.be.lessThan(market["market.place.later.warm"]);
    expect(signed["router.signed.sell.warm"].gas).to.be.lessThan(market["market.place.sell.warm"]);
    expect(signed["router.placeOrders.warm"].gas).to.be.lessThan(
      market["market.place.later.warm"] - 21_000,
    );
    // Reusing the ring's words is what makes the steady state cheap, in a batch too.
    expect(signed["router.signed.buy.warm"].gas).to.be.lessThan(
      signed["router.signed.buy.cold"].gas,
    );
  });
});
