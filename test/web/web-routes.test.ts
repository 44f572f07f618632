import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { cells, devices, models } from "../../src/db/schema/index.js";
import { SEED_METRIC_SOURCES } from "../../src/db/seed-file.js";
import { SEED } from "../helpers/seed-fixture.js";
import { BACKENDS, startTestServer, type TestServer } from "../helpers/test-server.js";

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF) into rows of strings. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += c;
  }
  return rows;
}

/** Returns the indices of the points no other point beats on both (both maximised): the brute-force front. */
function bruteFront(points: ReadonlyArray<readonly [number, number]>): Set<number> {
  return new Set(
    points.flatMap((p, i) =>
      points.some((q) => q[0] >= p[0] && q[1] >= p[1] && (q[0] > p[0] || q[1] > p[1])) ? [] : [i],
    ),
  );
}

function symbolsOf(svg: string, markName: string): number {
  const group = svg.split(`role-mark ${markName}"`)[1]?.split("</g>")[0] ?? "";
  return (group.match(/<path /g) ?? []).length;
}

async function get(api: TestServer, path: string, init?: RequestInit) {
  const response = await fetch(`${api.url}${path}`, init);
  return {
    status: response.status,
    type: response.headers.get("content-type") ?? "",
    headers: response.headers,
    body: await response.text(),
  };
}

