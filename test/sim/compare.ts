import { expect } from "chai";
import { expectClose } from "../helpers/approx.js";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { UsageError } from "../../scripts/lib/errors.js";
import { loadRun, loadRuns } from "../../scripts/report/compare.js";
import {
  comparisonCsv,
  renderComparison,
  writeComparison,
} from "../../scripts/report/comparison.js";
import { volumeWeightedPrice } from "../../scripts/report/figures.js";
import { writeReport } from "../../scripts/report/write.js";
import { sampleReport } from "./fixtures.js";

async function refusal(dirs: string[]): Promise<string> {
  try {
    await loadRuns(dirs);
  } catch (error) {
    expect(error).to.be.instanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error("the folders were accepted");
}

describe("compare: report folders side by side", function () {
  let root: string;
  let a: string;
  let b: string;

  before(async function () {
    root = await mkdtemp(path.join(os.tmpdir(), "gridledger-compare-"));
    a = path.join(root, "a");
    b = path.join(root, "b");
    const first = sampleReport(8, 3);
    first.run.name = "run-a";
    const second = sampleReport(12, 4);
    second.run.name = "run-b";
    second.slots.forEach((s) => (s.tradedWh *= 2));
    second.totals.savings = -20_000n;
    await writeReport(first, a);
    await writeReport(second, b);
  });

  after(async function () {
    await rm(root, { recursive: true, force: true });
  });

  it("reads a report folder's figures with the report's own definitions", async function () {
    const run = await loadRun(a);
    const report = sampleReport(8, 3);
    expect(run.name).to.equal("run-a");
    expect(run.slots).to.have.lengthOf(8);
    expect(run.meanPricePerWh).to.equal(volumeWeightedPrice(report.slots));
    expect(run.savings).to.equal(450_000n);
    expectClose(run.householdSelfSufficiency, 1 - 3200 / 18_000, 1e-12);
    expect(run.strategy).to.equal("unknown"); // the sample has no provenance
  });

  it("writes one CSV row per run, in the order given", async function () {
    const csv = comparisonCsv(await loadRuns([b, a]))
      .trim()
      .split("\n");
    expect(csv).to.have.lengthOf(3);
    expect(csv[0]).to.match(
      /^run,folder,scenario,strategy,commit,households,slots,traded_kwh,mean_clearing_price_per_kwh,savings,/,
    );
    expect(csv[1]).to.match(/^run-b,.*,4,12,/);
    expect(csv[1]).to.contain(",-0.02,-0.005,"); // savings and savings per household
    expect(csv[2]).to.match(/^run-a,.*,3,8,/);
  });

  it("renders one self-contained page: a line per run on the per-slot charts, nothing fetched", async function () {
    const html = renderComparison(await loadRuns([a, b]));
    for (const id of ["price", "volume", "savings", "self-sufficiency"])
      expect(html).to.contain(`data-chart="${id}"`);
    const volume = html.slice(html.indexOf('data-chart="volume"'));
    expect(volume.slice(0, volume.indexOf("</svg>")))
      .to.contain('data-series="run-a"')
      .and.contain('data-series="run-b"');
    expect(html).to.not.match(/<script|<link|src=|url\(|@import/i);
    expect(html).to.not.match(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html).to.contain("volume-weighted");
    const files = await writeComparison(await loadRuns([a, b]), path.join(root, "out"));
    expect(await readFile(files.csv, "utf8")).to.contain("run-b");
    expect(await readFile(files.html, "utf8")).to.equal(html);
  });

  it("refuses, naming it, a missing folder, a file, a folder without report.json or with another JSON", async function () {
    expect(await refusal([])).to.equal("compare: give one or more report folders");
    expect(await refusal([a, path.join(root, "nope")])).to.equal(
      `${path.join(root, "nope")}: no such folder`,
    );
    expect(await refusal([path.join(a, "report.json")])).to.match(/report\.json: not a folder/);
    const empty = path.join(root, "empty");
    await mkdir(empty, { recursive: true });
    expect(await refusal([empty])).to.equal(
      `${empty}: has no report.json: not a simulation report folder`,
    );
    const other = path.join(root, "other");
    await mkdir(other, { recursive: true });
    await writeFile(path.join(other, "report.json"), JSON.stringify({ violations: [] }));
    expect(await refusal([other])).to.match(/other: report\.json is not a simulation report/);
    await writeFile(path.join(other, "report.json"), "{");
    expect(await refusal([other])).to.match(/other: report\.json is not valid JSON/);
  });
});
