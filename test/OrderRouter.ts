/**
 * OrderRouter: signed orders relayed in batches (EIP-712, low s, ERC-1271), the nonce rules, and placeOrders
 * for one account. Attacks: forged and malleable signatures, replays (same batch, later batch, other chain,
 * other market), skipping ahead of a nonce, burning a nonce with too little gas, cancelling someone else's
 * relayed order.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { Signature, type TypedDataDomain } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

import type { EnergyMarket, MockERC1271Wallet, OrderRouter } from "../typechain-types/index.js";
import {
  DEPOSIT,
  MIN_ORDER_WH,
  Side,
  deployMarket,
  latestTime,
  openSlot,
} from "../fixtures/market.js";
import {
  ORDER_TYPE,
  orderDigest,
  orderDomain,
  signOrder,
  type OrderValues,
  type SignedOrder,
} from "../scripts/lib/orders.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const ZERO = ethers.ZeroAddress;
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

async function routerFixture() {
  const f = await deployMarket(connection);
  const router = (await ethers.getContractAt(
    "OrderRouter",
    await f.market.orderRouter(),
  )) as unknown as OrderRouter;
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const domain = orderDomain(await router.getAddress(), chainId);
  const slot = await openSlot(f.market);
  const expiry = (await latestTime(f)) + 3_600n;
  const [relayer] = await ethers.getSigners();
  return { ...f, router, domain, slot, expiry, relayer };
}
type RouterFixture = Awaited<ReturnType<typeof routerFixture>>;

/** A market with the largest cap (500 orders a side) and a full buy side of `f.slot` (bob's, at limit 10). */
async function fullSideFixture() {
  const f = await routerFixture();
  const deployed = await deployMarket(connection, { maxOrdersPerSlot: 1_000n });
  const router = (await ethers.getContractAt(
    "OrderRouter",
    await deployed.market.orderRouter(),
  )) as unknown as OrderRouter;
  const g = {
    ...f,
    ...deployed,
    router,
    domain: orderDomain(await router.getAddress(), BigInt(f.domain.chainId!)),
  };
  const order = { slot: g.slot, side: Side.Buy, quantityWh: 100n, limitPrice: 10n, meter: ZERO };
  for (let batch = 0; batch < 5; ++batch)
    await (
      await router.connect(g.bob).placeOrders(Array(100).fill(order), { gasLimit: 15_000_000n })
    ).wait();
  return g;
}

function buyOf(f: RouterFixture, trader: string, nonce: bigint, quantityWh = 100n): OrderValues {
  return {
    trader,
    slot: f.slot,
    side: Side.Buy,
    quantityWh,
    limitPrice: 10n,
    meter: ZERO,
    nonce,
    expiry: f.expiry,
  };
}

async function signedBuy(
  f: RouterFixture,
  trader: HardhatEthersSigner,
  nonce: bigint,
  quantityWh = 100n,
) {
  return signOrder(trader, f.domain, buyOf(f, trader.address, nonce, quantityWh));
}

interface BatchOutcome {
  placed: { orderId: bigint; account: string }[];
  skipped: {
    orderHash: string;
    trader: string;
    nonce: bigint;
    nonceConsumed: boolean;
    reason: string;
  }[];
}

/** Submits `orders` from the relayer and returns what was placed (OrderPlaced) and skipped. */
async function relay(
  f: RouterFixture,
  orders: SignedOrder[],
  relayer = f.relayer,
): Promise<BatchOutcome> {
  const receipt = await (await f.router.connect(relayer).placeSignedOrders(orders)).wait();
  const outcome: BatchOutcome = { placed: [], skipped: [] };
  for (const log of receipt!.logs) {
    const placed = f.market.interface.parseLog(log);
    if (placed?.name === "OrderPlaced")
      outcome.placed.push({ orderId: placed.args.orderId, account: placed.args.account });
    const skipped = f.router.interface.parseLog(log);
    if (skipped?.name === "SignedOrderSkipped") {
      const { orderHash, trader, nonce, nonceConsumed, reason } = skipped.args;
      outcome.skipped.push({ orderHash, trader, nonce, nonceConsumed, reason });
    }
  }
  return outcome;
}

