import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { fidelity } from "../../scripts/fidelity.js";
import { deviceFileName, exportDeviceFigures } from "../../scripts/import-measurements.js";
import { MEASUREMENT_FILE_FORMAT, parseMeasurementFile } from "../../src/db/measurement-file.js";
import { readPublishedDevices, seedPublishedMeasurements } from "../../src/db/seed-measurements.js";
import type { MeasurementWorker } from "../../src/jobs/measurement-worker.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";
import { startTestWorker } from "../helpers/test-worker.js";

const TOKEN = "test-token";
const FIGURES = `query($device: ID!) { models(first: 200, device: $device, filter: { resolutions: [32] }) {
  edges { node { model { sourceId } resolution metrics(keys: ["latencyP50Ms", "latencyP90Ms"]) { key value batchSize source provenance device { name kind } } } } } }`;

const figuresOf = async (api: TestServer, device: string) =>
  (await api.data(FIGURES, { device })).models.edges.flatMap((e: any) =>
    e.node.metrics
      .filter((m: any) => m.source === "MEASURED")
      .map((m: any) => ({ model: e.node.model.sourceId, key: m.key, value: m.value, device: m.device })),
  );

describe("published devices: export from one Favor, seed into another", () => {
  let source: TestServer;
  let target: TestServer;
  let worker: MeasurementWorker;
  let dir: string;
  let deviceName: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "favor-published-"));
    source = await startTestServer("pglite", { config: { tokens: [TOKEN] } });
    target = await startTestServer("pglite");
    worker = await startTestWorker(source);
    const job = (
      await source.data(
        `mutation { measure(input: { models: ["ViT-Ti/16"], resolutions: [32], metrics: ["latencyP50Ms", "latencyP90Ms"], provider: CPU }) { id } }`,
        {},
        { authorization: `Bearer ${TOKEN}` },
      )
    ).measure;
    for (;;) {
      const { measurementJob } = await source.data(
        `query($id: ID!) { measurementJob(id: $id) { status device { name } } }`,
        {
          id: job.id,
        },
      );
      if (measurementJob.status === "SUCCEEDED") {
        deviceName = measurementJob.device.name;
        break;
      }
      expect(["QUEUED", "RUNNING"]).toContain(measurementJob.status);
      await new Promise((r) => setTimeout(r, 200));
    }
  });
  afterAll(async () => {
    await worker?.stop();
    await source?.stop();
    await target?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("exports every measured figure of the device with its provenance, and the target serves the same figures", async () => {
    const file = await exportDeviceFigures(`${source.url}/graphql`, deviceName);
    expect(file.format).toBe(MEASUREMENT_FILE_FORMAT);
    expect(file.device).toMatchObject({ name: deviceName, kind: "cpu" });
    expect(file.figures.map((f) => f.metric).sort()).toEqual(["latencyP50Ms", "latencyP90Ms"]);
    for (const f of file.figures) {
      expect(f).toMatchObject({
        model: "ViT-Ti/16",
        modelName: "ViT-Ti/16",
        resolution: 32,
        batchSize: 1,
      });
      expect(f.provenance).toMatchObject({ provider: "cpu", onnxruntimeVersion: "1.30.0" });
    }
    await writeFile(path.join(dir, deviceFileName(deviceName)), JSON.stringify(file));

    const db = target.server.app.services.database.db;
    expect(await seedPublishedMeasurements(db, dir)).toBe(2);
    target.server.app.services.catalog.invalidate();
    const served = await figuresOf(target, deviceName);
    expect(served.sort((a: any, b: any) => a.key.localeCompare(b.key))).toEqual(
      (await figuresOf(source, deviceName)).sort((a: any, b: any) => a.key.localeCompare(b.key)),
    );
    // The same file again writes nothing; a changed file replaces the published figures.
    expect(await seedPublishedMeasurements(db, dir)).toBe(0);
    const changed = { ...file, figures: file.figures.slice(0, 1) };
    await writeFile(path.join(dir, deviceFileName(deviceName)), JSON.stringify(changed));
    expect(await seedPublishedMeasurements(db, dir)).toBe(1);
    target.server.app.services.catalog.invalidate();
    expect(await figuresOf(target, deviceName)).toHaveLength(1);
  });

  it("ranks a published device's throughput against the paper's (npm run fidelity)", async () => {
    const paper = await target.data(
      `{ models(first: 200, filter: { resolutions: [224] }) { edges { node { model { name sourceId } metrics(keys: ["throughput"]) { value } } } } }`,
    );
    const rows = paper.models.edges
      .map((e: any) => ({ ...e.node.model, value: e.node.metrics[0]?.value }))
      .filter((m: any) => ["ViT-Ti/16", "ViT-S/16", "ViT-B/16"].includes(m.name));
    expect(rows).toHaveLength(3);
    // Same order as the paper for two models, swapped for the third: rho = 0.5; only two are stable.
    const sorted = [...rows].sort((a: any, b: any) => a.value - b.value);
    const measured = [sorted[1].value, sorted[0].value, sorted[2].value];
    const file = {
      format: MEASUREMENT_FILE_FORMAT,
      device: { name: "Test GPU", kind: "gpu", description: { adapter: "test" } },
      exportedFrom: "test",
      exportedAt: "2026-12-01T00:00:00Z",
      figures: sorted.map((m: any, i: number) => ({
        model: m.sourceId,
        modelName: m.name,
        resolution: 224,
        metric: "throughput",
        batchSize: 64,
        value: measured[i],
        provenance: { provider: "webgpu", validity: { verdict: i === 0 ? "unstable" : "stable" } },
      })),
    };
    const gpuDir = await mkdtemp(path.join(tmpdir(), "favor-fidelity-"));
    await writeFile(path.join(gpuDir, "test-gpu.json"), JSON.stringify(file));
    await seedPublishedMeasurements(target.server.app.services.database.db, gpuDir);
    await rm(gpuDir, { recursive: true });
    target.server.app.services.catalog.invalidate();
    const [result] = await fidelity(`${target.url}/graphql`, ["Test GPU"], 224);
    expect(result.all).toEqual({ rho: 0.5, n: 3 });
    expect(result.stable).toEqual({ rho: 1, n: 2 });
    expect(result.pairs.map((p) => p.model).sort()).toEqual(["ViT-B/16", "ViT-S/16", "ViT-Ti/16"]);
  });

  it("names the bad field of a file it refuses", async () => {
    const good = {
      format: MEASUREMENT_FILE_FORMAT,
      device: { name: "x", kind: "gpu", description: {} },
      exportedFrom: "here",
      exportedAt: "2026-12-01T00:00:00Z",
      figures: [
        {
          model: "ViT-S/16",
          modelName: "ViT-S/16",
          resolution: 224,
          metric: "throughput",
          batchSize: 64,
          value: 1,
          provenance: { provider: "webgpu" },
        },
      ],
    };
    expect(parseMeasurementFile(good).figures).toHaveLength(1);
    const bad = (figure: Record<string, unknown>) => ({
      ...good,
      figures: [{ ...good.figures[0], ...figure }],
    });
    expect(() => parseMeasurementFile(bad({ metric: "params" }))).toThrow(
      /figures\[0\]\.metric is not a per-device metric/,
    );
    expect(() => parseMeasurementFile(bad({ value: "fast" }))).toThrow(
      /figures\[0\]\.value must be a finite number/,
    );
    expect(() => parseMeasurementFile(bad({ provenance: {} }))).toThrow(
      /figures\[0\]\.provenance must say how/,
    );
    expect(() => parseMeasurementFile({ ...good, figures: [good.figures[0], good.figures[0]] })).toThrow(
      /repeats the figure/,
    );
    expect(() => parseMeasurementFile({ ...good, format: "v0" })).toThrow(/format must be/);
  });

  it("checks every committed file in data/measurements", () => {
    for (const published of readPublishedDevices())
      expect(published.content.figures.length).toBeGreaterThan(0);
  });
});
