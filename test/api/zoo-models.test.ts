import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { MeasurementWorker } from "../../src/jobs/measurement-worker.js";
import { analyzeModel } from "../../src/measure/onnx/index.js";
import { describeModel, referenceCounts } from "../../src/measure/zoo/index.js";
import { MODELS, SEED } from "../helpers/seed-fixture.js";
import { BACKENDS, startTestServer, type TestServer } from "../helpers/test-server.js";
import { startTestWorker } from "../helpers/test-worker.js";

const TOKEN = "test-token";
const AUTH = { authorization: `Bearer ${TOKEN}` };
// The 30 models of the paper's code that the benchmark data has no runs of (issue 11): 16 architectures, 14 of
// them also at their smallest registered size.
const WITH_RUNS = new Set(SEED.runs.map((r) => r.sourceModelId));
const NEW = MODELS.models.filter((m) => !WITH_RUNS.has(m.sourceId));
const MODEL = "HiViT-Ti";
const RESOLUTION = 64;

describe.each(BACKENDS)("the zoo models without paper runs over HTTP (%s)", (backend) => {
  let api: TestServer;
  let worker: MeasurementWorker | undefined;
  beforeAll(async () => (api = await startTestServer(backend, { config: { tokens: [TOKEN] } })));
  afterAll(async () => {
    await worker?.stop();
    await api?.stop();
  });

  it("lists all 30 in modelList and the taxonomy, with family and class, and no paper figures", async () => {
    expect(NEW).toHaveLength(30);
    expect(new Set(NEW.map((m) => m.sourceId))).toEqual(new Set(referenceCounts().map((r) => r.sourceId)));
    const data = await api.data(
      `{ modelList { sourceId name family taxonomyClass } taxonomy { classes { name models { sourceId } } }
         runs(first: 200) { edges { node { model { sourceId } } } } }`,
    );
    const listed = new Map(data.modelList.map((m: any) => [m.sourceId, m]));
    for (const m of NEW) {
      expect(listed.get(m.sourceId)).toEqual({
        sourceId: m.sourceId,
        name: m.name,
        family: m.family,
        taxonomyClass: m.taxonomyClass,
      });
      const cls = data.taxonomy.classes.find((c: any) => c.name === m.taxonomyClass);
      expect(cls.models.map((x: any) => x.sourceId)).toContain(m.sourceId);
    }
    const withRuns = new Set(data.runs.edges.map((e: any) => e.node.model.sourceId));
    for (const m of NEW) expect(withRuns.has(m.sourceId)).toBe(false);
  });

  it("lists every cell of the 30 as missing in coverage before anything is measured (HaloNet-H2 and -H0 at 256)", async () => {
    const data = await api.data(
      `{ metrics { key } coverage(onlyMissing: true) { cells { model resolution metric exists } } }`,
    );
    const keys = data.metrics.map((m: any) => m.key).sort();
    for (const m of NEW) {
      const cells = data.coverage.cells.filter((c: any) => c.model === m.name);
      expect(new Set(cells.map((c: any) => c.resolution)), m.name).toEqual(
        new Set([m.family === "HaloNet" ? 256 : 224]),
      );
      expect(cells.map((c: any) => c.metric).sort(), m.name).toEqual(keys);
      expect(cells.every((c: any) => c.exists === false)).toBe(true);
    }
  });

  it("measures one on the CPU: its graph's params and MACs, a latency; coverage lists its missing cells; fronts needing accuracy exclude it", async () => {
    const metrics = ["params", "macs", "latencyP50Ms"];
    const queued = await api.graphql(
      `mutation($input: MeasureInput!) { measure(input: $input) { id device { id } } }`,
      { input: { models: [MODEL], resolutions: [RESOLUTION], metrics, provider: "CPU" } },
      AUTH,
    );
    expect(queued.errors, JSON.stringify(queued.errors)).toBeUndefined();
    const { id, device } = queued.data.measure;
    worker = await startTestWorker(api);
    for (;;) {
      const j = (
        await api.graphql(`query($id: ID!) { measurementJob(id: $id) { status errors { reason } } }`, { id })
      ).data.measurementJob;
      if (["SUCCEEDED", "FAILED", "CANCELLED"].includes(j.status)) {
        expect(j.status, JSON.stringify(j.errors)).toBe("SUCCEEDED");
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }

    const rows = await api.data(
      `query($d: ID) { models(device: $d, filter: { name: "${MODEL}" }) {
         totalCount edges { node { resolution runCount metrics(keys: ${JSON.stringify(metrics)}) { key value source } } } } }`,
      { d: String(device.id) },
    );
    expect(rows.models.totalCount).toBe(1);
    const node = rows.models.edges[0].node;
    expect(node).toMatchObject({ resolution: RESOLUTION, runCount: 0 });
    const byKey = Object.fromEntries(node.metrics.map((m: any) => [m.key, m]));
    const { graph, metadata } = describeModel(MODEL, { resolution: RESOLUTION });
    expect(byKey.params).toMatchObject({ value: metadata.parameters, source: "MEASURED" });
    expect(byKey.macs.value).toBe(analyzeModel(graph).torchprofileMacs);
    expect(byKey.latencyP50Ms.value).toBeGreaterThan(0);

    const coverage = await api.data(
      `query($d: ID) { coverage(device: $d, onlyMissing: true) { cells { model resolution metric } } }`,
      { d: String(device.id) },
    );
    const missing = coverage.coverage.cells
      .filter((c: any) => c.model === MODEL && c.resolution === RESOLUTION)
      .map((c: any) => c.metric);
    expect(missing).toContain("accuracyTop1");
    expect(missing).toContain("throughput");
    expect(missing).not.toContain("params");

    const front = await api.data(
      `query($d: ID) { paretoFront(objectives: [{ metric: "accuracyTop1" }, { metric: "latencyP50Ms" }], device: $d,
         level: MODEL_RESOLUTION) { points { subject { model { name } } } excluded { reason subjects { key } } } }`,
      { d: String(device.id) },
    );
    expect(front.paretoFront.points.some((p: any) => p.subject.model.name === MODEL)).toBe(false);
    const reasons = front.paretoFront.excluded.map((e: any) => e.reason);
    expect(reasons.some((r: string) => r.includes("accuracyTop1"))).toBe(true);
  });

  it("plans allModels at 224 with HaloNet-H2 and -H0 skipped as unbuildable, the other 63 models queued", async () => {
    await worker?.stop();
    worker = undefined;
    const result = await api.graphql(
      `mutation($input: MeasureInput!) { measure(input: $input) {
         id progress { total skipped pending } cells { modelName resolution status reasonKind reason } } }`,
      { input: { allModels: true, resolutions: [224], metrics: ["params"], provider: "CPU", force: true } },
      AUTH,
    );
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    const job = result.data.measure;
    expect(job.progress).toMatchObject({ total: 65, skipped: 2, pending: 63 });
    for (const name of ["HaloNet-H2", "HaloNet-H0"]) {
      const halo = job.cells.find((c: any) => c.modelName === name);
      expect(halo, name).toMatchObject({ status: "SKIPPED", reasonKind: "unbuildable" });
      expect(halo.reason).toMatch(/multiple of 256/);
    }
    const cancelled = await api.graphql(
      `mutation($id: ID!) { cancelMeasurement(id: $id) { status } }`,
      { id: job.id },
      AUTH,
    );
    expect(cancelled.errors).toBeUndefined();
  });

  it("refuses a named model at a resolution it cannot be built at", async () => {
    const result = await api.graphql(
      `mutation($input: MeasureInput!) { measure(input: $input) { id } }`,
      { input: { models: ["HaloNet-H2"], resolutions: [224], metrics: ["params"], provider: "CPU" } },
      AUTH,
    );
    expect(result.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(result.errors?.[0].message).toMatch(/HaloNet-H2 cannot be built at resolution 224/);
  });
});
