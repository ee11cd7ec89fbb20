/**
 * The role commands as a person types them, run in-process against a `hardhat node` child process
 * (`--network localhost`, its URL from GRIDLEDGER_LOCALHOST_URL's place in the config): a bad argument is
 * one line naming it, a revert shows its decoded custom error, and the happy path of a prosumer works in
 * human units. On the embedded network the state-changing commands refuse, the read-only ones work.
 */
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import path from "node:path";
import { expect } from "chai";
import { Wallet, ZeroAddress } from "ethers";
import hre from "hardhat";
import { createHardhatRuntimeEnvironment } from "hardhat/hre";
import userConfig from "../../hardhat.config.js";
import type { Chain } from "../../scripts/lib/chain.js";
import { deploySuite, deploymentDir, type Suite } from "../../scripts/lib/deployment.js";
import type { RunningNode } from "../e2e/nodes.js";
import {
  expectOneLineError,
  runTask,
  startCommandNode,
  type CommandNode,
  type Outcome,
} from "./harness.js";

describe("role commands", function () {
  const deploymentId = `tasks-test-${process.pid}`;
  let bed: CommandNode;
  let node: RunningNode;
  let chain: Chain;
  let suite: Suite;
  let me: string;
  let embeddedParameters: Record<string, number>;
  /** A command on the node, `--network localhost --deployment-id <the test's deployment>`. */
  const run = (id: string | string[], args: Record<string, unknown> = {}) =>
    id === "simulate" ? runTask(bed.hre, id, args) : bed.run(id, args);

  before(async function () {
    bed = await startCommandNode(deploymentId);
    ({ node, chain, suite } = bed);
    me = (await chain.ethers.getSigners())[0]!.address;
    embeddedParameters = (
      JSON.parse(await readFile("ignition/parameters/embedded.json", "utf8")) as {
        GridLedger: Record<string, number>;
      }
    ).GridLedger;
  });

  after(async function () {
    await bed?.stop();
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
        await run(["meter", "reading"], {
          importedKwh: "0",
          exportedKwh: "0",
          keyEnv: "GRIDLEDGER_NO_SUCH_KEY",
        }),
        /^error: --key-env: environment variable GRIDLEDGER_NO_SUCH_KEY holds no meter key\n$/,
      );
      expectOneLineError(
        await run("simulate", { scenario: "scenarios/no-such-file.json" }),
        /^error: --scenario: cannot read scenarios\/no-such-file\.json: ENOENT\n$/,
      );
      expectOneLineError(
        await run("simulate", { households: "-3" }),
        /^error: --households: expected a whole number of at least 1, got -3\n$/,
      );
      // 0 used to mean "as the scenario says" and ran the defaults silently.
      expectOneLineError(
        await run("simulate", { households: "0" }),
        /^error: --households: expected a whole number of at least 1, got 0\n$/,
      );
      expectOneLineError(
        await run("simulate", { slots: "0" }),
        /^error: --slots: expected a whole number of at least 1, got 0\n$/,
      );
      expectOneLineError(
        await run("simulate", { start: "7:10" }),
        /^error: --start: 7:10 is not the start of a slot: slots are 15 min long from 00:00\n$/,
      );
    });
  });

  describe("reverts, decoded", function () {
    it("shows MarketInsufficientBalance when withdrawing more than the free balance", async function () {
      expectOneLineError(
        await run(["market", "withdraw"], { amount: "5" }),
        /^error: withdraw reverted: MarketInsufficientBalance\(account=0x[0-9a-fA-F]{40}, free=0 \(0 gUSD\), needed=5000000 \(5 gUSD\)\)\n$/,
      );
    });

    it("names an order id that does not exist instead of a gate of slot 0", async function () {
      expectOneLineError(
        await run(["market", "cancel"], { order: "12345" }),
        /^error: --order: unknown order 12345 \(no such order in the market\)\n$/,
      );
    });

    it("shows AccessControl's error when an account without the role registers a meter", async function () {
      expectOneLineError(
        await run(["meter", "register"], {
          meter: "0x00000000000000000000000000000000000000aa",
          owner: me,
          account: "7",
        }),
        /^error: registerMeter reverted: AccessControlUnauthorizedAccount\(account=0x[0-9a-fA-F]{40}, neededRole=GRID_OPERATOR_ROLE \(0x[0-9a-f]{64}\)\)\n$/,
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
        new RegExp(`order ${orderId}: slot \\d+ buy 1\\.5 kWh at 0\\.25/kWh, open, filled 0 kWh`),
      );
      const cancelled = await run(["market", "cancel"], { order: orderId });
      expect(cancelled.stdout, cancelled.stderr).to.match(
        new RegExp(`^cancelled order ${orderId}, released 0\\.375`),
      );
      expectOneLineError(
        await run(["market", "cancel"], { order: orderId }),
        new RegExp(`^error: --order: order ${orderId} is already cancelled\n$`),
      );
      expect((await run(["market", "show"])).stdout).to.match(
        new RegExp(
          `order ${orderId}: slot \\d+ buy 1\\.5 kWh at 0\\.25/kWh, cancelled, filled 0 kWh`,
        ),
      );
    });

    it("refuses to clear a slot whose gate is still open, with the times", async function () {
      const placed = await run(["market", "order"], {
        side: "buy",
        kwh: "0.1",
        price: "0.01",
        slot: "+3",
      });
      expect(placed.exitCode, placed.stderr).to.equal(0);
      expectOneLineError(
        await run(["market", "clear"], { slot: "+3" }),
        /^error: clear reverted: MarketGateNotClosed\(slot=\d+, gateClosure=\d+ \(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\), timestamp=\d+ \(\d{4}-\d\d-\d\dT[\d:]+Z\)\)\n$/,
      );
    });

    it("lets the regulator suspend and reinstate a meter, and names a missing meter", async function () {
      const meter = "0x00000000000000000000000000000000000000bb";
      const registered = await run(["meter", "register"], { meter, owner: me, zone: "MUC-1" });
      expect(registered.exitCode, registered.stderr).to.equal(0);
      const suspended = await run(["meter", "suspend"], { meter });
      expect(suspended.stdout, suspended.stderr).to.match(/^suspended meter 0x0{38}bb \(tx 0x/i);
      expect(suspended.stdout).to.match(/, from slot \d+: no sell orders/);
      expectOneLineError(
        await run(["meter", "suspend"], { meter }),
        /^error: suspendMeter reverted: RegistryInvalidStatusTransition\(meter=0x0{38}bb, from=2 \(Suspended\), to=2 \(Suspended\)\)\n$/i,
      );
      const reinstated = await run(["meter", "reinstate"], { meter });
      expect(reinstated.stdout, reinstated.stderr).to.match(/^reinstated meter 0x0{38}bb /i);
      expect(reinstated.stdout).to.match(/slot \d+ is the last the suspension spans/);
      expectOneLineError(await run(["meter", "suspend"], {}), /^error: --meter: is required/);
    });

    it("runs the auditor's report on the same chain, and names a bad block number", async function () {
      const audited = await run("audit");
      expect(audited.exitCode, audited.stderr).to.equal(0);
      expect(audited.stdout).to.match(/^GridLedger certificate audit — chain 31337/);
      const bad = await run("audit", { fromBlock: "yesterday" });
      // Exit code 2 as npm run audit's: the audit could not run (1 means violations found).
      expect(bad.exitCode, bad.stderr).to.equal(2);
      expect(bad.stderr).to.equal('error: --from-block: "yesterday" is not a whole number\n');
    });

    it("trades a slot, settles it and delivers its certificates in pages", async function () {
      const buyer = (await chain.ethers.getSigners())[1]!.address;
      const meter = Wallet.createRandom();
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

      ok(await run(["time", "advance"], { to: "gate", slot }));
      ok(await run(["market", "clear"], { slot }));
      ok(await run(["time", "advance"], { to: "end", slot }));
      const read = await run(["meter", "reading"], {
        slot,
        importedKwh: "0.317",
        exportedKwh: "0.9",
        keyEnv: "GRIDLEDGER_TEST_METER_KEY",
      });
      ok(read);
      expect(read.stdout).to.match(
        /exported 0\.9 kWh, imported 0\.317 kWh committed as 0x[0-9a-f]{64}/,
      );

      // The household opens this slot's import for its supplier, who checks it against the chain's log.
      const revealed = await run(["meter", "reveal-import"], {
        slot,
        importedKwh: "0.317",
        for: "supplier",
        keyEnv: "GRIDLEDGER_TEST_METER_KEY",
      });
      ok(revealed);
      const opening = JSON.parse(revealed.stdout) as { meter: string; salt: string; for: string };
      expect(opening.meter).to.equal(meter.address);
      expect(opening.for).to.equal("supplier");
      const verify = (importedKwh: string, salt = opening.salt) =>
        run(["meter", "verify-import"], { meter: meter.address, slot, importedKwh, salt });
      const verified = await verify("0.317");
      ok(verified);
      expect(verified.stdout).to.match(
        new RegExp(`^verified: meter ${meter.address} imported 0\\.317 kWh in slot ${slot} `),
      );
      const wrongValue = await verify("0.318");
      expect(wrongValue.exitCode).to.equal(1);
      expect(wrongValue.stdout).to.match(/^NOT verified: 0\.318 kWh/);
      const wrongSalt = await verify("0.317", `0x${"11".repeat(32)}`);
      expect(wrongSalt.exitCode).to.equal(1);
      expectOneLineError(
        await run(["meter", "reveal-import"], {
          slot,
          importedKwh: "0.3",
          for: "supplier",
          keyEnv: "GRIDLEDGER_TEST_METER_KEY",
        }),
        /^error: --imported-kwh: 0\.3 kWh does not open the logged commitment/,
      );
      ok(await run(["time", "advance"], { to: "window", slot }));
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

      const sellId = /^order (\d+)/.exec(sold.stdout)![1]!;
      expectOneLineError(
        await run(["market", "cancel"], { order: sellId }),
        new RegExp(
          `^error: --order: order ${sellId} is final: its slot ${slot} is already settled`,
        ),
      );
      const shown = await run(["market", "show"]);
      expect(shown.stdout).to.match(
        new RegExp(`order ${sellId}: slot ${slot} sell 1 kWh at 0\\.1/kWh, settled, filled 1 kWh`),
      );
      expect(shown.stdout).to.not.match(new RegExp(`order ${sellId}: .*, (live|open),`));
    });

    it("lists the suite from the same chain", async function () {
      const shown = await run("suite");
      expect(shown.stdout).to.match(/registry\s+0x[0-9a-fA-F]{40}/);
      expect(shown.stdout).to.contain("900 s slots");
    });
  });

  describe("without surprises", function () {
    it("names the option of a bad checksum and of a number too large for the contract", async function () {
      const block = await chain.ethers.provider.getBlockNumber();
      const typo = me.slice(0, -1) + (me.endsWith("a") ? "A" : me.endsWith("A") ? "a" : "X");
      const badChecksum = /[a-f]/.test(me.slice(2))
        ? me.replace(/[a-f]/, (c) => c.toUpperCase())
        : typo;
      expectOneLineError(
        await run(["token", "mint"], { to: badChecksum, amount: "1" }),
        /^error: --to: 0x[0-9a-fA-F]{40} has a bad checksum/,
      );
      expectOneLineError(
        await run(["market", "order"], { side: "buy", kwh: "1000000000000", price: "0.2" }),
        /^error: --kwh: is too large \(at most [\d.]+\)\n$/,
      );
      expectOneLineError(
        await run(["market", "order"], { side: "buy", kwh: "1", price: "99999999999999999999" }),
        /^error: --price: is too large/,
      );
      expectOneLineError(
        await run(["market", "withdraw"], { amount: "9".repeat(80) }),
        /^error: --amount: is too large/,
      );
      expectOneLineError(
        await run(["market", "clear"], { slot: "99999999999999999999" }),
        /^error: --slot: slot 99999999999999999999 is beyond the largest slot \(uint64\)\n$/,
      );
      expect(await chain.ethers.provider.getBlockNumber()).to.equal(block);
    });

    it("refuses token mint --to the zero address --deposit before minting anything", async function () {
      const block = await chain.ethers.provider.getBlockNumber();
      expectOneLineError(
        await run(["token", "mint"], { to: ZeroAddress, amount: "5", deposit: true }),
        /^error: --to: must not be the zero address\n$/,
      );
      expect(await chain.ethers.provider.getBlockNumber()).to.equal(block);
    });

    it("says which steps were done when a later step fails", async function () {
      // 10^33 gUSD: the token mints it and the approval passes, the market refuses a balance above 112 bits.
      const amount = `1${"0".repeat(33)}`;
      const outcome = await run(["token", "mint"], { to: me, amount, deposit: true });
      expectOneLineError(
        outcome,
        /^error: depositFor reverted: MarketBalanceOverflow\(account=0x[0-9a-fA-F]{40}\); done before it: minted 1000000000000000000000000000000000 to 0x[0-9a-fA-F]{40} \(tx 0x[0-9a-f]{64}\); approved the market for 1000000000000000000000000000000000 \(tx 0x[0-9a-f]{64}\)\n$/,
      );
    });

    it("shows the market balances of any address, not only the network's accounts", async function () {
      const anyone = Wallet.createRandom().address;
      const shown = await run(["market", "show"], { account: anyone });
      expect(shown.stdout, shown.stderr).to.match(
        new RegExp(`^account ${anyone}: wallet 0, market free 0, locked 0; current slot \\d+\n`),
      );
      expectOneLineError(
        await run(["market", "show"], { account: "0x1234" }),
        /^error: --account: "0x1234" is not an address/,
      );
    });

    it("takes current-N for slots Hardhat's parser would read as options (-10)", async function () {
      const current = (await suite.market.getFunction("currentSlot")()) as bigint;
      expectOneLineError(
        await run(["market", "settle"], { slot: "current-12" }),
        new RegExp(
          `^error: settle reverted: MarketSlotNotCleared\\(slot=${current - 12n}, status=0 \\(None\\)\\)\n$`,
        ),
      );
    });

    it("settles a slot that cleared with no trade", async function () {
      const placed = await run(["market", "order"], { side: "buy", kwh: "0.1", price: "0.01" });
      expect(placed.exitCode, placed.stderr).to.equal(0);
      const slot = /for slot (\d+)/.exec(placed.stdout)![1]!;
      await run(["time", "advance"], { to: "gate", slot });
      const cleared = await run(["market", "clear"], { slot });
      expect(cleared.stdout, cleared.stderr).to.match(
        new RegExp(
          `^cleared slot ${slot}: 0 kWh at 0/kWh; no trade, so it is final: nothing to settle`,
        ),
      );
      await run(["time", "advance"], { to: "window", slot });
      // The market settles a slot without trade when clearing it: settle says so, and does not revert.
      const settled = await run(["market", "settle"], { slot, certify: true });
      expect(settled.exitCode, settled.stderr).to.equal(0);
      expect(settled.stdout).to.equal(
        `slot ${slot} cleared with no trade: it is final already, nothing to settle\n`,
      );
    });

    it("tells how to reset an Ignition record whose contracts are gone, and deploys afresh past it", async function () {
      const stale = `${deploymentId}-stale`;
      const dir = deploymentDir(chain, stale);
      await mkdir(dir, { recursive: true });
      const nowhere = Wallet.createRandom().address;
      await writeFile(
        path.join(dir, "deployed_addresses.json"),
        JSON.stringify({
          "GridLedger#MeterRegistry": nowhere,
          "GridLedger#EnergyMarket": nowhere,
          "GridLedger#EnergyCertificates": nowhere,
        }),
      );
      try {
        expectOneLineError(
          await run(["market", "show"], { deploymentId: stale }),
          new RegExp(
            `^error: --network: the Ignition record ${dir} names contracts that are not on localhost \\(node restarted\\?\\); remove it \\(rm -rf ${dir}\\) or deploy with --reset`,
          ),
        );
        // What simulate --fresh does: deploySuite on a development node moves the stale record aside.
        const fresh = await deploySuite(chain, embeddedParameters, stale);
        expect(
          await chain.rpc<string>("eth_getCode", [fresh.addresses.market, "latest"]),
        ).to.not.equal("0x");
        expect(await fresh.token.getFunction("symbol")()).to.equal("gUSD");
        const shown = await run(["market", "show"], { deploymentId: stale });
        expect(shown.exitCode, shown.stderr).to.equal(0);
      } finally {
        for (const entry of await readdir(path.dirname(dir)))
          if (entry.startsWith(stale))
            await rm(path.join(path.dirname(dir), entry), { recursive: true, force: true });
      }
    });
  });

  describe("meter reading", function () {
    it("refuses a reading without --imported-kwh or --exported-kwh before sending anything", async function () {
      process.env.GRIDLEDGER_TEST_METER_KEY = Wallet.createRandom().privateKey;
      const block = await chain.ethers.provider.getBlockNumber();
      expectOneLineError(
        await run(["meter", "reading"], {
          exportedKwh: "1",
          keyEnv: "GRIDLEDGER_TEST_METER_KEY",
        }),
        /^error: --imported-kwh: is required/,
      );
      expectOneLineError(
        await run(["meter", "reading"], {
          importedKwh: "0.2",
          keyEnv: "GRIDLEDGER_TEST_METER_KEY",
        }),
        /^error: --exported-kwh: is required/,
      );
      expect(await chain.ethers.provider.getBlockNumber()).to.equal(block);
    });
  });

  describe("time advance", function () {
    const slotLength = Number(900);

    it("moves to a slot's gate closure, start, end and reading-window end, read from the chain", async function () {
      const current = (await suite.market.getFunction("currentSlot")()) as bigint;
      const slot = current + 2n;
      const gate = Number(await suite.market.getFunction("gateClosureOf")(slot));
      const moved = await run(["time", "advance"], { to: "gate", slot: "+2" });
      expect(moved.stdout, moved.stderr).to.match(
        new RegExp(
          `^advanced to the gate closure of slot ${slot}: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC \\(${gate}\\), \\+\\d+ s; current slot ${slot - 1n}, 600 s into its 900 s\\n$`,
        ),
      );
      expect(await chain.latestTimestamp()).to.equal(gate);
      const ended = await run(["time", "advance"], { to: "end", slot: String(slot) });
      expect(ended.stdout, ended.stderr).to.contain(`current slot ${slot + 1n}, 0 s into`);
      expect(await chain.latestTimestamp()).to.equal(
        Number(await suite.registry.getFunction("slotEnd")(slot)),
      );
      const window = await run(["time", "advance"], { to: "window", slot: "-1" });
      expect(window.stdout, window.stderr).to.contain(`reading-window end of slot ${slot}`);
      expect(await chain.latestTimestamp()).to.equal(
        Number(await suite.market.getFunction("readingWindowEnd")(slot)),
      );
      const started = await run(["time", "advance"], { to: "start", slot: "next" });
      expect(started.stdout, started.stderr).to.match(/, 0 s into its 900 s\n$/);
    });

    it("moves by whole slot lengths", async function () {
      const before = await chain.latestTimestamp();
      const moved = await run(["time", "advance"], { slots: "2" });
      expect(moved.stdout, moved.stderr).to.match(/^advanced to 2 slots ahead: .*, \+1800 s;/);
      expect(await chain.latestTimestamp()).to.equal(before + 2 * slotLength);
    });

    it("refuses a target in the past and a missing target, in one line", async function () {
      expectOneLineError(
        await run(["time", "advance"], { to: "start", slot: "-1" }),
        /^error: --to: .* UTC \(\d+\) is in the past \(the chain is at .* UTC \(\d+\)\)\n$/,
      );
      expectOneLineError(
        await run(["time", "advance"], {}),
        /^error: --to: give either --to gate\|start\|end\|window with --slot, or --slots N\n$/,
      );
      expectOneLineError(
        await run(["time", "advance"], { to: "noon", slot: "+1" }),
        /^error: --to: "noon" is not one of gate, start, end, window\n$/,
      );
    });

    it("refuses a node that cannot set its time", async function () {
      // A proxy that answers like a production client: evm_* methods do not exist.
      const proxy: Server = createServer((request, response) => {
        let body = "";
        request.on("data", (chunk) => (body += chunk));
        request.on("end", async () => {
          const call = JSON.parse(body) as { id: number; method: string };
          response.setHeader("content-type", "application/json");
          if (call.method.startsWith("evm_")) {
            response.end(
              JSON.stringify({
                jsonrpc: "2.0",
                id: call.id,
                error: { code: -32601, message: `the method ${call.method} does not exist` },
              }),
            );
            return;
          }
          const upstream = await fetch(node.url, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body,
          });
          response.end(await upstream.text());
        });
      });
      await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
      const { port } = proxy.address() as { port: number };
      try {
        const localhost = {
          ...userConfig.networks!.localhost!,
          url: `http://127.0.0.1:${port}`,
        } as never;
        const production = await createHardhatRuntimeEnvironment(
          { ...userConfig, networks: { ...userConfig.networks, localhost } },
          { network: "localhost" },
        );
        const before = await chain.latestTimestamp();
        expectOneLineError(
          await runTask(production, ["time", "advance"], { deploymentId, slots: "1" }),
          /^error: --network: localhost is not a development node \(evm_setNextBlockTimestamp is not supported\): its time cannot be moved\n$/,
        );
        expect(await chain.latestTimestamp()).to.equal(before);
      } finally {
        await new Promise((resolve) => proxy.close(resolve));
      }
    });
  });

  describe("on the embedded network (no --network)", function () {
    it("refuses a state-changing command: its state would be lost", async function () {
      expectOneLineError(
        await runTask(hre, ["token", "mint"], { to: me, amount: "100", deposit: true }),
        /^error: --network: default is Hardhat's in-process chain: its state would be lost when this command ends; pass --network localhost \(after npm run node\), or --ephemeral to run anyway\n$/,
      );
      expectOneLineError(
        await runTask(hre, ["time", "advance"], { slots: "1" }),
        /^error: --network: default is Hardhat's in-process chain/,
      );
    });

    it("runs it anyway with --ephemeral, and keeps the read-only commands working", async function () {
      const funded = await runTask(hre, ["token", "mint"], {
        to: me,
        amount: "5",
        ephemeral: true,
      });
      expect(funded.stdout, funded.stderr).to.match(/^minted 5 to 0x/);
      const shown = await runTask(hre, ["market", "show"]);
      expect(shown.stdout, shown.stderr).to.match(/^account 0x[0-9a-fA-F]{40}: wallet [\d.]+,/);
      const suiteShown = await runTask(hre, "suite");
      expect(suiteShown.stdout, suiteShown.stderr).to.contain("900 s slots");
    });
  });
});
