/**
 * Gas of the market's operations (printed), with the hard limits asserted: a full slot clears and settles
 * in one transaction each with at least 10 % to spare, in the costliest shapes of book, both at the cap
 * with EnergyCertificates bound as settlement hook and at the cap of a market without hook. The
 * measurements live in bench/marketSection.ts and feed the benchmark's tables (gas/GAS.md).
 * GRIDLEDGER_GAS_FULL_SLOT=0 skips the 1,000-order slots (the cap without hook).
 */
import { expect } from "chai";
import { network } from "hardhat";

import {
  marketCaps,
  measureOrderOperations,
  measureScaling,
  measureWorstCase,
  type WorstCaseShape,
} from "../bench/marketSection.js";
import { REQUIRED_MARGIN, TRANSACTION_GAS_CAP } from "../bench/types.js";

const connection = await network.create();
const fullSlot = process.env.GRIDLEDGER_GAS_FULL_SLOT !== "0";
const limit = Math.floor(TRANSACTION_GAS_CAP * (1 - REQUIRED_MARGIN));
const shapes: WorstCaseShape[] = ["sellerCrowd", "buyerCrowd", "halfAndHalf"];

describe("EnergyMarket gas", function () {
  it("measures placing and cancelling orders on a cold and a warm ring, deposits and withdrawals", async function () {
    const figures = await measureOrderOperations(connection);
    for (const f of figures)
      console.log(
        `      ${f.key.padEnd(28)} ${String(f.gas).padStart(8)}  (target ${f.target ?? "-"})`,
      );
    for (const f of figures) expect(f.gas).to.be.lessThan(TRANSACTION_GAS_CAP);
    const gas = Object.fromEntries(figures.map((f) => [f.key, f.gas]));
    // Reusing the ring's words is what makes the steady state cheap.
    expect(gas["market.place.later.warm"]).to.be.lessThan(gas["market.place.later.cold"]);
  });

  it("has a cap with hook below the cap without", async function () {
    const caps = await marketCaps(connection);
    expect(caps.withHook).to.be.greaterThan(0);
    expect(caps.withHook).to.be.lessThan(caps.withoutHook);
  });

  it("clears and settles slots of 10 and 100 orders, and a full slot, in one transaction each", async function () {
    const caps = await marketCaps(connection);
    const sizes = fullSlot ? [10, 100, caps.withoutHook] : [10, 100];
    const rows = await measureScaling(connection, sizes, "none", BigInt(caps.withoutHook));
    rows.push(...(await measureScaling(connection, [caps.withHook], "certificates")));
    for (const r of rows) {
      console.log(
        `      ${String(r.orders).padStart(5)} orders: clear ${r.clearGas} (${r.clearGasPerOrder}/order), ` +
          `settle ${r.settleGas} (${r.settleGasPerSellOrder}/sell order)`,
      );
      expect(r.fitsOneTransaction, `${r.orders} orders fit one transaction`).to.equal(true);
    }
  });

  it("settles the costliest full slot with the certificates hook with 10 % to spare", async function () {
    const { withHook } = await marketCaps(connection);
    for (const shape of shapes) {
      const r = await measureWorstCase(connection, withHook, shape, "certificates");
      console.log(
        `      ${withHook} orders, ${shape}, certificates: clear ${r.clearGas}, settle ${r.settleGas}`,
      );
      expect(r.clearGas).to.be.at.most(limit);
      expect(r.settleGas).to.be.at.most(limit);
    }
  });

  it("clears and settles the costliest full slot without hook with 10 % to spare", async function () {
    const { withoutHook } = await marketCaps(connection);
    const orders = fullSlot ? withoutHook : 100;
    for (const shape of shapes) {
      const r = await measureWorstCase(connection, orders, shape, "none", BigInt(withoutHook));
      console.log(
        `      ${orders} orders, ${shape}, no hook: clear ${r.clearGas}, settle ${r.settleGas}`,
      );
      expect(r.clearGas).to.be.at.most(limit);
      expect(r.settleGas).to.be.at.most(limit);
    }
  });
});
