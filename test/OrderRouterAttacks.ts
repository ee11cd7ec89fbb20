/**
 * OrderRouter attacks seen from outside (the Solidity ones are in OrderRouterAttacks.t.sol): the admin's
 * reach over the router, a household finding its relayed order id from the logs alone, and a front-runner
 * replaying a relayer's pending batch.
 */
import { expect } from "chai";
import { network } from "hardhat";

import type { OrderRouter } from "../typechain-types/index.js";
import { Side, deployMarket, latestTime, openSlot } from "../fixtures/market.js";
import { orderDomain, signOrder, type OrderValues } from "../scripts/lib/orders.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;

async function attackFixture() {
  const f = await deployMarket(connection);
  const router = (await ethers.getContractAt(
    "OrderRouter",
    await f.market.orderRouter(),
  )) as unknown as OrderRouter;
  const domain = orderDomain(
    await router.getAddress(),
    (await ethers.provider.getNetwork()).chainId,
  );
  const slot = await openSlot(f.market);
  const expiry = (await latestTime(f)) + 3_600n;
  const [relayer] = await ethers.getSigners();
  return { ...f, router, domain, slot, expiry, relayer };
}

function buy(
  trader: string,
  slot: bigint,
  nonce: bigint,
  expiry: bigint,
  limitPrice = 10n,
): OrderValues {
  return {
    trader,
    slot,
    side: Side.Buy,
    quantityWh: 100n,
    limitPrice,
    meter: ethers.ZeroAddress,
    nonce,
    expiry,
  };
}

describe("OrderRouter attacks", function () {
  describe("the admin", function () {
    it("has no function that changes the router or places, cancels or moves nonces for someone else", async function () {
      const f = await networkHelpers.loadFixture(attackFixture);
      const writes = f.market.interface.fragments
        .filter((fragment) => fragment.type === "function")
        .map((fragment) => fragment as unknown as { name: string; stateMutability: string })
        .filter((fn) => fn.stateMutability !== "view" && fn.stateMutability !== "pure")
        .map((fn) => fn.name)
        .sort();
      // Every state-changing entry of the market; a new one (say setOrderRouter) must be reviewed here.
      expect(writes).to.deep.equal(
        [
          "advanceNonce",
          "cancelOrder",
          "clear",
          "deposit",
          "depositFor",
          "grantRole",
          "placeOrder",
          "placeOrderFor",
          "renounceRole",
          "revokeRole",
          "setGridOperatorAccount",
          "setParams",
          "setSettlementHook",
          "settle",
          "withdraw",
        ].sort(),
      );
      await expect(
        f.market.connect(f.admin).advanceNonce(f.alice.address, 0n, 9n),
      ).to.be.revertedWithCustomError(f.market, "MarketNotRouter");
    });
  });

  describe("finding a relayed order", function () {
    it("lets the household find its order id from OrderPlaced filtered by its account and cancel it", async function () {
      const f = await networkHelpers.loadFixture(attackFixture);
      const mine = await signOrder(f.alice, f.domain, buy(f.alice.address, f.slot, 0n, f.expiry));
      const theirs = await signOrder(
        f.bob,
        f.domain,
        buy(f.bob.address, f.slot, 0n, f.expiry, 11n),
      );
      const returned = await f.router
        .connect(f.relayer)
        .placeSignedOrders.staticCall([theirs, mine]);
      await (await f.router.connect(f.relayer).placeSignedOrders([theirs, mine])).wait();
      // The household never sees the relayer's return value: it reads the logs, by its own address.
      const logs = await f.market.queryFilter(
        f.market.filters.OrderPlaced(undefined, f.alice.address),
      );
      expect(logs.map((log) => log.args.orderId)).to.deep.equal([returned[1]]);
      expect(logs[0].args.limitPrice).to.equal(10n);
      await expect(f.market.connect(f.alice).cancelOrder(logs[0].args.orderId)).to.emit(
        f.market,
        "OrderCancelled",
      );
    });
  });

  describe("a front-runner", function () {
    it("who replays a relayer's batch first only places the same orders for the same traders", async function () {
      const f = await networkHelpers.loadFixture(attackFixture);
      const batch = [
        await signOrder(f.alice, f.domain, buy(f.alice.address, f.slot, 0n, f.expiry)),
        await signOrder(f.bob, f.domain, buy(f.bob.address, f.slot, 0n, f.expiry)),
      ];
      await (await f.router.connect(f.carol).placeSignedOrders(batch)).wait();
      const replayed = await (await f.router.connect(f.relayer).placeSignedOrders(batch)).wait();
      const skipped = replayed!.logs
        .map((log) => f.router.interface.parseLog(log))
        .filter((parsed) => parsed?.name === "SignedOrderSkipped");
      expect(skipped.map((s) => s!.args.nonceConsumed)).to.deep.equal([false, false]);
      expect(await f.market.nonceOf(f.alice.address)).to.equal(1n);
      expect((await f.market.balanceOf(f.carol.address)).locked).to.equal(0n);
    });
  });
});
