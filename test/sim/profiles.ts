import { expect } from "chai";
import { expectClose } from "../helpers/approx.js";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { buildTwinInput } from "../../scripts/scenario/community.js";
import { ScenarioError } from "../../scripts/scenario/fields.js";
import { readScenario } from "../../scripts/scenario/read.js";
import { parseProfiles, type SlotGrid } from "../../scripts/scenario/profiles.js";
import { parseScenario } from "../../scripts/scenario/schema.js";
import { simulateCommunity } from "../../scripts/twin/community.js";

// Three 15-minute slots from 2025-06-21T10:00:00Z.
const T0 = Date.parse("2025-06-21T10:00:00Z") / 1000;
const grid: SlotGrid = { firstSlotStart: T0, slotSeconds: 900, slots: 3, households: 4 };

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(ScenarioError);
    return (error as Error).message;
  }
  throw new Error("the scenario was accepted");
}

function refusal(text: string, g = grid): string {
  try {
    parseProfiles(text, "p.csv", g);
  } catch (error) {
    expect(error).to.be.instanceOf(ScenarioError);
    return (error as Error).message;
  }
  throw new Error("the profile was accepted");
}

describe("scenario: measured profiles (CSV)", function () {
  it("reads Wh per slot, in any column order, ignoring comments and slots past the run", function () {
    const text = [
      "# synthetic",
      "slot,household,load_wh,pv_wh",
      ...[0, 1, 2, 3].map((s) => `${s},2,${100 + s},${10 * s}`),
    ].join("\n");
    const p = parseProfiles(text, "p.csv", grid);
    expect([...p.households.keys()]).to.deep.equal([2]);
    expect(p.households.get(2)).to.deep.equal({ pvWh: [0, 10, 20], loadWh: [100, 101, 102] });
    expect(p.sha256).to.match(/^[0-9a-f]{64}$/);
  });

  it("resamples kW samples to slots conserving energy (10-minute samples onto 15-minute slots)", function () {
    // 1 kW for 10 min, 4 kW for 10 min, ... : slot 0 = 1 kW x 10 min + 4 kW x 5 min = 500 Wh.
    const powers = [1, 4, 2, 0, 3];
    const lines = powers.map(
      (kw, i) => `1,${new Date((T0 + i * 600) * 1000).toISOString()},${kw},${kw / 2}`,
    );
    const p = parseProfiles(["household,timestamp,pv_kw,load_kw", ...lines].join("\n"), "p.csv", {
      ...grid,
      slots: 3,
    });
    const pv = p.households.get(1)!.pvWh;
    expectClose(pv[0]!, 1000 / 6 + 4000 / 12, 1e-9);
    expectClose(pv[1]!, 4000 / 12 + 2000 / 6, 1e-9);
    expectClose(pv[2]!, 0 + 3000 / 12, 1e-9);
    // The samples hold 50 minutes of energy (the last lasts as long as the one before); 45 are in the run.
    const samplesWh = powers.reduce((a, kw) => a + (kw * 1000) / 6, 0);
    expectClose(
      pv.reduce((a, b) => a + b, 0),
      samplesWh - 3000 / 12,
      1e-9,
    );
    expectClose(p.households.get(1)!.loadWh[0]!, pv[0]! / 2, 1e-9);
  });

  it("takes the household's own forecasts when the file has them, persistence otherwise", function () {
    const bySlot = parseProfiles(
      "household,slot,pv_wh,load_wh,pv_forecast_wh\n1,0,10,1,12\n1,1,20,2,18\n1,2,30,3,33",
      "p.csv",
      grid,
    ).households.get(1)!;
    expect(bySlot.pvForecastWh).to.deep.equal([12, 18, 33]);
    expect(bySlot.loadForecastWh).to.equal(undefined);
    const samples = [0, 900, 1800].map((dt, i) => `1,${T0 + dt},${i},1,${i + 1},2`);
    const byTime = parseProfiles(
      ["household,timestamp,pv_kw,load_kw,pv_forecast_kw,load_forecast_kw", ...samples].join("\n"),
      "p.csv",
      grid,
    ).households.get(1)!;
    expect(byTime.pvForecastWh).to.deep.equal([250, 500, 750]);
    expect(byTime.loadForecastWh).to.deep.equal([500, 500, 500]);
    const twin = simulateCommunity({
      ...buildTwinInput(parseScenario({ households: 1, slots: 3 })),
      households: [
        {
          index: 1,
          name: "h",
          kind: "prosumer",
          pvPeakW: 1000,
          pvFactor: 1,
          performanceRatio: 1,
          load: { annualKWh: 1, noise: 0, spikeProbability: 0, spikePowerW: 0 },
          measured: bySlot,
        },
      ],
    });
    const h = twin.households[0]!;
    expect(h.forecast.map((f) => f.pvWh)).to.deep.equal([12, 18, 33]);
    expect(h.forecast.map((f) => f.loadWh)).to.deep.equal([1, 1, 2]); // persistence
  });

  it("takes ISO times with an offset and Unix seconds alike", function () {
    const rows = [0, 900, 1800].map((dt) => T0 + dt);
    const iso = rows.map(
      (t, i) => `1,${new Date((t + 7200) * 1000).toISOString().slice(0, 19)}+02:00,${i},1`,
    );
    const unix = rows.map((t, i) => `1,${t},${i},1`);
    const a = parseProfiles(
      ["household,timestamp,pv_kw,load_kw", ...iso].join("\n"),
      "p.csv",
      grid,
    );
    const b = parseProfiles(
      ["household,timestamp,pv_kw,load_kw", ...unix].join("\n"),
      "p.csv",
      grid,
    );
    expect(a.households.get(1)).to.deep.equal(b.households.get(1));
    expect(a.households.get(1)!.pvWh).to.deep.equal([0, 250, 500]);
  });

  it("names the line and column of a bad value", function () {
    expect(refusal("household,slot,pv_wh,load_wh\n1,0,abc,1")).to.equal(
      'p.csv line 2 column 3 (pv_wh): expected a number of at least 0, got "abc"',
    );
    expect(refusal("household,slot,pv_wh,load_wh\n1,0,1,-2")).to.match(
      /^p\.csv line 2 column 4 \(load_wh\): expected a number of at least 0, got "-2"/,
    );
    expect(refusal("household,slot,pv_wh,load_wh\n9,0,1,1")).to.equal(
      "p.csv line 2 column 1 (household): household 9 does not exist (the community has 4)",
    );
    expect(refusal("household,slot,pv_wh,load_wh\n1,0,1")).to.match(
      /^p\.csv line 2: expected 4 columns/,
    );
    expect(refusal("household,timestamp,pv_kw,load_kw\n1,2025-06-21T10:00:00,1,1")).to.match(
      /^p\.csv line 2 column 2 \(timestamp\): expected an ISO 8601 time with a zone/,
    );
  });

  it("refuses unknown columns, duplicates, gaps and samples that do not cover the run", function () {
    expect(refusal("# c\nhousehold,slot,pv,load_wh\n1,0,1,1")).to.match(
      /^p\.csv line 2: expected the columns household,slot,pv_wh,load_wh or household,timestamp,pv_kw,load_kw \(forecasts optional: pv_forecast_wh, load_forecast_wh\), got household,slot,pv,load_wh$/,
    );
    expect(refusal("household,slot,pv_wh,load_wh\n1,0,1,1\n1,0,2,2")).to.equal(
      "p.csv line 3 column 2 (slot): household 1 slot 0 is already on line 2",
    );
    expect(refusal("household,slot,pv_wh,load_wh\n1,0,1,1\n1,2,1,1")).to.equal(
      "p.csv: household 1 has no row for slot 1",
    );
    expect(refusal(`household,timestamp,pv_kw,load_kw\n1,${T0 + 600},1,1\n1,${T0},1,1`)).to.match(
      /^p\.csv line 3 column 2 \(timestamp\): must be after household 1's sample on line 2/,
    );
    expect(refusal(`household,timestamp,pv_kw,load_kw\n1,${T0},1,1\n1,${T0 + 900},1,1`)).to.equal(
      "p.csv: household 1's samples cover 2025-06-21T10:00:00Z to 2025-06-21T10:30:00Z, the run needs 2025-06-21T10:00:00Z to 2025-06-21T10:45:00Z",
    );
  });

  it("drives the twin from the shipped sample: measured households replay the file", async function () {
    const scenario = await readScenario("scenarios/measured.json");
    expect(scenario.measured!.file).to.equal(path.join("scenarios", "profiles", "sample.csv"));
    expect(await readFile("scenarios/profiles/sample.csv", "utf8")).to.match(/^# Synthetic/);
    const twin = simulateCommunity(buildTwinInput(scenario));
    const [h1, h2] = twin.households;
    const measured = scenario.measured!.households.get(1)!;
    expect(h1!.actual.map((a) => a.pvWh)).to.deep.equal(measured.pvWh);
    expect(h1!.actual.map((a) => a.loadWh)).to.deep.equal(measured.loadWh);
    // One slot ahead, a measured household forecasts the last slot it saw.
    expect(h1!.forecast[5]!.pvWh).to.equal(measured.pvWh[4]);
    expect(h1!.spec.kind).to.equal("prosumer");
    expect(h2!.spec.kind).to.equal("consumer"); // no PV in the file
    // 09:00 local is slot 36 of the day; its PV is the mean of the 09:00, 09:05 and 09:10 samples x 1/4 h.
    const lines = (await readFile("scenarios/profiles/sample.csv", "utf8")).split("\n");
    const at = (time: string) =>
      Number(lines.find((l) => l.startsWith(`1,2025-06-21T${time}:00+02:00`))!.split(",")[2]);
    expectClose(measured.pvWh[0]!, ((at("09:00") + at("09:05") + at("09:10")) * 1000) / 12, 1e-9);
  });

  it("refuses a missing profile file and overrides a measured household cannot use", async function () {
    const dir = await mkdtemp(path.join(os.tmpdir(), "gridledger-profiles-"));
    try {
      const scenario = (extra: object) =>
        JSON.stringify({ households: 2, slots: 2, startSlotOfDay: 40, ...extra });
      await writeFile(path.join(dir, "a.json"), scenario({ profiles: "none.csv" }));
      expect(await rejection(readScenario(path.join(dir, "a.json")))).to.match(
        /^scenario\.profiles: cannot read .*none\.csv: ENOENT$/,
      );
      await writeFile(path.join(dir, "p.csv"), "household,slot,pv_wh,load_wh\n1,0,5,1\n1,1,5,1\n");
      await writeFile(
        path.join(dir, "b.json"),
        scenario({ profiles: "p.csv", householdOverrides: [{ household: 1, load: { noise: 0 } }] }),
      );
      expect(await rejection(readScenario(path.join(dir, "b.json")))).to.match(
        /^scenario\.householdOverrides \(household 1\): load parameters do not apply: its load is measured/,
      );
      await writeFile(
        path.join(dir, "c.json"),
        scenario({ profiles: "p.csv", householdOverrides: [{ household: 1, kind: "consumer" }] }),
      );
      expect(await rejection(readScenario(path.join(dir, "c.json")))).to.match(
        /kind consumer, but .*p\.csv has PV generation for it/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
