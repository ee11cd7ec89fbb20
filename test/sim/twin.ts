import { expect } from "chai";
import { Rng } from "../../scripts/lib/prng.js";
import { parseScenario } from "../../scripts/scenario/schema.js";
import { buildTwinInput } from "../../scripts/scenario/community.js";
import { dispatchBattery, type BatterySpec } from "../../scripts/twin/battery.js";
import { simulateCommunity, type SlotFlows } from "../../scripts/twin/community.js";
import { demandShape } from "../../scripts/twin/demand.js";
import { clearSkyGhi, cosZenith } from "../../scripts/twin/solar.js";
import { simulateSky } from "../../scripts/twin/weather.js";
import { expectClose, expectWithin } from "../helpers/approx.js";

const EPS = 1e-6;

function balance(f: SlotFlows): number {
  return f.pvWh + f.importWh + f.dischargedWh - (f.loadWh + f.exportWh + f.chargedWh);
}

describe("twin: solar", function () {
  const munich = { latitudeDeg: 48.14, longitudeDeg: 11.58 };
  const noonUtc = Date.parse("2025-06-21T11:15:00Z") / 1000; // about solar noon in Munich

  it("puts the sun high at solar noon in midsummer and below the horizon at midnight", function () {
    // Zenith at solar noon = latitude - declination = 48.14 - 23.44 = 24.7 degrees.
    expectClose(Math.acos(cosZenith(munich, noonUtc)) * (180 / Math.PI), 24.7, 0.6);
    expect(cosZenith(munich, noonUtc + 12 * 3600)).to.be.below(0);
    expect(clearSkyGhi(munich, noonUtc + 12 * 3600)).to.equal(0);
  });

  it("gives plausible clear-sky irradiance, less in winter than in summer", function () {
    const summer = clearSkyGhi(munich, noonUtc);
    const winter = clearSkyGhi(munich, Date.parse("2025-12-21T11:15:00Z") / 1000);
    expectWithin(summer, 850, 1000);
    expectWithin(winter, 200, 450);
  });
});

describe("twin: load shape", function () {
  it("has mean 1 over the day, a morning and a higher evening peak, and a night trough", function () {
    const samples = Array.from({ length: 96 }, (_, i) => demandShape((i + 0.5) / 4));
    expectClose(samples.reduce((a, b) => a + b, 0) / 96, 1, 0.01);
    expect(demandShape(19.5)).to.be.above(demandShape(7.5));
    expect(demandShape(7.5)).to.be.above(demandShape(3.5));
  });
});

describe("twin: battery", function () {
  const spec: BatterySpec = {
    capacityWh: 10_000,
    maxPowerW: 4_000,
    roundTripEfficiency: 0.81,
    initialSoc: 0.5,
    minSoc: 0.1,
  };

  it("charges within its power limit and loses energy on the way in", function () {
    const step = dispatchBattery(spec, 5_000, 3_000, 900);
    expect(step.chargedWh).to.equal(1_000); // 4 kW x 15 min
    expectClose(step.storedAfterWh, 5_000 + 1_000 * 0.9, EPS);
    expectClose(step.chargedWh - (step.storedAfterWh - 5_000), step.lossWh, EPS);
  });

  it("does not charge beyond capacity nor discharge below its reserve", function () {
    const full = dispatchBattery(spec, 9_950, 1_000, 900);
    expectClose(full.storedAfterWh, 10_000, EPS);
    const low = dispatchBattery(spec, 1_050, -1_000, 900);
    expectClose(low.storedAfterWh, 1_000, EPS);
    expectClose(low.dischargedWh, 50 * 0.9, EPS);
  });

  it("keeps stored + losses consistent over a random walk", function () {
    const rng = new Rng("battery-walk");
    let stored = 5_000;
    let inAc = 0;
    let outAc = 0;
    let losses = 0;
    for (let i = 0; i < 500; i++) {
      const step = dispatchBattery(spec, stored, rng.uniform(-2_000, 2_000), 900);
      expectWithin(step.storedAfterWh, 0, spec.capacityWh + EPS);
      expect(step.chargedWh).to.be.at.most(1_000 + EPS);
      expect(step.dischargedWh).to.be.at.most(1_000 + EPS);
      inAc += step.chargedWh;
      outAc += step.dischargedWh;
      losses += step.lossWh;
      stored = step.storedAfterWh;
    }
    expectClose(5_000 + inAc - outAc - losses, stored, 1e-6);
  });
});

