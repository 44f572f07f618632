import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { cells, devices, models } from "../../src/db/schema/index.js";
import { MODELS, SEED } from "../helpers/seed-fixture.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";

// Page-side globals of the evaluate() callbacks (this project compiles without the DOM lib); module-scoped.
declare const window: any;
declare const document: any;

const CHROMIUM = "/usr/bin/chromium";
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM)
  console.warn(`dashboard browser tests skipped: ${CHROMIUM} is absent (.ci/run installs it)`);

/** Where the screenshot goes: FAVOR_SCREENSHOT_DIR, else the OS temp dir; the pid and time keep parallel runs apart. */
const SCREENSHOT = join(
  process.env.FAVOR_SCREENSHOT_DIR ?? tmpdir(),
  `favor-dashboard-${process.pid}-${Date.now().toString(36)}.png`,
);

const classOf = new Map(MODELS.models.map((m) => [m.sourceId, m.taxonomyClass]));

type SeedRun = (typeof SEED.runs)[number];
type Key = keyof SeedRun["metrics"];

/** Returns how many seed runs (with every objective) no other run dominates: the brute-force O(n²) front. */
function seedFront(
  objectives: ReadonlyArray<readonly [Key, "max" | "min"]>,
  keep: (r: SeedRun) => boolean = () => true,
): number {
  const runs = SEED.runs.filter((r) => keep(r) && objectives.every(([k]) => r.metrics[k] !== undefined));
  const v = (r: SeedRun, [k, dir]: readonly [Key, "max" | "min"]) =>
    dir === "max" ? r.metrics[k]! : -r.metrics[k]!;
  return runs.filter(
    (p) =>
      !runs.some(
        (q) => objectives.every((o) => v(q, o) >= v(p, o)) && objectives.some((o) => v(q, o) > v(p, o)),
      ),
  ).length;
}

const THROUGHPUT_ACC = [
  ["throughput", "max"],
  ["accuracyTop1", "max"],
] as const;
const FLOPS_ACC = [
  ["flops", "min"],
  ["accuracyTop1", "max"],
] as const;

/** What the page has drawn: from the Vega view's data and from the SVG in the DOM. */
async function drawn(page: Page) {
  return page.evaluate(() => {
    const hook = (window as any).__favor;
    const data = hook.view.data("points") as Array<{ front: boolean; label: string }>;
    const svg = document.querySelector("#plot svg")!;
    return {
      points: data.length,
      front: data.filter((d) => d.front).length,
      // A model@resolution with two runs on the front is ringed once.
      frontLabels: new Set(data.filter((d) => d.front).map((d) => d.label)).size,
      pointSymbols: svg.querySelectorAll("g.pointsLayer_marks path").length,
      frontRings: svg.querySelectorAll("g.frontRings_marks path").length,
      frontLines: svg.querySelectorAll("g.frontLine_marks path").length,
      axisTitles: [...svg.querySelectorAll("g.role-axis-title text")].map(
        (t: any) => t.textContent as string,
      ),
      rows: document.querySelectorAll("#runs-table tbody tr").length,
      errors: hook.errors as string[],
    };
  });
}

/**
 * The front's labels as the browser lays them out in the SVG under `root`: how many there are, how many are shown,
 * and the pairs of shown labels whose boxes overlap (named, so a failure says which).
 */
async function frontLabelLayout(page: Page, root: string) {
  return page.evaluate((selector) => {
    const texts = [...document.querySelectorAll(`${selector} g.frontLabels_marks text`)];
    const shown = texts.filter(
      (t) => Number(window.getComputedStyle(t).opacity) > 0 && t.getAttribute("opacity") !== "0",
    );
    const boxes = shown.map((t) => ({ name: t.textContent ?? "", box: t.getBoundingClientRect() }));
    const overlaps: string[] = [];
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i].box;
        const b = boxes[j].box;
        // A text box spans the font's ascent and descent (about 1.2 em) while Vega lays labels out 1 em tall,
        // so stacked labels may share up to 2 px of empty line gap: an overlap is more than that both ways.
        const wide = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const tall = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (wide > 2 && tall > 2)
          overlaps.push(`${boxes[i].name} / ${boxes[j].name} (${wide.toFixed(1)} x ${tall.toFixed(1)} px)`);
      }
    return { labels: texts.length, shown: shown.length, overlaps };
  }, root);
}

