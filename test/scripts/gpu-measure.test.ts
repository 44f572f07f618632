import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, describe, expect, it } from "vitest";
import { bundleGpuRunner } from "../../scripts/gpu-bundle.js";
import { FRONT_MODELS, runGpuMeasurement, runOrder, runPasses } from "../../scripts/gpu-measure.js";
import { openDatabase } from "../../src/db/client.js";
import { readPublishedDevices, seedPublishedMeasurements } from "../../src/db/seed-measurements.js";
import { webgpuAvailability } from "../../src/measure/profiler/webgpu-probe.js";
import { createScratchDatabase } from "../helpers/test-database.js";

// Tiny loops: this checks the runner's code path (scripts/gpu-run.sh on a GPU host), not the figures.
const TINY = {
  latency: { warmupRuns: 1, minRuns: 5, minDurationMs: 0, maxDurationMs: 1_000 },
  throughput: {
    final: { warmupRuns: 1, minRuns: 3, minDurationMs: 0, maxDurationMs: 1_000 },
    search: { warmupRuns: 0, minRuns: 2, minDurationMs: 0, maxDurationMs: 500 },
    batchSizes: [1, 4],
    searchBudgetMs: 2_000,
  },
  stability: { remeasure: 0 },
};

describe("the GPU runner's order", () => {
  it("measures the paper's Pareto-front models first, then every other zoo model once", () => {
    const order = runOrder();
    expect(order.slice(0, FRONT_MODELS.length)).toEqual([...FRONT_MODELS]);
    expect(new Set(order).size).toBe(order.length);
    expect(order.length).toBeGreaterThanOrEqual(35);
  });

  it("goes in passes: the front's throughput, latency, memory, then the rest's", () => {
    const passes = runPasses(
      ["A", "B", "C"],
      ["inferenceMemoryB32", "latencyP50Ms", "throughput", "latencyP99Ms", "inferenceMemoryB1"],
      2,
    );
    expect(passes.map((p) => `${p.model}:${p.task}`)).toEqual([
      "A:throughput",
      "B:throughput",
      "A:latency",
      "B:latency",
      "A:memory-1",
      "B:memory-1",
      "A:memory-32",
      "B:memory-32",
      "C:throughput",
      "C:latency",
      "C:memory-1",
      "C:memory-32",
    ]);
    expect(passes.find((p) => p.task === "latency")?.keys).toEqual(["latencyP50Ms", "latencyP99Ms"]);
    expect(() => runPasses(["A"], ["params"], 1)).toThrow(/params is not measured on a device/);
  });
});

describe("the GPU runner, dry on the CPU", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "favor-gpu-run-test-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("measures one model within its budget and writes a device file the seed reads, with provenance and a summary", async () => {
    const out = path.join(dir, "cpu");
    const lines: string[] = [];
    const result = await runGpuMeasurement({
      out,
      provider: "cpu",
      resolution: 32,
      budgetSeconds: 120,
      models: ["ViT-Ti/16"],
      metrics: ["throughput", "latencyP50Ms", "latencyP90Ms", "inferenceMemoryB1"],
      settings: TINY,
      log: (l) => lines.push(l),
    });
    expect(result).toMatchObject({
      ok: true,
      provider: "cpu",
      figures: 4,
      failures: 0,
      cellsSkippedForTime: 0,
    });
    const [published] = readPublishedDevices(path.join(out, "measurements"));
    expect(published.content.device.kind).toBe("cpu");
    expect(published.content.figures.map((f) => f.metric).sort()).toEqual([
      "inferenceMemoryB1",
      "latencyP50Ms",
      "latencyP90Ms",
      "throughput",
    ]);
    const throughput = published.content.figures.find((f) => f.metric === "throughput")!;
    expect(throughput).toMatchObject({ model: "ViT-Ti/16", modelName: "ViT-Ti/16", resolution: 32 });
    expect(throughput.provenance).toMatchObject({
      provider: "cpu",
      run: "scripts/gpu-measure.ts",
      precision: "fp32",
    });
    expect(throughput.provenance.validity).toBeTruthy();
    const status = JSON.parse(readFileSync(path.join(out, "status.json"), "utf8"));
    expect(status).toMatchObject({ ok: true, provider: "cpu", figures: 4, failures: [] });
    expect(readFileSync(path.join(out, "summary.txt"), "utf8")).toMatch(
      /ViT-Ti\/16 +throughput [\d.]+ img\/s/,
    );
    expect(lines.at(-1)).toMatch(/4 figures, 0 failed measurements/);

    // Published as data/measurements/ publishes a device: the seed writes it and its figures.
    const scratch = await createScratchDatabase("pglite");
    const database = await openDatabase({ dataDir: scratch.dataDir, poolSize: 1 });
    try {
      expect(await seedPublishedMeasurements(database.db, path.join(out, "measurements"))).toBe(4);
      const device = (await database.db.query.devices.findMany()).find(
        (d) => d.name === published.content.device.name,
      );
      expect(device).toMatchObject({ kind: "cpu" });
    } finally {
      await database.close();
      await scratch.drop();
    }
  }, 180_000);

  it("starts no measurement once the budget is spent, and says how many it left", async () => {
    const result = await runGpuMeasurement({
      out: path.join(dir, "no-time"),
      provider: "cpu",
      resolution: 32,
      budgetSeconds: 1,
      models: ["ViT-Ti/16", "ViT-S/16"],
      metrics: ["throughput"],
      settings: TINY,
      log: () => {},
    });
    expect(result).toMatchObject({ ok: true, figures: 0, cellsSkippedForTime: 2 });
  });

  it("writes the missing loader or adapter into status.json when asked for webgpu where it cannot run", async () => {
    const availability = webgpuAvailability();
    if (availability.problem === null) return; // A GPU host.
    const out = path.join(dir, "webgpu");
    const result = await runGpuMeasurement({
      out,
      provider: "webgpu",
      resolution: 32,
      budgetSeconds: 30,
      models: ["ViT-Ti/16"],
      log: () => {},
    });
    expect(result).toMatchObject({ ok: false, provider: null, figures: 0 });
    const status = JSON.parse(readFileSync(path.join(out, "status.json"), "utf8"));
    expect(status).toMatchObject({ ok: false, provider: "webgpu", missing: availability.missing });
    expect(status.problem).toContain(availability.problem);
  }, 60_000);
});

describe("the GPU runner as bundled for a host without node_modules (scripts/gpu-bundle.ts)", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "favor-gpu-bundle-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("builds plain JavaScript with onnxruntime-node beside it, and that runs the dry run on the CPU", async () => {
    const runner = await bundleGpuRunner(dir);
    const out = path.join(dir, "out");
    const stdout = execFileSync(
      process.execPath,
      [
        runner,
        "--out",
        out,
        "--provider",
        "cpu",
        "--resolution",
        "32",
        "--budget-s",
        "60",
        "--models",
        "ViT-Ti/16",
        "--metrics",
        "throughput,latencyP50Ms",
        "--settings",
        JSON.stringify(TINY),
      ],
      { encoding: "utf8", cwd: dir, env: { PATH: process.env.PATH ?? "" } },
    );
    expect(stdout).toMatch(/2 figures, 0 failed measurements/);
    const [published] = readPublishedDevices(path.join(out, "measurements"));
    expect(published.content.figures).toHaveLength(2);
    // No host paths of this checkout leak into what the bundle measured.
    expect(JSON.stringify(published.content)).not.toContain(process.cwd());
  }, 180_000);
});
