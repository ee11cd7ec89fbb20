/**
 * Gas of the market's operations (printed), with the hard limits asserted: a full slot (the maximum cap,
 * 700 orders) clears and settles in one transaction each, in the costliest
 * shape of book, settlement hook included. The figures feed the benchmark's gas table.
 * GRIDLEDGER_GAS_FULL_SLOT=0 runs the small sizes only.
 */
import { expect } from "chai";
import { network } from "hardhat";

import { TRANSACTION_GAS_CAP } from "../bench/types.js";
import { Side } from "./helpers/market.js";
import {
  measureOrderOperations,
  measureScaling,
  measureWorstCaseClear,
} from "./helpers/marketGas.js";

const connection = await network.create();
const fullSlot = process.env.GRIDLEDGER_GAS_FULL_SLOT !== "0";

describe("EnergyMarket gas", function () {
  it("measures placing and cancelling orders on a cold and a warm ring", async function () {
    const figures = await measureOrderOperations(connection);
    for (const f of figures)
      console.log(`      ${f.key.padEnd(28)} ${String(f.gas).padStart(8)}  (target ${f.target})`);
    for (const f of figures) expect(f.gas).to.be.lessThan(TRANSACTION_GAS_CAP);
  });

  it("clears and settles slots of 10, 100 and 700 orders in one transaction each", async function () {
    const sizes = fullSlot ? [10, 100, 700] : [10, 100];
    const rows = await measureScaling(connection, sizes);
    for (const r of rows) {
      console.log(
        `      ${String(r.orders).padStart(5)} orders: clear ${r.clearGas} (${r.clearGasPerOrder}/order), ` +
          `settle ${r.settleGas} (${r.settleGasPerSellOrder}/sell order)`,
      );
    }
    for (const r of rows)
      expect(r.fitsOneTransaction, `${r.orders} orders fit one transaction`).to.equal(true);
  });

  it("clears and settles the costliest full slot in one transaction each (every order marginal, hook set)", async function () {
    const orders = fullSlot ? 700 : 100;
    for (const side of [Side.Buy, Side.Sell]) {
      const { clearGas, settleGas } = await measureWorstCaseClear(connection, orders, side, true);
      console.log(
        `      ${orders} orders, crowd of ${Side[side]}s at one price: clear ${clearGas}, settle ${settleGas}`,
      );
      expect(clearGas).to.be.lessThan(BigInt(TRANSACTION_GAS_CAP));
      // Leave room for the hook's own work.
      expect(settleGas).to.be.lessThan((BigInt(TRANSACTION_GAS_CAP) * 80n) / 100n);
    }
  });
});
