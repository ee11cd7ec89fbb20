import { expect } from "chai";
import { expectClose } from "../helpers/approx.js";
import { readFile } from "node:fs/promises";
import {
  communitySelfSufficiency,
  DEFINITIONS,
  householdSelfSufficiency,
  volumeWeightedPrice,
} from "../../scripts/report/figures.js";
import { basePerWhToPricePerKWh } from "../../scripts/lib/units.js";
import { renderHtml } from "../../scripts/report/html.js";
import { formatSummary } from "../../scripts/report/summary.js";
import { sampleReport } from "./fixtures.js";

const slot = (price: bigint | null, tradedWh: number) => ({ clearingPricePerWh: price, tradedWh });

describe("report figures and their definitions", function () {
  it("weights the mean clearing price by volume", function () {
    // Unweighted the mean of 100 and 300 is 200; 900 Wh at 100 and 100 Wh at 300 make 120.
    expect(volumeWeightedPrice([slot(100n, 900), slot(300n, 100), slot(null, 0)])).to.equal(120n);
    expect(volumeWeightedPrice([slot(null, 0)])).to.equal(null);
  });

  it("defines self-sufficiency two ways: the community netted per slot, and each household alone", function () {
    const slots = [
      { consumptionWh: 1000, gridImportWh: 600, gridExportWh: 400 },
      { consumptionWh: 1000, gridImportWh: 300, gridExportWh: 500 },
    ];
    // Community: net import 200 + 0 of 2000 consumed; each household alone: 900 imported of 2000.
    expectClose(communitySelfSufficiency(slots), 0.9, 1e-12);
    expectClose(householdSelfSufficiency({ consumptionWh: 2000, gridImportWh: 900 }), 0.55, 1e-12);
  });

  it("prints the volume-weighted price and both self-sufficiencies, consistent with the printed figures", function () {
    const report = sampleReport();
    const text = formatSummary(report);
    const price = volumeWeightedPrice(report.slots)!;
    expect(text).to.contain(
      `volume-weighted mean clearing price ${basePerWhToPricePerKWh(price)} EUR/kWh`,
    );
    // The sample's totals: 3200 Wh imported of 18000 consumed.
    expect(text).to.contain("Self-sufficiency 82.0 % as a community (82.2 % each household alone)");
  });

  it("defines every headline figure in the HTML report and in docs/report.md", async function () {
    const html = renderHtml(sampleReport());
    expect(html).to.contain('<h2 id="definitions">Definitions</h2>');
    const docs = await readFile("docs/report.md", "utf8");
    for (const d of DEFINITIONS) {
      expect(html).to.contain(`<td>${d.figure.replace(/&/g, "&amp;")}</td>`);
      const cell = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
      expect(docs, d.figure).to.match(
        new RegExp(`\\|\\s*${cell(d.figure)}\\s*\\|\\s*${cell(d.definition)}\\s*\\|`),
      );
    }
  });
});
