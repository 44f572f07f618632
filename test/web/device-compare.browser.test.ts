import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { MEASUREMENT_FILE_FORMAT } from "../../src/db/measurement-file.js";
import { seedPublishedMeasurements } from "../../src/db/seed-measurements.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";

declare const window: any;
declare const document: any;

const CHROMIUM = "/usr/bin/chromium";

describe.skipIf(!existsSync(CHROMIUM))("dashboard: compare two devices (browser)", () => {
  let api: TestServer;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const paper = new Map<string, number>();

  beforeAll(async () => {
    api = await startTestServer("pglite", { config: { worker: false } });
    // A published GPU with throughput for three models at 224: twice, half and equal to the paper's figure.
    const rows = await api.data(
      `{ models(first: 200, filter: { resolutions: [224] }) { edges { node { model { name sourceId } metrics(keys: ["throughput"]) { value } } } } }`,
    );
    const chosen = rows.models.edges
      .map((e: any) => ({ ...e.node.model, value: e.node.metrics[0]?.value }))
      .filter((m: any) => ["ViT-Ti/16", "ViT-S/16", "ViT-B/16"].includes(m.name));
    const factor = [2, 0.5, 1];
    const dir = await mkdtemp(join(tmpdir(), "favor-compare-"));
    await writeFile(
      join(dir, "gpu.json"),
      JSON.stringify({
        format: MEASUREMENT_FILE_FORMAT,
        device: { name: "Browser Test GPU", kind: "gpu", description: {} },
        exportedFrom: "test",
        exportedAt: "2026-12-01T00:00:00Z",
        figures: chosen.map((m: any, i: number) => {
          paper.set(m.name, m.value);
          return {
            model: m.sourceId,
            modelName: m.name,
            resolution: 224,
            metric: "throughput",
            batchSize: 64,
            value: m.value * factor[i],
            provenance: {
              provider: "webgpu",
              validity:
                i === 2
                  ? { verdict: "unstable", reasons: ["windows disagree by 14 %"] }
                  : { verdict: "stable", reasons: [] },
            },
          };
        }),
      }),
    );
    await seedPublishedMeasurements(api.server.app.services.database.db, dir);
    await rm(dir, { recursive: true });
    api.server.app.services.catalog.invalidate();

    profile = await mkdtemp(join(tmpdir(), "favor-chromium-"));
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
    await page.route(
      (url) => !url.href.startsWith(api.url),
      (route) => route.abort(),
    );
  });
  afterAll(async () => {
    await context?.close();
    await api?.stop();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it("draws each model's figure on the paper's A100 against the published GPU, with the diagonal and the ratios", async () => {
    await page.goto(`${api.url}/`);
    await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 60_000 });
    const shown = await page.evaluate(() => {
      const hook = window.__favor;
      return {
        ready: document.body.dataset.ready,
        errors: hook.errors,
        hidden: document.querySelector("#compare-card").hidden,
        pairs: hook.comparePairs.map((p: any) => ({ model: p.model, a: p.a, b: p.b })),
        points: document.querySelectorAll("#compare-plot svg g.pairs_marks path").length,
        lines: document.querySelectorAll("#compare-plot svg g.diagonal_marks path").length,
        ratios: [...document.querySelectorAll("#compare-table tbody tr td:nth-child(5)")].map(
          (td: any) => td.textContent,
        ),
        b: document.querySelector("#compare-b").selectedOptions[0].textContent,
      };
    });
    expect(shown.ready).toBe("1");
    expect(shown.errors).toEqual([]);
    expect(shown.hidden).toBe(false);
    expect(shown.b).toBe("Browser Test GPU");
    expect(shown.pairs).toHaveLength(3);
    for (const p of shown.pairs) expect(p.a).toBe(paper.get(p.model));
    expect(shown.ratios).toEqual(["2.00×", "1.00×", "0.50×"]);
    expect(shown.points).toBe(3);
    expect(shown.lines).toBe(1);
  });

  it("marks the unstable measured figure in the runs table with its reason", async () => {
    const before = await page.evaluate(() => window.__favor.renders);
    await page.selectOption("#device", { label: "Browser Test GPU" });
    await page.waitForFunction((n) => window.__favor.renders > n, before, { timeout: 30_000 });
    const marks = await page.evaluate(() =>
      [...document.querySelectorAll("#runs-table .doubtful")].map((e: any) => e.getAttribute("title")),
    );
    expect(marks.length).toBeGreaterThan(0);
    expect(new Set(marks)).toEqual(new Set(["unstable: windows disagree by 14 %"]));
  });
});
