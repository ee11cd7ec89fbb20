/**
 * The role commands as a person types them, run in-process on the embedded network (one chain shared by
 * the commands of this file): a bad argument is one line naming it, a revert shows its decoded custom
 * error, and the happy path of a prosumer works in human units.
 */
import { expect } from "chai";
import hre from "hardhat";
import { chainFrom } from "../../scripts/lib/chain.js";
import { loadSuite } from "../../scripts/lib/deployment.js";

interface Outcome {
  stdout: string;
  stderr: string;
  exitCode: number;
}

async function run(id: string | string[], args: Record<string, unknown> = {}): Promise<Outcome> {
  const out: string[] = [];
  const err: string[] = [];
  const write = {
    out: process.stdout.write.bind(process.stdout),
    err: process.stderr.write.bind(process.stderr),
  };
  process.stdout.write = ((chunk: string) => (
    out.push(String(chunk)),
    true
  )) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => (
    err.push(String(chunk)),
    true
  )) as typeof process.stderr.write;
  const before = process.exitCode;
  process.exitCode = 0;
  try {
    await hre.tasks.getTask(id).run(args);
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = before;
  return { stdout: out.join(""), stderr: err.join(""), exitCode };
}

function expectOneLineError(outcome: Outcome, pattern: RegExp): void {
  expect(outcome.exitCode, outcome.stderr).to.equal(1);
  expect(outcome.stderr.split("\n").filter(Boolean), outcome.stderr).to.have.lengthOf(1);
  expect(outcome.stderr).to.match(pattern);
  expect(outcome.stderr).to.not.match(/\n\s+at /); // no stack trace
}

