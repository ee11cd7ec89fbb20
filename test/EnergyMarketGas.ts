/**
 * Gas of the market's operations (printed), with the hard limits asserted: every transaction of the
 * costliest slots (clear, settle, each certifySellers page, each claimBuyers page in the recommended
 * lengths) stays at least 10 % under the per-transaction cap, with 1 and with 4 renewable sources. The
 * measurements live in bench/slotSection.ts, bench/marketSection.ts and bench/evictionSection.ts and feed
 * gas/GAS.md. A placement on a full side of 500 (the eviction scan, and a cancelled index reused) is
 * measured at its worst and held to the same margin.
 * Slots of 100 orders by default; GRIDLEDGER_GAS_FULL_SLOT=1 runs the full slots of 1,000 orders too
 * (a few minutes; `npm run bench:gas` measures them for GAS.md and CI's gas guard).
 */
import { expect } from "chai";
import { network } from "hardhat";

import { measureFullSide } from "../bench/evictionSection.js";
import { measureOrderOperations } from "../bench/marketSection.js";
import { GAS_LIMIT_WITH_MARGIN, SHAPES, measureSlot, type Sources } from "../bench/slotSection.js";
import { TRANSACTION_GAS_CAP, worstOf } from "../bench/types.js";

const connection = await network.create();
const sizes = process.env.GRIDLEDGER_GAS_FULL_SLOT === "1" ? [100, 1_000] : [100];

describe("EnergyMarket gas", function () {
  it("measures placing and cancelling orders on a cold and a warm ring, deposits and withdrawals", async function () {
    const figures = await measureOrderOperations(connection);
    for (const f of figures)
      console.log(
        `      ${f.key.padEnd(34)} ${String(f.gas).padStart(8)}  (target ${f.target ?? "-"})`,
      );
    for (const f of figures) expect(f.gas).to.be.lessThan(TRANSACTION_GAS_CAP);
    const gas = Object.fromEntries(figures.map((f) => [f.key, f.gas]));
    // Reusing the ring's words is what makes the steady state cheap.
    expect(gas["market.place.later.warm"]).to.be.lessThan(gas["market.place.later.cold"]);
    // Asking the certificates whether they hold the old slot (holdsRingPosition) costs a view call, not a new word.
    expect(gas["market.place.first.warm.certified"]).to.be.lessThan(gas["market.place.first.cold"]);
  });

  it("keeps a placement on a full side of 500 (evicting the last index, or reusing a cancelled one) 10 % under the cap", async function () {
    const figures = await measureFullSide(connection);
    expect(figures).to.have.length(4);
    for (const f of figures) {
      console.log(`      ${f.key.padEnd(40)} ${String(f.gas).padStart(9)}`);
      expect(f.gas).to.be.at.most(GAS_LIMIT_WITH_MARGIN);
    }
    const gas = Object.fromEntries(figures.map((f) => [f.key, f.gas]));
    // Evicting also refunds the evicted owner (a cold account word) and emits OrderEvicted.
    expect(gas["market.place.evict.buy.side500"]).to.be.greaterThan(
      gas["market.place.reuseCancelled.buy.side500"],
    );
    expect(gas["market.place.evict.sell.side500"]).to.be.greaterThan(
      gas["market.place.reuseCancelled.sell.side500"],
    );
  });

  for (const orders of sizes) {
    for (const shape of SHAPES) {
      it(`clears and settles ${orders} orders (${shape}) the same with and without certificates`, async function () {
        const alone = await measureSlot(connection, {
          orders,
          shape,
          sources: 1,
          certificates: false,
        });
        const bound = await measureSlot(connection, {
          orders,
          shape,
          sources: 1,
          certificates: true,
        });
        // Settlement pays money only: binding the certificates adds nothing to clear or settle.
        expect(bound.row.clearGas).to.equal(alone.row.clearGas);
        expect(bound.row.settleGas).to.equal(alone.row.settleGas);
        expect(worstOf(alone.row)).to.be.at.most(GAS_LIMIT_WITH_MARGIN);
      });

      for (const sources of [1, 4] as Sources[]) {
        it(`keeps every transaction of ${orders} orders (${shape}, ${sources} source(s)) 10 % under the cap`, async function () {
          const { row } = await measureSlot(connection, {
            orders,
            shape,
            sources,
            certificates: true,
          });
          console.log(
            `      clear ${row.clearGas}, settle ${row.settleGas}, certifySellers ${row.sellPages!.join(
              " ",
            )}, claimBuyers ${row.buyPages!.join(" ")}`,
          );
          expect(row.sellPages!.length).to.equal(Math.ceil(row.sellOrders / row.sellPageOrders!));
          expect(row.buyPages!.length).to.equal(Math.ceil(row.buyOrders / row.buyPageOrders!));
          expect(worstOf(row)).to.be.at.most(GAS_LIMIT_WITH_MARGIN);
        });
      }
    }
  }
});
