import { expect } from "chai";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { householdSlotsCsv, householdsCsv, slotsCsv, toCsv } from "../../scripts/report/csv.js";
import { dayMarks, faultResult, renderHtml } from "../../scripts/report/html.js";
import { toJson } from "../../scripts/report/model.js";
import { formatSummary } from "../../scripts/report/summary.js";
import { niceStep, renderChart } from "../../scripts/report/svg.js";
import { defaultReportDir, writeReport } from "../../scripts/report/write.js";
import { sampleReport } from "./fixtures.js";

describe("report", function () {
  it("writes bigints as decimal strings in JSON", function () {
    const parsed = JSON.parse(toJson(sampleReport())) as {
      totals: { savings: string };
      slots: Array<{ chainSlot: string }>;
    };
    expect(parsed.totals.savings).to.equal("450000");
    expect(parsed.slots[0]!.chainSlot).to.equal("1000000");
  });

  it("writes CSV with a header, one row per item, quoting where needed", function () {
    const report = sampleReport(8, 3);
    const slots = slotsCsv(report).trim().split("\n");
    expect(slots).to.have.lengthOf(9);
    expect(slots[0]).to.match(/^slot,chain_slot,local_time,clearing_price_per_kwh,/);
    expect(slots[1]).to.match(/^0,1000000,10:00,,/); // no price where nothing traded
    expect(slots[2]).to.contain(",0.155,"); // 155 base units per Wh = 0.155 per kWh
    expect(householdsCsv(report).trim().split("\n")).to.have.lengthOf(4);
    expect(toCsv(["a"], [['x,"y"']])).to.equal('a\n"x,""y"""\n');
  });

  it("writes household_slots.csv in human units: Wh, currency per kWh, currency", function () {
    const report = sampleReport(2, 1);
    const row = {
      household: 1,
      slot: 0,
      localTime: "10:00",
      kind: "battery",
      strategy: "linear",
      measured: true,
      pvWh: 812.34,
      loadWh: 100,
      importWh: 0,
      exportWh: 500,
      chargedWh: 212.3,
      dischargedWh: 0,
      batterySoc: 0.41234,
      forecastPvWh: 700,
      forecastLoadWh: 90,
      forecastNetWh: 420,
      actualNetWh: 500,
      buyOrderWh: 0n,
      buyLimitPerWh: null,
      sellOrderWh: 378n,
      sellLimitPerWh: 164n,
      clearingPricePerWh: 155n,
      boughtWh: 0n,
      soldWh: 300n,
      deliveredWh: 300n,
      shortfallWh: 0n,
      paid: 0n,
      proceeds: 46_500n,
      penalty: 0n,
      submitted: "on time",
      reading: "recorded",
    };
    report.series = [row, { ...row, slot: 1, kind: "prosumer", batterySoc: null, measured: false }];
    const [header, first, second] = householdSlotsCsv(report).trim().split("\n");
    expect(header).to.match(
      /^household,slot,local_time,kind,strategy,measured,pv_wh,load_wh,import_wh,export_wh,/,
    );
    expect(first).to.equal(
      "1,0,10:00,battery,linear,1,812.3,100.0,0,500,212.3,0.0,0.4123,700.0,90.0,420.0,500,0,,378,0.164,0.155,0,300,300,0,0,0.0465,0,on time,recorded",
    );
    expect(second).to.match(/^1,1,10:00,prosumer,linear,0,.*,0\.0,,700\.0,/);
  });

  it("renders self-contained HTML: charts inline, nothing fetched, text escaped", function () {
    const html = renderHtml(sampleReport());
    expect(html).to.match(/^<!doctype html>/);
    expect((html.match(/<svg class="chart"/g) ?? []).length).to.equal(6);
    for (const id of ["price", "energy", "grid", "imbalance", "savings", "gas"])
      expect(html).to.contain(`data-chart="${id}"`);
    expect(html).to.not.match(/<script|<link|src=|url\(|@import/i);
    expect(html).to.not.match(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html).to.contain("A &lt;sample&gt; report &amp; its charts");
    expect(html).to.contain('id="ledger-status" class="badge ok"');
  });

  it("draws one bar per non-zero value and one path per line series", function () {
    const svg = renderChart({
      id: "t",
      title: "t",
      yLabel: "y",
      xLabels: ["a", "b", "c"],
      series: [
        { name: "bars", values: [1, 0, -2], color: "#000", kind: "bar" },
        { name: "line", values: [1, Number.NaN, 3], color: "#111" },
      ],
    });
    expect((svg.match(/<rect class="datum"/g) ?? []).length).to.equal(2);
    expect(svg).to.match(/<path class="datum" d="M[\d.]+,[\d.]+M[\d.]+,[\d.]+"/); // a gap where NaN
    expect(niceStep(97)).to.equal(20);
    expect(niceStep(0.9)).to.equal(0.2);
  });

  it("draws bars over the translucent area, so that they keep their legend's colour", function () {
    const svg = renderChart({
      id: "energy",
      title: "t",
      yLabel: "kWh",
      xLabels: ["a", "b"],
      series: [
        { name: "traded", values: [1, 2], color: "#0ea5e9", kind: "bar" },
        { name: "generation", values: [3, 4], color: "#f59e0b", kind: "area" },
        { name: "consumption", values: [2, 1], color: "#7c3aed" },
      ],
    });
    const areaFill = svg.indexOf('fill="#f59e0b" fill-opacity');
    const firstBar = svg.indexOf('<rect class="datum"');
    expect(areaFill).to.be.above(-1);
    expect(firstBar, "a bar drawn before the area is tinted by it").to.be.above(areaFill);
    expect(svg.indexOf('data-series="consumption"><path')).to.be.above(firstBar);
    const legend = (name: string) =>
      /<g class="legend" data-series="([^"]+)">(.*?)<\/g>/g.exec(
        svg.slice(svg.indexOf(`<g class="legend" data-series="${name}"`)),
      )![2]!;
    expect(legend("traded")).to.match(/^<rect [^>]*fill="#0ea5e9"\/>/); // solid, as the bars
    expect(legend("generation")).to.contain('fill="#f59e0b" fill-opacity="0.25"'); // as the area
    expect(legend("consumption")).to.match(/^<line [^>]*stroke="#7c3aed"/); // a stroke, as the line
  });

  it("marks where each day starts on a multi-day axis, and nothing within one day", function () {
    expect(dayMarks(["23:30", "23:45", "00:00", "00:15", "23:45", "00:00"])).to.deep.equal([
      { index: 0, label: "day 1" },
      { index: 2, label: "day 2" },
      { index: 5, label: "day 3" },
    ]);
    expect(dayMarks(["00:00", "00:15", "23:45"])).to.deep.equal([]);
    const report = sampleReport(8);
    report.slots.forEach((s, i) => (s.localTime = i < 4 ? `23:${15 * i}` : `00:${15 * (i - 4)}`));
    const html = renderHtml(report);
    // the four per-slot charts: price, energy, grid, imbalance
    expect((html.match(/<g class="day-mark">/g) ?? []).length).to.equal(8);
    expect(html).to.contain(">day 2</text>");
    expect(renderHtml(sampleReport(8))).to.not.contain('class="day-mark"');
  });

  it("wraps the summary inside its box instead of letting long lines overflow it", function () {
    const css = /pre\.summary \{([^}]*)\}/.exec(renderHtml(sampleReport()))![1]!;
    expect(css).to.contain("white-space: pre-wrap");
    expect(css).to.contain("overflow-wrap: anywhere");
  });

  it("shows a fault none of whose slots ran as 'not injected', not 'ok'", function () {
    const report = sampleReport();
    report.faults[0] = {
      ...report.faults[0]!,
      slots: "outside the run",
      observed: "not injected",
      injected: false,
    };
    expect(faultResult(report.faults[0])).to.equal("not injected");
    expect(faultResult({ ...report.faults[0], injected: true, ok: false })).to.equal(
      "NOT OBSERVED",
    );
    expect(renderHtml(report)).to.contain("<td>not injected</td>");
    expect(formatSummary(report)).to.match(/^ {2}n\/a {2}forgedSignatures/m);
  });

  it("summarises the run on screen", function () {
    const text = formatSummary(sampleReport());
    expect(text).to.contain("Scenario sample: 3 households, 8 slots of 15 min");
    expect(text).to.contain("Self-sufficiency 82.0 %");
    expect(text).to.contain("Ledger: all 2 checks add up");
  });

  it("writes the report folder: JSON, three CSV files and the HTML", async function () {
    const dir = await mkdtemp(path.join(os.tmpdir(), "gridledger-report-"));
    try {
      const written = await writeReport(sampleReport(), dir);
      for (const file of Object.values(written.files))
        expect((await readFile(file, "utf8")).length).to.be.above(50);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(defaultReportDir("default", new Date("2025-06-21T10:11:12.345Z"))).to.equal(
      path.join("reports", "default-20250621T101112Z"),
    );
  });
});