describe("role commands", function () {
  let me: string;

  before(async function () {
    const { ethers } = await hre.network.getOrCreate();
    me = (await ethers.getSigners())[0]!.address;
  });

  describe("bad arguments", function () {
    it("names a price with too many decimals", async function () {
      expectOneLineError(
        await run(["market", "order"], { side: "buy", kwh: "1", price: "0.2505" }),
        /^error: --price: 0\.2505 has more than 3 decimals\n$/,
      );
    });

    it("names an unknown side and a missing quantity", async function () {
      expectOneLineError(
        await run(["market", "order"], { side: "hold", kwh: "1", price: "0.2" }),
        /^error: --side: "hold" is not one of buy, sell\n$/,
      );
      expectOneLineError(
        await run(["market", "order"], { side: "buy", price: "0.2" }),
        /^error: --kwh: is required/,
      );
    });

    it("refuses a sell order without a meter and a buy order with one", async function () {
      expectOneLineError(
        await run(["market", "order"], { side: "sell", kwh: "1", price: "0.2" }),
        /^error: --meter: is required for a sell order/,
      );
      expectOneLineError(
        await run(["market", "order"], { side: "buy", kwh: "1", price: "0.2", meter: me }),
        /^error: --meter: is only for sell orders\n$/,
      );
    });

    it("names a malformed address, kind and zone when registering a meter", async function () {
      expectOneLineError(
        await run(["meter", "register"], { meter: "0x123", owner: me }),
        /^error: --meter: "0x123" is not an address/,
      );
      expectOneLineError(
        await run(["meter", "register"], { meter: me, owner: me, kind: "nuclear" }),
        /^error: --kind: "nuclear" is not one of consumption, generation, bidirectional\n$/,
      );
      expectOneLineError(
        await run(["meter", "register"], { meter: me, owner: me, zone: "MUNICH-NORTH" }),
        /^error: --zone: "MUNICH-NORTH" is longer than 8 bytes\n$/,
      );
    });

    it("names a negative amount, a bad slot and an unknown account", async function () {
      expectOneLineError(
        await run(["market", "deposit"], { amount: "-5" }),
        /^error: --amount: must not be negative/,
      );
      expectOneLineError(
        await run(["market", "clear"], { slot: "yesterday" }),
        /^error: --slot: "yesterday" is not a slot/,
      );
      expectOneLineError(
        await run(["market", "withdraw"], { amount: "1", account: "99" }),
        /^error: --account: account 99 does not exist/,
      );
    });

    it("names a missing meter key and a missing scenario file", async function () {
      expectOneLineError(
        await run(["meter", "reading"], { keyEnv: "GRIDLEDGER_NO_SUCH_KEY" }),
        /^error: --key-env: environment variable GRIDLEDGER_NO_SUCH_KEY holds no meter key\n$/,
      );
      expectOneLineError(
        await run("simulate", { scenario: "scenarios/no-such-file.json" }),
        /^error: --scenario: cannot read scenarios\/no-such-file\.json: ENOENT\n$/,
      );
      expectOneLineError(
        await run("simulate", { households: -3 }),
        /^error: --households: expected a whole number of at least 1, got -3\n$/,
      );
    });
  });

  describe("reverts, decoded", function () {
    it("shows MarketInsufficientBalance when withdrawing more than the free balance", async function () {
      expectOneLineError(
        await run(["market", "withdraw"], { amount: "5" }),
        /^error: withdraw reverted: MarketInsufficientBalance\(account=0x[0-9a-fA-F]{40}, free=0, needed=5000000\)\n$/,
      );
    });

    it("shows the market's error for an order id that does not exist", async function () {
      expectOneLineError(
        await run(["market", "cancel"], { order: "12345" }),
        /^error: cancelOrder reverted: Market\w+\(/,
      );
    });

    it("shows AccessControl's error when an account without the role registers a meter", async function () {
      expectOneLineError(
        await run(["meter", "register"], {
          meter: "0x00000000000000000000000000000000000000aa",
          owner: me,
          account: "7",
        }),
        /^error: registerMeter reverted: AccessControlUnauthorizedAccount\(account=0x[0-9a-fA-F]{40}, neededRole=0x[0-9a-f]{64}\)\n$/,
      );
    });
  });

  describe("a prosumer's day by hand", function () {
    it("funds, deposits, places, shows and cancels an order in kWh and currency per kWh", async function () {
      const funded = await run(["token", "mint"], { to: me, amount: "100" });
      expect(funded.exitCode, funded.stderr).to.equal(0);
      const deposited = await run(["market", "deposit"], { amount: "40" });
      expect(deposited.stdout, deposited.stderr).to.match(
        /^deposited 40 for 0x[0-9a-fA-F]{40} .*free 40, locked 0\n$/,
      );
      const placed = await run(["market", "order"], { side: "buy", kwh: "1.5", price: "0.25" });
      expect(placed.stdout, placed.stderr).to.match(
        /^order (\d+): buy 1\.5 kWh at 0\.25\/kWh for slot \d+/,
      );
      const orderId = /^order (\d+)/.exec(placed.stdout)![1]!;
      const shown = await run(["market", "show"]);
      expect(shown.stdout).to.contain("market free 39.625, locked 0.375"); // 1500 Wh x 250 base units
      expect(shown.stdout).to.match(
        new RegExp(`order ${orderId}: slot \\d+ buy 1\\.5 kWh at 0\\.25/kWh, live, filled 0 kWh`),
      );
      const cancelled = await run(["market", "cancel"], { order: orderId });
      expect(cancelled.stdout, cancelled.stderr).to.match(
        new RegExp(`^cancelled order ${orderId}, released 0\\.375`),
      );
    });

    it("refuses to clear a slot whose gate is still open, with the times", async function () {
      expectOneLineError(
        await run(["market", "clear"], { slot: "+3" }),
        /^error: clear reverted: Market\w+\(slot=\d+/,
      );
    });

    it("lets the regulator suspend and reinstate a meter, and names a missing meter", async function () {
      const meter = "0x00000000000000000000000000000000000000bb";
      const registered = await run(["meter", "register"], { meter, owner: me, zone: "MUC-1" });
      expect(registered.exitCode, registered.stderr).to.equal(0);
      const suspended = await run(["meter", "suspend"], { meter });
      expect(suspended.stdout, suspended.stderr).to.match(/^suspended meter 0x0{38}bb \(tx 0x/i);
      expectOneLineError(
        await run(["meter", "suspend"], { meter }),
        /^error: suspendMeter reverted: RegistryInvalidStatusTransition\(meter=0x0{38}bb, from=2, to=2\)\n$/i,
      );
      const reinstated = await run(["meter", "reinstate"], { meter });
      expect(reinstated.stdout, reinstated.stderr).to.match(/^reinstated meter 0x0{38}bb /i);
      expectOneLineError(await run(["meter", "suspend"], {}), /^error: --meter: is required/);
    });

    it("runs the auditor's report on the same chain, and names a bad block number", async function () {
      const audited = await run("audit");
      expect(audited.exitCode, audited.stderr).to.equal(0);
      expect(audited.stdout).to.match(/^GridLedger certificate audit — chain 31337/);
      expectOneLineError(
        await run("audit", { fromBlock: "yesterday" }),
        /^error: --from-block: "yesterday" is not a whole number\n$/,
      );
    });

    it("trades a slot, settles it and delivers its certificates in pages", async function () {
      const { ethers, networkHelpers } = await hre.network.getOrCreate();
      const buyer = (await ethers.getSigners())[1]!.address;
      const meter = ethers.Wallet.createRandom();
      process.env.GRIDLEDGER_TEST_METER_KEY = meter.privateKey;
      const ok = (o: Outcome) => expect(o.exitCode, o.stderr).to.equal(0);
      ok(await run(["meter", "register"], { meter: meter.address, owner: me }));
      ok(await run(["token", "mint"], { to: me, amount: "10", deposit: true }));
      ok(await run(["token", "mint"], { to: buyer, amount: "10", deposit: true }));
      const sold = await run(["market", "order"], {
        side: "sell",
        kwh: "1",
        price: "0.1",
        meter: meter.address,
      });
      ok(sold);
      const slot = /for slot (\d+)/.exec(sold.stdout)![1]!;
      ok(
        await run(["market", "order"], {
          side: "buy",
          kwh: "0.6",
          price: "0.2",
          slot,
          account: "1",
        }),
      );
      ok(
        await run(["market", "order"], {
          side: "buy",
          kwh: "0.4",
          price: "0.2",
          slot,
          account: "1",
        }),
      );

      const suite = await loadSuite(await chainFrom(await hre.network.getOrCreate()), {});
      const at = async (view: string) =>
        Number((await suite.market.getFunction(view)(BigInt(slot))) as bigint);
      await networkHelpers.time.increaseTo(await at("gateClosureOf"));
      ok(await run(["market", "clear"], { slot }));
      await networkHelpers.time.increaseTo(
        Number(await suite.registry.getFunction("slotEnd")(BigInt(slot))),
      );
      ok(
        await run(["meter", "reading"], {
          slot,
          exportedKwh: "0.9",
          keyEnv: "GRIDLEDGER_TEST_METER_KEY",
        }),
      );
      await networkHelpers.time.increaseTo(await at("readingWindowEnd"));
      const settled = await run(["market", "settle"], { slot });
      expect(settled.stdout, settled.stderr).to.match(/^settled slot \d+: delivered 0\.9 kWh/);

      const certified = await run(["certificates", "certify"], { slot });
      // The slot may also hold the order an earlier test placed and cancelled: cancelled orders count.
      expect(certified.stdout, certified.stdout + certified.stderr).to.match(
        new RegExp(
          `^certifySellers slot ${slot}: page 1/1, orders 0\\.\\.1 of 1, done \\(tx 0x[0-9a-f]{64}, \\d+ gas\\)\n` +
            `claimBuyers slot ${slot}: page 1/1, orders 0\\.\\.(\\d+) of \\1, done \\(tx 0x[0-9a-f]{64}, \\d+ gas\\)\n` +
            `slot ${slot}: certificates delivered to 1 sell and \\1 buy orders\n$`,
        ),
      );
      // 900 Wh delivered: floor(900 x 600 / 1000) + floor(900 x 400 / 1000) = 540 + 360 to the buyer.
      const id = (BigInt(slot) << 8n) | 1n;
      expect(await suite.certificates.getFunction("balanceOf")(buyer, id)).to.equal(900n);
      const again = await run(["certificates", "certify"], { slot });
      expect(again.stdout).to.equal(`slot ${slot}: certificates already delivered\n`);
    });

    it("lists the suite from the same chain", async function () {
      const shown = await run("suite");
      expect(shown.stdout).to.match(/registry\s+0x[0-9a-fA-F]{40}/);
      expect(shown.stdout).to.contain("900 s slots");
    });
  });
});
