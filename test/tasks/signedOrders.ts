/**
 * Signed orders by hand: a prosumer signs with `market sign-order` (no transaction), a relayer submits with
 * `market relay` and pays the gas, the trader voids unplaced orders with `market invalidate-nonces`; run
 * in-process against a `hardhat node` child process, as commands.ts runs the other role commands.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import { expectOneLineError, runTask, startCommandNode, type CommandNode } from "./harness.js";

describe("signed-order commands", function () {
  const deploymentId = `signed-orders-test-${process.pid}`;
  let bed: CommandNode;
  let dir: string;
  let trader: string;
  let relayer: string;
  /** Trader and relayer by account index: the trader signs, the relayer sends. */
  const TRADER = "3";
  const RELAYER = "4";
  const run = (id: string | string[], args: Record<string, unknown> = {}) => bed.run(id, args);
  const file = (name: string) => path.join(dir, name);
  const ethOf = (address: string) => bed.chain.ethers.provider.getBalance(address);

  async function sign(out: string, args: Record<string, unknown> = {}) {
    const signed = await run(["market", "sign-order"], {
      side: "buy",
      kwh: "1.5",
      price: "0.22",
      account: TRADER,
      out,
      ...args,
    });
    expect(signed.exitCode, signed.stderr).to.equal(0);
    return signed.stdout;
  }

  async function relay(...files: string[]) {
    const relayed = await run(["market", "relay"], { files, account: RELAYER });
    expect(relayed.exitCode, relayed.stderr).to.equal(0);
    return relayed.stdout;
  }

  before(async function () {
    bed = await startCommandNode(deploymentId);
    const signers = await bed.chain.ethers.getSigners();
    trader = signers[Number(TRADER)]!.address;
    relayer = signers[Number(RELAYER)]!.address;
    dir = await mkdtemp(path.join(tmpdir(), "signed-orders-"));
    const funded = await run(["token", "mint"], { to: trader, amount: "100", deposit: true });
    expect(funded.exitCode, funded.stderr).to.equal(0);
  });

  after(async function () {
    await bed?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("signs two orders in a row without a transaction, and a relayer places them for the trader", async function () {
    const { market } = bed.suite;
    const ethBefore = await ethOf(trader);
    const first = await sign(file("two.json"));
    expect(first).to.match(
      new RegExp(
        `^signed order nonce 0 of ${trader}: buy 1\\.5 kWh at 0\\.22/kWh for slot \\d+, valid until .*two\\.json holds 1 signed orders`,
      ),
    );
    expect(await sign(file("two.json"), { kwh: "2" })).to.match(
      /^signed order nonce 1 .*buy 2 kWh.* holds 2 signed orders/,
    );
    const json = JSON.parse(await readFile(file("two.json"), "utf8")) as Array<{
      order: Record<string, string>;
      signature: string;
    }>;
    expect(json.map((s) => s.order.nonce)).to.deep.equal(["0", "1"]);
    expect(json[0]!.order.quantityWh).to.equal("1500");
    expect(await ethOf(trader), "signing sends nothing").to.equal(ethBefore);
    expect(await market.nonceOf(trader)).to.equal(0n);

    const relayerBefore = await ethOf(relayer);
    const out = await relay(file("two.json"));
    const ids = [...out.matchAll(/: placed as order (\d+)$/gm)].map((m) => BigInt(m[1]!));
    expect(ids, out).to.have.lengthOf(2);
    expect(out).to.match(/^relayed 2 signed orders from 0x[0-9a-fA-F]{40}: 2 placed, 0 skipped/m);
    for (const id of ids) {
      const [event] = await market.queryFilter(market.filters.OrderPlaced(id));
      expect(event?.args.account, "the trader owns the order").to.equal(trader);
    }
    expect((await market.orderOf(ids[1]!)).quantityWh).to.equal(2000n);
    expect(await market.nonceOf(trader)).to.equal(2n);
    expect(await ethOf(trader), "the trader pays no gas").to.equal(ethBefore);
    expect(await ethOf(relayer), "the relayer pays the gas").to.be.lessThan(relayerBefore);
    const [, locked] = await market.balanceOf(trader);
    expect(locked, "locked from the trader's balance: 3.5 kWh x 0.22").to.equal(770_000n);
  });

  it("reports a stale and an ahead nonce skipped with the decoded reason, and places the rest", async function () {
    // two.json's orders were placed: relaying them again is a replay.
    await sign(file("mixed.json")); // nonce 2, the next
    await sign(file("mixed.json"), { nonce: "7" });
    const raw = JSON.parse(await readFile(file("two.json"), "utf8")) as unknown[];
    const mixed = JSON.parse(await readFile(file("mixed.json"), "utf8")) as unknown[];
    await writeFile(file("batch.json"), JSON.stringify([raw[0], ...mixed]));
    const out = await relay(file("batch.json"));
    expect(out).to.match(
      new RegExp(
        `^signed order 1 of ${trader} nonce 0 .*: skipped, MarketNonceMismatch\\(account=${trader}, expected=2, given=0\\); nonce not consumed$`,
        "m",
      ),
    );
    expect(out).to.match(/^signed order 2 of .* nonce 2 .*: placed as order \d+$/m);
    expect(out).to.match(
      /^signed order 3 of .* nonce 7 .*: skipped, MarketNonceMismatch\(account=.*, expected=3, given=7\); nonce not consumed$/m,
    );
    expect(out).to.match(/: 1 placed, 2 skipped/);
    expect(await bed.suite.market.nonceOf(trader)).to.equal(3n);
  });

  it("makes a signed order skip after invalidate-nonces, and shows the new nonce", async function () {
    expect(await sign(file("void.json"))).to.match(/^signed order nonce 3 /);
    const voided = await run(["market", "invalidate-nonces"], { nonce: "4", account: TRADER });
    expect(voided.stdout, voided.stderr).to.match(
      new RegExp(`^next signed-order nonce of ${trader} is now 4 \\(was 3\\)`),
    );
    const shown = await run(["market", "show"], { account: TRADER });
    expect(shown.stdout).to.match(/^next signed-order nonce 4$/m);
    const out = await relay(file("void.json"));
    expect(out).to.match(
      /nonce 3 .*: skipped, MarketNonceMismatch\(.*expected=4, given=3\); nonce not consumed$/m,
    );
    expectOneLineError(
      await run(["market", "invalidate-nonces"], { nonce: "4", account: TRADER }),
      /^error: invalidateNonces reverted: RouterNonceNotAhead\(nextNonce=4, newNonce=4\)\n$/,
    );
  });

  it("warns when the trader's free balance does not cover the locks of its signed orders", async function () {
    // Account 6 holds nothing in the market: a relayer submitting its order would burn the nonce.
    const unfunded = await run(["market", "sign-order"], {
      side: "buy",
      kwh: "1",
      price: "0.2",
      account: "6",
      out: file("unfunded.json"),
    });
    expect(unfunded.exitCode, unfunded.stderr).to.equal(0);
    expect(unfunded.stdout).to.match(
      /; warning: 0x[0-9a-fA-F]{40}'s free balance in the market \(0\) does not cover these orders' locks \(0\.2\)/,
    );
    // The funded trader's first order is covered; a second that would lock more than its 100 is not.
    expect(await sign(file("covered.json"), { kwh: "1" })).to.not.include("warning");
    expect(await sign(file("covered.json"), { kwh: "500", price: "0.3" })).to.match(
      /does not cover these orders' locks \(150\.22\)/,
    );
  });

  it("names the option of a usage error", async function () {
    expectOneLineError(
      await run(["market", "sign-order"], { side: "buy", kwh: "1", price: "0.2" }),
      /^error: --out: is required/,
    );
    expectOneLineError(
      await run(["market", "sign-order"], { kwh: "1", price: "0.2", out: file("x.json") }),
      /^error: --side: is required/,
    );
    expectOneLineError(
      await run(["market", "sign-order"], {
        side: "sell",
        kwh: "1",
        price: "0.2",
        out: file("x.json"),
      }),
      /^error: --meter: is required for a sell order/,
    );
    expectOneLineError(
      await sign_(file("x.json"), { expiresInMinutes: "soon" }),
      /^error: --expires-in-minutes: "soon" is not a whole number\n$/,
    );
    expectOneLineError(
      await sign_(file("x.json"), { nonce: "1", account: TRADER }),
      new RegExp(`^error: --nonce: 1 is used up \\(the next nonce of ${trader} is 4\\)\n$`),
    );
    expectOneLineError(
      await run(["market", "relay"], { account: RELAYER }),
      /^error: files: name at least one file/,
    );
    await writeFile(
      file("bad.json"),
      JSON.stringify([{ order: { trader: "0x12" }, signature: "0x" }]),
    );
    expectOneLineError(
      await run(["market", "relay"], { files: [file("bad.json")], account: RELAYER }),
      /^error: files: .*bad\.json\[0\]: order\.trader is not an address\n$/,
    );
    expectOneLineError(
      await run(["market", "invalidate-nonces"], { account: TRADER }),
      /^error: --nonce: is required/,
    );
    expect(await bed.suite.market.nonceOf(trader), "no usage error moved the nonce").to.equal(4n);
  });

  it("refuses to relay or invalidate on the embedded network (no --network): its state would be lost", async function () {
    const embedded = /^error: --network: default is Hardhat's in-process chain/;
    expectOneLineError(
      await runTask(hre, ["market", "relay"], { files: [file("two.json")] }),
      embedded,
    );
    expectOneLineError(
      await runTask(hre, ["market", "invalidate-nonces"], { nonce: "9" }),
      embedded,
    );
  });

  /** sign-order with the test's defaults, its outcome unchecked. */
  const sign_ = (out: string, args: Record<string, unknown>) =>
    run(["market", "sign-order"], {
      side: "buy",
      kwh: "1",
      price: "0.2",
      account: TRADER,
      out,
      ...args,
    });
});
