/**
 * The auditor's money reconstruction (scripts/audit/money.ts) end to end on the in-process network: a slot
 * with a partly filled tie, an evicted and a cancelled order, a shortfall with a capped penalty, deposits
 * and a withdrawal; the admin changes the grid operator account after the clearing (the slot keeps paying
 * the old one, a later slot traded under the new one pays the new one); then the ring reuses the slot's
 * position, so the market's views of its orders are gone, and each order's money is read back from the
 * events alone and every balance reconciled with balanceOf.
 */
import { expect } from "chai";
import hre, { network } from "hardhat";

import { runAudit, type AuditReport } from "../../scripts/audit/audit.js";
import { collect } from "../../scripts/audit/collect.js";
import { reconcile } from "../../scripts/audit/reconcile.js";
import type { AuditData } from "../../scripts/audit/types.js";
import type { EnergyCertificates } from "../../typechain-types/index.js";
import {
  Side,
  advanceTo,
  deployMarket,
  place,
  submitReading,
  type MarketFixture,
} from "../../fixtures/market.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const { time } = networkHelpers;
const timeTo = async (t: bigint) => {
  await time.increaseTo(t);
};
const RING = 256n;

interface Run {
  f: MarketFixture;
  certificates: EnergyCertificates;
  fromBlock: number;
  slot: bigint;
  ids: { daveBuy: bigint; traderBuy: bigint; aliceSell: bigint; bobSell: bigint; evicted: bigint };
  cancelled: bigint;
  clearTx: string;
  settleTx: string;
  /** The grid operator account scheduled after the clearing, and the slot from which it applies. */
  newGridAccount: string;
  laterSlot: bigint;
}

/** The trading run described above; returns the ids and the settlement's transaction. */
async function tradingRun(): Promise<Run> {
  const fromBlock = await ethers.provider.getBlockNumber();
  // Two orders a side, so that a third bid evicts the worst one.
  const f = await deployMarket(connection, { maxOrdersPerSlot: 4n, traders: 1 });
  const certificates = (await ethers.deployContract("EnergyCertificates", [
    await f.registry.getAddress(),
    f.admin.address,
    "",
  ])) as unknown as EnergyCertificates;
  await (await f.market.setSettlementHook(await certificates.getAddress())).wait();
  await (await certificates.bindMarket(await f.market.getAddress())).wait();
  const trader = f.traders[0];

  const slot = (await f.market.currentSlot()) + 2n;
  const aliceSell = await place(f.market, f.alice, slot, Side.Sell, 60n, 4n, f.meterAlice.address);
  const bobSell = await place(f.market, f.bob, slot, Side.Sell, 60n, 4n, f.meterBob.address);
  const evicted = await place(f.market, f.carol, slot, Side.Buy, 50n, 3n);
  const daveBuy = await place(f.market, f.dave, slot, Side.Buy, 100n, 10n);
  // Carol's bid at 3 is the worst: the trader's at 5 evicts it and takes its id.
  const traderBuy = await place(f.market, trader, slot, Side.Buy, 10n, 5n);
  const cancelled = await place(f.market, f.alice, slot + 1n, Side.Buy, 20n, 6n);
  await (await f.market.connect(f.alice).cancelOrder(cancelled)).wait();

  // D(5) = 110 = Q, a* = 4, b* = 5, P = 4; the two asks tie at a* and share 110 Wh: 55 each.
  await time.increaseTo(await f.market.gateClosureOf(slot));
  const clear = await (await f.market.clear(slot)).wait();
  // A change of the grid operator account after the clearing: the slot still pays the old account.
  const newGridAccount = ethers.Wallet.createRandom().address;
  const laterSlot = (await f.market.lastOpenSlot()) + 1n;
  await (await f.market.setGridOperatorAccount(newGridAccount)).wait();
  await submitReading(f, timeTo, f.meterAlice, slot, 55n);
  // Bob's meter exports 30 of 55: 25 Wh short, penalty min(25 x 5, 55 x 2) = 110, the cap.
  await submitReading(f, timeTo, f.meterBob, slot, 30n);
  await time.increaseTo(await f.market.readingWindowEnd(slot));
  const settle = await (await f.market.settle(slot)).wait();
  await (await f.market.connect(f.dave).withdraw(1_000n)).wait();
  await (await certificates.certifySellers(slot, 10)).wait();
  await (await certificates.claimBuyers(slot, 10)).wait();
  await laterShortfall(f, laterSlot);

  // Let the ring reuse the slot's position: slot + RING opens once the current slot is within the horizon.
  const horizon = await f.market.horizonSlots();
  await time.increaseTo(await f.market.gateClosureOf(slot + RING - horizon + 1n));
  await place(f.market, f.carol, slot + RING, Side.Buy, 10n, 1n);
  return {
    f,
    certificates,
    fromBlock,
    slot,
    ids: { daveBuy, traderBuy, aliceSell, bobSell, evicted },
    cancelled,
    clearTx: clear!.hash,
    settleTx: settle!.hash,
    newGridAccount,
    laterSlot,
  };
}

