import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { renderHtml } from "../../scripts/report/html.js";
import { toJson } from "../../scripts/report/model.js";
import { collectProvenance, runName, strategyLabel } from "../../scripts/report/provenance.js";
import { readScenario } from "../../scripts/scenario/read.js";
import { parseScenario } from "../../scripts/scenario/schema.js";
import { sampleReport } from "./fixtures.js";

describe("report provenance", function () {
  it("names a run by scenario, strategies and time, so different strategies never share a name", function () {
    const now = new Date("2025-06-21T10:11:12.345Z");
    const linear = parseScenario({ name: "day" });
    const mixed = parseScenario({
      name: "day",
      strategy: { name: "reservation" },
      householdOverrides: [{ household: 2, strategy: { name: "idle" } }],
    });
    expect(runName(linear, now)).to.equal("day-linear-20250621T101112Z");
    expect(runName(mixed, now)).to.equal("day-reservation+idle-20250621T101112Z");
    expect(strategyLabel(mixed)).to.equal("reservation+idle");
    // --strategy replaces the community's strategy; households with their own keep theirs.
    const idle = parseScenario(
      { name: "day", householdOverrides: [{ household: 2, strategy: { name: "reservation" } }] },
      { strategy: "idle" },
    );
    expect(runName(idle, now)).to.equal("day-idle+reservation-20250621T101112Z");
    expect(
      parseScenario({ strategy: { options: { ask: 0.2 } } }, { strategy: "idle" }).strategy,
    ).to.deep.equal({
      name: "idle",
      options: {},
    });
    expect(
      parseScenario({ strategy: { options: { ask: 0.2 } } }, { strategy: "linear" }).strategy
        .options,
    ).to.deep.equal({ ask: 0.2 });
  });

  it("records the resolved scenario, the strategies per household, the commit and the tools", async function () {
    const scenario = await readScenario("scenarios/measured.json", { slots: 4 });
    const p = await collectProvenance(scenario, "t");
    const head = execFileSync("git", ["rev-parse", "HEAD"], { encoding: "utf8" }).trim();
    expect(p.commit).to.equal(head);
    expect(p.scenarioFile).to.equal("scenarios/measured.json");
    expect(p.strategy.name).to.equal("linear");
    expect(p.householdStrategies.map((s) => [s.household, s.name])).to.deep.equal([
      [5, "reservation"],
      [6, "idle"],
    ]);
    expect(p.tools.node).to.equal(process.version);
    expect(p.tools.hardhat).to.match(/^3\./);
    expect(p.tools.solc).to.match(/^0\.8\./);
    expect(p.profiles!.households).to.deep.equal([1, 2, 3]);
    // The scenario as the run used it: the override applied, the measured series only as their hash.
    const json = JSON.parse(toJson(p.scenario)) as Record<string, unknown>;
    expect(json.slots).to.equal(4);
    expect(json.measured).to.equal(undefined);
    expect(json.profiles).to.deep.equal({ file: p.profiles!.file, sha256: p.profiles!.sha256 });
    expect((json.tariffs as { retailPerWh: string }).retailPerWh).to.equal("320");
    const report = sampleReport();
    report.run.provenance = p;
    const html = renderHtml(report);
    expect(html).to.contain("<h2>Provenance</h2>");
    expect(html).to.contain(head);
    expect(html).to.contain("<td>household 5</td><td>reservation</td>");
  });
});
