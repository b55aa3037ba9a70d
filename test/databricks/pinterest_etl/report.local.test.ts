import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { chromium, Browser } from "playwright-core";
import { PNG } from "pngjs";
import chartFile from "../../../databricks/pinterest_etl/charts.json";

// The local report in a real browser: Debian's headless Chromium (local/setup-chromium.sh) opens
// it, takes a screenshot, and every chart's box must hold drawn pixels, so a chart that renders
// nothing fails. By default the report is rendered from fixed data
// (databricks/tests/fixtures/report_data.json); REPORT_HTML=.local/report.html checks the one
// the main command wrote instead, and REPORT_SCREENSHOT=docs/report.png keeps the screenshot:
//   REPORT_HTML=.local/report.html REPORT_SCREENSHOT=docs/report.png \
//     npx mocha test/databricks/pinterest_etl/report.local.test.ts

const ROOT = path.resolve(__dirname, "..", "..", "..");
const CHROMIUM = "/usr/bin/chromium";
// This machine has no network: without these Chromium waits on updates, sync and QUIC probes.
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const CHARTS = chartFile.charts.map((c) => c.suffix);

/** The report page for the fixed data, written by the Python generator. */
function renderFixture(dir: string): string {
  const out = path.join(dir, "report.html");
  const run = spawnSync(
    path.join(ROOT, ".venv", "bin", "python"),
    ["-m", "pinterest_etl.report", "--data", "tests/fixtures/report_data.json", "--out", out],
    { cwd: path.join(ROOT, "databricks"), encoding: "utf8" },
  );
  if (run.status !== 0) throw new Error(`pinterest_etl.report failed: ${run.stderr}`);
  return out;
}

interface Box {
  chart: string;
  kind: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Per chart box, the share of its pixels that are not the white background (0..1) and the
 *  share that are coloured (bars; text and grid lines are grey). */
export function inkPerBox(png: PNG, boxes: Box[]): Record<string, { ink: number; colour: number }> {
  const out: Record<string, { ink: number; colour: number }> = {};
  for (const b of boxes) {
    let ink = 0;
    let colour = 0;
    let total = 0;
    const x1 = Math.min(png.width, Math.ceil(b.x + b.width));
    const y1 = Math.min(png.height, Math.ceil(b.y + b.height));
    for (let y = Math.max(0, Math.floor(b.y)); y < y1; y++) {
      for (let x = Math.max(0, Math.floor(b.x)); x < x1; x++) {
        const i = (png.width * y + x) * 4;
        const [r, g, bl] = [png.data[i], png.data[i + 1], png.data[i + 2]];
        total++;
        if (r < 240 || g < 240 || bl < 240) ink++;
        if (Math.max(r, g, bl) - Math.min(r, g, bl) > 40) colour++;
      }
    }
    out[b.chart] = { ink: ink / Math.max(total, 1), colour: colour / Math.max(total, 1) };
  }
  return out;
}

/** The charts whose box is blank: a bar chart without coloured bars, a table without text. */
export function blankCharts(png: PNG, boxes: Box[]): string[] {
  const ink = inkPerBox(png, boxes);
  return boxes
    .filter((b) => (b.kind === "table" ? ink[b.chart].ink < 0.02 : ink[b.chart].colour < 0.02))
    .map((b) => b.chart);
}

describe("local report in headless Chromium", function () {
  this.timeout(180_000);
  let browser: Browser;
  let dir: string;

  before(async () => {
    if (!fs.existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: run local/setup-chromium.sh (local/test does)`);
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "report-"));
    // launch() gives Chromium a fresh temporary profile (--user-data-dir) and removes it on close.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      timeout: 120_000,
    });
  });
  after(async () => {
    await browser?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Opens the page, returns its full screenshot and each chart's plot box; records requests. */
  async function open(file: string) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(`file://${file}`, { waitUntil: "load" });
    const boxes: Box[] = await page.$$eval("figure[data-chart]", (figures) =>
      figures.map((f) => {
        const plot = f.querySelector(".plot") ?? f;
        const r = plot.getBoundingClientRect();
        // Page coordinates (the screenshot is the full page); runs in the page, which has them.
        const { scrollX, scrollY } = globalThis as unknown as { scrollX: number; scrollY: number };
        return {
          chart: f.getAttribute("data-chart") ?? "",
          kind: f.getAttribute("data-kind") ?? "",
          x: r.x + scrollX,
          y: r.y + scrollY,
          width: r.width,
          height: r.height,
        };
      }),
    );
    const shot = await page.screenshot({ fullPage: true });
    await page.close();
    return { png: PNG.sync.read(shot), shot, boxes, requests };
  }

  it("draws every chart, loading nothing but the file itself", async () => {
    const file = process.env.REPORT_HTML
      ? path.resolve(ROOT, process.env.REPORT_HTML)
      : renderFixture(dir);
    const { png, shot, boxes, requests } = await open(file);
    if (process.env.REPORT_SCREENSHOT) {
      fs.writeFileSync(path.resolve(ROOT, process.env.REPORT_SCREENSHOT), shot);
    }
    expect(requests).to.deep.equal([`file://${file}`]);
    expect(boxes.map((b) => b.chart)).to.deep.equal(CHARTS);
    for (const b of boxes) expect(b.width * b.height, b.chart).to.be.greaterThan(2_000);
    expect(blankCharts(png, boxes)).to.deep.equal([]);
  });

  it("fails a chart that draws nothing", async () => {
    const good = fs.readFileSync(renderFixture(dir), "utf8");
    // Empty the first bar chart's plot and the first table's rows, keeping their boxes' size.
    const broken = good
      .replace(/(<svg class="plot"[^>]*>).*?<\/svg>/, "$1</svg>")
      .replace(
        /<table class="plot">.*?<\/table>/,
        '<table class="plot" style="height:200px;width:500px"></table>',
      );
    const file = path.join(dir, "broken.html");
    fs.writeFileSync(file, broken);
    const { png, boxes } = await open(file);
    expect(blankCharts(png, boxes)).to.deep.equal([
      "popular_category_by_country",
      "top_poster_by_country",
    ]);
  });
});
