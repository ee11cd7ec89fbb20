/**
 * The researcher's path through the commands, on Hardhat's in-process chain: a short simulation driven by
 * the shipped measured profiles and per-household strategies, its provenance and per-household series,
 * then `compare` on two such runs.
 */
import { expect } from "chai";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { readScenario } from "../../scripts/scenario/read.js";
import { expectOneLineError, runTask } from "./harness.js";

describe("tasks: simulate from measured profiles, then compare", function () {
  let root: string;
  const dirs = { a: "", b: "" };

  before(async function () {
    if (hre.globalOptions.coverage === true) this.skip(); // explicit gas limits; see test/e2e
    root = await mkdtemp(path.join(os.tmpdir(), "gridledger-research-"));
    dirs.a = path.join(root, "a");
    dirs.b = path.join(root, "b");
    for (const [key, seed] of [
      ["a", "first"],
      ["b", "second"],
    ] as const) {
      const outcome = await runTask(hre, "simulate", {
        scenario: "scenarios/measured.json",
        slots: "4",
        seed,
        name: `measured-${key}`,
        out: dirs[key],
        quiet: true,
      });
      expect(outcome.exitCode, outcome.stderr).to.equal(0);
      expect(outcome.stdout).to.contain("household_slots.csv");
    }
  });

  after(async function () {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("records the run's name, scenario, strategies, commit and tools in report.json", async function () {
    const report = JSON.parse(await readFile(path.join(dirs.a, "report.json"), "utf8")) as {
      run: { name: string; provenance: Record<string, unknown> };
      series?: unknown;
    };
    expect(report.run.name).to.equal("measured-a");
    const p = report.run.provenance as {
      commit: string;
      scenario: { seed: string; slots: number };
      householdStrategies: Array<{ household: number; name: string }>;
      tools: Record<string, string>;
    };
    expect(p.commit).to.match(/^[0-9a-f]{40}$/);
    expect(p.scenario.seed).to.equal("first");
    expect(p.scenario.slots).to.equal(4);
    expect(p.householdStrategies.map((s) => s.name)).to.deep.equal(["reservation", "idle"]);
    expect(p.tools.node).to.equal(process.version);
    expect(report.series).to.equal(undefined); // in household_slots.csv instead
  });

  it("writes household_slots.csv: measured households replay the file, strategies per household", async function () {
    const [header, ...rows] = (await readFile(path.join(dirs.a, "household_slots.csv"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => l.split(","));
    expect(rows).to.have.lengthOf(6 * 4);
    const col = (name: string) => header!.indexOf(name);
    const of = (household: number) => rows.filter((r) => r[col("household")] === String(household));
    const scenario = await readScenario("scenarios/measured.json", { slots: 4 });
    const measured = scenario.measured!.households.get(1)!;
    expect(of(1).map((r) => Number(r[col("pv_wh")]))).to.deep.equal(
      measured.pvWh.map((wh) => Number(wh.toFixed(1))),
    );
    expect(of(1).every((r) => r[col("measured")] === "1")).to.equal(true);
    expect(of(5).every((r) => r[col("strategy")] === "reservation")).to.equal(true);
    // An idle household places no orders; a battery household has its state of charge.
    expect(
      of(6).every((r) => r[col("buy_order_wh")] === "0" && r[col("sell_order_wh")] === "0"),
    ).to.equal(true);
    expect(of(4).every((r) => Number(r[col("battery_soc")]) > 0)).to.equal(true);
    // A seller's fills are what the market's slot table says it sold.
    const sold = rows.reduce((a, r) => a + Number(r[col("sold_wh")]), 0);
    const slots = (await readFile(path.join(dirs.a, "slots.csv"), "utf8")).trim().split("\n");
    const traded = slots.slice(1).reduce((a, l) => a + Number(l.split(",")[6]), 0);
    expect(sold).to.equal(traded);
    expect(sold).to.be.above(0);
    // households.csv names each household's strategy and whether it was measured.
    const households = (await readFile(path.join(dirs.a, "households.csv"), "utf8"))
      .trim()
      .split("\n");
    expect(households[0]).to.match(/,strategy,measured$/);
    expect(households.slice(1).map((l) => l.split(",").slice(-2).join(" "))).to.deep.equal([
      "linear 1",
      "linear 1",
      "linear 1",
      "linear 0",
      "reservation 0",
      "idle 0",
    ]);
  });

  it("compares the two runs in one HTML page and a CSV", async function () {
    const out = path.join(root, "cmp");
    const outcome = await runTask(hre, "compare", { dirs: [dirs.a, dirs.b], out });
    expect(outcome.exitCode, outcome.stderr).to.equal(0);
    const csv = (await readFile(path.join(out, "compare.csv"), "utf8")).trim().split("\n");
    expect(csv.map((l) => l.split(",")[0])).to.deep.equal(["run", "measured-a", "measured-b"]);
    expect(csv[1]).to.contain(",linear+reservation+idle,");
    const html = await readFile(path.join(out, "compare.html"), "utf8");
    expect(html).to.contain('data-series="measured-b"');
  });

  it("runs a shipped scenario with fewer households, dropping its faults of the others with a notice", async function () {
    // It used to stop: "scenario.faults[0].household: household 5 does not exist (the community has 3)".
    const outcome = await runTask(hre, "simulate", {
      scenario: "scenarios/e2e.json",
      households: "3",
      slots: "2",
      name: "fewer",
      out: path.join(root, "fewer"),
      quiet: true,
    });
    expect(outcome.exitCode, outcome.stderr).to.equal(0);
    expect(outcome.stderr).to.equal(
      "notice: scenario.faults[0] (forgedSignatures, household 5) dropped: --households 3\n",
    );
    // Its offline meter is in slot 7 of 8: not in a run of 2, and the summary says so.
    expect(outcome.stdout).to.match(
      /^ {2}n\/a {2}meterOffline \(household 2\), slots outside the run: not injected/m,
    );
  });

  it("refuses a missing or wrong folder in one line", async function () {
    expectOneLineError(
      await runTask(hre, "compare", { dirs: [dirs.a, path.join(root, "missing")] }),
      /^error: .*missing: no such folder\n$/,
    );
    expectOneLineError(
      await runTask(hre, "compare", { dirs: [root] }),
      /^error: .*: has no report\.json: not a simulation report folder\n$/,
    );
    expectOneLineError(
      await runTask(hre, "simulate", { name: "a/b" }),
      /^error: --name: letters, digits, '\.', '_' or '-' only, got "a\/b"\n$/,
    );
  });
});
