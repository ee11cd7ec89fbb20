import { expect } from "chai";
import { buildHouseholds } from "../../scripts/scenario/community.js";
import { ScenarioError } from "../../scripts/scenario/fields.js";
import { householdStrategies } from "../../scripts/scenario/households.js";
import { parseScenario } from "../../scripts/scenario/schema.js";
import { strategiesOf } from "../../scripts/strategy/index.js";

function refusal(data: unknown): string {
  try {
    buildHouseholds(parseScenario(data));
  } catch (error) {
    expect(error).to.be.instanceOf(ScenarioError);
    return (error as Error).message;
  }
  throw new Error("the scenario was accepted");
}

const base = { households: 6, seed: "overrides" };

describe("scenario: householdOverrides", function () {
  it("gives a household its own kind, battery, PV and load, and leaves the others as they were", function () {
    const plain = buildHouseholds(parseScenario(base));
    const changed = buildHouseholds(
      parseScenario({
        ...base,
        householdOverrides: [
          { household: 2, kind: "battery", battery: { capacityKwh: 13.5, initialSoc: 0.5 } },
          { household: 3, pv: { peakKw: 7.25, factor: 1 }, load: { annualKwh: 6000 } },
        ],
      }),
    );
    expect(plain[1]!.kind).to.equal("consumer");
    expect(changed[1]!.kind).to.equal("battery");
    expect(changed[1]!.battery!.capacityWh).to.equal(13_500);
    expect(changed[1]!.battery!.initialSoc).to.equal(0.5);
    expect(changed[1]!.battery!.maxPowerW).to.equal(5000); // the community's power
    expect(changed[1]!.pvPeakW).to.be.above(0);
    expect(changed[2]!.pvPeakW).to.equal(7250);
    expect(changed[2]!.pvFactor).to.equal(1);
    expect(changed[2]!.load.annualKWh).to.equal(6000);
    expect(changed[2]!.load.noise).to.equal(plain[2]!.load.noise);
    for (const i of [0, 3, 4, 5]) expect(changed[i]).to.deep.equal(plain[i]);
  });

  it("gives households their own strategy; the same strategy's options refine the community's", function () {
    const scenario = parseScenario({
      ...base,
      strategy: { name: "linear", options: { ask: 0.3, bid: 0.7 } },
      householdOverrides: [
        { household: [1, 4], strategy: { name: "reservation", options: { minWh: 50 } } },
        { household: 2, strategy: { options: { bid: 0.9 } } },
      ],
    });
    const choices = householdStrategies(scenario);
    expect(choices.map((c) => c.name)).to.deep.equal([
      "reservation",
      "linear",
      "linear",
      "reservation",
      "linear",
      "linear",
    ]);
    expect(choices[0]!.options).to.deep.equal({ minWh: 50 });
    expect(choices[1]!.options).to.deep.equal({ ask: 0.3, bid: 0.9 });
    expect(choices[2]).to.equal(scenario.strategy);
    expect(strategiesOf(scenario).map((s) => s.name)).to.deep.equal(choices.map((c) => c.name));
  });

  it("refuses an unknown household strategy when the run starts, naming the household", function () {
    const scenario = parseScenario({
      ...base,
      householdOverrides: [{ household: 3, strategy: { name: "clairvoyant" } }],
    });
    expect(() => strategiesOf(scenario)).to.throw(
      /^scenario\.householdOverrides \(household 3\)\.strategy\.name: unknown strategy "clairvoyant"/,
    );
  });

  it("names the field of a bad entry in one line", function () {
    expect(refusal({ ...base, householdOverrides: [{ household: 9 }] })).to.equal(
      "scenario.householdOverrides[0].household: household 9 does not exist (the community has 6)",
    );
    expect(refusal({ ...base, householdOverrides: [{ household: "two" }] })).to.match(
      /^scenario\.householdOverrides\[0\]\.household: expected a household number/,
    );
    expect(refusal({ ...base, householdOverrides: [{ household: 1, kind: "factory" }] })).to.match(
      /^scenario\.householdOverrides\[0\]\.kind: expected one of consumer, prosumer, battery/,
    );
    expect(
      refusal({ ...base, householdOverrides: [{ household: 1, battery: { capacityKwh: -1 } }] }),
    ).to.equal("scenario.householdOverrides[0].battery.capacityKwh: must be at least 0.1, got -1");
    expect(refusal({ ...base, householdOverrides: [{ household: 1, pv: { peak: 5 } }] })).to.match(
      /^scenario\.householdOverrides\[0\]\.pv\.peak: unknown field/,
    );
    expect(
      refusal({ ...base, householdOverrides: [{ household: 1 }, { household: [2, 1] }] }),
    ).to.equal(
      "scenario.householdOverrides[1].household: household 1 is already set by scenario.householdOverrides[0]",
    );
  });

  it("refuses equipment the household's kind would ignore", function () {
    // Household 2 of this community is a consumer by the mix.
    expect(
      refusal({ ...base, householdOverrides: [{ household: 2, battery: { capacityKwh: 5 } }] }),
    ).to.equal(
      'scenario.householdOverrides (household 2).battery: household 2 is a consumer: add "kind": "battery"',
    );
    expect(
      refusal({ ...base, householdOverrides: [{ household: 2, pv: { peakKw: 5 } }] }),
    ).to.match(/household 2 is a consumer: add "kind": "prosumer"/);
    expect(
      refusal({
        ...base,
        householdOverrides: [{ household: 1, kind: "consumer", pv: { peakKw: 5 } }],
      }),
    ).to.match(/^scenario\.householdOverrides\[0\]\.pv\.peakKw: a consumer has no PV/);
  });
});