/** From the new account's activation slot: alice sells 10 Wh at 4 to dave and her meter reports nothing,
 * so the grid gets P x 10 + the capped penalty min(10 x 5, 10 x 2) = 20. */
async function laterShortfall(f: MarketFixture, laterSlot: bigint): Promise<void> {
  // Open for trading since the slot after the change: the run above is later already.
  await advanceTo(f, time, await f.registry.slotStart(laterSlot - (await f.market.horizonSlots())));
  await place(f.market, f.alice, laterSlot, Side.Sell, 10n, 4n, f.meterAlice.address);
  await place(f.market, f.dave, laterSlot, Side.Buy, 10n, 4n);
  await time.increaseTo(await f.market.gateClosureOf(laterSlot));
  await (await f.market.clear(laterSlot)).wait();
  await time.increaseTo(await f.market.readingWindowEnd(laterSlot));
  await (await f.market.settle(laterSlot)).wait();
}

describe("auditor: every order's money from the market's events", function () {
  let run: Run;
  let report: AuditReport;
  const optionsOf = (r: Run) => ({
    provider: ethers.provider,
    registry: r.f.registry.target as string,
    market: r.f.market.target as string,
    certificates: r.certificates.target as string,
    fromBlock: r.fromBlock,
  });

  before(async function () {
    // Coverage instruments the contracts beyond the ring's time travel budget; the plain run decides.
    if (hre.globalOptions.coverage === true) this.skip();
    run = await tradingRun();
    ({ report } = await runAudit(optionsOf(run)));
  });

  it("runs after the ring has reused the slot's position, where the market's views of it revert", async function () {
    await expect(run.f.market.orderOf(run.ids.bobSell))
      .to.be.revertedWithCustomError(run.f.market, "MarketSlotRecycled")
      .withArgs(run.slot, run.slot + RING);
    expect((await run.f.market.slotInfo(run.slot + RING)).buyOrders).to.equal(1n);
  });

  it("reports no violation and the money check passing", function () {
    expect(
      report.violations,
      report.violations.map((v) => `${v.rule}: ${v.message}`).join("; "),
    ).to.deep.equal([]);
    const money = report.checks.find((c) => c.name.includes("follow from the market's events"));
    expect(money?.status).to.equal("pass");
  });

  it("reconstructs each order's lock, fill, payment, delivery and penalty", function () {
    const row = (id: bigint) => {
      const found = report.orders.filter((o) => o.orderId === id.toString());
      expect(found, `one row for order ${id}`).to.have.length.at.least(1);
      return found[found.length - 1];
    };
    const dave = row(run.ids.daveBuy);
    expect([dave.status, dave.locked, dave.fillWh, dave.paid, dave.released]).to.deep.equal([
      "cleared",
      "1000",
      "100",
      String(4n * 100n),
      String(1000n - 400n),
    ]);
    // The trader's order took the evicted one's id.
    expect(run.ids.traderBuy).to.equal(run.ids.evicted);
    const evicted = report.orders.filter((o) => o.orderId === run.ids.evicted.toString());
    expect(evicted.map((o) => [o.status, o.account, o.released, o.fillWh])).to.deep.equal([
      ["evicted", run.f.carol.address.toLowerCase(), "150", "0"],
      ["cleared", run.f.traders[0].address.toLowerCase(), "10", "10"],
    ]);
    const bob = row(run.ids.bobSell);
    expect([
      bob.status,
      bob.locked,
      bob.fillWh,
      bob.released,
      bob.deliveredWh,
      bob.payment,
      bob.penalty,
    ]).to.deep.equal(["settled", "120", "55", "10", "30", "120", "110"]);
    const alice = row(run.ids.aliceSell);
    expect([alice.fillWh, alice.deliveredWh, alice.payment, alice.penalty]).to.deep.equal([
      "55",
      "55",
      "220",
      "0",
    ]);
    const cancelled = row(run.cancelled);
    expect([cancelled.status, cancelled.released]).to.deep.equal(["cancelled", "120"]);
  });

  it("gives every account the free and locked balance the market holds", async function () {
    expect(report.accounts.length).to.be.above(5);
    for (const a of report.accounts) {
      const [free, locked] = await run.f.market.balanceOf(String(a.account));
      expect([a.free, a.locked], String(a.account)).to.deep.equal([String(free), String(locked)]);
    }
    const grid = report.accounts.find((a) => a.account === run.f.gridAccount.address.toLowerCase());
    // P x shortfall + the capped penalty, though the account was changed before the slot settled.
    expect(grid?.free).to.equal(String(4n * 25n + 110n));
  });

  it("credits each slot's grid share to the account in effect for that slot", async function () {
    expect(await run.f.market.gridOperatorAccountOf(run.slot + RING)).to.equal(run.newGridAccount);
    const grid = report.accounts.find((a) => a.account === run.newGridAccount.toLowerCase());
    // The later slot: P = 4, 10 Wh short, penalty min(10 x 5, 10 x 2) = 20.
    expect(grid?.free).to.equal(String(4n * 10n + 20n));
    const [free] = await run.f.market.balanceOf(run.newGridAccount);
    expect(free).to.equal(4n * 10n + 20n);
  });

  it("reports a settlement missing from the logs as violations on its transaction", async function () {
    const data: AuditData = await collect(ethers.provider, 31337n, {
      ...optionsOf(run),
      toBlock: await ethers.provider.getBlockNumber(),
      pageSize: 2000,
    });
    const bobSettled = (e: AuditData["money"]["events"][number]) =>
      e.name === "SellOrderSettled" && e.args.orderId === run.ids.bobSell;
    expect(data.money.events.filter(bobSettled)).to.have.length(1);
    data.money.events = data.money.events.filter((e) => !bobSettled(e));
    const { violations } = reconcile(data);
    const found = violations.filter((x) => x.rule === "money" || x.rule === "balance");
    // The settlement's own inconsistency and the grid operator's balance on the settlement; bob's balance
    // on the last transaction the remaining events show for him, the clearing.
    expect(found.filter((v) => v.rule === "money").map((v) => v.tx)).to.include(run.settleTx);
    const balances = found.filter((v) => v.rule === "balance");
    expect(balances.map((v) => v.message.split(":")[0]).sort()).to.deep.equal(
      [run.f.bob.address, run.f.gridAccount.address].map((a) => a.toLowerCase()).sort(),
    );
    for (const v of balances)
      expect(v.tx, v.message).to.equal(
        v.message.startsWith(run.f.bob.address.toLowerCase()) ? run.clearTx : run.settleTx,
      );
  });

  it("skips the money check when the range starts after the market's deployment", async function () {
    const { report: late } = await runAudit({ ...optionsOf(run), fromBlock: run.fromBlock + 20 });
    const money = late.checks.find((c) => c.name.includes("follow from the market's events"));
    expect(money?.status).to.equal("skipped");
  });
});
