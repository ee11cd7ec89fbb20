import { expect } from "chai";
import { readdir } from "node:fs/promises";
import { householdKinds } from "../../scripts/scenario/community.js";
import { ScenarioError } from "../../scripts/scenario/fields.js";
import { readScenario, parseScenarioText } from "../../scripts/scenario/read.js";
import { parseScenario } from "../../scripts/scenario/schema.js";

function refusal(data: unknown, overrides = {}): string {
  try {
    parseScenario(data, overrides);
  } catch (error) {
    expect(error).to.be.instanceOf(ScenarioError);
    return (error as Error).message;
  }
  throw new Error("the scenario was accepted");
}

describe("scenario", function () {
  it("loads the default scenario: 20 households, 96 slots of 15 minutes, faults of every kind", async function () {
    const s = await readScenario("scenarios/default.json");
    expect(s.households).to.equal(20);
    expect(s.slots).to.equal(96);
    expect(s.slotLengthSeconds).to.equal(900);
    expect(s.tariffs.retailPerWh).to.equal(320n);
    expect(s.tariffs.feedInPerWh).to.equal(80n);
    expect(new Set(s.faults.map((f) => f.type))).to.have.lengthOf(5);
  });

  it("loads every scenario file shipped in scenarios/", async function () {
    const files = (await readdir("scenarios")).filter((f) => /\.(json|ya?ml)$/.test(f));
    expect(files.length).to.be.at.least(2);
    for (const file of files) await readScenario(`scenarios/${file}`);
  });

  it("applies command-line overrides and caps slots at the days simulated", function () {
    const s = parseScenario({}, { households: 3, slots: 500, seed: "x", days: 2 });
    expect(s.households).to.equal(3);
    expect(s.slots).to.equal(192);
    expect(s.seed).to.equal("x");
  });

  it("reads YAML scenarios", async function () {
    const s = await parseScenarioText(
      "name: small\nhouseholds: 4\ntariffs:\n  retail: 0.30\n  feedIn: 0.07\n",
      "small.yaml",
    );
    expect(s.name).to.equal("small");
    expect(s.tariffs.retailPerWh).to.equal(300n);
  });

  it("names the field of a wrong type", function () {
    expect(refusal({ households: "many" })).to.equal(
      'scenario.households: expected a number, got "many"',
    );
    expect(refusal({ site: { latitude: 95 } })).to.equal(
      "scenario.site.latitude: must be at most 66, got 95",
    );
  });

  it("refuses a misspelt field instead of ignoring it", function () {
    expect(refusal({ tarifs: {} })).to.match(/^scenario\.tarifs: unknown field/);
    expect(refusal({ tariffs: { retial: "0.3" } })).to.match(
      /^scenario\.tariffs\.retial: unknown field/,
    );
  });

  it("refuses tariffs that are out of order or too precise", function () {
    expect(refusal({ tariffs: { retail: "0.10", feedIn: "0.20" } })).to.match(
      /^scenario\.tariffs\.feedIn: must be below the retail tariff/,
    );
    expect(refusal({ tariffs: { retail: "0.3333" } })).to.match(
      /^scenario\.tariffs\.retail: .*more than 3 decimals/,
    );
  });

  it("refuses shares that do not add up and slot lengths that do not divide the day", function () {
    expect(refusal({ mix: { consumers: 0.5, prosumers: 0.5, batteries: 0.5 } })).to.match(
      /^scenario\.mix: shares .* add up to 1/,
    );
    expect(refusal({ slotLengthSeconds: 7 })).to.match(
      /^scenario\.slotLengthSeconds: must be at least 10/,
    );
    expect(refusal({ slotLengthSeconds: 1000 })).to.match(/must divide a day/);
  });

  it("refuses faults naming households that do not exist or unknown fault types", function () {
    expect(refusal({ households: 3, faults: [{ type: "meterOffline", household: 7 }] })).to.equal(
      "scenario.faults[0].household: household 7 does not exist (the community has 3)",
    );
    expect(refusal({ faults: [{ type: "earthquake" }] })).to.match(
      /^scenario\.faults\[0\]\.type: expected one of meterOffline/,
    );
    expect(refusal({ faults: [{ type: "cloudFront", fromSlot: 5, toSlot: 2 }] })).to.match(
      /toSlot: must not be before fromSlot/,
    );
  });

  it("says when it caps --slots at the days simulated", function () {
    expect(parseScenario({}, { slots: 1000 }).notices).to.deep.equal([
      "--slots 1000 capped at 96, the slots left in 1 day from 00:00 (raise --days for more)",
    ]);
    expect(parseScenario({}, { slots: 96 }).notices).to.deep.equal([]);
  });

  it("drops, with a notice, faults and overrides of households beyond a smaller --households", async function () {
    const s = await readScenario("scenarios/e2e.json", { households: 3 });
    expect(s.faults.map((f) => f.type)).to.deep.equal([
      "overPromise",
      "meterOffline",
      "lateReadings",
      "cloudFront",
    ]);
    expect(s.notices).to.deep.equal([
      "scenario.faults[0] (forgedSignatures, household 5) dropped: --households 3",
    ]);
    const data = {
      households: 6,
      householdOverrides: [{ household: [2, 5], kind: "consumer" }],
      faults: [{ type: "meterOffline", household: 5 }],
    };
    const shrunk = parseScenario(data, { households: 4 });
    expect(shrunk.householdOverrides.map((o) => o.household)).to.deep.equal([2]);
    expect(shrunk.faults).to.deep.equal([]);
    expect(shrunk.notices).to.have.lengthOf(2);
    expect(parseScenario(data, { households: 10 }).faults).to.have.lengthOf(1);
  });

  it("still refuses a fault the scenario itself names for a household it does not have", function () {
    const data = { households: 3, faults: [{ type: "meterOffline", household: 7 }] };
    expect(refusal(data, { households: 10 })).to.equal(
      "scenario.faults[0].household: household 7 does not exist (the community has 3)",
    );
    expect(refusal(data, { households: 2 })).to.match(/household 7 does not exist/);
  });

  it("starts at --start HH:MM on a slot boundary, and refuses any other time", function () {
    expect(parseScenario({}, { start: "10:30" }).startSlotOfDay).to.equal(42);
    expect(parseScenario({}, { start: "10:30", slots: 8 }).slots).to.equal(8);
    expect(parseScenario({}, { start: "23:00" }).slots).to.equal(4);
    expect(refusal({}, { start: "10:07" })).to.equal(
      "--start: 10:07 is not the start of a slot: slots are 15 min long from 00:00",
    );
    expect(refusal({}, { start: "24:00" })).to.match(/^--start: expected a local time of day/);
    expect(refusal({}, { start: "noon" })).to.match(/^--start: expected a local time of day/);
  });

  it("names the command-line option of a bad override", function () {
    expect(refusal({}, { households: 0 })).to.match(/^--households: /);
    expect(refusal({}, { slots: -1 })).to.match(/^--slots: /);
  });

  it("spreads household kinds evenly", function () {
    const kinds = householdKinds(20, { consumers: 0.4, prosumers: 0.45, batteries: 0.15 });
    expect(kinds.filter((k) => k === "consumer")).to.have.lengthOf(8);
    expect(kinds.filter((k) => k === "prosumer")).to.have.lengthOf(9);
    expect(kinds.filter((k) => k === "battery")).to.have.lengthOf(3);
    expect(householdKinds(3, { consumers: 0.4, prosumers: 0.45, batteries: 0.15 })).to.deep.equal([
      "prosumer",
      "consumer",
      "battery",
    ]);
  });
});