/** The name of a skip reason: a Router* error or the market's error. */
function reasonName(f: RouterFixture, reason: string): string {
  const parsed = f.router.interface.parseError(reason) ?? f.market.interface.parseError(reason);
  return parsed?.name ?? reason;
}

describe("OrderRouter", function () {
  describe("typed data", function () {
    it("is bound to its market, and its market to it", async function () {
      const f = await networkHelpers.loadFixture(routerFixture);
      expect(await f.router.market()).to.equal(await f.market.getAddress());
      const domain = await f.router.eip712Domain();
      expect(domain.name).to.equal("GridLedger OrderRouter");
      expect(domain.verifyingContract).to.equal(await f.router.getAddress());
    });

    it("has the type of scripts/lib/orders.ts, the only TypeScript copy (ORDER_TYPEHASH)", async function () {
      const f = await networkHelpers.loadFixture(routerFixture);
      expect(await f.router.ORDER_TYPEHASH()).to.equal(ethers.id(ORDER_TYPE));
    });

    it("hashes an order as scripts/lib/orders.ts does", async function () {
      const f = await networkHelpers.loadFixture(routerFixture);
      const order = buyOf(f, f.alice.address, 7n);
      expect(await f.router.hashOrder(order)).to.equal(orderDigest(f.domain, order));
    });
  });

  describe("placeSignedOrders", function () {
    it("places a valid signed buy and sell for their traders and consumes their nonces", async function () {
      const f = await networkHelpers.loadFixture(routerFixture);
      const sell: OrderValues = {
        ...buyOf(f, f.alice.address, 0n),
        side: Side.Sell,
        limitPrice: 5n,
        meter: f.meterAlice.address,
      };
      const out = await relay(f, [
        await signOrder(f.alice, f.domain, sell),
        await signedBuy(f, f.bob, 0n),
      ]);
      expect(out.skipped).to.deep.equal([]);
      expect(out.placed.map((p) => p.account)).to.deep.equal([f.alice.address, f.bob.address]);
      expect(await f.market.nonceOf(f.alice.address)).to.equal(1n);
      expect(await f.market.nonceOf(f.bob.address)).to.equal(1n);
      expect((await f.market.balanceOf(f.bob.address)).locked).to.equal(1_000n);
      expect((await f.market.orderOf(out.placed[1].orderId)).account).to.equal(f.bob.address);
    });

    it("skips an order signed by someone else than its trader, without consuming the nonce", async function () {
      const f = await networkHelpers.loadFixture(routerFixture);
      const forged = await signOrder(f.carol, f.domain, buyOf(f, f.alice.address, 0n));
      const out = await relay(f, [forged]);
      expect(out.placed).to.deep.equal([]);
      expect(reasonName(f, out.skipped[0].reason)).to.equal("RouterInvalidSignature");
      expect(out.skipped[0].nonceConsumed).to.equal(false);
      expect(await f.market.nonceOf(f.alice.address)).to.equal(0n);
    });

    it("skips a high-s (malleated) signature", async function () {
      const f = await networkHelpers.loadFixture(routerFixture);
      const good = await signedBuy(f, f.alice, 0n);
      const sig = Signature.from(good.signature);
      const highS = ethers.toBeHex(SECP256K1_N - BigInt(sig.s), 32);
      const malleated = ethers.concat([sig.r, highS, sig.v === 27 ? "0x1c" : "0x1b"]);
      const out = await relay(f, [{ order: good.order, signature: malleated }]);
      expect(reasonName(f, out.skipped[0].reason)).to.equal("RouterInvalidSignature");
      expect((await relay(f, [good])).placed).to.have.length(1);
    });

    it("refuses an order with a dirty field word, as Solidity's decoding does (hashed from raw calldata)", async function () {
      const f = await networkHelpers.loadFixture(routerFixture);
      const good = await signedBuy(f, f.alice, 0n);
      const data = ethers.getBytes(
        f.router.interface.encodeFunctionData("hashOrder", [good.order]),
      );
      const to = await f.router.getAddress();
      expect(await ethers.provider.call({ to, data: ethers.hexlify(data) })).to.equal(
        await f.router.hashOrder(good.order),
      );
      // Field words start after the selector: slot is word 1, side word 2.
      const dirtySlot = Uint8Array.from(data);
      dirtySlot[4 + 32] = 1;
      await expect(ethers.provider.call({ to, data: ethers.hexlify(dirtySlot) })).to.be.rejected;
      const badSide = Uint8Array.from(data);
      badSide[4 + 3 * 32 - 1] = 2;
      await expect(ethers.provider.call({ to, data: ethers.hexlify(badSide) })).to.be.rejected;
    });

    it("places a signed order at most once: a replay in the same batch and in a later one is skipped", async function () {
      const f = await networkHelpers.loadFixture(routerFixture);
      const order = await signedBuy(f, f.alice, 0n);
      const first = await relay(f, [order, order]);
      expect(first.placed).to.have.length(1);
      expect(reasonName(f, first.skipped[0].reason)).to.equal("MarketNonceMismatch");
      expect(first.skipped[0].nonceConsumed).to.equal(false);
      const later = await relay(f, [order]);
      expect(later.placed).to.deep.equal([]);
      expect(await f.market.nonceOf(f.alice.address)).to.equal(1n);
      expect((await f.market.balanceOf(f.alice.address)).locked).to.equal(1_000n);
    });

    it("skips an order signed for another chain id", async function () {
      const f = await networkHelpers.loadFixture(routerFixture);
      const otherChain: TypedDataDomain = { ...f.domain, chainId: 1n };
      const out = await relay(f, [
        await signOrder(f.alice, otherChain, buyOf(f, f.alice.address, 0n)),
      ]);
      expect(reasonName(f, out.skipped[0].reason)).to.equal("RouterInvalidSignature");
    });

    it("skips an order signed for another market's router", async function () {
      const f = await networkHelpers.loadFixture(routerFixture);
      const other = await deployMarket(connection);
      const otherDomain = orderDomain(await other.market.orderRouter(), BigInt(f.domain.chainId!));
      const out = await relay(f, [
        await signOrder(f.alice, otherDomain, buyOf(f, f.alice.address, 0n)),
      ]);
      expect(reasonName(f, out.skipped[0].reason)).to.equal("RouterInvalidSignature");
    });

    it("skips an expired order and consumes its nonce, so later orders go on", async function () {
      const f = await networkHelpers.loadFixture(routerFixture);
      const now = await latestTime(f);
      const expired = await signOrder(f.alice, f.domain, {
        ...buyOf(f, f.alice.address, 0n),
        expiry: now,
      });
      const out = await relay(f, [expired, await signedBuy(f, f.alice, 1n)]);
      expect(reasonName(f, out.skipped[0].reason)).to.equal("RouterOrderExpired");
      expect(out.skipped[0].nonceConsumed).to.equal(true);
      expect(out.placed).to.have.length(1);
      expect(await f.market.nonceOf(f.alice.address)).to.equal(2n);
    });

    it("skips an order whose nonce is ahead without consuming anything", async function () {
      const f = await networkHelpers.loadFixture(routerFixture);
      const ahead = await signedBuy(f, f.alice, 1n);
      const out = await relay(f, [ahead]);
      expect(reasonName(f, out.skipped[0].reason)).to.equal("MarketNonceMismatch");
      expect(out.skipped[0].nonceConsumed).to.equal(false);
      expect(await f.market.nonceOf(f.alice.address)).to.equal(0n);
      // In nonce order both go in.
      expect((await relay(f, [await signedBuy(f, f.alice, 0n), ahead])).placed).to.have.length(2);
    });

    it("consumes the nonce of a validly signed order the market refuses (too small, insufficient balance)", async function () {
      const f = await networkHelpers.loadFixture(routerFixture);
      const tooSmall = await signedBuy(f, f.alice, 0n, MIN_ORDER_WH - 1n);
      const tooBig = await signedBuy(f, f.alice, 1n, DEPOSIT);
      const out = await relay(f, [tooSmall, tooBig, await signedBuy(f, f.alice, 2n)]);
      expect(out.skipped.map((s) => reasonName(f, s.reason))).to.deep.equal([
        "MarketOrderTooSmall",
        "MarketInsufficientBalance",
      ]);
      expect(out.skipped.map((s) => s.nonceConsumed)).to.deep.equal([true, true]);
      expect(out.placed).to.have.length(1);
      expect(await f.market.nonceOf(f.alice.address)).to.equal(3n);
      expect((await f.market.balanceOf(f.alice.address)).locked).to.equal(1_000n);
    });

    it("places the good orders of a batch with one bad order among them", async function () {
      const f = await networkHelpers.loadFixture(routerFixture);
      const bad = await signOrder(f.carol, f.domain, buyOf(f, f.dave.address, 0n));
      const out = await relay(f, [
        await signedBuy(f, f.alice, 0n),
        bad,
        await signedBuy(f, f.bob, 0n),
      ]);
      expect(out.placed.map((p) => p.account)).to.deep.equal([f.alice.address, f.bob.address]);
      expect(out.skipped).to.have.length(1);
      expect(out.skipped[0].trader).to.equal(f.dave.address);
      expect(out.skipped[0].orderHash).to.equal(orderDigest(f.domain, bad.order));
      const ids = await f.router.placeSignedOrders.staticCall([
        await signedBuy(f, f.alice, 1n),
        bad,
      ]);
      expect(ids[1]).to.equal(await f.router.NOT_PLACED());
    });

    it("reverts the whole batch instead of letting too little gas make an order fail and burn its nonce", async function () {
      // The attack needs an attempt that uses most of the gas: an eviction from a full side of 500 orders
      // (one pass of cold reads), so that 1/64 of the gas is still enough to skip the order and burn its nonce.
      const f = await networkHelpers.loadFixture(fullSideFixture);
      const orders = [
        await signOrder(f.alice, f.domain, { ...buyOf(f, f.alice.address, 0n), limitPrice: 11n }),
      ];
      const needed = await f.router.placeSignedOrders.estimateGas(orders);
      let reverted = 0;
      for (let gas = needed - 30_000n; gas < needed; gas += 500n) {
        try {
          const out = await (await f.router.placeSignedOrders(orders, { gasLimit: gas })).wait();
          // Mined without revert: the order must have been placed, never skipped with its nonce burnt.
          expect(
            out!.logs.some((l) => f.router.interface.parseLog(l)?.name === "SignedOrderSkipped"),
          ).to.equal(false);
          expect(await f.market.nonceOf(f.alice.address)).to.equal(1n);
          return;
        } catch (error) {
          if ((error as Error).name === "AssertionError") throw error;
          reverted += 1;
          expect(await f.market.nonceOf(f.alice.address)).to.equal(0n);
        }
      }
      expect(reverted).to.be.greaterThan(0);
    });
  });

  describe("ERC-1271 contract wallets", function () {
    async function walletFixture() {
      const f = await routerFixture();
      const wallet = (await ethers.deployContract("MockERC1271Wallet", [
        f.alice.address,
      ])) as unknown as MockERC1271Wallet;
      await (await f.token.connect(f.admin).mint(f.admin.address, DEPOSIT)).wait();
      await (await f.token.connect(f.admin).approve(await f.market.getAddress(), DEPOSIT)).wait();
      await (await f.market.connect(f.admin).depositFor(await wallet.getAddress(), DEPOSIT)).wait();
      return { ...f, wallet };
    }

    it("places an order the wallet accepts the owner's signature for", async function () {
      const f = await networkHelpers.loadFixture(walletFixture);
      const walletAddress = await f.wallet.getAddress();
      const out = await relay(f, [await signOrder(f.alice, f.domain, buyOf(f, walletAddress, 0n))]);
      expect(out.placed.map((p) => p.account)).to.deep.equal([walletAddress]);
    });

    it("skips an order the wallet refuses, without consuming the nonce", async function () {
      const f = await networkHelpers.loadFixture(walletFixture);
      const walletAddress = await f.wallet.getAddress();
      const byStranger = await signOrder(f.carol, f.domain, buyOf(f, walletAddress, 0n));
      await (await f.wallet.setAccepting(false)).wait();
      const byOwner = await signOrder(f.alice, f.domain, buyOf(f, walletAddress, 0n));
      const out = await relay(f, [byStranger, byOwner]);
      expect(out.skipped.map((s) => reasonName(f, s.reason))).to.deep.equal([
        "RouterInvalidSignature",
        "RouterInvalidSignature",
      ]);
      expect(await f.market.nonceOf(walletAddress)).to.equal(0n);
    });
  });

  describe("cancelling", function () {
    it("invalidateNonces cancels unplaced orders and only moves forward", async function () {
      const f = await networkHelpers.loadFixture(routerFixture);
      const pending = await signedBuy(f, f.alice, 0n);
      await expect(f.router.connect(f.alice).invalidateNonces(2n))
        .to.emit(f.router, "NoncesInvalidated")
        .withArgs(f.alice.address, 2n);
      const out = await relay(f, [pending]);
      expect(reasonName(f, out.skipped[0].reason)).to.equal("MarketNonceMismatch");
      await expect(f.router.connect(f.alice).invalidateNonces(2n))
        .to.be.revertedWithCustomError(f.router, "RouterNonceNotAhead")
        .withArgs(2n, 2n);
      await expect(f.router.connect(f.alice).invalidateNonces(1n)).to.be.revertedWithCustomError(
        f.router,
        "RouterNonceNotAhead",
      );
      expect((await relay(f, [await signedBuy(f, f.alice, 2n)])).placed).to.have.length(1);
    });

    it("lets the trader, not the relayer, cancel a placed signed order by its id", async function () {
      const f = await networkHelpers.loadFixture(routerFixture);
      const [{ orderId }] = (await relay(f, [await signedBuy(f, f.alice, 0n)])).placed;
      await expect(f.market.connect(f.relayer).cancelOrder(orderId))
        .to.be.revertedWithCustomError(f.market, "MarketNotOrderOwner")
        .withArgs(orderId, f.relayer.address);
      await expect(f.market.connect(f.alice).cancelOrder(orderId))
        .to.emit(f.market, "OrderCancelled")
        .withArgs(orderId, f.alice.address, 1_000n);
      expect((await f.market.balanceOf(f.alice.address)).locked).to.equal(0n);
    });
  });

  describe("router-only market entries", function () {
    it("refuse anyone but the router with MarketNotRouter", async function () {
      const f = await networkHelpers.loadFixture(routerFixture);
      await expect(
        f.market
          .connect(f.alice)
          .placeOrderFor(f.bob.address, 0n, f.slot, Side.Buy, 100n, 10n, ZERO),
      )
        .to.be.revertedWithCustomError(f.market, "MarketNotRouter")
        .withArgs(f.alice.address);
      await expect(f.market.connect(f.alice).advanceNonce(f.bob.address, 0n, 5n))
        .to.be.revertedWithCustomError(f.market, "MarketNotRouter")
        .withArgs(f.alice.address);
    });
  });

  describe("placeOrders", function () {
    it("places many slots and both sides from the caller's account in one transaction", async function () {
      const f = await networkHelpers.loadFixture(routerFixture);
      const orders = [];
      for (let k = 0n; k < 8n; ++k) {
        orders.push({
          slot: f.slot + k,
          side: Side.Buy,
          quantityWh: 100n,
          limitPrice: 10n,
          meter: ZERO,
        });
        orders.push({
          slot: f.slot + k,
          side: Side.Sell,
          quantityWh: 100n,
          limitPrice: 5n,
          meter: f.meterAlice.address,
        });
      }
      const ids = await f.router.connect(f.alice).placeOrders.staticCall(orders);
      await expect(f.router.connect(f.alice).placeOrders(orders)).to.emit(f.market, "OrderPlaced");
      for (const id of ids) expect((await f.market.orderOf(id)).account).to.equal(f.alice.address);
      expect(await f.market.nonceOf(f.alice.address)).to.equal(0n);
    });

    it("is atomic: one refused order reverts the batch with the market's error", async function () {
      const f = await networkHelpers.loadFixture(routerFixture);
      const good = { slot: f.slot, side: Side.Buy, quantityWh: 100n, limitPrice: 10n, meter: ZERO };
      // Bob's meter is not alice's.
      const bad = { ...good, side: Side.Sell, meter: f.meterBob.address };
      await expect(f.router.connect(f.alice).placeOrders([good, bad]))
        .to.be.revertedWithCustomError(f.market, "MarketNotMeterOwner")
        .withArgs(f.meterBob.address, f.bob.address, f.alice.address);
      expect((await f.market.balanceOf(f.alice.address)).locked).to.equal(0n);
    });
  });
});

export type { EnergyMarket };