describe.each(BACKENDS)("dashboard, plots and exports over HTTP (%s)", (backend) => {
  let api: TestServer;
  beforeAll(async () => (api = await startTestServer(backend)));
  afterAll(() => api?.stop());

  describe("the page and its assets", () => {
    it("serves the page at / and /dashboard", async () => {
      for (const path of ["/", "/dashboard"]) {
        const page = await get(api, path);
        expect(page.status).toBe(200);
        expect(page.type).toMatch(/^text\/html/);
        expect(page.body).toContain('<script type="module" src="/assets/dashboard.js">');
        expect(page.body).toContain("/assets/vendor/vega-lite.min.js");
      }
    });

    it("serves the shared spec module with its types stripped, and the vendored charting builds", async () => {
      const spec = await get(api, "/assets/plot-spec.js");
      expect(spec.type).toMatch(/^text\/javascript/);
      expect(spec.body).toContain("function buildScatterSpec(options)");
      expect(spec.body).toMatch(/export \{[^}]*buildScatterSpec/);
      expect(spec.body).not.toMatch(/import type|: ScatterOptions/);
      const vega = await get(api, "/assets/vendor/vega.min.js");
      expect(vega.status).toBe(200);
      expect(vega.headers.get("cache-control")).toContain("max-age");
      expect((await get(api, "/assets/vendor/vega-lite.min.js")).status).toBe(200);
    });

    it("answers 304 to a matching ETag and 404 to an unknown asset", async () => {
      const first = await get(api, "/assets/dashboard.css");
      const etag = first.headers.get("etag")!;
      expect(etag).toBeTruthy();
      expect((await get(api, "/assets/dashboard.css", { headers: { "if-none-match": etag } })).status).toBe(
        304,
      );
      const missing = await get(api, "/assets/nope.js");
      expect(missing.status).toBe(404);
      expect(missing.body).toContain("/assets/nope.js");
    });
  });

  describe("GET /plots/*.svg", () => {
    it("draws the throughput vs top-1 front at 224 px with units, legend and the front's labels", async () => {
      const res = await get(api, "/plots/pareto.svg?x=throughput&y=accuracyTop1&resolution=224");
      expect(res.status).toBe(200);
      expect(res.type).toMatch(/^image\/svg\+xml/);
      const svg = res.body;
      expect(svg).toContain("Throughput (images/s)");
      expect(svg).toContain("Top-1 accuracy (%)");
      expect(svg).toContain("Taxonomy class");
      expect(svg).toContain("Resolution (px)");
      // Every 224 px run with a throughput is a point; the ringed front is the brute-force front of the seed.
      const runs = SEED.runs.filter((r) => r.resolution === 224 && r.metrics.throughput !== undefined);
      expect(symbolsOf(svg, "pointsLayer_marks")).toBe(runs.length);
      const front = bruteFront(runs.map((r) => [r.metrics.throughput!, r.metrics.accuracyTop1!] as const));
      // Ringed once per model@resolution: runs of one model at one resolution on the front share a ring.
      const ringed = new Set([...front].map((i) => `${runs[i].sourceModelId}@${runs[i].resolution}`));
      expect(symbolsOf(svg, "frontRings_marks")).toBe(ringed.size);
      expect(svg).toContain(`Pareto front (${front.size} of ${runs.length} points optimal)`);
      for (const model of ["ViT-Ti/16@224", "ViT-S/16@224", "ViT-B/16@224"])
        expect(svg).toContain(`>${model}</text>`);
    });

    it("draws a scatter without a front, on a log axis for FLOPs", async () => {
      const res = await get(
        api,
        "/plots/scatter.svg?x=flops&y=accuracyTop1&xScale=log&taxonomyClass=Baseline",
      );
      expect(res.status).toBe(200);
      expect(res.body).toContain("for a log scale");
      expect(res.body).not.toContain("Pareto front");
      expect(symbolsOf(res.body, "pointsLayer_marks")).toBe(
        SEED.runs.filter((r) =>
          ["ViT-Ti/16", "ViT-S/16", "ViT-B/16", "deit_small_patch16_LS"].includes(r.sourceModelId),
        ).length,
      );
    });

    it("marks the rank-1 points of a k-D front", async () => {
      const res = await get(
        api,
        "/plots/pareto.svg?x=params&y=accuracyTop1&front=kd&objectives=throughput&resolution=224",
      );
      expect(res.status).toBe(200);
      expect(res.body).toContain("rank-1 points of the k-objective front");
    });

    it.each([
      ["x=nope", 'Unknown metric "nope" in x'],
      ["objectives=speed&front=kd", 'Unknown metric "speed" in objectives'],
      ["xScale=cubic", 'Bad xScale "cubic"'],
      ["resolution=abc", 'Bad resolution "abc"'],
      ["resolutoin=224", 'Unknown parameter "resolutoin"'],
      ["taxonomyClass=Transformers", 'Unknown taxonomy class "Transformers"'],
      ["device=toaster", 'Unknown device "toaster"'],
      ["where=accuracyTop1:gte:2", "No run has both throughput and accuracyTop1"],
      ["where=accuracyTop1:above:0.8", 'Bad operator "above"'],
    ])("answers 400 naming the bad value for %s", async (query, message) => {
      const res = await get(api, `/plots/pareto.svg?${query}`);
      expect(res.status).toBe(400);
      expect(res.type).toMatch(/^text\/plain/);
      expect(res.body).toContain(message);
    });
  });

  describe("GET /export/runs.csv and .json", () => {
    it("exports every run exactly, one column per metric with its unit in the header", async () => {
      const res = await get(api, "/export/runs.csv");
      expect(res.status).toBe(200);
      expect(res.type).toMatch(/^text\/csv/);
      const [header, ...rows] = parseCsv(res.body);
      expect(header.slice(0, 5)).toEqual(["run_id", "experiment_id", "run_name", "run_date", "model"]);
      for (const column of [
        "accuracyTop1 [fraction]",
        "throughput [images/s]",
        "throughput_batch_size [images]",
        "inferenceMemoryB1 [bytes]",
        "fineTuneTime [s]",
        "params [count]",
        "gpu_count [GPUs]",
        "resolution [px]",
      ]) {
        expect(header).toContain(column);
      }
      expect(rows).toHaveLength(90);
      const byRun = new Map(rows.map((row) => [`${row[2]}|${row[3]}`, row]));
      for (const run of SEED.runs) {
        // Dates in ISO 8601: the source's `02.03.2023 12:17:34` (day first, no zone) is `2023-03-02T12:17:34`.
        const [day, month, year, time] = run.runDate.split(/[. ]/);
        const row = byRun.get(`${run.runName}|${year}-${month}-${day}T${time}`)!;
        expect(row[1]).toBe(run.experimentId);
        expect(row[header.indexOf("resolution [px]")]).toBe(String(run.resolution));
        for (const key of Object.keys(SEED_METRIC_SOURCES) as Array<keyof typeof SEED_METRIC_SOURCES>) {
          const column = header.findIndex((h) => h === key || h.startsWith(`${key} [`));
          const expected = run.metrics[key];
          // Numbers round-trip exactly: the CSV holds the shortest text of the stored double.
          expect(row[column] === "" ? undefined : Number(row[column])).toBe(expected);
        }
        expect(row[header.indexOf("throughput_batch_size [images]")]).toBe(
          run.throughputBatchSize === null ? "" : String(run.throughputBatchSize),
        );
      }
    });

    it("applies the runs query's filters and ordering", async () => {
      const csv = parseCsv(
        (await get(api, "/export/runs.csv?resolution=384&orderBy=accuracyTop1:desc")).body,
      );
      const acc = csv[0].indexOf("accuracyTop1 [fraction]");
      const values = csv.slice(1).map((row) => Number(row[acc]));
      expect(values).toHaveLength(SEED.runs.filter((r) => r.resolution === 384).length);
      expect(values).toEqual([...values].sort((a, b) => b - a));
      const strong = parseCsv(
        (await get(api, "/export/runs.csv?where=accuracyTop1:gte:0.83&nameContains=vit")).body,
      );
      expect(strong.length - 1).toBeGreaterThan(0);
      for (const row of strong.slice(1)) expect(Number(row[acc])).toBeGreaterThanOrEqual(0.83);
    });

    it("exports JSON records with units and the citation", async () => {
      const res = await get(api, "/export/runs.json?taxonomyClass=Baseline");
      expect(res.type).toMatch(/^application\/json/);
      const body = JSON.parse(res.body);
      expect(body.source).toContain("arXiv 2308.09372");
      expect(body.units).toMatchObject({
        accuracyTop1: "fraction",
        inferenceMemoryB1: "bytes",
        resolution: "px",
      });
      expect(body.count).toBe(body.runs.length);
      const vitTi = body.runs.find(
        (r: any) => r.model === "ViT-Ti/16" && r.resolution === 224 && r.pretrainResolution === 224,
      );
      const seed = SEED.runs.find((r) => r.runName === vitTi.runName && r.runDate === vitTi.runDate)!;
      expect(vitTi.params).toBe(seed.metrics.params);
      expect(vitTi.throughputBatchSize).toBe(seed.throughputBatchSize);
    });

    it("exports a measuring device's figures with `device`, naming the measured columns", async () => {
      const { db } = api.server.app.services.database;
      const [device] = await db
        .insert(devices)
        .values({ name: "Export test CPU", kind: "cpu", description: {} })
        .returning();
      const [vitTi] = await db.select().from(models).where(eq(models.name, "ViT-Ti/16"));
      await db.insert(cells).values({
        modelId: vitTi.id,
        resolution: 224,
        metricKey: "throughput",
        deviceId: device.id,
        batchSize: 4,
        value: 456.25,
        source: "measured",
        provenance: { source: "export test" },
      });
      api.server.app.services.catalog.invalidate();
      const csv = parseCsv(
        (
          await get(
            api,
            `/export/runs.csv?device=${encodeURIComponent(device.name)}&name=ViT-Ti/16&resolution=224`,
          )
        ).body,
      );
      const [header, ...rows] = csv;
      expect(rows).toHaveLength(
        SEED.runs.filter((r) => r.sourceModelId === "ViT-Ti/16" && r.resolution === 224).length,
      );
      for (const row of rows) {
        expect(row[header.indexOf("throughput [images/s]")]).toBe("456.25");
        expect(row[header.indexOf("throughput_batch_size [images]")]).toBe("4");
        expect(row[header.indexOf("measured_metrics")]).toBe("throughput");
        expect(row[header.indexOf("inferenceMemoryB1 [bytes]")]).toBe(""); // not measured on this device: no A100 figure mixed in
      }
      const svg = await get(api, `/plots/scatter.svg?device=${device.id}&name=ViT-Ti/16`);
      expect(svg.status).toBe(200);
    });

    it("answers HEAD with headers only", async () => {
      const res = await get(api, "/export/runs.csv", { method: "HEAD" });
      expect(res.status).toBe(200);
      expect(res.body).toBe("");
    });

    it.each([
      ["orderBy=speed:desc", 'Unknown metric "speed" in orderBy'],
      ["where=flops:lte:lots", 'Bad value "lots"'],
      ["pretrainResolution=-1", 'Bad pretrainResolution "-1"'],
      ["name=ViT-XXL", 'Unknown model "ViT-XXL"'],
      ["format=xlsx", 'Unknown parameter "format"'],
    ])("answers 400 naming the bad value for %s", async (query, message) => {
      const res = await get(api, `/export/runs.csv?${query}`);
      expect(res.status).toBe(400);
      expect(res.body).toContain(message);
    });
  });
});