/** Runs `action` and waits until the page has redrawn after it. */
async function andRedraw(page: Page, action: () => Promise<unknown>): Promise<void> {
  const before = await page.evaluate(() => (window as any).__favor.renders);
  await action();
  await page.waitForFunction((n) => (window as any).__favor.renders > n, before, { timeout: 20_000 });
}

describe.skipIf(!HAVE_CHROMIUM)("the dashboard in Chromium", () => {
  let api: TestServer;
  let context: BrowserContext;
  let page: Page;
  let profile: string;

  beforeAll(async () => {
    // A token, so the jobs panel can be shown a real job; no worker, so the job stays queued.
    api = await startTestServer("pglite", { config: { tokens: ["browser-test-token"], worker: false } });
    profile = mkdtempSync(join(tmpdir(), "favor-chromium-"));
    // A persistent context is how playwright takes a fresh --user-data-dir.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1360, height: 1000 },
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    // Offline by construction: any request that leaves the server fails the test.
    await page.route(
      (url) => !url.href.startsWith(api.url),
      (route) => route.abort(),
    );
    await page.goto(`${api.url}/`);
    await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 60_000 });
  });

  afterAll(async () => {
    await context?.close();
    await api?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it("loads, draws every run with both figures, and the throughput vs top-1 front", async () => {
    expect(await page.evaluate(() => document.body.dataset.ready)).toBe("1");
    const d = await drawn(page);
    const withBoth = SEED.runs.filter(
      (r) => r.metrics.throughput !== undefined && r.metrics.accuracyTop1 !== undefined,
    ).length;
    expect(d.points).toBe(withBoth);
    expect(d.pointSymbols).toBe(withBoth);
    expect(d.rows).toBe(SEED.runs.length);
    expect(d.front).toBe(seedFront(THROUGHPUT_ACC));
    expect(d.frontRings).toBe(d.frontLabels);
    expect(d.frontLines).toBe(1);
    // Labels placed around their points without overlapping (FocalNet-S (SRF) and ViT-B/16 collided before).
    const layout = await frontLabelLayout(page, "#plot");
    expect(layout.labels).toBe(d.frontLabels);
    expect(layout.overlaps).toEqual([]);
    expect(layout.shown).toBeGreaterThanOrEqual(Math.ceil(layout.labels * 0.75));
    expect(d.axisTitles).toEqual(expect.arrayContaining(["Throughput (images/s)", "Top-1 accuracy (%)"]));
    expect(d.errors).toEqual([]);
    // No measured device in a fresh database: no device selector. The jobs panel shows iff the schema has jobs.
    expect(await page.isHidden("#device-field")).toBe(true);
    const fields = await api.graphql(`{ __type(name: "Query") { fields { name } } }`);
    const hasJobs = fields.data.__type.fields.some((f: { name: string }) => f.name === "measurementJobs");
    expect(await page.isVisible("#jobs-card")).toBe(hasJobs);
  });

  it("follows a change of axis, with the front's direction from the catalogue (FLOPs: lower is better)", async () => {
    await andRedraw(page, () => page.selectOption("#x-metric", "flops"));
    const d = await drawn(page);
    expect(d.axisTitles).toContain("FLOPs");
    expect(d.points).toBe(SEED.runs.filter((r) => r.metrics.flops !== undefined).length);
    expect(d.front).toBe(seedFront(FLOPS_ACC));
    expect(await page.locator("#plot svg").getAttribute("class")).toBeTruthy();
    expect(new URL(page.url()).searchParams.get("x")).toBe("flops");
  });

  it("/plots/pareto.svg lays the front's labels out without overlap too", async () => {
    // The k-objective front on the CPU-free figures has the most labels, clustered around 4,000 img/s.
    const svg = await context.newPage();
    try {
      for (const query of [
        "x=throughput&y=accuracyTop1",
        "x=params&y=accuracyTop1&front=kd&objectives=throughput",
      ]) {
        await svg.goto(`${api.url}/plots/pareto.svg?${query}`);
        const layout = await frontLabelLayout(svg, "svg");
        expect(layout.labels, query).toBeGreaterThan(5);
        expect(layout.overlaps, query).toEqual([]);
        expect(layout.shown, query).toBeGreaterThanOrEqual(Math.ceil(layout.labels * 0.75));
      }
    } finally {
      await svg.close();
    }
  });

  it("toggles the front off, to k objectives, and back", async () => {
    await andRedraw(page, () => page.check('input[name="front"][value="none"]'));
    let d = await drawn(page);
    expect([d.front, d.frontRings, d.frontLines]).toEqual([0, 0, 0]);
    await andRedraw(page, () => page.check('input[name="front"][value="kd"]'));
    await andRedraw(page, () => page.check('#kd-list input[data-kd="throughput"]'));
    d = await drawn(page);
    expect(d.frontLines).toBe(0);
    expect(d.frontRings).toBe(d.frontLabels);
    expect(d.front).toBe(seedFront([...FLOPS_ACC, ["throughput", "max"]]));
    await andRedraw(page, () => page.check('input[name="front"][value="2d"]'));
    expect((await drawn(page)).frontLines).toBe(1);
  });

  it("filters the table by class and name, and the plot and front follow", async () => {
    await andRedraw(page, () => page.selectOption("#filter-class", "Baseline"));
    const baseline = (r: (typeof SEED.runs)[number]) => classOf.get(r.sourceModelId) === "Baseline";
    let d = await drawn(page);
    expect(d.rows).toBe(SEED.runs.filter(baseline).length);
    expect(d.points).toBe(SEED.runs.filter((r) => baseline(r) && r.metrics.flops !== undefined).length);
    expect(d.front).toBe(seedFront(FLOPS_ACC, baseline));
    await andRedraw(page, () => page.fill("#filter-text", "ViT-S"));
    d = await drawn(page);
    expect(d.rows).toBe(SEED.runs.filter((r) => r.sourceModelId === "ViT-S/16").length);
    expect(d.points).toBe(d.rows);
    const names = await page.locator("#runs-table tbody td.model").allTextContents();
    expect(new Set(names.map((n) => n.trim()))).toEqual(new Set(["ViT-S/16"]));
    // The page's links reproduce the view on the server: same rows in the CSV, a valid SVG.
    const csv = await fetch(`${api.url}${await page.getAttribute("#link-export-csv", "href")}`);
    expect((await csv.text()).trim().split("\r\n")).toHaveLength(1 + d.rows);
    const svg = await fetch(`${api.url}${await page.getAttribute("#link-svg", "href")}`);
    expect([svg.status, svg.headers.get("content-type")]).toEqual([200, "image/svg+xml; charset=utf-8"]);
  });

  it("sorts by a column and downloads what is shown as CSV", async () => {
    await andRedraw(page, () => page.fill("#filter-text", ""));
    await andRedraw(page, () => page.click('#runs-table thead button[data-sort="accuracyTop1"]'));
    const header = await page
      .locator('#runs-table thead th:has(button[data-sort="accuracyTop1"])')
      .getAttribute("aria-sort");
    expect(["ascending", "descending"]).toContain(header);
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-csv")]);
    const csv = readFileSync((await download.path())!, "utf8")
      .trim()
      .split("\r\n");
    expect(csv[0]).toContain("accuracyTop1 [fraction]");
    expect(csv).toHaveLength(1 + SEED.runs.filter((r) => classOf.get(r.sourceModelId) === "Baseline").length);
    const col = csv[0].split(",").indexOf("accuracyTop1 [fraction]");
    const acc = csv.slice(1).map((line) => Number(line.split(",")[col]));
    const sorted = [...acc].sort((a, b) => (header === "descending" ? b - a : a - b));
    expect(acc).toEqual(sorted);
  });

  it("draws per-epoch curves of a ticked run", async () => {
    await page.locator("#runs-table tbody input[type=checkbox]").first().check();
    await page.waitForFunction(() => (window as any).__favor.curvesView !== null, null, { timeout: 20_000 });
    const epochs = await page.evaluate(() => (window as any).__favor.curvesView.data("curves").length);
    expect(epochs).toBe(50);
  });

  it("looks right (screenshot)", async () => {
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    console.log(`dashboard screenshot: ${SCREENSHOT}`);
    expect(existsSync(SCREENSHOT)).toBe(true);
  });

  it("offers a device selector once measured cells exist, and shows them next to the paper's", async () => {
    // A measuring machine's figures, written as the measurement worker writes them: model@resolution cells.
    const { db } = api.server.app.services.database;
    const [device] = await db
      .insert(devices)
      .values({ name: "Test CPU (browser test)", kind: "cpu", description: { source: "test" } })
      .returning();
    const [vitTi] = await db.select().from(models).where(eq(models.name, "ViT-Ti/16"));
    await db.insert(cells).values({
      modelId: vitTi.id,
      resolution: 224,
      metricKey: "throughput",
      deviceId: device.id,
      batchSize: 8,
      value: 321.5,
      source: "measured",
      provenance: { source: "browser test" },
    });
    api.server.app.services.catalog.invalidate();
    await page.goto(`${api.url}/?x=throughput&y=accuracyTop1`);
    await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 60_000 });
    expect(await page.isVisible("#device-field")).toBe(true);
    await andRedraw(page, () => page.selectOption("#device", String(device.id)));
    const vitTiRuns = SEED.runs.filter((r) => r.sourceModelId === "ViT-Ti/16" && r.resolution === 224).length;
    let d = await drawn(page);
    expect(d.points).toBe(vitTiRuns);
    const throughputs = await page.evaluate(() =>
      window.__favor.view.data("points").map((p: { x: number }) => p.x),
    );
    expect(new Set(throughputs)).toEqual(new Set([321.5]));
    await andRedraw(page, () => page.check("#compare"));
    d = await drawn(page);
    expect(d.points).toBe(vitTiRuns + SEED.runs.filter((r) => r.metrics.throughput !== undefined).length);
    expect(await page.locator("#plot svg").innerHTML()).toContain("Test CPU (browser test)");
  });

  it("lists measurement jobs and their progress (when the schema has them)", async () => {
    const fields = await api.graphql(`{ __type(name: "Mutation") { fields { name } } }`);
    const canMeasure = (fields.data.__type?.fields ?? []).some((f: { name: string }) => f.name === "measure");
    if (!canMeasure) {
      console.warn("no measure mutation in this schema: jobs panel test skipped");
      return;
    }
    const queued = await api.graphql(
      `mutation { measure(input: { models: ["ViT-Ti/16"], resolutions: [224], metrics: ["latencyP50Ms"] }) { id status } }`,
      {},
      { authorization: "Bearer browser-test-token" },
    );
    expect(queued.errors).toBeUndefined();
    const job = queued.data.measure;
    await page.goto(`${api.url}/`);
    await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 60_000 });
    await page.waitForSelector("#jobs li progress");
    const item = (await page.locator("#jobs li").first().textContent())!.replace(/\s+/g, " ");
    expect(item).toContain(`Job ${job.id}`);
    expect(item).toContain(String(job.status).toLowerCase());
    expect(item).toContain("ViT-Ti/16");
  });
});
