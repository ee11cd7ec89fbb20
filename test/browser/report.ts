/**
 * The HTML report in a real browser: headless Chromium (Debian's /usr/bin/chromium, driven by
 * playwright-core) opens a report written by a short simulation on the embedded network, from disk with
 * the network cut off, and the charts must have rendered: every chart present with its data drawn, and
 * a screenshot that is not blank.
 */
import { expect } from "chai";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import hre, { network } from "hardhat";
import type { Browser, Page } from "playwright-core";
import { chainFrom } from "../../scripts/lib/chain.js";
import { writeReport } from "../../scripts/report/write.js";
import { readScenario } from "../../scripts/scenario/read.js";
import { runSimulation } from "../../scripts/sim/run.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
const CHARTS = ["price", "energy", "grid", "imbalance", "savings", "gas"];

/** Share of pixels of a PNG that differ from its most common colour, decoded by the browser itself. */
async function nonBackgroundShare(page: Page, png: Buffer): Promise<number> {
  // Runs in the page (a string, since the tests are compiled without DOM types).
  const inPage = `(async (dataUrl) => {
    const img = new Image();
    img.src = dataUrl;
    await img.decode();
    const canvas = document.createElement("canvas");
    canvas.width = img.width;
    canvas.height = img.height;
    const ctx = canvas.getContext("2d");
    ctx.drawImage(img, 0, 0);
    const data = ctx.getImageData(0, 0, img.width, img.height).data;
    const counts = new Map();
    for (let i = 0; i < data.length; i += 4) {
      const key = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
      counts.set(key, (counts.get(key) || 0) + 1);
    }
    return 1 - Math.max(...counts.values()) / (data.length / 4);
  })("data:image/png;base64,${png.toString("base64")}")`;
  return (await page.evaluate(inPage)) as number;
}

describe("HTML report in headless Chromium", function () {
  let dir: string;
  let browser: Browser | undefined;
  let page: Page;

  before(async function () {
    // Coverage instruments the contracts (more gas than the simulation's explicit limits); runs in `npm test`.
    if (hre.globalOptions.coverage === true) this.skip();
    if (!existsSync(CHROMIUM))
      throw new Error(`Chromium is missing at ${CHROMIUM} (apt-get install chromium)`);
    const chain = await chainFrom(await network.create());
    const scenario = await readScenario("scenarios/e2e.json");
    const report = await runSimulation({ chain, scenario, progress: { silent: true } });
    dir = await mkdtemp(path.join(os.tmpdir(), "gridledger-browser-"));
    const written = await writeReport(report, dir);
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const context = await browser.newContext({
      offline: true,
      viewport: { width: 1000, height: 800 },
    });
    // Nothing but the file itself may load: count any other request.
    const requests: string[] = [];
    context.on(
      "request",
      (r) => !r.url().startsWith("file:") && !r.url().startsWith("data:") && requests.push(r.url()),
    );
    page = await context.newPage();
    await page.goto(pathToFileURL(written.files.html).href, { waitUntil: "load" });
    (page as Page & { externalRequests?: string[] }).externalRequests = requests;
  });

  after(async function () {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("renders all six charts with their data drawn", async function () {
    for (const id of CHARTS) {
      const chart = page.locator(`svg.chart[data-chart="${id}"]`);
      expect(await chart.count(), id).to.equal(1);
      const box = await chart.boundingBox();
      expect(box?.width, id).to.be.above(300);
      expect(box?.height, id).to.be.above(100);
      expect(await chart.locator(".datum").count(), `${id} data`).to.be.above(0);
    }
    // The price line is a real path with several points.
    const d = await page
      .locator('svg.chart[data-chart="price"] g.series path')
      .first()
      .getAttribute("d");
    expect((d ?? "").split(/[ML]/).length).to.be.above(4);
  });

  it("shows the ledger status and the fault table", async function () {
    expect(await page.locator("#ledger-status").textContent()).to.equal("adds up");
    expect(await page.locator("table.faults tbody tr").count()).to.equal(5);
    expect(await page.title()).to.contain("e2e");
  });

  it("keeps the summary inside its box", async function () {
    const fits = await page
      .locator("pre.summary")
      .evaluate(
        (el: { scrollWidth: number; clientWidth: number }) => el.scrollWidth <= el.clientWidth,
      );
    expect(fits).to.equal(true);
  });

  it("shows the traded bars on top, in their legend's colour", async function () {
    const legend = page.locator(
      'svg.chart[data-chart="energy"] g.legend[data-series="traded"] rect',
    );
    const colour = await legend.getAttribute("fill");
    const bar = page
      .locator('svg.chart[data-chart="energy"] g.series[data-series="traded"] rect')
      .first();
    // elementFromPoint takes viewport coordinates: bring the bar into the viewport first.
    await bar.scrollIntoViewIfNeeded();
    const box = (await bar.boundingBox())!;
    // What the reader sees at the bar's centre is the bar (or a line crossing it), not the area's tint.
    const top = (await page.evaluate(
      `document.elementFromPoint(${box.x + box.width / 2}, ${box.y + box.height / 2})?.getAttribute("fill")`,
    )) as string | null;
    expect(top).to.be.oneOf([colour, "none"]);
  });

  it("loads nothing from the network", function () {
    expect((page as Page & { externalRequests?: string[] }).externalRequests).to.deep.equal([]);
  });

  it("takes a screenshot that is not blank", async function () {
    const charts = await page.locator(".charts").screenshot();
    const share = await nonBackgroundShare(page, charts);
    expect(share).to.be.above(0.05);
    if (process.env.GRIDLEDGER_SCREENSHOT)
      await writeFile(process.env.GRIDLEDGER_SCREENSHOT, charts);
  });
});