describe("twin: sky", function () {
  it("stays in range and a cloud front darkens the sky where the forecast did not expect it", function () {
    const params = { meanClearSkyIndex: 0.8, persistence: 0.9, volatility: 0.05 };
    const clear = simulateSky(new Rng("sky"), 96, params, []);
    const front = simulateSky(new Rng("sky"), 96, params, [
      { fromSlot: 50, toSlot: 55, depth: 0.2 },
    ]);
    for (const v of clear.actual) expectWithin(v, 0.05, 1.05);
    expectClose(front.actual[52], clear.actual[52]! * 0.2, 0.02);
    expect(front.actual[40]).to.equal(clear.actual[40]);
    // The first slot of the front is forecast from the clear sky before it.
    expect(front.forecast[50]! - front.actual[50]!).to.be.above(0.3);
  });
});

describe("twin: community", function () {
  const scenario = parseScenario({
    seed: "twin-test",
    households: 12,
    mix: { consumers: 0.34, prosumers: 0.33, batteries: 0.33 },
  });
  const twin = simulateCommunity(buildTwinInput(scenario));

  it("balances energy in every slot of every household, actual and forecast", function () {
    for (const h of twin.households) {
      for (const f of [...h.actual, ...h.forecast]) {
        expect(Math.abs(balance(f))).to.be.below(EPS);
        expect(f.importWh * f.exportWh).to.equal(0); // never both in one slot at one meter
        expect(f.pvWh).to.be.at.least(0);
        expect(f.loadWh).to.be.above(0);
      }
    }
  });

  it("keeps every battery's energy account: initial + charged - discharged - losses = final", function () {
    const withBattery = twin.households.filter((h) => h.spec.battery);
    expect(withBattery.length).to.be.above(0);
    for (const h of withBattery) {
      const b = h.spec.battery!;
      const sum = (key: keyof SlotFlows) => h.actual.reduce((a, f) => a + f[key], 0);
      const final = h.actual.at(-1)!.storedAfterWh;
      expectClose(
        b.initialSoc * b.capacityWh + sum("chargedWh") - sum("dischargedWh") - sum("lossWh"),
        final,
        1e-6,
      );
      for (const f of h.actual) expectWithin(f.storedAfterWh, 0, b.capacityWh + EPS);
    }
  });

  it("reads meters as rounded actual import and export", function () {
    const h = twin.households[0]!;
    h.actual.forEach((f, s) => {
      expect(h.readings[s]).to.deep.equal({
        importedWh: Math.round(f.importWh),
        exportedWh: Math.round(f.exportWh),
      });
    });
  });

  it("produces PV only by day and only for prosumers", function () {
    for (const h of twin.households) {
      const total = h.actual.reduce((a, f) => a + f.pvWh, 0);
      if (h.spec.kind === "consumer") expect(total).to.equal(0);
      else expect(total).to.be.above((h.spec.pvPeakW / 1000) * 2_000); // > 2 kWh per kWp on a June day
      expect(h.actual[4]!.pvWh).to.equal(0); // 01:00 local
    }
  });

  it("makes forecasts differ from actuals (real imbalance)", function () {
    const errors = twin.households.flatMap((h) =>
      h.actual.map((f, s) => Math.abs(f.loadWh - h.forecast[s]!.loadWh)),
    );
    expect(Math.max(...errors)).to.be.above(10);
  });

  it("is a pure function of the seed", function () {
    const again = simulateCommunity(buildTwinInput(scenario));
    expect(again).to.deep.equal(twin);
    const other = simulateCommunity(buildTwinInput({ ...scenario, seed: "another-seed" }));
    expect(other.households[0]!.readings).to.not.deep.equal(twin.households[0]!.readings);
  });
});
