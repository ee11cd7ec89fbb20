/**
 * Gas of the market's operations (printed), with the hard limits asserted: a full slot of the cap's
 * 1,000 orders clears and settles in one transaction each. The figures feed the benchmark's gas table.
 */
import { expect } from "chai";
import { network } from "hardhat";

import { TRANSACTION_GAS_CAP } from "../bench/types.js";
import { measureOrderOperations, measureScaling } from "./helpers/marketGas.js";

const connection = await network.create();
const fullSlot = process.env.GRIDLEDGER_GAS_FULL_SLOT !== "0";

describe("EnergyMarket gas", function () {
  it("measures placing and cancelling orders on a cold and a warm ring", async function () {
    const figures = await measureOrderOperations(connection);
    for (const f of figures) console.log(`      ${f.key.padEnd(28)} ${String(f.gas).padStart(8)}  (target ${f.target})`);
    for (const f of figures) expect(f.gas).to.be.lessThan(TRANSACTION_GAS_CAP);
  });

  it("clears and settles slots of 10 and 100 orders, and a full slot of 1,000 in one transaction each", async function () {
    const sizes = fullSlot ? [10, 100, 1000] : [10, 100];
    const rows = await measureScaling(connection, sizes);
    for (const r of rows) {
      console.log(
        `      ${String(r.orders).padStart(5)} orders: clear ${r.clearGas} (${r.clearGasPerOrder}/order), ` +
          `settle ${r.settleGas} (${r.settleGasPerSellOrder}/sell order)`,
      );
    }
    for (const r of rows) expect(r.fitsOneTransaction, `${r.orders} orders fit one transaction`).to.equal(true);
  });
});
