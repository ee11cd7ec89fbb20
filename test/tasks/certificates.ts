/**
 * The certificate role commands against a `hardhat node`: one slot traded, settled and certified by hand,
 * then `certificates balance` shows the buyer's and the owner's vintages, `retire` burns with the beneficiary
 * and purpose in the event, and `issue` delivers an idle meter's export once its slot is final, explaining
 * each refusal in one line.
 */
import { expect } from "chai";
import { Wallet, toUtf8String } from "ethers";
import hre from "hardhat";
import { expectOneLineError, runTask, startCommandNode, type CommandNode } from "./harness.js";

describe("certificate commands", function () {
  let bed: CommandNode;
  let seller: string;
  let buyer: string;
  let slot: string;
  const idle = Wallet.createRandom();
  const beneficiary = Wallet.createRandom().address;
  const stranger = "0x00000000000000000000000000000000000000bb";
  const purpose = "Kita Sonnenschein, Strom Q1 ☀";
  const run = (id: string | string[], args: Record<string, unknown> = {}) => bed.run(id, args);
  const ok = async (pending: ReturnType<typeof run>) => {
    const outcome = await pending;
    expect(outcome.exitCode, outcome.stderr).to.equal(0);
    return outcome;
  };

  before(async function () {
    bed = await startCommandNode(`certificates-test-${process.pid}`);
    [seller, buyer] = (await bed.chain.ethers.getSigners()).map((s) => s.address) as [
      string,
      string,
    ];
    const sold = Wallet.createRandom();
    process.env.GRIDLEDGER_TEST_SOLD_METER_KEY = sold.privateKey;
    process.env.GRIDLEDGER_TEST_IDLE_METER_KEY = idle.privateKey;
    await ok(run(["meter", "register"], { meter: sold.address, owner: seller }));
    await ok(run(["meter", "register"], { meter: idle.address, owner: seller, source: "wind" }));
    await ok(run(["token", "mint"], { to: seller, amount: "10", deposit: true }));
    await ok(run(["token", "mint"], { to: buyer, amount: "10", deposit: true }));
    const order = await ok(
      run(["market", "order"], { side: "sell", kwh: "1", price: "0.1", meter: sold.address }),
    );
    slot = /for slot (\d+)/.exec(order.stdout)![1]!;
    await ok(run(["market", "order"], { side: "buy", kwh: "1", price: "0.2", slot, account: "1" }));
    await ok(run(["time", "advance"], { to: "gate", slot }));
    await ok(run(["market", "clear"], { slot }));
    await ok(run(["time", "advance"], { to: "end", slot }));
    for (const [keyEnv, exportedKwh] of [
      ["GRIDLEDGER_TEST_SOLD_METER_KEY", "0.9"],
      ["GRIDLEDGER_TEST_IDLE_METER_KEY", "0.5"],
    ])
      await ok(run(["meter", "reading"], { slot, importedKwh: "0", exportedKwh, keyEnv }));
  });

  after(async function () {
    await bed?.stop();
  });

  describe("certificates issue", function () {
    it("refuses an idle meter's slot before it is final, then before its sellers are certified", async function () {
      expectOneLineError(
        await run(["certificates", "issue"], { meter: idle.address, slot }),
        new RegExp(
          `^error: issue refused: slot ${slot} is not final yet: .* \\(CertificatesSlotNotFinal\\)\n$`,
        ),
      );
      await ok(run(["time", "advance"], { to: "window", slot }));
      await ok(run(["market", "settle"], { slot }));
      expectOneLineError(
        await run(["certificates", "issue"], { meter: idle.address, slot }),
        new RegExp(
          `^error: issue refused: slot ${slot} traded and its sellers are not certified yet: run certificates certify --slot ${slot} first \\(CertificatesSellersNotCertified\\)\n$`,
        ),
      );
    });

    it("issues the idle meter's export to its owner once the slot is certified, and only once", async function () {
      await ok(run(["certificates", "certify"], { slot }));
      const issued = await ok(run(["certificates", "issue"], { meter: idle.address, slot }));
      expect(issued.stdout).to.match(
        new RegExp(
          `^issued 0\\.5 kWh of slot ${slot} wind \\(from \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC \\(\\d+\\)\\) to ${seller}, owner of meter ${idle.address} \\(tx 0x[0-9a-f]{64}, \\d+ gas\\)\n$`,
        ),
      );
      expectOneLineError(
        await run(["certificates", "issue"], { meter: idle.address, slot }),
        /^error: issue refused: the certificates of meter 0x[0-9a-fA-F]{40} in slot \d+ are already issued \(CertificatesAlreadyIssued\)\n$/,
      );
    });

    it("names a slot without a reading and a meter that is not renewable", async function () {
      // The slot before had no orders and its reading window is over: final, but the meter read nothing.
      expectOneLineError(
        await run(["certificates", "issue"], { meter: idle.address, slot: String(+slot - 1) }),
        /^error: issue refused: meter 0x[0-9a-fA-F]{40} has no recorded reading for slot \d+ \(CertificatesNoReading\)\n$/,
      );
      expectOneLineError(
        await run(["certificates", "issue"], { meter: stranger, slot }),
        /^error: issue refused: meter 0x0{38}bb is not a renewable generator \(source none; .*\(CertificatesNotRenewable\)\n$/,
      );
      expectOneLineError(
        await run(["certificates", "issue"], { meter: "0x12", slot }),
        /^error: --meter: "0x12" is not an address/,
      );
    });
  });

  describe("certificates balance", function () {
    it("shows the buyer's and the owner's certificates per vintage, confirmed on chain", async function () {
      const bought = await ok(run(["certificates", "balance"], { account: "1" }));
      expect(bought.stdout).to.match(
        new RegExp(
          `^account ${buyer}: 0\\.9 kWh of certificates in 1 vintage \\(transfers of blocks 0\\.\\.\\d+\\)\n` +
            `slot ${slot} solar \\(from .* UTC \\(\\d+\\)\\): 0\\.9 kWh \\(900 Wh, id ${(BigInt(slot) << 8n) | 1n}\\)\n` +
            `retired 0 kWh in 0 retirements\n$`,
        ),
      );
      const owned = await ok(run(["certificates", "balance"], { account: seller }));
      expect(owned.stdout).to.match(
        new RegExp(
          `^account ${seller}: 0\\.5 kWh of certificates in 1 vintage .*\nslot ${slot} wind .*: 0\\.5 kWh \\(500 Wh,`,
        ),
      );
    });

    it("reads the transfers from --from-block on, and names a bad block number", async function () {
      const head = await bed.chain.ethers.provider.getBlockNumber();
      const late = await ok(
        run(["certificates", "balance"], { account: "1", fromBlock: `${head}` }),
      );
      expect(late.stdout).to.match(
        new RegExp(
          `^account ${buyer}: 0 kWh of certificates in 0 vintages \\(transfers of blocks ${head}\\.\\.${head}\\)\n`,
        ),
      );
      expectOneLineError(
        await run(["certificates", "balance"], { fromBlock: "soon" }),
        /^error: --from-block: "soon" is not a whole number\n$/,
      );
    });
  });

  describe("certificates retire", function () {
    it("burns part of a vintage for a beneficiary, with the purpose in the event", async function () {
      const retired = await ok(
        run(["certificates", "retire"], {
          slot,
          source: "solar",
          kwh: "0.3",
          beneficiary,
          purpose,
          account: "1",
        }),
      );
      expect(retired.stdout).to.match(
        new RegExp(
          `^retired 0\\.3 kWh of slot ${slot} solar \\(from .*\\) for ${beneficiary}, purpose ".*"; 0\\.6 kWh left \\(tx 0x`,
        ),
      );
      const certificates = bed.suite.certificates;
      const [event] = await certificates.queryFilter(
        certificates.filters.CertificatesRetired!(buyer, beneficiary),
      );
      expect(event && "args" in event, "CertificatesRetired").to.equal(true);
      if (!event || !("args" in event)) return;
      expect(event.args.amountWh).to.equal(300n);
      expect(event.args.id).to.equal((BigInt(slot) << 8n) | 1n);
      expect(toUtf8String(event.args.claimData as string)).to.equal(purpose);

      const since = await ok(
        run(["certificates", "balance"], { account: "1", fromBlock: `${event.blockNumber}` }),
      );
      expect(since.stdout).to.contain(
        `: 0.6 kWh (600 Wh, id ${event.args.id}; the transfers since block ${event.blockNumber} account for -0.3 kWh)`,
      );
      const shown = await ok(run(["certificates", "balance"], { account: "1" }));
      expect(shown.stdout).to.contain(`slot ${slot} solar`);
      expect(shown.stdout).to.contain(": 0.6 kWh (600 Wh,");
      expect(shown.stdout).to.match(
        new RegExp(
          `retired 0\\.3 kWh of slot ${slot} solar \\(from .*\\) for ${beneficiary}, purpose ${JSON.stringify(purpose)} \\(block \\d+, tx 0x[0-9a-f]{64}\\)\n$`,
        ),
      );
    });

    it("takes the certificate id instead of slot and source", async function () {
      const id = String((BigInt(slot) << 8n) | 1n);
      const retired = await ok(
        run(["certificates", "retire"], { id, kwh: "0.1", beneficiary, purpose, account: "1" }),
      );
      expect(retired.stdout).to.match(/; 0\.5 kWh left /);
    });

    it("refuses an amount above the balance, showing it, before sending anything", async function () {
      const block = await bed.chain.ethers.provider.getBlockNumber();
      expectOneLineError(
        await run(["certificates", "retire"], {
          slot,
          source: "solar",
          kwh: "0.501",
          beneficiary,
          purpose,
          account: "1",
        }),
        new RegExp(
          `^error: --kwh: 0\\.501 kWh is above the balance of ${buyer} in slot ${slot} solar \\(from .*\\): 0\\.5 kWh\n$`,
        ),
      );
      expect(await bed.chain.ethers.provider.getBlockNumber()).to.equal(block);
    });

    it("refuses a zero amount, a bad address, an unknown source and an id no vintage has", async function () {
      const retire = (args: Record<string, unknown>) =>
        run(["certificates", "retire"], {
          slot,
          source: "solar",
          kwh: "0.1",
          beneficiary,
          purpose,
          ...args,
        });
      expectOneLineError(await retire({ kwh: "0" }), /^error: --kwh: must be above 0\n$/);
      expectOneLineError(
        await retire({ beneficiary: "0xBe" }),
        /^error: --beneficiary: "0xBe" is not an address/,
      );
      expectOneLineError(
        await retire({
          beneficiary: beneficiary.toLowerCase().replace(/[a-f]/, (c) => c.toUpperCase()),
        }),
        /^error: --beneficiary: 0x[0-9a-fA-F]{40} has a bad checksum/,
      );
      expectOneLineError(
        await retire({ beneficiary: "0x0000000000000000000000000000000000000000" }),
        /^error: --beneficiary: must not be the zero address\n$/,
      );
      expectOneLineError(
        await retire({ source: "coal" }),
        /^error: --source: "coal" is not a renewable source \(one of solar, wind, hydro, biomass\)\n$/,
      );
      expectOneLineError(
        await retire({ source: "storage" }),
        /^error: --source: "storage" is not a renewable source/,
      );
      expectOneLineError(
        await retire({ slot: "", source: "", id: String(1n << 80n) }),
        /^error: --id: \d+ is not a certificate id/,
      );
      expectOneLineError(await retire({ purpose: "" }), /^error: --purpose: is required/);
    });
  });

  describe("on the embedded network (no --network)", function () {
    it("shows a balance, and refuses to retire: its state would be lost", async function () {
      const shown = await runTask(hre, ["certificates", "balance"]);
      expect(shown.stdout, shown.stderr).to.match(/^account 0x[0-9a-fA-F]{40}: [\d.]+ kWh of/);
      expectOneLineError(
        await runTask(hre, ["certificates", "retire"], {
          slot: "1",
          source: "solar",
          kwh: "1",
          beneficiary,
          purpose,
        }),
        /^error: --network: default is Hardhat's in-process chain/,
      );
    });
  });
});
